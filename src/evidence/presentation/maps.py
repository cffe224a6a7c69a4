"""The world map shipped with the package: Natural Earth 1:110m admin-0 countries, keyed by ISO3.

Where the data come from, their licence (public domain) and how Natural Earth's ``-99`` codes are fixed
(France, Norway, Kosovo = XKX, Somaliland and N. Cyprus dissolved into Somalia and Cyprus) is in
``geodata/README.md``; ``scripts/build_natural_earth.py`` rebuilds the files from the pyogrio wheel.

geopandas is imported only by :func:`load_world`; charts use :func:`world_geojson` and
:func:`country_centroids`, which need nothing but the standard library and polars.
"""

from __future__ import annotations

import dataclasses
import json
import math
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

if TYPE_CHECKING:
    import geopandas

__all__ = [
    "BOUNDARIES_CREDIT",
    "CENTRAL_MERIDIANS",
    "Box",
    "MapLabel",
    "PlacedLabel",
    "boxes_array",
    "central_meridian",
    "country_bounds",
    "country_centroids",
    "covered_area",
    "drawn_length",
    "equal_earth",
    "equal_earth_arrays",
    "fit_marks",
    "fitted_pixels",
    "fitted_view",
    "label_size",
    "latitude_at",
    "legend_steps",
    "load_world",
    "place_labels",
    "projected_bounds",
    "rotation",
    "text_width",
    "unmapped_countries",
    "world_extent",
    "world_features",
    "world_fit_points",
    "world_geojson",
    "world_pixels",
    "world_view",
    "wrap_longitude",
]

#: Credit line for charts that draw the shipped boundaries.
BOUNDARIES_CREDIT = "Boundaries: Natural Earth (public domain)"

_WORLD = "world_110m.geojson"
#: The same countries with fewer vertices, for maps of the whole world or of a large region (geodata/README.md).
_WORLD_COARSE = "world_110m_coarse.geojson"
_CENTROIDS = "centroids.csv"


def _geodata(name: str) -> bytes:
    return (resources.files("evidence.presentation") / "geodata" / name).read_bytes()


@cache
def _world_text(coarse: bool = False) -> str:
    return _geodata(_WORLD_COARSE if coarse else _WORLD).decode("utf-8")


def world_geojson(*, coarse: bool = False) -> dict[str, Any]:
    """The world map as a GeoJSON FeatureCollection (a fresh copy; properties ``iso3`` and ``name``).

    ``coarse``: its world-scale layer, the same features in the same order with about 60% of the vertices (the
    borders simplified once for both neighbours, each polygon kept), for a map on which the vertices left out
    lie closer together than a pixel or two (the whole world, a continent): Vega-Lite drew them at a cost
    (half the time of drawing a world map) and nobody saw them. Everything measured on the map here (bounds,
    centroids, what is land) is measured on the full one."""
    return json.loads(_world_text(coarse))


@cache
def world_features(*, coarse: bool = False) -> tuple[dict[str, Any], ...]:
    """The world map's features (of its world-scale layer when ``coarse``), read once per process and shared
    by what is measured on them here and by the charts that draw them: never change them (take
    :func:`world_geojson` for a copy of your own)."""
    return tuple(world_geojson(coarse=coarse)["features"])


def _features() -> tuple[dict[str, Any], ...]:
    """The full world map's features, as everything measured here is measured on the full one."""
    return world_features()


def load_world() -> geopandas.GeoDataFrame:
    """The world map as a GeoDataFrame: ``iso3``, ``name``, ``geometry`` (EPSG:4326), one row per ISO3."""
    import geopandas

    world = geopandas.GeoDataFrame.from_features(world_geojson()["features"], crs="EPSG:4326")
    return world[["iso3", "name", "geometry"]]


@cache
def _centroids() -> pl.DataFrame:
    schema = {"iso3": pl.String, "name": pl.String, "lon": pl.Float64, "lat": pl.Float64, "basis": pl.String}
    return pl.read_csv(_geodata(_CENTROIDS), schema=schema)


def country_centroids() -> pl.DataFrame:
    """One point per country for flow maps: ``iso3, name, lon, lat, basis``.

    ``basis`` says where the point comes from: "main polygon" (the centroid of the country's main landmass
    on the shipped map, the one with the capital) or "capital or main island" (states too small for the
    1:110m map, e.g. Singapore).
    """
    return _centroids().clone()


@cache
def _unmapped() -> pl.DataFrame:
    drawn = {(feature.get("properties") or {}).get("iso3") for feature in _features()}
    points = _centroids().filter(~pl.col("iso3").is_in(sorted(code for code in drawn if code))).drop("basis")
    at_sea = [not _on_land(lon, lat) for lon, lat in points.select("lon", "lat").iter_rows()]
    return points.with_columns(pl.Series("at_sea", at_sea, dtype=pl.Boolean))


def unmapped_countries() -> pl.DataFrame:
    """The countries the shipped map has no outline of, too small for 1:110m (Tuvalu, Singapore, Malta...), each
    as the point of :func:`country_centroids` (its capital or main island): ``iso3, name, lon, lat, at_sea``.
    ``at_sea`` is false where the point lies within another country's outline on the map (San Marino in Italy,
    Monaco in France, Hong Kong in China: their land is drawn, under their neighbour's name). A map draws those
    at sea as dots: a map of Tuvalu's flows, which the map does not draw, was empty sea."""
    return _unmapped().clone()


