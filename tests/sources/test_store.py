from __future__ import annotations

import polars as pl
import pytest

from evidence.core.errors import InputError
from evidence.sources.loaded import LoadedTable, issues_frame
from evidence.sources.provenance import Provenance
from evidence.sources.store import read_parquet, write_parquet


def test_parquet_round_trip_keeps_provenance_and_accounting(tmp_path):
    prov = Provenance(
        source="ctdc",
        layout="global_synthetic",
        release="2024",
        path="a.csv",
        sha256="ab" * 32,
        url="https://example.org",
        licence="terms",
        citation="CTDC",
        synthetic=True,
        notes=("n",),
    )
    loaded = LoadedTable(
        data=pl.DataFrame({"year": [2020, 2021]}),
        provenance=prov,
        rows_in=3,
        rejects=issues_frame([{"row": 4, "column": "year", "value": "x", "reason": "not a year"}]),
        rows_left_out=2,
    )
    out = write_parquet(loaded, tmp_path / "t.parquet")
    back = read_parquet(out)
    assert back.provenance == prov
    assert back.data.equals(loaded.data)
    assert (back.rows_in, back.rows_rejected, back.rows_left_out) == (3, 1, 2)
    assert back.rejects.equals(loaded.rejects)


def test_foreign_parquet_is_refused(tmp_path):
    path = tmp_path / "other.parquet"
    pl.DataFrame({"a": [1]}).write_parquet(path)
    with pytest.raises(InputError, match="not written by evidence"):
        read_parquet(path)


def test_damaged_metadata_is_an_input_error_not_a_traceback(tmp_path):
    path = tmp_path / "damaged.parquet"
    pl.DataFrame({"a": [1]}).write_parquet(path, metadata={"evidence": '{"kind": "case"}'})
    with pytest.raises(InputError, match="metadata of this Parquet file is unreadable"):
        read_parquet(path)
