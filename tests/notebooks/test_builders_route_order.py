"""The order of a route table's corridors says nothing of their true counts under the cell key.

Records protected by cell key publish perturbed counts; listed largest first by their true counts, the corridors
told the true order of the numbers shown (Myanmar → Thailand 28 above Cambodia → Thailand 30: Myanmar's true count
the larger), and of equal numbers shown, which is truly larger. The published corridors are listed by the numbers
shown, equal ones by name; exact counts keep the order readers expect, largest first.
"""

from __future__ import annotations

import pytest
from _hand_made import hand_made_table

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import route_numbers
from evidence.presentation.disclosure import DisclosureRule

RULE = DisclosureRule(5)
#: six corridors into Thailand, one victim apart: perturbations of a victim or two reorder them
ORIGINS = {"MMR": 30, "KHM": 29, "LAO": 28, "VNM": 27, "CHN": 26, "IND": 25}


def _corridors(origins: dict[str, int], *, keyed: bool) -> list[tuple[str, str]]:
    """The route table's corridor rows as published: route and victims shown."""
    rows = [
        {"year": 2020, "origin_iso3": origin, "destination_iso3": "THA"}
        for origin, victims in origins.items()
        for _ in range(victims)
    ]
    table = hand_made_table(rows, keyed=keyed)
    numbers = route_numbers(Selection(table, country="THA", role="destination", years=(2020, 2020)), RULE)
    assert numbers is not None
    shown = numbers.low.table.display()
    n = numbers.low.corridors.height
    return list(zip(shown["route"].head(n).to_list(), shown[numbers.low.table.total_label].head(n).to_list()))


@pytest.mark.parametrize("secret", ["s1", "s2", "s3"])
def test_attack_perturbed_corridors_listed_by_their_true_counts_give_their_true_order(
    monkeypatch, secret
) -> None:
    """Under s2, Myanmar → Thailand 28 was listed above Cambodia → Thailand 30; under s1, Cambodia 28 above Lao
    PDR 28 (both true orders)."""
    monkeypatch.setenv("EVIDENCE_CELL_KEY_SECRET", secret)
    corridors = _corridors(ORIGINS, keyed=True)
    assert corridors == sorted(corridors, key=lambda row: (-int(row[1]), row[0])), corridors


def test_exact_corridors_stay_largest_first() -> None:
    corridors = _corridors({"LAO": 12, "MMR": 40, "KHM": 12, "VNM": 20}, keyed=False)
    assert corridors == [
        ("Myanmar → Thailand", "40"),
        ("Viet Nam → Thailand", "20"),
        ("Cambodia → Thailand", "12"),
        ("Lao PDR → Thailand", "12"),
    ]
