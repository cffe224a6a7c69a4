"""An organisation's own case records (one row per assisted victim) onto the canonical case table.

A case-management export (CSV or xlsx) has its own column names and codes. A small YAML **mapping file** says
which column holds which canonical field and how its values are written; ``docs/case-records.md`` describes it
with a complete example. The mapping lives beside the data file as ``<data file>.mapping.yaml`` (then
``evidence data load FILE`` recognises the file) or is given explicitly to :func:`load_case_records`.

The output is the canonical case table (:data:`evidence.sources.case_schema.CASE_SCHEMA`, the denominator rule
applied) followed by the extra columns the records have and CTDC lacks (:data:`EXTRA_COLUMNS`):

* ``transit_iso3``: transit countries as ISO3, in the order written, joined by ``;``;
* ``referral_source``: who referred the victim (as mapped, else as written);
* ``exploitation_forced_criminality`` (online-scam compounds and other forced crime) and ``labour_fishing``:
  flags outside the CTDC codebook. A true one also sets its group's "other" flag (``exploitation_other``,
  ``labour_other``), so analyses that know only the canonical flags still count the record in the group; where
  the mapping does not name that "other" flag, it is not recorded on the other records (null, never "no");
* ``assistance_<name>``: one flag per kind of assistance given (shelter, medical, ...), its own flag group:
  every kind "no" is no assistance of these kinds, every kind empty is unknown (:func:`_apply_group_rules`;
  CTDC's groups keep the codebook's rule, where every flag "no" is not recorded).

Every data row is kept or rejected with its line number, column, value and reason (a truncated row, an unknown
code, a year or age that is not a number or out of range, an unmapped country). A country the reference cannot
map rejects the row by default, like any unknown code; ``unmapped_countries: flag`` keeps it as unknown and
flags it instead. Case identifiers and exact ages never leave the loader: ages in years become age bands, and
case ids serve only to flag duplicate records.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import difflib
import gc
import io
import math
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType  # what polars' own signatures take: a type or an instance

from evidence.core.errors import InputError
from evidence.core.text import MONTH_NUMBERS
from evidence.sources.case_mapping import (
    CODED_FIELDS,
    EXTRA_FLAGS,
    FIELDS,
    MAPPING_SUFFIX,
    CaseRecordsMapping,
    canonical_label,
    fold,
    mapping_path,
    read_mapping,
)
from evidence.sources.case_schema import (
    AGE_BANDS,
    FLAG_GROUPS,
    MINOR_AGE_BANDS,
    VALUE_SEPARATOR,
    AgeBand,
    DataSourceType,
    Gender,
    MajorityStatus,
    TraffickingDuration,
    apply_denominator_rule,
    conform,
)
from evidence.sources.countries import country_table, former_code, map_to_iso3, with_regions
from evidence.sources.delimited import (
    PROSE,
    blank_lines_note,
    empty_records,
    empty_records_note,
    notes_below,
    text_encoding,
    text_rows_at_end,
    utf16_codec,
)
from evidence.sources.loaded import LoadedTable, empty_issues, issues_frame
from evidence.sources.provenance import OWN_RECORDS, Provenance, sha256_file
from evidence.sources.registry import FileHead, Loader, apply_sidecar, check_readable, register

__all__ = [
    "ASSISTANCE_PREFIX",
    "CODED_FIELDS",
    "EXTRA_COLUMNS",
    "EXTRA_FLAGS",
    "FIELDS",
    "LOADER",
    "MAPPING_SUFFIX",
    "CaseRecordsMapping",
    "load_case_records",
    "mapping_path",
    "read_mapping",
]

SOURCE = OWN_RECORDS
#: The layout of every case-records file: the one its mapping file describes.
LAYOUT = "mapped"
MAX_AGE = 120
#: Earliest year of registration accepted: the CTDC loader's bound too, defined here rather than imported so
#: that importing this loader does not register the CTDC one before it.
FIRST_YEAR = 1990

ASSISTANCE_PREFIX = "assistance_"
#: Extra columns (after the canonical ones, in this order; ``assistance_*`` last, in the mapping's order).
EXTRA_COLUMNS: dict[str, PolarsDataType] = {
    "transit_iso3": pl.String,
    "referral_source": pl.String,
    **{flag: pl.Boolean for flag in EXTRA_FLAGS},
}

#: Fields whose cells may hold several values separated by the mapping's ``list_separator``.
MULTI_VALUED_FIELDS = ("referral_source",)
#: The column of pseudonymised case ids that :func:`load_case_records` adds when given a ``pseudonymise``.
RECORD_KEY = "record_key"

_YEAR = re.compile(r"(\d{4})(?:\.0+|-(\d{2})-(\d{2})(?:[ T](\S.*))?)?")
#: A date written day and month first, the year last in four digits (``03/05/2019``, ``3.5.2019``,
#: ``03-05-2019``), as most locales' spreadsheets and case-management systems export it: its year is the same
#: read day/month or month/day, so it is read when the date exists read one way or the other.
_NUMERIC_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?:[ T](\S.*))?")
#: ``2019/05/03``, ``2019.05.03``: year first, then month and day (as ISO orders them).
_YEAR_FIRST_DATE = re.compile(r"(\d{4})([/.])(\d{1,2})\2(\d{1,2})(?:[ T](\S.*))?")
#: A date with its month in English words and a four-digit year: ``3 May 2019``, ``03-May-2019`` (Excel's
#: d-mmm-yyyy), ``May 3, 2019``.
_DAY_NAME_YEAR = re.compile(r"(\d{1,2})[ -]([A-Za-z]+)\.?,?[ -](\d{4})")
_NAME_DAY_YEAR = re.compile(r"([A-Za-z]+)\.? (\d{1,2}),? (\d{4})")
#: A date cut to its month, the year in four digits (what a case-management system exports when asked for less
#: precise dates): year first (``2019-05``, ``2019/5``; never ``2019.5``, a decimal), month first (``05/2019``,
#: ``5.2019``, ``05-2019``), or the month in English words (``May 2019``, ``may-2019``, ``Sept. 2019``, ``May, 2019``).
_YEAR_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})")
_MONTH_YEAR = re.compile(r"(\d{1,2})[-/.](\d{4})")
_NAME_YEAR = re.compile(r"([A-Za-z]+)\.?,?[ -](\d{4})")
#: The time of day that may follow a date, as exports write it: ``10:30``, ``10:30:00.000``, ``0:00`` (Excel's
#: m/d/yyyy h:mm), ``10:30 AM``, with a zone (``Z``, ``+07:00``, ``+0700``, ``UTC``) or not.
_TIME = re.compile(
    r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?: ?([AaPp])\.?[Mm]\.?)?"
    r"(?: ?(?:Z|UTC|GMT|[+-](\d{2}):?(\d{2})?))?"
)
#: A cell that is meant as a date (digits and date separators), not a year: a rejection shows it.
_DATE_LIKE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T].*)?")
#: Excel's serial number of a day from May 1990 (33000) to 2102 (73999): an Excel date saved without its date
#: format (a CSV export, or a column formatted "General"). Never read as a date: the workbook's date system
#: (1900 or 1904, four years apart) is not known from a number.
_EXCEL_SERIAL = re.compile(r"(3[3-9]|[4-6]\d|7[0-3])\d{3}(?:\.\d+)?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


# --- reading the data file ----------------------------------------------------------------------------------


@dataclasses.dataclass
class _Raw:
    frame: pl.DataFrame  # the mapped columns as text (null where a truncated row has no field) + source_row
    rejects: pl.DataFrame  # truncated rows, rows with too many fields
    notes: list[str]
    #: rows holding nothing (blank lines, rows of delimiters, empty sheet rows): no record, counted and named
    left_out: int = 0
    #: the rows at the end holding text in one cell only (:func:`~evidence.sources.delimited.text_rows_at_end`;
    #: ``column`` the frame's, null for a column the mapping does not name; ``first_cell``: the text stands in the
    #: record's first cell, column A or a line's start, where a note is written): notes below the records, once
    #: rejected
    below: pl.DataFrame = dataclasses.field(
        default_factory=lambda: _named(text_rows_at_end(pl.DataFrame()), str, "")
    )


def _resolve_columns(header: list[str], mapping: CaseRecordsMapping, data_path: Path) -> dict[str, int]:
    """Data column (as the mapping names it) -> its position in the header; a clear error for a missing one."""
    exact = {name: i for i, name in reversed(list(enumerate(header)))}
    folded: dict[str, list[int]] = {}
    for i, name in enumerate(header):
        folded.setdefault(fold(name), []).append(i)
    found: dict[str, int] = {}
    for key, column in mapping.data_columns().items():
        if column in exact and header.count(column) == 1:
            found[column] = exact[column]
            continue
        matches = folded.get(fold(column), [])
        if len(matches) == 1:
            found[column] = matches[0]
            continue
        mapping_file = mapping.path or "the mapping"
        if matches:
            message = (
                f"{key} names column {column!r}, which the header of {data_path} has {len(matches)} times"
            )
        else:
            close = difflib.get_close_matches(column, header, n=1)
            message = f"{key} names column {column!r}, which {data_path} does not have" + (
                f" (did you mean {close[0]!r}?)" if close else ""
            )
        line = mapping.key_lines.get(key)
        raise InputError(
            (f"line {line}: " if line else "") + message,
            path=mapping_file,
            hint="its columns: "
            + ", ".join(repr(h) for h in header[:30])
            + (" ..." if len(header) > 30 else ""),
        )
    return found


#: How many rows from the top of a file are looked at for a header the mapping's ``header_row`` misses.
_HEADER_SEARCH_ROWS = 30
#: fastexcel's name of a sheet column with an empty header cell.
_UNNAMED = "__UNNAMED__"


def _header_row_of(rows: list[list[str]], mapping: CaseRecordsMapping) -> int | None:
    """The 1-based row of the first of ``rows`` holding every column the mapping names (compared as
    :func:`_resolve_columns` compares them), or None."""
    wanted = {fold(c) for c in mapping.data_columns().values()}
    return next((i + 1 for i, cells in enumerate(rows) if wanted <= {fold(c) for c in cells if c}), None)


def _columns_of_header(
    header: list[str],
    mapping: CaseRecordsMapping,
    data_path: Path,
    top_rows: Callable[[], list[list[str]]],
    unit: str,
) -> dict[str, int]:
    """:func:`_resolve_columns`, or, when the mapped columns are all on another of the top rows (an export with a
    title line added above its header, or one without the title lines ``header_row`` skips), an error naming
    that row and the ``header_row`` to set: the file's first row was reported as lacking every column."""
    try:
        return _resolve_columns(header, mapping, data_path)
    except InputError:
        found = _header_row_of(top_rows(), mapping)
        if found is None or found == mapping.header_row:
            raise
        raise InputError(
            f"the header (the {unit} holding the columns the mapping names) is on {unit} {found}, not on "
            f"{unit} {mapping.header_row} where the mapping's header_row says it is",
            path=data_path,
            row=found,
            hint=("title lines stand above it: " if found > mapping.header_row else "")
            + f"set header_row: {found} in {mapping.path or 'the mapping'}",
        ) from None


