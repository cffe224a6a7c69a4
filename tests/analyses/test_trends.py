"""Trends: known answers for the count models, breaks, incomplete years, censored counts and shares."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import polars as pl
import pytest
from _indicator import BOLIVIA_2017, breakdowns, indicator_rows, nationals_reported
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.analyses import trends
from evidence.analyses.count_models import EstimationError, finite_trend_exists
from evidence.analyses.intervals import UNCENSORED
from evidence.analyses.selection import Selection, citizenship_origin_expr
from evidence.core.errors import EvidenceError, ParameterError
from evidence.sources.case_schema import conform

Z95 = 1.959963984540054


def series(years, counts) -> pl.DataFrame:
    return pl.DataFrame({"year": list(years), "count": list(counts)})


def cases(records: list[dict]) -> pl.DataFrame:
    return conform(pl.DataFrame(records, infer_schema_length=None))


# ----------------------------------------------------------------------------------------------- rate ratio


def test_doubling_counts_give_rate_ratio_two_with_the_hand_computed_interval():
    years, counts = np.arange(2015, 2019), np.array([5, 10, 20, 40])
    result = trends.rate_ratio(series(years, counts), min_years=2)  # the mechanics, below the brief's floor
    assert result.rate_ratio == pytest.approx(2.0, rel=1e-9)
    assert result.model == "poisson"  # a perfect fit: no overdispersion
    # Wald interval by hand: var(slope) = [(X' diag(mu) X)^-1]_11, and mu = counts since the fit is exact
    t = years - years.mean()
    info = np.array([[counts.sum(), (counts * t).sum()], [(counts * t).sum(), (counts * t**2).sum()]])
    se = math.sqrt(np.linalg.inv(info)[1, 1])
    assert result.ci_low == pytest.approx(2.0 * math.exp(-Z95 * se), rel=1e-6)
    assert result.ci_high == pytest.approx(2.0 * math.exp(Z95 * se), rel=1e-6)


def test_two_years_match_the_closed_form_ratio_of_poisson_counts():
    result = trends.rate_ratio(series([2020, 2021], [20, 30]), min_years=2)
    se = math.sqrt(1 / 20 + 1 / 30)
    assert result.rate_ratio == pytest.approx(1.5, rel=1e-9)
    assert result.ci_low == pytest.approx(1.5 * math.exp(-Z95 * se), rel=1e-6)
    assert result.ci_high == pytest.approx(1.5 * math.exp(Z95 * se), rel=1e-6)


def test_the_json_of_a_rate_ratio_a_break_and_a_share_change_gives_each_interval_as_a_pair():
    """One shape for an interval in every JSON document: ``[low, high]`` (a rate ratio's ``ci`` as a break's
    ``ci_before``), never ``ci_low`` and ``ci_high`` keys."""
    result = trends.rate_ratio(series([2020, 2021], [20, 30]), min_years=2)
    out = result.to_dict()
    assert out["ci"] == [pytest.approx(result.ci_low, abs=1e-6), pytest.approx(result.ci_high, abs=1e-6)]
    assert out["ci"][0] < out["rate_ratio"] < out["ci"][1]
    assert "ci_low" not in out and "ci_high" not in out
    years = list(range(2008, 2022))
    found = trends.find_break(series(years, [10, 12, 14, 16, 18, 20, 22, 60, 50, 40, 30, 25, 20, 15]))
    brk = found.to_dict()
    assert all(len(brk[key]) == 2 for key in ("ci_before", "ci_after", "ci_level_change"))


def test_constant_series_has_rate_ratio_one_and_an_interval_around_it():
    result = trends.rate_ratio(series(range(2010, 2020), [50] * 10))
    assert result.rate_ratio == pytest.approx(1.0, abs=1e-9)
    assert result.ci_low < 1 < result.ci_high
    assert result.p_value == pytest.approx(1.0)
    assert result.model == "poisson"


def test_overdispersed_series_is_refitted_as_negative_binomial():
    rng = np.random.default_rng(7)
    years = np.arange(2000, 2020)
    mu = np.exp(4 + 0.03 * (years - 2000))
    size = 3.0  # NB2 alpha = 1/3
    counts = rng.negative_binomial(size, size / (size + mu))
    result = trends.rate_ratio(series(years, counts))
    assert result.overdispersed and result.dispersion > 1.5
    assert result.model == "negative_binomial"
    assert result.alpha is not None and 0.05 < result.alpha < 2
    assert result.ci_low < 1.03 < result.ci_high


def test_poisson_series_stays_poisson():
    rng = np.random.default_rng(3)
    years = np.arange(2000, 2020)
    counts = rng.poisson(np.exp(4 + 0.05 * (years - 2000)))
    result = trends.rate_ratio(series(years, counts))
    assert result.model == "poisson"
    assert result.ci_low < math.exp(0.05) < result.ci_high


def test_rate_ratio_refuses_what_it_cannot_estimate():
    with pytest.raises(ParameterError):
        trends.rate_ratio(series([2020], [5]))
    with pytest.raises(ParameterError):
        trends.rate_ratio(series([2020, 2021], [0, 0]))
    with pytest.raises(ParameterError, match="several series"):
        trends.rate_ratio(pl.DataFrame({"year": [2020, 2020], "count": [1, 2]}))
    # a selection, as a researcher first tries (it was "'Selection' object has no attribute 'columns'")
    selection = Selection(conform(pl.DataFrame({"yearOfRegistration": [2020, 2021]})))
    with pytest.raises(ParameterError, match=r"not Selection: give it trends\.yearly_counts\(selection\)"):
        trends.rate_ratio(selection)


def test_a_trend_needs_six_complete_years_three_of_them_with_victims():
    """Review finding 11: Cambodia's nationals, 2014-2017 (16 to 109 in consecutive years), gave a negative
    binomial rate ratio 1.34 (0.83-2.18) from four points, its dispersion estimated on 2 degrees of freedom."""
    four = series(range(2014, 2018), [16, 109, 60, 80])
    reason = trends.too_few_years(four)
    assert reason is not None and reason.startswith("too few complete years: 4 (2014–2017)")
    assert f"at least {trends.MIN_COMPLETE_YEARS}" in reason and trends.MIN_COMPLETE_YEARS == 6
    with pytest.raises(ParameterError, match="at least 6 years"):
        trends.rate_ratio(four)
    assert trends.rate_ratio(four, min_years=4).n_years == 4  # an analyst may lower the floor, knowingly
    # six years is enough; scattered years are named as they are
    six = series([2010, 2011, 2013, 2014, 2016, 2017], [16, 109, 60, 80, 70, 90])
    assert trends.too_few_years(six) is None and trends.rate_ratio(six).n_years == 6
    assert "5 (2010–2011, 2013–2014, 2016)" in trends.too_few_years(six.head(5))
    # six years, two with victims: a trend through two points is an artefact
    sparse = series(range(2010, 2016), [0, 0, 7, 0, 9, 0])
    assert trends.too_few_years(sparse).startswith("too few complete years with victims: 2 of 6")


def test_a_panel_of_steady_reporters_spans_as_many_years_as_a_trend_needs():
    years = range(2010, 2015)  # five years of two steady reporters: a panel of the old rule, no trend now
    rows = breakdowns({"THA": dict.fromkeys(years, 100), "MYS": dict.fromkeys(years, 50)})
    selection = Selection(rows, country="MMR", role="origin")
    assert trends.steady_reporters(selection) is None
    assert trends.steady_reporters(selection, min_years=5) is not None


# --------------------------------------------------------------------------------------------------- breaks


def test_break_is_found_at_the_known_year_of_a_piecewise_series():
    rng = np.random.default_rng(11)
    years = np.arange(2000, 2018)
    log_mu = np.where(years < 2009, 4 + 0.12 * (years - 2000), 4 + 0.12 * 9 + 0.6 - 0.15 * (years - 2009))
    counts = rng.poisson(np.exp(log_mu))
    found = trends.find_break(series(years, counts))
    assert found.break_year == 2009
    assert found.p_value_adjusted < 0.001
    assert found.ci_before[0] < math.exp(0.12) < found.ci_before[1]
    assert found.ci_after[0] < math.exp(-0.15) < found.ci_after[1]
    assert found.aic_break < found.aic_no_break
    assert found.n_candidates == len(years) - 2 * trends.MIN_BREAK_SEGMENT + 1


def test_no_break_in_a_straight_series_is_not_significant():
    years = np.arange(2000, 2016)
    counts = np.round(np.exp(4 + 0.05 * (years - 2000))).astype(int)  # on the line: no noise
    found = trends.find_break(series(years, counts))
    assert found.p_value > 0.5


def test_break_needs_two_full_segments():
    with pytest.raises(ParameterError, match="at least 8 years"):
        trends.find_break(series(range(2015, 2022), [1, 2, 3, 4, 5, 6, 7]))


def test_a_break_has_four_published_years_on_each_side_whatever_the_span():
    # the review (finding 10): Thailand's "other forms" broke at 2019 with 2019-2021 after it (0.178/yr), and
    # at 2017 with 2007, 2014-2016 before it: segments count the published years, not the span
    years = [2007, 2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021]
    counts = [217, 300, 310, 330, 350, 360, 900, 120, 20]  # a collapse in the last three years
    found = trends.find_break(series(years, counts))
    assert found.break_year in (2017, 2018)
    assert {y for y, _ in found.candidates} == {2017, 2018}
    assert trends.MIN_BREAK_SEGMENT == 4


def test_a_break_after_unread_years_is_dated_to_the_gap_not_to_its_last_year():
    # Qatar's detected victims (UNODC 2023): no count for 2012-2015, the best break "in 2016". Any year of the gap
    # gives the same fit (for the years read, a break in 2013 or in 2016 is the same model): the break is between
    # 2012 and 2016, and nothing in the data says where
    years = [2006, 2007, 2008, 2009, 2010, 2011, 2016, 2017, 2018, 2019, 2020]
    counts = [30, 34, 37, 40, 45, 50, 200, 190, 185, 170, 160]
    found = trends.find_break(series(years, counts))
    assert found.break_year == 2016 and found.previous_year == 2011
    assert found.to_dict()["previous_year"] == 2011
    assert "break between 2012 and 2016" in repr(found)
    assert "2012–2015 not read" in repr(found)
    # where the year before the break is read, the break is its year
    consecutive = trends.find_break(series(range(2006, 2017), counts))
    assert consecutive.previous_year == consecutive.break_year - 1
    assert f"break in {consecutive.break_year}" in repr(consecutive)


@given(
    st.lists(st.integers(2000, 2030), min_size=8, max_size=20, unique=True),
    st.lists(st.integers(0, 300), min_size=20, max_size=20),
)
@settings(max_examples=40, deadline=None)
def test_the_year_read_before_a_break_is_the_last_one_before_it(years, counts):
    years = sorted(years)
    table = series(years, counts[: len(years)])
    try:
        found = trends.find_break(table)
    except ParameterError:  # includes EstimationError: no segment with a finite trend
        return
    assert found.previous_year == max(y for y in years if y < found.break_year)


def test_a_quasi_poisson_break_is_tested_by_f_with_the_dispersion_estimated(monkeypatch):
    # where the negative binomial fails, the break model is quasi-Poisson: its dispersion is estimated from the
    # series' n − 4 residual degrees of freedom, so the scaled statistic is F(2, n − 4) (twice it), not chi²(2)
    import statsmodels.api as sm
    from scipy import stats

    from evidence.analyses import count_models

    count_models._FITS.clear()
    monkeypatch.setattr(count_models, "_fit_nb2", lambda *a, **k: None)
    years = np.arange(2006, 2016)
    counts = np.array([30, 55, 28, 61, 40, 90, 150, 70, 160, 120])
    found = trends.find_break(series(years, counts))
    count_models._FITS.clear()
    assert found.model == "quasi_poisson"
    t = years - years.mean()
    after = (years >= found.break_year).astype(float)
    X = np.column_stack([np.ones_like(t), t, after, (years - found.break_year) * after])
    full = sm.GLM(counts, X, family=sm.families.Poisson()).fit()
    null = sm.GLM(counts, X[:, :2], family=sm.families.Poisson()).fit()
    dispersion = full.pearson_chi2 / (len(years) - 4)
    statistic = (null.deviance - full.deviance) / dispersion
    assert found.p_value == pytest.approx(stats.f.sf(statistic / 2, 2, len(years) - 4), rel=1e-6)


def test_a_quasi_poisson_rate_ratio_has_a_t_interval_on_its_residual_df(monkeypatch):
    # the dispersion estimated from n − 2 years: the Wald interval and p-value use t(n − 2), as R's quasipoisson
    import statsmodels.api as sm
    from scipy import stats

    from evidence.analyses import count_models

    count_models._FITS.clear()
    monkeypatch.setattr(count_models, "_fit_nb2", lambda *a, **k: None)
    years = np.arange(2010, 2017)
    counts = np.array([30, 55, 28, 61, 40, 90, 75])
    result = trends.rate_ratio(series(years, counts))
    count_models._FITS.clear()
    assert result.model == "quasi_poisson"
    fit = sm.GLM(counts, sm.add_constant(years - years.mean()), family=sm.families.Poisson()).fit(scale="X2")
    b, se, df = fit.params[1], fit.bse[1], len(years) - 2
    q = stats.t.ppf(0.975, df)
    assert (result.ci_low, result.ci_high) == pytest.approx(
        (np.exp(b - q * se), np.exp(b + q * se)), rel=1e-6
    )
    assert result.p_value == pytest.approx(2 * stats.t.sf(abs(b / se), df), rel=1e-6)


def test_zeros_then_a_jump_has_no_break_to_estimate_rather_than_an_overflow():
    # every candidate year leaves a segment of zeros (or with its only victims in an end year)
    for counts in ([0, 0, 0, 0, 0, 50, 60, 70], [0, 0, 0, 5, 9, 12], [0] * 6, [0] * 8 + [14] + [0] * 9):
        with pytest.raises(EstimationError, match="no break could be estimated"):
            trends.find_break(series(range(2010, 2010 + len(counts)), counts), min_segment=3)


def test_break_search_skips_the_candidate_years_without_a_finite_segment():
    counts = [0, 0, 3, 10, 12, 15, 20, 22]  # a break at 2013 leaves 0, 0, 3: victims only in its last year
    found = trends.find_break(series(range(2010, 2018), counts), min_segment=3)
    assert found.skipped_candidates == (2013,)
    assert [year for year, _ in found.candidates] == [2014, 2015]
    assert found.n_candidates == 2 and found.p_value_adjusted == pytest.approx(min(1.0, 2 * found.p_value))
    assert found.break_year == 2014
    assert all(
        math.isfinite(x) for x in (found.rate_ratio_before, found.rate_ratio_after, found.level_change)
    )
    assert found.to_dict()["skipped_candidates"] == [2013]


def test_rate_ratio_of_victims_in_a_single_end_year_is_not_estimable():
    for counts in ([0, 0, 7], [5, 0, 0], [0, 0, 0, 0, 0, 1], [10**6, 0, 0, 0]):
        with pytest.raises(EstimationError, match="no finite rate ratio"):
            trends.rate_ratio(series(range(2015, 2015 + len(counts)), counts), min_years=2)
    # a single year of victims inside the series has a finite maximum-likelihood trend: exactly flat
    middle = trends.rate_ratio(series([2018, 2019, 2020], [0, 6, 0]), min_years=2)
    assert middle.rate_ratio == pytest.approx(1.0, abs=1e-6)


def _censored(years, cells) -> pl.DataFrame:
    """A UNODC-like series: a number, or "<5" (count null, bounds 1-4)."""
    return pl.DataFrame(
        {
            "year": list(years),
            "count": [None if c == "<5" else c for c in cells],
            "count_low": [1 if c == "<5" else c for c in cells],
            "count_high": [4 if c == "<5" else c for c in cells],
        }
    )


def test_a_series_of_only_censored_cells_holds_no_trend():
    """UNODC, Thailand, victims of sex "Other" 2017-2021: <5 every year. Fitted, it gave 1.000 (0.574-1.741),
    dispersion 0 and a separation warning: constant midpoints, no information."""
    only = _censored(range(2017, 2022), ["<5"] * 5)
    reason = trends.no_trend_information(only)
    assert reason is not None and "every year with victims is censored" in reason
    with pytest.raises(EstimationError, match="not estimable: every year with victims is censored"):
        trends.rate_ratio(only)
    with pytest.raises(EstimationError, match="not estimable"):
        trends.find_break(_censored(range(2010, 2022), ["<5"] * 12))
    # years without victims (0) add nothing: <5 and zeros are still no trend
    assert trends.no_trend_information(_censored(range(2017, 2022), ["<5", 0, "<5", 0, 0])) is not None
    # one published number is information: the model is fitted (on the midpoint, then both bounds)
    mixed = _censored(range(2017, 2022), ["<5", "<5", 12, "<5", "<5"])
    assert trends.no_trend_information(mixed) is None
    assert trends.rate_ratio(mixed, min_years=5).low_bound is not None
    # below a disclosure threshold every year (each shown <11): no trend either, when the threshold is given
    small = series(range(2015, 2020), [5, 7, 6, 9, 8])
    assert (
        trends.no_trend_information(small) is None and trends.rate_ratio(small, min_years=5).basis == "exact"
    )
    below = trends.no_trend_information(small, threshold=11)
    assert below is not None and "below the disclosure threshold (11)" in below
    assert trends.no_trend_information(series(range(2015, 2020), [5, 7, 6, 9, 11]), threshold=11) is None


def test_a_sum_of_published_numbers_and_a_censored_cell_is_no_censored_year():
    """REVIEW5 M4: Viet Nam's nationals of 2014-2016 (172-175, 116-137, 428-449, summed over breakdowns that
    each hold a <5 cell) were said to be "censored (published only as a range such as <5)"."""
    sums = pl.DataFrame(
        {
            "year": [2014, 2015, 2016],
            "count": [None, None, None],
            "count_low": [172, 116, 428],
            "count_high": [175, 137, 449],
            UNCENSORED: [171, 109, 421],
        },
        schema_overrides={"count": pl.Int64},
    )
    assert trends.no_trend_information(sums) is None
    only = sums.with_columns(pl.lit(0).alias(UNCENSORED), count_low=pl.lit(1), count_high=pl.lit(4))
    assert "censored" in (trends.no_trend_information(only) or "")


def test_a_series_of_sums_of_censored_cells_is_not_said_to_be_published_as_a_censored_cell():
    """words31: a year summed from two breakdowns' <5 cells (2-8) was said to be "made only of counts
    published as <5": no publisher shows it as <5, and it can be 8. The reason says what is true of every such
    year: only a range, of one or more cells published as <5."""
    sums = pl.DataFrame(
        {
            "year": list(range(2015, 2021)),
            "count": [None] * 6,
            "count_low": [2] * 6,
            "count_high": [8] * 6,
            UNCENSORED: [0] * 6,
        },
        schema_overrides={"count": pl.Int64},
    )
    reason = trends.no_trend_information(sums)
    assert reason is not None and "published as <5" in reason
    assert "counts published as <5" not in reason  # the year's count is no count published as <5
    assert reason == (
        "every year with victims is censored (its count only a range: one or more cells published as <5, none "
        "exactly)"
    )


def test_the_models_fit_a_series_of_ranges_that_hold_published_numbers():
    """REVIEW7 R1: Nigeria's nationals (10 complete years of 748-2,009 victims, each a range only because a
    breakdown holds <5 cells) were "not estimable: every year with victims is censored". The models read the
    series through ``_series``, which dropped the part published exactly, so every year looked censored."""
    lows = [1508, 1227, 748, 1059, 1158, 930, 1295, 1541, 2000, 1351]
    highs = [1532, 1242, 757, 1068, 1185, 945, 1307, 1565, 2009, 1375]
    exact = [1500, 1222, 745, 1056, 1149, 925, 1291, 1533, 1997, 1343]
    sums = pl.DataFrame(
        {
            "year": [*range(2010, 2017), 2018, 2019, 2020],
            "count": [None] * 10,
            "count_low": lows,
            "count_high": highs,
            UNCENSORED: exact,
        },
        schema_overrides={"count": pl.Int64},
    )
    rate = trends.rate_ratio(sums)
    assert rate.basis == "point" and rate.low_bound is not None and rate.high_bound is not None
    assert 0.9 < rate.rate_ratio < 1.2 and rate.years[0] == 2010 and rate.years[-1] == 2020
    trends.find_break(sums)  # a break is searched, not refused as censored
    # the same bounds with nothing published exactly (only <5 cells) are still no trend, in both models
    only = sums.with_columns(pl.lit(0).alias(UNCENSORED))
    with pytest.raises(EstimationError, match="every year with victims is censored"):
        trends.rate_ratio(only)
    with pytest.raises(EstimationError, match="every year with victims is censored"):
        trends.find_break(only)


def test_censored_series_whose_bound_fit_has_no_covariance_still_gets_a_rate_ratio():
    # UNODC, United Kingdom, citizens of Yemen: <5, 6, 54 (the negative binomial fit's Hessian is singular)
    counts = pl.DataFrame(
        {
            "year": [2018, 2019, 2020],
            "count": [None, 6, 54],
            "count_low": [1, 6, 54],
            "count_high": [4, 6, 54],
        }
    )
    result = trends.rate_ratio(counts, min_years=2)
    assert result.basis == "point" and result.low_bound is not None and result.high_bound is not None
    assert result.low_bound.rate_ratio > result.rate_ratio > result.high_bound.rate_ratio > 1


def test_a_bound_without_a_finite_trend_leaves_the_point_estimate_and_says_so():
    # a censored part whose low bound is 0 (a cell less its parts): on the low bounds every victim is in the
    # last year, an unbounded trend; the point values have one, and the bound says it has none
    counts = pl.DataFrame(
        {
            "year": list(range(2010, 2017)),
            "count": [0, 0, None, 0, 0, 0, 30],
            "count_low": [0, 0, 0, 0, 0, 0, 30],
            "count_high": [0, 0, 4, 0, 0, 0, 30],
        }
    )
    result = trends.rate_ratio(counts)
    assert result.basis == "point" and math.isfinite(result.rate_ratio)
    assert result.low_bound is None and result.high_bound is not None
    assert any("low bound" in w and "no finite rate ratio" in w for w in result.warnings)


def test_a_fit_that_fails_numerically_is_an_estimation_error_not_a_statsmodels_one():
    censored = [None] * 7  # a huge first year, then <5 every year: IRLS weights overflow
    counts = pl.DataFrame(
        {
            "year": range(2010, 2018),
            "count": [963920, *censored],
            "count_low": [963920] + [1] * 7,
            "count_high": [963920] + [4] * 7,
        }
    )
    # the point values are fitted; the low bounds' fit fails: the estimate stands, the bound's failure is said
    result = trends.rate_ratio(counts)
    assert result.low_bound is None and result.high_bound is not None
    assert result.warnings == (
        (
            "on the low bounds: the Poisson count model could not be fitted (NaN, inf or invalid value detected "
            "in weights, estimation infeasible.)"
        ),
    )
    exact = pl.DataFrame({"year": range(2010, 2018), "count": [963920] + [1] * 7})
    with pytest.raises(EstimationError, match="could not be fitted"):
        trends.rate_ratio(exact)


def test_a_missing_or_negative_count_is_a_parameter_error():
    with pytest.raises(ParameterError, match="2019"):
        trends.rate_ratio(series([2018, 2019, 2020], [3, None, 4]))
    with pytest.raises(ParameterError, match="negative"):
        trends.find_break(series(range(2010, 2016), [3, 4, -1, 5, 6, 7]))


def censored_or_exact() -> st.SearchStrategy:
    return st.one_of(
        st.just(None),  # a UNODC <5 cell
        st.integers(min_value=0, max_value=5),
        st.integers(min_value=0, max_value=10**6),
    )


@settings(max_examples=80, deadline=None)
@given(st.lists(censored_or_exact(), min_size=3, max_size=12), st.integers(min_value=1990, max_value=2020))
def test_models_raise_only_evidence_errors_on_any_non_negative_series(cells, start):
    years = list(range(start, start + len(cells)))
    counts = pl.DataFrame(
        {
            "year": years,
            "count": cells,
            "count_low": [1 if c is None else c for c in cells],
            "count_high": [4 if c is None else c for c in cells],
        },
        schema={"year": pl.Int32, "count": pl.Int64, "count_low": pl.Int64, "count_high": pl.Int64},
    )
    points = np.array([2.5 if c is None else c for c in cells], dtype=float)
    try:
        result = trends.rate_ratio(counts)
    except EvidenceError:
        pass  # refused: nothing to estimate, or (extreme jumps such as 963920, <5, <5…) the fit failed numerically
    else:
        # a series without a finite trend never yields numbers
        assert finite_trend_exists(np.array(years), points)
        assert result.ci_low <= result.rate_ratio <= result.ci_high
        assert 0 <= result.p_value <= 1
    try:
        found = trends.find_break(counts)
    except EvidenceError:
        pass
    else:
        assert found.break_year in years and found.n_candidates >= 1
        assert 0 <= found.p_value <= found.p_value_adjusted <= 1
        assert found.ci_before[0] <= found.rate_ratio_before <= found.ci_before[1]
        found.to_dict()
    trends.incomplete_years(counts)


# --------------------------------------------------------------------------------------- incomplete years


def test_a_final_year_far_below_the_trend_is_flagged():
    counts = [100, 110, 120, 130, 140, 40]
    flags = trends.incomplete_years(series(range(2018, 2024), counts))
    assert [f.year for f in flags] == [2023]
    assert flags[0].expected == pytest.approx(151, rel=0.05)


def test_late_registration_always_flags_the_final_year_and_steady_series_otherwise_pass():
    steady = series(range(2015, 2024), [100] * 9)
    assert trends.incomplete_years(steady) == ()
    flags = trends.incomplete_years(steady, late_registration=True)
    assert [f.year for f in flags] == [2023]
    assert "late registration" in flags[0].reason
    assert [f.year for f in trends.incomplete_years(steady, late_registration=True, release_end=2023)] == [
        2023
    ]
    # a series that stops before the release's last year has no year the release cut short
    assert trends.incomplete_years(steady, late_registration=True, release_end=2025) == ()


def test_two_incomplete_years_are_flagged_latest_first():
    flags = trends.incomplete_years(series(range(2014, 2024), [100] * 8 + [30, 10]))
    assert [f.year for f in flags] == [2023, 2022]


def test_the_expected_count_of_a_year_never_comes_from_a_history_holding_a_flagged_year():
    # 2022 falls to 20, 2023 stays low at 45: against the 2017-2021 trend (100 a year) both are short; judged
    # one at a time, 2023 would be set against a trend through 2022's fall, expect ~35 and pass
    flags = trends.incomplete_years(series(range(2014, 2024), [100] * 8 + [20, 45]))
    assert [f.year for f in flags] == [2023, 2022]
    assert all("2017-2021 trend" in f.reason for f in flags)
    assert all(f.expected == pytest.approx(100, rel=1e-6) for f in flags)
    # the two-year rule gives the flagged run one history too
    two = trends.incomplete_years(series(range(2014, 2024), [100] * 8 + [30, 10]))
    assert [f.expected for f in two] == [pytest.approx(100, rel=1e-6)] * 2
    # a dip followed by a recovery is no run of latest years
    assert trends.incomplete_years(series(range(2014, 2024), [100] * 8 + [10, 90])) == ()


def test_a_sum_over_reporting_countries_flags_the_years_a_large_reporter_is_missing():
    rows = nationals_reported(range(2010, 2020), tha_from=2013, mys_partial=2017)
    selection = Selection(rows, country="MMR", role="origin")
    flags = trends.reporter_gaps(selection)
    # Thailand (300 of the ~400 a year) publishes no breakdown before 2013; Malaysia's 2017 breakdown lists a
    # tenth of its total (60 of ~400: 15%, below the quarter that counts, trends.MATERIAL_SHARE)
    assert [f.year for f in flags] == [2012, 2011, 2010]
    assert "Thailand" in flags[-1].reason and "Malaysia" not in flags[-1].reason
    assert "reporting countries" in flags[0].reason
    # a lower threshold counts Malaysia's gap too
    low = trends.reporter_gaps(selection, min_share=0.1)
    assert [f.year for f in low] == [2017, 2012, 2011, 2010] and "Malaysia" in low[0].reason
    # role both: the country's own total is a reporter too, always published here
    assert [f.year for f in trends.reporter_gaps(Selection(rows, country="MMR", role="both"))] == [
        2012,
        2011,
        2010,
    ]
    # one reporter (destination) or case data: nothing to flag
    assert trends.reporter_gaps(Selection(rows, country="THA", role="destination")) == ()


def test_the_years_missing_reporters_are_found_once_per_selection_and_parameters():
    """Kept (a brief asks them for each of its tables): asked again, the same flags themselves; a different
    selection of the same frame (role, years) or a different ``min_share`` or ``min_coverage`` is none of them,
    each as a frame never asked before gives it."""
    rows = nationals_reported(range(2010, 2020), tha_from=2013, mys_partial=2017)
    selection = Selection(rows, country="MMR", role="origin")
    flags = trends.reporter_gaps(selection)
    assert flags and trends.reporter_gaps(Selection(rows, country="MMR", role="origin")) is flags
    asked = [
        (Selection(rows, country="MMR", role="origin"), {}),
        (Selection(rows, country="MMR", role="origin"), {"min_share": 0.1}),
        (Selection(rows, country="MMR", role="origin"), {"min_coverage": 0.05}),
        (Selection(rows, country="MMR", role="origin", years=(2011, 2015)), {}),
        (Selection(rows, country="MMR", role="both"), {"min_share": 0.1}),
        (Selection(rows, country="THA", role="destination"), {}),
    ]
    found = [trends.reporter_gaps(s, **parameters) for s, parameters in asked]
    for (s, parameters), kept in zip(asked, found, strict=True):
        fresh = Selection(rows.clone(), country=s.country, role=s.role, years=s.years)
        assert kept == trends.reporter_gaps(fresh, **parameters), (s, parameters)
    # the parameters make a difference here: what each asks is its own
    assert len({tuple(f.year for f in flags) for flags in found}) >= 4


def test_a_reporter_that_stops_listing_nationals_it_usually_lists_counts_as_missing():
    rows = nationals_reported(range(2010, 2020), tha_from=2010, jpn_omits=2019)
    flags = trends.reporter_gaps(Selection(rows, country="MMR", role="origin"), min_share=0.1)
    # Japan lists 40 a year (10% of ~380) and no Myanmar row at all in 2019: that breakdown left them out
    assert [f.year for f in flags] == [2019] and "Japan" in flags[0].reason
    # which is no material gap: a tenth missing moves the year less than its counts move anyway
    assert trends.reporter_gaps(Selection(rows, country="MMR", role="origin")) == ()
    steady = nationals_reported(range(2010, 2020), tha_from=2010)
    assert trends.reporter_gaps(Selection(steady, country="MMR", role="origin")) == ()


def test_a_breakdown_published_without_the_nationals_row_is_not_said_to_be_no_breakdown():
    """Leftover: Eritrea's nationals, "no full citizenship breakdown from the United Kingdom" in 2009, 2010, 2014
    and 2015, years the United Kingdom published a breakdown (11-22 rows, 72-151% of its total) without an
    Eritrea row: the words say what the data hold."""
    rows = nationals_reported(range(2010, 2020), tha_from=2010, jpn_omits=2019)
    (flag,) = trends.reporter_gaps(Selection(rows, country="MMR", role="origin"), min_share=0.1)
    assert "no full citizenship breakdown from Japan" not in flag.reason
    assert "no full citizenship breakdown listing these nationals from Japan" in flag.reason
    assert "Japan published one that lists none of them, where it lists them in other years" in flag.reason
    ((years, shared),) = trends.grouped_incomplete([flag])
    assert years == (2019,)
    assert shared.startswith(
        "the set of reporting countries changes: no full citizenship breakdown listing these nationals from Japan"
    )
    # a reporter that published no breakdown at all is not said to have published one
    rows = nationals_reported(range(2010, 2020), tha_from=2013)
    flags = trends.reporter_gaps(Selection(rows, country="MMR", role="origin"))
    assert flags and all("published one" not in f.reason for f in flags)


def test_eritrea_s_years_of_a_uk_breakdown_without_an_eritrea_row_say_so(unodc_2023):
    table = unodc_2023
    flags = {f.year: f.reason for f in trends.reporter_gaps(Selection(table, country="ERI", role="origin"))}
    for year in (2009, 2010, 2014, 2015):  # a breakdown of 11-22 rows, no Eritrea row
        assert "the United Kingdom published one that lists none of them" in flags[year], year
    for year in (2011, 2017, 2018):  # none (2011), a partial one (42 of 5,138; 3,220 of 6,985)
        assert "the United Kingdom published one" not in flags[year], year
    grouped = " ".join(
        reason
        for _, reason in trends.grouped_incomplete(
            tuple(trends.reporter_gaps(Selection(table, country="ERI", role="origin")))
        )
    )
    assert "no full citizenship breakdown from" not in grouped
    assert (
        "no full citizenship breakdown listing these nationals from the United Kingdom and Sudan" in grouped
    )


def test_a_published_censored_cell_is_a_count_not_a_breakdown_that_left_the_nationals_out():
    """Review finding 2: Thailand's 2021 breakdown lists ``Cambodia <5`` (14 rows, 142-175 against its total
    of 134); read as an omission, it made 2021 "probably incomplete: no full citizenship breakdown from
    Thailand" for Cambodia and Lao PDR."""
    rows = nationals_reported(range(2010, 2020), tha_from=2010, jpn_drops=2019)
    selection = Selection(rows, country="MMR", role="origin")
    assert trends.reporter_gaps(selection) == ()  # Japan's <5 of 2019 is a fall to 1-4, published
    grid = trends._reporter_grid(selection)
    assert grid.filter((pl.col("iso3") == "JPN") & (pl.col("year") == 2019))["complete"].item()
    # the largest reporter falling to <5 is data too
    years = range(2014, 2022)
    table = {"THA": {y: "<5" if y == 2021 else 60 for y in years}, "MYS": dict.fromkeys(years, 10)}
    assert trends.reporter_gaps(Selection(breakdowns(table), country="MMR", role="origin")) == ()


