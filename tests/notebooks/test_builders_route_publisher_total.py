"""The route table of UNODC's ranges shows, as its total, the publisher's cell total of each bound, not the rows'
sum its protection audits: a cell split by its repatriation breakdown has its own interval, its pieces' bounds
add up wider (a ``<5`` part counted 1–4 in one piece and 4–1 in the rest). A reader who knows the publisher's
``<5`` cells knows that gap, so the shown total gives the rows' sum back (Namibia as origin, 2020: 36, its
nationals' 6 split into those repatriated from abroad with no country, 1–4, and the rest, 2–5: 33–39), which the
route table's own protection audits as published. Read so (``publisher_total``) over every country, role, all
years and 2018–2022, thresholds 5 and 11 of the 2023 workbook (377 selections whose shown total is not the rows'
sum), the route table, key figures and region table pin no withheld count but the publisher's own: in 12 of them
the region table's known routes less the rows' sum give the nationals repatriated from abroad with no country
back, where the publisher gives them as its ``<5`` subtotal ``Abroad`` with no country listed (1–4 a year), a
piece the split gives that cell's bounds and no exact part (repat31), so a reader sees it as the publisher's own.
"""

from __future__ import annotations

import _route_reader as reader
import polars as pl
import pytest

from evidence.analyses import routes
from evidence.analyses.selection import Selection
from evidence.presentation.disclosure import DisclosureRule

#: the selections whose publisher's total, read with the gap, and region table pin a bound (of 377)
READ_WITH_THE_REGIONS = [
    pytest.param("NAM", "origin", "2020", 5, id="Namibia-origin-2020-5"),
    pytest.param("NAM", "origin", "2020", 11, id="Namibia-origin-2020-11"),
    pytest.param("AGO", "origin", None, 5, id="Angola-origin-5"),
    pytest.param("AGO", "origin", None, 11, id="Angola-origin-11"),
    pytest.param("NLD", "origin", None, 11, id="Netherlands-origin-11"),
    pytest.param("NLD", "origin", "2018", 11, id="Netherlands-origin-2018-11"),
    pytest.param("NLD", "both", "2018", 11, id="Netherlands-both-2018-11"),
    pytest.param("CRI", "both", "2018", 5, id="Costa-Rica-both-2018-5"),
    pytest.param("CRI", "both", "2021", 5, id="Costa-Rica-both-2021-5"),
    pytest.param("DNK", "both", None, 11, id="Denmark-both-11"),
    pytest.param("FIN", "both", "2019", 11, id="Finland-both-2019-11"),
    pytest.param("DOM", "origin", "2019", 11, id="Dominican-Republic-origin-2019-11"),
]


@pytest.mark.parametrize(("country", "role", "years", "threshold"), READ_WITH_THE_REGIONS)
def test_attack_the_publishers_total_beside_the_region_table_gives_back_only_the_publishers_own(
    real_tables, country: str, role: str, years: str | None, threshold: int
) -> None:
    """What the publisher's total gives back beside the region table is the nationals repatriated from abroad
    with no country stated, and they are, year by year, the publisher's ``<5`` subtotal ``Abroad`` with no
    country of repatriation listed beside it: 1–4 each, public to anyone with the workbook. The split gives
    each such piece that cell's bounds and no exact part (before repat31 its low bound was taken for an exact
    part, and the reader pinned it as a count the toolkit derived): no withheld count that may be small comes
    back, and every withheld bound the reader pins is the publisher's own or at least the threshold."""
    selection = Selection(real_tables[1], country=country, role=role, years=years)
    rule = DisclosureRule(threshold)
    assert reader.pinned(selection, rule, publisher_total=True)[0] == []
    every, _ = reader.pinned(selection, rule, publisher_total=True, every=True)
    numbers = reader.reading(selection, rule).numbers
    assert numbers is not None
    (_, label), *_ = numbers.low.home_rows
    records = routes.flow_records(selection)
    unstated = records.filter(
        pl.col("destination_iso3").is_null() & (pl.col("route_basis") == "repatriation")
    )
    assert set(unstated["origin_iso3"]) == {country}
    assert (unstated["victims_uncensored"] == 0).all()
    k = unstated.height
    # the row of those repatriated from abroad with no country stated comes back as the publisher's own k-4k
    own = {(where[1], value) for where, value in every if where[0][0] == label}
    assert own == {("low", k), ("high", 4 * k)}
    assert all(where[2] or value >= threshold for where, value in every)
    cells = real_tables[1].data.filter(
        (pl.col("iso3") == country)
        & (pl.col("dimension") == "by country of repatriation")
        & (pl.col("sex") == "Total")
        & (pl.col("age") == "Total")
        & pl.col("year").is_in(unstated["year"].to_list())
    )
    abroad = cells.filter(pl.col("category") == "Abroad")
    assert abroad.height == k and abroad["censored"].all()
    listed = cells.filter(pl.col("category_iso3").is_not_null() & (pl.col("category_iso3") != country))
    assert listed.height == 0


