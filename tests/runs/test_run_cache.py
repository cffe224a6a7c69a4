from __future__ import annotations

import os
import time

from _run_records import record

from evidence.runs.cache import cache_key, data_fingerprints, file_sha256, is_fresh, toolkit_fingerprint
from evidence.runs.record import write_record

TOOLKIT = {"version": "1.0", "files_sha256": "f" * 64}
DATA = [{"path": "/a.csv", "sha256": "a" * 64}]


def test_cache_key_depends_on_every_input_and_not_on_data_paths():
    base = cache_key("n" * 64, {"country": "THA"}, DATA, TOOLKIT)
    assert base == cache_key(
        "n" * 64, {"country": "THA"}, [{"path": "/moved/a.csv", "sha256": "a" * 64}], TOOLKIT
    )
    assert base != cache_key("m" * 64, {"country": "THA"}, DATA, TOOLKIT)
    assert base != cache_key("n" * 64, {"country": "KHM"}, DATA, TOOLKIT)
    assert base != cache_key("n" * 64, {"country": "THA"}, [{"path": "/a.csv", "sha256": "b" * 64}], TOOLKIT)
    assert base != cache_key("n" * 64, {"country": "THA"}, DATA, {**TOOLKIT, "version": "1.1"})


def test_file_hash_follows_content_changes(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("one")
    first = file_sha256(path)
    path.write_text("two!")
    os.utime(path, ns=(1, 1))  # a different mtime and size: re-hashed, not remembered
    assert file_sha256(path) != first
    assert data_fingerprints([path]) == [{"path": str(path), "sha256": file_sha256(path)}]


def test_toolkit_fingerprint_names_version_and_files():
    fingerprint = toolkit_fingerprint()
    assert set(fingerprint) == {"version", "files_sha256"} and len(fingerprint["files_sha256"]) == 64


def test_fresh_only_for_a_successful_run_with_the_same_key(tmp_path):
    assert not is_fresh(tmp_path / "missing", "k")
    (tmp_path / "nb.ipynb").write_text('{"cells": [], "metadata": {}}')
    write_record(tmp_path, record(cache_key="k"))
    assert is_fresh(tmp_path, "k") and not is_fresh(tmp_path, "other")
    write_record(tmp_path, record(status="failed", cache_key="k"))
    assert not is_fresh(tmp_path, "k")
    (tmp_path / "run.json").write_text("{half a rec")
    assert not is_fresh(tmp_path, "k")


def test_a_run_whose_executed_notebook_is_missing_or_damaged_is_not_fresh(tmp_path):
    notebook = tmp_path / "nb.ipynb"
    notebook.write_text('{"cells": [], "metadata": {}}')
    size = notebook.stat().st_size
    write_record(tmp_path, record(cache_key="k", outputs=[{"path": "nb.ipynb", "bytes": size}]))
    assert is_fresh(tmp_path, "k")
    notebook.write_text('{"cells": [], "metadata": {}')  # cut short: one byte less
    assert not is_fresh(tmp_path, "k")
    notebook.write_text(
        '{"cells": [], "metadata": {}}'.replace("cells", "cellz")
    )  # same size, not a notebook
    assert not is_fresh(tmp_path, "k")
    notebook.unlink()
    assert not is_fresh(tmp_path, "k")


def test_a_data_file_rewritten_with_its_size_and_time_kept_is_hashed_again(tmp_path):
    # a long-lived process (a Dask worker, JupyterLab) remembers hashes: a corrected release copied with its
    # times kept (`cp -p`, `rsync -t`), or written while the clock was set back, has the old size and time
    data = tmp_path / "cases.csv"
    data.write_text("year\n2019\n")
    before = file_sha256(data)
    stat = data.stat()
    time.sleep(0.05)  # file times tick in jiffies: the rewrite's change time is a later one
    data.write_text("year\n2018\n")
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert data.stat().st_size == stat.st_size and data.stat().st_mtime_ns == stat.st_mtime_ns
    assert file_sha256(data) != before
