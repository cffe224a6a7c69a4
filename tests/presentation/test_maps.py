"""The shipped world map: ISO3 keys where Natural Earth says -99, one row per code, flow-map centroids."""

from __future__ import annotations

import math
from importlib import resources

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence.presentation.maps import (
    Box,
    MapLabel,
    central_meridian,
    country_centroids,
    drawn_length,
    equal_earth,
    fit_marks,
    fitted_pixels,
    label_size,
    legend_steps,
    load_world,
    place_labels,
    rotation,
    text_width,
    unmapped_countries,
    world_extent,
    world_geojson,
    world_pixels,
    world_view,
    wrap_longitude,
)
from evidence.sources.countries import country_table


@pytest.fixture(scope="module")
def world():
    return load_world()


def test_world_is_small_and_keyed_by_known_iso3(world) -> None:
    size = (resources.files("evidence.presentation") / "geodata" / "world_110m.geojson").stat().st_size
    assert size < 1_000_000
    assert world.crs.to_epsg() == 4326
    assert list(world.columns) == ["iso3", "name", "geometry"]
    assert not world["iso3"].duplicated().any()
    assert set(world["iso3"]) <= set(country_table()["iso3"].to_list())
    assert "-99" not in set(world["iso3"])


@pytest.mark.parametrize(
    "iso3", ["FRA", "NOR", "XKX", "SOM", "CYP", "THA", "MMR", "KHM", "LAO", "VNM", "MYS", "TWN"]
)
def test_countries_present_with_geometry(world, iso3: str) -> None:
    row = world[world["iso3"] == iso3]
    assert len(row) == 1
    geometry = row.geometry.iloc[0]
    assert geometry.is_valid and not geometry.is_empty and geometry.area > 0


def test_fixed_codes_carry_the_right_shapes(world) -> None:
    # The -99 features are matched by name in the build: check they landed where they belong.
    france = world[world["iso3"] == "FRA"].geometry.iloc[0]
    assert france.contains(pl_point(2.35, 48.86))  # Paris
    assert france.contains(pl_point(-53.0, 4.0))  # French Guiana is part of the feature
    assert world[world["iso3"] == "NOR"].geometry.iloc[0].contains(pl_point(10.75, 59.91))  # Oslo
    assert world[world["iso3"] == "SOM"].geometry.iloc[0].contains(pl_point(44.06, 9.56))  # Hargeisa
    assert world[world["iso3"] == "XKX"].geometry.iloc[0].contains(pl_point(21.17, 42.67))  # Pristina


def pl_point(lon: float, lat: float):
    from shapely.geometry import Point

    return Point(lon, lat)


def test_centroids_lie_on_the_main_landmass(world) -> None:
    centroids = country_centroids()
    assert centroids["iso3"].is_unique().all()
    assert set(world["iso3"]) <= set(centroids["iso3"].to_list())
    france = centroids.filter(pl.col("iso3") == "FRA").row(0, named=True)
    assert 0 < france["lon"] < 6 and 44 < france["lat"] < 49  # metropolitan France, not the Atlantic
    usa = centroids.filter(pl.col("iso3") == "USA").row(0, named=True)
    assert -105 < usa["lon"] < -90  # contiguous states, not pulled towards Alaska
    on_map = centroids.filter(pl.col("basis") == "main polygon")
    by_iso3 = dict(zip(world["iso3"], world.geometry, strict=True))
    for iso3, lon, lat in on_map.select("iso3", "lon", "lat").iter_rows():
        assert by_iso3[iso3].buffer(0.01).contains(pl_point(lon, lat)), iso3


def test_small_states_have_a_point_for_flow_maps() -> None:
    centroids = country_centroids()
    small = centroids.filter(pl.col("basis") == "capital or main island")
    assert {"SGP", "HKG", "MAC", "BHR", "MDV"} <= set(small["iso3"].to_list())
    singapore = small.filter(pl.col("iso3") == "SGP").row(0, named=True)
    assert singapore["lon"] == pytest.approx(103.8, abs=0.2) and singapore["lat"] == pytest.approx(
        1.35, abs=0.2
    )


