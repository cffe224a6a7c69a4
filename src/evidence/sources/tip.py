"""US Trafficking in Persons (TIP) Report tier placements -> the canonical tier table.

Two layouts:

* ``kelley_csv``: J. Kelley's coding (*Scorecard Diplomacy*, 2017) of the reports of 2001–2015 (her rows run
  from 1999, those of 1999 and 2000 ranking no country; a reader is told the years ranked), columns
  ``countryname, iso, year, ccode, tier`` (``ccode``, a Correlates of War number, is not read nor required;
  the layout is told by her labels as she writes them, lower case, or by ``ccode`` beside them: a hand-made
  ``Year, ISO, Country name, Tier`` is the simple layout, never cited as her coding); tier labels carry
  trailing spaces (``Tier 1    ``), ``Watchlist`` is Tier 2 Watch List and ``NA``/empty means the country was not ranked that year. Users extend the file with
  later reports in the same layout, so its release is the span of report years it holds (``1999-2024``), not
  the span of Kelley's own coding; report years beyond that coding are named in a provenance note.
* ``simple_csv``: the toolkit's own layout for adding later reports by hand, ``iso3,report_year,tier`` with an
  optional ``country`` column (documented in ``docs/data-formats.md``); ``year`` is read for ``report_year``,
  ``ISO`` or ``ISO code`` for ``iso3``, ``Country name`` for ``country`` (see :data:`_COLUMNS`). A table without a
  code column but with the country's name (as the reports list their placements: ``Korea, North``, ``Burma``)
  has its codes read from the names through the country reference, with a note; a name the reference does not
  know rejects its row (:data:`REASON_NAME_UNMAPPED`), never guessed. A row whose code cell is empty beside a name
  the reference knows is that country, flagged (:data:`REASON_CODE_FROM_NAME`), as the UNODC loader reads one.

A simple table may be laid out a column per report year (``Country, ISO3, 2016, 2017, …``, a country per row, as
tier tables copied from web pages and compilations are): it is read as one placement per country and report year
(:func:`_by_report_year`), each named by its row and its year's column; an empty cell gives no placement (such a
table cannot tell a country not ranked from one not listed), and a row with a cell that is no placement is
rejected whole (its other cells may be shifted). It is told by its header naming a country or code and report
years over cells among which a tier and no figure, in the first rows (years over figures are no tier table; tiers
written as numbers, 1, 2, 3, are read where the table writes the Watch List as ``2WL``: :data:`TIER_NUMBERS`).

A table laid out a column per tier is read too (:func:`_by_tier`): the countries of each tier listed under it (as
the report's own tier placement pages are), one placement per cell, its code read from its name; or a country per
row with a mark (``X``) under its tier, one placement per row (a row marking two tiers or none rejected). Its
report year is a year column's (marks only) or the one year of a title line naming the report (``2024
Trafficking in Persons Report``), said in a note; without either it is refused saying what gives it (a title such
as ``Tier placements 2024`` may give the data's year, not the report's).

Either layout may be a workbook (.xlsx): the sheet whose top rows hold the header is read cell by cell as text, by
the rules of the CSV file, with the sheet's row numbers. A header that names a tier and another column of a tier
file but lacks a required one is refused naming the TIP layouts and the column it lacks (:func:`diagnose`).

Both layouts are recognised from the header line (delimited by commas, or by semicolons, tabs or pipes as
spreadsheet programs save CSV in some locales: the delimiter that makes the header a known layout), its labels compared by
:func:`~evidence.sources.workbook.header_cell_key` (``ISO3``, ``Report Year`` and ``report_year`` are one label,
``Year¹`` and ``Tier [1]`` their labels with a footnote number), in any order; other columns are read past and named in a "columns not used" note.

A row whose tier gives no placement is rejected with its own reason (file, row, column ``tier`` and the text as
written), never kept: a not-available token of :data:`~evidence.sources.workbook.NOT_AVAILABLE` (``n/a``, ``N/A``,
``-``, ``..``, ``not assessed``; a footnote marker aside), the list the UNODC and GSI loaders read too. A tier
row holds one placement, as a UNODC row holds one value, and UNODC's loader rejects a row whose value is not
available (a GSI row is a country with many figures: it is kept, that cell null and flagged); and "not
available" is not "not ranked" (the report ranked the country or not; the cell does not say which), so it is
not read as one. Only Kelley's layout reads an empty tier, or her ``NA`` (R's missing value), as not ranked; an
empty tier in the simple layout is rejected as missing, and its ``NA`` as not available. Other unknown text
(``Tier 4``) and a numeric tier (``2.5``) are rejected each with their own reason. A tier read past a footnote
marker (``Tier 3*``: the footnote may qualify the placement) is flagged
(:data:`REASON_TIER_FOOTNOTE`), its label kept as written, as the UNODC and GSI loaders flag a figure so marked.

A placement in a report year before the first report to place countries (2001) or a row in a year after the one
it is read in (no report dated so yet: 2052 for 2025 mistyped) is rejected naming its year, never kept as a tier of
that year; Kelley's rows of 1999 and 2000, ranking no country, are read as not ranked.

A report year written in words (``2024 TIP Report``, ``TIP Report 2024``, ``2024 Report``) is read when the cell
holds exactly one run of digits and it is a year of :data:`YEAR_IN_TEXT_RANGE`, and the row is flagged
(:data:`REASON_YEAR_IN_TEXT`); a cell with two numbers (``2023-24``) is rejected, not guessed. A workbook's year
cell holding a date of 1 January (a column of dates shown by a year-only format) is that year, said in a note
(:data:`~evidence.sources.workbook.YEAR_AS_DATE`).

Tier table columns: ``source_row``, ``iso3``, ``country``, ``report_year``, ``tier`` (ordered: Tier 1 < Tier 2
< Tier 2 Watch List < Tier 3; null when not ranked or a special case), ``tier_label`` (as published, whitespace
stripped) and ``special_case`` (``Special Case``, ``not ranked``; null for ranked countries).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType  # what polars' own signatures take: a type or an instance

from evidence.core.errors import InputError
from evidence.sources.delimited import (
    DELIMITER_NAMES,
    DELIMITERS,
    blank_lines_note,
    check_quotes,
    empty_records,
    empty_records_note,
    field_count_rejects,
    header_cells,
    header_delimiter,
    note_lines_note,
    notes_below,
    overflowing_text,
    scan_records,
    text_rows_at_end,
    utf8_text,
    without_empty_records,
)
from evidence.sources.loaded import LoadedTable, empty_issues, issues_where
from evidence.sources.metadata import dataset, describe
from evidence.sources.provenance import DEMO_MARKER, Provenance, sha256_file
from evidence.sources.registry import FileHead, Loader, register
from evidence.sources.typed_tables import COUNTRY_FOOTNOTE, repeated_headers
from evidence.sources.workbook import (
    FOOTNOTE_MARKER,
    HEADER_FOOTNOTE_MARKER,
    HeaderMatch,
    SheetHead,
    header_cell_key,
    header_key,
    not_available,
    read_sheet,
    repeated_label_error,
    year_of_date,
    years_from_dates_note,
)

SOURCE = "us_tip_tiers"
LOADER_VERSION = "25"  # 2: source_row; 3: provenance from the source metadata; 4: a Kelley file's release is
# the span of its report years; headers matched by header_key, extra columns read past; demo files recognised;
# 5: semicolon (tab, pipe) delimited files; more tier spellings (Tier 2 WL, T2WL, footnote markers, Special Case
# (Yemen)); a numeric tier refused with its own reason; 6: the shared footnote markers of workbook.py ("[a]", "[1]");
# 7: a tier written as a not-available token of workbook.py ("n/a", "-", "..") and an empty tier of the simple
# layout refused with their own reasons (were "tier not recognised"); "NA" is Kelley's "not ranked" in her layout
# only (the simple layout's "NA" is not available), and only in the tier column; 8: Kelley's ccode not required;
# the simple layout's header variants (year, ISO, ISO code, country name); a tier table saved as a workbook; 9: a
# report year written in text ("2024 TIP Report": one run of digits, a year 1990-2100) read and flagged; 10:
# Kelley's layout told by her labels as she writes them or by her ccode (a hand-made "Year, ISO, Country name,
# Tier" is the simple layout); 11: a CSV file's header found below title lines (a workbook with notes above its
# header, saved as CSV: was refused), rows of delimiters only left out as no record (were rejected); 12: a tier
# with the automatic downgrade written after it ("Tier 3 (auto-downgraded)", TIER_QUALIFIER) read and flagged
# (was rejected as not recognised); a header label with a footnote number ("Year¹", "Tier [1]") read as the label
# (workbook.header_cell_key; the header was not a tier layout); 13: rows holding nothing counted
# (LoadedTable.rows_left_out), a workbook's named by row, blank lines by line; a label in two header cells named by
# their references; 14: a row with text only beyond the header's last field rejected (too many fields), not left out;
# 15: a code ISO withdrew with one successor (ROM, ZAR, TMP, BUR) read as it, a code the reference does not know
# flagged (both were kept as written, unflagged: they matched no other source's country)
# 16: a row whose country name names another country than its code flagged (TKM for Türkiye was kept unsaid)
# 17: a table without a code column read by its country names (was refused as lacking iso3), "Country code" an
# iso3 label; "Tier3", "Tier2 Watch List" read (were not recognised); a note below the placements (text in one
# cell, no year nor tier) rejected once as a note, its text as written (was rejected for code, year and tier); a
# row with an empty code beside a known name read as that country and flagged (was rejected); a workbook's error
# cell read as its text (#N/A: not available; was an empty cell)
# 18: reasons name the file's column as its header writes it (Kelley's "year", "iso"; were the table's names)
# 19: the label and citation tell the report years that rank a country (Kelley's file: reports of 2001-2015, her
# rows of 1999 and 2000 ranking none; were "reports of 1999-2015"); the release stays the rows' span
# 20: notes below the placements (a source line, a footnote: text in one cell naming no country) left out and named
# (delimited.notes_below; they were rejected as notes, so a tier file with a source line did not validate)
# 21: a workbook's year cells holding dates of 1 January (a year-only date format) read as their years, with a
# note (workbook.YEAR_AS_DATE; every such placement was rejected as "not a year")
# 22: a placement in a report year before 2001 (the first report placing countries) or a row in a year after this
# one rejected naming its year (were kept: 1995 or 2052, 2025 mistyped, a placement, the release "1995-2052")
# 23: a tier read past a footnote marker ("Tier 3*": the footnote may qualify the placement) flagged, as the
# UNODC and GSI loaders flag a figure so marked (was read without a word)
# 24: a table laid out a column per report year (a country per row) read as one placement per country and year,
# in the simple layout (was refused, told to reshape it)
# 25: tiers written as numbers (1, 2, 3) in a table writing the Watch List as 2WL read as tiers (were rejected as
# numeric tiers; a table of years over them was no tier table); a table laid out a column per tier (countries listed
# under each, or a mark under a country's tier) read when a year column or a title naming the report gives its year
# (was refused)
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
#: The labels of Kelley's layout that are read: her ``ccode`` (a Correlates of War number) is not, so a file in her
#: layout without it is still hers.
KELLEY_REQUIRED = ("countryname", "iso", "year", "tier")
SIMPLE_REQUIRED = ("iso3", "report_year", "tier")
SIMPLE_OPTIONAL = ("country",)
#: Canonical column <- the header labels it is read from (compared by header_key), the layout's own label first.
#: The simple layout takes the labels a hand-made or downloaded tier table plausibly carries (``Year``, ``ISO``,
#: ``Country name``); a header giving two of one column's labels reads the earlier one listed (``iso3`` before
#: ``iso``) and names the other as not used.
_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    KELLEY_LAYOUT: {
        "iso3": ("iso",),
        "country": ("countryname",),
        "report_year": ("year",),
        "tier_text": ("tier",),
    },
    SIMPLE_LAYOUT: {
        "iso3": ("iso3", "iso", "ISO code", "ISO3 code", "ISO alpha-3", "country code"),
        "country": (
            "country",
            "country name",
            "countryname",
            "country/territory",
            "country or territory",
            "country or area",
        ),
        "report_year": ("report_year", "year", "TIP report year"),
        "tier_text": ("tier", "tier placement", "tier ranking"),
    },
}
_REQUIRED = ("iso3", "report_year", "tier_text")
#: The keys (:func:`header_key`) of Kelley's required labels and of each simple-layout column's labels, made once:
#: the sniffer asks every row of a workbook's top rows (the GSI's: 21,000 cells over 13 sheets), and keying the
#: same labels again for each row was most of what looking at a workbook that is no tier table took.
_KELLEY_KEYS = frozenset(header_key(label) for label in KELLEY_REQUIRED)
_SIMPLE_KEYS = {
    name: tuple(header_key(label) for label in labels) for name, labels in _COLUMNS[SIMPLE_LAYOUT].items()
}

#: Accepted spellings (case-folded, whitespace collapsed) -> canonical tier or special case.
_LABELS: dict[str, str] = {
    "tier 1": "Tier 1",
    "tier 2": "Tier 2",
    "tier 2 watch list": "Tier 2 Watch List",
    "tier 2 watchlist": "Tier 2 Watch List",
    "watch list": "Tier 2 Watch List",
    "watchlist": "Tier 2 Watch List",
    "tier 2wl": "Tier 2 Watch List",
    "tier 2 wl": "Tier 2 Watch List",
    "t2wl": "Tier 2 Watch List",
    "t2 wl": "Tier 2 Watch List",
    # the Watch List as compilations that number the tiers write it (1, 2, 2WL, 3: see TIER_NUMBERS)
    "2wl": "Tier 2 Watch List",
    "2 wl": "Tier 2 Watch List",
    "2 watch list": "Tier 2 Watch List",
    "2 watchlist": "Tier 2 Watch List",
    "t1": "Tier 1",
    "t2": "Tier 2",
    "t3": "Tier 3",
    "tier 3": "Tier 3",
    "special case": SPECIAL_CASE,
    "not ranked": NOT_RANKED,
}

#: Tiers written as numbers, as compilations write them beside ``2WL`` for the Watch List: read only in a table
#: that writes the Watch List by name or code and no other number as a tier (:func:`_numbered_tiers`), where 2
#: cannot be the Watch List; elsewhere a number is refused (:data:`REASON_NUMERIC_TIER`: is 2.5 the Watch List?).
TIER_NUMBERS = {"1": "Tier 1", "2": "Tier 2", "3": "Tier 3"}
#: A tier number as written: ``2``, or ``2.0`` as a workbook's number cell reads.
_TIER_NUMBER = r"^([123])(?:\.0)?$"

#: A qualifier written after a tier (a regex, anchored at the end, with the separator or brackets around it): TIP
#: Report compilations and later hand-made tables mark the reports' automatic downgrade (a country on the Tier 2
#: Watch List two consecutive years moves to Tier 3) as ``Tier 3 (auto-downgraded)``, ``Tier 3 - automatic
#: downgrade``, ``Tier 2 WL - auto-downgraded``. The tier it names is read and the row flagged
#: (:data:`REASON_TIER_QUALIFIED`), the label kept as written in ``tier_label``; any other words after a tier
#: (``Tier 2 (provisional)``) are still not recognised, and a number with a qualifier is still a numeric tier (but in
#: a table of numbered tiers, TIER_NUMBERS).
TIER_QUALIFIER = (
    r"(?i)\s*(?:[-\u2010-\u2014,;:/]\s*)?[(\[]?\s*"
    r"auto(?:matic(?:ally)?)?[\s\-\u2010-\u2014]*downgrad(?:e|ed|ing)"
    r"\s*[)\]]?$"
)

#: The span of report years of Kelley's own coding. A file in her layout is released as the span of the report
#: years it holds (one that users extended with later reports runs past this), as a simple file is.
KELLEY_RELEASE = "1999-2015"

REASON_ISO3 = "iso3 missing or not three letters"
REASON_NAME_UNMAPPED = (
    "country name not in the country reference (the table has no iso3 column, so the code is read from the name): "
    "write the country as the reference names it, or add an iso3 column"
)
REASON_CODE_FROM_NAME = "iso3 empty: read from the country name, which names one country of the reference"
REASON_NOTE = "a note, not a placement (text in one cell, but no report year nor tier)"
REASON_NAME_MISSING = "country missing (the table has no iso3 column, so the code is read from the name)"
REASON_YEAR = "report year missing or not a year"
#: The first TIP Report to place countries in tiers (its first, of 2001; Kelley's rows of 1999 and 2000 rank none).
FIRST_REPORT_YEAR = 2001
REASON_YEAR_BEFORE_REPORTS = (
    f"a placement in a report year before {FIRST_REPORT_YEAR}: the first TIP Report to place countries in tiers is "
    f"{FIRST_REPORT_YEAR}'s (a mistyped year?)"
)
REASON_YEAR_AFTER_THIS_YEAR = (
    "report year after this year: no TIP Report is dated later than the year it is read in (a mistyped year, 2052 "
    "for 2025?)"
)
REASON_TIER = "tier not recognised (expected Tier 1, Tier 2, Tier 2 Watch List, Tier 3 or Special Case)"
REASON_TIER_MISSING = (
    "tier missing (an empty cell; only Kelley's layout reads an empty tier as not ranked): write the tier, "
    "Special Case or not ranked"
)
REASON_TIER_NOT_AVAILABLE = (
    "tier not available ('n/a', '-', '..' or another not-available token): no placement given, so neither a tier "
    "nor read as not ranked (a country the report did not rank is written not ranked)"
)
REASON_NUMERIC_TIER = (
    "tier written as a number: the TIP reports name their tiers (Tier 1, Tier 2, Tier 2 Watch List, Tier 3) and "
    "document no numeric code (is 2.5 the Watch List?): write the tier's name (1, 2 and 3 are read as tiers in a "
    "table writing the Watch List as 2WL and no other number)"
)
REASON_DUPLICATE = "more than one placement for this iso3 and report year"
REASON_MARKED_TWICE = "marks in more than one tier's column: a row gives one placement (which is it?)"
REASON_NOT_MARKED = "no tier's column marked: no placement given (write the mark under the country's tier)"
REASON_NOT_A_MARK = (
    "a tier's column holds text that is no mark (X, \u2713, 1, yes; empty, 0 or no for the other tiers): which "
    "placement it gives is not guessed"
)
REASON_NAME_DISAGREES = (
    "the country name names another country than the code (a mistyped code, a shifted column?): kept as coded"
)
REASON_UNKNOWN_CODE = (
    "iso3 is no code of the country reference (a country dissolved into several, such as YUG or SCG, or a "
    "mistyped code): kept as written; it matches no other source's country"
)
REASON_YEAR_IN_TEXT = (
    "report year read out of text (the one year in the cell, as in '2024 TIP Report'): check it is the report's "
    "year"
)
REASON_TIER_QUALIFIED = (
    "tier written with a qualifier (the automatic downgrade): read as the tier it names, the label kept as written "
    "in tier_label; the downgrade moves a country two consecutive years on the Watch List to Tier 3, so check a "
    "Watch List placement so marked (the year before a downgrade, or a waiver of it?)"
)
REASON_TIER_FOOTNOTE = (
    "a footnote marker follows the tier: read without it, the label kept as written in tier_label; the footnote's "
    "text is not in the table and may qualify the placement (an automatic downgrade, a waiver): check it"
)
REASON_COUNTRY_FOOTNOTE = (
    "a footnote mark follows the country's name: the country read without it, the name kept as written; the "
    "footnote's text is not in the table and may qualify the placement (a special case, a territory): check it"
)
#: The years a report year written in text may be (:func:`_year_in_text`): the TIP reports began in 2001.
YEAR_IN_TEXT_RANGE = (1990, 2100)


def _header_format(line: str) -> tuple[str, str] | None:
    """The delimiter that splits the header line into a known layout's labels, and that layout (see
    :func:`~evidence.sources.delimited.header_delimiter`); None when no delimiter does."""
    found = header_delimiter(line, _layout_of)
    return None if found is None else (found[0], found[2])


def _layout_of(cells: list[str], keys: frozenset[str] | None = None) -> str | None:
    """The layout a header's ``cells`` are of, or None; ``keys``: the cells' keys (:func:`header_cell_key`), when
    known."""
    keys = frozenset(header_cell_key(cell) for cell in cells) if keys is None else keys
    # Kelley's layout by her labels as she writes them (lower case, "countryname" one word), or beside her ccode:
    # what is cited and how "NA" reads follow from it, so a hand-made "Year, ISO, Country name, Tier" is the
    # simple layout (cited to the State Department), never her coding (the cells as written looked at only for a
    # row holding her labels: every row of a workbook's top rows is asked)
    if _KELLEY_KEYS <= keys and (
        set(KELLEY_REQUIRED) <= {cell.strip().strip('"') for cell in cells} or "ccode" in keys
    ):
        return KELLEY_LAYOUT
    if not _missing(keys):
        return SIMPLE_LAYOUT
    return None


def _missing(keys: AbstractSet[str]) -> list[str]:
    """The simple layout's required columns none of whose labels is among the header ``keys`` (the code column is
    not missing beside a country column: the codes are then read from the names)."""
    return [
        name
        for name in _REQUIRED
        if not _present(keys, name) and not (name == "iso3" and _present(keys, "country"))
    ]


def _present(keys: AbstractSet[str], name: str) -> bool:
    return any(key in keys for key in _SIMPLE_KEYS[name])


def sniff(head: FileHead) -> str | None:
    """``kelley_csv`` or ``simple_csv`` from the header line of a CSV file, or from a header in the top rows of a
    workbook's sheets (labels by header_key, any order, other columns allowed)."""
    if head.is_xlsx:
        found = _workbook_headers(head)
        return found[0][2] if found else None
    in_text = _text_header(head.text)
    return None if in_text is None else in_text[2]


