"""US Trafficking in Persons (TIP) Report tier placements -> the canonical tier table.

Two layouts:

* ``kelley_csv``: J. Kelley's coding (*Scorecard Diplomacy*, 2017) of the 1999–2015 reports, columns
  ``countryname, iso, year, ccode, tier``; tier labels carry trailing spaces (``Tier 1    ``), ``Watchlist``
  is Tier 2 Watch List and ``NA``/empty means the country was not ranked that year.
* ``simple_csv``: the toolkit's own layout for adding later reports by hand, ``iso3,report_year,tier`` with an
  optional ``country`` column (documented in ``docs/data-formats.md``).

Tier table columns: ``source_row``, ``iso3``, ``country``, ``report_year``, ``tier`` (ordered: Tier 1 < Tier 2
< Tier 2 Watch List < Tier 3; null when not ranked or a special case), ``tier_label`` (as published, whitespace
stripped) and ``special_case`` (``Special Case``, ``not ranked``; null for ranked countries).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType  # what polars' own signatures take: a type or an instance

from evidence.core.errors import InputError
from evidence.sources.delimited import check_quotes, field_count_rejects, scan_records, utf8_text
from evidence.sources.loaded import LoadedTable, issues_where
from evidence.sources.metadata import describe
from evidence.sources.registry import FileHead, Loader, register

SOURCE = "us_tip_tiers"
LOADER_VERSION = "3"  # 2: source_row; 3: provenance from the source metadata
KELLEY_LAYOUT = "kelley_csv"
SIMPLE_LAYOUT = "simple_csv"

TIERS = ("Tier 1", "Tier 2", "Tier 2 Watch List", "Tier 3")
#: Ordered tier: comparisons and sorting follow the report's scale (Tier 1 best).
TIER_DTYPE = pl.Enum(list(TIERS))
SPECIAL_CASE = "Special Case"
NOT_RANKED = "not ranked"

TIER_SCHEMA: dict[str, PolarsDataType] = {
    "source_row": pl.Int64,  # line of the placement in its file (1-based, the header is line 1)
    "iso3": pl.String,
    "country": pl.String,
    "report_year": pl.Int16,
    "tier": TIER_DTYPE,
    "tier_label": pl.String,  # as published, whitespace stripped; null when the source left it empty
    "special_case": pl.String,  # "Special Case" or "not ranked"; null for a ranked country
}

KELLEY_HEADER = ("countryname", "iso", "year", "ccode", "tier")
SIMPLE_REQUIRED = ("iso3", "report_year", "tier")
SIMPLE_OPTIONAL = ("country",)

#: Accepted spellings (case-folded, whitespace collapsed) -> canonical tier or special case.
_LABELS: dict[str, str] = {
    "tier 1": "Tier 1",
    "tier 2": "Tier 2",
    "tier 2 watch list": "Tier 2 Watch List",
    "tier 2 watchlist": "Tier 2 Watch List",
    "watch list": "Tier 2 Watch List",
    "watchlist": "Tier 2 Watch List",
    "tier 2wl": "Tier 2 Watch List",
    "tier 3": "Tier 3",
    "special case": SPECIAL_CASE,
    "not ranked": NOT_RANKED,
}

#: The release of Kelley's coding (the only one); a simple file's release is the span of its report years.
KELLEY_RELEASE = "1999-2015"

REASON_ISO3 = "iso3 missing or not three letters"
REASON_YEAR = "report year missing or not a year"
REASON_TIER = "tier not recognised (expected Tier 1, Tier 2, Tier 2 Watch List, Tier 3 or Special Case)"
REASON_DUPLICATE = "more than one placement for this iso3 and report year"


def _header(head: FileHead) -> list[str]:
    return [cell.strip().strip('"').strip().casefold() for cell in head.first_line.split(",")]


def sniff(head: FileHead) -> str | None:
    """``kelley_csv`` or ``simple_csv`` from the header line of a CSV file."""
    if head.is_xlsx:
        return None
    header = _header(head)
    if tuple(header) == KELLEY_HEADER:
        return KELLEY_LAYOUT
    if set(SIMPLE_REQUIRED) <= set(header) <= set(SIMPLE_REQUIRED + SIMPLE_OPTIONAL) and len(
        set(header)
    ) == len(header):
        return SIMPLE_LAYOUT
    return None


def load(path: str | Path, layout: str) -> LoadedTable:
    """Read a tier file (either layout) onto the canonical tier table."""
    path = Path(path)
    if layout == KELLEY_LAYOUT:
        columns = {"iso3": "iso", "country": "countryname", "report_year": "year", "tier_text": "tier"}
    elif layout == SIMPLE_LAYOUT:
        columns = {"iso3": "iso3", "country": "country", "report_year": "report_year", "tier_text": "tier"}
    else:
        raise InputError(f"unknown TIP layout {layout!r}", path=path)
    original = path.read_bytes()
    data, text_notes = utf8_text(original, path)  # UTF-16 and CR-only line ends, as spreadsheets save CSV
    raw, structural, notes = _read_records(path, data)
    notes = text_notes + notes
    by_name = {c.strip().casefold(): c for c in raw.columns}
    frame = raw.select(
        "source_row",
        *[
            (pl.col(by_name[source]) if source in by_name else pl.lit(None, pl.String)).alias(name)
            for name, source in columns.items()
        ],
    )
    rows_in = frame.height
    parsed = _reference_codes(_parse(frame, not_ranked_when_empty=layout == KELLEY_LAYOUT), notes)
    rejects = pl.concat([structural, _rejects(parsed)]).sort("row", maintain_order=True)
    kept = parsed.join(
        rejects.select(pl.col("row").alias("source_row")).unique(), on="source_row", how="anti"
    )
    flags = issues_where(
        kept,
        [("tier", "tier_label", pl.struct("iso3", "report_year").is_duplicated(), REASON_DUPLICATE)],
    )
    provenance = describe(
        SOURCE,
        layout,
        KELLEY_RELEASE if layout == KELLEY_LAYOUT else _year_span(kept),
        path=str(path),
        sha256=hashlib.sha256(original).hexdigest(),
        notes=tuple(notes),
    )
    table = kept.select([pl.col(c).cast(t) for c, t in TIER_SCHEMA.items()]).sort("iso3", "report_year")
    return LoadedTable(
        data=table, provenance=provenance, rows_in=rows_in, rejects=rejects, flags=flags, kind="tier"
    )


def _read_records(path: Path, data: bytes) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """Every cell as text with its line number (``source_row``), the rows whose field count is wrong, and notes.

    A short row is not padded into a placement: in Kelley's coding an empty tier means "not ranked", so a
    truncated line would otherwise become one. Blank lines carry no record.
    """
    check_quotes(data, path)
    try:
        frame = pl.read_csv(
            data,
            infer_schema=False,
            null_values=["NA", ""],
            encoding="utf8-lossy",
            truncate_ragged_lines=True,
        )
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"cannot read as CSV: {str(exc).strip().splitlines()[0]}", path=path) from exc
    scan = scan_records(data, ",")
    if scan.lines.size != frame.height:
        raise InputError(
            f"cannot tell records apart ({scan.lines.size} by line ends, {frame.height} by the CSV parser): "
            "unbalanced quotes?",
            path=path,
        )
    frame = frame.with_columns(source_row=pl.Series(scan.lines, dtype=pl.Int64)).filter(
        pl.Series(~scan.blank)
    )
    keep = ~scan.blank
    notes = [f"{int(scan.blank.sum())} blank line(s) ignored (no record)"] if scan.blank.any() else []
    return (
        frame,
        field_count_rejects(scan.lines[keep], scan.field_counts[keep], len(frame.columns) - 1),
        notes,
    )


def _parse(frame: pl.DataFrame, *, not_ranked_when_empty: bool) -> pl.DataFrame:
    label = pl.col("tier_text").str.strip_chars()
    label = pl.when(label == "").then(None).otherwise(label)
    key = label.str.replace_all(r"\s+", " ").str.to_lowercase()
    canonical = key.replace_strict(_LABELS, default=None, return_dtype=pl.String)
    if not_ranked_when_empty:  # Kelley: NA = not ranked that year
        canonical = pl.when(label.is_null()).then(pl.lit(NOT_RANKED)).otherwise(canonical)
    year = pl.col("report_year").str.strip_chars().cast(pl.Float64, strict=False)
    return frame.with_columns(
        year_text=pl.col("report_year"),
        iso3=pl.col("iso3").str.strip_chars().str.to_uppercase(),
        country=pl.col("country").str.strip_chars(),
        tier_label=label,
        canonical=canonical,
        report_year=pl.when((year == year.round()) & year.is_between(1900, 2100)).then(year).cast(pl.Int16),
    ).with_columns(
        tier=pl.when(pl.col("canonical").is_in(TIERS)).then(pl.col("canonical")),
        special_case=pl.when(~pl.col("canonical").is_in(TIERS)).then(pl.col("canonical")),
    )


def _reference_codes(parsed: pl.DataFrame, notes: list[str]) -> pl.DataFrame:
    """Codes the country reference knows under another code (Kelley's ``KOS`` for Kosovo, ``XKX``) read as
    its ISO3, with a note; codes it does not know at all stay as written (the value checks report them)."""
    from evidence.sources.countries import country_table, to_iso3

    known = set(country_table()["iso3"].to_list())
    codes = [c for c in parsed["iso3"].drop_nulls().unique().sort().to_list() if c not in known]
    recoded = {c: iso3 for c in codes if (iso3 := to_iso3(c)) is not None and iso3 != c}
    if not recoded:
        return parsed
    notes.append(
        "codes read through the country reference: " + ", ".join(f"{a} as {b}" for a, b in recoded.items())
    )
    return parsed.with_columns(pl.col("iso3").replace(recoded))


def _rejects(parsed: pl.DataFrame) -> pl.DataFrame:
    return issues_where(
        parsed,
        [
            ("iso3", "iso3", ~pl.col("iso3").str.contains(r"^[A-Z]{3}$").fill_null(False), REASON_ISO3),
            ("report_year", "year_text", pl.col("report_year").is_null(), REASON_YEAR),
            ("tier", "tier_text", pl.col("canonical").is_null(), REASON_TIER),
        ],
    )


def _year_span(frame: pl.DataFrame) -> str:
    years = frame["report_year"].drop_nulls()
    if years.is_empty():
        return "unknown"
    values = years.cast(pl.Int64).to_list()
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


register(
    Loader(
        source=SOURCE,
        sniff=sniff,
        load=load,
        description="US TIP Report tier placements (Kelley coding, or the simple iso3,report_year,tier CSV)",
        version=LOADER_VERSION,
    )
)
