"""List-capture files as the field writes them: one table in many layouts loads as the same table, and every
layout that cannot be read is refused naming the file, the row and the column."""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.core.errors import InputError
from evidence.sources.list_capture import load_list_capture

#: One three-list table: (A, B, C) -> people.
TABLE = {(1, 0, 0): 10, (0, 1, 0): 8, (1, 1, 0): 3, (0, 0, 1): 5, (1, 0, 1): 2, (0, 1, 1): 1, (1, 1, 1): 1}


def write(tmp_path: Path, text: str, name: str = "lists.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def cells(path: Path) -> dict[tuple[int, ...], int]:
    """What the loaded table says: people by history (lists in the file's order), histories with people only."""
    data = load_list_capture(path).data
    lists = [c for c in data.columns if c != "count"]
    summed = data.group_by(lists).agg(pl.col("count").sum()).filter(pl.col("count") > 0)
    return {tuple(row[:-1]): row[-1] for row in summed.select([*lists, "count"]).iter_rows()}


def columns_text(count: str = "n", sep: str = ",", one: str = "1", zero: str = "0") -> str:
    lines = [sep.join(["A", "B", "C", count])]
    for history, n in TABLE.items():
        lines.append(sep.join([*(one if v else zero for v in history), str(n)]))
    return "\n".join(lines) + "\n"


def history_text(count: str | None = "freq", column: str = "ch", quote: bool = False) -> str:
    lines = [column if count is None else f"{column},{count}"]
    for history, n in TABLE.items():
        text = "".join(str(v) for v in history)
        text = f'"{text}"' if quote else text
        lines += [text] * n if count is None else [f"{text},{n}"]
    return "\n".join(lines) + "\n"


LAYOUTS = {
    "count n": columns_text("n"),
    "count Freq": columns_text("Freq"),
    "count Frequency": columns_text("Frequency"),
    "count cases": columns_text("cases"),
    "count ' Count ' with spaces": columns_text(" Count "),
    # what other tools and publications name it: Stata's contract, pandas' groupby().size(), a table's "Number"
    "count _freq (Stata's contract)": columns_text("_freq"),
    "count size (pandas' groupby().size())": columns_text("size"),
    "count Number": columns_text("Number"),
    "count Total": columns_text("Total"),
    "count Counts": columns_text("Counts"),
    "count 'N.'": columns_text("N."),
    "count 'Number of cases'": columns_text("Number of cases"),
    "semicolons": columns_text("count", sep=";"),
    "TRUE/FALSE": columns_text("count", one="TRUE", zero="FALSE"),
    "1.0/0.0": columns_text("count", one="1.0", zero="0.0"),
    "capture-history string and a count": history_text("freq"),
    "capture-history string, quoted, and a count": history_text("Freq", quote=True),
    "capture-history string, one row per person": history_text(None),
    "capture-history string named history, one row per person": history_text(None, column="history"),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_one_table_in_any_layout_loads_as_the_same_table(tmp_path: Path, layout: str) -> None:
    assert cells(write(tmp_path, LAYOUTS[layout])) == TABLE


@pytest.mark.parametrize(
    "name",
    [
        "No. of victims",
        "Number of people",
        "Cases (n)",
        "n\u00b9",
        "Count [1]",
        "aantal",
        "Anzahl",
        "Effectif",
    ],
)
def test_a_count_column_named_as_publications_and_other_languages_name_it_is_the_count(
    tmp_path: Path, name: str
) -> None:
    """A publication's ``No. of victims``, a footnoted ``n¹``, the Dutch rapporteur's ``aantal``: the count column (each
    was read as a list and refused, its counts not 0 or 1)."""
    assert cells(write(tmp_path, columns_text(count=name))) == TABLE


def test_a_case_number_under_a_count_name_is_refused_not_read_as_counts(tmp_path: Path) -> None:
    """One row per case numbered 1, 2, 3… under "Number" is no table of counts (its histories repeat, its
    "counts" are the rows' order): read as counts, it would make 1 + 2 + … people of its cases."""
    text = "Number,A,B\n1,1,0\n2,0,1\n3,1,0\n4,1,1\n5,0,1\n6,1,0\n"
    with pytest.raises(InputError) as caught:
        load_list_capture(write(tmp_path, text))
    assert (caught.value.row, caught.value.column) == (1, "Number")
    assert "numbers its rows" in caught.value.message


@pytest.mark.parametrize(
    ("text", "how"),
    [
        ('A,B,n\n1,0,"1,006"\n0,1,2\n1,1,"12,345,678"\n', "quoted in a comma-delimited file"),
        ("A;B;n\n1;0;1\u00a0006\n0;1;2\n1;1;12 345 678\n", "spaces (no decimal separator anywhere)"),
        ("A\tB\tn\n1\t0\t1\u202f006\n0\t1\t2\n1\t1\t12\u202f345\u202f678\n", "narrow spaces, tabs"),
    ],
)
def test_a_count_written_with_thousands_separators_that_cannot_be_a_decimal_is_read(
    tmp_path: Path, text: str, how: str
) -> None:
    """1,006 in a comma-delimited file (quoted: else it is two fields) is one thousand and six: the comma cannot be
    its decimal separator, as a file saved where the comma is one is delimited by semicolons; a space never is one.
    Both were refused; the note says they were read."""
    loaded = load_list_capture(write(tmp_path, text))
    assert loaded.data["count"].to_list() == [1006, 2, 12_345_678], how
    assert any("thousands separators" in note for note in loaded.provenance.notes), how


@pytest.mark.parametrize(
    ("text", "counts", "how"),
    [
        (
            "A;B;n\n1;0;1.006\n0;1;2\n1;1;12.345.678\n",
            [1006, 2, 12_345_678],
            "semicolons, plain counts, two dots",
        ),
        ("A,B,n\n1,0,1.000\n0,1,2\n1,1,3\n", [1000, 2, 3], "counts written without a dot beside it"),
        (
            "A\tB\tn\n1\t0\t1.000\n0\t1\t2.000\n1\t1\t1.234.567\n",
            [1000, 2000, 1_234_567],
            "a count of two dots",
        ),
        ("A;B;n\n1;0;1.006,0\n0;1;2,0\n1;1;1.000\n", [1006, 2, 1000], "decimal commas beside it"),
    ],
)
def test_a_count_written_with_dots_between_thousands_is_read_as_thousands_when_the_column_says_so(
    tmp_path: Path, text: str, counts: list[int], how: str
) -> None:
    """1.000 is one thousand where the column shows the dot separates thousands (a count of two dots, counts written
    without one beside it, decimal commas, a file delimited by semicolons as one saved where the comma is the decimal
    separator is); it was read as 1, a thousand people lost without a word."""
    loaded = load_list_capture(write(tmp_path, text))
    assert loaded.data["count"].to_list() == counts, how
    assert any("dots between thousands" in note for note in loaded.provenance.notes), how


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("A;B;n\n1;0;54,0\n0;1;1.006,0\n1;1;1,000\n", [54, 1006, 1]),
        ("A\tB\tn\n1\t0\t54,00\n0\t1\t1006,0\n", [54, 1006]),
    ],
)
def test_counts_written_with_a_decimal_comma_are_read_where_the_comma_can_only_be_one(
    tmp_path: Path, text: str, counts: list[int]
) -> None:
    """A column of decimals saved where the comma is the decimal separator (delimited by semicolons or tabs): ``54,0``
    is 54, and beside it ``1,000`` is 1 to three decimals, said in a note (each was refused as no whole number)."""
    loaded = load_list_capture(write(tmp_path, text))
    assert loaded.data["count"].to_list() == counts
    assert any("decimal comma" in note for note in loaded.provenance.notes)


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("A,B,n\n1,0,1.000\n0,1,2.000\n1,1,1006.000\n", [1, 2, 1006]),
        ("A,B,n\n1,0,1.000\n0,1,2.50e+00\n1,1,0.000\n", None),
        ('A,B,n\n1,0,1.000\n0,1,"1,006"\n1,1,0.000\n', [1, 1006, 0]),
        # a count of 1,000 or more written without a separator: the column separates no thousands
        ("A,B,n\n1,0,1.000\n0,1,1006\n1,1,0\n", [1, 1006, 0]),
    ],
)
def test_a_count_written_to_three_decimals_is_read_as_a_decimal_when_the_column_says_so(
    tmp_path: Path, text: str, counts: list[int] | None
) -> None:
    """1.000 beside 1006.000 or 0.000 (a column of decimals written to three places), or beside 1,006 (commas between
    thousands, so the dot is the decimal point) is 1, said in a note; a decimal that is no whole number still refused."""
    path = write(tmp_path, text)
    if counts is None:
        with pytest.raises(InputError, match="whole number"):
            load_list_capture(path)
        return
    loaded = load_list_capture(path)
    assert loaded.data["count"].to_list() == counts
    assert any("decimal point" in note for note in loaded.provenance.notes)


