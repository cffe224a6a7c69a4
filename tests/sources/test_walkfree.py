"""Walk Free GSI 2023 loader: a hand-made workbook in the published layout, and the real workbook."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
from _resaved import RESAVED, assert_resaved_read_alike_and_noted
from _xlsx import Edit, delete_columns, set_text
from hypothesis import given
from hypothesis import strategies as st

from evidence.core.errors import InputError, UnknownFormatError
from evidence.sources import registry, walkfree
from evidence.sources.registry import FileHead
from evidence.sources.workbook import NOT_AVAILABLE

REAL_FILE = "walkfree/gsi_2023.xlsx"

# The published header labels, in order (the long labels are matched by their start).
HEADER = [
    "Country",
    "Population",
    "Region",
    "Estimated prevalence of modern slavery per 1,000 population",
    "Estimated number of people in modern slavery",
    "Governance issues",
    "Lack of basic needs",
    "Inequality",
    "Disenfranchised groups",
    "Effects of conflict",
    "Total Vulnerability score (%)",
    "Survivors of slavery are identified and supported to exit and remain out of modern slavery (%)",
    "Criminal justice mechanisms function effectively to prevent modern slavery (%)",
    (
        "Coordination occurs at the national and regional level and across borders, and governments are held to "
        "account for their response (%)"
    ),
    "Risk factors, such as attitudes, social systems, and institutions that enable modern slavery are addressed (%)",
    "Government and business stop sourcing goods and services produced by forced labour (%)",
    "Government response total (%)",
]


def write_gsi(
    path: Path, rows: list[list], *, sheet: str = walkfree.SHEET, title: str = "Source: Walk Free 2023"
) -> Path:
    """Row 1 empty, row 2 the source line and group titles, row 3 the header, then countries (made-up numbers)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "CONTENTS"
    ws = wb.create_sheet(sheet)
    ws.append([])
    ws.append([title, None, None, "PREVALENCE", None, "VULNERABILITY"])
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def country(
    name: str, *, response: list | None = None, prevalence: object = 2.5, population: object = 1_000_000
) -> list:
    scores = response if response is not None else [50.0, 40.0, 30.0, 20.0, 10.0, 35.0]
    return [
        name,
        population,
        "Asia and the Pacific",
        prevalence,
        2500,
        10.0,
        20.0,
        30.0,
        40.0,
        50.0,
        45.5,
        *scores,
    ]


def test_sniff(tmp_path: Path) -> None:
    path = write_gsi(tmp_path / "g.xlsx", [country("Thailand")])
    assert walkfree.sniff(FileHead(path)) == walkfree.LAYOUT
    assert registry.detect(path)[0].source == walkfree.SOURCE
    other = write_gsi(tmp_path / "o.xlsx", [country("Thailand")], sheet="GSI 2018")
    assert walkfree.sniff(FileHead(other)) is None


def test_columns_and_values(tmp_path: Path) -> None:
    rows = [
        country("Thailand"),
        country("Myanmar", response=[None] * 6),
        country("Viet Nam", prevalence=None),
    ]
    loaded = walkfree.load(write_gsi(tmp_path / "g.xlsx", rows))
    assert loaded.kind == "gsi" and loaded.provenance.release == "2023"
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected, loaded.flags.height) == (3, 3, 0, 0)
    data = loaded.data
    assert data.schema == pl.Schema(walkfree.GSI_SCHEMA)
    assert data["iso3"].to_list() == ["THA", "MMR", "VNM"]
    assert data["source_row"].to_list() == [4, 5, 6]  # header on the 3rd row of the sheet
    tha = data.row(0, named=True)
    assert (tha["population"], tha["prevalence_per_1000"], tha["estimated_number_in_modern_slavery"]) == (
        1_000_000,
        2.5,
        2500,
    )
    assert (tha["vulnerability_total"], tha["response_supply_chains"], tha["response_total"]) == (
        45.5,
        10.0,
        35.0,
    )
    assert data.row(1, named=True)["response_total"] is None  # not assessed stays null, never 0
    assert data.row(2, named=True)["prevalence_per_1000"] is None


def test_defects(tmp_path: Path) -> None:
    rows = [
        country("Thailand"),
        country("Atlantis"),  # row 5: not a country
        country("Myanmar", prevalence="about 5"),  # row 6: text in a number column
        country("Thailand"),  # row 7: the same country twice
        country("Kosovo", population=0),  # row 8: 0 is the workbook's "no figure"
        [None] * 17,
        ["Note: estimates refer to 2021."],  # a footnote, not a country
    ]
    loaded = walkfree.load(write_gsi(tmp_path / "g.xlsx", rows))
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (5, 4, 1)
    assert loaded.rejects.select("row", "value", "reason").row(0) == (
        6,
        "about 5",
        walkfree.REASON_NOT_NUMBER,
    )
    flagged = {(r["row"], r["reason"]) for r in loaded.flags.iter_rows(named=True)}
    assert flagged == {
        (5, walkfree.REASON_UNMAPPED),
        (4, walkfree.REASON_DUPLICATE),
        (7, walkfree.REASON_DUPLICATE),
        (8, walkfree.REASON_ZERO_POPULATION),
    }
    kosovo = loaded.data.filter(pl.col("iso3") == "XKX").row(0, named=True)
    assert kosovo["population"] is None and kosovo["estimated_number_in_modern_slavery"] == 2500
    assert loaded.data.filter(pl.col("country") == "Atlantis")["iso3"].item() is None


