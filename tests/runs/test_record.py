from __future__ import annotations

import pytest

from evidence.core.errors import InputError
from evidence.runs.record import FAILED_DIR, list_runs, load_record, write_record


def test_list_runs_skips_temporaries_and_failed_unless_asked(tmp_path):
    write_record(tmp_path / "a-1", {"run_id": "a-1", "status": "ok"})
    write_record(tmp_path / FAILED_DIR / "b-2", {"run_id": "b-2", "status": "failed"})
    (tmp_path / ".c-3.host-1.abcd.part").mkdir()
    (tmp_path / "not-a-run").mkdir()
    assert [r["run_id"] for _, r in list_runs(tmp_path)] == ["a-1"]
    assert [r["run_id"] for _, r in list_runs(tmp_path, include_failed=True)] == ["a-1", "b-2"]
    assert list(list_runs(tmp_path / "nowhere")) == []


def test_load_record_of_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(InputError, match="not a run folder"):
        load_record(tmp_path)
