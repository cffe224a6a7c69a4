"""Workbook reading that trusts nothing a workbook says about itself (issue 10).

Each fixture is a real shared workbook rewritten at test time the way another program or a later release
writes it: a wrong or missing declared size, a renamed or moved sheet, notes above the header, LibreOffice's
output, filters and hidden rows. Each must load exactly as the original does.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

import polars as pl
import pytest
from _xlsx import (
    calc_workbook,
    chain,
    keep_rows,
    like_libreoffice,
    move_sheet_last,
    rename_sheet,
    rewrite,
    set_cell,
    set_dimension,
    set_text,
    sheet_part,
    shift_rows,
    truncated,
    with_filter,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from evidence.core.errors import InputError
from evidence.sources import registry, unodc, walkfree, workbook
from evidence.sources.registry import FileHead

UNODC_FILE = "unodc/data_glotip_2023-05-30.xlsx"
GSI_FILE = "walkfree/gsi_2023.xlsx"
UNODC_SHEET = "data_glotip_1"
SMALL_ROWS = 300  # data rows kept in the small copy of the UNODC release (header on row 3)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workbooks")


@pytest.fixture(scope="module")
def unodc_small(shared_data: Path, folder: Path) -> Path:
    """The 2023 release cut to its first 300 data rows (its table object and everything else kept)."""
    source = shared_data / UNODC_FILE
    return rewrite(
        source, folder / "unodc_small.xlsx", {sheet_part(source, UNODC_SHEET): keep_rows(3 + SMALL_ROWS)}
    )


@pytest.fixture(scope="module")
def unodc_baseline(unodc_small: Path):
    loaded = unodc.load(unodc_small)
    assert loaded.rows_in == SMALL_ROWS
    return loaded


def _same_table(loaded, baseline, *, row_shift: int = 0) -> None:
    expected = baseline.data.with_columns(pl.col("source_row") + row_shift)
    assert_frame_equal(loaded.data, expected)
    assert (loaded.rows_in, loaded.rows_rejected) == (baseline.rows_in, baseline.rows_rejected)
    assert loaded.provenance.release == baseline.provenance.release == "2023-05-30"


def _unodc_variant(unodc_small: Path, folder: Path, name: str, sheet_edit, **options) -> Path:
    return rewrite(
        unodc_small, folder / f"{name}.xlsx", {sheet_part(unodc_small, UNODC_SHEET): sheet_edit}, **options
    )


def test_the_real_release_with_a_one_cell_dimension_and_a_renamed_sheet_loads_whole(
    shared_data: Path, folder: Path
) -> None:
    """What the 2025 release does (``<dimension ref="A1"/>``, read-only openpyxl then saw only column A)."""
    source = shared_data / UNODC_FILE
    edited = rewrite(
        source,
        folder / "glotip_dimension_a1.xlsx",
        {
            sheet_part(source, UNODC_SHEET): set_dimension("A1"),
            "xl/workbook.xml": rename_sheet(UNODC_SHEET, "Sheet1"),
        },
    )
    assert registry.detect(edited)[0].source == unodc.SOURCE
    loaded = registry.load(edited)
    # every row below the header: kept, rejected, or (two breakdown totals) left out
    assert loaded.rows_kept + loaded.rows_rejected + loaded.rows_left_out == 46_556 == loaded.rows_in + 2
    assert loaded.provenance.release == "2023-05-30"
    assert "sheet 'Sheet1', header on row 3" in loaded.provenance.notes


@pytest.mark.parametrize(
    ("name", "edit"),
    [
        ("dimension_one_cell", set_dimension("A1")),
        ("dimension_missing", set_dimension(None)),
        ("dimension_too_small", set_dimension("A1:C5")),
        ("filtered_rows_hidden", with_filter(f"A3:M{3 + SMALL_ROWS}", hidden_rows=(4, 5, 90))),
    ],
)
def test_unodc_sheet_declarations_are_not_trusted(unodc_small, unodc_baseline, folder, name, edit) -> None:
    _same_table(unodc.load(_unodc_variant(unodc_small, folder, name, edit)), unodc_baseline)


def test_unodc_header_below_notes_is_found(unodc_small, unodc_baseline, folder) -> None:
    notes = ["Trafficking in persons: country data", "", "Note: <5 is a count from 1 to 4", ""]
    path = _unodc_variant(unodc_small, folder, "notes_above", shift_rows(len(notes), notes))
    loaded = unodc.load(path)
    _same_table(loaded, unodc_baseline, row_shift=len(notes))
    assert "header on row 7" in loaded.provenance.notes[0]


def test_unodc_saved_like_libreoffice(unodc_small, unodc_baseline, folder) -> None:
    path = rewrite(
        unodc_small,
        folder / "libreoffice_like.xlsx",
        {
            sheet_part(unodc_small, UNODC_SHEET): chain(like_libreoffice, set_dimension(None)),
            "xl/workbook.xml": calc_workbook,
        },
        last=("[Content_Types].xml",),
        drop=("xl/calcChain.xml",),
    )
    _same_table(unodc.load(path), unodc_baseline)


def test_the_release_holds_a_table_object_and_still_loads(unodc_small, unodc_baseline) -> None:
    with zipfile.ZipFile(unodc_small) as book:
        assert any(name.startswith("xl/tables/") for name in book.namelist())
    assert unodc_baseline.rows_kept + unodc_baseline.rows_rejected == SMALL_ROWS


def test_the_header_is_read_once_per_file(unodc_small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every sniffer and the loader share one peek at the top rows (the cost the benchmark measured)."""
    workbook._workbook_head.cache_clear()
    calls = []
    real = workbook._peek
    monkeypatch.setattr(workbook, "_peek", lambda path: calls.append(path) or real(path))
    registry.load(unodc_small)
    assert len(calls) == 1


