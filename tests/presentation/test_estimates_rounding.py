"""Published figures do not depend on the machine's floating point: an estimate that is exactly a half is
rounded up wherever it is computed, and the two orders of the same two lists publish the same numbers."""

from __future__ import annotations

import json

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence.analyses.estimation import estimate_population
from evidence.presentation.disclosure import DisclosureRule
from evidence.presentation.estimates import disclose_estimate, disclosed_payload, round_half_up

#: a threshold under which none of these cells is small, so that the two-list estimate is published
RULE = DisclosureRule(threshold=2)


def _two_lists(only_first: int, only_second: int, both: int) -> pl.DataFrame:
    return pl.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [only_first, only_second, both]})


@pytest.mark.parametrize(
    ("cells", "estimate", "dark"),
    [
        ((3, 11, 6), "26", "6"),  # 20 + 3·11/6 = 25.5 (the fit gave 25.499999999999986: shown as 25)
        ((2, 9, 4), "20", "5"),  # 15 + 2·9/4 = 19.5: halves to even read 20 beside 4 on no list (4.5)
    ],
)
def test_a_half_is_rounded_up_alike_for_both_orders_of_the_lists(cells, estimate, dark) -> None:
    a, b, m = cells
    for table in (_two_lists(a, b, m), _two_lists(b, a, m)):
        result = estimate_population(table)
        assert result.estimate == result.observed + a * b / m  # exactly: a half is representable
        shown = disclose_estimate(result, RULE)
        assert (shown.text("estimate"), shown.text("dark_figure")) == (estimate, dark)
        # the number on no list as shown is the estimate as shown minus the number observed
        assert int(shown.text("estimate")) - int(shown.text("observed")) == int(shown.text("dark_figure"))
    first, mirror = (
        disclosed_payload(estimate_population(t), RULE) for t in (_two_lists(a, b, m), _two_lists(b, a, m))
    )
    for payload in (first, mirror):
        payload.pop("lists")
        payload.pop("source")
    assert json.dumps(first, sort_keys=True) == json.dumps(mirror, sort_keys=True)


def test_round_half_up_ignores_the_last_bits_of_a_half() -> None:
    assert [round_half_up(v) for v in (25.499999999999986, 25.5, 25.500000000000014)] == [26, 26, 26]
    assert [round_half_up(v) for v in (4.5, 5.5, 0.5, 2.4, 2.6, 7.0)] == [5, 6, 1, 2, 3, 7]


@given(st.integers(0, 10**9), st.integers(1, 10**6))
def test_round_half_up_of_the_observed_plus_a_part_is_the_observed_plus_the_rounded_part(observed, eighths):
    """Whole numbers of people shown side by side add up: observed (whole) + on no list = the estimate."""
    part = eighths / 8
    assert round_half_up(observed + part) == observed + round_half_up(part)


@pytest.mark.parametrize("cells", [(3, 11, 6), (11, 3, 6), (2, 9, 4), (7, 5, 3)])
def test_the_bootstrap_of_two_lists_gives_the_data_the_point_estimate_to_the_last_bit(cells) -> None:
    """A replicate equal to the data fell below the exact point estimate (the fit gave 25.499999999999986 of
    25.5): the BCa bias correction counted it, or not, by the machine's last bits."""
    from evidence.analyses.estimation import ListCapture
    from evidence.analyses.estimation.estimate import _estimator, select_model
    from evidence.analyses.estimation.selection import FitLog

    capture = ListCapture.from_frame(_two_lists(*cells))
    estimator = _estimator(capture, select_model(capture), 0.02, FitLog())
    assert estimator(capture.counts[None, :])[0] == estimate_population(capture).estimate
    # an empty cell has no valid model (no estimate), as the fit said
    assert json.dumps(list(estimator([[0, 5, 3], [4, 5, 0]]))) == "[NaN, NaN]"
