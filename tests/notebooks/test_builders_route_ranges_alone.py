"""The route table of UNODC's ranges and its key figures, read alone, give no small count back.

A range's label says what its bounds are: ``<11`` its low bound below the threshold, ``x`` both at the threshold
or more (:mod:`_route_reader`). A cell whose low bound was small and whose high bound was withheld beside it was
shown ``x``, and the victims on a known route ``x`` wherever the route table's class totals did not give them,
small or not: read as at least the threshold beside the ``<11`` of the same victims, they pinned them (Saudi
Arabia as origin, threshold 11: the victims of the citizenship breakdown ``<11``, on a known route ``x``, no
victim off a route: 10).
"""

from __future__ import annotations

import _route_reader as reader
import polars as pl
import pytest

from evidence.analyses.selection import Selection
from evidence.core.errors import ParameterError
from evidence.notebooks.builders import region_table, route_numbers
from evidence.presentation.disclosure import DisclosureRule

#: the 2023 workbook's selections whose route table and key figures alone gave a small count back
ALONE = [
    pytest.param("BDI", "destination", 11, id="Burundi-destination-11"),
    pytest.param("SAU", "origin", 11, id="Saudi-Arabia-origin-11"),
    pytest.param("SAU", "both", 11, id="Saudi-Arabia-both-11"),
    pytest.param("TTO", "origin", 11, id="Trinidad-and-Tobago-origin-11"),
    # the nationals repatriated from abroad, 4–16 (4 of them published exactly), shown x beside the route
    # unknown's 15–36 and the x of unknown origin (11–20), came back as 4
    pytest.param("SLB", "both", 11, id="Solomon-Islands-both-11"),
]


@pytest.mark.parametrize(("country", "role", "threshold"), ALONE)
def test_attack_the_route_table_of_ranges_and_its_key_figures_pin_no_small_count(
    real_tables, country: str, role: str, threshold: int
) -> None:
    selection = Selection(real_tables[1], country=country, role=role)
    pinned, _ = reader.pinned(selection, DisclosureRule(threshold), region=False)
    assert pinned == []


def test_a_range_whose_low_bound_is_small_is_shown_small_not_x(real_tables) -> None:
    """Trinidad and Tobago as origin, threshold 11: the transregional other routes, 8–14 (6 published and two
    ``<5`` cells), and the victims on a known route, 9–18, are small at their low bound: ``<11``, not ``x``."""
    numbers = route_numbers(Selection(real_tables[1], country="TTO", role="origin"), DisclosureRule(11))
    assert numbers is not None
    shown = numbers.table()
    other = shown.row(by_predicate=pl.col("route") == "All other routes", named=True)
    assert other["Transregional"] == "<11"
    assert numbers.key_figures()["Victims"][1] == "<11"


def test_the_region_table_of_one_bound_is_refused_for_both_are_read_together(real_tables) -> None:
    """One bound's region table, protected alone, was kept for a caller (``value="victims_low"``) that nothing
    called, under checks the joint protection replaced: UNODC's ranges are :func:`region_ranges`."""
    numbers = route_numbers(Selection(real_tables[1], country="THA", role="destination"), DisclosureRule(5))
    assert numbers is not None and not numbers.exact
    with pytest.raises(ParameterError, match="region_ranges"):
        region_table(numbers.flow_table, "region", DisclosureRule(5), numbers.low)
    assert numbers.region_bounds("region") is not None  # both bounds together: shown
