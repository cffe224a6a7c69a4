"""Rules every estimate must keep, whatever the table: never below the people observed, its interval around it,
and the same numbers whatever the lists are called."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.analyses.estimation import ListCapture, estimate_population
from evidence.core.errors import InputError

HOW = [("stepwise", 2), ("bic", 2), ("downhill", 2), ("main", 2)]

#: Tables of 2 to 5 lists, sparse ones (many empty cells) among them, and large counts.
tables = st.integers(2, 5).flatmap(
    lambda t: st.lists(
        st.one_of(st.integers(0, 3), st.integers(0, 80), st.integers(10**6, 10**9)),
        min_size=2**t - 1,
        max_size=2**t - 1,
    )
)

#: Names a field's lists carry: spaces, accents, scripts other than Latin.
NAMES = ["Polícia Federal", "ONG São Paulo", "警察", "Shelter (north)", "labour inspectorate"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables, st.sampled_from(HOW))
def test_an_estimate_is_never_below_the_people_observed_and_its_interval_holds_it(counts, how) -> None:
    t = int(math.log2(len(counts) + 1))
    capture = ListCapture(tuple("PQRST"[:t]), np.array(counts))
    method, max_order = how
    try:
        result = estimate_population(capture, method=method, max_order=max_order)
    except InputError:
        return  # no estimate: refused with a reason (tested elsewhere)
    observed = sum(counts)
    assert result.observed == observed
    assert result.estimate >= observed and result.dark_figure >= 0
    assert math.isclose(result.estimate, observed + result.dark_figure, rel_tol=1e-9)
    low, high = result.interval
    assert observed <= low <= result.estimate * (1 + 1e-9) and high >= result.estimate * (1 - 1e-9)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables, st.sampled_from(HOW))
def test_the_estimate_does_not_depend_on_what_the_lists_are_called(counts, how) -> None:
    t = int(math.log2(len(counts) + 1))
    plain = ListCapture(tuple("PQRST"[:t]), np.array(counts))
    named = ListCapture(tuple(NAMES[:t]), np.array(counts))
    method, max_order = how
    try:
        first = estimate_population(plain, method=method, max_order=max_order)
    except InputError:
        with pytest.raises(InputError):
            estimate_population(named, method=method, max_order=max_order)
        return
    again = estimate_population(named, method=method, max_order=max_order)
    assert again.estimate == pytest.approx(first.estimate, rel=1e-9)
    assert again.interval == pytest.approx(first.interval, rel=1e-9)
    rename = dict(zip("PQRST", NAMES, strict=False))
    assert [":".join(rename[n] for n in term.split(":")) for term in first.terms] == list(again.terms)


@pytest.mark.parametrize("method", ["stepwise", "bic", "downhill", "main"])
def test_a_table_of_nobody_is_refused_as_such(method: str) -> None:
    # bic failed with "math domain error" (the log of 0 people); stepwise blamed the lists' overlap
    with pytest.raises(InputError, match="no case is on any list"):
        estimate_population(ListCapture(("P", "Q", "R"), np.zeros(7, dtype=int)), method=method)


#: Cells of a billion people beside cells of one (P, Q, PQ, R, PR, QR, PQR).
LARGE = [0, 0, 1, 0, 1, 1_000_000, 781_240_904]


@pytest.mark.parametrize("terms", [(), ("P:Q",), ("Q:R",), ("P:Q", "Q:R"), ("P:R", "Q:R")])
def test_the_existence_check_of_a_table_of_very_large_and_very_small_cells(terms: tuple[str, ...]) -> None:
    """Existence depends on which cells are empty only: the same verdict for the table's counts made small.
    The solver called the programme of Q:R infeasible (a RuntimeError), and main effects' optimum (1/3) fell below
    the threshold that grows with the table's total (10⁻⁹ of it: 0.78), so no estimate was said to exist."""
    from evidence.analyses.estimation import check_existence

    large = check_existence(ListCapture(("P", "Q", "R"), np.array(LARGE)), list(terms))
    small = check_existence(ListCapture(("P", "Q", "R"), np.array([min(c, 7) for c in LARGE])), list(terms))
    assert (large.exists, large.identifiable) == (small.exists, small.identifiable)
    assert large.exists == (
        terms == ()
    )  # main effects: optimum 1/3; a pair of lists with one case alone: none


@pytest.mark.parametrize("method", ["stepwise", "bic", "downhill", "main"])
def test_very_large_cells_beside_small_ones_give_an_estimate(method: str) -> None:
    result = estimate_population(ListCapture(("P", "Q", "R"), np.array(LARGE)), method=method)
    assert result.estimate >= sum(LARGE)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(3, 5).flatmap(
        lambda t: st.tuples(
            st.lists(st.integers(1, 400), min_size=2**t - 1, max_size=2**t - 1),
            st.sets(st.sampled_from([(a, b) for a in range(t) for b in range(a + 1, t)]), max_size=3),
        )
    )
)
def test_a_fit_on_tables_not_seen_matches_statsmodels(data) -> None:
    """The Poisson log-linear fit, by a reference implementation, on tables with every cell above 0 (where the
    ordinary maximum-likelihood estimate exists for every model)."""
    import statsmodels.api as sm

    from evidence.analyses.estimation import fit_model
    from evidence.analyses.estimation.lists import history_matrix

    counts, pairs = data
    t = int(math.log2(len(counts) + 1))
    terms = sorted(pairs)
    capture = ListCapture(tuple("PQRST"[:t]), np.array(counts))
    fit = fit_model(capture, terms)
    H = history_matrix(t)
    X = np.column_stack([np.ones(len(counts)), H, *(H[:, a] * H[:, b] for a, b in terms)])
    reference = sm.GLM(np.array(counts, dtype=float), X, family=sm.families.Poisson()).fit(tol=1e-12)
    assert fit.intercept == pytest.approx(reference.params[0], rel=1e-6, abs=1e-8)
    assert fit.intercept_se == pytest.approx(reference.bse[0], rel=1e-5)
    assert fit.estimate == pytest.approx(sum(counts) + math.exp(reference.params[0]), rel=1e-6)
