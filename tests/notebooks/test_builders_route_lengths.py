"""Route tables of any length (:func:`evidence.notebooks.builders.route_numbers`, ``top_n``: the routes
notebook's parameter, ``evidence flows --top-n``), read together with each other and with the tables by corridor,
destination and citizenship of the same selection (UNODC's ranges). Anyone can ask for every length; each was
protected on its own and the tables by category only with the listings of 10 and of every corridor, so two
listings gave back what neither shows ("All other routes" of 3 less that of 4 is the fourth corridor's total)
and a listing of 3 a withheld cell of the table by corridor (Mexico as both at threshold 11: 2017's Mexico →
Guatemala)."""

from __future__ import annotations

import polars as pl
import pytest
from _brief_attack import attack_brief
from _corridor_totals import class_totals, corridor_totals, known_less_apart
from _route_reader import read_cell
from test_builders_censored_disclosure import _pinned_cells

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import OTHER_ROUTES, route_numbers, yearly_numbers
from evidence.presentation.disclosure import COMPLEMENT_REASON, DisclosureRule

#: the lengths read together: the default (10), a few a user may ask for, and every corridor (1000)
LENGTHS = (1, 3, 5, 7, 10, 1000)


class _Readings(list):
    """Sums of columns as :func:`attack_brief` reads them (``columns.items()``), from several route tables: the
    same sum may be read twice (a mapping would keep one reading of each)."""

    def items(self):
        return iter(self)


def _pinned(table, country: str, role: str, threshold: int, by: str, lengths=LENGTHS) -> list[tuple]:
    """The withheld cells of the table by ``by`` that the brief's tables and the route tables of each length in
    ``lengths``, read together, pin: each row's total, the known routes less the rows apart, and the class cells
    of "All other routes" and of the totals row."""
    rule = DisclosureRule(threshold)
    numbers = yearly_numbers(Selection(table, country=country, role=role), rule, by=by)
    readings = _Readings()
    for top_n in lengths:
        readings += [*corridor_totals(numbers, top_n).items(), *known_less_apart(numbers, top_n)]
        readings += class_totals(numbers, top_n)
    return attack_brief(numbers, rule, _pinned_cells, readings)


#: the 2023 workbook's selections where a listing of 3, 5 or 7 corridors gave back a cell of the table by
#: corridor at threshold 11 that the listings of 10 and of every corridor did not (a sweep of every country and
#: role: Argentina as destination, 2010's Peru → Argentina; Mexico as both, 2017's Mexico → Guatemala)
SHORTER_GAVE_BACK = [
    pytest.param("MEX", "both", id="Mexico-both"),
    pytest.param("ARG", "destination", id="Argentina-destination"),
    pytest.param("NIC", "both", id="Nicaragua-both"),
    pytest.param("NIC", "origin", id="Nicaragua-origin"),
    pytest.param("CMR", "both", id="Cameroon-both"),
    pytest.param("THA", "destination", id="Thailand-destination"),
]


@pytest.mark.parametrize(("country", "role"), SHORTER_GAVE_BACK)
def test_route_tables_of_every_length_beside_the_table_by_corridor_pin_no_small_count(
    real_tables, country: str, role: str
) -> None:
    assert _pinned(real_tables[1], country, role, 11, "corridor") == []


def test_the_default_route_table_less_its_doubtful_corridor_beside_the_table_by_corridor_pins_no_small_count(
    real_tables,
) -> None:
    """Not a matter of lengths: the default listing and the listing of every corridor give every corridor's sum
    over the years, the victims on a known route less the doubtful corridor (Mexico as both at 11: 5,520–5,634),
    which beside the table by corridor gave 2017's Mexico → Guatemala back; the table by corridor is protected
    with it now (:func:`evidence.notebooks.builders._listing_margins`)."""
    assert _pinned(real_tables[1], "MEX", "both", 11, "corridor", lengths=(10, 1000)) == []


