"""Reading list-capture CSVs: both layouts, every refusal named by file, row and column, and the sidecar."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from evidence.core.errors import InputError
from evidence.sources.list_capture import load_list_capture
from evidence.sources.registry import loaders


def write(tmp_path: Path, text: str, name: str = "lists.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("count_name", ["n", "N", "count", "Count", "Frequency", "frequency", "freq"])
def test_histories_with_any_usual_count_column(tmp_path: Path, count_name: str) -> None:
    path = write(tmp_path, f"A,B,C,{count_name}\n1,0,0,40\n0,1,0,30\n0,0,1,20\n1,1,0,6\n")
    loaded = load_list_capture(path)
    assert loaded.kind == "list_capture"
    assert loaded.provenance.layout == "histories"
    assert loaded.data.columns == ["A", "B", "C", "count"]
    assert loaded.data["count"].to_list() == [40, 30, 20, 6]
    assert loaded.data.schema["A"] == pl.UInt8
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (4, 4, 0)


def test_provenance_of_a_users_file(tmp_path: Path) -> None:
    path = write(tmp_path, "A,B,n\n1,0,3\n0,1,2\n1,1,1\n", name="nrm_2024.csv")
    p = load_list_capture(path).provenance
    assert (p.source, p.release, p.url, p.licence) == (
        "list_capture",
        "unknown",
        "",
        "as stated by the data owner",
    )
    assert "nrm_2024.csv" in p.citation and p.title == "nrm_2024"
    assert len(p.sha256) == 64 and not p.synthetic and not p.demo


def test_case_records_become_one_row_per_case_without_identifiers(tmp_path: Path) -> None:
    path = write(tmp_path, "case_id,police,ngo,shelter\nK1,1,0,0\nK2,1,1,0\nK3,0,0,1\nK4,1,0,0\n")
    loaded = load_list_capture(path)
    assert loaded.provenance.layout == "case_records"
    assert loaded.data.columns == ["police", "ngo", "shelter", "count"]
    assert loaded.data["count"].to_list() == [1, 1, 1, 1]
    assert (loaded.rows_in, loaded.rows_kept) == (4, 4)


def test_all_zero_history_with_count_zero_is_set_aside(tmp_path: Path) -> None:
    path = write(tmp_path, "b,c,d,Count\n0,0,1,41\n0,0,0,0\n1,1,0,54\n")
    loaded = load_list_capture(path)
    assert loaded.rows_kept == 2 and loaded.rows_rejected == 1
    assert loaded.rejects["row"].to_list() == [3]


def test_sidecar_completes_the_provenance(tmp_path: Path) -> None:
    path = write(tmp_path, "A,B,n\n1,0,3\n0,1,2\n1,1,1\n")
    (tmp_path / "lists.csv.provenance.json").write_text(
        json.dumps({"release": "2024-06", "citation": "National Referral Mechanism lists, 2024"})
    )
    p = load_list_capture(path).provenance
    assert (p.release, p.citation) == ("2024-06", "National Referral Mechanism lists, 2024")


def test_list_capture_is_never_sniffed() -> None:
    # a CTDC-like file of 0/1 flags must never be taken for list data, so the loader is not in the registry
    assert "list_capture" not in loaders()


def test_rows_of_one_capture_history_are_merged_with_a_note_naming_them(tmp_path: Path) -> None:
    """A history given on several rows (a table typed in parts) has its counts summed, as Rcapture and SparseMSE
    do, and a note says how many rows were merged and where (it was refused: "appears on rows [2, 4]")."""
    from evidence.analyses.estimation import estimate_population

    whole = write(tmp_path, "A,B,C,n\n1,0,0,40\n0,1,0,30\n0,0,1,20\n1,1,0,6\n1,0,1,5\n0,1,1,4\n", "whole.csv")
    split = write(
        tmp_path,
        "A,B,C,n\n1,0,0,25\n0,1,0,30\n1,0,0,15\n0,0,1,20\n1,1,0,2\n1,1,0,4\n1,0,1,5\n0,1,1,4\n1,1,0,0\n",
        "split.csv",
    )
    loaded = load_list_capture(split)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (9, 9, 0)
    [note] = [n for n in loaded.provenance.notes if "merged" in n]
    assert note.startswith("5 rows merged into 2 capture histories")
    assert "{A} on rows 2 and 4" in note and "{A, B} on rows 6, 7 and 10" in note and "summed" in note
    assert not [n for n in load_list_capture(whole).provenance.notes if "merged" in n]
    one, other = (estimate_population(path, method="main") for path in (whole, split))
    assert (other.observed, other.estimate, other.interval) == (one.observed, one.estimate, one.interval)
    # capture-history strings too, and the all-zero history of count 0 on two rows: each listed among the rejects
    strings = write(tmp_path, "ch,n\n10,3\n01,2\n10,4\n11,1\n00,0\n00,0\n", "strings.csv")
    loaded = load_list_capture(strings)
    assert loaded.rejects["row"].to_list() == [6, 7] and loaded.rows_kept == 4
    assert any(n.startswith("2 rows merged into 1 capture history") for n in loaded.provenance.notes)


@pytest.mark.parametrize(
    ("text", "row", "column", "words"),
    [
        ("A,B,n\n1,0,3\n2,1,2\n", 3, "A", "0 or 1"),
        ("A,B,n\n1,0,3\n0,yes,2\n", 3, "B", "0 or 1"),
        ("A,B,n\n1,0,3\n0,,2\n", 3, "B", "0 or 1"),
        ("A,B,n\n1,0,-3\n0,1,2\n", 2, "n", "whole number of people"),
        ("A,B,n\n1,0,3\n0,1,2.5\n", 3, "n", "whole number of people"),
        ("A,B,n\n1,0,3\n0,1,many\n", 3, "n", "whole number of people"),
        ("A,n\n1,3\n", 1, None, "at least two lists"),
        ("A,B,n\n1,0,3\n0,0,7\n", 3, "n", "all-zero history"),
        ("A,B\n1,0\n0,0\n", 3, None, "on no list"),
        ("id,A,B\n7,1,0\n7,0,1\n", 3, "id", "more than one row"),
        ("A,B,n,count\n1,0,3,3\n", 1, None, "more than one count column"),
        ("A,B,n\n", None, None, "no data rows"),
        # counts no list can hold (issue 14): they would overflow the sums
        ("A,B,n\n1,0,inf\n0,1,2\n", 2, "n", "whole number of people"),
        ("A,B,n\n1,0,1e300\n0,1,2\n", 2, "n", "whole number of people"),
        (f"A,B,n\n1,0,{2**63 - 1}\n0,1,2\n", 2, "n", "whole number of people"),
        ("A,B,n\n1,0,NaN\n0,1,2\n", 2, "n", "whole number of people"),
        ("A,B,n\n1,0,\n0,1,2\n", 2, "n", "found an empty cell"),
        # what a CSV parser would pad, cut or rename silently
        ("A,B,n\n1,0,3,9\n0,1,2\n", 2, None, "4 fields where the header has 3"),
        ("A,B,n\n1,0\n0,1,2\n", 2, None, "2 fields where the header has 3"),
        ("A,A,n\n1,0,3\n0,1,2\n", 1, None, "duplicated column names ['A']"),
        ("A,,n\n1,0,3\n0,1,2\n", 1, None, "column 2 of the header has no name"),
        # an unnamed first column is R's row names only when its values are (unique, never empty)
        (",A,B,n\n1,1,0,3\n1,0,1,2\n", 1, None, "column 1 of the header has no name"),
        (",A,B,n\n1,1,0,3\n,0,1,2\n", 1, None, "column 1 of the header has no name"),
        # after an empty row (left out), rows are still named by their line in the file
        ("A,B,n\n1,0,3\n\n,,\n0,1,x\n", 5, "n", "whole number of people"),
        # where the comma is the decimal separator (a file delimited by semicolons), 1,006 is 1.006 (and 1,000 is 1)
        ("A;B;n\n1;0;3\n1;1;1.0e+00\n0;1;1,006\n", 4, "n", "without thousands separators"),
        ("A,B,n\n1,0,3\n1,1,1.0e+00\n0,1,1.006\n", 4, "n", "without thousands separators"),
        # a word above the header is no title (prose in one cell: read past, tested in test_list_capture_layouts)
        ("lists\nA,B,n\n1,0,3\n", 2, None, "the header must be the first line"),
        ('A,B,n\n"1,0,3\n0,1,2\n', None, None, "quoted field is never closed"),
    ],
)
def test_refusals_name_file_row_and_column(
    tmp_path: Path, text: str, row: int | None, column: str | None, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_list_capture(path)
    error = caught.value
    assert words in error.message + (error.hint or "")
    assert error.path == str(path)
    assert (error.row, error.column) == (row, column)


@pytest.mark.parametrize(
    ("data", "how"),
    [
        (b"A;B;n\n1;0;3\n0;1;2\n1;1;1\n", "semicolons"),
        (b"A\tB\tn\n1\t0\t3\n0\t1\t2\n1\t1\t1\n", "tabs"),
        (b"A,B,n\r1,0,3\r0,1,2\r1,1,1\r", "CR-only line ends"),
        ("A,B,n\n1,0,3\n0,1,2\n1,1,1\n".encode("utf-16"), "UTF-16"),
        (b"A,B,n\r\n1,0,3\r\n0,1,2\r\n1,1,1\r\n\n\n", "CRLF and blank lines at the end"),
    ],
)
def test_what_spreadsheets_save_reads_the_same(tmp_path: Path, data: bytes, how: str) -> None:
    path = tmp_path / "lists.csv"
    path.write_bytes(data)
    loaded = load_list_capture(path)
    assert loaded.data.columns == ["A", "B", "count"], how
    assert loaded.data["count"].to_list() == [3, 2, 1], how


def test_empty_rows_are_left_out_counted_and_named(shared_data: Path, tmp_path: Path) -> None:
    """A blank line among the rows was refused (row numbers would shift), and a row of delimiters only (a
    spreadsheet's cleared row saved as CSV), among the rows or below them, was refused as a list membership of
    ``None``: both are no row, left out as every loader leaves them, counted and named by line."""
    real = shared_data / "mse" / "korea_palembang_3list" / "Korea.csv"
    header, *rows = real.read_text(encoding="utf-8").splitlines()
    path = write(
        tmp_path, "\n".join([header, rows[0], "", rows[1], ",,,", *rows[2:], ",,,", " , , , "]) + "\n"
    )
    loaded, published = load_list_capture(path), load_list_capture(real)
    assert loaded.data.equals(published.data)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_left_out) == (
        published.rows_in,
        published.rows_kept,
        4,
    )
    last = len(rows) + 4
    assert (
        f"4 empty row(s) ignored (no record: every field empty, a row of delimiters only): line 3, 5, {last}, "
        f"{last + 1}"
    ) in loaded.provenance.notes
    # the all-zero row with count 0, named by its line in this file (two empty rows above it)
    assert loaded.rejects["row"].to_list() == [r + 2 for r in published.rejects["row"].to_list()]


@pytest.mark.parametrize("cells", [("1.0", "0.0"), ("TRUE", "FALSE"), ("True", "False"), (" 1 ", "0")])
def test_list_membership_as_numbers_and_booleans_programs_write(
    tmp_path: Path, cells: tuple[str, str]
) -> None:
    """R's and pandas' numeric columns (``1.0``) and spreadsheets' booleans (``TRUE``) are 1 and 0 (were refused
    while a count of ``41.0`` was read); words of one language are not guessed at (``yes``: refused above)."""
    on, off = cells
    path = write(tmp_path, f"police,ngo,n\n{on},{off},3\n{off},{on},2\n{on},{on},1\n")
    loaded = load_list_capture(path)
    assert loaded.data.rows() == [(1, 0, 3), (0, 1, 2), (1, 1, 1)]
    cases = write(tmp_path, f"case_id,police,ngo\nK1,{on},{off}\nK2,{on},{on}\n", name="cases.csv")
    assert load_list_capture(cases).data.rows() == [(1, 0, 1), (1, 1, 1)]


def test_empty_workbooks_and_binary_files_are_refused_plainly(tmp_path: Path) -> None:
    import openpyxl

    openpyxl.Workbook().save(tmp_path / "lists.xlsx")
    with pytest.raises(InputError, match="the workbook holds no data"):
        load_list_capture(tmp_path / "lists.xlsx")
    (tmp_path / "lists.csv.gz").write_bytes(b"\x1f\x8b\x08\x00" + bytes(40))
    with pytest.raises(InputError, match="gzip"):
        load_list_capture(tmp_path / "lists.csv.gz")


def test_empty_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        load_list_capture(write(tmp_path, ""))
    with pytest.raises(InputError, match="no such file"):
        load_list_capture(tmp_path / "absent.csv")


def test_every_shared_dataset_reads(shared_data: Path) -> None:
    files = sorted((shared_data / "mse").glob("*/*.csv"))
    assert len(files) >= 14
    for path in files:
        loaded = load_list_capture(path)
        assert loaded.provenance.layout == "histories"
        assert loaded.rows_in == loaded.rows_kept + loaded.rows_rejected


def test_a_count_column_under_another_name_is_told_the_names_a_count_column_takes(tmp_path: Path) -> None:
    # "people" read as a fourth list: "membership must be 0 or 1, found '40'", and the hint to write 1 or 0
    # ("total", this test's name until a count column so named was read as one, is now read)
    path = write(tmp_path, "A,B,C,people\n1,0,0,40\n0,1,0,30\n0,0,1,20\n1,1,0,6\n")
    with pytest.raises(InputError) as caught:
        load_list_capture(path)
    assert caught.value.column == "people"
    assert "'n' or 'count'" in (caught.value.hint or "")
    # a list column holding a stray value keeps the plain hint
    path = write(tmp_path, "A,B,n\n1,yes,40\n0,1,30\n", name="plain.csv")
    with pytest.raises(InputError) as caught:
        load_list_capture(path)
    assert (caught.value.hint or "").startswith("write 1 where")


@pytest.mark.parametrize("names", [["1", "2", "3"], ["4", "9", "12"], ["UK1", "UK2", "UK3"]])
def test_rs_row_names_written_before_the_lists_are_left_out_with_a_note(tmp_path: Path, names: list) -> None:
    """R's write.csv writes a data frame's row names as a first column under an empty header cell (its default):
    the published tables come from R packages, so a copy of one is often so saved. The column is left out, said in
    a note (the file was refused: "column 1 of the header has no name")."""
    rows = "".join(f'"{n}",{r}\n' for n, r in zip(names, ["1,0,3", "0,1,2", "1,1,1"], strict=True))
    loaded = load_list_capture(write(tmp_path, '"","A","B","n"\n' + rows))
    assert loaded.data.columns == ["A", "B", "count"]
    assert loaded.data["count"].to_list() == [3, 2, 1]
    assert any("row names" in note for note in loaded.provenance.notes)


def test_a_published_table_saved_by_r_with_its_row_names_is_still_recognised(
    shared_data: Path, tmp_path: Path
) -> None:
    original = shared_data / "mse/uk_2013_5list/UKdat_5.csv"
    lines = original.read_text().splitlines()
    rows = [f'"{i}",{line}' for i, line in enumerate(lines[1:], 1)]
    path = tmp_path / "UKdat_5.csv"
    header = '"",' + ",".join(f'"{name}"' for name in lines[0].split(","))
    path.write_text("\n".join([header, *rows]) + "\n")
    loaded = load_list_capture(path)
    expected = load_list_capture(original)
    assert loaded.data.equals(expected.data)
    assert loaded.provenance.citation == expected.provenance.citation


@pytest.mark.parametrize(
    "text",
    [
        "IOM,police,shelter,sex\n1,0,0,F\n0,1,0,M\n1,1,0,F\n0,0,1,M\n",  # one row per case
        "IOM,police,shelter,nationality,count\n1,0,0,Thai,12\n0,1,0,Lao,8\n1,1,0,Thai,3\n",  # histories
    ],
)
def test_a_covariate_column_is_told_the_estimation_has_no_strata(tmp_path: Path, text: str) -> None:
    # an organisation's case list keeps the sex or nationality beside the lists: the tool estimates no strata, so
    # the hint says to estimate each group from its own file (before: "write 1 where the list recorded the case")
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_list_capture(path)
    column = text.split("\n")[0].split(",")[3]
    assert caught.value.column == column
    hint = caught.value.hint or ""
    assert "strata" in hint and "each group" in hint, hint
    assert repr(column) in hint


def test_row_names_of_a_case_records_file_are_not_repeated_in_its_note(tmp_path: Path) -> None:
    """R's row names of one row per case can be the cases' identifiers (``case-1721``): the note quoted the
    first three, and notes are shown beside the estimate (identifiers never leave the loader)."""
    rows = "".join(f'"case-17{i}",{r}\n' for i, r in enumerate(["1,0", "0,1", "1,1", "1,0"]))
    loaded = load_list_capture(write(tmp_path, '"","A","B"\n' + rows))
    assert loaded.data.columns == ["A", "B", "count"] and loaded.data.height == 4
    notes = " ".join(loaded.provenance.notes)
    assert "row names" in notes and "case-17" not in notes


def test_a_list_left_empty_where_it_did_not_record_the_case_is_told_so(tmp_path: Path) -> None:
    """A table typed by hand with only its 1s written (empty cells for 0) is refused naming the empty cell, and
    its hint speaks of the empty cells, not of "numbers other than 0 and 1" (which the column does not hold: it
    was told to leave the list out as a code or a second count). An empty cell is not read as 0: it may mean
    that the list's record is unknown."""
    path = write(tmp_path, "A,B,n\n1,,3\n,1,2\n1,1,1\n")
    with pytest.raises(InputError) as caught:
        load_list_capture(path)
    error = caught.value
    assert (error.row, error.column) == (3, "A") and "found an empty cell" in error.message
    assert "numbers other than 0 and 1" not in (error.hint or "")
    assert "empty" in (error.hint or "") and "write 0 where the list did not record the case" in (
        error.hint or ""
    )
