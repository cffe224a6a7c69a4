"""Rewriting real workbooks into the shapes other programs and later releases give them (test fixtures only).

Every fixture is made at test time from a real workbook in ``../shared/data``, by editing its XML parts: never
a committed copy.
"""

from __future__ import annotations

import copy
import functools
import html
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

Edit = Callable[[bytes], bytes]


def sheet_part(path: Path, sheet: str) -> str:
    """The zip member holding the named sheet (through the workbook's relationships, as Excel resolves it)."""
    with zipfile.ZipFile(path) as book:
        workbook = book.read("xl/workbook.xml").decode()
        rels = book.read("xl/_rels/workbook.xml.rels").decode()
    name = re.escape(sheet.replace("&", "&amp;"))
    rid = re.search(rf'<sheet [^>]*name="{name}"[^>]*r:id="([^"]+)"', workbook).group(1)
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels
    )
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


def rewrite(
    source: Path,
    target: Path,
    edits: dict[str, Edit],
    *,
    last: tuple[str, ...] = (),
    drop: tuple[str, ...] = (),
) -> Path:
    """Copy ``source`` to ``target`` with members edited, some dropped and some moved to the end of the zip.

    Deflated at level 1, as the real releases are (``unzip -v``: "Defl:S", super fast): the default level 6
    took twice as long on GLOTIP's 22 MB sheet, for every variant of the release a test writes."""
    with zipfile.ZipFile(source) as old, _deflated(target, "w") as new:
        items = [i for i in old.infolist() if i.filename not in drop]
        items.sort(key=lambda i: i.filename in last)
        for item in items:
            if item.filename in edits:
                # the member's own date: a variant's bytes the same on every run (a test flipping bytes of it
                # at fixed places then hits the same inputs every time)
                edited = zipfile.ZipInfo(item.filename, date_time=item.date_time)
                edited.external_attr = 0o600 << 16
                original = member(source, item.filename)
                data = edits[item.filename](original)
                kept = _unchanged_pieces(original, data) if _spliceable(source, len(original)) else None
                if kept is None:
                    new.writestr(edited, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
                else:
                    pieces = _kept_pieces(*_file_key(source), item.filename)
                    _write_deflated(new, edited, data, _spliced(original, pieces, data, *kept))
            else:
                _copy_stored(source, new, item)
    return target


def member(source: Path, name: str) -> bytes:
    """The member ``name`` of the zip ``source``, inflated. A file no one may write (a real release in
    ``../shared/data``, read-only) is read once per process: the variants of a release that tests write edit the
    same member, GLOTIP's 22 MB sheet inflated again for each (~60 ms). A file a test wrote is read each time
    (rewritten in place within a timestamp's tick, its size, time and inode could all be the same)."""
    stat = source.stat()
    if stat.st_mode & 0o222:
        return _read_member(str(source), name)
    return _kept_member(str(source), stat.st_mtime_ns, stat.st_size, stat.st_ino, name)


def _read_member(source: str, name: str) -> bytes:
    with zipfile.ZipFile(source) as book:
        return book.read(name)


@functools.lru_cache(maxsize=2)
def _kept_member(source: str, mtime_ns: int, size: int, inode: int, name: str) -> bytes:
    # (bytes: no caller can change what the next one is given)
    return _read_member(source, name)


def _copy_stored(source: Path, new: zipfile.ZipFile, item: zipfile.ZipInfo) -> None:
    """A member copied as ``source`` stores it (its deflated bytes, CRC-32 and sizes, byte for byte the
    publisher's): not inflated and deflated again, which took most of the time of a variant of GLOTIP's 22 MB
    sheet whose edit was elsewhere (its shared strings)."""
    with open(source, "rb") as fh:
        fh.seek(item.header_offset)
        header = fh.read(30)
        if header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {item.filename}")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        fh.seek(item.header_offset + 30 + name_length + extra_length)
        stored = fh.read(item.compress_size)
    info = copy.copy(item)
    info.flag_bits &= ~0x08  # the sizes in the local header: no data descriptor after the data
    _append_member(new, info, stored)


#: A read-only real release's members of at least this many bytes are deflated in pieces of :data:`_PIECE` bytes,
#: kept per process, and a variant's edited member is deflated from them (:func:`_spliced`): GLOTIP's 22 MB sheet
#: deflated again for each variant editing a cell of it took 0.11 of the variant's 0.13 CPU-s.
_SPLICED_SIZE = 4 << 20
_PIECE = 1 << 20
#: A raw deflate stream's last block: empty, marked final (what a compressor given no data ends its stream with).
_FINAL_BLOCK = b"\x03\x00"


def _spliceable(source: Path, size: int) -> bool:
    """Whether a member of ``size`` bytes of ``source`` is deflated from pieces: a large one of a read-only file
    (a real release; a file a test wrote may change under the same name)."""
    return size >= _SPLICED_SIZE and not source.stat().st_mode & 0o222


def _file_key(source: Path) -> tuple[str, int, int, int]:
    stat = source.stat()
    return str(source), stat.st_mtime_ns, stat.st_size, stat.st_ino


@functools.lru_cache(maxsize=2)
def _kept_pieces(source: str, mtime_ns: int, size: int, inode: int, name: str) -> tuple[bytes, ...]:
    """The member ``name`` of a read-only ``source`` deflated in pieces of :data:`_PIECE` bytes (:func:`_piece`)."""
    data = _kept_member(source, mtime_ns, size, inode, name)
    return tuple(_piece(data[at : at + _PIECE]) for at in range(0, len(data), _PIECE))


def _piece(data: bytes) -> bytes:
    """``data`` deflated (level 1, as the real releases are) as blocks that end on a byte and refer to nothing
    before them: pieces made so, joined and ended by :data:`_FINAL_BLOCK`, are one deflate stream of their data
    joined."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


def _unchanged_pieces(original: bytes, data: bytes) -> tuple[int, int] | None:
    """How many pieces of :data:`_PIECE` bytes of ``original`` ``data`` begins with, and from which piece on
    ``data`` ends with the rest of ``original``; None when that is less than half the pieces (an edit of most of
    the member: deflated whole, not from pieces the edit leaves unused)."""
    count = -(-len(original) // _PIECE)
    first = 0  # the pieces the data begin with
    while (
        first < count
        and data[first * _PIECE : (first + 1) * _PIECE] == original[first * _PIECE : (first + 1) * _PIECE]
    ):
        first += 1
    last = count  # the pieces from ``last`` on, the data end with
    while last > first:
        at = (last - 1) * _PIECE
        size = min(_PIECE, len(original) - at)
        end = len(data) - (len(original) - at - size)  # where that piece would end in the data
        if end - size < first * _PIECE or data[end - size : end] != original[at : at + size]:
            break
        last -= 1
    return (first, last) if 2 * (first + count - last) >= count else None


def _spliced(original: bytes, pieces: tuple[bytes, ...], data: bytes, first: int, last: int) -> bytes:
    """``data`` (``original`` edited) deflated: the pieces of ``original`` (:func:`_kept_pieces`) it begins and ends
    with (:func:`_unchanged_pieces`) as they are, what lies between deflated anew (an edited cell: one piece)."""
    middle = data[first * _PIECE : len(data) - (len(original) - last * _PIECE)]
    return b"".join([*pieces[:first], _piece(middle) if middle else b"", *pieces[last:], _FINAL_BLOCK])


def _write_deflated(new: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes, stream: bytes) -> None:
    """The member ``info`` holding ``data`` written to ``new`` as the deflate ``stream`` given, its header as
    :meth:`zipfile.ZipFile.writestr` writes it."""
    info.compress_type = zipfile.ZIP_DEFLATED
    info.flag_bits = 0
    info.file_size, info.compress_size, info.CRC = len(data), len(stream), zlib.crc32(data)
    _append_member(new, info, stream)


def _deflated(path: Path, mode: str) -> zipfile.ZipFile:
    """A workbook zip written as the real releases are deflated (level 1)."""
    return zipfile.ZipFile(path, mode, zipfile.ZIP_DEFLATED, compresslevel=1)  # type: ignore[arg-type]


def set_dimension(ref: str | None) -> Edit:
    """The sheet's declared size set to ``ref`` (e.g. ``A1``), or the element removed (None)."""
    replacement = b"" if ref is None else f'<dimension ref="{ref}"/>'.encode()
    return lambda xml: re.sub(rb"<dimension [^>]*/>", replacement, xml, count=1)


def rename_sheet(old: str, new: str) -> Edit:
    return lambda xml: xml.replace(f'name="{old}"'.encode(), f'name="{new}"'.encode(), 1)


def move_sheet_last(name: str) -> Edit:
    """The named sheet's entry moved to the end of the workbook's sheet list (sheet order as the user sees it)."""

    def edit(xml: bytes) -> bytes:
        entry = re.search(rf'<sheet [^>]*name="{re.escape(name)}"[^>]*/>'.encode(), xml).group(0)
        xml = xml.replace(entry, b"", 1)
        return xml.replace(b"</sheets>", entry + b"</sheets>", 1)

    return edit


def keep_rows(last_row: int) -> Edit:
    """Rows after ``last_row`` removed (a small copy of a large release)."""

    def edit(xml: bytes) -> bytes:
        start = xml.find(f'<row r="{last_row + 1}"'.encode())
        end = xml.find(b"</sheetData>")
        return xml if start < 0 else xml[:start] + xml[end:]

    return edit


def shift_rows(by: int, notes: list[str]) -> Edit:
    """Every row moved down ``by`` rows, with ``notes`` (inline text in column A) in the rows freed above."""

    def cell(match: re.Match[bytes]) -> bytes:
        return match.group(1) + str(int(match.group(2)) + by).encode()

    def edit(xml: bytes) -> bytes:
        xml = re.sub(rb'(<row r=")(\d+)', cell, xml)
        xml = re.sub(rb'(<c r="[A-Z]+)(\d+)', cell, xml)
        rows = b"".join(
            f'<row r="{i + 1}"><c r="A{i + 1}" t="inlineStr"><is><t>{html.escape(text)}</t></is></c></row>'.encode()
            for i, text in enumerate(notes)
            if text
        )
        return re.sub(rb"<sheetData>|<sheetData/>", b"<sheetData>" + rows, xml, count=1)

    return edit


def like_libreoffice(xml: bytes) -> bytes:
    """A sheet as LibreOffice Calc writes it: ``sheetPr filterMode``, every number typed ``t="n"``, every row
    carrying its layout attributes."""
    xml = re.sub(rb"<sheetPr[^>]*/>|<sheetPr[^>]*>.*?</sheetPr>", b"", xml, count=1, flags=re.DOTALL)
    xml = re.sub(
        rb"(<worksheet [^>]*>)",
        rb'\1<sheetPr filterMode="false"><pageSetUpPr fitToPage="false"/></sheetPr>',
        xml,
        count=1,
    )
    xml = re.sub(rb'<c r="([A-Z]+\d+)"( s="\d+")?>', rb'<c r="\1"\2 t="n">', xml)
    return re.sub(
        rb'<row r="(\d+)"[^>]*>',
        rb'<row r="\1" customFormat="false" ht="12.8" hidden="false" customHeight="false" outlineLevel="0" '
        rb'collapsed="false">',
        xml,
    )


def calc_workbook(xml: bytes) -> bytes:
    """The workbook part as LibreOffice writes it (``appName="Calc"``, no Excel extensions)."""
    xml = re.sub(rb"<fileVersion [^>]*/>", b'<fileVersion appName="Calc"/>', xml, count=1)
    return re.sub(rb"<extLst>.*?</extLst>", b"", xml, flags=re.DOTALL)


def with_filter(ref: str, hidden_rows: tuple[int, ...]) -> Edit:
    """An autofilter over ``ref`` with some rows hidden by it (the rows are still data)."""

    def edit(xml: bytes) -> bytes:
        for row in hidden_rows:
            xml = xml.replace(f'<row r="{row}"'.encode(), f'<row r="{row}" hidden="1"'.encode(), 1)
        xml = re.sub(rb"<autoFilter [^>]*/>", b"", xml)
        return xml.replace(b"</sheetData>", f'</sheetData><autoFilter ref="{ref}"/>'.encode(), 1)

    return edit


def set_cell(ref: str, xml_cell: str) -> Edit:
    """The cell ``ref`` replaced by ``xml_cell`` (``<c r="A5" ...>...</c>``) as written."""
    pattern = rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)'.encode()

    def edit(xml: bytes) -> bytes:
        new, count = re.subn(pattern, xml_cell.encode(), xml, count=1, flags=re.DOTALL)
        assert count == 1, f"no cell {ref}"
        return new

    return edit


