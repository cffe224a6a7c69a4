from __future__ import annotations

import contextlib
import os

import pytest

from evidence.core.atomic import atomic_directory, atomic_path, clean_stale_files, host_tag, write_text


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


def test_a_writer_killed_mid_write_leaves_a_temporary_that_the_next_clean_up_removes(tmp_path):
    # `kill -9` while a brief or an index was written left `.brief.html.q7sez4aw.part` for ever: the
    # temporary now names its process, and a clean-up removes those of processes that are gone
    import subprocess
    import sys

    target = tmp_path / "brief.html"
    target.write_text("the old brief")
    code = (
        "import os, sys\nfrom evidence.core.atomic import atomic_path\n"
        "with atomic_path(sys.argv[1]) as tmp:\n    tmp.write_text('half a bri')\n    os._exit(9)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(target)], check=False)
    (left,) = tmp_path.glob(".brief.html.*.part")
    mine = tmp_path / f".index.html.{host_tag()}-{os.getpid()}.abcd1234.part"  # being written right now
    other = tmp_path / ".index.html.otherhost-999999999.abcd1234.part"  # another machine's, on a shared disk
    for path in (mine, other, tmp_path / ".hidden"):
        path.write_text("")
    assert clean_stale_files(tmp_path) == [left]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".hidden", "brief.html", mine.name, other.name]
    )
    assert target.read_text() == "the old brief"


def test_a_folder_replaced_atomically_is_never_missing(tmp_path, monkeypatch):
    # the old folder was moved aside, then the new one renamed in: a kill between the two left neither
    target = tmp_path / "brief-figures"
    with atomic_directory(target) as tmp:
        (tmp / "old.svg").write_text("old")
    real_replace, calls = os.replace, []

    def killed_after_one_move(src, dst):
        calls.append(src)
        if len(calls) > 1:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", killed_after_one_move)
    with contextlib.suppress(KeyboardInterrupt), atomic_directory(target) as tmp:
        (tmp / "new.svg").write_text("new")
    assert target.is_dir() and [p.name for p in target.iterdir()] in (["new.svg"], ["old.svg"])
