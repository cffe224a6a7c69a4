"""UNODC GLOTIP loader: hand-made workbooks reproducing each upstream defect, and the real 2023 release."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from _glotip import write_small_glotip
from _resaved import RESAVED, assert_resaved_read_alike_and_noted
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.core.errors import InputError
from evidence.sources import registry, unodc
from evidence.sources.checks import INDICATOR_CATEGORIES
from evidence.sources.indicator_schema import INDICATOR_SCHEMA
from evidence.sources.registry import FileHead
from evidence.sources.workbook import NOT_AVAILABLE, years_from_dates_note

REAL_FILE = "unodc/data_glotip_2023-05-30.xlsx"
DTV = "Detected trafficking victims"


def row(
    value: object = "7",
    *,
    iso3: str | None = "THA",
    country: str | None = "Thailand",
    dimension: str = "by citizenship",
    category: str | None = "Myanmar",
    year: object = 2020,
    indicator: str | None = DTV,
    sex: str = "Total",
    age: str = "Total",
    published_region: bool = True,
    unit: str | None = "Counts",
) -> tuple:
    region, subregion = ("Asia", "South-eastern Asia") if country and published_region else (None, None)
    return (
        iso3,
        country,
        region,
        subregion,
        indicator,
        dimension,
        category,
        sex,
        age,
        year,
        unit,
        value,
        "GLOTIP",
    )


def write_glotip(
    path: Path,
    rows: list[tuple],
    *,
    release: object = "30/05/2023",
    sheet: str = "data_glotip_1",
    extra_sheets: tuple[str, ...] = (),
) -> Path:
    """A workbook in the GLOTIP layout: row 1 UNODC, row 2 the release date, row 3 the header."""
    import openpyxl

    wb = openpyxl.Workbook()
    for name in extra_sheets:
        wb.create_sheet(name).append(["notes"])
    ws = wb.active
    ws.title = sheet
    ws.append(["UNODC", "unodc_ddds@un.org"])
    ws.append([release])
    ws.append(list(unodc.HEADER))
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


def test_sniffs_the_layout_even_under_another_sheet_name(tmp_path: Path) -> None:
    standard = write_glotip(tmp_path / "a.xlsx", [row()])
    renamed = write_glotip(tmp_path / "b.xlsx", [row()], sheet="Sheet1", extra_sheets=("About",))
    assert unodc.sniff(FileHead(standard)) == unodc.LAYOUT
    assert unodc.sniff(FileHead(renamed)) == unodc.LAYOUT
    assert registry.detect(renamed)[0].source == unodc.SOURCE
    assert unodc.load(renamed).rows_in == 1


def test_does_not_sniff_other_workbooks_or_csv(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["Iso3_code", "Country", "Year"])
    wb.save(tmp_path / "other.xlsx")
    (tmp_path / "x.csv").write_text("Iso3_code,Country\nTHA,Thailand\n")
    assert unodc.sniff(FileHead(tmp_path / "other.xlsx")) is None
    assert unodc.sniff(FileHead(tmp_path / "x.csv")) is None


def test_values_become_intervals(tmp_path: Path) -> None:
    path = write_glotip(tmp_path / "g.xlsx", [row("1,541"), row("<5"), row("0"), row(12), row("25,844")])
    data = unodc.load(path).data
    assert data.schema == pl.Schema(INDICATOR_SCHEMA)
    assert data["value"].to_list() == [1541, None, 0, 12, 25844]
    assert data["value_low"].to_list() == [1541, 1, 0, 12, 25844]
    assert data["value_high"].to_list() == [1541, 4, 0, 12, 25844]
    assert data["censored"].to_list() == [False, True, False, False, False]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=unodc.PLAUSIBLE_MAX_COUNT), st.booleans()), min_size=1
    )
)
def test_any_plausible_count_round_trips(counts: list[tuple[int, bool]]) -> None:
    texts = [f"{n:,}" if separators else str(n) for n, separators in counts]
    parsed = parse(texts)
    expected = [float(n) for n, _ in counts]
    assert (
        parsed["value"].to_list()
        == parsed["value_low"].to_list()
        == parsed["value_high"].to_list()
        == expected
    )
    assert not parsed["censored"].any() and parsed["value_problem"].null_count() == len(counts)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(min_value=2, max_value=100), min_size=1))
def test_any_censored_bound_is_an_interval_from_one(bounds: list[int]) -> None:
    parsed = parse([f"<{b}" for b in bounds])
    assert parsed["censored"].all() and parsed["value"].null_count() == len(bounds)
    assert parsed["value_low"].to_list() == [1.0] * len(bounds)
    assert parsed["value_high"].to_list() == [b - 1.0 for b in bounds]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1))
def test_any_text_is_a_count_or_has_a_reason(texts: list[str]) -> None:
    parsed = parse(texts)
    counts = parsed.filter(pl.col("value_problem").is_null())
    assert (counts["value_low"] <= counts["value_high"]).all() and counts["value_low"].null_count() == 0
    problems = parsed.filter(pl.col("value_problem").is_not_null())
    assert problems["value_low"].null_count() == problems["value_high"].null_count() == problems.height
    assert not problems["censored"].any()


def parse(texts: list[str]) -> pl.DataFrame:
    return unodc.parse_counts(pl.Series(texts, dtype=pl.String))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("61,102,019", unodc.REASON_VALUE_IMPLAUSIBLE),  # a mangled date 6/11/2019
        ("1,54", unodc.REASON_VALUE_NOT_COUNT),
        ("-3", unodc.REASON_VALUE_NOT_COUNT),
        ("2.5", unodc.REASON_VALUE_NOT_COUNT),
        ("n/a", unodc.REASON_VALUE_NOT_AVAILABLE),  # missing in every loader (workbook.NOT_AVAILABLE)
        ("unknown", unodc.REASON_VALUE_NOT_COUNT),
        ("<1", unodc.REASON_VALUE_NOT_COUNT),
        (None, unodc.REASON_VALUE_MISSING),
    ],
)
def test_values_that_cannot_be_counts_are_rejected(tmp_path: Path, text: str | None, reason: str) -> None:
    path = write_glotip(tmp_path / "g.xlsx", [row("3"), row(text)])
    loaded = unodc.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (2, 1, 1)
    assert loaded.rejects.select("row", "column", "reason").row(0) == (5, "txtVALUE", reason)


def test_defective_rows_are_flagged_not_dropped(tmp_path: Path) -> None:
    rows = [
        row(category="Q6.1_10s_2019"),  # row 4: a questionnaire code
        row(category="Ciudadanos de su pa\ufffds"),  # row 5: mis-encoded "Nationals" in Spanish
        row(category="Atlantis"),  # row 6: not a country
        row(category="Unknown"),  # row 7: kept, null, not flagged
        row(iso3="CAR", country=None),  # row 8: UNODC aggregate (Caribbean), not the Central African Republic
        row(dimension="by form of exploitation", category="Forced labour"),  # row 9 and its repeat, row 10
        row("9", dimension="by form of exploitation", category="Forced labour"),
        row(category=None),  # row 11
        row(dimension="by country of repatriation", category="Abroad"),  # row 12: no country, not flagged
        row(dimension="by country of repatriation", category="Atlantis"),  # row 13
    ]
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", rows))
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (10, 10, 0)
    flagged = {(r["row"], r["reason"]) for r in loaded.flags.iter_rows(named=True)}
    assert flagged == {
        (4, unodc.REASON_QUESTIONNAIRE_CODE),
        (4, unodc.REASON_UNMAPPED["citizenship"]),
        (5, unodc.REASON_MISENCODED),
        (6, unodc.REASON_UNMAPPED["citizenship"]),
        (8, unodc.REASON_AGGREGATE),
        (9, unodc.REASON_DUPLICATE),
        (10, unodc.REASON_DUPLICATE),
        (11, unodc.REASON_CATEGORY_MISSING),
        (13, unodc.REASON_UNMAPPED["country of repatriation"]),
    }
    by_row = {r["source_row"]: r for r in loaded.data.iter_rows(named=True)}
    assert by_row[5]["category_iso3"] == "THA"  # the country reference knows the mis-encoded spelling
    assert by_row[7]["category_iso3"] is None
    assert (by_row[8]["iso3"], by_row[8]["reporting_code"], by_row[8]["category_iso3"]) == (
        None,
        "CAR",
        "MMR",
    )
    assert by_row[9]["category_iso3"] is None  # not a citizenship row
    unmapped = unodc.unmapped_categories(loaded)
    assert unmapped.select("category", "rows").sort("category").rows() == [
        ("Atlantis", 1),
        ("Atlantis", 1),
        ("Q6.1_10s_2019", 1),
    ]
    assert by_row[12]["category_iso3"] is None


def test_citizenship_variants_and_nationals(tmp_path: Path) -> None:
    categories = [
        "Burmese",
        "Lao People's Dem. Republic",
        "Viet Nam",
        "Cambodia",
        "Nationals",
        "CÃ´te d'Ivoire",
    ]
    rows = [row(category=c) for c in categories] + [row(iso3="MYS", country="Malaysia", category="Nationals")]
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", rows))
    assert loaded.data["category_iso3"].to_list() == ["MMR", "LAO", "VNM", "KHM", "THA", "CIV", "MYS"]
    assert loaded.flags.select("row", "reason").rows() == [(9, unodc.REASON_MISENCODED)]  # "CÃ´te" is flagged


def test_regions_left_empty_come_from_the_country_reference(tmp_path: Path) -> None:
    rows = [row(iso3="MYS", country="Malaysia", published_region=False), row(iso3="CAR", country=None)]
    data = unodc.load(write_glotip(tmp_path / "g.xlsx", rows)).data
    assert data.select("region", "subregion").rows() == [("Asia", "South-eastern Asia"), (None, None)]


def test_rows_without_year_or_indicator_are_rejected(tmp_path: Path) -> None:
    rows = [row(year="20x9"), row(year=None), row(indicator=None), row(dimension=None), row()]
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", rows))
    assert (loaded.rows_kept, loaded.rows_rejected) == (1, 4)
    assert set(loaded.rejects["reason"]) == {unodc.REASON_YEAR, unodc.REASON_KEY_MISSING}
    assert loaded.rejects.select("row", "column").rows()[2:] == [(6, "Indicator"), (7, "Dimension")]


@pytest.mark.parametrize(
    ("cell", "release"),
    [
        ("30/05/2023", "2023-05-30"),
        (dt.datetime(2025, 2, 11), "2025-02-11"),
        ("latest", "unknown"),
        ("Last update: 12/06/2025", "2025-06-12"),  # day first, as the publisher's notes write 30/05/2023
        ("12 June 2025", "2025-06-12"),
        ("June 12, 2025", "2025-06-12"),
        ("Released 3rd Sept. 2024", "2024-09-03"),
        ("Last update: 2025-06-12", "2025-06-12"),
        ("2025/06/12", "2025-06-12"),  # year first, whatever the separator
        ("Last update: 2025.06.12", "2025-06-12"),
        ("12-Jun-2025", "2025-06-12"),  # a spreadsheet's d-mmm-yyyy as text
        ("2025/13/12", "unknown"),
        ("06/30/2025", "2025-06-30"),  # no day-first date: month first
        ("31/02/2025", "unknown"),
        ("UNODC 2025", "unknown"),
    ],
)
def test_release_date_from_row_two(tmp_path: Path, cell: object, release: str) -> None:
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", [row()], release=cell))
    assert loaded.provenance.release == release
    assert loaded.provenance.source == "unodc_glotip" and loaded.kind == "indicator"
    assert "UNODC" in loaded.provenance.citation and loaded.provenance.url.startswith("https://dataunodc")


@pytest.mark.parametrize(
    ("cell", "release", "label"),
    [
        ("Updated: June 2025", "2025-06", "release June 2025"),
        ("Jun-2025", "2025-06", "release June 2025"),
        ("2025", "2025", "release 2025"),
        (2025, "2025", "release 2025"),  # a number cell
        ("Last update: 2025", "2025", "release 2025"),
        ("UNODC 2025", "unknown", "release not stated in the file"),  # a year in a name is no release date
    ],
)
def test_a_release_date_given_to_the_month_or_year_is_kept_at_that_precision(
    tmp_path: Path, cell: object, release: str, label: str
) -> None:
    """A release date the publisher gives as a month or a year is carried as given (release loose30): never a
    made-up day in the reader's provenance or citation, never "unknown"."""
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", [row()], release=cell))
    provenance = loaded.provenance
    assert (provenance.release, provenance.release_label) == (release, label)
    assert provenance.date_published == ("" if release == "unknown" else release)
    assert label in provenance.citation
    assert ("UNODC. 2025." in provenance.citation) == (release != "unknown")
    assert " 1 June" not in provenance.citation and "2025-06-01" not in str(provenance)
    assert ("no release date found above the header" in provenance.notes) == (release == "unknown")


