"""List-capture data for multiple systems estimation: which lists (agencies) recorded which victims.

Two layouts are read:

* ``histories``: one row per capture history, a 0/1 column per list and a count column (named ``n``, ``N``,
  ``count``, ``Count``, ``frequency``, ``Frequency`` or ``freq``, as the reference R packages do);
* ``case_records``: one row per case, a 0/1 column per list and no count column (an optional ``case_id`` or
  ``id`` column is checked for duplicates and then dropped: identifiers never leave the loader).

Both land on the canonical **list-capture table**: one UInt8 column per list and an Int64 ``count`` column
(one row per history, or one row per case with count 1); the analysis aggregates rows by history.

This loader is deliberately *not* registered with the sniffing registry: a CTDC-like file of 0/1 flags must
never be mistaken for list data, so list-capture data are always read by asking for them explicitly. The two
commands still recognise each other's files, so that a file given to the wrong one gets the right command
named: a file a registered loader reads is refused here as what it is (:func:`refuse_other_sources`), and a
file no registered loader reads but :func:`sniff` takes for list-capture data is named as such by
:func:`evidence.sources.registry.detect`.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl

from evidence.core.errors import InputError
from evidence.sources.delimited import (
    check_quotes,
    check_width,
    scan_records,
    split_line,
    utf8_text,
    without_empty_records,
)
from evidence.sources.loaded import LoadedTable, issues_frame
from evidence.sources.provenance import LIST_CAPTURE, Provenance, sha256_file
from evidence.sources.registry import FileHead, apply_sidecar, check_readable, describe_unreadable

SOURCE = LIST_CAPTURE
COUNT_COLUMN = "count"
#: Names of the count column accepted in a ``histories`` file (compared case-insensitively).
COUNT_COLUMN_NAMES = ("n", "count", "frequency", "freq")
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
    meaningless: fewer than two lists, non-binary list values, negative or non-integer counts, duplicated
    histories, a case or a non-zero count on no list, an empty file. A row for the all-zero history with count
    0 is harmless and is listed among the rejects. Rows holding nothing (blank, or delimiters only) are left
    out, counted and named in a note. A sidecar ``<file>.provenance.json`` completes the provenance, as for
    every other source.
    """
    path = Path(path)
    frame, left_out, notes = _read_strings(path)
    count_column = _count_column(frame, path)
    if count_column is None:
        loaded = _case_records(frame, path)
    else:
        loaded = _histories(frame, count_column, path)
    loaded.rows_left_out = left_out
    if notes:
        loaded.provenance = dataclasses.replace(loaded.provenance, notes=(*loaded.provenance.notes, *notes))
    return apply_sidecar(loaded, path)


#: Data rows :func:`sniff` looks at.
_SNIFF_ROWS = 20


def sniff(head: FileHead) -> str | None:
    """``histories`` or ``case_records`` when the head of a text file looks like list-capture data (every
    column but a count column, or an identifier, holds only 0 or 1 in the first rows, with at least two such
    columns, and a count column holds whole numbers), else None. Only to name the right command for a file
    given to the wrong one: list-capture data are never loaded by sniffing."""
    if head.is_xlsx or describe_unreadable(head) is not None:
        return None
    lines = [line.rstrip("\r") for line in head.text.lstrip("\ufeff").split("\n")]
    delimiter, header = _header(lines[0])
    rows = [split_line(line, delimiter) for line in lines[1 : _SNIFF_ROWS + 1] if line.strip()]
    if not rows or any(len(row) != len(header) for row in rows[:-1]):
        return None
    rows = [row for row in rows if len(row) == len(header)]
    counts = [i for i, name in enumerate(header) if name.lower() in COUNT_COLUMN_NAMES]
    ids = [i for i, name in enumerate(header) if name.lower() in CASE_ID_COLUMN_NAMES]
    if len(counts) > 1 or (counts and ids):
        return None
    lists = [i for i in range(len(header)) if i not in counts and i not in ids]
    if len(lists) < 2 or not all(row[i].strip() in ("0", "1") for row in rows for i in lists):
        return None
    if counts and not all(row[counts[0]].strip().isdigit() for row in rows):
        return None
    return "histories" if counts else "case_records"


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


