from __future__ import annotations

import dataclasses

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence.sources.loaded import AccountingError, LoadedTable, issues_frame
from evidence.sources.provenance import Provenance


def _prov() -> Provenance:
    return Provenance(
        source="test",
        layout="t",
        release="1",
        path="x.csv",
        sha256="0" * 64,
        url="",
        licence="",
        citation="Cited (Accessed <date>).",
    )


@given(
    kept=st.integers(0, 50),
    rejected_rows=st.lists(st.integers(2, 500), unique=True, max_size=30),
    extra_problems=st.integers(0, 3),
)
def test_accounting_counts_rejected_rows_not_problems(kept, rejected_rows, extra_problems):
    problems = [{"row": r, "column": "c", "value": "v", "reason": "bad"} for r in rejected_rows]
    problems += [
        {"row": r, "column": "d", "value": "w", "reason": "also bad"} for r in rejected_rows[:extra_problems]
    ]
    loaded = LoadedTable(
        data=pl.DataFrame({"a": list(range(kept))}),
        provenance=_prov(),
        rows_in=kept + len(rejected_rows),
        rejects=issues_frame(problems),
    )
    assert loaded.rows_kept + loaded.rows_rejected == loaded.rows_in


def test_lost_rows_are_a_bug():
    with pytest.raises(AccountingError):
        LoadedTable(data=pl.DataFrame({"a": [1, 2]}), provenance=_prov(), rows_in=3)


def test_a_row_both_kept_and_rejected_is_a_bug_even_when_the_counts_balance():
    # line 3 was lost and line 2 counted twice: 2 = 1 kept + 1 rejected, yet the accounting is wrong
    rejects = issues_frame([{"row": 2, "column": "c", "value": "x", "reason": "bad"}])
    with pytest.raises(AccountingError, match="both kept and rejected"):
        LoadedTable(data=pl.DataFrame({"source_row": [2]}), provenance=_prov(), rows_in=2, rejects=rejects)


def test_summary_has_the_facts_and_the_access_date():
    loaded = LoadedTable(
        data=pl.DataFrame({"a": [1]}),
        provenance=_prov(),
        rows_in=2,
        rejects=issues_frame([{"row": 3, "column": "c", "value": "x", "reason": "bad"}]),
    )
    s = loaded.summary()
    assert (s["rows_in"], s["rows_kept"], s["rows_rejected"]) == (2, 1, 1)
    assert s["reject_reasons"] == {"bad": 1}
    assert "<date>" not in s["citation"]


def test_a_loaded_table_left_as_a_cells_value_shows_what_it_is_not_its_records(real_loaded):
    """The researcher audit: the dataclass's repr printed the records and the whole provenance."""
    table = real_loaded("ctdc/k_anon_sample.csv")
    shown = repr(table)
    assert shown.startswith("<LoadedTable: case table from CTDC k-anonymised")
    assert f"rows: {table.rows_kept:,} of {table.rows_in:,} kept" in shown and "cell_key" in shown
    assert "not disclosure-controlled" in shown and "shape:" not in shown and "sha256" not in shown
    assert len(shown) < 700


def _with_problems() -> LoadedTable:
    reasons = [f"reason {i}: a problem the loader names" for i in range(5)]
    problems = [
        {"row": 10 + i, "column": "age", "value": f"SECRET-VALUE-{i}", "reason": reasons[i % 5] + " " * 0}
        for i in range(9)
    ]
    return LoadedTable(
        data=pl.DataFrame({"source_row": [2, 3], "name": ["RECORD-ONE", "RECORD-TWO"]}),
        provenance=_prov(),
        rows_in=11,
        rejects=issues_frame(problems),
        flags=issues_frame([{"row": 2, "column": "x", "value": "FLAGGED-VALUE", "reason": "x" * 300}]),
    )


def test_a_loaded_tables_overview_says_why_rows_were_rejected_never_their_values():
    """The researcher session: the repr counted rejects but gave no reason (the first question asked of them)."""
    shown = repr(_with_problems())
    assert "rows: 2 of 11 kept, 9 rejected, 1 kept but flagged" in shown
    assert "rejected: 2 rows: reason 0: a problem the loader names" in shown  # most frequent first
    assert "and 2 other reasons" in shown  # three reasons named, the rest counted
    assert "flagged: 1 row: " + "x" * 100 in shown and "x" * 200 not in shown  # a long reason shortened
    assert "SECRET-VALUE" not in shown and "RECORD-" not in shown and "FLAGGED-VALUE" not in shown
    assert ".citation" in shown and shown.count("\n") >= 4  # one fact a line, not one long line


def test_a_loaded_table_shows_itself_in_html_escaped_and_without_records():
    table = _with_problems()
    html = table._repr_html_()
    assert html.startswith("<table>") and "9 rejected" in html and "and 2 other reasons" in html
    assert "SECRET-VALUE" not in html and "RECORD-" not in html
    prov = dataclasses.replace(_prov(), source="<script>", name="<b>bold</b>")
    assert "<b>bold</b>" not in LoadedTable(pl.DataFrame({"a": [1]}), prov, rows_in=1)._repr_html_()


def test_a_loaded_tables_citation_is_one_attribute_away():
    assert LoadedTable(pl.DataFrame({"a": [1]}), _prov(), rows_in=1).citation == _prov().citation_text()


@given(
    st.lists(
        st.tuples(st.none() | st.integers(-2, 2), st.none() | st.sampled_from(["a", "b", ""])), max_size=8
    ),
    st.lists(st.sampled_from(range(4)), max_size=4),
)
def test_issues_where_is_every_check_filtered_for_in_turn(cells, chosen) -> None:
    """issues_where narrows the frame to the columns its checks read and filters only for the checks that hold on
    some row: the table is the one filtering the whole frame for each check in turn gives (row order, then the
    checks' order), whatever holds where."""
    from evidence.sources.loaded import ISSUES_SCHEMA, issues_where

    frame = pl.DataFrame(
        {
            "source_row": list(range(2, len(cells) + 2)),
            "n": [n for n, _ in cells],
            "t": [t for _, t in cells],
            "unread": ["x"] * len(cells),
        },
        schema={"source_row": pl.Int64, "n": pl.Int64, "t": pl.String, "unread": pl.String},
    )
    checks = [
        ("N", "n", pl.col("n") < 0, "negative"),
        ("T", "t", pl.col("t") == "", pl.lit("empty ") + pl.col("n").cast(pl.String)),
        ("N", "n", pl.col("n").is_null() & pl.col("t").is_not_null(), "no number"),
        ("T", "t", pl.lit(False), "never"),
    ]
    picked = [checks[i] for i in chosen]
    expected = [
        frame.filter(condition.fill_null(False)).select(
            pl.col("source_row").alias("row"),
            pl.lit(label, pl.String).alias("column"),
            pl.col(column).cast(pl.String).alias("value"),
            (reason if isinstance(reason, pl.Expr) else pl.lit(reason, pl.String)).alias("reason"),
        )
        for label, column, condition, reason in picked
    ]
    found = issues_where(frame, picked)
    assert found.schema == pl.Schema(ISSUES_SCHEMA)
    if expected:
        assert found.equals(pl.concat(expected).sort("row", maintain_order=True))
    else:
        assert found.is_empty()
