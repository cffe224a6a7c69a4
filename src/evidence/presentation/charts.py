"""Charts in one house style, built only from data that has passed disclosure control, rendered offline.

House theme
    ``"evidence"``, registered with ``alt.theme.register`` but never enabled for the process: it is applied
    to the toolkit's charts when they are drawn (:func:`chart_spec`, :func:`save_chart`), so importing this
    module changes nothing for other altair users. The Okabe–Ito palette (distinguishable with the common colour-vision deficiencies), a sequential single-hue
    scheme for maps, left-aligned bold titles, a subtitle that always ends with the source citation, light
    grids.

Disclosure
    Every builder takes either a :class:`~evidence.presentation.disclosure.DisclosedTable` (its body is
    used; withheld cells are left out and the subtitle says how many) or a polars frame, whose count
    columns are checked and which is refused with
    :class:`~evidence.presentation.disclosure.DisclosureError` if it holds a small count. Refusing is
    safer than silently suppressing: the caller decides whether totals published next to the chart need
    complementary suppression. Columns that are not counts (rates, shares, interval bounds) are not
    checked; pass ``counts=False`` when the value itself is not a count. Where a count is withheld, its
    interval bounds are dropped too.

Building
    Builders (here, in :mod:`.brief_charts` and :mod:`.causes_charts`) run :func:`unchecked` (altair's
    check of each schema object as it is made turned off) and compose charts with :func:`layered`,
    :func:`side_by_side` and :func:`with_properties` instead of ``alt.layer``, ``alt.hconcat`` and
    ``.properties()``: the same specs (tested), made without altair's repeated deep copies and per-property
    checks, which took most of a brief's chart time. Every builder's spec, and every chart of a demo brief,
    is validated against the Vega-Lite schema in the tests.

Rendering
    :func:`save_chart` writes ``.svg``, ``.png``, ``.pdf`` (vl-convert) or a self-contained ``.html`` with the
    Vega, Vega-Lite and vega-embed JavaScript inlined (no CDN, opens without a network), atomically;
    :func:`save_charts` renders several together. Both draw the chart's spec through
    :mod:`.chart_files` (which needs neither altair nor polars, so the runner's chart workers import only it):
    one converter serves the whole process (vl-convert's engine, started once; a warm kernel starts it before
    its first run), and a chart whose spec and data were rendered before is copied from the chart cache
    (``<cache>/charts``) instead.

Text from data
    Titles, labels, legends and tooltips come from data (category names) and parameters: they are text to
    Vega, never markup. SVG, PNG and PDF are drawn by vl-convert, which escapes them; in the ``.html`` page
    the spec is embedded as JSON with ``<``, ``>`` and ``&`` escaped, so a label such as ``</script>`` cannot
    end its script element (:func:`.chart_files.chart_html`).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Final, ParamSpec, Self, TypeVar, cast

import altair as alt
import numpy as np
import polars as pl
from altair.utils.schemapi import debug_mode

try:  # altair's own copying helpers (private): without them assembled charts are copied as altair copies them
    from altair.utils.schemapi import _deep_copy, _shallow_copy
except ImportError:  # pragma: no cover - an altair that renamed them
    _deep_copy = _shallow_copy = None  # type: ignore[assignment]

try:  # altair's own checks of a sub-chart (private): without them layered charts are made as altair makes them
    from altair.vegalite.v6.api import _check_if_can_be_layered, _check_if_valid_subspec
except ImportError:  # pragma: no cover - an altair that renamed them
    _check_if_can_be_layered = _check_if_valid_subspec = None  # type: ignore[assignment]

try:  # altair's own steps of writing a schema object (private): without them each is written by altair
    from altair.utils import parse_shorthand as _parse_shorthand
    from altair.utils.schemapi import _get_optional_modules, _replace_parsed_shorthand, _todict
    from altair.vegalite.v6.schema.channels import FieldChannelMixin as _FieldChannel
except ImportError:  # pragma: no cover - an altair that renamed them
    _todict = None  # type: ignore[assignment]

from evidence.analyses.selection import CELL_KEY
from evidence.core.errors import ParameterError
from evidence.core.text import column_title
from evidence.presentation.chart_files import (
    save_specs,
    spec_is_empty,
)
from evidence.presentation.disclosure import (
    DEFAULT_RULE,
    DisclosedTable,
    DisclosureError,
    DisclosureRule,
    require_disclosed,
)
from evidence.presentation.maps import (
    BOUNDARIES_CREDIT,
    Box,
    MapLabel,
    PlacedLabel,
    boxes_array,
    central_meridian,
    country_bounds,
    country_centroids,
    covered_area,
    equal_earth,
    fit_marks,
    fitted_pixels,
    fitted_view,
    latitude_at,
    legend_steps,
    place_labels,
    projected_bounds,
    rotation,
    text_width,
    unmapped_countries,
    world_extent,
    world_features,
    world_fit_points,
    world_pixels,
    world_view,
    wrap_longitude,
)
from evidence.presentation.markup import significant_text

# A chart left as a notebook cell's value is drawn by altair's renderer, whose default (HTML loading Vega from a
# CDN) shows nothing offline, where the toolkit is used: drawn as SVG by vl-convert instead, unless the
# researcher chose a renderer.
if alt.renderers.active == "default":
    alt.renderers.enable("svg")

__all__ = [
    "CHART_HEIGHT",
    "CHART_WIDTH",
    "PALETTE",
    "THEME_NAME",
    "chart_data",
    "chart_spec",
    "chart_title",
    "choropleth",
    "corridor_bar_chart",
    "flow_map",
    "interval_chart",
    "layered",
    "plain",
    "save_chart",
    "save_charts",
    "series_scale",
    "side_by_side",
    "stacked_share_chart",
    "trend_chart",
    "unchecked",
    "used_columns",
    "with_properties",
]

THEME_NAME = "evidence"
#: Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green, reddish purple, sky blue,
#: vermillion, yellow, black. Yellow comes late: it is weak on white.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
_SEQUENTIAL_SCHEME: Final = "blues"
_NO_DATA_COLOUR = "#e3e3e3"
#: The colour of a series of victims whose category is not recorded or unknown: a grey, never the palette's
#: black (the eighth colour), which drew "Not recorded" as the boldest series of "victims by form".
_UNKNOWN_COLOUR = "#a6a6a6"
#: Series names that say a category is not known (compared lower case).
_UNKNOWN_SERIES = frozenset({"not recorded", "unknown", "not known", "not stated", "missing"})
_LAND_COLOUR = "#ececec"
_BORDER_COLOUR = "#ffffff"
_FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
#: The size of every chart of the toolkit (this module's and :mod:`.causes_charts`'), in pixels.
CHART_WIDTH, CHART_HEIGHT = 600, 340
#: Characters of a subtitle line (11 px text): longer lines are wrapped to stay within the chart's width.
_SUBTITLE_CHARACTERS = 105


@alt.theme.register(THEME_NAME, enable=False)
def house_theme() -> alt.theme.ThemeConfig:
    """The house style (see the module docstring)."""
    return {
        "config": {
            "background": "white",
            "font": _FONT,
            "padding": 12,
            "view": {"continuousWidth": CHART_WIDTH, "continuousHeight": CHART_HEIGHT, "stroke": None},
            "title": {
                "anchor": "start",
                "fontSize": 16,
                "fontWeight": "bold",
                "color": "#1a1a1a",
                "subtitleFontSize": 11,
                "subtitleColor": "#555555",
                "subtitlePadding": 6,
                "offset": 12,
            },
            "axis": {
                "labelFontSize": 11,
                "titleFontSize": 12,
                "titleFontWeight": "normal",
                "titleColor": "#333333",
                "labelColor": "#333333",
                "gridColor": "#e8e8e8",
                "domainColor": "#888888",
                "tickColor": "#888888",
            },
            "legend": {
                "labelFontSize": 11,
                "titleFontSize": 12,
                "titleFontWeight": "normal",
                "orient": "bottom",
            },
            # vega-lite takes a scheme for the ramp; altair's typed config knows only lists of colours
            "range": {"category": PALETTE, "ramp": cast(Any, {"scheme": _SEQUENTIAL_SCHEME})},
            "line": {"strokeWidth": 2.5},
            "point": {"size": 40, "filled": True},
        }
    }


# --------------------------------------------------------------------------------------------- data checks


def chart_data(
    data: DisclosedTable | pl.DataFrame,
    count_columns: Sequence[str],
    rule: DisclosureRule,
    what: str,
) -> tuple[pl.DataFrame, int]:
    """Publishable rows for a chart and the number of withheld cells (from a DisclosedTable) left out."""
    if isinstance(data, DisclosedTable):
        frame = data.body
        withheld = 0
        for column in count_columns:
            flag = column + "_suppressed"
            if flag in frame.columns:
                withheld += int(frame[flag].sum())
        frame = frame.drop([c for c in frame.columns if c.endswith("_suppressed")])
        require_disclosed(frame, data.rule, columns=list(count_columns), what=what)
        return frame, withheld
    if not isinstance(data, pl.DataFrame):
        raise ParameterError(
            f"{what} needs a polars DataFrame or a DisclosedTable, got {type(data).__name__}"
        )
    if keys := [k for k in (CELL_KEY, *(f"{c}_key" for c in count_columns)) if k in data.columns]:
        # counts of records protected by cell key are published perturbed, in every output: a chart of the exact
        # counts set beside the perturbed tables of a brief would give the perturbations (and small counts) back
        raise DisclosureError(
            f"{what}: its counts are of records protected by the cell key method (the frame carries their "
            f"{keys[0]!r}), so they are published perturbed as in every other output: chart the table "
            "evidence.notebooks.protect(frame, key, columns, rule) returns, not the exact counts"
        )
    require_disclosed(data, rule, columns=list(count_columns), what=what)
    return data, 0


def used_columns(frame: pl.DataFrame, columns: Sequence[str | None], what: str) -> pl.DataFrame:
    """Only the columns a chart draws: the rest would travel unchecked in the spec (and in an HTML page)."""
    wanted = list(dict.fromkeys(c for c in columns if c is not None))
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise ParameterError(f"{what}: column(s) not in the data: {', '.join(missing)}")
    # Vega-Lite reads a field name as a path into nested data: "No. of victims" would be the field " of
    # victims" of a "No" that no row has, and the chart would come out empty with no error
    if pathlike := [c for c in wanted if _FIELD_PATH_CHARACTERS.search(c)]:
        raise ParameterError(
            f"{what}: a chart reads the characters . [ ] ' \" and \\ in a column name as a path into nested "
            f"data, so it could not draw column(s) {', '.join(repr(c) for c in pathlike)}: rename them first "
            "(e.g. frame.rename({'No. of victims': 'victims'}))"
        )
    # the columns by name, the frame's own (no polars query: a chart's data, a brief's few dozen of them); no
    # column at all is a selection ([] would index rows)
    return frame[wanted] if wanted else frame.select(wanted)


_FIELD_PATH_CHARACTERS = re.compile(r"[.\[\]'\"\\]")


def chart_title(
    title: str, source: str, subtitle: str | None = None, notes: Sequence[str | None] = ()
) -> alt.TitleParams:
    """A chart's title block: the title, then the subtitle, the notes and the source (required) below it."""
    if not source or not source.strip():
        raise ParameterError("every chart names its source (e.g. source='UNODC GLOTIP, 2023 release')")
    import textwrap

    lines = [subtitle] if subtitle else []
    lines += [n for n in notes if n]
    lines.append(source if source.lower().startswith("source") else f"Source: {source}")
    # Vega does not wrap a subtitle: a long line (several sources) would widen the chart beyond the page
    wrapped = [part for line in lines for part in textwrap.wrap(line, _SUBTITLE_CHARACTERS) or [""]]
    return alt.TitleParams(text=title, subtitle=wrapped)


def _year_span(frame: pl.DataFrame, year: str) -> list[Any] | None:
    """The first and last year of a chart's rows, or None without rows."""
    return (
        list(frame.select(pl.col(year).min(), pl.col(year).max().alias("_last")).row(0))
        if frame.height
        else None
    )


