"""The Jupyter kernel of this environment: one name for runs and for JupyterLab, never one another checkout takes.

The kernel is named after the environment (:func:`environment_kernel_name`: ``evidence-<checkout>-<hash of the
environment's path>``), so two checkouts, each with its own environment, keep their own kernels side by side.
The notebooks' metadata names ``python3`` (so they open anywhere); a run instead uses this environment's kernel,
whose spec is written on the fly for ``sys.executable`` into the user cache, so it executes with exactly the
environment that checked its parameters. :func:`install_kernel` registers the same kernel, under the same name,
for JupyterLab (``evidence kernel install``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_core.paths import jupyter_runtime_dir

from evidence.core.atomic import write_text
from evidence.core.config import cache_dir

if TYPE_CHECKING:
    from jupyter_client.kernelspec import KernelSpecManager


def checkout_name() -> str:
    """The name of what this environment belongs to: the project folder of a project's ``.venv`` (the
    checkout), else the environment's own folder name."""
    prefix = Path(sys.prefix)
    return prefix.parent.name if prefix.name in (".venv", "venv", "env") else prefix.name


def environment_kernel_name() -> str:
    """This environment's kernel name, ``evidence-<checkout>-<8 hex digits of the environment's path>``: the
    checkout says whose it is, the hash keeps two checkouts of the same name apart."""
    digest = hashlib.sha256(str(Path(sys.prefix).resolve()).encode("utf-8")).hexdigest()[:8]
    # Jupyter accepts letters, digits, '.', '_' and '-' in kernel names
    checkout = re.sub(r"[^a-z0-9._-]+", "-", checkout_name().lower()).strip("-.") or "env"
    return f"evidence-{checkout}-{digest}"


def environment_display_name() -> str:
    """What JupyterLab's launcher shows for this environment's kernel: the toolkit and the checkout."""
    return f"Python {sys.version_info.major}.{sys.version_info.minor} (evidence: {checkout_name()})"


def kernels_root() -> Path:
    """The folder holding the on-the-fly kernel specs (a ``kernels`` folder in Jupyter's layout)."""
    return cache_dir() / "jupyter" / "kernels"


#: What a run's kernel is started with beyond a JupyterLab kernel: no input history. IPython keeps every cell's
#: source in a SQLite file of the user's profile, written by a thread of the kernel and at every reset between
#: a warm kernel's runs (a tenth of a CPU-second a country brief, and a file that the kernels of parallel
#: workers all lock); a run's record and executed notebook hold its code already, and nothing a notebook
#: displays or computes depends on that file (execution counts and ``In``/``Out`` are kept in memory).
RUN_KERNEL_OPTIONS = ("--HistoryManager.enabled=False",)


def ensure_run_kernel() -> str:
    """Write this environment's kernel spec (:func:`environment_kernel_name`) where runs look for it, unless it
    is there; return its name.

    Checked on every call, not once per process: the cache folder can change within a process (a user's
    ``EVIDENCE_CACHE_DIR``, a test's temporary cache), and a stale "already written" would name a kernel
    that does not exist there.
    """
    name = environment_kernel_name()
    spec = {
        "argv": run_kernel_command("{connection_file}"),
        "display_name": environment_display_name(),
        "language": "python",
        "metadata": {"debugger": False},
    }
    target = kernels_root() / name / "kernel.json"
    text = json.dumps(spec, indent=1) + "\n"
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        write_text(target, text)
    return name


def run_kernel_command(connection_file: str) -> list[str]:
    """The command line of this environment's kernel (:func:`ensure_run_kernel`'s spec) for ``connection_file``:
    ipykernel's, without its debugger (:mod:`evidence.runs.kernel_launcher`)."""
    return [sys.executable, "-m", "evidence.runs.kernel_launcher", "-f", connection_file, *RUN_KERNEL_OPTIONS]


def check_kernel(name: str | None) -> None:
    """Refuse a kernel name (``--kernel``) that no kernel spec answers to where runs look for them, before
    anything runs: each run failed with ``NoSuchKernel`` instead (exit 1, a failed folder per run of a
    batch), for what is a mistake in the command."""
    if name is None:
        return
    from jupyter_client.kernelspec import NoSuchKernel

    from evidence.core.errors import ParameterError

    if name == environment_kernel_name():
        ensure_run_kernel()
    manager = run_kernel_specs()
    try:
        manager.get_kernel_spec(name)
    except NoSuchKernel:
        known = ", ".join(sorted(manager.find_kernel_specs())) or "none"
        raise ParameterError(
            f"--kernel {name!r}: no Jupyter kernel of that name (installed: {known}; without --kernel, runs use "
            "this environment's)"
        ) from None


