from __future__ import annotations

import json

import pytest
from _run_records import record

from evidence.core.errors import InputError
from evidence.runs.record import (
    FAILED_DIR,
    RECORD_FILE,
    RECORD_SCHEMA,
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
    assert text["notebook"]["executed"] == "nb.ipynb"
    # the record says what it is as every JSON document does: schema and schema_version first
    assert list(text)[:2] == ["schema", "schema_version"] and "record_version" not in text
    assert (text["schema"], text["schema_version"]) == (RECORD_SCHEMA, 1) == ("evidence.run.record", 1)
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


def test_a_record_written_before_schema_is_still_a_run_and_is_written_back_with_it(tmp_path):
    """run.json of an earlier toolkit (``record_version``, no ``schema``): listed, loaded and resumed as before;
    written again (a render adds its fields) with ``schema`` and ``schema_version`` instead."""
    text = json.loads(record("old-1", cache_key="k").to_json())
    del text["schema"], text["schema_version"]
    earlier = {"record_version": 1, **text, "formats": {"html": "brief.html"}}
    (tmp_path / "old-1").mkdir()
    (tmp_path / "old-1" / RECORD_FILE).write_text(json.dumps(earlier, indent=2))
    ((folder, loaded),) = list(list_runs(tmp_path))
    assert folder.name == "old-1" and loaded.ok and loaded.cache_key == "k" and loaded.schema_version == 1
    assert loaded.record_schema == RECORD_SCHEMA
    write_record(folder, loaded)
    again = json.loads((folder / RECORD_FILE).read_text())
    assert list(again)[:2] == ["schema", "schema_version"] and "record_version" not in again
    assert again["formats"] == {"html": "brief.html"} and again["run_id"] == "old-1"
    assert load_record(folder).model_dump() == loaded.model_dump()


def test_a_json_file_of_another_schema_is_no_run_record(tmp_path):
    text = json.loads(record().to_json())
    (tmp_path / RECORD_FILE).write_text(json.dumps({**text, "schema": "evidence.run"}))
    assert read_record(tmp_path) is None
