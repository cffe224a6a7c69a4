"""Delimited text files: where each record starts and how many fields it has, without trusting a CSV parser.

Parsers pad a short record with empty fields and may cut a long one: a truncated row would then be read as a
row of empty cells (for a TIP file, "not ranked"). Loaders scan the bytes once, vectorised, and reject such
rows with their line numbers.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl

from evidence.sources.loaded import empty_issues, issues_frame


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