@pytest.mark.parametrize(
    ("number_format", "release", "label"),
    [
        ("mmmm yyyy", "2025-06", "release June 2025"),
        ("mmm-yy", "2025-06", "release June 2025"),  # Excel's built-in format 17
        ('"Last update: "mmm yyyy', "2025-06", "release June 2025"),
        ("yyyy", "2025", "release 2025"),
        ("dd/mm/yyyy", "2025-06-01", "release 1 June 2025"),  # the day shown is the publisher's
    ],
)
def test_a_release_date_cell_shown_to_the_month_is_a_release_of_that_month(
    tmp_path: Path, number_format: str, release: str, label: str
) -> None:
    """dates31: a real date cell above the header shown as "June 2025" holds 1 June only because a spreadsheet
    stores days: the release is 2025-06, as the text "June 2025" is (it was 2025-06-01, "release 1 June 2025",
    a day the publisher never gave, in the reader's citation)."""
    import openpyxl

    path = write_glotip(tmp_path / "g.xlsx", [row()], release=dt.datetime(2025, 6, 1))
    book = openpyxl.load_workbook(path)
    book.active["A2"].number_format = number_format
    book.save(path)
    provenance = unodc.load(path).provenance
    assert (provenance.release, provenance.release_label, provenance.date_published) == (
        release,
        label,
        release,
    )


@pytest.mark.parametrize(
    "cell",
    [
        "06/2025",
        "6/2025",
        "Last update: 06/2025",
        "2025-06",
        "Updated 2025/06",
        "06.2025",
        "June, 2025",
        "Jun 2025",
    ],
)
def test_a_release_month_written_in_numbers_is_that_month(tmp_path: Path, cell: str) -> None:
    """dates31: a release month written in numbers, month and year in either order (``06/2025``, ``2025-06``)
    is the release ``2025-06``, as ``June 2025`` is (it was "unknown")."""
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", [row()], release=cell))
    assert loaded.provenance.release == "2025-06"


@pytest.mark.parametrize("cell", ["2011-12", "13/2025", "2025-13", "00/2025", "2025-2026", "06/2025/1"])
def test_a_number_pair_that_is_no_month_of_a_year_is_no_release_month(tmp_path: Path, cell: str) -> None:
    """``2011-12`` is December 2011 or the fiscal year 2011-12 (as the case-records loader refuses it): not read
    as a month; nor a month 13 or 0, nor a span of two years."""
    from evidence.sources.dates import month_in

    assert unodc._as_month(cell) is None and month_in(cell) is None


@pytest.mark.parametrize(
    ("cell", "release", "said"),
    [
        ("06/07/2025", "2025-07-06", True),  # 6 July day first (UNODC's order), 7 June month first
        ("Last update: 12/06/2025", "2025-06-12", True),
        ("30/05/2023", "2023-05-30", False),  # one order only is a date: nothing to say
        ("05/05/2025", "2025-05-05", False),  # both orders the same day
        ("2025-07-06", "2025-07-06", False),
    ],
)
def test_a_release_date_read_day_first_where_month_first_is_a_date_too_says_so(
    tmp_path: Path, cell: str, release: str, said: bool
) -> None:
    """dates31: ``06/07/2025`` is read day first, as UNODC writes dates (its release ``30/05/2023``), but it is
    7 June read month first: the provenance says which order was taken and how to state the other (a sidecar),
    so a reader is not left with a silent choice (it said nothing)."""
    provenance = unodc.load(write_glotip(tmp_path / "g.xlsx", [row()], release=cell)).provenance
    assert provenance.release == release
    notes = [note for note in provenance.notes if "read day first" in note]
    assert bool(notes) == said
    if said:
        day, month = int(release[8:]), int(release[5:7])
        assert f"{cell.split()[-1]!r} read day first" in notes[0] and '"release": "' in notes[0]
        assert f"{dt.date(2025, day, month):%Y-%m-%d} read month first" in notes[0]


def test_a_release_date_whose_order_another_date_decides_says_nothing() -> None:
    from evidence.sources.workbook import HeaderMatch

    top = (("UNODC", "Last update: 06/12/2025"), ("data as of 30/05/2025",), unodc.HEADER)
    assert unodc._release_reading(HeaderMatch("s", 3, top)) == ("2025-12-06", None)


def test_a_full_release_date_is_preferred_to_a_month_or_year_above_the_header() -> None:
    from evidence.sources.workbook import HeaderMatch

    top = (
        ("UNODC", "Global Report 2024"),
        ("Updated: June 2025",),
        ("Last update: 12/06/2025",),
        unodc.HEADER,
    )
    assert unodc._release(HeaderMatch("s", 4, top)) == "2025-06-12"
    assert unodc._release(HeaderMatch("s", 3, top[:2] + top[3:])) == "2025-06"


def test_empty_rows_below_the_table_are_not_data(tmp_path: Path) -> None:
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", [row(), (None,) * 13, row("<5")]))
    assert loaded.rows_in == 2 and loaded.data["source_row"].to_list() == [4, 6]


def test_a_workbook_without_the_header_is_an_input_error(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["something else"])
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(InputError, match="GLOTIP header"):
        unodc.load(tmp_path / "x.xlsx")


# --- the real 2023 release -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def glotip_2023(real_loaded):
    return real_loaded(REAL_FILE)


def test_real_release_row_accounting(glotip_2023) -> None:
    assert glotip_2023.provenance.release == "2023-05-30"
    assert (glotip_2023.rows_in, glotip_2023.rows_kept, glotip_2023.rows_rejected) == (46_554, 46_554, 0)
    # two rows are breakdowns' own totals (Bolivia's citizenships, Guatemala's repatriations): no records, left
    # out and named by row
    assert glotip_2023.rows_left_out == 2
    assert (
        unodc.total_categories_note([(4_910, "TOTAL"), (15_484, "TOTAL POR AÑO")])
        in glotip_2023.provenance.notes
    )
    assert glotip_2023.data["censored"].sum() == 23_076
    assert glotip_2023.data.filter(pl.col("censored"))["value_low"].unique().to_list() == [1.0]


def test_real_release_thailand_origins(glotip_2023) -> None:
    origins = set(
        glotip_2023.data.filter(
            pl.col("iso3") == "THA", pl.col("dimension") == "by citizenship", pl.col("indicator") == DTV
        )["category_iso3"].drop_nulls()
    )
    assert {"MMR", "KHM", "LAO", "VNM"} <= origins


def test_real_release_thailand_detected_victims(glotip_2023) -> None:
    totals = glotip_2023.data.filter(
        pl.col("iso3") == "THA",
        pl.col("indicator") == DTV,
        pl.col("dimension") == "Total",
        pl.col("sex") == "Total",
        pl.col("age") == "Total",
    )
    assert dict(zip(totals["year"], totals["value"], strict=True))[2019] == 1540  # 1,541 in the 2025 release


def test_real_release_lists_what_it_could_not_map(glotip_2023) -> None:
    unmapped = unodc.unmapped_categories(glotip_2023)
    assert "Former Yugoslavia" in set(unmapped["category"])  # a dissolved state is never guessed
    central = unmapped.filter(pl.col("category") == "Central africa").row(0, named=True)
    # a region's name: said so, not offered as the Central African Republic
    assert central["names_region"] == "Africa" and central["suggested_iso3"] is None
    assert "Unknown" not in set(unmapped["category"])
    assert (
        unmapped["rows"].sum()
        == glotip_2023.flags.filter(pl.col("reason").is_in(list(unodc.REASON_UNMAPPED.values()))).height
    )


def test_real_release_reads_the_own_and_foreign_nationals_phrases_even_mis_encoded(glotip_2023) -> None:
    """REVIEW5 m8: Switzerland's "Personnes de nationalit\ufffd \ufffdtrang\ufffdre" (foreign nationals) was listed as
    unmapped and read as an unknown origin; "Ciudadanos de su pa\ufffds" names the reporting country's nationals."""
    unmapped = set(unodc.unmapped_categories(glotip_2023)["category"])
    assert not {c for c in unmapped if "trang" in c}
    che = glotip_2023.data.filter((pl.col("iso3") == "CHE") & pl.col("category").str.contains("trang"))
    assert che.height and che["category_iso3"].null_count() == che.height  # no country named: none guessed
    flagged = glotip_2023.flags.filter(pl.col("row").is_in(che["source_row"].implode()))
    assert set(flagged["reason"]) == {
        unodc.REASON_MISENCODED
    }  # still flagged as mis-encoded, as the doc asks
    own = glotip_2023.data.filter(pl.col("category") == "Ciudadanos de su pa\ufffds")
    assert own.height and (own["category_iso3"] == own["iso3"]).all()


@pytest.mark.parametrize(
    ("text", "kind", "repaired"),
    [
        (
            "Personnes de nationalit\ufffd \ufffdtrang\ufffdre",
            unodc.FOREIGN,
            "Personnes de nationalité étrangère",
        ),
        (
            "Personnes de nationalitÃ© Ã©trangÃ¨re",
            unodc.FOREIGN,
            "Personnes de nationalité étrangère",
        ),  # cp1252
        ("EXTRANJEROS", unodc.FOREIGN, None),  # not mis-encoded: nothing to repair
        ("Foreign nationals", unodc.FOREIGN, None),
        ("Unknown", unodc.UNSPECIFIED, None),
        ("Nationality", None, None),  # a column header: no known category (a doubtful breakdown's sign)
        ("Thailand", None, None),
        ("Fr\ufffd\ufffd", None, None),  # too little intact to tell
    ],
)
def test_categories_naming_no_country_are_known_however_spelled(text, kind, repaired) -> None:
    assert unodc.citizenship_category_kind(text) == kind
    assert unodc.repaired_label(text) == repaired


def test_a_foreign_nationals_category_is_not_flagged_unmapped_but_a_mis_encoded_one_is_flagged(
    tmp_path: Path,
) -> None:
    rows = [
        row(
            dimension="by citizenship",
            category="Personnes de nationalit\ufffd \ufffdtrang\ufffdre",
            value="254",
        ),
        row(dimension="by citizenship", category="Atl\ufffdntida", value="12"),
    ]
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", rows, release="30/05/2023"))
    reasons = loaded.flags.group_by("value").agg(pl.col("reason"))
    by_value = {v: set(r) for v, r in reasons.iter_rows()}
    assert by_value["Personnes de nationalit\ufffd \ufffdtrang\ufffdre"] == {unodc.REASON_MISENCODED}
    assert by_value["Atl\ufffdntida"] == {unodc.REASON_MISENCODED, unodc.REASON_UNMAPPED["citizenship"]}


# --- years after the release; what cannot be mapped, with its victims ------------------------------------------


