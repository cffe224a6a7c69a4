"""Specs drawn to files without altair or polars: what the runner's chart workers import."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _drawn(spec: dict, tmp_path, name: str = "c.svg"):
    """The SVG a spec is drawn to, read as XML (what every SVG reader, Typst's included, requires)."""
    import xml.etree.ElementTree as ET

    (path,) = chart_files.save_specs([(spec, tmp_path / name)])
    return ET.fromstring(path.read_bytes())


def test_a_control_character_from_data_is_dropped_from_what_a_chart_draws(tmp_path):
    """A source's name from a provenance sidecar (an ESC in it) reached the peers chart's source line; the
    SVG drawn held the ESC, which XML forbids, and the country brief stopped ("Failed to parse SVG: a non-XML
    character"). Controls are dropped from every text of a chart, as from the brief's prose."""
    controls = "\x1b[31m\x00\x08\x0b\x0c\x7f\x85\ufffe\uffff"
    spec = {
        **SPEC,
        "title": {"text": f"Victims{controls}", "subtitle": [f"Source: UNODC{controls}"]},
        "data": {
            "values": [
                {"country": f"Thai{controls}land", "victims": 12},
                {"country": "Myanmar", "victims": 30},
            ]
        },
    }
    root = _drawn(spec, tmp_path)
    texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Victims[31m" in texts and "Source: UNODC[31m" in texts and "Thai[31mland" in texts, texts


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=30))
def test_any_text_in_a_chart_draws_as_text(text: str) -> None:
    """Whatever text from data a chart's title, source line and labels hold, the chart is drawn (its SVG is
    XML) with no element but the drawing's own (no script, link, foreign object or image from the text)."""
    import tempfile
    from pathlib import Path

    spec = {
        **SPEC,
        "title": {"text": f"T {text}", "subtitle": [f"Source: {text}"]},
        "data": {"values": [{"country": f"C {text}", "victims": 12}, {"country": "Myanmar", "victims": 30}]},
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = _drawn(spec, Path(tmp))
    tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
    assert tags <= {
        "svg",
        "g",
        "path",
        "text",
        "rect",
        "line",
        "title",
        "desc",
        "defs",
        "clipPath",
        "style",
    }, tags


def test_a_delete_character_alone_is_dropped_from_what_a_chart_draws():
    """DEL (U+007F) is ASCII, and JSON writes it raw: a spec whose only undrawable character it is was still
    found (the quick look at a spec's JSON skips text that is all ASCII only for its other characters)."""
    spec = {**SPEC, "title": {"text": "Victims\x7f"}}
    assert chart_files._without_format_characters(spec)["title"] == {"text": "Victims"}
    assert chart_files._without_format_characters(SPEC) is SPEC


#: The search of a spec's JSON for what is dropped from a chart's text, as it was first written (one pass of the
#: character classes over the whole text): the quick look (:func:`chart_files._holds_undrawable`) answers the same.
_UNDRAWABLE_IN_JSON = r"\\u00[01][0-9a-fA-F]|\\[bf]|[\x7f-\x9f\ufffe\uffff\ud800-\udfff]"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=8),
            st.sampled_from(["\x7f", "\x85", "\u202e", "\u00ad", "\x1b", "\x08", "\\b", "\\u0041", "é", "–"]),
        ),
        max_size=6,
    )
)
def test_the_quick_look_for_undrawable_characters_answers_as_the_full_search(parts: list[str]) -> None:
    import re

    from evidence.core.text import UNSAFE_FORMAT

    dumped = json.dumps({"title": "".join(parts), "rows": parts}, ensure_ascii=False)
    expected = bool(UNSAFE_FORMAT.search(dumped) or re.search(_UNDRAWABLE_IN_JSON, dumped))
    assert chart_files._holds_undrawable(dumped) == expected


#: Pieces of an SVG: ids, their uses, and attributes that end in "id" without being one ("grid", "xid").
_SVG_PIECES = [
    '<clipPath id="clip1">',
    '<g clip-path="url(#clip1)">',
    '<use href="#clip2"/>',
    '<g id="clip2">',
    '<g grid="clip1">',
    'xid="url(#clip3)"',
    '<path d="M0,0"/>',
    " ",
    "id=",
    '"',
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_SVG_PIECES), max_size=12))
def test_stable_ids_rename_as_the_word_bounded_patterns_do(pieces: list[str]) -> None:
    """The ids of an SVG are found with patterns that need no word boundary where every id=" has one before it
    (as in every SVG Vega draws), else with the bounded ones: the SVG comes out as the bounded patterns alone
    make it."""
    import hashlib
    import re

    svg = "".join(pieces)
    ids = list(dict.fromkeys(re.findall(r'\bid="([^"]+)"', svg)))
    expected = svg
    if ids:
        digest = hashlib.sha256(b"spec").hexdigest()[:10]
        names = {old: f"c{digest}-{n}" for n, old in enumerate(ids, start=1)}
        expected = re.sub(
            r'(\bid="|url\(#|href="#)([^")]+)(?=[")])',
            lambda m: m.group(0) if m.group(2) not in names else m.group(1) + names[m.group(2)],
            svg,
        )
    assert chart_files._stable_ids(svg, "spec") == expected


def test_the_converter_reads_a_specs_text_and_draws_what_it_draws_of_the_dict(tmp_path, monkeypatch):
    # vl-convert took a spec over from a dict in a tenth of a chart's drawing time: given its JSON text, it
    # draws the same; a spec whose text is not JSON (a NaN) is given as the dict, as before
    import vl_convert as vlc

    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    drawn = vlc.vegalite_to_svg
    given: list[object] = []

    def spy(spec: object, **options: object) -> str:
        given.append(spec)
        return drawn(spec, **options)

    monkeypatch.setattr(vlc, "vegalite_to_svg", spy)
    (path,) = chart_files.save_specs([(SPEC, tmp_path / "a.svg")])
    spec = chart_files.described(SPEC)
    assert isinstance(given[0], str) and json.loads(given[0]) == spec
    text = chart_files._spec_text(spec)
    version = chart_files.vl_version(spec)
    assert path.read_text(encoding="utf-8") == chart_files._stable_ids(drawn(spec, vl_version=version), text)
    values = [{"country": "Thailand", "victims": 12}, {"country": "Myanmar", "victims": float("nan")}]
    chart_files.save_specs([({**SPEC, "data": {"values": values}}, tmp_path / "b.svg")])
    assert isinstance(given[1], dict)
    assert (tmp_path / "b.svg").read_text(encoding="utf-8").startswith("<svg")
