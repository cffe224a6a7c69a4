"""The country brief's "Who is identified" tables by sex and age (:func:`profile_view`, categories that partition
the victims) beside its headline, which shows all victims of the selection: a table that withholds its total as a
complement (``x``) is protected against a reader who does not know it, and the headline tells it. The k-anonymised
fixture's Thailand: Female ``x``, Male ``<5``, Not recorded 0, total ``x``, beside "Victims identified: 7" (true 6,
read as exact, as every shown count is): Female is at least 5, so Male is 1. The total stays, as it does in the
profiles of flag groups (forms), and the categories are protected against it, or the table is not shown."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import polars as pl
from hypothesis import example, given, settings
from hypothesis import strategies as st

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import ALL_IN_SELECTION, profile_view, route_numbers, shares_view
from evidence.presentation.disclosure import DisclosureRule
from evidence.sources import registry


def _status(text: str) -> str | None:
    """How a cell is shown: ``None`` as a number, ``"small"`` (``<5``) or ``"complement"`` (``x``)."""
    return "complement" if text == "x" else "small" if text.startswith("<") else None


def _pinned(true: dict[str, int], shown: dict[str, str], total: int, rule: DisclosureRule) -> list[str]:
    """The withheld small counts of a table whose categories (``true``, as ``shown``) add up to ``total``, which
    the reader knows (the headline), that take one whole value only: SciPy's MILP (not the toolkit's programme),
    a shown count read as its true value, a ``<5`` as 1..threshold-1 and an ``x`` as at least the threshold
    (each widened to the true count, as a label of a perturbed count may hide it)."""
    from _scipy_highs import milp
    from scipy.optimize import Bounds, LinearConstraint

    names = list(true)
    low, high = [], []
    for name in names:
        value, status = true[name], _status(shown[name])
        if status is None:
            low.append(value), high.append(value)
        elif status == "small":
            low.append(min(1, value)), high.append(max(rule.threshold - 1, value))
        else:
            low.append(min(rule.threshold, value)), high.append(10 * (total + 1))
    adds_up = LinearConstraint(np.ones((1, len(names))), total, total)
    pinned = []
    for i, name in enumerate(names):
        if _status(shown[name]) is None or not rule.is_small(true[name]):
            continue
        ends = set()
        for sign in (1.0, -1.0):
            objective = np.zeros(len(names))
            objective[i] = sign
            result = milp(
                objective, constraints=adds_up, bounds=Bounds(low, high), integrality=np.ones(len(names))
            )
            assert result.status == 0
            ends.add(round(result.x[i]))
        if len(ends) == 1:
            pinned.append(name)
    return pinned


def _read(view: pl.DataFrame, label: str) -> tuple[dict[str, str], str]:
    """A shares table's cells by category (Not recorded included), and its total, as shown."""
    cells = {str(category): str(cell) for category, cell in view.select(label, "Victims").rows()}
    return cells, cells.pop(ALL_IN_SELECTION)


def test_thailands_tables_by_sex_and_age_give_no_count_away_beside_the_headline():
    """The fixture's Thailand (six victims: five women of 9-17, a man of 30-38): the headline shows all victims,
    and neither its table by sex nor by age lets a reader with it pin a withheld count; a table shown shows the
    headline's total, never a total the headline prints withheld."""
    assert os.environ.get("EVIDENCE_CELL_KEY_SECRET")  # the tests' fixed secret: the perturbation is fixed
    rule = DisclosureRule(5)
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "ctdc" / "k_anon_small.csv"
    selection = Selection(registry.load(fixture), country="THA", role="both")
    numbers = route_numbers(selection, rule)
    assert numbers is not None
    headline = str(numbers.key_figures()["Victims"][0])
    assert headline.isdigit()  # shown: the reader holds all six victims
    records = selection.records()
    for column, label in (("gender", "Sex"), ("age_band", "Age")):
        view = profile_view(selection, column, rule, label=label)
        if view is None:  # not shown: nothing to pin
            continue
        cells, total = _read(view, label)
        counts = dict(
            records.get_column(column).cast(pl.String).fill_null("Not recorded").value_counts().rows()
        )
        true = {category: int(counts.get(category, 0)) for category in cells}
        assert _pinned(true, cells, records.height, rule) == [], (column, cells)
        assert total == headline, (column, total, headline)


def _partition(counts: dict[str, int], not_recorded: int) -> pl.DataFrame:
    """A shares table of categories that partition the known victims (as a field of one value, such as sex)."""
    known = sum(counts.values())
    rows = len(counts)
    return pl.DataFrame(
        {
            "category": list(counts),
            "count": list(counts.values()),
            "n_known": [known] * rows,
            "n_unknown": [not_recorded] * rows,
            "share": [c / known for c in counts.values()],
            "ci_low": [0.1] * rows,
            "ci_high": [0.2] * rows,
        },
        schema_overrides={"count": pl.Int64, "n_known": pl.Int64, "n_unknown": pl.Int64},
    )


@settings(max_examples=25, deadline=None)
@given(
    counts=st.lists(st.integers(0, 14), min_size=1, max_size=3),
    not_recorded=st.integers(0, 14),
    threshold=st.sampled_from([5, 11]),
)
@example(counts=[5, 1], not_recorded=0, threshold=5)  # Thailand by sex: Female x, Male <5, total x
@example(counts=[1], not_recorded=5, threshold=5)
@example(counts=[11, 1, 1], not_recorded=0, threshold=11)
def test_no_withheld_count_follows_from_the_total_the_headline_shows(counts, not_recorded, threshold):
    """Whatever the categories: beside the selection's total, which the brief's headline shows, no small count
    the table withholds takes one value only, and the table shows that total (or is not shown)."""
    rule = DisclosureRule(threshold)
    named = {f"Category {i}": n for i, n in enumerate(counts) if n}
    total = sum(named.values()) + not_recorded
    if not named or rule.is_small(total):  # a small selection: its headline withholds it too
        return
    view = shares_view(_partition(named, not_recorded), rule, label="Sex")
    if view is None:
        return
    cells, shown_total = _read(view, "Sex")
    true = {category: named.get(category, not_recorded) for category in cells}
    assert _pinned(true, cells, total, rule) == [], cells
    assert shown_total == f"{total:,}", cells
