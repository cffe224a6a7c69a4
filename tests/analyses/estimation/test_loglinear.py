"""Log-linear fits in batches: a table's fit does not depend on the tables fitted beside it."""

from __future__ import annotations

import tracemalloc

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import gammaln

from evidence.analyses.estimation import loglinear
from evidence.analyses.estimation.lists import ListCapture
from evidence.analyses.estimation.loglinear import (
    _Positive,
    _solve,
    check_existence,
    design_matrix,
    lp_optimum,
)


def test_a_singular_system_takes_the_least_squares_step_alone() -> None:
    # one system singular (an MLE running off to infinity), one regular but ill-conditioned: the whole stack
    # used to take least-squares steps, which cut the regular one's small direction (its step lost 2e16)
    singular = np.array([[1.0, 1.0], [1.0, 1.0]])
    regular = np.array([[1.0, 0.0], [0.0, 1e-16]])
    score = np.array([[1.0, 2.0], [3.0, 2.0]])
    steps = _solve(np.stack([singular, regular]), score)
    assert np.array_equal(steps[1], np.linalg.solve(regular, score[1]))
    assert np.allclose(steps[0], np.linalg.pinv(singular) @ score[0])
    alone = _solve(regular[None], score[1:])
    assert np.array_equal(steps[1], alone[0])


def _lists(n_lists: int) -> ListCapture:
    """Every list meets every other: 10 people on each list alone, 2 on each pair."""
    rows = []
    for i in range(n_lists):
        rows.append([int(k == i) for k in range(n_lists)] + [10])
        rows += [[int(k in (i, j)) for k in range(n_lists)] + [2] for j in range(i + 1, n_lists)]
    names = [f"L{k}" for k in range(n_lists)]
    return ListCapture.from_frame(pl.DataFrame(rows, schema=[*names, "count"], orient="row"))


def test_the_existence_check_of_many_lists_keeps_its_constraints_sparse() -> None:
    # the linear programme held a dense identity of cells × cells: 12 lists took 268 MB, and 16 lists (allowed,
    # MAX_LISTS) asked numpy for 32 GiB and stopped `evidence estimate` with a traceback
    capture = _lists(12)
    loglinear._LP_OPTIMA.clear()  # solved here, not answered from an earlier test's programme
    tracemalloc.start()
    try:
        check = check_existence(capture)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert check.ok
    assert peak < 60e6, f"{peak / 1e6:.0f} MB"


@pytest.mark.parametrize(
    ("n_lists", "terms"),
    [(4, ["L0:L1", "L2:L3"]), (5, "all pairs"), (12, "all pairs")],
    ids=["four lists", "five lists", "twelve lists (the programme once given to scipy sparse)"],
)
def test_the_programme_given_to_highs_is_linprogs(monkeypatch, n_lists: int, terms) -> None:
    """HiGHS through highspy gives the optimum of SciPy's linprog (which the existence check called before, with
    its matrix dense up to 200,000 entries and sparse beyond) to the last bit, and the programme with its rows
    x_i ≥ s written out (dense, from scratch) agrees."""
    from scipy.optimize import linprog

    monkeypatch.setattr(loglinear, "_LP_OPTIMA", {})  # solved anew
    capture = _lists(n_lists)
    if terms == "all pairs":
        terms = [capture.term_name(t) for t in capture.pairs()]
    X = design_matrix(n_lists, capture.parse_terms(terms))
    y = capture.counts.astype(float)
    if n_lists > 4:
        y[::7] = 0.0  # some cells without a case: five lists' estimate then does not exist (optimum 0)
    optimum = lp_optimum(X, y)
    m = X.shape[0]
    A = X.T
    before = linprog(
        np.r_[np.zeros(m), -1.0],
        A_eq=np.hstack([A, A.sum(axis=1)[:, None]]),
        b_eq=A @ y,
        bounds=[(0, None)] * (m + 1),
        method="highs",
    )
    assert optimum == -before.fun
    if m > 100:
        return  # the form with a row per cell: minutes for twelve lists
    dense = linprog(
        np.r_[np.zeros(m), -1.0],
        A_ub=np.hstack([-np.eye(m), np.ones((m, 1))]),
        b_ub=np.zeros(m),
        A_eq=np.hstack([X.T, np.zeros((X.shape[1], 1))]),
        b_eq=X.T @ y,
        bounds=[(0, None)] * (m + 1),
        method="highs",
    )
    assert optimum > 0 if n_lists == 4 else optimum == 0
    assert optimum == pytest.approx(-dense.fun, rel=1e-9, abs=1e-12)