#: Most columns a "not read" note names (an export may carry dozens the mapping leaves out).
_UNREAD_SHOWN = 12


def _unread_columns_note(
    header: list[str], positions: dict[str, int], mapping: CaseRecordsMapping
) -> list[str]:
    """A note naming the header's columns the mapping neither reads nor lists as identifying: the next export's
    new column (``Online scam?``) was dropped without a word, its answers in no table until the mapping names it."""
    read = set(positions.values())
    identifying = {fold(c) for c in mapping.identifying}
    unread = [h for i, h in enumerate(header) if i not in read and h.strip() and fold(h) not in identifying]
    if not unread:
        return []
    shown = ", ".join(repr(h) for h in unread[:_UNREAD_SHOWN])
    more = f" and {len(unread) - _UNREAD_SHOWN} more" if len(unread) > _UNREAD_SHOWN else ""
    return [
        (
            f"columns the mapping does not name, not read: {shown}{more} (to read one, name it in the mapping's "
            "columns, flags or assistance; list a column that identifies people under identifying)"
        )
    ]


def _read_csv(path: Path, mapping: CaseRecordsMapping) -> _Raw:
    try:
        data = path.read_bytes()
        encoding, detected = mapping.encoding, text_encoding(data[:4096])
        if encoding.lower().replace("_", "-").startswith("utf-8") and detected != "utf-8":
            # spreadsheets save "Unicode text" as UTF-16, whatever the mapping expects
            encoding = utf16_codec(data, detected)
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise InputError(
            f"bytes {exc.object[exc.start : exc.end]!r} are not {mapping.encoding} text",
            path=path,
            row=line,
            hint="set encoding: in the mapping (e.g. cp1252, utf-16) or re-save the file as UTF-8",
        ) from exc
    except LookupError as exc:
        raise InputError(f"unknown encoding {mapping.encoding!r}", path=mapping.path or path) from exc
    stream = io.StringIO(text.lstrip("\ufeff"), newline="")
    skipped = mapping.header_row - 1
    for _ in range(skipped):  # title lines above the header
        if not stream.readline():
            raise InputError(
                f"the file has no line {mapping.header_row} (header_row in the mapping)", path=path
            )
    start = stream.tell()
    header_line = stream.readline()
    stream.seek(start)
    delimiter = mapping.delimiter or _pick_delimiter(header_line, mapping)
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError("the file has no header line", path=path) from None

    def top_rows() -> list[list[str]]:
        lines = text.lstrip("\ufeff").splitlines()[:_HEADER_SEARCH_ROWS]
        return [
            [h.strip() for h in next(csv.reader([line], delimiter=_pick_delimiter(line, mapping)), [])]
            for line in lines
        ]

    positions = _columns_of_header(header, mapping, path, top_rows, "line")
    ncols = len(header)
    # each record a list of cells (None pads a short one); a blank line's record becomes None
    records: list[Any] = []
    lines: list[int] = []  # each record's first line (quoted fields may span lines)
    previous_end = reader.line_num
    try:
        with _gc_paused():
            for record in reader:
                lines.append(previous_end + 1 + skipped)
                previous_end = reader.line_num
                records.append(record)
    except csv.Error as exc:
        raise InputError(f"cannot parse as CSV: {exc}", path=path, row=previous_end + 1 + skipped) from exc
    structural: list[dict[str, Any]] = []
    blank: list[int] = []
    overflowing: set[int] = (
        set()
    )  # lines with text beyond the header's last field: never rows holding nothing
    kept_records: list[Any] = []
    rows: list[int] = []
    # one pass in C finds the rare records that need a look: blank lines and a wrong number of fields
    for index in [i for i, n in enumerate(map(len, records)) if n != ncols]:
        record, line = records[index], lines[index]
        if not record or (len(record) == 1 and not record[0].strip()):
            blank.append(line)
            records[index] = None
            continue
        structural.append(
            {
                "row": line,
                # a truncated row: the first column it holds no field for; one too long: no column of the header
                "column": str(header[len(record)]) if len(record) < ncols else None,
                "value": f"{len(record)} fields",
                "reason": f"truncated row (fewer fields than the header's {ncols}: none from this column on)"
                if len(record) < ncols
                else f"too many fields (more than the header's {ncols})",
            }
        )
        if any(cell.strip() for cell in record[ncols:]):
            overflowing.add(line)
        records[index] = (record + [None] * ncols)[:ncols]  # rejected, but its cells are still checked
    if blank:
        kept_records = [r for r in records if r is not None]
        rows = [line for line, r in zip(lines, records, strict=True) if r is not None]
    else:
        kept_records, rows = records, lines
    with _gc_paused():
        cells = list(zip(*kept_records, strict=True)) if kept_records else [()] * ncols
    frame = pl.DataFrame(
        {
            **{c: pl.Series(cells[i], dtype=pl.String) for c, i in positions.items()},
            "source_row": pl.Series(rows, dtype=pl.Int64),
        }
    )
    notes = [blank_lines_note(np.array(blank))] if blank else []
    notes += _unread_columns_note(header, positions, mapping)
    # a row of delimiters only (a spreadsheet's cleared or formatted row saved as CSV), among the records or
    # below them, is no case, as the workbook's empty sheet rows are none: left out, counted and named, whatever
    # its number of fields. Only rows empty in every mapped column are looked at, then in all their cells.
    candidates = np.flatnonzero(empty_records(frame))
    empty = [
        i
        for i in candidates
        if rows[i] not in overflowing and not any(cell and cell.strip() for cell in kept_records[i])
    ]
    if empty:
        lines_out = frame["source_row"].to_numpy()[empty]
        notes.append(empty_records_note(lines_out))
        frame = frame.filter(~pl.Series(np.isin(np.arange(frame.height), empty)))
        left = set(lines_out.tolist())
        structural = [r for r in structural if r["row"] not in left]
    if encoding != mapping.encoding:
        notes.append("read as UTF-16 text (the mapping expects UTF-8)")
    below = _text_rows_at_end(kept_records, rows, positions, overflowing)
    return _Raw(frame, issues_frame(structural), notes, left_out=len(blank) + len(empty), below=below)


