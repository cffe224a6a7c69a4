"""Untrusted text made safe for Markdown and HTML, and numbers that say what they count."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.core.errors import ParameterError
from evidence.presentation.disclosure import NUMBER_KINDS, DisclosureRule, find_small_counts
from evidence.presentation.markup import (
    count_in_words,
    escape_markdown,
    markdown_code,
    marked,
    number,
    safe_url,
    significant_text,
)


def test_number_marks_its_kind_and_reads_as_the_number() -> None:
    assert number(4, "lists") == '<span data-kind="lists">4</span>'
    assert number(12345, "people") == '<span data-kind="people">12,345</span>'
    assert number(2026, "parameter", thousands=False) == '<span data-kind="parameter">2026</span>'
    assert number(0.1234, "statistic", digits=2) == '<span data-kind="statistic">0.12</span>'
    assert marked("<0.001", "statistic") == '<span data-kind="statistic">&lt;0.001</span>'
    with pytest.raises(ParameterError, match="kind"):
        number(4, "list")


@pytest.mark.parametrize("kind", sorted(set(NUMBER_KINDS) - {"people", "censored"}))
def test_marked_numbers_of_other_kinds_are_not_counts_of_people(kind: str) -> None:
    assert find_small_counts(f"<p>With {number(3, kind)} of them and {number(2, kind)} more.</p>") == []


def test_a_small_count_of_people_is_caught_however_it_is_written() -> None:
    hits = find_small_counts(f"<p>{number(3, 'people')} on a list; {marked('2.5', 'people')} estimated</p>")
    assert sorted(h.value for h in hits) == [2.5, 3]
    # marked as people, a number is a count whatever surrounds it; the rule's label is not
    assert [h.value for h in find_small_counts(marked("Lao PDR: 4", "people"))] == [4]
    assert find_small_counts(marked("<5", "people")) == []


def test_a_withheld_count_is_said_in_words_in_a_sentence() -> None:
    """A sentence never prints a withheld cell's label ("rose by x", "on x victims (<11 with it)"): a reader of
    prose has no legend for it. The complement's ``x`` is a withheld number, the rule's ``<11`` fewer than 11 (the
    threshold marked as no count of people); a published count is left as it is."""
    assert count_in_words("x", "victims") == "a withheld number of victims"
    assert count_in_words("x") == "a withheld number"
    assert count_in_words("<11", "victims", markdown=False) == "fewer than 11 victims"
    said = count_in_words("<11", "victims")
    assert re.sub(r"</?span[^>]*>", "", said) == "fewer than 11 victims"
    assert find_small_counts(f"<p>on {said}</p>", DisclosureRule(11)) == []
    assert count_in_words("1,234", "victims") == "1,234 victims"
    assert count_in_words("up to 8") == "up to 8"
    assert count_in_words("<5", markdown=False) == "fewer than 5"


def test_escape_markdown_leaves_plain_text_alone() -> None:
    for text in ("Myanmar", "Lao PDR", "1,234", "12.3%", "Source: UNODC, 2023", "a-b", "2019–2021"):
        assert escape_markdown(text) == text
    assert escape_markdown("<img src=x>") == "\\<img src=x\\>"
    assert escape_markdown("- a\nb") == "\\- a b"  # one line, no list


def test_code_span_fences_outgrow_the_text() -> None:
    assert markdown_code("glotip_xlsx") == "`glotip_xlsx`"
    assert markdown_code("a``b") == "```a``b```"
    assert markdown_code("`x") == "`` `x ``"


#: What Quarto runs or resolves in a brief's source before any filter sees it, read in its text as knitr and Quarto
#: read it (tests/briefs/test_injection.py's _EXECUTABLE): inline code (`{python} x`, `r x`) and a shortcode
#: ({{< include FILE >}}, {{% env NAME %}}: Quarto expands them in code spans as in text)
_QUARTO_EXECUTABLE = re.compile(r"`(?:\{\w+\}|r[ #])|\{\{[<%]")


@pytest.mark.parametrize(
    "text",
    [
        "r Sys.getenv()",
        "r#x",
        "{python} __import__('os').getcwd()",
        "{r} Sys.time()",
        "run {{< include /etc/passwd >}}",
        "{{% env HOME %}}",
        "`r x`",
        "a``{python} b",
    ],
)
def test_a_code_span_holds_nothing_quarto_would_run_or_resolve(text: str) -> None:
    """A run's record (its run id, its notebook's name) is shown in a code span, and text from data escaped: text
    Quarto would execute as inline code or expand as a shortcode (an environment variable's or a local file's
    content) must reach it as text, which a code span's backticks do not make it, nor a backslash before a
    backtick (knitr finds "`r x`" in the raw text)."""
    for out in (markdown_code(text), escape_markdown(text)):
        assert not _QUARTO_EXECUTABLE.search(out), out


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_safe_urls_are_web_urls_only(url: str) -> None:
    safe = safe_url(url)
    if safe is not None:
        assert safe.lower().startswith(("http://", "https://"))
        assert not any(c.isspace() or c in "<>\"'`\\" for c in safe)


def test_safe_url_examples() -> None:
    assert safe_url("https://dataunodc.un.org/dp-trafficking-persons") is not None
    for url in (
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,x",
        "file:///etc",
        "ftp://x.org",
    ):
        assert safe_url(url) is None


def test_a_p_value_is_never_printed_as_zero():
    from evidence.presentation.markup import p_value_text

    assert p_value_text(0.0) == "< 0.001" and p_value_text(1e-12) == "< 0.001"
    assert p_value_text(0.0234) == "= 0.0234" and p_value_text(0.5) == "= 0.5"


# ------------------------------------------------------------------ invisible format characters (bidi controls)

_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(st.text(max_size=5), st.sampled_from(_BIDI), st.characters(categories=["Cf"])), max_size=12
    )
)
def test_no_bidi_control_or_format_character_reaches_markdown_or_html(parts: list[str]) -> None:
    """The review (finding 13): "Lao\u202eRDP" passed into the brief, and the RLO reversed the counts after it."""
    from evidence.presentation.markup import data_label, escape_html, strip_unsafe_format
    from evidence.presentation.tables import TableData

    text = "".join(parts)
    table = TableData.from_cells([text, "Victims"], [[text, "12"]], caption=text, notes=[text])
    outputs = [
        escape_markdown(text),
        markdown_code(text),
        escape_html(text),
        data_label(text),
        marked(text, "label"),
        table.to_html(),
        table.to_markdown(),
    ]
    for out in outputs:
        assert not any(c in out for c in _BIDI), repr(out)
        assert strip_unsafe_format(out) == out
    # the joiners some scripts need are kept, and the visible text is not otherwise changed
    assert escape_html("می\u200cخواهم") == "می\u200cخواهم"
    assert escape_markdown("Lao\u202eRDP 11") == "LaoRDP 11"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0219359, "0.0219"),
        (4.13654851913, "4.14"),
        (2.5, "2.5"),
        (0.25, "0.25"),
        (99.96, "100"),
        (0.000153, "0.000153"),
        (401000.0, "401,000"),
        (1234.5, "1,234"),
        (-0.50, "-0.5"),
        (0.0, "0"),
    ],
)
def test_significant_text_reads_without_trailing_zeros_or_exponent(value: float, text: str) -> None:
    assert significant_text(value) == text


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).filter(lambda v: abs(v) > 1e-12 or v == 0))
def test_significant_text_is_the_value_to_three_significant_digits(value: float) -> None:
    text = significant_text(value)
    assert "e" not in text and not ("." in text and text.endswith(("0", ".")))
    shown = float(text.replace(",", ""))
    expected = float(f"{value:.3g}") if abs(value) < 1000 else float(f"{value:.0f}")
    assert shown == expected


def test_numbers_marked_as_censored_cells_are_checked_as_strictly_as_people() -> None:
    """A range of the publisher's censored cells is written "up to 12" (range_text): a small number marked
    censored is a low end printed where it never should be, and the scan says so."""
    assert [h.value for h in find_small_counts(f"<p>{number(3, 'censored')}–12</p>")] == [3]
    assert find_small_counts(f"<p>{marked('up to 12', 'censored')} victims</p>") == []


def test_a_possessive_of_a_name_plural_in_form_takes_an_apostrophe_alone() -> None:
    """Brief audit: the Philippines' brief read "the Philippines's own count of its nationals"."""
    from evidence.presentation.markup import possessive

    assert possessive("the Philippines") == "the Philippines'"
    assert possessive("the United States") == "the United States'"
    assert possessive("the Netherlands") == "the Netherlands'"
    assert possessive("Solomon Islands") == "Solomon Islands'"
    assert possessive("Thailand") == "Thailand's" and possessive("Lao PDR") == "Lao PDR's"
    assert possessive("Belarus") == "Belarus's"


