"""UNODC: a country's own nationals detected at home are a domestic route, as UNODC defines domestic trafficking,
less those its breakdown by country of repatriation shows were exploited abroad; those belong to the country as
origin only. Citizenships that name no country are named; doubtful breakdowns and unused repatriation
breakdowns are flagged."""

from __future__ import annotations

import polars as pl
import pytest
from _indicator import indicator_row
from hypothesis import given, settings
from hypothesis import strategies as st

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
    assert ("MMR", "citizenship") not in by_key
    # the rest (not shown exploited abroad) were detected at home: domestic, as UNODC counts them
    rest = by_key[("MMR", "own_nationals")]
    # 2017: the published subtotal Abroad 270 holds its countries (270-273): the rest is 353 - 270, exact
    assert (rest["victims_low"], rest["victims_high"], rest["flow_class"]) == (
        83 + 7 + 28,
        83 + 7 + 28,
        "domestic",
    )
    coverage = routes.flow_coverage(selection)
    # 2020: Abroad 82 less China <5: 78-81 abroad without a country
    assert coverage.repatriated_abroad == (78, 81)
    # 2017: 353 - 270 (the published subtotal, not its countries' 270..273) = 83; 2020: 167 - 82 - 78 = 7;
    # 2016: 28 whole
    assert coverage.own_nationals == (83 + 7 + 28, 83 + 7 + 28)
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
    flows = routes.flows(selection)  # the nationals stay whole: one domestic flow, no repatriation route
    assert flows["route_basis"].to_list() == ["own_nationals"] and flows["victims"].to_list() == [310]
    assert routes.flow_coverage(selection).own_nationals == (310, 310)
    # neither breakdown is dropped silently: both are listed as unused, with why
    unused = routes.unused_repatriation(selection)
    assert unused.select("year", "countries", "victims", "reason").rows() == [
        (2014, 1, 200, "ambiguous"),
        (2018, 1, 50, "unmatched"),
    ]
    assert routes.unused_repatriation(Selection(table(rows), country="KHM", role="destination")).height == 0


def test_a_country_as_destination_holds_only_the_victims_exploited_in_it(myanmar):
    # the victims Myanmar detected and that were exploited in Myanmar: those repatriated from China, Thailand
    # and Malaysia were exploited there, and belong to Myanmar as origin only
    selection = Selection(myanmar, country="MMR", role="destination", years=(2017, 2017))
    coverage = routes.flow_coverage(selection)
    assert coverage.total == coverage.known == (83, 83)  # 353 less the 270 repatriated from abroad
    assert set(routes.flows(selection)["route_basis"]) == {"own_nationals"}
    origin = routes.flow_coverage(Selection(myanmar, country="MMR", role="origin", years=(2017, 2017)))
    # 353 split (the parts' bounds are intervals, added up wider), totalled from the cell; and the 400 Thailand
    # detected
    assert origin.total == (400 + 353, 400 + 353)
    assert origin.known == (400 + 353, 400 + 353)
    # 2020: those exploited at home by the repatriation breakdown stay; Abroad without a country does not
    in_2020 = routes.flow_coverage(Selection(myanmar, country="MMR", role="destination", years=(2020, 2020)))
    assert in_2020.total == (78 + 7, 78 + 7) and in_2020.repatriated_abroad == (0, 0)
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
def unodc(unodc_2023):
    """UNODC GLOTIP 2023, the session's table (tests/conftest.py): the workbook parsed once per test process,
    and what the analyses build once per frame of it built once, not again in each module that reads it."""
    return unodc_2023


