"""Reading publishers' workbooks without trusting what a workbook says about itself.

A workbook declares its sheets' sizes (``<dimension ref="A1"/>`` in a release whose sheet holds 46,000 rows),
names its sheets as its author liked, and puts titles, dates and notes above its header. So the header is found
by its *content*: the top rows of every sheet are peeked once per file (streamed from the sheet's XML, only as
far as those rows, with every cell read whatever the declarations say), and every sniffer and loader asks that
one :class:`WorkbookHead` (a copy of a workbook, or the workbook saved again, is peeked for the parts whose stored
bytes changed only: :func:`_by_content`). The table is then read with calamine (``fastexcel``), which builds
its range from the cells themselves and is many times faster than openpyxl for a full read.

A workbook saved as delimited text (CSV) is searched the same way, as one sheet named "" (:func:`table_head`), and
read with polars (:func:`read_sheet`), so a loader recognises its layout in either form.

A file that is not a whole workbook (a download cut short, a damaged zip) is one clear error:
:data:`DAMAGED`. Row numbers given to users are the sheet's own (1-based, as Excel shows them).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import importlib.util
import re
import struct
import threading
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast
from xml.etree import ElementTree

import polars as pl

from evidence.core.errors import InputError
from evidence.core.text import counted
from evidence.sources.provenance import DEMO_MARKER

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
    """The first :data:`PEEK_ROWS` rows of one sheet (row 1 first; a missing row is an empty tuple).

    A delimited text file (a workbook saved as CSV) is one sheet, named "", with its ``delimiter``."""

    name: str
    rows: tuple[tuple[Any, ...], ...]
    delimiter: str | None = None

    # (every loader's sniffer asks every top row of every sheet: a workbook's 13 sheets hold ~20,000 top cells, made
    # text and keyed once per sheet read, not once per sniffer and load; :func:`_peek` keeps a sheet's head by content)
    @functools.cached_property
    def texts(self) -> tuple[tuple[str, ...], ...]:
        """Each top row's cells as text, stripped ("" for an empty cell)."""
        return tuple(tuple("" if cell is None else str(cell).strip() for cell in row) for row in self.rows)

    def found(self, what: str, find: Callable[[SheetHead], Any]) -> Any:
        """``find(self)``, kept with the sheet as ``what``: what a sniffer finds in a sheet is a function of its top
        rows, and a sheet's head is kept by content (:func:`_peek`), so a workbook read again, or a copy of it whose
        sheet is as it was, is not searched again. ``find`` returns what no one changes (tuples)."""
        kept = self.__dict__.setdefault("_found", {})
        if what not in kept:
            kept[what] = find(self)
        return kept[what]

    @functools.cached_property
    def folded(self) -> str:
        """The top rows' cells (but the empty ones) run together, case folded: a first look for a label in any
        cell (see :func:`key_in_text`)."""
        return "".join(str(cell) for row in self.rows for cell in row if cell is not None).casefold()

    @functools.cached_property
    def cell_keys(self) -> tuple[frozenset[str], ...]:
        """Each top row's cells (but the empty ones) by :func:`header_cell_key`."""
        return tuple(
            frozenset(header_cell_key(cell) for cell in row if cell is not None) for row in self.rows
        )


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


#: What reading a workbook that is damaged or cut short raises (reported as :data:`DAMAGED`).
DAMAGED_ERRORS = (
    OSError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ElementTree.ParseError,
    KeyError,
    ValueError,
    NotImplementedError,  # a compression method zipfile lacks
    RuntimeError,  # an encrypted (password-protected) member
)


@functools.lru_cache(maxsize=16)
def _workbook_head(path: str, mtime_ns: int, size: int) -> WorkbookHead:
    try:
        return _peek(path)
    except DAMAGED_ERRORS as exc:
        raise InputError(f"{DAMAGED} ({_describe(exc)})", path=path, hint=DAMAGED_HINT) from exc


