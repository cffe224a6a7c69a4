"""Counts are whole numbers, and a reader knows it: the linked audit judges a quantity's range as a reader who
rounds does (the whole numbers between its linear-programming ends), not by the range's width. A range 1 wide
or wider can hold a single whole number (2.575 to 3.605 holds only 3); read as two values, it left a small
count that an integer program gets back published (the heat table's share of a row's victims, and the victims
of the row without the item)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from evidence.presentation.disclosure import (
    DisclosureRule,
    LinkedCounts,
    _LinkedProgram,
    integer_exposures,
    linked_exposures,
    protect_linked,
)

RULE = DisclosureRule(5)


def _heat_system(base: int, count: int) -> LinkedCounts:
    """The heat table's shape (notebooks/causes_views): a row's victims (``base``) published, the victims of the
    row with an item published only as a whole-percent share of them, and the victims of the row without the
    item derived (never shown; it must not follow when small)."""
    system = LinkedCounts()
    system.quantity(("hbase",), base, None)
    system.share(("heat",), count, ("hbase",), round(count / base, 2), 0.005)
    system.at_most.append({("heat",): 1.0, ("hbase",): -1.0})
    system.derived[("heat without",)] = {("hbase",): 1.0, ("heat",): -1.0}
    return system


def _integer_range(system: LinkedCounts, combination: dict, rule: DisclosureRule = RULE) -> tuple[int, int]:
    """The attacker: the least and the greatest whole value of ``combination`` over every table of whole
    numbers that fits everything ``system`` publishes (scipy's MILP, apart from the audit's own solver)."""
    names = list(system.values)
    at = {name: k for k, name in enumerate(names)}
    bounds = system._bounds(rule)
    rows, lower, upper = [], [], []
    for combo, low in [*((c, 0.0) for c in system.equalities), *((c, -np.inf) for c in system.at_most)]:
        row = np.zeros(len(names))
        for q, c in combo.items():
            row[at[q]] += c
        rows.append(row)
        lower.append(low)
        upper.append(0.0)
    for name, (base, share, half) in system.shares.items():
        if system.status.get(name) != "share" or name in system.published_too:
            continue
        for row_of in ({name: 1.0, base: -(share + half)}, {name: -1.0, base: share - half}):
            row = np.zeros(len(names))
            for q, c in row_of.items():
                row[at[q]] += c
            rows.append(row)
            lower.append(-np.inf)
            upper.append(0.0)
    objective = np.zeros(len(names))
    for q, c in combination.items():
        objective[at[q]] += c
    constraints = [LinearConstraint(np.array(rows), lower, upper)] if rows else []
    box = Bounds([bounds[n][0] for n in names], [bounds[n][1] for n in names])
    ends = []
    for sign in (1.0, -1.0):
        result = milp(sign * objective, constraints=constraints, bounds=box, integrality=np.ones(len(names)))
        assert result.status == 0, result.message
        ends.append(round(sign * result.fun))
    return ends[0], ends[1]


def test_a_range_wider_than_one_that_holds_one_whole_number_is_pinned():
    """103 victims in the row, 97% of them with the item: 99.395 to 100.425 with it, so 2.575 to 3.605
    without, a range wider than 1 that holds only 3. The audit read it as two values and kept the share."""
    system = _heat_system(103, 100)
    without = system.derived[("heat without",)]
    assert _integer_range(system, without) == (3, 3)  # the attacker gets the 3 back
    program = _LinkedProgram(system, RULE)
    vector = program.vector(without)
    low, high = program.solve(vector).value, -program.solve(-vector).value
    assert high - low >= 1  # the relaxation's range is a whole count wide...
    assert math.ceil(low) == math.floor(high) == 3  # ...and holds one whole number
    assert linked_exposures(system, RULE) == [("heat without",)]


def test_protection_withholds_the_share_that_only_whole_numbers_pin():
    system = _heat_system(103, 100)
    assert protect_linked(system, RULE) == {("heat",): "complement"}
    low, high = _integer_range(system, system.derived[("heat without",)])
    assert low < high


def test_a_range_that_reaches_a_second_whole_number_is_free():
    """A range narrower than 1 is pinned as before; one that holds two whole numbers (2 and 3) is free."""
    system = _heat_system(60, 57)  # 95%: 56.7 to 57.3 with it; 2.7 to 3.3 without: pinned either way
    assert linked_exposures(system, RULE) == [("heat without",)]
    system = _heat_system(250, 247)  # 99%: 246.25 to 248.75; 1.25 to 3.75 without: 2 and 3
    assert _integer_range(system, system.derived[("heat without",)]) == (2, 3)
    assert linked_exposures(system, RULE) == []


def test_a_value_within_the_solver_tolerance_of_a_whole_number_is_that_number():
    """An end of 3.9999999 is 4 to a reader who rounds (HiGHS holds its solutions to 1e-7, not exactly)."""
    from evidence.presentation import disclosure

    assert disclosure._whole_numbers(2.0000001, 3.9999999) == (2, 4)
    assert disclosure._whole_numbers(2.4, 3.6) == (3, 3)


@settings(max_examples=60, deadline=None)
@given(base=st.integers(20, 400), data=st.data())
def test_after_protection_no_small_count_is_pinned_by_whole_numbers(base, data):
    """Whatever the row and its share: once protected, the victims without the item, when small, hold at
    least two whole values to the attacker (the share, withheld, no longer pins them)."""
    count = data.draw(st.integers(max(0, base - 4), base))
    system = _heat_system(base, count)
    protect_linked(system, RULE)
    if RULE.is_small(base - count):
        low, high = _integer_range(system, system.derived[("heat without",)])
        assert low < high


@pytest.mark.parametrize("base", [103, 150, 199, 250, 333])
def test_the_audit_agrees_with_the_attacker_on_every_heat_row(base):
    """For each small count left without the item, the audit says exposed exactly when the attacker's integer
    program pins it."""
    for count in range(base - 4, base):
        system = _heat_system(base, count)
        low, high = _integer_range(system, system.derived[("heat without",)])
        assert (linked_exposures(system, RULE) == [("heat without",)]) == (low == high), (base, count)


def _pairwise_system() -> LinkedCounts:
    """Counts a, b and c withheld (complements, 10, 9 and 10), published two at a time (a + b + d = 21,
    b + c = 19, a + c = 20), and a small d (2) that two published counts hold to 2 or 3: d = 3 puts a at 9.5,
    so only whole numbers pin d, beyond rounding (its range, 2 to 3, holds two)."""
    system = LinkedCounts()
    for name, value in {"a": 10, "b": 9, "c": 10}.items():
        system.quantity(name, value, "complement")
    system.quantity("d", 2, "small")
    for name, value in {"ab": 21, "bc": 19, "ac": 20, "f": 2, "e": 3}.items():
        system.quantity(name, value, None)
    system.equalities += [
        {"a": 1.0, "b": 1.0, "d": 1.0, "ab": -1.0},
        {"b": 1.0, "c": 1.0, "bc": -1.0},
        {"a": 1.0, "c": 1.0, "ac": -1.0},
    ]
    system.at_most += [{"d": 1.0, "e": -1.0}, {"f": 1.0, "d": -1.0}]  # f <= d <= e
    return system


def test_the_exact_audit_finds_a_count_only_whole_numbers_pin():
    system = _pairwise_system()
    assert _integer_range(system, {"d": 1.0}) == (2, 2)  # the attacker gets the 2 back
    assert linked_exposures(system, RULE) == []  # the relaxation, even rounded, holds 2 and 3
    assert integer_exposures(system, RULE) == ["d"]
    system.status["e"] = "complement"  # e withheld: d may be 2 or 4 (a at 9)
    assert _integer_range(system, {"d": 1.0}) == (2, 4)
    assert integer_exposures(system, RULE) == []


def test_the_exact_audit_agrees_with_the_linear_one_where_rounding_decides():
    assert integer_exposures(_heat_system(103, 100), RULE) == [("heat without",)]
    assert integer_exposures(_heat_system(250, 247), RULE) == []
    system = _heat_system(103, 100)
    protect_linked(system, RULE)
    assert integer_exposures(system, RULE) == []


@settings(max_examples=40, deadline=None)
@given(base=st.integers(20, 400), data=st.data())
def test_the_exact_audit_agrees_with_the_attacker(base, data):
    count = data.draw(st.integers(max(0, base - 4), base - 1))
    system = _heat_system(base, count)
    low, high = _integer_range(system, system.derived[("heat without",)])
    assert (integer_exposures(system, RULE) == [("heat without",)]) == (low == high)


def test_protection_closes_a_count_only_whole_numbers_pin():
    """The linked protection is checked by the exact audit: d, which the relaxation leaves at 2 or 3 but only
    2 fits in whole numbers, is freed by a further complement (the attacker gets two whole values back)."""
    system = _pairwise_system()
    added = protect_linked(system, RULE)
    assert added  # something more is withheld
    assert set(added) <= {"ab", "bc", "ac", "e", "f"}
    assert integer_exposures(system, RULE) == []
    low, high = _integer_range(system, {"d": 1.0})
    assert low < high
    assert linked_exposures(system, RULE) == []


def test_protection_fails_closed_when_only_whole_numbers_pin_and_nothing_may_be_withheld():
    from evidence.presentation.disclosure import DisclosureError

    with pytest.raises(DisclosureError):
        protect_linked(_pairwise_system(), RULE, among=set())


def test_the_exact_audit_frees_targets_with_whole_points_it_is_given_and_only_those():
    """Points already found (the linear audit's solutions) free a target only where they are whole and fit:
    the relaxation's d = 3 (a at 9.5) is no whole table, and d stays pinned."""
    system = _pairwise_system()
    names = list(system.values)
    half = dict(system.values, a=9.5, b=9.5, c=10.5, d=3, e=3, f=2)
    assert integer_exposures(system, RULE, points=(names, [[half[n] for n in names]])) == ["d"]
    system.status["e"] = "complement"  # e withheld: d = 4 fits in whole numbers (a 9, b 8, c 11)
    whole = dict(system.values, a=9, b=8, c=11, d=4, e=4)
    point = [[whole[n] for n in names]]
    assert integer_exposures(system, RULE, points=(names, point)) == []
    assert integer_exposures(system, RULE, points=(names, [[half[n] for n in names]])) == []  # solved for


def _table_with_margins(cells: list[list[int]]) -> LinkedCounts:
    """A table published with its margins, each count below the threshold withheld: its programme is totally
    unimodular, so the corners the linear audit finds are whole tables."""
    system = LinkedCounts()
    for i, row in enumerate(cells):
        for j, value in enumerate(row):
            system.quantity((i, j), value, "small" if RULE.is_small(value) else None)
        system.quantity(("row", i), sum(row), None)
        system.equalities.append({**{(i, j): 1.0 for j in range(len(row))}, ("row", i): -1.0})
    for j in range(len(cells[0])):
        system.quantity(("column", j), sum(row[j] for row in cells), None)
        system.equalities.append({**{(i, j): 1.0 for i in range(len(cells))}, ("column", j): -1.0})
    return system


def test_the_exact_check_of_a_table_with_margins_solves_no_integer_programme(monkeypatch):
    """Where the linear audit's solutions are whole tables that free every target, protect_linked's exact
    check is answered by them: no integer programme is solved, and the table is protected in whole numbers."""
    from evidence.presentation import disclosure

    integral: list[int] = []
    solution = disclosure.LinearProgram.solution
    monkeypatch.setattr(
        disclosure.LinearProgram,
        "solution",
        lambda self, *a, **k: (integral.append(1) if self.integral else None) or solution(self, *a, **k),
    )
    system = _table_with_margins([[2, 7, 9], [8, 3, 12], [10, 11, 6]])
    assert protect_linked(system, RULE)  # complements withheld for the 2 and the 3
    assert integral == []
    monkeypatch.setattr(disclosure.LinearProgram, "solution", solution)
    assert integer_exposures(system, RULE) == []
    for cell in [(0, 0), (1, 1)]:
        low, high = _integer_range(system, {cell: 1.0})
        assert low < high


def test_the_whole_tables_of_an_exact_check_are_kept_for_the_next(monkeypatch):
    """The whole tables that freed the exact check's targets are kept on the system (as the linear audit's
    points are), and given to the next check they answer it: no integer programme is solved again."""
    from evidence.presentation import disclosure

    system = _pairwise_system()
    protect_linked(system, RULE)
    names, whole = system._kept.whole
    assert len(whole) and np.all(whole == np.round(whole))
    integral: list[int] = []
    solution = disclosure.LinearProgram.solution
    monkeypatch.setattr(
        disclosure.LinearProgram,
        "solution",
        lambda self, *a, **k: (integral.append(1) if self.integral else None) or solution(self, *a, **k),
    )
    targets = disclosure._linked_targets(system, RULE, False)
    assert disclosure._integer_pinned(system, RULE, targets, points=[(names, whole)]) == []
    assert integral == []
    assert disclosure._integer_pinned(system, RULE, targets) == []
    assert integral  # without them, solved


def test_the_exact_check_asks_no_programme_once_every_target_is_free(monkeypatch):
    """The exact check asks the sum of its targets down and then up: where going down already frees every
    target (a table with margins: both small cells move with their complements), the second programme had an
    objective of nothing, whose answer can free nothing, and was solved all the same (an integer programme: a
    few milliseconds each, a few a person section)."""
    from evidence.presentation import disclosure

    system = _table_with_margins([[2, 7, 9], [8, 3, 12], [10, 11, 6]])
    protect_linked(system, RULE)
    objectives: list[np.ndarray] = []
    solution = disclosure.LinearProgram.solution
    monkeypatch.setattr(
        disclosure.LinearProgram,
        "solution",
        lambda self, objective, **k: objectives.append(np.array(objective)) or solution(self, objective, **k),
    )
    targets = disclosure._linked_targets(system, RULE, False)
    assert len(targets) == 2
    assert disclosure._integer_pinned(system, RULE, targets) == []
    assert len(objectives) == 1 and np.any(objectives[0])


def test_an_integer_programme_is_solved_without_the_feasibility_jump_heuristic():
    """HiGHS runs its feasibility-jump heuristic before every integer programme, to find a first whole point:
    the audits' programmes have one already (the true counts) and HiGHS solves them at the root, so on a person
    section's (200 to 300 counts) the heuristic cost more than the rest of the solve (7.4 CPU-ms a programme
    with it, 3.0 without; the same optima). Off, the optimum is still the one SciPy's ``milp`` finds (above)."""
    from evidence.presentation.disclosure import LinearProgram

    program = LinearProgram(np.array([[1.0, 1.0]]), [3.0], [3.0], 0.0, 5.0, integral=True)
    assert program._highs.getOptionValue("mip_heuristic_run_feasibility_jump")[1] is False
    found = program.solution(np.array([1.0, 0.0]))
    assert found is not None and found.tolist() == [0.0, 3.0]
