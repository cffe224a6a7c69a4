"""An attacker of everything a brief publishes of one UNODC selection and dimension at once: the table by
category, the table of victims per year with its total row, and the steady reporters' table of victims per
year (role origin and both: a sum of some of the categories), read as the reader reads them (each cell's
published pair, :meth:`~evidence.notebooks.builders.Bounds.cells`), by linear programming over all their
cells together (:func:`_pinned_cells` of the row attacker, on one system)."""

from __future__ import annotations

import polars as pl

#: A cell of the system: ("cell", year, category), ("year", year) or ("panel", year).
Key = tuple


def file_censored_high(selection) -> int:
    """The high bound of the publisher's censored cells, read from the selection's file as the reader reads it
    (the largest ``value_high`` of its censored rows: 4 for UNODC's ``<5``, 9 for a file's ``<10``); 4 without
    any (case records: no censored column)."""
    table = selection.table
    data = table.data if hasattr(table, "data") else table
    if "censored" not in data.columns:
        return 4
    highs = data.filter(pl.col("censored"))["value_high"].drop_nulls()
    return int(highs.max()) if highs.len() else 4


class _System:
    """Variables (each count's exact part, ``e``, and its censored part, ``c``: ``k`` to ``top`` for ``k`` of the
    publisher's censored cells in it, ``top`` what they hold at most: ``4k`` of UNODC's ``<5``, ``9k`` of a
    file's ``<10``, ``2`` of a ``<3``) and the lines the published cells give."""

    def __init__(self, threshold: int, width: int = 4) -> None:
        self.t = threshold
        self.w = width
        self.bounds: list[tuple[float, float | None]] = []
        self.equalities: list[tuple[list[float], float]] = []
        self.at_least: list[tuple[list[float], float]] = []
        self.index: dict[Key, tuple[int, int | None, int]] = {}  # key -> (e, c or None, k)
        self.exact: dict[Key, int] = {}  # each count's true exact part
        self.tops: dict[Key, int] = {}  # the most each count's censored cells hold

    def add(self, key: Key, low: int, high: int, exact: int | None = None) -> None:
        """A count whose true bounds are ``low`` and ``high`` (its exact part ``e``, ``k`` censored parts): the
        part printed exactly as the counts carry it (``exact``: whatever the widths of the censored cells, as
        the publisher's file names them), else read from the bounds (each censored cell 1 to ``w``)."""
        if exact is None:
            k = (high - low) // (self.w - 1)
            e = low - k
        else:
            e, k = int(exact), low - int(exact)
        self.exact[key] = e
        self.tops[key] = high - e
        # the publisher's <5 are public: a count made only of them has no exact part
        self.bounds.append((0.0, None) if e > 0 else (0.0, 0.0))
        ei = len(self.bounds) - 1
        ci = None
        if k:
            self.bounds.append((float(k), float(high - e)))
            ci = len(self.bounds) - 1
        self.index[key] = (ei, ci, k)

    def _line(self, keys: list[Key], side: int) -> tuple[list[float], float]:
        """The coefficients and constant of a sum of counts' ``side`` bound (0: low, 1: high)."""
        a = [0.0] * len(self.bounds)
        const = 0.0
        for key in keys:
            ei, _, k = self.index[key]
            a[ei] += 1.0
            const += self.tops[key] if side else k
        return a, const

    def _value(self, keys: list[Key]) -> list[float]:
        """The coefficients of a sum of counts' true values (exact and censored parts)."""
        a = [0.0] * len(self.bounds)
        for key in keys:
            ei, ci, _ = self.index[key]
            a[ei] += 1.0
            if ci is not None:
                a[ci] += 1.0
        return a

    def equal(self, left: list[Key], right: list[Key]) -> None:
        """The true values of ``left`` add up to those of ``right``."""
        a = self._value(left)
        b = self._value(right)
        self.equalities.append(([x - y for x, y in zip(a, b, strict=True)], 0.0))

    def equal_parts(self, left: list[Key], right: list[Key]) -> None:
        """The exact parts of ``left`` add up to those of ``right``, and so do their censored parts: a count whose
        bounds are the sums of its parts' (the steady reporters' of a year, of their cells) holds the same ``<5``
        cells, which the publisher's file names."""
        for part in (0, 1):  # the exact parts, then the censored ones
            a = [0.0] * len(self.bounds)
            for sign, keys in ((1.0, left), (-1.0, right)):
                for key in keys:
                    at = self.index[key][part]
                    if at is not None:
                        a[at] += sign
            if any(a):
                self.equalities.append((a, 0.0))

    def read(self, keys: list[Key], pair: tuple) -> None:
        """What a published (low, high) pair says of the sum of ``keys``."""
        low, high = pair
        if low is None and high is None:
            return
        t = self.t
        if isinstance(low, int) and not isinstance(low, str):
            a, const = self._line(keys, 0)
            self.equalities.append((a, float(int(low)) - const))
        if isinstance(high, int) and not isinstance(high, str):
            a, const = self._line(keys, 1)
            self.equalities.append((a, float(high) - const))
        if isinstance(low, str) and isinstance(high, str):
            if high == "x":  # a complement: its high bound at least the threshold
                a, const = self._line(keys, 1)
                self.at_least.append((a, t - const))
            else:  # small: its low bound below the threshold, and something in it
                a, const = self._line(keys, 0)
                self.at_least.append(([-x for x in a], const - (t - 1)))
                a, const = self._line(keys, 1)
                self.at_least.append((a, 1 - const))


