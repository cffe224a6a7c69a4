"""The region table of UNODC's ranges protected together with the route table and the key figures beside it.

A reader holds all three and knows how the ranges are made: each flow and each row of no route is an exact part
``E`` (what the publisher gives as a number) and censored parts (its ``<5`` cells, 1 to 4 each), its low bound
``E + L`` and its high bound ``E + H`` (``H = 4L``; a difference of censored sums only ``L <= H``). Every range
shown fixes both bounds of its flows' sum, ``<5`` puts the low bound below the threshold, ``x`` both at the
threshold or more, ``up to 8`` the high bound, ``at least 12`` the low one. An independent MILP reader
(``_route_reader.pinned``) must pin neither bound of a withheld count that may be small (its low bound below the
threshold; a cell made only of the publisher's ``<5`` cells is the publisher's own, known to anyone with its file),
nor the exact part of a flow that is small. The selections are the 2023 workbook's whose region table, shown
beside the route table under sec29's rule, gave such a count back (none that the route table alone gives).
"""

from __future__ import annotations

import _route_reader as reader
import pytest

from evidence.analyses.selection import Selection
from evidence.presentation.disclosure import DisclosureRule

#: the 2023 workbook's selections whose region table, shown beside the route table under sec29's rule, gave a
#: small count back that the route table and key figures alone do not
GAVE_BACK = [
    pytest.param("CIV", "origin", 5, id="Cote-d-Ivoire-origin-5"),
    pytest.param("LBN", "origin", 5, id="Lebanon-origin-5"),
    pytest.param("TTO", "origin", 5, id="Trinidad-and-Tobago-origin-5"),
    pytest.param("ROU", "destination", 11, id="Romania-destination-11"),
    pytest.param("PAK", "origin", 11, id="Pakistan-origin-11"),
    pytest.param("LTU", "origin", 11, id="Lithuania-origin-11"),
    pytest.param("KAZ", "origin", 11, id="Kazakhstan-origin-11"),
    # a small low bound beside a withheld high one is shown x, read as at least the threshold: Asia → Africa x
    # beside the route table's transregional <11 of the same flows gave them back as 10
    pytest.param("BWA", "destination", 11, id="Botswana-destination-11"),
]


@pytest.mark.parametrize(("country", "role", "threshold"), GAVE_BACK)
def test_attack_the_region_table_of_ranges_route_table_and_key_figures_together_pin_no_small_count(
    real_tables, country: str, role: str, threshold: int
) -> None:
    selection = Selection(real_tables[1], country=country, role=role)
    rule = DisclosureRule(threshold)
    alone, _ = reader.pinned(selection, rule, region=False)
    pinned, _ = reader.pinned(selection, rule)
    assert [p for p in pinned if p not in alone] == []


#: the workbook's selections whose region table is shown beside a route table that withholds a cell: the first
#: ones left out under sec29's rule (a region pair of corridors, one withheld), the region table now protected
#: with it (the Netherlands as origin: Europe → Americas, "Netherlands → United States x" alone, withheld)
BESIDE_WITHHELD = [
    pytest.param("NLD", "origin", 5, id="Netherlands-origin-5"),
    pytest.param("BWA", "origin", 5, id="Botswana-origin-5"),
    pytest.param("SSD", "origin", 5, id="South-Sudan-origin-5"),
    pytest.param("NLD", "origin", 11, id="Netherlands-origin-11"),
    pytest.param("MMR", "origin", 11, id="Myanmar-origin-11"),
    pytest.param("BOL", "destination", 11, id="Bolivia-destination-11"),
    pytest.param("BTN", "origin", 11, id="Bhutan-origin-11"),
    pytest.param("CHL", "origin", 11, id="Chile-origin-11"),
    pytest.param("AGO", "origin", 5, id="Angola-origin-5"),
]