def test_missing_columns_are_an_input_error(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = walkfree.SHEET
    ws.append(["Country", "Population", "Region"])
    ws.append(["Thailand", 1, "Asia"])
    wb.save(tmp_path / "g.xlsx")
    with pytest.raises(InputError, match="lacks the columns"):
        walkfree.load(tmp_path / "g.xlsx")


# --- the real workbook ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gsi(real_loaded):
    return real_loaded(REAL_FILE)


def test_real_workbook(gsi) -> None:
    assert (gsi.rows_in, gsi.rows_kept, gsi.rows_rejected) == (180, 180, 0)
    assert gsi.data["iso3"].null_count() == 0 and gsi.data["iso3"].n_unique() == 180
    # the workbook's 0 populations (Cape Verde, Kosovo, Liechtenstein, Palau) are missing, not 0
    assert gsi.flags["reason"].to_list() == [walkfree.REASON_ZERO_POPULATION] * 4
    assert gsi.data["population"].null_count() == 4 and gsi.data["population"].min() > 0


def test_real_workbook_thailand(gsi) -> None:
    tha = gsi.data.filter(pl.col("iso3") == "THA").row(0, named=True)
    assert tha["population"] == 69_800_000
    assert round(tha["prevalence_per_1000"], 2) == 5.74
    assert tha["estimated_number_in_modern_slavery"] == 401_000
    assert tha["estimate_year"] == 2021
    scores = [tha[c] for c in walkfree.MEASURES if c.startswith(("vulnerability_", "response_"))]
    assert all(0 <= s <= 100 for s in scores)


@pytest.mark.parametrize("separator", [",", ";"])
def test_the_summary_sheet_saved_as_csv_loads_as_the_workbook(
    shared_data: Path, gsi, tmp_path: Path, separator: str
) -> None:
    from _xlsx import sheet_as_csv
    from polars.testing import assert_frame_equal

    path = sheet_as_csv(shared_data / REAL_FILE, tmp_path / "gsi.csv", walkfree.SHEET, separator=separator)
    assert registry.detect(path)[1] == walkfree.LAYOUT_CSV
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (180, 180, 0)
    # numbers as the cells show them (the text of a number is rounded to about 9 decimals)
    assert_frame_equal(loaded.data.drop("source_row"), gsi.data.drop("source_row"), rel_tol=1e-8)
    assert loaded.flags["reason"].to_list() == [walkfree.REASON_ZERO_POPULATION] * 4


@RESAVED
def test_a_csv_saved_as_utf16_or_with_cr_line_ends_says_so_as_every_delimited_loader(
    shared_data: Path, tmp_path: Path, encode, note: str
) -> None:
    """The CTDC and TIP loaders note a UTF-16 file (or CR-only line ends) read as such (delimited.utf8_text);
    the GSI loader read it the same but said nothing."""
    from _xlsx import sheet_as_csv

    path = sheet_as_csv(shared_data / REAL_FILE, tmp_path / "gsi.csv", walkfree.SHEET)
    assert_resaved_read_alike_and_noted(path, encode, note)


def test_a_csv_with_thousands_separators_reads_its_numbers(tmp_path: Path) -> None:
    """What a spreadsheet program writes when its cells show 69,800,000: the text as shown."""
    cells = ["Thailand", "69,800,000", "Asia and the Pacific", "5.74", "401,000", *["50"] * 12]
    path = tmp_path / "gsi.csv"
    lines = [
        ",".join(f'"{h}"' for h in HEADER),
        ",".join(f'"{c}"' for c in cells),
        '"Atlantis","some","Asia"',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = registry.load(path)
    tha = loaded.data.row(0, named=True)
    assert (tha["population"], tha["estimated_number_in_modern_slavery"]) == (69_800_000, 401_000)
    assert loaded.rejects.select("row", "value", "reason").rows() == [(3, "some", walkfree.REASON_NOT_NUMBER)]


def test_the_summary_sheet_saved_in_a_decimal_comma_locale_loads_as_the_workbook(
    shared_data: Path, gsi, tmp_path: Path
) -> None:
    """A spreadsheet program in a locale that delimits by semicolons writes 12,96 for 12.96: read as the
    workbook (was: every country rejected, "not a number"), with a note."""
    import re

    from _xlsx import sheet_as_csv
    from polars.testing import assert_frame_equal

    path = sheet_as_csv(shared_data / REAL_FILE, tmp_path / "gsi.csv", walkfree.SHEET, separator=";")
    text = re.sub(r"(?<=[;\n])(-?[0-9]+)\.([0-9]+)(?=[;\n])", r"\1,\2", path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    assert ";12,9" in text  # Afghanistan's prevalence, with a decimal comma
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (180, 180, 0)
    assert_frame_equal(loaded.data.drop("source_row"), gsi.data.drop("source_row"), rel_tol=1e-8)
    assert walkfree.DECIMAL_COMMA_NOTE in loaded.provenance.notes


def test_a_prevalence_above_1000_per_1000_is_rejected_never_kept(tmp_path: Path) -> None:
    """A decimal comma with three decimals ("5,740") cannot be told from a thousands separator: read as 5740
    per 1,000, which no prevalence can be, the row is rejected naming its row, column and text (was kept)."""
    lines = [
        ";".join(HEADER[:5]),
        "Thailand;69800000;Asia and the Pacific;5,740;401000",
        "Albania;2878000;;11;34000",
    ]
    path = tmp_path / "gsi.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = registry.load(path)
    assert loaded.rejects.select("row", "column", "value", "reason").rows() == [
        (2, HEADER[3], "5,740", walkfree.REASON_ABOVE_PER_1000)
    ]
    assert loaded.data["country"].to_list() == ["Albania"] and loaded.rows_in == 2


def test_a_score_above_100_percent_is_rejected(tmp_path: Path) -> None:
    path = write_gsi(
        tmp_path / "g.xlsx", [country("Thailand"), country("Albania", response=[50.0] * 5 + [130.0])]
    )
    loaded = registry.load(path)
    assert loaded.rejects.select("row", "column", "reason").rows() == [
        (5, HEADER[16], walkfree.REASON_ABOVE_100)
    ]
    assert loaded.rows_kept == 1


# --- header labels as a later edition or a re-save words them ---------------------------------------------------


def _reworded(header: list[str]) -> list[str]:
    """The header as a later edition might word it: case, parentheses and punctuation changed."""
    out = list(header)
    out[0] = "COUNTRY"
    out[3] = "Estimated prevalence of modern slavery (per 1,000 population)"
    out[4] = "Estimated number of people in modern-slavery"
    out[9] = "Effects of Conflict"
    out[10] = "Total vulnerability score, %"
    return out


def test_a_reworded_header_reads_the_same_columns(tmp_path: Path) -> None:
    cells = ["Thailand", "69800000", "Asia and the Pacific", "5.74", "401000", *["50"] * 12]
    path = tmp_path / "gsi.csv"
    lines = [",".join(f'"{h}"' for h in _reworded(HEADER)), ",".join(cells)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert registry.detect(path)[1] == walkfree.LAYOUT_CSV
    tha = registry.load(path).data.row(0, named=True)
    assert (tha["iso3"], tha["prevalence_per_1000"], tha["estimated_number_in_modern_slavery"]) == (
        "THA",
        5.74,
        401_000,
    )
    assert tha["vulnerability_effects_of_conflict"] == 50 and tha["vulnerability_total"] == 50


def test_the_real_workbook_with_a_reworded_header_loads_the_same(
    shared_data: Path, gsi, tmp_path: Path
) -> None:
    from _xlsx import sheet_as_csv

    path = sheet_as_csv(shared_data / REAL_FILE, tmp_path / "gsi.csv", walkfree.SHEET)
    lines = path.read_text(encoding="utf-8").splitlines()
    header_line = next(i for i, line in enumerate(lines) if line.startswith(("Country", '"Country')))
    lines[header_line] = ",".join(f'"{h}"' for h in _reworded(HEADER))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (180, 180, 0)
    tha = loaded.data.filter(pl.col("iso3") == "THA").row(0, named=True)
    assert (
        round(tha["prevalence_per_1000"], 2) == 5.74 and tha["estimated_number_in_modern_slavery"] == 401_000
    )


def test_other_columns_are_named_as_not_used(tmp_path: Path) -> None:
    import openpyxl

    path = write_gsi(tmp_path / "g.xlsx", [country("Thailand")])
    book = openpyxl.load_workbook(path)
    ws = book[walkfree.SHEET]
    ws.cell(row=3, column=len(HEADER) + 1, value="ISO3 (added by us)")
    ws.cell(row=4, column=len(HEADER) + 1, value="THA")
    book.save(path)
    loaded = registry.load(path)
    assert loaded.rows_kept == 1
    assert "columns not used: ISO3 (added by us)" in loaded.provenance.notes


def test_a_label_two_columns_start_with_is_refused_an_exact_one_wins(tmp_path: Path) -> None:
    cells = ["Thailand", "69800000", "Asia and the Pacific", "5.74", "401000", *["50"] * 12, "69800001"]
    path = tmp_path / "gsi.csv"

    def write(header: list[str]) -> Path:
        path.write_text(",".join(f'"{h}"' for h in header) + "\n" + ",".join(cells) + "\n", encoding="utf-8")
        return path

    # "Population" exactly, and a longer label starting with it: the exact one is the population
    loaded = registry.load(write([*HEADER, "Population (2023, UN DESA)"]))
    assert loaded.data["population"].to_list() == [69_800_000]
    assert "columns not used: Population (2023, UN DESA)" in loaded.provenance.notes
    # two longer labels and no exact one: which is meant cannot be told
    with pytest.raises(InputError, match="more than one column for 'Population'"):
        registry.load(write(["Country", "Population (2021)", *HEADER[2:], "Population (2023, UN DESA)"]))


# --- editions, not-available tokens, aggregates, fractions (review 6: M2, M3, M5, m6) ---------------------------


@pytest.mark.parametrize(
    ("sheet", "title"),
    [
        (
            "Summary data",
            "Source: Walk Free (2025). Available from: https://www.walkfree.org/global-slavery-index/",
        ),
        ("GSI summary data", "Source: Walk Free 2025, The Global Slavery Index (2025 edition)."),
        ("GSI 2025 summary data", "Source: Walk Free 2025, Global Slavery Index 2025."),
        ("Summary data", "The Global Slavery Index 2025"),
        ("Summary 2025", "Source"),  # a sheet named for its data and the edition's year alone
        ("2025 summary data", "Source"),
    ],
)
def test_a_file_naming_another_edition_loads_as_that_release_without_an_estimate_year(
    tmp_path: Path, sheet: str, title: str
) -> None:
    # a newer edition with the 2023 summary sheet's columns is read, not refused: its release is the edition it
    # names, and the year its estimates refer to (2021 for the 2023 edition) is left empty, said in a note
    path = write_gsi(tmp_path / "g.xlsx", [country("Thailand")], sheet=sheet, title=title)
    for loaded in (registry.load(path), walkfree.load(path)):
        assert loaded.provenance.release == "2025"
        assert loaded.data["estimate_year"].to_list() == [None]
        assert loaded.rows_kept == 1
        assert any("the 2025 edition, named in" in n and "left empty" in n for n in loaded.provenance.notes)


def test_a_file_naming_several_editions_is_refused_naming_them(tmp_path: Path) -> None:
    title = "Global Slavery Index 2025 (the Global Slavery Index 2023 figures for comparison)"
    path = write_gsi(tmp_path / "g.xlsx", [country("Thailand")], sheet="Summary data", title=title)
    with pytest.raises(UnknownFormatError, match=r"editions 2023 and 2025 .*which one its figures are"):
        registry.load(path)
    with pytest.raises(InputError, match="editions 2023 and 2025"):
        walkfree.load(path)


def test_a_year_in_a_title_line_about_the_estimates_is_not_an_edition(tmp_path: Path) -> None:
    # only a sheet's own name "Summary 2025" says the edition: a title line's "Summary 2021 estimates" may not
    path = write_gsi(
        tmp_path / "g.xlsx", [country("Thailand")], sheet="Summary", title="Summary 2021 estimates"
    )
    assert registry.load(path).provenance.release == "unknown"


def test_a_file_naming_no_edition_loads_as_release_not_stated(tmp_path: Path) -> None:
    loaded = registry.load(
        write_gsi(tmp_path / "g.xlsx", [country("Thailand")], sheet="Summary", title="Source")
    )
    assert loaded.provenance.release == "unknown"
    assert loaded.provenance.release_label == "release not stated in the file"
    assert loaded.data["estimate_year"].to_list() == [None]
    assert any("does not name its edition" in n for n in loaded.provenance.notes)


@pytest.mark.parametrize(
    "title", ["Global Slavery Index 2023", "GSI 2023", "Walk Free (2023)", "2023 edition"]
)
def test_the_2023_edition_is_read_from_its_title(tmp_path: Path, title: str) -> None:
    loaded = registry.load(
        write_gsi(tmp_path / "g.xlsx", [country("Thailand")], sheet="Summary", title=title)
    )
    assert (loaded.provenance.release, loaded.data["estimate_year"].item()) == ("2023", 2021)


@pytest.mark.parametrize("token", ["N/A", "Not Assessed", *sorted(NOT_AVAILABLE)])
def test_a_not_available_token_is_missing_for_its_column_only(tmp_path: Path, token: str) -> None:
    rows = [
        country("Thailand", response=[token, 40.0, 30.0, 20.0, 10.0, 35.0]),
        country("Myanmar", prevalence=token),
    ]
    loaded = walkfree.load(write_gsi(tmp_path / "g.xlsx", rows))
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (2, 2, 0)
    tha, mmr = loaded.data.rows(named=True)
    assert tha["response_survivors_supported"] is None and tha["response_criminal_justice"] == 40.0
    assert tha["prevalence_per_1000"] == 2.5
    assert mmr["prevalence_per_1000"] is None and mmr["estimated_number_in_modern_slavery"] == 2500
    assert set(loaded.flags.select("row", "value", "reason").rows()) == {
        (4, token, walkfree.REASON_NOT_AVAILABLE),
        (5, token, walkfree.REASON_NOT_AVAILABLE),
    }


@pytest.mark.parametrize(
    "name",
    ["World", "GLOBAL", "Asia and the Pacific", "asia-and the pacific", "All countries", "World total"],
)
def test_an_aggregate_row_is_left_out_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    total = country(name)
    total[2] = None
    path = write_gsi(tmp_path / "g.xlsx", [country("Thailand"), total])

    def per_row(*args, **kwargs):
        raise AssertionError("rows matched one by one (map_elements), not as a column")

    monkeypatch.setattr(pl.Series, "map_elements", per_row)
    monkeypatch.setattr(pl.Expr, "map_elements", per_row)
    loaded = walkfree.load(path)
    assert loaded.data["country"].to_list() == ["Thailand"] and loaded.rows_in == 1
    assert any(f"row 5 {name!r}" in n and "aggregate" in n for n in loaded.provenance.notes)


def test_scores_stored_as_fractions_are_scaled_to_percent(tmp_path: Path) -> None:
    row = country("Thailand", response=[0.5, 0.4, 0.3, 0.2, 0.1, -0.026])
    row[5:11] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.455]
    loaded = walkfree.load(write_gsi(tmp_path / "g.xlsx", [row]))
    tha = loaded.data.row(0, named=True)
    assert tha["vulnerability_total"] == pytest.approx(45.5) and tha["response_total"] == pytest.approx(-2.6)
    assert tha["prevalence_per_1000"] == 2.5  # per 1,000, not a percentage
    assert any("fractions" in n for n in loaded.provenance.notes)
    percent = walkfree.load(write_gsi(tmp_path / "p.xlsx", [country("Thailand")]))
    assert not any("fractions" in n for n in percent.provenance.notes)


# --- review 10: optional measures, numbers written as text, name-only rows --------------------------------------


def _real_copy(shared_data: Path, tmp_path: Path, *edits: Edit) -> Path:
    """The real workbook with its summary sheet edited by ``edits`` (of its XML), saved in tmp_path."""
    from _gsi import edited

    return edited(shared_data, tmp_path / "gsi.xlsx", *edits)


def test_a_missing_score_column_is_left_empty_with_a_note(shared_data: Path, gsi, tmp_path: Path) -> None:
    path = _real_copy(shared_data, tmp_path, delete_columns(10))  # "Effects of conflict"
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (180, 180, 0)
    assert loaded.data["vulnerability_effects_of_conflict"].null_count() == 180
    assert "columns not in this edition (left empty): 'Effects of conflict'" in loaded.provenance.notes
    from polars.testing import assert_frame_equal

    same = [c for c in gsi.data.columns if c != "vulnerability_effects_of_conflict"]
    assert_frame_equal(loaded.data.select(same), gsi.data.select(same), check_exact=True)


def test_an_estimates_only_sheet_loads(shared_data: Path, tmp_path: Path) -> None:
    """The 2018 edition's prevalence sheet: country, population, region and the two estimates only."""
    path = _real_copy(shared_data, tmp_path, delete_columns(6, 12))
    loaded = registry.load(path)
    assert loaded.rows_kept == 180
    tha = loaded.data.filter(pl.col("iso3") == "THA").row(0, named=True)
    assert tha["estimated_number_in_modern_slavery"] == 401_000 and tha["response_total"] is None


@pytest.mark.parametrize(
    "label",
    ["Total government response score (%)", "Government response score", "Overall government response (%)"],
)
def test_a_renamed_response_total_is_read(shared_data: Path, gsi, tmp_path: Path, label: str) -> None:
    loaded = registry.load(_real_copy(shared_data, tmp_path, set_text("Q3", label)))
    from polars.testing import assert_series_equal

    assert_series_equal(loaded.data["response_total"], gsi.data["response_total"], check_exact=True)


def test_a_missing_estimate_is_refused_naming_the_publishers_label_sheet_and_row(
    shared_data: Path, tmp_path: Path
) -> None:
    path = _real_copy(shared_data, tmp_path, delete_columns(4))  # the prevalence
    with pytest.raises(InputError) as error:
        registry.load(path)
    message = str(error.value)
    assert f"sheet {walkfree.SHEET!r}, row 3" in message
    assert "'Estimated prevalence of modern slavery per 1,000'" in message
    assert "prevalence_per_1000" not in message


def test_numbers_written_as_text_in_a_workbook_are_read(tmp_path: Path) -> None:
    tha = country("Thailand", population="69,800,000", prevalence="5.74")
    tha[4] = "401,000"
    khm = country("Cambodia", population="16 719 000", response=["-2.6%", "40%", "30", "20", "10", "35"])
    path = write_gsi(tmp_path / "g.xlsx", [tha, khm, country("Laos", population="about 7m")])
    loaded = walkfree.load(path)
    rows = {r["iso3"]: r for r in loaded.data.iter_rows(named=True)}
    assert (rows["THA"]["population"], rows["THA"]["estimated_number_in_modern_slavery"]) == (
        69_800_000,
        401_000,
    )
    assert rows["THA"]["prevalence_per_1000"] == 5.74
    assert rows["KHM"]["population"] == 16_719_000
    assert (
        rows["KHM"]["response_survivors_supported"] == -2.6 and rows["KHM"]["response_criminal_justice"] == 40
    )
    assert loaded.rejects.select("value", "reason").rows() == [("about 7m", walkfree.REASON_NOT_NUMBER)]


def test_a_percent_sign_is_read_in_score_columns_only(tmp_path: Path) -> None:
    cells = ["Thailand", "69,800,000", "Asia and the Pacific", "5.74", "401,000", *["75%"] * 11, "-2.6 %"]
    path = tmp_path / "gsi.csv"
    lines = [",".join(f'"{h}"' for h in HEADER), ",".join(f'"{c}"' for c in cells)]
    lines.append(
        ",".join(f'"{c}"' for c in ["Cambodia", "16,719,000", "Asia", "4.98%", "83,000", *["1"] * 12])
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = registry.load(path)
    tha = loaded.data.row(0, named=True)
    assert tha["vulnerability_total"] == 75 and tha["response_total"] == -2.6
    assert tha["estimated_number_in_modern_slavery"] == 401_000
    # a prevalence per 1,000 is no percentage: the sign makes it unreadable, not a number read past its sign
    assert loaded.rejects.select("row", "value").rows() == [(3, "4.98%")]


def test_the_real_sheet_with_percent_signs_as_csv_keeps_every_country(
    shared_data: Path, gsi, tmp_path: Path
) -> None:
    from _xlsx import sheet_as_csv

    path = sheet_as_csv(shared_data / REAL_FILE, tmp_path / "gsi.csv", walkfree.SHEET)
    rows = path.read_text(encoding="utf-8").splitlines()
    header_line = next(i for i, line in enumerate(rows) if line.startswith(("Country", '"Country')))
    import csv
    import io

    records = list(csv.reader(io.StringIO("\n".join(rows))))
    for record in records[header_line + 1 :]:
        record[5:] = [f"{float(c):.1f}%" if c.strip() else c for c in record[5:]]
    out = io.StringIO()
    csv.writer(out).writerows(records)
    path.write_text(out.getvalue(), encoding="utf-8")
    loaded = registry.load(path)
    assert (loaded.rows_kept, loaded.rows_rejected) == (180, 0)
    tha = loaded.data.filter(pl.col("iso3") == "THA").row(0, named=True)
    assert tha["vulnerability_total"] == 46.5 and tha["response_total"] == 55.1
    assert walkfree.FRACTIONS_NOTE not in loaded.provenance.notes


def test_a_country_with_its_name_only_is_kept_and_flagged(tmp_path: Path) -> None:
    rows = [
        country("Thailand"),
        ["Cambodia"],
        ["Laos", None, None, "n/a"],
        [],
        ["Note: estimates refer to 2021."],
    ]
    loaded = walkfree.load(write_gsi(tmp_path / "g.xlsx", rows))
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (3, 3, 0)
    khm = loaded.data.filter(pl.col("iso3") == "KHM").row(0, named=True)
    assert all(khm[n] is None for n in walkfree.MEASURES)
    flagged = loaded.flags.filter(pl.col("reason") == walkfree.REASON_NOT_ASSESSED)
    assert flagged["value"].to_list() == ["Cambodia", "Laos"]
    assert (
        "1 note line below the table left out (not records): row 8 'Note: estimates refer to 2021.'"
        in loaded.provenance.notes
    )


def test_notes_below_the_table_are_named_as_every_loader_names_them(tmp_path: Path) -> None:
    """The GSI named the lines below its table in words of its own ("text rows (not countries) left out: row 8
    'Note: …'", its text cut at 60 characters, a CSV's line called a row, text in a column not used unsaid),
    where the CTDC, TIP, UNODC and case-records loaders say "N note lines below the table left out (not
    records)" (delimited.notes_below). It says so too; what it tells a note by differs: it names no country and
    holds nothing else (it is not rejected first). A heading among the countries is left out as before, in its
    own words: no note below the table."""
    source = (
        "Source: Walk Free 2023, Global Slavery Index 2023. Available from: "
        "https://www.walkfree.org/global-slavery-index/"
    )
    rows = [
        country("Thailand"),
        ["Heading among the countries"],
        country("Cambodia"),
        [],
        [source],
        ["* Estimates refer to 2021."],
    ]
    loaded = walkfree.load(write_gsi(tmp_path / "g.xlsx", rows))
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected, loaded.rows_left_out) == (2, 2, 0, 4)
    notes = loaded.provenance.notes
    shown = "'Source: Walk Free 2023, Global Slavery Index 2023. Availabl…'"  # cut as the others cut theirs
    assert (
        f"2 note lines below the table left out (not records): row 8 {shown}, row 9 '* Estimates refer to 2021.'"
        in notes
    )
    assert "text rows (not countries) left out: row 5 'Heading among the countries'" in notes
    # the sheet saved as CSV, with a column of comments the loader does not read: a comment below is a note
    path = tmp_path / "g.csv"
    lines = [
        ",".join(f'"{h}"' for h in [*HEADER, "Comments"]),
        ",".join(map(str, [*country("Thailand"), ""])),
    ]
    path.write_text("\n".join([*lines, "," * len(HEADER) + "see file"]) + "\n", encoding="utf-8")
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_left_out) == (1, 1, 1)
    assert "1 note line below the table left out (not records): line 3 'see file'" in loaded.provenance.notes


@given(
    value=st.integers(min_value=-(10**12), max_value=10**12),
    separator=st.sampled_from([",", " ", "\u00a0", "\u202f", ""]),
    decimals=st.integers(min_value=0, max_value=3),
    percent=st.booleans(),
)
def test_a_number_written_as_text_reads_as_itself(
    value: int, separator: str, decimals: int, percent: bool
) -> None:
    """One rule reads a workbook's and a text file's numbers: grouped in thousands or not, signed, with
    decimals, and (score columns only) a percent sign."""
    number = value / 10**decimals
    text = f"{number:,.{decimals}f}".replace(",", separator) + ("%" if percent else "")
    frame = pl.DataFrame({"response_total": [text], "population": [text]}).with_columns(
        pl.lit(False).alias("response_total__na"), pl.lit(False).alias("population__na")
    )
    parsed = walkfree._with_numbers(frame, {"response_total": None, "population": None}).row(0, named=True)
    assert parsed["response_total__number"] == pytest.approx(number)
    assert parsed["response_total__pct"] is percent
    # a percent sign is no part of a population, an estimate or a prevalence
    assert parsed["population__number"] == (None if percent else pytest.approx(number))


def test_a_summary_sheet_whose_country_column_is_relabelled_is_refused_naming_it(
    shared_data: Path, tmp_path: Path
) -> None:
    """A later edition heading its country column with no country label ("Location") is refused saying the GSI
    header lacks 'Country', with its sheet and row (was "not a layout any loader knows", naming nothing). This test
    relabelled it "Country or area", UN M49's label, which is now read (the test below)."""

    with pytest.raises(UnknownFormatError) as error:
        registry.load(_real_copy(shared_data, tmp_path, set_text("A3", "Location")))
    message = str(error.value)
    assert f"sheet {walkfree.SHEET!r}, row 3 looks like the Walk Free GSI summary header" in message
    assert "lacks the columns 'Country'" in message


@pytest.mark.parametrize(
    ("cell", "label"),
    [
        ("B3", "Population (thousands)"),
        ("B3", "Population ('000)"),
        ("E3", "Estimated number of people in modern slavery (000s)"),
        ("E3", "Estimated number of people in modern slavery, millions"),
    ],
)
def test_a_count_column_in_thousands_is_refused_naming_its_label(
    shared_data: Path, tmp_path: Path, cell: str, label: str
) -> None:
    """A count headed in thousands or millions would be read as people (69,800 for 69.8 million): refused
    naming the label, sheet and row, never read a thousandth of the truth nor scaled by a guess."""

    with pytest.raises(InputError) as error:
        registry.load(_real_copy(shared_data, tmp_path, set_text(cell, label)))
    message = str(error.value)
    assert repr(label) in message and f"sheet {walkfree.SHEET!r}, header on row 3" in message
    assert "thousands or millions" in message


@pytest.mark.parametrize("label", ["Country or area", "Country or Area", "Country/area"])
def test_a_country_column_labelled_as_un_m49_labels_it_reads_as_the_table(
    shared_data: Path, gsi, tmp_path: Path, label: str
) -> None:
    """UN M49 (and UNdata) head the country column "Country or area": an edition or a re-published table following
    it is the same table, as "Country or territory" is (was refused as lacking its country column)."""
    loaded = registry.load(_real_copy(shared_data, tmp_path, set_text("A3", label)))
    assert loaded.data.equals(gsi.data)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (
        gsi.rows_in,
        gsi.rows_kept,
        gsi.rows_rejected,
    )
    assert loaded.provenance.release == gsi.provenance.release == "2023"


@pytest.mark.parametrize("label", ["Walk Free region", "GSI region", "Region (Walk Free)"])
def test_a_region_column_labelled_as_walk_frees_reads_as_the_region(
    shared_data: Path, gsi, tmp_path: Path, label: str
) -> None:
    """A later edition or a re-published table naming the regions as Walk Free's ("Walk Free region") has the
    regions of the table (region was left empty, the column not used)."""
    loaded = registry.load(_real_copy(shared_data, tmp_path, set_text("C3", label)))
    assert loaded.data.equals(gsi.data)
    assert not any("left empty" in note for note in loaded.provenance.notes)


def test_a_region_column_of_another_scheme_is_left_empty_and_said(
    shared_data: Path, gsi, tmp_path: Path
) -> None:
    """A region column of another scheme (UN M49's "Region Name": Africa, Asia… where Walk Free writes Arab
    States, Asia and the Pacific…) is not Walk Free's region: region is left empty and the note says so (it
    named the column as not used only, not that the table's region was left empty)."""

    loaded = registry.load(_real_copy(shared_data, tmp_path, set_text("C3", "Region Name")))
    assert loaded.rows_kept == 180 and loaded.data["region"].null_count() == 180
    assert "columns not in this edition (left empty): 'Region'" in loaded.provenance.notes
    assert "columns not used: Region Name" in loaded.provenance.notes


def test_a_file_rewritten_in_place_is_read_as_it_now_stands(tmp_path: Path) -> None:
    """The header found in a file is remembered by the file's time and size: the same path rewritten with
    another edition and another country is read afresh."""
    path = tmp_path / "g.xlsx"
    write_gsi(path, [country("Thailand")], sheet="Summary", title="Source")
    assert registry.load(path).provenance.release == "unknown"
    write_gsi(path, [country("Thailand"), country("Cambodia")], sheet="Summary", title="GSI 2023")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    loaded = registry.load(path)
    assert loaded.provenance.release == "2023"
    assert loaded.data.height == 2


def test_the_2018_editions_estimate_labels_are_read(shared_data: Path, gsi, tmp_path: Path) -> None:
    """The 2018 edition heads its estimates "Est. prevalence of population in modern slavery (victims per 1,000
    population)" and "Est. number of people in modern slavery" (sheet "Global prev, vuln, govt table", header on
    its 3rd row, "Country " with a trailing space): was refused as lacking both estimates. Its numbered
    vulnerability factors are read too (see test_the_2018_editions_labels_read_every_score)."""
    from _gsi import edited
    from _xlsx import rename_sheet

    path = edited(
        shared_data,
        tmp_path / "gsi_2018.xlsx",
        set_text("A2", "Global Slavery Index 2018"),
        set_text("A3", "Country "),
        set_text("D3", "Est. prevalence of population in modern slavery (victims per 1,000 population)"),
        set_text("E3", "Est. number of people in modern slavery"),
        set_text("F3", "Factor one Governance issues"),
        workbook=rename_sheet(walkfree.SHEET, "Global prev, vuln, govt table"),
    )
    loaded = registry.load(path)
    assert (loaded.provenance.layout, loaded.provenance.release) == (walkfree.LAYOUT, "2018")
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (180, 180, 0)
    for column in ("iso3", "population", "prevalence_per_1000", "estimated_number_in_modern_slavery"):
        assert loaded.data[column].equals(gsi.data[column])
    assert loaded.data["vulnerability_governance_issues"].equals(gsi.data["vulnerability_governance_issues"])
    assert not any("Factor one" in note for note in loaded.provenance.notes)


def test_a_csv_cut_short_or_with_a_row_too_wide_rejects_those_rows_as_such(
    shared_data: Path, gsi, tmp_path: Path
) -> None:
    """The summary sheet saved as CSV and cut short inside its last row (a download interrupted): Zimbabwe's
    "14863000" cut to "148" was read as a population of 148, kept without a word. A row with more fields than
    the header (a name with an unquoted comma) is rejected as such too, not for its shifted cells."""
    from _xlsx import sheet_as_csv

    path = sheet_as_csv(shared_data / REAL_FILE, tmp_path / "gsi.csv", walkfree.SHEET)
    lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    algeria = next(i for i, line in enumerate(lines) if line.startswith("Algeria,"))
    lines[algeria] = lines[algeria].replace("Algeria", "Algeria, People's Democratic Republic", 1)
    assert lines[-1].startswith("Zimbabwe,14863000,")
    path.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][: len("Zimbabwe,148")], encoding="utf-8")
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (180, 178, 2)
    assert loaded.rejects.select("row", "value", "reason").rows() == [
        (algeria + 1, "18 fields", "too many fields (more than the header's 17)"),
        (len(lines), "2 fields", "truncated row (fewer fields than the header's 17)"),
    ]
    assert loaded.data.filter(pl.col("iso3").is_in(["DZA", "ZWE"])).is_empty()
    # a shorter row followed by a line end is read padded (trailing empty cells left out by hand), as before
    path.write_text("\n".join(lines[:-1]) + "\nZimbabwe,14863000,Africa,4.98,74000\n", encoding="utf-8")
    zimbabwe = registry.load(path).data.filter(pl.col("iso3") == "ZWE").row(0, named=True)
    assert (zimbabwe["population"], zimbabwe["vulnerability_total"]) == (14_863_000, None)


