"""Small text helpers every layer may use (nothing here reads data or imports from the rest of the package)."""

from __future__ import annotations


def column_title(name: str) -> str:
    """A column's (or field's) name as a reader's title: leading underscores dropped, underscores as spaces, the
    first letter capital and the rest lower case (``prevalence_per_1000`` → ``Prevalence per 1000``,
    ``_share`` → ``Share``)."""
    return name.lstrip("_").replace("_", " ").capitalize()
