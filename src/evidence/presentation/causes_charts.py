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

from collections.abc import Sequence

import altair as alt
import polars as pl

from evidence.core.errors import ParameterError
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
from evidence.presentation.disclosure import DEFAULT_RULE, DisclosureRule

__all__ = ["detection_scatter", "distribution_chart", "event_study_chart", "heat_table_chart"]


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
    if not n:
        return None
    return f"{n} {what} withheld under disclosure control (blank)."


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
    share (withheld) is a blank cell."""
    frame = _checked(data, [row, column, share], rule, "heat table")
    withheld = int(frame[share].is_null().sum())
    frame = frame.with_columns(
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
            legend=alt.Legend(format="%"),
        ),
        tooltip=[
            alt.Tooltip(f"{row}:N"),
            alt.Tooltip(f"{column}:N"),
            alt.Tooltip(f"{share}:Q", format=".1%"),
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
        width=alt.Step(56),
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
            alt.Tooltip(f"{category}:N"),
            *([alt.Tooltip(f"{group}:N")] if group else []),
            alt.Tooltip(f"{share}:Q", format=".1%"),
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
        _order=pl.col(role).replace_strict({"country": 2, "peer": 1}, default=0, return_dtype=pl.Int8)
    )
    role_scale = alt.Scale(domain=["other", "peer", "country"], range=["#c8c8c8", PALETTE[1], PALETTE[5]])
    base = alt.Chart(frame).encode(
        x=alt.X(f"{x}:Q", scale=alt.Scale(type="log"), title=x_title),
        y=alt.Y(f"{y}:Q", scale=alt.Scale(type="log"), title=y_title),
    )
    points = base.mark_circle(size=60, opacity=0.85).encode(
        color=alt.Color(f"{role}:N", scale=role_scale, title=None),
        order=alt.Order("_order:Q"),
        tooltip=[
            alt.Tooltip(f"{name}:N"),
            alt.Tooltip(f"{x}:Q", format=".3~g"),
            alt.Tooltip(f"{y}:Q", format=".3~g"),
        ],
    )
    labels = (
        base.transform_filter(f"datum['{role}'] != 'other'")
        .mark_text(align="left", dx=6, dy=-4, fontSize=11, color="#1a1a1a")
        .encode(text=alt.Text(f"{name}:N"))
    )
    notes = [f"{left_out} countries without both values are not shown." if left_out else None]
    return layered(
        points,
        labels,
        title=chart_title(title, source, subtitle, [n for n in notes if n]),
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
    )


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
) -> alt.TopLevelMixin:
    """Rate ratios by event time (log scale) with their intervals, a reference line at 1 and a mark at the
    event (time 0); one colour per ``series`` (e.g. downgrade, upgrade)."""
    frame = _checked(data, [time, ratio, low, high, series], rule, "event-study chart", not_counts=[time])
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
            f"{ratio}:Q", scale=alt.Scale(type="log"), title="Detected victims, ratio to the year before"
        ),
        color=colour,
        tooltip=[
            alt.Tooltip(f"{time}:O"),
            alt.Tooltip(f"{ratio}:Q", format=".2f"),
            alt.Tooltip(f"{low}:Q", format=".2f"),
            alt.Tooltip(f"{high}:Q", format=".2f"),
            *([alt.Tooltip(f"{series}:N")] if series else []),
        ],
        **offset,
    )
    one = (
        alt.Chart(pl.DataFrame({"one": [1.0]}))
        .mark_rule(strokeDash=[4, 4], color="#888888")
        .encode(y=alt.Y("one:Q"))
    )
    notes = ["Vertical lines: 95% intervals, clustered by country. A ratio of 1: no change."]
    return layered(
        one,
        rules,
        points,
        title=chart_title(title, source, subtitle, [n for n in notes if n]),
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
    )
