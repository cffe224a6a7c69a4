"""Warm kernels: started once, with the toolkit's heavy imports loaded, and reused by run after run.

Starting a kernel and importing the toolkit into it costs seconds; executing a country brief in a kernel that
is already up costs about one. A :class:`WarmKernel` is started (and pre-loaded, see
:func:`evidence.notebooks.runtime.warm_up`) once per process — once per worker of a batch — and executes every
run of that process through Papermill's engine interface (the ``evidence-warm`` engine below), so the executed
notebook is the one a plain ``papermill`` run writes.

Between runs the kernel is reset (:func:`evidence.notebooks.runtime.begin_run` and ``end_run``): a new IPython
session with an empty user namespace and execution count 1, the environment and working directory of the new
run, the warning filters and registries, the chart theme. A kernel that dies, hangs past a cell timeout, or
cannot be reset is shut down and replaced by a fresh one; the run it was executing is recorded as failed with
the reason.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import json
import os
import queue
import re
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

#: Papermill engine name of warm execution.
WARM_ENGINE = "evidence-warm"
#: A kernel is replaced after this many runs, so that memory a notebook leaks (caches in libraries) is bounded.
MAX_RUNS_PER_KERNEL = 200
#: Seconds the reset between runs may take before the kernel counts as hung.
RESET_TIMEOUT = 60.0
#: Seconds a kernel that has answered its start has to be heard on its output channel before it counts as deaf
#: (:meth:`WarmKernel.wait_ready`): counted from its answer, not within its start's allowance, so that a start
#: slowed by a loaded machine leaves it as long, and a deaf kernel is replaced this soon however long it took.
IOPUB_CONNECT_TIMEOUT = 60.0


#: The environment variables that size the thread pools of a kernel's libraries: polars, numpy's BLAS, OpenMP.
THREAD_VARIABLES = ("POLARS_MAX_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

#: How many runner processes share this machine (a batch's workers, each with its kernel): see
#: :func:`set_runner_processes`.
_RUNNER_PROCESSES = 1


def set_runner_processes(processes: int) -> None:
    """Say that ``processes`` runners (a batch's workers) share this machine, so their kernels share its cores."""
    global _RUNNER_PROCESSES
    _RUNNER_PROCESSES = max(1, processes)


def kernel_threads(processes: int | None = None) -> int:
    """The threads each kernel's libraries may use when ``processes`` runners (default: as set by
    :func:`set_runner_processes`) share this machine: the cores shared among the kernels and what works beside
    them (chart workers, pandoc, Typst), one at least.

    A brief is thousands of small operations on small tables: spread over a pool as large as the machine, its
    threads spin waiting for each other, and with a batch's kernels, chart workers and renderers on the same
    cores they take turns (measured on 2 cores: a quarter more CPU time for the same cells).
    """
    processes = _RUNNER_PROCESSES if processes is None else max(1, processes)
    return max(1, (os.cpu_count() or 1) // (processes + 1))


def thread_limits(processes: int | None = None) -> dict[str, str]:
    """The thread-pool sizes a kernel is started with (:func:`kernel_threads`), for each of
    :data:`THREAD_VARIABLES` the user has not set (a size the user chose is kept)."""
    threads = str(kernel_threads(processes))
    return {name: threads for name in THREAD_VARIABLES if name not in os.environ}


#: The modules a kernel imports before its first run, or how to list them: worked out after the kernel's process
#: has been started (listing them hashes the toolkit's files, a few hundredths of a second a cold run's kernel
#: need not wait for).
Preload = tuple[str, ...] | Callable[[], tuple[str, ...]]


def _modules(preload: Preload) -> tuple[str, ...]:
    """The modules of ``preload``; none when they cannot be listed (the notebook's own check reports why)."""
    if not callable(preload):
        return preload
    try:
        return preload()
    except Exception:  # noqa: BLE001 - a start-up aid only: the kernel imports what the run needs as it runs
        return ()


class KernelUnusable(RuntimeError):
    """The warm kernel died, hung, or could not be reset or started; it is replaced."""


def _runtime(name: str) -> str:
    return f"__import__('evidence.notebooks.runtime', fromlist=['_']).{name}"


class EarlyKernel:
    """The process of this environment's kernel, started before jupyter_client and zmq are imported (see
    :func:`evidence.runs.kernel.spawn_kernel`): a :class:`WarmKernel` made with it takes it over. Its files
    are named as a warm kernel's (its folder, which holds the connection file, its log, its sockets)."""

    def __init__(self) -> None:
        from evidence.runs.kernel import ipc_prefix, spawn_kernel

        self.ipc = ipc_prefix()
        self.log_path, self.home = _kernel_files()
        self.start_env = _start_env()
        self.connection_file = os.path.join(self.home, "kernel.json")
        try:
            self.process = spawn_kernel(
                self.connection_file, ipc=self.ipc, env=self.start_env, cwd=self.home, log_path=self.log_path
            )
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Stop the process (if started) and remove the files (when no warm kernel takes it over)."""
        from evidence.runs.kernel import remove_ipc_files

        process = getattr(self, "process", None)
        if process is not None:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                process.wait(timeout=5)
        remove_ipc_files(self.ipc)
        self.log_path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            Path(self.connection_file).unlink(missing_ok=True)
            os.rmdir(self.home)


def _kernel_files() -> tuple[Path, str]:
    """A new kernel's log file and folder (between runs its working directory; it holds its connection file),
    named after this process: a runner killed outright leaves them, the next one clears them."""
    owner = _owner()
    log_dir = Path(tempfile.gettempdir()) / "evidence-kernels"
    log_dir.mkdir(parents=True, exist_ok=True)
    return log_dir / f"{owner}-{uuid.uuid4().hex[:12]}.log", tempfile.mkdtemp(
        prefix=f"evidence-kernel-{owner}-"
    )


def _start_env() -> dict[str, str]:
    """What a warm kernel's environment adds to this process's."""
    return {"PYTHONHASHSEED": "0", **thread_limits()}


class WarmKernel:
    """One kernel of this interpreter, started in the background and reused for run after run.

    ``early``: its process, started already (:class:`EarlyKernel`), which it takes over."""

    def __init__(
        self,
        kernel_name: str,
        *,
        start_timeout: float,
        preload: Preload = (),
        early: EarlyKernel | None = None,
    ) -> None:
        from evidence.runs.kernel import ipc_prefix, kernel_manager_class

        self.kernel_name = kernel_name
        self.start_timeout = start_timeout
        self.runs = 0
        self.broken: str | None = None
        if early is not None:
            self._ipc: str | None = early.ipc
            self.log_path, self._home, self._start_env = early.log_path, early.home, early.start_env
        try:
            clean_after_killed_runners()
            if early is None:
                self._ipc = ipc_prefix() if os.name == "posix" else None
                self.log_path, self._home = _kernel_files()
                self._start_env = _start_env()
            adopted = early.process if early is not None else None
            manager_class = kernel_manager_class(self._start_env, self.log_path, ipc=self._ipc, adopt=adopted)
            # The kernel's one zmq context, shared by its manager (control socket) and its client (shell,
            # iopub, stdin, control): made here and destroyed by shutdown(), so the sockets of a kernel that is
            # gone are closed then, not whenever the garbage collector reaches them.
            import zmq.asyncio

            self._context = zmq.asyncio.Context()
            self.km = manager_class(
                kernel_name=kernel_name,
                context=self._context,
                connection_file=os.path.join(self._home, "kernel.json"),
            )
        except BaseException:
            if early is not None:
                early.discard()  # its process is not left running, nor its files
            raise
        self.kc: Any = None
        #: The charts of the run being executed, drawn by the chart workers (set by :meth:`begin`).
        self.run_charts: Any = None
        self._preload: str | None = None
        self._draws_charts = False
        self._ready = False
        try:
            _run(self._launch(preload))
        except BaseException:
            self.shutdown()  # a kernel that could not start leaves nothing open behind (its log, its context)
            if early is not None:
                early.discard()  # a process its manager had not taken over yet
            raise

    async def _launch(self, preload: Preload) -> None:
        await self.km.start_kernel(cwd=self._home)
        self.kc = self.km.client(context=self._context)
        # No heartbeat channel: whether the kernel lives is asked of its manager (is its process running?),
        # here and in nbclient (a client made by a manager asks the manager). The heartbeat's thread, stopped
        # before it has begun beating (a kernel started ahead for a run that turns out unchanged), would
        # open sockets in a loop until zmq refuses ("Too many open files" at 1,023 sockets, and a process
        # limit of 1,024 descriptors reached on the way).
        self.kc.start_channels(hb=False)
        # queued until the kernel listens: the imports run while this process goes on with its own work
        # the environment it was started with: what the kernel sets itself on top (MPLBACKEND, PAGER, ...) is
        # kept for every run, the rest follows each run's environment
        launched = json.dumps({**os.environ, **self._start_env})
        modules = _modules(preload)
        # the runner's chart workers draw the charts (started here, beside the kernel): no converter in it
        code = (
            f"{_runtime('warm_up')}({list(modules)!r}, __import__('json').loads({launched!r}), charts=False)"
        )
        self._preload = self.kc.execute(code, silent=True, store_history=False)
        self._draws_charts = draws_charts(modules)

    def wait_ready(self) -> None:
        """Block until the kernel is up and pre-loaded (within its ``start_timeout``), then heard on its output
        channel (within :data:`IOPUB_CONNECT_TIMEOUT` of its answer); raise :class:`KernelUnusable` if it is
        not."""
        if self._ready:
            return
        try:
            _run(self._await_reply(self._preload or "", self.start_timeout, what="start"))
            _run(self._await_output_channel(IOPUB_CONNECT_TIMEOUT))
        except KernelUnusable:
            raise
        except Exception as exc:
            raise KernelUnusable(f"the kernel did not start: {type(exc).__name__}: {exc}") from exc
        self._ready = True
        self._start_chart_workers()

    def while_starting(self) -> None:
        """What this process does while it waits for the kernel's start, the longest wait of a cold run, on the
        core it would leave idle: start the chart workers, and make nbformat's check of whole notebooks (which
        writing the executed notebook runs, once the cells have run). Idempotent; never raises (start-up aids
        only: what fails is met again, and reported, where it is needed)."""
        if self._ready:
            return
        with contextlib.suppress(Exception):
            self._start_chart_workers()
        with contextlib.suppress(Exception):
            from nbformat.validator import get_validator

            get_validator()  # compiled once per process: a few hundredths of a second

    def _start_chart_workers(self) -> None:
        # the chart workers start once this process is done with its own start (here, or when it waits for
        # the kernel), not beside the kernel: started together on two cores with this process, the three
        # slowed the kernel's start, the longest wait of a cold run
        if self._draws_charts:
            from evidence.runs.chart_workers import chart_workers

            chart_workers().start()

    async def _await_output_channel(self, limit: float) -> None:
        """Wait (``limit`` seconds at most) until a message of the kernel arrives on the output (IOPub) channel,
        asking for kernel info until one does (as jupyter_client's ``wait_for_ready``, which cold runs go
        through, does).

        The channel is a subscription: what the kernel publishes before it has taken effect is dropped, and a
        cell whose outputs (with the "idle" that ends it) are dropped waits out the whole IOPub timeout. A run
        starts only on a kernel that has been heard there."""
        deadline = time.monotonic() + limit
        while True:
            try:
                await self.kc.get_iopub_msg(timeout=0.2)
            except queue.Empty:
                pass
            else:
                return  # what else is queued (the start-up's status messages) the runner skips: not its cells
            if not await self.km.is_alive():
                raise KernelUnusable(f"the kernel died during start{self._log_tail()}")
            if time.monotonic() >= deadline:
                raise KernelUnusable(
                    f"the kernel's output channel (IOPub) did not connect within {limit:.0f} s of its answer"
                )
            self.kc.kernel_info()  # its reply's "busy" and "idle" are published on the channel

    async def _await_reply(self, msg_id: str, timeout: float, *, what: str) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if not await self.km.is_alive():
                raise KernelUnusable(f"the kernel died during {what}{self._log_tail()}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise KernelUnusable(f"the kernel did not answer within {timeout:.0f} s during {what}")
            try:
                reply = await self.kc.get_shell_msg(timeout=min(1.0, remaining))
            except queue.Empty:
                continue
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue  # a late reply to an earlier request
            content = reply.get("content", {})
            if content.get("status") != "ok":
                raise KernelUnusable(
                    f"the kernel failed during {what}: {content.get('ename')}: {content.get('evalue')}"
                )
            return

    def call(self, code: str, *, what: str, timeout: float = RESET_TIMEOUT) -> None:
        """Execute a line of toolkit code in the kernel, outside the notebook's history and outputs."""
        self.wait_ready()
        msg_id = self.kc.execute(code, silent=True, store_history=False)
        _run(self._await_reply(msg_id, timeout, what=what))

    def begin(self, folder: str | Path, env: Mapping[str, str]) -> None:
        """Reset the kernel for a new run in ``folder`` with exactly the environment ``env``; the run's charts
        are drawn by this process's chart workers (:mod:`evidence.runs.chart_workers`)."""
        from evidence.runs.chart_workers import RunCharts

        args = json.dumps({"folder": str(folder), "env": dict(env), "charts_by_runner": True})
        self.call(f"{_runtime('begin_run')}(**__import__('json').loads({args!r}))", what="the reset")
        self.run_charts = RunCharts(folder)

    def end(self, modules_file: str | Path | None = None) -> None:
        """Clear the finished run's namespace and leave its folder (so it can be renamed into place); with
        ``modules_file``, add the modules the kernel has loaded to that list (see :func:`preload_file`)."""
        recorded = str(modules_file) if modules_file else None
        self.call(f"{_runtime('end_run')}({self._home!r}, {recorded!r})", what="the clean-up after the run")
        self.runs += 1

    def alive(self) -> bool:
        try:
            return bool(_run(self.km.is_alive()))
        except Exception:  # noqa: BLE001 - a manager that cannot tell: the kernel is not usable
            return False

    def _log_tail(self, lines: int = 5) -> str:
        try:
            tail = self.log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:]
        except OSError:
            return ""
        return (": " + " | ".join(tail)) if tail else ""

    def shutdown(self, *, wait: bool = True) -> Any:
        """Stop the kernel now, close everything this process held open for it (its sockets, its zmq context,
        its log) and remove its files (idempotent). Each step is taken even if one before it failed.

        ``wait=False``: the kernel is killed but its end is not waited for (a kernel holding a brief's
        libraries takes a tenth of a second to release its memory); its process is returned, to be reaped
        later (:meth:`KernelPool.release`).
        """
        from evidence.runs.kernel import remove_ipc_files

        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()  # closes the client's sockets (linger 0)
        provisioner: Any = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        if process is not None:
            # killed as shutdown_kernel(now=True) kills it (its process group), then waited for here: the
            # manager's own wait looks every tenth of a second
            with contextlib.suppress(Exception):
                _run(provisioner.kill())
                if wait:
                    process.wait(timeout=5)
        if wait or process is None:
            with contextlib.suppress(Exception):
                _run(self.km.shutdown_kernel(now=True))
        with contextlib.suppress(Exception):
            _run(self.km.cleanup_resources())  # the manager's control socket, the kernel's log file
        with contextlib.suppress(Exception):
            self._context.destroy(linger=0)  # any socket still open in it, then the context and its threads
        if self._ipc:
            remove_ipc_files(self._ipc)
        self.log_path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            os.rmdir(self._home)
        self.kc = None
        return None if wait else process


