"""Probably incomplete years (:func:`evidence.analyses.trends.incomplete_years`) beside years known only as a
range (a table withholds them): never the history of a trend, only years tested, by their high bound. Read as
the middle of their range, the demo's Myanmar as destination at threshold 11 (``<11`` each year to 2019, then
16, 89, 106 and 55) had a trend so steep that its 106 of 2022 was flagged as a fall."""

from __future__ import annotations

import polars as pl

from evidence.analyses.trends import incomplete_years


def _counts(values: list[int], low: list[int] | None = None, high: list[int] | None = None) -> pl.DataFrame:
    years = list(range(2015, 2015 + len(values)))
    return pl.DataFrame(
        {"year": years, "count": values, "count_low": low or values, "count_high": high or values},
        schema={"year": pl.Int64, "count": pl.Float64, "count_low": pl.Float64, "count_high": pl.Float64},
    )


def test_a_trend_is_never_drawn_through_a_year_known_only_as_a_range() -> None:
    counts = _counts([10, 10, 10, 10, 10, 2])
    assert [f.year for f in incomplete_years(counts)] == [2020]
    assert incomplete_years(counts, ranged=[2016]) == ()


def test_a_year_tested_by_its_range_is_flagged_where_all_of_it_is_below_half() -> None:
    # a final year of 1 to 4 beside a trend of 10: below half whatever it is
    assert [
        f.year for f in incomplete_years(_counts([10] * 5 + [2], high=[10] * 5 + [4]), ranged=[2020])
    ] == [2020]
    # beside a trend of 8: 4 is not below half, so none is flagged
    assert incomplete_years(_counts([8] * 5 + [2], high=[8] * 5 + [4]), ranged=[2020]) == ()
