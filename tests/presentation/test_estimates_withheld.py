"""Tables above the census of ``model_withheld`` (3 lists of 27 people or more): what an estimate publishes leaves
each small count free. A count is free when another table of the same number observed publishes exactly the same
(the whole JSON payload, with the deterministic log-normal limits, and the rows of the text) with another value of
it; the tables below are such witnesses, found by the search the module docstring of ``estimates`` reports. From
100 people, with the model published, the log-normal limits leave some small counts one value under 5."""

from __future__ import annotations

import numpy as np
import pytest

from evidence.analyses.estimation import ListCapture, estimate_population
from evidence.analyses.estimation.lists import history_matrix
from evidence.presentation import estimates
from evidence.presentation.estimates import (
    LOG_NORMAL_WITHHELD,
    disclose_estimate,
    disclosed_payload,
    estimate_rows,
    model_withheld,
)


def _capture(counts: list[int]) -> ListCapture:
    """Three lists A, B, C; counts in the toolkit's order of histories: 100, 010, 110, 001, 101, 011, 111."""
    return ListCapture(("A", "B", "C"), np.array(counts))


def _small_counts(counts: list[int]) -> dict[str, int]:
    """Every cell, list size and pair overlap of the table, by name."""
    h = history_matrix(3)
    y = np.array(counts)
    names = {"".join("ABC"[i] for i in range(3) if row[i]): int(c) for row, c in zip(h, y, strict=True)}
    lists = {f"list {x}": int(y @ h[:, i]) for i, x in enumerate("ABC")}
    pairs = {f"{'ABC'[a]}&{'ABC'[b]}": int(y @ (h[:, a] & h[:, b])) for a, b in ((0, 1), (0, 2), (1, 2))}
    return names | lists | pairs


def _published(counts: list[int]) -> tuple[dict, list]:
    """Everything published of the estimate (log-normal interval, as ``bootstrap_replicates=0`` gives it)."""
    result = estimate_population(_capture(counts))
    payload = disclosed_payload(result)
    payload.pop("source")
    return payload, estimate_rows(result)


#: 80 people; stepwise chooses A:B, whose lists share 2 people: 2 on B alone, 1 on A and B only, 1 on all three.
#: Published: estimate 90 (88.6 rounded to 5), interval x – 95, the model withheld.
EIGHTY = [15, 2, 1, 20, 21, 20, 1]
#: one table per small count, publishing the same, with another value of it
EIGHTY_WITNESSES = {
    "B": [14, 3, 1, 20, 21, 20, 1],
    "AB": [14, 2, 2, 20, 21, 20, 1],
    "ABC": [14, 2, 1, 20, 21, 20, 2],
    "A&B": [14, 2, 1, 20, 21, 20, 2],
}


def test_a_table_of_80_people_with_a_small_overlap_chosen_leaves_every_small_count_free():
    result = estimate_population(_capture(EIGHTY))
    assert result.terms == ("A:B",) and model_withheld(result)
    truth = _small_counts(EIGHTY)
    small = {name for name, value in truth.items() if 1 <= value < 5}
    assert small == set(EIGHTY_WITNESSES)
    published = _published(EIGHTY)
    assert published[0]["terms"] == "x" and published[0]["estimate"] == 90
    assert published[0]["interval"] == ["x", 95]
    for name, witness in EIGHTY_WITNESSES.items():
        assert sum(witness) == sum(EIGHTY)
        assert _small_counts(witness)[name] != truth[name]
        assert _published(witness) == published


def test_the_rounding_to_5_is_what_leaves_all_three_people_on_all_three_lists_free(monkeypatch):
    """With the model shown and numbers in whole people, the witness with 2 people on all three lists (instead of
    1) publishes an estimate of 88, not 89: the rounding to 5 of ``model_withheld`` is what makes them agree."""
    monkeypatch.setattr(estimates, "MODEL_WITHHELD_BELOW", 0)
    shown, witness = _published(EIGHTY)[0], _published(EIGHTY_WITNESSES["ABC"])[0]
    assert shown["terms"] == witness["terms"] == ["A:B"]
    assert (shown["estimate"], witness["estimate"]) == (89, 88)


