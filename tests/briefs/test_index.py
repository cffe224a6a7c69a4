"""The index page: every rendered brief with its parameters, data releases and dates, linked relatively."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest
from _brief_runs import make_run
from _chromium import chromium_path, load_page
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.briefs.builtin import external_references
from evidence.briefs.index import collect_briefs, foreign_page, index_path, write_index
from evidence.briefs.render import render_run
from evidence.core.errors import InputError


@pytest.fixture
def runs_root(tmp_path: Path) -> Path:
    return tmp_path / "reports" / "runs"


def test_index_sits_beside_the_runs_folder(runs_root: Path) -> None:
    assert index_path(runs_root) == runs_root.resolve().parent / "index.html"


def test_index_lists_the_brief_with_parameters_releases_and_dates(runs_root: Path) -> None:
    run = make_run(runs_root)
    result = render_run(run, renderer="builtin", formats="html")
    page = result.index.read_text(encoding="utf-8")
    assert (
        '<a class="brief-link" href="runs/country_brief-THA-both-2012-2023-5-abc123/brief.html">'
        "Country brief: Thailand</a>" in page
    )
    assert "synthetic demo data" in page  # tagged
    # as the brief's own "At a glance" says it
    assert "<li>evidence synthetic demo data in the CTDC layout, demo generator version 2026.1</li>" in page
    assert "global_synthetic_v2024" not in page  # a layout's id is not for readers
    assert "role</span> both" in page and "years</span> 2012–2023" in page
    assert "2026-11-28" in page  # the run's date
    assert "1 brief ·" in page
    assert external_references(page) == [] and "<script" not in page


def test_briefs_rendered_into_another_runs_folder_join_the_index_and_none_vanishes(tmp_path: Path) -> None:
    runs, briefs = tmp_path / "reports" / "runs", tmp_path / "reports" / "briefs"
    first = make_run(runs, "country_brief-THA-a")
    second = make_run(briefs, "country_brief-KHM-b")
    render_run(first, renderer="builtin", formats="html")
    result = render_run(second, renderer="builtin", formats="html")
    assert result.index == tmp_path / "reports" / "index.html"
    page = result.index.read_text(encoding="utf-8")
    assert "2 briefs ·" in page
    assert 'href="runs/country_brief-THA-a/brief.html"' in page
    assert 'href="briefs/country_brief-KHM-b/brief.html"' in page
    # rendering into the first folder again keeps the second's brief; a folder removed drops out
    page = render_run(first, renderer="builtin", formats="html").index.read_text(encoding="utf-8")
    assert "country_brief-KHM-b" in page
    shutil.rmtree(briefs)
    page = write_index(runs).read_text(encoding="utf-8")
    assert "1 brief ·" in page and "country_brief-KHM-b" not in page


def test_runs_without_a_brief_and_removed_briefs_drop_out(runs_root: Path) -> None:
    first = make_run(runs_root, "country_brief-THA-a")
    second = make_run(runs_root, "country_brief-KHM-b", demo=False)
    make_run(runs_root, "country_brief-LAO-c")  # never rendered
    render_run(first, renderer="builtin", formats="html")
    render_run(second, renderer="builtin", formats="html")
    entries = collect_briefs(runs_root)
    assert {e.folder.name for e in entries} == {first.name, second.name}
    assert [e.demo for e in entries if e.folder == second] == [False]
    (first / "brief.html").unlink()
    shutil.rmtree(second)
    assert collect_briefs(runs_root) == []
    page = write_index(runs_root).read_text(encoding="utf-8")
    assert "No brief has been rendered yet" in page


def test_newest_render_first(runs_root: Path) -> None:
    runs = [make_run(runs_root, f"country_brief-{c}") for c in ("AAA", "BBB")]
    for run, when in zip(runs, ("2026-11-28T10:00:00+00:00", "2026-11-28T09:00:00+00:00"), strict=True):
        (run / "brief.html").write_text("<html></html>")
        (run / "brief.json").write_text(
            json.dumps({"title": run.name, "rendered_at": when, "formats": {"html": "brief.html"}})
        )
    assert [e.folder.name for e in collect_briefs(runs_root)] == ["country_brief-AAA", "country_brief-BBB"]


def test_titles_and_parameters_are_escaped(runs_root: Path) -> None:
    run = make_run(runs_root)
    (run / "brief.html").write_text("<html></html>")
    brief = {"title": "<script>alert(1)</script>", "formats": {"html": "brief.html"}}
    (run / "brief.json").write_text(json.dumps(brief))
    page = write_index(runs_root).read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_index_escapes_what_runs_and_briefs_record(runs_root: Path) -> None:
    payload = '<img src=x onerror="alert(1)">'
    run = make_run(runs_root)
    record = json.loads((run / "run.json").read_text())
    record["parameters"]["country"] = payload
    record["provenance"][0]["release"] = payload
    (run / "run.json").write_text(json.dumps(record))
    render_run(run, renderer="builtin", formats="html")
    brief = json.loads((run / "brief.json").read_text())
    brief["title"] = payload
    (run / "brief.json").write_text(json.dumps(brief))
    page = write_index(runs_root).read_text(encoding="utf-8")
    assert "<img" not in page and page.count("&lt;img src=x onerror=") >= 3
    assert 'http-equiv="Content-Security-Policy"' in page and "<script" not in page


def test_a_brief_record_cannot_point_the_index_outside_its_run_or_script_it(runs_root: Path) -> None:
    """``brief.json`` is the run folder's record, as untrusted as ``run.json``: a format's name is text of the
    page (escaped), and its file is one of the run folder (no path outside it, no link to ``/etc/passwd``)."""
    run = make_run(runs_root)
    render_run(run, renderer="builtin", formats="html")
    brief = json.loads((run / "brief.json").read_text())
    outside = runs_root.parent / "secret.txt"
    outside.write_text("not a brief")
    (run / "linked.html").symlink_to(outside)
    brief["formats"] = {
        "html": "brief.html",
        "<img src=x onerror=&#X61;&#X6C;&#X65;&#X72;&#X74;(&#X31;)>": "brief.html",
        "pdf": "/etc/passwd",
        "txt": "../../secret.txt",
        "htm": "linked.html",
    }
    (run / "brief.json").write_text(json.dumps(brief))
    page = write_index(runs_root).read_text(encoding="utf-8")
    assert "<IMG" not in page.upper().replace("&LT;IMG", "")
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(h.startswith("runs/country_brief-THA-both-2012-2023-5-abc123/") for h in hrefs), (
        hrefs
    )
    assert not [h for h in hrefs if "passwd" in h or "secret" in h or "linked" in h], hrefs


def test_a_runs_folder_named_like_a_scheme_is_linked_as_a_path(tmp_path: Path) -> None:
    """A runs folder called ``javascript:alert(1)`` (or holding ``#`` or ``?``) is a path in the index's links,
    never a URL scheme, a fragment or a query."""
    runs = tmp_path / "reports" / "javascript:alert(document.domain)#x?y"
    render_run(make_run(runs), renderer="builtin", formats="html")
    page = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and not [h for h in hrefs if re.match(r"[a-z]+:", h, re.IGNORECASE) or "#" in h or "?" in h]
    assert all(h.startswith("javascript%3Aalert") for h in hrefs), hrefs


def test_an_index_lists_only_runs_folders_beside_it(tmp_path: Path) -> None:
    """The runs folders an index lists are read back from the page: a page that names others (``/``, a folder
    elsewhere) does not make the next index list the briefs found there; an index only ever indexes the
    runs folders beside it, as :func:`index_path` places it."""
    elsewhere = tmp_path / "private" / "runs"
    render_run(make_run(elsewhere, "country_brief-KHM-private"), renderer="builtin", formats="html")
    runs = tmp_path / "reports" / "runs"
    render_run(make_run(runs), renderer="builtin", formats="html")
    index = tmp_path / "reports" / "index.html"
    page = index.read_text(encoding="utf-8")
    planted = json.dumps(["runs", "../private/runs", "/"]).replace('"', "&quot;")
    index.write_text(re.sub(r'(name="evidence-runs-folders" content=")[^"]*', rf"\g<1>{planted}", page))
    page = write_index(runs).read_text(encoding="utf-8")
    assert "country_brief-KHM-private" not in page and "1 brief ·" in page


def test_the_index_is_read_and_written_under_its_folders_lock(runs_root: Path, monkeypatch) -> None:
    """Two batches finishing at once each read the briefs, then wrote the page: the later write could lack the
    other's newest brief. Another process cannot lock the folder while the briefs are read."""
    import fcntl
    import os

    from evidence.briefs import index

    make_run(runs_root)
    tried: list[bool] = []
    collect = index.collect_briefs

    def collect_while_another_tries(root: Path) -> list:
        fd = os.open(runs_root.parent, os.O_RDONLY)  # another open: flock excludes it as another process
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            tried.append(True)
        except BlockingIOError:
            tried.append(False)
        finally:
            os.close(fd)
        return collect(root)

    monkeypatch.setattr(index, "collect_briefs", collect_while_another_tries)
    write_index(runs_root)
    assert tried == [False]


def test_a_source_the_brief_did_not_use_is_not_among_its_releases(runs_root: Path) -> None:
    """real31: Cambodia's country brief on the real files says the CTDC Victim–Perpetrator synthetic dataset is
    "Not used" (it records regions, never countries) and cites it nowhere, yet the index listed it under the
    brief's data releases, "— synthetic release", and its brief.json said synthetic: a reader took the brief to
    rest on synthetic records. The releases and the flag are of the sources the brief cites."""
    run = make_run(runs_root, demo=False)
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    used = {**record["provenance"][0], "synthetic": False, "layout": "k_anonymised", "cited": True}
    unused = {
        **used,
        "layout": "victim_perpetrator",
        "release": "2022-12-01",
        "synthetic": True,
        "cited": False,
    }
    record["provenance"] = [used, unused]
    (run / "run.json").write_text(json.dumps(record), encoding="utf-8")
    result = render_run(run, renderer="builtin", formats="html")
    page = result.index.read_text(encoding="utf-8")
    assert "<li>CTDC 2024</li>" in page
    assert "2022-12-01" not in page and "synthetic release" not in page
    assert json.loads((run / "brief.json").read_text(encoding="utf-8"))["synthetic"] is False


def test_a_release_the_file_does_not_state_is_said_so() -> None:
    """The real CTDC file states no release: the index listed "ctdc unknown", read as a source named so."""
    from evidence.briefs.index import _releases

    found = _releases(
        [{"source": "ctdc", "release": "unknown", "layout": "k_anonymised"}, {"source": "unodc_glotip"}]
    )
    assert found == ["CTDC (release not stated)", "UNODC GLOTIP (release not stated)"]


def test_the_index_names_each_release_as_the_brief_does(runs_root: Path) -> None:
    """real31: the index said "unodc_glotip 2023-05-30 (glotip_xlsx)", a loader's ids, where the brief says
    "UNODC GLOTIP, release 30 May 2023": a reader matching the two could not tell they were the same release."""
    run = make_run(runs_root, demo=False)
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    record["parameters"]["data"] = []  # the files came from the EVIDENCE_DATA setting
    record["provenance"] = [
        {
            "source": "unodc_glotip",
            "layout": "glotip_xlsx",
            "release": "2023-05-30",
            "synthetic": False,
            "demo": False,
            "label": "UNODC GLOTIP, release 30 May 2023 <b>",
            "cited": True,
        }
    ]
    (run / "run.json").write_text(json.dumps(record), encoding="utf-8")
    page = render_run(run, renderer="builtin", formats="html").index.read_text(encoding="utf-8")
    assert "<li>UNODC GLOTIP, release 30 May 2023 &lt;b&gt;</li>" in page  # the label is a file's: escaped
    assert "glotip_xlsx" not in page and "unodc_glotip" not in page
    # no files named: the run read those in the EVIDENCE_DATA setting, said so rather than "data —"
    assert "data</span> files in EVIDENCE_DATA" in page and "data</span> —" not in page


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="headless Chromium is not installed")
def test_the_index_keeps_its_dates_whole_and_fits_a_phone(runs_root: Path) -> None:
    """Eight real-data briefs: the index split its dates at a hyphen ("2026-" over "12-05"), and on a phone
    its table ran off the page, the releases and dates out of sight."""
    run = make_run(runs_root)
    index = render_run(run, renderer="builtin", formats="html").index
    probe = (
        "(() => { const range = document.createRange();"
        " range.selectNodeContents(document.querySelector('td.when'));"
        " return {page: document.documentElement.scrollWidth, view: window.innerWidth,"
        " lines: range.getClientRects().length}; })()"
    )
    wide = load_page(index, width=1100, probe=probe).probe
    assert wide["lines"] == 1, wide
    narrow = load_page(index, width=420, probe=probe).probe
    assert narrow["page"] <= narrow["view"], narrow


