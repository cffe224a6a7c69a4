"""One parameterised run of a notebook, into its own folder, atomically.

:func:`prepare_run` does everything that can fail without a kernel: it reads the notebook's declared
parameters, checks and coerces the given values, hashes the data files and names the run folder. Then
:func:`execute_run` executes the notebook with Papermill into a temporary folder beside the final one
(``.<run_id>.<host>-<pid>.<random>.part``; the kernel's working directory and ``EVIDENCE_RUN_DIR``, so
figures land inside it) and, on success, renames it to ``<out_root>/<run_id>``. A failed run is moved to
``<out_root>/failed/<run_id>`` (with the partly executed notebook and the error in ``run.json``) and never
replaces an earlier successful run; a killed run leaves only its temporary folder, which the next run or batch
on this machine removes once its process is gone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import platform
import re
import secrets
import shutil
import socket
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evidence.notebooks.catalog import NotebookSpec, read_notebook
from evidence.notebooks.runtime import RUN_DIR_ENV, data_files, read_provenance
from evidence.runs.cache import cache_key, data_fingerprints, toolkit_fingerprint
from evidence.runs.params import resolve_parameters, run_id
from evidence.runs.record import FAILED_DIR, RECORD_FILE, RECORD_VERSION, write_record

DEFAULT_OUT_ROOT = Path("reports") / "runs"
LOG_FILE = "run.log"
#: Seconds a kernel may take to start. Papermill's 60 are too few on a busy machine (a parallel batch on a
#: shared server), and a slow start is not the notebook's fault.
KERNEL_START_TIMEOUT = 300
_TEMP = re.compile(r"^\.(?P<run>.+)\.(?P<host>[A-Za-z0-9_-]+?)-(?P<pid>\d+)\.[A-Za-z0-9_]+\.(?:part|old)$")


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


@dataclasses.dataclass(frozen=True)
class RunOutcome:
    """What became of a run: ``status`` is "ok", "failed" or "skipped" (unchanged since a successful run)."""

    run_id: str
    notebook: str
    status: str
    folder: str
    seconds: float = 0.0
    error: str | None = None


def prepare_run(
    notebook: str | Path | NotebookSpec,
    parameters: Mapping[str, Any] | None = None,
    *,
    out_root: str | Path = DEFAULT_OUT_ROOT,
    kernel_name: str | None = None,
    base_dir: str | Path | None = None,
    cell_timeout: float | None = None,
) -> PreparedRun:
    """Check a run's parameters against the notebook's declaration and fix its inputs; no kernel starts.

    Raises :class:`~evidence.core.errors.ParameterError` for unknown names, wrong types, unknown countries,
    values outside the declared choices and missing data files.
    """
    spec = notebook if isinstance(notebook, NotebookSpec) else read_notebook(notebook)
    resolved = resolve_parameters(spec, parameters or {}, base_dir=base_dir)
    files, fallback = _run_data_files(spec, resolved)
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


def _run_data_files(spec: NotebookSpec, parameters: Mapping[str, Any]) -> tuple[list[Path], list[Path]]:
    """The data files the notebook will load (its data-file parameters' values, or what an empty list
    means: the configured data, else the demo data), and those of them that an empty list stands for."""
    files: list[Path] = []
    fallback: list[Path] = []
    for name, param in spec.parameters.items():
        if param.validator != "data_files" or name not in parameters:
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


def execute_run(run: PreparedRun) -> RunOutcome:
    """Execute a prepared run into its folder (atomically); never raises for a failing notebook."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from evidence.runs.kernel import ensure_run_kernel, ipc_prefix, kernel_manager_class, remove_ipc_files

    logging.getLogger("papermill").addFilter(_PAPERMILL_FILTER)  # adding the same filter twice is a no-op
    out_root = Path(run.out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(out_root)
    tmp = _make_temporary(out_root, run.run_id, "part")
    kernel = run.kernel_name or ensure_run_kernel()
    env = {**run.kernel_env, RUN_DIR_ENV: str(tmp), "PYTHONHASHSEED": "0"}
    executed = f"{run.notebook_name}.ipynb"
    # the run kernel speaks IPC (no TCP port races between parallel runs); a kernel the user names may
    # only know TCP
    sockets = ipc_prefix() if run.kernel_name is None and os.name == "posix" else None
    started, t0 = _now(), time.perf_counter()
    error: str | None = None
    try:
        with open(tmp / LOG_FILE, "a", encoding="utf-8") as log:
            papermill.execute_notebook(
                nbformat.reads(run.notebook_text, as_version=4) if run.notebook_text else run.notebook_path,
                str(tmp / executed),
                parameters=run.parameters,
                kernel_name=kernel,
                language="python",
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,
                stdout_file=log,
                stderr_file=log,
                execution_timeout=run.cell_timeout,
                start_timeout=KERNEL_START_TIMEOUT,
                kernel_manager_class=kernel_manager_class(env, tmp / LOG_FILE, ipc=sockets),
                resources={"metadata": {"path": str(tmp)}},  # the kernel's cwd, without a process-wide chdir
            )
    except PapermillExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue} (in cell {exc.cell_index})"
    except (KeyboardInterrupt, SystemExit):
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except Exception as exc:  # a dead kernel, a timeout, a bad notebook: this run failed, a batch goes on
        error = f"{type(exc).__name__}: {exc}".strip()
    finally:
        if sockets:
            remove_ipc_files(sockets)
    seconds = time.perf_counter() - t0
    status = "ok" if error is None else "failed"
    target = run.folder if status == "ok" else run.failed_folder
    _record_paths(tmp / executed, run.notebook_path, target / executed)
    record = {
        "record_version": RECORD_VERSION,
        "run_id": run.run_id,
        "status": status,
        "error": error,
        "notebook": {
            "name": run.notebook_name,
            "path": run.notebook_path,
            "sha256": run.notebook_sha256,
            "executed": executed,
        },
        "parameters": run.parameters,
        "data": run.data,
        "provenance": _provenance_or_note(tmp),
        "toolkit": run.toolkit,
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
        },
        "kernel": kernel,
        "host": socket.gethostname(),
        "timings": {"started": started, "ended": _now(), "seconds": round(seconds, 3)},
        "outputs": _outputs(tmp),
        "cache_key": run.cache_key,
    }
    write_record(tmp, record)
    _replace_directory(tmp, target)
    if status == "ok" and run.failed_folder.exists():
        shutil.rmtree(run.failed_folder, ignore_errors=True)  # an earlier failure of this run is resolved
    return RunOutcome(run.run_id, run.notebook_name, status, str(target), seconds, error)


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
) -> RunOutcome:
    """Check, then execute one run (the Python API behind ``evidence run``)."""
    prepared = prepare_run(
        notebook, parameters, out_root=out_root, kernel_name=kernel_name, cell_timeout=cell_timeout
    )
    return execute_run(prepared)


