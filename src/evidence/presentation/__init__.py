"""Layer 3, presentation: disclosure control, tables, charts, maps. Imports core, sources, analyses.

Every number that leaves the toolkit passes :mod:`~evidence.presentation.disclosure` (:class:`DisclosureRule`,
:class:`DisclosedTable`); in a notebook, protect an analysis's table with ``evidence.notebooks.protect`` and
show it with ``evidence.notebooks.show_table``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evidence.presentation.disclosure import DisclosedTable, DisclosureRule

__all__ = ["DisclosedTable", "DisclosureRule"]


def __getattr__(name: str) -> Any:
    # loaded on first use (PEP 562): importing one presentation module imports this package, not the others
    if name in __all__:
        from evidence.presentation import disclosure

        return getattr(disclosure, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    from types import ModuleType

    return sorted({*__all__, *(k for k, v in globals().items() if isinstance(v, ModuleType))})
