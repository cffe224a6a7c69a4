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
