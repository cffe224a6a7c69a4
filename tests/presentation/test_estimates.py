"""Disclosure control of hidden-population estimates: no small number of people, observed or estimated."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from evidence.analyses.estimation import ListCapture, estimate_population, read_list_capture
from evidence.analyses.estimation.sensitivity import ModelChoice, model_choices, sensitivity
from evidence.presentation.disclosure import DisclosureRule, assert_no_small_counts
from evidence.presentation.estimates import (
    disclose_estimate,
    disclosed_payload,
    estimate_headline,
    estimate_row_kinds,
    estimate_rows,
    sensitivity_chart_data,
    sensitivity_frame,
)

THREE_PEOPLE = ListCapture(lists=("A", "B"), counts=np.array([1, 1, 1]))  # issue 14's example


@pytest.fixture(scope="module")
def western(shared_data: Path):
    return estimate_population(read_list_capture(shared_data / "mse" / "western_us_5list" / "Western.csv"))


def test_three_people_publish_no_number_of_people() -> None:
    result = estimate_population(THREE_PEOPLE, method="main")
    shown = disclose_estimate(result)
    assert shown.text("observed") == "<5"
    assert [shown.text(f) for f in ("estimate", "dark_figure", "low", "high")] == ["x"] * 4
    payload = disclosed_payload(result)
    assert payload["observed"] == "<5" and payload["estimate"] == payload["dark_figure"] == "x"
    assert payload["interval"] == ["x", "x"] and payload["disclosure"]["threshold"] == 5
    assert "fewer than 5 people" in payload["disclosure"]["withheld"][0]
    assert payload["existence"]["lp_optimum"] is None
    headline = estimate_headline(result)
    assert "withheld" in headline and "3" not in headline
    rows = dict(estimate_rows(result))
    assert rows["observed (on at least one list)"] == "<5"
    assert "3 people" not in str(estimate_rows(result))


def test_a_small_dark_figure_is_withheld_with_the_estimate(western) -> None:
    observed = western.observed
    small = dataclasses.replace(
        western, dark_figure=3.2, estimate=observed + 3.2, interval=(observed + 1.4, observed + 40.0)
    )
    shown = disclose_estimate(small)
    assert shown.text("observed") == f"{observed:,}"
    assert (shown.text("dark_figure"), shown.text("estimate"), shown.text("low")) == ("<5", "x", "x")
    assert shown.text("high") == f"{observed + 40:,}"
    assert len(shown.reasons) == 2


def test_published_estimates_keep_their_precision_and_unbounded_limits_say_so(western) -> None:
    # Western's table holds a cell of 1 person: its numbers are published rounded, in JSON too
    shown = disclose_estimate(western)
    assert not shown.withheld and western.smallest_cell == 1
    assert shown.json_value("estimate") == round(western.estimate) and shown.text("estimate") == "2,483"
    # without a small cell the JSON keeps the precision of the computation
    plain = disclose_estimate(dataclasses.replace(western, smallest_cell=5))
    assert plain.json_value("estimate") == western.estimate  # not rounded in JSON
    assert plain.text("estimate") == f"{western.estimate:,.0f}" == shown.text("estimate")
    unbounded = dataclasses.replace(western, interval=(western.interval[0], math.inf))
    shown = disclose_estimate(unbounded)
    assert shown.text("high") == "no upper limit" and shown.json_value("high") is None
    assert shown.interval_text().endswith("or more (no upper limit)")


def test_the_rule_follows_its_threshold(western) -> None:
    tight = DisclosureRule(threshold=western.observed + 1)
    assert disclose_estimate(western, tight).text("observed") == f"<{western.observed + 1}"


@given(
    observed=st.integers(1, 60),
    dark=st.floats(0, 80),
    low_gap=st.floats(0, 1),
    high_gap=st.floats(1, 3),
    threshold=st.integers(2, 11),
)
# 4.5 rounds to 4 and 1.5 to 2 (half to even): the estimate's own rounding must not give back 1 person
@example(observed=3, dark=1.5, low_gap=0.0, high_gap=1.0, threshold=2)
def test_no_published_number_gives_a_small_count_back(
    observed: int, dark: float, low_gap: float, high_gap: float, threshold: int
) -> None:
    """Whatever is published, no small count of people (observed, on no list, or a limit's part on no list)
    is among the published numbers or their differences with the observed total."""
    result = estimate_population(THREE_PEOPLE, method="main")
    result = dataclasses.replace(
        result,
        observed=observed,
        dark_figure=dark,
        estimate=observed + dark,
        interval=(observed + dark * low_gap, observed + dark * high_gap + 0.5),
    )
    rule = DisclosureRule(threshold=threshold)
    shown = disclose_estimate(result, rule)
    published = {k: v for k, v in shown.values.items() if v is not None}
    if "observed" not in published:
        assert not published  # nothing at all from too few people
        return
    for field in ("estimate", "dark_figure", "low", "high"):
        if field in published:
            part = round(published[field]) - observed if field != "dark_figure" else round(published[field])
            assert not rule.is_small(part), (field, part)


def test_sensitivity_table_and_chart_data(shared_data: Path) -> None:
    capture = read_list_capture(shared_data / "mse" / "uk_2013_5list" / "UKdat_5.csv")
    labels = [c.label for c in model_choices(capture.n_lists)]
    assert labels[:4] == [
        "main effects only",
        "stepwise, p < 0.001, pairs",
        "stepwise, p < 0.02, pairs",
        "stepwise, p < 0.05, pairs",
    ]
    assert "lowest BIC, up to 4-way" in labels and "downhill, up to 3-way" in labels
    choices = [
        ModelChoice("bic", max_order=2),
        ModelChoice("bic", max_order=4),
        ModelChoice("downhill", max_order=4),
    ]
    rows = sensitivity(capture, choices)
    # the UK table holds cells of fewer than 5 people: with no headline among these rows, none is published
    assert sensitivity_frame(rows)["estimate"].to_list() == ["x", "x", "x"]
    assert sensitivity_chart_data(rows).height == 0
    # as a table without small cells would show them
    rows = [dataclasses.replace(row, smallest_cell=5) for row in rows]
    frame = sensitivity_frame(rows)
    assert frame["estimate"].to_list() == ["22,991", "25,311", "12,262"]
    assert frame["model choice"].to_list() == [
        "lowest BIC, pairs",
        "lowest BIC, up to 4-way",
        "downhill, up to 4-way",
    ]
    chart = sensitivity_chart_data(rows)
    # the chart's legend names the methods in words (the real-data briefs' legend read "bic", "main", ...)
    assert chart.height == 3
    assert chart["method"].to_list() == ["lowest BIC", "lowest BIC", "downhill search of the BIC"]
    too_few = sensitivity(THREE_PEOPLE, [ModelChoice("main", max_order=1)])
    assert sensitivity_frame(too_few)["estimate"].to_list() == ["x"]
    assert sensitivity_chart_data(too_few).height == 0
    assert_no_small_counts(" ".join(sensitivity_frame(too_few).row(0)))


def test_the_summary_table_says_which_numbers_count_people(western) -> None:
    """Shown with its row kinds, the summary passes the brief's scan whatever the model search counted (a
    few models, replicates), and a small count of people in it is still caught."""
    import polars as pl

    from evidence.presentation.disclosure import find_small_counts
    from evidence.presentation.estimates import estimate_row_kinds
    from evidence.presentation.tables import table_data

    few_models = dataclasses.replace(western, models_fitted=2, models_admissible=2)
    rows = estimate_rows(few_models)
    frame = pl.DataFrame(rows, schema=["item", "value"], orient="row")
    shown = table_data(frame, kinds={"value": estimate_row_kinds(rows)})
    assert "2 models" in shown.to_html() and find_small_counts(shown.to_html()) == []
    assert find_small_counts(table_data(frame).to_html())  # without kinds, the scanner has to guess
    leaked = frame.with_columns(
        pl.when(pl.col("item") == "estimated on no list")
        .then(pl.lit("3"))
        .otherwise(pl.col("value"))
        .alias("value")
    )
    hits = find_small_counts(table_data(leaked, kinds={"value": estimate_row_kinds(rows)}).to_html())
    assert [h.value for h in hits] == [3]


def test_the_sensitivity_table_reuses_the_headline_estimate_made_with_the_same_settings(shared_data):
    from evidence.analyses.estimation import estimate_population, read_list_capture
    from evidence.analyses.estimation.sensitivity import ModelChoice, sensitivity

    capture = read_list_capture(shared_data / "mse" / "uk_2013_4list" / "UKdat_4.csv")
    headline = estimate_population(capture, method="stepwise", bootstrap_replicates=50, seed=3)
    choices = [ModelChoice("stepwise", 0.02, 2), ModelChoice("stepwise", 0.05, 2)]
    rows = sensitivity(capture, choices, bootstrap_replicates=50, seed=3, known=headline)
    assert rows[0].result is headline and rows[1].result is not headline
    # the same numbers as fitting it again: reuse changes nothing but the time
    again = sensitivity(capture, choices[:1], bootstrap_replicates=50, seed=3)[0].result
    assert again is not None and again.interval == headline.interval and again.estimate == headline.estimate
    other_seed = sensitivity(capture, choices[:1], bootstrap_replicates=50, seed=4, known=headline)
    assert other_seed[0].result is not headline


@pytest.fixture(scope="module")
def western_runs(shared_data: Path):
    capture = read_list_capture(shared_data / "mse" / "western_us_5list" / "Western.csv")
    return estimate_population(capture, bootstrap_replicates=60, bootstrap_runs=3, seed=2)


def test_the_headline_gives_the_monte_carlo_range_beside_the_interval(western_runs) -> None:
    (low_a, low_b), (high_a, high_b) = western_runs.monte_carlo_range
    headline = estimate_headline(western_runs)
    assert 'median of <span data-kind="parameter">3</span> independent bootstrap runs' in headline
    assert f"a lower limit of {low_a:,.0f} – {low_b:,.0f}" in headline
    assert f"an upper limit of {high_a:,.0f} – {high_b:,.0f}" in headline
    rows = dict(estimate_rows(western_runs))
    assert rows["interval"].startswith("BCa bootstrap: the median of the limits of 3 independent runs of 60")
    payload = disclosed_payload(western_runs)
    assert payload["bootstrap"]["runs"] == 3 and len(payload["bootstrap"]["rounds"]) == 3
    # each run's limits are a [low, high] pair, as the estimate's interval; the bootstrap's counts are said once
    rounds = payload["bootstrap"]["rounds"]
    # rounded to whole people: Western's table holds a cell of 1 person (coarsened)
    assert [(r["replicates"], *r["interval"]) for r in rounds] == [
        (n, round(low), round(high)) for n, low, high in western_runs.bootstrap_rounds
    ]
    assert all(set(r) == {"replicates", "interval"} for r in rounds)
    assert "bootstrap_replicates" not in payload and "bootstrap_failed" not in payload
    assert payload["bootstrap"]["replicates"] == western_runs.bootstrap_replicates == 180
    assert payload["bootstrap"]["failed"] == western_runs.bootstrap_failed
    assert payload["bootstrap"]["monte_carlo_range"] == [
        [round(v) for v in r] for r in western_runs.monte_carlo_range
    ]


def _one_bca_run(western, **more):
    """The western estimate as one BCa bootstrap run of 1,000 replicates whose lower limit is its most extreme
    replicate (``more``: other fields replaced)."""
    return dataclasses.replace(
        western,
        interval_method="bca",
        bootstrap_runs=1,
        bootstrap_replicates=1000,
        limit_quantiles=(0.00004, 0.7),
        replicates_beyond=(0.04, 300.0),
        monte_carlo_se=(8.0, 60.0),
        **more,
    )


def test_a_limit_at_the_most_extreme_replicate_of_one_run_is_said_to_move(western) -> None:
    single = _one_bca_run(western)
    lines = [text for item, text in estimate_rows(single) if item.endswith("limit of the interval")]
    assert any("lower limit is the run's most extreme replicate" in line for line in lines)
    # no ± for the lower, and the one spread said of one limit
    assert any("spread of the upper limit: ±60" in line and "lower" not in line for line in lines)
    assert "moves a lot from seed to seed" in estimate_headline(single)
    # the setting is named as the brief's settings name it (the UK briefs read "independent runs, `auto`," in
    # the headline and "independent runs (auto)" in the table: a code word, spelled two ways)
    for text in ("\n".join(lines), estimate_headline(single)):
        assert "bootstrap runs: auto" in text and "`auto`" not in text and "(auto)" not in text


def test_each_bootstrap_row_of_the_estimate_table_says_what_it_is_about(western, western_runs) -> None:
    """polish30: the UK brief's table gave two rows labelled "bootstrap", one about the interval's lower limit,
    one about its upper; each row's label now says which limit, or which range, it describes."""
    single = _one_bca_run(western, bootstrap_unbounded=3, bootstrap_failed=2)
    for result in (single, western_runs):
        labels = [item for item, _ in estimate_rows(result)]
        assert "bootstrap" not in labels and len(labels) == len(set(labels)), labels
    rows = dict(estimate_rows(single))
    assert rows["lower limit of the interval"].startswith(
        "the lower limit is the run's most extreme replicate"
    )
    assert rows["upper limit of the interval"].startswith("Monte Carlo spread of the upper limit: ±60")
    assert rows["replicates unbounded"].startswith("3 replicates had no case on more than one list")
    assert rows["replicates left out"].startswith("2 replicates had no valid model")
    runs = dict(estimate_rows(western_runs))
    assert runs["limits of the interval, run to run"].startswith(
        "Monte Carlo range: one run of 60 replicates"
    )
    # the rows' numbers are statistics of the computation, not counts of people the disclosure scan reads
    for result in (single, western_runs):
        shown = estimate_rows(result)
        kinds = dict(zip([item for item, _ in shown], estimate_row_kinds(shown), strict=True))
        about = [
            item
            for item in kinds
            if "limit" in item and item != "lower limit" or item.startswith("replicates")
        ]
        assert about and all(kinds[item] == "statistic" for item in about), kinds


