"""Delimited text files re-saved as some programs save them: UTF-16, CR-only line ends (test helpers only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.sources import registry

#: Parametrizes ``encode`` (the text of a UTF-8 file as a program re-saves it) and ``note`` (the note a loader
#: gives for it, through delimited.utf8_text).
RESAVED = pytest.mark.parametrize(
    ("encode", "note"),
    [
        (lambda text: text.encode("utf-16"), "read as UTF-16 text (transcoded to UTF-8)"),
        (
            lambda text: text.replace("\n", "\r").encode("utf-8"),
            "CR-only line ends (Excel's CSV for Macintosh) read as line ends",
        ),
    ],
)


def assert_resaved_read_alike_and_noted(path: Path, encode, note: str) -> None:
    """The UTF-8 file at ``path`` re-saved by ``encode`` (rewritten in place) loads as it did, with ``note``
    its one new note."""
    plain = registry.load(path)
    assert note not in plain.provenance.notes
    path.write_bytes(encode(path.read_text(encoding="utf-8")))
    loaded = registry.load(path)
    assert loaded.data.equals(plain.data)
    assert loaded.rejects.equals(plain.rejects) and loaded.flags.equals(plain.flags)
    assert [n for n in loaded.provenance.notes if n not in plain.provenance.notes] == [note]
