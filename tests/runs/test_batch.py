from __future__ import annotations

import contextlib
import textwrap
from pathlib import Path

import pytest
from _notebooks import write_notebook

from evidence.core.errors import InputError, ParameterError
from evidence.runs.batch import (
    countries_with_cases,
    expand_plan,
    load_plan,
    prepare_plan,
    run_batch,
)
from evidence.runs.record import read_record


@pytest.fixture
def tiny(fixtures):
    return fixtures / "notebooks" / "tiny.ipynb"


def plan_file(tmp_path, text):
    path = tmp_path / "plan.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_grid_times_notebooks_plus_explicit_runs(tmp_path, tiny):
    path = plan_file(
        tmp_path,
        f"""
        notebooks: [{tiny}]
        parameters:
          n: [1, 2]
          label: [a, b]
          years: [2015, 2016]   # one value of a sequence parameter, not two runs
        runs:
          - notebook: {tiny}
            parameters: {{n: 9}}
    """,
    )
    runs = load_plan(path)
    assert [r.parameters for r in runs] == [
        {"n": 1, "label": "a", "years": [2015, 2016]},
        {"n": 1, "label": "b", "years": [2015, 2016]},
        {"n": 2, "label": "a", "years": [2015, 2016]},
        {"n": 2, "label": "b", "years": [2015, 2016]},
        {"n": 9},
    ]


def test_a_grid_of_sequences_and_duplicates_run_once(tmp_path, tiny):
    runs = expand_plan(
        {
            "notebooks": [str(tiny)],
            "parameters": {"years": [[2015, 2016], [2017, 2018]]},
            "runs": [{"notebook": str(tiny), "parameters": {"years": "2015-2016"}}],
        },
        base_dir=tmp_path,
    )
    assert len(runs) == 3
    assert len(prepare_plan(runs, out_root=tmp_path)) == 2  # the explicit run repeats a grid run


def test_every_run_is_checked_before_anything_runs(tmp_path, tiny, monkeypatch):
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: pytest.fail("papermill was called"))
    runs = expand_plan(
        {"notebooks": [str(tiny)], "parameters": {"n": [1, "x", 3], "country": ["THA", "Mordor"]}},
        base_dir=tmp_path,
    )
    with pytest.raises(ParameterError) as info:
        prepare_plan(runs, out_root=tmp_path)
    text = str(info.value)
    assert "4 of 6 runs are invalid; nothing was run" in text
    assert "expects int, got 'x'" in text and "unknown country 'Mordor'" in text
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    "plan, error, message",
    [
        ({"notebook": ["x"]}, InputError, "unknown plan key 'notebook'; did you mean 'notebooks'"),
        ({"notebooks": ["TINY"], "parameters": {"nn": [1]}}, ParameterError, "did you mean 'n'"),
        ({"parameters": {"n": [1]}}, InputError, "no 'notebooks'"),
        ({"runs": [{"parameters": {}}]}, InputError, r"runs\[1\] must be a mapping"),
        ({"notebooks": ["TINY"], "parameters": {"n": "auto"}}, ParameterError, "only for country"),
        # nothing to run is refused, not a batch that succeeds having run nothing
        ({}, InputError, "names no notebooks and no runs"),
        ({"notebooks": [], "runs": []}, InputError, "names no notebooks and no runs"),
        ({"runs": 5}, InputError, "'runs' must be a list"),
        # YAML reads `1:` as a number: its "did you mean" was a TypeError traceback
        ({"notebooks": ["TINY"], "parameters": {1: 2}}, InputError, "parameter name 1 is not a name"),
        ({1: 2, "notebooks": ["TINY"]}, InputError, "plan key 1 is not a name"),
        (
            {"runs": [{"notebook": "routes", "parameters": {True: 1}}]},
            InputError,
            r"runs\[1\]: parameter name True",
        ),
    ],
)
def test_bad_plans_are_refused_clearly(tmp_path, tiny, plan, error, message):
    plan = {k: ([str(tiny)] if v == ["TINY"] else v) for k, v in plan.items()}
    with pytest.raises(error, match=message):
        expand_plan(plan, base_dir=tmp_path)


