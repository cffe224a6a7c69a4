"""Intervals: censored counts kept as bounds (never read as zero) and Wilson intervals of shares."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.analyses.intervals import censored_sum, clean_float, point_expr, strict_sum, wilson_interval


def test_censored_sum_is_null_with_any_censored_part_and_sums_both_bounds():
    cells = pl.DataFrame(
        {"g": ["a", "a", "b", "c"], "n": [12, None, 7, None], "lo": [12, 1, 7, 1], "hi": [12, 4, 7, 4]}
    )
    out = cells.group_by("g").agg(*censored_sum("n", "lo", "hi")).sort("g")
    assert out.rows() == [("a", None, 13, 16), ("b", 7, 7, 7), ("c", None, 1, 4)]
    assert cells.filter(pl.col("g") == "z").select(strict_sum("n")).item() == 0  # nothing to add is 0


def test_the_point_of_a_censored_count_is_the_midpoint_of_its_bounds_and_an_exact_count_itself():
    cells = pl.DataFrame({"n": [12, None], "lo": [12, 1], "hi": [12, 4]})
    assert cells.select(point_expr("n", "lo", "hi")).to_series().to_list() == [12.0, 2.5]


def test_wilson_interval_matches_the_formula_and_is_exact_at_the_edges():
    low, high = wilson_interval([0, 3, 10, 5], [10, 10, 10, 0])
    # 3 of 10 by Wilson's formula (z = 1.96): 0.1078 to 0.6032
    assert math.isclose(low[1], 0.10779, abs_tol=1e-4) and math.isclose(high[1], 0.60322, abs_tol=1e-4)
    assert low[0] == 0.0 and high[2] == 1.0  # no rounding dust at 0 and 1
    assert np.isnan(low[3]) and np.isnan(high[3])  # no denominator, no interval


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_a_wilson_interval_always_holds_its_share(case):
    count, nobs = case
    low, high = wilson_interval([count], [nobs])
    assert 0.0 <= low[0] <= count / nobs <= high[0] <= 1.0


def test_clean_float_rounds_and_gives_none_for_what_json_cannot_hold():
    assert clean_float(1.23456789) == 1.234568
    assert (
        clean_float(float("nan")) is None and clean_float(float("inf")) is None and clean_float(None) is None
    )


def test_a_level_given_as_a_percentage_is_refused_everywhere_not_turned_into_nan(shared_data):
    """``level=95`` (a percentage) gave rate ratios and breaks with NaN intervals, and shares with none, silently;
    every analysis that takes a level now refuses it and says to give 0.95."""
    import pytest

    from evidence.analyses import causes, profiles, society, trends
    from evidence.analyses.intervals import check_level
    from evidence.analyses.selection import Selection
    from evidence.core.errors import ParameterError
    from evidence.sources.cache import load_cached

    assert check_level(0.9) == 0.9
    cases = load_cached(shared_data / "ctdc" / "k_anon_sample.csv")
    unodc = load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    thailand = Selection(unodc, country="THA", role="destination")
    counts = trends.yearly_counts(thailand)
    panel = society.country_panel(
        [unodc, load_cached(shared_data / "walkfree" / "gsi_2023.xlsx")]
        + [load_cached(shared_data / "tip" / "tip_tiers_1999_2015.csv")]
    )
    calls = {
        "rate_ratio": lambda level: trends.rate_ratio(counts, level=level),
        "find_break": lambda level: trends.find_break(counts, level=level),
        "shares_over_time": lambda level: trends.shares_over_time(thailand, by="sex", level=level),
        "share_change": lambda level: trends.share_change(
            trends.shares_over_time(thailand, by="sex"), "Female", "2015-2017", "2018-2020", level=level
        ),
        "group_shares": lambda level: profiles.group_shares(cases, "gender", level=level),
        "odds_ratios": lambda level: profiles.odds_ratios(cases, predictors=["gender"], level=level),
        "profile": lambda level: causes.profile(cases, "form", by="sex", level=level),
        "association_model": lambda level: causes.association_model(
            cases, "exploitation_sexual", level=level
        ),
        "detection_model": lambda level: society.detection_model(panel, level=level),
        "tier_event_study": lambda level: society.tier_event_study(panel, level=level),
    }
    for call in calls.values():
        with pytest.raises(ParameterError, match=r"for a 95% interval give level=0\.95"):
            call(95)
        for wrong in (0, 1, float("nan"), "high"):
            with pytest.raises(ParameterError, match="level is a fraction"):
                call(wrong)
    assert trends.rate_ratio(counts, level=0.9).ci_low > trends.rate_ratio(counts).ci_low  # narrower
