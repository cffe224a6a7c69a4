"""Charts: house theme, refusal of undisclosed data, and offline rendering to SVG, PNG, PDF and HTML."""

from __future__ import annotations

import functools
import itertools
import json
import logging
import math
import re
from pathlib import Path

import altair as alt
import numpy as np
import polars as pl
import pytest
from _png import png_pixels
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.core.errors import ParameterError
from evidence.presentation.chart_files import described
from evidence.presentation.charts import (
    CHART_WIDTH,
    PALETTE,
    THEME_NAME,
    chart_spec,
    chart_title,
    choropleth,
    corridor_bar_chart,
    flow_map,
    layered,
    save_chart,
    side_by_side,
    stacked_share_chart,
    trend_chart,
    with_properties,
)
from evidence.presentation.disclosure import (
    DisclosureError,
    DisclosureRule,
    assert_no_small_counts,
    suppress_counts,
    suppress_table,
)
from evidence.presentation.maps import Box, country_centroids, label_size, world_pixels

SOURCE = "UNODC GLOTIP 2023"


@pytest.fixture(scope="module")
def trend() -> pl.DataFrame:
    years = list(range(2012, 2022))
    victims = [120, 150, 170, 160, 210, 250, 240, 300, 200, 260]
    return pl.DataFrame({"year": years, "victims": victims}).with_columns(
        low=pl.col("victims") * 0.85, high=pl.col("victims") * 1.15
    )


@pytest.fixture(scope="module")
def flows() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "origin": ["MMR", "KHM", "LAO", "VNM", "THA", "THA", "THA", "THA", "XXX"],
            "destination": ["THA", "THA", "THA", "THA", "MYS", "JPN", "SGP", "FRA", "THA"],
            "victims": [1200, 800, 600, 300, 150, 90, 60, 3, 20],
        }
    )


@pytest.fixture(scope="module")
def charts(trend, flows) -> dict[str, alt.TopLevelMixin]:
    disclosed = suppress_counts(flows, "victims")
    forms = pl.DataFrame(
        {
            "year": [2019, 2019, 2019, 2020, 2020, 2020],
            "form": ["sexual", "labour", "other"] * 2,
            "n": [50, 40, 3, 60, 45, 12],
        }
    )
    by_country = pl.DataFrame(
        {"iso3": ["THA", "MMR", "KHM", "LAO", "FRA", "NOR", "XKX"], "n": [900, 300, 200, 2, 90, 30, 12]}
    )
    return {
        "trend": trend_chart(
            trend, "year", "victims", "low", "high", title="Victims detected", source=SOURCE
        ),
        "stacked": stacked_share_chart(
            suppress_counts(forms, "n"), "year", "form", "n", title="Forms", source=SOURCE
        ),
        "corridors": corridor_bar_chart(
            disclosed, "origin", "destination", "victims", title="Top corridors", source=SOURCE
        ),
        "flow_map": flow_map(disclosed, "origin", "destination", "victims", title="Flows", source=SOURCE),
        "choropleth": choropleth(
            suppress_counts(by_country, "n"), "iso3", "n", title="By country", source=SOURCE
        ),
    }


def test_every_chart_builder_makes_a_valid_vega_lite_spec(charts) -> None:
    # chart_spec skips altair's schema validation when drawing; validated here, the spec must be the same
    for name, chart in charts.items():
        with alt.theme.enable(THEME_NAME):
            validated = chart.to_dict(validate=True)
        assert chart_spec(chart) == validated, name
        # and so is the spec drawn, each mark described as its tooltip writes it
        drawn = described(validated)
        kind = next((k for k in ("layer", "hconcat", "vconcat") if k in drawn), None)
        {"layer": alt.LayerChart, "hconcat": alt.HConcatChart, "vconcat": alt.VConcatChart}.get(
            kind or "", alt.Chart
        ).from_dict(drawn, validate=True)


def test_builders_check_no_schema_object_as_it_is_made(trend, flows, monkeypatch) -> None:
    """Each builder runs with altair's check of every schema object as it is made turned off (the tests validate
    the whole spec instead): a builder that lost its ``unchecked`` (the trend chart did, when a helper was put
    between it and its decorator) checked each axis, scale, mark and filter as it made them."""
    from altair.utils import schemapi

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("a schema object was checked as it was made")

    monkeypatch.setattr(schemapi, "validate_jsonschema", refused)
    series = pl.concat([trend.with_columns(series=pl.lit(name)) for name in ("a", "b")])
    years = trend["year"].to_list()
    trend_chart(trend, "year", "victims", "low", "high", title="t", source=SOURCE, flagged=years[-2:])
    trend_chart(series, "year", "victims", series="series", title="t", source=SOURCE, flagged=years[-1:])
    disclosed = suppress_counts(flows, "victims")
    corridor_bar_chart(disclosed, "origin", "destination", "victims", title="t", source=SOURCE)
    flow_map(disclosed, "origin", "destination", "victims", title="t", source=SOURCE)
    by_country = pl.DataFrame({"iso3": ["THA", "MMR"], "n": [900, 300]})
    choropleth(by_country, "iso3", "n", title="t", source=SOURCE)
    forms = pl.DataFrame({"year": [2019, 2019], "form": ["sexual", "labour"], "n": [50, 40]})
    stacked_share_chart(forms, "year", "form", "n", title="t", source=SOURCE)


def test_a_charts_parts_are_written_as_altair_writes_them() -> None:
    # the parts of assembled charts are written without altair's checks of each value (_schema_dict): the same
    # dicts as altair's, for every kind of part: field channels from shorthands (types, aggregates, time units,
    # types given apart, secondary channels), lists of them, value and datum channels, conditions, marks,
    # titles, scales and axes holding lists, numpy values and dates, and altair's errors where it refuses
    import datetime

    from evidence.presentation import charts

    parts = [
        alt.X(
            "victims:Q", axis=alt.Axis(format="~s", values=[0, 5, np.int64(10)]), scale=alt.Scale(zero=False)
        ),
        alt.X("sum(victims):Q", sort="-y", title=None),
        alt.Y("year(date):T", timeUnit="year"),
        alt.Y("region", type="nominal", sort=["b", "a"]),
        alt.Y2("high"),
        alt.X2("high:Q"),
        alt.Color("form:N", scale=alt.Scale(domain=["a", "b"], range=["#000", "#fff"]), legend=None),
        alt.Color(field="form", type="nominal"),
        alt.Tooltip(["a:N", "b:Q"]),
        alt.Tooltip("properties.name:N", title="Country"),
        alt.Text("count():Q", format=","),
        alt.Order("_order:Q"),
        alt.Opacity(value=0.4),
        alt.StrokeDash(value=[4, 2]),
        alt.Color(
            value="#ccc",
            condition=alt.ConditionalPredicateValueDefstringnullExprRef(test="datum.x > 1", value="#000"),
        ),
        alt.Color(value="#ccc", condition={"test": "datum.x > 1", "field": "form"}),
        alt.YDatum(5),
        alt.MarkDef(type="line", point=True, strokeWidth=np.float64(1.5), color="#111"),
        alt.TitleParams("Title", subtitle=["one", "two"], anchor="start"),
        alt.Projection(type="equalEarth", rotate=[-10.5, 0, 0], center=(0, 10)),
        alt.Scale(domain=[datetime.date(2020, 1, 1), datetime.date(2021, 1, 1)]),
        alt.Axis(labelExpr="datum.label", tickCount=np.int32(3)),
    ]
    for part in parts:
        # the writer itself, not only _schema_dict (which hands a part to altair when the writer fails)
        assert charts._Writer().schema(part, {}) == part.to_dict(validate=False), part
        assert charts._schema_dict(part) == part.to_dict(validate=False), part
    for refused in (alt.X("a:Q", field="b"), alt.X("a")):
        with pytest.raises(ValueError) as altairs:
            refused.to_dict(validate=False)
        with pytest.raises(ValueError, match=re.escape(str(altairs.value))):
            charts._Writer().schema(refused, {})
        with pytest.raises(ValueError, match=re.escape(str(altairs.value))):
            charts._schema_dict(refused)


def test_a_part_the_writer_fails_on_is_written_by_altair(monkeypatch) -> None:
    # altair's private steps the writer uses may change in a later altair: the part is then altair's to write
    from evidence.presentation import charts

    def changed(*args, **kwargs):
        raise TypeError("_todict() got an unexpected keyword argument 'np_opt'")

    monkeypatch.setattr(charts, "_todict", changed)
    part = alt.X("victims:Q", axis=alt.Axis(values=[0, np.int64(10)]))
    assert charts._schema_dict(part) == part.to_dict(validate=False)


def test_charts_assembled_without_altairs_checks_have_altairs_spec(trend) -> None:
    # layered, side_by_side and with_properties skip altair's per-property checks and deep copies: the spec
    # (its key order too) is the one altair's own alt.layer/alt.hconcat/.properties/.project make
    base = alt.Chart(trend).encode(x=alt.X("year:Q", axis=alt.Axis(format="d")))
    line = base.mark_line(point=True).encode(y=alt.Y("victims:Q"), color=alt.ColorValue(PALETTE[0]))
    band = base.mark_area(opacity=0.2).encode(y=alt.Y("low:Q"), y2=alt.Y2("high:Q"))
    points = alt.Chart(pl.DataFrame({"lon": [100.5], "lat": [13.7]})).mark_circle()
    points = points.encode(longitude=alt.Longitude("lon:Q"), latitude=alt.Latitude("lat:Q"))
    title = chart_title("Victims", SOURCE, "A subtitle")
    pairs = [
        (layered(band, line, title=title, width=300, height=alt.Step(20)),
         alt.layer(band, line).properties(title=title, width=300, height=alt.Step(20))),
        (with_properties(points, projection=alt.Projection(type="equalEarth")), points.project(type="equalEarth")),
        (side_by_side(layered(band, line, width=200), with_properties(points, width=80), spacing=8, title=title),
         alt.hconcat(alt.layer(band, line).properties(width=200), points.properties(width=80), spacing=8)
         .properties(title=title)),
    ]  # fmt: skip
    for cheap, altairs in pairs:
        with alt.theme.enable(THEME_NAME):
            assert json.dumps(cheap.to_dict(validate=True)) == json.dumps(altairs.to_dict(validate=True))


def test_assembled_charts_are_copied_without_being_combined_again(trend, monkeypatch) -> None:
    """altair copies a layered or side-by-side chart by making it again, which combines its sub-charts again
    (copying each deeply), each time the chart is copied: turning a flow map into a spec did that dozens of
    times. The toolkit's copies take the combined chart as it is: the same spec, from every kind of copy, and a
    copy's list of sub-charts is its own."""
    from altair.vegalite.v6 import api

    base = alt.Chart(trend).encode(x=alt.X("year:Q", axis=alt.Axis(format="d")))
    line = base.mark_line(point=True).encode(y=alt.Y("victims:Q"), tooltip=[alt.Tooltip("victims:Q")])
    band = base.mark_area(opacity=0.2).encode(y=alt.Y("low:Q"), y2=alt.Y2("high:Q"))
    points = alt.Chart(pl.DataFrame({"lon": [100.5], "lat": [13.7]})).mark_circle()
    title = chart_title("Victims", SOURCE)
    cheap = side_by_side(layered(band, line, width=200), with_properties(points, width=80), title=title)
    altairs = alt.hconcat(alt.layer(band, line).properties(width=200), points.properties(width=80))
    altairs = altairs.properties(title=title)
    spec = json.dumps(chart_spec(altairs))
    panel = chart_spec(alt.layer(band, line).properties(width=200, title="a panel"))
    combined = []

    def counted(combine):
        def run(*args, **kwargs):
            combined.append(combine.__name__)
            return combine(*args, **kwargs)

        return run

    for name in ("_combine_subchart_data", "_combine_subchart_params", "_remove_duplicate_params"):
        monkeypatch.setattr(api, name, counted(getattr(api, name)))
    copies = [
        cheap,
        cheap.copy(),
        cheap.copy(deep=False),
        cheap.copy(deep=["hconcat"]),
        cheap.copy(ignore=["title"]),
    ]
    copies.append(with_properties(cheap.hconcat[0], title="a panel"))
    assert [json.dumps(chart_spec(c)) for c in copies[:5]] == [spec] * 5
    assert chart_spec(copies[-1]) == panel
    assert not combined
    copy = cheap.copy(deep=False)
    copy.hconcat.append(points)
    assert len(cheap.hconcat) == 2 and json.dumps(chart_spec(cheap)) == spec


