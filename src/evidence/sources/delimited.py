"""Delimited text files: their encoding and line ends, and where each record starts and how many fields it has,
without trusting a CSV parser.

Spreadsheet programs save CSV as UTF-16 ("Unicode text") or with CR-only line ends (Excel's "CSV (Macintosh)");
:func:`utf8_text` turns both into the UTF-8 with LF line ends that the parsers read, keeping every line number.
Parsers pad a short record with empty fields and may cut a long one: a truncated row would then be read as a
row of empty cells (for a TIP file, "not ranked"). Loaders scan the bytes once, vectorised, and reject such
rows with their line numbers.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
import polars as pl

from evidence.core.errors import InputError
from evidence.sources.loaded import empty_issues, issues_frame

#: More columns than any spreadsheet holds (Excel's limit is 16,384): not a table, whatever its header says.
MAX_COLUMNS = 16_384
#: How far the header line is read (a header of 16,384 long column names fits).
MAX_HEADER_BYTES = 8 * 1024 * 1024

_BOMS = {b"\xef\xbb\xbf": "utf-8", b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}


def text_encoding(head: bytes) -> str:
    """``utf-8``, ``utf-16-le`` or ``utf-16-be``: from a byte-order mark, else from where the zero bytes of
    UTF-16 text fall (ASCII text in UTF-16 has a zero in every other byte)."""
    for bom, encoding in _BOMS.items():
        if head.startswith(bom):
            return encoding
    sample = head[:4096]
    if len(sample) >= 8:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "utf-16-be"
    return "utf-8"


def utf16_codec(head: bytes, encoding: str) -> str:
    """The codec for UTF-16 text detected as ``encoding``: ``utf-16`` when a byte-order mark gives the order
    (the codec then removes it), else the detected ``utf-16-le``/``-be``."""
    return "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else encoding


def decoded_head(raw: bytes) -> str:
    """The first bytes of a text file as text, for sniffing: BOM removed, UTF-16 decoded, a multi-byte character
    cut by the head's end dropped, Latin-1 as a fallback (sniffing never fails on encoding)."""
    encoding = text_encoding(raw)
    if encoding.startswith("utf-16"):
        return raw.decode(utf16_codec(raw, encoding), "replace")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 4:  # a multi-byte character cut by the head's end
            return raw[: exc.start].decode("utf-8")
        return raw.decode("latin-1")


#: Delimiters tried on a text file whose delimiter no layout fixes (most fields wins).
DELIMITERS = (",", ";", "\t", "|")


def top_records(path: str | Path, rows: int, *, head_bytes: int = 256 * 1024) -> tuple[str, list[list[str]]]:
    """The delimiter and the first ``rows`` records of a delimited text file (whole lines of its first
    ``head_bytes`` only), for finding a header by its labels. The delimiter is the one of :data:`DELIMITERS`
    that splits the records into the most fields."""
    with open(path, "rb") as fh:
        raw = fh.read(head_bytes)
    text = decoded_head(raw)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(raw) == head_bytes and len(lines) > 1:
        lines = lines[:-1]  # the last line was cut by the head's end
    lines = lines[:rows]
    best: tuple[int, str, list[list[str]]] = (0, ",", [])
    for delimiter in DELIMITERS:
        try:
            records = list(csv.reader((line.replace("\x00", " ") for line in lines), delimiter=delimiter))
        except csv.Error:
            continue
        width = max((len(r) for r in records), default=0)
        if width > best[0]:
            best = (width, delimiter, records)
    return best[1], best[2]


def read_delimited(
    path: str | Path, *, delimiter: str, header_row: int, as_text: bool = True
) -> pl.DataFrame:
    """A delimited text file read below its header (``header_row``: 1-based line), every cell as text
    (``as_text``), or each column holding numbers as numbers (written with thousands separators too, as
    spreadsheet programs save them; its other cells null). Empty cells are null; short records are padded."""
    data, _ = utf8_text(Path(path).read_bytes(), path)
    frame = pl.read_csv(
        data,
        separator=delimiter,
        skip_rows=header_row - 1,
        has_header=True,
        infer_schema=False,
        quote_char='"',
        truncate_ragged_lines=True,
        encoding="utf8-lossy",
    )
    if as_text:
        return frame
    return frame.with_columns(_as_number(frame[c]) for c in frame.columns)


_NUMBER = r"^[+-]?(([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"


