"""Country reference: codes, names, variants, demonyms -> ISO3; ISO3 -> M49 region; coverage of real files."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.core.errors import ParameterError
from evidence.sources.countries import (
    CountryMapping,
    country_aliases,
    country_table,
    map_to_iso3,
    name_in_text,
    name_of,
    normalise_country_text,
    region_of,
    subregion_of,
    to_iso3,
    with_regions,
)

M49_REGIONS = {"Africa", "Americas", "Asia", "Europe", "Oceania"}


# --- the shipped table ---------------------------------------------------------------------------------------


def test_country_table_columns_and_keys():
    table = country_table()
    assert table.columns[:7] == ["iso2", "iso3", "m49", "name", "official_name", "region", "subregion"]
    assert table.schema["m49"] == pl.Int16
    assert table["iso3"].is_unique().all() and table["iso2"].is_unique().all()
    assert table["iso3"].str.contains(r"^[A-Z]{3}$").all() and table["iso2"].str.contains(r"^[A-Z]{2}$").all()
    assert table["name"].null_count() == 0
    assert set(table["region"].drop_nulls()) == M49_REGIONS
    assert table.filter(pl.col("region").is_null())["iso3"].to_list() == ["ATA"]
    assert table.height >= 250
    assert country_table() is country_table()  # cached


def test_namibia_iso2_is_not_read_as_missing():
    namibia = country_table().filter(pl.col("iso3") == "NAM")
    assert namibia["iso2"].to_list() == ["NA"]


def test_kosovo_and_taiwan_are_placed_as_documented():
    table = country_table().filter(pl.col("iso3").is_in(["XKX", "TWN"])).sort("iso3")
    assert table.select("iso3", "iso2", "region", "subregion").rows() == [
        ("TWN", "TW", "Asia", "Eastern Asia"),
        ("XKX", "XK", "Europe", "Southern Europe"),
    ]
    assert table["m49"].null_count() == 2  # neither is listed by M49


def test_latin_america_is_one_subregion_with_intermediate_regions_kept_apart():
    table = country_table().filter(pl.col("iso3").is_in(["BRA", "MEX", "HTI"])).sort("iso3")
    assert table["subregion"].unique().to_list() == ["Latin America and the Caribbean"]
    assert table["intermediate_region"].to_list() == ["South America", "Caribbean", "Central America"]


def test_aliases_name_a_country_of_the_table_or_the_reporting_country():
    aliases = country_aliases()
    is_reporting = pl.col("kind") == "reporting_country"
    assert set(aliases.filter(~is_reporting)["iso3"]) <= set(country_table()["iso3"])
    assert aliases.filter(is_reporting)["iso3"].is_null().all()
    assert aliases["alias"].null_count() == 0
    reviewed_kinds = {"variant", "abbreviation", "demonym", "translation", "misspelling", "historic"}
    assert set(aliases.filter(pl.col("source") == "reviewed")["kind"]) == reviewed_kinds | {
        "reporting_country"
    }


def test_reviewed_aliases_are_not_repeated():
    reviewed = country_aliases().filter(pl.col("source") == "reviewed")["alias"]
    keys = [normalise_country_text(alias) for alias in reviewed]
    assert len(keys) == len(set(keys))


def test_every_name_and_alias_maps_to_its_own_country():
    # Fails if normalisation merges two entries or an alias is shadowed by another country's name.
    for row in country_table().iter_rows(named=True):
        for column in ("iso2", "iso3", "name", "official_name"):
            if row[column]:
                assert to_iso3(row[column]) == row["iso3"], (column, row[column])
    for alias, iso3 in country_aliases().select("alias", "iso3").iter_rows():
        assert to_iso3(alias, reporting_iso3="NAM") == (iso3 or "NAM"), alias


# --- to_iso3 -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("iso2", "iso3"),
    [("KH", "KHM"), ("LA", "LAO"), ("MM", "MMR"), ("TH", "THA"), ("NA", "NAM"), ("vn", "VNM")],
)
def test_iso2_to_iso3(iso2, iso3):
    assert to_iso3(iso2) == iso3


@pytest.mark.parametrize("code", ["THA", "tha", " Tha ", "MMR", "XKX", "TWN"])
def test_iso3_in_any_case(code):
    assert to_iso3(code) == code.strip().upper()


def test_a_code_of_the_reference_is_answered_as_the_index_answers_it_without_making_the_index():
    # a run naming its countries by their codes (a brief's country, its peers) never makes the index of every
    # name and alias: a few hundredths of a CPU-second of every cold run's start, in the runner and its kernel
    from evidence.sources import countries

    countries._index.cache_clear()
    countries._lookup.cache_clear()
    assert [to_iso3(code) for code in ("THA", "MMR", "XKX")] == ["THA", "MMR", "XKX"]
    assert countries._index.cache_info().currsize == 0
    # what the index answers for each code (it refuses a key naming two countries when it is made)
    for code in country_table()["iso3"].to_list():
        assert countries._index()[countries.normalise_country_text(code)] == code, code
    countries._lookup.cache_clear()
    assert [to_iso3(code) for code in country_table()["iso3"].to_list()] == country_table()["iso3"].to_list()


@pytest.mark.parametrize(
    ("text", "iso3"),
    [
        # Thailand corridor: names, variants, demonyms
        ("Myanmar", "MMR"),
        ("Burma", "MMR"),
        ("Burmese", "MMR"),
        ("MYANMAR", "MMR"),
        ("Cambodia", "KHM"),
        ("Cambodian", "KHM"),
        ("Kingdom of Cambodia", "KHM"),
        ("Lao People's Democratic Republic", "LAO"),
        ("Lao People's Dem. Republic", "LAO"),
        ("Lao PDR", "LAO"),
        ("Laos", "LAO"),
        ("Lao", "LAO"),
        ("Laotian", "LAO"),
        ("Viet Nam", "VNM"),
        ("Vietnam", "VNM"),
        ("Vietnamese", "VNM"),
        ("VIETNAM", "VNM"),
        ("Thailand", "THA"),
        ("Thai", "THA"),
        ("Kingdom of Thailand", "THA"),
        ("Malaysia", "MYS"),
        ("Japan", "JPN"),
        ("Filipino", "PHL"),
        ("Ugandan", "UGA"),
        ("Republic of Korea", "KOR"),
        ("South Korea", "KOR"),
        ("Korea, Republic of", "KOR"),
        ("Democratic People's Republic of Korea", "PRK"),
        ("Taiwan", "TWN"),
        ("China, Taiwan Province of China", "TWN"),
        ("Taiwanese", "TWN"),
        # variants elsewhere
        ("Türkiye", "TUR"),
        ("Turkey", "TUR"),
        ("Côte d'Ivoire", "CIV"),
        ("Cote d'Ivoire", "CIV"),
        ("Côte d’Ivoire", "CIV"),
        ("Czechia", "CZE"),
        ("Congo, Dem. Rep.", "COD"),
        ("Democratic Republic of the Congo", "COD"),
        ("Congo", "COG"),
        ("United Kingdom of Great Britain and Northern Ireland", "GBR"),
        ("United States of America", "USA"),
        ("Bolivia (Plurinational State of)", "BOL"),
        ("St Vincent and the Grenadines", "VCT"),
        ("Kosovo under UNSCR 1244", "XKX"),
        ("The Gambia", "GMB"),
        ("Eswatini", "SWZ"),
        # historic names of renamed states
        ("Swaziland", "SWZ"),
        ("Macedonia", "MKD"),
        ("Zaire", "COD"),
        ("Czech Republic", "CZE"),
        # normalisation: case, whitespace, accents, punctuation, mis-decoded UTF-8
        ("  viet   nam ", "VNM"),
        ("COTE D'IVOIRE", "CIV"),
        ("CÃ´te d'Ivoire", "CIV"),
        ("TÃ¼rkiye", "TUR"),
        ("Bosnia & Herzegovina", "BIH"),
    ],
)
def test_names_variants_and_demonyms(text, iso3):
    assert to_iso3(text) == iso3


@pytest.mark.parametrize(
    ("text", "iso3"),
    [
        ("Cambodians", "KHM"),
        ("Filipinos", "PHL"),
        ("Thais", "THA"),
        ("Laotians", "LAO"),
        ("Peruanos", "PER"),
        ("South Africans", "ZAF"),
        ("Nigeriens", "NER"),
        ("Nigerians", "NGA"),
    ],
)
def test_plurals_of_demonyms(text, iso3):
    assert to_iso3(text) == iso3


def test_plural_rule_applies_to_demonyms_only():
    assert to_iso3("Thailands") is None and to_iso3("Japans") is None


def test_nationals_map_to_the_reporting_country():
    assert to_iso3("Nationals", reporting_iso3="THA") == "THA"
    assert to_iso3("nationals", reporting_iso3="mmr") == "MMR"
    assert to_iso3("Own country", reporting_iso3="DEU") == "DEU"
    assert to_iso3("Nationals") is None  # no reporting country: unmapped, not guessed


def test_invalid_reporting_country_is_a_parameter_error():
    with pytest.raises(ParameterError):
        to_iso3("Nationals", reporting_iso3="Thailand")


@pytest.mark.parametrize(
    "text",
    [
        "Unknown",
        "Other",
        "Others",
        "Asia others",
        "Europe",
        "South-eastern Asia",
        "Micronesia",
        "Latin America and the Caribbean",
        "Congolese",
        "Dominican",
        "Korea",
        "Guiana",
        "Serbia and Montenegro",
        "Yugoslavia",
        "Former Yugoslavia",
        "USSR",
        "Czechoslovakia",
        "Netherlands Antilles",
        "Stateless",
        "Rohingya",
        "Thialand",
        "Cambodiaa",
        "",
        "   ",
        "?",
        "N/A",
        "0",
    ],
)
def test_unmappable_strings_are_never_guessed(text):
    assert to_iso3(text) is None
    assert to_iso3(text, reporting_iso3="THA") is None


def test_none_maps_to_none():
    assert to_iso3(None) is None


def test_normalisation_keeps_replacement_characters_distinct():
    # Text whose accents were lost upstream (U+FFFD) matches only reviewed aliases, never a near neighbour.
    assert normalise_country_text("Espa\ufffda") != normalise_country_text("Espaa")
    assert to_iso3("Espa\ufffda") == "ESP"


# --- map_to_iso3 ---------------------------------------------------------------------------------------------


def test_map_to_iso3_aligns_with_input_and_lists_unmapped_once():
    values = ["Burmese", None, "Unknown", "KH", "Lao", "Unknown", "Nationals", "Viet Nam", "Atlantis"]
    result = map_to_iso3(values, reporting_iso3="THA")
    assert isinstance(result, CountryMapping)
    assert result.iso3.to_list() == ["MMR", None, None, "KHM", "LAO", None, "THA", "VNM", None]
    assert result.unmapped == ["Atlantis", "Unknown"]


def test_map_to_iso3_reporting_country_per_row():
    values = pl.Series(["Nationals", "Nationals", "Thai", "Nationals", "Nationals"])
    reporting = pl.Series(["THA", "MMR", "KHM", None, "SAF"])  # SAF: a UNODC regional code, not a country
    result = map_to_iso3(values, reporting_iso3=reporting)
    assert result.iso3.to_list() == ["THA", "MMR", "THA", None, None]
    assert result.unmapped == ["Nationals"]


def test_map_to_iso3_without_reporting_country_leaves_nationals_unmapped():
    result = map_to_iso3(pl.Series(["Nationals", "TH"]))
    assert result.iso3.to_list() == [None, "THA"]
    assert result.unmapped == ["Nationals"]


def test_map_to_iso3_rejects_misaligned_reporting_series():
    with pytest.raises(ParameterError):
        map_to_iso3(["Nationals"], reporting_iso3=pl.Series(["THA", "MMR"]))


def test_map_to_iso3_empty_and_all_null():
    assert map_to_iso3([]).iso3.len() == 0
    result = map_to_iso3(pl.Series([None, None], dtype=pl.String))
    assert result.iso3.to_list() == [None, None] and result.unmapped == []


def test_map_to_iso3_on_a_large_repeated_column():
    values = pl.Series(["MM", "KH", "LA", "VN", "TH", None, "Unknown"] * 40_000)
    result = map_to_iso3(values)
    assert result.iso3.len() == values.len()
    assert result.iso3.value_counts().filter(pl.col("iso3") == "MMR")["count"].item() == 40_000
    assert result.unmapped == ["Unknown"]


_known_strings = st.sampled_from(
    ["Thailand", "Burmese", "KH", "la", "Viet Nam", "Nationals", "Unknown", "Others", "Congolese", "NA"]
)


@given(
    values=st.lists(st.one_of(st.none(), _known_strings, st.text(max_size=12)), max_size=40),
    reporting=st.one_of(st.none(), st.sampled_from(["THA", "MMR"])),
)
def test_map_to_iso3_property_length_and_validity(values, reporting):
    result = map_to_iso3(values, reporting_iso3=reporting)
    valid = set(country_table()["iso3"])
    assert result.iso3.len() == len(values)
    assert set(result.iso3.drop_nulls()) <= valid
    # unmapped lists exactly the distinct non-null inputs left null, sorted
    left_null = {
        v for v, iso3 in zip(values, result.iso3.to_list(), strict=True) if v is not None and iso3 is None
    }
    assert result.unmapped == sorted(left_null)
    # the vectorised mapping agrees with the scalar one
    assert result.iso3.to_list() == [to_iso3(v, reporting_iso3=reporting) for v in values]


# --- regions -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("iso3", "name", "region", "subregion"),
    [
        ("THA", "Thailand", "Asia", "South-eastern Asia"),
        ("MMR", "Myanmar", "Asia", "South-eastern Asia"),
        ("GBR", "United Kingdom", "Europe", "Northern Europe"),
        ("USA", "United States", "Americas", "Northern America"),
        ("BRA", "Brazil", "Americas", "Latin America and the Caribbean"),
        ("LAO", "Lao PDR", "Asia", "South-eastern Asia"),
        ("VNM", "Viet Nam", "Asia", "South-eastern Asia"),
        ("NGA", "Nigeria", "Africa", "Sub-Saharan Africa"),
        ("AUS", "Australia", "Oceania", "Australia and New Zealand"),
    ],
)
def test_name_region_subregion(iso3, name, region, subregion):
    assert (name_of(iso3), region_of(iso3), subregion_of(iso3)) == (name, region, subregion)
    assert region_of(iso3.lower()) == region


@pytest.mark.parametrize("code", [None, "", "XXX", "SAF"])
def test_unknown_codes_have_no_name_or_region(code):
    assert name_of(code) is None and region_of(code) is None and subregion_of(code) is None


def test_with_regions_keeps_height_order_and_columns():
    df = pl.DataFrame({"case": [1, 2, 3, 4, 5], "origin": ["MMR", None, "GBR", "XXX", "MMR"]})
    out = with_regions(df, "origin", "origin")
    assert out.height == df.height
    assert out.columns == ["case", "origin", "origin_region", "origin_subregion"]
    assert out["case"].to_list() == [1, 2, 3, 4, 5]
    assert out["origin_region"].to_list() == ["Asia", None, "Europe", None, "Asia"]
    assert out["origin_subregion"].to_list() == [
        "South-eastern Asia",
        None,
        "Northern Europe",
        None,
        "South-eastern Asia",
    ]


def test_with_regions_accepts_categorical_codes():
    df = pl.DataFrame({"destination": pl.Series(["THA", "JPN"], dtype=pl.Categorical)})
    assert with_regions(df, "destination", "dest")["dest_subregion"].to_list() == [
        "South-eastern Asia",
        "Eastern Asia",
    ]


def test_with_regions_errors_are_parameter_errors():
    df = pl.DataFrame({"origin": ["THA"], "origin_region": ["x"]})
    with pytest.raises(ParameterError):
        with_regions(df, "missing", "x")
    with pytest.raises(ParameterError):
        with_regions(df, "origin", "origin")


# --- coverage of the real files ------------------------------------------------------------------------------

# Reviewed: strings in UNODC's citizenship / repatriation breakdowns that name no single country.
UNODC_NON_COUNTRY = {
    # unknown, other, none
    "Unknown",
    "DESCONOCIDA",
    "Desconocido",
    "Inconnue",
    "NO DETERMINADA",
    "NO REGISTRA",
    "Sin determinar",
    "no information",
    "N/A",
    "OTROS",
    "without",
    "Abroad",
    "Disputed",
    "Stateless",
    "stateless",
    # questionnaire text, headers, totals, numbers
    "(especifique el pa\ufffds)",
    "(especifique otras nacionalidades)",
    "Nationality",
    "TOTAL",
    "TOTAL POR AÑO",
    "0",
    "Personnes de nationalit\ufffd \ufffdtrang\ufffdre",
    # counts written into the category (a defect the UNODC loader flags)
    "2 maliens",
    "3 maliens",
    "3 nigériens et 1 tunisien",
    "97 albanian",
    # regions and groups of countries
    "Africa others",
    "Asia others",
    "Europe others",
    "EU-28 others",
    "European Economic Area",
    "Amercias",
    "Central africa",
    "M49 Region: Africa",
    "M49 Region: Americas",
    "M49 Region: Asia",
    "Caribbean (Trinidad and Tobago, Barbados, etc)",
    "Other Countries (Dominica, Panama, French Guiana, Brazil, etc.)",
    # dissolved states (no single successor), an ethnic group, an ambiguous demonym (COD or COG)
    "Former Czechoslovakia",
    "Former Yugoslavia",
    "The former Netherlands Antilles",
    "Rohingya",
    "Congolese",
}


@pytest.fixture(scope="module")
def glotip(shared_data: Path) -> pl.DataFrame:
    return pl.read_excel(
        shared_data / "unodc" / "data_glotip_2023-05-30.xlsx",
        sheet_name="data_glotip_1",
        engine="calamine",
        read_options={"header_row": 2},
        columns=["Iso3_code", "Country", "Region", "Subregion", "Dimension", "Category"],
    )


def test_unodc_citizenship_strings_are_mapped_or_reviewed(glotip):
    categories = (
        glotip.filter(pl.col("Dimension").is_in(["by citizenship", "by country of repatriation"]))["Category"]
        .drop_nulls()
        .unique()
    )
    assert categories.len() > 400
    result = map_to_iso3(categories, reporting_iso3="THA")
    assert set(result.unmapped) == UNODC_NON_COUNTRY  # no unreviewed gap, and no stale review entry


def test_unodc_reporting_countries_match_their_iso3(glotip):
    countries = glotip.select("Country", "Iso3_code").unique().drop_nulls("Country")
    result = map_to_iso3(countries["Country"])
    assert countries.filter(result.iso3.ne_missing(countries["Iso3_code"])).is_empty()
    # Sark (M49 680) is listed by UNODC without a code; it is not in ISO 3166 and stays unmapped.
    assert result.unmapped == ["Sark"]


#: Where the toolkit's short name is the UN's accepted short form of the long name UNODC writes.
UN_SHORT_FORMS = {"GBR": "United Kingdom", "USA": "United States", "LAO": "Lao PDR"}


def test_names_are_the_un_names_unodc_writes(glotip):
    """A brief names countries as the UN (and so UNODC, whose figures it cites) does: "Republic of Korea",
    "Iran (Islamic Republic of)", "China, Hong Kong SAR", never "South Korea" beside UNODC's own names."""
    countries = glotip.select("Iso3_code", "Country").unique().drop_nulls()
    differing = [
        (iso3, unodc, name_of(iso3))
        for iso3, unodc in countries.iter_rows()
        if iso3 in country_table()["iso3"].to_list()
        and name_of(iso3) not in (unodc.replace("\u2019", "'"), UN_SHORT_FORMS.get(iso3))
        and not unodc.startswith(f"China, {name_of(iso3).removeprefix('China, ').removesuffix(' SAR')}")
    ]
    assert countries.height > 150 and differing == []
    # the names a reader knows from elsewhere still name the country
    for text, iso3 in [("South Korea", "KOR"), ("Taiwan", "TWN"), ("Moldova", "MDA"), ("Hong Kong", "HKG")]:
        assert to_iso3(text) == iso3
    assert name_of("TWN") == "Taiwan Province of China"
    assert (
        name_in_text("KOR") == "the Republic of Korea" and name_in_text("IRN") == "Iran (Islamic Republic of)"
    )


