"""What each source holds for a country and role, on the real shared files (and small frames by hand)."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest

from evidence.analyses.coverage import (
    coverage,
    default_years,
    series_years,
    victim_years,
    years_in_words,
    years_text,
)


@pytest.fixture(scope="module")
def tables(real_tables):
    return real_tables


def _unodc_years(unodc, *, iso3=None, citizenship=None):
    """Years with detected victims, straight from the canonical rows (an independent reading)."""
    rows = unodc.data.filter(
        (pl.col("indicator") == "Detected trafficking victims") & (pl.col("value_high") > 0)
    )
    if iso3 is not None:  # the country's own figures: its total, or any breakdown of its victims
        rows = rows.filter((pl.col("iso3") == iso3) & (pl.col("dimension") != "by country of repatriation"))
    else:
        rows = rows.filter((pl.col("sex") == "Total") & (pl.col("age") == "Total"))
        own = (pl.col("iso3") == citizenship) & pl.col("category").str.to_lowercase().is_in(["nationals"])
        rows = rows.filter(
            (pl.col("dimension") == "by citizenship") & ((pl.col("category_iso3") == citizenship) | own)
        )
    return tuple(sorted(set(rows["year"].cast(pl.Int64).to_list())))


def test_thailand_as_destination_holds_2010_case_records_and_unodc_years(tables):
    unodc = tables[1]
    found = coverage(tables, "THA", "destination")
    by_kind = {s.kind: s for s in found.sources}
    assert by_kind["case"].years == (2010,)  # the sample's 139 Thailand records are all from 2010
    assert by_kind["indicator"].years == _unodc_years(unodc, iso3="THA")
    assert by_kind["gsi"].years == (2021,) and by_kind["tier"].years == tuple(range(2001, 2016))
    assert found.span == (min(2010, by_kind["indicator"].years[0]), max(2010, by_kind["indicator"].years[-1]))
    assert not found.empty


def test_a_breakdown_published_without_a_total_holds_victims(tables):
    """Cambodia gives UNODC no total of the victims it detects, but their forms (2007, 2017-2020) and ages
    (2013-2015): UNODC holds victims of Cambodia as destination in those years."""
    unodc = tables[1]
    found = coverage([unodc], "KHM", "destination")
    assert found.sources[0].years == (2007, 2013, 2014, 2015, 2017, 2018, 2019, 2020)
    assert found.sources[0].years == _unodc_years(unodc, iso3="KHM")
    assert not found.empty and found.span == (2007, 2020)


def test_thailand_as_origin_reads_other_countries_citizenship_breakdowns(tables):
    unodc = tables[1]
    found = coverage(tables, "THA", "origin")
    by_kind = {s.kind: s for s in found.sources}
    assert by_kind["case"].years == () and not by_kind["case"].in_selection
    # an origin brief shows both: its nationals detected anywhere, and its own authorities' totals
    nationals = _unodc_years(unodc, citizenship="THA")
    assert series_years(unodc, "THA", "origin") == nationals
    assert by_kind["indicator"].years == tuple(sorted({*nationals, *_own_totals(unodc, "THA")}))


def _own_totals(unodc, iso3: str) -> tuple[int, ...]:
    """Years with a total of the victims the country detected, straight from the canonical rows."""
    from _indicator import detected_totals

    rows = detected_totals(unodc, iso3).filter(pl.col("value_high") > 0)
    return tuple(sorted(set(rows["year"].cast(pl.Int64).to_list())))


def test_lao_as_origin_holds_its_own_detected_victims_years_too(tables):
    """The review (finding 7): the LAO origin brief listed UNODC as 2008–2009, 2011–2021, although it shows
    Lao PDR's own 145 of 2010, and its span began in 2008, leaving out Lao PDR's own 264 of 2007."""
    unodc = tables[1]
    own = _own_totals(unodc, "LAO")
    assert 2007 in own and 2010 in own
    nationals = _unodc_years(unodc, citizenship="LAO")
    assert 2007 not in nationals and 2010 not in nationals
    found = coverage(tables, "LAO", "origin")
    by_kind = {s.kind: s for s in found.sources}
    assert by_kind["indicator"].years == tuple(sorted({*nationals, *own}))
    assert by_kind["indicator"].years_text() == "2007–2021" and found.span == (2007, 2021)
    assert default_years(tables, "LAO", "origin") == (2007, 2021)
    # a destination brief of the same country reads the victims it detected only; no change there
    assert series_years(unodc, "LAO", "destination", totals_only=True) == own


def test_an_empty_window_is_empty_and_says_which_years_the_data_hold(tables):
    found = coverage(tables[:1], "THA", "destination", "2012-2023")
    assert found.empty
    text = found.explain()
    assert "no victims of Thailand as country of destination in 2012–2023" in text
    assert "CTDC k-anonymised global dataset" in text and ": 2010" in text


def test_context_sources_alone_hold_the_country_or_not(tables):
    gsi, tip = tables[2:]
    assert not coverage([gsi, tip], "THA", "origin").empty
    assert coverage([gsi], "AND", "origin").empty  # Andorra: not assessed by the GSI
    assert coverage([], "THA").empty and coverage([], "THA").explain() == "no data files were given"


def test_victim_years_of_a_bare_case_table_by_hand(tables):
    case = tables[0]
    records = case.data.filter((pl.col("origin_iso3") == "KHM") & pl.col("year").is_not_null())
    assert victim_years(case, "Cambodia", "origin") == tuple(sorted(set(records["year"].to_list())))


@pytest.mark.parametrize(
    ("years", "text"),
    [
        ([], "none"),
        ([2010], "2010"),
        ([2003, 2004, 2005], "2003–2005"),
        ([2002, 2010, 2014, 2015], "2002, 2010, 2014–2015"),
    ],
)
def test_years_text(years, text):
    assert years_text(years) == text


@pytest.mark.parametrize(
    ("years", "text"),
    [
        ([], "none"),
        ([2010], "2010"),
        ([2010, 2018], "2010 and 2018"),
        ([2002, 2010, 2014, 2015], "2002, 2010 and 2014–2015"),
    ],
)
def test_years_in_words_end_with_and(years, text):
    """The world review: "in 2012, 2015 it gives only placeholder values" read as a clause after 2012."""
    assert years_in_words(years) == text


def test_a_case_table_of_regions_only_records_no_countries(tables):
    """Records that name UN regions only (the Victim–Perpetrator layout) hold no country: said in words, not
    as an empty list of years; a table that names countries but not this one still lists its years."""
    regions_only = dataclasses.replace(
        tables[0],
        data=tables[0].data.with_columns(
            pl.lit(None, pl.String).alias("origin_iso3"), pl.lit(None, pl.String).alias("destination_iso3")
        ),
    )
    found = coverage([regions_only], "VNM", "origin").sources[0]
    assert not found.records_countries and found.held_text() == "it records UN regions only, never countries"
    assert "it records UN regions only" in coverage([regions_only], "VNM", "origin").explain()
    named = coverage([tables[0]], "ISL", "origin").sources[0]
    assert named.records_countries and named.held_text() == "none"


@pytest.fixture(scope="module")
def other_editions(shared_data, tmp_path_factory):
    from _gsi import gsi_2025, gsi_csv_from_header

    from evidence.sources import registry

    folder = tmp_path_factory.mktemp("gsi")
    return [
        registry.load(gsi_2025(shared_data, folder)),
        registry.load(gsi_csv_from_header(shared_data, folder)),
    ]


def test_a_gsi_table_without_an_estimate_year_holds_the_country(other_editions):
    """REVIEW10 C1: the 2025 edition (or a file naming none) has no estimate year the loader knows; its
    estimates are data all the same."""
    for gsi in other_editions:
        assert gsi.data["estimate_year"].null_count() == gsi.data.height
        found = coverage([gsi], "THA", "both")
        (source,) = found.sources
        assert source.in_selection and source.years == ()
        assert source.held_text() == "estimates, estimate year not stated"
        assert not found.empty  # a brief on it alone is not refused
    # a country the table does not assess is still held by nothing
    assert not coverage([other_editions[0]], "VAT", "both").sources[0].in_selection


def test_the_years_of_a_series_are_read_once_per_frame_country_and_role(tables, monkeypatch):
    """A brief's coverage, years and sections ask for the same years again: read once per table's frame,
    country, role (and totals only or not), the same each time."""
    from evidence.analyses import coverage as module
    from evidence.analyses import selection

    monkeypatch.setattr(selection, "_BUILT", {})  # what other tests read before is not kept here
    read: list[tuple[str, str]] = []
    original = module._series_years
    monkeypatch.setattr(
        module, "_series_years", lambda t, c, r, **k: read.append((c, r)) or original(t, c, r, **k)
    )
    for table in [t for t in tables if t.kind in ("case", "indicator")]:
        read.clear()
        first = series_years(table, "THA", "destination")
        assert series_years(table, "Thailand", "destination") == first and len(read) == 1
        assert first == original(table, "THA", "destination", totals_only=False)
        series_years(table, "THA", "origin")
        series_years(table, "THA", "destination", totals_only=True)
        series_years(table, "MMR", "destination")
        assert len(read) == 4
    with pytest.raises(Exception, match="holds no victims"):  # refused each time, never kept
        series_years(next(t for t in tables if t.kind == "gsi"), "THA", "destination")


def test_years_held_match_the_raw_files(real_tables):
    """The years a source holds victims of a country for, against the raw files read with polars: the
    k-anonymised sample's years per ISO-2 citizenship / country of exploitation, and UNODC's years of detected
    victims (any breakdown but repatriation) with a value above 0 or ``<5``."""
    cases, unodc = real_tables[0], real_tables[1]
    raw = pl.read_csv(cases.provenance.path, separator=";", infer_schema=False)
    for iso2, iso3 in [
        ("TH", "THA"),
        ("KH", "KHM"),
        ("US", "USA"),
        ("UA", "UKR"),
        ("RU", "RUS"),
        ("MD", "MDA"),
    ]:
        for role, column in [("origin", "citizenship"), ("destination", "CountryOfExploitation")]:
            years = raw.filter(pl.col(column) == iso2)["yearOfRegistration"].drop_nulls().cast(pl.Int64)
            assert victim_years(cases, iso3, role) == tuple(sorted(set(years.to_list()))), (iso3, role)
    workbook = pl.read_excel(unodc.provenance.path, read_options={"header_row": 2}, infer_schema_length=0)
    value = pl.col("txtVALUE").str.replace_all(",", "")
    detected = workbook.filter(
        (pl.col("Indicator") == "Detected trafficking victims")
        & (pl.col("Dimension") != "by country of repatriation")
        & ((value == "<5") | (value.cast(pl.Float64, strict=False) > 0))
    )
    for iso3 in ("THA", "KHM", "LAO", "MMR", "GBR", "USA"):
        years = detected.filter(pl.col("Iso3_code") == iso3)["Year"].cast(pl.Int64).unique().sort()
        assert series_years(unodc, iso3, "destination") == tuple(years.to_list()), iso3


def test_records_dated_only_by_a_band_the_years_hold_are_in_the_selection():
    """CTDC's Victim–Perpetrator layout dates most records by a band of years only: a country whose records in
    2014–2018 are all of the band 2014-2018 has victims in those years (the selection holds the band), not none;
    years that cut the band, or lie outside it, hold none of them."""
    from evidence.analyses.coverage import source_coverage
    from evidence.sources.case_schema import conform
    from evidence.sources.loaded import LoadedTable, Provenance

    data = conform(
        pl.DataFrame(
            {
                "year": [None, None, 2019],
                "year_band": ["2014-2018", "2014-2018", "2019"],
                "origin_iso3": ["MMR", "MMR", "KHM"],
                "destination_iso3": ["THA", "THA", "THA"],
            },
            schema_overrides={"year": pl.Int16},
        )
    )
    provenance = Provenance(
        source="test", layout="hand-made", release="1", path="x.csv", sha256="ab" * 32, url="", licence="",
        citation="",
    )  # fmt: skip
    table = LoadedTable(data, provenance, rows_in=3)
    found = source_coverage(table, "MMR", "origin", (2014, 2018))
    assert found is not None and found.in_selection
    assert not source_coverage(table, "MMR", "origin", (2015, 2018)).in_selection  # cuts the band
    assert not source_coverage(table, "MMR", "origin", (2019, 2020)).in_selection
