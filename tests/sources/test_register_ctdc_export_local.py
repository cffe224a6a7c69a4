"""Local suppression in the register's CTDC export: k is reached by blanking the rare values only.

CTDC (and sdcMicro's ``localSuppression``) blank a value in the records whose set would otherwise hold fewer
than k, and keep the common ones. Reached by withholding whole columns instead, the invented register's export
at k = 11 had every citizenship, every country of exploitation, every year and the form of exploitation empty.
A blank is a value of its own: it matches only blanks (as CTDC's k-anonymity treats a suppressed cell).
"""

from __future__ import annotations

import datetime as dt
import json
import sys

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.sources.case_schema import FLAG_GROUPS, conform
from evidence.sources.ctdc import load as load_ctdc
from evidence.sources.register import records_as_of
from evidence.sources.register.ctdc_export import (
    LOCALLY_SUPPRESSED,
    QUASI_IDENTIFIERS,
    SET_COLUMNS,
    _layout_frame,
    _withhold_differences,
    anonymise,
    export_register,
    suppressed_values,
    write_ctdc_export,
)

_COUNTRIES = ("citizenship", "CountryOfExploitation")


def _written(path) -> pl.DataFrame:
    frame = pl.read_csv(path, separator=";", infer_schema=False)
    return frame.drop(frame.columns[0])


def test_common_countries_are_kept_and_only_rare_values_blanked(register_fixture, tmp_path) -> None:
    """The invented register at k = 11: globally recoded, no country and no year was written; locally
    suppressed, the common countries are (Thailand among them), every set still holds at least k rows, and the
    report and the sidecar count per column the values blanked (never per record)."""
    data = records_as_of(register_fixture.register).data
    out = tmp_path / "ctdc.csv"
    report = write_ctdc_export(data, out, k=11)
    assert report.suppression == "local"
    written = _written(out)
    assert written.group_by(SET_COLUMNS).len()["len"].min() >= 11
    for column in _COUNTRIES:
        assert report.levels[column] == "country"
        counts = report.generalised[column]
        assert counts["country"] > 0 and counts[LOCALLY_SUPPRESSED] > 0
        assert sum(counts.values()) == report.rows_written
        assert int(written[column].is_not_null().sum()) == counts["country"]
    assert "TH" in set(written["CountryOfExploitation"].drop_nulls())
    # the rare values went: every country written is held by at least k rows
    for column in _COUNTRIES:
        assert written.group_by(column).len().drop_nulls(column)["len"].min() >= 11
    said = "\n".join(report.lines())
    assert "rare ones written empty, as CTDC leaves a suppressed country" in said
    sidecar = json.loads(out.with_name("ctdc.csv.provenance.json").read_text(encoding="utf-8"))
    rare = report.generalised["citizenship"][LOCALLY_SUPPRESSED]
    assert any(f"{rare} rare recorded values locally suppressed" in n for n in sidecar["notes"])
    back = load_ctdc(out)
    assert back.rows_rejected == 0 and back.rows_kept == report.rows_written
    # withholding whole columns wrote no country at all
    _, global_report = anonymise(data, k=11, suppression="global")
    assert {global_report.levels[c] for c in _COUNTRIES} == {"withheld"}
    assert sum(report.generalised[c]["country"] for c in _COUNTRIES) > 200


def test_an_unknown_way_of_reaching_k_is_refused(register_fixture) -> None:
    from evidence.core.errors import ParameterError

    with pytest.raises(ParameterError, match="local, global"):
        anonymise(records_as_of(register_fixture.register).data, k=5, suppression="both")