def test_regions_agree_with_unodc(glotip):
    # UNODC publishes the M49 region and sub-region of each reporting country: an independent check.
    countries = glotip.select("Iso3_code", "Region", "Subregion").unique().drop_nulls("Region")
    ours = with_regions(
        countries.filter(pl.col("Iso3_code").is_in(country_table()["iso3"].to_list())), "Iso3_code", "m49"
    )
    assert ours.height > 150
    disagreements = ours.filter(
        pl.col("Region").ne_missing(pl.col("m49_region"))
        | pl.col("Subregion").ne_missing(pl.col("m49_subregion"))
    )
    assert disagreements.is_empty(), disagreements.rows()


def test_unodc_thailand_origins(glotip):
    thailand = glotip.filter(pl.col("Iso3_code") == "THA", pl.col("Dimension") == "by citizenship")
    origins = set(map_to_iso3(thailand["Category"], reporting_iso3="THA").iso3.drop_nulls())
    assert {"MMR", "KHM", "LAO", "VNM", "THA"} <= origins


def test_tip_tier_country_names_and_codes(shared_data: Path):
    tip = pl.read_csv(shared_data / "tip" / "tip_tiers_1999_2015.csv", infer_schema=False, null_values=None)
    pairs = tip.select("countryname", "iso").unique()
    by_name = map_to_iso3(pairs["countryname"])
    by_code = map_to_iso3(pairs["iso"])
    assert by_name.unmapped == [] and by_code.unmapped == []
    assert by_name.iso3.to_list() == by_code.iso3.to_list()


