"""The built-in renderer: self-contained HTML that shows no code and opens offline, and a PDF with pages."""

from __future__ import annotations

import html as html_module
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from _brief_runs import SECRET_CODE, SECRET_STDERR, SECRET_STDOUT, executed_notebook, make_run, typst_text
from _chromium import chromium_path, ink_share, load_page
from nbformat.v4 import new_markdown_cell

from evidence.briefs import builtin
from evidence.briefs.builtin import RenderError, external_references
from evidence.briefs.document import build_document
from evidence.presentation.disclosure import find_small_counts
from evidence.presentation.markup import escape_markdown


@pytest.fixture
def source(run_folder: Path) -> Path:
    return build_document(run_folder).write(run_folder)


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The HTML of the brief of a run folder made for the module: the tests that take it only read the text
    (each built the same run folder, document and page anew)."""
    folder = make_run(tmp_path_factory.mktemp("html") / "reports" / "runs")
    source = build_document(folder).write(folder)
    return builtin.render_html(source, source.parent / "brief.html").read_text(encoding="utf-8")


def test_html_shows_no_code_and_no_working_output(html: str) -> None:
    for hidden in (
        SECRET_CODE,
        SECRET_STDOUT,
        SECRET_STDERR,
        "ZeroDivisionError",
        "HIDDEN OUTPUT",
        "alt.Chart",
        "country = ",
        "<IPython",
    ):
        assert hidden not in html
    assert "sourceCode" not in html and "<pre" not in html  # no code blocks at all
    # the plain-text repr of the `len(df)` cell ("3") is not shown either
    assert not re.search(r"<p>\s*3\s*</p>", html)


def test_html_is_self_contained(html: str) -> None:
    assert "<script" not in html
    assert external_references(html) == []
    assert not re.search(r"<(?:script|link|img)[^>]+(?:src|href)=[\"']?https?:", html)
    assert "brief-figures/" not in html  # every figure is inlined ...
    assert html.count('src="data:image/png;base64,') == 1  # ... the PNG
    assert html.count('src="data:image/svg+xml;base64,') == 1  # ... and the Vega-Lite chart, drawn to SVG
    assert "<style" in html and "--accent" in html  # the stylesheet is inlined


def _pandoc_each_format(source: Path) -> tuple[str, str]:
    """HTML and Typst as `pandoc --lua-filter brief.lua --template ...` writes each on its own."""
    templates = builtin.TEMPLATES
    html = builtin.pandoc(
        source,
        "html5",
        "--standalone",
        f"--template={templates / 'brief.html'}",
        f"--css={templates / 'brief.css'}",
    )
    return html, builtin.pandoc(source, "typst", "--standalone", f"--template={templates / 'brief.typ'}")


def test_one_pandoc_process_writes_what_pandoc_writes_format_by_format(source: Path) -> None:
    """render.lua reads the source once and writes both formats: each exactly as `pandoc --lua-filter brief.lua
    --template ...` writes it on its own (the HTML before its stylesheet and figures are inlined)."""
    converted = builtin.convert(source.read_text(encoding="utf-8"), displayed="Counted **12** people")
    html, typst = _pandoc_each_format(source)
    assert (converted.html, converted.typst) == (html, typst)
    # (the command line ends a fragment with a newline)
    assert converted.displayed_html == builtin.pandoc(None, "html5", text="Counted **12** people").rstrip(
        "\n"
    )


def test_pandoc_runs_with_its_collector_settings_and_writes_the_same(source: Path, monkeypatch) -> None:
    # its old generation collected once it holds 128 MB: six collections of the whole heap were a sixth of its
    # time on a brief; what it writes does not change
    monkeypatch.delenv("GHCRTS", raising=False)
    environment = builtin.pandoc_environment()
    assert environment is not None and environment["GHCRTS"] == builtin.PANDOC_RUNTIME_OPTIONS
    text = source.read_text(encoding="utf-8")
    tuned = builtin.convert(text, displayed="Counted **12** people")
    monkeypatch.setattr(builtin, "pandoc_environment", lambda: None)
    assert builtin.convert(text, displayed="Counted **12** people") == tuned


def test_pandoc_allocates_in_a_small_area_and_collects_its_old_generation_rarely(
    source: Path, tmp_path: Path, monkeypatch
) -> None:
    # its allocation area stays within the processor's cache (2 MB, not the 64 MB its build suggests: walking
    # through fresh memory cost pandoc more than the small collections do), and its few megabytes kept are not
    # collected again and again; as pandoc's own statistics of a conversion say
    monkeypatch.delenv("GHCRTS", raising=False)
    environment = builtin.pandoc_environment()
    assert environment is not None
    statistics_file = tmp_path / "gc.txt"
    measured = {**environment, "GHCRTS": f"{environment['GHCRTS']} -t{statistics_file} --machine-readable"}
    monkeypatch.setattr(builtin, "pandoc_environment", lambda: measured)
    builtin.convert(source.read_text(encoding="utf-8"), displayed="Counted **12** people")
    text = statistics_file.read_text(encoding="utf-8")
    stats = dict(re.findall(r'\("([^"]+)", "([^"]*)"\)', text))
    allocated, minor = int(stats["allocated_bytes"]), int(stats["gen_0_collections"])
    assert minor > 0 and allocated / minor <= 4 * 2**20, stats
    assert int(stats["major_gcs"]) <= 2, stats


def test_a_small_conversion_runs_with_pandocs_own_collector_settings(monkeypatch) -> None:
    # a conversion of a few lines allocates less than pandoc's own 64 MB allocation area, and its heap is never
    # collected before it ends: the small area's collections, the first of its whole heap among them (~0.02
    # CPU-s whatever it holds), cost it more than they save; a brief's text gets the settings
    import subprocess

    monkeypatch.delenv("GHCRTS", raising=False)
    assert builtin.pandoc_environment() is not None
    environments = []
    popen = subprocess.Popen

    def recorded(*args, **kwargs):
        environments.append(kwargs.get("env"))
        return popen(*args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", recorded)
    small = "x" * (builtin.SMALL_CONVERSION - len("Counted **12** people"))
    converted = builtin.convert(small, displayed="Counted **12** people")
    assert "<strong>12</strong>" in (converted.displayed_html or "") and small in (converted.html or "")
    builtin.convert(small + "x", displayed="Counted **12** people")
    assert environments[0] is None
    assert environments[1] is not None and environments[1]["GHCRTS"] == builtin.PANDOC_RUNTIME_OPTIONS


def test_a_pandoc_without_runtime_options_runs_as_it_is(tmp_path: Path, monkeypatch) -> None:
    # a pandoc built without runtime options stops on them (GHC's "Most RTS options are disabled"): it gets none
    real = builtin.pandoc_path()
    strict = tmp_path / "pandoc"
    strict.write_text(
        "#!/bin/sh\n"
        'case "$1 $GHCRTS" in *RTS*|*-O*) echo "pandoc: Most RTS options are disabled." >&2; exit 1;; esac\n'
        f'exec "{real}" "$@"\n'
    )
    strict.chmod(0o755)
    monkeypatch.setattr(builtin, "pandoc_path", lambda: str(strict))
    monkeypatch.delenv("GHCRTS", raising=False)
    assert builtin.pandoc_environment() is None
    assert "<strong>12</strong>" in builtin.markdown_to_html("Counted **12** people")
    monkeypatch.setenv("GHCRTS", "-A8m")  # a user's own settings are theirs to keep
    monkeypatch.setattr(builtin, "pandoc_path", lambda: real)
    assert builtin.pandoc_environment() is None


# what the sanitising passes act on, in both formats: links (to anchors, to scripts, to the web), images (from
# the web, data: URIs, outside the figures folder), raw HTML and Typst, citations, attributes, boxes with titles
HOSTILE_SOURCE = """---
title: 'Brief'
---