def test_a_breakdown_without_a_total_is_set_against_the_least_total_of_the_reporter():
    """Thailand 2008 (2023 release): no total, a breakdown of two cells (2-8 victims) beside totals of 122 to
    1,540 in other years: no full breakdown, whatever a <5 cell in it says."""
    years = range(2008, 2016)
    rows = breakdowns({"THA": dict.fromkeys(years, 60), "MYS": dict.fromkeys(years, 20)}, others=100)
    small = indicator_rows([("THA", 2008, "by citizenship", "MMR", "Total", "Total", "<5")])
    rows = pl.concat([rows.filter(~((pl.col("iso3") == "THA") & (pl.col("year") == 2008))), small])
    flags = trends.reporter_gaps(Selection(rows, country="MMR", role="origin"))
    assert [f.year for f in flags] == [2008] and "Thailand" in flags[0].reason


def test_a_year_is_flagged_only_when_its_missing_reporters_detect_a_material_share():
    """REVIEW5 M4: Viet Nam's years missing Ukraine, Costa Rica and Slovakia (~10% of its nationals) were
    flagged like those missing Malaysia, leaving no year for a trend; a year is flagged when the reporters
    it misses detect at least a quarter of the nationals in the other years."""
    years = range(2010, 2022)
    gaps = {2011, 2012, 2013, 2019, 2020, 2021}
    table = {
        "THA": dict.fromkeys(years, 200),
        "MYS": {y: None if y in gaps else 120 for y in years},  # 120 of 360: a third
        "JPN": {y: None if y == 2015 else 40 for y in years},  # 40 of 360: 11%
    }
    flags = trends.reporter_gaps(Selection(breakdowns(table), country="MMR", role="origin"))
    assert sorted(f.year for f in flags) == sorted(gaps)  # 2015, missing Japan only, is not flagged
    assert trends.MATERIAL_SHARE == 0.25
    # the years missing the same reporter are said once, with their years
    (group,) = trends.grouped_incomplete(flags)
    assert group == (
        (2011, 2012, 2013, 2019, 2020, 2021),
        (
            "the set of reporting countries changes: no full citizenship breakdown listing these nationals from Malaysia, which detects "
            "about 33% of these nationals in the other years"
        ),
    )
    # each year keeps its own reason (the command line, the run's JSON)
    assert all("this year" in f.reason for f in flags)


