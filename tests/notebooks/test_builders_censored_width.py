"""A publisher's censored cells of another width than UNODC's ``<5``: a release (or an export k-anonymised at
another threshold) that prints small counts as ``<10`` is read as 1 to 9 by the loader, and the tables built of
it read each cell of an exact part ``E`` and ``k`` such cells as ``E + k`` to ``E + 9k``, the width read from
the file, not UNODC's ``E + 4k``. Read as ``<5``, Kuwait's 7 and three ``<10`` (10–34) had a printed part of 2,
and the protection, blind to the width, let the tables beside the route tables give small counts back at
threshold 11 (Kuwait as both: 2018's United Kingdom; Tunisia as origin: 2016's Italy), as they did on the real
workbook before those tables were protected together.

The copy is the real 2023 workbook with its one shared string ``<5`` rewritten as ``<10`` and one cell (Malta's
sexual exploitation of 2006, a cell of its own) as ``<3``, written at test time (never committed)."""

from __future__ import annotations

import polars as pl
import pytest
from _brief_attack import file_censored_high
from _glotip import glotip_censored_as
from test_builders_corridor_totals import _pinned

from evidence.analyses import trends
from evidence.analyses.selection import Selection
from evidence.notebooks.builders import (
    _category_cells,
    _cell_parts,
    _panel_table,
    _row_year_bounds,
    no_breakdown_note,
    yearly_numbers,
)
from evidence.presentation.disclosure import DisclosureRule

#: the sheet row of Malta's sexual exploitation of 2006 (a ``<5`` of its own), published as ``<3`` in the copy
MALTA_2006_ROW = 22820


@pytest.fixture(scope="module")
def lt10(shared_data, tmp_path_factory):
    """The 2023 workbook publishing ``<10`` where UNODC printed ``<5``, and one ``<3``, loaded."""
    from evidence.sources.cache import load_cached

    target = tmp_path_factory.mktemp("lt10") / "data_glotip_lt10.xlsx"
    return load_cached(
        glotip_censored_as(
            shared_data / "unodc/data_glotip_2023-05-30.xlsx", target, "<10", {MALTA_2006_ROW: "<3"}
        )
    )


def test_the_copy_is_read_as_it_is_published(lt10) -> None:
    """Each ``<10`` 1 to 9, the ``<3`` 1 to 2, and Malta's cell of 2006 by form the ``<3``'s bounds."""
    censored = lt10.data.filter(pl.col("censored"))
    assert censored["value_low"].unique().to_list() == [1.0]
    assert censored.group_by("value_high").len().sort("value_high").rows() == [(2.0, 1), (9.0, 23075)]
    by_form = trends.yearly_counts(Selection(lt10, country="MLT", role="destination"), by="form")
    cell = by_form.filter((pl.col("year") == 2006) & (pl.col("form") == "Sexual exploitation"))
    assert cell.select("count_low", "count_high").rows() == [(1, 2)]


def test_a_cell_of_censored_cells_reads_its_printed_part_whatever_their_width(lt10) -> None:
    """Kuwait as both, by destination: 2016's Kuwait is three ``<10`` (3–27, nothing printed exactly) and
    2015's its 7 and three ``<10`` (10–34): read as ``<5`` (``E + k`` to ``E + 4k``) their printed parts were
    0 and 2 (8 "<5" in 24 of spread), not 0 and 7."""
    by_counts = trends.yearly_counts(Selection(lt10, country="KWT", role="both"), by="destination")
    cells = _category_cells(by_counts, "destination")
    assert cells[("2016", "KWT")] == (3, 27, 0)
    assert cells[("2015", "KWT")] == (10, 34, 7)


def test_a_row_of_the_publishers_lt10_bounds_its_year() -> None:
    """A row of a ``<10`` (1 to 9) and 12 printed bounds a year of 13–21 (at least 13, at most 21) read with the
    file's width; read as ``<5`` it bounded nothing (bounds of no ``E + k`` to ``E + 4k``)."""
    rule = DisclosureRule(11)
    rows, years = {"2020": [(1, 9), (12, 12)]}, {"2020": (13, 21)}
    assert _row_year_bounds(rows, years, rule, published=False, censored_high=9) == {"2020": (13, 21)}