def test_monte_carlo_limits_close_to_the_number_observed_are_withheld(western_runs) -> None:
    observed = western_runs.observed
    close = dataclasses.replace(
        western_runs,
        monte_carlo_range=((observed + 2, 1500.0), (3000.0, 4000.0)),
        bootstrap_rounds=((60, observed + 2.0, 4000.0), (120, 1500.0, 3000.0)),
    )
    payload = disclosed_payload(close)
    assert payload["bootstrap"]["monte_carlo_range"][0][0] == "x"
    # a run's limit close to the number observed is withheld inside its pair, as the interval's
    assert [r["interval"] for r in payload["bootstrap"]["rounds"]] == [["x", 4000.0], [1500.0, 3000.0]]
    assert "a lower limit of x – 1,500" in estimate_headline(close)


def test_interactions_at_minus_infinity_and_the_model_spread_reach_the_headline_escaped(western) -> None:
    from evidence.analyses.estimation.sensitivity import ModelSpread, SensitivityRow

    odd = dataclasses.replace(western, infinite_parameters=("A*:<b>",))
    low = SensitivityRow(ModelChoice("bic", max_order=2), dataclasses.replace(western, estimate=1000.0))
    high = SensitivityRow(ModelChoice("stepwise", 0.02, 4), dataclasses.replace(western, estimate=9000.0))
    spread = ModelSpread(low=low, high=high, choices=11, beyond_interval=True)
    headline = estimate_headline(odd, spread=spread)
    # a ":" before text is escaped too (never a bare address to a reader)
    assert "A\\*\\:\\<b\\>" in headline and "<b>" not in headline
    assert "The data cannot pin the number down" in headline
    assert "from 1,000 (lowest BIC, pairs) to 9,000 (stepwise, p \\< 0.02, up to 4-way)" in headline
    calm = ModelSpread(low=low, high=high, choices=11, beyond_interval=False)
    assert "cannot pin" not in estimate_headline(western, spread=calm)


