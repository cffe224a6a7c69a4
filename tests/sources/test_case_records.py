"""An organisation's case records through a mapping file: canonical values, extras, rejects, mapping errors."""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
import tempfile
from pathlib import Path

import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from evidence.core.errors import InputError, UnknownFormatError
from evidence.sources import case_records
from evidence.sources.case_records import (
    EXTRA_COLUMNS,
    EXTRA_FLAGS,
    load_case_records,
    mapping_path,
    read_mapping,
)
from evidence.sources.case_schema import CASE_SCHEMA, FLAG_GROUPS
from evidence.sources.registry import detect, load

FIXTURE = "assisted_victims.csv"
HEADER = ["Year", "Sex", "Age", "Nationality", "Forced labour?"]
SMALL_MAPPING = {
    "columns": {
        "year": "Year",
        "gender": "Sex",
        "age_years": "Age",
        "origin": "Nationality",
        "flags": {"exploitation_forced_labour": "Forced labour?"},
    },
    "values": {"gender": {"F": "Female", "M": "Male"}},
}


@pytest.fixture(scope="module")
def fixture_dir(fixtures: Path) -> Path:
    return fixtures / "case_records"


@pytest.fixture(scope="module")
def loaded(fixture_dir: Path):
    return load_case_records(fixture_dir / FIXTURE)


@pytest.fixture
def workdir(tmp_path: Path, fixture_dir: Path) -> Path:
    """A copy of the fixture and its mapping, free to edit."""
    for name in (FIXTURE, FIXTURE + ".mapping.yaml"):
        shutil.copy(fixture_dir / name, tmp_path / name)
    return tmp_path


def row(table, line: int) -> dict:
    found = table.data.filter(pl.col("source_row") == line)
    assert found.height == 1, f"no kept row from line {line}"
    return found.row(0, named=True)


def write_csv(path: Path, header: list[str], rows: list[list[str]], mapping: dict | None = None) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    if mapping is not None:
        mapping_path(path).write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
    return path


def assert_accounting(table) -> None:
    assert table.rows_in == table.rows_kept + table.rows_rejected
    assert not set(table.data["source_row"]) & set(table.rejects["row"])


# --- the fixture ---------------------------------------------------------------------------------------------


def test_fixture_loads_every_row_with_provenance(loaded) -> None:
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (21, 21, 0)
    assert loaded.data["source_row"].to_list() == list(range(2, 23))
    p = loaded.provenance
    assert (p.source, p.layout, p.release, p.synthetic, p.demo) == (
        "case_records",
        "mapped",
        "2024-12-31",
        True,
        False,
    )
    assert p.url.startswith("https://example.org/") and "fictional" in p.title
    # no sidecar says when the file was obtained: the citation gives no access date (not the load date)
    assert "Accessed" not in loaded.summary()["citation"] and "<date>" not in loaded.summary()["citation"]
    assert any(n.startswith("mapping: ") and n.endswith(")") and "sha256" in n for n in p.notes)


def test_canonical_columns_come_first_then_the_documented_extras(loaded) -> None:
    schema = loaded.data.schema
    assert list(schema)[: len(CASE_SCHEMA)] == list(CASE_SCHEMA)
    assert all(schema[c] == t for c, t in CASE_SCHEMA.items())
    extras = list(schema)[len(CASE_SCHEMA) :]
    assert extras == [
        *EXTRA_COLUMNS,
        "assistance_shelter",
        "assistance_medical",
        "assistance_return_reintegration",
    ]
    assert all(schema[c] == pl.Boolean for c in extras if c not in ("transit_iso3", "referral_source"))


def test_fixture_rows_decode_to_canonical_values(loaded) -> None:
    first = row(loaded, 2)  # MSS-0001: a Myanmar fisherman, 34, referred by the police
    assert (
        first["year"],
        first["year_band"],
        first["gender"],
        first["age_band"],
        first["majority_status"],
    ) == (
        2016,
        "2016",
        "Male",
        "30-38",
        "Adult",
    )
    assert (first["origin_iso3"], first["destination_iso3"], first["data_source_type"]) == (
        "MMR",
        "THA",
        "Case management",
    )
    assert (first["origin_subregion"], first["destination_region"]) == ("South-eastern Asia", "Asia")
    assert first["referral_source"] == "Police" and first["transit_iso3"] is None
    assert (first["exploitation_forced_labour"], first["exploitation_sexual"]) == (True, False)
    # fishing is not in the CTDC codebook: its own column, and "other" sector for analyses that know only CTDC's
    assert (first["labour_fishing"], first["labour_other"], first["labour_domestic_work"]) == (
        True,
        True,
        False,
    )
    assert (first["assistance_shelter"], first["assistance_medical"]) == (True, True)

    assert (row(loaded, 3)["age_band"], row(loaded, 3)["majority_status"]) == ("9-17", "Minor")  # 17
    assert row(loaded, 3)["origin_iso3"] == "MMR"  # "Burmese", a demonym
    assert row(loaded, 4)["origin_iso3"] == "KHM"  # "Cambodian"
    assert row(loaded, 9)["age_band"] == "0-8"  # 8 years
    unknown_sex = row(loaded, 17)  # sex "U" is mapped to null; age left empty
    assert (unknown_sex["gender"], unknown_sex["age_band"], unknown_sex["majority_status"]) == (
        None,
        None,
        None,
    )
    assert row(loaded, 22)["origin_iso3"] is None  # "Unknown" nationality


