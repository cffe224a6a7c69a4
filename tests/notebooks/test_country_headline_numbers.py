"""What a brief's headlines and its detected section read of a UNODC series, without protecting a table it does
not print: an origin brief's own detected victims by form, a destination's victims by citizenship."""

from __future__ import annotations

import pytest

from evidence.notebooks import country, country_views
from evidence.notebooks.builders import VICTIMS, counts_hold_victims, yearly_numbers
from evidence.presentation.disclosure import DisclosureRule

RULE = DisclosureRule(5)


@pytest.fixture(scope="module")
def tables(real_tables):
    return real_tables


def _brief(tables, iso3: str, role: str) -> country.CountryBrief:
    return country.open_brief(tables, RULE, country=iso3, role=role, years=(None, None))


def _headline_fields(numbers) -> tuple:
    """What a headline reads of yearly numbers: the totals, the flagged years and the table of victims per year."""
    per_year = numbers.per_year
    cells = None if per_year is None else (per_year.low.frame["year"].to_list(), per_year.cells(VICTIMS))
    return (numbers.counts.rows(), numbers.incomplete, numbers.flagged_words, numbers.has_totals, cells)


@pytest.mark.parametrize("iso3", ["PHL", "UKR", "KHM", "LAO", "MDA"])
def test_an_origin_briefs_headlines_build_no_breakdown_of_its_own_detected_victims(tables, iso3):
    brief = _brief(tables, iso3, "origin")
    unodc = brief.holding("indicator")[0]
    figures = country.key_figures(brief)
    magnitudes = country.magnitudes(brief)
    assert ("yearly", id(unodc), "destination", "form") not in brief._kept
    assert country.headline_numbers(brief, unodc, "destination") is brief.yearly(
        unodc, "destination", by=None
    )
    # the numbers by form give the same headline fields: the same key figures and magnitudes
    by_form = brief.yearly(unodc, "destination")
    assert _headline_fields(by_form) == _headline_fields(brief.yearly(unodc, "destination", by=None))
    again = _brief(tables, iso3, "origin")
    again._kept[("yearly", id(unodc), "destination", None)] = by_form
    assert country.key_figures(again) == figures and country.magnitudes(again) == magnitudes
    # the nationals' own headline still reads the brief's numbers by form
    assert country.headline_numbers(brief, unodc, "origin") is brief.yearly(unodc, "origin")


@pytest.mark.parametrize(
    ("iso3", "role", "by"),
    [
        ("MYS", "destination", "citizenship"),
        ("USA", "destination", "citizenship"),
        ("KHM", "destination", "form"),  # forms without a total in any year: the numbers say
        ("KHM", "destination", "citizenship"),
        ("THA", "both", "citizenship"),
        ("PHL", "origin", None),
        ("NLD", "destination", "sex"),
    ],
)
def test_the_counts_before_protection_say_whether_the_numbers_hold_victims(tables, iso3, role, by):
    brief = _brief(tables, iso3, role)
    unodc = brief.holding("indicator")[0]
    selection = brief.selection(unodc, role)
    built = yearly_numbers(selection, RULE, by=by, span=brief.table_span(unodc)).holds_victims
    found = counts_hold_victims(selection, by)
    assert found is None or found == built
    if iso3 == "KHM" and by == "form":
        assert found is None and built  # only the breakdown holds them: the protected numbers decide
    assert brief.holds_victims(unodc, role, by) == built


def test_a_dimension_the_table_does_not_have_is_refused_alike(tables):
    from evidence.core.errors import ParameterError

    brief = _brief(tables, "MYS", "destination")
    unodc = brief.holding("indicator")[0]
    with pytest.raises(ParameterError):
        counts_hold_victims(brief.selection(unodc), "nosuch")
    # the brief then reads the numbers without it, as :meth:`CountryBrief.yearly` does
    assert (
        brief.holds_victims(unodc, "destination", "nosuch")
        == brief.yearly(unodc, "destination", None).holds_victims
    )


def test_the_detected_section_protects_no_table_by_citizenship(tables, monkeypatch, tmp_path):
    import IPython.display

    shown: list = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.setenv("EVIDENCE_RUN_DIR", str(tmp_path))
    monkeypatch.setattr("evidence.notebooks.views.show_charts", lambda named: None)
    brief = _brief(tables, "MYS", "destination")
    unodc = brief.holding("indicator")[0]
    country_views.show_detected_section(brief)
    assert ("yearly", id(unodc), "destination", "citizenship") not in brief._kept
    assert brief.yearly(unodc, "destination", by="citizenship").holds_victims
    assert any("### Victims detected in Malaysia" in str(getattr(o, "data", "")) for o in shown)