def test_briefs_left_out_are_not_listed_and_come_back_at_the_next_rewrite(runs_root: Path) -> None:
    """A command about to execute a briefed run again writes the index without its brief first: the run that
    replaces the folder takes the brief away, and a command killed outright once it has (``kill -9``) linked it
    from the index for as long as no other command rewrote the index."""
    first = make_run(runs_root, "country_brief-THA-a")
    second = make_run(runs_root, "country_brief-KHM-b")
    for run in (first, second):
        render_run(run, renderer="builtin", formats="html", update_index=False)
    page = write_index(runs_root, leaving_out=[runs_root / ".." / "runs" / first.name]).read_text()
    assert f"{first.name}/brief.html" not in page and f"{second.name}/brief.html" in page
    assert "1 brief ·" in page
    page = write_index(runs_root).read_text()
    assert f"{first.name}/brief.html" in page and "2 briefs ·" in page


def test_the_briefs_an_index_lists_are_read_off_its_links(runs_root: Path) -> None:
    from evidence.briefs.index import listed_briefs

    runs = [make_run(runs_root, f"country_brief-{c}") for c in ("AAA", "B B#?", "CCC")]
    for run in runs[:2]:
        render_run(run, renderer="builtin", formats="html", update_index=False)
    index = write_index(runs_root)
    assert listed_briefs(index) == {runs[0].resolve(), runs[1].resolve()}
    assert listed_briefs(index.with_name("none.html")) == set()