def test_the_class_cells_of_the_route_tables_beside_the_table_by_corridor_pin_no_small_count(
    real_tables,
) -> None:
    """A route table's class cells are sums of the table by corridor's columns too: Mexico as both at 11, the
    totals row's transregional 35–68 (China → Mexico and Mexico → Israel ``x``, the other routes up to 36) gave
    2008's China → Mexico back, as the table by corridor was protected with the rows' totals only; it is protected
    with the class cells of "All other routes" and of the totals row now
    (:func:`evidence.notebooks.builders._listing_margins`)."""
    assert _pinned(real_tables[1], "MEX", "both", 11, "corridor", lengths=(1000,)) == []


#: the 2023 workbook's selections whose table by destination or by citizenship, protected with the route tables'
#: rows only, gave a small count back beside their class cells at threshold 11 (by destination 8 tables, by
#: citizenship 13, among them these: Ecuador as origin, 2010's France)
CLASS_CELLS_GAVE_BACK = [
    pytest.param("ECU", "origin", "destination", id="Ecuador-origin-by-destination"),
    pytest.param("CZE", "destination", "citizenship", id="Czechia-destination-by-citizenship"),
    pytest.param("CYP", "both", "citizenship", id="Cyprus-both-by-citizenship"),
    pytest.param("ECU", "destination", "citizenship", id="Ecuador-destination-by-citizenship"),
]


@pytest.mark.parametrize(("country", "role", "by"), CLASS_CELLS_GAVE_BACK)
def test_the_class_cells_of_the_route_tables_beside_the_table_by_an_end_pin_no_small_count(
    real_tables, country: str, role: str, by: str
) -> None:
    assert _pinned(real_tables[1], country, role, 11, by, lengths=(1000,)) == []


#: the 2023 workbook's selections whose tables pinned a small count beside the route tables' class cells at 11, as
#: their joint protection read cells no reader has (:func:`evidence.notebooks.builders._listing_margins`): the high
#: bound of a cell shown ``x`` (Ukraine → Malta's 23), and a class cell of the totals row less "All other routes"
#: where that row's cell of the class is withheld (Malta as destination: the intraregional 29–41 less its ``<11``,
#: read as Ukraine → Malta's 20–23; Honduras as origin: the transregional less its ``x``, Honduras → Spain and →
#: Romania). Each gave a count back "whatever the table prints", which it then left to the other tables, and the
#: class cells pinned it (2007's Russian Federation → Malta, 6; 2020's Honduras → United Kingdom, 7)
CLASS_CELLS_READ_AS_SHOWN = [
    pytest.param("MLT", "destination", "corridor", id="Malta-destination"),
    pytest.param("MLT", "destination", "citizenship", id="Malta-destination-by-citizenship"),
    pytest.param("MLT", "both", "corridor", id="Malta-both"),
    pytest.param("HND", "origin", "corridor", id="Honduras-origin"),
    pytest.param("HND", "origin", "destination", id="Honduras-origin-by-destination"),
]


@pytest.mark.parametrize(("country", "role", "by"), CLASS_CELLS_READ_AS_SHOWN)
def test_the_route_tables_cells_are_read_as_shown_beside_the_table_by_category(
    real_tables, country: str, role: str, by: str
) -> None:
    assert _pinned(real_tables[1], country, role, 11, by) == []


@pytest.mark.parametrize(
    ("country", "role", "misread"),
    [
        pytest.param("MLT", "destination", ("UKR>MLT",), id="Malta-destination"),
        pytest.param("HND", "origin", ("HND>ESP", "HND>ROU"), id="Honduras-origin"),
    ],
)
def test_the_joint_protection_reads_the_route_tables_cells_as_a_reader_sees_them(
    real_tables, country: str, role: str, misread: tuple[str, ...]
) -> None:
    """What the table by corridor is protected with (:func:`evidence.notebooks.builders._route_margins`) is what
    the route table shows: a cell shown ``x`` is withheld at both ends (Ukraine → Malta, 20–23: its high bound was
    read as printed), and a class cell of the totals row less "All other routes" is read only where that row's cell
    of the class is printed (the intraregional 29–41 less a ``<11`` was read as Ukraine → Malta's 20–23; Honduras
    as origin, the transregional less an ``x`` as Honduras → Spain's and → Romania's)."""
    from evidence.notebooks.builders import _route_margins

    rule = DisclosureRule(11)
    selection = Selection(real_tables[1], country=country, role=role)
    numbers = yearly_numbers(selection, rule, by="corridor")
    margins = _route_margins(selection, rule, numbers.by_counts, "corridor").every()
    assert (misread, (None, None)) not in margins
    if country == "MLT":
        assert (misread, (COMPLEMENT_REASON, COMPLEMENT_REASON)) in margins


