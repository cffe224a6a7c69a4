"""The comparison table: small detected counts and the rates that would give them back are withheld."""

from __future__ import annotations

import polars as pl
import pytest

from evidence.analyses import society
from evidence.presentation import comparison
from evidence.presentation.disclosure import DisclosureRule
from evidence.sources.cache import load_cached


@pytest.fixture(scope="module")
def compared(shared_data) -> pl.DataFrame:
    panel = society.country_panel(
        [
            load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"),
            load_cached(shared_data / "walkfree" / "gsi_2023.xlsx"),
        ]
    )
    return panel.compare("THA", ["SGP", "MMR"])


def test_small_counts_and_their_rates_are_withheld(compared):
    out = comparison.disclosed_comparison(compared, DisclosureRule(5))
    singapore = {r["measure"]: r for r in out.filter(pl.col("iso3") == "SGP").iter_rows(named=True)}
    assert singapore[society.DETECTED]["display"] == "<5" and singapore[society.DETECTED]["value"] is None
    for rate in (society.DETECTED_PER_100K, society.DETECTION_GAP):
        assert singapore[rate]["withheld"] and singapore[rate]["display"].startswith("<")
        assert singapore[rate]["value_high"] is None
    myanmar = {r["measure"]: r for r in out.filter(pl.col("iso3") == "MMR").iter_rows(named=True)}
    assert myanmar[society.DETECTED]["display"] == "29" and not myanmar[society.DETECTED]["withheld"]
    # a stricter rule (CTDC's 11) leaves 29 published and withholds nothing more here
    strict = comparison.disclosed_comparison(compared, DisclosureRule(30))
    assert (
        strict.filter((pl.col("iso3") == "MMR") & (pl.col("measure") == society.DETECTED))["display"][0]
        == "<30"
    )


def test_a_detected_range_with_a_small_low_end_is_written_up_to(compared):
    """The one rule of ranges (disclosure.range_text): a count known as 3–12 is "up to 12", never "3–12"."""
    detected = (pl.col("measure") == society.DETECTED) & (pl.col("iso3") == "MMR")
    ranged = compared.with_columns(
        pl.when(detected).then(None).otherwise(pl.col("value")).alias("value"),
        pl.when(detected).then(3.0).otherwise(pl.col("value_low")).alias("value_low"),
        pl.when(detected).then(12.0).otherwise(pl.col("value_high")).alias("value_high"),
    )
    out = comparison.disclosed_comparison(ranged, DisclosureRule(5))
    assert out.filter(detected)["display"].to_list() == ["up to 12"]
    wider = ranged.with_columns(pl.when(detected).then(7.0).otherwise(pl.col("value_low")).alias("value_low"))
    assert comparison.disclosed_comparison(wider).filter(detected)["display"].to_list() == ["7–12"]
    # in JSON the range is a [low, high] pair in place of the value, as a censored count in every document
    (myanmar,) = [r for r in comparison.comparison_json(out) if r["iso3"] == "MMR"]
    assert myanmar["measures"][society.DETECTED]["value"] == [3.0, 12.0]
    assert "value_low" not in myanmar["measures"][society.DETECTED]


def test_json_gives_every_value_its_source_and_year(compared):
    records = comparison.comparison_json(comparison.disclosed_comparison(compared))
    assert [r["iso3"] for r in records] == ["THA", "SGP", "MMR"]
    thailand = records[0]["measures"]
    assert thailand[society.ESTIMATED]["value"] == 401_000 and thailand[society.ESTIMATED]["year"] == 2021
    assert thailand[society.PREVALENCE]["display"] == "5.74"
    for measure in thailand.values():
        if measure["value"] is not None:
            assert measure["source"] and measure["year"]
    assert thailand[society.TIER]["display"] == "n/a"  # no TIP file given: missing, not guessed
    assert thailand[society.TIER]["value"] is None and not thailand[society.TIER]["withheld"]
    # a withheld value is the label in its place (as flows' and trend's counts), never null beside it
    singapore = records[1]["measures"]
    for measure in (society.DETECTED, society.DETECTED_PER_100K, society.DETECTION_GAP):
        assert singapore[measure]["withheld"] and singapore[measure]["value"] == singapore[measure]["display"]
    assert singapore[society.DETECTED]["value"] == "<5"
    assert all(set(m) == set(thailand[society.ESTIMATED]) for r in records for m in r["measures"].values())
    assert not {"value_low", "value_high"} & set(thailand[society.ESTIMATED])


def test_format_value():
    assert comparison.format_value(society.ESTIMATED, 401000.0) == "401,000"
    assert comparison.format_value(society.DETECTION_GAP, 0.33416) == "0.334"
    # rounded as the charts' descriptions round (markup.significant_text): no spurious trailing zeros
    assert comparison.format_value(society.DETECTION_GAP, 0.25) == "0.25"
    assert comparison.format_value(society.DETECTION_GAP, 2.0) == "2"
    assert comparison.format_value(society.DETECTION_GAP, 99.96) == "100"
    assert comparison.format_value(society.DETECTED, None) == "n/a"