def test_small_reporters_that_make_a_gap_material_are_counted_as_a_range_over_the_years():
    years = range(2010, 2020)
    codes = ["AUT", "BEL", "DEU", "ESP", "FRA", "ITA", "NLD", "POL"]  # 15 each of 320: under 5%, not named
    missing = {2017: codes[:7], 2018: codes[:6]}  # 33% and 28% of these nationals
    table = {"THA": dict.fromkeys(years, 200)} | {
        code: {y: None if code in missing.get(y, ()) else 15 for y in years} for code in codes
    }
    flags = trends.reporter_gaps(Selection(breakdowns(table), country="MMR", role="origin"))
    assert [f.year for f in flags] == [2018, 2017]
    assert trends.grouped_incomplete(flags) == [
        (
            (2017, 2018),
            (
                "the set of reporting countries changes: no full citizenship breakdown listing these nationals from Austria, Belgium and "
                "Germany, which detect about 14% of these nationals in the other years, nor from smaller reporters "
                "(28–33% in all)"
            ),
        )
    ]


def test_grouped_incomplete_says_every_flagged_year_once():
    reasons = st.sampled_from(["a", "b", "c"])

    @given(st.dictionaries(st.integers(2000, 2030), reasons, max_size=20))
    @settings(max_examples=60, deadline=None)
    def check(flagged):
        flags = [trends.IncompleteYear(y, f"r{y}", None, None, shared=r) for y, r in flagged.items()]
        groups = trends.grouped_incomplete(flags)
        said = [y for years, _ in groups for y in years]
        assert sorted(said) == sorted(flagged)
        assert len({r for _, r in groups}) == len(groups)
        assert [years[-1] for years, _ in groups] == sorted((years[-1] for years, _ in groups), reverse=True)

    check()


