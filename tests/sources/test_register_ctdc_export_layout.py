"""The k-anonymised export keeps CTDC's layout: every country cell ISO2 or empty, every year a year or empty.

A consumer reads the export with CTDC's data dictionary (or a strict ISO 3166-1 alpha-2 validator): a UN M49
sub-region or region name in ``citizenship`` or ``CountryOfExploitation``, or a band of years in
``yearOfRegistration``, is a value outside the layout. CTDC leaves a suppressed country empty; so does the
export by default, and says how each column was generalised (counts per column and level, never per record) in
its report and its provenance sidecar. Sub-regions, regions and bands of years are written only on request,
in extra columns named as such after the layout's own.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import re
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.sources.case_schema import FLAG_GROUPS, conform
from evidence.sources.countries import country_table
from evidence.sources.ctdc import load as load_ctdc
from evidence.sources.register import records_as_of
from evidence.sources.register.ctdc_export import (
    QUASI_IDENTIFIERS,
    _columns,
    anonymise,
    export_register,
    write_ctdc_export,
)

ISO2 = set(country_table()["iso2"].drop_nulls().to_list())
COUNTRY_COLUMNS = ("citizenship", "CountryOfExploitation")
#: The layout's quasi-identifier columns as written (majority status goes with the age band).
WRITTEN_KEYS = [*QUASI_IDENTIFIERS, "majorityStatus"]


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"))
    return rows[0], rows[1:]


def _not_in_the_layout(path: Path) -> dict[str, set[str]]:
    """Each column of the layout holding a value CTDC's dictionary does not allow there -> those values."""
    header, rows = _rows(path)
    bad: dict[str, set[str]] = {}
    for column in COUNTRY_COLUMNS:
        i = header.index(column)
        bad[column] = {r[i] for r in rows if r[i] and r[i] not in ISO2}
    i = header.index("yearOfRegistration")
    bad["yearOfRegistration"] = {r[i] for r in rows if r[i] and not re.fullmatch(r"\d{4}", r[i])}
    return {c: v for c, v in bad.items() if v}


@pytest.mark.parametrize("k", [3, 5, 11])
def test_every_country_cell_is_iso2_or_empty_and_every_year_a_year(register_fixture, tmp_path, k) -> None:
    """The invented register at k = 3, 5 and 11: each export wrote 'South-eastern Asia' (a UN M49 sub-region)
    into every citizenship cell, and at k = 3 bands such as '2016-2018' into yearOfRegistration."""
    data = records_as_of(register_fixture.register).data
    out = tmp_path / "ctdc.csv"
    report = write_ctdc_export(data, out, k=k)
    assert _not_in_the_layout(out) == {}
    header, rows = _rows(out)
    assert header[1:] == _columns() and len(header) == 64  # the layout's 63 columns after the terms cell
    back = load_ctdc(out)
    assert back.provenance.layout == "k_anonymised" and back.rows_rejected == 0
    assert back.rows_kept == report.rows_written == len(rows)
    assert report.rows_in == data.height == report.rows_written + report.rows_suppressed + report.rows_blank