::: {.key-figures}
### Key figures [see below](#methods)

- **1,204** victims
:::

::: {.callout-note}
## Reading [the chart](#chart) and [UNODC](https://www.unodc.org/)

A [script](javascript:alert(1)), a [file](file:///etc/passwd), a [path](../secret.html) and @unodc2024.
:::

![map](https://example.org/map.png) ![inline](data:image/png;base64,AAAA) ![up](../secret.png)
![chart](brief-figures/figure-1.svg){onload="alert(1)" width=80%}

<b>bold</b> <span onclick="x()">span</span> `#raw typst`{=typst} `\\textbf{tex}`{=latex}

<div onmouseover="alert(2)"><p>raw block</p><script>alert(3)</script></div>

```{=typst}
#set page(fill: red)
```

**Table of origins**

| origin | victims |
|:--|--:|
| [Myanmar](#mmr) | <5 |

## Methods {#methods onclick="alert(4)"}

Text.
"""


def test_shared_passes_write_what_the_filter_writes_format_by_format(tmp_path: Path) -> None:
    """The filter passes render.lua runs once for both formats give each format exactly what the whole filter
    gives it on its own, on a source full of what the filter sanitises."""
    source = tmp_path / "brief.qmd"
    source.write_text(HOSTILE_SOURCE, encoding="utf-8")
    converted = builtin.convert(HOSTILE_SOURCE, displayed=HOSTILE_SOURCE)
    html, typst = _pandoc_each_format(source)
    assert (converted.html, converted.typst) == (html, typst)
    assert converted.displayed_html == builtin.pandoc(source, "html5").rstrip("\n")
    # the sanitising did act (the comparison is not between two unfiltered documents)
    assert "javascript:" not in html and "onclick" not in html and "<script" not in html
    assert '<a href="#methods">' in html and "#methods" not in typst.split("#brief-keyfigures")[1]
    assert "\\#set page(fill: red)" in typst and "\n#set page(fill: red)" not in typst  # text, not markup


def _request_lines(tmp_path: Path, source_text: str) -> list[str]:
    (tmp_path / "brief.md").write_text(source_text, encoding="utf-8")
    (tmp_path / "displayed.md").write_text("Counted **12** people", encoding="utf-8")
    request = {
        "templates": str(builtin.TEMPLATES),
        "source": str(tmp_path / "brief.md"),
        "html": str(tmp_path / "out.html"),
        "typst": str(tmp_path / "out.typ"),
        "displayed": str(tmp_path / "displayed.md"),
        "displayed_html": str(tmp_path / "displayed.html"),
    }
    (tmp_path / "request.json").write_text(json.dumps(request), encoding="utf-8")
    script = builtin.TEMPLATES / "render.lua"
    done = subprocess.run(
        [builtin.pandoc_path(), "lua", str(script), str(tmp_path / "request.json")],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.splitlines()


def test_render_lua_says_when_each_output_is_complete_in_the_order_a_render_needs_them(
    tmp_path: Path,
) -> None:
    # the displayed text first (scanned before anything is written), then the Typst markup (typeset while
    # pandoc writes the HTML), then the HTML
    assert _request_lines(tmp_path, HOSTILE_SOURCE) == ["displayed_html", "typst", "html"]
    for name in ("displayed.html", "out.typ", "out.html"):
        assert (tmp_path / name).stat().st_size > 0


def _fake_render_lua(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    templates = tmp_path / "templates"
    if not templates.exists():
        shutil.copytree(builtin.TEMPLATES, templates)
    (templates / "render.lua").write_text(script, encoding="utf-8")
    monkeypatch.setattr(builtin, "TEMPLATES", templates)


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder conversions make their scratch folders in (this test's own, not the machine's,
    where parallel tests make theirs)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_a_pandoc_failure_while_converting_is_a_render_error(tmp_path: Path, monkeypatch, scratch) -> None:
    _fake_render_lua(tmp_path, monkeypatch, 'error("the reader choked on the brief")')
    with pytest.raises(RenderError, match="the reader choked"):
        builtin.convert("# Brief")
    _fake_render_lua(tmp_path, monkeypatch, "-- ends without writing anything")
    with pytest.raises(RenderError, match="ended without writing the typst"):
        builtin.convert("# Brief", html=False)
    assert list(scratch.iterdir()) == []  # each conversion removed its scratch folder


def test_a_conversion_left_early_stops_pandoc(tmp_path: Path, monkeypatch, scratch) -> None:
    """A render refused after the displayed text was scanned does not wait for pandoc to finish the rest."""
    _fake_render_lua(
        tmp_path,
        monkeypatch,
        """local request = pandoc.json.decode(io.open(arg[1]):read("a"), false)
local out = io.open(request.displayed_html, "w"); out:write("<p>12</p>"); out:close()
io.stdout:write("displayed_html\\n"); io.stdout:flush()
while true do end  -- the rest would take forever
""",
    )
    started = time.monotonic()
    with builtin.Conversion("# Brief", displayed="12") as conversion:
        assert conversion.result("displayed_html") == "<p>12</p>"
        assert len(list(scratch.iterdir())) == 1  # its scratch folder, while it runs
    assert time.monotonic() - started < 60
    assert list(scratch.iterdir()) == []


def test_a_pandoc_that_hangs_is_stopped(tmp_path: Path, monkeypatch) -> None:
    # hung opening a pipe that no process writes to: stopped as a loop that never ends is (the same timer, the
    # same kill), without a core spinning for the second it is given
    never_written = tmp_path / "never-written"
    os.mkfifo(never_written)
    _fake_render_lua(tmp_path, monkeypatch, f'io.open([[{never_written}]], "r")')
    monkeypatch.setattr(builtin, "_TIMEOUT_SECONDS", 1)
    with pytest.raises(RenderError, match="took longer than 1 s"):
        builtin.convert("# Brief")


def test_typst_reads_nothing_outside_the_briefs_folder(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    (folder / "brief-figures").mkdir(parents=True)
    (tmp_path / "secret.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    shutil.copy(tmp_path / "secret.svg", folder / "brief-figures" / "figure-1.svg")
    assert builtin.typeset('#image("brief-figures/figure-1.svg")', folder).startswith(b"%PDF-")
    with pytest.raises(RenderError, match="escape the project root"):
        builtin.typeset('#image("../secret.svg")', folder)


def test_only_the_briefs_own_figures_and_stylesheet_are_inlined(tmp_path: Path) -> None:
    (tmp_path / "brief-figures").mkdir()
    (tmp_path / "brief-figures" / "chart.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("not part of any brief")
    csp = builtin.csp_meta()
    stylesheet = f'<link rel="stylesheet" href="{builtin.TEMPLATES / "brief.css"}" />'
    page = f'<html><head>{csp}{stylesheet}</head><body><img src="brief-figures/chart.svg" /></body></html>'
    inlined = builtin.self_contained(page, tmp_path)
    assert '<img role="img" src="data:image/svg+xml;base64,PHN2Zy8+"' in inlined
    assert "<link" not in inlined and "--accent" in inlined
    outside = page.replace("brief-figures/chart.svg", "brief-figures/../secret.txt")
    assert "secret" in builtin.self_contained(outside, tmp_path)  # left as it was: a path, never inlined
    with pytest.raises(RenderError, match="missing"):
        builtin.self_contained(page.replace("chart.svg", "gone.svg"), tmp_path)


def test_html_keeps_findings_and_boxes(html: str) -> None:
    body = html[html.index("<main") :]
    assert '<h1 class="title">Country brief: Thailand</h1>' in html
    assert 'class="synthetic-banner"' in body
    assert body.index('class="synthetic-banner"') < body.index('class="key-figures"') < body.index("Trends")
    assert 'class="callout callout-note"' in body and "Reading the chart" in body
    # the polars table repr, as a clean table: no shape caption, no dtype row, no quotes
    assert '<td style="text-align: left;">Myanmar</td>' in body
    # a column of counts is right-aligned, labels "<5" and "x" included
    for cell in ("1,204", "&lt;5", "x"):
        assert f'<td style="text-align: right;">{cell}</td>' in body
    assert "shape:" not in body and "<td>str</td>" not in body
    assert "Identified victims by year" in body  # the figure caption from `#| fig-cap`
    assert "Sources and citations" in body and "Accessed 2026-11-20" in body
    assert "Disclosure control" in body


def test_every_count_in_the_html_passes_disclosure_control(html: str) -> None:
    assert find_small_counts(html) == []


def test_pdf_has_pages(source: Path) -> None:
    pdf = builtin.render_pdf(source, source.parent / "brief.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 1
    assert not list(source.parent.glob(".*.typ"))  # the Typst scratch file is gone


def test_typst_markup_styles_the_boxes(source: Path) -> None:
    markup = builtin.typst_markup(source)
    assert '#brief-callout(kind: "note", title: [Reading the chart])[' in markup
    assert "#brief-keyfigures(title: [Key figures])[" in markup
    assert "#brief-banner()[" in markup
    assert "demo: true" in markup  # the red band on every page
    assert 'image("brief-figures/figure-1.png"' in markup
    assert SECRET_CODE not in markup


def test_typst_tables_size_their_columns_and_keep_their_title(tmp_path: Path) -> None:
    # a pipe table wider than pandoc's 72 columns gets relative widths from its dashes: equal shares here
    citation = "evidence toolkit synthetic demo data (generated, not real victims)"
    source = tmp_path / "brief.qmd"
    source.write_text(
        "**Sources**\n\n| source | layout | citation | rows |\n|:---|:---|:---|---:|\n"
        f"| ctdc | global_synthetic_v2024 | {citation} | 20,000 |\n"
    )
    markup = builtin.typst_markup(source)
    assert "#brief-keep-with-next[" in markup.split("Sources")[0]  # the bold title sticks to its table
    # sized to the content, not four equal shares that overlap: the citation gets the room it needs
    widths = _column_widths(_typst_table(markup))
    assert len(widths) == 4 and abs(sum(widths) - 100) < 0.1
    assert widths[2] == max(widths) and widths[2] > 40


def test_typst_keeps_each_title_with_its_table_wherever_it_is_and_nothing_else(tmp_path: Path) -> None:
    # lists of blocks without a title before a table (the document's text, every table cell) are left as they
    # are; a title before a table is kept with it at the top level and inside a box
    source = tmp_path / "brief.qmd"
    source.write_text(
        "**Alone**\n\nText after a bold line.\n\n**Top**\n\n| a | b |\n|---|--:|\n| x | 1 |\n\n"
        "::: {.callout-note}\n## Box\n\n**Inside**\n\n| c | d |\n|---|--:|\n| y | 2 |\n:::\n"
    )
    markup = builtin.typst_markup(source)
    assert markup.count("#brief-keep-with-next[") == 2
    for title in ("Top", "Inside"):
        assert re.search(r"#brief-keep-with-next\[\s*#strong\[" + title + r"\]\s*\]\s*#figure\(", markup)
    assert not re.search(r"#brief-keep-with-next\[\s*#strong\[Alone\]", markup)


def _typst_table(markup: str) -> str:
    return markup[markup.index("#table(") : markup.index("table.hline()")]


def _column_widths(table: str) -> list[float]:
    found = re.search(r"columns: \(([^)]*)\)", table)
    assert found, table
    return [float(w.strip().removesuffix("%")) for w in found.group(1).split(",")]


def test_typst_tables_wrap_long_headers_within_columns_and_keep_numbers_right_aligned(tmp_path: Path) -> None:
    # a table too wide for the page (long headers, many columns): widths from the content, each column at least
    # its longest word ("Vulnerability"), so headers wrap in their column instead of overprinting the next one
    headers = ["Country", "Detected victims", "Vulnerability (0-100)", "Government response (%)", "TIP tier"]
    rows = [
        ["Brunei Darussalam", "134 (2021)", "46.5", "55.1", "Tier 2 WL (2015)"],
        ["Cambodia", "no total", "n/a", "42.3", "Tier 2 (2015)"],
    ]
    source = tmp_path / "brief.qmd"
    table = ["| " + " | ".join(headers) + " |", "|:---|---:|---:|---:|:---|"]
    table += ["| " + " | ".join(r) + " |" for r in rows]
    source.write_text("\n".join(table) + "\n")
    markup = _typst_table(builtin.typst_markup(source))
    assert "align: (left,right,right,right,left,)" in markup  # the Markdown's alignment row, kept
    widths = _column_widths(markup)
    assert len(widths) == 5 and abs(sum(widths) - 100) < 0.1
    # proportional to what each column needs: the names and the long headers get more room than the tiers
    assert min(widths[0], widths[2], widths[3]) > widths[4] > 0

    # a table whose numbers come without an alignment row (read from HTML) is right-aligned where it holds
    # numbers, "134 (2021)" and placeholders (n/a, no total) included; a small table keeps `auto` columns
    html = (
        "```{=html}\n<table><tr><th>Country</th><th>Detected victims</th><th>Tier</th></tr>"
        "<tr><td>Thailand</td><td>134 (2021)</td><td>Tier 2 (2015)</td></tr>"
        "<tr><td>Cambodia</td><td>no total</td><td>Tier 3 (2015)</td></tr></table>\n```\n"
    )
    source.write_text(html)
    small = _typst_table(builtin.typst_markup(source))
    assert "columns: 3" in small
    assert "align: (left,right,left,)" in small


def test_remote_images_become_links(tmp_path: Path) -> None:
    nb = executed_notebook()
    nb.cells.append(new_markdown_cell("![map](https://example.org/map.png)"))
    run = make_run(tmp_path / "runs", notebook=nb)
    source = build_document(run).write(run)
    html = builtin.html_document(source)
    assert '<a href="https://example.org/map.png">' in html
    assert external_references(html) == []


def test_external_references_are_found() -> None:
    assert external_references('<img src="https://cdn.example.org/a.png">')
    assert external_references('<script src="//cdn.example.org/vega.js"></script>')
    assert external_references('<link rel="stylesheet" href="http://fonts.example.org/f.css">')
    assert external_references("<style>@import 'https://fonts.example.org/x.css';</style>")
    assert external_references("<div style=\"background: url('https://example.org/bg.png')\">")
    assert not external_references('<a href="https://www.ctdatacollaborative.org/">CTDC</a>')
    assert not external_references('<img src="data:image/png;base64,AAAA">')


def test_external_references_are_found_however_the_markup_writes_them() -> None:
    # an attribute value with a ">" in it, a reference written with character references, one in a srcset, the
    # element's name or the attribute's in capitals: each is read as a browser reads it
    assert external_references('<img alt="a > b" src="//cdn.example.org/a.png">')
    assert external_references('<img src="&#47;&#47;cdn.example.org/a.png">')
    assert external_references('<img srcset="a.png 1x, https://cdn.example.org/b.png 2x">')
    assert external_references('<IMG SRC="HTTPS://cdn.example.org/a.png">')
    assert external_references('<span style="background:url(&quot;//cdn.example.org/x&quot;)">x</span>')
    assert external_references('<link href="//fonts.example.org/f.css" rel="stylesheet">')


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


@pytest.mark.parametrize("date", ['x" lang="x', "a' b=\"c", "2026-11-28"])
def test_the_pages_metadata_is_never_markup_from_its_text(tmp_path: Path, date: str) -> None:
    """The front matter's date (from a run's record, which may come from elsewhere) went into an attribute of
    the page's head as written (pandoc leaves a quote in text as it is): ``x" lang="x`` added an attribute to
    the ``<meta>``. Its own text in the title block, a date or not, is shown as it is."""
    source = tmp_path / "brief.qmd"
    meta = {"title": "T", "date": escape_markdown(date), "lang": "en"}
    source.write_text(f"---\n{yaml.safe_dump(meta)}---\n\nBody.\n", encoding="utf-8")
    page = builtin.html_document(source)
    parser = _Attributes()
    parser.feed(page)
    metas = [attrs for tag, attrs in parser.elements if tag == "meta" and attrs.get("name") == "dcterms.date"]
    assert [set(m) for m in metas] == [{"name", "content"}]
    assert metas[0]["content"] == (date if date[0].isdigit() else "")  # a date, or none
    html_tag = next(attrs for tag, attrs in parser.elements if tag == "html")
    assert html_tag["lang"] == "en"
    assert f'<p class="date">{html_module.escape(date, quote=False)}</p>' in page


def test_text_that_reads_like_a_reference_is_no_reference() -> None:
    """A category, a citation or a caption from data that *says* ``url(https://...)``, ``@import "//..."`` or
    ``src=//...`` is text a reader reads, not something the page loads: the check reads the page's markup
    (its tags, its attributes and its style sheets), never its text. It read the text too, and a UNODC category
    "Forced labour, see url(https://...)" stopped the country brief ("would load from the web")."""
    for text in (
        "Forced labour, see url(https://evil.example/x)",
        'x @import "//evil.example/a.css"',
        "@import 'http://evil.example/c'",
        "url( //evil.example)",
        "<img src=//evil.example/x>",
    ):
        page = builtin.pandoc(None, "html5", text=escape_markdown(text))
        assert text in html_module.unescape(page), text  # the reader reads it
        assert external_references(page) == [], text
        titled = f'<html><head><title>{html_module.escape(text)}</title></head><body><p alt="{html_module.escape(text)}">x</p></body></html>'
        assert external_references(titled) == [], text


def test_pandoc_failure_is_a_render_error(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="pandoc"):
        builtin.pandoc(tmp_path / "missing.qmd", "html5")


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="headless Chromium is not installed")
def test_html_opens_offline_in_chromium(source: Path) -> None:
    page = load_page(builtin.render_html(source, source.parent / "brief.html"))
    assert page.failed == []
    assert all(url.startswith(("file:", "data:")) for url in page.requests), page.requests
    # charts drawn: both figures decoded with their size, and the first screen is not blank
    assert len(page.images) == 2
    assert all(image["complete"] and image["width"] > 0 for image in page.images), page.images
    share, colours = ink_share(page.screenshot)
    assert share > 0.02 and colours > 20
    # what a reader sees
    assert "SYNTHETIC DEMO DATA" in page.text
    assert SECRET_CODE not in page.text and SECRET_STDOUT not in page.text
    assert find_small_counts(page.text) == []


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="headless Chromium is not installed")
def test_the_browser_check_sees_blocked_requests(tmp_path: Path) -> None:
    page_file = tmp_path / "online.html"
    page_file.write_text('<html><body><img src="http://example.org/chart.png"><p>text</p></body></html>')
    page = load_page(page_file)
    assert any("example.org" in url for url, _ in page.failed)
    assert page.images[0]["width"] == 0


def _wide_table(columns: int) -> str:
    headers = ["Year"] + [f"C{i:02d}>NGA" for i in range(columns - 3)] + ["Unknown", "Published total"]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join([str(year)] + ["1,234"] * (len(headers) - 1)) + " |" for year in (2017, 2018)]
    return "\n".join(lines) + "\n"


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="headless Chromium is not installed")
def test_a_wide_table_scrolls_in_its_box_and_the_page_keeps_its_width(tmp_path: Path) -> None:
    """REVIEW12 M7: trends by corridor (28 columns) ran off the page, its last columns out of reach."""
    source = tmp_path / "brief.qmd"
    source.write_text("Text.\n\n" + _wide_table(28))
    page_file = builtin.render_html(source, tmp_path / "brief.html")
    probe = (
        "(() => { const box = document.querySelector('table').parentElement;"
        " return {page: document.documentElement.scrollWidth, view: window.innerWidth,"
        " overflow: getComputedStyle(box).overflowX, inner: box.scrollWidth, outer: box.clientWidth}; })()"
    )
    seen = load_page(page_file, width=1100, probe=probe).probe
    assert seen["page"] <= seen["view"], seen  # the page itself does not scroll sideways
    assert seen["overflow"] == "auto" and seen["inner"] > seen["outer"], seen  # the table's box does


_LONG_NOTE = "2021 (may count a person twice: once where detected abroad, once on return home)"


def _noted_table() -> str:
    """The sources-together table of an origin brief (Myanmar, real files): a year with a long note in brackets
    in a column of numbers."""
    rows = [
        [
            "Victims identified and assisted from Myanmar (case data)",
            "CTDC k-anonymised global dataset",
            "2010",
        ],
        [
            "Nationals of Myanmar detected abroad or at home (UNODC)",
            "UNODC GLOTIP, release 30 May 2023",
            _LONG_NOTE,
        ],
        [
            "Victims detected by the authorities of Myanmar (UNODC)",
            "UNODC GLOTIP, release 30 May 2023",
            "2021",
        ],
    ]
    lines = ["| What | Source | Year | Number |", "|---|---|---|---|"]
    lines += [
        f"| {what} | {source} | {year} | {n:,} |" for (what, source, year), n in zip(rows, (40, 64, 29))
    ]
    return "\n".join(lines) + "\n"


def test_a_long_note_beside_a_number_may_wrap_and_the_number_does_not(tmp_path: Path) -> None:
    source = tmp_path / "brief.qmd"
    source.write_text(_noted_table())
    html = builtin.html_document(source)
    note = _LONG_NOTE.removeprefix("2021 ")
    # the space before the note is the note's: the line may break there
    assert f'<td style="text-align: right;">2021<span class="cell-note"> {note}</span></td>' in html
    assert '<td style="text-align: right;">2010</td>' in html  # a cell without a note is left as it was
    assert "td .cell-note { white-space: normal; }" in (builtin.TEMPLATES / "brief.css").read_text()
    assert note in builtin.typst_markup(source)  # the PDF keeps the note, as text


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="headless Chromium is not installed")
def test_a_long_note_beside_a_number_does_not_widen_its_table(tmp_path: Path) -> None:
    """Myanmar's origin brief (real files): the year's note kept on one line pushed the table past the text, its
    Number column out of sight."""
    source = tmp_path / "brief.qmd"
    source.write_text("Text.\n\n" + _noted_table())
    page_file = builtin.render_html(source, tmp_path / "brief.html")
    probe = (
        "(() => { const box = document.querySelector('table').parentElement;"
        " const cell = [...document.querySelectorAll('td')].find(td => td.textContent.startsWith('2021 (may'));"
        " return {inner: box.scrollWidth, outer: box.clientWidth, lines: cell.getClientRects().length,"
        " height: cell.offsetHeight, line: parseFloat(getComputedStyle(cell).lineHeight)}; })()"
    )
    seen = load_page(page_file, width=1100, probe=probe).probe
    assert seen["inner"] <= seen["outer"], seen  # the table fits the text column: no scrolling
    assert seen["height"] > 1.5 * seen["line"], seen  # the note wraps onto lines of its own


def test_a_table_too_wide_for_the_pdf_page_says_so_and_a_narrow_one_does_not(tmp_path: Path) -> None:
    source = tmp_path / "brief.qmd"
    source.write_text(_wide_table(28))
    assert "This table has 28 columns, too many for the page" in builtin.typst_markup(source)
    source.write_text(_wide_table(6))
    assert "too many for the page" not in builtin.typst_markup(source)


def test_typst_fonts_looked_up_ahead_are_looked_up_once(monkeypatch):
    """``evidence brief`` looks Typst's fonts up while its notebook runs; a render asking for them meanwhile
    waits for that lookup rather than making its own."""
    import threading

    import typst

    made: list[int] = []
    started = threading.Event()

    class SlowFonts:
        def __init__(self) -> None:
            started.set()
            time.sleep(0.3)  # the lookup under way when the render asks (not a timing assertion)
            made.append(1)

    builtin._fonts_found.cache_clear()
    monkeypatch.setattr(typst, "Fonts", SlowFonts)
    try:
        builtin.prepare_typesetting()
        assert started.wait(10)
        fonts = builtin._fonts()
        assert isinstance(fonts, SlowFonts) and builtin._fonts() is fonts and made == [1]
    finally:
        builtin._fonts_found.cache_clear()


def test_a_failed_font_lookup_ahead_is_left_to_the_render(monkeypatch):
    import typst

    def refuse() -> None:
        raise RuntimeError("no fonts")

    builtin._fonts_found.cache_clear()
    monkeypatch.setattr(typst, "Fonts", refuse)
    try:
        builtin._fonts_quietly()  # nothing raised in the background thread
        with pytest.raises(RuntimeError, match="no fonts"):
            builtin._fonts()
    finally:
        builtin._fonts_found.cache_clear()


@pytest.mark.parametrize(
    "text",
    [
        "Forced labour\u2028= Forged heading",  # the character itself
        "Forced labour&#x2028;= Forged heading",  # an entity pandoc reads as it
        "Forced labour&#133;= Forged heading",  # NEL, by its decimal entity
        "Forced labour&NewLine;= Forged heading",  # a line feed, by its named entity: never a Str's own
        "Forced labour&#10;= Forged heading",  # a line feed, by its decimal entity
    ],
)
def test_a_line_break_typst_knows_is_a_space_however_the_source_writes_it(tmp_path: Path, text: str) -> None:
    # render.lua spares the filter every word of a text that holds no such character and no entity: a text
    # that holds one, written either way, still has it made a space
    source = tmp_path / "brief.qmd"
    source.write_text(f"Before.\n\n{text}\n\nAfter.\n", encoding="utf-8")
    markup = builtin.typst_markup(source)
    assert "Forced labour = Forged heading" in markup
    assert not re.search(r"^\s*= Forged", markup, flags=re.MULTILINE)
    assert "\u2028" not in markup and "\x85" not in markup


@pytest.mark.parametrize(
    "escape", ["\\L", "\\P", "\\N", "\\r", "\\v", "\\f", "\\u2028", "\\x85", "\\U00002029", "\\n"]
)
def test_a_line_break_written_as_a_yaml_escape_is_a_space_too(tmp_path: Path, escape: str) -> None:
    # YAML's double-quoted escapes write these characters with neither the character nor an "&" in the text (as
    # yaml.safe_dump writes a title holding one): the filter must still see every word of such a brief
    source = tmp_path / "brief.qmd"
    source.write_text(
        f'---\ntitle: "Forced labour{escape}= Forged heading"\n---\n\nBody.\n', encoding="utf-8"
    )
    markup = builtin.typst_markup(source)
    # (a carriage return pandoc drops itself)
    assert re.search(r"title: \[Forced labour ?= Forged heading\]", markup)
    assert not re.search(r"^\s*= Forged", markup, flags=re.MULTILINE)
    assert not any(c in markup for c in "\u2028\u2029\x85\v\f\r")


@pytest.mark.parametrize(
    "raw",
    [
        "```{=typst}\nForged text\n= Forged heading\n/ forged term\n```",  # a raw block, its lines
        "Text `Forged text\u2028= Forged heading`{=typst} end",  # a raw inline, a line break Typst knows
        "Text <span\ntitle='x'\n/ y>z</span> end",  # a raw HTML tag over lines, shown as text
    ],
)
def test_raw_markup_shown_as_text_opens_no_line_of_typst(tmp_path: Path, raw: str) -> None:
    # raw markup the toolkit did not write is shown as text: its line breaks are not the Typst markup's
    source = tmp_path / "brief.qmd"
    source.write_text(f"Before.\n\n{raw}\n\nAfter.\n", encoding="utf-8")
    markup = builtin.typst_markup(source)
    assert "Forged" in markup or "title" in markup
    assert not re.search(r"^\s*[=/+-] ?(Forged|forged|y>)", markup, flags=re.MULTILINE)
    assert not any(c in markup for c in "\u2028\u2029\x85\v\f\r")


@pytest.mark.parametrize("text", ["rows 4, 5, 6 ...", "value 'abcdefgh...'", "[...]", "x.... y", "n.a..."])
def test_escaped_dots_read_as_themselves_in_the_pdf_as_in_the_html(tmp_path: Path, text: str) -> None:
    """Leftover: three dots of escaped text (a loader's "rows 4, 5, 6 ...", a value cut short) read back as
    themselves in HTML but as an ellipsis (…) in the PDF: pandoc's Typst writer leaves them as "...", Typst's
    shorthand for an ellipsis. The toolkit's own "..." is an ellipsis in both (pandoc's smart typography)."""
    import yaml

    from evidence.presentation.markup import escape_markdown

    source = tmp_path / "brief.qmd"
    title = yaml.safe_dump({"title": escape_markdown(text)}, allow_unicode=True)
    source.write_text(
        f"---\n{title}---\n\nEscaped: {escape_markdown(text)}\n\nOwn: and so on...\n\n"
        f"| a |\n|---|\n| {escape_markdown(text)} |\n",
        encoding="utf-8",
    )
    converted = builtin.convert(source.read_text(encoding="utf-8"))
    assert converted.html is not None and converted.typst is not None
    assert text.replace("'", "&#39;") in converted.html or text in converted.html
    markup = converted.typst
    assert "and so on…" in markup
    # each run of dots written with all but its first escaped: three dots in the PDF, as in the HTML
    literal = re.sub(r"\.\.+", lambda m: "." + "\\." * (len(m[0]) - 1), text)
    literal = re.sub(r"([\[\]'])", r"\\\1", literal)  # as the Typst writer escapes brackets and quotes
    assert markup.count(literal) == 3, markup  # title, text, cell
    assert markup.count(literal.replace("\\.", ".")) == 0
    builtin.typeset(markup, tmp_path)  # Typst reads it


@pytest.mark.parametrize("text", ["Age -? band", "-? at the start", "ends -?", "two -?-? in a row"])
def test_escaped_text_holding_typsts_soft_hyphen_reads_as_itself_in_the_pdf(
    tmp_path: Path, text: str
) -> None:
    """ "-?" is Typst's shorthand for a soft hyphen, which pandoc's Typst writer leaves as it is: a category or a
    title holding it ("Age -? band") read as "Age  band" in the PDF (an invisible hyphen where "-?" was), and
    as written in the HTML. In the title, the text and a table cell it is written as itself."""
    import typst

    from evidence.presentation.markup import escape_markdown

    source = tmp_path / "brief.qmd"
    title = yaml.safe_dump({"title": escape_markdown(text)}, allow_unicode=True)
    source.write_text(
        f"---\n{title}---\n\nEscaped: {escape_markdown(text)}\n\n| a |\n|---|\n| {escape_markdown(text)} |\n",
        encoding="utf-8",
    )
    converted = builtin.convert(source.read_text(encoding="utf-8"))
    assert converted.html is not None and converted.typst is not None
    assert converted.html.count(text) == 4  # the page's title, its heading, the text and the cell
    markup = tmp_path / "brief.typ"
    markup.write_text(converted.typst, encoding="utf-8")
    compiled = typst.Compiler(str(markup), root=str(tmp_path))
    shown = [typst_text(e) for selector in ("par", "table") for e in json.loads(compiled.query(selector))]
    assert f"Escaped: {text}" in shown and any(text in t for t in shown[1:]), shown
    assert "\xad" not in " ".join(shown)


def _neighbours_table() -> str:
    """The neighbours table of Thailand's destination brief (real files): nine columns, long headers, numbers
    with the year they are for."""
    headers = [
        "Country",
        "Detected victims",
        "Detected per 100,000",
        "Estimated in modern slavery",
        "Prevalence per 1,000",
        "Vulnerability (0-100)",
        "Government response (%)",
        "TIP tier",
        "Detected per 1,000 estimated",
    ]
    rows = [
        [
            "Thailand",
            "134 (2021)",
            "0.192 (2021)",
            "401,000",
            "5.74",
            "46.5",
            "55.1",
            "Tier 3 (2015)",
            "0.334 (2021)",
        ],
        [
            "Brunei Darussalam",
            "<5 (2020)",
            "<1.14 (2020)",
            "n/a",
            "n/a",
            "n/a",
            "34.6",
            "Tier 2 (2015)",
            "n/a",
        ],
        [
            "Myanmar",
            "29 (2021)",
            "0.0533 (2021)",
            "657,000",
            "12.08",
            "67.4",
            "42.3",
            "Tier 2 WL (2015)",
            "0.0441 (2021)",
        ],
        [
            "Philippines",
            "1,598 (2020)",
            "1.46 (2020)",
            "859,000",
            "7.84",
            "66.4",
            "59.0",
            "Tier 2 (2015)",
            "1.86 (2020)",
        ],
    ]
    lines = ["**Thailand and its neighbours**", "", "| " + " | ".join(headers) + " |"]
    lines += ["|:---|" + "---:|" * 6 + ":---|---:|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="headless Chromium is not installed")
def test_a_table_of_nine_columns_fits_the_text_and_its_title_sits_close_above_it(tmp_path: Path) -> None:
    """Thailand's, Myanmar's... neighbours table (real files) scrolled on a desktop screen, its TIP tier column
    squeezed to a word a line and cut ("Tie / WL / (20"), the columns after it out of sight; and a table's bold
    title stood as far from its table as from the text before."""
    source = tmp_path / "brief.qmd"
    source.write_text("Text.\n\n" + _neighbours_table())
    page_file = builtin.render_html(source, tmp_path / "brief.html")
    probe = (
        "(() => { const box = document.querySelector('table').parentElement;"
        " const title = box.previousElementSibling;"
        " return {inner: box.scrollWidth, outer: box.clientWidth,"
        " gap: box.querySelector('table').getBoundingClientRect().top - title.getBoundingClientRect().bottom,"
        " em: parseFloat(getComputedStyle(title).fontSize)}; })()"
    )
    seen = load_page(page_file, width=1100, probe=probe).probe
    assert seen["inner"] <= seen["outer"], seen  # no scrolling on a desktop screen
    assert seen["gap"] < 1.5 * seen["em"], seen


def _page_png(markup: str, folder: Path, page: int = 0, ppi: int = 144) -> tuple[int, list[list[bool]]]:
    """A page of the brief's PDF as rows of inked pixels (and the pixels in a point, ppi / 72)."""
    import typst
    from _png import png_pixels

    pages = typst.compile(
        markup.encode(), root=str(folder), format="png", ppi=ppi, font_paths=builtin._fonts()
    )
    width, _height, rows, channels = png_pixels(pages[page] if isinstance(pages, list) else pages)
    inked = [[min(row[x * channels : x * channels + 3]) < 160 for x in range(width)] for row in rows]
    return ppi // 72, inked


def _rules(inked: list[list[bool]], least: int) -> list[tuple[int, int, int]]:
    """Horizontal rules: (row, first pixel, length) of each run of ink at least ``least`` pixels long."""
    found = []
    for y, row in enumerate(inked):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                if x - start >= least:
                    found.append((y, start, x - start))
            x += 1
    return found


def test_a_pdf_table_starts_at_the_texts_edge_and_its_columns_stand_apart(tmp_path: Path) -> None:
    """Myanmar's brief (real files): small tables were centred on the page under their left-aligned titles, and
    "657,000" ran into the next column's "8 of 27" (4pt on each side of a cell)."""
    source = tmp_path / "brief.qmd"
    source.write_text(
        "---\ntitle: T\n---\n\n**Myanmar in the Global Slavery Index**\n\n"
        "| Measure | Myanmar | Rank |\n|:---|---:|:---|\n| Estimated number | 657,000 | 8 of 27 |\n"
    )
    scale, inked = _page_png(builtin.typst_markup(source), tmp_path)
    rules = _rules(inked, 40 * scale)
    title_rule = max(rules, key=lambda rule: rule[2])  # under the title block: the text's whole width
    table_rule = min(rules, key=lambda rule: rule[2])  # under the table's header
    assert abs(table_rule[1] - title_rule[1]) <= scale, (table_rule, title_rule)
    # the row of "657,000 | 8 of 27": the last gap of white wider than a word space is the columns' gap
    row_band = range(table_rule[0] + 2 * scale, table_rule[0] + 12 * scale)
    inked_columns = [x for x in range(len(inked[0])) if any(inked[y][x] for y in row_band)]
    gaps = [b - a for a, b in itertools.pairwise(inked_columns) if b - a > 5 * scale]
    assert gaps[-1] >= 10.5 * scale, gaps[-1] / scale  # 10pt of insets and more between a number and the text


def test_a_long_pdf_table_breaks_across_pages_with_its_title(tmp_path: Path) -> None:
    """A table in a figure does not break in Typst: one taller than the page ran off its bottom, rows lost."""
    source = tmp_path / "brief.qmd"
    rows = "\n".join(f"| {2000 + i} | {7 * i + 5:,} |" for i in range(80))
    source.write_text(f"Text.\n\n**Per year**\n\n| Year | Victims |\n|---|---:|\n{rows}\n")
    markup = builtin.typst_markup(source)
    assert re.search(
        r"#brief-keep-with-next\[\s*#strong\[Per year\]\s*\]\s*#brief-long-table\[\s*#figure\(", markup
    )
    pdf = builtin.render_pdf(source, tmp_path / "brief.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 2
    # a short table is left as it was
    source.write_text("**Per year**\n\n| Year | Victims |\n|---|---:|\n| 2020 | 12 |\n")
    assert "#brief-long-table[" not in builtin.typst_markup(source)


def test_a_pdf_tables_column_of_ranges_is_wide_enough_for_them(tmp_path: Path) -> None:
    """The world review, Thailand's detected victims by route (real files): the column "Route unknown" was sized
    to "264–276" by its characters, digits counted as an average character, and Typst set "264–" and "276" on
    two lines, which read as two numbers."""
    import typst

    headers = ["Route (origin → destination)", "Domestic", "Intraregional", "Transregional", "Route unknown"]
    headers.append("Sum of the citizenship breakdown")
    rows = [
        ["Myanmar → Thailand", "0", "2,580–2,589", "0", "0", "2,580–2,589"],
        ["Thailand → Thailand", "2,102", "0", "0", "0", "2,102"],
        ["Origin (citizenship) unknown or stateless", "0", "0", "0", "264–276", "264–276"],
        ["Sum of the citizenship breakdown", "2,102", "3,840–3,951", "24–57", "264–276", "6,230–6,386"],
    ]
    source = tmp_path / "brief.qmd"
    lines = ["| " + " | ".join(headers) + " |", "|:---|---:|---:|---:|---:|---:|"]
    source.write_text("\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows]) + "\n")
    markup = builtin.typst_markup(source)
    widths = _column_widths(_typst_table(markup))
    probe = "\n#context layout(size => [#metadata((size.width.pt(), measure(text(size: 0.85em)[264–276]).width.pt())) <w>])\n"
    found = typst.query(
        (markup + probe).encode(), "<w>", field="value", one=True, font_paths=builtin._fonts()
    )
    line, needed = json.loads(found)
    inset = 10  # the template's cell inset, 5pt on each side
    assert widths[4] / 100 * line - inset >= needed, (widths, line, needed)


def test_code_in_the_pdfs_text_is_the_size_of_the_htmls(tmp_path: Path) -> None:
    """Myanmar's brief (real files): "<5" and the files' digests, code in the text, were set at Typst's 0.8em of
    the text, smaller than the HTML's 0.88em and hard to read."""
    import typst

    source = tmp_path / "brief.qmd"
    source.write_text("Counts below 5 are shown as `<5`.\n")
    probe = (
        '\n#context [#metadata((measure(raw("H")).height, measure(text(size: 0.88em, font: "DejaVu Sans Mono")'
        '[H]).height, measure(text(size: 0.8em, font: "DejaVu Sans Mono")[H]).height)) <sizes>]\n'
    )
    markup = builtin.typst_markup(source) + probe
    found = typst.query(markup.encode(), "<sizes>", field="value", one=True, font_paths=builtin._fonts())
    code, html_size, typst_size = json.loads(found)
    assert html_size != typst_size and code == html_size, (code, html_size, typst_size)


def test_typst_tables_keep_their_cells_on_one_line_before_their_headers(tmp_path: Path) -> None:
    """Myanmar's neighbours (real files, part 2 of 2 in the PDF): "Tier 2 WL (2015)" was set in two lines beside
    columns as wide as "Vulnerability (0-100)" holding "67.4": room went to the headers' lengths."""
    headers = [
        "Country",
        "Vulnerability (0-100)",
        "Government response (%)",
        "TIP tier",
        "Detected per 1,000 estimated",
    ]
    rows = [
        ["Myanmar", "67.4", "42.3", "Tier 2 WL (2015)", "0.0441 (2021)"],
        ["Cambodia", "57.6", "42.3", "Tier 2 WL (2015)", "no total"],
        ["Thailand", "46.5", "55.1", "Tier 3 (2015)", "0.334 (2021)"],
    ]
    source = tmp_path / "brief.qmd"
    lines = ["| " + " | ".join(headers) + " |", "|:---|---:|---:|:---|---:|"]
    source.write_text("\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows]) + "\n")
    widths = _column_widths(_typst_table(builtin.typst_markup(source)))
    line, inset = 90, 2  # brief.lua's LINE_CHARS and CELL_CHARS
    assert widths[3] * line / 100 >= len("Tier 2 WL (2015)") + inset - 0.01, widths
    # the headers share what is left: the longest gets most of it
    assert widths[4] == max(widths) and min(widths[1], widths[2]) > widths[0], widths


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="headless Chromium is not installed")
def test_printed_html_keeps_titles_and_small_headings_with_what_follows(tmp_path: Path) -> None:
    """Myanmar's HTML brief printed from the browser (real files): "What the sources say about Myanmar",
    "Routes" and "Victims per year" with their table titles were left at the bottom of pages, their tables on
    the next."""
    source = tmp_path / "brief.qmd"
    source.write_text(
        "Text.\n\n#### Routes\n\n**Identified victims per year**\n\n| Year | Victims |\n|---|---:|\n| 2010 | 40 |\n\n"
        "Text after.\n"
    )
    page_file = builtin.render_html(source, tmp_path / "brief.html")
    probe = (
        "(() => { const style = e => getComputedStyle(e).breakAfter;"
        " return {heading: style(document.querySelector('h4')),"
        " title: style(document.querySelector('.table-scroll').previousElementSibling),"
        " text: style([...document.querySelectorAll('p')].pop())}; })()"
    )
    seen = load_page(page_file, width=800, probe=probe, media="print").probe
    assert seen == {"heading": "avoid", "title": "avoid", "text": "auto"}, seen


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="headless Chromium is not installed")
def test_on_a_phone_every_table_is_set_smaller_and_tighter(tmp_path: Path) -> None:
    """Myanmar's briefs on a phone (real files, 420 pixels): the phone's rule for tables came before the rule it
    meant to override, so every table kept the desktop's padding and scrolled sooner."""
    source = tmp_path / "brief.qmd"
    source.write_text("Text.\n\n" + _noted_table())
    page_file = builtin.render_html(source, tmp_path / "brief.html")
    probe = (
        "(() => { const cell = getComputedStyle(document.querySelector('td'));"
        " const root = parseFloat(getComputedStyle(document.documentElement).fontSize);"
        " return {padding: parseFloat(cell.paddingLeft) / root, size: parseFloat(cell.fontSize) / root}; })()"
    )
    phone = load_page(page_file, width=420, probe=probe).probe
    assert phone == {"padding": 0.4, "size": 0.82}, phone
    desktop = load_page(page_file, width=1100, probe=probe).probe
    assert desktop == {"padding": 0.7, "size": 0.92}, desktop


@pytest.mark.parametrize(
    "text",
    [
        "/ forged term",
        "= Forged heading",
        "- forged item",
        "+ forged item",
        "1. forged item",
        "/ a: b",
        "... x",
    ],
)
def test_the_title_block_shows_its_text_as_text_in_the_pdf(tmp_path: Path, text: str) -> None:
    """The Typst template writes the title, subtitle and date into content blocks (``title: [...]``), where
    their first characters are at the start of a line: "= " opened a heading in the title block, "- " a list,
    and "/ " a term list, which without its colon stopped the PDF ("expected colon"). A subtitle starts with the
    run's country, a title may be a notebook's computed heading: text from data, escaped, reaching Typst as
    text that pandoc's writer, taking metadata for text inside a line, did not escape."""
    import typst

    source = tmp_path / "brief.qmd"
    meta = {"title": escape_markdown(text), "subtitle": escape_markdown(text), "date": escape_markdown(text)}
    source.write_text(f"---\n{yaml.safe_dump(meta)}---\n\nBody.\n", encoding="utf-8")
    markup = tmp_path / "brief.typ"
    markup.write_text(builtin.typst_markup(source), encoding="utf-8")
    assert builtin.typeset(markup.read_text(encoding="utf-8"), tmp_path).startswith(b"%PDF-")
    compiled = typst.Compiler(str(markup), root=str(tmp_path))  # compiled once, for every query below
    for selector in ("heading", "list", "enum", "terms"):
        assert "forged" not in compiled.query(selector).lower(), selector
    shown = [typst_text(p) for p in json.loads(compiled.query("par"))]
    assert shown[1:4] == [text] * 3, shown  # title, subtitle and date, each as written


_MARKERS = [
    "/ forged term",
    "- forged item",
    "+ forged item",
    "= Forged heading",
    "== Forged heading",
    "12. forged",
]


@pytest.mark.parametrize("text", _MARKERS)
def test_text_that_starts_a_content_block_in_the_pdf_shows_as_text(tmp_path: Path, text: str) -> None:
    """A table cell, a list item, a link's text and a footnote are content blocks in the PDF's Typst, where a
    text's first characters are at the start of a line: a category "- forged item" in a table cell made a list
    in the cell, "= x" a heading, "12. x" a numbered list, and "/ x" a term list without its colon, which
    stopped the PDF ("expected colon"). pandoc's Typst writer escapes these at the start of a paragraph only."""
    import typst

    from evidence.presentation.markup import data_label
    from evidence.presentation.tables import TableData

    escaped = escape_markdown(text)
    table = TableData.from_cells([text, "n"], [[text, "120"], ["b", "30"]])
    body = "\n\n".join(
        [
            table.to_markdown(),
            f"- {escaped}\n- b",
            "Between the lists.",
            f"- {data_label(text)}\n- b",  # a label from data, as notebooks write one
            f"1. {escaped}\n2. b",
            f"See [{escaped}](<https://www.unodc.org/>).",
            f"A note[^1].\n\n[^1]: {escaped}",
            f"Term\n:   {escaped}",
        ]
    )
    source = tmp_path / "brief.qmd"
    source.write_text(f"---\ntitle: T\n---\n\n{body}\n", encoding="utf-8")
    markup = tmp_path / "brief.typ"
    markup.write_text(builtin.typst_markup(source), encoding="utf-8")
    assert builtin.typeset(markup.read_text(encoding="utf-8"), tmp_path).startswith(b"%PDF-")
    compiled = typst.Compiler(str(markup), root=str(tmp_path))  # compiled once, for every query below
    assert "orged" not in compiled.query("heading")
    items = json.loads(compiled.query("list"))
    items += json.loads(compiled.query("enum"))
    # the lists the source writes, each item the text as written
    assert sorted(typst_text(i["children"]) for i in items) == [f"{text}b"] * 3, items
    assert not json.loads(compiled.query("terms"))[1:]  # the source's one term list
    (shown,) = json.loads(compiled.query("table"))
    header, _, *cells = [typst_text(c) for c in shown["children"]]  # header, rule, cells
    assert header == f"{text}n" and cells == [text, "120", "b", "30"], shown


def test_a_failing_pandoc_is_said_without_its_call_stack():
    """pandoc appends its Haskell call stack to some errors (a missing $TMPDIR): the reader gets the message."""
    from evidence.briefs.builtin import pandoc_message

    said = (
        "/tmp/missing/evidence-pandoc-1/out.html: openTempFile: does not exist (No such file or directory)\n"
        "CallStack (from HasCallStack):\n  error, called at libraries/base/GHC/Err.hs:74:14 in base:GHC.Err\n"
        "  throwIO, called at src/Text/Pandoc/App.hs:160:7 in pandoc-3.1:Text.Pandoc.App\n"
    )
    assert pandoc_message(said) == (
        "/tmp/missing/evidence-pandoc-1/out.html: openTempFile: does not exist (No such file or directory)"
    )
    lua = "Error running Lua:\nbrief.lua:12: attempt to index a nil value\n" + "stack traceback:\n" * 20
    assert pandoc_message(lua).splitlines()[:2] == [
        "Error running Lua:",
        "brief.lua:12: attempt to index a nil value",
    ]
    assert len(pandoc_message(lua).splitlines()) == 5


def test_scratch_folders_a_killed_render_left_are_removed_by_the_next(tmp_path, monkeypatch):
    """A render killed with its pandoc running leaves pandoc's scratch folder in $TMPDIR: named by the process,
    it is removed by the next render once that process is gone; a living process's folder is kept."""
    import os
    import tempfile

    from evidence.briefs import builtin
    from evidence.core.atomic import host_tag

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = tmp_path / f"evidence-pandoc-{host_tag()}-{gone.pid}-abc_123"
    alive = tmp_path / f"evidence-pandoc-{host_tag()}-{os.getpid()}-def456"
    other = tmp_path / f"evidence-pandoc-another-host-{gone.pid}-ghi789"
    for folder in (dead, alive, other):
        folder.mkdir()
        (folder / "brief.html").write_text("<p>half</p>")
    builtin.clean_stale_conversions.cache_clear()
    assert builtin.clean_stale_conversions() == [dead]
    assert not dead.exists() and alive.exists() and other.exists()
    builtin.clean_stale_conversions.cache_clear()
    with builtin.Conversion("# x\n", html=True, typst=False) as conversion:
        assert conversion._folder.parent == tmp_path
        assert conversion._folder.name.startswith(f"evidence-pandoc-{host_tag()}-{os.getpid()}-")
        assert conversion.result("html")
        conversion.finish()


def test_a_pdf_states_the_briefs_date_so_a_brief_rendered_again_is_the_same_file(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PDF's creation date was the clock's: two renders of one run differed in their bytes. It is the brief's
    date (the day its run ended, in the front matter), or SOURCE_DATE_EPOCH when set (reproducible builds)."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    date = re.search(r"^date: '?([0-9-]+)'?$", source.read_text(encoding="utf-8"), re.MULTILINE)
    assert date is not None
    day = date[1].replace("-", "")
    pdf = builtin.render_pdf(source, source.parent / "brief.pdf").read_bytes()
    assert f"/CreationDate(D:{day}000000Z)".encode() in pdf.replace(b" ", b"")
    assert builtin.typeset("Hello", source.parent, date="2026-11-28") == builtin.typeset(
        "Hello", source.parent, date="2026-11-28"
    )
    assert b"D:20261128000000Z" in builtin.typeset("Hello", source.parent, date="2026-11-28")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert b"D:20231114221320Z" in builtin.typeset("Hello", source.parent, date="2026-11-28")
    # a date that is no date (the record is as untrusted as its data): Typst's clock, as before
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    assert builtin.pdf_timestamp("2026-13-01") is None and builtin.pdf_timestamp(None) is None
