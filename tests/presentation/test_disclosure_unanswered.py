"""Linked audits when HiGHS does not answer "optimal" (disc29): only an optimum proves a count free. Any other
status is asked once more from a clean state and, still unanswered, the count is taken as pinned: it is withheld
further, or the protection stops with an error that says the solver failed. A failed solve read as "no end" had
published a count the reader can pin."""

from __future__ import annotations

import highspy
import numpy as np
import pytest

from evidence.core.highs import quiet_highs
from evidence.presentation.disclosure import (
    DisclosureError,
    DisclosureRule,
    LinearProgram,
    LinkedCounts,
    _Programs,
    linked_exposures,
    protect_linked,
)

RULE = DisclosureRule(5)
Status = highspy.HighsModelStatus

#: every status but the optimum that HiGHS gives a solved linear programme (limits, failures, and answers no
#: programme here can have: each quantity is bounded, and the true counts fit)
UNANSWERED = [
    Status.kInfeasible,
    Status.kUnbounded,
    Status.kUnboundedOrInfeasible,
    Status.kIterationLimit,
    Status.kTimeLimit,
    Status.kSolveError,
    Status.kUnknown,
    Status.kNotset,
    Status.kInterrupt,
]


def _pinned_by_a_second_table() -> LinkedCounts:
    """Table A: a (3, <5) + b (17, x) = total 20; table B shows b (17): a = 20 - 17 is pinned."""
    system = LinkedCounts()
    system.publish("total", 20, None)
    system.publish("a", 3, "small")
    system.publish("b", 17, "complement")
    system.publish("b", 17, None)
    system.equalities.append({"a": 1.0, "b": 1.0, "total": -1.0})
    return system


def _free() -> LinkedCounts:
    """Table A alone: a (3, <5) + b (17, x) = total 20, b withheld: a may be 1 to 4."""
    system = LinkedCounts()
    system.publish("total", 20, None)
    system.publish("a", 3, "small")
    system.publish("b", 17, "complement")
    system.equalities.append({"a": 1.0, "b": 1.0, "total": -1.0})
    return system


def _answers(monkeypatch: pytest.MonkeyPatch, status: Status, times: int | None = None) -> list[str]:
    """HiGHS's solvers report ``status`` for their next ``times`` solves (every one: None); returns a list that
    receives ``"clear"`` each time a solver's state is cleared."""
    left = [times]
    events: list[str] = []
    real_status, real_clear = highspy.Highs.getModelStatus, highspy.Highs.clearSolver

    def model_status(highs: highspy.Highs) -> Status:
        if left[0] is None or left[0] > 0:
            if left[0] is not None:
                left[0] -= 1
            return status
        return real_status(highs)

    def clear(highs: highspy.Highs) -> object:
        events.append("clear")
        return real_clear(highs)

    monkeypatch.setattr(highspy.Highs, "getModelStatus", model_status)
    monkeypatch.setattr(highspy.Highs, "clearSolver", clear)
    return events


@pytest.mark.parametrize("status", UNANSWERED, ids=str)
def test_a_count_the_solver_cannot_prove_free_is_taken_as_pinned(monkeypatch, status) -> None:
    assert linked_exposures(_pinned_by_a_second_table(), RULE) == ["a"]  # HiGHS answering
    _answers(monkeypatch, status)
    assert linked_exposures(_pinned_by_a_second_table(), RULE) == ["a"]
    # a count that is free is taken as pinned too: nothing is proved of it
    assert linked_exposures(_free(), RULE) == ["a"]


@pytest.mark.parametrize("status", UNANSWERED, ids=str)
def test_the_protection_stops_with_the_solver_named_rather_than_publish_an_unproved_count(
    monkeypatch, status
) -> None:
    _answers(monkeypatch, status)
    with pytest.raises(DisclosureError, match=r"solver \(HiGHS\) left \d+ of the programmes") as raised:
        protect_linked(_pinned_by_a_second_table(), RULE)
    assert quiet_highs().modelStatusToString(status) in str(raised.value)


@pytest.mark.parametrize("status", [Status.kIterationLimit, Status.kInfeasible, Status.kUnbounded], ids=str)
def test_a_solve_left_unanswered_once_is_asked_again_from_a_clean_state(monkeypatch, status) -> None:
    events = _answers(monkeypatch, status, times=1)
    assert linked_exposures(_pinned_by_a_second_table(), RULE) == ["a"]
    assert events == ["clear"]
    # no false alarm: a count the second asking proves free is free
    events = _answers(monkeypatch, status, times=1)
    assert linked_exposures(_free(), RULE) == []
    assert events == ["clear"]
    system = _free()
    protect_linked(system, RULE)
    assert system.withheld() == ["a", "b"]  # nothing more withheld


def test_an_unanswered_end_is_never_carried_as_a_proof(monkeypatch) -> None:
    """The proof of a pinned count is kept and reused when a count it puts no cost on is withheld; an end the
    solver did not prove has no costs, and is solved again once the solver answers."""
    system = _pinned_by_a_second_table()
    program = _Programs(system, RULE).current()
    vector = program.vector({"a": 1.0})
    _answers(monkeypatch, Status.kSolveError, times=2)  # the minimum, asked twice
    proof = program.ends(vector)
    assert proof is not None and not proof.exact and not proof.low.proved and proof.high.proved
    assert program.unanswered == ["Solve error"]
    assert not proof.survives(program.index["total"])
    assert not proof.keeps(proof.low, program.index["total"])
    again = program.ends(vector, proof, program.index["total"])
    assert again is not None and again.exact and again.low.proved


def test_no_programme_of_a_linked_system_is_unbounded() -> None:
    """Why an unbounded answer proves nothing here: every quantity has finite bounds (its label's, or the
    ceiling for one withheld or never shown), so every programme has an optimum."""
    system = _pinned_by_a_second_table()
    system.quantity("never shown", 40)
    system.derived["rest"] = {"total": 1.0, "a": -1.0}
    program = _Programs(system, RULE).current()
    assert np.isfinite(program._lower).all() and np.isfinite(program._upper).all()
    for name in program.names:
        for sign in (1.0, -1.0):
            assert program.solve(sign * program.vector({name: 1.0})).proved
    assert program.unanswered == []


def test_a_table_audit_programme_left_unanswered_once_is_asked_again_from_a_clean_state(monkeypatch) -> None:
    """The programmes of one table's audit (:class:`LinearProgram`) free a cell only by a solution: the second
    asking answers what a first one left unanswered (still unanswered, no solution, and the audit withholds
    more)."""
    program = LinearProgram(np.array([[1.0, 1.0]]), [20.0], [20.0], [1.0, 5.0], [4.0, 19.0])
    events = _answers(monkeypatch, Status.kIterationLimit, times=1)
    x = program.solution(np.array([1.0, 0.0]))
    assert x is not None and x[0] == pytest.approx(1.0) and x[1] == pytest.approx(19.0)
    assert events == ["clear"]
    _answers(monkeypatch, Status.kIterationLimit)
    assert program.solution(np.array([1.0, 0.0])) is None
