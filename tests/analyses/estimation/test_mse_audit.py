"""Multiple systems estimation under a hostile audit: huge counts, list and row order, edge cases."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.analyses.estimation import ListCapture, estimate_population, fit_model, read_list_capture
from evidence.core.errors import InputError, ParameterError

BASE = np.array([50, 40, 3, 30, 6, 7, 2])  # A, B, A∩B, C, A∩C, B∩C, A∩B∩C
EVERY_PAIR = ((0, 1), (0, 2), (1, 2))


@pytest.mark.parametrize("scale", [10**7, 10**8, 10**9])
def test_a_model_fitting_huge_counts_exactly_converges(scale: int) -> None:
    # with every pair, three lists leave no degree of freedom: the deviance is 0 up to rounding, which R's
    # relative criterion alone never accepts once counts are in the millions
    fit = fit_model(ListCapture(("A", "B", "C"), BASE * scale), EVERY_PAIR)
    assert fit.converged and fit.certainly_exists
    assert fit.dark_figure / scale == pytest.approx(
        fit_model(ListCapture(("A", "B", "C"), BASE), EVERY_PAIR).dark_figure
    )


@pytest.mark.parametrize("method", ["stepwise", "bic"])
def test_huge_counts_choose_the_model_their_smaller_copy_chooses(method: str) -> None:
    small = estimate_population(ListCapture(("A", "B", "C"), BASE * 1000), method=method)
    huge = estimate_population(ListCapture(("A", "B", "C"), BASE * 10**9), method=method)
    assert small.terms == huge.terms == ("A:B", "A:C", "B:C")
    assert huge.estimate / 10**9 == pytest.approx(small.estimate / 1000, rel=1e-6)
    assert math.isfinite(huge.interval[1])


# ------------------------------------------------------------------------------------ frames as notebooks give them


def test_a_frame_of_floats_or_booleans_is_read_as_the_csv_loader_reads_1_0_and_true() -> None:
    ints = pl.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [10, 20, 5]})
    floats = pl.DataFrame({"A": [1.0, 0.0, 1.0], "B": [0.0, 1.0, 1.0], "count": [10.0, 20.0, 5.0]})
    booleans = pl.DataFrame({"A": [True, False, True], "B": [False, True, True], "count": [10, 20, 5]})
    expected = estimate_population(ints, method="main").estimate
    assert expected == pytest.approx(10 + 20 + 5 + 10 * 20 / 5)  # Lincoln–Petersen
    for frame in (floats, booleans):
        assert estimate_population(frame, method="main").estimate == pytest.approx(expected)


@pytest.mark.parametrize(
    ("column", "values", "shown"),
    [
        ("count", [10, None, 5], "row 2 of the frame holds None"),
        ("count", [10.5, 20.0, 5.0], "row 1 of the frame holds 10.5"),
        ("count", [10, -1, 5], "row 2 of the frame holds -1"),
        ("A", [1, None, 1], "row 2 of the frame holds None"),
        ("A", [1.0, float("nan"), 1.0], "row 2 of the frame holds nan"),
        ("A", [1, 2, 1], "row 2 of the frame holds 2"),
    ],
)
def test_a_missing_fractional_or_negative_value_in_a_frame_is_named(
    column: str, values: list, shown: str
) -> None:
    frame = pl.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [10, 20, 5]}).with_columns(
        pl.Series(column, values)
    )
    with pytest.raises(ParameterError, match=rf"column '{column}' is not .* \({shown}\)"):
        estimate_population(frame, method="main")


def test_from_frame_never_truncates_a_fraction_or_a_missing_count() -> None:
    for counts in ([10.5, 20.0, 5.0], [10, None, 5]):
        frame = pl.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": counts})
        with pytest.raises(InputError, match="whole numbers"):
            ListCapture.from_frame(frame)


def test_a_list_named_with_a_colon_is_refused_by_name() -> None:
    # "A:B" would make the interaction "A:B:C" ambiguous (a triple, or the pair of "A:B" and "C")
    frame = pl.DataFrame({"A:B": [1, 0, 1, 0], "C": [0, 1, 1, 1], "D": [1, 1, 0, 1], "count": [3, 4, 5, 6]})
    with pytest.raises(InputError, match="':'") as error:
        estimate_population(frame)
    assert error.value.column == "A:B"


@pytest.mark.parametrize("seed", [-1, 1.5, True, "7"])
def test_a_seed_that_is_no_whole_number_is_a_parameter_error(seed: object) -> None:
    capture = ListCapture(("A", "B", "C"), BASE)
    with pytest.raises(ParameterError, match="seed"):
        estimate_population(capture, bootstrap_replicates=20, seed=seed)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------ more published results


def test_uk_five_lists_stepwise_is_the_home_office_central_estimate(shared_data: Path) -> None:
    """Silverman (2014), the Home Office's estimate of 2013: 11,313 ("between 10,000 and 13,000")."""
    result = estimate_population(read_list_capture(shared_data / "mse" / "uk_2013_5list" / "UKdat_5.csv"))
    assert round(result.estimate) == 11313
    assert result.terms == ("LA:NG", "LA:PFNCA", "NG:GO", "NG:GP", "PFNCA:GP", "GO:GP")
    assert 9_500 < result.interval[0] < 10_000 and 13_000 < result.interval[1] < 13_500


