"""What a table-maker does when HiGHS leaves a programme of its audit unanswered (failopen34,
:func:`~evidence.presentation.disclosure.fails_closed`): it raises
:class:`~evidence.presentation.disclosure.SolverUnanswered` instead of returning, whatever it did with the errors
its protections raised. An audit takes what it cannot prove as pinned, and withholds more; a table that reads the
counts pinned whatever it withholds as given back by another table read every count as given, and published."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_disclosure_unanswered import RULE, _free, _pinned_by_a_second_table

from evidence.presentation import disclosure
from evidence.presentation.disclosure import (
    DisclosureError,
    PinnedByLabels,
    SolverUnanswered,
    fails_closed,
    linked_exposures,
    programmes_unanswered,
    protect_linked,
)

STOPS = r"solver \(HiGHS\) left \d+ of the programmes of their audits unanswered"


@contextmanager
def _solver_silent(silent: Callable[[], bool]) -> Iterator[None]:
    """HiGHS leaves a programme unanswered (its state cleared, nothing solved) whenever ``silent()`` says so."""
    real = disclosure.run_highs

    def run(highs):  # type: ignore[no-untyped-def]
        if silent():
            highs.clearSolver()
            return None
        return real(highs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(disclosure, "run_highs", run)
        yield


def test_a_table_that_reads_every_unproved_count_as_given_back_is_not_returned() -> None:
    """The fail-open pattern: the counts pinned whatever the table withholds are taken as known (another
    table's to protect), then what is left exposed is protected; unanswered, every count reads as given."""

    @fails_closed
    def table() -> list[object]:
        system = _free()
        given_back = linked_exposures(system, RULE)  # "pinned whatever this table withholds"
        return [q for q in linked_exposures(system, RULE) if q not in given_back]  # nothing left to protect

    assert table() == []  # the solver answering: nothing given back, nothing exposed
    with _solver_silent(lambda: True), pytest.raises(SolverUnanswered, match=STOPS):
        table()


def test_a_protection_error_caught_inside_does_not_let_the_table_out() -> None:
    @fails_closed
    def table() -> str:
        try:
            protect_linked(_pinned_by_a_second_table(), RULE)
        except DisclosureError:
            return "published as it is"
        return "protected"

    with _solver_silent(lambda: True), pytest.raises(SolverUnanswered, match=STOPS):
        table()


def test_a_disclosure_error_raised_while_the_solver_was_silent_says_so() -> None:
    """ "Too small to protect" may be only the solver's silence: a caller that keeps such a table as withheld for
    good (a cache) would withhold it when the solver answers again."""

    @fails_closed
    def table() -> None:
        linked_exposures(_free(), RULE)
        raise PinnedByLabels("pinned")

    with pytest.raises(PinnedByLabels):
        table()
    with _solver_silent(lambda: True), pytest.raises(SolverUnanswered, match=STOPS) as raised:
        table()
    assert isinstance(raised.value.__cause__, PinnedByLabels)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=5))
def test_a_table_is_returned_exactly_when_the_solver_answered_every_audit(silences: list[bool]) -> None:
    """Whichever of a table's audits the solver is silent in (each ``linked_exposures`` of the list in turn),
    the table is returned when it answered them all, and raises when it left any unanswered; and each audit
    the solver was silent in counts its programmes left unanswered, the others none."""
    now = [False]
    counted: list[int] = []

    @fails_closed
    def table() -> int:
        for silence in silences:
            now[0] = silence
            before = programmes_unanswered()
            linked_exposures(_free(), RULE)
            counted.append(programmes_unanswered() - before)
        return 1

    with _solver_silent(lambda: now[0]):
        if any(silences):
            with pytest.raises(SolverUnanswered, match=STOPS):
                table()
        else:
            assert table() == 1
    assert [n > 0 for n in counted] == silences
