"""Disclosed tables as HTML and Markdown: labels, separators, totals, notes, no small count on the page."""

from __future__ import annotations

import polars as pl
import pytest

from evidence.core.errors import ParameterError
from evidence.presentation.disclosure import (
    DisclosureRule,
    assert_no_small_counts,
    find_small_counts,
    suppress_counts,
    suppress_table,
)
from evidence.presentation.tables import display_frame, format_share, table_html, table_markdown


@pytest.fixture
def table():
    frame = pl.DataFrame(
        {
            "origin": ["Myanmar", "Cambodia", "Lao PDR"],
            "F": [1234, 3, 40],
            "M": [800, 25, 2],
            "X": [10, 11, 12],
        }
    )
    return suppress_table(frame, "origin", ["F", "M", "X"])


def test_html_has_labels_separators_totals_and_notes(table) -> None:
    page = table_html(table, source="CTDC global dataset", caption="Victims by sex", labels={"F": "Female"})
    assert "<caption" in page and "Victims by sex" in page
    assert ">Female</th>" in page
    assert ">1,234</td>" in page
    assert "&lt;5</td>" in page  # escaped, and shown as "<5" by a browser
    assert ">x</td>" in page
    assert 'class="total"' in page and ">Total</th>" in page
    assert "Source: CTDC global dataset" in page
    assert "fewer than 5" in page and "recomputed" in page
    assert_no_small_counts(page, what="table HTML")


def test_html_of_an_unprotected_table_would_be_caught(table) -> None:
    # The scanner is what the brief tests rely on: a raw small count in a cell must be found.
    page = table_html(table, source="CTDC").replace("&lt;5</td>", "3</td>", 1)
    assert find_small_counts(page)


def test_markdown_table(table) -> None:
    text = table_markdown(table, source="UNODC GLOTIP 2023", caption="Victims")
    lines = text.splitlines()
    assert lines[0] == "**Victims**"
    assert lines[2].startswith("| origin | F | M | X | Total |")
    assert lines[3] == "|:---|---:|---:|---:|---:|"
    assert "| Myanmar | 1,234 | 800 | 10 | 2,044 |" in lines
    assert any(line.startswith("| **Total** |") for line in lines)
    assert lines[-1] == "Source: UNODC GLOTIP 2023"
    assert_no_small_counts(text)


def test_shares_hide_what_is_withheld(table) -> None:
    shown = display_frame(table, shares="column")
    assert shown["F"][0] == format_share(1234 / 1277)
    assert shown["F"][1] == "–"
    assert shown["Total"][-1] == "100.0%"
    page = table_html(table, source="CTDC", shares="row")
    assert "Shares of the row total" in page
    assert_no_small_counts(page)


def test_notes_name_only_the_labels_used() -> None:
    table = suppress_counts(pl.DataFrame({"k": ["a", "b"], "n": [3, 50]}), "n", DisclosureRule(threshold=11))
    text = table_markdown(table, source="Source: CTDC")
    assert "<11: fewer than 11" in text and "x:" not in text
    assert "Source: Source" not in text
    with pytest.raises(ParameterError, match="source"):
        table_markdown(table, source=" ")


def test_format_share() -> None:
    assert format_share(0.1234) == "12.3%"
    assert format_share(None) == "–"
    assert format_share(1 / 3, decimals=0) == "33%"


def test_pipes_in_keys_are_escaped() -> None:
    table = suppress_counts(pl.DataFrame({"k": ["a|b"], "n": [50]}), "n")
    assert "| a\\|b | 50 |" in table_markdown(table, source="test")