def test_walkfree_country_names(shared_data: Path):
    gsi = pl.read_excel(
        shared_data / "walkfree" / "gsi_2023.xlsx",
        sheet_name="GSI 2023 summary data",
        engine="calamine",
        read_options={"header_row": 2},
        columns=["Country"],
    )
    assert gsi.height > 150
    assert map_to_iso3(gsi["Country"]).unmapped == []


def test_ctdc_iso2_codes(shared_data: Path):
    ctdc = pl.read_csv(
        shared_data / "ctdc" / "k_anon_sample.csv",
        separator=";",
        infer_schema=False,
        null_values=[""],
        columns=["citizenship", "CountryOfExploitation"],
    )
    codes = pl.concat([ctdc["citizenship"], ctdc["CountryOfExploitation"]])
    result = map_to_iso3(codes)
    assert result.unmapped == []
    assert {"MMR", "KHM", "LAO", "VNM", "THA"} <= set(result.iso3.drop_nulls())


# --- spellings of later releases: inflections, damaged characters, suggestions ----------------------------


@pytest.mark.parametrize(
    ("text", "iso3"),
    [
        # spellings of the UNODC 2025 release that fell into "unknown origin"
        ("Afghani", "AFG"),
        ("Ugandean", "UGA"),
        ("Filippino", "PHL"),
        ("Ukraineans", "UKR"),
        ("GUATEMALTECA", "GTM"),
        ("Ghanean", "GHA"),
        ("Tajiki", "TJK"),
        ("Congolese (DRC)", "COD"),
        ("Tailandesa", "THA"),
        ("C\ufffdTE D'IVOIRE", "CIV"),
        # the rules behind them, on other words
        ("Tailandeses", "THA"),
        ("Colombianas", "COL"),
        ("Marroquíes", "MAR"),
        ("Españolas", "ESP"),
        ("Alemã", "DEU"),
        ("Alemães", "DEU"),
        ("Ivoiriennes", "CIV"),
        ("Sénégalaise", "SEN"),
        ("Nigériane", "NGA"),
        ("Nigérienne", "NER"),
        ("  ukrainiens ", "UKR"),
        ("C?te d'Ivoire", "CIV"),
        ("Per\ufffd", "PER"),
        ("REP\ufffdBLICA DOMINICANA", "DOM"),
        ("Guin\ufffd\ufffde", "GIN"),  # one accented letter as two damaged UTF-8 bytes
    ],
)
def test_spellings_of_later_releases(text, iso3):
    assert to_iso3(text) == iso3


