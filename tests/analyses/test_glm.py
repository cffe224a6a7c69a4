"""glm.py against statsmodels: the same coefficients, covariances, likelihoods, intervals, p-values, warnings and
convergence decisions, over random designs and at the edges (zeros, separation, too few iterations, a singular
design); the NB2 fit and the Wilson interval likewise."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.analyses import glm
from evidence.core.errors import ParameterError


def _statsmodels():
    """statsmodels' GLM module and families, imported when a test first needs them rather than with this module:
    most of a second of every collection of the suite (each xdist worker of both lanes collects every file, and
    the kernel lane runs none of these tests)."""
    return (
        pytest.importorskip("statsmodels.genmod.generalized_linear_model"),
        pytest.importorskip("statsmodels.genmod.families"),
    )


def _statsmodels_glm(y, X, family, offset=None, cov_type="nonrobust", groups=None, maxiter=100):
    sm_glm, sm_families = _statsmodels()
    fam = sm_families.Poisson() if family == "poisson" else sm_families.Binomial()
    kwds = {"cov_kwds": {"groups": groups}} if groups is not None else {}
    return sm_glm.GLM(y, X, family=fam, offset=offset).fit(cov_type=cov_type, maxiter=maxiter, **kwds)


def _design(seed: int, n: int, k: int, family: str, with_offset: bool):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, k - 1))])
    offset = rng.normal(scale=0.5, size=n) if with_offset else None
    eta = X @ rng.normal(scale=0.5, size=k) + (0.0 if offset is None else offset)
    if family == "poisson":
        y = rng.poisson(np.exp(eta)).astype(float)
    else:
        y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    return rng, X, y, offset


def _messages(caught) -> list[str]:
    return sorted({str(w.message) for w in caught})


def _both(y, X, family, **kwds):
    """(statsmodels' fit, glm.py's fit, and each one's warnings), or the exception each raised."""
    _statsmodels()  # imported before warnings are recorded: what importing it warns is no fit's warning
    out = []
    for fitter in ("statsmodels", "glm"):
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
            warnings.simplefilter("always")
            try:
                if fitter == "statsmodels":
                    fit = _statsmodels_glm(y, X, family, **kwds)
                else:
                    fit = glm.fit_glm(y, X, family=family, **kwds)
            except Exception as exc:  # noqa: BLE001 - compared below
                fit = exc
        out.append((fit, _messages(caught)))
    return out


def _assert_same_glm(reference, fit, rtol=1e-8):
    assert fit.converged == reference.converged
    assert fit.iterations == reference.fit_history["iteration"]
    np.testing.assert_allclose(fit.params, reference.params, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(fit.cov, reference.cov_params(), rtol=1e-7, atol=1e-13)
    np.testing.assert_allclose(fit.bse, reference.bse, rtol=1e-7, atol=1e-13)
    np.testing.assert_allclose(fit.mu, reference.mu, rtol=rtol)
    for name in ("llf", "aic", "deviance", "pearson_chi2", "df_resid"):
        assert getattr(fit, name) == pytest.approx(getattr(reference, name), rel=rtol, abs=1e-10), name
    for alpha in (0.05, 1 - 0.9):
        np.testing.assert_allclose(
            fit.conf_int(alpha=alpha), reference.conf_int(alpha=alpha), rtol=1e-7, atol=1e-12
        )
    np.testing.assert_allclose(fit.pvalues, reference.pvalues, rtol=1e-6, atol=1e-14)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(12, 80),
    k=st.integers(1, 4),
    family=st.sampled_from(["poisson", "binomial"]),
    with_offset=st.booleans(),
    cov_type=st.sampled_from(["nonrobust", "HC0", "HC1", "hc3", "cluster"]),
)
def test_a_glm_is_fitted_as_statsmodels_fits_it(seed, n, k, family, with_offset, cov_type):
    rng, X, y, offset = _design(seed, n, k, family, with_offset)
    groups = rng.integers(0, max(2, n // 4), size=n).astype(str) if cov_type == "cluster" else None
    (reference, sm_warned), (fit, warned) = _both(
        y, X, family, offset=offset, cov_type=cov_type, groups=groups
    )
    if isinstance(reference, Exception):
        assert type(fit).__name__ == type(reference).__name__
        return
    assert warned == sm_warned
    _assert_same_glm(reference, fit)


@pytest.mark.parametrize(
    ("label", "y", "family", "kwds"),
    [
        ("no victims at all", [0] * 10, "poisson", {}),
        ("victims in the last year only", [0] * 9 + [9], "poisson", {}),
        ("perfect separation", [0] * 5 + [1] * 5, "binomial", {}),
        ("quasi-separation", [0, 0, 0, 0, 1, 0, 1, 1, 1, 1], "binomial", {}),
        ("too few iterations", [1, 2, 3, 4, 5, 6, 7, 8, 9, 30], "poisson", {"maxiter": 2}),
        ("HC1 at the edge", [0] * 9 + [9], "poisson", {"cov_type": "HC1"}),
        (
            "one cluster",
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 30],
            "poisson",
            {"cov_type": "cluster", "groups": [0] * 10},
        ),
    ],
)
def test_the_edges_behave_as_in_statsmodels(label, y, family, kwds):
    t = np.arange(10) - 4.5
    X = np.column_stack([np.ones(10), t])
    (reference, sm_warned), (fit, warned) = _both(np.asarray(y, float), X, family, **kwds)
    assert warned == sm_warned, label
    if isinstance(reference, Exception):  # the first deviance of all-zero counts is NaN: ValueError
        assert type(fit) is type(reference) and str(fit) == str(reference), label
        return
    assert fit.converged == reference.converged
    np.testing.assert_allclose(fit.params, reference.params, rtol=1e-8)
    np.testing.assert_allclose(fit.cov, reference.cov_params(), rtol=1e-6, equal_nan=True)


def test_perfect_separation_warns_as_statsmodels_does():
    X = np.column_stack([np.ones(10), np.arange(10.0)])
    with pytest.warns(glm.PerfectSeparationWarning, match="Perfect separation"), np.errstate(all="ignore"):
        glm.fit_glm(np.r_[np.zeros(5), np.ones(5)], X, family="binomial")


def test_a_singular_design_gets_the_minimum_norm_solution_and_statsmodels_warning():
    t = np.arange(10.0)
    X = np.column_stack([np.ones(10), t, 2 * t])
    y = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 30.0])
    (reference, sm_warned), (fit, warned) = _both(y, X, "poisson")
    assert warned == sm_warned and any("rank-deficient" in m for m in warned)
    _assert_same_glm(reference, fit, rtol=1e-7)
    # a robust covariance needs the Hessian's inverse: numpy's error, as in statsmodels
    (reference, _), (fit, _) = _both(y, X, "poisson", cov_type="HC1")
    assert type(fit) is type(reference)


