"""The table by corridor (the trends notebook's, UNODC's ranges) attacked together with the route tables of the
same selection: each corridor's total over the years, "All other routes" and the victims on a known route (the
key figures) are sums of its columns, in the default listing and in the listing of every corridor
(``_corridor_totals``), beside everything a brief publishes by year (``_brief_attack``). Protected row by row
only, the rows' withheld cells came back through the columns' totals (Mexico as both at threshold 11: 2020's
Mexico → United States ``x`` was the route table's 4,763 less the years shown, 836, and with the year's sum of
844–853 gave Mexico → Guatemala's 5 back)."""

from __future__ import annotations

import pytest
from _brief_attack import attack_brief
from _corridor_totals import corridor_totals
from test_builders_censored_disclosure import _pinned_cells

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import CATEGORY_SUM, _protected_jointly, yearly_numbers
from evidence.presentation.disclosure import ONE, DisclosureRule, LinkedCounts, linked_exposures


def _pinned(table, country: str, role: str, threshold: int, by: str = "corridor") -> list[tuple]:
    """The withheld cells of the table by ``by`` that the brief's tables and the route tables pin."""
    rule = DisclosureRule(threshold)
    numbers = yearly_numbers(Selection(table, country=country, role=role), rule, by=by)
    pinned: list[tuple] = []
    for top_n in (10, 1000):
        found = attack_brief(numbers, rule, _pinned_cells, corridor_totals(numbers, top_n))
        pinned += [(top_n, *key) for key in found if (top_n, *key) not in pinned]
    return pinned


#: the 2023 workbook's selections whose table by corridor, protected row by row, gave a small count back
#: beside the route tables (182 of 594 at threshold 11; none at 5, the publisher's own threshold: no part it
#: prints exactly is small there), one or two of each role and the most exposed
GAVE_BACK = [
    pytest.param("MEX", "both", id="Mexico-both"),
    pytest.param("MEX", "origin", id="Mexico-origin"),
    pytest.param("AUT", "destination", id="Austria-destination"),
    pytest.param("CHL", "both", id="Chile-both"),
    pytest.param("ARE", "destination", id="United-Arab-Emirates-destination"),
    pytest.param("BGD", "origin", id="Bangladesh-origin"),
    # a cell the row protection leaves exposed beside the yearly table's total row, to be protected with the rest
    pytest.param("BEN", "both", id="Benin-both"),
    # the route table's Honduras → Belize 18 and the sums' <11 (the publisher's <5 in them): 2017's and 2018's 9
    pytest.param("BLZ", "destination", id="Belize-destination"),
    # a doubtful year's breakdown is in the table and in no corridor's route (Benin → Nigeria 459, 40 more then)
    pytest.param("NGA", "destination", id="Nigeria-destination"),
    # the victims on a known route, beside flows of no column of the table (empty ones)
    pytest.param("UKR", "both", id="Ukraine-both"),
]


@pytest.mark.parametrize(("country", "role"), GAVE_BACK)
def test_attack_the_table_by_corridor_beside_the_route_tables_pins_no_small_count(
    real_tables, country: str, role: str
) -> None:
    assert _pinned(real_tables[1], country, role, 11) == []


#: the 2023 workbook's selections whose table by destination or by citizenship (a corridor's end: the route
#: table's corridors into a destination, or from a citizenship, and its other routes and victims on a known route
#: are sums of their columns), protected row by row, gave a small count back beside the route tables at threshold
#: 11: by destination 110 of 480 tables (Mexico as origin: 2021's Guatemala, 5), by citizenship 98 of 312
BY_AN_END_GAVE_BACK = [
    pytest.param("MEX", "origin", "destination", id="Mexico-origin-by-destination"),
    pytest.param("PHL", "both", "destination", id="Philippines-both-by-destination"),
    pytest.param("ROU", "origin", "destination", id="Romania-origin-by-destination"),
    pytest.param("CHL", "destination", "destination", id="Chile-destination-by-destination"),
    pytest.param("ITA", "destination", "citizenship", id="Italy-destination-by-citizenship"),
    pytest.param("POL", "destination", "citizenship", id="Poland-destination-by-citizenship"),
    pytest.param("MYS", "destination", "citizenship", id="Malaysia-destination-by-citizenship"),
    pytest.param("GBR", "both", "citizenship", id="United-Kingdom-both-by-citizenship"),
]


