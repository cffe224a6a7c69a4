"""Reading publishers' workbooks: find the header row cheaply, then read the sheet fast.

Publishers put titles, dates and notes above the header, so a loader first *peeks* at the top rows (openpyxl in
read-only mode streams only the start of a sheet, where calamine would parse the whole sheet) and then reads
the sheet with calamine (``fastexcel``), many times faster than openpyxl for the full read.
Row numbers given to users are the sheet's own (1-based, as Excel shows them).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from evidence.core.errors import InputError

#: How many top rows are searched for a header.
PEEK_ROWS = 12


def peek_rows(
    path: str | Path, sheets: Sequence[str], n: int = PEEK_ROWS
) -> dict[str, list[tuple[Any, ...]]]:
    """The first ``n`` rows of each named sheet as tuples of cell values (row 1 first, empty rows included)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a damaged or password-protected workbook
        raise InputError(f"cannot read the workbook: {exc}", path=path) from exc
    try:
        return {
            sheet: [tuple(row) for row in wb[sheet].iter_rows(min_row=1, max_row=n, values_only=True)]
            for sheet in sheets
            if sheet in wb.sheetnames
        }
    finally:
        wb.close()


def normalise_label(value: Any) -> str:
    """A header cell as compared by sniffers: text, whitespace collapsed, case folded."""
    return " ".join(str(value).split()).casefold() if value is not None else ""


@dataclasses.dataclass(frozen=True)
class HeaderMatch:
    """Where :func:`find_header` found the header: its sheet and row, and the rows peeked above and at it."""

    sheet: str
    header_row: int  # 1-based sheet row of the header
    top_rows: tuple[tuple[Any, ...], ...]  # the peeked rows (row 1 first)


def find_header(
    path: str | Path, sheets: Iterable[str], required: Sequence[str], *, max_sheets: int = 4
) -> HeaderMatch | None:
    """The first sheet (of at most ``max_sheets``) with a top row containing every ``required`` label.

    Peeking costs about a second on a large workbook (openpyxl reads all shared strings), so workbooks that do
    not even contain the labels are turned away by a byte search first, and a match is remembered for the
    same unchanged file (a sniffer and then its loader ask the same question).
    """
    path = Path(path)
    stat = path.stat()
    return _find_header(
        str(path), stat.st_mtime_ns, stat.st_size, tuple(sheets)[:max_sheets], tuple(required)
    )


@functools.lru_cache(maxsize=32)
def _find_header(
    path: str, mtime_ns: int, size: int, sheets: tuple[str, ...], required: tuple[str, ...]
) -> HeaderMatch | None:
    if not workbook_mentions(path, required):
        return None
    wanted = {normalise_label(label) for label in required}
    for sheet, rows in peek_rows(path, list(sheets)).items():
        for index, row in enumerate(rows):
            if wanted <= {normalise_label(cell) for cell in row}:
                return HeaderMatch(sheet=sheet, header_row=index + 1, top_rows=tuple(rows))
    return None


_SHEET_HEAD_BYTES = 256 * 1024


def workbook_mentions(path: str | Path, labels: Iterable[str]) -> bool:
    """Whether every label occurs as text in the workbook (its shared strings or the start of a sheet).

    A cheap, conservative pre-check: a False is certain; a True still needs the header to be found.
    """
    import html
    import zipfile

    tokens = {html.escape(label, quote=False).encode("utf-8") for label in labels}
    found: set[bytes] = set()
    try:
        with zipfile.ZipFile(path) as book:
            for name in book.namelist():
                is_strings = name == "xl/sharedStrings.xml"
                if not (is_strings or (name.startswith("xl/worksheets/") and name.endswith(".xml"))):
                    continue
                with book.open(name) as member:
                    chunk = member.read() if is_strings else member.read(_SHEET_HEAD_BYTES)
                found |= {token for token in tokens if token in chunk}
                if found == tokens:
                    return True
    except (OSError, zipfile.BadZipFile):
        return False
    return False


def read_sheet(
    path: str | Path, match: HeaderMatch, *, dtypes: str | dict[str, str] | None = None
) -> tuple[pl.DataFrame, int]:
    """Read the sheet below the header found by :func:`find_header`.

    Returns the frame (columns named by the header, whitespace in names collapsed) and the sheet row of its
    first data row. ``dtypes`` as fastexcel takes them (``"string"`` reads every cell as text); by default
    calamine infers each column's type.
    """
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        # fastexcel counts header_row from the sheet's first row (0-based), not from its first non-empty row.
        sheet = reader.load_sheet(match.sheet, header_row=match.header_row - 1, dtypes=dtypes)
        frame = sheet.to_polars()
    except Exception as exc:
        raise InputError(f"cannot read sheet {match.sheet!r}: {exc}", path=path) from exc
    frame = frame.rename({c: " ".join(c.split()) for c in frame.columns})
    return frame, match.header_row + 1


def column_for(frame: pl.DataFrame, label: str) -> str:
    """The frame's column whose name matches ``label`` (case and whitespace insensitive)."""
    wanted = normalise_label(label)
    for column in frame.columns:
        if normalise_label(column) == wanted:
            return column
    raise KeyError(label)
