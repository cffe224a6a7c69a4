"""Disclosure control: primary and complementary suppression, shares, and the small-count scanners."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest
from _polars import count_queries
from _scipy_highs import linprog as reference_linprog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from evidence.core.errors import ParameterError
from evidence.presentation.disclosure import (
    COMPLEMENT_LABEL,
    DisclosedTable,
    DisclosureError,
    DisclosureRule,
    assert_no_small_counts,
    check_disclosed,
    disclosed_share,
    find_small_counts,
    require_disclosed,
    suppress_bounds,
    suppress_counts,
    suppress_crosstab,
    suppress_table,
    with_series,
    withhold_cells,
)

UNODC = DisclosureRule()
CTDC = DisclosureRule(threshold=11)
RULE = UNODC


# ---------------------------------------------------------- an independent model of the published table


def full_grid(matrix: np.ndarray) -> np.ndarray:
    """The table with its margins, computed here independently of the module (total column only if > 1)."""
    if matrix.shape[1] > 1:
        matrix = np.hstack([matrix, matrix.sum(axis=1, keepdims=True)])
    return np.vstack([matrix, matrix.sum(axis=0, keepdims=True)])


def lines(shape: tuple[int, int], total_column: bool) -> list[tuple[list[tuple[int, int]], tuple[int, int]]]:
    n_rows, width = shape
    out = []
    if total_column:
        out += [([(i, j) for j in range(width - 1)], (i, width - 1)) for i in range(n_rows)]
    out += [([(i, j) for i in range(n_rows - 1)], (n_rows - 1, j)) for j in range(width)]
    return out


def published_grid(table: DisclosedTable) -> tuple[np.ndarray, np.ndarray]:
    values = table.frame.select(table.count_columns).to_numpy()
    mask = table.frame.select(c + "_suppressed" for c in table.count_columns).to_numpy().astype(bool)
    return values, mask


def is_pinned(
    truth: np.ndarray, mask: np.ndarray, total_column: bool, cell: tuple[int, int], bounds_of
) -> bool:
    """Whether one suppressed cell takes its true value in every table consistent with what is published.

    Its min and max over those tables (an LP each) must differ; the true table is feasible, so one side
    that moves away from the true value is enough.
    """
    hidden = list(zip(*np.nonzero(mask), strict=True))
    index = {c: k for k, c in enumerate(hidden)}
    a_eq, b_eq = [], []
    for members, total in lines(truth.shape, total_column):
        row = np.zeros(len(hidden))
        constant = 0.0
        for c, sign in [(m, 1.0) for m in members] + [(total, -1.0)]:
            if c in index:
                row[index[c]] += sign
            else:
                constant += sign * truth[c]
        if row.any():
            a_eq.append(row)
            b_eq.append(-constant)
    objective = np.zeros(len(hidden))
    objective[index[cell]] = 1.0
    kwargs = {"A_eq": np.array(a_eq), "b_eq": np.array(b_eq), "bounds": [bounds_of(c) for c in hidden]}
    # SciPy's linprog(method="highs") without its per-call set-up: the same programme, answer and cost
    low = reference_linprog(objective, **kwargs)
    assert low.status == 0, "the true table must be feasible"
    if low.fun < truth[cell] - 0.5:
        return False
    high = reference_linprog(-objective, **kwargs)
    return high.status != 3 and -high.fun < truth[cell] + 0.5


def as_frame(matrix: np.ndarray) -> tuple[pl.DataFrame, list[str]]:
    columns = [f"c{j}" for j in range(matrix.shape[1])]
    frame = pl.DataFrame({c: matrix[:, j].tolist() for j, c in enumerate(columns)}).with_row_index("row")
    return frame, columns


# Many small counts and zeros, some large values: the hard cases for complementary suppression.
cell_values = st.one_of(st.integers(0, 4), st.integers(0, 12), st.sampled_from([0, 0, 1, 25, 100, 1234]))
matrices = st.tuples(st.integers(1, 8), st.integers(1, 8)).flatmap(
    lambda shape: st.lists(
        st.lists(cell_values, min_size=shape[1], max_size=shape[1]), min_size=shape[0], max_size=shape[0]
    )
)
rules = st.sampled_from([UNODC, CTDC, DisclosureRule(threshold=3), DisclosureRule(zero_is_safe=False)])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=matrices, rule=rules)
def test_suppressed_table_protects_every_small_cell(rows: list[list[int]], rule: DisclosureRule) -> None:
    matrix = np.array(rows, dtype=np.int64)
    frame, columns = as_frame(matrix)
    truth = full_grid(matrix)
    try:
        table = suppress_table(frame, "row", columns, rule)
    except DisclosureError:
        # Refusal must be justified: with every positive cell withheld, the labels still pin a small one.
        small = (truth >= rule.smallest_small) & (truth < rule.threshold)
        withheld = truth > 0 if rule.zero_is_safe else np.ones_like(truth, dtype=bool)

        def label_bounds(c: tuple[int, int]) -> tuple[float, float | None]:
            return (rule.smallest_small, rule.threshold - 1) if small[c] else (rule.threshold, None)

        pinned = [
            c
            for c in zip(*np.nonzero(small), strict=True)
            if is_pinned(truth, withheld, matrix.shape[1] > 1, c, label_bounds)
        ]
        assert pinned
        return
    values, mask = published_grid(table)
    total_column = matrix.shape[1] > 1
    assert values.shape == truth.shape

    # (a) nothing published is small, and every small cell is suppressed
    small = (truth >= rule.smallest_small) & (truth < rule.threshold)
    assert (mask | ~small).all()
    assert not check_disclosed(table, rule)
    # (c) published cells, totals included, are the true values
    assert (values[~mask] == truth[~mask]).all()
    assert table.n_primary == int(small.sum())
    assert table.n_primary + table.n_secondary == int(mask.sum())
    # structural check: no line of the table (margins included) has exactly one suppressed cell
    for members, total in lines(truth.shape, total_column):
        assert sum(mask[c] for c in [*members, total]) != 1
    # (b) no suppressed cell is recoverable, even by someone who knows the labels ("<5" cells lie in
    # smallest_small..threshold-1, complements are at least the threshold); and, for the small cells, not over
    # all non-negative tables either (implied by the first check, whose feasible set is smaller; kept as the
    # plain statement of the rule).
    reasons = table.reasons.to_numpy()

    def labelled_bounds(c: tuple[int, int]) -> tuple[float, float | None]:
        if reasons[c] == "small":
            return (rule.smallest_small, rule.threshold - 1)
        return (rule.threshold, None)

    for cell in zip(*np.nonzero(mask), strict=True):
        models = (labelled_bounds, lambda c: (0, None)) if small[cell] else (labelled_bounds,)
        for bounds_of in models:
            assert not is_pinned(truth, mask, total_column, cell, bounds_of), (
                f"{cell} = {truth[cell]} is exposed"
            )
    # (d) deterministic, and disclosure control of a disclosed table changes nothing
    again = suppress_table(frame, "row", columns, rule)
    assert again.frame.equals(table.frame)
    assert (
        suppress_counts(table.body.select("row", *columns), columns, rule)
        .frame.select(columns)
        .equals(table.body.select(columns))
    )


@settings(max_examples=40, deadline=None)
@given(counts=st.lists(cell_values, min_size=1, max_size=40), rule=rules)
def test_long_table_primary_suppression(counts: list[int], rule: DisclosureRule) -> None:
    frame = pl.DataFrame({"key": list(range(len(counts))), "n": counts})
    table = suppress_counts(frame, "n", rule)
    flags = table.frame["n_suppressed"].to_list()
    assert flags == [rule.is_small(c) for c in counts]
    assert table.frame["n"].to_list() == [None if f else c for c, f in zip(counts, flags, strict=True)]
    assert not check_disclosed(table, rule)
    assert table.n_secondary == 0


def test_two_way_example_with_labels_and_shares() -> None:
    frame = pl.DataFrame(
        {
            "origin": ["MMR", "KHM", "LAO", "VNM"],
            "F": [120, 3, 40, 0],
            "M": [80, 25, 2, 7],
            "X": [10, 11, 12, 1],
        }
    )
    table = suppress_table(frame, "origin", ["F", "M", "X"])
    shown = table.display()
    assert shown.columns == ["origin", "F", "M", "X", "Total"]
    assert shown.row(0) == ("MMR", "120", "80", "10", "210")
    assert shown.row(-1) == ("Total", "163", "114", "34", "311")
    assert shown["F"][1] == "<5" and shown["M"][2] == "<5" and shown["X"][3] == "<5"
    assert shown["F"][3] == "0"  # a true zero is published
    assert COMPLEMENT_LABEL in shown["X"].to_list()
    assert table.n_primary == 3 and table.n_secondary >= 3
    assert table.body.columns == ["origin", "F", "M", "X", "F_suppressed", "M_suppressed", "X_suppressed"]
    assert table.body.height == 4 and table.value_columns == ["F", "M", "X"]
    shares = disclosed_share(table, "column")
    assert shares["F"][0] == pytest.approx(120 / 163)
    for column in ("F", "M", "X", "Total"):
        suppressed = table.frame[column + "_suppressed"].to_list()
        assert [s is None for s in shares[column].to_list()] == suppressed
    row_shares = disclosed_share(table, "row")
    assert row_shares["F"][0] == pytest.approx(120 / 210)


def test_the_keys_shown_are_the_key_columns_display_shows() -> None:
    """A table shown as bounds (UNODC's) takes its row labels from :meth:`keys_shown`, not by formatting every
    count of :meth:`display` and reading its keys: the same labels, the total row's included, and a missing key
    shown empty."""
    frame = pl.DataFrame({"origin": ["MMR", "KHM", "LAO"], "year": [2020, 2021, 2021], "F": [120, 3, 40]})
    gaps = frame.with_columns(origin=pl.Series([None, "KHM", "LAO"]), year=pl.Series([2020, None, 2021]))
    totalled = suppress_table(frame, ["origin", "year"], ["F"])
    for table in (totalled, suppress_counts(gaps, "F", CTDC)):
        shown = table.display()
        keys = table.keys_shown()
        assert list(keys) == table.key_columns and table.key_columns
        assert keys == {column: shown[column].to_list() for column in table.key_columns}
    assert totalled.keys_shown()["origin"] == ["MMR", "KHM", "LAO", "Total"]
    assert suppress_counts(gaps, "F", CTDC).keys_shown() == {
        "origin": ["", "KHM", "LAO"],
        "year": ["2020", "", "2021"],
    }


def test_one_way_table_complement() -> None:
    # 113 - 50 - 60 would give the 3 back: the smallest other category is withheld too
    frame = pl.DataFrame({"form": ["sexual", "labour", "other"], "n": [50, 60, 3]})
    shown = suppress_table(frame, "form", ["n"]).display()["n"].to_list()
    assert shown == ["x", "60", "<5", "113"]


def test_ctdc_threshold_and_unsafe_zeros() -> None:
    frame = pl.DataFrame({"k": ["a", "b", "c"], "n": [10, 11, 0]})
    assert suppress_counts(frame, "n", CTDC).display()["n"].to_list() == ["<11", "11", "0"]
    assert suppress_counts(frame, "n", DisclosureRule(zero_is_safe=False)).display()["n"].to_list() == [
        "10",
        "11",
        "<5",
    ]


def test_crosstab_from_long_table_treats_absent_pairs_as_zero() -> None:
    long = pl.DataFrame(
        {
            "origin": ["MMR", "MMR", "KHM", "KHM", "LAO"],
            "year": [2020, 2021, 2020, 2021, 2021],
            "n": [30, 40, 2, 9, 50],
        }
    )
    table = suppress_crosstab(long, "origin", "year", "n")
    assert table.value_columns == ["2020", "2021"]
    shown = table.display()
    assert shown.filter(pl.col("origin") == "LAO")["2020"].item() == "0"
    assert shown.filter(pl.col("origin") == "KHM")["2020"].item() == "<5"
    with pytest.raises(ParameterError, match="missing categories"):
        suppress_crosstab(long.with_columns(origin=pl.lit(None, pl.String)), "origin", "year", "n")


@pytest.mark.parametrize(
    "bad, message",
    [
        (pl.DataFrame({"k": ["a"], "n": [-1]}), "negative"),
        (pl.DataFrame({"k": ["a"], "n": [1.5]}), "whole"),
        (pl.DataFrame({"k": ["a"], "n": ["3"]}), "not a number"),
        (pl.DataFrame({"k": ["a", "a"], "n": [1, 2]}), "not unique"),
        (pl.DataFrame({"k": ["a"], "n": [None]}, schema={"k": pl.String, "n": pl.Int64}), "missing"),
    ],
)
def test_invalid_tables_are_refused(bad: pl.DataFrame, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        suppress_table(bad, "k", ["n"])


@pytest.mark.parametrize(
    "bad, keys, message",
    [
        (pl.DataFrame({"k": ["a", None], "n": [7, 8]}), "k", "must not be missing"),
        (pl.DataFrame({"k": ["a", "b"], "j": [1, None], "n": [7, 8]}), ["k", "j"], "must not be missing"),
        (pl.DataFrame({"k": ["a", "a"], "j": [1, 1], "n": [7, 8]}), ["k", "j"], "not unique"),
    ],
)
def test_keys_missing_or_repeated_are_refused(bad: pl.DataFrame, keys: str | list[str], message: str) -> None:
    """The keys are checked on their columns (no query): a missing key, or a row key given twice (over two
    key columns, a pair given twice), is refused as before."""
    with pytest.raises(ParameterError, match=message):
        suppress_table(bad, keys, ["n"])


def test_a_table_of_whole_counts_is_protected_without_a_polars_query(monkeypatch) -> None:
    """A table is checked, protected and published from its columns: no polars query (each costs about what
    protecting a small table does, and a brief protects some thirty)."""
    table = pl.DataFrame({"group": ["a", "b", "c"], "x": [12, 3, 40], "y": [9, 30, 2]})
    queries = count_queries(monkeypatch)
    out = suppress_table(table, "group", ["x", "y"], RULE)
    assert queries == []
    assert out.frame["x"].to_list()[1] is None and out.reasons["x"][1] == "small"  # the 3 of b withheld
    assert out.n_secondary > 0  # and a complement, so that it cannot be recomputed


@pytest.mark.parametrize(
    "keys",
    [
        {"k": pl.Series(["a", "b"], dtype=pl.Enum(["a", "b", "c"]))},
        {"k": pl.Series([2019, 2020], dtype=pl.Int32)},
        {"k": ["a", "b"], "j": [1, 2]},
        {"n_suppressed": ["a", "b"]},  # a key named as the count's flag: the flag takes its place, as always
    ],
)
def test_the_published_frame_is_the_keys_with_a_totals_row_then_the_counts_and_their_flags(keys) -> None:
    """The frame of a protected table: its keys (in their types) with a null row for the totals, then each
    count column and its flag, as concatenating the keys with a null row and adding the columns makes it."""
    table = pl.DataFrame({**keys, "n": [12, 30], "m": [7, 40]})
    out = suppress_table(table, list(keys), ["n", "m"], RULE)
    key_columns = table.select(list(keys))
    expected = pl.concat(
        [key_columns, pl.DataFrame({k: [None] for k in keys}, schema=key_columns.schema)]
    ).with_columns(
        pl.Series("n", out.frame["n"].to_list(), dtype=pl.Int64),
        pl.Series("m", out.frame["m"].to_list(), dtype=pl.Int64),
        pl.Series("Total", out.frame["Total"].to_list(), dtype=pl.Int64),
        pl.Series("n_suppressed", [v is None for v in out.frame["n"].to_list()]),
        pl.Series("m_suppressed", [v is None for v in out.frame["m"].to_list()]),
        pl.Series("Total_suppressed", [v is None for v in out.frame["Total"].to_list()]),
    )
    assert out.frame.schema == expected.schema
    assert out.frame.equals(expected)
    assert out.frame["n"].to_list() == [12, 30, 42]


def test_a_long_table_and_its_withheld_cells_are_protected_without_a_polars_query(monkeypatch) -> None:
    """Primary suppression, with or without cell keys, and cells withheld after: made from the columns' values,
    no polars query (a brief protects dozens of small tables; a query costs more than the protecting)."""
    table = pl.DataFrame({"group": ["a", "b", "c"], "n": [12, 3, None], "m": [0, 40, 7]})
    queries = count_queries(monkeypatch)
    out = suppress_counts(table, ["n", "m"], RULE)
    keyed = suppress_counts(table, ["n", "m"], RULE, cell_keys=pl.DataFrame({"n": [1, 2, 0], "m": [3, 4, 5]}))
    more = withhold_cells(out, "m", [2])
    assert queries == []
    assert out.frame.columns == ["group", "n", "m", "n_suppressed", "m_suppressed"]
    assert out.frame["n"].to_list() == [12, None, None] and out.reasons["n"].to_list() == [
        None,
        "small",
        None,
    ]
    assert out.frame["n_suppressed"].to_list() == [False, True, False] and out.n_primary == 1
    assert keyed.frame["n"][1] is None and keyed.perturbed
    assert more.frame["m"].to_list() == [0, 40, None] and more.reasons["m"].to_list() == [
        None,
        None,
        "complement",
    ]


@pytest.mark.parametrize(
    "names",
    [["b", "c"], ["c", "a"], ["d"], ["c", "c"], []],
)
def test_with_series_is_with_columns_without_a_query(names: list[str]) -> None:
    """A Series named as a column takes its place, the others go after in order; two named alike are
    refused as ``with_columns`` refuses them."""
    frame = pl.DataFrame({"a": [1, 2], "b": ["x", "y"], "c": [True, False]})
    columns = [pl.Series(n, [10 + i, 20 + i]) for i, n in enumerate(names)]
    try:
        expected = frame.with_columns(columns)
    except Exception as error:  # noqa: BLE001 - whatever with_columns raises, with_series raises
        with pytest.raises(type(error)):
            with_series(frame, columns)
        return
    before = frame.clone()
    got = with_series(frame, columns)
    assert got.schema == expected.schema and got.equals(expected)
    assert frame.schema == before.schema and frame.equals(before)  # the frame given is left as it was


def test_an_empty_table_of_keyed_counts_is_protected() -> None:
    """A long table without rows whose counts carry cell keys (a selection of no record) is an empty
    protected table, as one without keys is, not a failed query."""
    empty = pl.DataFrame({"group": [], "n": []}, schema={"group": pl.String, "n": pl.Int64})
    out = suppress_counts(empty, "n", RULE, cell_keys=pl.DataFrame({"n": []}, schema={"n": pl.Int64}))
    assert out.frame.height == 0 and out.frame.schema == suppress_counts(empty, "n", RULE).frame.schema
    assert out.reasons.schema["n"] == pl.String


def test_rule_validation_and_description() -> None:
    with pytest.raises(ParameterError):
        DisclosureRule(threshold=1)
    assert UNODC.label == "<5" and CTDC.label == "<11"
    assert "<5" in UNODC.describe()


def test_check_and_require_disclosed() -> None:
    frame = pl.DataFrame({"n": [0, 3, 12], "share": [0.5, 3.0, 0.25]})
    assert len(check_disclosed(frame)) == 1  # integer columns by default
    assert len(check_disclosed(frame, columns=["share"])) == 1  # a named float column is checked
    assert check_disclosed([None, 0, 5, 0.5, float("nan")]) == []
    assert len(check_disclosed([2.5, 4.99])) == 2  # estimated counts below the threshold are small too
    with pytest.raises(DisclosureError, match="small counts"):
        require_disclosed(frame, what="chart data")


@pytest.mark.parametrize(
    "text",
    [
        "3 victims were identified",
        "<td>4</td>",
        "Myanmar (2), Cambodia (30)",
        "there were 1,234 men and 3.",
        "<tr><th>Lao PDR</th><td>three</td></tr>",
        "| Viet Nam | Two victims |",
        "<td>Lao PDR</td><td>4.0</td>",
        "<p>Cambodia: <b>1</b></p>",
        "(n = 4)",
        "women: 4",
        "**3** victims from Lao PDR",
        "| Cambodia | 2 | 1\u202f234 |",
    ],
)
def test_scanner_finds_small_counts(text: str) -> None:
    assert find_small_counts(text), text
    with pytest.raises(DisclosureError):
        assert_no_small_counts(text)


@pytest.mark.parametrize(
    "text",
    [
        "<td>&lt;5</td><td>< 5</td><td><5</td>",
        "In 2023, 1,234 victims; 95% CI 1.02 to 1.10; 4.5% of cases",
        "See Figure 2 and Table 1 on page 3; Tier 2 Watch List; the top 3 corridors",
        "Counts of 1–4 are shown as <5. Data of 1 May 2023, released May 3.",
        '<div style="width: 3px" data-n="2">27 victims</div><script>var a = [1, 2, 3];</script>',
        "<svg><text>0</text><text>2</text></svg> aged 3 years; rate ratio 1:2; H1 2023; 3rd edition",
        "1. First point\n2. Second point; see [1]",
        "Zero victims and 0 cases",
        # a number word in running text, a caption or a note is language, not a count
        "<p>One victim can have several forms; three women were trafficked.</p>",
        "<tfoot><tr><td>One victim can have several forms.</td></tr></tfoot>",
        '<script>var s = "<html><head></head>"; var n = 3;</script><p>27 victims</p>',
        "1\u202f234 victims, 2\u00a0001 cases, **1,234** women; victims_low",
    ],
)
def test_scanner_ignores_what_is_not_a_count(text: str) -> None:
    assert find_small_counts(text) == []


def test_scanner_follows_the_threshold() -> None:
    assert find_small_counts("8 victims", CTDC)
    assert not find_small_counts("8 victims", UNODC)
    assert find_small_counts("0 victims", DisclosureRule(zero_is_safe=False))


def test_audit_catches_what_the_structural_rule_misses() -> None:
    # Column c2 without the audit: "x" + "<5" = 6, and since x >= 5 and <5 >= 1, both are pinned (5 and 1).
    frame, columns = as_frame(np.array([[5, 0, 0], [2, 3, 5], [4, 2, 1]]))
    structural = suppress_table(frame, "row", columns, audit=False)
    assert structural.display()["c2"].to_list() == ["0", "x", "<5", "6"]
    audited = suppress_table(frame, "row", columns)
    assert audited.n_secondary > structural.n_secondary
    truth = full_grid(np.array([[5, 0, 0], [2, 3, 5], [4, 2, 1]]))
    _, mask = published_grid(audited)
    reasons = audited.reasons.to_numpy()

    def labelled_bounds(c: tuple[int, int]) -> tuple[int, int | None]:
        return (1, 4) if reasons[c] == "small" else (5, None)

    for cell in zip(*np.nonzero(mask), strict=True):
        assert not is_pinned(truth, mask, True, cell, labelled_bounds)


def test_long_form_keeps_the_marks_and_drops_the_totals() -> None:
    frame = pl.DataFrame({"year": [2020, 2021], "sexual": [50, 3], "labour": [40, 30]})
    table = suppress_table(frame, "year", ["sexual", "labour"])
    long = table.to_long("form", "victims")
    assert long.frame.columns == ["year", "form", "victims", "victims_suppressed"]
    assert long.frame.height == 4
    shown = dict(
        zip(zip(long.frame["year"], long.frame["form"], strict=True), long.display()["victims"], strict=True)
    )
    assert shown[(2021, "sexual")] == "<5"
    assert shown[(2020, "sexual")] == table.display()["sexual"][0]
    assert long.n_primary == 1 and long.n_secondary == sum(
        r == "complement" for c in ("sexual", "labour") for r in table.reasons[c].head(2).to_list()
    )
    assert not check_disclosed(long)


def test_long_form_keeps_the_publishers_own_censored_cells_marked() -> None:
    """A chart of the long table says which withheld values are the publisher's own (``known``): they were lost."""
    from evidence.presentation.charts import publishers_withheld

    frame = pl.DataFrame({"year": [2020, 2021, 2022], "sexual": [50, 3, 2], "labour": [40, 30, 60]})
    censored = pl.DataFrame({"sexual": [False, True, True], "labour": [False, False, False]})
    table = suppress_table(frame, "year", ["sexual", "labour"], censored=censored)
    long = table.to_long("form", "victims")
    marked = dict(
        zip(
            zip(long.frame["year"], long.frame["form"], strict=True),
            zip(long.known_cells("victims"), long.known_value_cells("victims"), strict=True),
            strict=True,
        )
    )
    assert marked[(2021, "sexual")] == (True, 3) and marked[(2022, "sexual")] == (True, 2)
    assert not any(own for key, (own, _) in marked.items() if key[1] == "labour" or key[0] == 2020)
    assert publishers_withheld(long, ["victims"]) == publishers_withheld(table, ["sexual", "labour"]) == 2
    assert publishers_withheld(suppress_table(frame, "year", ["sexual", "labour"]), ["sexual", "labour"]) == 0


def test_a_table_no_suppression_can_protect_is_refused() -> None:
    # Four forms of one victim each, total 4: every cell and the total are "<5", so each form must be 1.
    frame = pl.DataFrame({"form": ["a", "b", "c", "d"], "n": [1, 1, 1, 1]})
    with pytest.raises(DisclosureError, match="cannot be published"):
        suppress_table(frame, "form", ["n"])
    # With a fifth, larger category withheld too, the four small ones add up to anything from 4 to 16.
    table = suppress_table(frame.vstack(pl.DataFrame({"form": ["e"], "n": [40]})), "form", ["n"])
    assert table.display()["n"].to_list() == ["<5", "<5", "<5", "<5", "x", "44"]


def test_complements_resist_an_attacker_who_knows_they_are_the_smallest() -> None:
    # <5, x, 6 under 16: a complement is the smallest published candidate of its line, so x <= 6; with
    # <5 + x = 10 that pins x = 6 and the small count at 4. A second complement hides it.
    table = suppress_table(pl.DataFrame({"k": ["a", "b", "c"], "n": [4, 6, 6]}), "k", ["n"])
    assert table.display()["n"].to_list() == ["<5", "x", "x", "16"]
    truth = full_grid(np.array([[4], [6], [6]]))
    _, mask = published_grid(table)
    reasons = table.reasons.to_numpy()
    published_positive = truth[~mask & (truth > 0)]

    def bounds_of(c: tuple[int, int]) -> tuple[float, float | None]:
        if reasons[c] == "small":
            return (1, 4)
        return (5, float(published_positive.min()))

    for cell in zip(*np.nonzero(mask), strict=True):
        assert not is_pinned(truth, mask, False, cell, bounds_of)


# 80 tables a run (each solving two linear programmes per withheld cell): new ones on every run of the suite
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=matrices, rule=rules, data=st.data())
def test_the_network_audit_exposes_exactly_the_cells_linear_programming_pins(
    rows: list[list[int]], rule: DisclosureRule, data: st.DataObject
) -> None:
    """The audit's cycles in the network of the table's lines (no LP) and the min/max linear programs agree
    on which withheld cells a table gives away, whatever is withheld: small cells, complements chosen from
    any of their lines (whose rivals may even sit below them: then both leave it to the LP), margins."""
    from evidence.presentation import disclosure

    grid = disclosure._grid_with_margins(rows)
    status: list[str | None] = [disclosure._SMALL if rule.is_small(v) else None for v in grid.values]
    extra = data.draw(st.sets(st.integers(0, len(grid.values) - 1), max_size=len(grid.values)))
    chosen_from: dict[int, list[int]] = {}
    for cell in sorted(extra):
        if status[cell] is None:
            status[cell] = disclosure._COMPLEMENT
            lines = grid.lines_of(cell)
            chosen_from[cell] = data.draw(st.lists(st.sampled_from(lines), max_size=2, unique=True))
    # cells the attacker knows anyway (a publisher's censored bounds): published, whatever their status
    known = data.draw(st.lists(st.booleans(), min_size=len(grid.values), max_size=len(grid.values)))
    known = known if data.draw(st.booleans()) else None
    hidden = [i for i, s in enumerate(status) if s is not None and not (known and known[i])]
    if not hidden:
        assert disclosure._exposed_cells(grid, status, rule, chosen_from, known) == []
        return
    all_bounds = disclosure._attacker_bounds(grid, status, rule, chosen_from, known)
    bounds = [all_bounds[c] for c in hidden]
    within = all(low <= grid.values[c] <= high for c, (low, high) in zip(hidden, bounds, strict=True))
    assert (disclosure._movable_cells(grid, hidden, bounds) is not None) == within
    assert disclosure._exposed_cells(grid, status, rule, chosen_from, known) == (
        disclosure._exposed_cells_by_lp(grid, hidden, bounds)
    )


