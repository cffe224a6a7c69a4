"""Build the world map shipped in ``evidence/presentation/geodata/`` from Natural Earth as pyogrio ships it.

Natural Earth's 1:110m admin-0 countries (public domain) reach this project through a PyPI wheel that is
already a dependency: pyogrio ships them as ``pyogrio/tests/fixtures/naturalearth_lowres`` (copied from
GeoPandas' former ``naturalearth_lowres`` dataset). Nothing is downloaded.

Writes, atomically:

* ``world_110m.geojson``: one feature per ISO3 code, properties ``iso3`` and ``name`` (the map's name of the
  country: :func:`map_names`), coordinates rounded to 3 decimals (about 100 m, far below the 1:110m scale's own
  precision);
* ``centroids.csv``: ``iso3, name, lon, lat, basis`` for flow maps, from the map's polygons plus a small
  supplement of states and territories too small for the 1:110m map;
* ``world_110m_coarse.geojson``: the same countries with about 60% of the vertices (:func:`build_coarse`), drawn
  by maps of the whole world or of a large region.

Run from the repository root: ``uv run python scripts/build_natural_earth.py``. Run again on the same pyogrio, it
writes the committed files byte for byte (``tests/sources/test_build_natural_earth.py`` and
``test_build_natural_earth_coarse.py`` check it): the names are
the country reference's, except the short ones the map has always carried where the reference now writes UNODC's
longer M49 names (:data:`MAP_NAMES`), so a change of the reference's names does not silently rename the map's.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from importlib.metadata import version
from pathlib import Path

import geopandas as gpd
import pyogrio
from shapely.geometry import Point, mapping

from evidence.core.atomic import write_text
from evidence.sources.countries import country_table

OUT = Path(__file__).resolve().parents[1] / "src" / "evidence" / "presentation" / "geodata"
SOURCE = (
    Path(pyogrio.__file__).parent / "tests" / "fixtures" / "naturalearth_lowres" / "naturalearth_lowres.shp"
)

# Natural Earth's ISO_A3 is "-99" where ISO 3166 has no code for the feature or the feature is drawn apart
# from its ISO code's territory. Name -> ISO3 used here; a code shared by two features is dissolved into one.
ISO3_FIXES = {
    "France": "FRA",  # -99 because French Guiana and other overseas regions are in the same feature
    "Norway": "NOR",  # -99 because Svalbard and Jan Mayen are in the same feature
    "Kosovo": "XKX",  # no ISO 3166 code; XKX as UNODC and the World Bank use (and evidence.sources.countries)
    "Somaliland": "SOM",  # not a UN member state; published statistics count it under Somalia
    "N. Cyprus": "CYP",  # not a UN member state; published statistics count it under Cyprus
}

# The map's short names where the country reference (evidence.sources.countries) writes UNODC's longer M49 name:
# the names the shipped map was built with. Charts and tables name a country by countries.name_of, not by these;
# they label the map's own features (maps.load_world, maps.country_centroids). A name of the reference that is
# neither these nor the map's name stops the build (see _project_names).
MAP_NAMES = {
    "BOL": "Bolivia",
    "HKG": "Hong Kong",
    "IRN": "Iran",
    "KOR": "South Korea",
    "MAC": "Macao",
    "MDA": "Moldova",
    "PRK": "North Korea",
    "PSE": "Palestine",
    "SYR": "Syria",
    "TWN": "Taiwan",
    "TZA": "Tanzania",
    "VEN": "Venezuela",
}

# Countries whose capital is not on their largest polygon, as (lon, lat) of the capital: flows to Malaysia
# should meet Peninsular Malaysia (not Borneo), flows to Indonesia Java.
MAIN_POLYGON_AT = {"MYS": (101.69, 3.14), "IDN": (106.85, -6.21)}

# States and territories that the 1:110m map leaves out, as (lat, lon) of the capital or main island, rounded.
SUPPLEMENT = {
    "ABW": (12.52, -69.97),
    "AIA": (18.22, -63.06),
    "ALA": (60.10, 19.94),
    "AND": (42.51, 1.52),
    "ASM": (-14.28, -170.70),
    "ATG": (17.12, -61.85),
    "BES": (12.15, -68.27),
    "BHR": (26.07, 50.55),
    "BLM": (17.90, -62.85),
    "BMU": (32.32, -64.76),
    "BRB": (13.19, -59.54),
    "BVT": (-54.42, 3.36),
    "CCK": (-12.19, 96.83),
    "COK": (-21.21, -159.78),
    "COM": (-11.70, 43.26),
    "CPV": (15.12, -23.61),
    "CUW": (12.17, -68.99),
    "CXR": (-10.42, 105.68),
    "CYM": (19.31, -81.25),
    "DMA": (15.41, -61.37),
    "FRO": (62.01, -6.77),
    "FSM": (6.92, 158.16),
    "GGY": (49.46, -2.54),
    "GIB": (36.14, -5.35),
    "GLP": (16.25, -61.55),
    "GRD": (12.12, -61.68),
    "GUF": (3.93, -53.13),
    "GUM": (13.44, 144.79),
    "HKG": (22.32, 114.17),
    "HMD": (-53.08, 73.50),
    "IMN": (54.15, -4.48),
    "IOT": (-7.31, 72.41),
    "JEY": (49.19, -2.11),
    "KIR": (1.45, 173.00),
    "KNA": (17.30, -62.72),
    "LCA": (13.91, -60.98),
    "LIE": (47.16, 9.55),
    "MAC": (22.20, 113.55),
    "MAF": (18.07, -63.08),
    "MCO": (43.73, 7.42),
    "MDV": (4.18, 73.51),
    "MHL": (7.09, 171.38),
    "MLT": (35.90, 14.51),
    "MNP": (15.21, 145.75),
    "MSR": (16.79, -62.21),
    "MTQ": (14.64, -61.02),
    "MUS": (-20.25, 57.55),
    "MYT": (-12.78, 45.23),
    "NFK": (-29.06, 167.96),
    "NIU": (-19.06, -169.92),
    "NRU": (-0.53, 166.93),
    "PCN": (-25.07, -130.10),
    "PLW": (7.51, 134.58),
    "PYF": (-17.54, -149.57),
    "REU": (-21.12, 55.53),
    "SGP": (1.35, 103.82),
    "SGS": (-54.28, -36.51),
    "SHN": (-15.93, -5.72),
    "SJM": (78.22, 15.65),
    "SMR": (43.94, 12.46),
    "SPM": (46.78, -56.18),
    "STP": (0.34, 6.73),
    "SXM": (18.03, -63.05),
    "SYC": (-4.68, 55.49),
    "TCA": (21.46, -71.14),
    "TKL": (-9.20, -171.85),
    "TON": (-21.18, -175.20),
    "TUV": (-8.52, 179.20),
    "UMI": (19.28, 166.65),
    "VAT": (41.90, 12.45),
    "VCT": (13.25, -61.20),
    "VGB": (18.43, -64.62),
    "VIR": (18.34, -64.93),
    "WLF": (-13.28, -176.17),
    "WSM": (-13.76, -172.10),
}


def _rounded(value: object, decimals: int) -> object:
    """``value`` (a GeoJSON geometry as shapely's ``mapping`` gives it) with every float rounded."""
    if isinstance(value, float):
        return round(value, decimals)
    if isinstance(value, list | tuple):
        return [_rounded(v, decimals) for v in value]
    if isinstance(value, dict):  # the geometry itself: its coordinates were left whole (15 digits) before
        return {key: _rounded(v, decimals) for key, v in value.items()}
    return value


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def _rounded_geometry(geometry: dict, decimals: int, name: str) -> dict:
    """A Polygon's or MultiPolygon's coordinates rounded, without the rings the rounding flattens (slivers of
    the source, a millionth of a square degree: North Korea has one) and refusing one it turns round (d3 would
    fill the whole globe with it)."""
    rounded = _rounded(geometry, decimals)
    multi = rounded["type"] == "MultiPolygon"
    polygons_before = geometry["coordinates"] if multi else [geometry["coordinates"]]
    polygons = []
    after_all = rounded["coordinates"] if multi else [rounded["coordinates"]]
    for before, after in zip(polygons_before, after_all, strict=True):
        rings = []
        for ring_before, ring in zip(before, after, strict=True):
            area_before, area = _signed_area(ring_before), _signed_area(ring)
            if area != 0 and (area_before > 0) != (area > 0):
                raise SystemExit(f"{name}: a ring's orientation changes when its coordinates are rounded")
            rings.append(ring if area != 0 else None)
        if (
            rings[0] is not None
        ):  # a polygon whose outer ring the rounding flattens is left out, holes and all
            polygons.append([ring for ring in rings if ring is not None])
    if not polygons:
        raise SystemExit(f"{name}: rounding its coordinates flattens it")
    if multi:
        return {"type": "MultiPolygon", "coordinates": polygons}
    return {"type": "Polygon", "coordinates": polygons[0]}


def build_world() -> gpd.GeoDataFrame:
    world = gpd.read_file(SOURCE)[["name", "iso_a3", "geometry"]]
    fixes = world["name"].map(ISO3_FIXES)
    world["iso3"] = fixes.fillna(world["iso_a3"])
    unknown = sorted(set(world["iso3"]) - set(country_table()["iso3"].to_list()))
    if unknown:
        raise SystemExit(f"codes not in evidence.sources.countries: {unknown}")
    world = world[["iso3", "geometry"]].dissolve(by="iso3", as_index=False)
    world["name"] = world["iso3"].map(map_names())
    return world[["iso3", "name", "geometry"]].sort_values("iso3").reset_index(drop=True)


def map_names() -> dict[str, str]:
    """ISO3 -> the map's name: the country reference's name, or the map's short one (:data:`MAP_NAMES`)."""
    table = country_table()
    names = dict(zip(table["iso3"], table["name"], strict=True))
    unknown = sorted(set(MAP_NAMES) - set(names))
    if unknown:
        raise SystemExit(f"MAP_NAMES codes not in evidence.sources.countries: {unknown}")
    return names | MAP_NAMES


def main_centroids(world: gpd.GeoDataFrame) -> list[tuple[str, str, float, float, str]]:
    """The centroid of each country's main polygon (mainland France, not French Guiana), equal-area.

    The main polygon is the largest one, except where the capital lies on a smaller one (MAIN_POLYGON_AT).
    """
    exploded = world.explode(index_parts=False).reset_index(drop=True)
    projected = exploded.to_crs("EPSG:6933")
    projected["area"] = projected.area
    for iso3, (lon, lat) in MAIN_POLYGON_AT.items():
        holds_capital = (exploded["iso3"] == iso3) & exploded.geometry.contains(Point(lon, lat))
        projected.loc[holds_capital, "area"] = float("inf")
    largest = projected.sort_values("area", ascending=False).groupby("iso3").head(1)
    points = largest.geometry.centroid
    inside = points.within(largest.geometry)
    points = points.where(inside, largest.geometry.representative_point())
    points = gpd.GeoSeries(points, crs="EPSG:6933").to_crs("EPSG:4326")
    rows = [
        (iso3, name, round(pt.x, 3), round(pt.y, 3), "main polygon")
        for iso3, name, pt in zip(largest["iso3"], largest["name"], points, strict=True)
    ]
    names = map_names()
    rows += [
        (iso3, names[iso3], lon, lat, "capital or main island") for iso3, (lat, lon) in SUPPLEMENT.items()
    ]
    return sorted(rows)


def build() -> dict[str, str]:
    """The text of each file the script writes, by file name."""
    world = build_world()
    features = []
    for iso3, name, geometry in zip(world["iso3"], world["name"], world.geometry, strict=True):
        rounded = _rounded_geometry(mapping(geometry), 3, iso3)  # type: ignore[arg-type]
        features.append({"type": "Feature", "properties": {"iso3": iso3, "name": name}, "geometry": rounded})
    collection = {"type": "FeatureCollection", "features": features}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["iso3", "name", "lon", "lat", "basis"])
    writer.writerows(main_centroids(world))
    return {
        "world_110m.geojson": json.dumps(collection, separators=(",", ":"), ensure_ascii=False),
        "centroids.csv": buffer.getvalue(),
    }


