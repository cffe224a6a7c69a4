"""Log-linear models of counts (Poisson, overdispersion check, negative binomial) for trends and corridors.

**Models that cannot be estimated.** Sparse series (zeros, then a jump; victims in a single end year) have no
finite maximum-likelihood trend: the fit drifts towards ±infinity. :func:`finite_trend_exists` recognises them
before any fit, and :func:`fit_counts` raises :class:`EstimationError` (a :class:`ParameterError`, so that every
caller that reports a bad selection also reports these) instead of returning overflowing numbers.

**Warnings.** What a fit warns about (no convergence, a singular Hessian, perfect separation) is captured
(:func:`captured_warnings`) into the result's ``warnings``, so that it is shown beside the number it concerns
rather than printed to a log nobody reads, or hidden.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import threading
import warnings
from collections.abc import Iterator
from typing import Any, Literal

import numpy as np

from evidence.core.errors import ParameterError


class EstimationError(ParameterError):
    """The selected data cannot support the model: no finite estimate exists (a sparse series whose trend is
    unbounded), or the fit failed numerically. Raised instead of overflowing or returning meaningless numbers."""


#: Pearson dispersion (chi² / residual df) of the Poisson fit above which a count model is refitted as
#: negative binomial (NB2, alpha estimated). 1.5 is a common working threshold for yearly count series.
OVERDISPERSION_THRESHOLD = 1.5

_DEVELOPER_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning, ImportWarning)


@contextlib.contextmanager
def captured_warnings() -> Iterator[list[str]]:
    """Collect, as one line each (repeats once), the warnings raised inside the block, for a result's
    ``warnings``; numpy's floating-point notices are silenced (fits check their numbers for finiteness).
    Warnings meant for developers (deprecations) are passed on, not collected."""
    messages: list[str] = []
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        try:
            yield messages
        finally:
            found = list(caught)
    for w in found:
        if issubclass(w.category, _DEVELOPER_WARNINGS):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        else:
            line = str(w.message).strip().splitlines()[0] if str(w.message).strip() else w.category.__name__
            if line not in messages:
                messages.append(line)


_BLAS_CONTROLLER: list[object] = []  # threadpoolctl's view of the loaded BLAS libraries, made once
# The BLAS limit is the process's (OpenBLAS keeps one pool): the first block entered sets it and the last one
# left restores it. Blocks that each restored what they saw at entry would undo one another's limit when
# threads leave out of order, and a fit still running would go on with several threads (other last bits).
_BLAS_LOCK = threading.Lock()
_BLAS_HELD: list[Any] = []  # the limiter of the outermost block while any block runs
_BLAS_DEPTH = [0]


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with one BLAS thread. A model fitted by iterated least squares solves one small system
    after another: BLAS threads only wait on each other (and on other processes for the cores), making the
    fit several times slower on a busy machine (a logistic regression of a few thousand victims: 6 ms a step
    instead of 1). One thread also makes the numbers the same on every machine: a product of matrices split
    among threads sums in another order (a 6-list bootstrap's fitted values differ in their last bits).

    Blocks may nest and may run in several threads at once: the limit holds from the first block entered to
    the last one left, and the limits found before are restored then. threadpoolctl's controller is made
    once (finding the libraries takes a millisecond, limiting them a few microseconds)."""
    with _BLAS_LOCK:
        if _BLAS_DEPTH[0] == 0:
            from threadpoolctl import ThreadpoolController

            if not _BLAS_CONTROLLER:
                _BLAS_CONTROLLER.append(ThreadpoolController())
            controller = _BLAS_CONTROLLER[0]
            assert isinstance(controller, ThreadpoolController)
            _BLAS_HELD.append(controller.limit(limits=1, user_api="blas"))
        _BLAS_DEPTH[0] += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_DEPTH[0] -= 1
            if _BLAS_DEPTH[0] == 0:
                _BLAS_HELD.pop().restore_original_limits()