@pytest.mark.parametrize(("country", "role", "by"), BY_AN_END_GAVE_BACK)
def test_attack_the_table_by_destination_or_citizenship_beside_the_route_tables_pins_no_small_count(
    real_tables, country: str, role: str, by: str
) -> None:
    assert _pinned(real_tables[1], country, role, 11, by) == []


def test_mexicos_table_by_corridor_still_shows_its_largest_corridor_in_the_years_it_can(real_tables) -> None:
    """The protection withholds cells, not the table: Mexico → United States is shown in most years."""
    rule = DisclosureRule(11)
    numbers = yearly_numbers(Selection(real_tables[1], country="MEX", role="both"), rule, by="corridor")
    assert numbers.by_category is not None
    shown = numbers.by_category.shown()
    cells = [c for c in shown["MEX>USA"].to_list() if c not in ("", "x") and not str(c).startswith("<")]
    assert len(cells) >= 9


def _behind_a_sum(decoys: int = 10) -> tuple[LinkedCounts, set]:
    """A table by corridor in the joint protection's system: 2017 holds only A's 5 (withheld, its sum too), A's
    total over the years is published (35), and 2018's A, 30, is withheld already, so only 2018's printed sum,
    70–70, holds it; 2018's other cells (B 40 and ``decoys`` of 12) are pinned by their columns' totals beside
    years already published. A's 5 is freed by withholding 2018's sum, whose two ends each give it alone."""
    system = LinkedCounts()
    system.publish(ONE, 1, None)

    def cell(row: int, column: str) -> tuple:
        return ("row", row, ("cell", column))

    def sum_end(row: int, end: str) -> tuple:
        return ("row", row, (CATEGORY_SUM, end))

    among: set = set()
    system.publish(cell(0, "A"), 5, "small")
    for end in ("low", "high"):
        system.publish(sum_end(0, end), 5, "small")
        system.equalities.append({cell(0, "A"): 1.0, sum_end(0, end): -1.0})
    system.publish(cell(1, "A"), 30, "complement")
    system.publish(("margin", "A"), 35, None)
    system.equalities.append({cell(0, "A"): 1.0, cell(1, "A"): 1.0, ("margin", "A"): -1.0})
    row = {"B": 40, **{f"D{i}": 12 for i in range(decoys)}}
    for column, value in row.items():
        system.publish(cell(1, column), value, None)
        among.add(cell(1, column))
        system.publish(cell(2, column), 50, None)  # another year's, published
        system.publish(("margin", column), value + 50, None)
        system.equalities.append({cell(1, column): 1.0, cell(2, column): 1.0, ("margin", column): -1.0})
    for end in ("low", "high"):
        system.publish(sum_end(1, end), 30 + sum(row.values()), None)
        among.add(sum_end(1, end))
        system.equalities.append({cell(1, "A"): 1.0, **{cell(1, c): 1.0 for c in row}, sum_end(1, end): -1.0})
    return system, among


def test_a_count_behind_a_printed_sum_is_freed_by_withholding_the_sum_not_the_table() -> None:
    """The two ends of a printed sum are one label: withheld together, they free what one alone cannot, before
    the search runs out of patience on cheaper counts that free nothing (Mexico as both at threshold 11: 2017's
    Mexico → Guatemala behind 2020's sum, and then every count of the table withheld)."""
    system, among = _behind_a_sum()
    rule = DisclosureRule(11)
    assert _protected_jointly(system, rule, set(among), {}) == set()
    withheld = {q for q in among if system.status.get(q) is not None}
    assert withheld == {("row", 1, (CATEGORY_SUM, "low")), ("row", 1, (CATEGORY_SUM, "high"))}
    assert linked_exposures(system, rule) == []