@pytest.mark.parametrize(
    "entry, message",
    [
        # a misspelt key of a run: "did you mean", as for the plan's own keys and its grid's parameters
        ({"parameter": {"n": 1}}, "runs[1]: unknown key 'parameter'; did you mean 'parameters'?"),
        # a notebook parameter beside 'notebook' (the nesting forgotten): where it goes
        ({"n": 1}, "runs[1]: unknown key 'n': it is a parameter of the notebook; put it under 'parameters'"),
        ({"parameters": {"n": 1}, "nn": 1, "label": "b"}, "runs[1]: unknown keys 'label', 'nn'"),
    ],
)
def test_an_unknown_key_of_a_planned_run_is_named_with_what_was_meant(tmp_path, tiny, entry, message):
    """QA27: `runs: [{notebook: routes, parameter: {country: THA}}]` was refused as "runs[1]: unknown key(s)
    ['parameter']": a Python list's repr, and no "did you mean" where the plan's keys and the grid's parameters
    have one; a parameter written beside `notebook` did not say that it belongs under `parameters`."""
    with pytest.raises(InputError) as refused:
        expand_plan({"runs": [{"notebook": str(tiny), **entry}]}, base_dir=tmp_path)
    said = str(refused.value)
    assert message in said, said
    assert "[" + "'" not in said  # no list's repr
    assert "(a run has 'notebook' and 'parameters')" in said


def test_an_empty_plan_file_is_refused(tmp_path):
    path = plan_file(tmp_path, "# the weekly plan\n")
    with pytest.raises(InputError, match="the plan is empty") as info:
        load_plan(path)
    assert str(path) in str(info.value)


def test_auto_countries_are_those_with_enough_cases(shared_data):
    sample = shared_data / "ctdc" / "k_anon_sample.csv"
    many = countries_with_cases([sample], 100)
    few = countries_with_cases([sample], 1)
    assert many and set(many) < set(few)
    assert all(len(code) == 3 and code.isupper() for code in few)


def test_auto_countries_of_a_file_of_regions_only_say_it_records_no_country(shared_data):
    # `country: auto` on the Victim–Perpetrator file said only "matches no country with at least 50 cases"
    vp = shared_data / "ctdc" / "vp_synthetic_condensed.csv"
    with pytest.raises(ParameterError, match="records UN regions only, never countries"):
        countries_with_cases([vp], 1)
    # beside a file that records countries, it adds none and takes none away
    sample = shared_data / "ctdc" / "k_anon_sample.csv"
    assert countries_with_cases([vp, sample], 1) == countries_with_cases([sample], 1)


@pytest.mark.kernel
def test_second_batch_skips_unchanged_runs(tmp_path, tiny):
    runs = prepare_plan(
        expand_plan({"notebooks": [str(tiny)], "parameters": {"n": [1, 2]}}, base_dir=tmp_path),
        out_root=tmp_path / "runs",
    )
    first = run_batch(runs, workers=2)
    assert [o.status for o in first.outcomes] == ["ok", "ok"] and first.exit_code == 0
    started = []
    second = run_batch(runs, workers=2, on_start=lambda to_run, skipped: started.append((to_run, skipped)))
    assert [o.status for o in second.outcomes] == ["skipped", "skipped"] and started == [(0, 2)]
    forced = run_batch(runs[:1], workers=1, force=True)
    assert [o.status for o in forced.outcomes] == ["ok"]
    # an executed notebook cut short, another deleted: those runs are redone, not skipped
    damaged = runs[0].folder / "tiny.ipynb"
    damaged.write_bytes(damaged.read_bytes()[:-10])
    (runs[1].folder / "tiny.ipynb").unlink()
    redone = run_batch(runs, workers=2)
    assert [o.status for o in redone.outcomes] == ["ok", "ok"]
    assert read_record(runs[0].folder).status == "ok" and (runs[1].folder / "tiny.ipynb").is_file()


@pytest.mark.kernel
def test_resume_after_a_killed_worker(tmp_path, tiny):
    marker = tmp_path / "killed-once"
    plan = {
        "runs": [
            {"notebook": str(tiny), "parameters": {"n": 1, "kill_once": str(marker)}},
            {"notebook": str(tiny), "parameters": {"n": 2}},
        ],
    }
    runs = prepare_plan(expand_plan(plan, base_dir=tmp_path), out_root=tmp_path / "runs")
    first = run_batch(runs, workers=1)
    assert [o.status for o in first.outcomes] == ["failed", "ok"], first.outcomes
    assert "worker process died" in first.outcomes[0].error and first.exit_code == 1
    assert marker.exists()
    folders = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert folders == [runs[1].run_id]  # the killed run left nothing behind (its temporary was cleaned)
    second = run_batch(runs, workers=1)
    assert [o.status for o in second.outcomes] == ["ok", "skipped"]
    assert read_record(tmp_path / "runs" / runs[0].run_id).status == "ok"


