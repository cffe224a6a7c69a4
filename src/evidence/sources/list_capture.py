"""List-capture data for multiple systems estimation: which lists (agencies) recorded which victims.

Two layouts are read:

* ``histories``: one row per capture history, a 0/1 column per list and a count column (named as the
  reference R packages, other tools and field tables name it: ``n``, ``count``, ``frequency``, ``freq``, ``cases``,
  Stata's ``_freq``, pandas' ``size``, a publication's ``Number``, ``Total``, ``Number of cases`` or ``No. of
  victims``, Dutch ``aantal``, German ``Anzahl``…: compared as :func:`~evidence.sources.workbook.header_cell_key`
  writes them, a footnote mark aside, :data:`COUNT_COLUMN_NAMES`). Counts written with
  thousands separators that cannot be decimal ones (``"1,006"`` in a comma-delimited file, ``1 006``) are read, and
  ``1.000`` (1 to three decimals, or 1,000 with a dot between thousands) as the column shows it, else refused;
* ``case_records``: one row per case, a 0/1 column per list and no count column (an optional ``case_id`` or
  ``id`` column is checked for duplicates and then dropped: identifiers never leave the loader).

In either, the lists may be one column of capture-history strings (``101``: a 0 or 1 per list, as Rcapture
and MARK write them), split into lists named ``list 1``, ``list 2``… by position.

A workbook (.xlsx) is read as the same table from its one sheet holding data, or from the one sheet holding
list-capture data beside sheets of notes (named in a note; two tables are refused: which to read is the user's),
its header on the sheet's first row holding anything; rows named by their row in the sheet. Title lines above the
header (prose in one cell, a caption saved with the table) are read past and named in a note, in a CSV file as in a
workbook, as the CTDC and TIP loaders read theirs; a word or a number above it is no title (still refused).

Both land on the canonical **list-capture table**: one UInt8 column per list and an Int64 ``count`` column
(one row per history, or one row per case with count 1); the analysis aggregates rows by history. A history
given on several rows of a ``histories`` file (a table typed in parts) is summed so too, as Rcapture and
SparseMSE do, never silently: a note names the rows merged.

This loader is deliberately *not* registered with the sniffing registry: a CTDC-like file of 0/1 flags must
never be mistaken for list data, so list-capture data are always read by asking for them explicitly. The two
commands still recognise each other's files, so that a file given to the wrong one gets the right command
named: a file a registered loader reads is refused here as what it is (:func:`refuse_other_sources`), and a
file no registered loader reads but :func:`sniff` takes for list-capture data is named as such by
:func:`evidence.sources.registry.detect`.

A file of a published list-capture release (the UK 2013 Home Office lists, the Netherlands 2010–2015, New
Orleans, the Western US, Kosovo 1999, Korea/Palembang, SparseMSE's artificial example, MSETools' Australia: the
catalogue ``metadata/list_capture/published.yaml``) is recognised by its content and cites the upstream
publication, its release (which table of which R package and version), URL and licence as stated upstream: by the
sha256 of the exact file, else by :func:`counts_sha256` of its counts, so that a copy re-saved with other line
endings, delimiter, count column's name, column or row order (or as one row per case) is still recognised, and says
so in a note. Any other file keeps the generic citation; a sidecar ``<file>.provenance.json`` wins over both.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from evidence.core.errors import InputError
from evidence.sources.delimited import (
    DELIMITER_NAMES,
    PROSE,
    check_quotes,
    check_width,
    note_lines_note,
    scan_records,
    split_line,
    text_rows_at_end,
    utf8_text,
    without_empty_records,
)
from evidence.sources.loaded import LoadedTable, issues_frame
from evidence.sources.provenance import LIST_CAPTURE, Provenance, sha256_file
from evidence.sources.registry import FileHead, apply_sidecar, check_readable, describe_unreadable
from evidence.sources.typed_tables import DOTTED, dot_evidence, repeated_headers
from evidence.sources.workbook import SheetHead, header_cell_key, header_key

SOURCE = LIST_CAPTURE
COUNT_COLUMN = "count"
#: Names of the count column accepted in a ``histories`` file, compared by :func:`header_key` (case, spaces and
#: punctuation aside: ``N.``, ``_freq``): the reference R packages' (``n``, ``count``, ``Freq``), SAS's ``COUNT``,
#: Stata's ``contract`` (``_freq``), pandas' ``groupby().size()`` (``size``), the tables of publications
#: (``Number``, ``Total``, ``Number of cases``, ``No. of victims``, ``Cases (n)``) and the words of the languages
#: national rapporteurs publish in (Dutch ``aantal``, German ``Anzahl``, French ``effectif``, Spanish ``frecuencia``):
#: each names a number of people, never an agency's list. A trailing footnote mark aside (``n¹``, ``Count [1]``).
COUNT_COLUMN_NAMES = (
    "n",
    "count",
    "counts",
    "frequency",
    "freq",
    "cases",
    "size",
    "number",
    "total",
    "number of cases",
    "number of victims",
    "number of people",
    "number of persons",
    "no. of cases",
    "no. of victims",
    "no. of people",
    "cases (n)",
    "victims (n)",
    "aantal",
    "frequentie",
    "anzahl",
    "häufigkeit",
    "effectif",
    "fréquence",
    "frecuencia",
    "recuento",
    "frequenza",
    "frequência",
)
_COUNT_KEYS = frozenset(header_key(name) for name in COUNT_COLUMN_NAMES)
#: Names of the identifier column accepted (and dropped) in a ``case_records`` file.
CASE_ID_COLUMN_NAMES = ("case_id", "id")

#: Largest count accepted in one row: more people than live on Earth. A larger number (``1e300``, ``inf``,
#: 2^63 - 1) is a mistake, and the sum of such counts would overflow.
MAX_COUNT = 10_000_000_000

#: The column holding each row's line in the file (no list can be named so: it is dropped before the lists are).
_LINE = "\x00line"
#: List membership as written: 0 and 1, as numbers too (``1.0``, as R or pandas write a numeric column), and a
#: spreadsheet's or R's booleans (``TRUE``/``FALSE``, ``True``/``False``: unambiguous). Words of one language
#: (``yes``/``no``, ``oui``/``non``) are not guessed at: the error names what is read.
_MEMBERSHIP = {"0": 0, "1": 1, "0.0": 0, "1.0": 1, "false": 0, "true": 1}


def load_list_capture(path: str | Path) -> LoadedTable:
    """Read a list-capture CSV (``histories`` or ``case_records`` layout) onto the canonical table.

    Raises :class:`InputError` naming file, row and column for anything that would make an estimate
    meaningless: fewer than two lists, non-binary list values, negative or non-integer counts, a case or a
    non-zero count on no list, an empty file. A row for the all-zero history with count 0 is harmless and is
    listed among the rejects. A capture history given on more than one row has its counts summed, as Rcapture
    and SparseMSE do, and a note names the rows merged. Rows holding nothing (blank, or delimiters only) and note
    lines below the table (a source line: text in one cell) are left out, counted and named in a note; title lines
    above the header (prose in one cell) are named in a note, as the CTDC and TIP loaders name theirs. A sidecar
    ``<file>.provenance.json`` completes the provenance, as for every other source.
    """
    path = Path(path)
    frame, left_out, notes, delimiter, header_row = _read_strings(path)
    count_column = _count_column(frame, path, header_row)
    frame, history_notes = _split_history_strings(frame, count_column, path)
    notes = [*notes, *history_notes]
    if count_column is None:
        loaded = _case_records(frame, path, header_row)
    else:
        loaded = _histories(frame, count_column, path, delimiter, header_row)
    loaded.rows_left_out = left_out
    if notes:
        loaded.provenance = dataclasses.replace(loaded.provenance, notes=(*loaded.provenance.notes, *notes))
    return apply_sidecar(loaded, path)


#: Data rows :func:`sniff` looks at.
_SNIFF_ROWS = 20


def sniff(head: FileHead) -> str | None:
    """``histories`` or ``case_records`` when the head of a file looks like list-capture data (every column but a
    count column, or an identifier, holds only 0 or 1 in the first rows, with at least two such columns, or the
    one such column holds capture-history strings of one length, ``101``, and a count column holds whole
    numbers), else None: a text file's, or a workbook's one sheet holding anything (:func:`sniffed_table`). Only
    to name the right command for a file given to the wrong one: list-capture data are never loaded by
    sniffing."""
    table = sniffed_table(head)
    if table is None:
        return None
    _, header, rows = table
    return _looks_like_lists(header, rows)


def _looks_like_lists(header: list[str], rows: list[list[str]]) -> str | None:
    """:func:`sniff`'s answer for a table's header and first data rows as text."""
    if not rows or any(len(row) != len(header) for row in rows[:-1]):
        return None
    rows = [row for row in rows if len(row) == len(header)]
    counts = [i for i, name in enumerate(header) if is_count_column(name)]
    ids = [i for i, name in enumerate(header) if name.lower() in CASE_ID_COLUMN_NAMES]
    if len(counts) > 1 or (counts and ids):
        return None
    lists = [i for i in range(len(header)) if i not in counts and i not in ids]
    if len(lists) == 1:  # a capture history as one string of 0/1 digits ("101"), all of one length
        written = {row[lists[0]].strip().strip('"') for row in rows}
        if not all(_HISTORY_STRING.fullmatch(h) for h in written) or len({len(h) for h in written}) != 1:
            return None
    elif len(lists) < 2 or not all(row[i].strip() in ("0", "1") for row in rows for i in lists):
        return None
    if counts and not all(row[counts[0]].strip().isdigit() for row in rows):
        return None
    return "histories" if counts else "case_records"


def sniffed_table(head: FileHead) -> tuple[str, list[str], list[list[str]]] | None:
    """Where a file's table is (``header 'A,B,n'``, or ``sheet 'lists', header 'A, B, n'``), its header and its
    first data rows as text, as :func:`sniff` reads them; None for a file that is plainly no table, or a workbook
    of other than one sheet holding anything (as :func:`_read_workbook` reads it)."""
    if head.is_xlsx:
        return _sniffed_sheet(head)
    if describe_unreadable(head) is not None:
        return None
    lines = [line.rstrip("\r") for line in head.text.lstrip("\ufeff").split("\n")]
    above = _lines_above_header(lines[:-1])
    delimiter, header = _header(lines[above])
    rows = [
        split_line(line, delimiter) for line in lines[above + 1 : above + _SNIFF_ROWS + 1] if line.strip()
    ]
    return f"header {lines[above][:120]!r}", header, rows


def _sniffed_sheet(head: FileHead) -> tuple[str, list[str], list[list[str]]] | None:
    filled = [sheet for sheet in head.workbook.sheets if any(_cell_text(c) for r in sheet.rows for c in r)]
    if len(filled) == 1:
        return _sheet_table(filled[0])
    # one sheet of list data beside sheets of notes (as the loader reads it); a sheet without a row of two 0/1
    # cells is none (most sheets of a workbook are not: its cells are not all made text to tell)
    tables = [
        table
        for sheet in filled
        if any(_binary_cells(row) > 1 for row in sheet.rows)
        and (table := _sheet_table(sheet)) is not None
        and _looks_like_lists(*table[1:])
    ]
    return tables[0] if len(tables) == 1 else None


def _binary_cells(row: tuple[Any, ...]) -> int:
    """How many cells of a workbook's row hold 0 or 1 (a number, a boolean or text)."""
    return sum(
        1 for c in row if (c.strip() in ("0", "1") if isinstance(c, str) else c is not None and c in (0, 1))
    )