def test_a_row_dated_after_its_release_is_rejected_with_a_reason(tmp_path: Path) -> None:
    rows = [row(year=2099), row(year=2024), row(year=2023), row(year=2021)]
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", rows, release="30/05/2023"))
    assert loaded.data["year"].to_list() == [2023, 2021]
    assert loaded.rejects.select("row", "column", "value", "reason").rows() == [
        (4, "Year", "2099", unodc.REASON_YEAR_AFTER_RELEASE),
        (5, "Year", "2024", unodc.REASON_YEAR_AFTER_RELEASE),
    ]
    undated = unodc.load(write_glotip(tmp_path / "u.xlsx", [row(year=2099), row()], release="latest"))
    assert undated.rows_rejected == 1  # a release without a date is bounded by today's year


def test_unmapped_citizenships_come_with_their_victims_and_a_suggestion_never_applied(tmp_path: Path) -> None:
    rows = [
        row("12", category="Thialand"),
        row("<5", category="Thialand", year=2019),
        row("7", category="Atlantis"),
        row("30", category="Myanmar"),
        row("5", category="Unknown"),
        row("3", category="Thialand", indicator="Persons convicted"),  # persons, not victims
    ]
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", rows))
    table = unodc.unmapped_categories(loaded)
    first = table.row(0, named=True)
    assert (first["category"], first["rows"], first["victims_low"], first["victims_high"]) == (
        "Thialand",
        3,
        13,
        16,
    )
    assert (first["suggested_iso3"], first["suggested_country"]) == ("THA", "Thailand")
    assert table.filter(pl.col("category") == "Atlantis")["suggested_iso3"].to_list() == [None]
    assert loaded.data.filter(pl.col("category") == "Thialand")["category_iso3"].null_count() == 3
    coverage = unodc.citizenship_coverage(loaded)
    assert coverage.total == (55, 58) and coverage.mapped == (30, 30) and coverage.unspecified == (5, 5)
    assert coverage.unmapped == (20, 23)
    low, high = coverage.unmapped_share
    assert low == pytest.approx(20 / 55) and high == pytest.approx(23 / 58)  # the 35 others are exact


def test_the_unmapped_list_is_in_one_order_when_a_text_is_unmapped_under_two_reasons(tmp_path: Path) -> None:
    """The same text unmapped as a citizenship and as a country of repatriation, with as many victims and rows:
    its two entries were listed in whichever order the grouping left them (run to run, a brief's table changed)."""
    rows = [
        row("7", category="Atlantis"),
        row("7", category="Atlantis", dimension="by country of repatriation"),
    ]
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", rows))
    orders = {tuple(unodc.unmapped_categories(loaded)["reason"]) for _ in range(12)}
    assert orders == {
        (unodc.REASON_UNMAPPED["citizenship"], unodc.REASON_UNMAPPED["country of repatriation"])
    }


def test_real_release_share_of_victims_with_an_unmapped_citizenship(glotip_2023) -> None:
    coverage = unodc.citizenship_coverage(glotip_2023)
    low, high = coverage.unmapped_share
    assert 0 < low <= high < 0.02  # under 2% of victims detected by citizenship
    table = unodc.unmapped_categories(glotip_2023)
    assert table["victims_low"].sum() >= coverage.unmapped[0]  # repatriation rows are listed too


# --- totals written as categories --------------------------------------------------------------------------


def test_a_breakdowns_own_total_is_left_out_and_total_is_spelled_total(tmp_path: Path) -> None:
    rows = [
        row(
            "397", dimension="Total", category="TOTAL", sex="TOTAL", age="Total"
        ),  # the total, spelled otherwise
        row("354", category="Nationals"),
        row("397", category="TOTAL"),  # the citizenship breakdown's own total
        row("88", dimension="by form of exploitation", category="Total por año"),
        row("54", dimension="by form of exploitation", category="Sexual exploitation", sex="Grand total"),
    ]
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", rows))
    # left out, not rejected: no record (the Total dimension publishes the total), so the file validates
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected, loaded.rows_left_out) == (3, 3, 0, 2)
    note = unodc.total_categories_note([(6, "TOTAL"), (7, "Total por año")])
    assert note in loaded.provenance.notes and "row 6 ('TOTAL'), row 7 ('Total por año')" in note
    data = loaded.data.select("dimension", "category", "sex", "age", "value").rows()
    assert data == [
        ("Total", "Total", "Total", "Total", 397.0),
        ("by citizenship", "Nationals", "Total", "Total", 354.0),
        ("by form of exploitation", "Sexual exploitation", "Total", "Total", 54.0),
    ]
    assert loaded.flags.filter(pl.col("reason").str.contains("not mapped")).is_empty()


def test_bolivias_total_row_is_not_counted_as_a_citizenship(glotip_2023) -> None:
    """BOL 2017: "TOTAL 397" among its citizenships had made the breakdown sum to 797-830, "unknown" 432."""
    from evidence.analyses import routes
    from evidence.analyses.selection import Selection

    selection = Selection(glotip_2023, country="BOL", role="destination", years=(2017, 2017))
    coverage = routes.flow_coverage(selection)
    assert coverage.unknown_origin == (35, 35)  # "Sin determinar" only
    flows = routes.flows(selection)
    known = (int(flows["victims_low"].sum()), int(flows["victims_high"].sum()))
    # 354 nationals detected at home: UNODC's domestic flow, one of the known routes
    assert coverage.own_nationals == (354, 354)
    domestic = flows.filter(pl.col("origin_iso3") == "BOL")
    assert domestic["flow_class"].cast(pl.String).to_list() == ["domestic"]
    assert domestic["victims_low"].to_list() == [354]
    assert (known[0] + 35, known[1] + 35) == (400, 433)  # 11 cells "<5", 35 unknown


# --- a release split over sheets; the table saved as CSV ------------------------------------------------------


def test_a_release_split_over_two_sheets_loads_every_row(
    shared_data: Path, glotip_2023, tmp_path: Path
) -> None:
    from _xlsx import add_sheet_from

    split = add_sheet_from(
        shared_data / REAL_FILE,
        tmp_path / "split.xlsx",
        "data_glotip_1",
        "data_glotip_2",
        range(30_004, 46_560),
    )
    loaded = registry.load(split)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected, loaded.rows_left_out) == (
        46_554,
        46_554,
        0,
        2,
    )
    # the second sheet's rows are numbered on from the first's, as the note says: here, as in the original
    assert loaded.data.equals(glotip_2023.data)
    assert loaded.provenance.notes == (
        "sheet 'data_glotip_1', header on row 3",
        (
            "sheet 'data_glotip_2', header on row 3: read too (the data continue there); its rows 4–16,559 are "
            "numbered 30,004–46,559 here"
        ),
        # the two breakdown totals, by their rows of the whole (the second in the second sheet)
        unodc.total_categories_note([(4_910, "TOTAL"), (15_484, "TOTAL POR AÑO")]),
    )


def test_a_sheet_copying_rows_of_another_is_refused_naming_it(shared_data: Path, tmp_path: Path) -> None:
    from _xlsx import add_sheet_from, keep_rows, rewrite, sheet_part

    source = shared_data / REAL_FILE
    small = rewrite(source, tmp_path / "small.xlsx", {sheet_part(source, "data_glotip_1"): keep_rows(500)})
    copied = add_sheet_from(
        small, tmp_path / "copy.xlsx", "data_glotip_1", "Thailand", range(40, 90), move=False
    )
    with pytest.raises(InputError, match="every row of sheet 'Thailand' repeats a row of 'data_glotip_1'"):
        registry.load(copied)


@pytest.mark.parametrize("date_rows", [False, True])
def test_a_filtered_copy_sheet_is_named_a_copy_with_or_without_the_date_rows(
    tmp_path: Path, date_rows: bool
) -> None:
    """A sheet holding the header and some rows of the data sheet is a copy, whatever stands above its header
    (a pivot or filter copied without the release-date row is not a second release)."""
    import openpyxl

    rows = [row("7", category="Myanmar"), row("9", category="Cambodia"), row("3", iso3="LAO", country="Lao")]
    path = write_glotip(tmp_path / "g.xlsx", rows)
    book = openpyxl.load_workbook(path)
    pivot = book.create_sheet("THA pivot")
    for line in [
        *([["UNODC"], ["30/05/2023"]] if date_rows else []),
        list(unodc.HEADER),
        *map(list, rows[:2]),
    ]:
        pivot.append(line)
    book.save(path)
    with pytest.raises(InputError, match="every row of sheet 'THA pivot' repeats a row of 'data_glotip_1'"):
        registry.load(path)


def test_a_sheet_of_new_rows_without_a_date_row_is_still_another_release(tmp_path: Path) -> None:
    import openpyxl

    path = write_glotip(tmp_path / "g.xlsx", [row("7")])
    book = openpyxl.load_workbook(path)
    other = book.create_sheet("more")
    for line in (list(unodc.HEADER), list(row("9", year=2019))):
        other.append(line)
    book.save(path)
    with pytest.raises(InputError, match=r"'more' \(release unknown\)"):
        registry.load(path)


def test_sheets_of_two_releases_are_refused(tmp_path: Path) -> None:
    import openpyxl

    path = write_glotip(tmp_path / "g.xlsx", [row()])
    book = openpyxl.load_workbook(path)
    older = book.create_sheet("data_glotip_2021")
    for line in (["UNODC"], ["02/02/2021"], list(unodc.HEADER), list(row("9", year=2019))):
        older.append(line)
    book.save(path)
    with pytest.raises(InputError, match=r"'data_glotip_1' \(release 2023-05-30\) and 'data_glotip_2021'"):
        unodc.load(path)


@pytest.mark.parametrize(("separator", "skip_rows"), [(",", 0), (";", 0), (",", 2)])
def test_the_release_saved_as_csv_loads_as_the_workbook(
    shared_data: Path, glotip_2023, tmp_path: Path, separator: str, skip_rows: int
) -> None:
    from _xlsx import sheet_as_csv

    path = sheet_as_csv(
        shared_data / REAL_FILE,
        tmp_path / "glotip.csv",
        "data_glotip_1",
        skip_rows=skip_rows,
        separator=separator,
    )
    assert registry.detect(path)[1] == unodc.LAYOUT_CSV
    loaded = registry.load(path)
    assert loaded.provenance.layout == unodc.LAYOUT_CSV
    assert (loaded.rows_in, loaded.rows_rejected, loaded.rows_left_out) == (46_554, 0, 2)
    # line numbers are the file's, as the workbook's row numbers were the sheet's
    expected = glotip_2023.data.with_columns(pl.col("source_row") - skip_rows)
    assert loaded.data.equals(expected)
    if skip_rows:  # the title rows, and with them the release date, left out when saving
        assert loaded.provenance.release == "unknown"
        assert "no release date found above the header" in loaded.provenance.notes
    else:
        assert loaded.provenance.release == "2023-05-30"


def test_a_csv_lacking_a_glotip_column_says_which(tmp_path: Path) -> None:
    header = [h for h in unodc.HEADER if h != "txtVALUE"]
    path = tmp_path / "g.csv"
    path.write_text("UNODC\n30/05/2023\n" + ",".join(header) + "\nTHA,Thailand\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"line 3 looks like the UNODC GLOTIP header but lacks the columns \['txtVALUE'\]"
    ):
        registry.load(path)


def write_glotip_csv(path: Path, rows: list[tuple], *, header: tuple[str, ...] = unodc.HEADER) -> Path:
    """The GLOTIP table saved as CSV (UTF-8), with its UNODC and release-date lines above the header."""
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["UNODC"])
        writer.writerow(["30/05/2023"])
        writer.writerow(header)
        writer.writerows(["" if cell is None else cell for cell in r] for r in rows)
    return path


