"""Log-linear fits in batches: a table's fit does not depend on the tables fitted beside it."""

from __future__ import annotations

import tracemalloc

import numpy as np
import polars as pl
import pytest

from evidence.analyses.estimation.lists import ListCapture
from evidence.analyses.estimation.loglinear import _solve, check_existence, design_matrix, lp_optimum


def test_a_singular_system_takes_the_least_squares_step_alone() -> None:
    # one system singular (an MLE running off to infinity), one regular but ill-conditioned: the whole stack
    # used to take least-squares steps, which cut the regular one's small direction (its step lost 2e16)
    singular = np.array([[1.0, 1.0], [1.0, 1.0]])
    regular = np.array([[1.0, 0.0], [0.0, 1e-16]])
    score = np.array([[1.0, 2.0], [3.0, 2.0]])
    steps = _solve(np.stack([singular, regular]), score)
    assert np.array_equal(steps[1], np.linalg.solve(regular, score[1]))
    assert np.allclose(steps[0], np.linalg.pinv(singular) @ score[0])
    alone = _solve(regular[None], score[1:])
    assert np.array_equal(steps[1], alone[0])


def _lists(n_lists: int) -> ListCapture:
    """Every list meets every other: 10 people on each list alone, 2 on each pair."""
    rows = []
    for i in range(n_lists):
        rows.append([int(k == i) for k in range(n_lists)] + [10])
        rows += [[int(k in (i, j)) for k in range(n_lists)] + [2] for j in range(i + 1, n_lists)]
    names = [f"L{k}" for k in range(n_lists)]
    return ListCapture.from_frame(pl.DataFrame(rows, schema=[*names, "count"], orient="row"))


def test_the_existence_check_of_many_lists_keeps_its_constraints_sparse() -> None:
    # the linear programme held a dense identity of cells × cells: 12 lists took 268 MB, and 16 lists (allowed,
    # MAX_LISTS) asked numpy for 32 GiB and stopped `evidence estimate` with a traceback
    capture = _lists(12)
    tracemalloc.start()
    try:
        check = check_existence(capture)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert check.ok
    assert peak < 60e6, f"{peak / 1e6:.0f} MB"


def test_the_sparse_programme_gives_the_dense_ones_optimum() -> None:
    capture = _lists(4)
    X = design_matrix(4, capture.parse_terms(["L0:L1", "L2:L3"]))
    y = capture.counts.astype(float)
    optimum = lp_optimum(X, y)
    # the same programme, dense, by scipy directly
    from scipy.optimize import linprog

    m = X.shape[0]
    dense = linprog(
        np.r_[np.zeros(m), -1.0],
        A_ub=np.hstack([-np.eye(m), np.ones((m, 1))]),
        b_ub=np.zeros(m),
        A_eq=np.hstack([X.T, np.zeros((X.shape[1], 1))]),
        b_eq=X.T @ y,
        bounds=[(0, None)] * (m + 1),
        method="highs",
    )
    assert optimum > 0
    assert optimum == pytest.approx(-dense.fun, rel=1e-9)