def test_geojson_is_a_fresh_copy() -> None:
    first = world_geojson()
    first["features"].clear()
    assert len(world_geojson()["features"]) == 175


# ------------------------------------------------------------------------------------------- label placement

_names = st.text(
    alphabet=st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz éô'-."),
    min_size=1,
    max_size=30,
)


@given(
    points=st.lists(
        st.tuples(_names, st.floats(0, 470), st.floats(0, 340), st.booleans()), min_size=0, max_size=25
    ),
    obstacles=st.lists(st.tuples(st.floats(0, 470), st.floats(0, 340), st.floats(1, 20)), max_size=5),
)
def test_placed_labels_never_overlap_and_every_label_is_placed_or_listed(points, obstacles) -> None:
    labels = [MapLabel(str(i), text, x, y, bold=bold) for i, (text, x, y, bold) in enumerate(points)]
    boxes = [Box(x - r, y - r, x + r, y + r) for x, y, r in obstacles]
    placed, dropped = place_labels(labels, 470, 340, obstacles=boxes)
    # every label is either on the map or named elsewhere, once, in the order given
    assert sorted([p.label.key for p in placed] + [d.key for d in dropped], key=int) == [
        lab.key for lab in labels
    ]
    for i, a in enumerate(placed):
        assert a.box.inside(470, 340)
        width, height = label_size(a.label.text, a.label.size, bold=a.label.bold)
        assert a.box.right - a.box.left == pytest.approx(width) and a.box.bottom - a.box.top == pytest.approx(
            height
        )
        # beside its point: no farther from it than the gap, across and down (the test said only "within a
        # label's width across", and nothing of the height), or than the gap and 10 pixels where the nearer
        # positions cover marks (lines, circles, other points)
        across = max(a.box.left - a.label.x, a.label.x - a.box.right, 0.0)
        down = max(a.box.top - a.label.y, a.label.y - a.box.bottom, 0.0)
        assert across <= 13.0 + 1e-6 and down <= 13.0 + 1e-6, a
        if not boxes and len(labels) == 1:
            assert across <= 3.0 + 1e-6 and down <= 3.0 + 1e-6, a
        for b in placed[i + 1 :]:
            assert a.box.overlap(b.box) == 0, (a, b)
    if labels:  # the first (most important) label always finds room on an empty map when it fits at all
        width, height = label_size(labels[0].text, bold=labels[0].bold)
        if width + 2 * 3 < 470 / 2 and height * 2 + 6 < 340 / 2:
            assert placed and placed[0].label.key == "0"


def test_neighbouring_names_are_set_apart() -> None:
    # Thailand's neighbours as the routes map of the real UNODC data draws them: their names were written over
    # one another
    labels = [
        MapLabel("THA", "Thailand", 393.7, 154.1, bold=True),
        MapLabel("MMR", "Myanmar", 362.6, 113.0),
        MapLabel("LAO", "Lao PDR", 403.5, 130.1),
        MapLabel("KHM", "Cambodia", 416.3, 170.0),
        MapLabel("VNM", "Viet Nam", 429.3, 149.6),
    ]
    placed, dropped = place_labels(labels, 470, 340)
    assert [p.label.key for p in placed] == ["THA", "MMR", "LAO", "KHM", "VNM"] and not dropped
    assert all(a.box.overlap(b.box) == 0 for i, a in enumerate(placed) for b in placed[i + 1 :])


