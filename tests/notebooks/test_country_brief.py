"""The country brief on the real shared files together (CTDC k-anonymised sample, UNODC GLOTIP 2023, GSI 2023, TIP
tiers): Thailand as destination and as origin, Cambodia as origin; and on the demo data, where every section has
data. Each UNODC number checked here is recomputed from the workbook's sheet (read as openpyxl reads it), not
with the toolkit's loader.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from evidence.presentation.tables import TABLE_MIME, TableData

pytestmark = [pytest.mark.slow, pytest.mark.kernel]

BRIEFS = {
    "THA-destination": ("THA", "destination"),
    "THA-origin": ("THA", "origin"),
    "KHM-origin": ("KHM", "origin"),
}


@pytest.fixture(scope="module")
def real_files(shared_data: Path) -> list[str]:
    return [
        str(shared_data / "ctdc" / "k_anon_sample.csv"),
        str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"),
        str(shared_data / "walkfree" / "gsi_2023.xlsx"),
        str(shared_data / "tip" / "tip_tiers_1999_2015.csv"),
    ]


@pytest.fixture(scope="module")
def briefs(real_files, tmp_path_factory) -> dict[str, Path]:
    from evidence.briefs.render import render_run
    from evidence.runs.execute import run_notebook

    out_root = tmp_path_factory.mktemp("briefs") / "runs"
    folders = {}
    for name, (iso3, role) in BRIEFS.items():
        outcome = run_notebook(
            "country_brief", {"country": iso3, "role": role, "data": real_files}, out_root=out_root
        )
        assert outcome.status == "ok", outcome.error
        folders[name] = Path(outcome.folder)
        render_run(folders[name], formats="html" if name != "THA-destination" else "all")
    return folders


def _notebook(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "country_brief.ipynb").read_text(encoding="utf-8"))


def _text(folder: Path) -> str:
    parts = []
    for cell in _notebook(folder)["cells"]:
        if cell["cell_type"] == "markdown":
            parts.append("".join(cell["source"]))
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", out.get("evalue")
            for mime, value in out.get("data", {}).items():
                if mime in ("text/markdown", "text/html", "image/svg+xml"):  # the charts' titles too
                    parts.append("".join(value) if isinstance(value, list) else str(value))
    return "\n".join(parts)


def _tables(folder: Path) -> list[TableData]:
    found = []
    for cell in _notebook(folder)["cells"]:
        for out in cell.get("outputs", []):
            if TABLE_MIME in out.get("data", {}):
                found.append(TableData.from_json(out["data"][TABLE_MIME]))
    return found


def _table(folder: Path, caption: str, after: str | None = None) -> dict[str, dict[str, str]]:
    """The first table of that caption (after the table whose caption is ``after``), as {first cell: row}."""
    tables = _tables(folder)
    if after is not None:
        tables = tables[[t.caption for t in tables].index(after) + 1 :]
    table = next(t for t in tables if t.caption == caption)
    headers = [c.header for c in table.columns]
    return {row[0]: dict(zip(headers, row, strict=True)) for row in table.rows}


@pytest.fixture(scope="module")
def workbook_rows(real_files) -> tuple[Mapping[str, Any], ...]:
    """The UNODC workbook's rows (~46,000) after its header, read once from the sheet's XML, each read-only."""
    rows = iter(_sheet_rows(real_files[1]))
    header = next(r for i, r in enumerate(rows) if i == 2)  # UNODC, the release date, then the header
    return tuple(MappingProxyType(dict(zip(header, r, strict=False))) for r in rows)


#: A cell of the UNODC sheet as the release writes every one of them: its reference, a style, a type (``s`` a
#: shared string, ``str`` a formula's text; none: a number), a formula, and the value.
_CELL = re.compile(r'<c r="([A-Z]+)(\d+)"(?: s="\d+")?(?: t="(s|str)")?>(<f>[^<]*</f>)?<v>([^<]*)</v></c>')


def _sheet_rows(path: str) -> list[tuple[Any, ...]]:
    """The first sheet's rows as openpyxl reads them (``load_workbook(read_only=True)``, ``iter_rows(values_only=
    True)``): a shared string as its text, a number as an int (a float if written with a point or an exponent),
    a formula as ``=`` and its text (not its cached value), every row as wide as the sheet's dimension (None
    where no cell; a row with no cell all None). One regular expression over the sheet's cells instead of openpyxl's parse of the
    XML: on this release, every row equal to openpyxl's (compared whole, every cell), 0.8 CPU-s of its 2.2. A
    cell written otherwise (a date's style, an inline string, an error, a cell without value) does not match:
    the count of cells then differs and the read stops, rather than read a cell otherwise than openpyxl."""
    import zipfile
    from xml.etree import ElementTree
    from xml.sax.saxutils import unescape

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(path) as book:
        shared = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
        xml = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    # a shared string's text: its runs' (phonetic runs none here: checked by the comparison with openpyxl)
    strings = ["".join(t.text or "" for t in si.iter(f"{main}t")) for si in shared.iter(f"{main}si")]
    dimension = re.search(r'<dimension ref="A1:([A-Z]+)(\d+)"/>', xml)
    assert dimension is not None, "the sheet says no dimension"
    width, height = _column(dimension[1]), int(dimension[2])
    cells = _CELL.findall(xml)
    assert len(cells) == xml.count("<c "), "a cell of the sheet is written otherwise than the reader reads"
    rows: list[list[Any]] = [[None] * width for _ in range(height)]
    for letters, row, kind, formula, text in cells:
        if formula:
            value: Any = "=" + unescape(formula[len("<f>") : -len("</f>")], {"&quot;": '"', "&apos;": "'"})
        elif kind == "s":
            value = strings[int(text)]
        elif kind == "str":
            value = unescape(text, {"&quot;": '"', "&apos;": "'"})
        else:
            value = float(text) if "." in text or "E" in text or "e" in text else int(text)
        rows[int(row) - 1][_column(letters) - 1] = value
    return [tuple(row) for row in rows]


def _column(letters: str) -> int:
    """A column's number (A is 1) from its letters."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _published(values: list[str]) -> str:
    """The range a reader sees for a sum of published cells (``<5`` is 1 to 4)."""
    low = sum(1 if v == "<5" else int(v.replace(",", "")) for v in values)
    high = sum(4 if v == "<5" else int(v.replace(",", "")) for v in values)
    if len(values) == 1 and values[0] == "<5":
        return "<5"
    return f"{low:,}" if low == high else f"{low:,}–{high:,}"


def _years(folder: Path) -> tuple[int, int]:
    parameters = json.loads((folder / "run.json").read_text())["parameters"]
    return parameters["year_from"], parameters["year_to"]


def test_every_brief_ran_and_rendered(briefs):
    for name, folder in briefs.items():
        assert (folder / "brief.html").is_file(), name
    assert (briefs["THA-destination"] / "brief.pdf").read_bytes().startswith(b"%PDF-")


def test_detected_victims_in_thailand_are_the_workbooks(briefs, workbook_rows):
    folder = briefs["THA-destination"]
    first, last = _years(folder)
    rows = workbook_rows
    totals = {
        int(r["Year"]): str(r["txtVALUE"])
        for r in rows
        if r["Iso3_code"] == "THA"
        and r["Indicator"] == "Detected trafficking victims"
        and (r["Dimension"], r["Sex"], r["Age"]) == ("Total", "Total", "Total")
    }
    shown = _table(folder, "Detected victims per year, Thailand as country of destination")
    checked = 0
    for year, value in totals.items():
        if first <= year <= last:
            assert shown[str(year)]["Detected victims"] == _published([value]), year
            checked += 1
    assert checked >= 10
    total = [v for y, v in totals.items() if first <= y <= last]
    assert shown["Total"]["Detected victims"] == _published(total)
    # by citizenship: Myanmar (written "Myanmar" or "Burmese") → Thailand over the brief's years
    myanmar = [
        str(r["txtVALUE"])
        for r in rows
        if r["Iso3_code"] == "THA"
        and r["Indicator"] == "Detected trafficking victims"
        and (r["Dimension"], r["Sex"], r["Age"]) == ("by citizenship", "Total", "Total")
        and r["Category"] in ("Myanmar", "Burmese")
        and first <= int(r["Year"]) <= last
    ]
    routes = _table(
        folder,
        "Detected victims by route and class of route (UN regions)",
        after="Detected victims per year by age, Thailand as country of destination",
    )
    assert routes["Myanmar → Thailand"]["Sum of the citizenship breakdown"] == _published(myanmar)
    # the breakdown's sum is set beside UNODC's own total, never called the victims
    text = " ".join(_text(folder).split())
    assert re.search(r"The citizenship breakdown of \S+ sums to", text), text
    assert "total of the victims detected in Thailand in" in text


def test_thai_nationals_detected_abroad_are_the_workbooks(briefs, workbook_rows):
    folder = briefs["THA-origin"]
    first, last = _years(folder)
    rows = workbook_rows
    japan = [
        str(r["txtVALUE"])
        for r in rows
        if r["Iso3_code"] == "JPN"
        and r["Indicator"] == "Detected trafficking victims"
        and (r["Dimension"], r["Sex"], r["Age"]) == ("by citizenship", "Total", "Total")
        and r["Category"] in ("Thailand", "Thai")
        and first <= int(r["Year"]) <= last
    ]
    routes = _table(folder, "Detected victims by route and class of route (UN regions)")
    assert japan and routes["Thailand → Japan"]["Sum of the citizenship breakdown"] == _published(japan)


def test_nationals_detected_abroad_get_a_trend_from_their_steady_reporters(briefs):
    # every year of Thailand's nationals misses some reporting country: the trend is fitted on the countries
    # that reported in full every year of a window and contribute to it, named, and the gaps said once; the
    # break section says its break is the panel's. Cambodia's only contributing reporter is Thailand: no panel
    khm = re.sub(r"<[^>]+>", "", " ".join(_text(briefs["KHM-origin"]).split()))
    assert "complete citizenship breakdown every year of" not in khm
    for name in ("THA-origin",):
        text = re.sub(r"<[^>]+>", "", " ".join(_text(briefs[name]).split()))
        assert re.search(
            r"countries that published a complete citizenship breakdown every year of \d{4}–\d{4}", text
        )
        assert "Too few complete years with detected victims" not in text, name
        assert "no full citizenship breakdown listing these nationals from" not in text, (
            name
        )  # no reason per year
        assert (
            "in the number of victims detected by these countries" in text
            or "victims detected by these countries each year" in text
        )
        assert "Steady reporters' detected victims" in text  # the panel's chart
        assert "or more of these nationals in most of them" in text


def test_thailands_gsi_figures_and_tier_appear(briefs):
    text = _text(briefs["THA-destination"])
    assert "401,000" in text and "5.74" in text
    gsi = _table(briefs["THA-destination"], "Thailand in the Global Slavery Index")
    assert gsi["Estimated number of people in modern slavery"]["Thailand"] == "401,000"
    assert "Tier 3" in text and "US TIP Report tier of Thailand" in text


def test_an_unused_source_is_not_cited(briefs):
    from evidence.briefs.document import build_document, sources_section

    folder = briefs["THA-origin"]  # the CTDC sample holds no Thai nationals
    provenance = json.loads((folder / "run.json").read_text())["provenance"]
    cited = {p["source"]: p["cited"] for p in provenance}
    assert cited == {"ctdc": False, "unodc_glotip": True, "walkfree_gsi": True, "us_tip_tiers": True}
    document = build_document(folder)
    assert "CTDC" not in sources_section(document.provenance)
    for table in document.tables:
        assert not any("CTDC" in note for note in table.notes), table.caption
    for name, svg in document.figures.items():
        assert b"CTDC" not in svg, name
    html = (folder / "brief.html").read_text(encoding="utf-8")
    sources = html[html.index("Sources and citations") :]
    assert "CTDC" not in sources and "UNODC GLOTIP" in sources
    # it is named once, with the years it does hold, so a reader knows it was considered
    assert "Not used, because it holds nothing for Thailand as country of origin" in _text(folder)


def test_wording_never_leaks_internals(briefs):
    for folder in briefs.values():
        html = (folder / "brief.html").read_text(encoding="utf-8")
        for internal in ("global_synthetic", "k_anonymised", "glotip_xlsx", "CTDC unknown", "n.d.."):
            assert internal not in html, (folder.name, internal)
        if "&lt;5" in html:
            assert "fewer than 5" in html
        assert not re.search(r"not recorded in these data \(", html)


def test_cambodia_as_origin(briefs):
    folder = briefs["KHM-origin"]
    text = _text(folder)
    # Cambodia's authorities publish no count of their own nationals: the section says whose counts these are
    assert "Nationals of Cambodia detected abroad" in text and "detected abroad or at home" not in text
    assert (
        "These are nationals of Cambodia detected by other countries (Thailand detects most of them" in text
    )
    routes = _table(folder, "Identified victims by route and class of route (UN regions)")
    assert "Cambodia → Thailand" in routes


@pytest.mark.browser
def test_the_multi_source_brief_draws_every_chart_offline(briefs):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "briefs"))
    from _chromium import chromium_path, ink_share, load_page

    if chromium_path() is None:
        pytest.skip("headless Chromium is not installed")
    folder = briefs["THA-destination"]
    figures = len(list((folder / "brief-figures").iterdir()))
    page = load_page(folder / "brief.html", height=3000)
    assert page.failed == []
    assert all(url.startswith(("file:", "data:")) for url in page.requests), page.requests
    assert figures >= 10 and len(page.images) == figures
    assert all(image["complete"] and image["width"] > 0 for image in page.images), page.images
    share, colours = ink_share(page.screenshot)
    assert share > 0.02 and colours > 20


