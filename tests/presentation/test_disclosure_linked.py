"""Counts of one population across tables (LinkedCounts): the audit finds what combining them gives back,
and the protection withholds the counterpart or a complement."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.core.errors import ParameterError
from evidence.presentation.disclosure import (
    ONE,
    UNLABELLED,
    DisclosureRule,
    LinkedCounts,
    _linked_candidates,
    _linked_ties,
    _LinkedProgram,
    _Programs,
    _small_derived,
    _widening,
    _withhold_linked,
    linked_exposures,
    protect_linked,
)

RULE = DisclosureRule(5)


def _two_tables(shown_in_b: bool) -> LinkedCounts:
    """Table A: a (3, <5) + b (17, x) = total 20 (published); table B shows b (17) or withholds it."""
    system = LinkedCounts()
    system.publish("total", 20, None)
    system.publish("a", 3, "small")
    system.publish("b", 17, "complement")
    if shown_in_b:
        system.publish("b", 17, None)
    system.equalities.append({"a": 1.0, "b": 1.0, "total": -1.0})
    return system


def test_a_count_another_table_shows_gives_the_withheld_one_back():
    assert linked_exposures(_two_tables(shown_in_b=False), RULE) == []
    system = _two_tables(shown_in_b=True)
    assert linked_exposures(system, RULE) == ["a"]
    assert linked_exposures(system, RULE, complements=True) == ["b", "a"]  # b: withheld in A, shown in B
    added = protect_linked(system, RULE)
    assert added == {"b": "complement"}  # the counterpart: withheld wherever it is shown
    assert linked_exposures(system, RULE) == []


def test_a_small_difference_never_shown_is_protected():
    # a multi-valued item beside its margin: Recorded 11 (shown), the item 10 (shown): 1 victim without
    system = LinkedCounts()
    system.publish("recorded", 11, None)
    system.publish("item", 10, None)
    system.at_most.append({"item": 1.0, "recorded": -1.0})
    system.derived["without"] = {"recorded": 1.0, "item": -1.0}
    assert linked_exposures(system, RULE) == ["without"]
    assert protect_linked(system, RULE) == {"item": "complement"}  # the smaller of the two
    assert linked_exposures(system, RULE) == []
    # a reader who knows why the item is withheld (its complement is small) has it at least 1: still two values
    system.at_most.append({"recorded": -1.0, "item": 1.0, ONE: 1.0})
    system.publish(ONE, 1, None)
    assert linked_exposures(system, RULE) == []


def test_a_share_and_its_published_base_give_the_count():
    system = LinkedCounts()
    system.publish("base", 12, None)
    system.share("cell", 11, "base", round(11 / 12, 2), 0.005)
    system.derived["cell without"] = {"base": 1.0, "cell": -1.0}
    assert linked_exposures(system, RULE) == ["cell without"]
    protect_linked(system, RULE)
    assert system.status["cell"] == "complement" or system.status["base"] == "complement"
    assert linked_exposures(system, RULE) == []


def test_a_zero_is_no_disclosure_and_a_quantity_has_one_value():
    system = LinkedCounts()
    system.publish("total", 0, None)
    system.publish("cell", 0, "complement")
    system.equalities.append({"cell": 1.0, "total": -1.0})
    assert linked_exposures(system, RULE, complements=True) == []
    assert linked_exposures(system, DisclosureRule(5, zero_is_safe=False), complements=True) == ["cell"]
    with pytest.raises(ParameterError):
        system.quantity("cell", 1)


def test_a_count_withheld_with_no_label_is_kept_and_read_as_any_value():
    # a column over the years: 2010's 9 left empty (its row's breakdown withheld, no label), 2009's 20 shown,
    # their sum 29 published in another table (the route table's corridor): 29 - 20 is the empty cell
    system = LinkedCounts()
    system.publish("2010", 9, UNLABELLED)
    system.publish("2009", 20, None)
    system.publish("column", 29, None)
    system.equalities.append({"2010": 1.0, "2009": 1.0, "column": -1.0})
    assert system.withheld() == ["2010"]
    assert linked_exposures(system, DisclosureRule(11)) == ["2010"]
    assert protect_linked(system, DisclosureRule(11)) == {"2009": "complement"}
    assert linked_exposures(system, DisclosureRule(11)) == []
    # no label: two cells of 1 labelled small beside their printed sum, 2, are pinned by their labels (each at
    # least 1); one left empty is anything from 0, so neither is pinned
    for first, pinned in (("small", ["a", "b"]), (UNLABELLED, [])):
        system = LinkedCounts()
        system.publish("a", 1, first)
        system.publish("b", 1, "small")
        system.publish("sum", 2, None)
        system.equalities.append({"a": 1.0, "b": 1.0, "sum": -1.0})
        assert sorted(map(str, linked_exposures(system, RULE))) == pinned
    # shown in another table, it is back (the counterpart is withheld there); labelled elsewhere, the label holds
    system = LinkedCounts()
    system.publish("a", 3, UNLABELLED)
    system.publish("a", 3, None)
    assert system.published_too == {"a"} and system.withheld() == []
    system = LinkedCounts()
    system.publish("a", 3, UNLABELLED)
    system.publish("a", 3, "small")
    assert system.status["a"] == "small"
    system.publish("b", 12, "complement")
    system.publish("b", 12, UNLABELLED)
    assert system.status["b"] == "complement"


def _range_by_scipy(system: LinkedCounts, rule: DisclosureRule, name: str) -> tuple[float, float] | None:
    """The range of one quantity given what ``system`` publishes, set up from scratch for SciPy's linprog:
    the reference the kept HiGHS programme is checked against."""
    from _scipy_highs import linprog  # SciPy's linprog(method="highs"), without its per-call set-up

    names = list(system.values)
    bounds_of = system._bounds(rule)
    upper = list(system.at_most)
    for q, (base, share, half) in system.shares.items():
        if system.status.get(q) == "share" and q not in system.published_too:
            upper += [{q: 1.0, base: -(share + half)}, {q: -1.0, base: share - half}]

    def matrix(rows: list[dict]) -> list[list[float]] | None:
        return [[row.get(n, 0.0) for n in names] for row in rows] or None

    a_eq, a_ub = matrix(system.equalities), matrix(upper)
    objective = [1.0 if n == name else 0.0 for n in names]
    ends = []
    for sign in (1.0, -1.0):
        result = linprog(
            [sign * c for c in objective],
            A_eq=a_eq,
            b_eq=[0.0] * len(a_eq) if a_eq else None,
            A_ub=a_ub,
            b_ub=[0.0] * len(a_ub) if a_ub else None,
            bounds=[bounds_of[n] for n in names],
        )
        if result.status != 0:
            return None
        ends.append(sign * result.fun)
    return ends[0], ends[1]


_statuses = st.sampled_from([None, None, "small", "complement", UNLABELLED, "unpublished"])


@st.composite
def _linked_tables(draw: st.DrawFn) -> LinkedCounts:
    """A table of cells with its margins (some withheld), a share of one cell in its row, and a cell shown
    again in a second table."""
    rows, columns = draw(st.integers(1, 3)), draw(st.integers(2, 3))
    counts = [[draw(st.integers(0, 30)) for _ in range(columns)] for _ in range(rows)]
    system = LinkedCounts()
    for r in range(rows):
        for c in range(columns):
            status = draw(_statuses)
            system.quantity(("cell", r, c), counts[r][c], status)
        system.quantity(("row", r), sum(counts[r]), draw(_statuses))
        system.equalities.append({**{("cell", r, c): 1.0 for c in range(columns)}, ("row", r): -1.0})
    system.quantity("total", sum(map(sum, counts)), None)
    system.equalities.append({**{("row", r): 1.0 for r in range(rows)}, "total": -1.0})
    if draw(st.booleans()) and counts[0][0] > 0:
        base = ("row", 0)
        share = round(counts[0][0] / sum(counts[0]), 2)
        system.status.pop(("cell", 0, 0), None)
        system.share(("cell", 0, 0), counts[0][0], base, share, 0.005)
    if draw(st.booleans()):
        system.publish(("cell", rows - 1, columns - 1), counts[rows - 1][columns - 1], None)
    return system


@settings(max_examples=40)
@given(system=_linked_tables(), withheld=st.lists(st.integers(0, 20), max_size=4), data=st.data())
def test_the_kept_programme_answers_as_one_set_up_anew(
    system: LinkedCounts, withheld: list[int], data: st.DataObject
) -> None:
    """The protection re-solves one HiGHS model as counts are withheld and given back: after any such steps
    every quantity's range is what a programme set up from scratch (SciPy's linprog) finds."""
    programs = _Programs(system, RULE)
    programs.current()
    names = list(system.values)
    undo_last = None
    for k in withheld:
        undo = _withhold_linked(system, names[k % len(names)])
        if undo_last is not None and data.draw(st.booleans()):
            undo_last()
        undo_last = undo
        program = programs.current()
        for name in names:
            reference = _range_by_scipy(system, RULE, name)
            low, high = (
                program.solve(program.vector({name: 1.0})),
                program.solve(program.vector({name: -1.0})),
            )
            if reference is None:
                assert low is None or high is None
                continue
            assert low is not None and high is not None
            assert low.value == pytest.approx(reference[0], abs=1e-6)
            assert -high.value == pytest.approx(reference[1], abs=1e-6)
            assert program.pinned(program.vector({name: 1.0})) == (reference[1] - reference[0] < 1 - 1e-9)


@settings(max_examples=30)
@given(before=_linked_tables(), system=_linked_tables())
def test_a_programme_on_the_solver_of_one_gone_answers_as_on_a_new_solver(
    before: LinkedCounts, system: LinkedCounts
) -> None:
    """A programme takes the HiGHS solver of a programme gone (``passModel`` clears all the last model left:
    its basis, solution and presolve): every optimum, solution and dual solution of every quantity's range is
    what a new solver finds, bit for bit."""
    import numpy as np

    from evidence.presentation import disclosure

    def answers(program: _LinkedProgram) -> list[tuple]:
        out = []
        for name in system.values:
            for sign in (1.0, -1.0):
                optimum = program.solve(program.vector({name: sign}))
                out.append(
                    None
                    if optimum is None
                    else tuple(
                        np.asarray(part, dtype=float).tobytes()
                        for part in (optimum.value, optimum.x, optimum.costs, optimum.row_costs)
                        if part is not None
                    )
                )
        return out

    idle = disclosure._IDLE_SOLVERS
    idle.clear()
    fresh = answers(_LinkedProgram(system, RULE))  # made on a new solver, left idle once gone
    gone = _LinkedProgram(before, RULE)
    for name in before.values:  # a basis and a solution of another model left in its solver
        gone.solve(gone.vector({name: 1.0}))
    solver = gone._highs
    idle.clear()
    del gone
    assert idle == [solver]
    reused = _LinkedProgram(system, RULE)
    assert reused._highs is solver and idle == []
    assert answers(reused) == fresh


def test_the_solver_writes_nothing_to_the_output() -> None:
    """HiGHS prints a banner on a process's first solver, from C: it would land in a notebook's output."""
    code = (
        "from evidence.presentation.disclosure import DisclosureRule, LinkedCounts, linked_exposures\n"
        "s = LinkedCounts()\n"
        "s.publish('total', 20, None); s.publish('a', 3, 'small'); s.publish('b', 17, None)\n"
        "s.equalities.append({'a': 1.0, 'b': 1.0, 'total': -1.0})\n"
        "print(linked_exposures(s, DisclosureRule(5)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == "['a']\n"
    assert "HiGHS" not in result.stderr


def test_the_solver_starts_in_a_process_without_standard_output() -> None:
    """A daemon or a service may run with no standard output (descriptor 1 closed, ``sys.stdout`` None): the
    first solver starts all the same."""
    code = (
        "import os, sys\n"
        "os.close(1); sys.stdout = None\n"
        "from evidence.presentation.disclosure import DisclosureRule, LinkedCounts, linked_exposures\n"
        "s = LinkedCounts()\n"
        "s.publish('total', 20, None); s.publish('a', 3, 'small'); s.publish('b', 17, None)\n"
        "s.equalities.append({'a': 1.0, 'b': 1.0, 'total': -1.0})\n"
        "sys.stderr.write(repr(linked_exposures(s, DisclosureRule(5))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stderr.endswith("['a']")


def _two_levels() -> LinkedCounts:
    """A small difference (recorded 11 less the item's 10) where no one count withheld frees it: recorded is
    the sum of two published parts, and the item the sum of two others, so the search looks further out."""
    system = LinkedCounts()
    for name, value in (("recorded", 11), ("item", 10), ("a", 6), ("b", 5), ("c", 4), ("d", 6)):
        system.publish(name, value, None)
    system.equalities.append({"a": 1.0, "b": 1.0, "recorded": -1.0})
    system.equalities.append({"c": 1.0, "d": 1.0, "item": -1.0})
    system.at_most.append({"item": 1.0, "recorded": -1.0})
    system.derived["without"] = {"recorded": 1.0, "item": -1.0}
    return system


def test_a_complement_search_asks_once_per_state_whether_a_count_frees_the_target(monkeypatch):
    """Each wider ring of candidates holds the ones before it: whether withholding one frees the target depends
    only on what is withheld (the same in every ring of a round), so it is asked once, not again in each ring
    (two linear programmes each: most of the person section's protection time)."""
    from evidence.presentation import disclosure

    asked: list[tuple[object, frozenset, frozenset]] = []
    frees = disclosure._frees

    def recording(system, programs, candidate, target, *rest):
        asked.append((candidate, frozenset(system.status.items()), frozenset(system.published_too)))
        return frees(system, programs, candidate, target, *rest)

    monkeypatch.setattr(disclosure, "_frees", recording)
    system = _two_levels()
    assert linked_exposures(system, RULE) == ["without"]
    added = protect_linked(system, RULE)
    assert added and set(added.values()) == {"complement"}
    assert linked_exposures(system, RULE) == []
    assert asked and len(asked) == len(set(asked)), "a count asked twice in one state"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(["small", "complement", None, "unshow", "show"])),
        max_size=12,
    )
)
def test_a_kept_programme_bounds_again_only_what_changed_and_agrees_with_bounding_everything(steps):
    """The kept programme carries each change of the system into its bounds (a quantity withheld, shown in
    another table, undone) by bounding again only the quantities whose status changed: its bounds are those of
    the whole system bounded afresh after every change, and the whole system is bounded only once."""
    system = LinkedCounts()
    names = [f"q{i}" for i in range(6)]
    for i, name in enumerate(names):
        system.publish(name, 3 * i + 1, None)
    system.equalities.append({names[0]: 1.0, names[1]: 1.0, names[2]: -1.0})
    programs = _Programs(system, RULE)
    program = programs.current()
    whole = []
    bounds = LinkedCounts._bounds
    LinkedCounts._bounds = lambda self, rule: whole.append(1) or bounds(self, rule)
    try:
        for index, change in steps:
            name = names[index]
            if change == "unshow":
                system.published_too.discard(name)
            elif change == "show":
                system.published_too.add(name)
            else:
                system.status[name] = change
            program = programs.current()
            assert dict(zip(program.names, program._bounds, strict=True)) == bounds(system, RULE)
    finally:
        LinkedCounts._bounds = bounds
    assert whole == []


