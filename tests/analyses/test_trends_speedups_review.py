"""Review of the trends speed-ups (yld28) on countries of the real UNODC workbook, and on the same rows with
some categories and values missing: a country's own breakdowns counted in one query (:func:`_own_counts`)
give the counts of one query each; the reporter grid left unbuilt where the usual counts rule out a collapse
(:func:`_may_collapse`) changes no reporting change; the over-total rule read as lists gives the years of the
query it replaced."""

from __future__ import annotations

import polars as pl
import pytest

from evidence.analyses import trends
from evidence.analyses.selection import Selection
from evidence.analyses.trends import OVER_TOTAL_MINIMUM, OVER_TOTAL_SHARE


@pytest.fixture(scope="module")
def glotip_rows(shared_data) -> pl.DataFrame:
    from evidence.sources.cache import load_cached

    return load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx").data


def _countries(rows: pl.DataFrame) -> list[str]:
    """A fifth of the workbook's countries (every fifth by code), and the United States (its reporting change) and
    Thailand: each comparison below is one query against another, the same code for every country, at ~7 CPU-s
    for all of them (the review that wrote these tests compared all of them, and found them equal)."""
    every = sorted(set(rows["iso3"].drop_nulls().to_list()))
    return sorted({*every[::5], "USA", "THA"} & set(every))


def _with_gaps(rows: pl.DataFrame) -> pl.DataFrame:
    """Every 17th row without its category, every 23rd without its value."""
    index = pl.int_range(pl.len())
    return rows.with_columns(
        pl.when(index % 17 == 0).then(None).otherwise(pl.col("category")).alias("category"),
        pl.when(index % 23 == 0).then(None).otherwise(pl.col("value")).alias("value"),
    )


@pytest.mark.parametrize("gaps", [False, True])
def test_own_breakdowns_counted_together_are_those_counted_one_by_one(
    glotip_rows: pl.DataFrame, gaps: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _with_gaps(glotip_rows) if gaps else glotip_rows
    together, apart = rows, rows.clone()  # two frames: nothing kept of one is read for the other
    countries = _countries(rows)
    breakdowns = (None, "form", "sex", "age", "origin")
    counted = {
        (country, by): trends.yearly_counts(Selection(together, country=country, role="destination"), by=by)
        for country in countries
        for by in breakdowns
    }
    monkeypatch.setattr(trends, "_OWN_DIMENSIONS", ())  # each breakdown in a query of its own, as before
    for (country, by), counts in counted.items():
        alone = trends.yearly_counts(Selection(apart, country=country, role="destination"), by=by)
        assert counts.schema == alone.schema and counts.equals(alone), (country, by)


def test_a_grid_left_unbuilt_changes_no_reporting_change(
    glotip_rows: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked, every = glotip_rows, glotip_rows.clone()
    selections = [(country, years) for country in _countries(glotip_rows) for years in (None, (2012, 2019))]
    found = {
        key: trends.reporting_changes(Selection(checked, country=key[0], role="destination", years=key[1]))
        for key in selections
    }
    assert found[("USA", None)]  # the United States' change (2010-2012) is among them
    monkeypatch.setattr(trends, "_may_collapse", lambda selection: True)  # every country's grid built
    for key in selections:
        assert (
            trends.reporting_changes(Selection(every, country=key[0], role="destination", years=key[1]))
            == found[key]
        ), key


def _over_total_years_by_query(counts: pl.DataFrame, by_counts: pl.DataFrame) -> list[int]:
    """The rule as the query it was (a group-by joined to the totals), its years sorted once each."""
    per_year = (
        by_counts.lazy().group_by(pl.col("year").cast(pl.Int32)).agg(pl.col("count_low").sum().alias("least"))
    )
    totals = counts.lazy().select(pl.col("year").cast(pl.Int32), pl.col("count_high").alias("total"))
    excess = pl.col("least") - pl.col("total")
    years = (
        per_year.join(totals, on="year", how="inner")
        .filter(
            pl.col("total").is_not_null()
            & (excess >= OVER_TOTAL_MINIMUM)
            & (excess >= OVER_TOTAL_SHARE * pl.col("total"))
        )
        .collect()["year"]
    )
    return sorted(set(years.to_list()))


def test_the_over_total_years_are_those_of_the_query(glotip_rows: pl.DataFrame) -> None:
    for country in sorted(set(glotip_rows["iso3"].drop_nulls().to_list())):
        own = Selection(glotip_rows, country=country, role="destination")
        totals = trends.yearly_counts(own)
        for by in ("sex", "age"):
            by_counts = trends.yearly_counts(own, by=by)
            assert trends._over_total_years(totals, by_counts) == _over_total_years_by_query(
                totals, by_counts
            ), (country, by)
    # a year without a total, a total without a year, a cell without its low bound, and a year given twice
    counts = pl.DataFrame({"year": [2019, 2020, None, 2021, 2021], "count_high": [None, 10, 3, 10, 10]})
    by_counts = pl.DataFrame({"year": [2019, 2020, 2020, None, 2021], "count_low": [50, 20, None, 40, 30]})
    assert (
        trends._over_total_years(counts, by_counts)
        == _over_total_years_by_query(counts, by_counts)
        == [2020, 2021]
    )
