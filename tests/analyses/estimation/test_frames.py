"""A researcher's frame given to estimate_population: each history once (a file's loader sums repeated histories
with a note; a frame, given by code, is refused), and a row on no list named by its row."""

from __future__ import annotations

import polars as pl
import pytest

from evidence.analyses.estimation import estimate_population
from evidence.core.errors import EvidenceError


def test_a_history_given_twice_in_a_frame_is_refused_with_its_rows() -> None:
    # the frame's two {A} rows were summed silently (its CSV is read summed, with a note naming the rows)
    frame = pl.DataFrame(
        {
            "A": [1, 1, 0, 0, 1, 1, 0],
            "B": [0, 0, 1, 0, 1, 0, 1],
            "C": [0, 0, 0, 1, 0, 1, 1],
            "count": [40, 5, 30, 20, 10, 8, 6],
        }
    )
    with pytest.raises(EvidenceError, match=r"\{A\}.*rows 1 and 2 of the frame") as caught:
        estimate_population(frame)
    assert "sum the counts" in str(caught.value) and "a note naming the rows" in str(caught.value)
    # the same table, each history once, estimates
    summed = frame.group_by(["A", "B", "C"], maintain_order=True).agg(pl.col("count").sum())
    assert estimate_population(summed).observed == 119


def test_one_row_per_case_may_repeat_a_history() -> None:
    frame = pl.DataFrame({"A": [1, 1, 0, 1, 0, 1], "B": [0, 0, 1, 1, 1, 1], "C": [1, 0, 0, 0, 1, 1]})
    assert estimate_population(frame, method="main").observed == 6


@pytest.mark.parametrize(
    ("frame", "row"),
    [
        (pl.DataFrame({"A": [1, 0, 1, 0], "B": [0, 1, 1, 0]}), 4),  # one row per case: a case on no list
        (pl.DataFrame({"A": [1, 0, 0, 1], "B": [0, 1, 0, 1], "count": [40, 30, 7, 10]}), 3),
    ],
)
def test_a_row_on_no_list_is_named(frame: pl.DataFrame, row: int) -> None:
    with pytest.raises(EvidenceError, match=rf"row {row} of the frame") as caught:
        estimate_population(frame)
    assert "on no list" in str(caught.value)


def test_a_history_on_no_list_with_count_zero_is_no_error() -> None:
    frame = pl.DataFrame({"A": [0, 1, 0, 1], "B": [0, 0, 1, 1], "count": [0, 40, 30, 10]})
    assert estimate_population(frame).observed == 80
