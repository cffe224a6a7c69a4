"""The public entry point: estimate a hidden population from list-capture data, with its interval."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np

from evidence.analyses.estimation.bootstrap import bca_bootstrap
from evidence.analyses.estimation.lists import ListCapture, Pair, read_list_capture
from evidence.analyses.estimation.loglinear import ExistenceCheck, check_existence
from evidence.analyses.estimation.selection import (
    Selection,
    bic_of_models,
    bic_search,
    main_effects,
    stepwise,
    stepwise_estimates,
)
from evidence.core.errors import InputError, ParameterError

METHODS = ("stepwise", "bic", "main")
DEFAULT_THRESHOLD = 0.02
#: Fewer replicates than this cannot place the 2.5% and 97.5% limits at all sensibly.
MIN_BOOTSTRAP = 20


@dataclasses.dataclass(frozen=True, eq=False)
class PopulationEstimate:
    """An estimate of the total population (observed + on no list) with its interval and how it was reached."""

    lists: tuple[str, ...]
    observed: int
    estimate: float
    dark_figure: float
    interval: tuple[float, float]
    interval_method: str  # "bca" (bootstrap repeating the model selection) or "intercept_se" (log-normal)
    level: float
    method: str
    threshold: float | None  # stepwise only
    terms: tuple[str, ...]
    infinite_parameters: tuple[str, ...]  # fixed at −∞ (non-overlapping pairs in the model)
    existence: ExistenceCheck
    steps: tuple[tuple[str, float], ...] = ()  # stepwise: term added and its p-value, in order
    search: str = ""  # bic: "exhaustive" or "greedy"
    bootstrap_replicates: int = 0
    bootstrap_failed: int = 0
    bias_correction: float | None = None
    acceleration: float | None = None
    seed: int | None = None
    source: str = ""

    @property
    def identifiable(self) -> bool:
        return self.existence.identifiable

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (aggregate numbers only: never the cell counts)."""
        return {
            "source": self.source,
            "lists": list(self.lists),
            "observed": self.observed,
            "estimate": self.estimate,
            "dark_figure": self.dark_figure,
            "interval": list(self.interval),
            "interval_method": self.interval_method,
            "level": self.level,
            "method": self.method,
            "threshold": self.threshold,
            "terms": list(self.terms),
            "infinite_parameters": list(self.infinite_parameters),
            "steps": [{"term": term, "p_value": p} for term, p in self.steps],
            "search": self.search,
            "existence": self.existence.to_dict(),
            "identifiable": self.identifiable,
            "bootstrap_replicates": self.bootstrap_replicates,
            "bootstrap_failed": self.bootstrap_failed,
            "bias_correction": self.bias_correction,
            "acceleration": self.acceleration,
            "seed": self.seed,
        }


def select_model(
    capture: ListCapture, method: str = "stepwise", threshold: float = DEFAULT_THRESHOLD
) -> Selection:
    """Choose and fit the model by ``method``: "stepwise" (with ``threshold``), "bic" or "main"."""
    if method == "stepwise":
        return stepwise(capture, threshold)
    if method == "bic":
        return bic_search(capture)
    if method == "main":
        return main_effects(capture)
    raise ParameterError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")


def estimate_population(
    capture: ListCapture | str | Path,
    method: str = "stepwise",
    threshold: float = DEFAULT_THRESHOLD,
    bootstrap: int = 0,
    seed: int | None = None,
    level: float = 0.95,
) -> PopulationEstimate:
    """Estimate the total population from list-capture data by multiple systems estimation.

    ``method``: "stepwise" (Chan, Silverman & Vincent 2021; ``threshold`` is its p-value threshold, 0 giving
    main effects), "bic" (lowest BIC among models with pairwise interactions) or "main" (independent lists).
    With ``bootstrap`` = 0 the interval is observed + exp(intercept ± z·SE); otherwise it is the BCa interval
    of ``bootstrap`` replicates that each repeat the whole model selection (1,000 for publication). ``seed``
    makes the bootstrap reproducible; when omitted one is drawn and reported.
    """
    if not isinstance(capture, ListCapture):
        capture = read_list_capture(capture)
    _check_parameters(method, threshold, bootstrap, level)
    from threadpoolctl import threadpool_limits

    # The matrices are tiny (cells × a few dozen parameters): BLAS threads only contend with each other and
    # with other processes, making batched fits several times slower on a busy machine.
    with threadpool_limits(limits=1, user_api="blas"):
        return _estimate(capture, method, threshold, bootstrap, seed, level)


