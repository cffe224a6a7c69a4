from __future__ import annotations

import polars as pl

from evidence.notebooks.quality import (
    completeness_by,
    completeness_table,
    field_completeness,
    field_table,
    indicator_coverage,
    reasons_table,
)
from evidence.presentation.disclosure import DisclosureRule
from evidence.sources.case_schema import conform

RULE = DisclosureRule(5)


def _cases() -> pl.DataFrame:
    return conform(
        pl.DataFrame(
            {
                "year": [2020, 2020, 2021, None],
                "gender": ["Female", None, "Male", None],
                "origin_iso3": ["MMR", "KHM", None, "LAO"],
                "exploitation_forced_labour": [True, None, None, False],
                "exploitation_sexual": [None, None, None, True],
            }
        )
    )


def test_field_completeness_uses_the_denominator_rule_and_tells_absent_fields():
    table = field_completeness(_cases())
    rows = {r["field"]: r for r in table.iter_rows(named=True)}
    assert rows["gender"]["known"] == 2 and rows["gender"]["share_known"] == 0.5
    assert rows["origin_iso3"]["known"] == 3
    # a flag group is known when at least one of its flags is true: records 1 and 4
    assert rows["exploitation"]["known"] == 2 and rows["exploitation"]["collected"]
    assert not rows["trafficking_duration"]["collected"] and not rows["means_of_control"]["collected"]
    assert set(table["records"]) == {4}


def test_completeness_by_year_keeps_unknown_years():
    by_year = completeness_by(_cases(), "year")
    assert by_year["year"].to_list() == [2020, 2021, None]
    assert by_year["records"].to_list() == [2, 1, 1]
    assert by_year["known_gender"].to_list() == [0.5, 1.0, 0.0]
    assert by_year["known_exploitation"].to_list() == [0.5, 0.0, 1.0]


def test_field_table_protects_known_and_unknown_records_with_their_total():
    fields = pl.DataFrame(
        {
            "field": ["gender", "origin_iso3"],
            "known": [97, 60],
            "records": [100, 100],
            "share_known": [0.97, 0.6],
            "collected": [True, True],
        }
    )
    shown = field_table(fields, RULE)
    gender = shown.row(0, named=True)
    assert gender["Not known"] == "<5" and gender["Known"] == "x" and gender["Share known"] == ""
    assert shown.row(1, named=True)["Share known"] == "60%"


def test_completeness_table_hides_shares_that_give_a_small_count_back():
    frame = pl.DataFrame(
        {"year": [2020, 2021, None], "records": [50, 40, 30], "known_gender": [0.98, 0.5, 0.0]}
    )
    shown = completeness_table(frame, "year", RULE)
    assert shown["Year"].to_list() == ["2020", "2021", "unknown", "All records"]
    assert shown["gender"].to_list() == ["–", "50%", "0%", ""]  # 49 of 50 known: 1 unknown
    assert shown["Records"].to_list()[-1] == "120"


def test_reasons_table_and_indicator_coverage():
    table = reasons_table({"bad year": 3, "no country": 20}, RULE, total_label="All rejected rows")
    assert table.display()["rows"].to_list() == ["<5", "x", "23"]
    data = pl.DataFrame(
        {"year": [2020, 2020, 2021], "iso3": ["THA", "KHM", "THA"], "censored": [True, False, False]}
    )
    coverage = indicator_coverage(data, "year")
    assert coverage.rows() == [("2020", "2", "2", "50%"), ("2021", "1", "1", "0%")]


def _glotip(tmp_path, rows):
    from _glotip import write_small_glotip

    from evidence.sources.unodc import load

    return load(
        write_small_glotip(tmp_path / "g.xlsx", [("THA", category, value) for category, value in rows])
    )


def test_unmapped_citizenships_for_review_with_protected_victim_counts(tmp_path):
    from evidence.notebooks.quality import (
        source_heading,
        unmapped_citizenship_share,
        unmapped_citizenship_table,
    )

    loaded = _glotip(tmp_path, [("Myanmar", "60"), ("Thialand", "30"), ("Atlantis", "3"), ("Atlantis", "<5")])
    table = unmapped_citizenship_table(loaded, RULE)
    assert table.columns == [
        "As written",
        "Breakdown",
        "Rows",
        "Detected victims",
        "Suggested country (to review; not applied)",
    ]
    assert table.rows() == [
        ("Thialand", "citizenship", "1", "30", "Thailand (THA), similarity 0.88"),
        ("Atlantis", "citizenship", "2", "<5–7", ""),  # 3 + (1 to 4): the small bound withheld
    ]
    assert "Rows" not in unmapped_citizenship_table(loaded, RULE, rows=False).columns
    convicted = _glotip(tmp_path, [("Myanmar", "60"), ("Atlantis", "0")])
    assert unmapped_citizenship_table(convicted, RULE)["Detected victims"].to_list() == ["0"]
    assert unmapped_citizenship_table(convicted, RULE, rows=False) is None
    assert unmapped_citizenship_share(loaded).startswith(
        "Of the victims detected by citizenship, 36.2%–38.1%"
    )
    assert source_heading(loaded) == "### UNODC GLOTIP, release 30 May 2023"


def test_unmapped_citizenships_only_for_unodc_and_none_when_all_map(tmp_path, shared_data):
    from evidence.notebooks.quality import unmapped_citizenship_share, unmapped_citizenship_table
    from evidence.sources.registry import load

    assert unmapped_citizenship_table(_glotip(tmp_path, [("Myanmar", "60")]), RULE) is None
    tiers = load(shared_data / "tip" / "tip_tiers_1999_2015.csv")
    assert unmapped_citizenship_table(tiers, RULE) is None and unmapped_citizenship_share(tiers) is None


def test_source_headings_escape_what_a_sidecar_wrote(tmp_path, shared_data):
    import dataclasses

    from evidence.notebooks.quality import source_heading
    from evidence.sources.registry import load

    tiers = load(shared_data / "tip" / "tip_tiers_1999_2015.csv")
    tiers.provenance = dataclasses.replace(
        tiers.provenance, name="<img src=x onerror=alert(1)> *x*", release_label=""
    )
    heading = source_heading(tiers)
    assert "<img" not in heading and "\\*x\\*" in heading