def _on_land(lon: float, lat: float) -> bool:
    """Whether a point lies within an outline of the shipped map (an odd number of its edges crossed by a ray
    from it eastwards means inside; holes are not land)."""
    for (west, south, east, north), rings in _polygons():
        if not (west <= lon <= east and south <= lat <= north):
            continue
        inside = False
        for ring in rings:
            for a, b in zip(ring, ring[1:] + ring[:1], strict=True):  # indexed: see _ring_area
                if (a[1] > lat) != (b[1] > lat) and lon < a[0] + (lat - a[1]) * (b[0] - a[0]) / (b[1] - a[1]):
                    inside = not inside
        if inside:
            return True
    return False


@cache
def _polygons() -> tuple[tuple[tuple[float, float, float, float], list[Any]], ...]:
    """Each polygon of the shipped map: its box (west, south, east, north of its outer ring) and its rings."""
    out = []
    for feature in _features():
        geometry = feature.get("geometry") or {}
        coordinates = geometry.get("coordinates") or []
        for polygon in [coordinates] if geometry.get("type") == "Polygon" else coordinates:
            if polygon and polygon[0]:
                lons, lats = [p[0] for p in polygon[0]], [p[1] for p in polygon[0]]
                out.append(((min(lons), min(lats), max(lons), max(lats)), polygon))
    return tuple(out)


def _ring_area(ring: list[list[float]]) -> float:
    """The area of a ring in square degrees (shoelace), to tell a country's main part from its islands."""
    # indexed, not unpacked as (x1, y1, *_): that made a list of each vertex's rest for the collector to walk
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:] + ring[:1]))) / 2


@cache
def _bounds() -> dict[str, tuple[float, float, float, float]]:
    out = {}
    for feature in _features():
        geometry, iso3 = feature.get("geometry"), (feature.get("properties") or {}).get("iso3")
        if not geometry or not iso3:
            continue
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        polygons = [p for p in polygons if p and p[0]]
        if not polygons:
            continue
        main = max(polygons, key=lambda polygon: _ring_area(polygon[0]))[0]
        lons, lats = [float(p[0]) for p in main], [float(p[1]) for p in main]
        out[iso3] = (min(lons), min(lats), max(lons), max(lats))
    return out


def country_bounds(iso3: str) -> tuple[float, float, float, float] | None:
    """West, south, east and north (degrees) of a country's main part on the shipped map (its largest polygon:
    the contiguous United States, not Alaska or Hawaii; metropolitan France, not French Guiana); None for a
    country the 1:110m map does not draw (e.g. Singapore)."""
    return _bounds().get(iso3)


# ------------------------------------------------------------------------------------------- label placement
#
# Vega-Lite places a text mark where it is told and has no collision avoidance: the names of neighbouring
# countries on a zoomed map (Myanmar, Lao PDR, Viet Nam around Thailand) were written over one another. Labels
# are placed here instead, in the map's pixels, before the chart is built.

# Advance widths (1/1000 em) of Helvetica and Helvetica-Bold (Adobe's AFM files), which Liberation Sans and
# Arial, the charts' fonts, share: for ASCII from the space (32) to the tilde (126).
_HELVETICA = (
    "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 "
    "278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 722 667 "
    "611 722 667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 556 278 556 556 222 222 500 222 833 "
    "556 556 556 556 333 500 278 556 500 722 500 500 500 334 260 334 584"
)
_HELVETICA_BOLD = (
    "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 "
    "333 333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 611 833 722 778 667 778 722 667 "
    "611 722 667 944 667 667 611 333 278 333 584 556 333 556 611 556 611 556 333 611 611 278 278 556 278 889 "
    "611 611 611 611 389 556 333 611 556 778 556 556 500 389 280 389 584"
)
_WIDTHS = {
    False: dict(zip(map(chr, range(32, 127)), map(int, _HELVETICA.split()), strict=True)),
    True: dict(zip(map(chr, range(32, 127)), map(int, _HELVETICA_BOLD.split()), strict=True)),
}
#: Text is measured a little wide: another sans-serif (DejaVu Sans, wider) may stand in for the charts' fonts.
_WIDTH_MARGIN = 1.08


def text_width(text: str, size: float = 11, *, bold: bool = False) -> float:
    """An estimate of the width in pixels of ``text`` set at ``size`` pixels in the charts' font (a little
    generous). An accented letter counts as its base letter; any other character outside ASCII as an ``M``."""
    widths = _WIDTHS[bold]
    total = 0
    for char in text:
        base = unicodedata.normalize("NFD", char)[:1]
        total += widths.get(char) or widths.get(base) or widths["M"]
    return total / 1000 * size * _WIDTH_MARGIN


#: What a label's halo (a white stroke 3 px wide) adds on each side, and the height of a line of text.
_HALO = 1.5
_LINE_HEIGHT = 1.2


def label_size(text: str, size: float = 11, *, bold: bool = False) -> tuple[float, float]:
    """Width and height in pixels of the box a map label takes, halo included."""
    return text_width(text, size, bold=bold) + 2 * _HALO, size * _LINE_HEIGHT + 2 * _HALO


@dataclasses.dataclass(frozen=True)
class Box:
    """A rectangle in pixels: left, top, right, bottom (y grows downwards)."""

    left: float
    top: float
    right: float
    bottom: float

    def overlap(self, other: Box) -> float:
        """The area the two boxes share (0 when they only touch)."""
        width = min(self.right, other.right) - max(self.left, other.left)
        height = min(self.bottom, other.bottom) - max(self.top, other.top)
        return width * height if width > 0 and height > 0 else 0.0

    def inside(self, width: float, height: float) -> bool:
        return self.left >= 0 and self.top >= 0 and self.right <= width and self.bottom <= height