def test_a_name_between_two_lines_moves_off_them() -> None:
    # Nigeria's routes map (UNODC, origin): names of Europe's countries were written over the lines from Nigeria
    # that pass them, each of the eight positions beside the point covering one; a name is set a little farther
    # out where that clears the lines
    label = MapLabel("DEU", "Germany", 200, 150)
    lines = [Box(x, 150 + dy - 1, x + 2, 150 + dy + 1) for dy in (-5, 5) for x in range(100, 300, 2)]
    placed, dropped = place_labels([label], 470, 340, obstacles=lines)
    assert not dropped
    box = placed[0].box
    assert sum(box.overlap(line) for line in lines) == 0
    assert box.bottom <= 150 and box.bottom >= 150 - 3 - 10  # above its point, as the nearer positions were
    assert box.left < 200 < box.right


def test_a_name_no_position_clears_stays_beside_its_point() -> None:
    # a name moved farther out only where that covers less: under a wide mark it covers as much anywhere
    label = MapLabel("DEU", "Germany", 200, 150)
    placed, _ = place_labels([label], 470, 340, obstacles=[Box(100, 100, 300, 200)])
    assert placed[0].box.bottom == pytest.approx(150 - 3)  # above, at the gap
    assert placed[0].x == pytest.approx(200)


def test_text_width_is_that_of_the_charts_font() -> None:
    assert text_width("Myanmar") == pytest.approx(7 * 11 * 0.6, rel=0.25)
    assert text_width("Thailand", bold=True) > text_width("Thailand")
    assert text_width("Côte d'Ivoire") == text_width("Cote d'Ivoire")
    assert text_width("") == 0


def test_every_country_of_the_reference_has_a_point_for_flow_maps() -> None:
    """Found by the routes audit: 35 territories (Gibraltar, Jersey, the Faroes, French Polynesia, the US Virgin
    Islands...) had no point, so their flows were left off every map (counted only in its subtitle)."""
    from evidence.sources.countries import country_table

    located = set(country_centroids()["iso3"].to_list())
    assert sorted(set(country_table()["iso3"].to_list()) - located) == []
    for iso3, lon, lat in (("GIB", -5.35, 36.14), ("PYF", -149.57, -17.54), ("FRO", -6.77, 62.01)):
        point = country_centroids().filter(pl.col("iso3") == iso3).row(0, named=True)
        assert (point["lon"], point["lat"]) == (lon, lat)


# ------------------------------------------------------------------------------------------------ legends


def test_a_single_flows_legend_is_its_round_value_not_smaller_ones() -> None:
    # Myanmar's routes map from the CTDC sample: one flow of 40, a legend of 20 and 10
    assert legend_steps([40], least=5) == [40]
    # three flows of 16 to 81 (Thailand's, CTDC): round values across them, not 50, 25 and 5
    assert legend_steps([81, 40, 16], least=5) == [80, 50, 20]
    # the United Kingdom's (UNODC): its domestic 8,643 down to 578
    assert legend_steps([8643, 3777, 2193, 578], least=5) == [8000, 4000, 800]


def test_a_legend_has_no_number_below_the_threshold_nor_below_what_is_drawn() -> None:
    assert legend_steps([7, 7, 6], least=5) == [7, 6]  # was 5: below every flow drawn
    assert legend_steps([47], least=5) == [47]  # no round number between 47 and 47: the flow itself
    assert legend_steps([3, 2], least=5) == []  # every flow below the threshold: no legend
    assert legend_steps([], least=5) == []


def _is_round(number: int) -> bool:
    digits = str(number).rstrip("0")
    return len(digits) == 1 or digits in ("15", "25")


@given(
    values=st.lists(st.floats(0.5, 1e7) | st.integers(1, 10**7), min_size=1, max_size=20),
    least=st.integers(1, 20),
)
def test_legend_steps_are_round_and_within_what_the_map_draws(values, least) -> None:
    steps = legend_steps(values, least)
    largest, low = max(values), max(min(values), least)
    assert bool(steps) == (largest >= least and math.floor(largest) >= least)
    assert steps == sorted(set(steps), reverse=True) and len(steps) <= 3
    for step in steps:
        assert math.floor(low) <= step <= largest
        assert step >= least
    # round, but for the one case where no round number lies within the range: the largest value itself
    if steps and not all(_is_round(step) for step in steps):
        assert steps == [math.floor(largest)]
        assert not any(_is_round(n) for n in range(math.ceil(low), math.floor(largest) + 1))
    if steps:  # the first is the largest round number that is drawn: never half or less of the largest flow
        assert steps[0] > largest / 2