def _sheet_table(sheet: SheetHead) -> tuple[str, list[str], list[list[str]]] | None:
    """:func:`sniffed_table`'s answer for one sheet (its top rows)."""
    rows = [[_cell_text(c) for c in r] for r in sheet.rows if any(_cell_text(c) for c in r)]
    rows = rows[_lines_above_header([_cells_text(row) for row in rows]) :]
    # a source line below the table (prose in one cell) is no row, as the loader leaves it out
    while len(rows) > 1 and len(held := [c for c in rows[-1] if c]) == 1 and re.search(PROSE, held[0]):
        rows.pop()
    first = next(i for i, cell in enumerate(rows[0]) if cell)
    header = rows[0][first:]
    width = len(header)
    body = [row[first:] + [""] * (width - len(row[first:])) for row in rows[1 : _SNIFF_ROWS + 1]]
    if any(any(row[:first]) for row in rows) or any(len(row) > width for row in body):
        return None  # cells beside the table: the loader refuses them
    return f"sheet {sheet.name!r}, header {', '.join(header)[:120]!r}", header, body


def _cell_text(cell: object) -> str:
    """A workbook cell as a CSV would hold it: 1 and 0 for a number or boolean written so (``1.0``, TRUE)."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "1" if cell else "0"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


#: How many lines (or rows) may stand above a table's header, titles and blank ones, as the other loaders read them.
TITLE_LINES = 10


def _cells_text(cells: list[str]) -> str:
    """A row's cells as one line of a comma-delimited file (each quoted, so :func:`_header` splits it back)."""
    return ",".join('"' + cell.replace('"', '""') + '"' for cell in cells)


def _lines_above_header(lines: list[str]) -> int:
    """How many lines stand above a table's header: titles (prose in one cell, the row's other cells empty: a
    caption saved with the table; below one, any text in one cell: its citation ``Silverman (2014)``, a year) and
    blank lines, the header being the first line of two names or more below them; 0 when the first line is the
    header, or when what stands above it is no title (a word, a number first: still refused, as the header of a
    column of one name)."""
    titled = False
    for index, line in enumerate(lines[: TITLE_LINES + 1]):
        held = [cell.strip() for cell in _header(line)[1] if cell.strip()]
        if not held:
            continue
        if len(held) == 1 and (titled or re.search(PROSE, held[0])):
            titled = True
            continue
        return index if titled and len(held) > 1 else 0
    return 0


def _titles_note(titles: list[str], unit: str) -> str:
    """The note naming the lines above the header, as the CTDC and TIP loaders name theirs."""
    shown = "; ".join(repr(title.strip()[:80]) for title in titles if title.strip())
    return f"{len(titles)} title {unit}(s) above the header, not records: {shown}"