def publishers_withheld(data: DisclosedTable | pl.DataFrame, count_columns: Sequence[str]) -> int:
    """How many of the cells :func:`chart_data` leaves out of ``data`` the publisher withheld itself: cells
    made only of its own censored counts (:attr:`DisclosedTable.known`, UNODC's ``<5``), not the toolkit's."""
    if not isinstance(data, DisclosedTable) or data.known.is_empty():
        return 0
    rows = data.body.height
    withheld = 0
    for column in count_columns:
        flag = column + "_suppressed"
        if flag in data.frame.columns:
            known = data.known_cells(column)[:rows]
            flags = data.frame[flag].head(rows).to_list()
            withheld += sum(1 for left_out, own in zip(flags, known, strict=False) if left_out and own)
    return withheld


def _withheld_note(
    withheld: int, rule: DisclosureRule, *, line: bool = False, publishers: int = 0
) -> str | None:
    """What a chart says of the values it leaves out. Not "counts below the threshold": a value is also
    withheld to protect another (``x``: not itself small), and a publisher's range with small cells (2–8) is
    not drawn either, so the note says why all of them are out, and that the table beside it shows them.
    ``line``: a line chart, whose line runs past a withheld year (it joins the years either side).
    ``publishers``: how many of them the publisher withheld itself (:func:`publishers_withheld`): those are
    its own, not the toolkit's protection."""
    if not withheld:
        return None
    ours = withheld - publishers
    parts = []
    if ours:
        cells = "value" if ours == 1 else "values"
        parts.append(f"{ours} {cells} withheld to protect small counts (below {rule.threshold})")
    if publishers:
        cells = "value" if publishers == 1 else "values"
        parts.append(f"{publishers} {cells} the publisher gives only as small counts (such as <5)")
    joined = " (a line passing one joins the years either side)" if line else ""
    return f"{' and '.join(parts)}, not drawn{joined}; the table shows what is published."


#: Why a year between a trend's first and last is not in its data, unless the caller says otherwise: the note
#: a case table gives such a year (no record of the selection: not covered, or nothing recorded).
NO_RECORDS: Final = "no records"


def _missing_years(frame: pl.DataFrame, year: str, by_series: Sequence[str]) -> list[int]:
    """The years between a series' first and last that it holds no row for (every series' gaps together)."""
    if not frame.height:
        return []
    groups = frame.partition_by(list(by_series)) if by_series else [frame]
    missing: set[int] = set()
    for group in groups:
        held = {int(y) for y in group[year].to_list() if y is not None}
        if held:
            missing |= set(range(min(held), max(held) + 1)) - held
    return sorted(missing)


def _gap_note(missing: Sequence[int], reasons: Mapping[int, str]) -> str | None:
    """What a gap in a trend line is: never a zero, and each gap year's reason (``reasons``, else
    :data:`NO_RECORDS`), the years of one reason together: "2017, breakdown not usable (doubtful)"."""
    from evidence.analyses.coverage import years_text

    if not missing:
        return None
    by_reason: dict[str, list[int]] = {}
    for y in missing:
        by_reason.setdefault(reasons.get(y) or NO_RECORDS, []).append(y)
    if list(by_reason) == [NO_RECORDS]:
        return "A gap in the line: years without data (no records), not zeros."
    said = "; ".join(f"{years_text(years)}, {reason}" for reason, years in by_reason.items())
    gap = "Gaps in the line, not zeros" if len(missing) > 1 else "A gap in the line, not a zero"
    return f"{gap} (see the table): {said}."


def _flagged_note(marked: Sequence[int], notes: Mapping[int, str]) -> str:
    """What the open circles of a trend line are: the flagged years (``marked``) as their table notes them
    (``notes``), the years of one note together: "Open circles: 2007–2012, not comparable with the other years
    (see the table)"; "Open circles: flagged years (see the table): 2007–2012, not comparable with the other
    years; 2021, probably incomplete". A year without a note is a flagged year, said as no more than that."""
    from evidence.analyses.coverage import years_text

    by_note: dict[str, list[int]] = {}
    for y in sorted(marked):
        by_note.setdefault(notes.get(y) or "", []).append(y)
    said = [f"{years_text(years)}, {note}" for note, years in by_note.items() if note]
    if not said:
        return "Open circles: flagged years (see the table)."
    if len(by_note) == 1:
        return f"Open circles: {said[0]} (see the table)."
    unnoted = by_note.get("")
    said += [f"{years_text(unnoted)}, flagged"] if unnoted else []
    return f"Open circles: flagged years (see the table): {'; '.join(said)}."


def _rule_of(data: DisclosedTable | pl.DataFrame, rule: DisclosureRule) -> DisclosureRule:
    return data.rule if isinstance(data, DisclosedTable) else rule


# ----------------------------------------------------------------------------------------------- assembly
#
# altair checks each schema object against the Vega-Lite schema as it is made ("debug mode") and each property
# given with ``.properties()``, and copies a layered or concatenated chart's sub-charts deeply each time the
# chart is made, given a property or turned into a spec; a schema object carries every field its schema allows
# (a mark over a hundred, mostly unset). That was most of the time a brief's charts took before they were
# drawn. The builders below make the same specs without it: built with :func:`unchecked`, assembled with
# :func:`layered`, :func:`side_by_side` and :func:`with_properties`. The tests validate every builder's whole
# spec against the schema instead.

_P = ParamSpec("_P")
_R = TypeVar("_R")
_Chart = TypeVar("_Chart", bound=alt.SchemaBase)

#: The properties of a chart that hold schema objects (marks, channels, scales, titles, ...) or other charts.
_PARTS: Final = (
    "mark",
    "encoding",
    "projection",
    "transform",
    "title",
    "width",
    "height",
    "layer",
    "hconcat",
)


