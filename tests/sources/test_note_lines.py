"""Note lines below a table ("Source: …", "Note: …", "* Data refer to …"), in every loader that reads a table of
records or figures (CTDC, TIP tiers, UNODC, case records): left out, counted and named with their text, never
rejected as bad rows (a release with a source line below it validates whole); a text-only row among the records
stays rejected. Each variant is written to tmp_path from the real file's rows (never copied)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import polars as pl
import pytest
from _xlsx import chain, keep_rows, rewrite, set_dimension, sheet_as_csv, sheet_part
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from evidence.cli.main import app
from evidence.sources import registry
from evidence.sources.case_records import load_case_records
from evidence.sources.delimited import notes_below, text_rows_at_end
from evidence.sources.loaded import LoadedTable, issues_frame

SOURCE_LINE = "Source: UNODC, Global Report on Trafficking in Persons 2024"
NOTES = (SOURCE_LINE, "Note: figures for 2022 are provisional", "* Data refer to the year of registration")


def note_lines(delimiter: str, fields: int) -> list[str]:
    """The notes as a spreadsheet saves them: the one with a delimiter quoted, one padded with empty fields (a
    row of the sheet), one bare."""
    first, second, third = NOTES
    return [f'"{first}"', second + delimiter * (fields - 1), third]


def with_lines(source: Path, target: Path, below: list[str], *, at: int | None = None) -> Path:
    """``source``'s lines with ``below`` appended (``at``: inserted before that 1-based line instead)."""
    lines = source.read_text(encoding="utf-8").splitlines()
    if at is None:
        lines += below
    else:
        lines[at - 1 : at - 1] = below
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def assert_notes_left_out(
    original: LoadedTable, noted: LoadedTable, rows: list[int], unit: str = "line"
) -> None:
    assert noted.data.equals(original.data)
    assert (noted.rows_in, noted.rows_rejected) == (original.rows_in, original.rows_rejected)
    blank = noted.rows_left_out - original.rows_left_out - len(rows)
    assert blank >= 0
    [note] = [n for n in noted.provenance.notes if "below the table left out" in n]
    assert note.startswith(f"{len(rows)} note line{'' if len(rows) == 1 else 's'} below the table left out")
    for row, text in zip(rows, NOTES, strict=False):
        assert f"{unit} {row} {text[:40]}" in note.replace("'", "")


@pytest.mark.parametrize(
    ("name", "delimiter"), [("ctdc/k_anon_excerpt.csv", ";"), ("tip/tip_tiers_1999_2015.csv", ",")]
)
def test_notes_below_a_delimited_release_are_left_out_and_named(
    shared_data: Path, tmp_path: Path, name: str, delimiter: str
) -> None:
    source = shared_data / name
    lines = source.read_text(encoding="utf-8").splitlines()
    fields = lines[0].count(delimiter) + 1
    noted = with_lines(
        source, tmp_path / source.name, ["", delimiter * (fields - 1), *note_lines(delimiter, fields)]
    )
    original, loaded = registry.load(source), registry.load(noted)
    end = len(lines)
    assert_notes_left_out(original, loaded, [end + 3, end + 4, end + 5])
    assert loaded.rows_left_out == original.rows_left_out + 5  # a blank line, a row of delimiters, 3 notes


@pytest.mark.parametrize(
    ("name", "delimiter"), [("ctdc/k_anon_excerpt.csv", ";"), ("tip/tip_tiers_1999_2015.csv", ",")]
)
def test_a_text_only_row_among_the_records_stays_rejected(
    shared_data: Path, tmp_path: Path, name: str, delimiter: str
) -> None:
    source = shared_data / name
    fields = source.read_text(encoding="utf-8").split("\n", 1)[0].count(delimiter) + 1
    middle = with_lines(source, tmp_path / source.name, [NOTES[1] + delimiter * (fields - 1)], at=10)
    loaded = registry.load(middle)
    assert loaded.rejects.get_column("row").unique().to_list() == [10]
    assert not any("below the table left out" in n for n in loaded.provenance.notes)