def refuse_other_sources(path: Path) -> None:
    """An :class:`InputError` naming the file when a registered loader reads it (CTDC records, a UNODC
    workbook…): such a file is no list-capture data, and the error names the commands that read it."""
    from evidence.sources.registry import detect

    try:
        loader, layout = detect(path)
    except InputError:
        return
    what = loader.description.split(":")[0].split("(")[0].split("->")[0].strip()
    raise InputError(
        f"this is {what} (source {loader.source}, layout {layout}), not list-capture data",
        path=path,
        hint="read it with `evidence data load`, `evidence trend`, `evidence flows` or `evidence brief`; "
        "`evidence estimate` needs a list-capture CSV: a 0/1 column per list and a count column (n, count, "
        "frequency), or one row per case",
    )


def _read_strings(path: Path) -> tuple[pl.DataFrame, int, list[str], str | None, int]:
    """Every cell as text with each row's line (column :data:`_LINE`), after the checks a CSV parser does not
    make (encoding, delimiter, header names, the number of fields of every record); with how many rows holding
    nothing were left out, the notes naming them, the delimiter (None for a workbook) and the header's line."""
    check_readable(path)
    head = FileHead(path)
    if head.is_xlsx:
        refuse_other_sources(path)  # a UNODC or GSI workbook: named, with the commands that read it
        return _read_workbook(path)
    unreadable = describe_unreadable(head)
    if unreadable:
        raise InputError(unreadable, path=path)
    if sniff(head) is None:  # not plainly list data: is it a file another command reads?
        refuse_other_sources(path)
    data, _ = utf8_text(path.read_bytes(), path)
    top = data[: 64 * 1024].decode("utf-8", "replace").lstrip("\ufeff").split("\n")
    above = _lines_above_header([line.rstrip("\r") for line in top[:-1]])  # the last may be cut
    title_notes = []
    if above:  # a caption saved above the header (a table typed from a publication): not records
        *titles, data = data.split(b"\n", above)
        texts = [t.decode("utf-8", "replace").lstrip("\ufeff").rstrip("\r") for t in titles]
        title_notes = [
            _titles_note([" ".join(c.strip() for c in _header(t)[1]).strip() for t in texts], "line")
        ]
    header_row = above + 1
    header_line = data.split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff").rstrip("\r")
    delimiter, header = _header(header_line)
    check_width(len(header), path)
    unnamed = [i + 1 for i, name in enumerate(header) if not name]
    # R's write.csv writes a data frame's row names first, under an empty header cell (its default): the
    # published tables come from R packages. Read past when its cells are row names (see below).
    row_names = unnamed == [1] and len(header) > 1
    if unnamed and not row_names:
        raise InputError(f"column {unnamed[0]} of the header has no name", path=path, row=header_row)
    duplicated = sorted(name for name, n in Counter(header).items() if n > 1)
    if duplicated:
        raise InputError(f"duplicated column names {duplicated}", path=path, row=header_row)
    check_quotes(data, path)
    scan = scan_records(data, delimiter)
    fields = scan.field_counts
    # rows holding nothing (blank lines, rows of delimiters: a spreadsheet's cleared or formatted rows saved as
    # CSV), among the rows or below them, are no rows: left out, counted and named by line, as every loader does
    try:
        frame = pl.read_csv(
            data, separator=delimiter, infer_schema=False, quote_char='"', truncate_ragged_lines=True
        )
    except pl.exceptions.PolarsError as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot read as CSV: {message}", path=path) from exc
    if frame.height != scan.lines.size:
        raise InputError(
            f"cannot tell rows apart ({scan.lines.size} by line ends, {frame.height} by the CSV parser)",
            path=path,
        )
    lines = scan.lines + above
    frame = frame.rename(dict(zip(frame.columns, header, strict=True))).with_columns(
        pl.Series(_LINE, lines, dtype=pl.Int64)
    )
    # before R's row names are told (a repeated header's first cell is as empty as the header's own)
    frame, parts, part_notes = _without_repeated_headers(frame, header, "line")
    row_name_note: list[str] = []
    if row_names:
        frame, row_name_note = _without_row_names(frame, path, header_row)
    frame, left_out, notes = without_empty_records(frame, exclude=(_LINE,), row_column=_LINE)
    frame, noted, note_lines = _without_notes_below(frame, "line")
    left_out = np.concatenate([left_out, parts, noted])
    notes = [*title_notes, *row_name_note, *notes, *part_notes, *note_lines]
    wrong = ~np.isin(lines, left_out) & (fields != len(header))
    if wrong.any():
        index = int(wrong.argmax())
        raise InputError(
            f"{fields[index]} fields where the header has {len(header)}",
            path=path,
            row=int(lines[index]),
            hint="the header must be the first line, with no title above it" if len(header) < 2 else None,
        )
    if frame.height == 0:
        raise InputError("the file has a header but no data rows", path=path)
    return frame, int(left_out.size), notes, delimiter, header_row


def _read_workbook(path: Path) -> tuple[pl.DataFrame, int, list[str], None, int]:
    """Every cell of a workbook's sheet of list-capture data, as text, below its header (the sheet's first row
    holding anything, or the first below its title rows), each row with its row in the sheet (column
    :data:`_LINE`); as :func:`_read_strings`. The sheet is the workbook's one sheet holding anything, or the one
    of them holding a list-capture table (:func:`_looks_like_lists`) beside sheets of notes (named in a note)."""
    import fastexcel

    from evidence.sources.workbook import workbook_head

    head = workbook_head(path)
    filled = [
        sheet
        for sheet in head.sheets
        if any(cell is not None and str(cell).strip() for r in sheet.rows for cell in r)
    ]
    if not filled:
        raise InputError("the workbook holds no data", path=path)
    sheet, others = filled[0], ""
    if len(filled) > 1:
        sheet, others = _sheet_of_lists(filled, path)
    holding = [i for i, r in enumerate(sheet.rows) if any(c is not None and str(c).strip() for c in r)]
    above = _lines_above_header([_cells_text([_cell_text(c) for c in sheet.rows[i]]) for i in holding])
    first_held, top = holding[0], holding[above]
    title_notes = []
    if above:  # a caption above the header: not records
        titles = [" ".join(_cell_text(c) for c in sheet.rows[i]).strip() for i in range(first_held, top)]
        title_notes = [_titles_note(titles, "row")]
    cells = list(sheet.rows[top])
    first = next(i for i, c in enumerate(cells) if c is not None and str(c).strip())
    while cells and (cells[-1] is None or not str(cells[-1]).strip()):
        cells.pop()
    header = [" ".join(str(c).split()) if c is not None else "" for c in cells[first:]]
    unnamed = [i + 1 for i, name in enumerate(header) if not name]
    if unnamed:
        raise InputError(f"column {first + unnamed[0]} of the header has no name", path=path, row=top + 1)
    duplicated = sorted(name for name, n in Counter(header).items() if n > 1)
    if duplicated:
        raise InputError(f"duplicated column names {duplicated}", path=path, row=top + 1)
    check_width(len(header), path)
    try:
        frame = (
            fastexcel.read_excel(str(path))
            .load_sheet(sheet.name, header_row=top, dtypes="string")
            .to_polars()
        )
    except Exception as exc:  # fastexcel raises its own error types
        raise InputError(f"cannot read sheet {sheet.name!r}: {exc}", path=path) from exc
    if frame.width != len(header):
        raise InputError(
            f"cells beside the table: the sheet holds {frame.width} columns where the header names {len(header)}",
            path=path,
            row=top + 1,
            hint="the header must be the sheet's first row holding anything, with no title above it"
            if len(header) < 2
            else "the header must name every column holding data",
        )
    frame = frame.with_columns(pl.all().cast(pl.String))  # a column of empty cells has no type of its own
    frame = pl.DataFrame({name: frame.to_series(i) for i, name in enumerate(header)}).with_columns(
        pl.int_range(top + 2, top + 2 + frame.height, dtype=pl.Int64).alias(_LINE)
    )
    frame, left_out, notes = without_empty_records(frame, unit="row", exclude=(_LINE,), row_column=_LINE)
    frame, parts, part_notes = _without_repeated_headers(frame, header, "row")
    frame, noted, note_lines = _without_notes_below(frame, "row")
    if frame.height == 0:
        raise InputError("the sheet has a header but no data rows", path=path)
    read = f"read from sheet {sheet.name!r}{others}"
    notes = [read, *title_notes, *notes, *part_notes, *note_lines]
    return frame, int(left_out.size + parts.size + noted.size), notes, None, top + 1