def _owner() -> str:
    """``<host>-<pid>`` of this process, as the files of its kernels name it."""
    from evidence.core.atomic import host_tag

    return f"{host_tag()}-{os.getpid()}"


_OWNED = re.compile(r"^(?:evidence-kernel-)?(?P<host>[A-Za-z0-9_-]+?)-(?P<pid>\d+)-[A-Za-z0-9_]+(?:\.log)?$")
_CLEANED = False


def clean_after_killed_runners() -> list[Path]:
    """Remove the kernel folders (with their connection files) and kernel logs that runners of this machine
    killed outright (``kill -9``, out of memory) left in the temporary folder: those whose process is gone.
    Once per process; returns what it removed."""
    global _CLEANED
    if _CLEANED:
        return []
    _CLEANED = True
    from evidence.core.atomic import clean_stale_files

    temporary = Path(tempfile.gettempdir())
    return [
        *clean_stale_files(temporary, _OWNED, prefix="evidence-kernel-"),
        *clean_stale_files(temporary / "evidence-kernels", _OWNED),
    ]


def _run(awaitable: Any) -> Any:
    from jupyter_core.utils import ensure_event_loop

    return ensure_event_loop().run_until_complete(awaitable)


class KernelPool:
    """The warm kernel of this process (one per batch worker): started on demand, replaced when unusable."""

    def __init__(self) -> None:
        self._kernels: dict[str, WarmKernel] = {}
        self._ending: list[Any] = []  # the processes of kernels released, to be waited for
        self._lock = threading.Lock()

    def launch(
        self,
        kernel_name: str,
        *,
        start_timeout: float,
        preload: Preload = (),
        early: Callable[[], EarlyKernel] | None = None,
    ) -> WarmKernel:
        """The kernel for ``kernel_name``, started (in the background, importing ``preload``: the modules the
        first run's notebook imports) if there is none. ``early``: how to start its process before the rest
        (:class:`EarlyKernel`), when one is started."""
        with self._lock:
            kernel = self._kernels.get(kernel_name)
            if kernel is not None and (kernel.broken or kernel.runs >= MAX_RUNS_PER_KERNEL):
                self._kernels.pop(kernel_name)
                kernel.shutdown()
                kernel = None
            if kernel is None:
                started = early() if early is not None else None
                kernel = WarmKernel(kernel_name, start_timeout=start_timeout, preload=preload, early=started)
                self._kernels[kernel_name] = kernel
            return kernel

    def discard(self, kernel: WarmKernel, reason: str) -> None:
        """Shut down a kernel that is no longer fit for runs; the next run starts a fresh one."""
        kernel.broken = reason
        with self._lock:
            if self._kernels.get(kernel.kernel_name) is kernel:
                self._kernels.pop(kernel.kernel_name)
        kernel.shutdown()

    def shutdown(self) -> None:
        """Stop every kernel of the pool, and wait for the end of those released before."""
        with self._lock:
            kernels, self._kernels = list(self._kernels.values()), {}
            ending, self._ending = self._ending, []
        for kernel in kernels:
            kernel.shutdown()
        for process in ending:
            with contextlib.suppress(Exception):
                process.wait(timeout=5)

    def release(self) -> None:
        """Stop every kernel of the pool without waiting for its end, which :meth:`shutdown` (at exit) waits
        for: a command that has run its last notebook lets its kernel end on another core while it renders."""
        with self._lock:
            kernels, self._kernels = list(self._kernels.values()), {}
        for kernel in kernels:
            process = kernel.shutdown(wait=False)
            if process is not None:
                with self._lock:
                    self._ending.append(process)

    def shutdown_unused(self) -> None:
        """Stop the kernels that have executed no run (started ahead for a run that was then skipped), so they
        stop taking a core."""
        with self._lock:
            unused = [k for k in self._kernels.values() if k.runs == 0]
            self._kernels = {name: k for name, k in self._kernels.items() if k.runs > 0}
        for kernel in unused:
            kernel.shutdown()


