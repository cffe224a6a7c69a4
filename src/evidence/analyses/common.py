"""Former home of what routes, trends and profiles share, now split by job: :mod:`.selection` (which table,
the checks, the :class:`~evidence.analyses.selection.Selection`), :mod:`.count_models` (Poisson and negative
binomial fits) and :mod:`.intervals` (censored counts, Wilson intervals).

Kept only so that code written against the old module keeps importing while it moves; import from the modules
above in new code. Remove once nothing imports it.
"""

from __future__ import annotations

from evidence.analyses.count_models import (
    OVERDISPERSION_THRESHOLD,
    CountFit,
    EstimationError,
    finite_trend_exists,
    fit_counts,
)
from evidence.analyses.intervals import (
    CENSORED_POINT_RULE,
    censored_sum,
    clean_float,
    point_expr,
    strict_sum,
    wilson_interval,
)
from evidence.analyses.selection import (
    DEFAULT_INDICATOR,
    NATIONALS,
    ROLES,
    Role,
    TableKind,
    check_country,
    check_role,
    check_years,
    citizenship_origin_expr,
    country_filter,
    covered_years,
    recorded_flags,
    resolve_table,
    year_filter,
)

__all__ = [
    "CENSORED_POINT_RULE",
    "DEFAULT_INDICATOR",
    "NATIONALS",
    "OVERDISPERSION_THRESHOLD",
    "ROLES",
    "CountFit",
    "EstimationError",
    "Role",
    "TableKind",
    "censored_sum",
    "check_country",
    "check_role",
    "check_years",
    "citizenship_origin_expr",
    "clean_float",
    "country_filter",
    "covered_years",
    "finite_trend_exists",
    "fit_counts",
    "point_expr",
    "recorded_flags",
    "resolve_table",
    "strict_sum",
    "wilson_interval",
    "year_filter",
]
