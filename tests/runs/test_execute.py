from __future__ import annotations

import json
import os
import socket

import pytest

from evidence.core.errors import ParameterError
from evidence.runs import execute
from evidence.runs.execute import clean_stale_temporaries, execute_run, prepare_run, run_notebook
from evidence.runs.record import FAILED_DIR, read_record


@pytest.fixture
def tiny(fixtures):
    return fixtures / "notebooks" / "tiny.ipynb"


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail the test if papermill is ever asked to execute."""
    import papermill

    def refuse(*args, **kwargs):
        raise AssertionError("papermill.execute_notebook was called")

    monkeypatch.setattr(papermill, "execute_notebook", refuse)


@pytest.mark.parametrize(
    "parameters, message",
    [
        ({"nn": 3}, "unknown parameter 'nn'.*did you mean 'n'"),
        ({"n": "three"}, "parameter 'n' expects int, got 'three'"),
        ({"country": "Narnia"}, "unknown country 'Narnia'"),
        ({"label": "z"}, "must be one of a|b|c, got 'z'"),
    ],
)
def test_parameter_errors_raise_before_any_kernel_starts(tiny, tmp_path, no_kernel, parameters, message):
    with pytest.raises(ParameterError, match=message):
        run_notebook(tiny, parameters, out_root=tmp_path)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("given, taken", [(2.5, 3), (0.01, 1), (30, 30), (None, None)])
def test_a_cell_timeout_is_whole_seconds_rounded_up(tiny, tmp_path, given, taken):
    """The notebook client takes whole seconds: `--timeout 2.5` failed every run with "TraitError: The
    'timeout' trait of a ChartsClient instance expected an int, not the float 2.5"."""
    run = prepare_run(tiny, {}, out_root=tmp_path, cell_timeout=given)
    assert run.cell_timeout == taken and (taken is None or type(run.cell_timeout) is int)


@pytest.mark.parametrize("given", [0, -1, float("nan")])
def test_a_cell_timeout_of_no_time_is_refused(tiny, tmp_path, no_kernel, given):
    """0 or less is no timeout at all to the notebook client: refused, not taken as none."""
    with pytest.raises(ParameterError, match="--timeout must be a number of seconds above 0"):
        prepare_run(tiny, {}, out_root=tmp_path, cell_timeout=given)


@pytest.mark.kernel
def test_a_run_with_a_fractional_cell_timeout_runs(tiny, tmp_path):
    outcome = run_notebook(tiny, {"n": 2}, out_root=tmp_path, cell_timeout=30.5)
    assert outcome.status == "ok", outcome.error


def test_a_runs_folder_that_is_a_file_is_called_one(tmp_path):
    """`--out-root report.html` (or a folder under a file) said "cannot write to the runs folder: File
    exists"."""
    from evidence.core.errors import InputError

    taken = tmp_path / "report.html"
    taken.write_text("")
    for out_root in (taken, taken / "runs"):
        with pytest.raises(InputError) as info:
            execute.check_writable(out_root)
        assert (
            str(info.value)
            == f"{out_root}: cannot write to the runs folder: it, or a folder above it, is a file"
        )


