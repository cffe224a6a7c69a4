"""Warm kernels: reused between runs without leaking state; replaced when they die or hang."""

from __future__ import annotations

import gc
import json
import os
import threading
from pathlib import Path

import pytest
from _notebooks import PYTHON3, write_notebook

from evidence.runs.execute import execute_run, prepare_run, run_unless_fresh
from evidence.runs.warm import (
    THREAD_VARIABLES,
    kernel_pool,
    kernel_threads,
    preload_file,
    prestart,
    set_runner_processes,
    thread_limits,
)

pytestmark = pytest.mark.kernel

POLLUTER = """\
import os, sys, warnings
import altair as alt
leak = "from A"
os.environ["LEAK"] = "A"
os.chdir("/")
sys.path.append("/leak")
warnings.simplefilter("ignore")
warnings.warn("shown in A")
alt.theme.enable("dark")
"""

# What it prints goes out in one write (print() writes its text, then the line's end): the kernel sends what a
# cell writes in pieces as its output buffer is flushed (every 0.2 s, by a thread of its own), so writes one after
# another could arrive as one stream output in one run and as two in another on a loaded machine (seen once: the
# list of names apart from its newline), a difference of timing, not of state.
PROBE = """\
import os, sys, warnings
import altair as alt
names = [k for k in globals() if not k.startswith("_") and k not in ("In", "Out", "exit", "quit", "get_ipython")]
seen = (len(In), os.environ.get("LEAK"), os.getcwd() == os.environ["EVIDENCE_RUN_DIR"], "/leak" in sys.path)
sys.stdout.write(f"{sorted(names)}\\n{' '.join(map(str, seen))}\\n{alt.theme.active}\\n")
warnings.warn("shown in B")
"""


def _notebook(path: Path, parameters: str, *cells: str) -> Path:
    return write_notebook(path, parameters, *cells, kernelspec=PYTHON3)


