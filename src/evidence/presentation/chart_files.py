"""Charts' Vega-Lite specs drawn to files (SVG, PNG, PDF, HTML, JSON), with one converter and the chart cache.

The half of :mod:`evidence.presentation.charts` that needs neither altair nor polars: the runner's chart
workers (:mod:`evidence.runs.chart_workers`), which draw the specs a kernel shows, import only this module and
vl-convert, and so start in a fraction of the time (altair and polars took most of a worker's start, on the
path of a cold brief). :func:`evidence.presentation.charts.save_charts` draws an altair chart through here.

One converter serves the whole process (vl-convert's engine, started once: :func:`warm_renderer`), and a chart
whose spec and data were drawn before is copied from the chart cache (``<cache>/charts``) instead.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Final, cast

from evidence.core.atomic import write_bytes, write_text
from evidence.core.errors import ParameterError
from evidence.core.text import UNSAFE_FORMAT, column_title, strip_unsafe_format

__all__ = [
    "CHART_CACHE_FILES",
    "FORMATS",
    "chart_html",
    "described",
    "save_specs",
    "spec_is_empty",
    "vl_version",
    "warm_renderer",
]

_SCHEMA_VERSION = re.compile(r"/vega-lite/v(\d+)\.(\d+)[^/]*\.json$")


def vl_version(spec: dict[str, Any] | None = None) -> str | None:
    """The Vega-Lite version (``"6.1"``) to draw ``spec`` with: the one its ``$schema`` names (altair writes
    it), else altair's; None when vl-convert does not have it (it then uses its own default)."""
    import vl_convert as vlc

    found = _SCHEMA_VERSION.search(str((spec or {}).get("$schema") or ""))
    if found:
        wanted = f"{found.group(1)}.{found.group(2)}"
    else:  # a spec written by hand: the version the toolkit's charts are built for
        import altair as alt

        wanted = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return wanted if wanted in vlc.get_vegalite_versions() else None


#: Channels whose value is not a datum's field as it is (a mark with one is described by Vega-Lite itself).
_DERIVED_KEYS: Final = ("aggregate", "bin", "timeUnit", "condition", "value", "datum")


def _field_text(entry: dict[str, Any]) -> str | None:
    """A Vega expression writing one tooltip entry as a table writes it ("Detected victims: 2,580", a share to
    its format), or None where the entry is not a plain field."""
    field = entry.get("field")
    if not isinstance(field, str) or any(k in entry for k in _DERIVED_KEYS) or "formatType" in entry:
        return None
    value = f"datum[{json.dumps(field)}]"
    kind, fmt = entry.get("type"), entry.get("format")
    if kind == "quantitative":
        # a format given is the table's; else a whole number with separators, other numbers to 3 digits
        text = (
            f"format({value}, {json.dumps(fmt)})"
            if isinstance(fmt, str)
            else f"({value} == round({value}) ? format({value}, ',') : format({value}, ',.3~r'))"
        )
    elif kind == "temporal":
        text = f"timeFormat({value}, {json.dumps(fmt if isinstance(fmt, str) else '%Y-%m-%d')})"
    else:
        text = f"'' + {value}"
    title = entry.get("title")
    if not isinstance(title, str):
        title = column_title(field)
    return f"{json.dumps(title + ': ')} + (isValid({value}) ? {text} : 'n/a')"


def _describe(unit: dict[str, Any], inherited: dict[str, Any]) -> None:
    """One mark's description (its aria-label in an SVG): its tooltip's entries as the tooltip writes them, not
    every channel's field under its column name at full precision (``count_low: 177``, ``21.9359m``); a mark
    without a tooltip (a label, a band, a basemap) repeats what another mark says, and is left out of it."""
    encoding = {**inherited, **(unit.get("encoding") or {})}
    mark = unit["mark"]
    if "description" in encoding or "aria" in encoding:
        return
    if isinstance(mark, dict) and mark.get("aria") is False:
        return  # hidden from a screen reader: what it shows another mark says
    tooltip = encoding.get("tooltip")
    if tooltip is None:
        unit["mark"] = {**mark, "aria": False} if isinstance(mark, dict) else {"type": mark, "aria": False}
        return
    entries = tooltip if isinstance(tooltip, list) else [tooltip]
    derived = any(isinstance(c, dict) and any(k in c for k in _DERIVED_KEYS[:3]) for c in encoding.values())
    parts = [_field_text(e) if isinstance(e, dict) else None for e in entries]
    if derived or not parts or any(p is None for p in parts):
        return
    expression = " + '; ' + ".join(f"({p})" for p in parts)
    unit["transform"] = [*(unit.get("transform") or []), {"calculate": expression, "as": "_description"}]
    unit["encoding"] = {
        **(unit.get("encoding") or {}),
        "description": {"field": "_description", "type": "nominal"},
    }


