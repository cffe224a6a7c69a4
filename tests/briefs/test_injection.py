"""Briefs that data cannot script: injection payloads through every path a text takes into a brief.

The payloads sit where an attacker controls text: the categories of a UNODC-like workbook (table cells and
headers, chart labels), its provenance sidecar (title, release, licence, citation, a ``javascript:`` URL), the
run's parameters (title, subtitle, key figures, chart titles), table captions and notes, a fig-cap, a Markdown
output that forgot to escape, an authored Markdown cell and the run's record (run id: the index page). The
brief is rendered to HTML and PDF; the HTML is opened in headless Chromium, with and without its
Content-Security-Policy, and no payload runs; the PDF shows the payloads as text.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nbformat
import polars as pl
import pytest
from _brief_runs import typst_text
from _chromium import chromium_path, load_page
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from evidence.briefs import builtin
from evidence.briefs.render import render_run
from evidence.presentation.markup import escape_markdown, markdown_code, markdown_link, safe_url

# what a payload does when it runs: marks the page (from a frame, its parent). No digits in the payloads: the
# brief's disclosure scan would take them for small counts and stop the render
JS = "window.pwned=true"
PAYLOADS = {
    "img": f'<img src=x onerror="{JS}">',
    "svg": f'<svg onload="{JS}"><circle r="ten"/></svg>',
    "iframe": f'<iframe srcdoc="<script>parent.{JS}</script>"></iframe>',
    "script": f"<script>{JS}</script>",
    "javascript-url": f"javascript:{JS}",
    "markdown-link": f"[click me](javascript:{JS})",
    "markdown-autolink": f"<javascript:{JS}>",
    "markdown-attributes": f'[hover me]{{onmouseover="{JS}"}}',
    "markdown-html": f'<a href="javascript:{JS}" onclick="{JS}">link</a>',
    "markdown-div": "::: {.synthetic-banner}\nNOT A BANNER\n:::",
    "typst-eval": '#eval("panic()")',
    "typst-read": '#read("/etc/passwd")',
    "typst-raw": '`#eval("panic(\\"raw\\")")`{=typst}',
    "typst-markup": "$x$ @ref <label> // a line ** __ = heading",
    "web-link": "https://evil.example/phish",  # a live link only where the toolkit gives the address
    # text that reads like a style sheet's reference: shown as text, and no reason to refuse the brief (the check
    # of what a page loads read the text too: "would load from the web")
    "css-url": "Forced labour, see url(https://evil.example/x) and @import '//evil.example/a.css'",
    # line breaks to Typst but not to Markdown (NEL, the Unicode line and paragraph separators): a heading, a
    # term list without its colon (a syntax error that stopped the PDF) and a list item, mid-line
    "typst-newline": "Forced labour\x85= Forged heading\x85/ forged term\u2029- forged item\u2028+ forged",
}
# what a page must not hold whatever text reached it, and whether a payload ran
PROBE = """JSON.stringify({
  pwned: !!window.pwned,
  handlers: [...document.querySelectorAll('*')]
      .filter(e => [...e.attributes].some(a => a.name.toLowerCase().startsWith('on'))).length,
  active: document.querySelectorAll('script, iframe, frame, object, embed, form, base, svg').length,
  jslinks: [...document.querySelectorAll('[href], [src], [action], [formaction]')]
      .filter(e => ['href', 'src', 'action', 'formaction']
          .some(n => /^\\s*javascript:/i.test(e.getAttribute(n) || ''))).length,
})"""
CLEAN = {"pwned": False, "handlers": 0, "active": 0, "jslinks": 0}
ALL = " ".join(PAYLOADS.values())
YEARS = range(2015, 2023)


def write_workbook(path: Path, categories: list[str]) -> Path:
    """A GLOTIP-layout workbook: Thailand's detected victims per year, in total and by form (``categories``)."""
    import openpyxl

    from evidence.sources import unodc

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "data_glotip_1"
    sheet.append(["UNODC", "unodc_ddds@un.org"])
    sheet.append(["30/05/2023"])
    sheet.append(list(unodc.HEADER))
    region = ("Asia", "South-eastern Asia")
    indicator = "Detected trafficking victims"
    for i, year in enumerate(YEARS):
        forms = {c: 20 + 7 * j + i for j, c in enumerate(categories)}
        rows = [("Total", "Total", sum(forms.values()))] + [
            ("by form of exploitation", c, v) for c, v in forms.items()
        ]
        for dimension, category, value in rows:
            sheet.append(
                ["THA", "Thailand", *region, indicator, dimension, category, "Total", "Total", year]
                + ["Counts", str(value), "GLOTIP"]
            )
    book.save(path)
    return path