@pytest.mark.kernel
def test_a_run_writes_its_own_folder_with_a_record(tiny, tmp_path):
    outcome = run_notebook(tiny, {"n": "4", "country": "Cambodia", "years": "2012-2014"}, out_root=tmp_path)
    assert outcome.status == "ok", outcome.error
    folder = tmp_path / outcome.run_id
    assert outcome.run_id.startswith("tiny-4-a-KHM-2012-2014-") and outcome.folder == str(folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == [outcome.run_id]  # no temporary left beside it
    result = json.loads((folder / "figures" / "squares.json").read_text())
    assert result == {"label": "a", "country": "KHM", "years": [2012, 2014], "squares": [0, 1, 4, 9]}
    record = read_record(folder)
    assert record.status == "ok" and record.error is None
    assert record.parameters["n"] == 4 and record.parameters["kill_once"] == ""
    assert record.notebook.name == "tiny" and len(record.notebook.sha256) == 64
    assert record.timings.seconds > 0 and record.python.version
    assert {o.path for o in record.outputs} >= {"tiny.ipynb", "figures/squares.json", "run.log"}
    executed = json.loads((folder / "tiny.ipynb").read_text())
    injected = [c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert 'country = "KHM"' in "".join(injected[0]["source"])


@pytest.mark.kernel
def test_a_failing_notebook_goes_to_the_failed_folder(tiny, tmp_path):
    outcome = run_notebook(tiny, {"fail": True}, out_root=tmp_path)
    assert outcome.status == "failed" and "RuntimeError: asked to fail" in outcome.error
    folder = tmp_path / FAILED_DIR / outcome.run_id
    assert outcome.folder == str(folder) and (folder / "tiny.ipynb").is_file()
    assert read_record(folder).status == "failed"
    assert sorted(p.name for p in tmp_path.iterdir()) == [FAILED_DIR]
    # the executed notebook names the notebook and where it now lies (the failed folder)
    papermill = json.loads((folder / "tiny.ipynb").read_text())["metadata"]["papermill"]
    assert (papermill["input_path"], papermill["output_path"]) == (str(tiny), str(folder / "tiny.ipynb"))


def test_an_interrupted_run_leaves_no_folder(tiny, tmp_path, monkeypatch):
    import papermill

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(papermill, "execute_notebook", interrupted)
    with pytest.raises(KeyboardInterrupt):
        execute_run(prepare_run(tiny, {}, out_root=tmp_path), warm=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "warm, where",
    [(False, "imports"), (True, "kernel start"), (True, "imports")],
    ids=["fresh", "warm", "warm2"],
)
def test_an_interrupt_before_the_notebook_executes_leaves_no_temporary_folder(
    tiny, tmp_path, monkeypatch, warm, where
):
    """QA27: Ctrl-C in the first seconds of `evidence brief KHM` (its kernel starting, Papermill being imported)
    said "error: interrupted" and exited 130, but left the run's empty `.<run>.<host>-<pid>.<random>.part`
    folder in the runs folder: the temporary was removed only once execution had begun. The docs promise that
    only a run killed outright leaves it. A warm kernel started for the run is discarded too."""
    from evidence.runs import warm as warm_module

    discarded: list[str] = []

    class Starting:  # a warm kernel (no process)
        def while_starting(self): ...
        def wait_ready(self): ...
        def begin(self, *a): ...

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    if where == "kernel start":
        monkeypatch.setattr(execute, "_launch_warm", interrupted)
    else:
        monkeypatch.setattr(execute, "_launch_warm", lambda *a: Starting())
        monkeypatch.setattr(warm_module, "compile_nbformat_checks", interrupted)
    monkeypatch.setattr(execute, "_discard", lambda kernel, why: discarded.append(why))
    with pytest.raises(KeyboardInterrupt):
        execute_run(prepare_run(tiny, {}, out_root=tmp_path), warm=warm)
    assert list(tmp_path.iterdir()) == []
    assert discarded == (["interrupted"] if warm and where == "imports" else [])


@pytest.mark.parametrize("warm", [False, True], ids=["fresh", "warm"])
def test_a_cells_last_outputs_are_awaited_longer_than_nbclients_four_seconds(
    tiny, tmp_path, monkeypatch, warm
):
    """Papermill makes the wait for a cell's last outputs an error; nbclient's default (4 s) failed finished
    cells on a loaded machine, so runs ask for :data:`IOPUB_TIMEOUT` (a client option nbclient knows)."""
    import nbclient
    import papermill

    from evidence.runs import warm as warm_module

    seen: dict = {}

    def capture(*args, **kwargs):
        seen.update(kwargs)
        raise KeyboardInterrupt

    class Ready:  # a warm kernel that is ready at once (no process)
        def while_starting(self): ...
        def wait_ready(self): ...
        def begin(self, *a): ...

    monkeypatch.setattr(papermill, "execute_notebook", capture)
    monkeypatch.setattr(execute, "_launch_warm", lambda *a: Ready())
    monkeypatch.setattr(execute, "_discard", lambda *a: None)
    monkeypatch.setattr(warm_module, "register_engine", lambda: None)
    with pytest.raises(KeyboardInterrupt):
        execute_run(prepare_run(tiny, {}, out_root=tmp_path), warm=warm)
    assert seen["iopub_timeout"] == execute.IOPUB_TIMEOUT >= 60
    assert nbclient.NotebookClient.class_traits()["iopub_timeout"].default_value == 4


def test_temporaries_of_dead_processes_are_cleaned(tmp_path):
    host = execute._host_tag()
    dead = tmp_path / f".tiny-3-abc123.{host}-999999999.x1y2.part"
    alive = tmp_path / f".tiny-3-abc123.{host}-{os.getpid()}.x1y2.part"
    elsewhere = tmp_path / ".tiny-3-abc123.otherhost-999999999.x1y2.part"
    for folder in (dead, alive, elsewhere):
        folder.mkdir()
    assert clean_stale_temporaries(tmp_path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, elsewhere.name])
    assert socket.gethostname()  # the host tag comes from the machine's name


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "move-aside"])
def test_replacing_a_run_is_atomic(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setenv("EVIDENCE_NO_RENAME_EXCHANGE", "1")
    target = tmp_path / "run"
    target.mkdir()
    (target / "old.txt").write_text("old")
    new = tmp_path / ".run.tmp"
    new.mkdir()
    (new / "new.txt").write_text("new")
    execute._swap_into_place(new, target)
    assert [p.name for p in target.iterdir()] == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "move-aside"])
