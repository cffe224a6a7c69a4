"""How much the estimate depends on the model choice: every choice's estimate, and their spread against the
headline interval (docs/methods.md, "Model choice")."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence.analyses.estimation import estimate_population, read_list_capture
from evidence.analyses.estimation.demo import demo_lists_path
from evidence.analyses.estimation.sensitivity import (
    ModelChoice,
    SensitivityRow,
    model_choices,
    model_spread,
    sensitivity,
)

NED = "netherlands_2010_2015_6list/Ned.csv"


@pytest.fixture(scope="module")
def demo_estimate():
    return estimate_population(demo_lists_path())


@given(
    st.lists(st.floats(2_000, 1e6) | st.none(), min_size=1, max_size=12),
    st.floats(2_000, 1e6),
    st.floats(0, 1e6),
)
def test_the_spread_spans_every_estimate_and_says_when_one_leaves_the_interval(
    demo_estimate, estimates, low, width
) -> None:
    headline = dataclasses.replace(demo_estimate, interval=(low, low + width))
    rows = [
        SensitivityRow(
            ModelChoice("stepwise", 0.02),
            None if e is None else dataclasses.replace(demo_estimate, estimate=e),
        )
        for e in estimates
    ]
    spread = model_spread(rows, headline)
    given_estimates = [e for e in estimates if e is not None]
    if not given_estimates:
        assert spread is None
        return
    assert spread is not None and spread.choices == len(given_estimates)
    assert spread.range == (min(given_estimates), max(given_estimates))
    assert spread.beyond_interval == any(not (low <= e <= low + width) for e in given_estimates)


def test_netherlands_model_choices_disagree_beyond_the_stepwise_interval(shared_data: Path) -> None:
    """The 6-list Netherlands data: stepwise (with two pairs of lists at −∞, as SparseMSE's stepwise selects
    them) gives 111,139, the BIC and downhill searches 43,585 at every order, stepwise up to 4-way 163,356."""
    capture = read_list_capture(shared_data / "mse" / NED)
    headline = estimate_population(capture)
    assert round(headline.estimate) == 111139 and headline.infinite_parameters == ("I:K", "K:R")
    rows = sensitivity(capture, known=headline)
    assert len(rows) == len(model_choices(capture.n_lists))
    spread = model_spread(rows, headline)
    assert spread is not None and spread.beyond_interval
    assert [round(x) for x in spread.range] == [43585, 163356]
    assert spread.low.choice.method in ("bic", "downhill") and spread.high.choice.max_order == 4


def test_sensitivity_takes_what_estimate_population_takes(tmp_path: Path) -> None:
    # a path or a frame gave "AttributeError: 'str' object has no attribute 'n_lists'"
    import polars as pl

    path = tmp_path / "lists.csv"
    path.write_text("A,B,C,count\n1,0,0,40\n0,1,0,30\n0,0,1,20\n1,1,0,6\n1,0,1,9\n0,1,1,7\n1,1,1,3\n")
    frame = pl.read_csv(path)
    choices = model_choices(3)[:2]
    expected = [row.result.estimate for row in sensitivity(read_list_capture(path), choices)]
    for data in (path, str(path), frame):
        assert [row.result.estimate for row in sensitivity(data, choices)] == expected


def test_every_choice_is_bootstrapped_with_one_seed_when_none_is_given(tmp_path: Path) -> None:
    """The docstring promised one seed for every choice; given none, each choice drew its own, so their
    intervals differed by the draw as well as by the model. The headline's seed is the one used when given."""
    path = tmp_path / "lists.csv"
    path.write_text("A,B,C,count\n1,0,0,40\n0,1,0,30\n0,0,1,20\n1,1,0,6\n1,0,1,9\n0,1,1,7\n1,1,1,3\n")
    choices = model_choices(3)[:2]
    rows = sensitivity(path, choices, bootstrap_replicates=20)
    seeds = {row.result.seed for row in rows if row.result is not None}
    assert len(seeds) == 1 and None not in seeds
    headline = estimate_population(path, method="main", bootstrap_replicates=20)
    again = sensitivity(path, choices, bootstrap_replicates=20, known=headline)
    assert {row.result.seed for row in again if row.result is not None} == {headline.seed}


def test_an_end_of_the_range_shared_with_the_headline_is_named_by_the_headlines_choice(
    shared_data: Path,
) -> None:
    """Korea: stepwise at p < 0.001, 0.02 and 0.05 all give 269, the headline p < 0.02's. The range read "to 269
    (stepwise, p < 0.001, pairs)", another choice than the headline's for the headline's own estimate."""
    capture = read_list_capture(shared_data / "mse" / "korea_palembang_3list" / "Korea.csv")
    headline = estimate_population(capture)
    rows = sensitivity(capture, known=headline)
    spread = model_spread(rows, headline)
    assert spread is not None and spread.high.result is not None
    assert spread.high.result.estimate == headline.estimate and spread.high.headline
    assert spread.high.choice.label == "stepwise, p < 0.02, pairs"


def test_kosovo_main_effects_rejected_by_the_selection_do_not_widen_the_spread(shared_data: Path) -> None:
    """Kosovo: stepwise adds five interactions (p from 1e-7 to 0.001), so the lists are not independent by the
    selection's own criterion; the range read "from 7,395 (main effects only) to 18,393" with the model the
    selection rejected at its low end. It now runs from 8,239 (stepwise, p < 0.001), and names main effects as
    rejected."""
    from evidence.presentation.estimates import estimate_headline, sensitivity_note

    capture = read_list_capture(shared_data / "mse" / "kosovo_1999_4list" / "Kosovo.csv")
    headline = estimate_population(capture)
    assert len(headline.terms) == 5  # the premise: the selection rejected independence
    rows = sensitivity(capture, known=headline)
    main = next(row for row in rows if row.choice.method == "main")
    assert main.result is not None and round(main.result.estimate) == 7395
    spread = model_spread(rows, headline)
    assert spread is not None and spread.rejected == (main,)
    assert spread.low is not main and [round(x) for x in spread.range] == [8239, 18393]
    assert spread.choices == sum(row.result is not None for row in rows) - 1
    text = estimate_headline(headline, spread=spread)
    assert "estimates from 8,239 (stepwise, p \\< 0.001, pairs) to 18,393" in text
    assert "Main effects only (7,395) is not in the range" in text and "selection rejected" in text
    assert "not in the range across the models" in (sensitivity_note(rows) or "")


def test_main_effects_stay_in_the_spread_where_the_selection_chose_them(shared_data: Path) -> None:
    """New Orleans (5 lists, 186 cases): stepwise adds no interaction, so main effects are the selection's
    own model and nothing is left out of the range."""
    capture = read_list_capture(
        shared_data / "mse" / "new_orleans_5list" / "NewOrl_5_186cases_MultipleSystemsEstimation.csv"
    )
    headline = estimate_population(capture)
    assert not headline.terms
    rows = sensitivity(
        capture, [ModelChoice("main", max_order=1), ModelChoice("stepwise", 0.02)], known=headline
    )
    spread = model_spread(rows, headline)
    assert spread is not None and spread.rejected == () and spread.choices == 2