def test_the_headline_publishes_no_small_count_of_runs_or_model_choices(western_runs) -> None:
    """The number of runs and of model choices are not counts of people: marked, the scanner skips them."""
    from evidence.analyses.estimation.sensitivity import ModelSpread, SensitivityRow
    from evidence.briefs.builtin import markdown_to_html

    low = SensitivityRow(ModelChoice("bic", max_order=2), dataclasses.replace(western_runs, estimate=1000.0))
    spread = ModelSpread(low=low, high=low, choices=4, beyond_interval=True)
    assert_no_small_counts(markdown_to_html(estimate_headline(western_runs, spread=spread)))


def test_a_stepwise_search_that_admits_no_interaction_is_said_to_be_main_effects(shared_data: Path) -> None:
    """REVIEW12 m9: with p_enter 0 the brief read "an interaction enters while p < 0"."""
    from evidence.presentation.estimates import method_text

    capture = read_list_capture(shared_data / "mse" / "western_us_5list" / "Western.csv")
    none = estimate_population(capture, method="stepwise", p_enter=0.0)
    assert method_text(none).startswith("main effects only")
    assert "p < 0" not in method_text(none)
    some = estimate_population(capture, method="stepwise", p_enter=0.02)
    assert "enters while p < 0.02" in method_text(some)