def _text_rows_at_end(
    records: list[Any], rows: list[int], positions: dict[str, int], overflowing: set[int]
) -> pl.DataFrame:
    """:func:`~evidence.sources.delimited.text_rows_at_end` of a text file's records (every cell, the columns the
    mapping does not name too), read from the last record up to the first holding two cells or more (a frame of
    those only: the records are never all made one)."""
    tail: list[int] = []
    for index in range(len(records) - 1, -1, -1):
        held = sum(1 for cell in records[index] if cell and cell.strip())
        if held > 1 or rows[index] in overflowing:
            break
        if held:  # a record holding nothing is left out (no record): the notes may stand below it
            tail.append(index)
    tail.reverse()
    names = {i: c for c, i in positions.items()}
    width = max((len(records[i]) for i in tail), default=0)
    frame = pl.DataFrame(
        {
            **{
                str(i): pl.Series(
                    [records[r][i] if i < len(records[r]) else None for r in tail], dtype=pl.String
                )
                for i in range(width)
            },
            "source_row": pl.Series([rows[r] for r in tail], dtype=pl.Int64),
        }
    )
    return _named(text_rows_at_end(frame), lambda column: names.get(int(column)), "0")


def _named(below: pl.DataFrame, name: Callable[[str], str | None], first: str) -> pl.DataFrame:
    """``below`` with each column named as the frame of mapped columns names it (null: a column not read), and
    whether its text stands in the record's first cell (``first_cell``: ``first`` the column holding it)."""
    mapped = {c: name(c) for c in below.get_column("column").unique().to_list()}
    return below.with_columns(
        pl.col("column").replace_strict(mapped, default=None, return_dtype=pl.String),
        first_cell=pl.col("column") == first,
    )


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while millions of cells are made: lists of strings hold no cycles, and the
    collector's repeated passes over them would double the time of reading a large file."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _pick_delimiter(header_line: str, mapping: CaseRecordsMapping) -> str:
    """The delimiter whose header holds every mapped column; else the one splitting the header most."""
    candidates = [d for d in (",", ";", "\t", "|") if d in header_line] or [","]
    wanted = {fold(c) for c in mapping.data_columns().values()}
    split = {d: next(csv.reader([header_line], delimiter=d), []) for d in candidates}
    for d in candidates:
        if wanted <= {fold(h) for h in split[d]}:
            return d
    return max(candidates, key=lambda d: len(split[d]))