def test_forced_criminality_is_other_exploitation_and_kept_in_its_own_column(loaded) -> None:
    scam = row(loaded, 18)  # MSS-0017: Viet Nam -> Myanmar compound through Lao PDR and Thailand
    assert (scam["origin_iso3"], scam["destination_iso3"], scam["transit_iso3"]) == ("VNM", "MMR", "LAO;THA")
    assert (
        scam["exploitation_forced_criminality"],
        scam["exploitation_other"],
        scam["exploitation_sexual"],
    ) == (
        True,
        True,
        True,
    )
    assert scam["exploitation_forced_labour"] is False
    criminality = loaded.data.filter(pl.col("exploitation_forced_criminality"))
    assert criminality.height == 5 and criminality["exploitation_other"].all()


def test_denominator_rule_holds_for_every_group_including_extras(loaded) -> None:
    groups = {name: list(cols) for name, cols in FLAG_GROUPS.items()}
    for flag, (group, _) in EXTRA_FLAGS.items():
        groups[group].append(flag)
    groups["assistance"] = [c for c in loaded.data.columns if c.startswith("assistance_")]
    checked = set()
    for group, flags in groups.items():
        # flags the mapping names; the file records no others ("other", set by forced criminality and fishing, is
        # true where they are and not recorded elsewhere: below)
        present = [
            c
            for c in flags
            if c in loaded.data.columns and loaded.data[c].null_count() < 21 and c not in OTHERS_SET_BY_EXTRAS
        ]
        if not present:
            continue
        checked.add(group)
        nulls = loaded.data.select(pl.sum_horizontal(pl.col(c).is_null() for c in present)).to_series()
        trues = loaded.data.select(pl.sum_horizontal(pl.col(c).fill_null(False) for c in present)).to_series()
        # every kind of assistance answered "no" is an answer: known, no assistance of these kinds
        if group == "assistance":
            assert ((nulls == len(present)) | (nulls == 0)).all(), group
            continue
        # a record is unknown for the whole group, or known with at least one true flag
        assert ((nulls == len(present)) | ((nulls == 0) & (trues >= 1))).all(), group
    assert checked == {"exploitation", "labour_sector", "means_of_control", "assistance"}
    # flags the records do not have stay null (not recorded), never false
    assert loaded.data["means_threats"].null_count() == loaded.data["labour_agriculture"].null_count() == 21
    # "other" forms and sectors are not mapped: true where forced criminality or fishing is, else not recorded
    # (they were false on every other record whose group is known: "no other form" the records never asked)
    for extra, other in (
        ("exploitation_forced_criminality", "exploitation_other"),
        ("labour_fishing", "labour_other"),
    ):
        assert loaded.data.filter(pl.col(extra))[other].all()
        assert loaded.data.filter(~pl.col(extra).fill_null(False))[other].null_count() == (
            loaded.data.filter(~pl.col(extra).fill_null(False)).height
        )
    unknown_forms = row(loaded, 9)  # every form of MSS-0008 left empty
    assert all(unknown_forms[c] is None for c in FLAG_GROUPS["exploitation"])
    assert unknown_forms["exploitation_forced_criminality"] is None


OTHERS_SET_BY_EXTRAS = {other for _, other in EXTRA_FLAGS.values()}


def test_every_assistance_kind_answered_no_is_no_assistance_not_unknown(loaded, tmp_path: Path) -> None:
    """An explicit "N" to every kind of assistance is an answer (no assistance of these kinds), not "unknown":
    it was null, so the share of people given shelter left out those given none. Every kind left empty is
    unknown; a "no" beside empty cells makes the empty ones "no" (the group is answered, as CTDC's rule makes a
    recorded group's empty flags 0). CTDC's own groups keep the codebook's rule (all "no" is not recorded)."""
    kinds = ["assistance_shelter", "assistance_medical", "assistance_return_reintegration"]
    none_given = row(loaded, 7)  # MSS-0006: N, N, N
    assert [none_given[k] for k in kinds] == [False, False, False]
    assert [row(loaded, 16)[k] for k in kinds] == [False, False, False]  # MSS-0015: N, N, N
    # CTDC's groups: MSS-0009 answered "N" to both means of control mapped: not recorded (codebook section 6)
    assert (row(loaded, 10)["means_debt_bondage_earnings"], row(loaded, 10)["means_withhold_documents"]) == (
        None,
        None,
    )
    header = ["Year", "Sex", "Shelter", "Medical care"]
    mapping = {
        "columns": {
            "year": "Year",
            "gender": "Sex",
            "assistance": {"shelter": "Shelter", "medical": "Medical care"},
        },
        "values": {"gender": {"F": "Female", "M": "Male"}},
    }
    path = write_csv(
        tmp_path / "assist.csv",
        header,
        [
            ["2020", "F", "N", "N"],  # 2: none given
            ["2020", "F", "", ""],  # 3: not recorded
            ["2020", "M", "N", ""],  # 4: answered: the empty kind is not given
            ["2020", "M", "Y", ""],  # 5: as before
            # 6: answered (medical "no"); the "Unknown" shelter is then "no", as CTDC's -99 in a recorded group
            ["2020", "M", "Unknown", "N"],
        ],
        mapping,
    )
    table = load_case_records(path)
    assert_accounting(table)
    got = {
        r["source_row"]: (r["assistance_shelter"], r["assistance_medical"])
        for r in table.data.iter_rows(named=True)
    }
    assert got == {2: (False, False), 3: (None, None), 4: (False, False), 5: (True, False), 6: (False, False)}


def test_identifiers_and_exact_ages_never_leave_the_loader(loaded) -> None:
    text = loaded.data.cast({c: pl.String for c in loaded.data.columns}).write_csv()
    assert "MSS-" not in text
    # ages are only bands: the one numeric columns are the line number and the year
    assert {c for c, t in loaded.data.schema.items() if t.is_numeric()} == {"source_row", "year"}


