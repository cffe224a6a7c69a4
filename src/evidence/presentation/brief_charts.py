"""Charts of the country brief's context sections, in the house style of :mod:`evidence.presentation.charts`.

* :func:`tier_strip_chart`: a country's US TIP Report tier, report year by report year (a strip of cells);
* :func:`magnitude_chart`: identified, detected and estimated numbers of one country side by side on a
  logarithmic scale (orders of magnitude);
* :func:`peer_chart`: the country beside its peers on a few indicators, one panel per indicator.

Disclosure: these charts draw published values only. Identified and detected victims reach
:func:`magnitude_chart` as the numbers the brief's tables publish (a withheld number is null and not drawn);
estimates, scores, rates and tiers are not counts of identified people. An integer column holding a small
count is refused, as in every chart of the toolkit.
"""

from __future__ import annotations

import math

import altair as alt
import polars as pl

from evidence.presentation.charts import (
    CHART_WIDTH,
    PALETTE,
    chart_data,
    chart_title,
    layered,
    side_by_side,
    unchecked,
    used_columns,
    with_properties,
)
from evidence.presentation.disclosure import DEFAULT_RULE, DisclosureRule
from evidence.presentation.maps import text_width

__all__ = ["TIER_COLOURS", "magnitude_chart", "peer_chart", "tier_strip_chart"]

#: The tiers in their order, with colours from the house palette (Tier 1 bluish green to Tier 3 vermillion)
#: and the short text written in each cell.
TIER_COLOURS: dict[str, tuple[str, str]] = {
    "Tier 1": ("#009E73", "1"),
    "Tier 2": ("#56B4E9", "2"),
    "Tier 2 Watch List": ("#E69F00", "2WL"),
    "Tier 3": ("#D55E00", "3"),
}