def test_kosovo_lowest_bic_with_triples_is_ball_et_al_2002(shared_data: Path) -> None:
    """Ball et al. (2002), AAAS report to the ICTY: 10,356 killings (95% interval 9,002 – 12,122), from the
    log-linear model with EXH:ABA:OSCE and the pairs OSCE:HRW and EXH:HRW."""
    result = estimate_population(
        read_list_capture(shared_data / "mse" / "kosovo_1999_4list" / "Kosovo.csv"), method="bic", max_order=3
    )
    assert math.floor(result.estimate) == 10356
    assert "EXH:ABA:OSCE" in result.terms and {"OSCE:HRW", "EXH:HRW"} <= set(result.terms)
    assert result.interval[0] == pytest.approx(9002, rel=0.01)
    assert result.interval[1] == pytest.approx(12122, rel=0.01)


# ------------------------------------------------------------------------------------ order of lists and rows


def _relabel(capture: ListCapture, order: list[int]) -> ListCapture:
    """The same people with the lists in another order."""
    codes = capture.histories[:, order] @ (1 << np.arange(capture.n_lists))
    counts = np.zeros_like(capture.counts)
    counts[codes - 1] = capture.counts
    return ListCapture(tuple(capture.lists[i] for i in order), counts)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(3, 4).flatmap(
        lambda t: st.tuples(
            st.lists(st.integers(1, 60), min_size=2**t - 1, max_size=2**t - 1),
            st.permutations(list(range(t))),
        )
    ),
    st.sampled_from([("stepwise", 2), ("bic", 2), ("bic", 3), ("downhill", 2), ("main", 2)]),
)
def test_the_estimate_does_not_depend_on_the_order_of_the_lists(data, how) -> None:
    counts, order = data
    t = len(order)
    capture = ListCapture(tuple("PQRS"[:t]), np.array(counts))
    method, max_order = how
    try:
        first = estimate_population(capture, method=method, max_order=max_order)
    except InputError:
        with pytest.raises(InputError):
            estimate_population(_relabel(capture, order), method=method, max_order=max_order)
        return
    again = estimate_population(_relabel(capture, order), method=method, max_order=max_order)
    assert again.estimate == pytest.approx(first.estimate, rel=1e-7)
    assert again.interval == pytest.approx(first.interval, rel=1e-6)
    named = [{frozenset(term.split(":")) for term in result.terms} for result in (first, again)]
    assert named[0] == named[1] or method == "stepwise"  # stepwise breaks ties of p by the order of the lists


