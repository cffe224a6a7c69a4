"""The causes charts render offline, name their source, and refuse small counts."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from evidence.presentation import causes_charts
from evidence.presentation.charts import CHART_HEIGHT, CHART_WIDTH, chart_spec, save_chart
from evidence.presentation.disclosure import DisclosureError


def _charts():
    heat = pl.DataFrame(
        {"row": ["A", "A", "B", "B"], "column": ["x", "y", "x", "y"], "share": [0.5, None, 0.2, 0.9]}
    )
    dist = pl.DataFrame(
        {
            "category": ["0-12", "13-24"] * 2,
            "share": [0.6, 0.4, 0.5, None],
            "group": ["F", "F", "M", "M"],
            "low": [0.5, 0.3, 0.4, None],
            "high": [0.7, 0.5, 0.6, None],
        }
    )
    scatter = pl.DataFrame(
        {
            "x": [5.7, 4.9, 12.0, 2.0],
            "y": [0.19, None, 0.05, 1.0],
            "name": ["Thailand", "Cambodia", "Myanmar", "X"],
            "role": ["country", "peer", "peer", "other"],
        }
    )
    events = pl.DataFrame(
        {
            "t": [-1, 0, 1, -1, 0, 1],
            "ratio": [1.0, 1.2, 0.9, 1.0, 0.8, 0.7],
            "low": [1.0, 0.8, 0.6, 1.0, 0.5, 0.4],
            "high": [1.0, 1.8, 1.3, 1.0, 1.2, 1.1],
            "kind": ["downgrade"] * 3 + ["upgrade"] * 3,
        }
    )
    return {
        "heat": causes_charts.heat_table_chart(
            heat, "row", "column", "share", title="Heat", source="Test data"
        ),
        "distribution": causes_charts.distribution_chart(
            dist,
            "category",
            "share",
            group="group",
            low="low",
            high="high",
            title="Duration",
            source="Test data",
        ),
        "scatter": causes_charts.detection_scatter(
            scatter, "x", "y", "name", "role", title="Scatter", source="Test"
        ),
        "events": causes_charts.event_study_chart(
            events, "t", "ratio", "low", "high", series="kind", title="Events", source="Test data"
        ),
    }


@pytest.mark.parametrize("name", ["heat", "distribution", "scatter", "events"])
def test_each_chart_renders_with_its_source(name, tmp_path: Path):
    chart = _charts()[name]
    path = save_chart(chart, tmp_path / f"{name}.svg")
    text = path.read_text(encoding="utf-8")
    assert "<svg" in text and "Source" in text


def test_withheld_shares_and_missing_points_are_said():
    charts = _charts()
    # brief audit (Thailand's means of control by form): "1 shares withheld", in the singular since
    assert "1 share withheld under disclosure control" in str(chart_spec(charts["heat"])["title"])
    assert "1 country without both values is not shown" in str(chart_spec(charts["scatter"])["title"])
    assert "shares withheld" not in str(chart_spec(charts["heat"])["title"])
    assert causes_charts._withheld(2, "shares") == "2 shares withheld under disclosure control (blank)."


def test_small_counts_are_refused():
    counts = pl.DataFrame({"row": ["A"], "column": ["x"], "share": [0.5], "n": [3]})
    with pytest.raises(DisclosureError):
        causes_charts.heat_table_chart(
            counts.rename({"share": "s"}).with_columns(share=pl.col("n")),
            "row",
            "column",
            "share",
            title="t",
            source="s",
        )


def test_the_scatters_legend_names_its_points_in_words(tmp_path):
    """A researcher's reading of the real brief: the legend of "Detected victims per 100,000 against estimated
    prevalence" read "other", "peer", "country" (the roles' codes)."""
    import html
    import re

    frame = pl.DataFrame(
        {
            "x": [5.16, 5.74, 0.6],
            "y": [1.47, 0.19, 0.01],
            "name": ["Lao PDR", "Thailand", "A"],
            "role": ["peer", "country", "other"],
        }
    )
    chart = causes_charts.detection_scatter(frame, "x", "y", "name", "role", title="t", source="s")
    svg = save_chart(chart, tmp_path / "scatter.svg").read_text(encoding="utf-8")
    texts = {html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)}
    assert not texts & {"other", "peer", "country"}, texts
    assert set(causes_charts.SCATTER_ROLE_LABELS.values()) <= texts, texts