def _read_workbook(path: Path, mapping: CaseRecordsMapping) -> _Raw:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        sheets = list(reader.sheet_names)
    except Exception as exc:  # fastexcel raises its own error types
        raise InputError(f"cannot read the workbook: {exc}", path=path) from exc
    if mapping.sheet is None:
        if len(sheets) > 1:
            raise InputError(
                f"the workbook has {len(sheets)} sheets ({', '.join(map(repr, sheets))})",
                path=path,
                hint="name the one holding the case records with sheet: in the mapping",
            )
        sheet = sheets[0]
    elif mapping.sheet in sheets:
        sheet = mapping.sheet
    else:
        raise InputError(
            f"no sheet {mapping.sheet!r} (sheet in the mapping); the workbook has {', '.join(map(repr, sheets))}",
            path=path,
        )
    try:
        frame = reader.load_sheet(sheet, header_row=mapping.header_row - 1, dtypes="string").to_polars()
    except Exception as exc:
        raise InputError(f"cannot read sheet {sheet!r}: {exc}", path=path) from exc
    header = [" ".join(str(c).split()) if not str(c).startswith(_UNNAMED) else "" for c in frame.columns]

    def top_rows() -> list[list[str]]:
        top = reader.load_sheet(
            sheet, header_row=None, n_rows=_HEADER_SEARCH_ROWS, dtypes="string"
        ).to_polars()
        return [[" ".join(str(c).split()) for c in row if c is not None] for row in top.iter_rows()]

    positions = _columns_of_header(header, mapping, path, top_rows, "row")
    frame = frame.with_columns(pl.all().cast(pl.String))  # a column of empty cells has no type of its own
    # rows empty in every column carry no record (formatted but unused sheet rows)
    empty = frame.select(
        pl.all_horizontal(pl.all().is_null() | (pl.all().str.strip_chars() == ""))
    ).to_series()
    rows = pl.int_range(mapping.header_row + 1, mapping.header_row + 1 + frame.height, dtype=pl.Int64)
    whole = frame.with_columns(rows.alias("source_row"))  # every column: a note may stand in one not read
    frame = frame.select([pl.col(frame.columns[i]).alias(c) for c, i in positions.items()]).with_columns(
        source_row=rows
    )
    notes = [f"read from sheet {sheet!r}", *_unread_columns_note(header, positions, mapping)]
    if empty.any():
        notes.append(empty_records_note(frame["source_row"].filter(empty).to_numpy(), "row"))
        frame = frame.filter(~empty)
        whole = whole.filter(~empty)
    names = {whole.columns[i]: c for c, i in positions.items()}
    below = _named(text_rows_at_end(whole), names.get, whole.columns[0])
    return _Raw(frame, empty_issues(), notes, left_out=int(empty.sum()), below=below)


# --- decoding ------------------------------------------------------------------------------------------------


class _Bad(ValueError):
    """A value a column does not allow; its message is the reject reason."""


@dataclasses.dataclass
class _Problem:
    column: str  # the data column
    values: dict[str, str]  # stripped cell -> reason


class _Decoder:
    """Decodes each distinct cell of a column once; the result is applied to every row by a lookup."""

    def __init__(self, frame: pl.DataFrame, mapping: CaseRecordsMapping) -> None:
        self.frame = frame
        self.mapping = mapping
        self.problems: list[_Problem] = []  # rows to reject
        self.flagged: list[_Problem] = []  # rows to keep and flag

    def is_missing(self, cell: str) -> bool:
        return fold(cell) in self.mapping.missing

    def column(
        self, column: str, decode: Callable[[str], Any], dtype: PolarsDataType, *, flag_bad: bool = False
    ) -> pl.Expr:
        """``decode`` maps a stripped, non-missing cell to its value (None: unknown) or raises :class:`_Bad`."""
        cell = pl.col(column).str.strip_chars()
        good: dict[str, Any] = {}
        bad: dict[str, str] = {}
        for value in self.frame.get_column(column).str.strip_chars().drop_nulls().unique().to_list():
            if self.is_missing(value):
                continue
            try:
                decoded = decode(value)
            except _Bad as exc:
                bad[value] = str(exc)
                continue
            if decoded is not None:
                good[value] = decoded
        if bad:
            (self.flagged if flag_bad else self.problems).append(_Problem(column, bad))
        if not good:
            return pl.lit(None, dtype=dtype)
        return cell.replace_strict(list(good), list(good.values()), default=None, return_dtype=dtype)

    def coded(self, field: str, dtype: PolarsDataType) -> pl.Expr:
        allowed = CODED_FIELDS[field]
        codes = self.mapping.values.get(field, {})
        what = field.replace("_", " ")

        def decode(value: str) -> str | None:
            key = _code_key(value, codes)
            if key in codes:
                return codes[key]
            if allowed is None:
                if codes:
                    raise _Bad(f"unknown {what} code (not in the mapping's values.{field}{_OR_MISSING})")
                return value
            label = canonical_label(value, allowed)
            if label is None:
                raise _Bad(f"unknown {what} code (not in the mapping's values.{field}{_OR_MISSING})")
            return label

        if field in MULTI_VALUED_FIELDS:
            return self.column(self.mapping.columns[field], self.each_of(decode), dtype)
        return self.column(self.mapping.columns[field], decode, dtype)

    def each_of(self, decode: Callable[[str], str | None]) -> Callable[[str], str | None]:
        """``decode`` applied to each value of a cell holding several (split by the list separator); the
        labels joined by ';' in the order written, each once."""

        def decode_all(value: str) -> str | None:
            parts = [p.strip() for p in value.split(self.mapping.list_separator)]
            labels = [decode(p) for p in parts if p and not self.is_missing(p)]
            return VALUE_SEPARATOR.join(dict.fromkeys(label for label in labels if label)) or None

        return decode_all

    def flag(self, column: str) -> pl.Expr:
        yes_no = self.mapping.yes_no

        def decode(value: str) -> bool | None:
            key = _code_key(value, yes_no)
            if key not in yes_no:
                raise _Bad(f"unknown yes/no code (not in the mapping's values.yes_no{_OR_MISSING})")
            return yes_no[key]

        return self.column(column, decode, pl.Boolean)

    def country(self, column: str, *, many: bool = False) -> pl.Expr:
        """ISO3 of each cell (``many``: several countries joined by the list separator, ISO3 joined by ';')."""
        iso3_of = self.country_lookup(column)

        def decode(value: str) -> str | None:
            if not many:
                return iso3_of(value)
            parts = [p.strip() for p in value.split(self.mapping.list_separator)]
            codes = [iso3_of(p) for p in parts if p and not self.is_missing(p)]
            return VALUE_SEPARATOR.join(c for c in codes if c) or None

        return self.column(column, decode, pl.String, flag_bad=self.mapping.unmapped_countries == "flag")

    def country_lookup(self, column: str) -> Callable[[str], str | None]:
        mapping = self.mapping
        coding = mapping.countries
        table = country_table()
        codes = (
            dict(zip(table[coding].to_list(), table["iso3"].to_list(), strict=True))
            if coding != "names"
            else {}
        )
        cells = self.frame.get_column(column).str.strip_chars().drop_nulls().unique().to_list()
        if coding == "names":
            pieces = {p.strip() for c in cells for p in c.split(mapping.list_separator)} | set(cells)
            names = sorted(p for p in pieces if p)
            mapped = dict(
                zip(names, map_to_iso3(names, reporting_iso3=mapping.reporting_country).iso3.to_list())
            )
        else:
            mapped = {}

        def iso3_of(value: str) -> str | None:
            key = fold(value)
            if key in mapping.country_values:
                return mapping.country_values[key]
            if self.is_missing(value):
                return None
            found = codes.get(value.upper()) if coding != "names" else mapped.get(value)
            if found is None and coding != "names" and (former := former_code(value)) is not None:
                if former.iso3 is None:  # a state that split: which successor is not ours to guess
                    raise _Bad(f"{former.reason()}; say which country it is in values.countries")
                found = former.iso3
            if found is None:
                expected = {"names": "a country", "iso2": "an ISO2 code", "iso3": "an ISO3 code"}[coding]
                raise _Bad(
                    f"unknown country: not {expected} the reference knows (add it to values.countries{_OR_MISSING})"
                )
            return found

        return iso3_of


