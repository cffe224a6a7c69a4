"""The table of victims per year by a single-value field (sex, age, citizenship: each victim in one column), as
the trends notebook shows it with ``by``, beside the table of victims per year without it (the same notebook
with ``by`` none, the country brief, ``evidence trend``): the same victims per year and all of them.

Protected on its own, the table by sex withheld a year's victims (``x``) or all of them that the table without
``by`` shows: 2015's Female ``<5`` and Male ``<5`` beside an ``x`` for the year, which the other table shows as
8, are 4 and 4; 2016's three ``<5`` beside 12 are 4 each. Its column of victims per year is now that table's,
cell for cell, and its other cells are protected against it (or it is not shown). The reader is SciPy's MILP
over both tables, each shown count read as its true value, a ``<5`` as 1 to 4 and an ``x`` as at least 5.
"""

from __future__ import annotations

import numpy as np
import pytest
from _hand_made import hand_made_table

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import yearly_numbers
from evidence.presentation.disclosure import DisclosureRule

RULE = DisclosureRule(5)
#: the victims of each year by sex (None: not recorded)
CASES = [
    {2015: {"Female": 4, "Male": 4}, 2016: {"Female": 3, "Male": 3}, 2017: {"Male": 2}},
    {
        2015: {"Female": 6, "Male": 2, None: 3},
        2016: {"Female": 4, "Male": 4, None: 4},
        2017: {"Female": 6, "Male": 2, None: 15},
        2018: {"Female": 1, "Male": 1, None: 9},
    },
]


def _selection(per_year: dict[int, dict[str | None, int]], *, keyed: bool = False) -> Selection:
    rows = [
        {"year": year, "origin_iso3": "MMR", "destination_iso3": "THA", "gender": sex}
        for year, by_sex in per_year.items()
        for sex, victims in by_sex.items()
        for _ in range(victims)
    ]
    return Selection(hand_made_table(rows, keyed=keyed), country="THA", role="destination")


def _pinned(per_year: dict[int, dict[str | None, int]], *, keyed: bool = False) -> list[tuple]:
    """The small counts (cells, or sums of cells, withheld) that only one whole value fits."""
    from _scipy_highs import integer_ends
    from scipy.optimize import Bounds, LinearConstraint

    selection = _selection(per_year, keyed=keyed)
    plain, by_sex = yearly_numbers(selection, RULE), yearly_numbers(selection, RULE, by="gender")
    years = [str(y) for y in per_year]
    sexes = list(by_sex.categories)
    truth = {(str(y), s): per_year[y].get(None if s == "Unknown" else s, 0) for y in per_year for s in sexes}
    names = list(truth)
    rows, low, high, withheld = [], [], [], []

    def read(parts: list[tuple[str, str]], text: str | None) -> None:
        if not text:
            return
        row = np.zeros(len(names))
        row[[names.index(p) for p in parts]] = 1.0
        value = sum(truth[p] for p in parts)
        if text == "x":
            rows.append(row), low.append(RULE.threshold), high.append(np.inf), withheld.append((parts, value))
        elif text.startswith("<"):
            rows.append(row), low.append(1), high.append(RULE.threshold - 1), withheld.append((parts, value))
        elif not keyed:  # a perturbed count is no equation
            rows.append(row), low.append(int(text.replace(",", ""))), high.append(int(text.replace(",", "")))

    if by_sex.by_category is not None:
        for row in by_sex.by_category.low.display().iter_rows(named=True):
            span = years if row["year"] not in years else [row["year"]]
            for sex in sexes:
                read([(y, sex) for y in span], row[sex])
            if len(sexes) > 1:
                read([(y, s) for y in span for s in sexes], row.get("All victims"))
    if plain.per_year is not None:
        for row in plain.per_year.low.display().iter_rows(named=True):
            span = years if row["year"] not in years else [row["year"]]
            read([(y, s) for y in span for s in sexes], row["victims"])
    found = []
    constraints = LinearConstraint(np.array(rows), np.array(low, float), np.array(high, float))
    for parts, value in withheld:
        if not RULE.is_small(value):
            continue
        objective = np.zeros(len(names))
        objective[[names.index(p) for p in parts]] = 1.0
        least, greatest = integer_ends(objective, constraints, Bounds(0, 10 * sum(truth.values())))
        if least == greatest:
            found.append((parts, value))
    return found


@pytest.mark.parametrize("per_year", CASES)
def test_attack_a_years_victims_the_table_by_sex_withholds_and_the_table_per_year_shows(per_year) -> None:
    assert _pinned(per_year) == []


@pytest.mark.parametrize("per_year", CASES)
def test_the_victims_per_year_are_the_same_in_both_tables(per_year) -> None:
    """Shown or withheld alike: the column of victims per year by sex is the table of victims per year."""
    selection = _selection(per_year)
    plain, by_sex = yearly_numbers(selection, RULE), yearly_numbers(selection, RULE, by="gender")
    assert plain.per_year is not None
    if by_sex.by_category is None:
        return
    assert by_sex.per_year is not None
    assert (
        by_sex.per_year.low.display()["victims"].to_list()
        == plain.per_year.low.display()["victims"].to_list()
    )


def test_where_no_table_per_year_is_shown_the_total_stays() -> None:
    """One woman in each of six years (the demo's Fiji): no table of victims per year can be shown, yet all six
    victims are (the route table, the key figures). By sex, six ``<5`` beside a total ``x`` hid nothing from a
    reader of them: each is 1. The total shown, no table protects them: none is shown."""
    selection = _selection({year: {"Female": 1} for year in range(2015, 2021)})
    assert yearly_numbers(selection, RULE).per_year is None
    by_sex = yearly_numbers(selection, RULE, by="gender")
    assert by_sex.by_category is None and by_sex.per_year is None