_NAMES = st.sampled_from(["td", "TH", "span", "br", "div", "p", "tr", "script", "Style", "b1"])
_ATTRIBUTES = st.lists(
    st.tuples(
        st.sampled_from(["data-kind", "DATA-KIND", "class", "style", "colspan", "x:y"]),
        st.sampled_from(["", '="people"', "='years'", ' = "countries"', '="peeple"', '=""', '="a&amp;b"',
                         '="people" ', "=people", '="<5>"']),
    ),
    max_size=3,
)  # fmt: skip
_TOKENS = st.one_of(
    st.sampled_from(["3", " 4 ", "&lt;5", "&amp;", "a & b", "x&y;", "&#52;", "&quot;2&quot;", "\n", "1,234"]),
    st.builds(
        lambda name, attrs, close: f"<{name}{''.join(f' {a}{v}' for a, v in attrs)}{close}>",
        _NAMES,
        _ATTRIBUTES,
        st.sampled_from(["", "/", " /", " "]),
    ),
    st.builds(lambda name, space: f"</{name}{space}>", _NAMES, st.sampled_from(["", " ", "\n"])),
    st.sampled_from(["<", "< 5", "<!-- 3 -->", "<!DOCTYPE html>", "<?x?>", "</ td>", "<td\nclass='a'>",
                     '<a b="1"c="2">', "<td/>", "</>"]),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(tokens=st.lists(_TOKENS, max_size=25))
def test_the_toolkits_html_is_split_by_kind_as_the_html_parser_splits_it(tokens: list[str]) -> None:
    from evidence.presentation import disclosure

    text = "".join(tokens)
    parser = disclosure._KindSplitter()
    parser.feed(text)
    parser.close()
    expected = ("".join(parser.kept), [" ".join(parts) for parts in parser.people])
    assert disclosure._split_by_kind(text) == expected


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('<td data-kind="countries">3</td><td data-kind="people">4</td>', [4]),
        ('<p><span data-kind="lists">4</span> lists, 3 victims</p>', [3]),
        # the innermost kind counts
        ('<div data-kind="statistic">p = 1 <span data-kind="people">2</span></div>', [2]),
        ('<div data-kind="people">Lao: 2 <span data-kind="years">3</span> years</div>', [2]),
        # a kind the toolkit does not know is checked, not skipped
        ('<td data-kind="peeple">3</td>', [3]),
        # around a marked element, the heuristics go on as before
        ('<td data-kind="label">x</td><td>three</td>', [3]),
        ('<td data-kind="people">&lt;5</td><td data-kind="people">1,204</td>', []),
    ],
)
def test_the_scanner_reads_what_numbers_count(text: str, found: list[int]) -> None:
    assert sorted(h.value for h in find_small_counts(text)) == found


