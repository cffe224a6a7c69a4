"""US TIP tier tables as compilations and the reports' own pages lay them out: a column per report year whose tiers
are written as numbers, and a column per tier (the countries of each tier listed under it, or a mark under a
country's tier). Fixtures are made from Kelley's real coding."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from evidence.core.errors import UnknownFormatError
from evidence.sources import registry, tip
from evidence.sources.typed_tables import COUNTRY_FOOTNOTE

REAL_FILE = "tip/tip_tiers_1999_2015.csv"
COLUMNS = ["iso3", "report_year", "tier", "special_case"]
#: Kelley's tier labels as compilations number them (the Watch List by its own code).
NUMBERED = {"Tier 1": "1", "Tier 2": "2", "Watchlist": "2WL", "Tier 3": "3"}


@pytest.fixture(scope="module")
def kelley(real_loaded):
    return real_loaded(REAL_FILE)


def _kelley_long(shared_data: Path) -> pl.DataFrame:
    long = pl.read_csv(shared_data / REAL_FILE, infer_schema=False)
    return long.with_columns(pl.col("tier").str.strip_chars().replace("NA", None).fill_null(""))


def _placements(kelley, years: tuple[int, ...] | None = None) -> list[tuple]:
    """Kelley's placements (countries she ranked or named a special case), as the canonical table's rows."""
    data = kelley.data.filter(pl.col("special_case").is_null() | (pl.col("special_case") != tip.NOT_RANKED))
    if years is not None:
        data = data.filter(pl.col("report_year").is_in(years))
    return data.select(COLUMNS).sort("iso3", "report_year").rows()


@pytest.mark.parametrize("where", ["csv", "xlsx"])
def test_a_column_per_report_year_of_numbered_tiers_reads_as_the_placements(
    shared_data: Path, kelley, tmp_path: Path, where: str
) -> None:
    """Her coding pivoted to a column per report year, its tiers written as compilations number them (1, 2, 2WL,
    3; Special Case by name): her placements. The numbers are read as tiers because the table writes the Watch List
    by its own code, so 2 cannot be it; said in a note (the table was not recognised: years over numbers)."""
    long = _kelley_long(shared_data).with_columns(pl.col("tier").replace(NUMBERED))
    wide = long.pivot(on="year", index=["countryname", "iso"], values="tier", aggregate_function="first")
    path = tmp_path / f"wide.{where}"
    if where == "csv":
        wide.write_csv(path)
    else:
        import openpyxl

        book = openpyxl.Workbook()
        book.active.append(["Country", "ISO3", *(int(y) for y in wide.columns[2:])])
        for row in wide.iter_rows():  # numbered tiers as a spreadsheet holds them: numbers, and 2WL as text
            book.active.append([int(c) if c in ("1", "2", "3") else (c or None) for c in row])
        book.save(path)
    loaded = registry.load(path)
    assert loaded.data.select(COLUMNS).sort("iso3", "report_year").rows() == _placements(kelley)
    assert loaded.rows_rejected == 0
    assert any("tiers written as numbers" in note for note in loaded.provenance.notes)


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        # no Watch List written by name: 2 may be it (or 2.5 may)
        (["1", "2", "3"], tip.REASON_NUMERIC_TIER),
        (["1", "2.5", "2WL"], tip.REASON_NUMERIC_TIER),
    ],
)
def test_numbered_tiers_whose_watch_list_the_table_does_not_name_are_still_refused(
    tmp_path: Path, cells: list[str], reason: str
) -> None:
    path = tmp_path / "tiers.csv"
    lines = ["iso3,report_year,tier", *(f"THA,{2016 + i},{cell}" for i, cell in enumerate(cells))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = tip.load(path, tip.SIMPLE_LAYOUT)
    numbers = [i + 2 for i, cell in enumerate(cells) if cell[0].isdigit() and "WL" not in cell]
    assert loaded.rejects.filter(pl.col("reason") == reason)["row"].to_list() == numbers


def _per_tier(shared_data: Path, year: int) -> pl.DataFrame:
    """Kelley's placements of one report, as its tier placement pages list them: the countries of each tier (and of
    the special cases) in its column, as many rows as the longest."""
    long = _kelley_long(shared_data).filter((pl.col("year") == str(year)) & (pl.col("tier") != ""))
    columns = {
        label: long.filter(pl.col("tier") == kelley_label)["countryname"].to_list()
        for label, kelley_label in (
            ("Tier 1", "Tier 1"),
            ("Tier 2", "Tier 2"),
            ("Tier 2 Watch List", "Watchlist"),
            ("Tier 3", "Tier 3"),
            ("Special Cases", "Special Case"),
        )
    }
    height = max(len(names) for names in columns.values())
    return pl.DataFrame({label: names + [""] * (height - len(names)) for label, names in columns.items()})


@pytest.mark.parametrize("where", ["csv", "xlsx"])
def test_a_column_per_tier_under_a_title_naming_its_report_reads_as_its_placements(
    shared_data: Path, kelley, tmp_path: Path, where: str
) -> None:
    """A report's placements listed under each tier (as its tier placement pages are), its year in the title line
    that names the report: its placements, each country's code read from its name, each placement named by its row
    and its tier's column (was refused: a column per tier holds no report year)."""
    table = _per_tier(shared_data, 2012)
    title = "2012 Trafficking in Persons Report: tier placements"
    path = tmp_path / f"per_tier.{where}"
    if where == "csv":
        path.write_text(title + "\n" + table.write_csv(), encoding="utf-8")
    else:
        import openpyxl

        book = openpyxl.Workbook()
        book.active.append([title])
        book.active.append(table.columns)
        for row in table.iter_rows():
            book.active.append([c or None for c in row])
        book.save(path)
    loaded = registry.load(path)
    expected = {(iso3, year): (tier, special) for iso3, year, tier, special in _placements(kelley, (2012,))}
    read = {(r[0], r[1]): (r[2], r[3]) for r in loaded.data.select(COLUMNS).rows()}
    # names the country reference does not know are rejected, naming their row and tier column (never guessed)
    unknown = loaded.rejects.filter(pl.col("reason") == tip.REASON_NAME_UNMAPPED)
    assert set(unknown["column"].to_list()) <= set(table.columns)
    assert len(read) + unknown.height == len(expected)
    assert all(expected[key] == value for key, value in read.items())
    assert loaded.rows_in == loaded.rows_kept + loaded.rows_rejected == len(expected)
    assert any("report year 2012 read from the title" in note for note in loaded.provenance.notes)
    assert loaded.provenance.release == "2012"


