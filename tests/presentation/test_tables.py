"""Disclosed tables as HTML and Markdown: labels, separators, totals, notes, no small count on the page."""

from __future__ import annotations

import dataclasses
import html
import json

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence.core.errors import InputError, ParameterError
from evidence.presentation.disclosure import (
    DisclosureRule,
    assert_no_small_counts,
    find_small_counts,
    suppress_counts,
    suppress_table,
)
from evidence.presentation.tables import (
    COMPLEMENT_NOTE,
    PAGE_CHARS,
    Column,
    TableData,
    display_frame,
    format_share,
    small_note,
    table_data,
    table_html,
    table_markdown,
)


@pytest.fixture
def table():
    frame = pl.DataFrame(
        {
            "origin": ["Myanmar", "Cambodia", "Lao PDR"],
            "F": [1234, 3, 40],
            "M": [800, 25, 2],
            "X": [10, 11, 12],
        }
    )
    return suppress_table(frame, "origin", ["F", "M", "X"])


def test_html_has_labels_separators_totals_and_notes(table) -> None:
    page = table_html(table, source="CTDC global dataset", caption="Victims by sex", labels={"F": "Female"})
    assert "<caption" in page and "Victims by sex" in page
    assert ">Female</th>" in page
    assert ">1,234</td>" in page
    assert "&lt;5</td>" in page  # escaped, and shown as "<5" by a browser
    assert ">x</td>" in page
    assert 'class="total"' in page and ">Total</th>" in page
    assert "Source: CTDC global dataset" in page
    assert "fewer than 5" in page and "recomputed" in page
    assert_no_small_counts(page, what="table HTML")


def test_html_of_an_unprotected_table_would_be_caught(table) -> None:
    # The scanner is what the brief tests rely on: a raw small count in a cell must be found.
    page = table_html(table, source="CTDC").replace("&lt;5</td>", "3</td>", 1)
    assert find_small_counts(page)


def test_markdown_table(table) -> None:
    text = table_markdown(table, source="UNODC GLOTIP 2023", caption="Victims")
    lines = text.splitlines()
    assert lines[0] == "**Victims**"
    assert lines[2].startswith("| origin | F | M | X | Total |")
    assert lines[3] == "|:---|---:|---:|---:|---:|"
    assert "| Myanmar | 1,234 | 800 | 10 | 2,044 |" in lines
    assert any(line.startswith("| **Total** |") for line in lines)
    assert lines[-1] == "Source: UNODC GLOTIP 2023"
    assert_no_small_counts(text)


def test_shares_hide_what_is_withheld(table) -> None:
    shown = display_frame(table, shares="column")
    assert shown["F"][0] == format_share(1234 / 1277)
    assert shown["F"][1] == "–"
    assert shown["Total"][-1] == "100.0%"
    page = table_html(table, source="CTDC", shares="row")
    assert "Shares of the row total" in page
    assert_no_small_counts(page)


def test_notes_name_only_the_labels_used() -> None:
    table = suppress_counts(pl.DataFrame({"k": ["a", "b"], "n": [3, 50]}), "n", DisclosureRule(threshold=11))
    text = table_markdown(table, source="Source: CTDC")
    assert "<11: fewer than 11" in text and "x:" not in text
    assert "Source: Source" not in text
    with pytest.raises(ParameterError, match="source"):
        table_markdown(table, source=" ")


def test_format_share() -> None:
    assert format_share(0.1234) == "12.3%"
    assert format_share(None) == "–"
    assert format_share(1 / 3, decimals=0) == "33%"


def test_pipes_in_keys_are_escaped() -> None:
    table = suppress_counts(pl.DataFrame({"k": ["a|b"], "n": [50]}), "n")
    assert "| a\\|b | 50 |" in table_markdown(table, source="test")


PAYLOAD = '<img src=x onerror="alert(1)"> | **b** [l](javascript:alert(1)) `c`'


