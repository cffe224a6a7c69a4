"""Data-quality summaries of a case table: how complete each field is, overall, by year and by source type;
and the coverage of a country-level (indicator) table.

A flag group (forms of exploitation, means of control, ...) is *known* for a record when at least one of its
flags is true (CTDC's denominator rule); a single field is known when it is not null. A field that is null in
every record is reported as not collected by the file's layout rather than as 100% missing. Counts of records of
a table protected by cell key carry their cell keys (see :mod:`evidence.analyses.selection`).
"""

from __future__ import annotations

import polars as pl

from evidence.analyses.selection import (
    CELL_KEY,
    RECORD_CELL_KEY,
    STABLE_ID,
    Selection,
    as_selection,
)
from evidence.core.errors import ParameterError
from evidence.sources.case_schema import FLAG_GROUPS
from evidence.sources.loaded import LoadedTable

#: The fields whose completeness the summaries by year and by source show.
KEY_FIELDS = ("gender", "age_band", "origin_iso3", "destination_iso3", "exploitation")


def known_expr(field: str, columns: list[str]) -> pl.Expr:
    """True where ``field`` (a column, or a flag group's name) is known for a record."""
    if field in FLAG_GROUPS:
        flags = [c for c in FLAG_GROUPS[field] if c in columns]
        if not flags:
            return pl.lit(False)
        return pl.any_horizontal([pl.col(c).fill_null(False) for c in flags])
    return pl.col(field).is_not_null()


def _records(table: Selection | LoadedTable | pl.DataFrame) -> pl.DataFrame:
    return as_selection(table).records()


def has_year_ranges(df: pl.DataFrame) -> bool:
    """Whether some records have a band of years (``2014-2018``) and no single year: their year is known as a
    range, not unknown."""
    return "year_band" in df.columns and bool(
        df.select((pl.col("year").is_null() & pl.col("year_band").is_not_null()).any()).item()
    )


def _fields(df: pl.DataFrame) -> list[str]:
    grouped = {c for cols in FLAG_GROUPS.values() for c in cols}
    # the band is the year itself (``2019``) unless some records have a range only: then it is a field of its own
    skipped = {"source_row", RECORD_CELL_KEY, STABLE_ID} | (
        {"year_band"} if not has_year_ranges(df) else set()
    )
    singles = [c for c in df.columns if c not in grouped and c not in skipped]
    return singles + list(FLAG_GROUPS)


def field_completeness(table: Selection | LoadedTable | pl.DataFrame) -> pl.DataFrame:
    """Per field (column or flag group): records where known, share known, and whether the layout has it.

    Columns: field, known, records, share_known, collected (and known_key, records_key for keyed records)."""
    df = _records(table)
    keyed = RECORD_CELL_KEY in df.columns
    fields = _fields(df)
    known = df.select([known_expr(f, df.columns).sum().alias(f) for f in fields]).row(0, named=True)
    collected = {f: _collected(df, f) for f in fields}
    out = pl.DataFrame(
        {
            "field": fields,
            "known": [int(known[f]) for f in fields],
            "records": [df.height] * len(fields),
            "share_known": [known[f] / df.height if df.height else None for f in fields],
            "collected": [collected[f] for f in fields],
        },
        schema={
            "field": pl.String,
            "known": pl.Int64,
            "records": pl.Int64,
            "share_known": pl.Float64,
            "collected": pl.Boolean,
        },
    )
    if not keyed:
        return out
    keys = df.select(
        [pl.col(RECORD_CELL_KEY).filter(known_expr(f, df.columns)).sum().alias(f) for f in fields]
    ).row(0, named=True)
    return out.with_columns(
        known_key=pl.Series([int(keys[f] or 0) for f in fields], dtype=pl.Int64),
        records_key=pl.lit(int(df[RECORD_CELL_KEY].sum() or 0), pl.Int64),
    )


