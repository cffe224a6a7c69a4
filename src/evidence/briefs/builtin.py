"""The built-in renderer: a brief's Markdown source to self-contained HTML and PDF, offline, without Quarto.

One pandoc process
    pandoc 3 (the binary shipped in ``pypandoc-binary``) runs ``templates/render.lua``: it reads the brief's
    Markdown once (reading it is about a quarter of pandoc's time on a brief; the filter's passes, handing
    table cells between pandoc and Lua, are more than half) and writes
    the HTML fragment of the notebook's computed text that disclosure control scans, the Typst markup and the
    HTML, each through the brief filter for its format and with the brief's template (:class:`Conversion`),
    each handed over as soon as it is written: the PDF is typeset while pandoc writes the HTML. The output
    is what ``pandoc --lua-filter brief.lua --template ...`` writes, format by format.
HTML
    The stylesheet and every figure are then inlined (the stylesheet as a ``<style>`` element, the figures of
    ``brief-figures/`` as data URIs, as ``--embed-resources`` does), so the file opens offline and requests
    nothing. pandoc rather than nbconvert: the input
    is the brief's Markdown source (code, prompts and working output already gone), the same source Quarto
    renders, and pandoc writes Typst for the PDF too. Measured with ``benchmarks/bench_render.py`` (the
    country brief on the demo data): pandoc 0.24 s, nbconvert's HTMLExporter 0.41 s (median), and
    nbconvert's template loads require.js and MathJax from a CDN, so its page would not open offline.
PDF
    pandoc writes Typst markup (``-t typst``, the same template partials as Quarto's Typst format) and the
    ``typst`` Python package compiles it (:func:`typeset`, from memory, with the brief's folder as Typst's
    root): no LaTeX, no browser, no network. The fonts are looked up once per process.

Both check their result: an HTML brief that still refers to a resource on the web is an error.

Content-Security-Policy
    Every HTML brief (and the index) carries :data:`CONTENT_SECURITY_POLICY` in a ``<meta>`` tag: no script
    runs and nothing is loaded, whatever text reached the page; only the inline styles and the ``data:``
    images the brief is made of are allowed.
"""

from __future__ import annotations

import dataclasses
import html as html_module
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from evidence.core.atomic import clean_stale_files, host_tag, write_bytes, write_text
from evidence.core.errors import EvidenceError

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Folder beside a brief's source holding its figures (as :data:`evidence.briefs.document.FIGURES_DIR`).
FIGURES_DIR = "brief-figures"
#: What an HTML brief may do: show inline styles and data: images (and fonts); no script, frame, form or fetch.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; "
    "form-action 'none'"
)
_TIMEOUT_SECONDS = 600
# the page's markup, which a check of what it loads reads (never its text, which is a reader's: a category from
# data that says "url(https://...)" loads nothing): comments, style sheets, and tags with their attributes (a
# quoted value may hold a ">")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<([A-Za-z][\w:-]*)((?:[^<>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTRIBUTE = re.compile(r"([^\s\"'<>/=]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?")
# attributes whose value a browser fetches: (element or "*", attribute)
_FETCHED = {
    ("link", "href"),
    ("image", "href"),
    ("use", "href"),
    ("*", "xlink:href"),
    ("*", "src"),
    ("*", "srcset"),
    ("*", "poster"),
    ("object", "data"),
    ("*", "background"),
}
_REMOTE = re.compile(r"\s*(?:https?:)?//", re.IGNORECASE)
_CSS_URL = re.compile(r"(?:url\(\s*[\"']?|@import\s+[\"'])\s*(?:https?:)?//", re.IGNORECASE)


class RenderError(EvidenceError):
    """A brief could not be rendered (the renderer failed, or its output would not work offline)."""


@cache
def pandoc_path() -> str:
    """The pandoc binary bundled with ``pypandoc-binary`` (else one on PATH)."""
    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except (ImportError, OSError) as exc:
        raise RenderError(f"pandoc is not available ({exc}); install pypandoc-binary") from exc