def test_the_demo_brief_shows_every_section(tmp_path, monkeypatch):
    from evidence.runs.execute import run_notebook

    monkeypatch.delenv("EVIDENCE_DATA", raising=False)
    outcome = run_notebook("country_brief", {"country": "THA"}, out_root=tmp_path)
    assert outcome.status == "ok", outcome.error
    folder = Path(outcome.folder)
    text = _text(folder)
    captions = {t.caption for t in _tables(folder)}
    assert {
        "The data of this brief",
        "What the sources say about Thailand",
        "Identified victims and their routes",
        "Detected victims per year, Thailand as country of destination",
        "Thailand in the Global Slavery Index",
        "Thailand and its neighbours",
    } <= captions
    assert "Not shown:" not in text and "Nothing to set side by side" not in text
    assert "Synthetic demo data" in text
    record = json.loads((folder / "run.json").read_text())
    assert all(p["demo"] for p in record["provenance"]) and len(record["provenance"]) == 4


@pytest.mark.parametrize("threshold", [10, 11])
def test_a_real_data_brief_builds_at_ctdcs_thresholds(real_files, tmp_path, threshold):
    # review finding 2: at 11 (CTDC's k) the scan read the model's "10 points higher" as 10 people and
    # refused the brief; the step is marked as a parameter, the counts of people are still scanned
    from evidence.briefs.render import render_run
    from evidence.runs.execute import run_notebook

    parameters = {
        "country": "THA",
        "role": "destination",
        "data": real_files,
        "disclosure_threshold": threshold,
    }
    outcome = run_notebook("country_brief", parameters, out_root=tmp_path / "runs")
    assert outcome.status == "ok", outcome.error
    folder = Path(outcome.folder)
    render_run(folder, formats="html")
    text = _text(folder)
    assert 'is <span data-kind="parameter">10</span> points higher' in text
    assert (folder / "brief.html").is_file()


