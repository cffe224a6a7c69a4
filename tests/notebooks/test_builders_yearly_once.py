"""What the yearly numbers of a selection read whatever the disclosure rule (the counts, the flagged years, the
publisher's placeholder and doubtful breakdowns, the tables before protection) is built once per selection and
dimension, and what no dimension changes once per selection: the numbers are those built anew, never another
table's, and no caller's change to its own numbers reaches another's."""

from __future__ import annotations

import dataclasses
from typing import Any

import polars as pl
import pytest
from _calls import count_calls
from _indicator import indicator_rows, nationals_reported

from evidence.analyses import trends
from evidence.analyses.selection import Selection
from evidence.notebooks import builders
from evidence.notebooks.builders import breakdown_years, yearly_numbers
from evidence.presentation.disclosure import DisclosureRule

RULES = (DisclosureRule(10), DisclosureRule(11))
BYS = ("sex", "age", "form")


def _rows() -> list[tuple]:
    """Malaysia as a destination: totals, sexes (2017 above its total: doubtful), ages, forms (2015 a placeholder:
    every cell <5 against hundreds)."""
    rows: list[tuple] = []
    for year, total in ((2014, 120), (2015, 400), (2016, 96), (2017, 60), (2018, 48)):
        rows.append(("MYS", year, "Total", "Total", "Total", "Total", total))
        female = total - 30 if year != 2017 else 80
        rows += [
            ("MYS", year, "Total", "Total", "Female", "Total", female),
            ("MYS", year, "Total", "Total", "Male", "Total", 30 if year != 2018 else "<5"),
            ("MYS", year, "Total", "Total", "Total", "Adults", total - 7),
            ("MYS", year, "Total", "Total", "Total", "Children", 7),
        ]
        forms = ("<5", "<5", "<5") if year == 2015 else (total - 9, 9, "<5")
        for form, value in zip(
            ("Sexual exploitation", "Forced labour", "Other purposes"), forms, strict=True
        ):
            rows.append(("MYS", year, "by form of exploitation", form, "Total", "Total", value))
    return rows


def _canon(value: Any) -> Any:
    """Every field of a result, frames by their schema and rows, for comparing two results whole."""
    if isinstance(value, pl.DataFrame):
        return ("frame", str(value.schema), repr(value.rows()))
    if isinstance(value, Selection):
        return ("selection", repr(value.to_dict()))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [f.name for f in dataclasses.fields(value) if f.name != "_models"]
        return (type(value).__name__, tuple((name, _canon(getattr(value, name))) for name in fields))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(k), _canon(v)) for k, v in value.items())))
    if isinstance(value, frozenset | set):
        return ("set", tuple(sorted(map(repr, value))))
    if isinstance(value, list | tuple):
        return tuple(_canon(v) for v in value)
    return repr(value)


@pytest.fixture
def calls(monkeypatch) -> dict[str, int]:
    """How often the parts that no threshold changes are made: a change in reporting (a flagged year), the
    doubtful breakdowns of a dimension, the placeholder years of one."""
    return count_calls(
        monkeypatch,
        (trends, "reporting_changes"),
        (trends, "doubtful_breakdowns"),
        (builders, "placeholder_years"),
    )


def test_what_no_threshold_changes_is_built_once_per_selection_and_dimension(calls):
    selection = Selection(indicator_rows(_rows()), country="MYS", role="destination")
    for by in BYS:
        for rule in RULES:
            yearly_numbers(selection, rule, by=by)
    # once per selection (not once per dimension and rule: 6), once per dimension (not per rule: 6), and the
    # placeholder years of form, sex and age once each (not four per call: 24)
    assert calls == {"reporting_changes": 1, "doubtful_breakdowns": 3, "placeholder_years": 3}
    # another selection of the same table: built for it
    yearly_numbers(selection.replace(years=(2015, 2018)), RULES[0], by="sex")
    assert calls == {"reporting_changes": 2, "doubtful_breakdowns": 4, "placeholder_years": 6}


def test_the_numbers_built_once_are_those_built_anew():
    """Each result of a warm selection (its parts built at another threshold, by another dimension) is, field
    for field, that of a table of its own (a copy of the frame: nothing kept of it)."""
    frame = indicator_rows(_rows())
    selection = Selection(frame, country="MYS", role="destination")
    warm = [(by, rule, yearly_numbers(selection, rule, by=by)) for by in (*BYS, None) for rule in RULES]
    for by, rule, numbers in warm:
        cold = yearly_numbers(Selection(frame.clone(), country="MYS", role="destination"), rule, by=by)
        assert _canon(numbers) == _canon(cold), (by, rule)
    numbers = {(by, rule.threshold): n for by, rule, n in warm}
    assert numbers["form", 10].placeholder == (2015,) and numbers["sex", 10].doubtful == {2017: "over total"}
    # the thresholds differ in their protection only: 2018's Male <5 beside 43 Female of 48 at both
    assert numbers["sex", 10].by_counts.equals(numbers["sex", 11].by_counts)


