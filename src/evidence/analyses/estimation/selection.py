"""Model choice among hierarchical log-linear models with interactions up to a maximum order.

* **stepwise** (Chan, Silverman & Vincent 2021): forward from main effects, adding the interaction with the
  smallest Poisson p-value while it is below ``p_enter``;
* **bic**: the model with the lowest BIC — by exhaustive search while the model space holds at most
  :data:`EXHAUSTIVE_MODELS` models, by the downhill search beyond (and the result says which);
* **downhill** (Silverman, Chan & Vincent 2024, section 5.2): from main effects, move to the neighbouring model
  (one term added or one generator removed) with the lowest BIC while that lowers the BIC.

Every candidate is checked for existence of the (extended) maximum-likelihood estimate and for
identifiability, and a fit that did not converge is never accepted: a warm-started fit that did not converge
is refitted from R's cold start, and a fit that still does not converge is rejected and counted
(:class:`FitLog`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy.special import gammaln, pdtr, pdtrc

from evidence.analyses.estimation.lists import ListCapture, Term
from evidence.analyses.estimation.loglinear import (
    BatchFit,
    ModelFit,
    bic_score,
    cached_design,
    design_matrix,
    estimate_exists,
    fit_batch,
    fit_model,
)
from evidence.analyses.estimation.models import ModelSpace
from evidence.core.errors import ParameterError

#: Up to this many models in the space the BIC search is exhaustive: five lists at any order (up to 6,893
#: models, a few seconds). Beyond it (six lists: 32,768 pairwise models, 3.7 million up to order 3) the downhill
#: search, which takes about a second. See benchmarks/bench_mse_search.py.
EXHAUSTIVE_MODELS = 10_000
#: Cells × parameters × rows fitted at once (bounds the memory of a batch to a few tens of MB).
_BATCH_ELEMENTS = 4_000_000


@dataclasses.dataclass
class FitLog:
    """What the fitting needed beyond the plain fits: cold refits of warm-started fits that did not converge,
    and fits rejected because they did not converge even from the cold start."""

    cold_refits: int = 0
    rejected_unconverged: int = 0


@dataclasses.dataclass(frozen=True, eq=False)
class Selection:
    """The chosen model, how it was chosen and how much of the model space was looked at."""

    fit: ModelFit
    method: str
    space: ModelSpace
    search: str  # "exhaustive", "greedy" (the downhill search), "forward" (stepwise) or "none" (main)
    steps: tuple[tuple[str, float], ...] = ()  # stepwise: (term added, its p-value), in order
    ranking: tuple[
        tuple[tuple[Term, ...], float], ...
    ] = ()  # bic/downhill: (terms, BIC) of valid fits, best first
    models_fitted: int = 1
    models_admissible: int = 1  # of the models fitted, those whose estimate exists and is identifiable
    #: models the search looked at: stepwise judges each model one interaction larger than the current one by
    #: the p-value of that interaction under the current fit, and fits only those it tries (None: every model
    #: looked at was fitted, as the BIC searches and main effects do)
    models_considered: int | None = None
    start: str | None = None  # downhill: where the walk started ("main" effects or the "full" model)


#: Where the downhill search starts: from main effects (as MultipleSystemsEstimation does, and as reproduces
#: Silverman, Chan & Vincent's published downhill figures) or from the model with every interaction up to the
#: maximum order, removing terms while the BIC falls.
DOWNHILL_STARTS = ("main", "full")


def model_is_valid(capture: ListCapture, fit: ModelFit) -> bool:
    """Converged, identifiable and the (extended) MLE exists; the linear programme decides when the fit cannot
    prove existence itself."""
    if not fit.identifiable or not fit.converged:
        return False
    if fit.certainly_exists:
        return True
    X = cached_design(capture.n_lists, fit.terms)
    return estimate_exists(X, capture.counts.astype(float), fit.cell_mask, fit.column_mask)


def poisson_p_values(capture: ListCapture, fit: ModelFit, candidates: Sequence[Term]) -> np.ndarray:
    """p = min(P(X ≤ N*), P(X ≥ N*)), X ~ Poisson(λ*), for adding each candidate interaction to ``fit``.

    N* is the number of cases on every list of the term, λ* the current fit's expectation of that number.
    """
    cells = _term_cells(capture, candidates)
    return _p_values(capture.counts @ cells, fit.fitted @ cells)


def _term_cells(capture: ListCapture, terms: Sequence[Term]) -> np.ndarray:
    """Cells × terms: 1 where the cell's history holds every list of the term."""
    h = capture.histories
    return np.stack([h[:, list(term)].all(axis=1) for term in terms], axis=1).astype(float)


def _p_values(n_star: np.ndarray, lam: np.ndarray) -> np.ndarray:
    return np.minimum(pdtr(n_star, lam), np.where(n_star > 0, pdtrc(n_star - 1, lam), 1.0))


# ------------------------------------------------------------------------------------------------ stepwise


def stepwise(capture: ListCapture, p_enter: float = 0.02, max_order: int = 2) -> Selection:
    """Forward stepwise selection from main effects, adding one interaction at a time.

    At each step every interaction that keeps the model hierarchical (all its lower-order interactions are in,
    at most ``max_order`` lists) gets its Poisson p-value; one whose addition would make the model
    non-identifiable, its MLE non-existent or its fit non-convergent gets p = 1. The interaction with the
    smallest p is added (ties: pairs before triples, then the first in the order (1,2), (1,3), …) unless that
    p is at or above ``p_enter``. ``p_enter`` 0 gives main effects only.
    """
    space = ModelSpace(capture.n_lists, max_order)
    fit = fit_model(capture)
    model = 0
    steps: list[tuple[str, float]] = []
    fitted, admissible, considered = 1, 0, 1
    # without a valid main-effects fit there is nothing to test interactions against (and no estimate)
    valid = model_is_valid(capture, fit)
    admissible += valid
    while p_enter > 0 and valid:
        candidates = space.boundary(model)
        if not candidates:
            break
        p_values = poisson_p_values(capture, fit, [space.terms[i] for i in candidates])
        considered += len(candidates)  # each judged by its p-value, not fitted
        chosen = None
        # candidates in order of p then position; validity is checked lazily, as it only matters for the first
        # candidate that passes (the others would keep p = 1 or lose to it)
        for index in np.lexsort((np.arange(len(candidates)), p_values)):
            if p_values[index] >= p_enter:
                break
            candidate_model = model | (1 << candidates[index])
            candidate = fit_model(capture, space.terms_of(candidate_model))
            fitted += 1
            if model_is_valid(capture, candidate):
                admissible += 1
                chosen = (int(index), candidate_model, candidate)
                break
        if chosen is None:
            break
        index, model, fit = chosen
        steps.append((capture.term_name(space.terms[candidates[index]]), float(p_values[index])))
    return Selection(
        fit=fit,
        method="stepwise",
        space=space,
        search="forward",
        steps=tuple(steps),
        models_fitted=fitted,
        models_admissible=admissible,
        models_considered=considered,
    )