def test_one_unusual_replicate_is_said_in_the_singular(western) -> None:
    """The real-data New Orleans brief read "1 replicates had a list with no case"."""
    from evidence.presentation.estimates import bootstrap_lines

    one = dataclasses.replace(
        western,
        interval_method="bca",
        bootstrap_unbounded=1,
        bootstrap_empty_list=1,
        bootstrap_failed=1,
        rejected_unconverged=1,
    )
    lines = "\n".join(bootstrap_lines(one))
    assert "1 replicate had no case on more than one list" in lines
    assert "1 replicate had a list with no case" in lines
    assert "1 replicate had no valid model and was left out" in lines
    assert "1 fit did not converge" in lines
    assert "replicates had" not in lines
    two = dataclasses.replace(one, bootstrap_empty_list=2)
    assert "2 replicates had a list with no case" in "\n".join(bootstrap_lines(two))


def test_reading_the_result_says_how_this_interval_was_computed(western, western_runs) -> None:
    """The hidden-population brief said "the interval here is the median of independent runs" of a log-normal
    interval (no bootstrap) and of a single bootstrap run alike."""
    from evidence.presentation.disclosure import find_small_counts
    from evidence.presentation.estimates import reading_the_result

    lognormal = reading_the_result(western)
    assert western.interval_method != "bca"
    assert "log-normal" in lognormal and "median of" not in lognormal
    one_run = reading_the_result(
        dataclasses.replace(western, interval_method="bca", bootstrap_runs=1, bootstrap_replicates=200)
    )
    assert "one run of" in one_run and "200" in one_run and "the interval here is the median" not in one_run
    several = reading_the_result(western_runs)
    assert 'median of <span data-kind="parameter">3</span> independent runs' in several
    for text in (lognormal, one_run, several):
        assert text.startswith("## Reading the result\n") and find_small_counts(text) == []