#: What an unknown code's reason adds: an export writing "not recorded" otherwise than the defaults (R's ``NA``, a
#: database's ``NULL``) had its rows rejected as unknown codes, the reason naming values only.
_OR_MISSING = "; one meaning 'not recorded' belongs under missing"


def _word_hint(value: str) -> str:
    """For a number or year written as a word with no digit (``NULL``, ``NA``, ``Refused``): where to list it."""
    return (
        "" if any(ch.isdigit() for ch in value) else " (a word meaning 'not recorded' belongs under missing)"
    )


#: A whole number written with a decimal part of zeros (``1.0``): how a numeric code column is saved once it
#: holds an empty cell (pandas' floats, a spreadsheet's number format).
_WHOLE_NUMBER = re.compile(r"(-?\d+)\.0+")


def _code_key(value: str, codes: Mapping[str, Any]) -> str:
    """The key of a cell among a mapping's codes: :func:`fold`, and a code written ``1.0`` read as the code ``1``
    where the mapping lists ``1`` and not ``1.0`` (a numeric code column saved as floats: every row was rejected
    as an unknown code)."""
    key = fold(value)
    if key not in codes and (whole := _WHOLE_NUMBER.fullmatch(key)) and whole.group(1) in codes:
        return whole.group(1)
    return key


def _shown(value: str, limit: int = 40) -> str:
    """A cell's value quoted for a reject reason (cut short when long)."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


def _year(value: str) -> int:
    """The year of a year (``2019``, ``2019.0``) or of a date: ``YYYY-MM-DD`` (with a time), ``YYYY/MM/DD``, a day
    and month before a four-digit year (``03/05/2019``: day/month or month/day, the year the same either way),
    or a month in English words (``3 May 2019``, ``03-May-2019``, ``May 3, 2019``), or a date cut to its month
    (``2019-05``, ``05/2019``, ``May 2019``: :data:`_YEAR_MONTH`). The date must exist (read one way or the other);
    a two-digit year (``03/05/19``: which century?), a year and the next one's last two digits (``2011-12``:
    December 2011 or the fiscal year 2011-12?) and an Excel serial number are refused, each with its reason."""
    match = _YEAR.fullmatch(value)
    if match is not None:
        if match.group(2) is not None:  # a date: it must exist (no 2020-13-45, no 2020-02-31)
            _check_date(value, int(match.group(1)), int(match.group(2)), int(match.group(3)), match.group(4))
        year = int(match.group(1))
    else:
        year = _year_of_date(value)
    last = dt.date.today().year
    if not FIRST_YEAR <= year <= last:
        raise _Bad(f"year out of range {FIRST_YEAR}-{last}")
    return year


def _year_of_date(value: str) -> int:
    """The year of a date written otherwise than ``YYYY-MM-DD`` (see :func:`_year`), else :class:`_Bad`."""
    if match := _NUMERIC_DATE.fullmatch(value):
        first, second, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
        readings = [(first, second), (second, first)]  # (day, month): day/month/year, month/day/year
        problems = []
        for day, month in readings:
            try:
                _check_date(value, year, month, day, match.group(5))
                return year
            except _Bad as exc:
                problems.append(str(exc).split(": ", 1)[-1])
        raise _Bad(
            f"impossible date {_shown(value)}: {problems[0]} read as day/month/year, {problems[1]} read as "
            "month/day/year (write dates YYYY-MM-DD)"
        )
    if match := _YEAR_FIRST_DATE.fullmatch(value):
        year = int(match.group(1))
        _check_date(value, year, int(match.group(3)), int(match.group(4)), match.group(5))
        return year
    named = _DAY_NAME_YEAR.fullmatch(value) or _NAME_DAY_YEAR.fullmatch(value)
    if named is not None:
        day_text, name = named.group(1), named.group(2)
        if not day_text.isdigit():
            day_text, name = name, day_text
        month_named = MONTH_NUMBERS.get(name.lower())
        if month_named is not None:
            year = int(named.group(3))
            _check_date(value, year, month_named, int(day_text), None)
            return year
    if (month_year := _year_and_month(value)) is not None:
        year, month = month_year
        _check_date(value, year, month, 1, None)
        return year
    if _EXCEL_SERIAL.fullmatch(value):
        raise _Bad(
            f"not a year or a date: {_shown(value)} looks like an Excel date saved as its serial number (days "
            "since 1900); format the column as a date (YYYY-MM-DD) and export again"
        )
    if _DATE_LIKE.fullmatch(value):
        raise _Bad(f"not a year or a date with a four-digit year: {_shown(value)} (write dates YYYY-MM-DD)")
    raise _Bad("year is not a number" + _word_hint(value))


def _year_and_month(value: str) -> tuple[int, int] | None:
    """The year and month of a date cut to its month (:data:`_YEAR_MONTH`, :data:`_MONTH_YEAR`,
    :data:`_NAME_YEAR`), the month not yet checked; None for other text. :class:`_Bad` for a year followed by the
    next year's last two digits (``2011-12``, ``2019-20``): a fiscal year or a span of two years as well as a month."""
    if match := _YEAR_MONTH.fullmatch(value):
        year, month = int(match.group(1)), int(match.group(2))
        if len(match.group(2)) == 2 and month == (year + 1) % 100:
            month_read = f"{dt.date(year, month, 1):%B} {year} or " if 1 <= month <= 12 else ""
            raise _Bad(
                f"not one year: {_shown(value)} is {month_read}the fiscal year (or span) {year}-{year + 1} "
                "(write the year, or dates YYYY-MM-DD)"
            )
        return year, month
    if match := _MONTH_YEAR.fullmatch(value):
        return int(match.group(2)), int(match.group(1))
    if (match := _NAME_YEAR.fullmatch(value)) and (named := MONTH_NUMBERS.get(match.group(1).lower())):
        return int(match.group(2)), named
    return None


