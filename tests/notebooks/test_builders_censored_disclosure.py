"""The by-category tables of a publisher's censored counts (UNODC's detected victims per year by sex, age…) at a
threshold above the publisher's: no withheld cell follows from the numbers printed beside it (the published
total, the sum of categories), nor from the yearly total the brief prints elsewhere."""

from __future__ import annotations

import math
from pathlib import Path

import highspy
import numpy as np
import polars as pl
import pytest
from _indicator import indicator_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import no_breakdown_note, yearly_numbers
from evidence.presentation.disclosure import DisclosureRule

SEXES = ("Female", "Male", "Unknown")


def _rows(years: list[tuple[int, int | None, list[int | str | None]]]) -> pl.DataFrame:
    """(year, total or None, a value per sex: a count, "<5" or None) -> indicator rows."""
    rows = []
    for year, total, values in years:
        if total is not None:
            rows.append(("MYS", year, "Total", "Total", "Total", "Total", total))
        for sex, value in zip(SEXES, values, strict=False):
            if value is not None:
                rows.append(("MYS", year, "Total", "Total", sex, "Total", value))
    return indicator_rows(rows)


def _label(value: int, small: bool, rule: DisclosureRule) -> tuple[float, float | None]:
    """What a withheld cell's label says of it: ``<10`` (1 to 9: a 0 is shown) or ``x`` (10 or more)."""
    return (1.0, float(rule.threshold - 1)) if small else (float(rule.threshold), None)


#: Each row's system (bounds, equalities, lines) and cell: pinned or not. The same rows come back (the thresholds
#: 10 and 11 of the real workbook: 1,583 different cells of 2,611 asked), and the answer is the system's alone.
#: The system is named by its number in :data:`_SYSTEMS`, hashed once a call: a key holding the system itself was
#: hashed again for every cell looked up (a tuple does not keep its hash), most of the attack of a large table's
#: rows (the table by citizenship beside the United Kingdom's route tables).
_PINNED: dict[tuple[int, int], bool] = {}
_SYSTEMS: dict[tuple, int] = {}


def _pinned_cells(
    bounds: list[tuple[float, float | None]],
    equalities: list[tuple[list[float], float]],
    at_least: list[tuple[list[float], float]],
    cells: list[int],
) -> list[int]:
    """Which of ``cells`` take one value only among the rows of values within ``bounds`` that satisfy the
    ``equalities`` and the ``at_least`` lines (coefficients, constant): the minimum and the maximum of each cell,
    by linear programming (HiGHS, as SciPy's linprog solves it), on one model of the row whose objective alone
    changes from one solve to the next (each starting from the last one's basis). A cell that two of the row's
    solutions found so far put more than 1 apart is not pinned (its range holds both): its programmes are not
    solved."""
    system = _SYSTEMS.setdefault(
        (
            tuple(bounds),
            tuple((tuple(a), b) for a, b in equalities),
            tuple((tuple(a), b) for a, b in at_least),
        ),
        len(_SYSTEMS),
    )
    todo = [k for k in cells if (system, k) not in _PINNED]
    if todo:
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        inf = highspy.kHighsInf
        n = len(bounds)
        highs.addVars(
            n,
            np.array([low for low, _ in bounds], dtype=float),
            np.array([inf if high is None else high for _, high in bounds], dtype=float),
        )
        for (a, b), upper in [*((e, True) for e in equalities), *((e, False) for e in at_least)]:
            at = np.flatnonzero(a)
            highs.addRow(b, b if upper else inf, len(at), at.astype(np.int32), np.asarray(a, dtype=float)[at])
        every = np.arange(n, dtype=np.int32)
        # each cell's smallest and largest value among the solutions found (each a row of values that fits)
        lowest, highest = np.full(n, np.inf), np.full(n, -np.inf)
        for k in todo:
            if highest[k] - lowest[k] >= 1 + 1e-6:  # two solutions more than 1 apart: beyond any tolerance
                _PINNED[(system, k)] = False
                continue
            objective = np.zeros(n)
            objective[k] = 1.0
            highs.changeColsCost(n, every, objective)
            ends = []
            for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
                highs.changeObjectiveSense(sense)
                highs.run()
                status = highs.getModelStatus()
                if status == highspy.HighsModelStatus.kOptimal:
                    ends.append(highs.getInfo().objective_function_value)
                    x = np.array(highs.getSolution().col_value)
                    lowest, highest = np.minimum(lowest, x), np.maximum(highest, x)
                else:
                    assert ends and status in _UNBOUNDED, "the true row must be feasible"
                    ends.append(math.inf)
            _PINNED[(system, k)] = ends[1] - ends[0] < 1 - 1e-9
    return [k for k in cells if _PINNED[(system, k)]]