def described(spec: dict[str, Any], inherited: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of ``spec`` (its data shared, not copied) with every mark described by :func:`_describe`: the
    aria labels of the SVG drawn from it read like the tables beside it. Drawn so, not written so:
    :func:`chart_spec` is altair's spec."""
    inherited = inherited or {}
    out = dict(spec)
    if "mark" in out:
        _describe(out, inherited)
        return out
    below = {**inherited, **(out.get("encoding") or {})}
    for key in ("layer", "hconcat", "vconcat", "concat"):
        if isinstance(out.get(key), list):
            out[key] = [
                described(child, below if key == "layer" else {}) if isinstance(child, dict) else child
                for child in out[key]
            ]
    if isinstance(out.get("spec"), dict):
        out["spec"] = described(out["spec"], {})
    return out


def spec_is_empty(spec: dict[str, Any]) -> bool:
    """Whether a spec has no row to draw: every dataset it holds is empty (e.g. every share withheld).

    Vega sizes such a chart as infinitely large, which no SVG reader accepts, so callers show a sentence
    instead."""
    values: list[Any] = [rows for rows in (spec.get("datasets") or {}).values()]
    stack: list[Any] = [spec]
    while stack:  # inline data anywhere in the spec (layers, concatenations, lookups)
        node = stack.pop()
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and "values" in data:
                values.append(data["values"])
            elif isinstance(data, dict) and "url" in data:
                return False  # data read at render time: not known to be empty
            stack.extend(v for k, v in node.items() if k != "datasets" and isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))
    return bool(values) and all(not rows for rows in values)


_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>Chart</title>
<style>.vega-embed {{ width: 100%; display: flex; }}</style>
<script>{library}</script>
</head>
<body>
<div id="vega-chart"></div>
<script type="application/json" id="vega-spec">{spec}</script>
<script>
vegaEmbed("#vega-chart", JSON.parse(document.getElementById("vega-spec").textContent), {{"renderer": "svg"}})
  .catch(console.error);