def test_identical_runs_finishing_together_replace_the_folder_one_after_the_other(
    tmp_path, monkeypatch, exchange
):
    """Many processes' threads swapping the same run folder at once: no ENOTEMPTY, one whole run left."""
    import threading

    if not exchange:
        monkeypatch.setenv("EVIDENCE_NO_RENAME_EXCHANGE", "1")
    target = tmp_path / "run"
    sources = []
    for i in range(8):
        source = tmp_path / f".run.{i}.part"
        source.mkdir()
        (source / "who.txt").write_text(str(i))
        sources.append(source)
    barrier, errors = threading.Barrier(len(sources)), []

    def swap(source):
        barrier.wait()
        try:
            execute._swap_into_place(source, target)
        except OSError as exc:  # pragma: no cover - what the lock prevents
            errors.append(exc)

    threads = [threading.Thread(target=swap, args=(s,)) for s in sources]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [p.name for p in target.iterdir()] == ["who.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_kill_between_moving_the_old_run_aside_and_renaming_the_new_one_in_loses_nothing(tmp_path):
    """Without an atomic exchange, a process killed mid-swap leaves the good run aside; the next run or
    batch puts it back."""
    import subprocess
    import sys

    target = tmp_path / "run"
    target.mkdir()
    (target / "good.txt").write_text("the earlier good run")
    new = tmp_path / ".run.new"
    new.mkdir()
    (new / "new.txt").write_text("never renamed in")
    code = (
        "import os, sys; from pathlib import Path; from evidence.runs import execute\n"
        "execute._between_moves = lambda aside: os._exit(9)  # killed right there\n"
        "execute._swap_into_place(Path(sys.argv[1]), Path(sys.argv[2]))\n"
    )
    env = {**os.environ, "EVIDENCE_NO_RENAME_EXCHANGE": "1"}
    proc = subprocess.run([sys.executable, "-c", code, str(new), str(target)], env=env, check=False)
    assert proc.returncode == 9 and not target.exists()
    (aside,) = [p for p in tmp_path.iterdir() if p.name.endswith(".old")]
    assert clean_stale_temporaries(tmp_path) == [aside]
    assert (target / "good.txt").read_text() == "the earlier good run"
    assert not any(p.name.endswith(".old") for p in tmp_path.iterdir())


@pytest.mark.kernel
def test_a_run_executes_the_notebook_as_checked_even_if_edited_later(tiny, tmp_path):
    copy = tmp_path / "tiny.ipynb"
    copy.write_text(tiny.read_text())
    prepared = prepare_run(copy, {}, out_root=tmp_path / "runs")
    copy.write_text(tiny.read_text().replace("i * i for i in range(n)", "-1 for i in range(n)"))
    outcome = execute_run(prepared)
    assert outcome.status == "ok", outcome.error
    result = json.loads((tmp_path / "runs" / outcome.run_id / "figures" / "squares.json").read_text())
    assert result["squares"] == [0, 1, 4]
    executed = json.loads((tmp_path / "runs" / outcome.run_id / "tiny.ipynb").read_text())
    assert executed["metadata"]["papermill"]["input_path"] == str(copy)
    assert executed["metadata"]["papermill"]["output_path"] == str(
        tmp_path / "runs" / outcome.run_id / "tiny.ipynb"
    )


def _notebook_with(tmp_path, parameters_source: str):
    path = tmp_path / "nb.ipynb"
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": ["parameters"]},
        "outputs": [],
        "source": parameters_source,
    }
    path.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_data_files_are_hashed_before_the_run_and_pinned_for_the_kernel(tmp_path, monkeypatch):
    configured = tmp_path / "configured.csv"
    configured.write_text("a,b\n1,2\n")
    monkeypatch.setenv("EVIDENCE_DATA", str(configured))
    listed = _notebook_with(tmp_path, "data: list[str] = []  # data files\n")
    empty = prepare_run(listed, {}, out_root=tmp_path / "runs")
    assert [d["path"] for d in empty.data] == [str(configured.resolve())]
    assert empty.kernel_env == {"EVIDENCE_DATA": str(configured.resolve())}
    given = prepare_run(listed, {"data": str(configured)}, out_root=tmp_path / "runs")
    assert given.data == empty.data and given.kernel_env == {} and given.run_id != empty.run_id
    optional = _notebook_with(tmp_path, "lists_path: Optional[str] = None  # list-capture data file\n")
    assert prepare_run(optional, {}, out_root=tmp_path / "runs").data == []
    configured.write_text("a,b\n1,2\n3,4\n")
    assert prepare_run(listed, {}, out_root=tmp_path / "runs").cache_key != empty.cache_key