_FORMS = FLAG_GROUPS["exploitation"][:3]
RECORD = st.fixed_dictionaries(
    {
        "year": st.integers(2015, 2023),
        "data_source_type": st.sampled_from(["Case management", "Hotline", None]),
        "gender": st.sampled_from(["Female", "Male", None]),
        "age_band": st.sampled_from(["9-17", "18-20", "30-38", None]),
        "origin_iso3": st.sampled_from(["THA", "MMR", "KHM", "VNM", "UKR", "NGA", "BRA", None]),
        "destination_iso3": st.sampled_from(["THA", "MYS", "JPN", "RUS", "USA", None]),
        **{c: st.sampled_from([True, False, None]) for c in _FORMS},
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=st.lists(st.tuples(RECORD, st.integers(1, 9)), min_size=1, max_size=14),
    k=st.integers(2, 11),
    max_suppressed=st.sampled_from([0.0, 0.05, 0.3]),
    generalised_columns=st.booleans(),
)
def test_the_file_keeps_the_layout_and_every_set_written_holds_at_least_k(
    tmp_path_factory, records, k, max_suppressed, generalised_columns
) -> None:
    """Whatever the records: every set of rows alike in the quasi-identifiers as written (the extra columns
    too, when asked for) holds at least k rows; the layout's columns hold its values only; CTDC's loader reads
    the file as layout 2, every row written kept; records in = written + left out."""
    from evidence.sources.register.ctdc_export import GENERALISED_COLUMNS

    rows = [record for record, n in records for _ in range(n)]
    data = conform(pl.DataFrame(rows))
    out = tmp_path_factory.mktemp("hyp") / "ctdc.csv"
    report = write_ctdc_export(
        data, out, k=k, max_suppressed=max_suppressed, generalised_columns=generalised_columns
    )
    assert report.rows_in == data.height == report.rows_written + report.rows_suppressed + report.rows_blank
    assert _not_in_the_layout(out) == {}
    header, written = _rows(out)
    extra = [c for columns in GENERALISED_COLUMNS.values() for c in columns] if generalised_columns else []
    assert header[1:] == [*_columns(), *extra]
    assert len(written) == report.rows_written
    if written:
        frame = pl.DataFrame(written, schema=header, orient="row")
        assert frame.group_by([*WRITTEN_KEYS, *extra]).len()["len"].min() >= k
    back = load_ctdc(out)
    assert back.provenance.layout == "k_anonymised"
    assert back.rows_rejected == 0 and back.rows_kept == report.rows_written
    # the report's counts: per column and level, each column's add up to the rows written
    for column, by_level in report.generalised.items():
        assert sum(by_level.values()) == report.rows_written, (column, by_level)
        assert set(by_level) <= {*report.hierarchy[column], "not recorded", "locally suppressed"}


@pytest.mark.parametrize(("with_means", "written"), [(11, 11), (5, 0)])
def test_a_row_of_which_nothing_can_be_written_is_left_out_and_its_set_stays_at_least_k(
    tmp_path, with_means, written
) -> None:
    """Every quasi-identifier withheld, a record with nothing else recorded became a line of empty cells, which
    CTDC's loader (the toolkit's too) leaves out as a blank line: the file held fewer cases than the report said
    written. Left out now, counted; the rest of its set is left out too where fewer than k would remain."""
    rows = [{"year": 2000 + i} for i in range(12)]
    rows += [{"year": 2000 + i, "means_threats": True} for i in range(with_means)]
    data = conform(pl.DataFrame(rows))
    out = tmp_path / "ctdc.csv"
    report = write_ctdc_export(data, out, k=11, max_suppressed=0.0, suppression="global")
    assert report.levels["yearOfRegistration"] == "withheld"
    assert report.rows_blank == 12 and report.rows_written == written
    assert report.rows_in == report.rows_written + report.rows_suppressed + report.rows_blank
    assert "12 records left out of which nothing could be written" in "\n".join(report.lines())
    back = load_ctdc(out)
    assert back.rows_in == back.rows_kept == written and back.rows_left_out == 0


def test_how_each_column_was_generalised_is_in_the_report_and_the_sidecar(register_fixture, tmp_path) -> None:
    """Written empty, a withheld country is told from one not recorded only by what the export says of it: the
    report and the provenance sidecar beside the file count, per column and level, the values so written."""
    from evidence.sources.registry import load, sidecar_path

    data = records_as_of(register_fixture.register).data
    out = tmp_path / "ctdc.csv"
    report = write_ctdc_export(data, out, k=11, suppression="global")
    assert report.levels["citizenship"] == "withheld"
    recorded = int(data["origin_iso3"].is_not_null().sum())
    citizenship = report.generalised["citizenship"]
    assert citizenship["withheld"] > 0 and citizenship["withheld"] <= recorded
    assert citizenship["withheld"] + citizenship.get("not recorded", 0) == report.rows_written
    said = "\n".join(report.lines())
    assert f"{citizenship['withheld']} recorded countries written empty" in said
    year = next(line for line in report.lines() if line.startswith("yearOfRegistration:"))
    assert "recorded years written empty" in year and "country" not in year
    sidecar = json.loads(sidecar_path(out).read_text(encoding="utf-8"))
    assert set(sidecar) == {"published_protection", "notes"}
    assert "k = 11" in sidecar["published_protection"]
    assert any(
        f"citizenship: withheld for {citizenship['withheld']} recorded values" in n for n in sidecar["notes"]
    )
    back = load(out)  # the toolkit's loader by the file's header, the sidecar applied
    assert back.provenance.layout == "k_anonymised" and back.rows_kept == report.rows_written
    assert "k = 11" in back.provenance.published_protection
    assert any("citizenship: withheld" in note for note in back.provenance.notes)


def test_generalised_columns_are_extra_columns_named_as_such_after_the_layout(
    register_fixture, tmp_path
) -> None:
    """Asked for, the sub-region a country was generalised to goes into a column of its own after the layout's
    63, never into the ISO2 column; CTDC's loader still reads the file as layout 2."""
    from evidence.sources.register.ctdc_export import GENERALISED_COLUMNS

    data = records_as_of(register_fixture.register).data
    out = tmp_path / "ctdc.csv"
    report = write_ctdc_export(data, out, k=11, generalised_columns=True, suppression="global")
    assert report.levels["citizenship"] == "UN M49 sub-region"
    assert _not_in_the_layout(out) == {}
    header, rows = _rows(out)
    assert header[1:64] == _columns() and header[64:] == [
        c for cs in GENERALISED_COLUMNS.values() for c in cs
    ]
    frame = pl.DataFrame(rows, schema=header, orient="row")
    subregions = set(country_table()["subregion"].drop_nulls().to_list())
    assert set(frame["citizenshipUNM49Subregion"]) <= subregions and frame["citizenship"].eq("").all()
    assert "citizenshipUNM49Subregion" in " ".join(report.lines())
    back = load_ctdc(out)
    assert back.provenance.layout == "k_anonymised" and back.rows_kept == report.rows_written


# --- a register whose exports were recorded before: written with region names in the ISO2 columns ----------


def _legacy_export(register: Path, out: Path, *, k: int, as_of: dt.date) -> None:
    """Record an export in ``register`` as the toolkit wrote them before: UN M49 sub-regions in the country
    columns, bands in the year column (the regional generalisation written into the layout's own columns), its
    levels and sets kept as the register kept them."""
    from evidence.sources.register.ctdc_export import _text, first_year_of, set_counts
    from evidence.sources.register.store import record_ctdc_export

    data = records_as_of(register, as_of).data
    kept, report = anonymise(data, k=k, generalised_columns=True, suppression="global")
    text = _text(kept)  # the generalised values in the layout's columns, as the toolkit wrote them before
    assert re.search(r";South-eastern Asia;", text)
    record_ctdc_export(
        register,
        as_of=as_of,
        k=k,
        max_suppressed=0.05,
        out=out,
        text=text,
        rows_in=report.rows_in,
        rows_written=report.rows_written,
        allowed_another_release=False,
        levels=report.levels,
        first_year=first_year_of(data),
        sets=set_counts(kept),
    )


def _set_differences(files: list[Path]) -> list[int]:
    """Every non-zero difference between two files' counts of a set, the sets taken as the layout writes them
    (a sub-region written before and a country withheld now are both 'no country' to whoever compares)."""
    counts = []
    for path in files:
        header, rows = _rows(path)
        frame = pl.DataFrame(rows, schema=header, orient="row").select(WRITTEN_KEYS)
        frame = frame.with_columns(
            pl.when(pl.col(c).is_in(list(ISO2))).then(pl.col(c)).otherwise(pl.lit("")).alias(c)
            for c in COUNTRY_COLUMNS
        ).with_columns(
            pl.when(pl.col("yearOfRegistration").str.contains(r"^\d{4}$"))
            .then(pl.col("yearOfRegistration"))
            .otherwise(pl.lit(""))
        )
        counts.append(frame.group_by(WRITTEN_KEYS).len())
    joined = counts[0].join(counts[1], on=WRITTEN_KEYS, how="full", coalesce=True).fill_null(0)
    differences = (joined["len"].cast(pl.Int64) - joined["len_right"].cast(pl.Int64)).abs()
    return differences.filter(differences > 0).to_list()


def test_a_register_that_exported_regions_before_still_opens_and_differencing_still_holds(
    register_fixture, tmp_path
) -> None:
    """A register whose earlier export (recorded with levels 'UN M49 sub-region') wrote sub-regions into the ISO2
    columns: another release, allowed, keeps that generalisation as far as the layout can hold it (the country
    withheld) and is checked against the earlier release's sets rolled up to it: no set of the two files, as
    whoever compares them sees them, differs by fewer than k."""
    from evidence.sources.register import ctdc_exports, status

    register = register_fixture.copy(tmp_path)
    may, june = tmp_path / "ctdc_may.csv", tmp_path / "ctdc_june.csv"
    _legacy_export(register, may, k=5, as_of=dt.date(2023, 5, 31))
    assert status(register)["ctdc_exports"][0]["file_name"] == "ctdc_may.csv"
    done = export_register(register, june, k=5, allow_another_release=True)
    assert done.report.generalisation_of == 1
    assert done.report.levels["citizenship"] == "withheld"  # the layout cannot hold a sub-region
    assert _not_in_the_layout(june) == {}
    assert done.report.rows_withheld_for_differencing > 0
    differences = _set_differences([may, june])
    assert differences and min(differences) >= 5
    assert [e["export_id"] for e in ctdc_exports(register)] == [1, 2]


def test_an_export_recorded_before_sets_were_kept_is_made_again_as_it_was_written(
    register_fixture, tmp_path
) -> None:
    """An export of an older register (no levels, no sets kept), written with sub-regions in the ISO2 columns:
    made again as the toolkit wrote it then (its sha256 matches), its sets are known and checked against."""
    import duckdb

    register = register_fixture.copy(tmp_path)
    may, june = tmp_path / "ctdc_may.csv", tmp_path / "ctdc_june.csv"
    _legacy_export(register, may, k=5, as_of=dt.date(2023, 5, 31))
    with duckdb.connect(str(register)) as connection:  # as an older register recorded it
        connection.execute("UPDATE ctdc_exports SET levels = NULL, first_year = NULL")
        connection.execute("DELETE FROM ctdc_export_sets")
    done = export_register(register, june, k=5, allow_another_release=True)
    assert done.report.generalisation_of == 1 and done.report.rows_withheld_for_differencing > 0
    differences = _set_differences([may, june])
    assert differences and min(differences) >= 5


# --- the command ----------------------------------------------------------------------------------------------


def _run(monkeypatch, capsys, args: list[str]) -> tuple[int | None, str, str]:
    from evidence.cli.main import main

    monkeypatch.setattr(sys, "argv", ["evidence", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def test_the_command_says_what_the_file_holds(register_fixture, tmp_path, monkeypatch, capsys) -> None:
    register = register_fixture.copy(tmp_path)
    out = tmp_path / "ctdc.csv"
    code, said, err = _run(
        monkeypatch, capsys, ["register", "export-ctdc", str(out), "--k", "11", "--register", str(register)]
    )
    assert code in (0, None), err
    said = " ".join(said.split())
    assert "rare ones written empty, as CTDC leaves a suppressed country" in said  # locally suppressed
    assert "ctdc.csv.provenance.json" in said
    assert _not_in_the_layout(out) == {}
    # the generalised columns, asked for: another file, so another release (allowed here)
    code, said, err = _run(
        monkeypatch,
        capsys,
        [
            "register",
            "export-ctdc",
            str(tmp_path / "ctdc_regions.csv"),
            "--k",
            "11",
            "--generalised-columns",
            "--allow-another-release",
            "--register",
            str(register),
            "--json",
        ],
    )
    assert code in (0, None), err
    document = json.loads(said)
    # kept the earlier release's generalisation: none, its countries locally suppressed where rare
    assert document["levels"]["citizenship"] == "country"


def test_the_report_as_a_dict_is_what_the_json_documents(register_fixture) -> None:
    """The command's --json is a documented, closed object (docs/scheduling.md): every field of the report is in
    it, JSON's own types (the counts per column and level; the exports compared by counts only, a list)."""
    data = records_as_of(register_fixture.register).data
    _, report = anonymise(data, k=11)
    document = report.to_dict()
    assert set(document) == {f.name for f in dataclasses.fields(report)}
    assert json.loads(json.dumps(document))["compared_by_counts_only"] == []
    assert document["suppression"] == "local"
    assert all(isinstance(n, int) for counts in document["generalised"].values() for n in counts.values())


def test_a_row_with_only_a_band_or_an_area_in_the_generalised_columns_is_written_and_read_back(
    tmp_path,
) -> None:
    """With --generalised-columns, a record whose only values were generalised (its year into a band, its
    country into its sub-region) has them in the extra columns only: it was left out as a blank line, since the
    toolkit's loader rejected such a row as a note. The loader reads those columns now: the row is written, and
    read back as a case with its band and area."""
    rows = [{"year": 2000 + i % 3, "origin_iso3": ["THA", "MMR", "KHM", "VNM"][i % 4]} for i in range(12)]
    data = conform(pl.DataFrame(rows))
    out = tmp_path / "ctdc.csv"
    report = write_ctdc_export(
        data, out, k=11, max_suppressed=0.0, generalised_columns=True, suppression="global"
    )
    assert report.levels["yearOfRegistration"] == "3-year band"
    assert report.levels["citizenship"] == "UN M49 sub-region"
    assert report.rows_blank == 0 and report.rows_written == 12
    back = load_ctdc(out)
    assert back.rows_rejected == 0 and back.rows_kept == 12
    assert set(back.data["year_band"]) == {"2000-2002"} and back.data["year"].is_null().all()
    assert set(back.data["origin_subregion"]) == {"South-eastern Asia"}


def test_the_report_says_one_record_or_value_in_the_singular() -> None:
    """ "1 records left out", "1 recorded countries" (loose30): one is said in the singular."""
    from evidence.sources.register.ctdc_export import LOCALLY_SUPPRESSED, WITHHELD, ExportReport

    report = ExportReport(
        k=5,
        rows_in=10,
        rows_written=7,
        rows_suppressed=1,
        levels={"citizenship": WITHHELD, "yearOfRegistration": "year"},
        smallest_set=5,
        not_written=(),
        implied_withheld=1,
        rows_withheld_for_differencing=1,
        rows_blank=1,
        generalised={"citizenship": {WITHHELD: 1}, "yearOfRegistration": {"year": 1, LOCALLY_SUPPRESSED: 1}},
    )
    text = "\n".join(report.lines())
    assert "left out for 1 record:" in text and "1 record left out in sets" in text
    assert "1 record left out of which nothing could be written" in text
    assert "citizenship: withheld: 1 recorded country written empty" in text
    assert "yearOfRegistration: year: 1 recorded year written; 1 rare one written empty" in text
    assert not re.search(r"\b1 (records|recorded \w+s|rare ones)\b", text), text