def _integer_range(tables, same, cell, rule: DisclosureRule, unpublished=()) -> tuple[int, int]:
    """The whole values a reader finds for ``cell`` (table, column, row) from the published tables alone, by
    SciPy's MILP set up from scratch: a published count is itself, a ``<5`` is 1..threshold-1, an ``x`` at
    least the threshold; each table's rows add up to its total column and its columns to its totals row; the
    cells of ``same`` are one count."""
    import numpy as np
    from _scipy_highs import milp  # SciPy's milp, without its per-call set-up
    from scipy.optimize import Bounds, LinearConstraint

    names = [
        (t, c, r)
        for t, table in enumerate(tables)
        for c in table.count_columns
        for r in range(table.frame.height)
    ]
    index = {n: i for i, n in enumerate(names)}
    ceiling = 10 * (
        1 + max(int(v or 0) for t in tables for c in t.count_columns for v in t.frame[c].to_list())
    )
    low, high = [], []
    for t, c, r in names:
        value, reason = tables[t].frame[c][r], tables[t].reasons[c][r]
        if (t, c, r) in unpublished:
            low.append(0), high.append(ceiling)
        elif reason is None:
            low.append(value), high.append(value)
        elif reason == "small":
            low.append(1), high.append(rule.threshold - 1)
        else:
            low.append(rule.threshold), high.append(ceiling)
    rows = []
    for t, table in enumerate(tables):
        n = table.frame.height - (1 if table.has_total_row else 0)
        if table.has_total_column:
            for r in range(table.frame.height):
                row = np.zeros(len(names))
                for c in table.value_columns:
                    row[index[(t, c, r)]] += 1
                row[index[(t, table.total_label, r)]] -= 1
                rows.append(row)
        if table.has_total_row:
            for c in table.count_columns:
                row = np.zeros(len(names))
                for r in range(n):
                    row[index[(t, c, r)]] += 1
                row[index[(t, c, table.frame.height - 1)]] -= 1
                rows.append(row)
    for a, b in same:
        row = np.zeros(len(names))
        row[index[a]], row[index[b]] = 1, -1
        rows.append(row)
    ends = []
    for sign in (1, -1):
        objective = np.zeros(len(names))
        objective[index[cell]] = sign
        result = milp(
            objective,
            constraints=LinearConstraint(np.array(rows), 0, 0),
            bounds=Bounds(low, high),
            integrality=np.ones(len(names)),
        )
        assert result.status == 0
        ends.append(round(sign * result.fun))
    return ends[0], ends[1]


