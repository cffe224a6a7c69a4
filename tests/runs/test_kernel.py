from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evidence.runs import kernel


def test_run_kernel_spec_points_at_this_interpreter(tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path))
    name = kernel.ensure_run_kernel()
    spec = json.loads((tmp_path / "jupyter" / "kernels" / name / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable and spec["language"] == "python"


def test_run_kernels_keep_no_input_history_but_jupyterlab_kernels_do(tmp_path, monkeypatch):
    # a run's kernel writes no SQLite history (per cell, and at every reset of a warm kernel); the kernel
    # installed for JupyterLab is a plain one
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    name = kernel.ensure_run_kernel()
    run_spec = json.loads((kernel.kernels_root() / name / "kernel.json").read_text())
    assert "--HistoryManager.enabled=False" in run_spec["argv"]
    launcher = "evidence.runs.kernel_launcher"  # ipykernel's, without its debugger
    assert run_spec["argv"][:5] == [sys.executable, "-m", launcher, "-f", "{connection_file}"]
    installed = json.loads(
        (kernel.install_kernel(user=False, prefix=str(tmp_path)) / "kernel.json").read_text()
    )
    assert not any("HistoryManager" in arg for arg in installed["argv"])


def test_kernel_manager_finds_the_spec_and_adds_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path))
    name = kernel.ensure_run_kernel()
    manager = kernel.kernel_manager_class({"EVIDENCE_RUN_DIR": "/x"})(kernel_name=name)
    assert manager.kernel_spec.argv[0] == sys.executable
    # a notebook's own kernel name (python3) still resolves through the standard Jupyter paths
    assert "python3" in manager.kernel_spec_manager.find_kernel_specs()


def test_install_kernel_for_jupyterlab_under_the_name_runs_use(tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    where = kernel.install_kernel(user=False, prefix=str(tmp_path))
    assert where.name == kernel.environment_kernel_name() == kernel.ensure_run_kernel()
    spec = json.loads((where / "kernel.json").read_text())
    run_spec = json.loads((kernel.kernels_root() / where.name / "kernel.json").read_text())
    assert spec["argv"][0] == run_spec["argv"][0] == sys.executable
    assert spec["display_name"] == run_spec["display_name"] == kernel.environment_display_name()
    assert kernel.checkout_name() in spec["display_name"]
    assert kernel.install_kernel("evidence-test", user=False, prefix=str(tmp_path)).name == "evidence-test"


def test_two_checkouts_keep_their_own_kernels(tmp_path, monkeypatch):
    import re

    names = {}
    for checkout in ("evidence", "evidence-copy"):
        for parent in ("a", "b"):
            monkeypatch.setattr(sys, "prefix", str(tmp_path / parent / checkout / ".venv"))
            names[(parent, checkout)] = (kernel.environment_kernel_name(), kernel.environment_display_name())
    assert len({name for name, _ in names.values()}) == 4  # same folder name elsewhere: another kernel
    assert names[("a", "evidence")][0].startswith("evidence-evidence-")
    assert "evidence-copy" in names[("a", "evidence-copy")][1]  # the launcher says which checkout
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "My Envs" / "Research Env (2024)"))
    name = kernel.environment_kernel_name()
    assert re.fullmatch(r"[a-z0-9._-]+", name) and name.startswith("evidence-research-env-2024-")


def test_ipc_socket_files_are_named_once_and_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(kernel, "jupyter_runtime_dir", lambda: str(tmp_path))
    prefix = kernel.ipc_prefix()
    assert prefix != kernel.ipc_prefix() and prefix.startswith(str(tmp_path))
    for port in range(1, 6):
        (tmp_path / f"{prefix.rsplit('/', 1)[1]}-{port}").touch()
    (tmp_path / "other-ipc-1").touch()
    kernel.remove_ipc_files(prefix)
    assert [p.name for p in tmp_path.iterdir()] == ["other-ipc-1"]
    manager = kernel.kernel_manager_class({}, ipc=prefix)()
    assert manager.transport == "ipc" and manager.ip == prefix
    assert kernel.kernel_manager_class({})().transport == "tcp"


def test_the_run_kernel_follows_a_change_of_cache_folder(tmp_path, monkeypatch):
    from evidence.runs.kernel import ensure_run_kernel, kernels_root

    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "first"))
    name = ensure_run_kernel()
    assert (kernels_root() / name / "kernel.json").is_file()
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "second"))
    assert ensure_run_kernel() == name
    assert (tmp_path / "second" / "jupyter" / "kernels" / name / "kernel.json").is_file()


# ----------------------------------------------------------------------------------------------- JupyterLab


