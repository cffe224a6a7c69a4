"""evidence: turn counter-trafficking data into research evidence.

``evidence.load(path)`` reads a data file (:mod:`evidence.sources`); ``evidence.Selection(table, country="THA",
role="destination", years="2015-2020")`` says what an analysis is about (:mod:`evidence.analyses`); protect a
table before showing it (:mod:`evidence.notebooks`: ``protect``, ``show_table``).
"""

from __future__ import annotations

from typing import Any

#: The two calls every session starts with (``evidence.load(path)``, ``evidence.Selection(table, country=...)``),
#: loaded on first use: the command line's start (`evidence --help`) must not import polars.
_LAZY = {"load": "evidence.sources.registry", "Selection": "evidence.analyses.selection"}

__all__ = ["Selection", "load"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    # ``__version__`` is read from the installed metadata on first use: importlib.metadata costs a tenth of a
    # second, which every command (``evidence --help`` too) would otherwise pay at start
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("evidence")
        except PackageNotFoundError:  # running from a source tree without installation
            value = "0.0.0"
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module 'evidence' has no attribute {name!r}")


def __dir__() -> list[str]:
    from types import ModuleType

    return sorted({*__all__, "__version__", *(k for k, v in globals().items() if isinstance(v, ModuleType))})