def test_assembled_charts_are_made_without_combining_what_needs_no_combining(trend, monkeypatch) -> None:
    """altair makes a layered or side-by-side chart by combining its parts (parameters, data, sizes), copying
    every layer deeply twice, rows of inline data too, when there is nothing to combine: the toolkit's charts
    are made of their parts as they are, with altair's spec; parts to combine (the same data in every layer)
    are combined by altair."""
    from altair.vegalite.v6 import api

    base = alt.Chart(trend).encode(x=alt.X("year:Q", axis=alt.Axis(format="d")))
    line = base.mark_line(point=True).encode(y=alt.Y("victims:Q"), tooltip=[alt.Tooltip("victims:Q")])
    band = alt.Chart(trend.clone()).mark_area(opacity=0.2)  # its own data: none to lift
    band = band.encode(x=alt.X("year:Q", axis=alt.Axis(format="d")), y=alt.Y("low:Q"), y2=alt.Y2("high:Q"))
    rows = alt.InlineData(values=[{"lon": 100.5, "lat": 13.7}, {"lon": 96.1, "lat": 19.7}])
    points = alt.Chart(rows).mark_circle().encode(longitude="lon:Q", latitude="lat:Q")
    title = chart_title("Victims", SOURCE)
    altairs = alt.hconcat(alt.layer(band, line).properties(width=200), points.properties(width=80))
    altairs = altairs.properties(title=title)
    lifted = alt.layer(points, points.mark_text().encode(text="lon:Q")).properties(width=80)
    combined: list[str] = []

    def counted(combine):
        def run(*args, **kwargs):
            combined.append(combine.__name__)
            return combine(*args, **kwargs)

        return run

    for name in ("_combine_subchart_data", "_combine_subchart_params", "_remove_duplicate_params"):
        monkeypatch.setattr(api, name, counted(getattr(api, name)))
    cheap = side_by_side(layered(band, line, width=200), with_properties(points, width=80), title=title)
    assert not combined
    assert json.dumps(chart_spec(cheap)) == json.dumps(chart_spec(altairs))
    same_data = layered(points, points.mark_text().encode(text="lon:Q"), width=80)
    assert combined and json.dumps(chart_spec(same_data)) == json.dumps(chart_spec(lifted))


@pytest.mark.filterwarnings("ignore:Automatically deduplicated selection parameter")
def test_assembled_charts_given_parameters_later_are_copied_as_altair_copies_them(trend, flows) -> None:
    """A chart given a parameter after it was made (a researcher's ``.interactive(name="zoom")``), a size or the same data
    on a layer, is combined again when copied, as altair's own: the same spec as altair's chart; the toolkit's
    own charts are copied without combining (a flow map, a trend chart)."""
    from altair.vegalite.v6 import api

    base = alt.Chart(trend).encode(x=alt.X("year:Q"))
    line = base.mark_line().encode(y=alt.Y("victims:Q"))
    band = base.mark_area(opacity=0.2).encode(y=alt.Y("low:Q"), y2=alt.Y2("high:Q"))
    other = (
        alt.Chart(pl.DataFrame({"year": [2020], "victims": [3]}))
        .mark_point()
        .encode(x="year:Q", y="victims:Q")
    )
    pairs = [
        (layered(band, line).interactive(name="zoom"), alt.layer(band, line).interactive(name="zoom")),
        (layered(band, other).add_params(alt.selection_point(name="pick")), alt.layer(band, other).add_params(alt.selection_point(name="pick"))),
        (side_by_side(layered(band, line).interactive(name="zoom"), other), alt.hconcat(alt.layer(band, line).interactive(name="zoom"), other)),
    ]  # fmt: skip

    # the name of a view a parameter is bound to is a hash of the layer as held (its parts plain: another hash
    # than altair's, as before), the same in the parameter and on the layer
    def named(chart) -> str:
        return re.sub(r"view_[0-9a-f]{16}", "view", json.dumps(chart_spec(chart)))

    for cheap, altairs in pairs:
        assert named(cheap) == named(altairs)
    changed = layered(band, other)
    changed.layer[1] = with_properties(changed.layer[1], width=99)
    reference = alt.layer(band, other)
    reference.layer[1] = reference.layer[1].properties(width=99)
    assert chart_spec(changed) == chart_spec(reference) and chart_spec(changed)["width"] == 99

    made = [
        flow_map(
            suppress_counts(flows, "victims"), "origin", "destination", "victims", title="t", source=SOURCE
        ),
        trend_chart(trend, "year", "victims", "low", "high", title="t", source=SOURCE),
    ]
    specs = [json.dumps(chart_spec(chart)) for chart in made]
    combined = []
    original = api._combine_subchart_params

    def counted(*args, **kwargs):
        combined.append(1)
        return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(api, "_combine_subchart_params", counted)
        assert [json.dumps(chart_spec(chart)) for chart in made] == specs
    assert not combined


def test_parts_held_whole_are_written_as_copies(trend) -> None:
    # plain() holds a layer's mark, channels and title whole (altair's copies take them by reference): each
    # spec made of the chart gets its own copy, so changing one spec changes neither the chart nor the next
    base = alt.Chart(trend).encode(x=alt.X("year:Q", axis=alt.Axis(format="d")))
    line = base.mark_line(point=True).encode(y=alt.Y("victims:Q"), tooltip=[alt.Tooltip("victims:Q")])
    chart = side_by_side(layered(line, line.mark_point(), width=200), line, title=chart_title("V", SOURCE))
    first, second = chart_spec(chart), chart_spec(chart)
    assert first == second
    first["hconcat"][0]["layer"][0]["encoding"]["x"]["axis"]["format"] = "changed"
    first["hconcat"][1]["encoding"]["tooltip"].append({"field": "changed"})
    assert chart_spec(chart) == second


def test_frames_are_written_into_the_spec_as_altairs_data_transformer_writes_them() -> None:
    import datetime as dt

    frames = [
        pl.DataFrame(
            {
                "n": [1, None, 3],
                "x": [0.5, float("nan"), None],
                "s": ["a", None, "ü"],
                "b": [True, False, None],
            }
        ).with_columns(pl.col("s").cast(pl.Categorical).alias("c"), pl.lit(None).alias("null")),
        pl.DataFrame({"day": [dt.date(2020, 1, 2)], "at": [dt.datetime(2020, 1, 2, 3, 4)], "n": [1]}),
        pl.DataFrame({"n": list(range(4)), "e": pl.Series(["a", "b", "a", "b"], dtype=pl.Enum(["b", "a"]))}),
    ]
    for frame in frames:
        chart = alt.Chart(frame).mark_point().encode(x="n:Q")
        with alt.theme.enable(THEME_NAME):
            altairs = chart.to_dict(validate=False)
        assert json.dumps(chart_spec(chart)) == json.dumps(altairs)
        layers = layered(chart, chart.mark_line())
        with alt.theme.enable(THEME_NAME):
            altairs = alt.layer(chart, chart.mark_line()).to_dict(validate=False)
        assert json.dumps(chart_spec(layers)) == json.dumps(altairs)
    # beyond altair's limit of rows, its own error, and the transformer enabled before is back
    with pytest.raises(alt.MaxRowsError):
        chart_spec(alt.Chart(pl.DataFrame({"n": range(5001)})).mark_point().encode(x="n:Q"))
    assert alt.data_transformers.active == "default"


def test_map_features_are_written_as_json_dumps_writes_them() -> None:
    # a map's features are written from each geometry's text, made once per process
    from evidence.presentation.charts import _features_text
    from evidence.presentation.maps import world_geojson

    world = world_geojson()["features"]
    shaded = [
        dict(f, properties={**f["properties"], "value": i * 1.5, "label": '<"é">'})
        for i, f in enumerate(world)
    ]
    for chosen in (range(len(world)), range(3, 7), range(0)):
        for features in (world, shaded):
            expected = {"type": "FeatureCollection", "features": [features[i] for i in chosen]}
            written = _features_text((i, features[i]["properties"]) for i in chosen)
            assert written == json.dumps(expected, separators=(",", ":"))


def test_house_theme_applies_to_the_toolkits_charts_only() -> None:
    # imported (above), the module registers its theme but leaves altair's own theme alone
    assert THEME_NAME in alt.theme.names()
    assert alt.theme.active != THEME_NAME
    chart = alt.Chart(pl.DataFrame({"a": [10]})).mark_bar().encode(x="a:Q")
    assert PALETTE != chart.to_dict().get("config", {}).get("range", {}).get("category")
    assert chart_spec(chart)["config"]["range"]["category"] == PALETTE
    assert alt.theme.active != THEME_NAME  # and drawing a chart does not switch it either


def test_a_label_from_data_stays_text_in_the_html_page(tmp_path: Path) -> None:
    payload = '</script><img src=x onerror="alert(1)"><!--'
    data = pl.DataFrame({"form": [payload, "Forced labour"], "victims": [120, 80]})
    chart = corridor_bar_chart(
        data.with_columns(origin=pl.lit("MMR"), destination=pl.lit("THA")).with_columns(
            pl.col("form").alias("origin")
        ),
        "origin",
        "destination",
        "victims",
        title=payload,
        source=payload,
    )
    page = save_chart(chart, tmp_path / "c.html").read_text()
    assert page.count("<script") == 3 and page.count("</script>") == 3  # the payload closes none of them
    assert "<img src=x" not in page
    spec = json.loads(re.search(r'<script type="application/json" id="vega-spec">(.*?)</script>', page)[1])
    assert spec["title"]["text"] == payload  # the text itself is intact, as data
    svg = save_chart(chart, tmp_path / "c.svg").read_text()
    assert "<img src=x" not in svg and "&lt;img src=x" in svg


def test_format_characters_from_data_are_dropped_from_every_chart_file(tmp_path: Path) -> None:
    # a right-to-left override in a category name would reverse the text drawn after it ("Myanmar" read as
    # "ramnayM"); dropped from the data, the title and the source alike, as in the brief's prose
    rlo, isolate = "\u202e", "\u2066"
    data = pl.DataFrame({"origin": [f"Myanmar{rlo}x", "Lao PDR"], "destination": "THA", "victims": [120, 80]})
    chart = corridor_bar_chart(
        data, "origin", "destination", "victims", title=f"Routes{isolate}", source=f"UNODC{rlo}"
    )
    for suffix in (".svg", ".html", ".json"):
        text = save_chart(chart, tmp_path / f"c{suffix}").read_text()
        assert rlo not in text and isolate not in text, suffix
        assert "Myanmarx" in text.replace("\\u202e", ""), suffix
    assert rlo in json.dumps(chart_spec(chart), ensure_ascii=False)  # the chart itself is left as built


@pytest.mark.parametrize("name", ["trend", "stacked", "corridors", "flow_map", "choropleth"])
def test_every_chart_renders_to_svg_with_title_and_source(
    charts, name: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # drawn, not copied from the chart cache of an earlier run (a cached chart logs no warning)
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    with caplog.at_level(logging.WARNING, logger="vl_convert"):
        path = save_chart(charts[name], tmp_path / f"{name}.svg")
    # vl-convert 2 passes on Vega-Lite's warnings (the corridors' two layers once had conflicting sorts)
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("vl_convert")]
    svg = path.read_text()
    assert svg.startswith("<svg") and len(svg) > 2_000
    assert f"Source: {SOURCE}" in svg
    assert not list(tmp_path.glob(".*.part"))  # written atomically: no temporary file left behind


def test_corridor_bars_are_drawn_largest_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # as the brief draws them: with each bar's aria description, which gives the bars' layer its own data
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    data = pl.DataFrame(
        {
            "origin": ["KHM", "LAO", "MMR"],
            "destination": "THA",
            "victims": [15, 83, 42],
            "share": [0.11, 0.6, 0.3],
        }
    )
    chart = corridor_bar_chart(
        data, "origin", "destination", "victims", share="share", title="t", source=SOURCE
    )
    svg = save_chart(chart, tmp_path / "c.svg").read_text()
    axis = re.search(r"discrete scale with 3 values: ([^\"]*)", svg)
    assert axis is not None
    assert axis.group(1).split(", ") == ["Lao PDR → Thailand", "Myanmar → Thailand", "Cambodia → Thailand"]