def _without_repeated_headers(
    frame: pl.DataFrame, header: list[str], unit: str
) -> tuple[pl.DataFrame, np.ndarray, list[str]]:
    """``frame`` without the rows repeating its header and the titles above them (a table pasted part by part:
    :func:`~evidence.sources.typed_tables.repeated_headers`), with their rows and the notes naming them."""
    repeated, titles, notes = repeated_headers(frame, header, unit=unit, row_column=_LINE)
    gone = repeated | titles
    if not gone.any():
        return frame, np.zeros(0, dtype=np.int64), []
    return frame.filter(pl.Series(~gone)), frame.get_column(_LINE).to_numpy()[gone], notes


def _sheet_of_lists(filled: list[SheetHead], path: Path) -> tuple[SheetHead, str]:
    """Of a workbook's sheets holding anything, the one holding a list-capture table (:func:`_looks_like_lists`,
    by its top rows) beside sheets of notes, with the words naming those; refused when none or several do."""
    tables = [
        sheet
        for sheet in filled
        if any(_binary_cells(row) > 1 for row in sheet.rows)
        and (table := _sheet_table(sheet))
        and _looks_like_lists(*table[1:])
    ]
    if len(tables) != 1:
        each = (
            ", each a list-capture table" if tables else ", none a list-capture table (a 0/1 column per list)"
        )
        raise InputError(
            f"the workbook has {len(filled)} sheets holding data ({', '.join(repr(s.name) for s in filled)})"
            f"{each}: list-capture data are read from one sheet",
            path=path,
            hint="delete the other sheets, or save the sheet holding the table as CSV",
        )
    rest = [sheet.name for sheet in filled if sheet is not tables[0]]
    named = ", ".join(f"sheet {name!r}" for name in rest)
    return tables[0], f" ({named} hold{'s' if len(rest) == 1 else ''} no list-capture table: not read)"


def _without_notes_below(frame: pl.DataFrame, unit: str) -> tuple[pl.DataFrame, np.ndarray, list[str]]:
    """``frame`` without the note lines below its table (a source line under a table typed from a publication:
    text in one cell, every other empty), with their rows and the note naming them by ``unit``, as every loader
    leaves them out (:func:`~evidence.sources.delimited.notes_below`). Only the last rows are looked at, and only
    prose (words, :data:`~evidence.sources.delimited.PROSE`): a word or a code (``TRUE``, a history ``1x1``) is a
    record cut short or mistyped, and a text row among the records or a total row (``Total,,,30``, a figure beside
    its label) is no note either: each is still refused naming its row."""
    candidates = text_rows_at_end(frame, exclude=(_LINE,), row_column=_LINE)
    if candidates.is_empty():
        return frame, np.zeros(0, dtype=np.int64), []
    prose = candidates.get_column("text").str.contains(PROSE).to_numpy()
    notes = candidates.slice(int(np.flatnonzero(~prose)[-1]) + 1 if not prose.all() else 0)
    if notes.is_empty():
        return frame, np.zeros(0, dtype=np.int64), []
    rows = notes.get_column("row").to_numpy()
    return frame.filter(~pl.col(_LINE).is_in(rows)), rows, [note_lines_note(notes, unit)]


def _without_row_names(frame: pl.DataFrame, path: Path, header_row: int) -> tuple[pl.DataFrame, list[str]]:
    """``frame`` without its first column, unnamed, when its cells are R's row names (write.csv's default): each
    row's own, none empty (a row holding nothing aside); else the header's unnamed column is refused, as any."""
    # a row holding nothing (every other cell empty too) is left out later, as in any file
    others = [c for c in frame.columns if c not in ("", _LINE)]
    holding = ~pl.all_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in others)
    written = frame.filter(holding).get_column("").str.strip_chars()
    if written.is_null().any() or (written == "").any() or written.is_duplicated().any():
        raise InputError("column 1 of the header has no name", path=path, row=header_row)
    # the names themselves are not quoted: of one row per case they can be the cases' identifiers, which never
    # leave the loader (and notes are shown beside the estimate)
    note = (
        "the first column, unnamed, holds R's row names (one per row, none repeated: write.csv's default), not a "
        "list: left out"
    )
    return frame.drop(""), [note]


def _header(line: str) -> tuple[str, list[str]]:
    """The delimiter (comma, semicolon, tab or pipe: the one splitting the header most) and the column names."""
    candidates = {d: split_line(line, d) for d in (",", ";", "\t", "|")}
    delimiter = max(candidates, key=lambda d: (len(candidates[d]), d == ","))
    return delimiter, [name.strip() for name in candidates[delimiter]]


def is_count_column(name: str) -> bool:
    """Whether a column so named holds a ``histories`` file's counts (:data:`COUNT_COLUMN_NAMES`)."""
    return header_cell_key(name) in _COUNT_KEYS


def _count_column(frame: pl.DataFrame, path: Path, header_row: int) -> str | None:
    found = [c for c in frame.columns if c != _LINE and is_count_column(c)]
    if len(found) > 1:
        raise InputError(f"more than one count column: {found}", path=path, row=header_row)
    return found[0] if found else None


#: A capture history written as one string of 0/1 digits, a digit per list (``"10110"``, as Rcapture and MARK
#: write them).
_HISTORY_STRING = re.compile(r"[01]{2,}")


def _history_string_column(header: list[str], count_column: str | None) -> str | None:
    """The one column that may hold capture histories as strings: the only column but the count and an
    identifier (and the line). None when there are several: each is then a list."""
    others = [
        c
        for c in header
        if c != _LINE
        and c != count_column
        and (count_column is not None or c.lower() not in CASE_ID_COLUMN_NAMES)
    ]
    return others[0] if len(others) == 1 else None