@pytest.mark.parametrize(
    "text",
    ["Niger\ufffd\ufffd", "\ufffd\ufffd\ufffd", "Ma\ufffdi", "Americana", "Inglesa", "Congolese", "?"],
)
def test_damaged_or_inflected_text_naming_several_countries_or_none_stays_unmapped(text):
    assert to_iso3(text) is None  # Niger or Nigeria; Mali or Malta (too little left); English is not British


def test_damaged_names_map_to_their_own_country_or_to_none():
    # Every reference name with accented letters, its accents lost as one or two U+FFFD and its case changed:
    # the pattern match gives its own country, or nothing when two countries fit; never another country.
    table = country_table()
    names = [(n, i) for n, i in zip(table["name"], table["iso3"], strict=True) if not n.isascii()]
    names += [
        (a, i) for a, i in country_aliases().select("alias", "iso3").iter_rows() if i and not a.isascii()
    ]
    mapped = 0
    for name, iso3 in names:
        for damage in ("\ufffd", "\ufffd\ufffd"):
            damaged = "".join(ch if ch.isascii() else damage for ch in name).upper()
            found = to_iso3(damaged)
            assert found in (iso3, None), (damaged, found, iso3)
            mapped += found == iso3
    assert mapped > len(names)  # most are recovered


def test_inflections_apply_to_demonyms_in_their_own_language_only():
    assert to_iso3("Indiana") == "IND"  # Portuguese feminine of "indiano"
    assert to_iso3("Thailands") is None and to_iso3("Perus") is None  # names are not inflected
    assert to_iso3("Britishes") is None  # English plurals take "s" only


