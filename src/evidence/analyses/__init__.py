"""Layer 2, analyses: routes, trends, profiles, hidden-population estimation. Imports core and sources only.

In a notebook::

    from evidence.sources import load
    from evidence.analyses import Selection, routes, trends

    unodc = load("data_glotip.xlsx")
    thailand = Selection(unodc, country="Thailand", role="destination", years="2015-2021")  # or "THA", 2019
    thailand  # what is selected, from which table
    routes.flows(thailand)
    trends.rate_ratio(trends.yearly_counts(thailand))

Modules: :mod:`~evidence.analyses.selection` (what an analysis is about), :mod:`~evidence.analyses.routes`,
:mod:`~evidence.analyses.trends`, :mod:`~evidence.analyses.profiles` and :mod:`~evidence.analyses.causes` (victim
records), :mod:`~evidence.analyses.quality`, :mod:`~evidence.analyses.society` (the cross-country panel of UNODC,
GSI and TIP data), :mod:`~evidence.analyses.estimation` (multiple systems estimation from list-capture data).

**Results are raw, not for publication as they are.** What these functions return holds the counts as computed
(a route of 2 victims, a count of real records before its cell-key perturbation): no disclosure control applies
here. What is published — the notebooks' tables and charts (:mod:`evidence.notebooks.views`, through
:mod:`evidence.notebooks.builders`), the CLI's answers and the briefs — passes it; to show a table of your own,
protect it first (``evidence.notebooks.builders.protect``). See "What is protected, and what is not" in
docs/methods.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evidence.analyses import causes, estimation, profiles, quality, routes, society, trends
    from evidence.analyses.selection import Selection

#: The analysis modules a researcher uses, importable from here (``from evidence.analyses import routes``).
_MODULES = ("causes", "estimation", "profiles", "quality", "routes", "society", "trends")

__all__ = ["Selection", "causes", "estimation", "profiles", "quality", "routes", "society", "trends"]


def __getattr__(name: str) -> Any:
    # loaded on first use (PEP 562): importing one analysis module imports this package, not all of them
    from importlib import import_module

    if name == "Selection":
        return import_module("evidence.analyses.selection").Selection
    if name in _MODULES:
        return import_module(f"evidence.analyses.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    from types import ModuleType

    return sorted({*__all__, *(k for k, v in globals().items() if isinstance(v, ModuleType))})
