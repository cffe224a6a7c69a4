"""A minimal valid run record, for tests of what reads ``run.json``."""

from __future__ import annotations

from typing import Any

from evidence.runs.record import NotebookInfo, RunRecord, Timings


def record(run_id: str = "a-1", status: str = "ok", **fields: Any) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        status=status,  # type: ignore[arg-type]
        notebook=NotebookInfo(name="nb", path="/nb.ipynb", sha256="0" * 64, executed="nb.ipynb"),
        timings=Timings(started="2026-01-01T00:00:00+00:00", ended="2026-01-01T00:00:01+00:00", seconds=1.0),
        **fields,
    )
