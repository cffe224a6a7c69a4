"""Secret keys the toolkit keeps outside its data and outputs (e.g. the key that makes each victim record's
cell key unpredictable to anyone who holds the same public file).

A key comes from an environment variable when it is set, else from a file in the user's configuration folder
(:func:`evidence.core.config.config_dir`), created on first use with 32 random bytes and owner-only permissions. Keep the file (and copy it to every machine that
publishes from the same data): outputs made with one key stay consistent with each other; a new key gives every
cell a new perturbation.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from evidence.core.errors import InputError


def key_dir() -> Path:
    """The folder of key files: the user's configuration folder (``EVIDENCE_CONFIG_DIR`` to choose)."""
    from evidence.core.config import config_dir

    return config_dir()


def secret_key(name: str, env: str) -> bytes:
    """The secret called ``name``: from the environment variable ``env`` when set (its text, hashed to 32
    bytes), else from ``<key_dir>/<name>.key``, created on first use (32 random bytes, mode 0600)."""
    if value := os.environ.get(env):
        return hashlib.sha256(value.encode("utf-8")).digest()
    path = key_dir() / f"{name}.key"
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting together end up with the same key (the loser reads the winner's)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    except OSError as exc:
        raise InputError(f"cannot create the secret key file ({exc.strerror})", path=path) from exc
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_bytes(32))
    return _read(path)


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    if len(data) < 16:
        raise InputError(
            "the secret key file is shorter than 16 bytes: it is damaged, or still being written",
            path=path,
        )
    return data
