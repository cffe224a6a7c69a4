from __future__ import annotations

import json
import sys

from evidence.runs import kernel


def test_run_kernel_spec_points_at_this_interpreter(tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path))
    name = kernel.ensure_run_kernel()
    spec = json.loads((tmp_path / "jupyter" / "kernels" / name / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable and spec["language"] == "python"


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
