"""The index page: every rendered brief under the runs folders beside it, with parameters, releases and dates.

It sits beside the runs folder (``reports/runs`` → ``reports/index.html``), links to each brief with a
relative path (the ``reports`` folder can be copied or served as it is), is self-contained (its styles
inline, nothing fetched) and is rewritten atomically after every render. Rendering into another runs folder
of the same parent (``--out-root reports/briefs``) adds that folder's briefs to the same index: the page
records the runs folders it lists (relative to itself), and each rewrite lists them all, so no brief vanishes
because another folder was rendered last. Briefs whose run folder is gone, or whose files were removed, drop
out of it on the next rewrite.

A command about to execute again a run whose folder holds a brief rewrites the index without that brief first
(``leaving_out``): the new run replaces the folder, brief and all, and a command killed outright (``kill -9``,
the OOM killer) once it has would otherwise leave the index linking a brief that is gone. Whatever is there is
listed again at the command's end (:func:`listed_briefs` says what a page lists).
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from evidence.analyses.selection import ROLES
from evidence.core.atomic import clean_stale_files, folder_lock, write_text
from evidence.core.errors import InputError
from evidence.presentation.markup import escape_html

INDEX_FILE = "index.html"
#: What an index page of briefs says of itself, in its head (:func:`index_html` writes it): a page without it
#: is not the toolkit's, and is never written over (:func:`foreign_page`).
GENERATOR_MARK = '<meta name="generator" content="evidence" />'


@dataclasses.dataclass(frozen=True)
class IndexEntry:
    """One rendered brief, as the index lists it (``files``: format -> the file, its path resolved)."""

    folder: Path
    title: str
    subtitle: str
    notebook: str
    parameters: dict[str, Any]
    releases: list[str]
    run_date: str
    rendered_at: str
    files: dict[str, Path]
    demo: bool


def index_path(runs_root: str | Path) -> Path:
    """Where the index of a runs folder goes: beside it (``reports/runs`` → ``reports/index.html``)."""
    return Path(runs_root).resolve().parent / INDEX_FILE


def collect_briefs(runs_root: str | Path) -> list[IndexEntry]:
    """Every run folder under ``runs_root`` that holds a rendered brief, newest render first."""
    from evidence.briefs.document import _unique_sources
    from evidence.runs.record import list_runs

    entries = []
    for folder, record in list_runs(runs_root):
        brief = read_json_object(folder / "brief.json")
        if not brief:
            continue
        files = _brief_files(folder, brief.get("formats"))
        if not files:
            continue
        provenance = [p for p in record.provenance if "error" not in p]
        entries.append(
            IndexEntry(
                folder=folder,
                title=str(brief.get("title") or record.run_id or folder.name),
                subtitle=str(brief.get("subtitle") or ""),
                notebook=str(record.notebook.name or brief.get("notebook") or ""),
                parameters=dict(record.parameters),
                # the releases the brief cites, as its sources section does (:func:`_unique_sources`)
                releases=_releases(_unique_sources(provenance)),
                run_date=record.timings.ended[:10],
                rendered_at=str(brief.get("rendered_at") or ""),
                files=files,
                demo=bool(brief.get("demo")) or any(p.get("demo") for p in provenance),
            )
        )
    return sorted(entries, key=lambda e: (e.rendered_at, e.folder.name), reverse=True)


def _brief_files(folder: Path, formats: Any) -> dict[str, Path]:
    """The brief's files a run folder's ``brief.json`` names (format -> file), those that are files of the
    folder itself: the record is the folder's, as untrusted as ``run.json``, so a name that is a path (absolute,
    ``../secret``) or a link out of the folder is not listed (the index would link to it)."""
    if not isinstance(formats, dict):
        return {}
    inside = folder.resolve()
    files = {}
    for fmt, name in formats.items():
        name = str(name)
        if not name or name in (".", "..") or "/" in name or "\\" in name:
            continue
        path = folder / name
        if path.is_file() and (real := path.resolve()).parent == inside:
            files[str(fmt)] = real  # resolved once: the page links it as it is (~400 briefs, 3 links each)
    return files


def write_index(
    runs_root: str | Path, target: str | Path | None = None, *, leaving_out: Iterable[str | Path] = ()
) -> Path:
    """Write the index of the briefs under ``runs_root`` and under the runs folders the index already lists
    that still exist (atomically); return its path. ``leaving_out``: run folders whose briefs are not listed
    (runs about to execute again, see the module's docstring)."""
    target = Path(target) if target is not None else index_path(runs_root)
    check_index_page(target)
    base = target.resolve().parent
    left_out = {Path(folder).resolve() for folder in leaving_out}
    # read and written under the index folder's lock: two batches (or a batch and a brief) finishing at once
    # would otherwise each read the briefs, and the later write could lack the other's newest brief
    with folder_lock(base):
        # what a write of the page killed outright left (its temporary file), as any write of it would
        clean_stale_files(base, prefix=f".{target.name}.")
        check_index_page(target)  # (a page put there since, under the lock: a write never replaces it)
        roots = sorted({Path(runs_root).resolve(), *indexed_roots(target)})
        entries = [e for root in roots for e in collect_briefs(root) if e.folder.resolve() not in left_out]
        entries.sort(key=lambda e: (e.rendered_at, e.folder.name), reverse=True)
        return write_text(target, index_html(entries, base=base, roots=roots))


def foreign_page(target: str | Path) -> bool:
    """Whether something lies at ``target`` (where an index of briefs goes) that the toolkit did not write: a
    page without its mark (:data:`GENERATOR_MARK`; a team's home page, a web server's index), a folder, a
    dangling link, a file that cannot be read. Never to be overwritten; False when the place is free or holds
    an index of briefs."""
    target = Path(target)
    if not target.exists() and not target.is_symlink():
        return False
    try:
        with target.open("rb") as page:
            head = page.read(16384).decode("utf-8", "replace")
    except OSError:
        return True
    return GENERATOR_MARK not in head


def check_index_page(target: str | Path) -> None:
    """Refuse to write the index of briefs over a page the toolkit did not write (:func:`foreign_page`)."""
    if foreign_page(target):
        raise InputError(
            "not an index of briefs written by evidence, and the index of briefs goes there (beside the runs "
            "folder): it is not overwritten. Move it, or keep the runs folder in another folder",
            path=Path(target),
        )


def holds_brief(folder: str | Path) -> bool:
    """Whether a run folder holds a brief the index would list (its ``brief.json`` naming files there)."""
    brief = read_json_object(Path(folder) / "brief.json")
    return bool(brief and _brief_files(Path(folder), brief.get("formats")))


def listed_briefs(target: str | Path) -> set[Path]:
    """The run folders whose briefs an index page links (absolute); none when there is no page."""
    try:
        page = Path(target).read_text(encoding="utf-8")
    except OSError:
        return set()
    base = Path(target).resolve().parent
    links = re.findall(r'<a class="brief-link" href="([^"]*)"', page)
    return {(base / unquote(html.unescape(link))).resolve().parent for link in links}


#: The ``<meta>`` of an index page that lists the runs folders it indexes (JSON, relative to the page).
_ROOTS_META = "evidence-runs-folders"


def indexed_roots(target: str | Path) -> list[Path]:
    """The runs folders an existing index page lists (those that still exist, beside the page), absolute."""
    try:
        page = Path(target).read_text(encoding="utf-8")
    except OSError:
        return []
    found = re.search(rf'<meta name="{_ROOTS_META}" content="([^"]*)"', page)
    try:
        names = json.loads(html.unescape(found.group(1))) if found else []
    except ValueError:
        return []
    base = Path(target).resolve().parent
    folders = [(base / name).resolve() for name in names if isinstance(name, str)]
    # only runs folders beside the page, where index_path puts the index of each: the page is a file anyone
    # may have edited, and a folder it names elsewhere ("/", another team's runs) would have its briefs listed
    return [f for f in folders if f.is_dir() and f.parent == base]


#: Briefs in the "rendered last" list at the top of the page, when the page holds more than that.
RECENT_BRIEFS = 10
#: A notebook's group holding more briefs than this opens with an A–Z list of its countries.
JUMP_LIST_FROM = 20


def index_html(entries: list[IndexEntry], *, base: Path, roots: list[Path] | None = None) -> str:
    """The index page for ``entries``, with links relative to the folder ``base``; ``roots``: the runs folders
    it indexes (recorded in the page, so that the next rewrite lists them too).

    The briefs are grouped by notebook (by name), ordered in a group by what their parameters name (the
    country's name, then role, then the others), the newest render first among briefs of the same parameters;
    a group of more than :data:`JUMP_LIST_FROM` briefs opens with an A–Z list of its countries; above the groups,
    the :data:`RECENT_BRIEFS` rendered last, when there are more. The same briefs make the same page, byte for
    byte: it says when its newest brief was rendered, never when it was written."""
    from evidence.briefs.builtin import TEMPLATES, csp_meta

    newest_first = sorted(entries, key=lambda e: (e.rendered_at, e.folder.name, str(e.folder)), reverse=True)
    if not entries:
        body = "<p>No brief has been rendered yet. Make one with <code>evidence brief THA</code>.</p>"
    else:
        groups: dict[str, list[IndexEntry]] = {}
        for entry in newest_first:
            groups.setdefault(entry.notebook, []).append(entry)
        names = sorted(groups, key=lambda name: (name == "", *_sort_text(name)))
        anchors = _anchors(names)
        parts = []
        if len(names) > 1:
            links = " · ".join(
                f'<a href="#{anchors[name]}">{escape_html(_notebook_label(name))}</a> ({len(groups[name]):,})'
                for name in names
            )
            parts.append(f'<p class="groups">Notebooks: {links}</p>')
        if len(entries) > RECENT_BRIEFS:
            parts.append(_recent(newest_first[:RECENT_BRIEFS], base))
        parts += [_group(name, groups[name], anchors[name], base) for name in names]
        body = "\n".join(parts)
    style = (TEMPLATES / "brief.css").read_text(encoding="utf-8") + _INDEX_STYLE
    plural = "brief" if len(entries) == 1 else "briefs"
    latest = newest_first[0].rendered_at if entries else ""  # (a brief.json may not say when)
    newest = f" · newest rendered {escape_html(_when(latest))} UTC" if latest else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
{csp_meta()}
<meta name="viewport" content="width=device-width, initial-scale=1" />
{GENERATOR_MARK}
<meta name="{_ROOTS_META}" content="{escape_html(json.dumps([_relative(r, base) for r in roots or []]), quote=True)}" />
<title>Research briefs</title>
<style>
{style}
</style>
</head>
<body>
<header class="brief-title-block index-title-block">
  <p class="brief-kind">Research briefs</p>
  <h1 class="title">Rendered briefs</h1>
  <p class="subtitle">{len(entries):,} {plural}{newest}</p>
</header>
<main class="brief-body index-body">
{body}
</main>
</body>
</html>
"""


def _recent(entries: list[IndexEntry], base: Path) -> str:
    """The briefs rendered last, newest first: a line each, linking the brief (its row is in its group)."""
    items = "".join(
        f'<li><a class="recent-link" href="{_href(entry.files.get("html") or next(iter(entry.files.values())), base)}">'
        f"{escape_html(entry.title)}</a> "
        f'<span class="muted">{escape_html(entry.subtitle + " · " if entry.subtitle else "")}'
        f"{escape_html(_notebook_label(entry.notebook))} · "
        f"rendered {escape_html(_when(entry.rendered_at))}</span></li>"
        for entry in entries
    )
    return (
        f'<section class="recent">\n<h2>Rendered last</h2>\n<p class="muted">The {len(entries)} newest renders; '
        "every brief is listed below under its notebook, by country.</p>\n"
        f'<ol class="plain">{items}</ol>\n</section>'
    )


def _group(name: str, entries: list[IndexEntry], anchor: str, base: Path) -> str:
    """A notebook's briefs (``entries`` newest first), ordered by their parameters (:func:`_parameters_order`),
    under a heading; with an A–Z list of the countries when there are many."""
    from evidence.briefs.document import country_of

    ordered = sorted(entries, key=_parameters_order)  # stable: the newest first among the same parameters
    letters = [_initial(country_of(e.parameters)) for e in ordered] if len(ordered) > JUMP_LIST_FROM else []
    rows, seen_parameters, seen_letters = [], set(), []
    for i, entry in enumerate(ordered):
        if letters and letters[i] not in seen_letters:
            seen_letters.append(letters[i])
            label = "Other" if letters[i] == "other" else letters[i]
            rows.append(f'<tr class="letter" id="{anchor}.{letters[i]}"><th colspan="5">{label}</th></tr>')
        same = _parameters_text(entry)
        rows.append(_row(entry, base, earlier=same in seen_parameters))
        seen_parameters.add(same)
    jump = ""
    if letters:
        links = [
            f'<a href="#{anchor}.{letter}">{letter}</a>'
            if letter in seen_letters
            else f'<span class="letter-none">{letter}</span>'
            for letter in _LETTERS
        ]
        if "other" in seen_letters:
            links.append(f'<a href="#{anchor}.other">Other</a>')
        jump = f'<nav class="jump" aria-label="Countries from A to Z">{" ".join(links)}</nav>\n'
    plural = "brief" if len(entries) == 1 else "briefs"
    return (
        f'<h2 class="notebook" id="{anchor}">{escape_html(_notebook_label(name))}</h2>\n'
        f'<p class="muted">{len(entries):,} {plural}, by country, then role</p>\n{jump}'
        '<table class="briefs">\n<thead><tr><th>Brief</th><th>Parameters</th><th>Data releases</th>'
        "<th>Run</th><th>Rendered</th></tr></thead>\n"
        f"<tbody>\n{chr(10).join(rows)}\n</tbody>\n</table>"
    )


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _anchors(names: list[str]) -> dict[str, str]:
    """Each notebook's anchor: its name in letters, digits, ``_`` and ``-`` (untrusted text makes no markup
    and no other anchor), made unique; never holding a dot, which joins a group's anchor to its letters'."""
    anchors: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "notebook"
        anchor, n = stem, 1
        while anchor in taken:
            n += 1
            anchor = f"{stem}-{n}"
        taken.add(anchor)
        anchors[name] = anchor
    return anchors


def _notebook_label(name: str) -> str:
    return name or "notebook not recorded"


def _sort_text(text: str) -> tuple[str, str]:
    """Text as readers sort it: case and accents aside ("Côte d'Ivoire" among the C's), then as written."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return bare.casefold(), text


def _initial(country: str | None) -> str:
    """The letter a country is listed under (Åland Islands under A); ``other`` for none, or not a letter."""
    first = _sort_text(country or "")[0][:1].upper()
    return first if first and first in _LETTERS else "other"


def _parameters_order(entry: IndexEntry) -> tuple:
    """What a brief's parameters name first: the country (by name; briefs of none after), role, the rest."""
    from evidence.briefs.document import country_of

    country = country_of(entry.parameters)
    role = str(entry.parameters.get("role") or "")
    return (
        country is None,
        *_sort_text(country or ""),
        # as the notebooks offer the roles (origin, destination, both), not A–Z; one they do not know after
        ROLES.index(role) if role in ROLES else len(ROLES),
        *_sort_text(role),
        _parameters_text(entry),
    )


def _parameters_text(entry: IndexEntry) -> str:
    return json.dumps(entry.parameters, sort_keys=True, default=str)


def _when(rendered_at: str) -> str:
    return rendered_at[:16].replace("T", " ")


def _row(entry: IndexEntry, base: Path, *, earlier: bool = False) -> str:
    links = " · ".join(
        f'<a href="{_href(path, base)}">{escape_html(fmt.upper())}</a>'
        for fmt, path in sorted(entry.files.items())
    )
    title_target = entry.files.get("html") or next(iter(entry.files.values()))
    demo = ' <span class="tag tag-demo">synthetic demo data</span>' if entry.demo else ""
    if earlier:  # a brief of the same notebook and parameters was rendered since: listed just above
        demo += ' <span class="tag tag-earlier">earlier render</span>'
    subtitle = f'<div class="muted">{escape_html(entry.subtitle)}</div>' if entry.subtitle else ""
    # one line a reader scans down the column ("country THA · role origin · years 2012–2023"), not a line each
    parameters = " · ".join(
        f'<span class="muted">{escape_html(name)}</span> {escape_html(_parameter_value(name, value, entry.demo))}'
        for name, value in entry.parameters.items()
    )
    releases = "".join(f"<li>{escape_html(r)}</li>" for r in entry.releases) or "<li>none recorded</li>"
    return (
        "<tr>"
        f'<td><a class="brief-link" href="{_href(title_target, base)}">'
        f"{escape_html(entry.title)}</a>{demo}{subtitle}"
        f'<div class="muted">{escape_html(entry.notebook)} · {links}</div></td>'
        f'<td data-label="Parameters" class="parameters">{parameters}</td>'
        f'<td data-label="Data releases"><ul class="plain releases">{releases}</ul></td>'
        f'<td class="when" data-label="Run">{escape_html(entry.run_date)}</td>'
        f'<td class="when" data-label="Rendered">{escape_html(_when(entry.rendered_at))}</td>'
        "</tr>"
    )


def _releases(provenance: Iterable[Mapping[str, Any]]) -> list[str]:
    """The releases, each once, named as the brief names them (its "At a glance" box): the source's own name and
    release ("UNODC GLOTIP, release 30 May 2023"), never the loader's ids a reader cannot match to the brief."""
    from evidence.briefs.document import _release_label

    labels = []
    for p in provenance:
        label = _release_label(p)
        if label not in labels:
            labels.append(label)
    return labels


def _parameter_value(name: str, value: Any, demo: bool) -> str:
    """A parameter's value as the index shows it: no data files named is where the run took them from (as
    :func:`evidence.notebooks.runtime.data_files` does), not "—", which reads as a run on no data."""
    from evidence.briefs.document import _DATA_NAMES

    if name.lower() in _DATA_NAMES and value in (None, "", [], ()):
        return "synthetic demo (none given)" if demo else "files in EVIDENCE_DATA"
    return _value(value)


def _value(value: Any) -> str:
    if isinstance(value, list | tuple) and len(value) == 2 and all(type(v) is int for v in value):
        return f"{value[0]}–{value[1]}"  # a year range
    if isinstance(value, list | tuple):
        # data files: the file name says which file; the full path is in run.json
        return ", ".join(Path(v).name if isinstance(v, str) and os.sep in v else str(v) for v in value) or "—"
    if value is None or value == "":
        return "—"
    return str(value)


def _relative(path: Path, base: Path) -> str:
    return Path(os.path.relpath(path.resolve(), base)).as_posix()


def _href(path: Path, base: Path) -> str:
    """A link to ``path`` from the index (in ``base``): its relative path, percent-encoded, so that a folder's
    name is never read as a URL scheme (a runs folder ``javascript:x``), a fragment (``#``) or a query (``?``);
    HTML-escaped for the attribute. ``path`` is resolved already (:func:`_brief_files`), as ``base`` is."""
    return escape_html(quote(Path(os.path.relpath(path, base)).as_posix(), safe="/"), quote=True)


def read_json_object(path: Path) -> dict[str, Any] | None:
    """A JSON object from a file (a run's or a brief's record); None if missing, unreadable or not an object."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


_INDEX_STYLE = """
.index-title-block, .index-body { max-width: 72rem; }
table.briefs { width: 100%; }
table.briefs td, table.briefs th { text-align: left; }
table.briefs td:not(:first-child), table.briefs th:not(:first-child) { text-align: left; }
.brief-link { font-weight: 600; }
.muted { color: var(--muted); font-size: 0.88rem; }
ul.plain { list-style: none; margin: 0; padding: 0; font-size: 0.9rem; }
table.briefs td.parameters { font-size: 0.9rem; }
.tag { display: inline-block; font-size: 0.72rem; font-weight: 700; padding: 0.05rem 0.4rem;
       border-radius: 3px;
       margin-left: 0.4rem; vertical-align: middle; }
.tag-earlier { background: var(--rule); color: var(--muted); }
.tag-demo { background: var(--alarm); color: #fff; text-transform: uppercase; letter-spacing: 0.04em; }
h2.notebook { margin-top: 2rem; }
nav.jump { margin: 0.4rem 0 0.8rem; font-size: 1rem; word-spacing: 0.3rem; }
nav.jump .letter-none { color: var(--muted); opacity: 0.5; }
table.briefs tr.letter th { padding-top: 0.8rem; font-size: 1.05rem; }
section.recent ol { font-size: 0.92rem; }
/* a date is not split at its hyphens (a release is named in words, "UNODC GLOTIP, release 30 May 2023") */
table.briefs td.when { white-space: nowrap; }
/* on a phone each brief is a block of its own, each field under its name: the table does not run off the page */
@media (max-width: 40rem) {
  table.briefs, table.briefs tbody, table.briefs tr, table.briefs td { display: block; }
  table.briefs thead { display: none; }
  table.briefs td { border: none; padding: 0.2rem 0; }
  table.briefs tr { border-bottom: 1px solid var(--rule); padding: 0.6rem 0; }
  table.briefs td[data-label]::before { content: attr(data-label); display: block; font-size: 0.75rem;
                                        font-weight: 700; color: var(--muted); text-transform: uppercase; }
  table.briefs td.when { white-space: normal; }
}
"""