def _as_number(column: pl.Series) -> pl.Series:
    """A text column holding numbers (``1,234.5`` too) as numbers, its other cells null (as a spreadsheet's
    typed read gives them); a column without numbers unchanged."""
    text = column.str.strip_chars()
    numeric = text.str.contains(_NUMBER).fill_null(False)
    if not numeric.any():
        return column
    values = text.str.replace_all(",", "").cast(pl.Float64, strict=False)
    both = pl.DataFrame({"numeric": numeric, "value": values})
    return both.select(pl.when("numeric").then("value").alias(column.name)).to_series()


def utf8_text(data: bytes, path: str | Path) -> tuple[bytes, list[str]]:
    """The file's bytes as UTF-8 text with LF (or CRLF) line ends, and notes saying what was converted.

    UTF-16 is transcoded; CR-only line ends become LF. Line numbers are unchanged by both. Any other text that
    is not UTF-8 is refused (:func:`not_utf8`), never read lossily: which 8-bit code page a file was saved in
    (Windows-1252, 1250, Mac Roman...) cannot be told from its bytes, and a guess would change names silently
    (``Côte d'Ivoire`` read as ``C�te d'Ivoire``, a country no longer mapped).
    """
    notes = []
    encoding = text_encoding(data[:4096])
    if encoding.startswith("utf-16"):
        try:
            text = data.decode(utf16_codec(data, encoding))
        except UnicodeDecodeError as exc:
            raise InputError(
                f"this file is UTF-16 text, but bytes {data[exc.start : exc.end]!r} are not valid UTF-16",
                path=path,
                hint="re-save it as UTF-8 (CSV UTF-8 in Excel)",
            ) from None
        data = text.encode("utf-8")
        notes.append("read as UTF-16 text (transcoded to UTF-8)")
    else:
        problem = not_utf8(data, path)
        if problem is not None:
            raise problem
    if b"\r" in data and b"\n" not in data:
        data = data.replace(b"\r", b"\n")
        notes.append("CR-only line ends (Excel's CSV for Macintosh) read as line ends")
    return data, notes


