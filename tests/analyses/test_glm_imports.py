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

#: What glm.py spares a brief: statsmodels, and what it drags in.
UNWANTED = ("statsmodels", "pandas", "scipy.stats", "patsy", "formulaic")

REPORT = """
unwanted = {unwanted!r}
found = sorted({{m for m in sys.modules if any(m == u or m.startswith(u + ".") for u in unwanted)}})
print(json.dumps(found), file=sys.stderr)
"""

#: The code cells of the country-brief notebook, run as its kernel runs them (demo data, no parameters given).
BRIEF = """
import io, contextlib, json, sys
cells = [c for c in json.load(open(sys.argv[1]))["cells"] if c["cell_type"] == "code"]
scope = {{}}
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


def _unwanted_after(code: str, *args: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "EVIDENCE_DATA"}  # the demo data, as a new user has
    proc = subprocess.run(
        [sys.executable, "-c", code + REPORT.format(unwanted=UNWANTED), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    found: list[str] = json.loads(proc.stderr.strip().splitlines()[-1])
    return found


def test_a_country_brief_imports_neither_statsmodels_nor_pandas_nor_scipy_stats():
    notebook = REPO_ROOT / "notebooks" / "country_brief.ipynb"
    cells = json.loads(notebook.read_text())["cells"]
    assert any("views.finish(brief)" in "".join(c["source"]) for c in cells)  # the whole brief is run
    assert _unwanted_after(BRIEF.format(), str(notebook)) == []


@pytest.mark.parametrize("data", ["demo", "ctdc"])
def test_evidence_trend_imports_neither_statsmodels_nor_pandas_nor_scipy_stats(data, request):
    args = ["trend", "--country", "THA"]
    if data == "ctdc":
        cases = request.getfixturevalue("shared_data") / "ctdc" / "k_anon_sample.csv"
        args = ["trend", "--country", "USA", "--data", str(cases)]
    assert _unwanted_after(CLI, *args) == []