#: The garbage collector settings pandoc runs with (GHC's runtime options). ``-H4k -A2m``: its allocation area is 2
#: MB, which stays in the processor's cache, not the 64 MB its build suggests (``-H64m``, sized to the heap
#: whatever the data live; 4 kB is the least ``-H`` takes): converting a brief allocates over a gigabyte and keeps
#: about one megabyte, and walking through 64 MB of fresh memory again and again cost pandoc more time (cache
#: misses, and the kernel's first touch of each page) than the ten times as many small collections do: about a
#: tenth of pandoc's CPU time (0.37 -> 0.32 and 0.40 -> 0.38 CPU-s a brief in two runs on a busy machine, the mean
#: of 12 demo and real briefs each rendered with the old and the new settings in turn; ``benchmarks/bench_render.py
#: --runtime-options=-O128m`` compares them). ``-O128m``: its old generation collected once it holds 128 MB, not
#: from 1 MB on (two collections of the whole heap, not six, which were a sixth of its time). What pandoc writes is
#: the same; it uses less memory (about 48 MB, not 75).
PANDOC_RUNTIME_OPTIONS = "-O128m -H4k -A2m"


#: The most characters (source and displayed text) a conversion holds that runs with pandoc's own collector
#: settings, not :data:`PANDOC_RUNTIME_OPTIONS`: a fragment or a brief of a few lines allocates less than pandoc's
#: own 64 MB allocation area, so its heap is never collected before it ends, where the small area's collections,
#: the first of the whole heap among them (about 0.02 CPU-s whatever it holds), cost it more than the fresh
#: memory does: 0.053 -> 0.037 CPU-s a conversion of a 100-character table, 0.056 -> 0.047 of the first 500
#: characters of a real brief, 0.059 -> 0.050 of its first 1,000, 0.060 -> 0.057 of 1,500, 0.061 -> 0.066 of
#: 2,000 (the mean of 20 in turn); a whole brief's 30,000 take 0.25 CPU-s with the settings, 0.37 without. What
#: pandoc writes is the same.
SMALL_CONVERSION = 1_000


def pandoc_environment() -> dict[str, str] | None:
    """The environment pandoc runs in: this process's, with :data:`PANDOC_RUNTIME_OPTIONS` (``GHCRTS``) when
    the pandoc in use takes them; None (this process's own) when it does not, or the user set ``GHCRTS``."""
    if "GHCRTS" in os.environ or not _takes_runtime_options(pandoc_path()):
        return None
    return {**os.environ, "GHCRTS": PANDOC_RUNTIME_OPTIONS}