def _check_date(value: str, year: int, month: int, day: int, time: str | None) -> None:
    """:class:`_Bad` (``impossible date``, with the reason) unless the date (and time, :data:`_TIME`) exist."""
    try:
        dt.date(year, month, day)
        if time is not None:
            _check_time(time)
    except ValueError as exc:
        raise _Bad(f"impossible date {_shown(value)}: {exc}") from None


def _check_time(time: str) -> None:
    """ValueError unless ``time`` is a time of day (:data:`_TIME`) that exists."""
    match = _TIME.fullmatch(time)
    if match is None:
        raise ValueError(f"{time!r} is not a time of day")
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    if match.group(4) is not None:  # 12-hour clock: 12:30 AM is 00:30
        if not 1 <= hour <= 12:
            raise ValueError("hour must be in 1..12 with AM or PM")
        hour = hour % 12 + (12 if match.group(4) in "Pp" else 0)
    dt.time(hour, minute, second)
    if match.group(5) is not None and (int(match.group(5)) > 14 or int(match.group(6) or 0) > 59):
        raise ValueError("time zone offset out of range")


def _age_band_of_years(value: str) -> str:
    if _NUMBER.fullmatch(value) is None:
        raise _Bad("age is not a number of years" + _word_hint(value))
    age = math.floor(float(value))  # completed years
    if age > MAX_AGE:
        raise _Bad(f"age out of range 0-{MAX_AGE}")
    for band in reversed(AGE_BANDS):
        if age >= int(re.findall(r"\d+", band)[0]):
            return band
    raise AssertionError("unreachable: the first band starts at 0")


def _majority_of(band: pl.Expr) -> pl.Expr:
    return (
        pl.when(band.is_in(MINOR_AGE_BANDS))
        .then(pl.lit("Minor"))
        .when(band.is_not_null())
        .then(pl.lit("Adult"))
        .cast(MajorityStatus)
    )


def _decode(
    raw: _Raw, mapping: CaseRecordsMapping
) -> tuple[pl.DataFrame, list[_Problem], list[_Problem], list[pl.DataFrame]]:
    """The canonical (and extra) columns, the problems that reject rows, those that flag them, other flags."""
    frame, fields = raw.frame, mapping.columns
    decoder = _Decoder(frame, mapping)
    out: dict[str, pl.Expr] = {"source_row": pl.col("source_row")}
    if "year" in fields:
        year = decoder.column(fields["year"], _year, pl.Int16)
        out["year"], out["year_band"] = year, year.cast(pl.String)
    for field, dtype in (
        ("gender", Gender),
        ("data_source_type", DataSourceType),
        ("trafficking_duration", TraffickingDuration),
        ("referral_source", pl.String),
    ):
        if field in fields:
            out[field] = decoder.coded(field, dtype)
    if "age_years" in fields:
        out["age_band"] = decoder.column(fields["age_years"], _age_band_of_years, AgeBand)
    elif "age_band" in fields:
        out["age_band"] = decoder.coded("age_band", AgeBand)
    if "majority_status" in fields:
        out["_majority_file"] = decoder.coded("majority_status", MajorityStatus)
    for field, prefix in (("origin", "origin"), ("destination", "destination")):
        if field in fields:
            out[f"{prefix}_iso3"] = decoder.country(fields[field])
    if "transit" in fields:
        out["transit_iso3"] = decoder.country(fields["transit"], many=True)
    for flag, column in mapping.flags.items():
        out[flag] = decoder.flag(column)
    for kind, column in mapping.assistance.items():
        out[ASSISTANCE_PREFIX + kind] = decoder.flag(column)

    data = frame.select(**out)
    for prefix in ("origin", "destination"):
        if f"{prefix}_iso3" in data.columns:
            data = with_regions(data, f"{prefix}_iso3", prefix)
    extra_flags: list[pl.DataFrame] = []
    if "age_band" in data.columns or "_majority_file" in data.columns:
        from_band = (
            _majority_of(pl.col("age_band")) if "age_band" in data.columns else pl.lit(None, MajorityStatus)
        )
        file_value = (
            pl.col("_majority_file") if "_majority_file" in data.columns else pl.lit(None, MajorityStatus)
        )
        data = data.with_columns(
            majority_status=pl.coalesce(file_value, from_band), _disagree=file_value != from_band
        )
        disagree = data.get_column("_disagree").fill_null(False)
        if disagree.any():
            extra_flags.append(
                frame.filter(disagree).select(
                    row="source_row",
                    column=pl.lit(fields["majority_status"]),
                    value=pl.col(fields["majority_status"]),
                    reason=pl.lit("majority status disagrees with the age; the file's status kept"),
                )
            )
        data = data.drop("_disagree", "_majority_file", strict=False)
    # a flag the codebook lacks also sets its group's "other" flag, so the record counts in the group
    for flag, (_, other) in EXTRA_FLAGS.items():
        if flag in data.columns:
            current = pl.col(other) if other in data.columns else pl.lit(None, pl.Boolean)
            data = data.with_columns(pl.when(pl.col(flag)).then(True).otherwise(current).alias(other))
    if "case_id" in fields:
        extra_flags.append(_duplicate_ids(frame, fields["case_id"], decoder))
    return data, decoder.problems, decoder.flagged, extra_flags


