"""An executed run, turned into the source of a brief: one Markdown document that Quarto and the built-in
renderer both read.

What goes in (:func:`build_document`)
    The run's executed notebook and its ``run.json``. Markdown cells are kept as they are (so notebooks write
    callouts as fenced divs, ``::: {.callout-note}``, which both renderers style). Of each code cell only what
    it *displays* is kept: a table's data (:data:`~evidence.presentation.tables.TABLE_MIME`, which
    ``show_table`` displays: the brief's table is written from them, every text escaped), an image (SVG, PNG,
    JPEG), a Vega-Lite chart (drawn to SVG offline with vl-convert), Markdown, or HTML (an HTML table, such
    as a bare polars frame's, is read into a table; other HTML is left to the renderers, whose filter keeps
    only what it can turn into the brief's own elements). Code, printed text, plain-text reprs, warnings and
    tracebacks never reach a brief. A cell is left out entirely when it
    is the ``parameters``/``injected-parameters`` cell, is tagged ``remove-cell``/``remove-output`` or says
    ``#| include: false`` or ``#| output: false`` (Quarto's cell options, honoured here too).

What comes out (:class:`BriefDocument`)
    Title (the notebook's first level-1 heading, else its name), a subtitle from the parameters, the run date,
    then the body: a loud banner when any data are the toolkit's synthetic demo data, a key-figures box (the
    notebook's own ``::: {.key-figures}`` div, which the renderers move to the top, else one built from the
    parameters and data releases), the notebook's findings, then "Sources and citations" (from the run's
    provenance) and "About this brief" (disclosure control, how it was made). :meth:`BriefDocument.write`
    writes ``brief.qmd`` and its figures (``brief-figures/``) into a folder.

Untrusted text
    Parameters, provenance (a sidecar's title, release, licence, citation, URL) and the run's record are data,
    not markup: every such string is escaped where it enters the Markdown
    (:func:`~evidence.presentation.markup.escape_markdown`, :func:`~evidence.presentation.markup.markdown_code`),
    and a URL becomes a link only when it is ``http(s)`` (:func:`~evidence.presentation.markup.safe_url`) and
    one the toolkit's own source metadata gives (:func:`~evidence.sources.metadata.known_urls`).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from html.parser import HTMLParser
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

import yaml

# the folder beside the source holding the brief's figures (not ``brief_files``: Quarto owns and deletes that)
from evidence.briefs.builtin import FIGURES_DIR
from evidence.core.atomic import atomic_directory, write_text
from evidence.core.errors import InputError
from evidence.presentation.disclosure import (
    COLUMN_KIND_ATTRIBUTE,
    KIND_ATTRIBUTE,
    NUMBER_KINDS,
    DisclosureRule,
)
from evidence.presentation.markup import escape_markdown, markdown_code, markdown_link
from evidence.presentation.tables import TABLE_MIME, TableData
from evidence.sources.provenance import LIST_CAPTURE

__all__ = ["FIGURES_DIR", "BriefDocument", "build_document", "escape_markdown"]

if TYPE_CHECKING:
    from evidence.runs.record import RunRecord

#: The Markdown source of a brief, written into the run folder (Quarto renders it as it is).
SOURCE_FILE = "brief.qmd"

_REMOVE_TAGS = frozenset(
    {"parameters", "injected-parameters", "remove-cell", "remove_cell", "remove-output", "remove_output"}
)
_CELL_OPTION = re.compile(r"^\s*#\|\s*([\w-]+)\s*:\s*(.*?)\s*$")
_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
_VEGALITE = re.compile(r"^application/vnd\.vegalite\.v(\d+)(?:\.\d+)*\+json$")
_IMAGE_TYPES = {"image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}
# the width of the brief's text column in CSS pixels (46rem in brief.css; about the same on an A4 page)
_COLUMN_PIXELS = 736


@dataclasses.dataclass(frozen=True)
class BriefDocument:
    """The source of one brief: front matter, a Markdown body and the figure files the body refers to."""

    title: str
    subtitle: str
    date: str
    body: str
    figures: dict[str, bytes]
    run_id: str
    notebook: str
    parameters: dict[str, Any]
    provenance: list[dict[str, Any]]
    demo: bool
    synthetic: bool
    #: what the notebook computed and displayed as Markdown or HTML (not its tables), apart from its authored
    #: prose: with :attr:`tables`, what disclosure control checks
    displayed: str = ""
    #: the tables the notebook displayed, as written into the brief
    tables: tuple[TableData, ...] = ()

    def front_matter(self) -> dict[str, Any]:
        """YAML metadata read by both renderers (``brief`` holds what the index and templates need)."""
        # pandoc reads every string of the metadata as Markdown: each is escaped (all are plain text)
        return {
            "title": escape_markdown(self.title),
            "subtitle": escape_markdown(self.subtitle),
            "date": escape_markdown(self.date),
            "lang": "en",
            "brief": {
                "run": escape_markdown(self.run_id),
                "notebook": escape_markdown(self.notebook),
                "demo": self.demo,
                "synthetic": self.synthetic,
            },
        }

    def source_text(self) -> str:
        """The whole ``brief.qmd``: YAML front matter, then the body."""
        meta = yaml.safe_dump(self.front_matter(), sort_keys=False, allow_unicode=True, width=1000)
        return f"---\n{meta}---\n\n{self.body.strip()}\n"

    def write(self, folder: str | Path) -> Path:
        """Write ``brief.qmd`` and ``brief-figures/`` into ``folder`` (each atomically); return the source."""
        folder = Path(folder)
        with atomic_directory(folder / FIGURES_DIR) as tmp:
            for name, data in self.figures.items():
                (tmp / name).write_bytes(data)
        return write_text(folder / SOURCE_FILE, self.source_text())


def build_document(run_dir: str | Path) -> BriefDocument:
    """Read a successful run folder (its ``run.json`` and executed notebook) into a brief's source."""
    import nbformat

    from evidence.runs.record import load_record

    run_dir = Path(run_dir)
    record = load_record(run_dir)
    if not record.ok:
        raise InputError(
            f"the run did not succeed ({record.error or 'status ' + repr(record.status)}); "
            "a brief is made only from a successful run",
            path=run_dir,
        )
    executed = run_dir / record.notebook.executed
    # the record is the folder's (untrusted: a run folder may come from elsewhere): its notebook is read from
    # the folder itself, never from another path it names or a link in it points at (another run's findings
    # would be published here)
    inside = run_dir.resolve()
    if not executed.is_file() or executed.resolve().parent != inside:
        found = sorted(p for p in run_dir.glob("*.ipynb") if p.is_file() and p.resolve().parent == inside)
        if len(found) != 1:
            raise InputError("cannot tell which executed notebook the run holds", path=run_dir)
        executed = found[0]
    try:
        notebook = nbformat.read(executed, as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types for a damaged file
        raise InputError(f"cannot read the executed notebook: {exc}", path=executed) from exc

    from evidence.notebooks.runtime import read_resolved

    # as the run resolved them where it did (bootstrap_runs 0 → "auto (11 runs)"): what readers see
    parameters = {**record.parameters, **read_resolved(run_dir)}
    provenance = [p for p in record.provenance if "error" not in p]
    # the demo file given to the run counts too, should the notebook not have recorded what it loaded
    demo = any(p.get("demo") for p in provenance) or _ran_on_demo_file(record)
    # of the sources the brief cites: a synthetic file given but not used (CTDC's Victim–Perpetrator file in a
    # country brief) does not make the brief one of synthetic records
    synthetic = any(p.get("synthetic") for p in _unique_sources(provenance))

    figures: dict[str, bytes] = {}
    displayed: list[str] = []
    tables: list[TableData] = []
    parts = _notebook_parts(notebook, figures, displayed, tables)
    title, parts = _take_title(parts, fallback=_humanise(record.notebook.name or executed.stem))
    if (country := country_of(parameters)) and country.lower() not in title.lower():
        # "Country brief" of a parameterised notebook → "Country brief: Thailand"; a title with a colon of its
        # own takes a dash ("Causes and consequences: for the person and for society — Thailand", not ": Thailand")
        title = f"{title} — {country}" if ":" in title else f"{title}: {country}"
    elif not country and (data := dataset_names(parameters, provenance)):
        # a notebook about a dataset: "Hidden population: multiple systems estimation — Netherlands presumed
        # victims of trafficking 2010-2015"
        title = f"{title} — {data}"
    findings = "\n\n".join(p for p in parts if p.strip())

    blocks = []
    if demo:
        blocks.append(demo_banner(provenance))
    if ".key-figures" not in findings:
        blocks.append(glance_box(parameters, provenance))
    blocks.append(findings)
    blocks.append(sources_section(provenance))
    blocks.append(about_section(record, parameters))
    return BriefDocument(
        title=title,
        subtitle=describe_parameters(parameters),
        date=_run_date(record),
        body="\n\n".join(b.strip() for b in blocks if b.strip()) + "\n",
        figures=figures,
        run_id=record.run_id or run_dir.name,
        notebook=record.notebook.name or executed.stem,
        parameters=parameters,
        provenance=provenance,
        demo=demo,
        synthetic=synthetic,
        displayed="\n\n".join(displayed),
        tables=tuple(tables),
    )


def _ran_on_demo_file(record: RunRecord) -> bool:
    from evidence.sources.demo import demo_file

    demo = demo_file().resolve()  # where the demo data live (without generating them)
    return any(Path(d.path).resolve() == demo for d in record.data if d.path)


# ------------------------------------------------------------------------------------------- notebook cells


def _notebook_parts(
    notebook: Any, figures: dict[str, bytes], displayed: list[str], tables: list[TableData]
) -> list[str]:
    """Markdown cells and the displayed outputs of code cells, in order, as Markdown fragments (the tables
    displayed are also appended to ``tables``, the other outputs' text to ``displayed``)."""
    parts: list[str] = []
    for index, cell in enumerate(notebook.cells):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & _REMOVE_TAGS:
            continue
        if cell.cell_type == "markdown":
            parts.append(_markdown_cell(cell, index, figures))
        elif cell.cell_type == "code":
            options = _cell_options(cell.source)
            if options.get("include") == "false" or options.get("output") == "false":
                continue
            for output in cell.get("outputs", []):
                shown = _output_tables(output)
                if shown is not None:
                    tables += shown
                    parts += [t.to_markdown() for t in shown]
                elif fragment := _output_markdown(output, options, figures):
                    parts.append(fragment)
                    if not fragment.startswith("!["):
                        displayed.append(fragment)
        # raw cells are for a specific converter, not for readers of a brief
    return parts


def _markdown_cell(cell: Any, index: int, figures: dict[str, bytes]) -> str:
    text = cell.source
    for name, bundle in (cell.get("attachments") or {}).items():
        for mime, ext in _IMAGE_TYPES.items():
            if mime in bundle:
                file = _add_figure(figures, _decode(bundle[mime], mime), ext, stem=f"cell{index}-attachment")
                text = text.replace(f"attachment:{name}", f"{FIGURES_DIR}/{file}")
                break
    return text


def _cell_options(source: str) -> dict[str, str]:
    """Quarto cell options (``#| name: value`` lines at the top of a code cell)."""
    options = {}
    for line in source.splitlines():
        match = _CELL_OPTION.match(line)
        if not match:
            if line.strip():
                break
            continue
        options[match[1]] = match[2].strip().strip("\"'")
    return options


def _output_markdown(output: Any, options: Mapping[str, str], figures: dict[str, bytes]) -> str | None:
    """One displayed output as Markdown; None for what a brief never shows (stream, error, plain reprs)."""
    if output.get("output_type") not in ("display_data", "execute_result"):
        return None  # print() output, warnings and tracebacks are working notes, not findings
    data = output.get("data", {})
    metadata = output.get("metadata", {})
    for mime, ext in _IMAGE_TYPES.items():
        if mime in data:
            image = _decode(data[mime], mime)
            return _image_markdown(_add_figure(figures, image, ext), image, options, metadata.get(mime, {}))
    for mime, spec in data.items():
        if match := _VEGALITE.match(mime):
            image = vegalite_svg(spec, int(match[1]))
            return _image_markdown(_add_figure(figures, image, "svg"), image, options, {})
    if "text/markdown" in data:
        return inert_markdown(_text(data["text/markdown"]))
    if "text/html" in data:
        html = inert_html(_text(data["text/html"]))
        fence = "`" * max(3, _longest_backtick_run(html) + 1)
        return f"{fence}{{=html}}\n{html}\n{fence}"
    return None


# What Quarto executes or resolves in a document's text before any filter sees it: a code chunk (```{python},
# ~~~ {r}: it also binds the engine, and knitr evaluates inline R even with execution off), inline code
# (`{python} x`, `r x`) and shortcodes ({{< include FILE >}} reads a local file into the brief, {{% ... %}}).
_EXECUTABLE_FENCE = re.compile(r"^([\t >]*(?:`{3,}|~{3,})\s*\{\s*)(?=[^\s=.#}])", re.MULTILINE)
_INLINE_EXECUTABLE = re.compile(r"(?<!`)(`+)(?=\{\w+\}|r[ #])")
_SHORTCODE = re.compile(r"\{\{([<%])")


def inert_markdown(text: str) -> str:
    """Markdown a notebook computed (it may hold text from data that the notebook did not escape) with nothing
    Quarto would execute or resolve: a code chunk's ``{python}`` becomes a class (``{.python}``: shown, not
    run), inline code gets a space before its ``{python}`` or ``r`` (shown the same: a code span's edge spaces
    are not shown), a shortcode's ``<`` or ``%`` is escaped; and no YAML metadata block overrides the brief's
    own metadata, in either renderer (:func:`_without_metadata_blocks`). The built-in renderer executes none of these;
    Quarto, which reads the brief's source before the brief filter runs, would."""
    text = _EXECUTABLE_FENCE.sub(r"\1.", text)
    text = _INLINE_EXECUTABLE.sub(r"\1 ", text)
    return _without_metadata_blocks(_SHORTCODE.sub(r"{{\\\1", text))


_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})")


