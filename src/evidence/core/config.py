"""Where things live: the user's cache, data and configuration folders, the configured data files.

The folders follow each platform's convention through ``platformdirs`` (on Linux the XDG variables, on macOS
``~/Library/...``, on Windows ``%LOCALAPPDATA%``); an ``EVIDENCE_*_DIR`` variable overrides each one. Nothing
here touches the network.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "evidence"


def _folder(variable: str, default: str) -> Path:
    if env := os.environ.get(variable):
        return Path(env).expanduser()
    return Path(default)


def cache_dir() -> Path:
    """The user cache (``EVIDENCE_CACHE_DIR``, else the platform's, e.g. ``~/.cache/evidence`` on Linux):
    harmonised tables, fetched releases, demo data. Anything in it can be rebuilt."""
    return _folder("EVIDENCE_CACHE_DIR", platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """The user data folder (``EVIDENCE_DATA_DIR``, else the platform's, e.g. ``~/.local/share/evidence``):
    what cannot be rebuilt, such as the organisation's register of case records."""
    return _folder("EVIDENCE_DATA_DIR", platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """The user configuration folder (``EVIDENCE_CONFIG_DIR``, else the platform's, e.g.
    ``~/.config/evidence``): settings and secrets such as the register's pseudonymisation key."""
    return _folder("EVIDENCE_CONFIG_DIR", platformdirs.user_config_dir(APP_NAME, appauthor=False))


def configured_data_paths() -> list[Path]:
    """Data files named in ``EVIDENCE_DATA`` (separated by the OS path separator); empty when unset.

    When nothing is configured, the toolkit falls back to its synthetic demo data, and says so.
    """
    raw = os.environ.get("EVIDENCE_DATA", "")
    return [Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip()]