@settings(max_examples=60, deadline=None)
@given(
    files=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 12)), min_size=1, max_size=3),
    reasons=st.lists(st.integers(1, 9), min_size=1, max_size=3),
)
def test_tables_protected_together_give_no_small_count_back(files, reasons):
    """A table of files (kept, rejected, read) and the rejected rows of the first by reason, whose total is that
    file's rejected: each protected on its own, then together; no ``<5`` of either has one whole value given
    both (checked by a MILP set up here, not the toolkit's programme)."""
    import polars as pl

    from evidence.core.errors import EvidenceError
    from evidence.presentation.disclosure import protect_together, suppress_table

    files = [(kept, sum(reasons) if i == 0 else rejected) for i, (kept, rejected) in enumerate(files)]
    frame = pl.DataFrame(
        {
            "file": [f"f{i}" for i in range(len(files))],
            "kept": [k for k, _ in files],
            "rejected": [r for _, r in files],
        }
    )
    by_reason = pl.DataFrame({"reason": [f"r{i}" for i in range(len(reasons))], "rows": reasons})
    try:
        table = suppress_table(frame, "file", ["kept", "rejected"], RULE, total_label="read")
        parts = suppress_table(by_reason, "reason", ["rows"], RULE, total_label="All")
    except EvidenceError:
        return
    truth = [
        pl.DataFrame(
            {
                "kept": [*frame["kept"], sum(frame["kept"])],
                "rejected": [*frame["rejected"], sum(frame["rejected"])],
                "read": [k + r for k, r in files] + [sum(k + r for k, r in files)],
            }
        ),
        pl.DataFrame({"rows": [*reasons, sum(reasons)]}),
    ]
    same = [((0, "rejected", 0), (1, "rows", len(reasons)))]
    try:
        protected = protect_together([table, parts], truth, same, RULE)
    except EvidenceError:
        return
    for t, shown in enumerate(protected):
        for column in shown.count_columns:
            for row, reason in enumerate(shown.reasons[column].to_list()):
                if reason == "small":
                    low, high = _integer_range(protected, same, (t, column, row), RULE)
                    assert high > low, (t, column, row, files, reasons)


