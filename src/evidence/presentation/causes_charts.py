"""Charts of causes and consequences, in the house style of :mod:`evidence.presentation.charts`.

* :func:`heat_table_chart`: a heat table of shares (e.g. each means of control among the victims of each form);
* :func:`distribution_chart`: shares of ordered categories (e.g. duration of exploitation) by group, with
  intervals;
* :func:`detection_scatter`: detected victims per 100,000 against estimated prevalence, one point per country,
  the country and its peers labelled;
* :func:`event_study_chart`: rate ratios of detected victims around a change of TIP tier, with intervals.

Disclosure: the charts draw shares, rates and ratios, never counts of victims. Their builders in the notebook
views pass only shares whose count and denominator were both published (a share of a withheld count is null and
left out, and the subtitle says so); a frame given here with an integer column that holds a small count is
refused (:func:`~evidence.presentation.disclosure.require_disclosed`), like every chart of the toolkit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import polars as pl

from evidence.core.errors import ParameterError

# aliased: the heatmap takes a column_title of its own
from evidence.core.text import column_title as _column_title
from evidence.core.text import level_text
from evidence.presentation.charts import (
    CHART_HEIGHT,
    CHART_WIDTH,
    PALETTE,
    chart_data,
    chart_title,
    layered,
    unchecked,
    used_columns,
)
from evidence.presentation.disclosure import (
    DEFAULT_RULE,
    TENTH_PERCENT_DIGITS,
    WHOLE_PERCENT_DIGITS,
    DisclosureRule,
)
from evidence.presentation.maps import text_width

__all__ = ["detection_scatter", "distribution_chart", "event_study_chart", "heat_table_chart", "ratio_text"]

#: The significant digits of every odds ratio and rate ratio of the causes section, and of its limits: one rule
#: ("122 (42.3 – 353)", not "122 | 42.26 – 353"), in its tables (:func:`ratio_text`) and charts (the d3 format).
RATIO_DIGITS = 3
RATIO_FORMAT = f".{RATIO_DIGITS}r"


def ratio_text(value: float | None) -> str:
    """An odds ratio, a rate ratio or a limit of one to :data:`RATIO_DIGITS` significant digits (thousands
    separated: "12,300"; trailing zeros kept: "1.00"); "" for none, "∞" for an infinite one."""
    if value is None or math.isnan(value):
        return ""
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0"
    decimals = RATIO_DIGITS - 1 - math.floor(math.log10(abs(value)))
    rounded = round(value, decimals)
    if rounded and RATIO_DIGITS - 1 - math.floor(math.log10(abs(rounded))) != decimals:  # 9.996 -> 10.0
        decimals -= 1
        rounded = round(value, decimals)
    return f"{rounded:.{decimals}f}" if decimals > 0 else f"{rounded:,.0f}"


#: The digits of a share (0..1) a heat table shows (whole percent) and that its chart keeps.
HEAT_DIGITS = WHOLE_PERCENT_DIGITS
#: The digits of a share a profile table shows (a tenth of a percent) and that its chart keeps.
SHARE_DIGITS = TENTH_PERCENT_DIGITS


def _checked(
    frame: pl.DataFrame,
    columns: Sequence[str | None],
    rule: DisclosureRule,
    what: str,
    not_counts: Sequence[str] = (),
) -> pl.DataFrame:
    """Only the drawn columns, after the disclosure check of any integer column among them that is not named
    in ``not_counts`` (such as years from an event)."""
    frame = used_columns(frame, columns, what)
    counts = [c for c, t in frame.schema.items() if t.is_integer() and c not in not_counts]
    checked, _ = chart_data(frame, counts, rule, what)
    return checked


def _withheld(n: int, what: str) -> str | None:
    """The note of ``n`` values withheld, ``what`` being their noun in the plural ("shares"): "1 share", never
    "1 shares"."""
    if not n:
        return None
    return f"{n} {what if n != 1 else what.removesuffix('s')} withheld under disclosure control (blank)."


#: The widths of a heat table's cells (pixels): the widest, and the least that holds "100%" in 11 px text.
_HEAT_STEPS = (56, 36)


def _heat_step(rows: Sequence[object], columns: Sequence[object]) -> int:
    """The width of a heat table's cells: as wide as :data:`_HEAT_STEPS` allows, narrower for many columns so
    that the table keeps to the width of the other charts where it can (fifteen means of control at 56 px made
    a figure of 946 px, which the page shrank with its text)."""
    names = max((text_width(str(r)) for r in rows), default=0.0)
    room = (CHART_WIDTH - names) / max(len(columns), 1)
    return int(max(_HEAT_STEPS[1], min(_HEAT_STEPS[0], room)))


@unchecked
def heat_table_chart(
    data: pl.DataFrame,
    row: str,
    column: str,
    share: str,
    *,
    title: str,
    source: str,
    subtitle: str | None = None,
    row_title: str | None = None,
    column_title: str | None = None,
    rule: DisclosureRule = DEFAULT_RULE,
) -> alt.TopLevelMixin:
    """A heat table: one cell per ``row`` × ``column``, coloured and labelled by ``share`` (0..1); a null
    share (withheld) is a blank cell. Shares are drawn and kept to the whole percent its table shows
    (:data:`HEAT_DIGITS`): a share to more digits times its published denominator gives a count back, and,
    from a published total, a withheld one."""
    frame = _checked(data, [row, column, share], rule, "heat table")
    withheld = int(frame[share].is_null().sum())
    frame = frame.with_columns(pl.col(share).round(HEAT_DIGITS)).with_columns(
        label=pl.when(pl.col(share).is_not_null())
        .then((pl.col(share) * 100).round(0).cast(pl.Int64).cast(pl.String) + "%")
        .otherwise(pl.lit(""))
    )
    rows = list(dict.fromkeys(frame[row].to_list()))
    columns = list(dict.fromkeys(frame[column].to_list()))
    base = alt.Chart(frame).encode(
        x=alt.X(
            f"{column}:N", sort=columns, title=column_title, axis=alt.Axis(labelAngle=-35, labelLimit=160)
        ),
        y=alt.Y(f"{row}:N", sort=rows, title=row_title, axis=alt.Axis(labelLimit=200)),
    )
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color(
            f"{share}:Q",
            title="Share",
            scale=alt.Scale(scheme="blues", domain=[0, 1]),
            # quarters: the default ticks of every fifth ran "80%" into "100%" at the gradient's end
            legend=alt.Legend(format=".0%", values=[0, 0.25, 0.5, 0.75, 1], gradientLength=220),
        ),
        tooltip=[
            alt.Tooltip(f"{row}:N", title=row_title or _column_title(row)),
            alt.Tooltip(f"{column}:N", title=column_title or _column_title(column)),
            alt.Tooltip(f"{share}:Q", format=".0%", title="Share"),
        ],
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("label:N"),
        # a channel object, not the condition's dict: altair would look that up among its schema classes
        color=alt.ColorValue(
            **alt.condition(f"datum['{share}'] > 0.6", alt.value("white"), alt.value("#1a1a1a"))
        ),
    )
    notes = [_withheld(withheld, "shares")]
    return layered(
        cells,
        text,
        title=chart_title(title, source, subtitle, [n for n in notes if n]),
        width=alt.Step(_heat_step(rows, columns)),
        height=alt.Step(28),
    )


@unchecked
def distribution_chart(
    data: pl.DataFrame,
    category: str,
    share: str,
    *,
    group: str | None = None,
    low: str | None = None,
    high: str | None = None,
    title: str,
    source: str,
    subtitle: str | None = None,
    category_title: str | None = None,
    rule: DisclosureRule = DEFAULT_RULE,
) -> alt.TopLevelMixin:
    """Bars of each ``category``'s share (in the order given), one bar per ``group`` side by side, with an
    interval from ``low`` to ``high`` when given. Withheld shares (null) are left out and counted."""
    if (low is None) != (high is None):
        raise ParameterError("give both low and high for intervals, or neither")
    frame = _checked(data, [category, share, group, low, high], rule, "distribution chart")
    withheld = int(frame[share].is_null().sum())
    # to the tenth of a percent its table shows (:data:`SHARE_DIGITS`), intervals too
    frame = frame.with_columns(pl.col(c).round(SHARE_DIGITS) for c in (share, low, high) if c)
    order = list(dict.fromkeys(frame[category].to_list()))
    frame = frame.filter(pl.col(share).is_not_null())
    groups = list(dict.fromkeys(frame[group].to_list())) if group else []
    x = alt.X(f"{category}:N", sort=order, title=category_title, axis=alt.Axis(labelAngle=0))
    offset = {"xOffset": alt.XOffset(f"{group}:N", sort=groups)} if group else {}
    colour = alt.Color(f"{group}:N", sort=groups, title=None) if group else alt.ColorValue(PALETTE[0])
    base = alt.Chart(frame)
    bars = base.mark_bar().encode(
        x=x,
        y=alt.Y(f"{share}:Q", title="Share of victims with it recorded", axis=alt.Axis(format="%")),
        color=colour,
        tooltip=[
            alt.Tooltip(f"{category}:N", title=_column_title(category)),
            *([alt.Tooltip(f"{group}:N", title=_column_title(group))] if group else []),
            alt.Tooltip(f"{share}:Q", format=".1%", title="Share of victims with it recorded"),
        ],
        **offset,
    )
    layers: list[alt.Chart] = [bars]
    notes = [_withheld(withheld, "shares")]
    if low and high:
        layers.append(
            base.mark_rule(color="#333333").encode(x=x, y=alt.Y(f"{low}:Q"), y2=alt.Y2(f"{high}:Q"), **offset)
        )
        notes.insert(0, "Lines: 95% intervals (Wilson).")
    return layered(
        *layers,
        title=chart_title(title, source, subtitle, [n for n in notes if n]),
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
    )


#: What the legend of :func:`detection_scatter` calls the points of each role.
SCATTER_ROLE_LABELS = {
    "country": "This country",
    "peer": "Countries compared with it",
    "other": "Other countries",
}


@unchecked
def detection_scatter(
    data: pl.DataFrame,
    x: str,
    y: str,
    name: str,
    role: str,
    *,
    title: str,
    source: str,
    subtitle: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    rule: DisclosureRule = DEFAULT_RULE,
) -> alt.TopLevelMixin:
    """One point per country (log scales), with the countries whose ``role`` is ``country`` or ``peer``
    highlighted and labelled by ``name``; rows with a null or non-positive value are left out (counted)."""
    frame = _checked(data, [x, y, name, role], rule, "detection scatter")
    drawable = (pl.col(x) > 0) & (pl.col(y) > 0)
    left_out = int(frame.filter(~drawable.fill_null(False)).height)
    frame = frame.filter(drawable.fill_null(False)).with_columns(
        _order=pl.col(role).replace_strict({"country": 2, "peer": 1}, default=0, return_dtype=pl.Int8),
        # the legend names the roles in words, not by their codes ("other", "peer", "country")
        _role=pl.col(role).replace_strict(SCATTER_ROLE_LABELS, default=None, return_dtype=pl.String),
    )
    role_scale = alt.Scale(
        domain=[SCATTER_ROLE_LABELS[r] for r in ("other", "peer", "country")],
        range=["#c8c8c8", PALETTE[1], PALETTE[5]],
    )
    # the axes span the data (a little padding), not the decades around them: most of a 0.1-100 axis is empty
    x_domain, y_domain = _log_domain(frame[x]), _log_domain(frame[y])
    base = alt.Chart(frame).encode(
        x=alt.X(f"{x}:Q", scale=alt.Scale(type="log", domain=x_domain, nice=False), title=x_title),
        y=alt.Y(f"{y}:Q", scale=alt.Scale(type="log", domain=y_domain, nice=False), title=y_title),
    )
    points = base.mark_circle(size=60, opacity=0.85).encode(
        color=alt.Color("_role:N", scale=role_scale, title=None),
        order=alt.Order("_order:Q"),
        # the axes' titles and 3 digits, as the tables write them (not the column names at full precision)
        tooltip=[
            alt.Tooltip(f"{name}:N", title="Country"),
            alt.Tooltip(f"{x}:Q", format=",.3~r", title=x_title or _column_title(x)),
            alt.Tooltip(f"{y}:Q", format=",.3~r", title=y_title or _column_title(y)),
        ],
    )
    placed = _placed_labels(frame, x, y, name, role, x_domain, y_domain)
    label_layers = [
        alt.Chart(placed.filter(pl.col("_align") == align))
        .mark_text(align=align, baseline="middle", fontSize=_LABEL_FONT, color="#1a1a1a")
        .encode(
            x=alt.X("_label_x:Q", scale=alt.Scale(type="log", domain=x_domain, nice=False)),
            y=alt.Y("_label_y:Q", scale=alt.Scale(type="log", domain=y_domain, nice=False)),
            text=alt.Text(f"{name}:N"),
        )
        for align in ("left", "right")
        if (placed["_align"] == align).any()
    ]
    notes = [
        (
            f"{left_out} {'country' if left_out == 1 else 'countries'} without both values "
            f"{'is' if left_out == 1 else 'are'} not shown."
        )
        if left_out
        else None
    ]
    return layered(
        points,
        *label_layers,
        title=chart_title(title, source, subtitle, [n for n in notes if n]),
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
    )


_LABEL_FONT = 11
_CHAR_WIDTH = 6.3  # pixels per character of an 11 px sans-serif label, on average (a little generous)
_LABEL_HEIGHT = 13
_POINT_RADIUS = 5


def _log_domain(values: pl.Series, pad: float = 1.25) -> list[float]:
    """A log scale's domain around the positive ``values``: from the smallest over ``pad`` to the largest
    times ``pad`` (a decade either side of one value)."""
    positive = values.filter(values > 0)
    if positive.is_empty():
        return [0.1, 10.0]
    low, high = float(positive.min()), float(positive.max())  # type: ignore[arg-type]
    if low == high:
        return [low / 10, high * 10]
    return [low / pad, high * pad]


def _placed_labels(
    frame: pl.DataFrame,
    x: str,
    y: str,
    name: str,
    role: str,
    x_domain: list[float],
    y_domain: list[float],
) -> pl.DataFrame:
    """The labelled points (``role`` not ``other``) with where each label goes (``_label_x``, ``_label_y`` in
    data units; ``_align``: the side of the point its text is anchored on), so that no label overlaps another
    or sits on a labelled point: each takes the first free place among right, left, above-right, below-right,
    above-left, below-left, further up and down (the country first, then by height), in pixels of the plot."""
    import math

    labelled = frame.filter(pl.col(role) != "other").sort(
        [pl.col(role) != "country", pl.col(y)], descending=[False, True]
    )
    if labelled.is_empty():
        return labelled.with_columns(
            _label_x=pl.lit(None, pl.Float64),
            _label_y=pl.lit(None, pl.Float64),
            _align=pl.lit(None, pl.String),
        )
    lx0, lx1 = math.log10(x_domain[0]), math.log10(x_domain[1])
    ly0, ly1 = math.log10(y_domain[0]), math.log10(y_domain[1])

    def to_pixels(vx: float, vy: float) -> tuple[float, float]:
        return (
            CHART_WIDTH * (math.log10(vx) - lx0) / (lx1 - lx0),
            CHART_HEIGHT * (1 - (math.log10(vy) - ly0) / (ly1 - ly0)),
        )

    def to_data(px: float, py: float) -> tuple[float, float]:
        return (
            10 ** (lx0 + px / CHART_WIDTH * (lx1 - lx0)),
            10 ** (ly0 + (1 - py / CHART_HEIGHT) * (ly1 - ly0)),
        )

    centres = [to_pixels(vx, vy) for vx, vy in zip(labelled[x].to_list(), labelled[y].to_list(), strict=True)]
    points = [
        (px - _POINT_RADIUS, py - _POINT_RADIUS, px + _POINT_RADIUS, py + _POINT_RADIUS) for px, py in centres
    ]
    boxes: list[tuple[float, float, float, float]] = []
    out_x, out_y, aligns = [], [], []
    gap, step = _POINT_RADIUS + 3, _LABEL_HEIGHT
    for (px, py), text in zip(centres, labelled[name].to_list(), strict=True):
        width = _CHAR_WIDTH * len(str(text))
        candidates = [("left", 0.0), ("right", 0.0), ("left", -step), ("left", step), ("right", -step)]
        candidates += [("right", step), ("left", -2 * step), ("left", 2 * step), ("right", -2 * step)]
        candidates += [("right", 2 * step), ("left", -3 * step), ("left", 3 * step)]
        chosen = None
        for align, dy in candidates:
            left = px + gap if align == "left" else px - gap - width
            box = (left, py + dy - _LABEL_HEIGHT / 2, left + width, py + dy + _LABEL_HEIGHT / 2)
            if not any(_overlap(box, other) for other in [*boxes, *points]):
                chosen = (align, dy, box)
                break
        if chosen is None:  # nowhere free: to the right, as before
            left = px + gap
            chosen = ("left", 0.0, (left, py - _LABEL_HEIGHT / 2, left + width, py + _LABEL_HEIGHT / 2))
        align, dy, box = chosen
        boxes.append(box)
        anchor_x = px + gap if align == "left" else px - gap
        vx, vy = to_data(anchor_x, py + dy)
        out_x.append(vx)
        out_y.append(vy)
        aligns.append(align)
    return labelled.with_columns(
        pl.Series("_label_x", out_x, pl.Float64),
        pl.Series("_label_y", out_y, pl.Float64),
        pl.Series("_align", aligns, pl.String),
    )


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@unchecked
def event_study_chart(
    data: pl.DataFrame,
    time: str,
    ratio: str,
    low: str,
    high: str,
    *,
    title: str,
    source: str,
    series: str | None = None,
    subtitle: str | None = None,
    rule: DisclosureRule = DEFAULT_RULE,
    level: float = 0.95,
) -> alt.TopLevelMixin:
    """Rate ratios by event time (log scale) with their intervals (at ``level``, as the study's), a reference
    line at 1 and a mark at the event (a dashed vertical line at time 0, when the data hold it); one colour per
    ``series`` (e.g. downgrade, upgrade). Ratios and limits to :data:`RATIO_DIGITS` significant digits, as in
    the tables."""
    frame = _checked(data, [time, ratio, low, high, series], rule, "event-study chart", not_counts=[time])
    frame = frame.with_columns(
        _interval=pl.format(
            "{}–{}",
            pl.col(low).map_elements(ratio_text, return_dtype=pl.String),
            pl.col(high).map_elements(ratio_text, return_dtype=pl.String),
        )
    )
    interval = f"{level_text(level)} interval"
    colour = alt.Color(f"{series}:N", title=None) if series else alt.ColorValue(PALETTE[0])
    offset = {"xOffset": alt.XOffset(f"{series}:N")} if series else {}
    x = alt.X(
        f"{time}:O",
        title="Years from the TIP report (0 = the report that changed the tier)",
        axis=alt.Axis(labelAngle=0),
    )
    base = alt.Chart(frame)
    rules = base.mark_rule(strokeWidth=2).encode(
        x=x, y=alt.Y(f"{low}:Q"), y2=alt.Y2(f"{high}:Q"), color=colour, **offset
    )
    points = base.mark_point(filled=True, size=70).encode(
        x=x,
        y=alt.Y(
            f"{ratio}:Q",
            scale=alt.Scale(type="log"),
            # each point is against the year before the report (-1), not against the point before it
            title="Detected victims, ratio to the year before the report",
        ),
        color=colour,
        tooltip=[
            *([alt.Tooltip(f"{series}:N", title="Change of tier")] if series else []),
            alt.Tooltip(f"{time}:O", title="Years from the report"),
            alt.Tooltip(f"{ratio}:Q", format=RATIO_FORMAT, title="Ratio to the year before the report"),
            alt.Tooltip("_interval:N", title=interval),
        ],
        **offset,
    )
    one = (
        alt.Chart(pl.DataFrame({"one": [1.0]}))
        .mark_rule(strokeDash=[4, 4], color="#888888")
        .encode(y=alt.Y("one:Q"))
    )
    # the event: the report that changed the tier (time 0), a dashed line across the plot
    event = (
        base.transform_filter(alt.datum[time] == 0)
        .mark_rule(strokeDash=[2, 3], color="#555555")
        .encode(x=alt.X(f"{time}:O"))
    )
    notes = [
        (
            f"Vertical lines: {interval}s, clustered by country. A ratio of 1: no change from the year before "
            "the report. Dashed: the report that changed the tier."
        )
    ]
    return layered(
        one,
        event,
        rules,
        points,
        title=chart_title(title, source, subtitle, [n for n in notes if n]),
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
    )
