"""What the route, trend and profile analyses share: which table they were given, parameter checks, the rule
for censored counts, and the count-model fitting (Poisson, overdispersion check, negative binomial).

**Censored counts.** UNODC publishes counts of 1–4 as ``<5``; the indicator table keeps them as intervals
(``value_low`` 1, ``value_high`` 4). A censored count is never read as zero. Sums carry both bounds; an analysis
that needs one number per cell uses the *point* rule of :data:`CENSORED_POINT_RULE`: the exact value where there
is one, else the midpoint of the bounds (2.5 for ``<5``). Models fitted on points are also refitted on the low and
on the high bounds, so that a reader sees how much the censoring could move the answer. Every sum of such counts
goes through :func:`strict_sum`: polars' ``sum`` skips nulls, which would read a censored part as 0.

**Models that cannot be estimated.** Sparse series (zeros, then a jump; victims in a single end year) have no
finite maximum-likelihood trend: the fit drifts towards ±infinity. :func:`finite_trend_exists` recognises them
before any fit, and :func:`fit_counts` raises :class:`EstimationError` (a :class:`ParameterError`, so that every
caller that reports a bad selection also reports these) instead of returning overflowing numbers.
"""

from __future__ import annotations

import dataclasses
import math
import re
import warnings
from typing import Any, Literal

import numpy as np
import polars as pl

from evidence.core.errors import ParameterError
from evidence.sources.loaded import LoadedTable


class EstimationError(ParameterError):
    """The selected data cannot support the model: no finite estimate exists (a sparse series whose trend is
    unbounded), or the fit failed numerically. Raised instead of overflowing or returning meaningless numbers."""


TableKind = Literal["case", "indicator"]
Role = Literal["origin", "destination", "both"]
ROLES: tuple[str, ...] = ("origin", "destination", "both")

#: Pearson dispersion (chi² / residual df) of the Poisson fit above which a count model is refitted as
#: negative binomial (NB2, alpha estimated). 1.5 is a common working threshold for yearly count series.
OVERDISPERSION_THRESHOLD = 1.5

CENSORED_POINT_RULE = "exact value where published, else the midpoint of the censoring interval (2.5 for <5)"

DEFAULT_INDICATOR = "Detected trafficking victims"

_CASE_MARKERS = {"origin_iso3", "destination_iso3", "exploitation_forced_labour"}
_INDICATOR_MARKERS = {"iso3", "indicator", "dimension", "category", "value_low", "value_high"}


def resolve_table(table: LoadedTable | pl.DataFrame) -> tuple[pl.DataFrame, TableKind]:
    """The canonical frame and which canonical table it is (case or indicator)."""
    df = table.data if isinstance(table, LoadedTable) else table
    if not isinstance(df, pl.DataFrame):
        raise ParameterError(f"expected a LoadedTable or a polars DataFrame, got {type(table).__name__}")
    kind = table.kind if isinstance(table, LoadedTable) else None
    if kind in ("case", "indicator"):
        return df, kind
    columns = set(df.columns)
    if _CASE_MARKERS <= columns:
        return df, "case"
    if _INDICATOR_MARKERS <= columns:
        return df, "indicator"
    raise ParameterError(
        "the table is neither a case table nor an indicator table "
        f"(it has columns {sorted(columns)[:12]}{'…' if len(columns) > 12 else ''})"
    )


def check_country(country: str | None) -> str | None:
    """A country given by a user (an ISO3 code, or a name or variant the country reference knows) → ISO3."""
    if country is None:
        return None
    from evidence.sources.countries import to_iso3

    iso3 = to_iso3(str(country).strip()) if str(country).strip() else None
    if not iso3:
        raise ParameterError(f"unknown country {country!r}: give an ISO 3166-1 alpha-3 code such as THA")
    return iso3


def check_role(role: str) -> Role:
    """``role`` if it is origin, destination or both; else a clear error."""
    if role not in ROLES:
        raise ParameterError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return role  # type: ignore[return-value]


def check_years(years: tuple[int, int] | str | None) -> tuple[int, int] | None:
    """``(first, last)`` inclusive, from a tuple or a text such as ``"2015-2020"`` (or a single ``"2019"``)."""
    if years is None:
        return None
    if isinstance(years, str):
        match = re.fullmatch(r"\s*(\d{4})\s*(?:[-–:]\s*(\d{4})\s*)?", years)
        if not match:
            raise ParameterError(f"years must look like 2015-2020, not {years!r}")
        first, last = int(match[1]), int(match[2] or match[1])
    else:
        try:
            first, last = (int(y) for y in years)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"years must be a pair (first, last), not {years!r}") from exc
    if first > last:
        raise ParameterError(f"years {first}-{last}: the first year is after the last")
    return first, last