#: How many lines a CSV file's header may stand below title lines (a workbook with notes above its header, saved
#: as CSV: the workbook reads, so must its CSV).
TITLE_LINES = 10


def _text_header(text: str) -> tuple[int, str, str] | None:
    """Where a delimited file's header is: the number of title lines above it, its delimiter and layout; the first
    of the top :data:`TITLE_LINES` lines that is a tier header (see :func:`_header_format`). None when none is."""
    text = text.lstrip("\ufeff")
    lines = text.split("\n") if "\n" in text else text.split("\r")  # CR-only line ends (Excel for Macintosh)
    if len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut by the end of the text read
    for index, line in enumerate(lines[:TITLE_LINES]):
        found = _header_format(line.removesuffix("\r"))
        if found is not None:
            return index, found[0], found[1]
        for delimiter in DELIMITERS:  # a column per report year (see _report_year_columns)
            if delimiter not in line:
                continue
            below = [
                header_cells(b.removesuffix("\r"), delimiter)
                for b in lines[index + 1 : index + 1 + _WIDE_ROWS]
            ]
            cells = header_cells(line.removesuffix("\r"), delimiter)
            if _report_year_columns(cells, below) or _per_tier_with_year(cells, lines[:index]):
                return index, delimiter, SIMPLE_LAYOUT
    return None