def write_sidecar(data: Path) -> Path:
    sidecar = data.with_name(data.name + ".provenance.json")
    sidecar.write_text(
        json.dumps(
            {
                "title": f"UNODC {PAYLOADS['img']}",
                "release": PAYLOADS["typst-eval"],
                "licence": PAYLOADS["markdown-link"],
                "citation": f"{PAYLOADS['markdown-html']} {PAYLOADS['typst-markup']} {PAYLOADS['web-link']}",
                "url": PAYLOADS["javascript-url"],
            }
        ),
        encoding="utf-8",
    )
    return sidecar


class _Capture:
    """What the toolkit's views display, as notebook outputs."""

    def __init__(self) -> None:
        self.outputs: list[Any] = []

    def __call__(self, *objects: Any, raw: bool = False, **_: Any) -> None:
        for obj in objects:
            if isinstance(obj, dict):
                data = obj
            elif hasattr(obj, "_repr_mimebundle_") and not hasattr(obj, "_repr_markdown_"):
                data = obj._repr_mimebundle_()
            elif type(obj).__name__ == "Markdown":
                data = {"text/markdown": obj.data}
            elif type(obj).__name__ == "SVG":
                data = {"image/svg+xml": obj.data}
            else:
                raise AssertionError(f"unexpected display of {type(obj).__name__}")
            self.outputs.append(new_output("display_data", data=data))


def views_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[dict[str, Any]]]:
    """The trends views on a workbook whose form categories are the payloads (and a sidecar of payloads):
    their outputs, and the provenance the run records."""
    import IPython.display

    from evidence.notebooks import views
    from evidence.presentation.disclosure import suppress_table

    categories = [PAYLOADS[k] for k in ("img", "svg", "iframe", "script", "typst-newline", "css-url")]
    data = write_workbook(tmp_path / "glotip.xlsx", categories)
    write_sidecar(data)
    capture = _Capture()
    monkeypatch.setattr(IPython.display, "display", capture)
    monkeypatch.chdir(tmp_path)
    # the notebooks' start: the heading names the place, here a country parameter no country has
    opened = views.open_notebook(
        [str(data)], 5, heading="## Identified victims, {place}", country=PAYLOADS["svg"]
    )
    (table,) = opened.tables
    views.show_sources(opened)
    views.show_source_heading(table)
    selection = opened.selection(table, country="THA", role="destination", years=(YEARS[0], YEARS[-1]))
    source = views.source_line([table])
    numbers = views.show_yearly_section(
        selection, opened.rule, dimension="form", place=opened.place, source=source
    )
    assert numbers is not None
    views.show_break(numbers)
    views.show_dimension_section(numbers, place=opened.place, source=source)
    # a table's caption, header, row label, note and source
    protected = suppress_table(
        pl.DataFrame({"k": [PAYLOADS["markdown-html"], PAYLOADS["typst-read"]], "n": [120, 80]}), "k", ["n"]
    )
    views.show_table(
        protected,
        caption=PAYLOADS["markdown-link"],
        labels={"k": PAYLOADS["markdown-attributes"]},
        note=PAYLOADS["typst-markup"],
        source=PAYLOADS["markdown-autolink"],
    )
    views.show_table(
        pl.DataFrame({"form": [PAYLOADS["typst-raw"]], "victims": ["120"]}), caption=PAYLOADS["img"]
    )
    return capture.outputs, [table.provenance.to_dict()]