</script>
</body>
</html>
"""


def chart_html(spec: dict[str, Any], vl_version: str | None = None) -> str:
    """A self-contained HTML page of a Vega-Lite spec: the Vega, Vega-Lite and vega-embed JavaScript inlined
    (vl-convert's bundle), the spec as JSON in its own element with ``<``, ``>`` and ``&`` escaped, so no text
    in it can close a script element or open a tag."""
    import vl_convert as vlc

    snippet = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"
    library = vlc.javascript_bundle(snippet, vl_version=vl_version)
    data = json.dumps(spec, ensure_ascii=False)
    for raw, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        data = data.replace(raw, escaped)
    data = data.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return _PAGE.format(library=library, spec=data)


FORMATS = (".svg", ".png", ".pdf", ".html", ".json")
#: Rendered charts kept in the cache folder (the oldest are removed beyond this).
CHART_CACHE_FILES = 2000


def warm_renderer() -> None:
    """Start the converter (vl-convert's JavaScript engine, reused by every later chart of this process): its
    first chart costs a tenth of a second, the next ones a few hundredths. A warm kernel and each chart worker
    call this at start. Drawn with the converter's own Vega-Lite version: asking altair for the toolkit's would
    import it; the version a chart names is loaded with that chart (a few hundredths)."""
    import vl_convert as vlc

    spec = {"mark": "point", "data": {"values": [{"x": 1}]}, "encoding": {"x": {"field": "x"}}}
    vlc.vegalite_to_svg(spec)


def save_specs(specs: Sequence[tuple[dict[str, Any], str | Path]], *, scale: float = 2.0) -> list[Path]:
    """Draw several Vega-Lite specs, each to its path (the format by its suffix: :data:`FORMATS`), each mark
    described (:func:`described`) and invisible format characters dropped from its text: the ones not in the
    chart cache are drawn concurrently by the one converter of this process; returns the paths in order."""
    jobs = []
    for given, path in specs:
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in FORMATS:
            raise ParameterError(
                f"cannot save a chart as {suffix or 'a file without extension'!r}: use .svg, .png, "
                ".pdf, .html or .json"
            )
        spec = _without_format_characters(described(given))
        if spec_is_empty(spec):
            raise ParameterError(f"the chart for {path.name} has no row to draw (check chart_is_empty first)")
        # the spec's text (keys sorted) names its SVG ids and keys the chart cache: made once, for both
        text, plain = _plain_spec_text(spec)
        # where the chart cache keeps it (None: not kept), found once for the look-up and the keeping
        entry = _cache_entry(text, spec, suffix, scale) if suffix != ".json" else None
        jobs.append((spec, text, plain, path, suffix, entry))
    todo = [job for job in jobs if not _from_cache(job[5], job[3])]
    if len(todo) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(4, len(todo))) as pool:
            list(pool.map(lambda job: _render(*job, scale=scale), todo))
    else:
        for job in todo:
            _render(*job, scale=scale)
    return [job[3] for job in jobs]


#: What no chart draws of a text: the control characters but tab and the line breaks (XML, hence SVG, forbids
#: most of them: an ESC in a source's name from a sidecar made the SVG unreadable, "a non-XML character", and
#: stopped the brief; the others draw as nothing or a box), the non-characters U+FFFE and U+FFFF and lone
#: surrogates (not XML either).
_UNDRAWABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
# where the spec's JSON (ensure_ascii off) may hold one: as an escape (\u001b, \b, \f: json.dumps escapes every
# control character below 0x20), or written raw (the rest); a text holding a backslash before b or f is looked
# at for nothing, which costs a walk and changes nothing
_UNDRAWABLE_ESCAPED = re.compile(r"\\(?:u00[01][0-9a-fA-F]|[bf])")
_UNDRAWABLE_RAW = re.compile(r"[\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
#: The characters of a spec's JSON beyond printable ASCII: the only ones :data:`~evidence.core.text.UNSAFE_FORMAT`
#: and :data:`_UNDRAWABLE_RAW` can match.
_BEYOND_ASCII = re.compile(r"[^\x00-\x7e]")


def _without_format_characters(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with the invisible format characters (bidi controls and the like:
    :data:`~evidence.core.text.UNSAFE_FORMAT`) and what no chart draws (:data:`_UNDRAWABLE`: control characters)
    dropped from every text in it, titles, labels and data alike, as from any untrusted text the toolkit
    publishes: a category name from a data file could otherwise reverse the text drawn after it, or make the
    SVG unreadable. The spec is returned as it is when it holds none (one search of its JSON)."""
    dumped = json.dumps(spec, ensure_ascii=False, default=str)
    if not _holds_undrawable(dumped):
        return spec

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return _UNDRAWABLE.sub("", strip_unsafe_format(value))
        if isinstance(value, dict):
            return {clean(k): clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return cast(dict[str, Any], clean(spec))


def _holds_undrawable(dumped: str) -> bool:
    """Whether a spec's JSON (``ensure_ascii`` off) holds a character :func:`_without_format_characters` drops.

    Asked of the few distinct characters beyond printable ASCII, then of the escapes: one search of a map's
    JSON with the character classes took ten milliseconds (over the world's outlines, where every position was
    tried against them); these take a fraction of one, with the same answer."""
    if not dumped.isascii() or "\x7f" in dumped:  # DEL is ASCII, and written raw
        beyond = set(_BEYOND_ASCII.findall(dumped))
        if any(UNSAFE_FORMAT.match(c) or _UNDRAWABLE_RAW.match(c) for c in beyond):
            return True
    return _UNDRAWABLE_ESCAPED.search(dumped) is not None


def _render(
    spec: dict[str, Any],
    text: str,
    plain: bool,
    path: Path,
    suffix: str,
    entry: Path | None,
    *,
    scale: float,
) -> None:
    import vl_convert as vlc

    version = vl_version(spec)
    # the converter reads a spec's JSON text faster than it takes the dict over from Python (a tenth of the
    # time a chart took to draw), to the same spec and the same drawing; the dict where the text is not JSON's
    # (a number that is not, a value written by ``default=str``)
    given: str | dict[str, Any] = text if plain else spec
    content: str | bytes
    if suffix == ".svg":
        content = _stable_ids(vlc.vegalite_to_svg(given, vl_version=version), text)
    elif suffix == ".png":
        content = vlc.vegalite_to_png(given, vl_version=version, scale=scale)
    elif suffix == ".pdf":
        content = vlc.vegalite_to_pdf(given, vl_version=version)
    elif suffix == ".html":
        content = chart_html(spec, version)
    else:
        content = json.dumps(spec, indent=2, ensure_ascii=False)
    if isinstance(content, str):
        write_text(path, content)
    else:
        write_bytes(path, content)
    if entry is not None:
        _to_cache(entry, path)


def _spec_text(spec: dict[str, Any]) -> str:
    """A spec as JSON with its keys sorted: the same text for the same chart, whatever order it was built in."""
    return json.dumps(spec, sort_keys=True, default=str)


def _plain_spec_text(spec: dict[str, Any]) -> tuple[str, bool]:
    """:func:`_spec_text` of ``spec``, and whether it is the spec's own JSON (every value JSON's: no NaN or
    infinity, nothing written by ``default=str``), which the converter may read in place of the dict."""
    try:
        return json.dumps(spec, sort_keys=True, allow_nan=False), True
    except (TypeError, ValueError):
        return _spec_text(spec), False


_SVG_ID = re.compile(r'\bid="([^"]+)"')
#: Where an SVG names an element id: the id itself, a reference in a url(#...) and a link to it.
_SVG_ID_USE = re.compile(r'(\bid="|url\(#|href="#)([^")]+)(?=[")])')


def _stable_ids(svg: str, spec_text: str) -> str:
    """The SVG with its element ids (clip paths, gradients) named from the chart's spec (``spec_text``:
    :func:`_spec_text`), not from a counter.

    Vega numbers them per process (``clip1``, ``clip2``, ...), so the same chart would come out differently
    after other charts (in a warm kernel, or from the chart cache), and two charts inlined in one HTML brief
    could both define ``clip1`` and clip each other. Named ``c<hash of spec>-<n>``, the SVG is a function of
    the chart alone and its ids are unique on any page.
    """
    # the patterns' word boundary (an "id" attribute, not "grid") holds at every id=" of a Vega SVG: where it
    # does, the same patterns without it, which the regular expression engine looks for far faster (a map's
    # SVG took it seven milliseconds), find the same
    bounded = not any(at and _WORD.match(svg, at - 1) for at in _occurrences(svg, 'id="'))
    find, use = (_SVG_ID_FAST, _SVG_ID_USE_FAST) if bounded else (_SVG_ID, _SVG_ID_USE)
    ids = list(dict.fromkeys(find.findall(svg)))
    if not ids:
        return svg
    import hashlib

    digest = hashlib.sha256(spec_text.encode("utf-8")).hexdigest()[:10]
    names = {old: f"c{digest}-{n}" for n, old in enumerate(ids, start=1)}

    def renamed(match: re.Match[str]) -> str:
        name = names.get(match.group(2))
        return match.group(0) if name is None else match.group(1) + name

    return use.sub(renamed, svg)


_SVG_ID_FAST = re.compile(r'id="([^"]+)"')
_SVG_ID_USE_FAST = re.compile(r'(id="|url\(#|href="#)([^")]+)(?=[")])')
_WORD = re.compile(r"\w")


def _occurrences(text: str, part: str) -> Iterator[int]:
    """Where ``part`` starts in ``text``, each place."""
    at = text.find(part)
    while at >= 0:
        yield at
        at = text.find(part, at + 1)


def _cache_entry(spec_text: str, spec: dict[str, Any], suffix: str, scale: float) -> Path:
    import hashlib

    import vl_convert as vlc

    from evidence.core.config import cache_dir

    drawn_by = {
        "suffix": suffix,
        "scale": scale if suffix == ".png" else None,
        "vl_version": vl_version(spec),
        "vega": vlc.get_vega_version(),
        # the converter measures text itself: one version's drawing of a spec is not another's
        "vl_convert": getattr(vlc, "__version__", None),
    }
    key = json.dumps(drawn_by, sort_keys=True, separators=(",", ":")) + "\n" + spec_text
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return cache_dir() / "charts" / digest[:2] / f"{digest}{suffix}"


def _from_cache(entry: Path | None, path: Path) -> bool:
    if entry is None:
        return False
    try:
        content = entry.read_bytes()
    except OSError:
        return False
    write_bytes(path, content)
    return True


def _to_cache(entry: Path, rendered: Path) -> None:
    """Keep a rendered chart for the next identical one; a cache that cannot be written is no error.

    The cache is pruned when its entry's folder (one of 256, by the first two hex digits of the key) holds
    more than its share of :data:`CHART_CACHE_FILES`: counting every entry of the cache at every chart took
    milliseconds a chart once it held a few hundred."""
    try:
        write_bytes(entry, rendered.read_bytes())
        if sum(1 for _ in os.scandir(entry.parent)) > CHART_CACHE_FILES // 256:
            _prune_cache(entry.parent.parent)
    except OSError:
        pass


def _prune_cache(root: Path) -> None:
    """Remove the oldest entries of the chart cache beyond :data:`CHART_CACHE_FILES` (down to 90% of it)."""
    entries = list(root.glob("*/*"))
    if len(entries) <= CHART_CACHE_FILES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime)
    for old in entries[: len(entries) - CHART_CACHE_FILES * 9 // 10]:  # room for a while
        old.unlink(missing_ok=True)
