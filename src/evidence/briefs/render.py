"""Render an executed run into a brief: HTML and PDF, next to the run, with Quarto or the built-in renderer.

Where a brief goes
    Into its run's folder: ``brief.qmd`` and ``brief-figures/`` (the source, which Quarto renders as it is),
    ``brief.html``, ``brief.pdf`` and ``brief.json`` (title, date, renderer, formats; read by the index). A
    brief belongs to exactly one run, so it lives and is replaced with it: re-running a notebook replaces the
    folder, and a stale brief cannot outlive the numbers it shows. Every file is written atomically. A render
    that fails or is interrupted (Ctrl-C, SIGTERM) once it has begun writing removes the brief from the folder,
    its own files and those of the render before it (no half brief, no mix of two renders), and takes it out of
    the index; one refused before (disclosure control, a page at ``index.html`` that is not the toolkit's)
    leaves the folder as it was. The index
    (:mod:`evidence.briefs.index`) sits beside the runs folder: ``reports/runs/<run>`` →
    ``reports/index.html``.

Which renderer
    ``auto`` uses the Quarto CLI when it is on PATH (``quarto render`` with the brief format of
    ``reports/_quarto.yml``: the same stylesheet, filter and Typst partials as the built-in path), else the
    built-in renderer (pandoc + Typst, :mod:`evidence.briefs.builtin`). Both read the same ``brief.qmd``.

Disclosure control
    Before a brief is rendered, what the notebook displayed (tables and computed Markdown, as a reader sees
    them) is scanned for small counts of people (:func:`evidence.presentation.disclosure.find_small_counts`,
    under the run's threshold); a hit stops the render with the list of offending numbers. Numbers that say
    they count something else (lists, countries, years: ``data-kind``) are not checked. The scan is a safety
    net behind the notebook's tables, which are suppressed when they are built.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Self

import yaml

from evidence.briefs import builtin
from evidence.briefs.builtin import RenderError
from evidence.briefs.document import (
    FIGURES_DIR,
    SOURCE_FILE,
    BriefDocument,
    build_document,
    disclosure_threshold,
)
from evidence.briefs.index import check_index_page, index_path, listed_briefs, read_json_object, write_index
from evidence.core.atomic import atomic_path, clean_stale_files, host_tag, write_bytes, write_text
from evidence.core.errors import EvidenceError, ParameterError

FORMATS = ("html", "pdf")
RENDERERS = ("auto", "quarto", "builtin")
#: What a render adds to a run folder (besides the source files).
OUTPUT_FILES = {"html": "brief.html", "pdf": "brief.pdf"}
BRIEF_RECORD = "brief.json"
_QUARTO_TO = {"html": "html", "pdf": "typst"}
_QUARTO_TIMEOUT_SECONDS = 900


@dataclasses.dataclass(frozen=True)
class RenderedBrief:
    """What one render produced: the files by format, the renderer used and the seconds each format took."""

    run_dir: Path
    title: str
    renderer: str
    outputs: dict[str, Path]
    seconds: dict[str, float]
    demo: bool
    index: Path | None = None


def parse_formats(value: str | Iterable[str]) -> tuple[str, ...]:
    """``"all"``, ``"html"``, ``"pdf"``, ``"html,pdf"`` (or a list of those) → the formats, in order."""
    items = [value] if isinstance(value, str) else list(value)
    wanted: set[str] = set()
    for item in items:
        for part in str(item).split(","):
            part = part.strip().lower()
            if part == "all":
                wanted.update(FORMATS)
            elif part in FORMATS:
                wanted.add(part)
            elif part:
                raise ParameterError(f"unknown brief format {part!r}; choose from html, pdf, all")
    if not wanted:
        raise ParameterError("no brief format given; choose from html, pdf, all")
    return tuple(f for f in FORMATS if f in wanted)


def choose_renderer(renderer: str = "auto") -> str:
    """``quarto`` or ``builtin``: ``auto`` picks Quarto when its CLI is on PATH."""
    if renderer not in RENDERERS:
        raise ParameterError(f"unknown renderer {renderer!r}; choose from {', '.join(RENDERERS)}")
    quarto = shutil.which("quarto")
    if renderer == "quarto" and not quarto:
        raise ParameterError("the Quarto CLI is not on PATH; install it or use --renderer builtin")
    if renderer == "auto":
        return "quarto" if quarto else "builtin"
    return renderer


class BegunRender:
    """A built-in render begun ahead (:func:`begin_render`): the brief's document read from its run folder and
    its pandoc process started, while the caller does what must come first (``evidence brief`` rewrites the
    index that linked the brief its run replaced, lets its kernel go and says what the run did); handed to
    :func:`render_run`, which finishes it. A context manager: leaving it stops pandoc if the render was not
    finished (refused, interrupted)."""

    def __init__(self, run_dir: Path, formats: tuple[str, ...], check_disclosure: bool) -> None:
        self.run_dir = run_dir
        self.formats = formats
        self.check_disclosure = check_disclosure
        self._stack = contextlib.ExitStack()
        self._error: Exception | None = None
        self._taken = False
        self.document: BriefDocument | None = None
        self.scanned: builtin.Conversion | None = None
        self.conversion: builtin.Conversion | None = None
        self.started = time.perf_counter()  # (a format's seconds count from here, pandoc's start)
        try:
            self.document = build_document(run_dir)
            self.scanned, self.conversion = _start_conversions(
                self.document, formats, check_disclosure, self._stack
            )
        except Exception as exc:  # noqa: BLE001 - raised by render_run, where a render's errors are reported
            self._error = exc
            self._stack.close()

    def serves(self, run_dir: Path, formats: tuple[str, ...], check_disclosure: bool) -> bool:
        """Whether this render is the one asked for (and not finished yet)."""
        return not self._taken and (self.run_dir, self.formats, self.check_disclosure) == (
            run_dir,
            formats,
            check_disclosure,
        )

    def take(
        self, stack: contextlib.ExitStack
    ) -> tuple[BriefDocument, builtin.Conversion | None, builtin.Conversion]:
        """The document and the conversions begun, handed to ``stack`` (which closes them); raises what
        beginning them raised."""
        self._taken = True
        if self._error is not None:
            raise self._error
        assert self.document is not None and self.conversion is not None
        stack.enter_context(self._stack.pop_all())
        return self.document, self.scanned, self.conversion

    def close(self) -> None:
        """Stop what was begun and not handed over (idempotent)."""
        self._stack.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def begin_render(
    run_dir: str | Path,
    *,
    formats: str | Iterable[str] = FORMATS,
    renderer: str = "auto",
    check_disclosure: bool = True,
) -> BegunRender | None:
    """Begin the built-in render of a successful run folder's brief: read its document and start pandoc on it
    now (see :class:`BegunRender`); None when the render is Quarto's. Never raises: what fails is raised by the
    :func:`render_run` it is handed to."""
    try:
        formats = parse_formats(formats)
        if choose_renderer(renderer) != "builtin":
            return None
    except Exception:  # noqa: BLE001 - render_run says it
        return None
    return BegunRender(Path(run_dir), formats, check_disclosure)


def _start_conversions(
    document: BriefDocument, formats: tuple[str, ...], check_disclosure: bool, stack: contextlib.ExitStack
) -> tuple[builtin.Conversion | None, builtin.Conversion]:
    """One pandoc process (entered into ``stack``) converting the brief and, when it is checked, the text
    disclosure control scans, which it hands over first: the conversion that scans it (or None) and the one
    converting the brief, the same."""
    scanned = check_disclosure and bool(document.displayed.strip())
    conversion = stack.enter_context(
        builtin.Conversion(
            document.source_text(),
            html="html" in formats,
            typst="pdf" in formats,
            displayed=document.displayed if scanned else None,
        )
    )
    return (conversion if scanned else None), conversion


def render_run(
    run_dir: str | Path,
    *,
    formats: str | Iterable[str] = FORMATS,
    renderer: str = "auto",
    check_disclosure: bool = True,
    update_index: bool = True,
    begun: BegunRender | None = None,
) -> RenderedBrief:
    """Render a successful run folder into its brief (see the module docstring); return what was written.
    ``begun``: the same render begun ahead (:func:`begin_render`), finished here."""
    run_dir = Path(run_dir)
    formats = parse_formats(formats)
    chosen = choose_renderer(renderer)
    if begun is not None and not (chosen == "builtin" and begun.serves(run_dir, formats, check_disclosure)):
        begun.close()  # begun for another render: not this one's
        begun = None
    if update_index:
        check_index_page(index_path(run_dir.parent))  # refused before anything is written, not after
    outputs = {fmt: run_dir / OUTPUT_FILES[fmt] for fmt in formats}
    seconds: dict[str, float] = {}
    # once the brief's source is written, a render that fails or is interrupted (Ctrl-C; SIGTERM, which the CLI
    # turns into it) removes what it wrote, and with it what the brief's render before it left: no half brief,
    # nor a mix of two renders (a new source beside the old pages), is left in the folder (module docstring)
    writing = False
    try:
        if chosen == "quarto":
            document = build_document(run_dir)
            if check_disclosure:
                check_brief_disclosure(document)
            writing = True
            source = document.write(run_dir)
            for fmt, target in outputs.items():
                started = time.perf_counter()
                render_with_quarto(source, fmt, target)
                seconds[fmt] = time.perf_counter() - started
        else:
            # one pandoc process, which hands over the text disclosure control scans first (nothing is written
            # before the scan has passed), then the Typst markup (typeset while pandoc goes on), then the HTML (a
            # second process for the scan, at once, cost its start and its filter's load, ~0.06 CPU-s a brief, for
            # the same bytes); each format's seconds are the time spent on it, waiting for pandoc included
            started = time.perf_counter()
            with contextlib.ExitStack() as stack:
                if begun is not None:
                    document, scanned, conversion = begun.take(stack)
                    started = begun.started
                else:
                    document = build_document(run_dir)
                    scanned, conversion = _start_conversions(document, formats, check_disclosure, stack)
                if check_disclosure:
                    displayed_html = scanned.result("displayed_html") if scanned else None
                    check_brief_disclosure(document, displayed_html or "")
                writing = True
                source = document.write(run_dir)
                made: dict[str, str | bytes] = {}
                if "pdf" in outputs:
                    markup = conversion.result("typst") or ""
                    made["pdf"] = builtin.typeset(markup, run_dir, what=str(source), date=document.date)
                    seconds["pdf"], started = time.perf_counter() - started, time.perf_counter()
                if "html" in outputs:
                    made["html"] = builtin.self_contained(
                        conversion.result("html") or "", run_dir, what=str(source)
                    )
                    seconds["html"] = time.perf_counter() - started
                conversion.finish()
            # written in the order of FORMATS, as before: the HTML, then the PDF
            for fmt, target in outputs.items():
                started = time.perf_counter()
                content = made[fmt]
                if isinstance(content, bytes):
                    write_bytes(target, content)
                else:
                    write_text(target, content)
                seconds[fmt] += time.perf_counter() - started
        _write_brief_record(run_dir, document, chosen, outputs)
    # (not any BaseException: nothing of a process runs after kill -9, which tests stand for with one)
    except (KeyboardInterrupt, Exception):
        if writing:
            _remove_failed_brief(run_dir, update_index=update_index)
        raise
    index = None
    if update_index:
        index = write_index(run_dir.parent, index_path(run_dir.parent))
    return RenderedBrief(run_dir, document.title, chosen, outputs, seconds, document.demo, index)


def _remove_failed_brief(run_dir: Path, *, update_index: bool) -> None:
    """What a render that failed or was interrupted once it began writing leaves: its brief removed
    (:func:`remove_unfinished_brief`) and, when the render was to update the index and the index lists the
    brief, the index rewritten without it. Raises nothing: the render's own error is the one said."""
    with contextlib.suppress(OSError):
        remove_unfinished_brief(run_dir)
    if update_index:
        target = index_path(run_dir.parent)
        if run_dir.resolve() in listed_briefs(target):
            with contextlib.suppress(OSError, EvidenceError):
                write_index(run_dir.parent, target)


