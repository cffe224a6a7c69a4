"""The CTDC loader: three layouts onto the case table, row accounting, bad input, provenance."""

from __future__ import annotations

import csv
import re
import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from evidence.core.errors import InputError, UnknownFormatError
from evidence.sources import ctdc, registry
from evidence.sources.case_schema import CASE_SCHEMA, FLAG_GROUPS, apply_denominator_rule
from evidence.sources.provenance import sha256_file
from evidence.sources.registry import FileHead, load


@pytest.fixture(scope="module")
def ctdc_fixtures(fixtures: Path) -> Path:
    return fixtures / "ctdc"


def row(loaded, line: int) -> dict:
    """The kept record that was on ``line`` of its file."""
    found = loaded.data.filter(pl.col("source_row") == line)
    assert found.height == 1, f"no kept row from line {line}"
    return found.row(0, named=True)


def assert_accounting(loaded) -> None:
    assert loaded.rows_in == loaded.rows_kept + loaded.rows_rejected
    kept = set(loaded.data["source_row"].to_list())
    rejected = set(loaded.rejects["row"].to_list())
    assert not kept & rejected


# --- real files ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def k_anon_sample(real_loaded):
    return real_loaded("ctdc/k_anon_sample.csv")


def test_k_anon_sample_keeps_every_row(k_anon_sample) -> None:
    assert (k_anon_sample.rows_in, k_anon_sample.rows_kept, k_anon_sample.rows_rejected) == (1478, 1478, 0)
    assert_accounting(k_anon_sample)
    p = k_anon_sample.provenance
    assert (p.source, p.layout, p.release, p.synthetic) == ("ctdc", "k_anonymised", "unknown", False)
    assert k_anon_sample.data.schema == pl.Schema(CASE_SCHEMA)
    assert k_anon_sample.data["source_row"].to_list() == list(range(2, 1480))


def test_k_anon_alpha2_countries_become_iso3_with_m49_regions(k_anon_sample) -> None:
    corridor = k_anon_sample.data.filter(pl.col("year") == 2010)
    assert set(corridor["origin_iso3"].unique()) == {"MMR", "KHM", "LAO"}
    assert set(corridor["destination_iso3"].unique()) == {"THA"}
    assert set(corridor["origin_subregion"].unique()) == {"South-eastern Asia"}
    assert set(corridor["destination_region"].unique()) == {"Asia"}
    ukraine = k_anon_sample.data.filter(pl.col("year") == 2014)
    assert set(ukraine["origin_iso3"].unique()) == {"UKR"} and set(ukraine["destination_iso3"].unique()) == {
        "RUS"
    }


def test_k_anon_flags_derived_from_the_concatenation_are_flagged(k_anon_sample) -> None:
    flags = k_anon_sample.flags
    assert flags.height == 11
    assert set(flags["column"]) == {"meansOfControlConcatenated"}
    assert all("derived from the concatenated field" in r for r in flags["reason"])
    derived = k_anon_sample.data.filter(pl.col("source_row").is_in(flags["row"].implode()))
    assert set(derived["origin_iso3"]) == {"LAO"} and set(derived["year"]) == {2010}
    # "Takes earnings" feeds the merged debt-bondage/earnings flag; the group is now known, so others are false
    assert derived["means_debt_bondage_earnings"].all()
    assert derived["means_threats"].eq(False).all()


def test_k_anon_data_source_type(k_anon_sample) -> None:
    counts = dict(k_anon_sample.data["data_source_type"].cast(pl.String).value_counts().iter_rows())
    assert counts == {"Case management": 721, "Hotline": 757}


def test_k_anon_labour_sector_not_specified_is_not_a_recorded_sector(
    k_anon_sample, shared_data: Path
) -> None:
    # the 14 Thai records with a sector field all say "Not specified": no sector is recorded for them
    raw = pl.read_csv(shared_data / "ctdc" / "k_anon_sample.csv", separator=";", infer_schema=False)
    thai = raw.filter(pl.col("CountryOfExploitation") == "TH")
    assert thai["typeOfLabourConcatenated"].drop_nulls().unique().to_list() == ["Not specified"]
    assert thai.filter(pl.col("typeOfLabourNotSpecified") == "1").height == 14
    sectors = FLAG_GROUPS["labour_sector"]
    assert not any("not_specified" in c for c in sectors)
    records = apply_denominator_rule(k_anon_sample.data.filter(pl.col("destination_iso3") == "THA"))
    recorded = records.select(pl.any_horizontal([pl.col(c).fill_null(False) for c in sectors]).sum()).item()
    assert recorded == 0
    assert (
        ctdc.K_ANON_FLAGS["typeOfLabourNotSpecified"],
        ctdc.K_ANON_FLAGS["meansOfControlNotSpecified"],
    ) == (
        (),
        (),
    )


def test_k_anon_excerpt(shared_data: Path) -> None:
    loaded = load(shared_data / "ctdc" / "k_anon_excerpt.csv")
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (38, 38, 0)
    raw = pl.read_csv(shared_data / "ctdc" / "k_anon_excerpt.csv", separator=";", infer_schema=False)
    assert loaded.data["year"].null_count() == raw["yearOfRegistration"].null_count() > 0
    assert loaded.data["origin_iso3"].drop_nulls().str.len_chars().eq(3).all()


def _tabstat(path: Path) -> dict[str, dict[str | None, int]]:
    """The dictionary's official frequency tables: variable -> {value: frequency, None: missing}."""
    sheet = pl.read_excel(path, sheet_name="TabStat", has_header=False, infer_schema_length=0)
    tables: dict[str, dict[str | None, int]] = {}
    current: dict[str | None, int] = {}
    for kind, value, freq, *_ in sheet.iter_rows():
        if kind not in (None, "Valid", "Missing", "Total"):
            current = tables.setdefault(kind, {})
        elif kind == "Missing":
            current[None] = int(freq)
        elif value not in (None, "Total") and freq not in (None, "Freq."):
            current[value] = int(freq)
    return tables


@pytest.fixture(scope="module")
def vp(real_loaded):
    return real_loaded("ctdc/vp_synthetic_condensed.csv")


@pytest.fixture(scope="module")
def tabstat(shared_data: Path):
    return _tabstat(shared_data / "ctdc" / "vp_synthetic_dictionary_2022-12-01.xlsx")


def test_vp_loads_whole(vp) -> None:
    assert (vp.rows_in, vp.rows_kept, vp.rows_rejected) == (21195, 21195, 0)
    p = vp.provenance
    assert (p.layout, p.release, p.synthetic) == ("victim_perpetrator", "2022-12-01", True)


@pytest.mark.parametrize(
    ("variable", "column"),
    [
        ("yearRegister", "year_band"),
        ("gender", "gender"),
        ("majorityStatus", "majority_status"),
        ("UN_COO_Region", "origin_region"),
        ("UN_COE_Region", "destination_region"),
        ("IP_Gender", "perpetrator_gender"),
        ("IP_ageBroad", "perpetrator_age_band"),
        ("IP_citizen_UNRegion", "perpetrator_citizenship_region"),
        ("IP_Relation", "perpetrator_relation"),
        ("IP_PayMoney", "perpetrator_pay_money"),
    ],
)
def test_vp_reproduces_tabstat_frequencies(vp, tabstat, variable: str, column: str) -> None:
    counts = dict(vp.data[column].cast(pl.String).value_counts().iter_rows())
    assert counts == tabstat[variable]


def test_vp_gender_matches_the_published_figures(vp, tabstat) -> None:
    assert tabstat["gender"] == {"Female": 9589, "Male": 7995, None: 3611}
    assert vp.data["gender"].null_count() == 3611


@pytest.mark.parametrize(
    ("variable", "column"),
    [
        ("isForcedLabour", "exploitation_forced_labour"),
        ("isSexualExploit", "exploitation_sexual"),
        ("IP_Exploiter", "perpetrator_exploiter"),
        ("IP_RecruiterBroker", "perpetrator_recruiter_broker"),
        ("IP_TransactionProcess", "perpetrator_transaction_process"),
        ("IP_ControlAbuseKidnap", "perpetrator_control_abuse_kidnap"),
    ],
)
def test_vp_binaries_match_tabstat(vp, tabstat, variable: str, column: str) -> None:
    published = tabstat[variable]
    assert vp.data[column].sum() == published["1"]
    assert vp.data[column].eq(True).fill_null(False).not_().sum() == published[None]


def test_vp_keeps_bands_without_inventing_years(vp) -> None:
    years = vp.data.group_by("year_band").agg(pl.col("year").unique()).sort("year_band", nulls_last=True)
    by_band = {band: sorted(y for y in ys if y is not None) for band, ys in years.iter_rows()}
    assert by_band == {
        "2005-2013": [],
        "2014-2018": [],
        "2019": [2019],
        "2020": [2020],
        "2021-2022": [],
        None: [],
    }
    assert vp.data["origin_iso3"].null_count() == vp.data.height


# --- hand-made fixtures: the layout variants --------------------------------------------------------------------


def test_v2024_csv(ctdc_fixtures: Path) -> None:
    loaded = load(ctdc_fixtures / "synthetic_v2024.csv")
    assert (loaded.rows_in, loaded.rows_kept) == (10, 10)
    p = loaded.provenance
    assert (p.layout, p.release, p.synthetic, p.demo) == ("global_synthetic", "2024", True, False)
    assert loaded.data.schema == pl.Schema(CASE_SCHEMA)
    first = row(loaded, 2)
    assert first["year"] == 2019 and first["year_band"] == "2019"
    assert (first["gender"], first["age_band"], first["majority_status"]) == ("Female", "9-17", "Minor")
    assert first["trafficking_duration"] == "0-12 months"
    assert (first["origin_iso3"], first["origin_region"], first["origin_subregion"]) == (
        "MMR",
        "Asia",
        "South-eastern Asia",
    )
    assert first["destination_iso3"] == "THA"
    assert (
        first["means_debt_bondage_earnings"] and first["means_threats"] and first["means_withhold_documents"]
    )
    assert first["means_abuse"] is False  # in the denominator: empty means no
    assert first["means_restricts_movement"] is None  # not in this layout
    assert first["recruiter_friend"] and first["recruiter_family"] is False
    unknown = row(loaded, 5)
    assert all(
        unknown[c] is None for c in ("gender", "age_band", "majority_status", *ctdc.SYNTHETIC_FLAGS.values())
    )
    trans = row(loaded, 6)
    assert (trans["gender"], trans["trafficking_duration"], trans["destination_iso3"]) == (
        "Trans/non-conforming",
        "25+ months",
        "MYS",
    )
    assert row(loaded, 7)["age_band"] == "48+" and row(loaded, 7)["majority_status"] == "Adult"
    assert row(loaded, 8)["origin_iso3"] is None and row(loaded, 8)["age_band"] == "0-8"


