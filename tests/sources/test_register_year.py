"""A year of monthly exports as a case-management officer meets them, and one person under two case ids.

Review 18: twelve monthly exports written at test time from the invented case records, with what a year brings
(corrections, a case closed and reopened, a person registered again under a new id, a column renamed, a file
sent twice, a month missing, an impossible date on line 317). The records as of every date are those of the
export itself, row for row; a person under two ids is pointed out, said beside the figures, and counted once
when linked.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import tempfile
from pathlib import Path

import duckdb
import polars as pl
import pytest
from _held_in import held_in
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from evidence.core.errors import InputError, ParameterError
from evidence.sources.case_records import load_case_records
from evidence.sources.register import (
    RegisterError,
    erase,
    export_dates,
    import_export,
    load_key,
    records_as_of,
    resolve_as_of,
    status,
)
from evidence.sources.register.ctdc_export import QUASI_IDENTIFIERS, export_register
from evidence.sources.register.linking import link
from evidence.sources.register.store import LINK_NOTE, SAME_PERSON_NOTE
from evidence.sources.register.synthetic import HEADER, MAPPING, identifying_values, write_exports
from evidence.sources.registry import load

NEW_ID = "MSS-900001"
REGISTERED, SEX, NAME = HEADER.index("Registered"), HEADER.index("Sex"), HEADER.index("Full name")


def _read(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def _year(folder: Path) -> dict:
    """Twelve monthly exports (July 2023 to June 2024, February missing, October sent twice), their mappings
    (the second after "Sex" was renamed "Gender" in January), the person closed and reopened, and the person
    registered again."""
    made = write_exports(
        folder / "made", people=440, months=12, last_export=dt.date(2024, 6, 30), faults=False, seed=18
    )
    months = [_read(p) for p in made]
    always = sorted(set.intersection(*({r[0] for r in m[1:]} for m in months)))
    closed, person = always[100], always[50]
    exports, out = [], folder / "exports"
    out.mkdir()
    for index, (path, rows) in enumerate(zip(made, months, strict=True)):
        header, body = rows[0], rows[1:]
        if index in (2, 3, 4):  # September to November: the case closed, not in the export
            body = [r for r in body if r[0] != closed]
        if index >= 4:  # November on: the person registered again under a new id
            again = list(next(r for r in body if r[0] == person))
            again[0], again[REGISTERED] = NEW_ID, "2023-11-15"
            body.append(again)
        if index >= 6:  # January on: "Sex" renamed "Gender"
            header = ["Gender" if h == "Sex" else h for h in header]
        if index == 8:  # March: an impossible date on line 317 (the header is line 1)
            body[315][REGISTERED] = "2024-02-30"
        if index == 7:  # February: no export
            continue
        exports.append(_write(out / path.name, [header, *body]))
    mapping = out / "cases.mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    renamed = out / "cases_renamed.mapping.yaml"
    renamed.write_text(MAPPING.replace('gender: "Sex"', 'gender: "Gender"'), encoding="utf-8")
    return {"exports": exports, "mapping": mapping, "renamed": renamed, "closed": closed, "person": person}


@pytest.fixture(scope="module")
def year(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("year")
    made = _year(folder)
    register, key = folder / "register.duckdb", folder / "register.key"
    results = []
    for path in made["exports"]:
        through = made["renamed"] if path.name >= "cases_2024-01" else made["mapping"]
        if path.name.startswith("cases_2024-01"):  # the old mapping meets the renamed column first
            before = status(register)
            with pytest.raises(InputError, match="'Sex'") as refused:
                import_export(register, path, made["mapping"], key_path=key)
            assert path.name in str(refused.value)
            assert status(register)["imports"] == before["imports"]
        given = ["Full name", "Date of birth"] if not results else None
        results.append(import_export(register, path, through, key_path=key, same_person=given))
        if path.name.startswith("cases_2023-10"):  # sent twice
            twice = _write(path.with_name(path.stem + " (1).csv"), _read(path))
            again = import_export(register, twice, through, key_path=key)
            assert again.note.startswith("already imported as import") and again.rows_new == 0
    return {**made, "register": register, "key": key, "results": results, "folder": folder}


def _copy(year: dict, target: Path) -> Path:
    return Path(shutil.copy2(year["register"], target / "register.duckdb"))


def test_the_records_as_of_every_export_are_that_export_row_for_row(year) -> None:
    key = load_key(year["key"])
    assert len(export_dates(year["register"])) == 11  # twelve months, February missing, October once
    for path, result in zip(year["exports"], year["results"], strict=True):
        assert (
            result.rows_in
            == result.rows_new + result.rows_updated + result.rows_unchanged + result.rows_rejected
        )
        through = year["renamed"] if path.name >= "cases_2024-01" else year["mapping"]
        loaded = load_case_records(path, through, pseudonymise=key.pseudonym)
        held = records_as_of(year["register"], result.exported_on).data
        ids = [r[0] for r in _read(path)[1:]]
        # by hand: every id of the export, once (the person under two ids counts twice: not linked here)
        assert held.height == len(set(ids)) == len(ids)
        assert set(held["record_key"]) == {key.pseudonym(i) for i in ids}
        columns = [c for c in loaded.data.columns if c != "source_row"]
        read = loaded.data.select(columns).sort("record_key")
        assert (
            held.filter(pl.col("record_key").is_in(read["record_key"].implode()))
            .select(columns)
            .sort("record_key")
            .equals(read)
        ), path.name
    march = year["results"][7]
    assert march.exported_on == dt.date(2024, 3, 31) and march.rows_rejected == 1
    (reject,) = march.rejects.to_dicts()
    assert (reject["row"], reject["column"]) == (317, "Registered") and "2024-02-30" in reject["reason"]
    # the rejected row's record stays as it was (January's version), present, never marked missing
    line_317 = _read(year["exports"][7])[316][0]
    assert load_key(year["key"]).pseudonym(line_317) in set(
        records_as_of(year["register"], march.exported_on).data["record_key"]
    )


def test_a_case_closed_and_reopened_is_out_of_the_months_it_was_closed(year) -> None:
    closed = load_key(year["key"]).pseudonym(year["closed"])
    held = {
        day: closed in set(records_as_of(year["register"], day).data["record_key"])
        for day in export_dates(year["register"])
    }
    assert [d.isoformat()[:7] for d, present in held.items() if not present] == [
        "2023-09",
        "2023-10",
        "2023-11",
    ]


def test_a_date_in_a_month_without_export_says_which_export_the_records_are_from(year) -> None:
    """February's export is missing: the records as of 29 February are January's, and that was not said."""
    feb = records_as_of(year["register"], dt.date(2024, 2, 29))
    jan = records_as_of(year["register"], dt.date(2024, 1, 31))
    assert feb.data.equals(jan.data)
    stood = resolve_as_of(year["register"], dt.date(2024, 2, 29))
    assert stood.note() is not None and "export of 2024-01-31" in stood.note()
    assert any("export of 2024-01-31" in n for n in feb.provenance.notes)
    assert resolve_as_of(year["register"], dt.date(2024, 1, 31)).note() is None  # an export's own date
    assert status(year["register"])["export_gaps"] == [
        {"after": "2024-01-31", "before": "2024-03-31", "days": 60}
    ]


def test_a_person_registered_again_is_pointed_out_said_beside_the_figures_and_counted_once_when_linked(
    year, tmp_path
) -> None:
    november = year["results"][4]
    assert november.exported_on == dt.date(2023, 11, 30)
    pointed = november.flags.filter(pl.col("reason").str.contains("the same person registered again"))
    rows = _read(year["exports"][4])
    lines = {n for n, r in enumerate(rows, start=1) if r[0] in (year["person"], NEW_ID)}
    assert set(pointed["row"]) == lines and len(lines) == 2
    assert "Full name, Date of birth" in pointed["reason"][0]
    assert not year["results"][3].flags.height  # October: nobody alike yet
    before = records_as_of(year["register"], dt.date(2023, 12, 31))
    assert any(n.startswith(SAME_PERSON_NOTE) for n in before.provenance.notes)
    assert status(year["register"])["records_alike_unlinked"] == 2
    october = records_as_of(year["register"], dt.date(2023, 10, 31))
    assert not any(n.startswith(SAME_PERSON_NOTE) for n in october.provenance.notes)

    register = _copy(year, tmp_path)
    counts = {d: records_as_of(register, d).data.height for d in export_dates(register)}
    result = link(register, [year["person"], f" {NEW_ID} "], key_path=year["key"])
    assert (result.link_id, result.records_linked, result.already_linked) == (1, 2, False)
    assert link(register, [NEW_ID, year["person"]], key_path=year["key"]).already_linked
    key = load_key(year["key"])
    for day, count in counts.items():
        after = records_as_of(register, day)
        twice = day >= dt.date(2023, 11, 30)
        assert after.data.height == count - twice, day
        assert (LINK_NOTE in after.provenance.notes) == twice
        assert not any(n.startswith(SAME_PERSON_NOTE) for n in after.provenance.notes)
        if twice:  # the record registered first is the one kept
            assert key.pseudonym(year["person"]) in set(after.data["record_key"])
            assert key.pseudonym(NEW_ID) not in set(after.data["record_key"])
    facts = status(register)
    assert (facts["ids_linked"], facts["persons_linked"], facts["records_alike_unlinked"]) == (2, 1, 0)
    # a later import keeps them linked, and points them out no more
    last = year["exports"][-1]
    again = last.with_name("cases_2024-07-31.csv")
    shutil.copy(last, again)
    later = import_export(register, again, year["renamed"], key_path=year["key"])
    assert not later.flags.height
    assert records_as_of(register).data.height == counts[max(counts)] - 1


def test_erasing_one_id_of_a_linked_person_erases_every_id_and_keeps_both_out(year, tmp_path) -> None:
    register = _copy(year, tmp_path)
    link(register, [year["person"], NEW_ID], key_path=year["key"])
    result = erase(register, [NEW_ID], key_path=year["key"], reason="consent-withdrawn")
    key = load_key(year["key"])
    assert result.persons_erased == 1 and result.rows_erased["linked_ids"] == 2
    with duckdb.connect(str(register), read_only=True) as connection:
        for table in ("records", "id_folds", "linked_ids", "person_hashes"):
            for case_id in (year["person"], NEW_ID):
                found = connection.execute(
                    f"SELECT count(*) FROM {table} WHERE record_key = ?", [key.pseudonym(case_id)]
                ).fetchall()[0][0]
                assert found == 0, (table, case_id)
    last = year["exports"][-1]
    again = last.with_name("cases_2024-07-31.csv")
    shutil.copy(last, again)
    later = import_export(register, again, year["renamed"], key_path=year["key"])
    erased_rows = later.rejects.filter(pl.col("reason").str.starts_with("erased on"))["row"].to_list()
    lines = [n for n, r in enumerate(_read(again), start=1) if r[0] in (year["person"], NEW_ID)]
    assert sorted(erased_rows) == lines and len(lines) == 2


def test_link_refuses_an_id_the_register_does_not_hold_naming_it_by_place_only(year, tmp_path) -> None:
    register = _copy(year, tmp_path)
    before = register.read_bytes()
    with pytest.raises(ParameterError, match="argument 2") as refused:
        link(register, [year["person"], "MSS-123456"], key_path=year["key"])
    assert "MSS-123456" not in str(refused.value) and year["person"] not in str(refused.value)
    with pytest.raises(ParameterError, match="at least two"):
        link(register, [NEW_ID, f"{NEW_ID} "], key_path=year["key"])
    assert status(register)["ids_linked"] == 0 and register.read_bytes() == before


def test_same_person_columns_must_be_identifying_and_in_the_export(year, tmp_path) -> None:
    register, key = tmp_path / "register.duckdb", tmp_path / "register.key"
    with pytest.raises(InputError, match="not listed under identifying"):
        import_export(
            register, year["exports"][0], year["mapping"], key_path=key, same_person=["Nationality"]
        )
    assert not register.exists()  # refused before the register was made
    listed = tmp_path / "cases.mapping.yaml"
    listed.write_text(MAPPING.replace('"Case notes"]', '"Case notes", "Passport"]'), encoding="utf-8")
    with pytest.raises(InputError, match="'Passport'"):
        import_export(register, year["exports"][0], listed, key_path=key, same_person=["Passport"])
    # refused in the transaction of a first import: the empty database left is said as such, not "not a register"
    with pytest.raises(RegisterError, match="first import did not finish"):
        status(register)
    assert import_export(
        register, year["exports"][0], year["mapping"], key_path=key
    ).rows_new  # then imported


def test_no_id_name_or_date_of_birth_is_in_the_register_or_its_outputs(year, tmp_path) -> None:
    register = _copy(year, tmp_path)
    link(register, [year["person"], NEW_ID], key_path=year["key"])
    secrets = identifying_values(year["exports"])
    out = tmp_path / "ctdc.csv"
    export_register(register, out, k=11)
    for data in (register.read_bytes(), out.read_bytes()):
        text = data.decode("latin-1")
        leaked = held_in(text, [s for s in secrets if len(s) > 5])  # [s for s ... if s in text], all at once
        assert not leaked, leaked[:3]


@pytest.mark.parametrize("suppression", ["local", "global"])
def test_the_ctdc_exports_of_the_year_read_back_and_stay_k_anonymous_across_releases(
    year, tmp_path, suppression
) -> None:
    register = _copy(year, tmp_path)
    first, second = tmp_path / "ctdc_2023.csv", tmp_path / "ctdc_2024.csv"
    one = export_register(register, first, k=11, as_of=dt.date(2023, 12, 31), suppression=suppression)
    if suppression == "global":
        # as of June every set moved by fewer than k since December: not "too few records", but the differencing
        with pytest.raises(
            ParameterError, match="differs from the same set of an earlier release"
        ) as refused:
            export_register(register, second, k=11, allow_another_release=True, suppression=suppression)
        assert "however far" not in str(refused.value) and not second.exists()
    two = export_register(
        register,
        second,
        k=11,
        as_of=dt.date(2024, 1, 31),
        allow_another_release=True,
        suppression=suppression,
    )
    assert two.report.rows_written and two.report.rows_withheld_for_differencing
    columns = [*QUASI_IDENTIFIERS, "majorityStatus"]  # majority status goes with the age band
    counts = []
    for path, done in ((first, one), (second, two)):
        back = load(path)  # the toolkit's CTDC loader, by the file's header
        assert (back.provenance.source, back.provenance.layout) == ("ctdc", "k_anonymised")
        assert back.rows_in == back.data.height == done.report.to_dict()["rows_written"]
        raw = pl.read_csv(path, separator=";", infer_schema=False).fill_null("")
        header = _read_header(path)
        assert header[0].startswith("By using this data") and len(header) == 64  # CTDC's documented layout
        assert raw.get_column(header[0]).eq("").all()  # every row begins with an empty field
        sets = raw.group_by(columns).len()
        assert sets["len"].min() >= 11
        counts.append(sets)
    joined = counts[0].join(counts[1], on=columns, how="full", coalesce=True).fill_null(0)
    differences = (joined["len"] - joined["len_right"]).abs()
    assert differences.filter(differences > 0).min() >= 11


def _read_header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle, delimiter=";"))


@pytest.fixture(scope="module")
def twelve(tmp_path_factory) -> tuple[Path, Path, list[str]]:
    """A register of one export of twelve people: its file, its key, the case ids."""
    folder = tmp_path_factory.mktemp("links")
    exports = write_exports(folder, people=12, months=1, faults=False, first_year=2022)
    register, key = folder / "register.duckdb", folder / "register.key"
    import_export(register, exports[0], folder / "cases.mapping.yaml", key_path=key)
    return register, key, [r[0] for r in _read(exports[0])[1:]]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(links=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=6))
@example(
    links=[(0, 2), (1, 3), (0, 1)]
)  # two people, each of two ids, then found to be one: nothing new to add
def test_linked_ids_count_once_however_links_chain(links, twelve) -> None:
    """However ids are linked (pairs chaining into groups), the records as of a date are one per person."""
    made, key, ids = twelve
    with tempfile.TemporaryDirectory() as folder:
        register = Path(shutil.copy2(made, Path(folder) / "register.duckdb"))
        group = list(range(len(ids)))  # union-find, by hand

        def root(i: int) -> int:
            while group[i] != i:
                i = group[i]
            return i

        for a, b in links:
            a, b = a % len(ids), b % len(ids)
            if a == b:
                continue
            link(register, [ids[a], ids[b]], key_path=key)
            group[root(a)] = root(b)
        persons = [root(i) for i in range(len(ids))]
        assert records_as_of(register).data.height == len(set(persons))
        assert status(register)["persons_linked"] == len({p for p in persons if persons.count(p) > 1})


def test_a_renamed_same_person_column_is_refused_until_given_as_the_export_names_it(year, tmp_path) -> None:
    register = _copy(year, tmp_path)
    rows = _read(year["exports"][-1])
    rows[0][NAME] = "Name"
    july = _write(tmp_path / "cases_2024-07-31.csv", rows)
    mapping = tmp_path / "cases.mapping.yaml"
    text = year["renamed"].read_text(encoding="utf-8")
    mapping.write_text(text.replace('"Full name"', '"Name"'), encoding="utf-8")
    before = status(register)["imports"]
    with pytest.raises(InputError, match="'Full name'") as refused:
        import_export(register, july, mapping, key_path=year["key"])
    assert "renamed?" in str(refused.value) and status(register)["imports"] == before
    done = import_export(register, july, mapping, key_path=year["key"], same_person=["Name", "Date of birth"])
    assert done.flags.filter(pl.col("reason").str.starts_with("Name, Date of birth")).height == 2
    assert status(register)["same_person_columns"] == ["Name", "Date of birth"]


@given(months=st.integers(4, 30), dropped=st.integers(1, 28), start=st.integers(0, 120))
def test_a_month_missing_among_monthly_exports_is_the_one_gap(months, dropped, start) -> None:
    from evidence.sources.register.store import export_gaps

    ends = []
    for n in range(start, start + months):
        year, month = 2015 + n // 12, n % 12 + 1
        ends.append(dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))
    assert export_gaps(ends) == []
    dropped = 1 + dropped % (months - 2)  # neither the first export nor the last
    kept = ends[:dropped] + ends[dropped + 1 :]
    gap = export_gaps(kept)
    assert [(g["after"], g["before"]) for g in gap] == [
        (ends[dropped - 1].isoformat(), ends[dropped + 1].isoformat())
    ]


def test_the_person_hashes_and_the_sets_of_a_release_are_stored_in_one_order_whatever_the_threads(
    year, tmp_path
) -> None:
    """DuckDB wrote the person hashes, and polars grouped a release's sets, in the order their threads finished:
    two registers made alike differed in their files. Each table is stored in the order of its content."""
    register = tmp_path / "register.duckdb"
    first = year["exports"][0]
    import_export(
        register, first, year["mapping"], key_path=year["key"], same_person=["Full name", "Date of birth"]
    )
    export_register(register, tmp_path / "ctdc.csv", k=3)
    with duckdb.connect(str(register), read_only=True) as connection:
        hashes = connection.execute("SELECT record_key, person_hash FROM person_hashes").fetchall()
        sets = connection.execute("SELECT export_id, quasi_identifiers FROM ctdc_export_sets").fetchall()
    assert len(hashes) > 100 and len(sets) > 10, (len(hashes), len(sets))
    assert hashes == sorted(hashes)
    assert sets == sorted(sets)