def test_real_materiality_of_reporter_gaps(unodc_2023):
    """REVIEW5 M4 on the real workbook: Cambodia's years without Malaysia's breakdown (~36%) are said once;
    Viet Nam's 2014-2016, missing only small reporters (10-16%), are no longer flagged."""
    table = unodc_2023
    khm = trends.reporter_gaps(Selection(table, country="KHM", role="origin"))
    groups = {r: y for y, r in trends.grouped_incomplete(khm)}
    malaysia = [
        r
        for r in groups
        if r.endswith("from Malaysia, which detects about 36% of these nationals in the other years")
    ]
    assert malaysia and groups[malaysia[0]] == (2011, 2012, 2013, 2019, 2020, 2021)
    vnm = {f.year for f in trends.reporter_gaps(Selection(table, country="VNM", role="origin"))}
    assert not vnm & {2014, 2015, 2016} and {2017, 2021} <= vnm


def test_a_change_in_reporting_is_not_given_the_missing_reporters_share(unodc_2023):
    """REVIEW5 m5: the United States' 2012 reason read "… counted almost none of its own nationals this year …
    (in the other years they detect about 100% of these nationals)": the share belongs to missing reporters."""
    table = unodc_2023
    flags = {f.year: f for f in trends.reporter_gaps(Selection(table, country="USA", role="origin"))}
    for year in (2010, 2011, 2012):
        assert "almost none" in flags[year].reason and "other years they detect" not in flags[year].reason
    said = dict(trends.grouped_incomplete(list(flags.values())))
    assert said[(2010, 2011, 2012)] == (
        "a change in what is reported: the United States counted almost none of its own nationals, where it "
        "counts far more in other years"
    )
    # review 7, m6: "hundreds" where the United States counts 1,501-6,133 a year: the words claim no size
    assert "hundreds" not in " ".join(f.reason for f in flags.values())


def test_a_doubtful_own_breakdown_whose_own_nationals_are_counted_is_not_said_unused(unodc_2023):
    """Myanmar 2015–2016 (UNODC 2023): its citizenship breakdown (Myanmar 21, China 80, Thailand 16, Malaysia 13 in
    2015) is doubtful, and the brief said "Myanmar published one, but it is doubtful and not used", while its
    nationals detected (438 in 2015: 417 abroad + Myanmar's 21; 2016 likewise with 28) count its row of its own
    nationals. Said as it is; a doubtful breakdown with no such row (Nigeria 2017, the United States 2018) stays
    "not used"."""
    table = unodc_2023
    mmr = {f.year: f for f in trends.reporter_gaps(Selection(table, country="MMR", role="origin"))}
    for year in (2015, 2016):
        assert "doubtful and not used" not in mmr[year].reason
        assert "only its row of Myanmar's own nationals is counted, the rest is not used" in mmr[year].reason
    said = dict(trends.grouped_incomplete(list(mmr.values())))
    assert "only its row of Myanmar's own nationals is counted" in said[(2015, 2016)]
    counts = trends.yearly_counts(Selection(table, country="MMR", role="origin"))
    assert counts.filter(pl.col("year") == 2015)["count"].item() == 438  # 417 abroad + its own 21
    nga = {f.year: f for f in trends.reporter_gaps(Selection(table, country="NGA", role="origin"))}
    usa = {f.year: f for f in trends.reporter_gaps(Selection(table, country="USA", role="origin"))}
    assert "doubtful and not used" in nga[2017].reason and "doubtful and not used" in usa[2018].reason


# ------------------------------------------------------------------------------------------ steady reporters


def _steady(table, **options):
    # the window mechanics on small tables: five-year windows (the default is trends.MIN_COMPLETE_YEARS, six)
    options.setdefault("min_years", 5)
    return trends.steady_reporters(Selection(breakdowns(table), country="MMR", role="origin"), **options)


def test_a_reporter_that_drops_out_leaves_the_panel_of_the_years_it_reported():
    years = range(2010, 2020)
    panel = _steady(
        {
            "THA": {y: 300 if y < 2017 else None for y in years},  # no breakdown from 2017 on
            "MYS": dict.fromkeys(years, 60),
            "JPN": dict.fromkeys(years, 40),
        }
    )
    # 2010-2016 with all three (7 years × 100%) beats 2010-2019 with Malaysia and Japan (10 × 1000/3100)
    assert panel is not None and panel.window == (2010, 2016) and panel.n_years == 7
    assert panel.reporters == ("JPN", "MYS", "THA") and panel.share == 1.0
    assert panel.detected == (280.0, 420.0, 2100.0)
    assert panel.counts.columns == ["year", "count", "count_low", "count_high", UNCENSORED]
    assert panel.counts["year"].to_list() == list(range(2010, 2017))
    assert panel.counts["count"].to_list() == panel.counts[UNCENSORED].to_list() == [400] * 7
    # its counts are what the trend model takes: a flat series
    assert trends.rate_ratio(panel.counts).rate_ratio == pytest.approx(1.0)
    # Thailand gone, the two others over every year: the window whose years × share is larger wins
    small = _steady(
        {
            "THA": {y: 10 if y < 2017 else None for y in years},
            "MYS": dict.fromkeys(years, 60),
            "JPN": dict.fromkeys(years, 40),
        }
    )
    assert small is not None and small.window == (2010, 2019) and small.reporters == ("JPN", "MYS")
    assert small.share == pytest.approx(1000 / 1070)


def test_equal_windows_go_to_the_latest_and_censored_cells_stay_bounds():
    years = range(2010, 2021)
    gap = {y: (None if y == 2015 else 100) for y in years}
    panel = _steady({"THA": gap, "MYS": dict(gap), "JPN": {y: "<5" if y == 2018 else 10 for y in years}})
    # 2010-2014 and 2016-2020 both hold all three reporters in full (5 years × 100%): the latest is chosen;
    # Japan alone reports in 2015, and one reporter is no panel
    assert panel is not None and panel.window == (2016, 2020) and panel.reporters == ("JPN", "MYS", "THA")
    row = panel.counts.filter(pl.col("year") == 2018).row(0, named=True)
    assert row["count"] is None and (row["count_low"], row["count_high"]) == (201, 204)
    assert _steady({"THA": gap, "MYS": dict(gap), "JPN": dict.fromkeys(years, 10)}, min_years=6) is None


def test_no_panel_without_enough_steady_years_reporters_or_share():
    years = range(2010, 2020)
    # the two reporters alternate: never both complete for five years running
    alternating = {
        "THA": {y: 100 if y % 2 else None for y in years},
        "MYS": {y: None if y % 2 else 100 for y in years},
    }
    assert _steady(alternating) is None
    assert (
        _steady({"THA": dict.fromkeys(range(2010, 2014), 100), "MYS": dict.fromkeys(range(2010, 2014), 50)})
        is None
    )
    # steady, but two small reporters beside a large one that comes and goes: below the share that counts
    tiny = {
        "THA": {y: 1000 if y % 3 else None for y in years},
        "MYS": dict.fromkeys(years, 5),
        "JPN": dict.fromkeys(years, 5),
    }
    assert _steady(tiny) is None
    assert _steady(tiny, min_share=0.0) is not None
    # one reporter (destination), no country, or case data: no sum over reporters
    rows = breakdowns({"THA": dict.fromkeys(years, 100), "MYS": dict.fromkeys(years, 50)})
    assert trends.steady_reporters(Selection(rows, country="THA", role="destination")) is None
    assert trends.steady_reporters(Selection(rows, role="origin")) is None
    with pytest.raises(ParameterError):
        trends.steady_reporters(Selection(rows, country="MMR", role="origin"), min_years=1)