_FORMS = FLAG_GROUPS["exploitation"][:3]
RECORD = st.fixed_dictionaries(
    {
        "year": st.integers(2019, 2023),
        "data_source_type": st.sampled_from(["Case management", "Hotline", None]),
        "gender": st.sampled_from(["Female", "Male", None]),
        "age_band": st.sampled_from(["9-17", "18-20", None]),
        "origin_iso3": st.sampled_from(["THA", "MMR", "KHM", None]),
        "destination_iso3": st.sampled_from(["THA", "MYS", None]),
        **{c: st.sampled_from([True, False, None]) for c in _FORMS},
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=st.lists(st.tuples(RECORD, st.integers(1, 9)), min_size=1, max_size=12),
    k=st.integers(2, 9),
    max_suppressed=st.sampled_from([0.0, 0.05, 0.5]),
)
def test_local_suppression_never_touches_a_set_of_k_and_leaves_every_set_at_least_k(
    records, k, max_suppressed
) -> None:
    """Whatever the records: every set over the quasi-identifiers as written (a blank its own value) holds at
    least k rows; a set of k or more records before suppression is written untouched (its rows with all their
    values); records in = written + left out; the values counted as suppressed add up to the cells blanked."""
    rows = [record for record, n in records for _ in range(n)]
    data = conform(pl.DataFrame(rows))
    kept, report = anonymise(data, k=k, max_suppressed=max_suppressed)
    assert report.rows_in == report.rows_written + report.rows_suppressed + report.rows_blank
    assert report.rows_written == kept.height
    if kept.height:
        assert kept.group_by(SET_COLUMNS).len()["len"].min() >= k
    if all(level == QUASI_IDENTIFIERS[c][0] for c, level in report.levels.items()):
        finest, _ = _layout_frame(data)
        before = (
            finest.group_by(SET_COLUMNS)
            .len()
            .filter((pl.col("len") >= k) & pl.any_horizontal(pl.col(c).is_not_null() for c in SET_COLUMNS))
        )
        after = kept.group_by(SET_COLUMNS).len()
        joined = before.join(after, on=SET_COLUMNS, how="left", nulls_equal=True)
        assert (joined["len_right"].fill_null(0) >= joined["len"]).all()
    for column in QUASI_IDENTIFIERS:  # each column's counts add up to the rows written
        assert sum(report.generalised[column].values()) == report.rows_written


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        [{c: row.get(c) for c in SET_COLUMNS} for row in rows], schema=dict.fromkeys(SET_COLUMNS, pl.String)
    )


def _key(**values) -> str:
    return json.dumps([values.get(c) for c in SET_COLUMNS])


def test_a_value_written_in_one_release_and_blanked_in_the_next_is_not_subtracted_into_few() -> None:
    """Release 1 wrote 11 people of Myanmar (2019) and 11 whose citizenship was blank; one of the 11 was
    erased, so release 2 blanked the other 10 (fewer than k) and 11 people came in with a rare citizenship
    blanked too: 32 blank. Set by set, no count moved by fewer than k (11 -> 0, 11 -> 32); but whoever holds
    both files adds up the sets that may hold the same people, Myanmar or blank: 22 then, 32 now, and among
    them the erased person's row. Checked so, release 2 leaves that group out."""
    earlier = {_key(yearOfRegistration="2019", citizenship="MM"): 11, _key(yearOfRegistration="2019"): 11}
    frame = _frame([{"yearOfRegistration": "2019"}] * 32)
    # as compared set by set only (neither release blanked a value locally): nothing to withhold
    alone, withheld = _withhold_differences(frame, [(11, earlier, {})], 11)
    assert withheld == 0 and alone.height == 32
    # release 2 blanked MM (and the newcomers' KH): the groups are compared, the blank set is left out
    blanked = {"citizenship": {"MM", "KH"}}
    out, withheld = _withhold_differences(frame, [(11, earlier, {})], 11, blanked)
    assert withheld == 32 and out.height == 0
    # the same when release 1 was the one that blanked MM and release 2 writes it
    frame = _frame(
        [{"yearOfRegistration": "2019", "citizenship": "MM"}] * 12 + [{"yearOfRegistration": "2019"}] * 11
    )
    earlier = {_key(yearOfRegistration="2019"): 22}  # 11 MM blanked in it, 11 others
    out, withheld = _withhold_differences(frame, [(11, earlier, {"citizenship": {"MM"}})], 11, {})
    assert withheld == 23 and out.height == 0
    # a group whose count moved by k or more is kept
    frame = _frame([{"yearOfRegistration": "2019"}] * 33)
    out, withheld = _withhold_differences(
        frame,
        [
            (
                11,
                {_key(yearOfRegistration="2019", citizenship="MM"): 11, _key(yearOfRegistration="2019"): 11},
                {},
            )
        ],
        11,
        blanked,
    )
    assert withheld == 0 and out.height == 33