def test_route_analysis_accepts_the_table(loaded) -> None:
    from evidence.analyses.routes import flows
    from evidence.analyses.selection import Selection

    into_thailand = flows(Selection(loaded, country="THA", role="destination"))
    assert dict(zip(into_thailand["origin_iso3"], into_thailand["victims"], strict=True)) == {
        "MMR": 8,
        "KHM": 4,
        "LAO": 3,
    }
    assert set(into_thailand["destination_iso3"]) == {"THA"}


# --- registry, CLI, cache ------------------------------------------------------------------------------------


def test_registry_finds_the_file_through_its_mapping_sidecar(fixture_dir: Path, tmp_path: Path) -> None:
    loader, layout = detect(fixture_dir / FIXTURE)
    assert (loader.source, layout) == ("case_records", "mapped")
    via_registry = load(fixture_dir / FIXTURE)
    assert via_registry.summary()["source"] == "case_records" and via_registry.rows_kept == 21
    lonely = shutil.copy(fixture_dir / FIXTURE, tmp_path / "no_mapping.csv")
    with pytest.raises(UnknownFormatError):
        detect(lonely)
    with pytest.raises(InputError, match=r"no mapping file no_mapping\.csv\.mapping\.yaml"):
        load_case_records(lonely)


def test_explicit_mapping_file_and_provenance_sidecar(fixture_dir: Path, tmp_path: Path) -> None:
    data = shutil.copy(fixture_dir / FIXTURE, tmp_path / "export.csv")
    (tmp_path / "export.csv.provenance.json").write_text(json.dumps({"release": "2025-01-15"}))
    table = load_case_records(data, mapping=fixture_dir / (FIXTURE + ".mapping.yaml"))
    assert table.rows_kept == 21 and table.provenance.release == "2025-01-15"


