"""Multiple systems estimation under a hostile audit: huge counts, list and row order, edge cases."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from evidence.analyses.estimation import ListCapture, estimate_population, fit_model
from evidence.core.errors import InputError, ParameterError

BASE = np.array([50, 40, 3, 30, 6, 7, 2])  # A, B, A∩B, C, A∩C, B∩C, A∩B∩C
EVERY_PAIR = ((0, 1), (0, 2), (1, 2))


@pytest.mark.parametrize("scale", [10**7, 10**8, 10**9])
def test_a_model_fitting_huge_counts_exactly_converges(scale: int) -> None:
    # with every pair, three lists leave no degree of freedom: the deviance is 0 up to rounding, which R's
    # relative criterion alone never accepts once counts are in the millions
    fit = fit_model(ListCapture(("A", "B", "C"), BASE * scale), EVERY_PAIR)
    assert fit.converged and fit.certainly_exists
    assert fit.dark_figure / scale == pytest.approx(
        fit_model(ListCapture(("A", "B", "C"), BASE), EVERY_PAIR).dark_figure
    )


@pytest.mark.parametrize("method", ["stepwise", "bic"])
def test_huge_counts_choose_the_model_their_smaller_copy_chooses(method: str) -> None:
    small = estimate_population(ListCapture(("A", "B", "C"), BASE * 1000), method=method)
    huge = estimate_population(ListCapture(("A", "B", "C"), BASE * 10**9), method=method)
    assert small.terms == huge.terms == ("A:B", "A:C", "B:C")
    assert huge.estimate / 10**9 == pytest.approx(small.estimate / 1000, rel=1e-6)
    assert math.isfinite(huge.interval[1])


# ------------------------------------------------------------------------------------ frames as notebooks give them


def test_a_frame_of_floats_or_booleans_is_read_as_the_csv_loader_reads_1_0_and_true() -> None:
    ints = pl.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [10, 20, 5]})
    floats = pl.DataFrame({"A": [1.0, 0.0, 1.0], "B": [0.0, 1.0, 1.0], "count": [10.0, 20.0, 5.0]})
    booleans = pl.DataFrame({"A": [True, False, True], "B": [False, True, True], "count": [10, 20, 5]})
    expected = estimate_population(ints, method="main").estimate
    assert expected == pytest.approx(10 + 20 + 5 + 10 * 20 / 5)  # Lincoln–Petersen
    for frame in (floats, booleans):
        assert estimate_population(frame, method="main").estimate == pytest.approx(expected)


@pytest.mark.parametrize(
    ("column", "values", "shown"),
    [
        ("count", [10, None, 5], "row 2 of the frame holds None"),
        ("count", [10.5, 20.0, 5.0], "row 1 of the frame holds 10.5"),
        ("count", [10, -1, 5], "row 2 of the frame holds -1"),
        ("A", [1, None, 1], "row 2 of the frame holds None"),
        ("A", [1.0, float("nan"), 1.0], "row 2 of the frame holds nan"),
        ("A", [1, 2, 1], "row 2 of the frame holds 2"),
    ],
)
def test_a_missing_fractional_or_negative_value_in_a_frame_is_named(
    column: str, values: list, shown: str
) -> None:
    frame = pl.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [10, 20, 5]}).with_columns(
        pl.Series(column, values)
    )
    with pytest.raises(ParameterError, match=rf"column '{column}' is not .* \({shown}\)"):
        estimate_population(frame, method="main")


def test_from_frame_never_truncates_a_fraction_or_a_missing_count() -> None:
    for counts in ([10.5, 20.0, 5.0], [10, None, 5]):
        frame = pl.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": counts})
        with pytest.raises(InputError, match="whole numbers"):
            ListCapture.from_frame(frame)


def test_a_list_named_with_a_colon_is_refused_by_name() -> None:
    # "A:B" would make the interaction "A:B:C" ambiguous (a triple, or the pair of "A:B" and "C")
    frame = pl.DataFrame({"A:B": [1, 0, 1, 0], "C": [0, 1, 1, 1], "D": [1, 1, 0, 1], "count": [3, 4, 5, 6]})
    with pytest.raises(InputError, match="':'") as error:
        estimate_population(frame)
    assert error.value.column == "A:B"


@pytest.mark.parametrize("seed", [-1, 1.5, True, "7"])
def test_a_seed_that_is_no_whole_number_is_a_parameter_error(seed: object) -> None:
    capture = ListCapture(("A", "B", "C"), BASE)
    with pytest.raises(ParameterError, match="seed"):
        estimate_population(capture, bootstrap=20, seed=seed)  # type: ignore[arg-type]