def test_highs_prints_nothing_and_each_thread_has_its_solver(capfd) -> None:
    """HiGHS prints its banner from C when a process makes its first solver: never into a notebook's output.
    Threads (a warm kernel's) each solve on a solver of their own, and agree."""
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor

    script = (
        "import numpy as np\n"
        "from evidence.analyses.estimation.loglinear import design_matrix, lp_optimum\n"
        "print(lp_optimum(design_matrix(3, ()), np.array([5.0, 3, 2, 4, 1, 1, 2])))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == repr(float(done.stdout)) and "HiGHS" not in done.stdout + done.stderr
    capture = _lists(5)
    X = design_matrix(5, capture.parse_terms([capture.term_name(t) for t in capture.pairs()]))
    ys = [capture.counts.astype(float) * k for k in range(1, 9)]
    expected = [loglinear._solve_lp(X, y) for y in ys]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(lambda y: loglinear._solve_lp(X, y), ys * 4)) == expected * 4


def _reference_iterations(X, Y, model_columns=None, start=None):
    """fit_batch's IRLS loop as it was written before the running rows were kept apart (every array gathered
    and scattered at every iteration, the masks applied to every system): the fits must stay the same to the
    last bit, which pins the published figures and every bootstrap interval of a seed."""
    from evidence.analyses.estimation import loglinear as ll

    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    p = X.shape[1]
    if model_columns is None:
        model_columns = np.ones((len(Y), p), dtype=bool)
    Y = np.broadcast_to(Y, (len(model_columns), Y.shape[1]))
    B, cells = Y.shape
    binary = X > 0
    at_minus_infinity = model_columns & ((Y @ binary) == 0)
    at_minus_infinity[:, 0] = False
    column_mask = model_columns & ~at_minus_infinity
    cell_mask = ~(at_minus_infinity.astype(float) @ binary.T.astype(float) > 0)
    identifiable = ll._identifiable(X, cell_mask, column_mask)
    solve_mask = np.where(identifiable[:, None], column_mask, np.eye(1, p, dtype=bool))
    weights = cell_mask.astype(float)
    initial = Y + 0.1 if start is None else np.where(start > 0, start, Y + 0.1)
    mu = initial * weights
    eta = np.log(initial)
    deviance = ll._deviance(Y, mu, weights)
    converged = np.zeros(B, dtype=bool)
    outer = solve_mask[:, :, None] & solve_mask[:, None, :]
    inactive_diagonal = np.eye(p)[None] * (~solve_mask)[:, :, None]
    outer_products = (X[:, :, None] * X[:, None, :]).reshape(cells, p * p)
    beta = np.zeros((B, p))
    last_step = np.full(B, np.inf)
    confirming = np.full(B, ll._CONFIRMING_STEPS)
    running = np.arange(B)
    for iteration in range(ll.MAX_ITERATIONS + ll._CONFIRMING_STEPS):
        r = running
        y_r, mu_r, eta_r, weights_r = Y[r], mu[r], eta[r], weights[r]
        z = eta_r + (y_r - mu_r) / np.maximum(mu_r, 1e-300)
        w = mu_r * weights_r
        information = np.where(outer[r], (w @ outer_products).reshape(-1, p, p), 0.0) + inactive_diagonal[r]
        score = np.where(solve_mask[r], (w * z) @ X, 0.0)
        new_beta = ll._solve(information, score)
        new_eta = np.clip(new_beta @ X.T, -ll._ETA_LIMIT, ll._ETA_LIMIT)
        new_mu = np.exp(new_eta) * weights_r
        new_deviance = ll._deviance(y_r, new_mu, weights_r)
        change = np.abs(new_deviance - deviance[r])
        now_converged = (
            converged[r]
            | (change / (np.abs(new_deviance) + 0.1) < ll.DEVIANCE_TOLERANCE)
            | (change < ll._DEVIANCE_NOISE * y_r.sum(axis=1))
        )
        last_step[r] = np.where(cell_mask[r], np.abs(new_eta - eta_r), 0.0).max(axis=1)
        beta[r], eta[r], mu[r] = new_beta, new_eta, new_mu
        deviance[r], converged[r] = new_deviance, now_converged
        confirming[r] -= now_converged
        finished = (confirming[r] < 0) | (~now_converged & (iteration + 1 >= ll.MAX_ITERATIONS))
        running = r[~finished]
        if not len(running):
            break
    # the intercept's standard error as it was computed: the masks of every row, all true or not
    information = (
        np.where(outer, ((mu * weights) @ outer_products).reshape(-1, p, p), 0.0) + inactive_diagonal
    )
    with np.errstate(all="ignore"):
        variance = np.array([ll._inverse_one(a)[0, 0] for a in information])
    se = np.where(identifiable, np.sqrt(np.maximum(variance, 0.0)), np.nan)
    return {"beta": beta, "eta": eta, "mu": mu, "converged": converged, "last_step": last_step, "se": se}


