"""Review of the linked programmes' speed-ups (pin28): the primal simplex started from the last basis, the
targets asked one by one when few (:data:`_FEW_TARGETS`), and :func:`with_series` by clone. Only how the
answers are found changed, not which: the counts withheld are those of the dual simplex asking every group of
more than two targets together, on random linked tables (margins, a second breakdown of the total, shares,
derived counts and bounds), whose audits have from two targets to sixteen (both sides of eight)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from evidence.presentation import disclosure
from evidence.presentation.disclosure import DisclosureRule, LinkedCounts, linked_exposures, protect_linked

RULE = DisclosureRule(5)
#: HiGHS's own simplex strategy (dual), which the programmes used before
_DUAL_SIMPLEX = 1


def _system(seed: int) -> LinkedCounts:
    """A random table of R × C counts with its margins and total, a second breakdown of the total, and at
    random a share of a cell, a derived count (a row less a cell) and a bound (a cell at most a column)."""
    rng = np.random.default_rng(seed)
    rows, columns = int(rng.integers(2, 7)), int(rng.integers(2, 8))
    values = [0, 1, 2, 3, 4, 6, 9, 15, 30]
    cells = rng.choice(values, size=(rows, columns), p=[0.1, 0.15, 0.1, 0.1, 0.1, 0.1, 0.1, 0.15, 0.1])
    total = int(cells.sum())

    def reason(value: int) -> str | None:
        return "small" if 0 < value < 5 else None

    system = LinkedCounts()
    system.publish("total", total, None)
    for i in range(rows):
        system.publish(("row", i), int(cells[i].sum()), reason(int(cells[i].sum())))
        system.equalities.append({**{("cell", i, j): 1.0 for j in range(columns)}, ("row", i): -1.0})
    for j in range(columns):
        system.publish(("column", j), int(cells[:, j].sum()), reason(int(cells[:, j].sum())))
        system.equalities.append({**{("cell", i, j): 1.0 for i in range(rows)}, ("column", j): -1.0})
    system.equalities.append({**{("row", i): 1.0 for i in range(rows)}, "total": -1.0})
    for i in range(rows):
        for j in range(columns):
            system.publish(("cell", i, j), int(cells[i, j]), reason(int(cells[i, j])))
    if rng.random() < 0.5:
        parts = rng.multinomial(total, np.ones(3) / 3)
        for k, part in enumerate(parts):
            system.publish(("part", k), int(part), reason(int(part)))
        system.equalities.append({**{("part", k): 1.0 for k in range(3)}, "total": -1.0})
    if rng.random() < 0.3 and total:
        system.share("shared", int(cells[0, 0]), "total", round(int(cells[0, 0]) / total, 2), 0.005)
        system.equalities.append({"shared": 1.0, ("cell", 0, 0): -1.0})
    if rng.random() < 0.5:
        system.derived["row less cell"] = {("row", 0): 1.0, ("cell", 0, 0): -1.0}
    if rng.random() < 0.4:
        system.at_most.append({("cell", 1, 0): 1.0, ("column", 0): -1.0})
    return system


def _protected(seed: int) -> tuple[object, list[str]]:
    system = _system(seed)
    try:
        added = protect_linked(system, RULE)
    except disclosure.DisclosureError as error:
        return ("raised", str(error)), []
    return sorted(map(str, added.items())), sorted(map(str, linked_exposures(system, RULE)))


@pytest.mark.parametrize("seed", range(0, 40, 4))
def test_the_counts_withheld_are_those_of_the_dual_simplex_asking_targets_together(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = _protected(seed)
    monkeypatch.setattr(disclosure, "_PRIMAL_SIMPLEX", _DUAL_SIMPLEX)
    monkeypatch.setattr(disclosure, "_FEW_TARGETS", 2)
    assert _protected(seed) == now
    assert now[1] == []  # nothing exposed once protected


def test_with_series_leaves_the_frame_it_was_given_as_it_was() -> None:
    frame = pl.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    before = frame.clone()
    out = disclosure.with_series(
        frame, [pl.Series("a", [None, 2, 3]), pl.Series("c", [1.0, 2.0, 3.0]), pl.Series("b", [1, 2, 3])]
    )
    assert frame.equals(before) and frame.schema == before.schema
    assert out.columns == ["a", "b", "c"]
    assert out["a"].to_list() == [None, 2, 3] and out["b"].dtype == pl.Int64
    assert out.equals(
        frame.with_columns(
            pl.Series("a", [None, 2, 3]), pl.Series("b", [1, 2, 3]), pl.Series("c", [1.0, 2.0, 3.0])
        )
    )