def _split_history_strings(
    frame: pl.DataFrame, count_column: str | None, path: Path
) -> tuple[pl.DataFrame, list[str]]:
    """``frame`` with a column of capture-history strings (``"101"``: a digit per list, as Rcapture and MARK
    write them) split into a column per list, named ``list 1``, ``list 2``… by position, with the note saying
    so; unchanged when it has no such column. A history of another length than the others (a spreadsheet that
    dropped its leading zeros: ``011`` saved as ``11``), of other characters or empty is refused naming its row."""
    column = _history_string_column(frame.columns, count_column)
    if column is None:
        return frame, []
    text = frame[column].str.strip_chars()
    if not text.str.contains(f"^{_HISTORY_STRING.pattern}$").fill_null(False).any():
        return frame, []  # not histories: one column of something else, refused as one list
    valid = text.str.contains("^[01]+$").fill_null(False)
    first = int(valid.arg_true()[0])
    width = len(text[first])
    wrong = ~valid | (text.str.len_chars() != width).fill_null(True)
    if wrong.any():
        index = int(wrong.arg_true()[0])
        value = frame[column][index]
        if value is None or not value.strip():
            problem = "an empty cell"
        elif valid[index]:
            problem = (
                f"{value.strip()!r}, of {len(value.strip())} digits where the capture history on row "
                f"{frame[_LINE][first]} ({text[first]!r}) has {width}"
            )
        else:
            problem = repr(value)
        raise InputError(
            f"a capture history is a string of a 0 or 1 per list, all of one length; found {problem}",
            path=path,
            row=int(frame[_LINE][index]),
            column=column,
            hint="a spreadsheet drops the leading zeros of 011 when it reads it as a number: save that column "
            "as text"
            if valid[index]
            else "write 1 where the list recorded the case, 0 where it did not, a digit per list",
        )
    names = [f"list {i + 1}" for i in range(width)]
    split = pl.DataFrame({name: text.str.slice(i, 1) for i, name in enumerate(names)})
    position = frame.columns.index(column)
    before, after = frame.columns[:position], frame.columns[position + 1 :]
    frame = pl.concat([frame.select(before), split, frame.select(after)], how="horizontal")
    note = (
        f"the column {column!r} holds capture histories as strings of {width} digits: read as {width} lists "
        f"named by position, {names[0]} to {names[-1]} (left to right)"
    )
    return frame, [note]


def _list_columns(columns: list[str], path: Path, header_row: int) -> list[str]:
    columns = [c for c in columns if c != _LINE]
    if len(columns) < 2:
        raise InputError(
            f"multiple systems estimation needs at least two lists; found {len(columns)} ({columns})",
            path=path,
            row=header_row,
        )
    return columns


def _binary(frame: pl.DataFrame, column: str, path: Path, count_column: str | None = None) -> pl.Series:
    values = frame[column].str.strip_chars().str.to_lowercase().replace_strict(_MEMBERSHIP, default=None)
    bad = values.is_null()
    if bad.any():
        index = int(bad.arg_true()[0])
        shown = frame[column][index]
        found = "an empty cell" if shown is None or not shown.strip() else repr(shown)
        raise InputError(
            f"list membership must be 0 or 1 (TRUE or FALSE), found {found}"
            + (f" (and {int(bad.sum()) - 1} more rows)" if bad.sum() > 1 else ""),
            path=path,
            row=int(frame[_LINE][index]),
            column=column,
            hint=_empty_cells_hint(frame[column], column)
            or _history_hint(frame[column], column)
            or _covariate_hint(frame[column], bad, column)
            or _coding_hint(frame[column])
            or _numbers_beside_counts_hint(frame[column], column, count_column)
            or _membership_hint(shown),
        )
    return values.cast(pl.UInt8)


#: Words a list's column may hold for a membership that the loader does not read (told to write 1 or 0 instead).
_MEMBERSHIP_WORDS = frozenset({"yes", "no", "y", "n", "x", "on", "off"})


def _empty_cells_hint(values: pl.Series, column: str) -> str | None:
    """What to do about a list whose every written cell is a membership and some are empty (a table typed with
    only its 1s written): an empty cell is not read as 0, since it may mean the list's record is unknown."""
    written = values.str.strip_chars()
    if not (written.is_null() | (written == "")).any():
        return None
    held = written.filter(written.is_not_null() & (written != "")).str.to_lowercase()
    if not held.len() or not held.is_in(list(_MEMBERSHIP)).all():
        return None
    return (
        f"{column!r} holds 0s and 1s and empty cells: write 0 where the list did not record the case (an empty "
        "cell is not read as 0: it may mean that whether the list recorded the case is unknown)"
    )


def _covariate_hint(values: pl.Series, bad: pl.Series, column: str) -> str | None:
    """What to do about a column that describes the cases (sex, nationality…) rather than a list: none of its
    values is a membership and they are words (not counts, not yes/no). The estimation has no strata."""
    if not bad.all():
        return None
    words = {v.strip().lower() for v in values.drop_nulls().to_list() if v.strip()}
    if not words or words <= _MEMBERSHIP_WORDS or all(w.removesuffix(".0").isdigit() for w in words):
        return None
    return (
        f"{column!r} describes the cases (sex, nationality…), not a list: the estimation takes no strata. "
        "Estimate each group from its own file (its rows, without this column); a group of few cases gives "
        "a fragile estimate"
    )


def _history_hint(values: pl.Series, column: str) -> str | None:
    """What to do about a column of capture-history strings (``101``) beside other columns than a count and an
    identifier: it is read only alone (a case's sex or region beside it is no list, and strata are not taken)."""
    written = [v.strip() for v in values.drop_nulls().to_list() if v.strip()]
    if not written or not all(_HISTORY_STRING.fullmatch(v) for v in written):
        return None
    return (
        f"{column!r} holds capture histories as strings (a digit per list), which are read only when that column "
        "stands alone beside a count column (n, count, frequency…) or an identifier (id, case_id): "
        "leave the other columns out (the estimation takes no strata: estimate each group from its own file)"
    )


def _coding_hint(values: pl.Series) -> str | None:
    """What to do about a list coded 1 and 2 (as survey software and SPSS write yes and no): which is which is
    not guessed."""
    written = {v.strip().removesuffix(".0") for v in values.drop_nulls().to_list() if v.strip()}
    if written != {"1", "2"}:
        return None
    return (
        "the list looks coded 1/2 (as survey software writes yes/no), which is not guessed at: write 1 where "
        "the list recorded the case, 0 where it did not"
    )


def _numbers_beside_counts_hint(values: pl.Series, column: str, count_column: str | None) -> str | None:
    """What to do about a column of whole numbers beside the count column (an edition adding its year, a region's
    code): no list, nor the count (told apart from a count column under another name, which there is not)."""
    written = [v.strip().removesuffix(".0") for v in values.drop_nulls().to_list() if v.strip()]
    if count_column is None or not written or not all(v.isdigit() for v in written):
        return None
    if all(1900 <= int(v) <= 2100 for v in written):
        return (
            f"{column!r} holds years ({written[0]}…), not a list: the estimation takes no strata; estimate each "
            "year from its own file (its rows, without this column)"
        )
    return (
        f"{column!r} holds numbers other than 0 and 1 beside the count column {count_column!r}: not a list (a code, "
        "a second count?); leave it out, or write 1 where the list recorded the case, 0 where it did not"
    )


def _membership_hint(shown: str | None) -> str:
    """What to do about a value that is no membership: a whole number above 1 is most likely the count of a
    capture-history table under a name the loader does not take for one (``cases``, ``total``)."""
    text = (shown or "").strip().removesuffix(".0")
    if text.isdigit() and int(text) > 1:
        return (
            "a column of counts (people with each capture history) must be named 'n' or 'count' (or "
            + ", ".join(n for n in COUNT_COLUMN_NAMES if n not in ("n", "count"))
            + ", _freq)"
            + "; a list's column holds 1 where the list recorded the case, 0 where it did not"
        )
    return "write 1 where the list recorded the case, 0 where it did not"