def _shown(numbers) -> dict[tuple[str, str], tuple[object, object]]:
    """Every cell of a route table as shown, by row and column: (low, high) where a count or range is shown,
    else its label (``x``, ``<11``)."""
    shown = numbers.table()
    cells = {}
    for row in shown.iter_rows(named=True):
        for column in shown.columns[1:]:
            kind, low, high = read_cell(row[column])
            cells[(row["route"], column)] = (low, high) if kind in ("exact", "range") else (kind, kind)
    return cells


def _follows(full, cells: dict, column: str, listed: set[str], value: tuple[object, object]) -> bool:
    """Whether "All other routes"' ``value`` in ``column`` of a listing of the corridors ``listed`` follows from
    the listing of every corridor's published cells (``cells``): its rows beyond them summed, or its column's
    total less the rows kept (the publisher's cell total of all victims is no sum of rows: never read)."""
    label = full.low.table.total_label  # the totals row's, and the column of each row's total
    labels = [row for row, c in cells if c == column and row != label]
    corridors = set(full.low.corridors["route"].to_list())
    beyond = [row for row in labels if row in corridors - listed or row == OTHER_ROUTES]
    kept = [row for row in labels if row not in beyond]

    def total(parts: list[str]) -> tuple[int, int] | None:
        pairs = [cells[(label, column)] for label in parts]
        if any(isinstance(low, str) or low is None for low, _ in pairs):
            return None
        return sum(low for low, _ in pairs), sum(high for _, high in pairs)

    if total(beyond) == value:
        return True
    whole, rest = cells[(label, column)], total(kept)
    if column == label or whole is None or isinstance(whole[0], str) or rest is None:
        return False
    return (whole[0] - rest[0], whole[1] - rest[1]) == value


@pytest.mark.parametrize("threshold", [5, 11])
@pytest.mark.parametrize(
    ("country", "role"), [("MEX", "both"), ("ARG", "destination"), ("USA", "destination")]
)
def test_a_listing_of_any_length_publishes_nothing_the_listing_of_every_corridor_does_not(
    real_tables, country: str, role: str, threshold: int
) -> None:
    """Every listing is read beside every other: a corridor's cells are those of the listing of every corridor
    (a complement there is one here too), and "All other routes" is shown only where that listing's own cells
    give it (two listings' "All other routes" differ by the corridors between them)."""
    rule = DisclosureRule(threshold)
    selection = Selection(real_tables[1], country=country, role=role)
    full = route_numbers(selection, rule, top_n=1000)
    assert full is not None
    every = _shown(full)
    for top_n in (1, 2, 3, 5, 7, 10):
        numbers = route_numbers(selection, rule, top_n=top_n)
        assert numbers is not None
        listed = set(numbers.low.corridors["route"].to_list())
        shown = _shown(numbers)
        total = numbers.low.table.total_label
        for (label, column), value in shown.items():
            if isinstance(value[0], str):
                continue  # withheld: says no more than the rule's label
            if label == OTHER_ROUTES:
                # its total: its cells' sum, each of which is checked
                cells = [v for (row, c), v in shown.items() if row == label and c != total]
                whole = column == total and all(not isinstance(low, str) for low, _ in cells)
                summed = (sum(low for low, _ in cells), sum(high for _, high in cells)) if whole else None
                assert summed == value or _follows(full, every, column, listed, value), (top_n, column, value)
            else:
                assert every[(label, column)] == value, (top_n, label, column, value)