def test_suggestions_are_for_review_and_never_applied():
    from evidence.sources.countries import suggest_country

    suggestion = suggest_country("Thialand")
    assert suggestion is not None and suggestion.iso3 == "THA" and suggestion.similarity >= 0.8
    assert to_iso3("Thialand") is None
    assert map_to_iso3(["Thialand"]).unmapped == ["Thialand"]
    assert suggest_country("Thailand") is None  # it maps: nothing to suggest
    for text in ("Stateless", "Unknown", "Former Yugoslavia", "", None):
        assert suggest_country(text) is None
    # a demonym of two countries is as close to both: no country is suggested for it
    for text in ("Congolese", "Dominican"):
        assert suggest_country(text) is None, text
    assert suggest_country("Ugandian") is None  # it maps (a reviewed misspelling); "Ugandean" likewise
    assert suggest_country("Philipines").iso3 == "PHL"  # one country clearly closest


def test_names_in_a_sentence_take_the_where_english_does():
    from evidence.sources.countries import name_in_text

    assert name_in_text("NLD") == "the Netherlands" and name_in_text("nld", start=True) == "The Netherlands"
    assert name_in_text("PHL") == "the Philippines" and name_in_text("USA") == "the United States"
    assert name_in_text("GBR") == "the United Kingdom" and name_in_text("RUS") == "the Russian Federation"
    assert name_in_text("THA") == "Thailand" and name_in_text("THA", start=True) == "Thailand"
    assert name_in_text("LAO") == "Lao PDR" and name_in_text(None) is None and name_in_text("XXX") is None


