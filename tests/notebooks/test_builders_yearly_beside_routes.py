"""The table of victims per year (UNODC's ranges) protected together with the route tables of the same selection:
each year is the sum of its cells by corridor, destination or citizenship, and each corridor listed, "All other
routes" and the victims on a known route a sum of those columns over the years. Protected on its own, beside the
route tables it gave a year's small total back (Kuwait as both at threshold 11: Kuwait → United Kingdom, 46–49,
less 2020's 40, the year's only corridor, and 2019's ``<5``: 2018's 5), and a cell left empty by the table by
category (its row's breakdown withheld), which the reader knows is there, came back whatever that table withheld
(Tunisia as origin: 2016's 89 less Tunisia → Tunisia, 84: Italy's 5). The attacker (``_brief_attack``) reads a
cell left empty as a secret, as one labelled ``x`` or ``<11``."""

from __future__ import annotations

import polars as pl
import pytest
from _brief_attack import attack_brief
from _corridor_totals import corridor_totals
from hypothesis import given
from hypothesis import strategies as st
from test_builders_censored_disclosure import _pinned_cells
from test_builders_corridor_totals import _pinned

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import (
    _breakdown_year_bounds,
    _category_cells,
    _row_year_bounds,
    _yearly_basis,
    yearly_numbers,
)
from evidence.presentation.disclosure import DisclosureRule

#: the 2023 workbook's selections whose year's small total the tables by corridor, destination or citizenship,
#: the yearly table and the route tables gave back at threshold 11 (1 table by destination, 3 by citizenship)
YEAR_GAVE_BACK = [
    pytest.param("KWT", "both", "destination", id="Kuwait-both-by-destination"),
    pytest.param("KWT", "both", "corridor", id="Kuwait-both-by-corridor"),
    pytest.param("NZL", "destination", "citizenship", id="New-Zealand-destination-by-citizenship"),
]

#: the 2023 workbook's selections whose cell left empty (its row's breakdown withheld) came back at threshold 11
EMPTY_GAVE_BACK = [
    pytest.param("TUN", "origin", "destination", id="Tunisia-origin-by-destination"),
]


@pytest.mark.parametrize(("country", "role", "by"), YEAR_GAVE_BACK + EMPTY_GAVE_BACK)
def test_attack_the_yearly_table_beside_the_route_tables_pins_no_small_count(
    real_tables, country: str, role: str, by: str
) -> None:
    assert _pinned(real_tables[1], country, role, 11, by) == []


def test_pakistans_2017_beside_the_route_tables(real_tables) -> None:
    """The table by citizenship's sums of categories of 2010 and 2011, printed beside their totals' ``x``, gave
    2017's 9 back with the route table's victims on a known route while its joint protection took the exact
    parts beside the ``<5`` as known whatever it withheld, and so the year as given back by the route tables."""
    assert _pinned(real_tables[1], "PAK", "both", 11, "citizenship") == []


def _yearly_shown(table, country: str, role: str, by: str | None, threshold: int = 11) -> dict[str, str]:
    numbers = yearly_numbers(Selection(table, country=country, role=role), DisclosureRule(threshold), by=by)
    assert numbers.per_year is not None
    shown = numbers.per_year.shown()
    return dict(zip(shown["year"].to_list(), shown["victims"].to_list(), strict=True))


def test_kuwaits_2020_is_withheld_for_2018s_sake_and_the_rest_still_shown(real_tables) -> None:
    """2020's 40, the only corridor of its year, is withheld (``x``); 2017's 48 and the total row still show."""
    shown = _yearly_shown(real_tables[1], "KWT", "both", "destination")
    assert shown["2018"] == "<11"
    assert shown["2020"] == "x"
    assert shown["2017"] == "48"
    assert shown["Total"] == "118–130"


def test_the_yearly_table_is_the_same_whatever_the_breakdown(real_tables) -> None:
    """A brief prints one table of victims per year beside all its breakdowns: it is protected with every
    dimension's cells at once, so each breakdown's numbers carry the same one."""
    tables = {
        by: _yearly_shown(real_tables[1], "KWT", "both", by) for by in (None, "destination", "citizenship")
    }
    tables["corridor"] = _yearly_shown(real_tables[1], "KWT", "both", "corridor")
    assert len({tuple(sorted(t.items())) for t in tables.values()}) == 1


def _beside(table, country: str, by: str, threshold: int, *, routes: bool = True) -> list[tuple]:
    """The counts of the table by ``by`` (form, sex, age: the country as destination) that it, the yearly table,
    the table by citizenship and (``routes``) the route tables of the same selection pin, read together."""
    rule = DisclosureRule(threshold)
    selection = Selection(table, country=country, role="destination")
    numbers = yearly_numbers(selection, rule, by=by)
    citizenship = yearly_numbers(selection, rule, by="citizenship")
    pinned: list[tuple] = []
    for top_n in (10, 1000) if routes else (None,):
        columns = corridor_totals(citizenship, top_n) if top_n is not None else None
        found = attack_brief(numbers, rule, _pinned_cells, None, [(citizenship, columns)])
        pinned += [key for key in found if key not in pinned]
    return pinned


@pytest.mark.parametrize("by", ["form", "sex", "age"])
@pytest.mark.parametrize("country", ["KWT", "NZL", "MYS", "TUN"])
def test_the_tables_by_form_sex_and_age_beside_the_route_tables_pin_no_small_count(
    real_tables, country: str, by: str
) -> None:
    """The route tables sum the citizenship breakdown over the years: beside a table by form, sex or age they
    say nothing of its cells but through the years' totals, which the yearly table keeps (its protection with
    the route tables, above). Kuwait and New Zealand are the selections whose years the route tables gave back."""
    assert _beside(real_tables[1], country, by, 11) == []


