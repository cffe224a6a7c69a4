"""Rendering a run folder into its brief: outputs beside the run, renderer choice, disclosure gate, Quarto."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from pathlib import Path

import pytest
import yaml
from _brief_runs import executed_notebook, make_run
from nbformat.v4 import new_code_cell, new_output

from evidence.briefs.builtin import TEMPLATES, RenderError, external_references
from evidence.briefs.document import SOURCE_FILE
from evidence.briefs.render import (
    begin_render,
    choose_renderer,
    disclosure_hits,
    parse_formats,
    quarto_config,
    render_run,
)
from evidence.core.errors import InputError, ParameterError
from evidence.presentation.disclosure import DisclosureError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_quarto(monkeypatch: pytest.MonkeyPatch) -> None:
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "quarto" else real_which(name))


def _markdown_output_cell(text: str):
    return new_code_cell("show()", outputs=[new_output("display_data", data={"text/markdown": text})])


def _html_output_cell(html: str):
    return new_code_cell("table", outputs=[new_output("display_data", data={"text/html": html})])


def _table_output_cell(table):
    from evidence.presentation.tables import TABLE_MIME

    data = {TABLE_MIME: table.to_json(), "text/plain": ""}
    return new_code_cell("show_table(...)", outputs=[new_output("display_data", data=data)])


def test_render_writes_the_brief_beside_the_run_and_the_index(run_folder: Path, no_quarto: None) -> None:
    result = render_run(run_folder)
    assert result.renderer == "builtin"
    assert result.outputs == {"html": run_folder / "brief.html", "pdf": run_folder / "brief.pdf"}
    assert result.demo and result.title == "Country brief: Thailand"
    assert (run_folder / SOURCE_FILE).is_file() and (run_folder / "brief-figures").is_dir()
    record = json.loads((run_folder / "brief.json").read_text())
    assert record["formats"] == {"html": "brief.html", "pdf": "brief.pdf"}
    assert record["renderer"] == "builtin" and record["demo"] is True
    assert result.index == run_folder.parent.parent / "index.html"
    assert "Country brief: Thailand" in result.index.read_text()
    # nothing half-written or temporary is left behind
    leftovers = [p.name for p in run_folder.parent.rglob(".*")]
    assert leftovers == []


def test_one_format_at_a_time_keeps_the_other_listed(run_folder: Path, no_quarto: None) -> None:
    render_run(run_folder, formats="pdf")
    assert not (run_folder / "brief.html").exists()
    render_run(run_folder, formats="html")
    record = json.loads((run_folder / "brief.json").read_text())
    assert record["formats"] == {"pdf": "brief.pdf", "html": "brief.html"}


def _scratch_folders() -> set[str]:
    import tempfile

    return {p.name for p in Path(tempfile.gettempdir()).glob(f"evidence-pandoc-*-{os.getpid()}-*")}


def test_a_render_begun_ahead_writes_what_a_render_writes(tmp_path: Path, no_quarto: None) -> None:
    # `evidence brief` starts pandoc on the brief as soon as its run is in place, and finishes the render once it
    # has said what the run did: the same files, byte for byte
    plain, ahead = make_run(tmp_path / "a" / "runs"), make_run(tmp_path / "b" / "runs")
    render_run(plain, update_index=False)
    before = _scratch_folders()
    with begin_render(ahead) as begun:
        assert begun is not None and begun.conversion is not None  # pandoc already at work
        result = render_run(ahead, update_index=False, begun=begun)
    assert result.outputs == {"html": ahead / "brief.html", "pdf": ahead / "brief.pdf"}
    for name in ("brief.html", "brief.qmd"):
        assert (ahead / name).read_bytes() == (plain / name).read_bytes(), name
    # the PDF too, but for the time it was made, which it records (and the identifiers made with it)
    made = re.compile(
        rb"D:\d{14}Z|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?"
        rb"|(?<=ID>)[^<]*(?=<)|/ID\s*\[[^\]]*\]"
    )
    assert made.sub(b"", (ahead / "brief.pdf").read_bytes()) == made.sub(
        b"", (plain / "brief.pdf").read_bytes()
    )
    assert _scratch_folders() <= before  # its pandoc's scratch folder removed


def test_a_render_begun_ahead_and_not_finished_leaves_nothing_running(
    tmp_path: Path, no_quarto: None
) -> None:
    run = make_run(tmp_path / "runs")
    before = _scratch_folders()
    with begin_render(run) as begun:
        assert begun is not None and _scratch_folders() > before
        process = begun.conversion._process  # type: ignore[union-attr]
    assert process.poll() is not None and _scratch_folders() <= before
    assert not (run / "brief.html").exists() and not (run / SOURCE_FILE).exists()


def test_a_render_begun_for_other_formats_is_not_used(tmp_path: Path, no_quarto: None) -> None:
    run = make_run(tmp_path / "runs")
    begun = begin_render(run, formats="pdf")
    assert begun is not None
    result = render_run(run, formats="html", update_index=False, begun=begun)
    assert set(result.outputs) == {"html"} and not (run / "brief.pdf").exists()
    assert begun.conversion._process.poll() is not None  # type: ignore[union-attr]  # stopped, not left running


def test_what_a_render_begun_ahead_met_is_raised_by_the_render(tmp_path: Path, no_quarto: None) -> None:
    run = make_run(tmp_path / "runs", status="failed")
    begun = begin_render(run)  # never raises: the command has more to say first
    with pytest.raises(InputError, match="did not succeed"):
        render_run(run, begun=begun)
    assert begin_render(run, renderer="latex") is None  # the render itself refuses it


def test_a_failed_run_is_not_rendered(tmp_path: Path) -> None:
    run = make_run(tmp_path / "runs", status="failed")
    with pytest.raises(InputError, match="did not succeed"):
        render_run(run, renderer="builtin")
    assert not (run / "brief.html").exists()


def test_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a run folder"):
        render_run(tmp_path, renderer="builtin")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("all", ("html", "pdf")),
        ("html", ("html",)),
        ("PDF", ("pdf",)),
        ("pdf,html", ("html", "pdf")),
        (["pdf", "html"], ("html", "pdf")),
    ],
)
def test_parse_formats(given, expected) -> None:
    assert parse_formats(given) == expected


@pytest.mark.parametrize("bad", ["docx", "", "html,epub"])
def test_unknown_formats_are_parameter_errors(bad: str) -> None:
    with pytest.raises(ParameterError, match="format"):
        parse_formats(bad)


def test_choose_renderer(no_quarto: None) -> None:
    assert choose_renderer("auto") == "builtin"
    assert choose_renderer("builtin") == "builtin"
    with pytest.raises(ParameterError, match="Quarto CLI is not on PATH"):
        choose_renderer("quarto")
    with pytest.raises(ParameterError, match="unknown renderer"):
        choose_renderer("latex")


def test_a_small_count_in_a_displayed_output_stops_the_render(tmp_path: Path) -> None:
    nb = executed_notebook()
    nb.cells.append(_markdown_output_cell("In 2021, 3 victims were identified in Trat."))
    run = make_run(tmp_path / "runs", notebook=nb)
    with pytest.raises(DisclosureError, match=r"3 in .*victims were identified"):
        render_run(run, renderer="builtin")
    assert not (run / "brief.html").exists() and not (run / SOURCE_FILE).exists()
    # a user who has checked the numbers can render anyway
    assert render_run(run, renderer="builtin", formats="html", check_disclosure=False).outputs


def test_the_scan_follows_the_run_threshold(tmp_path: Path) -> None:
    nb = executed_notebook()
    nb.cells.append(_markdown_output_cell("In 2021, 8 victims were identified in Trat."))
    run = make_run(tmp_path / "runs", notebook=nb)
    record = json.loads((run / "run.json").read_text())
    record["parameters"]["threshold"] = 11  # CTDC's k
    (run / "run.json").write_text(json.dumps(record))
    with pytest.raises(DisclosureError, match="below 11"):
        render_run(run, renderer="builtin")


def test_authored_prose_and_columns_marked_as_labels_are_not_scanned(tmp_path: Path) -> None:
    from nbformat.v4 import new_markdown_cell

    nb = executed_notebook()
    nb.cells.append(new_markdown_cell("One victim can have several forms of exploitation."))
    nb.cells.append(
        _html_output_cell(
            '<table><thead><tr><th data-kind="label">rank</th><th>origin</th><th>victims</th>'
            '<th data-kind="statistic">share</th></tr></thead><tbody>'
            "<tr><td>1</td><td>Myanmar</td><td>1,122</td><td>27.7%</td></tr>"
            "<tr><td>2</td><td>Cambodia</td><td>&lt;5</td><td>–</td></tr></tbody></table>"
        )
    )
    run = make_run(tmp_path / "runs", notebook=nb)
    assert render_run(run, renderer="builtin", formats="html").outputs


def test_a_small_count_in_a_table_is_found(tmp_path: Path) -> None:
    nb = executed_notebook()
    nb.cells.append(
        _html_output_cell(
            "<table><thead><tr><th>rank</th><th>origin</th><th>victims</th></tr></thead><tbody>"
            "<tr><td>1</td><td>Myanmar</td><td>1,122</td></tr><tr><td>2</td><td>Cambodia</td><td>3</td></tr>"
            "</tbody></table>"
        )
    )
    from evidence.briefs.document import build_document

    hits = disclosure_hits(build_document(make_run(tmp_path / "runs", notebook=nb)))
    # a bare table does not say what its numbers count: the scanner does not guess from the headers, so the
    # ranks count as small counts too
    assert [h.value for h in hits] == [1, 2, 3]


def test_numbers_that_say_what_they_count_are_checked_only_when_they_count_people(tmp_path: Path) -> None:
    from evidence.briefs.document import build_document
    from evidence.presentation.markup import number
    from evidence.presentation.tables import TableData

    table = TableData.from_cells(
        ["Rank", "Origin", "Countries", "Victims"],
        [["1", "Myanmar", "3", "1,122"], ["2", "Cambodia", "2", "<5"]],
        kinds={"Rank": "label", "Countries": "countries", "Victims": "people"},
    )
    nb = executed_notebook()
    nb.cells.append(_table_output_cell(table))
    nb.cells.append(_markdown_output_cell(f"{number(4, 'lists')} lists, {number(2, 'years')} years."))
    assert disclosure_hits(build_document(make_run(tmp_path / "ok", notebook=nb))) == []
    # the same table with a small count of people in it is caught, whatever else is marked
    leaky = TableData.from_cells(["Origin", "Victims"], [["Cambodia", "3"]], kinds={"Victims": "people"})
    nb.cells.append(_table_output_cell(leaky))
    nb.cells.append(_markdown_output_cell(f"{number(2, 'people')} were missed"))
    hits = disclosure_hits(build_document(make_run(tmp_path / "leak", notebook=nb)))
    assert sorted(h.value for h in hits) == [2, 3]


def test_digits_in_labels_are_not_counts_and_count_cells_stay_strict(tmp_path: Path) -> None:
    """A category named ``Q6.1_10s_2019`` or ``alert(2)`` (a header, a caption, a row label) counts nothing;
    the table writer marks which cells are counts, and those are read strictly."""
    from evidence.briefs.document import build_document
    from evidence.presentation.tables import TableData

    table = TableData.from_cells(
        ["Form", "Q6.1_10s_2019", "alert(2)", "Published total"],
        [["Q6.1_10s_2019 alert(3)", "12", "20", "32"]],
        caption="Detected victims by form: alert(4), Q6.1_1s_2019",
        kinds={"Form": "label", "Q6.1_10s_2019": "people", "alert(2)": "people", "Published total": "people"},
    )
    nb = executed_notebook()
    nb.cells.append(_table_output_cell(table))
    assert disclosure_hits(build_document(make_run(tmp_path / "labels", notebook=nb))) == []
    # the same labels over a small count: the count is caught, the labels are not
    leaky = TableData.from_cells(
        ["Form", "alert(2)"], [["Q6.1_10s_2019", "3"]], kinds={"Form": "label", "alert(2)": "people"}
    )
    nb.cells.append(_table_output_cell(leaky))
    hits = disclosure_hits(build_document(make_run(tmp_path / "leak", notebook=nb)))
    assert [h.value for h in hits] == [3]


def test_reports_quarto_project_matches_the_package_config() -> None:
    config = yaml.safe_load((REPO / "reports" / "_quarto.yml").read_text())
    expected = quarto_config(
        "../src/evidence/briefs/templates", project={"type": "default", "render": ["runs/*/brief.qmd"]}
    )
    assert config == expected
    for fmt in config["format"].values():
        for key in ("css", "filters", "template-partials"):
            for relative in fmt.get(key, []):
                assert (REPO / "reports" / relative).resolve().is_file(), relative
    partials = [Path(p).name for p in config["format"]["typst"]["template-partials"]]
    assert partials == ["typst-template.typ", "typst-show.typ"]  # the names Quarto's Typst template includes


def test_quarto_path_runs_quarto_in_a_staging_project(
    run_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line and staging project handed to Quarto (a stand-in executable records them)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "quarto.log"
    fake = bin_dir / "quarto"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$PWD|$*" >> "{log}"\n'
        'cp _quarto.yml "$(dirname "$0")/last_config.yml"\n'
        'ls brief-figures > "$(dirname "$0")/last_figures.txt"\n'
        'out=""; prev=""; for a in "$@"; do [ "$prev" = "--output" ] && out="$a"; prev="$a"; done\n'
        'case "$out" in *.html) echo "<html><body>quarto brief</body></html>" > "$out";; '
        '*) printf "%%PDF-1.7 quarto" > "$out";; esac\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = render_run(run_folder, renderer="auto")
    assert result.renderer == "quarto"
    calls = log.read_text().splitlines()
    assert [c.split("|")[1] for c in calls] == [
        "render brief.qmd --to html --output brief.html",
        "render brief.qmd --to typst --output brief.pdf",
    ]
    assert all(Path(c.split("|")[0]).parent == run_folder for c in calls)  # staged beside the run
    config = yaml.safe_load((bin_dir / "last_config.yml").read_text())
    assert config["format"]["typst"]["template-partials"][0] == f"{TEMPLATES.as_posix()}/typst-template.typ"
    assert (bin_dir / "last_figures.txt").read_text().split() == ["figure-1.png", "figure-2.svg"]
    assert (run_folder / "brief.html").read_text() == "<html><body>quarto brief</body></html>\n"
    assert (run_folder / "brief.pdf").read_bytes().startswith(b"%PDF")
    assert not [p for p in run_folder.iterdir() if p.name.startswith(".brief-quarto-")]


@pytest.mark.quarto
@pytest.mark.skipif(shutil.which("quarto") is None, reason="the Quarto CLI is not on PATH")
def test_real_quarto_renders_the_brief(run_folder: Path) -> None:
    result = render_run(run_folder, renderer="quarto")
    html = result.outputs["html"].read_text(encoding="utf-8")
    assert "Country brief: Thailand" in html and "SYNTHETIC DEMO DATA" in html
    assert external_references(html) == []
    assert "this_code_must_not_appear_in_a_brief" not in html
    pdf = result.outputs["pdf"].read_bytes()
    assert pdf.startswith(b"%PDF-") and re.search(rb"/Type\s*/Page\b", pdf)


def test_the_disclosure_error_says_where_each_number_is_and_how_to_mend_it_before_skipping(
    tmp_path: Path, no_quarto: None
) -> None:
    """The review (M1): the error told the user to turn the whole check off. It names where each number is (a
    table by its caption, or the notebook's text) and says first how to mend it (suppress a count, mark or
    rename a name); skipping the whole check comes last."""
    from evidence.presentation.tables import TableData

    nb = executed_notebook()
    table = TableData.from_cells(
        ["Form", "Victims"], [["Labour", "3"]], caption="Victims by form", kinds={"Victims": "people"}
    )
    nb.cells.append(_table_output_cell(table))
    nb.cells.append(_markdown_output_cell("From the extract 2 of 3 of the register."))
    with pytest.raises(DisclosureError) as error:
        render_run(make_run(tmp_path / "runs", notebook=nb), renderer="builtin", formats="html")
    message = str(error.value)
    assert "3 in “…3…” (table “Victims by form”)" in message
    assert "(the notebook's text)" in message and "extract 2 of 3" in message
    mends = [message.index(s) for s in ("suppress it", "data_label", "rename it", "--skip-disclosure-check")]
    assert mends == sorted(mends)
    assert "turns the whole check off" in message


def test_quartos_staging_folder_is_named_so_that_the_next_render_removes_it_after_a_kill(
    tmp_path, monkeypatch
):
    """The staging project of ``quarto render`` sits in the run folder; one left by a render killed outright
    (`kill -9`) was never removed, its name saying no process. It is named as the atomic temporaries are, which
    the next render of the run folder removes once their process is gone."""
    from evidence.briefs import render
    from evidence.core import atomic

    fake = tmp_path / "bin" / "quarto"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\nbasename "$PWD" > "$STAGE_SEEN"\nexit 1\n')
    fake.chmod(0o755)
    seen = tmp_path / "stage.txt"
    monkeypatch.setenv("STAGE_SEEN", str(seen))
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: str(fake) if name == "quarto" else None)
    run = tmp_path / "run"
    run.mkdir()
    (run / SOURCE_FILE).write_text("# A brief\n", encoding="utf-8")
    with pytest.raises(render.RenderError, match="quarto render failed"):
        render.render_with_quarto(run / SOURCE_FILE, "html", run / "brief.html")
    name = seen.read_text().strip()
    match = atomic._STALE.match(name)
    assert match and match["host"] == atomic.host_tag() and int(match["pid"]) == os.getpid(), name


class _Killed(BaseException):
    """``kill -9`` in a test: the process ends where this is raised, and nothing of it runs any more."""


def _brief_files(run: Path) -> list[str]:
    return sorted(p.name for p in run.iterdir() if p.name.startswith(("brief", ".brief")))


@pytest.mark.parametrize("stop", [KeyboardInterrupt, RenderError])
def test_a_render_interrupted_or_failing_once_it_writes_leaves_no_brief_nor_a_mix_of_two(
    run_folder: Path, no_quarto: None, monkeypatch: pytest.MonkeyPatch, stop: type[BaseException]
) -> None:
    """QA27: Ctrl-C (or SIGTERM, which the CLI turns into it) or an error while a brief was rendered, after its
    source was written, left ``brief.qmd`` and ``brief-figures/`` in the run folder, beside the pages of the
    render before it (a mix of two renders), and the index linking them. The brief is removed, and the index
    rewritten without it; the run's own files stay."""
    from evidence.briefs import render
    from evidence.briefs.index import index_path, listed_briefs

    render_run(run_folder, formats="html")
    run_files = sorted(p.name for p in run_folder.iterdir() if not p.name.startswith(("brief", ".brief")))
    assert run_folder.resolve() in listed_briefs(index_path(run_folder.parent))

    def stopped(*args: object, **kwargs: object) -> str:
        assert (run_folder / SOURCE_FILE).is_file()  # the new source is written by then
        raise stop("stopped while the HTML was made")

    monkeypatch.setattr(render.builtin, "self_contained", stopped)
    with pytest.raises(stop):
        render_run(run_folder, formats="html")
    assert _brief_files(run_folder) == []
    assert sorted(p.name for p in run_folder.iterdir()) == run_files
    assert run_folder.resolve() not in listed_briefs(index_path(run_folder.parent))