def test_what_a_sniffer_finds_in_a_sheet_is_kept_with_the_sheet(tmp_path: Path) -> None:
    """Every loader's sniffer searches every sheet's top rows on each load (the GSI's 13 sheets took the TIP
    sniffer 35 ms a load): what one finds in a sheet is kept with the sheet's head, so a workbook read again is not
    searched again, nor a copy's sheets that are as they were; a sheet that changed is."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "a"
    book.active.append(["x", " y "])
    book.create_sheet("b").append(["z"])
    path = tmp_path / "w.xlsx"
    book.save(path)
    searched = []

    def first_row(sheet: workbook.SheetHead) -> tuple[str, ...]:
        searched.append(sheet.name)
        return sheet.texts[0]

    for _ in range(2):
        assert [s.found("first row", first_row) for s in workbook.workbook_head(path).sheets] == [
            ("x", "y"),
            ("z",),
        ]
    assert searched == ["a", "b"]
    copy = rewrite(path, tmp_path / "copy.xlsx", {sheet_part(path, "b"): set_text("A1", "q")})
    assert [s.found("first row", first_row) for s in workbook.workbook_head(copy).sheets] == [
        ("x", "y"),
        ("q",),
    ]
    assert searched == ["a", "b", "b"]


def _peeked(path: Path) -> object:
    """The workbook's head, or the error peeking it raises (its message)."""
    try:
        return workbook.workbook_head(path)
    except InputError as error:
        return str(error).replace(str(path), "<path>")


