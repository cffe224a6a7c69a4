"""The hidden-population brief says when the file gave a capture history on several rows (their counts summed)."""

from __future__ import annotations

from pathlib import Path

from evidence.presentation.estimates import merged_rows_text
from evidence.sources.list_capture import load_list_capture


def test_rows_of_one_history_are_told_to_readers_with_the_list_names_escaped(tmp_path: Path) -> None:
    """A table typed in parts (or strata a reader would estimate apart) is estimated summed: the brief says so
    under its data line. The note quotes the file's list names, which are untrusted text: escaped."""
    split = tmp_path / "split.csv"
    split.write_text("<b>NGO</b>,Police,n\n1,0,25\n0,1,30\n1,0,15\n1,1,6\n", encoding="utf-8")
    text = merged_rows_text(load_list_capture(split).provenance)
    assert text is not None and text.startswith(
        '**Rows merged.** <span data-kind="values">2 rows merged into 1 '
    )
    assert "1 capture history, given on more than one row" in text  # one history: not "each given"
    assert "rows 2 and 4" in text and "summed" in text
    assert "capture history" in text and "<b>" not in text and r"\<b\>NGO\</b\>" in text
    whole = tmp_path / "whole.csv"
    whole.write_text("NGO,Police,n\n1,0,40\n0,1,30\n1,1,6\n", encoding="utf-8")
    assert merged_rows_text(load_list_capture(whole).provenance) is None