def set_text(ref: str, text: str) -> Edit:
    """The cell ``ref`` holding ``text`` (an inline string; its style kept), as typing over it leaves it."""
    pattern = rf'<c r="{ref}"([^>]*?)(/>|>.*?</c>)'.encode()

    def cell(match: re.Match[bytes]) -> bytes:
        attributes = re.sub(rb' t="[^"]*"', b"", match.group(1))
        return (
            f'<c r="{ref}"'.encode()
            + attributes
            + f' t="inlineStr"><is><t>{html.escape(text, quote=False)}</t></is></c>'.encode()
        )

    def edit(xml: bytes) -> bytes:
        new, count = re.subn(pattern, cell, xml, count=1, flags=re.DOTALL)
        assert count == 1, f"no cell {ref}"
        return new

    return edit


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number


def _column_letters(number: int) -> bytes:
    letters = b""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = bytes([ord("A") + rest]) + letters
    return letters


def delete_columns(first: int, count: int = 1) -> Edit:
    """Columns ``first`` to ``first + count - 1`` (1 is A) deleted, the cells right of them moved left, as
    openpyxl's ``delete_cols`` leaves a sheet's cells (column widths and merged ranges are left as they were);
    the declared size and the rows' spans follow."""
    last = first + count - 1

    def kept(end: int) -> int:
        """The last column of a range that ended at ``end``."""
        return end - count if end > last else min(end, first - 1)

    def cell(match: re.Match[bytes]) -> bytes:
        column = _column_number(match.group(1))
        if column < first:
            return match.group(0)
        if column <= last:
            return b""
        return b'<c r="' + _column_letters(column - count) + match.group(2)

    def edit(xml: bytes) -> bytes:
        return _resized(
            re.sub(rb'<c r="([A-Z]+)(\d+"[^>]*?(?:/>|>.*?</c>))', cell, xml, flags=re.DOTALL), kept
        )

    return edit


