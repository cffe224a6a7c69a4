"""Chart rendering: one converter, charts rendered together, a cache for unchanged charts, SVG ids that
depend on the chart alone."""

from __future__ import annotations

import re

import polars as pl
import pytest

from evidence.presentation import chart_files, charts

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

    monkeypatch.setattr(chart_files, "_render", no_rendering)
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


def test_a_chart_with_no_row_is_empty_and_refused_rather_than_drawn_infinitely_large(tmp_path, cache):
    from evidence.core.errors import ParameterError
    from evidence.presentation.causes_charts import distribution_chart

    withheld = pl.DataFrame(
        {"category": ["<1 month", "1-6 months"], "share": [None, None], "group": ["Female", "Male"]},
        schema={"category": pl.String, "share": pl.Float64, "group": pl.String},
    )
    empty = distribution_chart(withheld, "category", "share", group="group", title="Duration", source="t")
    assert charts.chart_is_empty(empty)
    assert not charts.chart_is_empty(_bars()) and not charts.chart_is_empty(_map())
    with pytest.raises(ParameterError, match="no row to draw"):
        charts.save_chart(empty, tmp_path / "duration.svg")
    assert not (tmp_path / "duration.svg").exists()


def test_the_chart_cache_keeps_its_newest_charts_up_to_its_size(tmp_path, cache, monkeypatch):
    import os

    # 300 charts rendered in a cache of 256: pruned back to 90% of it, the oldest removed (each folder of
    # the cache holds a share of 1 then, so every new chart counts the cache)
    monkeypatch.setattr(chart_files, "CHART_CACHE_FILES", 256)
    rendered = tmp_path / "chart.svg"
    rendered.write_text("<svg/>")
    entries = []
    for n in range(300):
        entry = cache / f"{n % 256:02x}" / f"{n:064x}.svg"
        chart_files._to_cache(entry, rendered)
        os.utime(entry, (n, n))  # written in this order
        entries.append(entry)
    kept = sorted(cache.glob("*/*"))
    assert 230 <= len(kept) <= 256
    assert entries[-1].exists() and not entries[0].exists()
