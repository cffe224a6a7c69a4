"""Within trends.series_read_once, a series' yearly counts are read once however many models ask (the brief's rate
ratio, break search and their checks read the same series six times); outside it, each reading is its own."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from evidence.analyses import trends


def _counts() -> pl.DataFrame:
    years = list(range(2010, 2020))
    values = [12, 15, 14, 20, 22, 25, 24, 30, 33, 31]
    return pl.DataFrame({"year": years, "count": values, "count_low": values, "count_high": values})


@pytest.fixture
def reads(monkeypatch) -> list[int]:
    calls: list[int] = []
    read = trends._read_series

    def counted(counts: pl.DataFrame) -> pl.DataFrame:
        calls.append(id(counts))
        return read(counts)

    monkeypatch.setattr(trends, "_read_series", counted)
    return calls


def _models(counts: pl.DataFrame) -> tuple[object, ...]:
    return (
        trends.no_trend_information(counts, threshold=5),
        trends.too_few_years(counts),
        trends.rate_ratio(counts),
        trends.find_break(counts),
    )


def test_the_models_of_a_series_read_it_once_within_the_scope(reads):
    counts = _counts()
    with trends.series_read_once():
        within = _models(counts)
    # the counts, and the series rate_ratio and find_break read again (no_trend_information): two frames
    assert reads.count(id(counts)) == 1
    assert len(reads) <= 2
    reads.clear()
    outside = _models(counts)
    assert reads.count(id(counts)) == 4  # each function its own reading
    assert within == outside  # the same numbers either way


def test_a_series_read_within_the_scope_is_forgotten_after_it(reads):
    counts = _counts()
    with trends.series_read_once():
        first = trends._series(counts)
        assert trends._series(counts) is first
    assert trends._series(counts) is not first
    assert_frame_equal(trends._series(counts), first)


def test_an_invalid_series_is_refused_each_time_within_the_scope():
    bad = _counts().with_columns(count=pl.lit(-1))
    with trends.series_read_once():
        for _ in range(2):
            with pytest.raises(trends.ParameterError, match="negative"):
                trends.rate_ratio(bad)


def test_every_countrys_reporter_grid_reads_the_reporters_once(shared_data, monkeypatch):
    """The reporters' cells, totals and listings are the same for every country's nationals (a batch of origin
    briefs asks for each): read once per frame, indicator and years, each grid as read anew."""
    from polars.testing import assert_frame_equal

    from evidence.analyses.selection import Selection
    from evidence.sources.cache import load_cached

    glotip = load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    table = glotip.data.clone()  # a frame of its own: nothing read of it before this test
    reads: list[object] = []
    read = trends._reporters

    def counted(df, indicator, years):
        reads.append(years)
        return read(df, indicator, years)

    monkeypatch.setattr(trends, "_reporters", counted)
    grids = {
        (c, y): trends._reporter_grid_of(Selection(table, country=c, role="origin", years=y))
        for c in ("MMR", "KHM", "PHL")
        for y in ((2010, 2020), (2012, 2021))
    }
    assert reads == [(2010, 2020), (2012, 2021)]
    monkeypatch.setattr(trends, "_reporters", read)
    for (country, years), grid in grids.items():
        fresh = trends._reporter_grid_of(
            Selection(table.clone(), country=country, role="origin", years=years)
        )
        assert grid is not None and fresh is not None
        assert_frame_equal(grid, fresh)