def test_v2025_csv_with_meansWithholdDocuments(ctdc_fixtures: Path) -> None:
    loaded = load(ctdc_fixtures / "synthetic_v2025.csv")
    assert loaded.provenance.release == "2025"
    assert loaded.provenance.citation.startswith("Counter-Trafficking Data Collaborative (CTDC). 2025.")
    assert loaded.data["age_band"].cast(pl.String).to_list()[:2] == ["9-17", "0-8"]
    assert row(loaded, 2)["means_withhold_documents"] is True
    assert row(loaded, 5)["means_withhold_documents"] and row(loaded, 5)["destination_iso3"] == "TWN"
    assert row(loaded, 6)["means_withhold_documents"] is None and row(loaded, 6)["destination_iso3"] is None


def test_bom_crlf_and_dash_variants(ctdc_fixtures: Path) -> None:
    loaded = load(ctdc_fixtures / "synthetic_bom_crlf_emdash.csv")
    assert (loaded.rows_in, loaded.rows_kept) == (5, 5)
    assert loaded.data["age_band"].cast(pl.String).to_list() == ["0-8", "9-17", "18-20", "30-38", "48+"]
    assert loaded.data["year"].to_list() == [2019, 2019, 2020, 2020, 2021]  # the BOM did not eat the column
    assert loaded.provenance.release == "unknown"  # no '9--17' / '09--17' spelling to tell the release by


def _write_workbook(path: Path, csv_path: Path, sheets: list[str], data_sheet_copies: int = 1) -> None:
    from openpyxl import Workbook

    with open(csv_path, encoding="utf-8", newline="") as fh:
        records = list(csv.reader(fh))
    book = Workbook()
    notes = book.active
    notes.title = sheets[0]
    notes.append(["Counter-Trafficking Data Collaborative: read the terms of use"])
    for name in sheets[1 : 1 + data_sheet_copies]:
        sheet = book.create_sheet(name)
        sheet.append(records[0])
        for record in records[1:]:
            # Excel stores the years and flags as numbers
            sheet.append([int(v) if v.isdigit() else (v or None) for v in record])
    book.save(path)


def test_xlsx_with_an_extra_sheet_loads_like_the_csv(ctdc_fixtures: Path, tmp_path: Path) -> None:
    workbook = tmp_path / "ctdc.xlsx"
    _write_workbook(workbook, ctdc_fixtures / "synthetic_v2024.csv", ["Notes", "Global synthetic"])
    assert ctdc.sniff(FileHead(workbook)) == "global_synthetic"
    from_xlsx = load(workbook)
    from_csv = load(ctdc_fixtures / "synthetic_v2024.csv")
    assert from_xlsx.provenance.release == "2024"
    assert "read from sheet 'Global synthetic'" in from_xlsx.provenance.notes
    assert from_xlsx.data.equals(from_csv.data)


def test_xlsx_with_two_data_sheets_is_one_clear_error(ctdc_fixtures: Path, tmp_path: Path) -> None:
    workbook = tmp_path / "ctdc.xlsx"
    _write_workbook(workbook, ctdc_fixtures / "synthetic_v2024.csv", ["Notes", "2023", "2024"], 2)
    with pytest.raises(InputError, match="several sheets hold CTDC data") as err:
        load(workbook)
    assert str(workbook) in str(err.value)


def test_k_anon_hand_made(ctdc_fixtures: Path) -> None:
    loaded = load(ctdc_fixtures / "k_anon_small.csv")
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (8, 7, 1)
    assert dict(zip(loaded.rejects["row"], loaded.rejects["reason"], strict=True)) == {
        7: ctdc.REASON_FLAG,
    }
    assert (6, "citizenship", "ZZ") in loaded.flags.select("row", "column", "value").rows()
    assert row(loaded, 6)["origin_iso3"] is None and row(loaded, 6)["destination_iso3"] == "THA"
    quoted = row(loaded, 2)
    assert (quoted["origin_iso3"], quoted["destination_iso3"], quoted["data_source_type"]) == (
        "KHM",
        "THA",
        "Case management",
    )
    assert quoted["means_threats"] and quoted["means_restricts_movement"]
    assert quoted["means_debt_bondage_earnings"] is False  # -99 is missing; the group is known, so false
    assert quoted["labour_aquafarming"] and quoted["labour_agriculture"] is False
    assert quoted["recruiter_friend"] and quoted["recruiter_family"] is False
    derived = row(loaded, 3)
    assert (
        derived["means_excessive_work_hours"]
        and derived["means_debt_bondage_earnings"]
        and derived["means_abuse"]
    )
    assert derived["means_threats"] is False
    combined = row(loaded, 4)
    assert combined["origin_iso3"] is None  # "00" is the dictionary's unknown country
    assert combined["exploitation_forced_labour"] and combined["exploitation_sexual"]
    hotline = row(loaded, 5)
    assert (hotline["year"], hotline["data_source_type"], hotline["destination_iso3"]) == (
        None,
        "Hotline",
        "USA",
    )
    assert (
        hotline["recruiter_family"]
        and hotline["recruiter_intimate_partner"]
        and hotline["recruiter_friend"] is False
    )
    assert row(loaded, 8)["majority_status"] == "Adult"  # the file's status kept, and flagged
    not_specified = row(loaded, 9)
    assert all(not_specified[c] is None for c in FLAG_GROUPS["means_of_control"])
    assert set(loaded.flags["row"]) == {3, 5, 6, 8}  # 6: an unknown country code, read as missing


def test_namibia_is_not_a_missing_value(ctdc_fixtures: Path, tmp_path: Path) -> None:
    text = (ctdc_fixtures / "k_anon_small.csv").read_text(encoding="utf-8")
    namibia = tmp_path / "namibia.csv"
    namibia.write_text(text.replace(";KH;", ";NA;", 1), encoding="utf-8")
    assert row(load(namibia), 2)["origin_iso3"] == "NAM"


def test_vp_hand_made(ctdc_fixtures: Path) -> None:
    loaded = load(ctdc_fixtures / "vp_small.csv")
    # line 4 is a row of delimiters only: no record (test_an_empty_row_among_the_records_...)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected, loaded.rows_left_out) == (6, 5, 1, 1)
    assert dict(zip(loaded.rejects["row"], loaded.rejects["column"], strict=True)) == {6: "yearRegister"}
    assert loaded.flags.select("row", "column", "value").rows() == [(7, "UN_COO_Region", "Mars")]
    assert (row(loaded, 7)["origin_region"], row(loaded, 7)["destination_region"]) == (None, "Asia")
    assert (row(loaded, 2)["year"], row(loaded, 3)["year"], row(loaded, 3)["year_band"]) == (
        2019,
        None,
        "2014-2018",
    )
    assert 4 not in loaded.data["source_row"].to_list()
    mixed = row(loaded, 5)
    assert mixed["destination_region"] == "Americas/Oceania"
    assert mixed["perpetrator_citizenship_region"] == "Africa;Asia"
    assert mixed["perpetrator_control_abuse_kidnap"] is True
    assert row(loaded, 2)["perpetrator_transaction_process"] is None  # binaries: 1 or empty -> true or null


@pytest.mark.parametrize(
    ("written", "band"),
    [
        ("2021-22", "2021-2022"),
        ("2021 – 22", "2021-2022"),
        ("2014-18", "2014-2018"),
        ("2021-2022", "2021-2022"),
    ],
)
def test_a_vp_band_of_years_ending_in_two_digits_is_that_band(
    ctdc_fixtures: Path, tmp_path: Path, written: str, band: str
) -> None:
    """dates31: a band of registration years written short (``2021-22``, as spans of years are written) is the
    band 2021-2022: its records were rejected as "year is not a number or a band of years"."""
    text = (ctdc_fixtures / "vp_small.csv").read_text(encoding="utf-8")
    short = tmp_path / "vp.csv"
    full = tmp_path / "full.csv"
    short.write_text(text.replace("\n2021-2022,", f"\n{written},", 1), encoding="utf-8")
    full.write_text(text.replace("\n2021-2022,", f"\n{band},", 1), encoding="utf-8")
    loaded, published = load(short), load(full)
    assert (row(loaded, 5)["year"], row(loaded, 5)["year_band"]) == (None, band)
    assert loaded.data.drop("source_row").equals(published.data.drop("source_row"))


@pytest.mark.parametrize("written", ["2019-05", "2021-21", "2022-21", "2021-2"])
def test_a_vp_year_with_two_digits_after_it_that_end_no_later_band_is_still_refused(
    ctdc_fixtures: Path, tmp_path: Path, written: str
) -> None:
    """``2019-05`` (May 2019?), a band ending where or before it starts: no band of years, rejected as before."""
    text = (ctdc_fixtures / "vp_small.csv").read_text(encoding="utf-8")
    short = tmp_path / "vp.csv"
    short.write_text(text.replace("\n2021-2022,", f"\n{written},", 1), encoding="utf-8")
    assert 5 in load(short).rejects.filter(pl.col("column") == "yearRegister")["row"].to_list()