#: the selections whose shown totals differ most from the rows' sums (each bound's total less the rows' sum)
WIDEST = [
    pytest.param("COL", "origin", None, id="Colombia-origin"),
    pytest.param("NGA", "both", None, id="Nigeria-both"),
    pytest.param("ROU", "origin", None, id="Romania-origin"),
    pytest.param("MMR", "origin", "2020", id="Myanmar-origin-2020"),
]


@pytest.mark.parametrize("threshold", [5, 11])
@pytest.mark.parametrize(("country", "role", "years"), WIDEST)
def test_the_shown_total_less_the_gap_is_the_rows_sum_the_protection_publishes(
    real_tables, country: str, role: str, years: str | None, threshold: int
) -> None:
    """The shown total is the publisher's cell total; with the gap a reader works out, it is the rows' sum, a
    cell the protection publishes (not withheld), and the reader who reads it so pins nothing."""
    selection = Selection(real_tables[1], country=country, role=role, years=years)
    rule = DisclosureRule(threshold)
    numbers = reader.reading(selection, rule).numbers
    assert numbers is not None and not numbers.exact
    coverage = routes.flow_coverage(selection)
    for side, view in enumerate((numbers.low, numbers.high)):
        label = view.table.total_label
        assert view.counts is not None
        shown, rows = view.table.frame[label][-1], int(view.counts[label][-1])
        assert shown == coverage.total[side] != rows
        assert view.table.reasons[label][-1] is None
    pinned, _ = reader.pinned(selection, rule, publisher_total=True)
    assert pinned == []


def test_the_gap_is_the_publishers_censored_cells_counted_twice(real_tables) -> None:
    """Myanmar as origin, 2020: China's and Malaysia's ``<5`` are routes (1–4 each) and again in the nationals
    repatriated from abroad with no country stated (82 less them, 74–80): 3 each, 6 on each bound."""
    selection = Selection(real_tables[1], country="MMR", role="origin", years="2020")
    numbers = reader.reading(selection, DisclosureRule(11)).numbers
    assert numbers is not None and numbers.low.counts is not None and numbers.high.counts is not None
    label = numbers.low.table.total_label
    assert numbers.table()[label][-1] == "181–184"
    assert (int(numbers.low.counts[label][-1]), int(numbers.high.counts[label][-1])) == (175, 190)


#: the selections whose route and region tables withhold the most cells beside a shown publisher's total (of the
#: 263 at each regional level over every country, role, all years and 2018–2022, thresholds 5 and 11; repat31)
MOST_WITHHELD = [
    pytest.param("GTM", "both", None, id="Guatemala-both"),
    pytest.param("NGA", "both", None, id="Nigeria-both"),
    pytest.param("LVA", "both", None, id="Latvia-both"),
    pytest.param("PAN", "both", None, id="Panama-both"),
]


@pytest.mark.parametrize(("country", "role", "years"), MOST_WITHHELD)
def test_attack_the_publishers_total_beside_the_most_withheld_tables_pins_nothing(
    real_tables, country: str, role: str, years: str | None
) -> None:
    """The region audit beside the route table skips the publisher's cell total rather than modelling it: a
    reader who reads it, with the gap its split cells leave, beside the route table, key figures and region table
    of the selections that withhold the most pins no withheld count that may be small (threshold 11: 16 route
    cells and 6 region cells withheld for Guatemala, 9 and 10 for Latvia). Over the 263 such selections at each
    regional level and the 378 among the 5,949 single-year selections of 2017–2021, it pins nothing either: the
    publisher's total gives nothing the tables withhold, so the audit need not model it."""
    selection = Selection(real_tables[1], country=country, role=role, years=years)
    rule = DisclosureRule(11)
    numbers = reader.reading(selection, rule).numbers
    assert numbers is not None
    label = numbers.low.table.total_label
    assert numbers.low.counts is not None and numbers.high.counts is not None
    rows = (int(numbers.low.counts[label][-1]), int(numbers.high.counts[label][-1]))
    assert routes.flow_coverage(selection).total != rows  # a publisher's total, not the rows' sum
    pinned, shown = reader.pinned(selection, rule, publisher_total=True)
    assert shown and pinned == []