def test_a_csv_whose_rows_end_in_a_delimiter_the_header_lacks_loads_whole(
    shared_data: Path, gsi, tmp_path: Path
) -> None:
    """An empty field beyond the header's (a writer ending every data row with a delimiter) cuts nothing: not a
    row with too many fields."""
    from _xlsx import sheet_as_csv
    from polars.testing import assert_frame_equal

    path = sheet_as_csv(shared_data / REAL_FILE, tmp_path / "gsi.csv", walkfree.SHEET)
    title, header, *rows = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([title, header, *(row + "," for row in rows)]) + "\n", encoding="utf-8")
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (180, 180, 0)
    assert_frame_equal(loaded.data.drop("source_row"), gsi.data.drop("source_row"), rel_tol=1e-8)


# --- a header label with a footnote number (workbook.header_cell_key) ------------------------------------------


def test_a_header_whose_labels_carry_footnote_numbers_loads_as_the_plain_one(
    shared_data: Path, gsi, tmp_path: Path
) -> None:
    """``Country¹``, ``Region [1]``: the labels read exactly (not by their start) were not found, so the summary
    sheet was refused as lacking its country column."""
    from _gsi import edited

    path = edited(
        shared_data,
        tmp_path / "gsi.xlsx",
        set_text("A3", "Country\u00b9"),
        set_text("C3", "Region [1]"),
        set_text("E3", "Estimated number of people in modern slavery [2]*"),
    )
    loaded = registry.load(path)
    assert loaded.data.equals(gsi.data)
    assert loaded.rejects.equals(gsi.rejects) and loaded.flags.equals(gsi.flags)
    assert loaded.provenance.notes == gsi.provenance.notes