def test_a_yearly_chart_with_one_year_to_draw_is_not_drawn(real_files, tmp_path):
    """Brunei Darussalam's detected victims 2011–2020: 6 in 2011, every other published year <5. The chart drew
    a single point ("6 values ... not drawn"): a chart with no line. As for a single year, the table says it."""
    from evidence.runs.execute import run_notebook

    unodc = [f for f in real_files if f.endswith(".xlsx") and "glotip" in f]
    outcome = run_notebook(
        "country_brief", {"country": "BRN", "role": "destination", "data": unodc}, out_root=tmp_path
    )
    assert outcome.status == "ok", outcome.error
    folder = Path(outcome.folder)
    text = _text(folder)
    rows = _table(folder, "Detected victims per year, Brunei Darussalam as country of destination")
    assert rows["2011"]["Detected victims"] == "6" and rows["2020"]["Detected victims"] == "<5"
    # the chart's title, in no chart drawn (the table's caption says the same words)
    drawn = [
        "".join(value) if isinstance(value, list) else str(value)
        for cell in _notebook(folder)["cells"]
        for out in cell.get("outputs", [])
        for mime, value in out.get("data", {}).items()
        if mime == "image/svg+xml"
    ]
    assert not any("Detected victims per year, Brunei Darussalam" in svg for svg in drawn)
    assert not list((folder / "figures").glob("trend_*.svg"))
    assert "No chart of detected victims per year: only 2011 has a number that can be drawn" in text