def _duplicate_ids(frame: pl.DataFrame, column: str, decoder: _Decoder) -> pl.DataFrame:
    """Rows whose case id is also on another row (the id itself is not reported: it never leaves the loader)."""
    ids = frame.select("source_row", case=pl.col(column).str.strip_chars())
    missing = list(decoder.mapping.missing)
    ids = ids.filter(pl.col("case").is_not_null() & ~pl.col("case").str.to_lowercase().is_in(missing))
    dupes = ids.filter(pl.col("case").is_duplicated())
    if not dupes.height:
        return empty_issues()
    rows = pl.col("rows")
    shared = (
        dupes.group_by("case")
        .agg(rows=pl.col("source_row").sort())
        .with_columns(
            value=pl.format(
                "shared by {} rows: {}{}",
                rows.list.len(),
                rows.list.head(5).cast(pl.List(pl.String)).list.join(", "),
                pl.when(rows.list.len() > 5).then(pl.lit(", ...")).otherwise(pl.lit("")),
            )
        )
        .explode("rows")
    )
    return issues_frame(
        shared.select(row="rows", column=pl.lit(column), value="value", reason=pl.lit("duplicate case id"))
    )


def _issues(frame: pl.DataFrame, problems: list[_Problem]) -> list[pl.DataFrame]:
    parts = []
    for problem in problems:
        cell = pl.col(problem.column).str.strip_chars()
        parts.append(
            issues_frame(
                frame.filter(cell.is_in(list(problem.values))).select(
                    row="source_row",
                    column=pl.lit(problem.column),
                    value=pl.col(problem.column),
                    reason=cell.replace_strict(problem.values, default=None, return_dtype=pl.String),
                )
            )
        )
    return parts


def _flag_groups() -> dict[str, list[str]]:
    """The canonical flag groups with the extra flags added to theirs."""
    groups = {name: list(columns) for name, columns in FLAG_GROUPS.items()}
    for flag, (group, _) in EXTRA_FLAGS.items():
        groups[group].append(flag)
    return groups


def _apply_group_rules(data: pl.DataFrame, mapping: CaseRecordsMapping) -> pl.DataFrame:
    """When a record's flag group is known, and what its empty flags then mean.

    - CTDC's groups (forms of exploitation, labour sectors, means of control, ...; the extra flags in theirs):
      the codebook's denominator rule (section 6), so that the records' shares are CTDC's: known when a flag is
      "yes", its empty flags then "no"; every flag "no" or empty is not recorded. A "no" to each is no answer
      there: CTDC's own 0s are not either (in the k-anonymised sample, 509 of the 650 records with every labour
      sector 0 are victims of sexual exploitation: the sector does not apply to them).
    - The kinds of assistance (``assistance_*``, a group of the organisation's own, asked of every person it
      assists): answered when a kind is "yes" or "no", its empty kinds then "no"; every kind "no" is no
      assistance of these kinds (it was unknown, and the share given shelter left out those given none); every
      kind empty is not recorded.
    - An "other" flag the mapping does not name, set by an extra flag (forced criminality sets
      ``exploitation_other``, fishing ``labour_other``): true where the extra flag is, else not recorded (it was
      "no" on every other record whose group is known: "no other form", which the records never asked).
    """
    data = apply_denominator_rule(data, _flag_groups())
    assistance = [c for c in data.columns if c.startswith(ASSISTANCE_PREFIX)]
    if assistance:
        answered = pl.any_horizontal(pl.col(c).is_not_null() for c in assistance)
        data = data.with_columns(
            pl.when(answered).then(pl.col(c).fill_null(False)).otherwise(None).alias(c) for c in assistance
        )
    set_only = {other for flag, (_, other) in EXTRA_FLAGS.items() if flag in data.columns} - set(
        mapping.flags
    )
    return data.with_columns(
        pl.when(pl.col(other)).then(True).otherwise(None).alias(other)
        for other in set_only
        if other in data.columns
    )


def _provenance(path: Path, mapping: CaseRecordsMapping, notes: list[str]) -> Provenance:
    given = mapping.provenance
    where = f"{mapping.path} (sha256 {mapping.sha256[:16]})" if mapping.path else "given in code"
    return Provenance(
        source=SOURCE,
        layout=LAYOUT,
        release=str(given.get("release", "unknown")),
        path=str(path),
        sha256=sha256_file(path),
        url=given.get("url", ""),
        licence=given.get("licence", ""),
        citation=given.get("citation", ""),
        title=given.get("title", ""),
        synthetic=given.get("synthetic", False),
        notes=(f"mapping: {where}", *notes),
    )


def _record_keys(
    frame: pl.DataFrame, mapping: CaseRecordsMapping, pseudonymise: Callable[[str], str]
) -> pl.Series:
    """Each row's case id, pseudonymised (null where the id is missing): the id itself goes no further."""
    column = mapping.columns.get("case_id")
    if column is None:
        raise InputError(
            "the mapping names no case_id column: records cannot be followed from one export to the next",
            path=mapping.path or "the mapping",
        )
    keys = [
        None if cell is None or fold(cell) in mapping.missing else pseudonymise(" ".join(cell.split()))
        for cell in frame.get_column(column).to_list()
    ]
    return pl.Series(RECORD_KEY, keys, dtype=pl.String)