def covered_years(df: pl.DataFrame, years: tuple[int, int] | None) -> tuple[int, int] | None:
    """``years`` clipped to the years the table has records for, or None (no range given, or none left).

    Outside a release's years nothing was observed: a year there is missing, never a count of 0.
    """
    if years is None:
        return None
    low, high = df.select(pl.col("year").min().alias("low"), pl.col("year").max().alias("high")).row(0)
    if low is None:
        return None
    first, last = max(years[0], int(low)), min(years[1], int(high))
    return (first, last) if first <= last else None


def country_filter(country: str, role: Role) -> pl.Expr:
    """Records whose origin (``role="origin"``), destination, or either (``"both"``) is ``country``."""
    at_origin, at_destination = pl.col("origin_iso3") == country, pl.col("destination_iso3") == country
    selected = {"origin": at_origin, "destination": at_destination, "both": at_origin | at_destination}[role]
    return selected.fill_null(False)


def year_filter(years: tuple[int, int] | None) -> pl.Expr:
    """Rows whose year lies in ``years`` (inclusive); every row when ``years`` is None."""
    if years is None:
        return pl.lit(True)
    return pl.col("year").is_between(years[0], years[1])


#: Citizenship categories that mean the reporting country's own citizens (a domestic flow).
NATIONALS = ("citizens of own country", "national", "nationals", "own nationals")


def citizenship_origin_expr() -> pl.Expr:
    """The origin of an indicator table's by-citizenship row: ``category_iso3``, or the reporting country for
    ``Nationals`` (also where a table built by hand left its ``category_iso3`` empty)."""
    is_nationals = pl.col("category").str.strip_chars().str.to_lowercase().is_in(NATIONALS)
    return pl.when(is_nationals).then(pl.col("iso3")).otherwise(pl.col("category_iso3"))


def point_expr(exact: str, low: str, high: str) -> pl.Expr:
    """The point value of a possibly censored count (:data:`CENSORED_POINT_RULE`)."""
    return pl.coalesce(pl.col(exact).cast(pl.Float64), (pl.col(low) + pl.col(high)) / 2)


def strict_sum(column: str) -> pl.Expr:
    """Sum of a column in an aggregation, null when any part is null (a censored count makes the sum unknown;
    its bounds are summed with the same rule in their own columns). An empty group sums to 0."""
    return pl.when(pl.col(column).null_count() == 0).then(pl.col(column).sum()).otherwise(None).alias(column)


def censored_sum(exact: str, low: str, high: str) -> list[pl.Expr]:
    """The aggregations that sum a possibly censored count: ``exact`` null where any part is censored, and the
    ``low`` and ``high`` bounds summed (a flow of ``12`` and ``<5`` is null, 13, 16)."""
    return [strict_sum(exact), strict_sum(low), strict_sum(high)]


