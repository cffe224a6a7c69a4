"""Small text helpers every layer may use (nothing here reads data or imports from the rest of the package)."""

from __future__ import annotations

from collections.abc import Sequence


def column_title(name: str) -> str:
    """A column's (or field's) name as a reader's title: leading underscores dropped, underscores as spaces, the
    first letter capital and the rest lower case (``prevalence_per_1000`` → ``Prevalence per 1000``,
    ``_share`` → ``Share``)."""
    return name.lstrip("_").replace("_", " ").capitalize()


def word_list(items: Sequence[str], last: str = "and") -> str:
    """Items as a sentence lists them: "Malaysia", "Malaysia and Thailand", "Viet Nam, Ukraine, Costa Rica and
    Slovakia" (``last``: the word before the last item, "and" or "or"; no serial comma); empty for none."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"