# ------------------------------------------------------------------------------------------- cell key method


def test_cell_key_perturbation_is_a_function_of_the_key_with_a_small_symmetric_spread():
    from evidence.presentation.disclosure import CellKeyNoise

    noise = CellKeyNoise()
    keys = list(range(0, 2**32, 2**32 // 20_000))
    moves = noise.perturbations(keys)
    assert moves == noise.perturbations(keys)  # the same key, the same move, every time
    assert abs(sum(moves) / len(moves)) < 0.05
    assert 0.45 < moves.count(0) / len(moves) < 0.55  # ratio 1/3: unchanged half the time
    assert min(moves) <= -6 and max(moves) >= 6  # every whole number can occur: no bound to exploit


def _keyed(values: dict[str, int], keys: dict[str, int]):
    frame = pl.DataFrame({"k": list(values), "n": list(values.values())})
    return suppress_table(frame, "k", ["n"], RULE, cell_keys=pl.DataFrame({"n": list(keys.values())}))


def test_cell_key_tables_give_the_same_records_the_same_number_and_get_complements():
    one = _keyed({"a": 40, "b": 3, "c": 25}, {"a": 11, "b": 2**31 + 7, "c": 90210})
    other = _keyed({"a": 40, "z": 60}, {"a": 11, "z": 12345})
    assert one.perturbed and "perturbed" in one.describe()
    assert one.frame["n"][0] == other.frame["n"][0]  # cell a: same records (key), same published count
    assert one.display()["n"][1] == "<5"  # a small true count is withheld
    # ... and, as in an exact table, not left alone in its line: the smallest other cell (c) is withheld too,
    # so that the total less the published cells does not give it back
    assert one.n_secondary == 1 and one.display()["n"].to_list()[2] == "x"
    # the total is a cell of its own, perturbed by the sum of its cells' keys: it need not add up
    alone = _keyed({"all": 68}, {"all": 11 + 2**31 + 7 + 90210})
    assert one.frame["n"][-1] == alone.frame["n"][0]


@given(st.lists(st.integers(0, 40), min_size=1, max_size=8), st.integers(0, 2**32 - 1))
def test_cell_key_tables_never_publish_a_small_or_negative_count(counts, seed):
    import random

    rng = random.Random(seed)
    frame = pl.DataFrame({"k": [f"c{i}" for i in range(len(counts))], "n": counts})
    keys = pl.DataFrame({"n": [rng.randrange(2**32) if c else 0 for c in counts]})
    try:
        table = suppress_table(frame, "k", ["n"], RULE, cell_keys=keys)
    except DisclosureError:
        return  # a table no suppression protects (every positive count small): refused, as an exact one
    published = [v for v in table.frame["n"].to_list() if v is not None]
    assert all(v == 0 or v >= RULE.threshold for v in published)
    zeros = [i for i, c in enumerate(counts) if c == 0]
    assert all(table.frame["n"][i] == 0 for i in zeros)  # a true zero is published as zero
    assert not check_disclosed(table)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=matrices, rule=rules, seed=st.integers(0, 2**32 - 1))
def test_no_withheld_cell_of_a_cell_keyed_table_follows_from_its_published_lines(
    rows: list[list[int]], rule: DisclosureRule, seed: int
) -> None:
    """The reviewer's row "58 | <5 | 0 | 59" (Male = 59 - 58 - 0 = 1, right whenever the perturbations are 0,
    half of them): a withheld cell of a perturbed table is never alone in a line (margins included), and no
    withheld cell is pinned by the lines of the table taken as exact (the reader's best guess)."""
    import random

    rng = random.Random(seed)
    matrix = np.array(rows, dtype=np.int64)
    frame, columns = as_frame(matrix)
    keys = pl.DataFrame({c: [rng.randrange(2**32) for _ in rows] for c in columns})
    truth = full_grid(matrix)
    try:
        table = suppress_table(frame, "row", columns, rule, cell_keys=keys)
    except DisclosureError:
        return  # refused: nothing published
    values, mask = published_grid(table)
    assert table.perturbed and not any(rule.is_small(v) for v in values[~mask].tolist())
    assert not check_disclosed(table, rule)
    total_column = matrix.shape[1] > 1
    for members, total in lines(truth.shape, total_column):
        assert sum(mask[c] for c in [*members, total]) != 1
    reasons = table.reasons.to_numpy()

    def labelled_bounds(c: tuple[int, int]) -> tuple[float, float | None]:
        # a label speaks of the published (perturbed) value: "<5" may hide a true 5 or 6 moved down
        if reasons[c] == "small":
            return (rule.smallest_small, max(rule.threshold - 1, int(truth[c])))
        return (rule.threshold, None)

    for cell in zip(*np.nonzero(mask), strict=True):
        assert not is_pinned(truth, mask, total_column, cell, labelled_bounds), f"{cell} = {truth[cell]}"
    again = suppress_table(frame, "row", columns, rule, cell_keys=keys)
    assert again.frame.equals(table.frame) and again.reasons.equals(table.reasons)  # stable


def test_the_reviewers_row_of_perturbed_counts_no_longer_gives_its_small_cell():
    """Means of control by sex, USA: "Drugs or alcohol given: 58 | <5 | 0 | 59" gave Male = 1."""
    frame = pl.DataFrame({"means": ["drugs", "threats"], "F": [58, 120], "M": [1, 30], "U": [0, 12]})
    keys = pl.DataFrame({"F": [2**31, 2**31 + 5], "M": [77, 2**30], "U": [0, 999]})
    table = suppress_table(frame, "means", ["F", "M", "U"], RULE, cell_keys=keys)
    row = table.display().row(0)
    assert row[2] == "<5" and sum(v in ("<5", "x") for v in row[1:]) >= 2


def test_cell_keys_must_match_the_table():
    with pytest.raises(ParameterError, match="cell_keys"):
        suppress_table(
            pl.DataFrame({"k": ["a"], "n": [10]}), "k", ["n"], RULE, cell_keys=pl.DataFrame({"m": [1]})
        )


# ------------------------------------------------------------------------------ the publisher's censored cells


def _route_bounds() -> tuple[pl.DataFrame, list[str]]:
    """The low bounds of UNODC's Thailand as destination, 2019: corridors, then the other routes, whose
    transregional 3 is three "<5" citizenships (and intraregional 5 five of them)."""
    frame = pl.DataFrame(
        {
            "route": ["MMR", "THA", "KHM", "LAO", "other"],
            "domestic": [0, 132, 0, 0, 0],
            "intra": [1150, 0, 70, 32, 5],
            "trans": [0, 0, 0, 0, 3],
        }
    )
    return frame, ["domestic", "intra", "trans"]


def test_a_bound_of_the_publishers_own_censored_cells_needs_no_complement() -> None:
    frame, columns = _route_bounds()
    # as an exact count, the 3 costs complements, the domestic route among them (the reviewer's "x")
    exact = suppress_table(frame, "route", columns)
    assert exact.display()["domestic"][1] == "x" and exact.n_secondary >= 4
    # as a bound of "<5" cells it is the number of those cells in UNODC's file: shown "<5", nothing else withheld
    censored = pl.DataFrame(
        {
            "domestic": [True, False, True, True, True],  # zeros have no exact part either
            "intra": [False, False, False, False, True],
            "trans": [True] * 5,
        }
    )
    table = suppress_table(frame, "route", columns, censored=censored)
    shown = table.display()
    assert table.n_secondary == 0 and table.n_primary == 2
    assert shown["trans"].to_list() == ["0", "0", "0", "0", "<5", "<5"]  # the cell and its column total
    assert shown["domestic"][1] == "132" and shown["intra"][3] == "32"


def test_a_censored_bound_hides_nothing_so_it_is_never_a_complement() -> None:
    # an exact 3 needs a complement; the smallest candidate, 6, is six "<5" cells whose bound anyone with the
    # publisher's file knows: the next candidate is withheld instead. The audit's attacker is given the 6 (and
    # does not take it for a rival the complement was smaller than): the 3 lies anywhere in 1..4.
    frame = pl.DataFrame({"k": list("abcd"), "n": [3, 6, 40, 50]})
    assert suppress_table(frame, "k", ["n"]).display()["n"].to_list() == ["<5", "x", "40", "50", "99"]
    table = suppress_table(frame, "k", ["n"], censored=pl.DataFrame({"n": [False, True, False, False]}))
    assert table.display()["n"].to_list() == ["<5", "6", "x", "50", "99"]
    truth = full_grid(np.array([[3], [6], [40], [50]]))
    _, mask = published_grid(table)
    reasons = table.reasons.to_numpy()

    def bounds_of(c: tuple[int, int]) -> tuple[float, float | None]:
        return (1, 4) if reasons[c] == "small" else (5, 50)  # x: no more than the 50 published beside it

    for cell in zip(*np.nonzero(mask), strict=True):
        assert not is_pinned(truth, mask, False, cell, bounds_of)


def test_small_cells_all_censored_by_the_publisher_are_publishable() -> None:
    # four exact counts of 1 under a total of 4 pin each other down (refused); four "<5" cells of UNODC's file
    # under their sum are what the file says, and the sum is known when all its cells are
    frame = pl.DataFrame({"form": ["a", "b", "c", "d"], "n": [1, 1, 1, 1]})
    with pytest.raises(DisclosureError, match="cannot be published"):
        suppress_table(frame, "form", ["n"])
    table = suppress_table(frame, "form", ["n"], censored=pl.DataFrame({"n": [True] * 4}))
    assert table.display()["n"].to_list() == ["<5"] * 5 and table.n_secondary == 0
    with pytest.raises(ParameterError, match="censored needs"):
        suppress_table(frame, "form", ["n"], censored=pl.DataFrame({"n": [True]}))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=matrices, flags=st.lists(st.booleans(), min_size=64, max_size=64))