def test_numpy_numbers_are_settings_like_python_numbers() -> None:
    # before: "the maximum interaction order must be a whole number from 2 (pairs) to 6, not np.int64(3)", and
    # the same of bootstrap replicates and runs; a numpy seed would reach JSON as a type it cannot write
    capture = ListCapture(("A", "B", "C", "D"), np.arange(1, 16) * 7)
    plain = estimate_population(
        capture, method="bic", max_order=3, bootstrap_replicates=20, bootstrap_runs=2, seed=3, level=0.9
    )
    numpy = estimate_population(
        capture,
        method="bic",
        max_order=np.int64(3),
        bootstrap_replicates=np.int64(20),
        bootstrap_runs=np.int32(2),
        seed=np.uint64(3),
        level=np.float64(0.9),
    )
    assert numpy.interval == plain.interval and numpy.terms == plain.terms
    assert json.dumps(numpy.to_dict(), allow_nan=True) == json.dumps(plain.to_dict(), allow_nan=True)


@pytest.mark.parametrize("level", ["0.9", True, 1, 0.0, math.nan])
def test_a_level_that_is_no_probability_is_a_parameter_error(level: object) -> None:
    with pytest.raises(ParameterError, match="level must be a number between 0 and 1"):
        estimate_population(ListCapture(("A", "B", "C"), BASE), level=level)  # type: ignore[arg-type]


def test_lists_named_alike_but_for_spaces_are_refused() -> None:
    frame = pl.DataFrame({"A": [1, 0, 1, 0], "A ": [0, 1, 1, 1], "B": [1, 1, 0, 1], "count": [3, 4, 5, 6]})
    with pytest.raises(InputError, match="differ only by spaces") as error:
        estimate_population(frame)
    assert error.value.column == "A "
    # lists that differ by case are different lists, printed differently
    # (each history once: the frame of the first check repeats {A, B}, refused on its own since)
    frame = pl.DataFrame({"a": [1, 0, 1], "A": [0, 1, 1], "B": [1, 1, 0], "count": [3, 10, 5]})
    assert estimate_population(frame, method="main").lists == ("a", "A", "B")


def test_a_pandas_frame_is_estimated_as_its_polars_twin() -> None:
    # before: "takes list-capture data (…, a polars frame of them, or a ListCapture), not DataFrame"
    import pandas as pd

    frame = {"A": [1, 0, 1], "B": [0, 1, 1], "count": [10, 20, 5]}
    assert estimate_population(pd.DataFrame(frame)).estimate == pytest.approx(
        estimate_population(pl.DataFrame(frame)).estimate
    )
    with pytest.raises(ParameterError, match=r"column 'B' is not 0/1 \(row 2 of the frame holds None\)"):
        estimate_population(pd.DataFrame({"A": [1, 0, 1], "B": [0, None, 1], "count": [10, 20, 5]}))


@pytest.mark.parametrize("method", ["stepwise", "main"])
def test_a_seeded_bootstrap_does_not_depend_on_the_order_of_the_lists(method: str) -> None:
    # before: the replicates were drawn over the cells in the data's order, so swapping two columns of the
    # file moved the interval by Monte Carlo error, with the same seed
    capture = ListCapture(("police", "shelters", "ngo"), np.array([60, 45, 12, 38, 9, 7, 4]))
    first = estimate_population(capture, method=method, bootstrap_replicates=60, seed=11)
    for order in ([2, 0, 1], [1, 0, 2]):
        again = estimate_population(_relabel(capture, order), method=method, bootstrap_replicates=60, seed=11)
        assert again.interval == pytest.approx(first.interval, rel=1e-9)
        assert again.bias_correction == pytest.approx(first.bias_correction)


def test_lists_sorted_by_name_are_resampled_as_they_stand() -> None:
    from evidence.analyses.estimation.bootstrap import name_order, resample

    capture = ListCapture(("A", "B", "C"), BASE)
    assert (name_order(capture) == np.arange(7)).all()
    expected = np.random.default_rng(4).multinomial(capture.observed, BASE / BASE.sum(), size=5)
    assert (resample(capture, 5, np.random.default_rng(4)) == expected).all()