@cache
def _takes_runtime_options(pandoc: str) -> bool:
    """Whether ``pandoc`` takes :data:`PANDOC_RUNTIME_OPTIONS`: a pandoc built without runtime options stops on
    them (pandoc's own builds take them). Asked once per process, of ``pandoc --version`` (a few
    milliseconds)."""
    try:
        done = subprocess.run(
            [pandoc, "+RTS", *PANDOC_RUNTIME_OPTIONS.split(), "-RTS", "--version"],
            capture_output=True,
            timeout=_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def pandoc_message(stderr: str, *, most_lines: int = 5) -> str:
    """What pandoc said when it failed, as a reader can use it: without the Haskell call stack it may append
    (``CallStack (from HasCallStack): ...``, a dozen lines of its own source, as when ``$TMPDIR`` is missing),
    and at most ``most_lines`` lines."""
    lines = stderr.strip().splitlines()
    for at, line in enumerate(lines):
        if line.lstrip().startswith("CallStack (from HasCallStack)"):
            lines = lines[:at]
            break
    kept = [line for line in lines if line.strip()][:most_lines]
    return "\n".join(kept).strip()


def pandoc(source: str | Path | None, to: str, *extra: str, text: str | None = None) -> str:
    """Run pandoc with the brief filter on a source file (or Markdown ``text``); return its output."""
    source = Path(source) if source is not None else None
    command = [
        pandoc_path(),
        *([source.name] if source is not None else []),
        "--from=markdown",
        f"--to={to}",
        f"--lua-filter={TEMPLATES / 'brief.lua'}",
        "--wrap=none",
        *extra,
    ]
    try:
        done = subprocess.run(
            command,
            cwd=source.parent if source is not None else None,
            input=text if source is None else None,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_SECONDS,
            check=False,
            env=pandoc_environment(),
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"pandoc took longer than {_TIMEOUT_SECONDS} s on {source or 'a brief'}") from exc
    if done.returncode != 0:
        raise RenderError(
            f"pandoc could not convert {source or 'a brief'} to {to}: {pandoc_message(done.stderr)}"
        )
    return done.stdout


@dataclasses.dataclass(frozen=True)
class Converted:
    """What one pandoc process made of a brief's source: the HTML page (stylesheet and figures not yet
    inlined), the Typst markup and the HTML of the displayed text, each when asked for."""

    html: str | None = None
    typst: str | None = None
    displayed_html: str | None = None


def convert(
    source_text: str | None, *, html: bool = True, typst: bool = True, displayed: str | None = None
) -> Converted:
    """Convert a brief's Markdown source to HTML and/or Typst, and ``displayed`` Markdown to an HTML fragment,
    in one pandoc process (``templates/render.lua``)."""
    with Conversion(source_text, html=html, typst=typst, displayed=displayed) as conversion:
        converted = Converted(
            html=conversion.result("html"),
            typst=conversion.result("typst"),
            displayed_html=conversion.result("displayed_html"),
        )
        conversion.finish()
    return converted


#: The scratch folders of conversions: ``evidence-pandoc-<host>-<pid>-<random>``, so that those a killed process
#: left (with the pandoc it started, which outlives it) are known as such and removed by the next render.
_SCRATCH = "evidence-pandoc-"
_STALE_SCRATCH = re.compile(rf"^{_SCRATCH}(?P<host>[A-Za-z0-9_-]+?)-(?P<pid>\d+)-[A-Za-z0-9_]+$")


@cache
def clean_stale_conversions() -> list[Path]:
    """Remove the scratch folders of conversions whose process (on this machine) is gone; once per process.
    Returns them."""
    return remove_stale_conversions()


def remove_stale_conversions() -> list[Path]:
    """Remove the scratch folders of conversions whose process (on this machine) is gone, now (a batch, once
    a worker killed while it rendered is gone). Returns them."""
    return clean_stale_files(tempfile.gettempdir(), _STALE_SCRATCH, prefix=_SCRATCH)


class Conversion:
    """One pandoc process converting a brief (``templates/render.lua``; see :func:`convert`), started at once:
    :meth:`result` hands over each output as soon as pandoc has written it (the displayed text first, then the
    Typst markup, then the HTML), so that the caller works on one while pandoc writes the next. Use it as a
    context manager: leaving it stops pandoc if it still runs and removes its scratch folder."""

    _ORDER = ("displayed_html", "typst", "html")

    def __init__(
        self, source_text: str | None, *, html: bool = True, typst: bool = True, displayed: str | None = None
    ) -> None:
        clean_stale_conversions()
        self._folder = Path(tempfile.mkdtemp(prefix=f"{_SCRATCH}{host_tag()}-{os.getpid()}-"))
        self._ready: set[str] = set()
        self._timed_out = False
        try:
            request: dict[str, object] = {"templates": str(TEMPLATES), "css": [str(TEMPLATES / "brief.css")]}
            if source_text is not None and (html or typst):
                (self._folder / "brief.md").write_text(source_text, encoding="utf-8")
                request["source"] = str(self._folder / "brief.md")
                if html:
                    request["html"] = str(self._folder / "brief.html")
                if typst:
                    request["typst"] = str(self._folder / "brief.typ")
            if displayed is not None:
                (self._folder / "displayed.md").write_text(displayed, encoding="utf-8")
                request.update(
                    displayed=str(self._folder / "displayed.md"),
                    displayed_html=str(self._folder / "displayed.html"),
                )
            self._request = request
            (self._folder / "request.json").write_text(json.dumps(request), encoding="utf-8")
            small = len(source_text or "") + len(displayed or "") <= SMALL_CONVERSION
            # pandoc's messages go to a file: a pipe nobody reads while waiting for the outputs could fill up
            self._stderr: IO[bytes] = open(self._folder / "stderr.txt", "wb")  # noqa: SIM115 - closed in close()
            self._process = subprocess.Popen(
                [pandoc_path(), "lua", str(TEMPLATES / "render.lua"), str(self._folder / "request.json")],
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                text=True,
                env=None if small else pandoc_environment(),
            )
        except BaseException:
            shutil.rmtree(self._folder, ignore_errors=True)
            raise
        self._timer = threading.Timer(_TIMEOUT_SECONDS, self._kill_on_timeout)
        self._timer.daemon = True
        self._timer.start()

    def _kill_on_timeout(self) -> None:
        self._timed_out = True
        self._process.kill()

    def result(self, key: str) -> str | None:
        """The output ``key`` (``"displayed_html"``, ``"typst"`` or ``"html"``), once pandoc has written it;
        None when it was not asked for. Raises :class:`RenderError` when pandoc fails before."""
        if key not in self._ORDER:
            raise ValueError(f"unknown output {key!r}")
        path = self._request.get(key)
        if not path:
            return None
        assert self._process.stdout is not None
        while key not in self._ready:
            line = self._process.stdout.readline()
            if not line:  # pandoc has ended
                self.finish()
                raise RenderError(f"pandoc ended without writing the {key} of a brief")
            self._ready.add(line.strip())
        return Path(str(path)).read_text(encoding="utf-8")

    def finish(self) -> None:
        """Wait for pandoc to end; raise :class:`RenderError` if it failed or took too long."""
        code = self._process.wait()
        self._timer.cancel()
        if self._timed_out:
            raise RenderError(f"pandoc took longer than {_TIMEOUT_SECONDS} s on a brief")
        if code != 0:
            self._stderr.flush()
            message = pandoc_message(
                (self._folder / "stderr.txt").read_text(encoding="utf-8", errors="replace")
            )
            raise RenderError(f"pandoc could not convert a brief: {message or f'exit code {code}'}")

    def close(self) -> None:
        """Stop pandoc if it still runs and remove the scratch folder (idempotent)."""
        self._timer.cancel()
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._stderr.close()
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _source(source: str | Path) -> tuple[Path, str]:
    path = Path(source).resolve()
    try:
        return path, path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RenderError(
            f"pandoc could not convert {source}: cannot read it ({exc.strerror or exc})"
        ) from exc


def html_document(source: str | Path) -> str:
    """The self-contained HTML of a brief source (stylesheet and figures inlined)."""
    path, text = _source(source)
    page = convert(text, typst=False).html or ""
    return self_contained(page, path.parent, what=str(source))


_STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]*)" />')
_FIGURE = re.compile(r'<img src="([^"]*)"')
_MIME = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
}