def _record_paths(executed: Path, notebook_path: str, final_path: Path) -> None:
    """Papermill records its input and output in the executed notebook's metadata: the whole notebook (it was
    given the content, not a path) and the temporary folder. Record the notebook's path and the final one."""
    import nbformat

    if not executed.is_file():
        return
    nb = nbformat.read(executed, as_version=4)
    if "papermill" in nb.metadata:
        nb.metadata.papermill.input_path = notebook_path
        nb.metadata.papermill.output_path = str(final_path)
        nbformat.write(nb, executed)


def _provenance_or_note(folder: Path) -> list[dict[str, Any]]:
    try:
        return read_provenance(folder)
    except Exception as exc:  # a damaged provenance file must not lose the run's record
        return [{"error": f"unreadable provenance.json: {exc}"}]


def _outputs(folder: Path) -> list[dict[str, Any]]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != RECORD_FILE)
    return [{"path": p.relative_to(folder).as_posix(), "bytes": p.stat().st_size} for p in files]


def _replace_directory(source: Path, target: Path) -> None:
    """Rename ``source`` onto ``target``; an existing ``target`` is moved aside first, then removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        aside = _make_temporary(target.parent, target.name, "old")
        os.replace(target, aside / "run")
        os.replace(source, target)
        shutil.rmtree(aside, ignore_errors=True)
    else:
        os.replace(source, target)


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
    """Remove temporary run folders left by killed runs on this machine (their process is gone)."""
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
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _host_tag() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "_", socket.gethostname()) or "host"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
