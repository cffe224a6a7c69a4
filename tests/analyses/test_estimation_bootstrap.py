"""BCa limits: constructed replicates with an empty list, with no overlap, with fits that do not converge;
the quantiles, the Monte Carlo spread and ``bootstrap_replicates="auto"`` (docs/methods.md, "BCa limits")."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence.analyses.estimation import ListCapture, estimate_population, loglinear, read_list_capture
from evidence.analyses.estimation import bootstrap as bootstrap_module
from evidence.analyses.estimation.bootstrap import (
    bca_bootstrap,
    quantile_type8,
    with_empty_list,
    without_overlap,
)
from evidence.analyses.estimation.loglinear import fit_model
from evidence.analyses.estimation.selection import (
    FitLog,
    _fit_checked,
    best_by_bic_estimates,
    bic_search,
    downhill,
    downhill_estimates,
    model_is_valid,
    stepwise,
    stepwise_estimates,
)

NEW_ORLEANS_8 = "new_orleans_8list/NewOrl_185cases_SparseMSE.csv"
KOSOVO = "kosovo_1999_4list/Kosovo.csv"
WESTERN = "western_us_5list/Western.csv"


@pytest.fixture(scope="module")
def mse(shared_data: Path) -> Path:
    return shared_data / "mse"


def emptied(capture: ListCapture, name: str) -> np.ndarray:
    """A replicate of ``capture`` in which list ``name`` has no case (its cases simply left out)."""
    column = capture.lists.index(name)
    return np.where(capture.histories[:, column] == 1, 0, capture.counts)


def without_list(capture: ListCapture, counts: np.ndarray, name: str) -> ListCapture:
    """The same counts as data on the other lists (what the toolkit asks a user to do with an empty list)."""
    keep = [i for i, n in enumerate(capture.lists) if n != name]
    h = capture.histories
    rows = h[:, capture.lists.index(name)] == 0
    codes = h[rows][:, keep] @ (1 << np.arange(len(keep)))
    reduced = np.bincount(codes, weights=counts[rows], minlength=2 ** len(keep))[1:]
    return ListCapture(lists=tuple(capture.lists[i] for i in keep), counts=reduced.astype(int))


# ------------------------------------------------------------------------------------- a list with no case


def test_a_replicate_with_an_empty_list_is_analysed_without_that_list(mse: Path) -> None:
    """New Orleans 8-list: lists B, F and G have 6-8 cases and are empty in some resamples. The replicate's
    estimate is the method's estimate on the other lists (SparseMSE instead stays at main effects)."""
    capture = read_list_capture(mse / NEW_ORLEANS_8)
    for name in ("B", "F", "G"):
        y = emptied(capture, name)
        assert with_empty_list(capture, y[None, :]).tolist() == [True]
        reduced = without_list(capture, y, name)
        stepped = stepwise_estimates(capture, y[None, :], 0.02)[0]
        assert stepped == pytest.approx(stepwise(reduced, 0.02).fit.estimate, rel=1e-7)
        walked = downhill_estimates(capture, y[None, :], 2)[0]
        assert walked == pytest.approx(downhill(reduced, 2).fit.estimate, rel=1e-7)


def test_bic_on_a_replicate_with_an_empty_list_is_bic_without_that_list(mse: Path) -> None:
    capture = read_list_capture(mse / KOSOVO)
    y = emptied(capture, "HRW")
    every_model = [terms for terms, _ in bic_search(capture, 2).ranking]
    assert len(every_model) == 64  # all valid on the original data
    best = best_by_bic_estimates(capture, every_model, y[None, :], 2)[0]
    assert best == pytest.approx(bic_search(without_list(capture, y, "HRW"), 2).fit.estimate, rel=1e-7)


# ------------------------------------------------------------------------------------- no overlap at all