def test_another_table_with_the_same_selection_is_not_given_the_kept_numbers():
    first = indicator_rows(_rows())
    # the same country, role and years of another table: its own counts (a total of 2014 of 500, not 120)
    second = first.with_columns(
        pl.when((pl.col("year") == 2014) & (pl.col("dimension") == "Total") & (pl.col("sex") == "Total"))
        .then(pl.lit(500.0))
        .otherwise(pl.col(c))
        .alias(c)
        for c in ("value", "value_low", "value_high")
    )
    for frame, total in ((first, 120), (second, 500), (first, 120)):
        numbers = yearly_numbers(Selection(frame, country="MYS", role="destination"), RULES[0], by="sex")
        assert numbers.counts.filter(pl.col("year") == 2014)["count"].item() == total


def test_no_callers_change_to_its_numbers_reaches_another():
    selection = Selection(indicator_rows(_rows()), country="MYS", role="destination")
    first = yearly_numbers(selection, RULES[0], by="form")
    assert first.breakdowns and first.placeholder_breakdowns
    counted = (first.counts.height, first.by_counts.height)  # type: ignore[union-attr]
    first.counts.extend(first.counts)  # in place
    first.by_counts.extend(first.by_counts)  # type: ignore[union-attr]
    first.by_category.low.known.extend(first.by_category.low.known)  # type: ignore[union-attr]
    first.breakdowns.clear()  # type: ignore[attr-defined]
    first.placeholder_breakdowns["sex"] = frozenset({1999})  # type: ignore[index]
    second = yearly_numbers(selection, RULES[0], by="form")
    sex = yearly_numbers(selection, RULES[0], by="sex")
    sex.doubtful.clear()  # type: ignore[attr-defined]
    listed = breakdown_years(selection)
    listed.clear()
    assert (
        second.breakdowns
        == breakdown_years(selection)
        == {
            "sex": frozenset(range(2014, 2019)),
            "age": frozenset(range(2014, 2019)),
            "form": frozenset({2014, 2016, 2017, 2018}),
        }
    )
    assert (
        second.placeholder_breakdowns
        == breakdown_years(selection, placeholders=True)
        == {"form": frozenset({2015})}
    )
    assert yearly_numbers(selection, RULES[1], by="sex").doubtful == {2017: "over total"}
    assert (second.counts.height, second.by_counts.height) == counted  # type: ignore[union-attr]
    assert second.by_category.low.known.height == second.by_category.low.frame.height  # type: ignore[union-attr]


def test_the_years_missing_reporters_are_those_of_the_rule_as_it_stands(monkeypatch):
    """What is kept of a selection is kept for the years its sum over reporting countries misses some of them
    (found at each call): with the rule's share lowered, Malaysia's partial breakdown of 2016 (a tenth of its
    total) is a gap too, in the numbers of a selection whose numbers were kept before."""
    frame = nationals_reported(range(2010, 2020), tha_from=2013, mys_partial=2016)
    selection = Selection(frame, country="MMR", role="origin")
    assert yearly_numbers(selection, RULES[0]).flagged == [2012, 2011, 2010]
    monkeypatch.setitem(trends.reporter_gaps.__kwdefaults__, "min_share", 0.05)
    lowered = yearly_numbers(selection, RULES[0])
    assert lowered.flagged == [2016, 2012, 2011, 2010]
    assert _canon(lowered) == _canon(
        yearly_numbers(Selection(frame.clone(), country="MMR", role="origin"), RULES[0])
    )


def test_the_route_tables_are_protected_for_the_yearly_table_only_when_it_has_something_to_keep(
    monkeypatch, real_tables
):
    """Brazil as a destination at 10 (UNODC 2023): three flows, no year withheld as small and no small count the
    publisher printed exactly in a table by corridor, destination or citizenship: the yearly table has nothing to
    keep beside the route tables, and their listing of every corridor is not protected for it (a brief that
    prints them protects them itself); the table is the one made beside the listing. (Kuwait as both at 11 has
    something to keep, 2018's 5: its listing is protected, test_builders_solver_unanswered.py.)"""
    from evidence.sources.cache import load_cached

    def fresh() -> Any:  # a frame of its own: nothing of it built yet (what is built once per frame)
        return load_cached(real_tables[1].provenance.path)

    calls = count_calls(monkeypatch, (builders, "_route_numbers"))
    rule = DisclosureRule(10)
    brazil = yearly_numbers(Selection(fresh(), country="BRA", role="destination"), rule, by="sex")
    assert calls == {"_route_numbers": 0}
    assert brazil.per_year is not None and not brazil.per_year.exact
    selection = Selection(fresh(), country="BRA", role="destination")
    assert builders.route_numbers(selection, rule) is not None  # the listing built first, then the table
    assert calls == {"_route_numbers": 1}
    assert _canon(yearly_numbers(selection, rule, by="sex").per_year) == _canon(brazil.per_year)
