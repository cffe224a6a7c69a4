"""Data-quality summaries of a case table: how complete each field is, overall, by year and by source type.

A flag group (forms of exploitation, means of control, ...) is *known* for a record when at least one of its
flags is true (CTDC's denominator rule); a single field is known when it is not null. A field that is null in
every record is reported as not collected by the file's layout rather than as 100% missing.
"""

from __future__ import annotations

import polars as pl

from evidence.presentation.disclosure import DisclosedTable, DisclosureError, DisclosureRule, suppress_table
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


def field_table(fields: pl.DataFrame, rule: DisclosureRule) -> pl.DataFrame | None:
    """The fields a layout collects (from :func:`field_completeness`) for display: records where known and
    where not, and the share known. Known and not known add up to the records (published in the row
    accounting), so each field's pair is protected with that total: a small number of unknowns cannot be
    recomputed. None when too few records to protect."""
    collected = fields.filter(pl.col("collected"))
    if not collected.height:
        return None
    rows = []
    for field, known, records in collected.select("field", "known", "records").iter_rows():
        pair = pl.DataFrame({"part": ["Known", "Not known"], "n": [known, records - known]})
        try:
            table = suppress_table(pair, "part", ["n"], rule, total_label="Records")
        except DisclosureError:
            return None
        shown = table.display()["n"].to_list()
        published = table.frame["n"].to_list()
        share = f"{known / records:.0%}" if published[0] is not None and published[2] else ""
        rows.append((field, *shown, share))
    return pl.DataFrame(rows, schema=["Field", "Known", "Not known", "Records", "Share known"], orient="row")


def completeness_table(frame: pl.DataFrame, by: str, rule: DisclosureRule) -> pl.DataFrame | None:
    """:func:`completeness_by` for display: records per value of ``by`` with their total (protected), and per
    key field the share of them with it known, as a whole percentage. A share is shown only where the
    records are published and neither the known nor the unknown records it implies are a small count (a
    share times its records gives them back); else ``–``. None when too few records to protect."""
    labelled = frame.with_columns(pl.col(by).cast(pl.String).fill_null("unknown"))
    table = _records_table(labelled, by, rule)
    if table is None:
        return None
    records = table.frame["records"].to_list()[: labelled.height]
    shown = table.display()
    columns = {}
    for column in [c for c in labelled.columns if c.startswith("known_")]:
        cells = []
        for share, n in zip(labelled[column].to_list(), records, strict=True):
            known = None if share is None or n is None else round(share * n)
            safe = known is not None and not rule.is_small(known) and not rule.is_small(n - known)
            cells.append(f"{share:.0%}" if safe else "–")
        columns[column.removeprefix("known_").replace("_", " ")] = cells + [""]
    return shown.rename({by: by.replace("_", " ").capitalize(), "records": "Records"}).with_columns(
        pl.Series(name, values, dtype=pl.String) for name, values in columns.items()
    )


def _records_table(frame: pl.DataFrame, by: str, rule: DisclosureRule) -> DisclosedTable | None:
    try:
        return suppress_table(frame.select(by, "records"), by, ["records"], rule, total_label="All records")
    except DisclosureError:
        return None


def reasons_table(
    reasons: dict[str, int], rule: DisclosureRule, *, total_label: str
) -> DisclosedTable | None:
    """Rows per reason (rejected or flagged) with their total, protected; None when too few to protect."""
    frame = pl.DataFrame(
        {"reason": list(reasons), "rows": [int(v) for v in reasons.values()]},
        schema={"reason": pl.String, "rows": pl.Int64},
    )
    try:
        return suppress_table(frame, "reason", ["rows"], rule, total_label=total_label)
    except DisclosureError:
        return None


