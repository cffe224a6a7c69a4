"""Poisson log-linear models of capture-history counts, fitted by IRLS in numpy, and the existence check.

A model has an intercept, one main effect per list and a chosen set of interactions (pairs, and in
hierarchical models of higher order also triples, …). A parameter whose sufficient statistic is zero (a pair of
lists with no case in common — a *non-overlapping pair* —, a triple with no case on all three, or a list with no
case) has maximum-likelihood value −∞: the model is fitted without that column and without every cell that
contains it (Chan, Silverman & Vincent 2021). The dark figure is exp(intercept).

The fitter works on a batch of count vectors at once (bootstrap replicates), each with its own cells and
parameters at −∞; a single fit is a batch of one. It follows R's ``glm.fit`` for the Poisson family (start at
y + 0.1, stop when the relative change of deviance is below 1e-8 or after 25 iterations), so its estimates are
those of the reference R packages.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import math
import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import gammaln

from evidence.analyses.count_models import one_blas_thread
from evidence.analyses.estimation.lists import ListCapture, Term, history_matrix
from evidence.core.errors import EvidenceError
from evidence.core.highs import quiet_highs
from evidence.core.highs import run as run_highs

MAX_ITERATIONS = 25
DEVIANCE_TOLERANCE = 1e-8
#: A change of deviance below this share of the number of cases is rounding: the deviance is a sum of terms as
#: large as the counts, each carrying a relative rounding error of ~1e-16. R's criterion alone (relative to the
#: deviance + 0.1) can never be met by a model fitting the data (nearly) exactly when counts are in the millions:
#: such a fit would be declared unconverged and rejected. For fewer than 10,000 cases this is below R's floor.
_DEVIANCE_NOISE = 1e-13
#: Newton steps taken after convergence, to tell a maximum (steps shrink quadratically) from a likelihood that
#: only increases towards a boundary (some fitted log-means keep falling by about one per step).
_CONFIRMING_STEPS = 2
#: A converged fit whose last step moved no fitted log-mean by more than this sits at an interior maximum.
_STEP_TOLERANCE = 1e-3
#: Fitted values below this (near the clipping of log-means) prove nothing, whatever the last step.
_FITTED_FLOOR = 1e-250
_ETA_LIMIT = 700.0


def design_matrix(n_lists: int, terms: Sequence[Term]) -> np.ndarray:
    """Columns: intercept, one main effect per list, one product column per interaction (cells × parameters)."""
    h = history_matrix(n_lists)
    columns = [np.ones(len(h), dtype=np.int64), *h.T, *(h[:, list(term)].prod(axis=1) for term in terms)]
    return np.column_stack(columns).astype(float)


def cached_design(n_lists: int, terms: tuple[Term, ...]) -> np.ndarray:
    """:func:`design_matrix` of ``n_lists`` lists and ``terms``, made once per process for each model and shared
    (read-only): the searches and their bootstraps fit the same few models many times over."""
    key = (n_lists, terms)
    design = _DESIGNS.get(key)  # (a local: another thread's clearing of the cache cannot lose it)
    if design is None:
        if len(_DESIGNS) > 4096:
            _DESIGNS.clear()
            _DESIGN_DIGESTS.clear()
            _DESIGN_PARTS.clear()
        design = design_matrix(n_lists, terms)
        design.flags.writeable = False
        _DESIGN_DIGESTS[id(design)] = (design, _digest(design))
        _DESIGNS[key] = design
    return design


_DESIGNS: dict[tuple[int, tuple[Term, ...]], np.ndarray] = {}
#: :func:`_digest` of each design of :func:`cached_design` (read-only), by its id; the entry holds the design
#: itself, so that no other array can take its id while the entry is kept (every fit asked it of the design
#: again, hashing the whole matrix: 255 × 16 numbers for eight lists)
_DESIGN_DIGESTS: dict[int, tuple[np.ndarray, bytes]] = {}


def _design_parts(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What every fit of design ``X`` (cells × parameters) computes of it alone: which entries are nonzero
    (cells × parameters, bool), its transpose as 0/1 numbers (parameters × cells) and the cells' outer products
    (cells × parameters², each row a cell's x·xᵀ, flattened). Kept (read-only) for the designs of
    :func:`cached_design`, computed for any other: a stepwise bootstrap fits a few dozen designs a thousand times
    over, each fit making them again (the same operations on the same numbers: the same arrays)."""
    entry = _DESIGN_PARTS.get(id(X))  # (a local: another thread's clearing of the cache cannot lose it)
    if entry is not None and entry[0] is X:
        return entry[1]
    cells, p = X.shape
    binary = X > 0
    parts = (binary, binary.T.astype(float), (X[:, :, None] * X[:, None, :]).reshape(cells, p * p))
    kept = _DESIGN_DIGESTS.get(id(X))  # (a design of cached_design: read-only, and kept while its entry is)
    if kept is not None and kept[0] is X:
        for part in parts:
            part.flags.writeable = False
        _DESIGN_PARTS[id(X)] = (X, parts)
    return parts


#: :func:`_design_parts` of each design of :func:`cached_design`, by its id (the entry holds the design itself,
#: as :data:`_DESIGN_DIGESTS` does)
_DESIGN_PARTS: dict[int, tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}


def _design_digest(X: np.ndarray) -> bytes:
    """:func:`_digest` of ``X``: kept for the designs of :func:`cached_design`, computed for any other."""
    entry = _DESIGN_DIGESTS.get(id(X))  # (a local: another thread's clearing of the cache cannot lose it)
    if entry is not None and entry[0] is X:
        return entry[1]
    return _digest(X)


