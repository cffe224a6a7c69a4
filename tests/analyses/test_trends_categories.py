"""Trends: shares of a publisher's breakdown whose categories change between years (UNODC publishes no 0)."""

from __future__ import annotations

import polars as pl
import pytest
from _indicator import indicator_rows

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


def test_the_real_united_kingdom_2021_and_united_states_2021_forms_are_partial(shared_data):
    from evidence.sources.cache import load_cached

    table = load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    for iso3, missing in (("GBR", ("Forced labour",)), ("USA", ("Other forms of exploitation",))):
        shares = trends.shares_over_time(Selection(table, country=iso3, role="destination"), "form")
        assert trends.unpublished_categories(shares).get(2021) == missing, iso3
        assert shares.filter(pl.col("year") == 2021)["share"].is_null().all()
        assert shares.filter(pl.col("year") == 2020)["share"].is_not_null().all()
