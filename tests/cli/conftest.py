"""Fixtures of the CLI tests."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from evidence.cli.main import main


@pytest.fixture
def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> Callable[[list[str]], tuple[int, str, str]]:
    """Run the installed entry point in-process (its error handling included): exit code, stdout, stderr."""

    def run(args: list[str]) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["evidence", *args])
        with pytest.raises(SystemExit) as exit_info:
            main()
        captured = capsys.readouterr()
        return exit_info.value.code, captured.out, captured.err

    return run


@pytest.fixture
def no_kernel_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    """`brief` and `run` run in-process start no kernel ahead (:func:`evidence.runs.warm.prestart`, a start-up
    aid that never raises and decides nothing: a command's checks and refusals are the same without it), for
    tests of what a command does around a run they replace or refuse. Started, the kernel's process imported
    the brief's modules (about a CPU-second) for a command line refused at once, and one refused by the parse
    lived on until the test process ended (the fast lane refuses its start too)."""
    from evidence.runs import warm

    monkeypatch.setattr(warm, "prestart", lambda *args, **kwargs: None)
