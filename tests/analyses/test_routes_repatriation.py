"""UNODC: a country's own nationals detected at home are no domestic route unless the data say where they were
exploited (the breakdown by country of repatriation); citizenships that name no country are named."""

from __future__ import annotations

import polars as pl
import pytest
from _indicator import indicator_row

from evidence.analyses import routes
from evidence.analyses.selection import Selection
from evidence.sources.indicator_schema import INDICATOR_SCHEMA

REPATRIATION = "by country of repatriation"


def row(iso3: str, year: int, dimension: str, category: str, value, iso: str | None = None) -> dict:
    return indicator_row(iso3, year, dimension, category, value, category_iso3=iso)


def table(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=INDICATOR_SCHEMA)


@pytest.fixture
def myanmar() -> pl.DataFrame:
    return table(
        [
            # 2017: Myanmar's own count of its nationals, and where they were repatriated from
            row("MMR", 2017, "by citizenship", "Nationals", 353),
            row("MMR", 2017, REPATRIATION, "Abroad", 270),
            row("MMR", 2017, REPATRIATION, "China", 254, "CHN"),
            row("MMR", 2017, REPATRIATION, "Thailand", 15, "THA"),
            row("MMR", 2017, REPATRIATION, "Malaysia", "<5", "MYS"),
            # 2020: some recorded as exploited at home, "Abroad" wider than the countries listed
            row("MMR", 2020, "by citizenship", "Myanmar", 167, "MMR"),
            row("MMR", 2020, REPATRIATION, "Abroad", 82),
            row("MMR", 2020, REPATRIATION, "China", "<5", "CHN"),
            row("MMR", 2020, REPATRIATION, "Domestic (Myanmar)", 78, "MMR"),
            # 2016: no repatriation breakdown: the nationals stay whole, place of exploitation not recorded
            row("MMR", 2016, "by citizenship", "Myanmar", 28, "MMR"),
            # Thailand detected Myanmar nationals: a route as detected, kept apart from the repatriation one
            row("THA", 2017, "by citizenship", "Myanmar", 400, "MMR"),
        ]
    )


def test_own_nationals_are_split_by_the_repatriation_breakdown(myanmar):
    selection = Selection(myanmar, country="MMR", role="origin")
    flows = routes.flows(selection)
    by_key = {(r["destination_iso3"], r["route_basis"]): r for r in flows.iter_rows(named=True)}
    assert by_key[("CHN", "repatriation")]["victims_low"] == 255  # 254 + <5
    assert by_key[("CHN", "repatriation")]["victims_high"] == 258
    assert by_key[("THA", "repatriation")]["victims"] == 15
    assert by_key[("THA", "citizenship")]["victims"] == 400  # never summed with the repatriation route
    domestic = by_key[("MMR", "repatriation")]
    assert domestic["victims"] == 78 and domestic["flow_class"] == "domestic"
    assert ("MMR", "citizenship") not in by_key and ("MMR", "own_nationals") not in by_key
    coverage = routes.flow_coverage(selection)
    # 2020: Abroad 82 less China <5: 78-81 abroad without a country
    assert coverage.repatriated_abroad == (78, 81)
    # 2017: 353 - 270..273 = 80..83; 2020: 167 - 82 - 78 = 7; 2016: 28 whole
    assert coverage.own_nationals == (80 + 7 + 28, 83 + 7 + 28)
    assert coverage.unknown_destination == (0, 0)
    assert routes.flow_years(selection)[("MMR", "CHN", "repatriation")] == [2017, 2020]


def test_the_split_never_adds_victims(myanmar):
    selection = Selection(myanmar, country="MMR", role="origin")
    coverage = routes.flow_coverage(selection)
    own = myanmar.filter((pl.col("iso3") == "MMR") & (pl.col("dimension") == "by citizenship"))
    # the parts' bounds hold the cells they come from (353 + 167 + 28), and nothing more
    assert coverage.total[0] - 400 <= own["value"].sum() <= coverage.total[1] - 400