@pytest.mark.parametrize(("country", "role"), [("FRA", "both"), ("CAN", "both"), ("MEX", "both")])
def test_the_region_table_is_the_same_beside_a_listing_of_any_length(
    real_tables, country: str, role: str
) -> None:
    """The region table is protected beside the route table it is shown with: beside each length its own, two
    lengths gave what neither does (France as both at 11: a region table beside the listing of ten, none beside
    the listing of every corridor). The one beside the listing of every corridor is shown with each."""
    rule = DisclosureRule(11)
    selection = Selection(real_tables[1], country=country, role=role)
    shown = set()
    for top_n in (1, 3, 5, 10, 1000):
        numbers = route_numbers(selection, rule, top_n=top_n)
        assert numbers is not None
        bounds = numbers.region_bounds("region")
        shown.add(None if bounds is None else repr(bounds.shown().to_dicts()))
    assert len(shown) == 1


@pytest.mark.parametrize("country", ["DEU", "FIN", "TUR"])
def test_no_emerging_corridor_is_printed_beside_its_x_in_a_listing_of_another_length(
    real_tables, country
) -> None:
    """The routes brief prints no statistic of an emerging corridor the route table withholds
    (:meth:`RouteBounds.withheld_corridors`): read from the listing of ten only, a corridor it left in "All other
    routes" was printed beside its ``x`` in the listing of every corridor (16 selections at 11 on the 2023
    workbook; Germany as both: Zimbabwe → Germany)."""
    from evidence.analyses import routes

    rule = DisclosureRule(11)
    selection = Selection(real_tables[1], country=country, role="both")
    emerging = routes.emerging_routes(selection, min_victims=rule.threshold)
    every = route_numbers(selection, rule, top_n=1000)
    ten = route_numbers(selection, rule, top_n=10)
    assert every is not None and ten is not None
    withheld = set()
    for view in (every.low, every.high):
        totals = view.table.frame.select("route", pl.col(view.table.total_label).alias("victims"))
        rows = view.corridors.join(totals, on="route").filter(pl.col("victims").is_null())
        withheld |= set(rows.select("origin_iso3", "destination_iso3").iter_rows())
    printed = set(emerging.head(10).select("origin_iso3", "destination_iso3").iter_rows())
    assert printed & withheld  # the case: an emerging corridor withheld in the listing of every corridor
    assert printed & withheld <= ten.withheld_corridors()


#: "All other routes" withheld as small where the listing of every corridor withholds several of its rows (flows of
#: one victim or more, threshold 11): Kuwait as both, a ``<11`` that narrowed them; Canada as destination and Saudi
#: Arabia as both, where a complement in its place said at least 11 of a sum another cell gives as ``<11``
OTHER_ROUTES_LABELLED = [
    pytest.param("KWT", "both", "Intraregional", "x", id="Kuwait-both"),
    pytest.param("CAN", "destination", "Intraregional", "<11", id="Canada-destination"),
    pytest.param("SAU", "both", "Sum of the citizenship breakdown", "<11", id="SaudiArabia-both"),
]


@pytest.mark.parametrize(("country", "role", "column", "label"), OTHER_ROUTES_LABELLED)
def test_all_other_routes_labelled_small_says_no_more_than_the_listing_of_every_corridor(
    real_tables, country: str, role: str, column: str, label: str
) -> None:
    """ "All other routes" withheld as ``<11`` bounds a sum of corridors: where the listing of every corridor
    withholds more than one of them, it narrowed each (Kuwait as both at 11, flows of one victim or more: the
    listing of five's intraregional ``<11``, Nepal, the Philippines and Sri Lanka → Kuwait, each ``<11``, beside
    the column's 18–27 pinned Kuwait → Jordan's ``<11``, 8). It is a complement there (``x``), and ``<11`` where
    a sum it is part of is ``<11`` already (the column's total; the victims on a known route), as an ``x`` beside
    it said at least 11 of victims that cell gives as fewer. The reader holds the listing of every corridor and
    "All other routes" of each length."""
    from _route_reader import pinned

    selection = Selection(real_tables[1], country=country, role=role)
    rule = DisclosureRule(11)
    found, _ = pinned(selection, rule, region=False, top_n=1000, min_victims=1, beside=(1, 3, 5, 7, 10))
    assert found == []
    shown = set()
    for top_n in (1, 3, 5, 7, 10):
        numbers = route_numbers(selection, rule, top_n=top_n, min_victims=1)
        assert numbers is not None
        shown |= set(numbers.table().filter(pl.col("route") == OTHER_ROUTES)[column].to_list())
    assert label in shown