@unchecked
def tier_strip_chart(
    data: pl.DataFrame, year: str, tier: str, *, title: str, source: str, subtitle: str | None = None
) -> alt.TopLevelMixin:
    """One cell per report year, coloured by the tier (``tier`` holds labels of :data:`TIER_COLOURS`; a year
    the country was not ranked is left blank), with the tier written in the cell."""
    frame = used_columns(data, [year, tier], "tier strip chart").filter(pl.col(tier).is_not_null())
    frame = frame.with_columns(
        pl.col(year).cast(pl.Int64),
        pl.col(tier).cast(pl.String),
        short=pl.col(tier)
        .cast(pl.String)
        .replace_strict({k: v[1] for k, v in TIER_COLOURS.items()}, default=""),
    )
    first, last = (int(frame[year].min()), int(frame[year].max())) if frame.height else (0, 0)  # type: ignore[arg-type]
    years = list(range(first, last + 1))
    every = 1 if len(years) <= 12 else 2 if len(years) <= 24 else 5
    labelled = [y for y in years if (y - first) % every == 0]
    x = alt.X(
        f"{year}:O",
        title="Report year",
        scale=alt.Scale(domain=years),
        axis=alt.Axis(labelAngle=0, values=labelled),
    )
    colour = alt.Color(
        f"{tier}:N",
        title="Tier",
        scale=alt.Scale(domain=list(TIER_COLOURS), range=[c for c, _ in TIER_COLOURS.values()]),
        legend=alt.Legend(orient="right"),
    )
    base = alt.Chart(frame).encode(x=x)
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=colour,
        tooltip=[alt.Tooltip(f"{year}:O", title="Report"), alt.Tooltip(f"{tier}:N", title="Tier")],
    )
    text = base.mark_text(fontSize=11, color="white", fontWeight="bold").encode(text=alt.Text("short:N"))
    step = max(16, min(40, (CHART_WIDTH - 150) // max(len(years), 1)))
    notes = ["2WL: Tier 2 Watch List. A blank year: not ranked in that report, or not in the data."]
    return layered(
        cells, text, title=chart_title(title, source, subtitle, notes), width=alt.Step(step), height=44
    )


@unchecked
def magnitude_chart(
    data: pl.DataFrame,
    label: str,
    value: str,
    text: str,
    *,
    title: str,
    source: str,
    subtitle: str | None = None,
    x_title: str = "People (logarithmic scale)",
    rule: DisclosureRule = DEFAULT_RULE,
    notes: list[str] | None = None,
) -> alt.TopLevelMixin:
    """Horizontal bars on a logarithmic scale, one per ``label`` in the order given, with ``text`` (the value as
    the brief's table shows it) beside each bar: numbers that differ by orders of magnitude, side by side. A
    null ``value`` (withheld, or not available) draws no bar; ``notes`` go under the subtitle (what is not
    drawn, and why)."""
    frame, _ = chart_data(
        data, [c for c, t in data.schema.items() if t.is_integer()], rule, "magnitude chart"
    )
    frame = used_columns(frame, [label, value, text], "magnitude chart")
    frame = frame.filter(pl.col(value).is_not_null() & (pl.col(value) > 0)).with_columns(
        pl.col(value).cast(pl.Float64)
    )
    order = frame[label].to_list()
    y = alt.Y(f"{label}:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    top = float(frame[value].max() or 10)  # type: ignore[arg-type]
    x = alt.X(
        f"{value}:Q",
        title=x_title,
        scale=alt.Scale(type="log", domain=[1, 10 ** math.ceil(math.log10(top) + 0.6)]),
        axis=alt.Axis(format=",~s"),
    )
    base = alt.Chart(frame).encode(y=y)
    # a bar on a logarithmic scale starts at 1, not 0 (which the scale cannot place)
    bars = base.mark_bar(color=PALETTE[0], height=18).encode(
        x=x, x2=alt.X2Datum(1), tooltip=[alt.Tooltip(f"{label}:N"), alt.Tooltip(f"{text}:N", title="Number")]
    )
    labels = base.mark_text(align="left", dx=4, fontSize=11, color="#333333").encode(
        x=alt.X(f"{value}:Q"), text=alt.Text(f"{text}:N")
    )
    return layered(
        bars,
        labels,
        title=chart_title(title, source, subtitle, notes or ()),
        width=CHART_WIDTH - 200,
        height=alt.Step(30),
    )


def axis_format(top: float) -> str:
    """The d3 format of a value axis whose largest value is ``top``: SI prefixes for thousands and more
    ("10k", "1.5M"), plain numbers below ("0.02", "150"): ``,~s`` labelled the ticks of 0.0533 victims per
    1,000 "0m 20m 40m" (milli); ``,~g`` at the precision Vega takes from the tick step gave "2e+1 4e+1" for a
    panel of tens, where ``,~r`` (significant digits, never an exponent) gives "20 40"."""
    return ",~s" if top >= 1_000 else ",~r"


def _distinct(values: pl.Series) -> int:
    """How many distinct values ``values`` holds, nulls aside: read as a list (no polars query: a brief's peers
    chart asks once per panel), or by polars for floats (its NaN is one value; Python's are not equal)."""
    if values.dtype.is_float() or values.dtype.is_nested():  # nested: a list is no set member
        return values.drop_nulls().n_unique()
    return len({v for v in values.to_list() if v is not None})


#: The size of the peer chart's country names (the charts' axis labels' size).
PEER_LABEL_SIZE = 11


@unchecked
def peer_chart(
    data: pl.DataFrame,
    country: str,
    measure: str,
    value: str,
    role: str,
    *,
    title: str,
    source: str,
    subtitle: str | None = None,
    measures: list[str] | None = None,
    text: str | None = None,
    year: str | None = None,
    withheld: str | None = None,
) -> alt.HConcatChart:
    """One small bar chart per ``measure`` (in the order of ``measures``), one bar per country, the brief's
    country (``role == "country"``) in the accent colour; countries without a value are named with no bar.

    ``text`` names the value as the brief's table shows it (its tooltip, and the marks' description); a row
    marked in ``withheld`` (a value withheld under the small-cell rule, ``<1.14``) has that text written where
    its bar would start; ``year`` names the year of each value, written beside each bar of a panel whose values
    are of different years."""
    frame = used_columns(data, [country, measure, value, role, text, year, withheld], "peer chart")
    order = list(dict.fromkeys(frame[country].to_list()))
    # the countries named once, whole, on the first panel ("Democratic People's Republic of Korea" was cut at
    # 120 px on each): the rest line up with it, every panel having a row for every country, in one order
    label_room = math.ceil(max((text_width(str(c), PEER_LABEL_SIZE) for c in order), default=0)) + 4
    panels = []
    for index, name in enumerate(measures or list(dict.fromkeys(frame[measure].to_list()))):
        rows = frame.filter(pl.col(measure) == name)
        drawn = rows.filter(pl.col(value).is_not_null())
        years_differ = year is not None and _distinct(drawn[year]) > 1
        notes: list[str | None] = [None] * rows.height
        if withheld is not None and text is not None:
            notes = [
                t if w else None for t, w in zip(rows[text].to_list(), rows[withheld].to_list(), strict=True)
            ]
        if years_differ and year is not None:
            notes = [
                n if n is not None else (f"{y}" if v is not None and y is not None else None)
                for n, v, y in zip(notes, rows[value].to_list(), rows[year].to_list(), strict=True)
            ]
        rows = rows.with_columns(
            pl.Series("_note", notes, dtype=pl.String), pl.col(value).fill_null(0.0).alias("_at")
        )
        colour = alt.Color(
            f"{role}:N",
            scale=alt.Scale(domain=["country", "peer"], range=[PALETTE[5], PALETTE[0]]),
            legend=None,
        )
        top = float(drawn[value].max() or 0) if drawn.height else 0.0  # type: ignore[arg-type]
        # room beside the longest bar for the text written after it
        scale = alt.Scale(domain=[0, top * 1.45]) if top > 0 and any(n for n in notes) else alt.Undefined
        tooltip = [alt.Tooltip(f"{country}:N", title="Country")]
        tooltip.append(
            alt.Tooltip(f"{text}:N", title=name)
            if text is not None
            else alt.Tooltip(f"{value}:Q", format=",.3~r", title=name)
        )
        if year is not None:
            tooltip.append(alt.Tooltip(f"{year}:O", title="Year"))
        axis = (
            alt.Axis(labelLimit=label_room, labelFontSize=PEER_LABEL_SIZE)
            if index == 0
            else alt.Axis(labels=False, ticks=False)
        )
        y = alt.Y(f"{country}:N", scale=alt.Scale(domain=order), title=None, axis=axis)
        bars = (
            alt.Chart(rows.filter(pl.col(value).is_not_null()))
            .mark_bar()
            .encode(
                y=y,
                x=alt.X(
                    f"{value}:Q", title=None, scale=scale, axis=alt.Axis(format=axis_format(top), tickCount=3)
                ),
                color=colour,
                tooltip=tooltip,
            )
        )
        layers: list[alt.Chart] = [bars]
        # the text beside a bar (its year) is in the bar's description already: a screen reader would read it
        # twice, so it is hidden from one; the text of a withheld value (no bar) is the row's only mark
        for beside in (True, False):
            written = rows.filter(pl.col("_note").is_not_null() & (pl.col(value).is_not_null() == beside))
            if written.height:
                layers.append(
                    alt.Chart(written)
                    .mark_text(align="left", dx=3, fontSize=9, color="#555555", aria=not beside)
                    .encode(y=y, x=alt.X("_at:Q", scale=scale), text=alt.Text("_note:N"), tooltip=tooltip)
                )
        panel = layers[0] if len(layers) == 1 else layered(*layers)
        panels.append(
            with_properties(panel, title=alt.TitleParams(name, fontSize=11, fontWeight="normal"), width=140)
        )
    return side_by_side(*panels, spacing=12, title=chart_title(title, source, subtitle))
