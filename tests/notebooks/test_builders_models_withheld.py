"""The trend models of a UNODC-layout series read no year the published table withholds: a rate ratio and a
break fitted on a withheld count give it back to the digits the brief and ``evidence trend --json`` print
(Singapore at a threshold of 10: 2009's 7, shown ``<10``, and 2017's 16, shown ``x``, were the only values of
35 that reproduce the published ratios; Paraguay's 2021, 7 of ``<10``, the only one that reproduces the JSON's
adjusted p-value)."""

from __future__ import annotations

import polars as pl
import pytest
from _indicator import indicator_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.analyses import trends
from evidence.analyses.selection import Selection
from evidence.core.errors import ParameterError
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


def _published_rate_ratio(numbers, category: str) -> float | None:
    """A category's rate ratio as ``evidence trend --by ... --json`` publishes it (six decimals), or None."""
    return numbers.models(category).to_dict().get("rate_ratio", {}).get("rate_ratio")


def _values_that_reproduce(numbers, category: str, year: int, candidates: range) -> list[int]:
    """The reader's attack on a category's cell left empty in ``year``: the other years of the series the JSON
    says the model read, as the table shows them (exact numbers), and each candidate for the empty cell, refitted;
    the candidates whose rate ratio prints as the published one."""
    published = _published_rate_ratio(numbers, category)
    if published is None:
        return []
    table = numbers.by_category
    shown = dict(table.low.frame.select("year", category).iter_rows())
    read = numbers.models(category).to_dict()["years_used"]
    others = {y: shown[str(y)] for y in read if y != year}
    assert all(isinstance(v, int) for v in others.values())  # the attack reads exact numbers only
    schema = {"year": pl.Int32, "count": pl.Float64, "count_low": pl.Float64, "count_high": pl.Float64}
    found = []
    for value in candidates:
        rows = sorted([*((y, v) for y, v in others.items()), (year, value)])
        frame = pl.DataFrame(
            [(y, float(v), float(v), float(v)) for y, v in rows], schema=schema, orient="row"
        )
        if round(trends.rate_ratio(frame).rate_ratio, 6) == published:
            found.append(value)
    return found


@pytest.fixture(scope="module")
def glotip(shared_data):
    from evidence.sources.cache import load_cached

    return load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")


def test_a_breakdown_left_empty_is_not_given_back_by_its_categories_rate_ratios(glotip):
    """Argentina as destination by sex at a threshold of 11 (the real workbook): the 2020 breakdown is left
    empty (``breakdown withheld``: with the total of 933 and the other cells its labels would give a withheld
    count back), yet the rate ratio of women, fitted on 2020's 406, printed to six decimals by ``evidence trend
    --json``, is reproduced by 406 alone of the 934 values the year's total leaves possible."""
    from evidence.notebooks.builders import BREAKDOWN_WITHHELD

    numbers = yearly_numbers(
        Selection(glotip, country="ARG", role="destination"), DisclosureRule(11), by="sex"
    )
    table = numbers.by_category
    assert table is not None
    row = dict(zip(table.low.frame["year"], table.low.frame["note"], strict=True))
    assert row["2020"] == BREAKDOWN_WITHHELD
    for category in ("Female", "Male"):
        assert len(_values_that_reproduce(numbers, category, 2020, range(934))) != 1, category


@pytest.mark.parametrize(
    ("country", "by"),
    [("ARG", "sex"), ("POL", "form"), ("USA", "form"), ("NGA", "age"), ("GBR", "form")],
)
@pytest.mark.parametrize("threshold", [5, 11])
def test_no_category_model_reads_a_cell_the_table_leaves_empty_or_withholds(glotip, country, by, threshold):
    """Of every category of a real series: each year its models read with a part the publisher printed exactly
    is a number (or a range) the table shows; a cell left empty (a breakdown withheld with its total) or withheld
    is no year a model reads (Poland as destination by form at 11: other forms' 2018, 10–13 with 9 exact, was
    read beside a row left empty)."""
    from evidence.analyses.intervals import UNCENSORED

    checked = 0
    for role in ("origin", "destination"):
        try:
            numbers = yearly_numbers(
                Selection(glotip, country=country, role=role), DisclosureRule(threshold), by=by
            )
        except ParameterError:  # a breakdown this role does not have (by form of a country's nationals)
            continue
        table = numbers.by_category
        if table is None:
            continue
        years = table.low.frame["year"].to_list()
        for category in numbers.categories:
            checked += 1
            models = numbers.models(category)
            if models.rate_ratio is None:
                continue
            cells = dict(
                zip(
                    years,
                    zip(table.low.frame[category], table.high.frame[category], strict=True),
                    strict=True,
                )
            )
            series = numbers.series(category)
            assert series is not None
            for year, exact in series.select("year", UNCENSORED).iter_rows():
                if year in models.years and (exact or 0) > 0:
                    low, high = cells.get(str(year), (None, None))
                    assert low is not None and high is not None, (role, category, year)
    assert checked  # the selection has categories: the check read their models