def bic_score(n_parameters: Any, observed: int, log_likelihood: Any) -> Any:
    """BIC = p·ln(n) − 2·log-likelihood, n the number of observed cases (numbers, or arrays of models): one
    formula for a fitted model and for the searches that score many without making one."""
    return n_parameters * math.log(observed) - 2.0 * log_likelihood


def parameter_names(lists: Sequence[str], terms: Sequence[Term]) -> list[str]:
    return ["(Intercept)", *lists, *(":".join(lists[i] for i in term) for term in terms)]


@dataclasses.dataclass(frozen=True)
class BatchFit:
    """Fits of one model to a batch of count vectors (row ``b`` of every array is replicate ``b``)."""

    intercept: np.ndarray  # (B,)
    intercept_se: np.ndarray  # (B,)
    log_likelihood: np.ndarray  # (B,)
    fitted: np.ndarray  # (B, cells); 0 on cells removed by a parameter at −∞
    coefficients: np.ndarray  # (B, parameters); −inf for parameters at −∞; nan where not identifiable
    identifiable: np.ndarray  # (B,) bool
    converged: np.ndarray  # (B,) bool
    cell_mask: np.ndarray  # (B, cells) bool: cells fitted
    column_mask: np.ndarray  # (B, parameters) bool: parameters estimated (in the model, not at −∞)
    at_minus_infinity: np.ndarray  # (B, parameters) bool: parameters in the model fixed at −∞
    last_step: np.ndarray  # (B,) largest change of a fitted log-mean in the last IRLS iteration

    def certainly_exists(self) -> np.ndarray:
        """Where the fit itself proves the (extended) MLE exists: converged to a fixed point with positive fits.

        At a converged fit the fitted values reproduce the sufficient statistics, so they are a strictly
        positive solution of the existence linear programme. When the MLE does not exist, IRLS instead keeps
        pushing some fitted values towards zero, each step lowering their log by about one, so the last step is
        large. Where the fit proves nothing, the linear programme must decide.
        """
        floor = np.where(self.cell_mask, self.fitted, np.inf).min(axis=1)
        return (
            self.converged & self.identifiable & (self.last_step < _STEP_TOLERANCE) & (floor > _FITTED_FLOOR)
        )


def fit_batch(
    X: np.ndarray,
    Y: np.ndarray,
    model_columns: np.ndarray | None = None,
    start: np.ndarray | None = None,
    standard_errors: bool = True,
    log_factorials: np.ndarray | None = None,
) -> BatchFit:
    """Fit Poisson log-linear models with design ``X`` (cells × parameters) to each row of ``Y``.

    ``model_columns`` (rows × parameters, bool) fits a different submodel on each row: the columns of ``X``
    left out of row ``b``'s model. ``Y`` may then be a single count vector, shared by every row. ``start``
    (rows × cells) gives starting fitted values, e.g. those of a neighbouring model (R's ``mustart``; cells at 0
    start at y + 0.1); by default IRLS starts, as R does, from y + 0.1. The maximum found is the same, in fewer
    iterations.
    Without ``standard_errors`` (a bootstrap needs none) the intercept's standard error is NaN.
    ``log_factorials`` (rows × cells) is ``gammaln(Y + 1)`` where the caller has it: a search fitting many
    models to the same count vectors computes it once (the same values, element by element).

    The fits run on one BLAS thread (:func:`~evidence.analyses.count_models.one_blas_thread`): the matrices are
    small, and the numbers are then the same on every machine, whatever its cores.

    A fit from R's start is kept (:data:`_FITS`) by the content of all it depends on, and given again (a copy)
    when the same fit is asked for: a table of model choices fits the same models to the same replicates once
    per order (the 100 best models of the BIC search at order 2 are among those of orders 3 and 4, the downhill
    walks of every order begin alike), and searches of the same data meet the same models.
    """
    key = None if start is not None else _fit_key(X, Y, model_columns, standard_errors)
    if key is not None:
        kept = _kept_fit(key)
        if kept is not None:
            return kept
    with one_blas_thread():
        fit = _fit_batch(X, Y, model_columns, start, standard_errors, log_factorials)
    if key is not None:
        _keep_fit(key, fit)
    return fit


def _fit_key(X: np.ndarray, Y: np.ndarray, model_columns: np.ndarray | None, standard_errors: bool) -> bytes:
    """What a fit from R's start depends on: the design (its digest and layout), the counts, the submodels'
    columns, whether standard errors are computed and the iteration's constants (a test may change them).

    The last bits of a row's fit depend on the rows fitted beside it (the products of a batch are computed by
    kernels chosen by its size), so the key is the whole batch, never a row. ``log_factorials`` is not in it: it
    is ``gammaln(Y + 1)``, the values computed here otherwise, element by element."""
    counts = np.ascontiguousarray(np.atleast_2d(np.asarray(Y, dtype=float)))
    digest = hashlib.blake2b(digest_size=32)
    digest.update(_design_digest(X))
    constants = (MAX_ITERATIONS, DEVIANCE_TOLERANCE, _DEVIANCE_NOISE, _CONFIRMING_STEPS, _ETA_LIMIT)
    digest.update(f"{X.strides};{counts.shape};{standard_errors};{constants!r};".encode())
    digest.update(counts.tobytes())
    if model_columns is not None:
        columns = np.ascontiguousarray(model_columns, dtype=bool)
        digest.update(f"columns{columns.shape};".encode())
        digest.update(columns.tobytes())
    return digest.digest()


