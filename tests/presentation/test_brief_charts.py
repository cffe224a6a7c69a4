"""The country brief's context charts: tier strip, orders of magnitude, peers."""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence.presentation.brief_charts import TIER_COLOURS, magnitude_chart, peer_chart, tier_strip_chart
from evidence.presentation.charts import chart_spec, save_chart
from evidence.presentation.disclosure import DisclosureError


def _rows(spec: dict) -> list[dict]:
    return [r for data in spec["datasets"].values() for r in data if isinstance(r, dict)]


def test_tier_strip_has_a_cell_per_ranked_year_in_the_tier_colours(tmp_path: Path) -> None:
    history = pl.DataFrame(
        {"year": [2001, 2002, 2004, 2014], "tier": ["Tier 2", "Tier 2", "Tier 2 Watch List", "Tier 3"]}
    )
    chart = tier_strip_chart(history, "year", "tier", title="Tiers", source="US TIP")
    spec = chart_spec(chart)
    rows = _rows(spec)
    assert [(r["year"], r["short"]) for r in rows] == [(2001, "2"), (2002, "2"), (2004, "2WL"), (2014, "3")]
    colour = next(layer for layer in spec["layer"] if "color" in layer["encoding"])["encoding"]["color"]
    assert colour["scale"]["domain"] == list(TIER_COLOURS)
    assert colour["legend"]["orient"] == "right"
    x = spec["layer"][0]["encoding"]["x"]
    assert x["scale"]["domain"] == list(range(2001, 2015))  # unranked years keep their place, blank
    assert x["axis"]["values"] == list(range(2001, 2015, 2))  # labels thinned beyond 12 years
    assert save_chart(chart, tmp_path / "t.svg").read_text().count(">2WL<") == 1  # the cell of 2004


def test_magnitude_chart_draws_published_values_on_a_log_scale() -> None:
    data = pl.DataFrame(
        {
            "what": ["Identified", "Detected", "Estimated"],
            "value": [139.0, None, 401_000.0],
            "text": ["139", "<5", "401,000"],
        }
    )
    spec = chart_spec(magnitude_chart(data, "what", "value", "text", title="t", source="s"))
    bars = spec["layer"][0]["encoding"]
    assert bars["x"]["scale"]["type"] == "log" and bars["x2"] == {"datum": 1}
    assert [r["what"] for r in _rows(spec)] == ["Identified", "Estimated"]  # a withheld value draws no bar
    with pytest.raises(DisclosureError):
        magnitude_chart(data.with_columns(n=pl.lit(3)), "what", "value", "text", title="t", source="s")


def test_brief_charts_check_no_schema_object_as_it_is_made(monkeypatch) -> None:
    """As every builder of the toolkit (tests/presentation/test_charts.py): the peer chart had lost its
    ``unchecked`` when a helper was put between it and its decorator."""
    from altair.utils import schemapi

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("a schema object was checked as it was made")

    monkeypatch.setattr(schemapi, "validate_jsonschema", refused)
    data = pl.DataFrame(
        {
            "country": ["Thailand", "Cambodia"] * 2,
            "measure": ["Prevalence", "Prevalence", "Response", "Response"],
            "value": [5.74, 2.0, 55.1, None],
            "text": ["5.74", "2.00", "55.1", "<1.14"],
            "year": [2018, 2016, 2023, 2023],
            "withheld": [False, False, False, True],
            "role": ["country", "peer"] * 2,
        }
    )
    peer_chart(
        data, "country", "measure", "value", "role", title="t", source="s", text="text", year="year",
        withheld="withheld",
    )  # fmt: skip
    tiers = pl.DataFrame({"year": [2019, 2020], "tier": ["Tier 1", "Tier 2"]})
    tier_strip_chart(tiers, "year", "tier", title="t", source="s")
    numbers = pl.DataFrame(
        {"label": ["Identified", "Estimated"], "value": [120.0, 40000.0], "text": ["120", "40k"]}
    )
    magnitude_chart(numbers, "label", "value", "text", title="t", source="s")