def test_every_text_of_a_table_is_escaped() -> None:
    table = suppress_counts(pl.DataFrame({"k": [PAYLOAD, "Cambodia"], "n": [50, 3]}), "n")
    data = table_data(table, source=PAYLOAD, caption=PAYLOAD, note=PAYLOAD, labels={"k": PAYLOAD})
    page = data.to_html()
    assert "<img" not in page and 'javascript:alert(1)">' not in page
    assert page.count(html.escape(PAYLOAD)) == 5  # caption, header, cell, note and source
    # read by pandoc (without the brief's filter: escaping alone), the table shows the payload as text
    import subprocess

    from evidence.briefs.builtin import pandoc_path

    command = [pandoc_path(), "--from=markdown", "--to=html5", "--wrap=none"]
    done = subprocess.run(command, input=data.to_markdown(), capture_output=True, text=True, check=True)
    rendered = done.stdout
    assert "<img" not in rendered and "<a " not in rendered and "<strong>b" not in rendered
    assert html.unescape(rendered).count(PAYLOAD) == 5


def test_table_data_travel_as_json_and_say_what_they_count() -> None:
    table = suppress_table(
        pl.DataFrame({"year": [2020, 2021], "F": [30, 3], "M": [40, 50]}), "year", ["F", "M"]
    )
    data = table_data(table, source="CTDC", kinds={"year": "years"})
    assert [c.kind for c in data.columns] == ["years", "people", "people", "people"]
    assert data.total_row and data.row_headers == 1
    assert TableData.from_json(json.loads(json.dumps(data.to_json()))) == data
    assert 'data-kind="people"' in data.to_html() and find_small_counts(data.to_html()) == []
    shares = table_data(table, source="CTDC", shares="row")
    assert {c.kind for c in shares.columns[1:]} == {"statistic"}
    with pytest.raises(ParameterError, match="kinds given for columns"):
        table_data(table, source="CTDC", kinds={"Year": "years"})
    with pytest.raises(InputError, match="malformed table data"):
        TableData.from_json({"version": 1, "columns": [{"name": "a"}], "rows": []})
    with pytest.raises(InputError, match="malformed table data"):
        TableData.from_json({**data.to_json(), "rows": [["2020"]]})  # a row of the wrong width


def test_headers_and_captions_are_labels_and_keep_their_columns_kind() -> None:
    """The scan reads count cells, not the names of columns (``Q6.1_10s_2019``, ``alert(2)``): header cells and
    the caption are labels; the column's kind travels in ``data-column-kind`` (read back by html_tables)."""
    from evidence.briefs.document import html_tables

    data = TableData.from_cells(
        ["Year", "alert(2)", "Q6.1_10s_2019"],
        [["2019", "12", "3"]],
        caption="by form: alert(4)",
        kinds={"Year": "years", "alert(2)": "people", "Q6.1_10s_2019": "people"},
    )
    written = data.to_html()
    assert '<th scope="col" data-kind="label" data-column-kind="people"' in written
    assert '<caption data-kind="label"' in written
    assert [h.value for h in find_small_counts(written)] == [3]  # the count cell, strictly; no label
    (read,) = html_tables(written)
    assert [c.kind for c in read.columns] == ["years", "people", "people"]


def test_a_tables_source_line_is_a_label_and_its_other_notes_are_read() -> None:
    """The review (M1): a source titled "CTDC extract 2 of 3", release "3 March 2024" (or ``alert(3)``) under
    every table stopped the brief. The source line names sources, a label like the caption; the other notes are
    still read, and a small count in them is found."""
    source = "CTDC extract 2 of 3, release 3 March 2024 (synthetic records); alert(3)"
    protected = suppress_table(pl.DataFrame({"form": ["Labour", "Sexual"], "n": [40, 60]}), "form", ["n"])
    data = table_data(protected, source=source, note="Round 2 of the survey left out 3 victims.")
    assert data.notes[-2] == f"Source: {source}"
    written = data.to_html()
    assert f'<span data-kind="label">Source: {html.escape(source)}</span>' in written
    assert [h.value for h in find_small_counts(written)] == [3]  # the count in the note, not the source's
    frame = table_data(pl.DataFrame({"form": ["Labour"], "n": ["40"]}), source="Sources: Part 1 of 3")
    assert find_small_counts(frame.to_html()) == []