def remove_unfinished_brief(run_dir: str | Path) -> None:
    """Remove the brief from a run folder whose render was killed (its process gone): its record first (the
    index lists a brief by it), then its pages and its source and figures, with the temporaries of renders
    killed there, and the scratch folders of the pandoc processes of killed renders. The run's own files stay.
    A render rewrites them all, so no mix of two renders is left either."""
    run_dir = Path(run_dir)
    for name in (BRIEF_RECORD, *OUTPUT_FILES.values(), SOURCE_FILE):
        (run_dir / name).unlink(missing_ok=True)
    shutil.rmtree(run_dir / FIGURES_DIR, ignore_errors=True)
    clean_stale_files(run_dir)
    builtin.remove_stale_conversions()


def check_brief_disclosure(document: BriefDocument, displayed_html: str | None = None) -> None:
    """Stop when what the notebook displayed shows a count the run's disclosure rule suppresses
    (``displayed_html``: the displayed text as HTML, when converted already).

    The error names each number and where it is (a table by its caption, or the notebook's text) with the
    text around it, and says first how to mend the brief for that number: a count of people is suppressed,
    a number that counts something else or belongs to a name (a category, a source's title or release such
    as "extract 2 of 3") is marked, or the name renamed; skipping the whole check comes last."""
    from evidence.presentation.disclosure import DisclosureError

    if located := _located_hits(document, displayed_html):
        listed = "; ".join(f"{hit} ({where})" for where, hit in located[:10]) + (
            f"; and {len(located) - 10} more" if len(located) > 10 else ""
        )
        threshold = disclosure_threshold(document.parameters)
        raise DisclosureError(
            f"the brief of run {document.run_id} shows counts below {threshold}: {listed}. "
            "For each number: if it counts people, suppress it in the notebook (evidence.presentation.disclosure). "
            "If it is part of a name (a category, or a source's title, release or citation from a provenance "
            'sidecar or a mapping, such as "extract 2 of 3"), write the name as a label '
            "(evidence.presentation.markup.data_label; a table's source line, caption, headers and row labels "
            'are labels already), or rename it in the sidecar or mapping ("extract two of three"). If it '
            "counts something else, say what it counts (show_table(..., kinds=...), "
            "evidence.presentation.markup.number). Last resort, only when the whole brief is known to be safe: "
            "re-render with --skip-disclosure-check, which turns the whole check off"
        )


