"""Trends, role both on UNODC's data: the victims a country detected (its own total) beside its nationals
detected abroad (other countries' citizenship breakdowns), read on the real workbook."""

from __future__ import annotations

import pytest

from evidence.analyses import trends
from evidence.analyses.selection import Selection


@pytest.fixture(scope="module")
def unodc(shared_data):
    from evidence.sources.cache import load_cached

    return load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")


@pytest.mark.parametrize(
    ("country", "name", "years"),
    [("THA", "Thailand", (2007, 2008)), ("UKR", "Ukraine", (2012, 2013))],
)
def test_a_year_without_the_country_s_own_total_says_so_not_that_it_listed_no_nationals(
    unodc, country, name, years
):
    """Thailand published no total of the victims it detected in 2007–2008 (a breakdown by form in 2007, two
    citizenship cells in 2008), Ukraine none in 2012–2013 (it published its citizenship breakdown, Ukrainians
    139 and 84): the reason read "no full citizenship breakdown listing these nationals from Thailand and
    Malaysia", which says Thailand left its own nationals out of a breakdown. In role both the country's own
    count is its total of the victims it detected, and the share is of these victims, not of its nationals."""
    flags = {f.year: f for f in trends.reporter_gaps(Selection(unodc, country=country, role="both"))}
    for year in years:
        reason = flags[year].reason
        assert f"no total of the victims detected in {name}" in reason, reason
        assert f"listing these nationals from {name}" not in reason, reason
        assert "of these nationals" not in reason, reason
    said = dict(trends.grouped_incomplete(list(flags.values())))
    (shared,) = [text for group, text in said.items() if set(years) <= set(group)]
    assert f"no total of the victims detected in {name}, nor a full citizenship breakdown listing" in shared
    assert f"from {name}," not in shared and "of these nationals" not in shared, shared


def test_years_missing_only_other_reporters_name_them_as_reporters_of_the_country_s_nationals(unodc):
    """Thailand 2019–2021 (role both): its own total is there, the United States' and Malaysia's breakdowns
    are not: they are named as reporters of Thailand's nationals, and no total is said missing."""
    flags = {f.year: f for f in trends.reporter_gaps(Selection(unodc, country="THA", role="both"))}
    for year in (2019, 2020, 2021):
        reason = flags[year].reason
        assert "no total of the victims detected" not in reason, reason
        assert (
            "no full citizenship breakdown listing Thailand's nationals from the United States, Malaysia"
            in reason
        )
        assert "of these victims" in reason and "of these nationals" not in reason, reason
