"""Declared value checks of every canonical table (pandera's polars API): what a loaded table must hold.

ISO3 codes are codes of the country reference; years lie within the release's span (its known years, else up to
the release's own year); interval values have low <= value <= high; counts and estimates are not negative;
categories are within their enums. The loaders already reject or flag what they can tell row by row; these
checks state the whole table's contract, so a loader defect or a release that breaks it is caught by the tests
and by ``evidence data validate --strict``.

pandera takes about a second to import: it is imported here, inside :func:`check_values`, and this module is
imported only by the validate command and the tests, never on the loading path.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

import polars as pl

from evidence.sources.loaded import LoadedTable, issues_frame

if TYPE_CHECKING:
    from evidence.sources.metadata import Dataset

#: The categories the indicator table's columns take (UNODC GLOTIP's, see docs/data-formats.md).
INDICATOR_CATEGORIES: dict[str, tuple[str, ...]] = {
    "indicator": (
        "Detected trafficking victims",
        "Persons convicted",
        "Persons prosecuted",
        "Persons brought into formal contact",
        "Offences of trafficking in persons",
    ),
    "dimension": ("Total", "by form of exploitation", "by citizenship", "by country of repatriation"),
    "sex": ("Total", "Female", "Male", "Other", "Unknown"),
    "age": ("Total", "18 years or over", "0 to 17 years", "Unknown"),
}
#: Earliest year any source here reports (CTDC's first records; the first TIP Report covers 2000).
FIRST_YEAR = 1990
#: GSI scores: vulnerability 0-100; government response in per cent, negative where Walk Free subtracts for
#: harmful policies (the 2023 edition has -21.4).
SCORE_RANGE = (-100.0, 100.0)


def check_values(loaded: LoadedTable) -> pl.DataFrame:
    """Every failed value check of ``loaded``'s table: one issue (row, column, value, reason) per failure,
    ``row`` the file's row of the failing record (null for a whole-column failure such as a wrong type).
    Empty when the table holds its declared values."""
    import pandera.polars as pa

    schema = _schema(pa, loaded)
    if schema is None:
        return issues_frame([])
    try:
        schema.validate(loaded.data, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return _issues(errors.failure_cases, loaded.data)
    return issues_frame([])


def _issues(failures: pl.DataFrame, data: pl.DataFrame) -> pl.DataFrame:
    rows = data["source_row"] if "source_row" in data.columns else None
    records = []
    for failure in failures.iter_rows(named=True):
        index = failure["index"]
        row = None if index is None else int(rows[index]) if rows is not None else int(index) + 1
        column = failure["column"] or "(row)"
        records.append(
            {
                "row": row,
                "column": column,
                "value": failure["failure_case"],
                "reason": f"fails: {failure['check']}",
            }
        )
    return issues_frame(records).sort("row", nulls_last=True, maintain_order=True)


def year_span(loaded: LoadedTable) -> tuple[int, int]:
    """The years a table may hold. A release named by a span of years (``1999-2024``: TIP tiers, whose release
    is the span of report years in the file) is that span exactly: the span the provenance cites is the span
    checked. Otherwise from its known release's first year (else FIRST_YEAR) to the last year the release can
    cover: its known last year or the year it was published, whichever is later (no release holds figures of a
    year after its own); this year when neither is known."""
    release = loaded.provenance.release
    span = re.fullmatch(r"(\d{4})-(\d{4})", release)
    if span:
        return int(span[1]), int(span[2])
    described = _dataset(loaded)
    known = described.known_release(release) if described else None
    first = known.years[0] if known and known.years else FIRST_YEAR
    ends = [known.years[1]] if known and known.years else []
    published = described.date_published(release) if described else ""
    if published:
        ends.append(int(published[:4]))
    return first, max(ends) if ends else dt.date.today().year


def _dataset(loaded: LoadedTable) -> Dataset | None:
    from evidence.sources.metadata import dataset

    try:
        return dataset(loaded.provenance.source, loaded.provenance.layout)
    except KeyError:
        return None


def _schema(pa: Any, loaded: LoadedTable) -> Any:
    from evidence.sources.countries import country_table

    iso3 = country_table()["iso3"].implode()
    first, last = year_span(loaded)

    def in_reference(codes: str = "one") -> Any:
        def check(data: Any) -> pl.LazyFrame:
            column = pl.col(data.key)
            if codes == "many":  # several countries joined by ";"
                ok = column.str.split(";").list.eval(pl.element().is_in(iso3)).list.all()
            else:
                ok = column.is_in(iso3)
            return data.lazyframe.select(ok | column.is_null())

        return pa.Check(check, name="an ISO3 code of the country reference")

    def named(test: Any, name: str) -> Any:
        """A check of a column's values by ``test(column expression)``, reported as ``name``."""
        return pa.Check(
            lambda data: data.lazyframe.select(test(pl.col(data.key)) | pl.col(data.key).is_null()), name=name
        )

    def years() -> Any:
        return named(lambda c: c.is_between(first, last), f"a year within the release's span {first}-{last}")

    def one_of(values: Any) -> Any:
        return named(lambda c: c.is_in(list(values)), "one of " + ", ".join(values))

    not_negative = named(lambda c: c >= 0, "not negative")

    def column(dtype: Any, *checks: Any) -> Any:
        return pa.Column(dtype, list(checks), nullable=True)

    def row_check(expr: pl.Expr, name: str) -> Any:
        return pa.Check(lambda data: data.lazyframe.select(expr.fill_null(True)), name=name)

    kind = loaded.kind
    if kind == "case":
        from evidence.sources.case_schema import CASE_SCHEMA

        columns = {name: column(dtype) for name, dtype in CASE_SCHEMA.items()}
        columns["year"] = column(pl.Int16, years())
        columns["origin_iso3"] = column(pl.String, in_reference("many"))
        columns["destination_iso3"] = column(pl.String, in_reference("many"))
        return pa.DataFrameSchema(columns, strict=False)
    if kind == "indicator":
        from evidence.sources.indicator_schema import INDICATOR_SCHEMA

        columns = {name: column(dtype) for name, dtype in INDICATOR_SCHEMA.items()}
        columns.update(
            {name: column(pl.String, one_of(values)) for name, values in INDICATOR_CATEGORIES.items()}
        )
        columns["iso3"] = column(pl.String, in_reference())
        columns["category_iso3"] = column(pl.String, in_reference())
        columns["year"] = column(pl.Int16, years())
        columns["value_low"] = column(pl.Float64, not_negative)
        interval = [
            row_check(pl.col("value_low") <= pl.col("value_high"), "value_low <= value_high"),
            row_check(
                (pl.col("value_low") <= pl.col("value")) & (pl.col("value") <= pl.col("value_high")),
                "value_low <= value <= value_high",
            ),
            row_check(~pl.col("censored") | pl.col("value").is_null(), "a censored value has no exact value"),
        ]
        return pa.DataFrameSchema(columns, checks=interval, strict=False)
    if kind == "tier":
        from evidence.sources.tip import NOT_RANKED, SPECIAL_CASE, TIER_SCHEMA

        columns = {name: column(dtype) for name, dtype in TIER_SCHEMA.items()}
        columns["iso3"] = pa.Column(pl.String, [in_reference()], nullable=False)
        columns["report_year"] = column(pl.Int16, years())
        columns["special_case"] = column(pl.String, one_of([SPECIAL_CASE, NOT_RANKED]))
        ranked = row_check(
            pl.col("tier").is_null() != pl.col("special_case").is_null(), "a tier or a special case"
        )
        return pa.DataFrameSchema(columns, checks=[ranked], strict=False)
    if kind == "gsi":
        from evidence.sources.walkfree import GSI_SCHEMA, MEASURES

        columns = {name: column(dtype) for name, dtype in GSI_SCHEMA.items()}
        columns["iso3"] = column(pl.String, in_reference())
        columns["estimate_year"] = column(pl.Int16, years())
        for name in MEASURES:
            if name.startswith(("vulnerability_", "response_")):
                low, high = (0.0, 100.0) if name.startswith("vulnerability_") else SCORE_RANGE
                columns[name] = column(
                    pl.Float64,
                    named(lambda c, lo=low, hi=high: c.is_between(lo, hi), f"a score {low:g} to {high:g}"),
                )
            else:
                columns[name] = column(pl.Float64, not_negative)
        columns["population"] = column(pl.Float64, named(lambda c: c > 0, "positive"))
        return pa.DataFrameSchema(columns, strict=False)
    return None  # list-capture data are checked by the estimation's own input rules
