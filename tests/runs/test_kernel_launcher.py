"""The run kernel's launcher: ipykernel's kernel without its debugger (debugpy is not imported at start, a
twentieth of a CPU-second of every cold run), numpy's f2py and testing executed only when used, and nothing
else changed for the notebook."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from _notebooks import PYTHON3, write_notebook

from evidence.runs.execute import execute_run, prepare_run


def _run(tmp_path: Path, *cells: str, warm: bool) -> list[str]:
    path = write_notebook(tmp_path / f"n{int(warm)}.ipynb", "x: int = 1", *cells, kernelspec=PYTHON3)
    outcome = execute_run(prepare_run(path, out_root=tmp_path / "runs"), warm=warm)
    assert outcome.status == "ok", outcome.error
    executed = nbformat.read(Path(outcome.folder) / path.name, as_version=4)
    return ["".join(o.get("text", "") for o in c.outputs) for c in executed.cells[-len(cells) :]]


@pytest.mark.kernel
@pytest.mark.parametrize("warm", [True, False])
def test_the_run_kernel_starts_without_debugpy_which_a_notebook_may_still_import(tmp_path, fresh_pool, warm):
    shown = _run(
        tmp_path,
        # what the kernel had when it started (a warm kernel pre-loads the notebook's imports: debugpy too)
        "import sys\nfrom evidence.notebooks import runtime\n"
        "started = runtime._STARTED_WITH if runtime._STARTED_WITH is not None else set(sys.modules)\n"
        "print('debugpy' in started, 'ipykernel' in started)",
        "import debugpy\nprint(debugpy.__name__)",
        # scipy.special asks numpy for numpy.testing (and f2py): made, not executed, until a notebook uses it
        # (used here through numpy's attribute: a warm kernel pre-loads what an import statement names)
        "import sys\nimport numpy\nimport scipy.special\nprint('numpy.testing._private.utils' in sys.modules)\n"
        "numpy.testing.assert_equal(1, 1)\n"
        "print('numpy.testing._private.utils' in sys.modules)",
        warm=warm,
    )
    assert shown[0] == "False True\n"
    assert shown[1] == "debugpy\n"
    assert shown[2] == "False\nTrue\n"


_DEFERRED_CHECK = """
import sys
from evidence.runs.kernel_launcher import defer_unused_modules
defer_unused_modules()
defer_unused_modules()  # idempotent: one finder
print(sum(type(f).__name__ == "_Deferred" for f in sys.meta_path))
import numpy
import scipy.special
print(sorted(m for m in ("numpy.testing._private.utils", "numpy.f2py.f2py2e", "unittest") if m in sys.modules))
import numpy.f2py
print(numpy.f2py.__name__, "numpy.f2py.f2py2e" in sys.modules)
numpy.testing.assert_array_equal(numpy.arange(3), [0, 1, 2])
print("numpy.testing._private.utils" in sys.modules, isinstance(numpy.testing.TestCase, type))
import json
print(json.__name__)  # any other module: imported as always
"""


def test_numpy_f2py_and_testing_are_executed_only_when_used():
    done = subprocess.run(
        [sys.executable, "-c", _DEFERRED_CHECK], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.splitlines() == ["1", "[]", "numpy.f2py True", "True True", "json"]


def test_a_preload_list_learned_by_a_kernel_deferring_other_modules_is_not_read(tmp_path, monkeypatch):
    # a list learned by a kernel that executed numpy.testing names its submodules (and unittest): a kernel that
    # pre-loaded it would execute numpy.testing again, so the list is another file
    from evidence.runs import kernel_launcher
    from evidence.runs.warm import preload_file

    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path))
    toolkit = {"version": "1", "files_sha256": "abc"}
    deferring = preload_file("0" * 64, toolkit)
    deferred = kernel_launcher.DEFERRED
    monkeypatch.setattr(kernel_launcher, "DEFERRED", frozenset())
    assert preload_file("0" * 64, toolkit) != deferring
    monkeypatch.setattr(kernel_launcher, "DEFERRED", frozenset(sorted(deferred, reverse=True)))
    assert preload_file("0" * 64, toolkit) == deferring  # the same set, in any order: the same list


_DEFERRED_IMPORTERS_CHECK = """
import sys
from evidence.runs.kernel_launcher import defer_unused_modules
defer_unused_modules()
import scipy.optimize, jsonschema
lazy = ("scipy.spatial", "arrow", "webcolors", "uri_template")
print(sorted(m for m in lazy if type(sys.modules.get(m)).__name__ != "_LazyModule"))
from scipy.optimize import fmin_bfgs
print(round(float(fmin_bfgs(lambda x: (x[0] - 3.0) ** 2, [0.0], disp=False)[0]), 6))
from scipy.spatial import Delaunay
print(Delaunay([[0, 0], [1, 0], [0, 1]]).simplices.shape)
import arrow
print(arrow.get("2020-01-02").year)
"""


def test_what_scipy_optimize_and_jsonschema_import_for_unused_parts_is_executed_only_when_used():
    """scipy.optimize's package imports scipy.spatial for shgo only, and jsonschema's format checks arrow,
    webcolors and uri_template only inside the checks: made, not executed, in a run kernel, until used."""
    done = subprocess.run(
        [sys.executable, "-c", _DEFERRED_IMPORTERS_CHECK],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert done.stdout.splitlines() == ["[]", "3.0", "(1, 3)", "2020"]
