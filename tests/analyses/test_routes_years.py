"""Routes: which years a corridor is observed in (case records), as the yearly tables count them; real CTDC."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_routes import cases, citizenship, victims

from evidence.analyses import routes, trends
from evidence.analyses.selection import Selection
from evidence.core.errors import ParameterError
from evidence.sources.indicator_schema import INDICATOR_SCHEMA


def cambodia() -> pl.DataFrame:
    """Cambodia's records as the k-anonymised CTDC sample holds them: 16 Cambodians assisted in Thailand in
    2010, 95 assisted in Cambodia in 2018, nothing of Cambodia in between (other countries' records are)."""
    return cases(
        victims("KHM", "THA", 16, year=2010)
        + victims("MMR", "THA", 40, year=2010)
        + victims("FIN", "JPN", 20, year=2014)
        + victims("KHM", "KHM", 95, year=2018)
    )


def test_a_year_without_records_of_the_selection_is_no_zero_of_its_corridors():
    selection = Selection(cambodia(), country="KHM")
    yearly = routes.corridor_yearly_counts(selection)
    # the years the selection has records in, as its yearly table gives them (2011-2017: no records, not 0)
    assert sorted(set(yearly["year"].to_list())) == trends.yearly_counts(selection)["year"].to_list()
    assert sorted(set(yearly["year"].to_list())) == [2010, 2018]
    khm = yearly.filter(pl.col("destination_iso3") == "KHM").sort("year")
    assert khm["victims"].to_list() == [0, 95]  # 2010 holds records of Cambodia: a true zero
    # two observed years: no trend is tested, so no "growth" from seven years that hold nothing
    trend = routes.corridor_trends(selection).filter(pl.col("destination_iso3") == "KHM")
    assert trend["n_years"].item() == 2 and trend["q_value"].item() is None
    emerging = routes.emerging_routes(selection)
    assert "growth" not in emerging.filter(pl.col("destination_iso3") == "KHM")["reason"].to_list()


def test_the_selections_years_beyond_its_records_are_no_zeros():
    selection = Selection(cambodia(), country="THA", role="destination", years=(2005, 2019))
    yearly = routes.corridor_yearly_counts(selection)
    assert yearly["year"].unique().to_list() == [2010]
    assert not routes.emerging_periods(selection).comparable


def test_a_year_of_the_whole_table_without_records_is_not_observed():
    # a release whose records skip 2019 altogether: the year is not covered (not 0 victims on every corridor)
    df = cases(victims("MMR", "THA", 5, year=2018) + victims("MMR", "THA", 7, year=2020))
    yearly = routes.corridor_yearly_counts(Selection(df, years=(2010, 2030)))
    assert yearly["year"].to_list() == [2018, 2020]
    assert yearly["victims"].to_list() == [5, 7]
    # unknown routes place the selection in a year: their year is observed, its corridors at 0
    df = cases(victims("MMR", "THA", 5, year=2018) + victims(None, "THA", 3, year=2019))
    yearly = routes.corridor_yearly_counts(Selection(df, country="THA", role="destination"))
    assert yearly.sort("year")["victims"].to_list() == [5, 0]


@pytest.fixture(scope="module")
def k_anon(shared_data):
    from evidence.sources.registry import load

    return load(shared_data / "ctdc" / "k_anon_sample.csv")


@pytest.mark.parametrize(
    ("country", "role", "years"),
    [
        ("KHM", "both", None),
        ("THA", "destination", (2005, 2019)),
        ("UKR", "origin", None),
        (None, "both", None),
    ],
)
def test_real_ctdc_corridor_years_are_the_yearly_tables_years(k_anon, country, role, years):
    selection = Selection(k_anon, country=country, role=role, years=years)
    covered = set(trends.yearly_counts(selection)["year"].to_list())
    yearly = routes.corridor_yearly_counts(selection)
    assert set(yearly["year"].to_list()) <= covered
    # every corridor is observed in every covered year from its selection's first to its last
    assert (yearly.group_by("origin_iso3", "destination_iso3").len()["len"] == len(covered)).all()


def test_real_ctdc_cambodia_is_not_a_growing_corridor_for_lack_of_records(k_anon):
    # Cambodia in the sample: 2010 (Cambodians in Thailand) and 2018 (in Cambodia) only; the corridor was
    # "growth+new" with q = 2e-92 when the seven years without any record of Cambodia counted as zeros
    emerging = routes.emerging_routes(Selection(k_anon, country="KHM"))
    assert "growth" not in ";".join(emerging["reason"].to_list())


# ------------------------------------------------------------------------- regions of records without countries


@pytest.fixture(scope="module")
def victim_perpetrator(shared_data):
    from evidence.sources.registry import load

    return load(shared_data / "ctdc" / "vp_synthetic_condensed.csv")


def test_real_vp_region_flows_match_ctdcs_published_frequencies(victim_perpetrator):
    # the Victim-Perpetrator dataset gives regions only: no victim is on a country flow, 14,700 have both regions
    assert routes.flows(victim_perpetrator).height == 0
    flows = routes.record_region_flows(victim_perpetrator)
    assert flows["victims"].sum() == 21_195
    # the dictionary's TabStat sheet (N = 21,195): region of citizenship and of exploitation, missing included
    origin = dict(flows.group_by("origin_region").agg(pl.col("victims").sum()).iter_rows())
    assert origin == {"Africa": 5282, "Americas/Oceania": 277, "Asia": 6139, "Europe": 5887, "Unknown": 3610}
    destination = dict(flows.group_by("destination_region").agg(pl.col("victims").sum()).iter_rows())
    assert destination == {
        "Africa": 4271,
        "Americas/Oceania": 212,
        "Asia": 6281,
        "Europe": 6432,
        "Unknown": 3999,
    }
    by_class = dict(flows.group_by("flow_class").agg(pl.col("victims").sum()).iter_rows())
    assert by_class["domestic_or_intraregional"] + by_class["transregional"] == 14_700
    # no country: neither a domestic flow nor an intraregional one (UNODC's intraregional is two different
    # countries of one region; a victim of Europe exploited in Europe, countries unknown, may be either)
    assert "domestic" not in by_class and "intraregional" not in by_class
    assert by_class["domestic_or_intraregional"] == 4720 + 4017 + 3279 + 131


REGION = st.sampled_from([None, "Africa", "Asia", "Europe"])
ISO3 = st.sampled_from([None, "KHM", "THA", "MMR", "FIN"])


@given(st.lists(st.tuples(ISO3, REGION, ISO3, REGION), min_size=1, max_size=20))
@settings(max_examples=60, deadline=None)
def test_record_region_classes_follow_unodcs_definitions(records):
    # domestic: one country; intraregional: two different countries of one region; transregional: two regions.
    # A record whose countries are not both known, in one region, is either domestic or intraregional.
    frame = cases(
        [
            {
                "year": 2020,
                "origin_iso3": o,
                "origin_region": o_region,
                "origin_subregion": None,
                "destination_iso3": d,
                "destination_region": d_region,
                "destination_subregion": None,
            }
            for o, o_region, d, d_region in records
        ]
    )
    expected: dict[tuple[str, str, str], int] = {}
    for o, o_region, d, d_region in records:
        if o is not None and o == d:
            cls = "domestic"
        elif o_region is None or d_region is None:
            cls = "unknown"
        elif o_region != d_region:
            cls = "transregional"
        elif o is None or d is None:
            cls = "domestic_or_intraregional"
        else:
            cls = "intraregional"
        key = (o_region or "Unknown", d_region or "Unknown", cls)
        expected[key] = expected.get(key, 0) + 1
    got = routes.record_region_flows(frame)
    assert {
        (r[0], r[1], str(r[2])): r[3]
        for r in got.select("origin_region", "destination_region", "flow_class", "victims").iter_rows()
    } == expected
    assert got["victims"].sum() == len(records)


def test_record_region_flows_agree_with_the_flow_tables_where_countries_are_known(k_anon):
    selection = Selection(k_anon, country="KHM")
    known = routes.record_region_flows(selection, "subregion").filter(pl.col("flow_class") != "unknown")
    from_flows = routes.flows(selection, regional_level="subregion")
    assert known["victims"].sum() == from_flows["victims"].sum() == 111
    assert set(known["flow_class"].cast(pl.String)) == {"domestic", "intraregional"}
    # UNODC's country data hold no records: their regions come from the flow table
    unodc = pl.DataFrame([citizenship("THA", 2020, "Myanmar", 12, "MMR")], schema=INDICATOR_SCHEMA)
    with pytest.raises(ParameterError, match="case table"):
        routes.record_region_flows(unodc)