def test_real_myanmar_nationals_repatriated_from_china(unodc):
    """MMR 'by country of repatriation': China 254 (2017), 259 (2018), 282 (2019), <5 (2020), 18 (2021)."""
    selection = Selection(unodc, country="MMR", role="origin")
    flows = routes.flows(selection)
    china = flows.filter((pl.col("destination_iso3") == "CHN") & (pl.col("route_basis") == "repatriation"))
    assert (china["victims_low"].item(), china["victims_high"].item()) == (814, 817)
    assert routes.flow_years(selection)[("MMR", "CHN", "repatriation")] == [2017, 2018, 2019, 2020, 2021]
    # domestic: "Domestic (Myanmar)" 78 in 2020, and the own nationals not shown exploited abroad
    domestic = flows.filter(pl.col("flow_class") == "domestic")
    assert dict(zip(domestic["route_basis"], zip(domestic["victims_low"], domestic["victims_high"]))) == {
        "repatriation": (78, 78),
        # 2015-2021 own nationals less the published subtotals Abroad (270 + 264 + 289 + 82 + 19 = 924) and the
        # 78 exploited at home: exact, as the workbook gives it (the countries' <5 cells would make it 263-271)
        "own_nationals": (271, 271),
    }
    coverage = routes.flow_coverage(selection)
    assert coverage.own_nationals == (271, 271)
    assert coverage.repatriated_abroad == (74, 81)
    # the parts come out of Myanmar's own count of its nationals (2015-2021: 1,273), none added
    parts_low = 814 + 78 + 26 + 3 + coverage.own_nationals[0] + coverage.repatriated_abroad[0]
    parts_high = 817 + 78 + 29 + 12 + coverage.own_nationals[1] + coverage.repatriated_abroad[1]
    assert parts_low <= 1273 <= parts_high


def test_real_rohingya_detected_in_thailand_are_named(unodc):
    found = routes.unmapped_origins(Selection(unodc, country="THA", role="destination"))
    rohingya = found.filter(pl.col("category") == "Rohingya").row(0, named=True)
    assert (rohingya["victims_low"], rohingya["victims_high"], rohingya["stateless"]) == (202, 205, True)


# ---------------------------------------------------------------------------------------- doubtful breakdowns


def _doubtful_rows(own: int = 20) -> list[dict]:
    return [
        # country A (Nepal)'s breakdown: few of its own nationals, mostly B's (India) citizenship...
        row("NPL", 2015, "by citizenship", "Nationals", own),
        row("NPL", 2015, "by citizenship", "India", 80, "IND"),
        row("NPL", 2015, "by citizenship", "Bhutan", 10, "BTN"),
        # ... where B is where A's nationals are detected (B's (India) own breakdown), far more than the reverse
        row("IND", 2015, "by citizenship", "Nepal", 500, "NPL"),
        # C detects few of A's nationals: no destination of A's nationals
        row("BTN", 2015, "by citizenship", "Nepal", 3, "NPL"),
        row("BTN", 2015, "by citizenship", "Nationals", 50),
        # D: a country of destination listing its countries of origin, with few nationals: not doubtful
        row("ARE", 2015, "by citizenship", "Nationals", 5),
        row("ARE", 2015, "by citizenship", "Nepal", 100, "NPL"),
    ]


def test_a_breakdown_listing_destinations_of_the_countrys_nationals_is_doubtful():
    flagged = routes.doubtful_breakdowns(table(_doubtful_rows()))
    assert flagged.rows() == [("NPL", 2015, routes.DOUBTFUL_DESTINATIONS)]
    # the rule has two parts: with its own nationals a large share, the same breakdown is not doubtful
    assert routes.doubtful_breakdowns(table(_doubtful_rows(own=200))).height == 0
    flows = routes.flows(Selection(table(_doubtful_rows()), country="NPL", role="destination"))
    basis = dict(zip(flows["origin_iso3"], flows["route_basis"]))
    # its foreign cells are kept apart and marked; its own nationals stay domestic
    assert basis == {"IND": "doubtful_citizenship", "BTN": "doubtful_citizenship", "NPL": "own_nationals"}
    # corridor trends read routes as detected only: a doubtful cell is no corridor
    yearly = routes.corridor_yearly_counts(
        Selection(table(_doubtful_rows()), country="NPL", role="destination")
    )
    assert "IND" not in set(yearly["origin_iso3"])


