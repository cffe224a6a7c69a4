"""Log-linear fits in batches: a table's fit does not depend on the tables fitted beside it."""

from __future__ import annotations

import numpy as np

from evidence.analyses.estimation.loglinear import _solve


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