def test_a_frame_becomes_a_table_of_text() -> None:
    frame = pl.DataFrame({"flow_class": ["domestic", None], "victims": ["1,234", "<5"]})
    data = table_data(frame, kinds={"victims": "people"})
    assert [c.header for c in data.columns] == ["flow class", "victims"]
    assert data.rows == (("domestic", "1,234"), ("", "<5"))
    assert [c.numeric for c in data.columns] == [False, True]
    # a withheld label it shows is explained under it, as for a protected table
    assert data.notes == ("<5: fewer than 5, not shown to protect individuals.",)


def test_a_year_column_is_a_row_label_with_or_without_a_totals_row() -> None:
    # the fourth review: per-year tables (with "Total") aligned the year left, breakdown tables right
    for years in (["2019", "2020"], ["2019", "2020", "Total"]):
        frame = pl.DataFrame({"year": years, "victims": ["12"] * len(years)})
        assert [c.numeric for c in table_data(frame).columns] == [False, True]


def test_a_perturbed_tables_small_label_says_small_before_or_after_perturbation():
    # the third review: a true 5 perturbed to 4 is withheld as <5, under a note that said "fewer than 5"
    from evidence.presentation.disclosure import DisclosureRule, suppress_counts
    from evidence.presentation.tables import table_notes

    frame = pl.DataFrame({"group": ["a", "b"], "n": [3, 40]})
    rule = DisclosureRule(5)
    perturbed = suppress_counts(frame, "n", rule, cell_keys=pl.DataFrame({"n": [1, 2]}))
    exact = suppress_counts(frame, "n", rule)
    assert "<5: fewer than 5 before or after perturbation, not shown to protect individuals." in table_notes(
        perturbed, source="Test"
    )
    assert "<5: fewer than 5, not shown to protect individuals." in table_notes(exact, source="Test")


def test_numbers_with_their_year_in_brackets_and_placeholders_make_a_numeric_column() -> None:
    frame = pl.DataFrame(
        {
            "Country": ["Thailand", "Brunei Darussalam", "Cambodia"],
            "Detected victims": ["134 (2021)", "<5 (2020)", "no total"],
            "Prevalence": ["5.74", "n/a", "4.98"],
            "TIP tier": ["Tier 3 (2015)", "Tier 2 (2015)", "Tier 2 WL (2015)"],
        }
    )
    data = table_data(frame)
    assert [c.numeric for c in data.columns] == [False, True, True, False]
    assert "|:---|---:|---:|:---|" in data.to_markdown()


def test_a_column_of_ratios_with_some_not_compared_is_numeric() -> None:
    """Brief audit: Thailand's neighbours table left-aligned "Detected per 1,000 estimated" (0.334 (2021),
    <0.417 (2021), n/c, no total), a column of numbers, where no neighbour's was "n/c" it was right-aligned."""
    frame = pl.DataFrame(
        {
            "Country": ["Thailand", "Singapore", "Lao PDR", "Cambodia"],
            "Detected per 1,000 estimated": ["0.334 (2021)", "<0.417 (2021)", "n/c", "no total"],
        }
    )
    data = table_data(frame)
    assert [c.numeric for c in data.columns] == [False, True]
    assert "|:---|---:|" in data.to_markdown()


def test_withheld_notes_explain_only_the_labels_used() -> None:
    from evidence.presentation.tables import withheld_notes

    notes = withheld_notes(
        pl.DataFrame({"a": ["<5–12", "1,541", "x"], "b": ["Lao PDR", "<11", "2,000–2,010"]})
    )
    assert notes == [
        "<5: fewer than 5, not shown to protect individuals.",
        "<11: fewer than 11, not shown to protect individuals.",
        COMPLEMENT_NOTE,
    ]
    assert withheld_notes(pl.DataFrame({"route": ["Mexico → USA", "x-ray"], "n": ["12", "1,000"]})) == []