@settings(max_examples=60, deadline=None)
@given(
    files=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 6)), min_size=1, max_size=3),
    shown=st.integers(0, 40),
    undated=st.integers(0, 8),
    outside=st.integers(0, 8),
)
def test_a_part_no_table_shows_does_not_follow_from_the_tables_protected_together(
    files, shown, undated, outside
):
    """A table of files (kept, rejected, read) beside what a notebook publishes of the first file: its selection
    (shown, fixed) and its records without a year (a sentence: <5 when few, fixed); the rest of the file (kept
    less both) is shown nowhere, and no reader finds it when small (a MILP set up here)."""
    import polars as pl

    from evidence.core.errors import EvidenceError
    from evidence.presentation.disclosure import DisclosedTable, protect_together, suppress_table

    files = [(shown + undated + outside, files[0][1]), *files[1:]]
    frame = pl.DataFrame(
        {
            "file": [f"f{i}" for i in range(len(files))],
            "kept": [k for k, _ in files],
            "rejected": [r for _, r in files],
        }
    )
    try:
        table = suppress_table(frame, "file", ["kept", "rejected"], RULE, total_label="read")
    except EvidenceError:
        return
    values = [shown, undated, outside, files[0][0]]
    split = DisclosedTable(
        frame=pl.DataFrame({"n": [shown, undated, None, None]}, schema={"n": pl.Int64}),
        count_columns=("n",),
        rule=RULE,
        n_primary=0,
        n_secondary=0,
        has_total_row=True,
        reasons=pl.DataFrame(
            {"n": [None, "small" if RULE.is_small(undated) else None, None, None]}, schema={"n": pl.String}
        ),
    )
    truth = [
        pl.DataFrame(
            {
                "kept": [*frame["kept"], sum(frame["kept"])],
                "rejected": [*frame["rejected"], sum(frame["rejected"])],
                "read": [k + r for k, r in files] + [sum(k + r for k, r in files)],
            }
        ),
        pl.DataFrame({"n": values}),
    ]
    same = [((0, "kept", 0), (1, "n", 3))]
    unpublished = [(1, "n", 2), (1, "n", 3)]
    try:
        protected = protect_together(
            [table, split], truth, same, RULE, fixed=[(1, "n", 0), (1, "n", 1)], unpublished=unpublished
        )
    except EvidenceError:
        return
    assert protected[1] is split  # what other outputs publish is never withheld here
    if RULE.is_small(outside):
        low, high = _integer_range(protected, same, (1, "n", 2), RULE, unpublished)
        assert high > low, (files, shown, undated, outside)
    for column in protected[0].count_columns:
        for row, reason in enumerate(protected[0].reasons[column].to_list()):
            if reason == "small":
                low, high = _integer_range(protected, same, (0, column, row), RULE, unpublished)
                assert high > low


def _pinned_by_scipy(system: LinkedCounts, rule: DisclosureRule, combination: dict) -> bool:
    """Whether ``combination`` holds one whole number only given what ``system`` publishes, by SciPy's linprog
    set up from scratch (as :func:`_range_by_scipy`, for a combination)."""
    from _scipy_highs import linprog  # SciPy's linprog(method="highs"), without its per-call set-up

    names = list(system.values)
    bounds_of = system._bounds(rule)
    upper = list(system.at_most)
    for q, (base, share, half) in system.shares.items():
        if system.status.get(q) == "share" and q not in system.published_too:
            upper += [{q: 1.0, base: -(share + half)}, {q: -1.0, base: share - half}]

    def matrix(rows: list[dict]) -> list[list[float]] | None:
        return [[row.get(n, 0.0) for n in names] for row in rows] or None

    a_eq, a_ub = matrix(system.equalities), matrix(upper)
    objective = [combination.get(n, 0.0) for n in names]
    ends = []
    for sign in (1.0, -1.0):
        result = linprog(
            [sign * c for c in objective],
            A_eq=a_eq,
            b_eq=[0.0] * len(a_eq) if a_eq else None,
            A_ub=a_ub,
            b_ub=[0.0] * len(a_ub) if a_ub else None,
            bounds=[bounds_of[n] for n in names],
        )
        if result.status != 0:
            return False
        ends.append(sign * result.fun)
    return ends[1] - ends[0] < 1 - 1e-9


def _exposures_by_scipy(system: LinkedCounts, rule: DisclosureRule) -> list:
    """:func:`linked_exposures` (without complements) asked afresh of SciPy, target by target."""
    shown = [q for q in system.published_too if rule.is_small(system.values[q])]
    targets = [(q, {q: 1.0}) for q in system.withheld() if rule.is_small(system.values[q])]
    targets += [
        (name, combination)
        for name, combination in system.derived.items()
        if rule.is_small(sum(c * system.values[q] for q, c in combination.items()))
    ]
    return shown + [name for name, combination in targets if _pinned_by_scipy(system, rule, combination)]