def test_real_myanmars_2015_2016_breakdown_is_flagged_and_thailands_is_not(unodc):
    flagged = routes.doubtful_breakdowns(unodc.data)
    mmr = flagged.filter(pl.col("iso3") == "MMR")["year"].to_list()
    assert mmr == [2015, 2016]  # China 80/88, Thailand 16/9, Malaysia 13/6, own nationals 21/28
    assert (
        flagged.filter(pl.col("iso3").is_in(["THA", "MMR"]))["reason"].to_list()
        == [routes.DOUBTFUL_DESTINATIONS] * 2
    )
    assert flagged.filter(pl.col("iso3") == "THA").height == 0
    flows = routes.flows(Selection(unodc, country="MMR", role="destination"))
    china = flows.filter(pl.col("origin_iso3") == "CHN").row(0, named=True)
    assert (china["route_basis"], china["victims"]) == ("doubtful_citizenship", 168)


def _partial_rows(*, nationality: bool = True, own_2017: bool = False, unknown: int = 50) -> list[dict]:
    """A country whose 2017 breakdown is six rows of a top-five table against 8,000 victims (the United States
    2017 in the 2023 release), with full breakdowns, its own nationals among them, in 2016 and 2018."""
    rows = [
        row("USA", year, "Total", "Total", total)
        for year, total in ((2016, 7000), (2017, 8000), (2018, 9000))
    ]
    for year in (2016, 2018):
        rows += [
            row("USA", year, "by citizenship", "Nationals", 5000),
            row("USA", year, "by citizenship", "Mexico", 1900, "MEX"),
        ]
    rows += [
        row("USA", 2017, "by citizenship", "Mexico", 634, "MEX"),
        row("USA", 2017, "by citizenship", "Botswana", 213, "BWA"),
        row("USA", 2017, "by citizenship", "Unknown", unknown),
    ]
    if nationality:
        rows.append(row("USA", 2017, "by citizenship", "Nationality", 173))
    if own_2017:
        rows.append(row("USA", 2017, "by citizenship", "Nationals", 10))
    return rows


def test_a_breakdown_covering_a_small_share_with_a_header_label_is_doubtful():
    flagged = routes.doubtful_breakdowns(table(_partial_rows(own_2017=True)))
    # 1,070 of 8,000 victims, and "Nationality" names no country and no known category
    assert flagged.rows() == [("USA", 2017, routes.DOUBTFUL_PARTIAL)]
    # without the label, but without the own nationals listed the year before and after: doubtful too
    assert routes.doubtful_breakdowns(table(_partial_rows(nationality=False))).height == 1
    # a small share alone is a partial breakdown, not a mangled one (own nationals, no strange label)
    assert not routes.doubtful_breakdowns(table(_partial_rows(nationality=False, own_2017=True))).height
    # the publisher's own "Unknown" is a known category: a breakdown covering most victims is never doubtful
    assert not routes.doubtful_breakdowns(table(_partial_rows(unknown=6000))).height
    flows = routes.flows(Selection(table(_partial_rows()), country="USA", role="destination"))
    bwa = flows.filter(pl.col("origin_iso3") == "BWA")
    assert bwa["route_basis"].to_list() == ["doubtful_citizenship"]


def test_a_doubtful_breakdowns_cells_are_not_nationals_detected_abroad():
    from evidence.analyses import trends

    rows = [
        *_partial_rows(),
        row("BWA", 2017, "Total", "Total", 11),
        row("BWA", 2017, "by citizenship", "Nationals", 11),
    ]
    counts = trends.yearly_counts(Selection(table(rows), country="BWA", role="origin"))
    assert counts.select("year", "count").rows() == [(2017, 11)]  # not 11 + 213
    both = trends.yearly_counts(Selection(table(rows), country="BWA", role="both"))
    assert both["count"].to_list() == [11]  # its own total, and none of the US's doubtful cell


