from __future__ import annotations

import polars as pl

from evidence.analyses.quality import completeness_by, field_completeness, has_year_ranges, indicator_coverage
from evidence.notebooks.builders import completeness_table, coverage_view, field_table, reasons_table
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


def test_a_year_known_as_a_range_is_known_not_missing():
    cases = _cases().with_columns(year_band=pl.Series(["2020", "2020", "2021", "2014-2018"]))
    assert has_year_ranges(cases) and not has_year_ranges(_cases())
    rows = {r["field"]: r for r in field_completeness(cases).iter_rows(named=True)}
    assert rows["year"]["known"] == 3 and rows["year_band"]["known"] == 4  # the range counts as known
    assert "year_band" not in field_completeness(_cases())["field"].to_list()  # the band is the year itself
    by_band = completeness_by(cases, "year_band")
    assert by_band["year_band"].to_list() == ["2014-2018", "2020", "2021"]


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
    # a field the layout does not collect is left out: a column of 0% would read as missing
    frame = frame.with_columns(known_age_band=pl.lit(0.0))
    assert "age band" not in completeness_table(frame, "year", RULE, not_collected=["age_band"]).columns
    assert "age band" in completeness_table(frame, "year", RULE).columns


def test_reasons_table_and_indicator_coverage():
    table = reasons_table({"bad year": 3, "no country": 20}, RULE, total_label="All rejected rows")
    assert table.display()["rows"].to_list() == ["<5", "x", "23"]
    # the rows of a country-level table (4 countries without a population) are no people: shown as they are
    countries = reasons_table(
        {"population published as 0": 4}, RULE, total_label="All flagged rows", people=False
    )
    assert countries.rows() == [("population published as 0", "4"), ("All flagged rows", "4")]
    data = pl.DataFrame(
        {"year": [2020, 2020, 2021], "iso3": ["THA", "KHM", "THA"], "censored": [True, False, False]}
    )
    coverage = indicator_coverage(data, "year")
    assert coverage.rows() == [(2020, 2, 2, 0.5), (2021, 1, 1, 0.0)]
    assert coverage_view(coverage).rows() == [("2020", "2", "2", "50%"), ("2021", "1", "1", "0%")]


def test_misencoded_values_are_found_as_loaded_never_repaired():
    """REVIEW12 m3: "pa\ufffds" shown as it is. U+FFFD (a character the file lost) and UTF-8 read as
    Windows-1252 ("CÃ´te") are found per text column with their rows; clean text, nulls and numbers are not."""
    from evidence.analyses.quality import misencoded_values

    frame = pl.DataFrame(
        {
            "category": [
                "(especifique el pa\ufffds)",
                "CÃ´te d'Ivoire",
                "Côte d'Ivoire",
                None,
                "CÃ´te d'Ivoire",
            ],
            "country": ["Peru", "Per\ufffd", "Peru", "Peru", "Peru"],
            "value": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    found = misencoded_values(frame)
    assert found.rows() == [
        ("category", "CÃ´te d'Ivoire", 2),
        ("category", "(especifique el pa\ufffds)", 1),
        ("country", "Per\ufffd", 1),
    ]
    assert frame["category"].to_list()[0] == "(especifique el pa\ufffds)"  # the data are left as they are
    assert misencoded_values(frame.select("value")).height == 0
    assert misencoded_values(pl.DataFrame({"c": ["Côte d'Ivoire", "Türkiye"]})).height == 0


def test_a_loaded_table_is_read_and_a_wrong_one_or_field_is_named(shared_data):
    """As a researcher calls them: the loaded table itself (it raised AttributeError: 'LoadedTable' object has no
    attribute 'group_by'), and a field that is not there or a table of the other kind is a ParameterError that
    says what to use (it was polars' ColumnNotFoundError listing every column)."""
    import pytest

    from evidence.analyses.quality import misencoded_values
    from evidence.core.errors import ParameterError
    from evidence.sources.cache import load_cached

    unodc = load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    assert indicator_coverage(unodc, "year").equals(indicator_coverage(unodc.data, "year"))
    assert misencoded_values(unodc).equals(misencoded_values(unodc.data))
    cases = load_cached(shared_data / "ctdc" / "k_anon_sample.csv")
    with pytest.raises(ParameterError, match="not victim records: for a case table use field_completeness"):
        indicator_coverage(cases, "year")
    with pytest.raises(ParameterError, match="no column 'colour'"):
        indicator_coverage(unodc, ["year", "colour"])
    with pytest.raises(ParameterError, match="no field 'colour': use a column such as year"):
        completeness_by(cases, "colour")
    with pytest.raises(ParameterError, match="no field 'nationality'"):
        completeness_by(cases, "year", ("gender", "nationality"))