def not_utf8(data: bytes, path: str | Path) -> InputError | None:
    """The error for text that is not UTF-8 (None when it is): the first bytes that are not, their line, and how
    to re-save the file. Every delimited loader refuses such a file the same way (through :func:`utf8_text`)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        context = data[max(data.rfind(b"\n", 0, exc.start) + 1, exc.start - 30) : exc.end + 10]
        return InputError(
            f"bytes {data[exc.start : exc.end]!r} are not UTF-8 text (in {context!r}): the file was saved in an "
            '8-bit code page (Windows-1252, as Excel\'s "CSV (Comma delimited)" writes, or another), which '
            "cannot be told from its bytes",
            path=path,
            row=line,
            column=_column_at(data, exc.start) if line > 1 else None,
            hint='re-save it as UTF-8 (Excel: "CSV UTF-8 (Comma delimited)"), or load the workbook itself',
        )
    return None


def _column_at(data: bytes, offset: int) -> str | None:
    """The header label of the field holding byte ``offset`` of a line below the header (the header is the first
    line; its delimiter the one of :data:`DELIMITERS` splitting it most); None when it cannot be told (a field
    beyond the header's, a quoted field spanning lines)."""
    header_end = data.find(b"\n")
    start = data.rfind(b"\n", 0, offset) + 1
    if header_end < 0 or start <= header_end:
        return None
    # the bytes before the first that is not UTF-8 are UTF-8 text
    header = data[:header_end].decode("utf-8").rstrip("\r")
    delimiter = max(DELIMITERS, key=lambda d: len(split_line(header, d)))
    labels = header_cells(header, delimiter)
    index = len(split_line(data[start:offset].decode("utf-8") + "x", delimiter)) - 1
    # the header's own fields only (not a title line above it: a line of as many fields; Latin-1 keeps every byte
    # one character, so the delimiters and quotes of the whole line are where its bytes put them)
    end = data.find(b"\n", offset)
    whole = data[start : end if end >= 0 else len(data)].decode("latin-1").rstrip("\r")
    if len(labels) < 2 or len(split_line(whole, delimiter)) != len(labels):
        return None
    if not 0 <= index < len(labels) or not labels[index]:
        return None
    return labels[index]


def split_line(line: str, delimiter: str) -> list[str]:
    """The fields of one line as a CSV reader splits them. A stray CR or NUL inside the line is kept in its field
    as a space (the csv module refuses such a line; the parsers that read the data keep the field)."""
    cleaned = line.replace("\r", " ").replace("\n", " ").replace("\x00", " ")
    return next(csv.reader([cleaned], delimiter=delimiter), [])


#: Each delimiter's name, for notes ("delimited by semicolons, not commas").
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

_Layout = TypeVar("_Layout")


def header_cells(line: str, delimiter: str) -> list[str]:
    """A header line's labels as written (a byte-order mark and surrounding blanks removed)."""
    return [cell.strip().lstrip("\ufeff").strip() for cell in split_line(line, delimiter)]


def header_delimiter(
    line: str, recognise: Callable[[list[str]], _Layout | None]
) -> tuple[str, list[str], _Layout] | None:
    """The delimiter that makes a header line a layout a loader knows: of :data:`DELIMITERS`, in order (comma
    first), the first found in the line whose split ``recognise`` names a layout; with the labels and that
    layout. None when none does. The one way the delimited loaders (TIP tiers, CTDC) tell a file saved with
    semicolons, tabs or pipes (as spreadsheet programs save CSV in some locales); the line is split once per
    delimiter tried."""
    for delimiter in DELIMITERS:
        if delimiter not in line:
            continue
        cells = header_cells(line, delimiter)
        layout = recognise(cells)
        if layout is not None:
            return delimiter, cells, layout
    return None


def check_quotes(data: bytes, path: str | Path) -> None:
    """A clear error for a file whose quotes do not pair up (a parser would read the rest as one field)."""
    if data.count(b'"') % 2:
        raise InputError(
            "a quoted field is never closed (the file has an odd number of '\"' characters)", path=path
        )


def check_width(columns: int, path: str | Path) -> None:
    """A clear error for a header wider than any spreadsheet."""
    if columns > MAX_COLUMNS:
        raise InputError(
            f"the header has {columns:,} columns, more than any spreadsheet holds ({MAX_COLUMNS:,}): "
            "not a table this toolkit reads",
            path=path,
            row=1,
        )


@dataclasses.dataclass
class Scan:
    """The data records of a file (the header record excluded)."""

    lines: np.ndarray  # line number of each data record (header = line 1)
    field_counts: np.ndarray
    blank: np.ndarray  # bool: the record is an empty line


def scan_records(data: bytes | np.ndarray, delimiter: str) -> Scan:
    """Fields per record from delimiters and line ends outside quoted fields, vectorised.

    A delimiter or line end lies inside a quoted field when an odd number of quote characters precede it
    (an escaped quote ``""`` adds two, so the parity holds).
    """
    buf = np.frombuffer(data, dtype=np.uint8) if isinstance(data, bytes) else data
    start = 3 if buf[:3].tobytes() == b"\xef\xbb\xbf" else 0
    all_newlines = np.flatnonzero(buf == ord("\n"))
    newlines = all_newlines
    delims = np.flatnonzero(buf == ord(delimiter))
    quotes = np.flatnonzero(buf == ord('"'))
    if quotes.size:
        newlines = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
        delims = delims[np.searchsorted(quotes, delims) % 2 == 0]
    ends = newlines if buf.size and buf[-1] == ord("\n") else np.append(newlines, buf.size)
    starts = np.concatenate(([start], ends[:-1] + 1))
    fields = np.searchsorted(delims, ends) - np.searchsorted(delims, starts) + 1
    length = ends - starts
    first_byte = buf[np.minimum(starts, max(buf.size - 1, 0))]
    blank = (length == 0) | ((length == 1) & (first_byte == ord("\r")))
    lines = np.searchsorted(all_newlines, starts) + 1
    return Scan(lines=lines[1:].astype(np.int64), field_counts=fields[1:], blank=blank[1:])


def text_checks(
    path: str | Path, delimiter: str, header_row: int, rows: pl.Series
) -> tuple[pl.DataFrame, list[str]]:
    """For a loader that reads a delimited file through :func:`read_delimited` (UNODC, GSI), from one more read
    of the file: the :func:`field_count_issues` of the records it read (``rows``: their line numbers), and the
    notes of :func:`utf8_text` (``read as UTF-16 text``, CR-only line ends: every delimited loader says what was
    converted in the same words)."""
    data, notes = utf8_text(Path(path).read_bytes(), path)
    issues = field_count_issues(data, delimiter, header_row)
    return issues.join(rows.alias("row").to_frame(), on="row", how="semi"), notes


def field_count_issues(data: bytes, delimiter: str, header_row: int) -> pl.DataFrame:
    """Rejects for the records below the header of a delimited file's text (``data``, UTF-8 as
    :func:`utf8_text` gives it; ``header_row``: the header's 1-based line) that
    :func:`read_delimited`'s parser would misread, by the file's line numbers: a record with more fields than the
    header, text in one beyond them (a name with an unquoted delimiter: every later cell shifted, the last ones
    cut; a trailing delimiter, an empty field beyond them, cuts nothing), and a last record
    with fewer that ends the file without a line end (a download cut short, ``Zimbabwe,148``: its figures cut).
    A shorter record followed by a line end is read padded with empty cells, as written by hand (trailing empty
    cells left out). Blank lines are none."""
    if header_row > 1:
        data = data.split(b"\n", header_row - 1)[-1]
    header = data.split(b"\n", 1)[0].decode("utf-8", "replace").removesuffix("\r").lstrip("\ufeff")
    if not data.strip() or data.count(b'"') % 2:  # quotes that do not pair up: the parser's reading stands
        return empty_issues()
    scan = scan_records(data, delimiter)
    ncols = len(split_line(header, delimiter))
    check = ~scan.blank & (scan.field_counts > ncols)
    if check.any():  # only fields beyond the header's that hold text: a trailing delimiter cuts nothing
        check &= _beyond_filled(data, delimiter, ncols, check.size)
    if scan.lines.size and not data.endswith(b"\n"):  # the file ends inside its last record
        check[-1] = not scan.blank[-1]
    return field_count_rejects(scan.lines[check] + header_row - 1, scan.field_counts[check], ncols)


def lines_with_text_beyond(path: str | Path, delimiter: str, header_row: int) -> np.ndarray:
    """The lines of a delimited file's records with text in a field beyond the header's (:func:`field_count_issues`'
    "too many fields"): a parser reading the header's fields may see such a row empty, but it holds something
    (rejected for its fields), never a row to leave out as holding nothing (:func:`without_empty_records`'
    ``keep``). For the loaders reading through :func:`read_delimited` (UNODC, GSI)."""
    data, _ = utf8_text(Path(path).read_bytes(), path)
    issues = field_count_issues(data, delimiter, header_row)
    return issues.filter(pl.col("reason").str.starts_with("too many fields"))["row"].to_numpy()


def _beyond_filled(data: bytes, delimiter: str, ncols: int, records: int) -> np.ndarray:
    """Whether each record below the header line of ``data`` (``records`` of them, as :func:`scan_records`
    counts them) has text in a field beyond the header's ``ncols``; all true when the text cannot be split."""
    filled = np.ones(records, dtype=bool)
    try:
        reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=delimiter)
        next(reader, None)
        for index, record in enumerate(reader):
            if index < records:
                filled[index] = any(field.strip() for field in record[ncols:])
    except (csv.Error, UnicodeDecodeError):
        return np.ones(records, dtype=bool)
    return filled