def test_real_united_states_2017_2018_breakdown_is_doubtful_and_botswana_keeps_its_own_count(unodc):
    from evidence.analyses import trends

    flagged = routes.doubtful_breakdowns(unodc.data)
    usa = flagged.filter(pl.col("iso3") == "USA")
    # six rows (Mexico, Honduras, Botswana, Hong Kong, "Nationality", Unknown) against 8,003 and 8,913 victims
    assert usa.rows() == [("USA", 2017, routes.DOUBTFUL_PARTIAL), ("USA", 2018, routes.DOUBTFUL_PARTIAL)]
    flows = routes.flows(Selection(unodc, country="BWA", role="origin"))
    to_usa = flows.filter(pl.col("destination_iso3") == "USA")
    assert set(to_usa["route_basis"]) == {"doubtful_citizenship"}  # 213 + 203, with its caveat
    counts = trends.yearly_counts(Selection(unodc, country="BWA", role="origin"))
    assert counts["count_high"].max() < 5  # Botswana's own and its neighbours' cells, not the US's 204–207


def test_real_russias_unused_repatriation_breakdown_is_listed(unodc):
    unused = routes.unused_repatriation(Selection(unodc, country="RUS", role="destination"))
    row_2012 = unused.filter(pl.col("year") == 2012).row(0, named=True)
    # Uzbekistan 903, Ukraine 628, Belarus 51, ...: countries only, direction ambiguous
    assert row_2012["reason"] == "ambiguous" and row_2012["victims_low"] >= 903 + 628 + 51


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    own=st.integers(0, 400),
    china=st.integers(0, 200),
    unstated=st.integers(0, 100),
    home=st.integers(0, 100),
)
def test_destination_and_origin_split_the_own_nationals_without_adding_or_losing_any(
    own, china, unstated, home
):
    # whatever the cells, the victims exploited in the country (destination) and those its repatriation
    # breakdown places abroad (origin only) together are the own-nationals cell, never more, never fewer
    rows = [
        row("MMR", 2017, "by citizenship", "Nationals", own),
        row("MMR", 2017, REPATRIATION, "Abroad", china + unstated),
        row("MMR", 2017, REPATRIATION, "China", china, "CHN"),
        row("MMR", 2017, REPATRIATION, "Domestic (Myanmar)", home, "MMR"),
    ]
    rows = [r for r in rows if r["value"] != 0]
    frame = table(rows)
    inside = routes.flow_coverage(Selection(frame, country="MMR", role="destination"))
    origin = routes.flow_coverage(Selection(frame, country="MMR", role="origin"))
    if own >= china + unstated + home:
        assert inside.total == (own - china - unstated, own - china - unstated)
        assert inside.repatriated_abroad == (0, 0) and inside.unknown == (0, 0)
    assert origin.total == (own, own)  # split, or (a breakdown larger than the cell) not used: the cell whole


