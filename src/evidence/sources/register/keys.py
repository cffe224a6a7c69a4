"""The pseudonymisation key: case ids are stored only as HMAC-SHA256 under a key kept outside the register.

The key comes from the environment variable ``EVIDENCE_REGISTER_KEY`` or from a key file (by default
``register.key`` in the user's configuration folder). The key file is created, owner-only, only when a new
register is made; an existing register with no key, or with another key, is an error: a new key would give
the same people new pseudonyms and every record would look new.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from evidence.core.config import config_dir
from evidence.core.errors import EvidenceError

KEY_ENV = "EVIDENCE_REGISTER_KEY"
KEY_FILE_NAME = "register.key"
#: Shortest key accepted (characters of the key text): 32 hex characters are 128 bits.
MIN_KEY_LENGTH = 32
_CHECK_MESSAGE = b"evidence register key check v1"


class RegisterKeyError(EvidenceError):
    """The pseudonymisation key is missing, unsafe, or not the one the register was made with."""


def default_key_path() -> Path:
    """Where the key file is kept unless another is named: ``register.key`` in the user configuration folder."""
    return config_dir() / KEY_FILE_NAME


@dataclasses.dataclass(frozen=True)
class RegisterKey:
    """A secret key and where it came from (never the key itself in any message)."""

    secret: bytes = dataclasses.field(repr=False)
    origin: str  # "environment variable EVIDENCE_REGISTER_KEY" or the key file's path

    def pseudonym(self, case_id: str) -> str:
        """The keyed hash of a case id (64 hex characters): the same id always gives the same pseudonym."""
        keyed = self._keyed.copy()  # the key's two padded blocks are hashed once, not for every id
        keyed.update(case_id.encode("utf-8"))
        return keyed.hexdigest()

    @functools.cached_property
    def _keyed(self) -> hmac.HMAC:
        return hmac.new(self.secret, digestmod=hashlib.sha256)

    def check_value(self) -> str:
        """A value stored in the register to recognise its key later (it does not reveal the key)."""
        return hmac.new(self.secret, _CHECK_MESSAGE, hashlib.sha256).hexdigest()


def _from_text(text: str, origin: str) -> RegisterKey:
    text = text.strip()
    if len(text) < MIN_KEY_LENGTH:
        raise RegisterKeyError(
            f"the register key from {origin} is too short ({len(text)} characters; at least {MIN_KEY_LENGTH})"
        )
    return RegisterKey(text.encode("utf-8"), origin)


def load_key(path: str | Path | None = None, *, create: bool = False) -> RegisterKey:
    """The key: ``EVIDENCE_REGISTER_KEY`` when set, else the key file (``path`` or the default one).

    ``create`` makes a new random key file (owner-only) when there is none; a caller passes it only when it is
    creating a new register.
    """
    if path is None and (env := os.environ.get(KEY_ENV)):
        return _from_text(env, f"environment variable {KEY_ENV}")
    key_path = Path(path) if path is not None else default_key_path()
    if not key_path.exists():
        if not create:
            raise RegisterKeyError(
                f"no register key at {key_path}",
                # without the key the register cannot recognise anyone again: say so plainly
            ) from None
        return _create(key_path)
    mode = key_path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise RegisterKeyError(
            f"the register key file {key_path} can be read by others (mode {stat.filemode(mode)}); "
            f"make it owner-only: chmod 600 {key_path}"
        )
    try:
        text = key_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegisterKeyError(f"cannot read the register key file {key_path}: {exc}") from exc
    return _from_text(text, str(key_path))


def _create(key_path: Path) -> RegisterKey:
    key_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = secrets.token_hex(32)
    try:
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made by another process a moment ago: use that one
        return load_key(key_path)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    return RegisterKey(text.encode("utf-8"), str(key_path))