def injected_notebook(outputs: list[Any]) -> Any:
    bare_frame = pl.DataFrame({"category": [PAYLOADS["iframe"], PAYLOADS["markdown-div"]], "n": [40, 50]})
    unescaped = "\n\n".join(f"Unescaped {name}: {text}" for name, text in PAYLOADS.items())
    return new_notebook(
        cells=[
            new_markdown_cell("# Injection test\n\nAuthored prose with " + PAYLOADS["markdown-html"]),
            new_code_cell("views()", outputs=outputs),
            new_code_cell(
                "frame",
                outputs=[
                    new_output(
                        "execute_result",
                        data={"text/html": bare_frame._repr_html_(), "text/plain": "frame"},
                        execution_count=2,
                    )
                ],
            ),
            new_code_cell(
                "display(Markdown(f'... {data_text}'))",  # a notebook that forgot to escape
                outputs=[new_output("display_data", data={"text/markdown": unescaped})],
            ),
            new_code_cell(
                "display(HTML(data_text))",
                outputs=[new_output("display_data", data={"text/html": f"<p>{ALL}</p>"})],
            ),
            new_code_cell(
                f"#| fig-cap: {PAYLOADS['img']} {PAYLOADS['typst-eval']}\nchart",
                outputs=[
                    new_output(
                        "display_data",
                        data={
                            "image/svg+xml": '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">'
                            '<rect width="20" height="20"/></svg>'
                        },
                    )
                ],
            ),
        ]
    )


def write_run(runs_root: Path, notebook: Any, provenance: list[dict[str, Any]]) -> Path:
    folder = runs_root / "trends-injection"
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / "trends.ipynb")
    record = {
        "record_version": 1,
        "run_id": f"trends-{PAYLOADS['img']}",
        "status": "ok",
        "error": None,
        "notebook": {
            "name": "trends",
            "path": "notebooks/trends.ipynb",
            "sha256": "cd" * 32,
            "executed": "trends.ipynb",
        },
        "parameters": {
            "country": PAYLOADS["script"],
            "role": PAYLOADS["markdown-link"],
            "by": PAYLOADS["typst-eval"],
            "year_from": YEARS[0],
            "year_to": YEARS[-1],
            "data": [],
            "disclosure_threshold": 5,
        },
        "data": [],
        "provenance": provenance,
        "toolkit": {"version": PAYLOADS["typst-read"]},
        "timings": {
            "started": "2026-11-28T09:00:00+00:00",
            "ended": PAYLOADS["typst-markup"],
            "seconds": 1.0,
        },
    }
    (folder / "run.json").write_text(json.dumps(record), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder whose brief (HTML, PDF) and index were rendered from payload-laden text."""
    tmp = tmp_path_factory.mktemp("injection")
    with pytest.MonkeyPatch.context() as monkeypatch:
        outputs, provenance = views_outputs(tmp, monkeypatch)
    run = write_run(tmp / "reports" / "runs", injected_notebook(outputs), provenance)
    result = render_run(run, renderer="builtin")
    assert set(result.outputs) == {"html", "pdf"}
    return run


class _Elements(HTMLParser):
    """Every element and attribute of a page, to look for what runs or loads."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]


def dangerous_markup(page: str) -> list[str]:
    parser = _Elements()
    parser.feed(page)
    found = [
        t for t in parser.tags if t in {"script", "iframe", "frame", "object", "embed", "form", "base", "svg"}
    ]
    for tag, name, value in parser.attributes:
        if name.lower().startswith("on") or name.lower() in {"srcdoc", "formaction"}:
            found.append(f"<{tag} {name}>")
        if name.lower() in {"href", "src", "action"} and re.match(
            r"\s*(javascript|vbscript|file):", value, re.IGNORECASE
        ):
            found.append(f"<{tag} {name}={value[:30]}>")
    return found


def test_the_html_brief_holds_no_markup_from_data(rendered: Path) -> None:
    page = (rendered / "brief.html").read_text(encoding="utf-8")
    assert dangerous_markup(page) == []
    assert builtin.content_security_policy(page) == builtin.CONTENT_SECURITY_POLICY
    assert builtin.external_references(page) == []
    # escaped where they entered, the payloads reach the reader as text: in table cells and headers, the
    # sidecar's title and citation, the parameters (title, subtitle), captions, notes
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    for name in ("img", "svg", "iframe", "script", "markdown-html", "typst-read", "typst-raw", "css-url"):
        assert PAYLOADS[name] in text, name
    assert "NOT A BANNER" in text and page.count('class="synthetic-banner"') == 0  # no fake box either
    # REVIEW8 m8: the sidecar's web address is shown, never a link
    assert PAYLOADS["web-link"] in text and not re.search(r"href=[\"']?[^\"'>]*evil\.example", page)


def test_the_index_holds_no_markup_from_data(rendered: Path) -> None:
    page = (rendered.parent.parent / "index.html").read_text(encoding="utf-8")
    assert dangerous_markup(page) == []
    assert builtin.content_security_policy(page) == builtin.CONTENT_SECURITY_POLICY
    assert PAYLOADS["script"] in html.unescape(page)  # the country parameter, as text


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="headless Chromium is not installed")
@pytest.mark.parametrize("with_policy", [True, False], ids=["as rendered", "without its CSP"])
def test_no_payload_runs_in_chromium(rendered: Path, tmp_path: Path, with_policy: bool) -> None:
    """Opened in a browser, the brief runs nothing, with its Content-Security-Policy or (escaping and the
    renderer's filter alone) without it."""
    page = (rendered / "brief.html").read_text(encoding="utf-8")
    if not with_policy:
        page = re.sub(r"<meta http-equiv=\"Content-Security-Policy\"[^>]*>", "", page)
        assert builtin.content_security_policy(page) is None
    path = tmp_path / "brief.html"
    path.write_text(page, encoding="utf-8")
    loaded = load_page(path, probe=PROBE, settle=0.5)
    assert json.loads(loaded.probe) == CLEAN
    assert all(url.startswith(("file:", "data:")) for url in loaded.requests), loaded.requests
    assert PAYLOADS["img"] in loaded.text and PAYLOADS["iframe"] in loaded.text  # shown, as text
    index = load_page(rendered.parent.parent / "index.html", probe=PROBE, settle=0.5)
    assert json.loads(index.probe) == CLEAN


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="headless Chromium is not installed")
def test_the_probe_sees_a_payload_that_runs(tmp_path: Path) -> None:
    """The browser check can fail: the same payloads, unescaped on a page without a policy, do run."""
    path = tmp_path / "unsafe.html"
    path.write_text(f"<html><body>{PAYLOADS['img']}{PAYLOADS['svg']}</body></html>", encoding="utf-8")
    probe = json.loads(load_page(path, probe=PROBE, settle=0.5).probe)
    assert probe["pwned"] is True and probe["handlers"] == 2