def test_a_skipped_run_cleans_the_temporaries_of_killed_runs(tiny, tmp_path, no_kernel, monkeypatch):
    # a run killed with SIGKILL leaves its hidden .part folder; the next run of it that is skipped (its
    # results are fresh) removes it as an executed run would, and leaves those of live processes alone
    host = execute._host_tag()
    run = prepare_run(tiny, {"n": "3"}, out_root=tmp_path)
    dead = tmp_path / f".{run.run_id}.{host}-999999999.x1y2.part"
    alive = tmp_path / f".{run.run_id}.{host}-{os.getpid()}.x1y2.part"
    for folder in (dead, alive):
        folder.mkdir()
    monkeypatch.setattr(execute, "is_fresh", lambda folder, key: True)
    assert execute.run_unless_fresh(run).status == "skipped"
    assert sorted(p.name for p in tmp_path.iterdir()) == [alive.name]


@pytest.mark.parametrize(
    ("last_cell", "timeout", "said"),
    [
        ("import os\nos._exit(3)", None, "the kernel died"),
        ("import time\ntime.sleep(60)", 2, "timed out: a cell ran longer than the timeout, 2 s"),
    ],
    ids=["kernel-exits", "cell-hangs"],
)
def test_a_kernel_that_dies_or_hangs_leaves_the_partly_executed_notebook(tmp_path, last_cell, timeout, said):
    # the failed folder holds the notebook as far as it ran, the failing cell saying why, as for a cell that
    # raises (a dead or hung kernel left run.json and run.log only)
    from _notebooks import write_notebook

    notebook = write_notebook(tmp_path / "dies.ipynb", "n: int = 1", "print('before', n)", last_cell)
    outcome = run_notebook(notebook, {}, out_root=tmp_path / "runs", cell_timeout=timeout)
    assert outcome.status == "failed" and said in outcome.error, outcome.error
    # QA27: which cell, as for a cell that raises ("... (in cell 3)"); nbclient's "after 2 seconds." no more
    assert "(in cell 3)" in outcome.error and "seconds." not in outcome.error, outcome.error
    executed = tmp_path / "runs" / FAILED_DIR / outcome.run_id / "dies.ipynb"
    nb = json.loads(executed.read_text())
    printed = [o for o in nb["cells"][2]["outputs"] if o["output_type"] == "stream"]
    assert printed and "before 1" in "".join(printed[0]["text"])
    (error,) = [o for o in nb["cells"][3]["outputs"] if o["output_type"] == "error"]
    assert said in error["evalue"]
    assert nb["cells"][3]["metadata"]["papermill"]["status"] == "failed"
    assert nb["metadata"]["papermill"]["output_path"] == str(executed)


def test_a_skipped_run_sets_aside_only_failed_attempts_that_ended_before_it_was_checked(
    tiny, tmp_path, no_kernel, monkeypatch
):
    # an attempt that failed after the skip's check (another process's `--force`, at the same moment) is news,
    # not a stale failure: it stays in failed/
    import datetime as dt

    from _run_records import record

    from evidence.runs.record import write_record

    run = prepare_run(tiny, {"n": "3"}, out_root=tmp_path)
    monkeypatch.setattr(execute, "is_fresh", lambda folder, key: True)
    failed = tmp_path / FAILED_DIR / run.run_id
    failed.mkdir(parents=True)
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).isoformat(timespec="seconds")
    attempt = record(run.run_id, "failed", error="RuntimeError: boom")
    write_record(
        failed, attempt.model_copy(update={"timings": attempt.timings.model_copy(update={"ended": later})})
    )
    outcome = execute.run_unless_fresh(run)
    assert outcome.status == "skipped" and outcome.note is None and failed.is_dir()
    write_record(failed, attempt)  # ended in 2026-01-01: before this check
    outcome = execute.run_unless_fresh(run)
    assert outcome.status == "skipped" and not failed.exists()
    assert (tmp_path / FAILED_DIR / ".superseded" / run.run_id / "run.json").is_file()
    assert "RuntimeError: boom" in outcome.note and "2026-01-01 00:00" in outcome.note