def _estimate(
    capture: ListCapture, method: str, threshold: float, bootstrap: int, seed: int | None, level: float
) -> PopulationEstimate:
    selection = select_model(capture, method, threshold)
    fit = selection.fit
    existence = check_existence(capture, fit.terms)
    if not existence.ok or not math.isfinite(fit.estimate):
        raise InputError(
            f"the {method} model gives no estimate for these data: {existence.message}",
            path=capture.source or None,
            hint="the lists overlap too little; merge small lists or collect more linked records",
        )
    common = {
        "lists": capture.lists,
        "observed": capture.observed,
        "estimate": fit.estimate,
        "dark_figure": fit.dark_figure,
        "level": level,
        "method": method,
        "threshold": threshold if method == "stepwise" else None,
        "terms": tuple(fit.term_names),
        "infinite_parameters": tuple(p for p in fit.infinite_parameters if ":" in p),
        "existence": existence,
        "steps": selection.steps,
        "search": selection.search,
        "source": capture.source,
    }
    if bootstrap == 0:
        return PopulationEstimate(**common, interval=fit.interval(level), interval_method="intercept_se")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**63)
    rng = np.random.default_rng(seed)
    try:
        result = bca_bootstrap(
            capture, _estimator(capture, selection, threshold), fit.estimate, bootstrap, rng, level
        )
    except ValueError as exc:  # almost every replicate had no valid model: the data are too sparse
        raise InputError(
            str(exc), path=capture.source or None, hint="use the interval without bootstrap"
        ) from exc
    return PopulationEstimate(
        **common,
        interval=result.interval,
        interval_method="bca",
        bootstrap_replicates=bootstrap,
        bootstrap_failed=result.failed,
        bias_correction=result.bias_correction,
        acceleration=result.acceleration,
        seed=seed,
    )


def _check_parameters(method: str, threshold: float, bootstrap: int, level: float) -> None:
    if method not in METHODS:
        raise ParameterError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if not (0.0 <= threshold <= 1.0):
        raise ParameterError(f"the threshold is a p-value between 0 and 1, not {threshold}")
    if isinstance(bootstrap, bool) or int(bootstrap) != bootstrap or bootstrap < 0:
        raise ParameterError(
            f"the number of bootstrap replicates must be a non-negative integer, not {bootstrap}"
        )
    if 0 < bootstrap < MIN_BOOTSTRAP:
        raise ParameterError(
            f"{bootstrap} bootstrap replicates are too few for an interval; use 0 (no bootstrap) or at least "
            f"{MIN_BOOTSTRAP} (1,000 for published intervals)"
        )
    if not (0.0 < level < 1.0):
        raise ParameterError(f"the interval level must be between 0 and 1, not {level}")


def top_models_for_bootstrap(n_lists: int) -> int | None:
    """How many of the best models by BIC on the original data each BIC bootstrap replicate chooses among:
    20 for four lists, 100 for more, all for three or fewer (as Silverman, Chan & Vincent 2024 do)."""
    if n_lists <= 3:
        return None
    return 20 if n_lists == 4 else 100


def _estimator(capture: ListCapture, selection: Selection, threshold: float):
    if selection.method == "stepwise":
        return lambda Y: stepwise_estimates(capture, Y, threshold)

    if selection.method == "main":
        models: list[tuple[Pair, ...]] = [()]
    else:
        top = top_models_for_bootstrap(capture.n_lists)
        models = [terms for terms, _ in selection.ranking[:top]]

    def best_by_bic(Y: np.ndarray) -> np.ndarray:
        bic, estimate = bic_of_models(capture, models, Y)
        best = np.argmin(bic, axis=0)
        chosen = estimate[best, np.arange(len(Y))]
        return np.where(np.isfinite(bic.min(axis=0)), chosen, np.nan)

    return best_by_bic