@RESAVED
def test_a_csv_saved_as_utf16_or_with_cr_line_ends_says_so_as_every_delimited_loader(
    tmp_path: Path, encode, note: str
) -> None:
    """The CTDC and TIP loaders note a UTF-16 file (or CR-only line ends) read as such (delimited.utf8_text);
    the UNODC loader read it the same but said nothing."""
    path = write_glotip_csv(tmp_path / "g.csv", [row(), row("12", category="Cambodia"), row("x")])
    assert_resaved_read_alike_and_noted(path, encode, note)


def test_vocabulary_is_matched_whatever_its_case_spaces_or_footnote_marker(tmp_path: Path) -> None:
    path = write_glotip(
        tmp_path / "g.xlsx",
        [
            row(dimension="By citizenship"),
            row(dimension=" BY  CITIZENSHIP ", category="Lao People's Dem. Republic"),
            row(dimension="by\u00a0citizenship*", sex="FEMALE", age="0 to 17 Years"),
            row(
                dimension="By Form of Exploitation",
                category="Forced labour",
                indicator="detected trafficking victims¹",
            ),
        ],
    )
    loaded = unodc.load(path)
    assert loaded.rows_rejected == 0
    data = loaded.data
    assert data["dimension"].to_list() == ["by citizenship"] * 3 + ["by form of exploitation"]
    # the UN's "Both sexes" and "All ages" are the totals of those breakdowns
    both = unodc.load(write_glotip(tmp_path / "b.xlsx", [row(sex="Both sexes", age="ALL AGES")]))
    assert both.rows_rejected == 0 and both.data.select("sex", "age").rows() == [("Total", "Total")]
    assert data["category_iso3"].to_list() == ["MMR", "LAO", "MMR", None]
    assert data["sex"].to_list()[2] == "Female" and data["age"].to_list()[2] == "0 to 17 years"
    assert set(data["indicator"]) == {DTV}
    assert unodc.citizenship_coverage(loaded).mapped == (21, 21)
    # a footnote marker is noted on its row, with the publisher's text
    footnoted = loaded.flags.filter(pl.col("reason") == unodc.REASON_FOOTNOTE)
    assert footnoted.select("row", "column", "value").rows() == [
        (6, "Dimension", "by\u00a0citizenship*"),
        (7, "Indicator", "detected trafficking victims¹"),
    ]


def test_a_value_outside_the_vocabulary_is_rejected_naming_its_row_column_and_text(tmp_path: Path) -> None:
    path = write_glotip(
        tmp_path / "g.xlsx",
        [
            row(),
            row(dimension="by region of origin"),  # ("by nationality" is by citizenship)
            row(sex="Sex not stated"),
            row(age="Adults"),
            row(indicator="Persons sentenced"),
        ],
    )
    loaded = unodc.load(path)
    assert loaded.rows_in == loaded.data.height + loaded.rows_rejected == 5
    assert loaded.rejects.select("row", "column", "value", "reason").rows() == [
        (5, "Dimension", "by region of origin", unodc.REASON_VOCABULARY["Dimension"]),
        (6, "Sex", "Sex not stated", unodc.REASON_VOCABULARY["Sex"]),
        (7, "Age", "Adults", unodc.REASON_VOCABULARY["Age"]),
        (8, "Indicator", "Persons sentenced", unodc.REASON_VOCABULARY["Indicator"]),
    ]
    assert "by citizenship" in unodc.REASON_VOCABULARY["Dimension"]


_KNOWN = {name: list(INDICATOR_CATEGORIES[name]) for name in ("indicator", "dimension", "sex", "age")}


def _respell(draw: st.DrawFn, text: str) -> str:
    """``text`` with each letter's case drawn, its spaces doubled or made no-break, spaces around it, and
    perhaps a footnote marker."""
    letters = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in text)
    letters = letters.replace(" ", draw(st.sampled_from([" ", "  ", "\u00a0", " \t"])))
    pad = draw(st.sampled_from(["", " ", "  "]))
    return pad + letters + pad + draw(st.sampled_from(["", "*", "¹", " [1]"]))


@st.composite
def _glotip_rows(draw: st.DrawFn) -> tuple[tuple, dict[str, str], bool]:
    """A row with each vocabulary value respelled, or (sometimes) replaced by text of no vocabulary."""
    canonical = {name: draw(st.sampled_from(values)) for name, values in _KNOWN.items()}
    spelled = {name: _respell(draw, value) for name, value in canonical.items()}
    foreign = draw(st.booleans()) and draw(st.sampled_from(list(_KNOWN)))
    if foreign:
        spelled[foreign] = draw(st.sampled_from(["by region of origin", "Sex not stated", "Adults", "x"]))
    r = row(
        "7",
        dimension=spelled["dimension"],
        category="Total" if canonical["dimension"] == "Total" else "Forced labour",
        indicator=spelled["indicator"],
        sex=spelled["sex"],
        age=spelled["age"],
    )
    return r, canonical, bool(foreign)


@settings(max_examples=25, deadline=None)
@given(st.lists(_glotip_rows(), min_size=1, max_size=12))
def test_respelled_vocabulary_is_kept_as_published_and_other_text_rejected(rows: list) -> None:
    """Respelled vocabulary is kept, other text rejected row by row (rows in = kept + rejected); a file whose
    every row has an indicator not GLOTIP's is refused whole, naming them (the portal's other tables)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = write_glotip_csv(Path(folder) / "g.csv", [r for r, _, _ in rows])
        if all(r[4] in ("by region of origin", "Sex not stated", "Adults", "x") for r, _, _ in rows):
            with pytest.raises(InputError, match="holds none of GLOTIP's indicators"):
                unodc.load(path, unodc.LAYOUT_CSV)
            return
        loaded = unodc.load(path, unodc.LAYOUT_CSV)
    assert loaded.rows_in == len(rows) == loaded.data.height + loaded.rows_rejected
    rejected = set(loaded.rejects["row"])
    for line, (_, canonical, foreign) in enumerate(rows, start=4):
        assert (line in rejected) == foreign
        if not foreign:
            kept = loaded.data.filter(pl.col("source_row") == line).row(0, named=True)
            assert {name: kept[name] for name in canonical} == canonical


@pytest.mark.parametrize(
    ("text", "value", "footnote"),
    [
        ("1 541", 1541, False),
        ("1\u00a0541", 1541, False),
        ("1541*", 1541, True),
        ("1,541 ¹", 1541, True),
        ("<5*", None, True),
        # the footnote markers every loader shares (workbook.FOOTNOTE_MARKER)
        ("1541#", 1541, True),
        ("1541 *\u2020", 1541, True),
        ("1541 [a]", 1541, True),
        ("1,541[12]", 1541, True),
    ],
)
def test_thousands_spaced_and_footnoted_values_are_counts(
    tmp_path: Path, text: str, value, footnote: bool
) -> None:
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", [row(text)]))
    assert loaded.rows_rejected == 0 and loaded.data["value"].to_list() == [value]
    flagged = loaded.flags.filter(pl.col("reason") == unodc.REASON_FOOTNOTE)
    assert flagged.select("column", "value").rows() == ([("txtVALUE", text)] if footnote else [])


@pytest.mark.parametrize(
    "text", ["..", "-", "\u2013", "…", ".. *", *sorted(NOT_AVAILABLE), "N/A", "Not assessed", "n/a #"]
)
def test_the_un_no_figure_notation_is_a_missing_value_not_a_wrong_count(tmp_path: Path, text: str) -> None:
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", [row(text), row("3")]))
    assert loaded.data["value"].to_list() == [3]
    assert loaded.rejects.select("row", "column", "value", "reason").rows() == [
        (4, "txtVALUE", text, unodc.REASON_VALUE_NOT_AVAILABLE)
    ]


@pytest.mark.parametrize("dash", ["-", "\u2013", "\u2014", " - "])
def test_a_dash_is_no_figure_never_a_zero_and_its_reason_says_why(tmp_path: Path, dash: str) -> None:
    """The GLOTIP description defines <5 and no dash; a dash is 'nil or negligible' in some UN tables and 'not
    available' in others: the row is rejected as not available (counted, named), no 0 enters the table."""
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", [row(dash), row("<5"), row("0")]))
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (3, 2, 1)
    assert loaded.data.select("value", "value_low", "value_high").rows() == [(None, 1, 4), (0, 0, 0)]
    assert loaded.rejects.select("row", "reason").rows() == [(4, unodc.REASON_VALUE_NOT_AVAILABLE)]
    assert "not read as 0" in unodc.REASON_VALUE_NOT_AVAILABLE
    assert "nil or negligible" in unodc.REASON_VALUE_NOT_AVAILABLE  # the dash's other reading, named
    assert "the UN's notation for no figure" not in unodc.REASON_VALUE_NOT_AVAILABLE  # it is not only that


def test_columns_the_loader_does_not_read_are_named(tmp_path: Path) -> None:
    path = write_glotip_csv(
        tmp_path / "g.csv",
        [(*row(), "2020", "see note 3", "")],
        header=(*unodc.HEADER, "Data year", "Footnote", ""),
    )
    notes = registry.load(path).provenance.notes
    assert any(n.endswith("columns not used: Data year, Footnote") for n in notes)
    plain = registry.load(write_glotip_csv(tmp_path / "p.csv", [row()])).provenance.notes
    assert not any("not used" in n for n in plain)


def test_a_csv_saved_as_windows_1252_is_refused_naming_its_line(tmp_path: Path) -> None:
    path = write_glotip_csv(tmp_path / "g.csv", [row(), row(category="Côte d'Ivoire")])
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    with pytest.raises(InputError, match="not UTF-8 text") as caught:
        registry.load(path)
    assert caught.value.row == 5 and "UTF-8" in (caught.value.hint or "")


def test_the_real_release_has_no_value_outside_the_vocabulary_nor_footnote(glotip_2023) -> None:
    reasons = set(glotip_2023.rejects["reason"]) | set(glotip_2023.flags["reason"])
    assert not reasons & {
        *unodc.REASON_VOCABULARY.values(),
        unodc.REASON_FOOTNOTE,
        unodc.REASON_VALUE_NOT_AVAILABLE,
    }
    for name, values in _KNOWN.items():
        assert set(glotip_2023.data[name]) == set(values)


# --- review 10: plausible other releases -----------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["Counts", "Count", "COUNTS ", "Number", "number  of persons", None])
def test_count_units_however_spelled_are_counts(tmp_path: Path, unit: str | None) -> None:
    loaded = unodc.load(
        write_glotip(tmp_path / "u.xlsx", [row("1,541", dimension="Total", category="Total", unit=unit)])
    )
    assert loaded.rejects.is_empty() and loaded.data["value"].to_list() == [1541.0]
    assert loaded.data["unit"].to_list() == [
        "Counts"
    ]  # an empty unit too: read as a count (module docstring)


def test_rows_in_another_unit_are_rejected_for_their_unit_never_summed(tmp_path: Path) -> None:
    rates = [
        row(
            "2", dimension="Total", category="Total", unit="Rate per 100,000 population"
        ),  # a whole-number rate
        row("0.25", dimension="Total", category="Total", year=2021, unit="Rate per 100,000 population"),
    ]
    loaded = unodc.load(
        write_glotip(tmp_path / "u.xlsx", [row("1,541", dimension="Total", category="Total"), *rates])
    )
    assert loaded.data["value"].to_list() == [1541.0]
    assert loaded.rejects.select("row", "column", "value", "reason").rows() == [
        (5, "Unit of measurement", "Rate per 100,000 population", unodc.REASON_UNIT),
        (6, "Unit of measurement", "Rate per 100,000 population", unodc.REASON_UNIT),
    ]
    assert loaded.flags.filter(pl.col("reason") == unodc.REASON_DUPLICATE).is_empty()


def test_the_real_release_is_all_counts(glotip_2023) -> None:
    assert glotip_2023.data["unit"].unique().to_list() == ["Counts"]
    assert glotip_2023.rejects.filter(pl.col("reason") == unodc.REASON_UNIT).is_empty()