@pytest.mark.parametrize(
    "text",
    ["Thailand¹", "Thailand²", "Thailand ³", "Thailand [a]", "Thailand (1)", "Thailand (a)*", "Thailand*†"],
)
def test_a_name_followed_by_a_footnote_marker_maps(text: str) -> None:
    assert to_iso3(text) == "THA"


@pytest.mark.parametrize(
    ("text", "iso3"),
    [
        ("Myanmar (Burma)", "MMR"),
        ("Hong Kong (China)", "HKG"),
        ("Eswatini (Swaziland)", "SWZ"),
        ("Micronesia (Fed. States of)", "FSM"),
    ],
)
def test_names_with_their_former_or_sovereign_name_in_brackets_map(text: str, iso3: str) -> None:
    assert to_iso3(text) == iso3


@pytest.mark.parametrize("text", ["¹", "(1)", "[a]", "*"])
def test_a_footnote_marker_alone_names_no_country(text: str) -> None:
    assert to_iso3(text) is None


# --- the next release (release audit): names as ISO 3166 and index tables invert them ----------------------------


@pytest.mark.parametrize(
    ("text", "iso3"),
    [
        # ISO 3166's short names put the article and the form of state in brackets after the name
        ("Netherlands (the)", "NLD"),
        ("Philippines (the)", "PHL"),
        ("Sudan (the)", "SDN"),
        ("Niger (the)", "NER"),
        ("Congo (the)", "COG"),
        ("Korea (the Republic of)", "KOR"),
        ("Korea (the Democratic People's Republic of)", "PRK"),
        ("Moldova (the Republic of)", "MDA"),
        ("Lao People's Democratic Republic (the)", "LAO"),
        ("United Kingdom of Great Britain and Northern Ireland (the)", "GBR"),
        ("United States of America (the)", "USA"),
        ("Russian Federation (the)", "RUS"),
        # index tables put them after a comma
        ("Congo, Democratic Republic of the", "COD"),
        ("Congo, Republic of the", "COG"),
        ("Tanzania, the United Republic of", "TZA"),
        ("Türkiye, Republic of", "TUR"),
        ("Gambia, Republic of The", "GMB"),
        # a name with another of its names in brackets, whichever comes first
        ("Burma (Myanmar)", "MMR"),
        ("Türkiye (Turkey)", "TUR"),
        ("Czechia (Czech Republic)", "CZE"),
        ("Cabo Verde (Republic of)", "CPV"),
        ("Macao SAR", "MAC"),  # as "Hong Kong SAR" beside it
        ("Taiwan, China", "TWN"),  # the World Bank's; both parts name a country, so no reading of it does
    ],
)
def test_names_inverted_around_a_comma_or_a_bracket_map(text: str, iso3: str) -> None:
    assert to_iso3(text) == iso3


