"""The installed ``evidence`` command: a run's kernel started before the CLI's own modules are imported."""

from __future__ import annotations

import subprocess
import sys

import pytest

from evidence.cli.start import BRIEF_NOTEBOOK, notebook_ahead


@pytest.mark.parametrize(
    ("args", "notebook"),
    [
        (["brief", "THA"], BRIEF_NOTEBOOK),
        (["run", "routes", "-p", "country", "THA"], "routes"),
        (["run", "--out-root", "x", "routes"], None),  # "x" is an option's value: the notebook is not certain
        (["brief", "THA", "--kernel", "python3"], None),
        (["run", "routes", "--describe"], None),
        (["brief", "--help"], None),
        (["flows", "--data", "x.csv"], None),
        ([], None),
    ],
)
def test_the_notebook_whose_kernel_starts_first(args: list[str], notebook: str | None) -> None:
    assert notebook_ahead(args) == notebook


def _imported_when_the_kernel_starts(*args: str) -> str | None:
    """What of typer and the CLI is imported when ``evidence ARGS`` starts a kernel (None: none started).

    The process ends as soon as the first start is reported: only that start is looked at, and what the command
    does after it (import the CLI, refuse the brief) answers nothing here."""
    code = (
        "import os, sys\n"
        "from evidence.runs import warm\n"
        "def report(*args, **kwargs):\n"
        "    print('FIRST', sorted(m for m in sys.modules if m.startswith(('typer', 'evidence.cli.'))), flush=True)\n"
        "    os._exit(0)\n"
        "warm.prestart = report\n"
        "from evidence.cli import start\n"
        "sys.argv = ['evidence', *sys.argv[1:]]\n"
        "start.console_script()\n"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    return next((line for line in done.stdout.splitlines() if line.startswith("FIRST")), None)


def test_a_brief_starts_its_kernel_before_typer_and_the_commands_are_imported() -> None:
    # the command itself then fails fast (no such country): only the order of the start matters here
    assert _imported_when_the_kernel_starts("brief", "XXX") == "FIRST ['evidence.cli.start']"
    assert _imported_when_the_kernel_starts("--version") is None  # nothing started for other commands