def test_a_bracketed_letter_after_a_label_is_not_read_as_a_footnote(tmp_path: Path) -> None:
    """``Country [fr]`` (a language), ``Population [f]`` (a sex) are other columns than ``Country`` and
    ``Population``: never made the plain label (two columns for one would refuse the file)."""
    import openpyxl

    path = write_gsi(tmp_path / "g.xlsx", [country("Thailand")])
    book = openpyxl.load_workbook(path)
    ws = book[walkfree.SHEET]
    for offset, (label, value) in enumerate([("Country [fr]", "Thaïlande"), ("Population [f]", 35_000_000)]):
        ws.cell(row=3, column=len(HEADER) + 1 + offset, value=label)
        ws.cell(row=4, column=len(HEADER) + 1 + offset, value=value)
    book.save(path)
    loaded = registry.load(path)
    assert loaded.data.select("country", "population").rows() == [("Thailand", 1_000_000)]
    assert "columns not used: Country [fr], Population [f]" in loaded.provenance.notes


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_label_repeated_word_for_word_is_refused_naming_its_cells(tmp_path: Path, suffix: str) -> None:
    """``Country`` twice (a column copied beside itself, one of them edited): the frame's reader renames the
    copy, so the loader read the first, silently; now refused with both cells, as two footnoted copies are."""
    header = [*HEADER, "Country"]
    if suffix == ".xlsx":
        path = write_gsi(tmp_path / "g.xlsx", [[*country("Thailand"), "Viet Nam"]])
        import openpyxl

        book = openpyxl.load_workbook(path)
        book[walkfree.SHEET].cell(row=3, column=len(header), value="Country")
        book.save(path)
    else:
        path = tmp_path / "g.csv"
        cells = [str(c) for c in country("Thailand")]
        path.write_text(
            ",".join(f'"{h}"' for h in header) + "\n" + ",".join([*cells, "Viet Nam"]) + "\n",
            encoding="utf-8",
        )
    with pytest.raises(InputError) as caught:
        registry.load(path)
    last = chr(ord("A") + len(header) - 1)
    assert (
        f"more than one column for 'Country' (A{caught.value.row} 'Country' and {last}{caught.value.row} "
        in (caught.value.message)
    )