def test_a_part_peeked_before_is_read_anew_when_its_bytes_change(unodc_small: Path, tmp_path: Path) -> None:
    """The peek keeps what each part of a workbook read by the part's content (a copy, or the workbook saved
    again, is read for its changed parts only). A copy whose sheet writes another release date reads that date;
    one whose sheet's stored bytes are damaged (its CRC-32 and sizes as before) reads as it does when nothing was
    kept: never the part read before."""
    sheet = sheet_part(unodc_small, UNODC_SHEET)
    date = workbook.workbook_head(unodc_small).sheets[0].rows[1][0]
    edited = rewrite(
        unodc_small, tmp_path / "edited.xlsx", {sheet: set_cell("A2", _inline("A2", "31/12/2024"))}
    )
    assert workbook.workbook_head(edited).sheets[0].rows[1][0] == "31/12/2024" != date
    assert workbook.workbook_head(unodc_small).sheets[0].rows[1][0] == date
    # a byte of the sheet's stored data changed near its start (what the peek reads), its header left alone
    copy = rewrite(unodc_small, tmp_path / "copy.xlsx", {})
    data = bytearray(copy.read_bytes())
    with zipfile.ZipFile(copy) as book:
        info = book.getinfo(sheet)
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    data[info.header_offset + 30 + name_length + extra_length + 64] ^= 0x55
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(bytes(data))
    workbook._parts_read.clear()
    unkept = _peeked(damaged)  # read with nothing kept
    assert unkept != _peeked(copy)  # (the copy's parts now kept)
    workbook._workbook_head.cache_clear()
    assert _peeked(damaged) == unkept


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_the_peek_reads_what_writers_omit_or_mistype(tmp_path: Path) -> None:
    """No row or cell references, strict-OOXML namespaces, a numeric cell holding NaN, an error cell, a date."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["UNODC"])
    ws.append([dt.datetime(2025, 4, 14)])
    ws.append(list(unodc.HEADER))
    ws.append(
        [
            "THA",
            "Thailand",
            "Asia",
            "South-eastern Asia",
            "Detected trafficking victims",
            "Total",
            "-",  # without cell references an empty cell cannot be placed: none here
            "Total",
            "Total",
            2022,
            "Counts",
            "295",
            "GLOTIP",
        ]
    )
    wb.save(tmp_path / "plain.xlsx")
    part = sheet_part(tmp_path / "plain.xlsx", "Sheet")
    strict = chain(
        lambda xml: re.sub(rb' r="[A-Z]*[0-9]+"', b"", xml),  # neither rows nor cells say where they are
        lambda xml: xml.replace(
            b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
            b"http://purl.oclc.org/ooxml/spreadsheetml/main",
        ),
        lambda xml: xml.replace(
            b"</sheetData>", b'<row><c t="e"><v>#N/A</v></c><c><v>NaN</v></c></row></sheetData>'
        ),
    )
    path = rewrite(tmp_path / "plain.xlsx", tmp_path / "odd.xlsx", {part: strict})
    rows = workbook.workbook_head(path).sheets[0].rows
    assert rows[1] == (dt.datetime(2025, 4, 14),)
    assert rows[2] == unodc.HEADER
    assert rows[3][0] == "THA" and rows[3][9] == 2022
    assert rows[4][0] == "#N/A" and math.isnan(rows[4][1])
    assert unodc.sniff(FileHead(path)) == unodc.LAYOUT


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.95])
def test_a_truncated_workbook_is_damaged_not_unknown(
    unodc_small: Path, folder: Path, fraction: float
) -> None:
    path = truncated(unodc_small, folder / f"cut_{fraction}.xlsx", fraction)
    with pytest.raises(InputError, match="the workbook is damaged or incomplete") as caught:
        registry.load(path)
    assert "PK" not in str(caught.value)  # no zip bytes shown to the user


def test_a_damaged_sheet_inside_a_whole_zip_is_damaged(unodc_small: Path, folder: Path) -> None:
    part = sheet_part(unodc_small, UNODC_SHEET)
    path = rewrite(unodc_small, folder / "broken_xml.xlsx", {part: lambda xml: xml[: len(xml) // 2]})
    with pytest.raises(InputError, match="the workbook is damaged or incomplete"):
        registry.load(path)


def test_a_release_without_a_required_column_says_which(unodc_small: Path, folder: Path) -> None:
    # the txtVALUE header cell (L3) emptied: the sheet is close to the layout but unusable
    path = _unodc_variant(unodc_small, folder, "no_value_column", set_cell("L3", '<c r="L3"/>'))
    with pytest.raises(
        InputError, match=r"looks like the UNODC GLOTIP header but lacks the columns \['txtVALUE'\]"
    ):
        registry.load(path)


# --- Walk Free GSI --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gsi_baseline(shared_data: Path):
    return walkfree.load(shared_data / GSI_FILE)


def test_gsi_sheet_renamed_moved_and_one_cell_dimension(
    shared_data: Path, folder: Path, gsi_baseline
) -> None:
    source = shared_data / GSI_FILE
    path = rewrite(
        source,
        folder / "gsi_moved.xlsx",
        {
            sheet_part(source, walkfree.SHEET): set_dimension("A1"),
            "xl/workbook.xml": chain(move_sheet_last(walkfree.SHEET), rename_sheet(walkfree.SHEET, "Data")),
        },
    )
    assert FileHead(path).sheet_names[-1] == "Data"
    loaded = registry.load(path)
    assert_frame_equal(loaded.data, gsi_baseline.data)
    assert "sheet 'Data', header on row 3" in loaded.provenance.notes


def test_gsi_saved_like_libreoffice(shared_data: Path, folder: Path, gsi_baseline) -> None:
    source = shared_data / GSI_FILE
    path = rewrite(
        source,
        folder / "gsi_libreoffice_like.xlsx",
        {sheet_part(source, walkfree.SHEET): like_libreoffice, "xl/workbook.xml": calc_workbook},
        last=("[Content_Types].xml",),
    )
    assert_frame_equal(registry.load(path).data, gsi_baseline.data)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_gsi_round_trip_through_real_libreoffice(shared_data: Path, folder: Path, gsi_baseline) -> None:
    out = folder / "libreoffice"
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(shared_data / GSI_FILE)],
        check=True,
        capture_output=True,
        timeout=600,
        env={"HOME": str(folder), "PATH": "/usr/bin:/bin"},
    )
    loaded = registry.load(out / "gsi_2023.xlsx")
    assert (loaded.rows_in, loaded.rows_kept) == (180, 180)
    # Calc keeps 15 significant digits
    assert_frame_equal(loaded.data, gsi_baseline.data, rel_tol=1e-12)


def test_gsi_rows_without_a_country_or_with_impossible_estimates_are_counted_and_rejected(
    shared_data: Path, folder: Path
) -> None:
    source = shared_data / GSI_FILE
    edits = chain(
        set_cell("A5", '<c r="A5"/>'),  # blank country
        set_cell("A6", '<c r="A6" t="str"><f>CONCATENATE("",B2)</f></c>'),  # formula, no stored value
        set_cell("D7", '<c r="D7"><v>NaN</v></c>'),  # prevalence
        set_cell("E8", '<c r="E8"><v>-401000</v></c>'),  # estimated number
        set_cell("B9", '<c r="B9"><v>INF</v></c>'),  # population
    )
    path = rewrite(source, folder / "gsi_bad_rows.xlsx", {sheet_part(source, walkfree.SHEET): edits})
    loaded = registry.load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (180, 175, 5)
    reasons = dict(zip(loaded.rejects["row"].to_list(), loaded.rejects["reason"].to_list(), strict=True))
    assert reasons == {
        5: walkfree.REASON_NO_COUNTRY,
        6: walkfree.REASON_NO_COUNTRY,
        7: walkfree.REASON_NOT_FINITE,
        8: walkfree.REASON_NEGATIVE,
        9: walkfree.REASON_NOT_FINITE,
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=4))
def test_a_corrupted_workbook_loads_or_is_one_input_error(unodc_small: Path, tmp_path: Path, flips) -> None:
    """Bytes changed anywhere in the file: the result is a table that accounts for its rows, or an InputError."""
    data = bytearray(unodc_small.read_bytes())
    for where, value in flips:
        data[int(where * len(data))] = value
    path = tmp_path / "corrupted.xlsx"
    path.write_bytes(bytes(data))
    workbook._workbook_head.cache_clear()  # the same path holds new bytes (its size may not change)
    try:
        loaded = registry.load(path)
    except InputError:
        return
    assert loaded.rows_in == loaded.rows_kept + loaded.rows_rejected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Report Year", "report_year"),
        ("ISO3", "iso-3"),
        (" Tier ", "TIER"),
        (
            "Estimated prevalence of modern slavery (per 1,000)",
            "estimated prevalence of modern slavery per 1000",
        ),
        ("Iso3_code", "ISO3 code"),
        ("txtVALUE", "txt value"),
    ],
)
def test_header_key_ignores_case_whitespace_punctuation_and_parentheses(a: str, b: str) -> None:
    assert workbook.header_key(a) == workbook.header_key(b)


def test_header_key_keeps_letters_and_digits_apart() -> None:
    assert workbook.header_key("GSI 2023") != workbook.header_key("GSI 2018")
    assert workbook.header_key("Año") == "año" and workbook.header_key(None) == ""
    assert workbook.header_key(2023) == "2023"


@settings(max_examples=200, derandomize=True)
@given(text=st.text())
def test_header_key_is_the_letters_and_digits_case_folded(text: str) -> None:
    # the rule as written out character by character; the regex only makes a million labels fast
    assert workbook.header_key(text) == "".join(ch for ch in text.casefold() if ch.isalnum())


_LABELS_LOOKED_FOR = ["evidence_synthetic_demo", "ab", "ss", "e1", "i", "ff"]


@st.composite
def _text_about_a_key(draw: st.DrawFn) -> tuple[str, str]:
    """A label and a text holding its characters in order, each in either case, with what keying drops (or
    now and then a letter, or a character whose folding is two: ``ß``, ``ﬀ``, ``İ``) between them, among other
    text."""
    label = draw(st.sampled_from(_LABELS_LOOKED_FOR))
    between = st.sampled_from(["", "", "_", " ", "-", "\u00a0", ". ", "\u0307", "x", "ß", "ﬀ", "İ", "Σ"])
    spelled = "".join(
        (character.upper() if draw(st.booleans()) else character) + draw(between)
        for character in workbook.header_key(label)
    )
    return label, draw(st.text(max_size=4)) + spelled + draw(st.text(max_size=4))


@settings(max_examples=300, derandomize=True)
@given(about=st.one_of(_text_about_a_key(), st.tuples(st.sampled_from(_LABELS_LOOKED_FOR), st.text())))
def test_a_key_is_found_in_the_folded_text_where_it_is_in_the_keyed_text(about: tuple[str, str]) -> None:
    """What demo_signature's first look relies on: ``key_in_text`` finds a key in a text exactly where keying the
    whole text would, without keying it."""
    label, text = about
    key = workbook.header_key(label)
    assert bool(workbook.key_in_text(key).search(text.casefold())) == (key in workbook.header_key(text))


@settings(max_examples=200, derandomize=True)
@given(cells=st.lists(st.text(), max_size=6))
def test_the_key_of_cells_joined_is_their_keys_joined_and_holds_each_cell_key(cells: list[str]) -> None:
    """What the first looks of demo_signature and the GSI header search rely on: keying cells run together says
    whether a cell's key (or a start of it, header_cell_key) can be among them, never missing one."""
    joined = workbook.header_key("".join(cells))
    assert joined == "".join(workbook.header_key(cell) for cell in cells)
    for cell in cells:
        assert workbook.header_key(cell) in joined
        assert workbook.header_key(cell).startswith(workbook.header_cell_key(cell))