def _protect_by_scipy(system: LinkedCounts, rule: DisclosureRule, among=None) -> dict | str:
    """The greedy search of :func:`protect_linked` with every audit and every question asked afresh (no
    programme kept, nothing carried from one round or one candidate to the next): the reference its choices
    must equal. Returns the counts withheld, or ``"unprotectable"``."""
    added: dict = {}
    ties: dict = {}
    lines = [*system.equalities, *system.at_most, *system.derived.values()]
    lines += [{q: 1.0, base: 1.0} for q, (base, _, _) in system.shares.items()]
    for combination in lines:
        for q in combination:
            ties.setdefault(q, set()).update(combination)
    exposed = _exposures_by_scipy(system, rule)
    stuck: dict = {}
    for _ in range(200):
        if not exposed:
            return added
        target = exposed[0]
        stuck[target] = stuck.get(target, 0) + 1
        if stuck[target] > 4:
            return "unprotectable"
        if target in system.published_too and (among is None or target in among):
            system.published_too.discard(target)
            added[target] = "complement"
            exposed = _exposures_by_scipy(system, rule)
            continue
        combination = system.derived.get(target, {target: 1.0})

        def frees(candidate, combination=combination) -> bool:
            undo = _withhold_linked(system, candidate)
            try:
                return not _pinned_by_scipy(system, rule, combination)
            finally:
                undo()

        near, freeing, first = set(combination), [], []
        for _hop in range(4):
            wider = near | {t for q in near for t in ties.get(q, ())}
            candidates = _linked_candidates(system, wider, among)
            first = first or candidates
            freeing = [c for c in candidates[:24] if frees(c)]
            if freeing or wider == near:
                break
            near = wider
        if not first:
            return "unprotectable"
        best, chosen, after = None, first[0], exposed
        for candidate in freeing[:4] or first[:4]:
            undo = _withhold_linked(system, candidate)
            trial = _exposures_by_scipy(system, rule)
            undo()
            score = (len(trial), system.values[candidate])
            if best is None or score < best:
                best, chosen, after = score, candidate, trial
        _withhold_linked(system, chosen)
        added[chosen] = "complement"
        exposed = after
    return "unprotectable"


@st.composite
def _linked_grids(draw: st.DrawFn) -> LinkedCounts:
    """A table of mostly small cells with its margins, a small difference of two of them never shown, and
    perhaps a share and a cell shown again in a second table (:func:`_linked_tables`): several rounds of
    protection, each withholding a count and carrying what the audits found."""
    rows, columns = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    counts = [[draw(st.integers(0, 12)) for _ in range(columns)] for _ in range(rows)]
    system = LinkedCounts()
    for r in range(rows):
        for c in range(columns):
            system.quantity(("cell", r, c), counts[r][c], "small" if RULE.is_small(counts[r][c]) else None)
        system.quantity(("row", r), sum(counts[r]), None)
        system.equalities.append({**{("cell", r, c): 1.0 for c in range(columns)}, ("row", r): -1.0})
    for c in range(columns):
        column = sum(counts[r][c] for r in range(rows))
        system.quantity(("column", c), column, draw(st.sampled_from([None, None, "unpublished"])))
        system.equalities.append({**{("cell", r, c): 1.0 for r in range(rows)}, ("column", c): -1.0})
    system.quantity("total", sum(map(sum, counts)), None)
    system.equalities.append({**{("row", r): 1.0 for r in range(rows)}, "total": -1.0})
    if counts[0][0] >= counts[0][1]:
        system.at_most.append({("cell", 0, 1): 1.0, ("cell", 0, 0): -1.0})
        system.derived["difference"] = {("cell", 0, 0): 1.0, ("cell", 0, 1): -1.0}
    if draw(st.booleans()) and counts[1][0] > 0 and sum(counts[1]) > 0:
        system.status.pop(("cell", 1, 0), None)
        system.share(("cell", 1, 0), counts[1][0], ("row", 1), round(counts[1][0] / sum(counts[1]), 2), 0.005)
    if draw(st.booleans()):
        system.publish(("cell", rows - 1, columns - 1), counts[rows - 1][columns - 1], None)
    return system


@settings(max_examples=40, deadline=None)
@given(system=st.one_of(_linked_grids(), _linked_tables()), data=st.data())
def test_the_protection_chooses_what_asking_every_question_afresh_chooses(
    system: LinkedCounts, data: st.DataObject
) -> None:
    """What an audit found is carried from round to round and to each candidate tried (a target free stays
    free as bounds widen, a pinned one whose proof the candidate cannot touch stays pinned): the counts
    withheld, in their order, and the system left are those of the same greedy search asking every question
    afresh of SciPy."""
    import copy

    from evidence.core.errors import EvidenceError

    among = None
    if data.draw(st.booleans()):
        among = set(data.draw(st.lists(st.sampled_from(sorted(system.values, key=str)), max_size=8)))
    reference = copy.deepcopy(system)
    expected = _protect_by_scipy(reference, RULE, among)
    try:
        added = protect_linked(system, RULE, among=among)
    except EvidenceError:
        assert expected == "unprotectable"
        return
    assert list(added.items()) == list(expected.items()) if isinstance(expected, dict) else expected
    assert system.status == reference.status and system.published_too == reference.published_too


def _apart(*tables: str) -> LinkedCounts:
    """Tables with no count in common: in each, a small cell (withheld) beside a large one and their total
    (both shown), so each small cell follows from its table alone."""
    system = LinkedCounts()
    for name in tables:
        system.publish((name, "small"), 3, "small")
        system.publish((name, "large"), 17, None)
        system.publish((name, "total"), 20, None)
        system.equalities.append({(name, "small"): 1.0, (name, "large"): 1.0, (name, "total"): -1.0})
    return system


def test_a_table_tied_to_no_other_is_not_solved_again_for_the_others(monkeypatch):
    """Withholding a count of one table widens nothing another table's proof rests on: protecting a table
    beside unrelated ones solves no more programmes about its small cell than protecting it alone (every
    candidate tried for the others used to audit it again)."""
    from evidence.presentation import disclosure

    objectives: list = []
    solve = disclosure._LinkedProgram.solve

    def recording(program, objective):
        objectives.append(dict(zip(program.names, objective.tolist(), strict=True)))
        return solve(program, objective)

    monkeypatch.setattr(disclosure._LinkedProgram, "solve", recording)

    def solved_about(system: LinkedCounts, name: str) -> int:
        objectives.clear()
        added = protect_linked(system, RULE)
        assert (name, "large") in added or (name, "total") in added
        assert linked_exposures(system, RULE) == []
        return sum(1 for o in objectives if o.get((name, "small"), 0.0) != 0.0)

    alone = solved_about(_apart("b"), "b")
    assert alone > 0
    assert solved_about(_apart("a", "b"), "b") <= alone


def _beside_a_share() -> LinkedCounts:
    """a (3, <5) + b (5) + s = T (14, shown), s (6) shown only as half of w (12): a is 14 - 5 - 6 exactly
    (the share pins s to 5.94..6.06), and withholding b, s or T frees it."""
    system = LinkedCounts()
    system.publish("a", 3, "small")
    system.publish("b", 5, None)
    system.publish("T", 14, None)
    system.publish("w", 12, None)
    system.share("s", 6, "w", 0.5, 0.005)
    system.equalities.append({"a": 1.0, "b": 1.0, "s": 1.0, "T": -1.0})
    return system


