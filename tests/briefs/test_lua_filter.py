"""The brief filter (templates/brief.lua) on what its cheaper paths must keep: column widths of a table holding
a word longer than a line, and the HTML of tables it leaves as they were."""

from __future__ import annotations

import re

import pytest

from evidence.briefs import builtin

LINE_CHARS = 90  # brief.lua's: characters of table text on a line of the page


def _widths(markup: str) -> list[float]:
    table = markup[markup.index("#table(") :]
    found = re.search(r"columns: \(([^)]*)\)", table)
    assert found, table[:500]
    return [float(w.strip().removesuffix("%")) for w in found.group(1).split(",")]


@pytest.mark.parametrize("length", [LINE_CHARS + 1, 300, 5_000])
def test_a_word_longer_than_a_line_leaves_the_count_column_its_width(length: int) -> None:
    """A category as long as a spreadsheet's cell (one word) counts as one line of the table, not as its
    length: the count beside it keeps room for its digits (a word of 40,000 characters took 99.98 % of the
    width, and Typst 13 s to set it)."""
    word = "Forced" + "a" * (length - 6)
    source = f"| category | victims |\n|:---|---:|\n| {word} | 1,204 |\n| Sexual exploitation | 87 |\n"
    markup = builtin.convert(source, html=False).typst or ""
    widths = _widths(markup)
    assert len(widths) == 2 and abs(sum(widths) - 100) < 0.1
    # least: a line (90) and 7 ("victims"), each with its inset of 2: as a word of exactly a line
    assert widths == pytest.approx([100 * 92 / 101, 100 * 9 / 101], abs=0.01)


@pytest.mark.parametrize("length", [80, LINE_CHARS])
def test_a_word_of_a_line_or_less_is_measured_as_before(length: int) -> None:
    """Up to a line, a word counts its characters: the widths of ordinary tables do not move."""
    word = "b" * length
    source = f"| category | victims |\n|:---|---:|\n| {word} | 1,204 |\n"
    widths = _widths(builtin.convert(source, html=False).typst or "")
    # least: the word and 7 ("victims"), each with its inset of 2
    assert widths == pytest.approx([100 * (length + 2) / (length + 11), 100 * 9 / (length + 11)], abs=0.01)