def _per_tier_with_year(cells: list[str], titles: list[str]) -> bool:
    """Whether a header is of a table laid out a column per tier (:func:`_tier_positions`) whose report year is
    given: by a report year column, or by a title above it naming the report (:func:`_title_year`)."""
    if not _tier_positions(cells):
        return False
    keys = {header_cell_key(cell) for cell in cells if cell.strip()}
    return _present(keys, "report_year") or _title_year(titles) is not None


def _workbook_headers(head: FileHead) -> list[tuple[str, int, str, list[str]]]:
    """Per sheet whose top rows hold a tier header: (sheet, its 1-based row, layout, its cells as text)."""
    found = []
    for sheet in head.workbook.sheets:
        header = sheet.found("tier header", _sheet_header)
        if header is not None:
            row, layout, cells = header
            found.append((sheet.name, row, layout, list(cells)))
    return found


def _sheet_header(sheet: SheetHead) -> tuple[int, str, tuple[str, ...]] | None:
    """The first of a sheet's top rows that is a tier header: its 1-based row, layout and cells as text."""
    for index, row in enumerate(sheet.rows):
        cells = list(sheet.texts[index])
        # (the keys of the cells as text: the sheet's, with an empty cell's "")
        layout = _layout_of(cells, sheet.cell_keys[index] | ({""} if None in row else set()))
        # the rows below made text only for a header of years: every row of every sheet is asked
        if (
            (
                layout is None
                and _year_header(cells)
                and _report_year_columns(
                    cells,
                    [
                        ["" if c is None else str(c) for c in r]
                        for r in sheet.rows[index + 1 : index + 1 + _WIDE_ROWS]
                    ],
                )
            )
            or (
                layout is None
                and _tier_positions(cells)  # the title rows made text only above a header of tiers
                and _per_tier_with_year(cells, _row_texts(sheet.rows[:index]))
            )
        ):
            layout = SIMPLE_LAYOUT
        if layout is not None:
            return index + 1, layout, tuple(cells)
    return None


def _row_texts(rows: Sequence[Sequence[object]]) -> list[str]:
    """A workbook's rows each as one line of text (its cells holding anything, joined by spaces): title rows."""
    return [" ".join(str(c).strip() for c in row if c is not None and str(c).strip()) for row in rows]


def _label_list(name: str) -> str:
    labels = _COLUMNS[SIMPLE_LAYOUT][name]
    text = labels[0] + (f" (or {', '.join(labels[1:])})" if len(labels) > 1 else "")
    if name == "iso3":  # the codes may be read from the names instead
        text += ", or a country name column (" + ", ".join(_COLUMNS[SIMPLE_LAYOUT]["country"]) + ")"
    return text


def diagnose(head: FileHead) -> str | None:
    """For a header that names a tier and another column of a tier file but lacks a required one: the TIP
    layouts and the columns it lacks (so a near miss is not "not a layout any loader knows")."""
    # (where, the row's cells, the cells of the row below it)
    rows: list[tuple[str, list[str], list[str]]] = []
    if head.is_xlsx:
        rows = [
            (
                f"sheet {sheet.name!r}, row {index + 1}",
                ["" if c is None else str(c) for c in row],
                [
                    "" if c is None else str(c)
                    for c in (sheet.rows[index + 1] if index + 1 < len(sheet.rows) else ())
                ],
            )
            for sheet in head.workbook.sheets
            for index, row in enumerate(sheet.rows)
        ]
    elif head.tabular:
        # the header line, or one below title lines (as a workbook's notes above its header are saved in CSV)
        lines = [head.first_line, *head.text.lstrip("\ufeff").splitlines()[1 : TITLE_LINES + 1]]
        rows = [
            ("the header" if n == 0 else f"line {n + 1}", header_cells(line, d), header_cells(below, d))
            for n, (line, below) in enumerate(zip(lines[:TITLE_LINES], [*lines[1:], ""], strict=False))
            for d in DELIMITERS
            if d in line
        ]
    for where, cells, _ in rows:
        if per_tier := _tier_columns(where, cells):
            return per_tier
        keys = {header_cell_key(cell) for cell in cells if cell}
        named = [name for name in (*_REQUIRED, "country") if _present(keys, name)]
        tier_like = "tier_text" in named or any(
            key.startswith("tier") for key in keys
        )  # "Tiers", "Tier 2024"
        if not tier_like or len(set(named) - {"tier_text"}) < 1:
            continue
        missing = _missing(keys)
        if not missing:
            continue
        return (
            f"{where} looks like a US TIP tier table but lacks the column{'s' if len(missing) > 1 else ''} "
            + "; ".join(_label_list(name) for name in missing)
            + f" (the simple layout: {', '.join(SIMPLE_REQUIRED)}[, country]; Kelley's: "
            f"{', '.join(KELLEY_REQUIRED)})"
        )
    return None


def _tier_columns(where: str, cells: list[str]) -> str | None:
    """For a header of a column per tier (:func:`_tier_positions`) without a report year column: that it holds no
    report year, and what gives it (read so when the file gives it: the loader never asks this)."""
    positions = _tier_positions(cells)
    keys = {header_cell_key(cell) for cell in cells if cell.strip()}
    if not positions or _present(keys, "report_year"):
        return None
    tiers = [cells[i].strip() for i in positions if positions[i] in TIERS]
    shown = ", ".join(tiers[:3]) + (", ..." if len(tiers) > 3 else "")
    return (
        f"{where} looks like a US TIP tier table with a column per tier ({shown}), which holds no report year: give "
        "it in a title line above the header naming the report and its one year ('2024 Trafficking in Persons "
        "Report', '2024 TIP Report'; a title such as 'Tier placements 2024' may give the data's year), or, with a "
        "country column and a mark under its tier, in a report_year column; or reshape it to the simple layout "
        f"({', '.join(SIMPLE_REQUIRED)}[, country])"
    )


#: A word every tier's or special case's label holds (:func:`_tier_of_label`; ``Watchlist``: ``Tier 2 Watchlist``).
_TIER_WORD = re.compile(r"(?i)tier|special|watch")


def _tier_of_label(cell: str) -> str | None:
    """The tier or special case a header cell names (``Tier 2 Watch List``, ``Special Cases``), or None."""
    # a footnote marker after the label aside ("Tier 3*": its placements are flagged, as any tier so marked)
    key = re.sub(FOOTNOTE_MARKER, "", cell.strip())
    key = re.sub(r"[\s\-\u2010-\u2014()\[\]]+", " ", key.casefold()).strip()
    key = re.sub(r"^tier([0-9])", r"tier \1", key)
    return SPECIAL_CASE if key.startswith("special case") else _LABELS.get(key)