@pytest.mark.parametrize(
    "text",
    [
        "Korea (the)",  # which Korea?
        "Thailand (Myanmar)",  # two countries
        "Nationals (Thailand)",
        "Serbia (and Montenegro)",
        "Virgin Islands (the)",
        "Guinea, Equatorial (the Republic of Guinea)",
    ],
)
def test_an_inverted_name_naming_no_country_or_two_stays_unmapped(text: str) -> None:
    assert to_iso3(text, reporting_iso3="THA") is None


# --- codes ISO 3166 withdrew (ISO 3166-3) ------------------------------------------------------------------------


def test_former_codes_name_current_countries_and_clash_with_no_current_code() -> None:
    from evidence.sources.countries import FORMER_CODES, WITHDRAWN_CODES, former_code

    known = set(country_table()["iso3"])
    for code, former in FORMER_CODES.items():
        assert code == former.code and re.fullmatch(r"[A-Z]{2,3}", code)
        assert set(former.successors) <= known, code
        assert to_iso3(code) is None, f"{code} is a current code or a name: it means that, not {former.name}"
        assert former_code(code) is former and former_code(f" {code.lower()} ") is former
    # codes ISO gave again to another country mean that country
    for code, iso3 in {"GE": "GEO", "SK": "SVK", "AI": "AIA", "BQ": "BES", "BY": "BLR"}.items():
        assert former_code(code) is None and to_iso3(code) == iso3
    assert former_code("Burma") is None and former_code(None) is None  # codes only; the name maps as a name
    assert WITHDRAWN_CODES["BU"] == WITHDRAWN_CODES["BUR"] == "MMR"
    assert not {"YU", "YUG", "CS", "CSK", "SCG", "SU", "SUN", "AN", "ANT"} & set(WITHDRAWN_CODES)


@pytest.mark.parametrize(
    ("code", "iso3"),
    [("BU", "MMR"), ("tp", "TLS"), ("ZR", "COD"), ("ZAR", "COD"), ("DD", "DEU"), ("YD", "YEM"), ("ROM", "ROU"),
     ("YU", None), ("CS", None), ("SU", None), ("AN", None), ("TH", "THA"), ("XKX", "XKX")],
)  # fmt: skip
def test_current_code_reads_withdrawn_alpha2_and_alpha3_codes(code: str, iso3: str | None) -> None:
    from evidence.sources.countries import current_code

    assert current_code(code) == iso3
    # as text a withdrawn code names nothing
    assert to_iso3(code) == (iso3 if code in {"TH", "XKX"} else None)


@pytest.mark.parametrize(
    ("code", "area"),
    [
        ("YU", ("Europe", "Southern Europe")),
        ("CSK", ("Europe", "Eastern Europe")),
        ("CS", ("Europe", None)),  # Czechoslovakia's code, then Serbia and Montenegro's
        ("SU", (None, None)),  # Europe and Asia
        ("AN", ("Americas", "Latin America and the Caribbean")),
        ("GEL", ("Oceania", None)),
    ],
)
def test_a_code_whose_country_split_names_only_the_area_its_successors_share(code: str, area: tuple) -> None:
    from evidence.sources.countries import former_code

    former = former_code(code)
    assert former is not None and former.iso3 is None and len(former.successors) > 1
    assert former.area == area
    assert "not guessed" in former.reason() and all(s in former.reason() for s in former.successors)