def line_list(numbers: np.ndarray, unit: str = "line") -> str:
    """``line 5, 9, 12`` for a note: the first ten line numbers, ``...`` after them when there are more
    (``unit``: ``row`` for a sheet's rows)."""
    return f"{unit} " + ", ".join(str(n) for n in numbers[:10]) + (" ..." if numbers.size > 10 else "")


def empty_records(frame: pl.DataFrame, exclude: Sequence[str] = ("source_row",)) -> np.ndarray:
    """Whether each record of ``frame`` holds nothing: every field (but ``exclude``) empty or blanks only. A
    spreadsheet program saves rows whose cells were cleared (or formatted only) as rows of delimiters
    (``,,,,``): no record, as a workbook's empty sheet rows are none, whatever the layout reads an empty cell as."""
    schema = frame.schema  # built once: polars builds a new one on each ``frame.schema``
    columns = [c for c in schema if c not in exclude]
    if not columns or frame.is_empty():
        return np.zeros(frame.height, dtype=bool)
    text = [c for c in columns if schema[c] == pl.String]
    empty = [pl.col(c).is_null() for c in columns if schema[c] != pl.String]
    if text:
        # the record's text fields joined (missing ones skipped) are blanks only exactly when each of them is:
        # one strip per record, not one per field
        joined = pl.concat_str(text, ignore_nulls=True)
        empty.append((joined.str.strip_chars().str.len_bytes() == 0).fill_null(True))
    return frame.select(pl.all_horizontal(empty)).to_series().to_numpy()