# ------------------------------------------------------------------------------------------------ geometry


def _inside(box, marks, width, height) -> bool:
    forward = fitted_pixels(box, width, height)
    for lon, lat, radius in marks:
        x, y = forward(lon, lat)
        if (
            x - radius < -1e-6
            or y - radius < -1e-6
            or x + radius > width + 1e-6
            or y + radius > height + 1e-6
        ):
            return False
    return True


def test_the_fitted_map_is_the_one_vega_lite_draws() -> None:
    # the United Kingdom's circle on its routes map from the real UNODC data, as Vega-Lite drew it in the SVG
    box = (-8.611, 3.526, 114.032, 60.63500010846633)
    point = country_centroids().filter(pl.col("iso3") == "GBR").row(0, named=True)
    x, y = fitted_pixels(box, 470, 340)(point["lon"], point["lat"])
    assert (x, y) == pytest.approx((24.9935, 64.2981), abs=0.01)


def test_a_circle_at_the_frame_is_brought_inside() -> None:
    # the United Kingdom's domestic circle (radius 14 px and its stroke) on a map whose box reaches just past it
    point = country_centroids().filter(pl.col("iso3") == "GBR").row(0, named=True)
    marks = [(point["lon"], point["lat"], 14.75)]
    box = (point["lon"] - 1, point["lat"] - 30, point["lon"] + 60, point["lat"] + 1)
    assert not _inside(box, marks, 470, 340)  # as drawn before: cut at the map's edge
    fitted = fit_marks(box, marks, 470, 340)
    assert _inside(fitted, marks, 470, 340)
    west, south, east, north = fitted
    assert west < box[0] and north >= box[3] and (south, east) == (box[1], box[2])  # the far sides stay


def test_marks_already_inside_leave_the_box_as_it_is() -> None:
    box = (90.0, 5.0, 110.0, 25.0)
    assert fit_marks(box, [(100.0, 15.0, 14.0)], 470, 340) == box


@given(
    west=st.floats(-170, 100),
    south=st.floats(-60, 40),
    span=st.tuples(st.floats(10, 60), st.floats(8, 35)),
    marks=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(2, 16)), min_size=1, max_size=6),
)
def test_every_circle_is_inside_the_frame_after_fitting(west, south, span, marks) -> None:
    box = (west, south, west + span[0], south + span[1])
    placed = [(west + u * span[0], south + v * span[1], radius) for u, v, radius in marks]
    fitted = fit_marks(box, placed, 470, 340)
    w, s, e, n = fitted
    assert w <= box[0] and s <= box[1] and e >= box[2] and n >= box[3]
    assert _inside(fitted, placed, 470, 340)


def test_the_world_view_without_marks_is_the_one_vega_lite_fits() -> None:
    import re

    import vl_convert as vlc

    fiji = country_centroids().filter(pl.col("iso3") == "FJI").row(0, named=True)
    spec = {
        "width": 470,
        "height": 235,
        "projection": {"type": "equalEarth"},
        "layer": [
            {"data": {"values": world_geojson()["features"]}, "mark": "geoshape"},
            {
                "data": {"values": [{"lon": fiji["lon"], "lat": fiji["lat"]}]},
                "mark": "circle",
                "encoding": {"longitude": {"field": "lon"}, "latitude": {"field": "lat"}},
            },
        ],
    }
    svg = vlc.vegalite_to_svg(spec)
    drawn = re.search(r'aria-roledescription="circle" transform="translate\(([-\d.e]+),([-\d.e]+)\)', svg)
    assert drawn
    scale, translate = world_view([], 470, 235)
    west, _, east, _ = world_extent()
    assert scale == pytest.approx(470 / (east - west))  # the world fills the width
    x, y = world_pixels(scale, translate)(fiji["lon"], fiji["lat"])
    assert (x, y) == pytest.approx((float(drawn[1]), float(drawn[2])), abs=0.01)


