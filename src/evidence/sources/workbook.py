"""Reading publishers' workbooks without trusting what a workbook says about itself.

A workbook declares its sheets' sizes (``<dimension ref="A1"/>`` in a release whose sheet holds 46,000 rows),
names its sheets as its author liked, and puts titles, dates and notes above its header. So the header is found
by its *content*: the top rows of every sheet are peeked once per file (openpyxl streaming only the start of
each sheet, with the declared dimension reset, so every cell of those rows is seen), and every sniffer and
loader asks that one :class:`WorkbookHead`. The table is then read with calamine (``fastexcel``), which builds
its range from the cells themselves and is many times faster than openpyxl for a full read.

A file that is not a whole workbook (a download cut short, a damaged zip) is one clear error:
:data:`DAMAGED`. Row numbers given to users are the sheet's own (1-based, as Excel shows them).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from evidence.core.errors import InputError

#: How many top rows of each sheet are searched for a header (titles and notes may stand above it).
PEEK_ROWS = 40
#: How many sheets are peeked (a publisher's data sheet is never far down a workbook).
MAX_SHEETS = 60
#: Excel's own limit: no sheet a spreadsheet can open has more columns.
MAX_COLUMNS = 16_384

DAMAGED = "the workbook is damaged or incomplete"
DAMAGED_HINT = "download it again, or open and re-save it in a spreadsheet program"


@dataclasses.dataclass(frozen=True)
class SheetHead:
    """The first :data:`PEEK_ROWS` rows of one sheet (row 1 first; a missing row is an empty tuple)."""

    name: str
    rows: tuple[tuple[Any, ...], ...]


@dataclasses.dataclass(frozen=True)
class WorkbookHead:
    """Every sheet's name (in workbook order) and top rows."""

    sheets: tuple[SheetHead, ...]

    @property
    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.sheets]