@pytest.mark.parametrize("country", ["MMR", "NGA", "KHM", "LAO"])
def test_real_route_total_is_the_per_year_total(unodc, country):
    """REVIEW2 #5: Myanmar's and Nigeria's nationals split by their repatriation breakdowns added up wider
    (3,972–4,044 against the per-year table's 3,987–4,029; 15,710–16,112 against 15,809–16,013)."""
    from evidence.analyses.trends import yearly_counts

    selection = Selection(unodc, country=country, role="origin")
    yearly = yearly_counts(selection)
    per_year = (int(yearly["count_low"].sum()), int(yearly["count_high"].sum()))
    assert routes.flow_coverage(selection).total == per_year
    expected = {"MMR": (3987, 4029), "NGA": (15809, 16013), "KHM": (523, 556), "LAO": (641, 671)}
    assert per_year == expected[country]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    own=st.integers(0, 60),
    parts=st.lists(st.one_of(st.integers(0, 30), st.just("<5")), min_size=1, max_size=4),
    abroad_extra=st.one_of(st.none(), st.integers(0, 20), st.just("<5")),
    home=st.one_of(st.none(), st.integers(1, 30), st.just("<5")),
    own_censored=st.booleans(),
)
def test_a_split_cell_adds_up_to_itself(own, parts, abroad_extra, home, own_censored):
    # whatever the cells, the pieces of the own-nationals cell total to the cell as origin (split or not),
    # and the victims on a known route or not are never outside it
    countries = ["CHN", "THA", "MYS", "LAO"]
    rows = [row("MMR", 2017, "by citizenship", "Nationals", "<5" if own_censored else own)]
    for code, value in zip(countries, parts, strict=False):
        if value != 0:
            rows.append(row("MMR", 2017, REPATRIATION, code, value, code))
    if abroad_extra is not None:
        exact = sum(v for v in parts if v != "<5")
        rows.append(
            row("MMR", 2017, REPATRIATION, "Abroad", exact + abroad_extra if abroad_extra != "<5" else "<5")
        )
    if home is not None:
        rows.append(row("MMR", 2017, REPATRIATION, "Domestic (Myanmar)", home, "MMR"))
    frame = table(rows)
    cell = (1, 4) if own_censored else (own, own)
    origin = routes.flow_coverage(Selection(frame, country="MMR", role="origin"))
    assert origin.total == cell
    assert 0 <= origin.known[0] <= origin.known[1] <= cell[1]
    inside = routes.flow_coverage(Selection(frame, country="MMR", role="destination"))
    assert inside.total[0] <= inside.total[1] <= cell[1]


# ------------------------------------------------------------- REVIEW5 M1: the published subtotal "Abroad"


def _nigeria(abroad, parts: list[tuple[str, str, object]], nationals: int = 100) -> pl.DataFrame:
    return table(
        [
            row("NGA", 2018, "by citizenship", "Nationals", nationals),
            row("NGA", 2018, REPATRIATION, "Abroad", abroad),
            *[row("NGA", 2018, REPATRIATION, name, value, iso) for name, iso, value in parts],
        ]
    )


def _abroad_where(country: str) -> pl.Expr:
    return (
        (pl.col("detected_iso3") == country)
        & (pl.col("route_basis") == "repatriation")
        & (pl.col("destination_iso3").is_null() | (pl.col("destination_iso3") != country))
    )


def test_an_exact_abroad_subtotal_that_holds_its_countries_is_used_as_published():
    """REVIEW5 M1: Nigeria 2018 publishes Abroad 239 exactly, its countries (with <5 cells) add up to 233-254:
    the rest of its nationals is the count less 239, not a range; the countries' <5 cells stay <5."""
    df = _nigeria(18, [("Italy", "ITA", 12), ("Spain", "ESP", "<5"), ("Ghana", "GHA", "<5")])
    selection = Selection(df, country="NGA", role="origin")
    coverage = routes.flow_coverage(selection)
    assert coverage.own_nationals == (82, 82)  # 100 - 18, both published: before, 100 - (18..20) = 80..82
    # with no country: the subtotal less its countries (14-20), within their bounds
    assert coverage.repatriated_abroad == (0, 4)
    records = routes.flow_records(selection)
    # the left-out nationals (exploited abroad), totalled from the cells: the published subtotal
    assert routes.cell_sum(records, _abroad_where("NGA")) == (18, 18)
    named = records.filter(pl.col("destination_iso3").is_in(["ESP", "GHA"]))
    assert named.select("victims_low", "victims_high").rows() == [(1, 4), (1, 4)]  # no <5 cell narrowed
    assert routes.flow_coverage(Selection(df, country="NGA", role="destination")).total == (82, 82)