def test_lebanons_children_of_2019_beside_the_table_by_citizenship(real_tables) -> None:
    """Lebanon as destination at 11: 2019's 13 victims (``x``), 9 of them children (``<11``), were given back
    by the tables by age and by citizenship read together, with or without the route tables: two breakdowns of
    the year each bound its total from one side (the table by citizenship's sum of categories, 13–19, at least
    13; the table by age's, ``<11``, its exact part at most 9 beside the 18-and-over ``<5``), and each row was
    protected with the year's total as the yearly table shows it (``x``), not with the other tables' rows."""
    assert _beside(real_tables[1], "LBN", "age", 11, routes=False) == []


def test_a_cell_of_an_exact_part_and_the_publishers_lt5_is_no_sum_of_lt5_alone(real_tables) -> None:
    """Kuwait as both by destination: 2015's Kuwait, 10-19, sums rows of the workbook, 7 and three ``<5``; read as
    a sum of ``<5`` alone (an exact part of 0) it was shown ``up to 19`` at 11, and its high bound gave the 7
    back."""
    selection = Selection(real_tables[1], country="KWT", role="both")
    by_counts = _yearly_basis(selection, "destination", None).by_counts
    assert _category_cells(by_counts, "destination")[("2015", "KWT")] == (10, 19, 7)
    shown = yearly_numbers(selection, DisclosureRule(11), by="destination").by_category.shown()
    assert "up to" not in dict(zip(shown["year"], shown["KWT"], strict=True))["2015"]


@given(exact=st.integers(0, 60), small=st.integers(0, 6), ten=st.integers(0, 6))
def test_the_printed_part_of_a_cell_is_never_more_than_it_holds(exact, small, ten) -> None:
    """A cell's exact part is what its bounds say the publisher printed: ``E`` of UNODC's ``E + k`` to ``E + 4k``
    (its ``<5`` each 1 to 4), never below 0 nor above the cell's least. A file publishing ``<10`` (1 to 9) has
    bounds of another form: read as ``E + k`` to ``E + 4k`` a lone ``<10``, 1 to 9, had an exact part of -1, and
    the table by form of such a file withheld its cells as ``<5`` under the note of a ``<5`` (loose30's)."""
    low, high = exact + small + ten, exact + 4 * small + 9 * ten
    part = _category_cells(
        pl.DataFrame({"year": [2020], "form": ["Forced labour"], "count_low": [low], "count_high": [high]}),
        "form",
    )[("2020", "Forced labour")][2]
    assert 0 <= part <= low
    if not ten:
        assert part == exact


def test_each_breakdown_bounds_its_years_total_from_its_row(real_tables) -> None:
    """Lebanon as destination at 11, 2019's 13 victims: the table by citizenship's row (Syria's 11 and two
    ``<5``, summed 13-19) says at least 13; the table by age's (children ``<11`` beside the adults' ``<5``, their
    sum ``<11``: its exact part at most 9) at most 13. A table by category is protected with the others'."""
    selection = Selection(real_tables[1], country="LBN", role="destination")
    rule = DisclosureRule(11)
    basis = _yearly_basis(selection, None, None)
    bounds = _breakdown_year_bounds(selection, basis, rule)
    assert bounds["citizenship"]["2019"] == (13, 19)
    assert bounds["age"]["2019"] == (2, 13)


def test_the_steady_reporters_total_row_less_their_corridors_is_no_small_cell(real_tables) -> None:
    """Poland as origin at 11: the steady reporters (Germany, the Netherlands; 2007-2019) are the route tables'
    Poland → Germany, 321–324 (an exact part of 320 and one ``<5``, 2015's), and Poland → Netherlands, 676, but
    for 2020's Germany, 5, a cell of a row left empty; their table's total row, 992–995 (991 and the same
    ``<5``), less those two gave it back: the yearly table's protection now holds the steady reporters' table
    with it, and withholds its total row (and 2018's 22). The attacker read the steady reporters' ``<5`` apart
    from the same ``<5`` among their cells, and missed it (it pinned the 5 once the table by destination printed
    2015's Netherlands, 90); it reads them as one now (``_System.equal_parts``)."""
    rule = DisclosureRule(11)
    numbers = yearly_numbers(Selection(real_tables[1], country="POL", role="origin"), rule, by="destination")
    assert numbers.panel is not None and numbers.panel.per_year is not None
    assert numbers.panel.panel.reporters == ("DEU", "NLD")
    totals = corridor_totals(numbers, 1000)
    printed = [totals[("DEU",)], totals[("NLD",)], numbers.panel.per_year.cells("victims")[-1]]
    assert not all(isinstance(low, int) and isinstance(high, int) for low, high in printed), printed
    for by in ("destination", "corridor"):
        assert _pinned(real_tables[1], "POL", "origin", 11, by) == []


def test_a_row_with_a_cell_not_of_the_publishers_lt5_bounds_no_year() -> None:
    """A row's cells bound its year's total where they are the publisher's ``<5`` (each 1 to 4) and exact parts;
    a file's ``<10`` (1 to 9) read as ``<5`` gave the year a least of 14 where it can be 13: no bound from it."""
    rule = DisclosureRule(11)
    assert "2020" in _row_year_bounds({"2020": [(1, 4), (12, 12)]}, {"2020": (13, 16)}, rule, published=False)
    assert _row_year_bounds({"2020": [(1, 9), (12, 12)]}, {"2020": (13, 21)}, rule, published=False) == {}
