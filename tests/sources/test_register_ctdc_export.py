"""The k-anonymised export: CTDC's layout, read back by the toolkit's loader, every set at least k."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.sources.case_schema import FLAG_GROUPS, conform
from evidence.sources.ctdc import load as load_ctdc
from evidence.sources.register import records_as_of
from evidence.sources.register.ctdc_export import (
    IMPLIED,
    QUASI_IDENTIFIERS,
    _columns,
    anonymise,
    write_ctdc_export,
)

#: The quasi-identifiers as the loader reads them back onto the case table.
CANONICAL_QUASI_IDENTIFIERS = [
    "year_band",
    "data_source_type",
    "gender",
    "age_band",
    "majority_status",
    "origin_iso3",
    "origin_region",
    "origin_subregion",
    "destination_iso3",
    "destination_region",
    "destination_subregion",
    "exploitation_forced_labour",
    "exploitation_sexual",
    "exploitation_other",
]


@pytest.mark.parametrize("k", [3, 11])
def test_every_quasi_identifier_combination_occurs_at_least_k_times(register_fixture, tmp_path, k) -> None:
    data = records_as_of(register_fixture.register).data
    out = tmp_path / "ctdc.csv"
    report = write_ctdc_export(data, out, k=k)
    back = load_ctdc(out)
    assert back.provenance.layout == "k_anonymised" and back.rows_rejected == 0
    assert back.rows_kept == report.rows_written == data.height - report.rows_suppressed - report.rows_blank
    assert report.rows_suppressed + report.rows_blank <= 0.05 * data.height  # left out, blank ones too
    sizes = back.data.group_by(CANONICAL_QUASI_IDENTIFIERS).len()["len"]
    assert sizes.min() >= k and report.smallest_set >= k
    assert set(report.levels) == set(QUASI_IDENTIFIERS)


def test_the_export_read_back_is_the_organisations_not_ctdcs(register_fixture, tmp_path, shared_data) -> None:
    """Read back, the register's export was attributed to CTDC: CTDC's producer, address and citation, "k-anonymised
    by CTDC before release, k = 11" even at k = 3. CTDC's own release keeps them."""
    out = tmp_path / "ctdc.csv"
    write_ctdc_export(records_as_of(register_fixture.register).data, out, k=3)
    back = load_ctdc(out).provenance
    assert back.layout == "k_anonymised" and load_ctdc(out).protection == "cell_key"  # real people: perturbed
    assert "CTDC" not in back.producer + back.citation + back.published_protection + back.url
    assert "Counter-Trafficking" not in back.citation and "k = 11" not in back.published_protection
    assert back.name == "An organisation's k-anonymised case records (CTDC layout)"
    assert any("not CTDC's" in note for note in back.notes)
    ctdc = load_ctdc(shared_data / "ctdc" / "k_anon_sample.csv").provenance
    assert "CTDC" in ctdc.published_protection and "Counter-Trafficking" in ctdc.citation


def test_a_smaller_k_needs_less_generalisation(register_fixture) -> None:
    """Global recoding (Datafly), on request: a whole column generalised or withheld at once."""
    data = records_as_of(register_fixture.register).data
    _, report = anonymise(data, k=11, suppression="global")
    assert report.levels["citizenship"] != "country"  # a few hundred records need generalising at k = 11
    # a finer k needs less: the export keeps more detail
    _, gentle = anonymise(data, k=2, suppression="global")
    order = {c: list(levels) for c, levels in QUASI_IDENTIFIERS.items()}
    assert sum(order[c].index(v) for c, v in gentle.levels.items()) < sum(
        order[c].index(v) for c, v in report.levels.items()
    )


