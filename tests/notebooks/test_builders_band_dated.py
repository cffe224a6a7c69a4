"""Victims dated only by a band of years within a selection: in its routes and profiles, in no yearly table.

CTDC's Victim–Perpetrator file dates records by bands (``2014-2018``), and the k-anonymised file's generalised
years are bands too. A selection of 2014–2020 holds a record of 2014-2018: the route table's and the profiles'
totals count it, the table of victims per year cannot (it has no single year). Beside all 52 victims of the
selection, a yearly table of 25 and 25 victims, total 50, gave the 2 dated only by a band back (52 − 50), a
small count no table shows. The yearly table is protected with that difference: it must not follow when small.
"""

from __future__ import annotations

import itertools

import polars as pl
import pytest
from _hand_made import hand_made_table

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import VICTIMS, route_numbers, yearly_numbers
from evidence.presentation.disclosure import DisclosureRule
from evidence.sources.loaded import LoadedTable

RULE = DisclosureRule(5)


def _selection(per_year: dict[int, int], banded: int, *, keyed: bool = False) -> Selection:
    """Victims exploited in Thailand: ``per_year`` of single years, ``banded`` dated only by 2014-2018, a woman
    and a man in turn, forced labour or sexual exploitation in turn."""
    years: list[int | None] = [year for year, n in per_year.items() for _ in range(n)] + [None] * banded
    rows = [
        {
            "year": year,
            "year_band": "2014-2018" if year is None else str(year),
            "origin_iso3": "MMR",
            "destination_iso3": "THA",
            "gender": ("Female", "Male")[i % 2],
            "exploitation_forced_labour": i % 2 == 0,
            "exploitation_sexual": i % 2 == 1,
        }
        for i, year in enumerate(years)
    ]
    table = hand_made_table(rows, keyed=keyed)
    return Selection(table, country="THA", role="destination", years=(2014, 2020))


def _readings(selection: Selection, by: str | None) -> set[int]:
    """The victims dated only by a band, as a reader can have them: all victims of the selection (the route
    table's total) less every total of the yearly table its published cells allow (``<5``: 1 to 4, ``x``: 0 or
    more, up to all victims)."""
    routes = route_numbers(selection, RULE)
    assert routes is not None
    everyone = routes.low.table.frame[routes.low.table.total_label][-1]
    assert isinstance(everyone, int)
    numbers = yearly_numbers(selection, RULE, by=by)
    assert numbers.per_year is not None
    shown = numbers.per_year.low.display()[VICTIMS].to_list()
    cells, total = shown[:-1], shown[-1]

    def values(text: str) -> range:
        if text == RULE.label:
            return range(1, RULE.threshold)
        if text == "x":
            return range(everyone + 1)
        return range(int(text), int(text) + 1)

    totals = {sum(v) for v in itertools.product(*(values(c) for c in cells))}
    if total not in (RULE.label, "x"):
        totals &= {int(total)}
    return {everyone - t for t in totals if everyone - t >= 0}


@pytest.mark.parametrize("by", [None, "form", "sex"])
def test_attack_all_victims_less_the_yearly_total_gives_the_band_dated_back(by) -> None:
    """52 victims of 2014–2020, 25 of 2019, 25 of 2020 and 2 dated only by 2014-2018."""
    selection = _selection({2019: 25, 2020: 25}, banded=2)
    readings = _readings(selection, by)
    assert 2 in readings and len(readings) > 1, readings


def test_the_yearly_table_is_shown_whole_beside_many_band_dated_victims() -> None:
    """9 dated only by a band: their count is no small one, and the yearly table withholds nothing."""
    numbers = yearly_numbers(_selection({2019: 25, 2020: 25}, banded=9), RULE, by="form")
    assert numbers.per_year is not None
    assert numbers.per_year.low.display()[VICTIMS].to_list() == ["25", "25", "50"]


def test_attack_perturbed_totals_read_as_exact_give_the_band_dated_back() -> None:
    """Records protected by cell key: the two totals' lines are protected on their true counts, as exact counts
    are (a reader who takes them as exact is right whenever their perturbations are 0)."""
    selection = _selection({2019: 25, 2020: 25}, banded=2, keyed=True)
    numbers = yearly_numbers(selection, RULE, by="form")
    assert numbers.per_year is not None
    total = numbers.per_year.low.display()[VICTIMS].to_list()[-1]
    assert total in ("x", RULE.label), total


def test_attack_the_table_by_form_gives_the_withheld_yearly_total_back() -> None:
    """2019: 20 victims with forced labour, the only form held, and 5 without a form recorded; 2020: 25 with
    forced labour; 2 dated only by 2014-2018. Beside the yearly table's withheld 2019 and total, the table by
    form gave 2019 back (20 + 5: each victim with a form has forced labour alone), so the total (50) and the 2."""
    selection = _selection({2019: 25, 2020: 25}, banded=2)
    table = selection.loaded
    assert table is not None
    data = table.data.with_columns(
        exploitation_forced_labour=pl.when(pl.int_range(pl.len()) < 5).then(None).otherwise(True),
        exploitation_sexual=pl.when(pl.int_range(pl.len()) < 5).then(None).otherwise(False),
    )
    selection = Selection(
        LoadedTable(data, table.provenance, rows_in=table.rows_in), country="THA", role="destination",
        years=(2014, 2020),
    )  # fmt: skip
    numbers = yearly_numbers(selection, RULE, by="form")
    assert numbers.by_category is not None and numbers.per_year is not None
    shown = numbers.by_category.low.display()
    first = dict(zip(shown.columns, shown.row(0), strict=True))
    assert first["year"] == "2019" and first["Not recorded"] == "5", first
    readable = first["Forced labour"] not in ("x", RULE.label) and first["Sexual exploitation"] == "0"
    assert not readable or numbers.per_year.low.display()[VICTIMS].to_list()[0] not in ("x", RULE.label)
    assert not readable, first


def test_attack_the_brief_s_key_figures_less_its_yearly_total_give_the_band_dated_back() -> None:
    """A brief of Thailand as destination, 2014–2020: 6 victims of 2014, 25 of 2019, 25 of 2020 and 2 dated only
    by 2014-2018, which its years hold. Its key figures give all 58 victims; its yearly table gave 56."""
    from evidence.notebooks import country

    table = _selection({2014: 6, 2019: 25, 2020: 25}, banded=2).loaded
    assert table is not None
    brief = country.open_brief([table], RULE, country="THA", role="destination", years=(2014, 2020))
    routes = brief.routes(table)
    assert routes is not None
    figures = dict(routes.key_figures().iter_rows())
    assert figures["Identified victims"] == "58"
    per_year = brief.yearly(table).per_year
    assert per_year is not None
    assert per_year.low.display()[VICTIMS].to_list()[-1] in ("x", RULE.label)
