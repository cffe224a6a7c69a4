"""The shipped world map: ISO3 keys where Natural Earth says -99, one row per code, flow-map centroids."""

from __future__ import annotations

from importlib import resources

import polars as pl
import pytest

from evidence.presentation.maps import country_centroids, load_world, world_geojson
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