def test_a_reporter_that_lists_the_nationals_as_fewer_than_five_in_most_years_is_no_reporter_of_the_panel():
    """Cambodia as origin, 2011-2020: Thailand plus Germany and Finland, each with a single <5 in ten years,
    passed "at least 2 reporters" while the panel was Thailand's series."""
    years = range(2011, 2021)
    one_small = {y: "<5" if y == 2012 else 0 for y in years}
    khm_like = {"THA": dict.fromkeys(years, 50), "DEU": one_small, "FIN": dict(one_small)}
    assert _steady(khm_like) is None
    # a reporter whose published counts are the majority of the window's years does contribute
    most = {y: "<5" if y in (2011, 2012, 2013, 2014) else 8 for y in years}  # 6 of 10 years: 8
    panel = _steady({"THA": dict.fromkeys(years, 50), "DEU": most, "FIN": dict(one_small)})
    assert panel is not None and panel.reporters == ("DEU", "THA") and panel.window == (2011, 2020)
    # Finland's <5 is neither counted nor named: the panel is the contributing reporters' sum
    assert panel.counts.filter(pl.col("year") == 2012)["count_low"].item() == 51
    assert panel.share == pytest.approx(558 / 560.5)  # <5 at its midpoint, 2.5
    # the rule is about the window: half the years is not most of them (5 of 10)
    half = {y: "<5" if y < 2016 else 8 for y in years}
    assert _steady({"THA": dict.fromkeys(years, 50), "DEU": half}, min_years=10) is None
    # a longer window can make a reporter's numbers the majority (3 of 5 years: <5; 6 of 9 years: 8)
    late = {y: "<5" if y < 2014 else 8 for y in range(2011, 2020)}
    grown = _steady({"THA": dict.fromkeys(range(2011, 2020), 50), "DEU": late}, min_years=9)
    assert grown is not None and grown.window == (2011, 2019)


def test_a_year_without_any_nationals_counted_breaks_the_window():
    # no reporter lists these nationals in 2015 at all (the year is not in the series): no window spans it
    years = [y for y in range(2010, 2021) if y != 2015]
    table = {"THA": dict.fromkeys(years, 100), "MYS": dict.fromkeys(years, 50)}
    panel = _steady(table)
    assert panel is not None and panel.window == (2016, 2020)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.integers(5, 400)), min_size=8, max_size=8), min_size=2, max_size=5
    )
)
def test_a_panel_holds_only_reporters_complete_every_year_and_never_counts_more_than_the_series(grid):
    codes = ["THA", "MYS", "JPN", "USA", "DEU"][: len(grid)]
    years = range(2010, 2018)
    table = {code: dict(zip(years, values, strict=True)) for code, values in zip(codes, grid, strict=True)}
    selection = Selection(breakdowns(table), country="MMR", role="origin")
    panel = trends.steady_reporters(selection)
    if panel is None:
        return
    first, last = panel.window
    assert (
        last - first + 1 >= 5
        and len(panel.reporters) >= 2
        and list(panel.reporters) == sorted(panel.reporters)
    )
    for code in panel.reporters:  # every reporter of the panel published a breakdown every year of the window
        assert all(table[code][y] is not None for y in range(first, last + 1))
        # and contributes: at least 5 of the nationals in most of its years (here every number is 5 or more)
    assert 0.25 <= panel.share <= 1 + 1e-12
    full = trends.yearly_counts(selection).join(panel.counts, on="year", suffix="_panel")
    assert full.height == panel.n_years
    assert (full["count_low_panel"] <= full["count_low"]).all()
    assert (full["count_high_panel"] <= full["count_high"]).all()


def test_the_real_release_has_a_steady_panel_for_thailand_as_origin(unodc_2023):
    table = unodc_2023
    selection = Selection(table, country="THA", role="origin")
    counts = trends.yearly_counts(selection)
    # all but four years miss reporters that detect a quarter of Thai nationals (REVIEW5 M4: all 15 at 10%)
    flagged = {f.year for f in trends.reporter_gaps(selection)}
    assert set(counts["year"].to_list()) - flagged == {2012, 2014, 2015, 2016}
    panel = trends.steady_reporters(selection)
    assert panel is not None and panel.n_years >= 5 and len(panel.reporters) >= 2 and panel.share >= 0.25
    # each reporter published, every year of the window, a citizenship breakdown (Sex and Age Total) that
    # covers at least half of its own total and lists Thai nationals (a number or <5) where it usually lists 20
    frame = table.data.filter(
        (pl.col("indicator") == selection.indicator) & (pl.col("sex") == "Total") & (pl.col("age") == "Total")
    ).with_columns(thai=(citizenship_origin_expr() == "THA").fill_null(False))
    first, last = panel.window
    for code in panel.reporters:
        rows = frame.filter(pl.col("iso3") == code)
        breakdown = rows.filter(pl.col("dimension") == "by citizenship")
        thai = (
            breakdown.filter("thai").group_by("year").agg(pl.col("value_high").sum(), pl.len().alias("cells"))
        )
        usually = thai.filter(pl.col("value_high") >= 5)["value_high"].median() or 0
        for year in range(first, last + 1):
            listed = breakdown.filter(pl.col("year") == year)["value_high"]
            total = rows.filter((pl.col("year") == year) & (pl.col("dimension") == "Total"))["value_low"]
            assert listed.len(), (code, year)
            assert listed.sum() >= 0.5 * total.sum(), (code, year)
            cells = thai.filter(pl.col("year") == year)["cells"].sum()
            assert cells > 0 or usually < 20, (code, year)
    # the panel is a part of the full series in every year of its window
    full = counts.join(panel.counts, on="year", suffix="_panel")
    assert full.height == panel.n_years and (full["count_high_panel"] <= full["count_high"]).all()
    assert trends.rate_ratio(panel.counts).n_years == panel.n_years
    # every reporter of it lists at least 5 Thai nationals (a published number) in most years of the window
    grid = trends._reporter_grid(selection).filter(
        pl.col("iso3").is_in(panel.reporters) & pl.col("year").is_between(first, last)
    )
    listed = grid.group_by("iso3").agg((pl.col("n_low") >= trends.PANEL_FLOOR).sum().alias("years"))
    assert (2 * listed["years"] > panel.n_years).all()


def test_the_real_release_thailand_published_its_2021_breakdown_with_cambodians_and_laotians_as_fewer_than_5(
    shared_data,
    unodc_2023,
):
    """Review finding 2: Thailand's 2021 breakdown (14 rows, 142-175 victims against a total of 134) lists
    Cambodia and Lao PDR as <5. No flag of Cambodia's or Lao PDR's nationals may say Thailand published no full
    breakdown that year; Cambodia's 2021 stays flagged for the true reason (Malaysia and Finland published
    totals without a breakdown, Germany nothing)."""
    table = unodc_2023
    thai_2021 = table.data.filter(
        (pl.col("iso3") == "THA")
        & (pl.col("year") == 2021)
        & (pl.col("indicator") == "Detected trafficking victims")
        & (pl.col("dimension") == "by citizenship")
        & (pl.col("sex") == "Total")
        & (pl.col("age") == "Total")
    )
    assert thai_2021.height == 14 and (thai_2021["value_low"].sum(), thai_2021["value_high"].sum()) == (
        142,
        175,
    )
    for code in ("KHM", "LAO"):
        selection = Selection(table, country=code, role="origin")
        listed = thai_2021.filter((citizenship_origin_expr() == code).fill_null(False))
        assert listed["censored"].to_list() == [True], code
        grid = trends._reporter_grid(selection)
        assert grid.filter((pl.col("iso3") == "THA") & (pl.col("year") == 2021))["complete"].item(), code
        flags = {f.year: f.reason for f in trends.reporter_gaps(selection)}
        assert "Thailand" not in flags.get(2021, ""), code
    khm = {f.year: f.reason for f in trends.reporter_gaps(Selection(table, country="KHM", role="origin"))}
    assert "from Malaysia, Germany and Finland this year" in khm[2021]  # REVIEW9 m4: a list says "and"
    lao = {f.year for f in trends.reporter_gaps(Selection(table, country="LAO", role="origin"))}
    assert 2021 not in lao and 2008 in lao  # Thailand 2008: two cells (2-8) and no total: partial


def test_the_real_release_panels_count_only_reporters_that_contribute(unodc_2023):
    """2023 release, nationals as origin. Before the contribution rule: Thailand 2012-2020 was CHL, DEU, ESP,
    FIN, THA (Chile, Spain and Finland: a few <5 and one number each); Cambodia 2011-2020 was Thailand with one
    <5 each from Germany and Finland; Myanmar 2011-2020 Thailand with one <5 from Finland; Lao PDR 2014-2018
    Thailand with Malaysia (numbers in 2 of 5 years); Viet Nam 2012-2016 seven reporters."""
    table = unodc_2023
    panels = {
        code: trends.steady_reporters(Selection(table, country=code, role="origin"))
        for code in ("THA", "KHM", "MMR", "LAO", "VNM")
    }
    found = {code: None if p is None else (p.window, p.reporters) for code, p in panels.items()}
    five = {
        code: trends.steady_reporters(Selection(table, country=code, role="origin"), min_years=5)
        for code in ("KHM", "MMR", "VNM")
    }
    assert {code: (p.window, p.reporters) for code, p in five.items() if p is not None} == {
        "KHM": ((2014, 2018), ("MYS", "THA")),
        "MMR": ((2017, 2021), ("MMR", "THA")),
        "VNM": ((2014, 2018), ("MYS", "NLD")),
    }
    assert found == {
        "THA": ((2012, 2020), ("DEU", "THA")),
        # five-year windows, fewer than a trend needs (MIN_COMPLETE_YEARS): Cambodia 2014-2018 (Malaysia's 2018
        # CAMBODIA <5 is a count, not an omission), Myanmar 2017-2021 (its own breakdown and Thailand's), Viet
        # Nam 2014-2018 (Malaysia and the Netherlands)
        "KHM": None,
        "MMR": None,
        "LAO": None,
        "VNM": None,
    }


# ------------------------------------------------------------------------------------------ yearly counts