def test_a_fit_that_did_not_converge_does_not_condemn_the_models_above_it(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a missing estimate or a lost rank passes to the models above a model (Chan, Silverman & Vincent
    2021, section 2.7). Before, main effects not converging made every model of the exhaustive search invalid."""
    from evidence.analyses.estimation import selection

    capture = read_list_capture(shared_data / "mse" / "western_us_5list" / "Western.csv")
    original = selection.fit_batch

    def main_effects_never_converge(X, Y, model_columns=None, *args, **kwargs):
        batch = original(X, Y, model_columns, *args, **kwargs)
        if model_columns is not None:
            main = model_columns[:, 1 + capture.n_lists :].sum(axis=1) == 0
            batch.converged[main] = False
        return batch

    monkeypatch.setattr(selection, "fit_batch", main_effects_never_converge)
    monkeypatch.setattr(
        selection.BatchFit, "certainly_exists", lambda self: self.converged & self.identifiable & False
    )
    chosen = selection.bic_search(capture)
    assert chosen.search == "exhaustive"
    assert capture.term_name((0, 4)) in chosen.fit.term_names and round(chosen.fit.estimate) == 2483
    assert chosen.models_admissible > 900


def test_two_lists_have_one_model_choice_to_show() -> None:
    # before: seven rows ("stepwise, p < 0.001, pairs", "lowest BIC, pairs", …) of the same main-effects model
    from evidence.analyses.estimation.sensitivity import model_choices, sensitivity

    assert [c.label for c in model_choices(2)] == ["main effects only"]
    rows = sensitivity(ListCapture(("police", "ngo"), np.array([30, 20, 10])))
    assert len(rows) == 1 and rows[0].result is not None
    assert rows[0].result.estimate == pytest.approx(60 + 30 * 20 / 10)
    assert len(model_choices(3)) > 1


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ([-5, 20, 10], "0 or more"),  # before: "existence linear programme failed: The problem is infeasible"
        ([10.7, 20, 10], "whole number of people, not 10.7"),  # before: 10.7 truncated to 10, without a word
        ([math.nan, 20, 10], "whole number of people, not nan"),
    ],
)
def test_a_capture_of_counts_that_are_no_numbers_of_people_is_refused(counts: list, message: str) -> None:
    with pytest.raises(InputError, match=message):
        ListCapture(("A", "B"), np.array(counts))
    assert ListCapture(("A", "B"), np.array([10.0, 20.0, 10.0])).counts.tolist() == [10, 20, 10]


# ------------------------------------------------------------------------------- audit of the wording (mse17)


@pytest.mark.parametrize("method", ["stepwise", "bic", "downhill", "main"])
def test_two_lists_without_overlap_are_not_told_to_merge_lists(method: str) -> None:
    """The hint said "merge small lists": of two lists, that leaves one, from which nothing is estimated."""
    two = ListCapture(("police", "shelter"), np.array([30, 20, 0]))
    with pytest.raises(InputError) as caught:
        estimate_population(two, method=method)
    error = caught.value
    text = f"{error} {error.hint}"
    assert "merge" not in text
    assert "no case is on both lists" in text and "Lincoln–Petersen" in text
    assert "link a third list" in error.hint
    # the model is named as it is (main effects), not "the main model" nor "the stepwise model"
    assert "the main model" not in text and f"the {method} model" not in text


def test_lists_without_any_overlap_are_told_what_can_help() -> None:
    """Merging lists that share nobody leaves lists that share nobody: the estimate is unbounded whatever is
    merged. The hint names what can help: the linkage, or records the lists share."""
    three = ListCapture(("A", "B", "C"), np.array([30, 20, 0, 10, 0, 0, 0]))
    with pytest.raises(InputError) as caught:
        estimate_population(three)
    text = f"{caught.value} {caught.value.hint}"
    assert "merge" not in text and "no case is on more than one list" in text
    assert "linked" in caught.value.hint


@pytest.mark.parametrize("method", ["stepwise", "bic", "downhill", "main"])
def test_two_lists_record_no_search_and_no_setting_they_did_not_use(method: str) -> None:
    """Two lists hold one model (main effects), which the text says; the JSON said "search": "forward" at
    "p_enter": 0.02 (or a downhill start) of a search that never ran."""
    two = ListCapture(("police", "shelter"), np.array([30, 20, 10]))
    result = estimate_population(two, method=method)
    record = result.to_dict()
    assert record["search"] == record["model_space"]["search"] == "none"
    assert record["p_enter"] is None and record["downhill_start"] is None
    assert record["method"] == method  # what was asked stays said