def _without_metadata_blocks(text: str) -> str:
    """``text`` with no YAML metadata block: a line ``---`` after a blank line (outside fenced code) opens one
    anywhere in a document, for pandoc, and its fields override the brief's own (its title, language, run, or
    ``brief.demo``: the synthetic-data warning of every page). Such a line is written ``* * *``: the rule it
    shows when no block follows."""
    lines = text.split("\n")
    fence = ""
    for i, line in enumerate(lines):
        if found := _FENCE.match(line):
            marker = found[1]
            if not fence:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence) and not line.strip().strip(marker[0]):
                fence = ""
        elif not fence and line.rstrip() == "---" and (i == 0 or not lines[i - 1].strip()):
            lines[i] = "* * *"
    return "\n".join(lines)


def inert_html(text: str) -> str:
    """HTML a notebook displayed, with nothing Quarto would execute or resolve in the brief's source (as
    :func:`inert_markdown`): its backticks and a shortcode's opening written as character references, which
    read the same once the HTML is parsed."""
    return _SHORTCODE.sub(lambda m: "{{&#" + str(ord(m[1])) + ";", text).replace("`", "&#96;")


def _output_tables(output: Any) -> list[TableData] | None:
    """The tables an output displays: its table data (:data:`TABLE_MIME`), else the tables of an HTML output
    that holds nothing else (a bare frame's repr); None for any other output."""
    if output.get("output_type") not in ("display_data", "execute_result"):
        return None
    data = output.get("data", {})
    if TABLE_MIME in data:
        return [TableData.from_json(data[TABLE_MIME])]
    if "text/html" in data and not any(m in data for m in ("text/markdown", *_IMAGE_TYPES)):
        return html_tables(_text(data["text/html"]))
    return None


