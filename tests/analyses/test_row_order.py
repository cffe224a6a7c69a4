"""Rules every analysis keeps whatever the order of the rows it reads (a file re-sorted, or saved by another
program): the same tables (to a model fit's last floating-point digits), p- and q-values within [0, 1], every
estimate within its interval, no NaN given as a number. On the real data."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from evidence.analyses import causes, profiles, routes, trends
from evidence.analyses.selection import Selection
from evidence.sources.cache import load_cached


@pytest.fixture(scope="module")
def tables(shared_data):
    return {
        "cases": load_cached(shared_data / "ctdc" / "k_anon_sample.csv"),
        "regions": load_cached(shared_data / "ctdc" / "vp_synthetic_condensed.csv"),
        "unodc": load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"),
    }


def _shuffled(table, seed: int):
    return dataclasses.replace(table, data=table.data.sample(fraction=1.0, shuffle=True, seed=seed))


def _case_results(table) -> dict[str, pl.DataFrame]:
    whole, ukraine = Selection(table), Selection(table, country="UKR", role="origin")
    return {
        # the rows in their documented order (routes.RECORD_ORDER), not a group_by's, which changes from run to run
        "flow records": routes.flow_records(whole),
        "Ukraine's flow records": routes.flow_records(ukraine),
        "flow years": _years_frame(routes.flow_years(whole)),
        "flows": routes.flows(whole),
        "corridor trends": routes.corridor_trends(whole),
        "yearly by sex": trends.yearly_counts(whole, by="sex"),
        "shares by sex": trends.shares_over_time(whole, by="gender"),
        "form shares": profiles.group_shares(whole, "form"),
        "means by sex": causes.profile(whole, "means_of_control", by="sex"),
        "Ukraine's forms": causes.profile(ukraine, "form"),
        "odds ratios": profiles.odds_ratios(whole, predictors=["gender"]).frame(),
    }


def _indicator_results(table) -> dict[str, pl.DataFrame]:
    thailand = Selection(table, country="THA", role="destination")
    nigeria = Selection(table, country="NGA", role="origin")
    return {
        "flow records": routes.flow_records(thailand),
        "Nigeria's flow records": routes.flow_records(nigeria),
        "flow years": _years_frame(routes.flow_years(nigeria)),
        "doubtful reporters": _years_frame(trends.doubtful_reporters(Selection(table, country="THA"))),
        "flows": routes.flows(thailand),
        "corridor trends": routes.corridor_trends(Selection(table, country="THA")),
        "yearly": trends.yearly_counts(thailand),
        "yearly by sex": trends.yearly_counts(thailand, by="sex"),
        "shares by age": trends.shares_over_time(thailand, by="age"),
    }


def _years_frame(years: dict) -> pl.DataFrame:
    """A dict's items in its order, as a frame (a dict compares equal whatever its order)."""
    return pl.DataFrame({"key": [repr(k) for k in years], "years": [repr(v) for v in years.values()]})


def _check_statistics(name: str, frame: pl.DataFrame) -> None:
    for column in ("p_value", "q_value"):
        if column in frame.columns:
            values = frame[column].drop_nulls().drop_nans()
            assert values.is_between(0, 1).all(), f"{name}: {column} outside [0, 1]"
    for estimate in ("share", "rate_ratio", "odds_ratio"):
        if {estimate, "ci_low", "ci_high"} <= set(frame.columns):
            rows = frame.drop_nulls([estimate, "ci_low", "ci_high"])
            inside = (rows["ci_low"] <= rows[estimate] + 1e-12) & (rows[estimate] <= rows["ci_high"] + 1e-12)
            assert inside.all(), f"{name}: {estimate} outside its interval"
    floats = [c for c, dtype in frame.schema.items() if dtype.is_float()]
    assert not any(frame[c].is_nan().any() for c in floats), f"{name}: NaN given as a number"


def _check_the_same(expected: dict[str, pl.DataFrame], got: dict[str, pl.DataFrame]) -> None:
    for name, frame in expected.items():
        # the same, to the last digits of a fit's floating-point sums (a model's rows in another order)
        assert_frame_equal(got[name], frame, check_exact=False, rel_tol=1e-9, abs_tol=1e-12)
        _check_statistics(name, frame)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31 - 1))
def test_case_analyses_do_not_depend_on_the_order_of_the_records(tables, seed):
    expected = _case_results(tables["cases"])
    got = _case_results(_shuffled(tables["cases"], seed))
    _check_the_same(expected, got)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31 - 1))
def test_indicator_analyses_do_not_depend_on_the_order_of_the_cells(tables, seed):
    expected = _indicator_results(tables["unodc"])
    got = _indicator_results(_shuffled(tables["unodc"], seed))
    _check_the_same(expected, got)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31 - 1))
def test_flow_records_of_records_without_countries_do_not_depend_on_their_order(tables, seed):
    """The Victim–Perpetrator data give regions, no country: a flow record of unknown countries held the region of
    whichever of its records came first (Africa, Asia or Europe for the same flow, by the order of the rows)."""
    expected = routes.flow_records(Selection(tables["regions"]))
    got = routes.flow_records(Selection(_shuffled(tables["regions"], seed)))
    assert_frame_equal(got, expected)
