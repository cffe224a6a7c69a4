"""Trends: the one rule of doubtful breakdowns (trends.doubtful_breakdowns) for every ``by`` value: the routes'
citizenship rule, and categories of one per victim above the total (review 12 m6, m7; review 13)."""

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


def test_categories_of_one_per_victim_above_the_total_are_doubtful():
    """The United States 2017: Other 153 and Unknown 153, 8,156 against 8,003 (Female + Male + Other = 8,003)."""
    usa = _sexes(8003, {"Female": 6568, "Male": 1282, "Other": 153, "Unknown": 153})
    found = trends.doubtful_breakdowns(usa, "gender")
    assert found.rows() == [(2017, trends.DOUBTFUL_OVER_TOTAL)]
    assert trends.doubtful_breakdowns(usa, "sex").rows() == found.rows()  # both names of the dimension
    # the same counts under a total that holds them all: no inconsistency, nothing doubtful
    assert trends.doubtful_breakdowns(
        _sexes(8156, {"Female": 6568, "Male": 1282, "Other": 153, "Unknown": 153}), "sex"
    ).is_empty()
    # an excess of one or two (Romania's every year), or under 1% of a large total: not doubtful
    assert trends.doubtful_breakdowns(_sexes(148, {"Female": 9, "Male": 9, "Other": 131}), "sex").is_empty()
    assert trends.doubtful_breakdowns(_sexes(8003, {"Female": 6600, "Male": 1410}), "sex").is_empty()
    # Paraguay 2020: 172 against 20, with no count repeated
    assert not trends.doubtful_breakdowns(_sexes(20, {"Female": 150, "Male": 22}), "sex").is_empty()
    # censored cells count at their least
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
def test_the_rule_flags_exactly_a_least_sum_above_the_total_by_the_margin(values, repeat, short):
    """Whatever the cells: a year is flagged exactly when the categories' least sum (a censored cell counted as
    1) exceeds the total by at least 5 victims and 1% of the total; a least sum within the total is never
    flagged. (``repeat`` files the first cell twice; the total is ``short`` below the least sum.)"""
    values = [*values, values[0]] if repeat else values
    cells = dict(zip(SEXES, values, strict=False))
    least = sum(1 if v == "<5" else v for v in cells.values())
    total = max(least - short, 0)
    flagged = trends.doubtful_breakdowns(_sexes(total, cells), "sex")
    excess = least - total
    over = excess >= trends.OVER_TOTAL_MINIMUM and excess >= trends.OVER_TOTAL_SHARE * total
    assert flagged.rows() == ([(2017, trends.DOUBTFUL_OVER_TOTAL)] if over else [])
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
    with the routes' reasons, and no other rule (the route tables and `evidence flows` read the same breakdown)."""
    selection = Selection(glotip, country=country, role="destination")
    found = trends.doubtful_breakdowns(selection, "corridor")
    by_routes = routes.doubtful_breakdowns(glotip.data).filter(pl.col("iso3") == country)
    assert found.rows() == by_routes.select(pl.col("year").cast(pl.Int32), "reason").rows()


def test_real_publisher_errors_counted_in_two_breakdowns_are_flagged_in_both(glotip):
    """REVIEW12 m7, REVIEW13: the United States' sexes and ages of 2017 and 2018 (8,156 against 8,003), Poland's
    of 2019 (34 against 25), El Salvador's sexes of 2019 and 2020; Botswana's citizenships of 2020 (Ghana and
    Zimbabwe 6 each) are judged by the routes' rule alone, which passes them, as the route tables do."""
    usa = Selection(glotip, country="USA", role="destination")
    over = trends.DOUBTFUL_OVER_TOTAL
    for by in ("gender", "age_band"):
        assert trends.doubtful_breakdowns(usa, by).rows() == [(2017, over), (2018, over)], by
    assert trends.doubtful_breakdowns(usa, "form").is_empty()
    pol = Selection(glotip, country="POL", role="destination")
    for by in ("gender", "age_band"):
        assert (2019, over) in trends.doubtful_breakdowns(pol, by).rows(), by
    slv = trends.doubtful_breakdowns(Selection(glotip, country="SLV", role="destination"), "gender")
    assert {(2019, over), (2020, over)} <= set(slv.rows())
    assert (
        2020
        not in trends.doubtful_breakdowns(
            Selection(glotip, country="BWA", role="destination"), "citizenship"
        )["year"].to_list()
    )
    # the routes' reason of its citizenship breakdown of those years (a top-five table) comes first
    assert trends.doubtful_breakdowns(usa, "citizenship").rows() == [
        (2017, routes.DOUBTFUL_PARTIAL),
        (2018, routes.DOUBTFUL_PARTIAL),
    ]