_UNBOUNDED = (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible)


class _Lists:
    """A side of a protected table (its frame and reasons) with each column read once as a list:
    ``frame[column][i]`` is the frame's cell, as read from the frame itself (a query per cell, ~100,000 of
    them over the real workbook)."""

    def __init__(self, side) -> None:
        self.frame = {c: side.frame[c].to_list() for c in side.frame.columns}
        self.reasons = {c: side.reasons[c].to_list() for c in side.reasons.columns}
        self.count_columns = side.count_columns


class _Read:
    """A protected table's two bounds (:class:`~evidence.notebooks.builders.Bounds`) as :class:`_Lists`."""

    def __init__(self, table) -> None:
        self.low, self.high = _Lists(table.low), _Lists(table.high)


def _hidden(table, column: str, i: int) -> bool:
    return any(side.frame[column + "_suppressed"][i] for side in (table.low, table.high))


def _small(table, column: str, i: int) -> bool:
    return "small" in (table.low.reasons[column][i], table.high.reasons[column][i])


def _attack_row(
    table,
    i: int,
    values: list[int | None],
    parts: list[int],
    total: float | None,
    withheld: set[str],
    present: list[str],
    rule,
    base: list[int] | None = None,
) -> list[int]:
    """The cells of row ``i`` (``values``: each category's exact count, None for a cell with the publisher's
    censored cells in it, ``parts`` of them: 1 to 4 each, beside an exact part ``base``, 0 by default) that the
    attacker pins, with the cells ``withheld`` withheld (a cell left empty, with no label, says nothing)."""
    base = base or [0] * len(values)
    bounds: list[tuple[float, float | None]] = []
    for c, value, k, e in zip(present, values, parts, base, strict=True):
        if value is None:
            bounds.append((float(e + k), float(e + 4 * k)))
        elif c in withheld and value:  # a 0 is shown
            if _hidden(table, c, i):
                bounds.append(_label(value, _small(table, c, i) or value < rule.threshold, rule))
            else:
                bounds.append((0.0, None))  # left empty
        else:
            bounds.append((float(value), float(value)))
    exact = [0.0 if v is None else 1.0 for v in values]
    n_censored = sum(k for v, k in zip(values, parts, strict=True) if v is None)
    n_base = sum(e for v, e in zip(values, base, strict=True) if v is None)
    equalities, at_least = [], []
    if total is not None:
        low = sum(e + k if v is None else v for v, k, e in zip(values, parts, base, strict=True))
        if low <= total <= low + 3 * n_censored:  # the reader takes the categories to add up to it
            equalities.append(([1.0] * len(values), float(total)))
    if "Sum of categories" in table.low.count_columns:
        for side, factor in ((table.low, 1), (table.high, 4)):
            shown = side.frame["Sum of categories"][i]
            known = float(n_base + factor * n_censored)  # the censored cells' part of this bound of the sum
            if "Sum of categories" not in withheld and shown is not None:
                equalities.append((exact, shown - known))
            elif side.reasons["Sum of categories"][i] == "small" or (
                shown is not None and shown < rule.threshold
            ):
                at_least.append(([-x for x in exact], known - rule.threshold + 1))  # <10: at most 9
                at_least.append((exact, 1 - known))
            elif shown is not None or side.reasons["Sum of categories"][i] is not None:  # x: at least 10
                at_least.append((exact, rule.threshold - known))
            # left empty: it says nothing
    return _pinned_cells(
        bounds, equalities, at_least, [k for k, c in enumerate(present) if c in withheld and values[k]]
    )


def _printed_totals(numbers, table) -> dict[str, float]:
    """Each year's total as the brief prints it: exact in the by-category table or in the yearly table."""
    found: dict[str, float] = {}
    if numbers.per_year is not None:
        low, high = numbers.per_year.low.frame, numbers.per_year.high.frame
        for year, lo, hi in zip(low["year"], low["victims"], high["victims"], strict=True):
            if lo is not None and lo == hi:
                found[str(year)] = float(lo)
    column = next((c for c in ("Published total", "All victims") if c in table.low.count_columns), None)
    if column is not None:
        body = table.low.frame.height - (1 if table.low.has_total_row else 0)
        for i in range(body):
            lo, hi = table.low.frame[column][i], table.high.frame[column][i]
            if lo is not None and lo == hi:
                found[str(table.low.frame["year"][i])] = float(lo)
    return found


