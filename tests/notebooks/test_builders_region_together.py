"""The region table protected together with the route table and the key figures shown beside it (exact counts).

A reader holds all three: every flow of the selection and every row of no route is a count of its own, each
region cell the sum of its pair's flows, each route table cell the sum of its flows, each key figure read from
the route table. The independent MILP reader of :mod:`_route_reader` (``scipy.optimize.milp``), reading exact
counts, must pin no small count: neither a cell withheld in any of them nor a flow no cell shows alone. Thailand
as destination is sec29's case (Americas → Asia was Brazil → Thailand's ``x``, alone in its pair, and the region
total gave the ``<5`` of unknown origin back); the demo's selections are some that sec29 left without a region
table (now shown, or left out where every count would be withheld).
"""

from __future__ import annotations

from collections.abc import Callable

import _route_reader as reader
import pytest
from _hand_made import into_thailand

from evidence.analyses.selection import Selection
from evidence.notebooks import builders
from evidence.notebooks.builders import route_numbers
from evidence.presentation.disclosure import DisclosedTable, DisclosureRule
from evidence.sources.cache import load_cached
from evidence.sources.demo import demo_path


def _thailand() -> Selection:
    """Thailand as destination: Myanmar 32, Cambodia 19, Ukraine 9, Brazil 6, 3 of unknown citizenship."""
    return into_thailand({"MMR": 32, "KHM": 19, "UKR": 9, "BRA": 6, None: 3})


def _demo(country: str, role: str) -> Callable[[], Selection]:
    def selection() -> Selection:
        loaded = load_cached(demo_path())
        years = Selection(loaded, country=country, role=role).records()["year"].drop_nulls()
        return Selection(loaded, country=country, role=role, years=(int(years.min()), int(years.max())))

    return selection


def _pinned(selection: Selection, rule: DisclosureRule) -> tuple[list[object], bool]:
    """The small counts a reader of the route table, the key figures and the region table pins, and whether
    the region table is shown (:func:`_route_reader.pinned` of exact counts)."""
    return reader.pinned(selection, rule, exact_counts=True)


#: shown, sec29 left each without a region table: Thailand's with two cells withheld further, the demo's whole
#: (sec29 dropped them beside any withheld cell of the route table)
SHOWN = [
    pytest.param(_thailand, 5, id="Thailand-destination-5"),
    pytest.param(_demo("BRA", "both"), 5, id="demo-Brazil-both-5"),
    pytest.param(_demo("PAK", "both"), 11, id="demo-Pakistan-both-11"),
    pytest.param(_demo("IND", "both"), 11, id="demo-India-both-11"),
    # its route table lists a withheld corridor after the published ones: the true counts moved with the rows
    pytest.param(_demo("CHN", "both"), 5, id="demo-China-both-5"),
    pytest.param(_demo("CHN", "both"), 11, id="demo-China-both-11"),
]
#: not shown: one region pair, whose one corridor the route table withholds, so every count would be withheld
DROPPED = [
    pytest.param(_demo("BRA", "origin"), 5, id="demo-Brazil-origin-5"),
    pytest.param(_demo("ALB", "origin"), 11, id="demo-Albania-origin-11"),
    pytest.param(_demo("COL", "destination"), 11, id="demo-Colombia-destination-11"),
]


@pytest.mark.parametrize(("selection", "threshold"), SHOWN)
def test_attack_the_region_table_route_table_and_key_figures_together_pin_no_small_count(
    selection: Callable[[], Selection], threshold: int
) -> None:
    pinned, shown = _pinned(selection(), DisclosureRule(threshold))
    assert not pinned
    assert shown


@pytest.mark.parametrize(("selection", "threshold"), DROPPED)
def test_a_region_table_that_would_withhold_every_count_is_not_shown(
    selection: Callable[[], Selection], threshold: int
) -> None:
    pinned, shown = _pinned(selection(), DisclosureRule(threshold))
    assert not pinned
    assert not shown


@pytest.mark.parametrize(("selection", "threshold"), [SHOWN[0], *DROPPED])
def test_the_region_table_alone_beside_the_route_table_gave_a_count_back(
    selection: Callable[[], Selection], threshold: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader above is not idle: the region table protected on its own (the joint protection skipped)
    lets it pin a count the route table withholds."""
    monkeypatch.setattr(builders, "_region_beside_routes", lambda table, *_: table)
    monkeypatch.setattr(reader, "_READINGS", {})  # the route numbers built again, as protected here
    pinned, shown = _pinned(selection(), DisclosureRule(threshold))
    assert shown and pinned


def test_thailands_region_table_withholds_the_pair_of_brazil_and_the_total_and_shows_the_rest() -> None:
    numbers = route_numbers(_thailand(), DisclosureRule(5))
    assert numbers is not None
    region = numbers.region_table("region")
    assert isinstance(region, DisclosedTable)
    shown = region.display()
    assert dict(zip(shown[shown.columns[0]].to_list(), shown["Asia"].to_list(), strict=True)) == {
        "Americas": "x",
        "Asia": "51",
        "Europe": "9",
        "Total": "x",
    }