def test_an_index_write_removes_what_a_killed_write_of_it_left(runs_root: Path) -> None:
    """``kill -9`` while the index was written left ``.index.html.<host>-<pid>.<random>.part`` beside it; only
    a brief's render removed it, never a batch that renders nothing."""
    from evidence.core.atomic import host_tag

    make_run(runs_root)
    index = index_path(runs_root)
    index.parent.mkdir(parents=True, exist_ok=True)
    left = index.parent / f".index.html.{host_tag()}-999999999.abcd1234.part"  # a process that is gone
    left.write_text("<html><body>half a pa")
    other = index.parent / f".notes.txt.{host_tag()}-999999999.abcd1234.part"  # not the index's
    other.write_text("x")
    write_index(runs_root)
    assert not left.exists() and other.exists()


_FOLDER_NAMES = st.text(alphabet=st.sampled_from("abcXYZ019-_ .#?%&'\"<>é:"), min_size=1, max_size=12).filter(
    lambda name: name.strip() not in ("", ".", "..") and not name.startswith(".")
)


@settings(max_examples=40)
@given(
    names=st.lists(_FOLDER_NAMES, min_size=1, max_size=5, unique_by=str.lower),
    left_out=st.lists(st.booleans(), min_size=5, max_size=5),
)
def test_an_index_lists_every_brief_but_those_left_out_and_says_which(
    names: list[str], left_out: list[bool]
) -> None:
    """Whatever the run folders are called (``#``, ``?``, ``%``, quotes, a scheme's colon), the page links the
    brief of every run folder but those left out, and :func:`listed_briefs` reads back exactly those."""
    import tempfile

    from evidence.briefs.index import listed_briefs
    from evidence.runs.record import NotebookInfo, RunRecord, Timings, write_record

    def record(run_id: str) -> RunRecord:
        notebook = NotebookInfo(name="nb", path="/nb.ipynb", sha256="0" * 64, executed="nb.ipynb")
        when = Timings(started="2026-01-01T00:00:00+00:00", ended="2026-01-01T00:00:01+00:00", seconds=1.0)
        return RunRecord(run_id=run_id, status="ok", notebook=notebook, timings=when)

    with tempfile.TemporaryDirectory() as scratch:
        runs_root = Path(scratch) / "reports" / "runs"
        folders = []
        for name in names:
            folder = runs_root / name
            folder.mkdir(parents=True)
            write_record(folder, record(run_id=name))
            (folder / "brief.html").write_text("<html></html>\n")
            (folder / "brief.json").write_text(json.dumps({"title": name, "formats": {"html": "brief.html"}}))
            folders.append(folder)
        out = {f for f, leave in zip(folders, left_out, strict=False) if leave}
        index = write_index(runs_root, leaving_out=out)
        assert listed_briefs(index) == {f.resolve() for f in folders if f not in out}
        assert listed_briefs(write_index(runs_root)) == {f.resolve() for f in folders}


