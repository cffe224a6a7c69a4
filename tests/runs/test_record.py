from __future__ import annotations

import json

import pytest
from _run_records import record

from evidence.core.errors import InputError
from evidence.runs.record import (
    FAILED_DIR,
    RECORD_FILE,
    list_runs,
    load_record,
    read_record,
    write_record,
)


def test_list_runs_skips_temporaries_and_failed_unless_asked(tmp_path):
    write_record(tmp_path / "a-1", record("a-1"))
    write_record(tmp_path / FAILED_DIR / "b-2", record("b-2", "failed", error="boom"))
    (tmp_path / ".c-3.host-1.abcd.part").mkdir()
    (tmp_path / "not-a-run").mkdir()
    assert [r.run_id for _, r in list_runs(tmp_path)] == ["a-1"]
    assert [r.run_id for _, r in list_runs(tmp_path, include_failed=True)] == ["a-1", "b-2"]
    assert list(list_runs(tmp_path / "nowhere")) == []


def test_load_record_of_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(InputError, match="not a run folder"):
        load_record(tmp_path)


def test_a_record_round_trips_typed_and_keeps_fields_it_does_not_know(tmp_path):
    original = record(parameters={"country": "THA", "years": [2012, 2023]}, cache_key="k")
    write_record(tmp_path, original)
    text = json.loads((tmp_path / RECORD_FILE).read_text())
    assert text["notebook"]["executed"] == "nb.ipynb" and text["record_version"] == 1
    text["added_later"] = {"by": "a newer toolkit"}
    (tmp_path / RECORD_FILE).write_text(json.dumps(text))
    loaded = load_record(tmp_path)
    assert loaded.parameters == original.parameters and loaded.timings.seconds == 1.0 and loaded.ok
    assert json.loads(loaded.to_json())["added_later"] == {"by": "a newer toolkit"}


@pytest.mark.parametrize(
    "content",
    ["{half a rec", "[]", '{"run_id": "x", "status": "ok"}', '{"run_id": "x", "status": "maybe"}'],
)
def test_a_damaged_or_foreign_record_is_no_record(tmp_path, content):
    (tmp_path / RECORD_FILE).write_text(content)
    assert read_record(tmp_path) is None