def _attack_numbers(numbers, rule: DisclosureRule) -> list[tuple[str, str]]:
    """The (year, category) cells withheld though the publisher printed them exactly (not its ``<5``) that an
    attacker recomputes from their row, by linear programming over the row's values: each cell printed, or
    within its label's bounds, or the publisher's ``<5`` (1 to 4, public); the categories adding up to the
    total the brief prints for the year (in this table or in the yearly table) wherever they can; each bound of
    the sum of the categories where printed (or its label's bounds)."""
    table = numbers.by_category
    if table is None or numbers.by_counts is None:
        return []
    by = numbers.by
    cells = {
        (str(r["year"]), str(r[by])): (
            (int(r["count_low"]), 0, 0)
            if r["count_low"] == r["count_high"]
            else (
                None,
                (r["count_high"] - r["count_low"]) // 3,
                int(r["count_low"]) - (r["count_high"] - r["count_low"]) // 3,
            )
        )
        for r in numbers.by_counts.iter_rows(named=True)
    }
    totals = _printed_totals(numbers, table)
    exposed = []
    body = table.low.frame.height - (1 if table.low.has_total_row else 0)
    read = _Read(table)  # the same cells, each column read once
    for i in range(body):
        year = read.low.frame["year"][i]
        present = [c for c in numbers.categories if (year, c) in cells]
        if not present:
            continue
        values = [cells[(year, c)][0] for c in present]
        parts = [cells[(year, c)][1] for c in present]
        base = [cells[(year, c)][2] for c in present]
        withheld = {
            c
            for c in present
            if _hidden(read, c, i) or (read.low.frame[c][i] is None and cells[(year, c)][0])
        }
        if "Sum of categories" in read.low.count_columns and (
            _hidden(read, "Sum of categories", i) or read.low.frame["Sum of categories"][i] is None
        ):
            withheld.add("Sum of categories")
        for k in _attack_row(read, i, values, parts, totals.get(year), withheld, present, rule, base):
            exposed.append((year, present[k]))
    return exposed


def _attack(frame: pl.DataFrame, rule: DisclosureRule) -> list[tuple[str, str]]:
    numbers = yearly_numbers(Selection(frame, country="MYS", role="destination"), rule, by="sex")
    assert numbers.by_category is not None
    return _attack_numbers(numbers, rule)


def test_malaysias_male_victims_of_2019_are_not_given_back_by_the_total():
    """MYS destination 2019 at threshold 10: Female 91, Male <10, published total 96, sum 96: Male = 5."""
    frame = _rows([(2019, 96, [91, 5]), (2020, 48, [46, "<5"]), (2021, 120, [40, 80])])
    rule = DisclosureRule(10)
    assert _attack(frame, rule) == []
    table = yearly_numbers(Selection(frame, country="MYS", role="destination"), rule, by="sex").by_category
    assert table is not None
    shown = {r["year"]: r for r in table.shown().iter_rows(named=True)}
    assert shown["2021"]["Female"] == "40" and shown["2021"]["Male"] == "80"  # a row with nothing withheld
    assert shown["2020"]["Female"] == "46"  # the publisher's <5 is public: nothing to protect beside it


def test_a_sum_whose_label_alone_gives_a_cell_back_is_left_empty():
    """Hungary 2008 at threshold 10: Female 9, Male <5 (1-4), total 10, the sum of categories 10-13; withheld as
    ``x`` (at least 10) the sum says Female + 1 >= 10: Female = 9. Left empty, it says nothing."""
    frame = _rows([(2008, 10, [9, "<5"]), (2010, 59, [49, 9]), (2011, 134, [122, "<5"])])
    rule = DisclosureRule(10)
    assert _attack(frame, rule) == []
    table = yearly_numbers(Selection(frame, country="MYS", role="destination"), rule, by="sex").by_category
    assert table is not None
    shown = {r["year"]: r for r in table.shown().iter_rows(named=True)}
    assert shown["2008"]["Sum of categories"] == "" and shown["2008"]["Published total"] == "10"
    assert shown["2011"]["Sum of categories"] == "123–126"  # nothing withheld beside it: as published


def test_at_the_publishers_threshold_its_own_numbers_are_shown_as_published():
    frame = _rows([(2019, 96, [91, 5]), (2020, 48, [46, "<5"])])
    table = yearly_numbers(
        Selection(frame, country="MYS", role="destination"), DisclosureRule(5), by="sex"
    ).by_category
    assert table is not None
    shown = {r["year"]: r for r in table.shown().iter_rows(named=True)}
    assert (shown["2019"]["Female"], shown["2019"]["Male"]) == ("91", "5")
    assert shown["2020"]["Female"] == "46"


