from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from _notebooks import write_notebook
from typer.testing import CliRunner

from evidence.cli import runs as runs_cli
from evidence.core.errors import ParameterError

runner = CliRunner()


@pytest.fixture
def app():
    app = typer.Typer()
    runs_cli.register(app)
    return app


@pytest.fixture
def tiny(fixtures):
    return fixtures / "notebooks" / "tiny.ipynb"


@pytest.fixture
def no_kernel(monkeypatch):
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: pytest.fail("papermill was called"))


def test_describe_lists_parameters(app, tiny):
    result = runner.invoke(app, ["run", str(tiny), "--describe"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "tuple[int, int]" in result.output and "a|b|c" in result.output


def test_bad_parameters_stop_before_any_kernel(app, tiny, tmp_path, no_kernel):
    result = runner.invoke(app, ["run", str(tiny), "-p", "contry", "THA", "--out-root", str(tmp_path)])
    assert isinstance(result.exception, ParameterError)
    assert "did you mean 'country'" in str(result.exception)
    result = runner.invoke(app, ["run", str(tiny), "-p", "n"])
    assert isinstance(result.exception, ParameterError) and "needs a NAME and a VALUE" in str(
        result.exception
    )
    result = runner.invoke(app, ["run", str(tiny), "stray"])
    assert isinstance(result.exception, ParameterError) and "unexpected argument 'stray'" in str(
        result.exception
    )


@pytest.mark.kernel
def test_run_with_parameters_file_and_overrides(app, tiny, tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text("n: 2\nlabel: b\n")
    out = tmp_path / "runs"
    result = runner.invoke(app, ["run", str(tiny), "-f", str(params), "-p", "n", "5", "--out-root", str(out)])
    assert result.exit_code == 0, result.output
    (folder,) = out.iterdir()
    record = json.loads((folder / "run.json").read_text())
    assert record["parameters"]["n"] == 5 and record["parameters"]["label"] == "b"
    assert folder.name.startswith("tiny-5-b-")


@pytest.mark.kernel
def test_batch_exits_non_zero_when_a_run_fails_and_prints_a_summary(app, tiny, tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks: [{tiny}]\nparameters:\n  fail: [true, false]\n")
    out = tmp_path / "runs"
    result = runner.invoke(app, ["batch", str(plan), "--workers", "2", "--out-root", str(out)])
    assert result.exit_code == 1, result.output
    assert "ran 1, skipped 0, failed 1" in result.output and "asked to fail" in result.output
    again = runner.invoke(app, ["batch", str(plan), "--workers", "1", "--out-root", str(out)])
    assert again.exit_code == 1 and "ran 0, skipped 1, failed 1" in again.output


def test_kernel_install_into_a_prefix(app, tmp_path, monkeypatch):
    import sys

    from evidence.runs.kernel import environment_kernel_name

    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    result = runner.invoke(app, ["kernel", "install", "--name", "evidence-test", "--sys-prefix"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "share" / "jupyter" / "kernels" / "evidence-test" / "kernel.json").is_file()
    result = runner.invoke(app, ["kernel", "install", "--sys-prefix"])
    assert result.exit_code == 0, result.output
    name = environment_kernel_name()
    assert (tmp_path / "share" / "jupyter" / "kernels" / name / "kernel.json").is_file()
    assert name in result.output


def test_kernel_remove_undoes_kernel_install(run_main, tmp_path, monkeypatch):
    """QA27: `evidence kernel install` registered a kernel in the user's (or the environment's) Jupyter, and
    nothing of the toolkit took it away: `jupyter kernelspec remove NAME` with the hashed name to find. `kernel
    remove` does, where install put it (the default name, --name, --sys-prefix), and says so; a kernel that is
    not there is an error naming where it looked (exit 2), and another kernel is never touched."""
    import sys

    from evidence.runs.kernel import environment_kernel_name

    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    kernels = tmp_path / "share" / "jupyter" / "kernels"
    other = kernels / "python3"
    other.mkdir(parents=True)
    (other / "kernel.json").write_text("{}")
    for named in ([], ["--name", "evidence-test"]):
        code, _, err = run_main(["kernel", "install", *named, "--sys-prefix"])
        assert code in (0, None), err
        name = named[1] if named else environment_kernel_name()
        assert (kernels / name / "kernel.json").is_file()
        code, out, err = run_main(["kernel", "remove", *named, "--sys-prefix"])
        assert code in (0, None), err
        assert not (kernels / name).exists() and f"removed kernel {name!r}" in out
        code, _, err = run_main(["kernel", "remove", *named, "--sys-prefix"])
        said = " ".join(err.split())
        assert code == 2 and f"no kernel {name!r} in {kernels}" in said and "Traceback" not in err, err
    assert (other / "kernel.json").is_file()
    code, _, err = run_main(["kernel", "remove", "--name", "../python3", "--sys-prefix"])
    assert code == 2 and (other / "kernel.json").is_file()


@pytest.mark.kernel
def test_run_skips_an_unchanged_run_unless_forced(app, tiny, tmp_path):
    out = tmp_path / "runs"
    args = ["run", str(tiny), "-p", "n", "2", "--out-root", str(out)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0 and "ran tiny" in first.output, first.output
    (folder,) = out.iterdir()
    written = (folder / "run.json").stat().st_mtime_ns
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "unchanged since its last run" in again.output
    assert (folder / "run.json").stat().st_mtime_ns == written
    forced = runner.invoke(app, [*args, "--force"])
    assert forced.exit_code == 0 and "ran tiny" in forced.output
    assert (folder / "run.json").stat().st_mtime_ns != written


def test_checks_between_parameters_stop_run_brief_and_batch_before_any_kernel(run_main, tmp_path, no_kernel):
    out = str(tmp_path / "runs")
    plan = tmp_path / "plan.yaml"
    plan.write_text("notebooks: [country_brief]\nparameters:\n  year_from: 2020\n  year_to: 2015\n")
    for args in (
        ["run", "country_brief", "-p", "year_from", "2020", "-p", "year_to", "2015", "--out-root", out],
        ["batch", str(plan), "--out-root", out],
    ):
        code, _, err = run_main(args)
        assert code == 2 and "requires 1990 <= year_from <= year_to <= 2100" in err, err
        assert "year_from=2020, year_to=2015" in err
    code, _, err = run_main(["run", "country_brief", "-p", "disclosure_threshold", "1", "--out-root", out])
    assert code == 2 and "disclosure_threshold >= 2" in err
    code, _, err = run_main(["run", "country_brief", "-p", "year_from", "1066", "--out-root", out])
    assert code == 2 and "1990 <= year_from" in err
    assert not (tmp_path / "runs").exists()


def test_batch_of_an_auto_grid_matching_no_country_exits_2_having_run_nothing(
    run_main, tmp_path, shared_data
):
    plan = tmp_path / "plan.yaml"
    sample = shared_data / "ctdc" / "k_anon_sample.csv"
    plan.write_text(
        f"notebooks: [routes]\nparameters:\n  country: auto\n  data: [{sample}]\nmin_cases: 100000\n"
    )
    code, _out, err = run_main(["batch", str(plan), "--out-root", str(tmp_path / "runs")])
    assert code == 2 and "the plan expands to no runs" in err and "Traceback" not in err
    assert not (tmp_path / "runs").exists()


def test_a_read_only_runs_folder_is_one_line_for_run_and_batch(run_main, tiny, tmp_path, monkeypatch):
    import errno
    import os

    runs = tmp_path / "reports" / "runs"
    real_mkdir = os.mkdir

    def read_only(path, *args, **kwargs):
        if str(path).startswith(str(tmp_path / "reports")):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", read_only)
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks: [{tiny}]\n")
    for args in (["run", str(tiny), "--out-root", str(runs)], ["batch", str(plan), "--out-root", str(runs)]):
        code, _, err = run_main(args)
        assert code == 2 and "Traceback" not in err, err
        assert err.strip() == f"error: {runs}: cannot write to the runs folder: Read-only file system"
        # as JSON, the code docs/scheduling.md gives a folder the system refuses (was "invalid_input")
        code, out, _ = run_main([*args, "--json"])
        assert code == 2 and json.loads(out)["error"]["code"] == "system"


@pytest.mark.kernel
@pytest.mark.slow
def test_batch_renders_the_briefs_of_its_runs(run_main, tmp_path, monkeypatch, fixtures):
    monkeypatch.delenv("EVIDENCE_DATA", raising=False)
    plan = tmp_path / "plan.yaml"
    # the plan asks for the briefs itself; Iceland has no victims in the data: reported empty, not run. The data:
    # a small CTDC file (Cambodians exploited in Thailand, 2012), not the demo data's four sources: what the
    # batch does with its briefs is the same for any run that succeeds, and the demo data's runs and briefs
    # cost three times the CPU
    data = fixtures / "ctdc" / "k_anon_small.csv"
    plan.write_text(
        f"notebooks: [country_brief]\nparameters:\n  country: [THA, KHM, ISL]\n  data: [{data}]\nrender: true\n"
    )
    out = tmp_path / "reports" / "runs"
    code, out_text, err = run_main(["batch", str(plan), "--workers", "2", "--out-root", str(out)])
    assert code == 0, out_text + err
    assert "ran 2, skipped 0, failed 0, empty 1" in out_text and "Iceland" in out_text
    folders = sorted(p for p in out.iterdir() if not p.name.startswith("."))
    assert len(folders) == 2
    for folder in folders:
        assert (folder / "brief.html").is_file() and (folder / "brief.pdf").is_file()
    index = (tmp_path / "reports" / "index.html").read_text()
    assert all(folder.name in index for folder in folders)
    # unchanged: nothing run, nothing rendered again
    stamps = [(f / "brief.html").stat().st_mtime_ns for f in folders]
    code, out_text, _ = run_main(["batch", str(plan), "--render", "--out-root", str(out)])
    assert code == 0 and "ran 0, skipped 2, failed 0, empty 1" in out_text
    assert [(f / "brief.html").stat().st_mtime_ns for f in folders] == stamps


def test_run_takes_data_files_with_data_as_every_command_does(app, tiny, tmp_path, no_kernel):
    data = tmp_path / "cases.csv"
    data.write_text("x\n")
    result = runner.invoke(app, ["run", str(tiny), "--data", str(data)])
    assert isinstance(result.exception, ParameterError) and "takes no data files" in str(result.exception)
    result = runner.invoke(app, ["run", "routes", "--data", str(data), "-p", "data", str(data)])
    assert isinstance(result.exception, ParameterError) and "given twice" in str(result.exception)


@pytest.mark.kernel
def test_a_refused_brief_stops_the_kernel_it_started_ahead(run_main, tmp_path, monkeypatch):
    from evidence.runs import warm

    monkeypatch.delenv("EVIDENCE_DATA", raising=False)
    code, _, err = run_main(["brief", "ISL", "--out-root", str(tmp_path / "runs")])  # no victims of Iceland
    assert code == 2 and "Iceland" in err
    # the kernel started ahead is stopped on refusal (kernels of earlier runs in this process may stay)
    assert warm._POOL is not None and all(k.runs > 0 for k in warm._POOL._kernels.values())


def test_a_failed_runs_error_is_printed_as_text(app, tiny, tmp_path, monkeypatch, no_kernel):
    # REVIEW8 m9: a notebook's error quotes data values; rich markup in it (an OSC-8 [link]) or an ESC must not
    # reach the terminal as markup or control sequences
    from evidence.runs import execute

    error = "ValueError: bad value '[link=http://evil.example]click[/link] \x1b[31mred'"

    def failed(run, force=False):
        return execute.RunOutcome(run.run_id, run.notebook_name, "failed", str(tmp_path / "x"), 1.0, error)

    monkeypatch.setattr(execute, "run_unless_fresh", failed)
    result = runner.invoke(app, ["run", str(tiny), "--out-root", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "[link=http://evil.example]click[/link] \\x1b[31mred" in result.output, result.output
    assert "\x1b" not in result.output and "\x1b]8" not in result.output


def test_a_batch_starts_its_workers_after_the_parameter_checks_and_ends_them_when_refused_later(
    run_main, tiny, tmp_path, monkeypatch
):
    from evidence.core.errors import InputError
    from evidence.runs import batch, execute

    pools = []

    class Pool:
        def __init__(self, workers, prepare=None, *, start=False, notebook=None, kernel_name=None):
            pools.append(self)
            self.started, self.notebook, self.ended = start, notebook, None

        def close(self, *, cancel=False):
            self.ended = self.ended or ("closed", cancel)

        def stop(self):
            self.ended = ("stopped", True)

    monkeypatch.setattr(batch, "BatchPool", Pool)
    plan = tmp_path / "plan.yaml"
    out = str(tmp_path / "runs")
    plan.write_text(f"notebooks: [{tiny}]\nparameters:\n  n: [1, x]\n")
    code, _, err = run_main(["batch", str(plan), "--out-root", out])
    assert code == 2 and "expects int" in err and not pools  # refused by a parameter check: nothing started

    def read_only(folder):
        raise InputError("cannot write to the runs folder", path=folder)

    plan.write_text(f"notebooks: [{tiny}]\nparameters:\n  n: [1, 2]\n")
    with monkeypatch.context() as patch:
        patch.setattr(execute, "check_writable", read_only)
        code, _, err = run_main(["batch", str(plan), "--out-root", out])
    assert code == 2 and "cannot write to the runs folder" in err and not pools  # refused before any kernel

    def unreadable(*args, **kwargs):
        raise ParameterError("the data cannot be read")

    monkeypatch.setattr(batch, "prepare_run", unreadable)
    code, _, err = run_main(["batch", str(plan), "--out-root", out])
    assert code == 2 and "the data cannot be read" in err
    assert len(pools) == 1 and pools[0].started and pools[0].notebook == str(tiny)
    assert pools[0].ended == ("closed", True)  # its workers end with the kernels they started


def test_an_interrupted_batch_records_what_ran_what_failed_and_what_did_not_finish(
    run_main, tiny, tmp_path, monkeypatch
):
    """Ctrl-C or SIGTERM in a batch: exit 130 with the summary a finished batch prints (its last line found by
    the same search of a log), every run that did not finish named, and how to resume; it printed nothing."""
    from evidence.runs import batch
    from evidence.runs.execute import RunOutcome

    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks: [{tiny}]\nparameters:\n  n: [1, 2, 3]\n")
    started = []

    def interrupted(runs, *, on_start, on_done, **kwargs):
        started.extend(runs)
        on_start(3, 0)
        on_done(RunOutcome(runs[0].run_id, "tiny", "ok", str(runs[0].folder), 1.0))
        on_done(RunOutcome(runs[1].run_id, "tiny", "failed", str(runs[1].folder), 1.0, "ValueError: boom"))
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "run_batch", interrupted)
    # a Dask address: no local workers are started ahead (run_batch, replaced here, would use them)
    args = ["batch", str(plan), "--executor", "tcp://127.0.0.1:1", "--out-root", str(tmp_path / "runs")]
    code, out, err = run_main(args)
    assert code == 130, out + err
    assert "Traceback" not in err
    assert out.splitlines()[-1] == "ran 1, skipped 0, failed 1, interrupted 1", out
    (line,) = [line for line in out.splitlines() if started[2].run_id in line]
    assert "interrupted before it finished" in line
    assert "ValueError: boom" in out
    assert "run the same command again to resume" in err


def test_an_interrupted_run_says_so(run_main, tiny, tmp_path, monkeypatch, no_kernel_ahead):
    """Ctrl-C in `run` or `brief`: exit 130 and one line saying it was interrupted (typer's own handling
    exits 130 without a word, leaving a log with no reason for the missing run)."""
    from evidence.runs import execute

    def interrupted(run, force=False):
        raise KeyboardInterrupt

    monkeypatch.setattr(execute, "run_unless_fresh", interrupted)
    code, _, err = run_main(["run", str(tiny), "--out-root", str(tmp_path / "runs")])
    assert code == 130
    assert err.strip() == "error: interrupted"


def test_an_unknown_executor_is_refused_before_the_plan_is_read(run_main, tiny, tmp_path, monkeypatch):
    """`--executor foo` was refused only when the runs were due: after the plan's data were read and hashed
    and the progress bar had started."""
    from evidence.runs import batch

    monkeypatch.setattr(batch, "read_plan", lambda *a, **k: pytest.fail("the plan was read"))
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks: [{tiny}]\n")
    code, out, err = run_main(["batch", str(plan), "--executor", "foo", "--out-root", str(tmp_path / "runs")])
    assert code == 2 and out == ""
    assert err.strip() == (
        "error: unknown executor 'foo': use 'processes' or a Dask scheduler address tcp://HOST:PORT"
    )


def test_sigterm_while_a_batch_reads_its_plan_is_an_interrupt_too(run_main, tiny, tmp_path, monkeypatch):
    """SIGTERM (systemd, a cron or CI timeout) while the plan's data were read ended the process at once (143)
    with nothing in the log: the batch now takes it as Ctrl-C from its start (exit 130, "interrupted"), and
    puts back the handler it found."""
    import os
    import signal
    import time

    from evidence.runs import batch

    def unhandled(signum, frame):
        raise RuntimeError("SIGTERM reached the process's own handler: the batch did not take it")

    def terminated(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler interrupts this
        pytest.fail("SIGTERM was not delivered")

    monkeypatch.setattr(batch, "read_plan", terminated)
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks: [{tiny}]\n")
    previous = signal.signal(signal.SIGTERM, unhandled)
    try:
        code, _, err = run_main(["batch", str(plan), "--executor", "tcp://127.0.0.1:1"])
        assert signal.getsignal(signal.SIGTERM) is unhandled
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert code == 130 and err.strip() == "error: interrupted", err


def test_an_unknown_kernel_is_refused_before_anything_runs(run_main, tiny, tmp_path, no_kernel):
    """`--kernel nope` made every run fail with NoSuchKernel (exit 1, a failed folder per run of a batch):
    a mistake in the command, refused as one (exit 2, the kernels there are named), nothing written."""
    out = tmp_path / "runs"
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks: [{tiny}]\nparameters:\n  n: [1, 2]\n")
    for args in (
        ["run", str(tiny), "--kernel", "nope", "--out-root", str(out)],
        ["batch", str(plan), "--kernel", "nope", "--out-root", str(out)],
        ["brief", "THA", "--kernel", "nope", "--out-root", str(out)],
    ):
        code, _, err = run_main(args)
        assert code == 2 and "--kernel 'nope': no Jupyter kernel of that name" in err, (args, err)
    assert not out.exists()


@pytest.mark.parametrize("name", ["bad name", "../../evil", "évidence"])
def test_a_kernel_name_jupyter_refuses_is_a_usage_error_not_a_traceback(run_main, tmp_path, name):
    code, _, err = run_main(["kernel", "install", "--name", name, "--sys-prefix"])
    assert code == 2 and "Traceback" not in err
    assert (
        err.strip()
        == f"error: --name {name!r}: a kernel name is ASCII letters, digits and - . _ only (e.g. evidence-reports)"
    )


@pytest.mark.parametrize(
    "plan, where",
    [
        # a typo'd grid parameter: the plan and the key under 'parameters'
        ("notebooks: [TINY]\nparameters:\n  nn: [1]\n", "parameters: 'nn'"),
        # a wrong type in an explicit run: the plan and the entry of 'runs', not its place in the expansion
        (
            "notebooks: [TINY]\nparameters:\n  n: [1, 2]\nruns:\n  - notebook: TINY\n    parameters: {n: x}\n",
            "runs[1]",
        ),
        # an unknown country in the grid
        ("notebooks: [TINY]\nparameters:\n  country: [THA, Narnia]\n", "parameters"),
        # notebooks that do not exist, by name and by path
        ("notebooks: [TINY, country_breif]\nparameters:\n  n: [1]\n", "notebooks[2]: unknown notebook"),
        ("runs:\n  - notebook: missing.ipynb\n", "runs[1]: "),
        # 'auto' for a parameter that is no country
        ("notebooks: [TINY]\nparameters:\n  n: auto\n", "parameters: 'n'"),
    ],
)
def test_a_bad_plan_is_refused_naming_the_plan_file_and_the_place_in_it(
    run_main, tiny, tmp_path, no_kernel, plan, where
):
    path = tmp_path / "weekly.yaml"
    path.write_text(plan.replace("TINY", str(tiny)))
    code, out, err = run_main(["batch", str(path), "--out-root", str(tmp_path / "runs"), "--json"])
    assert code == 2, err
    assert err.startswith(f"error: {path}: "), err
    assert where in err, err
    assert json.loads(out)["error"]["path"] == str(path)
    assert not (tmp_path / "runs").exists()


def test_a_plan_notebook_path_is_relative_to_the_plan_not_to_the_working_folder(
    run_main, tiny, tmp_path, no_kernel, monkeypatch
):
    """A notebook path of a plan is the plan's (as the docs say): a notebook of the same name in the folder the
    batch was started from was run instead of telling that the plan's is missing."""
    import shutil

    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    shutil.copy(tiny, elsewhere / "mine.ipynb")
    monkeypatch.chdir(elsewhere)
    plans = tmp_path / "plans"
    plans.mkdir()
    path = plans / "plan.yaml"
    path.write_text("runs:\n  - notebook: mine.ipynb\n    parameters: {n: 1}\n")
    code, _, err = run_main(["batch", str(path), "--out-root", str(tmp_path / "runs")])
    assert code == 2 and str(plans / "mine.ipynb") in err, err


def test_a_batch_counts_the_runs_of_its_plan_that_are_empty_or_repeated(
    run_main, tmp_path, shared_data, no_kernel
):
    """A plan whose every run held no victims began "0 runs: 0 to run" (three were planned), and a run listed
    twice was run once without a word: the first line counts both."""
    sample = shared_data / "ctdc" / "k_anon_sample.csv"
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks: [routes]\nparameters:\n  country: [ISL, ISL, MLT]\n  data: [{sample}]\n")
    code, out, err = run_main(["batch", str(plan), "--out-root", str(tmp_path / "runs")])
    assert code == 0, err
    first = out.splitlines()[0]
    assert first == (
        "2 runs: 0 to run, 0 unchanged since their last successful run, 2 with no victims in their selection "
        "(and 1 repeated in the plan, once is enough)"
    ), first
    assert out.splitlines()[-1] == "ran 0, skipped 0, failed 0, empty 2"


def test_a_batch_names_the_runs_its_plan_repeats_in_its_log_and_its_json(
    run_main, tmp_path, shared_data, no_kernel
):
    """A run the plan gives twice was counted ("and 2 repeated in the plan") but never named, and the
    --json document did not mention it at all: 4 entries of the plan, 2 runs in the document, no word of the
    other 2."""
    sample = shared_data / "ctdc" / "k_anon_sample.csv"
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        f"notebooks: [routes]\nparameters:\n  country: [ISL, ISL, MLT]\n  data: [{sample}]\n"
        f"runs:\n  - notebook: routes\n    parameters: {{country: MLT, data: [{sample}]}}\n"
    )
    code, out, err = run_main(["batch", str(plan), "--out-root", str(tmp_path / "runs"), "--json"])
    assert code == 0, err
    document = json.loads(out)
    label = f"routes(country=ISL, data=['{sample}'])"
    assert document["repeated"] == [
        {"where": "parameters", "run": label, "same_as": "parameters"},
        {"where": "runs[1]", "run": label.replace("ISL", "MLT"), "same_as": "parameters"},
    ]
    text = " ".join(err.split())
    assert f"repeated in the plan, run once: parameters: {label} (as in parameters)" in text, text
    assert "runs[1]: routes(country=MLT" in text, text
    assert len(document["runs"]) + len(document["repeated"]) == 4


def test_the_summary_shows_run_names_as_they_are(tmp_path, capsys):
    """A run's name comes from its notebook's file name: rich read `[draft]` in it as a style, and left it out
    of the summary (a log named a run folder that does not exist)."""
    from evidence.cli.runs import _print_summary
    from evidence.runs.batch import BatchReport
    from evidence.runs.execute import RunOutcome

    names = [
        "brief[draft]-THA-1a2b3c",
        "notes[/]-4d5e6f",
    ]  # a style, and a closing tag that broke the summary
    outcomes = [
        RunOutcome(name, name.split("-")[0], "ok", str(tmp_path / name), seconds=1.0) for name in names
    ]
    _print_summary(BatchReport(outcomes), tmp_path)
    out = capsys.readouterr().out
    assert all(name in out for name in names), out


@pytest.mark.kernel
@pytest.mark.slow
def test_a_batch_fails_a_run_whose_cell_hangs_past_its_timeout_and_goes_on(app, tmp_path):
    """A batch took no --timeout (only `run` did): one notebook that hung held its worker, and the weekly batch,
    for ever. A cell past --timeout fails its run with the reason, and the other runs go on."""
    write_notebook(
        tmp_path / "hang.ipynb", "hang: bool = False\n", "import time\nif hang:\n    time.sleep(600)\n"
    )
    plan = tmp_path / "plan.yaml"
    plan.write_text("notebooks: [hang.ipynb]\nparameters:\n  hang: [true, false]\n")
    out = tmp_path / "runs"
    args = ["batch", str(plan), "--workers", "1", "--timeout", "2", "--out-root", str(out)]
    result = runner.invoke(app, args, env={"COLUMNS": "300"})
    assert result.exit_code == 1, result.output
    assert "ran 1, skipped 0, failed 1" in result.output
    (failed,) = (out / "failed").iterdir()
    record = json.loads((failed / "run.json").read_text())
    assert record["status"] == "failed" and "timed out" in record["error"], record["error"]


def test_an_unknown_name_in_a_parameters_file_is_refused_naming_the_file(run_main, tiny, tmp_path, no_kernel):
    """`run -f params.yaml` with a typo in the file said "unknown parameter 'lable'" as if it had been typed
    with -p: which file (a scheduler's run names several) went unsaid."""
    params = tmp_path / "thailand.yaml"
    params.write_text("n: 2\nlable: b\n")
    code, _, err = run_main(["run", str(tiny), "-f", str(params), "--out-root", str(tmp_path / "runs")])
    assert code == 2 and err.startswith(f"error: {params}: unknown parameter 'lable'"), err
    assert "did you mean 'label'" in err


def test_an_interrupted_rendering_batch_still_lists_the_briefs_it_made(run_main, tiny, tmp_path, monkeypatch):
    """A rendering batch stopped (Ctrl-C, SIGTERM from systemd) left the index of briefs as it was before it:
    the briefs of the runs that finished were on disk but listed nowhere until the next batch."""
    from evidence.runs import batch
    from evidence.runs.execute import RunOutcome

    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks: [{tiny}]\nparameters:\n  n: [1, 2]\nrender: true\n")
    written = []

    def interrupted(runs, *, on_start, on_done, **kwargs):
        on_start(2, 0)
        on_done(RunOutcome(runs[0].run_id, "tiny", "ok", str(runs[0].folder), 1.0))
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "run_batch", interrupted)
    monkeypatch.setattr(
        "evidence.briefs.index.write_index", lambda root, target: written.append(target) or target
    )
    out_root = tmp_path / "reports" / "runs"
    args = ["batch", str(plan), "--executor", "tcp://127.0.0.1:1", "--out-root", str(out_root), "--json"]
    code, out, err = run_main(args)
    assert code == 130, out + err
    assert written == [tmp_path / "reports" / "index.html"]
    assert json.loads(out)["index"] == str(written[0])
    assert "index of briefs" in err


@pytest.mark.parametrize("interrupt", [False, True])
def test_a_rendering_batchs_last_line_is_its_summarys_as_the_docs_say(
    run_main, tiny, tmp_path, monkeypatch, interrupt
):
    """QA27: with `render: true` (the docs' weekly plan) the batch printed "index of briefs: reports/index.html"
    after its summary, so the log's last line was not `ran N, skipped N, failed N` (nor, interrupted,
    "interrupted: run the same command again ..."), the line the docs tell a scheduler's log to end with."""
    from evidence.runs import batch
    from evidence.runs.execute import RunOutcome

    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks: [{tiny}]\nparameters:\n  n: [1, 2]\nrender: true\n")

    def ran(runs, *, on_start, on_done, **kwargs):
        on_start(2, 0)
        outcomes = [RunOutcome(run.run_id, "tiny", "ok", str(run.folder), 1.0) for run in runs]
        on_done(outcomes[0])
        if interrupt:
            raise KeyboardInterrupt
        on_done(outcomes[1])
        return batch.BatchReport(outcomes)

    monkeypatch.setattr(batch, "run_batch", ran)
    monkeypatch.setattr("evidence.briefs.index.write_index", lambda root, target: target)
    out_root = tmp_path / "reports" / "runs"
    code, out, err = run_main(
        ["batch", str(plan), "--executor", "tcp://127.0.0.1:1", "--out-root", str(out_root)]
    )
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert any(line.startswith("index of briefs: ") for line in lines), lines
    if interrupt:
        assert code == 130
        assert lines[-2].startswith("ran 1, skipped 0, failed 0, interrupted 1"), lines
        assert lines[-1].startswith("interrupted: run the same command again"), lines
    else:
        assert code == 0 and lines[-1] == "ran 2, skipped 0, failed 0", lines


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_rendering_batch_that_cannot_write_its_index_says_so_after_its_summary_and_exits_1(
    run_main, tiny, tmp_path, monkeypatch, as_json
):
    """QA27: a full disk when a rendering batch wrote its index of briefs, at its end, ended it with "error: No
    space left on device" and exit 2 ("refused before anything was done") after every run had run and been
    rendered; with --json no `evidence.batch` document, only an error: a script lost the runs' outcomes. The
    batch prints its summary and document, says the index was not written, and exits 1 (a problem found)."""
    import errno

    from evidence.runs import batch
    from evidence.runs.execute import RunOutcome

    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks: [{tiny}]\nparameters:\n  n: [1, 2]\nrender: true\n")

    def ran(runs, *, on_start, on_done, **kwargs):
        on_start(2, 0)
        outcomes = [RunOutcome(run.run_id, "tiny", "ok", str(run.folder), 1.0) for run in runs]
        for outcome in outcomes:
            on_done(outcome)
        return batch.BatchReport(outcomes)

    def full(root, target, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(batch, "run_batch", ran)
    monkeypatch.setattr("evidence.briefs.index.write_index", full)
    out_root = tmp_path / "reports" / "runs"
    args = ["batch", str(plan), "--executor", "tcp://127.0.0.1:1", "--out-root", str(out_root)]
    code, out, err = run_main(args + (["--json"] if as_json else []))
    assert code == 1, out + err
    said = " ".join(err.split())
    index = tmp_path / "reports" / "index.html"
    assert f"the index of briefs could not be written: {index}: No space left on device" in said, said
    if as_json:
        document = json.loads(out)
        assert document["schema"] == "evidence.batch" and document["index"] is None
        assert document["counts"]["ok"] == 2
        assert err.strip().splitlines()[-1].startswith("ran 2, skipped 0, failed 0"), err
    else:
        assert out.strip().splitlines()[-1].startswith("ran 2, skipped 0, failed 0"), out


@pytest.mark.parametrize("value", ["nan", "inf", "Infinity", "1e999"])
def test_a_number_that_is_no_number_is_refused_before_any_kernel(run_main, tmp_path, no_kernel, value):
    """``-p x nan`` (or ``inf``) for a float parameter would run the notebook with it and record it as null in
    run.json (JSON has no NaN): refused like any value of the wrong type, naming the parameter, in a run, a
    parameters file and a plan alike."""
    notebook = write_notebook(tmp_path / "rate.ipynb", "x: float = 1.0\nxs: list[float] = []\n", "print(x)\n")
    code, _, err = run_main(["run", str(notebook), "-p", "x", value, "--out-root", str(tmp_path / "runs")])
    assert code == 2 and "parameter 'x'" in err and "finite" in err, err
    code, _, err = run_main(
        ["run", str(notebook), "-p", "xs", f"1,{value}", "--out-root", str(tmp_path / "runs")]
    )
    assert code == 2 and "parameter 'xs'" in err and "finite" in err, err
    plan = tmp_path / "plan.yaml"
    plan.write_text("notebooks: [rate.ipynb]\nparameters:\n  x: [1.5, .nan]\n")
    code, _, err = run_main(["batch", str(plan), "--out-root", str(tmp_path / "runs")])
    assert code == 2 and "1 of 2 runs are invalid" in err and "finite" in err, err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_the_batch_header_counts_one_run_as_one_run() -> None:
    """A plan of one run (``n: [1, 1]``, once is enough) began "1 runs: 1 to run"."""
    assert runs_cli._batch_header(2, 1, 1, 0, 0).startswith("1 run: 1 to run, 0 unchanged")
    assert runs_cli._batch_header(3, 3, 2, 1, 0).startswith("3 runs: 2 to run, 1 unchanged")


@pytest.mark.kernel
def test_keep_going_fails_the_invalid_runs_of_a_plan_and_runs_the_others(run_main, tmp_path):
    """A grid whose combinations include some the notebook refuses (``n: [1, -1, 2]`` under ``# check: n >= 0``)
    ran nothing: exit 2, "nothing was run", as documented. With ``--keep-going`` each invalid run is a failed
    run of the summary, named by its place in the plan and its reason, the valid runs execute, and the batch
    exits 1 (a run failed), not 2 (the input refused)."""
    write_notebook(tmp_path / "count.ipynb", "n: int = 1\n# check: n >= 0\n", "print(n)\n")
    plan = tmp_path / "plan.yaml"
    plan.write_text("notebooks: [count.ipynb]\nparameters:\n  n: [1, -1, 2]\n")
    out = tmp_path / "runs"
    code, _, err = run_main(["batch", str(plan), "--out-root", str(out)])
    assert code == 2 and "1 of 3 runs are invalid; nothing was run" in err, err
    code, text, err = run_main(["batch", str(plan), "--out-root", str(out), "--keep-going", "--json"])
    assert code == 1, err
    document = json.loads(text)
    runs = {r["run_id"]: r for r in document["runs"]}
    assert document["counts"] == {"ok": 2, "skipped": 0, "failed": 1, "empty": 0, "interrupted": 0}
    (bad,) = [r for r in runs.values() if r["status"] == "failed"]
    assert bad["run_id"] == "count(n=-1)" and bad["folder"] == "" and bad["seconds"] is None
    assert bad["error"] == "parameters: count(n=-1): the notebook requires n >= 0 (given n=-1)"
    assert "count(n=-1)" in err and "the notebook requires n >= 0" in err  # in the summary table too
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        runs_id for runs_id in sorted(runs) if runs_id != "count(n=-1)"
    ]


def _fake_brief(folder) -> None:
    """A rendered brief in a run folder, as the index lists one (without rendering it)."""
    (folder / "brief.html").write_text("<html><body>brief</body></html>\n")
    (folder / "brief.json").write_text(json.dumps({"title": "A brief", "formats": {"html": "brief.html"}}))


@pytest.mark.kernel
def test_the_workers_of_an_unchanged_batch_start_no_kernel(run_main, tiny, tmp_path, monkeypatch):
    """A batch whose runs are all unchanged (a weekly batch on last week's data) executes nothing, yet each of
    its workers started its kernel (with the notebook's imports) as it was forked, ahead of the check that found
    every run unchanged, and stopped it again. A worker starts a kernel only for a run to execute."""
    import _worker_kernels

    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks: [{tiny}]\nparameters:\n  n: [1, 2]\n")
    out = tmp_path / "runs"
    assert run_main(["batch", str(plan), "--out-root", str(out), "--workers", "2"])[0] == 0
    # the step after each run (rendering, with `render: true`) tells whether its worker has started a kernel
    monkeypatch.setattr(runs_cli, "render_brief", _worker_kernels.tell_kernel)
    plan.write_text(f"notebooks: [{tiny}]\nparameters:\n  n: [1, 2]\nrender: true\n")
    code, text, err = run_main(["batch", str(plan), "--out-root", str(out), "--workers", "2", "--json"])
    assert code == 0, text + err
    runs = json.loads(text)["runs"]
    assert [r["status"] for r in runs] == ["skipped", "skipped"], runs
    assert [(Path(r["folder"]) / _worker_kernels.MARKER).read_text() for r in runs] == ["no", "no"]


def _stale_conversions() -> set[str]:
    """The scratch folders of pandoc conversions on this machine whose process is gone."""
    import tempfile

    from evidence.briefs.builtin import _STALE_SCRATCH
    from evidence.core.atomic import host_tag, process_alive

    stale = set()
    for entry in Path(tempfile.gettempdir()).glob("evidence-pandoc-*"):
        match = _STALE_SCRATCH.match(entry.name)
        if match and match["host"] == host_tag() and not process_alive(int(match["pid"])):
            stale.add(entry.name)
    return stale


@pytest.mark.kernel
def test_a_worker_killed_while_it_renders_a_brief_fails_the_run_saying_so_and_leaves_no_half_brief(
    run_main, tiny, tmp_path, monkeypatch
):
    """A batch worker killed outright (the OOM killer, `kill -9`) while it rendered a run's brief: the run was
    reported as killed "while this run was executing", though it had executed and was in its folder, and its
    folder kept half a brief (its source and an empty figures folder, no page, no record), with the scratch
    folder of the render's pandoc in $TMPDIR; the summary sent the reader to failed/<run>, where nothing was.
    The run is failed with the reason (its brief was being rendered), the run's own files are kept, and what the
    render left is removed: the same when the run was unchanged (skipped) and only its brief was due."""
    import _render_killed

    from evidence.runs.record import read_record

    monkeypatch.setattr(runs_cli, "render_brief", _render_killed.killed_while_typesetting)
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"runs:\n  - notebook: {tiny}\n    parameters: {{n: 2}}\nrender: true\n")
    out = tmp_path / "reports" / "runs"
    stale_before = _stale_conversions()
    for attempt in ("executed", "unchanged"):
        code, text, err = run_main(["batch", str(plan), "--out-root", str(out), "--workers", "1", "--json"])
        assert code == 1, text + err
        (run,) = json.loads(text)["runs"]
        assert run["status"] == "failed", (attempt, run)
        assert "died while the brief of this run was rendered" in run["error"], (attempt, run)
        assert "executing" not in run["error"], (attempt, run)
        folder = Path(run["folder"])
        assert folder == out / run["run_id"] and read_record(folder).status == "ok", (attempt, run)
        assert sorted(p.name for p in folder.iterdir()) == ["figures", "run.json", "run.log", "tiny.ipynb"]
        assert not (out / "failed").exists()
        assert "failed/<run>" not in err, err  # the run is in its folder, not among the failed runs
        assert _stale_conversions() <= stale_before, attempt


@pytest.mark.kernel
def test_a_run_replacing_a_briefed_folder_takes_its_brief_out_of_the_index(app, tiny, tmp_path):
    # the new run replaces the folder, brief and all: the index must not go on linking the brief that is gone
    # (`run` never renders; a killed or refused render would leave the same dead link)
    from evidence.briefs.index import index_path, write_index

    out = tmp_path / "reports" / "runs"
    args = ["run", str(tiny), "-p", "n", "2", "--out-root", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    (folder,) = out.iterdir()
    _fake_brief(folder)
    index = write_index(out, index_path(out))
    assert f"{folder.name}/brief.html" in index.read_text()
    forced = runner.invoke(app, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert not (folder / "brief.html").exists()
    assert f"{folder.name}/brief.html" not in index.read_text()


@pytest.mark.kernel
def test_a_batch_replacing_a_briefed_folder_takes_its_brief_out_of_the_index(run_main, tiny, tmp_path):
    from evidence.briefs.index import index_path, write_index

    out = tmp_path / "reports" / "runs"
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"runs:\n  - notebook: {tiny}\n    parameters: {{n: 2}}\n")
    args = ["batch", str(plan), "--workers", "1", "--out-root", str(out)]
    assert run_main(args)[0] == 0
    (folder,) = (p for p in out.iterdir() if not p.name.startswith("."))
    _fake_brief(folder)
    index = write_index(out, index_path(out))
    assert f"{folder.name}/brief.html" in index.read_text()
    code, text, err = run_main([*args, "--force"])
    assert code == 0, text + err
    assert f"{folder.name}/brief.html" not in index.read_text()


@pytest.mark.kernel
def test_sigterm_stops_a_run_as_ctrl_c_does_leaving_nothing_behind(tmp_path):
    """SIGTERM (`kill`, systemd, a CI timeout) of `evidence run` ended it at once (143): its half-made run
    folder left for the next run to clear, nothing said. It is now taken as Ctrl-C: the temporary folder
    removed, the kernel stopped, exit 130 with "error: interrupted"."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    marker = tmp_path / "running"
    source = f"import os, time\nopen({str(marker)!r}, 'w').write(str(os.getpid()))\ntime.sleep(600)\n"
    notebook = write_notebook(tmp_path / "slow.ipynb", "n: int = 1", source)
    out = tmp_path / "runs"
    evidence = Path(sys.executable).with_name("evidence")
    run = subprocess.Popen(
        [str(evidence), "run", str(notebook), "--out-root", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    kernel = None
    try:
        deadline = time.monotonic() + 120  # a guard against a hang, not a speed assertion
        while not (marker.exists() and marker.read_text()):
            assert run.poll() is None and time.monotonic() < deadline, "the run did not start"
            time.sleep(0.1)
        kernel = int(marker.read_text())
        run.send_signal(signal.SIGTERM)
        _, err = run.communicate(timeout=60)
        assert run.returncode == 130 and err.strip().endswith("error: interrupted"), err
        assert list(out.iterdir()) == []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not _gone(kernel):
            time.sleep(0.1)
        assert _gone(kernel)
    finally:
        if run.poll() is None:
            run.kill()
        if kernel is not None and not _gone(kernel):
            os.kill(kernel, signal.SIGKILL)


def _gone(pid: int) -> bool:
    """Whether a process has ended (a zombie not yet reaped has ended too)."""
    from pathlib import Path

    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


@pytest.mark.kernel
def test_a_batch_interrupted_after_replacing_a_briefed_folder_takes_its_brief_out_of_the_index(
    run_main, tiny, tmp_path, monkeypatch
):
    # SIGTERM while the worker renders the run it has just put in place: the run never reported, and the index
    # went on linking the brief that the new run took away
    from evidence.briefs.index import index_path, write_index
    from evidence.runs import batch

    out = tmp_path / "reports" / "runs"
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"runs:\n  - notebook: {tiny}\n    parameters: {{n: 2}}\nrender: true\n")
    assert run_main(["run", str(tiny), "-p", "n", "2", "--out-root", str(out)])[0] == 0
    (folder,) = out.iterdir()
    _fake_brief(folder)
    index = write_index(out, index_path(out))

    def replaced_then_interrupted(runs, *, on_start, **kwargs):
        on_start(1, 0)
        for name in ("brief.json", "brief.html"):  # the new run in place, its brief not rendered yet
            (folder / name).unlink()
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "run_batch", replaced_then_interrupted)
    code, text, err = run_main(
        ["batch", str(plan), "--executor", "tcp://127.0.0.1:1", "--out-root", str(out)]
    )
    assert code == 130, text + err
    assert f"{folder.name}/brief.html" not in index.read_text()


@pytest.mark.parametrize(
    ("kept", "said"),
    [
        (("tiny.ipynb", "run.json"), "the partly executed notebook and run.json are in"),
        (("run.json",), "its run.json (alone) is in"),  # a full disk: the notebook could not be written
        ((), "nothing of it could be written in"),
    ],
)
def test_a_failed_run_says_what_its_folder_holds(app, tiny, tmp_path, monkeypatch, no_kernel, kept, said):
    # it said "the partly executed notebook and run.json are in ..." of a folder a full disk had left empty
    from evidence.runs import execute

    folder = tmp_path / "failed" / "tiny-run"
    folder.mkdir(parents=True)
    for name in kept:
        (folder / name).write_text("{}")

    def failed(run, force=False):
        return execute.RunOutcome(run.run_id, "tiny", "failed", str(folder), 1.0, "could not write")

    monkeypatch.setattr(execute, "run_unless_fresh", failed)
    result = runner.invoke(app, ["run", str(tiny), "--out-root", str(tmp_path)], env={"COLUMNS": "300"})
    assert result.exit_code == 1 and said in result.output, result.output


@pytest.mark.kernel
def test_a_kernel_that_dies_in_a_batch_is_reported_once_not_by_nbclients_logger(tmp_path):
    """nbclient logs "Kernel died while waiting for execute reply." through Papermill's logger, which has no
    handler: Python printed it raw on the terminal, above the batch's summary (which already says the run
    failed and why). It belongs in the run's run.log."""
    import subprocess
    import sys
    from pathlib import Path

    notebook = write_notebook(
        tmp_path / "dies.ipynb", "n: int = 1", "if n == 2:\n    import os\n    os._exit(3)"
    )
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks: [{notebook}]\nparameters:\n  n: [1, 2]\n")
    out = tmp_path / "runs"
    evidence = Path(sys.executable).with_name("evidence")
    done = subprocess.run(
        [str(evidence), "batch", str(plan), "--workers", "2", "--out-root", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    said = done.stdout + done.stderr
    assert "the kernel died while the notebook ran" in said  # the summary's reason
    assert "Kernel died while waiting" not in said
    (failed,) = (out / "failed").iterdir()
    assert "Kernel died while waiting for execute reply." in (failed / "run.log").read_text()


@pytest.mark.kernel
def test_a_failed_forced_attempt_is_set_aside_once_the_good_run_is_served_unchanged(app, tmp_path):
    """`run --force` that fails keeps the good run and puts the failure in failed/<run>; the next run, skipped as
    unchanged, left that failure there for ever, so failed/ said the run was failing. The good run in place is
    the run's result for its inputs: the attempt moves to failed/.superseded/<run>, and the command says so."""
    flaky = tmp_path / "flaky"
    source = f"import os\nif os.path.exists({str(flaky)!r}):\n    raise RuntimeError('a flaky failure')\n"
    notebook = write_notebook(tmp_path / "flaky.ipynb", "n: int = 1", source)
    out = tmp_path / "runs"
    args = ["run", str(notebook), "--out-root", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    (good,) = [p for p in out.iterdir() if p.is_dir()]
    flaky.touch()
    assert runner.invoke(app, [*args, "--force"]).exit_code == 1
    assert (out / "failed" / good.name / "run.json").is_file()  # beside the good run, which stays
    flaky.unlink()
    again = runner.invoke(app, args, env={"COLUMNS": "300"})
    assert again.exit_code == 0, again.output
    said = " ".join(again.output.split())
    assert "unchanged since its last run" in said
    assert "a flaky failure" in said and "failed/.superseded/" in said
    assert list((out / "failed").iterdir()) == [out / "failed" / ".superseded"]
    kept = out / "failed" / ".superseded" / good.name
    assert json.loads((kept / "run.json").read_text())["status"] == "failed"
    assert (good / "run.json").is_file()
    # a run listing failures sees none now
    from evidence.runs.record import list_runs

    assert [f.name for f, r in list_runs(out, include_failed=True)] == [good.name]
    # the good run replaced by a new one: the attempt set aside is gone with the one it was beside
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    assert not kept.exists()


def test_the_summary_says_how_many_stale_failed_attempts_were_set_aside(tmp_path, capsys, monkeypatch):
    from evidence.cli.runs import _print_summary
    from evidence.runs.batch import BatchReport
    from evidence.runs.execute import RunOutcome

    monkeypatch.chdir(tmp_path)
    note = "its attempt that failed at 2026-12-05 13:45 UTC (boom) was set aside in failed/.superseded/a-1"
    outcomes = [
        RunOutcome("a-1", "a", "skipped", str(tmp_path / "runs" / "a-1"), note=note),
        RunOutcome("b-2", "b", "skipped", str(tmp_path / "runs" / "b-2")),
    ]
    _print_summary(BatchReport(outcomes), tmp_path / "runs")
    out = " ".join(capsys.readouterr().out.split())
    assert "1 failed attempt of unchanged runs set aside in runs/failed/.superseded/<run>" in out
    _print_summary(BatchReport(outcomes[1:]), tmp_path / "runs")
    assert "set aside" not in capsys.readouterr().out


def _provenance(folder, path, rejected):
    folder.mkdir(parents=True, exist_ok=True)
    entry = {"path": str(path), "rows_in": 1478, "rows_kept": 1478 - rejected, "rows_rejected": rejected}
    (folder / "provenance.json").write_text(json.dumps([entry]), encoding="utf-8")


def test_run_and_batch_say_the_rows_their_data_files_lost(run_main, tiny, tmp_path, monkeypatch):
    """A CTDC file with two years typed `20x2`: `flows` said "2 of 1,478 rows rejected, not counted (row 5,
    yearOfRegistration ...)", while `run` and `batch` said nothing on the terminal or in the log: the rows were
    lost to the analyst who schedules runs (only the brief's data section counted them)."""
    from evidence.runs import batch, execute
    from evidence.runs.execute import RunOutcome

    bad, good = tmp_path / "kanon_bad.csv", tmp_path / "good.csv"

    def ran(run, force=False):
        _provenance(run.folder, bad, 2)
        return RunOutcome(run.run_id, run.notebook_name, "ok", str(run.folder), 1.0)

    monkeypatch.setattr(execute, "run_unless_fresh", ran)
    code, _, err = run_main(["run", str(tiny), "--out-root", str(tmp_path / "runs")])
    said = " ".join(err.split())
    assert code in (0, None), err
    assert (
        f"{bad}: 2 of 1,478 rows rejected, not counted in the run: `evidence data validate {bad}`" in said
    ), said

    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks: [{tiny}]\nparameters:\n  n: [1, 2, 3]\n")

    def finished(runs, *, on_start, on_done, **kwargs):
        on_start(3, 0)
        outcomes = []
        for run, path, rejected in zip(runs, (bad, bad, good), (2, 2, 0), strict=True):
            _provenance(run.folder, path, rejected)
            outcomes.append(RunOutcome(run.run_id, "tiny", "ok", str(run.folder), 1.0))
            on_done(outcomes[-1])
        return batch.BatchReport(outcomes)

    monkeypatch.setattr(batch, "run_batch", finished)
    args = ["batch", str(plan), "--executor", "tcp://127.0.0.1:1", "--out-root", str(tmp_path / "runs")]
    code, out, err = run_main(args)
    said = " ".join(err.split())
    assert code == 0, out + err
    # once per file, however many runs read it; the summary's last line stays the log's last word
    assert said.count(f"{bad}: 2 of 1,478 rows rejected, not counted in 2 runs") == 1, said
    assert str(good) not in said
    assert out.splitlines()[-1] == "ran 3, skipped 0, failed 0", out


def test_a_batchs_json_names_its_runs_folder_as_it_names_the_runs_in_it(tmp_path, monkeypatch):
    """`--out-root runs` gave `"out_root": "runs"` beside `"folder": "/abs/.../runs/x"` for each run: one
    folder, two spellings, in one document."""
    from evidence.runs.batch import BatchReport
    from evidence.runs.execute import RunOutcome

    monkeypatch.chdir(tmp_path)
    folder = tmp_path.resolve() / "runs" / "a-1"
    report = BatchReport([RunOutcome("a-1", "a", "ok", str(folder), 1.0)])
    document = runs_cli.batch_json(Path("plan.yaml"), Path("runs"), report, None, interrupted=False)
    assert document["out_root"] == str(folder.parent)
    assert document["runs"][0]["folder"].startswith(document["out_root"])


def test_a_batch_draws_its_progress_bar_on_a_terminal_only(run_main, tiny, tmp_path, monkeypatch):
    """Logged by cron (`>> logs/batch.log 2>&1`), a batch wrote the progress bar's last state into the log
    ("running ━━━━ 3/3 0:00:57 ✓ <run>") where the docs promise a bar on a terminal, and the summary table."""
    from evidence.runs import batch
    from evidence.runs.execute import RunOutcome

    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks: [{tiny}]\nparameters:\n  n: [1, 2]\n")

    def finished(runs, *, on_start, on_done, **kwargs):
        on_start(2, 0)
        outcomes = [RunOutcome(run.run_id, "tiny", "ok", str(run.folder), 1.0) for run in runs]
        for outcome in outcomes:
            on_done(outcome)
        return batch.BatchReport(outcomes)

    monkeypatch.setattr(batch, "run_batch", finished)
    args = ["batch", str(plan), "--executor", "tcp://127.0.0.1:1", "--out-root", str(tmp_path / "runs")]
    code, out, err = run_main(args)
    assert code == 0, out + err
    assert "━" not in out + err and "running" not in out + err, out + err
    assert (
        out.splitlines()[0].startswith("2 runs: 2 to run")
        and out.splitlines()[-1] == "ran 2, skipped 0, failed 0"
    )


class _Killed(BaseException):
    """``kill -9`` in a test: the process ends where this is raised, and nothing of it runs any more."""


def _briefed_run(run_main, tiny, out):
    """A run of ``tiny`` (n=2) in ``out`` with a brief, listed by the index beside ``out``."""
    from evidence.briefs.index import index_path, write_index

    assert run_main(["run", str(tiny), "-p", "n", "2", "--out-root", str(out)])[0] == 0
    (folder,) = (p for p in out.iterdir() if not p.name.startswith("."))
    _fake_brief(folder)
    index = write_index(out, index_path(out))
    assert f"{folder.name}/brief.html" in index.read_text()
    return folder, index


@pytest.mark.kernel
@pytest.mark.parametrize("render", [True, False])
def test_a_batch_killed_once_it_has_replaced_a_briefed_folder_leaves_no_link_to_the_brief_gone(
    run_main, tiny, tmp_path, monkeypatch, render
):
    """`kill -9` (the OOM killer, `timeout -s KILL`) of a batch while a worker renders the run it has just put in
    place, whose folder held a brief: nothing rewrote the index any more, and it linked the brief the new run
    took away until a later batch ran to its end (measured: a batch of four briefs killed at 6 s and 10 s left
    two and four dead links). The briefs of the runs to execute again are left out of the index first."""
    from evidence.runs import batch

    out = tmp_path / "reports" / "runs"
    folder, index = _briefed_run(run_main, tiny, out)
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"runs:\n  - notebook: {tiny}\n    parameters: {{n: 2}}\nrender: {str(render).lower()}\n")
    at_the_kill = []

    def replaced_then_killed(runs, *, on_start, before_run, **kwargs):
        on_start(1, 0)
        before_run(runs[0])  # as run_batch does before it gives the run out to execute
        for name in ("brief.json", "brief.html"):  # the new run in place, its brief not rendered yet
            (folder / name).unlink()
        at_the_kill.append(index.read_text())
        raise _Killed

    monkeypatch.setattr(batch, "run_batch", replaced_then_killed)
    with pytest.raises(_Killed):
        run_main(["batch", str(plan), "--executor", "tcp://127.0.0.1:1", "--out-root", str(out), "--force"])
    assert at_the_kill and f"{folder.name}/brief.html" not in at_the_kill[0]


@pytest.mark.kernel
def test_a_batch_leaves_its_briefs_out_of_the_index_a_few_runs_at_a_time(
    run_main, tiny, tmp_path, monkeypatch
):
    """Every briefed run is left out of the index before it is given out, in fewer rewrites than runs (a rewrite
    reads every brief's records: one a run made a batch of 190 briefs done again rewrite it 190 times); the
    briefs of runs not yet given out, beyond those left out ahead, stay listed."""
    from evidence.briefs import index as briefs_index
    from evidence.cli import runs as cli_runs
    from evidence.runs import batch

    out = tmp_path / "reports" / "runs"
    for n in (2, 3, 4):
        assert run_main(["run", str(tiny), "-p", "n", str(n), "--out-root", str(out)])[0] == 0
    folders = sorted(p for p in out.iterdir() if not p.name.startswith("."))
    for folder in folders:
        _fake_brief(folder)
    index = briefs_index.write_index(out, briefs_index.index_path(out))
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks: [{tiny}]\nparameters:\n  n: [2, 3, 4]\nrender: false\n")
    monkeypatch.setattr(cli_runs, "LEFT_OUT_AHEAD", 2)
    writes = []
    monkeypatch.setattr(
        briefs_index,
        "write_index",
        lambda *a, _w=briefs_index.write_index, **k: writes.append(1) or _w(*a, **k),
    )
    seen = []

    def given_out_in_order(runs, *, on_start, before_run, **kwargs):
        on_start(len(runs), 0)
        for run in runs:
            before_run(run)
            page = index.read_text()
            seen.append([f"{f.name}/brief.html" in page for f in (run.folder, *folders)])
        raise _Killed

    monkeypatch.setattr(batch, "run_batch", given_out_in_order)
    with pytest.raises(_Killed):
        run_main(["batch", str(plan), "--executor", "tcp://127.0.0.1:1", "--out-root", str(out), "--force"])
    assert len(seen) == 3 and not any(listed[0] for listed in seen)  # each left out before it is given out
    assert sum(seen[0][1:]) == 1  # the first two left out at once, the third still listed
    assert len(writes) == 2


@pytest.mark.kernel
def test_a_batch_lists_again_the_briefs_it_left_out_that_are_still_there(
    run_main, tiny, tmp_path, monkeypatch
):
    """A briefed run executed again that fails keeps its good run, brief and all (the attempt goes to failed/):
    the index lists it again at the end of the batch; and a batch that finds the brief unlisted (left out by a
    batch killed before its run was replaced) lists it, though it renders nothing and the run is unchanged."""
    from evidence.runs import batch
    from evidence.runs.execute import RunOutcome

    out = tmp_path / "reports" / "runs"
    folder, index = _briefed_run(run_main, tiny, out)
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"runs:\n  - notebook: {tiny}\n    parameters: {{n: 2}}\n")
    listed = []

    def failed(runs, *, on_start, on_done, before_run, **kwargs):
        on_start(1, 0)
        listed.append(f"{folder.name}/brief.html" in index.read_text())  # listed until the run is given out
        before_run(runs[0])
        listed.append(f"{folder.name}/brief.html" in index.read_text())
        outcome = RunOutcome(runs[0].run_id, "tiny", "failed", str(runs[0].failed_folder), 1.0, error="boom")
        on_done(outcome)
        return batch.BatchReport([outcome])

    monkeypatch.setattr(batch, "run_batch", failed)
    args = ["batch", str(plan), "--executor", "tcp://127.0.0.1:1", "--out-root", str(out)]
    code, text, err = run_main([*args, "--force"])
    assert code == 1, text + err
    assert listed == [True, False]  # left out while the run executed
    assert f"{folder.name}/brief.html" in index.read_text()  # and back, its run and brief unchanged

    from evidence.briefs.index import write_index

    write_index(out, index, leaving_out=[folder])  # as a batch killed outright left it

    def unchanged(runs, *, on_start, on_done, **kwargs):
        on_start(0, 1)
        outcome = RunOutcome(runs[0].run_id, "tiny", "skipped", str(runs[0].folder))
        on_done(outcome)
        return batch.BatchReport([outcome])

    monkeypatch.setattr(batch, "run_batch", unchanged)
    code, text, err = run_main(args)
    assert code == 0, text + err
    assert f"{folder.name}/brief.html" in index.read_text()


@pytest.mark.kernel
def test_a_run_killed_once_it_has_replaced_a_briefed_folder_leaves_no_link_to_the_brief_gone(
    app, run_main, tiny, tmp_path, monkeypatch
):
    """`evidence run --force` of a briefed run, killed outright between putting the new run in place and
    rewriting the index: the index linked the brief gone. A run that fails keeps the brief listed, and a run
    found unchanged lists a brief the index left out."""
    from evidence.briefs.index import write_index
    from evidence.runs import execute

    out = tmp_path / "reports" / "runs"
    folder, index = _briefed_run(run_main, tiny, out)
    at_the_kill = []

    def replaced_then_killed(run, *, force=False):
        for name in ("brief.json", "brief.html"):
            (folder / name).unlink()
        at_the_kill.append(index.read_text())
        raise _Killed

    args = ["run", str(tiny), "-p", "n", "2", "--out-root", str(out)]
    with monkeypatch.context() as patch:
        patch.setattr(execute, "run_unless_fresh", replaced_then_killed)
        with pytest.raises(_Killed):
            runner.invoke(app, [*args, "--force"], catch_exceptions=False)
    assert at_the_kill and f"{folder.name}/brief.html" not in at_the_kill[0]

    _fake_brief(folder)  # (as if the kill had come before the new run was put in place)
    write_index(out, index, leaving_out=[folder])
    found = runner.invoke(app, args)
    assert found.exit_code == 0 and "unchanged" in found.output, found.output
    assert f"{folder.name}/brief.html" in index.read_text()

    def written() -> tuple[int, int]:
        return index.stat().st_ino, index.stat().st_mtime_ns

    before = written()
    assert runner.invoke(app, args).exit_code == 0
    assert written() == before  # listed already: an unchanged run does not rewrite the index

    def failed(run, *, force=False):
        assert f"{folder.name}/brief.html" not in index.read_text()
        return execute.RunOutcome(run.run_id, "tiny", "failed", str(run.failed_folder), 1.0, error="boom")

    monkeypatch.setattr(execute, "run_unless_fresh", failed)
    assert runner.invoke(app, [*args, "--force"]).exit_code == 1
    assert f"{folder.name}/brief.html" in index.read_text()