def test_the_pdf_shows_the_payloads_as_text(rendered: Path) -> None:
    import typst

    source = rendered / "brief.qmd"
    markup = rendered / "brief-markup.typ"
    markup.write_text(builtin.typst_markup(source), encoding="utf-8")
    assert (rendered / "brief.pdf").read_bytes().startswith(b"%PDF-")  # it compiled: nothing was evaluated
    text = ""
    compiled = typst.Compiler(str(markup), root=str(rendered))  # compiled once, for every query below
    for selector in ("heading", "par", "table", "list", "figure"):
        found = json.loads(compiled.query(selector))
        text += "\n".join(typst_text(element) for element in found) + "\n"
    flat = " ".join(text.split())
    for name in ("img", "script", "typst-eval", "typst-read", "typst-raw", "typst-markup", "markdown-html"):
        assert " ".join(PAYLOADS[name].split()) in flat, name
    # a line break Typst knows and Markdown does not opened a heading (or stopped the PDF): one line of text
    assert " ".join(PAYLOADS["typst-newline"].split()) in flat
    headings = json.loads(compiled.query("heading"))
    assert not [h for h in headings if "orged" in json.dumps(h)], headings
    # REVIEW8 m8: the sidecar's web address is text in the PDF too, not a link (Typst links a bare address)
    assert PAYLOADS["web-link"] in flat
    links = json.loads(compiled.query("link"))
    assert not [link for link in links if "evil.example" in json.dumps(link)], links


# ------------------------------------------------------------------------------------ escaping at the source


@pytest.mark.parametrize("text", list(PAYLOADS.values()) + ["a\nb", "1. item", "- item", "x -- y...", "  "])
def test_escaped_markdown_reads_back_as_the_text(text: str) -> None:
    plain = builtin.pandoc(None, "plain", text=f"Start {escape_markdown(text)} end").strip()
    assert " ".join(plain.split()) == " ".join(f"Start {text} end".split())
    as_html = builtin.pandoc(None, "html5", text=escape_markdown(text))
    assert dangerous_markup(as_html) == [] and "<a " not in as_html


@pytest.mark.parametrize("text", ["a`b", "``x``", "`", "plain", PAYLOADS["typst-raw"]])
def test_code_spans_cannot_be_closed_early(text: str) -> None:
    out = builtin.pandoc(None, "html5", text=f"x {markdown_code(text)} y")
    shown = re.fullmatch(r"<p>x <code>(.*)</code> y</p>\s*", out, re.DOTALL)
    assert shown and html.unescape(shown[1]).strip() == text.strip()