def test_the_brief_shows_only_the_settings_its_method_used(western, western_runs) -> None:
    """The hidden-population briefs showed "Downhill start: main" of a stepwise choice, "P enter: 0.02" of
    main effects only, and "Bootstrap replicates: 0 · Bootstrap runs: 0 · Seed: 2026" of a log-normal interval."""
    from evidence.presentation.estimates import settings_for_readers

    lognormal = settings_for_readers(western, method="stepwise", bootstrap_runs=0)
    assert lognormal == {
        "method": "stepwise selection",
        "downhill_start": None,
        "bootstrap_replicates": "none (log-normal interval)",
        "bootstrap_runs": None,
        "seed": None,
    }
    main = settings_for_readers(western, method="main", bootstrap_runs=0)
    assert main["p_enter"] is None and main["max_order"] is None and main["downhill_start"] is None
    assert "downhill_start" not in settings_for_readers(western, method="downhill", bootstrap_runs=0)
    auto = settings_for_readers(western_runs, method="bic", bootstrap_runs=0)
    assert auto == {
        "method": "lowest BIC",
        "p_enter": None,
        "downhill_start": None,
        "bootstrap_runs": "auto (3 runs)",
        "seed": "withheld",  # Western's table holds a cell of 1 person: the seed would give the table back
    }
    assert main["method"] == "main effects only"
    assert "bootstrap_runs" not in settings_for_readers(western_runs, method="bic", bootstrap_runs=3)
    # "auto", the notebook's spelling (0 was its former one)
    assert settings_for_readers(western_runs, method="bic", bootstrap_runs="auto") == auto


def test_the_existence_table_withholds_the_chosen_model_where_the_estimate_does() -> None:
    """Found merging the model-withholding work: the hidden-population notebook printed the chosen model's
    interactions itself (and those fixed at −∞), beside an estimate that withholds them."""
    import polars as pl

    from evidence.presentation.estimates import existence_table, model_withheld

    keys = ("100", "010", "001", "110", "101", "011", "111")
    cells = {"100": 0, "010": 15, "001": 0, "110": 1, "101": 6, "011": 2, "111": 3}  # 27 people; A:C chosen
    frame = pl.DataFrame(
        {name: [int(k[i]) for k in keys] for i, name in enumerate("ABC")}
        | {"count": [cells[k] for k in keys]}
    )
    small = estimate_population(ListCapture.from_frame(frame, source="t"), bootstrap_replicates=0)
    assert small.existence.terms and model_withheld(small)
    row = existence_table(small).row(0, named=True)
    assert row["model"] == "main effects + x"
    assert all(term not in str(row) for term in small.existence.terms)
    large = estimate_population(
        ListCapture.from_frame(frame.with_columns(pl.col("count") * 10), source="t"), bootstrap_replicates=0
    )
    assert not model_withheld(large)
    shown = existence_table(large).row(0, named=True)["model"]
    assert shown == "main effects" + "".join(f" + {t}" for t in large.existence.terms)


def test_a_disclosed_estimate_says_what_its_numbers_are_rounded_to() -> None:
    """The repr said "rounded to whole people" where the numbers were rounded to 5 (the model withheld)."""
    import polars as pl

    from evidence.presentation.estimates import disclose_estimate

    keys = ("100", "010", "001", "110", "101", "011", "111")
    cells = {"100": 0, "010": 15, "001": 0, "110": 1, "101": 6, "011": 2, "111": 3}
    frame = pl.DataFrame(
        {name: [int(k[i]) for k in keys] for i, name in enumerate("ABC")}
        | {"count": [cells[k] for k in keys]}
    )
    shown = disclose_estimate(
        estimate_population(ListCapture.from_frame(frame, source="t"), bootstrap_replicates=0)
    )
    assert shown.rounded and shown.rounded_to == 5
    assert "rounded: to 5: the lists hold a combination of fewer than 5 people" in repr(shown)
    estimate = shown.values["estimate"]
    assert estimate is None or estimate % 5 == 0


