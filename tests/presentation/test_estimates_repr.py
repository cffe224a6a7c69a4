"""How a disclosed estimate reads in a notebook: the numbers as published, the withheld ones as withheld, why."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from evidence.analyses.estimation import ListCapture, estimate_population, read_list_capture
from evidence.presentation.disclosure import DisclosureRule
from evidence.presentation.estimates import disclose_estimate


@pytest.fixture(scope="module")
def western(shared_data: Path):
    return estimate_population(read_list_capture(shared_data / "mse" / "western_us_5list" / "Western.csv"))


def test_a_disclosed_estimate_reads_as_its_published_numbers(western) -> None:
    """The researcher session: the dataclass's repr printed ``values``, ``marks`` and the rule's fields."""
    shown = disclose_estimate(western)
    text = repr(shown)
    assert text.startswith(f"<DisclosedEstimate: {shown.text('estimate')} people estimated, interval ")
    for field in ("estimate", "observed", "dark_figure", "low", "high"):
        assert shown.text(field) in text
    assert "withheld" not in text and "values=" not in text and "marks=" not in text
    assert f"observed: {western.observed:,} on at least one list" in text


def test_a_withheld_number_is_shown_withheld_with_why_and_never_as_computed(western) -> None:
    observed = western.observed
    small = dataclasses.replace(
        western, dark_figure=3.21, estimate=observed + 3.21, interval=(observed + 1.43, observed + 40.0)
    )
    shown = disclose_estimate(small)
    for text in (repr(shown), shown._repr_html_()):
        assert "estimate withheld" in text and "x (withheld)" in text
        assert "5 (withheld)" in text  # "<5 (withheld)", escaped in HTML
        assert "fewer than 5 people are estimated to be on no list" in text  # the reason
        for exact in ("3.2", f"{observed + 3.21:,.1f}", f"{observed + 3:,}", f"{observed + 1.43:,.1f}"):
            assert exact not in text
        assert f"{observed + 40:,}" in text  # the upper limit is published
    assert "&lt;5 (withheld)" in shown._repr_html_()


def test_three_people_show_no_number_of_people_in_either_form() -> None:
    result = estimate_population(ListCapture(lists=("A", "B"), counts=np.array([1, 1, 1])), method="main")
    shown = disclose_estimate(result, DisclosureRule(threshold=5))
    for text in (repr(shown), shown._repr_html_()):
        assert "estimate withheld, interval x – x" in text
        assert "fewer than 5 people are on the lists" in text
        assert not any(f" {n} " in text or f" {n}." in text for n in (3, 4))


def test_a_disclosed_estimate_in_html_escapes_its_texts(western) -> None:
    hostile = dataclasses.replace(disclose_estimate(western), reasons=("<script>alert(1)</script>",))
    html = hostile._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.startswith('<table><caption style="text-align:left"><b>DisclosedEstimate</b>')
