"""A case table's flow records are grouped once per table (a brief asks for its selection's from its key figures,
routes, notes and charts; a warm kernel's batch for every country's): each selection a filter of them, the same
records as grouped anew, and a caller changing its copy changes nobody's."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal
from test_routes import cases, victims

from evidence.analyses import routes
from evidence.analyses.selection import Selection


def _table() -> pl.DataFrame:
    return cases(
        victims("MMR", "THA", 40)
        + victims("KHM", "THA", 20, year=2019)
        + victims("THA", "JPN", 6)
        + victims("THA", None, 3, year=2018)
        + victims("FIN", "JPN", 50)
    )


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(pl.all(), nulls_last=True)


def test_a_case_tables_flow_records_are_grouped_once(monkeypatch):
    grouped: list[int] = []
    group = routes._case_flow_records

    def counted(df: pl.DataFrame, *, keyed: bool) -> pl.DataFrame:
        grouped.append(df.height)
        return group(df, keyed=keyed)

    monkeypatch.setattr(routes, "_case_flow_records", counted)
    table = _table()
    selections = [
        Selection(table, country=c, role=r, years=y)
        for c in ("THA", "JPN")
        for r in ("origin", "destination", "both")
        for y in (None, (2019, 2020))
    ]
    found = [routes.flow_records(s) for s in selections]
    assert grouped == [table.height]
    for selection, records in zip(selections, found, strict=True):
        # the same records as grouping the selection's own rows
        own = group(table.filter(selection.where()), keyed=False)
        assert_frame_equal(_sorted(records), _sorted(own))
    other = table.clone()  # equal rows, another frame: its own grouping
    routes.flow_records(Selection(other, country="THA", role="origin"))
    assert grouped == [table.height, other.height]


def test_a_caller_changing_its_flow_records_changes_no_later_ones():
    table = _table()
    selection = Selection(table)
    first = routes.flow_records(selection)
    expected = first.clone()
    first.drop_in_place("victims")
    assert_frame_equal(routes.flow_records(selection), expected)


def test_a_selections_flow_records_are_selected_once(monkeypatch):
    """A brief asks for the flow records of the same selection ~8 times (key figures, routes, notes, charts,
    sentences): selected once per table and selection (an equal selection made anew included), each caller
    its own copy; another country, role or years, or another frame, selected for itself."""
    selected: list[tuple[str | None, str, object]] = []
    select = routes._flow_records_of

    def counted(selection, df, whole, secret):
        selected.append((selection.country, selection.role, selection.years))
        return select(selection, df, whole, secret)

    monkeypatch.setattr(routes, "_flow_records_of", counted)
    table = _table()
    first = routes.flow_records(Selection(table, country="THA", role="origin", years=(2019, 2020)))
    again = routes.flow_records(Selection(table, country="THA", role="origin", years=(2019, 2020)))
    assert selected == [("THA", "origin", (2019, 2020))]
    assert again is not first
    assert_frame_equal(again, first)
    again.drop_in_place("victims")  # a caller changing its copy changes nobody's
    assert_frame_equal(
        routes.flow_records(Selection(table, country="THA", role="origin", years=(2019, 2020))), first
    )
    for other in (
        Selection(table, country="JPN", role="origin", years=(2019, 2020)),
        Selection(table, country="THA", role="destination", years=(2019, 2020)),
        Selection(table, country="THA", role="origin"),
        Selection(table.clone(), country="THA", role="origin", years=(2019, 2020)),
    ):
        routes.flow_records(other)
    assert len(selected) == 5


def test_the_banded_records_flow_records_are_grouped_once_per_years(monkeypatch):
    """The flow records of the records dated only by a band of years (every country's) are grouped once per
    table and years, not for each selection: a selection of other years holds other bands."""
    from test_routes import cases

    grouped: list[tuple[int, int]] = []
    banded = routes._banded_flow_records

    def counted(df, years, *, keyed):
        grouped.append(years)
        return banded(df, years, keyed=keyed)

    monkeypatch.setattr(routes, "_banded_flow_records", counted)
    df = cases(
        [{"year": 2019, "year_band": "2019", "origin_iso3": "LAO", "destination_iso3": "THA"}] * 2
        + [{"year": None, "year_band": "2014-2018", "origin_iso3": "LAO", "destination_iso3": "THA"}] * 3
        + [{"year": None, "year_band": "2014-2018", "origin_iso3": "THA", "destination_iso3": "MYS"}] * 6
        + [{"year": None, "year_band": "2005-2013", "origin_iso3": "LAO", "destination_iso3": "THA"}] * 4
    )
    held = {}
    for country, role in (("THA", "destination"), ("THA", "origin"), ("MYS", "both"), ("LAO", "origin")):
        for years in ((2014, 2019), (2015, 2019)):
            held[country, role, years] = int(
                routes.flow_records(Selection(df, country=country, role=role, years=years))["victims"].sum()
            )
    assert grouped == [(2014, 2019), (2015, 2019)]
    assert held[("THA", "destination", (2014, 2019))] == 5 and held[("THA", "destination", (2015, 2019))] == 2
    assert held[("THA", "origin", (2014, 2019))] == 6 and held[("THA", "origin", (2015, 2019))] == 0
    assert held[("LAO", "origin", (2014, 2019))] == 5 and held[("MYS", "both", (2014, 2019))] == 6