def test_rows_holding_nothing_among_the_countries_are_counted_and_named(tmp_path: Path) -> None:
    path = write_gsi(tmp_path / "g.xlsx", [country("Thailand"), [None] * 5, country("Viet Nam")])
    import openpyxl

    book = openpyxl.load_workbook(path)
    book[walkfree.SHEET].cell(row=5, column=2, value="  ")  # blanks only
    book.save(path)
    loaded = walkfree.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_left_out) == (2, 2, 1)
    assert "1 empty sheet row(s) ignored (no record: every cell empty): row 5" in loaded.provenance.notes


def test_rows_holding_nothing_in_the_summary_saved_as_csv_are_named_by_line(tmp_path: Path) -> None:
    cells = ",".join(str(c) for c in country("Thailand"))
    other = ",".join(str(c) for c in country("Viet Nam"))
    blanks = "," * (len(HEADER) - 1)
    path = tmp_path / "g.csv"
    header = ",".join(f'"{h}"' for h in HEADER)
    path.write_text("\n".join([header, cells, blanks, "", other, " " + blanks]) + "\n", encoding="utf-8")
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_left_out) == (2, 2, 3)
    assert (
        "3 empty row(s) ignored (no record: every field empty, a row of delimiters only): line 3, 4, 6"
        in (loaded.provenance.notes)
    )


