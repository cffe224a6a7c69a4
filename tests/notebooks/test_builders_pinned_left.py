"""The cells the brief attacker (``_brief_attack``: the table by category, the yearly table with its total row,
the steady reporters' table and the route tables of every corridor and of ten, read together) still pins in the
2023 workbook at threshold 11, each marked ``xfail(strict=True)`` with how it comes back: a fix makes its test
fail loudly (the mark then goes), and the list says what is left. Swept over every country, role and listing
length (1, 3, 5, 7, 10 and every corridor) on main after mex32, these and Pakistan's (as both by citizenship,
2017: :mod:`test_builders_yearly_beside_routes`' own) are all the tables pinning a cell, each with the listings
of ten and of every corridor too. Each is a small cell of a row left empty (its breakdown withheld), all but
Hungary's given back by a route table's sum of its column over the years less the column's other cells. None pins
one now, and each stays as a test: Hungary's since the yearly table and the steady reporters' table were
protected with the cells they sum; France's, South Africa's, Mauritania's and Portugal's (how each came back is
said below) since the joint protection keeps a small cell left empty (withheld with no label) and reads the exact
part beside a cell's ``<5`` as known only where an end of the cell is printed."""

from __future__ import annotations

import pytest
from _route_reader import read_cell
from test_builders_corridor_totals import _pinned

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import yearly_numbers
from evidence.presentation.disclosure import DisclosureRule

FRANCE = (
    "the listing of every corridor's Poland → France, 43–49 (an exact part of 41), sums Poland's column over the "
    "years: 2009's 20, 2008's x and 2010's cell left empty; 2008's two x (Ghana 13, Poland 12) are 25 by that "
    "year's sum of categories, 714, and Ghana → France, 15–21, is 2008's 13 and two <5, so 2008's Poland is 12 "
    "and 2010's 41 - 20 - 12 = 9: the joint protection left 2010's row empty (no total published that year), "
    "taking the cell as given back by the route tables whatever it withholds, and withheld nothing more"
)

SOUTH_AFRICA = (
    "the route tables' victims on a known route, 337-460 (listings of 3 or more), sum every cell of the table "
    "over the years; the other years' cells, printed or given by their sums, leave 2013's row left empty: its "
    "South Africa's 9 beside the United Kingdom's <5 (no sum of the year's 65-68), the row the joint protection "
    "left empty, taking the cell as given back by the route tables whatever it withholds"
)

MAURITANIA = (
    "the route tables' corridors from Mauritania, its column over the years, 19-40 (an exact part of 12), less "
    "2020's 7 (its up to 11 with one <5), the column's only other exact part, is 2011's 5 (no total that year): "
    "the joint protection left the row empty, taking the cell as given back by the route tables whatever it "
    "withholds"
)

PORTUGAL = (
    "Bulgaria → Portugal in the listings of ten and of every corridor, 22-25 (an exact part of 21), less 2016's "
    "printed 11 (2009's is a <5) is 2014's 10, in a row the row protection left empty beside its total, 35-41, "
    "which the joint protection reads as a count shown nowhere, not as one to keep"
)

#: the selections of the 2023 workbook whose tables pinned a cell at 11 on main after mex32
PINNED_LEFT = [
    pytest.param(
        "FRA",
        "destination",
        "corridor",
        id="France-destination-by-corridor",
    ),
    pytest.param(
        "FRA",
        "destination",
        "citizenship",
        id="France-destination-by-citizenship",
    ),
    pytest.param(
        "FRA",
        "both",
        "corridor",
        id="France-both-by-corridor",
    ),
    pytest.param(
        "FRA",
        "both",
        "citizenship",
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


def _counts_shown(frame) -> int:
    """The cells of a shown table that print a count or a range of counts (no label, no note)."""

    def shown(value: object) -> bool:
        try:
            return read_cell(value)[0] in ("exact", "range")
        except ValueError:  # a note
            return False

    return sum(shown(v) for c in frame.columns[1:] if c != "note" for v in frame[c].to_list())


def test_a_cell_the_row_protection_left_empty_and_its_rows_give_back_costs_no_counts_shown(
    real_tables,
) -> None:
    """Brazil as origin by destination at 11: 2016's Netherlands, 7, left empty by the row protection, follows
    from the steady reporters' count on the row alone (the row protection's leaving, known already). Kept as a
    target of the joint protection beside the route tables, no complement freed it, and withholding the rows and
    columns of the counts exposed took the table's 25 counts shown to 17."""
    rule = DisclosureRule(11)
    numbers = yearly_numbers(Selection(real_tables[1], country="BRA", role="origin"), rule, by="destination")
    assert numbers.by_category is not None
    assert _counts_shown(numbers.by_category.shown()) >= 25