def test_cli_data_load_json_and_parquet_keep_the_extras(fixture_dir: Path, tmp_path: Path) -> None:
    from evidence.cli.main import app
    from evidence.sources.store import read_parquet

    out = tmp_path / "cases.parquet"
    result = CliRunner().invoke(
        app, ["data", "load", str(fixture_dir / FIXTURE), "--json", "--out", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["source"], summary["layout"], summary["rows_in"], summary["rows_kept"]) == (
        "case_records",
        "mapped",
        21,
        21,
    )
    assert summary["synthetic"] is True
    back = read_parquet(out)
    assert back.data.columns[-1] == "assistance_return_reintegration"
    assert back.data["labour_fishing"].sum() == 9


def test_cli_validate_reports_rejected_rows(workdir: Path) -> None:
    from evidence.cli.main import app

    with open(workdir / FIXTURE, "a", encoding="utf-8") as fh:
        fh.write("MSS-0022,2024,Q,30,Myanmar,Thailand,,POL,Y,N,N,Y,N,N,N,Y,Y,N\n")
    result = CliRunner().invoke(app, ["data", "validate", str(workdir / FIXTURE)], catch_exceptions=False)
    assert result.exit_code == 1
    assert "unknown gender code" in result.stdout and "1 of 22 rows rejected" in result.stdout


def test_cache_key_changes_when_the_mapping_is_edited(workdir: Path, tmp_path: Path, monkeypatch) -> None:
    from evidence.sources.cache import cache_key

    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    before = cache_key(workdir / FIXTURE)
    sidecar = mapping_path(workdir / FIXTURE)
    sidecar.write_text(sidecar.read_text().replace("SELF: Self-referral", "SELF: Self"))
    assert cache_key(workdir / FIXTURE) != before


# --- rejects and flags ---------------------------------------------------------------------------------------


def test_bad_rows_are_rejected_with_their_line_column_and_reason(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "cases.csv",
        HEADER,
        [
            ["2019", "F", "25", "Myanmar", "Yes"],  # line 2: good
            ["20x9", "F", "25", "Myanmar", "Yes"],  # 3: year not a number
            ["1985", "M", "25", "Myanmar", "Yes"],  # 4: year out of range
            ["2019", "Q", "25", "Myanmar", "Yes"],  # 5: unknown gender code
            ["2019", "M", "abc", "Myanmar", "Yes"],  # 6: age not a number
            ["2019", "M", "130", "Myanmar", "Yes"],  # 7: age out of range
            ["2019", "M", "30", "Atlantis", "Yes"],  # 8: unknown country
            ["2019", "M", "30", "Cambodia", "maybe"],  # 9: unknown yes/no code
            ["2019", "M", "30"],  # 10: truncated
            ["2019", "M", "30", "Cambodia", "Yes", "extra"],  # 11: too many fields
            ["2021", "m", "16.5", " lao pdr ", "no"],  # 12: good (case, spaces and decimals tolerated)
        ],
        SMALL_MAPPING,
    )
    table = load_case_records(path)
    assert_accounting(table)
    assert table.data["source_row"].to_list() == [2, 12]
    reasons = {r["row"]: (r["column"], r["value"], r["reason"]) for r in table.rejects.iter_rows(named=True)}
    assert reasons[3] == ("Year", "20x9", "year is not a number")
    assert reasons[4][2].startswith("year out of range 1990-")
    assert reasons[5] == (
        "Sex",
        "Q",
        "unknown gender code (not in the mapping's values.gender; one meaning 'not recorded' belongs under missing)",
    )
    assert reasons[6] == (
        "Age",
        "abc",
        "age is not a number of years (a word meaning 'not recorded' belongs under missing)",
    )
    assert reasons[7] == ("Age", "130", "age out of range 0-120")
    assert reasons[8][:2] == ("Nationality", "Atlantis") and "unknown country" in reasons[8][2]
    assert reasons[9][:2] == ("Forced labour?", "maybe") and "yes/no" in reasons[9][2]
    # review 17: the column named is the first the row holds no field for (it named none)
    assert reasons[10] == (
        "Nationality",
        "3 fields",
        "truncated row (fewer fields than the header's 5: none from this column on)",
    )
    assert reasons[11][2] == "too many fields (more than the header's 5)"
    last = row(table, 12)
    assert (last["gender"], last["age_band"], last["majority_status"], last["origin_iso3"]) == (
        "Male",
        "9-17",
        "Minor",
        "LAO",
    )
    assert last["exploitation_forced_labour"] is None  # "no" to the only form mapped: unknown under the rule
    assert table.summary()["reject_reasons"]["year is not a number"] == 1


def test_impossible_or_foreign_dates_are_rejected_naming_row_column_and_value(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "cases.csv",
        HEADER,
        [
            ["2020-02-29", "F", "25", "Myanmar", "Yes"],  # line 2: a real date (leap year)
            ["2020-13-45", "F", "25", "Myanmar", "Yes"],  # 3: no month 13
            ["2020-02-31", "F", "25", "Myanmar", "Yes"],  # 4: no 31 February
            ["31/02/2020", "F", "25", "Myanmar", "Yes"],  # 5: not YYYY-MM-DD
            ["2021-02-29 10:00", "F", "25", "Myanmar", "Yes"],  # 6: 2021 is no leap year
            ["2021-03-01 10:61", "F", "25", "Myanmar", "Yes"],  # 7: no minute 61
            ["2021-03-01T10:30:00", "F", "25", "Myanmar", "Yes"],  # 8: good
        ],
        SMALL_MAPPING,
    )
    table = load_case_records(path)
    assert_accounting(table)
    assert table.data["source_row"].to_list() == [2, 8]
    assert table.data["year"].to_list() == [2020, 2021]
    reasons = {r["row"]: (r["column"], r["value"], r["reason"]) for r in table.rejects.iter_rows(named=True)}
    assert set(reasons) == {3, 4, 5, 6, 7}
    for line, value in {3: "2020-13-45", 4: "2020-02-31", 5: "31/02/2020", 6: "2021-02-29 10:00"}.items():
        column, shown, reason = reasons[line]
        assert (column, shown) == ("Year", value)
        assert repr(value) in reason, reason  # the reason itself shows the value
    assert reasons[3][2].startswith("impossible date") and "month" in reasons[3][2]
    assert reasons[4][2].startswith("impossible date") and "day" in reasons[4][2]
    assert "YYYY-MM-DD" in reasons[5][2]


def test_dates_as_exports_write_them_give_their_year_and_a_serial_number_is_named(tmp_path: Path) -> None:
    """A day/month/year export (most locales' spreadsheets and case-management systems) had every row rejected
    as "not YYYY-MM-DD", though its year is the same read day/month or month/day; an Excel date saved as its
    serial number was "year is not a number". Two-digit years stay refused (which century?)."""
    cells = {
        2: ("03/05/2019", 2019),
        3: ("12/31/2020", 2020),  # month/day/year
        4: ("31.12.2021 23:59", 2021),
        5: ("2018/07/01", 2018),
        6: ("3 May 2019", 2019),
        7: ("03-May-2019", 2019),
        8: ("May 3, 2019", 2019),
        9: ("13/13/2020", None),  # no month 13 either way
        10: ("03/05/19", None),
        11: ("43588", None),
    }
    path = write_csv(
        tmp_path / "cases.csv",
        HEADER,
        [[value, "F", "25", "Myanmar", "Yes"] for value, _ in cells.values()],
        SMALL_MAPPING,
    )
    table = load_case_records(path)
    assert_accounting(table)
    assert dict(zip(table.data["source_row"], table.data["year"], strict=True)) == {
        line: year for line, (_, year) in cells.items() if year
    }
    reasons = dict(zip(table.rejects["row"], table.rejects["reason"], strict=True))
    assert reasons[9].startswith("impossible date '13/13/2020'") and "month/day/year" in reasons[9]
    assert "four-digit year" in reasons[10]
    assert "Excel date saved as its serial number" in reasons[11]


def test_numeric_codes_saved_as_floats_read_as_their_codes(tmp_path: Path) -> None:
    """A numeric code column that holds an empty cell is saved as floats (pandas, a spreadsheet's number
    format): ``1.0`` for the mapping's ``1``. Every row was rejected as an unknown code."""
    mapping = {
        **SMALL_MAPPING,
        "values": {"gender": {"1": "Female", "2": "Male"}, "yes_no": {"1": True, "0": False}},
    }
    rows = [
        ["2019", "1.0", "25", "Myanmar", "1.0"],
        ["2019", "2", "30", "Myanmar", "0.0"],
        ["2019", "", "", "", ""],
    ]
    table = load_case_records(write_csv(tmp_path / "cases.csv", HEADER, rows, mapping))
    assert (table.rows_kept, table.rows_rejected) == (3, 0)
    assert table.data["gender"].to_list() == ["Female", "Male", None]
    # "0.0" read as no (else rejected): the only form mapped said no is unknown under the denominator rule
    assert table.data["exploitation_forced_labour"].to_list() == [True, None, None]
    bad = write_csv(tmp_path / "bad.csv", HEADER, [["2019", "1.5", "25", "Myanmar", "1"]], mapping)
    assert load_case_records(bad).rejects["value"].to_list() == ["1.5"]


def test_unmapped_countries_can_be_kept_as_unknown_and_flagged(tmp_path: Path) -> None:
    rows = [["2019", "F", "25", "Atlantis", "Yes"], ["2019", "F", "25", "Myanmar", "Yes"]]
    path = write_csv(tmp_path / "cases.csv", HEADER, rows, {**SMALL_MAPPING, "unmapped_countries": "flag"})
    table = load_case_records(path)
    assert (table.rows_kept, table.rows_rejected) == (2, 0)
    assert table.data["origin_iso3"].to_list() == [None, "MMR"]
    flag = table.flags.row(0, named=True)
    assert (flag["row"], flag["column"], flag["value"]) == (2, "Nationality", "Atlantis")
    assert any("kept as unknown" in n for n in table.provenance.notes)


@pytest.mark.parametrize(
    ("coding", "cells", "expected"),
    [
        ("iso2", ["MM", "kh", "Myanmar"], ["MMR", "KHM", None]),
        ("iso3", ["MMR", "lao", "MM"], ["MMR", "LAO", None]),
        ("names", ["Burma", "Lao People's Democratic Republic", "Myanmar (Burma)"], ["MMR", "LAO", "MMR"]),
        # codes ISO withdrew: read as their one successor; a state that split is not guessed
        ("iso2", ["BU", "YU", "tp"], ["MMR", None, "TLS"]),
        ("iso3", ["BUR", "YUG", "ZAR"], ["MMR", None, "COD"]),
    ],
)
def test_country_codings_and_spellings_given_in_the_mapping(tmp_path, coding, cells, expected) -> None:
    mapping = {**SMALL_MAPPING, "countries": coding, "values": {"countries": {"Myanmar (Burma)": "MMR"}}}
    rows = [["2019", "Female", "25", cell, "Y"] for cell in cells]
    table = load_case_records(write_csv(tmp_path / "cases.csv", HEADER, rows), mapping=mapping)
    assert_accounting(table)
    kept = dict(zip(table.data["source_row"], table.data["origin_iso3"], strict=True))
    assert [kept.get(line) for line in (2, 3, 4)] == expected
    assert table.rows_rejected == expected.count(None)
    if cells[1] in ("YU", "YUG"):
        assert "names no one current country" in table.rejects["reason"][0]


def test_duplicate_case_ids_and_disagreeing_majority_status_are_flagged(tmp_path: Path) -> None:
    header = ["ID", "Year", "Child?", "Age"]
    rows = [["A1", "2019", "Adult", "30"], ["A2", "2019", "Minor", "30"], ["A1", "2020", "Adult", "31"]]
    mapping = {
        "columns": {"case_id": "ID", "year": "Year", "majority_status": "Child?", "age_years": "Age"},
    }
    table = load_case_records(write_csv(tmp_path / "cases.csv", header, rows), mapping=mapping)
    assert table.rows_kept == 3  # flagged rows are kept
    flags = {(r["row"], r["value"], r["reason"]) for r in table.flags.iter_rows(named=True)}
    shared = "shared by 2 rows: 2, 4"
    assert {(2, shared, "duplicate case id"), (4, shared, "duplicate case id")} <= flags
    assert (3, "Minor", "majority status disagrees with the age; the file's status kept") in flags
    assert not any("A1" in str(value) for value in table.flags["value"])
    assert table.summary()["flag_reasons"]["duplicate case id"] == 2
    assert row(table, 3)["majority_status"] == "Minor"


def test_blank_lines_quoted_line_breaks_title_lines_and_another_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(
        "Case export, Mekong Survivor Support Foundation\r\n"
        "Year;Sex;Notes\r\n"
        '2019;F;"two\r\nlines"\r\n'
        "\r\n"
        "2020;M;plain\r\n",
        encoding="utf-8",
    )
    mapping = {
        "header_row": 2,
        "columns": {"year": "Year", "gender": "Sex"},
        "values": {"gender": {"F": "Female"}},
    }
    mapping["values"]["gender"]["M"] = "Male"
    table = load_case_records(path, mapping=mapping)
    assert table.data["source_row"].to_list() == [3, 6]
    assert table.data["gender"].to_list() == ["Female", "Male"]
    assert any("blank line" in n and "5" in n for n in table.provenance.notes)


def test_workbook_with_title_rows_and_a_named_sheet(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Cases"
    sheet.append(["Assisted victims, 2019-2022"])
    sheet.append([])
    sheet.append(HEADER)
    sheet.append([2019, "F", 25, "Cambodia", 1])
    sheet.append([None] * 5)
    sheet.append([2021.0, "M", 17.5, "Myanmar", "Yes"])
    sheet.append(["20x1", "M", 40, "Myanmar", 1])
    book.create_sheet("Notes")
    path = tmp_path / "cases.xlsx"
    book.save(path)
    with pytest.raises(InputError, match="2 sheets.*sheet: in the mapping"):
        load_case_records(path, mapping=SMALL_MAPPING)
    table = load_case_records(path, mapping={**SMALL_MAPPING, "sheet": "Cases", "header_row": 3})
    assert_accounting(table)
    assert table.data["source_row"].to_list() == [4, 6]  # the sheet's own row numbers
    assert table.data["year"].to_list() == [2019, 2021]
    assert table.data["age_band"].to_list() == ["24-26", "9-17"]
    assert table.rejects["row"].to_list() == [7]


def test_a_row_of_delimiters_is_no_case_in_a_csv_as_in_its_workbook(tmp_path: Path) -> None:
    """A cleared spreadsheet row saved as CSV (``,,,,``), among the records or below them, was kept as a case
    with every field unknown (counted among the victims), while the workbook dropped its empty rows saying only
    how many. Both now leave it out, counted (rows_left_out) and named by line or row; a row with text only in
    a column the mapping does not name stays a record."""
    import openpyxl

    rows = [["2019", "F", "25", "Cambodia", "1"], [""] * 5, ["2020", "M", "30", "Myanmar", ""], [""] * 3]
    path = write_csv(tmp_path / "cases.csv", [*HEADER, "Notes"], [[*r, ""] for r in rows[:3]] + [rows[3]])
    with path.open("a", encoding="utf-8") as fh:
        fh.write(",,,,,see file\n")  # text only in a column the mapping does not name: a record
    table = load_case_records(path, mapping=SMALL_MAPPING)
    assert_accounting(table)
    assert (table.rows_in, table.rows_kept, table.rows_left_out) == (3, 3, 2)
    assert table.data["source_row"].to_list() == [2, 4, 6]
    assert (
        "2 empty row(s) ignored (no record: every field empty, a row of delimiters only): line 3, 5"
        in table.provenance.notes
    )
    book = openpyxl.Workbook()
    for record in [HEADER, *rows[:3]]:
        book.active.append([cell or None for cell in record])
    book.save(tmp_path / "cases.xlsx")
    from_book = load_case_records(tmp_path / "cases.xlsx", mapping=SMALL_MAPPING)
    assert (from_book.rows_in, from_book.rows_left_out) == (2, 1)
    assert "1 empty sheet row(s) ignored (no record: every cell empty): row 3" in from_book.provenance.notes


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from([("2019", True), ("2023.0", True), ("", True), ("19x9", False), ("1900", False)]),
            st.sampled_from([("F", True), ("male", True), ("", True), ("Q", False)]),
            st.sampled_from([("25", True), ("", True), ("0", True), ("-3", False), ("200", False)]),
            st.sampled_from([("Cambodia", True), ("LA", True), ("Unknown", True), ("Atlantis", False)]),
            st.sampled_from([("Y", True), ("", True), ("N", True), ("perhaps", False)]),
            st.booleans(),  # truncate the row
        ),
        min_size=1,
        max_size=25,
    )
)
def test_rows_in_is_always_kept_plus_rejected(records) -> None:
    rows, good_lines = [], []
    for line, (*cells, truncate) in enumerate(records, start=2):
        values = [value for value, _ in cells]
        rows.append(values[:3] if truncate else values)
        if not truncate and all(ok for _, ok in cells):
            good_lines.append(line)
    with tempfile.TemporaryDirectory() as folder:
        table = load_case_records(write_csv(Path(folder) / "cases.csv", HEADER, rows), mapping=SMALL_MAPPING)
    assert table.rows_in == len(records) == table.rows_kept + table.rows_rejected
    assert table.data["source_row"].to_list() == good_lines