def _histories(
    frame: pl.DataFrame, count_column: str, path: Path, delimiter: str | None, header_row: int
) -> LoadedTable:
    lists = _list_columns([c for c in frame.columns if c != count_column], path, header_row)
    counts, grouped_note = _counts(frame, count_column, path, delimiter)
    data = pl.DataFrame({c: _binary(frame, c, path, count_column) for c in lists}).with_columns(
        counts.alias(COUNT_COLUMN)
    )
    _refuse_row_numbers(data, lists, count_column, path, header_row)
    keyed = data.with_columns(frame[_LINE].alias("_line"))
    on_no_list = keyed.filter(pl.sum_horizontal(lists) == 0)
    rejects = []
    for row in on_no_list.iter_rows(named=True):
        if row[COUNT_COLUMN] > 0:
            raise InputError(
                f"the all-zero history (on no list) has count {row[COUNT_COLUMN]}: nobody can be observed on "
                "no list; that number is what the estimation is for",
                path=path,
                row=row["_line"],
                column=count_column,
            )
        rejects.append(
            {
                "row": row["_line"],
                "column": None,
                "value": "0",
                "reason": "all-zero history (unobservable), count 0",
            }
        )
    if on_no_list.height:
        data = data.filter(pl.sum_horizontal(lists) > 0)
    merged = _merged_histories(keyed.filter(pl.sum_horizontal(lists) > 0), lists)
    return LoadedTable(
        data=data,
        provenance=_provenance(path, "histories", data, (*grouped_note, *merged)),
        rows_in=frame.height,
        rejects=issues_frame(rejects),
        kind="list_capture",
    )


#: How the note of :func:`_merged_histories` begins after its number of rows (:func:`merged_rows_note` finds it).
MERGED_ROWS = "rows merged into"


def merged_rows_note(provenance: Provenance) -> str | None:
    """The note of a list-capture table naming rows that gave a capture history already given (their counts
    summed), or None: what a reader of the estimate should know about how the file was read."""
    return next((n for n in provenance.notes if n.split(" ", 1)[-1].startswith(MERGED_ROWS)), None)


def _merged_histories(keyed: pl.DataFrame, lists: list[str]) -> tuple[str, ...]:
    """The note naming the rows that give a capture history already given (column ``_line``: each row's line), or
    none. Their counts are summed with it, as Rcapture and SparseMSE read such a table (a table typed in parts):
    the rows stay in the canonical table, whose analysis sums rows by history, and the note says so."""
    repeated = keyed.filter(pl.struct(lists).is_duplicated())
    if not repeated.height:
        return ()
    groups = (
        repeated.group_by(lists, maintain_order=True)
        .agg(pl.col("_line").sort())
        .sort(pl.col("_line").list.first())
    )
    shown = []
    for row in groups.head(3).iter_rows(named=True):
        lines = [str(line) for line in row["_line"]]
        shown.append(f"{_pretty(row, lists)} on rows {', '.join(lines[:-1])} and {lines[-1]}")
    more = f" and {groups.height - 3} more" if groups.height > 3 else ""
    histories = f"{groups.height} capture histor{'y' if groups.height == 1 else 'ies'}"
    note = (
        f"{repeated.height} {MERGED_ROWS} {histories}, {'each ' if groups.height > 1 else ''}given on more than "
        "one row "
        f"({'; '.join(shown)}{more}): their counts are summed, as Rcapture and SparseMSE do (were the rows "
        "strata, a year or a region each? then estimate each from its own file)"
    )
    return (note,)


def _refuse_row_numbers(
    data: pl.DataFrame, lists: list[str], count_column: str, path: Path, header_row: int
) -> None:
    """Refuse a count column that numbers its rows (1, 2, 3… beside histories given more than once): one row per
    case under a case number named as a count (``Number``), which read as counts would make 1 + 2 + … people of
    its cases."""
    counts = data[COUNT_COLUMN]
    if data.height < 3 or not data.select(pl.struct(lists).is_duplicated().any()).item():
        return
    if (counts == pl.int_range(1, data.height + 1, eager=True)).all():
        raise InputError(
            f"the column {count_column!r} numbers its rows (1, 2, 3… to {data.height}) beside capture histories "
            "given on several rows: case numbers, not counts of people",
            path=path,
            row=header_row,
            column=count_column,
            hint="name an identifier column 'id' or 'case_id' (one row per case), or give each capture history "
            "once with its number of people",
        )


#: A count written with thousands separators (``1,006``, ``1.006``, ``1 006``): refused with its own hint unless
#: the separator cannot be a decimal one (:data:`_GROUPED_BY_SPACES`, :data:`_GROUPED_BY_COMMAS`), as which one is
#: depends on the locale the file was saved in.
_GROUPED = r"^[0-9]{1,3}([,. \u00a0\u202f][0-9]{3})+$"
#: Thousands separated by spaces (``1 006``, a no-break or narrow no-break space as French and SI write them): a
#: space is no decimal separator in any locale.
_GROUPED_BY_SPACES = r"^[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+$"
#: Thousands separated by commas (``1,006``): read in a comma-delimited file only (quoted there, else two fields),
#: as a file saved where the comma is the decimal separator is delimited by semicolons (or tabs: ``1,000`` there
#: may be 1 written to three decimals), and a workbook's cell of text says nothing of its locale.
_GROUPED_BY_COMMAS = r"^[0-9]{1,3}(?:,[0-9]{3})+$"


def _counts(
    frame: pl.DataFrame, column: str, path: Path, delimiter: str | None
) -> tuple[pl.Series, tuple[str, ...]]:
    """The count column as whole numbers, with the note saying that counts written with thousands separators
    were read (none when none were); refused naming the row of the first that is no whole number of people."""
    values = frame[column]
    text = values.str.strip_chars()
    grouped = text.str.contains(_GROUPED_BY_SPACES).fill_null(False)
    if delimiter == ",":
        grouped = grouped | text.str.contains(_GROUPED_BY_COMMAS).fill_null(False)
    if grouped.any():
        text = pl.select(
            pl.when(pl.lit(grouped))
            .then(pl.lit(text).str.replace_all(r"[, \u00a0\u202f]", ""))
            .otherwise(pl.lit(text))
        ).to_series()
    text, dots_note = _dotted_counts(frame, column, text, path, delimiter)
    numbers = text.cast(pl.Float64, strict=False)
    bad = (
        numbers.is_null()
        | ~numbers.is_finite()
        | (numbers < 0)
        | (numbers != numbers.floor())
        | (numbers > MAX_COUNT)
    )
    if bad.any():
        index = int(bad.arg_true()[0])
        value = values[index]
        found = "an empty cell" if value is None or not value.strip() else repr(value)
        separated = value is not None and re.match(_GROUPED, value.strip()) is not None
        raise InputError(
            f"a count must be a whole number of people from 0 to {MAX_COUNT:,}, found {found}",
            path=path,
            row=int(frame[_LINE][index]),
            column=column,
            hint=_grouped_hint(delimiter) if separated else None,
        )
    if not grouped.any():
        return numbers.cast(pl.Int64), dots_note
    first = int(grouped.arg_true()[0])
    note = (
        f"{int(grouped.sum())} count{'s' if grouped.sum() > 1 else ''} written with thousands separators read as "
        f"whole numbers (row {frame[_LINE][first]}: {values[first].strip()!r} read as {int(numbers[first])})"
    )
    return numbers.cast(pl.Int64), (note, *dots_note)


