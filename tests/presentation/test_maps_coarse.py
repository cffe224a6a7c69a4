"""The world map's coarse layer (geodata/world_110m_coarse.geojson), drawn by maps of the whole world or of a
large region: the same countries as the full map, recognisable, with fewer vertices."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from evidence.presentation.maps import projected_bounds, world_geojson


@pytest.fixture(scope="module")
def layers() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return world_geojson()["features"], world_geojson(coarse=True)["features"]


def _polygons(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    return geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def test_the_same_countries_in_the_same_order_with_fewer_vertices(layers) -> None:
    full, coarse = layers
    # the charts write a feature of either layer by its index in the world
    assert [f["properties"] for f in coarse] == [f["properties"] for f in full]
    vertices = [sum(len(r) for p in _polygons(f["geometry"]) for r in p) for f in (*full, *coarse)]
    assert sum(vertices[len(full) :]) < 0.65 * sum(vertices[: len(full)])


def test_each_polygon_is_kept_its_vertices_are_the_full_maps_and_its_rings_turn_as_d3_wants(layers) -> None:
    full, coarse = layers
    for before, after in zip(full, coarse, strict=True):
        iso3 = after["properties"]["iso3"]
        # no island left out (a small island state stays at least a triangle)
        assert len(_polygons(after["geometry"])) == len(_polygons(before["geometry"])), iso3
        kept = {tuple(p) for polygon in _polygons(before["geometry"]) for ring in polygon for p in ring}
        for polygon in _polygons(after["geometry"]):
            assert all(len(ring) >= 4 and ring[0] == ring[-1] for ring in polygon), iso3
            # outer rings clockwise, holes anticlockwise: turned round, d3 fills the whole globe with a ring
            assert _signed_area(polygon[0]) < 0, iso3
            assert all(_signed_area(hole) > 0 for hole in polygon[1:]), iso3
            # simplified by leaving vertices out: within the full map's bounds (projected_bounds holds for both)
            assert {tuple(p) for ring in polygon for p in ring} <= kept, iso3


def test_borders_stay_shared_and_shapes_recognisable(layers) -> None:
    full, coarse = layers
    before = np.array([shape(f["geometry"]) for f in full])
    after = np.array([shape(f["geometry"]) for f in coarse])
    # neighbours share each simplified border: no gap, no overlap between them
    assert shapely.coverage_is_valid(after) and shapely.is_valid(after).all()
    # within a degree of the full outlines (a pixel and a half on a map of the world 470 pixels wide)
    assert shapely.hausdorff_distance(before, after).max() < 1.0
    # a small country keeps at least half its area (Luxembourg, the Solomon Islands, the Bahamas)
    assert (shapely.area(after) / shapely.area(before)).min() > 0.5


def test_projected_bounds_hold_each_polygon_on_a_map_on_either_meridian(layers) -> None:
    from evidence.presentation.maps import equal_earth

    full, _ = layers
    polygons = [(index, polygon) for index, f in enumerate(full) for polygon in _polygons(f["geometry"])]
    for central in (0.0, 150.0):
        owner, bounds = projected_bounds(central)
        assert owner.tolist() == [index for index, _ in polygons] and bounds.shape == (len(polygons), 4)
        for (_, polygon), (west, south, east, north) in zip(polygons, bounds, strict=True):
            for lon, lat in polygon[0]:
                x, y = equal_earth(lon, lat, central)
                eps = 1e-12  # the arrays' arithmetic and the scalar one's differ in the last bit
                assert west - eps <= x <= east + eps and south - eps <= y <= north + eps