def test_a_country_alone_below_the_tiers_is_a_placement_cut_short_not_a_note(
    shared_data: Path, tmp_path: Path
) -> None:
    source = shared_data / "tip/tip_tiers_1999_2015.csv"
    end = len(source.read_text(encoding="utf-8").splitlines())
    loaded = registry.load(with_lines(source, tmp_path / "tiers.csv", ["Thailand,,,,", NOTES[1]]))
    assert loaded.rejects.get_column("row").unique().to_list() == [end + 1]
    assert loaded.rows_left_out == 1


def test_notes_below_case_records_are_left_out_and_one_among_them_rejected(
    fixtures: Path, tmp_path: Path
) -> None:
    """Notes typed on lines of their own below an export (no delimiters: rejected as cut short) are left out.
    (A note in the case id cell of a row as wide as the sheet is a case of which nothing else is known: kept,
    and pointed out by the register, test_register_store.)"""
    folder = fixtures / "case_records"
    source = folder / "assisted_victims.csv"
    mapping = folder / "assisted_victims.csv.mapping.yaml"
    end = len(source.read_text(encoding="utf-8").splitlines())
    typed = [f'"{NOTES[0]}"', *NOTES[1:]]
    noted = with_lines(source, tmp_path / "export.csv", ["", *typed])
    original, loaded = load_case_records(source, mapping), load_case_records(noted, mapping)
    assert_notes_left_out(original, loaded, [end + 2, end + 3, end + 4])
    # the same note typed among the records stays rejected (a record cut short)
    middle = load_case_records(with_lines(source, tmp_path / "middle.csv", [NOTES[1]], at=5), mapping)
    assert middle.rows_kept == original.rows_kept
    assert middle.rejects.get_column("row").unique().to_list() == [5]


def as_workbook(lines: list[str], target: Path) -> Path:
    """CSV ``lines`` as the single sheet of a workbook, one cell per field (an empty line an empty sheet row)."""
    import csv

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for index, record in enumerate(csv.reader(lines), start=1):
        for column, cell in enumerate(record, start=1):
            if cell:
                sheet.cell(index, column, cell)
    book.save(target)
    return target


@pytest.mark.parametrize("name", ["tip/tip_tiers_1999_2015.csv", "ctdc/vp_synthetic_condensed.csv"])
def test_notes_below_a_workbook_are_left_out(shared_data: Path, tmp_path: Path, name: str) -> None:
    lines = (shared_data / name).read_text(encoding="utf-8").splitlines()[:25]
    original = registry.load(as_workbook(lines, tmp_path / "table.xlsx"))
    loaded = registry.load(as_workbook([*lines, "", *(f'"{n}"' for n in NOTES[:2])], tmp_path / "noted.xlsx"))
    assert_notes_left_out(original, loaded, [27, 28], unit="row")


def _append_rows(cells: list[tuple[int, str]]) -> object:
    """Sheet rows holding one text cell each (column A), appended below the sheet's last row."""
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{html.escape(text, quote=False)}</t></is></c></row>'
        for r, text in cells
    )
    return lambda xml: xml.replace(b"</sheetData>", rows.encode() + b"</sheetData>", 1)


def test_notes_below_the_glotip_sheet_are_left_out_and_validate_exits_0(
    shared_data: Path, tmp_path: Path
) -> None:
    source = shared_data / "unodc/data_glotip_2023-05-30.xlsx"
    part = sheet_part(source, "data_glotip_1")
    small = rewrite(source, tmp_path / "small.xlsx", {part: chain(keep_rows(40), set_dimension(None))})
    noted = rewrite(small, tmp_path / "noted.xlsx", {part: _append_rows([(42, NOTES[0]), (43, NOTES[1])])})
    original, loaded = registry.load(small), registry.load(noted)
    assert original.rows_in > 30 and not original.rows_rejected
    assert_notes_left_out(original, loaded, [42, 43], unit="row")
    result = CliRunner().invoke(app, ["data", "validate", str(noted)])
    assert result.exit_code == 0, result.output
    assert "below the table left out" in re.sub(r"\s+", " ", result.output)
    # saved as CSV, semicolons, the last note typed without a line end (as a text editor leaves it): alike
    saved = sheet_as_csv(small, tmp_path / "small.csv", "data_glotip_1", separator=";")
    original = registry.load(saved)
    text = saved.read_text(encoding="utf-8")
    end = len(text.splitlines())
    saved.write_text(text + f'"{NOTES[0]}"\n{NOTES[1]}', encoding="utf-8")
    assert_notes_left_out(original, registry.load(saved), [end + 1, end + 2])


