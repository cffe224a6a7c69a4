"""Layer 1, sources: raw files -> canonical tables (case, indicator, tier, GSI), with provenance and rejects.

In a notebook::

    from evidence.sources import load

    unodc = load("data_glotip.xlsx")  # any supported file: the loader is chosen from the file's head
    unodc              # what it is, rows kept and rejected and why; never its records
    unodc.rejects      # the rows left out, by row, column and reason
    unodc.citation     # how to cite it

:func:`load` reads every source the toolkit knows (CTDC, UNODC GLOTIP, US TIP tiers, the Global Slavery Index,
an organisation's case records); each returns a :class:`LoadedTable`. List-capture data for hidden-population
estimation go to :func:`evidence.analyses.estimation.estimate_population` instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evidence.sources.loaded import LoadedTable
    from evidence.sources.provenance import Provenance
    from evidence.sources.registry import load

# loaded on first use (PEP 562): every module of the package imports this one, and the command line's start
# (`evidence --help`) must not pay for polars
_LAZY = {
    "load": "evidence.sources.registry",
    "LoadedTable": "evidence.sources.loaded",
    "Provenance": "evidence.sources.provenance",
}

__all__ = ["LoadedTable", "Provenance", "load"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    # what a user reaches: the public names and the submodules imported so far (not typing's helpers)
    from types import ModuleType

    return sorted({*__all__, *(k for k, v in globals().items() if isinstance(v, ModuleType))})
