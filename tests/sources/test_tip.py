"""US TIP tier loader: Kelley's coding (hand-made sample and the real file) and the simple CSV layout."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.core.errors import InputError, UnknownFormatError
from evidence.sources import registry, tip
from evidence.sources.delimited import DELIMITERS
from evidence.sources.registry import FileHead
from evidence.sources.workbook import NOT_AVAILABLE, years_from_dates_note

REAL_FILE = "tip/tip_tiers_1999_2015.csv"


def test_sniffs_both_layouts(fixtures: Path, tmp_path: Path) -> None:
    assert tip.sniff(FileHead(fixtures / "tip" / "tiers_kelley_layout.csv")) == tip.KELLEY_LAYOUT
    assert tip.sniff(FileHead(fixtures / "tip" / "tiers_simple.csv")) == tip.SIMPLE_LAYOUT
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbfISO3,Report_Year,Tier\r\nXAA,2020,Tier 1\r\n")
    assert tip.sniff(FileHead(tmp_path / "bom.csv")) == tip.SIMPLE_LAYOUT
    assert registry.load(tmp_path / "bom.csv").data.select("iso3", "report_year", "tier").row(0) == (
        "XAA",
        2020,
        "Tier 1",
    )
    (tmp_path / "other.csv").write_text("iso3,report_year,tier\nXAA,2020,3\n".replace("tier", "tiers"))
    assert tip.sniff(FileHead(tmp_path / "other.csv")) is None


def test_kelley_layout(fixtures: Path) -> None:
    loaded = registry.load(fixtures / "tip" / "tiers_kelley_layout.csv")
    assert loaded.kind == "tier" and loaded.provenance.source == "us_tip_tiers"
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (6, 6, 0)
    data = loaded.data
    assert data.schema == pl.Schema(tip.TIER_SCHEMA)
    exa = data.filter(pl.col("iso3") == "XAA")
    assert exa["tier"].to_list() == [None, "Tier 1", "Tier 2 Watch List", "Tier 3", "Tier 2"]
    assert exa["tier_label"].to_list() == [None, "Tier 1", "Watchlist", "Tier 3", "Tier 2"]
    assert exa["special_case"].to_list() == ["not ranked", None, None, None, None]
    assert data.filter(pl.col("iso3") == "XAB")["country"].item() == "Other, Republic of"
    assert data.filter(pl.col("iso3") == "XAB")["special_case"].item() == "not ranked"


def test_rows_with_the_wrong_number_of_fields_are_rejected_not_read_as_not_ranked(tmp_path: Path) -> None:
    (tmp_path / "k.csv").write_text(
        "countryname,iso,year,ccode,tier\n"
        "Thailand,THA,2001,800,Tier 2\n"
        "Malaysia,MYS,2001\n"  # line 3: truncated; its empty tier would read as "not ranked"
        "\n"  # line 4: no record
        '"Korea, Republic of",KOR,2001,732,Tier 1\n'
        "Japan,JPN,2001,740,Tier 1,extra\n"  # line 6
    )
    loaded = registry.load(tmp_path / "k.csv")
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (4, 2, 2)
    assert loaded.rejects.select("row", "value").rows() == [(3, "3 fields"), (6, "6 fields")]
    assert sorted(loaded.data["source_row"].to_list()) == [2, 5]
    assert loaded.provenance.notes == ("1 blank line(s) ignored (no record): line 4",)
    assert loaded.rows_left_out == 1


def test_simple_layout(fixtures: Path) -> None:
    loaded = registry.load(fixtures / "tip" / "tiers_simple.csv")
    assert loaded.provenance.layout == tip.SIMPLE_LAYOUT and loaded.provenance.release == "2016-2018"
    assert (loaded.rows_in, loaded.rows_rejected) == (8, 0)
    by_iso = {(r["iso3"], r["report_year"]): r for r in loaded.data.iter_rows(named=True)}
    assert by_iso[("XAC", 2018)]["tier"] == "Tier 2 Watch List"
    assert by_iso[("XAC", 2018)]["tier_label"] == "tier 2 watchlist"
    assert by_iso[("XAD", 2018)]["tier"] == "Tier 1" and by_iso[("XAD", 2018)]["tier_label"] == "Tier 1"
    assert (by_iso[("XAE", 2018)]["tier"], by_iso[("XAE", 2018)]["special_case"]) == (None, "Special Case")
    assert (by_iso[("XAF", 2018)]["tier"], by_iso[("XAF", 2018)]["special_case"]) == (None, "not ranked")


def test_tiers_are_ordered(fixtures: Path) -> None:
    data = registry.load(fixtures / "tip" / "tiers_simple.csv").data.filter(pl.col("tier").is_not_null())
    ordered = data.sort("tier")["tier"].to_list()
    assert ordered == sorted(ordered, key=tip.TIERS.index)
    assert data.filter(pl.col("tier") > "Tier 2")["tier"].unique().sort().to_list() == [
        "Tier 2 Watch List",
        "Tier 3",
    ]


def test_simple_layout_defects_are_rejected_or_flagged(fixtures: Path) -> None:
    loaded = registry.load(fixtures / "tip" / "tiers_simple_defects.csv")
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (6, 3, 3)
    rejected = {(r["row"], r["reason"]) for r in loaded.rejects.iter_rows(named=True)}
    assert rejected == {(3, tip.REASON_ISO3), (4, tip.REASON_YEAR), (5, tip.REASON_TIER)}
    flags = loaded.flags
    assert set(flags.filter(pl.col("reason") == tip.REASON_DUPLICATE)["row"]) == {6, 7}
    # XAA and XAC are codes of no country (ISO's user-assigned range): kept, flagged
    assert set(flags.filter(pl.col("reason") == tip.REASON_UNKNOWN_CODE)["row"]) == {2, 6, 7}
    assert set(flags["reason"]) == {tip.REASON_DUPLICATE, tip.REASON_UNKNOWN_CODE}


def test_empty_tier_in_simple_layout_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("iso3,report_year,tier\nXAA,2020,\nXAB,2020,Tier 1\n")
    loaded = registry.load(tmp_path / "t.csv")
    assert (loaded.rows_kept, loaded.rows_rejected) == (1, 1)


# --- the real Kelley file -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kelley(real_loaded):
    return real_loaded(REAL_FILE)


def test_real_file_accounting(kelley) -> None:
    assert kelley.provenance.layout == tip.KELLEY_LAYOUT
    assert (kelley.rows_in, kelley.rows_kept, kelley.rows_rejected) == (3208, 3208, 0)
    assert set(kelley.data["tier"].drop_nulls().unique()) == set(tip.TIERS)


def test_real_file_thailand_history(kelley) -> None:
    tha = kelley.data.filter(pl.col("iso3") == "THA", pl.col("tier").is_not_null()).sort("report_year")
    expected = (
        {y: "Tier 2" for y in range(2001, 2004)}
        | {2004: "Tier 2 Watch List"}
        | {y: "Tier 2" for y in range(2005, 2010)}
        | {y: "Tier 2 Watch List" for y in range(2010, 2014)}
        | {2014: "Tier 3", 2015: "Tier 3"}
    )
    assert dict(zip(tha["report_year"], tha["tier"], strict=True)) == expected
    assert set(kelley.data.filter(pl.col("iso3") == "THA", pl.col("report_year") < 2001)["special_case"]) == {
        "not ranked"
    }


# --- headers as users re-save them; a Kelley file extended with later reports ----------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "Country,ISO3,Report Year,Tier",
        "ISO-3,Report_Year,TIER",
        '"iso3" , "report year" , "Tier"',
        "tier,report_year,iso3,country",
    ],
)
def test_simple_layout_headers_compare_by_key(tmp_path: Path, header: str) -> None:
    cells = [c.strip().strip('"').strip() for c in header.split(",")]
    values = {"iso3": "THA", "reportyear": "2024", "tier": "Tier 2", "country": "Thailand"}
    line = ",".join(values["".join(ch for ch in c.lower() if ch.isalnum())] for c in cells)
    (tmp_path / "t.csv").write_text(f"{header}\n{line}\n")
    loaded = registry.load(tmp_path / "t.csv")
    assert loaded.provenance.layout == tip.SIMPLE_LAYOUT
    assert loaded.data.select("iso3", "report_year", "tier").row(0) == ("THA", 2024, "Tier 2")
    assert not any("not used" in n for n in loaded.provenance.notes)


def test_other_columns_are_read_past_and_named(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(
        "iso3,report_year,tier,country,notes,Source page\nTHA,2024,Tier 2,Thailand,upgraded,p. 512\n"
    )
    loaded = registry.load(tmp_path / "t.csv")
    assert (loaded.rows_kept, loaded.rows_rejected) == (1, 0)
    assert loaded.data["country"].to_list() == ["Thailand"]
    assert "columns not used: notes, Source page" in loaded.provenance.notes


@pytest.mark.parametrize("header", ["iso3,report_year,Tier,tier", "iso3,report_year,tier,tier"])
def test_a_column_named_twice_is_refused(tmp_path: Path, header: str) -> None:
    (tmp_path / "t.csv").write_text(f"{header}\nTHA,2024,Tier 2,Tier 3\n")
    with pytest.raises(InputError, match="names the column 'tier' more than once"):
        registry.load(tmp_path / "t.csv")


def _kelley_extended(shared_data: Path, tmp_path: Path, years: range) -> Path:
    lines = "".join(f'"Thailand","THA",{y},800,"Tier 2    "\n' for y in years)
    path = tmp_path / "kelley_ext.csv"
    path.write_bytes((shared_data / REAL_FILE).read_bytes() + lines.encode())
    return path


def test_a_kelley_file_extended_with_later_reports_is_released_as_its_span(
    shared_data: Path, tmp_path: Path
) -> None:
    from evidence.sources.checks import check_values, year_span

    loaded = registry.load(_kelley_extended(shared_data, tmp_path, range(2016, 2025)))
    p = loaded.provenance
    assert p.layout == tip.KELLEY_LAYOUT and p.release == "1999-2024"
    # her rows of 1999 and 2000 rank no country: the reader is told the reports that placed one
    assert p.label == "US TIP Report tiers (Kelley's coding), reports of 2001\u20132024"
    assert "reports of 2001\u20132024" in p.citation and "Kelley, Judith G. 2017" in p.citation
    assert p.date_published == ""  # not Kelley's 2017 publication: the file's span is no release of hers
    assert any("report years 2016\u20132024 are not in Kelley's coding" in n for n in p.notes)
    # one span everywhere: the release, its label and the value checks
    assert year_span(loaded) == (1999, 2024)
    assert check_values(loaded).height == 0
    assert loaded.data.filter(pl.col("iso3") == "THA")["report_year"].max() == 2024


def test_the_real_kelley_file_keeps_its_release_and_checks_its_own_span(kelley) -> None:
    from evidence.sources.checks import year_span

    p = kelley.provenance
    assert p.release == tip.KELLEY_RELEASE == "1999-2015" and p.date_published == "2017"
    assert year_span(kelley) == (1999, 2015)  # not up to 2017, the year Kelley published
    assert not any("not in Kelley's coding" in n for n in p.notes)
    assert not any("not used" in n for n in p.notes)  # ccode is part of her layout


def test_the_real_kelley_file_tells_the_reports_its_rankings_come_from(kelley) -> None:
    """Her file's rows run 1999-2015, but those of 1999 and 2000 rank no country (the first report placed countries
    in 2001): the brief's sources said "reports of 1999\u20132015" beside rankings of 2001\u20132015. The release stays
    the file's (its checks, its catalogue entry); what a reader is told of its coverage is the years ranked."""
    p = kelley.provenance
    ranked = kelley.data.filter(pl.col("tier").is_not_null())["report_year"]
    assert (int(ranked.min()), int(ranked.max())) == (2001, 2015)  # type: ignore[arg-type]
    assert p.release == "1999-2015"
    assert p.release_label == "reports of 2001\u20132015"
    assert p.label == "US TIP Report tiers (Kelley's coding), reports of 2001\u20132015"
    assert "reports of 2001\u20132015" in p.citation and "1999" not in p.citation


