"""Review of the BIC bootstrap's unfitted models (:func:`best_by_bic_estimates`) on data its proof on the UK
5-list file did not hold: structural zeros (interactions at −∞, cells left out), replicates whose MLE does not
exist, fits that do not converge, and models given in any order. The choice must be the one made by fitting
every model to every replicate."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from _bic_reference import every_model_fitted

from evidence.analyses.estimation import loglinear
from evidence.analyses.estimation.lists import ListCapture
from evidence.analyses.estimation.selection import FitLog, best_by_bic_estimates


def _case(seed: int) -> tuple[ListCapture, list, np.ndarray]:
    """Counts of 3 to 5 lists, from a fraction of a case to a million a cell, up to half the cells empty (pairs
    that never overlap: their interactions at −∞), some models of order 2 in a random order, 40 resamples."""
    rng = np.random.default_rng(seed)
    t = int(rng.choice([3, 4, 5]))
    counts = rng.poisson(rng.choice([0.5, 2.0, 10.0, 1e6]), 2**t - 1)
    counts[rng.random(2**t - 1) < rng.choice([0.0, 0.2, 0.5])] = 0
    counts[0] += 3 if counts.sum() == 0 else 0
    capture = ListCapture(tuple("ABCDE"[:t]), counts.astype(np.int64))
    pairs = list(combinations(range(t), 2))
    every = [tuple(c) for r in range(len(pairs) + 1) for c in combinations(pairs, r)]
    models = [every[i] for i in rng.permutation(len(every))[: int(rng.integers(2, 13))]]
    Y = rng.multinomial(int(counts.sum()), counts / counts.sum(), size=40).astype(float)
    return capture, models, Y


@pytest.mark.parametrize("seed", range(12))
def test_the_choice_is_that_of_fitting_every_model_on_sparse_and_degenerate_data(seed: int) -> None:
    capture, models, Y = _case(seed)
    expected = every_model_fitted(capture, models, Y, 2, FitLog())
    chosen = best_by_bic_estimates(capture, models, Y, 2)
    assert np.isnan(chosen).tolist() == np.isnan(expected).tolist()
    assert chosen == pytest.approx(expected, rel=1e-9, nan_ok=True)


@pytest.mark.parametrize("seed", [3, 15, 33])
def test_fits_that_do_not_converge_change_no_choice(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # four IRLS iterations: many fits (the model of every term, which bounds the others, among them) do not
    # converge; the bound then falls back on the saturated model's likelihood, and no model compared against is
    # one that is later rejected (only fits proved valid by themselves are)
    monkeypatch.setattr(loglinear, "MAX_ITERATIONS", 4)
    capture, models, Y = _case(seed)
    every, pruned = FitLog(), FitLog()
    expected = every_model_fitted(capture, models, Y, 2, every)
    chosen = best_by_bic_estimates(capture, models, Y, 2, pruned)
    assert every.rejected_unconverged > 0
    assert np.isnan(chosen).tolist() == np.isnan(expected).tolist()
    assert chosen == pytest.approx(expected, rel=1e-9, nan_ok=True)
    # fits not made are not counted among those that did not converge (docs/methods.md): never more
    assert pruned.rejected_unconverged <= every.rejected_unconverged