def _tier_positions(cells: list[str]) -> dict[int, str]:
    """The positions of a header's tier columns and the tier (or special case) each names, for a table laid out a
    column per tier: the countries of each tier listed under it (as the report's tier placement pages are), or a
    country per row with a mark under its tier. Two tiers or more, each named once, beside at most a country's (or
    code's) label and a report year's; none for any other header ("Thailand, THA, Tier 2, Tier 3" is a row of a
    country's tiers over the years, not a header)."""
    # (every row of a workbook's top rows is asked: a row without two cells holding a tier's word, and a cell naming
    # no tier, are told by a look at their words first)
    if len(_TIER_WORD.findall("\0".join(cells))) < 2:
        return {}
    positions = {
        i: tier for i, cell in enumerate(cells) if _TIER_WORD.search(cell) and (tier := _tier_of_label(cell))
    }
    tiers = [tier for tier in positions.values() if tier in TIERS]
    if len(tiers) < 2 or len(set(positions.values())) < len(positions):
        return {}  # (told before the other cells are keyed: most rows asked name no two tiers)
    others = {header_cell_key(cell) for i, cell in enumerate(cells) if cell.strip() and i not in positions}
    if not all(any(_present({key}, name) for name in ("country", "iso3", "report_year")) for key in others):
        return {}
    if _present(others, "report_year") and not (_present(others, "country") or _present(others, "iso3")):
        return {}  # a year beside lists of countries: which country is in which year's row?
    return positions


#: A title naming the report whose placements a table laid out a column per tier lists (``2024 Trafficking in
#: Persons Report``, ``TIP Report 2024``): its one year is the report year (:func:`_title_year`).
_REPORT_TITLE = re.compile(r"(?i)\b(?:TIP|trafficking\s+in\s+persons)\s+report\b")


def _title_year(titles: list[str]) -> tuple[int, str] | None:
    """The report year a table laid out a column per tier is given by the title lines above its header, and the
    title: the one title naming the report (:data:`_REPORT_TITLE`) holding one run of digits, a year of
    :data:`YEAR_IN_TEXT_RANGE` (written once or more: "2024 TIP Report (June 2024)"); None when no title (or more
    than one) names the report so ("Tier placements 2024" may give the data's year, "TIP Report 2023 (data of 2022)"
    two years)."""
    first, last = YEAR_IN_TEXT_RANGE
    found = {
        (int(runs[0]), title.strip())
        for title in titles
        if _REPORT_TITLE.search(title)
        and len(set(runs := re.findall(r"[0-9]+", title))) == 1  # the year written twice is one year
        and len(runs[0]) == 4
        and first <= int(runs[0]) <= last
    }
    return found.pop() if len(found) == 1 else None


#: A header cell naming a report year (a workbook's number cell reads ``2016.0``), or naming it in words, as
#: compilations head their columns: ``2024 TIP Report``, ``TIP 2024``, ``TIP Report 2024``, ``Report 2024``, ``Tier
#: 2024``, ``Tier placement (2024)``, ``2024 Tier``, ``2024 Tier placement`` (a footnote marker aside).
_YEAR_IN_LABEL = re.compile(
    r"(?i)^(?:(?:US\s+)?(?:TIP|trafficking\s+in\s+persons)(?:\s+report)?|report|tier(?:\s+(?:placement|ranking))?)?"
    r"\s*[(\[]?((?:19|20)\d\d)(?:\.0)?[)\]]?"
    r"(?:\s*(?:(?:(?:US\s+)?(?:TIP|trafficking\s+in\s+persons)\s+)?report|tier(?:\s+(?:placement|ranking))?))?$"
)

#: The year every label :data:`_YEAR_IN_LABEL` matches holds, as written in the cell (the footnote marker set aside
#: before matching ends the cell, so the year's digits stand together in it too).
_YEAR_DIGITS = re.compile(r"(?:19|20)\d\d")


def _label_year(cell: str) -> str | None:
    """The report year a header cell names (``2016``, ``2016.0``, ``2016 TIP Report``, ``TIP 2016``, ``2016*``:
    :data:`_YEAR_IN_LABEL`), or None."""
    if not _YEAR_DIGITS.search(cell):
        return None  # (a cell naming no year told at a glance: every cell of a workbook's top rows is asked)
    found = _YEAR_IN_LABEL.match(re.sub(HEADER_FOOTNOTE_MARKER, "", cell.strip()).strip())
    return found.group(1) if found else None


#: The rows below a header whose cells under its report years must read as tiers (:func:`_report_year_columns`).
_WIDE_ROWS = 20


def _year_header(cells: list[str]) -> list[int]:
    """The positions of the report years of a header naming a country (or its code) and two report years or
    more, but no tier nor year column; none for any other."""
    if len(_YEAR_DIGITS.findall("\0".join(cells))) < 2:
        return []  # (fewer than two cells holding a year: every row of a workbook's top rows is asked)
    years = [i for i, cell in enumerate(cells) if _label_year(cell)]
    if len(years) < 2:
        return []
    keys = {header_cell_key(cell) for cell in cells if cell}
    if not (_present(keys, "iso3") or _present(keys, "country")) or any(
        _present(keys, name) for name in ("report_year", "tier_text")
    ):
        return []
    return years


def _report_year_columns(cells: list[str], below: list[list[str]]) -> list[int]:
    """The positions of the report years of a tier table laid out a column per report (as tier tables copied from
    web pages and compilations are: a country per row, its placement in each report's column), or none: ``cells``
    name a country (or its code) and two report years or more, but no tier nor year column, and the cells under
    the years in the rows ``below`` (the first few) hold a tier and no figure (a not-available token or an
    unknown tier among them is the loader's to reject). Years over figures (a count per year) are no tier
    table."""
    years = _year_header(cells)
    if not years:
        return []
    under = [cell.strip() for row in below for i in years if i < len(row) and (cell := row[i]).strip()]
    if not under:
        return []
    tiers = pl.lit(pl.Series(under, dtype=pl.String))
    read = pl.coalesce(_canonical_label(tiers.str.replace(FOOTNOTE_MARKER, "")), _qualified_tier(tiers))
    numbers = tiers.str.strip_chars().cast(pl.Float64, strict=False).is_not_null()
    tier, number = pl.select(read.is_not_null().any(), numbers.any()).row(0)
    # a tier read in those cells, and no figure (another cell, n/a or Tier 4, is the loader's to reject); or tiers
    # written as numbers beside the Watch List written by name or code (TIER_NUMBERS)
    return years if tier and (not number or _numbered_tiers(pl.Series(under, dtype=pl.String))) else []


def _numbered_tiers(texts: pl.Series) -> bool:
    """Whether a table's tier cells write the tiers as numbers (:data:`TIER_NUMBERS`): the numbers among them are
    only 1, 2 and 3 (a footnote marker aside) and the Watch List is written by name or code (``2WL``), so that 2
    cannot be it. A table of 1, 2 and 3 alone, or with another number (2.5), is not: which number the Watch List
    is, is not guessed."""
    label = pl.col("t").str.strip_chars().str.replace(FOOTNOTE_MARKER, "")
    unqualified = _unqualified(pl.col("t").str.strip_chars())  # "3 (auto-downgraded)", "3*": 3
    number = unqualified.str.contains(r"^[0-9]+([.,][0-9]+)?$").fill_null(False)
    tier_number = unqualified.str.contains(_TIER_NUMBER).fill_null(False)
    found = pl.DataFrame({"t": texts.unique()}).select(
        numbered=tier_number.any(),
        watch_list=(_canonical_label(label) == "Tier 2 Watch List").fill_null(False).any(),
        other_number=(number & ~tier_number).any(),
    )
    numbered, watch_list, other_number = found.row(0)
    return bool(numbered and watch_list and not other_number)


def _by_report_year(
    raw: pl.DataFrame,
    frame: pl.DataFrame,
    cells: list[str],
    structural: pl.DataFrame,
    unit: str,
    below: pl.DataFrame,
) -> tuple[pl.DataFrame, list[str], int]:
    """A table laid out a column per report year as one placement per country and report year: ``frame`` (its
    code and name columns, one row per row of the file) with, for each cell under a report year holding anything,
    its ``report_year`` (the column's label), ``tier_text`` and where it stands (``_placement``, one number per
    cell; ``_column``, the year's label, which names the cell in rejects and flags); with the notes saying so, and
    how many rows giving no placement (every year's cell empty) were left out: the note lines below the table
    (``below``, :func:`_text_rows_at_end`: text in one cell naming no country) named as every loader names them,
    the others (a country not listed) apart. An empty cell is no placement: a wide table cannot tell a country the report did not rank
    from one it did not list. A row is kept or rejected whole, as in the other layouts: a cell that is no
    placement rejects its row (its other cells may be shifted), the reason naming the cell's year; a row whose
    fields do not match the header is rejected as a row."""
    names = [c for c in raw.columns if c != "source_row"]
    if len(cells) != len(names):
        cells = names
    years = {names[i]: year for i, cell in enumerate(cells) if (year := _label_year(cell))}
    rows = raw.select("source_row", *(pl.col(c).cast(pl.String) for c in years)).join(
        structural.select(pl.col("row").alias("source_row")), on="source_row", how="anti"
    )
    cells_of = (
        rows.unpivot(index="source_row", on=list(years), variable_name="_cell", value_name="tier_text")
        .with_columns(pl.col("tier_text").str.strip_chars())
        .filter(pl.col("tier_text").is_not_null() & (pl.col("tier_text") != ""))
        .with_columns(pl.col("_cell").replace_strict(years, return_dtype=pl.String).alias("_column"))
    )
    placed = (
        frame.drop("report_year", "tier_text")
        .join(cells_of, on="source_row", how="inner")
        .with_columns(report_year=pl.col("_column"))
        .sort("source_row", pl.col("_column"))
        .with_row_index("_placement")
        .with_columns(pl.col("_placement").cast(pl.Int64) + 1)
        .drop("_cell")
    )
    empty = rows.join(placed.select("source_row").unique(), on="source_row", how="anti").get_column(
        "source_row"
    )
    notes_below_table = below.filter(pl.col("row").is_in(empty.implode()) & ~pl.col("_country"))
    empty = empty.filter(~empty.is_in(notes_below_table.get_column("row").implode()))
    shown = ", ".join(list(years.values())[:3]) + (", ..." if len(years) > 3 else "")
    counted = f"{placed.height} placements in {placed.get_column('source_row').n_unique()} {unit}s"
    notes = [
        (
            f"a column per report year ({shown}): read as one placement per country and report year, each named by "
            f"its {unit} and its year's column ({counted}; an empty cell gives none; a {unit} with a cell that is no "
            f"placement is rejected whole, counted once)"
        )
    ]
    if not notes_below_table.is_empty():
        notes.append(note_lines_note(notes_below_table, unit))
    if not empty.is_empty():
        listed = ", ".join(str(r) for r in empty.head(5).to_list()) + (" and more" if empty.len() > 5 else "")
        notes.append(
            f"{empty.len()} {unit}{'s' if empty.len() > 1 else ''} giving no placement (every report year's cell "
            f"empty: a country not listed) left out: {unit} {listed}"
        )
    return placed, notes, empty.len() + notes_below_table.height