@pytest.mark.parametrize("name", ["trend", "choropleth"])
def test_png_is_not_blank(charts, name: str, tmp_path: Path) -> None:
    data = save_chart(charts[name], tmp_path / f"{name}.png", scale=1).read_bytes()
    width, _, rows, channels = png_pixels(data)
    colours = {row[x * channels : x * channels + 3] for row in rows for x in range(width)}
    assert len(colours) > 10
    # the line in the first palette colour; countries without data in the no-data grey
    expected = PALETTE[0] if name == "trend" else "#e3e3e3"
    assert bytes.fromhex(expected[1:]) in colours


def test_pdf_and_self_contained_html(charts, tmp_path: Path) -> None:
    assert save_chart(charts["corridors"], tmp_path / "c.pdf").read_bytes()[:5] == b"%PDF-"
    page = save_chart(charts["trend"], tmp_path / "t.html").read_text()
    assert "vegaEmbed" in page and "Victims detected" in page
    assert not re.search(r"<script[^>]+src=", page), "scripts must be inlined, not loaded from a CDN"
    assert "cdn.jsdelivr" not in page
    with pytest.raises(ParameterError, match=r"\.svg, \.png"):
        save_chart(charts["trend"], tmp_path / "t.gif")


def test_charts_refuse_small_counts(trend, flows) -> None:
    with pytest.raises(DisclosureError, match="small counts"):
        trend_chart(trend.with_columns(victims=pl.lit(3)), "year", "victims", title="t", source=SOURCE)
    with pytest.raises(DisclosureError):
        corridor_bar_chart(flows, "origin", "destination", "victims", title="t", source=SOURCE)
    with pytest.raises(DisclosureError):
        flow_map(flows, "origin", "destination", "victims", title="t", source=SOURCE)
    with pytest.raises(DisclosureError):
        choropleth(pl.DataFrame({"iso3": ["THA"], "n": [4]}), "iso3", "n", title="t", source=SOURCE)
    with pytest.raises(DisclosureError):
        stacked_share_chart(flows, "origin", "destination", "victims", title="t", source=SOURCE)
    # A rate is not a count: allowed when the caller says so.
    rates = trend.with_columns(victims=pl.lit(3))
    trend_chart(rates, "year", "victims", title="Rate per 100,000", source=SOURCE, counts=False)


def test_withheld_values_are_left_out_and_said(trend, charts) -> None:
    spec = chart_spec(charts["corridors"])
    assert any("1 value withheld" in line for line in spec["title"]["subtitle"])
    small_year = trend.with_columns(
        victims=pl.when(pl.col("year") == 2015).then(2).otherwise(pl.col("victims"))
    )
    chart = trend_chart(
        suppress_counts(small_year, "victims"), "year", "victims", "low", "high", title="t", source=SOURCE
    )
    rows = next(iter(chart_spec(chart)["datasets"].values()))
    assert 2015 not in [r["year"] for r in rows]  # the band goes with the withheld count


def test_trend_chart_breaks_its_line_at_years_without_data() -> None:
    # case data covering 2010 and 2018 only (CTDC blocks): no line drawn through 2011-2017 as if data
    blocks = pl.DataFrame({"year": [2010, 2018, 2019], "victims": [16, 95, 40]})
    spec = chart_spec(trend_chart(blocks, "year", "victims", title="t", source=SOURCE))
    rows = next(iter(spec["datasets"].values()))
    assert [(r["year"], r["_segment"]) for r in rows] == [(2010, 0), (2018, 1), (2019, 1)]
    assert any("gap in the line" in line for line in spec["title"]["subtitle"])
    steady = chart_spec(
        trend_chart(
            blocks.head(1).vstack(pl.DataFrame({"year": [2011], "victims": [20]})),
            "year",
            "victims",
            title="t",
            source=SOURCE,
        )
    )
    assert not any("gap in the line" in line for line in steady["title"]["subtitle"])


def test_a_gap_in_the_line_says_the_reason_each_gap_year_has() -> None:
    # review 9 m6: USA's nationals per year miss 2017 because its breakdown is doubtful, not for want of records
    years = pl.DataFrame(
        {"year": [2013, 2014, 2015, 2016, 2018, 2019, 2021], "victims": [8, 15, 19, 36, 52, 60, 61]}
    )
    reasons = {2017: "breakdown not usable (doubtful)", 2016: "probably incomplete"}  # 2016 is no gap
    spec = chart_spec(trend_chart(years, "year", "victims", title="t", source=SOURCE, gaps=reasons))
    subtitle = " ".join(spec["title"]["subtitle"])
    assert (
        "Gaps in the line, not zeros (see the table): 2017, breakdown not usable (doubtful); 2020, no records."
        in (subtitle)
    )
    assert "probably incomplete" not in subtitle and "years without data" not in subtitle
    one = chart_spec(trend_chart(years.filter(pl.col("year") < 2020), "year", "victims", title="t", source=SOURCE,
                                 gaps=reasons))  # fmt: skip
    assert (
        "A gap in the line, not a zero (see the table): 2017, breakdown not usable (doubtful)."
        in " ".join(one["title"]["subtitle"])
    )
    # without reasons (or none for its gaps): the note as before
    plain_note = chart_spec(trend_chart(years, "year", "victims", title="t", source=SOURCE, gaps={2000: "x"}))
    assert "A gap in the line: years without data (no records), not zeros." in plain_note["title"]["subtitle"]


def test_by_series_a_gap_is_a_year_missing_inside_its_own_series() -> None:
    two = pl.DataFrame(
        {"year": [2010, 2011, 2013, 2012, 2013], "s": ["a", "a", "a", "b", "b"], "victims": [9, 9, 9, 9, 9]}
    )
    spec = chart_spec(
        trend_chart(
            two, "year", "victims", series="s", title="t", source=SOURCE, gaps={2012: "no total published"}
        )
    )
    # series b starts in 2012: only a's 2012 is a gap
    assert "A gap in the line, not a zero (see the table): 2012, no total published." in " ".join(
        spec["title"]["subtitle"]
    )


def test_count_axes_have_whole_ticks_and_year_labels_sit_on_their_ticks(tmp_path: Path) -> None:
    # review 9 m11: BWA's bars had ticks at half a victim (0.5, 1.5, ...); "2007" crowded "2008" at the axis end
    bars = corridor_bar_chart(
        pl.DataFrame({"o": ["ZWE", "PAK", "GHA"], "d": ["BWA"] * 3, "n": [7, 7, 6]}), "o", "d", "n", title="t",
        source=SOURCE,
    )  # fmt: skip
    svg = save_chart(bars, tmp_path / "b.svg").read_text()
    ticks = re.findall(r"<text[^>]*>(\d+(?:\.\d+)?)</text>", svg)
    assert ticks and all("." not in t for t in ticks)
    small = pl.DataFrame({"year": [2007, 2008, 2009, 2010], "victims": [5, 6, 7, 6]})
    spec = chart_spec(trend_chart(small, "year", "victims", title="t", source=SOURCE))
    line = next(layer for layer in spec["layer"] if "y" in layer.get("encoding", {}))
    assert line["encoding"]["y"]["axis"]["tickMinStep"] == 1
    assert line["encoding"]["x"]["axis"]["labelFlush"] is False
    svg = save_chart(
        trend_chart(small, "year", "victims", title="t", source=SOURCE), tmp_path / "t.svg"
    ).read_text()
    labels = re.findall(r"<text[^>]*>(\d+(?:\.\d+)?)</text>", svg)
    assert "6.5" not in labels and "5.5" not in labels  # counts: whole ticks
    # every year label is centred on its tick (none flush with an axis end)
    year_labels = re.findall(r'<text text-anchor="(\w+)"[^>]*>(20\d\d)</text>', svg)
    assert year_labels and {anchor for anchor, _ in year_labels} == {"middle"}


def test_a_band_and_its_note_only_where_the_band_is_drawn(trend) -> None:
    """A band from a value to itself (bounds of exact counts) is not drawn, and the note does not promise one."""
    flat = trend.with_columns(low=pl.col("victims"), high=pl.col("victims"))
    spec = chart_spec(trend_chart(flat, "year", "victims", "low", "high", title="t", source=SOURCE))
    assert "Shaded band" not in json.dumps(spec["title"]) and '"area"' not in json.dumps(spec)
    wide = trend.with_columns(low=pl.col("victims"), high=pl.col("victims") + 3)
    spec = chart_spec(
        trend_chart(wide, "year", "victims", "low", "high", title="t", source=SOURCE, band_note="Band: b.")
    )
    assert "Band: b." in spec["title"]["subtitle"] and '"area"' in json.dumps(spec)


def test_flagged_years_are_open_circles_and_said(trend) -> None:
    years = trend["year"].to_list()
    spec = chart_spec(trend_chart(trend, "year", "victims", title="t", source=SOURCE, flagged=years[-2:]))
    assert any("Open circles" in line for line in spec["title"]["subtitle"])
    circles = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "point"]
    assert circles and circles[0]["transform"][0]["filter"]["oneOf"] == years[-2:]
    plain = chart_spec(trend_chart(trend, "year", "victims", title="t", source=SOURCE))
    assert "Open circles" not in json.dumps(plain["title"])
    # flagged years the chart does not draw (left out of it) get no circles, no layer and no note
    absent = chart_spec(
        trend_chart(trend, "year", "victims", title="t", source=SOURCE, flagged=[years[0] - 5, years[0] - 4])
    )
    assert not [layer for layer in absent["layer"] if layer.get("mark", {}).get("type") == "point"]
    assert "Open circles" not in json.dumps(absent["title"])
    some = chart_spec(
        trend_chart(trend, "year", "victims", title="t", source=SOURCE, flagged=[years[0] - 5, years[-1]])
    )
    circles = [layer for layer in some["layer"] if layer.get("mark", {}).get("type") == "point"]
    assert circles[0]["transform"][0]["filter"]["oneOf"] == [years[-1]]


def test_flagged_years_are_said_as_their_table_notes_them(trend) -> None:
    """The United States' 2007-2012 were drawn as "years flagged as probably incomplete" though the table notes
    them as not comparable with the other years (a change in what is counted): the circles say the table's note."""
    years = trend["year"].to_list()

    def note(**kwargs: object) -> str:
        spec = chart_spec(trend_chart(trend, "year", "victims", title="t", source=SOURCE, **kwargs))  # type: ignore[arg-type]
        return " ".join(spec["title"]["subtitle"])  # the subtitle's lines are wrapped

    changed = {y: "not comparable with the other years" for y in years[:2]}
    said = note(flagged=years[:2], gaps=changed)
    assert (
        f"Open circles: {years[0]}–{years[1]}, not comparable with the other years (see the table)." in said
    )
    assert "incomplete" not in said
    both = note(flagged=[years[0], years[-1]], gaps={**changed, years[-1]: "probably incomplete"})
    assert (
        f"Open circles: flagged years (see the table): {years[0]}, not comparable with the other years; "
        f"{years[-1]}, probably incomplete." in both
    )
    # without notes, flagged and no more; a note given is said as given
    assert "Open circles: flagged years (see the table)." in note(flagged=years[-1:])
    assert "incomplete" not in note(flagged=years[-1:])
    assert "Open circles: x." in note(flagged=years[-1:], flagged_note="Open circles: x.")


def test_corridor_bars_print_a_range_of_shares_as_given() -> None:
    # a censored count's share is a range (builders.share_range_text), never a midpoint's share
    data = pl.DataFrame(
        {"o": ["LAO", "MMR"], "d": ["THA", "THA"], "n": [46, 43], "share": ["15–20%", "14–18%"]}
    )
    spec = chart_spec(corridor_bar_chart(data, "o", "d", "n", share="share", title="t", source=SOURCE))
    assert {r["label"] for r in _rows(spec, "label")} == {"46 (15–20%)", "43 (14–18%)"}
    numeric = data.with_columns(share=pl.Series([0.5, 0.25]))
    spec = chart_spec(corridor_bar_chart(numeric, "o", "d", "n", share="share", title="t", source=SOURCE))
    assert {r["label"] for r in _rows(spec, "label")} == {"46 (50%)", "43 (25%)"}


