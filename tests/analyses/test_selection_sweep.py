"""What :func:`kept_once` keeps of a frame no longer used is let go within a few builds (a sweep reads every
entry, so not at each build), and always before an entry still read is pushed out."""

from __future__ import annotations

import gc

import polars as pl

from evidence.analyses import selection as module
from evidence.analyses.selection import kept_once


def test_what_is_kept_of_a_frame_no_longer_used_goes_within_a_few_builds(monkeypatch):
    monkeypatch.setattr(module, "_BUILT", {})
    monkeypatch.setattr(module, "_BUILDS", 0)
    gone = pl.DataFrame({"year": [2019]})
    kept_once(gone, ("test", "gone"), lambda: 1)
    del gone
    gc.collect()
    live = pl.DataFrame({"year": [2020]})
    built: list[int] = []
    for n in range(module._SWEEP_EVERY):
        kept_once(live, ("test", n), lambda n=n: built.append(n) or n)
    assert built == list(range(module._SWEEP_EVERY))
    # the frame gone: its entry too; every live one stays, and is read without being built again
    assert len(module._BUILT) == module._SWEEP_EVERY
    assert [kept_once(live, ("test", n), lambda: -1) for n in range(module._SWEEP_EVERY)] == built


def test_a_full_cache_lets_go_of_the_stale_before_pushing_out_a_live_entry(monkeypatch):
    monkeypatch.setattr(module, "_BUILT", {})
    monkeypatch.setattr(module, "_BUILDS", 1)  # no sweep due for a while
    monkeypatch.setattr(module, "_BUILT_MAX", 3)
    live = pl.DataFrame({"year": [2020]})
    kept_once(live, ("test", "read"), lambda: "read")
    gone = pl.DataFrame({"year": [2019]})
    kept_once(gone, ("test", "gone"), lambda: "gone")
    kept_once(live, ("test", "other"), lambda: "other")
    del gone
    gc.collect()
    kept_once(live, ("test", "new"), lambda: "new")  # full: the stale entry goes, not the live ones
    assert kept_once(live, ("test", "read"), lambda: "built again") == "read"
    assert kept_once(live, ("test", "other"), lambda: "built again") == "other"


def test_a_full_cache_of_live_frames_is_not_swept_at_each_build(monkeypatch):
    """A sweep reads every entry: with no frame gone since the last one there is nothing to let go of, and a
    full cache of live frames (a batch of briefs) is not read through at each build."""

    class Counted(dict):
        sweeps = 0

        def items(self):  # type: ignore[override]
            Counted.sweeps += 1
            return super().items()

    gc.collect()  # frames of earlier tests gone before the count starts
    monkeypatch.setattr(module, "_BUILT", Counted())
    monkeypatch.setattr(module, "_BUILT_MAX", 3)
    monkeypatch.setattr(module, "_GONE", 0, raising=False)
    live = pl.DataFrame({"year": [2020]})
    for n in range(4 * module._SWEEP_EVERY):
        assert kept_once(live, ("test", n), lambda n=n: n) == n
    assert Counted.sweeps == 0
    # still the least recently used pushed out, as before
    last = 4 * module._SWEEP_EVERY
    assert list(module._BUILT) == [(id(live), "test", n) for n in range(last - 3, last)]