_POOL: KernelPool | None = None


def kernel_pool() -> KernelPool:
    """This process's pool (shut down when the process ends, also in a process-pool worker)."""
    global _POOL
    if _POOL is None:
        import multiprocessing.util

        _POOL = KernelPool()
        atexit.register(_POOL.shutdown)
        # workers of a process pool leave through os._exit: atexit does not run there, multiprocessing's
        # finalizers do
        multiprocessing.util.Finalize(_POOL, _POOL.shutdown, exitpriority=10)
    return _POOL


def register_engine() -> None:
    """Make the ``evidence-warm`` engine known to Papermill (idempotent)."""
    from evidence.notebooks.catalog import import_papermill

    import_papermill()
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.utils import merge_kwargs, remove_args

    if WARM_ENGINE in papermill_engines._engines:
        return

    class WarmEngine(NBClientEngine):
        """Papermill's nbclient engine on a kernel that is already running (and stays running).

        ``recorded_paths`` (the notebook's path, the executed notebook's final path) go into the executed
        notebook's Papermill metadata before Papermill writes it (given the notebook's content, Papermill
        would record the whole notebook as its input, and the temporary folder as its output)."""

        @classmethod
        def execute_notebook(
            cls, nb: Any, kernel_name: str, recorded_paths: tuple[str, str] | None = None, **kwargs: Any
        ) -> Any:
            executed = super().execute_notebook(nb, kernel_name, **kwargs)
            if recorded_paths is not None:
                executed.metadata.papermill["input_path"], executed.metadata.papermill["output_path"] = (
                    recorded_paths
                )
            return executed

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man: Any,
            kernel_name: str,
            log_output: bool = False,
            stdout_file: Any = None,
            stderr_file: Any = None,
            start_timeout: float = 60,
            execution_timeout: float | None = None,
            warm_kernel: WarmKernel | None = None,
            **kwargs: Any,
        ) -> Any:
            from papermill.clientwrap import PapermillNotebookClient
            from papermill.log import logger

            if warm_kernel is None:
                raise ValueError("the evidence-warm engine needs warm_kernel=")
            kwargs = remove_args(
                ["input_path", "timeout", "startup_timeout", "kernel_manager_class"], **kwargs
            )
            final = merge_kwargs(
                kwargs,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            # a kernel manager we pass in is not ours to shut down: nbclient leaves the kernel running
            client = _charts_client_class(PapermillNotebookClient)(nb_man, km=warm_kernel.km, **final)
            client.kc = warm_kernel.kc
            # the charts the kernel shows as specs are drawn by the chart workers while the cells run
            charts, warm_kernel.run_charts = warm_kernel.run_charts, None
            client.run_charts = charts
            try:
                return client.execute()
            except Exception as exc:
                # a dead or hung kernel: Papermill writes no notebook for it, so the runner keeps this one,
                # executed as far as it ran (see evidence.runs.execute.keep_partly_executed)
                from evidence.runs.execute import mark_failed_cell

                mark_failed_cell(nb_man, exc)
                exc.partly_executed = nb_man.nb  # type: ignore[attr-defined]
                raise
            finally:
                # the drawn charts go in; one not drawn is an error of its cell, which fails the run (its
                # kernel did nothing wrong)
                if charts is not None:
                    charts.finish(nb_man.nb)

    papermill_engines.register(WARM_ENGINE, WarmEngine)


@functools.cache
def _client_class(base: type) -> type:
    """Papermill's notebook client, reading a cell's outputs in polls of a second rather than one unbounded
    wait: a wake-up of the event loop that is missed (the output socket's descriptor signals edges, not
    levels) then costs a second, not the whole IOPub timeout and the run."""
    from jupyter_core.utils import ensure_async
    from nbclient.exceptions import CellExecutionComplete

    if not hasattr(base, "_async_poll_output_msg"):  # a future nbclient: its own reading, unchanged
        return base

    class PollingClient(base):
        async def _async_poll_output_msg(self, parent_msg_id: str, cell: Any, cell_index: int) -> None:
            while True:
                try:
                    msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=OUTPUT_POLL_SECONDS))
                except (TimeoutError, queue.Empty):
                    continue
                if msg["parent_header"].get("msg_id") == parent_msg_id:
                    try:
                        self.process_message(msg, cell, cell_index)
                    except CellExecutionComplete:
                        return

    return PollingClient