def real_with_cells(shared_data: Path, target: Path, cells: dict[str, str]) -> Path:
    """The real release with some cells of its sheet rewritten as text (``{"L3": "VALUE"}``)."""
    import html

    from _xlsx import chain, rewrite, set_cell, sheet_part

    source = shared_data / REAL_FILE
    edits = [
        set_cell(ref, f'<c r="{ref}" t="inlineStr"><is><t>{html.escape(text)}</t></is></c>')
        for ref, text in cells.items()
    ]
    return rewrite(source, target, {sheet_part(source, "data_glotip_1"): chain(*edits)})


@pytest.mark.parametrize(
    ("ref", "label"),
    [
        ("L3", "VALUE"),
        ("L3", "Value"),
        ("A3", "ISO3"),
        ("B3", "Country/territory"),
        ("J3", "Reference year"),
        ("K3", "Unit"),
    ],
)
def test_a_release_renaming_a_column_to_a_known_alias_loads_as_the_real_one(
    shared_data: Path, glotip_2023, tmp_path: Path, ref: str, label: str
) -> None:
    path = real_with_cells(shared_data, tmp_path / "v.xlsx", {ref: label})
    assert registry.detect(path)[1] == unodc.LAYOUT
    loaded = registry.load(path)
    assert loaded.data.equals(glotip_2023.data)
    assert loaded.rejects.equals(glotip_2023.rejects)
    assert not any("columns not used" in note for note in loaded.provenance.notes)


def test_a_column_under_no_known_label_is_refused_naming_the_labels_looked_for(tmp_path: Path) -> None:
    header = tuple("Amount" if h == "txtVALUE" else h for h in unodc.HEADER)
    path = write_glotip_csv(tmp_path / "g.csv", [row()], header=header)
    with pytest.raises(
        InputError,
        match=r"lacks the columns \['txtVALUE'\] \(labels looked for: 'txtVALUE' or 'VALUE' or 'Value'",
    ):
        registry.load(path)


def real_with_strings(shared_data: Path, target: Path, strings: dict[str, str]) -> Path:
    """The real release with some of its shared strings (every cell showing one) written otherwise."""
    from _xlsx import rewrite

    def edit(xml: bytes) -> bytes:
        for old, new in strings.items():
            assert f"<t>{old}</t>".encode() in xml
            xml = xml.replace(f"<t>{old}</t>".encode(), f"<t>{new}</t>".encode())
        return xml

    return rewrite(shared_data / REAL_FILE, target, {"xl/sharedStrings.xml": edit})


@pytest.mark.parametrize(
    ("child", "adult"),
    [
        ("0-17 years", "18+ years"),
        ("0 to 17", "18 or over"),
        ("Under 18", "18 years and over"),
        ("0 – 17", "18 +"),
    ],
)
def test_age_groups_spelled_otherwise_are_the_published_groups(
    shared_data: Path, glotip_2023, tmp_path: Path, child: str, adult: str
) -> None:
    path = real_with_strings(
        shared_data, tmp_path / "v.xlsx", {"0 to 17 years": child, "18 years or over": adult}
    )
    loaded = registry.load(path)
    assert loaded.data.equals(glotip_2023.data)
    assert loaded.rejects.equals(glotip_2023.rejects)


@pytest.mark.parametrize("age", ["Adults", "Children", "Over 18", "0-18 years", "15-17 years"])
def test_other_age_groups_are_still_rejected(tmp_path: Path, age: str) -> None:
    loaded = unodc.load(write_glotip(tmp_path / "u.xlsx", [row(age=age)]))
    assert loaded.rejects.select("column", "value", "reason").rows() == [
        ("Age", age, unodc.REASON_VOCABULARY["Age"])
    ]


def test_vocabulary_reasons_take_the_right_article() -> None:
    assert unodc.REASON_VOCABULARY["Age"].startswith("not an Age ")
    assert unodc.REASON_VOCABULARY["Indicator"].startswith("not an Indicator ")
    assert unodc.REASON_VOCABULARY["Sex"].startswith("not a Sex ")


@pytest.mark.parametrize("year", ["2019*", "2019 ¹", "2019[a]", "2019†"])
def test_a_year_with_a_footnote_marker_is_read_and_flagged(tmp_path: Path, year: str) -> None:
    loaded = unodc.load(
        write_glotip(tmp_path / "u.xlsx", [row(year=year), row(year=2020, category="Lao PDR")])
    )
    assert loaded.rejects.is_empty()
    assert loaded.data["year"].to_list() == [2019, 2020]
    assert loaded.flags.select("row", "column", "value", "reason").rows() == [
        (4, "Year", year, unodc.REASON_FOOTNOTE)
    ]
    # the reason fits a year as well as a figure (REVIEW11 m6: it said "follows the value")
    assert "follows the value" not in unodc.REASON_FOOTNOTE and "a year" in unodc.REASON_FOOTNOTE


def test_a_lowercase_iso3_code_is_the_country_not_an_aggregate(tmp_path: Path) -> None:
    loaded = unodc.load(
        write_glotip(tmp_path / "u.xlsx", [row(iso3="tha"), row(iso3="Tha", category="Lao PDR")])
    )
    assert loaded.data["iso3"].to_list() == ["THA", "THA"]
    assert loaded.data["reporting_code"].to_list() == ["THA", "THA"]
    assert loaded.flags.is_empty()


def test_an_ambiguous_release_date_follows_the_order_of_the_other_dates_above_the_header() -> None:
    from evidence.sources.workbook import HeaderMatch

    header = unodc.HEADER
    month_first = HeaderMatch(
        "s", 3, (("UNODC", "data as of 05/30/2025"), ("Last update: 06/12/2025",), header)
    )
    day_first = HeaderMatch(
        "s", 3, (("UNODC", "data as of 30/05/2025"), ("Last update: 06/12/2025",), header)
    )
    alone = HeaderMatch("s", 3, (("UNODC",), ("Last update: 06/12/2025",), header))
    assert unodc._release(month_first) == "2025-05-30"  # the first date found above the header
    assert unodc._release(HeaderMatch("s", 2, (("06/12/2025", "05/30/2025"), header))) == "2025-06-12"
    assert unodc._release(day_first) == "2025-05-30"
    assert unodc._release(alone) == "2025-12-06"


def test_notes_among_the_rows_are_rejected_once_showing_their_text(tmp_path: Path) -> None:
    """(Below the table, after the last data row, such notes are no rows: left out and named, test_note_lines.)"""
    note = "Note: <5 indicates a value between 1 and 4."
    source = "Source: UNODC elaboration of national data, 2025"
    rows = [row(), (None,), (note,), (None, source), row(year=2019)]
    loaded = unodc.load(write_glotip(tmp_path / "u.xlsx", rows))
    assert (loaded.rows_in, loaded.rows_kept) == (4, 2)
    assert loaded.rejects.select("row", "column", "value", "reason").rows() == [
        (6, "Iso3_code", note, unodc.REASON_NOTE),
        (7, "Country", source, unodc.REASON_NOTE),
    ]
    below = unodc.load(write_glotip(tmp_path / "v.xlsx", rows[:-1]))
    assert (below.rows_in, below.rows_kept, below.rows_rejected, below.rows_left_out) == (1, 1, 0, 3)


def test_an_empty_unit_among_written_ones_is_read_as_a_count_and_flagged(tmp_path: Path) -> None:
    rows = [row(unit=None), row(unit="Counts", category="Lao PDR")]
    loaded = unodc.load(write_glotip(tmp_path / "u.xlsx", rows))
    assert loaded.rows_kept == 2
    assert loaded.flags.select("row", "column", "reason").rows() == [
        (4, "Unit of measurement", unodc.REASON_UNIT_MISSING)
    ]
    alone = unodc.load(write_glotip(tmp_path / "v.xlsx", [row(unit=None)]))  # no unit written anywhere
    assert alone.rows_kept == 1 and alone.flags.is_empty()


def test_a_table_without_a_unit_column_is_read_as_counts(tmp_path: Path) -> None:
    """No ``Unit of measurement`` column (optional): every row a count, spelled as the 2023 release spells it, as
    the module docstring says (loose30: the unit stayed empty)."""
    at = unodc.HEADER.index("Unit of measurement")
    header = unodc.HEADER[:at] + unodc.HEADER[at + 1 :]
    rows = [r[:at] + r[at + 1 :] for r in (row("1,541", dimension="Total", category="Total"), row("<5"))]
    loaded = registry.load(write_glotip_csv(tmp_path / "g.csv", rows, header=header))
    assert loaded.rows_kept == 2 and loaded.rejects.is_empty() and loaded.flags.is_empty()
    assert loaded.data["unit"].to_list() == ["Counts", "Counts"]


def test_a_row_of_empty_unit_repeating_a_counted_row_is_a_repeat(tmp_path: Path) -> None:
    """An empty unit is a count: the same country, year and category written with and without ``Counts`` is one
    figure twice (flagged as a repeat), not two units."""
    loaded = unodc.load(write_glotip(tmp_path / "u.xlsx", [row(unit="Counts"), row(unit=None)]))
    assert loaded.data["unit"].to_list() == ["Counts", "Counts"]
    assert loaded.flags.filter(pl.col("reason") == unodc.REASON_DUPLICATE)["row"].to_list() == [4, 5]


@pytest.mark.parametrize("label", ["VALUE", "txtVALUE"])
def test_another_portal_table_in_the_layout_is_refused_naming_its_indicators(
    tmp_path: Path, label: str
) -> None:
    """REVIEW10 leftover: the portal's crime statistics (same layout, ``VALUE``) are no GLOTIP release with every
    row "not an Indicator": the file is refused, naming the indicators it holds (the first few)."""
    others = [f"Victims of intentional homicide {i}" for i in range(7)]
    rows = [row(indicator=text, dimension="Total", category="Total") for text in others for _ in range(2)]
    header = (
        tuple("VALUE" if h == "txtVALUE" else h for h in unodc.HEADER) if label == "VALUE" else unodc.HEADER
    )
    path = write_glotip_csv(tmp_path / "data_cts.csv", rows, header=header)
    with pytest.raises(InputError) as refused:
        unodc.load(path, unodc.LAYOUT_CSV)
    message = str(refused.value)
    assert "holds none of GLOTIP's indicators" in message and "Detected trafficking victims" in message
    assert (
        "'Victims of intentional homicide 0'" in message and "'Victims of intentional homicide 4'" in message
    )
    assert "homicide 5" not in message and "and 2 more" in message and "7 other indicators" in message


def test_a_release_with_one_glotip_indicator_row_loads_and_rejects_the_others(tmp_path: Path) -> None:
    """The refusal fires only when no row has a GLOTIP indicator: one such row and the file loads, every other
    row rejected as "not an Indicator" (rows in = kept + rejected); rows with no indicator at all are rejected,
    not refused."""
    rows = [row(indicator="Victims of intentional homicide") for _ in range(3)] + [row()]
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", rows))
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (4, 1, 3)
    assert set(loaded.rejects["reason"]) == {unodc.REASON_VOCABULARY["Indicator"]}
    missing = unodc.load(write_glotip(tmp_path / "m.xlsx", [row(indicator=None), row(indicator=None)]))
    assert (missing.rows_in, missing.rows_kept, missing.rows_rejected) == (2, 0, 2)


