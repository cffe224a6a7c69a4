"""The notebooks' sentence on records without a single year names the bands of years a selection holds and cuts as
the selection reads them (:meth:`evidence.analyses.selection.Selection.bands`), and counts what it leaves out as
:func:`evidence.analyses.trends.undated_counts` does."""

from __future__ import annotations

import re

import polars as pl
import pytest

from evidence.analyses import trends
from evidence.analyses.selection import Selection, span_text
from evidence.notebooks.builders import undated_sentence
from evidence.presentation.disclosure import DisclosureRule
from evidence.sources.case_schema import conform


def _said(selection: Selection) -> str | None:
    assert selection.years is not None
    return undated_sentence(selection, DisclosureRule(5), who="Thailand", period=span_text(selection.years))


def test_a_band_the_sentence_says_is_held_is_one_whose_records_the_selection_holds():
    """The sentence read a band written "c. 2014-2018" as 2014-2018 (held by 2010–2020) and the selection's
    filter as no band: it said the records were of the selection (its totals and routes count them) while they
    were left out, and counted among those without a single year as well."""
    frame = conform(
        pl.DataFrame(
            {"year": [None] * 7, "year_band": ["c. 2014-2018"] * 7, "destination_iso3": ["THA"] * 7},
            schema_overrides={"year": pl.Int16, "year_band": pl.String},
        )
    )
    selection = Selection(frame, country="THA", role="destination", years=(2010, 2020))
    said = _said(selection)
    assert said is not None and "(c. 2014-2018) count in the totals, routes and profiles over" in said, said
    assert "selection" not in said  # a reader chose none: the records count in the brief's totals
    assert selection.records().height == 7 and trends.undated_counts(selection).height == 0
    assert "have no single year" not in said


@pytest.mark.parametrize(
    ("years", "held", "cut"),
    [
        ((2014, 2018), ["2014-2018"], []),
        ((2010, 2016), [], ["2005-2013", "2014-2018"]),
        ((2015, 2015), [], ["2014-2018"]),
        ((1998, 2014), ["2005-2013"], ["2014-2018"]),
        ((1990, 2000), [], []),
    ],
)
def test_the_sentence_on_the_victim_perpetrator_file_agrees_with_its_counts(shared_data, years, held, cut):
    from evidence.sources.cache import load_cached

    vp = load_cached(shared_data / "ctdc" / "vp_synthetic_condensed.csv")
    selection = Selection(vp, years=years)
    said = _said(selection)
    assert said is not None
    left_out = int(trends.undated_counts(selection)["count"].sum())
    number = re.search(r">([\d,]+)</span> victim records of Thailand have no single year", said)
    assert number is not None and int(number[1].replace(",", "")) == left_out, said
    assert ("that " + span_text(years) + " cuts, " in said) == bool(cut), said
    assert ("dated only by a band of years within" in said) == bool(held), said
    for band in [*held, *cut]:
        assert band in said
    for band in {"2005-2013", "2014-2018", "2021-2022"} - {*held, *cut}:
        assert band not in said
    assert undated_sentence(selection.replace(years=None), DisclosureRule(5), who="T", period="") is None