def _solved_with_withheld(monkeypatch) -> list[frozenset]:
    """Records, for each programme solved, the counts withheld as a complement when it was."""
    from evidence.presentation import disclosure

    withheld: list[frozenset] = []
    solve = disclosure._LinkedProgram.solve

    def recording(program, objective):
        status = program.system.status
        withheld.append(frozenset(q for q, s in status.items() if s == "complement"))
        return solve(program, objective)

    monkeypatch.setattr(disclosure._LinkedProgram, "solve", recording)
    return withheld


def test_a_candidate_that_cannot_beat_one_tried_before_is_not_audited(monkeypatch):
    """b, the smallest count that frees a, leaves nothing exposed: s and T, tried after it, can only tie, and
    a tie goes to the smaller count. Each was audited whole all the same (s, a share, with a programme
    solved): a candidate's trial stops as soon as it cannot win, here before it starts. The only programme
    solved with s withheld is the question whether withholding it frees a."""
    withheld = _solved_with_withheld(monkeypatch)
    system = _beside_a_share()
    assert linked_exposures(system, RULE) == ["a"]
    withheld.clear()
    assert protect_linked(system, RULE) == {"b": "complement"}
    assert sum("s" in w for w in withheld) == 1


def test_a_share_withheld_keeps_the_proofs_that_do_not_rest_on_its_rows(monkeypatch):
    """A share withheld frees its two rows and narrows its count's bounds: a target pinned by a proof that puts
    no dual value on those rows stays pinned (weak duality) with no programme solved, and the audit finds what
    one from scratch finds."""
    import copy

    from evidence.presentation.disclosure import _audit, _share_narrowing

    system = _beside_a_share()
    # c (2, <5) is 9 - 7, whatever s is: its proof rests on no share
    system.publish("c", 2, "small")
    system.publish("d", 7, None)
    system.publish("U", 9, None)
    system.equalities.append({"c": 1.0, "d": 1.0, "U": -1.0})
    programs = _Programs(system, RULE)
    exposed, known = _audit(system, RULE, False, programs)
    assert exposed == ["a", "c"]
    rows = _share_narrowing(system, programs, "s")
    assert rows is not None
    carried = known.narrowed(rows)
    assert [name for name, _ in carried.pinned] == ["c"]  # a's proof rests on the share: asked again
    withheld = _solved_with_withheld(monkeypatch)
    _withhold_linked(system, "s")
    after, _ = _audit(system, RULE, False, programs, carried)
    assert len(withheld) <= 2  # a's two ends at most: nothing about c
    assert after == linked_exposures(copy.deepcopy(system), RULE) == ["c"]


@settings(max_examples=40, deadline=None)
@given(system=_linked_tables())
def test_a_pinned_count_keeps_the_ends_a_widened_count_has_no_cost_in(system: LinkedCounts) -> None:
    """A published count withheld widens its bounds: an end of a pinned count whose reduced cost there is 0
    stays where it was (weak duality) and is not solved again; the count is pinned after it exactly when a
    programme set up from scratch (SciPy) says so."""
    programs = _Programs(system, RULE)
    withheld = [q for q in system.withheld() if system.values[q] > 0]
    for name in withheld:
        program = programs.current()
        vector = program.vector({name: 1.0})
        proof = program.ends(vector)
        if proof is None:
            continue
        for candidate in _linked_candidates(system, system.values):
            widened = _widening(system, programs, candidate)
            if widened is None:  # a share withheld: its lower bound rises, nothing is carried
                continue
            kept = sum(proof.keeps(end, widened) for end in (proof.low, proof.high))
            undo = _withhold_linked(system, candidate)
            try:
                program = programs.current()
                solved: list[int] = []
                solve = program.solve
                program.solve = lambda objective, solve=solve, solved=solved: (
                    solved.append(1) or solve(objective)
                )  # type: ignore[method-assign]
                try:
                    after = program.ends(vector, proof, widened)
                finally:
                    del program.solve
                assert len(solved) <= 2 - kept
                assert (after is not None) == _pinned_by_scipy(system, RULE, {name: 1.0})
                if kept == 2:
                    assert after is not None and solved == []
            finally:
                undo()


def test_a_count_the_published_counts_give_back_through_equalities_is_proved_by_one_programme(monkeypatch):
    """The withheld 3 of ``a + b = total`` with b and the total shown: the minimum's dual solution puts costs
    only on counts of one value and on no inequality, so the maximum is the minimum (weak duality) and is not
    solved for; a count an inequality pins still has its maximum solved."""
    from evidence.presentation import disclosure

    solved: list[int] = []
    solve = disclosure._LinkedProgram.solve
    monkeypatch.setattr(
        disclosure._LinkedProgram,
        "solve",
        lambda program, objective: solved.append(1) or solve(program, objective),
    )
    assert linked_exposures(_two_tables(shown_in_b=True), RULE) == ["a"]
    assert len(solved) == 1
    # a pinned by two inequalities (a <= 3 and a >= 3): their dual values are no proof of the maximum
    solved.clear()
    system = LinkedCounts()
    system.publish("a", 3, "small")
    system.publish(ONE, 1, None)
    system.at_most += [{"a": 1.0, ONE: -3.0}, {"a": -1.0, ONE: 3.0}]
    assert linked_exposures(system, RULE) == ["a"]
    assert len(solved) == 2


def _block() -> LinkedCounts:
    """Two rows of three cells with their margins shown: the four small cells withheld make a cycle (each can
    move by one, its row and column partners the other way), so none of them follows."""
    system = LinkedCounts()
    counts = [[3, 4, 10], [4, 2, 10]]
    for r, row in enumerate(counts):
        for c, value in enumerate(row):
            system.publish(("cell", r, c), value, "small" if RULE.is_small(value) else None)
        system.publish(("row", r), sum(row), None)
        system.equalities.append({**{("cell", r, c): 1.0 for c in range(3)}, ("row", r): -1.0})
    for c in range(3):
        system.publish(("column", c), counts[0][c] + counts[1][c], None)
        system.equalities.append({("cell", 0, c): 1.0, ("cell", 1, c): 1.0, ("column", c): -1.0})
    return system


def _solves(monkeypatch) -> list[int]:
    from evidence.presentation import disclosure

    solved: list[int] = []
    solve = disclosure._LinkedProgram.solve
    monkeypatch.setattr(
        disclosure._LinkedProgram,
        "solve",
        lambda program, objective: solved.append(1) or solve(program, objective),
    )
    return solved


