"""Benjamini–Hochberg q-values of the corridor trends, and their bounds over withheld corridors' p-values (bh32)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.analyses import routes
from evidence.analyses.selection import Selection

P_VALUES = st.sampled_from([0.0, 1e-6, 0.01, 0.05, 0.5, 1.0]) | st.floats(0, 1, allow_subnormal=False)


@pytest.mark.parametrize("min_victims", [5, 11])
@pytest.mark.parametrize("country", ["THA", "TUR", "GBR", None])
def test_real_unodc_q_values_are_statsmodels_fdr_bh_to_the_bit(country, min_victims, unodc_2023) -> None:
    """The q-values of the real workbook's corridors (a failed fit entering as 1) are statsmodels' own."""
    from statsmodels.stats.multitest import multipletests

    glotip = unodc_2023
    selection = Selection(glotip, country=country, role="both") if country else Selection(glotip)
    tested = routes.corridor_trends(selection, min_victims=min_victims).filter(
        pl.col("q_value").is_not_null()
    )
    assert tested.height >= 5
    expected = multipletests(tested["p_value"].fill_null(1.0).to_numpy(), method="fdr_bh")[1]
    np.testing.assert_array_equal(tested["q_value"].to_numpy(), expected)


def test_demo_q_values_are_statsmodels_fdr_bh_to_the_bit() -> None:
    from statsmodels.stats.multitest import multipletests

    from evidence.sources.cache import load_cached
    from evidence.sources.demo import demo_path

    tested = routes.corridor_trends(Selection(load_cached(demo_path()))).filter(
        pl.col("q_value").is_not_null()
    )
    assert tested.height >= 50
    expected = multipletests(tested["p_value"].fill_null(1.0).to_numpy(), method="fdr_bh")[1]
    np.testing.assert_array_equal(tested["q_value"].to_numpy(), expected)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(P_VALUES, st.booleans(), P_VALUES), min_size=1, max_size=30),
)
def test_the_bounds_hold_the_q_value_whatever_the_unknown_p_values(tests) -> None:
    """Each known test's q-value lies between the bounds whatever p-values the unknown tests have, and the
    bounds read none of them (two sets of unknown p-values, the same bounds)."""
    p = np.array([t[0] for t in tests])
    unknown = np.array([t[1] for t in tests])
    other = np.where(unknown, [t[2] for t in tests], p)
    low, high = routes.benjamini_hochberg_bounds(p, unknown)
    for actual in (p, other):
        q = routes._benjamini_hochberg(actual)
        assert np.all(low[~unknown] <= q[~unknown]) and np.all(q[~unknown] <= high[~unknown])
    again = routes.benjamini_hochberg_bounds(other, unknown)
    np.testing.assert_array_equal(again[0], low)
    np.testing.assert_array_equal(again[1], high)
    assert np.isnan(low[unknown]).all() and np.isnan(high[unknown]).all()


@settings(max_examples=100, deadline=None)
@given(st.lists(P_VALUES, min_size=1, max_size=30))
def test_with_nothing_unknown_the_bounds_are_the_q_values(p_values) -> None:
    p = np.array(p_values)
    low, high = routes.benjamini_hochberg_bounds(p, np.zeros(len(p), dtype=bool))
    np.testing.assert_array_equal(low, routes._benjamini_hochberg(p))
    np.testing.assert_array_equal(high, routes._benjamini_hochberg(p))


def test_the_bounds_refuse_flags_of_another_length() -> None:
    from evidence.core.errors import ParameterError

    with pytest.raises(ParameterError, match="3 p-values but 2"):
        routes.benjamini_hochberg_bounds(np.array([0.1, 0.2, 0.3]), np.array([True, False]))


def test_real_unodc_a_q_value_resting_on_a_withheld_corridor_is_bounded_without_it(unodc_2023) -> None:
    """Türkiye at threshold 11: Afghanistan → Türkiye's q-value (0.0020) is Indonesia → Türkiye's adjusted
    p-value, a corridor of years of 6 and 5 victims; its bounds are not, and hold it. Told of nothing withheld,
    the bounds are the q-value."""
    glotip = unodc_2023
    selection = Selection(glotip, country="TUR", role="both")
    plain = routes.emerging_routes(selection, min_victims=11)
    assert plain["q_low"].equals(plain["q_value"]) and plain["q_high"].equals(plain["q_value"])
    bounded = routes.emerging_routes(selection, min_victims=11, withheld_below=11)
    rows = {
        (o, d): r
        for (o, d), r in zip(bounded.select(routes._KEYS).iter_rows(), bounded.iter_rows(named=True))
    }
    afghanistan, indonesia = rows["AFG", "TUR"], rows["IDN", "TUR"]
    assert afghanistan["q_value"] == pytest.approx(indonesia["q_value"])  # the step-up's: Indonesia's
    assert indonesia["smallest_exact"] == 5 and indonesia["q_low"] is None and indonesia["q_high"] is None
    assert afghanistan["q_low"] <= afghanistan["q_value"] < afghanistan["q_high"]
    # by the route table's withholding alone
    withheld = routes.emerging_routes(selection, min_victims=11, withheld={("IDN", "TUR")})
    assert withheld.filter(pl.col("origin_iso3") == "IDN")["q_high"].to_list() == [None]
