"""Walk Free GSI summaries as a next release or a re-save could write them: numbers of people written with dots
between thousands. Fixtures are made from the real workbook."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from _xlsx import sheet_as_csv
from polars.testing import assert_frame_equal

from evidence.sources import registry, walkfree

REAL_FILE = "walkfree/gsi_2023.xlsx"
POPULATION, NUMBER = 1, 4  # their columns in the summary sheet


@pytest.fixture(scope="module")
def gsi(real_loaded):
    return real_loaded(REAL_FILE)


def _saved(shared_data: Path, tmp_path: Path, columns: tuple[int, ...], write) -> Path:
    """The summary sheet saved as CSV, the cells of ``columns`` below the header rewritten by ``write``."""
    path = sheet_as_csv(shared_data / REAL_FILE, tmp_path / "gsi.csv", walkfree.SHEET)
    frame = pl.read_csv(path, has_header=False, infer_schema=False)
    names = frame.columns
    header_row = frame.with_row_index().filter(pl.col(names[0]) == "Country")["index"].item()
    body = pl.int_range(pl.len()) > header_row
    frame = frame.with_columns(
        pl.when(body & pl.col(names[i]).str.contains(r"^[0-9]+$"))
        .then(pl.col(names[i]).map_elements(write, return_dtype=pl.String))
        .otherwise(pl.col(names[i]))
        for i in columns
    )
    frame.write_csv(path, include_header=False)
    return path


def test_numbers_of_people_written_with_dots_between_thousands_read_as_the_workbook(
    shared_data: Path, gsi, tmp_path: Path
) -> None:
    """Population ``38.928.000`` and ``98.000`` beside prevalences written ``12.96`` (a comma-delimited file): the
    column's two-dot cells show the dots separate thousands, so ``98.000`` is 98,000 people, said in a note (it was
    read as 98, and the country kept: its number of people lost without a word)."""
    path = _saved(
        shared_data, tmp_path, (POPULATION, NUMBER), lambda text: f"{int(text):,}".replace(",", ".")
    )
    text = path.read_text(encoding="utf-8")
    assert ",38.928.000," in text and re.search(r",[1-9][0-9]{0,2}\.000,", text)
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (180, 180, 0)
    assert_frame_equal(loaded.data.drop("source_row"), gsi.data.drop("source_row"), rel_tol=1e-8)
    assert any("dots between thousands" in note for note in loaded.provenance.notes)


#: The summary's first five labels: country, population, region, prevalence, number of people.
HEADER = [
    "Country",
    "Population",
    "Region",
    "Estimated prevalence of modern slavery per 1,000 population",
    "Estimated number of people in modern slavery",
]


@pytest.mark.parametrize(
    ("numbers", "rejected"),
    [
        (["505.000", "34.000", "84.000"], [2, 3, 4]),  # nothing tells 505 from 505,000
        (["505.000", "1.500.000", "84.5"], [2, 3]),  # two dots and a decimal point: the column says both
    ],
)
def test_a_number_of_people_that_may_be_98_or_98000_is_rejected_naming_its_cell(
    tmp_path: Path, numbers: list[str], rejected: list[int]
) -> None:
    """A number of people written with a dot before three digits, in a column that does not tell whether the dot
    separates thousands or is a decimal point (or tells both), is rejected naming its row and column: never read as
    505 people (it was, and kept)."""
    rows = [
        ("Afghanistan", "38928000", "12.96"),
        ("Albania", "2878000", "11.81"),
        ("Algeria", "43851000", "1.92"),
    ]
    lines = [",".join(f'"{h}"' for h in HEADER)] + [
        f"{name},{population},Asia,{prevalence},{number}"
        for (name, population, prevalence), number in zip(rows, numbers, strict=True)
    ]
    path = tmp_path / "gsi.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = registry.load(path)
    assert loaded.rejects.select("row", "column", "reason").rows() == [
        (row, HEADER[4], walkfree.REASON_DOTTED) for row in rejected
    ]
    assert loaded.rows_in == loaded.rows_kept + loaded.rows_rejected == 3


@pytest.mark.parametrize("other", [None, "2.878.000"], ids=["alone", "beside a cell of two dots"])
def test_a_workbooks_text_cell_of_people_written_98_000_is_never_read_as_98(
    shared_data: Path, gsi, tmp_path: Path, other: str | None
) -> None:
    """A population typed as text ``98.000`` among number cells (whose text, the reader's, tells nothing of how the
    publisher writes numbers): rejected naming its row and column; beside another text cell of two dots
    (``2.878.000``), 98,000 with a note. It was read as 98 people (the reader takes the text for 98)."""
    import openpyxl

    book = openpyxl.load_workbook(shared_data / REAL_FILE, read_only=True)
    rows = [list(row) for row in book[walkfree.SHEET].iter_rows(values_only=True)]
    written = {"Antigua and Barbuda": "98.000", **({"Albania": other} if other else {})}
    where = {}
    for index, row in enumerate(rows):
        if row[0] in written:
            where[row[0]] = index + 1
            row[POPULATION] = written[row[0]]
    out = openpyxl.Workbook()
    out.active.title = walkfree.SHEET
    for row in rows:
        out.active.append(row)
    path = tmp_path / "gsi.xlsx"
    out.save(path)
    loaded = registry.load(path)
    populations = dict(loaded.data.select("country", "population").iter_rows())
    if other is None:
        assert loaded.rejects.select("row", "column", "value", "reason").rows() == [
            (where["Antigua and Barbuda"], "Population", "98.000", walkfree.REASON_DOTTED)
        ]
        assert "Antigua and Barbuda" not in populations
    else:
        assert loaded.rows_rejected == 0
        assert (populations["Antigua and Barbuda"], populations["Albania"]) == (98_000, 2_878_000)
        assert any("dots between thousands" in note for note in loaded.provenance.notes)


@pytest.mark.parametrize("where", ["csv", "xlsx"])
def test_a_header_repeated_above_each_part_of_a_pasted_table_is_left_out_with_its_titles(
    shared_data: Path, gsi, tmp_path: Path, where: str
) -> None:
    """The summary pasted region by region: its header again above a part after a blank row and a title, and once
    more in capitals. No countries: left out and named, the countries read as the workbook's (they were rejected:
    a population 'Population' is no number); a row resembling the header but for one label stays rejected."""
    if where == "csv":
        lines = (
            sheet_as_csv(shared_data / REAL_FILE, tmp_path / "gsi.csv", walkfree.SHEET)
            .read_text()
            .splitlines()
        )
        at = next(i for i, line in enumerate(lines) if line.startswith("Country,"))
        header = lines[at]
        lines[at + 61 : at + 61] = ["", "Africa", header]
        lines[at + 124 : at + 124] = [header.upper()]
        path = tmp_path / "gsi.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        first, second, unit = at + 64, at + 125, "line"  # lines 1-based, ``at`` 0-based
    else:
        # rows inserted in the sheet's XML as a spreadsheet program inserts them (the rows below moved down), every
        # other part as published: a round trip of the whole workbook through openpyxl took 1.9 CPU-s
        import openpyxl
        from _gsi import edited
        from _xlsx import set_dimension

        book = openpyxl.load_workbook(shared_data / REAL_FILE, read_only=True)
        top = list(book[walkfree.SHEET].iter_rows(max_row=20, values_only=True))
        book.close()
        at = next(r for r in range(1, 20) if top[r - 1][0] == "Country")
        header = list(top[at - 1])
        path = edited(
            shared_data,
            tmp_path / "gsi.xlsx",
            _rows_inserted(at + 61, [[], ["Africa"], header]),
            _rows_inserted(
                at + 124, [[label.upper() if isinstance(label, str) else label for label in header]]
            ),
            set_dimension("A1:Q191"),
        )
        first, second, unit = at + 63, at + 124, "row"
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (180, 180, 0)
    assert_frame_equal(loaded.data.drop("source_row"), gsi.data.drop("source_row"), rel_tol=1e-8)
    notes = loaded.provenance.notes
    assert f"2 header row(s) repeated within the table left out: {unit} {first}, {second}" in notes
    assert any(n.startswith(f"1 title {unit}(s) above a repeated header") and "'Africa'" in n for n in notes)
    assert loaded.rows_left_out == gsi.rows_left_out + 4  # the blank line, the title, two headers
    if where == "csv":
        lines[at + 2 : at + 2] = [header.replace("Population", "Population (2021)", 1)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        resembling = registry.load(path)
        assert resembling.rows_rejected == 1 and resembling.rejects.get_column("row").unique().to_list() == [
            at + 3
        ]


def _rows_inserted(before: int, rows: list[list[str | None]]) -> Callable[[bytes], bytes]:
    """A sheet's XML with ``rows`` (texts from column A, None an empty cell; an empty row left blank) inserted as
    rows ``before``, ``before + 1``...: the rows from ``before`` on (and their cells) numbered on after them."""

    def moved(match: re.Match[bytes]) -> bytes:
        number = int(match.group(2))
        return match.group(1) + str(number + len(rows) if number >= before else number).encode()

    def edit(xml: bytes) -> bytes:
        xml = re.sub(rb'(<row r=")(\d+)', moved, xml)
        xml = re.sub(rb'(<c r="[A-Z]+)(\d+)', moved, xml)
        new = b"".join(
            f'<row r="{before + i}">'.encode()
            + b"".join(
                f'<c r="{chr(ord("A") + column)}{before + i}" t="inlineStr"><is><t>{html.escape(text)}</t></is></c>'.encode()
                for column, text in enumerate(cells)
                if text is not None
            )
            + b"</row>"
            for i, cells in enumerate(rows)
            if cells
        )
        at = next(
            (
                m.start()
                for m in re.finditer(rb'<row r="(\d+)"', xml)
                if int(m.group(1)) >= before + len(rows)
            ),
            xml.index(b"</sheetData>"),
        )
        return xml[:at] + new + xml[at:]

    return edit


def test_a_footnote_mark_on_a_country_name_is_read_past_and_flagged(
    shared_data: Path, gsi, tmp_path: Path
) -> None:
    """Three countries named with a footnote mark as a publication prints them ("Afghanistan*", "Albania¹",
    "Algeria (a)"): the same countries and figures, each so named flagged and said in a note (the mark was dropped
    without a word)."""
    path = sheet_as_csv(shared_data / REAL_FILE, tmp_path / "gsi.csv", walkfree.SHEET)
    marks = {"Afghanistan": "Afghanistan*", "Albania": "Albania\u00b9", "Algeria": "Algeria (a)"}
    text = path.read_text(encoding="utf-8")
    for name, marked in marks.items():
        text = text.replace(f"\n{name},", f"\n{marked},", 1)
    path.write_text(text, encoding="utf-8")
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (180, 180, 0)
    assert_frame_equal(
        loaded.data.drop("source_row", "country"), gsi.data.drop("source_row", "country"), rel_tol=1e-8
    )
    flagged = loaded.flags.filter(pl.col("reason") == walkfree.REASON_COUNTRY_FOOTNOTE)
    assert sorted(flagged["value"]) == sorted(marks.values())
    assert any(
        n.startswith("3 country name(s) written with a footnote mark") for n in loaded.provenance.notes
    )
    assert not gsi.flags.filter(pl.col("reason") == walkfree.REASON_COUNTRY_FOOTNOTE).height