def test_a_render_refused_before_it_writes_leaves_the_brief_there(
    run_folder: Path, no_quarto: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evidence.briefs import render

    render_run(run_folder, formats="html")
    before = {name: (run_folder / name).stat().st_mtime_ns for name in _brief_files(run_folder)}

    def refused(*args: object, **kwargs: object) -> None:
        raise DisclosureError("the brief shows counts below 5")

    monkeypatch.setattr(render, "check_brief_disclosure", refused)
    with pytest.raises(DisclosureError):
        render_run(run_folder, formats="html")
    assert {name: (run_folder / name).stat().st_mtime_ns for name in _brief_files(run_folder)} == before


def test_a_render_killed_outright_runs_no_clean_up(
    run_folder: Path, no_quarto: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``kill -9`` ends the process where it is: what it wrote stays for the next render to remove (the clean-up
    is not run for every BaseException, which would stand for more than Ctrl-C)."""
    from evidence.briefs import render

    def killed(*args: object, **kwargs: object) -> str:
        raise _Killed

    monkeypatch.setattr(render.builtin, "self_contained", killed)
    with pytest.raises(_Killed):
        render_run(run_folder, formats="html")
    assert SOURCE_FILE in _brief_files(run_folder)
    monkeypatch.undo()
    render_run(run_folder, formats="html")  # the next render writes the brief whole
    assert {"brief.html", "brief.json", SOURCE_FILE} <= set(_brief_files(run_folder))


def test_a_quarto_render_failing_on_its_second_format_leaves_no_mix_of_two_renders(
    run_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With Quarto, the HTML of a new render was left beside the PDF of the old one when the PDF failed."""
    from evidence.briefs.index import index_path, listed_briefs

    fake = tmp_path / "bin" / "quarto"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        'out=""; prev=""; for a in "$@"; do [ "$prev" = "--output" ] && out="$a"; prev="$a"; done\n'
        'case "$out" in *.html) echo "<html><body>quarto brief</body></html>" > "$out";; '
        '*) [ -e "$QUARTO_PDF_FAILS" ] && exit 1; printf "%%PDF-1.7 quarto" > "$out";; esac\n'
    )
    fake.chmod(0o755)
    fails = tmp_path / "pdf-fails"
    monkeypatch.setenv("QUARTO_PDF_FAILS", str(fails))
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: str(fake) if name == "quarto" else None)
    render_run(run_folder, renderer="quarto")
    assert {"brief.html", "brief.pdf", "brief.json"} <= set(_brief_files(run_folder))
    fails.touch()
    with pytest.raises(RenderError, match="quarto render failed"):
        render_run(run_folder, renderer="quarto")
    assert _brief_files(run_folder) == []
    assert run_folder.resolve() not in listed_briefs(index_path(run_folder.parent))