@given(
    marks=st.lists(
        st.tuples(st.floats(-180, 180), st.floats(-90, 90), st.floats(0, 20)), min_size=1, max_size=8
    ),
    size=st.sampled_from([(470, 235), (600, 300), (300, 340)]),
)
def test_every_mark_is_inside_the_world_view(marks, size) -> None:
    # Fiji's, Tonga's, Svalbard's and Antarctica's circles were cut by the world map's frame
    width, height = size
    scale, translate = world_view(marks, width, height)
    full, _ = world_view([], width, height)
    assert 0.5 * full < scale <= full  # smaller only as much as the marks need
    forward = world_pixels(scale, translate)
    for lon, lat, radius in marks:
        x, y = forward(lon, lat)
        assert -1e-6 <= x - radius and x + radius <= width + 1e-6, (lon, lat, radius, x)
        assert -1e-6 <= y - radius and y + radius <= height + 1e-6, (lon, lat, radius, y)
    # the world stays centred: as much room left and right, above and below
    west, south, east, north = world_extent()
    left, right = scale * west + translate[0], scale * east + translate[0]
    top, bottom = translate[1] - scale * north, translate[1] - scale * south
    assert left == pytest.approx(width - right) and top == pytest.approx(height - bottom)


# ------------------------------------------------------------------------------------------------ its README


def test_the_readme_lists_every_name_the_map_does_not_share_with_the_country_reference() -> None:
    # it said the map's names were the reference's: twelve are not (the short names the map keeps, "Iran")
    from evidence.sources.countries import name_of

    readme = (resources.files("evidence.presentation") / "geodata" / "README.md").read_text(encoding="utf-8")
    listed = {
        row[0]: (row[1], row[2])
        for line in readme.splitlines()
        if len(row := [cell.strip() for cell in line.strip().strip("|").split("|")]) == 3
        and len(row[0]) == 3
        and row[0].isupper()
    }
    centroids = country_centroids()
    differ = {
        iso3: (name, name_of(iso3))
        for iso3, name in centroids.select("iso3", "name").iter_rows()
        if name != name_of(iso3)
    }
    assert differ and listed == differ
    assert f"For {centroids.filter(pl.col('basis') == 'capital or main island').height} states" in readme


# ------------------------------------------------------------------------------------------ central meridian


def _centroid(iso3: str) -> tuple[float, float]:
    row = country_centroids().filter(pl.col("iso3") == iso3).row(0, named=True)
    return row["lon"], row["lat"]


def _drawn_circle(spec: dict) -> tuple[float, float]:
    import re

    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(spec)
    drawn = re.search(r'aria-roledescription="circle" transform="translate\(([-\d.e]+),([-\d.e]+)\)', svg)
    assert drawn
    return float(drawn[1]), float(drawn[2])


def _circle_on_world(projection: dict, lon: float, lat: float, width: int, height: int) -> dict:
    return {
        "width": width,
        "height": height,
        "projection": projection,
        "layer": [
            {"data": {"values": world_geojson()["features"]}, "mark": "geoshape"},
            {
                "data": {"values": [{"lon": lon, "lat": lat}]},
                "mark": "circle",
                "encoding": {"longitude": {"field": "lon"}, "latitude": {"field": "lat"}},
            },
        ],
    }