def test_a_note_explains_a_label_only_where_it_names_it() -> None:
    # a note about exploitation holds the letter x: the legend of x was left out under it
    frame = pl.DataFrame({"form": ["Sexual exploitation", "Forced labour"], "victims": ["x", "<5"]})
    data = table_data(frame, note="Forms of exploitation as recorded.")
    assert COMPLEMENT_NOTE in data.notes and any(n.startswith("<5:") for n in data.notes)
    # a note that explains x itself keeps its own words
    data = table_data(frame, note="x: withheld with its neighbour.")
    assert COMPLEMENT_NOTE not in data.notes


def test_a_table_of_mixed_rows_gives_each_row_its_kind() -> None:
    frame = pl.DataFrame({"item": ["lists", "observed"], "value": ["4", "1,204"]})
    data = table_data(frame, kinds={"item": "label", "value": ["lists", "people"]})
    assert data.kind_of(0, 1) == "lists" and data.kind_of(1, 1) == "people" and data.kind_of(1, 0) == "label"
    assert TableData.from_json(json.loads(json.dumps(data.to_json()))) == data
    assert find_small_counts(data.to_html()) == []
    with pytest.raises(ParameterError, match="1 kinds given for the 2 rows"):
        table_data(frame, kinds={"value": ["lists"]})


def test_a_frame_of_perturbed_counts_says_so_as_a_perturbed_table_does():
    from evidence.presentation.disclosure import PERTURBATION_NOTE

    keys = pl.DataFrame({"n": [11, 22]})
    perturbed = suppress_table(pl.DataFrame({"k": ["a", "b"], "n": [40, 60]}), "k", ["n"], cell_keys=keys)
    assert PERTURBATION_NOTE in table_data(perturbed, source="test").notes
    # the same counts as text (a view built from the table) lose the flag: the caller passes it on
    frame = perturbed.display()
    assert PERTURBATION_NOTE not in table_data(frame, source="test").notes
    notes = table_data(frame, source="test", note="A note.", perturbed=True).notes
    assert notes == (PERTURBATION_NOTE, "Source: test", "A note.")


def test_a_term_not_estimable_keeps_its_odds_ratio_column_numeric() -> None:
    # the USA forced-labour model (review 2, finding 2): a term with separation reads "not estimable (separation)"
    frame = pl.DataFrame(
        {
            "Category": ["Unknown (vs Female)", "Unknown (vs Americas)"],
            "Odds ratio": ["not estimable (separation)", "1.64"],
            "95% interval": ["", "0.75 – 3.56"],
        }
    )
    assert [c.numeric for c in table_data(frame).columns] == [False, True, True]


def test_a_range_written_up_to_keeps_its_column_numeric() -> None:
    """A range whose low end is below the threshold is "up to 12" (disclosure.range_text): still a number,
    right-aligned with its column; a word that merely starts so is not."""
    frame = pl.DataFrame(
        {"k": ["a", "b", "c"], "victims": ["1,234", "up to 12", "<5"], "t": ["up to me", "", ""]}
    )
    assert [c.numeric for c in table_data(frame).columns] == [False, True, False]


def test_a_bounded_q_value_keeps_its_column_numeric() -> None:
    """A q-value that can only be bounded (a withheld corridor's p-value would enter it) is "≤ 0.0125": still a
    number, right-aligned with the exact ones beside it."""
    frame = pl.DataFrame({"corridor": ["a", "b"], "q-value": ["≤ 0.0125", "<0.0001"], "t": ["≤ me", ""]})
    assert [c.numeric for c in table_data(frame).columns] == [False, True, False]


# ------------------------------------------------------------------------------------ tables too wide for a page

_CITIZENSHIPS = [
    "Bangladesh", "China", "Eritrea", "Indonesia", "India", "Cambodia", "Lao PDR", "Sri Lanka", "Myanmar",
    "Philippines", "Syrian Arab Republic", "Thailand", "United Republic of Tanzania", "Uganda", "Uzbekistan",
    "Viet Nam", "Unknown",
]  # fmt: skip


