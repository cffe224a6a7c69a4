"""Cache of harmonised tables: hit, miss, invalidation by file, sidecar and loader version, damaged entries."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from evidence.core.errors import InputError
from evidence.sources import cache, registry, tip


@pytest.fixture
def tiers(tmp_path: Path, fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    return Path(shutil.copy(fixtures / "tip" / "tiers_simple.csv", tmp_path / "tiers.csv"))


def forbid_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(path):
        raise AssertionError(f"{path} was loaded, not read from the cache")

    monkeypatch.setattr(cache, "load", fail)


def test_miss_then_hit(tiers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not cache.is_cached(tiers)
    first = cache.load_cached(tiers)
    entry = cache.cache_path(tiers)
    assert entry.exists() and entry.parent == cache.tables_dir()
    assert entry.name.startswith(f"us_tip_tiers-simple_csv-v{tip.LOADER_VERSION}-")

    forbid_loading(monkeypatch)
    second = cache.load_cached(tiers)
    assert_frame_equal(second.data, first.data)  # the ordered tier Enum survives the round trip
    assert second.data.schema["tier"] == tip.TIER_DTYPE
    assert (second.rows_in, second.kind) == (first.rows_in, first.kind)
    assert_frame_equal(second.rejects, first.rejects)
    assert second.provenance == first.provenance


def test_changed_file_is_a_miss(tiers: Path) -> None:
    before = cache.load_cached(tiers)
    key = cache.cache_key(tiers)
    tiers.write_text(tiers.read_text() + "XAG,2019,Tier 3,Seventhland\n")
    assert cache.cache_key(tiers) != key and not cache.is_cached(tiers)
    after = cache.load_cached(tiers)
    assert after.rows_in == before.rows_in + 1
    assert after.provenance.sha256 != before.provenance.sha256


def test_new_loader_version_is_a_miss(tiers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache.load_cached(tiers)
    key = cache.cache_key(tiers)
    loader = registry.loaders()[tip.SOURCE]
    monkeypatch.setitem(registry._LOADERS, tip.SOURCE, dataclasses.replace(loader, version="999"))
    assert cache.cache_key(tiers) != key and not cache.is_cached(tiers)


def test_edited_source_metadata_is_a_miss(
    tiers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A metadata-only edit (licence, citation) gives a fresh load with the new provenance, not the cached
    table's stale one; another source's metadata leaves the key alone."""
    import types

    from evidence.sources import metadata

    before = cache.load_cached(tiers)
    key = cache.cache_key(tiers)
    copy = Path(shutil.copytree(Path(metadata.__file__).parent, tmp_path / "metadata"))
    monkeypatch.setattr(metadata, "resources", types.SimpleNamespace(files=lambda _name: copy))
    metadata.datasets.cache_clear()
    try:
        other = copy / "walkfree_gsi.yaml"
        other.write_text(other.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
        assert (
            cache.cache_key(tiers) == key
        )  # another source's metadata (a comment, even) is not this table's
        edited = copy / "us_tip_tiers_simple.yaml"
        text = edited.read_text(encoding="utf-8")
        assert "public domain in the US" in text and "US Department of State. Trafficking" in text
        edited.write_text(
            text.replace("public domain in the US", "public domain (edited)").replace(
                "US Department of State. Trafficking", "US Department of State (edited). Trafficking"
            ),
            encoding="utf-8",
        )
        metadata.datasets.cache_clear()
        assert cache.cache_key(tiers) != key and not cache.is_cached(tiers)
        after = cache.load_cached(tiers)
        assert "(edited)" in after.provenance.citation and "(edited)" not in before.provenance.citation
        assert after.provenance.licence != before.provenance.licence
        assert cache.load_cached(tiers).provenance == after.provenance  # and the fresh table is cached
    finally:
        monkeypatch.undo()
        metadata.datasets.cache_clear()
    assert cache.cache_key(tiers) == key


def test_edited_sidecar_is_a_miss(tiers: Path) -> None:
    sidecar = registry.sidecar_path(tiers)
    sidecar.write_text(json.dumps({"release": "2019"}))
    assert cache.load_cached(tiers).provenance.release == "2019"
    sidecar.write_text(json.dumps({"release": "2019 (revised)"}))
    assert cache.load_cached(tiers).provenance.release == "2019 (revised)"


def test_a_sidecar_read_another_way_is_a_miss(tiers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """dates31: a sidecar's dates are now read at the precision written (``June 2025``: ``2025-06``) and refused
    when they read two ways: a table cached from the same sidecar read the old way kept its old provenance (and
    loaded, from the cache, a sidecar now refused). How the toolkit reads sidecars is part of the key."""
    registry.sidecar_path(tiers).write_text(json.dumps({"release": "June 2025"}))
    key = cache.cache_key(tiers)
    assert cache.load_cached(tiers).provenance.release == "2025-06"
    monkeypatch.setattr(registry, "SIDECAR_READING", registry.SIDECAR_READING + "+1")
    assert cache.cache_key(tiers) != key and not cache.is_cached(tiers)


def test_same_file_elsewhere_reports_its_own_path(
    tiers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.load_cached(tiers)
    copy = Path(shutil.copy(tiers, tmp_path / "copy.csv"))
    forbid_loading(monkeypatch)
    assert cache.load_cached(copy).provenance.path == str(copy)


def test_damaged_entry_is_rebuilt(tiers: Path) -> None:
    expected = cache.load_cached(tiers).data
    cache.cache_path(tiers).write_bytes(b"not parquet")
    assert_frame_equal(cache.load_cached(tiers).data, expected)
    assert pl.read_parquet(cache.cache_path(tiers)).height == expected.height


def test_refresh_and_clear(tiers: Path) -> None:
    cache.load_cached(tiers)
    cache.load_cached(tiers, refresh=True)
    assert cache.clear_cache() == 1 and not cache.is_cached(tiers)


def test_real_unodc_workbook_round_trips(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    path = shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"
    built = cache.load_cached(path)
    forbid_loading(monkeypatch)
    cached = cache.load_cached(path)
    assert_frame_equal(cached.data, built.data)
    assert_frame_equal(cached.flags, built.flags)
    assert cached.summary() == built.summary()


def test_missing_file_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(InputError, match="no such file"):
        cache.load_cached(tmp_path / "absent.csv")


def test_edited_country_reference_is_a_miss(tiers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edited alias maps a name to another country: a table cached with the old reference is not reused."""
    from evidence.sources import countries

    cache.load_cached(tiers)
    key = cache.cache_key(tiers)
    assert cache.cache_key(tiers) == key and cache.is_cached(tiers)
    monkeypatch.setattr(countries, "reference_digest", lambda: "0" * 64)
    assert cache.cache_key(tiers) != key and not cache.is_cached(tiers)


# ------------------------------------------------------------------------- the tables kept in the process


def test_a_file_changed_in_place_is_read_again_even_with_its_size_and_time(tiers: Path) -> None:
    """A table read once is kept in the process; the file rewritten in place (same path, size, modification
    time and inode: ``cp -p`` over it, a clock set back) is a new table, never the kept one."""
    import os

    cache.load_cached(tiers)
    kept = cache.load_cached(tiers, shared=True)  # read from the cache's entry, and kept
    assert (
        cache.load_cached(tiers, shared=True).data is kept.data
    )  # kept indeed: the same frame, not read again
    before = tiers.stat()
    text = tiers.read_text(encoding="utf-8")
    changed = text.replace("XAB,2018,Tier 3", "XAB,2018,Tier 1")
    assert changed != text and len(changed) == len(text)
    tiers.write_text(changed, encoding="utf-8")
    os.utime(tiers, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = tiers.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )
    for shared in (False, True, False, True):  # the new table, then the new table kept
        tiers_now = cache.load_cached(tiers, shared=shared)
        xab = tiers_now.data.filter(pl.col("iso3") == "XAB", pl.col("report_year") == 2018)
        assert xab["tier"].cast(pl.String).to_list() == ["Tier 1"]
        assert tiers_now.provenance.sha256 != kept.provenance.sha256
    tiers.write_text(text, encoding="utf-8")  # and back: the table of that content again
    assert_frame_equal(cache.load_cached(tiers, shared=True).data, kept.data)


def test_a_kept_table_is_each_callers_own(tiers: Path) -> None:
    """What a caller does to its table (its provenance replaced, as a test's control does) is not the next
    caller's; each is given the path it asked for, and frames of its own unless it asks for the kept ones
    (what is built once per frame is built anew for a table of its own)."""
    cache.load_cached(tiers)
    for shared in (False, True):
        mine = cache.load_cached(tiers, shared=shared)
        mine.provenance = dataclasses.replace(mine.provenance, protection="suppression", release="mine")
        mine.rows_in = -1
        theirs = cache.load_cached(tiers, shared=shared)
        assert theirs.provenance.release != "mine" and theirs.provenance.protection != "suppression"
        assert theirs.rows_in == theirs.data.height + theirs.rows_rejected
        assert (theirs.data is mine.data) is shared
        assert_frame_equal(theirs.data, mine.data)
    copy = Path(shutil.copy(tiers, tiers.with_name("elsewhere.csv")))
    assert cache.load_cached(copy).provenance.path == str(copy)
    assert cache.load_cached(tiers).provenance.path == str(tiers)


def test_a_kept_tables_entry_rewritten_or_damaged_is_read_again(tiers: Path) -> None:
    cache.load_cached(tiers)
    expected = cache.load_cached(tiers, shared=True).data  # kept
    cache.cache_path(tiers).write_bytes(b"not parquet")
    assert_frame_equal(cache.load_cached(tiers, shared=True).data, expected)  # read again (damaged): rebuilt
    assert pl.read_parquet(cache.cache_path(tiers)).height == expected.height
    assert cache.clear_cache() == 1  # and a cleared cache keeps nothing in the process either
    cache.load_cached(tiers)
    assert cache.is_cached(tiers)


def test_the_source_a_loader_read_a_file_as_is_remembered_without_reading_it(
    tiers: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """remembered_source says which loader read a content before (what a run's list-capture check asks instead of
    peeking a workbook), and None for a content no loader has read: not yet, changed since, or a damaged memo."""
    assert cache.remembered_source(tiers) is None
    cache.load_cached(tiers)

    def detect(path):
        raise AssertionError(f"{path} was detected again")

    monkeypatch.setattr(cache, "detect", detect)
    assert cache.remembered_source(tiers) == tip.SOURCE
    copy = Path(shutil.copy(tiers, tiers.with_name("copy.csv")))
    assert cache.remembered_source(copy) == tip.SOURCE  # by content, wherever it is
    tiers.write_text(tiers.read_text() + "XAG,2019,Tier 3,Seventhland\n")
    assert cache.remembered_source(tiers) is None
    for memo in cache.tables_dir().glob("*.detected.json"):
        memo.write_text("{damaged", encoding="utf-8")
    assert cache.remembered_source(copy) is None
    assert cache.remembered_source(tiers.with_name("absent.csv")) is None