def test_scatter_axes_span_the_data_and_labels_do_not_overlap():
    """Close points (Lao PDR beside the Philippines) get labels apart; the axes span the data, not the decades
    around them (an axis of 0.1-100 for values of 0.6-30 is mostly empty)."""
    frame = pl.DataFrame(
        {
            "x": [5.16, 7.84, 5.0, 6.26, 4.07, 5.74, 0.6, 30.0],
            "y": [1.47, 1.46, 0.46, 0.37, 0.45, 0.19, 0.01, 20.0],
            "name": ["Lao PDR", "Philippines", "Viet Nam", "Malaysia", "Cambodia", "Thailand", "A", "B"],
            "role": ["peer", "peer", "peer", "peer", "peer", "country", "other", "other"],
        }
    )
    spec = chart_spec(causes_charts.detection_scatter(frame, "x", "y", "name", "role", title="t", source="s"))
    x_scale = spec["layer"][0]["encoding"]["x"]["scale"]
    assert x_scale["domain"][0] > 0.4 and x_scale["domain"][1] < 40 and x_scale["nice"] is False
    placed = causes_charts._placed_labels(
        frame,
        "x",
        "y",
        "name",
        "role",
        causes_charts._log_domain(frame["x"]),
        causes_charts._log_domain(frame["y"]),
    )
    assert sorted(placed["name"].to_list()) == [
        "Cambodia",
        "Lao PDR",
        "Malaysia",
        "Philippines",
        "Thailand",
        "Viet Nam",
    ]
    boxes = []
    x0, x1 = (math.log10(v) for v in causes_charts._log_domain(frame["x"]))
    y0, y1 = (math.log10(v) for v in causes_charts._log_domain(frame["y"]))
    for row in placed.iter_rows(named=True):
        px = CHART_WIDTH * (math.log10(row["_label_x"]) - x0) / (x1 - x0)
        py = CHART_HEIGHT * (1 - (math.log10(row["_label_y"]) - y0) / (y1 - y0))
        width = causes_charts._CHAR_WIDTH * len(row["name"])
        left = px if row["_align"] == "left" else px - width
        boxes.append((left, py - 6, left + width, py + 6))
    assert not [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if causes_charts._overlap(a, b)]


def _percents(svg: str) -> list[float]:
    """Every percentage in the rendered chart's text and metadata (aria-labels, titles, labels)."""
    import html
    import re

    return [float(v) for v in re.findall(r"(-?\d+(?:\.\d+)?)%", html.unescape(svg))]


def test_rendered_charts_carry_no_share_more_precise_than_their_tables(tmp_path: Path):
    """The review: the heat chart's aria-labels carried 8.633094% (= 12/139 victims), more than the table's
    whole percent; with the published base and total that gave a withheld cell back. A heat chart keeps whole
    percents, a distribution chart the tenth of a percent its table shows (intervals too)."""
    heat = pl.DataFrame(
        {
            "row": ["FL", "FL", "SE"],
            "column": ["docs", "threats", "docs"],
            "share": [12 / 139, 65 / 139, None],
        }
    )
    chart = causes_charts.heat_table_chart(heat, "row", "column", "share", title="Heat", source="Test")
    svg = save_chart(chart, tmp_path / "heat.svg").read_text(encoding="utf-8")
    shown = _percents(svg)
    assert 9.0 in shown and 47.0 in shown
    assert all(v == round(v) for v in shown), shown
    assert "9.000000%" not in svg and "Share: 9%" in svg  # the marks' labels print what the table prints
    dist = pl.DataFrame(
        {
            "category": ["0-12", "13-24"],
            "share": [12 / 139, 127 / 139],
            "low": [0.05, 0.853],
            "high": [1 / 7, 0.95],
        }
    )
    chart = causes_charts.distribution_chart(
        dist, "category", "share", low="low", high="high", title="Duration", source="Test"
    )
    spec = chart_spec(chart)
    values = [
        v
        for d in spec.get("datasets", {}).values()
        for row in d
        for v in row.values()
        if isinstance(v, float)
    ]
    assert values and all(v == round(v, 3) for v in values), values
    shown = _percents(save_chart(chart, tmp_path / "dist.svg").read_text(encoding="utf-8"))
    assert all(v == round(v, 1) for v in shown), shown


