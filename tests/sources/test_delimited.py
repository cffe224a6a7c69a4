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
