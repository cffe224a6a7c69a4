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


# ------------------------------------------------------------------ the real files, against the raw files themselves


def _flag_true(frame: pl.DataFrame, columns: list[str]) -> int:
    """Records of a raw CTDC file with at least one of ``columns`` set to 1 (read as text, as published)."""
    return frame.select(
        pl.any_horizontal([pl.col(c).str.strip_chars().is_in(["1", "1.0"]) for c in columns])
        .fill_null(False)
        .sum()
    ).item()


def test_a_field_the_layout_collects_is_collected_though_no_record_of_the_file_has_it(shared_data):
    """The 38-row k-anonymised excerpt has every typeOfLabour* flag 0 or empty: its layout collects the sector
    of labour, so the sector is collected and unknown for all 38 records, not "not collected by this layout"
    (what the notebook said)."""
    from evidence.sources.cache import load_cached

    path = shared_data / "ctdc" / "k_anon_excerpt.csv"
    raw = pl.read_csv(path, separator=";", infer_schema=False)
    labour = [c for c in raw.columns if c.startswith("typeOfLabour") and not c.endswith("Concatenated")]
    assert _flag_true(raw, labour) == 0 and raw.select(pl.col(labour).is_not_null().any()).row(0) != (False,)
    rows = {r["field"]: r for r in field_completeness(load_cached(path)).iter_rows(named=True)}
    assert rows["labour_sector"]["collected"] and rows["labour_sector"]["known"] == 0
    assert rows["labour_sector"]["records"] == raw.height
    # what the layout has not (the time in trafficking, the perpetrators) stays not collected
    assert not rows["trafficking_duration"]["collected"] and not rows["perpetrator_gender"]["collected"]
    # a bare frame has no layout: there, only what some record holds is collected
    frame = {r["field"]: r for r in field_completeness(load_cached(path).data).iter_rows(named=True)}
    assert not frame["labour_sector"]["collected"]


def test_layout_fields_hold_every_field_the_loader_fills(shared_data):
    """Each real CTDC file, loaded: every field some record holds is among its layout's fields (a field the
    list lacked would be said "not collected" in a file where no record has it), and the layout's fields the
    file holds no value of are few and named here."""
    from evidence.analyses.quality import layout_fields
    from evidence.sources.cache import load_cached

    empty_in_file = {
        "k_anon_sample.csv": set(),
        "k_anon_excerpt.csv": {"labour_sector"},
        "vp_synthetic_condensed.csv": set(),
    }
    for name, empty in empty_in_file.items():
        loaded = load_cached(shared_data / "ctdc" / name)
        fields = field_completeness(loaded.data)  # no layout: what the records hold
        held = set(fields.filter(pl.col("collected"))["field"])
        expected = layout_fields(loaded.provenance.layout)
        assert expected is not None and held <= expected, (name, held - expected)
        assert (expected - held) - {"year_band"} == empty, name
    assert layout_fields("mapped") is None and layout_fields(None) is None


def test_the_perpetrators_roles_are_one_group_not_four_fields_of_ones(shared_data):
    """The Victim–Perpetrator layout's roles (IP_Exploiter, ...) are 1 or empty: the share of 1 of one of them
    is how common the role is (10% for control/abuse/kidnap), not how complete the field is. Together they are
    a group known where one role is 1, counted here from the raw file."""
    from evidence.sources.cache import load_cached

    path = shared_data / "ctdc" / "vp_synthetic_condensed.csv"
    raw = pl.read_csv(path, infer_schema=False)
    roles = ["IP_Exploiter", "IP_RecruiterBroker", "IP_TransactionProcess", "IP_ControlAbuseKidnap"]
    table = field_completeness(load_cached(path))
    rows = {r["field"]: r for r in table.iter_rows(named=True)}
    assert "perpetrator_exploiter" not in rows and "perpetrator_control_abuse_kidnap" not in rows
    assert rows["perpetrator_roles"]["known"] == _flag_true(raw, roles) == 16_994
    assert rows["exploitation"]["known"] == _flag_true(raw, ["isForcedLabour", "isSexualExploit"])
    # the perpetrators' fields as published (text) are fields of their own: known where not empty
    assert rows["perpetrator_gender"]["known"] == raw["IP_Gender"].drop_nulls().len()
    assert rows["gender"]["known"] == raw["gender"].drop_nulls().len()
    # a table without the roles (every other layout): a group not collected
    other = {r["field"]: r for r in field_completeness(_cases()).iter_rows(named=True)}
    assert not other["perpetrator_roles"]["collected"] and "assistance" not in other