def self_contained(page: str, folder: Path, *, what: str = "a brief") -> str:
    """Inline a brief page's stylesheet (the template's) and its figures (files of ``brief-figures/`` in
    ``folder``) as ``--embed-resources`` does, then check that the page is
    self-contained and carries its Content-Security-Policy."""
    import base64

    stylesheet = str(TEMPLATES / "brief.css")

    def style(match: re.Match[str]) -> str:
        if html_module.unescape(match.group(1)) != stylesheet:
            return match.group(0)  # not the template's stylesheet: left for the checks below
        return f'<style type="text/css">\n{(TEMPLATES / "brief.css").read_text(encoding="utf-8")}</style>'

    def figure(match: re.Match[str]) -> str:
        src = html_module.unescape(match.group(1))
        prefix = f"{FIGURES_DIR}/"
        # the brief filter lets an image through only from the figures folder (plain names) or as a data: URI
        if not src.startswith(prefix) or "/" in src[len(prefix) :] or src.endswith("/"):
            return match.group(0)
        name = src[len(prefix) :]
        try:
            data = (folder / FIGURES_DIR / name).read_bytes()
        except OSError as exc:
            raise RenderError(f"the figure {src} of {what} is missing") from exc
        mime = _MIME.get(name.rpartition(".")[2].lower(), "application/octet-stream")
        role = ' role="img"' if mime == "image/svg+xml" else ""
        return f'<img{role} src="data:{mime};base64,{base64.b64encode(data).decode("ascii")}"'

    styled = _STYLESHEET.sub(style, page)
    # checked before the figures are inlined, which changes nothing the checks look for (a figure becomes a
    # base64 data: URI) and leaves them a tenth of the text to scan
    if remote := external_references(styled):
        raise RenderError(
            f"the HTML brief of {what} would load from the web ({', '.join(remote[:3])}); briefs must open "
            "offline: use local files or drop the reference"
        )
    if content_security_policy(styled) != CONTENT_SECURITY_POLICY:
        raise RenderError(f"the HTML brief of {what} lacks its Content-Security-Policy (template changed?)")
    return _FIGURE.sub(figure, styled)