def boxes_array(boxes: Sequence[Box]) -> np.ndarray:
    """Boxes as an array of rows left, top, right, bottom (for :func:`covered_area`)."""
    return np.array([(b.left, b.top, b.right, b.bottom) for b in boxes], dtype=float).reshape(-1, 4)


def covered_area(box: Box, boxes: np.ndarray) -> float:
    """The area ``box`` shares with each of ``boxes`` (:func:`boxes_array`), summed: :meth:`Box.overlap` at
    once over thousands (a flow map's lines are avoided as boxes a few pixels apart)."""
    width = np.minimum(box.right, boxes[:, 2]) - np.maximum(box.left, boxes[:, 0])
    height = np.minimum(box.bottom, boxes[:, 3]) - np.maximum(box.top, boxes[:, 1])
    return float(np.where((width > 0) & (height > 0), width * height, 0.0).sum())


#: The most obstacles whose covered areas :func:`place_labels` asks of several positions at once.
_AT_ONCE = 1000


def _covered_areas(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """:func:`covered_area` of each of ``boxes`` (rows of :func:`boxes_array`) at once: the same operations on
    each pair, each row summed as one box's sum is."""
    width = np.minimum(boxes[:, 2:3], others[:, 2]) - np.maximum(boxes[:, 0:1], others[:, 0])
    height = np.minimum(boxes[:, 3:4], others[:, 3]) - np.maximum(boxes[:, 1:2], others[:, 1])
    return np.where((width > 0) & (height > 0), width * height, 0.0).sum(axis=1)


def _room(boxes: np.ndarray, taken: np.ndarray, width: float, height: float) -> list[bool]:
    """Of each of ``boxes``: whether it is inside a map of ``width`` × ``height`` (:meth:`Box.inside`) and
    shares no area with any of ``taken`` (:meth:`Box.overlap`, the same operations on each pair)."""
    inside = (boxes[:, 0] >= 0) & (boxes[:, 1] >= 0) & (boxes[:, 2] <= width) & (boxes[:, 3] <= height)
    across = np.minimum(boxes[:, 2:3], taken[:, 2]) - np.maximum(boxes[:, 0:1], taken[:, 0])
    down = np.minimum(boxes[:, 3:4], taken[:, 3]) - np.maximum(boxes[:, 1:2], taken[:, 1])
    overlaps = ((across > 0) & (down > 0) & (across * down > 0)).any(axis=1)
    return (inside & ~overlaps).tolist()


@dataclasses.dataclass(frozen=True)
class MapLabel:
    """A name to write beside a point of a map (``x``, ``y`` in the map's pixels)."""

    key: str
    text: str
    x: float
    y: float
    bold: bool = False
    size: float = 11


@dataclasses.dataclass(frozen=True)
class PlacedLabel:
    """A label where it is written: the centre of its text (``x``, ``y``) and its box."""

    label: MapLabel
    x: float
    y: float
    box: Box


#: Pixels between a point and its label.
_GAP = 3.0

# Where a label may sit around its point, in order of preference: above (as the labels were written before),
# right, below, left, then the corners. Each is (horizontal, vertical) in half-widths and half-heights of the
# box, plus the gap.
_POSITIONS = ((0, -1), (1, 0), (0, 1), (-1, 0), (1, -1), (-1, -1), (1, 1), (-1, 1))


# Where else a label may sit when each of those covers a line (Nigeria's routes map: names of Europe's countries
# written over the lines from Nigeria that pass them): the positions above and below slid sideways by a quarter of
# the text's width, then each position a little farther out. Each is (horizontal, vertical, pixels farther).
_FARTHER = (
    *((sx, sy, 0.0) for sy in (-1, 1) for sx in (0.5, -0.5)),
    *((sx, sy, gap) for gap in (5.0, 10.0) for sx, sy in _POSITIONS),
)
_ALL_POSITIONS = (*((sx, sy, 0.0) for sx, sy in _POSITIONS), *_FARTHER)
#: What a position of :data:`_FARTHER` costs, in square pixels of a line covered: one is taken where it covers
#: less of the lines than the nearer positions by more than this.
_FARTHER_COST = 12.0


def _candidates(label: MapLabel) -> list[tuple[float, float, Box]]:
    width, height = label_size(label.text, label.size, bold=label.bold)
    out = []
    for sx, sy, extra in _ALL_POSITIONS:
        x = label.x + sx * (width / 2 + _GAP) + (extra if sx > 0 else -extra if sx < 0 else 0.0)
        y = label.y + sy * (height / 2 + _GAP) + (extra if sy > 0 else -extra if sy < 0 else 0.0)
        out.append((x, y, Box(x - width / 2, y - height / 2, x + width / 2, y + height / 2)))
    return out


def place_labels(
    labels: Sequence[MapLabel], width: float, height: float, *, obstacles: Sequence[Box] = ()
) -> tuple[list[PlacedLabel], list[MapLabel]]:
    """Labels placed without overlap inside a map of ``width`` × ``height`` pixels, and those that found no
    room (to be named elsewhere: beside the map or under it).

    Greedy, in the order given (the most important first): each label takes the first position around its
    point (:data:`_POSITIONS`) that overlaps no label placed before it and stays inside the map, preferring
    among those the one that covers least of the ``obstacles`` (marks best left visible, e.g. the other
    labelled points, a flow's lines); a position slid sideways or a few pixels farther out (:data:`_FARTHER`)
    where it covers less by more than :data:`_FARTHER_COST`, or where no nearer one has room. A label with no
    such position is dropped, never written over another.
    """
    points = boxes_array([Box(label.x - 2, label.y - 2, label.x + 2, label.y + 2) for label in labels])
    fixed = boxes_array(obstacles)
    placed: list[PlacedLabel] = []
    taken = np.empty((len(labels), 4))  # the boxes of the labels placed: rows 0 to len(placed)
    dropped: list[MapLabel] = []
    near = len(_POSITIONS)
    for index, label in enumerate(labels):
        avoid = np.concatenate([fixed, np.delete(points, index, axis=0)])
        candidates = _candidates(label)
        boxes = boxes_array([box for _, _, box in candidates])
        # the positions inside the map and overlapping no label placed, and what each covers of the obstacles:
        # asked of the nearer positions at once, then of the farther ones where they may be taken
        room = _room(boxes, taken[: len(placed)], width, height)
        best: tuple[float, int, float, float, Box] | None = None
        for first, last in ((0, near), (near, len(candidates))):
            if first == near and best is not None and best[0] <= _FARTHER_COST:
                break  # no position farther out can cover less by more than it costs
            ranks = [rank for rank in range(first, last) if room[rank]]
            # at once where the obstacles are few; one by one where they are many (a flow map's lines: the
            # arrays of all positions at once outgrow the processor's caches, and take longer)
            if len(avoid) <= _AT_ONCE:
                covered = _covered_areas(boxes[ranks], avoid).tolist()
            else:
                covered = [covered_area(candidates[rank][2], avoid) for rank in ranks]
            for rank, area in zip(ranks, covered, strict=True):
                x, y, box = candidates[rank]
                cost = area + (_FARTHER_COST if rank >= near else 0.0)
                if best is None or (cost, rank) < best[:2]:
                    best = (cost, rank, x, y, box)
        if best is None:
            dropped.append(label)
        else:
            taken[len(placed)] = (best[4].left, best[4].top, best[4].right, best[4].bottom)
            placed.append(PlacedLabel(label, best[2], best[3], best[4]))
    return placed, dropped


# ------------------------------------------------------------------------------------------------ legends
#
# The flow map's legend showed 20 and 10 beside a single flow of 40 (its steps were a round number below the
# largest, its half and its tenth, whatever was drawn): a legend shows round numbers within what the map draws.

#: Round numbers are these times a power of ten (1, 1.5, 2, 2.5, 3 … 9; 10, 15, 20, 25, 30 … 90; …).
_ROUND = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9)


