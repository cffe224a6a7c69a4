"""A hand-made table of victim records for tests: rows as dicts, conformed to the case schema, with a test
provenance (perturbed by the cell key when ``keyed``, else marked synthetic)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from evidence.sources.case_schema import conform
from evidence.sources.loaded import LoadedTable
from evidence.sources.provenance import Provenance

if TYPE_CHECKING:
    from evidence.analyses.selection import Selection


def hand_made_table(rows: Sequence[dict[str, Any]], *, keyed: bool = False) -> LoadedTable:
    """``rows`` as a loaded table of victim records (``keyed``: its counts published by the cell key)."""
    provenance = Provenance(
        source="test", layout="hand-made", release="1", path="x.csv", sha256="ab" * 32, url="", licence="",
        citation="", synthetic=not keyed, protection="cell_key" if keyed else "",
    )  # fmt: skip
    return LoadedTable(conform(pl.DataFrame(rows)), provenance, rows_in=len(rows))


#: The regions of the hand-made routes into Thailand (None: a victim of unknown citizenship).
REGIONS = {"MMR": "Asia", "KHM": "Asia", "UKR": "Europe", "BRA": "Americas", None: None}


def into_thailand(origins: dict[str | None, int]) -> Selection:
    """Thailand as destination in 2020, with ``origins``' victims from each country (None: unknown
    citizenship)."""
    from evidence.analyses.selection import Selection

    rows = [
        {
            "year": 2020,
            "origin_iso3": origin,
            "destination_iso3": "THA",
            "origin_region": REGIONS[origin],
            "destination_region": "Asia",
        }
        for origin, victims in origins.items()
        for _ in range(victims)
    ]
    return Selection(hand_made_table(rows), country="THA", role="destination", years=(2020, 2020))