@pytest.mark.parametrize(
    ("text", "row", "words"),
    [
        ("A,B,n\n1,0,1.000\n0,1,2.000\n", 2, "nothing else in the column tells which"),
        ("A\tB\tn\n1\t0\t3.000\n0\t1\t12.000\n", 2, "nothing else in the column tells which"),
        ("A,B,n\n1,0,3\n0,1,2.0\n1,1,1.000\n", 4, "both"),
        ("A;B;n\n1;0;2.0\n0;1;1.000\n", 3, "both"),
        ("A,B,n\n1,0,54\n0,1,1006\n1,1,1.000\n", 4, "both"),
        ("A,B,n\n1,0,0\n0,1,1.000\n", 3, "nothing else in the column tells which"),  # a 0 tells nothing
    ],
)
def test_a_count_that_may_be_one_or_a_thousand_is_refused_naming_its_cell(
    tmp_path: Path, text: str, row: int, words: str
) -> None:
    """1.000 that nothing in the column tells from 1 (three decimals) or 1,000 (a dot between thousands), or whose
    column says both, is refused naming the file, its row and the column: never read as 1 nor as 1000 by a guess."""
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_list_capture(path)
    error = caught.value
    assert (error.path, error.row, error.column) == (str(path), row, "n")
    assert words in error.message and "three decimals" in error.message
    assert "without thousands separators" in (error.hint or "")