#: The title a Vega chart's SVG carries for screen readers (``aria-label="Title text 'Routes to Thailand'"``); a
#: concatenated chart's own title is drawn after its panels' titles.
_SVG_TITLE = re.compile(rb'aria-label="Title text \'([^"]*)\'"')


def svg_title(data: bytes) -> str:
    """The title of a chart's SVG (its last ``Title text`` label: the whole chart's), as text; "" without one."""
    import html

    found = _SVG_TITLE.findall(data)
    return " ".join(html.unescape(found[-1].decode("utf-8", "replace")).split()) if found else ""


def _image_markdown(name: str, data: bytes, options: Mapping[str, str], metadata: Mapping[str, Any]) -> str:
    caption = options.get("fig-cap", "")
    # a chart shown with no caption is described by its own title: the HTML brief shows the SVG as an image,
    # whose text a screen reader does not read
    alt = options.get("fig-alt", "") or caption or (svg_title(data) if name.endswith(".svg") else "")
    attributes = [f'fig-alt="{_attr(alt)}"', f'alt="{_attr(alt)}"'] if alt else []
    pixels = metadata.get("width") if isinstance(metadata.get("width"), int | float) else image_width(data)
    if pixels:
        # the same share of the text column in HTML and PDF: a small chart stays small, a wide one fits
        attributes.append(f'width="{min(100, max(10, round(100 * pixels / _COLUMN_PIXELS)))}%"')
    attrs = "{" + " ".join(attributes) + "}" if attributes else ""
    return f"![{escape_markdown(caption)}]({FIGURES_DIR}/{name}){attrs}"


