"""Model choice: the stepwise method of Chan, Silverman & Vincent (2021) and the best model by BIC."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Iterator, Sequence
from itertools import combinations

import numpy as np
from scipy.special import pdtr, pdtrc

from evidence.analyses.estimation.lists import ListCapture, Pair
from evidence.analyses.estimation.loglinear import (
    BatchFit,
    ModelFit,
    design_matrix,
    estimate_exists,
    fit_batch,
    fit_model,
)

#: Up to this many candidate models (every subset of the pairs: five lists) the BIC search is exhaustive.
EXHAUSTIVE_BIC_MODELS = 1024
#: Cells × parameters × replicates fitted at once (bounds the memory of a batch to a few tens of MB).
_BATCH_ELEMENTS = 4_000_000


@dataclasses.dataclass(frozen=True, eq=False)
class Selection:
    """The chosen model and how it was chosen."""

    fit: ModelFit
    method: str
    steps: tuple[tuple[str, float], ...] = ()  # stepwise: (term added, its p-value), in order
    search: str = ""  # bic: "exhaustive" or "greedy"
    ranking: tuple[tuple[tuple[Pair, ...], float], ...] = ()  # bic: (terms, BIC) of valid models, best first


def poisson_p_values(capture: ListCapture, fit: ModelFit, candidates: Sequence[Pair]) -> np.ndarray:
    """p = min(P(X ≤ N*), P(X ≥ N*)), X ~ Poisson(λ*), for adding each candidate pair to ``fit``.

    N* is the number of cases on both lists of the pair, λ* the current fit's expectation of that number.
    """
    h = capture.histories
    both = np.stack([h[:, i] * h[:, j] for i, j in candidates], axis=1).astype(float)  # cells × candidates
    n_star = capture.counts @ both
    lam = fit.fitted @ both
    lower = pdtr(n_star, lam)
    upper = np.where(n_star > 0, pdtrc(n_star - 1, lam), 1.0)
    return np.minimum(lower, upper)


def model_is_valid(capture: ListCapture, fit: ModelFit) -> bool:
    """Identifiable and the (extended) MLE exists; the linear programme decides when the fit cannot prove it."""
    if not fit.identifiable:
        return False
    if fit.certainly_exists:
        return True
    X = design_matrix(capture.n_lists, fit.terms)
    return estimate_exists(X, capture.counts.astype(float), fit.cell_mask, fit.column_mask)


def stepwise(capture: ListCapture, threshold: float = 0.02) -> Selection:
    """Forward stepwise selection from main effects, adding one pairwise term at a time.

    At each step every pair not yet in the model gets its Poisson p-value; a pair whose addition would make
    the model non-identifiable or its MLE non-existent gets p = 1. The pair with the smallest p is added (ties:
    the first pair in the order (1,2), (1,3), …) unless that p is at or above ``threshold``. Threshold 0 gives
    main effects only.
    """
    fit = fit_model(capture)
    terms: list[Pair] = []
    steps: list[tuple[str, float]] = []
    remaining = capture.pairs()
    # without a valid main-effects fit there is nothing to test pairs against (and no estimate)
    while remaining and threshold > 0 and model_is_valid(capture, fit):
        p_values = poisson_p_values(capture, fit, remaining)
        chosen = None
        # candidates in order of p then position; validity is checked lazily, as it only matters for the first
        # candidate that passes (the others would keep p = 1 or lose to it)
        for index in np.lexsort((np.arange(len(remaining)), p_values)):
            if p_values[index] >= threshold:
                break
            candidate_terms = sorted([*terms, remaining[index]])
            candidate = fit_model(capture, candidate_terms)
            if model_is_valid(capture, candidate):
                chosen = (int(index), candidate)
                break
        if chosen is None:
            break
        index, fit = chosen
        pair = remaining.pop(index)
        terms = sorted([*terms, pair])
        steps.append((capture.term_name(pair), float(p_values[index])))
    return Selection(fit=fit, method="stepwise", steps=tuple(steps))


def stepwise_estimates(capture: ListCapture, Y: np.ndarray, threshold: float = 0.02) -> np.ndarray:
    """The population estimate of :func:`stepwise` for each count vector in ``Y`` (replicates × cells).

    The same selection, run on all replicates together: at each step, replicates that try the same model are
    fitted in one batch. NaN where the main-effects model is invalid (not identifiable, or its MLE does not
    exist: lists with no overlap at all say nothing about the people on none).
    """
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    B = len(Y)
    pairs = capture.pairs()
    h = capture.histories
    both = np.stack([h[:, i] * h[:, j] for i, j in pairs], axis=1).astype(float)  # cells × pairs
    n_star = Y @ both
    designs: dict[tuple[Pair, ...], np.ndarray] = {}

    def fit_rows(
        terms: tuple[Pair, ...], rows: np.ndarray, start: np.ndarray | None = None
    ) -> tuple[BatchFit, np.ndarray]:
        if terms not in designs:
            designs[terms] = design_matrix(capture.n_lists, terms)
        X = designs[terms]
        batch = fit_batch(X, Y[rows], start=start)
        return batch, _valid_batch(X, Y[rows], batch)

    first, first_valid = fit_rows((), np.arange(B))
    fitted = first.fitted.copy()
    intercept = first.intercept.copy()
    included = np.zeros((B, len(pairs)), dtype=bool)
    active = first_valid & (threshold > 0)
    while active.any():
        lam = fitted @ both
        p = np.minimum(pdtr(n_star, lam), np.where(n_star > 0, pdtrc(n_star - 1, lam), 1.0))
        p[included] = np.inf
        order = np.lexsort((np.broadcast_to(np.arange(len(pairs)), p.shape), p), axis=1)
        rank = np.zeros(B, dtype=int)
        seeking = active.copy()
        added = np.full(B, -1)
        while seeking.any():
            seekers = np.flatnonzero(seeking)
            candidate = order[seekers, rank[seekers]]
            passes = p[seekers, candidate] < threshold
            seeking[seekers[~passes]] = False
            groups: dict[tuple[Pair, ...], list[int]] = {}
            for b, c in zip(seekers[passes], candidate[passes], strict=True):
                terms = tuple(pairs[k] for k in np.flatnonzero(included[b])) + (pairs[c],)
                groups.setdefault(tuple(sorted(terms)), []).append(int(b))
            for terms, members in groups.items():
                members_array = np.array(members)
                # each replicate's current fit is a close start for the model with one more pair
                batch, valid = fit_rows(terms, members_array, start=fitted[members_array])
                for k, b in enumerate(members_array):
                    if valid[k]:
                        added[b] = order[b, rank[b]]
                        fitted[b] = batch.fitted[k]
                        intercept[b] = batch.intercept[k]
                        seeking[b] = False
                    else:
                        rank[b] += 1
                        seeking[b] = rank[b] < len(pairs)
        grew = added >= 0
        included[np.flatnonzero(grew), added[grew]] = True
        active = grew & ~included.all(axis=1)
    return np.where(first_valid, Y.sum(axis=1) + np.exp(intercept), np.nan)


def main_effects(capture: ListCapture) -> Selection:
    """The model with main effects only (independent lists)."""
    return Selection(fit=fit_model(capture), method="main")


def bic_search(capture: ListCapture) -> Selection:
    """The model with the lowest BIC among main effects plus any set of pairwise interactions.

    The search is exhaustive while there are at most :data:`EXHAUSTIVE_BIC_MODELS` models (up to five lists);
    beyond that it is a greedy search that adds or removes one pair at a time while BIC decreases, starting
    from main effects, and may miss the global minimum. Models whose MLE does not exist or which are not
    identifiable are excluded.
    """
    pairs = capture.pairs()
    overlapping = {p for p in pairs if capture.overlap(p) > 0}
    cache: dict[tuple[Pair, ...], float] = {}

    def score(terms: tuple[Pair, ...]) -> float:
        if terms not in cache:
            # Adding an overlapping pair keeps the cells, so it cannot restore a missing MLE or a lost rank
            # (Chan, Silverman & Vincent 2021, section 2.7): a model above an invalid one is invalid too.
            inherited = any(
                cache.get(tuple(p for p in terms if p != q)) == math.inf for q in terms if q in overlapping
            )
            if inherited:
                cache[terms] = math.inf
            else:
                fit = fit_model(capture, terms)
                cache[terms] = fit.bic if model_is_valid(capture, fit) else math.inf
        return cache[terms]

    if 2 ** len(pairs) <= EXHAUSTIVE_BIC_MODELS:
        _score_all(capture, pairs, overlapping, cache)
        search = "exhaustive"
    else:
        _greedy(pairs, score)
        search = "greedy"
    ranking = sorted(
        ((terms, bic) for terms, bic in cache.items() if math.isfinite(bic)),
        key=lambda item: (item[1], len(item[0]), item[0]),
    )
    best_terms = ranking[0][0] if ranking else ()
    return Selection(fit=fit_model(capture, best_terms), method="bic", search=search, ranking=tuple(ranking))


def _score_all(
    capture: ListCapture, pairs: list[Pair], overlapping: set[Pair], cache: dict[tuple[Pair, ...], float]
) -> None:
    """BIC of every pairwise model (inf where invalid), all fitted in one batch."""
    models = list(all_pairwise_models(pairs))
    X = design_matrix(capture.n_lists, pairs)
    base = 1 + capture.n_lists
    columns = np.zeros((len(models), X.shape[1]), dtype=bool)
    columns[:, :base] = True
    position = {pair: base + k for k, pair in enumerate(pairs)}
    for row, terms in enumerate(models):
        columns[row, [position[p] for p in terms]] = True
    y = capture.counts.astype(float)
    batch = fit_batch(X, y, columns)
    certain = batch.certainly_exists()
    bic = columns.sum(axis=1) * math.log(capture.observed) - 2.0 * batch.log_likelihood
    for row, terms in enumerate(models):  # smallest models first, so that invalidity can be inherited
        if certain[row]:
            cache[terms] = float(bic[row])
        elif not batch.identifiable[row] or any(
            cache.get(tuple(p for p in terms if p != q)) == math.inf for q in terms if q in overlapping
        ):
            cache[terms] = math.inf
        else:
            exists = estimate_exists(X, y, batch.cell_mask[row], batch.column_mask[row])
            cache[terms] = float(bic[row]) if exists else math.inf


def all_pairwise_models(pairs: Sequence[Pair]) -> Iterator[tuple[Pair, ...]]:
    """Every subset of ``pairs`` (as sorted tuples), smallest first."""
    for size in range(len(pairs) + 1):
        yield from combinations(pairs, size)


def _greedy(pairs: Sequence[Pair], score) -> None:
    current: tuple[Pair, ...] = ()
    best = score(current)
    while True:
        neighbours: Iterable[tuple[Pair, ...]] = [
            *(tuple(sorted([*current, p])) for p in pairs if p not in current),
            *(tuple(p for p in current if p != q) for q in current),
        ]
        scored = [(score(n), n) for n in neighbours]
        if not scored:
            return
        value, move = min(scored, key=lambda item: (item[0], len(item[1]), item[1]))
        if value >= best:
            return
        current, best = move, value


def bic_of_models(
    capture: ListCapture, models: Sequence[tuple[Pair, ...]], Y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """BIC and population estimate of each model for each count vector in ``Y`` (replicates × cells).

    Returns two arrays (models × replicates); invalid fits (non-identifiable, MLE not existing) have BIC inf.
    """
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    n = Y.sum(axis=1)
    bic = np.full((len(models), len(Y)), np.inf)
    estimate = np.full((len(models), len(Y)), np.nan)
    for k, terms in enumerate(models):
        X = design_matrix(capture.n_lists, terms)
        rows = max(1, _BATCH_ELEMENTS // X.size)
        for start in range(0, len(Y), rows):
            chunk = slice(start, start + rows)
            batch = fit_batch(X, Y[chunk])
            valid = _valid_batch(X, Y[chunk], batch)
            bic[k, chunk] = np.where(
                valid, X.shape[1] * np.log(n[chunk]) - 2.0 * batch.log_likelihood, np.inf
            )
            estimate[k, chunk] = np.where(valid, n[chunk] + np.exp(batch.intercept), np.nan)
    return bic, estimate


def _valid_batch(X: np.ndarray, Y: np.ndarray, batch: BatchFit) -> np.ndarray:
    valid = batch.certainly_exists()
    for b in np.flatnonzero(batch.identifiable & ~valid):
        valid[b] = estimate_exists(X, Y[b], batch.cell_mask[b], batch.column_mask[b])
    return valid