def _read_strings(path: Path) -> tuple[pl.DataFrame, int, list[str]]:
    """Every cell as text with each row's line (column :data:`_LINE`), after the checks a CSV parser does not
    make (encoding, delimiter, header names, the number of fields of every record); with how many rows holding
    nothing were left out, and the note naming them."""
    check_readable(path)
    head = FileHead(path)
    if head.is_xlsx:
        refuse_other_sources(path)  # a UNODC or GSI workbook: named, with the commands that read it
        raise InputError(
            "a workbook: list-capture data are read from CSV", path=path, hint="save the sheet as CSV"
        )
    unreadable = describe_unreadable(head)
    if unreadable:
        raise InputError(unreadable, path=path)
    if sniff(head) is None:  # not plainly list data: is it a file another command reads?
        refuse_other_sources(path)
    data, _ = utf8_text(path.read_bytes(), path)
    header_line = data.split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff").rstrip("\r")
    delimiter, header = _header(header_line)
    check_width(len(header), path)
    unnamed = [i + 1 for i, name in enumerate(header) if not name]
    if unnamed:
        raise InputError(f"column {unnamed[0]} of the header has no name", path=path, row=1)
    duplicated = sorted(name for name, n in Counter(header).items() if n > 1)
    if duplicated:
        raise InputError(f"duplicated column names {duplicated}", path=path, row=1)
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
    frame = frame.rename(dict(zip(frame.columns, header, strict=True))).with_columns(
        pl.Series(_LINE, scan.lines, dtype=pl.Int64)
    )
    frame, left_out, notes = without_empty_records(frame, exclude=(_LINE,), row_column=_LINE)
    wrong = ~np.isin(scan.lines, left_out) & (fields != len(header))
    if wrong.any():
        index = int(wrong.argmax())
        raise InputError(
            f"{fields[index]} fields where the header has {len(header)}",
            path=path,
            row=int(scan.lines[index]),
            hint="the header must be the first line, with no title above it" if len(header) < 2 else None,
        )
    if frame.height == 0:
        raise InputError("the file has a header but no data rows", path=path)
    return frame, int(left_out.size), notes


def _header(line: str) -> tuple[str, list[str]]:
    """The delimiter (comma, semicolon, tab or pipe: the one splitting the header most) and the column names."""
    candidates = {d: split_line(line, d) for d in (",", ";", "\t", "|")}
    delimiter = max(candidates, key=lambda d: (len(candidates[d]), d == ","))
    return delimiter, [name.strip() for name in candidates[delimiter]]


def _count_column(frame: pl.DataFrame, path: Path) -> str | None:
    found = [c for c in frame.columns if c.lower() in COUNT_COLUMN_NAMES]
    if len(found) > 1:
        raise InputError(f"more than one count column: {found}", path=path, row=1)
    return found[0] if found else None


def _list_columns(columns: list[str], path: Path) -> list[str]:
    columns = [c for c in columns if c != _LINE]
    if len(columns) < 2:
        raise InputError(
            f"multiple systems estimation needs at least two lists; found {len(columns)} ({columns})",
            path=path,
            row=1,
        )
    return columns


def _binary(frame: pl.DataFrame, column: str, path: Path) -> pl.Series:
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
            hint=_membership_hint(shown),
        )
    return values.cast(pl.UInt8)


def _membership_hint(shown: str | None) -> str:
    """What to do about a value that is no membership: a whole number above 1 is most likely the count of a
    capture-history table under a name the loader does not take for one (``cases``, ``total``)."""
    text = (shown or "").strip().removesuffix(".0")
    if text.isdigit() and int(text) > 1:
        return (
            "a column of counts (people with each capture history) must be named "
            + " or ".join(repr(n) for n in COUNT_COLUMN_NAMES)
            + "; a list's column holds 1 where the list recorded the case, 0 where it did not"
        )
    return "write 1 where the list recorded the case, 0 where it did not"


