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
            "no full citizenship breakdown listing the nationals of Thailand from the United States, Malaysia"
            in reason
        )
        assert "of these victims" in reason and "of these nationals" not in reason, reason
    # the Philippines 2021: its own total is missing too; never "the Philippines's"
    (philippines,) = trends.reporter_gaps(Selection(unodc, country="PHL", role="both"))
    assert philippines.reason.startswith(
        "the set of reporting countries changes: no total of the victims detected in the Philippines, nor a full "
        "citizenship breakdown listing the nationals of the Philippines from the United States"
    )


def test_a_country_without_any_total_of_its_own_is_said_to_be_counted_abroad_only(unodc):
    """Cambodia published no total of the victims it detected in 2007–2021 (only breakdowns by form and by
    age): its trends "as country of origin or destination" were its nationals detected abroad, and nothing
    said so. Said, with what the workbook holds of Cambodia's own detections; never for a country with its
    total in some years (Thailand), nor for other roles."""
    khm = Selection(unodc, country="KHM", role="both", years=(2007, 2021))
    said = trends.own_total_missing(khm)
    assert said is not None
    assert said.startswith("These counts are of the nationals of Cambodia detected in other countries only")
    assert "breakdown by form (2007, 2017–2020)" in said and said.endswith(".")
    # the counts are indeed those of the nationals abroad alone
    origin = trends.yearly_counts(khm.replace(role="origin"))
    assert trends.yearly_counts(khm)["count_high"].sum() == origin["count_high"].sum()
    # Samoa: nothing of its own in any year (its nationals in New Zealand's breakdowns, 2018–2019)
    assert trends.own_total_missing(Selection(unodc, country="WSM", role="both", years=(2018, 2019))) == (
        "These counts are of the nationals of Samoa detected in other countries only: UNODC's table holds no "
        "victims detected in Samoa, in any year."
    )
    assert trends.own_total_missing(Selection(unodc, country="THA", role="both")) is None
    assert trends.own_total_missing(khm.replace(role="origin")) is None
    assert trends.own_total_missing(khm.replace(role="destination")) is None


def test_many_years_said_in_one_sentence_never_call_the_country_s_own_total_a_breakdown(unodc):
    """Viet Nam as origin or destination: nine flagged years with seven sets of missing reporters are said in
    one sentence naming each reporter with its years, which read "no full citizenship breakdown listing these
    nationals from Viet Nam (2016–2021), the United Kingdom (…)": Viet Nam's own total is what those years miss."""
    flags = trends.reporter_gaps(Selection(unodc, country="VNM", role="both"))
    said = dict(trends.grouped_incomplete(list(flags)))
    text = " ".join(said.values())
    assert "from Viet Nam" not in text, text
    own = [
        years for years, reason in said.items() if "no total of the victims detected in Viet Nam" in reason
    ]
    assert own and set(range(2016, 2022)) <= {year for years in own for year in years}