def test_an_unmarked_or_larger_repatriation_breakdown_is_not_used():
    rows = [
        # 2014: a list of countries only (a country of destination listing where it sent victims back to)
        row("THA", 2014, "by citizenship", "Thailand", 300, "THA"),
        row("THA", 2014, REPATRIATION, "Cambodia", 200, "KHM"),
        # 2018: parts larger than the nationals cell: inconsistent, not used
        row("THA", 2018, "by citizenship", "Nationals", 10),
        row("THA", 2018, REPATRIATION, "Abroad", 50),
        row("THA", 2018, REPATRIATION, "Japan", 50, "JPN"),
    ]
    selection = Selection(table(rows), country="THA", role="destination")
    assert routes.flows(selection).height == 0
    assert routes.flow_coverage(selection).own_nationals == (310, 310)


def test_a_country_as_destination_keeps_its_nationals_detected_at_home(myanmar):
    # the victims Myanmar detected: its nationals (repatriation routes included), under its own detection
    selection = Selection(myanmar, country="MMR", role="destination", years=(2017, 2017))
    coverage = routes.flow_coverage(selection)
    # 353 split into China 254, Thailand 15, Malaysia <5 and the rest 80-83: the parts' bounds are intervals
    assert coverage.total == (254 + 15 + 1 + 80, 254 + 15 + 4 + 83)
    china = Selection(myanmar, country="CHN", role="destination")
    assert routes.flow_coverage(china).total == (0, 0)  # China did not detect them: Myanmar did


def test_corridor_trends_read_detected_routes_only(myanmar):
    yearly = routes.corridor_yearly_counts(Selection(myanmar, country="MMR", role="origin"))
    assert set(yearly["destination_iso3"]) == {"THA"}


def test_unmapped_origins_name_stateless_groups_and_unmapped_texts():
    rows = [
        row("THA", 2018, "by citizenship", "Rohingya", 19),
        row("THA", 2019, "by citizenship", "Rohingya", 148),
        row("THA", 2020, "by citizenship", "Rohingya", "<5"),
        row("THA", 2020, "by citizenship", "Atlantean", 7),
        row("THA", 2020, "by citizenship", "Unknown", 6),  # the publisher's own unknown: not listed
        row("THA", 2020, "by citizenship", "Myanmar", 9, "MMR"),
    ]
    found = routes.unmapped_origins(Selection(table(rows), country="THA", role="destination"))
    assert found["category"].to_list() == ["Rohingya", "Atlantean"]
    assert found["stateless"].to_list() == [True, False]
    rohingya = found.row(0, named=True)
    assert (rohingya["victims"], rohingya["victims_low"], rohingya["victims_high"]) == (None, 168, 171)
    assert rohingya["years"] == [2018, 2019, 2020]
    assert routes.unmapped_origins(Selection(table(rows), country="MMR", role="origin")).height == 0


# ----------------------------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def unodc(shared_data):
    from evidence.sources.registry import load

    return load(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")


def test_real_myanmar_nationals_repatriated_from_china(unodc):
    """MMR 'by country of repatriation': China 254 (2017), 259 (2018), 282 (2019), <5 (2020), 18 (2021)."""
    selection = Selection(unodc, country="MMR", role="origin")
    flows = routes.flows(selection)
    china = flows.filter((pl.col("destination_iso3") == "CHN") & (pl.col("route_basis") == "repatriation"))
    assert (china["victims_low"].item(), china["victims_high"].item()) == (814, 817)
    assert routes.flow_years(selection)[("MMR", "CHN", "repatriation")] == [2017, 2018, 2019, 2020, 2021]
    # "Domestic (Myanmar)" 78 in 2020 is the only domestic route; the 1,273 own nationals are no longer one
    domestic = flows.filter(pl.col("flow_class") == "domestic")
    assert domestic["victims"].to_list() == [78]
    coverage = routes.flow_coverage(selection)
    assert coverage.own_nationals == (263, 271)
    assert coverage.repatriated_abroad == (74, 81)
    # the parts come out of Myanmar's own count of its nationals (2015-2021: 1,273), none added
    parts_low = 814 + 78 + 26 + 3 + coverage.own_nationals[0] + coverage.repatriated_abroad[0]
    parts_high = 817 + 78 + 29 + 12 + coverage.own_nationals[1] + coverage.repatriated_abroad[1]
    assert parts_low <= 1273 <= parts_high


def test_real_rohingya_detected_in_thailand_are_named(unodc):
    found = routes.unmapped_origins(Selection(unodc, country="THA", role="destination"))
    rohingya = found.filter(pl.col("category") == "Rohingya").row(0, named=True)
    assert (rohingya["victims_low"], rohingya["victims_high"], rohingya["stateless"]) == (202, 205, True)