def test_a_capture_history_string_names_its_lists_by_position(tmp_path: Path) -> None:
    loaded = load_list_capture(write(tmp_path, history_text("freq")))
    assert loaded.data.columns == ["list 1", "list 2", "list 3", "count"]
    assert loaded.provenance.layout == "histories"
    assert any("'ch'" in note and "list 1" in note for note in loaded.provenance.notes)
    per_person = load_list_capture(write(tmp_path, history_text(None), name="people.csv"))
    assert per_person.provenance.layout == "case_records"
    assert per_person.rows_in == sum(TABLE.values())


@pytest.mark.parametrize(
    ("text", "row", "words"),
    [
        ("ch,freq\n101,3\n11,2\n", 3, "2 digits"),  # a spreadsheet dropped the leading zero of 011
        ("ch,freq\n101,3\n021,2\n", 3, "'021'"),
        ("ch\n101\n\n1x1\n", 4, "'1x1'"),
        ("ch,freq\n101,3\n,2\n", 3, "an empty cell"),
    ],
)
def test_a_capture_history_string_that_is_not_one_is_named(
    tmp_path: Path, text: str, row: int, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_list_capture(path)
    message = str(caught.value)
    assert str(path) in message and f"row {row}" in message and "column 'ch'" in message
    assert words in message


def test_a_list_coded_1_2_is_refused_as_a_coding_not_as_a_count(tmp_path: Path) -> None:
    path = write(tmp_path, "A,B,count\n1,2,3\n2,1,4\n1,1,1\n")
    with pytest.raises(InputError) as caught:
        load_list_capture(path)
    message = str(caught.value)
    assert "row 3" in message and "column 'A'" in message and "'2'" in message
    assert "1/2" in message and "column of counts" not in message


@pytest.mark.parametrize(
    ("text", "row", "column"),
    [
        ("A,B,count\nY,N,3\nN,Y,4\nY,Y,1\n", 2, "A"),
        ("A,B,count\nyes,no,3\nno,yes,4\n", 2, "A"),
        ("A,B,count\n1,0,-3\n0,1,4\n1,1,1\n", 2, "count"),
        ("A,B,count\n1,0,3.5\n0,1,4\n1,1,1\n", 2, "count"),
        ("A,B,count\n1,0,3\n0,1,\n1,1,1\n", 3, "count"),
        ("A,B,count\n1,0,3\n0,1,4\n1,1,1\n0,0,5\n", 5, "count"),
    ],
)
def test_what_cannot_be_read_is_named_by_file_row_and_column(
    tmp_path: Path, text: str, row: int, column: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_list_capture(path)
    message = str(caught.value)
    assert str(path) in message and f"row {row}," in message and f"column {column!r}" in message


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    counts=st.lists(st.integers(0, 6), min_size=7, max_size=7).filter(lambda c: sum(c) > 0),
    seed=st.integers(0, 2**16),
)
def test_a_history_string_per_person_in_any_row_order_reads_as_its_table(
    tmp_path: Path, counts: list[int], seed: int
) -> None:
    histories = [h for h in TABLE]
    people = [h for h, n in zip(histories, counts, strict=True) for _ in range(n)]
    random.Random(seed).shuffle(people)
    text = "capture history\n" + "".join("".join(map(str, h)) + "\n" for h in people)
    path = write(tmp_path, text, name=f"people_{seed}.csv")
    assert cells(path) == {h: n for h, n in zip(histories, counts, strict=True) if n}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (history_text("freq"), "histories"),
        (history_text(None), "case_records"),
        ("ch,freq\n101,3\n11,2\n", None),  # histories of two lengths: not plainly list data
        ("name\n101\n110\n", "case_records"),
        ("name\nabc\n", None),
    ],
)
def test_a_capture_history_string_is_sniffed_as_list_data(
    tmp_path: Path, text: str, expected: str | None
) -> None:
    from evidence.sources.list_capture import sniff
    from evidence.sources.registry import FileHead

    assert sniff(FileHead(write(tmp_path, text))) == expected


