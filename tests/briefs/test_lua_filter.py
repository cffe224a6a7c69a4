"""The brief filter (templates/brief.lua) on what its cheaper paths must keep: column widths of a table holding
a word longer than a line, and the HTML of tables it leaves as they were."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.briefs import builtin

LINE_CHARS = 90  # brief.lua's: characters of table text on a line of the page


def _widths(markup: str) -> list[float]:
    table = markup[markup.index("#table(") :]
    found = re.search(r"columns: \(([^)]*)\)", table)
    assert found, table[:500]
    return [float(w.strip().removesuffix("%")) for w in found.group(1).split(",")]


@pytest.mark.parametrize("length", [LINE_CHARS + 1, 300, 5_000])
def test_a_word_longer_than_a_line_leaves_the_count_column_its_width(length: int) -> None:
    """A category as long as a spreadsheet's cell (one word) counts as one line of the table, not as its
    length: the count beside it keeps room for its digits (a word of 40,000 characters took 99.98 % of the
    width, and Typst 13 s to set it)."""
    word = "Forced" + "a" * (length - 6)
    source = f"| category | victims |\n|:---|---:|\n| {word} | 1,204 |\n| Sexual exploitation | 87 |\n"
    markup = builtin.convert(source, html=False).typst or ""
    widths = _widths(markup)
    assert len(widths) == 2 and abs(sum(widths) - 100) < 0.1
    # least: a line (90) and 7 ("victims"), each with its inset of 2: as a word of exactly a line
    assert widths == pytest.approx([100 * 92 / 101, 100 * 9 / 101], abs=0.01)


@pytest.mark.parametrize("length", [80, LINE_CHARS])
def test_a_word_of_a_line_or_less_is_measured_as_before(length: int) -> None:
    """Up to a line, a word counts its characters: the widths of ordinary tables do not move."""
    word = "b" * length
    source = f"| category | victims |\n|:---|---:|\n| {word} | 1,204 |\n"
    widths = _widths(builtin.convert(source, html=False).typst or "")
    # least: the word and 7 ("victims"), each with its inset of 2
    assert widths == pytest.approx([100 * (length + 2) / (length + 11), 100 * 9 / (length + 11)], abs=0.01)


# Tables the HTML pass of a brief takes from what its Typst pass found (render.lua, both formats written):
# numbers with notes in right-aligned columns, columns aligned from their numbers (no alignment given), tables in
# boxes, in a footnote, in content for one format only, and one whose text the Typst pass changes (an inline
# image it cannot show).
_TABLES = """
| Measure | Victims |
|:---|---:|
| detected | 134 (2021) |
| assisted | 1,204 |

| Country | Per 100,000 |
|---|---|
| Thailand (THA) | 0.0533 (2021) |
| Lao PDR | x |

::: {.callout-note}
## In a box

| a | b |
|---|---|
| x (y) | 12 (2020) |
:::

::: {.content-visible when-format="html"}
| only | html |
|---|--:|
| wide | 7 (2019) |
:::

::: {.content-hidden when-format="html"}
| only | pdf |
|---|--:|
| narrow | 8 (2018) |
:::

Text with a note.[^1]

[^1]: A note with a table.

    | n | m |
    |---|--:|
    | k | 9 (2017) |

| image | count |
|---|--:|
| ![a](data:image/png;base64,iVBORw0KGgo=) | 10 (2016) |
"""


def test_the_html_of_tables_is_the_same_whether_the_typst_markup_is_written_too() -> None:
    """The HTML pass that takes the Typst pass's findings (both formats written) writes what it writes alone."""
    both = builtin.convert(_TABLES).html or ""
    alone = builtin.convert(_TABLES, typst=False).html or ""
    assert both == alone
    assert both.count('class="cell-note"') == 6 and both.count('class="table-scroll"') == 6


_CELLS = st.sampled_from(
    ["134", "(2021)", "x", "<5", "Forced", "(note)", "n/a", "1,204", "0.5%", "a (b)", ""]
)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    columns=st.integers(1, 4),
    aligns=st.lists(st.sampled_from(["---", "--:", ":--"]), min_size=4, max_size=4),
    rows=st.lists(st.lists(st.lists(_CELLS, min_size=1, max_size=3), min_size=4, max_size=4), min_size=1),
    tables=st.integers(1, 3),
)
def test_any_tables_html_is_the_same_whether_the_typst_markup_is_written_too(
    columns: int, aligns: list[str], rows: list[list[list[str]]], tables: int
) -> None:
    def table(k: int) -> str:
        head = "| " + " | ".join(f"h{k}{c}" for c in range(columns)) + " |\n"
        rule = "|" + "|".join(aligns[:columns]) + "|\n"
        body = "".join("| " + " | ".join(" ".join(row[c]) for c in range(columns)) + " |\n" for row in rows)
        return head + rule + body

    source = "\n".join(table(k) for k in range(tables))
    assert (builtin.convert(source).html or "") == (builtin.convert(source, typst=False).html or "")


# ------------------------------------------------------------------------- HTML tables written in the Markdown

_HTML_TABLE = (
    "<table>\n<caption>Victims by country</caption>\n<tr><th>Country</th><th>Victims</th></tr>\n"
    "<tr><td>Thai &amp; land</td><td>12</td></tr>\n<tr><td>Lao PDR</td><td>7</td></tr>\n</table>"
)
_LAYOUTS = {
    "a line a row": _HTML_TABLE,
    "one line": _HTML_TABLE.replace("\n", ""),
    "a line a tag": re.sub(r"(<[^>]+>)", r"\n\1\n", _HTML_TABLE).replace("\n\n", "\n").strip(),
    "indented": _HTML_TABLE.replace("\n<tr>", "\n  <tr>").replace("<td>", "\n    <td>"),
}


