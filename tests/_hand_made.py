"""A hand-made table of victim records for tests: rows as dicts, conformed to the case schema, with a test
provenance (perturbed by the cell key when ``keyed``, else marked synthetic)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from evidence.sources.case_schema import conform
from evidence.sources.loaded import LoadedTable
from evidence.sources.provenance import Provenance


def hand_made_table(rows: Sequence[dict[str, Any]], *, keyed: bool = False) -> LoadedTable:
    """``rows`` as a loaded table of victim records (``keyed``: its counts published by the cell key)."""
    provenance = Provenance(
        source="test", layout="hand-made", release="1", path="x.csv", sha256="ab" * 32, url="", licence="",
        citation="", synthetic=not keyed, protection="cell_key" if keyed else "",
    )  # fmt: skip
    return LoadedTable(conform(pl.DataFrame(rows)), provenance, rows_in=len(rows))