#: What a cell of a tier's column holds when it marks no tier, in a table of a mark under each country's tier (a
#: one-hot table writes 0 or ``no`` under the other tiers), and what it holds when it marks one (case aside). Other
#: text there (a year, a note) is neither: its row is rejected (:data:`REASON_NOT_A_MARK`), never read as a mark.
_NO_MARK = ("", "0", "no", "false", "-")
_MARKS = ("x", "\u2713", "\u2714", "\u2611", "\u2022", "\u25cf", "*", "1", "1.0", "yes", "y", "true")


def _by_tier(
    raw: pl.DataFrame,
    frame: pl.DataFrame,
    cells: list[str],
    positions: dict[int, str],
    columns: dict[str, str],
    structural: pl.DataFrame,
    titles: list[str],
    unit: str,
    path: Path,
) -> tuple[pl.DataFrame, list[str]]:
    """A table laid out a column per tier (:func:`_tier_positions`) as placements, with the notes saying so: a
    country per row with a mark under its tier (beside its code or name) gives one placement per row, its tier the
    marked column's (``_marks``: how many columns it marks; a row marking two or none is rejected); the countries of
    each tier listed under it (no code nor name column) one placement per cell, the country its text, its tier the
    column's, each named by its row and column (``_column``) and kept or rejected with its row, as a table of a
    column per report year is. The report year is the year column's or, without one, the title's naming the report
    (:func:`_title_year`); refused when there is neither."""
    names = [c for c in raw.columns if c != "source_row"]
    labels = {names[i]: cells[i].strip() for i in sorted(positions)}
    notes = []
    if "report_year" not in columns:
        found = _title_year(titles)
        if found is None:
            raise InputError(
                _tier_columns("the header", cells) or "a column per tier holds no report year", path=path
            )
        year, title = found
        frame = frame.with_columns(report_year=pl.lit(str(year)))
        notes.append(
            f"report year {year} read from the title {title[:80]!r} (its one year, in the title naming the report): "
            "check it is the report's"
        )
    shown = ", ".join(list(labels.values())[:3]) + (", ..." if len(labels) > 3 else "")
    if {"iso3", "country"} & set(columns):  # a mark under each country's tier
        written = {name: pl.col(name).cast(pl.String).str.strip_chars() for name in labels}
        marked = {
            name: text.str.to_lowercase().is_in(_MARKS).fill_null(False) for name, text in written.items()
        }
        other = {
            name: ~text.str.to_lowercase().is_in((*_NO_MARK, *_MARKS)).fill_null(True)
            for name, text in written.items()
        }
        count = pl.sum_horizontal(m.cast(pl.Int64) for m in marked.values())
        which = [pl.when(m).then(pl.lit(labels[name])) for name, m in marked.items()]
        # the first cell holding text that is no mark, as written, and its column: the row's reject names it
        strange = pl.coalesce(pl.when(other[name]).then(written[name]) for name in labels)
        strange_column = pl.coalesce(pl.when(other[name]).then(pl.lit(labels[name])) for name in labels)
        read = raw.select(
            _marks=pl.when(strange.is_not_null()).then(pl.lit(-1, pl.Int64)).otherwise(count),
            tier_text=pl.when(strange.is_not_null())
            .then(strange)
            .when(count > 0)
            .then(pl.concat_str(which, separator=", ", ignore_nulls=True)),
            _column=pl.when(strange.is_not_null())
            .then(strange_column)
            .when(count == 1)
            .then(pl.coalesce(which)),
        )
        frame = pl.concat([frame.drop("tier_text"), read], how="horizontal").with_columns(
            _placement=pl.col("source_row")
        )
        notes.append(
            f"a column per tier ({shown}) with a mark under each country's tier: read as one placement per {unit}, "
            f"its tier the marked column's (a {unit} marking two tiers or none is rejected)"
        )
        return frame, notes
    rows = raw.select("source_row", *(pl.col(name).cast(pl.String) for name in labels)).join(
        structural.select(pl.col("row").alias("source_row")), on="source_row", how="anti"
    )
    order = {name: str(i) for i, name in enumerate(labels)}
    placed = (
        rows.unpivot(index="source_row", on=list(labels), variable_name="_cell", value_name="country")
        .with_columns(pl.col("country").str.strip_chars())
        .filter(pl.col("country").is_not_null() & (pl.col("country") != ""))
        .sort("source_row", pl.col("_cell").replace_strict(order, return_dtype=pl.String))
        .with_columns(
            iso3=pl.lit(None, pl.String),
            report_year=pl.lit(
                frame.get_column("report_year").first(), pl.String
            ),  # the title's, on every row
            tier_text=pl.col("_cell").replace_strict(labels, return_dtype=pl.String),
        )
        .with_columns(_column=pl.col("tier_text"))
        .with_row_index("_placement")
        .with_columns(pl.col("_placement").cast(pl.Int64) + 1)
        .select(*frame.columns, "_placement", "_column")
    )
    counted = f"{placed.height} placements in {placed.get_column('source_row').n_unique()} {unit}s"
    notes.append(
        f"a column per tier ({shown}) listing the countries of each: read as one placement per country, each named "
        f"by its {unit} and its tier's column ({counted}; a {unit} with a cell that is no placement is rejected "
        "whole, counted once)"
    )
    return placed, notes


def _to_source_rows(
    issues: pl.DataFrame, parsed: pl.DataFrame, in_cell: tuple[str, ...] = ("tier", "report_year")
) -> pl.DataFrame:
    """``issues`` found on placements (their ``row`` a ``_placement``) named by the file's row, and those of the
    columns ``in_cell`` by the placement's own column (``_column``): a tier's or a report year's by its year's column
    in a table laid out a column per report year, a country's by its tier's in one listing countries under each
    tier."""
    where = parsed.select("_placement", "source_row", "_column").unique("_placement")
    return (
        issues.join(where, left_on="row", right_on="_placement", how="left", maintain_order="left")
        .with_columns(
            row=pl.col("source_row"),
            column=pl.when(pl.col("column").is_in(in_cell) & pl.col("_column").is_not_null())
            .then(pl.col("_column"))
            .otherwise(pl.col("column")),
        )
        .select(issues.columns)
        .sort("row", maintain_order=True)
    )


