"""The by-category tables of a publisher's censored counts (UNODC's detected victims per year by sex, age…) at a
threshold above the publisher's: no withheld cell follows from the numbers printed beside it (the published
total, the sum of categories), nor from the yearly total the brief prints elsewhere."""

from __future__ import annotations

import numpy as np
import polars as pl
from _indicator import indicator_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import yearly_numbers
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


def _pinned(
    values: list[float], hidden: list[int], bounds: list[tuple[float, float | None]], total: float, cell: int
) -> bool:
    """Whether hidden cell ``cell`` (an index of ``values``) takes one value only in every row of whole
    categories that adds up to ``total`` and fits the labels' bounds."""
    a_eq = np.array([[1.0] * len(hidden)])
    b_eq = np.array([total - sum(v for i, v in enumerate(values) if i not in hidden)])
    objective = np.zeros(len(hidden))
    objective[hidden.index(cell)] = 1.0
    kwargs = {"A_eq": a_eq, "b_eq": b_eq, "bounds": bounds, "method": "highs"}
    low = linprog(objective, **kwargs)
    high = linprog(-objective, **kwargs)
    assert low.status == 0 and high.status in (0, 3), "the true row must be feasible"
    return high.status != 3 and -high.fun - low.fun < 1 - 1e-9


def _attack(
    frame: pl.DataFrame, rule: DisclosureRule, unprotectable: list[tuple[str, str]] | None = None
) -> list[tuple[str, str]]:
    """The (year, category) cells withheld though the publisher printed them exactly (not its ``<5``) that an
    attacker recomputes from the row: its printed total (the brief prints it in the yearly table too), or the
    sum of the categories where it is printed, each bound on its own. ``unprotectable``: collects instead the
    cells that their labels pin with every category withheld (a total of 18 beside two ``<10``: 9 and 9)."""
    numbers = yearly_numbers(Selection(frame, country="MYS", role="destination"), rule, by="sex")
    table = numbers.by_category
    assert table is not None
    categories = [c for c in table.low.count_columns if c in SEXES]
    truth = {  # the exact count of each cell published exactly (the publisher's own number)
        (str(r["year"]), r["sex"]): int(r["value"])
        for r in frame.filter(~pl.col("censored") & (pl.col("sex") != "Total")).iter_rows(named=True)
    }
    low_bound = {
        (str(r["year"]), r["sex"]): r["value_low"]
        for r in frame.filter(pl.col("sex") != "Total").iter_rows(named=True)
    }
    high_bound = {
        (str(r["year"]), r["sex"]): r["value_high"]
        for r in frame.filter(pl.col("sex") != "Total").iter_rows(named=True)
    }
    totals = {
        str(r["year"]): r["value"] for r in frame.filter(pl.col("sex") == "Total").iter_rows(named=True)
    }
    exposed = []
    for side, bound in ((table.low, low_bound), (table.high, high_bound)):
        body = side.frame.head(side.frame.height - (1 if side.has_total_row else 0))
        for i, row in enumerate(body.iter_rows(named=True)):
            year = row["year"]
            present = [c for c in categories if (year, c) in bound]
            if not present:
                continue
            values = [float(bound[(year, c)]) for c in present]
            hidden = [k for k, c in enumerate(present) if row.get(c + "_suppressed")]
            margins = []
            if "Sum of categories" in side.count_columns and not row["Sum of categories_suppressed"]:
                margins.append(float(row["Sum of categories"]))
            # the reader takes the categories to add up to the total where the table shows no sum apart, or
            # where the sum is the total
            printed = "Published total" in side.count_columns and not row["Published total_suppressed"]
            if printed and sum(values) == totals.get(year):
                margins.append(float(totals[year]))
            # a label's bounds: <10 (or a value below the threshold, withheld with every category) or x
            small = [
                side.reasons[c][i] == "small" or (k not in hidden and values[k] < rule.threshold)
                for k, c in enumerate(present)
            ]
            limits = [(0.0, float(rule.threshold - 1)) if s else (float(rule.threshold), None) for s in small]
            bounds = [limits[k] for k in hidden]
            for k in hidden:
                if (year, present[k]) not in truth or truth[(year, present[k])] == 0:
                    continue  # the publisher's <5 is its own: its bounds are public
                if any(_pinned(values, hidden, bounds, m, k) for m in margins):
                    everything = [
                        j for j, c in enumerate(present) if (year, c) in truth or row.get(c + "_suppressed")
                    ]
                    if unprotectable is not None and any(
                        _pinned(values, everything, [limits[j] for j in everything], m, k) for m in margins
                    ):
                        unprotectable.append((year, present[k]))  # its labels pin it: only the total would do
                        continue
                    exposed.append((year, present[k]))
    return exposed


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
    assert _attack(frame, DisclosureRule(threshold), []) == []