@dataclasses.dataclass(frozen=True)
class CountFit:
    """A fitted log-linear count model: coefficients, covariance, which model it is, and what the fit warned."""

    model: str  # "poisson", "negative_binomial" or "quasi_poisson"
    params: np.ndarray
    cov: np.ndarray
    llf: float
    aic: float
    dispersion: float  # Pearson chi² / residual df of the Poisson fit (NaN with no residual df)
    alpha: float | None  # NB2 dispersion parameter when the model is negative binomial
    n_params: int
    converged: bool
    warnings: tuple[str, ...] = ()
    #: observations less coefficients (None where not recorded): the degrees of freedom of a quasi-Poisson
    #: fit's estimated dispersion
    df_resid: int | None = None

    def coefficient(self, contrast: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float]:
        """exp(contrast·beta) with its Wald interval and two-sided p-value (an interval limit beyond the float
        range is infinity, not an OverflowError). Normal quantiles, except for a quasi-Poisson fit, whose
        dispersion is estimated from ``df_resid`` degrees of freedom: Student's t on them (as R's quasipoisson)."""
        # the normal and t functions: scipy.stats takes a second to import
        from scipy.special import ndtr, ndtri, stdtr, stdtrit

        estimate = float(contrast @ self.params)
        se = float(math.sqrt(max(contrast @ self.cov @ contrast, 0.0)))
        df = self.df_resid if self.model == "quasi_poisson" and self.df_resid else None
        z = ndtri(0.5 + level / 2) if df is None else stdtrit(df, 0.5 + level / 2)
        if se > 0:
            p = float(2 * (ndtr(-abs(estimate) / se) if df is None else stdtr(df, -abs(estimate) / se)))
        else:
            p = 0.0 if estimate else 1.0
        return safe_exp(estimate), safe_exp(estimate - z * se), safe_exp(estimate + z * se), p


def safe_exp(x: float) -> float:
    """exp(x), infinite instead of an overflow error; NaN stays NaN (an undefined limit, not an unbounded one)."""
    return math.exp(x) if not x > 709.0 else math.inf


def finite_trend_exists(years: np.ndarray, counts: np.ndarray) -> bool:
    """Whether a log-linear trend (intercept and slope) of Poisson or negative binomial counts has a finite
    maximum-likelihood estimate.

    It has one exactly when the victims fall in at least two distinct years, or in a single year that is
    neither the first nor the last: otherwise a line that is 0 at the victims' year and negative at every other
    year improves the likelihood without end (perfect separation), and the fitted slope runs off to ±infinity.
    """
    years, counts = np.asarray(years, dtype=float), np.asarray(counts, dtype=float)
    with_victims = np.unique(years[counts > 0])
    if len(with_victims) >= 2:
        return True
    return bool(len(with_victims) == 1 and years.min() < with_victims[0] < years.max())


def fit_counts(
    y: np.ndarray,
    X: np.ndarray,
    *,
    family: Literal["auto", "poisson", "negative_binomial"] = "auto",
    poisson: CountFit | None = None,
) -> CountFit:
    """Log-linear model of counts.

    ``auto``: a Poisson GLM; if its Pearson dispersion exceeds :data:`OVERDISPERSION_THRESHOLD`, a negative
    binomial (NB2, alpha by maximum likelihood). When the NB fit fails to converge (short series), the Poisson
    fit with its covariance scaled by the dispersion (quasi-Poisson) is used instead, and named so (its intervals
    and p-values on Student's t with the residual degrees of freedom: :meth:`CountFit.coefficient`).
    ``poisson`` and ``negative_binomial`` force the family (the latter still falls back to quasi-Poisson).

    Raises :class:`EstimationError` when the Poisson fit fails or has no finite coefficients and covariance
    (check :func:`finite_trend_exists` first to tell a sparse series from a numerical failure).

    ``poisson``: the Poisson fit of these ``y`` and ``X`` (``family="poisson"``), when the caller has it
    already: it is not fitted again.

    The same counts, design and family fitted again in this process give the fit made the first time (the
    same object: its arrays are shared, not to be changed in place): a brief models the series of all victims
    once per breakdown it shows (by form, by sex, by age), and searches each for a break year by year (half
    of a brief's fits were repeats). A fit is a function of its numbers alone; one that raised is not kept."""
    y = np.asarray(y, dtype=float)
    if not (np.all(np.isfinite(y)) and np.all(y >= 0)):
        raise ParameterError("a count model needs finite, non-negative counts")
    if poisson is None:
        design = np.ascontiguousarray(X, dtype=float)
        key = (family, design.shape, y.tobytes(), design.tobytes())
        kept = _FITS.get(key)
        if kept is None:
            kept = _fit_counts(y, X, family, None)
            if len(_FITS) >= _FITS_KEPT:
                del _FITS[next(iter(_FITS))]
            _FITS[key] = kept
        return kept
    return _fit_counts(y, X, family, poisson)


