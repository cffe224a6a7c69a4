"""Benchmark: stepwise selection + 1,000-replicate BCa bootstrap on the 8-list New Orleans data.

Prints the wall time and two ratios against references measured in the same run, so that the numbers mean the
same on a fast laptop and on a busy CI machine:

* against one statsmodels GLM fit of the selected model, times the number of model fits the bootstrap
  performs (what a straightforward implementation refitting every model with statsmodels would cost);
* against the same bootstrap done replicate by replicate with this package's own single fits.

Run: ``uv run python benchmarks/bench_mse.py [path/to/NewOrl_185cases_SparseMSE.csv]``. No assertions.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "data" / "mse" / "new_orleans_8list" / "NewOrl_185cases_SparseMSE.csv"
REPLICATES = 1000
SEED = 1234


def main() -> None:
    import statsmodels.api as sm
    from threadpoolctl import threadpool_limits

    from evidence.analyses.estimation import estimate_population, read_list_capture, selection
    from evidence.analyses.estimation.bootstrap import resample
    from evidence.analyses.estimation.loglinear import design_matrix

    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    capture = read_list_capture(path)

    # count the fits the bootstrap performs (batched fits count one per replicate row)
    fits = 0
    original = selection.fit_batch

    def counting(X, Y, *args, **kwargs):
        nonlocal fits
        fits += len(np.atleast_2d(Y))
        return original(X, Y, *args, **kwargs)

    selection.fit_batch = counting
    started = time.perf_counter()
    result = estimate_population(capture, method="stepwise", bootstrap_replicates=REPLICATES, seed=SEED)
    elapsed = time.perf_counter() - started
    selection.fit_batch = original

    with threadpool_limits(limits=1, user_api="blas"):
        X = design_matrix(capture.n_lists, capture.parse_terms(result.terms))
        model = sm.GLM(capture.counts, X, family=sm.families.Poisson())
        repeats = 50
        t0 = time.perf_counter()
        for _ in range(repeats):
            model.fit()
        one_glm = (time.perf_counter() - t0) / repeats

        sample = resample(capture, 100, np.random.default_rng(SEED))
        t0 = time.perf_counter()
        for y in sample:
            selection.stepwise(capture.with_counts(y), 0.02)
        one_by_one = (time.perf_counter() - t0) / len(sample) * (REPLICATES + int((capture.counts > 0).sum()))

    low, high = result.interval
    print(f"data: {path.name} ({capture.n_lists} lists, {capture.observed} cases)")
    print(
        f"stepwise: terms {list(result.terms)}, estimate {result.estimate:,.0f}, BCa 95% ({low:,.0f}, {high:,.0f})"
    )
    print(f"stepwise + {REPLICATES:,}-replicate BCa (with jackknife): {elapsed:.2f} s, {fits:,} model fits")
    print(
        f"reference: one statsmodels GLM fit {one_glm * 1e3:.2f} ms; x {fits:,} fits = {one_glm * fits:.2f} s"
    )
    print(f"ratio vs statsmodels-per-fit: {elapsed / (one_glm * fits):.3f}")
    print(f"reference: replicate-by-replicate selection (extrapolated from 100): {one_by_one:.2f} s")
    print(f"ratio vs replicate-by-replicate: {elapsed / one_by_one:.3f}")


if __name__ == "__main__":
    main()