def disclosure_hits(document: BriefDocument, displayed_html: str | None = None) -> list[Any]:
    """Small counts of people in what the notebook displayed (tables, computed Markdown) as a reader sees it.

    The notebook's authored prose is not scanned: it states no counts from the data, and phrases such as "one
    victim can have several forms" are not disclosures. In a table, the cells are read, not the names of what
    they count: its caption, header cells, row labels and source line are labels (a category ``Q6.1_10s_2019``
    or ``alert(2)``, a source "extract 2 of 3" is no count), as the table writer marks them
    (:meth:`~evidence.presentation.tables.TableData.to_html`). Numbers say what they count (``data-kind``, see
    :mod:`evidence.presentation.disclosure`): a table column or a number in prose marked as anything but
    counts of people (lists, countries, years, shares...) is not a disclosure and is skipped; counts of people
    are checked strictly; numbers whose kind is not said are read with the scanner's heuristics.
    """
    return [hit for _, hit in _located_hits(document, displayed_html)]


def _located_hits(document: BriefDocument, displayed_html: str | None = None) -> list[tuple[str, Any]]:
    """:func:`disclosure_hits`, each with where it is: ``table "<caption>"`` (or the table's number) or
    ``the notebook's text``."""
    from evidence.presentation.disclosure import DisclosureRule, find_small_counts

    rule = DisclosureRule(threshold=disclosure_threshold(document.parameters))
    hits = []
    for number, table in enumerate(document.tables, 1):
        caption = table.caption if not table.caption or len(table.caption) <= 60 else table.caption[:59] + "…"
        where = f"table “{caption}”" if caption else f"table {number}"
        hits += [(where, hit) for hit in find_small_counts(table.to_html(), rule)]
    if document.displayed.strip():
        if displayed_html is None:
            displayed_html = builtin.markdown_to_html(document.displayed)
        hits += [("the notebook's text", hit) for hit in find_small_counts(displayed_html, rule)]
    return hits