#: The fits :func:`fit_counts` made in this process, by family, design shape, counts and design.
_FITS: dict[tuple[str, tuple[int, ...], bytes, bytes], CountFit] = {}
_FITS_KEPT = 512


def _fit_counts(
    y: np.ndarray,
    X: np.ndarray,
    family: Literal["auto", "poisson", "negative_binomial"],
    poisson: CountFit | None,
) -> CountFit:
    if poisson is not None:
        if poisson.model != "poisson" or poisson.n_params != X.shape[1]:
            raise ParameterError("poisson must be the Poisson fit of the same counts and design")
        base = poisson
    else:
        base = _fit_poisson(y, X)
    if family == "poisson" or (family == "auto" and not base.dispersion > OVERDISPERSION_THRESHOLD):
        return base
    nb = _fit_nb2(y, X, start=base.params)
    if nb is not None:
        return dataclasses.replace(nb, dispersion=base.dispersion)
    dispersion = base.dispersion
    scale = dispersion if math.isfinite(dispersion) and dispersion > 1 else 1.0
    return dataclasses.replace(base, model="quasi_poisson", cov=base.cov * scale)


def _fit_poisson(y: np.ndarray, X: np.ndarray) -> CountFit:
    """The Poisson GLM of :func:`fit_counts`, with its Pearson dispersion."""
    from evidence.analyses.glm import fit_glm

    try:
        with captured_warnings() as poisson_warnings:
            poisson = fit_glm(y, X, family="poisson")
            params, cov = poisson.params, poisson.cov_params()
            llf, aic, pearson_chi2 = poisson.llf, poisson.aic, poisson.pearson_chi2
    except (
        np.linalg.LinAlgError,
        ValueError,
        OverflowError,
        FloatingPointError,
    ) as exc:
        raise EstimationError(f"the Poisson count model could not be fitted ({exc})") from exc
    if not (np.all(np.isfinite(params)) and np.all(np.isfinite(cov)) and math.isfinite(llf)):
        raise EstimationError("the Poisson count model has no finite estimate for these counts")
    df_resid = len(y) - X.shape[1]
    dispersion = pearson_chi2 / df_resid if df_resid > 0 else float("nan")
    return CountFit(
        model="poisson",
        params=params,
        cov=cov,
        llf=llf,
        aic=aic,
        dispersion=dispersion,
        alpha=None,
        n_params=X.shape[1],
        converged=poisson.converged,
        warnings=tuple(poisson_warnings),
        df_resid=df_resid,
    )


def _fit_nb2(y: np.ndarray, X: np.ndarray, start: np.ndarray) -> CountFit | None:
    """The NB2 fit, or None when it fails or does not converge (its warnings then concern a discarded fit)."""
    from evidence.analyses.glm import fit_negative_binomial

    try:
        with captured_warnings() as caught:
            res = fit_negative_binomial(y, X, np.append(start, 0.1), method="bfgs", maxiter=200)
            if not res.converged:
                res = fit_negative_binomial(y, X, np.append(start, 0.1), method="newton", maxiter=100)
            params = res.params
            # no covariance when the Hessian is not negative definite: cov_params raises ValueError
            cov = res.cov_params()
            llf, aic = res.llf, res.aic
    except (np.linalg.LinAlgError, ValueError, OverflowError, FloatingPointError, ZeroDivisionError):
        return None
    k = X.shape[1]
    alpha = float(params[-1])
    if (
        not res.converged
        or not np.all(np.isfinite(params))
        or not math.isfinite(llf)
        or not np.all(np.isfinite(cov[:k, :k]))
        or not np.all(np.diag(cov[:k, :k]) >= 0)
        or alpha <= 0
    ):
        return None
    # the first attempt's failure to converge is not a warning about the fit that is kept
    kept = tuple(w for w in caught if "converge" not in w.lower())
    return CountFit(
        model="negative_binomial",
        params=params[:k],
        cov=cov[:k, :k],
        llf=llf,
        aic=aic,
        dispersion=float("nan"),
        alpha=alpha,
        n_params=k + 1,
        converged=True,
        warnings=kept,
    )
