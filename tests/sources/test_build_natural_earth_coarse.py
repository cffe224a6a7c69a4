"""scripts/build_natural_earth.py's coarse layer: run again, it writes the committed file byte for byte."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GEODATA = ROOT / "src" / "evidence" / "presentation" / "geodata"


def test_the_build_writes_the_committed_coarse_layer_byte_for_byte() -> None:
    spec = importlib.util.spec_from_file_location(
        "build_natural_earth", ROOT / "scripts" / "build_natural_earth.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    built = script.build_coarse()
    assert set(built) == {"world_110m_coarse.geojson"}
    for name, text in built.items():
        assert text == (GEODATA / name).read_text(encoding="utf-8"), name
