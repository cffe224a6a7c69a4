"""BCa bootstrap intervals that repeat the whole model selection on every replicate.

Replicates resample the observed cases multinomially over the capture histories; the acceleration comes from
a jackknife that removes one case from each non-empty history, weighted by the history's count (Chan,
Silverman & Vincent 2021, section 3.3; DiCiccio & Efron 1996).

Replicates the data could have been but that the model cannot handle as they stand (docs/methods.md says why):

* a list with no case in the replicate: the list's main effect is at −∞ and every cell holding the list is
  left out, which is the same as dropping the list — what the toolkit asks of input data with an empty list —
  and the selection runs on the other lists; such replicates are counted (``empty_list``);
* no overlap at all (every case on exactly one list): the data bound the number on no list from below only (as
  Lincoln–Petersen with no recapture), so the replicate's estimate is +∞; it stays among the replicates, in the
  upper tail, and the upper limit is unbounded when more than the tail's share of replicates are so
  (``unbounded``);
* any other replicate with no valid model is left out and counted (``failed``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
from scipy.special import ndtr, ndtri  # the normal functions: scipy.stats takes seconds to import

from evidence.analyses.estimation.lists import ListCapture
from evidence.analyses.estimation.selection import FitLog

#: Estimates a population from one vector of cell counts per row (replicates × cells); NaN where it fails.
Estimator = Callable[[np.ndarray], np.ndarray]

#: Independent runs (``runs="auto"``, ``bootstrap="auto"``): each draws :data:`AUTO_STEP` replicates — the
#: 1,000 of the published intervals — and forms its own BCa interval; the interval is the median of the runs'
#: limits. Runs are added, at least :data:`AUTO_MIN_RUNS` and at most :data:`AUTO_MAX_RUNS`, until the Monte
#: Carlo standard error of each median limit is at most :data:`AUTO_TOLERANCE` of it.
AUTO_STEP = 1000
AUTO_MIN_RUNS = 5
AUTO_MAX_RUNS = 20
AUTO_TOLERANCE = 0.025
AUTO_MAX = AUTO_STEP * AUTO_MAX_RUNS
#: Resamples of the replicate estimates used to measure the Monte Carlo spread of a single run's limits.
_SPREAD_RESAMPLES = 200
#: Standard error of a sample median over that of a mean, for a normal population: √(π/2).
_MEDIAN_SE_FACTOR = math.sqrt(math.pi / 2)


@dataclasses.dataclass(frozen=True, eq=False)
class BootstrapResult:
    interval: tuple[float, float]  # the upper limit is inf when too many replicates are unbounded
    replicates: np.ndarray  # the replicate estimates used (inf where unbounded); failed ones left out
    failed: int  # replicates with no valid model, left out of the interval
    unbounded: int  # replicates with no overlap between any lists: estimate +∞
    empty_list: int  # replicates in which a list has no case (analysed without that list)
    bias_correction: float  # z0
    acceleration: float  # a
    limit_quantiles: tuple[float, float]  # the BCa-adjusted probabilities at which the limits are read
    monte_carlo_se: tuple[float, float]  # standard error of each limit from resampling the replicates
    fits: FitLog
    #: with more than one run: (replicates drawn so far, low, high) of each independent run
    rounds: tuple[tuple[int, float, float], ...] = ()
    #: with more than one run: (lowest, highest) of the runs' lower limits, and of their upper limits
    monte_carlo_range: tuple[tuple[float, float], tuple[float, float]] | None = None
    #: replicates of one run expected beyond each limit (replicates × adjusted tail probability): below 1 the
    #: limit is the run's most extreme replicate, and another seed moves it a lot
    beyond: tuple[float, float] = (math.nan, math.nan)

    @property
    def drawn(self) -> int:
        """Replicates drawn (used and failed)."""
        return len(self.replicates) + self.failed


def resample(capture: ListCapture, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """Multinomial resamples of the observed cases over the histories (replicates × cells).

    The draw is made over the histories in the order of the lists sorted by name, then put back in the data's
    order: the same data with the lists in another order (the columns of a file swapped) give the same
    replicates with the same seed, so the same interval. Lists already in that order are drawn as they stand.
    """
    order = name_order(capture)
    probabilities = capture.counts[order] / capture.observed
    drawn = rng.multinomial(capture.observed, probabilities, size=replicates)
    Y = np.empty_like(drawn)
    Y[:, order] = drawn
    return Y


def name_order(capture: ListCapture) -> np.ndarray:
    """The cells (indices into ``capture.counts``) in the order they would have with the lists sorted by name."""
    by_name = sorted(range(capture.n_lists), key=lambda i: capture.lists[i])
    # cell k − 1 holds history k, list i being bit i; the same history with the lists sorted has list
    # by_name[j] as bit j
    codes = capture.histories[:, by_name] @ (1 << np.arange(capture.n_lists))
    return np.argsort(codes)


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


def without_overlap(capture: ListCapture, Y: np.ndarray) -> np.ndarray:
    """Rows of ``Y`` in which no case is on two or more lists."""
    shared = capture.histories.sum(axis=1) >= 2
    return np.asarray(Y)[:, shared].sum(axis=1) == 0


def with_empty_list(capture: ListCapture, Y: np.ndarray) -> np.ndarray:
    """Rows of ``Y`` in which some list has no case."""
    return (np.asarray(Y) @ capture.histories == 0).any(axis=1)


def quantile_type8(values: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """R's type-8 (median-unbiased) quantiles, as in SparseMSE, for values that may include +∞.

    Interpolating between a finite value and +∞ gives +∞ (numpy's interpolation would give NaN at weight 0).
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    h = (n + 1.0 / 3.0) * np.asarray(probabilities, dtype=float) + 1.0 / 3.0
    lower = np.clip(np.floor(h).astype(int), 1, n)
    upper = np.clip(lower + 1, 1, n)
    weight = np.clip(h - np.floor(h), 0.0, 1.0)
    weight = np.where(h < 1, 0.0, np.where(h >= n, 0.0, weight))
    a, b = x[lower - 1], x[upper - 1]
    with np.errstate(invalid="ignore"):
        between = a + weight * (b - a)
    return np.where(weight == 0, a, np.where(np.isinf(b), np.inf, between))


#: A replicate estimate this close to the point estimate (relative) ties with it: the fits' errors are below 1e-12
#: relative, and a tie decided by them made the bias correction depend on the machine.
TIE_TOLERANCE = 1e-9


def share_below(replicates: np.ndarray, point: float) -> float:
    """The share of replicate estimates below the point estimate, a tie counting half (mid-rank, as
    ``scipy.stats.bootstrap``'s BCa does). A replicate of another table often gives the point estimate exactly
    (the chosen model's estimate depends on a few sums of cells: 18 of 2,000 of Korea's replicates), and a fit
    computes it a few units of the last bit either side: ``replicates < point`` counted 12 of those 18 below on
    one machine, and could count none or all on another. Within :data:`TIE_TOLERANCE` of the point, a tie."""
    values = np.asarray(replicates, dtype=float)
    tolerance = TIE_TOLERANCE * max(1.0, abs(point))
    below = values < point - tolerance
    tied = np.abs(values - point) <= tolerance
    return float((below.sum() + 0.5 * tied.sum()) / len(values))


def bca_limits(
    replicates: np.ndarray, point: float, accel: float, level: float = 0.95
) -> tuple[tuple[float, float], float, tuple[float, float]]:
    """BCa limits at ``level`` from replicate estimates, the bias correction z0 and the adjusted probabilities.

    The share of replicates below the point estimate (ties half, :func:`share_below`) is kept within
    [1/(2B), 1 − 1/(2B)] so that z0 stays
    finite when every replicate falls on one side. Quantiles are R's type 8 (median-unbiased), as in SparseMSE.
    """
    B = len(replicates)
    share = np.clip(share_below(replicates, point), 0.5 / B, 1 - 0.5 / B)
    z0 = float(ndtri(share))
    za = ndtri(np.array([(1 - level) / 2, (1 + level) / 2]))
    shifted = z0 + za
    probabilities = ndtr(z0 + shifted / (1 - accel * shifted))
    low, high = quantile_type8(replicates, probabilities)
    return (float(low), float(high)), z0, (float(probabilities[0]), float(probabilities[1]))


def bca_interval(
    replicates: np.ndarray, point: float, accel: float, level: float = 0.95
) -> tuple[tuple[float, float], float]:
    """BCa limits at ``level`` and the bias correction z0 used (see :func:`bca_limits`)."""
    limits, z0, _ = bca_limits(replicates, point, accel, level)
    return limits, z0


def limits_spread(
    replicates: np.ndarray, point: float, accel: float, level: float, rng: np.random.Generator
) -> tuple[float, float]:
    """Monte Carlo standard error of each BCa limit: the spread of the limits over resamples of the replicate
    estimates (what another seed would likely give). +∞ limits have spread 0 when every resample agrees."""
    B = len(replicates)
    draws = rng.integers(0, B, size=(_SPREAD_RESAMPLES, B))
    limits = np.array([bca_limits(replicates[row], point, accel, level)[0] for row in draws])
    spread = []
    for column in limits.T:
        finite = column[np.isfinite(column)]
        spread.append(
            float(np.std(finite, ddof=1)) if len(finite) == len(column) and len(finite) > 1 else math.nan
        )
    return spread[0], spread[1]


def bca_bootstrap(
    capture: ListCapture,
    estimator: Estimator,
    point: float,
    replicates: int | str,
    rng: np.random.Generator,
    level: float = 0.95,
    fits: FitLog | None = None,
    runs: int | str = 1,
) -> BootstrapResult:
    """Run ``estimator`` on resamples and on the jackknife, and form the BCa interval.

    ``runs`` independent bootstraps of ``replicates`` replicates each (the jackknife acceleration is the same
    for all) each give BCa limits; the interval is their median, and its Monte Carlo error is measured from
    their spread. One run is the published procedure as it stands (SparseMSE's ``estimatepopulation``).
    ``runs="auto"`` adds runs until the standard error of each median limit is at most :data:`AUTO_TOLERANCE`
    of it (at least :data:`AUTO_MIN_RUNS`, at most :data:`AUTO_MAX_RUNS`); ``replicates="auto"`` means
    :data:`AUTO_STEP` replicates per run and ``runs="auto"``. ``fits`` collects the estimator's cold refits and
    rejected fits.
    """
    fits = fits if fits is not None else FitLog()
    if replicates == "auto":
        replicates, runs = AUTO_STEP, "auto"
    automatic = runs == "auto"
    wanted = AUTO_MAX_RUNS if automatic else int(runs)
    step = int(replicates)
    jack_rows, weights = jackknife_counts(capture)
    jack = estimator(jack_rows)
    ok = np.isfinite(jack)
    accel = acceleration(jack[ok], weights[ok]) if ok.any() else 0.0

    pooled: list[np.ndarray] = []
    failed = unbounded = empty = 0
    limits: list[tuple[float, float]] = []
    z0s: list[float] = []
    probabilities: list[tuple[float, float]] = []
    while True:
        Y = resample(capture, step, rng)
        values = np.asarray(estimator(Y), dtype=float)
        no_overlap = without_overlap(capture, Y)
        values = np.where(no_overlap, np.inf, values)
        unbounded += int(no_overlap.sum())
        empty += int(with_empty_list(capture, Y).sum())
        failed += int(np.isnan(values).sum())
        estimates = values[~np.isnan(values)]
        if len(estimates) < 2:
            raise ValueError("fewer than two bootstrap replicates gave an estimate")
        pooled.append(estimates)
        interval, z0, adjusted = bca_limits(estimates, point, accel, level)
        limits.append(interval)
        z0s.append(z0)
        probabilities.append(adjusted)
        if len(limits) >= wanted:
            break
        if automatic and len(limits) >= AUTO_MIN_RUNS and all(_settled(c) for c in np.array(limits).T):
            break
    table = np.array(limits)
    tails = np.array([(p_low, 1.0 - p_high) for p_low, p_high in probabilities])
    if len(limits) == 1:
        spread = limits_spread(pooled[0], point, accel, level, rng)
        monte_carlo_range = None
    else:
        spread = (_median_se(table[:, 0]), _median_se(table[:, 1]))
        monte_carlo_range = (
            (float(table[:, 0].min()), float(table[:, 0].max())),
            (float(table[:, 1].min()), float(table[:, 1].max())),
        )
    return BootstrapResult(
        interval=(float(np.median(table[:, 0])), float(np.median(table[:, 1]))),
        replicates=np.concatenate(pooled),
        failed=failed,
        unbounded=unbounded,
        empty_list=empty,
        bias_correction=float(np.median(z0s)),
        acceleration=accel,
        limit_quantiles=(float(np.median(tails[:, 0])), float(1.0 - np.median(tails[:, 1]))),
        monte_carlo_se=spread,
        fits=fits,
        rounds=tuple((step * (k + 1), float(low), float(high)) for k, (low, high) in enumerate(limits))
        if len(limits) > 1
        else (),
        monte_carlo_range=monte_carlo_range,
        beyond=(step * float(np.median(tails[:, 0])), step * float(np.median(tails[:, 1]))),
    )


def _median_se(limits: np.ndarray) -> float:
    """Standard error of the median of independent runs' limits (√(π/2)·sd/√k); NaN when some are unbounded."""
    if len(limits) < 2 or not np.isfinite(limits).all():
        return math.nan
    return float(_MEDIAN_SE_FACTOR * np.std(limits, ddof=1) / math.sqrt(len(limits)))


def _settled(limits: np.ndarray) -> bool:
    """Whether the median of these runs' limits is known well enough: its standard error at most
    :data:`AUTO_TOLERANCE` of it, or every run unbounded."""
    if np.isinf(limits).all():
        return True
    se = _median_se(limits)
    return math.isfinite(se) and se <= AUTO_TOLERANCE * abs(float(np.median(limits)))