@functools.cache
def _charts_client_class(base: type) -> type:
    """The notebook client of warm runs: :func:`_client_class`, handing each chart the kernel leaves to its
    runner (:data:`~evidence.notebooks.runtime.RUNNER_CHART_MIME`) to ``run_charts`` as it arrives."""
    from evidence.notebooks.runtime import RUNNER_CHART_MIME

    class ChartsClient(_client_class(base)):  # type: ignore[misc]
        run_charts: Any = None

        def output(self, outs: Any, msg: Any, display_id: Any, cell_index: int) -> Any:
            out = super().output(outs, msg, display_id, cell_index)
            if out is not None and self.run_charts is not None and msg.get("msg_type") == "display_data":
                request = msg.get("content", {}).get("data", {}).get(RUNNER_CHART_MIME)
                if request is not None:
                    self.run_charts.take(request, out)
            return out

    return ChartsClient


#: Seconds of one wait for a cell's outputs (see :func:`_client_class`).
OUTPUT_POLL_SECONDS = 1.0


def compile_nbformat_checks() -> None:
    """Have nbformat check the outputs (and cells) it builds against the notebook schema with compiled validators.

    nbclient builds every output a kernel sends with ``nbformat.v4.output_from_msg``, which checks it against
    its part of the schema (``display_data``, ``stream``...); for a part, nbformat falls back to
    ``jsonschema``, which resolves the schema again on every call: over a millisecond an output, a fifth of a
    second for a country brief's outputs, in the process that waits for the kernel. The same part of the same
    schema compiled once (``fastjsonschema``, what nbformat uses for whole notebooks) takes a few hundredths of
    that. What it rejects is checked again the original way, which raises nbformat's own error: what passes
    and what fails, and how, are unchanged. Idempotent; affects this process only.
    """
    from nbformat.v4 import nbbase

    if getattr(nbbase.validate, "compiled_parts", False):
        return
    original = nbbase.validate

    def validate(node: Any, ref: str | None = None) -> Any:
        check = _part_validator(ref) if ref is not None else None
        if check is not None:
            try:
                check(node)
                return None
            except Exception:  # noqa: BLE001, S110 - rejected (or uncheckable): the original decides and says why
                pass
        return original(node, ref)

    validate.compiled_parts = True  # type: ignore[attr-defined]
    validate.original = original  # type: ignore[attr-defined]
    nbbase.validate = validate