def workbook(
    tmp_path: Path,
    rows: list[list[object]],
    *,
    skip: int = 0,
    extra_sheet: bool = False,
    other: list[list[object]] | None = None,
) -> Path:
    """A workbook of the sheet 'lists' holding ``rows`` and the sheet 'notes', empty, holding a line of text
    (``extra_sheet``) or the rows ``other``."""
    import openpyxl  # type: ignore[import-untyped]

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "lists"
    for _ in range(skip):
        sheet.append([])
    for row in rows:
        sheet.append(row)
    empty = book.create_sheet("notes")
    if extra_sheet:
        empty["A1"] = "linked by hand, 2024"
    for row in other or []:
        empty.append(row)
    path = tmp_path / "lists.xlsx"
    book.save(path)
    return path


def table_rows(one: object = 1, zero: object = 0) -> list[list[object]]:
    return [["A", "B", "C", "Freq"], *([*(one if v else zero for v in h), n] for h, n in TABLE.items())]


@pytest.mark.parametrize(
    "rows",
    [
        table_rows(),
        table_rows(True, False),
        table_rows(1.0, 0.0),
        table_rows("1", "0"),
        [["ch", "n"], *(["".join(map(str, h)), n] for h, n in TABLE.items())],
    ],
    ids=["numbers", "booleans", "floats", "text", "history strings"],
)
@pytest.mark.parametrize("skip", [0, 2])
def test_a_workbook_of_one_sheet_loads_as_the_same_table(tmp_path: Path, rows: list, skip: int) -> None:
    path = workbook(tmp_path, rows, skip=skip)
    assert cells(path) == TABLE
    assert "read from sheet 'lists'" in load_list_capture(path).provenance.notes


def test_a_workbook_names_a_bad_cell_by_its_row_in_the_sheet(tmp_path: Path) -> None:
    rows = table_rows()
    rows[3][3] = 2.5  # the third data row
    path = workbook(tmp_path, rows, skip=2)
    with pytest.raises(InputError) as caught:
        load_list_capture(path)
    message = str(caught.value)
    assert str(path) in message and "row 6," in message and "column 'Freq'" in message and "'2.5'" in message