def test_a_page_the_toolkit_did_not_write_is_never_written_over(runs_root: Path) -> None:
    """QA27: ``write_index`` (and ``render_run``, which calls it) overwrote any ``index.html`` beside the runs
    folder, a team's home page too; the CLI refused it, the Python API did not. A page without the toolkit's
    mark is refused before a brief is rendered, and stays as it was."""
    run = make_run(runs_root)
    page = index_path(runs_root)
    page.write_text("<!DOCTYPE html><title>Our team</title><p>Welcome</p>", encoding="utf-8")
    assert foreign_page(page)
    with pytest.raises(InputError, match="not an index of briefs written by evidence") as raised:
        render_run(run, renderer="builtin", formats="html")
    assert raised.value.path == str(page)
    assert not (run / "brief.html").exists() and not (run / "brief.qmd").exists()  # refused before rendering
    with pytest.raises(InputError, match="not an index of briefs"):
        write_index(runs_root)
    assert page.read_text(encoding="utf-8") == "<!DOCTYPE html><title>Our team</title><p>Welcome</p>"
    # rendered without the index, the brief is made and the page still left alone
    render_run(run, renderer="builtin", formats="html", update_index=False)
    assert (run / "brief.html").is_file() and foreign_page(page)
    # a folder there is not an index either; once the place is free, the index is written, then rewritten
    page.unlink()
    page.mkdir()
    with pytest.raises(InputError, match="not an index of briefs"):
        write_index(runs_root)
    page.rmdir()
    assert not foreign_page(page)
    assert not foreign_page(write_index(runs_root)) and "1 brief ·" in write_index(runs_root).read_text(
        "utf-8"
    )


