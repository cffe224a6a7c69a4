"""The victims on a known route of UNODC's ranges: the sums of the known-route flows' low and high bounds.

Each bound's route table is not additive: its total is the publisher's cell total and the nationals repatriated
from abroad with no country stated are what the repatriation total leaves beside the repatriation routes' other
bound (Myanmar as origin, 2020: 82 less China's and Malaysia's 1–4 each, 74–80). Each bound's total less that
bound's unknowns, 181 − 74 against 184 − 80, gave 107–104, no interval: the key figures raised.
"""

from __future__ import annotations

import _route_reader as reader
import polars as pl
import pytest

from evidence.analyses.selection import Selection
from evidence.presentation.disclosure import DisclosureRule


def flows_on_known_routes(numbers) -> tuple[int, int]:
    """The sums of the low and the high bounds of the flows whose origin and destination are both known."""
    on = numbers.flow_table.filter(
        pl.col("origin_iso3").is_not_null() & pl.col("destination_iso3").is_not_null()
    )
    return int(on["victims_low"].sum()), int(on["victims_high"].sum())


def test_myanmar_as_origin_in_2020_has_the_known_routes_its_flows_give(real_tables) -> None:
    selection = Selection(real_tables[1], country="MMR", role="origin", years="2020")
    numbers = reader.reading(selection, DisclosureRule(11)).numbers
    assert numbers is not None and not numbers.exact
    # 8 + 5 + 7 + 78 exact, and three of the publisher's <5 cells (Mongolia, China, Malaysia): 1–4 each
    assert flows_on_known_routes(numbers) == (101, 110)
    assert (numbers.low.known_routes(), numbers.high.known_routes()) == (101, 110)
    assert numbers.key_figures()["Victims"][1] == "101–110"


#: selections of the 2023 workbook whose bounds' totals less their unknowns were not the known routes' bounds:
#: no interval (the key figures raised), or one too narrow (Albania as origin: 4,449–4,590 for 4,443–4,611)
REPATRIATED = [
    pytest.param("MMR", "origin", "2020", 11, id="Myanmar-origin-2020-11"),
    pytest.param("MMR", "both", "2020", 11, id="Myanmar-both-2020-11"),
    pytest.param("MNG", "origin", "2018", 5, id="Mongolia-origin-2018-5"),
    pytest.param("COL", "origin", "2021", 5, id="Colombia-origin-2021-5"),
    pytest.param("ALB", "origin", None, 5, id="Albania-origin-5"),
    pytest.param("EGY", "both", None, 11, id="Egypt-both-11"),
    pytest.param("BTN", "origin", None, 11, id="Bhutan-origin-11"),
]


@pytest.mark.parametrize(("country", "role", "years", "threshold"), REPATRIATED)
def test_the_known_routes_are_the_flows_bounds_and_shown_as_the_rule_says(
    real_tables, country: str, role: str, years: str | None, threshold: int
) -> None:
    selection = Selection(real_tables[1], country=country, role=role, years=years)
    rule = DisclosureRule(threshold)
    numbers = reader.reading(selection, rule).numbers
    assert numbers is not None
    known = (numbers.low.known_routes(), numbers.high.known_routes())
    if None not in known:
        assert known == flows_on_known_routes(numbers)
    shown = numbers.key_figures()["Victims"][1]
    low, high = known
    if low is not None and high is not None and not rule.is_small(low):
        assert shown == (f"{low:,}" if low == high else f"{low:,}–{high:,}")
    pinned, _ = reader.pinned(selection, rule, region=False)
    assert pinned == []
