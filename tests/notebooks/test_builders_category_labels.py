"""A category name from the publisher's workbook is a label wherever a brief says it: never read as a count."""

from __future__ import annotations

from _indicator import indicator_rows

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import categories_above_total_line, category_sum_note, yearly_numbers
from evidence.presentation.disclosure import DisclosureRule, find_small_counts

RULE = DisclosureRule(5)


def _forms(sexual: str):
    """Thailand 2017 by form as published (sexual exploitation 807 against 471 victims), the form named
    ``sexual``, as a workbook of the real release may name it ("1. Sexual exploitation")."""
    rows = [
        ("THA", 2017, "Total", "Total", "Total", "Total", 471),
        ("THA", 2017, "by form of exploitation", "Forced labour", "Total", "Total", 85),
        ("THA", 2017, "by form of exploitation", sexual, "Total", "Total", 807),
        ("THA", 2017, "by form of exploitation", "Other forms of exploitation", "Total", "Total", 11),
    ]
    return yearly_numbers(Selection(indicator_rows(rows), country="THA", role="destination"), RULE, by="form")


def test_a_numbered_category_above_the_total_is_a_label_not_a_count():
    """A real-data brief was refused: "shows counts below 5: 1 in …in 2017, 1. sexual exploitation 807…": the
    table's note named the category in plain text, and the scan read its "1" as a count."""
    numbers = _forms("1. Sexual exploitation")
    note = category_sum_note(numbers)
    assert note is not None and "inconsistency in the publisher's data" in note
    assert find_small_counts(note, RULE) == [], note
    line = categories_above_total_line(numbers)
    assert line is not None and find_small_counts(line, RULE) == [], line
    assert 'data-kind="label">1\\. sexual exploitation</span> 807, more than the year\'s total of 471' in line
    # the counts beside the name are scanned as ever: a small one would be caught
    assert find_small_counts(line.replace("807", "3"), RULE)


def test_no_line_without_a_category_above_the_total():
    assert categories_above_total_line(_fits()) is None


def _fits():
    rows = [
        ("THA", 2016, "Total", "Total", "Total", "Total", 850),
        ("THA", 2016, "by form of exploitation", "Forced labour", "Total", "Total", 500),
        ("THA", 2016, "by form of exploitation", "Sexual exploitation", "Total", "Total", 400),
    ]
    return yearly_numbers(Selection(indicator_rows(rows), country="THA", role="destination"), RULE, by="form")