def test_a_kelley_layout_with_columns_reordered_and_capitalised(tmp_path: Path) -> None:
    (tmp_path / "k.csv").write_text(
        "Tier,Year,ISO,CCode,Country Name,comment\nTier 1,2020,XAA,999,Exampleland,x\n"
    )
    loaded = registry.load(tmp_path / "k.csv")
    assert loaded.provenance.layout == tip.KELLEY_LAYOUT and loaded.provenance.release == "2020"
    assert loaded.data.select("iso3", "country", "report_year", "tier").row(0) == (
        "XAA",
        "Exampleland",
        2020,
        "Tier 1",
    )
    assert "columns not used: comment" in loaded.provenance.notes


# --- semicolons and other spellings (review 6: m1, m2) ------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_semicolon_or_tab_delimited_file_reads_as_the_comma_one(tmp_path: Path, delimiter: str) -> None:
    rows = [
        ["countryname", "iso", "year", "ccode", "tier"],
        ["Afghanistan", "AFG", "2001", "700", "NA"],
        ["Thailand", "THA", "2014", "800", '"Tier 3"'],
    ]
    path = tmp_path / "tiers.csv"
    path.write_text("\ufeff" + "\n".join(delimiter.join(r) for r in rows) + "\n", encoding="utf-8")
    assert tip.sniff(FileHead(path)) == tip.KELLEY_LAYOUT
    loaded = registry.load(path)
    assert loaded.data.select("iso3", "report_year", "tier", "special_case").rows() == [
        ("AFG", 2001, None, tip.NOT_RANKED),
        ("THA", 2014, "Tier 3", None),
    ]
    assert any("not commas" in n for n in loaded.provenance.notes)


@pytest.mark.parametrize(
    ("label", "tier", "special"),
    [
        ("Tier 2 WL", "Tier 2 Watch List", None),
        ("Tier 2 (Watch List)", "Tier 2 Watch List", None),
        ("Tier 2 Watch-List", "Tier 2 Watch List", None),
        ("T2WL", "Tier 2 Watch List", None),
        ("Tier 2 Watch List*", "Tier 2 Watch List", None),
        ("Tier 3\u00b9", "Tier 3", None),
        ("Special Case (Yemen)", None, tip.SPECIAL_CASE),
        # the footnote markers every loader shares (workbook.FOOTNOTE_MARKER)
        ("Tier 1 [a]", "Tier 1", None),
        ("Tier 1[1]", "Tier 1", None),
        ("Tier 2#", "Tier 2", None),
        ("Tier 3 *\u2020", "Tier 3", None),
        ("Tier 2 Watch List \u2021", "Tier 2 Watch List", None),
        # a known spelling is not read as a label with a note
        ("Tier 2 [WL]", "Tier 2 Watch List", None),
        # the tier's number written against its word (were not recognised)
        ("Tier3", "Tier 3", None),
        ("TIER1", "Tier 1", None),
        ("Tier2 Watch List", "Tier 2 Watch List", None),
        ("Tier2WL", "Tier 2 Watch List", None),
    ],
)
def test_published_tier_spellings_are_read(
    tmp_path: Path, label: str, tier: str | None, special: str | None
) -> None:
    path = tmp_path / "tiers.csv"
    path.write_text(f'iso3,report_year,tier\nYEM,2023,"{label}"\n', encoding="utf-8")
    loaded = tip.load(path, tip.SIMPLE_LAYOUT)
    assert loaded.rows_rejected == 0
    assert loaded.data.select("tier", "special_case", "tier_label").row(0) == (tier, special, label)


