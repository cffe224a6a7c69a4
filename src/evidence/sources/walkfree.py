"""Walk Free Global Slavery Index (GSI) 2023 workbook -> the canonical GSI table (one row per country).

Sheet ``GSI 2023 summary data``: a title row, then the header on the 3rd row, then 180 countries. The sheet is
found by its header (Country, Population, Region and the prevalence and number estimates), whatever its name
or place in the workbook; the sheet saved as CSV (layout ``gsi2023_csv``) reads the same way. A row with figures but no country (a blank cell, or a formula without a stored value)
is counted and rejected, as is a figure that is not a finite, non-negative number. The workbook has no ISO3
codes; countries are mapped through the country reference (an unmapped name is kept with ``iso3``
null and flagged, never guessed). Empty cells mean "not assessed" and stay null; so do the usual
not-available tokens (``n/a``, ``-``, ``..``, ``n.a.``; flagged, the country's other values kept) and a population
the workbook writes as 0 (flagged). A "World" or regional total row is an aggregate, not a country: it is left out
with a note. Percentage scores stored as fractions (every score between -1 and 1) are scaled to percent, with a
note.

The edition is read from the file (its sheet name and the title lines above the header: "Global Slavery Index
2023", "GSI 2023", "Walk Free (2023)", "2023 edition", a sheet named "Summary 2023"), never assumed from the layout: the 2023 edition (estimates
for 2021) loads as release ``2023``; a file that names no edition loads as release ``unknown`` with a note (and no
estimate year); a file naming one other edition whose summary sheet has the same columns loads as that release,
its estimate year left empty with a note (the loader knows only the 2023 edition's); a file naming several editions
is refused, saying which.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType  # what polars' own signatures take: a type or an instance

from evidence.core.errors import InputError
from evidence.sources.loaded import Check, LoadedTable, issues_where
from evidence.sources.metadata import UNKNOWN, describe
from evidence.sources.provenance import sha256_file
from evidence.sources.registry import FileHead, Loader, register
from evidence.sources.workbook import (
    HeaderMatch,
    best_partial_header,
    columns_not_used_note,
    find_header,
    header_key,
    header_key_expr,
    not_available,
    read_sheet,
    unused_columns,
)

SOURCE = "walkfree_gsi"
LAYOUT = "gsi2023_xlsx"
#: The summary sheet saved as delimited text (CSV) by a spreadsheet program.
LAYOUT_CSV = "gsi2023_csv"
#: 2: a population of 0 is missing; 3: provenance from the source metadata; 4: rows without a country or with
#: impossible figures rejected; 5: labels compared by header_key, columns not used noted, demo files recognised;
#: 6: the edition read from the file (unknown when not named), not-available tokens read as missing, aggregate
#: rows left out, fractions scaled to percent; 7: another edition with the same columns loads as its release;
#: 8: the shared not-available tokens of workbook.py (an ellipsis too); 9: a sheet named "Summary 2025" names
#: its edition
LOADER_VERSION = "9"
SHEET = "GSI 2023 summary data"
RELEASE = "2023"  # the edition whose layout and estimate year the loader knows
EDITION = int(RELEASE)
ESTIMATE_YEAR = 2021
#: Where a title or sheet name names the index's edition (the year is group 1).
EDITION_PATTERNS = (
    re.compile(r"(?:global\s+slavery\s+index|\bgsi)\W{0,3}((?:19|20)\d\d)\b", re.IGNORECASE),
    re.compile(r"\b((?:19|20)\d\d)\s+edition\b", re.IGNORECASE),
    re.compile(r"\bwalk\s*free\W{0,3}((?:19|20)\d\d)\b", re.IGNORECASE),
)
#: A sheet named for its data and a year alone ("Summary 2025", "2025 summary data"): in the index's workbook
#: that year is the edition's. Read from the sheet's name only: a title line's year ("summary of 2021
#: estimates") may be the estimates', not the edition's.
SHEET_EDITION_PATTERN = re.compile(
    r"\W*(?:(?:summary|data)(?:\s+data)?\W{0,3}((?:19|20)\d\d)|((?:19|20)\d\d)\W{0,3}summary(?:\s+data)?)\W*",
    re.IGNORECASE,
)
#: Country cells that name an aggregate (compared by header_key), besides the region names of the Region column.
AGGREGATES = frozenset({"world", "global", "total", "all countries", "global total", "world total"})

#: Canonical column <- the start of the publisher's header label, compared by
#: :func:`~evidence.sources.workbook.header_key` (case, whitespace, punctuation and parentheses ignored), so a
#: reworded edition ("Estimated prevalence of modern slavery (per 1,000 population)") reads the same.
MEASURES: dict[str, str] = {
    "population": "Population",
    "prevalence_per_1000": "Estimated prevalence of modern slavery per 1,000",
    "estimated_number_in_modern_slavery": "Estimated number of people in modern slavery",
    "vulnerability_governance_issues": "Governance issues",
    "vulnerability_lack_of_basic_needs": "Lack of basic needs",
    "vulnerability_inequality": "Inequality",
    "vulnerability_disenfranchised_groups": "Disenfranchised groups",
    "vulnerability_effects_of_conflict": "Effects of conflict",
    "vulnerability_total": "Total Vulnerability score",
    "response_survivors_supported": "Survivors of slavery are identified and supported",
    "response_criminal_justice": "Criminal justice mechanisms function effectively",
    "response_coordination": "Coordination occurs at the national and regional level",
    "response_risk_factors": "Risk factors, such as attitudes",
    "response_supply_chains": "Government and business stop sourcing goods",
    "response_total": "Government response total",
}

GSI_SCHEMA: dict[str, PolarsDataType] = {
    "source_row": pl.Int64,
    "iso3": pl.String,
    "country": pl.String,  # as published
    "region": pl.String,  # Walk Free's region
    "estimate_year": pl.Int16,
    **{name: pl.Float64 for name in MEASURES},
}

#: Labels of the header row that tell the summary sheet from the workbook's other sheets (a label may be the
#: start of a longer cell).
HEADER_LABELS = (
    "Country",
    "Population",
    "Region",
    MEASURES["prevalence_per_1000"],
    MEASURES["estimated_number_in_modern_slavery"],
)

REASON_NOT_NUMBER = "not a number"
REASON_NOT_FINITE = "not a finite number (NaN or infinity)"
REASON_NEGATIVE = "negative: an estimate, population or vulnerability score cannot be below 0"
#: Measures that cannot be negative. Government-response scores can: Walk Free subtracts points for harmful
#: policies (the 2023 index gives North Korea a response total of -2.6%).
NON_NEGATIVE = tuple(name for name in MEASURES if not name.startswith("response_"))
REASON_NO_COUNTRY = "country missing (a blank cell, or a formula without a stored value)"
REASON_UNMAPPED = "country not mapped to ISO3"
REASON_DUPLICATE = "country appears more than once"
REASON_ZERO_POPULATION = "population published as 0: read as missing"
FRACTIONS_NOTE = (
    "vulnerability and government-response scores are stored as fractions of 1 (all within -1..1): "
    "multiplied by 100 to percent"
)
REASON_NOT_AVAILABLE = "not-available token: read as missing (not assessed)"
#: Scores published in percent (0-100; response scores may be below 0).
PERCENT = tuple(name for name in MEASURES if name.startswith(("vulnerability_", "response_")))


def sniff(head: FileHead) -> str | None:
    """``gsi2023_xlsx`` for a workbook with a sheet headed like the GSI 2023 summary data; ``gsi2023_csv`` for
    that sheet saved as delimited text, whichever one edition it names. A file naming several editions is not
    taken (see :func:`diagnose`)."""
    match = _find_header(head.path) if head.tabular else None
    if match is None or len(_editions(match)[0]) > 1:
        return None
    return LAYOUT if match.delimiter is None else LAYOUT_CSV


def _find_header(path: Path) -> HeaderMatch | None:
    """The summary sheet's header."""
    return find_header(
        path,
        HEADER_LABELS,
        by_start=True,
        prefer=lambda name: header_key(name) == header_key(SHEET),
    )


