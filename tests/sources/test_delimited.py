"""Encodings and line ends of delimited text, as spreadsheet programs save them."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from evidence.core.errors import InputError
from evidence.sources.delimited import (
    MAX_COLUMNS,
    check_quotes,
    check_width,
    split_line,
    text_encoding,
    utf8_text,
)

TEXT = "iso3,report_year,tier\nTHA,2016,Tier 2 Watch List\nKHM,2016,Tier 2\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode(), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode(), "utf-8"),
        (TEXT.encode("utf-16"), "utf-16-le"),  # Python writes the BOM of the machine's order (little-endian)
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),  # no BOM: told from where the zero bytes fall
        (TEXT.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_encoding_is_told_from_bom_or_zero_bytes(data: bytes, encoding: str) -> None:
    assert text_encoding(data) == encoding


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-16"),
        TEXT.encode("utf-16-be"),
        TEXT.replace("\n", "\r").encode(),
        TEXT.replace("\n", "\r").encode("utf-16"),
    ],
)
def test_utf16_and_cr_only_become_utf8_with_the_same_lines(data: bytes) -> None:
    converted, notes = utf8_text(data, "f.csv")
    assert converted == TEXT.encode()
    assert notes


def test_utf8_with_lf_or_crlf_is_left_alone() -> None:
    for data in (TEXT.encode(), TEXT.replace("\n", "\r\n").encode()):
        assert utf8_text(data, "f.csv") == (data, [])


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00\r"), max_size=200))
def test_any_utf16_text_round_trips(text: str) -> None:
    assert utf8_text(("a,b\n" + text).encode("utf-16"), "f.csv")[0] == ("a,b\n" + text).encode()


def test_broken_utf16_is_told_as_utf16() -> None:
    with pytest.raises(InputError, match="this file is UTF-16 text"):
        utf8_text(b"\xff\xfe" + "a,b\n".encode("utf-16-le") + b"\x00\xd8", "f.csv")  # a lone surrogate


def test_width_and_quotes() -> None:
    check_width(MAX_COLUMNS, "f.csv")
    with pytest.raises(InputError, match="more than any spreadsheet holds") as caught:
        check_width(1_000_000, "f.csv")
    assert "more than once" not in str(caught.value)
    check_quotes(b'a,"b"\n', "f.csv")
    with pytest.raises(InputError, match="never closed"):
        check_quotes(b'a,"b\n', "f.csv")


def test_a_stray_line_break_inside_a_header_line_stays_in_its_field() -> None:
    assert split_line("a,b\rc,d", ",") == ["a", "b c", "d"]
    assert split_line('"x;y";z\x00', ";") == ["x;y", "z "]


@given(st.text(alphabet=st.characters(codec="cp1252", min_codepoint=0xA0), min_size=1, max_size=20))
def test_windows_1252_text_is_refused_naming_its_line_never_read_lossily(accented: str) -> None:
    data = ("a,b\n1,2\n3," + accented + "\n").encode("cp1252")
    try:  # "Ã©" in Windows-1252 is "é" in UTF-8: such bytes are UTF-8 text, whatever was meant
        data.decode("utf-8")
        assume(False)
    except UnicodeDecodeError:
        pass
    with pytest.raises(InputError, match="not UTF-8 text") as caught:
        utf8_text(data, "f.csv")
    assert caught.value.row == 3 and "UTF-8" in (caught.value.hint or "")
    assert caught.value.column == "b"


@pytest.mark.parametrize(
    ("text", "delimiter", "column"),
    [
        ('iso3,country,year\nTHA,Thailand,2024\nCIV,"Côte d\'Ivoire, Republic of",2024\n', ",", "country"),
        ("Iso3_code;Country;Year\nCIV;Côte d'Ivoire;2024\n", ";", "Country"),
        ("a\tb\tc\n1\t2\tTürkiye\n", "\t", "c"),
    ],
)
def test_a_windows_1252_byte_is_named_by_its_column_too(text: str, delimiter: str, column: str) -> None:
    """The refusal names the column holding the byte (the header's label of its field), as every error names
    file, row and column where known (it named the line only)."""
    with pytest.raises(InputError) as caught:
        utf8_text(text.encode("cp1252"), "f.csv")
    assert caught.value.column == column


def test_a_windows_1252_byte_below_a_title_line_names_no_column_of_the_title() -> None:
    """A title line above the header (a workbook saved as CSV) is no header: its cells name no column."""
    text = "Source: Walk Free 2023, Global Slavery Index\nCountry,Population,Region\nCôte d'Ivoire,1,Africa\n"
    with pytest.raises(InputError) as caught:
        utf8_text(text.encode("cp1252"), "f.csv")
    assert (caught.value.row, caught.value.column) == (3, None)


def test_a_windows_1252_byte_in_the_header_names_no_column() -> None:
    with pytest.raises(InputError) as caught:
        utf8_text("País,year\nTH,2024\n".encode("cp1252"), "f.csv")
    assert (caught.value.row, caught.value.column) == (1, None)


def test_header_delimiter_is_the_first_that_makes_a_known_layout() -> None:
    """The one header sniffer of the delimited loaders (TIP tiers, CTDC): comma first, a delimiter the line lacks
    not tried, the labels stripped of a BOM and blanks."""
    from evidence.sources.delimited import header_delimiter

    def known(cells: list[str]) -> str | None:
        return "abc" if cells[:3] == ["a", "b", "c"] else None

    assert header_delimiter("\ufeffa ; b;c", known) == (";", ["a", "b", "c"], "abc")
    assert header_delimiter("a,b,c", known) == (",", ["a", "b", "c"], "abc")
    assert header_delimiter('"a;b",x;a;b;c', known) is None  # neither split gives a, b, c first
    assert header_delimiter("a\tb\tc", known) == ("\t", ["a", "b", "c"], "abc")
    assert header_delimiter("abc", known) is None


# A cell of a record that holds nothing, or something: blanks of several kinds (Unicode's, as the parsers strip
# them: a no-break space, an ideographic space), text, and a missing value.
_CELLS = st.sampled_from(["", " ", "\t", "\u00a0", "\u3000 ", "x", " y ", "\u00a0z", None])


@given(
    st.lists(st.tuples(_CELLS, _CELLS, _CELLS), max_size=8),
    st.lists(st.none() | st.integers(0, 1), max_size=8),
)
def test_a_record_is_empty_exactly_when_each_of_its_fields_is(cells, numbers) -> None:
    """empty_records reads a record's text fields joined (one strip per record): blanks only exactly when each field
    is missing or blanks only, as each field stripped on its own says; a field of another type empty when missing."""
    import polars as pl

    from evidence.sources.delimited import empty_records

    numbers = (numbers + [None] * len(cells))[: len(cells)]
    frame = pl.DataFrame(
        {
            "source_row": list(range(2, len(cells) + 2)),
            **{f"t{i}": [row[i] for row in cells] for i in range(3)},
            "n": numbers,
        },
        schema={"source_row": pl.Int64, "t0": pl.String, "t1": pl.String, "t2": pl.String, "n": pl.Int8},
    )
    by_field = frame.select(
        pl.all_horizontal(
            *((pl.col(c).str.strip_chars().str.len_bytes() == 0).fill_null(True) for c in ("t0", "t1", "t2")),
            pl.col("n").is_null(),
        )
    ).to_series()
    assert empty_records(frame).tolist() == by_field.to_list()
    assert empty_records(frame.drop("n")).tolist() == [
        all(cell is None or not cell.strip() for cell in row) for row in cells
    ]