def test_corridor_bars_of_censored_counts_print_their_range_not_the_low_bound() -> None:
    # the review: "Uganda 16 (0.4–0.7%)" beside a table's 16–25; bars at the low bound, labels the range
    data = pl.DataFrame(
        {
            "o": ["UGA", "MMR"],
            "d": ["THA", "THA"],
            "n": [16, 2580],
            "share": ["0.4–0.7%", "64–67%"],
            "text": ["16–25", "2,580–2,589"],
        }
    )
    spec = chart_spec(
        corridor_bar_chart(data, "o", "d", "n", share="share", value_text="text", title="t", source=SOURCE)
    )
    assert {r["label"] for r in _rows(spec, "label")} == {"16–25 (0.4–0.7%)", "2,580–2,589 (64–67%)"}


def _rows(spec: dict, key: str) -> list[dict]:
    return [r for data in spec["datasets"].values() for r in data if isinstance(r, dict) and key in r]


def test_flow_map_uses_centroids_and_reports_unlocated(charts) -> None:
    spec = chart_spec(charts["flow_map"])
    subtitle = " ".join(spec["title"]["subtitle"])
    assert "1 flow(s) without a map location" in subtitle  # origin XXX
    assert "Natural Earth" in subtitle
    arcs = _rows(spec, "step")
    myanmar = next(r for r in arcs if r["from"] == "Myanmar" and r["step"] == 0)
    assert 92 < myanmar["lon"] < 101 and 15 < myanmar["lat"] < 25  # the curve starts at Myanmar's centroid
    assert {r["to"] for r in arcs} >= {"Singapore", "Malaysia"}  # small states placed from the supplement


def test_flow_map_shows_direction_domestic_flows_labels_and_a_legend_beside_it() -> None:
    flows = pl.DataFrame(
        {"o": ["MMR", "THA", "THA", "KHM"], "d": ["THA", "THA", "JPN", "THA"], "n": [1200, 300, 90, 800]}
    )
    spec = chart_spec(flow_map(flows, "o", "d", "n", title="t", source=SOURCE, focus="THA"))
    assert len(spec["hconcat"]) == 2  # the map, then its legend beside it (not under it)
    arcs = _rows(spec, "step")
    myanmar = sorted((r for r in arcs if r["from"] == "Myanmar"), key=lambda r: r["step"])
    # tapered: widest at the origin, narrowest at the destination, as wide as the flow
    assert myanmar[-1]["width"] < 0.5 * myanmar[0]["width"]
    japan = next(r for r in arcs if r["to"] == "Japan" and r["step"] == 0)
    assert myanmar[0]["width"] > japan["width"]
    heads = _rows(spec, "angle")
    assert {(r["from"], r["to"]) for r in heads} == {
        ("Myanmar", "Thailand"),
        ("Thailand", "Japan"),
        ("Cambodia", "Thailand"),
    }
    to_japan = next(r for r in heads if r["to"] == "Japan")
    assert 0 < to_japan["angle"] < 90  # north-east, clockwise from north
    circles = [r for r in _rows(spec, "size") if "from" in r]  # the legend has a circle too
    assert [(r["from"], r["to"], r["victims"]) for r in circles] == [("Thailand", "Thailand", 300)]
    names = {r["name"] for r in _rows(spec, "name")}
    assert {"Thailand", "Myanmar", "Cambodia", "Japan"} <= names
    marks = json.dumps(spec)
    assert '"trail"' in marks and '"triangle"' in marks


def _map_names(svg: str) -> dict[str, tuple[float, float, bool]]:
    """The names a map's SVG writes (its halos aside): where each is centred, and whether it is bold."""
    names = {}
    for tag, text in re.findall(r"<text([^>]*)>([^<]*)</text>", svg):
        if 'fill="#1a1a1a"' not in tag or 'text-anchor="middle"' not in tag or 'font-size="11px"' not in tag:
            continue
        x, y = re.search(r"translate\(([-\d.e]+),([-\d.e]+)\)", tag).groups()
        names[text] = (float(x), float(y), 'font-weight="bold"' in tag)
    return names


def test_a_flow_maps_names_never_overlap_and_those_left_out_are_named_under_it(tmp_path: Path) -> None:
    # Thailand's routes map from the real UNODC data: Myanmar, Lao PDR and Viet Nam were written over one
    # another (and Thailand under its own circle)
    flows = pl.DataFrame(
        {
            "o": ["MMR", "THA", "KHM", "LAO", "VNM", "BGD", "IND", "UGA", "CHN", "RUS"],
            "d": ["THA"] * 10,
            "n": [2400, 900, 600, 400, 150, 60, 40, 20, 18, 12],
        }
    )
    for zoom in (True, False):
        chart = flow_map(flows, "o", "d", "n", title="t", source=SOURCE, focus="THA", zoom=zoom, labels=10)
        svg = save_chart(chart, tmp_path / f"map{zoom}.svg").read_text()
        names = _map_names(svg)
        assert names["Thailand"][2]  # the focus first, in bold
        boxes = {}
        for name, (x, y, bold) in names.items():
            width, height = label_size(name, bold=bold)
            # centred on x; the same height about y for every name (whichever baseline y marks)
            boxes[name] = Box(x - width / 2, y - height * 0.8, x + width / 2, y + height * 0.2)
        for a, box_a in boxes.items():
            for b, box_b in boxes.items():
                assert a == b or box_a.overlap(box_b) == 0, (zoom, a, b, box_a, box_b)
        subtitle = " ".join(chart_spec(chart)["title"]["subtitle"])
        every = {
            "Thailand",
            "Myanmar",
            "Cambodia",
            "Lao PDR",
            "Viet Nam",
            "Bangladesh",
            "India",
            "Uganda",
            "China",
        }
        left_out = every - set(names)
        assert all(name in subtitle for name in left_out), (left_out, subtitle)
        assert ("lack of room" in subtitle) == bool(left_out)
        if zoom:
            assert {"Myanmar", "Lao PDR", "Cambodia"} <= set(names)  # (Viet Nam: no room left at this scale)


def _legend_labels(spec: dict) -> list[str]:
    """The numbers a flow map's legend writes beside its lines (its title aside)."""
    return [r["text"] for r in _rows(spec, "text") if r.get("x") == 48]


def test_a_flow_maps_legend_shows_no_number_below_the_threshold() -> None:
    # review 9 m11: BWA's legend read "5" and "2": a 2 below the threshold of 5 reads as a count published
    flows = pl.DataFrame({"o": ["ZWE", "PAK", "GHA"], "d": ["BWA"] * 3, "n": [7, 7, 6]})
    spec = chart_spec(flow_map(flows, "o", "d", "n", title="t", source=SOURCE))
    assert _legend_labels(spec) == ["7", "6"]  # within the flows drawn (was 5, below every flow)
    strict = chart_spec(
        flow_map(flows, "o", "d", "n", title="t", source=SOURCE, rule=DisclosureRule(threshold=6))
    )
    assert _legend_labels(strict) == ["7", "6"]


def test_a_single_flows_legend_is_its_own_round_number() -> None:
    # Myanmar's routes map (CTDC sample): one flow of 40 beside a legend of 20 and 10
    flows = pl.DataFrame({"o": ["MMR"], "d": ["THA"], "n": [40]})
    assert _legend_labels(chart_spec(flow_map(flows, "o", "d", "n", title="t", source=SOURCE))) == ["40"]


def test_every_flow_is_named_the_largest_first_where_there_is_room(tmp_path: Path) -> None:
    # the United Kingdom's routes (UNODC): India's flow (735), ninth, was drawn without a name (eight were named)
    flows = pl.DataFrame(
        {
            "o": ["GBR", "ALB", "VNM", "CHN", "ROU", "SDN", "ERI", "NGA", "IND", "POL"],
            "d": ["GBR"] * 10,
            "n": [8643, 3777, 2193, 1286, 1181, 1067, 1038, 904, 735, 578],
        }
    )
    chart = flow_map(flows, "o", "d", "n", title="t", source=SOURCE, focus="GBR")
    names = set(_map_names(save_chart(chart, tmp_path / "map.svg").read_text()))
    subtitle = " ".join(chart_spec(chart)["title"]["subtitle"])
    for country in (
        "United Kingdom",
        "Albania",
        "Viet Nam",
        "China",
        "Romania",
        "Sudan",
        "Eritrea",
        "Nigeria",
        "India",
        "Poland",
    ):
        assert country in names or country in subtitle, country
    assert "India" in names


def test_choropleth_puts_its_legend_beside_the_map_and_outlines_the_country() -> None:
    data = pl.DataFrame({"iso3": ["MMR", "KHM"], "n": [900, 300]})
    spec = chart_spec(choropleth(data, "iso3", "n", title="t", source=SOURCE, focus="THA"))
    shaded = next(layer for layer in spec["layer"] if "color" in layer.get("encoding", {}))
    assert shaded["encoding"]["color"]["legend"]["orient"] == "right"
    assert any(layer.get("mark", {}).get("stroke") == "#1a1a1a" for layer in spec["layer"])
    assert "Thailand" in json.dumps(spec)


def test_choropleth_names_countries_as_the_tables_do() -> None:
    """The map file's own names are common ones ("South Korea"); the map's countries are named as every table
    and sentence of a brief names them."""
    data = pl.DataFrame({"iso3": ["KOR", "THA"], "n": [900, 300]})
    text = json.dumps(chart_spec(choropleth(data, "iso3", "n", title="t", source=SOURCE)))
    assert "Republic of Korea" in text and "Taiwan Province of China" in text
    assert "South Korea" not in text


def test_long_source_lines_wrap_within_the_chart() -> None:
    sources = "; ".join(f"Source number {i}, release 30 May 2023" for i in range(6))
    spec = chart_spec(
        corridor_bar_chart(
            pl.DataFrame({"o": ["MMR"], "d": ["THA"], "n": [50]}), "o", "d", "n", title="t", source=sources
        )
    )
    assert len(spec["title"]["subtitle"]) > 1 and all(len(line) <= 105 for line in spec["title"]["subtitle"])


def test_every_chart_needs_a_source(trend) -> None:
    with pytest.raises(ParameterError, match="source"):
        trend_chart(trend, "year", "victims", title="t", source="")


def test_a_table_protected_with_its_totals_charts_in_long_form(tmp_path: Path) -> None:
    wide = pl.DataFrame(
        {"year": [2020, 2021, 2022, 2023], "sexual": [50, 3, 44, 60], "labour": [40, 30, 52, 45]}
        | {"other": [20, 25, 30, 35]}
    )
    long = suppress_table(wide, "year", ["sexual", "labour", "other"]).to_long("form", "victims")
    chart = stacked_share_chart(long, "year", "form", "victims", title="Forms", source=SOURCE)
    rows = next(iter(chart_spec(chart)["datasets"].values()))
    assert rows and all(r["victims"] is None or r["victims"] >= 5 for r in rows)
    assert {(r["year"], r["form"]) for r in rows}.isdisjoint({(2021, "sexual")})
    page = save_chart(chart, tmp_path / "forms.html").read_text()
    assert_no_small_counts(page)  # the scanner skips the inlined JavaScript and the spec


def test_only_drawn_columns_reach_the_spec(trend, flows) -> None:
    # An undrawn column would travel unchecked in the spec, and in every HTML page that embeds it.
    extra = trend.with_columns(victims_from_lao=pl.lit(2))
    spec = json.dumps(chart_spec(trend_chart(extra, "year", "victims", title="t", source=SOURCE)))
    assert "victims_from_lao" not in spec
    # A share at full precision would give its denominator back: it goes to the precision shown.
    safe = flows.filter(pl.col("victims") >= 5).with_columns(share=pl.col("victims") / 3237, rank=pl.lit(1))
    chart = corridor_bar_chart(
        safe, "origin", "destination", "victims", share="share", title="t", source=SOURCE
    )
    rows = next(iter(chart_spec(chart)["datasets"].values()))
    assert "rank" not in rows[0]
    assert all(r["share"] == round(r["share"], 3) for r in rows)
    assert rows[0]["victims"] / rows[0]["share"] != 3237