@pytest.mark.parametrize(
    ("flows", "central"),
    [
        ([("FJI", "USA")], 150.0),  # across the Pacific, not across the whole map
        ([("PHL", "USA"), ("PHL", "JPN")], 150.0),
        ([("WSM", "NZL")], 150.0),  # 17° across the antimeridian, not 343° the other way
        ([("NGA", "ITA"), ("NGA", "GBR")], 0.0),  # the same either way: Greenwich
        ([("BRA", "PRT"), ("BRA", "USA")], 0.0),  # across the Atlantic, where 150°E has its edge
        ([], 0.0),
    ],
)
def test_the_map_is_centred_where_its_flows_are_drawn_shortest(flows, central) -> None:
    spans = [(_centroid(a)[0], _centroid(b)[0]) for a, b in flows]
    assert central_meridian(spans) == central


def test_a_point_at_the_antimeridian_is_drawn_with_its_margins_on_150_east() -> None:
    # Tuvalu alone (179.2°E): its zoomed map's margins of 6° reached past 180°, and it was drawn at its edge
    tuvalu, fiji, australia = _centroid("TUV")[0], _centroid("FJI")[0], _centroid("AUS")[0]
    assert central_meridian([], [tuvalu]) == 150.0
    assert drawn_length([(fiji, australia)], 0.0) == pytest.approx(drawn_length([(fiji, australia)], 150.0))
    assert central_meridian([(fiji, australia)], [fiji, australia]) == 150.0  # alike, but a zoom cut Fiji
    assert central_meridian([], [_centroid("NZL")[0]]) == 0.0  # within 6° of 180°: no
    # on the whole world (the points too far apart for a zoom) a point at the edge is no reason to turn it
    britain = _centroid("GBR")[0]
    assert central_meridian([(fiji, britain)], [fiji, britain]) == 0.0


@given(lon=st.floats(-540, 540), central=st.sampled_from([0.0, 150.0, -75.0]))
def test_a_longitude_is_wrapped_by_whole_turns_into_the_map(lon, central) -> None:
    wrapped = wrap_longitude(lon, central)
    assert central - 180 <= wrapped <= central + 180
    turns = (wrapped - lon) / 360
    assert turns == pytest.approx(round(turns), abs=1e-9)
    if central - 180 <= lon <= central + 180:
        assert wrapped == lon


@given(lon=st.floats(-180, 180), lat=st.floats(-90, 90))
def test_a_turned_map_projects_a_point_as_d3_turns_it(lon, lat) -> None:
    assert equal_earth(lon, lat, 0.0) == equal_earth(lon, lat)
    x, y = equal_earth(lon, lat, 150.0)
    turned = lon - 150 + (360 if lon - 150 < -180 else 0)
    assert (x, y) == pytest.approx(equal_earth(turned, lat))


def test_the_turned_world_view_is_the_one_vega_lite_fits() -> None:
    # the world centred on 150°E: Vega-Lite turns the globe (d3's rotate) and cuts the outlines at 30°W; the
    # extent the view is fitted to is that of the cut outlines
    lon, lat = _centroid("USA")
    x, y = _drawn_circle(
        _circle_on_world({"type": "equalEarth", "rotate": rotation(150.0)}, lon, lat, 470, 235)
    )
    scale, translate = world_view([], 470, 235, 150.0)
    west, south, east, north = world_extent(150.0)
    assert scale == pytest.approx(min(470 / (east - west), 235 / (north - south)))
    assert world_pixels(scale, translate, 150.0)(lon, lat) == pytest.approx((x, y), abs=0.05)
    assert world_extent(150.0) != world_extent()


def test_a_turned_map_fitted_across_the_antimeridian_is_the_one_vega_lite_draws() -> None:
    # Fiji, Tonga and Samoa: a box from 170°E to 170°W, its longitudes given within 180° of 150°E
    box = (170.0, -25.0, 190.0, -10.0)
    fit = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "MultiPoint", "coordinates": [[170, -25], [190, -10], [170, -10], [190, -25]]},
    }
    lon, lat = _centroid("WSM")
    projection = {"type": "equalEarth", "rotate": rotation(150.0), "fit": fit}
    x, y = _drawn_circle(_circle_on_world(projection, wrap_longitude(lon, 150.0), lat, 470, 340))
    assert fitted_pixels(box, 470, 340, 150.0)(wrap_longitude(lon, 150.0), lat) == pytest.approx(
        (x, y), abs=0.01
    )
    assert 0 < x < 470 and 0 < y < 340


