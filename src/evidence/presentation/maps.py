"""The world map shipped with the package: Natural Earth 1:110m admin-0 countries, keyed by ISO3.

Where the data come from, their licence (public domain) and how Natural Earth's ``-99`` codes are fixed
(France, Norway, Kosovo = XKX, Somaliland and N. Cyprus dissolved into Somalia and Cyprus) is in
``geodata/README.md``; ``scripts/build_natural_earth.py`` rebuilds the files from the pyogrio wheel.

geopandas is imported only by :func:`load_world`; charts use :func:`world_geojson` and
:func:`country_centroids`, which need nothing but the standard library and polars.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    import geopandas

__all__ = ["BOUNDARIES_CREDIT", "country_bounds", "country_centroids", "load_world", "world_geojson"]

#: Credit line for charts that draw the shipped boundaries.
BOUNDARIES_CREDIT = "Boundaries: Natural Earth (public domain)"

_WORLD = "world_110m.geojson"
_CENTROIDS = "centroids.csv"


def _geodata(name: str) -> bytes:
    return (resources.files("evidence.presentation") / "geodata" / name).read_bytes()


@cache
def _world_text() -> str:
    return _geodata(_WORLD).decode("utf-8")


def world_geojson() -> dict[str, Any]:
    """The world map as a GeoJSON FeatureCollection (a fresh copy; properties ``iso3`` and ``name``)."""
    return json.loads(_world_text())


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


def _ring_area(ring: list[list[float]]) -> float:
    """The area of a ring in square degrees (shoelace), to tell a country's main part from its islands."""
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1, *_), (x2, y2, *_) in zip(ring, ring[1:] + ring[:1]))) / 2


@cache
def _bounds() -> dict[str, tuple[float, float, float, float]]:
    out = {}
    for feature in world_geojson()["features"]:
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