@functools.cache
def _part_validator(ref: str) -> Any:
    """The compiled check of one part (``ref``, a definition) of the schema nbformat checks the notebook
    elements it builds against (nbformat 4's current minor version); None for a part the schema lacks."""
    import fastjsonschema
    from nbformat.v4 import nbbase

    schema_file = (
        Path(nbbase.__file__).parent / nbbase.nbformat_schema[(nbbase.nbformat, nbbase.nbformat_minor)]
    )
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    if ref not in schema["definitions"]:
        return None
    return fastjsonschema.compile(
        {"$schema": schema["$schema"], "definitions": schema["definitions"], "$ref": f"#/definitions/{ref}"}
    )


#: Learned pre-load lists kept in the cache folder (the oldest are removed beyond this).
PRELOAD_FILES_KEPT = 50


def preload_file(notebook_sha256: str, toolkit: Mapping[str, str]) -> Path:
    """Where the modules that runs of this notebook (this exact file) with this toolkit (this exact code) load
    are listed: written by the kernels that execute them, read by the next kernel started for it.

    The modules the run kernel defers (:data:`evidence.runs.kernel_launcher.DEFERRED`) are in the key too: a list
    learned by a kernel that executed them names their submodules, which a kernel pre-loading it would import
    (and so execute them) again."""
    from evidence.core.config import cache_dir
    from evidence.runs.kernel_launcher import DEFERRED

    key = hashlib.sha256(
        f"{notebook_sha256}:{json.dumps(dict(toolkit), sort_keys=True)}:{sorted(DEFERRED)}".encode()
    ).hexdigest()
    return cache_dir() / "kernels" / f"preload-{key[:24]}.json"


