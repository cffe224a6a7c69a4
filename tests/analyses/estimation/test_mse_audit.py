"""Multiple systems estimation under a hostile audit: huge counts, list and row order, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evidence.analyses.estimation import ListCapture, estimate_population, fit_model

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
