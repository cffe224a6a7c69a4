"""The victims on a known route (the route table's key figures, and the denominator of its corridors' shares)
beside the route table's totals row, for records protected by cell key.

The totals row is a line of the table: the victims of each class of route, those on no route and all victims.
Secondary suppression protects it as if exact (a reader who takes a perturbed line as exact is right whenever its
perturbations are 0, half the time), so a ``<5`` on no route gets a complement ``x`` among the classes. The
victims on a known route are the classes' records: published as a number of their own, they gave that ``x``
back (the same records, so the same key and the same perturbation), and with it the ``<5``.
"""

from __future__ import annotations

import pytest
from _hand_made import hand_made_table

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import ALL_VICTIMS, route_numbers
from evidence.presentation.disclosure import DisclosureRule
from evidence.sources.loaded import LoadedTable

RULE = DisclosureRule(5)


def _thailand(origins: dict[str | None, int], *, keyed: bool) -> LoadedTable:
    """Victims exploited in Thailand in 2020 by citizenship (None: not recorded), half of each women."""
    rows = [
        {"year": 2020, "origin_iso3": origin, "destination_iso3": "THA", "gender": ("Female", "Male")[i % 2]}
        for origin, victims in origins.items()
        for i in range(victims)
    ]
    return hand_made_table(rows, keyed=keyed)


def _route_view(origins: dict[str | None, int], *, keyed: bool):
    table = _thailand(origins, keyed=keyed)
    numbers = route_numbers(Selection(table, country="THA", role="destination", years=(2020, 2020)), RULE)
    assert numbers is not None
    return numbers.low


@pytest.mark.parametrize("keyed", [True, False])
def test_attack_the_victims_on_a_known_route_never_give_a_withheld_cell_of_the_totals_row_back(keyed) -> None:
    view = _route_view({"MMR": 32, "KHM": 19, "LAO": 9, None: 3}, keyed=keyed)
    shown = view.table.display()
    totals = dict(zip(shown.columns, shown.row(-1), strict=True))
    withheld = [c for c in view.table.count_columns if c != ALL_VICTIMS and totals[c] in ("x", RULE.label)]
    assert withheld, totals  # the three victims on no route, and their complement
    figures = dict(zip(*view.key_figures().get_columns(), strict=True))
    on_a_known_route = next(v for k, v in figures.items() if k.startswith("on a known route"))
    assert on_a_known_route in ("x", RULE.label), (figures, totals)
    assert view.known_routes() is None
    _, denominator = view.drawn_routes()
    assert denominator is None  # no corridor's share: each would give it back (32 / 0.5333)


def test_the_victims_on_a_known_route_are_still_given_where_the_totals_row_withholds_nothing() -> None:
    view = _route_view({"MMR": 32, "KHM": 19, "LAO": 9}, keyed=True)
    assert view.known_routes() is not None and view.drawn_routes()[1] is not None


@pytest.mark.parametrize("keyed", [True, False])
def test_a_small_count_on_a_known_route_is_not_labelled_a_complement(keyed) -> None:
    """The k-anonymised fixture's Thailand as destination: four victims on a known route (no corridor listed),
    two of unknown citizenship, all six shown. The totals row withholds its only class cell and the victims on
    no route (``<5`` each), so the key figure is not a number; labelled ``x`` (at least the threshold, withheld
    for another's sake) it contradicted the route table's ``<5`` of the same victims, and a reader who takes
    the labels at their word has them at 4 at most and at least 4 (six less the 2 on no route, shown beside as
    1 to 4): both counts pinned. A small count is labelled small, as the table labels it."""
    view = _route_view({"KHM": 2, "LAO": 1, "MMR": 1, None: 2}, keyed=keyed)
    shown = view.table.display()
    totals = dict(zip(shown.columns, shown.row(-1), strict=True))
    classes = [totals[c] for c in view.table.count_columns if c not in (ALL_VICTIMS, "Route unknown")]
    # the one class of route they are in (here: region unknown), and the victims on no route: <5 each
    assert sorted(classes) == ["0"] * (len(classes) - 1) + [RULE.label], totals
    assert totals["Route unknown"] == RULE.label, totals
    figures = dict(zip(*view.key_figures().get_columns(), strict=True))
    on_a_known_route = next(v for k, v in figures.items() if k.startswith("on a known route"))
    assert on_a_known_route == RULE.label, figures