def test_the_sensitivity_table_says_why_its_x_are_withheld(shared_data: Path) -> None:
    """Under the sensitivity table of every real list file (all hold a cell of 1 to 4 people), ``x`` was
    explained by the tables' generic note, "so that no small count can be recomputed by subtracting it from a
    total or a margin (such as Recorded) published beside it": this table has no total and no Recorded margin;
    its numbers are withheld because several models' estimates together are equations in the cells."""
    from evidence.presentation.estimates import sensitivity_note
    from evidence.presentation.tables import COMPLEMENT_NOTE, table_data

    capture = read_list_capture(shared_data / "mse" / "western_us_5list" / "Western.csv")
    headline = estimate_population(capture)
    choices = [
        ModelChoice("main", max_order=1),
        ModelChoice("stepwise", 0.02, 2),
        ModelChoice("stepwise", 0.05, 2),
    ]
    rows = sensitivity(capture, choices, known=headline)
    frame = sensitivity_frame(rows)
    assert "x" in frame["estimate"].to_list()  # the premise: a small cell withholds the other choices
    notes = table_data(frame, note=sensitivity_note(rows)).notes
    assert COMPLEMENT_NOTE not in notes and not any("Recorded" in n for n in notes)
    (note,) = [n for n in notes if n.startswith("x:")]
    assert "fewer than 5 people" in note and "several model choices" in note
    # a table without a small cell and nothing withheld needs no note; one whose estimate is withheld for a small
    # number on no list says so (not "Recorded" either)
    clear = [dataclasses.replace(row, smallest_cell=5) for row in rows]
    assert "x" not in " ".join(sensitivity_frame(clear).to_series(2))
    # nothing withheld to explain: only that main effects, which stepwise rejected (it chose A:E), are no choice
    clear_note = sensitivity_note(clear) or ""
    assert (
        clear_note.startswith("Main effects only takes the lists as independent") and "x:" not in clear_note
    )
    assert sensitivity_note([r for r in clear if r.choice.method != "main"]) is None
    near = dataclasses.replace(headline, dark_figure=3.2, estimate=headline.observed + 3.2)
    small = [dataclasses.replace(row, result=near, smallest_cell=5) for row in clear]
    note = sensitivity_note(small)
    assert note is not None and note.startswith("x:") and "Recorded" not in note
    assert "on no list" in note
    # a lower limit alone withheld ("x – 2,512") is explained too
    close = dataclasses.replace(headline, interval=(headline.observed + 2.0, headline.interval[1]))
    low_only = [dataclasses.replace(row, result=close, smallest_cell=5) for row in clear]
    assert sensitivity_frame(low_only)["interval"][0].startswith("x – ")
    assert sensitivity_note(low_only) == note


def test_the_sensitivity_chart_of_the_chosen_model_alone_is_not_titled_each_model_choice(shared_data: Path):
    """With a small cell the chart holds the headline's row alone (every real list file): its title read
    "Estimated total population under each model choice" over one model's interval."""
    from evidence.presentation.estimates import sensitivity_chart_title

    capture = read_list_capture(shared_data / "mse" / "western_us_5list" / "Western.csv")
    headline = estimate_population(capture)
    choices = [ModelChoice("main", max_order=1), ModelChoice("stepwise", 0.02, 2)]
    rows = sensitivity(capture, choices, known=headline)
    assert sensitivity_chart_data(rows).height == 1  # the premise: the other choice withheld
    title = sensitivity_chart_title(rows)
    assert "each model choice" not in title and "chosen model" in title and "withheld" in title
    clear = [dataclasses.replace(row, smallest_cell=5) for row in rows]
    assert sensitivity_chart_data(clear).height == 2
    assert sensitivity_chart_title(clear) == "Estimated total population under each model choice"


