"""How an estimate reads in a notebook: its exact numbers, said plainly not to have passed the disclosure rule."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from evidence.analyses.estimation import ListCapture, estimate_population, read_list_capture


@pytest.fixture(scope="module")
def western(shared_data: Path):
    return estimate_population(read_list_capture(shared_data / "mse" / "western_us_5list" / "Western.csv"))


def test_an_estimate_says_it_is_exact_and_names_what_makes_it_publishable(western) -> None:
    """The researcher session: the dataclass's repr printed some forty fields (the smallest cell's count
    among them) and nothing said they were not yet through the disclosure rule."""
    for text in (repr(western), western._repr_html_()):
        assert "NOT DISCLOSURE-CONTROLLED" in text
        assert "not passed the small-count disclosure rule" in text
        assert "evidence.presentation.estimates.disclose_estimate(result)" in text
        assert "5 lists (A, B, C, D, E)" in text
        assert "smallest_cell" not in text and "existence=" not in text
    # the chosen interactions in the text only: in small tables they pin small overlaps even without a number
    # (presentation.estimates.model_withheld), and HTML goes into briefs
    assert "stepwise (forward search), interactions A:E" in repr(western)
    html = western._repr_html_()
    assert "stepwise (forward search); its interactions: print(result)" in html and "A:E" not in html
    text = repr(western)
    assert text.startswith(f"<PopulationEstimate: {western.estimate:,.1f} people estimated (95% interval ")
    assert f"{western.observed:,} on at least one of 5 lists" in text and text.count("\n") >= 5


def test_an_estimates_html_keeps_its_exact_numbers_out_of_briefs(western) -> None:
    """HTML outputs go into the brief made from a notebook (text outputs never): an exact estimate's HTML would
    have put numbers that have not passed the disclosure rule there."""
    bootstrapped = dataclasses.replace(western, interval_method="bca", bootstrap_replicates=40, seed=987123)
    html = bootstrapped._repr_html_()
    exact = [western.estimate, western.dark_figure, *western.interval]
    for number in [*(f"{n:,.1f}" for n in exact), *(f"{n:,.0f}" for n in exact), f"{western.observed:,}"]:
        assert number not in html
    assert "987123" not in html and "seed 987123" in repr(bootstrapped)  # the seed too (it pins small cells)
    assert "print(result) shows them" in html and "BCa bootstrap of 40 replicates" in html


def test_an_estimate_never_shows_the_margins_it_keeps_for_the_disclosure_rule(western) -> None:
    marked = dataclasses.replace(western, smallest_cell=987654, smallest_list=876543, overlapping=765432)
    for text in (repr(marked), marked._repr_html_()):
        assert not any(f"{n:,}" in text or str(n) in text for n in (987654, 876543, 765432))


def test_an_estimate_says_how_its_interval_was_made_and_when_it_has_no_upper_limit() -> None:
    capture = ListCapture(lists=("A", "B", "C"), counts=np.array([30, 25, 6, 20, 5, 4, 3]))
    result = estimate_population(capture, method="main", bootstrap_replicates=20, seed=7)
    assert "BCa bootstrap of 20 replicates, seed 7" in repr(result)
    assert "BCa bootstrap of 20 replicates</td>" in result._repr_html_()
    assert "main, main effects only" in repr(result)
    unbounded = dataclasses.replace(result, interval=(result.interval[0], float("inf")))
    assert "– no upper limit)" in repr(unbounded)
    plain = estimate_population(capture, method="main")
    assert "log-normal, from the intercept's standard error" in repr(plain)


def test_an_estimate_in_html_escapes_the_names_of_its_lists_and_its_source(western) -> None:
    hostile = dataclasses.replace(western, lists=("<script>", "B"), source="<img src=x onerror=alert(1)>")
    html = hostile._repr_html_()
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html