@pytest.mark.parametrize("code", ["1", "2", "2.5", "3"])
def test_a_numeric_tier_is_refused_with_its_own_reason(tmp_path: Path, code: str) -> None:
    """The reports (and the project's docs) define no numeric tier code: refused, naming why."""
    path = tmp_path / "tiers.csv"
    path.write_text(f"iso3,report_year,tier\nTHA,2016,{code}\n", encoding="utf-8")
    loaded = tip.load(path, tip.SIMPLE_LAYOUT)
    assert loaded.rejects.select("row", "value", "reason").rows() == [(2, code, tip.REASON_NUMERIC_TIER)]


@pytest.mark.parametrize(
    ("label", "tier"),
    [
        ("Tier 3 (auto-downgraded)", "Tier 3"),
        ("Tier 2 Watch List (auto downgrade)", "Tier 2 Watch List"),
        ("Tier 2 WL - auto-downgraded", "Tier 2 Watch List"),
        ("Tier 3 - Automatic Downgrade", "Tier 3"),
        ("Tier 3 [automatically downgraded]", "Tier 3"),
        ("Tier 3* (auto-downgraded)", "Tier 3"),
        ("Tier 3 (auto-downgraded)\u00b9", "Tier 3"),
    ],
)
def test_a_tier_with_the_automatic_downgrade_written_after_it_is_read_and_flagged(
    tmp_path: Path, label: str, tier: str
) -> None:
    """TIP Report compilations and later hand-made tables mark the automatic downgrade (a country two
    consecutive years on the Watch List moves to Tier 3) after the tier: the tier it names is read, the label
    kept as written and the row flagged (they were rejected as not recognised)."""
    path = tmp_path / "tiers.csv"
    path.write_text(
        f'iso3,report_year,tier\nCHN,2017,"{label}"\nTHA,2017,Tier 2 Watch List\n', encoding="utf-8"
    )
    loaded = tip.load(path, tip.SIMPLE_LAYOUT)
    assert loaded.rows_rejected == 0
    assert loaded.data.select("iso3", "tier", "special_case", "tier_label").rows() == [
        ("CHN", tier, None, label),
        ("THA", "Tier 2 Watch List", None, "Tier 2 Watch List"),
    ]
    assert loaded.flags.select("row", "column", "value", "reason").rows() == [
        (2, "tier", label, tip.REASON_TIER_QUALIFIED)
    ]


@pytest.mark.parametrize(
    ("label", "reason"),
    [
        ("Tier 2 (provisional)", "REASON_TIER"),  # other words after a tier are still not read past
        ("auto-downgraded", "REASON_TIER"),  # a qualifier without a tier
        ("Tier 2 Watch List (auto-downgraded to Tier 3)", "REASON_TIER"),  # which one? not guessed
        ("3 (auto-downgraded)", "REASON_NUMERIC_TIER"),  # a numeric tier stays refused, qualifier or not
        ("Special Case (auto-downgraded)", None),  # a special case is one, not a qualified tier
    ],
)
def test_a_qualifier_reads_no_tier_that_is_not_written(
    tmp_path: Path, label: str, reason: str | None
) -> None:
    path = tmp_path / "tiers.csv"
    path.write_text(f'iso3,report_year,tier\nCHN,2017,"{label}"\n', encoding="utf-8")
    loaded = tip.load(path, tip.SIMPLE_LAYOUT)
    if reason is None:
        assert loaded.data.select("tier", "special_case").row(0) == (None, tip.SPECIAL_CASE)
        assert loaded.flags.is_empty()
    else:
        assert loaded.rejects.select("row", "value", "reason").rows() == [(2, label, getattr(tip, reason))]


@pytest.mark.parametrize("delimiter", DELIMITERS)
def test_sniffing_splits_the_header_once_per_delimiter_tried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, delimiter: str
) -> None:
    """The shared sniffer (delimited.header_delimiter) splits the line only by the delimiters it holds."""
    from evidence.sources import delimited

    calls = []
    split = delimited.split_line
    monkeypatch.setattr(delimited, "split_line", lambda line, d: calls.append(d) or split(line, d))
    path = tmp_path / "tiers.csv"
    path.write_text(delimiter.join(["iso3", "report_year", "tier"]) + "\nTHA,2016,Tier 2\n", encoding="utf-8")
    assert tip.sniff(FileHead(path)) == tip.SIMPLE_LAYOUT
    assert calls == [delimiter]


# --- a tier that is not available; special cases in Kelley's layout (review 9 m10) --------------------------------


@pytest.mark.parametrize(
    "text", [*sorted(NOT_AVAILABLE), "N/A", "NA", " n/a ", "Not Assessed", "n/a*", "- [1]"]
)
def test_a_not_available_tier_is_rejected_naming_it_not_read_as_unknown(tmp_path: Path, text: str) -> None:
    """The not-available tokens every loader reads (workbook.NOT_AVAILABLE) give no placement: the row is
    rejected with its own reason, its row, column and text named, and the other rows are kept."""
    path = tmp_path / "tiers.csv"
    path.write_text(f'iso3,report_year,tier\nTHA,2016,"{text}"\nMYS,2016,Tier 2\n', encoding="utf-8")
    loaded = tip.load(path, tip.SIMPLE_LAYOUT)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (2, 1, 1)
    assert loaded.rejects.select("row", "column", "value", "reason").rows() == [
        (2, "tier", text, tip.REASON_TIER_NOT_AVAILABLE)
    ]


def test_an_empty_tier_of_the_simple_layout_is_missing_and_unknown_text_unrecognised(tmp_path: Path) -> None:
    path = tmp_path / "tiers.csv"
    path.write_text("iso3,report_year,tier\nXAA,2020,\nXAB,2020,   \nXAC,2020,Tier 4\nXAD,2020,Tier 1\n")
    loaded = tip.load(path, tip.SIMPLE_LAYOUT)
    assert loaded.rejects.select("row", "reason").rows() == [
        (2, tip.REASON_TIER_MISSING),
        (3, tip.REASON_TIER_MISSING),
        (4, tip.REASON_TIER),
    ]


def test_kelley_layout_reads_her_na_as_not_ranked_and_rejects_other_not_available_tokens(
    tmp_path: Path,
) -> None:
    path = tmp_path / "k.csv"
    path.write_text(
        "countryname,iso,year,ccode,tier\n"
        "Exampleland,XAA,2016,999,NA\n"  # Kelley's R output: not ranked
        'Exampleland,XAA,2017,999,"NA"\n'
        "Exampleland,XAA,2018,999,\n"  # empty: not ranked
        'Exampleland,XAA,2019,999,"n/a"\n'  # line 5: a user's "not available", not her coding
        "Exampleland,XAA,2020,999,-\n"  # line 6
        "NA,NA,2021,NA,Tier 1\n"  # line 7: R's NA elsewhere is missing (no code)
    )
    loaded = tip.load(path, tip.KELLEY_LAYOUT)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (6, 3, 3)
    assert loaded.data.select("report_year", "tier", "tier_label", "special_case").rows() == [
        (2016, None, None, tip.NOT_RANKED),
        (2017, None, None, tip.NOT_RANKED),
        (2018, None, None, tip.NOT_RANKED),
    ]
    assert loaded.rejects.select("row", "column", "value", "reason").rows() == [
        (5, "tier", "n/a", tip.REASON_TIER_NOT_AVAILABLE),
        (6, "tier", "-", tip.REASON_TIER_NOT_AVAILABLE),
        (7, "iso", None, tip.REASON_ISO3),  # Kelley's header's label: the file's column, not the table's
    ]