@pytest.mark.parametrize("caller", ["run", "batch worker"])
def test_a_run_another_process_is_executing_is_waited_for_then_served_not_executed_twice(
    tiny, tmp_path, monkeypatch, caller
):
    """QA27: two batches of one plan on one runs folder (a timer's and an analyst's, or a weekly batch still
    running when the next starts) each executed every run the other was executing or about to: twice the
    work, the second result replacing the first. A run is executed under a lock of its own (per runs folder and
    run, on this machine); a process that finds it held waits, then serves the run the other made if it is
    fresh now, as a run found fresh at the start is served. `--force` still executes it (after the other)."""
    import threading

    from _run_records import record

    from evidence.runs import batch
    from evidence.runs.execute import run_lock, run_unless_fresh
    from evidence.runs.record import write_record

    prepared = prepare_run(tiny, {}, out_root=tmp_path)
    executed: list[str] = []

    def fake_execute(run, **kwargs):
        executed.append(run.run_id)
        return execute.RunOutcome(run.run_id, run.notebook_name, "ok", str(run.folder), 0.1)

    monkeypatch.setattr(execute, "execute_run", fake_execute)
    held, release = threading.Event(), threading.Event()

    def other_process() -> None:  # executes the run, and puts a successful result in place
        with run_lock(prepared):
            held.set()
            release.wait(10)
            prepared.folder.mkdir(parents=True)
            (prepared.folder / "nb.ipynb").write_text('{"cells": [], "metadata": {}}')
            write_record(prepared.folder, record(prepared.run_id, cache_key=prepared.cache_key))

    other = threading.Thread(target=other_process)
    other.start()
    assert held.wait(10)
    threading.Timer(0.3, release.set).start()  # the other ends while this one waits for the run's lock
    if caller == "run":
        outcome = run_unless_fresh(prepared)
    else:
        outcome = batch._execute(prepared, None, force=False)
    other.join(10)
    assert executed == [] and outcome.status == "skipped", (executed, outcome)
    assert outcome.folder == str(prepared.folder)
    # forced, it executes all the same
    forced = (
        run_unless_fresh(prepared, force=True) if caller == "run" else batch._execute(prepared, None, True)
    )
    assert executed == [prepared.run_id] and forced.status == "ok"


def test_the_lock_files_of_runs_not_executed_for_a_month_are_removed(tiny, tmp_path, monkeypatch):
    """The runs' lock files (one per runs folder and run, :func:`run_lock`) would pile up in the user cache with
    every runs folder ever used (a test's, a one-off --out-root): a process removes, once, those untouched for
    longer than :data:`RUN_LOCKS_KEPT_DAYS` that no process holds; a lock in use is kept whatever its age."""
    import fcntl
    import time

    from evidence.runs.execute import RUN_LOCKS_DIR, RUN_LOCKS_KEPT_DAYS, run_lock

    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(execute, "_LOCKS_PRUNED", False)
    locks = tmp_path / "cache" / RUN_LOCKS_DIR
    locks.mkdir(parents=True)
    old = time.time() - (RUN_LOCKS_KEPT_DAYS + 1) * 86400
    stale, held, recent = (locks / f"{name}.lock" for name in ("stale", "held", "recent"))
    for lock in (stale, held, recent):
        lock.touch()
    for lock in (stale, held):
        os.utime(lock, (old, old))
    fd = os.open(held, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another process executing that run (a month-long run)
    try:
        prepared = prepare_run(tiny, {}, out_root=tmp_path / "runs")
        with run_lock(prepared):
            pass
    finally:
        os.close(fd)
    left = sorted(p.name for p in locks.iterdir())
    assert "stale.lock" not in left and {"held.lock", "recent.lock"} <= set(left), left
    assert len(left) == 3  # and the run's own, touched now
