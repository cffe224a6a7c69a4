"""Trends: what a notebook shows of a result (text and HTML reprs), and what an empty selection gives."""

from __future__ import annotations

import polars as pl
import pytest

from evidence.analyses import trends
from evidence.analyses.selection import Selection
from evidence.core.errors import ParameterError
from evidence.sources.case_schema import conform


def series(years, counts) -> pl.DataFrame:
    return pl.DataFrame({"year": list(years), "count": list(counts)})


GROWING = series(range(2010, 2020), [20, 24, 27, 33, 38, 46, 54, 63, 77, 90])
BROKEN = series(range(2008, 2020), [50, 52, 55, 57, 60, 62, 30, 28, 26, 24, 22, 20])
HOSTILE = '<script>alert("x")</script> & <b>Forced labour</b>'


def cases(records: list[dict]) -> pl.DataFrame:
    return conform(pl.DataFrame(records, infer_schema_length=None))


# ----------------------------------------------------------------------------------------------------- reprs


def test_a_rate_ratio_reads_as_facts_not_as_a_dataclass():
    result = trends.rate_ratio(GROWING, level=0.9)
    text = repr(result)
    assert text.startswith("<RateRatio: annual rate ratio ")
    assert "RateRatio(rate_ratio=" not in text
    assert f"{result.rate_ratio:.3f}" in text
    assert f"90% CI {result.ci_low:.3f}–{result.ci_high:.3f}" in text  # the level it was asked for
    assert "2010–2019" in text and "10 years read" in text
    assert "Poisson" in text or "negative binomial" in text
    assert "detection as much as prevalence" in text
    html = result._repr_html_()
    assert html.startswith("<table>") and "<b>RateRatio</b>" in html
    assert f"{result.rate_ratio:.3f}" in html and "90% CI" in html


def test_a_rate_ratio_of_a_censored_series_shows_both_bounds_and_the_years_it_left_out():
    counts = pl.DataFrame(
        {
            "year": [2010, 2011, 2012, 2014, 2015, 2016, 2017],
            "count": [None, 12, 15, 19, 25, 31, 40],
            "count_low": [1, 12, 15, 19, 25, 31, 40],
            "count_high": [4, 12, 15, 19, 25, 31, 40],
        }
    )
    result = trends.rate_ratio(counts)
    text = repr(result)
    assert "point value" in text and "on the low bounds:" in text and "on the high bounds:" in text
    assert "7 years read, 2010–2017 (not read: 2013)" in text


def test_a_break_a_share_change_an_incomplete_year_and_a_panel_read_as_facts():
    found = trends.find_break(BROKEN)
    text = repr(found)
    assert text.startswith(f"<Break: break in {found.break_year}")
    assert "before: annual rate ratio" in text and "from the break: annual rate ratio" in text
    assert "adjusted p" in text and "Bonferroni" in text
    assert "<b>Break</b>" in found._repr_html_()
    shares = pl.DataFrame(
        {
            "year": [2010, 2011, 2012, 2013],
            "form": ["Forced labour"] * 4,
            "count": [10, 12, 30, 33],
            "count_low": [10, 12, 30, 33],
            "count_high": [10, 12, 30, 33],
            "n": [100.0, 100.0, 100.0, 100.0],
            "share": [0.1, 0.12, 0.3, 0.33],
            "ci_low": [0.0] * 4,
            "ci_high": [1.0] * 4,
        }
    )
    change = trends.share_change(shares, "Forced labour", (2010, 2011), (2012, 2013))
    text = repr(change)
    assert "11.0% of the victims with a known value in 2010–2011, 31.5% in 2012–2013" in text
    assert "+20.5 percentage points" in text and "Newcombe" in text
    assert (
        " 22" not in text and " 63" not in text
    )  # the counts are not shown (raw, not disclosure-controlled)
    flag = trends.IncompleteYear(2021, "final year of the release", 3.0, 40.0)
    assert repr(flag) == (
        "<IncompleteYear: 2021, flagged: probably incomplete\n  why: final year of the release>"
    )
    # a change in what is counted is said as such, not as "probably incomplete"
    changed = trends.IncompleteYear(
        2012, "a change in what is reported", None, None, kinds=("not_comparable",)
    )
    assert repr(changed).startswith("<IncompleteYear: 2012, flagged: not comparable with the other years\n")
    assert "3.0" not in repr(flag) and "40" not in repr(flag)
    panel = trends.SteadyPanel((2012, 2019), ("MYS", "THA"), series([2012], [5]), 0.8, (30.0, 50.0))
    text = repr(panel)
    assert "2 steady reporters, 2012–2019 (8 years)" in text and "THA (Thailand)" in text and "80%" in text
    assert "<b>SteadyPanel</b>" in panel._repr_html_()