def test_an_organisations_extra_flags_count_in_their_group(fixtures):
    """Forced criminality and fishing (flags of an organisation's records outside CTDC's codebook) are in the
    forms of exploitation and the sectors of labour, not fields of their own listed beside them; counted from
    the export itself (Y in one of the group's columns)."""
    from evidence.sources.cache import load_cached

    path = fixtures / "case_records" / "assisted_victims.csv"
    raw = pl.read_csv(path, infer_schema=False)

    def any_yes(columns: list[str]) -> int:
        return raw.select(
            pl.any_horizontal([pl.col(c) == "Y" for c in columns]).fill_null(False).sum()
        ).item()

    rows = {r["field"]: r for r in field_completeness(load_cached(path)).iter_rows(named=True)}
    assert "exploitation_forced_criminality" not in rows and "labour_fishing" not in rows
    forms = ["Forced labour?", "Sexual exploitation?", "Forced criminality?"]
    assert rows["exploitation"]["known"] == any_yes(forms) == 20
    assert rows["labour_sector"]["known"] == any_yes(["Fishing?", "Domestic work?"])
    # the kinds of assistance are one group, known where any kind is answered: "N" to each is no assistance
    # given, not unknown (19 of the 21 answered were counted before: the two given none left out)
    assert "assistance_shelter" not in rows
    kinds = ["Shelter", "Medical care", "Return and reintegration"]
    answered = raw.select(
        pl.any_horizontal([pl.col(c).is_in(["Y", "N"]) for c in kinds]).fill_null(False).sum()
    )
    assert rows["assistance"]["known"] == answered.item() == 21 and any_yes(kinds) == 19
    assert not rows["recruiter_relation"]["collected"]  # the mapping names no such column, no record has it


def test_completeness_of_the_k_anonymised_sample_matches_the_raw_file(shared_data):
    """Known records per field of the real k-anonymised sample, against the raw file read with polars: a cell
    is unknown when empty or coded missing (-99, unknown); a flag group when no flag of it is 1."""
    from evidence.sources.cache import load_cached

    path = shared_data / "ctdc" / "k_anon_sample.csv"
    raw = pl.read_csv(path, separator=";", infer_schema=False)
    missing = ["", "-99", "unknown", "not specified"]

    def known(column: str) -> int:
        cell = pl.col(column).str.strip_chars().str.to_lowercase()
        return raw.select((cell.is_not_null() & ~cell.is_in(missing)).sum()).item()

    rows = {r["field"]: r["known"] for r in field_completeness(load_cached(path)).iter_rows(named=True)}
    assert rows["year"] == known("yearOfRegistration") == raw.height - 167
    assert rows["gender"] == known("gender")
    assert rows["age_band"] == known("ageBroad")
    assert rows["origin_iso3"] == known("citizenship")
    assert rows["destination_iso3"] == known("CountryOfExploitation")
    assert rows["data_source_type"] == known("Datasource") == raw.height
    sex = [c for c in raw.columns if c.startswith("typeOfSex") and not c.endswith("Concatenated")]
    assert rows["sexual_exploitation_type"] == _flag_true(raw, [c for c in sex if "NotSpecified" not in c])


def test_completeness_is_broken_down_by_a_column_not_a_group():
    import pytest

    from evidence.core.errors import ParameterError

    with pytest.raises(ParameterError, match="broken down by a column"):
        completeness_by(_cases(), "exploitation")


def test_field_names_say_what_a_column_holds():
    from evidence.analyses.quality import field_name

    assert field_name("origin_iso3") == "citizenship (origin_iso3)"
    assert field_name("assistance") == "assistance given (assistance)"
    assert field_name("gender") == "sex (gender)" and field_name("year") == "year"


