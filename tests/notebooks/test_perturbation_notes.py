"""Every table of perturbed counts says so: each packaged notebook, run on a cell-key source (CTDC's
k-anonymised file: records of real people), shows the perturbation note under every table that counts its
records, and names the cell key method in its methods."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evidence.presentation.disclosure import PERTURBATION_NOTE
from evidence.presentation.tables import TABLE_MIME

# hidden_population reads linked lists (one file of its own layout), never victim records with cell keys
NOTEBOOKS = [
    ("data_quality", {}),
    ("routes", {"country": "THA"}),
    ("trends", {"country": "THA", "by": "gender"}),
    ("causes_consequences", {"country": "THA"}),
    ("country_brief", {"country": "THA"}),
]
# row accounting is exact by design (the files' own rows read, kept, rejected and flagged; never perturbed)
EXACT_TABLES = ("Source and release", "Reason")
# a cell that shows a count: "1,234", "<5", "x", or a count with its share, "11 (100.0%)"
_COUNT = re.compile(r"^(?:\d{1,3}(?:,\d{3})*|<\d+|x)(?: \(.*\))?$")


def _tables(notebook: Path) -> list[dict]:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    found = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {}).get(TABLE_MIME)
            if data is not None:
                found.append(json.loads(data) if isinstance(data, str) else data)
    return found


def _counts_people(table: dict) -> bool:
    """Whether a table shows counts of records: a cell that reads as a count, in a column (after the row
    labels) that counts people or does not say what it counts."""
    for j, column in enumerate(table["columns"][1:], start=1):
        if column.get("kind") not in (None, "people"):
            continue
        if any(_COUNT.match(row[j]) for row in table["rows"]):
            return True
    return False


@pytest.mark.slow
@pytest.mark.kernel
@pytest.mark.parametrize(("name", "parameters"), NOTEBOOKS, ids=[n for n, _ in NOTEBOOKS])
def test_every_table_of_perturbed_counts_carries_the_note(tmp_path, shared_data, name, parameters):
    from evidence.runs.execute import run_notebook

    sample = shared_data / "ctdc" / "k_anon_sample.csv"  # CTDC's published release: records of real people
    outcome = run_notebook(name, {**parameters, "data": [str(sample)]}, out_root=tmp_path / "runs")
    assert outcome.status == "ok", outcome.error
    notebook = Path(outcome.folder) / f"{name}.ipynb"
    tables = [t for t in _tables(notebook) if _counts_people(t)]
    assert tables, "the notebook shows counts of the records"
    for table in tables:
        if table["columns"][0]["header"] in EXACT_TABLES:
            assert PERTURBATION_NOTE not in table["notes"]  # exact: saying "perturbed" would be false
            continue
        headers = [c["header"] for c in table["columns"]]
        assert PERTURBATION_NOTE in table["notes"], (table["caption"], headers)
    # and the methods name the protection of the records
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    texts = []
    for cell in nb["cells"]:
        texts.append("".join(cell["source"]) if cell["cell_type"] == "markdown" else "")
        for out in cell.get("outputs", []):
            texts.append("".join(out.get("data", {}).get("text/markdown", "")))
    methods = "\n".join(texts).split("## Methods and limitations")[-1]
    assert "cell key method" in " ".join(methods.split())


@pytest.mark.slow
@pytest.mark.kernel
def test_the_published_k_anonymised_release_is_perturbed_and_says_so(tmp_path, shared_data):
    from evidence.runs.execute import run_notebook

    sample = shared_data / "ctdc" / "k_anon_sample.csv"
    parameters = {"country": "KHM", "role": "origin", "by": "gender", "data": [str(sample)]}
    outcome = run_notebook("trends", parameters, out_root=tmp_path)
    assert outcome.status == "ok", outcome.error
    tables = [
        t
        for t in _tables(Path(outcome.folder) / "trends.ipynb")
        if _counts_people(t) and t["columns"][0]["header"] not in EXACT_TABLES
    ]
    # review finding 1: its records are of real people, so its counts are perturbed like an organisation's own
    assert tables and all(PERTURBATION_NOTE in t["notes"] for t in tables)
    per_year = next(
        t for t in tables if t["caption"] == "Identified victims per year, Cambodia as country of origin"
    )
    # years without records are still no records (no zeros for 2011-2017), perturbation or not
    assert [r[-1] for r in per_year["rows"]][1:3] == ["", ""]