def test_a_design_with_nan_is_refused_with_statsmodels_error_not_a_value_error():
    X = np.column_stack([np.ones(4), [0.0, 1.0, np.nan, 3.0]])
    with pytest.raises(glm.MissingDataError):
        glm.fit_glm(np.ones(4), X)
    assert not issubclass(glm.MissingDataError, ValueError)  # callers catching ValueError let it through


@pytest.mark.parametrize("shape", [(0, 2), (10, 0)])
def test_an_empty_design_is_refused_as_statsmodels_refuses_it(shape):
    # before: no observations gave a "fit" of zeros with standard errors of 0 (statsmodels: ValueError)
    X, y = np.ones(shape), np.ones(shape[0])
    (reference, _), (fit, _) = _both(y, X, "poisson")
    assert isinstance(reference, ValueError) and isinstance(fit, ValueError)
    with pytest.raises(ValueError):
        glm.fit_negative_binomial(y, X, np.r_[np.zeros(shape[1]), 0.1])


def test_options_statsmodels_would_not_read_as_asked_are_refused():
    X, y = np.ones((5, 1)), np.ones(5)
    with pytest.raises(ParameterError, match="cov_type"):
        glm.fit_glm(y, X, cov_type="HAC")
    with pytest.raises(ParameterError, match="groups"):
        glm.fit_glm(y, X, cov_type="cluster")
    with pytest.raises(ParameterError, match="groups"):
        glm.fit_glm(y, X, groups=np.zeros(5))
    with pytest.raises(ParameterError, match="family"):
        glm.fit_glm(y, X, family="gamma")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------- NB2