# --- mapping errors ------------------------------------------------------------------------------------------


def test_a_mapped_column_missing_from_the_data_names_mapping_key_and_column(workdir: Path) -> None:
    sidecar = mapping_path(workdir / FIXTURE)
    sidecar.write_text(sidecar.read_text().replace('gender: "Sex"', 'gender: "Gender"'))
    with pytest.raises(InputError) as info:
        load(workdir / FIXTURE)
    message = str(info.value)
    assert str(sidecar) in message and "columns.gender" in message and "'Gender'" in message
    assert "'Sex'" in message  # the data's columns are listed
    line = next(i for i, t in enumerate(sidecar.read_text().splitlines(), start=1) if '"Gender"' in t)
    assert f"line {line}: " in message


def test_unknown_field_gets_its_line_and_a_suggestion(workdir: Path) -> None:
    sidecar = mapping_path(workdir / FIXTURE)
    text = sidecar.read_text().replace("  gender:", "  gendre:")
    sidecar.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), start=1) if "gendre" in t)
    with pytest.raises(
        InputError, match=rf"line {line}: columns\.gendre: unknown field \(did you mean 'gender'\?\)"
    ):
        load_case_records(workdir / FIXTURE)


def test_malformed_yaml_names_its_line(workdir: Path) -> None:
    sidecar = mapping_path(workdir / FIXTURE)
    lines = sidecar.read_text().splitlines()
    lines[20] = "  year: [unclosed"
    sidecar.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"line \d+: not valid YAML") as info:
        load_case_records(workdir / FIXTURE)
    assert str(sidecar) in str(info.value)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"colums": {"year": "Year"}}, r"colums: unknown key \(did you mean 'columns'\?\)"),
        ({"columns": {"flags": {"labour_fishery": "F"}}}, r"did you mean 'labour_fishing'"),
        (
            {"columns": {"year": "Year"}, "values": {"gender": {"F": "Femme"}}},
            r"maps to 'Femme', which is not",
        ),
        ({"columns": {"year": "Year"}, "countries": "iso4"}, r"'iso4' is not one of names, iso2, iso3"),
        ({"columns": {"age_years": "A", "age_band": "B"}}, r"age_years or age_band, not both"),
        (
            {"columns": {"year": "Year"}, "values": {"countries": {"Burma": "BUR"}}},
            r"'BUR' is not an ISO3 code",
        ),
        ({"columns": {}}, r"names no column"),
        ({"columns": {"gender": "Sex"}, "fixed": {"gender": "Female"}}, r"also under columns"),
        ({"columns": {"year": "Year"}, "synthetic": "yes"}, r"synthetic: expected true or false"),
        ({"columns": {"gender": "Sex"}, "values": {"gender": {"F": "Female", "f": "Male"}}}, r"mapped twice"),
    ],
)
def test_invalid_mappings_get_one_clear_error(mapping, message) -> None:
    with pytest.raises(InputError, match=message):
        read_mapping(mapping)