def test_unodc_victims_of_unknown_sex_and_age_are_the_unknown_of_both_breakdowns():
    """UNODC publishes them as one row, Sex and Age Unknown (Bolivia 2017: 105 + 239 + 53 = 397)."""
    rows = indicator_rows(
        [
            *BOLIVIA_2017,
            ("BOL", 2017, "Total", "Total", "Total", "0 to 17 years", 184),
            ("BOL", 2017, "Total", "Total", "Total", "18 years or over", 160),
            ("BOL", 2017, "Total", "Total", "Female", "0 to 17 years", 43),
            ("BOL", 2017, "Total", "Total", "Unknown", "Unknown", 53),
            ("BOL", 2016, "Total", "Total", "Total", "Total", 301),
            ("BOL", 2016, "Total", "Total", "Female", "Total", 235),
            ("BOL", 2016, "Total", "Total", "Male", "Total", 66),
            # a country-year with a row of its own for unknown sex: that row is the Unknown, not both
            ("ARG", 2017, "Total", "Total", "Unknown", "Total", 7),
            ("ARG", 2017, "Total", "Total", "Unknown", "Unknown", "<5"),
            ("ARG", 2017, "Total", "Total", "Total", "Unknown", 3),
        ]
    )
    bol = Selection(rows, country="BOL", role="destination")
    by_sex = trends.yearly_counts(bol, by="sex")
    assert dict(by_sex.filter(pl.col("year") == 2017).select("sex", "count").rows()) == {
        "Female": 105,
        "Male": 239,
        "Unknown": 53,
    }
    assert by_sex.filter(pl.col("year") == 2016)["sex"].to_list() == ["Female", "Male"]  # none published
    by_age = trends.yearly_counts(bol, by="age")
    assert dict(by_age.select("age", "count").rows()) == {
        "0 to 17 years": 184,
        "18 years or over": 160,
        "Unknown": 53,
    }
    arg = Selection(rows, country="ARG", role="destination")
    assert trends.yearly_counts(arg, by="sex").select("sex", "count").rows() == [("Unknown", 7)]
    assert trends.yearly_counts(arg, by="age").select("age", "count").rows() == [("Unknown", 3)]
    # the total and the forms are untouched
    assert trends.yearly_counts(bol)["count"].to_list() == [301, 397]


def test_case_counts_give_rows_only_for_years_the_selection_covers_and_filter_by_role():
    df = cases(
        [{"year": 2015, "origin_iso3": "MMR", "destination_iso3": "THA"}] * 3
        + [{"year": 2017, "origin_iso3": "MMR", "destination_iso3": "THA"}] * 2
        + [{"year": 2017, "origin_iso3": "THA", "destination_iso3": "MYS"}]
        + [{"year": None, "origin_iso3": "MMR", "destination_iso3": "THA"}]
    )
    counts = trends.yearly_counts(Selection(df, country="THA", role="destination"))
    assert counts["year"].to_list() == [2015, 2017]  # 2016: no records of Thailand, not 0 victims
    assert counts["count"].to_list() == [3, 2]
    both = trends.yearly_counts(Selection(df, country="THA", role="both"))
    assert both["count"].to_list() == [3, 3]


def test_case_counts_give_no_zeros_for_years_the_data_do_not_cover_for_the_selection():
    df = cases(
        [{"year": 2015, "origin_iso3": "MMR", "destination_iso3": "THA", "gender": "Female"}] * 3
        + [{"year": 2017, "origin_iso3": "THA", "destination_iso3": "MYS"}]
        + [{"year": 2018, "origin_iso3": "MMR", "destination_iso3": "THA", "gender": "Male"}] * 2
    )
    tha = Selection(df, country="THA", role="destination", years=(2010, 2030))
    counts = trends.yearly_counts(tha)
    # 2016-2017 hold no record of Thailand as destination (2017 has other countries' records): not covered
    assert counts.select("year", "count").rows() == [(2015, 3), (2018, 2)]
    # within a covered year a category without victims is a true 0
    by_sex = trends.yearly_counts(tha, by="gender").select("year", "gender", "count").rows()
    assert by_sex == [(2015, "Female", 3), (2015, "Male", 0), (2018, "Female", 0), (2018, "Male", 2)]
    assert trends.yearly_counts(Selection(df, years=(2030, 2040))).height == 0


def test_case_counts_by_a_flag_group_leave_out_years_whose_victims_have_it_not_recorded():
    df = cases(
        [{"year": 2010, "destination_iso3": "THA"}] * 4  # form not recorded
        + [
            {
                "year": 2012,
                "destination_iso3": "THA",
                "exploitation_sexual": True,
                "exploitation_forced_labour": False,
            }
        ]
        * 3
        + [{"year": 2012, "destination_iso3": "THA"}]
    )
    tha = Selection(df, country="THA", role="destination")
    assert trends.yearly_counts(tha).select("year", "count").rows() == [(2010, 4), (2012, 4)]
    forms = trends.yearly_counts(tha, by="form")
    assert set(forms["year"]) == {2012}  # 2010's victims: form not recorded, not 0 of every form
    assert dict(forms.select("form", "count").iter_rows())["Sexual exploitation"] == 3
    assert dict(forms.select("form", "count").iter_rows())["Forced labour"] == 0  # a true 0 of 2012


def test_case_counts_of_the_k_anon_sample_are_not_zeros_between_its_blocks(shared_data):
    from evidence.sources.registry import load

    table = load(shared_data / "ctdc" / "k_anon_sample.csv")
    khm = Selection(table, country="KHM", role="origin", years=(2010, 2018))
    counts = trends.yearly_counts(khm)
    assert counts.select("year", "count").rows() == [(2010, 16), (2018, 95)]  # 2011-2017: not covered
    # the 16 of 2010 have no form recorded: no row, not seven zeros
    assert set(trends.yearly_counts(khm, by="form")["year"]) == {2018}


def test_undated_counts_are_the_records_yearly_counts_leave_out():
    df = cases(
        [{"year": 2015, "gender": "Female", "destination_iso3": "THA"}] * 2
        + [{"year": None, "year_band": "2014-2018", "gender": "Male", "destination_iso3": "THA"}] * 3
        + [{"year": None, "gender": None, "destination_iso3": "MYS"}]
    )
    undated = trends.undated_counts(Selection(df, country="THA", role="destination"), by="gender")
    assert undated.select("gender", "count").rows() == [("Male", 3)]
    assert trends.undated_counts(df)["count"].to_list() == [4]
    dated = trends.yearly_counts(df)["count"].sum()
    assert dated + trends.undated_counts(df)["count"].sum() == df.height


def test_form_counts_follow_the_denominator_rule():
    df = cases(
        [
            {
                "year": 2020,
                "exploitation_forced_labour": True,
                "exploitation_sexual": None,
                "exploitation_other": None,
            },
            {
                "year": 2020,
                "exploitation_forced_labour": True,
                "exploitation_sexual": True,
                "exploitation_other": False,
            },
            {
                "year": 2020,
                "exploitation_forced_labour": None,
                "exploitation_sexual": None,
                "exploitation_other": None,
            },
        ]
    )
    counts = trends.yearly_counts(df, by="form")
    got = dict(zip(counts["form"], counts["count"]))
    assert got == {"Forced labour": 2, "Sexual exploitation": 1, "Other forms of exploitation": 0}
    shares = trends.shares_over_time(df, "form")
    assert set(shares["n"].to_list()) == {2.0}  # the unknown record is not in the denominator
    assert shares.filter(pl.col("form") == "Forced labour")["share"].item() == 1.0


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([2018, 2019, 2021, None]), st.sampled_from(["Female", "Male", None])),
        min_size=1,
        max_size=60,
    )
)
def test_counts_by_any_dimension_add_up_to_the_records(records):
    df = cases([{"year": y, "gender": g} for y, g in records])
    dated = sum(1 for y, _ in records if y is not None)
    total = trends.yearly_counts(df)
    by_gender = trends.yearly_counts(df, by="gender")
    assert int(total["count"].sum() or 0) == dated
    assert int(by_gender["count"].sum() or 0) == dated
    assert (by_gender["count"] >= 0).all()


def test_indicator_counts_keep_censored_cells_as_bounds_never_zero():
    rows = indicator_rows(
        [
            ("THA", 2019, "Total", "Total", "Total", "Total", 120),
            ("THA", 2020, "Total", "Total", "Total", "Total", "<5"),
            ("THA", 2021, "Total", "Total", "Total", "Total", 60),
            ("THA", 2022, "Total", "Total", "Total", "Total", 80),
            ("THA", 2021, "by form of exploitation", "Forced labour", "Total", "Total", 50),
            ("THA", 2021, "by form of exploitation", "Sexual exploitation", "Total", "Total", "<5"),
            ("MYS", 2021, "Total", "Total", "Total", "Total", 999),
        ]
    )
    counts = trends.yearly_counts(Selection(rows, country="THA", role="destination"))
    assert counts.filter(pl.col("year") == 2020).row(0, named=True) == {
        "year": 2020,
        "count": None,
        "count_low": 1,
        "count_high": 4,
        UNCENSORED: 0,  # made only of the publisher's <5 cell: nothing published exactly
    }
    assert counts.filter(pl.col("year") == 2021)[UNCENSORED].item() == 60
    result = trends.rate_ratio(counts, min_years=2)
    assert result.basis == "point"
    assert result.low_bound is not None and result.high_bound is not None
    assert result.low_bound.basis == "low bound"
    forms = trends.yearly_counts(Selection(rows, country="THA", role="destination"), by="form")
    assert forms.filter(pl.col("form") == "Sexual exploitation")["count_high"].item() == 4
    with pytest.raises(ParameterError):
        trends.yearly_counts(rows, by="no such dimension")


def test_indicator_origin_role_reads_the_breakdowns_of_the_detecting_countries():
    rows = indicator_rows(
        [
            ("THA", 2020, "by citizenship", "Nationals", "Total", "Total", 25),
            ("MYS", 2020, "by citizenship", "THA", "Total", "Total", 9),
            ("JPN", 2020, "by citizenship", "THA", "Total", "Total", "<5"),
            ("JPN", 2020, "by citizenship", "PHL", "Total", "Total", 40),
        ]
    )
    total = trends.yearly_counts(Selection(rows, country="THA", role="origin"))
    assert total.row(0, named=True) == {
        "year": 2020,
        "count": None,
        "count_low": 35,
        "count_high": 38,
        UNCENSORED: 34,  # 25 + 9 published exactly, and Japan's <5
    }
    by_destination = trends.yearly_counts(Selection(rows, country="THA", role="origin"), by="destination")
    assert dict(zip(by_destination["destination"], by_destination["count_low"])) == {
        "THA": 25,
        "MYS": 9,
        "JPN": 1,
    }
    corridors = trends.yearly_counts(Selection(rows, country="JPN", role="destination"), by="corridor")
    assert set(corridors["corridor"]) == {"THA>JPN", "PHL>JPN"}
    with pytest.raises(ParameterError):
        trends.yearly_counts(Selection(rows, country="THA", role="origin"), by="form")
    with pytest.raises(ParameterError, match="role destination"):
        trends.yearly_counts(Selection(rows, country="THA", role="both"), by="form")


def test_indicator_both_roles_add_the_victims_detected_in_the_country_and_its_citizens_detected_abroad():
    rows = indicator_rows(
        [
            ("THA", 2020, "Total", "Total", "Total", "Total", 70),
            ("THA", 2020, "by citizenship", "Nationals", "Total", "Total", 25),
            ("THA", 2020, "by citizenship", "MMR", "Total", "Total", 45),
            ("MYS", 2020, "by citizenship", "THA", "Total", "Total", 9),
            ("JPN", 2020, "by citizenship", "THA", "Total", "Total", "<5"),
            ("JPN", 2020, "by citizenship", "PHL", "Total", "Total", 40),
        ]
    )
    both = trends.yearly_counts(Selection(rows, country="THA", role="both"))
    # 70 detected in Thailand (its 25 nationals among them, counted once) + 9 in Malaysia + <5 in Japan
    assert both.row(0, named=True) == {
        "year": 2020,
        "count": None,
        "count_low": 80,
        "count_high": 83,
        UNCENSORED: 79,
    }
    corridors = trends.yearly_counts(Selection(rows, country="THA", role="both"), by="corridor")
    assert dict(zip(corridors["corridor"], corridors["count_low"])) == {
        "THA>THA": 25,
        "MMR>THA": 45,
        "THA>MYS": 9,
        "THA>JPN": 1,
    }