def test_an_attacker_with_the_publishers_file_pins_no_other_withheld_cell(
    rows: list[list[int]], flags: list[bool]
) -> None:
    # cells marked censored are known to the attacker (as are margins all of whose cells are); every other
    # withheld cell must still be free in what he can deduce, and a known cell is never a complement
    matrix = np.array(rows, dtype=np.int64)
    frame, columns = as_frame(matrix)
    marked = np.array(flags[: matrix.size]).reshape(matrix.shape)
    censored = pl.DataFrame({c: marked[:, j].tolist() for j, c in enumerate(columns)})
    try:
        table = suppress_table(frame, "row", columns, RULE, censored=censored)
    except DisclosureError:
        return
    truth = full_grid(matrix)
    known = full_grid(marked.astype(np.int64)) == full_grid(np.ones_like(matrix))
    _, mask = published_grid(table)
    reasons = table.reasons.to_numpy()
    assert not ((reasons == "complement") & known).any()
    small = (truth >= 1) & (truth < RULE.threshold)
    assert (mask | ~small).all()
    hidden = mask & ~known  # the attacker reads the known cells as if they were published

    def labelled_bounds(c: tuple[int, int]) -> tuple[float, float | None]:
        return (1, RULE.threshold - 1) if reasons[c] == "small" else (RULE.threshold, None)

    for cell in zip(*np.nonzero(hidden), strict=True):
        assert not is_pinned(truth, hidden, matrix.shape[1] > 1, cell, labelled_bounds), cell


