"""The region table beside the route table (exact counts): its cells are sums of the same flows, by region pair.

Thailand as destination: Myanmar 32, Cambodia 19, Ukraine 9 and Brazil 6 victims, 3 of unknown citizenship. The
route table withholds Brazil → Thailand (``x``, the complement of the ``<5`` of unknown origin in its totals row);
the region table published Americas → Asia 6, Brazil's corridor alone, and its total 66, the victims on a known
route: 69 less 66 gave the 3 back.
"""

from __future__ import annotations

import pytest
from _hand_made import into_thailand

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import route_numbers
from evidence.presentation.disclosure import DisclosureRule

RULE = DisclosureRule(5)


def _numbers(origins: dict[str | None, int]):
    numbers = route_numbers(into_thailand(origins), RULE)
    assert numbers is not None
    return numbers


def test_attack_a_region_pair_of_one_withheld_corridor_and_the_regions_total_give_the_route_table_back() -> (
    None
):
    numbers = _numbers({"MMR": 32, "KHM": 19, "UKR": 9, "BRA": 6, None: 3})
    routes = {r["route"]: r for r in numbers.low.table.display().iter_rows(named=True)}
    assert routes["Brazil → Thailand"]["All victims"] == "x"
    region = numbers.region_table("region")
    if region is None:
        return
    shown = region.display()
    cells = dict(zip(shown[shown.columns[0]].to_list(), shown["Asia"].to_list(), strict=True))
    assert cells.get("Americas") in (None, "x", RULE.label), cells  # Brazil → Thailand, and only it
    assert cells.get("Total") in (None, "x", RULE.label), cells  # all victims less it: the <5 of no route


def test_the_region_table_is_shown_beside_a_route_table_that_withholds_nothing() -> None:
    region = _numbers({"MMR": 32, "KHM": 19, "UKR": 9, "BRA": 6}).region_table("region")
    assert region is not None


@pytest.mark.parametrize(
    ("country", "role", "corridor", "pair"),
    [
        # Hungary as destination: "United States → Hungary x", alone in Americas → Europe
        pytest.param("HUN", "destination", ("USA", "HUN"), ("Americas", "Europe"), id="Hungary-destination"),
    ],
)
def test_attack_the_real_workbook_a_region_pair_of_one_withheld_corridor(
    real_tables, country: str, role: str, corridor: tuple[str, str], pair: tuple[str, str]
) -> None:
    """A corridor the route table withholds, alone in its region pair (2023 release, threshold 5): the region
    table beside it withholds that pair too (the Netherlands as origin was this case until repat31: its
    corridor to the United States was withheld only beside its nationals repatriated from abroad, the
    publisher's own <5, taken for a derived count: see the next test)."""
    numbers = route_numbers(Selection(real_tables[1], country=country, role=role), RULE)
    assert numbers is not None
    assert corridor in numbers.withheld_corridors()
    region = numbers.region_table("region")
    if region is None:
        return
    rows = {r[region.columns[0]]: r for r in region.iter_rows(named=True)}
    assert rows[pair[0]].get(pair[1]) in (None, "x", RULE.label), rows


def test_real_netherlands_to_the_united_states_is_shown_beside_the_publishers_own_abroad(real_tables) -> None:
    """The Netherlands as origin (threshold 5): its nationals repatriated from abroad with no country stated are
    the publisher's own "Abroad <5" of two years ("up to 8"), so nothing small follows from the route table's
    sum, and "Netherlands → United States" (6–9) is shown, as is Europe → Americas, that corridor alone."""
    numbers = route_numbers(Selection(real_tables[1], country="NLD", role="origin"), RULE)
    assert numbers is not None
    assert ("NLD", "USA") not in numbers.withheld_corridors()
    table = {r["route"]: r for r in numbers.table().iter_rows(named=True)}
    total = numbers.low.table.total_label
    assert table["Netherlands → United States"][total] == "6–9"
    (_, label), *_ = numbers.low.home_rows
    assert table[label][total] == "up to 8"
    region = numbers.region_bounds("region")
    assert region is not None
    shown = region.shown()
    rows = {r[shown.columns[0]]: r for r in shown.iter_rows(named=True)}
    assert rows["Europe"]["Americas"] == "6–9"