@pytest.mark.parametrize(
    ("rows", "extra_sheet", "words"),
    [
        ([["A", "A", "n"], [1, 0, 3]], False, "duplicated column names ['A']"),
        ([["A", None, "n"], [1, 0, 3]], False, "column 2 of the header has no name"),
        # a word above the header is no title (prose): the header is then a column of one name
        ([["lists"], ["A", "B", "n"], [1, 0, 3]], False, "no title above it"),
    ],
)
def test_a_workbook_that_cannot_be_read_is_named(
    tmp_path: Path, rows: list, extra_sheet: bool, words: str
) -> None:
    path = workbook(tmp_path, rows, extra_sheet=extra_sheet)
    with pytest.raises(InputError) as caught:
        load_list_capture(path)
    assert str(path) in str(caught.value) and words in str(caught.value) + str(caught.value.hint)


@pytest.mark.parametrize(
    ("other", "words"),
    [
        (table_rows(), "2 sheets holding data ('lists', 'notes'), each a list-capture table"),
        ([["linked by hand, 2024"], ["two", "words"]], None),
        ([["List", "Agency"], ["A", "local authorities"], ["B", "police"]], None),
    ],
    ids=["two tables", "a notes sheet", "a sheet naming the lists"],
)
def test_a_workbook_whose_other_sheets_hold_no_table_of_lists_reads_its_one_table(
    tmp_path: Path, other: list, words: str | None
) -> None:
    """A workbook publishing a table with a sheet of notes, or one naming the lists, is read from the one sheet
    holding list-capture data, the others named in a note (was refused: "2 sheets holding data"); two sheets
    each holding a table are still refused, naming them (which to read is the user's)."""
    path = workbook(tmp_path, table_rows(), other=other)
    if words is not None:
        with pytest.raises(InputError) as caught:
            load_list_capture(path)
        assert words in str(caught.value)
        return
    assert cells(path) == TABLE
    loaded = load_list_capture(path)
    assert (
        "read from sheet 'lists' (sheet 'notes' holds no list-capture table: not read)"
        in loaded.provenance.notes
    )
    from evidence.sources.list_capture import sniff
    from evidence.sources.registry import FileHead

    assert sniff(FileHead(path)) == "histories"  # so `evidence data load` names the command that reads it


TITLE = "Table 1: victims by list in 2024"


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        (TITLE + "\n" + columns_text("n"), 1),
        (
            f'"{TITLE}",,,\n\n' + columns_text("n"),
            2,
        ),  # saved from a spreadsheet: quoted, the row's other cells
        (f"{TITLE};;;\nSource: Home Office\n" + columns_text("n", sep=";"), 2),
        # a caption, then its citation or date in one cell: no prose itself, a title below one (was refused)
        (f"{TITLE}\nSilverman (2014)\n2024\n" + columns_text("n"), 3),
    ],
    ids=[
        "a title line",
        "a spreadsheet's title row and a blank line",
        "two title lines, semicolons",
        "a title, then a citation and a year",
    ],
)
def test_title_lines_above_the_header_are_left_out_and_named_as_every_loader_names_them(
    tmp_path: Path, text: str, lines: int
) -> None:
    """A table saved with its caption above the header (prose in one cell) reads as the table, its rows named by
    their line in the file, and the note names the title as the CTDC and TIP loaders name theirs (was refused:
    "the header must be the first line")."""
    path = write(tmp_path, text)
    assert cells(path) == TABLE
    loaded = load_list_capture(path)
    assert loaded.rows_in == loaded.rows_kept == len(TABLE)
    assert any(
        n.startswith(f"{lines} title line(s) above the header, not records: {TITLE!r}")
        for n in (loaded.provenance.notes)
    )
    bad = text.replace("\n0,0,1,5\n", "\n0,0,1,x\n").replace("\n0;0;1;5\n", "\n0;0;1;x\n")
    with pytest.raises(InputError) as caught:
        load_list_capture(write(tmp_path, bad))
    assert (caught.value.row, caught.value.column) == (lines + 1 + 4, "n")  # the 4th history
    duplicated = text.replace("A,B,C,n", "A,A,C,n").replace("A;B;C;n", "A;A;C;n")
    with pytest.raises(InputError) as caught:
        load_list_capture(write(tmp_path, duplicated))
    assert caught.value.row == lines + 1  # the header's line