def test_a_new_disaggregation_column_keeps_the_total_and_rejects_its_parts(tmp_path: Path) -> None:
    """A later release adding a breakdown the loader does not read ("Area": Total, urban, rural) writes rows the
    read columns cannot tell apart: the total is kept, the parts rejected naming the column and its text, so that
    no victim is counted twice (were all kept, flagged as repeats, and summed to twice the total). Rows repeating
    a key with no total among them are parts to be summed (as the 2023 release's repeats): kept and flagged."""
    header = (*unodc.HEADER[:9], "Area", *unodc.HEADER[9:])

    def with_area(r: tuple, area: str | None) -> tuple:
        return (*r[:9], area, *r[9:])

    rows = [
        with_area(row("190", dimension="Total", category="Total"), "Total"),  # line 4
        with_area(row("120", dimension="Total", category="Total"), "Urban"),
        with_area(row("70", dimension="Total", category="Total"), "Rural"),
        with_area(row("40", category="Myanmar"), None),  # line 7: not broken down
        with_area(row("5", category="Cambodia"), "Urban"),  # lines 8-9: parts without a total among them
        with_area(row("3", category="Cambodia"), "Rural"),
        with_area(
            row("9", category="Laos", year=2019), "All areas"
        ),  # lines 10-11: a total and an empty part
        with_area(row("6", category="Laos", year=2019), None),
    ]
    loaded = registry.load(write_glotip_csv(tmp_path / "g.csv", rows, header=header))
    assert loaded.rows_in == loaded.rows_kept + loaded.rows_rejected == 8
    assert loaded.data.select("source_row", "value").rows() == [
        (4, 190.0),
        (7, 40.0),
        (8, 5.0),
        (9, 3.0),
        (10, 9.0),
    ]
    assert loaded.rejects.select("row", "column", "value", "reason").rows() == [
        (5, "Area", "Urban", unodc.REASON_UNREAD_BREAKDOWN),
        (6, "Area", "Rural", unodc.REASON_UNREAD_BREAKDOWN),
        (11, "Area", None, unodc.REASON_UNREAD_BREAKDOWN),
    ]
    repeats = loaded.flags.filter(pl.col("reason") == unodc.REASON_DUPLICATE)["row"].to_list()
    assert repeats == [8, 9]
    # the same rows without the new column: every repeat kept and flagged, as before
    plain = registry.load(write_glotip_csv(tmp_path / "p.csv", [r[:9] + r[10:] for r in rows]))
    assert plain.rows_kept == 8 and plain.flags["reason"].to_list().count(unodc.REASON_DUPLICATE) == 7


def test_a_numeric_value_column_beside_txtvalue_is_no_breakdown(tmp_path: Path) -> None:
    """A release publishing the figure twice, as text (``txtVALUE``: ``1,541``, ``<5``) and as a number
    (``VALUE``: 1541, empty where censored), as UNODC's other portal files do: ``VALUE`` tells apart repeated rows
    only by their figures: it is no breakdown, and hides none (were: an Area's total, its VALUE a number, not
    told as a total, so its parts were kept beside it and summed to twice the victims)."""
    header = (*unodc.HEADER[:9], "Area", *unodc.HEADER[9:11], "VALUE", *unodc.HEADER[11:])

    def with_area(r: tuple, area: str | None) -> tuple:
        number = None if str(r[11]).startswith("<") else int(str(r[11]).replace(",", ""))
        return (*r[:9], area, *r[9:11], number, *r[11:])

    rows = [
        with_area(
            row("<5", dimension="by form of exploitation", category="Other forms of exploitation"), None
        ),
        with_area(
            row("12", dimension="by form of exploitation", category="Other forms of exploitation"), None
        ),
        with_area(row("1,190", dimension="Total", category="Total"), "Total"),  # line 6
        with_area(row("1,120", dimension="Total", category="Total"), "Urban"),
        with_area(row("70", dimension="Total", category="Total"), "Rural"),
    ]
    loaded = registry.load(write_glotip_csv(tmp_path / "g.csv", rows, header=header))
    assert loaded.rows_in == loaded.rows_kept + loaded.rows_rejected == 5
    assert loaded.data.select("source_row", "value").rows() == [(4, None), (5, 12.0), (6, 1190.0)]
    assert loaded.rejects.select("row", "column", "value", "reason").rows() == [
        (7, "Area", "Urban", unodc.REASON_UNREAD_BREAKDOWN),
        (8, "Area", "Rural", unodc.REASON_UNREAD_BREAKDOWN),
    ]
    assert loaded.flags.filter(pl.col("reason") == unodc.REASON_DUPLICATE)["row"].to_list() == [4, 5]
    assert any(note.endswith("columns not used: Area, VALUE") for note in loaded.provenance.notes)


def test_a_new_column_written_alike_in_repeated_rows_tells_no_total(tmp_path: Path) -> None:
    """Only the columns telling a key's rows apart say which is their total: a new column written ``Total`` in
    every row (a release's ``Sub-indicator``) beside a footnote column filled in one of two repeats leaves both
    repeats kept and flagged (were: the repeat without a footnote read as the total, since its new cells say
    Total or nothing, and the footnoted one rejected as its part)."""
    header = (*unodc.HEADER[:5], "Sub-indicator", *unodc.HEADER[5:], "Footnote")

    def with_columns(r: tuple, sub: str, footnote: str | None) -> tuple:
        return (*r[:5], sub, *r[5:], footnote)

    rows = [
        with_columns(row("6", category="Cambodia"), "Total", None),
        with_columns(row("4", category="Cambodia"), "Total", "Data from an NGO"),
        with_columns(
            row("9", category="Laos"), "Total", None
        ),  # a key's total and its parts by sub-indicator
        with_columns(row("5", category="Laos"), "Men", None),
        with_columns(row("4", category="Laos"), "Women", "Data from an NGO"),
    ]
    loaded = registry.load(write_glotip_csv(tmp_path / "g.csv", rows, header=header))
    assert loaded.rows_in == loaded.rows_kept + loaded.rows_rejected == 5
    assert loaded.data.select("source_row", "value").rows() == [(4, 6.0), (5, 4.0), (6, 9.0)]
    assert loaded.rejects.select("row", "column", "value", "reason").rows() == [
        (7, "Sub-indicator", "Men", unodc.REASON_UNREAD_BREAKDOWN),
        (8, "Sub-indicator", "Women", unodc.REASON_UNREAD_BREAKDOWN),
    ]
    assert loaded.flags.filter(pl.col("reason") == unodc.REASON_DUPLICATE)["row"].to_list() == [4, 5]


def test_a_footnote_on_a_breakdowns_total_does_not_hide_it(tmp_path: Path) -> None:
    """A new breakdown (``Area``: Total, Urban, Rural) whose total row alone carries a footnote (``Estimate``):
    the total is still told by its Area, the footnote column (no total in it) saying nothing of which row is the
    total, and the parts are rejected (were: the footnoted total not told as one, every row kept, the parts
    summed with it to twice the victims)."""
    header = (*unodc.HEADER[:9], "Area", *unodc.HEADER[9:], "Footnote")

    def with_columns(r: tuple, area: str | None, footnote: str | None) -> tuple:
        return (*r[:9], area, *r[9:], footnote)

    rows = [
        with_columns(row("190", dimension="Total", category="Total"), "Total", "Estimate"),  # line 4
        with_columns(row("120", dimension="Total", category="Total"), "Urban", None),
        with_columns(row("70", dimension="Total", category="Total"), "Rural", None),
    ]
    loaded = registry.load(write_glotip_csv(tmp_path / "g.csv", rows, header=header))
    assert loaded.rows_in == loaded.rows_kept + loaded.rows_rejected == 3
    assert loaded.data.select("source_row", "value").rows() == [(4, 190.0)]
    assert loaded.rejects.select("row", "column", "value", "reason").rows() == [
        (5, "Area", "Urban", unodc.REASON_UNREAD_BREAKDOWN),
        (6, "Area", "Rural", unodc.REASON_UNREAD_BREAKDOWN),
    ]


def test_the_real_release_with_a_new_column_written_total_and_footnotes_reads_as_published(
    shared_data: Path, glotip_2023, tmp_path: Path
) -> None:
    """The 2023 release saved as CSV with two columns a later release may add: ``Sub-indicator`` written Total
    in every row and a ``Footnote`` in every third row. Its 860 repeated keys are parts to be summed, as in the
    release: all 46,554 rows are kept, as published (were: 283 rows rejected as parts of a breakdown, a
    repeat without a footnote taken for their total)."""
    from _xlsx import sheet_as_csv

    path = sheet_as_csv(shared_data / REAL_FILE, tmp_path / "glotip.csv", "data_glotip_1")
    lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    assert lines[2].startswith("Iso3_code,")  # the header, on line 3
    lines[2] += ",Sub-indicator,Footnote"
    for index in range(3, len(lines)):
        lines[index] += ",Total," + ("Revised" if index % 3 == 0 else "")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (46_554, 46_554, 0)
    assert loaded.data.equals(glotip_2023.data)
    assert loaded.flags.equals(glotip_2023.flags)


def test_a_csv_cut_short_or_with_a_row_too_wide_rejects_those_rows_as_such(
    shared_data: Path, glotip_2023, tmp_path: Path
) -> None:
    """The release saved as CSV, a name written with an unquoted comma in one row (every later cell shifted) and
    the file cut short inside its last row (a download interrupted): each rejected for what it is (were read:
    the wide row rejected for the shifted cells' values, "not an Indicator..."; the cut row as "a note")."""
    from _xlsx import sheet_as_csv

    path = sheet_as_csv(shared_data / REAL_FILE, tmp_path / "glotip.csv", "data_glotip_1")
    lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    assert lines[4].startswith("AFG,Afghanistan,")  # line 5
    lines[4] = lines[4].replace("Afghanistan", "Afghanistan, Islamic Republic of", 1)
    path.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:12], encoding="utf-8")  # line 46,559 cut
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (46_554, 46_552, 2)
    structural = loaded.rejects.filter(pl.col("row").is_in([5, 46_559]))
    assert structural.select("row", "value", "reason").rows() == [
        (5, "14 fields", "too many fields (more than the header's 13)"),
        (46_559, "2 fields", "truncated row (fewer fields than the header's 13)"),
    ]
    assert loaded.data.equals(glotip_2023.data.filter(~pl.col("source_row").is_in([5, 46_559])))


# --- a header label with a footnote number (workbook.header_cell_key) ------------------------------------------


def test_a_header_whose_labels_carry_footnote_numbers_loads_as_the_plain_one(tmp_path: Path) -> None:
    """``Year¹``, ``txtVALUE [1]``: the header was not found (or the column read as absent)."""
    rows = [row(), row("12", category="Cambodia"), row("x"), row("3", year="2019")]
    marked = {
        "Year": "Year\u00b9",
        "txtVALUE": "txtVALUE [1]",
        "Country": "Country [2]",
        "Unit of measurement": "Unit*",
    }
    plain = registry.load(write_glotip_csv(tmp_path / "p.csv", rows))
    path = write_glotip_csv(tmp_path / "m.csv", rows, header=tuple(marked.get(h, h) for h in unodc.HEADER))
    assert registry.detect(path)[1] == unodc.LAYOUT_CSV
    loaded = registry.load(path)
    assert loaded.data.equals(plain.data)
    assert loaded.rejects.equals(plain.rejects) and loaded.flags.equals(plain.flags)
    assert loaded.provenance.notes == plain.provenance.notes


def test_a_bracketed_letter_after_the_value_label_is_no_footnote(tmp_path: Path) -> None:
    """``txtVALUE [k]`` may be a count in thousands: never read as the counts of ``txtVALUE``."""
    header = tuple("txtVALUE [k]" if h == "txtVALUE" else h for h in unodc.HEADER)
    path = write_glotip_csv(tmp_path / "g.csv", [row()], header=header)
    with pytest.raises(InputError, match=r"lacks the columns \['txtVALUE'\]"):
        registry.load(path)


# --- a label in two header cells; rows holding nothing -------------------------------------------------------