# --- bad input -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "message"), [("empty.csv", "empty")])
def test_one_clear_error(ctdc_fixtures: Path, name: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as err:
        load(ctdc_fixtures / name)
    assert name in str(err.value)


def test_repeated_header_name_and_unclosed_quote(ctdc_fixtures: Path, tmp_path: Path) -> None:
    header, *records = (ctdc_fixtures / "synthetic_v2024.csv").read_text(encoding="utf-8").splitlines()
    repeated = tmp_path / "repeated.csv"
    repeated.write_text(header + ",meansWithholdDocuments\n", encoding="utf-8")
    with pytest.raises(InputError, match="more than once: meansWithholdDocs"):
        load(repeated)
    unclosed = tmp_path / "unclosed.csv"
    unclosed.write_text("\n".join([header, records[0], '"2019,Woman']) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="quoted field is never closed"):
        load(unclosed)


def test_not_a_ctdc_file(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("country,year,value\nTHA,2020,3\n")
    assert ctdc.sniff(FileHead(other)) is None
    with pytest.raises(InputError, match="not a CTDC file"):
        ctdc.load(other)


def test_a_missing_column_is_not_recorded_and_is_noted(ctdc_fixtures: Path, tmp_path: Path) -> None:
    """A flag the file does not have is unknown on every record, not "no" where its group is known: it was
    False beside recruiter_friend, a false 0% ("Documents withheld 0 of 1,330" for a file without the column)."""
    lines = (ctdc_fixtures / "synthetic_v2024.csv").read_text(encoding="utf-8").splitlines()
    without_last = tmp_path / "no_recruiter_other.csv"
    without_last.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n", encoding="utf-8")
    loaded = load(without_last)
    assert (loaded.rows_in, loaded.rows_kept) == (10, 10)
    assert ABSENT_NOTE + "recruiterRelationOther" in loaded.provenance.notes
    assert row(loaded, 3)["recruiter_other"] is None  # it was 1 in the full file
    # the group is known (recruiter_friend), this flag is not
    assert row(loaded, 2)["recruiter_other"] is None
    assert row(loaded, 2)["recruiter_friend"] is True
    assert loaded.data["recruiter_other"].null_count() == loaded.data.height
    full = load(ctdc_fixtures / "synthetic_v2024.csv").data
    known = ["recruiter_intimate_partner", "recruiter_friend", "recruiter_family"]
    # the flags the file has: as in the full file wherever the group stays known without the missing column
    still = pl.any_horizontal(pl.col(c).fill_null(False) for c in known)
    assert loaded.data.filter(still).select(known).equals(full.filter(still).select(known))


ABSENT_NOTE = "columns absent from this file, not recorded (unknown on every record, never 0): "


@pytest.mark.parametrize(
    ("fixture", "delimiter", "column", "flag"),
    [
        ("k_anon_small.csv", ";", "meansOfControlWithholdsDocuments", "means_withhold_documents"),
        ("vp_small.csv", ",", "isSexualExploit", "exploitation_sexual"),
    ],
)
def test_a_missing_flag_column_of_other_layouts_is_not_recorded(
    ctdc_fixtures: Path, tmp_path: Path, fixture: str, delimiter: str, column: str, flag: str
) -> None:
    rows = list(
        csv.reader((ctdc_fixtures / fixture).read_text(encoding="utf-8").splitlines(), delimiter=delimiter)
    )
    index = rows[0].index(column)
    path = tmp_path / fixture
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out, delimiter=delimiter).writerows(r[:index] + r[index + 1 :] for r in rows)
    loaded = load(path)
    assert ABSENT_NOTE + column in loaded.provenance.notes
    # known only where a k-anonymised row's flags were read from its concatenated field (which names them all)
    derived = loaded.flags.filter(pl.col("reason").str.contains("derived from the concatenated"))["row"]
    assert loaded.data.filter(~pl.col("source_row").is_in(derived.implode()))[flag].null_count() == (
        loaded.data.height - derived.n_unique()
    )
    assert loaded.data[flag].null_count() >= loaded.data.height - derived.n_unique() > 0
    group = next(g for g, cols in FLAG_GROUPS.items() if flag in cols)
    others = [c for c in FLAG_GROUPS[group] if c != flag]
    assert loaded.data.select(pl.any_horizontal(pl.col(c).fill_null(False) for c in others)).to_series().any()


def test_a_k_anon_flag_feeding_a_merged_one_keeps_it_recorded(
    shared_data: Path, real_loaded, tmp_path: Path
) -> None:
    """means_abuse is fed by three k-anonymised flags: without one of them it is still recorded by the others."""
    rows = list(
        csv.reader((shared_data / "ctdc" / "k_anon_sample.csv").open(encoding="utf-8"), delimiter=";")
    )
    index = rows[0].index("meansOfControlSexualAbuse")
    path = tmp_path / "k_anon.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out, delimiter=";").writerows(r[:index] + r[index + 1 :] for r in rows)
    loaded = load(path)
    assert loaded.data["means_abuse"].null_count() < loaded.data.height
    full = real_loaded("ctdc/k_anon_sample.csv").data
    sexual = [i + 1 for i, r in enumerate(rows[1:], start=1) if r[index] == "1"]
    # rows with sexual abuse only among the abuse flags lose it; the others keep means_abuse as it was
    assert loaded.data.filter(~pl.col("source_row").is_in(sexual))["means_abuse"].equals(
        full.filter(~pl.col("source_row").is_in(sexual))["means_abuse"]
    )


def test_header_only_is_zero_rows(ctdc_fixtures: Path) -> None:
    loaded = load(ctdc_fixtures / "header_only.csv")
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (0, 0, 0)
    assert loaded.data.schema == pl.Schema(CASE_SCHEMA)


def test_truncated_and_overlong_rows_are_rejected_and_blank_lines_noted(ctdc_fixtures: Path) -> None:
    loaded = load(ctdc_fixtures / "synthetic_ragged.csv")
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (4, 2, 2)
    reasons = dict(zip(loaded.rejects["row"], loaded.rejects["reason"], strict=True))
    assert reasons[3].startswith("truncated row") and reasons[4].startswith("too many fields")
    assert loaded.data["source_row"].to_list() == [2, 6]
    assert any("blank line" in n and "line 5" in n for n in loaded.provenance.notes)


def test_years_out_of_range_or_not_numbers(ctdc_fixtures: Path) -> None:
    loaded = load(ctdc_fixtures / "synthetic_bad_years.csv")
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (6, 2, 4)
    rejects = {r["row"]: (r["value"], r["reason"]) for r in loaded.rejects.iter_rows(named=True)}
    assert rejects[3] == ("1985", rejects[3][1]) and rejects[3][1].startswith("year out of range 1990-")
    assert rejects[4][0] == "2999" and rejects[4][1].startswith("year out of range")
    assert rejects[5] == ("20x9", "year is not a number") and rejects[6] == ("abc", "year is not a number")
    assert loaded.data["year"].to_list() == [2019, None]


def test_unknown_codes_are_rejected_with_column_and_value(ctdc_fixtures: Path) -> None:
    """A flag outside 1/0/-99/empty rejects its row; a new category or code in a field the codebook lets be empty
    (gender, age band, duration, country) is read as missing, the row kept and the value flagged (review 6, m7)."""
    loaded = load(ctdc_fixtures / "synthetic_unknown_codes.csv")
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (7, 6, 1)
    got = {(r["row"], r["column"], r["value"], r["reason"]) for r in loaded.rejects.iter_rows(named=True)}
    assert got == {(6, "isForcedLabour", "2", ctdc.REASON_FLAG)}
    kept = f": {ctdc.KEPT_AS_MISSING}"
    flagged = {(r["row"], r["column"], r["value"], r["reason"]) for r in loaded.flags.iter_rows(named=True)}
    assert flagged == {
        (3, "gender", "Robot", "unknown gender" + kept),
        (4, "ageBroad", "18-99", "unknown age band" + kept),
        (5, "traffickMonths", "forever", "unknown trafficking duration" + kept),
        (7, "citizenship", "XXX", "unknown country code" + kept),
        (8, "gender", "Robot", "unknown gender" + kept),
        (8, "CountryOfExploitation", "Atlantis", "unknown country code" + kept),
    }
    assert row(loaded, 3)["gender"] is None and row(loaded, 4)["age_band"] is None
    assert row(loaded, 7)["origin_iso3"] is None and row(loaded, 7)["destination_iso3"] is not None
    assert any("gender 'Robot' (2 rows, first on row 3)" in n for n in loaded.provenance.notes)


def test_undecodable_bytes_name_the_row(ctdc_fixtures: Path, tmp_path: Path) -> None:
    lines = (ctdc_fixtures / "synthetic_v2024.csv").read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b"Woman", b"Wom\xe4n")  # Latin-1, not UTF-8
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(b"\n".join(lines))
    with pytest.raises(InputError, match="not UTF-8") as err:
        load(bad)
    assert err.value.row == 4 and str(bad) in str(err.value)


# --- provenance, denominators, accounting -------------------------------------------------------------------


def test_provenance(ctdc_fixtures: Path) -> None:
    path = ctdc_fixtures / "synthetic_v2024.csv"
    p = load(path).provenance
    assert p.sha256 == sha256_file(path)
    assert p.url == "https://www.ctdatacollaborative.org/page/global-synthetic-dataset"
    assert p.licence == "CTDC Terms of Use (https://www.ctdatacollaborative.org/page/terms-use)"
    assert p.citation == (
        "Counter-Trafficking Data Collaborative (CTDC). 2024. 'Global Synthetic Dataset', release 2024. "
        "https://www.ctdatacollaborative.org/page/global-synthetic-dataset (accessed <date>)."
    )
    assert p.citation_text("2026-01-31").endswith("(accessed 2026-01-31).")
    # no access date known (no sidecar says when the file was obtained): the clause is left out
    assert p.citation_text().endswith("global-synthetic-dataset.") and "accessed" not in p.citation_text()


def test_denominator_rule_on_a_hand_made_table() -> None:
    table = pl.DataFrame(
        {
            "exploitation_forced_labour": [True, None, False, None],
            "exploitation_sexual": [None, None, False, True],
            "exploitation_other": [None, None, None, None],
        },
        schema={
            c: pl.Boolean for c in ("exploitation_forced_labour", "exploitation_sexual", "exploitation_other")
        },
    )
    ruled = apply_denominator_rule(table)
    assert ruled.rows() == [
        (True, False, False),
        (None, None, None),  # all unknown: not "no"
        (None, None, None),  # zeros without a one: outside the denominator too
        (False, True, False),
    ]


