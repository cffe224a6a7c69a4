"""A fit whose Newton systems run off to non-finite numbers is reported not converged, never raised."""

from __future__ import annotations

import itertools
import warnings

import numpy as np

from evidence.analyses.estimation.demo import simulate_list_capture
from evidence.analyses.estimation.loglinear import _solve, cached_design, fit_batch
from evidence.analyses.estimation.selection import downhill

#: six simulated lists (400 people, seed 11): the table of the downhill search of order 3 from the full model
_PROBABILITIES = {"a": 0.05, "b": 0.1, "c": 0.03, "d": 0.2, "e": 0.04, "f": 0.06}
#: a model of that walk whose MLE does not exist: IRLS's systems grow ill-conditioned (condition 1e18), one step
#: of 6e10 sends the fitted values to exp(700), the next systems overflow, and numpy's SVD used to fail
_RUNAWAY_TERMS = (
    *itertools.combinations(range(6), 2),
    *[t for t in itertools.combinations(range(6), 3) if t <= (1, 3, 5) and t != (0, 1, 2)],
)


def _capture():
    return simulate_list_capture(400, _PROBABILITIES, seed=11)


def test_a_fit_running_off_to_infinity_is_not_converged() -> None:
    capture = _capture()
    X = cached_design(capture.n_lists, _RUNAWAY_TERMS)
    assert X.shape == (63, 36)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning reaches the user either
        batch = fit_batch(X, capture.counts[None, :].astype(float))
    assert not batch.converged[0]
    assert not batch.certainly_exists()[0]


def test_a_runaway_row_leaves_the_rows_beside_it_as_they_are() -> None:
    capture = _capture()
    X = cached_design(capture.n_lists, _RUNAWAY_TERMS)
    y = capture.counts.astype(float)
    smooth = y + 5.0  # every cell with cases: an ordinary fit
    # (beside an ordinary table, not alone: a batch of one is multiplied by other BLAS kernels)
    beside_ordinary = fit_batch(X, np.stack([y + 3.0, smooth]))
    beside_runaway = fit_batch(X, np.stack([y, smooth]))
    assert beside_ordinary.converged.tolist() == [True, True]
    assert beside_runaway.converged.tolist() == [False, True]
    assert np.array_equal(beside_runaway.intercept[1], beside_ordinary.intercept[1])
    assert np.array_equal(beside_runaway.fitted[1], beside_ordinary.fitted[1])


def test_a_system_that_cannot_be_solved_gives_no_step() -> None:
    singular = np.array([[1.0, 1.0], [1.0, 1.0]])
    broken = np.array([[0.0, 0.0], [0.0, np.nan]])  # singular to solve, and its SVD fails
    steps = _solve(np.stack([singular, broken]), np.array([[1.0, 2.0], [1.0, 1.0]]))
    assert np.allclose(steps[0], np.linalg.pinv(singular) @ [1.0, 2.0])
    assert np.isnan(steps[1]).all()


def test_the_downhill_search_of_order_3_from_the_full_model_runs() -> None:
    # the walk from the full model meets the runaway model (on the data, and on bootstrap replicates alike)
    selection = downhill(_capture(), max_order=3, start="full")
    assert selection.fit.converged and selection.fit.identifiable
    assert all(terms != _RUNAWAY_TERMS for terms, _ in selection.ranking)
