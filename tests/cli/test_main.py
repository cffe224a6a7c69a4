"""The entry point: light commands import no heavy library; system errors are one line, not a traceback."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from _forked import Check, Forked, Stage, run_forked

#: Libraries only notebook execution, rendering, charts, maps and clusters need.
HEAVY = ("papermill", "nbconvert", "nbclient", "altair", "vl_convert", "geopandas", "dask", "distributed")

PROBE = """
import json, sys
from evidence.cli.main import main
sys.argv = ["evidence", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
roots = sorted({m.split(".")[0] for m in sys.modules})
print(json.dumps({"code": code, "modules": roots}), file=sys.stderr)
"""


#: The shared data's files the commands below read (when the folder is there: the tests that read them skip,
#: loudly, without it).
SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
FILES = {
    "ctdc": str(SHARED_DATA / "ctdc" / "k_anon_sample.csv"),
    "mse": str(SHARED_DATA / "mse" / "new_orleans_5list" / "NewOrl_5_185cases_SparseMSE.csv"),
}

#: ``evidence ARGS`` through :func:`console_script`, as ``python -c CONSOLE_SCRIPT ARGS``.
CONSOLE_SCRIPT = "import sys\nfrom evidence.cli.main import console_script\nsys.argv = ['evidence', *sys.argv[1:]]\nconsole_script()"

#: The commands whose imports are checked (test_light_commands_import_no_heavy_library), by check name.
LIGHT_COMMANDS = [
    ("data", ["data", "load", "{ctdc}"]),
    ("flows", ["flows", "--data", "{ctdc}", "--country", "USA"]),
    ("trend", ["trend", "--data", "{ctdc}", "--country", "USA"]),
    ("estimate", ["estimate", "--data", "{mse}"]),
    ("compare", ["compare", "--help"]),  # a colleague's command: its path must stay light too
    ("run", ["run", "--help"]),
    ("batch", ["batch", "--help"]),
    ("flows", ["flows", "--data", "{ctdc}", "--country", "XXX", "--json"]),  # a failure's JSON document
]

#: The command lines of the tests of a reader gone early (test_a_reader_gone_early_ends_a_command_quietly...).
READER_GONE = [
    ("flows", "--country", "THA"),  # a rich table
    ("flows", "--country", "THA", "--json"),  # typer.echo
    ("--version",),  # printed while the command line is parsed
    ("data", "--help"),  # typer's help console
]


#: What `flows` and `trend` import before their own work (to read a table, select from it and protect it).
TABLE_COMMANDS_IMPORT = (
    "import evidence.sources.cache, evidence.notebooks.builders, evidence.runs.selection_check"
)


@pytest.fixture(scope="module")
def processes() -> Forked:
    """The processes of this module's checks of a real process, forked from one driver (tests/cli/_forked.py):
    first from one that has imported the CLI (the first import of every command; the driver's modules then are
    those the CLI imports, checked by test_every_topic_module_is_light_at_import), then from one that has
    imported pydantic and typer's use of it as well (what reads any option's value), then numpy and polars too
    (the first imports of every command that reads a table), then what `flows` and `trend` both import. The
    driver's modules at each stage are checked free of the heavy libraries below."""
    have_data = SHARED_DATA.is_dir()
    light = [
        Check(f"light{i}", PROBE, tuple(a.format(**FILES) for a in args))
        for i, (_, args) in enumerate(LIGHT_COMMANDS)
        if have_data or not any("{" in a for a in args)
    ]
    reader_gone = [
        Check(f"reader_gone{i}", CONSOLE_SCRIPT, args, stdout="closed-pipe")
        for i, args in enumerate(READER_GONE)
    ]
    # what --help imports is checked on a process that has imported no more than the CLI
    first = [Check("help", PROBE, ("--help",))]
    # typer reads an option's value through pydantic (the first use of any option that takes a value)
    second = [
        *(c for c in light if c.args[-1] == "--help"),
        Check("console_version", CONSOLE_SCRIPT, ("--version",)),
        Check("console_usage", CONSOLE_SCRIPT, ("no-such-command",)),
        *(r for r in reader_gone if "flows" not in r.args),
    ]
    third = [*(c for c in light if c not in second), *(r for r in reader_gone if r not in second)]
    # `brief` checks its country against the table of countries (polars) before it refuses one, before any
    # kernel starts
    third.append(Check("console_brief", CONSOLE_SCRIPT, ("brief", "XXX", "--kernel", "python3")))
    if have_data:
        third.append(Check("brief_unknown", NO_KERNEL_PROBE, ("brief", "XXX", "--data", FILES["ctdc"])))
    # `flows` and `trend` (of a file, of the demo data) read their table through the cache, the analyses and the
    # briefs' table builders: what both import first, imported once for them
    fourth = [c for c in third if c.args[0] in ("flows", "trend") and "XXX" not in c.args]
    third = [c for c in third if c not in fourth]
    forked = run_forked(
        [
            Stage("import evidence.cli.main", tuple(first)),
            Stage("import pydantic, typer._adapters", tuple(second)),
            Stage("import numpy, polars", tuple(third)),
            Stage(TABLE_COMMANDS_IMPORT, tuple(fourth)),
        ]
    )
    for parent in forked.parents:
        assert parent.isdisjoint(HEAVY), sorted(parent & set(HEAVY))
    return forked