def _copy_fit(fit: BatchFit) -> BatchFit:
    return BatchFit(**{field.name: getattr(fit, field.name).copy() for field in dataclasses.fields(BatchFit)})


def _fit_bytes(fit: BatchFit) -> int:
    return sum(getattr(fit, field.name).nbytes for field in dataclasses.fields(BatchFit))


def _kept_fit(key: bytes) -> BatchFit | None:
    """A copy of the fit kept under ``key`` (the caller may change its arrays, as it may a new fit's)."""
    with _FITS_LOCK:
        fit = _FITS.get(key)
        if fit is None:
            return None
        _FITS.move_to_end(key)
    return _copy_fit(fit)


def _keep_fit(key: bytes, fit: BatchFit) -> None:
    """Keep a copy of ``fit``, dropping the fits least recently asked for beyond :data:`_FITS_MAX_BYTES`."""
    global _fits_bytes
    size = _fit_bytes(fit)
    if size > _FITS_MAX_BYTES // 4:
        return
    kept = _copy_fit(fit)
    with _FITS_LOCK:
        if key in _FITS:
            return
        _FITS[key] = kept
        _fits_bytes += size
        while _fits_bytes > _FITS_MAX_BYTES:
            _, dropped = _FITS.popitem(last=False)
            _fits_bytes -= _fit_bytes(dropped)


#: Fits from R's start made in this process, by :func:`_fit_key`, least recently asked for first. Bounded by
#: :data:`_FITS_MAX_BYTES`: the BIC searches of a sensitivity table of five lists keep ~40 MB of fits that the
#: next orders ask for again.
_FITS: collections.OrderedDict[bytes, BatchFit] = collections.OrderedDict()
_FITS_MAX_BYTES = 64 << 20
_fits_bytes = 0
_FITS_LOCK = threading.Lock()


def _fit_batch(
    X: np.ndarray,
    Y: np.ndarray,
    model_columns: np.ndarray | None,
    start: np.ndarray | None,
    standard_errors: bool,
    log_factorials: np.ndarray | None = None,
) -> BatchFit:
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    p = X.shape[1]
    if model_columns is None:
        model_columns = np.ones((len(Y), p), dtype=bool)
    Y = np.broadcast_to(Y, (len(model_columns), Y.shape[1]))
    B = len(Y)
    binary, binary_columns, outer_products = _design_parts(X)
    stats = Y @ binary  # (B, p): sufficient statistic of each parameter
    at_minus_infinity = model_columns & (stats == 0)
    at_minus_infinity[:, 0] = False  # the intercept: a replicate always has cases
    column_mask = model_columns & ~at_minus_infinity
    # a cell is fitted unless it contains a parameter at −∞
    cell_mask = ~(at_minus_infinity.astype(float) @ binary_columns > 0)
    identifiable = _identifiable(X, cell_mask, column_mask)
    # non-identifiable replicates are solved as if they had only an intercept, then reported as such
    solve_mask = np.where(identifiable[:, None], column_mask, np.eye(1, p, dtype=bool))
    weights = cell_mask.astype(float)

    # a start's cells kept down to the smallest positive value: a sparse table's fit has cells far below 1e-8
    # (New Orleans' eight lists: 1e-12), and resetting them to y + 0.1 (as below 1e-8 they were) sent IRLS down
    # to them again for as many steps as from R's start; cells at 0 are those a parameter at −∞ left out
    initial = Y + 0.1 if start is None else np.where(start > 0, start, Y + 0.1)
    mu = initial * weights
    eta = np.log(initial)
    deviance = _deviance(Y, mu, weights)
    converged = np.zeros(B, dtype=bool)
    # the systems' masks (parameters in the solve, the diagonal of those left out) matter only on the rows
    # that leave a parameter out: made for those rows alone (a bootstrap's batch of a thousand rows has few)
    masked = np.flatnonzero(~solve_mask.all(axis=1))
    outer = solve_mask[masked, :, None] & solve_mask[masked, None, :]
    # the diagonal alone (1 where a parameter is left out): added to the diagonal alone, as adding the zeros off
    # it changed no entry (x + 0.0 is x for every x but −0.0, which no entry is); a thousand 31 × 31 matrices of
    # an exhaustive search's batch were made and added at every iteration
    inactive_diagonal = (~solve_mask[masked]).astype(float)
    beta = np.zeros((B, p))
    last_step = np.full(B, np.inf)
    _iterate(
        X,
        Y,
        weights,
        cell_mask,
        solve_mask,
        outer,
        inactive_diagonal,
        outer_products,
        mu,
        eta,
        deviance,
        converged,
        beta,
        last_step,
    )

    intercept_variance = np.full(B, np.nan)
    if standard_errors:
        # where(all true, P, 0) + a diagonal of zeros is P + 0.0 = P on the rows without masks (see _iterate)
        information = ((mu * weights) @ outer_products).reshape(-1, p, p)
        on_masks = np.where(outer, information[masked], 0.0)
        _diagonal(on_masks)[...] += inactive_diagonal
        information[masked] = on_masks
        with np.errstate(all="ignore"):
            try:
                intercept_variance = np.linalg.inv(information)[:, 0, 0]
            except np.linalg.LinAlgError:  # only where the MLE does not exist (see _solve): those alone
                intercept_variance = np.array([_inverse_one(a)[0, 0] for a in information])
    log_y = gammaln(Y + 1.0) if log_factorials is None else log_factorials
    with np.errstate(divide="ignore", invalid="ignore"):
        log_mu = np.where(weights > 0, np.log(np.maximum(mu, 1e-300)), 0.0)
    log_likelihood = ((Y * log_mu - mu - log_y) * weights).sum(axis=1)
    coefficients = np.where(column_mask, beta, np.where(at_minus_infinity, -np.inf, 0.0))
    coefficients[~identifiable] = np.nan
    intercept = np.where(identifiable, beta[:, 0], np.nan)
    return BatchFit(
        intercept=intercept,
        intercept_se=np.where(identifiable, np.sqrt(np.maximum(intercept_variance, 0.0)), np.nan),
        log_likelihood=np.where(identifiable, log_likelihood, np.nan),
        fitted=mu,
        coefficients=coefficients,
        identifiable=identifiable,
        converged=converged,
        cell_mask=cell_mask,
        column_mask=column_mask,
        at_minus_infinity=at_minus_infinity,
        last_step=last_step,
    )