def _points(table, column: str = "victims") -> dict[int, float | None]:
    """Each dated year's point value as a reader reads the table (a number, or the middle of a range; a range
    made only of the publisher's <5 cells, ``up to 8``, by its low bound in the publisher's file), None where it
    is withheld or left empty."""
    n = table.low.frame.height - (1 if table.low.has_total_row else 0)
    out: dict[int, float | None] = {}
    for year, (low, high) in zip(table.low.frame["year"].head(n), table.cells(column)[:n], strict=True):
        numbers = isinstance(low, int) and isinstance(high, int)
        out[int(year)] = (low + high) / 2 if numbers else None
    return out


def test_the_steady_reporters_share_does_not_give_back_a_year_the_table_withholds(glotip):
    """The Philippines as origin at a threshold of 11 (the real workbook): the steady reporters' share of the
    nationals counted in 2007–2013, printed to four decimals by ``evidence trend --json`` (0.5024), is their
    panel's 675 (shown year by year) over the full series' window; every year of it is shown but 2007, withheld
    (``x``) to protect 2021's small count, so the share puts 2007 between 59.4 and 59.7: 59.5, the 58–61 the
    table withholds (and with the total, 2021's)."""
    numbers = yearly_numbers(Selection(glotip, country="PHL", role="origin"), DisclosureRule(11))
    assert numbers.panel is not None and numbers.panel.per_year is not None
    first, last = numbers.panel.panel.window
    share = numbers.models().to_dict()["steady_reporters"]["share"]
    full, panel = _points(numbers.per_year), _points(numbers.panel.per_year)
    unknown = [y for y in range(first, last + 1) if full.get(y) is None]
    assert unknown == [2007] and all(panel[y] is not None for y in range(first, last + 1))
    if not isinstance(share, float):
        return  # withheld: nothing to solve
    numerator = sum(panel[y] for y in range(first, last + 1))  # type: ignore[misc]
    known = sum(full[y] for y in range(first + 1, last + 1))  # type: ignore[misc]
    low, high = numerator / (share + 0.00005) - known, numerator / (share - 0.00005) - known
    # a count with a part published exactly and k cells of <5 reads as E + 2.5k: a half-integer, at least 11
    candidates = [v / 2 for v in range(22, 2 * 10_000) if low <= v / 2 <= high]
    assert len(candidates) > 1, (low, high, candidates)


@pytest.mark.parametrize("threshold", [5, 11])
def test_a_steady_reporters_share_is_published_only_beside_every_year_of_its_window(glotip, threshold):
    """Wherever the share is printed as a number (JSON and the brief's sentence), every year of its window is
    known to a reader of both tables it is a ratio of, the full series and the steady reporters': shown, or made
    only of the publisher's <5 cells (public in its file). The real workbook: the Czech Republic, Slovakia,
    Brazil, Ukraine and the Philippines withhold a year with a part published exactly in one of them."""
    from evidence.notebooks.builders import panel_sentence

    seen = 0
    for country in ("BRA", "COL", "CZE", "PHL", "SVK", "UKR", "ROU", "THA"):
        numbers = yearly_numbers(Selection(glotip, country=country, role="origin"), DisclosureRule(threshold))
        if numbers.panel is None or numbers.panel.per_year is None:
            continue
        seen += 1
        first, last = numbers.panel.panel.window
        window = range(first, last + 1)
        full, panel = _points(numbers.per_year), _points(numbers.panel.per_year)
        public = {  # a year made only of the publisher's <5 cells: in its file, whatever the table shows
            (kind, int(y))
            for kind, counts in (("full", numbers.counts), ("panel", numbers.panel.panel.counts))
            for y, exact in counts.select("year", "victims_uncensored").iter_rows()
            if not exact
        }
        complete = all(
            (full.get(y) is not None or ("full", y) in public)
            and (panel.get(y) is not None or ("panel", y) in public)
            for y in window
        )
        share = numbers.models().to_dict()["steady_reporters"]["share"]
        assert isinstance(share, float) == complete, (country, share)
        assert ("%" in panel_sentence(numbers)) == complete, country
    assert seen >= 6