def test_a_row_with_text_only_beyond_the_header_is_no_empty_row(tmp_path: Path) -> None:
    """A CSV row whose fields under the header are empty but that holds text beyond the header's last field holds
    something: it was left out as an empty row (named among the rows holding nothing), its text unsaid. It is a
    text row (not a country), left out and named as such, as a note below the table is."""
    cells = ",".join(str(c) for c in country("Thailand"))
    blanks = "," * (len(HEADER) - 1)
    path = tmp_path / "g.csv"
    header = ",".join(f'"{h}"' for h in HEADER)
    path.write_text("\n".join([header, cells, blanks + ",see file", blanks + ","]) + "\n", encoding="utf-8")
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_left_out) == (1, 1, 2)
    notes = loaded.provenance.notes
    assert any(n.startswith("text rows (not countries) left out: row 3") for n in notes)
    assert "1 empty row(s) ignored (no record: every field empty, a row of delimiters only): line 4" in notes


# --- the next edition (release audit): a prevalence per 100,000 is not one per 1,000 ------------------------------


@pytest.mark.parametrize("per", ["100,000", "10,000", "1,000,000"])
def test_a_prevalence_per_100000_is_never_read_as_one_per_1000(
    shared_data: Path, tmp_path: Path, per: str
) -> None:
    """Labels are compared without punctuation, so "per 100,000" starts with the key of "per 1,000": the real
    workbook with its prevalence headed per 100,000 loaded its 180 rows with every rate read as per 1,000 (a
    hundred times too high, had the figures been per 100,000). A label's number must end where the cell's does."""
    label = f"Estimated prevalence of modern slavery per {per} population"
    with pytest.raises(InputError) as error:
        registry.load(_real_copy(shared_data, tmp_path, set_text("D3", label)))
    assert "'Estimated prevalence of modern slavery per 1,000'" in str(error.value)
    # beside the published column, the per-100,000 one is a column not used, not a second prevalence
    cells = ["Thailand", "69800000", "Asia and the Pacific", "5.74", "401000", *["50"] * 12, "574"]
    path = tmp_path / "gsi.csv"
    path.write_text(
        ",".join(f'"{h}"' for h in [*HEADER, label]) + "\n" + ",".join(cells) + "\n", encoding="utf-8"
    )
    loaded = registry.load(path)
    assert loaded.data["prevalence_per_1000"].to_list() == [5.74]
    assert f"columns not used: {label}" in loaded.provenance.notes


# --- ranks as Walk Free publishes them ----------------------------------------------------------------------------


def test_prevalence_is_kept_unrounded_so_ranks_are_walk_frees(gsi) -> None:
    """Walk Free ranks the GSI 2023 countries by prevalence on the unrounded estimates: it publishes Russia,
    Afghanistan and Kuwait as 8th, 9th and 10th though all three read 13.0 per 1,000 at the published precision
    (Afghanistan and Kuwait read 12.96 even at two decimals). Ranking the loaded values reproduces that order only
    if the loader keeps the workbook's values as stored: rounding them (to the precision shown) would tie the
    three. Equal stored values (the government response total of Chad, Gabon and Russia) stay exactly equal, so
    a rank on them is a tie, as Walk Free's."""
    data = gsi.data.filter(pl.col("prevalence_per_1000").is_not_null())
    ranked = data.sort("prevalence_per_1000", descending=True)["iso3"].head(10).to_list()
    assert ranked == ["PRK", "ERI", "MRT", "SAU", "TUR", "TJK", "ARE", "RUS", "AFG", "KWT"]
    afghanistan, kuwait = (
        data.filter(pl.col("iso3") == code)["prevalence_per_1000"].item() for code in ("AFG", "KWT")
    )
    assert round(afghanistan, 2) == round(kuwait, 2) and afghanistan > kuwait
    assert data["prevalence_per_1000"].is_unique().all()  # no two countries tie on prevalence
    response = gsi.data.filter(pl.col("iso3").is_in(["TCD", "GAB", "RUS"]))["response_total"]
    assert response.n_unique() == 1 and response.round(2).item(0) == 24.36


@pytest.mark.parametrize(
    "title", ["2018 Global Slavery Index", "The 2018 GSI", "Global Slavery Index 2018", "GSI2018 dataset"]
)
def test_the_2018_edition_is_named_either_way_round_and_its_estimates_refer_to_2016(
    tmp_path: Path, title: str
) -> None:
    """The year before the index's name ("2018 Global Slavery Index") names the edition as the year after it does
    (was release not stated); the 2018 edition's estimates are those of 2016 (the Global Estimates of Modern
    Slavery 2017, for 2016), read from the source metadata as the 2023 edition's 2021 is (was left empty)."""
    loaded = registry.load(
        write_gsi(tmp_path / "g.xlsx", [country("Thailand")], sheet="Summary", title=title)
    )
    assert (loaded.provenance.release, loaded.data["estimate_year"].item()) == ("2018", 2016)
    assert "estimates refer to 2016" in loaded.provenance.notes


@pytest.mark.parametrize("marker", ["*", "\u00b9", " [a]", "\u2020"])
def test_a_figure_with_a_footnote_marker_is_read_without_it_and_flagged(tmp_path: Path, marker: str) -> None:
    """A figure marked for a footnote ("2.5*": an imputed estimate, a revised population) is the figure, the row
    flagged naming the cell; it was "not a number", rejecting the country and every other figure of it."""
    thailand = country("Thailand", prevalence=f"2.5{marker}", population=f"1,000,000{marker}")
    loaded = walkfree.load(write_gsi(tmp_path / "g.xlsx", [thailand, country("Cambodia")]))
    assert loaded.rows_rejected == 0
    tha = loaded.data.filter(pl.col("iso3") == "THA").row(0, named=True)
    assert (tha["prevalence_per_1000"], tha["population"]) == (2.5, 1_000_000)
    flagged = loaded.flags.filter(pl.col("reason") == walkfree.REASON_FOOTNOTE)
    assert sorted(flagged["value"].to_list()) == sorted([f"2.5{marker}", f"1,000,000{marker}"])


def test_a_marker_that_is_no_footnote_is_still_not_a_number(tmp_path: Path) -> None:
    """A prevalence "<5" is a bound, never the figure 5 with a footnote marker: missing and flagged as a bound (it
    was rejected with the country's other figures; see test_a_figure_written_as_a_bound_is_missing_...)."""
    loaded = walkfree.load(write_gsi(tmp_path / "g.xlsx", [country("Thailand", prevalence="<5")]))
    assert loaded.rejects.is_empty() and loaded.data["prevalence_per_1000"].to_list() == [None]
    assert loaded.flags["reason"].to_list() == [walkfree.REASON_BOUND]