def test_only_web_urls_become_links() -> None:
    assert safe_url("https://www.unodc.org/glotip") == "https://www.unodc.org/glotip"
    assert safe_url("HTTP://example.org/a?b=1&c=2") is not None
    for url in (
        PAYLOADS["javascript-url"],
        " JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "vbscript:x",
        "//evil.example/x",
        "https://",
        "https://a.org/x y",
        'https://a.org/"onmouseover=x',
        None,
        42,
    ):
        assert safe_url(url) is None, url
        assert "](" not in markdown_link(url, "the source")
    url = "https://www.unodc.org/x?a=1&b=(2)"
    out = builtin.pandoc(None, "html5", text=markdown_link(url, "UNODC [GLOTIP]"))
    assert out.strip() == f'<p><a href="{html.escape(url)}">UNODC [GLOTIP]</a></p>'


# ----------------------------------------------------------------------------------------- end to end


@pytest.mark.slow
@pytest.mark.kernel
def test_the_trends_brief_of_a_workbook_with_script_in_its_categories(tmp_path: Path) -> None:
    """The attack as reported: a UNODC category ``<img src=x onerror=…>`` (by form of exploitation) became a
    table header of the trends brief and ran when the brief was opened. Run the packaged notebook on such a
    workbook (and a sidecar whose URL is ``javascript:``), render it and open it."""
    from evidence.runs.execute import run_notebook

    categories = [PAYLOADS["img"], PAYLOADS["svg"], PAYLOADS["iframe"], "Forced labour"]
    data = write_workbook(tmp_path / "glotip.xlsx", categories)
    write_sidecar(data)
    parameters = {
        "country": "THA",
        "role": "destination",
        "by": "form",
        "year_from": YEARS[0],
        "year_to": YEARS[-1],
        "data": [str(data)],
    }
    outcome = run_notebook("trends", parameters, out_root=tmp_path / "reports" / "runs")
    assert outcome.status == "ok", outcome.error
    run = Path(outcome.folder)
    render_run(run, renderer="builtin")
    page = (run / "brief.html").read_text(encoding="utf-8")
    assert dangerous_markup(page) == []
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert PAYLOADS["img"] in text and PAYLOADS["iframe"] in text  # the categories, shown as text
    # no element links to it (the payload's own text, shown as text, may spell it: `&lt;a href="javascript:`)
    assert not re.search(
        r"<[a-z][^<>]*\bhref=\"" + re.escape(PAYLOADS["javascript-url"]), page, re.IGNORECASE
    )
    if chromium_path() is not None:
        loaded = load_page(run / "brief.html", probe=PROBE, settle=0.5)
        assert json.loads(loaded.probe) == CLEAN
        assert PAYLOADS["img"] in loaded.text
    assert (run / "brief.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="headless Chromium is not installed")
def test_a_chart_page_draws_its_labels_as_text(tmp_path: Path) -> None:
    """``save_chart(..., "x.html")`` runs Vega (it is a chart page, not a brief): labels, titles and sources
    from data are drawn as text and run nothing."""
    from evidence.presentation.charts import save_chart, stacked_share_chart

    long = pl.DataFrame(
        {
            "year": [2020, 2020, 2021, 2021],
            "form": [PAYLOADS["script"], PAYLOADS["img"]] * 2,
            "count": [40, 60, 50, 55],
        }
    )
    chart = stacked_share_chart(
        long, "year", "form", "count", title=PAYLOADS["svg"], source=PAYLOADS["iframe"]
    )
    path = save_chart(chart, tmp_path / "chart.html")
    probe = """JSON.stringify({
      pwned: !!window.pwned,
      handlers: [...document.querySelectorAll('*')]
          .filter(e => [...e.attributes].some(a => a.name.toLowerCase().startsWith('on'))).length,
      frames: document.querySelectorAll('iframe, object, embed').length,
      texts: [...document.querySelectorAll('#vega-chart svg text')].map(t => t.textContent),
    })"""
    loaded = load_page(path, probe=probe, settle=1.0)
    found = json.loads(loaded.probe)
    assert (found["pwned"], found["handlers"], found["frames"]) == (False, 0, 0)
    assert loaded.failed == []
    drawn = " ".join(found["texts"])
    for name in ("script", "img", "svg", "iframe"):  # legend labels (cut short by Vega), title, source
        assert PAYLOADS[name][:20] in drawn, name


# ------------------------------------------------------------------------------ what Quarto would execute

#: Text that Quarto runs or resolves before any filter sees the document: an executable code chunk (the engine
#: is chosen from them: Jupyter, or knitr, which evaluates inline R even when execution is off), inline
#: executable code, and shortcodes (``include`` reads a local file into the brief)
QUARTO_PAYLOADS = [
    "```{python}\nimport os; os.system('touch /tmp/pwned')\n```",
    "~~~ {r}\nsystem('touch /tmp/pwned')\n~~~",
    "``` { ojs }\nwindow.pwned = true\n```",
    "The radius is `{python} __import__('os').getcwd()` and `r Sys.getenv()` and `{r} Sys.time()`.",
    "{{< include /etc/passwd >}} {{% env HOME %}} {{< meta title >}}",
]
_EXECUTABLE = re.compile(r"^[\t >]*(?:`{3,}|~{3,})\s*\{\s*[^\s=.#}]|`\{\w+\}|`r[ #]|\{\{[<%]", re.MULTILINE)


def test_no_output_holds_what_quarto_would_execute_or_resolve(tmp_path: Path) -> None:
    """A notebook that displays text from data as Markdown or HTML without escaping it must not hand Quarto a
    code chunk, inline code or a shortcode: the brief's source holds them as text (the built-in renderer never
    executes them; Quarto, which runs before the brief filter, would)."""
    from evidence.briefs.document import build_document

    outputs = [new_output("display_data", data={"text/markdown": p}) for p in QUARTO_PAYLOADS]
    outputs += [
        new_output("display_data", data={"text/html": f"<p>{html.escape(p)}</p><pre>{p}</pre>"})
        for p in QUARTO_PAYLOADS
    ]
    notebook = new_notebook(
        cells=[new_markdown_cell("# Quarto test"), new_code_cell("shown()", outputs=outputs)]
    )
    run = write_run(tmp_path / "runs", notebook, [])
    source = build_document(run).source_text()
    assert _EXECUTABLE.findall(source) == [], source
    # what the reader sees is still the text the notebook displayed
    plain = builtin.pandoc(None, "plain", text=source.split("---\n", 2)[2])
    for text in ("include /etc/passwd", "os.system", "__import__", "Sys.getenv()", "window.pwned = true"):
        assert text in plain, text


def test_the_run_record_holds_nothing_quarto_would_execute_or_resolve(tmp_path: Path) -> None:
    """The run's record is as untrusted as its data: its run id and notebook name, which "About this brief" shows
    in code spans, must not hand Quarto inline code or a shortcode ({{% env NAME %}} would print an environment
    variable into the brief: a code span's backticks do not stop Quarto). Each still reads as written."""
    from evidence.briefs.document import build_document

    notebook = new_notebook(cells=[new_markdown_cell("# Record test"), new_code_cell("x")])
    run = write_run(tmp_path / "runs", notebook, [])
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    run_id = "{{% env HOME %}} and {{< include /etc/passwd >}}"
    record["run_id"] = run_id
    record["notebook"]["name"] = "r Sys.getenv()"
    (run / "run.json").write_text(json.dumps(record), encoding="utf-8")
    source = build_document(run).source_text()
    assert _EXECUTABLE.findall(source) == [], source
    plain = " ".join(builtin.pandoc(None, "plain", text=source.split("---\n", 2)[2]).split())
    assert f"notebook r Sys.getenv() (run {run_id})" in plain


def test_a_figures_description_holds_nothing_quarto_would_resolve(tmp_path: Path) -> None:
    """A figure's description (its fig-alt and alt attributes: the cell's caption, else the chart's own title,
    which names the place a notebook was opened for: any text through the Python API) must not hand Quarto a
    shortcode or inline code in the brief's source; the HTML's alt text still reads as written."""
    from evidence.briefs.document import build_document

    titled = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" aria-label="Title text '
        '\'Victims per year, {{% env HOME %}} `r x`\'"><rect width="20" height="20"/></svg>'
    )
    plain_svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="20" height="20"/></svg>'
    )
    notebook = new_notebook(
        cells=[
            new_markdown_cell("# Figure test"),
            new_code_cell("chart", outputs=[new_output("display_data", data={"image/svg+xml": titled})]),
            new_code_cell(
                "#| fig-cap: Routes into {{< include /etc/passwd >}}\nchart",
                outputs=[new_output("display_data", data={"image/svg+xml": plain_svg})],
            ),
        ]
    )
    run = write_run(tmp_path / "runs", notebook, [])
    source = build_document(run).source_text()
    assert _EXECUTABLE.findall(source) == [], source
    render_run(run, renderer="builtin", formats="html")
    page = (run / "brief.html").read_text(encoding="utf-8")
    alts = [html.unescape(a) for a in re.findall(r'<img[^>]* alt="([^"]*)"', page)]
    assert (
        "Victims per year, {{% env HOME %}} `r x`" in alts
        and "Routes into {{< include /etc/passwd >}}" in alts
    )