@given(
    marks=st.lists(
        st.tuples(st.floats(-30, 330), st.floats(-90, 90), st.floats(0, 20)), min_size=1, max_size=8
    ),
)
def test_every_mark_is_inside_the_turned_world_view(marks) -> None:
    scale, translate = world_view(marks, 470, 235, 150.0)
    forward = world_pixels(scale, translate, 150.0)
    for lon, lat, radius in marks:
        x, y = forward(lon, lat)
        assert -1e-6 <= x - radius and x + radius <= 470 + 1e-6, (lon, lat, radius, x)
        assert -1e-6 <= y - radius and y + radius <= 235 + 1e-6, (lon, lat, radius, y)


def test_a_circle_at_a_turned_frame_is_widened_past_180_degrees() -> None:
    # Tuvalu's circle (179.2°E) at the east edge of a map centred on 150°E: the box is widened past 180°E (the
    # map's edge is at 330°E), where on Greenwich it could not be and the circle stayed cut
    lon, lat = _centroid("TUV")
    box = (lon - 40, lat - 2, lon + 0.5, lat + 2)
    fitted = fit_marks(box, [(lon, lat, 20.0)], 470, 340, 150.0)
    x, _ = fitted_pixels(fitted, 470, 340, 150.0)(lon, lat)
    assert 20.0 <= x <= 470 - 20.0
    assert 180.0 < fitted[2] < 150.0 + 180.0 and fitted[0] == box[0]


def test_countries_without_an_outline_are_given_as_points() -> None:
    # Tuvalu's map was empty sea: it has no outline at 1:110m, and nothing drew it
    unmapped = unmapped_countries()
    assert unmapped.columns == ["iso3", "name", "lon", "lat", "at_sea"]
    outlined = {feature["properties"]["iso3"] for feature in world_geojson()["features"]}
    assert set(unmapped["iso3"].to_list()) == set(country_centroids()["iso3"].to_list()) - outlined
    tuvalu = unmapped.filter(pl.col("iso3") == "TUV").row(0, named=True)
    assert (tuvalu["name"], tuvalu["lon"], tuvalu["lat"]) == ("Tuvalu", 179.2, -8.52)
    assert {"SGP", "MLT", "TON", "WSM", "KIR"} <= set(unmapped["iso3"].to_list())
    assert not {"FJI", "THA", "NZL"} & set(unmapped["iso3"].to_list())
    # at sea, a dot; within a neighbour's outline its land is drawn already (a dot on Italy read as a town)
    at_sea = dict(zip(unmapped["iso3"].to_list(), unmapped["at_sea"].to_list(), strict=True))
    assert all(at_sea[code] for code in ("TUV", "TON", "WSM", "KIR", "MLT", "BHR", "MDV", "BRB", "FRO"))
    assert not any(at_sea[code] for code in ("SMR", "VAT", "MCO", "AND", "LIE", "GIB", "HKG"))


# ------------------------------------------------------------------ the measures of the map taken at once
#
# The map's measures (projected bounds of each polygon, the world's extent, the outlines' edges) are taken over
# all of its vertices at once (numpy) rather than polygon by polygon or vertex by vertex (Python): the same
# numbers, bit for bit. The references here are the earlier ways, kept as they were.


def _reference_vertices(coordinates):
    if coordinates and isinstance(coordinates[0], (int, float)):
        return [(float(coordinates[0]), float(coordinates[1]))]
    return [point for part in coordinates for point in _reference_vertices(part)]


