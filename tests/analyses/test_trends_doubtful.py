"""Trends: the one rule of doubtful breakdowns (trends.doubtful_breakdowns) for every ``by`` value: the routes'
citizenship rule, and a figure filed twice (review 12 m6, m7)."""

from __future__ import annotations

import polars as pl
import pytest
from _indicator import indicator_rows
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.analyses import routes, trends
from evidence.analyses.selection import Selection

SEXES = ("Female", "Male", "Other", "Unknown")


def _sexes(total: int, cells: dict[str, int | str], year: int = 2017) -> Selection:
    """One country-year: a published total and its breakdown by sex (a cell a count or "<5")."""
    rows = [("USA", year, "Total", "Total", "Total", "Total", total)]
    rows += [("USA", year, "Total", "Total", sex, "Total", value) for sex, value in cells.items()]
    return Selection(indicator_rows(rows), country="USA", role="destination")


def test_a_count_filed_twice_that_makes_the_sum_exceed_the_total_is_doubtful():
    """The United States 2017: Other 153 and Unknown 153, 8,156 against 8,003 (Female + Male + Other = 8,003)."""
    usa = _sexes(8003, {"Female": 6568, "Male": 1282, "Other": 153, "Unknown": 153})
    found = trends.doubtful_breakdowns(usa, "gender")
    assert found.rows() == [(2017, trends.DOUBTFUL_DUPLICATE)]
    assert trends.doubtful_breakdowns(usa, "sex").rows() == found.rows()  # both names of the dimension
    # the same counts under a total that holds them all: no inconsistency, nothing doubtful
    assert trends.doubtful_breakdowns(
        _sexes(8156, {"Female": 6568, "Male": 1282, "Other": 153, "Unknown": 153}), "sex"
    ).is_empty()
    # a sum above the total with no repeated count, or a repeat too small to explain the excess: not this rule
    assert trends.doubtful_breakdowns(
        _sexes(8003, {"Female": 6568, "Male": 1282, "Other": 150, "Unknown": 153}), "sex"
    ).is_empty()
    assert trends.doubtful_breakdowns(_sexes(148, {"Female": 9, "Male": 9, "Other": 131}), "sex").is_empty()
    # a censored cell is no count that can repeat another's
    assert trends.doubtful_breakdowns(_sexes(6, {"Female": "<5", "Male": "<5"}), "sex").is_empty()


def test_only_the_countrys_own_breakdowns_of_one_category_per_victim_are_judged():
    usa = _sexes(8003, {"Female": 6568, "Male": 1282, "Other": 153, "Unknown": 153})
    for by in (
        None,
        "none",
        "form",
    ):  # no breakdown, or forms (one victim can have several: a sum may exceed)
        assert trends.doubtful_breakdowns(usa, by).is_empty()
    assert trends.doubtful_breakdowns(usa.replace(role="origin"), "destination").is_empty()
    assert trends.doubtful_breakdowns(usa.replace(country=None), "sex").is_empty()


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.one_of(st.integers(min_value=1, max_value=200), st.just("<5")), min_size=1, max_size=3),
    st.booleans(),
    st.integers(min_value=-30, max_value=250),
)
def test_the_duplicate_rule_flags_only_a_repeated_exact_count_that_explains_the_excess(values, repeat, short):
    """Whatever the cells: a year is flagged as a duplicate exactly when two categories published exactly have
    the same count v, and the least sum exceeds the total by at least half of v and at most v; a least sum
    within the total is never flagged. (``repeat`` files the first cell twice; the total is ``short`` below the
    least sum.)"""
    values = [*values, values[0]] if repeat else values
    cells = dict(zip(SEXES, values, strict=False))
    least = sum(1 if v == "<5" else v for v in cells.values())
    total = max(least - short, 0)
    flagged = trends.doubtful_breakdowns(_sexes(total, cells), "sex")
    exact = [v for v in cells.values() if isinstance(v, int)]
    explains = [
        v
        for v in set(exact)
        if exact.count(v) > 1 and trends.DUPLICATE_EXCESS_SHARE * v <= least - total <= v
    ]
    assert flagged.rows() == ([(2017, trends.DOUBTFUL_DUPLICATE)] if explains else [])
    if least <= total:
        assert flagged.is_empty()


@pytest.fixture(scope="module")
def glotip(shared_data):
    from evidence.sources.cache import load_cached

    return load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")


def test_real_nigeria_2017_by_corridor_is_the_routes_doubtful_breakdown(glotip):
    """REVIEW12 m6: Nigeria's 2017 breakdown, 88–100 of 1,890 victims without its own nationals, which the
    routes flag: trends flags it by corridor, citizenship and destination alike, in role destination or both."""
    for role in ("destination", "both"):
        nga = Selection(glotip, country="NGA", role=role)
        for by in ("corridor", "citizenship", "destination"):
            if role == "both" and by == "citizenship":
                continue
            assert trends.doubtful_breakdowns(nga, by).rows() == [(2017, routes.DOUBTFUL_PARTIAL)], (role, by)
    assert trends.doubtful_breakdowns(Selection(glotip, country="NGA", role="destination"), "form").is_empty()


@pytest.mark.parametrize("country", ["USA", "NGA", "MMR", "THA", "BWA", "GBR"])
def test_real_citizenship_breakdowns_are_judged_by_the_routes_rule_itself(glotip, country):
    """One rule: the years the routes call a country's citizenship breakdown doubtful are those trends flags
    with the routes' reasons, with the routes' reason (a duplicate is only added where the routes say nothing)."""
    selection = Selection(glotip, country=country, role="destination")
    found = trends.doubtful_breakdowns(selection, "corridor")
    by_routes = routes.doubtful_breakdowns(glotip.data).filter(pl.col("iso3") == country)
    assert (
        found.filter(pl.col("reason") != trends.DOUBTFUL_DUPLICATE).rows()
        == by_routes.select(pl.col("year").cast(pl.Int32), "reason").rows()
    )


def test_real_united_states_sexes_of_2017_and_2018_are_a_duplicate(glotip):
    """REVIEW12 m7: Other and Unknown 153 (2017) and 205 (2018); its forms and ages are not flagged."""
    usa = Selection(glotip, country="USA", role="destination")
    duplicate = trends.DOUBTFUL_DUPLICATE
    assert trends.doubtful_breakdowns(usa, "gender").rows() == [(2017, duplicate), (2018, duplicate)]
    assert trends.doubtful_breakdowns(usa, "age_band").is_empty()
    assert trends.doubtful_breakdowns(usa, "form").is_empty()
    # the routes' reason of its citizenship breakdown of those years (a top-five table) comes first
    assert trends.doubtful_breakdowns(usa, "citizenship").rows() == [
        (2017, routes.DOUBTFUL_PARTIAL),
        (2018, routes.DOUBTFUL_PARTIAL),
    ]
