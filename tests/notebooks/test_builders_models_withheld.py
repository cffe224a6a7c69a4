"""The trend models of a UNODC-layout series read no year the published table withholds: a rate ratio and a
break fitted on a withheld count give it back to the digits the brief and ``evidence trend --json`` print
(Singapore at a threshold of 10: 2009's 7, shown ``<10``, and 2017's 16, shown ``x``, were the only values of
35 that reproduce the published ratios; Paraguay's 2021, 7 of ``<10``, the only one that reproduces the JSON's
adjusted p-value)."""

from __future__ import annotations

import polars as pl
from _indicator import indicator_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.analyses import trends
from evidence.analyses.selection import Selection
from evidence.notebooks.builders import yearly_numbers
from evidence.presentation.disclosure import DisclosureRule

YEARS = range(2012, 2020)


def _frame(values: dict[int, object]) -> pl.DataFrame:
    return indicator_rows([("THA", y, "Total", "Total", "Total", "Total", v) for y, v in values.items()])


def _fit(values: dict[int, int]) -> tuple[str, ...]:
    """The rate ratio and its interval as a brief prints them, fitted on ``values``."""
    rows = [(y, float(v), float(v), float(v)) for y, v in sorted(values.items())]
    schema = {"year": pl.Int32, "count": pl.Float64, "count_low": pl.Float64, "count_high": pl.Float64}
    fitted = trends.rate_ratio(pl.DataFrame(rows, schema=schema, orient="row"))
    return tuple(f"{x:.2f}" for x in (fitted.rate_ratio, fitted.ci_low, fitted.ci_high))


def test_a_withheld_exact_count_is_given_back_by_the_rate_ratio_it_was_fitted_on():
    """The attack, by hand: a workbook publishing 3 detected victims (shown <5) in 2013 beside a year withheld as
    its complement; the printed rate ratio is that of one value only of the four the table leaves possible."""
    values = {2012: 40, 2013: 3, 2014: 45, 2015: 52, 2016: 38, 2017: 60, 2018: 44, 2019: 51}
    rule = DisclosureRule(5)
    numbers = yearly_numbers(Selection(_frame(values), country="THA", role="destination"), rule)
    assert numbers.per_year is not None
    shown = dict(numbers.per_year.shown().select("year", "victims").iter_rows())
    assert shown["2013"] == "<5" and shown["2016"] == "x"
    # the total less the published years: 2013 and 2016 together, 41; 2013 is 1 to 4
    candidates = {e: _fit({**values, 2013: e, 2016: values[2013] + values[2016] - e}) for e in range(1, 5)}
    assert [e for e, printed in candidates.items() if printed == candidates[3]] == [3]  # it pins 3
    models = numbers.models()
    assert models.rate_ratio is None and models.found_break is None
    assert models.rate_note == "some yearly counts are withheld by disclosure control"


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    small=st.sampled_from(list(YEARS)),
    value=st.integers(1, 9),
    threshold=st.sampled_from([5, 10]),
    censored=st.sets(st.sampled_from(list(YEARS)), max_size=2),
    base=st.lists(st.integers(20, 90), min_size=len(YEARS), max_size=len(YEARS)),
)
def test_no_model_reads_a_count_the_table_withholds(small, value, threshold, censored, base):
    """Whatever the series: every year a model reads is published as a number, or made only of the publisher's
    <5 cells (public in its file, read on their bounds)."""
    values: dict[int, object] = dict(zip(YEARS, base, strict=True))
    values[small] = value
    for year in censored - {small}:
        values[year] = "<5"
    rule = DisclosureRule(threshold)
    numbers = yearly_numbers(Selection(_frame(values), country="THA", role="destination"), rule)
    models, series = numbers.models(), numbers.series()
    if models.rate_ratio is None or series is None:
        return
    assert numbers.per_year is not None
    low, high = numbers.per_year.low, numbers.per_year.high
    n = low.frame.height - 1
    reasons = zip(low.frame["year"].head(n), low.reasons["victims"].head(n), high.reasons["victims"].head(n))
    withheld = {int(y) for y, a, b in reasons if a or b}
    read = series.filter(pl.col("year").is_in(sorted(withheld & set(models.years))))
    exact = read["victims_uncensored"] if "victims_uncensored" in read.columns else read["count"]
    assert all((e or 0) == 0 for e in exact.to_list()), read


def test_a_break_not_searched_for_withheld_counts_is_said_as_a_break_not_a_trend():
    """words31's reader: under "A break in the trend?", a series with withheld years said "No trend is
    estimated: …", a trend where the section is on breaks (its rewording to a break matched no sentence)."""
    from evidence.notebooks.builders import break_sentence, trend_sentence

    values = {2012: 40, 2013: 3, 2014: 45, 2015: 52, 2016: 38, 2017: 60, 2018: 44, 2019: 51}
    numbers = yearly_numbers(Selection(_frame(values), country="THA", role="destination"), DisclosureRule(5))
    models = numbers.models()
    assert (
        trend_sentence(models)
        == "No trend is estimated: some yearly counts are withheld by disclosure control."
    )
    assert break_sentence(models) == (
        "No break is searched for: some yearly counts are withheld by disclosure control."
    )