def test_list_names_holding_numbers_are_labels_in_every_table(tmp_path: Path) -> None:
    """Lists named "NGO 1", "Police 2", "Shelter 3" (as organisations number their lists) stopped the brief from
    rendering: the sensitivity table's interactions ("NGO 1:Police 2") were read by the disclosure scan as counts
    of 1 and 2 people. The tables that show list names declare those columns as labels."""
    import polars as pl

    from evidence.presentation.disclosure import find_small_counts
    from evidence.presentation.estimates import (
        EXISTENCE_KINDS,
        SENSITIVITY_KINDS,
        STEPWISE_KINDS,
        existence_table,
        stepwise_steps,
    )
    from evidence.presentation.tables import table_data

    path = tmp_path / "numbered.csv"
    cells = ["1,0,0,40", "0,1,0,30", "0,0,1,20", "1,1,0,200", "1,0,1,5", "0,1,1,5", "1,1,1,9"]
    path.write_text("NGO 1,Police 2,Shelter 3,count\n" + "\n".join(cells) + "\n", encoding="utf-8")
    capture = read_list_capture(path)
    headline = estimate_population(capture)
    assert headline.terms  # the premise: the chosen model names lists
    choices = [
        ModelChoice("main", max_order=1),
        ModelChoice("stepwise", 0.02, 2),
        ModelChoice("bic", max_order=2),
    ]
    rows = sensitivity(capture, choices, known=headline)
    frame = sensitivity_frame(rows)
    steps = pl.DataFrame(stepwise_steps(headline), schema=["interaction added", "p-value"], orient="row")
    # an interaction at −∞ names its lists in the existence table's last column
    fixed = existence_table(dataclasses.replace(headline, infinite_parameters=("NGO 1:Police 2",)))
    for table, kinds in ((frame, SENSITIVITY_KINDS), (steps, STEPWISE_KINDS), (fixed, EXISTENCE_KINDS)):
        assert "NGO 1" in str(table.rows())
        assert find_small_counts(table_data(table, kinds=kinds).to_html()) == [], table.columns
    # undeclared, as the notebook showed them (a first column of text names the rows, a label: not the others)
    assert find_small_counts(table_data(frame).to_html()) and find_small_counts(table_data(fixed).to_html())
    # a small count of people beside them is still caught
    leaked = frame.with_columns(pl.lit("3").alias("estimate"))
    assert [h.value for h in find_small_counts(table_data(leaked, kinds=SENSITIVITY_KINDS).to_html())] == [
        3
    ] * 3


def test_a_withheld_limit_does_not_silence_model_choices_beyond_the_published_one(western) -> None:
    """With its lower limit withheld (fewer than 5 above the number observed), the headline said nothing of
    the model choices while the sensitivity table beside it showed one at twice the published upper limit
    (lists of 309 people: 315, interval x – 319, lowest BIC 593), and "Reading the result" tells readers the
    headline says so when the choices disagree. Only the published limits are compared: a choice below the
    withheld lower limit would narrow it down, and is not said."""
    from evidence.analyses.estimation.sensitivity import ModelSpread, SensitivityRow

    observed = western.observed
    close = dataclasses.replace(western, interval=(observed + 2.0, western.interval[1]))
    assert disclose_estimate(close).text("low") == "x"  # the premise
    same = SensitivityRow(ModelChoice("stepwise", 0.02, 2), close)
    above = SensitivityRow(ModelChoice("bic", max_order=2), dataclasses.replace(western, estimate=9000.0))
    headline = estimate_headline(
        close, spread=ModelSpread(low=same, high=above, choices=2, beyond_interval=True)
    )
    assert "The data cannot pin the number down" in headline and "9,000 (lowest BIC, pairs)" in headline
    below = SensitivityRow(
        ModelChoice("main", max_order=1), dataclasses.replace(western, estimate=observed + 1.0)
    )
    headline = estimate_headline(
        close, spread=ModelSpread(low=below, high=same, choices=2, beyond_interval=True)
    )
    assert "cannot pin" not in headline


def test_two_lists_say_the_model_is_main_effects_whatever_the_method(tmp_path: Path) -> None:
    """Two lists (Police 120, NGO 80, both 30): the brief's glance box read "Method: stepwise selection · Stepwise
    entry threshold (p): 0.02 · Highest order of interactions: 2" over a Lincoln–Petersen estimate, and its
    sensitivity section, which names main effects, stepwise, BIC and downhill, showed one row without a word."""
    from evidence.presentation.estimates import sensitivity_note, settings_for_readers

    path = tmp_path / "two.csv"
    path.write_text("Police,NGO,count\n1,0,120\n0,1,80\n1,1,30\n", encoding="utf-8")
    capture = read_list_capture(path)
    result = estimate_population(capture)
    shown = settings_for_readers(result, method="stepwise", bootstrap_runs=0)
    assert shown["method"] == "main effects only (two lists: no interaction can be estimated)"
    assert shown["p_enter"] is None and shown["max_order"] is None and shown["downhill_start"] is None
    rows = sensitivity(capture, known=result)
    assert len(rows) == 1 and sensitivity_frame(rows)["estimate"].to_list() == ["550"]
    note = sensitivity_note(rows)
    assert note is not None and "two lists" in note and "one row" in note and not note.startswith("x")