def test_censored_share_interval_spans_both_bounds():
    rows = indicator_rows(
        [
            ("THA", 2021, "by form of exploitation", "Forced labour", "Total", "Total", 50),
            ("THA", 2021, "by form of exploitation", "Sexual exploitation", "Total", "Total", "<5"),
        ]
    )
    shares = trends.shares_over_time(Selection(rows, country="THA", role="destination"), "form")
    sexual = shares.filter(pl.col("form") == "Sexual exploitation").row(0, named=True)
    assert sexual["share"] == pytest.approx(2.5 / 52.5)
    assert sexual["ci_low"] < 1 / 51 and sexual["ci_high"] > 4 / 54


# ---------------------------------------------------------------------------------------------- share change


def test_share_change_is_newcombes_interval_by_hand():
    df = cases(
        [{"year": 2015, "gender": "Male"}] * 30
        + [{"year": 2015, "gender": "Female"}] * 70
        + [{"year": 2022, "gender": "Male"}] * 60
        + [{"year": 2022, "gender": "Female"}] * 40
    )
    shares = trends.shares_over_time(df, "gender")
    change = trends.share_change(shares, "Male", (2015, 2015), (2022, 2022))
    assert change.difference == pytest.approx(0.3)

    def wilson(x, n):
        p, z = x / n, Z95
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return centre - half, centre + half

    (l1, u1), (l2, u2) = wilson(60, 100), wilson(30, 100)
    assert change.ci_low == pytest.approx(0.3 - math.sqrt((0.6 - l1) ** 2 + (u2 - 0.3) ** 2), rel=1e-6)
    assert change.ci_high == pytest.approx(0.3 + math.sqrt((u1 - 0.6) ** 2 + (0.3 - l2) ** 2), rel=1e-6)
    assert change.to_dict()["ci"] == [
        pytest.approx(change.ci_low, abs=1e-6),
        pytest.approx(change.ci_high, abs=1e-6),
    ]
    with pytest.raises(ParameterError):
        trends.share_change(shares, "Male", (2030, 2031), (2022, 2022))


def test_a_country_counting_almost_none_of_its_own_nationals_is_a_change_in_reporting(unodc_2023):
    """The second review: the United States' own breakdown lists US citizens as <5 in 2010-2012, then 805 to
    6,133 a year (it detects nearly all of them): those years are a change in what it reports, flagged and
    kept out of the trend, not a 67% yearly rise. A country whose own count falls but stays in the tens
    (Myanmar 2021: 29), or whose usual count rests on one large year (Bhutan 2020: 179), is not flagged so."""
    table = unodc_2023
    usa = Selection(table, country="USA", role="origin")
    reasons = {f.year: f.reason for f in trends.reporter_gaps(usa)}
    changed = sorted(y for y, r in reasons.items() if "counted almost none of its own nationals" in r)
    assert changed == [2010, 2011, 2012]
    assert reasons[2012].startswith("a change in what is reported: the United States counted almost none")
    for code in ("MMR", "BTN", "THA", "NGA"):
        gaps = trends.reporter_gaps(Selection(table, country=code, role="origin"))
        assert not [f for f in gaps if "almost none" in f.reason], code
    ratio = trends.rate_ratio(
        trends.yearly_counts(usa).filter(~pl.col("year").is_in(list(reasons))), min_years=6
    )
    assert ratio.first_year == 2013 and ratio.rate_ratio < 1.4


def test_a_countrys_total_before_it_counted_its_own_nationals_is_not_compared_with_later_years(unodc_2023):
    """The third review: the United States' own total jumps from 469 (2012) to 2,315 (2013) when its breakdown
    starts counting US citizens (<5 up to 2012, 805 in 2013): the destination (and both) series flag 2007-2012
    as a change in reporting, and the trend is fitted from 2013. No other country of the release is flagged."""
    table = unodc_2023
    for role in ("destination", "both"):
        flags = trends.reporting_changes(Selection(table, country="USA", role=role))
        assert [f.year for f in flags] == list(range(2012, 2006, -1)), role
        assert flags[0].reason.startswith("a change in what is reported: up to 2012 the United States")
    assert trends.reporting_changes(Selection(table, country="USA", role="origin")) == ()
    codes = sorted(set(table.data["iso3"].drop_nulls().to_list()))
    flagged = [c for c in codes if trends.reporting_changes(Selection(table, country=c, role="destination"))]
    assert flagged == ["USA"]


def test_each_flagged_year_says_what_it_is_incomplete_or_not_comparable(unodc_2023):
    """The United States' 2007-2012 were said to be "probably incomplete" though their reason is a change in what
    it reports (its counts are not comparable with the later years'): a flag says which it is. Late
    registration, a fall at the end and missing reporters leave a count short (incomplete); a country counting
    almost none of its own nationals is a change in what is counted (not comparable); a year of both is both."""
    table = unodc_2023
    changes = trends.reporting_changes(Selection(table, country="USA", role="destination"))
    assert {f.kinds for f in changes} == {("not_comparable",)}
    assert changes[0].words == "not comparable with the other years"
    assert changes[0].to_dict()["kinds"] == ["not_comparable"]
    assert changes[0].to_dict()["said"] == "not comparable with the other years"
    origin = {f.year: f for f in trends.reporter_gaps(Selection(table, country="USA", role="origin"))}
    # 2010-2012: its own breakdown counts almost none of its nationals; 2018: reporters missing
    assert all("not_comparable" in origin[y].kinds for y in (2010, 2011, 2012))
    assert all(
        ("incomplete" in f.kinds) == ("the set of reporting countries changes" in f.reason)
        for f in origin.values()
    )
    assert origin[2018].kinds == ("incomplete",)
    # missing reporters (Thailand before 2013), late registration and a fall at the end: incomplete
    gaps = trends.reporter_gaps(
        Selection(nationals_reported(range(2010, 2020), tha_from=2013), country="MMR")
    )
    late = trends.incomplete_years(series(range(2014, 2024), [100] * 8 + [30, 10]), late_registration=True)
    assert gaps and late and {f.kinds for f in (*gaps, *late)} == {("incomplete",)}
    assert late[0].words == "probably incomplete"
    # one year flagged by rules of both kinds is both, said with "and"; a series of both kinds, with "or"
    both = trends.merge_incomplete(late[:1], [dataclasses.replace(changes[0], year=late[0].year)])
    assert both[0].kinds == ("incomplete", "not_comparable")
    assert both[0].words == "probably incomplete and not comparable with the other years"
    assert "flagged: probably incomplete and not comparable with the other years" in repr(both[0])
    assert trends.flag_words(iter(["not_comparable", "incomplete"]), each=False) == (
        "probably incomplete or not comparable with the other years"
    )
    with pytest.raises(ParameterError, match="kinds"):
        trends.IncompleteYear(2020, "r", None, None, kinds=("late",))  # type: ignore[arg-type]


def _gap_patterns(patterns: dict[int, set[str]]) -> Selection:
    """Myanmar's nationals 2010-2021 detected by Thailand every year and by Malaysia, Japan and Korea, each
    publishing no breakdown in the years ``patterns`` gives it (150, 100 and 100 of 550 a year)."""
    years = range(2010, 2022)
    usual = {"THA": 200, "MYS": 150, "JPN": 100, "KOR": 100}
    table = {
        code: {y: None if code in patterns.get(y, set()) else n for y in years} for code, n in usual.items()
    }
    return Selection(breakdowns(table), country="MMR", role="origin")


def test_many_reasons_that_differ_only_in_the_missing_reporters_are_said_in_one():
    """REVIEW7 M4: Viet Nam's nationals had seven bullets, each naming other missing reporters; from
    trends.MERGED_GAP_REASONS such reasons, one sentence names each reporter with its years."""
    four = {2011: {"MYS"}, 2012: {"MYS", "JPN"}, 2013: {"JPN", "KOR"}, 2019: {"MYS", "KOR"}}
    flags = trends.reporter_gaps(_gap_patterns(four))
    assert sorted(f.year for f in flags) == sorted(four)
    ((years, reason),) = trends.grouped_incomplete(flags)
    assert years == (2011, 2012, 2013, 2019)
    assert reason.startswith(
        "the set of reporting countries changes: no full citizenship breakdown listing these nationals from Malaysia (2011–2012 and 2019), "
    )
    assert "Japan (2012–2013)" in reason and "(2013 and 2019)" in reason
    # every reporter missing is named: the range is theirs, with nothing added
    assert reason.endswith("in the other years, those missing in a year detect 27–45% of these nationals")
    # each year keeps its own reason (the command line, the run's JSON)
    assert all("this year" in f.reason for f in flags)
    # fewer such reasons stay one each
    three = {y: four[y] for y in (2011, 2012, 2013)}
    assert len(trends.grouped_incomplete(trends.reporter_gaps(_gap_patterns(three)))) == 3


def test_the_share_range_of_merged_missing_reporters_is_that_of_the_ones_named():
    """REVIEW9 m3: Viet Nam's one sentence names the United Kingdom, Malaysia, Thailand and Ukraine and said
    "the reporters a year misses detect 40–94%", the range over all missed reporters, unnamed smaller ones
    included; the range a reader gives to the names is now theirs, the one with the smaller ones said apart."""
    named = [("A", 0.30), ("B", 0.20), ("C", 0.10), ("D", 0.40)]
    flags = [
        trends.IncompleteYear(
            2010 + i, f"r{i}", None, None, shared=f"s{i}", missed=share + 0.06, missing=((name, share),)
        )
        for i, (name, share) in enumerate(named)
    ]
    ((_, reason),) = trends.grouped_incomplete(flags)
    assert reason.startswith(
        "the set of reporting countries changes: no full citizenship breakdown listing these nationals from D (2013), "
    )
    assert "in the other years, those missing in a year detect 10–40% of these nationals" in reason
    assert reason.endswith("(16–46% counting the smaller reporters missing too)")
    # where the years miss no smaller reporter, the range is said once
    exact = [dataclasses.replace(f, missed=f.missing[0][1]) for f in flags]
    ((_, reason),) = trends.grouped_incomplete(exact)
    assert reason.endswith("those missing in a year detect 10–40% of these nationals")


def test_grouped_incomplete_says_every_flagged_year_once_with_missing_reporters_merged():
    names = st.sampled_from(["A", "B", "C", "D"])
    missing = st.lists(names, min_size=1, max_size=3, unique=True).map(lambda n: tuple((x, 0.3) for x in n))

    @given(st.dictionaries(st.integers(2000, 2030), st.one_of(st.just(()), missing), max_size=20))
    @settings(max_examples=60, deadline=None)
    def check(flagged):
        flags = [
            trends.IncompleteYear(y, f"r{y}", None, None, shared=f"s{m}", missed=0.3, missing=m)
            for y, m in flagged.items()
        ]
        groups = trends.grouped_incomplete(flags)
        said = [y for years, _ in groups for y in years]
        assert sorted(said) == sorted(flagged)
        gaps = {m for m in flagged.values() if m}
        assert len([r for _, r in groups if r.startswith("the set of")]) == (
            1 if len(gaps) >= trends.MERGED_GAP_REASONS else 0
        )

    check()


