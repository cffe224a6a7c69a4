"""Hypothesis' tables of the characters a codec encodes, written before a test asks for one.

``st.characters(codec=...)`` reads the characters a codec can encode from a table Hypothesis keeps in its
storage folder (``.hypothesis/unicode_data``). Where there is none (a fresh checkout: a CI machine), Hypothesis
makes it by encoding each of the 1.1 million code points in turn: 1.3 CPU-s for UTF-8 and 0.8 for Windows-1252, in
whichever tests ask first, on each worker that asks before the other has written it. The suite asks for these
two codecs alone; their tables are made here from what each codec is, in a few milliseconds, and written as
Hypothesis writes them (the same JSON, the same intervals: compared with the tables Hypothesis made itself). A
table already there is left as it is; a Hypothesis that keeps its tables otherwise (another name or layout)
makes its own, as before.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
import tempfile

#: UTF-8 encodes every code point but the surrogates (U+D800 to U+DFFF), each back to itself when decoded.
_SURROGATES = (0xD800, 0xDFFF)


def _intervals(points: list[int]) -> list[tuple[int, int]]:
    """Sorted code points as intervals of consecutive ones."""
    intervals: list[tuple[int, int]] = []
    for point in points:
        if intervals and intervals[-1][1] == point - 1:
            intervals[-1] = (intervals[-1][0], point)
        else:
            intervals.append((point, point))
    return intervals


def _encodable(codec: str) -> list[int] | None:
    """The code points a single-byte ``codec`` encodes (the characters its 256 bytes decode to, and no other);
    None for UTF-8 (:data:`_SURROGATES`)."""
    if codec == "utf-8":
        return None
    points = set()
    for byte in range(256):
        try:
            points.add(ord(bytes([byte]).decode(codec)))
        except UnicodeDecodeError:
            continue
    return sorted(points)


def _tables(codec: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The code points ``codec`` encodes, and those of them that do not decode back to themselves, as
    intervals."""
    points = _encodable(codec)
    if points is None:
        return [(0, _SURROGATES[0] - 1), (_SURROGATES[1] + 1, sys.maxunicode)], []
    lossy = [i for i in points if chr(i).encode(codec).decode(codec) != chr(i)]
    return _intervals(points), _intervals(lossy)


def write_codec_tables(codecs: tuple[str, ...] = ("utf-8", "cp1252")) -> None:
    """Write Hypothesis' table of each of ``codecs`` where it has none (see the module's docstring)."""
    try:
        from hypothesis.internal.charmap import charmap_file
        from hypothesis.internal.intervalsets import IntervalSet
    except ImportError:  # a Hypothesis without them makes its tables itself
        return
    for codec in codecs:
        path = charmap_file(f"codec-v2-{codec}")
        if path.exists():
            continue
        # (as Hypothesis makes them: each set's union with itself, its intervals merged)
        tables = [IntervalSet(intervals).union(IntervalSet(intervals)) for intervals in _tables(codec)]
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, scratch = tempfile.mkstemp(dir=path.parent)
        os.close(fd)
        try:
            with gzip.GzipFile(scratch, "wb", mtime=1) as out:
                out.write(json.dumps([table.intervals for table in tables]).encode())
            os.replace(scratch, path)  # whole, or not at all (the other worker may write it too)
        finally:
            if os.path.exists(scratch):
                os.remove(scratch)