def load(path: str | Path, layout: str) -> LoadedTable:
    """Read a tier file (either layout) onto the canonical tier table."""
    path = Path(path)
    if layout not in _COLUMNS:
        raise InputError(f"unknown TIP layout {layout!r}", path=path)
    head = FileHead(path)
    if head.is_xlsx:
        raw, structural, notes, cells, sha256, header_row, left_out, titles = _read_workbook(
            path, head, layout
        )
    else:
        original = path.read_bytes()
        sha256 = hashlib.sha256(original).hexdigest()
        data, text_notes = utf8_text(original, path)  # UTF-16 and CR-only line ends, as spreadsheets save CSV
        head_text = data[: 64 * 1024].decode("utf-8", "replace").removeprefix("\ufeff")
        above, delimiter, _ = _text_header(head_text + "\n") or (0, ",", layout)
        titles = []
        if above:  # title lines above the header (a workbook with notes above it, saved as CSV): not records
            *title_lines, data = data.split(b"\n", above)
            titles = [t.decode("utf-8", "replace").strip().lstrip("\ufeff") for t in title_lines]
            shown = "; ".join(repr(title[:80]) for title in titles)
            text_notes.append(f"{above} title line(s) above the header, not records: {shown}")
        header_line = data.split(b"\n", 1)[0].decode("utf-8", "replace").removesuffix("\r")
        raw, structural, notes, left_out = _read_records(path, data, delimiter, above=above)
        header_row = above + 1
        notes = text_notes + notes
        if delimiter != ",":
            notes.append(f"delimited by {DELIMITER_NAMES.get(delimiter, repr(delimiter))}s, not commas")
        cells = header_cells(header_line, delimiter)
    columns, labels, unused = _columns(raw, cells, layout, path, header_row)
    # a column per report year: no tier nor year column, report years as labels (told so by the sniffer)
    wide = not {"tier_text", "report_year"} & set(columns) and any(_label_year(c) for c in cells)
    if wide:
        unused = [label for label in unused if not _label_year(label)]
    # a column per tier (the countries of each tier under it, or a mark under a country's tier): no tier column
    per_tier = {} if wide or "tier_text" in columns else _tier_positions(cells)
    if per_tier:
        unused = [label for label in unused if _tier_of_label(label) is None]
    listed = bool(per_tier) and not {"iso3", "country"} & set(columns)
    if unused:
        notes.append("columns not used: " + ", ".join(unused))
    frame = raw.select(
        "source_row",
        *[
            (pl.col(columns[name]) if name in columns else pl.lit(None, pl.String)).alias(name)
            for name in _COLUMNS[layout]
        ],
    )
    # R's missing value, as Kelley's file writes it, outside the tier column (whose "NA" _parse reads by layout)
    frame = frame.with_columns(
        pl.when(pl.col(c) != "NA").then(pl.col(c)).alias(c) for c in ("iso3", "country", "report_year")
    )
    rows_in = frame.height
    unit = "row" if head.is_xlsx else "line"
    if wide:
        below_wide = _text_rows_at_end(raw, columns)
        frame, wide_notes, no_placement = _by_report_year(raw, frame, cells, structural, unit, below_wide)
        left_out += no_placement
        notes += wide_notes
    elif per_tier:
        frame, tier_notes = _by_tier(raw, frame, cells, per_tier, columns, structural, titles, unit, path)
        notes += tier_notes
    else:
        frame = frame.with_columns(_placement=pl.col("source_row"), _column=pl.lit(None, pl.String))
    if "_marks" not in frame.columns:  # how many tiers a row marks, in a table of a mark under each tier
        frame = frame.with_columns(_marks=pl.lit(None, pl.Int64))
    by_name = "iso3" not in columns
    below = _text_rows_at_end(raw, columns)
    # tiers written as numbers beside the Watch List written as 2WL (as compilations write them): read, said
    numbered = _numbered_tiers(frame.get_column("tier_text").drop_nulls())
    if numbered:
        notes.append(
            "tiers written as numbers (1, 2, 3) beside the Watch List written by name or code (2WL): read as Tier 1, "
            "Tier 2 and Tier 3, each label kept as written in tier_label"
        )
    parsed = _parse(frame, not_ranked_when_empty=layout == KELLEY_LAYOUT, numbered=numbered)
    # a table typed from the reports, which list placements by country name (no code column); or a row whose code
    # cell is empty beside a name (flagged)
    parsed = _codes_from_names(parsed, notes, every_row=by_name)
    parsed = _reference_codes(parsed, notes)
    # a placement's checks by its _placement (one per cell of a table laid out a column per report year, else
    # its row), named by the file's row after: a row is kept or rejected whole, in either layout
    placed = _rejects(parsed.with_columns(source_row=pl.col("_placement")), by_name=by_name)
    in_cell = ("tier", "country") if listed else ("tier", "report_year")
    rejects = pl.concat([structural, _to_source_rows(placed, parsed, in_cell)]).sort(
        "row", maintain_order=True
    )
    kept = parsed.join(
        rejects.select(pl.col("row").alias("source_row")).unique(), on="source_row", how="anti"
    )
    if (
        wide or listed
    ):  # each placement of a row read, and each row rejected once (its reasons name its cells)
        rejected = parsed.get_column("source_row").is_in(rejects.get_column("row").implode())
        rows_in = int((~rejected).sum()) + rejects.get_column("row").n_unique()
    # a note below the placements (a source line, a footnote): no placement, left out with a note (among the
    # placements, or naming a country, it stays rejected); text in a column not read is a note too
    rejects, noted, note_lines = notes_below(
        below,
        rejects,
        unit=unit,
        is_note=(pl.col("note_column").is_null() | (pl.col("column") == pl.col("note_column")))
        & ~pl.col("_country"),
    )
    notes += note_lines
    rows_in -= noted
    left_out += noted
    # a country named with a footnote mark ("Burma*"): read without it (the reference sets marks aside), flagged
    country_footnoted = pl.col("country").str.strip_chars().str.contains(COUNTRY_FOOTNOTE).fill_null(False)
    if footnoted := kept.select(country_footnoted.sum()).item():
        notes.append(
            f"{footnoted} placement(s) of a country named with a footnote mark ('Burma*', 'Cuba¹', 'Thailand (a)'): "
            "the country read without it, the name kept as written and flagged (the footnote is not in the table)"
        )
    flags = issues_where(
        kept.with_columns(source_row=pl.col("_placement")),
        [
            ("report_year", "year_text", pl.col("year_in_text"), REASON_YEAR_IN_TEXT),
            ("tier", "tier_label", pl.col("tier_qualified"), REASON_TIER_QUALIFIED),
            ("tier", "tier_label", pl.col("tier_footnoted"), REASON_TIER_FOOTNOTE),
            ("tier", "tier_label", pl.struct("iso3", "report_year").is_duplicated(), REASON_DUPLICATE),
            ("iso3", "iso3", pl.col("unknown_code"), pl.col("unknown_code_reason")),
            ("iso3", "country", pl.col("code_from_name"), REASON_CODE_FROM_NAME),
            ("country", "country", country_footnoted, REASON_COUNTRY_FOOTNOTE),
            ("country", "country", pl.lit(_name_disagrees(kept)), REASON_NAME_DISAGREES),
        ],
    )
    flags = _to_source_rows(flags, kept, in_cell)
    if dated := int(parsed["year_dated"].sum()):
        notes.append(years_from_dates_note(labels["report_year"], dated))
    # a reason names the file's column as its header writes it ("year", "iso"), as the other loaders' do
    rejects, flags = (part.with_columns(pl.col("column").replace(labels)) for part in (rejects, flags))
    release = _year_span(kept)
    if layout == KELLEY_LAYOUT:
        notes += _beyond_kelley(kept)
    provenance = _coverage_told(
        describe(
            SOURCE,
            layout,
            release,
            path=str(path),
            sha256=sha256,
            notes=tuple(notes),
        ),
        layout,
        kept,
    )
    table = kept.select([pl.col(c).cast(t) for c, t in TIER_SCHEMA.items()]).sort("iso3", "report_year")
    return LoadedTable(
        data=table,
        provenance=provenance,
        rows_in=rows_in,
        rejects=rejects,
        flags=flags,
        kind="tier",
        rows_left_out=left_out,
    )


def _text_rows_at_end(raw: pl.DataFrame, columns: dict[str, str]) -> pl.DataFrame:
    """The rows at the end of the file holding text in one cell only (:func:`text_rows_at_end`), their column
    named as the table's (null: a column not read), and whether their text names a country (``_country``: a
    placement cut short, never a note)."""
    from evidence.sources.countries import map_to_iso3

    below = text_rows_at_end(raw)
    if below.is_empty():
        return below.with_columns(_country=pl.lit(False))
    named = {source: name for name, source in columns.items()}
    return below.with_columns(
        pl.col("column").replace_strict(named, default=None, return_dtype=pl.String),
        _country=pl.lit(map_to_iso3(below.get_column("text")).iso3.is_not_null()),
    )


def _columns(
    raw: pl.DataFrame, cells: list[str], layout: str, path: Path, header_row: int = 1
) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Canonical name -> the frame's column for the layout's labels (by header_key; of a column's labels, the
    earliest listed the header gives), canonical name -> that column's label as the header writes it, and the
    header's other labels (not used). A label the header names twice
    is refused: which placement would be the real one?"""
    names = [c for c in raw.columns if c != "source_row"]
    if len(cells) != len(names):  # the parser and the header line disagree: trust the parser
        cells = names
    # header key -> (canonical name, rank among its labels, the label)
    wanted = {
        header_key(label): (name, rank, label)
        for name, labels in _COLUMNS[layout].items()
        for rank, label in enumerate(labels)
    }
    chosen: dict[str, tuple[int, str, str]] = {}  # canonical name -> (rank, cell, frame column)
    for cell, column in zip(cells, names, strict=True):
        if (match := wanted.get(header_cell_key(cell))) is None:
            continue
        name, rank, label = match
        if name in chosen and chosen[name][0] == rank:  # workbook.label_positions' rule, as every loader's
            positions = [i for i, c in enumerate(cells) if header_cell_key(c) == header_key(label)]
            raise repeated_label_error(path, label, cells, positions, header_row)
        if name not in chosen or rank < chosen[name][0]:
            chosen[name] = (rank, cell, column)
    columns = {name: column for name, (_, _, column) in chosen.items()}
    labels = {name: cell.strip() or column for name, (_, cell, column) in chosen.items()}
    read = {header_cell_key(cell) for _, cell, _ in chosen.values()}
    # the layout's own labels (Kelley's ccode) and the demo marker are no surprise
    own = {header_key(label) for label in (KELLEY_HEADER if layout == KELLEY_LAYOUT else ())}
    own.add(header_key(DEMO_MARKER))
    unused = [cell for cell in cells if cell and header_cell_key(cell) not in read | own]
    return columns, labels, unused


def _read_workbook(
    path: Path, head: FileHead, layout: str
) -> tuple[pl.DataFrame, pl.DataFrame, list[str], list[str], str, int, int, list[str]]:
    """A tier table saved as a workbook: the sheet whose top rows hold the header, every cell as text, with the
    sheet's own row numbers (``source_row``); read by the rules of a CSV file of the same layout. Also the sheet
    row of its header, how many empty sheet rows were left out, and its title rows above the header (as text)."""
    found = [f for f in _workbook_headers(head) if f[2] == layout]
    if not found:
        raise InputError(f"no sheet has a TIP {layout} header in its top rows", path=path)
    if len(found) > 1:
        raise InputError(
            f"several sheets hold TIP tiers ({', '.join(repr(f[0]) for f in found)}); "
            "save the one to load as its own workbook or CSV",
            path=path,
        )
    sheet, header_row, _, cells = found[0]
    frame, first_row = read_sheet(
        path, HeaderMatch(sheet=sheet, header_row=header_row, top_rows=()), dtypes="string"
    )
    frame = frame.with_columns(pl.all().cast(pl.String).str.strip_chars()).with_columns(
        source_row=pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64)
    )
    notes = [f"read from sheet {sheet!r}" + (f", header on row {header_row}" if header_row > 1 else "")]
    frame, empty_rows, empty_notes = without_empty_records(frame, unit="row")
    notes.extend(empty_notes)
    while cells and not cells[-1]:  # trailing blank header cells: the reader leaves such columns out
        cells = cells[:-1]
    # a table pasted part by part, its header again above each part (see _read_records)
    repeated, part_titles, part_notes = repeated_headers(frame, cells, unit="row")
    if repeated.any():
        notes.extend(part_notes)
        frame = frame.filter(pl.Series(~(repeated | part_titles)))
    left_out = int(empty_rows.size + repeated.sum() + part_titles.sum())
    rows = next(s.rows for s in head.workbook.sheets if s.name == sheet)
    titles = [title for title in _row_texts(rows[: header_row - 1]) if title]
    return frame, empty_issues(), notes, cells, sha256_file(path), header_row, left_out, titles


def _coverage_told(provenance: Provenance, layout: str, kept: pl.DataFrame) -> Provenance:
    """``provenance`` with what a reader is told of the file's coverage (its release label, in every source line
    and list of sources, and its citation) the span of the report years that place a country. Kelley's rows run
    from 1999 but those of 1999 and 2000 rank no country (the first report placed countries in 2001): her file is
    released as 1999-2015, the span of its rows (its catalogue entry, the span its values are checked against),
    and cited as the reports of 2001-2015. Unchanged when the spans agree or no row places a country."""
    placed = kept.filter(pl.col("special_case").is_null() | (pl.col("special_case") != NOT_RANKED))
    covered = _year_span(placed)
    if covered in (provenance.release, "unknown"):
        return provenance
    described = dataset(SOURCE, layout)
    said, told = described.release_phrase(provenance.release), described.release_phrase(covered)
    return dataclasses.replace(
        provenance, release_label=told, citation=provenance.citation.replace(said, told)
    )


def _beyond_kelley(kept: pl.DataFrame) -> list[str]:
    """A note naming the report years a Kelley-layout file holds beyond Kelley's own coding (added by a user)."""
    known = dataset(SOURCE, KELLEY_LAYOUT).known_release(KELLEY_RELEASE)
    first, last = known.years if known and known.years else (1999, 2015)
    years = sorted({int(y) for y in kept["report_year"].drop_nulls().to_list()})
    beyond = [y for y in years if not first <= y <= last]
    if not beyond:
        return []
    # her coding's rows begin in 1999, its rankings in 2001: the note names where it ends, not a span it ranks
    note = (
        f"report years {_years_text(beyond)} are not in Kelley's coding (which ends with the report of {last}): "
        "placements added to the file in her layout; check them against the reports"
    )
    return [note]