def preload_modules(notebook_text: str, learned: Path | None = None) -> tuple[str, ...]:
    """What a kernel started for a notebook imports before its first run: the notebook's own imports, then
    the modules its earlier runs loaded (the toolkit imports its heavy libraries only where they are used:
    scipy's optimiser, altair...)."""
    modules = list(notebook_imports(notebook_text))
    if learned is not None:
        try:
            listed = json.loads(learned.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            listed = []
        if isinstance(listed, list):
            modules += [m for m in listed if isinstance(m, str)]
    return tuple(dict.fromkeys(modules))


def prune_preload_files() -> None:
    """Keep the newest :data:`PRELOAD_FILES_KEPT` learned lists (one is written per notebook and toolkit
    version)."""
    from evidence.core.config import cache_dir

    with contextlib.suppress(OSError):
        files = sorted((cache_dir() / "kernels").glob("preload-*.json"), key=lambda p: p.stat().st_mtime)
        for old in files[:-PRELOAD_FILES_KEPT]:
            old.unlink(missing_ok=True)


def release_kernels() -> None:
    """Stop this process's kernels now, without waiting for their end (waited for when the process ends):
    for a command that has run its last notebook. Its chart workers (idle: the run's charts are in its
    notebook) are stopped too, in the background: their end, waited for, is otherwise the last thing the
    command does before it exits."""
    if _POOL is not None:
        _POOL.release()
    charts = sys.modules.get("evidence.runs.chart_workers")
    if charts is not None:
        threading.Thread(
            target=charts.chart_workers().shutdown, name="evidence-chart-workers-end", daemon=True
        ).start()


def stop_unused_kernels() -> None:
    """Stop the kernels this process started ahead that have run nothing (their run was refused or skipped)."""
    if _POOL is not None:
        _POOL.shutdown_unused()


def prestart(
    notebook: str | Path, kernel_name: str | None = None, preload: tuple[str, ...] | None = None
) -> None:
    """Start this process's warm kernel for a run of ``notebook`` now, before the run is checked, so that
    the kernel starts and imports what the notebook needs while this process checks the parameters, hashes
    the data and imports Papermill (two cores at work instead of one after the other). ``preload``: the
    notebook's :func:`notebook_preload`, when known already.

    Only for the default kernel (a kernel the user names is started fresh by the run). Never raises: a
    notebook that cannot be read here is reported by the check that follows; a kernel started for a run that
    turns out to be unchanged (skipped) is stopped when this process ends.
    """
    if kernel_name is not None:
        return
    try:
        from evidence.runs.kernel import ensure_run_kernel

        modules: Preload = () if preload is None else preload
        if preload is None:
            from evidence.notebooks.catalog import find_notebook

            # a notebook that is not there starts no kernel; the list of its modules is worked out (the
            # toolkit's files hashed) once the kernel's process has been started
            modules = functools.partial(notebook_preload, find_notebook(notebook))
        # the kernel's process is started first, before this process imports jupyter_client and zmq to talk
        # to it (on Unix: the early start speaks Unix sockets)
        early = EarlyKernel if os.name == "posix" else None
        kernel_pool().launch(
            ensure_run_kernel(), start_timeout=PRESTART_TIMEOUT, preload=modules, early=early
        )
    except Exception:  # noqa: BLE001, S110 - a start-up aid only: the run starts its kernel itself
        pass


def notebook_preload(notebook: str | Path) -> tuple[str, ...]:
    """What a kernel started for ``notebook`` (a packaged name or a path) imports before its first run
    (:func:`preload_modules`, with what its earlier runs with this toolkit loaded)."""
    from evidence.notebooks.catalog import find_notebook
    from evidence.runs.cache import toolkit_fingerprint

    raw = find_notebook(notebook).read_bytes()
    learned = preload_file(hashlib.sha256(raw).hexdigest(), toolkit_fingerprint())
    return preload_modules(raw.decode("utf-8"), learned)


#: Seconds a kernel started ahead of its run may take to start (as the runner's own start timeout).
PRESTART_TIMEOUT = 300.0


def draws_charts(modules: tuple[str, ...]) -> bool:
    """Whether a notebook importing ``modules`` draws charts (its runs' chart workers start once its kernel is ready)."""
    from evidence.notebooks.runtime import CHART_MODULES

    return bool(CHART_MODULES & set(modules))


def notebook_imports(notebook_text: str) -> tuple[str, ...]:
    """The modules a notebook's code cells import (absolute imports, in order): what a kernel started for it
    loads while the runner prepares the run."""
    import ast

    from evidence.notebooks.catalog import parse_python

    try:
        cells = json.loads(notebook_text).get("cells", [])
    except (ValueError, AttributeError):
        return ()
    modules: list[str] = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        try:
            tree = parse_python("".join(source) if isinstance(source, list) else source)
        except SyntaxError:  # magics, shell escapes: that cell's imports load when it runs
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.append(node.module)
                # `from package import module`: the names may be submodules (warm_up skips those that are not)
                modules.extend(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
    return tuple(dict.fromkeys(modules))
