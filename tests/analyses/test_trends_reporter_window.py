"""A sum over reporting countries judged over the whole series, whatever years a brief selects: a one-year
brief keeps the flag its year has in the full span (Thailand's nationals of 2019, "probably incomplete" in the
full brief, were headlined as complete in the brief of 2019 alone)."""

from __future__ import annotations

from _indicator import nationals_reported
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.analyses import trends
from evidence.analyses.selection import Selection
from evidence.notebooks.builders import yearly_numbers
from evidence.presentation.disclosure import DisclosureRule

ROWS = nationals_reported(range(2010, 2020), tha_from=2013, mys_partial=2017)


def _flags(years: tuple[int, int] | None, **kwargs) -> dict[int, str]:
    selection = Selection(ROWS, country="MMR", role="origin", years=years)
    return {f.year: f.reason for f in trends.reporter_gaps(selection, **kwargs)}


def test_a_one_year_selection_keeps_the_flag_of_its_year():
    # Thailand (300 of ~400 a year) publishes no breakdown before 2013: 2011 misses it, in any selection
    assert set(_flags(None)) == {2010, 2011, 2012}
    assert _flags((2011, 2011)) == {2011: _flags(None)[2011]}
    assert _flags((2015, 2015)) == {}
    # and the brief's numbers of that year say so (its headline, the trend models' years)
    numbers = yearly_numbers(
        Selection(ROWS, country="MMR", role="origin", years=(2011, 2011)), DisclosureRule(5)
    )
    assert [f.year for f in numbers.incomplete] == [2011]


@settings(max_examples=15, deadline=None)
@given(first=st.integers(2010, 2019), length=st.integers(0, 9), share=st.sampled_from([0.1, 0.25]))
def test_the_flags_of_any_window_are_those_of_the_whole_series_in_it(first, length, share):
    last = min(first + length, 2019)
    whole = _flags(None, min_share=share)
    assert _flags((first, last), min_share=share) == {y: r for y, r in whole.items() if first <= y <= last}
