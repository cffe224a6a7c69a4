"""What a selection's route numbers and its yearly table beside them read whatever the disclosure rule is made once
per selection: the flow table, its coverage and the flows' years once for every rule and listing length, and the
counts by a dimension beside the route tables without that dimension's table before protection, which no brief
prints; the numbers are those built anew."""

from __future__ import annotations

from typing import Any

import pytest
from _calls import count_calls
from _indicator import nationals_reported

from evidence.analyses import routes
from evidence.analyses.selection import Selection
from evidence.notebooks import builders
from evidence.notebooks.builders import route_numbers, yearly_numbers
from evidence.presentation.disclosure import DisclosureRule

RULES = (DisclosureRule(10), DisclosureRule(11))


@pytest.fixture
def calls(monkeypatch) -> dict[str, int]:
    """How often the flow table, its coverage and the tables before protection are made."""
    return count_calls(
        monkeypatch, (routes, "flows"), (routes, "flow_coverage"), (builders, "_censored_frames")
    )


def _selection(frame=None) -> Selection:
    """Myanmar's nationals as origin: Thailand's breakdown from 2013, Japan's ``<5`` of 2015 (censored routes)."""
    frame = nationals_reported(range(2010, 2020), tha_from=2013, jpn_drops=2015) if frame is None else frame
    return Selection(frame, country="MMR", role="origin")


def _shown(numbers: Any) -> tuple[str, ...]:
    return tuple(repr(bounds.shown()) for bounds in (numbers.low, numbers.high))


def test_the_flows_of_a_selection_are_read_once_for_every_rule_and_length(calls):
    selection = _selection()
    warm = {
        (rule.threshold, n): route_numbers(selection, rule, top_n=n) for rule in RULES for n in (1, 3, 10)
    }
    assert calls["flows"] == calls["flow_coverage"] == 1  # not once per rule (2)
    for (threshold, n), numbers in warm.items():
        cold = route_numbers(_selection(selection.frame.clone()), DisclosureRule(threshold), top_n=n)
        assert numbers is not None and cold is not None
        assert numbers.low.table.frame.equals(cold.low.table.frame), (threshold, n)
        assert numbers.high.table.frame.equals(cold.high.table.frame), (threshold, n)
        assert numbers.key_figures().equals(cold.key_figures()), (threshold, n)


def test_the_counts_beside_the_route_tables_are_read_without_their_tables(calls):
    selection = _selection()
    numbers = yearly_numbers(selection, RULES[1])
    # the yearly table was read beside the route tables (their counts by destination and corridor read)
    assert route_numbers(selection, RULES[1]) is not None and not numbers.per_year.exact  # type: ignore[union-attr]
    # the tables before protection of the yearly numbers asked for only (by nothing), not of the destinations'
    # and corridors' too (3)
    assert calls["_censored_frames"] == 1
    assert yearly_numbers(selection, RULES[1], by="corridor").by_category is not None
    assert calls["_censored_frames"] == 2