def test_comparison_by_country_leaves_out_a_measure_no_country_has():
    from evidence.analyses.society import DETECTED, TIER
    from evidence.presentation.comparison import NOT_AVAILABLE, comparison_by_country

    disclosed = pl.DataFrame(
        {
            "iso3": ["THA", "THA", "KHM", "KHM"],
            "country": ["Thailand", "Thailand", "Cambodia", "Cambodia"],
            "measure": [DETECTED, TIER, DETECTED, TIER],
            "display": ["134", NOT_AVAILABLE, "<5", NOT_AVAILABLE],
            "year": [2021, None, 2020, None],
        }
    )
    table = comparison_by_country(disclosed, [DETECTED, TIER])
    assert table.columns == ["Country", "Detected victims"]
    assert table["Detected victims"].to_list() == ["134 (2021)", "<5 (2020)"]


def test_a_country_without_a_total_is_told_apart_from_one_not_in_the_data():
    import polars as pl

    from evidence.analyses.society import DETECTED, DETECTED_PER_100K, PREVALENCE
    from evidence.presentation.comparison import NO_TOTAL, NOT_AVAILABLE, mark_missing_totals

    disclosed = pl.DataFrame(
        {
            "iso3": ["KHM", "KHM", "KHM", "XYZ", "XYZ"],
            "measure": [DETECTED, DETECTED_PER_100K, PREVALENCE, DETECTED, DETECTED_PER_100K],
            "display": [NOT_AVAILABLE, NOT_AVAILABLE, NOT_AVAILABLE, NOT_AVAILABLE, NOT_AVAILABLE],
        }
    )
    marked = mark_missing_totals(disclosed, {"KHM", "THA"})
    # Cambodia reports (forms, ages) but no total; its GSI prevalence is simply missing; XYZ is not in the data
    assert marked["display"].to_list() == [NO_TOTAL, NO_TOTAL, NOT_AVAILABLE, NOT_AVAILABLE, NOT_AVAILABLE]
    assert mark_missing_totals(disclosed, set()).equals(disclosed)


def _disclosed(rows):
    """A disclosed comparison of a few rows (iso3, measure, year, display)."""
    return pl.DataFrame(
        [{"iso3": i, "measure": m, "year": y, "display": d} for i, m, y, d in rows],
        schema={"iso3": pl.String, "measure": pl.String, "year": pl.Int16, "display": pl.String},
    )


def test_a_detection_gap_withheld_by_the_two_year_rule_is_not_called_missing():
    from evidence.analyses.society import DETECTED, DETECTION_GAP, ESTIMATED
    from evidence.presentation.comparison import NOT_COMPARED, mark_not_compared, not_compared_note

    disclosed = _disclosed(
        [
            ("THA", DETECTED, 2021, "134"),
            ("THA", ESTIMATED, 2021, "401,000"),
            ("THA", DETECTION_GAP, 2021, "0.334"),
            ("LAO", DETECTED, 2015, "107"),  # in the data, too far from the estimate of 2021
            ("LAO", ESTIMATED, 2021, "38,000"),
            ("LAO", DETECTION_GAP, None, "n/a"),
            ("BRN", DETECTED, 2020, "<5"),  # no estimate: not in the data
            ("BRN", ESTIMATED, None, "n/a"),
            ("BRN", DETECTION_GAP, None, "n/a"),
        ]
    )
    marked = mark_not_compared(disclosed)
    gap = dict(marked.filter(pl.col("measure") == DETECTION_GAP).select("iso3", "display").iter_rows())
    assert gap == {"THA": "0.334", "LAO": NOT_COMPARED, "BRN": "n/a"}
    assert "more than 2 years from the estimate's 2021" in not_compared_note(2, 2021)
    # the legend's year is the estimate's in the rows (REVIEW10 C1: never a hard-coded 2021)
    assert "more than 2 years from the estimate's 2021." in comparison.missing_labels_note(marked)
    later = marked.with_columns(
        year=pl.when(pl.col("measure") == ESTIMATED).then(pl.lit(2024, pl.Int16)).otherwise(pl.col("year"))
    )
    assert "from the estimate's 2024." in comparison.missing_labels_note(later)
    assert "2021" not in not_compared_note(2)


def test_tiers_older_than_the_other_figures_are_said_to_be():
    from evidence.analyses.society import DETECTED, ESTIMATED, TIER
    from evidence.presentation.comparison import tier_age_note

    rows = [
        ("THA", DETECTED, 2021, "134"),
        ("THA", ESTIMATED, 2021, "401,000"),
        ("THA", TIER, 2015, "Tier 3"),
    ]
    note = tier_age_note(_disclosed(rows))
    assert note is not None and "end with the report of 2015, 6 years before" in note and "(2021)" in note
    later = [*rows[:2], ("THA", TIER, 2021, "Tier 2 Watch List")]
    assert tier_age_note(_disclosed(later)) is None


def test_scales_are_ranges_written_with_an_en_dash():
    """The brief writes every range with an en dash (2007–2021, 0.0% – 21.5%): a score's scale too."""
    assert comparison.SHORT_LABELS[society.VULNERABILITY] == "Vulnerability (0–100)"
    labels = [*society.MEASURES.values(), *(label for _, label in society.GSI_PROFILE)]
    assert not [label for label in labels if "0-100" in label]
