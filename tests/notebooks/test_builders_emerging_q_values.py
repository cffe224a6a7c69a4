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
    labels = set(emerging.select("origin_iso3", "destination_iso3", "reason", "later_period").iter_rows())
    tables = [o["application/vnd.evidence.table+json"] for o in shown if isinstance(o, dict)]
    if not tables:  # a sentence instead ("No corridor grows significantly ..."): what the words say
        return [[str(getattr(o, "data", o)) for o in shown]], labels
    assert len(tables) == 1, shown
    table = tables[0]
    return [[str(table.get("caption"))], *table["rows"], [str(table["notes"])]], labels


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
    years = _small_years(grid, corridor, rule)[
        :4
    ]  # the first four: a demo corridor has a dozen (seconds each)
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


@pytest.mark.slow
@pytest.mark.parametrize(
    ("country", "threshold", "corridor"),
    [
        # its q-value is the one printed beside Afghanistan → Türkiye; its years of 6 (2018) and 5 (2021) withheld
        ("TUR", 11, ("IDN", "TUR")),
        # its total withheld by the route table, its year of 5 (2020); its q-value printed beside the UK's
        ("CMR", 11, ("CMR", "FIN")),
        # listed among Türkiye's, its statistics withheld: 9 victims in 2021, its other years <5 or 0
        ("TUR", 11, ("IRN", "TUR")),
        # not listed: a year of 1 or 2 left it untested, a larger one tested, and m moved every q-value printed
        ("AGO", 11, ("AGO", "NAM")),
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


@pytest.mark.slow
@pytest.mark.parametrize(
    ("country", "threshold", "corridor"),
    [
        # Thailand → Thailand's q-value is Thailand → Israel's adjusted p-value (printed <0.0001), and the ten
        # corridors listed moved with Israel's years of 1 and 2 victims
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


def _growing(rows: list[tuple[str, float, float, float, float, int]]) -> pl.DataFrame:
    """Growing corridors into Thailand as the analysis gives them: origin, p-value, q-value, its bounds over the
    withheld corridors' p-values, the smallest year counted exactly."""
    return pl.DataFrame(
        {
            "origin_iso3": [r[0] for r in rows],
            "destination_iso3": ["THA"] * len(rows),
            "reason": ["growth"] * len(rows),
            "later_period": ["2019-2021"] * len(rows),
            "rate_ratio": [1.5] * len(rows),
            "ci_low": [1.1] * len(rows),
            "ci_high": [2.0] * len(rows),
            "p_value": [r[1] for r in rows],
            "q_value": [r[2] for r in rows],
            "q_low": [r[3] for r in rows],
            "q_high": [r[4] for r in rows],
            "smallest_exact": [r[5] for r in rows],
        }
    )


def test_a_q_value_a_withheld_p_value_could_move_prints_as_its_bound() -> None:
    from evidence.notebooks.builders import emerging_view, q_value_bounded

    view = emerging_view(
        _growing(
            [
                ("MMR", 0.0001, 0.0012, 0.0012, 0.0012, 20),  # reads the same at both bounds: itself
                ("KHM", 0.0004, 0.0020, 0.0008, 0.0031, 20),  # "≤" the greatest it can be
                ("VNM", 0.0100, 0.0450, 0.0300, 0.1800, 20),  # growing says less than 0.05: that
                ("LAO", 0.0002, 0.0020, None, None, 2),  # withheld
            ]
        ),
        rule=DisclosureRule(5),
    )
    assert view["q-value"].to_list() == ["0.0012", "≤ 0.0031", "<0.0500", "x"]
    assert [q_value_bounded(q) for q in view["q-value"]] == [False, True, True, False]


def test_printed_corridors_are_in_the_order_of_their_own_p_values() -> None:
    """Cambodia's and Myanmar's q-values tie (a withheld corridor's p-value · m / rank: untied, Myanmar's would
    come first); the analysis sorts ties by the later victims. The order printed is the p-values': it does not
    say whether they tie."""
    from evidence.notebooks.builders import emerging_view

    tied = _growing([("KHM", 0.002, 0.004, 0.001, 0.005, 20), ("MMR", 0.001, 0.004, 0.001, 0.005, 20)])
    assert emerging_view(tied)["Route (origin → destination)"].to_list() == [
        "Myanmar → Thailand",
        "Cambodia → Thailand",
    ]


def test_top_fills_with_withheld_corridors_by_name_never_by_their_q_values() -> None:
    from evidence.notebooks.builders import emerging_view

    rows = [
        ("VNM", 0.00001, 0.0001, None, None, 2),  # the lowest q-value: withheld, its place not told
        ("MMR", 0.001, 0.004, 0.004, 0.004, 20),
        ("KHM", 0.002, 0.006, 0.006, 0.006, 20),
        ("LAO", 0.003, 0.010, None, None, 3),
        ("CHN", 0.004, 0.011, None, None, 1),
    ]
    routes = emerging_view(_growing(rows), top=3)["Route (origin → destination)"].to_list()
    assert routes == ["Myanmar → Thailand", "Cambodia → Thailand", "China → Thailand"]
    assert emerging_view(_growing(rows), top=2)["Route (origin → destination)"].to_list() == routes[:2]


@pytest.mark.parametrize(
    ("printed", "emerging", "listed", "caption"),
    [
        (5, 5, 5, ""),
        (8, 8, 3, " (the 3 with the lowest q-values of 8)"),
        (
            17,
            41,
            10,
            (
                " (the 10 with the lowest q-values of the 17 whose statistics are published; the 24 whose "
                "statistics are withheld are not listed)"
            ),
        ),
        (
            1,
            11,
            10,
            " (the 1 whose statistics are published and 9 of the 10 whose statistics are withheld, by name)",
        ),
        (0, 12, 10, " (10 of the 12, whose statistics are withheld, by name)"),
    ],
)
def test_the_caption_says_which_corridors_are_listed(printed, emerging, listed, caption) -> None:
    from evidence.notebooks.views import _emerging_listed

    assert _emerging_listed(printed, emerging, listed) == caption


@pytest.mark.parametrize(
    ("country", "q_value", "below"),
    [
        # Afghanistan → Türkiye: 0.0020 was Indonesia → Türkiye's; Iraq → United Kingdom's bound is above 0.05
        ("TUR", "≤ 0.0125", False),
        ("IRQ", "<0.0500", True),
    ],
)
def test_real_unodc_a_bounded_q_value_is_explained_under_the_table(
    shared_data, monkeypatch, country, q_value, below
):
    from evidence.notebooks.builders import route_numbers
    from evidence.sources.cache import load_cached

    glotip = load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    selection = Selection(glotip, country=country, role="both")
    rule = DisclosureRule(11)
    numbers = route_numbers(selection, rule, top_n=TOP, regional_level="region")
    table, _ = _published(selection, rule, numbers, monkeypatch)
    assert q_value in [row[5] for row in table[1:-1]]
    (notes,) = table[-1]
    assert "≤: the greatest the corridor's q-value can be" in notes
    assert ("<0.0500 where that is less" in notes) == below
