"""The run kernel's launcher: ipykernel's kernel without its debugger (debugpy is not imported at start, a
twentieth of a CPU-second of every cold run), and nothing else changed for the notebook."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from _notebooks import PYTHON3, write_notebook

from evidence.runs.execute import execute_run, prepare_run

pytestmark = pytest.mark.kernel


def _run(tmp_path: Path, *cells: str, warm: bool) -> list[str]:
    path = write_notebook(tmp_path / f"n{int(warm)}.ipynb", "x: int = 1", *cells, kernelspec=PYTHON3)
    outcome = execute_run(prepare_run(path, out_root=tmp_path / "runs"), warm=warm)
    assert outcome.status == "ok", outcome.error
    executed = nbformat.read(Path(outcome.folder) / path.name, as_version=4)
    return ["".join(o.get("text", "") for o in c.outputs) for c in executed.cells[-len(cells) :]]


@pytest.mark.parametrize("warm", [True, False])
def test_the_run_kernel_starts_without_debugpy_which_a_notebook_may_still_import(tmp_path, fresh_pool, warm):
    shown = _run(
        tmp_path,
        # what the kernel had when it started (a warm kernel pre-loads the notebook's imports: debugpy too)
        "import sys\nfrom evidence.notebooks import runtime\n"
        "started = runtime._STARTED_WITH if runtime._STARTED_WITH is not None else set(sys.modules)\n"
        "print('debugpy' in started, 'ipykernel' in started)",
        "import debugpy\nprint(debugpy.__name__)",
        warm=warm,
    )
    assert shown[0] == "False True\n"
    assert shown[1] == "debugpy\n"