def test_reading_the_result_asks_for_no_range_the_brief_withholds(shared_data: Path, western) -> None:
    """The UK and New Orleans briefs withheld every other model choice's estimate (a combination of fewer than
    5 people) yet "Reading the result" told readers to "report the range across the models" and to "look at the
    sensitivity table" (a column of x); lists with no small combination keep that advice."""
    from evidence.presentation.estimates import reading_the_result, sensitivity_withheld

    capture = read_list_capture(shared_data / "mse" / "western_us_5list" / "Western.csv")
    rows = sensitivity(capture, [ModelChoice("main", max_order=1)], known=western)
    assert sensitivity_withheld(rows)
    withheld = reading_the_result(western, rows)
    assert "report the range across the models" not in withheld
    assert "look at the sensitivity table" not in withheld
    assert "withheld" in withheld and "fewer than 5 people" in withheld
    big = ListCapture(lists=("A", "B", "C"), counts=np.array([40, 30, 12, 25, 9, 8, 6]))
    shown_rows = sensitivity(big, [ModelChoice("main", max_order=1)])
    assert not sensitivity_withheld(shown_rows)
    shown = reading_the_result(estimate_population(big), shown_rows)
    assert "report the range across the models" in shown and "look at the sensitivity table" in shown
    assert reading_the_result(western) == reading_the_result(western, None)


def test_the_headline_says_why_other_models_are_withheld_in_one_sentence(shared_data: Path, western) -> None:
    """The New Orleans brief read "In the table of the estimate under each model choice, the lists hold a
    combination of fewer than 5 people: each model's estimate is ..." and the UK's "Their estimates are withheld
    here: the lists hold ...: each model's estimate ..., so ... are withheld (x)": colons chained, withheld said
    twice."""
    from evidence.analyses.estimation.sensitivity import model_spread
    from evidence.presentation.estimates import sensitivity_withheld_text, spread_text

    reason = sensitivity_withheld_text()
    assert reason.count(":") == 1 and reason.count("withheld") == 1
    capture = read_list_capture(shared_data / "mse" / "western_us_5list" / "Western.csv")
    # not main effects alone: stepwise chose A:E, so the selection rejected them and they leave no range
    rows = sensitivity(capture, [ModelChoice("main", max_order=1), ModelChoice("bic")], known=western)
    spread = model_spread(rows, western)
    assert spread is not None and [row.choice.method for row in spread.rejected] == ["main"]
    headline = estimate_headline(western, spread=spread)
    assert "In the table of the estimate under each model choice, the lists" not in headline
    assert f"{reason[0].upper()}{reason[1:]}." in headline
    text = spread_text(dataclasses.replace(spread, beyond_interval=True), western)
    assert "data cannot pin the number down" in text
    assert "withheld here:" not in text and text.count("withheld") == 1


@pytest.mark.parametrize(
    "counts",
    [
        [10, 12, 30, 9, 28, 31, 60],  # fewer than 5 on no list, and a lower limit fewer than 5 above observed
        [60, 50, 20, 3, 0, 0, 0],  # list C of 3 people: how many replicates had it empty is withheld
    ],
)
def test_the_estimate_table_says_withheld_once_a_row(counts) -> None:
    """words31's reader: the estimate's table (``evidence estimate``, the hidden-population brief) read
    "withheld | the lower limit is fewer than 5 above the number observed: withheld" and "replicates withheld |
    how many replicates had a list with no case is withheld: …", withheld twice on one row. The rows saying
    why numbers are not shown are rows of disclosure control; their sentences say what is withheld."""
    result = estimate_population(
        ListCapture(("A", "B", "C"), np.array(counts)), bootstrap_replicates=200, seed=1
    )
    rows = estimate_rows(result)
    assert not [(item, text) for item, text in rows if "withheld" in item and "withheld" in text]
    reasons = [text for item, text in rows if item == "disclosure control"]
    assert reasons and all("withheld" in text for text in reasons)
    assert "disclosure control" in repr(disclose_estimate(result)) or not disclose_estimate(result).reasons


def test_the_headline_says_in_words_what_the_estimate_and_its_interval_are(western) -> None:
    """A reader of the hidden-population brief met "Estimated total population: 11,015 (95% interval 9,614 –
    13,527)" with no word of what a model's total or its interval mean until the assumptions, far below: the
    headline says it beside the numbers, the interval's level its own."""
    headline = estimate_headline(western)
    said = (
        "The estimate is a model's: from how the lists overlap, it puts a number on the people no list met and adds "
        "them to those observed. The 95% interval is the range of totals the lists are compatible with if the "
        "model's assumptions (below) hold; it allows nothing for their being wrong."
    )
    assert said in " ".join(headline.split()), headline
    assert headline.index("estimated on none") < headline.index(said[:30])