def test_a_generalisation_changes_only_the_columns_its_quasi_identifier_owns(register_fixture) -> None:
    """anonymise makes each quasi-identifier's generalisation once and lays them over the finest frame: exact only
    if one reads and writes the columns its quasi-identifier owns alone (else the order of generalising would
    matter). At every level, on the invented register's records, nothing else changes."""
    from evidence.sources.register.ctdc_export import (
        GENERALISED_QUASI_IDENTIFIERS,
        _generalise,
        _layout_frame,
        _owned,
        first_year_of,
    )

    data = records_as_of(register_fixture.register).data
    finest, _ = _layout_frame(data)
    owned = [_owned(c) for c in QUASI_IDENTIFIERS]
    assert len({c for cs in owned for c in cs}) == sum(map(len, owned))  # no column owned twice
    for column, levels in GENERALISED_QUASI_IDENTIFIERS.items():
        others = [c for c in finest.columns if c not in _owned(column)]
        for level in levels[1:]:
            generalised = _generalise(finest, column, level, first_year_of(data))
            assert generalised.columns == finest.columns
            assert generalised.select(others).equals(finest.select(others)), (column, level)
            assert not generalised.select(_owned(column)).equals(finest.select(_owned(column))), (
                column,
                level,
            )


def test_years_in_bands_and_areas_are_read_by_the_ctdc_loader(tmp_path) -> None:
    header = (
        "By using this data you agree;yearOfRegistration;Datasource;gender;ageBroad;majorityStatus;"
        "citizenship;CountryOfExploitation;meansOfControlConcatenated;typeOfExploitConcatenated"
    )
    path = tmp_path / "k.csv"
    path.write_text(
        header + "\n;2012-2014;Case Management;Female;;Adult;South-eastern Asia;Asia;;\n", encoding="utf-8"
    )
    row = load_ctdc(path).data.row(0, named=True)
    assert (row["year"], row["year_band"]) == (None, "2012-2014")
    assert (row["origin_iso3"], row["origin_region"], row["origin_subregion"]) == (
        None,
        "Asia",
        "South-eastern Asia",
    )
    assert (row["destination_iso3"], row["destination_region"], row["destination_subregion"]) == (
        None,
        "Asia",
        None,
    )


def test_k_below_two_is_refused(register_fixture) -> None:
    from evidence.core.errors import ParameterError

    with pytest.raises(ParameterError, match="at least 2"):
        anonymise(pl.DataFrame({"year": [2020]}), k=1)


# --- columns that imply a quasi-identifier ----------------------------------------------------------------


#: What each implied column of the layout says, stated here rather than read from the module: a labour sector
#: says forced labour, a type of sexual exploitation says sexual exploitation.
LABOUR_COLUMNS = [c for c in _columns() if c.startswith("typeOfLabour")]
SEX_COLUMNS = [c for c in _columns() if c.startswith("typeOfSex")]
AGE_COLUMNS = ["majorityStatus", "majorityStatusAtExploit", "majorityEntry"]


def _implied_fields_follow_their_quasi_identifier(kept: pl.DataFrame, levels: dict[str, str]) -> None:
    """In every exported row, no implied field is filled where its quasi-identifier is withheld (or where the
    form it implies is not written for the row)."""

    def filled(columns: list[str]) -> pl.Expr:
        return pl.any_horizontal([pl.col(c).is_not_null() for c in columns])

    labour = kept.filter(filled(LABOUR_COLUMNS) & (pl.col("isForcedLabour").fill_null("") != "1"))
    sex = kept.filter(filled(SEX_COLUMNS) & (pl.col("isSexualExploit").fill_null("") != "1"))
    assert labour.height == 0 and sex.height == 0
    if levels["typeOfExploitConcatenated"] == "withheld":
        assert kept.filter(filled([*LABOUR_COLUMNS, *SEX_COLUMNS])).height == 0
    if levels["ageBroad"] == "withheld":
        assert kept.filter(filled(AGE_COLUMNS)).height == 0


def test_every_sector_and_type_of_sexual_exploitation_column_is_declared_implied() -> None:
    assert set(IMPLIED) == {*LABOUR_COLUMNS, *SEX_COLUMNS}
    assert {quasi for quasi, _ in IMPLIED.values()} == {"typeOfExploitConcatenated"}


