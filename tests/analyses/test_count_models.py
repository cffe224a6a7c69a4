"""Count models: the existence of a finite trend, overflow-safe coefficients, captured warnings."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.analyses.count_models import CountFit, finite_trend_exists


@pytest.mark.parametrize(
    ("counts", "exists"),
    [
        ([0, 0, 0], False),  # no victims
        ([5, 0, 0, 0], False),  # all in the first year
        ([0, 0, 0, 9], False),  # all in the last year
        ([0, 9, 0, 0], True),  # one year inside the series: the likelihood peaks
        ([0, 0, 3, 4], True),  # two years with victims
    ],
)
def test_finite_trend_exists_by_hand(counts, exists):
    assert finite_trend_exists(np.arange(2010, 2010 + len(counts)), np.array(counts)) is exists


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.PerfectSeparationWarning")
@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=50), min_size=3, max_size=10))
def test_the_poisson_fit_stays_bounded_exactly_when_a_finite_trend_exists(counts):
    import statsmodels.api as sm

    y = np.array(counts, dtype=float)
    t = np.arange(len(y)) - (len(y) - 1) / 2
    if not y.sum():
        return
    fit = sm.GLM(y, np.column_stack([np.ones_like(t), t]), family=sm.families.Poisson()).fit()
    # without a finite estimate IRLS stops at a large slope with a huge standard error
    assert finite_trend_exists(t, y) == (abs(fit.params[1]) < 10 and fit.bse[1] < 100)


def test_coefficients_beyond_the_float_range_are_infinite_not_an_overflow():
    fit = CountFit("poisson", np.array([800.0]), np.array([[4.0]]), 0.0, 0.0, float("nan"), None, 1, True)
    estimate, low, high, p = fit.coefficient(np.array([1.0]))
    assert estimate == high == math.inf and low == math.inf and p == 0.0
    assert fit.coefficient(np.array([-1.0]))[:3] == (0.0, 0.0, 0.0)


def test_warnings_of_a_fit_are_captured_for_the_result_not_printed():
    import warnings

    from evidence.analyses.count_models import captured_warnings

    with warnings.catch_warnings(record=True) as printed:
        warnings.simplefilter("always")
        with captured_warnings() as caught:
            warnings.warn("the fit did not converge", UserWarning, stacklevel=1)
            warnings.warn("the fit did not converge", UserWarning, stacklevel=1)
            warnings.warn("old API", DeprecationWarning, stacklevel=1)
    assert caught == ["the fit did not converge"]  # once, for the reader of the result
    assert [str(w.message) for w in printed] == ["old API"]  # developers' warnings pass on


@settings(max_examples=30, deadline=None)
@given(counts=st.lists(st.integers(0, 400), min_size=6, max_size=14))
def test_a_poisson_fit_given_is_the_one_fit_counts_would_make(counts):
    from evidence.analyses.count_models import EstimationError, fit_counts

    y = np.array(counts, dtype=float)
    t = np.arange(len(y)) - (len(y) - 1) / 2
    X = np.column_stack([np.ones_like(t), t])
    try:
        poisson = fit_counts(y, X, family="poisson")
    except EstimationError:
        return
    for family in ("auto", "poisson", "negative_binomial"):
        again, reused = fit_counts(y, X, family=family), fit_counts(y, X, family=family, poisson=poisson)
        assert (again.model, again.llf, again.aic, again.alpha, again.warnings) == (
            reused.model,
            reused.llf,
            reused.aic,
            reused.alpha,
            reused.warnings,
        )
        assert np.array_equal(again.params, reused.params) and np.array_equal(again.cov, reused.cov)


def test_the_same_counts_and_design_are_fitted_once(monkeypatch):
    """A brief models the series of all victims once per breakdown it shows, and searches each for a break
    year by year: the same counts, design and family are fitted once (half of a brief's fits were repeats),
    the fit given again being the first (the same numbers); other counts, another design or family are fitted."""
    from evidence.analyses import count_models

    monkeypatch.setattr(count_models, "_FITS", {}, raising=False)
    fitted: list[int] = []
    poisson = count_models._fit_poisson
    monkeypatch.setattr(count_models, "_fit_poisson", lambda y, X: fitted.append(1) or poisson(y, X))
    t = np.arange(8.0)
    y = np.array([12.0, 15, 14, 20, 26, 25, 31, 40])
    X = np.column_stack([np.ones_like(t), t - t.mean()])
    first = count_models.fit_counts(y, X)
    again = count_models.fit_counts(y.copy(), X.copy())
    assert again is first and len(fitted) == 1
    count_models.fit_counts(y + 1, X)
    count_models.fit_counts(y, X, family="poisson")
    count_models.fit_counts(y, np.column_stack([X, t**2]))
    assert len(fitted) == 4
    monkeypatch.setattr(count_models, "_FITS", {}, raising=False)  # nothing kept: fitted afresh, the same
    fresh = count_models.fit_counts(y, X)
    assert fresh is not first and len(fitted) == 5
    assert np.array_equal(fresh.params, first.params) and np.array_equal(fresh.cov, first.cov)


def _blas_threads() -> set[int]:
    from threadpoolctl import threadpool_info

    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


def test_one_blas_thread_holds_until_the_last_block_is_left_whatever_the_order():
    # a block left while another thread's block still fits must not restore the limits under it (each block
    # restoring what it saw at entry gave the other one two threads again); nested blocks are one block.
    # The main thread sets the limits here: OpenBLAS takes a limit set in another thread only as long as the
    # main thread has set none.
    import threading

    from threadpoolctl import threadpool_limits

    from evidence.analyses.count_models import one_blas_thread

    entered, main_left, seen = threading.Event(), threading.Event(), []

    def second() -> None:
        with one_blas_thread():
            entered.set()
            main_left.wait(5)
            seen.append(_blas_threads())  # the main thread's block is gone; this one still holds

    with threadpool_limits(limits=2, user_api="blas"):
        with one_blas_thread():
            with one_blas_thread():
                pass
            seen.append(_blas_threads())  # a nested block left: still one thread
            worker = threading.Thread(target=second)
            worker.start()
            entered.wait(5)
        main_left.set()
        worker.join(5)
    assert seen == [{1}, {1}]