def test_yaml_codes_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "columns: {referral_source: Ref}\nvalues:\n  referral_source: {No: Norway desk, 01: Police}\n"
    )
    assert read_mapping(path).values["referral_source"] == {"no": "Norway desk", "01": "Police"}


def test_loader_is_registered() -> None:
    from evidence.sources.registry import loaders

    assert loaders()["case_records"] is case_records.LOADER


def test_the_documented_example_loads(tmp_path: Path, fixtures: Path) -> None:
    import re

    doc = (fixtures.parents[1] / "docs" / "case-records.md").read_text(encoding="utf-8")
    example_csv = re.search(r"```csv\n(.*?)```", doc, re.DOTALL).group(1)
    example_yaml = re.search(r"```yaml\n(.*?)```", doc, re.DOTALL).group(1)
    data = tmp_path / "cases_2016_2024.csv"
    data.write_text(example_csv, encoding="utf-8")
    mapping_path(data).write_text(example_yaml, encoding="utf-8")
    table = load(data)
    assert (table.provenance.source, table.rows_in, table.rows_kept) == ("case_records", 2, 2)
    assert table.data["transit_iso3"].to_list() == [None, "LAO;THA"]


def test_a_mapping_wins_over_a_layout_another_loader_also_reads(tmp_path):
    """A CTDC-layout file with a mapping beside it is read through the mapping, whatever was imported first."""
    import evidence.sources.ctdc  # noqa: F401  (imported first on purpose)
    from evidence.sources.demo import write_demo
    from evidence.sources.registry import detect

    data = write_demo(tmp_path / "ctdc_like.csv", n_rows=50)
    assert detect(data)[0].source == "ctdc"
    (tmp_path / "ctdc_like.csv.mapping.yaml").write_text(
        "columns:\n  year: yearOfRegistration\n  origin: citizenship\n  destination: CountryOfExploitation\n"
        "countries: iso3\n",
        encoding="utf-8",
    )
    assert detect(data)[0].source == "case_records"


