"""Specs drawn to files without altair or polars: what the runner's chart workers import."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from evidence.presentation import chart_files

SPEC = {
    "$schema": "https://vega.github.io/schema/vega-lite/v6.1.0.json",
    "data": {"values": [{"country": "Thailand", "victims": 12}, {"country": "Myanmar", "victims": 30}]},
    "mark": "bar",
    "encoding": {
        "x": {"field": "victims", "type": "quantitative"},
        "y": {"field": "country", "type": "nominal"},
        "tooltip": [{"field": "victims", "type": "quantitative", "title": "Victims"}],
    },
}


def test_starting_the_converter_and_drawing_a_spec_import_neither_altair_nor_polars(tmp_path):
    code = (
        "import json, sys\n"
        "from evidence.presentation.chart_files import save_specs, warm_renderer\n"
        "warm_renderer()\n"
        f"save_specs([(json.loads({json.dumps(json.dumps(SPEC))}), {str(tmp_path / 'a.svg')!r})])\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    env_proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = set(json.loads(env_proc.stdout.strip().splitlines()[-1]))
    assert "vl_convert" in modules and modules.isdisjoint({"altair", "polars", "pandas", "numpy"})
    svg = (tmp_path / "a.svg").read_text()
    assert svg.startswith("<svg") and "Victims: 12" in svg  # each mark described as its tooltip writes it


def test_the_vega_lite_version_is_the_one_the_spec_names():
    import vl_convert as vlc

    available = vlc.get_vegalite_versions()
    named = {**SPEC, "$schema": f"https://vega.github.io/schema/vega-lite/v{available[0]}.0.json"}
    assert chart_files.vl_version(named) == available[0]
    assert (
        chart_files.vl_version({**SPEC, "$schema": "https://vega.github.io/schema/vega-lite/v1.0.0.json"})
        is None
    )
    import altair as alt

    by_altair = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])  # a spec without $schema
    assert chart_files.vl_version({"mark": "bar"}) == (by_altair if by_altair in available else None)


def test_a_spec_with_no_row_is_refused(tmp_path):
    from evidence.core.errors import ParameterError

    empty = {**SPEC, "data": {"values": []}}
    assert chart_files.spec_is_empty(empty) and not chart_files.spec_is_empty(SPEC)
    with pytest.raises(ParameterError, match="no row to draw"):
        chart_files.save_specs([(empty, tmp_path / "empty.svg")])
    assert not (tmp_path / "empty.svg").exists()
