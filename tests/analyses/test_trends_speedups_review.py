"""Review of the trends speed-ups (yld28) on countries of the real UNODC workbook, and on the same rows with
some categories and values missing: a country's own breakdowns counted in one query (:func:`_own_counts`)
give the counts of one query each; the reporter grid left unbuilt where the usual counts rule out a collapse
(:func:`_may_collapse`) changes no reporting change; the over-total rule read as lists gives the years of the
query it replaced."""

from __future__ import annotations

import polars as pl
import pytest

from evidence.analyses import trends
from evidence.analyses.selection import IN_MEMORY, Selection
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
        .collect(engine=IN_MEMORY)["year"]
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


def _with_null_texts(rows: pl.DataFrame) -> pl.DataFrame:
    """Every 29th row without its sex, 31st without its age, 37th without its dimension, 41st without its
    category's code, 43rd without its low bound and 47th without its high bound: rows the filters' nulls drop."""
    index = pl.int_range(pl.len())
    gaps = {"sex": 29, "age": 31, "dimension": 37, "category_iso3": 41, "value_low": 43, "value_high": 47}
    return rows.with_columns(
        pl.when(index % every == 0).then(None).otherwise(pl.col(column)).alias(column)
        for column, every in gaps.items()
    )


@pytest.mark.parametrize("variant", ["null texts", "fractions"])
def test_own_breakdowns_summed_as_lists_are_those_of_the_query(
    glotip_rows: pl.DataFrame, variant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A country's own breakdowns summed as lists (:func:`trends._own_counts`) where its values are integral,
    counted by the query (:func:`trends._own_counts_query`) where one is not (a float sum's order matters): the
    counts of one query each, in the selection's years or all of them."""
    if variant == "fractions":  # every 7th high bound a half more: no longer integral
        index = pl.int_range(pl.len())
        rows = glotip_rows.with_columns(
            pl.when(index % 7 == 0).then(pl.col("value_high") + 0.5).otherwise(pl.col("value_high"))
        )
    else:
        rows = _with_null_texts(glotip_rows)
    together, apart = rows, rows.clone()
    summed_as_lists = trends._own_counts
    used: list[bool] = []
    monkeypatch.setattr(
        trends, "_own_counts", lambda *args: used.append((own := summed_as_lists(*args)) is not None) or own
    )
    selections = [(c, years) for c in ("THA", "USA", "NLD", "GBR") for years in (None, (2014, 2019))]
    breakdowns = (None, "form", "sex", "age", "origin")
    counted = {
        (c, years, by): trends.yearly_counts(
            Selection(together, country=c, role="destination", years=years), by=by
        )
        for c, years in selections
        for by in breakdowns
    }
    assert used and all(used) if variant == "null texts" else not any(used)
    monkeypatch.setattr(trends, "_OWN_DIMENSIONS", ())  # each breakdown in a query of its own
    for (c, years, by), counts in counted.items():
        alone = trends.yearly_counts(Selection(apart, country=c, role="destination", years=years), by=by)
        assert counts.schema == alone.schema and counts.equals(alone), (c, years, by)


def test_the_rows_abroad_found_once_give_each_breakdown_its_counts(glotip_rows: pl.DataFrame) -> None:
    """Role origin's and both's rows (returnees added, doubtful cells abroad taken away) found once per
    selection for all of its breakdowns: each the counts of a frame on which it is the only one asked for."""
    breakdowns = {
        "origin": (None, "destination", "corridor"),
        "both": (None, "origin", "destination", "corridor"),
    }
    for country, years in (("BWA", None), ("USA", (2015, 2019))):
        for role, bys in breakdowns.items():
            shared = [
                trends.yearly_counts(Selection(glotip_rows, country=country, role=role, years=years), by=by)
                for by in bys
            ]
            for by, counts in zip(bys, shared, strict=True):
                alone = glotip_rows.clone()  # nothing another breakdown kept is read
                expected = trends.yearly_counts(
                    Selection(alone, country=country, role=role, years=years), by=by
                )
                assert counts.schema == expected.schema and counts.equals(expected), (
                    country,
                    role,
                    years,
                    by,
                )


def _doubtful_by_query(selection: Selection) -> pl.DataFrame:
    """The doubtful citizenship years as the query they were (a filter, a unique year, a sort)."""
    from evidence.analyses.routes import doubtful_breakdowns
    from evidence.analyses.selection import year_filter

    schema = pl.Schema({"year": pl.Int32, "reason": pl.String})
    return (
        doubtful_breakdowns(selection.frame, selection.indicator)
        .lazy()
        .filter((pl.col("iso3") == selection.country) & year_filter(selection.years))
        .select(pl.col("year").cast(pl.Int32), "reason")
        .cast(schema)
        .unique("year", keep="first", maintain_order=True)
        .sort("year")
        .collect(engine=IN_MEMORY)
    )


def test_the_doubtful_citizenship_years_are_those_of_the_query(
    glotip_rows: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = 0
    for country in sorted({*_countries(glotip_rows), "NGA", "MMR"}):
        for years in (None, (2016, 2018)):
            selection = Selection(glotip_rows, country=country, role="destination", years=years)
            for by in ("origin", "corridor"):
                doubtful = trends.doubtful_breakdowns(selection, by)
                expected = _doubtful_by_query(selection)
                assert doubtful.schema == expected.schema and doubtful.equals(expected), (country, years, by)
                found += doubtful.height
    assert found  # Nigeria's 2017, the United States' 2017-2018 among them
    # a year given two reasons (the first kept), a year missing, another country's and a row of none
    from evidence.analyses import routes

    made = pl.DataFrame(
        {
            "iso3": ["THA", "THA", "THA", "USA", "THA", None],
            "year": [2018, 2017, 2018, 2016, None, 2017],
            "reason": ["first", "b", "second", "c", "d", "e"],
        },
        schema={"iso3": pl.String, "year": pl.Int32, "reason": pl.String},
    )
    monkeypatch.setattr(routes, "doubtful_breakdowns", lambda *args: made)
    for years in (None, (2017, 2018), (2016, 2016)):
        selection = Selection(glotip_rows, country="THA", role="destination", years=years)
        doubtful, expected = trends.doubtful_breakdowns(selection, "origin"), _doubtful_by_query(selection)
        assert doubtful.schema == expected.schema and doubtful.equals(expected), years
    assert trends.doubtful_breakdowns(
        Selection(glotip_rows, country="THA", role="destination"), "origin"
    ).rows() == [
        (None, "d"),
        (2017, "b"),
        (2018, "first"),
    ]


def test_the_years_of_own_nationals_are_those_of_the_query(glotip_rows: pl.DataFrame) -> None:
    """The years a country lists its own nationals, read from its part of the dated rows as lists: those of the
    filter of the whole frame (with some categories missing, whose rows list no nationals)."""
    from evidence.analyses.selection import citizenship_origin_expr

    gaps = _with_gaps(glotip_rows)
    for rows, countries in ((glotip_rows, _countries(glotip_rows)), (gaps, ["MMR", "NGA", "THA", "USA"])):
        for country in countries:
            by_query = rows.filter(
                (pl.col("indicator") == "Detected trafficking victims")
                & (pl.col("dimension") == "by citizenship")
                & (pl.col("sex") == "Total")
                & (pl.col("age") == "Total")
                & (pl.col("iso3") == country)
                & (citizenship_origin_expr() == country).fill_null(False)
                & pl.col("year").is_not_null()
            )
            selection = Selection(rows, country=country, role="destination")
            assert trends._own_nationals_years(selection) == set(by_query["year"].to_list()), country
    assert trends._own_nationals_years(Selection(glotip_rows, country="MMR", role="destination"))


@pytest.mark.parametrize("variant", ["as published", "gaps", "fractions"])
def test_the_counts_abroad_summed_as_lists_are_those_of_the_query(
    glotip_rows: pl.DataFrame, variant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Role origin's and both's counts summed from their rows as lists (:func:`trends._counts_as_lists`) where
    the values are integral, by the query where one is not: those of the query's group-by, with categories and
    values missing too."""
    rows = _with_gaps(glotip_rows) if variant == "gaps" else glotip_rows.clone()  # none of its counts kept
    if variant == "fractions":  # every 7th low bound a half more: no longer integral
        index = pl.int_range(pl.len())
        rows = rows.with_columns(
            pl.when(index % 7 == 0).then(pl.col("value_low") + 0.5).otherwise(pl.col("value_low"))
        )
    summed_as_lists = trends._counts_as_lists
    used: list[bool] = []
    monkeypatch.setattr(
        trends, "_counts_as_lists", lambda *args: used.append((c := summed_as_lists(*args)) is not None) or c
    )
    breakdowns = {
        "origin": (None, "destination", "corridor"),
        "both": (None, "origin", "destination", "corridor"),
    }
    selections = [(c, role, by) for c in ("BWA", "NGA") for role, bys in breakdowns.items() for by in bys]
    counted = {
        key: trends.yearly_counts(Selection(rows, country=key[0], role=key[1]), by=key[2])
        for key in selections
    }
    # the rows of a selection with a half summed by the query (some selections have none)
    assert used and (all(used) if variant != "fractions" else not all(used))
    monkeypatch.setattr(trends, "_counts_as_lists", lambda *args: None)  # the query's group-by
    apart = rows.clone()
    for (country, role, by), counts in counted.items():
        expected = trends.yearly_counts(Selection(apart, country=country, role=role), by=by)
        assert counts.schema == expected.schema and counts.equals(expected), (country, role, by)