def test_an_edition_giving_its_prevalence_in_percent_is_refused_as_a_gsi_naming_the_column(
    tmp_path: Path,
) -> None:
    """The 2016 edition's summary gives the prevalence as a percentage of the population, beside country,
    population and the estimated number: refused naming the GSI and the per-1,000 labels looked for, and the
    column read as another unit (was "not a layout any loader knows")."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "GSI 2016"
    sheet.append(["Global Slavery Index 2016"])
    sheet.append(
        [
            "Country",
            "Region",
            "Estimated percentage of population in modern slavery",
            "Estimated number in modern slavery",
            "Population",
        ]
    )
    sheet.append(["Thailand", "Asia Pacific", 0.61, 425500, 67959000])
    book.save(tmp_path / "gsi2016.xlsx")
    with pytest.raises(UnknownFormatError) as err:
        registry.load(tmp_path / "gsi2016.xlsx")
    message = str(err.value)
    assert "Walk Free GSI summary header" in message and "per 1,000" in message
    assert "'Estimated percentage of population in modern slavery'" in message


def test_a_code_column_beside_the_names_gives_the_codes(tmp_path: Path) -> None:
    """A copy of the summary with an ISO3 column (a merged or re-published table) is read by its codes, the names
    the fallback: a name the reference does not know no longer leaves its country without a code (it was
    flagged unmapped, the code beside it unread). A code the reference does not know falls back to the name,
    flagged; a name naming another country than the code is kept as coded, flagged."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = walkfree.SHEET
    sheet.append(["Global Slavery Index 2023"])
    sheet.append(["ISO3", *HEADER])
    rows = [
        ("THA", "Thailand"),
        ("CIV", "Republique de Cote d'Ivoire (the)"),  # a name the reference does not know
        ("XYZ", "Cambodia"),  # a code it does not know
        ("LAO", "Viet Nam"),  # a name naming another country
        ("mm", "Myanmar"),  # ISO2, lower case
    ]
    for code, name in rows:
        sheet.append([code, *country(name)])
    book.save(tmp_path / "gsi_codes.xlsx")
    loaded = registry.load(tmp_path / "gsi_codes.xlsx")
    assert loaded.rows_kept == 5
    assert loaded.data.sort("source_row")["iso3"].to_list() == ["THA", "CIV", "KHM", "LAO", "MMR"]
    flags = dict(loaded.flags.select("row", "reason").iter_rows())
    assert flags == {5: walkfree.REASON_UNKNOWN_CODE, 6: walkfree.REASON_NAME_DISAGREES}
    assert not any("columns not used" in note for note in loaded.provenance.notes)


def test_of_two_code_columns_the_label_listed_first_is_read(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["GSI 2023"])
    sheet.append(["ISO", "ISO3", *HEADER])
    sheet.append(["TH", "THA", *country("Thailand")])
    book.save(tmp_path / "g.xlsx")
    loaded = registry.load(tmp_path / "g.xlsx")
    assert loaded.data["iso3"].to_list() == ["THA"]
    assert "columns not used: ISO" in loaded.provenance.notes


@pytest.mark.parametrize("bound", ["<1,000", "< 1000", "<0.1", "≤ 0.1", ">1,000,000"])
def test_a_figure_written_as_a_bound_is_missing_for_its_column_only_and_flagged(
    tmp_path: Path, bound: str
) -> None:
    """An estimate the edition rounds away ("<1,000" people, a prevalence "<0.1" per 1,000) is a bound, not a
    figure: the country was rejected as "not a number", losing its population, vulnerability and government-response
    scores. Read as missing for that cell (no bound is a point estimate: not 0, not 1,000), flagged with the bound
    as written, the country's other figures kept."""
    rate = "0.1" in bound  # a prevalence; else the number of people
    rows = [country("Iceland", prevalence=bound if rate else 2.5), country("Palau")]
    if not rate:
        rows[0][4] = bound
    loaded = walkfree.load(write_gsi(tmp_path / "g.xlsx", rows))
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (2, 2, 0)
    isl = loaded.data.row(0, named=True)
    column = "prevalence_per_1000" if rate else "estimated_number_in_modern_slavery"
    assert isl[column] is None
    assert isl["population"] == 1_000_000 and isl["response_total"] == 35.0
    assert loaded.flags.select("row", "value", "reason").rows() == [(4, bound, walkfree.REASON_BOUND)]


@pytest.mark.parametrize("text", ["<", "< about 5", "<1-4", "5<", "<<5"])
def test_text_that_is_no_bound_of_a_figure_is_still_not_a_number(tmp_path: Path, text: str) -> None:
    loaded = walkfree.load(write_gsi(tmp_path / "g.xlsx", [country("Iceland", prevalence=text)]))
    assert loaded.rejects.select("value", "reason").rows() == [(text, walkfree.REASON_NOT_NUMBER)]


#: The 2018 edition's summary labels ("Global prev, vuln, govt table" of its data workbook), in the 2023 summary
#: sheet's column order: its vulnerability factors numbered ("Factor One Governance issues"), its overall score
#: "Final Overall (Normalised, Weighted) Vulnerability Score", its government-response milestones short ("Support
#: survivors") and their total headed "Total" alone.
LABELS_2018 = {
    "A3": "Country ",
    "D3": "Est. prevalence of population in modern slavery (victims per 1,000 population)",
    "E3": "Est. number of people in modern slavery",
    "F3": "Factor One Governance issues",
    "G3": "Factor Two Nourishment and Access",
    "H3": "Factor Three Inequality",
    "I3": "Factor Four Disenfranchised Groups",
    "J3": "Factor Five Effects of Conflict",
    "K3": "Final Overall (Normalised, Weighted) Vulnerability Score",
    "L3": "Support survivors",
    "M3": "Criminal Justice",
    "N3": "Coordination",
    "O3": "Address Risk",
    "P3": "Supply Chains",
    "Q3": "Total",
}


def test_the_2018_editions_labels_read_every_score(shared_data: Path, gsi, tmp_path: Path) -> None:
    """A workbook of the 2018 layout: its estimates were read but its five vulnerability factors, overall score,
    five milestones and response total matched no label, so all eleven were "not in this edition (left empty)"
    though the sheet holds them. Each is read as the 2023 edition's column it is."""
    path = _real_copy(shared_data, tmp_path, *(set_text(ref, label) for ref, label in LABELS_2018.items()))
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (180, 180, 0)
    assert loaded.data.equals(gsi.data)
    assert not any("left empty" in note for note in loaded.provenance.notes)


def test_total_alone_heads_the_response_total_only_as_a_whole_label(tmp_path: Path) -> None:
    """ "Total" is the 2018 response total's whole label: the 2023 edition's "Total Vulnerability score (%)" starts
    with it and stays the vulnerability total (was the header then ambiguous), and "Total population" is no score."""
    loaded = walkfree.load(write_gsi(tmp_path / "g.xlsx", [country("Thailand")]))
    tha = loaded.data.row(0, named=True)
    assert (tha["vulnerability_total"], tha["response_total"]) == (45.5, 35.0)


@pytest.mark.parametrize(
    ("cell", "text", "column"),
    [
        ("E164", "323,000\u2013485,000", "estimated_number_in_modern_slavery"),
        ("E164", "323000 - 485000", "estimated_number_in_modern_slavery"),
        ("D164", "4.6-6.9", "prevalence_per_1000"),
        ("D164", "4.6 to 6.9", "prevalence_per_1000"),
    ],
)
def test_a_figure_written_as_a_range_is_missing_for_its_cell_only_and_flagged(
    shared_data: Path, gsi, tmp_path: Path, cell: str, text: str, column: str
) -> None:
    """An estimate published as its interval ("323,000–485,000" people in Thailand, a prevalence "4.6-6.9" per
    1,000) is no point figure: the country was rejected as "not a number", losing its population and every score
    with it. Read as missing for that cell (neither end, nor a midpoint the edition never published), flagged
    with the range as written; the country's other figures and every other country as published."""
    loaded = registry.load(_real_copy(shared_data, tmp_path, set_text(cell, text)))
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (180, 180, 0)
    tha = loaded.data.filter(pl.col("iso3") == "THA")
    assert tha[column].to_list() == [None]
    others = [c for c in gsi.data.columns if c != column]
    assert tha.select(others).equals(gsi.data.filter(pl.col("iso3") == "THA").select(others))
    assert loaded.data.filter(pl.col("iso3") != "THA").equals(gsi.data.filter(pl.col("iso3") != "THA"))
    added = loaded.flags.join(gsi.flags, on=loaded.flags.columns, how="anti")
    assert added.select("row", "value", "reason").rows() == [(164, text, walkfree.REASON_RANGE)]


