"""The cells the brief attacker (``_brief_attack``: the table by category, the yearly table with its total row,
the steady reporters' table and the route tables of every corridor and of ten, read together) still pins in the
2023 workbook at threshold 11, each marked ``xfail(strict=True)`` with how it comes back: a fix makes its test
fail loudly (the mark then goes), and the list says what is left. Swept over every country, role and listing
length (1, 3, 5, 7, 10 and every corridor) on main after mex32, these and Pakistan's (as both by citizenship,
2017: :mod:`test_builders_yearly_beside_routes`' own) are all the tables pinning a cell, each with the listings
of ten and of every corridor too. Each is a small cell of a row left empty (its breakdown withheld), given back
by a route table's sum of its column over the years less the column's other cells. Hungary's (as origin, by
corridor and by destination), pinned until the yearly table and the steady reporters' table were protected with
the cells they sum, South Africa's, Mauritania's and Portugal's are kept unmarked."""

from __future__ import annotations

import pytest
from test_builders_corridor_totals import _pinned

FRANCE = (
    "the listing of every corridor's Poland → France, 43–49 (an exact part of 41), sums Poland's column over the "
    "years: 2009's 20, 2008's x and 2010's cell left empty; 2008's two x (Ghana 13, Poland 12) are 25 by that "
    "year's sum of categories, 714, and Ghana → France, 15–21, is 2008's 13 and two <5, so 2008's Poland is 12 "
    "and 2010's 41 - 20 - 12 = 9: the joint protection left 2010's row empty (no total published that year), "
    "taking the cell as given back by the route tables whatever it withholds, and withheld nothing more"
)


#: the selections of the 2023 workbook whose tables pin a cell at 11 on main (marked), and Hungary's, which did;
#: South Africa's and Mauritania's did until their rows read together no longer took a withheld cell's exact part as
#: known for the publisher's ``<5`` in it (every other year's was, and the cell was taken as given back by its
#: column's sum whatever was withheld), Portugal's until a small cell left empty was a count not to follow though it
#: has no label
PINNED_LEFT = [
    pytest.param(
        "FRA",
        "destination",
        "corridor",
        marks=pytest.mark.xfail(strict=True, reason=FRANCE),
        id="France-destination-by-corridor",
    ),
    pytest.param(
        "FRA",
        "destination",
        "citizenship",
        marks=pytest.mark.xfail(strict=True, reason=FRANCE),
        id="France-destination-by-citizenship",
    ),
    pytest.param(
        "FRA",
        "both",
        "corridor",
        marks=pytest.mark.xfail(strict=True, reason=FRANCE),
        id="France-both-by-corridor",
    ),
    pytest.param(
        "FRA",
        "both",
        "citizenship",
        marks=pytest.mark.xfail(strict=True, reason=FRANCE),
        id="France-both-by-citizenship",
    ),
    # pinned once: 2008's 103 victims in the yearly table less the steady reporters' (Austria, Germany, the
    # Netherlands) 95 in theirs was the year's one other category, Hungary's 8, with no route table; the row's
    # protection holds both as sums of its cells but withholds only cells of the row (so left it empty, which hides
    # nothing). The yearly table, protected with the steady reporters' table and the cells they sum
    # (builders._per_year_beside_routes), now withholds 2008 (and 2017 beside it)
    pytest.param("HUN", "origin", "corridor", id="Hungary-origin-by-corridor"),
    pytest.param("HUN", "origin", "destination", id="Hungary-origin-by-destination"),
    pytest.param(
        "ZAF",
        "both",
        "destination",
        id="South-Africa-both-by-destination",
    ),
    pytest.param(
        "MRT",
        "both",
        "citizenship",
        id="Mauritania-both-by-citizenship",
    ),
    pytest.param(
        "PRT",
        "both",
        "citizenship",
        id="Portugal-both-by-citizenship",
    ),
]


@pytest.mark.parametrize(("country", "role", "by"), PINNED_LEFT)
def test_the_brief_beside_the_route_tables_pins_no_cell(
    real_tables, country: str, role: str, by: str
) -> None:
    assert _pinned(real_tables[1], country, role, 11, by) == []