def _request(url: str, token: str, method: str = "GET", body: dict | None = None) -> dict:
    import urllib.request

    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Authorization": f"token {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # the loopback server this test started
        text = response.read()
    return json.loads(text) if text else {}


def _execute(ws, session: str, code: str) -> list[dict]:
    """Execute ``code`` in the kernel behind the websocket ``ws`` (Jupyter's messaging protocol, as JupyterLab
    speaks it); the outputs it sent, until it is idle again and has replied."""
    import datetime as dt
    import uuid

    msg_id = uuid.uuid4().hex
    header = {
        "msg_id": msg_id,
        "username": "test",
        "session": session,
        "msg_type": "execute_request",
        "version": "5.3",
        "date": dt.datetime.now(dt.UTC).isoformat(),
    }
    content = {
        "code": code,
        "silent": False,
        "store_history": True,
        "user_expressions": {},
        "allow_stdin": False,
    }
    ws.send(
        json.dumps(
            {"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": "shell"}
        )
    )
    outputs, idle, replied = [], False, False
    while not (idle and replied):
        raw = ws.recv()
        if isinstance(raw, bytes):
            continue  # a binary frame (buffers): none of ours
        message = json.loads(raw)
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = message["msg_type"]
        if kind in ("stream", "display_data", "execute_result", "error"):
            outputs.append({"type": kind, **message["content"]})
        idle = idle or (kind == "status" and message["content"]["execution_state"] == "idle")
        replied = replied or kind == "execute_reply"
    return outputs


def _listening(port: int) -> bool:
    """Whether something takes connections on the loopback's ``port``."""
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            return True
    except OSError:
        return False


def _server_port(info: Path) -> int | None:
    """The port in a Jupyter server's info file, or None while the file is missing or not yet written whole."""
    try:
        return int(json.loads(info.read_text())["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


@pytest.mark.kernel
def test_jupyterlab_lists_this_environments_kernel_and_runs_a_notebook_in_it(tmp_path):
    """What a researcher does: start JupyterLab from this environment (``uv run jupyter lab``), pick the kernel
    ``evidence kernel install`` registered, and run a packaged notebook. The server listens on the loopback
    only, on a port the system chooses, behind a token; its folders are the test's own."""
    import os
    import secrets
    import subprocess
    import time
    import uuid

    import websocket

    from evidence.notebooks.catalog import notebooks_dir

    prefix = tmp_path / "env"
    installed = kernel.install_kernel(user=False, prefix=str(prefix))
    runtime = tmp_path / "runtime"
    env = {
        **os.environ,
        "JUPYTER_PATH": str(prefix / "share" / "jupyter"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTER_RUNTIME_DIR": str(runtime),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "lab-workspaces"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
    }
    token = secrets.token_hex(16)
    jupyter = Path(sys.executable).parent / "jupyter"
    command = [str(jupyter), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0"]
    command += [f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebooks_dir()}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI's machines run as root; JupyterLab refuses that unless told
    with open(tmp_path / "server.log", "wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        info = runtime / f"jpserver-{server.pid}.json"
        # the server makes its info file, then writes it (not atomically: read at once, a loaded machine found
        # it empty): read until it holds the port; and it writes the file before it listens (Jupyter Server 2
        # binds its port in a callback of the loop it starts after writing it: a request at once was refused),
        # so wait until the port takes a connection
        while (port := _server_port(info)) is None or not _listening(port):
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "JupyterLab did not start"
            time.sleep(0.5)
        base = f"http://127.0.0.1:{port}"

        specs = _request(f"{base}/api/kernelspecs", token)["kernelspecs"]
        assert installed.name in specs, sorted(specs)
        assert specs[installed.name]["spec"]["display_name"] == kernel.environment_display_name()
        assert specs[installed.name]["spec"]["argv"][0] == sys.executable

        session = _request(
            f"{base}/api/sessions",
            token,
            "POST",
            {
                "path": "routes.ipynb",
                "name": "routes.ipynb",
                "type": "notebook",
                "kernel": {"name": installed.name},
            },
        )
        assert session["kernel"]["name"] == installed.name
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{port}/api/kernels/{session['kernel']['id']}/channels?token={token}", timeout=300
        )
        try:
            notebook = json.loads((notebooks_dir() / "routes.ipynb").read_text(encoding="utf-8"))
            outputs = []
            for cell in notebook["cells"]:
                if cell["cell_type"] == "code":
                    outputs += _execute(ws, uuid.uuid4().hex, "".join(cell["source"]))
        finally:
            ws.close()
        errors = [o for o in outputs if o["type"] == "error"]
        assert not errors, errors[0]["traceback"][-3:]
        shown = " ".join(json.dumps(o.get("data", {})) for o in outputs if o["type"] == "display_data")
        # the notebook's heading, its tables of corridors, on the demo data (which it says)
        assert "Routes from and into Thailand" in shown and "Growing and new corridors" in shown
        assert "synthetic" in shown.lower()
        _request(f"{base}/api/sessions/{session['id']}", token, "DELETE")
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