def test_a_row_with_text_only_beyond_the_header_is_rejected_not_left_out(tmp_path: Path) -> None:
    """A row whose cells under the header are empty but that holds text in a field beyond the header's last
    (``,,,,,see file``) is a row with too many fields, rejected as such: it was left out as holding nothing (its
    extra cells were cut off before the row was looked at), its text lost without a word."""
    rows = [["2019", "F", "25", "Cambodia", "1"], ["", "", "", "", "", "see file"]]
    path = write_csv(tmp_path / "cases.csv", HEADER, rows)
    table = load_case_records(path, mapping=SMALL_MAPPING)
    assert_accounting(table)
    assert (table.rows_in, table.rows_kept, table.rows_left_out) == (2, 1, 0)
    assert table.rejects.filter(pl.col("row") == 3)["reason"].str.starts_with("too many fields").any()


def test_a_date_with_a_time_as_exports_write_it_gives_its_year(tmp_path: Path) -> None:
    """The docs say a time may follow a date, but only a two-digit hour without a zone was read: Excel's CSV of
    a date-time column (``5/3/2019 0:00``), a 12-hour clock (``10:00 AM``) and a system's ISO timestamp with its
    zone (``2019-05-03T10:00:00Z``) rejected every row (``Invalid isoformat string``)."""
    good = ["5/3/2019 0:00", "03/05/2019 10:00 AM", "2019-05-03T10:00:00Z", "2019-05-03 10:00:00+07:00"]
    good += ["2019-05-03T10:00:00.000+0700", "2019/05/03 9:05", "2019-05-03 10:00:00 UTC"]
    bad = ["2019-05-03 13:00 PM", "2019-05-03 24:00", "2019-05-03 10:00 tomorrow"]
    path = write_csv(
        tmp_path / "cases.csv",
        HEADER,
        [[v, "F", "25", "Myanmar", "Yes"] for v in [*good, *bad]],
        SMALL_MAPPING,
    )
    table = load_case_records(path)
    assert_accounting(table)
    assert table.data["year"].to_list() == [2019] * len(good)
    reasons = dict(zip(table.rejects["value"].to_list(), table.rejects["reason"].to_list(), strict=True))
    assert set(reasons) == set(bad)
    assert all(reason.startswith("impossible date") for reason in reasons.values()), reasons


def _export_with_title_lines(workdir: Path, titles: int, as_workbook: bool) -> Path:
    """The fixture export with ``titles`` title lines above its header, as CSV or as a workbook, its mapping
    beside it."""
    import openpyxl

    rows = list(csv.reader((workdir / FIXTURE).open(encoding="utf-8", newline="")))
    above = [["Case export, Mekong Survivor Support Foundation"], ["Exported 2025-01-31"]][:titles]
    if not as_workbook:
        with (workdir / FIXTURE).open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([*above, *rows])
        return workdir / FIXTURE
    book = openpyxl.Workbook()
    for row in [*above, *rows]:
        book.active.append(row)
    path = workdir / "assisted_victims.xlsx"
    book.save(path)
    shutil.copy(workdir / (FIXTURE + ".mapping.yaml"), workdir / (path.name + ".mapping.yaml"))
    return path


@pytest.mark.parametrize("as_workbook", [False, True], ids=["csv", "xlsx"])
@pytest.mark.parametrize(("titles", "header_row"), [(1, 1), (2, 1), (0, 2)])
def test_a_header_on_another_row_than_the_mappings_names_the_row_to_set(
    workdir: Path, as_workbook: bool, titles: int, header_row: int
) -> None:
    """The next export gains a title line above its header (or loses the one the mapping skips): the file was
    refused saying the mapping named columns it does not have, listing the title as its only column (in a
    workbook beside fastexcel's '__UNNAMED__1' ...), not that the header had moved."""
    path = _export_with_title_lines(workdir, titles, as_workbook)
    mapping = read_mapping(workdir / (FIXTURE + ".mapping.yaml"))
    mapping = dataclasses.replace(mapping, header_row=header_row)
    unit = "row" if as_workbook else "line"
    with pytest.raises(InputError) as caught:
        load_case_records(path, mapping=mapping)
    error = caught.value
    assert (error.path, error.row) == (str(path), titles + 1)
    assert (
        f"the header (the {unit} holding the columns the mapping names) is on {unit} {titles + 1}"
        in error.message
    )
    assert f"set header_row: {titles + 1} in " in (error.hint or "")
    assert "__UNNAMED__" not in str(error)
    fixed = load_case_records(path, mapping=dataclasses.replace(mapping, header_row=titles + 1))
    assert_accounting(fixed)
    assert fixed.rows_kept == 21