def test_an_output_cannot_rewrite_the_briefs_metadata(tmp_path: Path) -> None:
    """A YAML block in a notebook's computed Markdown (``---`` after a blank line opens one anywhere, for
    pandoc) overrode the brief's title, language, run and ``brief.demo`` (the synthetic-data warning at the
    top of every PDF page); it is shown as text after a rule, and a rule stays a rule."""
    forged = "---\ntitle: Forged title\nlang: xx\nbrief:\n  demo: false\n  run: forged-run\n---"
    shown = f"Before\n\n{forged}\n\nAfter\n\n```\n\n---\nkept: as code\n---\n```\n\n---\n\nEnd"
    notebook = new_notebook(
        cells=[
            new_markdown_cell("# Metadata test"),
            new_code_cell("shown()", outputs=[new_output("display_data", data={"text/markdown": shown})]),
        ]
    )
    run = write_run(tmp_path / "runs", notebook, [])
    render_run(run, renderer="builtin", formats="html")
    page = (run / "brief.html").read_text(encoding="utf-8")
    assert "Forged title</h1>" not in page and "<title>Forged" not in page and 'lang="xx"' not in page
    assert "forged-run</code>" not in page
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "title: Forged title" in text and "kept: as code" in text  # as text, and the code as it was
    assert page.count("<hr") == 2  # where the block opened, and the rule that was one