def test_a_withheld_form_of_exploitation_takes_the_fishing_sector_with_it(register_fixture) -> None:
    """The invented register at k = 11: the form of exploitation is withheld, and the fishing sector (written
    as "other"), which says forced labour, goes with it (global recoding, on request; locally suppressed, the
    sector goes with the form in each record whose form is blanked)."""
    data = records_as_of(register_fixture.register).data
    assert data["labour_fishing"].fill_null(False).sum() > 0
    kept, report = anonymise(data, k=11, suppression="global")
    assert report.levels["typeOfExploitConcatenated"] == "withheld"
    _implied_fields_follow_their_quasi_identifier(kept, report.levels)
    assert report.implied_withheld > 0 and any("left out for" in line for line in report.lines())
    # at a k that keeps the form, the sector is written beside forced labour
    kept, report = anonymise(data, k=2, max_suppressed=0.5, suppression="global")
    if report.levels["typeOfExploitConcatenated"] == "as recorded":
        assert kept.filter(pl.col("typeOfLabourOther") == "1").height > 0
        _implied_fields_follow_their_quasi_identifier(kept, report.levels)


_FORMS = FLAG_GROUPS["exploitation"][:3]
_SECTORS = ["labour_agriculture", "labour_construction", "labour_domestic_work", "labour_other"]
_SEX_TYPES = ["sex_prostitution", "sex_pornography"]
RECORD = st.fixed_dictionaries(
    {
        "year": st.integers(2015, 2023),
        "data_source_type": st.sampled_from(["Case management", "Hotline", None]),
        "gender": st.sampled_from(["Female", "Male", None]),
        "age_band": st.sampled_from(["9-17", "18-20", "30-38", None]),
        "majority_status": st.sampled_from(["Minor", "Adult", None]),
        "origin_iso3": st.sampled_from(["THA", "MMR", "KHM", "VNM", None]),
        "destination_iso3": st.sampled_from(["THA", "MYS", "JPN", None]),
        # flags as any input may hold them, not only as the loader's denominator rule leaves them
        **{c: st.sampled_from([True, False, None]) for c in [*_FORMS, *_SECTORS, *_SEX_TYPES]},
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=st.lists(st.tuples(RECORD, st.integers(1, 12)), min_size=1, max_size=12),
    k=st.integers(2, 11),
    max_suppressed=st.sampled_from([0.0, 0.05, 0.3]),
    suppression=st.sampled_from(["local", "global"]),
)
def test_no_implied_field_is_filled_where_its_quasi_identifier_is_withheld(
    records, k, max_suppressed, suppression
) -> None:
    rows = [record for record, n in records for _ in range(n)]
    kept, report = anonymise(
        conform(pl.DataFrame(rows)), k=k, max_suppressed=max_suppressed, suppression=suppression
    )
    _implied_fields_follow_their_quasi_identifier(kept, report.levels)
    assert report.rows_written == kept.height


# --- review 8 M3: several releases of the same records --------------------------------------------------------


def _differenced(first: pl.DataFrame, second: pl.DataFrame, keys: list[str]) -> int:
    """The smallest positive difference between the sets of two releases on the keys both hold alike."""
    counts = [f.group_by(keys).len() for f in (first, second)]
    joined = counts[0].join(counts[1], on=keys, how="full", coalesce=True, nulls_equal=True).fill_null(0)
    differences = (joined["len"] - joined["len_right"]).abs()
    positive = differences.filter(differences > 0)
    return int(positive.min()) if positive.len() else 0


def test_a_second_release_that_differs_is_refused_unless_allowed_and_every_export_is_recorded(
    register_fixture, tmp_path
) -> None:
    """Two k-anonymised releases (another k, or another as-of date) can be subtracted into sets below k: the
    register records every export, and refuses a different one unless told, naming the earlier export."""
    from evidence.sources.register import ctdc_exports, status
    from evidence.sources.register.ctdc_export import AnotherReleaseError, export_register

    register = register_fixture.copy(tmp_path)
    first = export_register(register, tmp_path / "ctdc_k5.csv", k=5, suppression="global")
    assert first.export_id == 1 and first.other_releases == () and first.warning() is None
    # the same release again is no new release: nothing to difference
    same = export_register(register, tmp_path / "ctdc_k5_again.csv", k=5, suppression="global")
    assert same.warning() is None
    assert (tmp_path / "ctdc_k5.csv").read_bytes() == (tmp_path / "ctdc_k5_again.csv").read_bytes()
    for other in ({"k": 3}, {"k": 5, "as_of": dt.date(2023, 5, 31)}):
        out = tmp_path / f"other_{other['k']}.csv"
        with pytest.raises(AnotherReleaseError, match=r"export 1 \('ctdc_k5.csv'.*k = 5") as refused:
            export_register(register, out, **other, suppression="global")
        assert "--allow-another-release" in str(refused.value) and "subtracted" in str(refused.value)
        assert not out.exists()
    assert len(ctdc_exports(register)) == 2  # a refused export is not recorded
    # allowed, another release keeps the generalisation of the earlier one and leaves out the sets that would
    # differ from its by fewer than k: at k = 3 the same records give back the k = 5 file, nothing new
    allowed = export_register(
        register, tmp_path / "ctdc_k3.csv", k=3, allow_another_release=True, suppression="global"
    )
    assert allowed.warning() is None and allowed.report.generalisation_of == 2
    assert (tmp_path / "ctdc_k3.csv").read_bytes() == (tmp_path / "ctdc_k5.csv").read_bytes()
    may = export_register(
        register,
        tmp_path / "ctdc_may.csv",
        k=5,
        as_of=dt.date(2023, 5, 31),
        allow_another_release=True,
        suppression="global",
    )
    assert may.warning() is not None and "export 1" in may.warning()
    recorded = status(register)["ctdc_exports"]
    assert [(e["export_id"], e["k"], e["as_of"], e["file_name"]) for e in recorded] == [
        (1, 5, "2023-06-30", "ctdc_k5.csv"),
        (2, 5, "2023-06-30", "ctdc_k5_again.csv"),
        (3, 3, "2023-06-30", "ctdc_k3.csv"),
        (4, 5, "2023-05-31", "ctdc_may.csv"),
    ]
    assert [e["allowed_another_release"] for e in recorded] == [False, False, False, True]
    assert all(e["rows_written"] > 0 and e["rows_in"] >= e["rows_written"] for e in recorded)


def test_the_risk_the_refusal_names_is_real(register_fixture) -> None:
    """Exports as of two consecutive months at the same k differ by sets smaller than k (what the refusal
    prevents by default)."""
    k = 5
    may = anonymise(
        records_as_of(register_fixture.register, dt.date(2023, 5, 31)).data, k=k, suppression="global"
    )
    june = anonymise(
        records_as_of(register_fixture.register, dt.date(2023, 6, 30)).data, k=k, suppression="global"
    )
    assert may[1].levels == june[1].levels  # the same generalisation: the sets line up one for one
    assert 0 < _differenced(may[0], june[0], [*QUASI_IDENTIFIERS, "majorityStatus"]) < k


def test_no_cell_of_the_export_reads_as_a_formula() -> None:
    """The export is opened in spreadsheets: whatever text a column holds, no cell starts a formula (its values
    come from code lists today; the writer does not rely on it), and numbers stay numbers."""
    from evidence.sources.register.ctdc_export import _text

    frame = pl.DataFrame(
        {"Datasource": ['=HYPERLINK("http://evil.example")', "Hotline"], "year": ["-3", "2019"]}
    )
    rows = list(csv.reader(io.StringIO(_text(frame)), delimiter=";"))
    assert rows[1][1:] == ['\'=HYPERLINK("http://evil.example")', "-3"]
    assert rows[2][1:] == ["Hotline", "2019"]


def _read_before_any_export(monkeypatch, store) -> None:
    """Every reading of the register's exports an export makes before it opens the register for writing (with
    the records, and on its own) gives them as before any was recorded: as a process that read the register
    before another recorded its export sees them."""
    reading = store.export_reading

    def before(*args, **kwargs):
        stood, loaded, _, _ = reading(*args, **kwargs)
        return stood, loaded, [], []

    monkeypatch.setattr(store, "export_reading", before)
    monkeypatch.setattr(store, "ctdc_exports", lambda path, wait=0.0: [])


def test_a_release_recorded_by_another_process_meanwhile_is_seen_before_writing(
    register_fixture, tmp_path, monkeypatch
) -> None:
    """Two exports at once (a scheduled one, a person's): each read the register's exports before the other
    recorded its own, and both were written, two releases to difference, neither refused."""
    from evidence.sources.register import ctdc_exports, store
    from evidence.sources.register.ctdc_export import AnotherReleaseError, export_register

    register = register_fixture.copy(tmp_path)
    export_register(register, tmp_path / "ctdc_k5.csv", k=5)
    # the other process read the register's exports before this one was recorded (its reading before it made
    # the file, and again before it opened the register for writing)
    _read_before_any_export(monkeypatch, store)
    out = tmp_path / "ctdc_k3.csv"
    with pytest.raises(AnotherReleaseError, match=r"export 1 \('ctdc_k5.csv'"):
        export_register(register, out, k=3)
    assert not out.exists()
    monkeypatch.undo()
    assert len(ctdc_exports(register)) == 1


_KILLED_AS_THE_FILE_APPEARS = """
import os, signal, sys
from evidence.sources.register.ctdc_export import export_register
replace = os.replace
def replace_then_die(source, target, *args, **kwargs):
    replace(source, target, *args, **kwargs)
    if str(target) == sys.argv[2]:
        os.kill(os.getpid(), signal.SIGKILL)  # the file has its name; nothing after it runs
os.replace = replace_then_die
export_register(sys.argv[1], sys.argv[2], k=5)
"""


def test_a_kill_as_the_export_is_written_leaves_no_file_the_register_does_not_know(
    register_fixture, tmp_path
) -> None:
    """The file was written, then its record committed: killed in between, a release stood on disk that the
    register did not know of, and a later different export was not refused (two releases to difference)."""
    import subprocess
    import sys

    from evidence.sources.register import ctdc_exports

    register = register_fixture.copy(tmp_path)
    out = tmp_path / "ctdc.csv"
    process = subprocess.run(
        [sys.executable, "-c", _KILLED_AS_THE_FILE_APPEARS, str(register), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode == -9, process.stderr
    assert out.exists()
    assert [e["file_name"] for e in ctdc_exports(register)] == ["ctdc.csv"]


_KILLED_BEFORE_THE_RENAME = """
import os, signal, sys
from evidence.sources.register.ctdc_export import export_register
def die(source, target, *args, **kwargs):
    if str(target) == sys.argv[2]:
        os.kill(os.getpid(), signal.SIGKILL)  # recorded, not renamed: the written file left beside
os.replace = die
export_register(sys.argv[1], sys.argv[2], k=5)
"""


@pytest.fixture(scope="module")
def killed_before_the_rename(
    register_fixture, tmp_path_factory
) -> tuple[Path, dict[Path, tuple[bytes, int]]]:
    """A copy of the register whose export was killed between its record and its rename, and every file as the
    kill left them (the register, its write-ahead log, the written file beside its name, owner-only), each with
    its mode. Killed once: the kill leaves the same files each time, and each next write starts from them,
    restored where they were (the register records the written file's path)."""
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("killed_before_the_rename")
    register = register_fixture.copy(folder)
    shared = folder / "shared"
    shared.mkdir()
    process = subprocess.run(
        [sys.executable, "-c", _KILLED_BEFORE_THE_RENAME, str(register), str(shared / "ctdc.csv")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode == -9, process.stderr
    left = [*folder.iterdir(), *shared.iterdir()]
    return folder, {path: (path.read_bytes(), path.stat().st_mode) for path in left if path.is_file()}


def _as_the_kill_left_them(folder: Path, left: dict[Path, tuple[bytes, int]]) -> None:
    for path in [*folder.iterdir(), *(folder / "shared").iterdir()]:
        if path.is_file():
            path.unlink()
    for path, (data, mode) in left.items():
        path.write_bytes(data)
        path.chmod(mode)


@pytest.mark.parametrize("next_write", ["export elsewhere", "import", "erase"])
def test_a_kill_between_the_record_and_the_rename_leaves_nothing_after_the_next_write(
    register_fixture, killed_before_the_rename, tmp_path, next_write
) -> None:
    """The written file stayed beside its name (owner-only, a release of the records) for good."""
    from evidence.sources.register import ctdc_exports, import_export
    from evidence.sources.register.ctdc_export import export_register

    folder, left = killed_before_the_rename
    _as_the_kill_left_them(folder, left)
    register, shared = folder / "register.duckdb", folder / "shared"
    out = shared / "ctdc.csv"
    assert not out.exists() and len(list(shared.glob(".ctdc.csv.*.part"))) == 1
    assert [e["file_name"] for e in ctdc_exports(register)] == ["ctdc.csv"]
    if next_write == "erase":
        from evidence.sources.register import erase

        erase(register, ["MSS-999999"], key_path=register_fixture.key_path)
    elif next_write == "import":
        later = tmp_path / "cases_2023-07-31.csv"
        later.write_text(register_fixture.exports[-1].read_text(encoding="utf-8"), encoding="utf-8")
        import_export(register, later, register_fixture.mapping, key_path=register_fixture.key_path)
    else:  # the same export again, to another folder: the same release, written
        export_register(register, tmp_path / "ctdc.csv", k=5)
        assert (tmp_path / "ctdc.csv").exists()
    assert not list(shared.iterdir())


def test_the_rows_of_the_export_are_in_no_order_of_the_records(register_fixture, tmp_path) -> None:
    # the register gives its records in the order of their pseudonyms: a file in that order would line its
    # rows up with a snapshot's, or with another release's (the same people in the same order), beyond what
    # the quasi-identifiers say; the file is in the order of its own content, whatever the records' order
    data = records_as_of(register_fixture.register).data
    shuffled = data.sample(fraction=1.0, shuffle=True, seed=3)
    written = [tmp_path / "ordered.csv", tmp_path / "shuffled.csv"]
    for frame, out in zip([data, shuffled], written, strict=True):
        write_ctdc_export(frame, out, k=3)
    assert written[0].read_bytes() == written[1].read_bytes()
    rows = list(csv.reader(io.StringIO(written[0].read_text()), delimiter=";"))[1:]
    assert rows == sorted(rows)


def _every_set_difference(files: list) -> list[int]:
    """Every non-zero difference, between any two of the files, of the count of a set of quasi-identifiers (the
    generalised columns too, where the files hold them)."""
    from evidence.sources.register.ctdc_export import GENERALISED_COLUMNS

    counts = []
    for path in files:
        frame = pl.read_csv(path, separator=";", infer_schema=False)
        extra = [c for cs in GENERALISED_COLUMNS.values() for c in cs if c in frame.columns]
        keys = [*QUASI_IDENTIFIERS, "majorityStatus", *extra]
        counts.append(frame.drop(frame.columns[0]).group_by(keys).len())
    found = []
    for i, first in enumerate(counts):
        for second in counts[i + 1 :]:
            joined = first.join(second, on=keys, how="full", coalesce=True, nulls_equal=True).fill_null(0)
            differences = (joined["len"].cast(pl.Int64) - joined["len_right"].cast(pl.Int64)).abs()
            found += differences.filter(differences > 0).to_list()
    return found


@pytest.mark.parametrize("generalised_columns", [False, True])
def test_monthly_releases_allowed_cannot_be_differenced_into_a_set_smaller_than_k(
    register_fixture, tmp_path, generalised_columns
) -> None:
    """(Global recoding: a release whose sets line up with the earlier ones'.)"""
    """Review 17: an organisation allowed a release every month (--allow-another-release). Each file was
    k-anonymous, but a set of the April file less the same set of the May file left 1 to 3 people, with
    everything the rows say of them: the later release kept its own generalisation and every set as it came.
    Now a later release keeps the generalisation of the earlier ones, and a set whose count differs from an
    earlier release's by fewer than k is withheld from it (the report says how many records). A month whose every
    set moved by fewer than k is refused, nothing written (the layout's own sets, few and large, all move so in
    May)."""
    from evidence.core.errors import ParameterError
    from evidence.sources.register.ctdc_export import GENERALISED_COLUMNS, export_register

    register = register_fixture.copy(tmp_path)
    k = 5
    files, done = [], []
    for month in (dt.date(2023, 3, 31), dt.date(2023, 4, 30), dt.date(2023, 5, 31), dt.date(2023, 6, 30)):
        out = tmp_path / f"ctdc_{month}.csv"
        try:
            made = export_register(
                register,
                out,
                k=k,
                as_of=month,
                allow_another_release=True,
                generalised_columns=generalised_columns,
                suppression="global",
            )
        except ParameterError as refused:
            assert "differs from the same set of an earlier release" in str(refused) and not out.exists()
            continue
        done.append(made)
        files.append(out)
    assert len(files) >= 3
    assert all(d.report.levels == done[0].report.levels for d in done)
    differences = _every_set_difference(files)
    assert differences and min(differences) >= k
    assert sum(d.report.rows_withheld_for_differencing for d in done[1:]) > 0
    for path, d in zip(files, done, strict=True):  # every file is still k-anonymous on its own
        assert d.report.rows_written == load_ctdc(path).rows_kept
        assert d.report.rows_in == (
            d.report.rows_written + d.report.rows_suppressed + d.report.rows_withheld_for_differencing
        )
        frame = pl.read_csv(path, separator=";", infer_schema=False)
        extra = [c for c in frame.columns[64:]]
        assert extra == (
            [c for cs in GENERALISED_COLUMNS.values() for c in cs] if generalised_columns else []
        )
        assert frame.group_by([*QUASI_IDENTIFIERS, "majorityStatus", *extra]).len()["len"].min() >= k


def test_an_allowed_release_is_not_written_unchecked_against_one_recorded_meanwhile(
    register_fixture, tmp_path, monkeypatch
) -> None:
    """Review 17: another release is checked set by set against the earlier ones read before it is made; one
    recorded by another process in between would have been released beside it unchecked."""
    from evidence.core.errors import ParameterError
    from evidence.sources.register import ctdc_exports, store
    from evidence.sources.register.ctdc_export import export_register

    register = register_fixture.copy(tmp_path)
    export_register(register, tmp_path / "ctdc_june.csv", k=5)
    # this process read the register's exports (and their sets) before the June one was recorded
    _read_before_any_export(monkeypatch, store)
    out = tmp_path / "ctdc_may.csv"
    with pytest.raises(ParameterError, match="recorded while this one was made"):
        export_register(register, out, k=5, as_of=dt.date(2023, 5, 31), allow_another_release=True)
    assert not out.exists()
    monkeypatch.undo()
    assert len(ctdc_exports(register)) == 1


@pytest.mark.parametrize("suppression", ["global", "local"])
def test_a_release_recorded_before_sets_were_kept_is_checked_when_it_can_be_made_again(
    register_fixture, tmp_path, suppression
) -> None:
    """A register whose earlier export was recorded before the register kept each release's sets (its levels
    and counts unknown): another release, allowed, was checked against nothing. The earlier export is made
    again from the records as of its date, its k and share: the same file (its sha256) gives its sets."""
    import duckdb

    from evidence.sources.register.ctdc_export import export_register

    register = register_fixture.copy(tmp_path)
    may, june = tmp_path / "ctdc_may.csv", tmp_path / "ctdc_june.csv"
    export_register(register, may, k=5, as_of=dt.date(2023, 5, 31), suppression=suppression)
    with duckdb.connect(str(register)) as connection:  # as an older register recorded it
        connection.execute("UPDATE ctdc_exports SET levels = NULL, first_year = NULL")
        connection.execute("DELETE FROM ctdc_export_sets")
    done = export_register(register, june, k=5, allow_another_release=True, suppression=suppression)
    assert done.report.generalisation_of == 1
    # globally recoded the sets line up and some moved by fewer than k; locally suppressed, the June release
    # blanks first what May blanked (a coarser file), and every set it writes moved by 0 or at least k
    assert done.report.rows_withheld_for_differencing > 0 or suppression == "local"
    differences = _every_set_difference([may, june])
    assert differences and min(differences) >= 5