@pytest.mark.parametrize("as_workbook", [False, True], ids=["csv", "xlsx"])
def test_a_column_the_next_export_adds_is_named_as_not_read(workdir: Path, as_workbook: bool) -> None:
    """An export gaining a column (a new form of exploitation its mapping does not name yet) was read without a
    word about it: its answers were in no table and nothing said so. Columns listed as identifying stay unnamed."""
    import openpyxl

    rows = list(csv.reader((workdir / FIXTURE).open(encoding="utf-8", newline="")))
    added = [
        [*row, *extra]
        for row, extra in zip(rows, [["Online scam?", "Full name"]] + [["Y", "x"]] * 21, strict=True)
    ]
    mapping = dataclasses.replace(
        read_mapping(workdir / (FIXTURE + ".mapping.yaml")), identifying=("Full name",)
    )
    expected = load_case_records(workdir / FIXTURE, mapping=mapping)
    assert not any(n.startswith("columns the mapping does not name") for n in expected.provenance.notes)
    if as_workbook:
        book = openpyxl.Workbook()
        for row in added:
            book.active.append(row)
        path = workdir / "assisted_victims.xlsx"
        book.save(path)
    else:
        path = write_csv(workdir / FIXTURE, added[0], added[1:])
    table = load_case_records(path, mapping=mapping)
    assert_accounting(table)
    assert table.data.equals(expected.data)
    notes = [n for n in table.provenance.notes if n.startswith("columns the mapping does not name")]
    assert notes == [
        (
            "columns the mapping does not name, not read: 'Online scam?' (to read one, name it in the mapping's "
            "columns, flags or assistance; list a column that identifies people under identifying)"
        )
    ]


@pytest.mark.parametrize("word", ["NA", "NULL"])
def test_an_export_writing_not_recorded_otherwise_is_rejected_saying_where_to_list_it(
    workdir: Path, word: str
) -> None:
    """An export whose empty cells the next release writes as R's ``NA`` or a database's ``NULL``: rows holding one
    in a coded column are rejected naming row, column and value, the reason saying a code for "not recorded" is
    listed under ``missing`` (it named the values lists only); listed there, the export reads as the original."""
    expected = load_case_records(workdir / FIXTURE)
    rows = list(csv.reader((workdir / FIXTURE).open(encoding="utf-8", newline="")))
    written = [rows[0], *([cell or word for cell in row] for row in rows[1:])]
    path = write_csv(workdir / FIXTURE, written[0], written[1:])
    mapping = read_mapping(workdir / (FIXTURE + ".mapping.yaml"))
    loaded = load_case_records(path, mapping=mapping)
    assert_accounting(loaded)
    assert loaded.rows_rejected > 0
    assert set(loaded.rejects["value"]) == {word}
    assert all(r.endswith(" 'not recorded' belongs under missing)") for r in loaded.rejects["reason"])
    listed = dataclasses.replace(mapping, missing=mapping.missing | {word.casefold()})
    assert load_case_records(path, mapping=listed).data.equals(expected.data)


@pytest.mark.parametrize("cell", ["June, 2019", "Jun., 2019", "30 June, 2019"])
def test_a_month_written_with_a_comma_before_its_year_gives_its_year(tmp_path: Path, cell: str) -> None:
    """dates31: ``June, 2019`` (as US style writes a month and year, and as the UNODC loader reads a release month)
    had its row rejected as "year is not a number"."""
    path = write_csv(tmp_path / "cases.csv", HEADER, [[cell, "F", "25", "Myanmar", "Yes"]], SMALL_MAPPING)
    table = load_case_records(path)
    assert (table.rows_kept, table.data["year"].to_list()) == (1, [2019])


def test_a_date_coarsened_to_its_month_gives_its_year_and_a_fiscal_year_is_refused(tmp_path: Path) -> None:
    """An export whose dates are cut to the month (``2019-05``, ``05/2019``, ``May 2019``: what a case-management
    system writes when asked for less precise dates, as for a data-sharing agreement) had every row rejected as
    "year is not a number". The year is the date's. ``2011-12`` may be the fiscal year 2011-12 as well as December
    2011 (its two digits are the next year's): refused naming both readings, as ``2019-20`` is."""
    cells = {
        2: ("2019-05", 2019),
        3: ("2019/5", 2019),
        4: ("05/2019", 2019),
        5: ("5.2019", 2019),
        6: ("May 2019", 2019),
        7: ("may-2019", 2019),
        8: ("Sept. 2019", 2019),
        9: ("2011-12", None),  # December 2011, or the fiscal year 2011-12?
        10: ("2019-20", None),
        11: ("2019-13", None),
        12: ("13/2019", None),
        13: ("Mayo 2019", None),
        14: ("05/19", None),
    }
    path = write_csv(
        tmp_path / "cases.csv",
        HEADER,
        [[value, "F", "25", "Myanmar", "Yes"] for value, _ in cells.values()],
        SMALL_MAPPING,
    )
    table = load_case_records(path)
    assert_accounting(table)
    assert dict(zip(table.data["source_row"], table.data["year"], strict=True)) == {
        line: year for line, (_, year) in cells.items() if year
    }
    reasons = dict(zip(table.rejects["row"], table.rejects["reason"], strict=True))
    assert set(reasons) == {line for line, (_, year) in cells.items() if year is None}
    assert "'2011-12'" in reasons[9] and "fiscal year" in reasons[9] and "December 2011" in reasons[9]
    assert "'2019-13'" in reasons[11] and "'13/2019'" in reasons[12]