def _years_text(years: list[int]) -> str:
    """2016, 2017, 2018, 2020 -> "2016–2018, 2020"."""
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}\u2013{r[-1]}" for r in runs)


def _read_records(
    path: Path, data: bytes, delimiter: str, *, above: int = 0
) -> tuple[pl.DataFrame, pl.DataFrame, list[str], int]:
    """Every cell as text with its line number (``source_row``; ``above``: title lines before ``data`` in the
    file), the rows whose field count is wrong, notes, and how many rows holding nothing were left out.

    A short row is not padded into a placement: in Kelley's coding an empty tier means "not ranked", so a
    truncated line would otherwise become one. Blank lines and rows of delimiters only carry no record.
    """
    check_quotes(data, path)
    try:
        frame = pl.read_csv(
            data,
            separator=delimiter,
            infer_schema=False,
            null_values=[""],  # "NA" is read as text: Kelley's "not ranked" in her tier column (see _parse)
            encoding="utf8-lossy",
            truncate_ragged_lines=True,
        )
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"cannot read as CSV: {str(exc).strip().splitlines()[0]}", path=path) from exc
    scan = scan_records(data, delimiter)
    if scan.lines.size != frame.height:
        raise InputError(
            f"cannot tell records apart ({scan.lines.size} by line ends, {frame.height} by the CSV parser): "
            "unbalanced quotes?",
            path=path,
        )
    lines = scan.lines + above
    frame = frame.with_columns(source_row=pl.Series(lines, dtype=pl.Int64)).filter(pl.Series(~scan.blank))
    keep = ~scan.blank
    notes = [blank_lines_note(lines[scan.blank])] if scan.blank.any() else []
    # a row of delimiters only (",,,,": a spreadsheet's cleared rows saved as CSV) is no placement, as a
    # workbook's empty sheet rows are none: its empty tier is not Kelley's "not ranked", nor a row to reject
    # (one with text beyond the header's last field is: rejected for its fields)
    empty = empty_records(frame) & ~overflowing_text(data, scan, delimiter, len(frame.columns) - 1)[keep]
    if empty.any():
        notes.append(empty_records_note(lines[keep][empty]))
        frame = frame.filter(pl.Series(~empty))
        keep[keep] = ~empty
    # a table pasted part by part (a region, a page each) repeats its header above each part, perhaps with a
    # title line ("Africa", "Table 2 (continued)") after a blank line: no records, left out and named
    header = header_cells(data.split(b"\n", 1)[0].decode("utf-8", "replace").removesuffix("\r"), delimiter)
    repeated, part_titles, part_notes = repeated_headers(frame, header)
    if repeated.any():
        notes += part_notes
        frame = frame.filter(pl.Series(~(repeated | part_titles)))
        keep[keep] = ~(repeated | part_titles)
    return (
        frame,
        field_count_rejects(lines[keep], scan.field_counts[keep], len(frame.columns) - 1),
        notes,
        int(scan.blank.sum() + empty.sum() + repeated.sum() + part_titles.sum()),
    )


def _parse(frame: pl.DataFrame, *, not_ranked_when_empty: bool, numbered: bool = False) -> pl.DataFrame:
    # a tier cell's readings depend on its text alone, a year cell's on its text alone: each is read once per
    # distinct text (a file of thousands of placements writes a few dozen) and joined back onto the rows
    tiers = _tier_readings(frame.select(pl.col("tier_text").unique()), not_ranked_when_empty, numbered)
    years = _year_readings(frame.select(pl.col("report_year").unique()))
    read = frame.join(tiers, on="tier_text", how="left", nulls_equal=True, maintain_order="left").join(
        years, on="report_year", how="left", nulls_equal=True, maintain_order="left"
    )
    label = pl.col("_label")
    return (
        read.with_columns(
            numeric_tier=pl.col("_numeric_tier"),
            tier_not_available=pl.col("_tier_not_available"),
            year_text=pl.col("report_year"),
            # a note typed below (or among) the placements: text in the code or the name cell only, no year nor tier
            note_text=pl.when(
                pl.col("report_year").is_null()
                & label.is_null()
                & (pl.col("iso3").is_null() != pl.col("country").is_null())
            ).then(pl.coalesce(pl.col("iso3"), pl.col("country")).str.strip_chars()),
            note_in_code=pl.col("iso3").is_not_null(),
            iso3=pl.col("iso3").str.strip_chars().str.to_uppercase(),
            country=pl.col("country").str.strip_chars(),
            tier_label=label,
            canonical=pl.col("_canonical"),
            tier_qualified=pl.col("_tier_qualified"),
            tier_footnoted=pl.col("_tier_footnoted"),
            report_year=pl.col("_report_year"),
            year_in_text=pl.col("_year_in_text"),
            year_dated=pl.col("_year_dated"),
        )
        .with_columns(
            tier=pl.when(pl.col("canonical").is_in(TIERS)).then(pl.col("canonical")),
            special_case=pl.when(~pl.col("canonical").is_in(TIERS)).then(pl.col("canonical")),
        )
        .drop(
            "_label",
            "_numeric_tier",
            "_tier_not_available",
            "_canonical",
            "_tier_qualified",
            "_tier_footnoted",
        )
        .drop("_report_year", "_year_in_text", "_year_dated")
    )


def _tier_readings(texts: pl.DataFrame, not_ranked_when_empty: bool, numbered: bool = False) -> pl.DataFrame:
    """Each distinct tier cell (``tier_text``) with its readings: the label, whether it is a number or a
    not-available token, the canonical tier or special case it names, and whether that was read past a qualifier.
    In stages, each reading of the label computed once (an eager frame's expressions share nothing)."""
    stages = _tier_reading_stages(not_ranked_when_empty, numbered)
    return texts.with_columns(**stages[0]).with_columns(**stages[1]).select(*stages[2], **stages[3])


@functools.cache
def _tier_reading_stages(
    not_ranked_when_empty: bool, numbered: bool
) -> tuple[dict[str, pl.Expr], dict[str, pl.Expr], tuple[str, ...], dict[str, pl.Expr]]:
    """The expressions of :func:`_tier_readings`' stages, built once for each kind of table (an expression is
    immutable; built for every file, they were a tenth of what loading a small tier table took): the label, its
    readings, and the columns selected (kept as they are, then computed)."""
    label = pl.col("tier_text").str.strip_chars()
    empty = label == ""
    if not_ranked_when_empty:  # Kelley's file is R's output: its "NA" is an empty cell
        empty = empty | (label == "NA")
    first = {"_label": pl.when(empty).then(None).otherwise(label)}
    label = pl.col("_label")

    # case, blanks, hyphens and parentheses ignored ("Tier 2 (Watch List)", "Tier 2 Watch-List"), a trailing
    # footnote marker dropped ("Tier 2 Watch List*", "Tier 3¹", "Tier 1 [a]") unless the label is known with it
    # ("Tier 2 [WL]" is the Watch List, not Tier 2 with a note); a special case may name its country.
    # A tier with a qualifier after it ("Tier 3 (auto-downgraded)", TIER_QUALIFIER) is the tier it names,
    # flagged; only when the label is no known spelling without that reading. Each reading once: the label's
    # canonical spelling and its qualified tier are columns, read twice below.
    # a tier written as a number (1, 2, 3) is read as its tier only in a table of numbered tiers (_numbered_tiers)
    def as_number(text: pl.Expr) -> pl.Expr:
        if not numbered:
            return pl.lit(None, pl.String)
        return text.str.extract(_TIER_NUMBER).replace_strict(
            TIER_NUMBERS, default=None, return_dtype=pl.String
        )

    unmarked = label.str.replace(FOOTNOTE_MARKER, "")
    second = {
        "_canonical_as_spelt": pl.coalesce(
            _canonical_label(label), as_number(label), _canonical_label(unmarked), as_number(unmarked)
        ),
        "_known_as_written": pl.coalesce(_canonical_label(label), as_number(label)).is_not_null(),
        # a numbered tier with a qualifier after it ("3 (auto-downgraded)") too, in a table of numbered tiers
        "_qualified": pl.coalesce(
            _qualified_tier(label),
            pl.when(unmarked.str.contains(TIER_QUALIFIER)).then(as_number(_unqualified(label))),
        ),
        "_numeric_tier": _unqualified(label).str.contains(r"^[0-9]+([.,][0-9]+)?$").fill_null(False),
        # the tokens every loader reads as "no figure" (workbook.NOT_AVAILABLE), a footnote marker aside
        "_tier_not_available": (
            not_available(label) | not_available(label.str.replace(FOOTNOTE_MARKER, ""))
        ).fill_null(False),
    }
    canonical, qualified = pl.col("_canonical_as_spelt"), pl.col("_qualified")
    canonical_read = pl.coalesce(canonical, qualified)
    if not_ranked_when_empty:  # Kelley: NA = not ranked that year
        canonical_read = pl.when(label.is_null()).then(pl.lit(NOT_RANKED)).otherwise(canonical_read)
    kept = ("tier_text", "_label", "_numeric_tier", "_tier_not_available")
    return (
        first,
        second,
        kept,
        {
            "_canonical": canonical_read,
            "_tier_qualified": (canonical.is_null() & qualified.is_not_null()).fill_null(False),
            "_tier_footnoted": (canonical.is_not_null() & ~pl.col("_known_as_written")).fill_null(False),
        },
    )