def test_the_glotip_header_respelled_is_found(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["UNODC"])
    sheet.append(["30/05/2023"])
    sheet.append([label.upper().replace("_", " ") for label in unodc.HEADER])
    sheet.append(["THA", "Thailand", "Asia", "South-eastern Asia", "Detected trafficking victims", "Total",
                  "Total", "Total", "Total", 2020, "Counts", "155", "GLOTIP"])  # fmt: skip
    book.save(tmp_path / "g.xlsx")
    loaded = registry.load(tmp_path / "g.xlsx")
    assert loaded.provenance.source == unodc.SOURCE and loaded.provenance.release == "2023-05-30"
    assert loaded.data.select("iso3", "year", "value").row(0) == ("THA", 2020, 155)


def test_not_available_tokens_are_read_whatever_their_case_and_spaces_and_nothing_else() -> None:
    from evidence.sources.workbook import NOT_AVAILABLE, not_available

    texts = [*NOT_AVAILABLE, " N/A ", "Not Assessed", "0", "", "unknown", "1.5", "-1", "....", None]
    got = pl.select(not_available(pl.Series(texts, dtype=pl.String))).to_series().to_list()
    assert got == [True] * (len(NOT_AVAILABLE) + 2) + [False] * 6 + [None]


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("1541*", "1541"),
        ("Tier 3 *\u2020", "Tier 3"),
        ("Female\u00b9\u00b2", "Female"),
        ("1,541 [a]", "1,541"),
        ("7[12]", "7"),
        ("Total#", "Total"),
        ("Tier 2 [abc]", "Tier 2 [abc]"),  # three letters: not a note
        ("5*5", "5*5"),  # not at the end
    ],
)
def test_a_footnote_marker_is_read_at_the_end_only(text: str, kept: str) -> None:
    from evidence.sources.workbook import FOOTNOTE_MARKER

    assert pl.select(pl.lit(text).str.replace(FOOTNOTE_MARKER, "")).item() == kept


