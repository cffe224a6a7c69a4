"""What a table pasted or typed from a publication carries that is no data: its header repeated above each part (a
table pasted region by region or page by page, perhaps a blank line and a title above each: "Africa", "Table 2
(continued)"), and footnote marks after a country's name ("Burma*", "Cuba¹", "Thailand (a)"). The TIP, Walk Free,
list-capture and CTDC (CSV) loaders leave the first out and name it, as they do title lines above a header; the TIP and Walk
Free loaders read a marked name without its mark and flag it."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import polars as pl

from evidence.sources.delimited import line_list
from evidence.sources.workbook import FOOTNOTE_MARKER

#: A footnote mark after a country's name (``Burma*``, ``Cuba¹``, ``Chad [2]``: :data:`FOOTNOTE_MARKER`), or a
#: letter or number in parentheses (``Thailand (a)``, ``Cuba (1)``): never a name's own words in parentheses
#: (``Congo (DRC)``). The country reference reads such a name without its mark.
COUNTRY_FOOTNOTE = FOOTNOTE_MARKER.removesuffix("$") + r"$|\s*\((?:[a-z]|[0-9]{1,2})\)$"

#: How many title lines may stand above a repeated header, as above a file's own header.
TITLE_LINES = 10


def _spaced_key(text: pl.Expr) -> pl.Expr:
    """A cell as a repeated header is compared: blanks around and within collapsed, case ignored, empty as none."""
    return text.str.strip_chars().str.replace_all(r"\s+", " ").str.to_lowercase().fill_null("")


def repeated_headers(
    frame: pl.DataFrame, header: Sequence[str], *, unit: str = "line", row_column: str = "source_row"
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The records of ``frame`` (its columns but ``row_column``, in the header's order) that repeat ``header``
    (the same cells, but for case and blanks: a table pasted part by part, its header above each part), the
    title lines just above one of them (text in the first cell only, a blank line above: "Africa", "Table 2
    (continued)", at most :data:`TITLE_LINES`), and the notes naming them by ``unit``. A row resembling the
    header but not the same is a record as any other."""
    columns = [c for c in frame.columns if c != row_column]
    none = np.zeros(frame.height, dtype=bool)
    if frame.is_empty() or len(header) != len(columns):
        return none, none, []
    keys = [" ".join(cell.split()).lower() for cell in header]
    schema = frame.schema  # built once: polars builds a new one on each ``frame.schema``
    if any(schema[c] != pl.String for c in columns):
        return none, none, []  # a column read as numbers holds no label: no row repeats the header
    # no row's first cell is the header's: one column looked at (by one pattern, a pass of no copies: a large file
    # pays ~1 ms), not every one
    first = r"(?i)^\s*" + r"\s+".join(re.escape(word) for word in keys[0].split()) + r"\s*$"
    if not frame.select(pl.col(columns[0]).fill_null("").str.contains(first).any()).item():
        return none, none, []
    repeated = (
        frame.select(
            pl.all_horizontal(_spaced_key(pl.col(c)) == key for c, key in zip(columns, keys, strict=True))
        )
        .to_series()
        .to_numpy()
    )
    if not repeated.any():
        return none, none, []
    rows = frame[row_column].to_numpy()
    cells = frame.select(_spaced_key(pl.col(c)).alias(c) for c in columns)
    first_only = (
        cells.select(pl.all_horizontal(pl.col(c) == "" for c in columns[1:]) & (pl.col(columns[0]) != ""))
        .to_series()
        .to_numpy()
    )
    # rows holding nothing (blank lines, when the caller has not left them out yet) are gaps, as lines not there
    held = np.flatnonzero(
        ~cells.select(pl.all_horizontal(pl.col(c) == "" for c in columns)).to_series().to_numpy()
    )
    titles = np.zeros(frame.height, dtype=bool)
    for at in np.flatnonzero(repeated[held]):
        start = at  # positions among the rows holding something
        while (
            start > 0
            and at - start < TITLE_LINES
            and first_only[held[start - 1]]
            and rows[held[start - 1]] == rows[held[start]] - 1
        ):
            start -= 1
        # a title run stands after a gap (a blank line) or at the top of the records, never right below a record
        if start < at and (start == 0 or rows[held[start - 1]] < rows[held[start]] - 1):
            titles[held[start:at]] = True
    notes = [
        f"{int(repeated.sum())} header row(s) repeated within the table left out: {line_list(rows[repeated], unit)}"
    ]
    if titles.any():
        shown = "; ".join(repr(str(t)[:80]) for t in frame[columns[0]].filter(pl.Series(titles)).to_list())
        notes.append(
            f"{int(titles.sum())} title {unit}(s) above a repeated header left out, not records: "
            f"{line_list(rows[titles], unit)} ({shown})"
        )
    return repeated, titles, notes


#: A number written ``1.000`` or ``12.345.678``: thousands separated by dots, as much of Europe writes them, or (one
#: dot) a decimal written to three places, as a column of decimals formatted so is saved. Which is told by the
#: column (:func:`dot_evidence`), never guessed: read as 1 where the publisher meant one thousand, a thousand people
#: would be lost without a word.
DOTTED = r"^[1-9][0-9]{0,2}(?:\.[0-9]{3})+$"


def dot_evidence(cells: pl.Series, *, text_file: bool, comma_grouping: bool) -> tuple[list[str], list[str]]:
    """What a column's cells as written (stripped, footnote marks aside) tell of its :data:`DOTTED` numbers: the
    reasons the dot separates thousands (a number of two dots; numbers below 1,000 written without a dot, which a
    column of decimals written to three places writes ``54.000`` and one written as short as it can never writes
    ``1.000``) and those it is a decimal point (other decimals, ``2.0``, ``1.0e+00``; commas between thousands, ``1,006``, where
    ``comma_grouping``: a comma that can be no decimal one; numbers of 1,000 or more without a separator). A 0 tells
    nothing. A plain number or decimal tells in a ``text_file`` only: a workbook's number cell reads as the reader
    writes it (no separator, no trailing zero), so there only what text alone writes tells (two dots; commas)."""
    dotted = cells.str.contains(DOTTED).fill_null(False)
    told = pl.DataFrame({"cell": cells, "dotted": dotted}).select(
        two_dots=pl.col("cell").str.count_matches(r"\.").fill_null(0) > 1,
        small=pl.col("cell").str.contains(r"^[1-9][0-9]{0,2}$").fill_null(False) & text_file,
        other_dot=pl.col("cell").str.contains(r"\.").fill_null(False)
        & pl.col("cell").cast(pl.Float64, strict=False).is_not_null()  # 2.0, 1.0e+00
        & ~pl.col("dotted")
        & text_file,
        commas=pl.col("cell").str.contains(r"^[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?$").fill_null(False)
        & comma_grouping,
        large=pl.col("cell").str.contains(r"^[1-9][0-9]{3,}$").fill_null(False) & text_file,
    )
    shown = {name: bool(told[name].any()) for name in told.columns}
    thousands = [
        why
        for name, why in (
            ("two_dots", "a number of two dots"),
            ("small", "numbers below 1,000 written without a dot"),
        )
        if shown[name]
    ]
    decimals = [
        why
        for name, why in (
            ("other_dot", "other decimals"),
            ("commas", "commas between thousands"),
            ("large", "numbers of 1,000 or more written without a separator"),
        )
        if shown[name]
    ]
    return thousands, decimals