_GOOD = "2019,Woman,9--17,MMR,THA,,,,,,,,,,1,,,,,,,,,,,,"
#: kept, the field read as missing and flagged (review 6, m7)
_NEW_CATEGORY = {
    "gender": "2019,Robot,9--17,MMR,THA,,,,,,,,,,1,,,,,,,,,,,,",
    "country": "2019,Woman,9--17,ZZZ,THA,,,,,,,,,,1,,,,,,,,,,,,",
}
_BAD = {
    "year": "19x9,Woman,9--17,MMR,THA,,,,,,,,,,1,,,,,,,,,,,,",
    "range": "1901,Woman,9--17,MMR,THA,,,,,,,,,,1,,,,,,,,,,,,",
    "flag": "2019,Woman,9--17,MMR,THA,,,,,,,,,,7,,,,,,,,,,,,",
    "truncated": "2019,Woman,9--17,MMR",
    "short": _GOOD[:-2],  # two fields short: with an "overlong" row the file's delimiters add up
    "overlong": _GOOD + ",1,1",
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["good", "blank", *_BAD, *_NEW_CATEGORY]), max_size=25))
@example(["good", "short", "overlong", "good"])
@example(["blank", "good", "blank", "blank"])
def test_every_row_is_kept_or_rejected(kinds: list[str]) -> None:
    header = ",".join(ctdc.SYNTHETIC_COLUMNS)
    lines = [header] + [
        "" if k == "blank" else _GOOD if k == "good" else {**_BAD, **_NEW_CATEGORY}[k] for k in kinds
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mix.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        loaded = load(path)
    assert_accounting(loaded)
    records = [(line, k) for line, k in enumerate(kinds, start=2) if k != "blank"]
    assert loaded.rows_in == len(records)
    assert loaded.data["source_row"].to_list() == [
        line for line, k in records if k == "good" or k in _NEW_CATEGORY
    ]
    assert sorted(set(loaded.rejects["row"])) == [line for line, k in records if k in _BAD]
    assert sorted(set(loaded.flags["row"])) == [line for line, k in records if k in _NEW_CATEGORY]


# --- the other engineers' demo data must load ---------------------------------------------------------------


def test_demo_data_loads(tmp_path: Path) -> None:
    demo = pytest.importorskip("evidence.sources.demo")
    path = demo.write_demo(tmp_path / "demo.csv", n_rows=400)
    loaded = load(path)
    assert (loaded.provenance.layout, loaded.rows_in, loaded.rows_rejected) == ("global_synthetic", 400, 0)
    assert loaded.provenance.demo is True


def test_a_recoded_derivative_is_told_what_a_release_has(tmp_path: Path) -> None:
    """Issue 10: "Age Band, Trafficking Duration, …" with no year or countries is a derived table, not a release."""
    path = tmp_path / "derived.csv"
    path.write_text(
        "Age Band,Trafficking Duration,Gender,Exploitation Type,Count\n9--17,0--12,Female,Sexual,12\n"
    )
    with pytest.raises(UnknownFormatError) as caught:
        registry.detect(path)
    message = str(caught.value)
    assert "looks like a table derived from CTDC data" in message and "not a CTDC release" in message
    assert "lacks yearOfRegistration, ageBroad, citizenship, CountryOfExploitation, traffickMonths" in message


def test_trailing_delimiters_are_unnamed_columns_not_repeated_names(tmp_path: Path, fixtures: Path) -> None:
    lines = (fixtures / "ctdc" / "synthetic_v2024.csv").read_text().splitlines()
    path = tmp_path / "trailing.csv"
    path.write_text("\n".join(line + ",,," for line in lines) + "\n")
    loaded = ctdc.load(path)
    assert loaded.rows_in == len(lines) - 1 == loaded.rows_kept
    assert "3 unnamed column(s) not used (a header with trailing delimiters?)" in loaded.provenance.notes


def test_header_labels_compare_by_key(ctdc_fixtures: Path, tmp_path: Path) -> None:
    """A re-saved header (case changed, words spaced or joined by '_') reads as the layout's columns."""
    original = (ctdc_fixtures / "synthetic_v2024.csv").read_text(encoding="utf-8")
    header, rest = original.split("\n", 1)
    respelled = ",".join(
        re.sub(r"(?<=[a-z])(?=[A-Z])", "_", c).upper() if i % 2 else c.lower()
        for i, c in enumerate(header.split(","))
    )
    (tmp_path / "respelled.csv").write_text(respelled + "\n" + rest, encoding="utf-8")
    expected, loaded = load(ctdc_fixtures / "synthetic_v2024.csv"), load(tmp_path / "respelled.csv")
    assert loaded.provenance.layout == ctdc.GLOBAL_SYNTHETIC
    assert loaded.data.equals(expected.data)
    assert not any("not used" in note for note in loaded.provenance.notes)


def test_a_file_carrying_the_demo_marker_is_demo_data_not_a_ctdc_release(
    ctdc_fixtures: Path, tmp_path: Path
) -> None:
    from evidence.sources.provenance import DEMO_MARKER

    table = pl.read_csv(ctdc_fixtures / "synthetic_v2024.csv", infer_schema=False)
    table.with_columns(pl.lit("demo-7").alias(DEMO_MARKER)).write_csv(tmp_path / "d.csv")
    p = ctdc.load(tmp_path / "d.csv").provenance
    assert (p.release, p.demo, p.synthetic) == ("demo-7", True, True)
    assert "CTDC" not in p.citation and not any("told from" in n or "not used" in n for n in p.notes)
    assert load(ctdc_fixtures / "synthetic_v2024.csv").provenance.demo is False


# --- releases the data contradict; title lines (review 6: M2, m8) -------------------------------------------------


def _synthetic(tmp_path: Path, years: list[int], band: str, *, title: str = "") -> Path:
    lines = [",".join(ctdc.SYNTHETIC_COLUMNS)]
    lines += [f"{y},Woman,{band},MMR,THA,,,,,,,,,,1,,,,,,,,,,,," for y in years]
    path = tmp_path / "syn.csv"
    path.write_text((f"{title}\n" if title else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("years", "band", "release"),
    [
        ([2019, 2023], "09--17", "2025"),  # within v2025's 2002-2023
        ([2022, 2025], "09--17", "unknown"),  # later than v2025 covers: a later release
        ([2019, 2022], "9--17", "2024"),
        ([2019, 2024], "9--17", "unknown"),
    ],
)
def test_a_release_the_years_contradict_is_not_stated(
    tmp_path: Path, years: list[int], band: str, release: str
) -> None:
    loaded = load(_synthetic(tmp_path, years, band))
    assert loaded.provenance.release == release
    contradicted = [n for n in loaded.provenance.notes if "release not stated" in n]
    assert bool(contradicted) == (release == "unknown")
    if contradicted:
        assert f"years up to {max(years)}" in contradicted[0]


def test_a_victim_perpetrator_file_with_later_years_is_not_the_2022_release(
    ctdc_fixtures: Path, tmp_path: Path
) -> None:
    text = (ctdc_fixtures / "vp_small.csv").read_text(encoding="utf-8").replace("\n2020,", "\n2024,")
    path = tmp_path / "vp.csv"
    path.write_text(text, encoding="utf-8")
    loaded = load(path)
    assert loaded.provenance.release == "unknown"
    assert loaded.provenance.release_label == "release not stated in the file"
    assert any("years up to 2024" in n for n in loaded.provenance.notes)
    assert load(ctdc_fixtures / "vp_small.csv").provenance.release == "2022-12-01"


def test_a_csv_with_a_title_line_loads_as_without(tmp_path: Path) -> None:
    plain = load(_synthetic(tmp_path, [2019, 2020], "09--17"))
    titled = load(_synthetic(tmp_path, [2019, 2020], "09--17", title="CTDC Global Synthetic Dataset"))
    assert titled.data.drop("source_row").equals(plain.data.drop("source_row"))
    assert titled.data["source_row"].to_list() == [3, 4]  # the file's own line numbers
    assert any("title line" in n for n in titled.provenance.notes)


# --- review 10: other plausible releases -----------------------------------------------------------------------


def _k_anon_variant(shared_data: Path, tmp_path: Path, name: str, edit) -> Path:
    """A copy of the real k-anonymised sample with ``edit(index, record, columns)`` applied to its records."""
    text = (shared_data / "ctdc" / "k_anon_sample.csv").read_text(encoding="utf-8")
    header, *records = [r for r in csv.reader(text.splitlines(), delimiter=";") if r]
    columns = {name: i for i, name in enumerate(header)}
    for index, record in enumerate(records):
        edit(index, record, columns)
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";", lineterminator="\n").writerows([header, *records])
    return path


def test_k_anon_a_new_data_source_or_majority_status_keeps_the_victim(
    shared_data: Path, tmp_path: Path, k_anon_sample
) -> None:
    """Review 10 M5: a value outside the codebook in Datasource or a majority-status column is flagged and read
    as missing, as a new gender or age band is; the victim still counts."""

    def edit(index: int, record: list[str], columns: dict[str, int]) -> None:
        if index % 20 == 0:
            record[columns["Datasource"]] = "Self-report"
        if index % 50 == 1:
            record[columns["majorityStatus"]] = "Elderly"
        if index % 70 == 2:
            record[columns["majorityEntry"]] = "Elderly"

    loaded = load(_k_anon_variant(shared_data, tmp_path, "new_codes.csv", edit))
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (1478, 1478, 0)
    kept = f": {ctdc.KEPT_AS_MISSING}"
    flagged = loaded.flags.filter(pl.col("reason").str.ends_with(kept))
    by_column = dict(flagged.group_by("column").len().iter_rows())
    assert by_column == {"Datasource": 74, "majorityStatus": 30, "majorityEntry": 22}
    assert set(flagged["reason"]) == {"unknown data source" + kept, "unknown majority status" + kept}
    assert row(loaded, 2)["data_source_type"] is None  # the first record: line 2
    # a status the file does not give in the codebook's words: the one its age band implies stands in
    assert [row(loaded, n)["majority_status"] for n in (3, 103)] == ["Adult", "Minor"]  # 18-20, 0-8
    unchanged = loaded.data.filter(~pl.col("source_row").is_in(flagged["row"].implode()))
    original = k_anon_sample.data.filter(pl.col("source_row").is_in(unchanged["source_row"].implode()))
    assert unchanged.equals(original)


@pytest.mark.parametrize(
    "rejected",
    [
        "Source: CTDC Global Synthetic Dataset 2025",  # a notes line below the table: a truncated row
        "2025,Woman,09--17,MMR,THA,,,,,,,,,,7,,,,,,,,,,,,",  # a later year and another age band, in a row rejected
    ],
)
def test_a_rejected_row_does_not_change_the_release(tmp_path: Path, rejected: str) -> None:
    """Review 10 m6: only the kept rows' years and age bands say which release a file is."""
    path = _synthetic(tmp_path, [2019, 2022], "9--17")
    header, *records = path.read_text(encoding="utf-8").splitlines()
    # among the records (below them a notes line is no row: left out, test_note_lines)
    path.write_text("\n".join([header, rejected, *records]) + "\n", encoding="utf-8")
    loaded = load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (3, 2, 1)
    assert loaded.provenance.release == "2024"
    assert not any("release not stated" in n for n in loaded.provenance.notes)


def test_k_anon_an_unknown_label_of_a_concatenated_field_is_flagged(
    shared_data: Path, tmp_path: Path, k_anon_sample
) -> None:
    """Review 10 m7: a label no flag of its group names (a new form "Forced criminality") is not read as a flag,
    and is flagged with its row and column rather than ignored unseen; the row is kept."""

    def edit(index: int, record: list[str], columns: dict[str, int]) -> None:
        if index % 10 == 0:
            text = record[columns["typeOfExploitConcatenated"]]
            record[columns["typeOfExploitConcatenated"]] = ";".join(
                filter(None, [text, "Forced criminality"])
            )

    loaded = load(_k_anon_variant(shared_data, tmp_path, "new_form.csv", edit))
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (1478, 1478, 0)
    flagged = loaded.flags.filter(pl.col("column") == "typeOfExploitConcatenated")
    assert flagged["row"].to_list() == list(range(2, 1480, 10))
    assert all("'Forced criminality'" in r and r.endswith("row kept") for r in flagged["reason"])
    assert loaded.data.equals(k_anon_sample.data)  # nothing else read differently
    assert any("typeOfExploitConcatenated 'Forced criminality'" in n for n in loaded.provenance.notes)


def _resaved(source: Path, target: Path, delimiter: str, *, source_delimiter: str = ",") -> Path:
    with source.open(encoding="utf-8", newline="") as fh:
        records = list(csv.reader(fh, delimiter=source_delimiter))
    with target.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter, lineterminator="\n").writerows(records)
    return target


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_a_synthetic_file_resaved_with_another_delimiter_reads_as_published(
    ctdc_fixtures: Path, tmp_path: Path, delimiter: str
) -> None:
    """Review 10 m8: as the UNODC and TIP loaders do, by the one sniffer of sources/delimited.py."""
    published = load(ctdc_fixtures / "synthetic_v2024.csv")
    loaded = load(_resaved(ctdc_fixtures / "synthetic_v2024.csv", tmp_path / "syn.txt", delimiter))
    assert loaded.data.equals(published.data)
    assert (loaded.rows_in, loaded.rows_rejected, loaded.provenance.release) == (10, 0, "2024")
    name = {";": "semicolons", "\t": "tabs", "|": "pipes"}[delimiter]
    assert f"delimited by {name}, not commas as CTDC publishes this layout" in loaded.provenance.notes
    assert load(ctdc_fixtures / "synthetic_semicolon.csv").rows_kept == 2


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_the_real_k_anonymised_sample_resaved_with_another_delimiter_reads_as_published(
    shared_data: Path, tmp_path: Path, delimiter: str, k_anon_sample
) -> None:
    source = shared_data / "ctdc" / "k_anon_sample.csv"
    loaded = load(_resaved(source, tmp_path / "k.csv", delimiter, source_delimiter=";"))
    assert loaded.data.equals(k_anon_sample.data)
    assert loaded.flags.equals(k_anon_sample.flags)
    assert any("not semicolons as CTDC publishes" in n for n in loaded.provenance.notes)