def test_real_united_states_2018_says_its_breakdown_is_doubtful_not_missing(unodc_2023):
    """REVIEW7 m3: 2017 and 2018 are both years of the doubtful US breakdown; its 2018 reason said "no full
    citizenship breakdown" as if none were published, like 2009's."""
    table = unodc_2023
    usa = Selection(table, country="USA", role="origin")
    said = dict(trends.grouped_incomplete(trends.reporter_gaps(usa)))
    assert "published one, but it is doubtful and not used" in said[(2018,)]
    assert "doubtful" not in said[(2009,)]
    assert trends.doubtful_reporters(usa) == {2017: ("USA",), 2018: ("USA",)}
    # Viet Nam's nationals: the reasons of twelve years in one sentence
    vnm = trends.grouped_incomplete(trends.reporter_gaps(Selection(table, country="VNM", role="origin")))
    assert len(vnm) == 1 and len(vnm[0][0]) == 12
    # REVIEW9 m3: the range given to the four names is theirs (34–87%), not that of all missed (40–94%)
    assert "those missing in a year detect 34–87%" in vnm[0][1]
    assert vnm[0][1].endswith("(40–94% counting the smaller reporters missing too)")


# ------------------------------------------------------------------------------------- the `by` values offered


def _suggested(message: str) -> set[str]:
    """The dimension names a message suggests: the words after "try one of:" or "use by"."""
    import re

    found = re.search(r"(?:try one of:|use by) ([^,;]*(?:, [^,;]+)*?)(?:,? or role|;|$)", message)
    assert found, message
    return set(re.split(r", | or ", found.group(1).strip()))


def test_every_by_value_a_message_suggests_is_one_the_trends_notebook_accepts():
    """REVIEW12 M8: the messages suggested citizenship, destination, sex and age, which `-p by` refused."""
    from evidence.notebooks.catalog import read_notebook

    accepted = read_notebook("trends").parameters["by"].choices
    assert tuple(accepted) == trends.BY_VALUES
    rows = indicator_rows(
        [
            ("THA", 2020, "Total", "Total", "Total", "Total", 25),
            ("JPN", 2020, "by citizenship", "THA", "Total", "Total", 9),
        ]
    )
    messages = []
    for selection, by in [
        (Selection(rows, country="THA", role="both"), "form"),
        (Selection(rows, country="THA", role="origin"), "form"),
        (Selection(rows, country="THA", role="destination"), "data_source_type"),
        (Selection(cases([{"year": 2020, "gender": "Female"}])), "no such column"),
    ]:
        with pytest.raises(ParameterError) as raised:
            trends.yearly_counts(selection, by=by)
        messages.append(str(raised.value))
    for message in messages:
        assert _suggested(message) <= set(accepted), message
    assert {"citizenship", "destination", "corridor"} <= _suggested(messages[0])
    # and every value the notebook accepts that an indicator table can give is accepted by the analysis
    for by in set(accepted) - {"data_source_type", "none"}:
        trends.yearly_counts(Selection(rows, country="THA", role="destination"), by=by)


def test_citizenship_and_destination_of_the_case_table_are_its_origin_and_destination_columns():
    table = cases(
        [
            {"year": 2020, "origin_iso3": "MMR", "destination_iso3": "THA"},
            {"year": 2020, "origin_iso3": "KHM", "destination_iso3": "THA"},
        ]
    )
    counts = trends.yearly_counts(table, by="citizenship")
    assert dict(zip(counts["citizenship"], counts["count"])) == {"KHM": 1, "MMR": 1}
    assert set(trends.yearly_counts(table, by="destination")["destination"]) == {"THA"}


def test_the_counts_of_an_indicator_selection_are_built_once_per_frame(shared_data, monkeypatch):
    """A brief asks for the same UNODC counts from its coverage, key figures and sections: built once each, the
    same counts every time (a copy: a caller's change stays its own), and built again for another selection."""
    from evidence.analyses import selection
    from evidence.sources.cache import load_cached

    monkeypatch.setattr(selection, "_BUILT", {})  # what other tests built before is not kept here
    table = load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    built: list[tuple[str | None, str | None]] = []
    original = trends._indicator_counts_of

    def counted(selection, *, by):
        built.append((selection.role, by))
        return original(selection, by=by)

    monkeypatch.setattr(trends, "_indicator_counts_of", counted)
    tha = Selection(table, country="THA", role="destination", years=(2012, 2020))
    first = trends.yearly_counts(tha, by="form")
    again = trends.yearly_counts(
        Selection(table, country="THA", role="destination", years=(2012, 2020)), by="form"
    )
    assert first.equals(again) and first is not again and built == [("destination", "form")]
    assert first.equals(original(tha, by="form"))
    trends.yearly_counts(tha)
    trends.yearly_counts(tha.replace(years=(2013, 2020)), by="form")
    trends.yearly_counts(tha.replace(role="origin"))
    assert len(built) == 4
    with pytest.raises(ParameterError):  # a refusal is raised each time
        trends.yearly_counts(tha.replace(role="origin"), by="form")
    with pytest.raises(ParameterError):
        trends.yearly_counts(tha.replace(role="origin"), by="form")


def test_a_missing_reporter_of_almost_all_the_nationals_is_not_said_to_detect_about_100_percent(unodc_2023):
    """Brief audit: the United Kingdom (both): "no full citizenship breakdown from the United Kingdom, which
    detects about 100% of these nationals in the other years", where the Netherlands and others detect some."""
    table = unodc_2023
    flags = trends.reporter_gaps(Selection(table, country="GBR", role="origin"))
    reasons = " ".join([f.reason for f in flags] + [r for _, r in trends.grouped_incomplete(flags)])
    assert "about 100%" not in reasons
    assert "from the United Kingdom, which detects almost all (over 99%) of these nationals" in reasons
    assert trends._share_words(0.36) == "about 36%" and trends._share_words(1.0) == "all"


@pytest.mark.parametrize("by", ["Sex", "SEX", "Gender", "Form", "FORM", " form ", "Citizenship", "Age_Band"])
def test_a_dimension_is_read_whatever_its_case(real_tables, by):
    """Leftover: ``by="Sex"`` failed ("unknown dimension"), and ``unrecorded_counts(by="Form")`` or
    ``doubtful_breakdowns(by="Sex")`` gave nothing, silently: a dimension is read whatever its case."""
    canonical = by.strip().lower()
    assert trends.check_by(by) == canonical
    for table, role in ((real_tables[0], "destination"), (real_tables[1], "destination")):
        selection = Selection(table, country="THA", role=role)
        try:
            expected = trends.yearly_counts(selection, by=canonical)
        except ParameterError:
            with pytest.raises(ParameterError):
                trends.yearly_counts(selection, by=by)
            continue
        assert trends.yearly_counts(selection, by=by).equals(expected)
        assert trends.unrecorded_counts(selection, by=by).equals(
            trends.unrecorded_counts(selection, by=canonical)
        )
        assert trends.doubtful_breakdowns(selection, by).equals(
            trends.doubtful_breakdowns(selection, canonical)
        )
        assert trends.indicator_dimension(by) == trends.indicator_dimension(canonical)


def test_a_dimension_of_no_known_name_is_refused_naming_the_valid_ones(real_tables):
    with pytest.raises(ParameterError, match="try one of: none, form, gender"):
        trends.yearly_counts(Selection(real_tables[0], country="THA", role="destination"), by="Sexe")
    assert trends.check_by(None) is None


@pytest.mark.parametrize("table", [0, 1])
def test_a_misspelt_dimension_is_told_the_one_meant(real_tables, table):
    """QA27: `evidence trend --by gendr` named the valid dimensions but no "did you mean", which
    `run -p by gendr` says; of either table (cases, indicators)."""
    selection = Selection(real_tables[table], country="THA", role="destination")
    with pytest.raises(ParameterError, match=r"try one of: .*; did you mean 'gender'\?$"):
        trends.yearly_counts(selection, by="gendr")
    with pytest.raises(ParameterError) as raised:
        trends.yearly_counts(selection, by="xyzzy")
    assert "did you mean" not in str(raised.value)


def test_a_case_table_with_both_countries_is_offered_by_corridor():
    """The list of dimensions a case table offers left out ``corridor``, which it reads (origin and
    destination) and ``--by`` accepts."""
    table = cases([{"year": 2020, "gender": "Female", "origin_iso3": "MMR", "destination_iso3": "THA"}])
    with pytest.raises(ParameterError) as raised:
        trends.yearly_counts(Selection(table), by="no such column")
    assert "corridor" in _suggested(str(raised.value))
    assert trends.yearly_counts(Selection(table), by="corridor")["corridor"].to_list() == ["MMR>THA"]


def test_unrecorded_counts_by_form_in_capitals_are_those_by_form(real_tables):
    selection = Selection(real_tables[0], country="THA", role="destination")
    assert trends.unrecorded_counts(selection, by="Form").equals(
        trends.unrecorded_counts(selection, by="form")
    )
    assert (
        trends.doubtful_breakdowns(Selection(real_tables[1], country="USA", role="destination"), "Sex").height
        == trends.doubtful_breakdowns(
            Selection(real_tables[1], country="USA", role="destination"), "sex"
        ).height
        > 0
    )


def test_why_empty_says_a_selection_of_band_dated_records_has_no_single_year(shared_data):
    """The Victim–Perpetrator file dates most victims by a band only (2014-2018): a selection of those years holds
    records, so "the table holds them in 2019–2020" would deny what the selection holds."""
    from evidence.sources.cache import load_cached

    vp = load_cached(shared_data / "ctdc" / "vp_synthetic_condensed.csv")
    selection = Selection(vp, years=(2014, 2018))
    assert selection.records().height and selection.records()["year"].is_null().all()
    said = trends.why_empty(selection)
    assert said is not None
    assert "dated only by a band of years (2014-2018" in said, said
    assert "holds them in" not in said
    # a selection cutting the band holds none of its records, and says where the table's dated records are
    assert "holds them in" in (trends.why_empty(Selection(vp, years=(2015, 2016))) or "")


def test_undated_counts_of_a_selection_with_years_leave_out_the_bands_it_holds():
    # a record of 2014-2018 is of years 2014-2018 (the selection holds it: routes and profiles count it); the
    # undated records its years leave out are those of other bands, of a band they cut, and of no year at all
    df = cases(
        [{"year": 2019, "year_band": "2019", "gender": "Female", "destination_iso3": "THA"}] * 2
        + [{"year": None, "year_band": "2014-2018", "gender": "Male", "destination_iso3": "THA"}] * 3
        + [{"year": None, "year_band": "2005-2013", "gender": "Male", "destination_iso3": "THA"}] * 4
        + [{"year": None, "year_band": None, "gender": "Female", "destination_iso3": "THA"}] * 5
    )
    held = Selection(df, years=(2014, 2018))
    assert held.records().height == 3
    assert trends.undated_counts(held)["count"].to_list() == [9]
    cut = Selection(df, years=(2015, 2016))
    assert trends.undated_counts(cut)["count"].to_list() == [12]
    # every record is of the selection, or undated and left out by its years, or dated outside them
    everything = Selection(df, years=(2005, 2022))
    assert everything.records().height + trends.undated_counts(everything)["count"].sum() == df.height
    assert trends.undated_counts(Selection(df))["count"].to_list() == [12]
