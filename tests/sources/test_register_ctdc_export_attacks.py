"""Attacks on the register's k-anonymised CTDC export, by whoever holds every file it published.

Each test is named after the attack: what the attacker reads (one file as written, several releases, the sidecar)
and what must not come out of it (a set of fewer than k people).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.core.errors import ParameterError
from evidence.sources.case_schema import FLAG_GROUPS, conform
from evidence.sources.register.ctdc_export import (
    _EXPLOITATION_FLAGS,
    GENERALISED_COLUMNS,
    SET_COLUMNS,
    _anonymised,
    _rendered,
    _withhold_implied,
    anonymise,
    another_release,
    export_register,
    first_year_of,
    recorded_levels,
    row_counts,
    set_counts,
    write_ctdc_export,
)

#: Every column of the file that tells a quasi-identifier: the sets' own, the flags of the form of exploitation,
#: the layout's other majority statuses, and the generalised columns.
_AS_WRITTEN = [
    *SET_COLUMNS,
    *_EXPLOITATION_FLAGS,
    "majorityStatusAtExploit",
    "majorityEntry",
    *(c for cs in GENERALISED_COLUMNS.values() for c in cs),
]


def _read(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(path, separator=";", infer_schema=False)
    return frame.drop(frame.columns[0])


def _smallest_as_written(frame: pl.DataFrame) -> int:
    return int(frame.group_by([c for c in _AS_WRITTEN if c in frame.columns]).len()["len"].min())


_FORMS = FLAG_GROUPS["exploitation"][:3]
RECORD = st.fixed_dictionaries(
    {
        "year": st.integers(2019, 2021),
        "data_source_type": st.sampled_from(["Case management", None]),
        "gender": st.sampled_from(["Female", "Male", None]),
        "age_band": st.sampled_from(["9-17", "18-20", None]),
        "majority_status": st.sampled_from(["Minor", "Adult", None]),
        "origin_iso3": st.sampled_from(["THA", "MMR", None]),
        "destination_iso3": st.sampled_from(["THA", None]),
        **{c: st.sampled_from([True, False, None]) for c in _FORMS},
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=st.lists(st.tuples(RECORD, st.integers(1, 6)), min_size=1, max_size=10),
    k=st.integers(2, 6),
    generalised_columns=st.booleans(),
    suppression=st.sampled_from(["local", "global"]),
)
def test_attack_one_file_every_set_over_the_columns_as_written_holds_k(
    records, k, generalised_columns, suppression
) -> None:
    """One file, grouped by every column that tells a quasi-identifier as written (the flags of the form of
    exploitation too: a record whose flags say 'none of these' (0) and one whose flags are not recorded (empty)
    share the empty form of exploitation, but the flags tell them apart): every set holds at least k rows."""
    rows = [record for record, n in records for _ in range(n)]
    data = conform(pl.DataFrame(rows))
    kept, report = anonymise(data, k=k, generalised_columns=generalised_columns, suppression=suppression)
    if kept.height:
        written = _rendered(_withhold_implied(kept)[0], report.levels, generalised_columns)
        assert _smallest_as_written(written) >= k


def test_attack_one_file_flags_none_of_these_beside_flags_not_recorded(tmp_path) -> None:
    """The case the rule above found: 3 records whose forms of exploitation are all recorded as no, 1 whose
    forms are not recorded, alike otherwise. Their form of exploitation is empty alike (a set of 4 at k = 4),
    but written as 0s the flags of the 3 set apart the 1 whose flags are empty."""
    base = {"year": 2020, "gender": "Female", "origin_iso3": "MMR", "destination_iso3": "THA"}
    no = dict.fromkeys(FLAG_GROUPS["exploitation"], False)
    data = conform(pl.DataFrame([{**base, **no}] * 3 + [base]))
    out = tmp_path / "ctdc.csv"
    report = write_ctdc_export(data, out, k=4)
    assert report.rows_written == 4
    assert _smallest_as_written(_read(out)) >= 4


def _moved_by_fewer_than_k(files: list[tuple[pl.DataFrame, int]]) -> list[tuple[int, int, int, int]]:
    """Each set of two files, compared as whoever holds both compares them (a band or an area, in an extra
    column, is read as the empty layout column it stands beside: the two files' sets then line up), held by
    both and whose count moved by 1 to k - 1 (the larger k of the two): (file, file, count, count)."""
    out = []
    for (i, (a, ka)), (j, (b, kb)) in itertools.combinations(enumerate(files), 2):
        joined = (
            a.group_by(SET_COLUMNS)
            .len()
            .join(b.group_by(SET_COLUMNS).len(), on=SET_COLUMNS, how="full", coalesce=True, nulls_equal=True)
            .fill_null(0)
        )
        for x, y in joined.select("len", "len_right").iter_rows():
            if x and y and 0 < abs(x - y) < max(ka, kb):
                out.append((i, j, x, y))
    return out


def _releases(
    register: Path, folder: Path, plan: list[tuple[dt.date, dict]]
) -> list[tuple[pl.DataFrame, int]]:
    files = []
    for i, (as_of, options) in enumerate(plan):
        out = folder / f"release{i}.csv"
        options = {"k": 11, **options}
        try:
            export_register(register, out, as_of=as_of, allow_another_release=True, **options)
        except ParameterError:
            continue  # refused: nothing written
        files.append((_read(out), options["k"]))
    return files


def test_attack_releases_generalised_columns_on_off_on_cannot_be_subtracted(
    register_fixture, tmp_path
) -> None:
    """Release 1 with --generalised-columns writes citizenship in UN M49 sub-regions (k = 11, June); release 2
    without them withholds citizenship (the layout has no sub-region); release 3 with them again keeps release
    2's levels, but was checked against release 2 only: release 1's levels (sub-regions) are not its own, yet
    whoever holds both reads release 1's sub-region column as the empty citizenship beside it, and its sets
    then moved by 2 to 5 people against release 3's. Every earlier release whose levels roll up to this one's is
    checked."""
    register = register_fixture.copy(tmp_path)
    june, may = dt.date(2023, 6, 30), dt.date(2023, 5, 31)
    files = _releases(
        register,
        tmp_path,
        [(june, {"generalised_columns": True}), (june, {}), (may, {"generalised_columns": True})],
    )
    assert len(files) == 3
    assert files[0][0]["citizenshipUNM49Subregion"].is_not_null().any()  # the attack's premise
    assert _moved_by_fewer_than_k(files) == []


def _groups_moved(
    a: dict[str, int],
    b: dict[str, int],
    k: int,
    blanked_a: dict[str, set[str]],
    blanked_b: dict[str, set[str]],
) -> list[tuple[int, int]]:
    """What whoever holds two files subtracts, knowing which values each blanked (more than the files and
    sidecars say, which count them only: the finest groups anyone can add up): the sets of the two linked where
    every column is alike, or blank in one file where the other wrote a value that one blanked (or blank too),
    added up in the connected groups; each group held by both whose sum moved by 1 to k - 1: (sum in a, sum in
    b). Without values blanked, set by set. (Whoever knows less links more sets: coarser groups, sums of these,
    whose moves are sums of moves of 0 or at least k and of sets held by one file alone.)"""
    nodes = [(0, json.loads(q), n) for q, n in a.items()] + [(1, json.loads(q), n) for q, n in b.items()]
    parent = list(range(len(nodes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def hides(blanked: dict[str, set[str]], column: str, value: str | None) -> bool:
        return value is None or value in blanked.get(column, set())

    for i, (side, x, _) in enumerate(nodes):
        for j, (other, y, _) in enumerate(nodes):
            if (
                side == 0
                and other == 1
                and all(
                    u == v or (u is None and hides(blanked_a, c, v)) or (v is None and hides(blanked_b, c, u))
                    for c, u, v in zip(SET_COLUMNS, x, y, strict=True)
                )
            ):
                parent[find(i)] = find(j)
    sums: dict[int, list[int]] = {}
    for i, (side, _, n) in enumerate(nodes):
        sums.setdefault(find(i), [0, 0])[side] += n
    return [(x, y) for x, y in sums.values() if x and y and 0 < abs(x - y) < k]


_EVOLVING = st.fixed_dictionaries(
    {
        "year": st.integers(2019, 2020),
        "gender": st.sampled_from(["Female", "Male", None]),
        "age_band": st.sampled_from(["9-17", "18-20", None]),
        "origin_iso3": st.sampled_from(["THA", "MMR", "LAO", None]),
        "destination_iso3": st.sampled_from(["THA", "MYS"]),
        **{c: st.sampled_from([True, None]) for c in FLAG_GROUPS["exploitation"][:2]},
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.lists(st.tuples(_EVOLVING, st.integers(1, 6)), min_size=1, max_size=8),
    added=st.lists(st.tuples(_EVOLVING, st.integers(1, 3)), max_size=3),
    erased=st.integers(0, 3),
    ks=st.lists(st.integers(2, 5), min_size=2, max_size=3),
    suppression=st.sampled_from(["local", "global"]),
    generalised_columns=st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_attack_releases_subtracted_set_by_set_and_group_by_group_leave_k(
    base, added, erased, ks, suppression, generalised_columns
) -> None:
    """Two or three releases of records that change between them (some erased, some registered), each k its
    own, with and without the generalised columns, allowed as another release as the register allows it
    (:func:`another_release`): whoever holds every file and sidecar subtracts them set by set and group by
    group (knowing the values each blanked): no group held by both moved by 1 to k - 1."""
    rows = [record for record, n in base for _ in range(n)]
    later = rows[erased:] + [record for record, n in added for _ in range(n)]
    versions = [rows, later, later[erased:]][: len(ks)]
    files = [
        (set_counts(kept), k, suppressed)
        for kept, _, suppressed, k, _ in _released_in_turn(
            versions, ks, generalised_columns[: len(versions)], suppression=suppression, rows_kept=False
        )
    ]
    for (a, ka, blank_a), (b, kb, blank_b) in itertools.combinations(files, 2):
        assert _groups_moved(a, b, max(ka, kb), blank_a, blank_b) == []
        assert _groups_moved(a, b, max(ka, kb), {}, {}) == []  # set by set


_PERSON = {
    "year": 2020,
    "gender": "Female",
    "age_band": "18-20",
    "origin_iso3": "MMR",
    "destination_iso3": "THA",
    "exploitation_sexual": True,
}


@pytest.mark.parametrize(("people", "k", "written"), [(1, 2, 0), (4, 5, 0), (5, 5, 5), (12, 11, 12)])
def test_attack_edge_registers_of_one_person_or_fewer_than_k_or_all_alike(
    tmp_path, people, k, written
) -> None:
    """A register of one person, or of fewer than k, writes no row (nothing of them: the file is the header);
    k or more people alike are written whole, every value kept, in one set."""
    out = tmp_path / "ctdc.csv"
    report = write_ctdc_export(conform(pl.DataFrame([_PERSON] * people)), out, k=k)
    frame = _read(out)
    assert report.rows_written == frame.height == written
    assert report.rows_in == report.rows_written + report.rows_suppressed + report.rows_blank
    if written:
        assert frame.unique().height == 1 and frame["citizenship"].to_list() == ["MM"] * written
        assert _smallest_as_written(frame) == written


def test_attack_edge_k_larger_than_the_register_writes_and_records_nothing(
    register_fixture, tmp_path
) -> None:
    from evidence.sources.register.store import ctdc_exports

    register = register_fixture.copy(tmp_path)
    out = tmp_path / "ctdc.csv"
    with pytest.raises(ParameterError, match="no record can be written"):
        export_register(register, out, k=10_000)
    assert not out.exists() and not ctdc_exports(register)


def test_attack_one_file_flags_follow_the_form_and_say_no_no_the_records_never_said(
    register_fixture, tmp_path
) -> None:
    """The flags of the form of exploitation a function of the form, as the records said them: the invented
    register's mapping does not name 'other' (set only by forced criminality), so isOtherExploit is 1 or empty,
    never a 0 the records never said; forms recorded under two mappings (other 'no' beside other empty, both
    forced labour) are written alike."""
    from evidence.sources.register import records_as_of

    out = tmp_path / "ctdc.csv"
    write_ctdc_export(records_as_of(register_fixture.register).data, out, k=5)
    written = _read(out)
    assert set(written["isOtherExploit"].to_list()) <= {None, "1"}
    assert written.filter(pl.col("typeOfExploitConcatenated") == "Forced labour").height > 0
    base = {**_PERSON, "exploitation_sexual": None, "exploitation_forced_labour": True}
    data = conform(pl.DataFrame([base] * 3 + [{**base, "exploitation_other": False}] * 2))
    kept, report = anonymise(data, k=5)
    assert report.rows_written == 5
    assert _smallest_as_written(_rendered(kept, report.levels, False)) == 5


def test_attack_releases_local_then_global_recoding_is_refused_saying_why(register_fixture, tmp_path) -> None:
    """A release locally suppressed, then one with --global-recoding: kept to the first one's levels (every
    column as recorded) without local suppression, no set reaches k. Refused, nothing written, and the refusal
    says so: not 'however far they are generalised' (they were not: the first release fixed the levels)."""
    register = register_fixture.copy(tmp_path)
    export_register(register, tmp_path / "first.csv", k=11, as_of=dt.date(2023, 3, 31))
    out = tmp_path / "second.csv"
    with pytest.raises(ParameterError, match="generalised as export 1 was") as refused:
        export_register(
            register, out, k=11, as_of=dt.date(2023, 4, 30), allow_another_release=True, suppression="global"
        )
    assert "however far" not in str(refused.value) and not out.exists()


def _full_rows(frame: pl.DataFrame) -> dict[tuple, dict[tuple, int]]:
    """A file as whoever holds it subtracts it row by row: each set (its columns as written, a band or an area in
    an extra column read as the empty layout column beside it) -> each full row of it -> how many times it is
    written."""
    frame = frame.drop([c for cs in GENERALISED_COLUMNS.values() for c in cs], strict=False)
    out: dict[tuple, dict[tuple, int]] = {}
    for row in frame.iter_rows(named=True):
        key = tuple(row[c] for c in SET_COLUMNS)
        full = tuple(row.values())
        out.setdefault(key, {})[full] = out.setdefault(key, {}).get(full, 0) + 1
    return out


def _rows_moved_by_fewer_than_k(a: pl.DataFrame, b: pl.DataFrame, k: int) -> list[tuple[int, int]]:
    """Each set held by both of two files whose full rows, subtracted, leave 1 to k - 1 rows gone or 1 to k - 1
    rows new: (gone, new). (A set held by one file alone is that file's, at least its own k.)"""
    here, there = _full_rows(a), _full_rows(b)
    out = []
    for key in here.keys() & there.keys():
        x, y = here[key], there[key]
        gone = sum(max(0, n - y.get(row, 0)) for row, n in x.items())
        new = sum(max(0, n - x.get(row, 0)) for row, n in y.items())
        if 0 < gone < k or 0 < new < k:
            out.append((gone, new))
    return out


def _released_in_turn(
    versions: list[list[dict]],
    ks: list[int],
    generalised_columns: list[bool],
    *,
    suppression: str,
    rows_kept: bool = True,
):
    """Each version of the records released after the ones before, as the register allows another release
    (:func:`another_release`, the register's record of each written: its levels, sets and, unless
    ``rows_kept`` is false, as in a register made before it kept them, rows): for each file written (not
    refused, not the same file again), its records kept, report, values suppressed, k and whether it has the
    generalised columns."""
    known: list[dict] = []
    for i, (version, k, columns) in enumerate(zip(versions, ks, generalised_columns, strict=False)):
        if not version:
            continue
        data = conform(pl.DataFrame(version))
        options = {"k": k, "max_suppressed": 0.05, "generalised_columns": columns, "suppression": suppression}
        if known:
            kept, report, suppressed, first_year = another_release(data, known, **options)
        else:
            kept, report, suppressed = _anonymised(data, levels=None, first_year=None, earlier=(), **options)
            first_year = first_year_of(data)
        sets = set_counts(kept)
        rows = row_counts(kept) if rows_kept else None
        if not kept.height or any(e["sets"] == sets and e.get("rows") == rows for e in known):
            continue  # refused, or the same file again
        record = {
            "export_id": i,
            "k": k,
            "levels": recorded_levels(report, suppressed),
            "first_year": first_year,
        }
        known.append({**record, "sets": sets, **({"rows": rows} if rows_kept else {})})
        yield kept, report, suppressed, k, columns


def _release_files(versions: list[list[dict]], ks: list[int], **options) -> list[tuple[pl.DataFrame, int]]:
    """Each version of the records released after the ones before (:func:`_released_in_turn`): the files written (as
    rendered) and their k."""
    columns = options.get("generalised_columns", [False] * len(ks))
    return [
        (_rendered(_withhold_implied(kept)[0], report.levels, generalised), k)
        for kept, report, _, k, generalised in _released_in_turn(
            versions, ks, columns, suppression=options.get("suppression", "local")
        )
    ]


def test_attack_releases_one_erased_and_k_added_subtracted_row_by_row_give_the_erased_persons_row() -> None:
    """Release A: a set of 5 people (k = 5), 4 controlled by false promises, 1 by threats (flags outside the
    quasi-identifiers). Before release B the one with threats is erased and 6 people alike to the 4 are
    registered: the set goes 5 -> 10 (moved by 5, at least k: the count check passes), but subtracted row by row
    the two files give the erased person's own row (1 row gone). The set is left out of B."""
    promises = {**_PERSON, "means_false_promises": True}
    threats = {**_PERSON, "means_threats": True}
    a = [promises] * 4 + [threats]
    b = [promises] * 10
    files = _release_files([a, b], [5, 5])
    assert files[0][0].height == 5  # the attack's premise: A holds the set whole
    assert all(
        _rows_moved_by_fewer_than_k(x, y, 5) == [] for (x, _), (y, _) in itertools.combinations(files, 2)
    )


def test_attack_releases_one_corrected_and_k_added_subtracted_row_by_row_give_the_corrected_persons_row() -> (
    None
):
    """A correction of one person's field outside the quasi-identifiers (false promises -> threats) and 5 people
    registered whose documents were withheld: the set goes 6 -> 11, and row by row 1 row is gone (the
    person's as it was) and 6 new."""
    promises = {**_PERSON, "means_false_promises": True}
    threats = {**_PERSON, "means_threats": True}
    documents = {**_PERSON, "means_withhold_documents": True}
    files = _release_files([[promises] * 6, [promises] * 5 + [threats] + [documents] * 5], [5, 5])
    assert files[0][0].height == 6
    assert all(
        _rows_moved_by_fewer_than_k(x, y, 5) == [] for (x, _), (y, _) in itertools.combinations(files, 2)
    )


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.lists(st.tuples(_EVOLVING, st.integers(1, 6)), min_size=1, max_size=8),
    added=st.lists(st.tuples(_EVOLVING, st.integers(1, 3)), max_size=3),
    erased=st.integers(0, 3),
    corrected=st.integers(0, 2),
    ks=st.lists(st.integers(2, 5), min_size=2, max_size=3),
    suppression=st.sampled_from(["local", "global"]),
    generalised_columns=st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_attack_releases_subtracted_row_by_row_leave_0_or_k_rows_gone_and_new(
    base, added, erased, corrected, ks, suppression, generalised_columns
) -> None:
    """Two or three releases of records that change between them (some erased, some corrected outside the
    quasi-identifiers, some registered): whoever holds every file subtracts them set by set, full row by full
    row: in every set the rows gone and the rows new are each 0 or at least k (the larger of the two files')."""
    rows = [{**record, "means_threats": i % 2 == 0} for i, (record, n) in enumerate(base) for _ in range(n)]
    fixed = [{**r, "means_threats": not r["means_threats"]} for r in rows[erased : erased + corrected]]
    later = fixed + rows[erased + corrected :] + [record for record, n in added for _ in range(n)]
    versions = [rows, later, later[erased:]][: len(ks)]
    kept = [(v, k) for v, k in zip(versions, ks, strict=False) if v]
    files = _release_files(
        [v for v, _ in kept],
        [k for _, k in kept],
        suppression=suppression,
        generalised_columns=generalised_columns,
    )
    for (a, ka), (b, kb) in itertools.combinations(files, 2):
        assert _rows_moved_by_fewer_than_k(a, b, max(ka, kb)) == []


def test_releases_of_a_register_that_kept_no_rows_are_compared_by_counts_saying_so(
    register_fixture, tmp_path
) -> None:
    """Each release now keeps its full rows (counts per set and row as written, adding up to its set counts); a
    register made before (no such column) still opens, its releases are compared by counts only, and the report
    says so in one line."""
    import duckdb

    from evidence.sources.register.store import ctdc_exports, ctdc_release_sets

    register = register_fixture.copy(tmp_path)
    options = {"k": 5, "suppression": "global"}
    first = export_register(register, tmp_path / "a.csv", as_of=dt.date(2023, 3, 31), **options)
    (kept,) = ctdc_release_sets(register)
    assert {q: sum(rows.values()) for q, rows in kept["rows"].items()} == kept["sets"]
    assert sum(kept["sets"].values()) == first.report.rows_written
    assert "full_rows" not in ctdc_exports(register)[0]  # kept for itself, like the levels
    with duckdb.connect(str(register)) as connection:  # as an older register recorded it
        connection.execute("ALTER TABLE ctdc_exports DROP COLUMN full_rows")
    assert ctdc_release_sets(register)[0]["rows"] is None
    second = export_register(
        register, tmp_path / "b.csv", as_of=dt.date(2023, 6, 30), allow_another_release=True, **options
    )
    said = [line for line in second.report.lines() if "by set counts only" in line]
    line = (
        "compared with export 1 by set counts only, not row by row (recorded before the register kept each "
    )
    assert said == [line + "release's rows)"]
    assert ctdc_release_sets(register)[1]["rows"] is not None  # the column added again, this one's rows kept


def test_attack_register_releases_one_erased_and_k_added_subtracted_row_by_row_give_the_erased_persons_row(
    tmp_path,
) -> None:
    """The leak above through the register itself: 5 people alike in every quasi-identifier, 4 whose documents
    were confiscated, 1 whose were not; release A (k = 5) writes them; the 1 is erased (register/erasure.py) and
    6 more alike to the 4 are imported; release B, allowed, would write 10 (a move of 5, at least k), and the
    two files subtracted row by row give the erased person's row. B leaves the set out: nothing is written."""
    from evidence.sources.register import import_export
    from evidence.sources.register.erasure import erase

    mapping = Path(__file__).parents[1] / "fixtures" / "case_records" / "assisted_victims.csv.mapping.yaml"
    header = (Path(mapping).parent / "assisted_victims.csv").read_text().splitlines()[0]

    def person(number: int, documents: str) -> str:
        return f"C-{number:03d},2020,F,30,Myanmar,Thailand,,NGO,Y,N,N,N,N,N,{documents},Y,Y,Y"

    register, key = tmp_path / "register.duckdb", tmp_path / "register.key"
    first = tmp_path / "january.csv"
    first.write_text("\n".join([header, *(person(i, "Y") for i in range(4)), person(4, "N")]) + "\n")
    import_export(register, first, mapping, key_path=key, exported_on=dt.date(2024, 1, 31))
    a = export_register(register, tmp_path / "a.csv", k=5, as_of=dt.date(2024, 1, 31))
    assert a.report.rows_written == 5  # the attack's premise
    erase(register, ["C-004"], key_path=key)
    second = tmp_path / "february.csv"
    second.write_text("\n".join([header, *(person(i, "Y") for i in [*range(4), *range(5, 11)])]) + "\n")
    import_export(register, second, mapping, key_path=key, exported_on=dt.date(2024, 2, 29))
    b = tmp_path / "b.csv"
    try:
        export_register(register, b, k=5, as_of=dt.date(2024, 2, 29), allow_another_release=True)
    except ParameterError as refused:
        assert "row by row" in str(refused) and not b.exists()
        return
    assert _rows_moved_by_fewer_than_k(_read(tmp_path / "a.csv"), _read(b), 5) == []
