"""The attacker's side of a role-both brief's "what the sources say" rows of case data.

A brief of a country as origin or destination ("both") shows the yearly table of all its victims (in or
from it) and, in the sources-together table, the victims exploited in the country in one year: a part of
that table's cell of the year. Beside records protected by suppression alone (exact counts: CTDC's
synthetic files, the demo data), the part bounds the cell from below, and its difference from the cell is the
country's nationals exploited abroad that year: neither may give a withheld or small count back.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from evidence.notebooks import country
from evidence.notebooks.builders import VICTIMS
from evidence.presentation.disclosure import DisclosureRule
from evidence.sources.registry import load

RULE = DisclosureRule(5)
_HEADER = (
    "yearOfRegistration,gender,ageBroad,citizenship,CountryOfExploitation,traffickMonths,meansDebtBondageEarnings,"
    "meansThreats,meansAbusePsyPhySex,meansFalsePromises,meansDrugsAlcohol,meansDenyBasicNeeds,"
    "meansExcessiveWorkHours,meansWithholdDocs,isForcedLabour,isSexualExploit,isOtherExploit,"
    "typeOfLabourAgriculture,typeOfLabourConstruction,typeOfLabourDomesticWork,typeOfLabourHospitality,"
    "typeOfSexProstitution,typeOfSexPornography,recruiterRelationIntimatePartner,recruiterRelationFriend,"
    "recruiterRelationFamily,recruiterRelationOther"
)


def _ctdc_synthetic(tmp_path: Path, routes: dict[tuple[int, str, str], int]):
    """A CTDC Global Synthetic file (protected by suppression) of these (year, origin, destination) routes and
    their victims, with Cambodians exploited in Viet Nam in 2024 beside them (another country's records: the
    release runs on past the brief's years, none of which is its probably incomplete last), loaded."""
    columns = _HEADER.count(",") + 1
    lines = [_HEADER]
    for (year, origin, destination), victims in {**routes, (2024, "KHM", "VNM"): 20}.items():
        cells = [str(year), "Man", "30--38", origin, destination] + [""] * (columns - 5)
        lines += [",".join(cells)] * victims
    path = tmp_path / "ctdc_synthetic.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = load(path)
    assert table.protection == "suppression"
    return table


def _brief(table, years):
    return country.open_brief([table], RULE, country="THA", role="both", years=years)


def _case_rows(brief) -> list[country.Magnitude]:
    return [row for row in country.magnitudes(brief) if row.kind == "case"]


def _exact(text: str) -> int | None:
    return int(text.replace(",", "")) if text.replace(",", "").isdigit() else None


def _readings(brief, rows: list[country.Magnitude]) -> dict[int, set[int]]:
    """Each year's victims (in or from the country) as a reader can have them: every assignment of the yearly
    table's cells (``<5``: 1 to 4, ``x``: 5 or more, the total as published) that the sources-together rows
    allow (victims exploited in the country in a year are among the year's victims in or from it, and a row of
    those in or from it is the year's cell)."""
    numbers = brief.yearly(brief.holding("case")[0])
    years = [int(y) for y in numbers.per_year.low.frame["year"].to_list() if str(y).isdigit()]
    cells = {year: country.cell_text(country.published_in_year(numbers, year)) for year in years}
    total = _exact(numbers.per_year.low.display()[VICTIMS].to_list()[-1])
    assert total is not None
    ranges = {
        year: [v]
        if (v := _exact(text)) is not None
        else range(1, RULE.threshold)
        if text.startswith("<")
        else range(RULE.threshold, total + 1)
        for year, text in cells.items()
    }
    readings: dict[int, set[int]] = {year: set() for year in years}
    for values in itertools.product(*ranges.values()):
        by_year = dict(zip(ranges, values, strict=True))
        if sum(values) != total:
            continue
        if any(
            row.year in by_year
            and (value := _exact(row.text)) is not None
            and (by_year[row.year] < value if row.in_country else by_year[row.year] != value)
            for row in rows
        ):
            continue
        for year, value in by_year.items():
            readings[year].add(value)
    return readings


def test_attack_victims_exploited_in_the_country_bound_the_withheld_cell_of_their_year(tmp_path) -> None:
    """Thailand, both, 2019-2020: one Thai national exploited in Malaysia in 2019, ten Burmese in Thailand in
    2020. The yearly table reads 2019 ``<5``, 2020 ``x``, total 11; the sources-together table read "victims
    exploited in Thailand, 2020: 10", so that 2020 held at least 10 and 2019 exactly 1."""
    table = _ctdc_synthetic(tmp_path, {(2019, "THA", "MYS"): 1, (2020, "MMR", "THA"): 10})
    brief = _brief(table, (2019, 2020))
    readings = _readings(brief, _case_rows(brief))
    assert len(readings[2019]) >= 2, readings


def test_attack_victims_exploited_in_the_country_less_their_years_cell_give_the_nationals_abroad(
    tmp_path,
) -> None:
    """Thailand, both, 2020-2021: the yearly table publishes 2021's 12 victims in or from Thailand; a row of
    the 10 of them exploited in Thailand would give the 2 Thai nationals exploited abroad (12 - 10), a small
    count no table shows. The row of all 12 is shown instead: the yearly table's own cell."""
    table = _ctdc_synthetic(
        tmp_path, {(2020, "MMR", "THA"): 20, (2021, "MMR", "THA"): 10, (2021, "THA", "MYS"): 2}
    )
    brief = _brief(table, (2020, 2021))
    rows = _case_rows(brief)
    published = {(row.year, row.in_country): _exact(row.text) for row in rows}
    cell = _exact(country.cell_text(country.published_in_year(brief.yearly(brief.holding("case")[0]), 2021)))
    assert cell == 12
    part = published.get((2021, True))
    assert part is None or part == cell or not RULE.is_small(cell - part), published
    assert published.get((2021, False)) == 12


@pytest.mark.parametrize("abroad", [0, 30])
def test_victims_exploited_in_the_country_are_still_set_against_the_estimate_where_nothing_follows(
    tmp_path, abroad: int
) -> None:
    """No small count follows (all of them exploited in Thailand, or 30 Thai nationals exploited abroad beside
    12 in Thailand, one year): the victims exploited in the country keep their row."""
    routes = {(2021, "MMR", "THA"): 12, (2021, "THA", "MYS"): abroad}
    brief = _brief(_ctdc_synthetic(tmp_path, routes), (2021, 2021))
    shown = [(row.in_country, row.text) for row in _case_rows(brief)]
    assert shown == ([(True, "12")] if not abroad else [(True, "12"), (False, "42")])


def test_a_brief_without_the_row_of_victims_exploited_in_the_country_says_why(tmp_path) -> None:
    """Beside an estimate, the sentences never set against it a row the table left out."""
    from evidence.sources import demo_context

    gsi = load(demo_context.write_demo_context(tmp_path / "context")[1])
    routes = {(2020, "MMR", "THA"): 20, (2021, "MMR", "THA"): 10, (2021, "THA", "MYS"): 2}
    brief = country.open_brief(
        [_ctdc_synthetic(tmp_path, routes), gsi], RULE, country="THA", role="both", years=(2020, 2021)
    )
    rows = country.magnitudes(brief)
    assert not [row for row in rows if row.kind == "case" and row.in_country]
    said = " ".join(country.magnitude_sentences(brief, rows))
    assert "only the victims exploited in Thailand are set against" not in said
    assert "exploited in Thailand are not given apart" in said