def _reference_rings(coordinates):
    if coordinates and coordinates[0] and isinstance(coordinates[0][0], (int, float)):
        return [[(float(p[0]), float(p[1])) for p in coordinates]]
    return [ring for part in coordinates for ring in _reference_rings(part)]


def _geometries():
    return [(feature.get("geometry") or {}) for feature in world_geojson()["features"]]


@pytest.mark.parametrize("central", [0.0, 150.0, -30.0, 100.0])
def test_projected_bounds_are_each_polygons_projected_on_its_own(central) -> None:
    import numpy as np

    from evidence.presentation.maps import equal_earth_arrays, projected_bounds

    owners, boxes = [], []
    for index, geometry in enumerate(_geometries()):
        coordinates = geometry.get("coordinates") or []
        for polygon in [coordinates] if geometry.get("type") == "Polygon" else coordinates:
            if polygon and polygon[0]:
                points = np.array([p[:2] for p in polygon[0]], dtype=float)
                x, y = equal_earth_arrays(points[:, 0], points[:, 1], central)
                owners.append(index)
                boxes.append((x.min(), y.min(), x.max(), y.max()))
    owner, bounds = projected_bounds(central)
    assert owner.tolist() == owners
    assert bounds.dtype == np.float64 and bounds.tobytes() == np.array(boxes, dtype=float).tobytes()
    assert not owner.flags.writeable and not bounds.flags.writeable


def test_world_extent_is_that_of_each_vertex_projected_by_math() -> None:
    import numpy as np

    from evidence.presentation import maps

    points = [
        maps.equal_earth(lon, lat)
        for geometry in _geometries()
        for lon, lat in _reference_vertices(geometry.get("coordinates") or [])
    ]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    extent = maps.world_extent()
    assert extent == (min(xs), min(ys), max(xs), max(ys))
    assert all(type(value) is float for value in extent)
    # what makes it exact: numpy's projection of every vertex is within half of _NEAR of math's, so the vertex
    # reaching each extreme by math is among those numpy finds within _NEAR of it
    lons, lats = maps._all_vertices()
    assert (lons.tolist(), lats.tolist()) == ([p[0] for p in _vertex_list()], [p[1] for p in _vertex_list()])
    x, y = maps.equal_earth_arrays(lons, lats)
    assert np.abs(x - np.array(xs)).max() < maps._NEAR / 2 and np.abs(y - np.array(ys)).max() < maps._NEAR / 2


def _vertex_list():
    return [p for geometry in _geometries() for p in _reference_vertices(geometry.get("coordinates") or [])]


def test_edges_are_each_rings_closed() -> None:
    import numpy as np

    from evidence.presentation import maps

    starts, ends = [], []
    for geometry in _geometries():
        for ring in _reference_rings(geometry.get("coordinates") or []):
            points = np.array(ring, dtype=float).reshape(-1, 2)
            starts.append(points)
            ends.append(np.roll(points, -1, axis=0))
    for made, reference in zip(
        maps._edges(), (np.concatenate(starts).T, np.concatenate(ends).T), strict=True
    ):
        assert made.shape == reference.shape and made.tobytes() == reference.tobytes()


def test_a_ring_of_vertices_with_a_third_coordinate_or_of_mixed_lengths() -> None:
    from evidence.presentation.maps import _lonlat, _raw_rings

    assert _lonlat([[1, 2, 3], [4.5, 5, 6]]).tolist() == [[1.0, 2.0], [4.5, 5.0]]
    assert _lonlat([[1, 2], [4.5, 5, 6]]).tolist() == [[1.0, 2.0], [4.5, 5.0]]
    assert _raw_rings([1.0, 2.0]) == [[[1.0, 2.0]]]  # a point
    polygons = [[[[0, 0], [1, 0], [0, 1]], []], [[[5, 5], [6, 5], [5, 6]]]]
    assert _raw_rings(polygons) == [polygons[0][0], polygons[1][0]]
    assert _raw_rings([]) == [] and _raw_rings([[]]) == []