def test_a_subtotal_smaller_than_its_countries_is_not_taken_as_published():
    # Abroad 10 cannot hold Italy 12 and Spain <5 (13-16): the countries' sum, as before
    df = _nigeria(10, [("Italy", "ITA", 12), ("Spain", "ESP", "<5")])
    coverage = routes.flow_coverage(Selection(df, country="NGA", role="origin"))
    assert coverage.own_nationals == (84, 87)
    assert coverage.repatriated_abroad == (0, 0)


@settings(max_examples=150, deadline=None)
@given(
    truths=st.lists(st.integers(1, 12), min_size=1, max_size=4),
    unstated=st.integers(0, 6),
    rest=st.integers(0, 40),
    abroad_censored=st.booleans(),
)
def test_the_split_holds_the_truth_and_narrows_no_withheld_cell(truths, unstated, rest, abroad_censored):
    """Whatever the hidden values behind the <5 cells: every piece holds its true value; a country's <5 cell is
    never narrowed (nothing below the threshold is derived); with an exact subtotal the rest is exact."""
    codes = ["ITA", "ESP", "GHA", "FRA"]
    abroad = sum(truths) + unstated
    censor_abroad = abroad_censored and abroad < 5
    df = _nigeria(
        "<5" if censor_abroad else abroad,
        [(code, code, "<5" if t < 5 else t) for code, t in zip(codes, truths, strict=False)],
        nationals=abroad + rest,
    )
    records = routes.flow_records(Selection(df, country="NGA", role="origin"))
    by_destination = {r["destination_iso3"]: r for r in records.iter_rows(named=True)}
    for code, t in zip(codes, truths, strict=False):
        piece = by_destination[code]
        assert (piece["victims_low"], piece["victims_high"]) == ((1, 4) if t < 5 else (t, t))
    none_stated = by_destination.get(None)
    low, high = (0, 0) if none_stated is None else (none_stated["victims_low"], none_stated["victims_high"])
    assert low <= unstated <= high
    domestic = by_destination.get("NGA")
    low, high = (0, 0) if domestic is None else (domestic["victims_low"], domestic["victims_high"])
    assert low <= rest <= high
    if not censor_abroad:
        assert low == high == rest
        assert routes.cell_sum(records, _abroad_where("NGA")) == (abroad, abroad)


def test_real_nigerias_own_nationals_are_the_count_less_the_published_subtotal(unodc):
    """REVIEW5 M1, real file: Nigeria's Abroad 239 + 211 + 78 + 190 = 718 (2018-2021), exact; its countries' <5
    cells add up to 692-817. Nigeria -> Nigeria: 4,883 (2010-2016) + 3,948 (2018-2021) = 8,831 exactly."""
    selection = Selection(unodc, country="NGA", role="origin")
    coverage = routes.flow_coverage(selection)
    assert coverage.own_nationals == (8831, 8831)
    assert coverage.repatriated_abroad == (0, 26)  # 718 less the countries' 692-817, within their bounds
    assert routes.cell_sum(routes.flow_records(selection), _abroad_where("NGA")) == (718, 718)
    myanmar = routes.flow_records(Selection(unodc, country="MMR", role="origin"))
    assert routes.cell_sum(myanmar, _abroad_where("MMR")) == (924, 924)


# ----------------------------------------------------------------------- REVIEW5 M3: counted twice, possibly


def test_nationals_counted_abroad_and_on_return_are_said_to_be_possibly_counted_twice(myanmar):
    twice = routes.counted_twice(Selection(myanmar, country="MMR", role="origin"))
    # 2017: Thailand detected 400 nationals of Myanmar; Myanmar counted 15 on return from Thailand
    assert twice.years == (2017,) and twice.corridors == ("THA",)
    assert not routes.counted_twice(Selection(myanmar, country="MMR", role="destination"))
    assert not routes.counted_twice(Selection(myanmar, country="THA", role="origin"))
    assert not routes.counted_twice(Selection(myanmar, country="MMR", role="origin", years=(2020, 2020)))


