"""`evidence estimate` on a list file giving a capture history on several rows: their counts are summed, and the
report says how many rows were merged (in the table and in --json), never silently."""

from __future__ import annotations

import json
from pathlib import Path


def test_estimate_reports_the_rows_merged(run_main, tmp_path: Path) -> None:
    path = tmp_path / "lists.csv"
    path.write_text("A,B,C,n\n1,0,0,25\n0,1,0,30\n0,0,1,20\n1,0,0,15\n1,1,0,6\n1,0,1,5\n0,1,1,4\n")
    code, out, err = run_main(["estimate", "--data", str(path), "--method", "main"])
    assert code == 0, err
    text = " ".join(out.split())
    assert "2 rows merged into 1 capture history" in text and "{A} on rows 2 and 5" in text
    code, out, err = run_main(["estimate", "--data", str(path), "--method", "main", "--json"])
    assert code == 0, err
    notes = json.loads(out)["data"]["notes"]
    assert any(n.startswith("2 rows merged into 1 capture history") for n in notes)