def attack_brief(numbers, rule, pinned_cells, columns=None, beside=()) -> list[tuple]:
    """The counts of ``numbers`` (a :class:`~evidence.notebooks.builders.YearlyNumbers` of UNODC's censored
    counts) not printed, withheld or left empty, with an exact part that the published tables pin, as keys:
    ("cell", year, category), ("year", year) or ("panel", year). A cell left empty (its row's breakdown
    withheld) is as secret as one labelled ``x`` or ``<11``, and the reader knows it is there (the workbook's
    cells are public, only their small values are not). ``columns``: what other tables publish of a category's
    sum over the table's years of some of its categories (a tuple of them), as a (low, high) pair read as a
    cell's (a corridor's total in the route table beside the table by corridor: ``_corridor_totals``).
    ``beside``: the tables by another category of the same selection that the brief prints too, each with its
    ``columns`` (the table by form beside the table by citizenship and the route tables), their cells keyed
    ("cell", year, "by:category"). The width of the publisher's censored cells is read from the selection's file
    (:func:`file_censored_high`), not assumed."""
    system = _System(rule.threshold, file_censored_high(numbers.selection))
    printed: set[Key] = set()
    years_of: dict[str, tuple[int, int]] = {}
    exacts: dict[str, int | None] = {}  # each year's part printed exactly, where the counts carry it
    for r in numbers.counts.iter_rows(named=True):
        if r["count_low"] is not None:
            years_of[str(r["year"])] = (int(r["count_low"]), int(r["count_high"]))
            exacts[str(r["year"])] = r.get("victims_uncensored")
    for year, (low, high) in years_of.items():
        system.add(("year", year), low, high)

    def note(key: Key, pair: tuple) -> None:
        if pair[0] is not None and pair[0] == pair[1] and not isinstance(pair[0], str):
            printed.add(key)

    per_year = numbers.per_year
    if per_year is not None:
        table = per_year.low
        n = table.frame.height - (1 if table.has_total_row else 0)
        cells = per_year.cells("victims")
        years = table.frame["year"].to_list()
        for i in range(n):
            if years[i] in years_of:
                system.read([("year", years[i])], cells[i])
                note(("year", years[i]), cells[i])
        if table.has_total_row:
            system.read([("year", y) for y in years_of], cells[-1])

    def read_categories(numbers, columns, tag: str = "") -> dict[str, list[str]]:
        """A table by category of the same selection (its cells named ``tag`` + category), its sums of columns
        published elsewhere (``columns``) and its years' ties to the yearly totals: its categories by year."""
        cat = numbers.by_category
        categories: dict[str, list[str]] = {}
        if cat is None or numbers.by_counts is None:
            return categories
        by = numbers.by
        for r in numbers.by_counts.iter_rows(named=True):
            year, c = str(r["year"]), tag + str(r[by])
            if r["count_low"] is None:
                continue
            system.add(
                ("cell", year, c), int(r["count_low"]), int(r["count_high"]), r.get("victims_uncensored")
            )
            categories.setdefault(year, []).append(c)
        table = cat.low
        n = table.frame.height - (1 if table.has_total_row else 0)
        years = table.frame["year"].to_list()
        total = next((c for c in ("Published total", "All victims") if c in table.count_columns), None)
        for column in table.count_columns:
            pairs = cat.cells(column)
            for i in range(n):
                year = years[i]
                if tag + column in categories.get(year, []):
                    system.read([("cell", year, tag + column)], pairs[i])
                    note(("cell", year, tag + column), pairs[i])
                elif column == total and year in years_of:
                    system.read([("year", year)], pairs[i])
                    note(("year", year), pairs[i])
                elif column == "Sum of categories" and categories.get(year):
                    system.read([("cell", year, c) for c in categories[year]], pairs[i])
        for summed, pair in (columns or {}).items():
            keys = [
                ("cell", year, c)
                for year, present in categories.items()
                for c in present
                if c.removeprefix(tag) in summed
            ]
            if keys:
                system.read(keys, pair)
        for year, present in categories.items():
            if year not in years_of:
                continue
            low = sum(system.exact[("cell", year, c)] + system.index[("cell", year, c)][2] for c in present)
            high = sum(system.exact[("cell", year, c)] + system.tops[("cell", year, c)] for c in present)
            ylow, yhigh = years_of[year]
            # the reader takes the categories to add up to the year's victims wherever they can
            if (low, high) == (ylow, yhigh) or (ylow == yhigh and low <= ylow <= high):
                system.equal([("cell", year, c) for c in present], [("year", year)])
        return categories

    categories = read_categories(numbers, columns)
    for other, other_columns in beside:
        read_categories(other, other_columns, f"{other.by}:")
    panel = numbers.panel
    # the steady reporters are countries of detection: a sum of the categories by destination (or a corridor's)
    if (
        panel is not None
        and panel.per_year is not None
        and categories
        and numbers.by in ("destination", "corridor")
    ):
        reporters = set(panel.panel.reporters)
        truth = {
            str(r["year"]): (int(r["count_low"]), int(r["count_high"]))
            for r in panel.panel.counts.iter_rows(named=True)
            if r["count_low"] is not None
        }
        panel_exact = {
            str(r["year"]): r.get("victims_uncensored") for r in panel.panel.counts.iter_rows(named=True)
        }
        table = panel.per_year.low
        n = table.frame.height - (1 if table.has_total_row else 0)
        cells = panel.per_year.cells("victims")
        years = table.frame["year"].to_list()
        for i in range(n):
            year = years[i]
            if year not in truth:
                continue
            system.add(("panel", year), *truth[year], panel_exact.get(year))
            system.read([("panel", year)], cells[i])
            note(("panel", year), cells[i])
            parts = [("cell", year, c) for c in categories.get(year, []) if c.rpartition(">")[2] in reporters]
            low = sum(system.exact[p] + system.index[p][2] for p in parts)
            high = sum(system.exact[p] + system.tops[p] for p in parts)

            if (
                parts and (low, high) == truth[year]
            ):  # the steady reporters' cells add up to it, part for part
                system.equal_parts(parts, [("panel", year)])
        if table.has_total_row:
            system.read([("panel", y) for y in truth if ("panel", y) in system.index], cells[-1])
    # what the protection keeps: a count below the threshold that the publisher printed exactly and the brief
    # does not (a complement, at least the threshold, is withheld for another's sake; a count with the
    # publisher's <5 in it is known to within them at best, as the publisher's file has it)
    targets = [
        key
        for key in system.exact
        if key not in printed and 0 < system.exact[key] < rule.threshold and not system.index[key][2]
    ]
    order = sorted(targets)
    found = pinned_cells(
        system.bounds, system.equalities, system.at_least, [system.index[key][0] for key in order]
    )
    at = {system.index[key][0]: key for key in order}
    return sorted(at[i] for i in found)