def table_head(path: str | Path) -> WorkbookHead:
    """:func:`workbook_head` of a workbook; of a delimited text file, its top records as one sheet (so that a
    workbook saved as CSV is recognised by the same header)."""
    path = Path(path)
    with open(path, "rb") as fh:
        is_zip = fh.read(4) in (b"PK\x03\x04", b"PK\x05\x06")
    if is_zip:
        return workbook_head(path)
    stat = path.stat()
    return _text_head(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _text_head(path: str, mtime_ns: int, size: int) -> WorkbookHead:
    from evidence.sources.delimited import top_records

    delimiter, records = top_records(path, PEEK_ROWS)
    rows = tuple(tuple(cell if cell != "" else None for cell in record) for record in records)
    return WorkbookHead((SheetHead("", rows, delimiter),))


def _describe(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


# --- the peek: the top rows of every sheet, straight from the workbook's XML ----------------------------------
# Not openpyxl: it trusts cells to be what their type says (a numeric cell holding "NaN" stops it) and, in its
# streaming mode, the declared dimension. Here every value is taken as written, namespaces are ignored (strict
# OOXML reads too), and rows and cells are placed by their references, or by position where a writer omits them.


@functools.lru_cache(maxsize=1024)
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attribute(element: ElementTree.Element, name: str) -> str | None:
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return None


def _peek(path: str) -> WorkbookHead:
    with zipfile.ZipFile(path) as book:
        names = {name.lower(): name for name in book.namelist()}

        def part(name: str) -> str | None:
            return names.get(name.lstrip("/").lower())

        workbook = ElementTree.fromstring(book.read(part("xl/workbook.xml") or "xl/workbook.xml"))
        targets = {}
        rels_part = part("xl/_rels/workbook.xml.rels")
        if rels_part:
            for rel in ElementTree.fromstring(book.read(rels_part)):
                target = rel.get("Target", "")
                targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
        shared_part = next((t for t in targets.values() if t.lower().endswith("sharedstrings.xml")), None)
        shared_name = part(shared_part or "xl/sharedStrings.xml")
        shared_key = _content_key(book, shared_name)
        shared = _by_content(
            ("shared strings", shared_key), lambda: tuple(_shared_strings(book, shared_name))
        )
        styles_part = next((t for t in targets.values() if t.lower().endswith("styles.xml")), "xl/styles.xml")
        styles_name = part(styles_part)
        styles_key = _content_key(book, styles_name)
        date_styles = _by_content(
            ("date styles", styles_key), lambda: MappingProxyType(_date_styles(book, styles_name))
        )
        properties = next((e for e in workbook if _local(e.tag) == "workbookPr"), None)
        epoch = (
            _EPOCH_1904 if properties is not None and properties.get("date1904") in ("1", "true") else _EPOCH
        )
        sheets = []
        entries = [e for e in workbook.iter() if _local(e.tag) == "sheet"][:MAX_SHEETS]
        for entry in entries:
            sheet_part = part(targets.get(_attribute(entry, "id"), ""))
            name, rows = entry.get("name", ""), ()
            sheet = None
            if sheet_part:
                # (what a sheet's top rows read as hangs on its XML, the strings and styles it refers to, the
                # date epoch and how far the peek reads: all of it in the key)
                key = (
                    "top rows",
                    _content_key(book, sheet_part),
                    shared_key,
                    styles_key,
                    epoch,
                    PEEK_ROWS,
                    MAX_COLUMNS,
                )
                rows = _by_content(
                    key, functools.partial(_top_rows, book, sheet_part, shared, date_styles, epoch)
                )
                # (the sheet's head kept too, with what the sniffers made and found of its cells: SheetHead.texts,
                # .found; made from the rows alone, so the same for any workbook holding them)
                sheet = _by_content(("sheet head", name, *key), functools.partial(SheetHead, name, rows))
            sheets.append(SheetHead(name, rows) if sheet is None else sheet)
    return WorkbookHead(tuple(sheets))


# --- a part read once per content: a workbook saved again, or a copy of it, is peeked for its changed parts only
#: How many parts' readings (a sheet's top rows, a workbook's shared strings, its date styles) are kept.
_PARTS_KEPT = 128
_parts_read: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_parts_lock = threading.Lock()
#: The bytes of a zip member's local header before its name (``PK\x03\x04``...), the name and extra field lengths
#: at its end.
_LOCAL_HEADER = struct.Struct("<4s22xHH")
#: Members stored in more bytes are not keyed (read every time, as before): hashing them would cost more than
#: the peek saves (the peek reads a sheet's top rows only: GLOTIP's 2 MB sheet is peeked in 2 ms, hashed in 2.5 ms;
#: the GSI's sheets, 3-140 kB each, take 1-25 ms to peek and a tenth of a millisecond to hash).
_KEYED_SIZE = 1 << 20


def _content_key(
    book: zipfile.ZipFile, name: str | None, *, keyed_size: int = _KEYED_SIZE
) -> tuple[Any, ...] | None:
    """What reading the member ``name`` of ``book`` reads, as a key: its compression, flags, stored CRC-32 and
    sizes and the SHA-256 of its stored (compressed) bytes, all that reading it through ``book.open`` inflates and
    checks. ``("absent",)`` for no member name (read as nothing); None when the member cannot be told (missing,
    damaged, encrypted: then it is read, and fails, as it would without a key) or not worth keying (stored in
    more than ``keyed_size`` bytes: :data:`_KEYED_SIZE` for a part peeked)."""
    if name is None:
        return ("absent",)
    try:
        info = book.getinfo(name)
        if info.compress_size > keyed_size:
            return None
        with book.open(info):  # its local header checked as reading it checks it (a damaged one raises)
            pass
        with open(str(book.filename), "rb") as fh:
            fh.seek(info.header_offset)
            _, name_length, extra_length = _LOCAL_HEADER.unpack(fh.read(_LOCAL_HEADER.size))
            fh.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
            stored = fh.read(info.compress_size)
    except Exception:  # noqa: BLE001 - no key: the member is read as without one, raising what it raises
        return None
    if len(stored) != info.compress_size:
        return None
    digest = hashlib.sha256(stored).digest()
    return (info.compress_type, info.flag_bits, info.CRC, info.file_size, info.compress_size, digest)


def _by_content(key: tuple[Any, ...], read: Callable[[], Any]) -> Any:
    """``read()``, kept by ``key`` (the last :data:`_PARTS_KEPT`): ``read`` must depend on what the key holds only and
    return what no one changes (tuples, frozensets). A key holding None (a part that cannot be told) is not kept;
    what raises is not kept either (read again, it raises again)."""
    if None in key:
        return read()
    with _parts_lock:
        if key in _parts_read:
            _parts_read.move_to_end(key)
            return _parts_read[key]
    value = read()
    with _parts_lock:
        _parts_read[key] = value
        while len(_parts_read) > _PARTS_KEPT:
            _parts_read.popitem(last=False)
    return value


def _shared_strings(book: zipfile.ZipFile, name: str | None) -> list[str]:
    if name is None:
        return []
    strings = []
    with book.open(name) as stream:
        for _, element in ElementTree.iterparse(stream):
            if _local(element.tag) == "si":
                strings.append(_text_of(element))
                element.clear()
    return strings


def _text_of(element: ElementTree.Element) -> str:
    """The text of a string item or inline string: its ``t`` and rich-text runs, without phonetic hints."""
    parts = []
    for child in element:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


#: Excel's built-in number formats that show dates.
_DATE_FORMAT_IDS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
#: The one built-in date format that shows a month and year only (``mmm-yy``: "Jun-25").
_MONTH_FORMAT_IDS = {17}
_EPOCH = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)


class MonthDate(dt.datetime):
    """A date cell whose number format shows its month and year only (``mmmm yyyy``: "June 2025"; ``mmm-yy``):
    the cell says the month; its day is the spreadsheet's filler (the 1st), not the publisher's."""


class YearDate(dt.datetime):
    """A date cell whose number format shows its year only (``yyyy``): the cell says the year."""


def _shown_as(code: str) -> type[dt.datetime] | None:
    """What a custom number format (lower-cased, quoted text and brackets removed) shows of a number: a date
    (:class:`datetime.datetime`), a month (:class:`MonthDate`) or a year (:class:`YearDate`), else None."""
    shown = code.split(";")[0]  # the format of a positive number: a date's
    if not re.search(r"[dmy]", code):
        return None
    if "y" in shown and not re.search(r"[dhs]", shown):  # no day, nor a time whose "m" is minutes
        return MonthDate if "m" in shown else YearDate
    return dt.datetime


def _date_styles(book: zipfile.ZipFile, name: str | None) -> dict[int, type[dt.datetime]]:
    """The cell styles that show a number as a date, by index: what each shows (see :func:`_shown_as`)."""
    if name is None:
        return {}
    root = ElementTree.fromstring(book.read(name))
    custom = {}
    for element in root.iter():
        if _local(element.tag) == "numFmt":
            code = re.sub(r'"[^"]*"|\[[^]]*]|\\.', "", element.get("formatCode", "").lower())
            custom[int(element.get("numFmtId", "-1"))] = _shown_as(code)
    cell_formats = next((e for e in root.iter() if _local(e.tag) == "cellXfs"), None)
    dates = {}
    for index, xf in enumerate(cell_formats if cell_formats is not None else []):
        format_id = int(xf.get("numFmtId", "0"))
        if format_id in custom:
            shown = custom[format_id]
        elif format_id in _DATE_FORMAT_IDS:
            shown = MonthDate if format_id in _MONTH_FORMAT_IDS else dt.datetime
        else:
            shown = None
        if shown is not None:
            dates[index] = shown
    return dates


def _top_rows(
    book: zipfile.ZipFile,
    name: str,
    shared: Sequence[str],
    date_styles: Mapping[int, type[dt.datetime]],
    epoch: dt.datetime,
) -> tuple[tuple[Any, ...], ...]:
    target = _TopRows(shared, date_styles, epoch)
    with book.open(name) as stream:
        _parse_until(stream, target, lambda: target.done)
    rows = target.rows
    return tuple(_row_tuple(rows.get(number, {})) for number in range(1, max(rows, default=0) + 1))


#: How much of a part is parsed at a time (as ``ElementTree.iterparse`` reads it).
_CHUNK = 16 * 1024


def _parse_until(stream: Any, target: Any, done: Callable[[], bool]) -> None:
    """Parse the XML of ``stream`` into the parser target ``target`` (its ``start``, ``end`` and ``data`` called
    for each element, as ``ElementTree.iterparse`` would report them) until ``done()``: read and parsed as
    ``iterparse`` reads and parses, one :data:`_CHUNK` at a time, so that a part is read as far as before and a
    damaged part fails alike. A parse error after ``done()`` came true is past what is read, as in a loop over
    ``iterparse`` left there. A target is called from C for every element: several times faster than a loop
    over ``iterparse``'s events."""
    parser = ElementTree.XMLParser(target=target)
    while not done():
        data = stream.read(_CHUNK)
        if not data:
            parser.close()
            return
        try:
            parser.feed(data)
        except SyntaxError:
            if not done():
                raise


class _TopRows:
    """The parser target reading a sheet's top :data:`PEEK_ROWS` rows (see :func:`_parse_until`): rows and cells
    placed by their references, or by position where a writer omits them; a cell outside any row (malformed) lands
    in the row before it, or nowhere before the first. The elements are built by a ``TreeBuilder``, as
    ``iterparse`` builds them, so that every cell is read by :func:`_value` as it was."""

    def __init__(
        self, shared: Sequence[str], date_styles: Mapping[int, type[dt.datetime]], epoch: dt.datetime
    ) -> None:
        self.builder = ElementTree.TreeBuilder()
        self.shared, self.date_styles, self.epoch = shared, date_styles, epoch
        self.rows: dict[int, dict[int, Any]] = {}
        self.row_number = self.column = 0
        self.cells: dict[int, Any] = {}
        self.done = False  # a row past the top ones started: nothing from there on is read

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if self.done:
            return
        element = self.builder.start(tag, attrib)
        if _local(tag) == "row":
            reference = element.get("r")
            self.row_number = int(reference) if reference and reference.isdigit() else self.row_number + 1
            if self.row_number > PEEK_ROWS:
                self.done = True
                return
            self.cells = self.rows.setdefault(self.row_number, {})
            self.column = 0

    def end(self, tag: str) -> None:
        if self.done:
            return
        element = self.builder.end(tag)
        local = _local(tag)
        if local == "c":
            self.column = _column_of(element.get("r"), self.column)
            if self.column <= MAX_COLUMNS:
                self.cells[self.column] = _value(element, self.shared, self.date_styles, self.epoch)
            element.clear()
        elif local == "row":
            element.clear()

    def data(self, text: str) -> None:
        if not self.done:
            self.builder.data(text)


def _column_of(reference: str | None, previous: int) -> int:
    """The 1-based column of a cell reference (``AB12`` -> 28), or the next column when there is none."""
    letters = _LETTERS.match(reference or "")
    if not letters:
        return previous + 1
    return _column_number(letters.group())


_LETTERS = re.compile(r"[A-Za-z]+")


@functools.lru_cache(maxsize=4096)
def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _row_tuple(cells: dict[int, Any]) -> tuple[Any, ...]:
    """A row's values by column, up to its last cell with a value (formatting alone makes no cell)."""
    filled = [column for column, value in cells.items() if value is not None and value != ""]
    return tuple(cells.get(column) for column in range(1, max(filled, default=0) + 1))


def _value(
    cell: ElementTree.Element,
    shared: Sequence[str],
    date_styles: Mapping[int, type[dt.datetime]],
    epoch: dt.datetime,
) -> Any:
    """A cell's value as written: text for text, a number or date for a number, never an error."""
    kind = cell.get("t", "n")
    children = {_local(child.tag): child for child in cell}
    if kind == "inlineStr":
        return _text_of(children["is"]) if "is" in children else None
    raw = children["v"].text if "v" in children else None
    if raw is None:
        return None
    if kind == "s":
        index = int(raw)
        return shared[index] if 0 <= index < len(shared) else None
    if kind != "n":  # str, e (an error such as #N/A), b, d: the text as written
        return raw
    try:
        number = float(raw)
    except ValueError:
        return raw
    shown = date_styles.get(int(cell.get("s", "0") or 0))
    if shown is not None and 0 < number < 2_958_466:
        date = epoch + dt.timedelta(days=number)
        return date if shown is dt.datetime else shown.combine(date.date(), date.time())
    return int(number) if number.is_integer() and "." not in raw and "e" not in raw.lower() else number


def header_key(value: Any) -> str:
    """A header cell (or sheet name) as every loader compares it: its letters and digits, case folded.

    Case, whitespace, punctuation and parentheses do not count, so ``Report Year``, ``report_year`` and
    ``REPORT-YEAR`` are one key, and ``Estimated prevalence of modern slavery (per 1,000 population)`` starts
    with the key of ``Estimated prevalence of modern slavery per 1,000``. The one helper the loaders share for
    matching a publisher's header labels (a header cell is keyed by :func:`header_cell_key`, which also sets a trailing
    footnote number aside).
    """
    if value is None:
        return ""
    return _NOT_ALNUM.sub("", str(value).casefold())


@functools.lru_cache(maxsize=64)
def key_in_text(key: str) -> re.Pattern[str]:
    """A pattern found in ``text.casefold()`` exactly where ``key`` (a :func:`header_key`) is in
    ``header_key(text)``: the key's characters in order, any run of what keying drops (:data:`_NOT_ALNUM`)
    between them. Keying drops those runs and nothing else, so a span of the folded text matching it is, keyed,
    the key; searched for, it spares keying a long text only to look for one key in it (the regular expression
    removing every blank and punctuation mark of a workbook's 127,000 top characters took most of the time)."""
    return re.compile(f"(?:{_NOT_ALNUM.pattern})?".join(re.escape(character) for character in key))


def header_cell_key(value: Any) -> str:
    """A header cell as the loaders compare it with the labels they look for: its :func:`header_key`, a trailing
    footnote number set aside (:data:`HEADER_FOOTNOTE_MARKER`: ``Year¹``, ``Country [1]``, ``Tier [2]*``), so a
    marked label is the label (``*``, ``†``, ``‡`` and ``#`` are punctuation, aside in :func:`header_key`
    already); a cell that is a marker only (``[1]``) keeps it.

    A bracketed letter is not set aside (``Country [a]`` is not ``Country``): in a header it is as often a
    multiplier (``txtVALUE [k]``, ``Population [m]``), a sex (``Victims [f]`` beside ``Victims``) or a language
    (``Country [fr]``) as a footnote, and set aside it would turn such a label into the plain one, or make two
    labels one. A number in parentheses (``txtVALUE (1)``) is not a marker either: parentheses carry a label's
    unit or scope (``(per 1,000)``), and :data:`FOOTNOTE_MARKER` reads no cell's ``(1)`` as one.
    """
    if value is None:
        return ""
    return _header_cell_key(str(value))


@functools.lru_cache(maxsize=4096)
def _header_cell_key(text: str) -> str:
    """:func:`header_cell_key` of a cell's text (loaders compare the same few labels again and again)."""
    text = text.strip()
    unmarked = _HEADER_FOOTNOTE.sub("", text)
    text = unmarked if _NOT_ALNUM.sub("", unmarked) else text
    return header_key(text)


def header_key_expr(text: pl.Expr) -> pl.Expr:
    """:func:`header_key` as a polars expression, for a whole column at once: its letters and digits, lower
    case (null stays null). Alike for the scripts of names and labels, but for the few letters whose case folding
    is no lower-casing (``ß``, final ``ς``) and for letters newer than one side's Unicode tables: compare keys
    made by the one or by the other, not both."""
    return text.str.to_lowercase().str.replace_all(r"[^\p{L}\p{N}]+", "")


#: What :func:`header_key` drops: every character but letters and digits (``\w`` less the underscore), matched
#: in runs by the regex engine (a header of a million labels is keyed in a fraction of a second).
_NOT_ALNUM = re.compile(r"[\W_]+")

#: Cells a publisher writes for "no figure", compared stripped and lower-cased: the UN's ``..`` (not available),
#: ``-`` or a dash (nil, or not available; never read as 0: no publisher's documentation defines it as zero),
#: ``...`` or an ellipsis, and a spreadsheet's ``n/a``, ``na``, ``n.a.`` and ``not assessed``. The one list the
#: loaders of published figures and placements (UNODC, GSI, TIP tiers) read such cells by (a token that means "no
#: figure" in one publisher's file means it in another's), each naming it with its own "not available" reason:
#: UNODC and TIP reject the row (its one value, its one placement, is missing), GSI keeps the country with that
#: cell null and flagged. Kelley's ``NA`` in a TIP tier is her coding of "not ranked", not this token (see
#: ``sources/tip.py``); the victim-record loaders (CTDC, case records) read their own "not recorded" codes.
NOT_AVAILABLE = frozenset(
    # "#n/a": a spreadsheet's own "not available" (its other errors, #DIV/0!, #VALUE!, are no figure of any kind)
    {"..", "...", "\u2026", "-", "\u2013", "\u2014", "n/a", "na", "n.a.", "n.a", "not assessed", "#n/a"}
)
#: A footnote marker after a value or a label (a regex, anchored at the end): a run of ``*``, ``†``, ``‡``, ``#``
#: or superscript digits (``1541*``, ``Tier 3¹``, ``Tier 2 Watch List*†``), or a bracketed note ``[1]``, ``[a]``;
#: spaces before it belong to it. The one pattern every loader reads markers past by.
FOOTNOTE_MARKER = r"(?:\s*(?:[*\u2020\u2021#\u00b9\u00b2\u00b3\u2070-\u2079]+|\[[0-9A-Za-z]{1,2}\]))+$"


#: The footnote markers :func:`header_cell_key` sets aside after a header label (a regex, anchored at the end): the
#: numbers of :data:`FOOTNOTE_MARKER`, superscript (``Year¹``) or bracketed (``Tier [1]``), with any ``*``, ``†``,
#: ``‡`` or ``#`` among them; never a bracketed letter (see :func:`header_cell_key`).
HEADER_FOOTNOTE_MARKER = r"(?:\s*(?:[*\u2020\u2021#\u00b9\u00b2\u00b3\u2070\u2074-\u2079]|\[[0-9]{1,2}\]))+$"
_HEADER_FOOTNOTE = re.compile(HEADER_FOOTNOTE_MARKER)


def not_available(text: pl.Expr) -> pl.Expr:
    """Whether a text cell is one of the :data:`NOT_AVAILABLE` tokens (whitespace and case aside)."""
    return text.str.strip_chars().str.to_lowercase().is_in(list(NOT_AVAILABLE))


#: A year stored as a date: 1 January of it, as a workbook holds a year column typed or exported as dates and shown
#: by a year-only format (``yyyy`` shows ``2019``), in the text :func:`read_sheet` gives such a cell
#: (``2019-01-01 00:00:00``) or a CSV saved from it (``2019-01-01``). Only 1 January: another day is a date, not
#: a year, and stays refused as one. The one rule the loaders of a year column (UNODC, TIP, CTDC) read dates by.
YEAR_AS_DATE = r"^\s*(\d{4})-01-01(?:[ T]00:00(?::00(?:\.0+)?)?)?\s*$"


def year_of_date(text: pl.Expr) -> pl.Expr:
    """The year of a cell holding 1 January of it (:data:`YEAR_AS_DATE`), as Int16; null for any other text."""
    return text.str.extract(YEAR_AS_DATE, 1).cast(pl.Int16)


def years_from_dates_note(label: str, cells: int) -> str:
    """The provenance note of a year column of which ``cells`` held dates read as their years
    (:func:`year_of_date`): said once for the column, not flagged on each row (a column written so is one fact
    about the file, and the year read is the one a reader of the sheet sees)."""
    return (
        f"column {label!r}: {counted(cells, 'cell')} with a date, 1 January of a year (as a year-only date format shows "
        "the year): read as that year"
    )


@dataclasses.dataclass(frozen=True)
class HeaderMatch:
    """Where :func:`find_header` found the header: its sheet and row, and the rows peeked above and at it."""

    sheet: str  # "" for a delimited text file
    header_row: int  # 1-based sheet row (text: line) of the header
    top_rows: tuple[tuple[Any, ...], ...]  # the peeked rows (row 1 first)
    delimiter: str | None = None  # a delimited text file's delimiter; None for a workbook's sheet

    @property
    def header(self) -> tuple[Any, ...]:
        """The header row's cells."""
        return self.top_rows[self.header_row - 1]

    @property
    def where(self) -> str:
        """Where the header is, for provenance notes: ``sheet 'data', header on row 3`` (text: ``line 3``)."""
        if self.delimiter is not None:
            return f"delimited text ({_DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))}), header on line {self.header_row}"
        return f"sheet {self.sheet!r}, header on row {self.header_row}"


_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


#: A header label a loader looks for: one label, or a tuple of alternatives (the publisher's label first, then
#: other labels a release may give the same column: ``("txtVALUE", "VALUE", "Value")``), any one of which
#: matches. Messages name the first.
Label = str | tuple[str, ...]


def label_keys(label: Label) -> tuple[str, ...]:
    """The :func:`header_key` of each alternative of ``label``, in order."""
    return (header_key(label),) if isinstance(label, str) else tuple(header_key(one) for one in label)


def label_name(label: Label) -> str:
    """The label a message names: the first alternative."""
    return label if isinstance(label, str) else label[0]


def find_header(
    path: str | Path,
    required: Sequence[Label],
    *,
    prefer: Callable[[str], bool] | None = None,
    by_start: bool = False,
) -> HeaderMatch | None:
    """The first row (of the top rows of any sheet) holding every ``required`` label (one of its alternatives:
    :data:`Label`), else None.

    Sheets are searched in workbook order, those ``prefer`` picks first; their names are never required.
    Labels compare by :func:`header_key` (case, whitespace and punctuation ignored; a cell's trailing footnote
    number aside: :func:`header_cell_key`), whole or (``by_start``) as the start of a cell. A
    delimited text file is searched as one sheet (see :func:`table_head`).
    """
    found = find_headers(path, required, by_start=by_start)
    if prefer is not None:
        found.sort(key=lambda match: not prefer(match.sheet))
    return found[0] if found else None


def find_headers(path: str | Path, required: Sequence[Label], *, by_start: bool = False) -> list[HeaderMatch]:
    """Per sheet holding every ``required`` label in one of its top rows, its first such row, in workbook
    order (a table split over several sheets repeats its header on each)."""
    wanted = [label_keys(label) for label in required]
    found = []
    for sheet in table_head(path).sheets:
        for index, row in enumerate(sheet.rows):
            cells = sheet.cell_keys[index]
            if all(_has_label(cells, label, by_start) for label in wanted):
                found.append(HeaderMatch(sheet.name, index + 1, sheet.rows, sheet.delimiter))
                break
    return found


def best_partial_header(
    path: str | Path,
    labels: Sequence[Label],
    *,
    by_start: bool = False,
    share: float = 0.5,
    sheet: Callable[[str], bool] | None = None,
) -> tuple[str, int, list[str]] | None:
    """The top row holding the most of ``labels``: its sheet, row and the labels it lacks, for telling a user
    what a near miss lacks. Only rows holding at least ``share`` of the labels count (any row of the sheets
    ``sheet`` picks); None when there is no such row. A label with alternatives (:data:`Label`) is named by its
    first."""
    wanted = [(label_keys(label), label_name(label)) for label in labels]
    best: tuple[str, int, list[str]] | None = None
    for head in table_head(path).sheets:
        picked = sheet is not None and sheet(head.name)
        for index, row in enumerate(head.rows):
            cells = head.cell_keys[index]
            missing = [label for key, label in wanted if not _has_label(cells, key, by_start)]
            enough = picked or len(wanted) - len(missing) >= share * len(wanted)
            if enough and len(missing) < len(wanted) and (best is None or len(missing) < len(best[2])):
                best = (head.name, index + 1, missing)
    return best


def _has_label(cells: AbstractSet[str], keys: tuple[str, ...], by_start: bool) -> bool:
    return any(
        key in cells or (by_start and any(starts_with_label(cell, key) for cell in cells)) for key in keys
    )


def starts_with_label(cell_key: str, label_key: str) -> bool:
    """Whether a header cell's key starts with a label's (both :func:`header_key`), the label's last number
    ending where the cell's does: keys drop punctuation and spaces, so ``per 100,000`` starts with the key of
    ``per 1,000`` (``per1000``) and a rate per 100,000 would be read as one per 1,000."""
    if not cell_key.startswith(label_key):
        return False
    rest = cell_key[len(label_key) :]
    return not (rest and label_key and label_key[-1].isdigit() and rest[0].isdigit())


def read_sheet(
    path: str | Path,
    match: HeaderMatch,
    *,
    dtypes: Literal["string"] | dict[int, Literal["float"]] | None = None,
) -> tuple[pl.DataFrame, int]:
    """Read the sheet below the header found by :func:`find_header`.

    Returns the frame (columns named by the header, whitespace in names collapsed) and the sheet row of its
    first data row. ``dtypes="string"`` reads every cell as text; by default
    calamine infers each column's type; ``{index: "float"}`` reads those columns (by position) as numbers at full
    precision whatever else they hold (a text cell, a date: null; a boolean: 1 or 0). A delimited text file is read the same way (see
    :func:`evidence.sources.delimited.read_delimited`).
    """
    if match.delimiter is not None:
        from evidence.sources.delimited import read_delimited

        try:
            frame = read_delimited(
                path, delimiter=match.delimiter, header_row=match.header_row, as_text=dtypes == "string"
            )
        except pl.exceptions.PolarsError as exc:
            raise InputError(f"cannot read the file as delimited text ({_describe(exc)})", path=path) from exc
        return frame.rename(_collapsed_names(frame.columns)), match.header_row + 1
    import fastexcel

    # the error cells calamine reads as empty, looked for while it reads (both release the GIL)
    scan = _ERROR_SCAN.submit(_scanned_sheet_cells, path, match.sheet) if dtypes == "string" else None
    try:
        reader = fastexcel.read_excel(str(path))
        # fastexcel counts header_row from the sheet's first row (0-based), not from its first non-empty row.
        options: dict[str, Any] = {"header_row": match.header_row - 1, "dtypes": dtypes}
        if _HAS_PYARROW:  # the eager read hands over one Arrow batch: faster than the lazy sheet
            frame = pl.DataFrame(reader.load_sheet_eager(match.sheet, **options))
        else:
            frame = reader.load_sheet(match.sheet, **options).to_polars()
    except Exception as exc:
        raise InputError(
            f"{DAMAGED}: cannot read sheet {match.sheet!r} ({_describe(exc)})", path=path, hint=DAMAGED_HINT
        ) from exc
    if scan is not None:  # calamine reads an error cell (#N/A, #DIV/0!) as empty: its text put back
        frame = _with_error_texts(path, match, frame, scan.result())
    return frame.rename(_collapsed_names(frame.columns)), match.header_row + 1


_ERROR_SCAN = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sheet-errors")


def _scanned_sheet_cells(path: str | Path, sheet: str) -> tuple[list[tuple[int, int, str]], int]:
    """:func:`_sheet_cells`, a damaged workbook an :class:`InputError`."""
    try:
        return _sheet_cells(path, sheet)
    except DAMAGED_ERRORS as exc:
        raise InputError(f"{DAMAGED} ({_describe(exc)})", path=path, hint=DAMAGED_HINT) from exc


#: The attribute of an error cell in a sheet's XML (``<c r="D4" t="e"><v>#N/A</v></c>``, either quote): looked for
#: (one search of the bytes, half the time of one per quote) before the sheet is parsed.
_ERROR_TYPE = re.compile(rb"""t=["']e["']""")
#: How much of a sheet is searched for :data:`_ERROR_TYPE` at a time: read whole, GLOTIP's 22 MB sheet was inflated
#: into one buffer copied piece by piece (77 ms a search; 48 ms in pieces of this size, each searched while it is in
#: the processor's cache).
_SEARCH_CHUNK = 1 << 17


def _holds_error_cell(stream: Any) -> bool:
    """Whether the XML read from ``stream`` holds :data:`_ERROR_TYPE`, read to its end (so that a damaged part fails
    as reading it whole fails), in pieces of :data:`_SEARCH_CHUNK` each searched with the end of the one before
    (an attribute split between two pieces is found)."""
    found, tail = False, b""
    while data := stream.read(_SEARCH_CHUNK):
        found = found or _ERROR_TYPE.search(tail + data) is not None
        tail = data[-4:]  # (the attribute is 5 bytes long: its first 4 may end a piece)
    return found


def _sheet_cells(path: str | Path, sheet: str) -> tuple[list[tuple[int, int, str]], int]:
    """The error cells of a sheet (row, 1-based column, text as written: ``#N/A``) and the first column holding a
    value (where the frame calamine reads starts); ([], 0) when the sheet has no error cell."""
    with zipfile.ZipFile(path) as book:
        names = {name.lower(): name for name in book.namelist()}
        workbook = ElementTree.fromstring(book.read(names.get("xl/workbook.xml", "xl/workbook.xml")))
        targets = {}
        rels = names.get("xl/_rels/workbook.xml.rels")
        if rels:
            for rel in ElementTree.fromstring(book.read(rels)):
                target = rel.get("Target", "")
                targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
        entry = next(
            (e for e in workbook.iter() if _local(e.tag) == "sheet" and e.get("name", "") == sheet), None
        )
        part = names.get(targets.get(_attribute(entry, "id") if entry is not None else "", "").lower())
        if part is None:
            return [], 0
        # (a sheet searched once per content: a release loaded again, or saved again with other shared strings)
        key = ("error cells", _content_key(book, part, keyed_size=_SEARCHED_KEYED_SIZE))
        errors, first = _by_content(key, functools.partial(_error_cells, book, part))
    return list(errors), first


#: Sheets stored in up to this many bytes have their search for error cells kept by content (:func:`_by_content`):
#: hashing GLOTIP's 2.3 MB sheet takes 2.5 ms, searching it 48.
_SEARCHED_KEYED_SIZE = 64 << 20


def _error_cells(book: zipfile.ZipFile, part: str) -> tuple[tuple[tuple[int, int, str], ...], int]:
    """:func:`_sheet_cells` of the sheet ``part`` of ``book``, as tuples."""
    with book.open(part) as stream:
        if not _holds_error_cell(stream):
            return (), 0
    cells = _ErrorCells()
    with book.open(part) as stream:
        _parse_until(stream, cells, lambda: False)
    return tuple(cells.errors), cells.first


class _ErrorCells:
    """The parser target finding a sheet's error cells and its first column holding a value (see
    :func:`_parse_until`, read to the end): a cell placed by its reference, or by position where a writer omits it,
    in the row of the last row started. The elements are built by a ``TreeBuilder``, as ``iterparse`` builds them
    (a loop over its events took 2.3 CPU-s on GLOTIP's sheet holding an error cell; this, 1.7)."""

    def __init__(self) -> None:
        self.builder = ElementTree.TreeBuilder()
        self.errors: list[tuple[int, int, str]] = []
        self.first, self.row_number, self.column = MAX_COLUMNS + 1, 0, 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        element = self.builder.start(tag, attrib)
        if _local(tag) == "row":
            reference = element.get("r")
            self.row_number = int(reference) if reference and reference.isdigit() else self.row_number + 1
            self.column = 0

    def end(self, tag: str) -> None:
        element = self.builder.end(tag)
        local = _local(tag)
        if local == "c":
            self.column = _column_of(element.get("r"), self.column)
            children = {_local(child.tag): child for child in element}
            value = children.get("v")
            if (value is not None and value.text) or "is" in children:
                self.first = min(self.first, self.column)
                if element.get("t") == "e":
                    # (an error cell holding an inline string and an empty value gives None, as it always did)
                    text = cast(str, value.text) if value is not None else ""
                    self.errors.append((self.row_number, self.column, text))
            element.clear()
        elif local == "row":
            element.clear()

    def data(self, text: str) -> None:
        self.builder.data(text)


def _with_error_texts(
    path: str | Path, match: HeaderMatch, frame: pl.DataFrame, scanned: tuple[list[tuple[int, int, str]], int]
) -> pl.DataFrame:
    """``frame`` (a sheet read as text below its header) with each error cell's text (``#N/A``, ``#DIV/0!``) where
    calamine left it empty, so that a loader reads it as what it is (a not-available value, or no number) and never
    as an empty cell. A cell whose column cannot be told (the frame and the header disagree) is refused naming it."""
    errors, first = scanned
    if not errors:
        return frame
    first_row = match.header_row + 1
    # the header row's cells by column (a match made without its top rows takes them from the workbook's head)
    header = next(
        (
            sheet.rows[match.header_row - 1]
            for sheet in workbook_head(path).sheets
            if sheet.name == match.sheet and len(sheet.rows) >= match.header_row
        ),
        (),
    )
    found: dict[str, tuple[list[int], list[str]]] = {}
    for row, column, text in errors:
        if row < first_row:
            continue
        index, at = row - first_row, column - first
        label = header[column - 1] if column - 1 < len(header) else None
        name = frame.columns[at] if 0 <= at < frame.width else None
        aligned = name is not None and (
            header_cell_key(name).startswith(header_cell_key(label))
            if label is not None and str(label).strip()
            else name.startswith("__UNNAMED__")
        )
        if not aligned or index >= frame.height or name is None:
            raise InputError(
                f"sheet {match.sheet!r}, cell {cell_reference(column - 1, row)} holds the spreadsheet error "
                f"{text!r} (a formula that failed), which cannot be placed in its column",
                path=path,
                row=row,
                hint="re-save the sheet with values (or fix the formula)",
            )
        rows, texts = found.setdefault(name, ([], []))
        rows.append(index)
        texts.append(text)
    return frame.with_columns(
        frame.get_column(name).scatter(rows, pl.Series(texts, dtype=pl.String))
        for name, (rows, texts) in found.items()
    )


_HAS_PYARROW = importlib.util.find_spec("pyarrow") is not None


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


def column_for(frame: pl.DataFrame, label: Label) -> str:
    """The frame's column whose name matches ``label`` (by :func:`header_cell_key`; of alternatives, the first that
    one of the frame's columns matches)."""
    for wanted in label_keys(label):
        for column in frame.columns:
            if header_cell_key(column) == wanted:
                return column
    raise KeyError(label_name(label))


def cell_reference(index: int, row: int) -> str:
    """The spreadsheet reference (``J3``) of the 0-based column ``index`` on 1-based ``row`` (a sheet's row, or a
    text file's line: a spreadsheet opening the CSV shows the same reference)."""
    letters, number = "", index + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def label_positions(cells: Sequence[Any], label: Label) -> list[int]:
    """The 0-based positions of the header ``cells`` that head ``label``'s column (compared by
    :func:`header_cell_key`): those matching the earliest of its alternatives (:data:`Label`) any cell matches.

    The one rule the loaders read a header by. The publisher's own label is read before an alternative
    (``txtVALUE`` before ``VALUE``: a release with both has them for different things, and the first is the
    one documented). Two cells of the *same* label (a repeated label, two footnoted copies ``Year¹`` and
    ``Year²``, ``Year`` beside ``Year [1]``) are never resolved by their order: a footnote may mark the revised
    column as well as the superseded one, and nothing in the file says which to read, so the loader refuses
    (:func:`repeated_label_error`) rather than read the first silently. None found: the label is absent."""
    keys = [header_cell_key(cell) for cell in cells]
    for key in label_keys(label):
        found = [index for index, cell_key in enumerate(keys) if key and cell_key == key]
        if found:
            return found
    return []


def repeated_label_error(
    path: str | Path,
    label: Label,
    cells: Sequence[Any],
    positions: Sequence[int],
    header_row: int,
    where: str = "",
) -> InputError:
    """The error for a header naming ``label`` in several cells (``positions``: :func:`label_positions`), naming
    each by its cell reference and text (``where``: the header's place, for the message's start)."""
    shown = " and ".join(f"{cell_reference(i, header_row)} {str(cells[i]).strip()!r}" for i in positions)
    return InputError(
        f"{where + ': ' if where else ''}the header names the column {label_name(label)!r} more than once "
        f"({shown}): which one to read cannot be told from the file",
        path=path,
        row=header_row,
        hint="delete or rename the column not to read",
    )


def refuse_repeated_labels(
    path: str | Path, cells: Sequence[Any], labels: Iterable[Label], header_row: int, where: str = ""
) -> None:
    """Raise :func:`repeated_label_error` for the first of ``labels`` the header ``cells`` name more than once."""
    for label in labels:
        positions = label_positions(cells, label)
        if len(positions) > 1:
            raise repeated_label_error(path, label, cells, positions, header_row, where)


def unused_columns(frame: pl.DataFrame, used: Iterable[str]) -> list[str]:
    """The frame's named columns a loader does not read (``used``: the frame's columns it reads), for its
    "columns not used" note; blank header cells and the demo data's marker column are no surprise."""
    taken = set(used)
    return [
        column
        for column in frame.columns
        if column not in taken and not _unnamed(column) and header_key(column) != header_key(DEMO_MARKER)
    ]


def columns_not_used_note(unused: Sequence[str]) -> list[str]:
    """The provenance note naming the columns a load read past (none without any)."""
    return [f"columns not used: {', '.join(unused)}"] if unused else []


def _unnamed(column: str) -> bool:
    """A column the header leaves blank (calamine names it ``__UNNAMED__3``, polars ``_duplicated_``...)."""
    return column.startswith(("__UNNAMED__", "_duplicated_")) or not column.strip()
