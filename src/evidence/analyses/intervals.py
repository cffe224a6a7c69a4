"""Intervals: censored counts (UNODC's ``<5``) kept as bounds, and confidence intervals of shares.

**Censored counts.** UNODC publishes counts of 1–4 as ``<5``; the indicator table keeps them as intervals
(``value_low`` 1, ``value_high`` 4). A censored count is never read as zero. Sums carry both bounds; an analysis
that needs one number per cell uses the *point* rule of :data:`CENSORED_POINT_RULE`: the exact value where there
is one, else the midpoint of the bounds (2.5 for ``<5``). Models fitted on points are also refitted on the low and
on the high bounds, so that a reader sees how much the censoring could move the answer. Every sum of such counts
goes through :func:`strict_sum`: polars' ``sum`` skips nulls, which would read a censored part as 0. A sum also
carries the part of it published exactly (:data:`UNCENSORED`, :func:`uncensored_expr`): 0 means a sum made only of
the publisher's own ``<5`` cells, whose bounds follow from the publisher's file (disclosure control gives such a
cell no complement: :func:`evidence.notebooks.builders.censored_cells`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl

from evidence.core.errors import ParameterError

CENSORED_POINT_RULE = "exact value where published, else the midpoint of the censoring interval (2.5 for <5)"
#: The column of a count's parts published exactly (censored parts left out): 0 when every part is censored (a
#: flow or a year made of ``12`` and ``<5`` has 12; one of ``<5`` cells only, 0). Flows and yearly counts carry it.
UNCENSORED = "victims_uncensored"


def point_expr(exact: str, low: str, high: str) -> pl.Expr:
    """The point value of a possibly censored count (:data:`CENSORED_POINT_RULE`)."""
    return pl.coalesce(pl.col(exact).cast(pl.Float64), (pl.col(low) + pl.col(high)) / 2)


def uncensored_expr(exact: str) -> pl.Expr:
    """The part of a possibly censored count published exactly (:data:`UNCENSORED`), per cell: its exact value,
    or 0 where censored; summed with polars' ``sum`` (a censored part adds 0)."""
    return pl.col(exact).round(0).cast(pl.Int64).fill_null(0)


def censored_text_expr(low: str = "value_low", high: str = "value_high") -> pl.Expr:
    """What each censored row was published as and the bounds it is read with: the loader reads ``<N`` as 1 to
    N-1, so ``<5`` is "published as <5 (read as 1 to 4)" and ``<10`` "published as <10 (read as 1 to 9)" (any
    other row's text means nothing)."""
    low_bound, high_bound = pl.col(low).cast(pl.Int64), pl.col(high).cast(pl.Int64)
    return pl.format("published as <{} (read as {} to {})", high_bound + 1, low_bound, high_bound)


def censoring_thresholds(high: pl.Series) -> list[int]:
    """The thresholds N of the ``<N`` cells whose high bounds (N-1, as the loader reads them) are ``high``, in
    order: ``[5]`` for UNODC's ``<5``, ``[5, 10]`` for a file publishing both ``<5`` and ``<10``. The distinct
    bounds are read (a workbook's thousands of ``<5`` cells hold one: each read into Python, a brief's sections
    asked it of the whole table hundreds of times)."""
    return sorted({int(bound) + 1 for bound in high.drop_nulls().unique().to_list()})


def strict_sum(column: str) -> pl.Expr:
    """Sum of a column in an aggregation, null when any part is null (a censored count makes the sum unknown;
    its bounds are summed with the same rule in their own columns). An empty group sums to 0."""
    return pl.when(pl.col(column).null_count() == 0).then(pl.col(column).sum()).otherwise(None).alias(column)


def censored_sum(exact: str, low: str, high: str) -> list[pl.Expr]:
    """The aggregations that sum a possibly censored count: ``exact`` null where any part is censored, and the
    ``low`` and ``high`` bounds summed (a flow of ``12`` and ``<5`` is null, 13, 16)."""
    return [strict_sum(exact), strict_sum(low), strict_sum(high)]


def check_level(level: float) -> float:
    """The confidence level of an interval: a fraction strictly between 0 and 1 (0.95 for a 95% interval). A
    percentage (``level=95``) is refused with the fraction to give instead: the intervals it gave were NaN, or
    nonsense, with no error."""
    try:
        value = float(level)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"level is a fraction such as 0.95, not {level!r}") from exc
    if not 0 < value < 1:  # NaN fails too
        hint = f": for a {value:g}% interval give level={value / 100:g}" if 1 < value < 100 else ""
        raise ParameterError(
            f"level is a fraction between 0 and 1 (0.95 for a 95% interval), not {level!r}{hint}"
        )
    return value


def wilson_interval(count: Any, nobs: Any, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (vectorised; NaN where nobs is 0), as statsmodels' ``proportion_confint``
    computes it."""
    from evidence.analyses.glm import wilson_limits

    count = np.asarray(count, dtype=float)
    nobs = np.asarray(nobs, dtype=float)
    safe = np.where(nobs > 0, nobs, 1.0)
    low, high = wilson_limits(np.minimum(count, safe), safe, alpha=alpha)
    # exact limits at the edges (the formula leaves rounding dust such as 1e-19)
    low = np.where(count <= 0, 0.0, np.asarray(low, dtype=float))
    high = np.where(count >= safe, 1.0, np.asarray(high, dtype=float))
    return np.where(nobs > 0, low, np.nan), np.where(nobs > 0, high, np.nan)


def clean_float(x: float | None, digits: int = 6) -> float | None:
    """A float for JSON: rounded, and None for NaN/inf."""
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits)
