"""The case table's denominator rule, held on every table: a group with a true flag is known (its empty flags
false), a group without one unknown (every flag empty)."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from evidence.sources.case_schema import FLAG_GROUPS, apply_denominator_rule

_GROUPS = {name: flags[:3] for name, flags in list(FLAG_GROUPS.items())[:3]}
_COLUMNS = [c for flags in _GROUPS.values() for c in flags]


@given(
    st.lists(st.lists(st.none() | st.booleans(), min_size=len(_COLUMNS), max_size=len(_COLUMNS)), max_size=6),
    st.sets(st.sampled_from(_COLUMNS)),
)
def test_each_group_is_known_by_a_true_flag_and_unknown_without_one(rows, absent) -> None:
    """Row by row: a group with a flag true has its other flags false (never empty); a group without one has every
    flag empty (zeros without a one say nothing); a flag the table lacks stays absent; other columns untouched."""
    present = [c for c in _COLUMNS if c not in absent]
    table = pl.DataFrame(
        [[row[_COLUMNS.index(c)] for c in present] + [i] for i, row in enumerate(rows)],
        schema={**{c: pl.Boolean for c in present}, "other": pl.Int64},
        orient="row",
    )
    ruled = apply_denominator_rule(table, _GROUPS)
    assert ruled.columns == table.columns and ruled["other"].to_list() == table["other"].to_list()
    for before, after in zip(table.iter_rows(named=True), ruled.iter_rows(named=True), strict=True):
        for flags in _GROUPS.values():
            flags = [c for c in flags if c in present]
            known = any(before[c] for c in flags)
            assert [after[c] for c in flags] == [bool(before[c]) if known else None for c in flags]