def test_later_releases_locally_suppressed_are_checked_against_the_earlier_ones(
    register_fixture, tmp_path
) -> None:
    """Monthly releases, each locally suppressed and allowed: the register keeps each one's blanked values
    beside its levels; a later release is checked set by set and group by group against them, and a month
    whose every group moved by fewer than k is refused, nothing written. Whatever is written, no set of two
    files differs by fewer than k."""
    from evidence.core.errors import ParameterError
    from evidence.sources.register.store import ctdc_release_sets

    register = register_fixture.copy(tmp_path)
    k, files, refusals = 5, [], 0
    for month in (dt.date(2023, 3, 31), dt.date(2023, 4, 30), dt.date(2023, 5, 31), dt.date(2023, 6, 30)):
        out = tmp_path / f"ctdc_{month}.csv"
        try:
            done = export_register(register, out, k=k, as_of=month, allow_another_release=True)
        except ParameterError as refused:
            assert "differs from the same set of an earlier release" in str(refused) and not out.exists()
            assert "--global-recoding" in str(refused)  # the way for a series of releases
            refusals += 1
            continue
        assert done.report.suppression == "local"
        files.append(out)
    assert len(files) >= 2 and refusals  # June: every group moved by fewer than k
    kept = ctdc_release_sets(register)
    assert kept and all(suppressed_values(e["levels"]) for e in kept)
    # a value the first release blanked is written nowhere in a later one: a blank of the first hides only
    # values the later ones do not show
    blanked = suppressed_values(kept[0]["levels"])
    for later in files[1:]:
        frame = _written(later)
        for column, values in blanked.items():
            assert not set(frame[column].drop_nulls()) & values, column
    counts = [_written(f).group_by(SET_COLUMNS).len() for f in files]
    for i, first in enumerate(counts):
        assert first["len"].min() >= k
        for second in counts[i + 1 :]:
            joined = first.join(
                second, on=SET_COLUMNS, how="full", coalesce=True, nulls_equal=True
            ).fill_null(0)
            moved = (joined["len"].cast(pl.Int64) - joined["len_right"].cast(pl.Int64)).abs()
            assert moved.filter(moved > 0).min() is None or moved.filter(moved > 0).min() >= k


def test_levels_recorded_before_local_suppression_read_as_nothing_blanked() -> None:
    assert suppressed_values({"citizenship": "withheld"}) == {}
    assert suppressed_values(
        {"citizenship": "country", "locally suppressed values": json.dumps({"citizenship": ["KP"]})}
    ) == {"citizenship": {"KP"}}


def test_the_command_reaches_k_globally_on_request(register_fixture, tmp_path, monkeypatch, capsys) -> None:
    from evidence.cli.main import main

    register = register_fixture.copy(tmp_path)
    out = tmp_path / "ctdc.csv"
    args = ["evidence", "register", "export-ctdc", str(out), "--k", "11", "--register", str(register)]
    monkeypatch.setattr(sys, "argv", [*args, "--global-recoding", "--json"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    captured = capsys.readouterr()
    assert exit_info.value.code in (0, None), captured.err
    assert json.loads(captured.out)["levels"]["citizenship"] == "withheld"
    assert _written(out)["citizenship"].is_null().all()


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(st.lists(st.integers(0, 40), min_size=4, max_size=4), min_size=1, max_size=60),
    wide=st.integers(0, 3),
    blank=st.lists(st.booleans(), min_size=60, max_size=60),
)
def test_the_rounds_count_rows_alike_as_polars_windows_do(rows, wide, blank) -> None:
    """Local suppression counts the rows alike over integer codes in numpy (:func:`_alike`): as ``pl.len().over``
    and a mask's ``sum().over`` count them, over any of the columns, including codes whose mixed-radix key
    would pass its bound and is numbered anew on the way (a column of ``wide`` spans: 2**20 and more)."""
    import numpy as np

    from evidence.sources.register.ctdc_export import _alike

    spans = [41 if i >= wide else 1 << (20 + 4 * i) for i in range(4)]
    codes = np.array([[v if spans[i] == 41 else v * (spans[i] // 41) for i, v in enumerate(r)] for r in rows])
    among = np.array(blank[: len(rows)])
    frame = pl.DataFrame(codes, schema=[f"c{i}" for i in range(4)], orient="row").with_columns(among=among)
    for columns in ([0], [1, 3], [0, 1, 2, 3], [3, 2, 1]):
        names = [f"c{i}" for i in columns]
        expected = frame.select(n=pl.len().over(names), m=pl.col("among").sum().over(names))
        assert _alike(codes, spans, columns).tolist() == expected["n"].to_list(), columns
        assert _alike(codes, spans, columns, among).tolist() == expected["m"].to_list(), columns