@pytest.mark.parametrize(
    ("second", "cells"),
    [("Year\u00b2", "J3 'Year\u00b9' and N3 'Year\u00b2'"), ("YEAR", "J3 'Year\u00b9' and N3 'YEAR'")],
)
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_label_in_two_header_cells_is_refused_naming_both(
    tmp_path: Path, second: str, cells: str, suffix: str
) -> None:
    """Two footnoted copies of one label (``Year¹``, ``Year²``: a revised column beside the superseded one), or
    a label repeated, were read by column order (the first), silently. Which is the one to read cannot be told
    from the file: refused, naming both cells. (The publisher's label before an alias stays: ``txtVALUE``.)"""
    header = (*(("Year\u00b9" if h == "Year" else h) for h in unodc.HEADER), second)
    rows = [(*row(), "2021"), (*row("12", category="Cambodia"), "2021")]
    path = write_glotip_csv(tmp_path / "g.csv", rows, header=header)
    if suffix == ".xlsx":
        import csv

        import openpyxl

        book = openpyxl.Workbook()
        for record in csv.reader(path.read_text(encoding="utf-8").splitlines()):
            book.active.append(record)
        path = tmp_path / "g.xlsx"
        book.save(path)
    with pytest.raises(InputError) as caught:
        registry.load(path)
    assert f"names the column 'Year' more than once ({cells})" in caught.value.message
    assert caught.value.row == 3


def test_the_publishers_value_label_is_read_before_its_alias(tmp_path: Path) -> None:
    header = (*unodc.HEADER, "VALUE")
    path = write_glotip_csv(tmp_path / "g.csv", [(*row("7"), "700")], header=header)
    assert registry.load(path).data["value"].to_list() == [7]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_rows_holding_nothing_are_left_out_counted_and_named(tmp_path: Path, suffix: str) -> None:
    """A cleared row among the rows (and below them) was dropped unsaid: now counted and named, in a CSV by its
    line and in a workbook by its row, as every loader does. A row with text in a column the loader does not
    read only is a row (was dropped unsaid): rejected for what it lacks."""
    empty = (None,) * len(unodc.HEADER)
    rows = [row(), empty, row("12", category="Cambodia"), empty]
    path = write_glotip_csv(tmp_path / "g.csv", rows)
    if suffix == ".xlsx":
        path = write_small_glotip(tmp_path / "g.xlsx", [("THA", "Myanmar", "7"), ("THA", "Cambodia", "12")])
        import openpyxl

        book = openpyxl.load_workbook(path)
        book.active.insert_rows(5)
        book.active.cell(row=7, column=1, value=" ")  # blanks only
        book.save(path)
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_left_out) == (2, 2, 2)
    assert loaded.data["source_row"].to_list() == [4, 6]
    unit = "line" if suffix == ".csv" else "row"
    assert [n for n in loaded.provenance.notes if n.endswith(f": {unit} 5, 7")], loaded.provenance.notes


def test_a_note_written_in_a_column_not_read_is_rejected_as_a_note(tmp_path: Path) -> None:
    """A row whose only text stands in a column the loader does not read (a note beside the table): was dropped
    unsaid, or kept with every field empty (a row of nothing among the indicators); now rejected as the note it
    is, under its column."""
    header = (*unodc.HEADER, "Comment")
    rows = [(*row(), ""), (*((None,) * 13), "see note 4"), (*row("12", category="Cambodia"), None)]
    loaded = registry.load(write_glotip_csv(tmp_path / "g.csv", rows, header=header))
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected, loaded.rows_left_out) == (3, 2, 1, 0)
    assert loaded.rejects.rows() == [(5, "Comment", "see note 4", unodc.REASON_NOTE)]


def test_a_row_with_text_only_beyond_the_header_is_rejected_not_left_out(tmp_path: Path) -> None:
    """A CSV row whose fields under the header are empty but that holds text beyond the header's last field has
    too many fields and is rejected as such: it was left out as a row holding nothing, its text lost unsaid."""
    empty = tuple([""] * len(unodc.HEADER))
    path = write_glotip_csv(tmp_path / "g.csv", [row(), (*empty, "see file"), (*empty, ""), row("12")])
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected, loaded.rows_left_out) == (3, 2, 1, 1)
    assert loaded.rejects.filter(pl.col("row") == 5)["reason"].str.starts_with("too many fields").all()


# --- the next release (release audit): forms of exploitation spelled otherwise, and new ones ---------------------


def test_a_form_of_exploitation_spelled_otherwise_is_the_published_form_and_a_new_form_is_flagged(
    tmp_path: Path,
) -> None:
    """The Category of the form breakdown was kept as written: "Sexual Exploitation", "FORCED LABOUR",
    "Forced labor" or "Sexual exploitation*" in a later release split one form into several columns of every
    table by form (and the footnote marker stayed in the text, unflagged). They are the documented forms now;
    a form the documentation does not name (``Forced criminality``) is kept as written and flagged."""
    forms = [
        "Sexual Exploitation",
        "FORCED  LABOUR",
        "Forced labor",
        "Sexual exploitation*",
        "other forms of exploitation",
        "Forced criminality",
    ]
    rows = [row(dimension="by form of exploitation", category=c, year=2010 + i) for i, c in enumerate(forms)]
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", rows))
    assert loaded.rows_rejected == 0
    assert loaded.data["category"].to_list() == [
        "Sexual exploitation",
        "Forced labour",
        "Forced labour",
        "Sexual exploitation",
        "Other forms of exploitation",
        "Forced criminality",
    ]
    flags = loaded.flags.select("row", "column", "value", "reason").rows()
    assert (7, "Category", "Sexual exploitation*", unodc.REASON_FOOTNOTE) in flags
    assert (9, "Category", "Forced criminality", unodc.REASON_NEW_FORM) in flags
    assert [f for f in flags if f[0] not in (7, 9)] == []


def test_the_real_release_writes_the_documented_forms_only(glotip_2023) -> None:
    forms = glotip_2023.data.filter(pl.col("dimension") == "by form of exploitation")["category"].unique()
    assert sorted(forms.to_list()) == sorted(unodc.FORMS)
    assert not glotip_2023.flags.filter(pl.col("reason") == unodc.REASON_NEW_FORM).height


def test_the_real_releases_small_counts_are_one_to_four_never_missing_nor_five(glotip_2023) -> None:
    """Bhutan's ``<5`` cells of the 2023 release (its detected victims of 2017 among them): a count between 1 and
    4, censored, kept as data; half the release's cells are such."""
    bhutan = glotip_2023.data.filter(
        (pl.col("iso3") == "BTN") & (pl.col("year") == 2017) & (pl.col("indicator") == DTV)
    ).filter((pl.col("dimension") == "Total") & (pl.col("sex") == "Total") & (pl.col("age") == "Total"))
    assert bhutan.select("value", "value_low", "value_high", "censored").rows() == [(None, 1.0, 4.0, True)]
    censored = glotip_2023.data.filter(pl.col("censored"))
    assert censored.height == 23_076
    assert censored["value"].null_count() == censored.height
    assert set(censored["value_low"]) == {1.0} and set(censored["value_high"]) == {4.0}


def test_an_aggregate_whose_name_a_release_writes_is_still_no_country(tmp_path: Path) -> None:
    """The 2023 release leaves the Country of its aggregates empty (CAR, SAM, EEU...); a release writing their
    names (``Caribbean``) loaded their rows as countries with codes no country has (956 rows of the real release
    so edited), to be summed with the countries in every cross-country table. A reporting code the country
    reference does not know is no country's, whatever the Country cell says."""
    rows = [
        row(iso3="CAR", country="Caribbean"),
        row(iso3="SAM", country="South America", year=2019),
        row(iso3="EEU", country="Eastern Europe", year=2018),
        row(iso3="THA", country="Thailand", year=2017),
        row(iso3="XKX", country="Kosovo under UNSCR 1244", year=2016),
    ]
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", rows))
    assert loaded.rows_kept == 5
    assert loaded.data.select("iso3", "reporting_code").rows() == [
        (None, "CAR"),
        (None, "SAM"),
        (None, "EEU"),
        ("THA", "THA"),
        ("XKX", "XKX"),
    ]
    flagged = loaded.flags.filter(pl.col("reason") == unodc.REASON_AGGREGATE)
    assert flagged.select("row", "value").rows() == [(4, "CAR"), (5, "SAM"), (6, "EEU")]


def test_a_code_the_reference_knows_under_another_is_that_country_when_its_name_agrees(
    tmp_path: Path,
) -> None:
    """A release writing Kosovo as ``KOS`` (Kelley's and the IOC's code; the reference's is ``XKX``) or Romania
    under ISO's withdrawn ``ROM`` is that country when the Country cell names it too (with a note), not an
    aggregate; a code the Country cell contradicts stays no country's."""
    rows = [
        row(iso3="KOS", country="Kosovo under UNSCR 1244", published_region=False),
        row(iso3="ROM", country="Romania", year=2019, published_region=False),
        row(iso3="ROM", country="Caribbean", year=2018),
    ]
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", rows))
    assert loaded.data.select("iso3", "reporting_code").rows() == [
        ("XKX", "KOS"),
        ("ROU", "ROM"),
        (None, "ROM"),
    ]
    assert any("KOS as XKX" in n and "ROM as ROU" in n for n in loaded.provenance.notes)
    assert loaded.flags.filter(pl.col("reason") == unodc.REASON_AGGREGATE)["row"].to_list() == [6]
    assert loaded.data["region"].to_list()[:2] == ["Europe", "Europe"]


@pytest.mark.parametrize(
    ("unit", "count"),
    [
        ("Number of victims", True),
        ("Count of victims", True),
        ("Counts (persons)", True),
        ("Number of persons convicted", True),
        ("Persons", True),
        ("Victims", True),
        ("Cases", True),
        ("Rate per 100,000 population", False),
        ("Number per 100,000 population", False),
        ("Number (thousands)", False),
        ("Persons ('000)", False),
        ("Percentage", False),
        ("Share of victims (%)", False),
        ("Number of victims per 100,000", False),
        ("Euros", False),
    ],
)
def test_a_count_unit_named_by_what_it_counts_is_a_count_and_a_rate_or_multiplier_is_not(
    tmp_path: Path, unit: str, count: bool
) -> None:
    """A release naming its unit by what it counts (``Number of victims``, ``Counts (persons)``) had every row
    rejected as in another unit: the whole release lost. A unit of counting words is a count; one naming a rate,
    a share or a multiplier (``per 100,000``, ``%``, ``thousands``, ``'000``) is not."""
    loaded = unodc.load(
        write_glotip(tmp_path / "u.xlsx", [row("1,541", dimension="Total", category="Total", unit=unit)])
    )
    if count:
        assert loaded.rejects.is_empty() and loaded.data.select("value", "unit").rows() == [
            (1541.0, "Counts")
        ]
    else:
        assert loaded.data.is_empty()
        assert loaded.rejects.select("column", "value", "reason").rows() == [
            ("Unit of measurement", unit, unodc.REASON_UNIT)
        ]


@pytest.mark.parametrize(
    ("written", "indicator"),
    [
        ("Detected victims of trafficking in persons", DTV),
        ("Detected victims of trafficking", DTV),
        ("Detected victims", DTV),
        ("Victims of trafficking in persons detected", DTV),
        ("Persons convicted of trafficking in persons", "Persons convicted"),
        ("Persons prosecuted for trafficking in persons", "Persons prosecuted"),
        (
            "Persons brought into formal contact with the police and/or criminal justice system",
            "Persons brought into formal contact",
        ),
        ("Offenses of trafficking in persons", "Offences of trafficking in persons"),
        ("Trafficking in persons offences", "Offences of trafficking in persons"),
    ],
)
def test_an_indicator_worded_as_unodc_words_it_elsewhere_is_the_published_one(
    tmp_path: Path, written: str, indicator: str
) -> None:
    """UNODC words its indicators otherwise in its reports and crime statistics (``Persons brought into formal
    contact with the police and/or criminal justice system``); a release so worded had every row of that
    indicator rejected as outside the vocabulary. An explicit list of such wordings, never a fuzzy match."""
    loaded = unodc.load(write_glotip(tmp_path / "i.xlsx", [row(indicator=written)]))
    assert loaded.rejects.is_empty() and loaded.data["indicator"].to_list() == [indicator]


