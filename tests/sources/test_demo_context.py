"""The synthetic demo files in the UNODC, GSI and TIP layouts: loaded by the ordinary loaders, labelled demo."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from evidence.sources.demo_context import demo_context_paths, write_demo_context
from evidence.sources.registry import load


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory) -> list[Path]:
    return write_demo_context(tmp_path_factory.mktemp("demo"))


def test_each_file_loads_with_its_layouts_loader_and_says_it_is_demo_data(demo_files):
    loaded = [load(p) for p in demo_files]
    assert [t.kind for t in loaded] == ["indicator", "gsi", "tier"]
    for table in loaded:
        assert table.provenance.demo and table.provenance.synthetic
        assert table.rows_rejected == 0 and table.rows_kept > 0
        assert "demo" in table.provenance.label.lower()


def test_the_demo_countries_have_every_section(demo_files):
    from evidence.analyses.coverage import coverage

    loaded = [load(p) for p in demo_files]
    unodc, gsi, tip = loaded
    thailand = unodc.data.filter(pl.col("iso3") == "THA")
    assert set(thailand["dimension"].unique().to_list()) >= {
        "Total",
        "by form of exploitation",
        "by citizenship",
    }
    assert unodc.data["censored"].any()  # counts of 1 to 4 published as <5, as UNODC does
    assert (gsi.data["iso3"] == "THA").any() and (tip.data["iso3"] == "THA").any()
    found = coverage(loaded, "THA", "both")
    assert all(s.in_selection for s in found.sources)


def test_files_are_generated_once_and_again_when_damaged(tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path))
    first = demo_context_paths()
    stamps = [p.stat().st_mtime_ns for p in first]
    assert demo_context_paths() == first and [p.stat().st_mtime_ns for p in first] == stamps
    first[1].write_bytes(b"damaged")
    again = demo_context_paths()
    assert again == first and load(again[1]).kind == "gsi"
    # the damaged file alone is written again: the intact ones are left as they were
    assert [p.stat().st_mtime_ns for p in (again[0], again[2])] == [stamps[0], stamps[2]]
    assert again[1].stat().st_mtime_ns != stamps[1]


def test_the_demo_workbooks_are_the_same_bytes_whenever_written(demo_files, tmp_path, monkeypatch):
    """openpyxl stamps the save time into the workbook; taken out, the same seed gives the same sha256 (the
    demo brief's provenance lines then agree between cache folders)."""
    import hashlib
    import zipfile

    from evidence.sources import demo_context

    first = demo_files  # written earlier, into another folder
    # built by openpyxl again, not taken from the workbooks made earlier in this process (as another run builds it)
    monkeypatch.setattr(demo_context, "_MADE", {})
    second = write_demo_context(tmp_path / "b")
    assert len(demo_context._MADE) == 2  # the UNODC and GSI workbooks, both built anew
    for a, b in zip(first, second, strict=True):
        assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    for path in first:
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                assert {info.date_time for info in archive.infolist()} == {(2023, 5, 30, 0, 0, 0)}
                core = archive.read("docProps/core.xml").decode()
                assert core.count("2023-05-30T00:00:00Z") == 2


def test_copies_without_their_sidecars_are_still_demo_data(demo_files, tmp_path):
    """A copy of each file (no sidecar) is labelled demo from its content: never cited as UNODC's, Walk Free's or
    the State Department's."""
    from evidence.sources.provenance import DEMO_MARKER

    for path in demo_files:
        copy = tmp_path / path.name
        copy.write_bytes(path.read_bytes())
        p = load(copy).provenance
        assert (p.demo, p.synthetic, p.release) == (True, True, "demo-2")
        assert "NOT real" in p.label and p.url == "" and "<date>" not in p.citation
        assert not any(DEMO_MARKER in note for note in p.notes if note.startswith("columns not used"))


def test_the_checksum_list_holds_the_current_default_tip_file(demo_files):
    """The TIP file with the default seed (what demo_context_paths writes into the cache: the same function,
    the same seed, the same bytes as the test above shows) is in the checksum list."""
    from evidence.sources.provenance import DEMO_SHA256, sha256_file

    assert DEMO_SHA256.get(sha256_file(demo_files[2])) == "demo-2"