def _briefed(
    runs_root: Path,
    name: str,
    *,
    notebook: str = "country_brief",
    country: str | None = "THA",
    role: str = "both",
    rendered_at: str = "2026-11-28T10:00:00+00:00",
    title: str | None = None,
) -> Path:
    """A run folder holding a rendered brief (its files a line each), with the record's notebook and
    parameters, as a rendering batch leaves it."""
    folder = runs_root / name
    folder.mkdir(parents=True)
    parameters: dict = {"role": role, "years": [2012, 2023], "threshold": 5}
    if country is not None:
        parameters = {"country": country, **parameters}
    record = {
        "record_version": 1,
        "run_id": name,
        "status": "ok",
        "notebook": {
            "name": notebook,
            "path": f"{notebook}.ipynb",
            "sha256": "cd" * 32,
            "executed": "nb.ipynb",
        },
        "parameters": parameters,
        "timings": {"started": rendered_at, "ended": rendered_at, "seconds": 1.0},
    }
    (folder / "run.json").write_text(json.dumps(record), encoding="utf-8")
    (folder / "brief.html").write_text("<html></html>\n", encoding="utf-8")
    brief = {"title": title or name, "rendered_at": rendered_at, "formats": {"html": "brief.html"}}
    (folder / "brief.json").write_text(json.dumps(brief), encoding="utf-8")
    return folder


