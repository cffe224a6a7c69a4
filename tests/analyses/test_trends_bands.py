"""CTDC's Victim–Perpetrator file dates 13,140 of its 21,195 victims by a band of years only (2005-2013 2,531;
2014-2018 6,274; 2021-2022 4,335), 4,400 by a single year (2019 2,398; 2020 2,002) and 3,655 by none: every
reader of a selection of it (its records, yearly and undated counts, routes, the data-quality accounting, the
sentences naming bands) accounts for each victim once."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.analyses import routes, trends
from evidence.analyses.selection import Bands, Selection
from evidence.sources.loaded import LoadedTable

BANDS = {"2005-2013": 2531, "2014-2018": 6274, "2021-2022": 4335}
NO_YEAR = 3655


@pytest.fixture(scope="module")
def vp(shared_data) -> LoadedTable:
    from evidence.sources.cache import load_cached

    return load_cached(shared_data / "ctdc" / "vp_synthetic_condensed.csv")


def _accounting(vp: LoadedTable, years: tuple[int, int] | None) -> dict[str, int]:
    """Each victim of the file counted once, in the part of a selection of ``years`` that holds it, each part
    counted by its own reader; checked to add up to the rows read."""
    selection = Selection(vp, years=years)
    held, cut = selection.bands()
    records = selection.records()
    data = vp.data
    dated = data.filter(pl.col("year").is_not_null())
    in_years = int(trends.yearly_counts(selection)["count"].sum())
    undated = trends.undated_counts(selection)
    parts = {
        "in_years": in_years,
        "outside": dated.height - in_years,
        "band_held": sum(BANDS[b] for b in held),
        "undated": int(undated["count"].sum()) if undated.height else 0,
    }
    assert min(parts.values()) >= 0, parts
    assert in_years == dated.filter(pl.col("year").is_between(*(years or (0, 9999)))).height
    # the selection's records: its years' and those of the bands it holds (of no yearly table)
    assert records.height == in_years + parts["band_held"] * (years is not None) + (
        sum(BANDS.values()) + NO_YEAR
    ) * (years is None)
    assert sorted(set(records.filter(pl.col("year").is_null())["year_band"].drop_nulls())) == sorted(held)
    # routes count every record of the selection, those of its bands too
    assert int(routes.flow_records(selection)["victims_high"].sum()) == records.height
    if years is None:  # every band held, none cut; the undated row is the records of no single year
        assert (held, cut) == (tuple(BANDS), ())
        assert parts["undated"] == parts["band_held"] + NO_YEAR
        assert vp.rows_in == parts["in_years"] + parts["undated"]
    else:  # left out for want of a year: the bands cut, the bands outside the years, and no band at all
        assert parts["undated"] == sum(n for b, n in BANDS.items() if b not in held) + NO_YEAR
        assert vp.rows_in == parts["in_years"] + parts["outside"] + parts["band_held"] + parts["undated"]
    # the data-quality accounting (views._files_beside_selections): kept = shown + undated + the rest
    rest = vp.rows_kept - records.height - (parts["undated"] if years is not None else 0)
    assert rest == (parts["outside"] if years is not None else 0)
    # what is said: the repr names the bands cut; why_empty the bands held, or those cut
    shown = repr(selection)
    assert ("band of years reaching beyond" in shown) == bool(cut) and all(b in shown for b in cut)
    why = trends.why_empty(selection)
    assert (why is None) == bool(in_years), why
    if why is not None:
        assert (f"a band of years ({', '.join(held)};" in why) == bool(held), why
        assert ("whose records are left out" in why) == bool(cut) and all(b in why for b in cut), why
    return parts


@pytest.mark.parametrize(
    ("years", "bands", "parts"),
    [
        (None, Bands(tuple(BANDS), ()), (4400, 0, 13140, 16795)),
        ((2014, 2018), Bands(("2014-2018",), ()), (0, 4400, 6274, 10521)),
        ((2010, 2016), Bands((), ("2005-2013", "2014-2018")), (0, 4400, 0, 16795)),
        ((2019, 2019), Bands((), ()), (2398, 2002, 0, 16795)),
        ((2015, 2015), Bands((), ("2014-2018",)), (0, 4400, 0, 16795)),
        ((2005, 2022), Bands(tuple(BANDS), ()), (4400, 0, 13140, 3655)),
        ((1990, 2000), Bands((), ()), (0, 4400, 0, 16795)),
    ],
)
def test_every_victim_of_the_victim_perpetrator_file_is_counted_once(vp, years, bands, parts):
    assert Selection(vp, years=years).bands() == bands
    found = _accounting(vp, years)
    assert (found["in_years"], found["outside"], found["band_held"], found["undated"]) == parts


@given(st.integers(1998, 2026), st.integers(0, 20))
@settings(max_examples=40, deadline=None)
def test_any_years_count_each_victim_of_the_file_once(vp, first, length):
    _accounting(vp, (first, first + length))