def _resized(xml: bytes, last: Callable[[int], int]) -> bytes:
    """A sheet whose rows' spans and declared size ended at column ``end`` now end at ``last(end)`` (the size at
    column A at least): what a sheet's columns deleted or inserted leave to update."""
    xml = re.sub(
        rb'(<row [^>]*spans="\d+:)(\d+)', lambda m: m.group(1) + str(last(int(m.group(2)))).encode(), xml
    )
    return re.sub(
        rb'(<dimension ref="[A-Z]+\d+:)([A-Z]+)',
        lambda m: m.group(1) + _column_letters(max(last(_column_number(m.group(2))), 1)),
        xml,
        count=1,
    )


def insert_columns(first: int, new_cells: dict[int, list[str]]) -> Edit:
    """Columns inserted before column ``first`` (1 is A), the cells from it on moved right, as openpyxl's
    ``insert_cols`` leaves a sheet's cells (column widths and merged ranges are left as they were); the declared
    size and the rows' spans follow. ``new_cells`` gives each row's cells of the new columns by row number, as
    XML without their reference (``<c t="inlineStr">...</c>``, ``<c><v>1.5</v></c>``; an empty string leaves a
    cell out); every row has as many new columns, the longest list's length."""
    count = max(len(cells) for cells in new_cells.values())
    cell_pattern = re.compile(rb'<c r="([A-Z]+)(\d+"[^>]*?(?:/>|>.*?</c>))', re.DOTALL)

    def moved(end: int) -> int:
        """The last column of a range that ended at ``end``."""
        return end + count if end >= first else end

    def shifted(match: re.Match[bytes]) -> bytes:
        column = _column_number(match.group(1))
        return (
            match.group(0) if column < first else b'<c r="' + _column_letters(column + count) + match.group(2)
        )

    def row(match: re.Match[bytes]) -> bytes:
        number, cells = int(match.group(2)), cell_pattern.sub(shifted, match.group(3))
        added = b"".join(
            cell.replace("<c", f'<c r="{_column_letters(first + i).decode()}{number}"', 1).encode()
            for i, cell in enumerate(new_cells.get(number, []))
            if cell
        )
        # before the first cell right of the new columns (a row's cells are in column order)
        right = next(
            (m.start() for m in cell_pattern.finditer(cells) if _column_number(m.group(1)) >= first), None
        )
        at = len(cells) if right is None else right
        return match.group(1) + cells[:at] + added + cells[at:] + b"</row>"

    def edit(xml: bytes) -> bytes:
        return _resized(re.sub(rb'(<row r="(\d+)"[^>]*(?<!/)>)(.*?)</row>', row, xml, flags=re.DOTALL), moved)

    return edit


