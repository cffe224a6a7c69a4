"""`evidence render` and `evidence brief` through the command line."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evidence.cli.briefs import brief_parameters
from evidence.cli.main import app, main
from evidence.core.errors import ParameterError
from evidence.notebooks.catalog import read_notebook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "briefs"))
from _brief_runs import make_run

runner = CliRunner()


@pytest.fixture(scope="module")
def briefs_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("briefs-cache")


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    # A cache of the test's own (never the user's). The tests that run the country brief share one, the module's:
    # what it holds (the demo data files, the loaded tables, the list of modules the brief's kernel preloads,
    # the charts drawn) is rebuilt identically from the same inputs, and none of these tests is about a cold
    # cache; each built them anew, ~1.4 CPU-seconds a brief. Each still runs its notebook in a runs folder of
    # its own (no run is served from an earlier test's) and renders it.
    cache = request.getfixturevalue("briefs_cache") if request.node.get_closest_marker("kernel") else None
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(cache or tmp_path / "cache"))
    monkeypatch.delenv("EVIDENCE_DATA", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "quarto" else real_which(name))


@pytest.fixture(scope="module")
def kernel_kept_between_briefs():
    """`evidence brief` ends its kernel once its run is done (the command's last notebook); here the kernel is
    kept for the next test's brief, so that one kernel runs the briefs of the tests that ask for it, as one
    process's warm kernel runs its runs (tests/runs/test_warm.py shows a run in a kernel that ran others gives
    what it gives in a kernel of its own). These tests are about what the command does once the run has
    succeeded (a refused or dying renderer), not about a fresh kernel; each kernel start with the brief's
    modules was ~1.1 CPU-seconds. test_brief_on_the_demo_data_end_to_end keeps the command's own ending.

    Their briefs are of a small CTDC file (:data:`SMALL_DATA`), not of the demo data's four sources: what they
    check (the exit code, what the command says, what the index links) is the same for any brief whose run
    succeeds, and a run of the demo data costs three times the CPU (~0.9 against ~0.3 CPU-seconds in a warm
    kernel, four runs). test_brief_on_the_demo_data_end_to_end runs the demo data."""
    from evidence.runs import warm

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(warm, "release_kernels", lambda: None)
        yield
    warm.kernel_pool().shutdown()


#: A small CTDC file (Thailand's victims of 2012): the data of the briefs of the tests that share a kernel.
SMALL_DATA = Path(__file__).resolve().parents[1] / "fixtures" / "ctdc" / "k_anon_small.csv"


def _notebook_with(tmp_path: Path, parameters: str) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell(parameters, metadata={"tags": ["parameters"]})])
    path = tmp_path / "country_brief.ipynb"
    nbformat.write(nb, path)
    return path


def test_render_command(tmp_path: Path) -> None:
    run = make_run(tmp_path / "reports" / "runs")
    result = runner.invoke(app, ["render", str(run), "--format", "html"])
    assert result.exit_code == 0, result.output
    assert "rendered 'Country brief: Thailand' with the builtin renderer" in result.output
    assert "index of briefs" in result.output
    assert (run / "brief.html").is_file() and not (run / "brief.pdf").exists()
    assert (tmp_path / "reports" / "index.html").is_file()


def test_render_errors_are_plain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    run = make_run(tmp_path / "runs")
    monkeypatch.setattr(sys, "argv", ["evidence", "render", str(run), "--format", "docx"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    assert "unknown brief format 'docx'" in capsys.readouterr().err


# a file size limit (`ulimit -f`, a quota on one file) is a full disk for the brief: it said "File too large"
# without naming the run folder
@pytest.mark.parametrize(
    ("code", "said"), [("EROFS", "Read-only file system"), ("EFBIG", "File too large")], ids=["ro", "fsize"]
)
def test_a_run_folder_that_cannot_be_written_is_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, code: str, said: str
) -> None:
    import errno
    import tempfile

    run = make_run(tmp_path / "runs")
    real_mkstemp = tempfile.mkstemp

    def read_only(*args, **kwargs):
        if str(kwargs.get("dir", "")).startswith(str(run)):
            raise OSError(getattr(errno, code), said, str(kwargs["dir"]) + "/.brief.html.x.part")
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    monkeypatch.setattr(sys, "argv", ["evidence", "render", str(run), "--format", "html"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "Traceback" not in err
    assert err.strip() == f"error: {run}: cannot write the brief into the run folder: {said}"


def test_brief_options_become_the_notebook_parameters(tmp_path: Path) -> None:
    spec = read_notebook(
        _notebook_with(
            tmp_path,
            (
                'country: str = "THA"  # ISO3 code\nrole: str = "both"  # one of: origin|destination|both\n'
                "year_from: int = 2012\nyear_to: int = 2023\ndata: list[str] = []  # data files\n"
                "disclosure_threshold: int = 5\n"
            ),
        )
    )
    data = tmp_path / "ctdc.csv"
    given = brief_parameters(
        spec, country="KHM", role="origin", years="2015-2020", data=[data], disclosure_threshold=11
    )
    assert given == {
        "country": "KHM",
        "role": "origin",
        "year_from": 2015,
        "year_to": 2020,
        "data": [str(data.resolve())],
        "disclosure_threshold": 11,
    }
    assert brief_parameters(spec, country="THA") == {"country": "THA"}


def test_brief_peers_become_the_notebooks_list_of_countries() -> None:
    spec = read_notebook("country_brief")
    given = brief_parameters(spec, country="THA", peers="KHM, LAO,MMR")
    assert given == {"country": "THA", "peers": ["KHM", "LAO", "MMR"]}
    with pytest.raises(ParameterError, match="no parameter for --peers"):
        brief_parameters(read_notebook("routes"), country="THA", peers="KHM")
    # an empty option is a mistake, not the default neighbours (found by the CLI audit: --peers "" used them)
    for empty in ("", ",,", " , "):
        with pytest.raises(ParameterError, match="names no country"):
            brief_parameters(spec, country="THA", peers=empty)


def test_the_country_is_not_its_own_peer_in_a_brief(capsys) -> None:
    """`brief THA --peers THA,KHM` named "peers: THA, KHM" in the brief's subtitle and the index, and its peers
    section dropped Thailand without a word; `--peers Thailand` alone made a peers section of no peer."""
    spec = read_notebook("country_brief")
    given = brief_parameters(spec, country="Thailand", peers="THA,KHM,Cambodia")
    assert given["peers"] == ["KHM"]
    said = " ".join(capsys.readouterr().err.split())
    assert "--peers: THA (Thailand) is the country compared, not a peer of it: left out" in said, said
    assert "--peers: KHM (Cambodia) given twice: compared once" in said, said
    with pytest.raises(ParameterError, match=r"--peers names only THA \(Thailand\), the country compared"):
        brief_parameters(spec, country="THA", peers="Thailand")


def test_a_years_tuple_parameter_takes_the_range(tmp_path: Path) -> None:
    spec = read_notebook(
        _notebook_with(tmp_path, 'country: str = "THA"\nyears: tuple[int, int] = (2012, 2023)\n')
    )
    assert brief_parameters(spec, country="THA", years="2016-2019") == {
        "country": "THA",
        "years": [2016, 2019],
    }
    with pytest.raises(ParameterError, match="no parameter for --role"):
        brief_parameters(spec, country="THA", role="origin")
    with pytest.raises(ParameterError, match="takes no data files"):
        brief_parameters(spec, country="THA", data=[tmp_path / "x.csv"])


def test_brief_rejects_bad_options_before_any_kernel(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["brief", "THA", "--years", "2023-2015", "--out-root", str(tmp_path / "runs")]
    )
    assert isinstance(result.exception, ParameterError)
    assert not (tmp_path / "runs").exists()
    result = runner.invoke(app, ["brief", "Atlantis", "--out-root", str(tmp_path / "runs")])
    assert isinstance(result.exception, ParameterError) and "Atlantis" in str(result.exception)


@pytest.mark.slow
@pytest.mark.kernel
def test_brief_on_the_demo_data_end_to_end(tmp_path: Path) -> None:
    """`evidence brief THA`: runs the country_brief notebook on the demo data, renders HTML and PDF."""
    from evidence.briefs.document import build_document
    from evidence.briefs.render import disclosure_hits
    from evidence.notebooks.catalog import packaged_notebooks

    if "country_brief" not in packaged_notebooks():
        pytest.skip("the country_brief notebook is not in notebooks/ yet")
    out_root = tmp_path / "reports" / "runs"
    result = runner.invoke(app, ["brief", "THA", "--years", "2015-2023", "--out-root", str(out_root)])
    assert result.exit_code == 0, (result.output, result.exception)
    assert "SYNTHETIC DEMO DATA" in result.output
    (run,) = [p for p in out_root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    html = (run / "brief.html").read_text(encoding="utf-8")
    assert "SYNTHETIC DEMO DATA — NOT REAL RECORDS" in html  # said plainly, first thing after the title
    assert html.index("SYNTHETIC DEMO DATA") < html.index("<h2")
    assert "Thailand" in html and "2015–2023" in html
    assert "<script" not in html and "import polars" not in html
    assert disclosure_hits(build_document(run)) == []
    pdf = (run / "brief.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and re.search(rb"/Type\s*/Page\b", pdf)
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert f"runs/{run.name}/brief.html" in index
    # unchanged inputs: the notebook is not executed again, the brief is re-rendered
    again = runner.invoke(
        app, ["brief", "THA", "--years", "2015-2023", "--out-root", str(out_root), "--format", "html"]
    )
    assert again.exit_code == 0 and "unchanged since its last run" in again.output


@pytest.mark.parametrize(("formats", "ahead"), [("html,pdf", True), ("pdf", True), ("html", False)])
def test_brief_looks_typst_fonts_up_while_its_notebook_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, formats: str, ahead: bool, no_kernel_ahead: None
) -> None:
    """Only a PDF made by the builtin renderer needs Typst's fonts: looked up before the run starts."""
    from types import SimpleNamespace

    from evidence.briefs import builtin
    from evidence.runs import execute

    events: list[str] = []
    monkeypatch.setattr(builtin, "prepare_typesetting", lambda: events.append("fonts"))
    monkeypatch.setattr(
        execute, "prepare_run", lambda *a, **k: SimpleNamespace(run_id="r", folder=tmp_path / "r", data=[])
    )

    def run(*a, **k):
        events.append("run")
        return SimpleNamespace(status="failed", error="stopped here", folder=str(tmp_path / "r"))

    monkeypatch.setattr(execute, "run_unless_fresh", run)
    result = runner.invoke(app, ["brief", "THA", "--format", formats, "--out-root", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert events == (["fonts", "run"] if ahead else ["run"])


@pytest.mark.parametrize(
    "options, said, unsaid",
    [
        (["--peers", "KHM,Atlantis"], "--peers: unknown country 'Atlantis'", "parameter 'peers'"),
        (["--role", "sideways"], "--role must be one of", "parameter 'role'"),
        (
            ["--years", "1980-1985"],
            "--years 1980-1985: the country_brief notebook takes years from 1990",
            "year_from",
        ),
    ],
)
def test_brief_refusals_name_the_options_typed(tmp_path: Path, options, said, unsaid) -> None:
    result = runner.invoke(app, ["brief", "THA", *options, "--out-root", str(tmp_path / "runs")])
    assert isinstance(result.exception, ParameterError)
    assert said in str(result.exception) and unsaid not in str(result.exception)
    assert not (tmp_path / "runs").exists()


def test_the_render_json_gives_the_seconds_in_the_order_of_the_outputs() -> None:
    """``outputs`` listed html then pdf, ``seconds`` pdf then html (the order the renderer finished them): one
    document, two orders of the same keys."""
    from pathlib import Path
    from types import SimpleNamespace

    from evidence.cli.briefs import render_json

    result = SimpleNamespace(
        run_dir=Path("run"),
        title="t",
        renderer="builtin",
        outputs={"html": Path("run/brief.html"), "pdf": Path("run/brief.pdf")},
        seconds={"pdf": 1.25, "html": 0.5},
        index=None,
        demo=False,
    )
    document = render_json(result)
    assert list(document["seconds"]) == list(document["outputs"]) == ["html", "pdf"]
    assert document["seconds"] == {"html": 0.5, "pdf": 1.25}


def test_the_render_json_names_its_files_as_run_brief_and_batch_do(tmp_path, monkeypatch) -> None:
    """`render reports/runs/X --json` gave `folder` and `outputs` as typed (relative) beside an absolute `index`,
    where `run`, `batch` and `brief` (whose `render` object is this document) give absolute paths: a script
    reading both got two spellings of one folder."""
    from types import SimpleNamespace

    from evidence.cli.briefs import render_json

    monkeypatch.chdir(tmp_path)
    result = SimpleNamespace(
        run_dir=Path("reports/runs/r"),
        title="t",
        renderer="builtin",
        outputs={"html": Path("reports/runs/r/brief.html")},
        seconds={"html": 0.5},
        index=tmp_path / "reports" / "index.html",
        demo=False,
    )
    document = render_json(result)
    assert document["folder"] == str(tmp_path.resolve() / "reports" / "runs" / "r")
    assert document["outputs"] == {"html": str(tmp_path.resolve() / "reports" / "runs" / "r" / "brief.html")}


@pytest.mark.kernel
def test_a_brief_killed_or_refused_after_its_run_began_leaves_no_link_to_the_brief_it_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel_kept_between_briefs: None
) -> None:
    # the run replaced the folder, brief and all; the new brief is refused (or its render killed): the index
    # must not go on linking the brief that is gone
    from evidence.briefs import render
    from evidence.briefs.index import write_index
    from evidence.presentation.disclosure import DisclosureError
    from evidence.runs import execute

    out_root = tmp_path / "reports" / "runs"
    args = ["brief", "THA", "--data", str(SMALL_DATA), "--out-root", str(out_root), "--format", "html"]
    assert runner.invoke(app, args).exit_code == 0
    (run,) = [p for p in out_root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    index = tmp_path / "reports" / "index.html"
    assert f"runs/{run.name}/brief.html" in index.read_text(encoding="utf-8")

    # killed outright (`kill -9`) once the run is under way: the run would replace the folder, brief and all,
    # and nothing of the command would rewrite the index any more; the brief is out of the index before
    at_the_kill = []

    def killed(*args: Any, **kwargs: Any) -> None:
        at_the_kill.append(index.read_text(encoding="utf-8"))
        raise _Killed

    with monkeypatch.context() as patch:
        patch.setattr(execute, "run_unless_fresh", killed)
        with pytest.raises(_Killed):
            runner.invoke(app, [*args, "--force"], catch_exceptions=False)
    assert at_the_kill and f"runs/{run.name}/brief.html" not in at_the_kill[0]
    write_index(out_root)  # (the next command lists it again)
    assert f"runs/{run.name}/brief.html" in index.read_text(encoding="utf-8")

    def refused(*args: Any, **kwargs: Any) -> None:
        raise DisclosureError("the brief shows counts below 5")

    monkeypatch.setattr(render, "render_run", refused)
    again = runner.invoke(app, [*args, "--force"])
    assert again.exit_code != 0 and isinstance(again.exception, DisclosureError)
    assert not (run / "brief.html").exists()
    assert f"runs/{run.name}/brief.html" not in index.read_text(encoding="utf-8")


class _Killed(BaseException):
    """``kill -9`` in a test: the process ends where this is raised, and nothing of it runs any more."""


def test_a_render_removes_what_a_render_killed_while_writing_left(tmp_path: Path) -> None:
    # `kill -9` while the brief or the index was written left their hidden temporary files for good
    from evidence.core.atomic import host_tag

    run = make_run(tmp_path / "reports" / "runs")
    dead = f"{host_tag()}-999999999"
    left = [
        run / f".brief.html.{dead}.q7sez4aw.part",
        tmp_path / "reports" / f".index.html.{dead}.x1y2z3w4.part",
    ]
    for path in left:
        path.write_text("half")
    result = runner.invoke(app, ["render", str(run), "--format", "html"])
    assert result.exit_code == 0, result.output
    assert not [path for path in left if path.exists()]


def _failing_pandoc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pandoc dies (exit 3, a word on standard error) whenever the built-in renderer starts it."""
    from evidence.briefs import builtin

    pandoc = tmp_path / "pandoc"
    pandoc.write_text("#!/bin/sh\necho 'pandoc: out of memory' >&2\nexit 3\n")
    pandoc.chmod(0o755)
    monkeypatch.setattr(builtin, "pandoc_path", lambda: str(pandoc))


def _main(monkeypatch: pytest.MonkeyPatch, capsys: Any, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["evidence", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


@pytest.mark.kernel
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_brief_whose_renderer_dies_after_its_run_exits_1_naming_the_run_to_render(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    as_json: bool,
    kernel_kept_between_briefs: None,
) -> None:
    # it exited 2, "refused before anything was done", though the notebook had run and its folder was in place
    import json

    out_root = tmp_path / "runs"
    _failing_pandoc(tmp_path, monkeypatch)
    json_opt = ["--json"] if as_json else []
    args = [
        "brief",
        "THA",
        "--data",
        str(SMALL_DATA),
        "--out-root",
        str(out_root),
        "--format",
        "html",
        *json_opt,
    ]
    code, out, err = _main(monkeypatch, capsys, *args)
    runs = [p for p in out_root.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name != "failed"]
    assert code == 1 and len(runs) == 1, err  # what the command said, when its run did not succeed
    (run,) = runs
    assert "Traceback" not in err and "pandoc: out of memory" in err
    said = " ".join(err.split())
    assert f"The run succeeded: its executed notebook is in {run};" in said
    assert f"evidence render {run}" in said
    assert (run / "country_brief.ipynb").is_file() and not (run / "brief.html").exists()
    if as_json:
        error = json.loads(out)["error"]
        assert (error["code"], error["exit_code"], error["path"]) == ("render_failed", 1, str(run))


def test_a_render_whose_renderer_dies_exits_1_naming_how_to_render_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    run = make_run(tmp_path / "runs")
    _failing_pandoc(tmp_path, monkeypatch)
    code, _, err = _main(monkeypatch, capsys, "render", str(run), "--format", "html")
    assert code == 1 and "Traceback" not in err and "pandoc: out of memory" in err
    said = " ".join(err.split())
    assert f"evidence render {run}" in said and not (run / "brief.html").exists()


def test_a_page_not_the_toolkits_where_the_index_goes_is_never_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, no_kernel_ahead
) -> None:
    """QA27: `evidence brief KHM --out-root site/runs` replaced the analyst's own `site/index.html` (a home page,
    a web server's index) with the index of briefs, without a word: the index goes beside the runs folder. It
    is refused before anything runs, naming the page (brief, render, a rendering batch); what only rewrites an
    index it finds (run, a batch without briefs) leaves a page it did not write alone."""
    site = tmp_path / "site"
    runs = site / "runs"
    runs.mkdir(parents=True)
    page = site / "index.html"
    page.write_text("<html><body>our team's home page</body></html>\n", encoding="utf-8")
    run = make_run(runs)
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "notebooks: [country_brief]\nparameters: {country: THA}\nrender: true\n", encoding="utf-8"
    )
    for args in (
        ["brief", "THA", "--out-root", str(runs)],
        ["render", str(run), "--format", "html"],
        ["batch", str(plan), "--out-root", str(runs)],
        ["batch", str(plan), "--out-root", str(runs), "--render", "--json"],
    ):
        code, out, err = _main(monkeypatch, capsys, *args)
        said = " ".join(err.split())
        assert code == 2 and "Traceback" not in err, (args, err)
        assert f"{page}: not an index of briefs written by evidence" in said, said
        assert "--out-root" in said
        if "--json" in args:  # a script is told which file, as by every refusal of an input
            import json

            assert json.loads(out)["error"]["path"] == str(page), out
        assert page.read_text(encoding="utf-8") == "<html><body>our team's home page</body></html>\n"
        assert not (run / "brief.html").exists() and sorted(p.name for p in runs.iterdir()) == [run.name]
    # the helpers that rewrite an index they find leave the page alone
    from evidence.cli.runs import drop_replaced_briefs, leave_out_briefs, list_briefs_again

    (run / "brief.json").write_text('{"formats": {"html": "brief.html"}}', encoding="utf-8")
    (run / "brief.html").write_text("<html></html>", encoding="utf-8")
    assert drop_replaced_briefs(runs) is None
    assert leave_out_briefs(runs, [run]) is None
    assert list_briefs_again(runs, [run]) is None
    assert page.read_text(encoding="utf-8") == "<html><body>our team's home page</body></html>\n"
    # the toolkit's own index is rewritten as before
    page.unlink()
    code, _, err = _main(monkeypatch, capsys, "render", str(run), "--format", "html")
    assert code in (0, None), err
    assert '<meta name="generator" content="evidence" />' in page.read_text(encoding="utf-8")
    assert leave_out_briefs(runs, [run]) == page


def test_an_index_that_cannot_be_written_is_not_said_to_be_the_brief(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """QA27: a full disk where the index of briefs goes (`reports/`, the brief written in its run folder) was
    reported as "RUN: cannot write the brief into the run folder: No space left on device": the wrong file, and
    a brief said unwritten that was written. The error names the index page and says the brief is there."""
    import errno

    from evidence.briefs import render

    run = make_run(tmp_path / "reports" / "runs")
    index = tmp_path / "reports" / "index.html"

    def full(root, target, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(render, "write_index", full)
    code, _, err = _main(monkeypatch, capsys, "render", str(run), "--format", "html")
    said = " ".join(err.split())
    assert code == 2 and "Traceback" not in err, err
    assert "cannot write the brief into the run folder" not in said, said
    assert f"error: {index}: cannot write the index of briefs: No space left on device" in said, said
    assert f"the brief is written: {run / 'brief.html'}" in said, said
    assert (run / "brief.html").is_file()
