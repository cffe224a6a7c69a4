"""The linked audit (:func:`~evidence.presentation.disclosure.linked_exposures`) against a reader of a table
with margins where many cells are published zeros, and a withheld cell sits beside them.

What the reader knows of each cell: a published count is its value (a zero too); a ``<5`` is 1 to 4; an ``x``
is a complement. No protection of the toolkit withholds a zero (zeros are safe: a complement is chosen among
the positive counts shown, :func:`~evidence.presentation.disclosure._best_complement` and ``_linked_candidates``),
so an ``x`` among zeros is no 0: it was a count that could be shown, at least the threshold. The reader is
SciPy's MILP (whole numbers), not the toolkit's programme.

The audit reads an ``x`` from the threshold (from its true count where that is smaller: a count shown only as a
share, or by a label of one value), never from 0 as a count shown nowhere is read
(:meth:`~evidence.presentation.disclosure.LinkedCounts._bound`), and so is at least as strong as this reader:
every small count the reader pins, it reports. Nothing to change; the test fails for an audit that reads an
``x`` from 0 (seen failing so: a column of zeros beside two rows of ``<5 | <5`` (3 and 2), the second row's
total 5 ``x``: at least 5 for the reader, it pinned the column of 2s at 4, which the audit reading it from 0
did not see).
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from evidence.presentation.disclosure import DisclosureRule, LinkedCounts, linked_exposures

RULE = DisclosureRule(5)


def _system(grid: list[list[int]], withheld: list[list[bool]]) -> tuple[LinkedCounts, dict, dict]:
    """A table with margins as a linked system: each cell published, withheld as small (1 to 4) or as a
    complement (``withheld``, at least the threshold); zeros published. Returns the system, the true values and
    each quantity's status."""
    rows, cols = len(grid), len(grid[0])
    values: dict = {}
    for r in range(rows):
        for c in range(cols):
            values[("cell", r, c)] = grid[r][c]
        values[("row", r)] = sum(grid[r])
    for c in range(cols):
        values[("col", c)] = sum(grid[r][c] for r in range(rows))
    values["total"] = sum(map(sum, grid))
    status: dict = {}
    for name, value in values.items():
        flag = withheld[name[1]][name[2]] if name[0] == "cell" else False
        if name[0] == "row":
            flag = withheld[name[1]][-1]
        elif name[0] == "col":
            flag = withheld[-1][name[1]]
        elif name == "total":
            flag = withheld[-1][-1]
        if value == 0:
            status[name] = None
        elif RULE.is_small(value):
            status[name] = "small"
        else:
            status[name] = "complement" if flag else None
    system = LinkedCounts()
    for name, value in values.items():
        system.publish(name, value, status[name])
    for r in range(rows):
        system.equalities.append({**{("cell", r, c): 1.0 for c in range(cols)}, ("row", r): -1.0})
    for c in range(cols):
        system.equalities.append({**{("cell", r, c): 1.0 for r in range(rows)}, ("col", c): -1.0})
    system.equalities.append({**{("row", r): 1.0 for r in range(rows)}, "total": -1.0})
    return system, values, status


def _pinned_by_reader(values: dict, status: dict, equalities: list[dict]) -> set:
    """The small counts withheld that only one whole value fits, for the reader of the module docstring."""
    from _scipy_highs import integer_ends
    from scipy.optimize import Bounds, LinearConstraint

    names = list(values)
    index = {n: i for i, n in enumerate(names)}
    ceiling = 10 * (1 + max(values.values()))
    low, high = [], []
    for name in names:
        s, v = status[name], values[name]
        if s is None:
            low.append(v), high.append(v)
        elif s == "small":
            low.append(1), high.append(RULE.threshold - 1)
        else:
            low.append(RULE.threshold), high.append(ceiling)
    matrix = np.zeros((len(equalities), len(names)))
    for k, line in enumerate(equalities):
        for name, coefficient in line.items():
            matrix[k, index[name]] += coefficient
    constraints = LinearConstraint(matrix, 0, 0)
    pinned = set()
    for name in names:
        if status[name] is None or not RULE.is_small(values[name]):
            continue
        objective = np.zeros(len(names))
        objective[index[name]] = 1.0
        least, greatest = integer_ends(objective, constraints, Bounds(low, high))
        if least == greatest:
            pinned.add(name)
    return pinned


cells = st.one_of(st.just(0), st.just(0), st.integers(1, 4), st.integers(5, 12))


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(2, 3).flatmap(
        lambda rows: st.integers(2, 3).flatmap(
            lambda cols: st.tuples(
                st.lists(st.lists(cells, min_size=cols, max_size=cols), min_size=rows, max_size=rows),
                st.lists(
                    st.lists(st.booleans(), min_size=cols + 1, max_size=cols + 1),
                    min_size=rows + 1,
                    max_size=rows + 1,
                ),
            )
        )
    )
)
@example(([[0, 0, 3], [0, 0, 9]], [[False] * 4, [False, False, True, False], [False] * 4]))
@example(
    (
        [[0, 0, 0], [0, 3, 2], [0, 3, 2]],
        [[False] * 4, [False] * 4, [False, False, False, True], [False, False, False, True]],
    )
)
def test_the_audit_pins_whatever_a_reader_of_zeros_and_labels_pins(table) -> None:
    grid, withheld = table
    system, values, status = _system(grid, withheld)
    reader = _pinned_by_reader(values, status, system.equalities)
    assert reader <= set(linked_exposures(system, RULE)), (grid, status)