def test_a_mark_under_each_countrys_tier_with_a_report_year_column_reads_as_the_placements(
    shared_data: Path, kelley, tmp_path: Path
) -> None:
    """A country per row and report year, its tier marked (X) in the tier's column: the placements; a row marking
    two tiers or none is rejected naming its row (was refused: a column per tier)."""
    long = _kelley_long(shared_data).filter(pl.col("year").is_in(["2014", "2015"]) & (pl.col("tier") != ""))
    tiers = {"Tier 1": "Tier 1", "Tier 2": "Tier 2", "Tier 2 Watch List": "Watchlist", "Tier 3": "Tier 3"}
    long = long.filter(pl.col("tier").is_in(list(tiers.values())))
    marks = long.select(
        pl.col("iso").alias("ISO3"),
        pl.col("year").alias("Year"),
        *(
            pl.when(pl.col("tier") == k).then(pl.lit("X")).otherwise(pl.lit("")).alias(t)
            for t, k in tiers.items()
        ),
    )
    twice = pl.DataFrame({"ISO3": ["THA"], "Year": ["2016"], "Tier 1": ["X"], "Tier 2": ["x"]}).with_columns(
        pl.lit("").alias("Tier 2 Watch List"), pl.lit("").alias("Tier 3")
    )
    none = twice.with_columns(
        pl.lit("").alias("Tier 1"), pl.lit("").alias("Tier 2"), pl.lit("CHL").alias("ISO3")
    )
    path = tmp_path / "marks.csv"
    pl.concat([marks, twice, none]).write_csv(path)
    loaded = registry.load(path)
    placed = [row for row in _placements(kelley, (2014, 2015)) if row[3] is None]
    assert loaded.data.select(COLUMNS).sort("iso3", "report_year").rows() == placed
    assert loaded.rejects.select("row", "value").rows() == [
        (marks.height + 2, "Tier 1, Tier 2"),
        (marks.height + 3, None),
    ]
    assert loaded.rows_in == loaded.rows_kept + loaded.rows_rejected == marks.height + 2