def unchecked(builder: Callable[_P, _R]) -> Callable[_P, _R]:
    """The chart builder with altair's check of each schema object as it is made turned off (the spec is the
    same; a spec is validated whole in the tests)."""

    @functools.wraps(builder)
    def build(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with debug_mode(False):
            return builder(*args, **kwargs)

    return build


def _plain_part(value: Any) -> Any:
    if isinstance(value, (alt.Chart, alt.LayerChart, alt.HConcatChart)):
        return plain(value)
    if isinstance(value, alt.SchemaBase):
        return _schema_dict(value)
    if isinstance(value, list):
        return [_plain_part(v) for v in value]
    return value


#: The JSON values altair writes into a spec as they are (exactly these types: not numpy's numbers).
_AS_IS: Final = frozenset({str, int, float, bool, type(None)})


def _schema_dict(obj: alt.SchemaBase) -> Any:
    """``obj.to_dict(validate=False)``: the same value, written without altair's checks of each value it holds.

    altair asks of every value (each string and number) whether it is a numpy array or number, a schema
    object, a list, a dict or, through a run-time protocol (``SchemaLike``), an object that writes itself: most
    of the time a chart's parts took to be written (:func:`plain`). Here a string, number, list or dict is
    written as altair writes it, and a schema object whose writing is altair's own (``SchemaBase.to_dict``, or
    a field channel's without data to read types from) step by step as altair writes it; anything else
    (numpy values, dates, other objects) by altair (``_todict``), the same way."""
    if _todict is None:  # pragma: no cover - an altair without the steps used here
        return obj.to_dict(validate=False)
    try:
        return _Writer().schema(obj, {})
    except Exception:  # noqa: BLE001 - altair's private steps changed under us: altair writes it (or says why not)
        return obj.to_dict(validate=False)


@functools.lru_cache(maxsize=1024)
def _parsed_once(shorthand: str) -> dict[str, Any]:
    return _parse_shorthand(shorthand, data=None)


def _shorthand(shorthand: str) -> dict[str, Any]:
    """altair's ``parse_shorthand(shorthand, data=None)`` (a pure function of the text: a few regular
    expressions each time), parsed once per text; a copy of its own each time (altair changes it)."""
    return _json_copy(_parsed_once(shorthand))


class _Writer:
    """:func:`_schema_dict`'s writing of one part (altair's optional modules looked up once)."""

    __slots__ = ("_opts",)

    def __init__(self) -> None:
        self._opts = _get_optional_modules(np_opt="numpy", pd_opt="pandas")

    def value(self, obj: Any, context: dict[str, Any]) -> Any:
        """altair's ``_todict(obj, context, ...)``."""
        kind = type(obj)
        if kind in _AS_IS:
            return obj
        if kind is dict:
            return {k: self.value(v, context) for k, v in obj.items() if v is not alt.Undefined}
        if kind is list or kind is tuple:
            return [self.value(v, context) for v in obj]
        if isinstance(obj, alt.SchemaBase):
            return self.schema(obj, context)
        return _todict(obj, context, **self._opts)

    def schema(self, obj: alt.SchemaBase, context: dict[str, Any]) -> Any:
        """altair's ``obj.to_dict(validate=False, context=context)``."""
        writes = type(obj).to_dict
        parsed: dict[str, Any] | None = None
        if writes is _FieldChannel.to_dict:
            parsed = self._parsed_shorthand(obj, context)
            if parsed is None:
                return obj.to_dict(validate=False, context=context)
        elif writes is not alt.SchemaBase.to_dict:
            return obj.to_dict(validate=False, context=context)
        if obj._args and not obj._kwds:
            kwds = obj._args[0]
        elif not obj._args:
            kwds = {k: v for k, v in obj._kwds.items() if k != "shorthand" and k != "_cached_hash"}
            if parsed:
                kwds = _replace_parsed_shorthand(parsed, kwds)
            if (mark := kwds.get("mark")) and isinstance(mark, str):
                kwds["mark"] = {"type": mark}
        else:  # altair's error
            return obj.to_dict(validate=False, context=context)
        return self.value(kwds, context)

    @staticmethod
    def _parsed_shorthand(obj: alt.SchemaBase, context: dict[str, Any]) -> dict[str, Any] | None:
        """What altair's field channel parses of its shorthand (``FieldChannelMixin.to_dict``), or None where
        altair is left to write it: data to read types from, several shorthands, or what altair refuses."""
        if context:
            return None
        shorthand, field = obj._get("shorthand"), obj._get("field")
        if shorthand is alt.Undefined:
            return {}
        if field is not alt.Undefined or isinstance(shorthand, (tuple, list)):
            return None
        if not isinstance(shorthand, str):
            return {"field": shorthand}
        parsed = _shorthand(shorthand)
        if "type" not in obj._kwds:
            parsed.pop("type", None)
        elif "type" not in parsed and obj._get("type") is alt.Undefined:
            return None
        return parsed


def _json_copy(value: Any) -> Any:
    """A copy of a spec's JSON value (dicts and lists copied, the rest shared: strings, numbers, None)."""
    if type(value) is dict:
        return {k: _json_copy(v) for k, v in value.items()}
    if type(value) is list:
        return [_json_copy(v) for v in value]
    return value


class _Written:
    """A part of a chart written as its spec already (a dict or a list of them, as ``to_dict`` writes it), held
    whole. altair copies every sub-chart of a layered or concatenated chart deeply, walking every value,
    each time such a chart is made and each time it is turned into a spec (a map's layers were copied a dozen
    times): it takes this by reference, and writes it into the spec as a copy of the value, as it is
    (``to_dict``: altair's ``SchemaLike``)."""

    __slots__ = ("value",)
    _schema: ClassVar[dict[str, str]] = {"type": "object"}

    def __init__(self, value: Any) -> None:
        self.value = value

    def to_dict(self, *args: Any, **kwargs: Any) -> Any:
        return _json_copy(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Written) and self.value == other.value

    __hash__ = None  # type: ignore[assignment]  # unhashable, as the dict or list it holds


def _written(value: Any) -> Any:
    """``value`` (a plain part) held whole when it is a dict or a list of plain values (not of charts)."""
    if type(value) is dict or (type(value) is list and not any(isinstance(v, alt.SchemaBase) for v in value)):
        return _Written(value)
    return value


def plain(chart: _Chart) -> _Chart:
    """The chart with its mark, encodings, projection, transforms and title held as the plain dicts they are
    written as in the spec (its data stays as it is; its sub-charts are made plain too), each held whole
    (:class:`_Written`): the spec is the same, and altair's copies of the chart walk a few keys instead of every
    field of every schema object."""
    copy = chart.copy(deep=False)
    for key in _PARTS:
        value = getattr(chart, key, alt.Undefined)
        if value is not alt.Undefined:
            part = _plain_part(value)
            copy[key] = _written(part) if key not in ("encoding", "width", "height") else part
    if isinstance(copy, alt.Chart) and isinstance(copy.encoding, dict):
        # altair looks into the encoding of a layer (for facets) as an object
        copy.encoding = _Encoding(**{k: _written(v) for k, v in copy.encoding.items()})
    return copy


class _Encoding(alt.FacetedEncoding):
    """An encoding that holds only the channels it is given (altair's holds all of them, mostly unset, and
    copies each one each time it copies a chart)."""

    def __init__(self, **channels: Any) -> None:
        alt.SchemaBase.__init__(self, **channels)


def with_properties(chart: _Chart, **properties: Any) -> _Chart:
    """``chart.properties(**properties)`` (e.g. ``projection=alt.Projection(...)`` for ``chart.project()``)
    without altair's check of each property against the schema."""
    copy = chart.copy(deep=False)
    for key, value in properties.items():
        copy[key] = value
    return copy


def layered(*layers: alt.Chart, **properties: Any) -> alt.LayerChart:
    """``alt.layer(*layers).properties(**properties)``, the same spec made at a fraction of the cost: the layers
    :func:`plain`, the properties given as the layered chart is made (altair checks each property given later,
    then copies every layer again), copied without being combined again (:class:`_Assembled`)."""
    return _LayerChart(layer=[plain(c) for c in layers], **{k: _plain_part(v) for k, v in properties.items()})


def side_by_side(*charts: alt.Chart | alt.LayerChart, **properties: Any) -> alt.HConcatChart:
    """``alt.hconcat(*charts).properties(**properties)``, made as :func:`layered` makes layers."""
    return _HConcatChart(
        hconcat=[plain(c) for c in charts], **{k: _plain_part(v) for k, v in properties.items()}
    )


class _Assembled(alt.SchemaBase):
    """A layered or side-by-side chart whose copies are its properties copied, as altair's copies give them,
    without making the chart again, where making it again would change nothing.

    altair copies such a chart by making it again, which combines its sub-charts' data, parameters and sizes
    again, copying every sub-chart deeply (and a layered one's layers again, each time); and it copies the
    chart each time it is given a property, put beside another or turned into a spec (every sub-chart of it
    too): most of the time a flow map took to be built and written. Combined when it was made (by altair), a
    chart comes out of combining again as it is, unless something was changed since (:meth:`_settled`: a
    parameter added, a size or the same data given to a sub-chart), when it is copied as altair copies it. So
    a copy here is that chart: its properties with its lists copied (deeply for a deep copy; ``ignore``:
    properties taken by reference), the sub-charts of a shallow copy shared, as nothing changes a sub-chart in
    place (altair's specs are written from copies)."""

    def copy(self, deep: bool | Iterable[Any] = True, ignore: list[str] | None = None) -> Self:
        if _deep_copy is None or _shallow_copy is None:
            return super().copy(deep=deep, ignore=ignore)
        if not self._settled():
            if deep is True:
                return self._made_again(set(ignore) if ignore else set())
            return super().copy(deep=deep, ignore=ignore)
        if deep is True:
            by_ref = set(ignore) if ignore else set()
            kwds = {k: (v if k in by_ref else _deep_copy(v, by_ref)) for k, v in self._kwds.items()}
            return self._with(kwds)
        copy = self._with({k: (list(v) if type(v) is list else v) for k, v in self._kwds.items()})
        if deep is not False:
            for key in deep:
                copy[key] = _shallow_copy(copy._get(key))
        return copy

    def __deepcopy__(self, memo: Any) -> Self:
        # altair's deep copy of a chart holding this one asks it here (``memo`` is not used)
        return self.copy(deep=True)

    def _with(self, kwds: dict[str, Any]) -> Self:
        """A chart of this class with the properties ``kwds``, made without altair's making (and combining)."""
        chart = object.__new__(type(self))
        object.__setattr__(chart, "_args", ())
        object.__setattr__(chart, "_kwds", kwds)
        return chart

    def _made_again(self, by_ref: set[str]) -> Self:
        """altair's deep copy (its properties copied deeply, the chart made again of them)."""
        kwds = {k: (v if k in by_ref else _deep_copy(v, by_ref)) for k, v in self._kwds.items()}
        with debug_mode(False):
            return type(self)(**kwds)

    def _settled(self) -> bool:
        """Whether altair's combining of the sub-charts (of their data, parameters and, in a layered chart, sizes)
        would leave the chart as it is: no parameter anywhere in it, no sub-chart holding the chart's data or
        all of them one data (it would be lifted), no layer with a size (it would be moved up) and, side by
        side, no layer with a name (renamed by its place)."""
        layered = isinstance(self, alt.LayerChart)
        parts = self._kwds.get("layer" if layered else "hconcat", alt.Undefined)
        if self._kwds.get("params", alt.Undefined) is not alt.Undefined or not isinstance(parts, list):
            return False
        data = self._kwds.get("data", alt.Undefined)
        datas = []
        for part in parts:
            kwds = getattr(part, "_kwds", None)
            if not isinstance(part, alt.SchemaBase) or kwds is None:
                return False
            datas.append(kwds.get("data", alt.Undefined))
            if kwds.get("params", alt.Undefined) is not alt.Undefined or (
                data is not alt.Undefined and datas[-1] is data
            ):
                return False
            if layered and any(
                kwds.get(p, alt.Undefined) is not alt.Undefined for p in ("height", "width", "view")
            ):
                return False
            if (
                not layered
                and isinstance(part, alt.LayerChart)
                and any(
                    getattr(c, "_kwds", {}).get("name", alt.Undefined) is not alt.Undefined
                    for c in part.layer
                )
            ):
                return False
        return not (
            data is alt.Undefined
            and datas
            and datas[0] is not alt.Undefined
            and all(d is datas[0] for d in datas)
        )


def _combined_as_given(parts: list[Any], data: Any, properties: dict[str, Any], *, layered: bool) -> bool:
    """Whether altair, making a layered (``layered``) or side-by-side chart of ``parts`` with ``data`` and the
    other ``properties``, would combine nothing: no parameter anywhere (to be lifted, renamed, deduplicated),
    no data given to the chart or held by every part alike (to be lifted), no size in a layer (to be moved
    up), no named layer side by side (to be renamed), only plain charts and layered ones. altair then keeps
    each part as it is, after copying each deeply twice (each row of its data, each field of its encoding)."""
    if _check_if_can_be_layered is None or _check_if_valid_subspec is None:
        return False
    if not parts or data is not alt.Undefined or properties.get("params", alt.Undefined) is not alt.Undefined:
        return False
    kinds = (alt.Chart,) if layered else (alt.Chart, alt.LayerChart)
    datas = []
    for part in parts:
        if type(part) not in kinds and not (isinstance(part, _LayerChart) and not layered):
            return False
        kwds = part._kwds
        if kwds.get("params", alt.Undefined) is not alt.Undefined:
            return False
        datas.append(kwds.get("data", alt.Undefined))
        if layered and any(
            kwds.get(p, alt.Undefined) is not alt.Undefined for p in ("height", "width", "view")
        ):
            return False
        if not layered and isinstance(part, alt.LayerChart):
            layers = kwds.get("layer", alt.Undefined)
            if not isinstance(layers, list) or any(
                getattr(c, "_kwds", {}).get("name", alt.Undefined) is not alt.Undefined for c in layers
            ):
                return False
    return not (datas[0] is not alt.Undefined and all(d is datas[0] for d in datas))


class _LayerChart(_Assembled, alt.LayerChart):
    """:class:`alt.LayerChart`, copied as :class:`_Assembled` says, and made without altair's combining of its
    layers where it would combine nothing (:func:`_combined_as_given`)."""

    def __init__(self, data: Any = alt.Undefined, layer: Sequence[Any] = (), **kwargs: Any) -> None:
        layers = list(layer)
        if not _combined_as_given(layers, data, kwargs, layered=True):
            super().__init__(data=data, layer=layers, **kwargs)
            return
        for spec in layers:
            _check_if_valid_subspec(spec, "LayerChart")
            _check_if_can_be_layered(spec)
        # what altair's making leaves: its properties as given, the layers in a list of their own, no parameter
        super(alt.LayerChart, self).__init__(data=data, layer=layers, **kwargs)
        self.params = alt.Undefined


class _HConcatChart(_Assembled, alt.HConcatChart):
    """:class:`alt.HConcatChart`, copied and made as :class:`_LayerChart` is."""

    def __init__(self, data: Any = alt.Undefined, hconcat: Sequence[Any] = (), **kwargs: Any) -> None:
        charts = list(hconcat)
        if not _combined_as_given(charts, data, kwargs, layered=False):
            super().__init__(data=data, hconcat=charts, **kwargs)
            return
        for spec in charts:
            _check_if_valid_subspec(spec, "HConcatChart")
        super(alt.HConcatChart, self).__init__(data=data, hconcat=charts, **kwargs)
        self.params = alt.Undefined


# ------------------------------------------------------------------------------------------------ builders


def count_axis() -> alt.Axis:
    """The axis of a count of people: whole numbers only (no tick at half a victim: 0.5, 1.5, ...)."""
    return alt.Axis(format=",~f", tickMinStep=1)


def year_axis() -> alt.Axis:
    """The axis of years on a continuous scale: whole years, the first and last labels centred on their ticks
    like the others (Vega-Lite sets them flush with the axis ends by default, which put "2007" right against a
    centred "2008" beside it)."""
    return alt.Axis(format="d", tickMinStep=1, labelFlush=False)


#: Column of a trend chart's data: the run of consecutive years a point belongs to (a missing year ends a run).
_SEGMENT = "_segment"
#: Column of a trend chart's data: the value as its table writes it (its tooltip, and the marks' description).
_SHOWN = "_shown"


def number_text(value: float, *, count: bool) -> str:
    """A number as the tables write it: a count whole with separators (2,580), any other number to three
    significant digits (0.0219, 4.14, 21.9) and a large one whole (1,234)."""
    return f"{value:,.0f}" if count else significant_text(value)


def _shown_values(
    frame: pl.DataFrame, value: str, low: str | None, high: str | None, *, counts: bool
) -> list[str | None]:
    """Each row's value as text: with a band (``low``–``high``), a value at its low bound is the range
    (``177–180``), another value has its interval after it (``1.2 (0.9–1.6)``); without, the value alone."""
    out: list[str | None] = []
    lows = frame[low].to_list() if low else [None] * frame.height
    highs = frame[high].to_list() if high else [None] * frame.height
    for v, lo, hi in zip(frame[value].to_list(), lows, highs, strict=True):
        if v is None:
            out.append(None)
        elif lo is None or hi is None or not hi > lo:
            out.append(number_text(v, count=counts))
        elif v == lo:
            out.append(f"{number_text(lo, count=counts)}–{number_text(hi, count=counts)}")
        else:
            out.append(
                f"{number_text(v, count=counts)} ({number_text(lo, count=counts)}–{number_text(hi, count=counts)})"
            )
    return out


@unchecked
def series_scale(values: Sequence[object], *, ordered: bool = False) -> alt.Scale:
    """The colour scale of a chart's series: the palette in the order Vega-Lite gives it (sorted; ``ordered``:
    in the order of ``values``, as a declared order of categories), a series whose category is not recorded or
    unknown (:data:`_UNKNOWN_SERIES`) in grey, whatever its place."""
    named = [str(v) for v in values if v is not None]
    domain = list(dict.fromkeys(named)) if ordered else sorted(set(named))
    colours, known = [], 0
    for name in domain:
        if name.strip().lower() in _UNKNOWN_SERIES:
            colours.append(_UNKNOWN_COLOUR)
        else:
            colours.append(PALETTE[known % len(PALETTE)])
            known += 1
    return alt.Scale(domain=domain, range=colours)


@unchecked
def trend_chart(
    data: DisclosedTable | pl.DataFrame,
    year: str,
    value: str,
    low: str | None = None,
    high: str | None = None,
    *,
    title: str,
    source: str,
    series: str | None = None,
    subtitle: str | None = None,
    y_title: str | None = None,
    counts: bool = True,
    rule: DisclosureRule = DEFAULT_RULE,
    band_note: str = "Shaded band: interval from the analysis.",
    flagged: Sequence[int] = (),
    flagged_note: str | None = None,
    gaps: Mapping[int, str] | None = None,
) -> alt.TopLevelMixin:
    """A yearly line (one per ``series``), with an interval band from ``low`` to ``high`` when given. The band
    and ``band_note`` (what the band is, and the line where that needs saying) are drawn and said only where
    the band has a width somewhere: a band from a value to itself is not there to be read. Years in
    ``flagged`` (probably incomplete ones, say) are drawn as open circles, said in ``flagged_note``; by default
    (None) as their table notes them (``gaps``: "Open circles: 2007–2012, not comparable with the other years
    (see the table)", :func:`_flagged_note`), never as what they may not be.

    A year the data hold no row for breaks the line, and the note says why: ``gaps`` gives the reason of such a
    year as its table writes it (``{2017: "breakdown not usable (doubtful)"}``: any year may be given, only the
    gaps and the flagged years are read); a gap year it does not name is a year without data
    (:data:`NO_RECORDS`)."""
    rule = _rule_of(data, rule)
    frame, withheld = chart_data(data, [value] if counts else [], rule, "trend chart")
    frame = used_columns(frame, [year, value, low, high, series], "trend chart")
    if (low is None) != (high is None):
        raise ParameterError("give both low and high for an interval band, or neither")
    bounds = [c for c in (low, high) if c is not None]
    # A year the data do not hold (no row: not covered, not reported) breaks the line: a line across it would
    # draw values for years without data. A withheld year has its row, and the line runs past it.
    by_series = [series] if series else []
    frame = frame.sort([*by_series, year]).with_columns(
        ((pl.col(year).diff().over(by_series) if by_series else pl.col(year).diff()) > 1)
        .fill_null(False)
        .cum_sum()
        .alias(_SEGMENT)
    )
    missing = _missing_years(frame, year, by_series)
    # A withheld count takes its interval with it: a band around a hidden value would hint at it.
    frame = frame.with_columns(pl.when(pl.col(value).is_not_null()).then(pl.col(c)).alias(c) for c in bounds)
    # the axis spans the withheld years too: a withheld first or last year is a year of the data, not past it
    span = _year_span(frame, year)
    frame = frame.filter(pl.col(value).is_not_null())
    scale = (
        alt.Scale(zero=False, domain=span)
        if span and span != _year_span(frame, year)
        else alt.Scale(zero=False)
    )
    y_title = y_title or column_title(value)
    x = alt.X(f"{year}:Q", title=None, axis=year_axis(), scale=scale)
    colours = series_scale(frame[series].to_list()) if series else None
    colour = (
        alt.Color(f"{series}:N", title=column_title(series), scale=colours)
        if series
        else alt.ColorValue(PALETTE[0])
    )
    drawn = (
        low is not None
        and high is not None
        and bool(frame.select((pl.col(high) > pl.col(low)).fill_null(False).any()).item())
    )
    # the value as the table writes it: a count drawn at its low bound with a band is its range (177–180),
    # never the low bound alone; an estimate with an interval says both; numbers to the table's digits
    frame = frame.with_columns(
        pl.Series(
            _SHOWN,
            _shown_values(frame, value, low if drawn else None, high if drawn else None, counts=counts),
            dtype=pl.String,
        )
    )
    tooltip = [
        alt.Tooltip(f"{year}:Q", format="d", title="Year"),
        alt.Tooltip(f"{_SHOWN}:N", title=y_title),
    ]
    if series:
        tooltip.insert(0, alt.Tooltip(f"{series}:N", title=column_title(series)))
    base = alt.Chart(frame)
    segment = alt.Detail(f"{_SEGMENT}:N")
    line = base.mark_line(point=True).encode(
        x=x,
        y=alt.Y(f"{value}:Q", title=y_title, axis=count_axis() if counts else alt.Axis(format=",~f")),
        color=colour,
        detail=segment,
        tooltip=tooltip,
    )
    layers: list[alt.Chart] = []
    if drawn:
        band_colour = (
            alt.Color(f"{series}:N", legend=None, scale=colours) if series else alt.ColorValue(PALETTE[0])
        )
        layers.append(
            base.mark_area(opacity=0.2).encode(
                x=x,
                y=alt.Y(f"{low}:Q", title=y_title),
                y2=alt.Y2(f"{high}:Q"),
                color=band_colour,
                detail=segment,
            )
        )
    layers.append(line)
    # only the flagged years the chart draws: a layer of none would be empty (Vega-Lite warns of its extent)
    drawn_years = set(frame[year].to_list())
    marked = [int(y) for y in flagged if int(y) in drawn_years]
    if marked:
        stroke = (
            alt.Stroke(f"{series}:N", legend=None, scale=colours) if series else alt.StrokeValue(PALETTE[0])
        )
        layers.append(
            base.transform_filter(alt.FieldOneOfPredicate(field=year, oneOf=marked))
            .mark_point(filled=False, fill="white", fillOpacity=1, opacity=1, size=60, strokeWidth=2)
            .encode(x=x, y=alt.Y(f"{value}:Q"), stroke=stroke, tooltip=tooltip)
        )
    notes = [
        _withheld_note(
            withheld, rule, line=True, publishers=publishers_withheld(data, [value] if counts else [])
        ),
        _gap_note(missing, gaps or {}),
    ]
    if drawn:
        notes.insert(0, band_note)
    if marked:
        notes.insert(0, flagged_note if flagged_note is not None else _flagged_note(marked, gaps or {}))
    return layered(
        *layers, title=chart_title(title, source, subtitle, notes), width=CHART_WIDTH, height=CHART_HEIGHT
    )


@unchecked
def stacked_share_chart(
    data: DisclosedTable | pl.DataFrame,
    x: str,
    category: str,
    value: str,
    *,
    title: str,
    source: str,
    subtitle: str | None = None,
    x_title: str | None = None,
    rule: DisclosureRule = DEFAULT_RULE,
) -> alt.Chart:
    """Stacked bars of each category's share of the published counts at each ``x`` (e.g. year).

    ``data`` is long: one row per ``x`` and ``category`` with the count in ``value``. Shares are of the
    published counts (withheld cells are left out, and the subtitle says so), so they reveal nothing that the
    counts in the tooltip do not.
    """
    rule = _rule_of(data, rule)
    frame, withheld = chart_data(data, [value], rule, "stacked share chart")
    frame = used_columns(frame, [x, category, value], "stacked share chart")
    frame = frame.filter(pl.col(value).is_not_null())
    x_type = "O" if frame[x].dtype.is_integer() or frame[x].dtype == pl.String else "N"
    # ordered categories (age bands, durations) keep their order in the legend and the stack, not A–Z
    levels = _category_order(frame[category])
    frame = frame.with_columns(
        pl.col(category).cast(pl.String),
        _stack_order=pl.col(category)
        .cast(pl.String)
        .replace_strict(levels, list(range(len(levels))), default=len(levels), return_dtype=pl.Int32),
    )
    chart = (
        alt.Chart(frame)
        .transform_joinaggregate(x_total=f"sum({value})", groupby=[x])
        # to the tenth of a percent the tooltip shows (of published counts: a share adds nothing to them); the
        # marks' description (their aria-label in an SVG) says so too, not the stack's share to six digits
        # no share where a year's published counts add to 0 (its other cells withheld): not "NaN%"
        .transform_calculate(
            share=f"datum.x_total > 0 ? round(1000 * datum['{value}'] / datum.x_total) / 1000 : null"
        )
        .transform_calculate(
            _description=f"datum['{x}'] + '; ' + datum['{category}'] + ': ' + (isValid(datum.share) ? "
            f"format(datum.share, '.1%') + ' (' + format(datum['{value}'], ',~f') + ')' : "
            f"format(datum['{value}'], ',~f'))"
        )
        .mark_bar()
        .encode(
            x=alt.X(f"{x}:{x_type}", title=x_title, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"sum({value}):Q", stack="normalize", title="Share", axis=alt.Axis(format="%")),
            color=alt.Color(
                f"{category}:N",
                title=column_title(category),
                sort=levels,
                scale=series_scale(levels, ordered=True),
                legend=_category_legend(frame, category, value, levels),
            ),
            order=alt.Order("_stack_order:Q"),
            description=alt.Description("_description:N"),
            tooltip=[
                alt.Tooltip(f"{x}:{x_type}", title=x_title or column_title(x)),
                alt.Tooltip(f"{category}:N", title=column_title(category)),
                alt.Tooltip(f"{value}:Q", format=",~f", title="Count"),
                alt.Tooltip("share:Q", format=".1%", title="Share"),
            ],
        )
    )
    notes = [
        "Shares of the published counts.",
        _withheld_note(withheld, rule, publishers=publishers_withheld(data, [value])),
    ]
    return with_properties(
        chart, title=chart_title(title, source, subtitle, notes), width=CHART_WIDTH, height=CHART_HEIGHT
    )


#: Pixels a legend entry takes besides its label: the symbol, the gap to the label, the gap to the next entry.
_LEGEND_ENTRY = 16 + 4 + 14


def _category_legend(frame: pl.DataFrame, category: str, value: str, levels: Sequence[str]) -> alt.Legend:
    """The legend of a chart's categories under it: only those the chart draws (an ordered dimension declares
    categories the data may not hold: eight forms of exploitation listed for two drawn), in their order (the
    colours stay those of the whole scale), in as many columns as fit the chart's width (one row of eight ran
    to 960 pixels, wider than the chart, which the page then shrank)."""
    drawn = set(frame.filter(pl.col(value) > 0)[category].cast(pl.String).to_list())
    shown = [level for level in levels if level in drawn] or list(levels)
    widest = max((text_width(level) for level in shown), default=0.0) + _LEGEND_ENTRY
    columns = max(1, min(len(shown), int(CHART_WIDTH // widest)))
    return alt.Legend(values=shown, columns=columns, labelLimit=CHART_WIDTH)


def _category_order(values: pl.Series) -> list[str]:
    """The categories in their declared order for Enum/Categorical columns, else in order of appearance."""
    if isinstance(values.dtype, pl.Enum):
        return [str(c) for c in values.dtype.categories]
    return [str(v) for v in values.drop_nulls().cast(pl.String).unique(maintain_order=True)]


def _country_label(code: str | None) -> str:
    from evidence.sources.countries import name_of

    if code is None:
        return "Unknown"
    return name_of(code) or code


@unchecked
def corridor_bar_chart(
    data: DisclosedTable | pl.DataFrame,
    origin: str,
    destination: str,
    value: str,
    *,
    title: str,
    source: str,
    share: str | None = None,
    top: int = 10,
    subtitle: str | None = None,
    x_title: str = "Victims",
    rule: DisclosureRule = DEFAULT_RULE,
    value_text: str | None = None,
) -> alt.TopLevelMixin:
    """Horizontal bars of the ``top`` corridors (origin → destination, by country name), largest first.

    ``share`` names a column of shares (0..1) to print beside each bar, e.g. the corridor's share of all
    victims from the analysis, or of text printed as it is (a range of shares: ``15–19%``); without it only
    counts are printed. ``value_text`` names a column of text printed instead of the count (a censored count's
    range as its table shows it, ``16–25``, for bars drawn at the low bound: never the low bound alone).
    """
    if top < 1:
        raise ParameterError(f"top must be at least 1, got {top}")
    rule = _rule_of(data, rule)
    frame, withheld = chart_data(data, [value], rule, "corridor bar chart")
    frame = used_columns(frame, [origin, destination, value, share, value_text], "corridor bar chart")
    frame = frame.filter(pl.col(value).is_not_null()).sort(value, descending=True).head(top)
    text_share = share is not None and frame.schema[share] == pl.String
    if share is not None and not text_share:
        # To the precision shown (0.1%): a share at full precision gives its denominator back exactly.
        frame = frame.with_columns(pl.col(share).round(3))
    labels = [
        f"{_country_label(o)} → {_country_label(d)}"
        for o, d in zip(frame[origin].to_list(), frame[destination].to_list(), strict=True)
    ]
    frame = frame.with_columns(pl.Series("corridor", labels))
    counts = [f"{v:,}" for v in frame[value].to_list()] if value_text is None else frame[value_text].to_list()
    if share is not None:
        text = [
            f"{v}" + ("" if s is None else f" ({s})" if text_share else f" ({s:.0%})")
            for v, s in zip(counts, frame[share].to_list(), strict=True)
        ]
    else:
        text = counts
    frame = frame.with_columns(pl.Series("label", text))
    # one row a corridor, so its largest value is its value. The bars and the labels share this axis, and
    # the bars' aria descriptions (`described`) give their layer data of its own: Vega-Lite then unions the
    # two layers' domains, which it sorts only by "count", "min" or "max" (with "sum" it warns and drops the
    # sort, and the bars come out in alphabetical order)
    y = alt.Y("corridor:N", sort=alt.EncodingSortField(value, op="max", order="descending"), title=None)
    base = alt.Chart(frame).encode(y=y)
    # the chart as wide as the others: the bars take what the route names leave, and the scale reaches far
    # enough for the number beside each bar to be written inside it (the largest's ran 250 px past the chart,
    # and the page shrank the figure with all its text)
    width = max(CHART_WIDTH // 2, CHART_WIDTH - int(max((text_width(c) for c in labels), default=0)))
    reach = max(
        (
            float(v) * width / max(width - 6 - text_width(t), width / 4)
            for v, t in zip(frame[value].to_list(), text, strict=True)
            if v is not None
        ),
        default=0.0,
    )
    # the axis ends there, never rounded further up (Vega's "nice" made THA's 2,589 an axis to 4,000)
    bars = base.mark_bar(color=PALETTE[0]).encode(
        x=alt.X(
            f"{value}:Q",
            title=x_title,
            axis=count_axis(),
            scale=alt.Scale(domain=[0, reach or 1], nice=False),
        ),
        tooltip=[
            alt.Tooltip("corridor:N", title="Route"),
            alt.Tooltip(f"{value_text}:N", title=x_title)
            if value_text
            else alt.Tooltip(f"{value}:Q", format=",~f", title=x_title),
        ]
        + (
            [alt.Tooltip(f"{share}:N", title="Share of the known routes")]
            if text_share
            else [alt.Tooltip(f"{share}:Q", format=".1%", title="Share of the known routes")]
            if share
            else []
        ),
    )
    text_marks = base.mark_text(align="left", dx=4, fontSize=11, color="#333333").encode(
        x=alt.X(f"{value}:Q"), text=alt.Text("label:N")
    )
    notes = [_withheld_note(withheld, rule, publishers=publishers_withheld(data, [value]))]
    return layered(
        bars,
        text_marks,
        title=chart_title(title, source, subtitle, notes),
        width=width,
        height=alt.Step(24),
    )


_COMPACT: Final = (",", ":")


def _world_features(coarse: bool = False) -> tuple[dict[str, Any], ...]:
    """The world's features (of its world-scale layer when ``coarse``: the same ones in the same order), read
    once per process with what maps measure on them (never changed: a map gives a feature new properties in
    :func:`_geo_data`)."""
    return world_features(coarse=coarse)


@functools.cache
def _feature_text(index: int, coarse: bool = False) -> tuple[str, str]:
    """The JSON text of the world's feature ``index`` before and after its properties, written once per process
    (thousands of coordinates)."""
    hole = "\0"  # json.dumps writes NUL as an escape, so it marks the one place of the properties
    parts = [
        json.dumps(key) + ":" + (hole if key == "properties" else json.dumps(value, separators=_COMPACT))
        for key, value in _world_features(coarse)[index].items()
    ]
    before, after = ("{" + ",".join(parts) + "}").split(hole)
    return before, after


def _features_text(features: Iterable[tuple[int, dict[str, Any]]], coarse: bool = False) -> str:
    """``json.dumps`` of a FeatureCollection of the world's features at the given indices, each with the
    properties given (compact separators), made from the text of their geometries written once."""
    texts = []
    for index, properties in features:
        before, after = _feature_text(index, coarse)
        texts.append(before + json.dumps(properties, separators=_COMPACT) + after)
    return '{"type":"FeatureCollection","features":[' + ",".join(texts) + "]}"


def _geo_data(features: Iterable[tuple[int, dict[str, Any]]], coarse: bool = False) -> alt.InlineData:
    """The world's features at the given indices (their outlines of the world-scale layer when ``coarse``),
    each with the properties given, inline as one JSON string, which Vega parses.

    As a string, altair neither copies nor validates the thousands of coordinates one by one (that took
    about a second per map); the spec and the rendered chart are the same.
    """
    return _inline_features(_features_text(features, coarse))


def _inline_features(text: str) -> alt.InlineData:
    return alt.InlineData(values=text, format=alt.DataFormat(type="json", property="features"))


@functools.cache
def _world_basemap_text(keep: frozenset[int] | None = None, coarse: bool = False) -> str:
    """The world's features (those at the indices ``keep``, else all) as :func:`_geo_data` writes them, made
    once per process and region: every map's basemap holds the same text."""
    world = _world_features(coarse)
    return _features_text(
        ((i, f["properties"]) for i, f in enumerate(world) if keep is None or i in keep), coarse
    )


def _on_map(layers: list[alt.Chart], projection: dict[str, Any]) -> list[alt.Chart]:
    """The layers drawn in one map projection (each layer's ``.project(**projection)``)."""
    return [with_properties(layer, projection=alt.Projection(**projection)) for layer in layers]


#: The largest scale (d3's: pixels per radian of the unit sphere) at which a map draws the world's coarse layer
#: (:func:`~evidence.presentation.maps.world_geojson`): two and a half times the whole world's in a flow map
#: (88), where the vertices it leaves out lie within about a pixel of its outlines; a map zoomed in closer (a
#: region, a country and its neighbours) draws every vertex.
_COARSE_UP_TO_SCALE = 220.0


def _map_scale(projection: dict[str, Any], width: int, height: int) -> float:
    """The scale a map of ``width`` × ``height`` pixels in ``projection`` is drawn at: its own, the fitted one
    (:func:`~evidence.presentation.maps.fitted_view`), else the whole world's as Vega-Lite fits it."""
    if "scale" in projection:
        return float(projection["scale"])
    if "fit" in projection:
        points = projection["fit"]["geometry"]["coordinates"]
        return fitted_view(points, width, height, _central(projection))[0]
    west, south, east, north = world_extent(_central(projection))
    return min(width / (east - west), height / (north - south))


def _coarse(projection: dict[str, Any], width: int, height: int) -> bool:
    """Whether a map draws the world's coarse layer: at a scale up to :data:`_COARSE_UP_TO_SCALE`."""
    return _map_scale(projection, width, height) <= _COARSE_UP_TO_SCALE


def _basemap(projection: dict[str, Any], width: int, height: int) -> alt.Chart:
    """The land and borders under a map of ``width`` × ``height`` pixels: on a map zoomed to a region only the
    countries that can show in it (the others would be projected and clipped away: most of the time Vega takes
    to draw a zoomed map), on a map of the world or a large region their coarse outlines (:func:`_coarse`)."""
    keep = _countries_in_view(projection, width, height) if "fit" in projection else None
    return alt.Chart(
        _inline_features(_world_basemap_text(keep, _coarse(projection, width, height)))
    ).mark_geoshape(fill=_LAND_COLOUR, stroke=_BORDER_COLOUR, strokeWidth=0.5, clip=True)


#: The outline of the dot of a country the world map has no outline of, on a zoomed map: darker than the land, as a coast, so that a dot at sea is seen.
_SMALL_COUNTRY_STROKE = "#bdbdbd"


def _small_countries(projection: dict[str, Any], width: int, height: int) -> pl.DataFrame:
    """The countries the map has no outline of (Tuvalu, Singapore, Malta: :func:`~evidence.presentation.maps.
    unmapped_countries`) that a zoomed map shows at sea, as points (lon, lat, name): drawn as dots of land, a
    map of Tuvalu's flows was empty sea (San Marino's or Monaco's land is drawn already, within its neighbour's
    outline). None on the whole world (65 dots, most in the Caribbean, say little there)."""
    schema = {"lon": pl.Float64, "lat": pl.Float64, "name": pl.String}
    if "fit" not in projection:
        return pl.DataFrame(schema=schema)
    forward, _ = _pixels(projection, width, height)
    central = _central(projection)
    rows = []
    for row in unmapped_countries().filter(pl.col("at_sea")).iter_rows(named=True):
        lon = wrap_longitude(row["lon"], central)
        x, y = forward(lon, row["lat"])
        if 0 <= x <= width and 0 <= y <= height:
            rows.append({"lon": lon, "lat": row["lat"], "name": _country_label(row["iso3"])})
    return pl.DataFrame(rows, schema=schema)


def _central(projection: dict[str, Any]) -> float:
    """The central meridian of a map's ``projection`` (Greenwich unless it is turned)."""
    return -float(projection["rotate"][0]) if "rotate" in projection else 0.0


#: Pixels added around what a zoomed map shows before countries are left out of its basemap, and radians of the
#: unit sphere (about 3°: more than any edge of the shipped map bulges past its ends as d3 draws it, a great
#: circle's arc).
_VIEW_MARGIN = (4.0, 0.05)


def _countries_in_view(projection: dict[str, Any], width: int, height: int) -> frozenset[int] | None:
    """Indices of the world's features that an Equal Earth map fitted to ``projection``'s ``fit`` (a GeoJSON
    feature whose points are fitted into the view, as Vega does), turned to its central meridian, can show in
    ``width`` × ``height`` pixels: those with a polygon whose projected bounds (:func:`~evidence.presentation.
    maps.projected_bounds`) meet the view, with a margin (:data:`_VIEW_MARGIN`). None (every country) when the fitted
    points span no area.

    Vega scales the fitted points' projected bounds to fill the view in one direction and centres them, so the
    view shows more than the points in the other direction: that rectangle is the view. Measured on the
    projected map, a map turned to 150°E or reaching a pole keeps only what it shows too (both drew the whole
    world's outlines, most of them clipped away).
    """
    central = _central(projection)
    points = [equal_earth(lon, lat, central) for lon, lat in projection["fit"]["geometry"]["coordinates"]]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    box_w, box_h = max(xs) - min(xs), max(ys) - min(ys)
    if box_w <= 0 or box_h <= 0:
        return None
    scale = min(width / box_w, height / box_h)
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    pixels, radians = _VIEW_MARGIN
    half_w = (width / 2 + pixels) / scale + radians
    half_h = (height / 2 + pixels) / scale + radians
    owner, bounds = projected_bounds(central)
    meets = (
        (bounds[:, 0] <= cx + half_w)
        & (bounds[:, 2] >= cx - half_w)
        & (bounds[:, 1] <= cy + half_h)
        & (bounds[:, 3] >= cy - half_h)
    )
    return frozenset(int(i) for i in np.unique(owner[meets]))


#: The least extent (degrees of longitude, of latitude) a zoomed flow map shows: a small country's flows are
#: still seen among its neighbours.
_MIN_EXTENT = (24.0, 14.0)


def _projection(
    points: pl.DataFrame | None,
    padding_degrees: float = 6.0,
    *,
    shapes: Sequence[tuple[float, float, float, float]] = (),
    central: float = 0.0,
) -> dict[str, Any]:
    """Equal Earth, zoomed to the points (with a margin) and to the whole of the ``shapes`` (west, south, east,
    north: the countries whose outline must be seen, e.g. one with a domestic flow) when given, else the whole
    world. The view spans at least :data:`_MIN_EXTENT`.

    Points that span most of the world get the whole world: a zoom would only crop continents at the edges.
    On a map centred on another ``central`` meridian (:func:`~evidence.presentation.maps.central_meridian`),
    the points' and shapes' longitudes are given within 180° of it and the projection is turned to it.
    """
    world = {"type": "equalEarth", **({"rotate": rotation(central)} if central else {})}
    if points is None or points.is_empty():
        return world
    lon = points["lon"].cast(pl.Float64).to_numpy()
    lat = points["lat"].cast(pl.Float64).to_numpy()
    lon_min, lon_max = float(lon.min()) - padding_degrees, float(lon.max()) + padding_degrees
    lat_min, lat_max = float(lat.min()) - padding_degrees, float(lat.max()) + padding_degrees
    margin = 2.0  # around a country's outline, so that its coast and borders are inside the view
    for west, south, east, north in shapes:
        lon_min, lon_max = min(lon_min, west - margin), max(lon_max, east + margin)
        lat_min, lat_max = min(lat_min, south - margin), max(lat_max, north + margin)
    if lon_max - lon_min > 150 + 2 * padding_degrees or lat_max - lat_min > 90 + 2 * padding_degrees:
        return world
    for low, high, least, index in (
        (lon_min, lon_max, _MIN_EXTENT[0], 0),
        (lat_min, lat_max, _MIN_EXTENT[1], 1),
    ):
        if high - low < least:
            centre = (low + high) / 2
            low, high = centre - least / 2, centre + least / 2
        if index == 0:
            lon_min, lon_max = low, high
        else:
            lat_min, lat_max = low, high
    # d3 takes a longitude past ±180 round the world: a box across the antimeridian (Fiji's, New Zealand's
    # margins) was fitted to the whole world's width. It is moved back within ±180 (every point is), else the
    # map is the world's
    shift = max(lon_max - (central + 180.0), 0.0) - max(central - 180.0 - lon_min, 0.0)
    lon_min, lon_max = lon_min - shift, lon_max - shift
    if lon_min < central - 180 or lon_max > central + 180:
        return world
    return _fit_projection(lon_min, max(lat_min, -85.0), lon_max, min(lat_max, 85.0), central)


def _fit_projection(
    west: float, south: float, east: float, north: float, central: float = 0.0
) -> dict[str, Any]:
    """Equal Earth fitted to a box of longitudes and latitudes (its four corners, as Vega-Lite's ``fit``),
    turned to the ``central`` meridian where it is not Greenwich."""
    box = {
        "type": "Feature",
        "properties": {},
        "geometry": {
            "type": "MultiPoint",
            "coordinates": [[west, south], [east, north], [west, north], [east, south]],
        },
    }
    return {"type": "equalEarth", "fit": box, **({"rotate": rotation(central)} if central else {})}


def _fit_box(projection: dict[str, Any]) -> tuple[float, float, float, float]:
    """West, south, east and north of the box a :func:`_fit_projection` is fitted to."""
    points = projection["fit"]["geometry"]["coordinates"]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


#: Pixel widths of the thickest and the thinnest flow line (at its origin) on a flow map.
_FLOWCHART_WIDTH = (1.5, 12.0)
_ARC_STEPS = 24
#: Degrees (about) by which a flow's curve stops short of its destination, at most.
_ARC_GAP = 1.5


def _flow_width(value: float, largest: float) -> float:
    low, high = _FLOWCHART_WIDTH
    return low + (high - low) * (value / largest if largest else 0.0)


def _arc(lon1: float, lat1: float, lon2: float, lat2: float) -> list[tuple[float, float]]:
    """Points of a gentle curve from origin towards destination (a quadratic Bézier in longitude/latitude, bent
    to the right of the direction of travel, so that flows A → B and B → A do not overlap), ending just short
    of the destination so that arrowheads of flows into one country do not pile up on one point."""
    import math

    dx, dy = lon2 - lon1, lat2 - lat1
    bend = 0.22
    cx, cy = (lon1 + lon2) / 2 + dy * bend, (lat1 + lat2) / 2 - dx * bend
    cy = max(-80.0, min(80.0, cy))
    # short of the destination by 8% of the way, at most about _ARC_GAP degrees: a long flow (Uganda to
    # Thailand) ended 6 degrees short, its arrowhead in the sea, pointing at no country
    end = 1 - min(0.08, _ARC_GAP / max(math.hypot(dx, dy), 1e-9))
    points = []
    for i in range(_ARC_STEPS + 1):
        t = end * i / _ARC_STEPS
        x = (1 - t) ** 2 * lon1 + 2 * (1 - t) * t * cx + t * t * lon2
        y = (1 - t) ** 2 * lat1 + 2 * (1 - t) * t * cy + t * t * lat2
        points.append((x, y))
    if not math.isfinite(points[-1][0]):  # pragma: no cover - centroids are finite
        return []
    return points


def _heading(points: list[tuple[float, float]]) -> float:
    """The direction of travel at the end of an arc, as a clockwise angle from north in degrees (what Vega's
    ``angle`` rotates a triangle by): east is scaled by the cosine of the latitude, as the map draws it."""
    import math

    (x1, y1), (x2, y2) = points[-3], points[-1]
    east = (x2 - x1) * math.cos(math.radians(y2))
    north = y2 - y1
    return math.degrees(math.atan2(east, north)) % 360


@unchecked
def flow_map(
    flows: DisclosedTable | pl.DataFrame,
    origin: str,
    destination: str,
    value: str,
    *,
    title: str,
    source: str,
    subtitle: str | None = None,
    top: int | None = 20,
    zoom: bool = True,
    legend_title: str | None = None,
    focus: str | None = None,
    labels: int | None = None,
    rule: DisclosureRule = DEFAULT_RULE,
) -> alt.HConcatChart:
    """Origin → destination flows over the world map, with the legend beside it.

    Each flow is a curve between the countries' centroids that tapers from its origin (as wide as the flow) to
    its destination, where an arrowhead points the way; a domestic flow (origin = destination) is a circle on
    the country, under the lines, as large as a line of the same number is wide, seen whole (a zoomed view is
    widened for it, the whole world drawn smaller). The ``focus`` country and the countries of the flows (the
    ``labels`` with the most victims, all by default) are named on the map, the most victims first, where their
    name has room (beside the lines where it can be); those without room under it. ``top`` keeps the largest
    flows; ``zoom`` fits the map to the flows' countries (else, or when they span most of the world or cannot
    be seen whole this side of the antimeridian, the whole world).

    Centroids come from the shipped Natural Earth map (:func:`~evidence.presentation.maps.country_centroids`);
    flows whose country has no map location (e.g. an unknown origin) are left out and counted in the subtitle.
    """
    rule = _rule_of(flows, rule)
    frame, withheld = chart_data(flows, [value], rule, "flow map")
    frame = used_columns(frame, [origin, destination, value], "flow map")
    frame = frame.filter(pl.col(value).is_not_null() & (pl.col(value) > 0)).sort(
        [value, origin, destination], descending=[True, False, False]
    )
    if top is not None:
        frame = frame.head(top)
    centroids = country_centroids().select("iso3", "lon", "lat")
    located = (
        frame.select(
            pl.col(origin).alias("origin"),
            pl.col(destination).alias("destination"),
            pl.col(value).cast(pl.Float64).alias("value"),
        )
        .join(centroids.rename({"iso3": "origin", "lon": "lon1", "lat": "lat1"}), on="origin", how="inner")
        .join(
            centroids.rename({"iso3": "destination", "lon": "lon2", "lat": "lat2"}),
            on="destination",
            how="inner",
        )
    )
    unlocated = frame.height - located.height
    # a flow across the Pacific (Fiji to the United States) crossed the whole map the long way, and a zoomed
    # map of Fiji, Tuvalu and Samoa was the world's width: the map is centred where the flows are drawn shortest
    # (150°E for those), or where a zoom shows their countries whole, each longitude within 180° of its centre
    central = central_meridian(
        list(zip(located["lon1"].to_list(), located["lon2"].to_list(), strict=True)),
        located["lon1"].to_list() + located["lon2"].to_list() if zoom else [],
    )
    if central:
        located = located.with_columns(
            pl.Series("lon1", [wrap_longitude(lon, central) for lon in located["lon1"].to_list()]),
            pl.Series("lon2", [wrap_longitude(lon, central) for lon in located["lon2"].to_list()]),
        )
    largest = float(located["value"].max() or 0.0)  # type: ignore[arg-type]
    legend_title = legend_title or column_title(value)
    arcs, heads, circles = [], [], []
    for flow, row in enumerate(located.iter_rows(named=True)):
        width = _flow_width(row["value"], largest)
        tip = {
            "from": _country_label(row["origin"]),
            "to": _country_label(row["destination"]),
            "victims": row["value"],
        }
        if row["origin"] == row["destination"]:
            circles.append({**tip, "lon": row["lon1"], "lat": row["lat1"], "size": (2 * width + 4) ** 2})
            continue
        points = _arc(row["lon1"], row["lat1"], row["lon2"], row["lat2"])
        for step, (lon, lat) in enumerate(points):
            taper = 1 - 0.8 * step / _ARC_STEPS
            arcs.append({**tip, "flow": flow, "step": step, "lon": lon, "lat": lat, "width": width * taper})
        heads.append({**tip, "lon": points[-1][0], "lat": points[-1][1], "angle": _heading(points)})
    ends = pl.concat(
        [
            located.select(pl.col("lon1").alias("lon"), pl.col("lat1").alias("lat")),
            located.select(pl.col("lon2").alias("lon"), pl.col("lat2").alias("lat")),
        ]
    )
    # a domestic flow's country and the focus country are seen whole (a domestic flow alone in a large country
    # zoomed to its centroid was a box of land, review 12)
    outlined = sorted(
        {row["origin"] for row in located.iter_rows(named=True) if row["origin"] == row["destination"]}
        | ({focus} if focus else set())
    )
    shapes = [
        _turned_box(bounds, central) for code in outlined if (bounds := country_bounds(code)) is not None
    ]
    projection = _projection(
        ends if zoom else None, shapes=[box for box in shapes if box is not None], central=central
    )
    map_width = CHART_WIDTH - 130
    if "fit" in projection and circles:
        # a domestic circle at the view's edge was cut by it: the view is widened until each is whole (its
        # stroke included)
        marks = [(c["lon"], c["lat"], math.sqrt(c["size"]) / 2 + 1) for c in circles]
        west, south, east, north = fit_marks(_fit_box(projection), marks, map_width, 340, central)
        projection = _fit_projection(west, south, east, north, central)
        forward = fitted_pixels((west, south, east, north), map_width, 340, central)
        for lon, lat, radius in marks:
            x, y = forward(lon, lat)
            if min(x, y) < radius or x + radius > map_width or y + radius > 340:
                # still cut (the view cannot be widened past the antimeridian: Tuvalu's circle): the world's map
                projection = {"type": "equalEarth", **({"rotate": rotation(central)} if central else {})}
                break
    height = 340 if "fit" in projection else map_width // 2
    if "fit" not in projection:
        # the world cannot be widened past ±180°: a circle, a line's end or an arrowhead against its frame (Fiji,
        # Tonga, Greenland, Svalbard, Antarctica) was cut; the world is drawn smaller, just enough for each
        projection = _world_projection(circles, arcs, heads, map_width, height, central)
    tooltip = [
        alt.Tooltip("from:N", title="From"),
        alt.Tooltip("to:N", title="To"),
        alt.Tooltip("victims:Q", format=",~f", title=legend_title),
    ]
    layers: list[alt.Chart] = [_basemap(projection, map_width, height)]
    small = _small_countries(projection, map_width, height)
    if small.height:
        # as shapes of the map (d3 draws a point as a dot 4.5 px across), not as marks of the flows
        dots = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
                "properties": {"name": row["name"]},
            }
            for row in small.iter_rows(named=True)
        ]
        layers.append(
            alt.Chart(alt.InlineData(values=dots))
            .mark_geoshape(fill=_LAND_COLOUR, stroke=_SMALL_COUNTRY_STROKE, strokeWidth=0.6)
            .encode(tooltip=[alt.Tooltip("properties.name:N", title="Country")])
        )
    # under the lines: the arrowheads into a country with a domestic flow were hidden by its circle
    if circles:
        layers.append(
            alt.Chart(pl.DataFrame(circles))
            .mark_circle(color=PALETTE[5], opacity=0.55, stroke=PALETTE[5], strokeWidth=1.5)
            .encode(
                longitude=alt.Longitude("lon:Q"),
                latitude=alt.Latitude("lat:Q"),
                size=alt.Size("size:Q", scale=None, legend=None),
                tooltip=tooltip,
            )
        )
    if arcs:
        layers.append(
            alt.Chart(pl.DataFrame(arcs))
            .mark_trail(color=PALETTE[5], opacity=0.75)
            .encode(
                longitude=alt.Longitude("lon:Q"),
                latitude=alt.Latitude("lat:Q"),
                detail=alt.Detail("flow:N"),
                order=alt.Order("step:Q"),
                size=alt.Size("width:Q", scale=None, legend=None),
                tooltip=tooltip,
            )
        )
        layers.append(
            alt.Chart(pl.DataFrame(heads))
            .mark_point(shape="triangle", filled=True, color=PALETTE[5], size=60, opacity=0.9)
            .encode(
                longitude=alt.Longitude("lon:Q"),
                latitude=alt.Latitude("lat:Q"),
                angle=alt.Angle("angle:Q", scale=None),
                tooltip=tooltip,
            )
        )
    named, unplaced = _placed_labels(
        _map_labels(located, focus, labels),
        projection,
        map_width,
        height,
        circles=[(c["lon"], c["lat"], math.sqrt(c["size"]) / 2) for c in circles],
        lines=[
            [(a["lon"], a["lat"], a["width"]) for a in arcs if a["flow"] == flow]
            for flow in dict.fromkeys(a["flow"] for a in arcs)
        ],
    )
    layers += _labels_layers(named, placed=True)
    notes = [
        _withheld_note(withheld, rule, publishers=publishers_withheld(flows, [value])),
        f"{unlocated} flow(s) without a map location not drawn." if unlocated else None,
        # a name with no room beside its country is not written over another: it is given here
        f"Not named on the map for lack of room: {', '.join(unplaced)}." if unplaced else None,
        BOUNDARIES_CREDIT + ".",
    ]
    drawn = layered(*_on_map(layers, projection), width=map_width, height=height)
    # round numbers within the flows drawn; no legend where every flow is below the threshold: it would show a
    # number below it as a count
    steps = legend_steps(located["value"].to_list(), rule.threshold)
    legend = (
        [_flow_legend(steps, largest, legend_title, lines=bool(arcs), domestic=bool(circles), height=height)]
        if steps
        else []
    )
    return side_by_side(drawn, *legend, spacing=8, title=chart_title(title, source, subtitle, notes))


#: Half the extent (pixels) of a flow's arrowhead (Vega's triangle of size 60, turned any way).
_HEAD_RADIUS = 4.5


def _turned_box(
    box: tuple[float, float, float, float], central: float
) -> tuple[float, float, float, float] | None:
    """A country's box (west, south, east, north) on a map centred on ``central``; None where the map's edge
    cuts it (Greenland on a map centred on 150°E)."""
    west, south, east, north = box
    west, east = wrap_longitude(west, central), wrap_longitude(east, central)
    return (west, south, east, north) if west <= east else None


def _world_projection(
    circles: Sequence[Mapping[str, Any]],
    arcs: Sequence[Mapping[str, Any]],
    heads: Sequence[Mapping[str, Any]],
    width: int,
    height: int,
    central: float = 0.0,
) -> dict[str, Any]:
    """Equal Earth of the whole world at an explicit scale and translate (:func:`~evidence.presentation.maps.
    world_view`): Vega-Lite's own fit where every mark is inside the frame, smaller where a domestic flow's
    circle (its stroke included), a line's end or an arrowhead would be cut by it; a pixel to spare."""
    marks = [(c["lon"], c["lat"], math.sqrt(c["size"]) / 2 + 0.75 + 1) for c in circles]
    marks += [(a["lon"], a["lat"], a["width"] / 2 + 1) for a in arcs]
    marks += [(h["lon"], h["lat"], _HEAD_RADIUS + 1) for h in heads]
    scale, translate = world_view(marks, width, height, central)
    turned = {"rotate": rotation(central)} if central else {}
    return {"type": "equalEarth", "scale": scale, "translate": list(translate), **turned}


def _map_labels(located: pl.DataFrame, focus: str | None, n: int | None) -> pl.DataFrame:
    """The countries a flow map names: the focus country, then those with the most victims at either end (the
    first ``n``, or all of them)."""
    ends = pl.concat(
        [
            located.select(
                pl.col("origin").alias("iso3"),
                pl.col("lon1").alias("lon"),
                pl.col("lat1").alias("lat"),
                "value",
            ),
            located.select(
                pl.col("destination").alias("iso3"),
                pl.col("lon2").alias("lon"),
                pl.col("lat2").alias("lat"),
                "value",
            ),
        ]
    )
    totals = (
        ends.group_by("iso3", "lon", "lat")
        .agg(pl.col("value").sum())
        .with_columns(first=(pl.col("iso3") == (focus or "")).cast(pl.Int8))
        .sort(["first", "value", "iso3"], descending=[True, True, False])
    )
    if n is not None:
        totals = totals.head(max(n, 1 if focus else 0))
    return totals.select(
        "lon",
        "lat",
        pl.Series("name", [_country_label(c) for c in totals["iso3"].to_list()], dtype=pl.String),
        pl.when(pl.col("first") == 1).then(pl.lit("bold")).otherwise(pl.lit("normal")).alias("weight"),
    )


def _pixels(
    projection: dict[str, Any], width: int, height: int
) -> tuple[Callable[[float, float], tuple[float, float]], Callable[[float, float], tuple[float, float]]]:
    """Where a map of ``width`` × ``height`` pixels in ``projection`` (Equal Earth: :func:`_projection`'s fitted
    to a box, as d3's fitSize places it, or :func:`_world_projection`'s world at its scale and translate) draws
    a longitude and latitude (x right, y down), and the inverse."""
    central = _central(projection)
    if "fit" in projection:
        scale, (tx, ty) = fitted_view(projection["fit"]["geometry"]["coordinates"], width, height, central)
    else:
        scale, (tx, ty) = projection["scale"], projection["translate"]
    return world_pixels(scale, (tx, ty), central), _inverse(scale, tx, ty, central)


def _inverse(
    scale: float, tx: float, ty: float, central: float = 0.0
) -> Callable[[float, float], tuple[float, float]]:
    """The longitude and latitude an Equal Earth map of ``scale`` and translate ``tx``, ``ty``, centred on the
    ``central`` meridian, draws at a pixel."""

    def inverse(px: float, py: float) -> tuple[float, float]:
        lat = latitude_at((ty - py) / scale)
        per_degree = equal_earth(1.0, lat)[0]  # x is proportional to the longitude
        lon = (px - tx) / scale / per_degree
        return (lon + central if central else lon), lat

    return inverse


#: Pixels between the boxes a line is taken as, for the names to avoid it.
_LINE_STEP = 4.0


def _placed_labels(
    named: pl.DataFrame,
    projection: dict[str, Any],
    width: int,
    height: int,
    *,
    circles: Sequence[tuple[float, float, float]] = (),
    lines: Sequence[Sequence[tuple[float, float, float]]] = (),
) -> tuple[pl.DataFrame, list[str]]:
    """The names of a map (lon, lat, name, weight, most important first) placed so that none overlaps another
    (:func:`~evidence.presentation.maps.place_labels`), each at the longitude and latitude of its text's centre;
    and the names that found no room. ``circles`` (lon, lat, radius in pixels: domestic flows) and ``lines``
    (each a flow's points: lon, lat, width in pixels) are avoided where a name has room elsewhere."""
    forward, inverse = _pixels(projection, width, height)
    labels = []
    for i, row in enumerate(named.iter_rows(named=True)):
        x, y = forward(row["lon"], row["lat"])
        labels.append(MapLabel(str(i), row["name"], x, y, bold=row["weight"] == "bold"))
    obstacles = []
    for lon, lat, radius in circles:
        x, y = forward(lon, lat)
        obstacles.append(Box(x - radius, y - radius, x + radius, y + radius))
    placed, dropped = place_labels(labels, width, height, obstacles=obstacles)
    line_boxes: list[Box] = []
    # a line, as boxes about _LINE_STEP pixels apart: on the United Kingdom's and the United States' routes maps
    # (UNODC) eight names and five were written over lines, cutting them, where most had room beside them
    for line in lines:
        points = [(*forward(lon, lat), line_width / 2 + 1) for lon, lat, line_width in line]
        for (x1, y1, r1), (x2, y2, r2) in itertools.pairwise(points):
            steps = max(1, math.ceil(math.hypot(x2 - x1, y2 - y1) / _LINE_STEP))
            for k in range(steps):
                t = k / steps
                x, y, r = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t, r1 + (r2 - r1) * t
                line_boxes.append(Box(x - r, y - r, x + r, y + r))
    if line_boxes:
        # kept where no name is left out that was written before (a name moved off a line can take the room
        # another needed: a name beside the map reads worse than one over a line, on its halo)
        clear, left_out = place_labels(labels, width, height, obstacles=[*obstacles, *line_boxes])

        lines_array = boxes_array(line_boxes)

        def over_lines(names: list[PlacedLabel]) -> float:
            return sum(covered_area(name.box, lines_array) for name in names)

        if {label.key for label in left_out} <= {label.key for label in dropped} and over_lines(
            clear
        ) <= over_lines(placed):
            placed, dropped = clear, left_out
    rows = []
    for p in placed:
        lon, lat = inverse(p.x, p.y)
        rows.append(
            {"lon": lon, "lat": lat, "name": p.label.text, "weight": "bold" if p.label.bold else "normal"}
        )
    schema = {"lon": pl.Float64, "lat": pl.Float64, "name": pl.String, "weight": pl.String}
    return pl.DataFrame(rows, schema=schema), [label.text for label in dropped]


def _labels_layers(named: pl.DataFrame, *, placed: bool = False) -> list[alt.Chart]:
    """Country names on a map (lon, lat, name, weight: bold or normal), on a white halo so they read over lines
    and shading: above their point, or centred on it where they were ``placed`` (:func:`_placed_labels`)."""
    position = {"align": "center", "baseline": "middle"} if placed else {"dy": -11}
    layers = []
    for weight in ("bold", "normal"):
        rows = named.filter(pl.col("weight") == weight)[["lon", "lat", "name"]]
        if not rows.height:
            continue
        text = alt.Chart(rows).encode(
            longitude=alt.Longitude("lon:Q"), latitude=alt.Latitude("lat:Q"), text=alt.Text("name:N")
        )
        halo = text.mark_text(
            **position, fontSize=11, fontWeight=weight, stroke="white", strokeWidth=3, strokeOpacity=0.85
        )
        layers.append(halo)
        layers.append(text.mark_text(**position, fontSize=11, fontWeight=weight, color="#1a1a1a"))
    return layers


def _flow_legend(
    steps: Sequence[float], largest: float, title: str, *, lines: bool, domestic: bool, height: int
) -> alt.LayerChart:
    """The flow map's legend, drawn beside it: tapered lines of the numbers of victims ``steps``
    (:func:`~evidence.presentation.maps.legend_steps`: round, within the flows drawn and none below the
    disclosure threshold) as wide as a flow of ``largest`` makes them, where the map draws ``lines``, and the
    circle of a domestic flow where it draws one (a circle of each step where it draws no line: a map of
    domestic flows only showed a line in its legend and none on the map)."""
    rows, labels, dots = [], [], []
    y_end = 0.0
    for i, number in enumerate(steps if lines else []):
        width = _flow_width(number, largest)
        for step in range(_ARC_STEPS + 1):
            rows.append(
                {
                    "key": i,
                    "x": step / _ARC_STEPS * 40,
                    "y": i * 26,
                    "width": width * (1 - 0.8 * step / _ARC_STEPS),
                }
            )
        labels.append({"x": 48, "y": i * 26, "text": f"{number:,.0f}"})
        y_end = (i + 1) * 26.0
    for number in (steps[-1:] if lines else steps) if domestic else []:
        size = (2 * _flow_width(number, largest) + 4) ** 2
        radius = math.sqrt(size) / 2
        y_end += max(radius - 10, 0)  # a large circle under the title or the row above: moved down
        dots.append({"x": 20, "y": y_end, "size": size})
        labels.append({"x": 48, "y": y_end, "text": f"{number:,.0f} (domestic)"})
        y_end += max(radius + 14, 26)
    frames = []
    x = alt.X("x:Q", axis=None, scale=alt.Scale(domain=[0, 130]))
    # y grows downwards: the first row at the top, under the legend's title
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[-20, max(height - 20, y_end + 40)], reverse=True))
    header = (
        alt.Chart(pl.DataFrame({"x": [0], "y": [-18], "text": [title]}))
        .mark_text(align="left", baseline="middle", fontSize=11, fontWeight="bold", color="#333333")
        .encode(x=x, y=y, text=alt.Text("text:N"))
    )
    frames.append(header)
    if rows:
        frames.append(
            alt.Chart(pl.DataFrame(rows))
            .mark_trail(color=PALETTE[5], opacity=0.75)
            .encode(
                x=x,
                y=y,
                detail=alt.Detail("key:N"),
                order=alt.Order("x:Q"),
                size=alt.Size("width:Q", scale=None, legend=None),
            )
        )
    if dots:
        frames.append(
            alt.Chart(pl.DataFrame(dots))
            .mark_circle(color=PALETTE[5], opacity=0.55, stroke=PALETTE[5], strokeWidth=1.5)
            .encode(x=x, y=y, size=alt.Size("size:Q", scale=None, legend=None))
        )
    if labels:
        frames.append(
            alt.Chart(pl.DataFrame(labels))
            .mark_text(align="left", baseline="middle", fontSize=11, color="#333333")
            .encode(x=x, y=y, text=alt.Text("text:N"))
        )
    return layered(*frames, width=124, height=height)


@unchecked
def choropleth(
    data: DisclosedTable | pl.DataFrame,
    iso3: str,
    value: str,
    *,
    title: str,
    source: str,
    subtitle: str | None = None,
    legend_title: str | None = None,
    counts: bool = True,
    value_format: str = ",~f",
    focus: str | None = None,
    rule: DisclosureRule = DEFAULT_RULE,
    grey: str = "no data",
) -> alt.TopLevelMixin:
    """Countries shaded by ``value``, the legend beside the map; countries without data in light grey (withheld
    ones say so on hover); the ``focus`` country (the brief's) outlined in black and named.

    ``value_format`` is a d3 format for the legend and tooltip (``".1%"`` for shares, ``",~f"`` for counts).
    ``grey``: what a grey country means, in the note under the map ("Grey: no data.") and on hover; a map of
    some of the data only says so ("not among the largest routes shown").
    """
    rule = _rule_of(data, rule)
    frame, withheld = chart_data(data, [value] if counts else [], rule, "choropleth")
    frame = used_columns(frame, [iso3, value], "choropleth")
    if frame[iso3].is_duplicated().any():
        raise ParameterError(f"choropleth: {iso3!r} must name each country once")
    values = dict(zip(frame[iso3].to_list(), frame[value].to_list(), strict=True))
    hidden = set()
    if isinstance(data, DisclosedTable) and value + "_suppressed" in data.body.columns:
        body = data.body
        hidden = set(body.filter(pl.col(value + "_suppressed"))[iso3].to_list())
    shown = []  # (index in the world, properties) of every country
    for index, feature in enumerate(_world_features()):
        code = feature["properties"]["iso3"]
        number = values.get(code)
        label = "withheld (disclosure control)" if code in hidden else grey if number is None else None
        # named as every table and sentence names the country (the map file's own names are common ones)
        name = _country_label(code) if code else feature["properties"].get("name")
        shown.append((index, {**feature["properties"], "name": name, "value": number, "label": label}))
    legend_title = legend_title or column_title(value)
    width, height = CHART_WIDTH - 110, 260
    coarse = _coarse({"type": "equalEarth"}, width, height)  # the whole world: its coarse outlines
    projection = _world_fit(coarse)
    # Every country is drawn grey first; Vega-Lite drops marks whose colour field is null, so the shaded
    # layer only covers countries with a value.
    background = (
        alt.Chart(_geo_data(shown, coarse))
        .mark_geoshape(fill=_NO_DATA_COLOUR, stroke=_BORDER_COLOUR, strokeWidth=0.4)
        .encode(
            tooltip=[
                alt.Tooltip("properties.name:N", title="Country"),
                alt.Tooltip("properties.label:N", title=legend_title),
            ]
        )
    )
    shaded = (
        alt.Chart(_geo_data(((i, p) for i, p in shown if p["value"] is not None), coarse))
        .mark_geoshape(stroke=_BORDER_COLOUR, strokeWidth=0.4)
        .encode(
            color=alt.Color(
                "properties.value:Q",
                title=legend_title,
                # The palest blues are too close to the no-data grey: start a quarter of the way in.
                scale=alt.Scale(scheme=alt.SchemeParams(name=_SEQUENTIAL_SCHEME, extent=[0.25, 1.0])),
                legend=alt.Legend(
                    format=value_format,
                    orient="right",
                    direction="vertical",
                    gradientLength=160,
                    titleLimit=160,
                ),
            ),
            tooltip=[
                alt.Tooltip("properties.name:N", title="Country"),
                alt.Tooltip("properties.value:Q", title=legend_title, format=value_format),
            ],
        )
    )
    layers: list[alt.Chart] = [background, shaded]
    if focus is not None:
        own = [(i, p) for i, p in shown if p["iso3"] == focus]
        if own:
            layers.append(
                alt.Chart(_geo_data(own, coarse)).mark_geoshape(
                    filled=False, stroke="#1a1a1a", strokeWidth=1.6
                )
            )
        point = country_centroids().filter(pl.col("iso3") == focus)
        named = point.select("lon", "lat", pl.lit(_country_label(focus)).alias("name"), weight=pl.lit("bold"))
        layers += _labels_layers(named)
    notes = [
        _withheld_note(withheld, rule, publishers=publishers_withheld(data, [value] if counts else [])),
        f"Grey: {grey}. " + BOUNDARIES_CREDIT + ".",
    ]
    return layered(
        *_on_map(layers, projection),
        title=chart_title(title, source, subtitle, notes),
        width=width,
        height=height,
    )


def _world_fit(coarse: bool) -> dict[str, Any]:
    """Equal Earth fitted to the whole world as Vega-Lite fits a map of every country, to the last bit, but to the
    few points at the world's extremes (:func:`~evidence.presentation.maps.world_fit_points`), not to every
    outline of every layer (which Vega projected once more to fit them before drawing them)."""
    points = [list(point) for point in world_fit_points(coarse=coarse)]
    fit = {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPoint", "coordinates": points}}
    return {"type": "equalEarth", "fit": fit}


@unchecked
def interval_chart(
    data: pl.DataFrame,
    label: str,
    value: str,
    low: str,
    high: str,
    *,
    title: str,
    source: str,
    colour: str | None = None,
    subtitle: str | None = None,
    x_title: str = "Estimate",
    reference: float | None = None,
    reference_label: str | None = None,
    notes: Sequence[str] = (),
) -> alt.TopLevelMixin:
    """Estimates with their intervals, one row per ``label`` (dot and whisker), in the order of the data.

    For model results (estimates, not counts of records): nulls are left out — a withheld value takes its
    interval with it, and a missing ``high`` (an unbounded interval) draws no whisker end. ``reference`` draws
    a vertical rule (e.g. the number observed), labelled by ``reference_label``.
    """
    frame = used_columns(data, [label, value, low, high, colour], "interval chart")
    frame = frame.filter(pl.col(value).is_not_null())
    order = frame[label].to_list()
    y = alt.Y(f"{label}:N", sort=order, title=None)
    colour_encoding = (
        alt.Color(f"{colour}:N", title=column_title(colour)) if colour else alt.ColorValue(PALETTE[0])
    )
    base = alt.Chart(frame).encode(y=y)
    x_axis = alt.Axis(format=",~f")
    tooltip = [alt.Tooltip(f"{label}:N", title=" "), alt.Tooltip(f"{value}:Q", format=",.0f", title=x_title)]
    tooltip += [
        alt.Tooltip(f"{c}:Q", format=",.0f", title=t) for c, t in ((low, "Interval from"), (high, "to"))
    ]
    whiskers = base.mark_rule(strokeWidth=2).encode(
        x=alt.X(f"{low}:Q", title=x_title, axis=x_axis, scale=alt.Scale(zero=False)),
        x2=alt.X2(f"{high}:Q"),
        color=colour_encoding,
    )
    points = base.mark_point(filled=True, size=70).encode(
        x=alt.X(f"{value}:Q"), color=colour_encoding, tooltip=tooltip
    )
    layers: list[alt.Chart] = [whiskers, points]
    lines = list(notes)
    if reference is not None:
        layers.insert(
            0,
            alt.Chart(pl.DataFrame({"reference": [reference]}))
            .mark_rule(color="#888888", strokeDash=[4, 3])
            .encode(x=alt.X("reference:Q")),
        )
        if reference_label:
            lines.insert(0, f"Dashed line: {reference_label}.")
    return layered(
        *layers, title=chart_title(title, source, subtitle, lines), width=CHART_WIDTH, height=alt.Step(26)
    )


# ---------------------------------------------------------------------------------------------- rendering


def chart_spec(chart: alt.TopLevelMixin | dict[str, Any]) -> dict[str, Any]:
    """The Vega-Lite spec of a chart in the house theme (whatever theme is enabled elsewhere); a spec is
    returned as it is."""
    if isinstance(chart, dict):
        return chart
    with alt.theme.enable(THEME_NAME), debug_mode(False), _rows_of_frames():
        # not validated against the Vega-Lite schema here (altair's validation took a quarter of a brief's
        # chart time): the spec is the same, and the tests validate every chart builder's spec
        return chart.to_dict(validate=False)


#: The largest frame altair's default data transformer writes into a spec (beyond, it raises).
_MAX_ROWS: Final = 5000
_ROWS_TRANSFORMER: Final = "evidence-rows"


@contextlib.contextmanager
def _rows_of_frames() -> Iterator[None]:
    """While a spec is written: a polars frame of numbers, text and booleans becomes its rows as altair's
    default data transformer writes them (``{"values": frame.rows(named=True)}``), without the round through
    narwhals that converts its dates (it has none) and copies it; any other data, or any other transformer
    enabled, as before."""
    registry = alt.data_transformers
    if registry.active != "default":
        yield
        return
    fallback = registry.get()
    assert fallback is not None

    def transform(data: Any) -> Any:
        if (
            isinstance(data, pl.DataFrame)
            and data.height <= _MAX_ROWS
            and all(_plain_dtype(dtype) for dtype in data.schema.values())
        ):
            return {"values": data.rows(named=True)}
        return fallback(data)

    registry.register(_ROWS_TRANSFORMER, transform)
    with registry.enable(_ROWS_TRANSFORMER):
        yield


def _plain_dtype(dtype: pl.DataType) -> bool:
    """A column type whose values altair writes as polars gives them (no date or time to format)."""
    return (dtype.is_numeric() and not isinstance(dtype, pl.Decimal)) or isinstance(
        dtype, (pl.String, pl.Boolean, pl.Null, pl.Categorical, pl.Enum)
    )


def chart_is_empty(chart: alt.TopLevelMixin | dict[str, Any]) -> bool:
    """Whether a chart has no row to draw: every dataset it holds is empty (e.g. every share withheld).

    Vega sizes such a chart as infinitely large, which no SVG reader accepts, so callers show a sentence
    instead."""
    return spec_is_empty(chart if isinstance(chart, dict) else chart_spec(chart))


def save_chart(chart: alt.TopLevelMixin | dict[str, Any], path: str | Path, *, scale: float = 2.0) -> Path:
    """Render a chart offline to ``.svg``, ``.png`` (``scale`` × pixels), ``.pdf``, ``.html`` or ``.json``.

    HTML is self-contained: the Vega, Vega-Lite and vega-embed JavaScript is inlined, so the file opens with
    no network. Every file is written atomically. A chart whose spec (data included) was rendered before in
    the same format is copied from the chart cache instead of being rendered again.
    """
    return save_charts([(chart, path)], scale=scale)[0]


def save_charts(
    charts: Sequence[tuple[alt.TopLevelMixin | dict[str, Any], str | Path]], *, scale: float = 2.0
) -> list[Path]:
    """Render several charts together (a brief's charts): the ones not in the chart cache are rendered
    concurrently by the one converter of this process (:func:`.chart_files.save_specs`); returns their paths in
    order."""
    return save_specs([(chart_spec(chart), path) for chart, path in charts], scale=scale)