@pytest.mark.kernel
def test_dask_cluster_on_loopback(tmp_path, tiny):
    distributed = pytest.importorskip("distributed")
    runs = prepare_plan(
        expand_plan({"notebooks": [str(tiny)], "parameters": {"n": [5, 6]}}, base_dir=tmp_path),
        out_root=tmp_path / "runs",
    )
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        report = run_batch(runs, executor=cluster.scheduler_address)
    assert [o.status for o in report.outcomes] == ["ok", "ok"], report.outcomes
    for run in runs:
        assert read_record(run.folder).parameters["n"] in (5, 6)
    with pytest.raises(ParameterError, match="unknown executor"):
        run_batch(runs, executor="threads", force=True)


def test_auto_expands_to_the_countries_of_the_plan_data(tmp_path, shared_data):

    notebook = write_notebook(
        tmp_path / "brief.ipynb", 'country: str = "THA"  # ISO3 code\ndata: list[str] = []  # data files\n'
    )
    sample = shared_data / "ctdc" / "k_anon_sample.csv"
    plan = {
        "notebooks": [str(notebook)],
        "parameters": {"country": "auto", "data": [str(sample)]},
        "min_cases": 100,
    }
    runs = expand_plan(plan, base_dir=tmp_path)
    expected = countries_with_cases([sample], 100)
    assert [r.parameters["country"] for r in runs] == expected
    assert all(r.parameters["data"] == [str(sample)] for r in runs)


@pytest.mark.parametrize(
    "grid, message",
    [
        ({"country": "auto"}, "'country: auto' matches no country with at least 100000 cases"),
        ({"country": []}, "'country' lists no value"),
    ],
)
def test_a_grid_that_expands_to_no_run_is_refused_as_an_empty_plan(tmp_path, shared_data, grid, message):
    """`country: auto` matching no country ran 0 runs and exited 0, every week, unnoticed."""
    sample = shared_data / "ctdc" / "k_anon_sample.csv"
    path = plan_file(
        tmp_path,
        f"""
        notebooks: [routes]
        parameters: {{country: {grid["country"]}, data: [{sample}]}}
        min_cases: 100000
    """,
    )
    with pytest.raises(InputError, match="the plan expands to no runs") as info:
        load_plan(path)
    assert message in str(info.value) and "nothing to run" in str(info.value) and str(path) in str(info.value)


def test_data_files_given_to_the_batch_go_to_every_run_whose_plan_names_none(tmp_path):
    from evidence.runs.batch import expand_plan

    plan = {
        "notebooks": ["routes"],
        "parameters": {"country": ["THA", "KHM"]},
        "runs": [{"notebook": "trends", "parameters": {"data": ["own.csv"]}}],
    }
    given = tmp_path / "cases.csv"
    runs = expand_plan(plan, base_dir=tmp_path, data=[given])
    assert [r.parameters["data"] for r in runs] == [[str(given)], [str(given)], [str(tmp_path / "own.csv")]]
    assert all("data" not in r.parameters for r in expand_plan(plan | {"runs": []}, base_dir=tmp_path))


def test_a_batch_worker_takes_its_share_of_the_cores(monkeypatch):
    """Each worker's kernel sizes its thread pools, and each worker its chart workers, for the workers together."""
    import os

    from evidence.runs import chart_workers, warm
    from evidence.runs.batch import _share_machine

    monkeypatch.setattr(os, "cpu_count", lambda: 12)
    monkeypatch.setattr(warm, "_RUNNER_PROCESSES", 1)
    monkeypatch.setattr(chart_workers, "_SIZE", None)
    assert warm.kernel_threads() == 6
    _share_machine(3)
    assert warm.kernel_threads() == 3 and chart_workers._SIZE == chart_workers.chart_worker_count(3)