def _editions(match: HeaderMatch) -> tuple[set[int], list[str]]:
    """The editions of the index the sheet's name and the title lines above its header name, and those texts."""
    titles = [match.sheet, *(str(c) for row in match.top_rows[: match.header_row - 1] for c in row if c)]
    editions: set[int] = set()
    naming = []
    sheet_named = SHEET_EDITION_PATTERN.fullmatch(match.sheet.strip())
    for index, title in enumerate(titles):
        found = {int(y) for pattern in EDITION_PATTERNS for y in pattern.findall(title)}
        if index == 0 and sheet_named:
            found |= {int(y) for y in sheet_named.groups() if y}
        if found:
            editions |= found
            naming.append(title)
    return editions, naming


def _other_edition(match: HeaderMatch, named: tuple[set[int], list[str]] | None = None) -> str | None:
    """Why a file naming several editions of the index is not read (which one it holds is unclear), or None
    (``named``: :func:`_editions` of ``match``, when found already)."""
    editions, naming = named or _editions(match)
    if len(editions) < 2:
        return None
    listed = " and ".join(str(e) for e in sorted(editions))
    where = "; ".join(repr(t[:80]) for t in naming)
    return (
        f"the file names the Walk Free Global Slavery Index editions {listed} (in {where}): which one its figures "
        "are is unclear; keep the one edition's title (or state the release in a sidecar)"
    )