def image_width(data: bytes) -> float | None:
    """An image's intrinsic width in CSS pixels (PNG header, JPEG frame, SVG ``width``/``viewBox``); None if
    it cannot be told."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return float(int.from_bytes(data[16:20], "big"))
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                return float(int.from_bytes(data[i + 7 : i + 9], "big"))
            i += 2 + length
        return None
    head = data[:4096].decode("utf-8", "replace")
    svg = re.search(r"<svg\b[^>]*>", head)
    if not svg:
        return None
    if width := re.search(r'\bwidth\s*=\s*["\']\s*([\d.]+)\s*(px|pt)?\s*["\']', svg[0]):
        return float(width[1]) * (4 / 3 if width[2] == "pt" else 1)
    if box := re.search(r'\bviewBox\s*=\s*["\']\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)', svg[0]):
        return float(box[1])
    return None


def vegalite_svg(spec: Any, major_version: int) -> bytes:
    """Draw a Vega-Lite chart to SVG without a browser or network (vl-convert bundles Vega and Vega-Lite),
    with the newest bundled Vega-Lite of the spec's major version."""
    import vl_convert

    spec_json = spec if isinstance(spec, str) else json.dumps(spec)
    same_major = [v for v in vl_convert.get_vegalite_versions() if v.split(".")[0] == str(major_version)]
    newest = max(same_major, key=lambda v: tuple(map(int, v.split(".")))) if same_major else None
    try:
        # no base URL is allowed: a chart whose data live on the web fails here rather than fetching them
        if hasattr(vl_convert, "configure"):
            # vl-convert 2 sets what a conversion may read for the whole converter, not per call: every
            # later chart of this process is kept offline too (the toolkit's own charts carry their data)
            if vl_convert.get_config().get("allowed_base_urls") != []:
                vl_convert.configure(allowed_base_urls=[])
            svg = vl_convert.vegalite_to_svg(spec_json, vl_version=newest)
        else:
            svg = vl_convert.vegalite_to_svg(spec_json, vl_version=newest, allowed_base_urls=[])
    except (ValueError, PermissionError) as exc:  # an invalid spec; data it may not read (vl-convert 2)
        raise InputError(f"a Vega-Lite chart in the notebook cannot be drawn: {exc}") from exc
    return svg.encode("utf-8")


def _add_figure(figures: dict[str, bytes], data: bytes, ext: str, *, stem: str | None = None) -> str:
    name = f"{stem or 'figure'}-{len(figures) + 1}.{ext}"
    figures[name] = data
    return name


def _decode(value: Any, mime: str) -> bytes:
    text = _text(value)
    if mime == "image/svg+xml":
        return text.encode("utf-8")
    return base64.b64decode(text)


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


