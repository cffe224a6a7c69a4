"""The entry point: light commands import no heavy library; system errors are one line, not a traceback."""

from __future__ import annotations

import errno
import json
import subprocess
import sys

import pytest

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


def _imports(*args: str) -> tuple[int, set[str]]:
    """The top-level modules a fresh interpreter has imported after running ``evidence ARGS``."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=False, timeout=300
    )
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    return report["code"], set(report["modules"])


def _commands() -> set[str]:
    import typer.main

    from evidence.cli.main import app

    return set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_help_imports_no_heavy_library():
    code, modules = _imports("--help")
    assert code == 0
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))
    assert "polars" not in modules and "numpy" not in modules  # --help needs no table either


@pytest.mark.parametrize(
    "command, args",
    [
        ("data", ["data", "load", "{ctdc}"]),
        ("flows", ["flows", "--data", "{ctdc}", "--country", "USA"]),
        ("trend", ["trend", "--data", "{ctdc}", "--country", "USA"]),
        ("estimate", ["estimate", "--data", "{mse}"]),
        ("compare", ["compare", "--help"]),  # a colleague's command: its path must stay light too
    ],
)
def test_light_commands_import_no_heavy_library(shared_data, command, args):
    if command not in _commands():
        pytest.skip(f"no {command!r} command in this build")
    files = {
        "ctdc": shared_data / "ctdc" / "k_anon_sample.csv",
        "mse": shared_data / "mse" / "new_orleans_5list" / "NewOrl_5_185cases_SparseMSE.csv",
    }
    code, modules = _imports(*(a.format(**files) for a in args))
    assert code == 0
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))


def test_every_topic_module_is_light_at_import():
    """Importing the CLI (what every command does) pulls in no heavy library: each topic module defers them
    to the command that needs them."""
    code = "import sys, evidence.cli.main; print(sorted({m.split('.')[0] for m in sys.modules}))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = set(eval(proc.stdout))  # a printed list of names
    assert modules.isdisjoint({*HEAVY, "polars", "pandas", "numpy", "scipy", "statsmodels"})


def test_a_system_error_is_one_line_naming_the_file(run_main, monkeypatch):
    from evidence.cli import main as main_module

    def refuse() -> None:
        raise PermissionError(errno.EROFS, "Read-only file system", "/srv/reports/runs")

    monkeypatch.setattr(main_module, "app", refuse)
    code, _, err = run_main(["anything"])
    assert code == 2 and "Traceback" not in err
    assert err.strip() == "error: /srv/reports/runs: Read-only file system"
