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
