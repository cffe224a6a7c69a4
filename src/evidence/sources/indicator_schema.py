"""The canonical **indicator table**: country-level official figures in long form (UNODC GLOTIP and alike).

One row per published cell. Counts are intervals: an exact count has value == value_low == value_high; a
censored cell (UNODC's ``<5``) has value null, value_low 1, value_high 4 and ``censored`` true.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType  # what polars' own signatures take: a type or an instance

INDICATOR_SCHEMA: dict[str, PolarsDataType] = {
    "source_row": pl.Int64,  # row in the sheet (1-based, header rows counted)
    "iso3": pl.String,  # reporting country; null when the reporting area is not a country (see reporting_code)
    "reporting_code": pl.String,  # the publisher's code as published: an ISO3 code or an aggregate (UNODC "CAR")
    "country": pl.String,  # as published
    "region": pl.String,  # UN M49 region of the reporting country
    "subregion": pl.String,
    "year": pl.Int16,
    "indicator": pl.String,  # e.g. "Detected trafficking victims", "Persons convicted"
    "dimension": pl.String,  # "Total", "by form of exploitation", "by citizenship", "by country of repatriation"
    "category": pl.String,  # as published
    "category_iso3": pl.String,  # for by-citizenship/repatriation rows: the category mapped to ISO3, else null
    "sex": pl.String,  # "Total", "Female", "Male", "Other", "Unknown"
    "age": pl.String,  # "Total", "18 years or over", "0 to 17 years", "Unknown"
    "unit": pl.String,
    "value": pl.Float64,  # exact value; null when censored
    "value_low": pl.Float64,
    "value_high": pl.Float64,
    "censored": pl.Boolean,
    "source_note": pl.String,  # the publisher's Source column
}
