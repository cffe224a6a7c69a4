"""The place of a growing corridor whose statistics are withheld says nothing of its q-value.

Growing and new corridors are listed by q-value (:func:`evidence.analyses.routes.emerging_routes`). A corridor
whose rate ratio, interval and q-value are withheld (``x``: a year of few victims, a total the route table
withholds, records protected by cell key) kept its place among the published ones, between two printed
q-values: listed between 0.0010 and 0.0300 its q-value was between them, and beside a tie ("<0.0001" above and
below, as the Benjamini–Hochberg step-up often gives) pinned. Withheld rows are listed after the published
ones, by name, as a route table lists a withheld corridor.
"""

from __future__ import annotations

import polars as pl
import pytest

from evidence.notebooks.builders import emerging_view
from evidence.presentation.disclosure import DisclosureRule

RULE = DisclosureRule(5)


def _emerging(q_withheld: float, q_published: tuple[float, float]) -> pl.DataFrame:
    """Three growing corridors into Thailand sorted by q-value as the analysis sorts them: Myanmar and Cambodia
    published (every year at least 20 victims), Lao PDR withheld (a year of 2 victims)."""
    rows = [
        ("MMR", 2.1, q_published[0], 20),
        ("KHM", 1.4, q_published[1], 25),
        ("LAO", 3.0, q_withheld, 2),
    ]
    return pl.DataFrame(
        {
            "origin_iso3": [r[0] for r in rows],
            "destination_iso3": ["THA"] * 3,
            "reason": ["growth"] * 3,
            "later_period": ["2019-2021"] * 3,
            "rate_ratio": [r[1] for r in rows],
            "ci_low": [r[1] / 2 for r in rows],
            "ci_high": [r[1] * 2 for r in rows],
            "q_value": [r[2] for r in rows],
            "smallest_exact": [r[3] for r in rows],
        }
    ).sort("q_value", maintain_order=True)


@pytest.mark.parametrize(
    ("published", "withheld"),
    [((0.001, 0.03), (0.0005, 0.002, 0.04)), ((0.00001, 0.00002), (0.000001, 0.000015, 0.00003))],
)
def test_attack_a_withheld_corridor_s_place_bounds_its_q_value(published, withheld) -> None:
    """Its q-value before, between and after the published ones' (0.001 and 0.03; or all three under 0.0001,
    printed "<0.0001", where the place between two of them pinned it): the same published table."""
    views = [emerging_view(_emerging(q, published), rule=RULE) for q in withheld]
    assert views[0]["q-value"].to_list().count("x") == 1
    assert all(view.equals(views[0]) for view in views[1:]), views


def test_published_corridors_stay_in_q_value_order() -> None:
    view = emerging_view(_emerging(0.002, (0.001, 0.03)), rule=RULE)
    assert view["Route (origin → destination)"].to_list() == [
        "Myanmar → Thailand",
        "Cambodia → Thailand",
        "Lao PDR → Thailand",
    ]
    assert view["q-value"].to_list() == ["0.0010", "0.0300", "x"]