def overflowing_text(data: bytes | np.ndarray, scan: Scan, delimiter: str, ncols: int) -> np.ndarray:
    """Whether each record of ``scan`` (:func:`scan_records` of ``data``) has more fields than the header's
    ``ncols`` and, on its line, a character other than delimiters, blanks and quotes: text beyond the header's
    last field where its first ``ncols`` fields are empty. Such a row holds something (rejected for its number
    of fields), never one to leave out as holding nothing (:func:`without_empty_records`' ``keep``), though a
    parser reading ``ncols`` fields sees it empty."""
    buf = np.frombuffer(data, dtype=np.uint8) if isinstance(data, bytes) else data
    found = np.zeros(scan.lines.size, dtype=bool)
    over = np.flatnonzero(scan.field_counts > ncols)
    if not over.size:
        return found
    newlines = np.flatnonzero(buf == ord("\n"))
    for index in over:
        line = int(scan.lines[index])  # 1-based, line 1 the header: the record starts after newline line - 1
        start = int(newlines[line - 2]) + 1
        end = int(newlines[line - 1]) if line - 1 < newlines.size else buf.size
        text = buf[start:end].tobytes().decode("utf-8", "replace")
        found[index] = bool(text.replace(delimiter, "").replace('"', "").strip())
    return found


def blank_lines_note(lines: np.ndarray) -> str:
    """The note of the blank lines a loader left out, by their line numbers."""
    return f"{lines.size} blank line(s) ignored (no record): {line_list(lines)}"


def without_empty_records(
    frame: pl.DataFrame,
    *,
    unit: str = "line",
    exclude: Sequence[str] = ("source_row",),
    row_column: str = "source_row",
    keep: np.ndarray | Sequence[int] = (),
) -> tuple[pl.DataFrame, np.ndarray, list[str]]:
    """``frame`` without its records that hold nothing (:func:`empty_records`), wherever they stand (among
    the records or below them: a spreadsheet's cleared rows), with the ``source_row`` of those left out and
    the note naming them (none without any). The one way every loader leaves such rows out: a CSV and the
    workbook it was saved from read alike, the rows counted (``LoadedTable.rows_left_out``) and named by
    ``unit`` (``line`` of a text file, ``row`` of a sheet) from ``row_column``; never those of ``keep`` (rows
    holding text the frame does not show: :func:`overflowing_text`)."""
    empty = empty_records(frame, exclude)
    if len(keep):
        empty &= ~np.isin(frame[row_column].to_numpy(), np.asarray(keep))
    if not empty.any():
        return frame, np.zeros(0, dtype=np.int64), []
    rows = frame[row_column].to_numpy()[empty]
    return frame.filter(pl.Series(~empty)), rows, [empty_records_note(rows, unit)]


def empty_records_note(lines: np.ndarray, unit: str = "line") -> str:
    """The note of the records :func:`empty_records` left out, by their line (``unit``: or sheet row) numbers."""
    if unit == "line":
        what = "empty row(s) ignored (no record: every field empty, a row of delimiters only)"
    else:
        what = "empty sheet row(s) ignored (no record: every cell empty)"
    return f"{lines.size} {what}: " + line_list(lines, unit)


def field_count_rejects(lines: np.ndarray, field_counts: np.ndarray, ncols: int) -> pl.DataFrame:
    """One reject per record whose number of fields is not the header's ``ncols``."""
    bad = field_counts != ncols
    if not bad.any():
        return empty_issues()
    return issues_frame(
        pl.DataFrame(
            {
                "row": lines[bad],
                "column": [None] * int(bad.sum()),
                "value": [f"{n} fields" for n in field_counts[bad]],
                "reason": np.where(
                    field_counts[bad] < ncols,
                    f"truncated row (fewer fields than the header's {ncols})",
                    f"too many fields (more than the header's {ncols})",
                ),
            }
        )
    )


#: How much of a note line's text the load's notes show (as ``repr`` shows it: a control or bidi character
#: escaped, never acted on), and how many note lines they name.
NOTE_TEXT_CHARS = 60
NOTES_SHOWN = 10

#: Text that reads as prose, as a note typed on a line of its own below a table does (``Source: UNODC``, ``A note``,
#: ``* Data refer to…``): two words of letters with a space between them; a code cut short there (``MSS 0999``,
#: ``Case 12``, ``THA``) is no prose (a record cut short, rejected as such).
PROSE = r"[^\W\d_]\W*\s\W*[^\W\d_]"

_NOTE_CANDIDATES_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(),
    "column": pl.String(),
    "text": pl.String(),
}


