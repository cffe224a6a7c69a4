"""The warm kernel's early start: its process is started before jupyter_client and zmq are imported, then
managed as any kernel jupyter_client started (alive, stopped with its process group, its files removed)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from _notebooks import PYTHON3, write_notebook

from evidence.runs import kernel as kernel_module
from evidence.runs.execute import execute_run, prepare_run
from evidence.runs.warm import EarlyKernel, prestart

pytestmark = pytest.mark.kernel


def _notebook(path: Path, *cells: str) -> Path:
    return write_notebook(path, "x: int = 1", *cells, kernelspec=PYTHON3)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # a zombie not yet reaped by anyone counts as gone
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


PROBE = """
import subprocess, sys
seen = []
original = subprocess.Popen.__init__
def recording(self, args, *a, **k):
    seen.append((list(map(str, args)), sorted(m for m in ("jupyter_client", "zmq") if m in sys.modules)))
    original(self, args, *a, **k)
subprocess.Popen.__init__ = recording
from evidence.runs.warm import kernel_pool, prestart
prestart(sys.argv[1])
kernel = kernel_pool()._kernels and next(iter(kernel_pool()._kernels.values()))
kernel.wait_ready()
print(repr([(args[1:3], loaded) for args, loaded in seen if "evidence.runs.kernel_launcher" in args]))
kernel_pool().shutdown()
"""


@pytest.mark.skipif(os.name != "posix", reason="the early start speaks Unix sockets")
def test_the_kernel_process_starts_before_jupyter_client_and_zmq_are_imported(tmp_path):
    notebook = _notebook(tmp_path / "n.ipynb", "print(1)")
    env = {**os.environ, "EVIDENCE_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(notebook)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    # one kernel started, with nothing of jupyter_client or zmq imported yet in this process
    assert done.stdout.strip() == repr([(["-m", "evidence.runs.kernel_launcher"], [])])


@pytest.mark.skipif(os.name != "posix", reason="the early start speaks Unix sockets")
def test_a_kernel_started_early_runs_notebooks_and_leaves_nothing_behind(tmp_path, fresh_pool):
    notebook = _notebook(
        tmp_path / "n.ipynb", "import os\nprint(os.environ['EVIDENCE_RUN_DIR'] == os.getcwd())"
    )
    prestart(notebook)
    (kernel,) = fresh_pool._kernels.values()
    process = kernel.km.provisioner.process
    connection_file = Path(kernel.km.connection_file)
    # the connection file is the user's only, and names the sockets the manager speaks on
    assert stat.S_IMODE(connection_file.stat().st_mode) == 0o600
    info = json.loads(connection_file.read_text())
    assert (info["transport"], info["ip"]) == ("ipc", kernel._ipc)
    assert info["key"].encode() == kernel.km.session.key
    assert os.getpgid(process.pid) == process.pid  # its own process group, as jupyter_client starts a kernel

    outcome = execute_run(prepare_run(notebook, out_root=tmp_path / "runs"))
    assert outcome.status == "ok", outcome.error
    executed = nbformat.read(Path(outcome.folder) / "n.ipynb", as_version=4)
    assert executed.cells[-1].outputs[0]["text"] == "True\n"
    assert next(iter(fresh_pool._kernels.values())) is kernel  # the run used the kernel started early

    files = [connection_file, kernel.log_path, Path(kernel._home)]
    sockets = list(Path(kernel._ipc).parent.glob(Path(kernel._ipc).name + "-*"))
    assert sockets
    fresh_pool.shutdown()
    assert _gone(process.pid)
    assert not [p for p in [*files, *sockets] if p.exists()]


@pytest.mark.skipif(os.name != "posix", reason="the early start speaks Unix sockets")
def test_a_kernel_started_early_that_cannot_be_taken_over_is_stopped(tmp_path, fresh_pool, monkeypatch):
    started: list[EarlyKernel] = []

    def early() -> EarlyKernel:
        started.append(EarlyKernel())
        return started[-1]

    def refused(*args, **kwargs):
        raise RuntimeError("no manager")

    monkeypatch.setattr(kernel_module, "kernel_manager_class", refused)
    with pytest.raises(RuntimeError, match="no manager"):
        fresh_pool.launch(kernel_module.ensure_run_kernel(), start_timeout=30, early=early)
    (spawned,) = started
    assert _gone(spawned.process.pid)
    assert not Path(spawned.home).exists()
    assert not spawned.log_path.exists()
    assert not list(Path(spawned.ipc).parent.glob(Path(spawned.ipc).name + "-*"))