def _listed_in_order(page: str) -> list[str]:
    """The run folders the page's grouped list links, in the page's order."""
    return re.findall(r'<a class="brief-link" href="[^"]*?([^/"]+)/brief\.html"', page)


def test_briefs_are_grouped_by_notebook_and_ordered_by_country_name_then_role_newest_first(
    runs_root: Path,
) -> None:
    """A reviewer of 140 real-data briefs: the index listed them newest first, a batch's briefs in the order its
    workers finished, and one country was hard to find. Each notebook is a group of its own (by name), its briefs
    ordered by the country's name (Cambodia, Cameroon, Côte d'Ivoire: not by code, CIV, CMR, KHM), then role,
    the newest render first among briefs of the same parameters, the others said to be earlier renders."""
    _briefed(runs_root, "cb-THA-destination", role="destination", rendered_at="2026-11-28T10:05:00+00:00")
    _briefed(
        runs_root, "cb-KHM-origin", country="KHM", role="origin", rendered_at="2026-11-28T10:01:00+00:00"
    )
    _briefed(runs_root, "cb-THA-both-a", rendered_at="2026-11-28T09:00:00+00:00")
    _briefed(runs_root, "cb-CIV-both", country="CIV", rendered_at="2026-11-28T10:03:00+00:00")
    _briefed(runs_root, "cb-CMR-both", country="CMR", rendered_at="2026-11-28T10:02:00+00:00")
    _briefed(runs_root, "cb-THA-both-b", rendered_at="2026-11-28T11:00:00+00:00")
    _briefed(runs_root, "cb-KHM-both", country="KHM", rendered_at="2026-11-28T10:04:00+00:00")
    _briefed(
        runs_root, "routes-MMR", notebook="routes", country="MMR", rendered_at="2026-11-28T12:00:00+00:00"
    )
    _briefed(
        runs_root, "causes-world", notebook="causes", country=None, rendered_at="2026-11-28T08:00:00+00:00"
    )
    page = write_index(runs_root).read_text(encoding="utf-8")
    assert re.findall(r'<h2 class="notebook" id="([^"]*)">', page) == ["causes", "country_brief", "routes"]
    assert _listed_in_order(page) == [
        "causes-world",
        "cb-KHM-origin",  # Cambodia: origin before both, as the notebooks offer the roles
        "cb-KHM-both",
        "cb-CMR-both",  # Cameroon
        "cb-CIV-both",  # Côte d'Ivoire
        "cb-THA-destination",  # Thailand: destination before both
        "cb-THA-both-b",  # the newer render of the same parameters first
        "cb-THA-both-a",
        "routes-MMR",
    ]
    rows = {name: row for row in page.split("<tr") for name in re.findall(r"cb-THA-both-[ab]", row)[:1]}
    assert "earlier render" in rows["cb-THA-both-a"] and "earlier render" not in rows["cb-THA-both-b"]
    # the groups are named at the top, each linking to its heading
    assert '<a href="#causes">causes</a>' in page and '<a href="#routes">routes</a>' in page
    assert "9 briefs · newest rendered 2026-11-28 12:00 UTC" in page