def test_real_myanmars_nationals_may_be_counted_twice(unodc):
    twice = routes.counted_twice(Selection(unodc, country="MMR", role="origin"))
    assert twice.years == (2017, 2018, 2019, 2020, 2021)
    assert "THA" in twice.corridors


def test_returnees_of_a_year_without_an_own_nationals_row_are_its_nationals_counted():
    """REVIEW7 R4: Botswana 2020 lists Bangladesh <5, Ghana 6, Nigeria <5, Zimbabwe 6 by citizenship, no row of
    its own nationals, and repatriated from abroad <5. The brief said "no breakdown by citizenship" and marked
    2020 "no data published". Those returnees are nationals of Botswana counted that year: one whole cell,
    split into its parts with no rest at home derived, the same in the yearly count and in the routes."""
    from evidence.analyses import trends

    df = table(
        [
            row("BWA", 2020, "by citizenship", "Ghana", 6, "GHA"),
            row("BWA", 2020, "by citizenship", "Nigeria", "<5", "NGA"),
            row("BWA", 2020, REPATRIATION, "Abroad", "<5"),
            # 2019: Botswana's own row, split as usual
            row("BWA", 2019, "by citizenship", "Botswana", "<5", "BWA"),
            row("BWA", 2019, REPATRIATION, "Abroad", "<5"),
            row("BWA", 2019, REPATRIATION, "Japan", "<5", "JPN"),
            # 2021: Ghana 12 listed, returnees from South Africa 7 of an exact Abroad 9
            row("BWA", 2021, "by citizenship", "Ghana", 12, "GHA"),
            row("BWA", 2021, REPATRIATION, "Abroad", 9),
            row("BWA", 2021, REPATRIATION, "South Africa", 7, "ZAF"),
            # 2008: "Abroad <5" with no citizenship breakdown at all (a hundred countries that year): not counted
            row("BWA", 2008, REPATRIATION, "Abroad", "<5"),
        ]
    )
    returned = routes.returnees_without_nationals(df, "Detected trafficking victims")
    assert returned.select("year", "victims", "victims_low", "victims_high").rows() == [
        (2020, None, 1, 4),
        (2021, 9, 9, 9),
    ]
    counts = trends.yearly_counts(Selection(df, country="BWA", role="origin"))
    assert counts.select("year", "count_low", "count_high").rows() == [
        (2019, 1, 4),
        (2020, 1, 4),
        (2021, 9, 9),
    ]
    flows = routes.flow_records(Selection(df, country="BWA", role="origin"))
    y2020 = flows.filter(pl.col("year") == 2020)
    # one piece: repatriated from abroad, country not stated; no "Botswana → Botswana" rest is derived
    assert y2020.select("destination_iso3", "route_basis", "victims_low", "victims_high").rows() == [
        (None, "repatriation", 1, 4)
    ]
    y2021 = flows.filter(pl.col("year") == 2021).sort("destination_iso3", nulls_last=True)
    assert y2021.select("destination_iso3", "victims_low", "victims_high").rows() == [
        ("ZAF", 7, 7),
        (None, 2, 2),
    ]
    for year, (low, high) in {2019: (1, 4), 2020: (1, 4), 2021: (9, 9)}.items():
        assert routes.cell_sum(flows.filter(pl.col("year") == year)) == (low, high)
    assert 2008 not in flows["year"].to_list() and 2008 not in counts["year"].to_list()
    # a span of years: the returnees of its years only, as from the rows of those years alone
    for years in ((2020, 2021), (2019, 2020), (2021, 2021), (2008, 2019)):
        spanned = trends.yearly_counts(Selection(df, country="BWA", role="origin", years=years))
        alone = trends.yearly_counts(
            Selection(df.filter(pl.col("year").is_between(*years)), country="BWA", role="origin", years=years)
        )
        assert spanned.equals(alone)
        assert spanned.select("year", "count_low", "count_high").rows() == [
            r for r in [(2019, 1, 4), (2020, 1, 4), (2021, 9, 9)] if years[0] <= r[0] <= years[1]
        ]


