from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from evidence.core.errors import InputError
from evidence.notebooks import runtime
from evidence.sources.loaded import LoadedTable
from evidence.sources.provenance import Provenance


def _table(path="/data/a.csv", sha="a" * 64, demo=False, synthetic=False, kind="case") -> LoadedTable:
    provenance = Provenance(
        source="ctdc",
        layout="global_synthetic",
        release="2024",
        path=path,
        sha256=sha,
        url="",
        licence="",
        citation="CTDC <date>",
        synthetic=synthetic,
        demo=demo,
    )
    return LoadedTable(pl.DataFrame({"x": [1, 2]}), provenance, rows_in=2, kind=kind)


def test_data_files_given_configured_or_demo(tmp_path, monkeypatch):
    given = tmp_path / "given.csv"
    configured = tmp_path / "configured.csv"
    given.write_text("x")
    configured.write_text("x")
    monkeypatch.setenv("EVIDENCE_DATA", str(configured))
    assert runtime.data_files([str(given)]) == [given.resolve()]
    assert runtime.data_files([]) == [configured.resolve()]
    monkeypatch.delenv("EVIDENCE_DATA")
    from evidence.sources import demo, demo_context

    monkeypatch.setattr(demo, "demo_path", lambda: tmp_path / "demo.csv")
    monkeypatch.setattr(demo_context, "demo_context_paths", lambda: [tmp_path / "unodc.xlsx"])
    # the demo case records and the demo files of the other layouts (UNODC, GSI, TIP)
    assert runtime.data_files([]) == [tmp_path / "demo.csv", tmp_path / "unodc.xlsx"]
    with pytest.raises(InputError, match="no such data file$"):
        runtime.data_files([str(tmp_path / "missing.csv")])
    monkeypatch.setenv("EVIDENCE_DATA", str(tmp_path / "gone.csv"))
    with pytest.raises(InputError, match=r"gone\.csv: no such data file \(named in EVIDENCE_DATA\)"):
        runtime.data_files([])


def test_record_provenance_writes_into_the_run_folder_and_merges(tmp_path, monkeypatch):
    monkeypatch.setenv(runtime.RUN_DIR_ENV, str(tmp_path))
    runtime.record_provenance(_table("/data/a.csv", "a" * 64))
    runtime.record_provenance(_table("/data/b.csv", "b" * 64), _table("/data/a.csv", "a" * 64))
    entries = json.loads((tmp_path / runtime.PROVENANCE_FILE).read_text())
    assert [e["path"] for e in entries] == ["/data/b.csv", "/data/a.csv"]  # re-recording a file replaces it
    assert entries[0]["rows_in"] == 2 and entries[0]["rows_kept"] == 2 and entries[0]["kind"] == "case"
    assert runtime.read_provenance(tmp_path) == entries
    assert runtime.output_dir("figures") == tmp_path / "figures" and (tmp_path / "figures").is_dir()


