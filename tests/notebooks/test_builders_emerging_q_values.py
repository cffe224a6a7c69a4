"""A printed q-value gives nothing of a withheld corridor's counts back (bh32).

The Benjamini–Hochberg step-up makes a corridor's q-value the least of ``p_(j) · m / j`` over the corridors
ranked at or after it: a printed q-value can be a withheld corridor's adjusted p-value (the real workbook at
threshold 11: Afghanistan → Türkiye's 0.0020 is Indonesia → Türkiye's, whose years of 6 and 5 victims the table
withholds; Cameroon → United Kingdom's 0.0121 is Cameroon → Finland's, ``x`` beside it), and even a corridor's
own ``p · m / rank`` moves with the rank a withheld corridor's p-value gives it. A p-value is a function of the
corridor's counts: the attacker below tries every count the rule lets a withheld year be (1 to threshold − 1)
and keeps those that give back the published table; every one must.
"""

from __future__ import annotations

import polars as pl
import pytest

from evidence.analyses.selection import Selection
from evidence.presentation.disclosure import DisclosureRule

TOP = 10


def _published(selection, rule, numbers, monkeypatch, grid=None) -> tuple[list[list[str]], set[tuple]]:
    """The growing and new corridors' table as the routes notebook shows it (caption, rows and note), and what
    calling them growing or new says of every one of them (listed or not: corridor, reason, period); ``grid``
    stands in for the corridors' yearly counts (:func:`evidence.analyses.routes._corridor_grid`)."""
    import IPython.display

    from evidence.analyses import routes
    from evidence.notebooks.views import show_emerging

    if grid is not None:
        monkeypatch.setattr(routes, "_corridor_grid", lambda _selection: grid)
    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    try:
        show_emerging(selection, rule, top=TOP, numbers=numbers, regional_level="region")
        emerging = routes.emerging_routes(selection, min_victims=max(5, rule.threshold))
    finally:
        monkeypatch.undo()
    tables = [o["application/vnd.evidence.table+json"] for o in shown if isinstance(o, dict)]
    assert len(tables) == 1, shown
    table = tables[0]
    labels = set(emerging.select("origin_iso3", "destination_iso3", "reason", "later_period").iter_rows())
    return [[str(table.get("caption"))], *table["rows"], [str(table.get("note"))]], labels


def _small_years(grid: pl.DataFrame, corridor: tuple[str, str], rule: DisclosureRule) -> list[int]:
    """The years of a corridor counted exactly below the rule's threshold (what its ``x`` protects)."""
    rows = grid.filter(
        (pl.col("origin_iso3") == corridor[0])
        & (pl.col("destination_iso3") == corridor[1])
        & pl.col("known")
        & pl.col("victims").is_not_null()
    )
    return [y for y, v in rows.select("year", "victims").iter_rows() if rule.is_small(v) and v > 0]


def _narrowed_by_the_table(selection, rule, corridor, monkeypatch) -> dict[int, set[int]]:
    """For each year of ``corridor`` counted exactly below the threshold, the counts (of 1 to threshold − 1,
    its other years as they are) that call every corridor growing or new as the true counts do, but give
    another table: counts the table rules out beyond what its words growing and new do (empty: none)."""
    from evidence.analyses import routes
    from evidence.notebooks.builders import route_numbers

    numbers = route_numbers(selection, rule, top_n=TOP, regional_level="region")
    grid = routes._corridor_grid(selection)
    truth, labels = _published(selection, rule, numbers, monkeypatch)
    years = _small_years(grid, corridor, rule)
    assert years, f"{corridor}: no year below the threshold"
    ruled_out: dict[int, set[int]] = {}
    tried = 0
    for year in years:
        cell = (
            (pl.col("origin_iso3") == corridor[0])
            & (pl.col("destination_iso3") == corridor[1])
            & (pl.col("year") == year)
        )
        for count in range(1, rule.threshold):
            candidate = grid.with_columns(
                pl.when(cell).then(pl.lit(count, pl.Int64)).otherwise(pl.col(c)).alias(c)
                for c in ("victims", "victims_low", "victims_high")
            )
            table, said = _published(selection, rule, numbers, monkeypatch, candidate)
            if said != labels:
                continue  # the words growing and new tell these counts apart: not the q-values' doing
            tried += 1
            if table != truth:
                ruled_out.setdefault(year, set()).add(count)
    assert tried > len(years)  # the attack tried counts besides the true ones
    return ruled_out


@pytest.mark.parametrize(
    ("country", "threshold", "corridor"),
    [
        # its q-value is the one printed beside Afghanistan → Türkiye; its years of 6 (2018) and 5 (2021) withheld
        ("TUR", 11, ("IDN", "TUR")),
        # its total withheld by the route table, its year of 5 (2020); its q-value printed beside the UK's
        ("CMR", 11, ("CMR", "FIN")),
        # listed among Türkiye's, its statistics withheld: a year of 7
        ("TUR", 11, ("IRN", "TUR")),
    ],
)
def test_attack_real_unodc_a_withheld_corridor_s_years_are_not_narrowed_by_the_q_values(
    shared_data, monkeypatch, country, threshold, corridor
) -> None:
    from evidence.sources.cache import load_cached

    glotip = load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    rule = DisclosureRule(threshold)
    selection = Selection(glotip, country=country, role="both")
    assert not _narrowed_by_the_table(selection, rule, corridor, monkeypatch)


@pytest.mark.parametrize(
    ("country", "threshold", "corridor"),
    [
        # Thailand → Thailand's printed q-value was Thailand → Israel's adjusted p-value (its years of 1 victim)
        ("THA", 5, ("THA", "ISR")),
        ("THA", 5, ("THA", "DEU")),
        ("THA", 11, ("VNM", "THA")),
        (None, 5, ("THA", "DEU")),
    ],
)
def test_attack_demo_a_withheld_corridor_s_years_are_not_narrowed_by_the_q_values(
    monkeypatch, country, threshold, corridor
) -> None:
    from evidence.sources.cache import load_cached
    from evidence.sources.demo import demo_path

    demo = load_cached(demo_path())
    selection = Selection(demo, country=country, role="both") if country else Selection(demo)
    rule = DisclosureRule(threshold)
    assert not _narrowed_by_the_table(selection, rule, corridor, monkeypatch)