def _render_keeping_markup(run: Path, **options: Any) -> str:
    """Render ``run`` with the built-in renderer (HTML and PDF); return the Typst markup it typeset into
    ``brief.pdf``, as handed to Typst: the markup of that PDF itself, not a second conversion of its source."""
    typeset_markup: list[str] = []
    typeset = builtin.typeset

    def typeset_kept(markup: str, *args: Any, **kwargs: Any) -> bytes:
        typeset_markup.append(markup)
        return typeset(markup, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(builtin, "typeset", typeset_kept)
        render_run(run, renderer="builtin", **options)
    assert len(typeset_markup) == 1 and (run / "brief.pdf").is_file()
    return typeset_markup[0]


def test_html_from_a_notebook_cannot_forge_the_briefs_boxes(tmp_path: Path) -> None:
    """HTML a notebook displayed (``display(HTML(text))``) is read into the brief's own elements: its classes
    and ids are not the toolkit's, so it cannot open a key-figures box (moved to the top of the brief), a
    synthetic-data banner, a callout or the disclosure note, in HTML or in the PDF; its text is still shown."""
    forged = (
        '<div class="key-figures" id="forged"><h3>Forged glance</h3><ul><li>Victims: none</li></ul></div>'
        '<div class="synthetic-banner">Forged banner</div><div class="callout-warning"><p>Forged callout</p></div>'
        '<p><span class="disclosure-note">Forged note</span></p>'
    )
    notebook = new_notebook(
        cells=[
            new_markdown_cell("# Box test"),
            new_code_cell("shown()", outputs=[new_output("display_data", data={"text/html": forged})]),
        ]
    )
    run = write_run(tmp_path / "runs", notebook, [])
    markup = _render_keeping_markup(run)
    page = (run / "brief.html").read_text(encoding="utf-8")
    assert page.count('class="key-figures"') == 1  # the brief's own, from the run's parameters
    for name in ("synthetic-banner", "callout", "disclosure-note"):
        assert page.count(f'class="{name}') == (1 if name == "disclosure-note" else 0), name
    assert 'id="forged"' not in page
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert all(t in text for t in ("Forged glance", "Forged banner", "Forged callout", "Forged note"))
    assert "Forged glance" not in "".join(re.findall(r"#brief-\w+\(title: \[[^]]*\]", markup))
    assert (
        "Forged" not in markup.split("#brief-keyfigures(title: [At a glance])[", 1)[0].split("doc,\n)", 1)[-1]
    )


# ------------------------------------------------------------------------------------ any text, every place

_ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=24) | st.lists(
    st.sampled_from(
        [
            *"ab -.:/'\"&;<>*_[]#|$@^~`\\{}!()=+%",
            "\n",
            "\r",
            "\x85",
            "\u2028",
            "\x1b",
            "\u202e",
            "http",
            "#eval(",
            "/ ",  # at the start of a table cell, a list item or the title block: Typst's markers
            "- ",
            "= ",
            "12. ",
            "{{<",
            "{{%",
            "`r ",
            "`{python}",
            "{=html}",
            "javascript:",
            "url(//",
            "<img src=x onerror=y>",
            "</script>",
            "datum['x']",
            "@ref",
        ]
    ),
    max_size=12,
).map("".join)