#: 150 people (the model published): stepwise chooses B:C; 1 person on A alone. The estimate, 150.4, is published
#: as 150 with 0 on no list, the upper limit withheld (x).
ONE_FIFTY = [1, 24, 77, 16, 29, 1, 2]
#: 2 on A alone, 150 people, B:C chosen, the same publication (14 moves of one person away)
ONE_FIFTY_WITNESS = [2, 13, 82, 13, 31, 3, 6]


def test_above_100_people_the_published_model_and_estimate_leave_one_person_on_a_list_alone_free():
    result = estimate_population(_capture(ONE_FIFTY))
    assert result.terms == ("B:C",) and not model_withheld(result)
    published = _published(ONE_FIFTY)
    assert published[0]["terms"] == ["B:C"] and published[0]["dark_figure"] == 0
    assert _small_counts(ONE_FIFTY)["A"] == 1 and _small_counts(ONE_FIFTY_WITNESS)["A"] == 2
    assert sum(ONE_FIFTY_WITNESS) == sum(ONE_FIFTY)
    assert _published(ONE_FIFTY_WITNESS) == published


@pytest.mark.parametrize("observed", [99, 100])
def test_the_model_is_withheld_below_100_people_only(observed):
    counts = [observed - 44, 10, 10, 10, 10, 3, 1]
    result = estimate_population(_capture(counts))
    assert result.observed == observed
    assert model_withheld(result) == (observed < 100)


#: 100 people (the model published), stepwise chooses B:C; 1 person on A alone. Published: the estimate withheld
#: (1.5 on no list), the log-normal interval 100 – 111.
HUNDRED = [1, 19, 13, 40, 26, 1, 0]
#: 59 on A alone: the same publication (model, interval, every other field)
HUNDRED_WITNESS = [59, 0, 1, 0, 1, 1, 38]


def test_with_the_model_the_log_normal_limits_leave_one_small_value_of_a_count_alone_on_a_list():
    """Under one interaction (B:C) the estimate is observed + x·y/z and the log-normal limits observed +
    x·y/z·exp(±1.96·√(1/x + 1/y + 1/z)), with x on A alone, y not on A, z on A and another list: three numbers
    summing to the number observed. Every (x, y, z) of 100 people giving the limits puts 1, or 59 or 60, on A
    alone: A alone is not pinned (the witness would publish the same with 59), but if it is small it is 1. So
    beside a published model in a three-list table with a small cell the log-normal limits are withheld
    (``LOG_NORMAL_WITHHELD``); they were published as [100, 111]."""
    result = estimate_population(_capture(HUNDRED))
    assert result.terms == ("B:C",) and not model_withheld(result)
    published = _published(HUNDRED)
    assert published[0]["estimate"] == "x" and published[0]["interval"] == ["x", "x"]
    assert _published(HUNDRED_WITNESS) == published and HUNDRED_WITNESS[0] == 59
    disclosed = disclose_estimate(result)
    assert LOG_NORMAL_WITHHELD in disclosed.reasons

    n = sum(HUNDRED)
    z_score = 1.959963984540054
    x, y = np.meshgrid(np.arange(1, n), np.arange(1, n), indexing="ij")
    x, y = x.ravel(), y.ravel()
    z = n - x - y
    x, y, z = x[z >= 1], y[z >= 1], z[z >= 1]
    hidden, spread = x * y / z, z_score * np.sqrt(1 / x + 1 / y + 1 / z)
    low, high = n + hidden * np.exp(-spread), n + hidden * np.exp(spread)
    truth = (1, 19 + 40 + 1, 13 + 26 + 0)  # A alone; not on A; on A and another list
    at = np.flatnonzero((x == truth[0]) & (y == truth[1]) & (z == truth[2]))
    assert np.allclose((low[at][0], high[at][0]), result.interval, rtol=1e-9)  # the toolkit's own limits
    # the estimate withheld: x·y/z, or it rounded, is 1 to 4
    same = (np.round(low) == 100) & (np.round(high) == 111) & (hidden >= 0.5) & (hidden < 5)
    assert sorted(set(x[same].tolist())) == [1, 59, 60]
