"""How a protected table reads in a notebook: only what it publishes, never a withheld count or a cell key."""

from __future__ import annotations

import re

import polars as pl

from evidence.presentation.disclosure import (
    DEFAULT_NOISE,
    DisclosedTable,
    assert_no_small_counts,
    suppress_counts,
    suppress_table,
)

HOSTILE = "<script>alert(1)</script>"


#: 3 is small; the complements withheld beside it are distinctive numbers, easy to look for
COUNTS = {"country": ["THA", HOSTILE, "KHM"], "male": [3, 7919, 4111], "female": [6007, 5003, 9001]}


def _table() -> DisclosedTable:
    return suppress_table(pl.DataFrame(COUNTS), "country", ["male", "female"])


def _withheld(table: DisclosedTable) -> set[int]:
    """The exact counts of the cells the table withholds as complements (all of them 4 digits)."""
    found = {
        COUNTS[c][i] for c in ("male", "female") for i, why in enumerate(table.reasons[c].head(3)) if why
    }
    assert len(found) >= 2 and all(n >= 1000 for n in found - {3})
    return found - {3}


def _numbers(text: str) -> set[int]:
    return {int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", text)}


def test_a_protected_table_shows_its_cells_as_published_never_what_it_withholds():
    """The researcher session: the dataclass's repr printed ``frame``, ``known`` and their dtypes, a wall."""
    table = _table()
    shown = repr(table)
    assert shown.startswith("<DisclosedTable: 3 rows × 2 count columns (male, female) with totals, protected")
    assert (
        f"withheld: {table.n_suppressed} cells: 1 small (<5), {table.n_secondary} complementary (x" in shown
    )
    published = table.display()
    for row in published.rows():
        assert re.search(r"\s+".join(re.escape(cell) for cell in row), shown), row  # each row, aligned
    assert published.row(0)[1] == "<5"
    assert not _withheld(table) & _numbers(shown)  # the complements withheld are nowhere
    assert_no_small_counts(shown.split("published:")[1], what="the cells the repr of a protected table shows")
    assert "shape:" not in shown and "_suppressed" not in shown and "Int64" not in shown


def test_a_protected_table_in_html_is_escaped_and_passes_the_scan():
    table = _table()
    html = table._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<caption style="text-align:left"><b>DisclosedTable</b>' in html
    assert 'data-kind="people"' in html and "&lt;5" in html  # counts marked for the disclosure scan
    assert not _withheld(table) & _numbers(re.sub(r"<[^>]+>", " ", html))
    cells = html.split("</table>", 1)[
        1
    ]  # the published cells, after the overview (which counts rows and cells)
    assert cells.startswith('<table class="evidence-table"')
    assert_no_small_counts(cells, what="the cells the repr of a protected table shows")


def test_a_perturbed_table_shows_its_perturbed_counts_never_the_exact_ones_nor_their_keys():
    counts = pl.DataFrame({"year": [2019, 2020, 2021], "count": [3, 1201, 4507]})
    keys = [3141592653, 2**32 - 4_000_000, 4_000_000]  # keys in the tails: perturbations other than 0
    moves = DEFAULT_NOISE.perturbations(keys)
    assert moves[1] and moves[2]  # both counts moved, so that an exact one would show
    table = suppress_counts(counts, "count", cell_keys=pl.DataFrame({"count": keys}))
    for shown in (repr(table), table._repr_html_()):
        assert f"{1201 + moves[1]:,}" in shown and f"{4507 + moves[2]:,}" in shown
        assert "1,201" not in shown and "4,507" not in shown
        assert not any(str(k) in shown for k in keys)
        assert "cell key method" in shown


def test_a_table_that_kept_cell_keys_among_its_keys_shows_neither_them_nor_its_exact_counts():
    """A frame of counts with their ``cell_key`` column given to suppress_counts without ``cell_keys``: the
    keys became a key column and the counts were not perturbed. Now the counts are perturbed by the keys the
    frame carries, and no key is kept, nor shown."""
    counts = pl.DataFrame({"year": [2019, 2020], "count": [1201, 4507], "cell_key": [3141592653, 2718281828]})
    table = suppress_counts(counts, "count")
    assert table.perturbed and "cell_key" not in table.frame.columns
    for shown in (repr(table), table._repr_html_()):
        assert "3141592653" not in shown and "2718281828" not in shown and "cell_key" not in shown


def test_a_long_table_shows_its_first_rows_and_its_totals():
    frame = pl.DataFrame({"year": list(range(2000, 2030)), "count": [100 + i for i in range(30)]})
    table = suppress_table(frame, "year", ["count"])
    shown = repr(table)
    assert "2009" in shown and "2010" not in shown and "20 more rows: .display()" in shown
    assert "Total" in shown and f"{sum(100 + i for i in range(30)):,}" in shown
    html = table._repr_html_()
    assert html.count('<tr class="total"') == 1 and "2010" not in html
    assert len(shown) < 1500
