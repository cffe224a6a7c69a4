"""What a brief asks of the country-level tables again and again is made once per tables (a warm kernel's batch asks
every brief for the same panel): the same answer as made anew, and a caller changing its copy changes nobody's."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from evidence.analyses import society
from evidence.sources.cache import load_cached


@pytest.fixture(scope="module")
def tables(shared_data):
    return [
        load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"),
        load_cached(shared_data / "walkfree" / "gsi_2023.xlsx"),
        load_cached(shared_data / "tip" / "tip_tiers_1999_2015.csv"),
    ]


@pytest.fixture
def made(monkeypatch) -> list[int]:
    """How many panels were made (each call of the builder behind country_panel)."""
    calls: list[int] = []
    make = society._country_panel

    def counted(*args, **kwargs):
        calls.append(1)
        return make(*args, **kwargs)

    monkeypatch.setattr(society, "_country_panel", counted)
    return calls


def test_a_panel_of_the_same_tables_is_made_once(tables, made):
    first = society.country_panel(tables)
    # a brief's tables are copies of the loaded ones (runtime.load_data): the same frames, the same panel
    again = society.country_panel([dataclasses.replace(t) for t in tables])
    assert len(made) == 1
    assert_frame_equal(again.frame, first.frame)
    assert again.sources == first.sources and again.gsi_year == first.gsi_year


def test_another_frame_countries_or_indicator_make_their_own_panel(tables, made):
    society.country_panel(tables)
    n = len(made)
    society.country_panel(tables[:2])
    society.country_panel(tables, countries=["THA", "MMR"])
    other = dataclasses.replace(tables[2], data=tables[2].data.clone())  # equal rows, another frame
    society.country_panel([*tables[:2], other])
    assert len(made) == n + 3
    assert society.country_panel(tables, countries=["THA", "MMR"]).frame[
        "iso3"
    ].unique().sort().to_list() == [
        "MMR",
        "THA",
    ]


def test_a_caller_changing_its_panel_changes_no_later_one(tables):
    first = society.country_panel(tables)
    expected = first.frame.clone()
    first.frame.drop_in_place("value")  # in place: the kept panel keeps its column
    assert_frame_equal(society.country_panel(tables).frame, expected)


def test_the_cached_panel_is_the_panel_made_anew(tables):
    assert_frame_equal(
        society.country_panel(tables).frame,
        society._country_panel(tables, countries=None, indicator=society.DEFAULT_INDICATOR).frame,
    )


def test_a_countrys_gsi_profile_is_read_once_and_each_caller_gets_its_own(tables, monkeypatch):
    gsi = tables[1]
    calls: list[str] = []
    read = society._gsi_profile

    def counted(frame: pl.DataFrame, iso3: str) -> pl.DataFrame:
        calls.append(iso3)
        return read(frame, iso3)

    monkeypatch.setattr(society, "_gsi_profile", counted)
    first = society.gsi_profile(gsi, "Bhutan")  # a country no other test asks for: not kept yet
    expected = first.clone()
    first.drop_in_place("rank")
    again = society.gsi_profile(dataclasses.replace(gsi), "BTN")
    assert calls == ["BTN"]
    assert_frame_equal(again, expected)
    assert_frame_equal(again, read(gsi.data, "BTN"))


def test_a_countrys_default_peers_are_read_once_from_the_reference(monkeypatch):
    """A brief asks for its country's peers three times: read once from the reference table (loaded once), each
    caller its own list; another reference table (a test's) read for itself."""
    import polars as pl

    from evidence.analyses import society
    from evidence.sources import countries

    monkeypatch.setattr(society, "_PEERS", {})
    read: list[str] = []
    peers_of = society._default_peers_of
    monkeypatch.setattr(society, "_default_peers_of", lambda t, c: read.append(c) or peers_of(t, c))
    first = society.default_peers("THA")
    assert "MMR" in first and "THA" not in first
    first.append("XXX")  # a caller changing its list changes nobody's
    assert society.default_peers("Thailand") == [c for c in first if c != "XXX"] and read == ["THA"]
    reference = countries.country_table()
    other = reference.filter(pl.col("iso3") != "MMR")
    monkeypatch.setattr(countries, "country_table", lambda: other)
    assert "MMR" not in society.default_peers("THA") and read == ["THA", "THA"]
