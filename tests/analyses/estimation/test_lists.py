"""ListCapture's refusals say what can be done: with two lists, dropping one leaves nothing to estimate from."""

from __future__ import annotations

import polars as pl
import pytest

from evidence.analyses.estimation.lists import ListCapture
from evidence.core.errors import InputError


@pytest.mark.parametrize(
    ("frame", "column"),
    [
        (pl.DataFrame({"A": [1, 1], "B": [0, 1], "count": [40, 10]}), "A"),  # A holds every case of B
        (pl.DataFrame({"A": [1, 0], "B": [0, 0], "count": [40, 0]}), "B"),  # B holds nobody
    ],
)
def test_with_two_lists_the_refusal_does_not_say_drop_the_list(frame: pl.DataFrame, column: str) -> None:
    # before: "drop it before estimating", which leaves one list: no estimate at all
    with pytest.raises(InputError) as caught:
        ListCapture.from_frame(frame)
    assert caught.value.column == column
    message = str(caught.value)
    assert "drop it" not in message
    assert "a third list" in message


def test_with_three_lists_the_list_is_to_be_dropped() -> None:
    frame = pl.DataFrame({"A": [1, 1, 1], "B": [0, 1, 0], "C": [0, 0, 1], "count": [40, 10, 8]})
    with pytest.raises(InputError, match="drop it before estimating") as caught:
        ListCapture.from_frame(frame)
    assert caught.value.column == "A"