def run_kernel_specs() -> KernelSpecManager:
    """The kernel specs a run's kernel is found among (a ``KernelSpecManager``): the on-the-fly ones
    (:func:`kernels_root`) first, then Jupyter's own."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_core.paths import jupyter_path

    dirs = [str(kernels_root()), *jupyter_path("kernels")]
    return KernelSpecManager(data_dir=str(kernels_root().parent), kernel_dirs=dirs)


def ipc_prefix() -> str:
    """A fresh path prefix for a kernel's Unix sockets (``<prefix>-1`` ... ``<prefix>-5``): absolute, because
    the kernel (working in its run folder) and this process must name the same files, and short, because
    socket paths are limited to about 100 characters."""
    runtime = Path(jupyter_runtime_dir())
    runtime.mkdir(parents=True, exist_ok=True)
    return str(runtime / f"evidence-{uuid.uuid4().hex[:12]}-ipc")


def remove_ipc_files(prefix: str) -> None:
    """Remove a finished kernel's socket files (the kernel manager leaves them behind)."""
    for path in Path(prefix).parent.glob(Path(prefix).name + "-*"):
        path.unlink(missing_ok=True)


def kernel_manager_class(
    env: dict[str, str],
    log_path: str | Path | None = None,
    *,
    ipc: str | None = None,
    adopt: subprocess.Popen[bytes] | None = None,
) -> type:
    """A kernel manager class that finds the on-the-fly kernel specs and starts kernels with ``env`` added
    (and the kernel process's own output appended to ``log_path``).

    With ``ipc`` (a prefix from :func:`ipc_prefix`) the kernel talks over Unix sockets instead of TCP ports
    on the loopback: kernels started at the same moment by parallel workers cannot pick the same port (TCP
    ports are chosen by the manager, then bound by the kernel, a race that parallel batches lose).

    A class per run (not a process-wide ``os.environ`` change) keeps concurrent runs in one process (Dask
    threads) from seeing each other's run folder.

    With ``adopt`` (a kernel process started already, by :func:`spawn_kernel`, on the manager's connection file)
    the manager starts no process: it loads that connection file (never writing it again: the kernel may be
    reading it) and manages the process it is given as one it started (alive, signals, kill, wait).
    """
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    extra_env = dict(env)
    provisioner_class = _adopting_provisioner(adopt) if adopt is not None else None

    class RunKernelManager(AsyncKernelManager):
        @default("transport")
        def _transport_default(self) -> str:
            return "ipc" if ipc else "tcp"

        @default("ip")
        def _ip_default(self) -> str:
            return ipc if ipc else super()._ip_default()

        @default("kernel_spec_manager")
        def _kernel_spec_manager_default(self) -> KernelSpecManager:
            return run_kernel_specs()

        async def _async_pre_start_kernel(self, **kw: Any) -> Any:
            kw["env"] = {**os.environ, **kw.get("env", {}), **extra_env}
            if provisioner_class is not None:
                self.load_connection_file()
                self._connection_file_written = True  # as written by spawn_kernel: not written again
                if self.provisioner is None:
                    self.kernel_id = self.kernel_id or str(uuid.uuid4())
                    self.provisioner = provisioner_class(
                        kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
                    )
                return await super()._async_pre_start_kernel(**kw)  # its output went to the log already
            if log_path is not None:
                # the kernel's own messages (start-up warnings, crashes) go to the run's log, not the terminal
                self._run_log = open(log_path, "ab")  # noqa: SIM115, ASYNC230 - held by the kernel process; opening is instant
                kw.setdefault("stdout", self._run_log)
                kw.setdefault("stderr", self._run_log)
            return await super()._async_pre_start_kernel(**kw)

        async def _async_start_kernel(self, **kw: Any) -> None:
            try:
                await super()._async_start_kernel(**kw)
            except BaseException:
                # a kernel that did not start (no such kernel, a failed launch): nbclient cleans nothing up
                # after it, so its log is closed here rather than by the garbage collector
                self._close_run_log()
                raise

        start_kernel = _async_start_kernel

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            try:
                await super()._async_cleanup_resources(restart=restart)
            finally:
                if not restart:
                    self._close_run_log()  # the kernel is gone: the manager's copy of its output file too

        def _close_run_log(self) -> None:
            log = getattr(self, "_run_log", None)
            if log is not None:
                log.close()

    return RunKernelManager