def indicator_coverage(data: pl.DataFrame, by: str | list[str]) -> pl.DataFrame:
    """Coverage of a country-level (indicator) table per ``by``: countries reporting, values published and
    the share of them censored (``<5``). Counts of countries and values, not of victims."""
    keys = [by] if isinstance(by, str) else by
    return (
        data.group_by(keys)
        .agg(
            pl.col("iso3").n_unique().alias("Countries"),
            pl.len().alias("Values"),
            pl.col("censored").mean().alias("censored"),
        )
        .sort(keys)
        .select(
            *[pl.col(k).cast(pl.String).alias(k.replace("_", " ").capitalize()) for k in keys],
            pl.col("Countries").map_elements(lambda n: f"{n:,}", return_dtype=pl.String),
            pl.col("Values").map_elements(lambda n: f"{n:,}", return_dtype=pl.String),
            pl.format("{}%", (pl.col("censored") * 100).round(0).cast(pl.Int64)).alias("Censored (<5)"),
        )
    )


def unmapped_citizenship_table(
    loaded: LoadedTable, rule: DisclosureRule, *, rows: bool = True
) -> pl.DataFrame | None:
    """The citizenship (and repatriation) strings of a UNODC table that name no single country, for a person
    to review: as written, in which breakdown, rows (``rows``: cells of the file, for a data steward; without
    them, only strings that carry detected victims are listed), detected victims (a range where ``<5`` cells are in it;
    a bound below the threshold shown as such) and the *suggested* country, which nothing applies. None when
    every string was mapped or the table is not UNODC's."""
    from evidence.sources.unodc import SOURCE, unmapped_categories

    if loaded.provenance.source != SOURCE:
        return None
    table = unmapped_categories(loaded)
    if not rows:  # a reader's table: strings that carry detected victims (the rest count persons convicted)
        table = table.filter(pl.col("victims_high") > 0)
    if not table.height:
        return None

    def bound(n: int) -> str:
        return rule.label if rule.is_small(n) else f"{n:,}"

    def victims(low: int, high: int) -> str:
        if high == 0:
            return "0"
        if low == high or rule.is_small(high):
            return bound(high) if low == high else rule.label
        return f"{bound(low)}–{bound(high)}"

    suggested = [
        f"{country} ({iso3}), similarity {similarity:.2f}" if iso3 else ""
        for country, iso3, similarity in table.select(
            "suggested_country", "suggested_iso3", "similarity"
        ).iter_rows()
    ]
    frame = pl.DataFrame(
        {
            "As written": table["category"],
            "Breakdown": table["reason"].str.replace(" not mapped to a country", ""),
            "Rows": table["rows"].cast(pl.String),
            "Detected victims": [
                victims(low, high) for low, high in table.select("victims_low", "victims_high").iter_rows()
            ],
            "Suggested country (to review; not applied)": suggested,
        }
    )
    return frame if rows else frame.drop("Rows")


def unmapped_citizenship_share(loaded: LoadedTable) -> str | None:
    """One sentence: the share of detected victims (citizenship breakdown) whose citizenship names no single
    country, next to the share the publisher gives as unknown; None for a table that is not UNODC's."""
    from evidence.sources.unodc import SOURCE, citizenship_coverage

    if loaded.provenance.source != SOURCE:
        return None
    coverage = citizenship_coverage(loaded)
    share = coverage.unmapped_share
    if share is None:
        return "No detected victims are broken down by citizenship in this table."
    low, high = share
    text = f"{low:.1%}" if f"{low:.1%}" == f"{high:.1%}" else f"{low:.1%}–{high:.1%}"
    unknown = coverage.unspecified[1] / coverage.total[1] if coverage.total[1] else 0.0
    return (
        f"Of the victims detected by citizenship, {text} have a citizenship the country reference cannot map "
        f"to a single country (listed for review), and about {unknown:.1%} a citizenship the publisher "
        "gives as unknown; both are left out of routes by origin."
    )


def source_heading(loaded: LoadedTable, level: int = 3) -> str:
    """A Markdown heading naming ``loaded``'s source and release as readers know it ("UNODC GLOTIP, release 30
    May 2023"), never a layout id; its text (a sidecar may have written it) escaped for Markdown and HTML."""
    import html
    import re

    text = re.sub(r"([\\`*_{}\[\]()#+!|~>-])", r"\\\1", html.escape(loaded.provenance.label, quote=False))
    return f"{'#' * level} {text}"