def _round_numbers(largest: float) -> list[int]:
    """The round whole numbers from 1 up to the first one above ``largest``, in increasing order."""
    out: list[int] = []
    power = 1
    while not out or out[-1] <= largest:
        out += [int(m * power) for m in _ROUND if float(m * power).is_integer()]
        power *= 10
    return sorted(set(out))


def legend_steps(values: Sequence[float], least: float = 1) -> list[int]:
    """Up to three round numbers, the largest first, for the legend of marks sized by ``values`` (the flows of
    a flow map): each within the range the map draws — from its smallest value (or ``least``, the disclosure
    threshold, when that is larger: a smaller number in a legend of counts reads as a count published) to its
    largest. The first is the largest round number not above the largest value (40 for a single flow of 40, not
    20 and 10); the last about a tenth of it or the smallest value, whichever is larger; one between them where
    it differs from both. Where no round number falls within the range (a single flow of 47), the largest value
    itself (rounded down to a whole number); none where every value is below ``least``.
    """
    drawn = [float(v) for v in values if v is not None and math.isfinite(float(v)) and float(v) > 0]
    if not drawn:
        return []
    largest, low = max(drawn), max(min(drawn), float(least), 1.0)
    if largest < low:
        return []
    numbers = _round_numbers(largest)
    top = max(n for n in numbers if n <= largest)
    if top < low:
        whole = math.floor(largest)
        return [whole] if whole >= max(least, 1) else []
    bottom = min(n for n in numbers if n >= max(low, top / 10))
    if bottom >= top:
        return [top]
    middle = max(n for n in numbers if n <= (top + bottom) / 2)
    return [top, middle, bottom] if bottom < middle < top else [top, bottom]


# -------------------------------------------------------------------------------------------- map geometry
#
# Where a zoomed map (Vega-Lite's Equal Earth fitted to a box of longitudes and latitudes, as d3's fitSize
# does) draws a point, and how far the box must be widened for marks drawn at a size in pixels (a domestic
# flow's circle) to be seen whole.

_EE = (1.340264, -0.081106, 0.000893, 0.003796)
_EE_M = math.sqrt(3) / 2