def test_stacked_shares_keep_the_order_of_ordered_categories():
    import polars as pl

    from evidence.presentation import charts
    from evidence.sources.case_schema import AgeBand

    data = pl.DataFrame(
        {"year": [2020, 2020, 2020], "age_band": ["48+", "9-17", "18-20"], "victims": [10, 20, 30]},
        schema_overrides={"age_band": AgeBand},
    )
    spec = charts.stacked_share_chart(
        data, "year", "age_band", "victims", title="Age", source="test"
    ).to_dict()
    assert spec["encoding"]["color"]["sort"] == list(AgeBand.categories)
    assert spec["encoding"]["order"]["field"] == "_stack_order"


def test_interval_chart_draws_estimates_in_order_and_leaves_out_withheld_ones(tmp_path: Path) -> None:
    from evidence.presentation.charts import interval_chart

    data = pl.DataFrame(
        {
            "choice": ["main effects only", "stepwise", "lowest BIC", "withheld"],
            "method": ["main", "stepwise", "bic", "bic"],
            "estimate": [1328.0, 1841.0, 2210.0, None],
            "low": [1196.0, 1510.0, None, None],
            "high": [1534.0, 2381.0, 4400.0, None],
        }
    )
    chart = interval_chart(
        data,
        "choice",
        "estimate",
        "low",
        "high",
        colour="method",
        title="Estimates",
        source=SOURCE,
        reference=580,
        reference_label="people on at least one list",
    )
    spec = chart_spec(chart)
    with alt.theme.enable(THEME_NAME):
        assert chart.to_dict(validate=True) == spec  # a valid Vega-Lite spec
    values = [row for dataset in spec["datasets"].values() for row in dataset if "choice" in row]
    assert [row["choice"] for row in values] == ["main effects only", "stepwise", "lowest BIC"]
    assert spec["layer"][1]["encoding"]["y"]["sort"] == ["main effects only", "stepwise", "lowest BIC"]
    svg = save_chart(chart, tmp_path / "intervals.svg").read_text()
    assert "Dashed line: people on at least one list." in svg and f"Source: {SOURCE}" in svg
    with pytest.raises(ParameterError, match="source"):
        interval_chart(data, "choice", "estimate", "low", "high", title="t", source="")


def _basemap_isos(spec: dict) -> set[str]:
    base = spec["hconcat"][0]["layer"][0]
    text = spec["datasets"][base["data"]["name"]] if "name" in base["data"] else base["data"]["values"]
    return {f["properties"]["iso3"] for f in json.loads(text)["features"]}


def _lon_lat_boxes() -> list[tuple[float, float, float, float]]:
    """West, south, east, north of each of the world's features (its vertices)."""
    from evidence.presentation.maps import world_geojson

    def points(coordinates):
        if coordinates and isinstance(coordinates[0], (int, float)):
            return [coordinates]
        return [p for part in coordinates for p in points(part)]

    boxes = []
    for feature in world_geojson()["features"]:
        lons, lats = zip(*[(p[0], p[1]) for p in points(feature["geometry"]["coordinates"])], strict=True)
        boxes.append((min(lons), min(lats), max(lons), max(lats)))
    return boxes


def test_a_zoomed_flow_map_draws_the_countries_in_view_only() -> None:
    from evidence.presentation.maps import world_geojson

    flows = pl.DataFrame(
        {"o": ["MMR", "KHM", "LAO", "THA"], "d": ["THA", "THA", "THA", "MYS"], "n": [120, 80, 60, 50]}
    )
    spec = chart_spec(flow_map(flows, "o", "d", "n", title="t", source=SOURCE))
    isos = _basemap_isos(spec)
    world = world_geojson()["features"]
    assert {"THA", "MMR", "KHM", "LAO", "MYS"} <= isos  # the flows' countries and their neighbours
    assert not {"BRA", "USA", "FRA"} & isos  # far outside the view
    assert len(isos) < len(world) / 2
    # every country whose box meets the fitted points' box is kept (the view holds at least that box)
    fit = spec["hconcat"][0]["layer"][0]["projection"]["fit"]
    lons = [p[0] for p in fit["geometry"]["coordinates"]]
    lats = [p[1] for p in fit["geometry"]["coordinates"]]
    inside = {
        world[i]["properties"]["iso3"]
        for i, (w, s, e, n) in enumerate(_lon_lat_boxes())
        if w <= max(lons) and e >= min(lons) and s <= max(lats) and n >= min(lats)
    }
    assert inside <= isos


def _drawn(spec: dict) -> tuple[int, int, list[bytes], int]:
    """vl-convert's PNG of ``spec`` at scale 1, decoded. Kept in the toolkit's chart cache as the toolkit keeps
    its own charts (:func:`evidence.presentation.chart_files._cache_entry`: by the spec's text and the versions
    of Vega-Lite, Vega and vl-convert; what the same converter draws of the same spec, byte for byte), so a map
    compared here is drawn again only when its spec or the converter changes, not at every run (~0.15 CPU-s
    each, ten of them)."""
    import vl_convert as vlc

    from evidence.core.atomic import write_bytes
    from evidence.presentation.chart_files import _cache_entry, _spec_text, vl_version

    entry = _cache_entry(_spec_text(spec), spec, ".png", 1)
    try:
        png = entry.read_bytes()
    except OSError:
        png = vlc.vegalite_to_png(spec, vl_version=vl_version(spec), scale=1)
        try:
            write_bytes(entry, png)
        except OSError:  # a cache that cannot be written: drawn again next time
            pass
    return png_pixels(png)


def _differing_bytes(rows: list, rows2: list) -> list[tuple[int, int]]:
    """The (byte, byte) pairs where two decoded images of one size differ."""
    return [
        (a, b)
        for row, row2 in zip(rows, rows2, strict=True)
        if row != row2  # a row drawn alike has no byte that differs (most rows: compared at once)
        for a, b in zip(row, row2)
        if a != b
    ]


@pytest.mark.parametrize(
    ("flows", "turned"),
    [
        # turned to 150°E (Samoa's and Fiji's lines cross the antimeridian): every country was drawn
        ({"o": ["FJI", "FJI", "WSM"], "d": ["AUS", "NZL", "NZL"], "n": [60, 50, 40]}, True),
        # reaching the North Pole (Europe to East Asia): every country was drawn
        ({"o": ["THA", "THA", "THA"], "d": ["GBR", "DEU", "JPN"], "n": [60, 50, 120]}, False),
        # Thailand's neighbours to Japan (the demo brief's routes): the box of longitudes the view was taken back
        # to reached past 180° at its northern edge, and every country was drawn
        (
            {
                "o": ["MMR", "KHM", "THA", "THA", "THA"],
                "d": ["THA", "THA", "JPN", "KOR", "MYS"],
                "n": [9, 8, 7, 6, 5],
            },
            False,
        ),
    ],
)
def test_a_map_turned_or_reaching_a_pole_draws_the_countries_in_view_only(flows, turned) -> None:
    from evidence.presentation.charts import _coarse, _world_basemap_text

    zoomed = chart_spec(flow_map(pl.DataFrame(flows), "o", "d", "n", title="t", source=SOURCE))
    layer = zoomed["hconcat"][0]["layer"][0]
    assert "fit" in layer["projection"] and ("rotate" in layer["projection"]) == turned
    whole = json.loads(json.dumps(zoomed))
    name = layer["data"]["name"]
    whole["datasets"][name] = _world_basemap_text(None, _coarse(layer["projection"], 470, 340))
    assert len(_basemap_isos(whole)) > 1.3 * len(_basemap_isos(zoomed))
    images = [_drawn(spec) for spec in (zoomed, whole)]
    (width, height, rows, _), (width2, height2, rows2, _) = images
    assert (width, height) == (width2, height2)
    differing = _differing_bytes(rows, rows2)
    assert len(differing) <= 16 and all(abs(a - b) <= 2 for a, b in differing)


def test_a_world_flow_map_keeps_every_country() -> None:
    from evidence.presentation.maps import world_geojson

    flows = pl.DataFrame({"o": ["BRA", "THA", "USA"], "d": ["USA", "NOR", "AUS"], "n": [50, 60, 70]})
    spec = chart_spec(flow_map(flows, "o", "d", "n", title="t", source=SOURCE))
    assert len(_basemap_isos(spec)) == len({f["properties"]["iso3"] for f in world_geojson()["features"]})


def test_leaving_out_the_countries_out_of_view_draws_the_same_map() -> None:
    from evidence.presentation.charts import _world_basemap_text

    flows = pl.DataFrame(
        {"o": ["MMR", "KHM", "LAO", "IDN"], "d": ["THA", "THA", "THA", "MYS"], "n": [120, 80, 60, 50]}
    )
    zoomed = chart_spec(flow_map(flows, "o", "d", "n", title="t", source=SOURCE))
    whole = json.loads(json.dumps(zoomed))
    whole["datasets"][whole["hconcat"][0]["layer"][0]["data"]["name"]] = _world_basemap_text()
    assert len(_basemap_isos(whole)) > 2 * len(_basemap_isos(zoomed))
    images = [_drawn(spec) for spec in (zoomed, whole)]
    (width, height, rows, _), (width2, height2, rows2, _) = images
    assert (width, height) == (width2, height2)
    # the same picture, up to the rounding of a few edge pixels' anti-aliasing
    differing = _differing_bytes(rows, rows2)
    assert len(differing) <= 16 and all(abs(a - b) <= 2 for a, b in differing)


def test_stacked_share_tooltips_keep_a_tenth_of_a_percent(tmp_path: Path) -> None:
    """Shares drawn by the chart are of published counts and kept to the tenth of a percent the tooltip shows
    (the second review's 1(d): aria-labels carried 15.277778%)."""
    forms = pl.DataFrame({"year": [2015, 2015], "form": ["Forced labour", "Sexual"], "n": [11, 61]})
    chart = stacked_share_chart(
        suppress_counts(forms, "n"), "year", "form", "n", title="Forms", source=SOURCE
    )
    svg = save_chart(chart, tmp_path / "stacked.svg").read_text(encoding="utf-8")
    shares = [float(v) for v in re.findall(r"(\d+(?:\.\d+)?)%", svg)]
    assert 15.3 in shares and all(v == round(v, 1) for v in shares), shares


def test_marks_are_described_as_their_tooltips_write_them(trend, tmp_path: Path) -> None:
    # review 5, m2: an SVG's aria labels read like the table: a count drawn at its low bound with a band is its
    # range, not "count_low: 177"; titles, not column names; labels and bands are not read out twice
    frame = pl.DataFrame(
        {"year": [2011, 2012, 2013], "count_low": [59, 177, 150], "count_high": [59, 180, 150]}
    )
    chart = trend_chart(
        frame,
        "year",
        "count_low",
        "count_low",
        "count_high",
        title="t",
        source="s",
        y_title="Detected victims",
    )
    svg = save_chart(chart, tmp_path / "t.svg").read_text()
    labels = re.findall(r'aria-label="([^"]*)"', svg)
    assert "Year: 2012; Detected victims: 177–180" in labels and "Year: 2011; Detected victims: 59" in labels
    assert not [label for label in labels if "count_" in label]
    band = next(layer for layer in described(chart_spec(chart))["layer"] if layer["mark"]["type"] == "area")
    assert band["mark"]["aria"] is False


def test_numbers_in_descriptions_are_written_as_tables_write_them() -> None:
    from evidence.presentation.charts import number_text

    assert number_text(2580, count=True) == "2,580" and number_text(0.0219359, count=False) == "0.0219"
    assert number_text(4.13654851913, count=False) == "4.14" and number_text(21.9359, count=False) == "21.9"
    assert number_text(1234.5, count=False) == "1,234" and number_text(0, count=False) == "0"
    # no exponent for a small rate, no trailing zeros (the rounding comparison tables use too)
    assert number_text(0.0000153, count=False) == "0.0000153" and number_text(2.5, count=False) == "2.5"