def _from_scratch(system: LinkedCounts) -> LinkedCounts:
    """A copy of ``system`` that remembers nothing of its earlier audits."""
    import copy

    fresh = copy.deepcopy(system)
    assert fresh._kept.points is None and fresh._kept.program is None
    return fresh


def test_a_repeated_protection_starts_from_what_the_last_one_found(monkeypatch):
    """A system protected again once a table that pins none of its counts is added (a model's counts beside
    the tables it counts) frees its targets with the points the last audit found, which fit it still: its first
    audit solves no programme, where one from scratch solves several; both withhold the same (nothing)."""
    solved = _solves(monkeypatch)
    system = _block()
    assert protect_linked(system, RULE) == {}
    solved.clear()
    system.publish(("model", "n"), 33, None)  # the model's victims: all of them, as the tables' total
    system.equalities.append({("model", "n"): 1.0, ("row", 0): -1.0, ("row", 1): -1.0})
    fresh = _from_scratch(system)
    assert protect_linked(system, RULE) == {}
    assert solved == []
    assert protect_linked(fresh, RULE) == {}
    assert len(solved) >= 2


def test_a_system_drawn_up_again_continues_from_the_last_audit_of_the_earlier_one(monkeypatch):
    """A system drawn up afresh from the same tables once a protection withheld more (the person section's
    tables, redrawn before its models' counts are added) takes over the earlier system's audit: its HiGHS
    model (no new one made) and the points that freed its targets, so its protection solves fewer programmes
    than one from scratch, and withholds the same; the earlier system keeps nothing."""
    import copy

    from evidence.presentation import disclosure

    earlier = _block()
    assert protect_linked(earlier, RULE) == {}
    program = earlier._kept.program
    again = copy.deepcopy(earlier)  # the same quantities and lines, drawn up anew: it remembers nothing
    again.publish(("column", 2), 20, "complement")  # and a count withheld since
    fresh = copy.deepcopy(again)
    made: list[int] = []
    init = disclosure._LinkedProgram.__init__
    monkeypatch.setattr(
        disclosure._LinkedProgram, "__init__", lambda self, *a, **k: made.append(1) or init(self, *a, **k)
    )
    solved = _solves(monkeypatch)
    again.continue_from(earlier)
    assert earlier._kept.program is None and earlier._kept.points is None
    assert protect_linked(again, RULE) == {}
    assert made == [] and again._kept.program is program and program.system is again
    continued = len(solved)
    assert protect_linked(fresh, RULE) == {}
    assert made == [1] and len(solved) - continued > continued
    assert again.status == fresh.status


def test_a_system_grown_keeps_its_programme_and_one_changed_otherwise_gets_a_new_one():
    """Quantities and lines added to a system audited before grow its kept model (the ranges are a new
    model's); a line taken away, or a count given another value, makes a new one."""
    system = _block()
    linked_exposures(system, RULE)
    program = system._kept.program
    assert program is not None
    system.publish(("model", "n"), 33, None)
    system.equalities.append({("model", "n"): 1.0, ("row", 0): -1.0, ("row", 1): -1.0})
    system.quantity(("model", "larger"), 100)  # unpublished: every withheld count may now be larger
    system.at_most.append({("row", 0): 1.0, ("model", "larger"): -1.0})
    assert linked_exposures(system, RULE) == []
    assert system._kept.program is program and len(program.names) == len(system.values)
    fresh = _LinkedProgram(system, RULE)
    program.refresh()
    for name in system.values:
        for sign in (1.0, -1.0):
            kept, new = program.solve(program.vector({name: sign})), fresh.solve(fresh.vector({name: sign}))
            assert kept is not None and new is not None
            assert kept.value == pytest.approx(new.value, abs=1e-6)
    system.equalities.pop()
    linked_exposures(system, RULE)
    assert system._kept.program is not program


def test_a_system_and_its_kept_model_go_together_without_the_cycle_collector():
    """The model a system keeps refers to it weakly: dropping the system frees the model (HiGHS's memory)
    at once, not at the collector's next pass."""
    import gc
    import weakref

    system = _block()
    linked_exposures(system, RULE)
    program = weakref.ref(system._kept.program)
    gc.disable()
    try:
        del system
        assert program() is None
    finally:
        gc.enable()


def test_a_point_the_system_no_longer_fits_frees_nothing():
    """A table added that pins a count (a model's 3 victims of the cell's category, shown) breaks the points
    that moved it: the audit finds it, and the protection withholds what one from scratch withholds."""
    system = _block()
    assert linked_exposures(system, RULE) == []
    assert system._kept.points is not None
    system.publish(("model", "term"), 3, None)
    system.equalities.append({("model", "term"): 1.0, ("cell", 0, 0): -1.0})
    fresh = _from_scratch(system)
    assert linked_exposures(system, RULE) == linked_exposures(fresh, RULE) != []
    assert protect_linked(system, RULE, among=[("model", "term")]) == {("model", "term"): "complement"}
    assert protect_linked(fresh, RULE, among=[("model", "term")]) == {("model", "term"): "complement"}
    assert system.status == fresh.status


@st.composite
def _changes(draw: st.DrawFn) -> list[tuple[str, int, int]]:
    """Changes made to a system between two protections: a count withheld, one shown again, or a table added
    whose count is one of the system's (an equality) or at most it (its difference never shown), or is shown as
    a share of it, or is larger than any (never shown), or a line taken away."""
    kinds = st.sampled_from(["withhold", "show", "same", "at most", "share", "larger", "drop"])
    return draw(st.lists(st.tuples(kinds, st.integers(0, 40), st.integers(0, 30)), min_size=1, max_size=4))


def _change(system: LinkedCounts, kind: str, at: int, value: int, step: int) -> None:
    names = sorted((q for q in system.values if q != ONE), key=str)
    name = names[at % len(names)]
    if kind == "withhold":
        if system.status.get(name, "unpublished") in (None, "share"):
            system.status[name] = "complement"
        return
    if kind == "show":
        system.status[name] = None
        return
    if kind == "drop":
        if system.equalities:
            system.equalities.pop(at % len(system.equalities))
        return
    own = ("added", step)
    if kind == "share":
        if system.values[name] > 0:
            part = min(value, system.values[name])
            system.share(own, part, name, round(part / system.values[name], 2), 0.005)
            system.at_most.append({own: 1.0, name: -1.0})
        return
    if kind == "larger":
        system.quantity(own, 3 * max(system.values.values()) + value)
        system.at_most.append({name: 1.0, own: -1.0})
        return
    truth = system.values[name] if kind == "same" else min(value, system.values[name])
    system.publish(own, truth, "small" if RULE.is_small(truth) else None)
    if kind == "same":
        system.equalities.append({own: 1.0, name: -1.0})
    else:
        system.at_most.append({own: 1.0, name: -1.0})
        system.derived[("left out of", step)] = {name: 1.0, own: -1.0}


