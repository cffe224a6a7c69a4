"""Generalized linear models (Poisson and binomial) and the NB2 negative binomial, in numpy, with the numbers
statsmodels gives.

The count and association models of the toolkit were fitted with statsmodels, whose import (pandas, pyarrow,
scipy.stats, formulaic, patsy: about 0.6 s) cost a country brief far more than its few dozen small fits
(about 0.1 s). This module fits the same models with numpy and ``scipy.special`` (and ``scipy.optimize`` for
the negative binomial), following statsmodels 0.14–0.15 step by step, so that every estimate, covariance and
test is the one statsmodels gives (to rounding: the property tests in ``tests/analyses/test_glm.py`` compare the
two over random designs):

- :func:`fit_glm` is ``GLM(y, X, family=Poisson() or Binomial(), offset=offset).fit(cov_type=...)``:
  iteratively reweighted least squares from the family's starting means (``(y + ȳ)/2``, or ``(y + ½)/2`` for the
  binomial), each step a least-squares solve (``lstsq``), stopping when the deviance changes by at most ``tol``
  (1e-8) or after ``maxiter`` (100) steps; the coefficients and the covariance then come from the pseudo-inverse
  of the last weighted design, as statsmodels' closing WLS fit computes them (a rank-deficient design gives the
  minimum-norm solution, with statsmodels' warning). Covariance: ``nonrobust`` (the inverse information),
  ``HC0``–``HC3`` (for a GLM, statsmodels computes all four as the uncorrected sandwich), or ``cluster`` (with
  ``groups``; the sandwich of the groups' score sums times G/(G−1)·(n−1)/(n−k), statsmodels' default CRV1
  correction). Intervals and p-values use the normal distribution (statsmodels' default ``use_t=False``).
- :func:`fit_negative_binomial` is ``NegativeBinomial(y, X, loglike_method="nb2").fit(start_params=...,
  method="bfgs" or "newton", maxiter=...)``: the same objective (the mean negative log-likelihood, log alpha
  as the last parameter for BFGS), the same optimiser (``scipy.optimize.fmin_bfgs`` with statsmodels' gtol, or
  statsmodels' Newton iteration with its ridge) and the covariance as the inverse of the negative analytic
  Hessian at the optimum.

Warnings are statsmodels' own messages (perfect separation, a rank-deficient design, a Hessian that cannot be
inverted, no convergence), raised as warnings so that :func:`evidence.analyses.count_models.captured_warnings`
shows them beside the result, as it did with statsmodels.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from typing import Literal

import numpy as np
from scipy.special import digamma, gammaln, ndtr, ndtri, polygamma

from evidence.core.errors import ParameterError

Family = Literal["poisson", "binomial"]

_EPS = float(np.finfo(float).eps)

#: The robust covariances :func:`fit_glm` computes (statsmodels' names; HC0 to HC3 are one estimator for a GLM).
COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster")


class MissingDataError(Exception):
    """The design holds NaN or infinity (statsmodels' error, not a ValueError: callers let it through)."""


class PerfectSeparationWarning(UserWarning):
    """The fitted means equal the observations: a coefficient may be unbounded (statsmodels' warning)."""


class SingularMatrixWarning(UserWarning):
    """The weighted design is rank-deficient: the coefficients are not uniquely determined."""


class HessianInversionWarning(UserWarning):
    """The Hessian at the optimum is not negative definite: no covariance."""


class ConvergenceWarning(UserWarning):
    """The optimiser stopped before its convergence criterion was met."""


_SEPARATION = "Perfect separation or prediction detected, parameter may not be identified"


@dataclasses.dataclass(frozen=True)
class Fit:
    """A fitted model: coefficients, their covariance (None when the Hessian could not be inverted), the
    log-likelihood and AIC, and whether the fit converged. Intervals and p-values are Wald, from the normal
    distribution."""

    params: np.ndarray
    cov: np.ndarray | None
    llf: float
    aic: float
    converged: bool
    iterations: int

    @property
    def bse(self) -> np.ndarray:
        """Standard errors (NaN without a covariance)."""
        if self.cov is None:
            return np.full(len(self.params), np.nan)
        with np.errstate(invalid="ignore"):
            return np.sqrt(np.diag(self.cov))

    def cov_params(self) -> np.ndarray:
        """The covariance; ValueError when there is none (statsmodels' behaviour)."""
        if self.cov is None:
            raise ValueError("need covariance of parameters for computing (unnormalized) covariances")
        return self.cov

    @property
    def pvalues(self) -> np.ndarray:
        """Two-sided p-values of the Wald z statistics."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(2 * ndtr(-np.abs(self.params / self.bse)), dtype=float)

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        """Wald intervals at level 1 − alpha, one row (low, high) per coefficient."""
        q = ndtri(1 - alpha / 2.0)
        bse = self.bse
        return np.column_stack([self.params - q * bse, self.params + q * bse])


@dataclasses.dataclass(frozen=True)
class GLMFit(Fit):
    """A fitted Poisson or binomial GLM (:func:`fit_glm`)."""

    family: Family = "poisson"
    mu: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))  # fitted means
    deviance: float = float("nan")
    pearson_chi2: float = float("nan")
    df_resid: float = float("nan")  # observations − rank of the design
    cov_type: str = "nonrobust"


# ------------------------------------------------------------------------------------- families (statsmodels')


def _starting_mu(family: Family, y: np.ndarray) -> np.ndarray:
    return (y + 0.5) / 2 if family == "binomial" else (y + y.mean()) / 2.0


def _clean(family: Family, mu: np.ndarray) -> np.ndarray:
    """The links' and the binomial variance's clipping of means to their domain."""
    return np.clip(mu, _EPS, 1.0 - _EPS) if family == "binomial" else np.clip(mu, _EPS, np.inf)


def _link(family: Family, mu: np.ndarray) -> np.ndarray:
    p = _clean(family, mu)
    return np.log(p / (1.0 - p)) if family == "binomial" else np.log(p)


def _inverse_link(family: Family, eta: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-eta)) if family == "binomial" else np.exp(eta)


def _link_deriv(family: Family, mu: np.ndarray) -> np.ndarray:
    p = _clean(family, mu)
    return 1.0 / (p * (1 - p)) if family == "binomial" else 1.0 / p


def _variance(family: Family, mu: np.ndarray) -> np.ndarray:
    if family == "binomial":
        p = _clean(family, mu)
        return p * (1 - p)
    return np.power(np.fabs(mu), 1.0)


def _weights(family: Family, mu: np.ndarray) -> np.ndarray:
    return 1.0 / (_link_deriv(family, mu) ** 2 * _variance(family, mu))


def _positive(x: np.ndarray) -> np.ndarray:
    return np.clip(x, _EPS, np.inf)


def _deviance(family: Family, y: np.ndarray, mu: np.ndarray) -> float:
    if family == "binomial":
        endog_mu = _positive(y / (mu + 1e-20))
        n_endog_mu = _positive((1.0 - y) / (1.0 - mu + 1e-20))
        return float(np.sum(2 * (y * np.log(endog_mu) + (1 - y) * np.log(n_endog_mu))))
    endog_mu = _positive(y / mu)
    return float(np.sum(2 * (y * np.log(endog_mu) - (y - mu))))


def _loglike(family: Family, y: np.ndarray, mu: np.ndarray) -> float:
    if family == "binomial":
        return float(
            np.sum(
                gammaln(2.0)
                - gammaln(y + 1)
                - gammaln(1 - y + 1)
                + y * np.log((mu + 1e-20) / (1 - mu + 1e-20))
                + np.log(1 - mu + 1e-20)
            )
        )
    return float(np.sum(y * np.log(mu) - mu - gammaln(y + 1)))


# ------------------------------------------------------------------------------------------------------ GLM


def _as_data(y: object, X: object) -> tuple[np.ndarray, np.ndarray]:
    y_arr = np.asarray(y, dtype=float)
    X_arr = np.asarray(X, dtype=float)
    if X_arr.ndim == 1:
        X_arr = X_arr[:, None]
    if y_arr.ndim != 1 or X_arr.ndim != 2 or X_arr.shape[0] != y_arr.shape[0]:
        raise ValueError("y must be one-dimensional and X a matrix with one row per observation")
    if X_arr.size == 0:  # statsmodels' ValueError (the maximum of an empty design), not a fit of zeros
        raise ValueError(
            f"no observations or no columns to fit: the design is {X_arr.shape[0]} × {X_arr.shape[1]}"
        )
    if not np.all(np.isfinite(X_arr)):
        raise MissingDataError("exog contains inf or nans")
    return y_arr, X_arr


def fit_glm(
    y: object,
    X: object,
    *,
    family: Family = "poisson",
    offset: object = None,
    cov_type: str = "nonrobust",
    groups: object = None,
    maxiter: int = 100,
    tol: float = 1e-8,
) -> GLMFit:
    """A Poisson (log link) or binomial (logit link, 0/1 outcomes) GLM fitted by IRLS as statsmodels'
    ``GLM(y, X, family=..., offset=offset).fit(cov_type=cov_type, cov_kwds={"groups": groups})`` fits it
    (see the module's notes). ``cov_type`` is one of :data:`COV_TYPES`; ``groups`` (one label per observation)
    is required by, and only allowed with, ``cluster``.

    Raises as statsmodels does: :class:`MissingDataError` for a non-finite design, ValueError for a first
    deviance that is NaN or non-finite weights or working responses during the iterations, and numpy's
    LinAlgError when a robust covariance's Hessian is singular. Warns :class:`PerfectSeparationWarning` when the fitted means equal the outcomes and
    :class:`SingularMatrixWarning` for a rank-deficient design; a fit that does not converge has
    ``converged`` false (statsmodels does not warn)."""
    if family not in ("poisson", "binomial"):
        raise ParameterError(f"family must be poisson or binomial, not {family!r}")
    normalized = cov_type.upper() if cov_type.upper().startswith("HC") else cov_type.lower()
    if normalized not in COV_TYPES:
        raise ParameterError(f"cov_type must be one of {', '.join(COV_TYPES)}, not {cov_type!r}")
    if (normalized == "cluster") != (groups is not None):
        raise ParameterError("groups are given with, and only with, cov_type='cluster'")
    y_arr, X_arr = _as_data(y, X)
    n, k = X_arr.shape
    off = np.zeros(n) if offset is None else np.asarray(offset, dtype=float)
    if off.shape != (n,):
        raise ValueError("offset is not the same length as endog")

    mu = _starting_mu(family, y_arr)
    lin_pred = _link(family, mu)
    dev = _deviance(family, y_arr, mu)
    if np.isnan(dev):
        raise ValueError(
            "The first guess on the deviance function returned a nan.  This could be a boundary  problem and "
            "should be reported."
        )
    history = [np.inf, dev]
    converged = False
    iteration = 0
    w_half = np.zeros(n)
    z = np.zeros(n)
    for iteration in range(maxiter):
        weights = _weights(family, mu)
        z = lin_pred + _link_deriv(family, mu) * (y_arr - mu) - off
        w_half = np.sqrt(weights)
        if not np.all(np.isfinite(w_half)):
            raise ValueError("NaN, inf or invalid value detected in weights, estimation infeasible.")
        if not np.all(np.isfinite(z)):
            raise ValueError("NaN, inf or invalid value detected in endog, estimation infeasible.")
        params = np.linalg.lstsq(w_half[:, None] * X_arr, w_half * z, rcond=-1)[0]
        lin_pred = X_arr @ params + off
        mu = _inverse_link(family, lin_pred)
        history.append(_deviance(family, y_arr, mu))
        if _all_near_zero(mu - y_arr):
            warnings.warn(_SEPARATION, PerfectSeparationWarning, stacklevel=2)
        converged = _close(history[iteration + 1], history[iteration + 2], tol)
        if converged:
            break
    # statsmodels' closing WLS fit of the last working response, by the pseudo-inverse
    wexog = w_half[:, None] * X_arr
    pinv, singular = _pinv(wexog)
    params = pinv @ (w_half * z)
    normalized_cov = pinv @ pinv.T
    if int(np.sum(singular > singular.max(initial=0.0) * len(singular) * _EPS)) < k:
        warnings.warn(
            "The design matrix is rank-deficient. The model parameters are not uniquely determined.",
            SingularMatrixWarning,
            stacklevel=2,
        )
    mu = _inverse_link(family, X_arr @ params + off)
    rank = int(np.linalg.matrix_rank(X_arr))
    if normalized == "nonrobust":
        cov = normalized_cov
    else:
        cov = _sandwich(family, y_arr, X_arr, mu, groups if normalized == "cluster" else None)
    llf = _loglike(family, y_arr, mu)
    return GLMFit(
        params=params,
        cov=cov,
        llf=llf,
        aic=-2 * llf + 2 * rank,
        converged=converged,
        iterations=iteration + 1,
        family=family,
        mu=mu,
        deviance=_deviance(family, y_arr, mu),
        pearson_chi2=float(np.sum((y_arr - mu) ** 2 / _variance(family, mu))),
        df_resid=float(n - rank),
        cov_type=cov_type,
    )


def _all_near_zero(x: np.ndarray) -> bool:
    """``np.allclose(x, 0)`` (within 1e-8; NaN or infinity is not), without its array machinery: a tenth of a
    millisecond an iteration, for the hundred fits of a brief's break searches."""
    return bool(np.all(np.abs(x) <= 1e-8))


def _close(a: float, b: float, tol: float) -> bool:
    """``np.allclose(a, b, atol=tol, rtol=0.0)`` of two numbers: equal (two infinities of one sign too), or
    within ``tol``; NaN is close to nothing."""
    return bool(a == b or abs(a - b) <= tol)


def _pinv(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """statsmodels' ``pinv_extended``: the pseudo-inverse (singular values below 1e-15 of the largest are
    zero) and the singular values."""
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    cutoff = 1e-15 * s.max(initial=0.0)
    inverted = np.zeros_like(s)
    big = s > cutoff
    inverted[big] = 1.0 / s[big]
    return vt.T @ (inverted[:, None] * u.T), s


def _sandwich(family: Family, y: np.ndarray, X: np.ndarray, mu: np.ndarray, groups: object) -> np.ndarray:
    """statsmodels' robust covariance of a GLM: H⁻¹ S H⁻¹ with H the observed Hessian of the log-likelihood at
    the estimate and S the cross-product of the observations' scores (``HC0``–``HC3``: no correction), or of
    the groups' score sums times G/(G−1)·(n−1)/(n−k) (``cluster``, CRV1)."""
    score_factor = (y - mu) / _link_deriv(family, mu) / _variance(family, mu)
    scores = score_factor[:, None] * X
    hessian = -(X * _observed_factor(family, mu, score_factor)[:, None]).T @ X
    hessian_inv = np.linalg.inv(hessian)
    if groups is None:
        return hessian_inv @ (scores.T @ scores) @ hessian_inv.T
    labels = np.asarray(groups).squeeze()
    if labels.shape != (len(y),):
        raise ValueError("groups must give one label per observation")
    _, codes = np.unique(labels, return_inverse=True)
    n_groups = int(codes.max()) + 1 if len(codes) else 0
    sums = np.zeros((n_groups, X.shape[1]))
    np.add.at(sums, codes.ravel(), scores)
    cov = hessian_inv @ (sums.T @ sums) @ hessian_inv.T
    n, k = X.shape
    return cov * (n_groups / (n_groups - 1.0) * ((n - 1.0) / float(n - k)))


def _observed_factor(family: Family, mu: np.ndarray, score_factor: np.ndarray) -> np.ndarray:
    """statsmodels' ``hessian_factor(observed=True)``: the expected information's weights times
    1 + score·(V·g'' + V'·g'). The correction is rounding dust for these canonical links, except where a mean
    reaches its domain's edge: there it is statsmodels' (an unbounded coefficient's huge or undefined variance),
    not the expected information's."""
    if family == "binomial":
        v = mu * (1 - mu)
        deriv2 = (2 * mu - 1) / v**2
        variance_deriv = 1 - 2 * _clean(family, mu)
    else:
        deriv2 = -1.0 / _clean(family, mu) ** 2
        variance_deriv = np.where(mu < 0, -1.0, 1.0) * np.fabs(mu) ** 0.0
    tmp = score_factor * (_variance(family, mu) * deriv2 + variance_deriv * _link_deriv(family, mu))
    return np.asarray(_weights(family, mu) * (1 + tmp))


# ---------------------------------------------------------------------------------- negative binomial (NB2)


@dataclasses.dataclass(frozen=True)
class NegativeBinomialFit(Fit):
    """A fitted NB2 model (:func:`fit_negative_binomial`): ``params`` ends with alpha (the variance is
    mu + alpha·mu²)."""


def _nb2_loglikeobs(params: np.ndarray, alpha: float, y: np.ndarray, X: np.ndarray) -> np.ndarray:
    mu = np.exp(X @ params[: X.shape[1]])
    size = 1 / alpha * mu**0
    prob = size / (size + mu)
    coeff = gammaln(size + y) - gammaln(y + 1) - gammaln(size)
    return np.asarray(coeff + size * np.log(prob) + y * np.log(1 - prob))


def _nb2_score(params: np.ndarray, y: np.ndarray, X: np.ndarray, log_alpha: bool) -> np.ndarray:
    alpha = np.exp(params[-1]) if log_alpha else params[-1]
    mu = np.exp(X @ params[:-1])[:, None]
    yc = y[:, None]
    a1 = 1 / alpha * mu**0
    dgpart = digamma(yc + a1) - digamma(a1)
    dparams = X * a1 * (yc - mu) / (mu + a1)
    da1 = -(alpha**-2)
    dalpha = (dgpart + np.log(a1) - np.log(a1 + mu) - (yc - mu) / (a1 + mu)).sum() * da1
    # the coefficients' scores then alpha's, as ``np.r_`` stacked them (the same values; ``np.r_`` parsed its
    # arguments in Python, most of a score's time in the hundreds a break search's BFGS fits evaluate)
    score = np.empty(X.shape[1] + 1)
    score[:-1] = dparams.sum(0)
    score[-1] = dalpha * alpha if log_alpha else dalpha
    return score


def _nb2_hessian(params: np.ndarray, y: np.ndarray, X: np.ndarray, log_alpha: bool) -> np.ndarray:
    """The Hessian in (coefficients, alpha), alpha read as exp(last) when ``log_alpha`` (as statsmodels
    evaluates it after a BFGS fit)."""
    alpha = np.exp(params[-1]) if log_alpha else params[-1]
    a1 = 1 / alpha
    mu = np.exp(X @ params[:-1])[:, None]
    yc = y[:, None]
    prob = a1 / (a1 + mu)
    dgpart = digamma(a1 + yc) - digamma(a1)
    dim = X.shape[1]
    hess = np.empty((dim + 1, dim + 1))
    const_arr = a1 * mu * (a1 + yc) / (mu + a1) ** 2
    hess[:-1, :-1] = -(X.T * const_arr[:, 0]) @ X
    da1 = -(alpha**-2)
    dldpda = -np.sum(mu * X * (yc - mu) * a1**2 / (mu + a1) ** 2, axis=0)
    hess[-1, :-1] = dldpda
    hess[:-1, -1] = dldpda
    da2 = 2 * alpha**-3
    dalpha = da1 * (dgpart + np.log(prob) - (yc - mu) / (a1 + mu))
    dada = (
        da2 * dalpha / da1
        + da1**2
        * (polygamma(1, a1 + yc) - polygamma(1, a1) + 1 / a1 - 1 / (a1 + mu) + (yc - mu) / (mu + a1) ** 2)
    ).sum()
    hess[-1, -1] = dada
    return hess


def _k_constant(X: np.ndarray) -> int:
    """statsmodels' count of constants in a design: a nonzero constant column, else an implicit one (the
    columns span the constant)."""
    constant = np.flatnonzero(X.max(axis=0) == X.min(axis=0))
    if any(X[:, i].mean() != 0 for i in constant):
        return 1
    augmented = np.column_stack([np.ones(X.shape[0]), X])
    return int(np.linalg.matrix_rank(augmented) == np.linalg.matrix_rank(X))


def fit_negative_binomial(
    y: object,
    X: object,
    start_params: object,
    *,
    method: Literal["bfgs", "newton"] = "bfgs",
    maxiter: int = 35,
) -> NegativeBinomialFit:
    """The NB2 model of counts ``y`` (log link, variance mu + alpha·mu²) by maximum likelihood, as statsmodels'
    ``NegativeBinomial(y, X, loglike_method="nb2").fit(start_params=start_params, method=method,
    maxiter=maxiter, disp=0)``: ``start_params`` are the coefficients then alpha (> 0).

    ``bfgs``: ``scipy.optimize.fmin_bfgs`` of the mean negative log-likelihood in (coefficients, log alpha),
    gtol 1e-5 on the largest gradient component; the covariance is the inverse of the negative Hessian in
    (coefficients, alpha) when that is positive definite, else None (with statsmodels' warning).
    ``newton``: statsmodels' Newton iteration in (coefficients, alpha) (a 1e-10 ridge on the Hessian; stops
    when no parameter moves by more than 1e-8, and counts as not converged when it used every iteration);
    the covariance is the inverse of the negative Hessian (numpy's LinAlgError when singular).
    A fit that did not converge warns :class:`ConvergenceWarning`."""
    from scipy.optimize import fmin_bfgs

    y_arr, X_arr = _as_data(y, X)
    nobs = y_arr.shape[0]
    start = np.array(start_params, dtype=float, copy=True)
    log_alpha = method == "bfgs"
    if log_alpha:
        start[-1] = np.log(start[-1])

    def objective(params: np.ndarray) -> float:
        alpha = np.exp(params[-1]) if log_alpha else params[-1]
        return float(-_nb2_loglikeobs(params[:-1], alpha, y_arr, X_arr).sum() / nobs)

    def gradient(params: np.ndarray) -> np.ndarray:
        return -_nb2_score(params, y_arr, X_arr, log_alpha) / nobs

    cov: np.ndarray | None
    if method == "bfgs":
        xopt, _, _, _, _, _, warnflag = fmin_bfgs(
            objective,
            start,
            gradient,
            gtol=1.0000000000000001e-05,
            norm=np.inf,
            epsilon=1.4901161193847656e-08,
            maxiter=maxiter,
            full_output=True,
            disp=False,
            callback=lambda *x: x,
        )
        converged = not warnflag
        iterations = -1  # fmin_bfgs does not report it
        negative = -1 * _nb2_hessian(xopt, y_arr, X_arr, log_alpha=True)
        cov = None
        if np.all(np.isfinite(negative)):
            eigvals, eigvecs = np.linalg.eigh(negative)
            if np.min(eigvals) > 0:
                inverse = eigvecs.dot(np.diag(1.0 / eigvals)).dot(eigvecs.T)
                cov = (inverse + inverse.T) / 2.0
        if cov is None:
            warnings.warn(
                "Inverting hessian failed, no bse or cov_params available",
                HessianInversionWarning,
                stacklevel=2,
            )
        params = np.array(xopt, dtype=float)
        params[-1] = np.exp(params[-1])
    elif method == "newton":
        params, iterations, converged = _newton(gradient, y_arr, X_arr, start, maxiter)
        cov = np.linalg.inv(-_nb2_hessian(params, y_arr, X_arr, log_alpha=False) / nobs) / nobs
    else:
        raise ParameterError(f"method must be bfgs or newton, not {method!r}")
    if not converged:
        warnings.warn(
            "Maximum Likelihood optimization failed to converge. Check mle_retvals",
            ConvergenceWarning,
            stacklevel=2,
        )
    llf = float(np.sum(_nb2_loglikeobs(params[:-1], params[-1], y_arr, X_arr)))
    rank = _rank_qr(X_arr)
    return NegativeBinomialFit(
        params=params,
        cov=cov,
        llf=llf,
        aic=-2 * (llf - ((rank - 1) + _k_constant(X_arr) + 1)),
        converged=bool(converged),
        iterations=iterations,
    )


def _newton(
    gradient: Callable[[np.ndarray], np.ndarray],
    y: np.ndarray,
    X: np.ndarray,
    start: np.ndarray,
    maxiter: int,
) -> tuple[np.ndarray, int, bool]:
    """statsmodels' ``_fit_newton`` of the mean negative log-likelihood (alpha untransformed): the iterations,
    and whether it stopped before using them all."""
    nobs = y.shape[0]
    iterations = 0
    old: np.ndarray | float = np.inf
    new = np.asarray(start)
    while iterations < maxiter and np.any(np.abs(new - old) > 1e-8):
        H = -_nb2_hessian(new, y, X, log_alpha=False) / nobs
        H[np.diag_indices(H.shape[0])] += 1e-10
        old = new
        new = old - np.linalg.solve(H, gradient(old))
        iterations += 1
    return new, iterations, iterations != maxiter


def _rank_qr(X: np.ndarray) -> int:
    """statsmodels' rank of a discrete model's design (pivoted QR, tolerance |r₁₁|·k·eps)."""
    from scipy.linalg import qr

    r = qr(X, mode="r", pivoting=True)[0]
    abs_diag = np.abs(np.diag(r))
    return int((abs_diag > abs_diag[0] * X.shape[1] * _EPS).sum()) if len(abs_diag) else 0


# ----------------------------------------------------------------------------------------------- proportions


def wilson_limits(count: object, nobs: object, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of ``count`` successes in ``nobs`` trials at level 1 − alpha (vectorised,
    clipped to [0, 1]), as statsmodels' ``proportion_confint(count, nobs, alpha, method="wilson")``."""
    count_a = np.asarray(count, dtype=float)
    nobs_a = np.asarray(nobs, dtype=float)
    q = count_a / nobs_a
    crit = -ndtri(alpha / 2.0)
    crit2 = crit**2
    denom = 1 + crit2 / nobs_a
    center = (q + crit2 / (2 * nobs_a)) / denom
    dist = crit * np.sqrt(q * (1.0 - q) / nobs_a + crit2 / (4.0 * nobs_a**2))
    dist /= denom
    return np.clip(center - dist, 0, 1), np.clip(center + dist, 0, 1)


def newcombe_difference(
    count1: float, nobs1: float, count2: float, nobs2: float, alpha: float = 0.05
) -> tuple[float, float]:
    """Newcombe's hybrid score interval of the difference of two proportions, count1/nobs1 − count2/nobs2, at
    level 1 − alpha (from each proportion's Wilson interval), as statsmodels'
    ``confint_proportions_2indep(count1, nobs1, count2, nobs2, method="newcomb", compare="diff", alpha=alpha)``."""
    p1, p2 = count1 / nobs1, count2 / nobs2
    low1, upp1 = wilson_limits(count1, nobs1, alpha=alpha)
    low2, upp2 = wilson_limits(count2, nobs2, alpha=alpha)
    d_low = np.sqrt((p1 - low1) ** 2 + (upp2 - p2) ** 2)
    d_upp = np.sqrt((p2 - low2) ** 2 + (upp1 - p1) ** 2)
    return float(p1 - p2 - d_low), float(p1 - p2 + d_upp)