def test_a_heat_charts_legend_labels_do_not_run_into_one_another(tmp_path: Path):
    """THA's means of control by form: the legend's "80%" and "100%" ran together at the gradient's end."""
    import itertools
    import re

    from evidence.presentation.maps import text_width

    # fifteen means of control, as in the brief: the legend's gradient as long as it gets
    heat = pl.DataFrame(
        {"row": ["FL"] * 15, "column": [f"means {i}" for i in range(15)], "share": [1.0] + [0.0] * 14}
    )
    chart = causes_charts.heat_table_chart(heat, "row", "column", "share", title="Heat", source="Test")
    svg = save_chart(chart, tmp_path / "heat.svg").read_text(encoding="utf-8")
    legend = svg[svg.index('role-legend-label"') :]
    legend = legend[: legend.index("</g>")]
    labels = re.findall(
        r'<text text-anchor="(\w+)" transform="translate\(([\d.]+),[\d.]+\)"[^>]*>([^<]*)</text>', legend
    )
    assert len(labels) >= 3
    spans = []
    for anchor, x, text in labels:
        width = text_width(text)
        left = float(x) - {"start": 0, "middle": width / 2, "end": width}[anchor]
        spans.append((left, left + width))
    spans.sort()
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), labels


def test_a_heat_table_of_many_columns_keeps_near_the_width_of_the_other_charts(tmp_path: Path):
    """Fifteen means of control at 56 px a cell made a figure of 946 px, which the PDF page shrank."""
    import re

    heat = pl.DataFrame(
        {
            "row": ["Other forms of exploitation"] * 15,
            "column": [f"means {i}" for i in range(15)],
            "share": [1.0] + [0.0] * 14,
        }
    )
    chart = causes_charts.heat_table_chart(heat, "row", "column", "share", title="Heat", source="Test")
    svg = save_chart(chart, tmp_path / "heat.svg").read_text(encoding="utf-8")
    assert float(re.search(r'<svg[^>]*width="([\d.]+)"', svg).group(1)) <= CHART_WIDTH + 120
    assert "100%" in svg
    few = heat.head(3)
    spec = chart_spec(causes_charts.heat_table_chart(few, "row", "column", "share", title="H", source="T"))
    assert spec["width"] == {"step": 56}  # a few columns keep their room


def test_the_event_study_axis_says_each_ratio_is_to_the_year_before_the_report():
    """Every point of the TIP event study is a ratio to the year before the report (event time -1, fixed at 1),
    not to the point before it: the y axis read "ratio to the year before", which a reader takes for a yearly
    change (2 years after a downgrade at 0.8 read as "fell 20% that year")."""
    spec = chart_spec(_charts()["events"])
    text = repr(spec)
    assert "ratio to the year before the report" in text
    assert "'Detected victims, ratio to the year before'" not in text
    assert "A ratio of 1: no change from the year before the" in text  # the subtitle wraps


def _layers(spec: dict) -> list[dict]:
    return [layer for layer in spec.get("layer", [])]


def test_the_event_study_marks_the_report_year_it_promises():
    """The docstring promised a mark at the event (time 0) that was not drawn: a dashed vertical rule at 0."""
    spec = chart_spec(_charts()["events"])
    at_zero = [
        layer
        for layer in _layers(spec)
        if layer.get("mark", {}).get("type") == "rule"
        and "x" in layer.get("encoding", {})
        and "y" not in layer["encoding"]
    ]
    assert len(at_zero) == 1
    assert "datum.t === 0" in repr(at_zero[0].get("transform")) or "datum['t'] === 0" in repr(
        at_zero[0].get("transform")
    )


def test_the_event_study_says_the_level_of_its_intervals():
    """The tooltip and the note said "95% interval" whatever the level of the study."""
    events = _charts()["events"]
    data = pl.DataFrame(
        {"t": [-1, 0], "ratio": [1.0, 1.2], "low": [1.0, 0.8], "high": [1.0, 1.8], "kind": ["downgrade"] * 2}
    )
    chart = causes_charts.event_study_chart(
        data, "t", "ratio", "low", "high", series="kind", title="E", source="S", level=0.9
    )
    text = repr(chart_spec(chart))
    assert "90% interval" in text and "90% intervals" in text
    assert "95%" not in text
    assert "95% interval" in repr(chart_spec(events))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (122.4, "122"),
        (42.26, "42.3"),
        (353.0, "353"),
        (1.0, "1.00"),
        (0.0123, "0.0123"),
        (9.996, "10.0"),
        (12345.0, "12,300"),
        (0.0, "0"),
        (float("inf"), "∞"),
        (None, ""),
    ],
)
def test_ratios_are_shown_to_three_significant_digits(value, text):
    """ "122 | 42.26 – 353": one rule for every odds and rate ratio of the section."""
    assert causes_charts.ratio_text(value) == text


def test_the_event_study_tooltip_rounds_ratios_as_the_tables_do():
    spec = chart_spec(_charts()["events"])
    frame = repr(spec)
    assert "'format': '.3r'" in frame
    assert "0.800–1.80" in frame  # the interval text, three significant digits each