def test_roles_follow_the_notebooks_order_and_parameters_fit_one_line(runs_root: Path) -> None:
    """polish30: a reviewer of ~220 briefs found the index's rows tall (each parameter on a line of its own)
    and a country's roles in alphabetical order (both, destination, origin); the roles now come as the notebooks
    offer them (origin, destination, both; one they do not know after) and the parameters as one line."""
    for role in ("both", "destination", "origin", "elsewhere"):
        _briefed(runs_root, f"cb-THA-{role}", role=role)
    page = write_index(runs_root).read_text(encoding="utf-8")
    assert _listed_in_order(page) == [
        "cb-THA-origin",
        "cb-THA-destination",
        "cb-THA-both",
        "cb-THA-elsewhere",
    ]
    (cell,) = {
        cell
        for row in page.split("<tr")
        if "cb-THA-origin" in row
        for cell in re.findall(r'<td data-label="Parameters"[^>]*>(.*?)</td>', row)
    }
    assert "<li" not in cell and "<br" not in cell
    text = html.unescape(re.sub(r"<[^>]+>", "", cell))
    assert text == "country THA · role origin · years 2012–2023 · threshold 5"


def test_the_briefs_rendered_last_are_listed_first_when_there_are_many(runs_root: Path) -> None:
    """What was just rendered, at the top: the ten newest renders, newest first, once the index holds more than
    ten briefs (with fewer, the list below is as short); every brief is still in its group below."""
    codes = ["AFG", "ALB", "DZA", "AGO", "ARG", "ARM", "AUS", "AUT", "AZE", "BHS", "BHR", "BGD"]
    folders = [
        _briefed(runs_root, f"cb-{code}", country=code, rendered_at=f"2026-11-28T10:{i:02d}:00+00:00")
        for i, code in enumerate(codes)
    ]
    page = write_index(runs_root).read_text(encoding="utf-8")
    recent = re.findall(r'<a class="recent-link" href="runs/([^/"]+)/brief\.html"', page)
    assert recent == [f"cb-{code}" for code in reversed(codes)][:10]
    assert page.index('class="recent"') < page.index('class="briefs"')
    assert sorted(_listed_in_order(page)) == sorted(f.name for f in folders)
    from evidence.briefs.index import listed_briefs

    assert listed_briefs(index_path(runs_root)) == {f.resolve() for f in folders}
    shutil.rmtree(folders[0])
    shutil.rmtree(folders[1])
    page = write_index(runs_root).read_text(encoding="utf-8")
    assert 'class="recent"' not in page and "recent-link" not in page  # ten briefs: no such list


def _ids_and_fragments(page: str) -> tuple[list[str], list[str]]:
    return re.findall(r'\bid="([^"]*)"', page), re.findall(r'href="#([^"]*)"', page)


