"""The PDF brief's page breaks (Typst): a heading or a table's title never ends a page alone, and a short callout
is never split across two pages (one near a page's foot left its title and a line there, the rest overleaf).

Each test typesets Markdown through the built-in renderer (pandoc with the brief filter, then Typst) with the
block under test pushed down the page in steps, so that some copies meet a page's foot, and asks Typst where
each piece landed (``typst.query`` with markers the test adds to the markup): the property, not pixels.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from evidence.briefs import builtin

typst = pytest.importorskip("typst")

# Markers: the start and the end of each callout's body, each table title, each paragraph, each test case.
_MARKERS = r"""
#let __callout = brief-callout
#let brief-callout(kind: "note", title: none, body) = __callout(kind: kind, title: title,
  [#metadata("start")<probe-callout-start>#body#metadata("end")<probe-callout-end>])
#let __keep = brief-keep-with-next
#let brief-keep-with-next(body) = { [#metadata("title")<probe-title>]; __keep(body) }
#show par: it => { [#metadata("par")<probe-par>]; it }
"""
_QUERY = r"""
#context [#metadata(query(
  selector(heading).or(figure).or(<probe-callout-start>).or(<probe-callout-end>).or(<probe-title>)
    .or(<probe-par>).or(<probe-case>)
).map(e => (
  kind: if e.func() == heading { "heading" } else if e.func() == figure { "figure" } else { str(e.label) },
  page: e.location().page(),
))) <probe>]
"""
PARAGRAPH = "A sentence of the brief's text, long enough to fill most of a line on the page. " * 3
TABLE = "| Year | Victims |\n|---|--:|\n" + "| 2020 | 1,234 |\n" * 6
#: Heights (pt) of blank space before each copy of the block: from mid-page to past the text's foot (an A4
#: page's text is about 706 pt high), in steps smaller than a line.
STEPS = range(560, 720, 7)


def _pieces(tmp_path: Path, block: str) -> list[list[dict[str, Any]]]:
    """For each copy of ``block`` (one per step of :data:`STEPS`, each on a fresh page under blank space), where
    it starts (its marker) and the headings, figures, titles, paragraphs and callout ends it and the paragraph
    after it hold, in order."""
    source = tmp_path / "brief.qmd"
    source.write_text(
        "\n\n".join(f"PROBECASE{i}X{space}\n\n{block}\n\n{PARAGRAPH}" for i, space in enumerate(STEPS))
    )
    markup = builtin.typst_markup(source)
    markup = re.sub(
        r"PROBECASE(\d+)X(\d+)",
        lambda m: f"#pagebreak(weak: true)#metadata({m[1]})<probe-case>Top of a page.#v({m[2]}pt)",
        markup,
    )
    start = markup.index("#show: doc => article(")
    markup = markup[:start] + _MARKERS + markup[start:] + _QUERY
    found = typst.query(
        markup.encode(), "<probe>", field="value", one=True, root=str(tmp_path), font_paths=builtin._fonts()
    )
    cases: list[list[dict[str, Any]]] = []
    for item in json.loads(found):
        if item["kind"] == "probe-case":
            cases.append([item])
        elif cases and not (item["kind"] == "probe-par" and len(cases[-1]) == 1):  # not the "Top of a page."
            cases[-1].append(item)
    assert len(cases) == len(STEPS)
    return cases


def _alone_at_a_foot(case: list[dict[str, Any]]) -> list[str]:
    """The headings and titles of one copy whose next piece is on a later page."""
    # a title's own paragraph is part of it
    pieces = [
        p
        for i, p in enumerate(case)
        if i and not (p["kind"] == "probe-par" and i and case[i - 1]["kind"] == "probe-title")
    ]
    return [
        f"{piece['kind']} on page {piece['page']}, {after['kind']} on page {after['page']}"
        for piece, after in itertools.pairwise(pieces)
        if piece["kind"] in ("heading", "probe-title") and after["page"] != piece["page"]
    ]


@pytest.mark.parametrize(
    "block",
    [
        f"#### Victims detected in the country\n\n**Detected victims per year**\n\n{TABLE}",
        f"#### Victims detected in the country\n\n{TABLE}",
        f"**Detected victims per year**\n\n{TABLE}",
        f"#### Victims detected in the country\n\n**Detected victims per year**\n\n{TABLE * 10}",  # a long table
        f"#### For society\n\n{PARAGRAPH}",
        f"## Victims detected by national authorities\n\n{PARAGRAPH}",
        f"### Causes\n\n#### For the trafficked person\n\n{PARAGRAPH}",
    ],
    ids=[
        "h4-title-table",
        "h4-table",
        "title-table",
        "h4-title-long-table",
        "h4-text",
        "h2-text",
        "h3-h4-text",
    ],
)
def test_a_heading_or_a_title_never_ends_a_page_alone(tmp_path: Path, block: str) -> None:
    cases = _pieces(tmp_path, block)
    # the steps do reach a page's foot: some copies start on one page and end on the next
    assert any(len({p["page"] for p in case[1:]}) > 1 or case[1]["page"] > case[0]["page"] for case in cases)
    assert [problem for case in cases for problem in _alone_at_a_foot(case)] == []


def _callouts(cases: list[list[dict[str, Any]]]) -> list[tuple[int, int]]:
    """The pages of each callout's first and last line."""
    out = []
    for case in cases:
        starts = [p["page"] for p in case if p["kind"] == "probe-callout-start"]
        ends = [p["page"] for p in case if p["kind"] == "probe-callout-end"]
        assert len(starts) == len(ends) == 1
        out.append((starts[0], ends[0]))
    return out


def test_a_short_callout_is_never_split_across_pages(tmp_path: Path) -> None:
    # the brief's "What these numbers can and cannot say": a title and three bullets
    block = (
        "::: {.callout-important}\n## What these numbers can and cannot say\n\n"
        "- **Three different counts.** Identified, detected and estimated victims differ.\n"
        "- **More victims found may mean better identification**, not more trafficking.\n"
        "- **Case data's latest years are often incomplete**: cases keep being registered.\n:::\n"
    )
    cases = _pieces(tmp_path, block)
    pages = _callouts(cases)
    assert [start for start, end in pages if start != end] == []
    # and the steps did push copies past a page's foot: those moved whole to the next page
    assert any(start > case[0]["page"] for (start, _), case in zip(pages, cases))


def test_a_long_callout_still_breaks_across_pages(tmp_path: Path) -> None:
    # kept whole, a callout longer than a page would run off it (or leave a page blank before it)
    block = "::: {.callout-note}\n## A long box\n\n" + "\n\n".join([PARAGRAPH] * 14) + "\n:::\n"
    pages = _callouts(_pieces(tmp_path, block))
    assert all(end > start for start, end in pages)


def test_the_template_has_the_keep_together_constructs() -> None:
    template = (Path(builtin.__file__).parent / "templates" / "typst-template.typ").read_text(
        encoding="utf-8"
    )
    callout = template[template.index("#let brief-callout(") : template.index("#let brief-keyfigures")]
    assert "measure(" in callout and "breakable: breakable" in callout  # a short callout is unbreakable
    keep = template[template.index("#let brief-keep-with-next(") :]
    assert "sticky: true" in keep[: keep.index("\n}\n")]