def _adopting_provisioner(process: subprocess.Popen[bytes]) -> type:
    """jupyter_client's local provisioner, for a kernel process started already (``process``): launching it is
    taking it over, as if jupyter_client had started it (its process group is the one it leads)."""
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    class AdoptingProvisioner(LocalProvisioner):
        async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
            self.process = process
            self.pid = process.pid
            try:
                self.pgid = os.getpgid(process.pid)
            except OSError:  # gone already: the manager finds it dead
                self.pgid = None
            self.cwd = kwargs.get("cwd")
            return self.connection_info

    return AdoptingProvisioner


def spawn_kernel(
    connection_file: str, *, ipc: str, env: dict[str, str], cwd: str, log_path: str | Path
) -> subprocess.Popen[bytes]:
    """Start this environment's kernel (:func:`run_kernel_command`) on Unix sockets at ``ipc`` (a prefix from
    :func:`ipc_prefix`), before jupyter_client and zmq are imported (a tenth of a second of a cold run's start
    that the kernel's own start need not wait for): the connection file is written here, as jupyter_client
    writes it (a fresh key, the sockets ``<ipc>-1`` ... ``<ipc>-5``, readable by the user only), and the process
    is started as jupyter_client starts a kernel (its own session, so that it and what it starts are killed
    together; ``JPY_PARENT_PID``, so that it ends when this process does; no standard input). A manager of
    :func:`kernel_manager_class` with ``adopt=`` the process returned then manages it.

    ``env`` is added to this process's environment; the kernel's output is appended to ``log_path``."""
    info = {
        "shell_port": 1,
        "iopub_port": 2,
        "stdin_port": 3,
        "control_port": 4,
        "hb_port": 5,
        "ip": ipc,
        "key": str(uuid.uuid4()),
        "transport": "ipc",
        "signature_scheme": "hmac-sha256",
        "kernel_name": environment_kernel_name(),
    }
    handle = os.open(connection_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(json.dumps(info, indent=2))
    started_env = {**os.environ, **env, "JPY_PARENT_PID": str(os.getpid())}
    started_env.pop("PYTHONEXECUTABLE", None)  # as jupyter_client does for a Python kernel
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            run_kernel_command(os.path.realpath(connection_file)),
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
            cwd=cwd,
            env=started_env,
            start_new_session=True,
        )
    assert process.stdin is not None
    process.stdin.close()  # as jupyter_client leaves it: a kernel reads nothing from its standard input
    return process


def install_kernel(
    name: str | None = None,
    *,
    user: bool = True,
    prefix: str | None = None,
    display_name: str | None = None,
) -> Path:
    """Register this environment as a Jupyter kernel for JupyterLab, under the name runs use
    (:func:`environment_kernel_name`) unless ``name`` is given; return the kernel spec's folder."""
    from ipykernel.kernelspec import install

    from evidence.core.errors import ParameterError

    # Jupyter's own rule; its ValueError was a traceback
    if name is not None and not re.fullmatch(r"[a-zA-Z0-9._-]+", name):
        raise ParameterError(
            f"--name {name!r}: a kernel name is ASCII letters, digits and - . _ only (e.g. evidence-reports)"
        )
    where = install(
        kernel_name=name or environment_kernel_name(),
        user=user and prefix is None,
        prefix=prefix,
        display_name=display_name or environment_display_name(),
    )
    return Path(where)


def remove_kernel(name: str | None = None, *, user: bool = True, prefix: str | None = None) -> Path:
    """Remove the kernel :func:`install_kernel` registered (the same name, user-wide or under ``prefix``);
    return the folder removed. A kernel that is not there is an error naming where it was looked for; only
    a folder holding a ``kernel.json`` of that name is removed."""
    import shutil

    from evidence.core.errors import ParameterError

    if name is not None and (not re.fullmatch(r"[a-zA-Z0-9._-]+", name) or name in (".", "..")):
        raise ParameterError(
            f"--name {name!r}: a kernel name is ASCII letters, digits and - . _ only (e.g. evidence-reports)"
        )
    name = name or environment_kernel_name()
    if prefix is not None or not user:
        kernels = Path(prefix or sys.prefix) / "share" / "jupyter" / "kernels"
    else:
        from jupyter_core.paths import jupyter_data_dir

        kernels = Path(jupyter_data_dir()) / "kernels"
    folder = kernels / name
    if not (folder / "kernel.json").is_file():
        raise ParameterError(f"no kernel {name!r} in {kernels}: nothing to remove")
    shutil.rmtree(folder)
    return folder
