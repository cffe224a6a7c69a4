"""Runs under faults: a read-only runs folder, a full disk. Real file systems where the machine lets a test
mount one (a small tmpfs, as root), else the same failures raised where the writes happen."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from evidence.core.errors import InputError
from evidence.runs import execute
from evidence.runs.execute import check_writable, execute_run, prepare_run

pytestmark = pytest.mark.kernel


def _mount_tmpfs(where: Path, options: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    where.mkdir(parents=True, exist_ok=True)
    command = ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)]
    proc = subprocess.run(command, capture_output=True, check=False)
    return proc.returncode == 0


def _unmount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


@pytest.fixture
def read_only_folder(tmp_path, monkeypatch):
    """A folder no run can write to: a read-only tmpfs, else writes there fail with EROFS."""
    where = tmp_path / f"ro-{uuid.uuid4().hex[:6]}"
    if _mount_tmpfs(where, "ro,size=64k"):
        try:
            yield where
        finally:
            _unmount(where)
        return
    where.mkdir()
    real_mkdir = os.mkdir

    def refuse(path, *args, **kwargs):
        if str(path).startswith(str(where)):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", refuse)
    yield where


@pytest.fixture
def full_disk(tmp_path, monkeypatch):
    """A runs folder on a disk that is full: a tiny tmpfs filled up, else the results' writes fail with
    ENOSPC."""
    where = tmp_path / f"full-{uuid.uuid4().hex[:6]}"
    if _mount_tmpfs(where, "size=64k"):
        try:
            with open(where / "filler", "wb") as filler:
                while True:
                    filler.write(b"x" * 4096)
                    filler.flush()
        except OSError:  # full: what the test needs
            pass
        try:
            yield where
        finally:
            _unmount(where)
        return
    where.mkdir()

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(where))

    monkeypatch.setattr(execute, "write_record", no_space)
    yield where


def test_a_read_only_runs_folder_is_one_error_naming_it(tiny, read_only_folder):
    runs = read_only_folder / "runs"
    with pytest.raises(InputError) as raised:
        execute_run(prepare_run(tiny, {}, out_root=runs))
    message = str(raised.value)
    assert str(runs) in message and "cannot write to the runs folder" in message and "\n" not in message
    with pytest.raises(InputError, match="cannot write to the runs folder"):
        check_writable(runs)


def test_a_full_disk_fails_the_run_and_leaves_no_temporary(tiny, full_disk):
    outcome = execute_run(prepare_run(tiny, {}, out_root=full_disk))
    assert outcome.status == "failed"
    assert "No space left on device" in outcome.error
    assert not [p for p in full_disk.rglob("*") if p.name.endswith(".part")]
    assert not (full_disk / outcome.run_id).exists()


@pytest.fixture
def tiny(fixtures):
    return fixtures / "notebooks" / "tiny.ipynb"


def test_a_disk_full_while_the_notebook_is_written_fails_the_run_with_no_half_notebook(
    tiny, tmp_path, monkeypatch
):
    # the executed notebook is the run's largest file: on a full disk its write is what fails, half-way
    import papermill.execute

    def half_then_full(nb, path, *args, **kwargs):
        Path(path).write_text('{"cells": [{"cell_type": "code", "sou')
        raise OSError(errno.EFBIG, "File too large")

    monkeypatch.setattr(papermill.execute, "write_ipynb", half_then_full)
    outcome = execute_run(prepare_run(tiny, {}, out_root=tmp_path))
    assert outcome.status == "failed"
    assert "could not write the run's results" in outcome.error and "File too large" in outcome.error
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith((".part", ".old"))]
    assert not (tmp_path / outcome.run_id).exists()
    # the failure is recorded, without the half-written notebook
    failed = tmp_path / "failed" / outcome.run_id
    assert sorted(p.name for p in failed.iterdir()) == ["run.json"]
    assert "could not write" in json.loads((failed / "run.json").read_text())["error"]
