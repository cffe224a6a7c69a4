"""Which corridors a route table lists under the cell key: decided on the numbers shown, never on true counts.

Records protected by the cell key publish perturbed counts. Chosen by their true counts, the ``top_n`` corridors
of one listing told a reader who holds a longer one (the same selection, another ``top_n``: a notebook parameter
anyone can vary) that a corridor listed is truly larger than one left out, even where the one left out is shown
larger (Myanmar → Thailand 28 listed, Cambodia → Thailand 30 left out: Myanmar's true count the larger); a
minimum (``min_victims``) applied to true counts told which side of it a shown count truly lies on. The attacker
reads only what the tables publish: the corridors each listing names and the numbers the longest one shows.
"""

from __future__ import annotations

import pytest
from _hand_made import hand_made_table

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import route_numbers
from evidence.presentation.disclosure import DisclosureRule

RULE = DisclosureRule(5)
#: eight corridors into Thailand, one victim apart: perturbations of a victim or two reorder them
ORIGINS = {"MMR": 30, "KHM": 29, "LAO": 28, "VNM": 27, "CHN": 26, "IND": 25, "PHL": 24, "IDN": 23}


def _selection() -> Selection:
    rows = [
        {"year": 2020, "origin_iso3": origin, "destination_iso3": "THA"}
        for origin, victims in ORIGINS.items()
        for _ in range(victims)
    ]
    return Selection(hand_made_table(rows, keyed=True), country="THA", role="destination", years=(2020, 2020))


def _listing(selection: Selection, **params) -> dict[str, int | None]:
    """The corridors a route table lists, each with the number it shows (None where withheld)."""
    numbers = route_numbers(selection, RULE, **params)
    assert numbers is not None
    view = numbers.low
    n = view.corridors.height
    return dict(
        zip(
            view.corridors["route"].to_list(),
            view.table.frame[view.table.total_label].head(n).to_list(),
            strict=True,
        )
    )


@pytest.mark.parametrize("secret", ["s1", "s2", "s3"])
def test_attack_top_n_chosen_on_true_counts_gives_their_order(monkeypatch, secret) -> None:
    """Each shorter listing is the longest one's first corridors by the numbers shown (equal ones by name): a
    corridor listed is never shown smaller than one left out."""
    monkeypatch.setenv("EVIDENCE_CELL_KEY_SECRET", secret)
    selection = _selection()
    every = _listing(selection, top_n=len(ORIGINS))
    assert len(every) == len(ORIGINS) and None not in every.values()
    by_shown = sorted(every, key=lambda route: (-(every[route] or 0), route))
    for top_n in range(1, len(ORIGINS)):
        listed = _listing(selection, top_n=top_n)
        assert set(listed) == set(by_shown[:top_n]), (top_n, listed, every)


@pytest.mark.parametrize("secret", ["s1", "s2", "s3"])
def test_attack_a_minimum_applied_to_true_counts_tells_their_side_of_it(monkeypatch, secret) -> None:
    monkeypatch.setenv("EVIDENCE_CELL_KEY_SECRET", secret)
    selection = _selection()
    every = _listing(selection, top_n=len(ORIGINS))
    for least in range(22, 33):
        listed = _listing(selection, top_n=len(ORIGINS), min_victims=least)
        assert set(listed) == {r for r, n in every.items() if (n or 0) >= least}, (least, listed, every)