def _by_citizenship() -> TableData:
    """Thailand's detected victims per year by citizenship (UNODC, 2008-2021): 20 columns."""
    frame = pl.DataFrame(
        {
            "year": [str(y) for y in range(2008, 2022)],
            **{
                c: [("<5", "12", "", "1,150")[(i + y) % 4] for y in range(14)]
                for i, c in enumerate(_CITIZENSHIPS)
            },
            "Published total": ["1,540"] * 14,
            "Sum of categories": ["1,547–1,571"] * 14,
        }
    )
    return table_data(
        frame, source="UNODC GLOTIP, release 30 May 2023", caption="Detected victims by citizenship"
    )


def _fits(part: TableData) -> bool:
    return sum(part._column_chars(i) for i in range(len(part.columns))) <= PAGE_CHARS


def test_a_table_too_wide_for_the_page_is_split_into_column_groups_that_repeat_the_row_labels() -> None:
    table = _by_citizenship()
    parts = table.column_groups()
    assert len(parts) >= 2 and all(_fits(p) for p in parts)
    assert all(
        p.columns[0].header == "year" and [r[0] for r in p.rows] == [r[0] for r in table.rows] for p in parts
    )
    # every other column once, in its order; the notes under the last part; each part says which it is
    assert [c for p in parts for c in p.columns[1:]] == list(table.columns[1:])
    assert all(not p.notes for p in parts[:-1]) and parts[-1].notes == table.notes
    assert [p.caption for p in parts] == [
        f"Detected victims by citizenship (part {i} of {len(parts)})" for i in range(1, len(parts) + 1)
    ]
    # as even as they can be
    sizes = [len(p.columns) - 1 for p in parts]
    assert max(sizes) - min(sizes) <= 3, sizes
    markdown = table.to_markdown()
    # the parts for the page, and the table whole for HTML (Quarto's conditional content)
    assert markdown.count("| year |") == len(parts) + 1 and "(part 2 of" in markdown
    assert '::: {.content-visible when-format="html"}' in markdown
    # the HTML table (notebooks, the disclosure scan) is the table as it was: one, whole
    assert table.to_html().count("<table") == 1 and "part 1" not in table.to_html()
    narrow = table_data(pl.DataFrame({"year": ["2020"], "n": ["12"]}), source="s", caption="c")
    assert narrow.column_groups() == (narrow,) and "part" not in narrow.to_markdown()


def test_a_wide_table_in_the_pdf_has_no_overlapping_columns(tmp_path) -> None:
    """Typst squeezed 20 columns into the line until their text overlapped (and brief.lua said so)."""
    from evidence.briefs import builtin

    source = tmp_path / "brief.qmd"
    source.write_text(_by_citizenship().to_markdown())
    markup = builtin.typst_markup(source)
    assert "too many for the page" not in markup and "(part 2 of" in markup


def test_a_wide_table_stays_whole_in_the_html_brief(tmp_path) -> None:
    """The split for the PDF page reached the HTML brief too, where a wide table scrolls in its box."""
    from evidence.briefs import builtin

    table = _by_citizenship()
    source = tmp_path / "brief.qmd"
    source.write_text("Text.\n\n" + table.to_markdown())
    page = builtin.render_html(source, tmp_path / "brief.html").read_text()
    assert page.count("<table") == 1 and "part 1 of" not in page
    assert all(html.escape(c.header, quote=False) in page for c in table.columns)


@given(
    widths=st.lists(st.integers(1, 40), min_size=1, max_size=40),
    label=st.integers(1, 20),
    headers=st.integers(0, 2),
)
def test_column_groups_keep_every_column_once_and_fit_the_page(widths, label, headers) -> None:
    columns = ["r" * label, *(f"c{i}" for i in range(len(widths)))]
    rows = [["r" * label, *("9" * w for w in widths)]]
    table = dataclasses.replace(TableData.from_cells(columns, rows, caption="t"), row_headers=headers)
    parts = table.column_groups()
    named = max(headers, 1) if len(parts) > 1 else 0
    assert [c.header for p in parts for c in p.columns[named:]] == columns[named:]
    assert all(p.columns[:named] == table.columns[:named] for p in parts)
    for p in parts:  # a part that does not fit holds one column too wide for the page on its own
        assert _fits(p) or len(p.columns) - named == 1 or len(parts) == 1


