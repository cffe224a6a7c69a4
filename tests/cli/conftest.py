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