def test_replicates_with_no_overlap_are_unbounded_and_stay_in_the_interval() -> None:
    """Two lists sharing one case in 41: about a third of resamples share none, so the upper limit is +∞."""
    capture = ListCapture(lists=("A", "B"), counts=np.array([20, 20, 1]))
    rows = np.array([[21, 20, 0], [20, 20, 1]])
    assert without_overlap(capture, rows).tolist() == [True, False]
    result = estimate_population(capture, method="main", bootstrap_replicates=400, seed=3)
    assert 0.2 < result.bootstrap_unbounded / result.bootstrap_replicates < 0.5
    assert result.bootstrap_failed == 0  # kept, not dropped
    assert math.isinf(result.interval[1]) and result.unbounded_above
    assert result.observed < result.interval[0] < result.estimate
    assert result.to_dict()["interval"][1] == math.inf  # the CLI writes it as null


# ------------------------------------------------------------------------------------- convergence


def test_a_warm_start_that_does_not_converge_is_refitted_cold(mse: Path) -> None:
    capture = read_list_capture(mse / WESTERN)
    Y = capture.counts[None, :].astype(float)
    terms = ((0, 4),)
    log = FitLog()
    # fitted values far too large: IRLS lowers their logs by about one per step and cannot arrive in 25
    batch, valid = _fit_checked(capture, terms, Y, np.array([0]), np.full((1, 31), 1e200), log)
    assert log.cold_refits == 1 and log.rejected_unconverged == 0
    assert batch.converged[0] and valid[0]
    assert batch.intercept[0] == pytest.approx(fit_model(capture, terms).intercept, rel=1e-10)


def test_a_fit_that_does_not_converge_is_never_accepted(mse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    capture = read_list_capture(mse / WESTERN)
    monkeypatch.setattr(loglinear, "MAX_ITERATIONS", 1)
    assert not fit_model(capture).converged
    assert not model_is_valid(capture, fit_model(capture))
    log = FitLog()
    estimates = stepwise_estimates(capture, np.tile(capture.counts, (3, 1)), 0.02, 2, log)
    assert np.isnan(estimates).all() and log.rejected_unconverged == 3


# ------------------------------------------------------------------------------------- quantiles and limits


@given(
    values=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=2, max_size=60),
    p=st.floats(0.001, 0.999),
)
def test_type8_quantiles_are_numpys_median_unbiased(values: list[float], p: float) -> None:
    ours = quantile_type8(np.array(values), np.array([p]))[0]
    assert ours == pytest.approx(np.quantile(values, p, method="median_unbiased"), rel=1e-9, abs=1e-9)


def test_type8_quantiles_reach_infinity_only_through_infinite_replicates() -> None:
    values = np.array([1.0, 2.0, 3.0, np.inf, np.inf])
    low, mid, high = quantile_type8(values, np.array([0.1, 0.5, 0.9]))
    assert np.isfinite(low) and mid == 3.0 and math.isinf(high)


def test_monte_carlo_spread_is_reported(mse: Path) -> None:
    result = estimate_population(read_list_capture(mse / WESTERN), bootstrap_replicates=200, seed=4)
    low_se, high_se = result.monte_carlo_se
    assert 0 < low_se < result.estimate and 0 < high_se < result.estimate
    low_p, high_p = result.limit_quantiles
    assert 0 < low_p < 0.5 < high_p < 1


def test_auto_adds_independent_runs_until_the_median_limits_settle(
    mse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bootstrap_module, "AUTO_STEP", 100)
    capture = read_list_capture(mse / WESTERN)
    result = estimate_population(capture, method="main", bootstrap_replicates="auto", seed=9)
    runs = result.bootstrap_rounds
    k = len(runs)
    assert bootstrap_module.AUTO_MIN_RUNS <= k <= bootstrap_module.AUTO_MAX_RUNS
    assert result.bootstrap_runs == k and result.runs_requested == "auto"
    assert result.bootstrap_replicates == runs[-1][0] == 100 * k
    lows, highs = np.array([r[1] for r in runs]), np.array([r[2] for r in runs])
    assert result.interval == (np.median(lows), np.median(highs))
    assert result.monte_carlo_range == ((lows.min(), lows.max()), (highs.min(), highs.max()))
    if k < bootstrap_module.AUTO_MAX_RUNS:  # stopped because both medians are known to 2.5%
        for values, se in zip((lows, highs), result.monte_carlo_se, strict=True):
            assert se == pytest.approx(math.sqrt(math.pi / 2) * np.std(values, ddof=1) / math.sqrt(k))
            assert se <= bootstrap_module.AUTO_TOLERANCE * np.median(values)
    again = estimate_population(capture, method="main", bootstrap_replicates="auto", seed=9)
    assert again.interval == result.interval  # reproducible with its seed