@pytest.mark.parametrize("layout", _LAYOUTS)
def test_an_html_table_in_the_markdown_is_the_table_its_html_block_gives(layout: str) -> None:
    """A notebook's Markdown (a Markdown cell, or Markdown it displayed) holding an HTML table: pandoc's Markdown
    reader splits it into raw tags around the cells' text (markdown_in_html_blocks), and the brief showed the
    cells as loose lines ("Country", "Victims", "Thai & land", "12"...), no table, in the HTML and the PDF, where
    Quarto reads a raw HTML table into a table in every format. The filter puts the pieces together again and
    reads them as one: the table the same HTML gives as a raw block (a notebook's HTML output), in both."""
    inline = f"Before.\n\n{_LAYOUTS[layout]}\n\nAfter.\n"
    block = f"Before.\n\n```{{=html}}\n{_HTML_TABLE}\n```\n\nAfter.\n"
    got, want = builtin.convert(inline, displayed=inline), builtin.convert(block, displayed=block)
    assert got.html == want.html and got.typst == want.typst and got.displayed_html == want.displayed_html
    fragment = got.displayed_html or ""
    assert fragment.count("<table") == 1 and "<th" in fragment and "<td" in fragment, fragment
    assert "<caption>" in fragment and ">Thai &amp; land<" in fragment and "\nCountry\n" not in fragment
    assert "#table(" in (got.typst or "")


_HOSTILE_TABLE = (
    '<table onclick="alert(1)" class="key-figures"><tr><th>Country <script>alert(2)</script></th>'
    "<th>Victims</th></tr>\n"
    '<tr><td><img src=x onerror="alert(3)"> #eval(1) = title</td><td style="color:red">12</td></tr>\n</table>'
)


def test_an_html_table_in_the_markdown_runs_nothing_and_shows_its_text_as_text(tmp_path) -> None:
    """Put together again, a table's pieces are still data: no script, handler, style or class of its own
    reaches the page, and text Typst would read as code or a heading is shown as text in the PDF."""
    source = f"Before.\n\n::: {{.callout-note}}\n{_HOSTILE_TABLE}\n:::\n\nAfter.\n"
    converted = builtin.convert(source)
    page, markup = converted.html or "", converted.typst or ""
    assert page.count("<table") == 1 and "<td" in page
    for forbidden in ("<script", "alert(2)", "onclick", "onerror", 'style="color', 'class="key-figures"'):
        assert forbidden not in page, forbidden
    assert "#eval(1) = title" in re.sub(r"<[^>]+>", "", page)
    assert "#table(" in markup and "\\#eval(1) = title" in markup
    assert builtin.typeset(markup, tmp_path).startswith(b"%PDF-")


_HANDLERS_TABLE = (
    '<table><thead onclick="h"><tr onmouseover="r"><th scope="col" onclick="c">Country</th></tr></thead>\n'
    '<tbody onclick="b"><tr onfocus="r"><td data-kind="count" onclick="d">Thailand</td></tr></tbody>\n'
    '<tfoot onclick="f"><tr><td onblur="g">All</td></tr></tfoot></table>'
)


@pytest.mark.parametrize("where", ["html", "displayed"])
def test_a_handler_on_any_part_of_an_html_table_never_reaches_the_page(where: str) -> None:
    """An HTML table's head, body, foot, rows and cells carry attributes of their own (pandoc's Markdown
    tables carry none, and the filter does not look at theirs): each is sanitised, in the page and in the
    displayed text alike, and the attributes a cell may keep stay."""
    source = f"Before.\n\n| A | B |\n|---|--:|\n| x | 12 |\n\n{_HANDLERS_TABLE}\n\nAfter.\n"
    converted = builtin.convert(source, displayed=source, typst=False)
    page = (converted.html if where == "html" else converted.displayed_html) or ""
    assert page.count("<table") == 2 and "<tfoot" in page and 'scope="col"' in page, page
    assert 'data-kind="count"' in page
    assert not re.search(r"\son[a-z]+=", page), page


def test_under_quarto_a_handler_on_any_part_of_a_table_quarto_read_from_html_never_reaches_the_page(
    tmp_path,
) -> None:
    """Quarto reads the HTML tables of a notebook's outputs into pandoc's tables itself, before the brief filter
    runs (no raw HTML block for the filter to read): under Quarto every part of every table is sanitised."""
    import subprocess

    wrapper = tmp_path / "as_under_quarto.lua"
    # Quarto's filters see a global `quarto`; the brief filter loaded in the same Lua state sees it too
    wrapper.write_text(f"quarto = {{}}\nreturn dofile({str(builtin.TEMPLATES / 'brief.lua')!r})\n")
    done = subprocess.run(
        [builtin.pandoc_path(), "--from=html", "--to=html", f"--lua-filter={wrapper}"],
        input=_HANDLERS_TABLE,
        capture_output=True,
        text=True,
        check=True,
    )
    page = done.stdout
    assert "<tfoot" in page and 'scope="col"' in page and 'data-kind="count"' in page, page
    assert not re.search(r"\son[a-z]+=", page), page
