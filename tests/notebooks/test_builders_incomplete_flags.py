"""Whether a year is flagged "probably incomplete" (and why) gives no withheld count away.

The rule (:func:`evidence.analyses.trends.incomplete_years`) flags the latest years of victim records when each is
below half the count the trend of the years before predicts, and says so ("below 50% of the count expected from
the 2013-2019 trend"). Applied to the true counts, it told a reader which side of that half a withheld year lies
on: beside 2015-2019's 10, 8, 7, 9 and 8 (a trend of about 7.9), a final year of ``<5`` flagged only as the
release's final year, not as below half of it, was 4; two latest years of ``<5`` beside 6 victims between them,
flagged together or not, were 4 and 2 (1 and 4, 3 and 3). The reader here knows the rule, reads the table of victims per year (its cells and total) and
the flags with their reasons, and runs the toolkit on every value the withheld years may hold: a value is
possible where it gives what is published.
"""

from __future__ import annotations

import itertools

import pytest
from _hand_made import hand_made_table

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import yearly_numbers
from evidence.presentation.disclosure import DisclosureRule

RULE = DisclosureRule(5)
#: the years before the latest: 2014's 6 is the complement the table's total needs beside a withheld year
HISTORY = [12, 6, 10, 8, 7, 9, 8]


def _selection(per_year: dict[int, int]) -> Selection:
    rows = [
        {"year": year, "origin_iso3": "MMR", "destination_iso3": "THA"}
        for year, victims in per_year.items()
        for _ in range(victims)
    ]
    return Selection(hand_made_table(rows), country="THA", role="destination")


def _published(per_year: dict[int, int]) -> tuple[list[tuple[str, ...]], set[tuple[int, str]]]:
    """What a reader gets of the victims per year: the table's rows as shown, and the flagged years with why."""
    numbers = yearly_numbers(_selection(per_year), RULE)
    assert numbers.per_year is not None
    table = numbers.per_year.low.display()
    return list(table.iter_rows()), {(f.year, f.reason) for f in numbers.incomplete}


def _readings(per_year: dict[int, int]) -> dict[int, set[int]]:
    """Each withheld year's values that give what is published (the table and the flags): the reader knows
    the toolkit and runs it on every count the withheld years may hold, the total kept."""
    rows, said = _published(per_year)
    shown = {int(row[0]): row[-1] for row in rows if str(row[0]).isdigit()}
    withheld = [year for year, cell in shown.items() if not str(cell).isdigit()]
    total = sum(per_year.values())
    ranges = [
        range(1, RULE.threshold) if shown[y].startswith("<") else range(RULE.threshold, total)
        for y in withheld
    ]
    found: dict[int, set[int]] = {y: set() for y in withheld}
    for values in itertools.product(*ranges[:-1]):
        last = total - sum(int(c) for c in shown.values() if str(c).isdigit()) - sum(values)
        if last not in ranges[-1]:
            continue
        candidate = {**per_year, **dict(zip(withheld, (*values, last), strict=True))}
        if _published(candidate) == (rows, said):
            for year, value in zip(withheld, (*values, last), strict=True):
                found[year].add(value)
    return found


@pytest.mark.parametrize("final", [1, 2, 3, 4])
def test_attack_a_final_years_flag_tells_which_side_of_half_its_trend_it_lies(final) -> None:
    readings = _readings({**dict(zip(range(2013, 2020), HISTORY, strict=True)), 2020: final})
    assert readings and all(len(values) > 1 for values in readings.values()), readings


@pytest.mark.parametrize(("before", "final"), [(2, 9), (3, 4), (4, 2), (1, 4), (3, 3)])
def test_attack_the_two_latest_years_flagged_together(before, final) -> None:
    readings = _readings({**dict(zip(range(2012, 2019), HISTORY, strict=True)), 2019: before, 2020: final})
    assert readings and all(len(values) > 1 for values in readings.values()), readings