def _outputs(folder: str | Path, name: str) -> list:
    """What a reader sees of an executed notebook: each code cell's execution count and outputs (timings,
    which live in the metadata, left out)."""
    nb = json.loads((Path(folder) / f"{name}.ipynb").read_text())
    return [(c["execution_count"], c["outputs"]) for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.fixture
def fresh_pool():
    kernel_pool().shutdown()
    yield kernel_pool()
    kernel_pool().shutdown()


@pytest.fixture
def kept_pool():
    """This process's pool as the test before left it, and left as it is for the next: the tests of what a warm
    kernel does with any run (reset before each run, as every run is) take turns on one kernel, started by the
    first of them, rather than a kernel each (~0.25 CPU-s a start); one after a test whose kernel died or hung
    takes the kernel that replaced it. Tests of a kernel's start, or of one kernel across runs, take
    :func:`fresh_pool`."""
    return kernel_pool()


def test_runs_a_then_b_in_one_kernel_give_what_b_gives_alone(tmp_path, fresh_pool):
    polluter = _notebook(tmp_path / "polluter.ipynb", "x: int = 1", POLLUTER)
    probe = _notebook(tmp_path / "probe.ipynb", "y: int = 2", PROBE)
    b = prepare_run(probe, out_root=tmp_path / "runs")

    alone = execute_run(b)
    assert alone.status == "ok", alone.error
    expected = _outputs(alone.folder, "probe")
    kernel = next(iter(fresh_pool._kernels.values()))

    a = execute_run(prepare_run(polluter, out_root=tmp_path / "runs"))
    assert a.status == "ok", a.error
    again = execute_run(b)
    assert again.status == "ok", again.error
    assert next(iter(fresh_pool._kernels.values())) is kernel  # one kernel served all three runs
    assert _outputs(again.folder, "probe") == expected
    text = json.dumps(expected)
    assert "['alt', 'open', 'os', 'sys', 'warnings', 'y']" in text and "None True False" in text
    assert "shown in B" in text and "dark" not in text  # the warning shows, A's chart theme is gone


@pytest.mark.slow
def test_a_country_brief_after_another_is_the_brief_alone(tmp_path, fresh_pool):
    """The real notebook: MMR after THA in one kernel gives MMR's brief as from a kernel of its own."""
    runs = tmp_path / "runs"
    mmr = prepare_run("country_brief", {"country": "MMR"}, out_root=runs)
    alone = execute_run(mmr)
    assert alone.status == "ok", alone.error
    expected = _outputs(alone.folder, "country_brief")
    figures = {p.name: p.read_bytes() for p in (Path(alone.folder) / "figures").iterdir()}
    fresh_pool.shutdown()

    assert execute_run(prepare_run("country_brief", {"country": "THA"}, out_root=runs)).status == "ok"
    again = execute_run(mmr)
    assert again.status == "ok", again.error
    assert _outputs(again.folder, "country_brief") == expected
    assert {p.name: p.read_bytes() for p in (Path(again.folder) / "figures").iterdir()} == figures


@pytest.mark.slow
def test_plain_papermill_still_runs_the_notebooks_unchanged(tmp_path, monkeypatch):
    """The declarations the runner reads (Optional imports, '# check:' lines) are plain Python to Papermill."""
    import papermill

    from evidence.notebooks.catalog import find_notebook

    monkeypatch.delenv("EVIDENCE_DATA", raising=False)
    out = tmp_path / "hidden_population.ipynb"
    papermill.execute_notebook(
        str(find_notebook("hidden_population")),
        str(out),
        parameters={"bootstrap_replicates": 0},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
    )
    executed = json.loads(out.read_text())
    errors = [o for c in executed["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors and "Estimated total population" in out.read_text()


def test_a_warm_run_sees_the_environment_a_fresh_kernel_sees(tmp_path, fresh_pool, monkeypatch):
    """What the runner's environment says now (a variable set or removed since the kernel started), plus
    what a kernel sets for itself (MPLBACKEND, PAGER, ...)."""
    probe = _notebook(
        tmp_path / "env.ipynb",
        "x: int = 1",
        # the toolkit imported as every notebook of it does (polars sets a variable when imported)
        "import json, os\nimport evidence.notebooks\n"
        "print(json.dumps({k: v for k, v in os.environ.items() if k != 'EVIDENCE_RUN_DIR'}))",
    )

    def seen(warm: bool) -> dict:
        outcome = execute_run(prepare_run(probe, out_root=tmp_path / ("warm" if warm else "cold")), warm=warm)
        assert outcome.status == "ok", outcome.error
        cell = json.loads((Path(outcome.folder) / "env.ipynb").read_text())["cells"][-1]
        env = json.loads("".join(cell["outputs"][0]["text"]))
        env.pop("JPY_PARENT_PID")  # the process that started the kernel: this one either way
        return env

    monkeypatch.setenv("EVIDENCE_SET_BEFORE", "1")
    seen(warm=True)  # the kernel starts with EVIDENCE_SET_BEFORE
    monkeypatch.delenv("EVIDENCE_SET_BEFORE")
    monkeypatch.setenv("EVIDENCE_SET_AFTER", "2")
    warm = seen(warm=True)
    assert warm == seen(warm=False)
    assert "EVIDENCE_SET_BEFORE" not in warm and warm["EVIDENCE_SET_AFTER"] == "2" and "MPLBACKEND" in warm


def test_a_kernel_preloads_what_the_earlier_runs_of_its_notebook_loaded(tmp_path, fresh_pool, monkeypatch):
    """The toolkit imports its heavy libraries where they are used, not where a notebook says `import`: the
    next kernel for the notebook learns them from its earlier runs (and imports them before its first run)."""
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    lazy = _notebook(
        tmp_path / "lazy.ipynb",
        "x: int = 1",
        "import sys\nprint('graphlib' in sys.modules)",
        # as the toolkit's functions import their libraries: out of sight of the notebook's own imports
        "import importlib\nimportlib.import_module('graph' + 'lib')",
    )
    run = prepare_run(lazy, out_root=tmp_path / "runs")

    def loaded_at_start() -> str:
        outcome = execute_run(run)
        assert outcome.status == "ok", outcome.error
        cells = _outputs(outcome.folder, "lazy")
        printed = ["".join(o["text"]) for _, outputs in cells for o in outputs if o.get("name") == "stdout"]
        return printed[0].strip()

    assert loaded_at_start() == "False"
    assert "graphlib" in json.loads(preload_file(run.notebook_sha256, run.toolkit).read_text())
    fresh_pool.shutdown()  # the next run starts a new kernel
    assert loaded_at_start() == "True"


def test_a_kernel_started_ahead_runs_the_run_or_stops_when_it_is_skipped(tmp_path, fresh_pool):
    notebook = _notebook(tmp_path / "ahead.ipynb", "x: int = 1", "print(x)")
    prestart(notebook)
    started = next(iter(fresh_pool._kernels.values()))
    run = prepare_run(notebook, out_root=tmp_path / "runs")
    assert run_unless_fresh(run).status == "ok"
    assert next(iter(fresh_pool._kernels.values())) is started and started.runs == 1

    fresh_pool.shutdown()
    prestart(notebook)
    assert fresh_pool._kernels  # started for a run that turns out unchanged...
    assert run_unless_fresh(run).status == "skipped"
    assert not fresh_pool._kernels  # ...and stopped at once
    prestart(tmp_path / "missing.ipynb")  # a start-up aid never raises: the check that follows reports
    assert not fresh_pool._kernels


# ------------------------------------------------------------------------ what a kernel leaves in this process
#: Kernels started and shut down per path. The descriptors a kernel holds in this process (its zmq context,
#: sockets and log: about 17) are all closed when it is shut down; a leak of even one descriptor a kernel (the
#: smallest one found: the log of a kernel that failed to start) exceeds the tolerance below after N kernels.
N_KERNELS = 5
#: Descriptors the process may open or close meanwhile for reasons of its own (pytest's captures, a lazily made
#: event loop): the counts measured over 30 kernels a path came back exactly (benchmarks/kernel_fds.py).
FD_TOLERANCE = 2


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _open_zmq_contexts() -> int:
    import zmq

    return sum(isinstance(o, zmq.Context) and not o.closed for o in gc.get_objects())


@pytest.fixture
def kept_kernels(monkeypatch):
    """Every warm kernel started during the test, kept (with its manager and client) as a traceback or a
    notebook's history may keep them, and the garbage collector off: what is closed is closed by the toolkit,
    not by finalizers."""
    from evidence.runs import warm

    kept: list[warm.WarmKernel] = []

    class Kept(warm.WarmKernel):
        def __init__(self, *args, **kwargs):
            kept.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(warm, "WarmKernel", Kept)
    gc.disable()
    try:
        yield kept
    finally:
        gc.enable()


def _no_heartbeat_thread() -> bool:
    from jupyter_client.channels import HBChannel

    return not any(isinstance(t, HBChannel) for t in threading.enumerate())


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts descriptors in /proc")
@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
@pytest.mark.parametrize(
    "path", ["stopped unused", "replaced after dying", "failed to start", "named kernel failed to start"]
)
def test_kernels_shut_down_leave_no_descriptors_open(tmp_path, fresh_pool, kept_kernels, path):
    """Starting and shutting down kernels, again and again, leaves this process with the descriptors and zmq
    contexts it had: a kernel started ahead and stopped unused (at once: its heartbeat thread, stopped before it
    beat, used to open sockets in a loop up to zmq's limit of 1,023), a kernel that died and was replaced by the
    next run's, a kernel that could not start (warm, or named by the user)."""
    notebook = _notebook(tmp_path / "k.ipynb", "die: bool = False", "import os\nif die:\n    os._exit(3)")
    skipped = prepare_run(notebook, out_root=tmp_path / "runs")
    assert execute_run(skipped).status == "ok"  # what "stopped unused" finds unchanged
    fresh_pool.shutdown()

    def one() -> None:
        if path == "stopped unused":
            prestart(notebook)
            assert fresh_pool._kernels and _no_heartbeat_thread()
            assert run_unless_fresh(skipped).status == "skipped"
        elif path == "replaced after dying":
            died = execute_run(prepare_run(notebook, {"die": True}, out_root=tmp_path / "runs"))
            assert died.status == "failed" and "the kernel died" in died.error
        elif path == "failed to start":
            with pytest.raises(Exception, match="evidence-no-such-kernel"):
                fresh_pool.launch("evidence-no-such-kernel", start_timeout=30)
        else:  # a kernel the user names, started (here: not) by Papermill for the run alone
            named = prepare_run(notebook, out_root=tmp_path / "runs", kernel_name="evidence-no-such-kernel")
            failed = execute_run(named)
            assert failed.status == "failed" and "evidence-no-such-kernel" in failed.error
        assert not fresh_pool._kernels

    one()  # the first kernel's lasting additions (modules, the event loop) are not a leak
    fds, contexts = _open_fds(), _open_zmq_contexts()
    for _ in range(N_KERNELS):
        one()
    warm_kernels = 1 if path == "named kernel failed to start" else N_KERNELS + 2  # the first run's too
    assert len(kept_kernels) == warm_kernels  # all kept: none was collected
    assert abs(_open_fds() - fds) <= FD_TOLERANCE, (
        f"{_open_fds() - fds} descriptors left by {N_KERNELS} kernels"
    )
    assert _open_zmq_contexts() == contexts


# ------------------------------------------------------------------------ a kernel not heard on its output channel
def _deafened(monkeypatch, how_many: int) -> list:
    """The first ``how_many`` warm kernels started from now on lose their output (IOPub) subscription: what
    happens when the kernel publishes before the subscription has taken effect."""
    import zmq

    from evidence.runs import warm

    deaf: list = []
    launch = warm.WarmKernel._launch

    async def _launch(self, preload):
        await launch(self, preload)
        if len(deaf) < how_many:
            self.kc.iopub_channel.socket.setsockopt(zmq.UNSUBSCRIBE, b"")
            deaf.append(self)

    monkeypatch.setattr(warm.WarmKernel, "_launch", _launch)
    return deaf


def test_a_kernel_not_heard_on_its_output_channel_is_not_ready(fresh_pool, monkeypatch):
    from evidence.runs import warm
    from evidence.runs.execute import KERNEL_START_TIMEOUT
    from evidence.runs.kernel import ensure_run_kernel
    from evidence.runs.warm import KernelUnusable

    # a deaf kernel is waited for the whole allowance: 2 s (it was 8 s, waited for in vain)
    monkeypatch.setattr(warm, "IOPUB_CONNECT_TIMEOUT", 2.0)
    deaf = _deafened(monkeypatch, 1)
    kernel = fresh_pool.launch(ensure_run_kernel(), start_timeout=KERNEL_START_TIMEOUT)
    with pytest.raises(KernelUnusable, match=r"output channel \(IOPub\) did not connect within 2 s"):
        kernel.wait_ready()
    assert deaf == [kernel]


def _slow_to_start(monkeypatch, seconds: float) -> None:
    """Warm kernels started from now on answer their start ``seconds`` late, as on a loaded machine (CI: the
    fast lane's workers, the kernel lane's and mypy on two cores): a last request held in the kernel stands for
    the start's answer."""
    from evidence.runs import warm

    launch = warm.WarmKernel._launch

    async def _launch(self, preload):
        await launch(self, preload)
        self._preload = self.kc.execute(
            f"__import__('time').sleep({seconds!r})", silent=True, store_history=False
        )

    monkeypatch.setattr(warm.WarmKernel, "_launch", _launch)


def test_a_kernel_slow_to_start_and_not_heard_is_not_ready_for_not_being_heard(fresh_pool, monkeypatch):
    """CI on a loaded machine: the output channel's wait shared the start's allowance, so a kernel whose start
    took most of it was left a moment to be heard (the tests above gave the whole start 8 s, and a start slower
    than that failed "did not answer within 8 s during start" instead). The channel has a wait of its own from
    the kernel's answer; here the answer comes 9 s late, within a start allowance of 60 s (the deaf kernel used
    to be waited for until that allowance was up)."""
    from evidence.runs import warm
    from evidence.runs.kernel import ensure_run_kernel
    from evidence.runs.warm import KernelUnusable

    monkeypatch.setattr(warm, "IOPUB_CONNECT_TIMEOUT", 2.0)  # far less than the 9 s the answer takes
    _slow_to_start(monkeypatch, 9)
    deaf = _deafened(monkeypatch, 1)
    kernel = fresh_pool.launch(ensure_run_kernel(), start_timeout=60)
    with pytest.raises(KernelUnusable, match=r"output channel \(IOPub\) did not connect within 2 s"):
        kernel.wait_ready()
    assert deaf == [kernel]


def test_a_run_whose_kernel_is_not_heard_gets_a_fresh_one(tmp_path, fresh_pool, monkeypatch):
    """The cell outputs of a kernel whose output channel is not connected would be lost (the run waiting out
    the IOPub timeout): the kernel is replaced before the run begins, once, and the run goes on."""
    from evidence.runs import warm

    # the start keeps the runner's own allowance. A deaf kernel is waited for the whole of this one, three times
    # here (it was 8 s, 24 s of waiting): a kernel that is heard is heard at once, its start's messages queued
    # on the channel by the time it answers, so 3 s leaves it ample time even on a loaded machine
    monkeypatch.setattr(warm, "IOPUB_CONNECT_TIMEOUT", 3.0)
    deaf = _deafened(monkeypatch, 1)
    notebook = _notebook(tmp_path / "heard.ipynb", "x: int = 1", "print(x + 1)")
    outcome = execute_run(prepare_run(notebook, out_root=tmp_path / "runs"))
    assert outcome.status == "ok", outcome.error
    assert _outputs(outcome.folder, "heard")[-1][1][0]["text"] == ["2\n"]
    (kernel,) = fresh_pool._kernels.values()
    assert kernel is not deaf[0] and deaf[0].kc is None  # the deaf one was shut down

    deaf = _deafened(monkeypatch, 2)  # the fresh kernel is not heard either: the run fails, saying why
    fresh_pool.shutdown()
    failed = execute_run(prepare_run(notebook, {"x": 2}, out_root=tmp_path / "runs"))
    assert failed.status == "failed" and "output channel (IOPub) did not connect" in failed.error
    assert not fresh_pool._kernels


#: What makes a notebook one that draws charts (:data:`evidence.notebooks.runtime.CHART_MODULES`), for the tests of
#: when its chart workers start: the converter itself, which its kernel imports in a hundredth of a CPU-second;
#: the toolkit's chart module (polars, altair) took ~0.7 CPU-seconds a kernel, for what they check (the runner's
#: start of the workers, which only asks whether a chart module is imported) alike.
CHARTS_IMPORT = "import vl_convert"


def test_a_kernel_started_ahead_starts_its_chart_workers_once_it_is_ready(tmp_path, fresh_pool, monkeypatch):
    """The chart workers of a notebook that draws charts start when its kernel is ready, not beside its start:
    three processes starting at once on two cores delayed the kernel, the longest wait of a cold brief."""
    from evidence.runs import chart_workers

    workers = chart_workers.ChartWorkers(1)
    monkeypatch.setattr(chart_workers, "_WORKERS", workers)
    notebook = _notebook(tmp_path / "charts.ipynb", "x: int = 1", CHARTS_IMPORT)
    try:
        prestart(notebook)
        kernel = next(iter(fresh_pool._kernels.values()))
        assert workers._workers == []  # not while the kernel starts
        kernel.wait_ready()
        assert len(workers._workers) == 1 and workers._workers[0].alive()
    finally:
        workers.shutdown()


def test_the_runner_starts_the_chart_workers_and_nbformats_check_while_it_waits_for_the_kernel(
    tmp_path, fresh_pool, monkeypatch
):
    """Done with its own start, the runner waits for the kernel's (the longest wait of a cold brief) on a core
    it leaves idle: the chart workers start then, and nbformat's check of whole notebooks (which writing the
    executed notebook runs) is compiled, not after the cells. Once the kernel is ready, nothing is started twice."""
    from nbformat import validator

    from evidence.runs import chart_workers

    workers = chart_workers.ChartWorkers(1)
    monkeypatch.setattr(chart_workers, "_WORKERS", workers)
    monkeypatch.setattr(validator, "validators", {})
    notebook = _notebook(tmp_path / "charts.ipynb", "x: int = 1", CHARTS_IMPORT)
    try:
        prestart(notebook)
        kernel = next(iter(fresh_pool._kernels.values()))
        kernel.while_starting()
        assert not kernel._ready  # still starting: ready only once wait_ready() has heard it
        assert len(workers._workers) == 1 and workers._workers[0].alive()
        assert validator.validators  # compiled
        first = workers._workers[0]
        kernel.wait_ready()
        kernel.while_starting()
        assert workers._workers == [first]
    finally:
        workers.shutdown()


@pytest.mark.parametrize(
    ("cores", "processes", "threads"),
    [(2, 1, 1), (1, 1, 1), (4, 1, 2), (16, 1, 8), (16, 3, 4), (16, 8, 1), (2, 2, 1)],
)
def test_a_kernels_threads_are_its_share_of_the_cores(monkeypatch, cores, processes, threads):
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert kernel_threads(processes) == threads


def test_a_thread_pool_size_the_user_set_is_kept(monkeypatch):
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "5")
    limits = thread_limits(1)
    assert "OMP_NUM_THREADS" not in limits and set(limits) == set(THREAD_VARIABLES) - {"OMP_NUM_THREADS"}


def test_a_kernel_sizes_its_thread_pools_to_its_share_but_its_runs_do_not_see_it(
    tmp_path, fresh_pool, monkeypatch
):
    """polars' pool is the kernel's share of the cores (a batch's workers share them); the run's environment is
    still the runner's (no size it did not set), and a size the user set reaches the kernel as it is."""
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "5")
    monkeypatch.setattr(os, "cpu_count", lambda: 12)
    probe = _notebook(
        tmp_path / "threads.ipynb",
        "x: int = 1",
        "import json, os\nimport polars\n"
        "print(json.dumps([polars.thread_pool_size(), os.environ.get('POLARS_MAX_THREADS'), "
        "os.environ.get('OMP_NUM_THREADS')]))",
    )
    set_runner_processes(11)  # 12 cores among 11 kernels and what works beside them: 1 thread each
    try:
        outcome = execute_run(prepare_run(probe, out_root=tmp_path / "out"), warm=True)
    finally:
        set_runner_processes(1)
    assert outcome.status == "ok", outcome.error
    cell = json.loads((Path(outcome.folder) / "threads.ipynb").read_text())["cells"][-1]
    assert json.loads("".join(cell["outputs"][0]["text"])) == [1, None, "5"]


def test_the_files_of_kernels_whose_runner_was_killed_are_removed(tmp_path, monkeypatch):
    # `kill -9` of a run or a batch left each kernel's folder, its connection file (tmpXXXX.json) and its log in
    # the temporary folder, for good: they name their runner now, and the next runner removes those of runners
    # that are gone (on this machine)
    import tempfile

    from evidence.core.atomic import host_tag
    from evidence.runs import warm

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(warm, "_CLEANED", False)
    here, dead = host_tag(), 999999999
    logs = tmp_path / "evidence-kernels"
    logs.mkdir()
    gone = [tmp_path / f"evidence-kernel-{here}-{dead}-a1b2c3d4", logs / f"{here}-{dead}-0123456789ab.log"]
    kept = [
        tmp_path / f"evidence-kernel-{here}-{os.getpid()}-a1b2c3d4",  # a runner still running
        tmp_path / f"evidence-kernel-otherhost-{dead}-a1b2c3d4",
        logs / f"otherhost-{dead}-0123456789ab.log",
    ]
    for path in [*gone, *kept]:
        if path.suffix == ".log":
            path.write_text("log")
        else:
            path.mkdir()
            (path / "kernel.json").write_text("{}")
    assert sorted(warm.clean_after_killed_runners()) == sorted(gone)
    assert all(path.exists() for path in kept) and not any(path.exists() for path in gone)
    assert warm.clean_after_killed_runners() == []  # once per process


@pytest.mark.kernel
def test_a_warm_kernel_keeps_its_connection_file_in_its_own_folder(tmp_path, monkeypatch):
    import tempfile

    from evidence.runs.kernel import ensure_run_kernel
    from evidence.runs.warm import WarmKernel

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    kernel = WarmKernel(ensure_run_kernel(), start_timeout=120)
    try:
        kernel.wait_ready()
        home = Path(kernel.km.connection_file).parent
        assert home.name.startswith("evidence-kernel-") and f"-{os.getpid()}-" in home.name
        assert f"-{os.getpid()}-" in kernel.log_path.name
    finally:
        kernel.shutdown()
    assert [p.name for p in tmp_path.iterdir()] == ["evidence-kernels"]
    assert list((tmp_path / "evidence-kernels").iterdir()) == []


def test_a_command_that_has_run_its_last_notebook_lets_its_chart_workers_go_without_waiting(monkeypatch):
    # their end (killed, then waited for) was the last thing `evidence brief` did before it exited, after the
    # brief was written: they are idle once the run's charts are in its notebook, and end while it renders
    from evidence.runs import chart_workers, warm

    stopping, release, ended = threading.Event(), threading.Event(), threading.Event()

    class Workers:
        def shutdown(self) -> None:  # as a worker's end: killed, then waited for
            stopping.set()
            release.wait(5)
            ended.set()

    monkeypatch.setattr(chart_workers, "chart_workers", Workers)
    monkeypatch.setattr(warm, "_POOL", None)
    warm.release_kernels()
    assert not ended.is_set()  # returned while the workers are still ending
    assert stopping.wait(5)
    release.set()
    assert ended.wait(5)


# ------------------------------------------------------------------------ tests taking turns on one kernel
# (kept_pool): one after another, each on the kernel the test before left (the first starts it)


def test_a_runs_kernel_keeps_its_inputs_in_memory_only(tmp_path, kept_pool):
    # no SQLite history written per cell and per reset; In, Out and the execution counts are as before
    probe = _notebook(
        tmp_path / "history.ipynb",
        "z: int = 3",
        "print(get_ipython().history_manager.enabled)",
        "print(len(In), In[-1])",
    )
    outcome = execute_run(prepare_run(probe, out_root=tmp_path / "runs"))
    assert outcome.status == "ok", outcome.error
    outputs = _outputs(outcome.folder, "history")
    assert [count for count, _ in outputs] == [1, 2, 3, 4]  # the injected parameters' cell is one of them
    assert "".join(outputs[2][1][0]["text"]) == "False\n"
    assert "".join(outputs[3][1][0]["text"]) == "5 print(len(In), In[-1])\n"  # In[0] is empty


def test_a_kernel_that_dies_is_replaced_and_its_run_failed(tmp_path, kept_pool):
    notebook = _notebook(tmp_path / "dies.ipynb", "die: bool = False", "import os\nif die:\n    os._exit(3)")
    died = execute_run(prepare_run(notebook, {"die": True}, out_root=tmp_path))
    assert died.status == "failed" and "the kernel died" in died.error
    assert json.loads((Path(died.folder) / "run.json").read_text())["error"] == died.error
    assert not kept_pool._kernels  # the dead kernel is gone from the pool
    after = execute_run(prepare_run(notebook, {"die": False}, out_root=tmp_path))
    assert after.status == "ok", after.error


def test_a_hung_kernel_is_replaced_and_its_run_failed(tmp_path, kept_pool):
    notebook = _notebook(
        tmp_path / "hangs.ipynb", "hang: bool = False", "import time\nif hang:\n    time.sleep(600)"
    )
    hung = execute_run(prepare_run(notebook, {"hang": True}, out_root=tmp_path, cell_timeout=3))
    assert hung.status == "failed" and "timed out" in hung.error and "replaced" in hung.error
    assert not kept_pool._kernels
    after = execute_run(prepare_run(notebook, {"hang": False}, out_root=tmp_path, cell_timeout=60))
    assert after.status == "ok", after.error


def test_outputs_that_come_over_several_seconds_are_all_read(tmp_path, kept_pool):
    """The runner reads a cell's outputs in polls of a second (a missed wake-up costs one poll): outputs
    spread over several polls all arrive, in order."""
    from evidence.runs import warm

    notebook = _notebook(
        tmp_path / "slow.ipynb",
        "x: int = 1",
        f"import time\nprint('a', flush=True)\ntime.sleep(2.5 * {warm.OUTPUT_POLL_SECONDS!r})\nprint('b')",
    )
    outcome = execute_run(prepare_run(notebook, out_root=tmp_path / "runs"))
    assert outcome.status == "ok", outcome.error
    assert "".join(line for o in _outputs(outcome.folder, "slow")[-1][1] for line in o["text"]) == "a\nb\n"


def test_a_released_kernel_ends_without_being_waited_for_and_is_reaped_at_shutdown(tmp_path, kept_pool):
    """A command that has run its last notebook releases its kernel (killed, its files removed, its end not
    waited for); the pool's shutdown at exit waits for that end, so no process is left unreaped."""
    outcome = execute_run(
        prepare_run(_notebook(tmp_path / "one.ipynb", "x: int = 1", "print(x)"), out_root=tmp_path / "out"),
        warm=True,
    )
    assert outcome.status == "ok", outcome.error
    (kernel,) = kept_pool._kernels.values()
    process, connection = kernel.km.provisioner.process, Path(kernel.km.connection_file)
    kept_pool.release()
    assert not kept_pool._kernels and not connection.exists() and kernel.kc is None
    kept_pool.shutdown()
    assert process.returncode is not None and not kept_pool._ending