# the scripts of names and labels in the publishers' files (Latin, Greek, Cyrillic; marks, punctuation, digits):
# beyond them Python's Unicode tables and polars' may be of different Unicode versions
@settings(max_examples=300)
@given(st.text(st.characters(max_codepoint=0x52F), max_size=30).filter(lambda t: t.casefold() == t.lower()))
def test_header_key_expr_keys_a_column_as_header_key_keys_a_cell(text: str) -> None:
    from evidence.sources.workbook import header_key, header_key_expr

    assert pl.select(header_key_expr(pl.lit(text, pl.String))).item() == header_key(text)


def test_a_label_with_alternatives_matches_the_first_present() -> None:
    import polars as pl

    from evidence.sources.workbook import column_for

    frame = pl.DataFrame({"Value": [1], "TXT VALUE": [2], "Year": [3]})
    assert column_for(frame, ("txtVALUE", "VALUE", "Value")) == "TXT VALUE"
    assert column_for(frame.drop("TXT VALUE"), ("txtVALUE", "VALUE", "Value")) == "Value"
    assert column_for(frame, "year") == "Year"
    with pytest.raises(KeyError, match="txtVALUE"):
        column_for(frame.drop("TXT VALUE"), ("txtVALUE", "Amount"))


@pytest.mark.parametrize(
    ("cell", "key"),
    [
        ("Year\u00b9", "year"),
        ("Country [1]", "country"),
        ("Tier [12]*", "tier"),
        ("Tier 2\u00b2\u00b3 ", "tier2"),
        ("Tier*\u2020", "tier"),
        ("[1]", "1"),  # a marker only keeps it
        ("\u00b9", "\u00b9"),
        # not footnote numbers: a bracketed letter (a multiplier, a sex, a language), a number in parentheses,
        # a longer number, a plain digit
        ("Country [a]", "countrya"),
        ("txtVALUE [k]", "txtvaluek"),
        ("Country [fr]", "countryfr"),
        ("txtVALUE (1)", "txtvalue1"),
        ("Year [2019]", "year2019"),
        ("iso3", "iso3"),
        (None, ""),
    ],
)
def test_a_header_cell_is_keyed_with_its_footnote_number_set_aside(cell: str | None, key: str) -> None:
    assert workbook.header_cell_key(cell) == key