def _shown(text: str) -> str:
    """What a reader is shown of ``text``: one line, without controls or invisible format characters."""
    from evidence.presentation.markup import strip_unsafe_format

    flat = re.sub(r"[\r\n\u2028\u2029\x0b\x0c\x85]", " ", strip_unsafe_format(text))
    return re.sub(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]", "", flat)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=_ANY_TEXT)
def test_any_text_anywhere_in_a_brief_is_shown_as_itself_and_runs_nothing(text: str) -> None:
    """The rule every brief keeps, for any text in every place untrusted text reaches one: a table's caption,
    header, cells and notes, a label and escaped prose in the notebook's text, a figure's caption, the run's
    parameters, its record (run, toolkit) and its sources' provenance (title, release, licence, citation, URL).
    The HTML page and the index hold no element, handler or reference from it, nothing the page loads, and show
    it as text; the PDF compiles (its Typst evaluated nothing from it) and shows it as text."""
    import tempfile

    import typst

    from evidence.presentation.markup import data_label
    from evidence.presentation.tables import TableData

    table = TableData.from_cells([text, "n"], [[text, "120"]], caption=text, notes=[text])
    one_line = _shown(text)
    outputs = [
        new_output("display_data", data=table.bundle()),
        new_output(
            "display_data", data={"text/markdown": f"Label {data_label(text)} and {escape_markdown(text)}."}
        ),
    ]
    figure = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="20" height="20"/></svg>'
    )
    notebook = new_notebook(
        cells=[
            new_markdown_cell("# Any text"),
            new_code_cell("views()", outputs=outputs),
            new_code_cell(
                f"#| fig-cap: {' '.join(one_line.split())}\nchart",
                outputs=[new_output("display_data", data={"image/svg+xml": figure})],
            ),
        ]
    )
    source = {"title": text, "release": text, "licence": text, "citation": text, "url": text, "source": text}
    with tempfile.TemporaryDirectory() as tmp:
        run = write_run(Path(tmp) / "reports" / "runs", notebook, [source])
        record = json.loads((run / "run.json").read_text(encoding="utf-8"))
        record.update(run_id=text, toolkit={"version": text})
        record["parameters"].update(country=text, role=text, by=text)
        (run / "run.json").write_text(json.dumps(record), encoding="utf-8")
        typst_markup = _render_keeping_markup(run, check_disclosure=False)
        # nor does the brief's source hand Quarto, which reads it before any filter, anything to run or resolve
        assert _EXECUTABLE.findall((run / "brief.qmd").read_text(encoding="utf-8")) == []
        page = (run / "brief.html").read_text(encoding="utf-8")
        index = (run.parent.parent / "index.html").read_text(encoding="utf-8")
        for html_page in (page, index):
            assert dangerous_markup(html_page) == []
            assert builtin.external_references(html_page) == []
            assert builtin.content_security_policy(html_page) == builtin.CONTENT_SECURITY_POLICY
        shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
        said = " ".join(f"Label {one_line} and {one_line}.".split())
        assert said in shown
        markup = run / "brief-markup.typ"
        markup.write_text(typst_markup, encoding="utf-8")
        typeset = ""
        compiled = typst.Compiler(str(markup), root=str(run))  # compiled once, for both queries
        for selector in ("par", "table"):
            found = json.loads(compiled.query(selector))
            typeset += " ".join(typst_text(element) for element in found) + " "
        assert said in " ".join(typeset.split())
        assert (run / "brief.pdf").read_bytes().startswith(b"%PDF-")
