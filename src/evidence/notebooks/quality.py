"""Data-quality summaries of a case table: how complete each field is, overall, by year and by source type.

A flag group (forms of exploitation, means of control, ...) is *known* for a record when at least one of its
flags is true (CTDC's denominator rule); a single field is known when it is not null. A field that is null in
every record is reported as not collected by the file's layout rather than as 100% missing.
"""

from __future__ import annotations

import polars as pl

from evidence.sources.case_schema import FLAG_GROUPS

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


def _fields(df: pl.DataFrame) -> list[str]:
    grouped = {c for cols in FLAG_GROUPS.values() for c in cols}
    singles = [c for c in df.columns if c not in grouped and c not in ("source_row", "year_band")]
    return singles + list(FLAG_GROUPS)


def field_completeness(df: pl.DataFrame) -> pl.DataFrame:
    """Per field (column or flag group): records where known, share known, and whether the layout has it.

    Columns: field, known, records, share_known, collected."""
    fields = _fields(df)
    known = df.select([known_expr(f, df.columns).sum().alias(f) for f in fields]).row(0, named=True)
    collected = {f: _collected(df, f) for f in fields}
    return pl.DataFrame(
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


def _collected(df: pl.DataFrame, field: str) -> bool:
    if field in FLAG_GROUPS:
        flags = [c for c in FLAG_GROUPS[field] if c in df.columns]
        return any(df[c].null_count() < df.height for c in flags)
    return field in df.columns and df[field].null_count() < df.height


def completeness_by(df: pl.DataFrame, by: str, fields: tuple[str, ...] = KEY_FIELDS) -> pl.DataFrame:
    """Records and the share of them with each field known, per value of ``by`` (e.g. year, data source type).

    Columns: ``by``, records, then ``known_<field>`` (share) per field; a null ``by`` is its own row."""
    return (
        df.group_by(by)
        .agg(
            pl.len().alias("records"),
            *[known_expr(f, df.columns).mean().alias(f"known_{f}") for f in fields],
        )
        .with_columns(pl.col("records").cast(pl.Int64))
        .sort(by, nulls_last=True)
    )