def test_interactive_use_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv(runtime.RUN_DIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    entries = runtime.record_provenance(_table())
    assert entries[0]["source"] == "ctdc" and os.listdir(tmp_path) == []
    assert runtime.run_dir() is None


def test_synthetic_notice_is_one_short_line_for_demo_data():
    assert runtime.synthetic_notice([_table()]) is None
    demo = runtime.synthetic_notice([_table(), _table(demo=True, synthetic=True)])
    # a brief adds its own banner: the notebook's notice is one sentence, not a second box
    assert "Synthetic demo data" in demo and "not real records" in demo
    assert "\n" not in demo and ":::" not in demo
    publisher = runtime.synthetic_notice([_table(synthetic=True)])
    assert "publisher's synthetic release" in publisher
    # the file is named as readers know it (its source and release), not by the loader's id
    assert _table(synthetic=True).provenance.label in publisher and "The ctdc file" not in publisher
    # an organisation's records its mapping marks synthetic are invented, not a publisher's release that keeps
    # a real dataset's patterns (the register's records were described in CTDC's words)
    own = _table(synthetic=True)
    own.provenance = dataclasses.replace(own.provenance, source="case_records")
    invented = runtime.synthetic_notice([own])
    assert (
        "invented records" in invented
        and "publisher" not in invented
        and "aggregate patterns" not in invented
    )
    both = runtime.synthetic_notice([own, _table(synthetic=True)])
    assert "invented records" in both and "publisher's synthetic release" in both and both.count(":::") == 2


def test_the_demo_notice_gives_the_release_in_words():
    """ "Synthetic demo data (release demo-2)": the id of the demo data's release, which reads as a publisher's
    release; said as every brief says it, the generator's version."""
    demo = _table(demo=True, synthetic=True)
    demo.provenance = dataclasses.replace(demo.provenance, release="demo-2")
    notice = re.sub(r"</?span[^>]*>", "", runtime.synthetic_notice([demo]) or "")
    assert "Synthetic demo data (demo generator version 2)" in notice and "demo-2" not in notice, notice


def test_load_data_reads_unchanged_files_from_the_cache(tmp_path, monkeypatch):
    from evidence.notebooks.runtime import load_data
    from evidence.sources.cache import is_cached
    from evidence.sources.demo import write_demo

    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    data = write_demo(tmp_path / "demo.csv", n_rows=200)
    assert not is_cached(data)
    first = load_data([str(data)])[0]
    assert is_cached(data)
    second = load_data([str(data)])[0]
    assert second.data.equals(first.data) and second.provenance.demo and second.rows_in == first.rows_in


def test_a_file_rewritten_with_its_size_and_time_is_loaded_anew(tmp_path, monkeypatch):
    """A warm kernel remembers the tables it loaded; a file replaced by another of the same size, its time set
    back (``cp -p``, a clock set back), is another file: loaded again, not the remembered table."""
    monkeypatch.setattr(runtime, "_TABLES", {})
    loads = []
    monkeypatch.setattr(
        "evidence.sources.cache.load_cached", lambda path: loads.append(path.read_text()) or _table(str(path))
    )
    data = tmp_path / "cases.csv"
    data.write_text("aaaa")
    stat = data.stat()
    runtime._load_remembered(data)
    runtime._load_remembered(data)
    assert loads == ["aaaa"]
    replacement = tmp_path / "new.csv"
    replacement.write_text("bbbb")
    os.replace(replacement, data)
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (data.stat().st_size, data.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    runtime._load_remembered(data)
    assert loads == ["aaaa", "bbbb"]


def test_record_modules_lists_the_innermost_new_modules_and_adds_to_the_list(tmp_path, monkeypatch):
    import json.decoder
    import json.scanner
    import sys

    new = {"json", "json.decoder", "json.scanner", "json.encoder"}
    monkeypatch.setattr(runtime, "_STARTED_WITH", frozenset(sys.modules) - new)
    monkeypatch.setattr(runtime, "_RECORDED", 0)
    target = tmp_path / "kernels" / "preload.json"
    target.parent.mkdir()
    target.write_text(json.dumps(["csv"]))  # what an earlier kernel of the same notebook loaded
    runtime.record_modules(target)
    listed = json.loads(target.read_text())
    assert listed[0] == "csv" and set(listed[1:]) == {"json.decoder", "json.scanner", "json.encoder"}
    target.write_text("[]")
    runtime.record_modules(target)  # nothing new since: the file is not written again
    assert target.read_text() == "[]"


def test_warm_up_imports_what_it_can_and_freezes_the_collector(monkeypatch):
    import gc
    import sys

    monkeypatch.setattr(runtime, "_BASELINE", None)
    monkeypatch.setattr(runtime, "_STARTED_WITH", None)
    sys.modules.pop("graphlib", None)
    import importlib

    collecting_during_imports = []
    real_import = importlib.import_module

    def spy(name, *args):
        collecting_during_imports.append(gc.isenabled())
        return real_import(name, *args)

    monkeypatch.setattr(importlib, "import_module", spy)
    assert gc.isenabled()
    runtime.warm_up(["graphlib", "evidence.no_such_module"], dict(os.environ), charts=False)
    try:
        assert "graphlib" in sys.modules and "evidence.no_such_module" not in sys.modules
        assert gc.get_freeze_count() > 0 and runtime._BASELINE is not None
        # the collector rested while the modules were imported, and collects again afterwards
        assert collecting_during_imports == [False, False] and gc.isenabled()
    finally:
        gc.unfreeze()
    gc.disable()  # a collector switched off before stays off
    try:
        runtime.warm_up([], dict(os.environ), charts=False)
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


def test_one_data_file_is_one_existing_file_or_none(tmp_path):
    from evidence.core.errors import InputError, ParameterError
    from evidence.notebooks.runtime import one_data_file

    lists = tmp_path / "lists.csv"
    lists.write_text("A,B,count\n1,0,3\n")
    assert one_data_file([]) is None
    assert one_data_file([str(lists)]) == lists.resolve()
    with pytest.raises(ParameterError, match="reads one data file; 2 were given"):
        one_data_file([lists, lists])
    with pytest.raises(InputError, match="no such data file"):
        one_data_file([tmp_path / "missing.csv"])


def test_record_resolved_merges_into_the_run_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(runtime.RUN_DIR_ENV, str(tmp_path))
    runtime.record_resolved(bootstrap_runs="auto (11 runs)")
    runtime.record_resolved(seed=7)
    assert runtime.read_resolved(tmp_path) == {"bootstrap_runs": "auto (11 runs)", "seed": 7}
    monkeypatch.delenv(runtime.RUN_DIR_ENV, raising=False)
    assert runtime.record_resolved(x=1) == {"x": 1}  # outside a run: nothing written
    assert runtime.read_resolved(tmp_path / "elsewhere") == {}


def test_interactive_outputs_are_private_and_removed_when_the_kernel_ends(tmp_path):
    """Opened interactively, figures go to a new owner-only temporary folder (never one named by the process id
    alone, which another user could make first), removed when the process ends."""
    script = (
        "import os, stat\n"
        "from evidence.notebooks import runtime\n"
        "os.environ.pop(runtime.RUN_DIR_ENV, None)\n"
        "a = runtime.output_dir('figures'); b = runtime.output_dir('figures')\n"
        "assert a == b and a.is_dir(), (a, b)\n"
        "(a / 'chart.svg').write_text('<svg/>')\n"
        "print(a.parent, oct(stat.S_IMODE(a.parent.stat().st_mode)))\n"
    )
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    folder, mode = done.stdout.split()
    assert Path(folder).parent == tmp_path and mode == "0o700"
    assert not Path(folder).exists() and list(tmp_path.iterdir()) == []