@pytest.mark.parametrize(
    "written", ["Victims", "Persons", "Persons arrested", "Detected victims of homicide"]
)
def test_other_indicators_stay_outside_the_vocabulary(tmp_path: Path, written: str) -> None:
    loaded = unodc.load(write_glotip(tmp_path / "i.xlsx", [row(indicator=written), row()]))
    assert loaded.rejects.select("column", "value").rows() == [("Indicator", written)]


@pytest.mark.parametrize(
    ("written", "dimension", "category"),
    [
        ("by nationality", "by citizenship", "Myanmar"),
        ("by country of citizenship", "by citizenship", "Myanmar"),
        ("by type of exploitation", "by form of exploitation", "Forced labour"),
        ("by forms of exploitation", "by form of exploitation", "Forced labour"),
        ("by exploitation type", "by form of exploitation", "Forced labour"),
    ],
)
def test_a_dimension_worded_otherwise_is_the_published_one(
    tmp_path: Path, written: str, dimension: str, category: str
) -> None:
    """A release writing ``by nationality`` or ``by type of exploitation`` had those rows rejected as outside the
    vocabulary; an explicit list of such wordings reads them as the published dimensions (citizenships mapped)."""
    loaded = unodc.load(write_glotip(tmp_path / "d.xlsx", [row(dimension=written, category=category)]))
    assert loaded.rejects.is_empty()
    assert loaded.data.select("dimension", "category").rows() == [(dimension, category)]
    if dimension == "by citizenship":
        assert loaded.data["category_iso3"].to_list() == ["MMR"]


@pytest.mark.parametrize(
    ("category", "iso3", "unmapped"),
    [
        ("Unknown citizenship", None, False),
        ("Citizenship unknown", None, False),
        ("Nationality unknown", None, False),
        ("Not known", None, False),
        ("Not stated", None, False),
        ("Foreign victims", None, False),
        ("Other foreign nationals", None, False),
        ("Nationals of the country", "THA", False),
        ("Citizens of the reporting country", "THA", False),
        ("Domestic victims", "THA", False),
        ("Atlantis", None, True),
    ],
)
def test_citizenships_a_release_words_otherwise_name_no_country_or_the_reporting_one(
    tmp_path: Path, category: str, iso3: str | None, unmapped: bool
) -> None:
    """Wordings of an unknown citizenship, of foreign nationals without a country and of the reporting country's
    own nationals were flagged as not mapped (listed for a person to map, their victims counted as unmapped)."""
    loaded = unodc.load(write_glotip(tmp_path / "c.xlsx", [row(category=category)]))
    assert loaded.data["category_iso3"].to_list() == [iso3]
    flagged = loaded.flags.filter(pl.col("reason") == unodc.REASON_UNMAPPED["citizenship"]).height
    assert flagged == int(unmapped)


def test_a_country_row_without_its_code_is_that_country_when_its_name_maps(tmp_path: Path) -> None:
    """A release leaving a country's code empty (a newly reporting country, a code lost in a copy) loaded its rows
    as an aggregate's: no country's. Its Country cell naming one country gives the code, and the row is flagged;
    a name the reference does not know (Sark) stays no country's."""
    rows = [
        row(iso3=None, country="Türkiye", published_region=False),
        row(iso3=None, country="Sark", year=2019),
        row(iso3="THA", country="Thailand", year=2018),
    ]
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", rows))
    assert loaded.data.select("iso3", "reporting_code", "region").rows() == [
        ("TUR", None, "Asia"),
        (None, None, "Asia"),
        ("THA", "THA", "Asia"),
    ]
    flags = loaded.flags.select("row", "column", "value", "reason").rows()
    assert (4, "Country", "Türkiye", unodc.REASON_CODE_FROM_NAME) in flags
    assert (5, "Iso3_code", None, unodc.REASON_AGGREGATE) in flags
    assert [f for f in flags if f[0] == 6] == []


def test_a_reporting_code_its_country_name_contradicts_is_flagged(tmp_path: Path) -> None:
    """A row coded ``TKM`` (Turkmenistan) whose Country says Türkiye was kept unsaid as Turkmenistan's figure. It
    is kept as coded and flagged; a name the reference does not know says nothing."""
    rows = [
        row(iso3="TKM", country="Türkiye"),
        row(iso3="TUR", country="Türkiye", year=2019),
        row(iso3="THA", country="Somewhere", year=2018),
    ]
    loaded = unodc.load(write_glotip(tmp_path / "g.xlsx", rows))
    assert loaded.data["iso3"].to_list() == ["TKM", "TUR", "THA"]
    assert loaded.flags.filter(pl.col("reason") == unodc.REASON_NAME_DISAGREES).select(
        "row", "value"
    ).rows() == [(4, "Türkiye")]


def test_every_reporting_country_of_the_real_release_agrees_with_its_code(glotip_2023) -> None:
    assert glotip_2023.flags.filter(pl.col("reason") == unodc.REASON_NAME_DISAGREES).is_empty()


def test_a_later_releases_new_breakdown_is_rejected_naming_its_own_columns_vocabulary(
    shared_data: Path, tmp_path: Path
) -> None:
    """Rows of the real release given a dimension and a sex no release has had (a later release's new
    breakdown): rejected, each reason naming its own column's vocabulary and the other spellings read of that
    column. Every column's reason said 'other spellings of an age group such as 0-17 years' are read: a new
    Dimension was told about age groups."""
    import openpyxl

    book = openpyxl.load_workbook(shared_data / REAL_FILE, read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(max_row=60, values_only=True)]
    book.close()
    header = rows[2]
    rows[10][header.index("Dimension")] = "by age group"  # sheet row 11
    rows[11][header.index("Sex")] = "Non-binary"  # sheet row 12
    variant = openpyxl.Workbook()
    for row in rows:
        variant.active.append(row)
    variant.save(tmp_path / "data_glotip.xlsx")
    loaded = unodc.load(tmp_path / "data_glotip.xlsx")
    assert loaded.rows_in == loaded.rows_kept + loaded.rows_rejected == 57
    reasons = dict(loaded.rejects.select("column", "reason").iter_rows())
    assert loaded.rejects.select("row", "column", "value").rows() == [
        (11, "Dimension", "by age group"),
        (12, "Sex", "Non-binary"),
    ]
    assert reasons["Dimension"].startswith("not a Dimension of the GLOTIP vocabulary (Total, by form of")
    assert "by nationality" in reasons["Dimension"] and "age group" not in reasons["Dimension"]
    assert "Female, Male" in reasons["Sex"] and "spellings" not in reasons["Sex"]
    assert "0-17 years" in unodc.REASON_VOCABULARY["Age"]


@pytest.mark.parametrize(
    ("female", "male", "total"),
    [("Females", "Males", "Both sexes"), ("FEMALES", "males", "Both Sexes")],
)
def test_sexes_spelled_in_the_plural_or_both_sexes_are_the_published_ones(
    shared_data: Path, glotip_2023, tmp_path: Path, female: str, male: str, total: str
) -> None:
    """A release writing the UN's plural names of the sexes and "Both sexes" for their total (as UN statistical
    tables do) is the same table: the 2023 release's 17,866 Female and Male rows were rejected as "not a Sex of the
    GLOTIP vocabulary", as a release spelling its ages otherwise was before."""
    path = real_with_strings(shared_data, tmp_path / "v.xlsx", {"Female": female, "Male": male})
    loaded = registry.load(path)
    assert loaded.data.equals(glotip_2023.data)
    assert loaded.rejects.equals(glotip_2023.rejects)
    written = unodc.load(write_glotip(tmp_path / "u.xlsx", [row(sex=total)]))
    assert written.rejects.is_empty() and written.data["sex"].to_list() == ["Total"]


@pytest.mark.parametrize("sex", ["Women", "Girls", "Both", "Men and boys"])
def test_sexes_that_mix_in_an_age_or_name_no_sex_are_still_rejected(tmp_path: Path, sex: str) -> None:
    """ "Women" or "Girls" is a sex and an age group: never read as Female, which counts every age."""
    loaded = unodc.load(write_glotip(tmp_path / "u.xlsx", [row(sex=sex)]))
    assert loaded.rejects.select("column", "value", "reason").rows() == [
        ("Sex", sex, unodc.REASON_VOCABULARY["Sex"])
    ]


# --- a year column of dates ------------------------------------------------------------------------------------


def real_with_years_as_dates(shared_data: Path, target: Path, *, day: int = 1) -> Path:
    """The real release with every Year cell (column J) a date shown as its year: the serial number of ``day``
    January of it, styled by a year-only number format (``yyyy``), as a workbook whose Year column was typed or
    exported as dates holds it."""
    import re

    from _xlsx import rewrite, sheet_part

    def sheet(xml: bytes) -> bytes:
        def cell(match: re.Match[bytes]) -> bytes:
            serial = (dt.date(int(match.group(2)), 1, day) - dt.date(1899, 12, 30)).days
            return match.group(1) + f' s="2"><v>{serial}</v></c>'.encode()

        xml, cells = re.subn(rb'(<c r="J\d+")><v>(\d{4})</v></c>', cell, xml)
        assert cells == 46_556
        return xml

    def styles(xml: bytes) -> bytes:
        # a number format "yyyy" and a cell style (index 2) using it
        xml = re.sub(
            rb"(<styleSheet[^>]*>)",
            rb'\1<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy"/></numFmts>',
            xml,
            count=1,
        )
        xf = b'<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        return xml.replace(b'<cellXfs count="2">', b'<cellXfs count="3">').replace(
            b"</cellXfs>", xf + b"</cellXfs>"
        )

    source = shared_data / REAL_FILE
    return rewrite(source, target, {sheet_part(source, "data_glotip_1"): sheet, "xl/styles.xml": styles})


def test_a_year_column_of_dates_shown_as_years_loads_as_the_release(
    shared_data: Path, glotip_2023, tmp_path: Path
) -> None:
    """A release whose Year cells are dates (1 January, shown "2019" by a year-only format: a column typed or
    exported as dates) is the same table, said once in a note: every one of its 46,556 rows was rejected as "year
    missing or not a year" (calamine reads such a cell as a date, 2019-01-01 00:00:00)."""
    loaded = registry.load(real_with_years_as_dates(shared_data, tmp_path / "dated.xlsx"))
    assert loaded.data.equals(glotip_2023.data)
    assert loaded.rejects.equals(glotip_2023.rejects) and loaded.flags.equals(glotip_2023.flags)
    assert loaded.rows_left_out == glotip_2023.rows_left_out
    assert set(loaded.provenance.notes) - set(glotip_2023.provenance.notes) == {
        years_from_dates_note("Year", 46_556)
    }


def test_a_year_cell_holding_another_day_is_still_not_a_year(tmp_path: Path) -> None:
    """Only 1 January is a year written as a date: another day (30 June 2019) names a date, whose year may not be
    the figure's reference year; rejected as before, the date shown."""
    rows = [row(year=dt.datetime(2019, 6, 30)), row(year=dt.datetime(2019, 1, 1), category="Lao PDR")]
    loaded = unodc.load(write_glotip(tmp_path / "u.xlsx", rows))
    assert loaded.data["year"].to_list() == [2019]
    assert loaded.rejects.select("row", "column", "value", "reason").rows() == [
        (4, "Year", "2019-06-30 00:00:00", unodc.REASON_YEAR)
    ]
    assert years_from_dates_note("Year", 1) in loaded.provenance.notes