def render_html(source: str | Path, target: str | Path) -> Path:
    """Render a brief source to a self-contained HTML file at ``target`` (atomically)."""
    return write_text(target, html_document(source))


def typst_markup(source: str | Path) -> str:
    """The brief as Typst markup (the brief template with its Quarto-compatible partials)."""
    return convert(_source(source)[1], html=False).typst or ""


def render_pdf(source: str | Path, target: str | Path, *, markup: str | None = None) -> Path:
    """Render a brief source to PDF at ``target`` (atomically), through Typst (``markup``: its Typst markup,
    when converted already)."""
    source = Path(source).resolve()
    text = _source(source)[1]
    if markup is None:
        markup = convert(text, html=False).typst or ""
    found = _FRONT_MATTER_DATE.search(text)
    date = found[1] if found else None
    return write_bytes(target, typeset(markup, source.parent, what=str(source), date=date))


#: The brief's date in its front matter (``date: '2026-11-28'``, as :class:`BriefDocument` writes it).
_FRONT_MATTER_DATE = re.compile(r"\A---\n(?:.*\n)*?date: '?([0-9]{4}-[0-9]{2}-[0-9]{2})'?\n")


def typeset(markup: str, folder: str | Path, *, what: str = "a brief", date: str | None = None) -> bytes:
    """A brief's Typst markup as PDF bytes, with ``folder`` (the brief's, holding ``brief-figures/``) as Typst's
    root: the figures' relative paths resolve there, and nothing outside it can be read. The PDF's creation date
    is :func:`pdf_timestamp` of the brief's ``date``: a brief rendered again is the same file, byte for byte."""
    import typst

    timestamp = pdf_timestamp(date)
    try:
        return typst.compile(
            markup.encode("utf-8"), root=str(folder), font_paths=_fonts(), timestamp=timestamp
        )
    except Exception as exc:  # typst raises a bare RuntimeError with the compiler's diagnostics
        raise RenderError(f"Typst could not typeset the brief {what}: {exc}") from exc


#: The latest creation date a PDF can state (its dates have four-digit years).
_LAST_PDF_SECOND = 253402300799