def test_names_of_states_merged_into_one_map_and_of_split_states_do_not() -> None:
    assert [to_iso3(t) for t in ("German Democratic Republic", "East Germany", "Democratic Yemen")] == [
        "DEU",
        "DEU",
        "YEM",
    ]
    split = ("Yugoslavia", "USSR", "Czechoslovakia", "Netherlands Antilles")
    assert [to_iso3(t) for t in split] == [None] * 4


@pytest.mark.parametrize(
    ("text", "iso3"),
    [
        # an acute accent typed for the apostrophe (was split into "d ivoire")
        ("Côte d\u00b4Ivoire", "CIV"),
        ("Cote d\u00b4Ivoire", "CIV"),
        # the Congos without "the", as many tables write them
        ("Democratic Republic of Congo", "COD"),
        ("Republic of Congo", "COG"),
        ("Congo, Democratic Republic of", "COD"),
    ],
)
def test_spellings_of_other_publishers(text: str, iso3: str) -> None:
    assert to_iso3(text) == iso3


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("Central africa", "Africa"),  # was offered as Central African Republic (0.97)
        ("Central America", "Central America"),  # and this as the Central African Republic (0.87)
        ("Central Asia", "Central Asia"),  # likewise (0.82)
        ("Southern Africa", "Southern Africa"),  # was South Africa (0.89)
        ("Americas", "Americas"),  # was the United States ("American", 0.88)
        ("the Americas", "Americas"),
        ("Western Asia", "Western Asia"),
        ("Sub-Saharan Africa", "Sub-Saharan Africa"),
        ("SOUTH-EASTERN ASIA", "South-eastern Asia"),
        ("West Africa", "Africa"),
        ("South East Asia", "Asia"),
        ("Micronesia", "Micronesia"),  # M49's sub-region; the country is the Federated States of Micronesia
    ],
)
def test_a_region_is_said_to_be_one_and_no_country_is_suggested_for_it(text, region):
    from evidence.sources.countries import region_named, suggest_country

    assert suggest_country(text) is None
    assert region_named(text) == region
    assert to_iso3(text) is None


def test_a_country_or_a_misspelt_one_names_no_region():
    from evidence.sources.countries import region_named, suggest_country

    for text in (
        "South Africa",
        "Central African Republic",
        "Central African",
        "Thailand",
        "Nigerria",
        None,
        "",
    ):
        assert region_named(text) is None, text
    assert suggest_country("Nigerria").iso3 == "NGA"
    assert suggest_country("Central Afrcan Republic").iso3 == "CAF"


def test_glotips_words_around_a_regions_name_still_name_it():
    from evidence.sources.countries import region_named, suggest_country

    for text, region in (
        ("M49 Region: Africa", "Africa"),
        ("Africa others", "Africa"),
        ("Europe others", "Europe"),
        ("Other Asia", "Asia"),
    ):
        assert region_named(text) == region, text
    assert region_named("EU-28 others") is None and region_named("Others") is None
    # a misspelt region is as close to the region as to any country: no country is suggested for it
    assert suggest_country("Central Afrika") is None and region_named("Central Afrika") is None
    # a misspelt country stays suggested, though a region's name is close
    assert suggest_country("South Afria").iso3 == "ZAF"
    assert suggest_country("Cetral African").iso3 == "CAF"


@settings(max_examples=150)
@given(data=st.data())
def test_damaged_text_finds_what_trying_every_key_of_the_index_finds(data) -> None:
    """The damaged-text match tries only keys of a length, start and end its pattern can match: the country it
    gives is the one trying the pattern on every key of the index gives."""
    from evidence.sources import countries

    keys = sorted(countries._index())
    known = data.draw(st.sampled_from(keys))
    # some characters of a reference key (or of a key changed a little) lost, each as one or two U+FFFD
    text = data.draw(st.sampled_from([known, known[1:], known + "s", known.replace("a", "e")]))
    damaged = "".join(
        data.draw(st.sampled_from([ch, ch, "\ufffd", "\ufffd\ufffd"])) if ch != " " else ch for ch in text
    )
    if "\ufffd" not in damaged or len(countries._DAMAGED_RUN.sub("", damaged).replace(" ", "")) < 4:
        return
    parts = countries._DAMAGED_RUN.split(damaged)
    runs = [len(run) for run in countries._DAMAGED_RUN.findall(damaged)]
    pattern = re.compile(
        "".join(
            re.escape(p) + (f".{{0,{2 * runs[i]}}}" if i < len(runs) else "") for i, p in enumerate(parts)
        )
    )
    everywhere = {iso3 for key, iso3 in countries._index().items() if pattern.fullmatch(key)}
    assert countries._by_damaged_characters(damaged) == (everywhere.pop() if len(everywhere) == 1 else None)