# ------------------------------------------------------------------------- two bounds of censored counts


def _bounds(
    low: list[int], high: list[int], exact: list[int], **options: object
) -> tuple[DisclosedTable, ...]:
    frame = pl.DataFrame({"k": [f"r{i}" for i in range(len(low))]})
    return suppress_bounds(
        frame.with_columns(n=pl.Series(low)),
        frame.with_columns(n=pl.Series(high)),
        "k",
        ["n"],
        exact=pl.DataFrame({"n": exact}),
        **options,  # type: ignore[arg-type]
    )


def test_bounds_withhold_a_small_exact_part_in_both_and_protect_it() -> None:
    # 5–8 is an exact 4 and one "<5" (8 − 5 = 3 × 1): withheld in both bounds, and its row's neighbour with it
    # (else 35 − 30 and 38 − 30 give it back); the total (34 exact) is published
    low, high = _bounds([5, 30], [8, 30], [4, 30])
    for table in (low, high):
        assert table.reasons["n"].to_list() == ["complement", "complement", None]
        assert table.n_primary == 1 and table.n_secondary == 1
    assert low.frame["n"].to_list() == [None, None, 35] and high.frame["n"].to_list() == [None, None, 38]


def test_bounds_of_exact_parts_of_zero_or_at_least_the_threshold_are_each_bounds_table() -> None:
    # UNODC's files: an exact 12 and 30, "<5" cells beside them; the same tables as each bound on its own
    rows = pl.DataFrame({"k": ["r0", "r1", "r2"]})
    low_counts, high_counts, exact = [12, 2, 30], [12, 8, 30], [12, 0, 30]
    low, high = _bounds(low_counts, high_counts, exact, censored=pl.DataFrame({"n": [e == 0 for e in exact]}))
    for table, counts in ((low, low_counts), (high, high_counts)):
        alone = suppress_table(
            rows.with_columns(n=pl.Series(counts)),
            "k",
            ["n"],
            censored=pl.DataFrame({"n": [e == 0 for e in exact]}),
        )
        assert table.frame.equals(alone.frame) and table.reasons.equals(alone.reasons)