def test_the_real_victim_perpetrator_file_resaved_quoting_every_field_reads_as_published(
    shared_data: Path, tmp_path: Path, vp
) -> None:
    """A re-export that quotes every field writes an empty cell as "": missing, as the published empty cell
    (the perpetrator columns kept as published were read as an empty text, unlike the same file unquoted)."""
    source = shared_data / "ctdc" / "vp_synthetic_condensed.csv"
    with source.open(encoding="utf-8", newline="") as fh:
        records = list(csv.reader(fh))
    target = tmp_path / "vp_quoted.csv"
    with target.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(records)
    loaded = load(target)
    assert loaded.data.equals(vp.data)
    assert (loaded.rows_in, loaded.rows_rejected) == (vp.rows_in, 0)


def test_a_new_flag_of_a_known_group_puts_its_records_in_the_groups_denominator(
    ctdc_fixtures: Path, tmp_path: Path
) -> None:
    """A later release adding a flag to a group (``isForcedCriminality``: the docs' recent form of exploitation)
    records that group for a victim whose other flags of it are empty: codebook section 6 counts the victim in the
    group's denominator, its other flags 0 (was: unknown, left out, so forced labour's share was overstated). A
    column with the prefix but not flag values, or a "not specified" one, is not used, as before."""
    source = ctdc_fixtures / "synthetic_v2025.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    extra = ",isForcedCriminality,typeOfLabourFishing,isNote,typeOfLabourNotSpecified"
    values = [",1,,yes,1", ",,1,,", *[",,,,"] * (len(lines) - 3)]
    path = tmp_path / "v2026.csv"
    path.write_text(
        "\n".join([lines[0] + extra, *(a + b for a, b in zip(lines[1:], values, strict=True))]) + "\n",
        encoding="utf-8",
    )
    published, loaded = load(source), load(path)
    assert published.data.row(0, named=True)["exploitation_forced_labour"] is True  # the fixture's first row
    first, second = (row(loaded, 2), row(loaded, 3))
    # row 2 had forced labour already: unchanged; its sector group gets nothing new
    assert first["exploitation_forced_labour"] is True and first["exploitation_sexual"] is False
    # row 3 had no labour sector: the new sector flag records the group, the known sectors are 0
    assert second["labour_agriculture"] is False and row(published, 3)["labour_agriculture"] is None
    notes = " ".join(loaded.provenance.notes)
    assert "isForcedCriminality (exploitation); typeOfLabourFishing (labour sector)" in notes
    assert "columns not used: isNote, typeOfLabourNotSpecified" in notes
    assert loaded.data.drop(
        "labour_agriculture", "labour_construction", "labour_domestic_work", "labour_hospitality"
    ).equals(
        published.data.drop(
            "labour_agriculture", "labour_construction", "labour_domestic_work", "labour_hospitality"
        )
    )


def test_a_record_of_a_new_exploitation_flag_only_is_in_the_exploitation_denominator(tmp_path: Path) -> None:
    header = ",".join([*ctdc.SYNTHETIC_COLUMNS, "isForcedCriminality"])
    blank = [""] * (len(ctdc.SYNTHETIC_COLUMNS) - 5)
    rows = [
        ["2023", "Woman", "18--20", "MMR", "THA", *blank, "1"],
        ["2023", "Man", "18--20", "MMR", "THA", *blank, ""],
    ]
    path = tmp_path / "s.csv"
    path.write_text("\n".join([header, *(",".join(r) for r in rows)]) + "\n", encoding="utf-8")
    loaded = load(path)
    exploitation = ["exploitation_forced_labour", "exploitation_sexual", "exploitation_other"]
    assert loaded.data.select(exploitation).rows() == [(False, False, False), (None, None, None)]


def test_a_synthetic_file_quoting_every_field_reads_as_published_whatever_its_flags(
    ctdc_fixtures: Path, tmp_path: Path
) -> None:
    """A field written "" is empty. When some flag is not an integer ("1.0", as a spreadsheet may write it) the
    cells are read as text, and the quoted empty flags were then rejected as unknown values: every row lost."""
    with (ctdc_fixtures / "synthetic_v2024.csv").open(encoding="utf-8", newline="") as fh:
        records = list(csv.reader(fh))
    records[1][records[0].index("isForcedLabour")] = "1.0"
    paths = []
    for name, quoting in (("minimal.csv", csv.QUOTE_MINIMAL), ("quoted.csv", csv.QUOTE_ALL)):
        paths.append(tmp_path / name)
        with paths[-1].open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, quoting=quoting, lineterminator="\n").writerows(records)
    minimal, quoted = (load(p) for p in paths)
    assert (quoted.rows_in, quoted.rows_kept, quoted.rows_rejected) == (10, 10, 0)
    assert quoted.data.equals(minimal.data)
    assert quoted.flags.equals(minimal.flags)


