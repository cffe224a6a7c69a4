"""Censored counts (UNODC's ``<5``) published as two bounds: an attacker who holds both bounds of every cell.

The two bounds of a table are protected as one system (:func:`~evidence.notebooks.builders.protected_bounds`),
and the reader sees the two as one (:meth:`~evidence.notebooks.builders.Bounds.cells`, :func:`published_pair`).
These tests take the reader's side: holding every published pair (cells, totals, margins) and knowing how bounds
are made (a cell is an exact part ``E`` and ``k`` censored parts, each 1-4: low ``E + k``, high ``E + 4k``), they
compute by integer programming the tightest range of each withheld cell's bounds, and of each small exact part
(``0 < E < threshold``, a file that publishes ``3``). The rule of :mod:`evidence.presentation.disclosure` must
hold for both bounds and for small exact parts: each takes at least two whole values.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.notebooks.builders import Bounds, protected_bounds
from evidence.presentation.disclosure import DisclosureRule

#: UNODC's censoring: a "<5" cell is 1..4, whatever the toolkit's own threshold.
CENSORED_LOW, CENSORED_HIGH = 1, 4


def _frame(matrix: list[list[int]], columns: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "row": [f"r{i}" for i in range(len(matrix))],
            **{c: [r[j] for r in matrix] for j, c in enumerate(columns)},
        }
    )


def publish(exact: list[list[int]], censored: list[list[int]], rule: DisclosureRule) -> Bounds | None:
    """The two bounds of a table of censored counts, protected as the route, region and yearly tables are: both
    bounds as one system by :func:`protected_bounds`, given the exact parts (the cells without one known)."""
    columns = [f"c{j}" for j in range(len(exact[0]))]
    low = [[e + k * CENSORED_LOW for e, k in zip(*r, strict=True)] for r in zip(exact, censored, strict=True)]
    high = [
        [e + k * CENSORED_HIGH for e, k in zip(*r, strict=True)] for r in zip(exact, censored, strict=True)
    ]
    exact_parts = _frame(exact, columns).drop("row")
    return protected_bounds(
        _frame(low, columns), _frame(high, columns), "row", columns, rule, exact=exact_parts
    )


def _cells(n_rows: int, n_cols: int, total_column: bool) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """Every cell of the published table (margins included) as the interior cells it adds up."""
    width = n_cols + (1 if total_column else 0)
    return {
        (i, j): [
            (a, b)
            for a in (range(n_rows) if i == n_rows else [i])
            for b in (range(n_cols) if j == n_cols else [j])
        ]
        for i in range(n_rows + 1)
        for j in range(width)
    }


def attack(
    exact: list[list[int]], censored: list[list[int]], bounds: Bounds, two_values: bool = False
) -> dict[tuple[int, int], dict[str, tuple[int, int]]]:
    """The tightest range of the low and the high bound of each withheld cell (not one of the publisher's own
    ``<5`` cells, whose bounds anyone with its file has), and of the exact part of each cell whose exact part is
    small (``"exact"``), over every table of exact parts and censored parts that gives what is published: each
    cell's published pair, read as the reader can read it (a number; ``<5``: the low bound is below the
    threshold; ``x``: a complement in either bound, so the high bound is at least the threshold; ``<5–12``: a
    sum of ``<5`` cells only, known).

    With ``two_values``, only whether each takes two whole values or one: (0, 1) or (v, v) for the one value
    ``v`` of the true table (what ``smallest < largest`` asks of the ranges, exactly; see ``other_value``)."""
    from _scipy_highs import milp  # SciPy's milp, without its per-call set-up
    from scipy.optimize import Bounds as Box
    from scipy.optimize import LinearConstraint

    rule = bounds.low.rule
    n_rows, n_cols = len(exact), len(exact[0])
    n = n_rows * n_cols
    columns = list(bounds.low.count_columns)
    cells = _cells(n_rows, n_cols, bounds.low.has_total_column)

    def weights(members: list[tuple[int, int]], of_exact: int, of_censored: int) -> np.ndarray:
        row = np.zeros(2 * n)
        for a, b in members:
            row[a * n_cols + b] += of_exact
            row[n + a * n_cols + b] += of_censored
        return row

    rows: list[np.ndarray] = []
    lower: list[float] = []
    upper: list[float] = []

    def between(row: np.ndarray, low: float, high: float) -> None:
        rows.append(row)
        lower.append(low)
        upper.append(high)

    withheld = []
    small_exact = []
    for (i, j), members in cells.items():
        exact_part = sum(exact[a][b] for a, b in members)
        if 0 < exact_part < rule.threshold:
            small_exact.append(((i, j), weights(members, 1, 0)))
        low_row, high_row = weights(members, 1, CENSORED_LOW), weights(members, 1, CENSORED_HIGH)
        if bounds.low.known_cells(columns[j])[
            i
        ]:  # the publisher's own "<5" cells: anyone with its file has them
            truth_low = sum(exact[a][b] + CENSORED_LOW * censored[a][b] for a, b in members)
            truth_high = sum(exact[a][b] + CENSORED_HIGH * censored[a][b] for a, b in members)
            between(low_row, truth_low, truth_low)
            between(high_row, truth_high, truth_high)
            continue
        low, high = bounds.cells(columns[j])[i]
        if isinstance(low, int):
            between(low_row, low, low)
            between(high_row, high, high)  # a pair is published whole or withheld whole
        elif low == rule.label:
            # "<5": the low bound is small (the high one may be too, or be withheld beside it)
            between(low_row, rule.smallest_small, rule.threshold - 1)
        else:
            # "x": a complement in one bound or the other: the high bound is at least the threshold (a complement,
            # or the high bound of one), the low bound at least 1 (it may be small beside a complement)
            between(low_row, 1, np.inf)
            between(high_row, rule.threshold, np.inf)
        if isinstance(low, str) or isinstance(high, str):
            withheld.append(((i, j), low_row, high_row))
    # duplicate rows (a one-column table's row total is its cell) make HiGHS' presolve call a feasible
    # integer program infeasible (scipy 1.17): one row each
    stacked = np.unique(np.column_stack([np.array(rows), lower, upper]), axis=0)
    constraints = LinearConstraint(stacked[:, :-2], stacked[:, -2], stacked[:, -1])
    ceiling = 10 * (sum(map(sum, exact)) + CENSORED_HIGH * sum(map(sum, censored)) + rule.threshold)

    def extreme(objective: np.ndarray) -> int:
        # without presolve: SciPy 1.17's HiGHS (1.12) presolve calls a worse whole-number point optimal on some
        # of these programmes (a cell "pinned" that is not: tests/presentation/test_disclosure.py keeps a case)
        result = milp(
            objective,
            constraints=constraints,
            integrality=np.ones(2 * n),
            bounds=Box(0, ceiling),
            options={"presolve": False},
        )
        assert result.status == 0, result.message  # the true table is a solution
        return round(float(objective @ result.x))

    truth = np.array([v for matrix in (exact, censored) for r in matrix for v in r], dtype=float)
    #: the tables found so far that give what is published (whole numbers, checked against every row exactly)
    found: list[np.ndarray] = []

    def gives_what_is_published(x: np.ndarray) -> bool:
        activity = stacked[:, :-2] @ x
        return bool(
            np.all(activity >= stacked[:, -2])
            and np.all(activity <= stacked[:, -1])
            and np.all(x >= 0)
            and np.all(x <= ceiling)
        )

    def other_value(row: np.ndarray) -> tuple[int, int]:
        """(0, 1) when a table that gives what is published has another value of ``row`` than the true
        table's, else that value twice. The same answer as the range's two ends, in at most two programmes
        that stop at their first whole-number solution: the value is a whole number, the true table's ``v``
        lies between the ends, so they differ exactly when some solution has at most v - 1 or at least v + 1.
        A table found for another row (rounded to whole numbers, and checked to give what is published) that
        has another value of ``row`` is such a solution: no programme is asked then."""
        value = round(float(row @ truth))
        if any(round(float(row @ x)) != value for x in found):
            return (0, 1)
        for low, high in ((-np.inf, value - 1), (value + 1, np.inf)):
            result = milp(
                np.zeros(2 * n),
                constraints=[constraints, LinearConstraint(row[None, :], low, high)],
                integrality=np.ones(2 * n),
                bounds=Box(0, ceiling),
                options={"presolve": False},  # as ``extreme``
            )
            assert result.status in (0, 2), result.message  # a solution, or none (infeasible)
            if result.status == 0:
                x = np.round(result.x)
                if gives_what_is_published(x):
                    found.append(x)
                return (0, 1)
        return (value, value)

    def ends(row: np.ndarray) -> tuple[int, int]:
        return other_value(row) if two_values else (extreme(row), -extreme(-row))

    if two_values:  # the true table is a solution (as ``extreme`` asserts of each programme it solves)
        assert all(np.all(row @ truth >= low) for row, low in zip(rows, lower, strict=True))
        assert all(np.all(row @ truth <= high) for row, high in zip(rows, upper, strict=True))
    ranges = {
        cell: {name: ends(row) for name, row in (("low", low_row), ("high", high_row))}
        for cell, low_row, high_row in withheld
    }
    for cell, row in small_exact:
        ranges.setdefault(cell, {})["exact"] = ends(row)
    return ranges


def _assert_protected(exact: list[list[int]], censored: list[list[int]], rule: DisclosureRule) -> None:
    bounds = publish(exact, censored, rule)
    if bounds is None:
        return
    for cell, ranges in attack(exact, censored, bounds, two_values=True).items():
        for name, (smallest, largest) in ranges.items():
            assert smallest < largest, f"the {name} part of cell {cell} is pinned at {smallest}"


# exact parts: zeros and counts of at least 5 as UNODC publishes them (its counts below 5 are "<5"), and small
# exact counts (a file that publishes "3"). Censored parts: few
exact_parts = st.sampled_from([0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 15, 30])
censored_parts = st.sampled_from([0, 0, 0, 1, 1, 2, 3])
shapes = st.tuples(st.integers(1, 4), st.integers(1, 3))


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[list[int]], list[list[int]]]:
    n_rows, n_cols = draw(shapes)

    def matrix(parts: st.SearchStrategy[int]) -> list[list[int]]:
        return [[draw(parts) for _ in range(n_cols)] for _ in range(n_rows)]

    return matrix(exact_parts), matrix(censored_parts)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, derandomize=True)
@given(tables(), st.sampled_from([DisclosureRule(5), DisclosureRule(11)]))
def test_no_withheld_bound_is_pinned_by_a_reader_holding_both_bounds(table, rule) -> None:
    _assert_protected(*table, rule)


def test_an_exact_three_beside_a_censored_cell_is_not_given_back_by_the_two_bounds() -> None:
    # years of nationals detected abroad: 2018 an exact 3 and a "<5" (4–7), then exact counts
    exact, censored = [[3], [20], [30]], [[1], [0], [0]]
    bounds = publish(exact, censored, DisclosureRule(5))
    assert bounds is not None
    assert bounds.cells("c0")[0][0] == "<5" and bounds.cells("c0")[-1] == (54, 57)
    ranges = attack(exact, censored, bounds)
    assert ranges[(0, 0)]["low"][0] < ranges[(0, 0)]["low"][1]
    _assert_protected(exact, censored, DisclosureRule(5))


def test_a_small_low_bound_beside_a_high_bound_that_is_not_is_shown_small_in_both() -> None:
    # 1 and a "<5" (2–5) beside 2 and three "<5" (5–14), total 7–19: the 2–5 is "<5" in both bounds. Shown as
    # "<5–x" (its low bound small, its high bound withheld, as methods.md promises for ranges reaching the
    # threshold) it would tell the reader that its high bound is at least 5, so its low bound at least 2 (a
    # low bound of 1 is one "<5" cell or an exact 1, both below 5 at the high end); the 5–14 is a complement
    # of at least 5 in the low table, so the low bound is at most 7 − 5 = 2: pinned at 2. Shown "<5", 1–4. The
    # total is withheld too: its exact part is small (7–19 is 3 exact and four "<5", 7 − 4 = 3)
    exact, censored = [[1], [2]], [[1], [3]]
    bounds = publish(exact, censored, DisclosureRule(5))
    assert bounds is not None
    assert bounds.cells("c0") == [("<5", "<5"), ("x", "x"), ("x", "x")]
    assert attack(exact, censored, bounds)[(0, 0)]["low"] == (1, 4)


def test_a_published_range_does_not_give_a_small_exact_part_back() -> None:
    # an exact 4 (a file that publishes small counts) and a "<5": 5–8, neither bound small, so both are shown;
    # (8 − 5) / 3 = one "<5" cell, and 5 − 1 = 4 exact victims
    bounds = publish([[4], [30]], [[1], [0]], DisclosureRule(5))
    assert bounds is not None
    low, high = bounds.cells("c0")[0]
    assert not (isinstance(low, int) and isinstance(high, int)), f"{low}–{high} gives the exact 4 back"
    _assert_protected([[4], [30]], [[1], [0]], DisclosureRule(5))


def test_a_small_exact_count_beside_a_censored_one_is_not_pinned() -> None:
    # found by the property test when it drew small exact parts: with each bound protected on its own, the
    # exact 4 of the last row was pinned at 4 by the two bounds and the grand total
    _assert_protected([[5, 0], [0, 5], [0, 4]], [[0, 0], [0, 1], [0, 0]], DisclosureRule(5))


def test_the_same_pair_is_audited_once_and_any_other_again(monkeypatch):
    """A brief protects the same pair in each bound's route view and in each breakdown's yearly numbers: the
    same tables (columns, types, values, rule, keys) give what they gave, without another audit; a pair that
    differs in any of them is audited."""
    from evidence.notebooks import builders

    audits: list[int] = []
    original = builders.suppress_bounds
    monkeypatch.setattr(builders, "suppress_bounds", lambda *a, **k: audits.append(1) or original(*a, **k))
    monkeypatch.setattr(builders, "_PROTECTED_BOUNDS", {})
    rule = DisclosureRule(5)
    exact, censored = [[30, 2], [40, 50]], [[0, 1], [1, 0]]
    first = publish(exact, censored, rule)
    again = publish([row[:] for row in exact], [row[:] for row in censored], rule)
    assert first is not None and again is first and len(audits) == 1
    publish(exact, censored, DisclosureRule(10))  # another rule
    publish([[30, 2], [40, 51]], censored, rule)  # another value
    publish(exact, [[0, 1], [1, 1]], rule)  # other bounds
    assert len(audits) == 4
    # a pair the audit refuses (too small to protect) is refused each time, audited once
    from evidence.presentation.disclosure import DisclosureError

    def refused(*args, **kwargs):
        audits.append(1)
        raise DisclosureError("too small")

    monkeypatch.setattr(builders, "suppress_bounds", refused)
    assert publish([[7]], [[1]], rule) is None and publish([[7]], [[1]], rule) is None and len(audits) == 5


class _Unprotected:
    """A table's two bounds as the publisher would show them without the rule: every pair as computed."""

    def __init__(self, bounds: Bounds, pairs: dict[str, list[tuple[int, int]]]) -> None:
        self.low, self._pairs = bounds.low, pairs

    def cells(self, column: str) -> list[tuple[int, int]]:
        return self._pairs[column]


def test_the_reader_pins_what_a_pair_shown_as_computed_gives_back() -> None:
    """The attack itself, both ways it answers: an exact 3 and a ``<5`` (4-7) above an exact 20, total 24-27,
    with every pair shown as computed, give the 3 back ((7 - 4) / 3 = one ``<5``, 4 - 1 = 3); protected, the 4-7
    is withheld and the 3 takes several values."""
    exact, censored, rule = [[3], [20]], [[1], [0]], DisclosureRule(5)
    bounds = publish(exact, censored, rule)
    assert bounds is not None and bounds.low.has_total_column is False
    shown = _Unprotected(bounds, {"c0": [(4, 7), (20, 20), (24, 27)]})
    assert attack(exact, censored, shown)[(0, 0)] == {"exact": (3, 3)}  # type: ignore[arg-type]
    assert attack(exact, censored, shown, two_values=True)[(0, 0)] == {"exact": (3, 3)}  # type: ignore[arg-type]
    protected = attack(exact, censored, bounds)[(0, 0)]
    assert protected["exact"][0] < protected["exact"][1]
    assert attack(exact, censored, bounds, two_values=True)[(0, 0)]["exact"] == (0, 1)