def diagnose(head: FileHead) -> str | None:
    """For a workbook or text file with most of the GSI summary header (or a sheet named like it): what the
    header lacks."""
    if not head.tabular:
        return None
    match = _find_header(head.path)
    if match is not None:
        return _other_edition(match)
    labels = ["Country", "Region", *MEASURES.values()]
    same_name = header_key(SHEET).__eq__
    near = best_partial_header(
        head.path, labels, by_start=True, sheet=lambda name: same_name(header_key(name))
    )
    if near is None or not near[2]:
        return None
    sheet, row, missing = near
    where = f"sheet {sheet!r}, row {row}" if sheet else f"line {row}"
    return f"{where} looks like the GSI 2023 summary header but lacks the columns {missing}"


def load(path: str | Path, layout: str = LAYOUT) -> LoadedTable:
    """Read the GSI 2023 summary sheet (or that sheet saved as CSV) onto the canonical GSI table."""
    path = Path(path)
    if layout not in (LAYOUT, LAYOUT_CSV):
        raise InputError(f"unknown Walk Free layout {layout!r}", path=path)
    match = _find_header(path)
    if match is None:
        raise InputError(
            diagnose(FileHead(path)) or f"no sheet has the GSI header {list(HEADER_LABELS)}", path=path
        )
    editions, naming = _editions(match)
    other = _other_edition(match, (editions, naming))
    if other:
        raise InputError(other, path=path)
    named = next(iter(editions), None)
    release, estimate_year = (RELEASE, ESTIMATE_YEAR) if named == EDITION else (str(named or UNKNOWN), None)
    where = "; ".join(repr(t[:80]) for t in naming)
    edition_note = (
        f"the {EDITION} edition, named in {where}"
        if named == EDITION
        else (
            f"the {named} edition, named in {where}, read with the columns of the {EDITION} edition's summary "
            f"sheet, which its header has; the year its estimates refer to is not stated in the file and is left "
            f"empty (the {EDITION} edition's refer to {ESTIMATE_YEAR})"
        )
        if named is not None
        else (
            "the file does not name its edition (no sheet name or title line with 'Global Slavery Index "
            f"<year>', 'GSI <year>' or 'Walk Free <year>'): release not stated, estimate year left empty (its "
            f"layout is the {EDITION} edition's, whose estimates refer to {ESTIMATE_YEAR})"
        )
    )
    # Read twice (the sheet is small): as text, to see every cell as published (calamine would silently turn
    # "n/a" in a number column into null), and with inferred types, for numbers at full precision (calamine's
    # text of a number is rounded).
    text, first_row = read_sheet(path, match, dtypes="string")
    typed, _ = read_sheet(path, match)
    columns = _columns(text, path)
    unused = unused_columns(text, columns.values())
    measures = [columns[name] for name in MEASURES]
    not_available_cells = [not_available(pl.col(name)).alias(f"{name}__na") for name in MEASURES]
    frame = (
        text.select([pl.col(source).alias(name) for name, source in columns.items()])
        .with_columns(pl.all().str.strip_chars().replace("", None))
        .with_columns(not_available_cells)
        .with_columns(
            [
                pl.when(~pl.col(f"{name}__na"))
                .then(typed[source].cast(pl.Float64, strict=False))
                .alias(f"{name}__number")
                for name, source in zip(MEASURES, measures, strict=True)
            ]
        )
        .with_row_index("source_row", offset=first_row)
        .cast({"source_row": pl.Int64})
        # Blank rows and footnotes below the table (text in the first column only) are not countries; a row
        # with figures is, even when its country cell is empty.
        .filter(
            pl.any_horizontal(
                pl.col("region").is_not_null(),
                *(pl.col(n).is_not_null() & ~pl.col(f"{n}__na") for n in MEASURES),
            )
        )
    )
    # A world or regional total below (or among) the countries is not a country: summing it would count twice.
    # (keys made in polars on both sides, for the whole column at once)
    regions = frame.select(header_key_expr(pl.col("region")).drop_nulls().unique()).to_series().to_list()
    keys = [*(header_key(a) for a in AGGREGATES), *regions]  # AGGREGATES keyed too ("all countries")
    aggregate = header_key_expr(pl.col("country")).is_in(keys).fill_null(False)
    aggregates = frame.filter(aggregate)
    frame = frame.filter(~aggregate)
    rows_in = frame.height

    number_checks = [
        (
            REASON_NOT_NUMBER,
            lambda n: pl.col(n).is_not_null() & pl.col(f"{n}__number").is_null() & ~pl.col(f"{n}__na"),
        ),
        (REASON_NOT_FINITE, lambda n: ~pl.col(f"{n}__number").is_finite()),
        (REASON_NEGATIVE, lambda n: (pl.col(f"{n}__number") < 0) & pl.lit(n in NON_NEGATIVE)),
    ]
    checks: list[Check] = [("Country", "country", pl.col("country").is_null(), REASON_NO_COUNTRY)]
    checks += [(columns[n], n, check(n), reason) for reason, check in number_checks for n in MEASURES]
    rejects = issues_where(frame, checks)
    kept = frame.join(rejects.select(pl.col("row").alias("source_row")).unique(), on="source_row", how="anti")
    # Scores published as fractions of 1 (a cell formatted "46.5%" holds 0.465): every score of the sheet lies
    # within [-1, 1] (a percent sheet has most above 1). Scaled to percent as the 2023 edition writes them.
    scores = kept.select(pl.concat_list([pl.col(f"{n}__number") for n in PERCENT]).explode().drop_nulls())
    score_values = scores.to_series()
    fractions = (
        score_values.len() > 0 and bool((score_values.abs() <= 1).all()) and bool((score_values != 0).any())
    )
    if fractions:
        kept = kept.with_columns([(pl.col(f"{n}__number") * 100).alias(f"{n}__number") for n in PERCENT])
    # the workbook writes 0 as the population of a few countries (Kosovo, Palau…) it has no figure for
    zero_population = pl.col("population__number") == 0
    kept = kept.with_columns(
        [pl.col(f"{name}__number").alias(name) for name in MEASURES],
        estimate_year=pl.lit(estimate_year, pl.Int16),
        **{f"_{name}_text": pl.col(name) for name in MEASURES},
    ).with_columns(
        pl.when(~zero_population).then(pl.col("population")).alias("population"), _zero=zero_population
    )

    from evidence.sources.countries import map_to_iso3

    mapping = map_to_iso3(kept["country"])
    kept = kept.with_columns(iso3=mapping.iso3.cast(pl.String))
    flags = issues_where(
        kept,
        [
            ("Country", "country", pl.col("iso3").is_null(), REASON_UNMAPPED),
            (
                "Country",
                "country",
                pl.col("iso3").is_duplicated() & pl.col("iso3").is_not_null(),
                REASON_DUPLICATE,
            ),
            (columns["population"], "_population_text", pl.col("_zero"), REASON_ZERO_POPULATION),
            *((columns[n], f"_{n}_text", pl.col(f"{n}__na"), REASON_NOT_AVAILABLE) for n in MEASURES),
        ],
    )
    n_na = int(kept.select(pl.sum_horizontal(pl.col(f"{n}__na") for n in MEASURES).sum()).item() or 0)
    aggregate_rows = ", ".join(
        f"row {r} {c!r}" for r, c in aggregates.select("source_row", "country").iter_rows()
    )
    provenance = describe(
        SOURCE,
        layout,
        release,
        path=str(path),
        sha256=sha256_file(path),
        notes=(
            edition_note,
            *([f"estimates refer to {estimate_year}"] if estimate_year else []),
            match.where,
            *columns_not_used_note(unused),
            *(
                [
                    f"{n_na} cell(s) written as not available (n/a, -, ..) read as missing; the country's other values kept"
                ]
                if n_na
                else []
            ),
            *([f"aggregate rows (not countries) left out: {aggregate_rows}"] if aggregate_rows else []),
            *([FRACTIONS_NOTE] if fractions else []),
        ),
    )
    data = kept.select([pl.col(c).cast(t) for c, t in GSI_SCHEMA.items()]).sort("source_row")
    return LoadedTable(
        data=data, provenance=provenance, rows_in=rows_in, rejects=rejects, flags=flags, kind="gsi"
    )


