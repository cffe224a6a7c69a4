"""The audit of published hidden-population numbers: no cell of the capture-history table leaves through the
existence check, and an interval's level is shown as it is."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from evidence.analyses.estimation import ListCapture, check_existence, estimate_population
from evidence.presentation.estimates import (
    LOG_NORMAL_WITHHELD,
    disclose_estimate,
    disclosed_payload,
    estimate_headline,
    estimate_row_kinds,
    estimate_rows,
    level_text,
    model_withheld,
)

#: Three lists, every cell large except A∩B∩C (2 people): with every pair the model has as many parameters as
#: cells, and the existence check's only solution is the data themselves.
SMALL_CELL = ListCapture(("A", "B", "C"), np.array([500, 400, 30, 300, 60, 70, 2]))


def test_the_existence_optimum_never_gives_a_small_cell_back() -> None:
    terms = ("A:B", "A:C", "B:C")
    # what the optimum would give away (to solver precision)
    assert check_existence(SMALL_CELL, terms).lp_optimum == pytest.approx(2.0)
    for method in ("bic", "main", "stepwise"):
        result = estimate_population(SMALL_CELL, method=method)
        payload = disclosed_payload(result)
        assert payload["existence"]["lp_optimum"] is None
        assert payload["existence"]["exists"] is True
        # only the coarsening of a table holding a small cell (2 people on all three lists) is said, and the
        # log-normal limits it withholds beside a published model
        reasons = payload["disclosure"]["withheld"]
        assert any("rounded to whole people" in r for r in reasons)
        assert all(
            "rounded to whole people" in r
            or "p-values of the stepwise steps" in r
            or r == LOG_NORMAL_WITHHELD
            for r in reasons
        )


def test_the_level_keeps_its_decimals() -> None:
    assert [level_text(v) for v in (0.95, 0.9, 0.975, 0.999, 0.5)] == ["95%", "90%", "97.5%", "99.9%", "50%"]
    # six significant digits are not enough: 0.9999995 read "100%", an interval that cannot miss
    assert [level_text(v) for v in (0.9999995, 0.1234567)] == ["99.99995%", "12.34567%"]
    result = estimate_population(SMALL_CELL, method="main", level=0.975)
    assert dict(estimate_rows(result)).keys() >= {"97.5% interval"}
    assert "(97.5% interval " in estimate_headline(result)
    assert "98%" not in str(estimate_rows(result)) + estimate_headline(result)


def test_two_lists_say_the_lists_are_assumed_independent_whatever_the_method() -> None:
    # before: "stepwise selection of interactions (an interaction enters while p < 0.02)", of a model space
    # holding no interaction at all
    two = ListCapture(("police", "shelter"), np.array([30, 20, 10]))
    for method in ("stepwise", "bic", "downhill", "main"):
        rows = dict(estimate_rows(estimate_population(two, method=method)))
        assert "with two lists no interaction can be estimated" in rows["model choice"]
        assert "Lincoln–Petersen" in rows["model choice"] and "stepwise" not in rows["model choice"]
        assert "two lists independent" in rows["assumes"]


def test_the_table_says_what_the_estimate_assumes() -> None:
    rows = dict(estimate_rows(estimate_population(SMALL_CELL, method="bic")))
    assert rows["assumes"].startswith("a closed population over the period; lists linked without error")
    assert "captured by the interactions of the model" in rows["assumes"]
    assert "allows nothing for these assumptions being wrong" in rows["assumes"]
    shown = list(estimate_rows(estimate_population(SMALL_CELL)))
    assert estimate_row_kinds(shown)[[name for name, _ in shown].index("assumes")] is not None


def test_json_never_gives_an_unrounded_small_number_on_no_list() -> None:
    # before: 4.6 on no list rounds to 5 and passed the rule, and JSON gave the unrounded 4.6 (below 5)
    base = estimate_population(SMALL_CELL, method="main")
    observed = base.observed
    near = dataclasses.replace(
        base,
        interval_method="bca",
        dark_figure=4.6,
        estimate=observed + 4.6,
        interval=(observed + 4.7, observed + 60.0),
    )
    shown = disclose_estimate(near)
    assert (shown.text("dark_figure"), shown.text("estimate"), shown.text("low")) == ("<5", "x", "x")
    payload = disclosed_payload(near)
    assert payload["dark_figure"] == "<5" and payload["estimate"] == "x" and payload["interval"][0] == "x"
    assert payload["interval"][1] == pytest.approx(observed + 60.0)


def test_interactions_at_minus_infinity_are_said_to_come_from_the_method_that_chose_them() -> None:
    # before: "as SparseMSE's stepwise selection does when the absence of overlap is itself significant", of
    # a model the lowest BIC chose
    sparse = ListCapture(("A", "B", "C"), np.array([50, 70, 30, 90, 0, 0, 0]))
    result = estimate_population(sparse, method="bic")
    assert result.infinite_parameters == ("A:C", "B:C")
    headline = estimate_headline(result)
    assert "stepwise" not in headline and "lowest BIC" in headline


def test_counts_of_unusual_replicates_never_give_a_small_list_or_overlap_back() -> None:
    # a list of k people has no case in about e^−k of the replicates: 135 of 1,000 said k = 2, and the
    # replicates with no case on two lists said the same of the (here 1) cases on two lists or more
    small_list = ListCapture(("A", "B", "C"), np.array([300, 250, 90, 1, 1, 0, 0]))  # C holds 2 people
    result = estimate_population(small_list, method="main", bootstrap_replicates=200, seed=3)
    assert result.bootstrap_empty_list > 0
    payload = disclosed_payload(result)
    assert payload["bootstrap"]["empty_list"] == "x"
    assert any("a list of fewer than 5 people" in reason for reason in payload["disclosure"]["withheld"])
    text = str(estimate_rows(result))
    assert f"{result.bootstrap_empty_list} replicate" not in text and "some replicates had a list" in text

    one_overlap = ListCapture(("A", "B", "C"), np.array([100, 100, 1, 100, 0, 0, 0]))
    result = estimate_population(one_overlap, method="main", bootstrap_replicates=50, seed=1)
    assert result.bootstrap_unbounded > 0
    payload = disclosed_payload(result)
    assert payload["bootstrap"]["unbounded"] == "x"
    assert f"{result.bootstrap_unbounded} replicate" not in str(estimate_rows(result))
    # nothing small: the counts are published
    plain = estimate_population(SMALL_CELL, method="main", bootstrap_replicates=20, seed=1)
    assert disclosed_payload(plain)["bootstrap"]["empty_list"] == plain.bootstrap_empty_list == 0


def test_two_lists_with_a_small_overlap_never_give_it_back_through_the_estimate() -> None:
    # Lincoln–Petersen: 53 and 43 people on the lists, 3 on both, 93 observed; the estimate 53·43/3 = 759.67
    # beside 93 observed fits no other whole numbers (m = 1, 2 or 4 give no whole list sizes): it said m = 3
    two = ListCapture(("police", "shelter"), np.array([50, 40, 3]))
    for bootstrap in (0, 40):
        result = estimate_population(two, method="main", bootstrap_replicates=bootstrap, seed=2)
        assert result.estimate == pytest.approx(53 * 43 / 3)
        payload = disclosed_payload(result)
        assert payload["observed"] == 93
        assert payload["estimate"] == payload["dark_figure"] == "x" and payload["interval"] == ["x", "x"]
        assert all(r["interval"] == ["x", "x"] for r in payload["bootstrap"]["rounds"])
        assert payload["acceleration"] is None
        assert any("two lists" in reason for reason in payload["disclosure"]["withheld"])
        text = str(estimate_rows(result)) + estimate_headline(result)
        assert "760" not in text and "667" not in text
    # a small list pins the same way (3·40/1 beside 42 observed)
    small_list = ListCapture(("police", "shelter"), np.array([2, 39, 1]))
    assert disclosed_payload(estimate_population(small_list, method="main"))["estimate"] == "x"
    # nothing small: published as before
    large = ListCapture(("police", "shelter"), np.array([50, 40, 30]))
    assert disclosed_payload(estimate_population(large, method="main"))["estimate"] == pytest.approx(
        80 * 70 / 30
    )


# ------------------------------------------------------------------------------- audit of the wording (mse17)


def test_stepwise_says_how_many_models_it_judged_by_p_value_and_how_many_it_fitted(shared_data) -> None:
    """Western US, stepwise: main effects, then the 10 models with one pair more (A:E enters), then the 9 with
    one more again (none with p < 0.02). It said "2 models fitted" of 1,024 as if it had looked at two: it
    judged 19 by a p-value under the current fit, without fitting them, and fitted main effects and A:E."""
    result = estimate_population(shared_data / "mse" / "western_us_5list" / "Western.csv")
    assert (result.models_considered, result.models_fitted, result.models_admissible) == (20, 2, 2)
    space = dict(estimate_rows(result))["model space"]
    assert "1,024 models in the space; 20 models considered" in space
    assert "judged by the p-value of that interaction under the current fit, without fitting it" in space
    assert "2 models fitted (main effects and 1 candidate with p < 0.02)" in space
    assert "2 models admissible" in space
    payload = disclosed_payload(result)
    assert payload["model_space"]["considered"] == 20 and payload["model_space"]["fitted"] == 2
    # an entry threshold of 0 tests nothing: main effects alone were looked at
    none = estimate_population(shared_data / "mse" / "western_us_5list" / "Western.csv", p_enter=0)
    assert none.models_considered == none.models_fitted == 1
    assert (
        "1 model considered and fitted (main effects: an entry threshold of 0 tests no interaction)"
        in (dict(estimate_rows(none))["model space"])
    )


def test_searches_that_fit_every_model_they_look_at_say_so_once() -> None:
    for method in ("bic", "downhill", "main"):
        result = estimate_population(SMALL_CELL, method=method)
        assert result.models_considered == result.models_fitted
        space = dict(estimate_rows(result))["model space"]
        assert "considered" not in space and f"{result.models_fitted} model" in space


def test_how_many_models_stepwise_considered_is_withheld_with_the_model() -> None:
    # the number considered gives the number of steps, as the number fitted does
    few = ListCapture(("A", "B", "C"), np.array([20, 15, 2, 12, 9, 1, 4]))
    result = estimate_population(few)
    payload = disclosed_payload(result)
    assert payload["model_space"]["considered"] == "x" == payload["model_space"]["fitted"]
    space = dict(estimate_rows(result))["model space"]
    assert "how many were considered, fitted and admissible withheld (x)" in space


def test_reading_the_result_gives_advice_possible_for_the_number_of_lists() -> None:
    """The brief told every reader to "merge small lists of similar kind": of two lists that leaves one (no
    estimate at all), and of three it leaves two, whose estimate assumes them independent."""
    from evidence.presentation.estimates import reading_the_result

    two = reading_the_result(estimate_population(ListCapture(("police", "shelter"), np.array([30, 20, 10]))))
    assert "merge" not in two and "link a third list" in two
    # two lists have one model choice: there is no disagreement between model choices to report
    assert "When the model choices disagree" not in two
    three = reading_the_result(estimate_population(SMALL_CELL))
    assert "merge small lists of similar kind" not in three
    assert "merging two of three lists leaves two" in three
    four = ListCapture(("A", "B", "C", "D"), np.arange(20, 35))
    assert "merge small lists of similar kind" in reading_the_result(estimate_population(four, method="main"))


def test_runs_of_other_than_1000_replicates_are_not_said_to_be_as_published(shared_data) -> None:
    """A run of 60 replicates was said to be "as published": the published intervals are runs of 1,000."""
    import dataclasses as dc

    from evidence.presentation.estimates import bootstrap_lines

    path = shared_data / "mse" / "western_us_5list" / "Western.csv"
    runs = estimate_population(path, bootstrap_replicates=40, bootstrap_runs=2, seed=2)
    text = estimate_headline(runs) + "\n".join(bootstrap_lines(runs, disclose_estimate(runs)))
    assert "one run of 40 replicates gave" in text and "one run alone gave" in text
    assert "as published" not in text
    thousand = dc.replace(runs, bootstrap_replicates=2000)  # two runs of 1,000: the published run's size
    text = estimate_headline(thousand) + "\n".join(bootstrap_lines(thousand, disclose_estimate(thousand)))
    assert (
        "one run of 1,000 replicates (as published) gave" in text and "one run alone (as published)" in text
    )


def test_a_bootstrap_of_a_fixed_model_is_not_said_to_repeat_a_model_choice() -> None:
    """Main effects (or two lists) choose no model: "each repeating the model choice" said a choice was made
    and allowed for."""
    from evidence.presentation.estimates import reading_the_result

    for capture, method in (
        (SMALL_CELL, "main"),
        (ListCapture(("A", "B"), np.array([30, 20, 10])), "stepwise"),
    ):
        result = estimate_population(capture, method=method, bootstrap_replicates=40, seed=1)
        interval = dict(estimate_rows(result))["interval"]
        assert "model choice" not in interval and "each refitting main effects" in interval
        reading = reading_the_result(result)
        assert "repeats the model choice" not in reading
        lognormal = estimate_population(capture, method=method)
        assert "model choice" not in dict(estimate_rows(lognormal))["interval"]
        assert "allows nothing for the choice of the model" not in reading_the_result(lognormal)


def test_the_bic_bootstrap_says_each_replicate_chooses_among_the_best_models_on_the_data() -> None:
    """With four lists or more each replicate chooses among the 20 (100) models best on the data, not the whole
    space (Silverman, Chan & Vincent 2024): "each repeating the model choice" overstated it."""
    four = ListCapture(("A", "B", "C", "D"), np.array([60, 50, 12, 40, 9, 8, 5, 30, 7, 6, 5, 7, 5, 5, 6]))
    result = estimate_population(four, method="bic", bootstrap_replicates=40, seed=1)
    interval = dict(estimate_rows(result))["interval"]
    assert "each choosing the lowest BIC among the 20 models best on the data" in interval


def test_a_monte_carlo_spread_of_one_limit_is_said_in_the_singular() -> None:
    import dataclasses as dc

    from evidence.presentation.estimates import bootstrap_lines

    result = estimate_population(SMALL_CELL, method="main", bootstrap_replicates=40, seed=1)
    one = dc.replace(
        result, replicates_beyond=(0.5, 10.0), limit_quantiles=(0.0004, 0.97), monte_carlo_se=(3.0, 5.0)
    )
    spread = [line for line in bootstrap_lines(one) if line.startswith("Monte Carlo spread")]
    assert spread == [
        (
            "Monte Carlo spread of the upper limit: ±5 as a standard error over resamples of the replicates; "
            "another seed moves it about this much"
        )
    ]


def test_a_bic_search_too_large_to_be_exhaustive_says_it_found_a_local_minimum(shared_data) -> None:
    """UK six lists: 32,768 pairwise models, searched downhill. "lowest BIC (greedy search)" claimed the lowest
    BIC, where the walk may stop at a local minimum (as "downhill" says of the same walk)."""
    from evidence.presentation.estimates import method_text

    result = estimate_population(shared_data / "mse" / "uk_2013_6list" / "UKdat.csv", method="bic")
    assert result.search == "greedy"
    text = method_text(result)
    assert text.startswith("lowest BIC found by the downhill search from main effects (a local minimum")
    assert "too many models to search them all" in text
    exhaustive = estimate_population(SMALL_CELL, method="bic")
    assert method_text(exhaustive) == "lowest BIC (exhaustive search)"


@pytest.mark.parametrize(
    ("capture", "method"),
    [
        (ListCapture(("A", "B"), np.array([3, 2, 1]) * 4 + np.array([0, 0, -2])), "stepwise"),  # 12, 8, 2
        (ListCapture(("A", "B", "C"), np.array([20, 15, 2, 12, 9, 1, 4])), "main"),
    ],
)
def test_a_model_fixed_by_the_method_is_not_withheld_as_if_chosen(capture, method) -> None:
    """Few people with a small cell withhold the chosen model (its choice says its lists share few people). Of
    two lists, or main effects, nothing is chosen: the table said "model choice: main effects only" and
    "interactions selected: x", and the JSON withheld terms [] and the one model fitted."""
    result = estimate_population(capture, method=method)
    assert model_withheld(result)  # the numbers are still rounded to 5
    rows = dict(estimate_rows(result))
    assert rows["interactions selected"] == "none (independent lists)"
    assert "1 model fitted, 1 model admissible" in rows["model space"]
    assert not any(
        "the interactions of the chosen model" in reason for reason in disclose_estimate(result).reasons
    )
    assert any("rounded to 5" in reason for reason in disclose_estimate(result).reasons)
    payload = disclosed_payload(result)
    assert payload["terms"] == [] and payload["steps"] == [] and payload["existence"]["terms"] == []
    assert payload["model_space"]["fitted"] == 1


def test_an_estimate_with_interactions_at_minus_infinity_is_said_to_be_the_extended_mle() -> None:
    """With A:C and B:C at −∞ the ordinary maximum-likelihood estimate does not exist: the extended one does.
    "the maximum-likelihood estimate exists" was said of it; where the model is withheld, the message must not
    tell that some interaction is at −∞ either."""
    sparse = ListCapture(("A", "B", "C"), np.array([500, 700, 300, 900, 0, 0, 0]))
    result = estimate_population(sparse, method="bic")
    assert result.infinite_parameters == ("A:C", "B:C")
    said = dict(estimate_rows(result))["existence check"]
    assert said.startswith("the extended maximum-likelihood estimate exists")
    assert "at −∞" in said and disclosed_payload(result)["existence"]["message"] == said
    hidden = estimate_population(
        ListCapture(("A", "B", "C"), np.array([25, 35, 15, 20, 3, 0, 0])), method="bic"
    )
    assert hidden.infinite_parameters and model_withheld(hidden)
    neutral = "the (extended) maximum-likelihood estimate exists and is identifiable"
    assert dict(estimate_rows(hidden))["existence check"] == neutral
    assert disclosed_payload(hidden)["existence"]["message"] == neutral
    plain = estimate_population(SMALL_CELL, method="main")
    assert (
        dict(estimate_rows(plain))["existence check"]
        == "the maximum-likelihood estimate exists and is identifiable"
    )


def test_a_sensitivity_row_of_a_bic_search_too_large_to_be_exhaustive_says_so() -> None:
    """Six lists: "lowest BIC, pairs" in the sensitivity table was the downhill walk's local minimum (the same
    as the downhill row's), said nowhere in the table."""
    import dataclasses as dc

    from evidence.analyses.estimation.sensitivity import ModelChoice, SensitivityRow
    from evidence.presentation.estimates import sensitivity_chart_data, sensitivity_frame

    exhaustive = estimate_population(SMALL_CELL, method="bic")
    greedy = dc.replace(exhaustive, search="greedy")
    for result, label in (
        (exhaustive, "lowest BIC, pairs"),
        (greedy, "lowest BIC, pairs (downhill search: a local minimum)"),
    ):
        rows = [SensitivityRow(ModelChoice("bic", max_order=2), result, headline=True)]
        assert sensitivity_frame(rows)["model choice"].to_list() == [label]
        assert sensitivity_chart_data(rows)["model choice"].to_list() == [label]


def test_the_brief_shows_the_interaction_order_searched_not_one_the_lists_cannot_hold() -> None:
    """The notebook's max_order 3 on three lists searched pairs (an interaction of all the lists cannot be
    estimated), and the brief's settings showed "max order: 3" as given."""
    from evidence.analyses.estimation import estimate_population as estimate
    from evidence.presentation.estimates import settings_for_readers

    capped = estimate(SMALL_CELL, method="bic", max_order=3)
    shown = settings_for_readers(capped, method="bic", bootstrap_runs="auto")
    assert shown["max_order"] == "2 (the highest 3 lists allow)"
    four = ListCapture(("A", "B", "C", "D"), np.arange(20, 35))
    pairs = settings_for_readers(estimate(four, method="bic"), method="bic", bootstrap_runs="auto")
    assert pairs.get("max_order", 2) == 2  # as given: nothing to add