class _HtmlTables(HTMLParser):
    """The tables of an HTML fragment as text cells; whether anything but tables is shown (text outside
    them; styles, scripts and small print such as polars' "shape: (3, 2)" do not count)."""

    _HIDDEN = frozenset({"style", "script", "small", "template", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict[str, Any]] = []
        self.other_text = False
        self._table: dict[str, Any] | None = None
        self._row: list[str] | None = None
        self._kinds: list[str | None] = []
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self._section = "tbody"
        self._hidden = 0
        self._depth = 0  # nested tables are read as text of their cell

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag == "table":
            self._depth += 1
            if self._depth == 1:
                classes = (dict(attrs).get("class") or "").split()
                self._table = {"rows": [], "caption": None, "frame": "dataframe" in classes}
        elif self._depth == 1 and self._table is not None:
            if tag in ("thead", "tbody", "tfoot"):
                self._section = tag
            elif tag == "tr":
                self._row, self._kinds = [], []
            elif tag in ("td", "th") and self._row is not None:
                self._cell = []
                given = dict(attrs)
                # a header cell of the toolkit's tables is a label and says its column's kind apart
                self._kinds.append(given.get(COLUMN_KIND_ATTRIBUTE) or given.get(KIND_ATTRIBUTE))
            elif tag == "caption":
                self._caption = []
            elif tag == "br" and self._cell is not None:
                self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag == "table":
            if self._depth == 1 and self._table is not None:
                self.tables.append(self._table)
                self._table = None
            self._depth = max(0, self._depth - 1)
        elif self._depth == 1 and self._table is not None:
            if tag in ("td", "th") and self._cell is not None and self._row is not None:
                self._row.append(" ".join("".join(self._cell).split()))
                self._cell = None
            elif tag == "tr" and self._row is not None:
                self._table["rows"].append((self._section, self._row))
                self._table.setdefault("kinds", self._kinds)  # the header row's kinds (data-kind)
                self._row = None
            elif tag == "caption" and self._caption is not None:
                self._table["caption"] = " ".join("".join(self._caption).split())
                self._caption = None
            elif tag in ("thead", "tbody", "tfoot"):
                self._section = "tbody"

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._caption is not None:
            self._caption.append(data)
        elif self._depth == 0 and data.strip():
            self.other_text = True


def html_tables(html: str) -> list[TableData] | None:
    """The tables of an HTML output that shows nothing but tables, read from their cells (a polars frame's
    repr loses its dtype row and the quotes around its strings; a header cell's ``data-kind`` says what its
    column counts); None when the output shows anything else."""
    parser = _HtmlTables()
    parser.feed(html)
    parser.close()
    if parser.other_text or not parser.tables:
        return None
    tables = []
    for table in parser.tables:
        head = [cells for section, cells in table["rows"] if section == "thead"]
        body = [cells for section, cells in table["rows"] if section == "tbody"]
        notes = [" ".join(cells) for section, cells in table["rows"] if section == "tfoot"]
        if table["frame"]:
            # a polars frame: under the header, a row of data types; strings shown in quotes
            head = head[:1]
            body = [[_unquoted(c) for c in cells] for cells in body]
        if not head and body:
            head, body = body[:1], body[1:]
        headers = head[0] if head else []
        kinds = {h: k for h, k in zip(headers, table.get("kinds", []), strict=False) if k in NUMBER_KINDS}
        tables.append(TableData.from_cells(headers, body, caption=table["caption"], notes=notes, kinds=kinds))
    return tables


def _unquoted(cell: str) -> str:
    # a string that polars' display settings cut short keeps only its opening quote and ends with "…"
    if len(cell) >= 2 and cell.startswith('"') and cell.endswith(('"', "…")):
        return cell[1:-1] if cell.endswith('"') else cell[1:]
    return cell


def _longest_backtick_run(text: str) -> int:
    return max((len(m) for m in re.findall(r"`+", text)), default=0)


def _take_title(parts: list[str], *, fallback: str) -> tuple[str, list[str]]:
    """The first level-1 heading becomes the title (and leaves the body); else ``fallback``."""
    for i, part in enumerate(parts):
        if part.lstrip().startswith("```"):
            continue
        if match := _H1.search(_without_fenced_code(part)):
            rest = part.replace(match[0], "", 1)
            return _plain(match[1]), [*parts[:i], rest, *parts[i + 1 :]]
    return fallback, parts


def _without_fenced_code(text: str) -> str:
    return re.sub(r"^(```|~~~).*?^\1", "", text, flags=re.DOTALL | re.MULTILINE)


def _plain(markdown: str) -> str:
    """A heading's Markdown as plain text: emphasis and code marks dropped, escapes resolved (a backtick
    :func:`~evidence.presentation.markup.escape_markdown` writes as a character reference, ``&#96;``, too)."""
    unmarked = re.sub(r"(?<!\\)[*_`]", "", markdown)
    return re.sub(r"\\(.)|&#96;", lambda m: m[1] if m[1] is not None else "`", unmarked).strip()


def _humanise(name: str) -> str:
    return name.replace("_", " ").replace("-", " ").strip().capitalize() or "Brief"


# ----------------------------------------------------------------------------------------- composed parts


def demo_banner(provenance: Sequence[Mapping[str, Any]]) -> str:
    """The loud notice that opens every brief made from the toolkit's synthetic demo data."""
    from evidence.sources.demo import DEMO_NAME
    from evidence.sources.provenance import demo_release_words

    releases = sorted({str(p.get("release", "")) for p in provenance if p.get("demo")} - {""})
    which = f" ({escape_markdown(', '.join(demo_release_words(r) for r in releases))})" if releases else ""
    return (
        "::: {.synthetic-banner}\n"
        "**SYNTHETIC DEMO DATA — NOT REAL RECORDS.** Every number, chart and table in this brief comes from "
        f"{DEMO_NAME}{which}, invented by the toolkit. It shows what a brief looks like; it says nothing about "
        "real victims, countries or routes. Do not cite or publish it.\n"
        ":::"
    )


def glance_box(parameters: Mapping[str, Any], provenance: Sequence[Mapping[str, Any]]) -> str:
    """A key-figures box built from the run itself, for notebooks that display none of their own."""
    rows = reader_parameters(parameters)
    releases = [_release_label(p) for p in _unique_sources(provenance)]
    if releases:
        rows.append(("Data", "; ".join(releases)))
    items = "\n".join(f"- **{escape_markdown(label)}:** {escape_markdown(value)}" for label, value in rows)
    return f"::: {{.key-figures}}\n### At a glance\n\n{items}\n:::" if items else ""


def sources_section(provenance: Sequence[Mapping[str, Any]]) -> str:
    """ "Sources and citations": one entry per data file the notebook loaded, from the run's provenance."""
    from evidence.sources.demo import DEMO_NAME
    from evidence.sources.provenance import demo_release_words

    lines = ["## Sources and citations {.brief-sources}", ""]
    sources = _unique_sources(provenance)
    if not sources:
        lines.append("The run recorded no data sources that it used.")
    for p in sources:
        name = p.get("name") or p.get("title") or p.get("source") or "unknown source"
        release = p.get("release")
        fallback = f"release {release}" if release and release != "unknown" else "release not stated"
        said = p.get("release_label") or fallback
        if p.get("demo") and release:  # "demo-2" is an id: the generator's version in words
            said = demo_release_words(str(release))
        facts = [escape_markdown(str(said))]  # layout ids are not for readers
        if p.get("demo"):
            # the toolkit's own invented data, never a publisher's release; said once where its name says it
            if DEMO_NAME not in str(name):
                facts.append(f"**{DEMO_NAME}**")
        elif p.get("synthetic"):
            facts.append("**the publisher's synthetic release (generated records, not real cases)**")
        if p.get("licence"):
            # "Name (url)": the toolkit's own licence address a link, a sidecar's one text (_address)
            facts.append(f"licence: {_linked(str(p['licence']))}")
        if p.get("sha256"):
            facts.append(f"file sha256 {markdown_code(str(p['sha256'])[:16] + '…')}")
        entry = f"- **{escape_markdown(str(name))}** — " + ", ".join(facts) + "."
        citation = _citation(p)
        if citation:
            entry += f" {_linked(citation)}"
        if p.get("url") and not _WEB_ADDRESS.search(citation):
            # a citation that gives its own address is not followed by a second one
            entry += f" {_address(str(p['url']))}"
        lines.append(entry)
    return "\n".join(lines)


def protection_sentences(provenance: Sequence[Mapping[str, Any]]) -> str:
    """What was done to the counts of each source of victim records the brief cites: perturbed by the cell key
    method (records of real people: an organisation's own, or a release its publisher already protected, such
    as CTDC's k-anonymised dataset, whose protection is named too), or shown as computed (synthetic records)."""
    sentences = []
    for p in _unique_sources(provenance):
        if p.get("kind", "case") != "case":
            continue
        name = escape_markdown(str(p.get("label") or p.get("name") or p.get("title") or "the case data"))
        published = escape_markdown(str(p.get("published_protection") or ""))
        if p.get("protection") == "cell_key":
            before = f"already protected by its publisher ({published}), and " if published else ""
            sentences.append(
                f"{name}: victim records of real people, {before}every count also perturbed slightly (cell key "
                "method), the same way in every output, and no withheld count recomputable from the totals of "
                "its table; the protection between outputs is probabilistic: the difference of two outputs is "
                "uncertain, not impossible to guess."
            )
        elif published:
            sentences.append(
                f"{name}: already protected by its publisher ({published}); counts shown with the threshold "
                "above applied."
            )
        elif p.get("protection") == "suppression" and p.get("synthetic"):
            sentences.append(
                f"{name}: synthetic records, counts shown as computed, with the threshold above."
            )
    return " ".join(sentences)


def about_section(record: RunRecord, parameters: Mapping[str, Any]) -> str:
    """ "About this brief": disclosure control and how the brief was made (methods live in the notebook)."""
    rule = DisclosureRule(threshold=disclosure_threshold(parameters))
    toolkit = record.toolkit.get("version", "unknown")
    notebook = record.notebook.name or "the notebook"
    disclosure = (
        f"**Disclosure control.** {escape_markdown(rule.describe())} Victim data are sensitive: the counts "
        "in this brief were suppressed under this rule when its tables were built, and checked again before "
        "it was rendered."
    )
    if what := protection_sentences(record.provenance):
        disclosure += " " + what
    limits = (
        "Identified and detected victims are the cases that reached an organisation's records or the "
        "authorities' attention; they are not the number of "
        "people trafficked, and changes over time reflect identification and reporting as much as "
        "trafficking itself."
    )
    if any(p.get("source") == LIST_CAPTURE for p in record.provenance):
        # a hidden-population brief's headline *is* an estimate of the total: say what it rests on instead
        limits = (
            "The lists are the cases that reached each organisation's attention, not the number of people "
            "trafficked; the estimate of the total is a model's, from how the lists overlap, and rests on the "
            "assumptions its methods state, with the uncertainty its interval gives."
        )
    made = (
        f"Produced with the *evidence* toolkit {escape_markdown(toolkit)} from the notebook "
        f"{markdown_code(notebook)} (run {markdown_code(record.run_id)}). The run's folder holds "
        "the executed notebook and `run.json`, which records every parameter, data file (with its sha256) "
        "and package version."
    )
    note = f"::: {{.disclosure-note}}\n{disclosure}\n:::"
    return f"## About this brief {{.brief-about}}\n\n{note}\n\n{limits}\n\n{made}"


_YEAR_PAIRS = (("year_from", "year_to"), ("first_year", "last_year"), ("start_year", "end_year"))
_COUNTRY_NAMES = ("country", "iso3", "country_iso3")


def reader_parameters(parameters: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The parameters readers care about, as (label, value), in words: the country by name with its role
    ("Thailand as country of origin or destination", as the country brief's own box says it), a year pair as one
    range, code words as readers name them (:func:`_value_words`); data paths, thresholds and flags left out."""
    from evidence.analyses.coverage import ROLE_WORDS

    values = dict(parameters)
    for first, last in _YEAR_PAIRS:
        if isinstance(values.get(first), int) and isinstance(values.get(last), int):
            # one year said once: 2019, not 2019–2019
            span = [values.pop(first), values.pop(last)]
            values["years"] = span[0] if span[0] == span[1] else span
    role = values.get("role")
    role_words = ROLE_WORDS.get(role) if isinstance(role, str) else None
    country = any(n.lower() in _COUNTRY_NAMES and _shown(n, v) for n, v in values.items())
    shown = []
    for name, value in values.items():
        if not _shown(name, value):
            continue
        if name.lower() in _COUNTRY_NAMES:
            place = _country_name(str(value))
            shown.append(("Country", f"{place} as {role_words}" if role_words else place))
        elif name == "role" and role_words:
            if not country:
                shown.append(("Role", role_words))
        else:
            shown.append((_label(name), _value_words(name.lower(), value)))
    return shown


def describe_parameters(parameters: Mapping[str, Any]) -> str:
    """A one-line subtitle from a run's parameters in words (:func:`reader_parameters`), e.g. ``Thailand as
    country of origin or destination · 2012–2023``, ending with the data files' names when the run names any
    (``… · data: Ned.csv``; untrusted text, escaped where written)."""
    shown = [
        value if label in ("Country", "Years") else f"{label.lower()}: {value}"
        for label, value in reader_parameters(parameters)
    ]
    if data := data_names(parameters):
        shown.append(f"data: {data}")
    return " · ".join(shown)


#: Parameters that name data files (the notebooks' ``data``).
_DATA_NAMES = ("data", "data_files", "paths")


def data_names(parameters: Mapping[str, Any]) -> str:
    """The data files a run names, by file name only — never the folders they sit in —, comma separated; empty
    for the notebook's default data. Untrusted text: escape it where it is written."""
    return ", ".join(n for n in (path.name for path in _data_files(parameters)) if n)


def _data_files(parameters: Mapping[str, Any]) -> list[PurePath]:
    """The data files a run's parameters name, in order."""
    files = []
    for name, value in parameters.items():
        if name.lower() not in _DATA_NAMES or value in (None, "", [], ()):
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            files.append(PurePath(str(item).replace("\\", "/")))
    return files


def dataset_names(parameters: Mapping[str, Any], provenance: Sequence[Mapping[str, Any]]) -> str:
    """The datasets a run names, comma separated: each data file by the name its loader recorded (the
    source's metadata, or the title of its sidecar: "Walk Free Global Slavery Index"), else by its stem ("Ned");
    empty for the notebook's default data. Untrusted text: escape it where it is written."""
    named: dict[str, str] = {}
    for p in provenance:
        if name := str(p.get("name") or p.get("title") or "").strip():
            named.setdefault(PurePath(str(p.get("path", "")).replace("\\", "/")).name, name)
    names: list[str] = []
    for file in _data_files(parameters):
        name = named.get(file.name) or file.stem
        if name and name not in names:  # a workbook loaded into several tables is named once
            names.append(name)
    return ", ".join(names)


def country_of(parameters: Mapping[str, Any]) -> str | None:
    """The name of the country a run is about, when one of its parameters names one."""
    for name, value in parameters.items():
        if name.lower() in _COUNTRY_NAMES and isinstance(value, str) and value:
            return _country_name(value)
    return None


def _shown(name: str, value: Any) -> bool:
    """Parameters worth showing readers: not data paths, not empty values, not flags or thresholds."""
    lowered = name.lower()
    if lowered in ("data", "data_files", "paths") or "threshold" in lowered or isinstance(value, bool):
        return False
    return value not in (None, "", [], ())


#: The packaged notebooks' parameters as readers name them, where the parameter's own name is a code word
#: ("Top n: 10", "P enter: 0.02" in a glance box).
_PARAMETER_LABELS = {
    "iso3": "Country",
    "country": "Country",
    "years": "Years",
    "by": "Broken down by",
    "top_n": "Corridors listed",
    "regional_level": "Routes classed by",
    "person_scope": "Victims described",
    "peers": "Compared with",
    "p_enter": "Stepwise entry threshold",
    "max_order": "Highest order of interactions",
    "downhill_start": "Downhill search from",
}


def _label(name: str) -> str:
    return _PARAMETER_LABELS.get(name.lower(), _humanise(name))


#: The packaged notebooks' parameter values as readers name them, where the value is a code word ("Routes classed
#: by: region"); the role is said with the country (:data:`~evidence.analyses.coverage.ROLE_WORDS`).
_VALUE_WORDS = {
    "regional_level": {"region": "UN M49 regions (continents)", "subregion": "UN M49 subregions"},
    "person_scope": {
        "country": "the country's victims",
        "all": "every record of the case data, of every country",
    },
    "downhill_start": {"main": "main effects", "full": "every interaction up to the highest order"},
    "by": {"none": "nothing (totals only)"},
}
#: Interactions of a highest order, by their number of lists.
_ORDER_WORDS = {2: "pairs of lists", 3: "triples of lists"}


def _value_words(name: str, value: Any) -> str:
    """A parameter's value as readers read it: code words in words, countries by name, a p-value threshold as
    one; a value the run resolved in words (:func:`evidence.notebooks.runtime.record_resolved`) as it is."""
    if isinstance(value, str) and value in _VALUE_WORDS.get(name, {}):
        return _VALUE_WORDS[name][value]
    if name == "by" and isinstance(value, str):
        from evidence.notebooks.builders import breakdown_name

        return breakdown_name(value)
    if name == "peers" and isinstance(value, list | tuple):
        return ", ".join(_country_name(str(v)) for v in value)
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if name == "p_enter" and number:
        return f"p < {value:g}"
    if name == "max_order" and isinstance(value, int) and not isinstance(value, bool):
        return f"{value} ({_ORDER_WORDS.get(value, f'groups of {value} lists')})"
    if name == "bootstrap_replicates" and isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return _format_value(value)


def _format_value(value: Any) -> str:
    if isinstance(value, list | tuple):
        if len(value) == 2 and all(isinstance(v, int) for v in value):
            return f"{value[0]}–{value[1]}"
        return ", ".join(map(str, value))
    return str(value)


def _country_name(iso3: str) -> str:
    from evidence.sources.countries import name_of

    return name_of(iso3) or iso3  # an unknown code is shown as given


def disclosure_threshold(parameters: Mapping[str, Any]) -> int:
    """The run's disclosure threshold (its parameter whose name mentions a threshold), else the default."""
    for name, value in parameters.items():
        if "threshold" in name.lower() and isinstance(value, int) and not isinstance(value, bool):
            return value
    return DisclosureRule().threshold


def _unique_sources(provenance: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Each source once; a source the notebook recorded as not cited (``"cited": false``: it contributed no
    number to the brief) is left out, so a brief never cites a source it did not use."""
    seen, unique = set(), []
    for p in provenance:
        if p.get("cited") is False:
            continue
        key = (p.get("source"), p.get("release"), p.get("sha256"))
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


# How readers know the sources (provenance records the loaders' short ids)
_SOURCE_NAMES = {
    "ctdc": "CTDC",
    "unodc_glotip": "UNODC GLOTIP",
    "us_tip_tiers": "US TIP Report tiers",
    "walkfree_gsi": "Walk Free GSI",
    "list_capture": "Linked lists",
}


def _release_label(p: Mapping[str, Any]) -> str:
    """A source and its release as a list of the data names them (the "At a glance" box, the index of briefs):
    its provenance's label, as every source line of a brief says it; the toolkit's demo data by their one name
    and their generator's version ("CTDC demo-2" read as a CTDC release)."""
    from evidence.sources.demo import DEMO_NAME
    from evidence.sources.provenance import demo_release_words

    if p.get("label"):  # the source's own name and release, from its metadata (the demo data's: their own)
        synthetic = p.get("synthetic") and not p.get("demo")
        return str(p["label"]) + (" (synthetic release)" if synthetic else "")
    source = str(p.get("source") or "unknown")
    release = str(p.get("release") or "")
    if p.get("demo") and (version := demo_release_words(release)) != release:
        return f"{DEMO_NAME} in the {_SOURCE_NAMES.get(source, source)} layout, {version}"
    # a release the file does not state (e.g. the k-anonymised CTDC export) is said so in words
    release = "(release not stated)" if release in {"", "unknown"} else release
    # a demo's release that only says it is synthetic ("synthetic") is said once, by the suffix
    label = _SOURCE_NAMES.get(source, source) + (
        "" if p.get("demo") and release == "synthetic" else f" {release}"
    )
    if p.get("demo"):
        label += " (synthetic demo)"
    elif p.get("synthetic"):
        label += " (synthetic release)"
    return label


#: A web address inside a citation's text (a full stop or comma after it ends the sentence, not the address).
_WEB_ADDRESS = re.compile(r"https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:]")


def _linked(text: str) -> str:
    """Citation or licence text escaped for Markdown, the toolkit's own web addresses in it as links
    (:func:`_address`)."""
    parts, start = [], 0
    for found in _WEB_ADDRESS.finditer(text):
        parts += [escape_markdown(text[start : found.start()]), _address(found.group())]
        start = found.end()
    return "".join([*parts, escape_markdown(text[start:])])


def _address(url: str) -> str:
    """A source's web address: a link when it is one the toolkit's own source metadata gives (a publisher's
    page, licence or download: :func:`~evidence.sources.metadata.known_urls`), else escaped text that no
    reader makes a link. A provenance's URL and citation may come from a sidecar or a mapping (untrusted
    text) and the run's record does not say which: an address the toolkit does not know is never made live,
    so a hostile sidecar cannot put a phishing link into a brief; a user's own file is cited
    with its address as text, which still reads and copies as the address."""
    from evidence.sources.metadata import known_urls

    return markdown_link(url) if url in known_urls() else escape_markdown(url)


def _citation(p: Mapping[str, Any]) -> str:
    """The citation with the date the file was obtained (its provenance's ``accessed``), or without an access
    date when that is not known: never the day the brief was rendered or the data loaded."""
    from evidence.sources.provenance import with_access_date

    return with_access_date(str(p.get("citation") or ""), str(p.get("accessed") or ""))


def _run_date(record: RunRecord) -> str:
    """The day the run ended (else started), as the record says it; today's when it says neither as a date (the
    record is the run folder's, as untrusted as its data: its text is never the brief's date)."""
    for when in (record.timings.ended, record.timings.started):
        try:
            return dt.date.fromisoformat(str(when or "")[:10]).isoformat()
        except ValueError:
            continue
    return dt.date.today().isoformat()


#: What a quoted attribute value escapes: its quote and backslash, an entity's "&" (pandoc reads "&lt;" there as
#: "<"), and what opens a Quarto shortcode ("{{<", "{{%"), which Quarto expands in attribute values too.
_ATTRIBUTE_SPECIAL = re.compile(r'([\\"&{}<>%])')


def _attr(text: str) -> str:
    """``text`` as the value of a quoted Markdown attribute (a figure's fig-alt), read back as itself, holding
    nothing Quarto runs or resolves: a backtick is a character reference (knitr finds "`r x`" anywhere)."""
    return _ATTRIBUTE_SPECIAL.sub(r"\\\1", text).replace("`", "&#96;")