def stepwise_estimates(
    capture: ListCapture, Y: np.ndarray, p_enter: float = 0.02, max_order: int = 2, log: FitLog | None = None
) -> np.ndarray:
    """The population estimate of :func:`stepwise` for each count vector in ``Y`` (replicates × cells).

    The same selection, run on all replicates together: at each step, replicates that try the same model are
    fitted in one batch, each starting from its current fit with the added term's cells scaled to its count
    (:func:`_start_with_term`; a fit that does not converge from it is refitted cold). NaN where the
    main-effects model is invalid.
    """
    log = log if log is not None else FitLog()
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    B = len(Y)
    # ln(y!) of every replicate, once for all the models it is fitted to (each fit took it again)
    log_factorials = gammaln(Y + 1.0)
    space = ModelSpace(capture.n_lists, max_order)
    terms = space.terms
    if not terms:
        main, main_valid = _fit_checked(capture, (), Y, np.arange(B), None, log, log_factorials)
        return _estimates_where(main_valid, Y, main.intercept)
    cells = _term_cells(capture, terms)
    n_star = Y @ cells
    # facet_of[j, i]: term i is one order below term j and inside it
    facet_of = np.array([[(space.facets[j] >> i) & 1 for i in range(len(terms))] for j in range(len(terms))])
    facet_count = facet_of.sum(axis=1)

    first, first_valid = _fit_checked(capture, (), Y, np.arange(B), None, log, log_factorials)
    fitted = first.fitted.copy()
    intercept = first.intercept.copy()
    included = np.zeros((B, len(terms)), dtype=bool)
    active = first_valid & (p_enter > 0)
    while active.any():
        eligible = ~included & ((included.astype(int) @ facet_of.T) == facet_count)
        # p-values only where a replicate still selecting can use them (the rows that stopped are never read):
        # pdtr and pdtrc are computed value by value, each the one computed over the whole table, and the
        # expectations are the same product of the whole table as before
        lam = fitted @ cells
        running = np.flatnonzero(active)
        used = eligible[running]
        p = np.full(lam.shape, np.inf)
        p_running = p[running]
        p_running[used] = _p_values(n_star[running][used], lam[running][used])
        p[running] = p_running
        order = np.zeros(p.shape, dtype=np.intp)
        order[running] = np.lexsort(
            (np.broadcast_to(np.arange(len(terms)), p_running.shape), p_running), axis=1
        )
        rank = np.zeros(B, dtype=int)
        seeking = active.copy()
        added = np.full(B, -1)
        while seeking.any():
            seekers = np.flatnonzero(seeking)
            candidate = order[seekers, rank[seekers]]
            passes = p[seekers, candidate] < p_enter
            seeking[seekers[~passes]] = False
            trying_rows, trying_terms = seekers[passes], candidate[passes]
            # each replicate's model with its candidate added, as its terms' bits: replicates trying the same model
            # are fitted together, in the order they come, and their fits written back at once (not a sorted
            # tuple of terms made for each replicate, and a write per replicate: the same batches, in Python)
            trying = included[trying_rows]
            trying[np.arange(len(trying_rows)), trying_terms] = True
            packed = np.packbits(trying, axis=1)
            width, keys = packed.shape[1], packed.tobytes()
            groups: dict[bytes, list[int]] = {}
            for k in range(len(trying_rows)):
                groups.setdefault(keys[k * width : (k + 1) * width], []).append(k)
            for members in groups.values():
                ks = np.array(members)
                rows, added_terms = trying_rows[ks], trying_terms[ks]
                model_terms = tuple(
                    sorted((terms[i] for i in np.flatnonzero(trying[ks[0]])), key=lambda t: (len(t), t))
                )
                start = _start_with_term(
                    fitted[rows], cells[:, added_terms].T, n_star[rows, added_terms], lam[rows, added_terms]
                )
                batch, valid = _fit_checked(capture, model_terms, Y, rows, start, log, log_factorials)
                accepted, refused = rows[valid], rows[~valid]
                added[accepted] = added_terms[valid]
                fitted[accepted] = batch.fitted[valid]
                intercept[accepted] = batch.intercept[valid]
                seeking[accepted] = False
                rank[refused] += 1
                seeking[refused] = rank[refused] < len(terms)
        grew = added >= 0
        included[np.flatnonzero(grew), added[grew]] = True
        active = grew
    return _estimates_where(first_valid, Y, intercept)


