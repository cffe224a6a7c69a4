"""A lower limit at the number observed is said for what it is: the interval does not rule out that almost
nobody was missed, and (for a bootstrap interval) it is where the replicates fall, not a floor put on it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from evidence.analyses.estimation import estimate_population, read_list_capture
from evidence.presentation.estimates import estimate_headline, estimate_rows, lower_limit_text

SAID = "The lower limit is the number observed"


@pytest.fixture(scope="module")
def korea(shared_data: Path):
    return read_list_capture(shared_data / "mse" / "korea_palembang_3list" / "Korea.csv")


def test_korea_bootstrap_lower_limit_at_the_observed_count_is_explained(korea) -> None:
    """Korea (123 observed, 269 estimated): the BCa interval read "123 – 435" with nothing said. The limit is no
    clipping: it is above the number observed as computed (123.3), where the bootstrap's replicates fall (about a
    fifth of them choose b:d + c:d, which puts fewer than one person on no list)."""
    result = estimate_population(korea, bootstrap_replicates=1000, seed=1)
    assert result.observed == 123 and round(result.estimate) == 269
    assert result.observed < result.interval[0] < result.observed + 0.5  # shown as 123, not clipped to it
    headline = estimate_headline(result)
    assert "interval 123 – " in headline and SAID in headline
    # said once in full, in the table beside the headline (the brief read the paragraph twice)
    row = dict(estimate_rows(result))["lower limit"]
    assert row == lower_limit_text(result) and "no floor" in row and "repeating the model choice" in row
    assert "no floor" not in headline


def test_a_lower_limit_above_the_observed_count_says_nothing(korea) -> None:
    result = estimate_population(korea)  # log-normal: 203 – 390
    assert round(result.interval[0]) == 203
    assert lower_limit_text(result) == "" and SAID not in estimate_headline(result)
    assert "lower limit" not in dict(estimate_rows(result))


def test_a_log_normal_lower_limit_rounding_to_the_observed_count_is_explained(korea) -> None:
    result = estimate_population(korea)
    low = dataclasses.replace(result, interval=(result.observed + 0.3, result.interval[1]))
    text = lower_limit_text(low)
    assert text.startswith("The lower limit rounds to the number observed") and "no floor" not in text
    assert text.split(". ")[0] in estimate_headline(low)


def test_a_limit_that_every_run_gave_alike_is_not_a_range(korea) -> None:
    """Korea's headline read "one run alone gave a lower limit of 123 – 123"."""
    from evidence.presentation.estimates import monte_carlo_range_text

    result = estimate_population(korea, bootstrap_replicates=1000, seed=1)
    runs = dataclasses.replace(result, monte_carlo_range=((123.2, 123.4), (406.2, 473.9)), bootstrap_runs=7)
    assert monte_carlo_range_text(runs) == "a lower limit of 123 each time and an upper limit of 406 – 474"
