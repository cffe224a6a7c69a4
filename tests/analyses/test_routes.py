"""Routes: flows from both tables, flow classes, coverage, corridors, emerging routes, networks; real UNODC."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.analyses import routes
from evidence.core.errors import ParameterError
from evidence.sources.case_schema import conform
from evidence.sources.indicator_schema import INDICATOR_SCHEMA

SEA = ("Asia", "South-eastern Asia")
EAST_ASIA = ("Asia", "Eastern Asia")
NORTH_EUROPE = ("Europe", "Northern Europe")
REGIONS = {"THA": SEA, "MMR": SEA, "KHM": SEA, "LAO": SEA, "MYS": SEA, "JPN": EAST_ASIA, "FIN": NORTH_EUROPE}


def victims(origin: str | None, destination: str | None, n: int, year: int = 2020) -> list[dict]:
    o_region, o_sub = REGIONS.get(origin, (None, None))
    d_region, d_sub = REGIONS.get(destination, (None, None))
    return [
        dict(
            year=year, origin_iso3=origin, origin_region=o_region, origin_subregion=o_sub,
            destination_iso3=destination, destination_region=d_region, destination_subregion=d_sub,
        )
    ] * n


def cases(records: list[dict]) -> pl.DataFrame:
    return conform(pl.DataFrame(records, infer_schema_length=None))


@pytest.fixture
def thai_cases() -> pl.DataFrame:
    return cases(
        victims("MMR", "THA", 40)
        + victims("KHM", "THA", 20)
        + victims("THA", "THA", 10)
        + victims("THA", "JPN", 6)
        + victims("THA", "FIN", 3)
        + victims("THA", "XXX", 2)  # a destination without a known region
        + victims(None, "THA", 7)
        + victims("THA", None, 1)
        + victims("FIN", "JPN", 50)
    )


def citizenship(iso3: str, year: int, category: str, value, iso: str | None = None) -> dict:
    censored = value == "<5"
    return dict(
        source_row=1, iso3=iso3, country=iso3, region="Asia", subregion="South-eastern Asia", year=year,
        indicator="Detected trafficking victims", dimension="by citizenship", category=category,
        category_iso3=iso, sex="Total", age="Total", unit="Counts", value=None if censored else float(value),
        value_low=1.0 if censored else float(value), value_high=4.0 if censored else float(value),
        censored=censored, source_note=None,
    )


@pytest.fixture
def thai_indicators() -> pl.DataFrame:
    rows = [
        citizenship("THA", 2019, "Myanmar", 30, "MMR"),
        citizenship("THA", 2020, "Myanmar", "<5", "MMR"),
        citizenship("THA", 2020, "Burmese", 12, "MMR"),  # a second spelling of the same citizenship
        citizenship("THA", 2020, "Nationals", 25, None),
        citizenship("THA", 2020, "Cambodia", "<5", "KHM"),
        citizenship("THA", 2020, "Unknown", 6, None),
        citizenship("MYS", 2020, "Thailand", 9, "THA"),
    ]
    return pl.DataFrame(rows, schema=INDICATOR_SCHEMA)


# ------------------------------------------------------------------------------------------- case table


def test_case_flows_classes_and_shares(thai_cases):
    flows = routes.flows(thai_cases, country="THA", role="both")
    by_pair = {(r["origin_iso3"], r["destination_iso3"]): r for r in flows.iter_rows(named=True)}
    assert by_pair[("MMR", "THA")]["victims"] == 40
    assert by_pair[("THA", "THA")]["flow_class"] == "domestic"
    assert by_pair[("MMR", "THA")]["flow_class"] == "intraregional"
    assert by_pair[("THA", "JPN")]["flow_class"] == "intraregional"  # same M49 region (Asia)
    assert by_pair[("THA", "FIN")]["flow_class"] == "transregional"
    assert by_pair[("THA", "XXX")]["flow_class"] == "unknown"
    assert ("FIN", "JPN") not in by_pair
    assert flows["share"].sum() == pytest.approx(1.0)
    assert by_pair[("MMR", "THA")]["share"] == pytest.approx(40 / 81)
    assert flows["victims"].to_list() == sorted(flows["victims"].to_list(), reverse=True)


def test_subregion_level_makes_east_asia_transregional(thai_cases):
    flows = routes.flows(thai_cases, country="THA", regional_level="subregion")
    jpn = flows.filter(pl.col("destination_iso3") == "JPN")
    assert jpn["flow_class"].item() == "transregional"
    assert flows.filter(pl.col("origin_iso3") == "MMR")["flow_class"].item() == "intraregional"


def test_roles_and_unknowns_are_counted_not_dropped(thai_cases):
    into = routes.flows(thai_cases, country="THA", role="destination")
    assert set(into["origin_iso3"]) == {"MMR", "KHM", "THA"}
    out = routes.flows(thai_cases, country="THA", role="origin")
    assert set(out["destination_iso3"]) == {"THA", "JPN", "FIN", "XXX"}
    coverage = routes.flow_coverage(thai_cases, country="THA", role="destination")
    assert coverage.unknown_origin == (7, 7)
    assert coverage.known == (70, 70)
    both = routes.flow_coverage(thai_cases, country="THA")
    assert both.unknown_destination == (1, 1)
    assert both.total == (both.known[0] + both.unknown[0],) * 2


def test_min_victims_keeps_flows_of_at_least_that_many(thai_cases):
    flows = routes.flows(thai_cases, country="THA", min_victims=5)
    assert flows["victims"].min() >= 5
    assert ("THA", "FIN") not in set(zip(flows["origin_iso3"], flows["destination_iso3"]))
    # shares stay shares of all known victims, so the kept flows sum to less than 1
    assert flows["share"].sum() == pytest.approx(76 / 81)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["THA", "MMR", "FIN", None]), st.sampled_from(["THA", "JPN", None])),
        min_size=1,
        max_size=50,
    )
)
def test_flows_and_unknowns_account_for_every_record(pairs):
    df = cases([v for o, d in pairs for v in victims(o, d, 1)])
    flows = routes.flows(df)
    coverage = routes.flow_coverage(df)
    assert int(flows["victims"].sum() or 0) + coverage.unknown[0] == len(pairs)
    assert coverage.total == (len(pairs), len(pairs))


def test_years_filter_and_parameter_errors(thai_cases):
    extra = cases(victims("LAO", "THA", 9, year=2012))
    df = pl.concat([thai_cases, extra])
    assert "LAO" not in routes.flows(df, country="THA", years=(2015, 2022))["origin_iso3"].to_list()
    assert "LAO" in routes.flows(df, country="THA", years="2010-2012")["origin_iso3"].to_list()
    with pytest.raises(ParameterError):
        routes.flows(df, years="2020-2010")
    with pytest.raises(ParameterError):
        routes.flows(df, country="Atlantis")
    with pytest.raises(ParameterError):
        routes.flows(df, role="sideways")
    with pytest.raises(ParameterError):
        routes.flows(df, regional_level="continent")  # type: ignore[arg-type]


# -------------------------------------------------------------------------------------- indicator table


def test_indicator_flows_carry_censoring_bounds(thai_indicators):
    flows = routes.flows(thai_indicators, country="THA", role="destination", years=(2020, 2020))
    by_origin = {r["origin_iso3"]: r for r in flows.iter_rows(named=True)}
    mmr = by_origin["MMR"]  # 12 + <5: between 13 and 16, not 12 and not 14.5
    assert (mmr["victims"], mmr["victims_low"], mmr["victims_high"]) == (None, 13, 16)
    assert by_origin["THA"]["flow_class"] == "domestic" and by_origin["THA"]["victims"] == 25
    assert (by_origin["KHM"]["victims_low"], by_origin["KHM"]["victims_high"]) == (1, 4)
    assert mmr["origin_region"] == "Asia"
    coverage = routes.flow_coverage(thai_indicators, country="THA", role="destination", years=(2020, 2020))
    assert coverage.unknown_origin == (6, 6)
    reported = routes.flows(thai_indicators, country="THA", role="destination", min_victims=5)
    assert "KHM" not in reported["origin_iso3"].to_list()  # only 1-4 victims: never reported


def test_indicator_origin_role_reads_other_countries_breakdowns(thai_indicators):
    flows = routes.flows(thai_indicators, country="THA", role="origin")
    assert dict(zip(flows["destination_iso3"], flows["victims"])) == {"THA": 25, "MYS": 9}


# ------------------------------------------------------------------------------------ corridors, networks


def test_top_corridors_rank_and_cumulative_share(thai_cases):
    top = routes.top_corridors(routes.flows(thai_cases, country="THA"), n=2)
    assert top["rank"].to_list() == [1, 2]
    assert top["origin_iso3"].to_list() == ["MMR", "KHM"]
    assert top["cumulative_share"].to_list() == pytest.approx([40 / 81, 60 / 81])
    international = routes.top_corridors(routes.flows(thai_cases, country="THA"), n=10, include_domestic=False)
    assert "domestic" not in international["flow_class"].cast(pl.String).to_list()


def test_region_matrix_and_hub_measures_by_hand(thai_cases):
    flows = routes.flows(thai_cases)
    matrix = routes.region_flow_matrix(flows)
    asia = matrix.filter(pl.col("origin_region") == "Asia").row(0, named=True)
    assert asia["Asia"] == 40 + 20 + 10 + 6 and asia["Europe"] == 3 and asia["Unknown"] == 2
    assert matrix.filter(pl.col("origin_region") == "Europe")["Asia"].item() == 50
    hubs = {r["iso3"]: r for r in routes.hub_measures(flows).iter_rows(named=True)}
    assert hubs["THA"]["in_strength"] == 60 and hubs["THA"]["out_strength"] == 11
    assert hubs["THA"]["in_degree"] == 2 and hubs["THA"]["out_degree"] == 3 and hubs["THA"]["degree"] == 5
    assert hubs["THA"]["domestic"] == 10
    assert hubs["JPN"]["in_strength"] == 56 and hubs["JPN"]["out_degree"] == 0


def test_censored_sums_stay_unknown_in_the_matrix_unless_a_bound_is_asked(thai_indicators):
    flows = routes.flows(thai_indicators, country="THA", role="destination")
    assert routes.region_flow_matrix(flows)["Asia"].item() is None
    assert routes.region_flow_matrix(flows, value="victims_low")["Asia"].item() == 30 + 13 + 25 + 1
    hubs = routes.hub_measures(flows).filter(pl.col("iso3") == "THA").row(0, named=True)
    assert hubs["in_strength"] is None and hubs["domestic"] == 25 and hubs["in_degree"] == 2
    assert routes.hub_measures(flows, value="victims_high").filter(pl.col("iso3") == "THA")["in_strength"].item() == 30 + 16 + 4


def simulated_corridors(seed: int = 5) -> pl.DataFrame:
    """19 flat corridors, 2 growing ones, and one that appears in the last 3 years."""
    rng = np.random.default_rng(seed)
    years = np.arange(2010, 2022)
    origins = ["MMR", "KHM", "LAO", "MYS", "JPN", "FIN"]
    destinations = ["THA", "MYS", "JPN", "FIN"]
    pairs = [(o, d) for o in origins for d in destinations if o != d]
    records = []
    for k, (o, d) in enumerate(pairs):
        rate = np.exp(np.log(20) + (0.25 if k < 2 else 0.0) * (years - 2010))
        for year, n in zip(years, rng.poisson(rate)):
            records += victims(o, d, int(n), int(year))
    for year in (2019, 2020, 2021):
        records += victims("THA", "FIN", 8, year)
    return cases(records)


def test_emerging_routes_find_growth_and_new_corridors_after_bh_correction():
    df = simulated_corridors()
    trends = routes.corridor_trends(df)
    assert trends["q_value"].is_not_null().sum() == 22
    assert (trends["q_value"] >= trends["p_value"]).fill_null(True).all()
    emerging = routes.emerging_routes(df, later_years=3)
    found = {(r["origin_iso3"], r["destination_iso3"]): r["reason"] for r in emerging.iter_rows(named=True)}
    assert found.get(("MMR", "THA")) is not None and "growth" in found[("MMR", "THA")]
    assert found.get(("MMR", "MYS")) is not None and "growth" in found[("MMR", "MYS")]
    assert "new" in found[("THA", "FIN")]
    assert len(found) <= 4  # flat corridors stay out after the correction (at most one false positive)


def test_case_corridor_years_stop_at_the_release_years():
    df = cases(victims("MMR", "THA", 5, year=2018) + victims("MMR", "THA", 7, year=2020))
    yearly = routes.corridor_yearly_counts(df, years=(2010, 2030))
    assert yearly["year"].to_list() == [2018, 2019, 2020]
    assert yearly["victims"].to_list() == [5, 0, 7]


def test_corridor_yearly_counts_fill_observed_years_only(thai_indicators):
    yearly = routes.corridor_yearly_counts(thai_indicators, country="THA", role="destination")
    khm = yearly.filter(pl.col("origin_iso3") == "KHM").sort("year")
    assert khm["year"].to_list() == [2019, 2020]  # THA reported in 2019 and 2020 only
    assert khm["victims"].to_list() == [0, None]


# ----------------------------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def unodc(shared_data):
    from evidence.sources.registry import load

    return load(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")


def test_real_unodc_flows_into_thailand(unodc):
    flows = routes.flows(unodc, country="THA", role="destination", min_victims=5)
    origins = set(flows["origin_iso3"].to_list())
    assert {"MMR", "KHM", "LAO", "THA"} <= origins
    assert flows.filter(pl.col("origin_iso3") == "THA")["flow_class"].item() == "domestic"
    assert set(flows.filter(pl.col("origin_iso3").is_in(["MMR", "KHM", "LAO"]))["flow_class"].cast(pl.String)) == {
        "intraregional"
    }
    assert (flows["victims_low"] <= flows["victims_high"]).all()
    assert (flows["victims_low"] >= 5).all()