def test_bounds_that_are_a_difference_of_censored_sums_are_audited_as_bounds() -> None:
    # 74–81 (nationals repatriated from abroad, country not stated: a total less its breakdown) is 74 exact and
    # a spread of 7, no number of "<5" cells: audited as a pair of bounds of at least its exact part
    low, high = _bounds([74, 6, 20], [81, 6, 20], [74, 6, 20])
    assert low.frame["n"].to_list() == [74, 6, 20, 100] and high.frame["n"].to_list() == [81, 6, 20, 107]


@pytest.mark.parametrize(
    ("low", "high", "exact", "message"),
    [
        ([5, 30], [8, 30], [6, 30], "exact part is larger"),
        ([5, 30], [4, 30], [4, 30], "smaller than"),
    ],
)
def test_bounds_that_do_not_fit_are_refused(
    low: list[int], high: list[int], exact: list[int], message: str
) -> None:
    with pytest.raises(ParameterError, match=message):
        _bounds(low, high, exact)


def test_bounds_tables_need_the_same_rows() -> None:
    with pytest.raises(ParameterError, match="same rows"):
        suppress_bounds(
            pl.DataFrame({"k": ["a", "b"], "n": [5, 6]}),
            pl.DataFrame({"k": ["b", "a"], "n": [5, 6]}),
            "k",
            ["n"],
        )


def test_withheld_cells_of_a_line_never_add_up_to_a_small_count():
    """The third review: Female 48, Male <5, Unknown <5 of 52: the two withheld cells add up to 52 - 48 = 4
    victims, a small count of its own. A line whose withheld cells add up to a small number gets another
    complement; one whose withheld cells add up to the threshold or more needs none."""
    table = suppress_table(
        pl.DataFrame({"means": ["Debt bondage"], "Female": [48], "Male": [2], "Unknown": [2]}),
        "means",
        ["Female", "Male", "Unknown"],
        RULE,
    )
    row = table.frame.row(0, named=True)
    assert row["Male"] is None and row["Unknown"] is None and row["Female"] is None
    assert table.reasons["Female"][0] == "complement"
    enough = suppress_table(
        pl.DataFrame({"means": ["Threats"], "Female": [48], "Male": [3], "Unknown": [4]}),
        "means",
        ["Female", "Male", "Unknown"],
        RULE,
    )
    assert enough.frame.row(0, named=True)["Female"] == 48  # 3 + 4 = 7: no small sum to give away


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(
        st.lists(st.integers(0, 30) | st.integers(1, 4), min_size=3, max_size=3), min_size=2, max_size=4
    )
)
def test_no_line_gives_away_a_small_sum_of_its_withheld_cells(cells):
    frame = pl.DataFrame({"k": [f"r{i}" for i in range(len(cells))]}).with_columns(
        pl.Series(name, [row[j] for row in cells]) for j, name in enumerate(["a", "b", "c"])
    )
    try:
        table = suppress_table(frame, "k", ["a", "b", "c"], RULE)
    except DisclosureError:
        return
    shown = table.frame
    columns = ["a", "b", "c", "Total"]
    for i in range(shown.height):  # rows (the totals row too) with their published total
        values = [shown[c][i] for c in columns]
        true = [*cells[i], sum(cells[i])] if i < len(cells) else None
        if values[-1] is None or true is None:
            continue
        hidden = sum(t for v, t in zip(values[:-1], true[:-1], strict=True) if v is None)
        assert not RULE.is_small(hidden), (i, values, true)
    for c_index, column in enumerate(columns[:-1]):  # columns with their published total
        values = shown[column].to_list()
        if values[-1] is None:
            continue
        hidden = sum(row[c_index] for row, v in zip(cells, values[:-1], strict=True) if v is None)
        assert not RULE.is_small(hidden), (column, values)


# ------------------------------------------------------------------------------------ the one rule of ranges


