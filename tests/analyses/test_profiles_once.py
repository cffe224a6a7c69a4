"""A selection's shares of a group are made once per table and selection (a brief asks for the shares by form
from its yearly table by form, protected with the profile, and from the profile itself): each caller its own
copy; another selection, group, level or frame made for itself; what raises is raised each time."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from test_routes import cases

from evidence.analyses import profiles
from evidence.analyses.selection import Selection
from evidence.core.errors import ParameterError


def _table() -> pl.DataFrame:
    rows = (
        [{"year": 2019, "origin_iso3": "MMR", "destination_iso3": "THA", "gender": "Female"}] * 7
        + [{"year": 2020, "origin_iso3": "MMR", "destination_iso3": "THA", "gender": "Male"}] * 4
        + [{"year": 2020, "origin_iso3": "THA", "destination_iso3": "JPN", "gender": None}] * 3
    )
    return cases(rows)


def test_a_selections_shares_are_made_once(monkeypatch):
    made: list[tuple] = []
    shares_of = profiles._group_shares

    def counted(selection, group, level):
        made.append((selection.country, selection.role, selection.years, group, level))
        return shares_of(selection, group, level)

    monkeypatch.setattr(profiles, "_group_shares", counted)
    table = _table()
    first = profiles.group_shares(Selection(table, country="THA", role="destination"), "sex")
    again = profiles.group_shares(Selection(table, country="THA", role="destination"), "sex")
    assert len(made) == 1 and again is not first
    assert_frame_equal(again, first)
    assert dict(first.select("category", "count").rows()) == {"Female": 7, "Male": 4}
    again.drop_in_place("count")  # a caller changing its copy changes nobody's
    assert_frame_equal(
        profiles.group_shares(Selection(table, country="THA", role="destination"), "sex"), first
    )
    for selection, group, level in (
        (Selection(table, country="THA", role="origin"), "sex", 0.95),
        (Selection(table, country="THA", role="destination", years=(2020, 2020)), "sex", 0.95),
        (Selection(table, country="THA", role="destination"), "gender", 0.95),
        (Selection(table, country="THA", role="destination"), "sex", 0.9),
        (Selection(table.clone(), country="THA", role="destination"), "sex", 0.95),
    ):
        profiles.group_shares(selection, group, level=level)
    assert len(made) == 6
    narrower = profiles.group_shares(Selection(table, country="THA", role="destination"), "sex", level=0.9)
    assert narrower["ci_low"].to_list() != first["ci_low"].to_list()
    for _ in range(2):
        with pytest.raises(ParameterError, match="unknown group"):
            profiles.group_shares(Selection(table, country="THA", role="destination"), "no such column")
    assert len(made) == 8