def _load(
    path: Path, mapping: CaseRecordsMapping, pseudonymise: Callable[[str], str] | None = None
) -> LoadedTable:
    head = FileHead(path)
    raw = _read_workbook(path, mapping) if head.is_xlsx else _read_csv(path, mapping)
    if mapping.fixed:
        # a fixed value is decoded like a cell of a column that holds it on every row
        names = {field: f"(fixed {field})" for field in mapping.fixed}
        raw.frame = raw.frame.with_columns(
            pl.lit(v, pl.String).alias(names[f]) for f, v in mapping.fixed.items()
        )
        mapping = dataclasses.replace(mapping, columns=mapping.columns | names)
    data, problems, flagged, extra_flags = _decode(raw, mapping)
    if pseudonymise is not None:
        data = data.with_columns(_record_keys(raw.frame, mapping, pseudonymise))
    rejects = pl.concat([raw.rejects, *_issues(raw.frame, problems)]).sort("row", maintain_order=True)
    if rejects.height:
        keep = ~data.get_column("source_row").is_in(rejects.get_column("row").unique().implode())
        data = data.filter(keep)
    # a note below the records (a source line, a footnote), rejected for its text, or typed on a line of its own
    # (cut short: prose, no code cut short): no record, left out with a note (among the records it stays
    # rejected; one in a row of the sheet's width, text in the case id column only, is a case of which nothing
    # else is known: kept, and pointed out by the register). A note is written in the first cell (column A, a
    # line's start): one value further along, every cell before it empty, is a case of which only that is known
    # (kept when it reads, Sex F), and a value its column refuses (Femal) a bad case, rejected for it.
    cut = pl.col("reason").str.starts_with("truncated row") & pl.col("text").str.contains(PROSE)
    rejects, noted, note_lines = notes_below(
        raw.below,
        rejects,
        unit="row" if head.is_xlsx else "line",
        is_note=((pl.col("column") == pl.col("note_column")) & pl.col("first_cell")) | cut,
    )
    raw.notes.extend(note_lines)
    kept_rows = data.get_column("source_row").implode()
    flags = pl.concat(
        [
            p.filter(pl.col("row").is_in(kept_rows))
            for p in [*_issues(raw.frame, flagged), *(issues_frame(f) for f in extra_flags)]
        ]
        or [empty_issues()]
    ).sort("row", maintain_order=True)
    if flagged:
        raw.notes.append("countries the reference cannot map are kept as unknown (unmapped_countries: flag)")

    data = _apply_group_rules(data, mapping)
    canonical = conform(data)
    extras = [pl.col(c).cast(t) for c, t in EXTRA_COLUMNS.items() if c in data.columns]
    extras += [pl.col(c) for c in data.columns if c.startswith(ASSISTANCE_PREFIX)]
    if RECORD_KEY in data.columns:
        extras.append(pl.col(RECORD_KEY))
    table = pl.concat([canonical, data.select(extras)], how="horizontal") if extras else canonical
    unmapped = [f for f in ("year", "gender", "origin", "destination") if f not in mapping.columns]
    if unmapped:
        raw.notes.append("fields the mapping does not name, left unknown: " + ", ".join(unmapped))
    return LoadedTable(
        data=table,
        provenance=_provenance(path, mapping, raw.notes),
        rows_in=raw.frame.height - noted,
        rejects=rejects,
        flags=flags,
        rows_left_out=raw.left_out + noted,
    )


def load_case_records(
    path: str | Path,
    mapping: str | Path | Mapping[str, Any] | CaseRecordsMapping | None = None,
    *,
    pseudonymise: Callable[[str], str] | None = None,
) -> LoadedTable:
    """Load an organisation's case records (CSV or xlsx) onto the case table, as their mapping describes.

    ``mapping`` is a mapping file, or a mapping already parsed into a dict; by default the file
    ``<path>.mapping.yaml`` beside the data. A provenance sidecar ``<path>.provenance.json``, when present,
    completes the provenance the mapping gives. With ``pseudonymise`` (a keyed hash, see
    :mod:`evidence.sources.register`), each row's case id is replaced by ``pseudonymise(id)`` in a last column
    ``record_key``; the ids themselves never leave the loader.
    """
    path = check_readable(path)
    if mapping is None:
        mapping = mapping_path(path)
        if not mapping.exists():
            raise InputError(
                f"no mapping file {mapping.name} beside the data file",
                path=path,
                hint="write one (see docs/case-records.md) or pass mapping=",
            )
    if not isinstance(mapping, CaseRecordsMapping):
        mapping = read_mapping(mapping)
    return apply_sidecar(_load(path, mapping, pseudonymise), path)


#: The layout of the organisation's register (:mod:`evidence.sources.register`), read as of its latest export.
REGISTER_LAYOUT = "register"
_DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of a DuckDB database file


def sniff(head: FileHead) -> str | None:
    """``mapped`` for a data file with a mapping file beside it, ``register`` for a register, else None."""
    if mapping_path(head.path).is_file():
        return LAYOUT
    return REGISTER_LAYOUT if head.raw[8:12] == _DUCKDB_MAGIC else None


def _load_sniffed(path: Path, layout: str) -> LoadedTable:
    # the registry applies the provenance sidecar itself
    if layout == REGISTER_LAYOUT:
        from evidence.sources.register import records_as_of

        return records_as_of(path)
    return _load(Path(path), read_mapping(mapping_path(path)))


LOADER = register(
    Loader(
        source=SOURCE,
        sniff=sniff,
        load=_load_sniffed,
        description="An organisation's own case records, read through a mapping file beside them, or its register",
        version="12",  # bump when the case table made from the same file and mapping changes (7: a workbook's
        # error cells read as their text, #N/A, not as empty cells; 8: the columns the mapping does not name
        # are named in a note, an export's new column was dropped unsaid; an unknown code's reason says a code for
        # "not recorded" belongs under missing; 9: notes below the records, rejected for their text or typed on
        # a line of their own (prose cut short), left out and named: delimited.notes_below; 10: a last case holding
        # one value its column refuses, not in the first cell (Sex Femal), rejected for it again, not left out; a
        # last line cut short to an id with a space, MSS 0999, rejected as cut short: no prose, delimited.PROSE;
        # 11: a year from a date cut to its month, 2019-05, 05/2019, May 2019 (the row was rejected); 2011-12
        # refused naming both readings, December 2011 and the fiscal year; 12: a mapping's release date that reads
        # two ways, 06/07/2025, or none, 31/02/2025, refused naming its line (went into labels as written); a
        # month written with a comma before its year, June, 2019, gives its year (the row was rejected))
        # 3: a CSV row of delimiters only is no case (was kept); rows holding nothing counted, named by row; a
        # year from a date written day/month/year (or month/day), YYYY/MM/DD or with an English month name (the
        # row was rejected); an Excel serial number named as such; a code written 1.0 read as the code 1; 4: a
        # row with text only beyond the header's last field rejected (too many fields), not left out; 5: a date
        # whose time has a one-digit hour (Excel's m/d/yyyy h:mm), AM/PM or a zone gives its year (was rejected);
        # 6: every kind of assistance "no" is no assistance (was unknown); an "other" flag the mapping does not
        # name is true where forced criminality or fishing is, else null (was false)
        priority=10,  # a mapping beside a file says how to read it, even when another layout matches
    )
)