#: The coverage simplification of the world-scale layer (Visvalingam-Whyatt, borders kept shared: shapely's
#: ``coverage_simplify``): about the square root, in degrees, of the area of the triangles of outline it leaves
#: out. On a map of the whole world (470 pixels wide, 1.5 pixels a degree) that is below a pixel.
COARSE_TOLERANCE = 0.4


def build_coarse(world: gpd.GeoDataFrame | None = None) -> dict[str, str]:
    """``world_110m_coarse.geojson``: the map's countries with fewer vertices (about 60%), for maps of the whole
    world or of a large region, where Vega-Lite drew thousands of vertices closer together than a pixel (half the
    time of drawing a world map). The same features in the same order, properties and rounding as
    ``world_110m.geojson``; the borders between countries are simplified once, for both sides (no gaps or
    overlaps), no polygon is left out (a small island stays at least a triangle), and every ring keeps the
    source's orientation (outer rings clockwise, holes anticlockwise, as d3 wants them: GEOS turns some round)."""
    import numpy as np
    import shapely

    world = build_world() if world is None else world
    geometries = np.asarray(world.geometry.values)
    if not shapely.coverage_is_valid(geometries):
        raise SystemExit("the map's countries overlap or do not share their borders: no coverage to simplify")
    simplified = shapely.orient_polygons(
        shapely.coverage_simplify(geometries, COARSE_TOLERANCE), exterior_cw=True
    )
    features = []
    for iso3, name, before, after in zip(world["iso3"], world["name"], geometries, simplified, strict=True):
        if shapely.get_num_geometries(after) != shapely.get_num_geometries(before):
            raise SystemExit(f"{iso3}: the simplification leaves out a polygon")
        rounded = _rounded_geometry(mapping(after), 3, iso3)  # type: ignore[arg-type]
        for polygon in (
            rounded["coordinates"] if rounded["type"] == "MultiPolygon" else [rounded["coordinates"]]
        ):
            if _signed_area(polygon[0]) >= 0 or any(_signed_area(hole) <= 0 for hole in polygon[1:]):
                raise SystemExit(f"{iso3}: a ring of the simplified map is turned the wrong way round")
        features.append({"type": "Feature", "properties": {"iso3": iso3, "name": name}, "geometry": rounded})
    collection = {"type": "FeatureCollection", "features": features}
    return {"world_110m_coarse.geojson": json.dumps(collection, separators=(",", ":"), ensure_ascii=False)}


def main() -> None:
    files = build() | build_coarse()
    for name, text in files.items():
        write_text(OUT / name, text)
    count = files["world_110m.geojson"].count('"type":"Feature"')
    print(f"{count} countries from pyogrio {version('pyogrio')} -> {OUT}")


if __name__ == "__main__":
    main()
