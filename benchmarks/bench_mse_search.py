"""Benchmark: the lowest-BIC search among hierarchical models, exhaustive and greedy (issue 16).

* UK 5-list data, interactions up to order 4: 6,893 models, searched exhaustively (every model fitted in
  batches, existence checked where the fit cannot prove it);
* UK 6-list data, pairwise: 32,768 models, beyond ``EXHAUSTIVE_MODELS``: the downhill search, and (forced
  here) the exhaustive search, to show what the switch saves and whether it loses the minimum;
* UK 6-list data, up to order 3: 3,702,013 models: the downhill search, and what an exhaustive search would
  cost, extrapolated from the per-model cost measured on the 6-list pairwise space.

Then the BCa bootstrap (1,000 replicates, each repeating the choice, plus the jackknife) of the best BIC up to
order 4 (each replicate choosing among the 100 best models of the original data) and of the downhill search
(each replicate walking from main effects) on the UK 5-list data.

For each: time, models fitted, admissible models, and the ratio against a reference measured in the same run:
one statsmodels GLM fit of the chosen model times the number of models fitted (what fitting each model with
statsmodels would cost, before any existence check).

Run: ``uv run python benchmarks/bench_mse_search.py``. No assertions.
"""

from __future__ import annotations

import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MSE = REPO.parent / "shared" / "data" / "mse"
CASES = [
    ("UK 5-list, up to order 4", MSE / "uk_2013_5list" / "UKdat_5.csv", 4, False),
    ("UK 6-list, pairwise", MSE / "uk_2013_6list" / "UKdat.csv", 2, False),
    ("UK 6-list, pairwise, exhaustive (forced)", MSE / "uk_2013_6list" / "UKdat.csv", 2, True),
    ("UK 6-list, up to order 3", MSE / "uk_2013_6list" / "UKdat.csv", 3, False),
]


def one_glm_fit(capture, terms) -> float:
    """Seconds for one statsmodels Poisson GLM fit of main effects plus ``terms`` (median of a few)."""
    import statistics

    import statsmodels.api as sm

    from evidence.analyses.estimation.loglinear import design_matrix

    X = design_matrix(capture.n_lists, terms)
    keep_columns = X.T @ capture.counts > 0
    keep_cells = ~(X[:, ~keep_columns] > 0).any(axis=1)
    model = sm.GLM(capture.counts[keep_cells], X[keep_cells][:, keep_columns], family=sm.families.Poisson())
    times = []
    for _ in range(30):
        t0 = time.perf_counter()
        model.fit()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    from threadpoolctl import threadpool_limits

    from evidence.analyses.estimation import read_list_capture
    from evidence.analyses.estimation import selection as search

    limit = search.EXHAUSTIVE_MODELS
    print(f"exhaustive search up to {limit:,} models; beyond: the downhill search")
    per_model = None
    with threadpool_limits(limits=1, user_api="blas"):
        for label, path, order, force in CASES:
            capture = read_list_capture(path)
            search.EXHAUSTIVE_MODELS = 10**9 if force else limit
            started = time.perf_counter()
            selection = search.bic_search(capture, max_order=order)
            elapsed = time.perf_counter() - started
            search.EXHAUSTIVE_MODELS = limit
            fitted = selection.models_fitted
            reference = one_glm_fit(capture, selection.fit.terms) * fitted
            size = selection.space.size
            print(
                f"{label}: {size:,} models, {selection.search} search, {fitted:,} fitted, "
                f"{selection.models_admissible:,} admissible, {elapsed:.2f} s "
                f"({elapsed / fitted * 1e3:.2f} ms a model); estimate {selection.fit.estimate:,.0f}"
            )
            print(
                f"  reference: statsmodels GLM x {fitted:,} fits = {reference:.2f} s; ratio {elapsed / reference:.3f}"
            )
            if selection.search == "exhaustive" and capture.n_lists == 6:
                per_model = elapsed / fitted
            elif selection.search == "greedy" and size is not None and per_model is not None:
                print(
                    f"  an exhaustive search would fit {size:,} models: about {per_model * size / 60:,.0f} minutes "
                    "at the pairwise per-model cost (more: higher-order models have more columns)"
                )


def bootstrap_timings() -> None:
    import numpy as np

    from evidence.analyses.estimation import estimate_population, read_list_capture
    from evidence.analyses.estimation import selection as search

    capture = read_list_capture(MSE / "uk_2013_5list" / "UKdat_5.csv")
    original = search.fit_batch
    for method in ("bic", "downhill"):
        fits = 0

        def counting(X, Y, *args, **kwargs):
            nonlocal fits
            fits += len(np.atleast_2d(Y)) if kwargs.get("standard_errors") is False else 0
            return original(X, Y, *args, **kwargs)

        search.fit_batch = counting
        started = time.perf_counter()
        result = estimate_population(
            capture, method=method, max_order=4, bootstrap_replicates=1000, seed=1234
        )
        elapsed = time.perf_counter() - started
        search.fit_batch = original
        reference = one_glm_fit(capture, capture.parse_terms(result.terms)) * fits
        low, high = result.interval
        print(
            f"{method} up to order 4 + 1,000-replicate BCa: {elapsed:.2f} s, {fits:,} model fits; "
            f"estimate {result.estimate:,.0f} ({low:,.0f}, {high:,.0f})"
        )
        print(
            f"  reference: statsmodels GLM x {fits:,} fits = {reference:.2f} s; ratio {elapsed / reference:.3f}"
        )


if __name__ == "__main__":
    main()
    bootstrap_timings()