@settings(max_examples=300, deadline=None)
@given(
    low=st.integers(0, 3_000),
    width=st.integers(0, 3_000),
    threshold=st.integers(2, 12),
    low_below=st.booleans(),
)
def test_a_range_never_prints_an_end_below_the_threshold(low, width, threshold, low_below):
    """REVIEW12 m3/m4: "<5–16", "3–12". Whatever the ends, no number below the threshold is printed (a 0 only
    for a range of nothing), and the disclosure scan reads the text as safe, in a table cell or in prose."""
    from evidence.presentation.disclosure import range_text

    rule = DisclosureRule(threshold=threshold)
    high = low + width
    text = range_text(low, high, rule, low_below=low_below and low < high)
    numbers = [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", text.replace(rule.label, ""))]
    assert all(n >= threshold for n in numbers) or (text == "0" and high == 0), text
    if high < threshold:
        assert text in (rule.label, "0")
    elif low < threshold or (low_below and low < high):
        assert text == f"up to {high:,}"
    else:
        assert text == (f"{low:,}" if low == high else f"{low:,}–{high:,}")
    cell = f"<table><tr><td>{html.escape(text)}</td></tr></table>"
    assert find_small_counts(cell, rule) == []
    assert find_small_counts(f'<td data-kind="people">{html.escape(text)}</td>', rule) == []
    assert find_small_counts(f"<p>{html.escape(text)} victims</p>", rule) == []


def test_the_scan_catches_a_range_whose_low_end_is_printed_small():
    """A bare small low end ("3–12") is caught in a table cell, unmarked or marked as censored cells; the
    rule's own form ("up to 12") and a range of counts at or above the threshold are not."""
    from evidence.presentation.disclosure import range_text

    rule = DisclosureRule(threshold=5)
    assert [h.value for h in find_small_counts("<table><tr><td>3–12</td></tr></table>", rule)] == [3]
    assert [h.value for h in find_small_counts("| Asia → Africa | 3–12 |\n", rule)] == [3]
    assert [h.value for h in find_small_counts('<td data-kind="censored">3–12</td>', rule)] == [3]
    assert find_small_counts('<td data-kind="censored">up to 12</td>', rule) == []
    assert find_small_counts("<table><tr><td>5–12</td><td>1,541–1,550</td></tr></table>", rule) == []
    assert range_text(3, 12, rule) == range_text(0, 12, rule) == "up to 12"
    assert range_text(3, 4, rule) == "<5" and range_text(0, 0, rule) == "0"
    with pytest.raises(ParameterError):
        range_text(12, 3, rule)


def test_counts_that_carry_their_cell_keys_are_perturbed_by_them_and_the_keys_never_published(own_records):
    """Found by the library session's audit: a frame from ``yearly_counts`` of records protected by cell key,
    given to ``suppress_counts``, kept its ``cell_key`` column as a key of the table (published) and its counts
    exact; ``suppress_table`` dropped the keys and published the counts exact. Both now perturb the counts by
    the keys the frame carries, as ``protect`` does, and publish no key."""
    from evidence.analyses import trends
    from evidence.analyses.selection import CELL_KEY, Selection
    from evidence.notebooks.builders import protect

    yearly = trends.yearly_counts(Selection(own_records, country="USA", role="destination"))
    assert CELL_KEY in yearly.columns
    expected = protect(yearly, "year", "count")
    assert expected is not None and expected.perturbed
    counts = yearly.select("year", "count", CELL_KEY)
    keys = yearly.select(pl.col(CELL_KEY).alias("count"))
    alone = suppress_counts(counts, "count")
    assert alone.perturbed and CELL_KEY not in alone.frame.columns
    assert alone.frame.equals(suppress_counts(counts.drop(CELL_KEY), "count", cell_keys=keys).frame)
    with_totals = suppress_table(counts, "year", ["count"])
    assert with_totals.perturbed and CELL_KEY not in with_totals.frame.columns
    assert with_totals.frame.equals(expected.frame)
    # the exact counts differ from the published ones somewhere: else this test could not fail
    published = with_totals.frame.filter(pl.col("year").cast(pl.String) != "Total")
    exact = counts.sort("year")["count"].to_list()
    assert published.sort("year")["count"].to_list() != exact
    with pytest.raises(ParameterError, match="bounds of the counts"):
        suppress_counts(yearly, "count")  # count_low and count_high would be published as keys
    with pytest.raises(ParameterError, match="which count is it the key of"):
        suppress_counts(yearly.select("year", "count", CELL_KEY, other=pl.col("count")), ["count", "other"])


def test_withhold_cells_adds_complements_and_keeps_a_small_cells_reason() -> None:
    from evidence.presentation.disclosure import suppress_counts, withhold_cells

    table = suppress_counts(pl.DataFrame({"k": ["a", "b", "c"], "n": [40, 3, 12]}), "n", DisclosureRule(5))
    shown = withhold_cells(table, "n", [0, 1])
    assert shown.display()["n"].to_list() == ["x", "<5", "12"]
    assert shown.frame["n_suppressed"].to_list() == [True, True, False]
    assert (shown.n_primary, shown.n_secondary) == (1, 1)
    assert withhold_cells(table, "n", []) is table


# ---------------------------------------------------------- the programmes the audits solve


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n_rows=st.integers(0, 5),
    n_cols=st.integers(1, 6),
    integral=st.booleans(),
    as_triplets=st.booleans(),
)
def test_a_linear_program_has_scipys_optimum_for_every_objective(
    seed: int, n_rows: int, n_cols: int, integral: bool, as_triplets: bool
) -> None:
    """:class:`LinearProgram` (HiGHS directly, one model re-solved objective after objective) finds the optimum
    SciPy's ``linprog``/``milp`` find from scratch, and says so when there is none (infeasible)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    from evidence.presentation.disclosure import LinearProgram

    rng = np.random.default_rng(seed)
    matrix = rng.integers(-2, 3, size=(n_rows, n_cols)).astype(float)
    point = rng.integers(0, 8, size=n_cols).astype(float)  # a whole-number point that fits, most of the time
    slack = rng.integers(0, 3, size=n_rows)
    lower, upper = matrix @ point - slack, matrix @ point + rng.integers(0, 3, size=n_rows)
    if n_rows and rng.random() < 0.2:
        lower[0], upper[0] = 1.0, 0.0  # no solution at all
    col_lower, col_upper = np.zeros(n_cols), np.full(n_cols, 12.0)
    rows = matrix
    if as_triplets:
        r, c = np.nonzero(matrix)
        rows = (r.tolist(), c.tolist(), matrix[r, c].tolist(), (n_rows, n_cols))
    program = LinearProgram(rows, lower, upper, col_lower, col_upper, integral=integral)
    constraints = [LinearConstraint(matrix, lower, upper)] if n_rows else []
    for _ in range(4):
        objective = rng.integers(-3, 4, size=n_cols).astype(float)
        found = program.solution(objective)
        if integral:
            reference = milp(
                objective,
                constraints=constraints,
                bounds=Bounds(col_lower, col_upper),
                integrality=np.ones(n_cols),
            )
        else:
            reference = linprog(
                objective,
                A_ub=np.vstack([matrix, -matrix]) if n_rows else None,
                b_ub=np.concatenate([upper, -lower]) if n_rows else None,
                bounds=list(zip(col_lower, col_upper, strict=True)),
                method="highs",
            )
        assert (found is None) == (reference.status != 0)
        if found is not None:
            assert found @ objective == pytest.approx(reference.fun, abs=1e-6)
            assert np.all(found >= col_lower - 1e-7) and np.all(found <= col_upper + 1e-7)
            if n_rows:
                assert np.all(matrix @ found >= lower - 1e-7) and np.all(matrix @ found <= upper + 1e-7)
            if integral:
                assert np.allclose(found, np.round(found), atol=1e-6)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), before_integral=st.booleans(), integral=st.booleans())
def test_a_linear_program_on_the_solver_of_one_gone_answers_as_on_a_new_solver(
    seed: int, before_integral: bool, integral: bool
) -> None:
    """A :class:`LinearProgram` takes the HiGHS solver of one gone (whole-numbered or not, its last solution
    without presolve): every solution is what a new solver finds, bit for bit."""
    from evidence.presentation import disclosure
    from evidence.presentation.disclosure import LinearProgram

    rng = np.random.default_rng(seed)

    def programme() -> tuple[tuple, list[np.ndarray]]:
        n_rows, n_cols = rng.integers(1, 5), rng.integers(1, 6)
        matrix = rng.integers(-2, 3, size=(n_rows, n_cols)).astype(float)
        point = rng.integers(0, 8, size=n_cols).astype(float)
        lower, upper = matrix @ point - rng.integers(0, 3, size=n_rows), matrix @ point + 1
        return (matrix, lower, upper, 0.0, 12.0), [
            rng.integers(-3, 4, size=n_cols).astype(float) for _ in range(4)
        ]

    def answers(program: LinearProgram, objectives: list[np.ndarray]) -> list[bytes | None]:
        found = [program.solution(o, presolve=k % 2 == 0) for k, o in enumerate(objectives)]
        return [None if x is None else x.tobytes() for x in found]

    idle = disclosure._IDLE_PROGRAMME_SOLVERS
    idle.clear()
    made, objectives = programme()
    fresh = answers(LinearProgram(*made, integral=integral), objectives)  # on a new solver
    before, objectives_before = programme()
    gone = LinearProgram(*before, integral=before_integral)
    answers(gone, objectives_before)  # a model, a basis and the presolve option left in its solver
    solver = gone._highs
    idle.clear()
    del gone
    assert idle == [solver]
    reused = LinearProgram(*made, integral=integral)
    assert reused._highs is solver
    assert answers(reused, objectives) == fresh


def test_a_linear_program_finds_the_whole_number_optimum_that_scipys_highs_presolve_misses() -> None:
    """A programme of the bounds audit (a 3×2 table of exact and censored parts, found when the audit moved
    off ``scipy.optimize.milp``): SciPy 1.17's HiGHS (1.12) with its presolve calls 107 optimal; a whole-number
    point of 99 fits (checked here by hand), as HiGHS without presolve finds. A wrong optimum only ever makes
    the audit withhold more, but the audit's result should not hang on a solver's presolve."""
    from evidence.presentation.disclosure import LinearProgram

    # the cells' exact parts (6), then their censored parts (6); each row a low bound (exact + 1 × censored) or a
    # high bound (exact + 4 × censored) of a cell or margin
    rows = np.array(
        [[0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 4, 0],
         [0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 1, 0, 0, 0, 0, 0, 4, 0, 0],
         [0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0], [0, 0, 1, 0, 0, 0, 0, 0, 4, 0, 0, 0], [0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0],
         [0, 0, 1, 1, 0, 0, 0, 0, 4, 4, 0, 0], [0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0],
         [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1], [0, 1, 0, 1, 0, 1, 0, 4, 0, 4, 0, 4], [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0],
         [1, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0], [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0], [1, 0, 1, 0, 1, 0, 4, 0, 4, 0, 4, 0],
         [1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0, 4, 4, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
         [1, 1, 1, 1, 1, 1, 4, 4, 4, 4, 4, 4]],
        dtype=float,
    )  # fmt: skip
    inf = np.inf
    lower = [1, 0, 0, 1, 1, 5, 0, 0, 1, 5, 0, 0, 1, 5, 1, 5, 1, 5, 1, 5, 15, 18]
    upper = [4, 0, 0, 4, inf, inf, 0, 0, inf, inf, 0, 0, inf, inf, inf, inf, inf, inf, inf, inf, 15, 18]
    objective = np.array([6, 4, 4, 6, 5, 8, 15, 10, 10, 15, 10, 15], dtype=float)
    program = LinearProgram(rows, lower, upper, 0.0, 230.0, integral=True)
    better = np.array([9, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1], dtype=float)
    activity = rows @ better
    assert np.all(activity >= lower) and np.all(activity <= upper) and objective @ better == 99
    found = program.solution(objective)
    assert found is not None and objective @ found == pytest.approx(99)


def test_a_point_the_solver_calls_optimal_is_no_solution_unless_it_fits() -> None:
    """A solver that returns an "optimal" point breaking a constraint (HiGHS 1.8 did: scipy/scipy#24141) would
    let an audit believe a pinned count can move: such a point is no solution."""
    from evidence.presentation.disclosure import LinearProgram

    program = LinearProgram(np.array([[1.0, 1.0]]), [3.0], [3.0], 0.0, 5.0, integral=True)
    assert program.fits(np.array([1.0, 2.0])) and program.solution(np.array([1.0, 0.0])) is not None
    assert not program.fits(np.array([1.0, 1.0]))  # the row: 2, not 3
    assert not program.fits(np.array([1.5, 1.5]))  # not whole
    assert not program.fits(np.array([-1.0, 4.0]))  # below a bound

    class MadeUp:
        def __init__(self, highs: object) -> None:
            self.highs = highs

        def __getattr__(self, name: str) -> object:
            return getattr(self.highs, name)

        def getSolution(self) -> object:
            return SimpleNamespace(col_value=[0.0, 0.0])

    program._highs = MadeUp(program._highs)  # type: ignore[assignment]
    assert program.solution(np.array([1.0, 0.0])) is None


def _as_counts_by_query(df: pl.DataFrame, columns: list[str], allow_null: bool) -> str | pl.DataFrame:
    """The count check as one query of every column (the reference of the test below): the problem found first,
    or the counts cast to Int64."""
    for column in columns:
        dtype = df.schema[column]
        if not dtype.is_numeric():
            return "not a number"
        values = df.get_column(column)
        if dtype.is_float() and bool(
            (values.is_nan() | values.is_infinite() | (values != values.round(0))).fill_null(False).any()
        ):
            return "not whole"
        if bool((values < 0).fill_null(False).any()):
            return "negative"
        if not allow_null and values.null_count():
            return "missing"
    return df.with_columns(pl.col(c).cast(pl.Int64) for c in columns)


_COUNT_COLUMNS = st.one_of(
    st.lists(st.one_of(st.none(), st.integers(-3, 40)), min_size=0, max_size=6).map(
        lambda v: pl.Series(v, dtype=pl.Int64)
    ),
    st.lists(st.one_of(st.none(), st.integers(0, 40)), min_size=0, max_size=6).map(
        lambda v: pl.Series(v, dtype=pl.UInt32)
    ),
    st.lists(
        st.one_of(st.none(), st.sampled_from([0.0, 2.0, 7.0, 2.5, -1.0, float("nan"), float("inf")])),
        min_size=0,
        max_size=6,
    ).map(lambda v: pl.Series(v, dtype=pl.Float64)),
    st.just(pl.Series(["a"], dtype=pl.String)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_COUNT_COLUMNS, min_size=1, max_size=3), st.booleans())
def test_counts_are_checked_as_one_query_of_every_column_would_and_whole_numbers_without_one(
    columns, allow_null
):
    """Whole-number columns are checked from the columns themselves (their null count, their minimum): no query
    of the table each time a table is protected (a brief protects dozens); what is refused, and the counts
    given, are those of checking every column in one query."""
    from evidence.presentation.disclosure import _as_counts

    height = max(len(c) for c in columns)  # each column as long as the longest, with nulls
    columns = [c.extend_constant(None, height - len(c)) for c in columns]
    df = pl.DataFrame({f"c{i}": c for i, c in enumerate(columns)})
    names = list(df.columns)
    expected = _as_counts_by_query(df, names, allow_null)
    messages = {
        "not a number": "not a number",
        "not whole": "not whole numbers",
        "negative": "negative",
        "missing": "missing values",
    }
    if isinstance(expected, str):
        with pytest.raises(ParameterError, match=messages[expected]):
            _as_counts(df, names, allow_null=allow_null)
    else:
        assert _as_counts(df, names, allow_null=allow_null).equals(expected)


def test_whole_number_counts_are_checked_without_a_query(monkeypatch):
    from evidence.presentation.disclosure import _as_counts

    df = pl.DataFrame({"key": ["a", "b"], "n": [3, 12], "m": pl.Series([0, 7], dtype=pl.UInt32)})
    queries: list[str] = []
    for method in ("select", "with_columns"):
        original = getattr(pl.DataFrame, method)
        monkeypatch.setattr(
            pl.DataFrame,
            method,
            lambda self, *a, _o=original, _m=method, **k: queries.append(_m) or _o(self, *a, **k),
        )
    out = _as_counts(df, ["n"], allow_null=False)
    assert out["n"].to_list() == [3, 12] and queries == []
    assert _as_counts(df, ["n", "m"], allow_null=False)["m"].dtype == pl.Int64
    assert queries == ["with_columns"]  # a cast, no check