def test_the_first_of_several_runs_is_the_single_run_of_the_same_seed(mse: Path) -> None:
    capture = read_list_capture(mse / WESTERN)
    single = estimate_population(capture, bootstrap_replicates=50, seed=3)
    several = estimate_population(capture, bootstrap_replicates=50, seed=3, bootstrap_runs=3)
    assert several.bootstrap_rounds[0][1:] == single.interval
    assert several.bootstrap_runs == 3 and several.bootstrap_replicates == 150
    low, high = several.interval
    assert sorted(r[1] for r in several.bootstrap_rounds)[1] == low
    assert sorted(r[2] for r in several.bootstrap_rounds)[1] == high
    assert single.monte_carlo_range is None and several.monte_carlo_range is not None


@given(st.lists(st.tuples(st.floats(1, 1e6), st.floats(1, 1e6)).map(sorted), min_size=2, max_size=25))
def test_the_median_of_runs_lies_within_their_monte_carlo_range(limits: list[list[float]]) -> None:
    table = np.array(limits)
    for column in table.T:
        median = float(np.median(column))
        assert column.min() <= median <= column.max()
        se = bootstrap_module._median_se(column)
        assert se >= 0 and (se > 0 or np.ptp(column) == 0)


def test_too_few_estimates_is_an_error() -> None:
    capture = ListCapture(lists=("A", "B"), counts=np.array([20, 20, 10]))
    with pytest.raises(ValueError, match="fewer than two"):
        bca_bootstrap(capture, lambda Y: np.full(len(Y), np.nan), 100.0, 30, np.random.default_rng(1))


@given(
    st.lists(st.floats(100, 1000), min_size=2, max_size=60),
    st.integers(0, 20),
    st.floats(150, 900),
    st.floats(-0.2, 0.2),
)
def test_the_bias_correction_does_not_depend_on_the_last_bits_of_a_tie(values, ties, point, accel) -> None:
    """Replicates that give the point estimate (Korea: 18 of 2,000) are computed a few units of the last bit
    either side of it; ``replicates < point`` counted 12 of Korea's 18 below. Ties now count half wherever their
    last bits fall."""
    from evidence.analyses.estimation.bootstrap import bca_limits

    replicates = np.array([*values, *([point] * ties)])
    nudged = replicates.copy()
    nudged[len(values) :] = [np.nextafter(point, (-1) ** k * np.inf) for k in range(ties)]
    assert bca_limits(replicates, point, accel)[1] == bca_limits(nudged, point, accel)[1]
    lowered = replicates.copy()
    lowered[len(values) :] = np.nextafter(point, -np.inf)
    assert bca_limits(lowered, point, accel)[1] == bca_limits(replicates, point, accel)[1]


def test_korea_replicates_that_tie_with_the_point_estimate_count_half(shared_data: Path) -> None:
    from evidence.analyses.estimation.bootstrap import resample, share_below
    from evidence.analyses.estimation.estimate import _estimator, select_model

    capture = read_list_capture(shared_data / "mse" / "korea_palembang_3list" / "Korea.csv")
    point = estimate_population(capture).estimate
    values = _estimator(capture, select_model(capture), 0.02, FitLog())(
        resample(capture, 2000, np.random.default_rng(5))
    )
    tied = np.abs(values - point) <= 1e-9 * point
    assert tied.sum() >= 10  # the premise: many replicates give the point estimate
    strictly = int((values < point - 1e-9 * point).sum())
    assert share_below(values, point) * len(values) == pytest.approx(strictly + 0.5 * int(tied.sum()))