def _imports(processes: Forked, name: str) -> tuple[int, set[str]]:
    """The top-level modules the check's process had imported after running ``evidence ARGS`` (:data:`PROBE`)."""
    done = processes.done[name]
    report = json.loads(done.err.strip().splitlines()[-1])
    return report["code"], set(report["modules"])


def _commands() -> set[str]:
    import typer.main

    from evidence.cli.main import app

    return set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_help_imports_no_heavy_library(processes):
    code, modules = _imports(processes, "help")
    assert code == 0
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))
    assert "polars" not in modules and "numpy" not in modules  # --help needs no table either


@pytest.mark.parametrize("check, command, args", [(f"light{i}", *c) for i, c in enumerate(LIGHT_COMMANDS)])
def test_light_commands_import_no_heavy_library(shared_data, processes, check, command, args):
    if command not in _commands():
        pytest.skip(f"no {command!r} command in this build")
    assert processes.done[check].stderr, (
        args
    )  # the command line of LIGHT_COMMANDS, its files the shared data's
    code, modules = _imports(processes, check)
    assert code == (2 if "XXX" in args else 0)
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))


#: :data:`PROBE` without the kernel ``evidence brief`` starts ahead (its process refused, as the fast lane refuses
#: it: the early start never raises): what the command imports is the question, not a kernel's start-up.
NO_KERNEL_PROBE = (
    "import evidence.runs.kernel\n"
    "def refuse(*args, **kwargs):\n"
    "    raise RuntimeError('no kernel in this probe')\n"
    "evidence.runs.kernel.spawn_kernel = refuse\n"
) + PROBE


def test_a_brief_of_an_unknown_country_is_refused_before_any_heavy_import(shared_data, processes):
    """`evidence brief XXX` imported Papermill (read to learn the notebook's parameters, about a second and a
    half of imports) before it said that the country is unknown: the refusal comes first."""
    err = processes.done["brief_unknown"].err  # brief XXX --data CTDC's sample
    report = json.loads(err.strip().splitlines()[-1])
    assert report["code"] == 2, err
    assert "error: COUNTRY: unknown country 'XXX'" in err, err
    modules = set(report["modules"])
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))


def test_every_topic_module_is_light_at_import(processes):
    """Importing the CLI (what every command does) pulls in no heavy library: each topic module defers them
    to the command that needs them."""
    modules = processes.parents[
        0
    ]  # the driver's, a fresh interpreter's that has run `import evidence.cli.main`
    assert modules.isdisjoint({*HEAVY, "polars", "pandas", "numpy", "scipy", "statsmodels"})


def test_a_system_error_is_one_line_naming_the_file(run_main, monkeypatch):
    from evidence.cli import main as main_module

    def refuse() -> None:
        raise PermissionError(errno.EROFS, "Read-only file system", "/srv/reports/runs")

    monkeypatch.setattr(main_module, "app", refuse)
    code, _, err = run_main(["anything"])
    assert code == 2 and "Traceback" not in err
    assert err.strip() == "error: /srv/reports/runs: Read-only file system"


