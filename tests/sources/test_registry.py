from __future__ import annotations

import json

import pytest

from evidence.core.errors import InputError, UnknownFormatError
from evidence.sources import registry
from evidence.sources.registry import Loader, detect, load, sidecar_path


def test_missing_empty_and_unknown_files_get_one_clear_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        detect(tmp_path / "nope.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        detect(empty)
    other = tmp_path / "other.csv"
    other.write_text("name,age\nAda,36\n")
    with pytest.raises(UnknownFormatError) as info:
        detect(other)
    assert str(other) in str(info.value) and "name,age" in str(info.value)


def _fake_loader():
    import polars as pl

    from evidence.sources.loaded import LoadedTable
    from evidence.sources.provenance import Provenance

    def sniff(head):
        return "fake_v1" if head.first_line.startswith("FAKE") else None

    def load(path, layout):
        return LoadedTable(
            data=pl.DataFrame({"a": [1]}),
            rows_in=1,
            provenance=Provenance(
                source="fake",
                layout=layout,
                release="unknown",
                path=str(path),
                sha256="",
                url="",
                licence="",
                citation="",
            ),
        )

    return Loader(source="fake", sniff=sniff, load=load)


def test_sidecar_completes_provenance(tmp_path, monkeypatch):
    monkeypatch.setitem(registry._LOADERS, "fake", _fake_loader())
    path = tmp_path / "a.csv"
    path.write_text("FAKE\n1\n")
    assert sidecar_path(path) == tmp_path / "a.csv.provenance.json"
    assert load(path).provenance.release == "unknown"
    sidecar_path(path).write_text(json.dumps({"release": "demo-1", "synthetic": True, "demo": True}))
    prov = load(path).provenance
    assert (prov.release, prov.synthetic, prov.demo) == ("demo-1", True, True)
    sidecar_path(path).write_text(json.dumps({"relase": "typo"}))
    with pytest.raises(InputError, match="unknown keys"):
        load(path)
