"""The pseudonymisation key: case ids are stored only as HMAC-SHA256 under a key kept outside the register.

The key comes from the environment variable ``EVIDENCE_REGISTER_KEY`` or from a key file (by default
``register.key`` in the user's configuration folder). The key file is created, owner-only, only when a new
register is made; an existing register with no key, or with another key, is an error: a new key would give
the same people new pseudonyms and every record would look new.

A key must be random, not chosen by a person: the register keeps a check value of its key (an HMAC of a
constant), so whoever copies the register can test guessed keys offline. A key that is not hex or base64, holds
fewer than 128 bits, or is evidently not random (too few different characters, a long run, a repeated
pattern) is refused (:func:`key_weakness`); the checks are such that a random key fails them with a chance
below one in a billion. They cannot prove a key random: generate it (:func:`new_key_text`).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import itertools
import math
import os
import re
import secrets
import stat
from pathlib import Path

from evidence.core.config import config_dir
from evidence.core.errors import EvidenceError, InputError

KEY_ENV = "EVIDENCE_REGISTER_KEY"
KEY_FILE_NAME = "register.key"
#: Shortest key accepted (characters of the key text): 32 hex characters are 128 bits.
MIN_KEY_LENGTH = 32
_CHECK_MESSAGE = b"evidence register key check v1"
#: Fewest bits of a key (its length times the bits of each character of its alphabet).
MIN_KEY_BITS = 128
#: How rarely a random key may fail :func:`key_weakness` (per check).
_FALSE_ALARM = 1e-12
#: The alphabets a generated key is written in, narrowest first: (name, characters, bits per character).
_ALPHABETS = (
    ("decimal digits", re.compile(r"[0-9]+"), math.log2(10)),
    ("hex", re.compile(r"[0-9a-f]+|[0-9A-F]+"), 4.0),
    ("base64", re.compile(r"[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+={0,2}"), 6.0),
)
HOW_TO_MAKE_A_KEY = (
    "use a generated key: unset EVIDENCE_REGISTER_KEY to use the key file made on the first import, or set it "
    "to the output of `evidence register key` (or `openssl rand -hex 32`)"
)


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
    #: Why the key is evidently not random (:func:`key_weakness`), for a register made with it before keys
    #: were checked: it still opens (a new key would make every record look new), with this said loudly
    weakness: str | None = None

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


def new_key_text() -> str:
    """A new random key (256 bits as 64 hex characters), as the key file made on the first import holds."""
    return secrets.token_hex(32)


def _fewest_distinct(length: int, alphabet: int) -> int:
    """The fewest different characters a random key of ``length`` characters of ``alphabet`` shows, but for a
    chance below :data:`_FALSE_ALARM` (union bound: C(alphabet, d) (d / alphabet) ** length)."""
    fewest = 1
    for distinct in range(1, alphabet):
        chance = math.comb(alphabet, distinct) * (distinct / alphabet) ** length
        if chance >= _FALSE_ALARM:
            break
        fewest = distinct + 1
    return fewest


def _longest_run(text: str) -> int:
    """The longest run of characters each one step (-1, 0 or +1 in code point) from the one before, the same
    step throughout (``aaaa``, ``abcd``, ``4321``)."""
    longest = run = 1
    step = None
    for before, after in itertools.pairwise(text):
        difference = ord(after) - ord(before)
        if difference not in (-1, 0, 1):
            run, step = 1, None
        elif difference == step:
            run += 1
        else:
            run, step = 2, difference
        longest = max(longest, run)
    return longest


def key_weakness(text: str) -> str | None:
    """Why ``text`` is not a random key (None when nothing shows it is not).

    Refused: text that is not decimal, hex or base64 (words, spaces, punctuation: chosen by a person); fewer
    than :data:`MIN_KEY_BITS` bits; too few different characters, a long run (``aaaa``, ``abcd``) or a repeated
    pattern for a random key of its length (each shown by a random key with a chance below one in 10^12).
    """
    text = text.strip()
    for name, pattern, bits_each in _ALPHABETS:
        if pattern.fullmatch(text):
            break
    else:
        return "it is not hex or base64 (words, spaces or punctuation: a key chosen by a person)"
    symbols = text.rstrip("=")
    alphabet = round(2**bits_each)
    bits = len(symbols) * bits_each
    if bits < MIN_KEY_BITS:
        return f"it holds {bits:.0f} bits at most ({len(symbols)} {name} characters; at least {MIN_KEY_BITS})"
    if len(set(symbols)) < _fewest_distinct(len(symbols), alphabet):
        return f"it has only {len(set(symbols))} different characters in {len(symbols)}"
    longest = max(2, math.ceil(math.log(3 * len(symbols) / _FALSE_ALARM, alphabet)) + 1)
    if _longest_run(symbols) >= longest:
        return f"it has a run of {_longest_run(symbols)} characters in sequence or alike"
    for period in range(1, len(symbols) // 2 + 1):
        # its first ``period`` characters over and over (each character the one ``period`` before it)
        if symbols == (symbols[:period] * (len(symbols) // period + 1))[: len(symbols)]:
            return "it repeats itself"
    if name == "base64" and (symbols.lower() == symbols or symbols.upper() == symbols):
        # A random base64 character is a letter of a given case with a chance of 26 in 64: a random key holds
        # no letter of one of the cases with a chance of 2 (38/64)^n, and letters of one case and nothing else
        # with one of 2 (26/64)^n. Each is said only where it is below the false alarm of the other checks: the
        # first from 55 characters on (at 32, a random key in 8 million has no lowercase letter), the second
        # from 32 (a passphrase of lowercase letters).
        other = 26 if symbols.isalpha() else 38
        if 2 * (other / alphabet) ** len(symbols) < _FALSE_ALARM:
            return "its letters are all of one case, which a random base64 key's are not"
    return None


def _from_text(text: str, origin: str, *, new_register: bool = True) -> RegisterKey:
    """The key of ``text``. An evidently weak key is refused for a new register; for an existing one (made
    before keys were checked) it is kept with its weakness, to be said (refusing it would lock the
    organisation out of its own register: a new key gives everyone new pseudonyms)."""
    text = text.strip()
    if len(text) < MIN_KEY_LENGTH:
        raise RegisterKeyError(
            f"the register key from {origin} is too short ({len(text)} characters; at least {MIN_KEY_LENGTH}); "
            + HOW_TO_MAKE_A_KEY
        )
    if (weakness := key_weakness(text)) is not None:
        if new_register:
            raise RegisterKeyError(
                f"the register key from {origin} is not a random key: {weakness}. A key chosen by a person can "
                "be guessed offline by whoever copies the register; " + HOW_TO_MAKE_A_KEY
            )
        return RegisterKey(text.encode("utf-8"), origin, weakness=weak_key_warning(origin, weakness))
    return RegisterKey(text.encode("utf-8"), origin)


#: What moving to a new register (a new key) must not forget: the exports still hold the people erased.
ERASE_AGAIN = (
    "; the exports still hold the people erased from the old register on their request, and the new key "
    "recognises none of them: erase them again in the new register (evidence register erase, with the ids the "
    "requests name; register status lists the erasures of the old one, without ids)"
)


def weak_key_warning(origin: str, weakness: str) -> str:
    """What an import into a register whose key is evidently not random says."""
    return (
        f"the register key from {origin} is not a random key: {weakness}. Whoever copies the register can "
        "guess such a key offline and recompute the pseudonyms of known case ids. Move to a random key: "
        + HOW_TO_MAKE_A_KEY
        + ", then import the exports again into a new register (a new key gives every record a new pseudonym)"
        + ERASE_AGAIN
    )


def load_key(path: str | Path | None = None, *, create: bool = False) -> RegisterKey:
    """The key: ``EVIDENCE_REGISTER_KEY`` when set, else the key file (``path`` or the default one).

    ``create`` makes a new random key file (owner-only) when there is none; a caller passes it only when it is
    creating a new register.
    """
    if path is None and (env := os.environ.get(KEY_ENV)):
        return _from_text(env, f"environment variable {KEY_ENV}", new_register=create)
    key_path = Path(path) if path is not None else default_key_path()
    if not key_path.exists():
        if not create:
            # without the key the register cannot recognise anyone again: say so plainly, and what to do
            raise RegisterKeyError(
                f"no register key at {key_path}: the register was made with a key, and without it nobody in an "
                "export can be recognised, so nothing was imported. Restore the key file from its copy (or set "
                f"{KEY_ENV} to the key, or give --key-file); status, figures, lists, snapshot and export-ctdc "
                "still read the register without it. If the key is lost for good, make a new register and "
                "import every export again into it (its records get new pseudonyms)" + ERASE_AGAIN
            ) from None
        return _create(key_path)
    if key_path.is_dir():  # its mode is a folder's: "make it owner-only: chmod 600 /tmp" would be harmful
        raise RegisterKeyError(f"the register key file {key_path} is a folder; give the key file itself")
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
    return _from_text(text, str(key_path), new_register=create)


def make_private_folder(folder: Path, what: str) -> None:
    """Make ``folder`` (owner-only) for ``what``; a file in the way (``EVIDENCE_CONFIG_DIR`` naming a file) is
    named as one, not left to the system's "File exists"."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except (FileExistsError, NotADirectoryError):
        blocking = next((p for p in (folder, *folder.parents) if p.is_file()), folder)
        raise InputError(
            f"cannot make the folder of {what}: {blocking} is a file, not a folder",
            path=folder,
            hint="check the path, or EVIDENCE_DATA_DIR and EVIDENCE_CONFIG_DIR if they name it",
        ) from None


def _create(key_path: Path) -> RegisterKey:
    make_private_folder(key_path.parent, "the register key")
    text = new_key_text()
    try:
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made by another process a moment ago: use that one
        return load_key(key_path)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    return RegisterKey(text.encode("utf-8"), str(key_path))