def test_a_cell_of_a_printed_count_and_a_narrower_censored_cell_is_read_from_its_printed_part() -> None:
    """A file publishing ``<10`` and, once, ``<3``: a cell of 12 and the ``<3`` is 13–14. Its bounds alone, read
    with the file's widest width (``E + k`` to ``E + 9k``), say an exact 13; the part the counts carry says 12 and
    one censored cell holding at most 2. Without it, UNODC's ``<5`` are read from the bounds as before."""
    assert _cell_parts(13, 14, 12, 9) == (12, 1, 2)
    assert _cell_parts(3, 27, 0, 9) == (0, 3, 27)
    assert _cell_parts(10, 19, None, 4) == (7, 3, 12)


def test_the_placeholder_note_names_the_files_own_label(lt10) -> None:
    """Viet Nam as destination, by form: every category of 2017–2020 published as ``<10`` against several
    hundred victims a year, a placeholder; the note said UNODC gave them "as <5" (the file's one ``<3``, Malta's, is
    no label of Viet Nam's)."""
    numbers = yearly_numbers(Selection(lt10, country="VNM", role="destination"), DisclosureRule(5), by="form")
    note = no_breakdown_note(numbers)
    assert note is not None and "breakdown by form of exploitation as <10," in note, note
    assert "<5" not in note


def test_the_steady_reporters_years_are_read_as_their_pairs_are_published(lt10) -> None:
    """Ukraine's nationals at 11, by destination: the steady reporters' 2013 is ``x`` at both ends, its high bound
    (34) withheld with its low one though its own table prints it; read bound by bound, the table by destination
    took it as printed, and 2011's Netherlands (6) as given back by the other tables whatever it printed."""
    numbers = yearly_numbers(
        Selection(lt10, country="UKR", role="origin"), DisclosureRule(11), by="destination"
    )
    assert numbers.panel is not None and numbers.panel.per_year is not None
    pairs = dict(zip(numbers.panel.per_year.low.frame["year"], numbers.panel.per_year.cells("victims")))
    assert pairs["2013"] == ("x", "x")
    read = _panel_table(numbers.panel)
    assert read is not None
    for year, (_, reasons) in read[0].items():
        for end, reason in zip(pairs[year], reasons, strict=True):
            assert (reason is None) == isinstance(end, int), (year, pairs[year], reasons)


#: selections of the copy whose tables by category, beside the yearly table and the route tables, gave a small
#: count back at threshold 11 while the toolkit read its cells as ``<5``: 2018's 5 of Kuwait → United Kingdom
#: (and the year), 2018's total of New Zealand as destination, 2016's Italy of Tunisia's nationals, 2012's Chile
#: of Chile as destination (and the year), 2013's Peru and United States of Ecuador's nationals, 2008's Hungary
#: of Hungary's nationals
BESIDE_ROUTES = [
    pytest.param("KWT", "both", "destination", id="Kuwait-both-by-destination"),
    pytest.param("KWT", "both", "corridor", id="Kuwait-both-by-corridor"),
    pytest.param("NZL", "destination", "citizenship", id="New-Zealand-destination-by-citizenship"),
    pytest.param("TUN", "origin", "destination", id="Tunisia-origin-by-destination"),
    pytest.param("CHL", "destination", "destination", id="Chile-destination-by-destination"),
    pytest.param("ECU", "origin", "destination", id="Ecuador-origin-by-destination"),
    pytest.param("HUN", "origin", "destination", id="Hungary-origin-by-destination"),
    # 2011's Netherlands, 6: the steady reporters' total row less their years printed and 2013's (``x`` beside a
    # printed high bound, taken as printed; and 2013's Poland, 16, printed here) gave their 2011 back, Ukraine →
    # Netherlands and a ``<10``
    pytest.param("UKR", "origin", "destination", id="Ukraine-origin-by-destination"),
    pytest.param("UKR", "origin", "corridor", id="Ukraine-origin-by-corridor"),
]


@pytest.mark.parametrize(("country", "role", "by"), BESIDE_ROUTES)
def test_attack_the_copys_tables_beside_the_route_tables_pins_no_small_count(
    lt10, country: str, role: str, by: str
) -> None:
    assert file_censored_high(Selection(lt10, country=country, role=role)) == 9
    assert _pinned(lt10, country, role, 11, by) == []
