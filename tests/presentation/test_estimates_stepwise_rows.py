"""Stepwise rows at other thresholds in a sensitivity table with a small cell: which interactions they chose
bounds the stepwise p-values that the same table withholds, so their interactions are withheld with their
numbers; the thresholds in their labels are said to be settings, not p-values of the data."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.analyses.estimation import estimate_population, read_list_capture
from evidence.analyses.estimation.sensitivity import ModelChoice, sensitivity
from evidence.presentation.estimates import (
    coarsened,
    disclosed_payload,
    sensitivity_frame,
    sensitivity_note,
    sensitivity_withheld,
    stepwise_steps,
)

CHOICES = [
    ModelChoice("main", max_order=1),
    ModelChoice("stepwise", 0.001, 2),
    ModelChoice("stepwise", 0.02, 2),
    ModelChoice("stepwise", 0.05, 2),
    ModelChoice("bic", max_order=2),
]


@pytest.fixture(scope="module")
def uk(shared_data: Path):
    capture = read_list_capture(shared_data / "mse" / "uk_2013_5list" / "UKdat_5.csv")
    headline = estimate_population(capture)
    return headline, sensitivity(capture, CHOICES, known=headline)


def test_uk_stepwise_rows_at_other_thresholds_do_not_bound_the_withheld_p_values(uk) -> None:
    """UK (2,744 people, a small cell): the steps' p-values are x, and the table read "stepwise, p < 0.001,
    pairs | LA:NG, LA:PFNCA, NG:GP, PFNCA:GP | x | x": the first four steps below 0.001, the last two not."""
    headline, rows = uk
    assert coarsened(headline) and sensitivity_withheld(rows)  # the premise
    assert {p for _, p in stepwise_steps(headline)} == {"x"} and len(headline.terms) == 6
    frame = {row["model choice"]: row for row in sensitivity_frame(rows).iter_rows(named=True)}
    for label in ("stepwise, p < 0.001, pairs", "stepwise, p < 0.05, pairs"):
        assert (frame[label]["interactions"], frame[label]["estimate"], frame[label]["interval"]) == (
            "x",
        ) * 3
    # the headline's own row keeps its model and numbers; a fixed model and another criterion keep their model
    assert frame["stepwise, p < 0.02, pairs"]["interactions"] == ", ".join(headline.terms)
    assert frame["stepwise, p < 0.02, pairs"]["estimate"] == "11,313"
    assert frame["main effects only"]["interactions"] == "none"
    assert frame["lowest BIC, pairs"]["interactions"] not in ("x", "")
    note = sensitivity_note(rows) or ""
    assert "Nor are the interactions of stepwise selection" in note
    assert "p < 0.001, 0.02 or 0.05 is stepwise selection's entry threshold (a setting)" in note


def test_without_a_small_cell_every_stepwise_row_shows_its_model(shared_data: Path) -> None:
    capture = read_list_capture(shared_data / "mse" / "kosovo_1999_4list" / "Kosovo.csv")
    headline = estimate_population(capture)
    rows = sensitivity(capture, CHOICES[:4], known=headline)
    assert not sensitivity_withheld(rows)
    frame = {row["model choice"]: row for row in sensitivity_frame(rows).iter_rows(named=True)}
    assert frame["stepwise, p < 0.001, pairs"]["interactions"] == "ABA:OSCE, OSCE:HRW"
    assert "x" not in frame["stepwise, p < 0.05, pairs"].values()


def test_shown_step_p_values_say_what_they_test(shared_data: Path) -> None:
    """Kosovo's steps read 5.5e-06, 1.9e-07, 0.0011, 4.8e-05, 9.8e-08 with no note: each tests one overlap
    against the model of the step before, unadjusted for the selection."""
    from evidence.presentation.estimates import stepwise_note

    capture = read_list_capture(shared_data / "mse" / "kosovo_1999_4list" / "Kosovo.csv")
    headline = estimate_population(capture)
    # as readers expect p-values (polish30: the brief printed 5.5e-06); the machine outputs keep them exact
    assert [p for _, p in stepwise_steps(headline)][:3] == ["< 0.001", "< 0.001", "0.0011"]
    assert [s["p_value"] for s in disclosed_payload(headline)["steps"]] == [p for _, p in headline.steps]
    note = stepwise_note(headline) or ""
    assert "against the model fitted before it entered" in note and "not adjusted" in note
    assert "(p < 0.02)" in note
    main = estimate_population(capture, method="main")
    assert stepwise_note(main) is None  # no steps, no note


def test_a_stricter_threshold_than_a_headline_that_added_nothing_is_shown(shared_data: Path) -> None:
    """New Orleans (5 lists, 186 cases): stepwise at p < 0.02 adds nothing, so at p < 0.001 it adds nothing
    either; the row read "x | x" for what the headline says. A looser threshold would say more, and stays x."""
    capture = read_list_capture(
        shared_data / "mse" / "new_orleans_5list" / "NewOrl_5_186cases_MultipleSystemsEstimation.csv"
    )
    headline = estimate_population(capture)
    assert not headline.terms and coarsened(headline)
    rows = sensitivity(capture, CHOICES[1:4], known=headline)
    frame = {row["model choice"]: row for row in sensitivity_frame(rows).iter_rows(named=True)}
    assert (
        frame["stepwise, p < 0.001, pairs"]["interactions"],
        frame["stepwise, p < 0.001, pairs"]["estimate"],
    ) == (
        "none",
        frame["stepwise, p < 0.02, pairs"]["estimate"],
    )
    assert frame["stepwise, p < 0.05, pairs"]["interactions"] == "x"


def test_the_notebook_says_the_labels_thresholds_are_not_p_values() -> None:
    """The section read "stepwise selection with a stricter and a looser p-value" above labels "p < 0.001"."""
    import json

    notebook = Path(__file__).parents[2] / "notebooks" / "hidden_population.ipynb"
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    intro = next(
        " ".join("".join(cell["source"]).split())
        for cell in cells
        if "".join(cell["source"]).startswith("## Sensitivity to the model choice")
    )
    assert "a looser p-value" not in intro and "thresholds, not p-values of these data" in intro