def test_context_coverage_counts_countries_of_gsi_and_tip_tiers(real_tables):
    """GSI 2023 and the TIP tiers, against the raw files: the countries with an estimate (the workbook's
    estimated number column) and, per report year, the countries ranked in a tier (a tier label in the CSV)."""
    import pytest

    from evidence.analyses.quality import context_coverage
    from evidence.core.errors import ParameterError

    cases, _unodc, gsi, tiers = real_tables
    raw_gsi = pl.read_excel(
        gsi.provenance.path, sheet_name="GSI 2023 summary data", read_options={"header_row": 2}
    )
    estimate = next(c for c in raw_gsi.columns if c.lower().startswith("estimated number"))
    measured = raw_gsi.filter(pl.col("Country").is_in(gsi.data["country"].implode()))
    rows = {r["measure"]: r for r in context_coverage(gsi).iter_rows(named=True)}
    number = rows["Estimated number in modern slavery"]
    assert number["countries"] == 180 == number["with_value"] + number["without_value"]
    assert number["with_value"] == measured[estimate].drop_nulls().len()

    raw_tip = pl.read_csv(tiers.provenance.path, infer_schema=False)
    tip = context_coverage(tiers)
    assert tip["report_year"].to_list() == sorted(set(tiers.data["report_year"].to_list()))
    assert int(tip["countries"].sum()) == raw_tip.select(pl.struct("iso", "year").n_unique()).item()
    assert int(tip["ranked"].sum()) == raw_tip.filter(pl.col("tier").str.strip_chars() != "NA").height
    assert int(tip["ranked"].sum()) + int(tip["not_ranked"].sum()) == int(tip["countries"].sum())
    year_2015 = raw_tip.filter(pl.col("year") == "2015")
    assert tip.filter(pl.col("report_year") == 2015).row(0)[1:3] == (
        year_2015.height,
        year_2015.filter(pl.col("tier") != "NA").height,
    )
    with pytest.raises(ParameterError, match="not a case table"):
        context_coverage(cases)


def test_indicator_coverage_counts_no_area_without_a_country_code_as_a_country(real_tables):
    """UNODC's 2017-2020 data hold areas the loader leaves without a country code (aggregates such as CAR,
    Sark): "Countries" per year counted their empty code as one more country (185 in 2017, of 184)."""
    frame = pl.DataFrame(
        {"year": [2020, 2020, 2020], "iso3": ["THA", None, None], "censored": [False, True, False]}
    )
    assert indicator_coverage(frame, "year").rows() == [(2020, 1, 3, 1 / 3)]
    unodc = real_tables[1]
    raw = pl.read_excel(unodc.provenance.path, read_options={"header_row": 2}, infer_schema_length=0)
    no_code = unodc.flags.filter(pl.col("reason").str.starts_with("reporting area has no country code"))
    areas = set(no_code["value"].drop_nulls().to_list())
    coded = raw.filter(pl.col("Iso3_code").is_not_null() & ~pl.col("Iso3_code").is_in(list(areas)))
    expected = coded.group_by("Year").agg(pl.col("Iso3_code").n_unique()).sort("Year")
    shown = indicator_coverage(unodc, "year")
    assert shown["countries"].to_list() == expected["Iso3_code"].to_list()
    assert shown.filter(pl.col("year") == 2017)["countries"].item() == 184
    assert int(shown["values"].sum()) == unodc.rows_kept


def test_a_flag_group_answered_false_everywhere_is_unknown_as_the_profiles_count_it():
    """The statistician's review: a frame given as it is (not through a loader) with every flag of a group
    false was "known" for the group here and unknown in the profiles (CTDC's rule: all 0 is not recorded), so
    the completeness table and the shares' denominator disagreed on the same records."""
    from evidence.analyses import profiles

    frame = conform(
        pl.DataFrame(
            {
                "gender": ["Female", "Male", "Male"],
                "exploitation_forced_labour": [True, False, None],
                "exploitation_sexual": [None, False, None],
            }
        )
    )
    rows = {r["field"]: r for r in field_completeness(frame).iter_rows(named=True)}
    shares = profiles.group_shares(frame, "form")
    assert rows["exploitation"]["known"] == shares["n_known"][0] == 1
    assert completeness_by(frame, "gender")["n_known_exploitation"].to_list() == [1, 0]