def equal_earth(lon: float, lat: float, central: float = 0.0) -> tuple[float, float]:
    """Equal Earth x and y (radians of the unit sphere, y up) of a point in degrees, as d3-geo's
    geoEqualEarthRaw computes them; on a map whose ``central`` meridian is not Greenwich, of the point turned
    as d3's ``rotate`` turns it (:func:`rotation`): its longitude less the central one, within ±180°."""
    if central:
        lon = _turned(lon - central)
    a1, a2, a3, a4 = _EE
    theta = math.asin(_EE_M * math.sin(math.radians(lat)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = math.radians(lon) * math.cos(theta) / (_EE_M * (a1 + 3 * a2 * t2 + t6 * (7 * a3 + 9 * a4 * t2)))
    return x, theta * (a1 + a2 * t2 + t6 * (a3 + a4 * t2))


def _turned(lon: float) -> float:
    """A longitude difference within ±180°, as d3's rotation wraps it (one turn at most is added)."""
    return lon - 360.0 if lon > 180.0 else lon + 360.0 if lon < -180.0 else lon


# ------------------------------------------------------------------------------------------ central meridian
#
# A map centred on Greenwich cuts the world at 180°: a flow from Fiji to the United States or from the Philippines
# to the Pacific's other side crossed the whole map the long way, and a zoomed map of Fiji, Tuvalu and Samoa was
# the world's width. Such a map is drawn on 150°E instead, as maps of Asia and the Pacific are, its edge in the
# Atlantic: Vega-Lite turns the globe (d3's ``rotate``) and cuts each country's outline at the new edge itself.

#: The central meridians a flow map is drawn on: Greenwich (its edge, the antimeridian, through the Pacific) or
#: 150°E (its edge at 30°W, through the Atlantic), the first where both draw the flows alike.
CENTRAL_MERIDIANS = (0.0, 150.0)


def wrap_longitude(lon: float, central: float = 0.0) -> float:
    """``lon`` moved by a whole turn into the map centred on ``central`` (within 180° of it), where a mark at it
    is drawn; itself when it already is (a point on the edge stays on its side)."""
    if central - 180.0 <= lon <= central + 180.0:
        return lon
    return (lon - central + 180.0) % 360.0 - 180.0 + central


def drawn_length(spans: Sequence[tuple[float, float]], central: float = 0.0) -> float:
    """Degrees of longitude the ``spans`` (pairs of longitudes: a flow's ends, a point's margins) cross on a map
    centred on ``central``, each drawn between its ends' places on that map (never across its edge)."""
    return sum(abs(wrap_longitude(b, central) - wrap_longitude(a, central)) for a, b in spans)


def central_meridian(
    spans: Sequence[tuple[float, float]],
    points: Sequence[float] = (),
    *,
    margin: float = 6.0,
    widest: float = 150.0,
    least_saving: float = 0.25,
) -> float:
    """The central meridian (:data:`CENTRAL_MERIDIANS`, Greenwich first) on which the flows ``spans`` (their ends'
    longitudes) are drawn shortest (:func:`drawn_length`): Greenwich unless a flow crosses its edge, 180°, and
    is shorter on 150°E (Fiji to the United States: 84° of longitude across the Pacific, not 276° across the
    map). Where the flows are drawn alike on both, the map a zoom would show decides: the longitudes of the
    ``points`` it shows, with ``margin`` degrees around them, cross Greenwich's edge (Tuvalu, at 179.2°E, was
    drawn at the edge of its map, or on the world's) and are within ``widest`` degrees of one another on 150°E
    (else the map is the world's, where Greenwich puts no flow across its edge).

    Another meridian must draw the flows at least ``least_saving`` (a fraction) shorter than Greenwich: the maps
    readers know are centred on Greenwich, and a world map of Thailand's victims turned to 150°E for the one
    line to the United States (5% shorter) put Europe, where most of its lines go, at the map's edge.
    """
    greenwich = drawn_length(spans, CENTRAL_MERIDIANS[0])
    best, shortest = CENTRAL_MERIDIANS[0], greenwich * (1.0 - least_saving)
    for central in CENTRAL_MERIDIANS[1:]:
        length = drawn_length(spans, central)
        if length < shortest - 1e-9:
            best, shortest = central, length
    if best != CENTRAL_MERIDIANS[0] or not points or max(abs(lon) for lon in points) + margin <= 180.0:
        return best
    for central in CENTRAL_MERIDIANS[1:]:
        if drawn_length(spans, central) > greenwich + 1e-9:
            continue
        placed = [wrap_longitude(lon, central) for lon in points]
        if max(placed) - min(placed) <= widest and all(
            abs(lon - central) + margin <= 180.0 for lon in placed
        ):
            return central
    return best


def rotation(central: float) -> list[float]:
    """Vega-Lite's ``rotate`` (d3's) of a map centred on ``central``."""
    return [-central, 0.0, 0.0]


#: West, south, east and north of a box of longitudes and latitudes (degrees).
LonLatBox = tuple[float, float, float, float]


def _corners(box: LonLatBox) -> list[tuple[float, float]]:
    west, south, east, north = box
    return [(west, south), (east, north), (west, north), (east, south)]


def fitted_pixels(
    box: LonLatBox, width: float, height: float, central: float = 0.0
) -> Callable[[float, float], tuple[float, float]]:
    """Where an Equal Earth map of ``width`` × ``height`` pixels fitted to ``box`` draws a longitude and latitude
    (x right, y down): the box's four corners, projected, are scaled to fill the view in one direction and
    centred in the other (d3's fitSize on the MultiPoint of the corners, which is what the flow map's
    projection asks Vega-Lite for), on a map centred on ``central``."""
    return world_pixels(*fitted_view(_corners(box), width, height, central), central)


def fitted_view(
    points: Sequence[tuple[float, float]], width: float, height: float, central: float = 0.0
) -> tuple[float, tuple[float, float]]:
    """Scale and translate of an Equal Earth map of ``width`` × ``height`` pixels fitted to ``points``
    (longitude, latitude): projected, they fill the view in one direction and are centred in the other (d3's
    fitSize on their MultiPoint), on a map centred on ``central``."""
    projected = [equal_earth(lon, lat, central) for lon, lat in points]
    west, east = min(p[0] for p in projected), max(p[0] for p in projected)
    south, north = min(p[1] for p in projected), max(p[1] for p in projected)
    scale = min(width / (east - west), height / (north - south))
    return scale, ((width - scale * (east + west)) / 2, (height + scale * (north + south)) / 2)


def latitude_at(y: float) -> float:
    """The latitude (degrees) whose Equal Earth y is ``y`` (y grows with latitude: bisection)."""
    low, high = -90.0, 90.0
    for _ in range(60):
        middle = (low + high) / 2
        if equal_earth(0.0, middle)[1] < y:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _outside(
    forward: Callable[[float, float], tuple[float, float]],
    mark: tuple[float, float, float],
    width: float,
    height: float,
) -> bool:
    x, y = forward(mark[0], mark[1])
    radius = mark[2]
    return x - radius < 0 or y - radius < 0 or x + radius > width or y + radius > height


def _containing(
    box: LonLatBox, marks: Sequence[tuple[float, float, float]], width: float, height: float, central: float
) -> LonLatBox:
    """The box widened until its projection holds each mark whole (its radius and a pixel more, at the scale
    the widened box is drawn at: found by iterating, as widening shrinks the scale)."""
    corners = [equal_earth(lon, lat, central) for lon, lat in _corners(box)]
    x0, x1 = min(p[0] for p in corners), max(p[0] for p in corners)
    y0, y1 = min(p[1] for p in corners), max(p[1] for p in corners)
    points = [(*equal_earth(lon, lat, central), radius + 1.0) for lon, lat, radius in marks]
    scale = min(width / (x1 - x0), height / (y1 - y0))
    for _ in range(200):
        left = min([x0, *(x - r / scale for x, _, r in points)])
        right = max([x1, *(x + r / scale for x, _, r in points)])
        bottom = min([y0, *(y - r / scale for _, y, r in points)])
        top = max([y1, *(y + r / scale for _, y, r in points)])
        new = min(width / (right - left), height / (top - bottom))
        if new >= scale * (1 - 1e-12):
            break
        scale = new
    # a side no mark crosses stays where it is (taken back from the projection, it would move by rounding)
    south = box[1] if bottom >= y0 else max(latitude_at(bottom), -85.0)
    north = box[3] if top <= y1 else min(latitude_at(top), 85.0)
    # x is the longitude times a factor that falls away from the equator: the corners' extreme x is at the
    # latitude nearest the equator for a longitude on the far side of the central meridian, else the farthest
    factors = [equal_earth(1.0, lat)[0] for lat in (south, north)]
    near, far = max(factors), min(factors)
    west = (
        box[0]
        if left >= x0
        else max(min(box[0], _from(left / (near if left < 0 else far), central)), central - 180)
    )
    east = (
        box[2]
        if right <= x1
        else min(max(box[2], _from(right / (near if right > 0 else far), central)), central + 180)
    )
    return west, south, east, north


def _from(lon: float, central: float) -> float:
    """A longitude measured from the ``central`` meridian, measured from Greenwich."""
    return lon + central if central else lon


def fit_marks(
    box: LonLatBox,
    marks: Sequence[tuple[float, float, float]],
    width: float,
    height: float,
    central: float = 0.0,
) -> LonLatBox:
    """``box`` widened, where it must be, so that each mark (longitude, latitude, radius in pixels: a domestic
    flow's circle, its stroke included) is drawn whole inside a map of ``width`` × ``height`` pixels fitted to it
    (:func:`fitted_pixels`); ``box`` itself when they are. Only the marks that cross the view's edge widen it
    (a view is wider than its box in one direction, where a mark may already be seen whole). Longitudes stay
    within 180° of the ``central`` meridian (the box's and the marks' are given so, :func:`wrap_longitude`) and
    latitudes within ±85: a mark against the world's edge may stay cut.
    """
    current, crossing = box, []
    for _ in range(len(marks) + 8):
        forward = fitted_pixels(current, width, height, central)
        out = [mark for mark in marks if _outside(forward, mark, width, height)]
        if not out:
            break
        crossing += [mark for mark in out if mark not in crossing]
        current = _containing(current, crossing, width, height, central)
    return current


# ------------------------------------------------------------------------------------------------ world view
#
# On the whole world, Fiji's, Tonga's, Samoa's and Tuvalu's circles (at the antimeridian) and Greenland's,
# Svalbard's and Antarctica's (at the poles) reached past the map's frame and were cut (34 of 1,500 maps): a
# zoomed map is widened for them (fit_marks), the world cannot be widened past ±180°. It is drawn smaller
# instead, about its centre, just enough for every mark to be whole.


@cache
def world_extent(central: float = 0.0) -> tuple[float, float, float, float]:
    """Equal Earth x and y extremes (west, south, east, north; radians of the unit sphere, y up) of every point
    of the shipped map: what Vega-Lite fits a world map to. On a map centred on another ``central`` meridian,
    of the outlines as d3 cuts them at that map's edge (:func:`_cut_points`)."""
    if central:
        lons, lats = _cut_points(central)
        cut_x = _equal_earth_x(lons - central, lats)
        south, north = (equal_earth(0.0, float(lat))[1] for lat in (lats.min(), lats.max()))
        return float(cut_x.min()), south, float(cut_x.max()), north
    # Each extreme is :func:`equal_earth`'s (math's sine and arcsine, as Vega's d3 computes them) of the vertex
    # that reaches it. numpy projects all ~10,000 vertices at once (a tenth of the time of projecting them one
    # by one) but its vectorised sine and arcsine may differ from math's in the last bits: it only finds the
    # few vertices within a hair of each extreme, and those are projected again by math, which decides.
    lons, lats = _all_vertices()
    near: list[int] = []
    for values in equal_earth_arrays(lons, lats):
        near += np.flatnonzero((values <= values.min() + _NEAR) | (values >= values.max() - _NEAR)).tolist()
    points = [equal_earth(float(lons[i]), float(lats[i])) for i in sorted(set(near))]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return min(xs), min(ys), max(xs), max(ys)


@cache
def world_fit_points(*, coarse: bool = False) -> tuple[tuple[float, float], ...]:
    """The vertices of the world's outlines (of its world-scale layer when ``coarse``) at their Equal Earth
    extremes (west, south, east, north; Greenwich in the middle), as they are in the file: a map of the whole
    world fitted to these points (Vega-Lite's ``fit``) gets the same scale and translate, to the last bit, as one
    fitted to every outline, since d3 fits to the extremes of what it projects and these are among the outlines'
    points, projected as they are (the map's edge and its poles are vertices of the shipped map: Fiji's at
    ±180°, Antarctica's at -90°). Fitted to all the outlines, Vega projected the world once more before
    drawing it (a quarter of the time a world map took to draw). A point within a hair of an extreme is kept
    too: one not quite at it changes nothing."""
    features = world_features(coarse=coarse)
    points = np.array(
        [
            vertex[:2]
            for feature in features
            for ring in _raw_rings((feature.get("geometry") or {}).get("coordinates") or [])
            for vertex in ring
        ],
        dtype=float,
    ).reshape(-1, 2)
    near = np.zeros(len(points), dtype=bool)
    for values in equal_earth_arrays(points[:, 0], points[:, 1]):
        near |= (values <= values.min() + _NEAR) | (values >= values.max() - _NEAR)
    return tuple(sorted({(float(lon), float(lat)) for lon, lat in points[near]}))


#: How close (radians of the unit sphere) to an extreme numpy's projection of a vertex must be for math's to be
#: taken for it (:func:`world_extent`): the two differ by a few units in the last place (~1e-16), this is a
#: million times that.
_NEAR = 1e-10


def _lonlat(ring: list[Any]) -> np.ndarray:
    """A ring's vertices as rows longitude, latitude (any further coordinate left out): made by numpy from the
    lists as they are (a list of the first two of each vertex made ~10,000 lists for the collector to walk)."""
    try:
        return np.array(ring, dtype=float).reshape(len(ring), -1)[:, :2]
    except ValueError:  # vertices of different lengths
        return np.array([p[:2] for p in ring], dtype=float).reshape(-1, 2)


@cache
def _all_vertices() -> tuple[np.ndarray, np.ndarray]:
    """The longitude and latitude of every vertex of the shipped map (each ring's, :func:`_raw_rings`)."""
    _, lons, lats = _all_rings()
    return lons, lats


@cache
def _all_rings() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every ring of the shipped map (:func:`_raw_rings` of each feature, in order): where each starts, and the
    longitude and latitude of the vertices of them all, ring after ring (none to be changed)."""
    rings = [
        _lonlat(ring)
        for feature in _features()
        for ring in _raw_rings((feature.get("geometry") or {}).get("coordinates") or [])
    ]
    lengths = np.array([len(ring) for ring in rings], dtype=np.intp)
    starts = np.cumsum(lengths) - lengths
    lonlat = np.concatenate(rings) if rings else np.empty((0, 2))
    arrays = (starts, lonlat[:, 0], lonlat[:, 1])
    for array in arrays:
        array.flags.writeable = False
    return arrays


def _raw_rings(coordinates: Any) -> list[list[Any]]:
    """The rings of a geometry's coordinates, as lists of vertices as the file has them (a point's: one ring of
    it); depth first, empty rings left out."""
    if not coordinates:
        return []
    if isinstance(coordinates[0], (int, float)):
        return [[coordinates]]
    if coordinates[0] and isinstance(coordinates[0][0], (int, float)):
        return [coordinates]
    return [ring for part in coordinates for ring in _raw_rings(part)]


@cache
def _edges() -> tuple[np.ndarray, np.ndarray]:
    """Every edge of the shipped map's outlines: the longitude and latitude of its start and of its end (rows
    lon, lat; columns one per edge), each ring closed."""
    starts, lons, lats = _all_rings()
    following = np.arange(1, len(lons) + 1)  # each vertex's next one, the ring's first after its last
    last = np.append(starts[1:], len(lons))[: len(starts)] - 1  # each ring's last vertex
    following[last] = starts
    return np.vstack([lons, lats]), np.vstack([lons[following], lats[following]])


def _cut_points(central: float) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes (within 180° of ``central``) and latitudes of every point of the shipped map's outlines as a map
    centred on ``central`` draws them: each vertex, and where an edge crosses the map's edge (the meridian
    opposite ``central``), the point there on both sides (d3 cuts the outline and follows the edge; the
    crossing is interpolated along the edge in longitude and latitude, within a hair of d3's great circle at
    1:110m)."""
    (lon_a, lat_a), (lon_b, lat_b) = _edges()
    a, b = _turned_array(lon_a - central), _turned_array(lon_b - central)
    crossing = np.abs(b - a) > 180.0  # the short way between them crosses the edge
    a, b, lat_a, lat_b = a[crossing], b[crossing], lat_a[crossing], lat_b[crossing]
    side = np.where(a > 0, 180.0, -180.0)
    lat = lat_a + (lat_b - lat_a) * (side - a) / (b + 2 * side - a)
    lons = np.concatenate([_turned_array(lon_a - central), side, -side]) + central
    return lons, np.concatenate([_edges()[0][1], lat, lat])