def test_a_large_group_has_an_a_to_z_jump_list_to_its_countries(runs_root: Path) -> None:
    """~190 countries in two roles: a group of more than 20 briefs opens with the letters A to Z, each a plain
    link to its countries' first brief (a letter no country starts with is not a link); a small group has none.
    Every anchor is unique and every link lands on one."""
    codes = ["ALA", "AFG", "KHM", "CMR", "CIV", "THA", "MMR", "USA", "ZWE", "VNM", "LAO"]
    for code in codes:
        for role in ("origin", "destination"):
            _briefed(runs_root, f"cb-{code}-{role}", country=code, role=role)
    _briefed(runs_root, "cb-world", country=None)
    for code in ("THA", "MMR"):
        _briefed(runs_root, f"routes-{code}", notebook="routes", country=code)
    page = write_index(runs_root).read_text(encoding="utf-8")
    assert page.count('<nav class="jump"') == 1  # 23 briefs of country_brief; 2 of routes
    jump = re.search(r'<nav class="jump"[^>]*>(.*?)</nav>', page, re.DOTALL).group(1)
    assert re.findall(r'<a href="#([^"]*)">', jump) == [
        f"country_brief.{letter}" for letter in "ACLMTUVZ"
    ] + ["country_brief.other"]
    assert '<span class="letter-none">B</span>' in jump
    ids, fragments = _ids_and_fragments(page)
    assert len(ids) == len(set(ids)) and set(fragments) <= set(ids)
    # a letter's anchor is the row before its first country's first brief: Åland Islands is under A
    after = page[page.index('id="country_brief.A"') :]
    assert _listed_in_order(after)[:4] == [
        "cb-AFG-origin",  # origin, then destination, as the notebooks offer the roles
        "cb-AFG-destination",
        "cb-ALA-origin",
        "cb-ALA-destination",
    ]
    after = page[page.index('id="country_brief.C"') :]
    assert _listed_in_order(after)[0] == "cb-KHM-origin"  # Cambodia
    # twenty briefs: no jump list
    for folder in sorted(runs_root.glob("cb-*"))[:3]:
        shutil.rmtree(folder)
    page = write_index(runs_root).read_text(encoding="utf-8")
    assert '<nav class="jump"' not in page and 'id="country_brief.' not in page


def test_a_hostile_notebook_title_or_country_is_shown_as_text_with_safe_anchors(runs_root: Path) -> None:
    """The notebook's name, the title and the parameters are the run folder's records (untrusted): shown as
    text in the headings, the jump list and the rows; the anchors made of them are plain names, unique."""
    hostile = '"><img src=x onerror=alert(1)>#a b'
    for i in range(22):
        _briefed(
            runs_root,
            f"run-{i:02d}",
            notebook=hostile if i % 2 else f"{hostile} ",  # two notebooks whose anchors would be the same
            country=hostile if i < 4 else ["THA", "KHM", "MMR"][i % 3],
            role=hostile,
            title=hostile,
        )
    page = write_index(runs_root).read_text(encoding="utf-8")
    assert "<img" not in page and "<script" not in page
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert text.count(hostile) >= 22 + 2  # each title, and each notebook's heading
    ids, fragments = _ids_and_fragments(page)
    assert ids and all(re.fullmatch(r"[A-Za-z0-9_.-]+", i) for i in ids), ids
    assert len(ids) == len(set(ids)) and set(fragments) <= set(ids)
    assert page.count('<h2 class="notebook"') == 2


def test_the_index_is_the_same_page_for_the_same_briefs(runs_root: Path, monkeypatch) -> None:
    """Written again for the same briefs, the page is the same, byte for byte: it says when its newest brief
    was rendered, not when the page was written."""
    import datetime as dt

    for i, code in enumerate(["THA", "KHM", "MMR"]):
        _briefed(runs_root, f"cb-{code}", country=code, rendered_at=f"2026-11-28T10:0{i}:00+00:00")
    first = write_index(runs_root).read_bytes()

    class Later(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2030, 1, 1, 12, 34, tzinfo=tz)

    monkeypatch.setattr(dt, "datetime", Later)  # the page written later
    assert write_index(runs_root).read_bytes() == first
    assert b"newest rendered 2026-11-28 10:02 UTC" in first


def test_a_brief_of_no_render_date_gives_the_page_no_empty_date(runs_root: Path) -> None:
    """A ``brief.json`` that does not say when it was rendered (written by hand, or by an early toolkit) is
    listed; the page does not say its newest brief was rendered at an empty time."""
    folder = _briefed(runs_root, "cb-THA")
    brief = json.loads((folder / "brief.json").read_text(encoding="utf-8"))
    del brief["rendered_at"]
    (folder / "brief.json").write_text(json.dumps(brief), encoding="utf-8")
    page = write_index(runs_root).read_text(encoding="utf-8")
    assert _listed_in_order(page) == ["cb-THA"]
    assert "1 brief</p>" in page and "newest rendered" not in page