def test_special_cases_in_kelley_layout_are_kept_without_a_tier(tmp_path: Path) -> None:
    """docs/data-formats.md: Special Case (the reports' designation for a country in crisis, e.g. Yemen) has no
    tier; ``special_case`` says it, and the label is kept as published (whitespace stripped)."""
    path = tmp_path / "k.csv"
    path.write_text(
        '"countryname","iso","year","ccode","tier"\n'
        '"Yemen","YEM",2016,679,"Special Case    "\n'
        '"Yemen","YEM",2017,679,"Special Case (Yemen)"\n'
        '"Somalia","SOM",2016,520,"special case*"\n'
        '"Libya","LBY",2016,620,"Tier 3"\n'
    )
    loaded = registry.load(path)
    assert loaded.provenance.layout == tip.KELLEY_LAYOUT and loaded.rows_rejected == 0
    assert loaded.data.select("iso3", "report_year", "tier", "tier_label", "special_case").rows() == [
        ("LBY", 2016, "Tier 3", "Tier 3", None),
        ("SOM", 2016, None, "special case*", tip.SPECIAL_CASE),
        ("YEM", 2016, None, "Special Case", tip.SPECIAL_CASE),
        ("YEM", 2017, None, "Special Case (Yemen)", tip.SPECIAL_CASE),
    ]
    from evidence.sources.checks import check_values

    assert check_values(loaded).height == 0