def chain(*edits: Edit) -> Edit:
    def edit(xml: bytes) -> bytes:
        for step in edits:
            xml = step(xml)
        return xml

    return edit


def truncated(source: Path, target: Path, fraction: float = 0.5) -> Path:
    """The first part of the file only (a download cut short)."""
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * fraction)])
    return target


_ROW_PREFIX = b'<row r="'
_ROW_START = re.compile(rb'<row r="(\d+)"[^>]*>')
_CELL_ROW_NUMBER = re.compile(rb'(<c r="[A-Z]+)\d+')


def _row_spans(xml: bytes) -> dict[int, tuple[int, int, int]]:
    """Each row of a sheet's XML by its number: where its XML starts, where its number's digits end and where it
    ends, as ``<row r="(\\d+)"[^>]*>.*?</row>`` (dot matching line ends) finds rows one after another (a number
    found twice: its last row). Each row's end is searched for, not matched character by character: the regex took
    0.37 CPU-s on GLOTIP's 22 MB sheet."""
    found: dict[int, tuple[int, int, int]] = {}
    position = 0
    while (start := xml.find(_ROW_PREFIX, position)) >= 0:
        head = _ROW_START.match(xml, start)
        end = xml.find(b"</row>", head.end()) if head else -1
        if end < 0:  # no row starts here (the regex tries the next place)
            position = start + 1
            continue
        end += len(b"</row>")
        found[int(head.group(1))] = (start, head.end(1), end)
        position = end
    return found


