from __future__ import annotations

import os

import pytest

from evidence.core.atomic import atomic_directory, atomic_path, write_text


def test_write_text_replaces_whole_file(tmp_path):
    target = tmp_path / "out" / "a.txt"
    write_text(target, "old")
    write_text(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in target.parent.iterdir()] == ["a.txt"]


def test_failure_leaves_previous_file_and_no_temporary(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("kept")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half a fi")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "kept"
    assert sorted(os.listdir(tmp_path)) == ["a.txt"]


def test_atomic_directory_replaces_and_cleans_up(tmp_path):
    target = tmp_path / "run"
    with atomic_directory(target) as tmp:
        (tmp / "x").write_text("1")
    with pytest.raises(ValueError), atomic_directory(target) as tmp:
        (tmp / "y").write_text("2")
        raise ValueError
    assert sorted(p.name for p in target.iterdir()) == ["x"]
    with atomic_directory(target) as tmp:
        (tmp / "z").write_text("3")
    assert sorted(p.name for p in target.iterdir()) == ["z"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_outputs_get_ordinary_permissions(tmp_path):
    import stat

    umask = os.umask(0o022)
    try:
        out = write_text(tmp_path / "shared.txt", "x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_a_mode_is_set_before_the_file_appears(tmp_path, monkeypatch):
    """An owner-only output is never visible with wider permissions, even for a moment."""
    import stat

    seen: list[int] = []
    real_replace = os.replace

    def replace(src, dst):
        seen.append(stat.S_IMODE(os.stat(src).st_mode))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    out = write_text(tmp_path / "lists.csv", "A,B,n\n1,0,3\n", mode=0o600)
    assert seen == [0o600] and stat.S_IMODE(out.stat().st_mode) == 0o600