@settings(max_examples=200, derandomize=True)
@given(text=st.text())
def test_a_header_cell_without_a_trailing_marker_keys_as_header_key(text: str) -> None:
    import re

    if not re.search(workbook.HEADER_FOOTNOTE_MARKER, text.strip()):
        assert workbook.header_cell_key(text) == workbook.header_key(text)


def test_cell_references_and_the_one_rule_for_a_label_in_several_cells() -> None:
    from evidence.sources.workbook import cell_reference, label_positions

    assert [cell_reference(i, 3) for i in (0, 9, 25, 26, 27, 701, 702)] == [
        "A3", "J3", "Z3", "AA3", "AB3", "ZZ3", "AAA3",
    ]  # fmt: skip
    cells = ["Country", "Year\u00b9", "txtVALUE", "VALUE", "Year [2]", None]
    assert label_positions(cells, "Year") == [1, 4]  # two copies of one label: neither is the one
    assert label_positions(cells, ("txtVALUE", "VALUE", "Value")) == [2]  # the publisher's label first
    assert label_positions(cells, ("Value", "txtVALUE")) == [3]  # the first alternative found wins
    assert label_positions(cells, "Region") == []


def _with_error_cells(path: Path, cells: dict[str, str]) -> Path:
    """``path`` with the given cells made spreadsheet errors (``t="e"``, as Excel saves a failed formula)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml = parts[sheet].decode()
    for reference, text in cells.items():
        xml, n = re.subn(
            rf'<c r="{reference}"([^>]*?)(?: t="\w+")?([^>]*)>.*?</c>',
            rf'<c r="{reference}"\1\2 t="e"><v>{text}</v></c>',
            xml,
            count=1,
        )
        assert n == 1, reference
    parts[sheet] = xml.encode()
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return path


def test_a_spreadsheet_error_cell_is_read_as_its_text_never_as_an_empty_cell(tmp_path: Path) -> None:
    """calamine reads an error cell (#N/A, #DIV/0!: a failed formula) as empty: a GSI country's prevalence was
    then "not assessed", unflagged. Its text is put back: #N/A is not available (flagged, the country kept), another
    error is no number (the row rejected naming it)."""
    import openpyxl

    from evidence.sources import registry, walkfree

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Global Slavery Index 2023"])
    sheet.append(["Country", "Population", "Estimated prevalence of modern slavery per 1,000 population",
                  "Estimated number of people in modern slavery"])  # fmt: skip
    sheet.append(["Thailand", 69800000, 5.74, 401000])
    sheet.append(["Cambodia", 16700000, 5.02, 84000])
    sheet.append(["Lao PDR", 7300000, 4.86, 35000])
    book.save(tmp_path / "gsi.xlsx")
    path = _with_error_cells(tmp_path / "gsi.xlsx", {"C3": "#N/A", "D4": "#DIV/0!"})
    loaded = registry.load(path)
    assert loaded.rows_in == loaded.rows_kept + loaded.rows_rejected == 3
    assert loaded.rejects.select("row", "value", "reason").rows() == [
        (4, "#DIV/0!", walkfree.REASON_NOT_NUMBER)
    ]
    flagged = loaded.flags.filter(pl.col("reason") == walkfree.REASON_NOT_AVAILABLE)
    assert flagged.select("row", "value").rows() == [(3, "#N/A")]


def test_an_error_cell_in_a_sheet_starting_right_of_column_a_lands_in_its_column(tmp_path: Path) -> None:
    """The frame calamine reads starts at the sheet's first column holding a value: an error cell is placed by it."""
    import openpyxl

    from evidence.sources import registry

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([None, "iso3", "report_year", "tier"])
    sheet.append([None, "THA", 2024, "Tier 2"])
    sheet.append([None, "KHM", 2024, "Tier 2"])
    book.save(tmp_path / "tiers.xlsx")
    path = _with_error_cells(tmp_path / "tiers.xlsx", {"D3": "#REF!"})
    loaded = registry.load(path)
    assert loaded.rejects.select("row", "column", "value").rows() == [(3, "tier", "#REF!")]


@pytest.mark.parametrize("quote", ['"', "'"])
@pytest.mark.parametrize("at", range(-5, 2))
def test_an_error_cell_is_found_wherever_the_pieces_searched_split_its_attribute(quote: str, at: int) -> None:
    """A sheet is searched for an error cell in pieces (:data:`workbook._SEARCH_CHUNK`): an attribute ``t="e"``
    split between two pieces, at each of its bytes, is found as in the sheet read whole."""
    import io

    cell = f"<c r={quote}D4{quote} t={quote}e{quote}><v>#N/A</v></c>".encode()
    start = cell.index(b"t=")
    for offset in (workbook._SEARCH_CHUNK + at, 2 * workbook._SEARCH_CHUNK + at):
        xml = b" " * (offset - start) + cell + b" " * 10
        assert workbook._holds_error_cell(io.BytesIO(xml))
    assert not workbook._holds_error_cell(io.BytesIO(b" " * (workbook._SEARCH_CHUNK - 2) + b'<c t="s"/>'))


def test_a_sheets_error_cells_are_searched_again_when_its_content_changes(tmp_path: Path) -> None:
    """The search for error cells is kept by the sheet's content (:func:`workbook._by_content`): a copy of the
    workbook gives the same cells, the same workbook with another error cell gives its own, never the kept one."""
    import openpyxl

    book = openpyxl.Workbook()
    for line in (["iso3", "year", "value"], ["THA", 2024, 5], ["KHM", 2024, 7]):
        book.active.append(line)
    book.save(tmp_path / "a.xlsx")
    shutil.copy(tmp_path / "a.xlsx", tmp_path / "b.xlsx")
    first = _with_error_cells(tmp_path / "a.xlsx", {"C2": "#N/A"})
    other = _with_error_cells(tmp_path / "b.xlsx", {"C3": "#DIV/0!"})
    found = workbook._sheet_cells(first, "Sheet")
    assert found == ([(2, 3, "#N/A")], 1)
    assert workbook._sheet_cells(shutil.copy(first, tmp_path / "copy.xlsx"), "Sheet") == found
    assert workbook._sheet_cells(other, "Sheet") == ([(3, 3, "#DIV/0!")], 1)
    assert workbook._sheet_cells(first, "Sheet") == found


def test_the_note_of_years_written_as_dates_counts_its_cells_in_words_a_reader_reads():
    """It said "1 cell(s) hold a date"."""
    from evidence.sources.workbook import years_from_dates_note

    assert "'Year': 1 cell with a date, 1 January of a year" in years_from_dates_note("Year", 1)
    assert "'Year': 2,500 cells with a date" in years_from_dates_note("Year", 2500)


@pytest.mark.parametrize(
    ("number_format", "shown"),
    [
        ("mmmm yyyy", workbook.MonthDate),  # June 2025 (a custom format)
        ("mmm-yy", workbook.MonthDate),  # Jun-25 (Excel's built-in format 17)
        ('"Updated: "mmm yyyy', workbook.MonthDate),  # quoted text is no part of the date shown
        ("yyyy-mm", workbook.MonthDate),
        ("yyyy", workbook.YearDate),  # 2025
        ("dd/mm/yyyy", dt.datetime),  # a day shown: the date as it is
        ("d-mmm-yy", dt.datetime),  # Excel's built-in format 15
        ("mmmm", dt.datetime),  # a month without its year says no month of a year: a date, as before
        ("[$-409]mmmm\\ yyyy;@", workbook.MonthDate),  # as Excel writes a locale's "June 2025"
        ("[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy", dt.datetime),  # Excel's long date: a day
        ("MMMM YYYY", workbook.MonthDate),  # as LibreOffice writes it
    ],
)
def test_a_date_cell_shown_to_the_month_or_year_says_that_precision(
    tmp_path: Path, number_format: str, shown: type
) -> None:
    """dates31: a date cell a number format shows to the month (``June 2025``) or the year holds the 1st of the
    month (or 1 January) only because a spreadsheet stores days: read as a :class:`~workbook.MonthDate` (or
    :class:`~workbook.YearDate`), so a loader does not take the filler day for the publisher's (it was a plain
    date, a release of 2025-06-01)."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = dt.datetime(2025, 6, 1)
    book.active["A1"].number_format = number_format
    book.active["A2"] = "header"
    book.save(tmp_path / "m.xlsx")
    cell = workbook.workbook_head(tmp_path / "m.xlsx").sheets[0].rows[0][0]
    assert type(cell) is shown and cell == dt.datetime(2025, 6, 1)