def _statsmodels_nb2(y, X, start, method, maxiter):
    from statsmodels.discrete.discrete_model import NegativeBinomial

    model = NegativeBinomial(y, X, loglike_method="nb2")
    return model.fit(start_params=start, disp=0, maxiter=maxiter, method=method)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(5, 30),
    size=st.floats(0.3, 20),
    method=st.sampled_from([("bfgs", 200), ("newton", 100), ("bfgs", 3)]),
)
def test_the_nb2_fit_is_statsmodels(seed, n, size, method):
    rng = np.random.default_rng(seed)
    t = (np.arange(n) - (n - 1) / 2) / n
    X = np.column_stack([np.ones(n), t])
    mu = np.exp(1.5 + rng.normal() * t)
    y = rng.negative_binomial(size, size / (size + mu)).astype(float)
    if not y.sum():
        return
    with np.errstate(all="ignore"):
        start = np.append(_statsmodels_glm(y, X, "poisson").params, 0.1)
    outcomes = []
    for fitter in ("statsmodels", "glm"):
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
            warnings.simplefilter("always")
            try:
                if fitter == "statsmodels":
                    res = _statsmodels_nb2(y, X, start, *method)
                    fit = (res.params, res.llf, res.aic, res.mle_retvals["converged"], res.cov_params())
                else:
                    nb = glm.fit_negative_binomial(y, X, start, method=method[0], maxiter=method[1])
                    fit = (nb.params, nb.llf, nb.aic, nb.converged, nb.cov_params())
            except Exception as exc:  # noqa: BLE001 - compared below
                fit = exc
        outcomes.append((fit, _messages(caught)))
    (reference, sm_warned), (fit, warned) = outcomes
    assert warned == sm_warned
    if isinstance(reference, Exception):
        assert type(fit) is type(reference)
        return
    assert not isinstance(fit, Exception)
    assert fit[3] == reference[3]
    np.testing.assert_allclose(fit[0], reference[0], rtol=1e-5, atol=1e-8)
    # a Newton fit that wanders off (alpha below 0) has a NaN likelihood in both
    assert fit[1] == pytest.approx(reference[1], rel=1e-8, nan_ok=True)
    assert fit[2] == pytest.approx(reference[2], rel=1e-8, nan_ok=True)
    np.testing.assert_allclose(fit[4], reference[4], rtol=1e-5, atol=1e-10)


# -------------------------------------------------------------------------------------------------- Wilson


@settings(max_examples=100, deadline=None)
@given(
    nobs=st.integers(1, 10_000),
    fraction=st.sampled_from([0.0, 1.0]) | st.floats(0, 1),
    alpha=st.sampled_from([0.05, 0.1, 0.01]) | st.floats(0.001, 0.5),
)
def test_the_wilson_interval_is_statsmodels(nobs, fraction, alpha):
    from statsmodels.stats.proportion import proportion_confint

    count = round(fraction * nobs)
    low, high = glm.wilson_limits(np.array([count, 0, nobs]), np.array([nobs] * 3), alpha=alpha)
    ref_low, ref_high = proportion_confint(np.array([count, 0, nobs]), nobs, alpha=alpha, method="wilson")
    np.testing.assert_allclose(low, ref_low, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(high, ref_high, rtol=1e-12, atol=1e-15)


@settings(max_examples=100, deadline=None)
@given(
    n1=st.integers(1, 5_000),
    n2=st.integers(1, 5_000),
    f1=st.sampled_from([0.0, 1.0]) | st.floats(0, 1),
    f2=st.sampled_from([0.0, 1.0]) | st.floats(0, 1),
    level=st.sampled_from([0.95, 0.9]) | st.floats(0.5, 0.999),
)
def test_the_newcombe_difference_is_statsmodels(n1, n2, f1, f2, level):
    from statsmodels.stats.proportion import confint_proportions_2indep

    c1, c2 = float(round(f1 * n1)), float(round(f2 * n2))
    low, high = glm.newcombe_difference(c1, float(n1), c2, float(n2), alpha=1 - level)
    ref_low, ref_high = confint_proportions_2indep(
        c1, n1, c2, n2, method="newcomb", compare="diff", alpha=1 - level
    )
    assert low == pytest.approx(float(ref_low), rel=1e-12, abs=1e-15)
    assert high == pytest.approx(float(ref_high), rel=1e-12, abs=1e-15)


_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1e-8, -1e-8, 1e-8 + 1e-24, 5e-9, np.inf, -np.inf, np.nan]),
)


@settings(max_examples=300, deadline=None)
@given(_NUMBERS, _NUMBERS, st.sampled_from([1e-8, 0.0, 1e-3]), st.lists(_NUMBERS, min_size=0, max_size=6))
def test_the_convergence_tests_are_numpys_without_its_machinery(a, b, tol, values):
    """The IRLS loop's two tests (deviance converged; fitted means equal to the outcomes) say what
    ``np.allclose`` says, for every number (infinities, NaN, the tolerance's edge), and a fit calls no
    ``np.allclose`` (a tenth of a millisecond an iteration, for the hundred fits of a brief)."""
    assert glm._close(a, b, tol) == bool(np.allclose(a, b, atol=tol, rtol=0.0))
    x = np.array(values, dtype=float)
    assert glm._all_near_zero(x) == bool(np.allclose(x, 0))


def test_a_fit_calls_no_allclose(monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("np.allclose called in the IRLS loop")

    monkeypatch.setattr(glm.np, "allclose", refused)
    y = np.array([3.0, 5.0, 4.0, 9.0, 12.0, 15.0])
    X = np.column_stack([np.ones(6), np.arange(6.0)])
    assert glm.fit_glm(y, X, family="poisson").converged