@pytest.mark.parametrize(
    "text",
    [
        "Tier 1,Tier 2,Tier 2 Watch List,Tier 3\nAustralia,Albania,Algeria,Belarus\n",
        "Tier placements 2012\nTier 1,Tier 2,Tier 2 Watch List,Tier 3\nAustralia,Albania,Algeria,Belarus\n",
        "TIP Report 2012 (data of 2011)\nTier 1,Tier 2,Tier 2 Watch List,Tier 3\nAustralia,Albania,Algeria,Belarus\n",
        "Country,Tier 1,Tier 2,Tier 2 Watch List,Tier 3\nAustralia,X,,,\nAlbania,,X,,\n",
    ],
    ids=["no title", "a title not naming the report", "a title of two years", "marks without a year column"],
)
def test_a_column_per_tier_without_its_report_year_is_refused_saying_what_gives_it(
    tmp_path: Path, text: str
) -> None:
    path = tmp_path / "tiers.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UnknownFormatError) as error:
        registry.load(path)
    message = str(error.value)
    assert "a column per tier" in message and "no report year" in message
    assert "2024 Trafficking in Persons Report" in message and "report_year" in message


@pytest.mark.parametrize(
    "label",
    [
        "{} TIP Report",
        "TIP {}",
        "Report {}",
        "{}*",
        "{}\u00b9",
        "Tier placement ({})",
        "{} Tier",
        "{} Tier placement",
    ],
)
def test_report_years_headed_in_words_or_with_a_footnote_read_as_a_column_per_report_year(
    shared_data: Path, kelley, tmp_path: Path, label: str
) -> None:
    """A column per report year headed as compilations head them (``2012 TIP Report``, ``TIP 2012``, ``2012*``): her
    placements, each year its column's (was not recognised: only a plain year was)."""
    long = _kelley_long(shared_data).filter(pl.col("tier") != "")
    wide = long.pivot(on="year", index=["countryname", "iso"], values="tier", aggregate_function="first")
    wide = wide.rename({year: label.format(year) for year in wide.columns[2:]})
    path = tmp_path / "wide.csv"
    wide.write_csv(path)
    loaded = registry.load(path)
    assert loaded.data.select(COLUMNS).sort("iso3", "report_year").rows() == _placements(kelley)
    assert not any(note.startswith("columns not used") for note in loaded.provenance.notes)


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_tier_columns_headed_with_footnote_marks_or_in_capitals_read_as_a_column_per_tier(
    tmp_path: Path, delimiter: str
) -> None:
    """``Tier 2 Watch List*``, ``TIER 3¹``: the tiers they name, each placement flagged for its footnote (which may
    qualify it), in a file delimited by semicolons too (was not recognised as a tier table)."""
    header = ["TIER 1", "Tier 2", "Tier 2 Watch List*", "Tier 3\u00b9"]
    path = tmp_path / "per_tier.csv"
    lines = [
        "2012 TIP Report",
        delimiter.join(header),
        delimiter.join(["Australia", "Albania", "Algeria", "Belarus"]),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = registry.load(path)
    assert loaded.data.select("iso3", "tier").sort("iso3").rows() == [
        ("ALB", "Tier 2"),
        ("AUS", "Tier 1"),
        ("BLR", "Tier 3"),
        ("DZA", "Tier 2 Watch List"),
    ]
    assert loaded.flags.filter(pl.col("reason") == tip.REASON_TIER_FOOTNOTE)["column"].sort().to_list() == [
        "Tier 2 Watch List*",
        "Tier 3\u00b9",
    ]


def test_a_title_naming_its_report_year_twice_gives_it(tmp_path: Path) -> None:
    """``2012 Trafficking in Persons Report (June 2012)``: one year, written twice (was refused as two years)."""
    path = tmp_path / "per_tier.csv"
    path.write_text(
        '"2012 Trafficking in Persons Report (June 2012)"\nTier 1,Tier 2\nAustralia,Albania\n',
        encoding="utf-8",
    )
    assert registry.load(path).data.select("iso3", "report_year").sort("iso3").rows() == [
        ("ALB", 2012),
        ("AUS", 2012),
    ]


def test_text_under_a_tier_that_is_no_mark_rejects_its_row_naming_the_cell(tmp_path: Path) -> None:
    """A year (or a note) under a tier is no mark: the row is rejected naming the cell, never read as marked; the
    marks a one-hot table writes (1 and 0, ✓) are read."""
    path = tmp_path / "marks.csv"
    path.write_text(
        "ISO3,Year,Tier 1,Tier 2,Tier 3\nTHA,2016,,2016,\nCHL,2016,1,0,0\nCUB,2016,,,\u2713\n",
        encoding="utf-8",
    )
    loaded = registry.load(path)
    assert loaded.rejects.select("row", "column", "value", "reason").rows() == [
        (2, "Tier 2", "2016", tip.REASON_NOT_A_MARK)
    ]
    assert loaded.data.select("iso3", "tier").sort("iso3").rows() == [("CHL", "Tier 1"), ("CUB", "Tier 3")]


def test_numbered_tiers_with_a_footnote_or_the_automatic_downgrade_read_as_the_tiers_they_name(
    tmp_path: Path,
) -> None:
    """In a table of numbered tiers, ``3*`` and ``3 (auto-downgraded)`` are Tier 3, flagged as a named tier so
    written is (the qualifier made the table no table of numbered tiers: every number was rejected)."""
    path = tmp_path / "tiers.csv"
    path.write_text(
        "iso3,report_year,tier\nTHA,2016,2WL\nCUB,2016,3*\nCHL,2016,1\nMMR,2016,3 (auto-downgraded)\n",
        encoding="utf-8",
    )
    loaded = tip.load(path, tip.SIMPLE_LAYOUT)
    assert loaded.data.select("iso3", "tier").sort("iso3").rows() == [
        ("CHL", "Tier 1"),
        ("CUB", "Tier 3"),
        ("MMR", "Tier 3"),
        ("THA", "Tier 2 Watch List"),
    ]
    assert loaded.flags.select("row", "reason").rows() == [
        (3, tip.REASON_TIER_FOOTNOTE),
        (5, tip.REASON_TIER_QUALIFIED),
    ]


@pytest.mark.parametrize("label", ["Country/Territory", "Country or territory", "Country or area"])
def test_a_country_column_headed_country_or_territory_names_the_countries(tmp_path: Path, label: str) -> None:
    """``Country/Territory`` (as compilations and the GSI head it) is the country column: each code read from the
    name (the table was refused as lacking a code or country column)."""
    path = tmp_path / "tiers.csv"
    path.write_text(
        f"{label},Year,Tier\nThailand,2016,Tier 2 Watch List\nChile,2016,Tier 1\n", encoding="utf-8"
    )
    assert registry.load(path).data.select("iso3", "tier").sort("iso3").rows() == [
        ("CHL", "Tier 1"),
        ("THA", "Tier 2 Watch List"),
    ]


def test_a_column_per_report_year_numbering_tiers_beside_their_names_reads_each(tmp_path: Path) -> None:
    """Numbers beside the Watch List written in full and a special case: ``1``, ``2``, ``3`` are tiers there
    (the Watch List is named, so 2 is not it); ``Special Case`` stays a special case."""
    path = tmp_path / "wide.csv"
    path.write_text(
        "Country,ISO3,2016,2017\nThailand,THA,Tier 2 Watch List,2\nYemen,YEM,Special Case,3\nChile,CHL,1,1\n",
        encoding="utf-8",
    )
    loaded = registry.load(path)
    assert loaded.data.select(COLUMNS).sort("iso3", "report_year").rows() == [
        ("CHL", 2016, "Tier 1", None),
        ("CHL", 2017, "Tier 1", None),
        ("THA", 2016, "Tier 2 Watch List", None),
        ("THA", 2017, "Tier 2", None),
        ("YEM", 2016, None, "Special Case"),
        ("YEM", 2017, "Tier 3", None),
    ]


def test_a_header_repeated_above_each_part_of_a_pasted_table_is_left_out_with_its_titles(
    shared_data: Path, tmp_path: Path
) -> None:
    """Her file pasted region by region: the header again above each part (once as written, once in other case and
    spacing), one part after a blank line and a title. Those lines are no placements: left out and named, the
    placements the parts' own; a row resembling the header but not the same is rejected as before."""
    lines = (shared_data / REAL_FILE).read_text().splitlines()
    header, records = lines[0], lines[1:121]
    whole = tmp_path / "whole.csv"
    whole.write_text("\n".join([header, *records]) + "\n")
    parts = [header, *records[:40], "", "Africa", header, *records[40:80]]
    parts += ['" Countryname ","ISO","Year","ccode","TIER"', *records[80:]]
    pasted = tmp_path / "pasted.csv"
    pasted.write_text("\n".join(parts) + "\n")
    expected = tip.load(whole, "kelley_csv")
    book = openpyxl.Workbook()
    for line in parts:  # the same lines as a sheet's rows, the blank line an empty row
        book.active.append([cell.strip('"') or None for cell in line.split(",")] if line else [None])
    book.save(tmp_path / "pasted.xlsx")
    read = (
        (tip.load(pasted, "kelley_csv"), "line"),
        (tip.load(tmp_path / "pasted.xlsx", "kelley_csv"), "row"),
    )
    for loaded, unit in read:
        assert loaded.data.drop("source_row").equals(expected.data.drop("source_row"))
        assert loaded.rejects.is_empty() and loaded.rows_in == loaded.data.height == 120
        assert loaded.rows_left_out == 4  # the blank line, the title, two headers
        notes = loaded.provenance.notes
        assert f"2 header row(s) repeated within the table left out: {unit} 44, 85" in notes
        titled = f"1 title {unit}(s) above a repeated header left out"
        assert any(n.startswith(titled) and "'Africa'" in n for n in notes)

    resembling = tmp_path / "resembling.csv"
    resembling.write_text(
        "\n".join([header, *records[:40], '"countryname","iso","year","ccode","tier level"']) + "\n"
    )
    kept = tip.load(resembling, "kelley_csv")
    assert kept.rejects.get_column("row").unique().to_list() == [42]
    assert kept.rows_in == kept.data.height + 1
    assert not any("repeated" in n for n in kept.provenance.notes)


def test_a_title_line_right_below_a_record_is_not_taken_for_a_parts_title(tmp_path: Path) -> None:
    """Only lines after a gap are a part's title: a text line straight below a placement stays rejected."""
    path = tmp_path / "no_gap.csv"
    head = '"countryname","iso","year","ccode","tier"'
    path.write_text(
        f'{head}\n"Albania","ALB",2001,339,"Tier 3"\nAfrica\n{head}\n"Algeria","DZA",2001,615,"Tier 2"\n'
    )
    loaded = tip.load(path, "kelley_csv")
    assert loaded.data.height == 2 and loaded.rejects.get_column("row").unique().to_list() == [3]
    assert "1 header row(s) repeated within the table left out: line 4" in loaded.provenance.notes


@pytest.mark.parametrize("with_codes", [True, False])
def test_a_footnote_mark_on_a_country_name_is_read_past_and_flagged(
    shared_data: Path, tmp_path: Path, with_codes: bool
) -> None:
    """Her 2012 placements typed from the report, three names with a footnote mark as the reports print them
    ("Myanmar*", "Cuba¹", "Thailand (a)"): the same placements, each so named flagged and said in a note (the mark
    was dropped without a word); a name's own words in parentheses are no mark."""
    long = _kelley_long(shared_data).filter((pl.col("year") == "2012") & (pl.col("tier") != ""))
    marks = {"Myanmar": "Myanmar*", "Cuba": "Cuba\u00b9", "Thailand": "Thailand (a)"}
    assert set(marks) <= set(long["countryname"])

    def table(names: dict[str, str]) -> pl.DataFrame:
        frame = long.select(
            Country=pl.col("countryname").replace(names), ISO3=pl.col("iso"), Year="year", Tier="tier"
        )
        return frame if with_codes else frame.drop("ISO3")

    plain, marked = tmp_path / "plain.csv", tmp_path / "marked.csv"
    table({}).write_csv(plain)
    table(marks).write_csv(marked)
    expected, loaded = registry.load(plain), registry.load(marked)
    assert loaded.data.drop("country").equals(expected.data.drop("country"))
    flagged = loaded.flags.filter(pl.col("reason") == tip.REASON_COUNTRY_FOOTNOTE)
    assert sorted(flagged["value"]) == sorted(marks.values())
    assert flagged["column"].unique().to_list() == ["Country"]
    assert any(
        n.startswith("3 placement(s) of a country named with a footnote mark")
        for n in loaded.provenance.notes
    )
    assert not expected.flags.filter(pl.col("reason") == tip.REASON_COUNTRY_FOOTNOTE).height
    assert not any(
        re.search(COUNTRY_FOOTNOTE, name) for name in ("Congo (DRC)", "Korea (South)", "Cabo Verde")
    )
