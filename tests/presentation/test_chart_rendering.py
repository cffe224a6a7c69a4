"""Chart rendering: one converter, charts rendered together, a cache for unchanged charts, SVG ids that
depend on the chart alone."""

from __future__ import annotations

import re

import polars as pl
import pytest

from evidence.presentation import charts

ROUTES = pl.DataFrame(
    {
        "origin_iso3": ["MMR", "KHM", "LAO", "VNM"],
        "destination_iso3": ["THA", "THA", "THA", "THA"],
        "victims": [100, 50, 30, 20],
    }
)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "charts"


def _map(title: str = "Routes") -> object:
    return charts.flow_map(ROUTES, "origin_iso3", "destination_iso3", "victims", title=title, source="test")


def _bars(title: str = "Routes") -> object:
    return charts.corridor_bar_chart(
        ROUTES, "origin_iso3", "destination_iso3", "victims", title=title, source="test"
    )


def test_the_same_chart_gives_the_same_svg_whatever_was_rendered_before(tmp_path, cache):
    first = charts.save_chart(_map(), tmp_path / "a.svg").read_text()
    charts.save_chart(_map("Another map"), tmp_path / "other.svg")  # moves vega's id counter on
    for entry in cache.glob("*/*"):
        entry.unlink()  # rendered again, not copied
    again = charts.save_chart(_map(), tmp_path / "b.svg").read_text()
    assert first == again
    ids = re.findall(r'\bid="([^"]+)"', first)
    assert ids and all(re.fullmatch(r"c[0-9a-f]{10}-\d+", i) for i in ids)
    other_ids = re.findall(r'\bid="([^"]+)"', (tmp_path / "other.svg").read_text())
    assert set(ids).isdisjoint(other_ids)  # two maps inlined in one brief do not clip each other


def test_an_unchanged_chart_comes_from_the_cache(tmp_path, cache, monkeypatch):
    rendered = charts.save_chart(_bars(), tmp_path / "a.svg").read_bytes()
    assert len(list(cache.glob("*/*.svg"))) == 1

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(charts, "_render", no_rendering)
    assert charts.save_chart(_bars(), tmp_path / "b.svg").read_bytes() == rendered
    with pytest.raises(AssertionError, match="rendered again"):
        charts.save_chart(_bars("Changed title"), tmp_path / "c.svg")


def test_charts_rendered_together_are_the_charts_rendered_one_by_one(tmp_path, cache):
    together = charts.save_charts(
        [(_bars(), tmp_path / "bars.svg"), (_map(), tmp_path / "map.svg"), (_bars(), tmp_path / "bars.json")]
    )
    assert together == [tmp_path / "bars.svg", tmp_path / "map.svg", tmp_path / "bars.json"]
    for entry in cache.glob("*/*"):
        entry.unlink()
    alone = charts.save_chart(_map(), tmp_path / "map-alone.svg")
    assert alone.read_text() == (tmp_path / "map.svg").read_text()
    with pytest.raises(Exception, match="cannot save a chart as '.gif'"):
        charts.save_charts([(_bars(), tmp_path / "x.gif")])