def test_peer_chart_has_a_panel_per_measure_and_the_country_in_the_accent_colour() -> None:
    data = pl.DataFrame(
        {
            "country": ["Thailand", "Cambodia"] * 2,
            "measure": ["Prevalence", "Prevalence", "Response", "Response"],
            "value": [5.74, 2.0, 55.1, None],
            "role": ["country", "peer"] * 2,
        }
    )
    spec = chart_spec(
        peer_chart(
            data,
            "country",
            "measure",
            "value",
            "role",
            title="t",
            source="s",
            measures=["Prevalence", "Response"],
        )
    )
    assert [panel["title"]["text"] for panel in spec["hconcat"]] == ["Prevalence", "Response"]
    colour = spec["hconcat"][0]["encoding"]["color"]["scale"]
    assert colour["domain"] == ["country", "peer"] and colour["range"][0] != colour["range"][1]
    assert "Cambodia" in json.dumps(spec["hconcat"][1])  # named even without a value


def test_peer_chart_writes_a_withheld_value_and_the_years_where_a_panels_differ(tmp_path: Path) -> None:
    # review 5, m1: a withheld value is not "no value in the data", and a 2015 bar beside a 2021 one says so
    data = pl.DataFrame(
        {
            "country": ["Thailand", "Brunei", "Lao PDR", "Fiji"],
            "measure": ["Detected per 100,000"] * 4,
            "value": [0.192, None, 1.47, None],
            "role": ["country", "peer", "peer", "peer"],
            "display": ["0.192", "<1.14", "1.47", "n/a"],
            "year": [2021, 2020, 2015, None],
            "withheld": [False, True, False, False],
        }
    )
    chart = peer_chart(
        data, "country", "measure", "value", "role", title="t", source="s", text="display", year="year",
        withheld="withheld",
    )  # fmt: skip
    notes = {r["country"]: r["_note"] for r in _rows(chart_spec(chart)) if r.get("_note")}
    assert notes == {"Brunei": "<1.14", "Thailand": "2021", "Lao PDR": "2015"}  # Fiji: no value, no text
    svg = save_chart(chart, tmp_path / "p.svg").read_text()
    assert "Country: Brunei; Detected per 100,000: &lt;1.14; Year: 2020" in svg
    assert "Country: Lao PDR; Detected per 100,000: 1.47; Year: 2015" in svg
    # one year in a panel: no year written beside its bars
    same = data.with_columns(pl.lit(2021).alias("year"))
    rows = _rows(chart_spec(peer_chart(same, "country", "measure", "value", "role", title="t", source="s",
                                       text="display", year="year", withheld="withheld")))  # fmt: skip
    assert {r["country"]: r["_note"] for r in rows if r.get("_note")} == {"Brunei": "<1.14"}


def test_a_year_written_beside_a_bar_is_read_once(tmp_path: Path) -> None:
    # a screen reader read the bar's description ("...; Year: 2015") and then the year's text mark, described
    # the same: the text beside a bar is hidden from it; a withheld value's text (no bar) is still read
    data = pl.DataFrame(
        {
            "country": ["Thailand", "Brunei", "Lao PDR"],
            "measure": ["Detected per 100,000"] * 3,
            "value": [0.192, None, 1.47],
            "role": ["country", "peer", "peer"],
            "display": ["0.192", "<1.14", "1.47"],
            "year": [2021, 2020, 2015],
            "withheld": [False, True, False],
        }
    )
    chart = peer_chart(
        data, "country", "measure", "value", "role", title="t", source="s", text="display", year="year",
        withheld="withheld",
    )  # fmt: skip
    svg = save_chart(chart, tmp_path / "p.svg").read_text()
    labels = re.findall(r'aria-label="([^"]*)"', svg)
    for country in ("Thailand", "Lao PDR", "Brunei"):
        assert sum(label.startswith(f"Country: {country};") for label in labels) == 1, country
    # the year's text is still drawn, in a group a screen reader skips
    assert re.search(r'aria-hidden="true"[^>]*>.*?>2015</text>', svg, re.DOTALL)


def test_a_panel_of_values_below_one_is_labelled_in_plain_numbers() -> None:
    """Found looking at Myanmar's real brief: the panel of victims detected per 1,000 estimated (0.0533,
    0.0441) was labelled "0m 20m 40m" (SI milli); thousands keep their "10k"."""
    data = pl.DataFrame(
        {
            "country": ["Myanmar", "Thailand"] * 2,
            "measure": ["Per 1,000", "Per 1,000", "Victims", "Victims"],
            "value": [0.0441, 0.0533, 12_000.0, 9_000.0],
            "role": ["country", "peer"] * 2,
        }
    )
    spec = chart_spec(peer_chart(data, "country", "measure", "value", "role", title="t", source="s"))

    def axis_formats(node: object) -> list[str]:
        if isinstance(node, dict):
            here = (
                [node["axis"]["format"]]
                if isinstance(node.get("axis"), dict) and "format" in node["axis"]
                else []
            )
            return here + [f for value in node.values() for f in axis_formats(value)]
        return [f for value in node for f in axis_formats(value)] if isinstance(node, list) else []

    assert [sorted(set(axis_formats(panel))) for panel in spec["hconcat"]] == [[",~r"], [",~s"]]


