"""Erasure: every row of a person removed on request, the bytes too; a log without identifiers; never back."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from evidence.core.errors import ParameterError
from evidence.sources.register import (
    RegisterKeyError,
    erase,
    import_export,
    load_key,
    records_as_of,
    status,
)
from evidence.sources.register.ctdc_export import export_register
from evidence.sources.register.keys import new_key_text
from evidence.sources.register.store import _FOLD_DOMAIN, erasure_scratch, fold_case_id


def _ids(export: Path) -> list[str]:
    with open(export, encoding="utf-8", newline="") as handle:
        ids = [row["Case ID"] for row in csv.DictReader(handle) if row["Case ID"]]
    counts = Counter(ids)
    return [i for i in ids if counts[i] == 1]


def _person(register_fixture) -> str:
    """A person held in every export, with several versions of their record (the first such id in order; the
    versions of them all counted in one query, not one query for each)."""
    everywhere = sorted(set.intersection(*(set(_ids(e)) for e in register_fixture.exports)))
    key = load_key(register_fixture.key_path)
    keys = {case_id: key.pseudonym(case_id) for case_id in everywhere}
    with duckdb.connect(str(register_fixture.register), read_only=True) as connection:
        versions = dict(
            connection.execute(
                "SELECT record_key, count(*) FROM records WHERE record_key IN (SELECT unnest(?)) GROUP BY record_key",
                [sorted(keys.values())],
            ).fetchall()
        )
    for case_id in everywhere:
        if versions.get(keys[case_id], 0) > 1:
            return case_id
    raise AssertionError("no record with several versions")


def _rows_of(register: Path, record_key: str) -> dict[str, int]:
    with duckdb.connect(str(register), read_only=True) as connection:
        return {
            table: connection.execute(
                f"SELECT count(*) FROM {table} WHERE record_key = ?", [record_key]
            ).fetchall()[0][0]
            for table in ("records", "id_folds")
        }


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_row_of_the_person_is_erased_and_its_bytes_with_it(register_fixture, tmp_path) -> None:
    register = register_fixture.copy(tmp_path)
    person = _person(register_fixture)
    key = register_fixture.pseudonym(person)
    fold = load_key(register_fixture.key_path).pseudonym(_FOLD_DOMAIN + fold_case_id(person))
    held = _rows_of(register, key)
    assert held["records"] > 1 and held["id_folds"] == 1
    versions = status(register)["versions"]
    assert key.encode() in register.read_bytes()
    result = erase(register, [person], key_path=register_fixture.key_path, reason="consent-withdrawn")
    assert (result.ids_given, result.persons_erased, result.not_found) == (1, 1, ())
    assert result.rows_erased == held and result.record_versions_erased == held["records"]
    assert _rows_of(register, key) == {"records": 0, "id_folds": 0}
    assert status(register)["versions"] == versions - held["records"]  # nobody else's
    # DuckDB leaves deleted rows in the file's free blocks: the register is written anew without them
    data = register.read_bytes()
    assert key.encode() not in data and fold.encode() not in data
    assert not erasure_scratch(register).exists()
    assert register.stat().st_mode & 0o777 == 0o600
    for as_of in (None, dt.date(2023, 1, 31)):  # as of today and of a date before the erasure
        loaded = records_as_of(register, as_of)
        assert key not in loaded.data["record_key"].to_list()
        assert any(n.startswith("records were erased from the register on") for n in loaded.provenance.notes)


def test_the_erasure_log_holds_no_identifier(register_fixture, tmp_path) -> None:
    register = register_fixture.copy(tmp_path)
    person = _person(register_fixture)
    erase(register, [person, "NOT-A-CASE-7"], key_path=register_fixture.key_path, reason="objection")
    [logged] = status(register)["erasures"]
    assert logged == {
        "erasure_id": 1,
        "erased_on": dt.date.today().isoformat(),
        "reason": "objection",
        "ids_given": 2,
        "persons_erased": 1,
        "record_versions_erased": logged["record_versions_erased"],
        "rows_erased": logged["record_versions_erased"] + 1,
    }
    key = load_key(register_fixture.key_path)
    traces = {
        person,
        "NOT-A-CASE-7",
        key.pseudonym(person),
        key.pseudonym(_FOLD_DOMAIN + fold_case_id(person)),
    }
    with duckdb.connect(str(register), read_only=True) as connection:
        cells = {str(c) for row in connection.execute("SELECT * FROM erasures").fetchall() for c in row}
        kept = {row[0] for row in connection.execute("SELECT erased_key FROM erased_ids").fetchall()}
        keys = {row[0] for row in connection.execute("SELECT record_key FROM records").fetchall()}
    assert not cells & traces
    # what keeps them out is a hash of its own domain: no snapshot's record_key can be joined to it
    assert len(kept) == 2 and not kept & traces and not kept & keys
    with pytest.raises(ParameterError, match="one of consent-withdrawn"):
        erase(
            register, [person], key_path=register_fixture.key_path, reason="asked by Ms Somchai on the phone"
        )


def test_a_later_export_still_holding_the_person_does_not_bring_them_back(register_fixture, tmp_path) -> None:
    register = register_fixture.copy(tmp_path)
    person = _person(register_fixture)
    never_imported = "MSS-777777"  # asked before the case reached the register
    erase(register, [person.lower() + ".", never_imported], key_path=register_fixture.key_path)  # as folded
    lines = register_fixture.exports[-1].read_text(encoding="utf-8").splitlines()
    later = tmp_path / "cases_2023-07-31.csv"
    retyped = next(line for line in lines if line.startswith(person + ","))
    new = retyped.replace(person, never_imported, 1)
    later.write_text("\n".join([*lines, new]) + "\n", encoding="utf-8")
    result = import_export(register, later, register_fixture.mapping, key_path=register_fixture.key_path)
    erased = result.rejects.filter(result.rejects["reason"].str.starts_with("erased on"))
    rows = [i + 1 for i, line in enumerate([*lines, new]) if line.split(",")[0] in (person, never_imported)]
    assert sorted(erased["row"].to_list()) == rows
    assert f"erased on {dt.date.today().isoformat()}" in erased["reason"][0]
    assert (
        result.rows_in == result.rows_new + result.rows_updated + result.rows_unchanged + result.rows_rejected
    )
    assert result.rows_new == 0  # neither came back as a new record
    keys = records_as_of(register).data["record_key"].to_list()
    assert register_fixture.pseudonym(person) not in keys
    assert register_fixture.pseudonym(never_imported) not in keys
    assert _rows_of(register, register_fixture.pseudonym(person)) == {"records": 0, "id_folds": 0}


def test_a_ctdc_export_made_after_the_erasure_leaves_the_person_out(register_fixture, tmp_path) -> None:
    register = register_fixture.copy(tmp_path)
    before = records_as_of(register).data.height
    erase(register, [_person(register_fixture)], key_path=register_fixture.key_path)
    done = export_register(register, tmp_path / "ctdc.csv", k=5)
    assert done.report.rows_in == before - 1
    assert done.erasure_note and done.erasure_note.startswith("records were erased")


def test_a_dry_run_changes_nothing_and_an_unknown_id_is_named_by_position(register_fixture, tmp_path) -> None:
    register = register_fixture.copy(tmp_path)
    sha = _sha(register)
    result = erase(
        register, ["MSS-999999", _person(register_fixture)], key_path=register_fixture.key_path, dry_run=True
    )
    assert result.dry_run and result.erasure_id is None and result.persons_erased == 1
    assert result.not_found == (0,)
    assert _sha(register) == sha
    with pytest.raises(ParameterError, match="no case id given"):
        erase(register, ["  "], key_path=register_fixture.key_path)


def test_erasing_with_another_key_is_refused(register_fixture, tmp_path) -> None:
    register = register_fixture.copy(tmp_path)
    other = tmp_path / "other.key"
    other.write_text(new_key_text(), encoding="utf-8")
    other.chmod(0o600)
    sha = _sha(register)
    with pytest.raises(RegisterKeyError, match="not the key"):
        erase(register, [_person(register_fixture)], key_path=other)
    assert _sha(register) == sha


def test_a_kill_mid_erasure_leaves_the_register_as_before_and_no_copy_behind(
    register_fixture, tmp_path, monkeypatch
) -> None:
    register = register_fixture.copy(tmp_path)
    sha = _sha(register)
    person = _person(register_fixture)

    def killed(*_args, **_kwargs):
        raise KeyboardInterrupt  # as a kill between writing the register anew and its rename

    monkeypatch.setattr("evidence.sources.register.erasure.os.replace", killed)
    with pytest.raises(KeyboardInterrupt):
        erase(register, [person], key_path=register_fixture.key_path)
    monkeypatch.undo()
    assert _sha(register) == sha
    # a hard kill leaves the copy: the next command that writes removes it (it holds the records)
    scratch = erasure_scratch(register)
    assert scratch.exists()
    erase(register, ["MSS-999999"], key_path=register_fixture.key_path, dry_run=True)
    assert not scratch.exists()
    erase(register, [person], key_path=register_fixture.key_path)
    assert register_fixture.pseudonym(person) not in records_as_of(register).data["record_key"].to_list()


def test_a_person_whose_every_row_was_rejected_is_erased_too(register_fixture, tmp_path) -> None:
    """Their fold hash was kept from the import that rejected their rows (a shared id), with no record."""
    register = register_fixture.copy(tmp_path)
    lines = register_fixture.exports[-1].read_text(encoding="utf-8").splitlines()
    twice = [lines[1].replace(lines[1].split(",")[0], "MSS-888888", 1)] * 2
    later = tmp_path / "cases_2023-07-31.csv"
    later.write_text("\n".join([*lines, *twice]) + "\n", encoding="utf-8")
    import_export(register, later, register_fixture.mapping, key_path=register_fixture.key_path)
    key = register_fixture.pseudonym("MSS-888888")
    assert _rows_of(register, key) == {"records": 0, "id_folds": 1}
    result = erase(register, ["MSS-888888"], key_path=register_fixture.key_path)
    assert (result.persons_erased, result.not_found, result.rows_erased) == (
        1,
        (),
        {"records": 0, "id_folds": 1},
    )
    assert _rows_of(register, key) == {"records": 0, "id_folds": 0}


def test_the_same_export_read_again_after_an_erasure_says_why_its_rows_are_rejected(
    register_fixture, tmp_path
) -> None:
    """ "already imported as import 2: nothing changed" beside "rejected 1" read as a contradiction."""
    register = register_fixture.copy(tmp_path)
    erase(register, [_person(register_fixture)], key_path=register_fixture.key_path)
    result = import_export(
        register, register_fixture.exports[-1], register_fixture.mapping, key_path=register_fixture.key_path
    )
    assert (
        result.note and "nothing changed (1 of its rows, of people erased since, rejected now)" in result.note
    )


def test_a_file_read_again_does_not_say_erased_since_of_people_erased_before_it_was_first_read(
    register_fixture, tmp_path
) -> None:
    """The note said "of people erased since, rejected now" of a person erased before the file's first import,
    whose row that import had rejected already."""
    register = register_fixture.copy(tmp_path)
    erase(register, [_person(register_fixture)], key_path=register_fixture.key_path)
    later = tmp_path / "cases_2023-07-31.csv"
    later.write_bytes(register_fixture.exports[-1].read_bytes() + b"\n")  # a new file: read, not re-read
    first = import_export(register, later, register_fixture.mapping, key_path=register_fixture.key_path)
    again = import_export(register, later, register_fixture.mapping, key_path=register_fixture.key_path)
    assert not first.note and again.rows_rejected == first.rows_rejected
    assert "erased since" not in again.note and "rejected now" not in again.note
    assert "(1 of its rows, of people erased, rejected as when it was first read)" in again.note


def test_an_erasure_failing_midway_leaves_no_file_open_and_the_next_one_works(
    register_fixture, tmp_path, monkeypatch
) -> None:
    """Every connection attaches the register to one DuckDB database of the process (store._attach), and an
    erasure attaches its scratch file beside it: both are detached when the connection closes, whatever failed,
    so that neither file stays open (its lock held, its bytes readable) and the next erasure can attach its own."""
    from evidence.sources.register import erasure, store

    register = register_fixture.copy(tmp_path)
    person = _person(register_fixture)

    def fail(connection) -> None:
        raise OSError("the disk is full")

    monkeypatch.setattr(erasure, "_remove_unfinished_exports", fail)  # after the scratch file was attached
    with pytest.raises(OSError, match="the disk is full"):
        erase(register, [person], key_path=register_fixture.key_path)
    monkeypatch.undo()
    attached = store._host().execute("SELECT database_name FROM duckdb_databases() WHERE NOT internal")
    assert [row[0] for row in attached.fetchall()] == ["memory"]
    assert not erasure_scratch(register).exists()
    assert erase(register, [person], key_path=register_fixture.key_path).persons_erased == 1
    with duckdb.connect(str(register)) as connection:  # the file free for another database to write
        assert connection.execute("SELECT count(*) FROM erasures").fetchall()[0][0] == 1
