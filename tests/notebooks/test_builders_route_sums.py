"""A route table's sums of each route and class read as lists (:func:`evidence.notebooks.builders._route_sums`):
those of the joins, concatenation and group-by they replaced (:func:`_route_sums_query`), on hand-made rows
with what a join or a sum treats apart (a key with a null part, a corridor without rows or listed twice, a
null class, a missing count), and the queries themselves where a sum could differ (counts not integral)."""

from __future__ import annotations

import polars as pl
import pytest

from evidence.analyses.intervals import UNCENSORED
from evidence.analyses.selection import CELL_KEY
from evidence.notebooks import builders
from evidence.notebooks.builders import OTHER_ROUTES

KEYS = ["origin_iso3", "destination_iso3", "route_basis"]
MEASURES = {"n_low": "victims_low", "n_high": "victims_high"}
UNKNOWN_CELLS = [
    ("Origin unknown", "__no_route", 3, 7, 0, 2),
    ("Destination unknown", "__no_route", 0, 0, 0, 0),
]


def _flows(low: list[float | None]) -> pl.DataFrame:
    n = len(low)
    float_counts = not low or any(isinstance(v, float) for v in low)
    columns = {
        "origin_iso3": (["MMR", "MMR", "KHM", None, "LAO", "VNM", "IDN"], pl.String),
        "destination_iso3": (["THA"] * 7, pl.String),
        "route_basis": (
            ["citizenship", "citizenship", "repatriation", "citizenship", None, "record", "record"],
            pl.String,
        ),
        "flow_class": (
            ["transregional", "transregional", "intraregional", "unknown", None, "domestic", None],
            pl.String,
        ),
        "victims_low": (low, pl.Float64 if float_counts else pl.Int64),
        "victims_high": (
            [None if v is None else v + 3 for v in low],
            pl.Float64 if float_counts else pl.Int64,
        ),
        CELL_KEY: ([11, 12, None, 14, 15, 16, 17], pl.Int64),
        UNCENSORED: ([5, None, 0, 2, 1, 0, 9], pl.Int64),
    }
    return pl.DataFrame(
        [pl.Series(name, values[:n], dtype=dtype) for name, (values, dtype) in columns.items()]
    )


def _top(rows: list[tuple[str | None, str | None, str | None, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=[*KEYS, "flow_class"], orient="row")


#: Myanmar listed (two rows of it), Cambodia listed twice under two names, a corridor without rows, a corridor
#: with a null part (which matches no row, and leaves the null-keyed rows with the other routes)
TOP = _top(
    [
        ("MMR", "THA", "citizenship", "transregional"),
        ("KHM", "THA", "repatriation", "intraregional"),
        ("KHM", "THA", "repatriation", "intraregional"),
        ("PHL", "THA", "citizenship", "intraregional"),
        (None, "THA", "citizenship", "unknown"),
    ]
)
LABELS = ["Myanmar → Thailand", "Cambodia → Thailand", "Cambodia (again)", "Philippines → Thailand", "?"]


@pytest.mark.parametrize(
    "low", [[40.0, 12.0, None, 3.0, 2.0, 1.0, 0.0], [40, 12, 1, 3, 2, 1, 0], [1.0, 2.0], []], ids=str
)
def test_the_sums_as_lists_are_those_of_the_queries(low: list) -> None:
    flows = _flows(low)
    found = builders._route_sums(flows, TOP, LABELS, KEYS, MEASURES, UNKNOWN_CELLS)
    assert found == builders._route_sums_query(flows, TOP, LABELS, KEYS, MEASURES, UNKNOWN_CELLS)
    if len(low) == 7 and low[2] is None:  # the rows' own sums, as a reader adds them
        assert found[("Myanmar → Thailand", "transregional")] == [52, 58, 23, 5]
        assert found[("Cambodia → Thailand", "intraregional")] == [0, 0, 0, 0]  # its count missing
        assert found[("Philippines → Thailand", "intraregional")] == [0, 0, 0, 0]  # no rows: a group of 0
        assert found[(OTHER_ROUTES, "unknown")] == [3, 6, 14, 2]  # the row of a null origin
        assert found[(OTHER_ROUTES, None)] == [2, 8, 32, 10]  # a null basis, a null class: their group
        assert found[("Origin unknown", "__no_route")] == [3, 7, 0, 2]


def test_counts_not_integral_are_summed_by_the_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    flows = _flows([40.5, 12.0, 2.0, 3.0, 2.0, 1.0, 0.0])
    by_queries: list[bool] = []
    query = builders._route_sums_query
    monkeypatch.setattr(builders, "_route_sums_query", lambda *args: by_queries.append(True) or query(*args))
    found = builders._route_sums(flows, TOP, LABELS, KEYS, MEASURES, UNKNOWN_CELLS)
    assert by_queries and found[("Myanmar → Thailand", "transregional")][0] == 52  # 40.5 + 12 truncated
    by_queries.clear()
    builders._route_sums(_flows([40.0, 12.0]), TOP, LABELS, KEYS, MEASURES, UNKNOWN_CELLS)
    assert not by_queries
