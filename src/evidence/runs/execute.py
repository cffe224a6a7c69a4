"""One parameterised run of a notebook, into its own folder, atomically.

:func:`prepare_run` does everything that can fail without a kernel: it reads the notebook's declared
parameters, checks and coerces the given values (and the checks between them), hashes the data files and
names the run folder. Then :func:`execute_run` executes the notebook with Papermill — in this process's warm
kernel (:mod:`evidence.runs.warm`), or in a fresh kernel for a kernel the user names — into a temporary folder
beside the final one (``.<run_id>.<host>-<pid>.<random>.part``; the kernel's working directory and
``EVIDENCE_RUN_DIR``, so figures land inside it) and, on success, swaps it into ``<out_root>/<run_id>``.

The swap holds a lock (``flock`` on the runs folder), so two identical runs started together replace the folder
one after the other, and exchanges the two folders in one atomic step where the system can
(Linux ``renameat2``); elsewhere the old run is moved aside first, and if the process is killed before the
new one is in place, the next run or batch puts the old one back. A failed run is moved to
``<out_root>/failed/<run_id>`` (with the partly executed notebook and the error in ``run.json``) and never
replaces an earlier successful run; a killed run leaves only its temporary folder, which the next run or batch
on this machine removes once its process is gone. A run that cannot write its results (a full disk) is
recorded as failed and its temporary folder removed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import logging
import math
import os
import platform
import re
import secrets
import shutil
import socket
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from evidence.core.atomic import exchange, folder_lock, host_tag, process_alive
from evidence.core.errors import InputError, ParameterError
from evidence.notebooks.catalog import NotebookSpec, read_notebook
from evidence.notebooks.runtime import RUN_DIR_ENV, data_files, read_provenance
from evidence.runs.cache import cache_key, data_fingerprints, is_fresh, toolkit_fingerprint
from evidence.runs.params import resolve_parameters, run_id
from evidence.runs.record import (
    FAILED_DIR,
    RECORD_FILE,
    SUPERSEDED_DIR,
    NotebookInfo,
    PythonInfo,
    RunRecord,
    Timings,
    read_record,
    write_record,
)
from evidence.runs.selection_check import refuse_list_capture, settle_selection

DEFAULT_OUT_ROOT = Path("reports") / "runs"
LOG_FILE = "run.log"
#: Seconds a kernel may take to start. Papermill's 60 are too few on a busy machine (a parallel batch on a
#: shared server), and a slow start is not the notebook's fault.
KERNEL_START_TIMEOUT = 300
#: Seconds to wait for a cell's last outputs after the kernel has replied. Papermill makes running out of
#: this wait an error, and nbclient's 4 s failed runs of finished cells on a loaded machine (a batch of two
#: workers at load ~4); a kernel that truly stops sending is still caught, by this or the cell timeout.
IOPUB_TIMEOUT = 120
#: What a write refused for want of room says: a full disk, a quota, a file size limit (``ulimit -f``).
_NO_ROOM = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_TEMP = re.compile(
    r"^\.(?P<run>.+)\.(?P<host>[A-Za-z0-9_-]+?)-(?P<pid>\d+)\.[A-Za-z0-9_]+\.(?P<kind>part|old)$"
)


@dataclasses.dataclass(frozen=True)
class PreparedRun:
    """A checked run, ready to execute anywhere the same paths are visible (it is picklable)."""

    run_id: str
    notebook_name: str
    notebook_path: str
    notebook_sha256: str
    parameters: dict[str, Any]
    data: list[dict[str, str]]
    toolkit: dict[str, str]
    cache_key: str
    out_root: str
    kernel_name: str | None = None
    cell_timeout: float | None = None
    kernel_env: dict[str, str] = dataclasses.field(default_factory=dict)
    # the notebook as read and hashed when the run was checked: a batch executes exactly that, even if the
    # file is edited while the batch runs
    notebook_text: str = dataclasses.field(default="", repr=False)

    @property
    def folder(self) -> Path:
        return Path(self.out_root) / self.run_id

    @property
    def failed_folder(self) -> Path:
        return Path(self.out_root) / FAILED_DIR / self.run_id

    @property
    def superseded_folder(self) -> Path:
        """Where a failed attempt of a run served unchanged from its good run is set aside."""
        return Path(self.out_root) / FAILED_DIR / SUPERSEDED_DIR / self.run_id


@dataclasses.dataclass(frozen=True)
class RunOutcome:
    """What became of a run: ``status`` is "ok", "failed", "skipped" (unchanged since a successful run) or
    "empty" (its selection holds no victims: not executed, ``error`` says why)."""

    run_id: str
    notebook: str
    status: str
    folder: str
    seconds: float = 0.0
    error: str | None = None
    #: a skipped run's failed attempt set aside (:func:`set_aside_failed_attempt`): what it was and where it went
    note: str | None = None


def prepare_run(
    notebook: str | Path | NotebookSpec,
    parameters: Mapping[str, Any] | None = None,
    *,
    out_root: str | Path = DEFAULT_OUT_ROOT,
    kernel_name: str | None = None,
    base_dir: str | Path | None = None,
    cell_timeout: float | None = None,
    allow_empty: bool = False,
) -> PreparedRun:
    """Check a run's parameters against the notebook's declaration and fix its inputs; no kernel starts.

    Raises :class:`~evidence.core.errors.ParameterError` for unknown names, wrong types, unknown countries,
    values outside the declared choices and missing data files. A notebook that declares its selection
    (``# selection:``) gets empty years filled from the data, and a selection without victims is refused
    (:class:`~evidence.runs.selection_check.EmptySelectionError`) unless ``allow_empty``.
    """
    cell_timeout = whole_seconds(cell_timeout)
    spec = notebook if isinstance(notebook, NotebookSpec) else read_notebook(notebook)
    resolved = resolve_parameters(spec, parameters or {}, base_dir=base_dir)
    files, fallback = _run_data_files(spec, resolved)
    # a list-capture file for a notebook of tables: refused here, not in a kernel
    refuse_list_capture(spec, files)
    if spec.selection is not None:
        selected = (
            _run_data_files(spec, resolved, only=spec.selection.data)[0] if spec.selection.data else files
        )
        resolved = settle_selection(spec, resolved, selected, allow_empty=allow_empty)
    data = data_fingerprints(files)
    toolkit = toolkit_fingerprint()
    return PreparedRun(
        run_id=run_id(spec, resolved),
        notebook_name=spec.name,
        notebook_path=str(spec.path),
        notebook_sha256=spec.sha256,
        parameters=resolved,
        data=data,
        toolkit=dict(toolkit),
        cache_key=cache_key(spec.sha256, resolved, data, toolkit),
        out_root=str(Path(out_root).resolve()),
        kernel_name=kernel_name,
        cell_timeout=cell_timeout,
        # an empty data parameter means "configured, else demo": the kernel must load exactly the files hashed
        # here, whatever its own environment says
        kernel_env={"EVIDENCE_DATA": os.pathsep.join(map(str, fallback))} if fallback else {},
        notebook_text=spec.text,
    )


def whole_seconds(timeout: float | None) -> int | None:
    """A cell timeout as the notebook client takes it: whole seconds, rounded up (a fraction failed every run
    with a TraitError); zero or less, which the client reads as no timeout at all, is refused."""
    if timeout is None:
        return None
    if not timeout > 0:  # NaN too
        raise ParameterError(f"--timeout must be a number of seconds above 0, got {timeout:g}")
    return math.ceil(timeout)


def _run_data_files(
    spec: NotebookSpec, parameters: Mapping[str, Any], *, only: str | None = None
) -> tuple[list[Path], list[Path]]:
    """The data files the notebook will load (its data-file parameters' values, or ``only`` that one's, or
    what an empty list means: the configured data, else the demo data), and those of them that an empty list
    stands for."""
    files: list[Path] = []
    fallback: list[Path] = []
    for name, param in spec.parameters.items():
        if param.validator != "data_files" or name not in parameters or (only and name != only):
            continue
        value = parameters[name]
        if not param.type.is_sequence:  # one optional file: None means none, not the configured data
            files.extend(data_files([value]) if value else [])
            continue
        resolved = data_files(value)
        files.extend(resolved)
        if not value:
            fallback.extend(resolved)
    return files, fallback


class _CheckedParameters(logging.Filter):
    """Papermill's own parameter inference cannot read every annotation (``str | None``) and warns about
    "unknown" parameters; the runner has checked them against the declaration already, so that is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Passed unknown parameter")


_PAPERMILL_FILTER = _CheckedParameters()

#: The loggers of the notebook client (Papermill hands its own to nbclient, whose kernel manager logs to
#: traitlets'): with no handler, Python printed their warnings raw on the terminal ("Kernel died while waiting
#: for execute reply." above a batch's summary, which already reports the failed run and why).
_CLIENT_LOGGERS = ("papermill", "nbclient", "traitlets")


@contextlib.contextmanager
def _client_log_to(log: Any) -> Iterator[None]:
    """While a run executes, what the notebook client logs goes to the run's ``run.log`` (``log``, open),
    beside the kernel's own messages, and is not printed; a host that configured logging still gets it."""
    handler = logging.StreamHandler(log)
    handler.setFormatter(logging.Formatter("[%(name)s %(levelname)s] %(message)s"))
    loggers = [logging.getLogger(name) for name in _CLIENT_LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def execute_run(run: PreparedRun, *, warm: bool | None = None) -> RunOutcome:
    """Execute a prepared run into its folder (atomically); never raises for a failing notebook, a dead or hung
    kernel or a full disk (the outcome says why the run failed).

    ``warm`` (default: unless the run names its own kernel) executes in this process's warm kernel, started
    on the first run and reused by the next ones. Raises :class:`~evidence.core.errors.InputError` when the
    runs folder cannot be written at all (read-only).
    """
    from evidence.runs.kernel import ensure_run_kernel, ipc_prefix, kernel_manager_class, remove_ipc_files

    warm = run.kernel_name is None if warm is None else warm
    kernel = run.kernel_name or ensure_run_kernel()
    tmp = _start_folder(Path(run.out_root), run.run_id)
    warm_kernel = None
    # from here the temporary folder is the run's to remove: an interrupt (Ctrl-C while the kernel starts or
    # Papermill is imported) or an error before the notebook executes leaves none behind, nor a kernel
    try:
        # the kernel starts (and imports what the notebook imports) while this process imports Papermill
        warm_kernel = _launch_warm(kernel, run) if warm else None

        import nbformat

        from evidence.notebooks.catalog import import_papermill

        papermill = import_papermill()
        from papermill.exceptions import PapermillExecutionError

        from evidence.runs.warm import compile_nbformat_checks

        logging.getLogger("papermill").addFilter(_PAPERMILL_FILTER)  # adding the same filter twice is a no-op
        compile_nbformat_checks()  # each output the kernel sends is checked, in microseconds
        env = {**run.kernel_env, RUN_DIR_ENV: str(tmp), "PYTHONHASHSEED": "0"}
        executed = f"{run.notebook_name}.ipynb"
        # the run kernel speaks IPC (no TCP port races between parallel runs); a kernel the user names may
        # only know TCP
        sockets = ipc_prefix() if not warm and run.kernel_name is None and os.name == "posix" else None
        started, t0 = now(), time.perf_counter()
        error: str | None = None
        options: dict[str, Any] = {
            "parameters": run.parameters,
            "kernel_name": kernel,
            "language": "python",
            "progress_bar": False,
            "log_output": False,
            "request_save_on_cell_execute": False,
            "execution_timeout": run.cell_timeout,
            "start_timeout": KERNEL_START_TIMEOUT,
            "iopub_timeout": IOPUB_TIMEOUT,
        }
        source = nbformat.reads(run.notebook_text, as_version=4) if run.notebook_text else run.notebook_path
    except BaseException as exc:
        if warm_kernel is not None:
            interrupted = isinstance(exc, (KeyboardInterrupt, SystemExit))
            _discard(warm_kernel, "interrupted" if interrupted else str(exc))
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    paths_recorded = False  # whether Papermill wrote the notebook with the paths of a successful run
    unwritten: OSError | None = None  # the runner's own write that failed (a full disk): no result to keep
    try:
        with open(tmp / LOG_FILE, "a", encoding="utf-8") as log, _client_log_to(log):
            if warm_kernel is not None:
                from evidence.runs.warm import WARM_ENGINE, KernelUnusable, register_engine

                register_engine()
                warm_kernel.while_starting()  # this process's own start is done: the wait put to use
                try:
                    warm_kernel.wait_ready()
                except KernelUnusable as exc:  # it did not start: not the run's doing, so a fresh one, once
                    _discard(warm_kernel, str(exc))
                    warm_kernel = _launch_warm(kernel, run)
                    warm_kernel.wait_ready()
                warm_kernel.begin(tmp, {**os.environ, **env})
                papermill.execute_notebook(
                    source,
                    str(tmp / executed),
                    engine_name=WARM_ENGINE,
                    warm_kernel=warm_kernel,
                    # as the record of a successful run says them (a failed one is corrected below)
                    recorded_paths=(run.notebook_path, str(run.folder / executed)),
                    stdout_file=log,
                    stderr_file=log,
                    **options,
                )
                paths_recorded = True
            else:
                papermill.execute_notebook(
                    source,
                    str(tmp / executed),
                    stdout_file=log,
                    stderr_file=log,
                    kernel_manager_class=kernel_manager_class(env, tmp / LOG_FILE, ipc=sockets),
                    resources={
                        "metadata": {"path": str(tmp)}
                    },  # the kernel's cwd, without a process-wide chdir
                    **options,
                )
    except PapermillExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue} (in cell {exc.cell_index})"
    except (KeyboardInterrupt, SystemExit):
        if warm_kernel is not None:
            _discard(warm_kernel, "interrupted")
            warm_kernel = None
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except Exception as exc:  # noqa: BLE001 - a dead or hung kernel, a bad notebook: the run failed
        error = _reason(exc)
        if isinstance(exc, OSError) and exc.errno in _NO_ROOM:
            unwritten = exc  # the executed notebook cut short by a full disk: handled as the record's write
        else:
            with contextlib.suppress(Exception):  # a run whose notebook cannot be kept is still recorded
                keep_partly_executed(getattr(exc, "partly_executed", None), tmp / executed)
        if warm_kernel is not None:  # whatever state it is in, it is not fit for the next run
            _discard(warm_kernel, error)
            warm_kernel = None
    finally:
        if sockets:
            remove_ipc_files(sockets)
        if warm_kernel is not None:
            _finish_warm(warm_kernel, run)
    seconds = time.perf_counter() - t0
    status = "ok" if error is None else "failed"
    target = run.folder if status == "ok" else run.failed_folder
    try:
        if unwritten is not None:
            raise unwritten
        if not (paths_recorded and status == "ok"):
            _record_paths(tmp / executed, run.notebook_path, target / executed)
        record = _record(run, status, error, tmp, executed, kernel, started, seconds)
        write_record(tmp, record)
        _swap_into_place(tmp, target)
    except OSError as exc:  # a full disk, a folder made read-only under the run: no half-written run is left
        shutil.rmtree(tmp, ignore_errors=True)
        reason = f"could not write the run's results: {_os_reason(exc)}"
        error = f"{error}; {reason}" if error and exc is not unwritten else reason
        _record_failure(run, error, kernel, started, seconds)
        return RunOutcome(run.run_id, run.notebook_name, "failed", str(run.failed_folder), seconds, error)
    if (
        status == "ok"
    ):  # an earlier failure of this run is resolved, and one set aside beside the run replaced
        for resolved in (run.failed_folder, run.superseded_folder):
            if resolved.exists():
                shutil.rmtree(resolved, ignore_errors=True)
    return RunOutcome(run.run_id, run.notebook_name, status, str(target), seconds, error)


@contextlib.contextmanager
def run_lock(run: PreparedRun) -> Iterator[None]:
    """Held while this process executes ``run``: another process of this machine about to execute the same run
    in the same runs folder (a second batch of the plan, a ``run`` of the same parameters) waits for it, and
    then finds the run fresh (:func:`execute_unless_fresh_now`) instead of executing it a second time. A lock
    file per runs folder and run in ``<cache>/run-locks`` (empty; flock, released when the process ends however
    it ends); where it cannot be made, the run goes ahead unlocked. A no-op without ``fcntl``."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    import hashlib

    from evidence.core.config import cache_dir

    name = hashlib.sha256(f"{Path(run.out_root).resolve()}\0{run.run_id}".encode()).hexdigest()[:32]
    try:
        folder = cache_dir() / RUN_LOCKS_DIR
        folder.mkdir(parents=True, exist_ok=True)
        fd: int | None = os.open(folder / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        fd = None
    if fd is None:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with contextlib.suppress(OSError):
            os.utime(fd)  # in use: kept by the pruning below
        _prune_run_locks(folder)
        yield
    finally:
        os.close(fd)  # closing releases the lock


#: The folder of the user cache that holds the runs' lock files (:func:`run_lock`).
RUN_LOCKS_DIR = "run-locks"
#: A run's lock file untouched for longer than this (no run of it executed) is removed (:func:`_prune_run_locks`).
RUN_LOCKS_KEPT_DAYS = 30
_LOCKS_PRUNED = False  # once a process


def _prune_run_locks(folder: Path) -> None:
    """Once a process, remove the lock files of ``folder`` untouched for :data:`RUN_LOCKS_KEPT_DAYS` that no
    process holds (each runs folder ever used leaves one a run: a test's, a one-off ``--out-root``). A process
    that opened one at that very moment may execute its run beside another's: twice, not wrongly."""
    global _LOCKS_PRUNED
    if _LOCKS_PRUNED:
        return
    _LOCKS_PRUNED = True
    import fcntl

    cutoff = time.time() - RUN_LOCKS_KEPT_DAYS * 86400
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            with contextlib.suppress(OSError):
                if not entry.name.endswith(".lock") or entry.stat().st_mtime >= cutoff:
                    continue
                fd = os.open(entry.path, os.O_RDWR)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held: a run of it is executing
                    os.unlink(entry.path)
                finally:
                    os.close(fd)


def run_unless_fresh(run: PreparedRun, *, force: bool = False) -> RunOutcome:
    """Execute a run unless a successful run with the same inputs is in its folder (status "skipped");
    ``force`` executes it anyway. What ``evidence run``, ``brief`` and ``batch`` do."""
    checked = now()
    if not force and is_fresh(run.folder, run.cache_key):
        if "evidence.runs.warm" in sys.modules:  # a kernel started ahead for this run is not needed
            from evidence.runs.warm import kernel_pool

            kernel_pool().shutdown_unused()
        # a skipped run makes no temporary, but it clears those of killed runs (SIGKILL, a power cut) as an
        # executed run does: only those of processes of this machine that are gone
        with contextlib.suppress(OSError):  # a read-only runs folder: the fresh run is still served
            clean_stale_temporaries(run.out_root)
        return skipped(run, checked)
    outcome = execute_unless_fresh_now(run, force=force)
    if outcome.status == "skipped" and "evidence.runs.warm" in sys.modules:  # executed meanwhile elsewhere
        from evidence.runs.warm import kernel_pool

        kernel_pool().shutdown_unused()
    return outcome


def execute_unless_fresh_now(run: PreparedRun, *, force: bool = False) -> RunOutcome:
    """Execute ``run`` under its lock (:func:`run_lock`), unless, once the lock is held, its folder holds a
    successful run of the same inputs: another process executed it meanwhile (a second batch of the same plan),
    and it is served as unchanged ("skipped") rather than executed twice. ``force`` executes it all the same,
    after the other process's run."""
    with run_lock(run):
        if not force:
            checked = now()
            if is_fresh(run.folder, run.cache_key):
                return skipped(run, checked)
        return execute_run(run)


def skipped(run: PreparedRun, checked: str) -> RunOutcome:
    """The outcome of a run skipped as unchanged (found fresh at ``checked``), its stale failed attempt set
    aside."""
    note = None
    with contextlib.suppress(OSError):  # a read-only runs folder: the fresh run is still served
        note = set_aside_failed_attempt(run, checked)
    return RunOutcome(run.run_id, run.notebook_name, "skipped", str(run.folder), note=note)


def set_aside_failed_attempt(run: PreparedRun, checked: str) -> str | None:
    """Move ``failed/<run>`` to ``failed/.superseded/<run>`` when the run is served unchanged from its good run
    (found fresh at ``checked``); say what was moved, or None when nothing was.

    A failed attempt beside a good run (a ``--force`` that failed, a failure of other inputs since reverted)
    is not the run's state: the good run in place is its result for these inputs, and ``failed/`` lists the
    runs that are failing. The attempt is kept, out of that list, for whoever wants to see why it failed, until
    a new good run replaces the one it was beside. One that ended after ``checked`` stays: it is news (another
    process's attempt at this very moment), not a stale failure.
    """
    failed = run.failed_folder
    if not failed.is_dir():
        return None
    attempt = read_record(failed)
    if attempt is not None and attempt.timings.ended > checked:
        return None
    target = run.superseded_folder
    with folder_lock(failed.parent):
        if not failed.is_dir():  # set aside by another process meanwhile
            return None
        target.parent.mkdir(exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        os.replace(failed, target)
    good = read_record(run.folder)
    when = f" at {_shown_time(attempt.timings.ended)}" if attempt is not None else ""
    why = f" ({attempt.error})" if attempt is not None and attempt.error else ""
    served = f", of {_shown_time(good.timings.ended)}," if good is not None else ""
    return (
        f"its attempt that failed{when}{why} was set aside in {FAILED_DIR}/{SUPERSEDED_DIR}/{run.run_id}: "
        f"the run in place{served} is its result for these inputs"
    )


def _shown_time(iso: str) -> str:
    """A record's time as a person reads it: ``2026-12-05 13:40 UTC``."""
    try:
        return dt.datetime.fromisoformat(iso).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso


def _launch_warm(kernel_name: str, run: PreparedRun) -> Any:
    from evidence.runs.warm import kernel_pool, preload_file, preload_modules, prune_preload_files

    learned = preload_file(run.notebook_sha256, run.toolkit)
    if not learned.exists():
        prune_preload_files()  # a new notebook or toolkit version: make room for its list
    # a kernel started ahead (evidence.runs.warm.prestart) or by an earlier run is reused as it is
    preload = preload_modules(run.notebook_text, learned)
    return kernel_pool().launch(kernel_name, start_timeout=KERNEL_START_TIMEOUT, preload=preload)


def _discard(kernel: Any, reason: str) -> None:
    from evidence.runs.warm import kernel_pool

    kernel_pool().discard(kernel, reason)


def _finish_warm(kernel: Any, run: PreparedRun) -> None:
    from evidence.runs.warm import KernelUnusable, preload_file

    try:
        # the kernel lists the modules it has loaded: the next kernel for this notebook pre-loads them
        kernel.end(preload_file(run.notebook_sha256, run.toolkit))
    except KernelUnusable as exc:
        _discard(kernel, str(exc))


#: nbclient's words for a cell over its timeout ("A cell timed out while it was being executed, after 2 seconds.")
_TIMED_OUT_AFTER = re.compile(r"after (\d+) seconds?")


def _reason(exc: BaseException) -> str:
    """Why a run failed, in one line: a dead kernel and a hung cell said plainly, with the cell it was running
    (``failed_cell``, set by :func:`mark_failed_cell`) as for a cell that raises ("... (in cell 3)")."""
    name = type(exc).__name__
    cell = getattr(exc, "failed_cell", None)
    where = f" (in cell {cell})" if cell is not None else ""
    if name == "DeadKernelError":
        return f"the kernel died while the notebook ran ({exc}){where}; it was replaced by a fresh one"
    if name == "CellTimeoutError":
        after = _TIMED_OUT_AFTER.search(str(exc))
        limit = f", {after.group(1)} s" if after else ""
        return f"timed out: a cell ran longer than the timeout{limit}{where}; the kernel was replaced by a fresh one"
    if isinstance(exc, OSError) and exc.errno is not None:
        return _os_reason(exc)
    return f"{name}: {exc}".strip()


def _os_reason(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def _record(
    run: PreparedRun,
    status: str,
    error: str | None,
    folder: Path,
    executed: str,
    kernel: str,
    started: str,
    seconds: float,
) -> RunRecord:
    return RunRecord(
        run_id=run.run_id,
        status=status,  # type: ignore[arg-type]
        error=error,
        notebook=NotebookInfo(
            name=run.notebook_name, path=run.notebook_path, sha256=run.notebook_sha256, executed=executed
        ),
        parameters=run.parameters,
        data=run.data,  # type: ignore[arg-type]
        provenance=_provenance_or_note(folder),
        toolkit=run.toolkit,
        python=PythonInfo(
            version=platform.python_version(),
            implementation=platform.python_implementation(),
            executable=sys.executable,
        ),
        kernel=kernel,
        host=socket.gethostname(),
        timings=Timings(started=started, ended=now(), seconds=round(seconds, 3)),
        outputs=_outputs(folder),  # type: ignore[arg-type]
        cache_key=run.cache_key,
    )


def _record_failure(run: PreparedRun, error: str, kernel: str, started: str, seconds: float) -> None:
    """Record a run that could not write its results: a ``run.json`` alone in its failed folder, if even that
    can be written (on a full disk it may not; the outcome still says why)."""
    folder = run.failed_folder
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        record = _record(run, "failed", error, folder, f"{run.notebook_name}.ipynb", kernel, started, seconds)
        write_record(folder, record)


def execute_run_in_subprocess(run: PreparedRun) -> RunOutcome:
    """:func:`execute_run` in a fresh Python process, for executors whose workers are threads.

    A Dask worker runs tasks in threads of one (daemonic) process: two notebook clients there share an event
    loop and fail ("This event loop is already running"), and a daemonic process may not start a process
    pool. A plain subprocess has neither problem; the run and its outcome cross as pickles through a file.
    """
    import pickle
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="evidence-run-") as scratch:
        request, reply = Path(scratch) / "run.pickle", Path(scratch) / "outcome.pickle"
        request.write_bytes(pickle.dumps(run))
        code = (
            "import sys; from evidence.runs.execute import _subprocess_main; _subprocess_main(*sys.argv[1:])"
        )
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", code, str(request), str(reply)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode == 0 and reply.exists():
            return pickle.loads(reply.read_bytes())
        tail = (proc.stderr or "").strip().splitlines()[-1:] or [f"exit code {proc.returncode}"]
        return RunOutcome(
            run.run_id,
            run.notebook_name,
            "failed",
            str(run.folder),
            seconds=time.perf_counter() - started,
            error=f"the run's process died: {tail[0]}",
        )


def _subprocess_main(request: str, reply: str) -> None:
    import pickle

    outcome = execute_run(pickle.loads(Path(request).read_bytes()))
    Path(reply).write_bytes(pickle.dumps(outcome))


def run_notebook(
    notebook: str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    out_root: str | Path = DEFAULT_OUT_ROOT,
    kernel_name: str | None = None,
    cell_timeout: float | None = None,
    allow_empty: bool = False,
) -> RunOutcome:
    """Check, then execute one run (the Python API behind ``evidence run``)."""
    prepared = prepare_run(
        notebook,
        parameters,
        out_root=out_root,
        kernel_name=kernel_name,
        cell_timeout=cell_timeout,
        allow_empty=allow_empty,
    )
    return execute_run(prepared)


def mark_failed_cell(nb_man: Any, exc: BaseException) -> None:
    """In a notebook whose kernel died or hung (``nb_man``: Papermill's execution manager, before it completes
    the notebook), fail the cell that was running, with the reason as its error output, as Papermill fails a
    cell that raises; the cells after it stay pending."""
    import nbformat

    started = [c for c in nb_man.nb.cells if c.get("metadata", {}).get("papermill", {}).get("start_time")]
    if not started:
        return
    cell, reason = started[-1], _reason(exc)
    output = {"output_type": "error", "ename": type(exc).__name__, "evalue": reason, "traceback": [reason]}
    cell.setdefault("outputs", []).append(nbformat.from_dict(output))
    nb_man.cell_exception(cell)
    # the run's reason names the cell (its index in the executed notebook, as Papermill's "(in cell 3)")
    index = next((i for i, c in enumerate(nb_man.nb.cells) if c is cell), None)
    with contextlib.suppress(AttributeError, TypeError):  # an exception that takes no attribute
        exc.failed_cell = index  # type: ignore[attr-defined]


def keep_partly_executed(nb: Any, path: Path) -> None:
    """Write the notebook of a run whose kernel died or hung (Papermill writes none then) to ``path``, as far
    as it ran (:func:`mark_failed_cell`)."""
    if nb is None or path.exists():
        return
    import nbformat

    nbformat.write(nb, path)


def _record_paths(executed: Path, notebook_path: str, final_path: Path) -> None:
    """Papermill records its input and output in the executed notebook's metadata: the whole notebook (it was
    given the content, not a path) and the temporary folder. Record the notebook's path and the final one."""
    import nbformat

    if not executed.is_file():
        return
    try:
        nb = nbformat.read(executed, as_version=4)
    except (ValueError, nbformat.reader.NotJSONError):  # cut short (a full disk): the run is failed anyway
        return
    if "papermill" in nb.metadata:
        nb.metadata.papermill.input_path = notebook_path
        nb.metadata.papermill.output_path = str(final_path)
        nbformat.write(nb, executed)


def _provenance_or_note(folder: Path) -> list[dict[str, Any]]:
    try:
        return read_provenance(folder)
    except Exception as exc:  # noqa: BLE001 - a damaged provenance file must not lose the run's record
        return [{"error": f"unreadable provenance.json: {exc}"}]


def _outputs(folder: Path) -> list[dict[str, Any]]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != RECORD_FILE)
    return [{"path": p.relative_to(folder).as_posix(), "bytes": p.stat().st_size} for p in files]


def _start_folder(out_root: Path, name: str) -> Path:
    """The run's temporary folder in ``out_root`` (created, with stale temporaries cleaned first); a runs
    folder that cannot be written is one clear error naming it."""
    try:
        out_root.mkdir(parents=True, exist_ok=True)
        clean_stale_temporaries(out_root)
        return _make_temporary(out_root, name, "part")
    except OSError as exc:
        if exc.errno in (errno.EEXIST, errno.ENOTDIR):  # it said "File exists"
            reason = "it, or a folder above it, is a file"
        else:
            reason = exc.strerror or str(exc)
        raise InputError(f"cannot write to the runs folder: {reason}", path=out_root) from exc


def check_writable(out_root: str | Path) -> None:
    """Raise one clear :class:`InputError` naming ``out_root`` when runs cannot be written there."""
    folder = _start_folder(Path(out_root), "write-check")
    shutil.rmtree(folder, ignore_errors=True)


#: Called between "old run moved aside" and "new run renamed in" when the system cannot exchange two folders
#: atomically (a test replaces it to simulate a kill at that moment).
_between_moves: Callable[[Path], None] = lambda aside: None


def _swap_into_place(source: Path, target: Path) -> None:
    """Put ``source`` at ``target``, replacing a run there, under ``target``'s lock.

    Exchanged atomically where the system can; otherwise the old run is moved aside (``.<name>...old``)
    first, and a process killed before the new one is in place leaves it there for :func:`restore_moved_aside`.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    # the swap under a lock of the runs folder: a few renames, which another process may be doing at once
    with folder_lock(target.parent):
        if not target.exists():
            os.replace(source, target)
            return
        if _exchange(source, target):  # the old run is now at source, a name of this process only
            old = source
        else:
            old = _make_temporary(target.parent, target.name, "old")
            os.replace(target, old / "run")
            _between_moves(old)
            os.replace(source, target)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    return exchange(first, second)


def _make_temporary(parent: Path, name: str, kind: str) -> Path:
    """A new hidden folder ``.<name>.<host>-<pid>.<random>.<kind>`` (created with the user's umask)."""
    while True:
        folder = parent / f".{name}.{_host_tag()}-{os.getpid()}.{secrets.token_hex(4)}.{kind}"
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue


def clean_stale_temporaries(out_root: str | Path) -> list[Path]:
    """Remove temporary run folders left by killed runs on this machine (their process is gone); a good run
    that such a process had moved aside is put back first."""
    removed = []
    out_root = Path(out_root)
    for folder in (out_root, out_root / FAILED_DIR):
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            match = _TEMP.match(entry.name)
            if not match or not entry.is_dir() or match["host"] != _host_tag():
                continue
            if not _process_alive(int(match["pid"])):
                if match["kind"] == "old":
                    _restore_moved_aside(entry, folder / match["run"])
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed


def _restore_moved_aside(aside: Path, target: Path) -> None:
    """A run moved aside by a process killed before the new run was renamed in: put it back (unless a newer
    run is in place by now)."""
    with folder_lock(target.parent):
        if (aside / "run").is_dir() and not target.exists():
            os.replace(aside / "run", target)


def _process_alive(pid: int) -> bool:
    return process_alive(pid)


def _host_tag() -> str:
    return host_tag()


def now() -> str:
    """The time now as a record says it: UTC, to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