def _start_with_term(
    fitted: np.ndarray, term_cells: np.ndarray, n_star: np.ndarray, lam: np.ndarray
) -> np.ndarray:
    """Starting fitted values for a model with one more term (rows: replicates; ``term_cells``, rows × cells, the
    cells of each row's new term): each row's current fit, with the new term's cells scaled so that their sum is
    the term's count N* (by N*/λ*: the new parameter's maximum with the others held, one step of iterative
    proportional fitting). The current fit alone was no closer a start than R's: the term is added for being
    far from its count, and Newton's first step on it, linear in exp, went far past the maximum (New Orleans'
    eight lists: about 15 IRLS steps a fit, against 11 from y + 0.1 and 6 from this start). A term with no case
    (N* = 0) gets its cells at 0, which the fit leaves out."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(lam > 0, n_star / lam, 1.0)
    return fitted * np.where(term_cells > 0, ratio[:, None], 1.0)


def _estimates_where(valid: np.ndarray, Y: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """The population estimate (cases seen + the fitted unseen cell) of each row of ``Y`` whose fit is valid;
    NaN elsewhere."""
    # an invalid fit's intercept may be beyond exp's range: its overflow would warn the user about a number
    # that is thrown away
    with np.errstate(over="ignore"):
        return np.where(valid, Y.sum(axis=1) + np.exp(intercept), np.nan)


def _fit_checked(
    capture: ListCapture,
    terms: tuple[Term, ...],
    Y: np.ndarray,
    rows: np.ndarray,
    start: np.ndarray | None,
    log: FitLog,
    log_factorials: np.ndarray | None = None,
) -> tuple[BatchFit, np.ndarray]:
    """Fit one model to ``Y[rows]`` and say which fits are valid; never accept a fit that did not converge.
    ``log_factorials``, where the caller has it, is ``gammaln(Y + 1)`` (every row of ``Y``)."""
    X = cached_design(capture.n_lists, terms)

    def factorials(subset: np.ndarray) -> np.ndarray | None:
        return None if log_factorials is None else log_factorials[subset]

    batch = fit_batch(X, Y[rows], start=start, standard_errors=False, log_factorials=factorials(rows))
    if start is not None and not batch.converged.all():
        # a warm start can lead IRLS astray (or too slowly to converge): refit those rows from R's cold start
        again = np.flatnonzero(~batch.converged)
        log.cold_refits += len(again)
        cold = fit_batch(X, Y[rows[again]], standard_errors=False, log_factorials=factorials(rows[again]))
        batch = _replace_rows(batch, again, cold)
    valid = _valid_batch(X, Y[rows], batch)
    log.rejected_unconverged += int((batch.identifiable & ~batch.converged).sum())
    return batch, valid


def _replace_rows(batch: BatchFit, rows: np.ndarray, other: BatchFit) -> BatchFit:
    values = {}
    for field in dataclasses.fields(BatchFit):
        array = getattr(batch, field.name).copy()
        array[rows] = getattr(other, field.name)
        values[field.name] = array
    return BatchFit(**values)


def _valid_batch(X: np.ndarray, Y: np.ndarray, batch: BatchFit) -> np.ndarray:
    """Converged and identifiable, and the estimate exists (proved by the fit, else by the linear programme)."""
    valid = batch.certainly_exists()
    for b in np.flatnonzero(batch.identifiable & batch.converged & ~valid):
        valid[b] = estimate_exists(X, Y[b], batch.cell_mask[b], batch.column_mask[b])
    return valid


# ------------------------------------------------------------------------------------------------ main effects


def main_effects(capture: ListCapture) -> Selection:
    """The model with main effects only (independent lists)."""
    fit = fit_model(capture)
    return Selection(
        fit=fit,
        method="main",
        space=ModelSpace(capture.n_lists, 1),
        search="none",
        models_admissible=int(model_is_valid(capture, fit)),
    )


# ------------------------------------------------------------------------------------------------ BIC


def bic_search(capture: ListCapture, max_order: int = 2) -> Selection:
    """The model with the lowest BIC among hierarchical models with interactions up to ``max_order`` lists.

    Exhaustive while the space holds at most :data:`EXHAUSTIVE_MODELS` models (up to five lists, at any
    order); beyond that the downhill search of :func:`downhill`, which may miss the global minimum
    (``search`` says which). Models whose MLE does not exist, which are not identifiable or whose fit does not
    converge are excluded. BIC = p·ln(n) − 2·log-likelihood, p counting every parameter of the model (those at
    −∞ included), n the number of observed cases.
    """
    space = ModelSpace(capture.n_lists, max_order)
    size = space.size
    if size is not None and size <= EXHAUSTIVE_MODELS:
        return _ranked(capture, space, _score_all(capture, space), method="bic", search="exhaustive")
    scores: dict[int, float] = {}
    end = _descend(space, _single_scorer(capture, space, scores))
    return _ranked(capture, space, scores, method="bic", search="greedy", best=end)


def downhill(capture: ListCapture, max_order: int = 2, start: str = "main") -> Selection:
    """The downhill search of Silverman, Chan & Vincent (2024, section 5.2).

    Start from main effects (``start="main"``) or from the model with every interaction up to ``max_order``
    (``"full"``); evaluate every neighbouring hierarchical model (one interaction added whose lower-order
    interactions are all in the model, at most ``max_order`` lists; or one generator removed); move to the
    neighbour with the lowest BIC if it is lower than the current one, else stop. Invalid models (MLE not
    existing, not identifiable, not converged) are never moved to; from an invalid start (the full model often
    is one) the walk removes one generator at a time, the removal with the lowest BIC first, until it reaches a
    valid model, and goes on from there. The result is a local minimum of BIC, often but not always the global
    one.
    """
    space = ModelSpace(capture.n_lists, max_order)
    scores: dict[int, float] = {}
    end = _descend(space, _single_scorer(capture, space, scores), start_model(space, start))
    selection = _ranked(capture, space, scores, method="downhill", search="greedy", best=end)
    return dataclasses.replace(selection, start=start)


def start_model(space: ModelSpace, start: str) -> int:
    """The model the downhill search starts from (:data:`DOWNHILL_STARTS`)."""
    if start not in DOWNHILL_STARTS:
        raise ParameterError(f"unknown downhill start {start!r}; choose one of {', '.join(DOWNHILL_STARTS)}")
    return 0 if start == "main" else space.full()


def _single_scorer(
    capture: ListCapture, space: ModelSpace, cache: dict[int, float]
) -> Callable[[int], float]:
    y = capture.counts[None, :]

    def score(model: int) -> float:
        if model not in cache:
            # fit_model's fit without its standard error and ModelFit (a score needs neither): the same IRLS on
            # the same design and counts, so the same BIC, computed as ModelFit.bic does
            terms = space.terms_of(model)
            X = cached_design(capture.n_lists, terms)
            batch = fit_batch(X, y, standard_errors=False)
            value = bic_score(
                1 + capture.n_lists + len(terms), capture.observed, float(batch.log_likelihood[0])
            )
            valid = bool(batch.identifiable[0] and batch.converged[0]) and (
                bool(batch.certainly_exists()[0])
                or estimate_exists(X, y[0].astype(float), batch.cell_mask[0], batch.column_mask[0])
            )
            cache[model] = value if valid else math.inf
        return cache[model]

    return score


def _descend(space: ModelSpace, score: Callable[[int], float], start: int = 0) -> int:
    """Walk downhill in BIC from ``start`` (main effects by default); return the local minimum reached."""
    current = start
    best = score(current)
    while True:
        neighbours = space.neighbours(current)
        if math.isinf(best):
            # an invalid model (the full model often is): remove terms, the best removal first, until valid
            removals = [m for m in neighbours if not m & ~current]
            if not removals:
                return current
            best, _, current = min((score(m), m.bit_count(), m) for m in removals)
            continue
        scored = [(score(m), m.bit_count(), m) for m in neighbours]
        if not scored:
            return current
        value, _, move = min(scored)
        if not value < best:
            return current
        current, best = move, value


def _ranked(
    capture: ListCapture,
    space: ModelSpace,
    scores: dict[int, float],
    *,
    method: str,
    search: str,
    best: int | None = None,
) -> Selection:
    """The selection of ``best`` (by default the lowest BIC scored), with the valid models ranked by BIC."""
    ranking = sorted(
        ((model, bic) for model, bic in scores.items() if math.isfinite(bic)),
        key=lambda item: (item[1], item[0].bit_count(), item[0]),
    )
    if best is None:
        best = ranking[0][0] if ranking else 0
    return Selection(
        fit=fit_model(capture, space.terms_of(best)),
        method=method,
        space=space,
        search=search,
        ranking=tuple((space.terms_of(model), bic) for model, bic in ranking),
        models_fitted=len(scores),
        models_admissible=len(ranking),
    )


def _score_all(capture: ListCapture, space: ModelSpace) -> dict[int, float]:
    """BIC of every model of the space (inf where invalid), fitted in batches."""
    models = sorted(space.models(), key=lambda m: (m.bit_count(), m))  # sub-models first
    X = design_matrix(capture.n_lists, space.terms)
    y = capture.counts.astype(float)
    overlapping = [capture.overlap(term) > 0 for term in space.terms]
    scores: dict[int, float] = {}
    # models whose estimate does not exist or is not identifiable (a fit that did not converge is not one: a
    # model above it may well be valid)
    invalid: set[int] = set()
    rows_per_batch = max(1, _BATCH_ELEMENTS // (X.shape[0] * X.shape[1]))
    for start in range(0, len(models), rows_per_batch):
        chunk = models[start : start + rows_per_batch]
        columns = space.column_masks(chunk)
        # the scores need no standard error (an inverse of every model's information matrix, a tenth of the
        # search): the chosen model is fitted again, with it, by _ranked
        batch = fit_batch(X, y, columns, standard_errors=False)
        certain = batch.certainly_exists()
        bics = bic_score(columns.sum(axis=1), capture.observed, batch.log_likelihood)
        for row, model in enumerate(chunk):
            if certain[row]:
                scores[model] = float(bics[row])
            elif not batch.identifiable[row] or _inherits_invalidity(space, model, overlapping, invalid):
                scores[model] = math.inf
                invalid.add(model)
            elif not batch.converged[row]:
                scores[model] = math.inf
            else:
                exists = estimate_exists(X, y, batch.cell_mask[row], batch.column_mask[row])
                scores[model] = float(bics[row]) if exists else math.inf
                if not exists:
                    invalid.add(model)
    return scores


def _inherits_invalidity(space: ModelSpace, model: int, overlapping: list[bool], invalid: set[int]) -> bool:
    """Adding an interaction with cases keeps every cell, so it cannot restore a missing MLE or a lost rank
    (Chan, Silverman & Vincent 2021, section 2.7): a model above one whose estimate does not exist or is not
    identifiable is so too. (Not above a fit that merely did not converge: that says nothing of the model.)"""
    return any(overlapping[i] and (model & ~(1 << i)) in invalid for i in space.generators(model))


# ------------------------------------------------------------------------------------------------ bootstrap


def downhill_estimates(
    capture: ListCapture, Y: np.ndarray, max_order: int = 2, log: FitLog | None = None, start: str = "main"
) -> np.ndarray:
    """The population estimate of :func:`downhill` (from ``start``) for each count vector in ``Y`` (replicates ×
    cells).

    All replicates walk together: at each step the neighbours of every replicate's current model are fitted
    in batches, and each replicate moves to its best valid neighbour if that lowers its BIC. NaN where no
    model the walk saw is valid.
    """
    log = log if log is not None else FitLog()
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    B = len(Y)
    space = ModelSpace(capture.n_lists, max_order)
    first = start_model(space, start)
    current = [first] * B
    bic, est, ok, _ = _fit_models_rows(capture, space, [first] * B, Y, np.arange(B), log)
    valid = np.array([ok(b) for b in range(B)], dtype=bool)
    best = np.where(valid, bic, np.inf)
    estimate = np.where(valid, est, np.nan)
    active = list(range(B))
    neighbours: dict[int, list[int]] = {}
    n = Y.sum(axis=1)
    # (the bounds of a table of many cells cost more than the fits they spare: New Orleans' eight lists, 255 cells)
    linearised = (
        _LinearisedCeilings(capture, space, Y, gammaln(Y + 1.0))
        if len(capture.counts) <= _LINEARISED_MAX_CELLS
        else None
    )
    while active:
        pair_models, pair_rows = [], []
        for b in active:
            if current[b] not in neighbours:
                neighbours[current[b]] = space.neighbours(current[b])
            invalid = math.isinf(best[b])
            for m in neighbours[current[b]]:
                if invalid and m & ~current[b]:
                    continue  # from an invalid model (a full start) the walk only removes terms
                pair_models.append(m)
                pair_rows.append(b)
        if linearised is not None:
            pair_models, pair_rows = _unprunable(space, linearised, pair_models, pair_rows, best, n)
        if not pair_models:
            break
        rows = np.array(pair_rows)
        bic, est, ok, _ = _fit_models_rows(capture, space, pair_models, Y, rows, log)
        # per replicate: the best neighbour whose fit is valid, if it lowers the BIC
        order = np.lexsort((np.array([m.bit_count() for m in pair_models]), bic, rows))
        moved = []
        position = 0
        while position < len(order):
            b = rows[order[position]]
            end = position
            while end < len(order) and rows[order[end]] == b:
                end += 1
            if math.isinf(best[b]):  # still invalid: take the best removal, valid or not
                k = next((k for k in order[position:end] if ok(k)), order[position])
                current[b] = pair_models[k]
                if ok(k):
                    best[b], estimate[b] = bic[k], est[k]
                moved.append(int(b))
                position = end
                continue
            for k in order[position:end]:
                if not bic[k] < best[b]:
                    break
                if ok(k):
                    current[b], best[b], estimate[b] = pair_models[k], bic[k], est[k]
                    moved.append(int(b))
                    break
            position = end
        active = moved
    return estimate


def _unprunable(
    space: ModelSpace,
    linearised: _LinearisedCeilings,
    models: list[int],
    rows: list[int],
    best: np.ndarray,
    n: np.ndarray,
) -> tuple[list[int], list[int]]:
    """The pairs (``models[k]``, ``rows[k]``) of a downhill step worth fitting: a neighbour whose lowest possible
    BIC (:class:`_LinearisedCeilings`) is above the replicate's current one cannot be moved to (a move lowers
    the BIC), so its fit cannot change the walk. Pairs of a replicate at an invalid model are all kept, and so
    are those of a neighbour of fewer than :data:`_SHARED_ROWS` replicates: its bounds would cost about what its
    fits do (a sparse table's walks part early: New Orleans' eight lists met thousands of models a few rows each)."""
    keep = np.ones(len(models), dtype=bool)
    groups: dict[int, list[int]] = {}
    for k, model in enumerate(models):
        if math.isfinite(best[rows[k]]):
            groups.setdefault(model, []).append(k)
    groups = {model: members for model, members in groups.items() if len(members) >= _SHARED_ROWS}
    linearised.prepare([(model, np.array([rows[k] for k in members])) for model, members in groups.items()])
    for model, members in groups.items():
        ks = np.array(members)
        pair_rows = np.array([rows[k] for k in members])
        parameters = 1 + linearised.capture.n_lists + model.bit_count()
        current = best[pair_rows]
        floor = parameters * np.log(n[pair_rows]) - 2.0 * linearised.ceiling(model, pair_rows)
        keep[ks] = ~(floor - current > _PRUNING_MARGIN * np.maximum(1.0, np.abs(current)))
    if keep.all():
        return models, rows
    return [m for m, k in zip(models, keep, strict=True) if k], [
        b for b, k in zip(rows, keep, strict=True) if k
    ]


def _fit_models_rows(
    capture: ListCapture,
    space: ModelSpace,
    models: Sequence[int],
    Y: np.ndarray,
    rows: np.ndarray,
    log: FitLog,
    log_factorials: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, Callable[[int], bool], np.ndarray]:
    """Fit model ``models[k]`` to ``Y[rows[k]]`` for every k, each model in batches of its own design (a model
    with few terms is solved with few columns). Returns BIC (inf where the fit is not identifiable or did not
    converge), the estimates, and validity as a function of k that runs the linear programme only when asked:
    most candidates never need it, and where the fit alone proves validity (no programme needed).
    ``log_factorials``, where the caller has it, is ``gammaln(Y + 1)`` (every row of ``Y``)."""
    count = len(models)
    bic = np.full(count, np.inf)
    est = np.full(count, np.nan)
    certain = np.zeros(count, dtype=bool)
    usable = np.zeros(count, dtype=bool)
    n = Y.sum(axis=1)
    if log_factorials is None:
        # ln(y!) of each replicate fitted, computed once for all its models (each model's fit took it again)
        log_factorials = np.zeros(Y.shape)
        fitted_rows = np.unique(rows)
        log_factorials[fitted_rows] = gammaln(Y[fitted_rows] + 1.0)
    groups: dict[int, list[int]] = {}
    for k, model in enumerate(models):
        groups.setdefault(model, []).append(k)
    # where each k was fitted: batches[batch_of[k]] (its design and fit), row position_of[k] of that fit
    batches: list[tuple[np.ndarray, BatchFit]] = []
    batch_of = np.zeros(count, dtype=np.int64)
    position_of = np.zeros(count, dtype=np.int64)
    for model, members in groups.items():
        X = cached_design(capture.n_lists, space.terms_of(model))
        per_batch = max(1, _BATCH_ELEMENTS // X.size)
        for start in range(0, len(members), per_batch):
            ks = np.array(members[start : start + per_batch])
            batch = fit_batch(X, Y[rows[ks]], standard_errors=False, log_factorials=log_factorials[rows[ks]])
            fit_ok = batch.identifiable & batch.converged
            log.rejected_unconverged += int((batch.identifiable & ~batch.converged).sum())
            bic[ks] = np.where(fit_ok, X.shape[1] * np.log(n[rows[ks]]) - 2.0 * batch.log_likelihood, np.inf)
            # a fit whose MLE does not exist may leave the intercept beyond exp's range: its estimate is inf,
            # and never used (ok() below rejects it), so numpy's overflow warning would only alarm a user
            with np.errstate(over="ignore"):
                est[ks] = n[rows[ks]] + np.exp(batch.intercept)
            certain[ks] = batch.certainly_exists()
            usable[ks] = fit_ok
            batch_of[ks] = len(batches)
            position_of[ks] = np.arange(len(ks))
            batches.append((X, batch))
    verdicts: dict[int, bool] = {}

    def ok(k: int) -> bool:
        if certain[k]:
            return True
        if not usable[k]:
            return False
        if k not in verdicts:
            X, batch = batches[batch_of[k]]
            position = position_of[k]
            verdicts[k] = estimate_exists(
                X, Y[rows[k]], batch.cell_mask[position], batch.column_mask[position]
            )
        return verdicts[k]

    return bic, est, ok, certain


def best_by_bic_estimates(
    capture: ListCapture,
    models: Sequence[tuple[Term, ...]],
    Y: np.ndarray,
    max_order: int = 2,
    log: FitLog | None = None,
) -> np.ndarray:
    """For each count vector in ``Y``, the estimate of the valid model with the lowest BIC among ``models``.

    The models are fitted in their order (the ranking on the original data: the likely winners first), each to
    the replicates it can still win. A model's log-likelihood is at most that of any model holding all its terms
    (its maximum is over a larger set): of the model holding every term of ``models``
    (:func:`_likelihood_ceilings`), and of the models before it in the list that hold its terms, where their
    fits prove their maximum reached. Its BIC is then at least p·ln(n) − 2·that ceiling, and where that bound is
    above the BIC of a model the replicate has already fitted validly, the model cannot be chosen and is not
    fitted (more than half the fits of the UK 5-list bootstrap). A second bound comes from the dual of the
    model's maximum, at the replicate's fitted values as linearised around those of the original data
    (:class:`_LinearisedCeilings`): usually within a hundredth of a unit of the log-likelihood itself, and
    pruning against the BIC of the model it puts lowest (:func:`_likely_best`), it leaves unfitted almost every
    model a replicate does not choose (of the 100 best models of UK 5-list, 46% of the fits were made before
    it, 3–4% with it, counting the first fits). Validity (the linear programme) is checked lazily, from the
    lowest BIC up, only until a valid model is found. NaN where none of the models is valid.
    """
    log = log if log is not None else FitLog()
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    B = len(Y)
    space = ModelSpace(capture.n_lists, max(max_order, max((len(t) for m in models for t in m), default=1)))
    masks = [space.mask_of(m) for m in models]
    n = Y.sum(axis=1)
    log_factorials = gammaln(Y + 1.0)  # once, for every model fitted
    # (one model, as main effects' bootstrap: nothing to leave unfitted, and no ceiling to fit)
    ceiling = (
        _likelihood_ceilings(capture, space, masks, Y, log_factorials)
        if len(masks) > 1
        else np.full(B, np.inf)
    )
    linearised = _LinearisedCeilings(capture, space, Y, log_factorials)
    linearised.prepare([(mask, np.arange(B)) for mask in masks])
    parameters_of = np.array([1 + capture.n_lists + mask.bit_count() for mask in masks])
    dual = (
        np.array([linearised.ceiling(mask) for mask in masks]) if len(masks) > 1 else np.full((1, B), np.inf)
    )
    # the lowest BIC of a fit already known valid without the linear programme (certainly_exists), per replicate
    known = _likely_best(capture, space, masks, parameters_of, dual, Y, log_factorials)
    # each model's log-likelihood where its fit proves the maximum reached (NaN elsewhere, and where not fitted)
    reached = np.full((len(masks), B), np.nan)
    bic = np.full((len(masks), B), np.inf)
    est = np.full((len(masks), B), np.nan)
    # per model: the position of each replicate among the rows it was fitted to (−1: not fitted), and ok(position)
    checks: list[tuple[np.ndarray, Callable[[int], bool]]] = []
    for m, mask in enumerate(masks):
        parameters = parameters_of[m]
        holding = [j for j in range(m) if masks[j] & mask == mask]
        lowest = np.fmin(ceiling, np.fmin.reduce(reached[holding], axis=0)) if holding else ceiling
        lowest = np.fmin(lowest, dual[m])
        with np.errstate(invalid="ignore"):  # inf − inf where no fit is known yet: not pruned
            floor = parameters * np.log(n) - 2.0 * lowest
            pruned = floor - known > _PRUNING_MARGIN * np.maximum(1.0, np.abs(known))
        rows = np.flatnonzero(~pruned)
        if not len(rows):
            checks.append((np.full(B, -1), lambda k: False))
            continue
        model_bic, model_est, ok, certain = _fit_models_rows(
            capture, space, [mask] * len(rows), Y, rows, log, log_factorials
        )
        bic[m, rows], est[m, rows] = model_bic, model_est
        reached[m, rows] = np.where(certain, parameters * np.log(n[rows]) - model_bic, np.nan) / 2.0
        known[rows] = np.where(certain, np.minimum(known[rows], model_bic), known[rows])
        position = np.full(B, -1)
        position[rows] = np.arange(len(rows))
        checks.append((position, ok))
    result = np.full(B, np.nan)
    order = np.argsort(bic, axis=0, kind="stable")
    for b in range(B):
        for m in order[:, b]:
            if not np.isfinite(bic[m, b]):
                break
            position, ok = checks[m]
            if ok(int(position[b])):
                result[b] = est[m, b]
                break
    return result


def _likely_best(
    capture: ListCapture,
    space: ModelSpace,
    masks: Sequence[int],
    parameters: np.ndarray,
    dual: np.ndarray,
    Y: np.ndarray,
    log_factorials: np.ndarray,
) -> np.ndarray:
    """For each row of ``Y``, the BIC of the model of ``masks`` whose lowest possible BIC (from ``dual``, models ×
    rows, :class:`_LinearisedCeilings`) is the lowest, where its fit proves its maximum reached (its estimate
    exists); +∞ elsewhere. The bound is within a fraction of a unit of the likelihood itself, so this is almost
    always the replicate's choice, and a first BIC to prune against: fitted in the order of the original data's
    ranking, each replicate fitted every model that beat the ones before it (16 of the 100 best of UK 5-list, as
    against 3–4 in all with this first BIC).
    The fits are made again by :func:`best_by_bic_estimates` (which need not keep them apart) and their
    rejections counted there: here they only give a number the chosen model's BIC is at most."""
    B = len(Y)
    known = np.full(B, np.inf)
    if len(masks) < 2:
        return known
    n = Y.sum(axis=1)
    with np.errstate(invalid="ignore"):
        floors = parameters[:, None] * np.log(n)[None, :] - 2.0 * dual
    bounded = np.isfinite(floors).any(axis=0)
    likely = np.argmin(np.where(np.isfinite(floors), floors, np.inf), axis=0)
    for m in np.unique(likely[bounded]):
        rows = np.flatnonzero(bounded & (likely == m))
        bic, _, _, certain = _fit_models_rows(
            capture, space, [masks[m]] * len(rows), Y, rows, FitLog(), log_factorials
        )
        known[rows] = np.where(certain, bic, np.inf)
    return known