def test_workers_start_once_every_runs_parameters_pass_and_errors_still_list_every_run(
    tmp_path, tiny, monkeypatch
):
    """``checked`` (the batch's workers and kernels starting) comes after the parameter checks of every run and
    before the runs' data are read; a plan with a bad run starts nothing, and its error still lists every bad run,
    whichever check refused it."""
    from evidence.runs import batch

    events = []
    real_prepare = batch.prepare_run

    def prepare(spec, parameters, **options):
        events.append("prepare")
        if parameters.get("n") == 3:
            raise InputError("unreadable data")
        return real_prepare(spec, parameters, **options)

    monkeypatch.setattr(batch, "prepare_run", prepare)
    good = expand_plan({"notebooks": [str(tiny)], "parameters": {"n": [1, 2]}}, base_dir=tmp_path)
    assert len(prepare_plan(good, out_root=tmp_path, checked=lambda: events.append("checked"))) == 2
    assert events == ["checked", "prepare", "prepare"]

    events.clear()
    bad = expand_plan({"notebooks": [str(tiny)], "parameters": {"n": ["x", 3, 4]}}, base_dir=tmp_path)
    with pytest.raises(ParameterError) as info:
        prepare_plan(bad, out_root=tmp_path, checked=lambda: events.append("checked"))
    assert "checked" not in events
    assert "2 of 3 runs are invalid" in str(info.value)
    assert str(info.value).index("expects int, got 'x'") < str(info.value).index("unreadable data")


def test_a_pool_started_ahead_forks_every_worker_at_once():
    from evidence.runs.batch import BatchPool

    pool = BatchPool(2, start=True)
    try:
        assert len(pool.executor._processes) == 2  # forked now, not as runs are submitted
    finally:
        pool.close()
    pool.close()  # idempotent