def pdf_timestamp(date: str | None) -> int | None:
    """The creation date a brief's PDF states, in seconds since 1970 (UTC): ``SOURCE_DATE_EPOCH`` when set (the
    reproducible-builds convention), else the start of the brief's ``date`` (ISO, the day its run ended, which
    the brief shows), else None (Typst's clock: the bytes then differ from one render to the next)."""
    import datetime as dt

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    # ASCII digits only: "²".isdigit() is true, and int() fails on it (or reads other scripts' digits)
    if epoch.isascii() and epoch.isdigit() and int(epoch) <= _LAST_PDF_SECOND:
        return int(epoch)
    try:
        day = dt.date.fromisoformat(str(date or ""))
    except ValueError:
        return None
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def _fonts() -> Any:
    """The fonts Typst may use (the system's and its own), looked up once per process, not once per brief
    (and once only when :func:`prepare_typesetting` is looking them up meanwhile)."""
    with _FONTS_LOCK:
        return _fonts_found()


_FONTS_LOCK = threading.Lock()


@cache
def _fonts_found() -> Any:
    import typst

    return typst.Fonts()


def prepare_typesetting() -> None:
    """Look up pandoc and Typst's fonts now, in a background thread: what a brief rendered later in this
    process does not wait for (``evidence brief`` starts it while its notebook runs, a core left idle): a third
    of a second for the fonts, and pypandoc's import and its check of pandoc's version (a pandoc process) for
    pandoc, and whether it takes :data:`PANDOC_RUNTIME_OPTIONS` (another)."""
    threading.Thread(target=_fonts_quietly, name="evidence-typst-fonts", daemon=True).start()


def _fonts_quietly() -> None:
    # a failure here is the render's to report (it looks pandoc and the fonts up again)
    for look_up in (pandoc_path, pandoc_environment, _fonts):
        try:
            look_up()
        except Exception:  # noqa: BLE001, S110
            pass


def markdown_to_html(markdown: str) -> str:
    """Brief Markdown as an HTML fragment, through the brief filter: what a reader reads, for checks."""
    return convert(None, displayed=markdown).displayed_html or ""


_CSP_META = re.compile(
    r"<meta\s+http-equiv=[\"']Content-Security-Policy[\"']\s+content=\"([^\"]*)\"", re.IGNORECASE
)


def content_security_policy(html: str) -> str | None:
    """The policy of the first Content-Security-Policy ``<meta>`` in the document's head, if any."""
    head = html[: html.lower().find("</head>")] if "</head>" in html.lower() else html
    found = _CSP_META.search(head)
    return html_module.unescape(found.group(1)) if found else None


def csp_meta() -> str:
    """The ``<meta>`` tag that carries :data:`CONTENT_SECURITY_POLICY`."""
    return f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}" />'


def external_references(html: str) -> list[str]:
    """Places where an HTML document would fetch something from the network (links to click are fine): an
    attribute a browser fetches (``src``, ``srcset``, ``poster``, ``href`` of ``<link>``...) holding a web
    address, or a ``url(...)``/``@import`` of one in a style sheet or a ``style`` attribute. Only the markup is
    read, as a browser reads it (quoted values, character references, any case): text that says
    ``url(https://...)`` (a category, a citation from data) is text, and never stops a brief."""
    markup = _COMMENT.sub("", html)
    found = [m.group(0)[:80] for sheet in _STYLE_ELEMENT.findall(markup) for m in _CSS_URL.finditer(sheet)]
    for tag in _TAG.finditer(_STYLE_ELEMENT.sub("<style>", markup)):
        element = tag.group(1).lower()
        for attribute in _ATTRIBUTE.finditer(tag.group(2)):
            name, raw = attribute.group(1).lower(), attribute.group(2) or ""
            value = html_module.unescape(raw[1:-1] if raw[:1] in "\"'" and len(raw) > 1 else raw)
            if name == "style":
                found += [f'<{element} style="{m.group(0)}'[:80] for m in _CSS_URL.finditer(value)]
            elif (element, name) in _FETCHED or ("*", name) in _FETCHED:
                urls = [u.strip().split(" ")[0] for u in value.split(",")] if name == "srcset" else [value]
                found += [f"<{element} {name}={u.strip()}"[:80] for u in urls if _REMOTE.match(u)]
    return found