def add_sheet_from(
    source: Path,
    target: Path,
    sheet: str,
    new_name: str,
    rows: range,
    *,
    header_rows: int = 3,
    move: bool = True,
) -> Path:
    """A copy of ``source`` with a sheet ``new_name`` added after ``sheet``: the ``header_rows`` top rows of
    ``sheet`` and its ``rows`` (renumbered to follow them), which ``move`` removes from ``sheet`` (a table split
    over two sheets) or leaves there too (a copy of part of the data). The new sheet has no table object."""
    part = sheet_part(source, sheet)
    xml = member(source, part)
    found = _row_spans(xml)
    wanted = set(rows)

    def renumber(span: tuple[int, int, int], new: int) -> bytes:
        # the row's number (its first digits, after the prefix) and every cell reference's, put together from the
        # pieces a split leaves (no Python call per cell: GLOTIP's 16,556 rows moved took 0.9 CPU-s)
        _, digits_end, end = span
        number = str(new).encode()
        pieces = _CELL_ROW_NUMBER.split(xml[digits_end:end])
        pieces[1::2] = [prefix + number for prefix in pieces[1::2]]
        return _ROW_PREFIX + number + b"".join(pieces)

    moved = [renumber(found[n], header_rows + i + 1) for i, n in enumerate(sorted(wanted & set(found)))]
    top = [xml[found[n][0] : found[n][2]] for n in range(1, header_rows + 1) if n in found]
    start, end = xml.index(b"<sheetData>"), xml.index(b"</sheetData>")
    new_sheet = xml[:start] + b"<sheetData>" + b"".join(top + moved) + xml[end:]
    new_sheet = re.sub(rb"<tableParts.*?</tableParts>", b"", new_sheet, flags=re.DOTALL)
    new_sheet = new_sheet.replace(b'tabSelected="1"', b"")
    if move:
        kept = b"".join(xml[span[0] : span[2]] for n, span in sorted(found.items()) if n not in wanted)
        xml = xml[:start] + b"<sheetData>" + kept + xml[end:]
    new_part = "xl/worksheets/added_sheet.xml"

    def add_to_workbook(book_xml: bytes) -> bytes:
        entry = f'<sheet name="{html.escape(new_name)}" sheetId="99" r:id="rIdAdded"/>'.encode()
        return book_xml.replace(b"</sheets>", entry + b"</sheets>", 1)

    def add_relationship(rels: bytes) -> bytes:
        relation = (
            b'<Relationship Id="rIdAdded" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/worksheet" Target="worksheets/added_sheet.xml"/>'
        )
        return rels.replace(b"</Relationships>", relation + b"</Relationships>", 1)

    def add_content_type(types: bytes) -> bytes:
        override = (
            f'<Override PartName="/{new_part}" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/>'
        ).encode()
        return types.replace(b"</Types>", override + b"</Types>", 1)

    rewrite(
        source,
        target,
        {
            part: lambda _: xml,
            "xl/workbook.xml": add_to_workbook,
            "xl/_rels/workbook.xml.rels": add_relationship,
            "[Content_Types].xml": add_content_type,
        },
    )
    with _deflated(target, "a") as book:
        book.writestr(new_part, new_sheet)
    return target