@pytest.mark.parametrize(("country", "role", "threshold"), BESIDE_WITHHELD)
def test_a_region_table_of_ranges_shown_beside_withheld_cells_gives_back_only_the_publishers_own(
    real_tables, country: str, role: str, threshold: int
) -> None:
    """A class total the route table withholds that the region table's sums give back is one made only of the
    publisher's ``<5`` cells, whose bounds anyone with the workbook has (Bhutan as origin, threshold 11: the
    transregional ``<11`` of the other routes, ``<5`` cells of the workbook, is the regions' Asia → Europe); no
    other withheld count of the route table, small or not, comes back (Angola as origin, threshold 5: none)."""
    selection = Selection(real_tables[1], country=country, role=role)
    rule = DisclosureRule(threshold)
    alone, _ = reader.pinned(selection, rule, region=False, every=True)
    pinned, shown = reader.pinned(selection, rule, every=True)
    assert shown
    small_alone, _ = reader.pinned(selection, rule, region=False)
    assert [p for p in reader.pinned(selection, rule)[0] if p not in small_alone] == []
    back = [where for where, value in pinned if (where, value) not in alone]
    # the victims on a known route are the region table's total by definition (at least the threshold here): a
    # key figure shown x only because the route table's withheld class totals do not give it
    cells = [where for where in back if where[0] != "on a known route" and where[0][0] != "region"]
    assert all(own for _, _, own in cells), cells


#: the workbook's selections whose subregion table (the routes brief's ``regional_level: subregion``: the route
#: table classed by subregion, the region table of subregions) gave a small count back beside the route table
#: before the two were protected together (an independent reader at the subregion level, rev30): none of them
#: is a region-level case above. The Netherlands as origin, 11: the other routes' transregional 9–21 (low 9);
#: Uganda as origin, 11: their intraregional 10–16; India as origin, 11: a flow's exact 7; Australia as
#: destination, 11: a flow's exact 5; Bosnia and Herzegovina as destination, 11: the victims of unknown
#: citizenship; Saudi Arabia as origin, 11: Western Asia's total, low 10 (now left out)
SUBREGION_GAVE_BACK = [
    pytest.param("NLD", "origin", 11, id="Netherlands-origin-11"),
    pytest.param("UGA", "origin", 11, id="Uganda-origin-11"),
    pytest.param("IND", "origin", 11, id="India-origin-11"),
    pytest.param("AUS", "destination", 11, id="Australia-destination-11"),
    pytest.param("BIH", "destination", 11, id="Bosnia-and-Herzegovina-destination-11"),
    pytest.param("SAU", "origin", 11, id="Saudi-Arabia-origin-11"),
]


@pytest.mark.parametrize(("country", "role", "threshold"), SUBREGION_GAVE_BACK)
def test_attack_the_subregion_table_route_table_and_key_figures_together_pin_no_small_count(
    real_tables, country: str, role: str, threshold: int
) -> None:
    selection = Selection(real_tables[1], country=country, role=role)
    rule = DisclosureRule(threshold)
    alone, _ = reader.pinned(selection, rule, region=False, level="subregion")
    pinned, _ = reader.pinned(selection, rule, level="subregion")
    assert [p for p in pinned if p not in alone] == []


#: the workbook's selections of one year (the routes brief's ``year_from``/``year_to``: 2020) whose region table
#: gave a small count back beside the route table before the two were protected together (rev30): North
#: Macedonia as origin, 11: the other routes' total, low 10; Denmark as destination, 5: the other routes' domestic
#: victims, low 1; Germany as destination, 11: the victims of unknown citizenship. Panama as origin, 5: its total
#: "up to 8" is the publisher's cell total, not its rows' sum (other routes "up to 11"), which the reader leaves
SINGLE_YEAR_GAVE_BACK = [
    pytest.param("MKD", "origin", 11, id="North-Macedonia-origin-11"),
    pytest.param("DNK", "destination", 5, id="Denmark-destination-5"),
    pytest.param("DEU", "destination", 11, id="Germany-destination-11"),
    pytest.param("PAN", "origin", 5, id="Panama-origin-5"),
]


@pytest.mark.parametrize(("country", "role", "threshold"), SINGLE_YEAR_GAVE_BACK)
def test_attack_a_single_years_region_table_route_table_and_key_figures_together_pin_no_small_count(
    real_tables, country: str, role: str, threshold: int
) -> None:
    selection = Selection(real_tables[1], country=country, role=role, years="2020")
    rule = DisclosureRule(threshold)
    alone, _ = reader.pinned(selection, rule, region=False)
    pinned, _ = reader.pinned(selection, rule)
    assert [p for p in pinned if p not in alone] == []