def _write_brief_record(
    run_dir: Path, document: BriefDocument, renderer: str, outputs: dict[str, Path]
) -> None:
    record: dict[str, Any] = {
        "title": document.title,
        "subtitle": document.subtitle,
        "date": document.date,
        "rendered_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "renderer": renderer,
        "formats": {fmt: path.name for fmt, path in outputs.items()},
        "source": SOURCE_FILE,
        "run_id": document.run_id,
        "notebook": document.notebook,
        "demo": document.demo,
        "synthetic": document.synthetic,
    }
    existing = read_json_object(run_dir / BRIEF_RECORD)
    if existing and existing.get("run_id") == document.run_id:
        # rendering one format keeps the other one listed, as long as its file is still there
        kept = {f: n for f, n in (existing.get("formats") or {}).items() if (run_dir / str(n)).is_file()}
        record["formats"] = {**kept, **record["formats"]}
    write_text(run_dir / BRIEF_RECORD, json.dumps(record, indent=2, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------------------------------------------- Quarto


def quarto_config(templates: str | Path, *, project: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Quarto project configuration of a brief (``_quarto.yml``), with the template files under
    ``templates`` (absolute for a staging project, relative in ``reports/_quarto.yml``)."""
    t = Path(templates).as_posix().rstrip("/")
    return {
        "project": project or {"type": "default"},
        "lang": "en",
        "execute": {"enabled": False, "echo": False},
        "format": {
            "html": {
                # no script runs and nothing loads (Quarto's own page scripts included: a brief needs none)
                "include-in-header": [{"text": builtin.csp_meta()}],
                "embed-resources": True,
                "toc": False,
                "theme": "none",
                "css": [f"{t}/brief.css"],
                "filters": [f"{t}/brief.lua"],
                "fig-responsive": True,
                "anchor-sections": False,
                "code-tools": False,
            },
            "typst": {
                "papersize": "a4",
                "template-partials": [f"{t}/typst-template.typ", f"{t}/typst-show.typ"],
                "filters": [f"{t}/brief.lua"],
                "keep-typ": False,
            },
        },
    }


def render_with_quarto(source: str | Path, fmt: str, target: str | Path) -> Path:
    """Render a brief source with ``quarto render`` in a staging project; move the result onto ``target``.

    The staging project (a temporary folder beside the source) holds a copy of the source and its figures, and
    a ``_quarto.yml`` pointing at this package's templates, whatever the working folder.
    """
    quarto = shutil.which("quarto")
    if not quarto:
        raise ParameterError("the Quarto CLI is not on PATH; install it or use --renderer builtin")
    source = Path(source).resolve()
    extension = {"html": "html", "pdf": "pdf"}[fmt]
    # named as atomic_path's temporaries (host, process, ``.part``): a render killed outright leaves the staging
    # folder in the run folder, and the next render there removes it as it removes theirs (clean_stale_files)
    stage_prefix = f".brief-quarto.{host_tag()}-{os.getpid()}."
    with tempfile.TemporaryDirectory(prefix=stage_prefix, suffix=".part", dir=source.parent) as stage_name:
        stage = Path(stage_name)
        shutil.copy2(source, stage / SOURCE_FILE)
        if (source.parent / FIGURES_DIR).is_dir():
            shutil.copytree(source.parent / FIGURES_DIR, stage / FIGURES_DIR)
        config = quarto_config(builtin.TEMPLATES)
        (stage / "_quarto.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        command = [quarto, "render", SOURCE_FILE, "--to", _QUARTO_TO[fmt], "--output", f"brief.{extension}"]
        try:
            done = subprocess.run(
                command,
                cwd=stage,
                capture_output=True,
                text=True,
                timeout=_QUARTO_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise RenderError(f"quarto render took longer than {_QUARTO_TIMEOUT_SECONDS} s") from exc
        produced = stage / f"brief.{extension}"
        if done.returncode != 0 or not produced.is_file():
            raise RenderError(
                f"quarto render failed for {source} ({fmt}): {(done.stderr or done.stdout).strip()}"
            )
        if fmt == "html" and (remote := builtin.external_references(produced.read_text(encoding="utf-8"))):
            raise RenderError(f"Quarto's HTML brief would load from the web: {', '.join(remote[:3])}")
        with atomic_path(target) as tmp:
            shutil.copyfile(produced, tmp)
    return Path(target)