def sheet_as_csv(source: Path, target: Path, sheet: str, *, skip_rows: int = 0, separator: str = ",") -> Path:
    """The sheet saved as delimited text, as a spreadsheet program saves it (every row as its cells show it, no
    header added; the first ``skip_rows`` rows left out)."""
    stat = source.stat()
    rows = _sheet_text(str(source), stat.st_mtime_ns, stat.st_size, sheet)
    rows.slice(skip_rows).write_csv(target, include_header=False, separator=separator)
    return target


@functools.lru_cache(maxsize=4)
def _sheet_text(source: str, mtime_ns: int, size: int, sheet: str) -> pl.DataFrame:
    """Every cell of the sheet as its text (read once per unchanged file: several tests save one real sheet)."""
    import fastexcel
    import polars as pl

    rows = fastexcel.read_excel(source).load_sheet(sheet, header_row=None, dtypes="string").to_polars()
    return rows.with_columns(pl.all().str.replace(r"^(-?\d+)\.0$", "${1}"))  # 2010, not 2010.0


def _append_member(new: zipfile.ZipFile, info: zipfile.ZipInfo, payload: bytes) -> None:
    """Write ``info``'s local header and its already compressed ``payload`` at the end of ``new``'s members, as
    :meth:`zipfile.ZipFile.writestr` does after compressing."""
    new.fp.seek(new.start_dir)
    info.header_offset = new.fp.tell()
    new.fp.write(info.FileHeader())
    new.fp.write(payload)
    new.start_dir = new.fp.tell()
    new.filelist.append(info)
    new.NameToInfo[info.filename] = info
    new._didModify = True