def test_a_pool_started_ahead_forks_every_worker_even_when_the_first_is_done_before_the_next_is_asked(
    monkeypatch,
):
    """CI on a loaded machine: the first worker forked, started and finished its start-up task before the
    second task was submitted, so the executor found an idle worker and forked no second one. Here the
    submitting side waits (up to 2 s) for each task before the next, as a descheduled thread would."""
    from concurrent.futures import ProcessPoolExecutor, wait

    from evidence.runs import batch

    class SlowToSubmit(ProcessPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            future = super().submit(fn, *args, **kwargs)
            wait([future], timeout=2.0)
            return future

    monkeypatch.setattr(batch, "ProcessPoolExecutor", SlowToSubmit)
    pool = batch.BatchPool(2, start=True)
    try:
        assert len(pool.executor._processes) == 2
    finally:
        pool.close()


def test_a_pool_whose_start_is_interrupted_leaves_no_worker_waiting(monkeypatch):
    """Ctrl-C (or SIGTERM) while a pool started ahead forked its workers: the caller was given no pool to stop,
    and the workers forked so far waited out the start-up gate (a minute), the batch's exit waiting for them.
    Here the interrupt comes as the second worker is asked for."""
    from concurrent.futures import ProcessPoolExecutor

    from evidence.runs import batch

    forked = []

    class InterruptedAtTheSecond(ProcessPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            if self._processes:
                forked.extend(self._processes.values())
                raise KeyboardInterrupt
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(batch, "ProcessPoolExecutor", InterruptedAtTheSecond)
    try:
        with pytest.raises(KeyboardInterrupt):
            batch.BatchPool(2, start=True)
        assert len(forked) == 1
        assert [worker for worker in forked if worker.is_alive()] == []  # stopped, not left at the gate
    finally:
        for worker in forked:  # what the test started, by its process
            if worker.is_alive():
                worker.kill()


def test_an_interrupted_batch_ends_the_pool_it_was_given_with_the_interrupt_not_an_error(
    tmp_path, tiny, monkeypatch
):
    """Ctrl-C (or SIGTERM, which the CLI turns into it) while a batch waits for its runs: the pool started
    ahead is stopped where the interrupt is caught and again on the way out of run_batch; the second stop
    found the executor's processes gone (None) and raised AttributeError, a traceback and exit 1 in place of
    "interrupted" and exit 130."""
    import copy

    from evidence.runs import batch

    runs = prepare_plan(
        expand_plan({"notebooks": [str(tiny)], "parameters": {"n": [1, 2]}}, base_dir=tmp_path),
        out_root=tmp_path / "runs",
    )
    monkeypatch.setattr(batch, "is_fresh", lambda folder, key: True)  # skipped runs: no kernel needed

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "wait", interrupted)
    pool = batch.BatchPool(1, start=True)
    with pytest.raises(KeyboardInterrupt):
        run_batch(runs, after=copy.copy, pool=pool)
    pool.stop()  # idempotent


def test_a_worker_stops_the_kernel_it_started_ahead_when_only_skipped_runs_are_left(monkeypatch):
    from evidence.runs import warm
    from evidence.runs.batch import _execute
    from evidence.runs.execute import RunOutcome

    stopped = []
    monkeypatch.setattr(warm, "stop_unused_kernels", lambda: stopped.append(True))
    skipped = RunOutcome("r", "tiny", "skipped", "/nowhere")
    assert _execute(skipped, None) == skipped and stopped == [True]


def test_workers_started_ahead_start_their_kernels_with_the_preload_list_looked_up_once(tiny, monkeypatch):
    from evidence.runs import batch, warm

    looked_up = []
    monkeypatch.setattr(warm, "notebook_preload", lambda notebook: looked_up.append(notebook) or ("polars",))
    assert batch._kernel_ahead(str(tiny), None) == (str(tiny), None, ("polars",))
    assert batch._kernel_ahead(str(tiny), "own-kernel") == (
        str(tiny),
        "own-kernel",
        None,
    )  # started by its run
    assert looked_up == [str(tiny)]

    started, prepared = [], []
    monkeypatch.setattr(warm, "prestart", lambda *args: started.append(args))
    monkeypatch.setattr(batch, "_share_machine", lambda workers: None)
    batch._start_worker(2, lambda: prepared.append(True))
    assert started == [] and prepared == [True]  # its kernel when a run to execute asks for it
    batch._prestart(str(tiny), None, ("polars",))
    assert started == [(str(tiny), None, ("polars",))]


def test_the_workers_start_their_kernels_ahead_once_each_has_a_run_to_execute_none_for_unchanged_runs(
    tmp_path, tiny, monkeypatch
):
    """A worker started its kernel as it was forked, before the batch knew whether any run was to execute: a
    batch of unchanged runs started a kernel in every worker and stopped it again. The workers start their
    kernels ahead once there is a run to execute for each (a run whose folder holds no successful run of its
    inputs; all with --force); with fewer, each starts its kernel with its run (which worker takes which is not
    known ahead)."""
    import dataclasses

    from _run_records import record

    from evidence.runs import batch, warm
    from evidence.runs.execute import prepare_run
    from evidence.runs.record import write_record

    monkeypatch.setattr(warm, "notebook_preload", lambda notebook: ("polars",))
    runs = [prepare_run(tiny, {"n": str(n)}, out_root=tmp_path) for n in (1, 2, 3, 4)]
    for run in runs[:2]:  # unchanged
        run.folder.mkdir()
        write_record(run.folder, record(run.run_id, "ok", cache_key=run.cache_key))
    runs[2].folder.mkdir()  # of other inputs: executed again
    write_record(runs[2].folder, record(runs[2].run_id, "ok", cache_key="older inputs"))
    failed = dataclasses.replace(runs[0], run_id="failed-run")
    failed.folder.mkdir()  # a failed run is executed again
    write_record(failed.folder, record(failed.run_id, "failed", cache_key=failed.cache_key))

    class Executor:
        def __init__(self):
            self.submitted = []

        def submit(self, task, *args):
            self.submitted.append((task, args))

    pool = batch.BatchPool(2, notebook=str(tiny))
    pool.executor = Executor()
    for run in runs[:2]:
        pool.prepared(run)
    assert pool.executor.submitted == []  # unchanged runs: no kernel
    pool.prepared(runs[2])
    assert pool.executor.submitted == []  # one run to execute for two workers: started by its run
    pool.prepared(failed)
    assert pool.executor.submitted == [(batch._prestart, (str(tiny), None, ("polars",)))] * 2
    pool.prepared(runs[3])  # a third run to execute: both workers asked already
    assert len(pool.executor.submitted) == 2
    forced = batch.BatchPool(1, notebook=str(tiny))
    forced.executor = Executor()
    forced.prepared(runs[0], force=True)
    assert len(forced.executor.submitted) == 1
    without = batch.BatchPool(2)  # a pool without a notebook to start kernels for: each run starts its own
    without.executor = Executor()
    without.prepared(runs[3])
    assert without.executor.submitted == []


def test_the_fork_server_of_the_workers_loads_papermill_without_pyarrow():
    """The workers' fork server imports Papermill as the runner does, not by name (which loads pyarrow and
    numpy, a third of a second before the first worker is forked)."""
    import subprocess
    import sys

    from evidence.runs.batch import _process_context

    if _process_context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        assert forkserver._forkserver._preload_modules == ["evidence.runs.preload"]
    code = "import sys, evidence.runs.preload; print(sorted({'papermill', 'pyarrow', 'numpy'} & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['papermill']"


@pytest.mark.slow
@pytest.mark.kernel
@pytest.mark.parametrize("to", ["group", "process"])
def test_ctrl_c_in_a_terminal_stops_a_real_batch_at_once_and_quietly(tmp_path, to):
    """Ctrl-C in a terminal signals the whole process group: the batch's workers printed asyncio's "Task
    exception was never retrieved ... DeadKernelError" tracebacks while the batch stopped them. The workers
    leave the interrupt to the batch (its summary, exit 130), which takes it at once, not when a run ends
    (SIGINT to the batch's process alone, `kill -INT PID`, was taken only once its runs had ended)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    _slow_notebook(
        tmp_path / "slow.ipynb", "import time\nopen(f'{marker}-{n}', 'w').close()\ntime.sleep(120)\n"
    )
    marker = tmp_path / "running"
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks: [slow.ipynb]\nparameters:\n  n: [1, 2]\n  marker: {marker}\n")
    evidence = Path(sys.executable).with_name("evidence")
    command = [str(evidence), "batch", str(plan), "--workers", "2", "--out-root", str(tmp_path / "runs")]
    # as from a shell: SIGINT not ignored (a pytest-xdist worker ignores it, and its children would inherit that)
    shell = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"
    batch = subprocess.Popen(
        [sys.executable, "-c", shell, *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a group of its own, as a terminal's foreground job
    )
    try:
        started = time.monotonic()
        while not all(Path(f"{marker}-{n}").exists() for n in (1, 2)):
            assert batch.poll() is None, batch.communicate()
            assert time.monotonic() - started < 120, "the runs did not start"
            time.sleep(0.1)
        if to == "group":
            os.killpg(batch.pid, signal.SIGINT)  # what Ctrl-C does
        else:
            os.kill(batch.pid, signal.SIGINT)
        # within a minute, not when the runs' two minutes are up (a guard, not a speed assertion: no
        # wall-clock limit on how fast it stops)
        out, err = batch.communicate(timeout=60)
    finally:
        if batch.poll() is None:
            os.killpg(batch.pid, signal.SIGKILL)
            batch.communicate()
    assert batch.returncode == 130, err
    assert out.splitlines()[-1] == "ran 0, skipped 0, failed 0, interrupted 2", out
    assert "Traceback" not in err and "DeadKernelError" not in err and "never retrieved" not in err, err
    assert err.strip().startswith("interrupted"), err
    # the runs cut short leave nothing: their temporary folders went with the workers (they were left for the
    # next batch to clear)
    assert list((tmp_path / "runs").iterdir()) == []


def _gone(pid: int) -> bool:
    """Whether a process has ended (a zombie not yet reaped has ended too)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


@pytest.mark.slow
@pytest.mark.kernel
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_batch_killed_outright_leaves_no_worker_or_kernel_behind(tmp_path):
    """`kill -9` of a batch (the OOM killer, `timeout -s KILL`, a CI runner cancelled): its pool workers, each
    with its warm kernel, waited for work from the dead batch for ever (their queue's other end is held by each
    of them), and kept the fork server alive; every such batch a cron ran left its kernels running. A worker
    now ends with the batch that started it, and its kernel and chart workers with it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    source = (
        "import os, time\n"
        "open(f'{marker}-{n}', 'w').write(f'{os.getpid()} {os.getppid()}')\n"
        "time.sleep(600)\n"
    )
    _slow_notebook(tmp_path / "slow.ipynb", source)
    marker = tmp_path / "running"
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks: [slow.ipynb]\nparameters:\n  n: [1, 2]\n  marker: {marker}\n")
    evidence = Path(sys.executable).with_name("evidence")
    command = [str(evidence), "batch", str(plan), "--workers", "2", "--out-root", str(tmp_path / "runs")]
    batch = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    markers = [Path(f"{marker}-{n}") for n in (1, 2)]
    pids: list[int] = []
    try:
        deadline = time.monotonic() + 180  # a guard against a hang, not a speed assertion
        while not all(m.exists() and m.read_text() for m in markers):
            assert batch.poll() is None, "the batch ended before its runs started"
            assert time.monotonic() < deadline, "the runs did not start"
            time.sleep(0.1)
        pids = [int(p) for m in markers for p in m.read_text().split()]  # each run's kernel and worker
        os.kill(batch.pid, signal.SIGKILL)
        batch.wait()
        deadline = time.monotonic() + 60
        while not all(_gone(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [pid for pid in pids if not _gone(pid)] == []
    finally:
        for pid in pids:  # what the test started, by its id
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _slow_notebook(path: Path, source: str) -> Path:
    """A notebook with parameters ``n`` (which run) and ``marker`` (a file it makes once running), then ``source``
    (which waits: a run to interrupt or kill)."""
    return write_notebook(
        path, 'n: int = 1  # which run\nmarker: str = ""  # a file made once it runs\n', source
    )


def test_a_batch_skipping_an_unchanged_run_sets_its_stale_failed_attempt_aside(tmp_path, tiny, monkeypatch):
    # failed/<run> beside a good run that a batch serves unchanged (a `run --force` of it failed) said for ever
    # that the run was failing
    from _run_records import record

    from evidence.runs import batch
    from evidence.runs.execute import prepare_run
    from evidence.runs.record import FAILED_DIR, write_record

    run = prepare_run(tiny, {"n": "3"}, out_root=tmp_path)
    monkeypatch.setattr(batch, "is_fresh", lambda folder, key: True)
    failed = tmp_path / FAILED_DIR / run.run_id
    failed.mkdir(parents=True)
    write_record(failed, record(run.run_id, "failed", error="the kernel died"))
    report = batch.run_batch([run])
    (outcome,) = report.outcomes
    assert outcome.status == "skipped" and "the kernel died" in outcome.note
    assert not failed.exists() and (tmp_path / FAILED_DIR / ".superseded" / run.run_id).is_dir()


@pytest.mark.parametrize(
    "name, text, read_as",
    [
        ("plan.csv", "notebook,country\nroutes,THA\nroutes,KHM\n", "a text"),
        ("plan.yaml", "- notebook: routes\n  parameters: {country: THA}\n", "a list"),
    ],
)
def test_a_plan_that_is_no_mapping_says_a_plan_is_yaml_and_what_the_file_reads_as(
    tmp_path, name, text, read_as
):
    """A plan written as a CSV table of parameter sets (one run a row) was refused "a plan must be a mapping
    with 'notebooks' and 'parameters', or 'runs'": true, but nothing said that a plan is YAML, nor what the
    file was read as; a list of runs without `runs:` the same."""
    from evidence.core.errors import InputError
    from evidence.runs.batch import read_plan

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as refused:
        read_plan(path)
    message = str(refused.value)
    assert "a plan is YAML: a mapping with 'notebooks' and 'parameters', or 'runs'" in message, message
    assert f"this file reads as {read_as}" in message, message
    if name.endswith(".csv"):
        assert "one run a row is written as a list under 'runs:'" in message, message


@pytest.mark.kernel
def test_a_worker_killed_before_it_is_given_a_run_fails_no_run_and_does_not_end_the_batch(tmp_path, tiny):
    """A worker of the pool a batch starts ahead, killed while it started (its kernel, the renderer) before the
    batch gave it a run: the batch ended with a BrokenProcessPool traceback (exit 1, no summary, no run reported;
    measured: `kill -9` of a worker 3 s and 6 s into a batch of four briefs). Its runs go to a fresh pool."""
    import os
    import signal
    import time

    from evidence.runs.batch import BatchPool

    runs = prepare_plan(
        expand_plan({"notebooks": [str(tiny)], "parameters": {"n": [1, 2]}}, base_dir=tmp_path),
        out_root=tmp_path / "runs",
    )
    pool = BatchPool(1, start=True)
    deadline = time.monotonic() + 60  # a guard against a hang, not a speed assertion
    while not getattr(pool.executor, "_processes", None):
        assert time.monotonic() < deadline, "the pool started no worker"
        time.sleep(0.05)
    (worker,) = pool.executor._processes.values()
    os.kill(worker.pid, signal.SIGKILL)
    while not getattr(pool.executor, "_broken", False):  # the pool knows it is broken before a run is given
        assert time.monotonic() < deadline, "the pool did not notice its dead worker"
        time.sleep(0.05)
    report = run_batch(runs, pool=pool)
    assert [o.status for o in report.outcomes] == ["ok", "ok"], report.outcomes


@pytest.mark.kernel
def test_a_batch_says_when_it_gives_out_each_run_it_executes_before_the_run_replaces_its_folder(
    tmp_path, tiny
):
    """`evidence batch` takes a run's brief out of the index as the run is given out (then a batch killed
    outright leaves no link to a brief its run took away): it is told before the run's folder is replaced, and
    not for a run it skips."""
    runs = prepare_plan(
        expand_plan({"notebooks": [str(tiny)], "parameters": {"n": [1, 2]}}, base_dir=tmp_path),
        out_root=tmp_path / "runs",
    )
    told: list[tuple[str, bool]] = []

    def before_run(run):
        told.append((run.run_id, run.folder.exists()))

    assert run_batch(runs, workers=1, before_run=before_run).exit_code == 0
    assert told == [(runs[0].run_id, False), (runs[1].run_id, False)]
    told.clear()
    assert run_batch(runs, workers=1, before_run=before_run).count("skipped") == 2
    assert told == []


def test_a_run_whose_worker_died_is_lost_in_its_step_after_only_if_this_batch_put_it_in_place(tmp_path, tiny):
    """A worker that dies once its run is in its folder (rendering its brief) is not said to have died while
    the run executed; a run in place from before the batch gave it out (`--force`) does not count as executed,
    even one whose record says it ended in the second the run was given out, nor does a run of other inputs.
    A skipped run's job is the step after it alone."""
    import dataclasses
    import os

    from _run_records import record

    from evidence.runs import batch
    from evidence.runs.execute import RunOutcome, prepare_run
    from evidence.runs.record import RECORD_FILE, Timings, write_record

    run = prepare_run(tiny, {"n": "3"}, out_root=tmp_path)
    run.folder.mkdir()
    given_out = 1_772_359_200_500_000_000  # 2026-03-01T10:00:00.5 UTC, in nanoseconds
    second = "2026-03-01T10:00:00+00:00"  # the second it was given out in, as a record says times
    seen = []

    def lost(outcome):
        seen.append(outcome)
        return dataclasses.replace(outcome, note="seen")

    def written(at_ns, key=run.cache_key, ended=second):
        timings = Timings(started=ended, ended=ended, seconds=2.5)
        write_record(
            run.folder, record(run.run_id, "ok", cache_key=key).model_copy(update={"timings": timings})
        )
        os.utime(run.folder / RECORD_FILE, ns=(at_ns, at_ns))

    written(given_out + 4 * 10**9, ended="2026-03-01T10:00:04+00:00")  # executed by this batch, then died
    outcome = batch._lost(batch._Given(run, given_out), lost)
    assert outcome.status == "failed" and outcome.error == batch._WORKER_DIED_AFTER and outcome.note == "seen"
    assert outcome.folder == str(run.folder) and outcome.seconds == 2.5 and seen == [seen[0]]
    # in place before it was given out (a minute before, or in the same second), or of other inputs: killed
    # while executing
    for at_ns, key in (
        (given_out - 60 * 10**9, run.cache_key),
        (given_out - 10**8, run.cache_key),
        (given_out + 4 * 10**9, "other"),
    ):
        written(at_ns, key)
        outcome = batch._lost(batch._Given(run, given_out), lost)
        assert outcome.error == batch._WORKER_DIED and outcome.note is None and len(seen) == 1
    (run.folder / RECORD_FILE).unlink()  # no record at all
    assert batch._lost(batch._Given(run, given_out), lost).error == batch._WORKER_DIED
    skipped = RunOutcome(run.run_id, "tiny", "skipped", str(run.folder))
    outcome = batch._lost(batch._Given(skipped, given_out), None)
    assert (outcome.status, outcome.error) == ("failed", batch._WORKER_DIED_AFTER)