def _turned_array(lon: np.ndarray) -> np.ndarray:
    """:func:`_turned` of each longitude difference."""
    return np.where(lon > 180.0, lon - 360.0, np.where(lon < -180.0, lon + 360.0, lon))


def equal_earth_arrays(
    lon: np.ndarray, lat: np.ndarray, central: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`equal_earth` of arrays of longitudes and latitudes (degrees) at once."""
    lon = _turned_array(np.asarray(lon, dtype=float) - central)
    a1, a2, a3, a4 = _EE
    theta = np.arcsin(_EE_M * np.sin(np.radians(np.asarray(lat, dtype=float))))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = np.radians(lon) * np.cos(theta) / (_EE_M * (a1 + 3 * a2 * t2 + t6 * (7 * a3 + 9 * a4 * t2)))
    return x, theta * (a1 + a2 * t2 + t6 * (a3 + a4 * t2))


@cache
def projected_bounds(central: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Where a map centred on the ``central`` meridian could draw each polygon of the shipped map: the index of
    its feature (one per polygon) and its Equal Earth x and y extremes (rows west, south, east, north; radians of
    the unit sphere, y up), of its outer ring's vertices. Per polygon, not per country: Canada's box reached from
    Alaska to Ellesmere Island's tip, and met a map of West Africa and Europe at its corner. A polygon the map's
    edge cuts (Russia's, Fiji's, Greenland on 150°E) reaches across the map. The coarse layer's vertices are some
    of these: its polygons lie within the same bounds. Not to be changed."""
    # every outer ring projected at once and its extremes taken ring by ring (reduceat): the same numbers as
    # projecting each ring on its own (numpy's functions give each element the same value wherever it stands
    # in the array: tested), without ~2,000 small numpy calls
    owner, starts, lons, lats = _outer_rings()
    x, y = equal_earth_arrays(lons, lats, central)
    bounds = np.column_stack(
        [np.minimum.reduceat(x, starts), np.minimum.reduceat(y, starts)]
        + [np.maximum.reduceat(x, starts), np.maximum.reduceat(y, starts)]
    ).reshape(-1, 4)
    bounds.flags.writeable = False
    return owner, bounds


@cache
def _outer_rings() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The outer ring of each polygon of the shipped map (those with one): its feature's index, where its vertices
    start, and the longitude and latitude of every vertex of them all, ring after ring (none to be changed)."""
    owners: list[int] = []
    starts: list[int] = []
    rings: list[np.ndarray] = []
    count = 0
    for index, feature in enumerate(_features()):
        geometry = feature.get("geometry") or {}
        coordinates = geometry.get("coordinates") or []
        for polygon in [coordinates] if geometry.get("type") == "Polygon" else coordinates:
            if not polygon or not polygon[0]:
                continue
            owners.append(index)
            starts.append(count)
            rings.append(_lonlat(polygon[0]))
            count += len(rings[-1])
    lonlat = np.concatenate(rings) if rings else np.empty((0, 2))
    arrays = (np.array(owners, dtype=int), np.array(starts, dtype=np.intp), lonlat[:, 0], lonlat[:, 1])
    for array in arrays:
        array.flags.writeable = False
    return arrays


def _equal_earth_x(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """:func:`equal_earth`'s x of each point (longitude from the central meridian, within ±180°)."""
    a1, a2, a3, a4 = _EE
    theta = np.arcsin(_EE_M * np.sin(np.radians(lat)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    return np.radians(lon) * np.cos(theta) / (_EE_M * (a1 + 3 * a2 * t2 + t6 * (7 * a3 + 9 * a4 * t2)))


def world_view(
    marks: Sequence[tuple[float, float, float]], width: float, height: float, central: float = 0.0
) -> tuple[float, tuple[float, float]]:
    """Scale and translate (d3's, as Vega-Lite's ``projection`` takes them) of an Equal Earth map of the whole
    world in ``width`` × ``height`` pixels: the world's features fill the view in one direction and are centred
    in both (Vega-Lite's own fit, :func:`world_extent`), drawn smaller where a mark (longitude, latitude, radius
    in pixels: a domestic flow's circle, the end of a flow's line) would reach past the frame, so that each is
    drawn whole. A mark wider than half the view cannot be; it is left as it falls. The map is centred on the
    ``central`` meridian (:func:`rotation`).
    """
    west, south, east, north = world_extent(central)
    centre_x, centre_y = (west + east) / 2, (south + north) / 2
    scale = min(width / (east - west), height / (north - south))
    for lon, lat, radius in marks:
        x, y = equal_earth(lon, lat, central)
        # drawn at width / 2 + scale × (x - centre_x), height / 2 - scale × (y - centre_y)
        for offset, half in ((x - centre_x, width / 2), (y - centre_y, height / 2)):
            if abs(offset) > 0 and half > radius:
                scale = min(scale, (half - radius) / abs(offset))
    return scale, (width / 2 - scale * centre_x, height / 2 + scale * centre_y)


def world_pixels(
    scale: float, translate: tuple[float, float], central: float = 0.0
) -> Callable[[float, float], tuple[float, float]]:
    """Where an Equal Earth map of ``scale`` and ``translate`` (:func:`world_view`), centred on the ``central``
    meridian, draws a longitude and latitude (x right, y down)."""

    def forward(lon: float, lat: float) -> tuple[float, float]:
        x, y = equal_earth(lon, lat, central)
        return scale * x + translate[0], translate[1] - scale * y

    return forward