def wilson_interval(count: Any, nobs: Any, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (vectorised; NaN where nobs is 0)."""
    from statsmodels.stats.proportion import proportion_confint

    count = np.asarray(count, dtype=float)
    nobs = np.asarray(nobs, dtype=float)
    safe = np.where(nobs > 0, nobs, 1.0)
    low, high = proportion_confint(np.minimum(count, safe), safe, alpha=alpha, method="wilson")
    # exact limits at the edges (the formula leaves rounding dust such as 1e-19)
    low = np.where(count <= 0, 0.0, np.asarray(low, dtype=float))
    high = np.where(count >= safe, 1.0, np.asarray(high, dtype=float))
    return np.where(nobs > 0, low, np.nan), np.where(nobs > 0, high, np.nan)


def recorded_flags(df: pl.DataFrame, group: str) -> list[str]:
    """The flags of a flag group that the table's layout records.

    The canonical case table has every flag column, so a layout that lacks a flag (the synthetic releases have
    3 forms of exploitation, the k-anonymised Global Dataset 7) has it null on every row: such a column is
    *not recorded*, not "false for everyone", and takes no part in shares or the denominator rule.
    """
    from evidence.sources.case_schema import FLAG_GROUPS

    present = [c for c in FLAG_GROUPS[group] if c in df.columns]
    if not present:
        return []
    non_null = df.select(pl.col(present).is_not_null().any()).row(0, named=True)
    return [c for c in present if non_null[c]]


# --------------------------------------------------------------------------------------------- count models


@dataclasses.dataclass(frozen=True)
class CountFit:
    """A fitted log-linear count model: coefficients, covariance, and which model it is."""

    model: str  # "poisson", "negative_binomial" or "quasi_poisson"
    params: np.ndarray
    cov: np.ndarray
    llf: float
    aic: float
    dispersion: float  # Pearson chi² / residual df of the Poisson fit (NaN with no residual df)
    alpha: float | None  # NB2 dispersion parameter when the model is negative binomial
    n_params: int
    converged: bool

    def coefficient(self, contrast: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float]:
        """exp(contrast·beta) with its Wald interval and two-sided p-value (an interval limit beyond the float
        range is infinity, not an OverflowError)."""
        from scipy import stats

        estimate = float(contrast @ self.params)
        se = float(math.sqrt(max(contrast @ self.cov @ contrast, 0.0)))
        z = stats.norm.ppf(0.5 + level / 2)
        p = float(2 * stats.norm.sf(abs(estimate) / se)) if se > 0 else (0.0 if estimate else 1.0)
        return _exp(estimate), _exp(estimate - z * se), _exp(estimate + z * se), p


def _exp(x: float) -> float:
    return math.exp(x) if not x > 709.0 else math.inf  # NaN stays NaN


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
    y: np.ndarray, X: np.ndarray, *, family: Literal["auto", "poisson", "negative_binomial"] = "auto"
) -> CountFit:
    """Log-linear model of counts.

    ``auto``: a Poisson GLM; if its Pearson dispersion exceeds :data:`OVERDISPERSION_THRESHOLD`, a negative
    binomial (NB2, alpha by maximum likelihood). When the NB fit fails to converge (short series), the Poisson
    fit with its covariance scaled by the dispersion (quasi-Poisson) is used instead, and named so.
    ``poisson`` and ``negative_binomial`` force the family (the latter still falls back to quasi-Poisson).

    Raises :class:`EstimationError` when the Poisson fit fails or has no finite coefficients and covariance
    (check :func:`finite_trend_exists` first to tell a sparse series from a numerical failure)."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationError

    y = np.asarray(y, dtype=float)
    if not (np.all(np.isfinite(y)) and np.all(y >= 0)):
        raise ParameterError("a count model needs finite, non-negative counts")
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            poisson = sm.GLM(y, X, family=sm.families.Poisson()).fit()
            params, cov = np.asarray(poisson.params), np.asarray(poisson.cov_params())
            llf, aic, pearson_chi2 = float(poisson.llf), float(poisson.aic), float(poisson.pearson_chi2)
    except (
        PerfectSeparationError,
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
    base = CountFit(
        model="poisson",
        params=params,
        cov=cov,
        llf=llf,
        aic=aic,
        dispersion=dispersion,
        alpha=None,
        n_params=X.shape[1],
        converged=bool(poisson.converged),
    )
    if family == "poisson" or (family == "auto" and not dispersion > OVERDISPERSION_THRESHOLD):
        return base
    nb = _fit_nb2(y, X, start=base.params)
    if nb is not None:
        return dataclasses.replace(nb, dispersion=dispersion)
    scale = dispersion if math.isfinite(dispersion) and dispersion > 1 else 1.0
    return dataclasses.replace(base, model="quasi_poisson", cov=base.cov * scale)


def _fit_nb2(y: np.ndarray, X: np.ndarray, start: np.ndarray) -> CountFit | None:
    import statsmodels.api as sm

    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            model = sm.NegativeBinomial(y, X, loglike_method="nb2")
            res = model.fit(start_params=np.append(start, 0.1), disp=0, maxiter=200, method="bfgs")
            if not res.mle_retvals.get("converged", False):
                res = model.fit(start_params=np.append(start, 0.1), disp=0, maxiter=100, method="newton")
            params = np.asarray(res.params)
            # no covariance when the Hessian is singular: statsmodels raises ValueError here
            cov = np.asarray(res.cov_params())
            llf, aic = float(res.llf), float(res.aic)
    except (np.linalg.LinAlgError, ValueError, OverflowError, FloatingPointError, ZeroDivisionError):
        return None
    k = X.shape[1]
    alpha = float(params[-1])
    if (
        not res.mle_retvals.get("converged", False)
        or not np.all(np.isfinite(params))
        or not math.isfinite(llf)
        or not np.all(np.isfinite(cov[:k, :k]))
        or not np.all(np.diag(cov[:k, :k]) >= 0)
        or alpha <= 0
    ):
        return None
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
    )


def clean_float(x: float | None, digits: int = 6) -> float | None:
    """A float for JSON: rounded, and None for NaN/inf."""
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits)