cells = st.one_of(st.integers(0, 12), st.sampled_from(["<5", "<5", 5, 7, 30, 91, None]))
years = st.lists(
    st.tuples(st.lists(cells, min_size=2, max_size=3), st.sampled_from([0, 0, 0, 3, None])),
    min_size=1,
    max_size=4,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(years=years, threshold=st.sampled_from([5, 10, 11]))
def test_no_withheld_cell_is_pinned_by_the_numbers_beside_it(years, threshold):
    rows = []
    for k, (values, extra) in enumerate(years):
        if all(v is None for v in values):
            values = [*values[:-1], 3]
        exact = sum(v for v in values if isinstance(v, int))
        censored = sum(1 for v in values if v == "<5")
        # the publisher's total: the sum (a <5 counted as 2), a few more, or none
        total = None if extra is None else exact + 2 * censored + extra
        rows.append((2010 + k, total, values))
    frame = _rows(rows)
    assert _attack(frame, DisclosureRule(threshold)) == []


def test_estonias_female_victims_of_2015_are_not_given_back_by_the_printed_total():
    """EST 2015 at threshold 10: total 13 (printed here and in the yearly table), Male the publisher's <5 (1-4),
    Female 9 withheld as ``<10`` (1-9): 13 - 4 = 9. The breakdown is left empty, the total printed everywhere."""
    frame = _rows([(2014, 30, [20, 10]), (2015, 13, [9, "<5"]), (2016, 40, [25, 15])])
    rule = DisclosureRule(10)
    assert _attack(frame, rule) == []
    numbers = yearly_numbers(Selection(frame, country="MYS", role="destination"), rule, by="sex")
    shown = {r["year"]: r for r in numbers.by_category.shown().iter_rows(named=True)}
    assert shown["2015"]["Published total"] == "13" and shown["2015"]["Female"] == ""
    assert "withheld" in shown["2015"]["note"]
    yearly = {r["year"]: r for r in numbers.per_year.shown().iter_rows(named=True)}
    assert yearly["2015"]["victims"] == "13"  # the same total, printed in both tables
    note = no_breakdown_note(numbers)
    assert note is not None and "Breakdown withheld: in 2015" in note
    assert "not withheld" not in note  # the empty cells are not said to be the publisher's gaps


def test_kyrgyzstans_ages_of_2014_are_not_given_back_by_the_printed_total():
    """KGZ 2014 by age at threshold 10: 9 and 9, both ``<10``, with a total of 18: each is 9."""
    frame = _rows([(2014, 18, [9, 9]), (2015, 30, [12, 18])])
    assert _attack(frame, DisclosureRule(10)) == []
    assert _attack(frame, DisclosureRule(11)) == []


WORKBOOK = Path(__file__).parents[2] / ".." / "shared" / "data" / "unodc" / "data_glotip_2023-05-30.xlsx"


@pytest.mark.slow
@pytest.mark.skipif(not WORKBOOK.exists(), reason="the real UNODC workbook is not here")
def test_no_row_of_the_real_workbook_is_pinned():
    """At the thresholds 10 and 11, every country's tables by sex, age and form. The two thresholds of one
    table one after the other (not all of one threshold, then the other): what the tables are built from (the
    counts, the flagged years, the tables before protection) is the same at both, built once per country and
    dimension (what no dimension changes once per country), and the second finds it still kept: it only
    protects (half of the builders' work)."""
    from evidence.sources.cache import load_cached

    table = load_cached(WORKBOOK)  # from the toolkit's cache, as the other tests read it
    countries = table.data["iso3"].drop_nulls().unique().sort().to_list()
    rules = [DisclosureRule(10), DisclosureRule(11)]
    exposed = []
    for country in countries:
        selection = Selection(table, country=country, role="destination")
        for by in ("sex", "age", "form"):
            for rule in rules:
                numbers = yearly_numbers(selection, rule, by=by)
                exposed += [(rule.threshold, country, by, *cell) for cell in _attack_numbers(numbers, rule)]
    assert exposed == []


def test_the_attacker_pins_a_cell_its_row_gives_back():
    """The attacker itself: 91 and a cell of 1 to 9 with a total of 96 pin it (the row of Malaysia's 2019 with
    the total printed beside it); without the total, or as ``x`` (10 or more, unbounded), nothing is pinned."""
    assert _pinned_cells([(91.0, 91.0), (1.0, 9.0)], [([1.0, 1.0], 96.0)], [], [1]) == [1]
    assert _pinned_cells([(91.0, 91.0), (1.0, 9.0)], [], [], [1]) == []
    assert _pinned_cells([(91.0, 91.0), (10.0, None)], [], [([1.0, 1.0], 100.0)], [1]) == []
    assert _pinned_cells([(1.0, 4.0), (1.0, 9.0)], [], [([-1.0, -1.0], -2.0)], [0, 1]) == [0, 1]  # at most 2
    with pytest.raises(AssertionError, match="feasible"):
        _pinned_cells([(91.0, 91.0), (1.0, 9.0)], [([1.0, 1.0], 200.0)], [], [1])