def _iterate(
    X: np.ndarray,
    Y: np.ndarray,
    weights: np.ndarray,
    cell_mask: np.ndarray,
    solve_mask: np.ndarray,
    outer: np.ndarray,
    inactive_diagonal: np.ndarray,
    outer_products: np.ndarray,
    mu: np.ndarray,
    eta: np.ndarray,
    deviance: np.ndarray,
    converged: np.ndarray,
    beta: np.ndarray,
    last_step: np.ndarray,
) -> None:
    """IRLS on every row of ``Y`` until each has converged and taken its confirming steps (or run out of
    iterations), leaving each row's last ``mu``, ``eta``, ``beta``, ``converged`` and ``last_step`` in place.

    The rows still running are kept together in arrays of their own, gathered again only when some finish
    (gathering and scattering every array at every iteration cost more than the arithmetic in small batches),
    and a row's last step is measured only when it finishes. Every number is computed by the same operations
    on the same values as one iteration of all the running rows at once: the fits are the same to the last bit.
    ``outer`` and ``inactive_diagonal`` are those of the rows with masks alone (``solve_mask`` not all true),
    in order; ``inactive_diagonal`` holds each system's diagonal (1 where a parameter is left out), added to
    the diagonal alone.
    """
    p = X.shape[1]
    # rows whose systems the masks change (a parameter at −∞, or not identifiable, or left out of a submodel);
    # on every other row where(all true, P, 0) + a diagonal of zeros is P + 0.0: the same numbers, without
    # the masks. Where there are masks, zeroing the entries outside them in place and adding the diagonal
    # gives where(outer, P, 0) + diagonal too, entry by entry.
    masked_r = np.logical_not(solve_mask.all(axis=1))
    index = np.arange(len(Y))
    y_r, mu_r, eta_r, weights_r = np.array(Y), mu.copy(), eta.copy(), weights
    # the change of deviance that is rounding (each row's cases × _DEVIANCE_NOISE), once, not at every iteration
    cells_r, noise_r, deviance_r = cell_mask, _DEVIANCE_NOISE * y_r.sum(axis=1), deviance.copy()
    converged_r = converged.copy()
    # where every cell of every running row is fitted, the weights are all 1 and x·1 is x: they are left out
    weighted = not cell_mask.all()
    # the cells with cases: y·log(y/μ) is computed there alone (a sparse table has few: New Orleans' 8 lists,
    # at most 185 of 255), each the same operations on the same numbers; the other cells' terms are 0
    positive = _Positive(y_r)
    # after converging, a row takes a few more Newton steps: negligible at a maximum, about −1 in some
    # log-means where there is none
    confirming = np.full(len(Y), _CONFIRMING_STEPS)
    # (``outer`` and ``inactive_diagonal`` are those of the masked rows alone, in order)
    outside_r, unsolved_r, diagonal_r = ~outer, ~solve_mask[masked_r], inactive_diagonal
    last_iteration = MAX_ITERATIONS + _CONFIRMING_STEPS - 1
    # (overflow: only in a row running off to infinity, which stops at its first step that is not finite)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for iteration in range(last_iteration + 1):
            if not len(index):
                break
            # w = μ·weights is μ itself: μ is 0 on every cell left out (and finite), and x·1 is x
            w = mu_r
            # z = η + (y − μ)/μ, in place (a sum is the same in either order)
            z = y_r - mu_r
            z /= np.maximum(mu_r, 1e-300)
            z += eta_r
            # Xᵀ diag(w) X for every row at once, as one matrix product with the cells' outer products
            products = (w @ outer_products).reshape(-1, p, p)
            information = products
            z *= w
            score = z @ X
            # no entry of P is −0.0 (a sum of products of μ ≥ +0 and 0/1), so P + 0.0 is P: rows without masks
            # are used as they are
            if masked_r.all():  # a search over submodels: every row has masks; zeroed in place
                np.copyto(information, 0.0, where=outside_r)
                _diagonal(information)[...] += diagonal_r
                np.copyto(score, 0.0, where=unsolved_r)
            elif masked_r.any():
                on_masks = np.where(outside_r, 0.0, products[masked_r])
                _diagonal(on_masks)[...] += diagonal_r
                information[masked_r] = on_masks
                score[masked_r] = np.where(unsolved_r, 0.0, score[masked_r])
            new_beta = _solve(information, score)
            # a system past solving (a step of 1e10 from a system of condition 1e18, where the MLE does not
            # exist, sends fitted values to exp(700) and the next systems to inf): that row stops, unconverged
            runaway = ~np.isfinite(new_beta).all(axis=1)
            new_eta = new_beta @ X.T
            new_eta.clip(-_ETA_LIMIT, _ETA_LIMIT, out=new_eta)  # what np.clip calls, without its wrapping
            new_mu = np.exp(new_eta)
            if weighted:
                new_mu *= weights_r
            # the deviance: 2·Σ (y·log(y/μ) − (y − μ))·weights, the first term 0 where y = 0
            residual = y_r - new_mu
            np.subtract(positive.ratio(new_mu), residual, out=residual)
            if weighted:
                residual *= weights_r
            new_deviance = 2.0 * residual.sum(axis=1)
            change = np.abs(new_deviance - deviance_r)
            now_converged = (
                converged_r
                | (change / (np.abs(new_deviance) + 0.1) < DEVIANCE_TOLERANCE)
                | (change < noise_r)
            )
            ran_away = runaway.any()
            if ran_away:
                now_converged &= ~runaway
            confirming -= now_converged
            # (the terms of the disjunction that can be true at this iteration alone: the same verdicts)
            finished = confirming < 0
            if iteration + 1 >= MAX_ITERATIONS:
                finished |= ~now_converged
            if ran_away:
                finished |= runaway
            if iteration == last_iteration:
                finished[:] = True
            if finished.any():
                done = index[finished]
                last_step[done] = np.where(
                    cells_r[finished], np.abs(new_eta[finished] - eta_r[finished]), 0.0
                ).max(axis=1)
                beta[done], eta[done], mu[done] = new_beta[finished], new_eta[finished], new_mu[finished]
                converged[done] = now_converged[finished]
                keep: np.ndarray = ~finished
                if not keep.any():
                    break
                index, confirming = index[keep], confirming[keep]
                y_r, weights_r, cells_r, noise_r = y_r[keep], weights_r[keep], cells_r[keep], noise_r[keep]
                mu_r, eta_r = new_mu[keep], new_eta[keep]
                deviance_r, converged_r = new_deviance[keep], now_converged[keep]
                positive = _Positive(y_r)
                if weighted:
                    weighted = not cells_r.all()
                if masked_r.any():
                    still = keep[masked_r]
                    outside_r, unsolved_r, diagonal_r = outside_r[still], unsolved_r[still], diagonal_r[still]
                masked_r = np.asarray(masked_r)[keep]
            else:
                mu_r, eta_r, deviance_r, converged_r = new_mu, new_eta, new_deviance, now_converged