def test_a_title_row_above_a_workbooks_header_is_left_out_and_named(tmp_path: Path) -> None:
    path = workbook(tmp_path, [[TITLE], [], *table_rows()], skip=1)
    assert cells(path) == TABLE
    notes = load_list_capture(path).provenance.notes
    assert f"2 title row(s) above the header, not records: {TITLE!r}" in notes
    from evidence.sources.list_capture import sniff
    from evidence.sources.registry import FileHead

    assert sniff(FileHead(path)) == "histories"


def test_a_capture_history_string_beside_another_column_is_told_to_stand_alone(tmp_path: Path) -> None:
    # was told that '10' must be a count column named n or count
    path = write(tmp_path, "ch,sex\n10,F\n01,M\n11,F\n")
    with pytest.raises(InputError) as caught:
        load_list_capture(path)
    assert caught.value.column == "ch" and caught.value.row == 2
    assert "capture histories as strings" in (caught.value.hint or "")
    assert "column of counts" not in str(caught.value)


SOURCE_LINE = "Source: Home Office (Silverman 2014)"


@pytest.mark.parametrize("saved", ["csv", "csv, a blank line above", "workbook"])
def test_a_source_line_below_the_table_is_left_out_and_named_as_every_loader_names_it(
    tmp_path: Path, saved: str
) -> None:
    """A table typed from a publication keeps its source line below it (one cell of text). Every other loader
    leaves such a line out, counted and named; here the CSV was refused as "1 fields where the header has 4",
    the workbook for a list membership of 'Source: …'."""
    if saved == "workbook":
        path = workbook(tmp_path, [*table_rows(), [], [SOURCE_LINE]])
        line, unit = 10, "row"
    else:
        blank = "\n" if "blank" in saved else ""
        path = write(tmp_path, columns_text("n") + blank + SOURCE_LINE + "\n")
        line, unit = 10 if blank else 9, "line"
    loaded = load_list_capture(path)
    assert cells(path) == TABLE
    assert loaded.rows_in == loaded.rows_kept == len(TABLE) and loaded.rows_rejected == 0
    assert f"1 note line below the table left out (not records): {unit} {line} {SOURCE_LINE!r}" in (
        loaded.provenance.notes
    )


@pytest.mark.parametrize(
    ("text", "row", "column"),
    [
        (
            columns_text("n") + "Total,,,30\n",
            9,
            "A",
        ),  # a total row: summed with the histories it counts twice
        ("A,B,C,n\n1,0,0,10\nSource: a note among the rows\n0,1,0,8\n", 3, None),
        (columns_text("n") + "TRUE\n", 9, None),  # a record cut short, not a note
        ("ch\n101\n110\n1x1\n", 4, "ch"),  # a mistyped history, not a note
    ],
    ids=["a total row", "a note among the rows", "a record cut short", "a mistyped history"],
)
def test_a_text_line_that_is_no_note_below_the_table_is_still_refused_naming_its_row(
    tmp_path: Path, text: str, row: int, column: str | None
) -> None:
    with pytest.raises(InputError) as caught:
        load_list_capture(write(tmp_path, text))
    assert (caught.value.row, caught.value.column) == (row, column)


def test_a_workbook_with_a_source_line_below_is_named_list_capture_data_as_its_csv_is(tmp_path: Path) -> None:
    """Given to `evidence data load`, the table with its source line below is named list-capture data (the command
    that reads it named) in a workbook as in a CSV; the workbook was "not a layout any loader knows"."""
    from evidence.core.errors import UnknownFormatError
    from evidence.sources.registry import detect

    paths = [
        workbook(tmp_path, [*table_rows(), [], [SOURCE_LINE]]),
        write(tmp_path, columns_text("n") + SOURCE_LINE + "\n"),
    ]
    for path in paths:
        with pytest.raises(UnknownFormatError) as caught:
            detect(path)
        assert "list-capture data (a 0/1 column per list" in str(caught.value), path.name
        assert f"evidence estimate --data {path}" in str(caught.value.hint)


