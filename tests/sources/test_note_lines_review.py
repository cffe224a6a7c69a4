"""Review of the note lines below a table (foot28): a record at the end whose only filled cell holds a value its
column refuses is a bad record, rejected with its reason; it is no note line, left out. Each variant is written to
tmp_path from the real file's rows (never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.sources import registry
from evidence.sources.case_records import load_case_records
from evidence.sources.loaded import LoadedTable


def _k_anon_with(shared_data: Path, target: Path, below: list[dict[str, str]]) -> Path:
    """The k-anonymised excerpt with records appended, each filling only the cells ``below`` names."""
    lines = (shared_data / "ctdc/k_anon_excerpt.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(";")
    records = [";".join(cells.get(column, "") for column in header) for cells in below]
    target.write_text("\n".join([*lines, *records]) + "\n", encoding="utf-8")
    return target


@pytest.mark.parametrize("values", [["Yes"], ["Yes", "No"]])
def test_a_last_k_anon_record_with_one_flag_spelled_as_a_word_stays_rejected(
    shared_data: Path, tmp_path: Path, values: list[str]
) -> None:
    """A k-anonymised record with every field suppressed but one flag, written ``Yes`` (the layout's flags are
    1, 0, -99): rejected for its flag, as it is among the records; it was left out as a note line."""
    original = registry.load(shared_data / "ctdc/k_anon_excerpt.csv")
    path = _k_anon_with(shared_data, tmp_path / "k_anon.csv", [{"isForcedLabour": v} for v in values])
    loaded = registry.load(path)
    end = original.rows_in + 1
    assert loaded.rows_in == loaded.rows_kept + loaded.rows_rejected == original.rows_in + len(values)
    assert loaded.rows_left_out == original.rows_left_out
    assert loaded.rejects.get_column("row").to_list() == list(range(end + 1, end + 1 + len(values)))
    assert all(r.startswith("unknown flag value") for r in loaded.rejects.get_column("reason"))
    assert not any("below the table left out" in n for n in loaded.provenance.notes)


def test_a_source_line_below_a_rejected_last_record_is_still_a_note(
    shared_data: Path, tmp_path: Path
) -> None:
    original = registry.load(shared_data / "ctdc/k_anon_excerpt.csv")
    path = _k_anon_with(
        shared_data,
        tmp_path / "k_anon.csv",
        [{"isForcedLabour": "Yes"}, {"yearOfRegistration": "Source: CTDC, k-anonymised data 2024"}],
    )
    loaded = registry.load(path)
    end = original.rows_in + 1
    assert (loaded.rows_in, loaded.rows_rejected) == (original.rows_in + 1, 1)
    assert loaded.rows_left_out == original.rows_left_out + 1
    assert loaded.rejects.get_column("row").to_list() == [end + 1]
    assert f"line {end + 2} 'Source: CTDC, k-anonymised data 2024'" in " ".join(loaded.provenance.notes)


def _export_with(fixtures: Path, target: Path, below: list[str]) -> tuple[LoadedTable, LoadedTable]:
    """The fictional case-management export, as read, and with ``below`` appended (its mapping beside it)."""
    folder = fixtures / "case_records"
    source, mapping = folder / "assisted_victims.csv", folder / "assisted_victims.csv.mapping.yaml"
    target.write_text(source.read_text(encoding="utf-8").rstrip("\n") + "\n" + "\n".join(below) + "\n")
    return load_case_records(source, mapping), load_case_records(target, mapping)


@pytest.mark.parametrize(
    ("column", "value"),
    [("Sex", "Femal"), ("Nationality", "Narnia"), ("Referred by", "Police station"), ("Age", "about 30")],
)
def test_a_last_case_holding_one_bad_value_stays_rejected(
    fixtures: Path, tmp_path: Path, column: str, value: str
) -> None:
    """A case of which one field is known (a row as wide as the sheet, one cell filled: kept when the value reads,
    ``F``) with a value its column refuses is a bad case, rejected with its reason, as it is among the cases; it
    was left out as a note line below the table. A note stands in the first cell (column A, a line's start)."""
    header = (fixtures / "case_records/assisted_victims.csv").read_text(encoding="utf-8").split("\n", 1)[0]
    columns = header.split(",")
    cells = ["" for _ in columns]
    cells[columns.index(column)] = f'"{value}"'
    original, loaded = _export_with(fixtures, tmp_path / "export.csv", [",".join(cells)])
    assert loaded.rows_in == loaded.rows_kept + loaded.rows_rejected == original.rows_in + 1
    assert (loaded.rows_rejected, loaded.rows_left_out) == (1, original.rows_left_out)
    assert set(loaded.rejects.get_column("column")) >= {column}
    assert not any("below the table left out" in n for n in loaded.provenance.notes)
    # a source line below it is a note still
    original, noted = _export_with(
        fixtures, tmp_path / "noted.csv", [",".join(cells), "Source: Mekong Survivor Support Foundation"]
    )
    assert (noted.rows_rejected, noted.rows_left_out) == (1, original.rows_left_out + 1)


def test_a_last_case_holding_one_bad_value_in_a_workbook_stays_rejected(
    fixtures: Path, tmp_path: Path
) -> None:
    """The same in a workbook's sheet: a note in column A below the cases is no case (rejected for its text, left
    out); a bad value in another column alone is a bad case, rejected."""
    import shutil

    import openpyxl

    folder = fixtures / "case_records"
    # the export's columns with Sex first (the mapping finds a column by its label): a note in column A below the
    # cases is rejected for its text (no code), where one in the Case ID column would be a case (kept)
    records = [
        line.split(",") for line in (folder / "assisted_victims.csv").read_text(encoding="utf-8").splitlines()
    ]
    order = [records[0].index("Sex"), *(i for i, c in enumerate(records[0]) if c != "Sex")]
    lines = [",".join(record[i] for i in order) for record in records]
    columns = lines[0].split(",")

    def book(below: list[tuple[str, str]], name: str) -> LoadedTable:
        sheet_book = openpyxl.Workbook()
        sheet = sheet_book.active
        for line in lines:
            sheet.append([cell or None for cell in line.split(",")])
        for column, value in below:
            sheet.append([value if c == column else None for c in columns])
        target = tmp_path / f"{name}.xlsx"
        sheet_book.save(target)
        mapping = tmp_path / f"{name}.xlsx.mapping.yaml"
        shutil.copy(folder / "assisted_victims.csv.mapping.yaml", mapping)
        return load_case_records(target, mapping)

    original = book([], "export")
    loaded = book([("Nationality", "Narnia")], "bad")
    assert (loaded.rows_in, loaded.rows_rejected) == (original.rows_in + 1, 1)
    assert loaded.rows_left_out == original.rows_left_out
    noted = book([("Nationality", "Narnia"), ("Sex", "Source: Mekong Survivor Support Foundation")], "noted")
    assert (noted.rows_rejected, noted.rows_left_out) == (1, original.rows_left_out + 1)


def _glotip_record(year: int) -> tuple:
    """A data row of the GLOTIP layout (unodc.HEADER's order)."""
    return (
        *("THA", "Thailand", "Asia", "South-eastern Asia", "Detected trafficking victims", "by citizenship"),
        *("Myanmar", "Total", "Total", year, "Counts", "7", "GLOTIP"),
    )


def test_a_source_line_below_each_sheet_of_a_split_glotip_release_is_left_out(tmp_path: Path) -> None:
    """A release split over two sheets, each with its source line below its table: both lines are notes below a
    table, left out and named (the first sheet's stayed rejected, as the rows' end was the last sheet's only); a
    note between two data rows of a sheet stays rejected."""
    import openpyxl

    from evidence.sources import unodc

    source = "Source: UNODC, Global Report on Trafficking in Persons 2024"

    def book(name: str, sheets: list[list[tuple]]) -> LoadedTable:
        workbook = openpyxl.Workbook()
        for index, rows in enumerate(sheets, start=1):
            sheet = workbook.active if index == 1 else workbook.create_sheet()
            sheet.title = f"data_glotip_{index}"
            for line in [("UNODC", "unodc_ddds@un.org"), ("30/05/2023",), unodc.HEADER, *rows]:
                sheet.append(list(line))
        workbook.save(tmp_path / name)
        return unodc.load(tmp_path / name)

    loaded = book(
        "split.xlsx", [[_glotip_record(2020), (None,), (source,)], [_glotip_record(2019), (source,)]]
    )
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (2, 2, 0)
    assert loaded.rows_left_out == 3  # the empty row and the two source lines
    [note] = [n for n in loaded.provenance.notes if "below the table left out" in n]
    assert note.startswith("2 note lines below the table left out")
    among = book(
        "among.xlsx", [[_glotip_record(2020), (source,), _glotip_record(2019)], [_glotip_record(2018)]]
    )
    assert (among.rows_kept, among.rows_rejected, among.rows_left_out) == (3, 1, 0)


@pytest.mark.parametrize("case_id", ["MSS 0999", "Case 12", "KE 2024/001"])
def test_a_last_case_cut_short_to_an_id_with_a_space_stays_rejected(
    fixtures: Path, tmp_path: Path, case_id: str
) -> None:
    """A last line holding only a case id (the export cut short after it) is a case cut short, rejected as such,
    whether or not the id has a space in it; it was left out as a note (prose) when it had one. A note typed
    there is prose: words of letters with a space between them."""
    original, loaded = _export_with(fixtures, tmp_path / "export.csv", [case_id])
    assert loaded.rows_in == loaded.rows_kept + loaded.rows_rejected == original.rows_in + 1
    assert loaded.rows_rejected == 1
    assert loaded.rejects.get_column("reason")[0].startswith("truncated row")
    assert not any("below the table left out" in n for n in loaded.provenance.notes)
    _, noted = _export_with(fixtures, tmp_path / "noted.csv", [case_id, "A note: ids are the case file's"])
    assert (noted.rows_rejected, noted.rows_left_out) == (1, original.rows_left_out + 1)