@settings(max_examples=60, deadline=None)
@given(system=st.one_of(_linked_grids(), _linked_tables()), changes=_changes(), data=st.data())
def test_a_protection_repeated_on_a_changed_system_withholds_what_one_from_scratch_withholds(
    system: LinkedCounts, changes: list[tuple[str, int, int]], data: st.DataObject
) -> None:
    """A system protected (or audited), then changed (counts withheld or shown again, tables added that count
    the same victims or fewer), then protected again: the points its last audit found are tried first, and
    only where they fit; the counts withheld, in their order, the system left and the exposures are those of
    the same system protected from scratch, after every change."""
    from evidence.core.errors import EvidenceError

    def protected(s: LinkedCounts) -> dict | str:
        try:
            return protect_linked(s, RULE)
        except EvidenceError:
            return "unprotectable"

    if data.draw(st.booleans()):
        linked_exposures(system, RULE, complements=data.draw(st.booleans()))
    else:
        protected(system)
    for step, (kind, at, value) in enumerate(changes):
        _change(system, kind, at, value, step)
        fresh = _from_scratch(system)
        assert linked_exposures(system, RULE) == linked_exposures(_from_scratch(system), RULE)
        assert protected(system) == protected(fresh)
        assert system.status == fresh.status and system.published_too == fresh.published_too


def _total_with_a_share() -> LinkedCounts:
    """A total of 20 published; its parts a (2, <5, withheld), s (9, published only as 45% of the total) and
    b (9)."""
    system = LinkedCounts()
    system.publish("total", 20, None)
    system.publish("a", 2, "small")
    system.share("s", 9, "total", 0.45, 0.005)
    system.publish("b", 9, None)
    system.equalities.append({"a": 1.0, "s": 1.0, "b": 1.0, "total": -1.0})
    return system


@pytest.mark.parametrize("second_total", [True, False])
def test_a_share_whose_rows_prove_nothing_of_a_target_is_withheld_without_a_programme(
    monkeypatch, second_total
):
    """Withholding a count published only as a share is no widening (its rows go, but its count's lower bound
    rises to the threshold), so whether it freed a pinned target was solved for, candidate by candidate (the
    heat table's shares: three quarters of a person section's candidates, none freeing). Where a second total
    pins the target (a = 11 - b) and neither end of its proof puts a dual value on the share's rows, the proof
    holds without them and nothing is solved; where the share's rows pin it (a = 20 - s - 9 with s 45% of 20:
    8.9 to 9.1), withholding the share frees it, as solving it finds."""
    from evidence.presentation import disclosure

    system = _total_with_a_share()
    if second_total:  # a is also the rest of a second published total: 2 = 11 - b
        system.publish("other", 11, None)
        system.equalities.append({"a": 1.0, "b": 1.0, "other": -1.0})
    programs = _Programs(system, RULE)
    program = programs.current()
    target = {"a": 1.0}
    proof = program.ends(program.vector(target))
    assert proof is not None  # a is pinned, both ways
    solved = _solves(monkeypatch)
    proofs: dict = {}
    freed = disclosure._frees(system, programs, "s", target, proofs, proof, None)
    assert bool(solved) is not second_total
    assert freed is not second_total
    undo = _withhold_linked(system, "s")
    assert (programs.current().ends(program.vector(target)) is None) is freed
    undo()
    if not freed:
        assert proofs["s"].exact is False  # bounds of the ends with s withheld, no longer their optima


def _grown_system() -> LinkedCounts:
    """Two rows of two cells with their totals, and derived differences of each row."""
    system = LinkedCounts()
    for name, value in (("a", 3), ("b", 9), ("c", 7), ("d", 8), ("ab", 12), ("cd", 15)):
        system.publish(name, value, "small" if value < 5 else None)
    system.equalities += [{"a": 1.0, "b": 1.0, "ab": -1.0}, {"c": 1.0, "d": 1.0, "cd": -1.0}]
    system.derived["b-a"] = {"b": 1.0, "a": -1.0}  # 6
    system.derived["d-c"] = {"d": 1.0, "c": -1.0}  # 1: small
    return system


def _ties_from_scratch(system: LinkedCounts) -> dict[object, set[frozenset]]:
    return {q: set(lines) for q, lines in _linked_ties(copy.copy(system)).items()}  # a copy keeps nothing


def test_a_grown_systems_ties_and_small_derived_counts_are_added_to_those_kept_not_made_again():
    """A notebook protects its system again as each model's counts are added: the ties of its lines, and
    which derived counts are small, are kept from the last protection and only the lines added since are
    read (the same sets and the same small counts as from scratch); a derived count replaced or removed, or
    another rule, is read again."""
    system = _grown_system()
    first = _linked_ties(system)
    line = first["a"][0]
    assert _small_derived(system, RULE) == [("d-c", {"d": 1.0, "c": -1.0})]
    system.publish("e", 2, "small")
    system.at_most.append({"e": 1.0, "a": -1.0})
    system.derived["a-e"] = {"a": 1.0, "e": -1.0}
    system.derived["d-c"] = {
        "d": 1.0,
        "c": -1.0,
    }  # given again (a topic's counts beside each model): the same line
    grown = _linked_ties(system)
    assert grown["a"][0] is line  # kept, not made again
    assert {q: set(lines) for q, lines in grown.items()} == _ties_from_scratch(system)
    assert _small_derived(system, RULE) == [("d-c", {"d": 1.0, "c": -1.0}), ("a-e", {"a": 1.0, "e": -1.0})]
    assert [name for name, _ in _small_derived(system, DisclosureRule(7))] == ["b-a", "d-c", "a-e"]
    system.derived["b-a"] = {"b": 1.0, "d": -1.0}  # replaced: 9 - 8 = 1, small
    del system.derived["a-e"]
    assert _small_derived(system, RULE) == [("b-a", {"b": 1.0, "d": -1.0}), ("d-c", {"d": 1.0, "c": -1.0})]
    again = _linked_ties(system)
    assert {q: set(lines) for q, lines in again.items()} == _ties_from_scratch(system)
    assert frozenset({"a", "e"}) in again["e"] and frozenset({"a", "e"}) in again["a"]  # the at-most line