def test_a_share_of_a_year_whose_other_counts_are_withheld_is_not_nan(tmp_path: Path) -> None:
    # REVIEW8 m10: a year whose only published count is 0 (its other cells withheld) has no share; its aria
    # labels said "NaN%" and now leave the share out (its count stays), and the other years keep theirs
    forms = pl.DataFrame(
        {
            "year": [2017, 2017, 2018, 2018],
            "form": ["Other", "Sexual", "Other", "Sexual"],
            "n": [0, 3, 11, 61],
        }
    )
    chart = stacked_share_chart(suppress_counts(forms, "n"), "year", "form", "n", title="F", source=SOURCE)
    svg = save_chart(chart, tmp_path / "stacked.svg").read_text(encoding="utf-8")
    labels = re.findall(r'aria-label="([^"]*)"', svg)
    assert "NaN" not in svg and "Infinity" not in svg
    assert "2017; Other: 0" in labels, labels
    assert "2018; Other: 15.3% (11)" in labels, labels


def _fitted_box(spec: dict) -> tuple[float, float, float, float]:
    """West, south, east, north of the points a zoomed flow map is fitted to."""
    points = spec["hconcat"][0]["layer"][0]["projection"]["fit"]["geometry"]["coordinates"]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def test_a_domestic_flow_map_shows_the_whole_country_and_its_borders() -> None:
    # review 12 M6: one domestic flow in the United States zoomed to its centroid ± 6°: a box of land
    spec = chart_spec(
        flow_map(
            pl.DataFrame({"o": ["USA"], "d": ["USA"], "n": [62]}), "o", "d", "n", title="t", source=SOURCE
        )
    )
    west, south, east, north = _fitted_box(spec)
    assert (
        west < -124.5 and east > -67 and south < 25 and north > 49.3
    )  # the contiguous states, coast to coast
    assert east - west < 100  # not the whole world (nor Alaska's Aleutians across the antimeridian)
    assert {"CAN", "MEX"} <= _basemap_isos(spec)  # its neighbours, so that its borders are seen


def test_a_small_countrys_flow_map_spans_at_least_the_least_extent() -> None:
    from evidence.presentation.charts import _MIN_EXTENT

    spec = chart_spec(
        flow_map(
            pl.DataFrame({"o": ["SGP"], "d": ["SGP"], "n": [30]}), "o", "d", "n", title="t", source=SOURCE
        )
    )
    west, south, east, north = _fitted_box(spec)
    assert east - west >= _MIN_EXTENT[0] and north - south >= _MIN_EXTENT[1]


def test_a_share_charts_legend_lists_the_categories_drawn_within_the_charts_width(tmp_path: Path) -> None:
    """Cambodia's forms by year (CTDC): eight declared forms in one row of legend, 960 pixels wide, for two
    drawn."""
    from evidence.sources.case_schema import AgeBand

    data = pl.DataFrame(
        {"year": [2010, 2018, 2018], "age_band": ["9-17", "18-20", "48+"], "victims": [16, 80, 15]},
        schema_overrides={"age_band": AgeBand},
    )
    chart = stacked_share_chart(data, "year", "age_band", "victims", title="Age", source=SOURCE)
    legend = chart_spec(chart)["encoding"]["color"]["legend"]
    assert legend["values"] == ["9-17", "18-20", "48+"]  # in their order, the colours those of the scale
    svg = save_chart(chart, tmp_path / "shares.svg").read_text()
    width = float(re.search(r'<svg[^>]*width="([\d.]+)"', svg).group(1))
    assert width <= CHART_WIDTH + 100, width
    long = pl.DataFrame(
        {
            "year": [2018] * 8,
            "form": [f"A rather long form of exploitation {i}" for i in range(8)],
            "n": [10] * 8,
        }
    )
    chart = stacked_share_chart(long, "year", "form", "n", title="Forms", source=SOURCE)
    svg = save_chart(chart, tmp_path / "forms.svg").read_text()
    assert float(re.search(r'<svg[^>]*width="([\d.]+)"', svg).group(1)) <= CHART_WIDTH + 100


def test_a_long_flows_arrowhead_stops_just_short_of_its_destination() -> None:
    """Uganda → Thailand ended 8% of the way short (6 degrees): its arrowhead in the Andaman Sea."""
    flows = pl.DataFrame({"o": ["UGA", "MMR"], "d": ["THA", "THA"], "n": [20, 1200]})
    spec = chart_spec(flow_map(flows, "o", "d", "n", title="t", source=SOURCE, focus="THA"))
    thailand = country_centroids().filter(pl.col("iso3") == "THA").row(0, named=True)
    for origin in ("Uganda", "Myanmar"):
        head = next(r for r in _rows(spec, "angle") if r["from"] == origin)
        gap = math.hypot(head["lon"] - thailand["lon"], head["lat"] - thailand["lat"])
        assert 0.2 < gap < 2.0, (origin, gap)  # short of the centroid, never far from it


def test_a_corridor_chart_keeps_its_numbers_within_its_width(tmp_path: Path) -> None:
    """The largest route's "2,580–2,589 (42–44%)" ran 250 px past the chart (861 px wide beside 690 px for
    the trend), and the PDF shrank the whole figure."""
    routes = pl.DataFrame(
        {
            "o": ["MMR", "THA", "LAO", "GBR"],
            "d": ["THA", "THA", "THA", "THA"],
            "n": [2580, 2102, 621, 8],
            "text": ["2,580–2,589", "2,102", "621–630", "8–17"],
            "share": ["42–44%", "34–36%", "10–11%", "0.2–0.5%"],
        }
    )
    chart = corridor_bar_chart(
        routes, "o", "d", "n", share="share", value_text="text", title="t", source=SOURCE
    )
    svg = save_chart(chart, tmp_path / "corridors.svg").read_text()
    width = float(re.search(r'<svg[^>]*width="([\d.]+)"', svg).group(1))
    assert width <= CHART_WIDTH + 40, width
    assert "2,580–2,589 (42–44%)" in svg and "United Kingdom → Thailand" in svg