def _diagonal(matrices: np.ndarray) -> np.ndarray:
    """The diagonals of a C-contiguous stack of square matrices (stack × size), as a view to write through."""
    size = matrices.shape[-1]
    return matrices.reshape(len(matrices), size * size, copy=False)[:, :: size + 1]  # (never a copy)


class _Positive:
    """The cells of a batch of count vectors that hold cases (y > 0), to compute y·log(y/max(μ, 1e-300)) on
    them alone: where y = 0 the term is 0. Each value is the same operations on the same numbers as over the
    whole table (gathered first, the quotient and its logarithm computed in a contiguous array)."""

    def __init__(self, y: np.ndarray) -> None:
        self.shape = y.shape
        self.cells = np.flatnonzero(y > 0)
        self.y = y.ravel()[self.cells]

    def ratio(self, mu: np.ndarray) -> np.ndarray:
        """y·log(y/max(μ, 1e-300)) where y > 0, 0 elsewhere (rows × cells)."""
        values = np.maximum(mu.ravel()[self.cells], 1e-300)
        np.divide(self.y, values, out=values)
        np.log(values, out=values)
        values *= self.y
        out = np.zeros(self.shape)
        out.ravel()[self.cells] = values
        return out


def _solve(information: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Newton steps for a stack of systems; where fitted values have underflowed (an MLE running off to
    infinity) a system can be numerically singular, and the least-squares step is taken instead for that
    system alone: a table's fit does not depend on the tables fitted beside it (all of a stack's steps were
    taken by least squares when one was singular, which moved other tables' fits)."""
    try:
        return np.linalg.solve(information, score[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        return np.stack([_solve_one(a, b) for a, b in zip(information, score, strict=True)])


def _solve_one(information: np.ndarray, score: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(information, score)
    except np.linalg.LinAlgError:
        pass
    try:
        return np.linalg.pinv(information) @ score
    except np.linalg.LinAlgError:  # an SVD of numbers no longer finite: no step (the fit stops, unconverged)
        return np.full(len(score), np.nan)


def _inverse_one(information: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(information)
    except np.linalg.LinAlgError:
        pass
    try:
        return np.linalg.pinv(information)
    except np.linalg.LinAlgError:  # a fit that ran off to infinity: no standard error
        return np.full(information.shape, np.nan)


def _deviance(Y: np.ndarray, mu: np.ndarray, weights: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(Y > 0, Y * np.log(Y / np.maximum(mu, 1e-300)), 0.0)
    return 2.0 * ((ratio - (Y - mu)) * weights).sum(axis=1)


def _identifiable(X: np.ndarray, cell_mask: np.ndarray, column_mask: np.ndarray) -> np.ndarray:
    """Full column rank of the design restricted to each replicate's fitted cells and estimated parameters."""
    # replicates share few distinct masks: compute each rank once (the rows' packed masks as bytes, looked up in
    # a dict: np.unique over rows sorted them through structured arrays, a tenth of a stepwise bootstrap's time)
    keys = np.packbits(np.concatenate([cell_mask, column_mask], axis=1), axis=1)
    width = keys.shape[1]
    packed = keys.tobytes()
    first: dict[bytes, int] = {}
    if len(keys) and (keys == keys[0]).all():  # one mask for every row (a bootstrap's batch, mostly)
        first[packed[:width]] = 0
        inverse = np.zeros(len(keys), dtype=np.intp)
    else:
        inverse = np.array(
            [first.setdefault(packed[b * width : (b + 1) * width], b) for b in range(len(keys))],
            dtype=np.intp,
        )
    verdicts = np.zeros(len(keys), dtype=bool)
    design = _design_digest(X)
    for mask, b in first.items():
        if cell_mask[b].all() and _every_column_subset_full_rank(X, design):
            # every cell fitted: the design's columns at hand, which have full rank (below), with no SVD each
            # (an exhaustive search asks for thousands of column subsets of one design)
            verdicts[b] = True
            continue
        # the same design and masks come back in every run of a bootstrap and every fit of a model: the rank
        # (a singular value decomposition) is kept, by the design's digest and the masks
        # (read once and kept in a local: another thread's clearing between a store and a read is harmless)
        key = design + mask
        verdict = _FULL_RANK.get(key)
        if verdict is None:
            if len(_FULL_RANK) >= _FULL_RANK_CACHE_SIZE:
                _FULL_RANK.clear()
            sub = X[cell_mask[b]][:, column_mask[b]]
            verdict = bool(sub.shape[0] >= sub.shape[1] and np.linalg.matrix_rank(sub) == sub.shape[1])
            _FULL_RANK[key] = verdict
        verdicts[b] = verdict
    return verdicts[inverse]


#: Whether a design restricted by a pair of masks has full column rank, by :func:`_digest` of the design and the
#: packed masks.
_FULL_RANK: dict[bytes, bool] = {}
_FULL_RANK_CACHE_SIZE = 1 << 16


def _every_column_subset_full_rank(X: np.ndarray, design: bytes) -> bool:
    """Whether every subset of the columns of ``X`` (all its rows) has full column rank as
    ``np.linalg.matrix_rank`` judges it, known from one SVD of ``X`` (``design`` its :func:`_digest`).

    A subset's singular values interlace with the whole matrix's (Cauchy): its smallest is at least ``X``'s
    smallest, its largest at most ``X``'s largest, so matrix_rank's tolerance for it (largest singular value ×
    max(rows, columns) × eps) is at most ``X``'s. With ``X``'s smallest singular value :data:`_RANK_MARGIN` times
    above that bound, every subset's rank is full, far beyond any rounding of an SVD. The designs of the model
    spaces are so by a wide margin (the complete designs of two to nine lists, ``test_loglinear``).
    """
    verdict = _WELL_CONDITIONED.get(design)
    if verdict is None:
        if len(_WELL_CONDITIONED) >= _FULL_RANK_CACHE_SIZE:
            _WELL_CONDITIONED.clear()
        rows, columns = X.shape
        singular = np.linalg.svd(X, compute_uv=False) if X.size else np.zeros(0)
        bound = float(singular.max(initial=0.0)) * max(rows, columns) * np.finfo(float).eps
        verdict = bool(rows >= columns and len(singular) and singular.min() > _RANK_MARGIN * bound)
        _WELL_CONDITIONED[design] = verdict
    return verdict


#: How far above matrix_rank's tolerance a design's smallest singular value must be for
#: :func:`_every_column_subset_full_rank` to answer for its column subsets.
_RANK_MARGIN = 1e6
#: :func:`_every_column_subset_full_rank` of each design, by its digest.
_WELL_CONDITIONED: dict[bytes, bool] = {}


def _digest(*arrays: np.ndarray) -> bytes:
    """A digest of the shapes, types and bytes of ``arrays``."""
    digest = hashlib.blake2b(digest_size=32)
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape};".encode())
        digest.update(array.tobytes())
    return digest.digest()


@dataclasses.dataclass(frozen=True, eq=False)
class ModelFit:
    """One fitted model: its terms, the dark figure and population estimate, and what the fit needed."""

    lists: tuple[str, ...]
    terms: tuple[Term, ...]
    observed: int
    intercept: float
    intercept_se: float
    log_likelihood: float
    coefficients: dict[str, float]
    infinite_parameters: tuple[str, ...]  # fixed at −∞: interactions with no case (and lists with no case)
    fitted: np.ndarray  # expected count of every observable cell
    identifiable: bool
    converged: bool
    certainly_exists: bool
    cell_mask: np.ndarray  # cells fitted (not removed by a parameter at −∞)
    column_mask: np.ndarray  # parameters estimated (not at −∞)

    @property
    def term_names(self) -> list[str]:
        return [":".join(self.lists[i] for i in term) for term in self.terms]

    @property
    def max_order(self) -> int:
        """The order of the model's highest interaction (1: main effects only)."""
        return max((len(term) for term in self.terms), default=1)

    @property
    def n_parameters(self) -> int:
        """All parameters of the model, those at −∞ included (they count in the BIC penalty)."""
        return 1 + len(self.lists) + len(self.terms)

    @property
    def dark_figure(self) -> float:
        """Estimated number of people on no list."""
        return math.exp(self.intercept) if math.isfinite(self.intercept) else math.nan

    @property
    def estimate(self) -> float:
        """Estimated total population: observed plus the dark figure."""
        return self.observed + self.dark_figure

    @property
    def bic(self) -> float:
        """BIC = p·ln(n) − 2·log-likelihood, n the number of observed cases."""
        return bic_score(self.n_parameters, self.observed, self.log_likelihood)

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """Observed + exp(intercept ± z·SE): the log-normal interval from the intercept's standard error."""
        from scipy.special import ndtri  # the normal quantile (scipy.stats takes seconds to import)

        z = float(ndtri(0.5 + level / 2))
        return (
            self.observed + math.exp(self.intercept - z * self.intercept_se),
            self.observed + math.exp(self.intercept + z * self.intercept_se),
        )


def fit_model(capture: ListCapture, terms: Sequence[Term] = ()) -> ModelFit:
    """Fit main effects plus the interaction ``terms`` (tuples of list indices) to the capture counts."""
    terms = tuple(terms)
    X = cached_design(capture.n_lists, terms)
    batch = fit_batch(X, capture.counts[None, :])
    names = parameter_names(capture.lists, terms)
    return ModelFit(
        lists=capture.lists,
        terms=terms,
        observed=capture.observed,
        intercept=float(batch.intercept[0]),
        intercept_se=float(batch.intercept_se[0]),
        log_likelihood=float(batch.log_likelihood[0]),
        coefficients=dict(zip(names, (float(c) for c in batch.coefficients[0]), strict=True)),
        infinite_parameters=tuple(n for n, off in zip(names, batch.at_minus_infinity[0], strict=True) if off),
        fitted=batch.fitted[0],
        identifiable=bool(batch.identifiable[0]),
        converged=bool(batch.converged[0]),
        certainly_exists=bool(batch.certainly_exists()[0]),
        cell_mask=batch.cell_mask[0],
        column_mask=batch.column_mask[0],
    )


@dataclasses.dataclass(frozen=True)
class ExistenceCheck:
    """Whether a model's (extended) maximum-likelihood estimate exists and is identifiable for these data.

    ``lp_optimum`` is the optimum s of: maximise s subject to Aᵀx = Aᵀy, x ≥ s, x ≥ 0 (A the design over the
    cells left after removing parameters at −∞); s = 0 means the estimate does not exist (Fienberg & Rinaldo
    2012). In a table of more than a million people, y is the cells' support (1 where a cell holds people:
    :func:`programme_counts`). ``rank_deficiency`` > 0 means the model is not identifiable.
    """

    terms: tuple[str, ...]
    exists: bool
    identifiable: bool
    lp_optimum: float
    rank_deficiency: int
    infinite_parameters: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.exists and self.identifiable

    @property
    def message(self) -> str:
        if self.ok and any(":" in name for name in self.infinite_parameters):
            # an interaction of lists with no case in common has its MLE at −∞: the ordinary MLE does not exist
            return (
                "the extended maximum-likelihood estimate exists and is identifiable (interactions of lists with "
                "no case in common at −∞, their cells left out of the fit)"
            )
        if self.ok:
            return "the maximum-likelihood estimate exists and is identifiable"
        problems = []
        if not self.exists:
            problems.append("the (extended) maximum-likelihood estimate does not exist")
        if not self.identifiable:
            problems.append(f"the model is not identifiable (rank deficiency {self.rank_deficiency})")
        return "; ".join(problems)

    def to_dict(self) -> dict[str, object]:
        return {
            **dataclasses.asdict(self),
            "terms": list(self.terms),
            "message": self.message,
            "infinite_parameters": list(self.infinite_parameters),
        }


def check_existence(capture: ListCapture, terms: object = ()) -> ExistenceCheck:
    """Check existence (linear programme) and identifiability (rank) of main effects plus ``terms``.

    ``terms`` are ``"A:B"`` / ``"A:B:C"`` strings or index tuples, completed to a hierarchical model.
    """
    model_terms = capture.parse_terms(terms)
    X = cached_design(capture.n_lists, model_terms)
    y = capture.counts.astype(float)
    binary = X > 0
    column_mask = (y @ binary) > 0
    column_mask[0] = True
    cell_mask = ~(binary[:, ~column_mask].any(axis=1))
    sub = X[cell_mask][:, column_mask]
    rank_deficiency = int(sub.shape[1] - np.linalg.matrix_rank(sub))
    y = programme_counts(y)
    optimum = lp_optimum(sub, y[cell_mask])
    names = parameter_names(capture.lists, model_terms)
    return ExistenceCheck(
        terms=tuple(capture.term_name(p) for p in model_terms),
        exists=optimum > _lp_zero(y),
        identifiable=rank_deficiency == 0,
        lp_optimum=optimum,
        rank_deficiency=rank_deficiency,
        infinite_parameters=tuple(n for n, on in zip(names, column_mask, strict=True) if not on),
    )


def estimate_exists(X: np.ndarray, y: np.ndarray, cell_mask: np.ndarray, column_mask: np.ndarray) -> bool:
    """The linear-programme verdict for one count vector (cells and parameters already reduced by masks)."""
    y = programme_counts(y)
    return lp_optimum(X[cell_mask][:, column_mask], y[cell_mask]) > _lp_zero(y)


#: Above this many people in the table the programme is solved for the cells' support (:func:`programme_counts`).
LARGE_TABLE = 1_000_000


def programme_counts(y: np.ndarray) -> np.ndarray:
    """The counts the existence programme is solved for: ``y`` itself, or, in a table of more than
    :data:`LARGE_TABLE` people, 1 for every cell holding people and 0 for the others. Whether the estimate exists
    depends only on which cells are empty (Fienberg & Rinaldo 2012: the margins lie inside the marginal cone or on
    one of its faces, fixed by the support). With cells of a billion beside cells of 1 the solver's tolerances are
    larger than the small cells, and it called a feasible programme infeasible (a RuntimeError); and the optimum
    is compared with 10⁻⁹ of the table's total, which in a table of a billion people exceeded an optimum of 1/3
    (the estimate was said not to exist)."""
    if y.size and float(np.sum(y)) > LARGE_TABLE:
        return (y > 0).astype(float)
    return y


def _lp_zero(y: np.ndarray) -> float:
    return 1e-9 * max(1.0, float(np.sum(y)))


def lp_optimum(design: np.ndarray, y: np.ndarray) -> float:
    """max s subject to designᵀx = designᵀy, x_i ≥ s, x ≥ 0, s ≥ 0 (HiGHS).

    Solved as the same programme in x = s + u, u ≥ 0: designᵀu + s·designᵀ1 = designᵀy, with no inequality
    rows (a row x_i ≥ s per cell, in a dense identity of cells × cells, took 32 GiB for 16 lists; as sparse
    rows the simplex still took minutes: this form takes a fraction of a second for 14 lists).
    """
    m = design.shape[0]
    if m == 0:
        return 0.0
    key = _digest(design, y)  # everything the programme depends on
    optimum = _LP_OPTIMA.get(key)  # (a local: another thread's clearing of the cache cannot lose it)
    if optimum is None:
        if len(_LP_OPTIMA) >= _LP_CACHE_SIZE:
            _LP_OPTIMA.clear()
        optimum = _solve_lp(design, y)
        _LP_OPTIMA[key] = optimum
    return optimum


#: Optima of the existence programmes solved in this process, by their design and counts: a search meets the
#: same programme again (models whose terms at −∞ leave the same cells and parameters — 120 of the 145 programmes
#: of the UK 5-list search up to order 4 —, and an estimate's check repeats its selection's).
_LP_OPTIMA: dict[bytes, float] = {}
_LP_CACHE_SIZE = 4096


def _solve_lp(design: np.ndarray, y: np.ndarray) -> float:
    """The optimum of :func:`lp_optimum`'s programme, by HiGHS through ``highspy``: minimise −s over the
    columns (u for each cell, then s) of [designᵀ | designᵀ1], rows equal to designᵀy, every column ≥ 0.

    The model SciPy's ``linprog(method="highs")`` gave HiGHS (the same compressed columns, bounds, presolve and
    dual simplex), without SciPy's checks and conversions around it, which took three quarters of a small
    programme's time, nor the import of ``scipy.optimize``: its optimum is linprog's to the last bit
    (``test_loglinear``, and every programme of the estimation tests and of the published data sets)."""
    import highspy

    m, p = design.shape
    A = design.T
    column_sums = A.sum(axis=1)  # the column of s
    # column c (cell c) holds row c of the design's nonzero entries, in the order of the parameters
    cells, parameters = np.nonzero(design)
    s_rows = np.flatnonzero(column_sums)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = m + 1, p
    lp.col_cost_ = np.concatenate([np.zeros(m), [-1.0]])
    lp.col_lower_ = np.zeros(m + 1)
    lp.col_upper_ = np.full(m + 1, highspy.kHighsInf)
    rhs = A @ y
    lp.row_lower_, lp.row_upper_ = rhs, rhs
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.concatenate(
        [np.searchsorted(cells, np.arange(m + 1)), [len(cells) + len(s_rows)]]
    ).astype(np.int32)
    lp.a_matrix_.index_ = np.concatenate([parameters, s_rows]).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate([design[cells, parameters], column_sums[s_rows]])
    highs = _highs()
    highs.passModel(lp)
    run_highs(highs)
    status = highs.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:  # x = y is always feasible and s ≤ n/m: a solver failure
        raise SolverError(
            "the linear programme that checks whether the estimate exists was not solved "
            f"(HiGHS: {highs.modelStatusToString(status)}); no estimate is given without it"
        )
    return float(-highs.getInfo().objective_function_value)


class SolverError(EvidenceError):
    """HiGHS left an existence programme unanswered (a limit or a numerical failure: the programme always has
    an optimum). Not the data's fault, so no estimate is withheld or given on a guess: the command stops."""

    exit_code = 1  # found once the command ran (read by evidence.cli.main)


def _highs():  # -> highspy.Highs
    """This thread's HiGHS solver (one per thread: a solver holds its model), made once, writing nothing
    (:func:`~evidence.core.highs.quiet_highs`), with SciPy's linprog settings."""
    made = getattr(_HIGHS, "solver", None)
    if made is not None and made[0] == os.getpid():  # (a forked process makes its own)
        made[1].clearModel()
        return made[1]
    highs = quiet_highs()
    highs.setOptionValue("presolve", "on")
    highs.setOptionValue("simplex_strategy", 1)  # dual simplex, as linprog asks
    _HIGHS.solver = (os.getpid(), highs)
    return highs


_HIGHS = threading.local()
