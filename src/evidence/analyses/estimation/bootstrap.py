"""BCa bootstrap intervals that repeat the whole model selection on every replicate.

Replicates resample the observed cases multinomially over the capture histories; the acceleration comes from
a jackknife that removes one case from each non-empty history, weighted by the history's count (Chan,
Silverman & Vincent 2021, section 3.3; DiCiccio & Efron 1996).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
from scipy.special import ndtr, ndtri  # the normal functions: scipy.stats takes seconds to import

from evidence.analyses.estimation.lists import ListCapture

#: Estimates a population from one vector of cell counts per row (replicates × cells); NaN where it fails.
Estimator = Callable[[np.ndarray], np.ndarray]


@dataclasses.dataclass(frozen=True, eq=False)
class BootstrapResult:
    interval: tuple[float, float]
    replicates: np.ndarray  # the finite replicate estimates
    failed: int  # replicates where no model could be fitted (left out of the interval)
    bias_correction: float  # z0
    acceleration: float  # a

    @property
    def requested(self) -> int:
        return len(self.replicates) + self.failed


def resample(capture: ListCapture, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """Multinomial resamples of the observed cases over the histories (replicates × cells)."""
    probabilities = capture.counts / capture.observed
    return rng.multinomial(capture.observed, probabilities, size=replicates)


def jackknife_counts(capture: ListCapture) -> tuple[np.ndarray, np.ndarray]:
    """Delete-one-case count vectors, one per non-empty history, and the weight (count) of each."""
    cells = np.flatnonzero(capture.counts)
    rows = np.repeat(capture.counts[None, :], len(cells), axis=0)
    rows[np.arange(len(cells)), cells] -= 1
    return rows, capture.counts[cells].astype(float)


def acceleration(jackknife_estimates: np.ndarray, weights: np.ndarray) -> float:
    """a = Σ w d³ / (6 (Σ w d²)^{3/2}), d the deviation of each delete-one estimate from their weighted mean."""
    mean = np.sum(weights * jackknife_estimates) / np.sum(weights)
    d = mean - jackknife_estimates
    denominator = np.sum(weights * d**2)
    if not np.isfinite(denominator) or denominator <= 0:
        return 0.0
    return float(np.sum(weights * d**3) / (6.0 * denominator**1.5))


def bca_interval(
    replicates: np.ndarray, point: float, accel: float, level: float = 0.95
) -> tuple[tuple[float, float], float]:
    """BCa limits at ``level`` from replicate estimates, and the bias correction z0 used.

    The share of replicates below the point estimate is kept within [1/(2B), 1 − 1/(2B)] so that z0 stays
    finite when every replicate falls on one side. Quantiles are R's type 8 (median-unbiased), as in SparseMSE.
    """
    B = len(replicates)
    share = np.clip(np.mean(replicates < point), 0.5 / B, 1 - 0.5 / B)
    z0 = float(ndtri(share))
    za = ndtri(np.array([(1 - level) / 2, (1 + level) / 2]))
    shifted = z0 + za
    probabilities = ndtr(z0 + shifted / (1 - accel * shifted))
    low, high = np.quantile(replicates, probabilities, method="median_unbiased")
    return (float(low), float(high)), z0


def bca_bootstrap(
    capture: ListCapture,
    estimator: Estimator,
    point: float,
    replicates: int,
    rng: np.random.Generator,
    level: float = 0.95,
) -> BootstrapResult:
    """Run ``estimator`` on ``replicates`` resamples and on the jackknife, and form the BCa interval."""
    estimates = estimator(resample(capture, replicates, rng))
    finite = estimates[np.isfinite(estimates)]
    if len(finite) < 2:
        raise ValueError("fewer than two bootstrap replicates gave an estimate")
    jack_rows, weights = jackknife_counts(capture)
    jack = estimator(jack_rows)
    ok = np.isfinite(jack)
    accel = acceleration(jack[ok], weights[ok]) if ok.any() else 0.0
    interval, z0 = bca_interval(finite, point, accel, level)
    return BootstrapResult(
        interval=interval,
        replicates=finite,
        failed=int(replicates - len(finite)),
        bias_correction=z0,
        acceleration=accel,
    )