def test_an_output_the_system_refuses_is_named_not_its_temporary_file(run_main, tmp_path, monkeypatch):
    """An output written into a read-only folder (`register lists`, `export-ctdc`, `snapshot`, `data demo`)
    was reported by the name of its temporary file: "error: /srv/out/.lists.csv.q7sez4aw.part: Read-only file
    system"."""
    import tempfile

    def read_only(*args, prefix="", suffix="", dir=None, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", os.path.join(dir, f"{prefix}q7sez4aw{suffix}"))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    out = tmp_path / "demo.csv"
    code, _, err = run_main(["data", "demo", "--rows", "10", "--out", str(out)])
    assert code == 2 and err.strip() == f"error: {out}: Read-only file system", err


def test_an_output_the_system_refuses_has_the_one_json_code_in_every_command(run_main, tmp_path, monkeypatch):
    """A read-only folder was `system` for `data demo` and `register lists`, but `invalid_parameter` for `data
    load --out`: a script could not tell "the disk refused" from "you typed a wrong option" the same way."""
    import json
    import tempfile

    def read_only(*args, prefix="", suffix="", dir=None, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", os.path.join(dir, f"{prefix}q7sez4aw{suffix}"))

    demo = tmp_path / "demo.csv"
    assert run_main(["data", "demo", "--rows", "20", "--out", str(demo)])[0] in (0, None)
    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    for args in (
        ["data", "demo", "--rows", "10", "--out", str(tmp_path / "again.csv")],
        ["data", "load", str(demo), "--out", str(tmp_path / "table.csv")],
        ["data", "load", str(demo), "--out", str(tmp_path / "table.parquet")],
    ):
        code, out, err = run_main([*args, "--json"])
        error = json.loads(out)["error"]
        assert code == 2 and error["code"] == "system", (args, error)
        assert "Read-only file system" in err and ".part" not in err + out


# ----------------------------------------------------------------------------------------- the console script
def _console_script(setup: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``evidence ARGS`` through :func:`console_script` in a fresh interpreter, after ``setup`` ran there."""
    code = f"{setup}\nimport sys\nfrom evidence.cli.main import console_script\nsys.argv = ['evidence', *sys.argv[1:]]\nconsole_script()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False, timeout=300
    )


def test_the_console_script_keeps_exit_codes_and_output(processes):
    done = processes.done["console_version"]  # --version
    assert done.returncode == 0 and done.stdout.decode().startswith("evidence ")
    refused = processes.done["console_brief"]  # brief XXX --kernel python3: refused before any kernel starts
    assert refused.returncode == 2 and "unknown country 'XXX'" in refused.err
    usage = processes.done["console_usage"]  # no-such-command
    assert usage.returncode == 2 and "No such command" in usage.err


def test_the_console_script_runs_exit_handlers_and_waits_for_working_threads(tmp_path):
    """Ending without the interpreter's teardown loses nothing: exit handlers run, a thread still writing
    finishes, printed output is flushed."""
    handler, thread_file = tmp_path / "handler.txt", tmp_path / "thread.txt"
    setup = f"""
import atexit, pathlib, threading, time
atexit.register(lambda: pathlib.Path({str(handler)!r}).write_text("ran"))
def work():
    time.sleep(0.5)
    pathlib.Path({str(thread_file)!r}).write_text("written")
threading.Thread(target=work).start()
print("buffered, not flushed", end="")
"""
    done = _console_script(setup, "--version")
    assert done.returncode == 0
    assert handler.read_text() == "ran" and thread_file.read_text() == "written"
    assert done.stdout.startswith("buffered, not flushed")


@pytest.mark.parametrize("check, args", [(f"reader_gone{i}", args) for i, args in enumerate(READER_GONE)])
def test_a_reader_gone_early_ends_a_command_quietly_as_it_ends_cat(processes, check, args):
    """``evidence flows | head``: the pipe's reader is gone before the output is written (closed before the
    command starts, so every write meets the broken pipe): no traceback, no error line, status 141."""
    from evidence.cli.options import BROKEN_PIPE_EXIT

    done = processes.done[check]  # the command line args, its standard output a pipe whose reader is gone
    said = [line for line in done.err.splitlines() if "SYNTHETIC DEMO DATA" not in line]
    assert (done.returncode, said) == (BROKEN_PIPE_EXIT, [])


def test_a_reader_gone_early_is_the_shells_sigpipe_status():
    """141 is what a shell reports for ``cat`` stopped by its reader (128 + SIGPIPE)."""
    from evidence.cli.options import BROKEN_PIPE_EXIT

    assert BROKEN_PIPE_EXIT == 128 + signal.SIGPIPE


@pytest.mark.parametrize(
    "args, started",
    [
        (["brief", "THA"], "country_brief"),
        (["brief", "THA", "--force", "--data", "x.csv"], "country_brief"),
        (["brief", "THA", "--kernel", "python3"], None),  # a kernel the user names: the run starts it
        (["brief", "THA", "--kernel=python3"], None),
        (["brief", "--help"], None),
        (["run", "country_brief"], "country_brief"),
        (["run", "routes", "-p", "country", "THA", "--data", "x.csv"], "routes"),
        (["run", "notebooks/mine.ipynb", "--force"], "notebooks/mine.ipynb"),
        (["run", "country_brief", "--kernel", "python3"], None),
        (["run", "country_brief", "--kernel=python3"], None),
        (["run", "country_brief", "--help"], None),
        (["run", "--help"], None),
        (["run", "country_brief", "--describe"], None),  # runs nothing
        (["run", "-p", "country", "THA", "routes"], None),  # "country" is an option's value, not the notebook
        (["run", "--data", "x.csv", "routes"], None),
        (["run", "--", "routes"], None),
        (["run", ""], None),
        (["run"], None),
        (["batch", "plan.yaml"], None),
        (["--help"], None),
        ([], None),
    ],
)
def test_a_run_starts_its_kernel_before_the_command_line_is_parsed(monkeypatch, args, started):
    from evidence.cli import main as main_module
    from evidence.runs import warm

    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(warm, "prestart", lambda *a: calls.append(a))
    main_module._start_kernel_ahead(args)
    assert calls == ([(started,)] if started else [])


@pytest.mark.kernel
def test_a_run_refused_by_the_parse_stops_the_kernel_it_started_ahead():
    """``evidence run routes --timeout soon``: the kernel started before the parse has begun when the parse
    refuses the command line; the process ends without leaving it running (its exit handlers stop it)."""
    setup = """
import atexit, os, pathlib
def report():  # registered first, so it runs last: after the kernel pool's own exit handler
    from evidence.runs import warm
    started = warm._POOL is not None
    children = pathlib.Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
    alive = [c for c in children if pathlib.Path(f"/proc/{c}").exists()
             and pathlib.Path(f"/proc/{c}/stat").read_text().split()[2] != "Z"]
    print(f"STARTED={started} ALIVE={alive}", file=__import__("sys").stderr)
atexit.register(report)
"""
    if not Path("/proc/self/task").exists():
        pytest.skip("reads the process's children from /proc (Linux)")
    done = _console_script(setup, "run", "routes", "--timeout", "soon")
    assert done.returncode == 2 and "Usage: evidence run" in done.stderr  # refused by the parse
    assert "STARTED=True ALIVE=[]" in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["flows", "--help"],
        ["flows", "--nosuch"],
        ["flows", "--version"],
        ["trend", "--by"],
        ["data"],
        ["data", "load", "--help"],
        ["data", "nosuch"],
        ["register", "status", "--nosuch"],
        ["kernel", "--help"],
    ],
)
def test_a_command_line_naming_a_command_builds_that_command_alone_and_runs_it_as_the_whole_app(args):
    """Typer builds every command and option of the app it runs before reading the command line (about 50 ms of
    every process's start): a command line naming a command runs an app of that command alone, with the same
    usage, errors and help as the whole app's."""
    from typer.testing import CliRunner

    from evidence.cli import main as main_module

    one = main_module._app_for(args)
    assert [i.name for i in [*one.registered_commands, *one.registered_groups]] == [args[0]]
    assert main_module._app_for([*args, "more"]) is one  # made once
    env = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    alone = CliRunner().invoke(one, args, prog_name="evidence", env=env)
    whole = CliRunner().invoke(main_module.app, args, prog_name="evidence", env=env)
    assert (alone.exit_code, alone.stdout, alone.stderr) == (whole.exit_code, whole.stdout, whole.stderr)
    assert alone.stdout or alone.stderr


@pytest.mark.parametrize(
    "args", [[], ["--help"], ["--version", "flows"], ["flow"], ["Flows"], ["nosuch", "--help"]]
)
def test_a_command_line_naming_no_command_runs_the_whole_app(args):
    from evidence.cli import main as main_module

    assert main_module._app_for(args) is main_module.app