def test_a_chart_left_as_a_cells_value_is_drawn_offline():
    """altair's default renderer wrote HTML loading Vega from cdn.jsdelivr.net: nothing showed in an offline
    JupyterLab. In a fresh process, as a notebook imports the toolkit; a renderer already chosen is kept."""
    import subprocess
    import sys

    code = (
        "{before}"
        "from evidence.presentation import charts\n"
        "chart = alt.Chart(alt.Data(values=[{{'a': 1}}])).mark_point().encode(x='a:Q')\n"
        "bundle = chart._repr_mimebundle_()\n"
        "bundle = bundle[0] if isinstance(bundle, tuple) else bundle\n"
        "print(sorted(bundle), 'cdn.jsdelivr' in str(bundle))\n"
    )
    cases = {"drawn": "", "chosen": "alt.renderers.enable('html')\n"}
    # Both cases start with `import altair as alt` in a fresh process (half of each process's CPU): one process
    # imports it and forks a child per case, so each case runs the rest of its code in a process whose state is
    # that of a fresh one after that line (the toolkit not imported, no renderer chosen), as two processes did.
    forked = (
        "import os, sys, traceback\n"
        "import altair as alt\n"
        "for name, code in CASES.items():\n"
        "    sys.stdout.flush(); sys.stderr.flush()\n"
        "    if os.fork() == 0:\n"
        "        try:\n"
        "            exec(code, {'alt': alt, '__name__': '__main__'})\n"
        "            exit_code = 0\n"
        "        except BaseException:\n"
        "            traceback.print_exc()\n"
        "            exit_code = 1\n"
        "        sys.stdout.flush(); sys.stderr.flush()\n"
        "        os._exit(exit_code)\n"
        "    print(name, 'exit', os.waitstatus_to_exitcode(os.wait()[1]), flush=True)\n"
    ).replace("CASES", repr({name: code.format(before=before) for name, before in cases.items()}))
    done = subprocess.run([sys.executable, "-c", forked], check=False, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.splitlines() == [
        "['image/svg+xml'] False",
        "drawn exit 0",
        "['text/html'] True",
        "chosen exit 0",
    ], done.stdout + done.stderr


def test_a_chart_of_records_protected_by_cell_key_draws_their_perturbed_counts_only(shared_data) -> None:
    """Plotted straight from trends.yearly_counts, the CTDC sample's USA 2018 was drawn as its exact 174 where
    every table publishes 175: the pair gives the perturbation back."""
    import evidence
    from evidence.analyses import trends
    from evidence.notebooks import protect
    from evidence.presentation.charts import trend_chart
    from evidence.presentation.disclosure import DisclosureError

    table = evidence.load(shared_data / "ctdc" / "k_anon_sample.csv")
    counts = trends.yearly_counts(evidence.Selection(table, country="USA", role="destination"))
    with pytest.raises(DisclosureError, match="cell key method .*'cell_key'"):
        trend_chart(counts, "year", "count", title="Victims", source="CTDC")
    with pytest.raises(DisclosureError, match="'count_key'"):
        trend_chart(counts.rename({"cell_key": "count_key"}), "year", "count", title="Victims", source="CTDC")
    protected = protect(counts.select("year", "count", "cell_key"), "year", "count")  # UNODC's rule of 5
    spec = trend_chart(protected, "year", "count", title="Victims", source="CTDC").to_dict()
    drawn = {row["year"]: row["count"] for row in next(iter(spec["datasets"].values())) if "count" in row}
    exact = dict(counts.select("year", "count").iter_rows())
    assert drawn and drawn != {year: exact[year] for year in drawn}  # perturbed, as the tables


def test_a_series_not_recorded_is_grey_never_the_palette_s_black() -> None:
    """Found looking at real briefs: "Not recorded", the eighth category of "victims by form" (Cambodia), was
    drawn in the palette's eighth colour, black: the boldest series of the chart was the unknown one."""
    from evidence.presentation.charts import PALETTE, series_scale, stacked_share_chart, trend_chart

    forms = ["Forced labour", "Sexual exploitation", "Forced marriage", "Organ removal", "Forced military",
             "Slavery practices", "Other", "Not recorded"]  # fmt: skip
    scale = series_scale(forms, ordered=True).to_dict()
    assert scale["domain"] == forms
    colours = dict(zip(scale["domain"], scale["range"], strict=True))
    assert colours["Not recorded"] not in PALETTE and "#000000" not in scale["range"]
    assert colours["Forced labour"] == PALETTE[0] and colours["Other"] == PALETTE[6]
    # sorted as Vega-Lite sorts a nominal field: the known series keep the colours they had
    assert series_scale(["b", "Unknown", "a"]).to_dict() == {
        "domain": ["Unknown", "a", "b"], "range": ["#a6a6a6", PALETTE[0], PALETTE[1]]
    }  # fmt: skip
    frame = pl.DataFrame(
        {"year": [2019] * 8 + [2020] * 8, "form": forms * 2, "count": [10 + i for i in range(16)]}
    )
    for chart in (
        stacked_share_chart(frame, x="year", category="form", value="count", title="By form", source="s"),
        trend_chart(frame, year="year", value="count", series="form", title="By form", source="s"),
    ):
        spec = json.dumps(chart.to_dict())
        assert "#a6a6a6" in spec and "#000000" not in spec


def _circles_and_frame(svg: str) -> tuple[list[tuple[float, float, float]], float, float]:
    """A flow map's domestic circles (x, y, radius in pixels) and the size of its map's frame."""
    frame = re.search(r'<clipPath[^>]*><rect x="0" y="0" width="([\d.]+)" height="([\d.]+)"/>', svg)
    assert frame
    circles = [
        (float(x), float(y), float(r))
        for x, y, r in re.findall(
            r'aria-roledescription="circle" transform="translate\(([-\d.e]+),([-\d.e]+)\)" d="M([\d.]+),0',
            svg,
        )
    ]
    return circles, float(frame[1]), float(frame[2])


@pytest.mark.parametrize(
    ("origins", "destination"),
    [
        # a domestic circle at the far west of a map zoomed to the Pacific and Europe
        (["PCN", "SMR"], "PCN"),
        (["GBR", "ALB", "VNM", "CHN", "IND"], "GBR"),  # the United Kingdom at the west of its routes map
        (["GBR", "NLD"], "GBR"),
    ],
)
def test_every_domestic_circle_is_drawn_whole_inside_the_map(tmp_path: Path, origins, destination) -> None:
    flows = pl.DataFrame(
        {"o": origins, "d": [destination] * len(origins), "n": [900] + [100] * (len(origins) - 1)}
    )
    chart = flow_map(flows, "o", "d", "n", title="t", source=SOURCE, focus=destination)
    circles, width, height = _circles_and_frame(save_chart(chart, tmp_path / "map.svg").read_text())
    assert circles
    for x, y, r in circles:
        r += 0.75  # half its stroke
        assert 0 <= x - r and x + r <= width and 0 <= y - r and y + r <= height, (x, y, r, width, height)


def _arrowheads(svg: str) -> list[tuple[float, float]]:
    """Where a flow map's arrowheads (triangles) are centred, in pixels."""
    return [
        (float(x), float(y))
        for x, y in re.findall(
            r'aria-roledescription="point" transform="translate\(([-\d.e]+),([-\d.e]+)\)', svg
        )
    ]


# on the whole world, by the antimeridian and the poles: their circles were cut by the frame (34 of 1,500 maps)
_AT_THE_EDGE = ["FJI", "TON", "WSM", "TUV", "KIR", "GRL", "SJM", "ATA", "NZL", "RUS", "CHL", "USA"]


@settings(max_examples=12)
@given(
    domestic=st.lists(st.sampled_from(_AT_THE_EDGE), min_size=1, max_size=3, unique=True),
    routes=st.lists(
        st.tuples(st.sampled_from([*_AT_THE_EDGE, "THA", "GBR", "BRA"]), st.sampled_from(_AT_THE_EDGE)),
        max_size=4,
        unique=True,
    ),
    values=st.lists(st.integers(5, 5000), min_size=7, max_size=7),
    zoom=st.booleans(),
)
def test_every_circle_and_arrowhead_of_a_world_map_is_inside_its_frame(
    tmp_path_factory, domestic, routes, values, zoom
) -> None:
    pairs = [(c, c) for c in domestic] + [(o, d) for o, d in routes if o != d]
    flows = pl.DataFrame({"o": [o for o, _ in pairs], "d": [d for _, d in pairs], "n": values[: len(pairs)]})
    chart = flow_map(flows, "o", "d", "n", title="t", source=SOURCE, zoom=zoom)
    svg = save_chart(chart, tmp_path_factory.mktemp("world") / "map.svg").read_text()
    circles, width, height = _circles_and_frame(svg)
    assert len(circles) == len(domestic)
    for x, y, r in circles:
        r += 0.75  # half its stroke
        assert 0 <= x - r and x + r <= width and 0 <= y - r and y + r <= height, (x, y, r, width, height)
    for x, y in _arrowheads(svg):
        r = 4.472  # the triangle's corners, turned any way
        assert 0 <= x - r and x + r <= width and 0 <= y - r and y + r <= height, (x, y, width, height)


def test_lines_and_arrowheads_are_drawn_over_the_domestic_circles(tmp_path: Path) -> None:
    """The United States' routes map (UNODC): the arrowheads of every flow into the United States, and the
    lines' ends, were drawn under its domestic circle (and the United Kingdom's, Thailand's, Nigeria's)."""
    flows = pl.DataFrame(
        {
            "o": ["USA", "MEX", "HND", "GTM", "CHN", "THA"],
            "d": ["USA"] * 6,
            "n": [25000, 4000, 2500, 2000, 1000, 900],
        }
    )
    chart = flow_map(flows, "o", "d", "n", title="t", source=SOURCE, focus="USA")
    svg = save_chart(chart, tmp_path / "map.svg").read_text()
    map_svg = svg[: svg.index("concat_1")]  # the map, not its legend
    circles = [m.start() for m in re.finditer(r'aria-roledescription="circle"', map_svg)]
    lines = [m.start() for m in re.finditer(r'class="mark-trail ', map_svg)]
    heads = [m.start() for m in re.finditer(r'aria-roledescription="point"', map_svg)]
    assert circles and len(lines) == 5 and len(heads) == 5
    assert max(circles) < min(lines + heads)  # painted first: under every line and arrowhead


@pytest.mark.parametrize(
    ("origins", "destinations", "kinds"),
    [
        # domestic flows only: no line in the legend
        (["THA", "MMR", "KHM"], ["THA", "MMR", "KHM"], {"circle"}),
        (["MMR", "KHM"], ["THA", "THA"], {"trail"}),
        (["MMR", "THA"], ["THA", "THA"], {"trail", "circle"}),
    ],
)
def test_a_flow_maps_legend_shows_the_marks_the_map_draws_and_no_other(origins, destinations, kinds) -> None:
    # Tuvalu's map of one domestic flow: its legend showed a line of 50, and no line was drawn
    flows = pl.DataFrame({"o": origins, "d": destinations, "n": [900, 400, 100][: len(origins)]})
    spec = chart_spec(flow_map(flows, "o", "d", "n", title="t", source=SOURCE))

    def marks(chart: dict) -> set[str]:
        types = {
            layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
            for layer in chart["layer"]
        }
        return types & {"trail", "circle"}

    assert marks(spec["hconcat"][0]) == marks(spec["hconcat"][1]) == kinds
    labels = _legend_labels(spec)
    domestic = [label for label in labels if label.endswith(" (domestic)")]
    if kinds == {"circle"}:
        assert labels == domestic and len(labels) > 1  # a circle of each step
    else:
        assert labels and domestic == (labels[-1:] if "circle" in kinds else [])


def _line_boxes(lines, forward) -> list[Box]:
    """A flow's line as boxes (its half-width and a pixel about points at most 2 px apart)."""
    boxes = []
    for line in lines:
        points = [(*forward(lon, lat), width / 2 + 1) for lon, lat, width in line]
        for (x1, y1, r1), (x2, y2, r2) in itertools.pairwise(points):
            steps = max(1, math.ceil(math.hypot(x2 - x1, y2 - y1) / 2))
            for k in range(steps):
                t = k / steps
                x, y, r = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t, r1 + (r2 - r1) * t
                boxes.append(Box(x - r, y - r, x + r, y + r))
    return boxes


def _names_over_lines(named: pl.DataFrame, lines, forward) -> tuple[list[str], float]:
    """The names written over a line, and how much of the lines they cover (pixels², summed)."""
    boxes = _line_boxes(lines, forward)
    # Box.overlap of the name's box with each line box at once: the same float operations on each pair (min,
    # max, a difference, a product), and the areas summed by sum() in the boxes' order, as one at a time
    left, top, right, bottom = (np.array([getattr(b, side) for b in boxes], dtype=float)
                                for side in ("left", "top", "right", "bottom"))  # fmt: skip
    over, area = [], 0.0
    for lon, lat, name, weight in named.iter_rows():
        x, y = forward(lon, lat)
        width, height = label_size(name, bold=weight == "bold")
        box = Box(x - width / 2, y - height / 2, x + width / 2, y + height / 2)
        wide = np.minimum(box.right, right) - np.maximum(box.left, left)
        high = np.minimum(box.bottom, bottom) - np.maximum(box.top, top)
        covered = sum(np.where((wide > 0) & (high > 0), wide * high, 0.0).tolist())
        area += covered
        if covered:
            over.append(name)
    return over, area


def _flow_lines(
    flows: list[tuple[str, str, float]],
) -> tuple[pl.DataFrame, list[list[tuple[float, float, float]]]]:
    from evidence.presentation.charts import _arc, _flow_width

    centroids = {r["iso3"]: (r["lon"], r["lat"]) for r in country_centroids().iter_rows(named=True)}
    largest = max(n for _, _, n in flows)
    lines, totals = [], {}
    for o, d, n in flows:
        totals[o] = totals.get(o, 0) + n
        totals[d] = totals.get(d, 0) + n
        if o != d:
            width = _flow_width(n, largest)
            points = _arc(*centroids[o], *centroids[d])
            lines.append([(lon, lat, width * (1 - 0.8 * i / 24)) for i, (lon, lat) in enumerate(points)])
    order = sorted(totals, key=lambda c: -totals[c])
    named = pl.DataFrame(
        {
            "lon": [centroids[c][0] for c in order],
            "lat": [centroids[c][1] for c in order],
            "name": order,
            "weight": ["normal"] * len(order),
        }
    )
    return named, lines


def test_names_are_written_beside_the_lines_where_they_have_room() -> None:
    """The United Kingdom's routes map (UNODC): eight of its names were written over the lines, cutting them."""
    from evidence.presentation.charts import _fit_projection, _pixels, _placed_labels

    origins = ["ALB", "VNM", "CHN", "ROU", "SDN", "ERI", "NGA", "IND", "POL"]
    values = [3777, 2193, 1286, 1181, 1067, 1038, 904, 735, 578]
    named, lines = _flow_lines([(o, "GBR", n) for o, n in zip(origins, values, strict=True)])
    projection = _fit_projection(-8.6, 3.5, 114.0, 60.6)
    forward, _ = _pixels(projection, 470, 340)
    plain, plain_out = _placed_labels(named, projection, 470, 340)
    clear, left_out = _placed_labels(named, projection, 470, 340, lines=lines)
    assert set(left_out) <= set(plain_out)  # no name left out for it
    assert len(_names_over_lines(clear, lines, forward)[0]) < len(_names_over_lines(plain, lines, forward)[0])


@given(
    flows=st.lists(
        st.tuples(
            st.sampled_from(["THA", "MMR", "LAO", "KHM", "VNM", "MYS", "CHN", "IND", "BGD", "IDN"]),
            st.sampled_from(["THA", "MYS", "CHN", "IND"]),
            st.integers(5, 3000),
        ),
        min_size=1,
        max_size=10,
        unique_by=lambda f: f[:2],
    )
)
def test_avoiding_the_lines_never_leaves_a_name_out_nor_covers_more_of_them(flows) -> None:
    from evidence.presentation.charts import _fit_projection, _pixels, _placed_labels

    named, lines = _flow_lines(flows)
    projection = _fit_projection(75.0, -10.0, 125.0, 35.0)
    forward, _ = _pixels(projection, 470, 340)
    plain, plain_out = _placed_labels(named, projection, 470, 340)
    clear, left_out = _placed_labels(named, projection, 470, 340, lines=lines)
    assert set(left_out) <= set(plain_out)
    assert clear.height + len(left_out) == named.height
    # measured finer than the placement measures it: within a tenth
    assert (
        _names_over_lines(clear, lines, forward)[1] <= 1.1 * _names_over_lines(plain, lines, forward)[1] + 1
    )


# ---------------------------------------------------------- flows across the Pacific, countries without an outline


def _pacific_spec(rows, **options) -> dict:
    flows = pl.DataFrame(rows, schema=["o", "d", "n"], orient="row")
    return flow_map(flows, "o", "d", "n", title="t", source=SOURCE, **options).to_dict()


def _pacific_layers(spec: dict) -> list[dict]:
    return spec["hconcat"][0]["layer"]


def _layer_rows(spec: dict, layer: dict) -> list[dict]:
    data = layer.get("data") or {}
    return spec.get("datasets", {}).get(data.get("name"), data.get("values"))


def test_a_flow_across_the_pacific_is_drawn_across_the_pacific() -> None:
    # Fiji to the United States crossed the whole map the long way (westwards over Asia, Africa and the Atlantic)
    spec = _pacific_spec([("FJI", "USA", 40), ("FJI", "AUS", 30)], zoom=False)
    layers = _pacific_layers(spec)
    projection = layers[0]["projection"]
    assert projection["rotate"] == [-150.0, 0.0, 0.0]
    assert all(layer["projection"] == projection for layer in layers)
    trail = next(layer for layer in layers if (layer.get("mark") or {}).get("type") == "trail")
    forward = world_pixels(projection["scale"], tuple(projection["translate"]), 150.0)
    to_usa = [row for row in _layer_rows(spec, trail) if row["to"].startswith("United States")]
    xs = [forward(row["lon"], row["lat"])[0] for row in to_usa]
    assert to_usa and max(xs) - min(xs) < spec["hconcat"][0]["width"] / 2  # not across the map
    assert all(-30.0 <= row["lon"] <= 330.0 for row in _layer_rows(spec, trail))


def test_a_zoomed_map_across_the_antimeridian_is_the_pacifics() -> None:
    # Samoa to New Zealand and Fiji: the zoomed map was the whole world's width
    spec = _pacific_spec([("WSM", "NZL", 30), ("FJI", "NZL", 20)])
    projection = _pacific_layers(spec)[0]["projection"]
    assert "fit" in projection and projection["rotate"] == [-150.0, 0.0, 0.0]
    lons = [p[0] for p in projection["fit"]["geometry"]["coordinates"]]
    assert max(lons) - min(lons) < 60


def test_a_map_without_pacific_flows_stays_on_greenwich() -> None:
    spec = _pacific_spec([("NGA", "ITA", 40), ("NGA", "GBR", 30), ("NGA", "NGA", 20)])
    assert all("rotate" not in layer["projection"] for layer in _pacific_layers(spec))


def test_tuvalus_map_draws_tuvalu() -> None:
    # Tuvalu is not on the 1:110m map: its zoomed map was empty sea
    spec = _pacific_spec([("TUV", "FJI", 40), ("TUV", "TUV", 12)], focus="TUV")
    shapes = [json.dumps(_layer_rows(spec, layer)) for layer in _pacific_layers(spec)]
    assert any('"Point"' in text and '"Tuvalu"' in text for text in shapes)
    tuvalu = country_centroids().filter(pl.col("iso3") == "TUV").row(0, named=True)
    assert "fit" in _pacific_layers(spec)[0]["projection"]  # zoomed, not the world
    assert tuvalu["lon"] > 179


def test_a_small_state_within_its_neighbours_outline_is_no_dot() -> None:
    # San Marino and the Holy See lie within Italy's outline at 1:110m: a dot there read as a town
    spec = _pacific_spec([("ALB", "ITA", 40), ("ITA", "ITA", 30)])
    text = json.dumps(spec)
    assert '"San Marino"' not in text and "Holy See" not in text
    assert '"Malta"' in text  # at sea, a dot


def test_a_world_map_with_one_line_across_the_pacific_stays_on_greenwich() -> None:
    # Thailand's victims: most lines to Europe, one to the United States (5% shorter across the Pacific); a map
    # turned to 150°E put Europe at its edge for that
    spec = _pacific_spec(
        [("THA", "USA", 40), ("THA", "DEU", 30), ("THA", "GBR", 30), ("THA", "FIN", 20), ("THA", "CHE", 20)],
        zoom=False,
    )
    assert all("rotate" not in layer["projection"] for layer in _pacific_layers(spec))


def test_choropleth_says_what_grey_means_as_it_is_told() -> None:
    """The routes notebook's world map shades the countries of the largest routes only: its grey countries have
    data, and "Grey: no data" said otherwise. The default stays "no data", in the note and on hover."""
    data = pl.DataFrame({"iso3": ["MMR", "KHM"], "n": [900, 300]})
    plain = json.dumps(chart_spec(choropleth(data, "iso3", "n", title="t", source=SOURCE)))
    assert "Grey: no data." in plain and plain.count("no data") > 1  # the note, and on hover
    told = json.dumps(
        chart_spec(
            choropleth(data, "iso3", "n", title="t", source=SOURCE, grey="not among the largest routes")
        )
    )
    assert "Grey: not among the largest routes." in told and told.count("not among the largest routes") > 1
    assert "no data" not in told


def test_the_corridor_bars_axis_ends_where_the_labels_need_it_not_at_a_rounder_number() -> None:
    """Review of the routes notebook: Thailand's largest route, 2,589 victims, on an axis to 4,000: the scale
    reaches past the largest bar only as far as its label needs, and Vega's "nice" rounded that up again."""
    import vl_convert as vlc

    data = pl.DataFrame(
        {"o": ["MMR", "KHM", "LAO"], "d": ["THA"] * 3, "n": [2589, 1200, 500], "s": ["60%", "28%", "12%"]}
    )
    spec = chart_spec(corridor_bar_chart(data, "o", "d", "n", title="t", source=SOURCE, share="s"))
    vega = vlc.vegalite_to_vega(spec)
    vega = json.loads(vega) if isinstance(vega, str) else vega
    x = next(scale for scale in vega["scales"] if scale["name"] == "x")
    assert not x.get("nice", False)
    low, high = x["domain"]
    assert low == 0 and 2589 < high < 2589 * 1.5  # room for "2,589 (60%)", not a round 4,000


def _basemap_text(spec: dict) -> str:
    base = spec["hconcat"][0]["layer"][0]
    return spec["datasets"][base["data"]["name"]]


@pytest.mark.parametrize(
    ("flows", "coarse"),
    [
        ({"o": ["BRA", "THA", "USA"], "d": ["USA", "NOR", "AUS"], "n": [50, 60, 70]}, True),  # the world
        ({"o": ["THA", "THA", "THA"], "d": ["GBR", "DEU", "JPN"], "n": [60, 50, 120]}, True),  # Eurasia
        ({"o": ["MMR", "KHM", "LAO"], "d": ["THA", "THA", "THA"], "n": [120, 80, 60]}, False),  # neighbours
    ],
)
def test_a_map_of_the_world_or_a_large_region_draws_the_coarse_outlines(flows, coarse) -> None:
    """Drawing the world's 10,600 vertices, most of them closer together than a pixel, was half the time
    vl-convert took to draw a world map; a close-up keeps every vertex."""
    from evidence.presentation.charts import _COARSE_UP_TO_SCALE, _map_scale, _world_basemap_text

    spec = chart_spec(flow_map(pl.DataFrame(flows), "o", "d", "n", title="t", source=SOURCE))
    layer = spec["hconcat"][0]["layer"][0]
    assert (_map_scale(layer["projection"], 470, layer.get("height", 340)) <= _COARSE_UP_TO_SCALE) == coarse
    drawn = _basemap_isos(spec)
    keep = {
        i
        for i, f in enumerate(json.loads(_world_basemap_text())["features"])
        if f["properties"]["iso3"] in drawn
    }
    whole = len(keep) == len(json.loads(_world_basemap_text())["features"])
    assert _basemap_text(spec) == _world_basemap_text(None if whole else frozenset(keep), coarse)


def test_the_choropleth_draws_the_coarse_outlines_and_the_same_picture() -> None:
    from evidence.presentation.charts import _features_text

    data = pl.DataFrame({"iso3": ["THA", "MMR", "BRA", "NGA"], "n": [500, 300, 200, 100]})
    spec = chart_spec(choropleth(data, "iso3", "n", title="t", source=SOURCE, focus="THA"))
    texts = [v for v in spec["datasets"].values() if isinstance(v, str)]
    assert len(texts) == 3  # every country grey, those shaded, the focus outlined
    full = json.loads(json.dumps(spec))  # the same map with every vertex
    for name, text in spec["datasets"].items():
        if isinstance(text, str):
            features = [
                (_world_index(f["properties"]["iso3"]), f["properties"]) for f in json.loads(text)["features"]
            ]
            assert text == _features_text(features, True)
            full["datasets"][name] = _features_text(features)
    images = [_drawn(s) for s in (spec, full)]
    (width, height, rows, _), (width2, height2, rows2, _) = images
    assert (width, height) == (width2, height2)
    differing = sum(
        1
        for row, row2 in zip(rows, rows2, strict=True)
        if row != row2  # a row drawn alike has no byte that differs (most rows: compared at once)
        for a, b in zip(row, row2)
        if abs(a - b) > 32
    )
    assert differing < 0.001 * width * height * 3  # a few pixels of the coasts


def test_the_choropleth_is_fitted_to_the_worlds_extremes_as_vega_lite_fits_it_to_every_outline() -> None:
    # Vega fitted the world map to every outline of every layer, projecting the world once more before
    # drawing it (a quarter of its drawing time): fitted to the few points at the world's extremes, the map's
    # scale and translate are Vega's own fit's, to the last bit (JavaScript writes a number in full)
    import vl_convert as vlc

    from evidence.presentation.chart_files import vl_version

    data = pl.DataFrame({"iso3": ["THA", "MMR", "FJI", "NZL"], "n": [500, 300, 200, 100]})
    spec = chart_spec(choropleth(data, "iso3", "n", title="t", source=SOURCE, focus="FJI"))
    fits = [layer["projection"]["fit"]["geometry"] for layer in spec["layer"]]
    assert all(fit["type"] == "MultiPoint" and len(fit["coordinates"]) <= 8 for fit in fits)
    by_outlines = {
        **spec,
        "layer": [{**layer, "projection": {"type": "equalEarth"}} for layer in spec["layer"]],
    }
    probe = {
        "type": "text",
        "encode": {
            "update": {
                "text": {
                    "signal": "'scale ' + geoScale('projection') + ' at '"
                    " + geoCentroid('projection', {type: 'Point', coordinates: [0, 0]}) + ' Fiji '"
                    " + geoCentroid('projection', {type: 'Point', coordinates: [178.5, -17.9]})"
                }
            }
        },
    }
    found = []
    for drawn in (spec, by_outlines):
        vega = vlc.vegalite_to_vega(drawn, vl_version=vl_version(drawn))
        vega["marks"] = [*vega["marks"], probe]
        found.append(re.findall(r"scale [^<]+", vlc.vega_to_svg(vega)))
    assert len(found[0]) == 1 and found[0] == found[1]


def _world_index(iso3: str) -> int:
    return _world_isos().index(iso3)


@functools.cache
def _world_isos() -> tuple[str, ...]:
    """The world map's countries in its order (read once: the map is parsed again at each call)."""
    from evidence.presentation.maps import world_geojson

    return tuple(f["properties"]["iso3"] for f in world_geojson()["features"])


@pytest.mark.parametrize("character", [".", "[", "]", "'", '"', "\\"])
def test_a_column_name_a_chart_would_read_as_a_path_is_refused_naming_it(character: str) -> None:
    # Vega-Lite reads "No. of victims" as a path into nested data: the chart came out empty, with no error
    name = f"No{character} of victims"
    frame = pl.DataFrame({"year": [2019, 2020, 2021], name: [50, 60, 70]})
    with pytest.raises(ParameterError, match="rename") as refused:
        trend_chart(frame, "year", name, title="t", source=SOURCE)
    assert repr(name) in str(refused.value)
    long = pl.DataFrame({"year": [2020, 2020], name: ["sexual", "labour"], "victims": [50, 40]})
    with pytest.raises(ParameterError, match="rename"):
        stacked_share_chart(long, "year", name, "victims", title="t", source=SOURCE)


def test_a_column_name_with_spaces_commas_and_accents_is_drawn(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    frame = pl.DataFrame({"année": [2019, 2020, 2021], "victimes, identifiées (n)": [50, 60, 70]})
    chart = trend_chart(frame, "année", "victimes, identifiées (n)", title="t", source=SOURCE)
    svg = save_chart(chart, tmp_path / "trend.svg").read_text()
    labels = set(re.findall(r'aria-label="([^"]*)"', svg))
    assert {
        f"Year: {y}; Victimes, identifiées (n): {n}" for y, n in ((2019, 50), (2020, 60), (2021, 70))
    } <= labels


def test_a_charts_columns_are_taken_by_name_without_a_query(monkeypatch):
    """The columns a chart draws are taken from its data by name (no polars query: a brief draws a few dozen
    charts), in the order asked, once each, the frame given unchanged; no column at all is none."""
    import _polars

    from evidence.presentation.charts import used_columns

    frame = pl.DataFrame(
        {"year": [2019, 2020], "victims": [12, None], "note": ["a", "b"], "share": [0.5, 0.1]}
    )
    queries = _polars.count_queries(monkeypatch)
    used = used_columns(frame, ["victims", None, "year", "victims"], "a chart")
    assert queries == []
    assert used.columns == ["victims", "year"] and used.rows() == [(12, 2019), (None, 2020)]
    assert used.schema == {"victims": pl.Int64, "year": pl.Int64}
    assert frame.columns == ["year", "victims", "note", "share"]
    assert used_columns(frame, [None], "a chart").shape == (0, 0)