def test_a_table_whose_text_wraps_within_the_page_is_not_split() -> None:
    """A long note beside a few numbers: its text wraps in its column (brief.lua), it needs no second table
    for the PDF. Numbers do not wrap: a table of many of them is still split."""
    note = "Counts of 2019 include the victims identified in the screening of fishing vessels at sea"
    table = TableData(
        (
            Column("country", "Country"),
            Column("victims", "Victims", numeric=True),
            Column("share", "Share", numeric=True),
            Column("note", "Note"),
        ),
        (("Thailand", "1,234", "12%", note), ("Democratic Republic of the Congo", "56", "1%", "")),
    )
    assert table.column_groups() == (table,) and "content-visible" not in table.to_markdown()
    numbers = TableData(
        tuple(Column(f"c{i}", f"Country {i}", numeric=True) for i in range(12)),
        (tuple("1,234,567" for _ in range(12)),),
    )
    assert len(numbers.column_groups()) == 2


def test_a_long_note_beside_a_number_does_not_split_the_table_for_the_page() -> None:
    """Found looking at Myanmar's real brief: the year's note ("2021 (may count a person twice: once where
    detected abroad, once on return home)") was measured as one unbreakable number, and "What the sources say
    about Myanmar" came out in three parts in the PDF; the note wraps under its number."""
    note = "2021 (may count a person twice: once where detected abroad, once on return home)"
    frame = pl.DataFrame(
        {
            "What": [
                "Victims identified and assisted from Myanmar (case data)",
                "Nationals of Myanmar (UNODC)",
            ],
            "Source": ["CTDC k-anonymised global dataset", "UNODC GLOTIP, release 30 May 2023"],
            "Year": ["2010", note],
            "Number": ["40", "64"],
            "Per 1,000 estimated in modern slavery": ["", "0.0441 (2021)"],
        }
    )
    table = table_data(frame, source="s", caption="What the sources say about Myanmar")
    assert table.columns[2].numeric  # still a column of numbers, right-aligned
    assert table.column_groups() == (table,)
    assert table._column_chars(2) == len("detected") + 2  # its longest word, with the cell's inset


def test_a_frames_text_column_that_names_its_rows_is_not_read_as_counts() -> None:
    """`table_data` of a bare frame read its first column, which names the rows, as counts: a duration "<1 year"
    gave the note "<1: fewer than 1, ..." (itself a small count to the brief's scan), "3 or more lists" was a
    small count of 3 in the scan: legitimate tables refused. The counts are still read, and the kind a caller
    gives the column is kept."""
    frame = pl.DataFrame(
        {"duration": ["<1 year", "3 or more years", "<2 weeks"], "victims": ["120", "<5", "x"]}
    )
    data = table_data(frame, source="S")
    assert [c.kind for c in data.columns] == ["label", None]
    assert data.notes == ("<5: fewer than 5, not shown to protect individuals.", COMPLEMENT_NOTE, "Source: S")
    assert find_small_counts(data.to_html()) == []
    # a small count in a count column is still found, and a count column's labels still explained
    leaked = table_data(pl.DataFrame({"duration": ["<1 year", "Unknown"], "victims": ["120", "3"]}))
    assert [h.value for h in find_small_counts(leaked.to_html())] == [3]
    # what the caller says the column is stays (a year, a number that names a row is no label of text)
    assert table_data(frame, kinds={"duration": "years"}).columns[0].kind == "years"
    numbers = table_data(pl.DataFrame({"lists": ["1", "2"], "people": ["120", "80"]}))
    assert [c.kind for c in numbers.columns] == [None, None]
    # a frame of one column has no column naming its rows: its cells are read
    (alone,) = table_data(pl.DataFrame({"victims": ["3 victims"]})).columns
    assert alone.kind is None