def _columns(raw: pl.DataFrame, path: Path) -> dict[str, str]:
    """Canonical name -> the sheet's column, matching each label by its start (by :func:`header_key`).

    A label matched by the start of two columns is ambiguous and refused, never resolved by column order."""
    columns: dict[str, str | None] = {}
    ambiguous = []
    wanted = {"country": ("Country", False), "region": ("Region", False)}
    wanted.update({name: (start, True) for name, start in MEASURES.items()})
    for name, (label, by_start) in wanted.items():
        key = header_key(label)
        found = [
            c for c in raw.columns if header_key(c) == key or (by_start and header_key(c).startswith(key))
        ]
        exact = [c for c in found if header_key(c) == key]
        found = exact or found
        if len(found) > 1:
            ambiguous.append(f"{label!r} ({', '.join(repr(c) for c in found)})")
        columns[name] = found[0] if found else None
    if ambiguous:
        raise InputError(f"GSI sheet: more than one column for {'; '.join(ambiguous)}", path=path)
    missing = [name for name, column in columns.items() if column is None]
    if missing:
        raise InputError(f"GSI sheet lacks the columns {missing}", path=path)
    return {name: column for name, column in columns.items() if column is not None}


register(
    Loader(
        source=SOURCE,
        sniff=sniff,
        load=load,
        description="Walk Free Global Slavery Index 2023 workbook (or its summary sheet as CSV) -> GSI table",
        version=LOADER_VERSION,
        diagnose=diagnose,
    )
)