def _bits(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    return a.view(np.uint64) if a.dtype == float else a


@pytest.mark.parametrize("n_lists", [3, 4, 5])
def test_batched_fits_are_the_reference_loops_to_the_last_bit(n_lists: int) -> None:
    """Replicates that converge at different iterations, tables with an empty overlap (a parameter at −∞) or
    no estimate (IRLS running to the iteration limit), submodels given by masks, and warm starts."""
    from evidence.analyses.estimation.lists import interaction_terms
    from evidence.analyses.estimation.loglinear import fit_batch

    rng = np.random.default_rng(n_lists)
    terms = interaction_terms(n_lists, 2)
    X = design_matrix(n_lists, terms)
    cells = X.shape[0]
    base = rng.integers(1, 60, size=cells).astype(float)
    Y = rng.poisson(base, size=(40, cells)).astype(float)
    Y[::3, rng.integers(0, cells, size=4)] = 0.0  # some overlaps empty: cells left out, or no estimate
    Y[1, :] = 0.0
    Y[1, : n_lists + 1] = 5.0  # almost no overlap
    masks = rng.random((len(Y), X.shape[1])) < 0.6
    masks[:, : 1 + n_lists] = True
    start = Y * rng.uniform(0.5, 1.5, size=Y.shape) + 0.3
    cases = [
        (Y, None, None),
        (Y[:1], None, None),  # one row: a matrix-vector product, not matrix-matrix
        (Y, masks, None),
        (base[None, :], masks, None),  # one table, a submodel on every row (the exhaustive search)
        (Y, None, start),
    ]
    for counts, model_columns, warm in cases:
        given = None if warm is None else warm[: len(counts)]
        fit = fit_batch(X, counts, model_columns, start=given)
        reference = _reference_iterations(X, counts, model_columns, start=given)
        assert np.array_equal(_bits(fit.fitted), _bits(reference["mu"]))
        assert np.array_equal(fit.converged, reference["converged"])
        assert np.array_equal(_bits(fit.last_step), _bits(reference["last_step"]))
        ok = fit.identifiable
        assert np.array_equal(_bits(fit.intercept[ok]), _bits(reference["beta"][ok, 0]))
        estimated = fit.column_mask & ok[:, None]
        assert np.array_equal(_bits(fit.coefficients[estimated]), _bits(reference["beta"][estimated]))
        # the standard errors from the systems' masks made for the masked rows alone
        assert np.array_equal(_bits(fit.intercept_se), _bits(reference["se"]))
        # ln(y!) given by a caller that fits many models to the same rows: the same log-likelihoods
        rows = np.broadcast_to(np.atleast_2d(counts), fit.fitted.shape)
        given_factorials = fit_batch(
            X, counts, model_columns, start=given, log_factorials=gammaln(rows + 1.0)
        )
        assert np.array_equal(_bits(given_factorials.log_likelihood), _bits(fit.log_likelihood))
        if counts is Y and model_columns is None and given is None:
            # the rows the compaction must keep apart: parameters at −∞ and fits with no estimate among them
            assert fit.at_minus_infinity.any() and (fit.certainly_exists() != fit.converged).any()


def test_a_warm_start_is_kept_on_cells_fitted_far_below_one(monkeypatch) -> None:
    """A sparse table's fit has cells far below 1e-8 (eight lists met by few people: 7e-11 here, 1e-12 in New
    Orleans'): a start at the maximum itself is kept whole, so IRLS only confirms it (one step that converges,
    then the confirming steps). Those cells were reset to y + 0.1, and IRLS came down to them again for as many
    steps as from R's start: the stepwise bootstrap's warm starts cost more than cold ones."""
    n_lists = 8
    rows = []
    for i in range(n_lists):
        rows.append([int(k == i) for k in range(n_lists)] + [10])
        rows.append([int(k in (i, (i + 1) % n_lists)) for k in range(n_lists)] + [1])
    names = [f"L{k}" for k in range(n_lists)]
    capture = ListCapture.from_frame(pl.DataFrame(rows, schema=[*names, "count"], orient="row"))
    X = design_matrix(n_lists, ())
    y = capture.counts[None, :].astype(float)
    cold = loglinear.fit_batch(X, y, standard_errors=False)
    assert cold.converged.all() and cold.fitted.min() < 1e-8
    steps = []
    real = loglinear._solve
    monkeypatch.setattr(loglinear, "_solve", lambda a, b: (steps.append(len(a)), real(a, b))[1])
    warm = loglinear.fit_batch(X, y, start=cold.fitted, standard_errors=False)
    assert len(steps) == 1 + loglinear._CONFIRMING_STEPS
    assert warm.converged.all()
    assert np.allclose(warm.fitted, cold.fitted, rtol=1e-10, atol=1e-20)
    assert warm.intercept == pytest.approx(cold.intercept, rel=1e-12)


def test_a_batch_with_one_mask_is_ranked_as_row_by_row() -> None:
    """Rows sharing one pair of masks are ranked once without a loop over the rows: the verdicts are those of
    the rows ranked among other masks."""
    from evidence.analyses.estimation.loglinear import _identifiable

    X = design_matrix(4, ((0, 1), (1, 2), (0, 2)))
    for cells, columns in [
        (np.ones(X.shape[0], dtype=bool), np.ones(X.shape[1], dtype=bool)),
        (X[:, 5] == 0, np.arange(X.shape[1]) != 5),  # the first pair at −∞: its cells left out
        (X[:, 1] == 0, np.arange(X.shape[1]) != 1),  # a list with no case: not identifiable with its pairs
    ]:
        alike_cells, alike_columns = np.tile(cells, (7, 1)), np.tile(columns, (7, 1))
        mixed_cells = np.vstack([alike_cells, np.ones(X.shape[0], dtype=bool)])
        mixed_columns = np.vstack([alike_columns, np.ones(X.shape[1], dtype=bool)])
        alike = _identifiable(X, alike_cells, alike_columns)
        assert np.array_equal(alike, _identifiable(X, mixed_cells, mixed_columns)[:7])
        assert len(set(alike)) == 1
    assert not _identifiable(
        X, np.tile(X[:, 1] == 0, (3, 1)), np.tile(np.arange(X.shape[1]) != 1, (3, 1))
    ).any()


@settings(max_examples=60)
@given(
    counts=arrays(np.int64, st.tuples(st.integers(1, 40), st.integers(1, 70)), elements=st.integers(0, 3000)),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_deviance_terms_on_the_cells_with_cases_are_those_over_the_whole_table(
    counts: np.ndarray, seed: int
) -> None:
    """IRLS computes y·log(y/max(μ, 1e-300)) only where y > 0 (gathered into a contiguous array): each term must be
    the one computed over the whole table to the last bit, or the fits would depend on that shortcut (a logarithm
    whose vectorised and scalar paths differ in the last bit on some machine would show here)."""
    rng = np.random.default_rng(seed)
    y = counts.astype(float)
    mu = y * rng.uniform(0.2, 5.0, size=y.shape) + rng.choice([0.0, 1e-3, 7.5], size=y.shape)
    # fitted values that underflowed, or went below the floor, on some cells with cases too
    mu = np.where(rng.random(y.shape) < 0.1, rng.choice([0.0, 1e-320, 1e-290], size=y.shape), mu)
    with np.errstate(divide="ignore", invalid="ignore"):
        whole = np.where(y > 0, y * np.log(y / np.maximum(mu, 1e-300)), 0.0)
        gathered = _Positive(y).ratio(mu)
    assert gathered.shape == whole.shape
    assert np.array_equal(gathered.view(np.int64), whole.view(np.int64))


class _ClearedAfterEachStore(dict):
    """A cache another thread clears right after each store (the moment a second reader would miss it)."""

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.clear()


def test_a_cache_cleared_by_another_thread_loses_no_answer(monkeypatch) -> None:
    capture = _lists(4)
    X = design_matrix(4, capture.parse_terms(["L0:L1", "L2:L3"]))
    y = capture.counts.astype(float)
    expected = lp_optimum(X, y)
    monkeypatch.setattr(loglinear, "_LP_OPTIMA", _ClearedAfterEachStore())
    monkeypatch.setattr(loglinear, "_FULL_RANK", _ClearedAfterEachStore())
    assert lp_optimum(X, y) == expected
    cells = np.ones((2, X.shape[0]), dtype=bool)
    columns = np.ones((2, X.shape[1]), dtype=bool)
    columns[1, 1:] = False
    assert loglinear._identifiable(X, cells, columns).tolist() == [True, True]
    # cells left out (a parameter at −∞): the rank is computed and stored, and the store cleared at once
    cells[:, -1] = False
    expected = [np.linalg.matrix_rank(X[cells[b]][:, columns[b]]) == columns[b].sum() for b in range(2)]
    assert loglinear._identifiable(X, cells, columns).tolist() == expected


def test_a_batch_fit_is_the_same_whatever_the_blas_threads_around_it(shared_data) -> None:
    # a 6-list table's 500 resamples: with two BLAS threads the products split among threads summed in
    # another order, and the fitted values differed in their last bits from one thread's
    from threadpoolctl import threadpool_info, threadpool_limits

    from evidence.analyses.estimation.bootstrap import resample
    from evidence.analyses.estimation.lists import interaction_terms, read_list_capture

    capture = read_list_capture(shared_data / "mse" / "netherlands_2010_2015_6list" / "Ned.csv")
    X = design_matrix(len(capture.lists), interaction_terms(len(capture.lists), 2))
    Y = resample(capture, 500, np.random.default_rng(1))
    fits = {}
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="blas"):
            fits[threads] = loglinear.fit_batch(X, Y)
            # the caller's own limit is back once the fit is done
            assert {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"} <= {threads}
    for field in ("intercept", "intercept_se", "fitted", "coefficients", "log_likelihood"):
        assert getattr(fits[1], field).tobytes() == getattr(fits[2], field).tobytes(), field


@pytest.mark.parametrize("n_lists", range(2, 10))
def test_every_model_with_every_cell_fitted_has_full_rank_without_an_svd_each(n_lists: int) -> None:
    """The complete design of a model space (every interaction up to the highest order, all cells) has its
    smallest singular value far above matrix_rank's tolerance, so every model's design (a subset of its columns)
    is identifiable as matrix_rank judges it: _identifiable answers so for rows with every cell fitted."""
    from evidence.analyses.estimation.models import ModelSpace

    space = ModelSpace(n_lists, min(n_lists - 1, 6))
    X = design_matrix(n_lists, space.terms)
    assert loglinear._every_column_subset_full_rank(X, loglinear._digest(X))
    rng = np.random.default_rng(n_lists)
    columns = rng.random((30, X.shape[1])) < 0.5
    columns[:, 0] = True
    cells = np.ones((30, X.shape[0]), dtype=bool)
    assert loglinear._identifiable(X, cells, columns).all()
    assert all(np.linalg.matrix_rank(X[:, c]) == c.sum() for c in columns)


def test_a_design_with_dependent_columns_is_not_taken_for_full_rank() -> None:
    X = design_matrix(3, ((0, 1),))
    dependent = np.hstack([X, X[:, 1:2] + X[:, 2:3]])  # a column the sum of two others
    assert not loglinear._every_column_subset_full_rank(dependent, loglinear._digest(dependent))
    cells = np.ones((2, dependent.shape[0]), dtype=bool)
    columns = np.ones((2, dependent.shape[1]), dtype=bool)
    columns[1, 1:3] = False  # without the two columns it sums: independent
    assert loglinear._identifiable(dependent, cells, columns).tolist() == [False, True]


@pytest.mark.parametrize("status_name", ["kSolveError", "kIterationLimit", "kInfeasible"])
def test_a_programme_highs_leaves_unanswered_is_an_error_the_toolkit_reports(
    monkeypatch, status_name
) -> None:
    """x = y is always feasible and s is bounded, so any status but optimal is the solver's failure: an error of
    the toolkit's family (the command line prints it in one line, a notebook says it), naming the status, not a
    bare RuntimeError's traceback; and no optimum is kept for the programme."""
    import highspy
    from _unanswering_highs import unanswering_highs

    from evidence.core.errors import EvidenceError

    unanswering_highs(monkeypatch, status_name)
    X, y = design_matrix(3, ()), np.array([5.0, 3, 2, 4, 1, 1, 2])
    with pytest.raises(EvidenceError) as raised:
        lp_optimum(X, y)
    status = getattr(highspy.HighsModelStatus, status_name)
    assert loglinear.quiet_highs().modelStatusToString(status) in str(raised.value)
    assert "linear programme" in str(raised.value) and not loglinear._LP_OPTIMA


def test_the_parts_of_a_kept_design_are_made_once_and_a_callers_design_is_read_anew(monkeypatch) -> None:
    """A design of ``cached_design`` is fitted a thousand times over by a bootstrap: its nonzero entries and its
    cells' outer products are made once (read-only) and the fits are those of the same design given afresh, to
    the last bit. A design the caller owns may change between fits: each fit reads it anew."""
    from evidence.analyses.estimation.loglinear import cached_design, fit_batch

    monkeypatch.setattr(loglinear, "_FITS_MAX_BYTES", 0)  # every fit made here, none given back
    capture = _lists(4)
    terms = capture.parse_terms(["L0:L1", "L2:L3"])
    kept = cached_design(4, terms)
    Y = np.vstack([capture.counts, capture.counts[::-1], capture.counts + 3]).astype(float)
    first = fit_batch(kept, Y)
    parts = loglinear._design_parts(kept)
    assert parts is loglinear._design_parts(kept)
    assert not any(part.flags.writeable for part in parts)
    again = fit_batch(kept, Y[::-1])
    mine = np.array(kept)  # the same numbers, the caller's (writeable) array
    assert mine.flags.writeable and loglinear._design_parts(mine) is not loglinear._design_parts(mine)
    fresh = fit_batch(mine, Y[::-1])
    for field in ("fitted", "intercept", "intercept_se", "log_likelihood", "coefficients", "last_step"):
        assert np.array_equal(_bits(getattr(again, field)), _bits(getattr(fresh, field)))
    # the caller's design changed between fits (its last interaction left out): fitted as it now is
    mine[:, -1] = 0.0
    changed = fit_batch(mine, Y)
    assert np.array_equal(_bits(changed.fitted), _bits(fit_batch(np.array(mine), Y).fitted))
    smaller = fit_batch(cached_design(4, terms[:-1]), Y)
    assert changed.fitted == pytest.approx(smaller.fitted, rel=1e-9)
    assert not np.allclose(changed.fitted, first.fitted, rtol=1e-6)
