"""The disclosure scan reads a range of counts in a table's data cell whichever way it is written ("3–12",
"3-12", "3—12", "3 to 12"), and never a range that names a row or a column (an age group), a range of years,
a date or a code."""

from __future__ import annotations

import html

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from evidence.presentation.disclosure import DisclosureRule, find_small_counts, range_text

#: Every way a range is written: hyphen-minus, the Unicode hyphens and dashes, the minus sign, "to".
SEPARATORS = ["-", "\u2010", "\u2011", "\u2012", "–", "—", "\u2015", "−", " - ", " – ", " — ", " to "]
#: How a label writes its range (an age group "1-4", "0–17"): a dash between the numbers, no spaces (a number
#: after a spaced dash, "0 - 4", is read as prose reads it: possibly a count).
DASHES = [s for s in SEPARATORS if s.strip() == s]


def _html(rows: list[list[str]], header: list[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _markdown(rows: list[list[str]], header: list[str]) -> str:
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines) + "\n"


@settings(max_examples=200, deadline=None)
@given(
    threshold=st.integers(2, 12),
    data=st.data(),
    separator=st.sampled_from(SEPARATORS),
    people=st.sampled_from(["", " victims", " persons"]),
    markdown=st.booleans(),
)
def test_a_range_with_a_small_low_end_in_a_data_cell_is_always_caught(
    threshold, data, separator, people, markdown
):
    rule = DisclosureRule(threshold=threshold)
    low = data.draw(st.integers(1, threshold - 1))
    high = data.draw(st.integers(low + 1, 5_000))
    cell = f"{low}{separator}{high:,}{people}"
    table = (_markdown if markdown else _html)([["Asia → Africa", cell]], ["route", "victims"])
    assert low in [h.value for h in find_small_counts(table, rule)], table
    alone = f"<table><tr><td>{html.escape(cell)}</td></tr></table>"  # a table of one cell: a data cell
    assert low in [h.value for h in find_small_counts(alone, rule)], alone


@settings(max_examples=200, deadline=None)
@given(
    low=st.integers(0, 99),
    width=st.integers(1, 30),
    separator=st.sampled_from(DASHES),
    where=st.sampled_from(
        ["row label", "row header", "column header", "markdown row label", "markdown header"]
    ),
    threshold=st.integers(2, 12),
)
def test_an_age_group_naming_a_row_or_a_column_is_never_flagged(low, width, separator, where, threshold):
    """An age group ("1-4", "12–17", "0—17") in the cell that names a row or a column is a label."""
    rule = DisclosureRule(threshold=threshold)
    group = f"{low}{separator}{low + width}"
    if where == "row label":
        text = _html([[group, "1,234"]], ["age", "victims"])
    elif where == "row header":
        text = f'<table><tr><th scope="row">{html.escape(group)}</th><td>1,234</td></tr></table>'
    elif where == "column header":
        text = _html([["1,234", "2,345"]], [group, "all ages"])
    elif where == "markdown row label":
        text = _markdown([[group, "1,234"]], ["age", "victims"])
    else:
        text = _markdown([["1,234", "2,345"]], [group, "all ages"])
    assert find_small_counts(text, rule) == [], text


@settings(max_examples=200, deadline=None)
@given(
    first=st.integers(1800, 2199),
    span=st.integers(0, 20),
    month=st.integers(1, 12),
    day=st.integers(1, 28),
    separator=st.sampled_from(DASHES),
    threshold=st.integers(2, 12),
)
def test_years_dates_and_codes_in_data_cells_are_never_flagged(first, span, month, day, separator, threshold):
    rule = DisclosureRule(threshold=threshold)
    cells = [
        f"{first}{separator}{min(first + span, 2199)}",  # a range of years
        f"{first}-{month:02d}-{day:02d}",  # an ISO date
        f"{first}/{month:02d}",
        f"ISO-{month}",
        f"TH-{month:02d}",
        f"Q{month % 4 + 1}-{first}",
    ]
    text = _html([["THA", *cells]], ["country", *(f"c{i}" for i in range(len(cells)))])
    assert find_small_counts(text, rule) == [], text


def test_the_published_forms_of_a_range_are_not_flagged():
    """What range_text writes ("up to 12", "5–12", "1,541–1,550") passes, with any separator."""
    rule = DisclosureRule(threshold=5)
    for separator in SEPARATORS:
        cells = ["up to 12", f"5{separator}12", f"1,541{separator}1,550"]
        assert find_small_counts(_html([["Asia", *cells]], ["route", "a", "b", "c"]), rule) == []


# ------------------------------------------------------------------------------------- ranges in running text

#: Words a sentence may put around a range of counts.
_BEFORE = ["", "There were ", "In 2019, ", "about ", "(", "The data hold "]
_AFTER = ["", " victims", " persons were identified", ".", " people in 2019", ")"]


@settings(max_examples=300, deadline=None)
@given(
    threshold=st.integers(2, 12),
    data=st.data(),
    separator=st.sampled_from([*SEPARATORS, "between-and"]),
    before=st.sampled_from(_BEFORE),
    after=st.sampled_from(_AFTER),
)
def test_a_range_with_a_small_end_in_running_text_is_flagged(threshold, data, separator, before, after):
    # (a number that opens a line followed by "." or ")" is a list's mark: "1-2." is read as "3." is)
    assume(before or after[:1] not in ".)")
    rule = DisclosureRule(threshold=threshold)
    low = data.draw(st.integers(1, threshold - 1))
    high = data.draw(st.integers(low + 1, 5_000).filter(lambda h: (low, h) != (1, threshold - 1)))
    shown = f"between {low} and {high:,}" if separator == "between-and" else f"{low}{separator}{high:,}"
    text = f"{before}{shown}{after}"
    found = [h.value for h in find_small_counts(text, rule)]
    assert low in found, text
    if high < threshold:
        assert high in found, text
    # as a paragraph of HTML, and beside a table that says nothing small
    table = _html([["Asia", "1,234"]], ["route", "victims"])
    assert low in [h.value for h in find_small_counts(f"<p>{html.escape(text)}</p>{table}", rule)]


@settings(max_examples=300, deadline=None)
@given(
    threshold=st.integers(2, 12),
    zero_is_safe=st.booleans(),
    low=st.integers(0, 3_000),
    width=st.integers(0, 3_000),
    low_below=st.booleans(),
    before=st.sampled_from(_BEFORE),
    after=st.sampled_from(_AFTER),
)
def test_the_toolkits_own_range_text_is_never_flagged_in_running_text(
    threshold, zero_is_safe, low, width, low_below, before, after
):
    rule = DisclosureRule(threshold=threshold, zero_is_safe=zero_is_safe)
    text = f"{before}{range_text(low, low + width, rule, low_below=low_below)}{after}"
    assert find_small_counts(text, rule) == [], text
    assert find_small_counts(f"<p>{html.escape(text)}</p>", rule) == [], text


@given(threshold=st.integers(2, 12), separator=st.sampled_from([*DASHES, " to ", "between-and"]))
def test_the_label_written_out_as_its_range_is_not_flagged(threshold, separator):
    """What the publisher's "<5" stands for, written out ("counts of 1–4 are published as <5"), shows no count."""
    rule = DisclosureRule(threshold=threshold)
    top = threshold - 1
    shown = f"between 1 and {top}" if separator == "between-and" else f"1{separator}{top}"
    if top > 1:
        text = f"UNODC publishes counts of {shown} as {rule.label}: such flows are given as a range."
        assert find_small_counts(text, rule) == [], text


def test_a_range_in_running_text_respects_the_kind_its_element_declares():
    rule = DisclosureRule(threshold=5)
    assert find_small_counts('<p><span data-kind="years">2-3</span> years on</p>', rule) == []
    assert find_small_counts('<p><span data-kind="label">2–3</span></p>', rule) == []
    assert [h.value for h in find_small_counts('<p><span data-kind="people">2–3</span></p>', rule)] == [2, 3]
    # a range of years, of percentages, of durations, a code: no count
    for text in [
        "2008–2021",
        "2–3%",
        "2-3 years",
        "ISO-3166-2",
        "TH-1-2",
        "1.5–2.5",
        "between 3 and 4 times",
    ]:
        assert find_small_counts(text, rule) == [], text
    # numbers of neighbouring table cells are no range: a small count in its own cell is still caught
    assert [
        h.value for h in find_small_counts("<table><tr><td>Asia</td><td>3</td><td>–</td></tr></table>")
    ] == [3]


def test_a_code_a_page_range_or_an_age_range_in_running_text_is_no_count():
    """What reads as a range but is none of counts: a code whose second number is the smaller ("ISO 3166-1",
    a score), a range of pages, tables or sections (a plural label), and ages ("aged 2-3"). A range of
    counts beside them is still caught."""
    rule = DisclosureRule(threshold=5)
    for text in [
        "countries are named by ISO 3166-1 alpha-3 codes",
        "the score was 4-1",
        "see pages 2-3",
        "Tables 2-3 show the flows",
        "sections 2 to 3",
        "Annexes 2–3",
        "children aged 2-3",
        "ages 2 to 3",
        "aged between 2 and 3",
    ]:
        assert find_small_counts(text, rule) == [], text
    assert [h.value for h in find_small_counts("see pages 2-3: 2–3 victims", rule)] == [2, 3]
    assert [h.value for h in find_small_counts("2 vs 3 victims", rule)] == [2, 3]
    # a plural that is no reference to a part of a document still lets the count after it be read
    assert [
        h.value for h in find_small_counts("In the following weeks 3 victims were identified.", rule)
    ] == [3]