#: A count written with a comma that can only be a decimal one: not before three digits (``54,0``, ``1006,25``), or
#: after dots between thousands (``1.006,0``).
_DECIMAL_ONLY_COMMA = r"^(?:[0-9]+|[1-9][0-9]{0,2}(?:\.[0-9]{3})+),(?:[0-9]{1,2}|[0-9]{4,})$"


def _decimal_comma_counts(
    frame: pl.DataFrame, text: pl.Series, decimal_comma: pl.Series, delimiter: str | None
) -> tuple[pl.Series, tuple[str, ...]]:
    """The count column's text with its counts written with a decimal comma (``54,0``, as a column of decimals is
    saved where the comma is the decimal separator) read with a decimal point, and the note saying so: in a file
    not delimited by commas (where a comma may be a decimal one) whose column writes a comma that can only be one
    (:data:`_DECIMAL_ONLY_COMMA`), so that its ``1,000`` is 1 to three decimals too (dots before a comma separate
    thousands: ``1.006,0``); unchanged otherwise (a ``1,006`` there is refused: 1.006 or 1006?). A count that is no
    whole number so read is still refused."""
    if delimiter in (None, ",") or not decimal_comma.any():
        return text, ()
    written = text.str.contains(r"^(?:[0-9]+|[1-9][0-9]{0,2}(?:\.[0-9]{3})+),[0-9]+$").fill_null(False)
    read = pl.select(
        pl.when(pl.lit(written))
        .then(pl.lit(text).str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .otherwise(pl.lit(text))
    ).to_series()
    first = int(decimal_comma.arg_true()[0])
    note = (
        f"{int(written.sum())} count(s) written with a decimal comma read as numbers (row {frame[_LINE][first]}: "
        f"{text[first]!r}), as a file delimited by {DELIMITER_NAMES.get(delimiter or '', repr(delimiter))}s saves "
        "them where the comma is the decimal separator"
    )
    return read, (note,)


def _dotted_counts(
    frame: pl.DataFrame, column: str, text: pl.Series, path: Path, delimiter: str | None
) -> tuple[pl.Series, tuple[str, ...]]:
    """The count column's text with its ``1.000`` cells (:data:`~evidence.sources.typed_tables.DOTTED`) read as the column shows them, and the
    note saying how; unchanged when it has none. The dot separates thousands where the column writes a count of two
    dots (``1.234.567``), counts below 1,000 without a dot beside them (``54``: a column of decimals written to three
    places writes ``54.000``, and one written as short as it can never writes ``1.000``), a decimal comma (``2,0``),
    or is delimited by semicolons (saved where the comma is the decimal separator); it is a decimal point where the
    column writes other decimals (``2.0``, ``1006.000``, ``0.000``), commas between thousands (``1,006``) or counts of
    1,000 or more without a separator (``1006``). A 0 tells nothing, nor does a workbook's number cell (its text is
    the reader's). Refused naming the first such cell's row when the column shows both, or neither (``1.000`` beside
    ``2.000`` only: 1 and 2, or 1,000 and 2,000?): :func:`~evidence.sources.typed_tables.dot_evidence`, with what a
    file delimited by semicolons or a decimal comma tells besides."""
    dotted = text.str.contains(DOTTED).fill_null(False)
    # a comma that can only be a decimal one (not before three digits: "54,0", "1.006,5")
    decimal_comma = text.str.contains(_DECIMAL_ONLY_COMMA).fill_null(False)
    if not dotted.any():
        return _decimal_comma_counts(frame, text, decimal_comma, delimiter)
    # told by the cells as written (``text`` has counts written with spaces or commas between thousands read)
    thousands, decimals = dot_evidence(
        frame[column].str.strip_chars(), text_file=delimiter is not None, comma_grouping=delimiter == ","
    )
    thousands += [
        why
        for why, shown in (
            ("a decimal comma", bool(decimal_comma.any())),
            (
                "semicolons between its fields (a file saved where the comma is the decimal separator)",
                delimiter == ";",
            ),
        )
        if shown
    ]
    first = int(dotted.arg_true()[0])
    written = text[first]
    if bool(thousands) == bool(decimals):
        told = (
            f"the column shows both ({', '.join(thousands)}; {', '.join(decimals)})"
            if thousands
            else "nothing else in the column tells which"
        )
        raise InputError(
            f"the count {written!r} may be {written.split('.')[0]} written to three decimals or "
            f"{written.replace('.', ',')} with a dot between thousands, and {told}",
            path=path,
            row=int(frame[_LINE][first]),
            column=column,
            hint="write the count without thousands separators nor decimals: 1000, not 1.000 or 1,000",
        )
    if decimals:
        note = (
            f"{int(dotted.sum())} count(s) written like {written!r} (row {frame[_LINE][first]}) read with the dot as "
            f"the decimal point, as the column's {' and '.join(decimals)} show"
        )
        return text, (note,)
    read = pl.select(
        pl.when(pl.lit(dotted | decimal_comma))
        .then(pl.lit(text).str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .otherwise(pl.lit(text))
    ).to_series()
    note = (
        f"{int(dotted.sum())} count(s) written with dots between thousands read as whole numbers (row "
        f"{frame[_LINE][first]}: {written!r} read as {read[first]}), as the column's {' and '.join(thousands)} show"
    )
    return read, (note,)


def _grouped_hint(delimiter: str | None) -> str:
    """What to do about a count written with thousands separators that may be decimal ones."""
    where = {
        ";": ": in a file delimited by semicolons (saved where the comma is the decimal separator) 1,006 is 1.006",
        ",": "",
        None: ": a workbook's cell of text does not say which separator is the decimal one",
    }.get(delimiter, ": a file delimited so does not say which separator is the decimal one")
    return f"write the count without thousands separators: 1006, not 1,006 or 1.006{where}"


def _case_records(frame: pl.DataFrame, path: Path, header_row: int) -> LoadedTable:
    id_columns = [c for c in frame.columns if c.lower() in CASE_ID_COLUMN_NAMES]
    if len(id_columns) > 1:
        raise InputError(f"more than one identifier column: {id_columns}", path=path, row=header_row)
    for column in id_columns:
        ids = frame[column]
        repeated = ids.is_duplicated() & ids.is_not_null()
        if repeated.any():
            index = int(repeated.arg_true()[1] if repeated.sum() > 1 else repeated.arg_true()[0])
            raise InputError(
                "the same case identifier appears on more than one row; link the lists first "
                "(one row per case, with a 0/1 column per list)",
                path=path,
                row=int(frame[_LINE][index]),
                column=column,
            )
    lists = _list_columns([c for c in frame.columns if c not in id_columns], path, header_row)
    data = pl.DataFrame({c: _binary(frame, c, path) for c in lists})
    on_no_list = data.select(pl.sum_horizontal(lists) == 0).to_series()
    if on_no_list.any():
        raise InputError(
            "a case is on no list: every case record must be on at least one list",
            path=path,
            row=int(frame[_LINE][int(on_no_list.arg_true()[0])]),
        )
    data = data.with_columns(pl.lit(1, pl.Int64).alias(COUNT_COLUMN))
    return LoadedTable(
        data=data,
        provenance=_provenance(path, "case_records", data),
        rows_in=frame.height,
        kind="list_capture",
    )


def _pretty(row: dict, lists: list[str]) -> str:
    on = [c for c in lists if row[c]]
    return "{" + ", ".join(on) + "}" if on else "{} (on no list)"


def _provenance(path: Path, layout: str, data: pl.DataFrame, notes: tuple[str, ...] = ()) -> Provenance:
    """The provenance of a list-capture table: a published release's when the file is one
    (:func:`recognise`), else the generic one of a user's own file; with the loader's ``notes``."""
    sha256 = sha256_file(path)
    found = recognise(sha256, data)
    if found is not None:
        return found[0].provenance(layout=layout, path=str(path), sha256=sha256, notes=(*found[1], *notes))
    return Provenance(
        source=SOURCE,
        layout=layout,
        release="unknown",
        path=str(path),
        sha256=sha256,
        url="",
        licence="as stated by the data owner",
        citation=f"{path.name}: list-capture data (cite as the data owner asks)",
        title=path.stem,
        notes=notes,
    )


# ------------------------------------------------------------------------------------- published releases


def counts_sha256(data: pl.DataFrame) -> str:
    """sha256 of what a list-capture table says, whatever file it was read from: the list names (sorted) and,
    for each capture history with people on it, the lists it is on and its number of people (sorted). Line
    endings, delimiter, quoting, the count column's name, the order of columns and rows, histories written with
    count 0, ``1.0``/``TRUE`` for 1, one row per case or one per history: none of them changes it; a list's
    name or any count does."""
    lists = sorted(c for c in data.columns if c != COUNT_COLUMN)
    rows = data.group_by(lists).agg(pl.col(COUNT_COLUMN).sum()).filter(pl.col(COUNT_COLUMN) > 0)
    lines = sorted(
        ",".join(name for name in lists if row[name]) + f"={row[COUNT_COLUMN]}"
        for row in rows.iter_rows(named=True)
    )
    text = "lists=" + ",".join(lists) + "\n" + "".join(f"{line}\n" for line in lines)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclasses.dataclass(frozen=True)
class PublishedRelease:
    """One table of a published list-capture dataset, as an R package ships it (``published.yaml``)."""

    dataset: str  # the dataset's key
    name: str  # what readers see: "UK 2013 strategic assessment lists (Home Office)"
    title: str
    producer: str
    description: str
    url: str  # the publication
    date_published: str
    licence: str  # of the counts, as stated upstream ("not stated")
    citation: str  # the publication
    terms: tuple[str, ...]
    synthetic: bool
    release: str  # "SparseMSE 2.0.1 UKdat"
    label: str  # "six lists (table UKdat of the R package SparseMSE 2.0.1)"
    table: str
    package: str
    package_version: str
    package_url: str
    package_licence: str
    file: str
    lists: tuple[str, ...]
    cases: int
    sha256: str
    counts_sha256: str

    def provenance(self, *, layout: str, path: str, sha256: str, notes: tuple[str, ...] = ()) -> Provenance:
        """The provenance of a table loaded from a file of this release."""
        package = f"the R package {self.package} {self.package_version}"
        return Provenance(
            source=SOURCE,
            layout=layout,
            release=self.release,
            path=path,
            sha256=sha256,
            url=self.url,
            licence=f"{self.licence} for the counts; {package}, which ships them, is {self.package_licence}",
            citation=f"{self.citation} Data: table {self.table} of {package} ({self.package_url}).",
            title=self.title,
            synthetic=self.synthetic,
            notes=notes,
            name=self.name,
            release_label=self.label,
            producer=self.producer,
            date_published=self.date_published,
            terms=self.terms,
        )


#: The keys of a dataset and of a release in ``published.yaml`` (any other is a typo, refused).
_DATASET_KEYS = {
    "key",
    "name",
    "title",
    "producer",
    "description",
    "url_main",
    "date_published",
    "licence",
    "terms",
    "synthetic",
    "citation",
    "releases",
}
_RELEASE_KEYS = {f.name for f in dataclasses.fields(PublishedRelease)} - {
    "dataset",
    "name",
    "title",
    "producer",
    "description",
    "url",
    "date_published",
    "licence",
    "citation",
    "terms",
    "synthetic",
}


@cache
def published_releases() -> tuple[PublishedRelease, ...]:
    """Every published list-capture release the toolkit recognises (``metadata/list_capture/published.yaml``)."""
    import yaml

    text = (
        resources.files("evidence.sources.metadata")
        .joinpath("list_capture", "published.yaml")
        .read_text(encoding="utf-8")
    )
    raw: dict[str, Any] = yaml.safe_load(text)
    found = []
    for entry in raw["datasets"]:
        unknown = set(entry) - _DATASET_KEYS
        if unknown:
            raise ValueError(f"published.yaml, dataset {entry.get('key')}: unknown keys {sorted(unknown)}")
        # a term is a sentence: one unquoted with a colon in it is read by YAML as a mapping
        if not all(isinstance(term, str) for term in entry.get("terms") or ()):
            raise ValueError(
                f"published.yaml, dataset {entry.get('key')}: a term that is not text (quote it)"
            )
        for release in entry["releases"]:
            if set(release) != _RELEASE_KEYS:
                wrong = sorted(set(release) ^ _RELEASE_KEYS)
                raise ValueError(f"published.yaml, release {release.get('release')}: keys {wrong} wrong")
            found.append(
                PublishedRelease(
                    dataset=entry["key"],
                    name=entry["name"].strip(),
                    title=entry["title"].strip(),
                    producer=entry["producer"].strip(),
                    description=entry["description"].strip(),
                    url=entry["url_main"].strip(),
                    date_published=str(entry.get("date_published") or ""),
                    licence=entry["licence"]["name"].strip(),
                    citation=entry["citation"].strip(),
                    terms=tuple(entry.get("terms") or ()),
                    synthetic=bool(entry.get("synthetic", False)),
                    **{
                        **release,
                        "release": str(release["release"]),
                        "label": str(release["label"]).strip(),
                        "package_version": str(release["package_version"]),
                        "lists": tuple(str(x) for x in release["lists"]),
                        "cases": int(release["cases"]),
                    },
                )
            )
    return tuple(found)


def recognise(sha256: str, data: pl.DataFrame) -> tuple[PublishedRelease, tuple[str, ...]] | None:
    """The published release a file is, with the note saying how it was told, or None: by the sha256 of the exact
    file, else by its counts (:func:`counts_sha256`: a copy re-saved another way)."""
    releases = published_releases()
    for release in releases:
        if release.sha256 == sha256:
            return release, ()
    key = counts_sha256(data)
    for release in releases:
        if release.counts_sha256 == key:
            note = (
                f"recognised as {release.name}, {release.label} by its counts: the file is not the release's "
                f"{release.file} byte for byte (re-saved with other line endings, delimiter or count column?)"
            )
            return release, (note,)
    return None