def workbook_head(path: str | Path) -> WorkbookHead:
    """The top rows of every sheet, read once per unchanged file (sniffers and loaders share it).

    Raises :class:`InputError` (:data:`DAMAGED`) when the file is not a whole, readable workbook.
    """
    path = Path(path)
    stat = path.stat()
    return _workbook_head(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _workbook_head(path: str, mtime_ns: int, size: int) -> WorkbookHead:
    try:
        return _peek_with_openpyxl(path)
    # openpyxl is strict about parts calamine reads (styles, strict XML); anything it raises means "try calamine"
    except Exception as openpyxl_error:  # noqa: BLE001
        try:
            return _peek_with_calamine(path)
        except Exception as calamine_error:
            raise InputError(
                f"{DAMAGED} ({_describe(openpyxl_error)})", path=path, hint=DAMAGED_HINT
            ) from calamine_error


def _describe(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


def _peek_with_openpyxl(path: str) -> WorkbookHead:
    import warnings

    import openpyxl

    with warnings.catch_warnings():
        # openpyxl warns about parts it does not read (data validation, extensions): irrelevant to values
        warnings.simplefilter("ignore", UserWarning)
        book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
        try:
            sheets = []
            for sheet in book.worksheets[:MAX_SHEETS]:
                if not hasattr(sheet, "iter_rows"):  # a chart sheet holds no cells
                    sheets.append(SheetHead(sheet.title, ()))
                    continue
                # the declared <dimension> may be wrong (one cell for a whole table): read what is there
                sheet.reset_dimensions()
                rows = itertools.islice(sheet.iter_rows(max_row=PEEK_ROWS, values_only=True), PEEK_ROWS)
                sheets.append(SheetHead(sheet.title, tuple(_trimmed(row) for row in rows)))
        finally:
            book.close()
    return WorkbookHead(tuple(sheets))


def _peek_with_calamine(path: str) -> WorkbookHead:
    """The same head through calamine, for workbooks openpyxl refuses (it reads whole sheets: slower)."""
    import fastexcel

    reader = fastexcel.read_excel(path)
    sheets = []
    for name in list(reader.sheet_names)[:MAX_SHEETS]:
        # header_row=0 is the sheet's first row (counted from A1, not from the first non-empty row)
        sheet = reader.load_sheet(name, header_row=0, n_rows=PEEK_ROWS - 1, dtypes="string")
        first = tuple(None if str(c).startswith("__UNNAMED__") else c for c in sheet.column_names)
        rest = sheet.to_polars().rows()
        sheets.append(SheetHead(name, tuple(_trimmed(row) for row in [first, *rest])))
    return WorkbookHead(tuple(sheets))


def _trimmed(row: Sequence[Any]) -> tuple[Any, ...]:
    """A row without its trailing empty cells (formatting can stretch a row to 16,384 empty cells)."""
    end = len(row)
    while end and (row[end - 1] is None or (isinstance(row[end - 1], str) and not row[end - 1].strip())):
        end -= 1
    return tuple(row[: min(end, MAX_COLUMNS)])


def normalise_label(value: Any) -> str:
    """A header cell as compared by sniffers: text, whitespace collapsed, case folded."""
    return " ".join(str(value).split()).casefold() if value is not None else ""


@dataclasses.dataclass(frozen=True)
class HeaderMatch:
    """Where :func:`find_header` found the header: its sheet and row, and the rows peeked above and at it."""

    sheet: str
    header_row: int  # 1-based sheet row of the header
    top_rows: tuple[tuple[Any, ...], ...]  # the peeked rows (row 1 first)

    @property
    def header(self) -> tuple[Any, ...]:
        """The header row's cells."""
        return self.top_rows[self.header_row - 1]


def find_header(
    path: str | Path,
    required: Sequence[str],
    *,
    prefer: Callable[[str], bool] | None = None,
    by_start: bool = False,
) -> HeaderMatch | None:
    """The first row (of the top rows of any sheet) holding every ``required`` label, else None.

    Sheets are searched in workbook order, those ``prefer`` picks first; their names are never required.
    Labels compare case- and whitespace-insensitively, whole or (``by_start``) as the start of a cell.
    """
    head = workbook_head(path)
    sheets = sorted(head.sheets, key=lambda sheet: not prefer(sheet.name)) if prefer else head.sheets
    wanted = [normalise_label(label) for label in required]
    for sheet in sheets:
        for index, row in enumerate(sheet.rows):
            cells = {normalise_label(cell) for cell in row if cell is not None}
            if all(_has_label(cells, label, by_start) for label in wanted):
                return HeaderMatch(sheet=sheet.name, header_row=index + 1, top_rows=sheet.rows)
    return None


def best_partial_header(
    path: str | Path,
    labels: Sequence[str],
    *,
    by_start: bool = False,
    share: float = 0.5,
    sheet: Callable[[str], bool] | None = None,
) -> tuple[str, int, list[str]] | None:
    """The top row holding the most of ``labels``: its sheet, row and the labels it lacks, for telling a user
    what a near miss lacks. Only rows holding at least ``share`` of the labels count (any row of the sheets
    ``sheet`` picks); None when there is no such row."""
    wanted = [(normalise_label(label), label) for label in labels]
    best: tuple[str, int, list[str]] | None = None
    for head in workbook_head(path).sheets:
        picked = sheet is not None and sheet(head.name)
        for index, row in enumerate(head.rows):
            cells = {normalise_label(cell) for cell in row if cell is not None}
            missing = [label for key, label in wanted if not _has_label(cells, key, by_start)]
            enough = picked or len(wanted) - len(missing) >= share * len(wanted)
            if enough and len(missing) < len(wanted) and (best is None or len(missing) < len(best[2])):
                best = (head.name, index + 1, missing)
    return best


def _has_label(cells: set[str], label: str, by_start: bool) -> bool:
    return label in cells or (by_start and any(cell.startswith(label) for cell in cells))


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
        raise InputError(
            f"{DAMAGED}: cannot read sheet {match.sheet!r} ({_describe(exc)})", path=path, hint=DAMAGED_HINT
        ) from exc
    return frame.rename(_collapsed_names(frame.columns)), match.header_row + 1


def _collapsed_names(columns: list[str]) -> dict[str, str]:
    """Column names with whitespace collapsed, where that makes no two columns share a name."""
    taken = set(columns)
    renames = {}
    for column in columns:
        name = " ".join(column.split())
        if name != column and name not in taken:
            renames[column] = name
            taken.add(name)
    return renames


def column_for(frame: pl.DataFrame, label: str) -> str:
    """The frame's column whose name matches ``label`` (case and whitespace insensitive)."""
    wanted = normalise_label(label)
    for column in frame.columns:
        if normalise_label(column) == wanted:
            return column
    raise KeyError(label)