@pytest.mark.parametrize(
    "beside", [None, "1.234.567"], ids=["beside number cells", "beside a text of two dots"]
)
def test_a_workbooks_text_count_written_1_000_is_read_only_as_text_cells_show_it(
    tmp_path: Path, beside: str | None
) -> None:
    """A count typed as text ``1.000`` among number cells (whose text, the reader's ``54``, tells nothing of how the
    publisher writes a count): refused naming its row in the sheet; beside another text count of two dots, 1,000."""
    rows = table_rows()
    rows[1][3] = "1.000"
    if beside:
        rows[2][3] = beside
    path = workbook(tmp_path, rows)
    if beside is None:
        with pytest.raises(InputError) as caught:
            load_list_capture(path)
        assert (caught.value.row, caught.value.column) == (2, "Freq")
        assert "nothing else in the column tells which" in caught.value.message
    else:
        assert load_list_capture(path).data["count"].to_list()[:2] == [1000, 1_234_567]


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("A,B,year,n\n1,0,2015,10\n0,1,2015,8\n1,1,2016,3\n", "year", "holds years (2015…), not a list"),
        ("Year,A,B,n\n2015,1,0,10\n2015,0,1,8\n", "Year", "holds years (2015…), not a list"),
        ("A,B,code,n\n1,0,12,10\n0,1,7,8\n", "code", "beside the count column 'n': not a list"),
    ],
)
def test_a_column_of_numbers_beside_the_count_column_is_told_it_is_no_list(
    tmp_path: Path, text: str, column: str, words: str
) -> None:
    """An edition adding its year (or a code) beside the count column is refused naming the column and saying what
    it holds (the hint told to name a count column 'n' or 'count': there is one)."""
    with pytest.raises(InputError) as caught:
        load_list_capture(write(tmp_path, text))
    assert caught.value.column == column
    assert words in (caught.value.hint or "")


@pytest.mark.parametrize("where", ["csv", "xlsx"])
def test_a_header_repeated_above_each_part_of_a_pasted_table_is_left_out_with_its_titles(
    shared_data: Path, tmp_path: Path, where: str
) -> None:
    """The UK 2013 five lists pasted in parts, the header again above each (once in other case and spacing), one
    after a blank line and a title: the same table, those lines left out and named; the published release is still
    recognised by its counts. A header resembling it but for one name is no repeat: still refused naming its row."""
    real = shared_data / "mse/uk_2013_5list/UKdat_5.csv"
    header, *records = real.read_text().splitlines()
    parts = [header, *records[:6], "", "Table 2 (continued)", header, *records[6:12]]
    parts += [" la , NG,pfnca,GO,GP,COUNT", *records[12:]]
    if where == "csv":
        pasted = write(tmp_path, "\n".join(parts) + "\n")
    else:
        import openpyxl

        book = openpyxl.Workbook()
        for line in parts:
            book.active.append(
                [int(c) if c.strip().isdigit() else c or None for c in line.split(",")] if line else [None]
            )
        pasted = tmp_path / "lists.xlsx"
        book.save(pasted)
    expected, loaded = load_list_capture(real), load_list_capture(pasted)
    assert loaded.data.equals(expected.data)
    assert loaded.provenance.release == expected.provenance.release
    unit = "line" if where == "csv" else "row"
    assert f"2 header row(s) repeated within the table left out: {unit} 10, 17" in loaded.provenance.notes
    assert any(n.startswith(f"1 title {unit}(s) above a repeated header") for n in loaded.provenance.notes)
    assert (
        loaded.rows_in == expected.rows_in and loaded.rows_left_out == 4
    )  # the blank line, the title, two headers

    resembling = write(
        tmp_path, "\n".join([header, *records[:6], "LA,NG,PFNCA,GO,GP,counts", *records[6:]]) + "\n"
    )
    with pytest.raises(InputError) as error:
        load_list_capture(resembling)
    assert error.value.row == 8


def test_a_header_repeated_in_a_file_of_r_row_names_is_left_out(tmp_path: Path) -> None:
    """write.csv's row names under an empty header cell: the repeated header's first cell is as empty, no row name
    (the file was refused as having an unnamed column)."""
    text = '"","A","B","n"\n"1",1,0,5\n"2",0,1,4\n\nTable 2 (continued)\n"","A","B","n"\n"3",1,1,2\n'
    loaded = load_list_capture(write(tmp_path, text))
    assert loaded.data.rows() == [(1, 0, 5), (0, 1, 4), (1, 1, 2)]
    assert (loaded.rows_in, loaded.rows_left_out) == (3, 3)
    assert "1 header row(s) repeated within the table left out: line 6" in loaded.provenance.notes