@pytest.mark.parametrize("text", ["-2.6", "1,000-", "4.6-6.9-8", "2021-2022 estimate", "2023-05-30"])
def test_text_that_is_no_range_of_a_figure_is_not_read_as_one(tmp_path: Path, text: str) -> None:
    """A negative figure (a prevalence: rejected as such), a dangling dash, three numbers, words and a date are no
    range: not a number."""
    loaded = walkfree.load(write_gsi(tmp_path / "g.xlsx", [country("Iceland", prevalence=text)]))
    assert walkfree.REASON_RANGE not in loaded.flags["reason"].to_list()
    reason = walkfree.REASON_NEGATIVE if text == "-2.6" else walkfree.REASON_NOT_NUMBER
    assert loaded.rejects.select("value", "reason").rows() == [(text, reason)]


@pytest.mark.parametrize("text", ["<0.1", "n/a", "5.74*"])
def test_a_text_cell_in_a_measure_column_leaves_every_other_figure_at_full_precision(
    shared_data: Path, gsi, tmp_path: Path, text: str
) -> None:
    """One text cell among a column's numbers (a bound, a not-available token, a footnoted figure) made calamine
    infer the column as text, and every other country's figure in it was then read from calamine's text of the
    number, rounded to 9 decimals (Afghanistan's prevalence 12.9599723815918 read as 12.959972382): 159 countries
    silently changed. The column is read as numbers whatever its other cells hold."""
    loaded = registry.load(_real_copy(shared_data, tmp_path, set_text("D164", text)))
    others = pl.col("iso3") != "THA"
    assert loaded.data.filter(others).equals(gsi.data.filter(others))


def test_a_boolean_cell_in_a_measure_column_is_still_not_a_number(shared_data: Path, tmp_path: Path) -> None:
    """Read as numbers, a boolean cell is 1: no figure was published, so it stays rejected as not a number."""
    from _xlsx import set_cell

    loaded = registry.load(
        _real_copy(shared_data, tmp_path, set_cell("D164", '<c r="D164" t="b"><v>1</v></c>'))
    )
    assert loaded.rejects.select("row", "value", "reason").rows() == [
        (164, "true", walkfree.REASON_NOT_NUMBER)
    ]


def test_an_edition_publishing_the_bounds_of_its_estimates_reads_the_estimates(
    shared_data: Path, gsi, tmp_path: Path
) -> None:
    """An edition adding the bounds of its estimates beside them ("Estimated prevalence of modern slavery per
    1,000 population (lower bound)", "... (upper bound)") was refused: "more than one column for 'Estimated
    prevalence of modern slavery per 1,000'", though a bound is no estimate. A column whose label names a bound of
    the measure is never the measure: read past and named among the columns not used."""
    import html

    import openpyxl
    from _xlsx import insert_columns

    lower, upper = "(lower bound)", "(upper bound)"

    # the estimates' labels and values as openpyxl reads them (read-only: the summary sheet alone, not the whole
    # workbook loaded and saved, which took ~2 s for its other sheets' ~70,000 cells)
    book = openpyxl.load_workbook(shared_data / REAL_FILE, read_only=True)
    rows = dict(enumerate(book[walkfree.SHEET].iter_rows(max_col=5, values_only=True), start=1))
    book.close()
    bounds = [(3, lower, 0.8), (3, upper, 1.2), (4, lower, 0.8), (4, upper, 1.2)]  # of D and E (0 is A)
    new_cells = {
        3: [
            f'<c t="inlineStr"><is><t>{html.escape(f"{rows[3][source]} {bound}")}</t></is></c>'
            for source, bound, _ in bounds
        ]
    }
    for row in range(4, len(rows) + 1):
        new_cells[row] = [
            f"<c><v>{estimate * factor!r}</v></c>"
            if isinstance(estimate := rows[row][source], int | float)
            else ""
            for source, _, factor in bounds
        ]
    # after the two estimates (D, E): their bounds, as a later edition may publish them
    path = _real_copy(shared_data, tmp_path, insert_columns(6, new_cells))
    loaded = registry.load(path)
    # (every published cell as published: the data are the real release's to the last digit)
    assert loaded.data.equals(gsi.data)
    assert loaded.rejects.is_empty() and loaded.flags.equals(gsi.flags)
    not_used = next(n for n in loaded.provenance.notes if n.startswith("columns not used: "))
    assert not_used.count(lower) == 2 and not_used.count(upper) == 2


@pytest.mark.parametrize(
    "bound",
    ["(lower bound)", "- high estimate", "95% confidence interval, lower", "(upper limit)", "minimum"],
)
def test_a_bound_of_an_estimate_however_worded_is_a_column_not_used(tmp_path: Path, bound: str) -> None:
    header = [*HEADER, f"{HEADER[3]} {bound}", f"{HEADER[4]} {bound}"]
    path = write_gsi(tmp_path / "g.xlsx", [[*country("Thailand"), 1.0, 1000]])
    import openpyxl

    book = openpyxl.load_workbook(path)
    for column, label in enumerate(header, start=1):
        book[walkfree.SHEET].cell(3, column).value = label
    book.save(path)
    loaded = registry.load(path)
    tha = loaded.data.row(0, named=True)
    assert (tha["prevalence_per_1000"], tha["estimated_number_in_modern_slavery"]) == (2.5, 2500)
    assert f"columns not used: {header[-2]}, {header[-1]}" in loaded.provenance.notes


def test_a_sheet_with_the_bounds_of_an_estimate_but_not_the_estimate_lacks_it(tmp_path: Path) -> None:
    """A bound is never read as the estimate it bounds, even when the estimate's own column is missing."""
    header = [f"{h} (lower bound)" if h.startswith("Estimated prevalence") else h for h in HEADER]
    path = write_gsi(tmp_path / "g.xlsx", [country("Thailand")])
    import openpyxl

    book = openpyxl.load_workbook(path)
    for column, label in enumerate(header, start=1):
        book[walkfree.SHEET].cell(3, column).value = label
    book.save(path)
    with pytest.raises((InputError, UnknownFormatError), match="prevalence"):
        registry.load(path)


def _summary_csv(shared_data: Path, target: Path, change) -> Path:
    """The real summary sheet saved as CSV, each country's cells (a list, in the header's order) changed by
    ``change``."""
    import csv
    import io

    from _xlsx import sheet_as_csv

    rows = list(
        csv.reader(io.StringIO(sheet_as_csv(shared_data / REAL_FILE, target, walkfree.SHEET).read_text()))
    )
    header = next(i for i, row in enumerate(rows) if row and row[0] == "Country")
    for row in rows[header + 1 :]:
        if row and row[0] and row[3]:
            change(row)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    target.write_text(buffer.getvalue(), encoding="utf-8")
    return target


def test_a_number_that_is_not_prevalence_times_population_is_flagged(
    shared_data: Path, tmp_path: Path
) -> None:
    """The estimated number is the prevalence per 1,000 times the population, rounded (in the 2023 edition
    within 0.91 to 1.14 times it, every country). Thailand's number typed in thousands (401 for 401,000) was kept
    without a word, a thousandth of Walk Free's estimate."""

    def in_thousands(row: list[str]) -> None:
        if row[0] == "Thailand":
            row[4] = "401"

    loaded = registry.load(_summary_csv(shared_data, tmp_path / "gsi.csv", in_thousands))
    assert (loaded.rows_kept, loaded.rows_rejected) == (180, 0)
    flagged = loaded.flags.filter(pl.col("reason") == walkfree.REASON_ESTIMATES_DISAGREE)
    assert flagged.select("column", "value").rows() == [(HEADER[4], "401")]


@pytest.mark.parametrize(
    ("column", "scale"),
    [(4, 1e-3), (1, 1e-6), (3, 1e-1)],
    ids=["numbers in thousands", "population in millions", "prevalence in percent"],
)
def test_a_summary_whose_estimates_disagree_in_most_countries_is_refused_naming_the_columns(
    shared_data: Path, tmp_path: Path, column: int, scale: float
) -> None:
    """A column in another unit than its label says, in every country: every figure of it read as published, a
    thousandth (a millionth, a tenth) of the truth, with no word."""

    def rescaled(row: list[str]) -> None:
        if row[column]:
            row[column] = f"{float(row[column]) * scale:.6g}"

    path = _summary_csv(shared_data, tmp_path / "gsi.csv", rescaled)
    with pytest.raises(InputError) as caught:
        registry.load(path)
    error = caught.value
    assert (error.path, error.row) == (str(path), 2)
    assert "is not the prevalence per 1,000 times the population in" in error.message
    assert "in 159 of 159 countries" in error.message and "('Afghanistan': " in error.message