def test_every_text_from_the_data_is_escaped_in_html():
    shares = pl.DataFrame(
        {
            "year": [2010, 2011],
            "form": [HOSTILE, HOSTILE],
            "count": [5, 9],
            "count_low": [5, 9],
            "count_high": [5, 9],
            "n": [50.0, 50.0],
            "share": [0.1, 0.18],
            "ci_low": [0.0, 0.0],
            "ci_high": [1.0, 1.0],
        }
    )
    change = trends.share_change(shares, HOSTILE, 2010, 2011)
    flag = trends.IncompleteYear(2020, f"no breakdown from {HOSTILE}", None, None)
    for html in (change._repr_html_(), flag._repr_html_()):
        assert "<script>" not in html and "<b>Forced" not in html
        assert "&lt;script&gt;" in html and "&amp;" in html
    ratio = trends.rate_ratio(GROWING)
    warned = type(ratio)(**{**ratio.__dict__, "warnings": ("<img src=x onerror=alert(1)>",)})
    assert "<img" not in warned._repr_html_() and "&lt;img" in warned._repr_html_()


# ------------------------------------------------------------------------------------------ empty selections


@pytest.fixture(scope="module")
def records() -> pl.DataFrame:
    return cases(
        [
            {
                "year": 2010,
                "destination_iso3": "THA",
                "origin_iso3": "MMR",
                "gender": "Female",
                "exploitation_sexual": True,
            },
            {"year": 2011, "destination_iso3": "THA", "origin_iso3": "KHM", "gender": "Male"},
            {"year": 2011, "destination_iso3": "THA", "origin_iso3": "KHM", "gender": None},
            {
                "year": None,
                "destination_iso3": "THA",
                "origin_iso3": "LAO",
                "gender": "Female",
                "exploitation_forced_labour": True,
            },
        ]
    )


def test_every_table_of_an_empty_selection_is_empty_with_its_usual_columns(records):
    full, empty = Selection(records, country="THA"), Selection(records, country="THA", years=2015)
    for by in (None, "gender", "form"):
        for name in ("yearly_counts", "shares_over_time", "doubtful_breakdowns"):
            function = getattr(trends, name)
            if name == "shares_over_time" and by is None:
                continue
            got = function(empty, by) if name != "yearly_counts" else function(empty, by=by)
            want = function(full, by) if name != "yearly_counts" else function(full, by=by)
            assert got.height == 0 and got.schema == want.schema, (name, by)
    assert (
        trends.unrecorded_counts(empty, by="form").schema == trends.unrecorded_counts(full, by="form").schema
    )
    assert trends.undated_counts(Selection(records, country="FRA")).height == 0


def test_why_a_table_is_empty_names_what_was_selected_and_what_the_data_hold(records):
    assert trends.why_empty(Selection(records, country="THA")) is None
    said = trends.why_empty(Selection(records, country="THA", role="destination", years=2015))
    assert said == (
        "no victim records of THA (Thailand) as destination, 2015: the table holds them in 2010–2011 "
        "(and records without a single year: trends.undated_counts)"
    )
    said = trends.why_empty(Selection(records, country="FRA"))
    assert (
        said
        == "no victim records of FRA (France) as origin or destination, every year: FRA is in none of the table's records"
    )
    said = trends.why_empty(Selection(records, country="MMR", role="destination"))
    assert said.endswith("the table holds MMR only as origin")
    assert trends.why_empty(Selection(records, country="THA"), by="form") is None
    said = trends.why_empty(Selection(records, country="KHM", role="origin"), by="form")
    assert "record no exploitation" in said and "not 0" in said


def test_the_models_of_an_empty_table_say_it_is_empty_and_where_to_ask_why(records):
    empty = trends.yearly_counts(Selection(records, country="FRA"))
    for model in (trends.rate_ratio, trends.find_break):
        with pytest.raises(ParameterError, match="the table is empty.*why_empty"):
            model(empty)
    shares = trends.shares_over_time(Selection(records, country="FRA"), "gender")
    with pytest.raises(ParameterError, match="the table is empty.*why_empty"):
        trends.share_change(shares, "Female", 2010, 2011)
    shares = trends.shares_over_time(Selection(records, country="THA"), "gender")
    with pytest.raises(
        ParameterError, match="no category 'Woman' in gender: the shares table holds 'Female' and 'Male'"
    ):
        trends.share_change(shares, "Woman", 2010, 2011)


def test_why_an_indicator_table_is_empty_names_the_breakdowns_the_country_publishes(shared_data):
    from evidence.sources.cache import load_cached

    table = load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    # Cambodia publishes detected victims by form and by age, never a total
    said = trends.why_empty(Selection(table, country="KHM", role="destination"))
    assert said is not None and said.startswith(
        "no total of 'Detected trafficking victims' for KHM (Cambodia)"
    )
    assert "breakdown by form (2007, 2017–2020)" in said
    said = trends.why_empty(Selection(table, country="THA", role="destination", years=(1990, 1995)))
    assert said == (
        "no 'Detected trafficking victims' of THA (Thailand) as destination, 1990–1995: UNODC's table holds it "
        "in 2007–2021"
    )
