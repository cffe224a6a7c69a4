"""Where things live: the user cache, the configured data files. Nothing here touches the network."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """The user cache (``EVIDENCE_CACHE_DIR``, else ``$XDG_CACHE_HOME/evidence``, else ``~/.cache/evidence``)."""
    if env := os.environ.get("EVIDENCE_CACHE_DIR"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "evidence"


def configured_data_paths() -> list[Path]:
    """Data files named in ``EVIDENCE_DATA`` (separated by the OS path separator); empty when unset.

    When nothing is configured, the toolkit falls back to its synthetic demo data, and says so.
    """
    raw = os.environ.get("EVIDENCE_DATA", "")
    return [Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip()]