# --- a spreadsheet's cleared rows saved as CSV ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "delimiter"),
    [("vp_synthetic_condensed.csv", ","), ("k_anon_excerpt.csv", ";")],
)
def test_rows_of_delimiters_only_are_no_victims(
    shared_data: Path, real_loaded, tmp_path: Path, name: str, delimiter: str
) -> None:
    """A release opened in a spreadsheet, rows below it cleared (or formatted) and saved as CSV ends in rows of
    delimiters only: no victims (a workbook's empty sheet rows are none), whatever the layout. Were kept as
    records with every field missing, each counted as a victim. (An empty row among the records is none either:
    ``test_an_empty_row_among_the_records_is_no_victim_in_a_csv_as_in_a_workbook``.)"""
    text = (shared_data / "ctdc" / name).read_text(encoding="utf-8").rstrip("\n")
    header, *records = text.split("\n")
    empty = delimiter * header.count(delimiter)
    path = tmp_path / name
    # below the records: rows of delimiters, one with blanks in its fields, one shorter than the header
    lines = [header, *records, empty, " " + empty + " ", empty[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded, published = load(path), real_loaded(f"ctdc/{name}")
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (len(records), len(records), 0)
    assert loaded.data.equals(published.data)
    last = len(records) + 2
    note = "3 empty row(s) ignored (no record: every field empty, a row of delimiters only)"
    assert f"{note}: line {last}, {last + 1}, {last + 2}" in loaded.provenance.notes


def test_an_empty_row_among_the_records_is_no_victim_in_a_csv_as_in_a_workbook(
    ctdc_fixtures: Path, tmp_path: Path
) -> None:
    """A row of delimiters only, or a blank line, among the records (a spreadsheet row cleared, saved as CSV) was
    kept as a victim with every field missing, while the workbook it was saved from dropped the row (saying
    neither which nor that the count of rows left it out). Both now leave it out, counted and named."""
    source = ctdc_fixtures / "synthetic_v2024.csv"
    header, *records = source.read_text(encoding="utf-8").splitlines()
    empty = "," * header.count(",")
    text = tmp_path / "cleared.csv"
    text.write_text(
        "\n".join([header, records[0], empty, records[1], "", *records[2:]]) + "\n", encoding="utf-8"
    )
    from_text, published = load(text), load(source)
    assert (from_text.rows_in, from_text.rows_kept, from_text.rows_rejected) == (
        len(records),
        len(records),
        0,
    )
    assert from_text.rows_left_out == 2 and from_text.summary()["rows_left_out"] == 2
    assert from_text.data.drop("source_row").equals(published.data.drop("source_row"))
    assert from_text.data["source_row"].to_list()[:3] == [2, 4, 6]  # lines of the file still
    notes = from_text.provenance.notes
    assert "1 empty row(s) ignored (no record: every field empty, a row of delimiters only): line 3" in notes
    assert "1 blank line(s) ignored (no record): line 5" in notes
    # the workbook the CSV was saved from: an empty sheet row among the records, the same victims, its row named
    book = tmp_path / "cleared.xlsx"
    with_gap = tmp_path / "with_gap.csv"
    with_gap.write_text("\n".join([header, records[0], empty, *records[1:]]) + "\n", encoding="utf-8")
    _write_workbook(book, with_gap, ["Notes", "Global synthetic"])
    from_book = load(book)
    assert (from_book.rows_in, from_book.rows_kept, from_book.rows_left_out) == (
        len(records),
        len(records),
        1,
    )
    assert from_book.data.drop("source_row").equals(published.data.drop("source_row"))
    assert "1 empty sheet row(s) ignored (no record: every cell empty): row 3" in from_book.provenance.notes


@pytest.mark.parametrize("extra", ["Notes", ""])
def test_a_note_in_a_column_not_used_is_no_victim(ctdc_fixtures: Path, tmp_path: Path, extra: str) -> None:
    """A source line or note written among the records in a column the layout does not read (named or not):
    the row was kept as a victim with every field missing. Now rejected as a note, under its column; below the
    records it is no row: left out, named with its text."""
    source = ctdc_fixtures / "synthetic_v2024.csv"
    header, *records = source.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "noted.csv"
    blank = "," * header.count(",")
    note = f"{blank},Source: CTDC 2024"
    lines = [f"{header},{extra}", note, *(r + "," for r in records)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded, published = load(path), load(source)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (len(records) + 1, len(records), 1)
    assert loaded.data.drop("source_row").equals(published.data.drop("source_row"))
    (row_, column, value, reason) = loaded.rejects.row(0)
    assert (row_, value, reason) == (2, "Source: CTDC 2024", ctdc.REASON_NOTE)
    assert column == (extra or "(unnamed column 28)")
    path.write_text("\n".join([lines[0], *lines[2:], note]) + "\n", encoding="utf-8")
    below = load(path)
    assert (below.rows_in, below.rows_rejected, below.rows_left_out) == (len(records), 0, 1)
    assert below.data.equals(published.data)
    assert any(f"line {len(records) + 2} 'Source: CTDC 2024'" in n for n in below.provenance.notes)


def test_blank_lines_below_title_lines_are_named_by_their_line_in_the_file(
    ctdc_fixtures: Path, tmp_path: Path
) -> None:
    header, *records = (ctdc_fixtures / "synthetic_v2024.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "titled.csv"
    path.write_text("\n".join(["Global Synthetic Dataset", header, records[0], "", *records[1:]]) + "\n")
    loaded = load(path)
    assert "1 blank line(s) ignored (no record): line 4" in loaded.provenance.notes  # was "line 3"
    assert_accounting(loaded)


def test_a_column_named_twice_below_title_lines_is_refused_naming_the_headers_row(
    ctdc_fixtures: Path, tmp_path: Path
) -> None:
    header, *records = (ctdc_fixtures / "synthetic_v2024.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "repeated.csv"
    path.write_text("\n".join(["Global Synthetic Dataset", header + ",Gender", records[0] + ",Woman"]) + "\n")
    with pytest.raises(
        InputError,
        match=r"repeated\.csv, row 2: the header names a column more than once: gender \(B2 'gender' and AB2 "
        r"'Gender'\)",
    ):
        load(path)


# --- a header label with a footnote number (workbook.header_cell_key) ------------------------------------------


def test_a_header_whose_labels_carry_footnote_numbers_loads_as_the_plain_one(
    shared_data: Path, k_anon_sample, tmp_path: Path
) -> None:
    """``yearOfRegistration¹``, ``gender [1]``: the release was not recognised (or the column read as absent)."""
    lines = (shared_data / "ctdc" / "k_anon_sample.csv").read_text(encoding="utf-8").split("\n")
    marked = {
        "yearOfRegistration": "yearOfRegistration\u00b9",
        "gender": "gender [1]",
        "citizenship": "citizenship*",
    }
    lines[0] = ";".join(marked.get(cell, cell) for cell in lines[0].split(";"))
    assert lines[0].count("\u00b9") == 1 and "gender [1]" in lines[0]
    path = tmp_path / "k_anon_sample.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    loaded = load(path)
    assert loaded.data.equals(k_anon_sample.data)
    assert loaded.rejects.equals(k_anon_sample.rejects) and loaded.flags.equals(k_anon_sample.flags)
    assert loaded.provenance.notes == k_anon_sample.provenance.notes


def test_a_row_with_text_only_beyond_the_header_is_rejected_not_left_out(
    ctdc_fixtures: Path, tmp_path: Path
) -> None:
    """A row whose fields under the header are empty but that holds text in a field beyond the header's last
    (``,,,…,see file``) has too many fields and is rejected as such: it was left out as a row holding nothing
    (the parser reads the header's number of fields), its text lost unsaid. A row of delimiters only, however
    many, is still left out."""
    header, *records = (ctdc_fixtures / "synthetic_v2024.csv").read_text(encoding="utf-8").splitlines()
    empty = "," * header.count(",")
    path = tmp_path / "beyond.csv"
    path.write_text("\n".join([header, records[0], empty + ",see file", empty + ",", *records[1:]]) + "\n")
    loaded = load(path)
    assert (loaded.rows_in, loaded.rows_rejected, loaded.rows_left_out) == (len(records) + 1, 1, 1)
    assert loaded.rejects.filter(pl.col("row") == 3)["reason"].str.starts_with("too many fields").all()


# --- the next release (release audit) ---------------------------------------------------------------------------


def test_a_victim_perpetrator_release_naming_americas_and_oceania_apart_keeps_both_regions(
    shared_data: Path, tmp_path: Path
) -> None:
    """The 2022 release joins two UN regions (``Americas/Oceania``); a later one naming them apart (``Oceania``,
    ``Americas``: UN M49 regions, as the k-anonymised layout's regions are) or writing a region in another case
    (``ASIA``) read every such region as missing, flagged. They are the regions they name."""
    lines = (shared_data / "ctdc" / "vp_synthetic_condensed.csv").read_text(encoding="utf-8").splitlines()
    rows = [
        "2021-2022,Female,Adult,1,,Oceania,Americas,1,Male,30--38,Asia,FriendAcquaintance,No,1,,",
        "2021-2022,Female,Adult,1,,ASIA,asia,1,Male,30--38,Asia,FriendAcquaintance,No,1,,",
        "2021-2022,Female,Adult,1,,Americas/Oceania,Atlantis,1,Male,30--38,Asia,FriendAcquaintance,No,1,,",
    ]
    path = tmp_path / "vp.csv"
    path.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    loaded = load(path)
    assert loaded.data.select("origin_region", "destination_region").rows() == [
        ("Oceania", "Americas"),
        ("Asia", "Asia"),
        ("Americas/Oceania", None),
    ]
    assert loaded.flags.select("row", "column", "value").rows() == [(4, "UN_COE_Region", "Atlantis")]


# --- codes ISO 3166 withdrew (ISO 3166-3) ------------------------------------------------------------------------


def test_k_anon_withdrawn_codes_read_as_their_one_successor_and_split_ones_kept_unguessed(
    shared_data: Path, tmp_path: Path, k_anon_sample
) -> None:
    """A withdrawn alpha-2 code (``BU`` Burma, ``TP`` East Timor, ``ZR`` Zaire) was an unknown country: the victim's
    citizenship missing. It is read as its one successor, with a note; a code whose country split (``YU``, ``SU``,
    ``CS``, ``AN``) is never guessed into one successor: kept with the ISO3 code missing and the region every
    successor lies in, the row kept and flagged with why."""
    replaced = {"MM": "BU", "KH": "YU"}

    def edit(index: int, record: list[str], columns: dict[str, int]) -> None:
        citizenship = record[columns["citizenship"]]
        if citizenship in replaced and index % 2 == 0:
            record[columns["citizenship"]] = (
                replaced[citizenship].lower() if index % 4 == 0 else replaced[citizenship]
            )
        if record[columns["CountryOfExploitation"]] == "RU":
            record[columns["CountryOfExploitation"]] = "SU"

    loaded = load(_k_anon_variant(shared_data, tmp_path, "withdrawn.csv", edit))
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (1478, 1478, 0)
    assert_accounting(loaded)
    original = k_anon_sample.data
    burma = original.filter(pl.col("origin_iso3") == "MMR").height
    assert loaded.data.filter(pl.col("origin_iso3") == "MMR").height == burma  # BU read as MMR, none lost
    assert any("BU (Burma, renamed Myanmar 1989) read as MMR" in n for n in loaded.provenance.notes)

    flagged = loaded.flags.filter(pl.col("column") == "citizenship")
    yugoslavs = loaded.data.filter(pl.col("source_row").is_in(flagged["row"].implode()))
    assert flagged.height > 0 and set(flagged["value"].str.to_uppercase()) == {"YU"}
    assert set(flagged["reason"]) == {
        (
            "withdrawn ISO 3166 code YU (Yugoslavia, dissolved 1992-2006) names no one current country "
            "(BIH, HRV, MKD, MNE, SRB, SVN, XKX): not guessed; its region (Europe, Southern Europe) kept: "
            "country read as missing, row kept"
        )
    }
    assert yugoslavs["origin_iso3"].is_null().all()
    assert set(yugoslavs.select("origin_region", "origin_subregion").rows()) == {
        ("Europe", "Southern Europe")
    }

    soviet = loaded.flags.filter(pl.col("column") == "CountryOfExploitation")
    assert soviet.height == original.filter(pl.col("destination_iso3") == "RUS").height > 0
    assert all("code SU (USSR" in r and "not guessed: country read" in r for r in soviet["reason"])
    to_ussr = loaded.data.filter(pl.col("source_row").is_in(soviet["row"].implode()))
    assert to_ussr.select(pl.col("destination_iso3", "destination_region", "destination_subregion").is_null().all()).row(0) == (True, True, True)  # fmt: skip
    # every other field of these victims is read as before
    untouched = [c for c in original.columns if not c.startswith(("origin_", "destination_"))]
    assert loaded.data.select(untouched).equals(original.select(untouched))


@pytest.mark.parametrize(
    ("code", "iso3", "region"),
    [
        ("BUR", "MMR", "Asia"),
        ("TMP", "TLS", "Asia"),
        ("ZAR", "COD", "Africa"),
        ("DDR", "DEU", "Europe"),
        ("YUG", None, "Europe"),
        ("SCG", None, "Europe"),
        ("CSK", None, "Europe"),
        ("ANT", None, "Americas"),
        ("SUN", None, None),
    ],
)
def test_synthetic_withdrawn_alpha3_codes(
    tmp_path: Path, code: str, iso3: str | None, region: str | None
) -> None:
    path = _synthetic(tmp_path, [2019, 2020], "9--17")
    path.write_text(path.read_text(encoding="utf-8").replace(",MMR,THA,", f",{code},THA,"), encoding="utf-8")
    loaded = load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (2, 2, 0)
    assert loaded.data.select("origin_iso3", "origin_region").rows() == [(iso3, region)] * 2
    flagged = loaded.flags.filter(pl.col("column") == "citizenship")
    assert flagged["row"].to_list() == ([] if iso3 else [2, 3])
    assert all(f"code {code} (" in r and "not guessed" in r for r in flagged["reason"])
    if iso3:
        assert any(f"{code} (" in n and f"read as {iso3} (2 rows)" in n for n in loaded.provenance.notes)


# --- a release re-saved by R, pandas or a spreadsheet: its missing values and booleans ----------------------


def _synthetic_rows(ctdc_fixtures: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader((ctdc_fixtures / "synthetic_v2024.csv").read_text().splitlines()))
    return rows[0], rows[1:]


def _write_csv(path: Path, header: list[str], body: list[list[str]]) -> Path:
    with path.open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *body])
    return path


def _flags_of(loaded) -> pl.DataFrame:
    return loaded.data.drop("source_row").select(pl.col(pl.Boolean))


@pytest.mark.parametrize(
    ("true", "false", "missing"),
    [
        ("1", "", "NA"),  # R's write.csv: a missing value is NA
        ("TRUE", "FALSE", ""),  # R's logicals, a spreadsheet's booleans
        ("True", "False", "nan"),  # pandas' booleans and a float NaN written as text
        ("true", "", "N/A"),
    ],
)
def test_flags_written_as_booleans_or_with_r_missing_values_read_as_the_published_ones(
    ctdc_fixtures: Path, tmp_path: Path, true: str, false: str, missing: str
) -> None:
    """A synthetic file re-saved by R (NA for an empty flag) or with booleans for 1/0 keeps every record and every
    flag; it was rejected row by row ("unknown flag value"), leaving nothing."""
    header, body = _synthetic_rows(ctdc_fixtures)
    flags = [i for i, name in enumerate(header) if name in ctdc.SYNTHETIC_FLAGS]
    written = [
        [(true if v == "1" else (false if i % 2 else missing)) if c in flags else v for c, v in enumerate(r)]
        for i, r in enumerate(body)
    ]
    expected = load(ctdc_fixtures / "synthetic_v2024.csv")
    loaded = load(_write_csv(tmp_path / "resaved.csv", header, written))
    assert_accounting(loaded)
    assert loaded.rows_rejected == 0
    assert _flags_of(loaded).equals(_flags_of(expected), null_equal=True)
    assert any("read as" in note and "flag" in note for note in loaded.provenance.notes)


def test_an_unknown_flag_value_is_rejected_naming_every_spelling_read(
    ctdc_fixtures: Path, tmp_path: Path
) -> None:
    """The reason says what a flag may hold: TRUE/FALSE and R's or the codebook's missing values are read too
    (loose30: it said "expected 1, 0, -99 or empty" only)."""
    header, body = _synthetic_rows(ctdc_fixtures)
    column = next(i for i, name in enumerate(header) if name in ctdc.SYNTHETIC_FLAGS)
    body[0][column] = "Yes"
    loaded = load(_write_csv(tmp_path / "yes.csv", header, body))
    assert loaded.rejects.select("row", "column", "value").rows() == [(2, header[column], "Yes")]
    reason = loaded.rejects["reason"][0]
    assert reason.startswith("unknown flag value (expected 1, 0, -99 or empty")
    for spelling in ("TRUE", "FALSE", *(word for word, read in ctdc._FLAG_WORDS.items() if read is None)):
        assert re.search(rf"(?i)(?<![\w/]){re.escape(spelling)}(?![\w/])", reason), spelling


def test_flags_saved_as_workbook_booleans_read_as_1_and_empty(ctdc_fixtures: Path, tmp_path: Path) -> None:
    """A workbook whose flag cells are TRUE (a spreadsheet's boolean) and empty reads as the CSV."""
    import openpyxl

    header, body = _synthetic_rows(ctdc_fixtures)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for r in body:
        sheet.append(
            [True if name in ctdc.SYNTHETIC_FLAGS and v == "1" else (v or None) for name, v in zip(header, r)]
        )
    book.save(tmp_path / "booleans.xlsx")
    loaded = load(tmp_path / "booleans.xlsx")
    assert loaded.rows_rejected == 0
    assert _flags_of(loaded).equals(_flags_of(load(ctdc_fixtures / "synthetic_v2024.csv")), null_equal=True)


def test_other_words_in_a_flag_column_are_still_rejected(ctdc_fixtures: Path, tmp_path: Path) -> None:
    header, body = _synthetic_rows(ctdc_fixtures)
    at = header.index("meansThreats")
    body[0][at] = "yes"
    loaded = load(_write_csv(tmp_path / "yes.csv", header, body))
    assert loaded.rejects.filter(pl.col("column") == "meansThreats")["value"].to_list() == ["yes"]
    assert_accounting(loaded)


@pytest.mark.parametrize("column", ["citizenship", "CountryOfExploitation"])
def test_r_missing_value_in_an_iso3_country_column_is_missing_not_namibia(
    ctdc_fixtures: Path, tmp_path: Path, column: str
) -> None:
    """R writes a missing country as NA, which is also Namibia's ISO 3166-1 alpha-2 code: in a column of
    three-letter codes (the synthetic layout's) it names no country. It was read as Namibia (NAM)."""
    header, body = _synthetic_rows(ctdc_fixtures)
    at = header.index(column)
    body[0][at] = "NA"
    loaded = load(_write_csv(tmp_path / "na.csv", header, body))
    target = "origin_iso3" if column == "citizenship" else "destination_iso3"
    assert row(loaded, 2)[target] is None
    assert "NAM" not in loaded.data[target].to_list()
    assert any(f"{column}: 'NA'" in note for note in loaded.provenance.notes)


def test_na_among_two_letter_codes_is_still_namibia(ctdc_fixtures: Path, tmp_path: Path) -> None:
    """In a column of ISO 3166-1 alpha-2 codes (the k-anonymised layout's, or a synthetic file so written) NA is
    Namibia."""
    header, body = _synthetic_rows(ctdc_fixtures)
    at = header.index("citizenship")
    two = {"MMR": "MM", "KHM": "KH", "LAO": "LA", "THA": "TH", "VNM": "VN"}
    for r in body:
        r[at] = two.get(r[at], r[at])
    body[0][at] = "NA"
    loaded = load(_write_csv(tmp_path / "iso2.csv", header, body))
    assert row(loaded, 2)["origin_iso3"] == "NAM"


# --- the generalised columns of the register's export (--generalised-columns) ----------------------------------


def _generalised_export(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    """A file as ``evidence register export-ctdc --generalised-columns`` writes it: the layout's 63 columns, then
    the band and UN M49 area columns."""
    from evidence.sources.register.ctdc_export import GENERALISED_COLUMNS, TERMS, _columns

    header = [*_columns(), *(c for cs in GENERALISED_COLUMNS.values() for c in cs)]
    lines = [";".join([TERMS, *header])]
    lines += [";".join(["", *(r.get(c, "") for c in header)]) for r in rows]
    path = tmp_path / "generalised.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_band_or_an_area_in_the_generalised_columns_is_read_onto_the_case_table(tmp_path: Path) -> None:
    """A row whose year is only in yearOfRegistrationBand and whose countries are only in their UN M49 area
    columns was rejected as "a note, not a victim" (only columns the layout does not read held text). They are
    read now: the band into ``year_band`` (``year`` null), the areas into the region and sub-region (the ISO3
    code null); a country or year of the layout's own columns stands where both are given."""
    path = _generalised_export(
        tmp_path,
        [
            {
                "yearOfRegistrationBand": "2016-2018",
                "citizenshipUNM49Subregion": "South-eastern Asia",
                "citizenshipUNM49Region": "Asia",
                "CountryOfExploitationUNM49Region": "Europe",
            },
            {"yearOfRegistration": "2019", "citizenship": "TH", "gender": "Female"},
        ],
    )
    loaded = load(path)
    assert loaded.rows_rejected == 0 and loaded.rows_kept == 2
    assert_accounting(loaded)
    first = loaded.data.row(0, named=True)
    assert first["year"] is None and first["year_band"] == "2016-2018"
    assert first["origin_iso3"] is None and first["origin_subregion"] == "South-eastern Asia"
    assert first["origin_region"] == "Asia"
    assert first["destination_region"] == "Europe" and first["destination_subregion"] is None
    second = loaded.data.row(1, named=True)
    assert second["year"] == 2019 and second["origin_iso3"] == "THA"
    assert not any("columns not used" in note and "Band" in note for note in loaded.provenance.notes)


def test_a_flag_ctdcs_other_layout_names_fills_its_case_table_column(
    ctdc_fixtures: Path, tmp_path: Path
) -> None:
    """A later Global Synthetic release adding flags the k-anonymised layout already names
    (``typeOfLabourIllicitActivities``, the sector forced criminality in scam compounds is recorded under;
    ``isForcedMarriage``) fills the case table's columns for them, as the k-anonymised file does: they were read
    for their group's denominator only and the columns stayed unknown on every record ("the flags themselves have
    no column in the case table", which they have)."""
    source = ctdc_fixtures / "synthetic_v2025.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    values = [",1,", ",,1", ",0,", *[",,"] * (len(lines) - 4)]
    path = tmp_path / "v2026.csv"
    path.write_text(
        "\n".join(
            [
                lines[0] + ",typeOfLabourIllicitActivities,isForcedMarriage",
                *(a + b for a, b in zip(lines[1:], values, strict=True)),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    published, loaded = load(source), load(path)
    assert (loaded.rows_in, loaded.rows_kept) == (published.rows_in, published.rows_in)
    # row 2: the sector recorded as illicit activities; row 3: forced marriage
    assert row(loaded, 2)["labour_illicit_activities"] is True
    assert row(loaded, 3)["exploitation_forced_marriage"] is True
    assert row(loaded, 3)["labour_illicit_activities"] is None  # no sector recorded: unknown, not 0
    # row 4 writes 0 and no sector 1 (unknown, codebook section 6); row 5 records construction: 0, not unknown
    assert row(loaded, 4)["labour_illicit_activities"] is None
    assert row(loaded, 5)["labour_illicit_activities"] is False
    # where the file records the exploitation group, forced marriage is 0 (codebook section 6), not unknown
    assert row(loaded, 2)["exploitation_forced_marriage"] is False
    notes = " ".join(loaded.provenance.notes)
    assert "typeOfLabourIllicitActivities (labour_illicit_activities)" in notes
    assert "isForcedMarriage (exploitation_forced_marriage)" in notes
    assert "columns not used" not in notes
    # the other columns as published, but the labour sectors row 2's new flag now records
    same = [c for c in published.data.columns if not c.startswith(("labour_", "exploitation_"))]
    assert loaded.data.select(same).equals(published.data.select(same))


def test_a_victim_perpetrator_file_with_a_flag_another_layout_names_fills_its_column(
    shared_data: Path, tmp_path: Path
) -> None:
    """The Victim-Perpetrator layout's next release adding ``isOtherExploit`` (the Global Synthetic layout's third
    form of exploitation): read onto ``exploitation_other``, not only into the group's denominator."""
    with (shared_data / "ctdc" / "vp_synthetic_condensed.csv").open(encoding="utf-8", newline="") as fh:
        records = list(csv.reader(fh))[:200]
    records[0].append("isOtherExploit")
    for i, record in enumerate(records[1:]):
        record.append("1" if i % 3 == 0 else "")
    path = tmp_path / "vp_next.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(records)
    loaded = load(path)
    assert loaded.rows_kept == 199
    other = loaded.data.sort("source_row").get_column("exploitation_other").to_list()
    assert other[0] is True and other[3] is True
    assert other.count(True) == len(range(0, 199, 3))


#: The Global Synthetic Dataset's first release (2021), as its codebook (version 2, February 2024, Appendix II)
#: names its columns: the k-anonymised layout's flag names, before the 2024 release merged or renamed the means of
#: control, with meansOfControlOther, typeOfLabourOther and typeOfSexOther, which 2024 no longer exports; one name
#: cut to the 32 characters a variable name may have in Stata, as published copies of the file write it.
SYNTHETIC_2021_COLUMNS = [
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "majorityStatusAtExploit",
    "traffickMonths",
    "citizenship",
    "CountryOfExploitation",
    "meansOfControlDebtBondage",
    "meansOfControlTakesEarnings",
    "meansOfControlThreats",
    "meansOfControlPsychologicalAbuse",
    "meansOfControlPhysicalAbuse",
    "meansOfControlSexualAbuse",
    "meansOfControlFalsePromises",
    "meansOfControlPsychoactiveSubstances",
    "meansOfControlRestrictsMovement",
    "meansOfControlRestrictsMedicalCare",
    "meansOfControlExcessiveWorkingHours",
    "meansOfControlThreatOfLawEnforce",
    "meansOfControlWithholdsNecessities",
    "meansOfControlWithholdsDocuments",
    "meansOfControlOther",
    *(c for c in ctdc.SYNTHETIC_COLUMNS if c.startswith(("is", "typeOfLabour"))),
    "typeOfLabourOther",
    *(c for c in ctdc.SYNTHETIC_COLUMNS if c.startswith("typeOfSex")),
    "typeOfSexOther",
    *(c for c in ctdc.SYNTHETIC_COLUMNS if c.startswith("recruiterRelation")),
]


def test_the_first_global_synthetic_release_loads_by_its_own_column_names(tmp_path: Path) -> None:
    """A researcher holding the 2021 Global Synthetic Dataset: its header has the six columns the layout is
    recognised by but the k-anonymised layout's names for the means of control, so it was refused as "a table
    derived from CTDC data, not a CTDC release". It loads as the Global Synthetic layout, release 2021, each flag
    onto the case table's column (several OR-ed, as the 2024 release merged them: debt bondage and taken earnings),
    no column said absent that the file records under its older name."""
    h = {c: i for i, c in enumerate(SYNTHETIC_2021_COLUMNS)}

    def record(year: str, gender: str, age: str, ones: list[str]) -> list[str]:
        cells = [""] * len(SYNTHETIC_2021_COLUMNS)
        cells[:7] = [year, gender, age, "Adult", "", "KHM", "THA"]
        for name in ones:
            cells[h[name]] = "1"
        return cells

    records = [
        record("2019", "Female", "18--20", ["meansOfControlTakesEarnings", "isSexualExploit"]),
        record(
            "2020",
            "Male",
            "30--38",
            ["meansOfControlThreatOfLawEnforce", "isForcedLabour", "typeOfLabourOther"],
        ),
        record("2020", "Male", "09--17", []),
    ]
    path = tmp_path / "global_synthetic_2021.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([SYNTHETIC_2021_COLUMNS, *records])
    loaded = load(path)
    assert (loaded.provenance.layout, loaded.provenance.release) == (ctdc.GLOBAL_SYNTHETIC, "2021")
    assert loaded.provenance.synthetic
    assert (loaded.rows_in, loaded.rows_kept) == (3, 3)
    first, second, third = (row(loaded, 2), row(loaded, 3), row(loaded, 4))
    assert first["means_debt_bondage_earnings"] is True and first["means_threats"] is False
    assert (
        second["means_threat_of_law_enforcement"] is True and second["means_debt_bondage_earnings"] is False
    )
    assert second["labour_other"] is True and second["labour_agriculture"] is False
    assert first["labour_other"] is None  # no sector recorded
    assert third["means_abuse"] is None and third["exploitation_sexual"] is None  # nothing recorded: unknown
    notes = " ".join(loaded.provenance.notes)
    assert "columns absent" not in notes
    assert "meansOfControlDebtBondage, meansOfControlTakesEarnings (means_debt_bondage_earnings)" in notes


# --- a year column of dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "year"), [("synthetic_v2024.csv", "yearOfRegistration"), ("vp_small.csv", "yearRegister")]
)
def test_a_workbook_whose_years_are_dates_shown_as_years_reads_as_the_csv(
    ctdc_fixtures: Path, tmp_path: Path, fixture: str, year: str
) -> None:
    """A workbook whose year column holds dates (1 January, shown "2019" by a year-only format: a column typed
    or exported as dates) is the same table, said once in a note: every record was rejected as "year is not a
    number" (the cell read as 2019-01-01 00:00:00). A band of years stays text; another day is a date, no year."""
    import datetime as dt

    from openpyxl import load_workbook

    from evidence.sources.workbook import years_from_dates_note

    workbook = tmp_path / "ctdc.xlsx"
    _write_workbook(workbook, ctdc_fixtures / fixture, ["Notes", "Data"])
    book = load_workbook(workbook)
    sheet = book["Data"]
    column = [c.value for c in sheet[1]].index(year) + 1
    dated = 0
    for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
        if (
            isinstance(cell.value, int) and cell.value < 2030
        ):  # (2030: a year out of range, rejected either way)
            cell.value, cell.number_format, dated = dt.datetime(cell.value, 1, 1), "yyyy", dated + 1
    book.save(workbook)
    loaded, published = load(workbook), load(ctdc_fixtures / fixture)
    assert loaded.data.equals(published.data)
    assert loaded.rejects.select("row", "reason").equals(published.rejects.select("row", "reason"))
    assert years_from_dates_note(year, dated) in loaded.provenance.notes
    sheet.cell(2, column).value = dt.datetime(2019, 6, 30)
    book.save(workbook)
    assert load(workbook).rejects.filter(pl.col("row") == 2)["value"].to_list() == ["2019-06-30 00:00:00"]
