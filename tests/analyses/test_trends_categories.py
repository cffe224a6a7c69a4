"""Trends: shares of a publisher's breakdown whose categories change between years (UNODC publishes no 0)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from _indicator import indicator_rows
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.analyses import trends
from evidence.analyses.selection import Selection
from evidence.core.errors import ParameterError

FORMS = "by form of exploitation"


def forms(years: dict[int, dict[str, int | str]]) -> Selection:
    rows = []
    for year, cells in years.items():
        rows.append(
            (
                "GBR",
                year,
                "Total",
                "Total",
                "Total",
                "Total",
                sum(v for v in cells.values() if isinstance(v, int)),
            )
        )
        rows += [("GBR", year, FORMS, form, "Total", "Total", value) for form, value in cells.items()]
    return Selection(indicator_rows(rows), country="GBR", role="destination")


STEADY = {"Forced labour": 300, "Sexual exploitation": 200, "Other forms of exploitation": 100}


def test_a_year_that_does_not_publish_a_large_category_has_no_shares_only_counts():
    # the United Kingdom's forms of 2021: no forced labour row, where it is about half of the other years'
    selection = forms(
        {
            2018: STEADY,
            2019: STEADY,
            2020: STEADY,
            2021: {"Sexual exploitation": 200, "Other forms of exploitation": "<5"},
        }
    )
    shares = trends.shares_over_time(selection, "form")
    assert trends.unpublished_categories(shares) == {2021: ("Forced labour",)}
    last = shares.filter(pl.col("year") == 2021)
    assert (
        last["share"].is_null().all() and last["ci_low"].is_null().all() and last["ci_high"].is_null().all()
    )
    assert last.filter(pl.col("form") == "Sexual exploitation")["count"].item() == 200  # the counts stay
    assert shares.filter(pl.col("year") == 2020)["share"].to_list() == pytest.approx([0.5, 1 / 6, 1 / 3])
    with pytest.raises(ParameterError, match=r"partial in 2020-2021 \(2021 publishes no Forced labour"):
        trends.share_change(shares, "Sexual exploitation", (2018, 2019), (2020, 2021))
    change = trends.share_change(shares, "Sexual exploitation", 2018, 2020)
    assert change.difference == pytest.approx(0.0)


def test_a_small_category_absent_from_a_year_may_be_a_true_zero_and_leaves_the_shares():
    # UNODC publishes no cell of 0: "other forms" absent from a year where a few would be expected
    small = {"Forced labour": 30, "Sexual exploitation": 20, "Other forms of exploitation": 3}
    selection = forms({2018: small, 2019: small, 2020: {"Forced labour": 30, "Sexual exploitation": 20}})
    shares = trends.shares_over_time(selection, "form")
    assert trends.unpublished_categories(shares) == {}
    assert shares.filter(pl.col("year") == 2020)["share"].to_list() == pytest.approx([0.6, 0.4])


def test_case_records_give_every_category_a_count_every_year_so_no_year_is_partial():
    from evidence.sources.case_schema import conform

    cases = conform(
        pl.DataFrame(
            [{"year": 2018, "gender": "Female"}] * 5 + [{"year": 2019, "gender": "Male"}] * 5,
            infer_schema_length=None,
        )
    )
    shares = trends.shares_over_time(cases, "gender")
    assert trends.unpublished_categories(shares) == {}
    assert shares.filter(pl.col("year") == 2019)["share"].to_list() == [0.0, 1.0]


def test_the_real_united_kingdom_2021_and_united_states_2021_forms_are_partial(unodc_2023):
    table = unodc_2023
    for iso3, missing in (("GBR", ("Forced labour",)), ("USA", ("Other forms of exploitation",))):
        shares = trends.shares_over_time(Selection(table, country=iso3, role="destination"), "form")
        assert trends.unpublished_categories(shares).get(2021) == missing, iso3
        assert shares.filter(pl.col("year") == 2021)["share"].is_null().all()
        assert shares.filter(pl.col("year") == 2020)["share"].is_not_null().all()


def test_a_period_change_counts_every_victim_of_a_year_that_publishes_no_cell_of_the_category():
    # "other forms" absent from 2020 (a true 0 may be: UNODC publishes no 0): the 50 victims of known form that
    # year are in the period's denominator, the category 0 of them (the share of 2019-2020 is 3 of 103, not 3 of 53)
    small = {"Forced labour": 30, "Sexual exploitation": 20, "Other forms of exploitation": 3}
    selection = forms({2018: small, 2019: small, 2020: {"Forced labour": 30, "Sexual exploitation": 20}})
    shares = trends.shares_over_time(selection, "form")
    change = trends.share_change(shares, "Other forms of exploitation", (2018, 2018), (2019, 2020))
    assert (change.count_b, change.n_b) == (3, 103)
    assert change.share_b == pytest.approx(3 / 103)
    # a period in which the category is published in no year: 0 of the period's victims, not "no years"
    alone = trends.share_change(shares, "Other forms of exploitation", (2018, 2019), (2020, 2020))
    assert (alone.count_b, alone.n_b, alone.share_b) == (0, 50, 0)
    with pytest.raises(ParameterError, match="no years of 2021-2022"):
        trends.share_change(shares, "Other forms of exploitation", (2018, 2019), (2021, 2022))


def test_the_real_belarus_other_forms_share_is_of_every_victim_of_known_form(unodc_2023):
    # Belarus publishes an "other forms" cell (<5) in 2010 alone of 2005-2016: its share of 2008-2012 was of 2010's
    # victims of known form only (361.5 of more than 1,000)
    table = unodc_2023
    shares = trends.shares_over_time(Selection(table, country="BLR", role="destination"), "form")
    change = trends.share_change(shares, "Other forms of exploitation", (2008, 2012), (2016, 2020))
    for period, n in ((change.period_a, change.n_a), (change.period_b, change.n_b)):
        years = shares.filter(pl.col("year").is_between(*period))
        assert n == pytest.approx(years.group_by("year").agg(pl.col("n").first())["n"].sum())
    assert change.n_a > 1000 and change.share_a < 2.5 / 1000
    # 2013 publishes neither forced labour nor other forms: a period holding it is refused, whichever category
    with pytest.raises(ParameterError, match="partial in 2009-2013"):
        trends.share_change(shares, "Other forms of exploitation", (2009, 2013), (2016, 2020))


CELL = st.one_of(st.none(), st.just("<5"), st.integers(1, 400))


@given(
    st.dictionaries(
        st.integers(2010, 2017),
        st.fixed_dictionaries(
            {
                "Forced labour": st.one_of(st.none(), st.integers(50, 400)),
                "Sexual exploitation": CELL,
                # a small category, often absent: its absence is no partial year, its year's victims count
                "Other forms of exploitation": st.one_of(st.none(), st.just("<5"), st.integers(1, 3)),
            }
        ),
        min_size=2,
    ),
    st.sampled_from(list(STEADY)),
)
@settings(max_examples=80, deadline=None)
def test_a_period_share_is_of_every_victim_of_known_value_of_its_years(years, category):
    cells = {y: {f: v for f, v in c.items() if v is not None} for y, c in years.items()}
    cells = {y: c for y, c in cells.items() if c}
    if len(cells) < 2:
        return
    shares = trends.shares_over_time(forms(cells), "form")
    first, last = min(cells), max(cells)
    try:
        change = trends.share_change(shares, category, (first, first), (first + 1, last))
    except ParameterError as exc:  # a partial year, a period without victims, a category never published
        assert any(w in str(exc) for w in ("partial", "no victims", "no years", "no category")), exc
        return
    for period, count, n in (
        (change.period_a, change.count_a, change.n_a),
        (change.period_b, change.count_b, change.n_b),
    ):
        held = shares.filter(pl.col("year").is_between(*period))
        assert n == pytest.approx(held.group_by("year").agg(pl.col("n").first())["n"].sum())
        mid = {"<5": 2.5}
        expected = sum(
            mid.get(c.get(category), c.get(category) or 0)
            for y, c in cells.items()
            if period[0] <= y <= period[1]
        )
        assert count == pytest.approx(expected)
        assert 0 <= count <= n
    assert change.ci_low <= change.difference <= change.ci_high


def test_a_period_change_widens_for_the_variation_of_the_share_between_its_years():
    # yearly shares far more variable than binomial sampling (the Philippines' children, 2010-2020: dispersion
    # 7): the victims of a period are not independent draws, and the interval is Newcombe's on the effective
    # counts (count and denominator over the between-year dispersion of a binomial model with a period effect)
    import statsmodels.api as sm
    from statsmodels.stats.proportion import confint_proportions_2indep

    yearly = {
        2010: (10, 90), 2011: (40, 60), 2012: (15, 85), 2013: (45, 55),
        2016: (20, 80), 2017: (60, 40), 2018: (25, 75), 2019: (55, 45),
    }  # fmt: skip
    selection = forms({y: {"Forced labour": a, "Sexual exploitation": b} for y, (a, b) in yearly.items()})
    shares = trends.shares_over_time(selection, "form")
    change = trends.share_change(shares, "Forced labour", (2010, 2013), (2016, 2019))
    years = sorted(yearly)
    y = np.array([yearly[k][0] for k in years], float)
    n = np.array([sum(yearly[k]) for k in years], float)
    X = sm.add_constant(np.array([k >= 2016 for k in years], float))
    fit = sm.GLM(np.column_stack([y, n - y]), X, family=sm.families.Binomial()).fit()
    dispersion = fit.pearson_chi2 / fit.df_resid
    assert dispersion > 10
    assert change.dispersion == pytest.approx(dispersion, rel=1e-9)
    low, high = confint_proportions_2indep(
        160 / dispersion,
        400 / dispersion,
        110 / dispersion,
        400 / dispersion,
        method="newcomb",
        compare="diff",
    )
    assert (change.ci_low, change.ci_high) == pytest.approx((low, high), rel=1e-6)
    assert change.difference == pytest.approx(0.125)
    assert "between-year dispersion" in change.to_dict()["method"]


def test_a_change_between_single_years_has_no_dispersion_to_estimate():
    selection = forms(
        {
            2018: {"Forced labour": 30, "Sexual exploitation": 70},
            2020: {"Forced labour": 60, "Sexual exploitation": 40},
        }
    )
    change = trends.share_change(trends.shares_over_time(selection, "form"), "Forced labour", 2018, 2020)
    assert math.isnan(change.dispersion) and change.to_dict()["dispersion"] is None
    assert "not estimable" in change.to_dict()["method"]


def test_periods_that_share_years_are_refused():
    # the same victims in both periods: Newcombe's interval is for two independent samples
    selection = forms({y: STEADY for y in range(2015, 2021)})
    shares = trends.shares_over_time(selection, "form")
    with pytest.raises(ParameterError, match="overlap: 2017-2018"):
        trends.share_change(shares, "Forced labour", (2015, 2018), (2017, 2020))
    assert trends.share_change(shares, "Forced labour", (2015, 2017), (2018, 2020)).difference == 0