def test_a_cell_of_several_values_with_none_in_it_is_unknown_as_the_profiles_count_it():
    """A cell holding several values (``Female;Male``) that holds only separators or blanks names no value:
    the profiles leave it out of the denominator, so the completeness table counts it unknown too."""
    from evidence.analyses import profiles

    frame = conform(
        pl.DataFrame({"gender": ["Female", "Male", "Male"], "perpetrator_gender": ["Male", " ; ", ""]})
    )
    rows = {r["field"]: r for r in field_completeness(frame).iter_rows(named=True)}
    assert (
        rows["perpetrator_gender"]["known"]
        == profiles.group_shares(frame, "perpetrator_gender")["n_known"][0]
        == 1
    )


def test_a_field_an_organisations_file_records_is_collected_for_a_selection_without_it(fixtures):
    """The statistician's review: an organisation's file records transit countries for 4 of its 21 victims, none
    of those exploited in Thailand; the completeness of Thailand as destination said transit countries were not
    collected (a field the source lacks, left out of the tables) instead of known for 0 of its 16 victims. The
    file decides what is collected, as for CTDC's layouts, not the selection."""
    from evidence.analyses.selection import Selection
    from evidence.sources.case_records import load_case_records

    table = load_case_records(fixtures / "case_records" / "assisted_victims.csv")
    assert table.provenance.layout == "mapped"  # fields that depend on the file
    whole = {r["field"]: r for r in field_completeness(table).iter_rows(named=True)}
    assert whole["transit_iso3"]["collected"] and whole["transit_iso3"]["known"] > 0
    rows = {
        r["field"]: r
        for r in field_completeness(Selection(table, country="THA", role="destination")).iter_rows(named=True)
    }
    assert rows["transit_iso3"]["known"] == 0 and rows["transit_iso3"]["records"] == 16
    assert rows["transit_iso3"]["collected"]
    assert {f for f, r in rows.items() if r["collected"]} == {f for f, r in whole.items() if r["collected"]}


def test_countries_of_a_breakdown_by_country_that_name_no_country_are_counted(real_tables):
    """polish30: UNODC's coverage gave 187 countries for the breakdown by country of repatriation, more than any
    other breakdown, though the loader's codes are all countries: 45 of them published only rows that name no
    particular country ("Abroad", as every row of 2003 and 2008 does). They are counted, and said."""
    from evidence.analyses.quality import breakdowns_naming_no_country

    frame = pl.DataFrame(
        {
            "indicator": ["Detected"] * 6 + ["Convicted"],
            "dimension": ["by country of repatriation"] * 5 + ["Total", "by citizenship"],
            "year": [2003, 2003, 2010, 2010, 2021, 2010, 2010],
            "iso3": ["AFG", "THA", "THA", "THA", None, "AFG", "LAO"],
            "category": ["Abroad", "Abroad", "Abroad", "Myanmar", "Peru", "Total", "Unknown"],
            "category_iso3": [None, None, None, "MMR", "PER", None, None],
        }
    )
    found = breakdowns_naming_no_country(frame)
    # AFG only "Abroad"; THA names Myanmar in 2010; an area without a code is no country (its Peru names no year
    # of a country); Total is no breakdown
    assert found.rows() == [
        ("Convicted", "by citizenship", 1, 1, [2010]),
        ("Detected", "by country of repatriation", 2, 1, [2003]),  # not 2021: only the area's row
    ]
    assert found.columns == ["indicator", "dimension", "countries", "naming_no_country", "years_naming_none"]
    unodc = real_tables[1]
    shown = breakdowns_naming_no_country(unodc).filter(pl.col("dimension") == "by country of repatriation")
    covered = indicator_coverage(unodc, ["indicator", "dimension"])
    assert (
        shown["countries"].to_list()
        == covered.filter(pl.col("dimension") == "by country of repatriation")["countries"].to_list()
        == [187]
    )
    assert shown.row(0)[3:] == (45, [2003, 2008])