def test_a_possessive_of_a_un_name_with_its_form_in_brackets_puts_the_form_first() -> None:
    """The world review: Bolivia's origin brief read "Bolivia (Plurinational State of)'s own authorities" and
    "Bolivia (Plurinational State of)'s breakdown by citizenship"; the UN's sorted name is said in its long
    form, which takes the possessive."""
    from evidence.presentation.markup import possessive

    assert possessive("Bolivia (Plurinational State of)") == "the Plurinational State of Bolivia's"
    assert possessive("Iran (Islamic Republic of)") == "the Islamic Republic of Iran's"
    assert possessive("Micronesia (Federated States of)") == "the Federated States of Micronesia's"
    assert possessive("Venezuela (Bolivarian Republic of)") == "the Bolivarian Republic of Venezuela's"
    assert possessive("Thailand") == "Thailand's"


# ---------------------------------------------------------------- line breaks Typst knows and Markdown does not

#: What Typst's syntax takes for a line break (typst-syntax ``is_newline``): U+0085 (NEL) among them, which
#: Markdown reads as a character like any other, so it reached the PDF's markup inside a line of text
_TYPST_NEWLINES = "\n\r\x0b\x0c\x85\u2028\u2029"


@pytest.mark.parametrize("newline", list(_TYPST_NEWLINES))
def test_no_line_break_of_any_kind_survives_escaping(newline: str) -> None:
    """A value is one line: "Forced labour⏎= Heading" must not open a heading (or "⏎/ term" a term list, a
    syntax error that stopped the PDF) in the Typst markup of the brief."""
    text = f"Forced labour{newline}= Forged heading{newline}/ term"
    for out in (escape_markdown(text), markdown_code(text)):
        assert not any(c in out for c in _TYPST_NEWLINES), repr(out)
    assert escape_markdown(f"a{newline}b") == "a b"


def test_c1_control_characters_are_dropped() -> None:
    assert escape_markdown("a\x80b\x9fc\x9b[31md") == "abc\\[31md"