def test_real_doubtful_breakdown_feeds_no_count_twice_nor_incomplete_year_reason(unodc):
    # REVIEW7 R3: the US 2017-2018 "Botswana" cells are the only detections of Botswana's nationals abroad in
    # 2018; left out of the yearly counts, they add nothing to Botswana's own count and miss no year
    from evidence.analyses import trends

    botswana = Selection(unodc, country="BWA", role="origin")
    assert 2018 not in routes.counted_twice(botswana).years
    reasons = " ".join(gap.reason for gap in trends.reporter_gaps(botswana))
    assert "United States" not in reasons and "USA" not in reasons


# ------------------------------------------------------------- a derived piece's exact part (repat31)


def _exact_parts(df: pl.DataFrame, country: str) -> dict[object, tuple[int, int, int]]:
    """The split pieces of a country's nationals as origin, by destination: (low, high, exact part)."""
    records = routes.flow_records(Selection(df, country=country, role="origin"))
    pieces = records.filter(pl.col("split_parts").is_not_null())
    return {
        r["destination_iso3"]: (r["victims_low"], r["victims_high"], r["victims_uncensored"])
        for r in pieces.iter_rows(named=True)
    }


@pytest.mark.parametrize(
    ("cells", "unstated", "rest"),
    [
        # the publisher's own "Abroad <5", no country listed: the piece is that cell, 1-4 with no exact part
        # (it was given 1 as an exact part, which read as a count the toolkit derived: total30's 12 selections)
        ([("Abroad", None, "<5")], (1, 4, 0), (36, 39, 36)),
        # an exact subtotal less an exact country: exact, all of it
        ([("Abroad", None, 12), ("Italy", "ITA", 7)], (5, 5, 5), (28, 28, 28)),
        # an exact subtotal less a <5 country: a difference, 8-11, whose low bound is what the cells give
        ([("Abroad", None, 12), ("Spain", "ESP", "<5")], (8, 11, 8), (28, 28, 28)),
    ],
)
def test_a_derived_pieces_exact_part_is_what_the_published_cells_give_exactly(cells, unstated, rest):
    df = table(
        [
            row("NGA", 2018, "by citizenship", "Nationals", 40),
            *[row("NGA", 2018, REPATRIATION, name, value, iso) for name, iso, value in cells],
        ]
    )
    pieces = _exact_parts(df, "NGA")
    assert pieces[None] == unstated
    assert pieces["NGA"] == rest


def test_a_rest_left_by_exact_parts_keeps_the_own_cells_censored_part():
    """Nationals 10 and, under the country's own name, <5 (11-14), less an exact Abroad 6: the rest is 4 exact
    and the <5 (5-8), not an exact part of 5."""
    df = table(
        [
            row("NGA", 2018, "by citizenship", "Nationals", 10),
            row("NGA", 2018, "by citizenship", "Nigeria", "<5", "NGA"),
            row("NGA", 2018, REPATRIATION, "Abroad", 6),
        ]
    )
    pieces = _exact_parts(df, "NGA")
    assert pieces[None] == (6, 6, 6)
    assert pieces["NGA"] == (5, 8, 4)


def test_real_split_pieces_exact_parts_are_within_their_bounds(unodc):
    """Every piece of the 2023 workbook's split cells: an exact part at most its low bound; the 63 pieces that
    are the publisher's own "Abroad <5" with no country listed have none."""
    records = routes.flow_records(unodc).filter(pl.col("split_parts").is_not_null())
    assert (records["victims_uncensored"] <= records["victims_low"]).all()
    own = records.filter(
        pl.col("destination_iso3").is_null() & (pl.col("victims_low") == 1) & (pl.col("victims_high") == 4)
    )
    assert own.height == 63
    assert (own["victims_uncensored"] == 0).all()