_TIER_CELLS = st.sampled_from(
    [
        *tip.TIERS,
        "Watchlist    ",
        "Special Case",
        "not ranked",
        "Tier 4",
        "2.5",
        "",
        "NA",
        *sorted(NOT_AVAILABLE),
    ]
)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    cells=st.lists(
        st.tuples(_TIER_CELLS, st.sampled_from(["", " ", "  "]), st.booleans()), min_size=1, max_size=12
    ),
    kelley=st.booleans(),
)
def test_every_tier_row_is_kept_or_rejected_with_one_reason(
    cells: list[tuple[str, str, bool]], kelley: bool
) -> None:
    """rows in = rows kept + rows rejected; a not-available token is always rejected as not available, whatever
    its case and the blanks around it, in either layout."""
    import tempfile

    texts = [f"{pad}{t.upper() if upper else t}{pad}" for t, pad, upper in cells]
    header = "countryname,iso,year,ccode,tier" if kelley else "iso3,report_year,tier"
    lines = [
        f'X,X{chr(65 + i)}A,2016,1,"{t}"' if kelley else f'X{chr(65 + i)}A,2016,"{t}"'
        for i, t in enumerate(texts)
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        loaded = tip.load(path, tip.KELLEY_LAYOUT if kelley else tip.SIMPLE_LAYOUT)
    assert loaded.rows_in == len(texts) == loaded.rows_kept + loaded.rows_rejected
    assert loaded.rejects["row"].is_unique().all()
    reasons = dict(loaded.rejects.select("row", "reason").iter_rows())
    for row, text in enumerate(texts, start=2):
        token = text.strip().lower() in NOT_AVAILABLE and not (kelley and text.strip() == "NA")
        assert (reasons.get(row) == tip.REASON_TIER_NOT_AVAILABLE) == token, (row, text)


# --- review 10 M4: header variants, a near miss named, a workbook -----------------------------------------------


def _real_rows(shared_data: Path) -> list[list[str]]:
    import csv

    with (shared_data / REAL_FILE).open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_kelley_layout_without_ccode_is_hers(shared_data: Path, kelley, tmp_path: Path) -> None:
    """ccode is never read, so it is not required (review 10 M4)."""
    import csv

    header, *records = _real_rows(shared_data)
    drop = header.index("ccode")
    path = tmp_path / "kelley_noccode.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([[c for i, c in enumerate(r) if i != drop] for r in [header, *records]])
    loaded = registry.load(path)
    assert loaded.provenance.layout == tip.KELLEY_LAYOUT
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (3208, 3208, 0)
    assert loaded.data.equals(kelley.data)


@pytest.mark.parametrize(
    ("header", "line"),
    [
        ("iso3,year,tier,country", "THA,2024,Tier 1,Thailand"),
        ("Country,ISO,Year,Tier", "Thailand,THA,2024,Tier 1"),
        ("ISO code;Report year;Tier placement;Country name", "THA;2024;Tier 1;Thailand"),
    ],
)
def test_simple_layout_header_variants(tmp_path: Path, header: str, line: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"{header}\n{line}\n", encoding="utf-8")
    loaded = registry.load(path)
    assert loaded.provenance.layout == tip.SIMPLE_LAYOUT
    assert loaded.data.select("iso3", "country", "report_year", "tier").row(0) == (
        "THA",
        "Thailand",
        2024,
        "Tier 1",
    )
    assert not any("not used" in n for n in loaded.provenance.notes)


def test_of_two_labels_for_one_column_the_layouts_own_is_read(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("ISO,iso3,year,tier\nTH,THA,2024,Tier 1\n", encoding="utf-8")
    loaded = registry.load(path)
    assert loaded.data["iso3"].to_list() == ["THA"]
    assert "columns not used: ISO" in loaded.provenance.notes


@pytest.mark.parametrize(
    ("header", "lacks"),
    [
        ("year,tier,notes", "lacks the column iso3 (or iso, "),
        ("Country;ISO;Tier", "lacks the column report_year (or year, "),
        ("iso3,report_year,tiers", "lacks the column tier (or "),
    ],
)
def test_a_tip_like_header_lacking_a_column_is_refused_naming_it(
    tmp_path: Path, header: str, lacks: str
) -> None:
    path = tmp_path / "t.csv"
    delimiter = ";" if ";" in header else ","
    path.write_text(f"{header}\n" + delimiter.join(["Thailand", "2024", "Tier 1"]) + "\n", encoding="utf-8")
    with pytest.raises(registry.UnknownFormatError) as err:
        registry.load(path)
    message = str(err.value)
    assert "looks like a US TIP tier table" in message and lacks in message
    assert "not a layout any loader knows" not in message


def _workbook(
    path: Path, rows: list[list], title_rows: int = 0, number_formats: dict[int, str] | None = None
) -> Path:
    """``rows`` (a header first) in a sheet "Tiers" below ``title_rows`` titles, after a sheet "About";
    ``number_formats``: a column's (1-based) number format below the header (``{2: "yyyy"}``)."""
    from openpyxl import Workbook

    book = Workbook()
    notes = book.active
    notes.title = "About"
    notes.append(["US TIP Report tiers, typed from the reports"])
    sheet = book.create_sheet("Tiers")
    for _ in range(title_rows):
        sheet.append(["Tier placements"])
    for record in rows:
        sheet.append([int(c) if isinstance(c, str) and c.isdigit() else c for c in record])
    for column, number_format in (number_formats or {}).items():
        for (cell,) in sheet.iter_rows(min_row=title_rows + 2, min_col=column, max_col=column):
            cell.number_format = number_format
    book.save(path)
    return path


def test_a_tier_table_saved_as_a_workbook_reads_as_the_csv(shared_data: Path, kelley, tmp_path: Path) -> None:
    rows = _real_rows(shared_data)
    loaded = registry.load(_workbook(tmp_path / "kelley.xlsx", rows))
    assert loaded.provenance.layout == tip.KELLEY_LAYOUT
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (3208, 3208, 0)
    assert loaded.data.equals(kelley.data)  # the sheet's row numbers are the CSV's line numbers
    simple = [["iso3", "report_year", "tier"], ["THA", "2024", "Tier 1"], ["KHM", "2024", "n/a"]]
    titled = registry.load(_workbook(tmp_path / "simple.xlsx", simple, title_rows=2))
    assert titled.data.select("source_row", "iso3", "report_year", "tier").rows() == [
        (4, "THA", 2024, "Tier 1")
    ]
    assert titled.rejects.select("row", "reason").rows() == [(5, tip.REASON_TIER_NOT_AVAILABLE)]
    assert "read from sheet 'Tiers', header on row 3" in titled.provenance.notes


@pytest.mark.parametrize("layout", ["simple", "kelley"])
def test_a_report_year_written_in_text_is_read_and_flagged(tmp_path: Path, layout: str) -> None:
    """REVIEW10 leftover: "2024 TIP Report" was rejected row by row. The one 4-digit year (1990-2100) of such a
    cell is read and the row flagged; two numbers, a year out of range, or none are still rejected."""
    cells = [
        "2024 TIP Report",  # line 2
        "TIP Report 2023",
        "2022 Report",
        " June 2021 ",
        "2020",  # line 6: a plain year, not flagged
        "2023-24",  # two numbers: which?
        "Report 1989",  # out of range
        "TIP Report",  # no year
        "20245 Report",  # five digits
    ]
    codes = [f"X{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(len(cells))]
    if layout == "simple":
        lines = ["iso3,report_year,tier", *(f"{c},{y},Tier 2" for c, y in zip(codes, cells, strict=True))]
    else:
        lines = [
            "countryname,iso,year,ccode,tier",
            *(f"Land {c},{c},{y},1,Tier 2" for c, y in zip(codes, cells, strict=True)),
        ]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = registry.load(tmp_path / "t.csv")
    assert loaded.rows_in == len(cells) == loaded.rows_kept + loaded.rows_rejected
    years = dict(zip(loaded.data["source_row"].to_list(), loaded.data["report_year"].to_list(), strict=True))
    assert years == {2: 2024, 3: 2023, 4: 2022, 5: 2021, 6: 2020}
    assert set(loaded.rejects.filter(pl.col("reason") == tip.REASON_YEAR)["row"]) == {7, 8, 9, 10}
    flagged = loaded.flags.filter(pl.col("reason") == tip.REASON_YEAR_IN_TEXT)
    # named as the file's header writes the column (Kelley's "year"), as every loader's reasons are
    label = "report_year" if layout == "simple" else "year"
    assert flagged.select("row", "column").rows() == [(r, label) for r in (2, 3, 4, 5)]
    assert flagged["value"].to_list()[0] == "2024 TIP Report"
    assert loaded.provenance.release == "2020-2024"


@pytest.mark.parametrize(
    ("header", "layout"),
    [
        ("Year,ISO,Country name,Tier", tip.SIMPLE_LAYOUT),  # a hand-made table: cited to the State Department
        ("YEAR,ISO,COUNTRYNAME,TIER", tip.SIMPLE_LAYOUT),
        ("countryname,iso,year,tier", tip.KELLEY_LAYOUT),  # her labels as she writes them, without her ccode
        ("Countryname,ISO,Year,ccode,Tier", tip.KELLEY_LAYOUT),  # beside her ccode
    ],
)
def test_kelleys_layout_is_told_by_her_own_labels_not_by_any_spelling_of_them(
    tmp_path: Path, header: str, layout: str
) -> None:
    """REVIEW11 M1: "Year,ISO,Country name,Tier" was read as Kelley's coding: her citation on placements she
    never coded, and "NA" read as not ranked."""
    columns = [c.strip().lower() for c in header.split(",")]
    values = {"year": "2023", "iso": "THA", "countryname": "Thailand", "country name": "Thailand", "tier": "Tier 2",
              "ccode": "800"}  # fmt: skip
    path = tmp_path / "tiers.csv"
    path.write_text(header + "\n" + ",".join(values[c] for c in columns) + "\n", encoding="utf-8")
    loaded = registry.load(path)
    assert loaded.provenance.layout == layout
    assert ("Kelley" in loaded.provenance.citation) == (layout == tip.KELLEY_LAYOUT)


def test_a_table_with_a_column_per_report_year_reads_as_its_placements(tmp_path: Path) -> None:
    """A tier table with a column per report (as tier tables copied from web pages and compilations are laid out)
    was refused, told to reshape it: read as one placement per country and report year, each named by its row
    and its year's column, an empty cell no placement. (This test asserted the refusal.)"""
    import openpyxl

    lines = ["Country,ISO3,2016,2017,2018", "Thailand,THA,Tier 2 Watch List,Tier 2 Watch List,Tier 2*"]
    csv_path = tmp_path / "wide.csv"
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    wb = openpyxl.Workbook()
    wb.active.append(["Tier placements by report"])
    for line in lines:
        wb.active.append(line.split(","))
    wb.save(tmp_path / "wide.xlsx")
    for path, row in ((csv_path, 2), (tmp_path / "wide.xlsx", 3)):
        loaded = registry.load(path)
        assert loaded.data.select("iso3", "report_year", "tier").rows() == [
            ("THA", 2016, "Tier 2 Watch List"),
            ("THA", 2017, "Tier 2 Watch List"),
            ("THA", 2018, "Tier 2"),
        ]
        assert loaded.data["source_row"].to_list() == [row] * 3
        assert loaded.flags.select("row", "column", "value").rows() == [(row, "2018", "Tier 2*")]
        assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (3, 3, 0)
        assert any("a column per report year (2016, 2017, 2018)" in n for n in loaded.provenance.notes)
    # years over figures that are not tiers are no tier table
    csv_path.write_text("Country,ISO3,2016,2017\nThailand,THA,12,13\n", encoding="utf-8")
    with pytest.raises(UnknownFormatError, match="not a layout any loader knows"):
        registry.load(csv_path)


def test_a_workbook_with_a_column_per_report_year_reads_its_placements_and_rejects_its_rows(
    tmp_path: Path,
) -> None:
    """Years as numbers, a not-available cell and an empty one in its first rows, a column of notes and a source
    line below: the placements read, a row with a cell that is no placement rejected whole naming the cell's year,
    an empty cell no placement (the sheet was refused; its second row was taken for a header of tiers)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Tier placements"])
    sheet.append([])
    sheet.append(["Country", "ISO3", 2016, 2017, 2018, "Notes"])
    sheet.append(["Thailand", "THA", "Tier 2 Watch List", "Tier 2 Watch List", "Tier 2", "upgraded"])
    sheet.append(["Burma", "MMR", "Tier 3", None, "Tier 3", None])
    sheet.append(["Chile", "CHL", "Tier 1", "n/a", "Tier 1", None])
    sheet.append(["Source: US State Department"])
    path = tmp_path / "wide.xlsx"
    book.save(path)
    loaded = registry.load(path)
    assert loaded.data.select("source_row", "iso3", "report_year", "tier").rows() == [
        (5, "MMR", 2016, "Tier 3"),
        (5, "MMR", 2018, "Tier 3"),
        (4, "THA", 2016, "Tier 2 Watch List"),
        (4, "THA", 2017, "Tier 2 Watch List"),
        (4, "THA", 2018, "Tier 2"),
    ]
    assert loaded.rejects.select("row", "column", "value").rows() == [(6, "2017", "n/a")]
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected, loaded.rows_left_out) == (6, 5, 1, 1)
    assert "columns not used: Notes" in loaded.provenance.notes
    assert any(n.startswith("1 note line below the table left out") for n in loaded.provenance.notes)


@pytest.mark.parametrize(
    "text",
    [
        "Tier 1,Tier 2,Tier 2 Watch List,Tier 3\nAustralia,Albania,Algeria,Belarus\n",
        "Country,Tier 1,Tier 2,Tier 2 Watch List,Tier 3\nAustralia,X,,,\nAlbania,,X,,\n",
    ],
    ids=["countries listed under each tier", "a mark under a country's tier"],
)
def test_a_table_with_a_column_per_tier_is_refused_saying_its_report_year_is_missing(
    tmp_path: Path, text: str
) -> None:
    """A report's placements laid out a column per tier (as the report's tier placement pages list them) carry no
    report year: refused saying so (was "not a layout any loader knows")."""
    path = tmp_path / "tiers.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UnknownFormatError) as error:
        registry.load(path)
    message = str(error.value)
    assert (
        "looks like a US TIP tier table with a column per tier (Tier 1, Tier 2, Tier 2 Watch List, ...)"
        in message
    )
    assert "no report year" in message


def test_kelleys_coding_laid_out_a_column_per_report_year_reads_as_her_placements(
    shared_data: Path, kelley, tmp_path: Path
) -> None:
    """Her coding pivoted to a column per report year (a country per row, as wide tier tables are laid out) gives
    her placements, each a row of the table; her empty (not ranked) cells are no placement in a wide table, which
    cannot tell a country not ranked from one not listed. A cell that is no tier rejects its row whole (its other
    cells may be shifted), naming its row and its year's column: placements of rows read + rows rejected = in."""
    long = pl.read_csv(shared_data / REAL_FILE, infer_schema=False)
    long = long.with_columns(pl.col("tier").replace("NA", None).fill_null(""))  # her R "NA": not ranked
    wide = long.pivot(on="year", index=["countryname", "iso"], values="tier", aggregate_function="first")
    wide = wide.with_columns(
        pl.when(pl.col("iso") == "THA").then(pl.lit("Tier 4")).otherwise(pl.col("2010")).alias("2010")
    )
    path = tmp_path / "wide.csv"
    wide.write_csv(path)
    loaded = registry.load(path)
    columns = ["iso3", "country", "report_year", "tier", "tier_label", "special_case"]
    expected = kelley.data.filter(pl.col("special_case").is_null() & (pl.col("iso3") != "THA"))
    assert (
        loaded.data.select(columns)
        .sort("iso3", "report_year")
        .equals(expected.select(columns).sort("iso3", "report_year"))
    )
    thailand = wide.with_row_index().filter(pl.col("iso") == "THA")["index"].item() + 2
    assert loaded.rejects.select("row", "column", "value").rows() == [(thailand, "2010", "Tier 4")]
    assert loaded.rows_in == loaded.rows_kept + loaded.rows_rejected == expected.height + 1
    assert loaded.provenance.release == "2001-2015"


def test_a_tier_table_saved_as_csv_below_title_lines_and_above_cleared_rows(
    shared_data: Path, kelley, tmp_path: Path
) -> None:
    """Kelley's file opened in a spreadsheet, a title line written above it and rows below it cleared, saved as
    CSV (as the workbook it reads): was refused as no known layout, its cleared rows rejected as rows missing
    a code, a year and a tier. The title lines are no records; the cleared rows neither."""
    published = kelley  # the real file as loaded once for the module (read only here)
    text = (shared_data / REAL_FILE).read_text(encoding="utf-8")
    path = tmp_path / "tiers.csv"
    path.write_text("US TIP tier placements, coded by J. Kelley,,,,\n,,,,\n" + text + ",,,,\n,,,,\n")
    assert tip.sniff(FileHead(path)) == tip.KELLEY_LAYOUT
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (3208, 3208, 0)
    assert loaded.data.drop("source_row").equals(published.data.drop("source_row"))
    assert (loaded.data["source_row"] - 2).equals(published.data["source_row"])  # the file's own line numbers
    assert loaded.provenance.release == "1999-2015"
    assert any(note.startswith("2 title line(s) above the header") for note in loaded.provenance.notes)
    assert (
        "2 empty row(s) ignored (no record: every field empty, a row of delimiters only): line 3212, 3213"
        in (loaded.provenance.notes)
    )
    # the simple layout alike, its rejects named by the file's lines; a near miss named at its line
    (tmp_path / "simple.csv").write_text(
        "Tiers 2016-2024\n\niso3,report_year,tier\nXAA,2016,Tier 2 Watch List\nXAB,2016,Tier 4\n,,\n"
    )
    simple = registry.load(tmp_path / "simple.csv")
    assert (simple.rows_in, simple.rows_kept, simple.rows_rejected) == (2, 1, 1)
    assert simple.rejects["row"].to_list() == [5]
    (tmp_path / "near.csv").write_text("Tiers 2016-2024\n\niso3,tier\nXAA,Tier 1\n")
    with pytest.raises(
        UnknownFormatError, match="line 3 looks like a US TIP tier table but lacks the column report_year"
    ):
        registry.load(tmp_path / "near.csv")


def test_a_label_given_twice_is_refused_naming_the_headers_own_row(tmp_path: Path) -> None:
    """Below title lines (a CSV) or notes (a workbook), the header is not row 1: the error named row 1."""
    import openpyxl

    (tmp_path / "twice.csv").write_text("Tiers 2016\niso3,report_year,tier,Tier\nXAA,2016,Tier 1,Tier 2\n")
    with pytest.raises(
        InputError,
        match=r"twice\.csv, row 2: the header names the column 'tier' more than once \(C2 'tier' and D2 'Tier'\)",
    ):
        registry.load(tmp_path / "twice.csv")
    book = openpyxl.Workbook()
    for row in (
        ["Tiers 2016"],
        [],
        ["iso3", "report_year", "tier", "Tier"],
        ["XAA", 2016, "Tier 1", "Tier 2"],
    ):
        book.active.append(row)
    book.save(tmp_path / "twice.xlsx")
    with pytest.raises(
        InputError,
        match=r"twice\.xlsx, row 3: the header names the column 'tier' more than once \(C3 'tier' and D3 'Tier'\)",
    ):
        registry.load(tmp_path / "twice.xlsx")


# --- a header label with a footnote number (workbook.header_cell_key) ------------------------------------------


@pytest.mark.parametrize(
    ("plain", "marked"),
    [
        ("iso3,report_year,tier,country", "ISO3\u00b9,Report Year [1],Tier [2]*,Country\u00b2\u00b3"),
        ("countryname,iso,year,ccode,tier", "countryname,iso [1],year\u00b9,ccode,tier\u2020"),
    ],
)
def test_a_header_whose_labels_carry_footnote_numbers_loads_as_the_plain_one(
    tmp_path: Path, plain: str, marked: str
) -> None:
    """``Year¹``, ``Tier [1]``: the header was not a tier layout (or its column not read)."""
    kelley = plain.startswith("countryname")
    body = (
        "Thailand,THA,2014,800,Tier 3\nMalaysia,MYS,2014,820,NA\n"
        if kelley
        else "THA,2014,Tier 3,Thailand\nMYS,2014,Tier 2 Watch List,Malaysia\n"
    )
    loaded = []
    for name, header in (("plain", plain), ("marked", marked)):
        path = tmp_path / f"{name}.csv"
        path.write_text(header + "\n" + body, encoding="utf-8")
        assert tip.sniff(FileHead(path)) == (tip.KELLEY_LAYOUT if kelley else tip.SIMPLE_LAYOUT)
        loaded.append(registry.load(path))
    assert loaded[1].data.equals(loaded[0].data) and loaded[0].rows_kept == 2
    assert loaded[1].rejects.equals(loaded[0].rejects) and loaded[1].flags.equals(loaded[0].flags)
    assert loaded[1].provenance.notes == loaded[0].provenance.notes


def test_a_bracketed_letter_after_a_label_is_no_footnote(tmp_path: Path) -> None:
    """``Country [fr]`` is another column than ``Country`` (set aside, the two would be one label given twice)."""
    path = tmp_path / "tiers.csv"
    path.write_text(
        "iso3,report_year,tier,Country,Country [fr]\nTHA,2014,Tier 3,Thailand,Thaïlande\n", encoding="utf-8"
    )
    loaded = registry.load(path)
    assert loaded.data.select("country", "tier").rows() == [("Thailand", "Tier 3")]
    assert "columns not used: Country [fr]" in loaded.provenance.notes


def test_a_cleared_row_among_the_placements_is_left_out_counted_and_named_in_a_workbook_too(
    tmp_path: Path,
) -> None:
    """The workbook's empty sheet rows were left out saying only how many (the CSV named their lines), and
    neither was counted: now both are, by row or line."""
    import openpyxl

    rows = [
        ["iso3", "report_year", "tier"],
        ["XAA", 2016, "Tier 1"],
        [None, None, None],
        ["XAB", 2016, "Tier 3"],
    ]
    book = openpyxl.Workbook()
    for record in rows:
        book.active.append(record)
    book.active.cell(row=5, column=2, value="  ")  # blanks only
    book.save(tmp_path / "tiers.xlsx")
    (tmp_path / "tiers.csv").write_text("iso3,report_year,tier\nXAA,2016,Tier 1\n,,\nXAB,2016,Tier 3\n , ,\n")
    for name, unit in (("tiers.xlsx", "row"), ("tiers.csv", "line")):
        loaded = registry.load(tmp_path / name)
        assert (loaded.rows_in, loaded.rows_kept, loaded.rows_left_out) == (2, 2, 2), name
        notes = loaded.provenance.notes
        assert any(n.startswith("2 empty") and n.endswith(f": {unit} 3, 5") for n in notes), notes


def test_a_row_with_text_only_beyond_the_header_is_rejected_not_left_out(
    fixtures: Path, tmp_path: Path
) -> None:
    """A row whose fields under the header are empty but that holds text beyond the header's last field has too
    many fields and is rejected as such: it was left out as a row holding nothing, its text lost unsaid."""
    header, *records = (fixtures / "tip" / "tiers_simple.csv").read_text(encoding="utf-8").splitlines()
    empty = "," * header.count(",")
    path = tmp_path / "beyond.csv"
    path.write_text("\n".join([header, records[0], empty + ",see file", empty + ",", *records[1:]]) + "\n")
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_rejected, loaded.rows_left_out) == (len(records) + 1, 1, 1)
    assert "too many fields" in " ".join(loaded.rejects.filter(pl.col("row") == 3)["reason"].to_list())


# --- the next report (release audit): codes of countries renamed or dissolved -----------------------------------


def test_a_withdrawn_code_with_one_successor_is_read_as_it_and_an_unknown_code_is_flagged(
    tmp_path: Path,
) -> None:
    """A placement transcribed from an older report or another coding under a code ISO 3166 withdrew (``ROM``
    for Romania until 2002, ``ZAR`` Zaire, ``TMP`` East Timor, ``BUR`` Burma) was kept as written, unflagged: its
    country matched no other source's. A withdrawn code with one successor reads as that; a code the reference
    does not know at all (``YUG``, ``SCG``: dissolved into several; a typo) is kept as written and flagged."""
    path = tmp_path / "tiers.csv"
    lines = ["iso3,report_year,tier,country"]
    lines += [
        "ROM,2001,Tier 2,Romania",
        "ZAR,2001,Tier 3,Zaire",
        "TMP,2001,Tier 2,East Timor",
        "BUR,2001,Tier 3,Burma",
        "YUG,2001,Tier 2,Yugoslavia",
        "SCG,2004,Tier 2,Serbia and Montenegro",
        "TUR,2023,Tier 2,Türkiye",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = registry.load(path)
    assert loaded.rows_kept == 7
    assert sorted(loaded.data.select("iso3", "country").rows()) == [
        ("COD", "Zaire"),
        ("MMR", "Burma"),
        ("ROU", "Romania"),
        ("SCG", "Serbia and Montenegro"),
        ("TLS", "East Timor"),
        ("TUR", "Türkiye"),
        ("YUG", "Yugoslavia"),
    ]
    assert any("BUR as MMR" in n and "ROM as ROU" in n for n in loaded.provenance.notes)
    flagged = loaded.flags.filter(pl.col("column") == "iso3")
    assert sorted(flagged.select("row", "value").rows()) == [(6, "YUG"), (7, "SCG")]
    # each says what the code named and that its successors are not guessed
    reasons = dict(flagged.select("value", "reason").rows())
    assert "names no one current country" in reasons["YUG"] and "SRB" in reasons["YUG"]
    assert "not guessed" in reasons["SCG"] and reasons["SCG"].endswith("kept as written")


def test_a_code_its_country_name_contradicts_is_flagged(shared_data: Path, kelley, tmp_path: Path) -> None:
    """A placement whose code names another country than its name (a mistyped ``TKM`` for Türkiye, a shifted
    column) was kept unflagged: Turkmenistan's tier. It is kept as coded and flagged; a name the reference does
    not know, or none, says nothing."""
    path = tmp_path / "tiers.csv"
    lines = [
        "iso3,report_year,tier,country",
        "TKM,2024,Tier 2,Türkiye",
        "TUR,2024,Tier 2,Türkiye",
        "CZE,2024,Tier 1,Czechia",
        "SWZ,2024,Tier 2,Eswatini",
        'COD,2024,Tier 2 Watch List,"Congo, Democratic Republic of the"',
        "COG,2024,Tier 2,Republic of the Congo",
        "THA,2024,Tier 2,",
        "MMR,2024,Tier 3,Burma",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = registry.load(path)
    assert loaded.rows_kept == 8
    assert loaded.flags.select("row", "column", "value", "reason").rows() == [
        (2, "country", "Türkiye", tip.REASON_NAME_DISAGREES)
    ]
    assert "TKM" in loaded.data["iso3"].to_list()
    # Kelley's coding: every name agrees with its code
    assert kelley.flags.is_empty()


def test_a_table_naming_countries_without_codes_reads_the_codes_from_the_names(tmp_path: Path) -> None:
    """The reports list their placements by country name (``Korea, North``, ``Burma``, ``Türkiye``), so a table
    typed from them may have no code column: the codes are read from the names through the country reference (it
    was refused as lacking iso3); a name the reference does not know rejects its row naming it, never guessed."""
    path = tmp_path / "tiers_2024.csv"
    path.write_text(
        "Country,Year,Tier\n"
        "Thailand,2024,Tier 2\n"
        '"Korea, North",2024,Tier 3\n'
        "Burma,2024,Tier 3\n"
        "Türkiye,2024,Tier 2 Watch List\n"
        "Somalia,2024,Special Case\n"
        "Atlantis,2024,Tier 1\n",
        encoding="utf-8",
    )
    loaded = registry.load(path)
    assert loaded.provenance.layout == tip.SIMPLE_LAYOUT
    assert loaded.rows_in == loaded.rows_kept + loaded.rows_rejected == 6
    assert dict(loaded.data.select("iso3", "tier_label").iter_rows()) == {
        "THA": "Tier 2",
        "PRK": "Tier 3",
        "MMR": "Tier 3",
        "TUR": "Tier 2 Watch List",
        "SOM": "Special Case",
    }
    assert loaded.data.filter(pl.col("iso3") == "PRK")["country"].to_list() == ["Korea, North"]
    assert loaded.rejects.select("row", "column", "value", "reason").rows() == [
        (7, "Country", "Atlantis", tip.REASON_NAME_UNMAPPED)  # as the header writes it
    ]
    assert any("no iso3 column" in note for note in loaded.provenance.notes)


def test_a_row_without_its_code_is_the_country_its_name_names_flagged(tmp_path: Path) -> None:
    """With a code column, a row whose code cell is empty is the country its name names (flagged, as the UNODC
    loader does): it was rejected. Without a name the reference knows it is still rejected for its code."""
    path = tmp_path / "t.csv"
    path.write_text(
        "iso3,country,year,tier\nTHA,Thailand,2024,Tier 2\n,Burma,2024,Tier 3\n,Atlantis,2024,Tier 1\n",
        encoding="utf-8",
    )
    loaded = registry.load(path)
    assert loaded.data["iso3"].to_list() == ["MMR", "THA"]
    assert loaded.flags.select("row", "reason").rows() == [(3, tip.REASON_CODE_FROM_NAME)]
    assert loaded.rejects.select("row", "reason").rows() == [(4, tip.REASON_ISO3)]


@pytest.mark.parametrize(
    "layout_header", ["iso3,report_year,tier,country", "countryname,iso,year,ccode,tier"]
)
def test_a_note_among_the_placements_is_rejected_once_as_a_note(tmp_path: Path, layout_header: str) -> None:
    """A source line typed among the placements (text in one cell, no year nor tier) is one rejected note showing
    its text as written; it was rejected for its code, its year and its tier (the text shown upper-cased), or, in
    Kelley's layout, for its code and year beside a not-ranked placement. Below the placements it is no row:
    left out, named with its text (it was rejected there too: a release with a source line did not validate)."""
    path = tmp_path / "t.csv"
    kelley = layout_header.startswith("countryname")
    record = "Thailand,THA,2016,800,Tier 2" if kelley else "THA,2016,Tier 2,Thailand"
    width = layout_header.count(",")
    note = f'"Source: US State Department, 2016 TIP Report"{"," * width}'
    path.write_text(
        f"{layout_header}\n{record}\n{note}\n{record.replace('2016', '2017')}\n", encoding="utf-8"
    )
    loaded = registry.load(path)
    assert loaded.rows_in == 3 and loaded.rows_kept == 2
    assert loaded.rejects.select("row", "value", "reason").rows() == [
        (3, "Source: US State Department, 2016 TIP Report", tip.REASON_NOTE)
    ]
    path.write_text(f"{layout_header}\n{record}\n{note}\n", encoding="utf-8")
    below = registry.load(path)
    assert (below.rows_in, below.rows_kept, below.rows_left_out) == (1, 1, 1)
    assert (
        "1 note line below the table left out (not records): line 3 'Source: US State Department, 2016 TIP Report'"
        in below.provenance.notes
    )


# --- a year column of dates ------------------------------------------------------------------------------------


def test_a_workbook_whose_report_years_are_dates_shown_as_years_reads_as_the_csv(
    shared_data: Path, kelley, tmp_path: Path
) -> None:
    """Kelley's file saved as a workbook whose year column holds dates (1 January, shown "2001" by a year-only
    format: a column typed or exported as dates) is the same table, said once in a note: every one of its 3,208
    placements was rejected as "report year missing or not a year" (the cell read as 2001-01-01 00:00:00)."""
    import datetime as dt

    rows = _real_rows(shared_data)
    year = rows[0].index("year")
    dated = [rows[0], *([*r[:year], dt.datetime(int(r[year]), 1, 1), *r[year + 1 :]] for r in rows[1:])]
    # (the year column's format set as the sheet is written: a round trip of the saved workbook cost 0.3 CPU-s)
    path = _workbook(tmp_path / "kelley.xlsx", dated, number_formats={year + 1: "yyyy"})
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (3208, 3208, 0)
    assert loaded.data.equals(kelley.data)
    assert years_from_dates_note("year", 3208) in loaded.provenance.notes
    # another day of a year is a date, not a year: still refused
    other = [["iso3", "report_year", "tier"], ["THA", dt.datetime(2024, 6, 24), "Tier 1"]]
    refused = registry.load(_workbook(tmp_path / "simple.xlsx", other))
    assert refused.rejects.select("column", "value").rows() == [("report_year", "2024-06-24 00:00:00")]


@pytest.mark.parametrize("layout", ["simple", "kelley"])
def test_a_placement_in_a_report_year_no_tip_report_has_is_rejected_naming_its_year(
    tmp_path: Path, layout: str
) -> None:
    """The first TIP Report to place countries in tiers is 2001's, and no report is dated after this year: a
    placement dated 1995 or 2052 (2025 mistyped) was kept as a tier of that year, the file released as
    "1995-2052". Kelley's rows of 1999 and 2000, ranking no country, are still read as not ranked."""
    import datetime as dt

    next_year = dt.date.today().year + 1
    rows = [  # (code, year, tier): lines 2 to 7
        ("XAA", "1995", "Tier 1"),
        ("XAB", "2052" if next_year < 2052 else str(next_year), "Tier 2"),
        ("XAC", str(next_year), "Tier 2 Watch List"),
        ("XAD", "2001", "Tier 3"),
        ("XAE", "2025", "Tier 2"),
        ("XAF", "2000", "NA" if layout == "kelley" else "not ranked"),
    ]
    if layout == "simple":
        lines = ["iso3,report_year,tier", *(f"{c},{y},{t}" for c, y, t in rows)]
    else:
        lines = ["countryname,iso,year,ccode,tier", *(f"Land {c},{c},{y},1,{t}" for c, y, t in rows)]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = registry.load(tmp_path / "t.csv")
    assert loaded.rows_in == len(rows) == loaded.rows_kept + loaded.rows_rejected
    assert loaded.data.select("iso3", "report_year").rows() == [("XAD", 2001), ("XAE", 2025), ("XAF", 2000)]
    label = "report_year" if layout == "simple" else "year"
    rejected = loaded.rejects.select("row", "column", "value", "reason").rows()
    assert rejected == [
        (2, label, "1995", tip.REASON_YEAR_BEFORE_REPORTS),
        (3, label, rows[1][1], tip.REASON_YEAR_AFTER_THIS_YEAR),
        (4, label, str(next_year), tip.REASON_YEAR_AFTER_THIS_YEAR),
    ]
    assert loaded.provenance.release == "2000-2025"


@pytest.mark.parametrize("label", ["Tier 3*", "Tier 2 Watch List\u2020", "Tier 1 [a]", "Tier 3\u00b9"])
def test_a_tier_with_a_footnote_marker_is_read_and_flagged_as_every_loader_flags_one(
    tmp_path: Path, label: str
) -> None:
    """A tier copied with its footnote marker carries a note the table lacks, which may qualify the placement (an
    automatic downgrade, a waiver). The tier was read past the marker without a word, where the UNODC and GSI
    loaders flag a figure so marked; a label known with its brackets (``Tier 2 [WL]``) carries no marker."""
    path = tmp_path / "tiers.csv"
    path.write_text(
        f'iso3,report_year,tier\nDZA,2019,"{label}"\nTHA,2019,Tier 2 [WL]\nUSA,2019,Tier 1\n',
        encoding="utf-8",
    )
    loaded = tip.load(path, tip.SIMPLE_LAYOUT)
    assert (loaded.rows_kept, loaded.rows_rejected) == (3, 0)
    assert loaded.data["tier_label"].to_list()[0] == label
    assert loaded.flags.select("row", "column", "value", "reason").rows() == [
        (2, "tier", label, tip.REASON_TIER_FOOTNOTE)
    ]