def _collected(df: pl.DataFrame, field: str) -> bool:
    if field in FLAG_GROUPS:
        flags = [c for c in FLAG_GROUPS[field] if c in df.columns]
        return any(df[c].null_count() < df.height for c in flags)
    return field in df.columns and df[field].null_count() < df.height


def completeness_by(
    table: Selection | LoadedTable | pl.DataFrame, by: str, fields: tuple[str, ...] = KEY_FIELDS
) -> pl.DataFrame:
    """Records and the share of them with each field known, per value of ``by`` (e.g. year, data source type).

    Columns: ``by``, records, then ``known_<field>`` (share) per field (and ``cell_key`` of the records for
    keyed records); a null ``by`` is its own row."""
    df = _records(table)
    for name in (by, *fields):
        if name not in df.columns and name not in FLAG_GROUPS:
            raise ParameterError(
                f"the case table has no field {name!r}: use a column such as year, data_source_type, gender or "
                f"age_band, or a flag group ({', '.join(FLAG_GROUPS)})"
            )
    keyed = RECORD_CELL_KEY in df.columns
    return (
        df.group_by(by)
        .agg(
            pl.len().alias("records"),
            *[known_expr(f, df.columns).mean().alias(f"known_{f}") for f in fields],
            *([pl.col(RECORD_CELL_KEY).sum().cast(pl.Int64).alias(CELL_KEY)] if keyed else []),
        )
        .with_columns(pl.col("records").cast(pl.Int64))
        .sort(by, nulls_last=True)
    )


def indicator_coverage(data: LoadedTable | pl.DataFrame, by: str | list[str]) -> pl.DataFrame:
    """Coverage of a country-level (indicator) table per ``by``: countries reporting, values published and
    the share of them censored (``<5``). Counts of countries and values, not of victims.

    ``data``: the loaded indicator table or its frame. Columns: the ``by`` columns, countries, values,
    censored_share."""
    if isinstance(data, LoadedTable):
        kind, data = data.kind, data.data
    else:
        kind = "indicator" if {"iso3", "censored"} <= set(data.columns) else "other"
    if kind != "indicator":
        raise ParameterError(
            "indicator_coverage reads a country-level indicator table (UNODC GLOTIP), not victim records: "
            "for a case table use field_completeness or completeness_by"
        )
    keys = [by] if isinstance(by, str) else list(by)
    unknown = [k for k in keys if k not in data.columns]
    if unknown:
        raise ParameterError(
            f"the indicator table has no column {unknown[0]!r}: use columns such as year, iso3, indicator, "
            "dimension, sex or age"
        )
    return (
        data.group_by(keys)
        .agg(
            pl.col("iso3").n_unique().alias("countries"),
            pl.len().alias("values"),
            pl.col("censored").mean().alias("censored_share"),
        )
        .sort(keys)
    )


def misencoded_values(data: LoadedTable | pl.DataFrame) -> pl.DataFrame:
    """The text values of a loaded table that are mis-encoded in the publisher's file (a U+FFFD replacement
    character, where the file lost one; or UTF-8 read as Latin-1 / Windows-1252, ``Ã´``, ``â€™``:
    :func:`evidence.sources.unodc.is_misencoded`), per text column: ``column``, ``value`` (as loaded, never
    repaired) and ``rows``; most rows first. Empty when none is."""
    from evidence.sources.unodc import is_misencoded

    if isinstance(data, LoadedTable):
        data = data.data
    found: list[tuple[str, str, int]] = []
    for column, dtype in data.schema.items():
        if dtype != pl.String:
            continue
        counts = data.get_column(column).drop_nulls().value_counts()
        for value, rows in counts.iter_rows():
            if is_misencoded(value):
                found.append((column, value, int(rows)))
    frame = pl.DataFrame(
        found, schema={"column": pl.String, "value": pl.String, "rows": pl.Int64}, orient="row"
    )
    return frame.sort(["rows", "column", "value"], descending=[True, False, False])
