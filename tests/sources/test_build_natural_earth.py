"""scripts/build_natural_earth.py: run again, it writes the shipped map files as committed."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from evidence.sources.countries import name_of

ROOT = Path(__file__).resolve().parents[2]
GEODATA = ROOT / "src" / "evidence" / "presentation" / "geodata"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_natural_earth", ROOT / "scripts" / "build_natural_earth.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_build_writes_the_committed_files_byte_for_byte(script: ModuleType) -> None:
    """Run again it renamed twelve countries to the reference's longer M49 names ("Iran (Islamic Republic of)",
    "China, Hong Kong SAR"): the shipped files changed though Natural Earth had not."""
    built = script.build()
    assert set(built) == {"world_110m.geojson", "centroids.csv"}
    for name, text in built.items():
        assert text == (GEODATA / name).read_text(encoding="utf-8"), name


def test_map_names_are_the_references_but_for_the_short_ones_listed(script: ModuleType) -> None:
    names = script.map_names()
    differ = {iso3 for iso3, name in names.items() if name != name_of(iso3)}
    assert differ == set(script.MAP_NAMES)
    assert names["IRN"] == "Iran" and names["THA"] == name_of("THA") == "Thailand"