def test_the_legend_of_x_names_a_recorded_margin_only_where_the_table_has_one() -> None:
    """The Maldives' nationals by route (UNODC 2023): its x was explained as "so that no small count can be
    recomputed by subtracting it from a total or a margin (such as Recorded) published beside it": the table has
    no Recorded line (the case data's tables have). The legend names such a margin only where there is one."""
    from evidence.presentation.tables import COMPLEMENT_NOTE_RECORDED, withheld_notes

    routes = pl.DataFrame(
        {
            "route": ["Maldives → United States", "Sum of the citizenship breakdown"],
            "victims": ["x", "169–172"],
        }
    )
    notes = withheld_notes(routes)
    assert COMPLEMENT_NOTE in notes and not any("Recorded" in n for n in notes)
    means = pl.DataFrame(
        {"means": ["Threats", "Excessive working hours", "Recorded"], "all": ["0", "x", "12"]}
    )
    assert (
        COMPLEMENT_NOTE_RECORDED in withheld_notes(means) and "(such as Recorded)" in COMPLEMENT_NOTE_RECORDED
    )
    assert COMPLEMENT_NOTE_RECORDED in table_data(means, source="S").notes
    assert COMPLEMENT_NOTE in table_data(routes, source="S").notes


def test_a_small_label_among_shares_is_said_to_be_a_count_not_a_share() -> None:
    """A table that publishes only shares (means of control by form) shows a withheld cell as <11 beside 37%:
    read as "under 11%" unless its legend, right under the table, says it is a count of people withheld."""
    shares = pl.DataFrame(
        {"form": ["Forced labour", "Other"], "Threats": ["49%", "<11"], "Abuse": ["x", "–"]}
    )
    notes = table_data(shares, source="CTDC").notes
    legend = next(n for n in notes if n.startswith("<11:"))
    assert legend == (
        "<11: fewer than 11 people, not shown to protect individuals; in a column of shares it is the count "
        "of people behind the share that is fewer than 11, not the share (not under 11%), and the share is "
        "withheld with it."
    )
    assert legend in json.dumps(table_data(shares, source="CTDC").to_json())
    # a table of counts keeps the legend of counts, and so does one of counts with their shares in brackets
    counts = pl.DataFrame({"form": ["Forced labour", "Other"], "victims": ["49", "<11"]})
    assert "<11: fewer than 11, not shown to protect individuals." in table_data(counts).notes
    both = pl.DataFrame({"form": ["Forced labour", "Other"], "Female": ["62 (20.6%)", "<11"]})
    assert "<11: fewer than 11, not shown to protect individuals." in table_data(both).notes
    # a table of shares whose withheld row shows none: only its caller can say it is a table of shares
    withheld_row = pl.DataFrame({"form": ["Other"], "Threats": ["<11"], "Abuse": ["–"]})
    assert legend not in table_data(withheld_row).notes
    assert legend in table_data(withheld_row, shares="row").notes


def test_a_table_of_shares_explains_its_dashes_not_labels_it_does_not_show(table) -> None:
    """A disclosed table shown as shares writes its withheld cells "–": legends of <5 and x under it explained
    labels no cell shows, and left the dash's reason apart from them; its note now says what a dash withholds."""
    data = table_data(table, source="CTDC", shares="column")
    cells = {cell for row in data.rows for cell in row}
    assert "–" in cells and not cells & {"<5", "x"}
    assert not [n for n in data.notes if n.startswith(("<5:", "x:"))], data.notes
    assert data.notes[0] == (
        "Shares of the column total; – where the count or the total is withheld: a count of fewer than 5 "
        "people (not a share under 5%), or one withheld so that no small count can be recomputed from a total."
    )
    # a table of counts keeps its legends
    assert table_data(table, source="CTDC").notes[:2] == (small_note("<5", 5), COMPLEMENT_NOTE)
