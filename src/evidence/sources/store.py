"""Canonical tables on disk: Parquet with provenance, rejects and flags kept in the file's metadata."""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl

from evidence.core.atomic import atomic_path
from evidence.core.errors import InputError
from evidence.sources.loaded import LoadedTable, issues_frame
from evidence.sources.provenance import Provenance

_KEY = "evidence"


def write_parquet(loaded: LoadedTable, path: str | Path, *, mode: int | None = None) -> Path:
    """Write the canonical table atomically (with ``mode``, see :func:`evidence.core.atomic.atomic_path`);
    provenance, accounting, rejects and flags go in the metadata."""
    meta = {
        "provenance": loaded.provenance.to_dict(),
        "kind": loaded.kind,
        "rows_in": loaded.rows_in,
        "rows_left_out": loaded.rows_left_out,
        "rejects": _issues_json(loaded.rejects),
        "flags": _issues_json(loaded.flags),
    }
    with atomic_path(path, mode=mode) as tmp:
        loaded.data.write_parquet(tmp, metadata={_KEY: json.dumps(meta, ensure_ascii=False)})
    return Path(path)


def read_parquet(path: str | Path) -> LoadedTable:
    """Read a table written by :func:`write_parquet`, with its provenance and row accounting."""
    path = Path(path)
    try:
        raw = pl.read_parquet_metadata(path).get(_KEY)
    except Exception as exc:
        raise InputError(f"not a readable Parquet file: {exc}", path=path) from exc
    if raw is None:
        raise InputError("this Parquet file was not written by evidence (no provenance metadata)", path=path)
    try:
        meta = json.loads(raw)
        return LoadedTable(
            data=pl.read_parquet(path),
            provenance=Provenance.from_dict(meta["provenance"]),
            rows_in=meta["rows_in"],
            rejects=_issues_from_json(meta["rejects"]),
            flags=_issues_from_json(meta["flags"]),
            kind=meta["kind"],
            rows_left_out=meta.get("rows_left_out", 0),
        )
    except (ValueError, KeyError, TypeError) as exc:  # metadata damaged, or from an incompatible version
        raise InputError(
            f"the evidence metadata of this Parquet file is unreadable: {exc!r}", path=path
        ) from exc


def _issues_json(df: pl.DataFrame) -> str:
    return df.write_json()


def _issues_from_json(text: str) -> pl.DataFrame:
    return issues_frame(pl.read_json(io.StringIO(text)) if text and text != "[]" else [])