def test_a_panel_of_tens_is_labelled_without_exponents(tmp_path) -> None:
    """Found in Myanmar's and Malaysia's real briefs: a panel of government-response ratings (35, 60) had its
    ticks labelled "1e+1 2e+1 6e+1" (``~g`` at the tick step's precision)."""
    data = pl.DataFrame(
        {
            "country": ["Myanmar", "Thailand", "Malaysia"] * 2,
            "measure": ["Response"] * 3 + ["Per 1,000"] * 3,
            "value": [35.0, 60.0, 52.0, 0.0441, 0.0533, 0.02],
            "role": ["country", "peer", "peer"] * 2,
        }
    )
    chart = peer_chart(data, "country", "measure", "value", "role", title="t", source="s")
    svg = save_chart(chart, tmp_path / "p.svg").read_text()
    ticks = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert not [tick for tick in ticks if re.fullmatch(r"[\d.]+e[+-]\d+", tick)], ticks
    assert {"20", "40", "60"} <= set(ticks) and "0.02" in ticks


@given(
    st.one_of(
        st.lists(st.one_of(st.none(), st.integers(2000, 2004)), max_size=8).map(
            lambda v: pl.Series(v, dtype=pl.Int64)
        ),
        st.lists(st.one_of(st.none(), st.sampled_from(["2019", "2020", "2020–2021"])), max_size=8).map(
            lambda v: pl.Series(v, dtype=pl.String)
        ),
        st.lists(st.one_of(st.none(), st.sampled_from([2019.0, 2020.0, math.nan])), max_size=8).map(
            lambda v: pl.Series(v, dtype=pl.Float64)
        ),
    )
)
def test_the_distinct_years_of_a_peer_panel_are_polars_own_count_read_without_a_query(values):
    """Whether a panel's bars are of different years: the distinct values, nulls aside, as polars counts them
    (a float's NaN one value), read as a list (no query) unless floats."""
    import _polars

    from evidence.presentation.brief_charts import _distinct

    assert _distinct(values) == values.drop_nulls().n_unique()
    if not values.dtype.is_float():
        with pytest.MonkeyPatch.context() as monkeypatch:
            queries = _polars.count_queries(monkeypatch)
            _distinct(values)
        assert queries == []


def test_peer_chart_names_each_country_whole_once_on_rows_aligned_across_its_panels(tmp_path: Path) -> None:
    """real31: every panel cut long names at 120 px ("Taiwan Province of C…", "Democratic People's …", the
    brief's own country), and a country without a value in a panel had no row there, so the panels' rows did
    not line up. Named once, whole, on the first panel; every panel has a row for every country, at one height;
    no wider than the four panels that each named them."""
    countries = ["Democratic People's Republic of Korea", "Taiwan Province of China", "Japan", "China"]
    measures = ["Prevalence", "Detected", "Response", "Per 1,000"]
    data = pl.DataFrame(
        {
            "country": countries * 4,
            "measure": [m for m in measures for _ in countries],
            # Taiwan has a value in the first panel only, Japan in none but the last
            "value": [
                10.4,
                2.0,
                None,
                1.1,
                None,
                None,
                None,
                0.3,
                5.0,
                None,
                None,
                60.0,
                0.1,
                None,
                0.2,
                0.4,
            ],
            "role": ["country", "peer", "peer", "peer"] * 4,
        }
    )
    chart = peer_chart(data, "country", "measure", "value", "role", title="t", source="s", measures=measures)
    svg = save_chart(chart, tmp_path / "p.svg").read_text()
    labels = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    for name in countries:
        assert labels.count(name) == 1, name
    assert "…" not in svg
    # one row per country in each panel, at the same height: the y of each bar's band, panel by panel
    spec = chart_spec(chart)
    assert [panel["encoding"]["y"]["scale"]["domain"] for panel in spec["hconcat"]] == [countries] * 4
    width = float(re.search(r'<svg[^>]*width="([0-9.]+)"', svg).group(1))
    assert width < 4 * (140 + 120) + 3 * 12 + 40
