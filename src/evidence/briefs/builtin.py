"""The built-in renderer: a brief's Markdown source to self-contained HTML and PDF, offline, without Quarto.

HTML
    pandoc 3 (the binary shipped in ``pypandoc-binary``) with the brief template, stylesheet and filter in
    ``templates/``: ``--standalone --embed-resources`` inlines the stylesheet and every figure (SVG and PNG
    as data URIs), so the file opens offline and requests nothing. pandoc rather than nbconvert: the input
    is the brief's Markdown source (code, prompts and working output already gone), the same source Quarto
    renders, and pandoc writes Typst for the PDF too. Measured with ``benchmarks/bench_render.py`` (the
    country brief on the demo data): pandoc 0.24 s, nbconvert's HTMLExporter 0.41 s (median), and
    nbconvert's template loads require.js and MathJax from a CDN, so its page would not open offline.
PDF
    pandoc writes Typst markup (``-t typst``, the same template partials as Quarto's Typst format) and the
    ``typst`` Python package compiles it: no LaTeX, no browser, no network.

Both check their result: an HTML brief that still refers to a resource on the web is an error.

Content-Security-Policy
    Every HTML brief (and the index) carries :data:`CONTENT_SECURITY_POLICY` in a ``<meta>`` tag: no script
    runs and nothing is loaded, whatever text reached the page; only the inline styles and the ``data:``
    images the brief is made of are allowed.
"""

from __future__ import annotations

import html as html_module
import os
import re
import secrets
import subprocess
from functools import cache
from pathlib import Path

from evidence.core.atomic import write_bytes, write_text
from evidence.core.errors import EvidenceError

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: What an HTML brief may do: show inline styles and data: images (and fonts); no script, frame, form or fetch.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; "
    "form-action 'none'"
)
_TIMEOUT_SECONDS = 600
# an attribute that makes a browser fetch something: src=, srcset=, poster=, data=, or href= on <link>
_FETCHING = re.compile(
    r"<(?:link\b[^>]*\bhref|(?:img|script|iframe|embed|source|audio|video|track|input|object)\b[^>]*\b"
    r"(?:src|srcset|poster|data))\s*=\s*[\"']?\s*(?:https?:)?//",
    re.IGNORECASE,
)
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
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"pandoc took longer than {_TIMEOUT_SECONDS} s on {source or 'a brief'}") from exc
    if done.returncode != 0:
        raise RenderError(f"pandoc could not convert {source or 'a brief'} to {to}: {done.stderr.strip()}")
    return done.stdout


def html_document(source: str | Path) -> str:
    """The self-contained HTML of a brief source (stylesheet and figures inlined)."""
    html = pandoc(
        source,
        "html5",
        "--standalone",
        "--embed-resources",
        f"--template={TEMPLATES / 'brief.html'}",
        f"--css={TEMPLATES / 'brief.css'}",
        f"--resource-path={Path(source).resolve().parent}",
    )
    if remote := external_references(html):
        raise RenderError(
            f"the HTML brief of {source} would load from the web ({', '.join(remote[:3])}); briefs must open "
            "offline: use local files or drop the reference"
        )
    if content_security_policy(html) != CONTENT_SECURITY_POLICY:
        raise RenderError(f"the HTML brief of {source} lacks its Content-Security-Policy (template changed?)")
    return html


def render_html(source: str | Path, target: str | Path) -> Path:
    """Render a brief source to a self-contained HTML file at ``target`` (atomically)."""
    return write_text(target, html_document(source))


def typst_markup(source: str | Path) -> str:
    """The brief as Typst markup (the brief template with its Quarto-compatible partials)."""
    return pandoc(source, "typst", "--standalone", f"--template={TEMPLATES / 'brief.typ'}")


def render_pdf(source: str | Path, target: str | Path) -> Path:
    """Render a brief source to PDF at ``target`` (atomically), through Typst."""
    import typst

    source = Path(source).resolve()
    markup = typst_markup(source)
    # beside the source, so that the figures' relative paths resolve inside Typst's root folder
    scratch = source.parent / f".{source.stem}.{os.getpid()}.{secrets.token_hex(4)}.typ"
    try:
        scratch.write_text(markup, encoding="utf-8")
        try:
            pdf = typst.compile(str(scratch), root=str(source.parent))
        except Exception as exc:  # typst raises a bare RuntimeError with the compiler's diagnostics
            raise RenderError(f"Typst could not typeset the brief {source}: {exc}") from exc
    finally:
        scratch.unlink(missing_ok=True)
    return write_bytes(target, pdf)


def markdown_to_html(markdown: str) -> str:
    """Brief Markdown as an HTML fragment, through the brief filter: what a reader reads, for checks."""
    return pandoc(None, "html5", text=markdown)


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
    """Places where an HTML document would fetch something from the network (links to click are fine)."""
    found = [m.group(0)[:80] for m in _FETCHING.finditer(html)]
    found += [m.group(0)[:80] for m in _CSS_URL.finditer(html)]
    return found
