"""A country brief and ``evidence trend`` fit their models with glm.py: they never import statsmodels, pandas or
scipy.stats (about 0.6 s of a cold brief's kernel, for a tenth of a second of fits)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO_ROOT / "notebooks" / "country_brief.ipynb"
CTDC_SAMPLE = (REPO_ROOT / ".." / "shared" / "data" / "ctdc" / "k_anon_sample.csv").resolve()

#: What glm.py spares a brief: statsmodels, and what it drags in.
UNWANTED = ("statsmodels", "pandas", "scipy.stats", "patsy", "formulaic")

#: The code cells of the country-brief notebook, run as its kernel runs them (demo data, no parameters given).
BRIEF = """
import io, contextlib, json, sys
cells = [c for c in json.load(open(sys.argv[1]))["cells"] if c["cell_type"] == "code"]
scope = {}
with contextlib.redirect_stdout(io.StringIO()):
    for cell in cells:
        exec("".join(cell["source"]), scope)
"""

CLI = """
import json, sys
from evidence.cli.main import main
sys.argv = ["evidence", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    assert exc.code in (0, None), exc.code
"""

#: What every check imports first (numpy and polars, the toolkit's first imports, then the modules of the
#: yearly models: glm.py, the trends, their builders and disclosure control, the cached loaders).
SHARED_IMPORTS = (
    "numpy",
    "polars",
    "evidence.analyses.glm",
    "evidence.analyses.trends",
    "evidence.notebooks.builders",
    "evidence.presentation.disclosure",
    "evidence.sources.cache",
    "evidence.sources.registry",
)

#: Each check in a process of its own, forked from one that has imported SHARED_IMPORTS only (each check
#: imports them): a check's process is a fresh one's with those imported a moment earlier. Importing a module
#: runs the same code wherever it is imported, and the child has whatever the parent imported (checked free of
#: the unwanted first), so what a check finds imported is what a fresh process of its own finds. One
#: interpreter and one import of the shared modules for the three checks, not three.
FORKED = """
import importlib, json, os, sys, traceback
for module in {shared!r}:
    importlib.import_module(module)
UNWANTED = {unwanted!r}
def unwanted_imported():
    return sorted({{m for m in sys.modules if any(m == u or m.startswith(u + ".") for u in UNWANTED)}})
results = {{"parent": unwanted_imported()}}
for name, (code, args) in {checks!r}.items():
    sys.stdout.flush(); sys.stderr.flush()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            sys.argv = ["-c", *args]
            exec(code, {{"__name__": "__main__"}})
            status = 0
        except BaseException:
            traceback.print_exc()
            status = 1
        os.write(write, json.dumps(unwanted_imported()).encode())
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(status)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        found = pipe.read()
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    print(f"--- {{name}}: exit {{status}}", file=sys.stderr, flush=True)
    results[name] = {{"exit": status, "found": json.loads(found) if found else None}}
print(json.dumps(results), file=sys.stderr)
"""


@pytest.fixture(scope="module")
def unwanted_after(tmp_path_factory) -> dict:
    """How each check ended and what it found imported, by check: the brief's cells, ``trend`` on the demo data and on CTDC's
    sample (when the shared data are there)."""
    checks = {
        "brief": (BRIEF, [str(NOTEBOOK)]),
        "demo": (CLI, ["trend", "--country", "THA"]),
    }
    if CTDC_SAMPLE.is_file():
        checks["ctdc"] = (CLI, ["trend", "--country", "USA", "--data", str(CTDC_SAMPLE)])
    env = {k: v for k, v in os.environ.items() if k != "EVIDENCE_DATA"}  # the demo data, as a new user has
    # the brief's figures go to a temporary folder its check's process makes and would remove at exit, which a
    # forked check leaves through os._exit (no exit handlers): made under this test's own folder, not left in /tmp
    env["TMPDIR"] = str(tmp_path_factory.mktemp("checks-tmp"))
    proc = subprocess.run(
        [sys.executable, "-c", FORKED.format(unwanted=UNWANTED, checks=checks, shared=SHARED_IMPORTS)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stderr.strip().splitlines()[-1])
    assert results.pop("parent") == []  # the shared imports import none of them
    return {"stderr": proc.stderr, **results}


def _found(unwanted_after: dict, check: str) -> list[str]:
    """What the check found imported, once it ran to the end."""
    result = unwanted_after[check]
    assert result["exit"] == 0, unwanted_after["stderr"][-3000:]
    found: list[str] = result["found"]
    return found


def test_a_country_brief_imports_neither_statsmodels_nor_pandas_nor_scipy_stats(unwanted_after):
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    assert any("views.finish(brief)" in "".join(c["source"]) for c in cells)  # the whole brief is run
    assert _found(unwanted_after, "brief") == []


@pytest.mark.parametrize("data", ["demo", "ctdc"])
def test_evidence_trend_imports_neither_statsmodels_nor_pandas_nor_scipy_stats(data, request, unwanted_after):
    if data == "ctdc":
        request.getfixturevalue("shared_data")  # skips, loudly, without the shared data
    assert _found(unwanted_after, data) == []