def text_rows_at_end(
    frame: pl.DataFrame, *, exclude: Sequence[str] = ("source_row",), row_column: str = "source_row"
) -> pl.DataFrame:
    """The block of rows at the end of ``frame`` (its rows holding nothing already left out) that each hold text
    in one cell only, every other cell empty: where publishers write notes below a table (``Source: UNODC,
    Global Report on Trafficking in Persons 2024``, ``Note: figures for 2022 are provisional``, ``Terms of
    use: …``). Its ``row`` (``row_column``), ``column`` and ``text`` (stripped); a text cell is one with a
    letter (``1,234`` is a figure). Only such rows at the end are looked at, from the last row up, a few at a
    time: a text-only row among the records is no note (a broken record, rejected as such). The loader tells,
    by the rejects of its own checks, which of them are notes (:func:`notes_below`)."""
    columns = [c for c in frame.columns if c not in exclude]
    if not columns or frame.is_empty():
        return pl.DataFrame(schema=_NOTE_CANDIDATES_SCHEMA)
    # the last rows' cells in Python: a few rows, where an expression over every column costs a plan (milliseconds
    # on a wide layout) for every file, noted or not
    size = 8
    while True:
        tail = frame.tail(size)
        found: list[tuple[int, str, str]] = []
        for row, cells in zip(
            reversed(tail.get_column(row_column).to_list()),
            reversed(tail.select(columns).rows()),
            strict=True,
        ):
            held = [
                (c, text)
                for c, v in zip(columns, cells, strict=True)
                if v is not None and (text := str(v).strip())
            ]
            if len(held) != 1 or not any(ch.isalpha() for ch in held[0][1]):
                break
            found.append((row, *held[0]))
        else:
            if size < frame.height:
                size *= 4
                continue
        return pl.DataFrame(found[::-1], schema=_NOTE_CANDIDATES_SCHEMA, orient="row")


def notes_below(
    candidates: pl.DataFrame,
    rejects: pl.DataFrame,
    *,
    unit: str = "line",
    is_note: pl.Expr | None = None,
) -> tuple[pl.DataFrame, int, list[str]]:
    """``rejects`` without the note lines below the table, how many there are, and the note naming them (none
    without any). Of ``candidates`` (:func:`text_rows_at_end`), the notes are the last rows each rejected for
    the text of its cell: a reject of the row naming the cell's column (the column cannot hold that text, or
    the layout reads no such column), or, with ``is_note``, one it holds for (an expression over the reject's
    ``column``, ``value`` and ``reason`` and the candidate's ``note_column`` and ``text``). A note line is no
    record: neither kept nor rejected, but left out (``LoadedTable.rows_left_out``), counted and named with
    its text, as a blank row is; a release with a source line below its table loads whole. A text row whose
    text its column could hold (a name, a category) stays the record it is, and every row above it too."""
    if candidates.is_empty() or rejects.is_empty():
        return rejects, 0, []
    told = pl.col("column") == pl.col("note_column") if is_note is None else is_note
    noted = (
        candidates.rename({"column": "note_column"})
        .join(rejects, on="row", how="inner")
        .filter(told.fill_null(False))
        .get_column("row")
        .unique()
    )
    found = candidates.get_column("row").is_in(noted.implode()).to_numpy()
    misses = np.flatnonzero(~found)
    notes = candidates.slice(int(misses[-1]) + 1 if misses.size else 0)
    if notes.is_empty():
        return rejects, 0, []
    rows = notes.get_column("row")
    return rejects.filter(~pl.col("row").is_in(rows.implode())), notes.height, [note_lines_note(notes, unit)]


def note_lines_note(notes: pl.DataFrame, unit: str = "line") -> str:
    """The note of the note lines a loader left out below its table, each by its line (``unit``: or sheet row)
    and its text, shortened (:data:`NOTE_TEXT_CHARS`) and quoted as ``repr`` writes it (the file's text is
    untrusted: a control or bidi character shows escaped; the places that show notes escape them again)."""
    shown = ", ".join(
        f"{unit} {row} {_shortened(text)!r}"
        for row, text in notes.head(NOTES_SHOWN).select("row", "text").iter_rows()
    )
    more = f" and {notes.height - NOTES_SHOWN} more" if notes.height > NOTES_SHOWN else ""
    lines = "note line" if notes.height == 1 else "note lines"
    return f"{notes.height} {lines} below the table left out (not records): {shown}{more}"


def _shortened(text: str) -> str:
    return text if len(text) <= NOTE_TEXT_CHARS else text[: NOTE_TEXT_CHARS - 1].rstrip() + "…"
