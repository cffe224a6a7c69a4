"""SciPy's ``linprog(method="highs")`` and ``milp``, for the tests' reference programmes, without their per-call
set-up: the same solver (the HiGHS that SciPy ships, not the ``highspy`` the toolkit solves with), the same model
(the same arrays, in the same order) and the same options, so the same answer bit for bit, at a fifth of the cost
(a reference asks thousands of small programmes, and most of SciPy's time went on checking the same inputs and
options again: a new options manager per option of every call).

What is left out is only SciPy's checking of its inputs, which these tests' inputs (finite numbers, rows of the
width of the objective) always pass; what is kept is everything that decides an answer: the model, the options,
the status SciPy maps HiGHS's to, and ``linprog``'s own check of the solution against the constraints
(``_check_result``: a point HiGHS calls optimal that breaks a constraint is no solution). The options are set as
``scipy.optimize._highspy._highs_wrapper`` sets them, checked once by its own ``check_option``."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from scipy.optimize import Bounds, LinearConstraint
from scipy.optimize._highspy import _core
from scipy.optimize._highspy._highs_wrapper import check_option
from scipy.optimize._linprog_highs import _highs_to_scipy_status_message, _replace_inf
from scipy.optimize._linprog_util import _check_result
from scipy.sparse import csc_array, vstack

#: The options ``linprog(method="highs")`` passes HiGHS (SciPy 1.17, no options given), and ``milp``'s
#: (``disp`` False, no node limit: None, left out as SciPy leaves it out).
_LINPROG_OPTIONS = (
    ("presolve", True),
    ("highs_debug_level", _core.HighsDebugLevel.kHighsDebugLevelNone),
    ("log_to_console", False),
    ("output_flag", False),
    ("simplex_strategy", _core.simplex_constants.SimplexStrategy.kSimplexStrategyDual),
)
_MILP_OPTIONS = (("log_to_console", False),)

_OPTIONS: dict[tuple, object] = {}


def _options(options: tuple) -> object:
    """A ``HighsOptions`` made as ``_highs_wrapper`` makes it from ``options`` (each checked as it checks
    them), once per set of options: HiGHS copies it into each solver."""
    if options not in _OPTIONS:
        made = _core.HighsOptions()
        probe = _core._Highs()
        for key, value in options:
            if key in ("presolve", "parallel"):
                value = "on" if value else "off"
            status, message = check_option(probe, key, value)
            assert status == 0, message
            setattr(made, key, value)
        _OPTIONS[options] = made
    return _OPTIONS[options]


def _solve(c, matrix, lhs, rhs, lb, ub, integrality, options: tuple) -> tuple:
    """HiGHS's model status, objective, solution and rows' values, as ``_highs_wrapper`` gets them (an LP's
    solution only when optimal; a MIP's when optimal or stopped at a limit with a solution)."""
    n = c.size
    lp = _core.HighsLp()
    lp.num_col_, lp.num_row_ = n, rhs.size
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, rhs.size
    lp.a_matrix_.format_ = _core.MatrixFormat.kColwise
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = c, lb, ub
    lp.row_lower_, lp.row_upper_ = lhs, rhs
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = matrix.indptr, matrix.indices, matrix.data
    is_mip = integrality is not None and integrality.size > 0 and np.sum(integrality) > 0
    if integrality is not None and integrality.size > 0:
        lp.integrality_ = [_core.HighsVarType(i) for i in integrality]
    highs = _core._Highs()
    assert highs.passOptions(_options(options)) != _core.HighsStatus.kError
    assert highs.passModel(lp) != _core.HighsStatus.kError
    assert highs.run() != _core.HighsStatus.kError
    status = highs.getModelStatus()
    info = highs.getInfo()
    limits = (
        _core.HighsModelStatus.kTimeLimit,
        _core.HighsModelStatus.kIterationLimit,
        _core.HighsModelStatus.kSolutionLimit,
    )
    if is_mip:
        failed = status not in (_core.HighsModelStatus.kOptimal, *limits) or (
            status in limits and info.objective_function_value == _core.kHighsInf
        )
    else:
        failed = status != _core.HighsModelStatus.kOptimal
    if failed:
        return status, None, None, None
    solution = highs.getSolution()
    return status, info.objective_function_value, np.array(solution.col_value), np.array(solution.row_value)


def linprog(c, A_ub=None, b_ub=None, A_eq=None, b_eq=None, bounds=None) -> SimpleNamespace:
    """``scipy.optimize.linprog(c, A_ub, b_ub, A_eq, b_eq, bounds, method="highs")``: its ``status``, ``fun``
    and ``x``. ``bounds``: a (low, high) pair per variable, None for no bound."""
    c = np.asarray(c, dtype=float)
    n = c.size
    a_ub = np.zeros((0, n)) if A_ub is None else np.asarray(A_ub, dtype=float)
    a_eq = np.zeros((0, n)) if A_eq is None else np.asarray(A_eq, dtype=float)
    b_ub = np.zeros(0) if b_ub is None else np.asarray(b_ub, dtype=float).reshape(-1)
    b_eq = np.zeros(0) if b_eq is None else np.asarray(b_eq, dtype=float).reshape(-1)
    box = np.array(
        [[-np.inf if low is None else low, np.inf if high is None else high] for low, high in bounds],
        dtype=float,
    )
    lb, ub = box.T.copy()
    lhs = np.concatenate((-np.ones_like(b_ub) * np.inf, b_eq))
    rhs = np.concatenate((b_ub, b_eq))
    matrix = csc_array(np.vstack((a_ub, a_eq)))
    rhs = _replace_inf(rhs)
    highs_status, fun, x, rows = _solve(
        c, matrix, _replace_inf(lhs), rhs, _replace_inf(lb), _replace_inf(ub), None, _LINPROG_OPTIONS
    )
    status, message = _highs_to_scipy_status_message(highs_status, "")
    if x is not None:  # the rows' slack, as SciPy has it from HiGHS: right-hand side less the row's value
        row = rhs - rows
        slack, con = row[: b_ub.size], row[b_ub.size :]
    else:
        slack = con = None
    status, _ = _check_result(x, fun, status, slack, con, box, 1e-9, message, None)
    return SimpleNamespace(status=status, fun=fun, x=x)


def milp(c, *, integrality, bounds: Bounds, constraints, options: dict | None = None) -> SimpleNamespace:
    """``scipy.optimize.milp`` (``options``: ``presolve`` only): its ``status``, ``message``, ``fun`` and ``x``."""
    c = np.atleast_1d(np.asarray(c, dtype=float))
    integral = np.broadcast_to(integrality, c.shape).astype(np.uint8)
    lb = np.broadcast_to(bounds.lb, c.shape).astype(np.float64)
    ub = np.broadcast_to(bounds.ub, c.shape).astype(np.float64)
    parts = [constraints] if isinstance(constraints, LinearConstraint) else list(constraints)
    matrices = [csc_array(p.A) for p in parts]
    lows = [np.atleast_1d(p.lb).astype(np.float64) for p in parts]
    highs = [np.atleast_1d(p.ub).astype(np.float64) for p in parts]
    if len(parts) > 1:
        matrix, lhs, rhs = vstack(matrices, format="csc"), np.concatenate(lows), np.concatenate(highs)
    else:
        matrix, lhs, rhs = matrices[0], lows[0], highs[0]
    matrix.data = matrix.data.astype(np.float64)
    chosen = tuple((options or {}).items())
    assert all(key == "presolve" for key, _ in chosen)
    highs_status, fun, x, _ = _solve(c, matrix, lhs, rhs, lb, ub, integral, _MILP_OPTIONS + chosen)
    status, message = _highs_to_scipy_status_message(highs_status, "")
    return SimpleNamespace(status=status, message=message, fun=fun, x=x)


def integer_ends(objective: np.ndarray, constraints: object, bounds: Bounds) -> tuple[int, int]:
    """The least and the greatest whole-number value of ``objective @ x`` under ``constraints`` and ``bounds``,
    every variable a whole number: what a reader who knows counts are whole can learn of that combination (one
    value: pinned). Each of the two programmes must be solved."""
    ends = []
    for sign in (1.0, -1.0):
        result = milp(
            sign * objective, constraints=constraints, bounds=bounds, integrality=np.ones(len(objective))
        )
        assert result.status == 0, result.status
        ends.append(round(sign * result.fun))
    return ends[0], ends[1]