def _histories(frame: pl.DataFrame, count_column: str, path: Path) -> LoadedTable:
    lists = _list_columns([c for c in frame.columns if c != count_column], path)
    data = pl.DataFrame({c: _binary(frame, c, path) for c in lists}).with_columns(
        _counts(frame, count_column, path).alias(COUNT_COLUMN)
    )
    history = pl.concat_str([pl.col(c).cast(pl.String) for c in lists])
    keyed = data.with_columns(history.alias("_history"), frame[_LINE].alias("_line"))
    repeats = keyed.filter(pl.col("_history").is_duplicated()).sort("_line")
    if repeats.height:
        first = repeats.row(0, named=True)
        rows = repeats.filter(pl.col("_history") == first["_history"])["_line"]
        raise InputError(
            f"the capture history {_pretty(first, lists)} appears on rows {rows.to_list()}; "
            "each history must appear once (sum the counts, or give one row per case without a count column)",
            path=path,
            row=int(rows[-1]),
        )
    on_no_list = keyed.filter(pl.sum_horizontal(lists) == 0)
    rejects = []
    if on_no_list.height:
        row = on_no_list.row(0, named=True)
        line = row["_line"]
        if row[COUNT_COLUMN] > 0:
            raise InputError(
                f"the all-zero history (on no list) has count {row[COUNT_COLUMN]}: nobody can be observed on "
                "no list; that number is what the estimation is for",
                path=path,
                row=line,
                column=count_column,
            )
        rejects.append(
            {"row": line, "column": None, "value": "0", "reason": "all-zero history (unobservable), count 0"}
        )
        data = data.filter(pl.sum_horizontal(lists) > 0)
    return LoadedTable(
        data=data,
        provenance=_provenance(path, "histories"),
        rows_in=frame.height,
        rejects=issues_frame(rejects),
        kind="list_capture",
    )


#: A count written with thousands separators (``1,006``, ``1.006``, ``1 006``): refused with its own hint, as
#: which separator is the decimal one depends on the locale the file was saved in.
_GROUPED = r"^[0-9]{1,3}([,. \u00a0\u202f][0-9]{3})+$"


def _counts(frame: pl.DataFrame, column: str, path: Path) -> pl.Series:
    values = frame[column]
    text = values.str.strip_chars()
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
        grouped = value is not None and re.match(_GROUPED, value.strip()) is not None
        raise InputError(
            f"a count must be a whole number of people from 0 to {MAX_COUNT:,}, found {found}",
            path=path,
            row=int(frame[_LINE][index]),
            column=column,
            hint="write the count without thousands separators: 1006, not 1,006" if grouped else None,
        )
    return numbers.cast(pl.Int64)


def _case_records(frame: pl.DataFrame, path: Path) -> LoadedTable:
    id_columns = [c for c in frame.columns if c.lower() in CASE_ID_COLUMN_NAMES]
    if len(id_columns) > 1:
        raise InputError(f"more than one identifier column: {id_columns}", path=path, row=1)
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
    lists = _list_columns([c for c in frame.columns if c not in id_columns], path)
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
        data=data, provenance=_provenance(path, "case_records"), rows_in=frame.height, kind="list_capture"
    )


def _pretty(row: dict, lists: list[str]) -> str:
    on = [c for c in lists if row[c]]
    return "{" + ", ".join(on) + "}" if on else "{} (on no list)"


def _provenance(path: Path, layout: str) -> Provenance:
    return Provenance(
        source=SOURCE,
        layout=layout,
        release="unknown",
        path=str(path),
        sha256=sha256_file(path),
        url="",
        licence="as stated by the data owner",
        citation=f"{path.name}: list-capture data (cite as the data owner asks)",
        title=path.stem,
    )