#: How far (relative to the BIC) a model's lowest possible BIC must lie above a replicate's best valid BIC for
#: :func:`best_by_bic_estimates` to leave it unfitted: far beyond the rounding of a converged fit's likelihood.
_PRUNING_MARGIN = 1e-6


class _LinearisedCeilings:
    """For each row of ``Y`` (replicates × cells), a number a model's log-likelihood cannot exceed, from the dual
    of its maximum: max over β of Σ y·η − exp(η), η = Xβ, is at most Σ ν·ln ν − ν for any ν ≥ 0 whose
    sufficient statistics are y's (Xᵀν = Xᵀy), as y·η − exp(η) = ν·η − exp(η) + (y − ν)·η, the last sum
    (y − ν)ᵀXβ is 0, and ν·η − exp(η) ≤ ν·ln ν − ν for every η. At the maximum ν is the fitted values.

    ν is the replicate's fitted values linearised around the fit μ₀ to the original counts y₀: μ₀ + G(y − y₀),
    G = WX(XᵀWX)⁻¹Xᵀ with W = diag(μ₀), whose statistics are y₀'s + those of y − y₀ (XᵀG = Xᵀ), so y's; where
    it has a negative cell, the point of the segment from y (t = 0, the saturated bound) towards it
    (y + t·(ν − y), the same statistics for every t) where the first cell reaches 0. A replicate near y₀ gets a
    bound within a few units of its log-likelihood: the ceilings of :func:`_likelihood_ceilings` are the
    likelihoods of models with more terms.

    The statistics hold to the rounding of μ₀ and G (checked: within :data:`_STATISTICS_TOLERANCE` of the
    number of cases), far inside the pruning margin. No bound (+∞) where the model's fit to y₀ does not prove
    its maximum reached, nor for a replicate with a statistic at 0 that y₀'s is not (a parameter at −∞, whose
    term (y − ν)ᵀXβ would not vanish with the rounding).
    """

    def __init__(
        self, capture: ListCapture, space: ModelSpace, Y: np.ndarray, log_factorials: np.ndarray
    ) -> None:
        self.capture, self.space, self.Y = capture, space, Y
        self.log_factorials = log_factorials.sum(axis=1)
        self.cases = np.maximum(1.0, Y.sum(axis=1))
        self._linearisations: dict[tuple[int, bytes], tuple[np.ndarray, ...] | None] = {}
        #: :meth:`_patterns` of the (model, rows) of the last :meth:`prepare`, whose bounds are asked for next
        self._prepared: dict[
            tuple[int, str, bytes], tuple[np.ndarray, list[bytes], np.ndarray, np.ndarray]
        ] = {}

    def ceiling(self, mask: int, rows: np.ndarray | None = None) -> np.ndarray:
        """The bound of model ``mask`` for ``Y[rows]`` (every row by default); +∞ where there is none."""
        rows = np.arange(len(self.Y)) if rows is None else np.asarray(rows)
        Y = self.Y[rows]
        patterns = self._prepared.pop((mask, rows.dtype.str, rows.tobytes()), None)
        zero, keys, inverse, dead = patterns if patterns is not None else self._patterns(mask, Y)
        shared = np.bincount(inverse, minlength=len(keys)) >= _SHARED_ROWS
        self._fit(
            {
                (mask, key): dead[k]
                for k, key in enumerate(keys)
                if shared[k] and (mask, key) not in self._linearisations
            }
        )
        out = np.full(len(rows), np.inf)
        for k, key in enumerate(keys):
            linearisation = self._linearisations[(mask, key)] if shared[k] else None
            if linearisation is None:
                continue
            members = np.flatnonzero(inverse == k)
            zero0, X0, mu0, G_T, base = linearisation
            y = Y[members]
            towards = (y - base) @ G_T  # ν − y
            towards += mu0
            towards -= y
            # the same parameters at −∞ as the fit the line starts from, and statistics held to their rounding
            usable = (zero[members] == zero0).all(axis=1)
            usable &= np.abs(towards @ X0).max(axis=1) <= _STATISTICS_TOLERANCE * self.cases[rows[members]]
            with np.errstate(divide="ignore", invalid="ignore"):
                reach = np.minimum(1.0, np.where(towards < 0, y / -towards, np.inf).min(axis=1))
                nu = np.maximum(y + reach[:, None] * towards, 0.0)  # (the rounding of a cell reaching 0)
                bound = (np.where(nu > 0, nu * np.log(nu), 0.0) - nu).sum(axis=1)
            out[members] = np.where(usable, bound - self.log_factorials[rows[members]], np.inf)
        return out

    def _patterns(self, mask: int, Y: np.ndarray) -> tuple[np.ndarray, list[bytes], np.ndarray, np.ndarray]:
        """Which of the model's statistics are 0 in each row of ``Y``; the distinct sets of cells they hold (the
        cells a row's fit leaves out), as keys; the position of each row's set among them; and the sets."""
        binary = (cached_design(self.capture.n_lists, self.space.terms_of(mask)) > 0).astype(float)
        zero = (Y @ binary) == 0
        dead = (zero.astype(float) @ binary.T) > 0
        packed, inverse = _distinct_rows(np.packbits(dead, axis=1))
        sets = np.unpackbits(packed, axis=1, count=dead.shape[1]).astype(bool)
        return zero, [row.tobytes() for row in packed], inverse.reshape(-1), sets

    def prepare(self, wanted: Sequence[tuple[int, np.ndarray]]) -> None:
        """Fit what the bounds of (model, rows of ``Y``) in ``wanted`` start from, all in a few batches (as
        submodels of the space's design): a downhill step meets hundreds of new neighbours, and a fit each took
        as long as the fits the bounds spared. For each model, and each set of cells a replicate's fit leaves out
        (those of its statistics at 0), the fit to y₀ without those cells' cases (all of them, usually none),
        where at least :data:`_SHARED_ROWS` of the rows leave them out (the others get no bound)."""
        new: dict[tuple[int, bytes], np.ndarray] = {}
        # the patterns are kept for the bounds asked for next, of the same models and rows (they were made twice)
        self._prepared = {}
        for mask, given in wanted:
            rows = np.asarray(given)
            patterns = self._patterns(mask, self.Y[rows])
            self._prepared[(mask, rows.dtype.str, rows.tobytes())] = patterns
            _, keys, inverse, dead = patterns
            shared = np.bincount(inverse, minlength=len(keys)) >= _SHARED_ROWS
            for k, key in enumerate(keys):
                if shared[k] and (mask, key) not in self._linearisations:
                    new[(mask, key)] = dead[k]
        self._fit(new)

    def _fit(self, new: dict[tuple[int, bytes], np.ndarray]) -> None:
        """Linearise each (model, key) of ``new`` around its fit to y₀ without the cases of the cells given."""
        if not new:
            return
        y0 = self.capture.counts.astype(float)
        pairs = sorted(new, key=lambda pair: (pair[0], pair[1]))
        bases = np.array([np.where(new[pair], 0.0, y0) for pair in pairs])
        design = design_matrix(self.capture.n_lists, self.space.terms)
        cells, p = design.shape
        # (a fit holds every cell's outer product of the design: with many lists, each model on its own design)
        if cells * p * p > _BATCH_ELEMENTS:
            for k, (mask, key) in enumerate(pairs):
                X = cached_design(self.capture.n_lists, self.space.terms_of(mask))
                point = fit_batch(X, bases[k], standard_errors=False)
                self._linearise(
                    (mask, key),
                    X,
                    bases[k],
                    point.fitted[0],
                    point.column_mask[0],
                    point.certainly_exists()[0],
                )
            return
        per_batch = max(1, _BATCH_ELEMENTS // (cells * p))
        for start in range(0, len(pairs), per_batch):
            chunk = pairs[start : start + per_batch]
            columns = self.space.column_masks([mask for mask, _ in chunk])
            points = fit_batch(design, bases[start : start + len(chunk)], columns, standard_errors=False)
            certain = points.certainly_exists()
            for row, pair in enumerate(chunk):
                self._linearise(
                    pair,
                    design,
                    bases[start + row],
                    points.fitted[row],
                    points.column_mask[row],
                    certain[row],
                )

    def _linearise(
        self,
        pair: tuple[int, bytes],
        design: np.ndarray,
        base: np.ndarray,
        mu0: np.ndarray,
        columns: np.ndarray,
        certain: bool,
    ) -> None:
        """Keep the linearisation of model ``pair[0]`` around its fit to ``base`` (``mu0``, the ``columns`` of
        ``design`` estimated), or None where the fit does not prove its maximum reached."""
        linearisation = None
        if certain:
            # the parameters not at −∞ on the base (μ₀ is 0 on the cells of the others, as is G's row)
            X0 = design[:, columns]
            weighted = mu0[:, None] * X0
            try:
                G = weighted @ np.linalg.solve(X0.T @ weighted, X0.T)
            except np.linalg.LinAlgError:
                G = None
            if G is not None:
                X = cached_design(self.capture.n_lists, self.space.terms_of(pair[0]))
                zero0 = (base @ (X > 0)) == 0
                linearisation = (zero0, X0, mu0, np.ascontiguousarray(G.T), base)
        self._linearisations[pair] = linearisation


def _distinct_rows(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(packed, axis=0, return_inverse=True)`` of a matrix of bytes, in the same order (the rows'
    bytes compared one after another): each row read as big-endian 64-bit words, which compare as its bytes
    do, and the rows sorted by their words. np.unique over rows sorts a structured view, element by element: a
    sixth of the BIC bootstrap's time (UK 5-list: 1,000 replicates' patterns of 100 models, twice each)."""
    rows, width = packed.shape
    words = -(-width // 8)
    padded = np.zeros((rows, 8 * words), dtype=np.uint8)
    padded[:, :width] = packed
    values = padded.view(">u8")  # rows × words
    order = np.lexsort(values.T[::-1]) if words > 1 else np.argsort(values[:, 0], kind="stable")
    ordered = values[order]
    first = np.ones(rows, dtype=bool)
    first[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    inverse = np.empty(rows, dtype=np.intp)
    inverse[order] = np.cumsum(first) - 1
    distinct = np.ascontiguousarray(ordered[first]).view(np.uint8)[:, :width]
    return np.ascontiguousarray(distinct), inverse


#: The fewest rows a model's fit to y₀ without a set of cells must serve for :class:`_LinearisedCeilings` to make
#: it (a fit, its linearisation and the bound of its rows cost about what a few rows' fits do): in sparse tables
#: (New Orleans' eight lists) many replicates leave cells of their own out, and a fit for each made the downhill
#: bootstrap slower than fitting every neighbour.
_SHARED_ROWS = 8
#: The most cells (six lists) for which the downhill bootstrap bounds the neighbours' likelihoods: with eight lists
#: (New Orleans, 255 cells, sparse) the bounds of 200 replicates' walks took 1.5 times the fits they spared.
_LINEARISED_MAX_CELLS = 63
#: How far (relative to the number of cases) the linearised fitted values' statistics may be from the
#: replicate's for :class:`_LinearisedCeilings` to bound its likelihood (their rounding: ~1e-14).
_STATISTICS_TOLERANCE = 1e-10


def _likelihood_ceilings(
    capture: ListCapture, space: ModelSpace, masks: Sequence[int], Y: np.ndarray, log_factorials: np.ndarray
) -> np.ndarray:
    """For each row of ``Y``, a number no model of ``masks`` fits a log-likelihood above: that of the model
    holding every term of them (each is a submodel of it, so its likelihood is at most that model's maximum)
    where its fit proves the maximum reached (:meth:`BatchFit.certainly_exists`), else the saturated model's
    Σ y·ln(y) − y − ln(y!), which bounds every Poisson model. ``log_factorials`` is ``gammaln(Y + 1)``."""
    union = 0
    for mask in masks:
        union |= mask
    X = cached_design(capture.n_lists, space.terms_of(union))
    with np.errstate(divide="ignore", invalid="ignore"):
        saturated = (np.where(Y > 0, Y * np.log(Y), 0.0) - Y - log_factorials).sum(axis=1)
    fit = fit_batch(X, Y, standard_errors=False, log_factorials=log_factorials)
    return np.where(fit.certainly_exists(), fit.log_likelihood, saturated)