def test_only_text_rows_at_the_end_are_candidates_and_only_rejected_ones_notes() -> None:
    frame = pl.DataFrame(
        {
            "a": ["x", "Note: among", "y", "Source: below", None, "1,234"],
            "b": ["1", None, "2", None, "Female", None],
            "source_row": [2, 3, 4, 5, 6, 7],
        }
    )
    # a figure alone is no text: the block at the end starts below it (none)
    assert text_rows_at_end(frame).is_empty()
    below = text_rows_at_end(frame.head(5))
    assert below.to_dicts() == [
        {"row": 5, "column": "a", "text": "Source: below"},
        {"row": 6, "column": "b", "text": "Female"},
    ]
    # row 6's text its column holds (not rejected for it): it and every row above it are records
    rejects = issues_frame([{"row": 5, "column": "a", "value": "Source: below", "reason": "not a year"}])
    assert notes_below(below, rejects)[1] == 0
    both = issues_frame(
        [
            {"row": 5, "column": "a", "value": "Source: below", "reason": "not a year"},
            {"row": 6, "column": "b", "value": "Female", "reason": "not a code"},
        ]
    )
    left, noted, [note] = notes_below(below, both)
    assert (left.height, noted) == (0, 2)
    assert (
        note == "2 note lines below the table left out (not records): line 5 'Source: below', line 6 'Female'"
    )


def test_a_note_shows_its_text_shortened_and_escaped() -> None:
    text = "Source: \x1b[31mred\u202e" + "x" * 100
    below = pl.DataFrame({"row": [9], "column": ["a"], "text": [text]})
    rejects = issues_frame([{"row": 9, "column": "a", "value": text, "reason": "r"}])
    [note] = notes_below(below, rejects)[2]
    assert "\x1b" not in note and "\u202e" not in note and "\\x1b" in note and "\\u202e" in note
    assert len(note) < 160


@pytest.fixture(scope="module")
def tier_lines(shared_data: Path) -> list[str]:
    """The header and the first placements of Kelley's tier file."""
    return (shared_data / "tip/tip_tiers_1999_2015.csv").read_text(encoding="utf-8").splitlines()[:30]


@settings(max_examples=25)
@given(st.lists(st.sampled_from(["note", "blank", "delimiters", "data"]), max_size=6))
def test_every_line_below_the_header_is_kept_rejected_or_left_out(
    tier_lines: list[str], tmp_path_factory: pytest.TempPathFactory, kinds: list[str]
) -> None:
    header, *placements = tier_lines
    written = {"note": NOTES[1], "blank": "", "delimiters": ",,,,", "data": placements[-1]}
    path = tmp_path_factory.mktemp("tiers") / "tiers.csv"
    path.write_text("\n".join([header, *placements, *(written[k] for k in kinds)]) + "\n", encoding="utf-8")
    loaded = registry.load(path)
    last_data = max((i for i, k in enumerate(kinds) if k == "data"), default=-1)
    rejected = sum(
        1 for k in kinds[: max(last_data, 0)] if k == "note"
    )  # a note above a placement: a broken record
    assert loaded.rows_in + loaded.rows_left_out == len(placements) + len(kinds)
    assert loaded.rows_kept == len(placements) + kinds.count("data")
    assert loaded.rows_rejected == rejected
