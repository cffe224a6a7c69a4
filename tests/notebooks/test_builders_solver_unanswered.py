"""The brief's tables when HiGHS answers no programme of the disclosure audits (failopen34): each stops with
:class:`~evidence.presentation.disclosure.SolverUnanswered` rather than publish what it could not prove safe.

An audit takes a count it cannot prove free as pinned, and withholds more; but the tables that take the counts
pinned whatever they withhold as given back by the other tables (theirs to protect) read every count as given
then, withheld nothing, and published. With every programme unanswered (another solver in the process had started
HiGHS's scheduler with another thread count: b4a414ca), the independent attackers pinned small counts in what
was published: Hungary as origin by corridor at 11, 2008's Hungary → Hungary, 8, beside the steady reporters'
table; Kuwait as both by destination, 2018's 5 beside the route tables; the person section's counts."""

from __future__ import annotations

import _route_reader as reader
import pytest
from test_builders_corridor_totals import _pinned
from test_builders_region_together import _thailand

from evidence.analyses.selection import Selection
from evidence.notebooks import causes_views as views
from evidence.notebooks.builders import route_numbers, yearly_numbers
from evidence.presentation import disclosure
from evidence.presentation.disclosure import DisclosureRule, SolverUnanswered

STOPS = r"solver \(HiGHS\) left \d+ of the programmes of their audits unanswered"


@pytest.fixture
def solver_never_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every programme of the disclosure audits left unanswered (HiGHS never run: no status but "not set"); the
    attackers' own solvers answer."""
    monkeypatch.setattr(disclosure, "run_highs", lambda highs: None)
    monkeypatch.setattr(reader, "_READINGS", {})  # the route numbers built again, under the failing solver


@pytest.mark.parametrize(
    ("country", "role", "by"),
    [
        pytest.param("HUN", "origin", "corridor", id="Hungary-origin-by-corridor"),
        pytest.param("KWT", "both", "destination", id="Kuwait-both-by-destination"),
    ],
)
@pytest.mark.usefixtures("solver_never_answers")
def test_a_brief_the_solver_cannot_prove_safe_stops_rather_than_publish_a_pinned_count(
    real_tables, country: str, role: str, by: str
) -> None:
    with pytest.raises(SolverUnanswered, match=STOPS):
        _pinned(real_tables[1], country, role, 11, by)


@pytest.mark.usefixtures("solver_never_answers")
def test_the_yearly_table_beside_the_route_tables_is_not_made_without_the_solver(real_tables) -> None:
    """Kuwait as both: the yearly table alone (the builder the brief calls), not only the attack's reading."""
    with pytest.raises(SolverUnanswered, match=STOPS):
        yearly_numbers(
            Selection(real_tables[1], country="KWT", role="both"), DisclosureRule(11), by="destination"
        )


@pytest.mark.usefixtures("solver_never_answers")
def test_no_region_table_is_made_without_the_solver() -> None:
    """Thailand as destination (sec29's case): its route table needs no programme (each withheld cell is moved
    by a cycle of the table's network) and is made; its region table, protected with it, is not."""
    with pytest.raises(SolverUnanswered, match=STOPS):
        reader.pinned(_thailand(), DisclosureRule(5), exact_counts=True)
    numbers = route_numbers(_thailand(), DisclosureRule(5))
    assert numbers is not None
    with pytest.raises(SolverUnanswered, match=STOPS):
        numbers.region_table("region")


@pytest.mark.usefixtures("solver_never_answers")
def test_the_person_section_is_not_made_without_the_solver(ctdc_sample) -> None:
    cases = views.person_cases([ctdc_sample], country="THA", role="both")
    assert cases is not None and cases.height
    with pytest.raises(SolverUnanswered, match=STOPS):
        views.person_section(cases, DisclosureRule(11), heat_table_shown=False)


def test_with_the_solver_answering_the_same_selections_are_made(real_tables) -> None:
    """No false alarm: the solver answering, nothing stops (and none of the programmes is left unanswered)."""
    before = disclosure.programmes_unanswered()
    numbers = yearly_numbers(
        Selection(real_tables[1], country="KWT", role="both"), DisclosureRule(11), by="destination"
    )
    assert numbers.per_year is not None
    assert route_numbers(_thailand(), DisclosureRule(5)) is not None
    assert disclosure.programmes_unanswered() == before