def _year_readings(cells: pl.DataFrame) -> pl.DataFrame:
    """Each distinct year cell (``report_year``) with the report year it names (a number, or a year in words) and
    whether that year was read from words."""
    year = pl.col("report_year").str.strip_chars().cast(pl.Float64, strict=False)
    plain = pl.when((year == year.round()) & year.is_between(1900, 2100)).then(year).cast(pl.Int16)
    # a date cell of 1 January is its year (workbook.YEAR_AS_DATE: a year column of dates shown by a year-only
    # format), said in a note; read before the words, which would find its "2019-01-01" two runs of digits too many
    date_year = year_of_date(pl.col("report_year"))
    dated = pl.when(plain.is_null() & date_year.is_between(1900, 2100)).then(date_year)
    in_text = _year_in_text(pl.col("report_year"))
    return cells.with_columns(
        _report_year=pl.coalesce(plain, dated, in_text),
        _year_in_text=(plain.is_null() & dated.is_null() & in_text.is_not_null()).fill_null(False),
        _year_dated=dated.is_not_null(),
    )


def _year_in_text(text: pl.Expr) -> pl.Expr:
    """The report year of a cell written in words ("2024 TIP Report", "TIP Report 2024", "2024 Report"): its
    number when the cell holds exactly one run of digits and that run is a year of :data:`YEAR_IN_TEXT_RANGE`;
    else null (no guess between two numbers: "2023-24", "Report 2024, p. 12")."""
    runs = text.str.extract_all(r"[0-9]+")
    only = runs.list.first()
    first, last = YEAR_IN_TEXT_RANGE
    number = only.cast(pl.Int32, strict=False)
    return (
        pl.when((runs.list.len() == 1) & (only.str.len_chars() == 4) & number.is_between(first, last))
        .then(number)
        .cast(pl.Int16)
    )


def _unqualified(label: pl.Expr) -> pl.Expr:
    """A tier label without its footnote markers and a :data:`TIER_QUALIFIER` (in either order: ``Tier 3*
    (auto-downgraded)``, ``Tier 3 (auto-downgraded)*``)."""
    return (
        label.str.replace(FOOTNOTE_MARKER, "")
        .str.replace(TIER_QUALIFIER, "")
        .str.replace(FOOTNOTE_MARKER, "")
    )


def _qualified_tier(label: pl.Expr) -> pl.Expr:
    """The tier a label names before a :data:`TIER_QUALIFIER` (``Tier 3 (auto-downgraded)``: Tier 3), or null:
    for a label without one, or one that names no tier (a qualifier makes no special case)."""
    has = label.str.replace(FOOTNOTE_MARKER, "").str.contains(TIER_QUALIFIER)
    tier = _canonical_label(_unqualified(label))
    return pl.when(has & tier.is_in(TIERS)).then(tier)


def _canonical_label(label: pl.Expr) -> pl.Expr:
    """The canonical tier or special case a label spells (case, blanks, hyphens and brackets aside), or null."""
    key = label.str.to_lowercase().str.replace_all(r"[\s\-\u2010-\u2014()\[\]]+", " ").str.strip_chars()
    # "Tier3", "Tier2 Watch List": the number written against the word
    key = key.str.replace(r"^tier([0-9])", "tier $1")
    key = pl.when(key.str.starts_with("special case")).then(pl.lit("special case")).otherwise(key)
    return key.replace_strict(_LABELS, default=None, return_dtype=pl.String)


def _reference_codes(parsed: pl.DataFrame, notes: list[str]) -> pl.DataFrame:
    """Codes the country reference knows under another code (Kelley's ``KOS`` for Kosovo, ``XKX``; a code ISO
    withdrew with one successor, ``ROM`` for Romania) read as its ISO3, with a note; a three-letter code it does
    not know at all stays as written, marked in ``unknown_code`` (flagged: it matches no other source's country)."""
    from evidence.sources.countries import country_table, current_code, former_code

    known = set(country_table()["iso3"].to_list())
    codes = [c for c in parsed["iso3"].drop_nulls().unique().sort().to_list() if c not in known]
    recoded = {c: iso3 for c in codes if (iso3 := current_code(c)) is not None and iso3 != c}
    unknown = [c for c in codes if c not in recoded]
    if recoded:
        notes.append(
            "codes read through the country reference: "
            + ", ".join(f"{a} as {b}" for a, b in recoded.items())
        )
    # a code of a state that split (YUG, SCG) says which: its successors, not guessed
    dissolved = {c: f"{former.reason()}; kept as written" for c in unknown if (former := former_code(c))}
    return parsed.with_columns(
        pl.col("iso3").replace(recoded),
        (pl.col("iso3").is_in(unknown) & pl.col("iso3").str.contains(r"^[A-Z]{3}$"))
        .fill_null(False)
        .alias("unknown_code"),
        pl.col("iso3")
        .replace_strict(dissolved, default=REASON_UNKNOWN_CODE, return_dtype=pl.String)
        .alias("unknown_code_reason"),
    )


def _name_disagrees(kept: pl.DataFrame) -> pl.Series:
    """Whether each row's country name names one country of the reference other than its code's (each distinct
    name mapped once; a name the reference does not know, or none, disagrees with nothing)."""
    from evidence.sources.countries import map_to_iso3

    names = kept.select(pl.col("country").str.strip_chars()).unique().drop_nulls()["country"]
    named = dict(zip(names.to_list(), map_to_iso3(names).iso3.to_list(), strict=True))
    return kept.select(
        (
            pl.col("country").str.strip_chars().replace_strict(named, default=None, return_dtype=pl.String)
            != pl.col("iso3")
        ).fill_null(False)
    ).to_series()


def _codes_from_names(parsed: pl.DataFrame, notes: list[str], *, every_row: bool) -> pl.DataFrame:
    """ISO3 codes read from country names through the country reference (each distinct name once; a name it does
    not know gives no code, its row rejected): ``every_row``, for a table without a code column (said in a note);
    else for the rows whose code cell is empty (marked in ``code_from_name``, flagged), as the UNODC loader reads
    a row without its reporting code."""
    from evidence.sources.countries import map_to_iso3

    wanted = pl.col("country").is_not_null() & (pl.lit(every_row) | pl.col("iso3").is_null())
    names = parsed.filter(wanted).select(pl.col("country").unique()).to_series()
    codes = dict(zip(names.to_list(), map_to_iso3(names).iso3.to_list(), strict=True)) if names.len() else {}
    if every_row:
        notes.append(
            "no iso3 column: each country's ISO3 code read from its name through the country reference "
            f"({sum(c is not None for c in codes.values())} of {len(codes)} distinct names known)"
        )
    named = pl.col("country").replace_strict(codes, default=None, return_dtype=pl.String)
    filled = wanted & named.is_not_null()
    return parsed.with_columns(
        iso3=pl.when(filled).then(named).otherwise(None if every_row else pl.col("iso3")),
        code_from_name=filled & pl.lit(not every_row),
    )


def _rejects(parsed: pl.DataFrame, *, by_name: bool = False) -> pl.DataFrame:
    """One reason per row whose tier is no placement: empty (simple layout), a not-available token, a number, or
    other text the loader does not know; and rows without a code (``by_name``: a country name the reference
    does not know, in a table without codes) or a year."""
    unread = pl.col("canonical").is_null()
    text = pl.col("tier_label").is_not_null()
    no_code = ~pl.col("iso3").str.contains(r"^[A-Z]{3}$").fill_null(False)
    code_checks = (
        [
            ("country", "country", no_code & pl.col("country").is_null(), REASON_NAME_MISSING),
            ("country", "country", no_code & pl.col("country").is_not_null(), REASON_NAME_UNMAPPED),
        ]
        if by_name
        else [("iso3", "iso3", no_code, REASON_ISO3)]
    )
    note = pl.col("note_text").is_not_null()
    # a row of a table of a mark under each tier gives one placement: marking two tiers or none, it gives none (nor
    # one holding other text under a tier: _marks -1)
    marks = pl.col("_marks")
    one_mark = marks.is_null() | (marks == 1)
    # a year no report has, checked on rows read otherwise (one reason per row): the row would be a placement
    # (or not ranked) of a report that does not exist, and stretch the file's release to its year
    read = ~unread & ~no_code
    placed = pl.col("canonical") != NOT_RANKED
    checks = [
        *code_checks,
        ("report_year", "year_text", pl.col("report_year").is_null(), REASON_YEAR),
        (
            "report_year",
            "year_text",
            read & placed & (pl.col("report_year") < FIRST_REPORT_YEAR),
            REASON_YEAR_BEFORE_REPORTS,
        ),
        (
            "report_year",
            "year_text",
            read & (pl.col("report_year") > dt.date.today().year),
            REASON_YEAR_AFTER_THIS_YEAR,
        ),
        ("tier", "tier_text", (marks > 1).fill_null(False), REASON_MARKED_TWICE),
        ("tier", "tier_text", (marks == 0).fill_null(False), REASON_NOT_MARKED),
        ("tier", "tier_text", (marks < 0).fill_null(False), REASON_NOT_A_MARK),
        ("tier", "tier_text", unread & one_mark & ~text, REASON_TIER_MISSING),
        ("tier", "tier_text", unread & one_mark & pl.col("tier_not_available"), REASON_TIER_NOT_AVAILABLE),
        ("tier", "tier_text", unread & one_mark & pl.col("numeric_tier"), REASON_NUMERIC_TIER),
        (
            "tier",
            "tier_text",
            unread & one_mark & text & ~pl.col("tier_not_available") & ~pl.col("numeric_tier"),
            REASON_TIER,
        ),
    ]
    return issues_where(
        parsed,
        [
            # named by the column holding the note's text (Kelley's iso and countryname are read as these)
            ("iso3", "note_text", note & pl.col("note_in_code"), REASON_NOTE),
            ("country", "note_text", note & ~pl.col("note_in_code"), REASON_NOTE),
            *((label, column, ~note & condition, reason) for label, column, condition, reason in checks),
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
        description="US TIP Report tier placements (Kelley coding, or the simple iso3,report_year,tier table)",
        version=LOADER_VERSION,
        diagnose=diagnose,
    )
)
