"""View builders: the protected tables and sentences that notebooks, briefs and the CLI publish about a selection.

One builder per kind of answer, so that a number is the same wherever it is published: the route numbers of a
selection (:func:`route_numbers`: key figures, the route table, chart data, the region table), its victims per year
(:func:`yearly_numbers`: per year and by a dimension, the series the trend models read), its profile
(:func:`profile_view`), and the data-quality tables. ``evidence flows`` and ``evidence trend`` print these same
tables; the notebooks show them (:mod:`evidence.notebooks.views` does the displaying). The builders are pure: they
return tables and text, and show nothing.

Every count passes :mod:`evidence.presentation.disclosure`. Wherever a total, or a number that complements the
categories (victims not recorded, victims not on a route), is published beside them, the table is protected
*with* it, so that no withheld count can be recomputed; numbers shown in two places (key figures and the route
table, yearly counts and the table by a dimension) are read from one protected table. Counts of a selection
whose table is protected by cell key (victim-level records of real people) carry their cell keys into the
tables, which are then perturbed, the same way in every output. A share or interval of a withheld count, or of a
withheld denominator, is withheld too. A selection too small to protect gives None (:data:`TOO_FEW`).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import re
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Literal, NamedTuple, cast

import polars as pl

from evidence.analyses.count_models import EstimationError
from evidence.analyses.intervals import UNCENSORED, censoring_thresholds, wilson_interval
from evidence.analyses.routes import GROWTH_ALPHA, FlowCoverage, PeriodSplit
from evidence.analyses.selection import CELL_KEY, IN_MEMORY, RECORD_CELL_KEY, Selection, kept_once
from evidence.analyses.trends import (
    FLAG_DIMENSIONS,
    FLAG_WORDS,
    INCOMPLETE,
    MATERIAL_SHARE,
    PANEL_FLOOR,
    UNKNOWN,
    Break,
    FlagKind,
    IncompleteYear,
    RateRatio,
    SteadyPanel,
)
from evidence.core.errors import EvidenceError, ParameterError
from evidence.core.text import age_band_text, column_title, number_in_words, word_list
from evidence.presentation import markup
from evidence.presentation.disclosure import (
    CENSORED,
    COMPLEMENT_LABEL,
    COMPLEMENT_REASON,
    DEFAULT_RULE,
    ONE,
    PEOPLE,
    SHARE,
    SHARE_SUPPRESSED_LABEL,
    SMALL_REASON,
    SUPPRESSED_SUFFIX,
    UNLABELLED,
    DisclosedTable,
    DisclosureError,
    DisclosureRule,
    LinkedCounts,
    SolverUnanswered,
    TableCell,
    carried_cell_keys,
    fails_closed,
    linked_exposures,
    protect_linked,
    protect_together,
    range_text,
    suppress_bounds,
    suppress_counts,
    suppress_table,
    with_series,
    withhold_cells,
)
from evidence.presentation.markup import escape_markdown, possessive
from evidence.sources.countries import name_in_text, name_of
from evidence.sources.loaded import LoadedTable

#: What a notebook shows instead of a table that no suppression can protect (a tiny selection).
TOO_FEW = "Too few victims to show this table without disclosing small counts."
#: The route table's defaults, shared by the notebooks and ``evidence flows``.
TOP_N, MIN_VICTIMS = 10, 5
#: a listing's length that lists every corridor (of at least its minimum)
EVERY_CORRIDOR: Final = 2**31 - 1
#: UNODC's censoring: a cell published as ``<5`` is read as 1 to 4, its high bound 4 (:func:`censored_high`).
PUBLISHER_CENSORED_HIGH: Final = 4


@fails_closed
def protected_table(
    df: pl.DataFrame,
    key: str | Sequence[str],
    value_columns: Sequence[str],
    rule: DisclosureRule,
    *,
    total_label: str = "Total",
    cell_keys: pl.DataFrame | None = None,
    censored: pl.DataFrame | None = None,
) -> DisclosedTable | None:
    """:func:`~evidence.presentation.disclosure.suppress_table` (totals; secondary suppression and audit, or
    cell key perturbation when ``cell_keys`` are given; ``censored``: the cells made only of the publisher's
    censored counts), or None for a table too small to protect."""
    try:
        return suppress_table(
            df,
            key,
            list(value_columns),
            rule,
            total_label=total_label,
            cell_keys=cell_keys,
            censored=censored,
        )
    except DisclosureError:
        return None


@fails_closed
def protect(
    frame: pl.DataFrame,
    key: str | Sequence[str],
    value_columns: str | Sequence[str],
    rule: DisclosureRule = DEFAULT_RULE,
    *,
    total_label: str = "Total",
) -> DisclosedTable | None:
    """A table of counts of people that an analysis returned (``trends.yearly_counts``, ``routes.flows``,
    ``profiles.group_shares``, ``causes.profile``…), protected for display as the notebooks protect theirs:
    :func:`protected_table` with, for records protected by cell key, the cell keys the analysis carried beside
    each count (``<column>_key``, or ``cell_key`` beside a single count column), so the counts are perturbed as
    in every other output; None for a table too small to protect. Show it with
    :func:`evidence.notebooks.views.show_table`."""
    columns = [value_columns] if isinstance(value_columns, str) else list(value_columns)
    keys = [key] if isinstance(key, str) else list(key)
    missing = [c for c in [*keys, *columns] if c not in frame.columns]
    if missing:
        raise ParameterError(f"the table has no column {missing[0]!r} (it has {', '.join(frame.columns)})")
    cell_keys = carried_cell_keys(frame, columns)
    return protected_table(
        frame.select(*keys, *columns), keys, columns, rule, total_label=total_label, cell_keys=cell_keys
    )


@fails_closed
def protected_bounds(
    low: pl.DataFrame,
    high: pl.DataFrame,
    key: str | Sequence[str],
    value_columns: Sequence[str],
    rule: DisclosureRule,
    *,
    total_label: str = "Total",
    exact: pl.DataFrame | None = None,
    censored_high: int = PUBLISHER_CENSORED_HIGH,
) -> Bounds | None:
    """The two bounds of a table of censored counts (UNODC), protected as one system
    (:func:`~evidence.presentation.disclosure.suppress_bounds`: a reader holds both bounds of every published
    cell, so neither a withheld cell nor a small exact part follows from the pair), or None for a table too
    small to protect. ``exact``: each cell's part published exactly (:data:`~evidence.analyses.intervals.UNCENSORED`,
    cell for cell; a cell without one is made only of the publisher's ``<5`` cells: :func:`censored_cells`);
    None: read from the bounds, and no cell taken as the publisher's own. ``censored_high``: the high bound of
    the publisher's censored cells (:func:`censored_high`: 4 for UNODC's ``<5``, 9 for a file's ``<10``). The
    one protection of the route, region and yearly tables of censored counts.

    The same tables protected again in a process are not audited again: a brief protects the same pair in
    each bound's route view and in each breakdown's yearly numbers (the audit is an integer programme)."""
    columns = list(value_columns)
    keys = (key,) if isinstance(key, str) else tuple(key)
    found = (keys, tuple(columns), rule, total_label, censored_high, low.shape, tuple(low.columns))
    for kept_low, kept_high, kept_exact, bounds in _PROTECTED_BOUNDS.get(found, ()):
        if _same(kept_low, low) and _same(kept_high, high) and _same(kept_exact, exact):
            return bounds
    censored = None if exact is None else censored_cells(exact, columns)
    try:
        pair = fails_closed(suppress_bounds)(
            low,
            high,
            key,
            columns,
            rule,
            exact=exact,
            censored=censored,
            total_label=total_label,
            censored_range=(1, censored_high),
        )
    except SolverUnanswered:
        raise  # never kept: a later protection, the solver answering, proves what this one could not
    except DisclosureError:
        bounds = None
    else:
        bounds = Bounds(*pair)
    if len(_PROTECTED_BOUNDS) >= _PROTECTED_BOUNDS_KEPT:
        del _PROTECTED_BOUNDS[next(iter(_PROTECTED_BOUNDS))]
    # the tables as given are kept (a copy: the caller's frames are its own)
    kept = (low.clone(), high.clone(), None if exact is None else exact.clone(), bounds)
    same_shape = _PROTECTED_BOUNDS.setdefault(found, [])
    same_shape.append(kept)
    del same_shape[:-_SAME_SHAPE_KEPT]
    return bounds


#: The pairs :func:`protected_bounds` protected in this process, by their keys, columns, rule, total label and
#: shape: (low, high, exact, what it gave).
_PROTECTED_BOUNDS: dict[
    tuple[Any, ...], list[tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame | None, Any]]
] = {}
_PROTECTED_BOUNDS_KEPT, _SAME_SHAPE_KEPT = 64, 8


def _same(kept: pl.DataFrame | None, given: pl.DataFrame | None) -> bool:
    """Whether two frames (or two Nones) hold the same columns, types and values (nulls equal)."""
    if kept is None or given is None:
        return kept is None and given is None
    return kept.schema == given.schema and kept.equals(given, null_equal=True)


def _censored_table(selection: Selection | None) -> pl.DataFrame | None:
    """The frame of the selection's table where it can hold the publisher's censored cells (its ``censored`` and
    ``value_high`` columns); None without a selection or those columns (case records)."""
    if selection is None:
        return None
    data = selection.table.data if isinstance(selection.table, LoadedTable) else selection.table
    return data if {"censored", "value_high"} <= set(data.columns) else None


def censored_high(selection: Selection | None) -> int:
    """The high bound of the publisher's censored cells in the selection's table, as the loader reads ``<N`` (1
    to N-1): 4 for UNODC's ``<5``, 9 for a file publishing ``<10``, so that a cell of an exact part ``E`` and
    ``k`` such cells is read as ``E + k`` to ``E + 9k``, not as UNODC's ``E + 4k``. The largest where a file
    publishes several (``<3`` and ``<10``: 9; a cell holding the ``<3`` then has bounds of no such form, read as
    any such cell); 4 for a table without censored cells. Read once per table (a brief asks it of every table)."""
    data = _censored_table(selection)
    if data is None:
        return PUBLISHER_CENSORED_HIGH

    def read() -> int:
        thresholds = censoring_thresholds(data.filter(pl.col("censored"))["value_high"])
        return max(thresholds) - 1 if thresholds else PUBLISHER_CENSORED_HIGH

    return kept_once(data, ("censored high",), read)


def censored_labels(selection: Selection | None) -> str:
    """How the publisher printed its censored cells in the selection's table, as read from it: ``<5`` for
    UNODC's, ``<10`` for a file censoring at ten, ``<3 or <10`` for one publishing both (a country's own
    breakdowns, role destination: its own rows' labels); ``<5`` without any."""
    data = _censored_table(selection)
    if data is None or selection is None:  # (no selection has no data: said for the type checker)
        return "<5"
    own = selection.country if selection.role == "destination" and "iso3" in data.columns else None

    def read() -> tuple[int, ...]:
        rows = data.filter(pl.col("censored") & (pl.col("iso3") == own if own is not None else True))
        return tuple(censoring_thresholds(rows["value_high"]))

    thresholds = kept_once(data, ("censored labels", own), read)

    return word_list([f"<{n}" for n in thresholds or (5,)], last="or")


def censored_cells(exact_parts: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """The ``censored`` mask of :func:`protected_table` (a boolean column per count column, row for row) from a
    table of the cells' parts published exactly (:data:`~evidence.analyses.intervals.UNCENSORED`, cell for cell):
    a cell without one is made only of the publisher's own ``<5`` cells (UNODC's, or none at all), so its bounds
    follow from the publisher's file: shown as small without a complement, never picked as one, and known to the
    audit's attacker (see :func:`~evidence.presentation.disclosure.suppress_table`). The one rule of the route,
    region and yearly tables (:func:`protected_bounds`). An exact small count (a file that publishes ``3``) has
    one, and is protected."""
    # read as lists (a cell without a part: null or 0), not a query per table of a few dozen rows
    return pl.DataFrame(
        [pl.Series(c, [not v for v in exact_parts[c].to_list()], dtype=pl.Boolean) for c in columns]
    )


def _published(table: DisclosedTable, column: str) -> list[int | None]:
    """A count column's values, None where withheld."""
    return table.frame[column].to_list()


def _wide(long: pl.DataFrame, index: str, on: str, values: str, columns: Sequence[str]) -> pl.DataFrame:
    """``long`` pivoted to one column per category of ``on`` (in ``columns`` order), absent cells 0."""
    wide = long.pivot(on=on, index=index, values=values)
    # in one query: the categories absent from ``long`` a column of zeros
    return wide.select(
        index,
        *[
            (pl.col(c) if c in wide.columns else pl.lit(0, pl.Int64)).fill_null(0).cast(pl.Int64).alias(c)
            for c in columns
        ],
    )


# ------------------------------------------------------------------------------------------------ sources


def source_line(tables: Iterable[LoadedTable]) -> str:
    """The sources of a chart in one line, as readers name them (``"CTDC Global Synthetic Dataset, release
    2024; UNODC GLOTIP, release 30 May 2023"``), with synthetic data named as such."""
    parts = []
    for t in tables:
        p = t.provenance
        label = p.label
        if p.demo and "not real" not in label.lower():
            label += " (synthetic demo data, not real records)"
        elif p.synthetic and not p.demo:
            label += " (synthetic records)"
        parts.append(label)
    return "; ".join(dict.fromkeys(parts)) or "unknown"


@fails_closed
def sources_view(tables: Iterable[LoadedTable], rule: DisclosureRule) -> DisclosedTable | None:
    """One row per loaded file: source and release, what the records are, and rows kept and rejected
    with rows read as their total. Row accounting is exact (never perturbed).

    Where a row of the file is a person (victim-level records) the counts are protected together (read minus
    kept would give a withheld rejected count back), and a file's rows read are withheld wherever its rejected
    rows are (other outputs publish the records kept); the rows of a country-level table (UNODC, GSI, TIP) are
    cells of a public aggregate, not people, and are shown as they are. None when there are no files, or
    the victim-level files' counts are too few to protect."""
    loaded = list(tables)
    if not loaded:
        return None
    rows = [
        {
            "source": t.provenance.label,  # the source's name and release, never a layout id
            # in words a reader takes as they are ("Records: real" said little)
            "records": "synthetic demo data"
            if t.provenance.demo
            else ("the publisher's synthetic release" if t.provenance.synthetic else "real data"),
            "kept": t.rows_kept,
            "rejected": t.rows_rejected,
        }
        for t in loaded
    ]
    frame = pl.DataFrame(rows)
    keys = ["source", "records"]
    if frame.select(keys).is_duplicated().any():  # the same release loaded twice (two files)
        frame = frame.with_columns(
            pl.col("source") + " (file " + (pl.int_range(pl.len()) + 1).cast(pl.String) + ")"
        )
    people = pl.Series([rows_are_people(t) for t in loaded])
    counts = ["kept", "rejected", "read"]
    parts, reasons = [], []
    if people.any():
        protected = protected_table(
            frame.filter(people), keys, ["kept", "rejected"], rule, total_label="read"
        )
        if protected is None:
            return None
        # protected with its totals row (rows over all files), left out: it adds nothing to read
        body, why = protected.frame.head(-1), protected.reasons.head(-1)
        # a file's rows read are withheld wherever its rejected are: other outputs publish the records kept
        # (a completeness table's 58 records beside 60 read gave 2 rejected back)
        small = why["rejected"] == SMALL_REASON
        parts.append(
            body.with_columns(
                pl.when(small).then(None).otherwise(pl.col("read")).alias("read"),
                (pl.col("read" + SUPPRESSED_SUFFIX) | small).alias("read" + SUPPRESSED_SUFFIX),
            )
        )
        reasons.append(
            why.with_columns(
                pl.when(small).then(pl.lit(COMPLEMENT_REASON)).otherwise(pl.col("read")).alias("read")
            )
        )
    aggregate = frame.filter(~people)
    if aggregate.height:
        parts.append(
            aggregate.with_columns((pl.col("kept") + pl.col("rejected")).alias("read")).with_columns(
                [pl.lit(False).alias(c + SUPPRESSED_SUFFIX) for c in counts]
            )
        )
        reasons.append(
            pl.DataFrame(
                {c: [None] * aggregate.height for c in counts}, schema={c: pl.String for c in counts}
            )
        )
    # the parts hold the victim-level files, then the others: back to the order the files were given in
    back = pl.concat([pl.arg_where(people, eager=True), pl.arg_where(~people, eager=True)]).arg_sort()
    body = pl.concat([p.select(parts[0].columns) for p in parts], how="vertical_relaxed")[back]
    why = pl.concat(reasons, how="vertical_relaxed")[back]
    marks = why.unpivot()["value"]
    return DisclosedTable(
        frame=body,
        count_columns=tuple(counts),
        rule=rule,
        n_primary=int((marks == "small").sum()),
        n_secondary=int((marks == "complement").sum()),
        has_total_column=True,
        total_label="read",
        reasons=why,
    )


def rows_are_people(table: LoadedTable) -> bool:
    """Whether one data row of ``table`` is one person (victim-level records), so that its row counts are
    counts of people (protected when published) rather than cells of a country-level table."""
    return table.kind == "case"


def sources_kinds(tables: Iterable[LoadedTable]) -> dict[str, list[str]]:
    """The ``kinds`` of :func:`sources_view`'s count columns, row by row, for the brief's disclosure scan."""
    per_row = [PEOPLE if rows_are_people(t) else "values" for t in tables]
    return {column: per_row for column in ("kept", "rejected", "read")}


#: Readable headers of :func:`sources_view`.
SOURCE_LABELS = {
    "source": "Source and release",
    "records": "Data",
    "kept": "Rows kept",
    "rejected": "Rows rejected",
    "read": "Rows read",
}


# ----------------------------------------------------------------------------------------------- profiles


@fails_closed
def shares_view(
    shares: pl.DataFrame,
    rule: DisclosureRule,
    *,
    label: str = "category",
    order: Sequence[str] | None = None,
    records: tuple[int, int] = (0, 0),
) -> pl.DataFrame | None:
    """A shares table (columns category, count, n_known, n_unknown, share, ci_low, ci_high, and their cell
    keys for keyed records, as :func:`evidence.analyses.profiles.group_shares` returns) for display: the
    categories, "Not recorded" and the total of the selection, protected together so that no withheld count
    can be recomputed from the total or the other rows; None when the selection is too small to protect. The
    total is never withheld for another count's sake: every output of the selection shows it (the brief's
    headline), so the rest is protected against it (:func:`_with_total_shown`).

    Categories that partition the known records (single-valued fields) form one table with the total; those
    that overlap (flag groups: one victim, several forms) get primary suppression, and the known/unknown
    split its own protected table, then both are protected together as the causes section's profiles are
    (:func:`_overlap_protected`: no small number of victims with several flags, nor any withheld count, follows;
    perturbed counts by their true ones). A share and its interval are shown only where both the count and the
    number of victims with the field recorded are published. ``order`` sorts the categories (e.g. age bands
    by age); by default they keep the given order (largest first, from the analysis), the withheld ones after
    the published ones, by name: their place among them would compare their counts with the published ones.
    ``records`` (the selection's records and the sum of their
    cell keys) gives "Not recorded" and the total where ``shares`` has no rows (a column known for none of the
    selection: every victim is "not recorded").
    """
    shares = _ordered_shares(shares, order)
    protected = _protected_shares(shares, rule, records)
    if protected is None:
        return None
    if protected.split is None:  # the categories partition the known records
        table = protected.categories
        counts = _published(table, "count")
        category_counts = counts[: shares.height]
        if all(c is not None for c in category_counts):
            known: int | None = sum(c for c in category_counts if c is not None)
        elif counts[-1] is not None and counts[-2] is not None:
            known = counts[-1] - counts[-2]
        else:
            known = None
        shown = table.display()
    else:
        categories, split = protected.categories, protected.split
        known = _published(split, "count")[0]
        category_counts = _published(categories, "count")
        shown = pl.concat([categories.display(), split.display()])
    share_text, interval_text = [], []
    for i, count in enumerate(category_counts):
        ok = count is not None and known
        # a perturbed count of a flag can exceed the perturbed "Recorded (at least one)" by a few: its share is
        # of all of them, never more (Ukraine's means of control: 116.7% under one secret)
        count = min(count, known) if ok else count  # type: ignore[type-var]
        share_text.append(f"{count / known * 100:.1f}%" if ok else "")  # type: ignore[operator]
        # of the published counts: an interval of the true ones, to a tenth of a percent, gives them back (and
        # with them the perturbation of every output)
        low, high = (float(v[0]) for v in wilson_interval([count or 0], [known or 0], 0.05))
        interval_text.append(f"{low * 100:.1f}% – {high * 100:.1f}%" if ok else "")
    if order is None:
        # without an order of their own the categories come largest first: a withheld one listed by its count
        # said how it compares with the others (two <5 forms of six victims, the larger first, gave it back: 4),
        # so the withheld ones follow the published ones, by name, as a route table lists a withheld corridor;
        # the published ones by the numbers shown (a perturbed count's true one would order them otherwise)
        names = [str(name) for name in shown["category"].to_list()]

        def place(i: int) -> tuple[bool, int, str]:
            count = category_counts[i]
            return (count is None, -(count or 0), names[i])

        listed = sorted(range(len(category_counts)), key=place)
        rows = [*listed, *range(len(category_counts), shown.height)]
        shown = shown[rows]
        share_text, interval_text = [share_text[i] for i in listed], [interval_text[i] for i in listed]
    padding = [""] * (shown.height - len(share_text))
    return shown.rename({"category": label, "count": "Victims"}).with_columns(
        pl.Series("Share of those recorded", share_text + padding),
        pl.Series("95% interval", interval_text + padding),
    )


def _ordered_shares(shares: pl.DataFrame, order: Sequence[str] | None) -> pl.DataFrame:
    """A shares table's rows in ``order`` of their categories (the others after them); as given without one."""
    if order is None:
        return shares
    rank = {c: i for i, c in enumerate(order)}
    return shares.sort(pl.col("category").replace_strict(rank, default=len(rank), return_dtype=pl.Int64))


@dataclass(frozen=True)
class _SharesTables:
    """The protected counts of a shares table (:func:`shares_view`): where the categories partition the known
    records, ``categories`` holds them, "Not recorded" and the total, and ``split`` is None; where they overlap
    (flags), ``categories`` holds the flags and ``split`` the victims with at least one, those with none and the
    total. ``counts``: the categories' true counts, ``split_counts``: the victims with a category recorded and
    those without."""

    categories: DisclosedTable
    split: DisclosedTable | None
    counts: tuple[int, ...]
    split_counts: tuple[int, int]


def _protected_shares(
    shares: pl.DataFrame, rule: DisclosureRule, records: tuple[int, int] = (0, 0)
) -> _SharesTables | None:
    """The counts a shares table (:func:`shares_view`, whose arguments these are) publishes, protected; None when
    the selection is too small to protect."""
    keyed = CELL_KEY in shares.columns
    n_known = int(shares["n_known"][0]) if shares.height else 0
    n_unknown = int(shares["n_unknown"][0]) if shares.height else records[0]
    known_key = int(shares["n_known_key"][0]) if keyed and shares.height else 0
    unknown_key = int(shares["n_unknown_key"][0]) if keyed and shares.height else records[1]
    not_recorded = pl.DataFrame({"category": [NOT_RECORDED], "count": [n_unknown], CELL_KEY: [unknown_key]})
    total_label = ALL_IN_SELECTION
    category_keys = shares[CELL_KEY] if keyed else pl.Series(CELL_KEY, [0] * shares.height, dtype=pl.Int64)
    categories_frame = shares[["category", "count"]].with_columns(category_keys.alias(CELL_KEY))
    counts = tuple(int(c) for c in shares["count"].to_list())

    def keys_of(frame: pl.DataFrame) -> pl.DataFrame | None:
        return frame.select(pl.col(CELL_KEY).alias("count")) if keyed else None

    if int(shares["count"].sum()) == n_known:  # the categories partition the known records
        rows = pl.concat([categories_frame, not_recorded])
        table = protected_table(
            rows.drop(CELL_KEY), "category", ["count"], rule, total_label=total_label, cell_keys=keys_of(rows)
        )
        if table is not None:  # the selection's total stays, as every output shows it
            keys = rows[CELL_KEY].to_list() if keyed else None
            table = _with_total_shown(table, "count", rows["count"].to_list(), keys, rule)
        return None if table is None else _SharesTables(table, None, counts, (n_known, n_unknown))
    categories = suppress_counts(
        categories_frame.drop(CELL_KEY), "count", rule, cell_keys=keys_of(categories_frame)
    )
    split_rows = pl.concat(
        [
            pl.DataFrame(
                {"category": ["Recorded (at least one)"], "count": [n_known], CELL_KEY: [known_key]}
            ),
            not_recorded,
        ]
    )
    split = protected_table(
        split_rows.drop(CELL_KEY),
        "category",
        ["count"],
        rule,
        total_label=total_label,
        cell_keys=keys_of(split_rows),
    )
    if split is not None:  # the selection's total stays, as every output shows it
        keys = [known_key, unknown_key] if keyed else None
        split = _with_total_shown(split, "count", [n_known, n_unknown], keys, rule)
    if split is None:
        return None
    # perturbed counts too, on their true counts, as secondary suppression protects a table's lines (read as
    # exact, right whenever their perturbations are 0): forced labour, every victim's form where the others are
    # 0, is "Recorded (at least one)" (the same records, so the same number) and gave the <5 not recorded back
    protected = _overlap_protected(categories, split, counts, (n_known, n_unknown), rule)
    if protected is None:
        return None
    categories, split = protected
    return _SharesTables(categories, split, counts, (n_known, n_unknown))


def _with_total_shown(
    table: DisclosedTable,
    column: str,
    counts: Sequence[int],
    keys: Sequence[int] | None,
    rule: DisclosureRule,
) -> DisclosedTable | None:
    """A protected one-way table of the selection's victims (``column``: its rows' true ``counts``, which add up
    to all of them, and their cell keys, None for records not perturbed; its last row their total) with that
    total shown where its own protection withheld it as a complement. Every output of the selection publishes
    it (the brief's headline and route table), so withheld here it hid nothing, and the table was protected
    against a reader who lacks what the headline gives: the k-anonymised fixture's Thailand by sex, Female
    ``x``, Male ``<5``, total ``x`` beside six victims in the headline (Male is 1); the demo's Fiji as
    destination, one victim in each of six years, ``<5`` each and total ``x`` beside six (each is 1). Further
    rows are withheld (:func:`protect_linked`) until no withheld count follows from the total; None when none
    will do (a table then not shown)."""
    reasons = table.reasons[column].to_list()
    if reasons[-1] != COMPLEMENT_REASON:
        return table
    everyone = sum(counts)
    # the total as every other output publishes it: the same records, the same key, the same perturbation
    key = None if keys is None else pl.DataFrame({column: [sum(keys)]})
    total = suppress_counts(pl.DataFrame({column: [everyone]}), column, rule, cell_keys=key)
    value, why = total.frame[column][0], total.reasons[column][0]
    system = LinkedCounts()
    rows = [("row", i) for i in range(len(counts))]
    for name, count, reason in zip(rows, counts, reasons[:-1], strict=True):
        _publish_read(system, name, int(count), reason, rule)
    _publish_read(system, ("all",), everyone, why, rule)
    system.equalities.append({**dict.fromkeys(rows, 1.0), ("all",): -1.0})
    shown = {name for name, reason in zip(rows, reasons[:-1], strict=True) if reason is None}
    try:
        withheld = protect_linked(system, rule, among=shown)
    except DisclosureError:
        return None
    table = withhold_cells(table, column, [i for i, name in enumerate(rows) if name in withheld])
    values, flags = table.frame[column].to_list(), table.frame[column + SUPPRESSED_SUFFIX].to_list()
    why_now = table.reasons[column].to_list()
    values[-1], flags[-1], why_now[-1] = value, why is not None, why
    return dataclasses.replace(
        _column_replaced(table, column, values, flags, why_now),
        n_secondary=table.n_secondary - 1,
        n_primary=table.n_primary + (why is not None),
    )


def _column_replaced(
    table: DisclosedTable, column: str, values: list, flags: list[bool], why: list[str | None]
) -> DisclosedTable:
    """``table`` with one count column's values, withheld flags and reasons replaced (its counts of withheld
    cells are the caller's to set)."""
    return dataclasses.replace(
        table,
        frame=with_series(
            table.frame,
            [
                pl.Series(column, values, dtype=pl.Int64),
                pl.Series(column + SUPPRESSED_SUFFIX, flags, dtype=pl.Boolean),
            ],
        ),
        reasons=with_series(table.reasons, [pl.Series(column, why, dtype=pl.String)]),
    )


#: The status of a quantity of a linked system that no table shows (a count a reader gets only by difference).
_UNPUBLISHED: Final = "unpublished"


def _publish_read(
    system: LinkedCounts, name: Hashable, value: int, reason: str | None, rule: DisclosureRule
) -> None:
    """A count of ``system`` as a table shows it (``reason``: None, ``"small"``, ``"complement"``), or shown
    nowhere (:data:`_UNPUBLISHED`). A label of one value (``<2``: 1) publishes it."""
    if reason == _UNPUBLISHED:
        system.quantity(name, value)
        return
    read = None if reason == SMALL_REASON and rule.smallest_small == rule.threshold - 1 else reason
    system.publish(name, value, read)


def _link_overlap(
    system: LinkedCounts,
    flags: Sequence[Hashable],
    recorded: Hashable,
    several: Hashable,
    without: Callable[[Hashable], Hashable],
) -> None:
    """What anyone knows of overlapping categories (flags) and the victims with at least one (``recorded``): each
    flag holds at most them, and together at least them. Their sum less ``recorded`` is how many flags victims hold
    beyond their first (``several``, derived: a small one says that few victims hold several, 41 + 36 - 74 = 3
    with both forms), and ``recorded`` less a flag the victims with at least one flag but not this one
    (``without(flag)``, derived: Recorded 23, forced labour 16, 7 with another form)."""
    system.at_most += [{flag: 1.0, recorded: -1.0} for flag in flags]
    system.at_most.append({recorded: 1.0, **dict.fromkeys(flags, -1.0)})
    system.derived[several] = {**dict.fromkeys(flags, 1.0), recorded: -1.0}
    for flag in flags:
        system.derived[without(flag)] = {recorded: 1.0, flag: -1.0}


def _overlap_protected(
    categories: DisclosedTable,
    split: DisclosedTable,
    counts: Sequence[int],
    split_counts: tuple[int, int],
    rule: DisclosureRule,
) -> tuple[DisclosedTable, DisclosedTable] | None:
    """Overlapping categories (flags) and the split of their victims (with at least one, not recorded, all),
    protected as one system (:class:`LinkedCounts`), as the causes section protects its profiles: each flag holds
    at most the victims with at least one, and together at least them; their sum less that number is how many
    flags victims hold beyond their first (derived), and a small one says that few victims hold several
    (41 + 36 - 74 = 3 with both forms). Further counts are withheld (``x``, :func:`protect_linked`: a flag, or
    the victims with at least one and those without) until no withheld count, and no small number of flags
    beyond the first, is the only value that fits what the two tables publish. ``counts``: the flags' true counts,
    in ``categories``' order; ``split_counts``: the victims with at least one and those with none. None when no
    withholding protects them (a count pinned by its label alone). Counts perturbed by cell keys are protected by
    their true counts, as a table's secondary suppression protects them."""
    system = LinkedCounts()
    flags = [("flag", i) for i in range(len(counts))]
    recorded, not_recorded, everyone = ("recorded",), ("not recorded",), ("all",)
    n_known, n_unknown = split_counts
    names = [*flags, recorded, not_recorded, everyone]
    values = [*counts, n_known, n_unknown, n_known + n_unknown]
    reasons = [*categories.reasons["count"].to_list(), *split.reasons["count"].to_list()]
    for name, value, reason in zip(names, values, reasons, strict=True):
        _publish_read(system, name, int(value), reason, rule)
    system.equalities.append({recorded: 1.0, not_recorded: 1.0, everyone: -1.0})
    _link_overlap(system, flags, recorded, ("several",), lambda flag: ("without", flag))
    # the total of the selection stays: every profile of it publishes it
    shown = {name for name, reason in zip(names, reasons, strict=True) if reason is None and name != everyone}
    try:
        withheld = protect_linked(system, rule, among=shown)
    except DisclosureError:
        return None
    rows = [i for i, flag in enumerate(flags) if flag in withheld]
    parts = [i for i, part in enumerate((recorded, not_recorded)) if part in withheld]
    return withhold_cells(categories, "count", rows), withhold_cells(split, "count", parts)


#: The rows of a shares table (:func:`shares_view`) that are no category: the victims without the field, the
#: known/unknown split of a flag group, and the total.
NOT_RECORDED = "Not recorded"
ALL_IN_SELECTION = "All victims"  # a reader chose no "selection"
_NO_CATEGORY = (NOT_RECORDED, "Recorded (at least one)", ALL_IN_SELECTION)


def records_no_category(view: pl.DataFrame) -> bool:
    """Whether a shares table (:func:`shares_view`) holds no category at all, only "Not recorded" and the total
    (Myanmar's CTDC victims: sex not recorded for any): a sentence says so, not a table of one row."""
    column = view.columns[0]
    return all(str(v) in _NO_CATEGORY for v in view[column].to_list() if v is not None)


@fails_closed
def profile_view(
    selection: Selection, group: str, rule: DisclosureRule, *, label: str = "Category"
) -> pl.DataFrame | None:
    """:func:`shares_view` of a group (``form``, ``gender``, ``age_band``, ...) of the selection's records;
    categories of an ordered (Enum) column, such as age bands, keep their order, others go largest first.
    Raises :class:`~evidence.core.errors.EvidenceError` when the data record nothing of the group."""
    from evidence.analyses import profiles

    shares = profiles.group_shares(selection, group)
    records = selection.records()
    keys = int(records[RECORD_CELL_KEY].sum()) if RECORD_CELL_KEY in records.columns else 0
    return shares_view(
        shares,
        rule,
        label=label,
        order=category_order(selection.frame, group),
        records=(records.height, keys),
    )


def category_order(data: pl.DataFrame, column: str) -> list[str] | None:
    """The categories of an ordered (Enum) column, such as age bands, in their order; None for others."""
    dtype = data.schema.get(column)
    return list(dtype.categories) if isinstance(dtype, pl.Enum) else None


def _ordered(categories: Sequence[str], order: Sequence[str] | None) -> list[str]:
    """Categories in ``order`` (others alphabetically after them), ``Unknown`` last."""
    rank = {c: i for i, c in enumerate(order or ())}
    known = sorted((c for c in categories if c != UNKNOWN), key=lambda c: (rank.get(c, len(rank)), c))
    return known + [c for c in categories if c == UNKNOWN]


# ------------------------------------------------------------------------------------------------- routes

#: The route table's columns: the route classes (a known route whose region is unknown is its own class,
#: shown only when there is one), then the victims whose route is unknown.
ROUTE_CLASS_LABELS = {
    "domestic": "Domestic",
    "intraregional": "Intraregional",
    "transregional": "Transregional",
    # a record whose regions match but whose countries are not both known (analyses.routes.record_region_flows)
    "domestic_or_intraregional": "Domestic or intraregional",
    "unknown": "Region unknown",
}
#: Classes a route table has a column for only where some of its flows are of them.
_CLASSES_IF_ANY = frozenset({"unknown", "domestic_or_intraregional"})
NO_ROUTE = "Route unknown"
_NO_ROUTE_KEY = "__no_route"
OTHER_ROUTES = "All other routes"
#: Victims with no country of citizenship: unknown, or none (stateless: UNODC's "Stateless" and the Rohingya, an
#: ethnic group, name no country; the canonical citizenship is an ISO3 code, and there is none for statelessness).
ORIGIN_UNKNOWN = "Origin (citizenship) unknown or stateless"
DESTINATION_UNKNOWN = "Destination unknown"
#: UNODC: a country's nationals repatriated from abroad, no country stated, by its repatriation breakdown
#: (:func:`evidence.analyses.routes.repatriation_split`); ``{who}`` is "Nationals of Myanmar" or "Nationals".
REPATRIATED_ABROAD = "{who} repatriated from abroad, country not stated"
ALL_VICTIMS = "All victims"
#: The total of a route table of UNODC's data: the sum of the citizenship breakdown, which is not the number of
#: detected victims (a country may break down some of its victims only, and its cells are censored).
BREAKDOWN_SUM = "Sum of the citizenship breakdown"


@dataclass(frozen=True)
class RouteView:
    """The largest corridors, the other routes and the victims not on any route, as one protected table.

    Rows: the corridors listed (the ``top_n`` largest with at least ``min_victims``; UNODC's ranges: the first
    ``top_n`` of the listing of every corridor, the published ones largest first, :func:`_first_listed`), "All
    other routes", "Origin unknown", "Destination unknown"; columns: the route classes and :data:`NO_ROUTE`, with totals (each
    corridor's victims, each class's victims, all victims of the selection). Everything published about routes
    (key figures, corridors, classes, charts, the CLI's answer) is read from this one table, so no number shown
    in one place can undo a suppression in another.
    """

    table: DisclosedTable  # its total is ALL_VICTIMS (case records) or BREAKDOWN_SUM (UNODC's breakdown)
    #: route (label), origin_iso3, destination_iso3, flow_class and route_basis of the corridor rows
    corridors: pl.DataFrame
    #: perturbed records (cell key): the victims on a known route as a cell of their own (column ``n``); None
    #: where the totals row withholds a cell, which such a cell would give back
    known: DisclosedTable | None = None
    #: UNODC: the rows of nationals detected at home without a place of exploitation (key figure -> row label)
    home_rows: tuple[tuple[str, str], ...] = ()
    #: the victims on a known route are a small count (this bound's, for UNODC's ranges): where neither
    #: :attr:`known` nor the totals row gives them, the key figures label them as the rule does, not as a
    #: complement ``x`` (at least the threshold), which beside the route table's ``<5`` of the same victims pinned
    #: them and those on no route (Saudi Arabia as origin, threshold 11: ``x`` of a low bound of 10 beside the
    #: breakdown's ``<11``, no victim off a route)
    known_small: bool = False
    #: the true counts of :attr:`table`, cell for cell (exact counts or one bound of UNODC's ranges, not
    #: perturbed; else None): what the region table beside it is protected together with (:func:`region_table`,
    #: :func:`region_ranges`)
    counts: pl.DataFrame | None = dataclasses.field(default=None, compare=False, repr=False)
    #: UNODC's ranges: the part of each of :attr:`counts` published exactly (the rest is the publisher's ``<5``
    #: cells), cell for cell; None for exact counts
    exact_parts: pl.DataFrame | None = dataclasses.field(default=None, compare=False, repr=False)
    #: what :meth:`drawn_routes` and :meth:`_published_corridors` found, once (the route table, its charts, their
    #: notes and the bounds' shares read them again): neither compared nor copied by :func:`dataclasses.replace`
    _found: dict[str, Any] = dataclasses.field(default_factory=dict, init=False, compare=False, repr=False)

    def total_row(self) -> dict[str, int | None]:
        """The totals row: victims per class, route unknown, and all victims (None where withheld)."""
        return {c: self.table.frame[c][-1] for c in self.table.count_columns}

    def known_routes(self) -> int | None:
        """Victims on a known route, where it is published or follows from published totals (UNODC's ranges: this
        bound of the known-route flows, their bounds summed)."""
        if self.known is not None:
            # a cell of its own, perturbed by its records' keys: the same records as the selection's (no route
            # unknown) give the same number as its total, never one more
            return self.known.frame["n"][0]
        totals = self.total_row()
        classes = [totals[c] for c in ROUTE_CLASS_LABELS.values() if c in totals]
        if all(v is not None for v in classes):
            return sum(v for v in classes if v is not None)
        grand, unknown = totals[self.table.total_label], totals.get(NO_ROUTE, 0)
        if grand is None or unknown is None:
            return None
        if self.counts is not None and self.exact_parts is not None:
            # they follow from the published totals, but a bound of UNODC's is no sum of that bound's cells: its
            # total is the publisher's cell total, and the nationals repatriated from abroad with no country are
            # what their total leaves beside the repatriation routes' other bound (Myanmar as origin, 2020: 82
            # less China's and Malaysia's 1–4, 74–80), so each bound's total less its unknowns gave 181 − 74 and
            # 184 − 80, no interval; the known-route flows' own bounds summed are (101–110)
            last = self.counts.row(-1, named=True)
            return sum(int(last[c] or 0) for c in ROUTE_CLASS_LABELS.values() if c in last)
        return grand - unknown

    def row_totals(self) -> list[tuple[str, int | None, str | None]]:
        """Per row (corridors, other routes, unknowns, the total): label, published victims, withheld reason."""
        total = self.table.total_label
        return list(
            zip(
                [r if r is not None else total for r in self.table.frame["route"].to_list()],
                self.table.frame[total].to_list(),
                self.table.reasons[total].to_list(),
                strict=True,
            )
        )

    def known_figure(self) -> int | str:
        """The victims on a known route as the key figures show them (a perturbed cell of its own aside): the
        count, or the rule's label (small) or ``x``."""
        known, rule = self.known_routes(), self.table.rule
        if known is None:
            return rule.label if self.known_small else COMPLEMENT_LABEL
        return rule.label if rule.is_small(known) else known

    def key_figures(self, noun: str = "identified victims") -> pl.DataFrame:
        """Measure and victims (as text: a count, the rule's label or ``x``) read from the table; ``noun``:
        what the victims are (identified in case data, detected in UNODC's)."""
        shown = self.table.display()
        total = self.table.total_label
        known = self.known_figure()
        known_text = f"{known:,}" if isinstance(known, int) else known
        if self.known is not None:
            known_text = str(self.known.display()["n"][0])

        def row(route: str) -> str:
            values = shown.filter(pl.col("route") == route)[total]
            return str(values.item()) if values.len() else "0"

        first = (
            noun.capitalize()
            if total == ALL_VICTIMS
            else "Detected victims in the citizenship breakdown (its sum, not UNODC's total)"
        )
        return pl.DataFrame(
            {
                "Measure": [
                    first,
                    "on a known route (origin and destination known)",
                    ORIGIN_UNKNOWN[0].lower() + ORIGIN_UNKNOWN[1:],
                    "destination unknown",
                    *(measure for measure, _ in self.home_rows),
                ],
                "Victims": [
                    shown[total][-1],
                    known_text,
                    row(ORIGIN_UNKNOWN),
                    row(DESTINATION_UNKNOWN),
                    *(row(label) for _, label in self.home_rows),
                ],
            }
        )

    def chart_data(self) -> pl.DataFrame:
        """The published corridors (origin_iso3, destination_iso3, victims, share) for the corridor chart and
        the flow map; withheld corridors are left out. The share is of the victims on the known routes the chart
        can draw (:meth:`drawn_routes`)."""
        frame, known = self.drawn_routes()
        share = pl.col("victims") / known if known else pl.lit(None, pl.Float64)
        return frame.select("origin_iso3", "destination_iso3", "victims", share.alias("share"))

    def drawn_routes(self) -> tuple[pl.DataFrame, int | None]:
        """The published corridors a chart draws (route, origin_iso3, destination_iso3, victims, ...) and the
        victims on known routes its shares are of: :meth:`known_routes` less the published corridors it leaves
        out. A doubtful citizenship cell is a route only with its caveat, which a bar or a line cannot carry: left
        out. A repatriation route is drawn where no detected route links the same countries (a chart names a
        route by its countries: two bars of one pair would read as one route counted twice, and the same people
        may be in both): left out where one does; but a country's nationals recorded as exploited at home and the
        rest of its own nationals are two pieces of one cell, no one in both: one domestic bar, their sum (Myanmar
        → Myanmar: 271 and 78). A withheld corridor left out stays in the denominator (taking it out would
        give it back)."""
        if "drawn" not in self._found:
            self._found["drawn"] = self._drawn_routes()
        frame, known = self._found["drawn"]
        return frame.clone(), known  # each caller its own frame (a clone costs nothing)

    def _drawn_routes(self) -> tuple[pl.DataFrame, int | None]:
        known = self.known_routes()
        frame = self._published_corridors()
        if "route_basis" not in frame.columns:
            return frame, known
        pair = ["origin_iso3", "destination_iso3"]
        doubtful = frame.filter(pl.col("route_basis") == "doubtful_citizenship")
        detected = frame.filter(~pl.col("route_basis").is_in(["repatriation", "doubtful_citizenship"]))
        repatriated = frame.filter(pl.col("route_basis") == "repatriation")
        twice = repatriated.join(detected[pair], on=pair, how="semi")
        at_home = twice.filter(pl.col("origin_iso3") == pl.col("destination_iso3"))
        left_out = pl.concat([doubtful, self._left_out()])
        if at_home.height:
            added = at_home.group_by(pair).agg(pl.col("victims").sum().alias("_home"))
            detected = (
                detected.join(added, on=pair, how="left")
                .with_columns(victims=pl.col("victims") + pl.col("_home").fill_null(0))
                .drop("_home")
            )
        frame = pl.concat([detected, repatriated.join(detected[pair], on=pair, how="anti")]).sort(
            "victims", descending=True, maintain_order=True
        )
        if known is not None and left_out.height:
            known -= int(left_out["victims"].sum())
        return frame, known

    def _published_corridors(self) -> pl.DataFrame:
        """The corridor rows with their published total (``victims``); withheld ones left out."""
        if "published" not in self._found:
            totals = self.table.frame.select("route", pl.col(self.table.total_label).alias("victims"))
            self._found["published"] = self.corridors.join(totals, on="route", how="left").filter(
                pl.col("victims").is_not_null()
            )
        return cast(pl.DataFrame, self._found["published"]).clone()

    def _left_out(self) -> pl.DataFrame:
        """:meth:`_returns_left_out` of the published corridors, found once (the charts' routes and the note on
        the returns they leave out both read them)."""
        if "left out" not in self._found:
            self._found["left out"] = self._returns_left_out(self._published_corridors())
        return cast(pl.DataFrame, self._found["left out"]).clone()

    @staticmethod
    def _returns_left_out(frame: pl.DataFrame) -> pl.DataFrame:
        """The published routes "repatriated from" another country that the charts leave out
        (:meth:`drawn_routes`): a detected route links the same two countries."""
        pair = ["origin_iso3", "destination_iso3"]
        detected = frame.filter(~pl.col("route_basis").is_in(["repatriation", "doubtful_citizenship"]))
        return frame.filter(
            (pl.col("route_basis") == "repatriation") & (pl.col("origin_iso3") != pl.col("destination_iso3"))
        ).join(detected[pair], on=pair, how="semi")

    def homes_added(self) -> list[str]:
        """The countries (ISO3) whose own nationals and those recorded as exploited at home are two rows of the
        table and one bar of the charts, their sum (:meth:`drawn_routes`), for the charts to say so (Myanmar →
        Myanmar: 271 and 78, drawn as 349)."""
        frame = self._published_corridors()
        if "route_basis" not in frame.columns:
            return []
        pair = ["origin_iso3", "destination_iso3"]
        detected = frame.filter(~pl.col("route_basis").is_in(["repatriation", "doubtful_citizenship"]))
        at_home = frame.filter(
            (pl.col("route_basis") == "repatriation") & (pl.col("origin_iso3") == pl.col("destination_iso3"))
        ).join(detected[pair], on=pair, how="semi")
        return [str(code) for code in at_home["origin_iso3"].unique(maintain_order=True).to_list()]

    def returns_not_drawn(self) -> list[str]:
        """The countries (ISO3, in the table's order) of the routes "repatriated from" them that the table lists
        and the charts leave out (:meth:`drawn_routes`), for the charts to say so (Myanmar's nationals: the
        26–29 repatriated from Thailand, beside the 2,580–2,589 detected there)."""
        frame = self._published_corridors()
        if "route_basis" not in frame.columns:
            return []
        return [str(code) for code in self._left_out()["destination_iso3"].to_list()]


@fails_closed
def route_view(
    flow_table: pl.DataFrame,
    coverage: FlowCoverage,
    rule: DisclosureRule,
    *,
    top_n: int = TOP_N,
    min_victims: int = MIN_VICTIMS,
    bound: Literal["low", "high"] = "low",
    exact: bool = True,
    country: str | None = None,
    years: dict[tuple[str, str, str], list[int]] | None = None,
    censored_high: int = PUBLISHER_CENSORED_HIGH,
) -> RouteView | None:
    """Build the :class:`RouteView` of a flow table (:func:`evidence.analyses.routes.flows`) and the victims of
    the selection not on a route (:class:`~evidence.analyses.routes.FlowCoverage`); None when the selection is
    too small to protect. Exact counts (case data: ``exact``) or one ``bound`` of censored counts; the
    corridors listed are the largest by point value either way (with a low bound of at least
    ``min_victims``), so the two bounds' views have the same rows. A flow table with cell keys gives a
    perturbed table (cell key method). The total is :data:`ALL_VICTIMS` for exact counts, else
    :data:`BREAKDOWN_SUM`: the sum of a citizenship breakdown is never called victims.

    UNODC's own nationals detected at home are a domestic route (:func:`route_label`); a route from their
    repatriation breakdown (:func:`evidence.analyses.routes.repatriation_split`) is labelled as such with its
    years (``years``: per origin, destination and basis, :func:`evidence.analyses.routes.flow_years`); those
    repatriated from abroad without a country are a row of their own, in the column :data:`NO_ROUTE`, named
    after ``country`` (the selection's) where given. ``censored_high``: the high bound of the publisher's
    censored cells (:func:`censored_high`)."""
    side = 0 if exact or bound == "low" else 1
    return _route_views(
        flow_table,
        coverage,
        rule,
        (side,),
        top_n=top_n,
        min_victims=min_victims,
        exact=exact,
        country=country,
        years=years,
        censored_high=censored_high,
    )[0]


def _route_views(
    flow_table: pl.DataFrame,
    coverage: FlowCoverage,
    rule: DisclosureRule,
    sides: tuple[int, ...],
    *,
    top_n: int,
    min_victims: int,
    exact: bool,
    country: str | None,
    years: dict[tuple[str, str, str], list[int]] | None,
    censored_high: int = PUBLISHER_CENSORED_HIGH,
) -> list[RouteView | None]:
    """:func:`route_view` of each bound in ``sides`` (0 the low, 1 the high): what the two bounds' views share
    (the corridors listed, the rows' counts of both bounds, the pair protected as one system) built once for
    both, not once for each (the same operations on the same frames: the same views)."""
    if top_n < 1:
        raise ParameterError(f"top_n must be at least 1, not {top_n}")
    if min_victims < 0:
        raise ParameterError(f"min_victims must be at least 0, not {min_victims}")
    # both bounds' counts (the same column twice for exact counts): the pair is protected as one system
    bound_columns = ("victims", "victims") if exact else ("victims_low", "victims_high")
    if (
        len(sides) > 1
        and (
            UNCENSORED not in flow_table.columns
            or not {"unknown_origin", "unknown_destination", "repatriated_abroad"}
            <= coverage.uncensored.keys()
        )
    ):  # the part published exactly taken from the bound itself: each bound's own (a flow table made elsewhere)
        return [
            view
            for s in sides
            for view in _route_views(
                flow_table,
                coverage,
                rule,
                (s,),
                top_n=top_n,
                min_victims=min_victims,
                exact=exact,
                country=country,
                years=years,
                censored_high=censored_high,
            )
        ]
    side = sides[0]
    value = bound_columns[side]
    measures = {"n_low": bound_columns[0], "n_high": bound_columns[1]}
    keyed = CELL_KEY in flow_table.columns
    if "route_basis" not in flow_table.columns:  # a flow table made elsewhere: one basis
        flow_table = flow_table.with_columns(route_basis=pl.lit("record"))
    keys = ["origin_iso3", "destination_iso3", "route_basis"]
    flows = flow_table.with_columns(pl.col("flow_class").cast(pl.String))
    if not keyed:
        flows = flows.with_columns(pl.lit(0, pl.Int64).alias(CELL_KEY))
    if UNCENSORED not in flows.columns:  # a flow table of exact counts made elsewhere: nothing censored
        flows = flows.with_columns(pl.col(value).alias(UNCENSORED))  # exact counts: one column
    # a doubtful breakdown's cells are never ranked (they lead no table) nor merged into the other routes: each
    # doubtful corridor is a labelled row of its own, after the others, whatever its size; largest first (by
    # point value, as the ranked ones), not alphabetically (the United States: Botswana 416 before Mexico 1,235)
    doubtful_basis = pl.col("route_basis") == "doubtful_citizenship"
    # most selections have no doubtful corridor (nor a flow of no basis, which the filter below leaves out): then
    # the rows ranked are the flow table's own and there are no doubtful rows, without the two queries
    bases = flow_table["route_basis"]
    plain = not bases.null_count() and not (bases == "doubtful_citizenship").any()
    doubtful_keys = (
        None
        if plain
        else flow_table.filter(doubtful_basis)
        .group_by(keys)
        .agg(
            pl.col("flow_class").first().cast(pl.String),
            (pl.col("victims_low").sum() + pl.col("victims_high").sum()).alias("_size"),
        )
        .sort(["_size", "destination_iso3", "origin_iso3"], descending=[True, False, False])
        .select(*keys, "flow_class")
    )
    top = _listed_corridors(
        flow_table if plain else flow_table.filter(~doubtful_basis),
        rule,
        top_n=top_n,
        min_victims=listed_from(min_victims, rule),
        exact=exact,
    ).with_columns(pl.col("flow_class").cast(pl.String))
    top, paired = _paired_corridors(top)
    if doubtful_keys is not None and doubtful_keys.height:
        top = pl.concat([top.select(*keys, "flow_class"), doubtful_keys])
    labels = [
        route_label(o, d, basis, (years or {}).get((o, d, basis), []), paired=(o, d) in paired)
        for o, d, basis in top[keys].iter_rows()
    ]
    corridors = top.select(pl.Series("route", labels, dtype=pl.String), *keys, "flow_class")
    unknown_keys = coverage.cell_keys
    unknown_exact = coverage.uncensored
    unknown_rows = [ORIGIN_UNKNOWN, DESTINATION_UNKNOWN]
    unknown_parts = ["unknown_origin", "unknown_destination"]
    sides = (0, 0) if exact else (0, 1)
    unknown_n = [
        [getattr(coverage, part)[s] for part in ("unknown_origin", "unknown_destination")] for s in sides
    ]
    # UNODC's own nationals detected at home, not placed on a route: rows only where the selection has them
    who = f"Nationals of {name_in_text(country) or country}" if country else "Nationals"
    home_rows: list[tuple[str, str]] = []
    for part, template, measure in (
        ("repatriated_abroad", REPATRIATED_ABROAD, "nationals repatriated from abroad, country not stated"),
    ):
        if getattr(coverage, part)[1] > 0:
            label = template.format(who=who)
            home_rows.append((measure, label))
            unknown_rows.append(label)
            unknown_parts.append(part)
            for counts_of_side, s in zip(unknown_n, sides, strict=True):
                counts_of_side.append(getattr(coverage, part)[s])
    unknown_cells = [
        (route, _NO_ROUTE_KEY, low, high, unknown_keys.get(part, 0), unknown_exact.get(part, n))
        for route, part, low, high, n in zip(
            unknown_rows, unknown_parts, unknown_n[0], unknown_n[1], unknown_n[side], strict=True
        )
    ]
    # each route's sums per class (a route and class once each: the groups of the rows stacked), as lists: the
    # corridors', the other routes' per class, the unknowns'
    summed = _route_sums(flows, top, labels, keys, measures, unknown_cells)
    classes = {
        k: v
        for k, v in ROUTE_CLASS_LABELS.items()
        if k not in _CLASSES_IF_ANY or (flows["flow_class"] == k).any()
    }
    columns = {**classes, _NO_ROUTE_KEY: NO_ROUTE}
    # every row is there, empty or not: corridors, the other routes, the unknowns
    order = pl.DataFrame({"route": [*labels, OTHER_ROUTES, *unknown_rows]})
    made: dict[tuple[str, bool, bool], pl.DataFrame] = {}
    routes = order["route"].to_list()
    summed_routes = {route for route, _ in summed}

    cells_of: dict[str, dict[str, list[int | None]]] = {}
    rename = {c: label for c, label in columns.items()}

    def wide(measure: str, *, labelled: bool = False, filled: bool = False) -> pl.DataFrame:
        # each measure pivoted once, and only where read (a bound's table reads neither its counts nor their
        # keys apart: both bounds, and the part published exactly, once each); pivoted as lists, the frame
        # the pivot (:func:`_wide`) joined to ``order`` made: a route without sums empty, a class a route
        # has no sum of 0, without their queries on a few dozen rows. ``labelled``: the classes' columns
        # renamed to their labels (``rename``); ``filled``: a route without sums 0 (``fill_null(0)``)
        if measure not in cells_of:
            at = _ROUTE_MEASURES.index(measure)

            def cell(route: str, column: str) -> int | None:
                if route not in summed_routes:
                    return None
                sums = summed.get((route, column))
                return 0 if sums is None else sums[at]

            cells_of[measure] = {c: [cell(r, c) for r in routes] for c in columns}
        if (measure, labelled, filled) not in made:
            made[measure, labelled, filled] = pl.DataFrame(
                [
                    pl.Series("route", routes, dtype=pl.String),
                    *(
                        pl.Series(
                            rename[c] if labelled else c,
                            [v or 0 for v in cells] if filled else cells,
                            dtype=pl.Int64,
                        )
                        for c, cells in cells_of[measure].items()
                    ),
                ]
            )
        return made[measure, labelled, filled]

    def on_route_sum(measure: str, on_route: Sequence[str]) -> int:
        # the cells of ``on_route`` summed, a missing one 0 (as a horizontal sum summed), from the lists
        wide(measure)
        return sum(v or 0 for c in on_route for v in cells_of[measure][c])

    # a cell made only of UNODC's "<5" cells: its bound is the publisher's own censoring (no exact part)
    censored = None if exact else censored_cells(wide(UNCENSORED, labelled=True), list(rename.values()))
    pair: Bounds | None = None
    if not (exact or keyed):  # both bounds protected as one system, once for both
        pair = protected_bounds(
            wide("n_low", labelled=True, filled=True),
            wide("n_high", labelled=True, filled=True),
            "route",
            list(rename.values()),
            rule,
            total_label=BREAKDOWN_SUM,
            exact=wide(UNCENSORED, labelled=True),
            censored_high=censored_high,
        )
    views: list[RouteView | None] = []
    # the part published exactly is the same for both bounds: its margins made once per total label, not per bound
    parts_margins: dict[str, pl.DataFrame] = {}
    for side in sides:
        table: DisclosedTable | None
        if exact or keyed:
            table = protected_table(
                wide(list(measures)[side], labelled=True, filled=True),
                "route",
                list(rename.values()),
                rule,
                total_label=ALL_VICTIMS if exact else BREAKDOWN_SUM,
                cell_keys=wide(CELL_KEY, labelled=True, filled=True) if keyed else None,
                censored=censored,
            )
        else:  # this bound's table of the pair
            table = None if pair is None else (pair.low, pair.high)[side]
            if table is not None:
                table = _cell_total(table, coverage.total[side])
        if table is None:
            views.append(None)
            continue
        known = None
        # the victims on a known route: the class columns' records (their true count, for its label where
        # nothing published gives it)
        counts = wide(list(measures)[side])
        on_route = [c for c in classes if c in counts.columns]
        n = on_route_sum(list(measures)[side], on_route)
        if keyed:  # their count and their keys summed, a cell of its own
            key = on_route_sum(CELL_KEY, on_route)
            known = suppress_counts(pl.DataFrame({"n": [n]}), "n", rule, cell_keys=pl.DataFrame({"n": [key]}))
            # the classes' records are those of the totals row's class cells together, and all victims less
            # those on no route: where that row withholds a cell (a <5 on no route and its complement among the
            # classes), a number of them of their own gave it back (the same records: the same key and
            # perturbation; 60 beside "x | <5 | 64"), so they are then only what the row's published cells give
            # (RouteView.known_routes)
            if any(table.reasons[c][-1] is not None for c in table.count_columns):
                known = None
        truth, exact_parts = None, None
        if not keyed:
            # this bound's true counts (UNODC: and the parts published exactly), with margins: what the region
            # table is protected together with (the grand total as the rows' sum, not the publisher's cell total)
            def margins(frame: pl.DataFrame, total: str) -> pl.DataFrame:
                # the few rows summed as lists (a missing cell 0), the totals row last with no route: the frame
                # a fill, a rename, a horizontal sum and a concatenation of the column sums made, without their
                # four queries (their planning cost more than the rows themselves)
                cells = {
                    rename[c]: [v or 0 for v in frame[c].to_list()] for c in frame.columns if c != "route"
                }
                cells[total] = [sum(row) for row in zip(*cells.values(), strict=True)]
                return pl.DataFrame(
                    [
                        pl.Series("route", [*frame["route"].to_list(), None], dtype=pl.String),
                        *(pl.Series(c, [*v, sum(v)], dtype=pl.Int64) for c, v in cells.items()),
                    ]
                )

            truth = margins(counts, table.total_label)
            if not exact and table.total_label not in parts_margins:
                parts_margins[table.total_label] = margins(wide(UNCENSORED), table.total_label)
            exact_parts = None if exact else parts_margins[table.total_label]
        views.append(
            RouteView(
                table,
                corridors,
                known,
                tuple(home_rows),
                known_small=rule.is_small(n),
                counts=truth,
                exact_parts=exact_parts,
            )
        )
    return views


#: The sums a route table reads of each route and class (:func:`_route_sums`), in order.
_ROUTE_MEASURES: Final = ("n_low", "n_high", CELL_KEY, UNCENSORED)


def _route_sums(
    flows: pl.DataFrame,
    top: pl.DataFrame,
    labels: Sequence[str],
    keys: list[str],
    measures: Mapping[str, str],
    unknown_cells: Sequence[tuple[Any, ...]],
) -> dict[tuple[str, str | None], list[int]]:
    """Each route's sums (:data:`_ROUTE_MEASURES`, a missing one 0) per class, by (route, class): the rows of
    ``flows`` of each corridor of ``top`` (named ``labels``; its class), the others' summed per class as
    "All other routes", and ``unknown_cells`` (route, class, then the sums). The groups of those rows stacked
    (a corridor without rows too), read from the few dozen rows as lists, without the joins, concatenation and
    group-by on them; where a sum could differ from polars' (counts not integral, a column of another type:
    the stacking then raises) by the queries themselves (:func:`_route_sums_query`)."""
    bounds = [flows[c] for c in dict.fromkeys(measures.values())]
    integral = all(
        column.dtype.is_integer()
        or (
            column.dtype.is_float()
            and all(v is None or (v.is_integer() and abs(v) < 2**31) for v in column.to_list())
        )
        for column in bounds
    )
    if not (
        integral
        and flows.height < 2**20
        and flows.schema[CELL_KEY] == pl.Int64
        and flows.schema[UNCENSORED] == pl.Int64
    ):
        return _route_sums_query(flows, top, labels, keys, measures, unknown_cells)
    flow_keys = list(zip(*(flows[k].to_list() for k in keys), strict=True))
    values = list(
        zip(
            *(flows[c].to_list() for c in (*measures.values(), CELL_KEY, UNCENSORED)),
            flows["flow_class"].to_list(),
            strict=True,
        )
    )
    sums: dict[tuple[str, str | None], list[int]] = {}

    def add(group: tuple[str, str | None], cells: Sequence[Any]) -> None:
        summed = sums.setdefault(group, [0, 0, 0, 0])
        for at, v in enumerate(cells):
            if v is not None:  # a missing cell adds nothing (polars' sum)
                summed[at] += int(v)

    # the rows of each corridor (a key with a null part matches none, as a join leaves it)
    rows_of: dict[tuple[Any, ...], list[int]] = {}
    for i, key in enumerate(flow_keys):
        if None not in key:
            rows_of.setdefault(key, []).append(i)
    listed = list(zip(*(top[k].to_list() for k in keys), strict=True))
    for route, key, flow_class in zip(labels, listed, top["flow_class"].to_list(), strict=True):
        sums.setdefault((route, flow_class), [0, 0, 0, 0])
        for i in rows_of.get(key, []):
            add((route, flow_class), values[i][:4])
    taken = set(listed)
    for key, row in zip(flow_keys, values, strict=True):
        if None in key or key not in taken:
            add((OTHER_ROUTES, row[4]), row[:4])
    for route, flow_class, *cells in unknown_cells:
        add((route, flow_class), cells)
    return sums


def _route_sums_query(
    flows: pl.DataFrame,
    top: pl.DataFrame,
    labels: Sequence[str],
    keys: list[str],
    measures: Mapping[str, str],
    unknown_cells: Sequence[tuple[Any, ...]],
) -> dict[tuple[str, str | None], list[int]]:
    """:func:`_route_sums` by the joins, concatenation and group-by of the rows (where their sums could differ)."""
    corridors = top.select(pl.Series("route", labels, dtype=pl.String), *keys, "flow_class")
    listed = flows.join(top[keys], on=keys, how="semi")
    listed = corridors.join(
        listed.select(*keys, *set(measures.values()), CELL_KEY, UNCENSORED), on=keys, how="left"
    )
    rest = flows.join(top[keys], on=keys, how="anti")
    long = pl.concat(
        [
            listed.select(
                "route",
                "flow_class",
                *(pl.col(c).cast(pl.Int64).alias(n) for n, c in measures.items()),
                CELL_KEY,
                UNCENSORED,
            ),
            rest.group_by("flow_class")
            .agg(
                *(pl.col(c).sum().cast(pl.Int64).alias(n) for n, c in measures.items()),
                pl.col(CELL_KEY).sum(),
                pl.col(UNCENSORED).sum(),
            )
            .select(pl.lit(OTHER_ROUTES).alias("route"), "flow_class", *measures, CELL_KEY, UNCENSORED),
            pl.DataFrame(
                [list(cells) for cells in unknown_cells],
                schema={
                    "route": pl.String,
                    "flow_class": pl.String,
                    "n_low": pl.Int64,
                    "n_high": pl.Int64,
                    CELL_KEY: pl.Int64,
                    UNCENSORED: pl.Int64,
                },
                orient="row",
            ),
        ]
    )
    summed = long.group_by("route", "flow_class").agg(
        pl.col(*measures).sum(), pl.col(CELL_KEY).sum(), pl.col(UNCENSORED).sum()
    )
    columns = [summed[c].to_list() for c in _ROUTE_MEASURES]
    return {
        (route, flow_class): [int(column[i] or 0) for column in columns]
        for i, (route, flow_class) in enumerate(
            zip(summed["route"].to_list(), summed["flow_class"].to_list(), strict=True)
        )
    }


def listed_from(min_victims: int, rule: DisclosureRule) -> int:
    """The smallest count of a corridor listed: ``min_victims``, raised to the rule's threshold where it lies
    between 1 and it. Which corridors are listed is decided on their true counts, so two listings whose minimums
    differ below the threshold gave a withheld corridor's count back (listed as ``<5`` at 3, summed with the other
    routes at 4: 3 victims); below the threshold a minimum can only tell a corridor from none (0 or 1: every
    corridor). The CLI's ``flows --min-victims`` says so when it raises one."""
    return rule.threshold if 1 < min_victims < rule.threshold else min_victims


def _listed_corridors(
    flow_table: pl.DataFrame, rule: DisclosureRule, *, top_n: int, min_victims: int, exact: bool = True
) -> pl.DataFrame:
    """The corridors a route table lists: the ``top_n`` largest of at least ``min_victims`` (low bound).

    For exact counts (case records), which corridors are listed must not rest on a withheld count, however
    ``top_n`` and ``min_victims`` vary between listings: ranked by their counts, or cut by ``top_n`` among
    themselves, the corridors below the threshold gave their order and, as the difference of "All other routes"
    between two listings, their counts back. So the largest are ranked among those of at least the threshold;
    the ones below it follow, in the order of their keys, all of them or none (only where ``min_victims``, 0 or 1
    by :func:`listed_from`, lets them in and ``top_n`` leaves room for every corridor). And where the small
    corridors of one route class sum to less than the threshold, "All other routes" of that class would be
    withheld in one listing and published with one more corridor in it in another: that class's smallest
    corridors of at least the threshold stay in it, until it reaches the threshold, in every listing but the one
    of every corridor. UNODC's bounds: a corridor below the threshold is the publisher's own censored cell
    (``<5``), whose place tells nothing the publisher did not.

    Perturbed counts (cell key): all of it is decided on the numbers shown (a corridor's perturbed count, as its
    row shows it), those withheld as small taking the place of the ones below the threshold. Chosen by their
    true counts, a corridor listed told a reader who holds a longer listing that it is truly larger than one
    left out though shown smaller (Myanmar → Thailand 28 listed, Cambodia → Thailand 30 not), and a minimum
    which side of it a shown count truly lies on."""
    from evidence.analyses import routes
    from evidence.analyses.intervals import point_expr

    if not exact or not flow_table.height:
        reported = flow_table.filter(pl.col("victims_low") >= min_victims)
        return (
            routes.top_corridors(reported, top_n).drop("rank", "cumulative_share")
            if reported.height
            else reported
        )
    keys = [k for k in ("origin_iso3", "destination_iso3", "route_basis") if k in flow_table.columns]
    if CELL_KEY in flow_table.columns:
        return _listed_as_shown(flow_table, rule, keys, top_n=top_n, min_victims=min_victims)
    point = point_expr("victims", "victims_low", "victims_high")
    below = pl.col("victims_low") < rule.threshold
    tails = flow_table.filter(below).group_by("flow_class").agg(pl.col("victims_low").sum().alias("_tail"))
    kept: list[tuple[Any, ...]] = []
    for flow_class, tail in tails.iter_rows():
        if not 0 < tail < rule.threshold:
            continue
        candidates = flow_table.filter(~below & (pl.col("flow_class") == flow_class)).sort([point, *keys])
        for row in candidates.select(*keys, "victims_low").iter_rows():
            if tail >= rule.threshold:
                break
            kept.append(row[:-1])
            tail += row[-1]
    padding = flow_table.join(
        pl.DataFrame(kept, schema={k: flow_table.schema[k] for k in keys}, orient="row"), on=keys, how="semi"
    )
    reported = flow_table.filter(pl.col("victims_low") >= min_victims)
    small = reported.filter(below)
    if small.height and reported.height <= top_n:  # every corridor: the padding and the small ones too
        ranked = reported.filter(~below)
        return (
            pl.concat([routes.top_corridors(ranked, top_n), small.sort(keys)], how="diagonal").select(
                flow_table.columns
            )
            if ranked.height
            else small.sort(keys)
        )
    ranked = reported.filter(~below).join(padding, on=keys, how="anti")
    return routes.top_corridors(ranked, top_n).drop("rank", "cumulative_share") if ranked.height else ranked


def _listed_as_shown(
    flow_table: pl.DataFrame, rule: DisclosureRule, keys: Sequence[str], *, top_n: int, min_victims: int
) -> pl.DataFrame:
    """:func:`_listed_corridors` of perturbed counts, on the numbers shown: each corridor's count as its row
    publishes it (:func:`~evidence.presentation.disclosure.suppress_counts` by its cell key), a withheld one as
    a count below the threshold (listed with the others withheld, in the order of their keys, all or none). The
    frame returned is ``flow_table``'s rows, true counts and all."""
    shown = suppress_counts(
        flow_table.select(pl.col("victims").alias("n")),
        "n",
        rule,
        cell_keys=flow_table.select(pl.col(CELL_KEY).alias("n")),
    ).frame["n"]
    # a withheld corridor as 1: below the threshold and listed at a minimum of 0 or 1, as a true small count;
    # the other routes of its class are then padded as if it held 1 (no more than its true count: never less)
    as_shown = flow_table.with_columns(
        shown.fill_null(1).alias("victims"),
        shown.fill_null(1).alias("victims_low"),
        shown.fill_null(1).alias("victims_high"),
    )
    listed = _listed_corridors(
        as_shown.drop(CELL_KEY), rule, top_n=top_n, min_victims=min_victims, exact=True
    ).select(keys)
    # the listing's rows in its order, with their true counts
    return listed.join(flow_table, on=keys, how="left", maintain_order="left").select(flow_table.columns)


def _cell_total(table: DisclosedTable, total: int) -> DisclosedTable:
    """A bound's route table with its grand total from the published cells
    (:func:`evidence.analyses.routes.cell_sum`), not the sum of its rows: the pieces of a country's nationals
    split by its repatriation breakdown each have their own interval, and those add up wider than the cell they
    split (Myanmar: 3,980–4,044 against the 3,987–4,029 of the per-year table). Unchanged where the total is
    withheld or has no total row; the total of the cells is published in the per-year table too, so nothing new
    follows from it."""
    label = table.total_label
    if not table.has_total_row or label not in table.frame.columns:
        return table
    last = table.frame.height - 1
    if table.frame[label][last] is None:
        return table
    column = table.frame[label].scatter(last, total)
    return dataclasses.replace(table, frame=with_series(table.frame, [column]))  # without a query


def _paired_corridors(top: pl.DataFrame) -> tuple[pl.DataFrame, set[tuple[str, str]]]:
    """The corridors of a route table with each one listed twice, as detected (the destination's citizenship
    breakdown) and on return (the origin's breakdown by country of repatriation), as a visible pair: the return
    row right after the detected one. Two counts by two countries, which can hold the same people
    (:func:`evidence.analyses.routes.counted_twice`): never merged into one. Returns the rows and the pairs."""
    if not top.height or "route_basis" not in top.columns:
        return top, set()
    rows = list(top.select("origin_iso3", "destination_iso3", "route_basis").iter_rows())
    both = corridor_pairs(rows)
    if not both:
        return top, set()
    order: list[int] = []
    for i, (o, d, basis) in enumerate(rows):
        if (o, d) in both and basis == "repatriation":
            continue  # placed after its detected row
        order.append(i)
        if (o, d) in both and basis == "citizenship":
            order.extend(j for j, r in enumerate(rows) if r == (o, d, "repatriation"))
    return top[order], both


def corridor_pairs(rows: Collection[tuple[str, str, str]]) -> set[tuple[str, str]]:
    """The corridors (origin, destination; two countries) among route rows (origin, destination, basis) listed
    both as detected (basis ``citizenship``) and on return (``repatriation``): found once, for the order of the
    route table (:func:`_paired_corridors`) and for the sentence that says which are shown as a pair
    (:func:`route_notes`)."""
    listed = set(rows)
    return {
        (o, d)
        for o, d, basis in listed
        if basis == "citizenship" and o != d and (o, d, "repatriation") in listed
    }


def route_label(
    origin: str, destination: str, basis: str, years: Sequence[int] = (), *, paired: bool = False
) -> str:
    """A corridor as the route table names it: "Myanmar → Thailand"; a route read from a country's
    repatriation breakdown says so, and who counted it, with its years: "Myanmar → China (repatriated from
    China, counted by Myanmar, 2017–2021)", "Myanmar → Myanmar (exploited at home, by the repatriation
    breakdown, 2020)"; a country's own nationals detected at home are UNODC's domestic flow, "Thailand →
    Thailand" (:func:`route_notes` says so); a cell of a doubtful breakdown
    (:func:`evidence.analyses.routes.doubtful_breakdowns`) says so, "Botswana → United States (doubtful
    breakdown, 2017)", and the table's note says why. A corridor listed both as
    detected and on return (``paired``: :func:`_paired_corridors`) says where its detected row was counted:
    "Myanmar → Thailand (detected in Thailand)", then "Myanmar → Thailand (repatriated from Thailand, counted
    by Myanmar, 2017–2019, 2021)"."""
    o, d = name_of(origin) or origin, name_of(destination) or destination
    how = route_how(origin, destination, basis, years, paired=paired)
    return f"{o} → {d} ({how})" if how else f"{o} → {d}"


def route_how(
    origin: str, destination: str, basis: str | None, years: Sequence[int] = (), *, paired: bool = False
) -> str | None:
    """How a route of :func:`route_label` is known, in its words (what its brackets hold): "repatriated from
    China, counted by Myanmar, 2017–2021", "detected in Thailand" (``paired``), the caveat of a doubtful
    breakdown; None for a route as detected, said by its countries alone. The command line's route table says
    the same (``evidence analyse flows``)."""
    from evidence.analyses.coverage import years_text

    o, d = name_of(origin) or origin, name_of(destination) or destination
    when = f", {years_text(years)}" if years else ""
    if basis == "doubtful_citizenship":
        # short: a table of several doubtful rows repeated the caveat in each; its note says why once
        # (route_notes' "Doubtful citizenship breakdowns (...)")
        return f"doubtful breakdown{when}"
    if basis != "repatriation":
        return f"detected in {d}" if paired and basis == "citizenship" else None
    if origin == destination:
        return f"exploited at home, by the repatriation breakdown{when}"
    return f"repatriated from {d}, counted by {o}{when}"


@fails_closed
def unmapped_origins_line(selection: Selection | None, rule: DisclosureRule) -> str | None:
    """One line under a UNODC route table naming the citizenships of its "origin unknown or stateless" row
    that name no country (:func:`evidence.analyses.routes.unmapped_origins`), each with its detected victims
    and years, a stateless group (the Rohingya) said to be one; None when there are none (case data, a
    country as origin). Counts protected as every count (a bound below the threshold withheld; a sum of the
    publisher's ``<5`` cells, 2–8, shown ``up to 8``, marked as bounds: :func:`published_pair`); the
    texts are the file's, escaped for Markdown and HTML and marked as labels
    (:func:`~evidence.presentation.markup.data_label`: a category "alert(2)" or "Q6.1_10s_2019" holds no
    count), the counts beside them scanned as every count."""
    from evidence.analyses import routes
    from evidence.analyses.coverage import years_in_words

    if selection is None or selection.kind == "case":
        return None
    found = routes.unmapped_origins(selection)
    if not found.height:
        return None
    low = suppress_counts(found.select("category", "victims_low"), "victims_low", rule)
    high = suppress_counts(found.select("category", "victims_high"), "victims_high", rule)

    parts = []
    for row, lo, hi in zip(
        found.iter_rows(named=True),
        published_values(low, "victims_low"),
        published_values(high, "victims_high"),
        strict=True,
    ):
        censored = row[UNCENSORED] == 0
        pair = published_pair(
            lo, hi, rule.label, censored=censored, low_value=row["victims_low"] if censored else None
        )
        group = " (a stateless group: no country of citizenship)" if row["stateless"] else ""
        if row.get("foreign"):
            group = " (foreign nationals, citizenship not stated: not nationals of the country)"
        parts.append(
            # the count after a colon: "without 25", "97 albanian 43" ran the file's text into its count
            f"{_label_markup(row['category'])}{escape_markdown(group)}: {pair_in_words(pair)} "
            f"({escape_markdown(years_in_words(row['years']))})"
        )
    intro = escape_markdown(
        f"Citizenship not given as a country (counted above in {ORIGIN_UNKNOWN[0].lower()}{ORIGIN_UNKNOWN[1:]}, "
        "with those the publisher gives as unknown):"
    )
    return f"{intro} {'; '.join(parts)}."


#: What stands for a damaged character (U+FFFD) of a mis-encoded label the brief names.
DAMAGED_CHARACTER = "?"


def _label_markup(label: str) -> str:
    """A category of the file as the brief names it (escaped, marked as a label): a mis-encoded one (U+FFFD, or
    UTF-8 read as Windows-1252: :data:`evidence.sources.unodc.REASON_MISENCODED`) is said to be, never printed
    as is: by its known spelling where it is one of the known categories (:func:`~evidence.sources.unodc.
    repaired_label`), else with each damaged character shown as :data:`DAMAGED_CHARACTER`. In quotation marks:
    the file's text is the reader's to see whole, where it ends ("97 albanian", "without") and all."""
    from evidence.sources.unodc import is_misencoded, repaired_label

    if not is_misencoded(label):
        return f"“{markup.data_label(label)}”"
    repaired = repaired_label(label)
    if repaired is not None:
        return (
            f"“{markup.data_label(repaired)}”{escape_markdown(' (mis-encoded in the file, repaired here)')}"
        )
    shown = label.replace("\ufffd", DAMAGED_CHARACTER)
    return f"“{markup.data_label(shown)}”{escape_markdown(' (mis-encoded in the file: ? marks a damaged character)')}"


def _protected_pair(
    rows: pl.DataFrame, rule: DisclosureRule, bounds: tuple[int, int] | None = None
) -> tuple[Any, Any]:
    """The victims of ``rows`` (flow records: their bounds summed, or ``bounds`` where given: those of
    :func:`evidence.analyses.routes.cell_sum`) as one published pair, under the small-cell rule as every count
    (:func:`published_pair`): a bound below the threshold withheld; a sum of the publisher's ``<5`` cells kept as
    the interval of its bounds (4–16: :class:`CensoredLow`, shown ``up to 16`` as the tables show it)."""
    low, high = (
        bounds if bounds is not None else (int(rows["victims_low"].sum()), int(rows["victims_high"].sum()))
    )
    uncensored = int(rows[UNCENSORED].sum())
    frame = pl.DataFrame({"k": ["n"], "low": [low], "high": [high]})
    lo = published_values(suppress_counts(frame.select("k", "low"), "low", rule), "low")[0]
    hi = published_values(suppress_counts(frame.select("k", "high"), "high", rule), "high")[0]
    return published_pair(lo, hi, rule.label, censored=uncensored == 0, low_value=low)


def _repatriated_abroad_where(country: str) -> pl.Expr:
    """The flow records of a country's nationals that its breakdown by country of repatriation shows were
    exploited abroad (a country of repatriation, or abroad with none stated)."""
    return (
        (pl.col("detected_iso3") == country)
        & (pl.col("route_basis") == "repatriation")
        & (pl.col("destination_iso3").is_null() | (pl.col("destination_iso3") != country))
    )


def _repatriated_abroad_records(records: pl.DataFrame, country: str) -> pl.DataFrame:
    """The records of :func:`_repatriated_abroad_where`."""
    return records.filter(_repatriated_abroad_where(country))


def _repatriated_abroad_pair(records: pl.DataFrame, country: str, rule: DisclosureRule) -> tuple[Any, Any]:
    """The nationals a country's repatriation breakdown shows were exploited abroad, as one published pair:
    totalled from the published cells (:func:`evidence.analyses.routes.cell_sum`), so that UNODC's exact
    subtotal ``Abroad`` (Nigeria 2018–2021: 718) is given as published, not as the wider sum of its countries'
    ``<5`` cells (692–817)."""
    from evidence.analyses import routes

    abroad = _repatriated_abroad_records(records, country)
    return _protected_pair(abroad, rule, routes.cell_sum(records, _repatriated_abroad_where(country)))


@fails_closed
def repatriated_abroad(selection: Selection | None, rule: DisclosureRule) -> tuple[Any, Any] | None:
    """The nationals of the selection's country detected on their return whom its breakdown by country of
    repatriation shows were exploited abroad, as a published pair (:func:`published_pair`): what its route
    table as destination leaves out (they are routes of the country as origin) and UNODC's total of the victims
    it detected holds. None for case data, without a country, or without any."""
    from evidence.analyses import routes

    if selection is None or selection.kind == "case" or selection.country is None:
        return None
    records = routes.flow_records(selection.replace(role="origin"))
    abroad = _repatriated_abroad_records(records, selection.country)
    return _repatriated_abroad_pair(records, selection.country, rule) if abroad.height else None


@fails_closed
def doubtful_pair(selection: Selection | None, rule: DisclosureRule) -> tuple[Any, Any] | None:
    """The victims of a route table's doubtful citizenship breakdowns
    (:func:`evidence.analyses.routes.doubtful_breakdowns`) as one published pair (:func:`_protected_pair`), which
    its sum holds (Myanmar: 212 of 561); None where it has none (case data, no doubtful breakdown)."""
    from evidence.analyses import routes

    if selection is None or selection.kind == "case" or selection.country is None:
        return None
    cells = routes.flow_records(selection).filter(pl.col("route_basis") == "doubtful_citizenship")
    return _protected_pair(cells, rule) if cells.height else None


class _Counted(NamedTuple):
    """A count of a sentence of :func:`route_notes`: a published pair (:func:`published_pair`) and what it
    counts ("victims"), said together: a withheld pair in words ("fewer than 5 victims", "a withheld number of
    victims": :func:`~evidence.presentation.markup.count_in_words`), never as a table's label in prose."""

    pair: tuple[Any, Any]
    noun: str


#: A sentence of :func:`route_notes` before it is written out: text, and published counts with their noun.
_Sentence = list[str | _Counted]


def _sentence(parts: _Sentence, *, markdown: bool) -> str:
    """A sentence's parts as plain text (counts as :func:`bounds_text`, a withheld one in words), or as Markdown:
    text escaped, counts as :func:`bounds_markup` (an interval of the publisher's censored cells marked as such,
    not as people), a withheld one in words."""

    def said(count: _Counted) -> str:
        return pair_in_words(count.pair, count.noun, markdown=markdown)

    if markdown:
        return "".join(said(p) if isinstance(p, _Counted) else escape_markdown(p) for p in parts)
    return "".join(said(p) if isinstance(p, _Counted) else p for p in parts)


#: How a route note on an unused breakdown by country of repatriation starts: said once per brief.
NOT_USED: Final = "Not used:"
#: The words of the route note on a country's own nationals detected at home: said once per brief.
DOMESTIC_AS_UNODC: Final = "domestic trafficking as UNODC defines it"


def said_once_per_brief(line: str) -> bool:
    """Whether a route note (:func:`route_notes`) is one a document says once, not under each role's table:
    an unused breakdown ("Not used: …") and what the country's own nationals detected at home are ("Thailand
    → Thailand: … domestic trafficking as UNODC defines it …"), the same words in both roles."""
    return line.startswith(NOT_USED) or DOMESTIC_AS_UNODC in line


#: The most corridors a sentence names; more are the largest few and how many others (Nigeria: 14).
NAMED_CORRIDORS: Final = 7


def _largest_named(twice: Any) -> str:
    """The corridors of a :class:`~evidence.analyses.routes.CountedTwice` as a sentence names them: all (up to
    :data:`NAMED_CORRIDORS`, alphabetically), else the largest few (victims of both counts, largest first) and
    how many more, at least five, in words (in figures, a number of countries below the threshold reads as
    people to the brief's scan: Nigeria at threshold 11, "and 9 more")."""
    if len(twice.corridors) <= NAMED_CORRIDORS:
        codes = sorted(twice.corridors, key=lambda c: (name_of(c) or c).casefold())
        return word_list([name_in_text(code) or code for code in codes])
    named = twice.largest()[: min(5, len(twice.corridors) - 5)]
    return (
        ", ".join(name_in_text(code) or code for code in named)
        + f" and {number_in_words(len(twice.corridors) - len(named))} more"
    )


def counted_twice_sentence(
    selection: Selection | None, paired: Collection[tuple[str, str]] | None = None
) -> str | None:
    """Plain text (untrusted names included: escape for the output) saying that a sum of a country's nationals
    adds two counts that can hold the same person (:func:`evidence.analyses.routes.counted_twice`), naming the
    corridors listed both ways; None where it does not (case data, a country as destination, no returns from
    abroad beside other countries' detections). ``paired``: the corridors (origin, destination) the table above
    shows as a pair of rows, the only ones said to be so (Myanmar: Thailand, not Malaysia, whose return row is
    among the other routes); None where the table is not known (each said to be a pair where both are listed)."""
    from evidence.analyses import routes
    from evidence.analyses.coverage import years_in_words

    if selection is None or selection.kind == "case" or selection.country is None:
        return None
    twice = routes.counted_twice(selection)
    if not twice:
        return None
    country = selection.country
    place = name_in_text(country) or country
    pairs = ""
    if twice.corridors:
        pairs = f" Counted both ways, where detected and on return: the routes to {_largest_named(twice)}"
        rows = f'one "detected in" the country, the next "repatriated from" it, "counted by {place}"'
        if paired is None:
            pairs += f"; where both are listed above, they are a pair of rows, {rows}."
        else:
            shown = sorted(
                (d for o, d in paired if o == country and d in twice.corridors),
                key=lambda c: (name_of(c) or c).casefold(),
            )
            if not shown:
                pairs += f'. None of them is shown above as a pair of rows: each is one row or among "{OTHER_ROUTES}".'
            elif len(shown) == len(twice.corridors):
                pairs += f"; each is shown above as a pair of rows, {rows}."
            else:
                which = ", ".join(name_in_text(c) or c for c in shown)
                one = len(shown) == 1
                pairs += (
                    f". Shown above as a pair of rows, {rows}: only the route{'' if one else 's'} to {which}; "
                    f'the others are one row or among "{OTHER_ROUTES}".'
                )
    return (
        f"Counted twice, possibly: this sum adds the nationals of {place} detected by other countries and those "
        f"{place} counted on their return, by the country they were repatriated from "
        f"({years_in_words(list(twice.years))}). A national detected abroad and then sent home can be in both "
        "counts, once by the country of detection and once on return; UNODC's counts are not linked, so how "
        f"many are counted twice cannot be told, and the sum can be larger than the number of people.{pairs}"
    )


@fails_closed
def route_notes(
    selection: Selection | None,
    rule: DisclosureRule,
    *,
    markdown: bool = False,
    listed: Collection[tuple[str, str, str]] | None = None,
) -> list[str]:
    """What a UNODC route table of a country needs said beside it: its own nationals counted as domestic (and,
    as destination, those its repatriation breakdown shows were exploited abroad, left out); doubtful
    citizenship breakdowns (:func:`evidence.analyses.routes.doubtful_breakdowns`); a breakdown by country of
    repatriation it holds but does not use (:func:`evidence.analyses.routes.unused_repatriation`). Counts under
    the small-cell rule. Plain text (untrusted names included: escape for the output; a sum of censored cells
    as ``up to 16``), or with ``markdown`` Markdown prose, escaped, whose intervals of the publisher's censored
    cells are marked :data:`~evidence.presentation.disclosure.CENSORED` (checked as strictly as people: no low
    end below the threshold is printed). Empty for case data or without a country. ``listed``: the rows (origin, destination,
    basis) the table names (not those in "All other routes"): only those are explained, and only the corridors
    both of whose rows it names are said to be a pair; None where not known (every note said)."""
    from evidence.analyses import routes
    from evidence.analyses.coverage import years_in_words

    if selection is None or selection.kind == "case" or selection.country is None:
        return []
    country = selection.country
    place = name_of(country) or country
    nationals = f"nationals of {name_in_text(country) or country}"
    notes: list[_Sentence] = []
    records = routes.flow_records(selection.replace(role="origin")).filter(pl.col("detected_iso3") == country)
    if (records["route_basis"] == "own_nationals").any() and (
        listed is None or (country, country, "own_nationals") in listed
    ):
        notes.append(
            [
                (
                    f"{place} → {place}: {nationals} detected by its own "
                    "authorities, domestic trafficking as UNODC defines it (victims detected in their own country of "
                    "citizenship); the data do not say where each was exploited."
                )
            ]
        )
    abroad = _repatriated_abroad_records(records, country)
    if abroad.height and selection.role == "destination":
        notes.append(
            [
                "Left out here: ",
                _Counted(_repatriated_abroad_pair(records, country, rule), nationals),
                (
                    " detected on their return, whom its breakdown by country "
                    f"of repatriation shows were exploited abroad ({years_in_words(abroad['year'].to_list())}); they are "
                    f"routes of {name_in_text(country) or place} as country of origin, and not part of this sum."
                ),
            ]
        )
    selected = routes.flow_records(selection)
    summed = (int(selected["victims_low"].sum() or 0), int(selected["victims_high"].sum() or 0))
    if routes.cell_sum(selected) != summed:
        notes.append(
            [
                (
                    "The sum of the citizenship breakdown is that of the published cells: the ranges of the parts "
                    f"into which {possessive(name_in_text(country) or place)} breakdown by country of repatriation "
                    "splits "
                    "its count of its own nationals each hold on their own, but add up wider than that count (the "
                    "rest is the count less the other parts), so the columns and rows of this table can add up wider "
                    "than its total."
                ),
            ]
        )
    paired = None if listed is None else corridor_pairs(listed)
    if twice := counted_twice_sentence(selection, paired):
        notes.append([twice])
    reasons = routes.doubtful_breakdowns(selection.frame, selection.indicator)
    doubtful = (
        selected.filter(pl.col("route_basis") == "doubtful_citizenship")
        .join(reasons, left_on=["detected_iso3", "year"], right_on=["iso3", "year"], how="left")
        .group_by("reason", "detected_iso3")
        .agg(pl.col("year").unique().sort())
        .sort("reason", "detected_iso3")
    )
    groups = list(doubtful.group_by("reason", maintain_order=True))
    for i, (reason, group) in enumerate(groups):
        which = "; ".join(
            f"{name_in_text(code) or code} {years_in_words(years)}"
            for code, years in group.select("detected_iso3", "year").iter_rows()
        )
        # what is done with their routes is said once, after the last reason (Thailand: two reasons)
        done = (
            ("Their routes" if len(groups) == 1 else "The routes of all these breakdowns")
            + " are marked doubtful, kept apart from other years', and left out of the charts"
            + (", of the nationals detected per year" if selection.role != "destination" else "")
            + " and of corridor trends."
        )
        notes.append(
            [
                f"Doubtful citizenship breakdowns ({which}): "
                f"{doubtful_reason(str(reason[0]))}." + (f" {done}" if i == len(groups) - 1 else "")
            ]
        )
    in_doubtful = selected.join(
        reasons.select("iso3", "year"),
        left_on=["detected_iso3", "year"],
        right_on=["iso3", "year"],
        how="semi",
    )
    if (doubtful_total := doubtful_pair(selection, rule)) is not None:
        # the route table's sum and the per-year count of nationals differ by these cells: said, with the amount
        per_year = (
            "; they are in this table's sum but not in the nationals detected per year, which is that much smaller"
            if selection.role != "destination"
            else "; they are in this table's sum"
        )
        notes.append(
            [
                "The routes of the doubtful breakdowns are rows of their own, marked doubtful (",
                _Counted(doubtful_total, "victims"),
                f"), never among the other routes{per_year}.",
            ]
        )
    unknown_doubtful = in_doubtful.filter(
        pl.col("origin_iso3").is_null() & pl.col("destination_iso3").is_not_null()
    )
    if unknown_doubtful.height and selection.role != "origin":
        notes.append(
            [
                f'Of the row "{ORIGIN_UNKNOWN}", ',
                _Counted(_protected_pair(unknown_doubtful, rule), "victims"),
                " come from the doubtful breakdowns (labels that name no country).",
            ]
        )
    unused = routes.unused_repatriation(selection)
    if unused.height:
        where = name_in_text(country) or place
        why = {
            "ambiguous": "it lists countries only (no subtotal 'Abroad', no own nationals), so whether it gives "
            f"where {nationals} came back from or where {where} sent foreign victims back to cannot be told",
            "unmatched": f"its parts do not fit {possessive(where)} count of its own nationals (larger than it, or no "
            "such count that year)",
        }
        for reason, part in unused.group_by("reason", maintain_order=True):
            notes.append(
                [
                    (
                        f"{NOT_USED} UNODC's breakdown of the victims {where} detected by country of repatriation "
                        f"({years_in_words(part['year'].to_list())}; "
                    ),
                    _Counted(_protected_pair(part, rule), "victims"),
                    f"), because {why[str(reason[0])]}.",
                ]
            )
    return [_sentence(parts, markdown=markdown) for parts in notes]


def published_values(table: DisclosedTable, column: str) -> list[int | str | None]:
    """A protected column as published: each count, or the label shown where it is withheld (the rule's
    ``<5`` for a small cell, ``x`` for a complement)."""
    return [
        table.rule.label if r == "small" else COMPLEMENT_LABEL if r == "complement" else v
        for v, r in zip(table.frame[column].to_list(), table.reasons[column].to_list(), strict=True)
    ]


class CensoredLow(int):
    """The low bound of a sum made only of the publisher's censored cells (three UNODC ``<5`` cells: 3, of
    3–12): public (anyone with the publisher's file has it), yet below the threshold, so never printed: the
    interval is written ``up to 12`` (:func:`~evidence.presentation.disclosure.range_text`)."""


def published_pair(
    low: int | str | None,
    high: int | str | None,
    label: str,
    *,
    censored: bool = False,
    low_value: int | None = None,
) -> tuple[Any, Any]:
    """The published (low, high) of one censored count, from what each bound's protected table publishes for
    it (a count, ``label`` for a small cell, ``x`` for a complement, None where missing): the one rule of every
    interval the toolkit shows (notebooks, briefs, the CLI and its JSON).

    A cell withheld in either bound is withheld in both (an exact cell's bounds are equal, so a published high
    bound would give a withheld low bound back), ``(x, x)``, which says both bounds are at least the threshold; a
    small bound makes the whole range small, ``(label, label)``: the high one, or the low one beside a high one
    published or withheld (``x`` for a low bound of 10 beside the ``<11`` of the same victims elsewhere gave them
    back: Saudi Arabia as origin, threshold 11, its victims on a known route); the one exception is a low bound withheld only for being small beside a published
    high bound (a censored sum such as three ``<5`` cells, 3–12): the interval ``(CensoredLow(3), 12)``, never
    ``label`` alone, which would say a sum that can reach 12 is below the threshold, nor ``<5–12``. The
    exception holds only for a cell made only of the publisher's ``<5`` cells (``censored``:
    :attr:`DisclosedTable.known`), whose bounds anyone with the file has (``low_value``, its low bound:
    :attr:`DisclosedTable.known_values`; without it, ``(label, 12)``): a sum with an exact part (``3`` and
    ``<5``, 4–7) would give the part back (7 − 4), so its published high bound is withheld with the low one,
    ``(label, label)``."""
    withheld = isinstance(low, str), isinstance(high, str)
    if not any(withheld):
        return low, high
    if high == label:
        return label, label
    if low == label:
        if not censored or not isinstance(high, int):
            return label, label
        return (CensoredLow(low_value) if low_value is not None else label), high
    return COMPLEMENT_LABEL, COMPLEMENT_LABEL


def censored_interval(pair: tuple[Any, Any]) -> bool:
    """Whether a published pair is an interval of the publisher's censored cells whose low end is below the
    threshold (``2–8``: :class:`CensoredLow`): its numbers are bounds, marked
    :data:`~evidence.presentation.disclosure.CENSORED` wherever shown."""
    return isinstance(pair[0], CensoredLow)


def bounds_text(pair: tuple[int | str | None, int | str | None], *, missing: str = "") -> str:
    """A published (low, high) pair (:func:`published_pair`) as every table shows it, by the one rule of
    ranges (:func:`~evidence.presentation.disclosure.range_text`): ``1,541``, ``1,541–1,550``, ``up to 8`` (a
    sum of the publisher's censored cells, 2–8: its low end is below the threshold), ``<5``, ``x``;
    ``missing`` where neither bound is published or withheld.

    A withheld end is never written beside a published one as a range (``12–x``, ``<5–x``): a high end
    withheld as a complement (``x``) beside a published low one is ``at least 12`` (the low end, a published
    count, is all that is known); beside a low end that is itself withheld, below the threshold (a
    :class:`CensoredLow`) or 0, nothing is known but the withheld label, ``x``; a high end withheld as small
    (``<5``) makes the whole range small, ``<5``, as in :func:`~evidence.presentation.disclosure.range_text`."""
    low, high = pair
    if low is None or high is None:
        return missing
    if isinstance(high, str):
        known_low = isinstance(low, int) and not isinstance(low, CensoredLow) and low > 0
        return f"at least {low:,}" if high == COMPLEMENT_LABEL and known_low else high
    if isinstance(low, str):  # a low bound withheld beside a published high one
        return range_text(0, high, low_below=True)
    return range_text(low, high, low_below=censored_interval(pair))


def bounds_markup(pair: tuple[int | str | None, int | str | None], *, missing: str = "") -> str:
    """:func:`bounds_text` for Markdown prose: an interval of the publisher's censored cells (``up to 8``)
    marked :data:`~evidence.presentation.disclosure.CENSORED` (checked as strictly as counts of people), any
    other text escaped."""
    from evidence.presentation.markup import marked

    text = bounds_text(pair, missing=missing)
    return marked(text, CENSORED) if censored_interval(pair) else escape_markdown(text)


def pair_in_words(pair: tuple[Any, Any], noun: str = "", *, markdown: bool = True) -> str:
    """A published pair (:func:`published_pair`) for a sentence, with what it counts (``noun``): a published
    count as :func:`bounds_text` (with ``markdown``, :func:`bounds_markup`), a withheld one in words ("fewer
    than 5 victims", "a withheld number of victims": :func:`~evidence.presentation.markup.count_in_words`), since
    prose has no legend for a table's labels; ``noun`` escaped with the rest."""
    from evidence.presentation.markup import count_in_words

    noun = escape_markdown(noun) if markdown else noun
    text = bounds_text(pair)
    said = count_in_words(text, noun, markdown=markdown)
    if said != (f"{text} {noun}" if noun else text):  # withheld: the toolkit's own words
        return said
    shown = bounds_markup(pair) if markdown else text
    return f"{shown} {noun}" if noun else shown


def interval_display(low: DisclosedTable, high: DisclosedTable) -> pl.DataFrame:
    """Two protected tables of the same rows and columns, holding the low and the high bounds of censored
    counts (UNODC), shown as one: each cell's :func:`published_pair` as :func:`bounds_text` (the count where
    the bounds agree, else ``"low–high"``, ``up to 8`` for a sum of the publisher's censored cells; ``x`` or ``<5``
    where withheld). What the cells are for the disclosure scan: :func:`interval_kinds`."""
    columns = low.keys_shown()
    pairs = Bounds(low, high)
    for column in low.count_columns:
        columns[column] = [bounds_text(pair) for pair in pairs.cells(column)]
    return pl.DataFrame(columns, schema={c: pl.String for c in columns})


def interval_kinds(low: DisclosedTable, high: DisclosedTable) -> dict[str, list[str | None]]:
    """What the cells of :func:`interval_display` are, per count column that has an interval of the publisher's
    censored cells (``2–8``: :data:`~evidence.presentation.disclosure.CENSORED`; the other cells None, left to
    the column's kind): the ``kinds`` of :func:`evidence.notebooks.views.show_table`."""
    pairs = Bounds(low, high)
    out: dict[str, list[str | None]] = {}
    for column in low.count_columns:
        kinds = [CENSORED if censored_interval(pair) else None for pair in pairs.cells(column)]
        if any(kinds):
            out[column] = kinds
    return out


def interval_key_figures(low: RouteView, high: RouteView) -> pl.DataFrame:
    """:meth:`RouteView.key_figures` of the low and the high bounds (UNODC's detected victims) as one table:
    the selection and the unknown routes as the route table shows them (:func:`interval_display`, one protected
    version of each cell), the victims on a known route as :func:`published_pair` gives its bounds."""
    lo, hi = low.key_figures("detected victims"), high.key_figures("detected victims")
    shown = interval_display(low.table, high.table)
    total = low.table.total_label

    def row(route: str) -> str:
        values = shown.filter(pl.col("route") == route)[total]
        return str(values.item()) if values.len() else "0"

    def bound(text: str) -> int | str:
        return int(text.replace(",", "")) if text.replace(",", "").isdigit() else text

    on_known = published_pair(bound(lo["Victims"][1]), bound(hi["Victims"][1]), low.table.rule.label)
    victims = [
        shown[total][-1],
        bounds_text(on_known),
        row(ORIGIN_UNKNOWN),
        row(DESTINATION_UNKNOWN),
        *(row(label) for _, label in low.home_rows),
    ]
    return lo.with_columns(pl.Series("Victims", victims))


@fails_closed
def region_table(
    flow_table: pl.DataFrame, level: str, rule: DisclosureRule, route: RouteView
) -> DisclosedTable | None:
    """Victims by region of origin (rows) and of destination (columns) with totals, of exact or perturbed
    counts, protected; None when too small to protect, or when a withheld cell could be recomputed from the route
    table shown beside it (``route``). Exact counts are protected together with it
    (:func:`_region_beside_routes`). Perturbed ones (cell key), whose perturbation has no bound to protect them
    on, are left out where a withheld cell could be recomputed (a region pair whose every flow is a corridor
    published there, or the only withheld cell of a group of region pairs whose sum is a published class of
    route: domestic and intraregional on the diagonal, transregional off it) and wherever the route table
    withholds a cell, which the region table's sums of the same flows could give back. UNODC's ranges are
    :func:`region_ranges`, both bounds at once (:meth:`RouteBounds.region_bounds`): one bound alone cannot be
    protected, since a reader holds both."""
    from evidence.analyses import routes

    if route.exact_parts is not None:
        raise ParameterError(
            "region_table takes exact or perturbed counts; UNODC's ranges are region_ranges (both bounds at once)"
        )
    matrix = routes.region_flow_matrix(flow_table, level, value="victims")  # type: ignore[arg-type]
    if not matrix.height:
        return None
    row_key = matrix.columns[0]
    cell_keys = None
    if CELL_KEY in flow_table.columns:  # the region matrix of the flows' cell keys, cell for cell
        swapped = flow_table.drop("victims").rename({CELL_KEY: "victims"})
        keys_matrix = routes.region_flow_matrix(swapped, level, value="victims")  # type: ignore[arg-type]
        cell_keys = matrix.select(row_key).join(keys_matrix, on=row_key, how="left").fill_null(0)
    table = protected_table(matrix.fill_null(0), row_key, matrix.columns[1:], rule, cell_keys=cell_keys)
    if table is None:
        return None
    if not table.perturbed and route.counts is not None:
        return _region_beside_routes(table, matrix.fill_null(0), flow_table, level, route)
    origin, destination = f"origin_{level}", f"destination_{level}"
    published = set(map(tuple, route.chart_data().select("origin_iso3", "destination_iso3").rows()))
    flows = flow_table.with_columns(pl.col(origin, destination).fill_null("Unknown"))
    totals = route.total_row()
    classes = ROUTE_CLASS_LABELS
    diagonal_known = (
        totals.get(classes["domestic"]) is not None and totals.get(classes["intraregional"]) is not None
    )
    off_known = totals.get(classes["transregional"]) is not None
    withheld_diagonal, withheld_off = 0, 0
    for index, row in enumerate(table.body.iter_rows(named=True)):
        for column in table.value_columns:
            if not row[column + "_suppressed"]:
                continue
            pair = flows.filter((pl.col(origin) == row[row_key]) & (pl.col(destination) == column))
            if set(map(tuple, pair.select("origin_iso3", "destination_iso3").rows())) <= published:
                return None  # every flow of this region pair is a corridor published in the route table
            if "Unknown" in (row[row_key], column):
                return None  # mixes classes (a domestic flow of unknown region): not checked, not shown
            if row[row_key] == column:
                withheld_diagonal += 1
            else:
                withheld_off += 1
    if not table.perturbed and (
        (diagonal_known and withheld_diagonal == 1) or (off_known and withheld_off == 1)
    ):
        return None
    # a published region pair whose every flow is a corridor of the route table, one of them withheld there:
    # the pair less the published ones gives it back (the real workbook, threshold 5: the Netherlands as
    # origin, Europe → Americas 6–9 beside "Netherlands → United States x", alone in its pair)
    keys = ["origin_iso3", "destination_iso3", "route_basis"]
    reason_of = dict(
        zip(
            route.table.frame["route"].to_list(),
            route.table.reasons[route.table.total_label].to_list(),
            strict=True,
        )
    )
    listed = set(map(tuple, route.corridors.select(keys).rows()))
    withheld = {
        tuple(key)
        for label, *key in route.corridors.select("route", *keys).rows()
        if reason_of.get(label) is not None
    }
    if withheld and "route_basis" in flows.columns:
        for row in table.body.iter_rows(named=True):
            for column in table.value_columns:
                if row[column + "_suppressed"]:
                    continue
                pair = flows.filter((pl.col(origin) == row[row_key]) & (pl.col(destination) == column))
                found = set(map(tuple, pair.select(keys).rows()))
                if found and found <= listed and found & withheld:
                    return None
    if any(route.table.reasons[c].is_not_null().any() for c in route.table.count_columns):
        # exact counts (perturbed ones alike: the same records, the same number): a region cell is a sum of the
        # same flows as the route table's cells, and its total the victims on a known route, so beside a route
        # table that withholds a cell it gave it back (Americas → Asia 6: Brazil → Thailand's x, alone in the
        # pair; the total 66: all 69 victims less it, the <5 of unknown origin). Not shown then.
        return None
    return table


def _region_beside_routes(
    table: DisclosedTable, matrix: pl.DataFrame, flow_table: pl.DataFrame, level: str, route: RouteView
) -> DisclosedTable | None:
    """The region table of exact counts (``matrix``: its true counts) protected together with the route table
    shown beside it, which stays as it is: each region pair is the sum of its corridors listed there and of the
    other routes' flows in it (by class: domestic and intraregional ones only on the diagonal, transregional
    ones only off it), and the region table's total the victims on a known route, all victims less those on no
    route. Further region cells are withheld (``x``) until no count the route table withholds, nor any small
    part of the other routes, follows (Americas → Asia 6 was Brazil → Thailand's ``x``, alone in its pair; the
    total 66 gave the ``<5`` of unknown origin back); None when no withholding protects it, or when
    it withholds every count (a table of ``x`` says nothing: a selection of one region pair, its one corridor
    withheld)."""
    routes_table, counts = route.table, route.counts
    assert counts is not None
    for column in routes_table.count_columns:
        shown = routes_table.frame[column]
        if (shown.is_not_null() & (shown != counts[column])).any():
            return None  # not the route table's counts: nothing to protect it with
    origin, destination = f"origin_{level}", f"destination_{level}"
    row_key = matrix.columns[0]
    keys = ["origin_iso3", "destination_iso3", "route_basis"]
    flows = flow_table.with_columns(pl.col(origin, destination).fill_null("Unknown"))
    if "route_basis" not in flows.columns:
        flows = flows.with_columns(pl.lit(None, pl.String).alias("route_basis"))
    regions = matrix[row_key].to_list()
    pairs = [(o, d) for o in regions for d in table.value_columns]
    column_of = {pair: f"pair {i}" for i, pair in enumerate(pairs)}
    no_route, every = "no route", "all"
    total = routes_table.total_label
    classes = [c for c in routes_table.count_columns if c not in (NO_ROUTE, total)]
    class_key = {label: key for key, label in ROUTE_CLASS_LABELS.items()}
    corridor_of = {r["route"]: r for r in route.corridors.iter_rows(named=True)}
    listed = route.corridors.select(keys)
    # the link: a row per corridor, per class of the other routes and per row of no route, a column per region
    # pair; each row's cells add up to its count in the route table, each pair's to its region cell
    labels: list[str] = []
    rows: list[dict[str, int]] = []
    same: list[list[TableCell]] = []
    unpublished: list[TableCell] = []
    last = routes_table.frame.height - 1
    for index, label in enumerate(routes_table.frame["route"].to_list()[:last]):
        n = int(counts[total][index])
        if label in corridor_of:
            corridor = corridor_of[label]
            found = flows.filter(
                *(pl.col(k) == corridor[k] if corridor[k] is not None else pl.col(k).is_null() for k in keys)
            )
            places = set(found.select(origin, destination).rows())
            if len(places) != 1 or int(found["victims"].sum()) != n:
                return None  # a corridor not one region pair's flows: not modelled, not shown
            cells = {column_of[places.pop()]: n}
            row = len(rows)
            same.append([(0, total, index), (2, every, row), *((2, c, row) for c in cells)])
            labels.append(label)
            rows.append({**cells, every: n})
        elif label == OTHER_ROUTES:
            rest = flows.join(listed, on=keys, how="anti", nulls_equal=True)
            for column in classes:
                part = rest.filter(pl.col("flow_class").cast(pl.String) == class_key.get(column, column))
                sums = {
                    column_of[(o, d)]: int(v)
                    for o, d, v in part.group_by(origin, destination).agg(pl.col("victims").sum()).rows()
                }
                if sum(sums.values()) != int(counts[column][index]):
                    return None
                row = len(rows)
                same.append([(0, column, index), (2, every, row)])
                diagonal = class_key.get(column) != "transregional"
                for (o, d), name in column_of.items():
                    # a reader knows a class's flows lie only on its side of the diagonal (or an unknown region)
                    possible = "Unknown" in (o, d) or (o == d) == diagonal
                    if possible or sums.get(name):
                        unpublished.append((2, name, row))
                labels.append(f"{label}: {column}")
                rows.append({**sums, every: int(counts[column][index])})
        else:  # no route: the unknowns, nationals at home
            row = len(rows)
            same.append([(0, total, index), (2, every, row), (2, no_route, row)])
            labels.append(label)
            rows.append({no_route: n, every: n})
    body = matrix.select(table.value_columns)
    grand = {column_of[(o, d)]: int(body[d][i]) for i, o in enumerate(regions) for d in table.value_columns}
    columns = [*column_of.values(), no_route, every]
    link = pl.DataFrame(
        [{c: r.get(c, 0) for c in columns} for r in rows], schema={c: pl.Int64 for c in columns}, orient="row"
    )
    link = pl.concat([link, link.sum()])
    expected = {**grand, no_route: int(counts[NO_ROUTE][last]) if NO_ROUTE in counts.columns else 0}
    if any(link[c][-1] != v for c, v in expected.items()) or link[every][-1] != int(counts[total][last]):
        return None  # the flows do not add up to both tables: not modelled, not shown
    end = len(rows)
    same.append([(0, total, last), (2, every, end)])
    if NO_ROUTE in routes_table.count_columns:
        same.append([(0, NO_ROUTE, last), (2, no_route, end)])
    for i, o in enumerate(regions):
        for d in table.value_columns:
            same.append([(1, d, i), (2, column_of[(o, d)], end)])
    region_truth = matrix.with_columns(pl.sum_horizontal(table.value_columns).alias(table.total_label))
    region_truth = pl.concat(
        [region_truth, region_truth.select(pl.exclude(row_key).sum())], how="diagonal_relaxed"
    )
    # the link shows nothing of its own: its cells are the route table's or the region table's, as they show them
    reasons = pl.DataFrame({c: [None] * link.height for c in columns}, schema={c: pl.String for c in columns})
    linked = DisclosedTable(
        frame=link.with_columns(pl.Series("row", [*labels, None], dtype=pl.String)).select("row", *columns),
        count_columns=tuple(columns),
        rule=table.rule,
        n_primary=0,
        n_secondary=0,
        has_total_row=True,
        has_total_column=True,
        total_label=every,
        reasons=reasons,
    )
    shown_as: dict[TableCell, str | None] = {}
    for group in same:
        first = group[0]
        source = routes_table if first[0] == 0 else table
        shown_as.update({c: source.reasons[first[1]][first[2]] for c in group if c[0] == 2})
    linked = dataclasses.replace(
        linked,
        reasons=pl.DataFrame(
            {c: [shown_as.get((2, c, r)) for r in range(link.height)] for c in columns},
            schema={c: pl.String for c in columns},
        ),
    )
    fixed = [(0, c, r) for c in routes_table.count_columns for r in range(routes_table.frame.height)]
    try:
        protected = protect_together(
            [routes_table, table, linked],
            [counts, region_truth.select(table.count_columns), link],
            same,
            table.rule,
            fixed=fixed,
            unpublished=unpublished,
            patience=8,
        )
    except DisclosureError:
        return None
    region = protected[1]
    if not any((region.frame[c].fill_null(0) > 0).any() for c in region.count_columns):
        return None  # every count withheld: a table of x says nothing
    return region


@fails_closed
def region_ranges(
    flow_table: pl.DataFrame,
    level: str,
    rule: DisclosureRule,
    low: RouteView,
    high: RouteView,
    censored_high: int = PUBLISHER_CENSORED_HIGH,
) -> Bounds | None:
    """The region table of UNODC's ranges (both bounds, :func:`protected_bounds`) protected together with the
    route table shown beside it (``low`` and ``high``: its two bounds' views), which stays as it is
    (:func:`_ranges_beside_routes`); None when too small to protect, or when no withholding protects it.
    ``censored_high``: the high bound of the publisher's censored cells (:func:`censored_high`)."""
    from evidence.analyses import routes

    lows = routes.region_flow_matrix(flow_table, level, value="victims_low")  # type: ignore[arg-type]
    if not lows.height:
        return None
    row_key = lows.columns[0]

    def aligned(other: pl.DataFrame) -> pl.DataFrame:
        return lows.select(row_key).join(other, on=row_key, how="left").select(lows.columns).fill_null(0)

    highs = aligned(routes.region_flow_matrix(flow_table, level, value="victims_high"))  # type: ignore[arg-type]
    # the exact parts: the region matrix of another measure of the same flows, cell for cell
    swapped = flow_table.drop("victims_low").rename({UNCENSORED: "victims_low"})
    exact = aligned(routes.region_flow_matrix(swapped, level, value="victims_low"))  # type: ignore[arg-type]
    lows = lows.fill_null(0)
    bounds = protected_bounds(
        lows, highs, row_key, lows.columns[1:], rule, exact=exact, censored_high=censored_high
    )
    if bounds is None:
        return None
    return _ranges_beside_routes(bounds, (lows, highs, exact), flow_table, level, low, high, censored_high)


def _is_label(bound: object) -> bool:
    """Whether a bound of a :func:`published_pair` is withheld (the rule's label, or ``x``)."""
    return isinstance(bound, str)


def _pair_statuses(pair: tuple[Any, Any], top: int, rule: DisclosureRule) -> tuple[str | None, str | None]:
    """What a reader knows of a censored count's two bounds from how it is shown (its :func:`published_pair`;
    ``top``: its true high bound), as the reason each is withheld or None: a range fixes both; ``<5`` the low one
    below the threshold, the high one only where it is small too; ``at least 12`` the low one; ``x`` both at the
    threshold or more. A bound one table publishes is not read where the pair withholds it: the route table's high
    bound beside a low one withheld (Ukraine → Malta, ``x``) is no count a reader has."""
    shown_low, shown_high = pair
    if not (isinstance(shown_low, str) or isinstance(shown_high, str)):
        return None, None
    if shown_high == rule.label:
        return SMALL_REASON, SMALL_REASON if rule.is_small(top) else _UNPUBLISHED
    if not isinstance(shown_low, str):
        return None, COMPLEMENT_REASON
    return COMPLEMENT_REASON, COMPLEMENT_REASON


def _ranges_beside_routes(
    bounds: Bounds,
    matrices: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
    flow_table: pl.DataFrame,
    level: str,
    low: RouteView,
    high: RouteView,
    censored_high: int = PUBLISHER_CENSORED_HIGH,
) -> Bounds | None:
    """UNODC's region table (``bounds``; ``matrices``: its true low and high bounds and exact parts) protected
    together with the route table of the same flows shown beside it (``low``, ``high``), as
    :func:`_region_beside_routes` protects exact counts, on the bounds both publish (:class:`LinkedCounts`): each
    flow and each row of no route has a low and a high bound, the high at least the low and at most
    ``censored_high`` times it (an exact part and ``<5`` cells of 1 to 4: ``E + k`` and ``E + 4k``; a file's
    ``<10``, 1 to 9: ``E + 9k``; only ``low <= high`` for a difference of censored sums, or a cell of cells of
    several widths), and each cell of either table, as the reader sees it (:func:`published_pair`: a range fixes
    both bounds, ``<5`` the low one below the threshold, ``x`` both at it or more), is the sum of its flows. Region
    cells are withheld in both bounds until no withheld count that may be small, nor a small exact part of a flow,
    follows (Lithuania as origin, threshold 11: the route table's ``x`` of 6 nationals repatriated from abroad
    came back from the regions' total); what the route table and key figures alone give back is taken as given.
    The publisher's own ``<5`` cells (a cell without an exact part) are known to anyone with its file. None when
    no withholding protects it, when the flows are not the route table's, or when every count is withheld."""
    rule = bounds.low.rule
    lows, highs, _ = matrices
    if low.counts is None or high.counts is None or low.exact_parts is None:
        return None
    origin, destination = f"origin_{level}", f"destination_{level}"
    keys = ["origin_iso3", "destination_iso3", "route_basis"]
    flows = flow_table.with_columns(pl.col(origin, destination).fill_null("Unknown"))
    if "route_basis" not in flows.columns:
        flows = flows.with_columns(pl.lit(None, pl.String).alias("route_basis"))
    flows = flows.with_row_index("_flow")
    system = LinkedCounts()

    def atom(name: Hashable, bottom: int, top: int, exact: int) -> None:
        """A flow, or a row of no route: its two bounds, unpublished, and what anyone knows of how they are made."""
        lo, hi = ("low", name), ("high", name)
        system.quantity(lo, bottom)
        system.quantity(hi, top)
        system.at_most.append({lo: 1.0, hi: -1.0})
        width = censored_high
        if top - exact == width * (bottom - exact):
            # E + k and E + wk (w the censored high: 4 for UNODC's <5), E >= 0: the high at most w times the low
            system.at_most.append({hi: 1.0, lo: -float(width)})
            if exact > 0:  # a small exact part must not follow: (w low - high) / (w - 1)
                system.derived[("exact", name)] = {lo: width / (width - 1), hi: -1 / (width - 1)}

    flow_rows = list(flows.select("_flow", "victims_low", "victims_high", UNCENSORED).iter_rows())
    for index, bottom, top, exact in flow_rows:
        atom(("flow", index), int(bottom), int(top), int(exact or 0))
    routes_low, routes_high = low.table, high.table
    total = routes_low.total_label
    last = routes_low.frame.height - 1
    labels = routes_low.frame["route"].to_list()
    corridor_of = {r["route"]: r for r in low.corridors.iter_rows(named=True)}
    class_key = {name: key for key, name in ROUTE_CLASS_LABELS.items()}
    no_route: list[Hashable] = []
    for index, name in enumerate(labels[:last]):
        if name not in corridor_of and name != OTHER_ROUTES:
            no_route.append(("no route", name))
            atom(
                no_route[-1],
                int(low.counts[total][index]),
                int(high.counts[total][index]),
                int(low.exact_parts[total][index]),
            )

    #: a cell's flows (and rows of no route), by their low bounds' names
    Line = dict[tuple[str, Hashable], float]

    def of_flows(frame: pl.DataFrame) -> Line:
        return {("low", ("flow", i)): 1.0 for i in frame["_flow"].to_list()}

    rest = flows.join(low.corridors.select(keys), on=keys, how="anti", nulls_equal=True)

    def route_cell(index: int, column: str) -> Line | None:
        """The low bounds of the route table's cell (its flows or its row of no route); None: the publisher's cell
        total, not the rows' sum."""
        name = labels[index]
        in_class = column not in (total, NO_ROUTE)
        if name in corridor_of:
            corridor = corridor_of[name]
            if column == NO_ROUTE or (in_class and class_key.get(column) != corridor["flow_class"]):
                return {}
            return of_flows(
                flows.filter(
                    *(
                        pl.col(k) == corridor[k] if corridor[k] is not None else pl.col(k).is_null()
                        for k in keys
                    )
                )
            )
        if name == OTHER_ROUTES:
            if column == NO_ROUTE:
                return {}
            part = (
                rest
                if not in_class
                else rest.filter(pl.col("flow_class").cast(pl.String) == class_key.get(column))
            )
            return of_flows(part)
        if index < last:
            return {} if in_class else {("low", ("no route", name)): 1.0}
        if column == NO_ROUTE:
            return {("low", q): 1.0 for q in no_route}
        if in_class:
            return of_flows(flows.filter(pl.col("flow_class").cast(pl.String) == class_key.get(column)))
        return {**of_flows(flows), **{("low", q): 1.0 for q in no_route}}

    def statuses(pair: tuple[Any, Any], known: bool, top: int) -> tuple[str | None, str | None]:
        return (None, None) if known else _pair_statuses(pair, top, rule)

    def link(name: Hashable, line: Line, values: tuple[int, int], why: tuple[Any, Any]) -> bool:
        """A cell of both bounds, each the sum of its flows' bound; False where the flows do not add up to it."""
        for side, value, reason in zip(("low", "high"), values, why, strict=True):
            sums: dict[Hashable, float] = {(side, q[1]): c for q, c in line.items()}
            if sum(system.values[q] * c for q, c in sums.items()) != value:
                return False
            _publish_read(system, (side, name), value, reason, rule)
            system.equalities.append({**sums, (side, name): -1.0})
        return True

    route_pairs = Bounds(routes_low, routes_high)
    route_bounds: set[Hashable] = set()
    for column in routes_low.count_columns:
        pairs, known = route_pairs.cells(column), routes_low.known_cells(column)
        for index in range(routes_low.frame.height):
            line = route_cell(index, column)
            values = (int(low.counts[column][index]), int(high.counts[column][index]))
            if not line:
                if values != (0, 0):
                    return None  # a cell the flows do not make: not modelled, not shown
                continue
            why = statuses(pairs[index], known[index], values[1])
            shown_ints = not any(isinstance(v, str) for v in pairs[index])
            if shown_ints and tuple(cast(int, v) for v in pairs[index]) != values:
                if index == last and column == total:
                    continue  # the publisher's cell total (narrower than the rows' sum): published elsewhere
                return None
            if not link(("route", column, index), line, values, why):
                return None
            route_bounds.update((side, ("route", column, index)) for side in ("low", "high"))
    # what the route table and key figures give back alone is given: the region table is not asked to hide it
    for name in linked_exposures(system, rule, complements=True):
        if name in system.derived:
            del system.derived[name]
        else:
            system.publish(name, system.values[name], None)
    # nor may it give back any other count the route table withholds, a complement too (Netherlands → United
    # States x, 6–9, alone in Europe → Americas): each such bound less all but one of its value is a small count
    # (1) that follows exactly when the bound does
    system.publish(ONE, 1, None)
    for name in system.withheld():
        if name in route_bounds and not rule.is_small(system.values[name]):
            system.derived[("withheld", name)] = {name: 1.0, ONE: -float(system.values[name] - 1)}
    regions = lows[lows.columns[0]].to_list()
    region_low = bounds.low
    region_pairs = Bounds(region_low, bounds.high)
    among: set[Hashable] = set()
    cells: dict[Hashable, tuple[str, int]] = {}
    for column in region_low.count_columns:
        pairs, known = region_pairs.cells(column), region_low.known_cells(column)
        for index in range(region_low.frame.height):
            chosen = flows
            if index < len(regions):
                chosen = chosen.filter(pl.col(origin) == regions[index])
            if column != region_low.total_label:
                chosen = chosen.filter(pl.col(destination) == column)
            values = (int(chosen["victims_low"].sum()), int(chosen["victims_high"].sum()))
            inner = index < len(regions) and column in highs.columns
            if inner and (int(lows[column][index]), int(highs[column][index])) != values:
                return None  # the region matrix is not these flows: not modelled, not shown
            line = of_flows(chosen)
            name = ("region", column, index)
            if not link(name, line, values, statuses(pairs[index], known[index], values[1])):
                return None
            cells[("low", name)] = cells[("high", name)] = (column, index)
            if not known[index]:
                among.update(q for q in (("low", name), ("high", name)) if system.status.get(q) is None)
    withheld: set[tuple[str, int]] = set()
    for _ in range(8):
        try:
            protect_linked(system, rule, among=among, patience=8)
        except DisclosureError:
            return None
        newly = {cells[q] for q in system.withheld() if q in cells} - withheld
        if not newly:
            break
        withheld |= newly
        for column, index in newly:  # a cell withheld in one bound is withheld in both, and read as shown
            pair = [("low", ("region", column, index)), ("high", ("region", column, index))]
            # x, unless its high bound is small (<5): a small low bound beside a withheld high one is shown x,
            # which a reader takes for at least the threshold (Botswana as destination, threshold 11: Asia →
            # Africa <11 became x beside the route table's <11 of the same flows, and gave them back as 10)
            reason = SMALL_REASON if system.status.get(pair[1]) == SMALL_REASON else COMPLEMENT_REASON
            for q in pair:
                system.status[q] = reason
                among.discard(q)
        if not linked_exposures(system, rule):
            break
    else:
        return None
    if linked_exposures(system, rule):
        return None
    out_low, out_high = bounds.low, bounds.high
    for column in region_low.count_columns:
        rows = sorted(index for c, index in withheld if c == column)
        out_low, out_high = withhold_cells(out_low, column, rows), withhold_cells(out_high, column, rows)
    if withheld and all(
        isinstance(pair[0], str) or isinstance(pair[1], str) or not pair[1]
        for column in out_low.count_columns
        for pair in Bounds(out_low, out_high).cells(column)
    ):
        return None  # every count withheld here: a table of x says nothing
    return Bounds(out_low, out_high)


#: Columns of :meth:`RouteBounds.chart_data` for censored counts: the high bound, and the range as text.
VICTIMS_HIGH, VICTIMS_TEXT = "victims_high", "victims_text"


@dataclass(frozen=True)
class RouteBounds:
    """The route numbers of a selection: the :class:`RouteView` of exact counts (case data: ``low`` is
    ``high``) or of the low and the high bounds of censored counts (UNODC), the flow table they come from,
    and what notebooks and the CLI publish from them."""

    low: RouteView
    high: RouteView
    flow_table: pl.DataFrame
    selection: Selection | None = None
    min_victims: int = MIN_VICTIMS  # the minimum applied (:func:`listed_from`), not the one asked for
    #: the years of the routes read from a repatriation or doubtful breakdown, for their labels (:func:`route_label`)
    years: Mapping[tuple[str, str, str], list[int]] | None = dataclasses.field(
        default=None, compare=False, repr=False
    )
    #: UNODC's ranges: the listing of every corridor this one is a view of (:func:`_first_listed`), None where it
    #: is that listing itself or a listing of exact counts
    every: RouteBounds | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def exact(self) -> bool:
        return self.low is self.high

    def key_figures(self) -> pl.DataFrame:
        """Victims of the selection, on a known route, with an unknown origin or destination."""
        return self.low.key_figures() if self.exact else interval_key_figures(self.low, self.high)

    def table(self) -> DisclosedTable | pl.DataFrame:
        """The route table: a :class:`DisclosedTable` of exact counts, else the ranges as text."""
        return self.low.table if self.exact else interval_display(self.low.table, self.high.table)

    def table_kinds(self) -> dict[str, list[str | None]]:
        """What :meth:`table`'s interval cells are for the disclosure scan (:func:`interval_kinds`)."""
        return {} if self.exact else interval_kinds(self.low.table, self.high.table)

    def key_figure_kinds(self) -> dict[str, list[str | None]]:
        """What :meth:`key_figures`' victims are for the disclosure scan: the rows read from the route table
        (the selection, the unknown routes) as its cells are (:func:`interval_kinds`)."""
        if self.exact:
            return {}
        table = self.low.table
        kinds = interval_kinds(table, self.high.table).get(table.total_label)
        if kinds is None:
            return {}
        by_route = dict(zip(table.frame["route"].to_list(), kinds, strict=True))
        routes = [
            None,
            None,
            ORIGIN_UNKNOWN,
            DESTINATION_UNKNOWN,
            *(label for _, label in self.low.home_rows),
        ]
        out = [kinds[-1], None, *(by_route.get(r) for r in routes[2:])]
        return {"Victims": out} if any(out) else {}

    def chart_data(self) -> pl.DataFrame:
        """Published corridors for charts: exact counts, or the low bounds of corridors published in both,
        with their high bounds (:data:`VICTIMS_HIGH`) and their range as the route table shows it
        (:data:`VICTIMS_TEXT`, ``16–25``: what a chart prints, never the low bound alone). The share of the
        victims on known routes is a number for exact counts; for censored counts the range the bounds allow,
        as text (:func:`share_range_text`), never the share of the low bounds alone."""
        low = self.low.chart_data()
        if self.exact:
            return low
        keys = ["origin_iso3", "destination_iso3"]
        high = self.high.chart_data().select(*keys, pl.col("victims").alias("_high"))
        both = low.join(high, on=keys, how="inner", maintain_order="left")
        # shares of the known routes the chart draws (:meth:`RouteView.drawn_routes`), at each bound
        known = (self.low.drawn_routes()[1], self.high.drawn_routes()[1])
        shares = [
            share_range_text(share_range(lo, hi, *known))
            for lo, hi in zip(both["victims"].to_list(), both["_high"].to_list(), strict=True)
        ]
        # what a chart prints for a corridor: its range as the route table shows it (16–25), never the low
        # bound alone (a published corridor is published in both bounds)
        texts = [
            bounds_text((lo, hi))
            for lo, hi in zip(both["victims"].to_list(), both["_high"].to_list(), strict=True)
        ]
        return both.select(
            *keys,
            "victims",
            pl.Series("share", shares, dtype=pl.String),
            pl.col("_high").alias(VICTIMS_HIGH),
            pl.Series(VICTIMS_TEXT, texts, dtype=pl.String),
        )

    def region_table(self, level: str) -> DisclosedTable | pl.DataFrame | None:
        """:func:`region_table` of exact counts, else of both bounds shown as ranges (None if either is)."""
        bounds = self.region_bounds(level)
        return None if bounds is None else bounds.shown()

    def region_bounds(self, level: str) -> Bounds | None:
        """:func:`region_table` of exact counts (one table twice), else :func:`region_ranges` of both bounds."""
        if self.every is not None:
            # the listing of every corridor's, whatever the length: protected beside a shorter listing's route
            # table, the region table of each length differed, and two lengths gave what neither does (France as
            # both at 11: a region table beside the listing of ten, none beside the listing of every corridor)
            return self.every.region_bounds(level)
        rule = self.low.table.rule
        if self.exact:
            table = region_table(self.flow_table, level, rule, self.low)
            return None if table is None else Bounds(table, table)
        return region_ranges(self.flow_table, level, rule, self.low, self.high, censored_high(self.selection))

    def withheld_corridors(self) -> frozenset[tuple[str, str]]:
        """The corridors (origin and destination ISO3) the route table lists with their total withheld (``<5``
        or ``x``) in the low or the high bounds: no statistic of their counts may be printed beside it
        (:func:`emerging_statistics_shown`). UNODC's ranges: those of the listing of every corridor, whatever the
        length (:attr:`every`): a corridor a shorter listing leaves in "All other routes" is withheld in the one a
        reader asks for next (Venezuela as both at 10: an emerging corridor's rate ratio beside its ``x``)."""
        if self.every is not None:
            return self.every.withheld_corridors()
        out: set[tuple[str, str]] = set()
        for view in (self.low, self.high):
            totals = view.table.frame.select("route", pl.col(view.table.total_label).alias("victims"))
            rows = view.corridors.join(totals, on="route", how="left").filter(pl.col("victims").is_null())
            out.update(
                (str(o), str(d)) for o, d in rows.select("origin_iso3", "destination_iso3").iter_rows()
            )
        return frozenset(out)

    def rows(self) -> list[dict[str, Any]]:
        """One record per row of the route table (corridors, other routes, unknowns, the total): route label,
        origin and destination and class for a corridor, and the published victims as ``(low, high)`` — each
        a count or, where withheld, the label shown (``<5`` or ``x``), by :func:`published_pair`."""
        rule = self.low.table.rule
        corridors = {r["route"]: r for r in self.low.corridors.iter_rows(named=True)}

        def shown(value: int | None, reason: str | None) -> int | str | None:
            if reason == "small":
                return rule.label
            if reason == "complement":
                return COMPLEMENT_LABEL
            return value

        out = []
        total_label = self.low.table.total_label
        total_known = self.low.table.known_cells(total_label)
        total_values = self.low.table.known_value_cells(total_label)
        for (route, lo, lo_reason), (_, hi, hi_reason), known, value in zip(
            self.low.row_totals(), self.high.row_totals(), total_known, total_values, strict=True
        ):
            low, high = published_pair(
                shown(lo, lo_reason), shown(hi, hi_reason), rule.label, censored=known, low_value=value
            )
            out.append({"route": route, **corridors.get(route, {}), "victims": (low, high)})
        return out


def share_range(
    low: int | None, high: int | None, known_low: int | None, known_high: int | None
) -> tuple[float, float] | None:
    """The share of the victims on known routes that a route of ``low``–``high`` victims can have when all
    known routes together (the route included) hold ``known_low``–``known_high``: smallest with the route at
    its low bound and the other routes at their high bounds, largest the other way round. Exact counts give
    one share twice. None when a count is withheld or no victim is on a known route.

    A censored count's midpoint over a midpoint total would read as precise where the count spans a range
    (16–64 victims is a share of 6–21%, not 14.5%)."""
    if low is None or high is None or known_low is None or known_high is None:
        return None
    smallest_total = low + max(known_high - high, 0)
    largest_total = high + max(known_low - low, 0)
    if smallest_total <= 0 or largest_total <= 0:
        return None
    return low / smallest_total, high / largest_total


def round_outwards(low: float, high: float, places: int) -> tuple[float, float]:
    """A range rounded outwards to ``places`` decimals: the low end down, the high end up, so that the range
    shown holds the one computed (32/1416–32/1392 = 0.02260–0.02299 is 0.0226–0.0230 at four places, 2.2–2.3%
    at a tenth of a percent). One value (``low == high``) is rounded to the nearest."""
    if low == high:
        return round(low, places), round(low, places)
    scale = 10**places
    # rounded to 9 more places first: 0.15 * 100 is 15.000000000000002, whose ceiling is not 15
    return (
        math.floor(round(low * scale, 9)) / scale,
        math.ceil(round(high * scale, 9)) / scale,
    )


def share_range_text(shares: tuple[float, float] | None) -> str | None:
    """A share, or the range of one, as readers see it: ``25.0%`` for one share (to the tenth of a percent),
    else the range rounded outwards (:func:`round_outwards`) so that the range shown holds the one computed:
    ``6–22%``, tenths below 10% (``2.0–3.6%``, ``2.2–2.3%`` for 2.260–2.299%); one share where both ends round
    outwards to the same number."""
    if shares is None:
        return None
    low, high = shares
    digits = 0 if high >= 0.1 and low != high else 1
    a, b = round_outwards(low * 100, high * 100, digits)
    return f"{a:.{digits}f}%" if a == b else f"{a:.{digits}f}–{b:.{digits}f}%"


@fails_closed
def route_numbers(
    selection: Selection,
    rule: DisclosureRule,
    *,
    top_n: int = TOP_N,
    min_victims: int = MIN_VICTIMS,
    regional_level: str = "region",
) -> RouteBounds | None:
    """The route numbers of a selection (:class:`RouteBounds`): exact counts for case data, else bounds; None
    when the selection is too small to protect. The one builder of every published route number. UNODC's
    ranges: every length is a view of the one listing of every corridor (:func:`_first_listed`), built once per
    selection, rule, minimum and level."""
    if top_n < 1:
        raise ParameterError(f"top_n must be at least 1, not {top_n}")
    if selection.kind == "case":
        return _route_numbers(selection, rule, top_n, min_victims, regional_level)
    key = ("route listing of every corridor", *selection.cache_key, rule, min_victims, regional_level)
    every = kept_once(
        selection.frame,
        key,
        # what a programme left unanswered made raises, never kept
        fails_closed(lambda: _route_numbers(selection, rule, EVERY_CORRIDOR, min_victims, regional_level)),
    )
    if every is None or every.low.table.perturbed:
        return every if every is None else _route_numbers(selection, rule, top_n, min_victims, regional_level)
    low, high = _first_listed(every.low, every.high, top_n, rule, every.years)
    return every if low is every.low else dataclasses.replace(every, low=low, high=high, every=every)


def _route_numbers(
    selection: Selection, rule: DisclosureRule, top_n: int, min_victims: int, regional_level: str
) -> RouteBounds | None:
    """:func:`route_numbers` of one listing, protected on its own."""
    flow_table, coverage, years = _route_inputs(selection, regional_level)
    exact = selection.kind == "case"
    options: dict[str, Any] = {"top_n": top_n, "min_victims": min_victims, "exact": exact}
    if years is not None:
        options["years"] = years
    if not exact:
        options["country"] = selection.country
        options["censored_high"] = censored_high(selection)

    options.setdefault("country", None)
    options.setdefault("years", None)
    # censored counts: both bounds' views built together (what they share once)
    views = _route_views(flow_table, coverage, rule, (0,) if exact else (0, 1), **options)
    low, high = (views[0], views[0]) if exact else views
    if low is None or high is None:
        return None
    low, high = published_first(low, high)
    return RouteBounds(low, high, flow_table, selection, listed_from(min_victims, rule), options["years"])


def _route_inputs(
    selection: Selection, regional_level: str
) -> tuple[pl.DataFrame, FlowCoverage, dict[tuple[str, str, str], list[int]] | None]:
    """What :func:`_route_numbers` reads of a selection whatever the rule, the length and the minimum: its flow
    table, its flow coverage and, where a flow is a repatriation or a doubtful citizenship, the years of each
    flow (their labels say them); built once per frame, selection and level (a rule's listing and another's, or a
    perturbed table's lengths, read the same). Read only."""
    from evidence.analyses import routes

    def build() -> tuple[pl.DataFrame, FlowCoverage, dict[tuple[str, str, str], list[int]] | None]:
        flow_table = routes.flows(selection, regional_level=regional_level)  # type: ignore[arg-type]
        coverage = routes.flow_coverage(selection)
        labelled = flow_table["route_basis"].is_in(["repatriation", "doubtful_citizenship"]).any()
        return flow_table, coverage, routes.flow_years(selection) if labelled else None

    key = ("route inputs", *selection.cache_key, regional_level)
    return kept_once(selection.frame, key, build)


def _first_listed(
    low: RouteView,
    high: RouteView,
    top_n: int,
    rule: DisclosureRule,
    years: Mapping[tuple[str, str, str], list[int]] | None,
) -> tuple[RouteView, RouteView]:
    """The two bounds' listings of ``top_n`` corridors (UNODC's ranges) as views of their listing of every
    corridor (``low`` and ``high``, :func:`published_first`): its first ``top_n`` ranked corridors, each with
    its cells, and its doubtful ones; the rest summed into "All other routes", each of whose cells is shown only
    where that listing's published cells give it (the rows beyond summed, or the column's total less the rows
    kept), else withheld. Anyone can ask for every length, and each protected on its own gave back what the
    others withheld: "All other routes" of 3 less that of 4 is the fourth corridor's total, and Mexico as both
    at threshold 11, the listing of 3 gave 2017's Mexico → Guatemala, 5, back beside the table by corridor. As
    views, no length publishes anything the listing of every corridor does not, which is the one listing the
    tables by category are protected with (:func:`_route_margins`)."""
    n = low.corridors.height
    doubtful = (
        low.corridors["route_basis"].eq("doubtful_citizenship").to_list()
        if "route_basis" in low.corridors.columns
        else [False] * n
    )
    ranked = [i for i in range(n) if not doubtful[i]]
    if len(ranked) <= top_n:
        return low, high
    dropped = set(ranked[top_n:])
    kept = [i for i in range(n) if i not in dropped]
    rows = [*kept, n, *range(n + 1, low.table.frame.height)]  # n: "All other routes"
    summed = [*sorted(dropped), n]
    count_columns = low.table.count_columns
    total = low.table.total_label
    published = {
        c: [a is None and b is None for a, b in zip(low.table.reasons[c], high.table.reasons[c], strict=True)]
        for c in count_columns
    }
    last = low.table.frame.height - 1 if low.table.has_total_row else None

    def follows(column: str) -> bool:
        if all(published[column][i] for i in summed):
            return True
        # the column's total less every other row; the publisher's cell total of all victims is no sum of rows
        others = [i for i in range(low.table.frame.height) if i not in summed and i != last]
        return (
            column != total
            and last is not None
            and published[column][last]
            and all(published[column][i] for i in others)
        )

    shown = {c: follows(c) for c in count_columns}
    if total in shown and not shown[total]:  # a row's total is the sum of its cells
        shown[total] = all(shown[c] for c in count_columns if c != total)
    assert low.counts is not None

    def labelled_small(column: str) -> bool:
        """Whether "All other routes", withheld in ``column``, is labelled small: where its low bound is, and
        the label says no more than the listing of every corridor's labels do (its one row withheld there, the
        others published as 0; or a sum it is a part of withheld as small: its class's total, or the victims on
        a known route). A label on a sum of rows withheld narrowed each: Kuwait as both at 11, flows of one
        victim or more, the listing of five's intraregional ``<11`` (Nepal, the Philippines and Sri Lanka →
        Kuwait, each ``<11``) beside the column's 18–27 pinned Kuwait → Jordan's ``<11``, 8. Elsewhere it is a
        complement, never beside a ``<11`` of the same victims or more (an ``x`` says at least the threshold:
        Canada as destination, the listing of seven's intraregional beside the column's ``<11``; Saudi Arabia as
        both, the listing of one's beside the victims on a known route, ``<11``)."""
        assert low.counts is not None and high.counts is not None
        if not rule.is_small(int(sum(low.counts[column][i] or 0 for i in summed))):
            return False

        def withheld_small(row: int) -> bool:
            return SMALL_REASON in (low.table.reasons[column][row], high.table.reasons[column][row])

        if column != total and last is not None and withheld_small(last):
            return True
        if column == total and any(v.known_routes() is None and v.known_small for v in (low, high)):
            return True  # a part of the victims on a known route, withheld as small
        withheld = [i for i in summed if not published[column][i]]
        zeros = all(
            (low.counts[column][i] or 0) == 0 and (high.counts[column][i] or 0) == 0
            for i in summed
            if published[column][i]
        )
        return len(withheld) == 1 and zeros and withheld_small(withheld[0])

    # withheld as the rule labels it: small where its low bound is and the label narrows nothing, else a complement
    small = {c: labelled_small(c) for c in count_columns}
    # labels say who else is listed: a pair's partner left out, its row named as a corridor of its own
    keys = ["origin_iso3", "destination_iso3", "route_basis"]
    corridors = low.corridors[kept]
    pairs = corridor_pairs(list(corridors.select(keys).iter_rows()))
    labels = [
        route_label(o, d, basis, (years or {}).get((o, d, basis), []), paired=(o, d) in pairs)
        for o, d, basis in corridors.select(keys).iter_rows()
    ]
    corridors = corridors.with_columns(pl.Series("route", labels, dtype=pl.String))

    def cut(view: RouteView) -> RouteView:
        assert view.counts is not None
        table = view.table
        other = len(kept)  # "All other routes" of the listing

        def at_other(series: pl.Series, value: Any) -> pl.Series:
            return pl.Series(series.name, [*series[:other], value, *series[other + 1 :]], dtype=series.dtype)

        values = {c: int(sum(view.counts[c][i] or 0 for i in summed)) for c in count_columns}
        why = {
            c: None if shown[c] else SMALL_REASON if small[c] else COMPLEMENT_REASON for c in count_columns
        }
        frame, reasons = table.frame[rows], table.reasons[rows]
        frame = with_series(
            frame,
            [
                pl.Series("route", [*labels, *frame["route"][other:]], dtype=pl.String),
                *(at_other(frame[c], values[c] if shown[c] else None) for c in count_columns),
                *(at_other(frame[c + SUPPRESSED_SUFFIX], not shown[c]) for c in count_columns),
            ],
        )
        reasons = with_series(reasons, [at_other(reasons[c], why[c]) for c in count_columns])
        known, known_values = table.known, table.known_values
        if known.height:
            # made only of the publisher's <5 cells where each row summed is: their bounds summed are public
            flags = {c: all(table.known_cells(c)[i] for i in summed) for c in known.columns}
            known = with_series(known[rows], [at_other(known[rows][c], f) for c, f in flags.items()])
        if known_values.height:
            known_values = known_values[rows]
            known_values = with_series(
                known_values,
                [
                    at_other(
                        known_values[c],
                        sum(table.known_value_cells(c)[i] or 0 for i in summed) if flags.get(c) else None,
                    )
                    for c in known_values.columns
                ],
            )
        withheld = [r for c in count_columns for r in reasons[c].to_list()]
        table = dataclasses.replace(
            table,
            frame=frame,
            reasons=reasons,
            known=known,
            known_values=known_values,
            n_primary=withheld.count(SMALL_REASON),
            n_secondary=withheld.count(COMPLEMENT_REASON),
        )

        def of_rows(counts: pl.DataFrame | None) -> pl.DataFrame | None:
            # the true counts row for row, the rows summed in "All other routes"
            if counts is None:
                return None
            sums = counts[summed].select(pl.exclude("route").sum()).with_columns(route=pl.lit(OTHER_ROUTES))
            return pl.concat(
                [counts[kept], sums.select(counts.columns), counts[n + 1 :]], how="vertical_relaxed"
            )

        return dataclasses.replace(
            view,
            table=table,
            corridors=corridors,
            counts=of_rows(view.counts),
            exact_parts=of_rows(view.exact_parts),
        )

    moved = cut(low)
    return moved, moved if high is low else cut(high)


def published_first(low: RouteView, high: RouteView) -> tuple[RouteView, RouteView]:
    """The two bounds' views (the same one for exact counts) with the withheld corridors moved after the
    published ones, in the order of their names: listed by size among the published, a withheld corridor's
    place would give its hidden count bounds (between its neighbours'). The same among the doubtful corridors'
    rows, after the others. Perturbed counts (cell key): the published corridors by the numbers shown, equal
    ones by name; listed by their true counts, their order told the true order of the numbers shown (Myanmar
    → Thailand 28 above Cambodia → Thailand 30). The other rows keep their places."""
    total = low.table.total_label
    n = low.corridors.height

    def withheld(view: RouteView) -> list[bool]:
        return [r is not None for r in view.table.reasons[total].head(n).to_list()]

    hidden = [a or b for a, b in zip(withheld(low), withheld(high), strict=True)]
    perturbed = low.table.perturbed
    if not any(hidden) and not perturbed:
        return low, high
    labels = low.corridors["route"].to_list()
    shown = low.table.frame[total].head(n).to_list()
    # a doubtful corridor's row stays after the others, withheld or not (it is never ranked among them); listed
    # by size among themselves, a withheld one goes after the published ones too
    doubtful = (
        low.corridors["route_basis"].eq("doubtful_citizenship").to_list()
        if "route_basis" in low.corridors.columns
        else [False] * n
    )
    order = [i for i in range(n) if not hidden[i] and not doubtful[i]]
    if perturbed:  # exact counts keep their order: largest first, as the numbers shown are
        order.sort(key=lambda i: (-shown[i], labels[i]))
    order += sorted((i for i in range(n) if hidden[i] and not doubtful[i]), key=lambda i: labels[i])
    order += [i for i in range(n) if doubtful[i] and not hidden[i]]
    order += sorted((i for i in range(n) if doubtful[i] and hidden[i]), key=lambda i: labels[i])
    order += list(range(n, low.table.frame.height))

    def reordered(view: RouteView) -> RouteView:
        table = dataclasses.replace(
            view.table,
            frame=view.table.frame[order],
            reasons=view.table.reasons[order],
            known=view.table.known[order] if view.table.known.height else view.table.known,
        )
        # the true counts too, row for row (the region table is protected together with the table as shown)
        counts, exact_parts = view.counts, view.exact_parts
        return dataclasses.replace(
            view,
            table=table,
            corridors=view.corridors[order[:n]],
            counts=None if counts is None else counts[order],
            exact_parts=None if exact_parts is None else exact_parts[order],
        )

    moved = reordered(low)
    return moved, moved if high is low else reordered(high)


#: What the reasons of :func:`evidence.analyses.routes.emerging_routes` read as in a brief (not "growth+new").
_EMERGING_REASONS = {"growth": "growing", "new": "new", "growth+new": "growing and new"}

#: What the numbers of each column of :func:`emerging_view` are: rate ratios, intervals and q-values are
#: statistics, not counts of people (a rate ratio of 2.00 is not two victims).
EMERGING_KINDS = {
    "Later period": "years",
    "Annual rate ratio": "statistic",
    "95% interval": "statistic",
    "q-value": "statistic",
}


@fails_closed
def emerging_view(
    emerging: pl.DataFrame,
    top: int | None = None,
    *,
    rule: DisclosureRule = DEFAULT_RULE,
    keyed: bool = False,
    withheld: Collection[tuple[str, str]] = (),
    alpha: float = GROWTH_ALPHA,
) -> pl.DataFrame:
    """Growing and new corridors (:func:`evidence.analyses.routes.emerging_routes`) for display: corridor by
    country name, why, the later period (an en dash between its years), the rate ratio with its interval and
    the q-value (no counts), and what a corridor's fit warned about; ``top`` rows at most when given (which
    ones: below). A corridor whose victims all fall in the later years has no finite rate ratio:
    it reads "new: none before", with no interval ("not estimable"), never ``inf`` beside an empty cell; so does
    every corridor called new, whatever ratio its row holds.

    A corridor's statistics are withheld (``x``, :func:`emerging_statistics_shown`) where they would give back
    a count the brief does not publish: its victims in a period below the rule's threshold, or the exact counts
    of records protected by cell key (``keyed``), or a corridor whose total the route table withholds
    (``withheld``: :meth:`RouteBounds.withheld_corridors`). A new corridor's q-value is not printed: it has no
    finite rate ratio to test, and the cell says so in words. The corridors whose statistics are withheld are
    listed after the others, by name: kept in their place in q-value order, a withheld q-value lay between the
    printed ones around it (pinned between two equal ones: "<0.0001" above and below).

    Nothing listed moves with a withheld corridor's p-value: the corridors printed are in the order of
    their own p-values (their q-values', whose ties a withheld corridor's p-value can make), the first ``top``
    of them, then withheld ones by name to fill ``top`` (never the withheld ones of lowest q-value: their
    place among the first would bound it), and a q-value that a withheld corridor's p-value could move is
    printed as the greatest it can be (:func:`_q_value_text`), or as below ``alpha`` (the level the analysis
    called a corridor growing at) when that is less: what "growing" already says."""
    shown = emerging_statistics_shown(emerging, rule, keyed=keyed, withheld=withheld)

    def name(code: str | None) -> str:
        return (name_of(code) or code) if code else "unknown"

    routes = [
        f"{name(o)} → {name(d)}"
        for o, d in zip(emerging["origin_iso3"], emerging["destination_iso3"], strict=True)
    ]
    own = emerging["p_value"] if "p_value" in emerging.columns else emerging["q_value"]
    printed = sorted(
        (i for i in range(emerging.height) if shown[i]),
        # a failed fit's p-value entered the correction as 1; untested (no q-value) last, as the analysis has them
        key=lambda i: (emerging["q_value"][i] is None, 1.0 if own[i] is None else own[i]),
    )
    hidden = sorted((i for i in range(emerging.height) if not shown[i]), key=lambda i: routes[i])
    if top is not None:
        printed = printed[:top]
        hidden = hidden[: max(0, top - len(printed))]
    order = printed + hidden
    emerging, shown, routes = emerging[order], [shown[i] for i in order], [routes[i] for i in order]

    def number(value: float | None, digits: int) -> str:
        return "" if value is None else f"{value:.{digits}f}"

    # new (none before: no earlier rate to compare with) by its reason, or by an infinite ratio: never a finite
    # ratio, interval or q-value beside the word "new" (one without a trend, too small, says that instead)
    new = [
        v is not None and ("new" in (reason or "").split("+") or (math.isinf(v) and v > 0))
        for reason, v in zip(emerging["reason"], emerging["rate_ratio"], strict=True)
    ]

    columns = {
        "Route (origin → destination)": routes,
        "Why": [_EMERGING_REASONS.get(r, r) if r else "" for r in emerging["reason"].to_list()],
        "Later period": [p.replace("-", "–") if p else "" for p in emerging["later_period"].to_list()],
        "Annual rate ratio": [
            "new: none before"
            if is_new
            # a corridor with too few victims or years for a trend: said, never an empty cell
            else (
                "not tested (too few victims or years)"
                if v is None
                else number(v, 2)
                if ok
                else COMPLEMENT_LABEL
            )
            for v, ok, is_new in zip(emerging["rate_ratio"], shown, new, strict=True)
        ],
        "95% interval": [
            "not estimable"
            if is_new or (v is not None and not math.isfinite(v))
            else ("" if lo is None or hi is None else f"{lo:.2f} – {hi:.2f}" if ok else COMPLEMENT_LABEL)
            for v, lo, hi, ok, is_new in zip(
                emerging["rate_ratio"], emerging["ci_low"], emerging["ci_high"], shown, new, strict=True
            )
        ],
        "q-value": [
            # a fit of victims in the later years only (Thailand → Chile: 16 in 2020, none in 2008–2019) has no
            # rate ratio; its q-value tests nothing a reader can see, and "new" does not rest on it
            NEW_NOT_TESTED
            if is_new
            else ""
            if v is None
            else _q_value_text(low, high, alpha if "growth" in (reason or "").split("+") else None)
            if ok
            else COMPLEMENT_LABEL
            for v, low, high, reason, ok, is_new in zip(
                emerging["q_value"], *_q_value_bounds(emerging), emerging["reason"], shown, new, strict=True
            )
        ],
    }
    if "warnings" in emerging.columns and emerging["warnings"].drop_nulls().len():
        columns["Model warnings"] = [w or "" for w in emerging["warnings"].to_list()]
    return pl.DataFrame(columns, schema={c: pl.String for c in columns})


#: The q-value of a new corridor with no victims before the later period: no rate ratio to test.
NEW_NOT_TESTED: Final = "not tested: no victims before"

#: Before a q-value printed as the greatest it can be (:func:`_q_value_text`).
AT_MOST: Final = "≤ "

#: Said under the growing and new corridors when a q-value is printed as the greatest it can be.
EMERGING_AT_MOST_NOTE: Final = (
    "≤: the greatest the corridor's q-value can be whatever the withheld corridors' p-values{below}: its exact "
    "value rests on them (a Benjamini–Hochberg q-value is the least p · m / rank of the corridors ranked at or "
    "after it) and would give something of their counts back."
)

#: What :data:`EMERGING_AT_MOST_NOTE` adds when a q-value reads as below the level of growth.
EMERGING_BELOW_ALPHA: Final = " (<{alpha:.4f} where that is less: a growing corridor's is below it)"


def q_value_bounded(text: str, alpha: float = GROWTH_ALPHA) -> bool:
    """Whether a q-value of :func:`emerging_view` is printed as a bound (:func:`_q_value_text`), not as itself."""
    return text.startswith(AT_MOST) or text == f"<{alpha:.4f}"


def _q_value_bounds(emerging: pl.DataFrame) -> tuple[list[float | None], list[float | None]]:
    """The bounds of each corridor's q-value that read no withheld corridor's p-value (``q_low`` and ``q_high``
    of :func:`evidence.analyses.routes.emerging_routes`); the q-value itself twice for a table without them."""
    if "q_low" in emerging.columns and "q_high" in emerging.columns:
        return emerging["q_low"].to_list(), emerging["q_high"].to_list()
    return emerging["q_value"].to_list(), emerging["q_value"].to_list()


def _q_value_text(low: float | None, high: float | None, below: float | None = None) -> str:
    """A q-value as printed: to four decimals ("<0.0001" below); where withheld corridors' p-values could move
    it across a printed digit (``low`` and ``high`` read differently), "≤" the greatest it can be, which reads
    none of theirs, or "<" ``below`` when that is less (a growing corridor's q-value is below the level it was
    called growing at: Iraq → United Kingdom, threshold 11, would read "≤ 0.18" beside "growing"); ``x`` where it
    has no such bound (a corridor the bounds took for withheld)."""

    def text(v: float) -> str:
        return "<0.0001" if v < 0.0001 else f"{v:.4f}"

    if low is None or high is None:
        return COMPLEMENT_LABEL
    if text(low) == text(high):
        return text(high)
    return f"<{below:.4f}" if below is not None and high >= below else AT_MOST + text(high)


def emerging_statistics_shown(
    emerging: pl.DataFrame,
    rule: DisclosureRule = DEFAULT_RULE,
    *,
    keyed: bool = False,
    withheld: Collection[tuple[str, str]] = (),
) -> list[bool]:
    """Whether each growing or new corridor's rate ratio, interval and q-value may be published. They are
    functions of its yearly counts (a Poisson trend's of their total and year-weighted sum; the interval's width
    gives the total back, and with few years the pair gives each year back): published only when no year of
    the corridor counts exactly fewer victims than the rule's threshold (``smallest_exact`` of
    :func:`evidence.analyses.routes.emerging_routes`; a cell the publisher gave as ``<5`` enters as its
    published range, which tells nothing more: 2 victims in 2015 and 20 in 2020 read as a ratio with an
    interval that tells the 2), and never for records protected by cell key, whose exact counts they would set
    beside the perturbed ones of the route table (the k-anonymised sample: Myanmar → Thailand, 7 victims,
    withheld as ``<11`` in the route table with a threshold of 11, was named growing with its ratio and
    interval). Nor for a corridor whose total the route table withholds (``withheld``, origin and destination
    ISO3: :meth:`RouteBounds.withheld_corridors`): the interval's width gives that total back (the real
    workbook, threshold 5: Uganda → Netherlands, ``x`` in the route table to protect a smaller cell, read
    "growing, 1.31 (1.21 – 1.42)")."""
    if keyed or "smallest_exact" not in emerging.columns:
        return [False] * emerging.height  # nothing says its counts are large enough
    hidden = set(withheld)
    return [
        not rule.is_small(smallest) and (o, d) not in hidden
        for smallest, o, d in zip(
            emerging["smallest_exact"], emerging["origin_iso3"], emerging["destination_iso3"], strict=True
        )
    ]


#: Said under the growing and new corridors when some of their statistics are withheld.
EMERGING_WITHHELD_NOTE: Final = (
    "x: a corridor's rate ratio, interval and q-value are withheld where a year of it counts fewer than "
    "{threshold} victims or the route table withholds its total (they would give the number back), and for "
    "records protected by cell key (they would give the exact counts back)."
)


def emerging_unassessed(periods: PeriodSplit) -> str | None:
    """One sentence on why growing and new corridors are not assessed for a selection whose corridors span too
    few years to compare an earlier period with the later one (:func:`evidence.analyses.routes.emerging_periods`),
    or None when they can be (or there is no corridor at all)."""
    if periods.comparable or periods.first is None or periods.last is None:
        return None
    # the first and last years the corridors are seen in, not every year between (Ukraine's CTDC records: 2014
    # and 2016, none of 2015): a span is said as one
    span = (
        f"observed in {markup.number(periods.first, 'years', thousands=False)}"
        if periods.first == periods.last
        else f"observed in years from {markup.number(periods.first, 'years', thousands=False)} to "
        f"{markup.number(periods.last, 'years', thousands=False)}"
    )
    return (
        f"These corridors are {span} only: too short a span to compare an earlier "
        f"period with the last {markup.number(periods.later_years, 'years')} years, so growing and new corridors "
        "are not assessed."
    )


# ---------------------------------------------------------------------------------------- victims per year

#: The row of a yearly table for records without a single year (a band such as 2014-2018, or none).
UNDATED = "undated"


@fails_closed
def undated_sentence(selection: Selection, rule: DisclosureRule, *, who: str, period: str) -> str | None:
    """Markdown: how many victim records of ``who`` (the selection's country in its role, "Myanmar as country
    of origin") have no single year (a band such as 2014-2018, or none) and are left out by the years of a
    notebook's selection (``period``), and so are in no table or chart of it, naming the bands its years cut;
    and, when the selection holds records dated only by a band of years that lies within them (CTDC's
    Victim–Perpetrator file), which bands: those are in its routes, profiles and totals, but in no yearly table,
    chart of years or trend (no count: its totals less its yearly ones give them, and the yearly table
    withholds cells where they are few, :func:`_beside_band_dated`). None when there is nothing
    to say, or the selection has no years (its yearly table shows them as ``undated``). The number passes the
    rule as every count of records does (perturbed for records protected by cell key). The routes notebook
    showed 139 victims of Lao PDR in Thailand where 12 more had no year, and said nothing of them."""
    from evidence.analyses import trends

    if selection.kind != "case" or selection.years is None:
        return None
    held, cut = selection.bands()
    said: list[str] = []
    undated = trends.undated_counts(selection)
    if undated.height and int(undated["count"].sum()):
        shown = suppress_counts(undated.drop("count_low", "count_high"), "count", rule).display()["count"][0]
        bands = (
            f" (among them those dated only by a band of years that {period} cuts, {word_list(list(cut))}: their "
            "victims may all be of other years of their band)"
            if cut
            else ""
        )
        # a withheld count in words: a sentence opened by the tables' label ("<5 victim records") has no legend
        words = markup.count_in_words(shown)
        count = words[:1].upper() + words[1:] if shown == rule.label else markup.marked(shown, "people")
        said.append(
            f"{count} "
            + escape_markdown(
                f"victim record{'' if shown == '1' else 's'} of {who} have no single year (a band of years, or "
                f"none){bands}: they are in no table or chart below, which cover {period}."
            )
        )
    if held:
        said.append(
            escape_markdown(
                f"Victim records of {who} dated only by a band of years within {period} "
                f"({word_list(list(held))}) count in the totals, routes and profiles over {period}, but in no "
                "single year: no yearly table, chart of years or trend counts them."
            )
        )
    return " ".join(said) or None


#: Column of the yearly tables for victims.
VICTIMS = "victims"
#: The note of a year of a case table's span without any record of the selection: not covered, never 0.
NO_RECORDS = "no records"
#: The note of a year of a UNODC series' span for which the publisher gives no count: not published, never 0.
NO_DATA_PUBLISHED = "no data published"
#: The note of a year of a UNODC sum over reporting countries without a count because the citizenship breakdown
#: that would hold it is published but doubtful (:func:`evidence.analyses.trends.doubtful_reporters`: the United
#: States' own nationals in 2017): published, but not usable; never 0.
DOUBTFUL_BREAKDOWN = "breakdown not usable (doubtful)"


def doubtful_reason(reason: str) -> str:
    """Why a country's breakdown of a year is doubtful, in words (plain text), from its reason
    (:func:`evidence.analyses.routes.doubtful_breakdowns`, :func:`evidence.analyses.trends.doubtful_breakdowns`):
    the one wording of the route notes and of the yearly tables by a dimension. An unknown reason reads as
    the routes' first."""
    from evidence.analyses import routes, trends

    said = {
        routes.DOUBTFUL_DESTINATIONS: (
            f"the detecting country's own nationals are under {routes.DOUBTFUL_OWN_SHARE:.0%} of its breakdown, "
            "and most of the other citizenships it lists are countries where the data show its nationals were "
            "detected or from which they were repatriated: probably countries of exploitation filed as "
            "citizenships"
        ),
        routes.DOUBTFUL_PARTIAL: (
            f"the breakdown holds under {routes.DOUBTFUL_COVERAGE_SHARE:.0%} of the victims the country "
            "published for the year, and holds a label that names no country (a column header such as "
            '"Nationality") or leaves out the country\'s own nationals, whom it lists in the years before and '
            "after: probably a mangled extract (a top-five table), not the year's citizenships"
        ),
        trends.DOUBTFUL_OVER_TOTAL: (
            "its categories, one per victim, add up to more than the total the publisher gives for the year: "
            "some victims are probably counted twice (in two categories, or in a category and as unknown)"
        ),
    }
    return said.get(reason, said[routes.DOUBTFUL_DESTINATIONS])


#: The note of a year of a UNODC breakdown table for which the publisher gives its total of the victims but not
#: their breakdown (a row noted :data:`NO_DATA_PUBLISHED` has neither).
NO_BREAKDOWN_PUBLISHED = "no breakdown published"
#: The note of a year of a UNODC series' table of victims per year for which the publisher gives a breakdown of
#: the victims (by form, sex or age) but not their total (Lao PDR's ages of 2012–2013): an empty count.
NO_TOTAL_PUBLISHED = "no total published"
#: The note of a year of a UNODC breakdown table whose categories are left empty (:data:`_WHOLE_ROW`).
BREAKDOWN_WITHHELD = "breakdown withheld (with the total it would give a count back)"
#: The note of a year of a UNODC breakdown table whose every category is the publisher's ``<5`` and together cannot
#: reach :data:`PLACEHOLDER_SHARE` of the year's victims (:func:`placeholder_years`): its cells are left empty.
PLACEHOLDER_BREAKDOWN = "breakdown not usable (placeholder values)"
#: A year's UNODC breakdown (by form, sex or age) whose cells are all ``<5`` is taken for the publisher's
#: placeholder, not for counts, when the most its cells can add up to is below this share of the victims the
#: country published for that year (or, without a total that year, of the median of its published totals of the
#: other years). Viet Nam's ages of 2012–2015 (at most 8 against 1,206, 871, 903, 449: under 2%) and its forms
#: of 2017–2020 (at most 12 in a year, its totals' median several hundred), Myanmar's ages of 2014 (8 against
#: 309: 2.6%). A country that truly detects fewer than 5 of each form publishes a total of a few victims, and
#: its ``<5`` cells are then far above 5% of it: 5% leaves them counts.
PLACEHOLDER_SHARE = 0.05
#: In a year *without* a published total the comparison is with the median of the country's totals of the other
#: years, a weaker reference (a country's count can fall ten-fold from one year to the next: Thailand 2019–2020 in
#: the 2025 release), so it takes more: the cells' upper bounds under this share of that median, in at least
#: :data:`PLACEHOLDER_RUN` such years (the same all-``<5`` return repeated: Viet Nam's and Lao PDR's forms of
#: 2017–2020, at most 12 a year against medians of 870 and 156). A country without any published total gives no
#: reference: its all-``<5`` years stay counts (Cambodia's forms of 2017–2020).
#: The same wider share makes a year *with* a total a placeholder too when it is next to one (the same all-``<5``
#: return repeated): the Russian Federation's forms of 2017 (at most 12 against 209) beside 2018–2020.
PLACEHOLDER_SHARE_WITHOUT_TOTAL = 0.1
PLACEHOLDER_RUN = 2
#: A placeholder has at least this many categories, all ``<5``: a year with a single ``<5`` category is the one
#: category the publisher broke out (Forced labour ``<5`` beside a total of 200), not a breakdown filled in.
PLACEHOLDER_MIN_CATEGORIES = 2
#: Columns of a censored by-dimension table (UNODC): the publisher's own total, and the categories' sum.
PUBLISHED_TOTAL = "Published total"
CATEGORY_SUM = "Sum of categories"


#: A UNODC breakdown of detected victims as readers name it.
BREAKDOWN_NAMES = {"form": "form of exploitation", "sex": "sex", "age": "age"}


#: The case data's fields a breakdown can be by, as every other output names them (the tables' "Sex", the data
#: quality report's :data:`~evidence.analyses.quality.FIELD_NAMES`): never the column's name ("By gender").
CASE_BREAKDOWN_NAMES = {
    "gender": "sex",
    "majority_status": "minor or adult",
    "data_source_type": "source type",
}


def breakdown_name(by: str | None) -> str:
    """A breakdown as readers name it ("form of exploitation", "sex" for the case data's gender; another
    dimension's own name, spaced)."""
    key = by or ""
    return BREAKDOWN_NAMES.get(key) or CASE_BREAKDOWN_NAMES.get(key) or (by or "category").replace("_", " ")


def positive_years(frame: pl.DataFrame, column: str) -> set[int]:
    """The years (not null) of the rows of ``frame`` whose ``column`` is above 0: read as lists (a brief asks of
    a few dozen rows at a time, where a query cost more than the reading), or by a filter where the column is
    not of integers (a float's NaN is above 0 to polars, not to Python)."""
    if not frame[column].dtype.is_integer():
        return {int(y) for y in frame.filter(pl.col(column) > 0)["year"].to_list() if y is not None}
    values = zip(frame["year"].to_list(), frame[column].to_list(), strict=True)
    return {int(y) for y, value in values if y is not None and value is not None and value > 0}


def _years_of(frame: pl.DataFrame | None) -> set[int]:
    if frame is None or not frame.height:
        return set()
    return {int(y) for y in frame["year"].to_list() if y is not None}


def breakdown_without_total_years(numbers: YearlyNumbers) -> list[int]:
    """The years a publisher's breakdown (UNODC: by form, sex or age) is published in without a total of the
    same victims (Mexico: by form in 2006 and 2019): the table of victims per year has no
    count for them. Empty for case records (their categories come from the same records as their total) and
    for numbers without a breakdown."""
    if numbers.exact or numbers.by is None:
        return []
    return sorted(_years_of(numbers.by_counts) - _years_of(numbers.counts))


def no_breakdown_years(numbers: YearlyNumbers) -> tuple[list[int], list[int]]:
    """The years of the span a publisher's by-dimension table (UNODC) has no breakdown for: those with the
    publisher's total (rows noted :data:`NO_BREAKDOWN_PUBLISHED`, their cells empty, never 0), and those with
    neither the total nor this breakdown (not rows of the table)."""
    table = numbers.by_category
    if numbers.exact or table is None:
        return [], []
    total_only: list[int] = []
    if "note" in table.low.frame.columns:
        rows = table.low.frame.select("year", "note").iter_rows()
        total_only = [int(y) for y, n in rows if n == NO_BREAKDOWN_PUBLISHED]
    held = _years_of(numbers.by_counts) | _years_of(numbers.counts) | set(numbers.placeholder)
    first, last = numbers.span or (min(held, default=0), max(held, default=-1))
    return total_only, [y for y in range(first, last + 1) if y not in held]


def no_breakdown_note(numbers: YearlyNumbers) -> str | None:
    """The note under a publisher's by-dimension table (UNODC) on the years of the span without the breakdown:
    the rows noted :data:`NO_BREAKDOWN_PUBLISHED` (the publisher's total only), and the years with neither
    the total nor this breakdown (not rows), said as not a count of 0; plain text (the table writer escapes
    it). None when every year of the span has the breakdown."""
    from evidence.analyses.coverage import years_in_words

    total_only, nothing = no_breakdown_years(numbers)
    gaps = _categories_not_published(numbers)
    no_total = breakdown_without_total_years(numbers) if numbers.has_totals else []
    withheld = _breakdown_withheld_years(numbers)
    if (
        not total_only
        and not nothing
        and not gaps
        and not withheld
        and not numbers.placeholder
        and not numbers.doubtful
        and not no_total
    ):
        return None
    name = breakdown_name(numbers.by)
    said = []
    if numbers.doubtful:
        said.append(doubtful_breakdown_note(numbers))
    if numbers.placeholder:
        said.append(
            f"{PLACEHOLDER_BREAKDOWN.capitalize()}: in {years_in_words(numbers.placeholder)} UNODC gives every "
            f"category of the breakdown by {name} as {censored_labels(numbers.selection)}, which together cannot "
            f"reach {PLACEHOLDER_SHARE:.0%} of "
            f"the victims it published for the year ({PLACEHOLDER_SHARE_WITHOUT_TOTAL:.0%} in a year next to such "
            f"a year; without a total that year: {PLACEHOLDER_SHARE_WITHOUT_TOTAL:.0%} of its usual total): values "
            "that hold the place of a breakdown, not counts. Those cells are left empty, and "
            + ("that year is" if len(numbers.placeholder) == 1 else "those years are")
            + " left out of the charts, shares and sentences on this breakdown."
        )
    if total_only:
        said.append(
            f"{NO_BREAKDOWN_PUBLISHED.capitalize()}: UNODC gives the total of these victims in "
            f"{years_in_words(total_only)} but not their breakdown by {name}; those cells are empty, not a count "
            "of 0 and not withheld."
        )
    if no_total and numbers.selection.role != "origin":  # an origin's total is the breakdowns' sum
        said.append(
            f"{NO_TOTAL_PUBLISHED.capitalize()}: UNODC gives the breakdown by {name} of these victims in "
            f"{years_in_words(no_total)} but not their total; "
            + ("that cell is" if len(no_total) == 1 else "those cells are")
            + " empty, not a count of 0 and not withheld."
        )
    if nothing:
        said.append(
            f"UNODC gives neither the total of these victims nor their breakdown by {name} in "
            f"{years_in_words(nothing)}: "
            + (
                "that year is not a row of this table."
                if len(nothing) == 1
                else "those years are not rows of this table."
            )
        )
    if withheld:
        said.append(
            f"{BREAKDOWN_WITHHELD.split(' (')[0].capitalize()}: in {years_in_words(withheld)} the categories UNODC "
            "gives exactly are left empty (disclosure control): with the total printed for the year and the "
            "other cells, their labels would give a withheld count back. The total is as published."
        )
    if gaps:
        said.append(
            "An empty cell in a row with other figures: UNODC gives no figure for that category in that year (not "
            "a count of 0, not withheld)."
        )
    return " ".join(said)


def doubtful_breakdown_note(numbers: YearlyNumbers) -> str:
    """What a by-dimension table (UNODC) says of its years noted :data:`DOUBTFUL_BREAKDOWN`
    (:attr:`YearlyNumbers.doubtful`): which breakdown is doubtful in which years, why (:func:`doubtful_reason`,
    the routes' words), and what is done with those rows; plain text (the table writer escapes it)."""
    from evidence.analyses import trends
    from evidence.analyses.coverage import years_in_words

    by_reason: dict[str, list[int]] = {}
    for year, reason in sorted(numbers.doubtful.items()):
        by_reason.setdefault(reason, []).append(year)
    # a table by citizenship, destination or corridor reads the country's citizenship breakdown
    country = numbers.selection.country
    of = f" of {name_in_text(country) or country}" if country else ""
    citizenship = trends.indicator_dimension(numbers.by) in ("citizenship", "destination", "corridor")
    breakdown = (
        f"the citizenship breakdown{of} (which this table reads)"
        if citizenship
        else f"the breakdown by {breakdown_name(numbers.by)}{of}"
    )
    reasons = [
        f"in {years_in_words(years)} {breakdown} is doubtful: {doubtful_reason(reason)}"
        for reason, years in by_reason.items()
    ]
    rows, them = ("That row is", "it") if len(numbers.doubtful) == 1 else ("Those rows are", "them")
    return (
        f"{DOUBTFUL_BREAKDOWN.capitalize()}: {'; '.join(reasons)}. {rows} shown as UNODC published {them}, and "
        "left out of whatever is computed from this breakdown (shares, trends, charts)."
    )


def _breakdown_withheld_years(numbers: YearlyNumbers) -> list[int]:
    """The years of a publisher's by-dimension table noted :data:`BREAKDOWN_WITHHELD`."""
    table = numbers.by_category
    if numbers.exact or table is None or "note" not in table.low.frame.columns:
        return []
    frame = table.low.frame
    return sorted(
        int(y) for y, note in zip(frame["year"], frame["note"], strict=True) if note == BREAKDOWN_WITHHELD
    )


def _categories_not_published(numbers: YearlyNumbers) -> bool:
    """Whether a row of a publisher's by-dimension table with its breakdown leaves a category empty that is
    not withheld: the publisher gave the year's breakdown without that category (Cambodia's "Other forms" of
    2007)."""
    table = numbers.by_category
    if numbers.exact or table is None:
        return False
    low = table.low
    n = low.frame.height - (1 if low.has_total_row else 0)
    body = low.frame.head(n)
    noted = (
        body["note"].is_in([NO_BREAKDOWN_PUBLISHED, PLACEHOLDER_BREAKDOWN, BREAKDOWN_WITHHELD])
        if "note" in body.columns
        else pl.Series([False] * n)
    )
    for column in numbers.categories:
        if column not in body.columns:
            continue
        withheld = (
            low.reasons[column].head(n).is_not_null()
            if column in low.reasons.columns
            else pl.Series([False] * n)
        )
        if (body[column].is_null() & ~withheld & ~noted).any():
            return True
    return False


def category_sum_reason(by: str | None) -> str:
    """Why the categories of a UNODC breakdown by ``by`` need not add up to the publisher's total: one victim
    can have several forms of exploitation (forms only); a breakdown by sex, age or citizenship (one category
    per victim, its Unknown included where published) may leave victims out, or disagree with the total."""
    if by in FLAG_DIMENSIONS:
        return "one victim can have several forms, or a form is not reported"
    return "the breakdown does not cover every victim, or the publisher's figures disagree"


@dataclass(frozen=True)
class CategoryAboveTotal:
    """A category of a UNODC breakdown published as more victims than the publisher's own total of the year
    (Thailand 2017: sexual exploitation 807, 471 victims in all): an inconsistency in the publisher's data,
    which neither several forms per victim nor an unreported category can explain."""

    year: str
    category: str
    count: str  # as the table shows it ("807")
    total: str  # as the table shows it ("471")
    #: the category as the table's header names it ("Ukraine → Ukraine" for ``UKR>UKR``), where it is a country
    #: or a corridor (:func:`category_name`); None: the category's own label, lower-cased in the sentence
    label: str | None = None

    def text(self) -> str:
        """Plain text, for an answer that is not scanned as a brief (a name with digits reads as a count)."""
        return f"in {self.year}, {self.named()} {self.count}, more than the year's total of {self.total}"

    def markup(self) -> str:
        """Markdown for prose: the name marked as a label (:func:`~evidence.presentation.markup.data_label`), so
        that the digits of a workbook's "1. Sexual exploitation" are never read as a count; the numbers beside
        it are scanned as ever."""
        return (
            f"in {self.year}, {markup.data_label(self.named())} {escape_markdown(self.count)}, more than the "
            f"year's total of {escape_markdown(self.total)}"
        )

    def named(self) -> str:
        return self.label if self.label is not None else self.category.lower()


#: The breakdowns whose categories are countries (ISO3 codes) or corridors of two (``KHM>THA``).
COUNTRY_BREAKDOWNS = ("citizenship", "destination", "corridor", "origin")
#: The breakdowns whose categories are age bands: the case data's (``9-17``) and UNODC's (``0 to 17 years``).
AGE_BREAKDOWNS = ("age_band", "age")


def category_name(by: str | None, category: str) -> str | None:
    """The name readers know a category of a breakdown by country, corridor or age by (``KHM`` → "Cambodia",
    ``KHM>THA`` → "Cambodia → Thailand", ``9-17`` and UNODC's ``0 to 17 years`` → "9–17 years", as the whole
    brief writes an age band: :func:`~evidence.core.text.age_band_text`), as the tables' headers give it; None
    for another breakdown, or a category that is not country codes nor an age band ("Unknown")."""
    if by in AGE_BREAKDOWNS:
        return age_band_text(str(category))
    if by not in COUNTRY_BREAKDOWNS:
        return None
    names = [name_of(code) for code in str(category).split(">")]
    return " → ".join(n for n in names if n) if all(names) else None


def _own_total_missing_years(numbers: YearlyNumbers) -> set[int]:
    """Role ``both`` by citizenship or corridor (UNODC): the years the country published no total of the
    victims it detected while its own breakdown of them is a category (Ukraine 2012–2013): the year's total
    then lacks the country's own count, which its own category holds, so the category may exceed it without
    any inconsistency of the publisher (the year is flagged as missing a reporter,
    :func:`~evidence.analyses.trends.reporter_gaps`)."""
    from evidence.analyses import trends

    selection = numbers.selection
    if selection.role != "both" or selection.country is None or numbers.by not in ("citizenship", "corridor"):
        return set()
    own = Selection(
        selection.table,
        country=selection.country,
        role="destination",
        years=selection.years,
        indicator=selection.indicator,
    )
    published = {int(y) for y in trends.yearly_counts(own)["year"].to_list() if y is not None}
    years = _years_of(numbers.by_counts) if numbers.by_counts is not None else set()
    return {y for y in years if y not in published}


def categories_above_total(numbers: YearlyNumbers) -> list[CategoryAboveTotal]:
    """The cells of a censored by-dimension table (UNODC) whose published low bound exceeds the published high
    bound of the publisher's total of the same year, as the table shows both (a cell withheld in either is
    never compared: nothing is said that the table does not show). Empty for exact counts, for a table without
    the publisher's total (role origin: the total is the breakdowns' own sum), or none."""
    table = numbers.by_category
    if numbers.exact or table is None or PUBLISHED_TOTAL not in table.low.count_columns:
        return []
    n = table.low.frame.height - (1 if table.low.has_total_row else 0)
    years = table.low.frame["year"].head(n).to_list()
    totals = table.cells(PUBLISHED_TOTAL)[:n]
    # a year whose total lacks the country's own count, which a category holds: no inconsistency to blame
    skipped = {str(y) for y in _own_total_missing_years(numbers)}
    out = []
    for category in numbers.categories:
        if category not in table.low.count_columns:
            continue
        label = category_name(numbers.by, category)
        for year, cell, total in zip(years, table.cells(category)[:n], totals, strict=True):
            low, high = cell[0], total[1]
            if str(year) in skipped:
                continue
            if isinstance(low, int) and isinstance(high, int) and low > high:
                out.append(
                    CategoryAboveTotal(str(year), category, bounds_text(cell), bounds_text(total), label)
                )
    return sorted(out, key=lambda c: (c.year, numbers.categories.index(c.category)))


def repeated_rows_note(numbers: YearlyNumbers) -> str | None:
    """The note under a publisher's table by form of exploitation (UNODC, the victims a country detected) whose
    cells add up several rows the publisher gives under the same category for the year (the loader flags them
    as repeats): Thailand's "Other forms of exploitation" of 2019 is four rows, 926, <5, 500 and 8, shown as
    1,435–1,438 with nothing saying so. Named with their years and how many rows; None when no cell is such a
    sum (and for the other breakdowns, whose rows the table reads by sex and age)."""
    from evidence.analyses.coverage import years_in_words

    selection = numbers.selection
    if (
        numbers.exact
        or numbers.by != "form"
        or selection.kind != "indicator"
        or selection.country is None
        or selection.role == "origin"
    ):
        return None
    shown = _years_of(numbers.by_counts)
    frame = selection.frame
    rows = frame.filter(
        (pl.col("indicator") == selection.indicator)
        & (pl.col("iso3") == selection.country)
        & (pl.col("dimension") == "by form of exploitation")
        & (pl.col("sex") == "Total")
        & (pl.col("age") == "Total")
        & pl.col("year").is_not_null()
    )
    repeated = (
        rows.group_by(pl.col("year").cast(pl.Int64), "category")
        .agg(pl.len().alias("n"))
        .filter((pl.col("n") > 1) & pl.col("year").is_in(sorted(shown)))
        .sort("category", "year")
    )
    if not repeated.height:
        return None
    said = []
    for (category,), group in repeated.group_by("category", maintain_order=True):
        counts = sorted(set(group["n"].to_list()))
        # in words: a small number in a note reads as a count of people to the brief's disclosure scan
        how_many = " or ".join(number_in_words(n) for n in counts)
        said.append(
            f"{category} in {years_in_words(group['year'].to_list())} (the sum of the {how_many} rows UNODC publishes "
            "under that name for the year)"
        )
    return (
        "Added up from several published rows: "
        + "; ".join(said)
        + ". The publisher gives no single figure for these cells; its rows are taken for parts of the category "
        "and added up."
    )


def category_sum_note(numbers: YearlyNumbers) -> str | None:
    """The note under a censored by-dimension table whose categories do not add up to the publisher's total
    (:data:`CATEGORY_SUM` shown): why they may differ (:func:`category_sum_reason`) where that can explain
    it, and, named with their year and both numbers, the categories larger than the year's total, which no
    overlap or gap can explain: an inconsistency in the publisher's data. None when the sums agree."""
    table = numbers.by_category
    if numbers.exact or table is None or CATEGORY_SUM not in table.low.count_columns:
        return None
    above = categories_above_total(numbers)
    n = table.low.frame.height - (1 if table.low.has_total_row else 0)
    years = [str(y) for y in table.low.frame["year"].head(n).to_list()]
    differing = {
        year
        for year, total, summed in zip(
            years, table.cells(PUBLISHED_TOTAL)[:n], table.cells(CATEGORY_SUM)[:n], strict=True
        )
        if total != summed and None not in total and None not in summed
    }
    explained = differing - {c.year for c in above}
    text = "The publisher's total is the number of victims; the categories' sum differs from it"
    text += (
        f" ({category_sum_reason(numbers.by)}), so it is not a count of victims."
        if explained or not above
        else ", so it is not a count of victims."
    )
    if above:
        what = "forms of exploitation" if numbers.by in FLAG_DIMENSIONS else "categories"
        # the categories are named below the table (categories_above_total_line), where a name is marked as a
        # label: in a table's note, plain text, the digits of "1. Sexual exploitation" read as a count
        text += (
            f" Some {what} are published as more victims than the year's total, named below the table: an "
            "inconsistency in the publisher's data; both are shown as published."
        )
    return text


def categories_above_total_line(numbers: YearlyNumbers) -> str | None:
    """The sentence under a censored by-dimension table (Markdown) naming the categories published as more
    victims than the year's total (:func:`categories_above_total`), each name marked as a label; None when
    there are none."""
    above = categories_above_total(numbers)
    if not above:
        return None
    what = "form of exploitation" if numbers.by in FLAG_DIMENSIONS else "category"
    why = (
        "neither several forms per victim nor a form not reported can explain it"
        if numbers.by in FLAG_DIMENSIONS
        else "no gap in the breakdown can explain it"
    )
    return (
        f"An inconsistency in the publisher's data: {'; '.join(c.markup() for c in above)}. A single {what} "
        f"cannot count more victims than the total ({why}); both are shown as published."
    )


@dataclass(frozen=True)
class Bounds:
    """A protected table of exact counts (``low`` is ``high``), or the pair of protected tables of the low and
    the high bounds of censored counts (UNODC), with the same rows and columns."""

    low: DisclosedTable
    high: DisclosedTable

    @property
    def exact(self) -> bool:
        return self.low is self.high

    def shown(self) -> DisclosedTable | pl.DataFrame:
        """What a notebook shows: the table of exact counts, else the ranges as text."""
        return self.low if self.exact else interval_display(self.low, self.high)

    def cells(self, column: str) -> list[tuple[int | str | None, int | str | None]]:
        """A column's published (low, high) per row (:func:`published_pair`): a count, or the label shown where
        withheld (``(CensoredLow(3), 12)`` for a sum of the publisher's censored cells whose high bound is
        published)."""
        pairs = zip(
            published_values(self.low, column),
            published_values(self.high, column),
            self.low.known_cells(column),
            self.low.known_value_cells(column),
            strict=True,
        )
        return [
            published_pair(lo, hi, self.low.rule.label, censored=known, low_value=value)
            for lo, hi, known, value in pairs
        ]

    def kinds(self) -> dict[str, list[str | None]]:
        """What :meth:`shown`'s cells are for the disclosure scan (:func:`interval_kinds`; none when exact)."""
        return {} if self.exact else interval_kinds(self.low, self.high)

    def withheld(self, column: str) -> bool:
        """Whether any cell of ``column`` (totals row aside) is withheld in either bound."""
        n = self.low.frame.height - (1 if self.low.has_total_row else 0)
        return bool(
            self.low.reasons[column].head(n).is_not_null().any()
            or self.high.reasons[column].head(n).is_not_null().any()
        )


_WITHHELD_SERIES = "some yearly counts are withheld by disclosure control"
#: Why the steady reporters' share is withheld (:meth:`YearlyNumbers.panel_share_shown`).
PANEL_SHARE_WITHHELD: Final = (
    "withheld: a year of the window is withheld in the yearly table or the steady reporters' table, and the "
    "share beside them would give it back"
)


def _reads_withheld(series: pl.DataFrame, table: Bounds | None, column: str, threshold: int) -> bool:
    """Whether models of ``series`` (year, count, ..., the part published exactly where known) would read a
    count the published ``table`` does not show, other than one made only of the publisher's ``<5`` cells:
    withheld (``<5`` or ``x`` in either bound), or left empty (a breakdown withheld with its total,
    :data:`BREAKDOWN_WITHHELD`). Their rate ratio and break, to the digits printed, give it back (Singapore at a
    threshold of 10: 2009's 7, shown ``<10``, and 2017's 16, shown ``x``, the only values of 35 that reproduce
    the published ratios; Argentina's women detected in 2020 at 11, left empty with the year's breakdown, the
    only value of 0 to 933 that reproduces the rate ratio ``evidence trend --by sex --json`` printed). False
    where no trend is estimable anyway (that reason is said instead)."""
    from evidence.analyses import trends

    if table is None or not series.height or column not in table.low.reasons.columns:
        return False
    if trends.no_trend_information(series, threshold=threshold):
        return False
    return bool(_unshown_years(series, table, column))


def _unshown_years(series: pl.DataFrame, table: Bounds, column: str) -> list[int]:
    """The years of ``series`` (year, count, ..., the part published exactly where known) with a part published
    exactly whose cell of ``column`` the table does not show as numbers: withheld (``<5`` or ``x``), left empty,
    or no row. A cell made only of the publisher's ``<5`` cells is public in its file whatever the table shows."""
    n = table.low.frame.height - (1 if table.low.has_total_row else 0)
    shown = [
        int(year)
        for year, (low, high) in zip(table.low.frame["year"].head(n), table.cells(column)[:n], strict=True)
        if str(year).isdigit() and isinstance(low, int) and isinstance(high, int)
    ]
    part = pl.col(UNCENSORED) if UNCENSORED in series.columns else pl.col("count")
    unshown = series.filter(~pl.col("year").is_in(shown) & (part.fill_null(0) > 0))
    return [int(y) for y in unshown["year"].to_list()]


@dataclass(frozen=True)
class SeriesModels:
    """The trend models of one published yearly series: the annual rate ratio and the most likely break, each
    with why it is missing when it is."""

    category: str | None
    rate_ratio: RateRatio | None
    rate_note: str | None
    found_break: Break | None
    break_note: str | None
    #: the steady reporters whose summed series the models read instead of the full one, when they do
    panel: SteadyPanel | None = None
    #: whether the steady reporters' share is withheld (:meth:`YearlyNumbers.panel_share_shown`)
    share_withheld: bool = False
    #: the years the models read (those with a published count, not flagged: :attr:`YearlyNumbers.incomplete`)
    years: tuple[int, ...] = ()
    #: years left out of this category's models: its cell exceeds the publisher's total of the year (an
    #: inconsistency in the publisher's data, :func:`categories_above_total`)
    above_total: tuple[int, ...] = ()
    #: what the flagged years left out of the models are (:data:`~evidence.analyses.trends.FlagKind`, in the
    #: order of :data:`~evidence.analyses.trends.FLAG_WORDS`): what the years read are said to be beside them
    flag_kinds: tuple[FlagKind, ...] = ()

    @property
    def read_years(self) -> str:
        """What the years the models read are, beside the flagged ones left out: "complete years" (none left
        out, or probably incomplete ones), "comparable years" (years not comparable with them), or both."""
        words: dict[FlagKind, str] = {"incomplete": "complete", "not_comparable": "comparable"}
        said = [words[kind] for kind in self.flag_kinds] or ["complete"]
        return f"{', '.join(said)} years"

    @property
    def not_flagged(self) -> str:
        """The years the models read, as the rule that leaves the others out: "those not flagged as probably
        incomplete", "… as not comparable with the other years", or as either."""
        from evidence.analyses.trends import flag_words

        return f"those not flagged as {flag_words(self.flag_kinds or (INCOMPLETE,), each=False)}"

    def years_text(self) -> str:
        """The years the models read, as a reader reads them: "2007, 2014–2021 (9 years)"."""
        from evidence.analyses.coverage import years_in_words

        n = len(self.years)
        return f"{years_in_words(list(self.years))} ({n} year{'s' if n != 1 else ''})" if n else "none"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"category": self.category or "all"}
        if self.years:
            out["years_used"] = list(self.years)
        if self.above_total:
            out["left_out_above_total"] = list(self.above_total)
        if self.panel is not None:
            out["steady_reporters"] = self.panel.to_dict()
            if self.share_withheld:  # a withheld number is its label, as everywhere in JSON
                out["steady_reporters"]["share"] = COMPLEMENT_LABEL
                out["steady_reporters"]["share_withheld"] = PANEL_SHARE_WITHHELD
        if self.rate_ratio is None:
            note = self.rate_note or ""
            out["note"] = note if note.startswith("not estimable") else f"not modelled: {note}"
            return out
        out["rate_ratio"] = self.rate_ratio.to_dict()
        out["break"] = self.found_break.to_dict() if self.found_break else None
        if self.break_note:
            out["break_note"] = self.break_note
        return out


@dataclass(frozen=True)
class PanelNumbers:
    """The series the trend models read when the reporting countries of a UNODC sum come and go
    (:func:`~evidence.analyses.trends.reporter_gaps` flags so many years that the full series leaves fewer
    complete years than the steady reporters span): the balanced panel of
    :func:`~evidence.analyses.trends.steady_reporters`, its yearly counts protected as the full series' are
    (``per_year``: year, note and victims, each bound protected on its own), its own probably incomplete years
    (``incomplete``: none, as the reporters published them — a fall in them is modelled, never set aside as
    late registration), the years
    of the full series whose set of reporters changes (``gap_years``) and the full series' other flagged years
    (``other``: probably incomplete, or not comparable with the other years)."""

    panel: SteadyPanel
    incomplete: tuple[IncompleteYear, ...]
    gap_years: tuple[int, ...]
    other: tuple[IncompleteYear, ...]
    per_year: Bounds | None

    def complete(self) -> pl.DataFrame:
        """The panel's counts of the years not flagged as probably incomplete: what the models read."""
        return self.panel.counts.filter(~pl.col("year").is_in([f.year for f in self.incomplete]))

    def chart_bounds(self) -> DisclosedTable | None:
        """The panel's yearly bounds for a chart, drawn from the cells of :attr:`per_year` (see
        :meth:`YearlyNumbers.chart_bounds`)."""
        return None if self.per_year is None else _chart_bounds(self.per_year)


@dataclass(frozen=True)
class YearlyNumbers:
    """Victims per year of a selection, and by a dimension, as published, with what the models read.

    ``per_year``: year (text; ``undated`` for records without a single year when the selection has no years),
    note (what a flagged year is: probably incomplete, or not comparable with the other years) and victims,
    with the total. ``by_category``: year by category of ``by``.
    Where the categories add up to the year's victims (``partition``: a single-valued field, ``Unknown``
    included) both come from one protected two-way table whose total column *is* the victims per year.
    Overlapping categories (one victim, several forms) get their own table without totals. For censored
    counts (UNODC) the categories' table gives the publisher's total (:data:`PUBLISHED_TOTAL`) and, where they
    differ, the categories' sum (:data:`CATEGORY_SUM`) — never a sum of forms as victims.
    """

    selection: Selection
    by: str | None
    rule: DisclosureRule
    counts: pl.DataFrame  # the analysis' yearly totals (year, count, count_low, count_high)
    by_counts: pl.DataFrame | None  # the analysis' counts by year and category
    per_year: Bounds | None
    by_category: Bounds | None
    partition: bool
    incomplete: tuple[IncompleteYear, ...]
    categories: tuple[str, ...]
    #: the steady reporters' series the trend of all victims is fitted on instead, when reporters come and go
    panel: PanelNumbers | None = None
    #: the years the brief covers (a publisher's series: the years of a breakdown's table named in its note)
    span: tuple[int, int] | None = None
    #: the years whose publisher's breakdown is a placeholder (:func:`placeholder_years`): not counts
    placeholder: tuple[int, ...] = ()
    #: the years whose publisher's breakdown is doubtful, with why (:func:`evidence.analyses.trends.doubtful_breakdowns`):
    #: shown as published, noted :data:`DOUBTFUL_BREAKDOWN`, left out of the categories' counts
    doubtful: Mapping[int, str] = dataclasses.field(default_factory=dict)
    #: a publisher's series: the years it gives these victims by each breakdown (:func:`breakdown_years`), and
    #: the years each breakdown is a placeholder only (``placeholders=True``); found once, read by the notes
    breakdowns: Mapping[str, frozenset[int]] = dataclasses.field(default_factory=dict)
    placeholder_breakdowns: Mapping[str, frozenset[int]] = dataclasses.field(default_factory=dict)
    #: the steady reporters of a sum over reporting countries whose years miss some reporters
    #: (:func:`~evidence.analyses.trends.steady_reporters`, found once; None without such years, or no panel)
    steady: SteadyPanel | None = None
    #: :meth:`models` of each category, fitted once (a brief reads a series' models in its key figures and its
    #: section): neither compared nor copied by :func:`dataclasses.replace`
    _models: dict[str | None, SeriesModels] = dataclasses.field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    @property
    def holds_victims(self) -> bool:
        """Whether the selection has victims in any year: in the yearly totals or, for UNODC's data, in a
        breakdown published without a total (a country's forms of a year it gave no total for)."""
        return any(
            frame is not None and frame.height and bool(frame["count_high"].sum())
            for frame in (self.counts, self.by_counts)
        )

    @property
    def has_totals(self) -> bool:
        """Whether the selection has victims in the yearly totals."""
        return bool(self.counts.height and self.counts["count_high"].sum())

    @property
    def flagged(self) -> list[int]:
        """Years flagged (left out of the models): probably incomplete, or not comparable with the other years
        (each flag's :attr:`~evidence.analyses.trends.IncompleteYear.kinds`)."""
        return [y.year for y in self.incomplete]

    @property
    def flagged_words(self) -> str:
        """How the flagged years are said together: "probably incomplete", "not comparable with the other
        years", or "probably incomplete or not comparable with the other years"; empty when none is flagged."""
        from evidence.analyses.trends import flag_words

        return flag_words((kind for flag in self.incomplete for kind in flag.kinds), each=False)

    @property
    def exact(self) -> bool:
        return self.selection.kind == "case"

    def series(self, category: str | None = None) -> pl.DataFrame | None:
        """The published yearly series the models read (year, count, count_low, count_high; the undated row
        left out), or None when a year of it is withheld (a model would give it back). Exact counts are the
        published (for keyed records: perturbed) ones; censored counts the publisher's bounds."""
        if not self.exact:
            source = self.counts if category is None else self.by_counts
            if source is None:
                return None
            rows = source if category is None else source.filter(pl.col(self.by) == category).drop(self.by)  # type: ignore[arg-type]
            # with the part published exactly, where known: a sum with a <5 cell in it is no censored year
            exact = [UNCENSORED] if UNCENSORED in rows.columns else []
            return rows.select("year", "count", "count_low", "count_high", *exact).sort("year")
        table, column = (self.per_year, VICTIMS) if category is None else (self.by_category, category)
        if table is None or table.withheld(column):
            return None
        frame = table.low.frame
        body = frame.head(frame.height - 1) if table.low.has_total_row else frame
        # a year without a count (no records of the selection; by a flag group, none recorded) is no point
        dated = body.filter((pl.col("year") != UNDATED) & pl.col(column).is_not_null())
        return dated.select(
            pl.col("year").cast(pl.Int32),
            pl.col(column).alias("count"),
            pl.col(column).alias("count_low"),
            pl.col(column).alias("count_high"),
        )

    def models(self, category: str | None = None) -> SeriesModels:
        """Rate ratio and break of :meth:`series` on the years not flagged as probably incomplete, and, for a
        category, not the years its cell exceeds the publisher's total (:func:`categories_above_total`: an
        inconsistency no model should read as a change); for all victims with a :attr:`panel`, of the steady
        reporters' series (every year of its window). The brief and ``evidence trend`` both read these; fitted
        once per category."""
        kept = self._models.get(category)
        if kept is None:
            kept = self._models[category] = self._fitted_models(category)
        return kept

    @property
    def panel_share_shown(self) -> bool:
        """Whether the steady reporters' share of the victims counted in their window may be published: it is
        their panel's count over the full series' in the window's years, so beside the two tables it gives back
        whatever of those years either withholds (the Philippines' nationals at 11: 0.5024, beside a panel shown
        in full, put 2007's withheld 58–61 between 59.4 and 59.7). Published only where neither withholds a year
        of the window (but a cell made only of the publisher's ``<5`` cells, public in its file)."""
        panel = self.panel
        if panel is None or panel.per_year is None or self.per_year is None:
            return False
        window = pl.col("year").is_between(*panel.panel.window)
        return not (
            _unshown_years(self.counts.filter(window), self.per_year, VICTIMS)
            or _unshown_years(panel.panel.counts.filter(window), panel.per_year, VICTIMS)
        )

    def _fitted_models(self, category: str | None) -> SeriesModels:
        threshold = self.rule.threshold
        if category is None and self.panel is not None:
            complete = self.panel.complete()
            withheld = not self.panel_share_shown
            if _reads_withheld(complete, self.panel.per_year, VICTIMS, threshold):
                return SeriesModels(
                    category,
                    None,
                    _WITHHELD_SERIES,
                    None,
                    None,
                    panel=self.panel.panel,
                    share_withheld=withheld,
                )
            return dataclasses.replace(
                _series_models(category, complete, self.panel.panel, threshold=threshold),
                share_withheld=withheld,
            )
        series = self.series(category)
        if series is None:
            return SeriesModels(category, None, _WITHHELD_SERIES, None, None)
        above = tuple(
            sorted({int(c.year) for c in categories_above_total(self) if c.category == category})
            if category is not None
            else ()
        )
        kept = series.filter(~pl.col("year").is_in([*self.flagged, *above]))
        table, column = (self.per_year, VICTIMS) if category is None else (self.by_category, category)
        if not self.exact and _reads_withheld(kept, table, column, threshold):
            return SeriesModels(category, None, _WITHHELD_SERIES, None, None)
        # what the flagged years left out of this series are (a year it has no count for is none of its)
        present = set(series["year"].to_list())
        kinds = {kind for flag in self.incomplete if flag.year in present for kind in flag.kinds}
        return dataclasses.replace(
            _series_models(category, kept, threshold=threshold),
            above_total=above,
            flag_kinds=_ordered_kinds(kinds),
        )

    def chart_table(self) -> DisclosedTable | None:
        """Victims per year for a chart: the dated rows of :attr:`per_year` (exact counts), years as numbers. A
        year withheld in the table (``<5``, ``x``) keeps its row, withheld (flagged), so that the line runs past
        it and the chart says values are withheld; only a year without records is left out (a gap in the line,
        never a 0)."""
        if self.per_year is None or not self.exact:
            return None
        table = self.per_year.low
        n = table.frame.height - 1
        rows = table.frame.head(n)
        keep = (rows["year"] != UNDATED) & (
            rows[VICTIMS].is_not_null() | rows[VICTIMS + SUPPRESSED_SUFFIX].fill_null(False)
        )
        frame = table.frame.head(n).filter(keep).with_columns(pl.col("year").cast(pl.Int64))
        return dataclasses.replace(
            table, frame=frame, reasons=table.reasons.head(n).filter(keep), has_total_row=False
        )

    def chart_bounds(self) -> DisclosedTable | None:
        """Victims per year of censored counts for a chart: the low and high bounds as the table of
        :attr:`per_year` publishes them, a year withheld there (``<5``, or ``x`` to protect another) withheld
        here too, so not drawn."""
        if self.exact or self.per_year is None:
            return None
        return _chart_bounds(self.per_year)


def _ordered_kinds(kinds: Iterable[FlagKind]) -> tuple[FlagKind, ...]:
    """Kinds of flagged years in the order of :data:`~evidence.analyses.trends.FLAG_WORDS`, each once."""
    found = set(kinds)
    return tuple(kind for kind in FLAG_WORDS if kind in found)


def _series_models(
    category: str | None,
    complete: pl.DataFrame,
    panel: SteadyPanel | None = None,
    *,
    threshold: int | None = None,
) -> SeriesModels:
    """Rate ratio and break of the complete years of a series (year, count, count_low, count_high); none, with
    the reason, for a series that holds no trend (:func:`~evidence.analyses.trends.no_trend_information`:
    every year with victims censored, or below the disclosure ``threshold``)."""
    from evidence.analyses import trends

    years = tuple(int(y) for y in complete["year"].to_list()) if complete.height else ()
    models = functools.partial(SeriesModels, category, panel=panel, years=years)
    with trends.series_read_once():  # each model reads the same series: once
        return _fitted(models, complete, threshold)


def _fitted(
    models: Callable[..., SeriesModels], complete: pl.DataFrame, threshold: int | None
) -> SeriesModels:
    from evidence.analyses import trends

    if complete.height and (reason := trends.no_trend_information(complete, threshold=threshold)):
        return models(None, f"not estimable: {reason}", None, None)
    # too short a series (fewer than 6 complete years, or fewer than 3 with victims) gives no trend worth
    # stating: the one rule of trends.too_few_years, said in the text
    if reason := trends.too_few_years(complete):
        return models(None, reason, None, None)
    try:
        rate = trends.rate_ratio(complete)
    except EvidenceError as exc:
        return models(None, str(exc), None, None)
    try:
        found: Break | None = trends.find_break(complete)
        note = None
    except (ParameterError, EstimationError) as exc:
        found, note = None, str(exc)
    return models(rate, None, found, note)


def gap_reasons(per_year: Bounds | None) -> dict[int, str]:
    """Each dated year's note in a per-year table (``{2017: "breakdown not usable (doubtful)"}``): what a trend
    chart says of a year it has no point for, instead of calling every gap a year without records."""
    if per_year is None or "note" not in per_year.low.frame.columns:
        return {}
    frame = per_year.low.frame
    return {
        int(year): note
        for year, note in frame.select("year", "note").iter_rows()
        if year is not None and str(year).isdigit() and note
    }


def _chart_bounds(per_year: Bounds) -> DisclosedTable:
    """The low and high bounds of a protected yearly table (year, victims) for a chart, a year withheld in the
    table withheld here too (not drawn), the total row and the undated row left out."""
    table = per_year.low
    n = table.frame.height - (1 if table.has_total_row else 0)
    years: list[int] = []
    lows: list[int | None] = []
    highs: list[int | None] = []
    reasons: list[str | None] = []
    own: list[bool] = []  # withheld by the publisher itself: a cell made only of its censored counts
    for year, (low, high), known in zip(
        table.frame["year"].head(n), per_year.cells(VICTIMS)[:n], table.known_cells(VICTIMS)[:n], strict=False
    ):
        if year == UNDATED or (low is None and high is None):  # a year without data: a gap, never a 0
            continue
        # an interval of the publisher's censored cells whose low end is small (2–8) is not drawn: a chart's
        # line at its low bound would read as a count of people (the table shows the interval)
        interval = censored_interval((low, high))
        withheld = isinstance(low, str) or isinstance(high, str) or interval
        years.append(int(year))
        lows.append(None if withheld else low)  # type: ignore[arg-type]
        highs.append(None if withheld else high)  # type: ignore[arg-type]
        small = interval or low == table.rule.label
        reasons.append(None if not withheld else "small" if small else "complement")
        own.append(bool(withheld and known))
    flags = [r is not None for r in reasons]
    frame = pl.DataFrame(
        {
            "year": years,
            "count_low": lows,
            "count_low_suppressed": flags,
            "count_high": highs,
            "count_high_suppressed": flags,
        },
        schema={
            "year": pl.Int64,
            "count_low": pl.Int64,
            "count_low_suppressed": pl.Boolean,
            "count_high": pl.Int64,
            "count_high_suppressed": pl.Boolean,
        },
    )
    return DisclosedTable(
        frame=frame,
        count_columns=("count_low", "count_high"),
        rule=table.rule,
        n_primary=2 * reasons.count("small"),
        n_secondary=2 * reasons.count("complement"),
        reasons=pl.DataFrame(
            {"count_low": reasons, "count_high": reasons},
            schema={"count_low": pl.String, "count_high": pl.String},
        ),
        known=pl.DataFrame({"count_low": own, "count_high": own}, schema=dict.fromkeys(_BOUNDS, pl.Boolean))
        if any(own)
        else pl.DataFrame(),
    )


_BOUNDS = ("count_low", "count_high")


@fails_closed
def yearly_numbers(
    selection: Selection,
    rule: DisclosureRule,
    *,
    by: str | None = None,
    order: Sequence[str] | None = None,
    span: tuple[int, int] | None = None,
) -> YearlyNumbers:
    """The :class:`YearlyNumbers` of a selection: the one builder of every published yearly count.

    ``by`` a dimension (see :func:`evidence.analyses.trends.yearly_counts`); ``order`` the order of its
    categories (default: an Enum column's own order, else alphabetical, ``Unknown`` last); ``span`` the years
    the table of victims per year gives a row to, a year without data noted as such (default: the selection's
    years; a brief gives a UNODC series the years the workbook holds the country in). Raises
    :class:`~evidence.core.errors.ParameterError` for a dimension the table does not have.

    What does not depend on the disclosure rule (the counts, the flagged years, the publisher's placeholder and
    doubtful breakdowns, the tables before protection: :class:`_YearlyBasis`) is built once per selection and
    dimension: a brief reads the same selection by form, sex and age, and the same tables at two thresholds
    differ only in their protection."""
    from evidence.analyses import trends

    by = trends.check_by(by)  # "Form", "SEX": the dimension whatever its case
    basis = _yearly_basis(selection, by, order)
    common = {
        "selection": selection,
        "by": by,
        "rule": rule,
        # each YearlyNumbers its own frames and mappings (the basis is shared by every call): a frame's clone
        # shares its columns, and keeps the kept one intact whatever a caller does to its own
        "counts": basis.counts.clone(),
        "by_counts": None if basis.by_counts is None else basis.by_counts.clone(),
        "panel": (
            _panel_numbers(basis.steady, rule, basis.counts, basis.gaps, basis.others, basis.censored_high)
            if basis.steady is not None
            else None
        ),
        "steady": basis.steady,
        "breakdowns": dict(basis.usable),
        "placeholder_breakdowns": dict(basis.placeholders),
    }
    span = span or selection.years
    if selection.kind == "case":
        return _case_numbers(common, dict(basis.flagged), basis.incomplete, basis.categories, span)
    return _censored_numbers(common, basis, span)


@dataclass(frozen=True)
class _YearlyBasis:
    """What :func:`yearly_numbers` reads of a selection and dimension whatever the disclosure rule, built once
    per selection and dimension (:func:`_yearly_basis`); read only (its mappings are copied into each
    :class:`YearlyNumbers`)."""

    counts: pl.DataFrame  #: the yearly totals (year, count, count_low, count_high)
    #: the counts by year and category as :attr:`YearlyNumbers.by_counts` keeps them (a publisher's placeholder
    #: and doubtful years left out)
    by_counts: pl.DataFrame | None
    incomplete: tuple[IncompleteYear, ...]
    flagged: Mapping[int, str]  #: :func:`_flag_notes` of ``incomplete``
    categories: tuple[str, ...]
    gaps: tuple[IncompleteYear, ...]  #: the years a sum over reporting countries misses some of them
    others: tuple[IncompleteYear, ...]  #: the other flagged years (late registration, a change in reporting)
    steady: SteadyPanel | None
    usable: Mapping[str, frozenset[int]]  #: :func:`breakdown_years`
    placeholders: Mapping[str, frozenset[int]]  #: :func:`breakdown_years` with ``placeholders``
    #: a publisher's series (UNODC): the placeholder years of ``by`` and its doubtful years, with why
    placeholder: tuple[int, ...] = ()
    doubtful: Mapping[int, str] = dataclasses.field(default_factory=dict)
    #: a publisher's series: the counts by category the table shows (its doubtful years in)
    shown: pl.DataFrame | None = None
    #: a publisher's series: the yearly totals with the year as text (:func:`_year_text`), the table of victims
    #: per year and the table by category before protection
    texts: pl.DataFrame | None = None
    per_year: _BoundsFrames | None = None
    by_category: _CategoryFrames | None = None
    #: a publisher's series: the high bound of its censored cells (:func:`censored_high`: 4 for UNODC's ``<5``)
    censored_high: int = PUBLISHER_CENSORED_HIGH


@dataclass(frozen=True)
class _BoundsFrames:
    """A table of censored victims per year before protection: each bound's frame (year as text, the note on
    flagged years, victims), its key columns, the part published exactly (:func:`_bounds_per_year`) and the high
    bound of the publisher's censored cells (:func:`censored_high`)."""

    low: pl.DataFrame
    high: pl.DataFrame
    keys: tuple[str, ...]
    exact: pl.DataFrame | None
    censored_high: int = PUBLISHER_CENSORED_HIGH

    def protected(self, rule: DisclosureRule) -> Bounds | None:
        return protected_bounds(
            self.low,
            self.high,
            list(self.keys),
            [VICTIMS],
            rule,
            exact=self.exact,
            censored_high=self.censored_high,
        )


@dataclass(frozen=True)
class _CategoryFrames:
    """A publisher's year × category table before protection (:func:`_censored_numbers`): each bound's frame
    (its key columns, then ``columns``), the columns, the total's column, and the cells made only of the
    publisher's ``<5`` cells (``known``, and their values)."""

    low: pl.DataFrame
    high: pl.DataFrame
    keys: tuple[str, ...]
    columns: tuple[str, ...]
    total: str
    known: pl.DataFrame
    known_values: pl.DataFrame
    #: each category's part the publisher printed exactly, cell for cell (:func:`_category_cells`): with it a
    #: cell's censored cells are read whatever their width (its low bound less it, the most they hold its high
    #: bound less it), a ``<3`` beside ``<10`` too
    printed: pl.DataFrame | None = None

    @functools.cached_property
    def values(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Each bound's cells (``columns`` only), as :func:`_protected_category_rows` reads them."""
        # the columns taken by name, no query
        return self.low[list(self.columns)], self.high[list(self.columns)]


def _yearly_basis(selection: Selection, by: str | None, order: Sequence[str] | None) -> _YearlyBasis:
    """The :class:`_YearlyBasis` of a selection and dimension (``by`` as :func:`~evidence.analyses.trends.check_by`
    gives it), built once per frame and selection (:attr:`~evidence.analyses.selection.Selection.cache_key`),
    ``by`` and ``order``; what does not depend on ``by`` once per selection (:func:`_selection_basis`). The years a sum over reporting countries
    misses some of them are found each time (:func:`_reporter_gaps`) and are part of the key. What a build
    raises is raised each time."""
    gaps = _reporter_gaps(selection, by)
    key = ("yearly basis", *selection.cache_key, gaps, by, None if order is None else tuple(order))

    def build() -> _YearlyBasis:
        basis = _counts_basis(selection, by, order, gaps)
        return basis if selection.kind == "case" else _censored_frames(basis, selection, by)

    return kept_once(selection.frame, key, build)


def _counts_basis(
    selection: Selection, by: str | None, order: Sequence[str] | None, gaps: tuple[IncompleteYear, ...]
) -> _YearlyBasis:
    """:func:`_yearly_basis` but for a publisher's tables before protection (:func:`_censored_frames`): the
    counts, and by ``by`` as :attr:`YearlyNumbers.by_counts` keeps them, with what they are read with. Kept on
    its own: what the table by a dimension no brief prints reads of it, the counts by category beside the route
    tables (:func:`_route_dimension`), is made without that table's frames."""
    key = ("yearly counts basis", *selection.cache_key, gaps, by, None if order is None else tuple(order))
    return kept_once(selection.frame, key, lambda: _yearly_basis_of(selection, by, order, gaps))


def counts_hold_victims(selection: Selection, by: str | None) -> bool | None:
    """What :attr:`YearlyNumbers.holds_victims` of a publisher's :func:`yearly_numbers` by ``by`` is, read from
    its counts before protection (:func:`_counts_basis`, which the numbers are built from), whatever the rule
    and span: True where the yearly totals hold victims, False where neither they nor the counts by ``by`` do;
    None where only the counts by ``by`` hold them (the built numbers then say, as their protection succeeds
    or not). A brief asks whether its detected victims have a breakdown it prints none of (by citizenship: the
    route tables print them) without protecting that table. Raises as :func:`yearly_numbers` does for a
    dimension the table does not have."""
    from evidence.analyses import trends

    by = trends.check_by(by)
    basis = _counts_basis(selection, by, None, _reporter_gaps(selection, by))

    def holds(frame: pl.DataFrame | None) -> bool:
        return frame is not None and bool(frame.height) and bool(frame["count_high"].sum())

    if holds(basis.counts):
        return True
    return None if holds(basis.by_counts) else False


def _reporter_gaps(selection: Selection, by: str | None) -> tuple[IncompleteYear, ...]:
    """The years of a publisher's series summed over reporting countries (UNODC's nationals detected) that miss
    some of them (:func:`~evidence.analyses.trends.reporter_gaps`, of the years with a count), found at each call:
    its rule's parameters are an analyst's to set (``min_share``), and what is kept of a selection is kept for
    the gaps found. None for case records. The selection's counts are asked first, then by ``by`` (refused for a
    dimension the table does not have, before anything else), as :func:`yearly_numbers` always asked them (both
    kept, :func:`~evidence.analyses.trends.yearly_counts`)."""
    from evidence.analyses import trends

    if selection.kind == "case":
        return ()
    counts = trends.yearly_counts(selection)
    if by:
        trends.yearly_counts(selection, by=by)
    if not counts.height:
        return ()
    years = set(counts["year"].to_list())
    return tuple(f for f in trends.reporter_gaps(selection) if f.year in years)


def _yearly_basis_of(
    selection: Selection, by: str | None, order: Sequence[str] | None, gaps: tuple[IncompleteYear, ...]
) -> _YearlyBasis:
    from evidence.analyses import trends

    counts = trends.yearly_counts(selection)  # then the dimension, which may not be the table's
    by_counts = trends.yearly_counts(selection, by=by) if by else None
    if order is None and by and selection.kind == "case":
        order = category_order(selection.frame, by)
    basis = _selection_basis(selection, counts, gaps)
    # the categories as a list, each once (no query of the few dozen rows: :func:`_ordered` sorts them)
    categories = (
        tuple(_ordered(list(dict.fromkeys(by_counts[by].to_list())), order))
        if by_counts is not None and by
        else ()
    )
    basis = dataclasses.replace(basis, by_counts=by_counts, categories=categories)
    if selection.kind == "case":
        return basis
    # a publisher's placeholder breakdown (every cell <5 against hundreds of victims) is no count: its rows
    # are left out of the categories' counts (charts, sentences, shares) and noted in the table; those of
    # form, sex and age are the placeholder years breakdown_years found, of the same counts
    if not by or selection.role == "origin":
        placeholder: list[int] = []
    elif by in BREAKDOWN_NAMES:
        placeholder = sorted(basis.placeholders.get(by, ()))
    else:
        placeholder = placeholder_years(counts, by_counts)
    if placeholder and by_counts is not None:
        by_counts = by_counts.filter(~pl.col("year").cast(pl.Int64).is_in(placeholder))
    # a doubtful breakdown (trends.doubtful_breakdowns: the routes' rule, categories above the total) is published: its
    # rows are shown as such in the table, noted, and left out of the categories' counts like a placeholder's
    found = trends.doubtful_breakdowns(selection, by).iter_rows() if by else iter(())
    doubtful = {int(y): str(r) for y, r in found if int(y) not in placeholder}  # a placeholder is said as one
    shown = by_counts
    if doubtful and shown is not None:
        by_counts = shown.filter(~pl.col("year").cast(pl.Int64).is_in(list(doubtful)))
    return dataclasses.replace(
        basis,
        by_counts=by_counts,
        shown=shown,
        placeholder=tuple(placeholder),
        doubtful=MappingProxyType(doubtful),
    )


def _selection_basis(
    selection: Selection, counts: pl.DataFrame, gaps: tuple[IncompleteYear, ...]
) -> _YearlyBasis:
    """The part of :func:`_yearly_basis` that no dimension changes (no counts by category yet), built once per
    frame, selection and reporter gaps (``gaps``, :func:`_reporter_gaps`): the totals (``counts``, the
    selection's yearly counts), the flagged years, the steady reporters, the years of each breakdown, and a
    publisher's table of victims per year before protection."""
    key = ("yearly selection basis", *selection.cache_key, gaps)
    return kept_once(selection.frame, key, lambda: _selection_basis_of(selection, counts, gaps))


def _selection_basis_of(
    selection: Selection, counts: pl.DataFrame, gaps: tuple[IncompleteYear, ...]
) -> _YearlyBasis:
    from evidence.analyses import trends

    others: tuple[IncompleteYear, ...] = ()
    if counts.height and selection.kind == "case":
        frame_year = (
            selection.frame["year"] if "year" in selection.frame.columns else pl.Series([], dtype=pl.Int64)
        )
        # registration data: the latest years are short of the cases registered later (late registration)
        others = trends.incomplete_years(
            counts,
            late_registration=True,
            release_end=frame_year.max(),  # type: ignore[arg-type]
        )
    elif counts.height:
        # a publisher's yearly counts (UNODC) are what each country reported for the year: a fall is shown and
        # modelled, never set aside as late registration; a sum over reporting countries (nationals detected)
        # flags the years some of them are missing (``gaps``)
        # a country's own total before it counted its own nationals (the United States up to 2012)
        others = trends.reporting_changes(selection)
    incomplete = tuple(trends.merge_incomplete(others, gaps))
    flagged = _flag_notes(incomplete)
    steady = trends.steady_reporters(selection) if gaps else None
    empty: Mapping[str, frozenset[int]] = MappingProxyType({})
    usable, placeholders = (empty, empty) if selection.kind == "case" else _breakdown_years(selection)
    texts = _year_text(counts) if selection.kind != "case" and counts.height else None
    width = censored_high(selection)
    return _YearlyBasis(
        counts=counts,
        by_counts=None,
        incomplete=incomplete,
        flagged=MappingProxyType(flagged),
        categories=(),
        gaps=gaps,
        others=tuple(others),
        steady=steady,
        usable=usable,
        placeholders=placeholders,
        texts=texts,
        per_year=None if texts is None else _bounds_frames(texts, flagged, width),
        censored_high=width,
    )


def placeholder_years(counts: pl.DataFrame, by_counts: pl.DataFrame | None) -> list[int]:
    """The years of a publisher's breakdown (``by_counts``: year, category, count_low, count_high) that are
    placeholders, not counts (:data:`PLACEHOLDER_SHARE`): every cell ``<5`` (censored: low below high, nothing
    published exactly; at least :data:`PLACEHOLDER_MIN_CATEGORIES` of them) and their upper bounds together under that share of the year's published total
    (``counts``); in a year without a total, under :data:`PLACEHOLDER_SHARE_WITHOUT_TOTAL` of the median of
    the other years' totals, in at least :data:`PLACEHOLDER_RUN` such years. A year of a country with no
    total at all is never a placeholder (nothing says its victims are many)."""
    if by_counts is None or not by_counts.height or "count_low" not in by_counts.columns:
        return []
    # each year's cells and total read from the few rows as lists (a query of them, a group-by joined to the
    # totals, cost more in planning than the rows): per year, whether every cell is censored (nulls aside) in
    # enough categories, and the sum of their upper bounds (nulls left out); in the order of the years, a
    # missing year first, beside the year's total (none for a missing year, which no join matches)
    per_year: dict[int | None, tuple[bool, int, int]] = {}  # year -> (every cell censored, cells, most)
    for year, low, high in zip(
        by_counts["year"].to_list(),
        by_counts["count_low"].to_list(),
        by_counts["count_high"].to_list(),
        strict=True,
    ):
        key = None if year is None else int(year)
        censored, n, most = per_year.get(key, (True, 0, 0))
        per_year[key] = (
            censored and (low is None or high is None or low < high),
            n + 1,
            most + (0 if high is None else high),
        )
    totals: dict[int, list[Any]] = {}
    pairs = zip(counts["year"].to_list(), counts["count_low"].to_list(), strict=True) if counts.height else ()
    for year, total in pairs:
        if year is not None:
            totals.setdefault(int(year), []).append(total)
    found: list[int] = []
    without_total: list[int] = []
    #: years with a total whose all-<5 cells stay under the wider share only: placeholders next to one
    near: list[int] = []
    median = counts["count_low"].median() if counts.height else None  # of the totals
    for year in sorted(per_year, key=lambda y: (y is not None, y or 0)):
        censored, n, most = per_year[year]
        all_censored = censored and n >= PLACEHOLDER_MIN_CATEGORIES
        for total in totals.get(year, [None]) if year is not None else [None]:
            if not all_censored:
                continue
            if total is not None:
                if most < PLACEHOLDER_SHARE * float(total):
                    found.append(int(year))  # type: ignore[arg-type]
                elif most < PLACEHOLDER_SHARE_WITHOUT_TOTAL * float(total):
                    near.append(int(year))  # type: ignore[arg-type]
            elif median is not None and most < PLACEHOLDER_SHARE_WITHOUT_TOTAL * float(median):  # type: ignore[arg-type]
                without_total.append(int(year))  # type: ignore[arg-type]
    if len(without_total) >= PLACEHOLDER_RUN:
        found.extend(without_total)
    # the same all-<5 return repeated: a year next to a placeholder, its cells under the wider share of its own
    # total, is one too (the Russian Federation's forms: 2017 at most 12 against 209, 5.7%, beside 2018-2020)
    added = True
    while added:
        added = False
        for year in [y for y in near if y not in found and (y - 1 in found or y + 1 in found)]:
            found.append(year)
            added = True
    return sorted(found)


def _panel_numbers(
    panel: SteadyPanel,
    rule: DisclosureRule,
    counts: pl.DataFrame,
    gaps: Sequence[IncompleteYear],
    others: tuple[IncompleteYear, ...],
    censored_high: int = PUBLISHER_CENSORED_HIGH,
) -> PanelNumbers | None:
    """The steady reporters' series (``panel``), when the years that miss some reporters (``gaps``) and the
    other flagged years leave the full series fewer complete years than the panel spans (a trend
    on fewer, scattered years, or none); else None."""
    # the steady reporters' counts are what they published for each year (UNODC): no year of theirs is set
    # aside as late registration, a fall is modelled (the field stays for a rule that would apply to them)
    incomplete: tuple[IncompleteYear, ...] = ()
    flagged = {f.year for f in (*gaps, *others)}
    complete = sum(1 for year in counts["year"].to_list() if year not in flagged)
    if complete >= panel.n_years - len(incomplete):
        return None
    return PanelNumbers(
        panel=panel,
        incomplete=incomplete,
        gap_years=tuple(sorted(f.year for f in gaps)),
        other=others,
        per_year=_bounds_per_year(
            _year_text(panel.counts), _flag_notes(incomplete) if incomplete else None, rule, censored_high
        ),
    )


def _bounds_per_year(
    counts: pl.DataFrame,
    flagged: Mapping[int, str] | None,
    rule: DisclosureRule,
    censored_high: int = PUBLISHER_CENSORED_HIGH,
) -> Bounds | None:
    """The protected table of censored victims per year (year as text, the note on flagged years, ``flagged``:
    :func:`_flag_notes`, unless None, victims), both bounds as one system (:func:`protected_bounds`); None when too
    small to protect. A year made only of the publisher's ``<5`` cells (nothing published exactly) needs no
    complement (:func:`censored_cells`). ``censored_high``: the high bound of the publisher's censored cells."""
    return _bounds_frames(counts, flagged, censored_high).protected(rule)


def _bounds_frames(
    counts: pl.DataFrame, flagged: Mapping[int, str] | None, censored_high: int = PUBLISHER_CENSORED_HIGH
) -> _BoundsFrames:
    """What :func:`_bounds_per_year` protects: each bound's frame, its keys, the part published exactly and the
    high bound of the publisher's censored cells."""
    notes = [] if flagged is None else [_notes(counts["year"], flagged)]
    keys = ("year",) if flagged is None else ("year", "note")
    # the frames made of the columns themselves, no query (a select of them, renamed)
    exact = pl.DataFrame([counts[UNCENSORED].alias(VICTIMS)]) if UNCENSORED in counts.columns else None
    low, high = (
        pl.DataFrame([counts["year"], *notes, counts[bound].alias(VICTIMS)])
        for bound in ("count_low", "count_high")
    )
    return _BoundsFrames(low, high, keys, exact, censored_high)


def _year_text(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` sorted by year, the year as text. A frame of one row per year (a series' yearly totals) is
    sorted and cast without a query (its rows gathered in the order of their years, the column cast), the same
    frame; else (a year twice, or a missing one: ties and nulls as polars' sort puts them) in one query."""
    years = frame["year"].to_list()
    if None in years or len(set(years)) != len(years):
        return (
            frame.lazy().sort("year").with_columns(pl.col("year").cast(pl.String)).collect(engine=IN_MEMORY)
        )  # one query
    order = sorted(range(len(years)), key=years.__getitem__)
    ordered = frame[order] if order != list(range(len(years))) else frame
    return with_series(ordered, [ordered["year"].cast(pl.String)])


def _flag_notes(flags: Sequence[IncompleteYear]) -> dict[int, str]:
    """Each flagged year's note in a table of victims per year: what it is ("probably incomplete", "not
    comparable with the other years", or both), never "probably incomplete" for a change in what is counted."""
    return {flag.year: flag.words for flag in flags}


def _notes(years: pl.Series, flagged: Mapping[int, str]) -> pl.Series:
    """The note column of a table of victims per year (``years`` as text): each flagged year's note
    (:func:`_flag_notes`), empty for the others."""
    marked = {str(year): note for year, note in flagged.items()}
    return pl.Series("note", [marked.get(y, "") for y in years.to_list()], dtype=pl.String)


def _columns_with_their_totals(
    counts: pl.DataFrame, categories: list[str], rule: DisclosureRule, cell_keys: pl.DataFrame | None
) -> DisclosedTable:
    """A year × category table of case records whose categories overlap (a victim of several forms): its rows
    add up to nothing, but each column's sum over the years is the category's count that the brief publishes
    elsewhere (the profile of forms). So each column is protected as a one-way table with that total
    (:func:`suppress_table`: a small year withheld, and another year of the same column with it, audited),
    never a single withheld year that the total gives back (the review: the United States' forced labour of
    2018, <5 beside 173 in all). A year with no record of the kind stays empty; a column too small to
    protect is withheld whole."""
    table = suppress_counts(counts, categories, rule, cell_keys=cell_keys)
    frame, reasons = table.frame, table.reasons
    for category in categories:
        present = [value is not None for value in counts[category].to_list()]
        column = counts.select("year", pl.col(category).fill_null(0))
        keys = cell_keys.select(pl.col(category).fill_null(0)) if cell_keys is not None else None
        try:
            one = suppress_table(column, "year", [category], rule, total_label="__all_years", cell_keys=keys)
        except DisclosureError:
            values: list[int | None] = [None] * counts.height
            why: list[str | None] = [COMPLEMENT_REASON] * counts.height
        else:
            values = one.frame[category].to_list()[: counts.height]
            why = one.reasons[category].to_list()[: counts.height]
        values = [v if p else None for v, p in zip(values, present, strict=True)]
        why = [w if p else None for w, p in zip(why, present, strict=True)]
        frame = frame.with_columns(
            pl.Series(category, values, dtype=pl.Int64),
            pl.Series(f"{category}{SUPPRESSED_SUFFIX}", [w is not None for w in why]),
        )
        reasons = reasons.with_columns(pl.Series(category, why, dtype=pl.String))
    complements = sum(reasons[c].to_list().count(COMPLEMENT_REASON) for c in categories)
    return dataclasses.replace(table, frame=frame, reasons=reasons, n_secondary=complements)


#: A value not computed yet.
_NOT_YET: Final = object()


def _profile_tables(selection: Selection, group: str, rule: DisclosureRule) -> _SharesTables | None:
    """The counts the profile of ``group`` publishes (:func:`profile_view`), protected; None where it has none."""
    from evidence.analyses import profiles

    try:
        shares = profiles.group_shares(selection, group)
    except EvidenceError:
        return None
    records = selection.records()
    ordered = _ordered_shares(shares, category_order(selection.frame, group))
    return _protected_shares(ordered, rule, (records.height, 0))


def _years_by_flag_protected(
    table: DisclosedTable,
    counts: pl.DataFrame,
    categories: Sequence[str],
    totals: pl.DataFrame,
    per_year: DisclosedTable | None,
    recorded_years: Collection[str],
    profile: _SharesTables | None,
    rule: DisclosureRule,
    band_dated: int = 0,
    band_counts: Mapping[str, int] | None = None,
) -> DisclosedTable | None:
    """The table of victims per year by a flag group (``table``, :func:`_columns_with_their_totals`: the
    ``categories`` and "Not recorded", true counts ``counts``), protected as one system (:class:`LinkedCounts`)
    with the two tables published beside it: the victims per year (``per_year``, true counts ``totals``, row for
    row) and the profile of the group (``profile``: its flags, the victims with at least one, those with none and
    all of them, summed over the years).

    Each year is what the profile is to the selection (:func:`_overlap_protected`): its victims are those with a
    flag recorded and those without; each flag holds at most the first, together at least them. So a year whose
    victims with a flag all have one flag gives its "Not recorded" back (2016: 9 victims, forced labour 6, every
    other form 0: 3 not recorded, of ``<5``), and with it the profile's, where the other years have none. The
    year's victims with a flag, with several flags, or with a flag but not this one, are counts never shown,
    which must not follow when small. Further cells of ``table`` only (the other two are published as they are)
    are withheld (``x``, :func:`protect_linked`) until nothing withheld, and no such small count, follows from the
    three, nor the victims dated only by a band of years (``band_dated``, :func:`_beside_band_dated`): all
    victims of the selection less the years' (2019: 20 with forced labour, the only form held, and 5 without a
    form, beside its withheld 25). The profile counts those victims too (``band_counts``: theirs by each of the
    ``categories`` and under "Not recorded", :func:`_band_dated_flags`), so its counts are the years' and theirs.
    None when no withholding of the table's cells protects them (a table then not shown)."""
    system = LinkedCounts()
    years = counts["year"].to_list()
    unrecorded = counts[NOT_RECORDED].to_list() if NOT_RECORDED in counts.columns else [0] * counts.height
    victims = [int(v) for v in totals["count"].to_list()]
    # this table's cells: name, value, reason, column, row
    cells: list[tuple[Hashable, int, str | None, str, int]] = []
    # the table of victims per year: its years, then its total (shown nowhere when it is not shown)
    shown_years = (
        per_year.reasons[VICTIMS].to_list() if per_year is not None else [_UNPUBLISHED] * (len(years) + 1)
    )
    everyone = ("per year", "all")
    if band_dated:
        # all victims of the selection, as its routes and profiles show them, less the years' (those dated only
        # by a band of years): the years' total is not the headline's, and is published as the table shows it
        _publish_read(system, everyone, sum(victims), shown_years[-1], rule)
        selection_all = ("selection", "all")
        system.quantity(selection_all, sum(victims) + band_dated, None)
        system.derived[("dated only by a band",)] = {selection_all: 1.0, everyone: -1.0}
        band_total = ("band", "victims")
        system.quantity(band_total, band_dated)
        system.equalities.append({band_total: 1.0, selection_all: -1.0, everyone: 1.0})
    else:
        # all victims, whatever that table shows: the brief's headline and route table show them (the demo's Fiji
        # as destination, one victim in each of six years: its sexual exploitation ``<5`` a year, beside six, was
        # 1 each), as the table shows its total where it does (perturbed records: the same key, the same label)
        headline = shown_years[-1]
        if headline not in (None, SMALL_REASON):
            headline = SMALL_REASON if rule.is_small(sum(victims)) else None
        _publish_read(system, everyone, sum(victims), headline, rule)
    sums: dict[str, dict[Hashable, float]] = {c: {} for c in (*categories, NOT_RECORDED, "recorded")}
    for row, year in enumerate(years):
        total, none, recorded = (("year", year, part) for part in ("victims", NOT_RECORDED, "recorded"))
        _publish_read(system, total, victims[row], shown_years[row], rule)
        not_recorded = int(unrecorded[row] or 0)
        system.quantity(none, not_recorded)
        if NOT_RECORDED in counts.columns and unrecorded[row] is not None:
            cells.append((none, not_recorded, table.reasons[NOT_RECORDED][row], NOT_RECORDED, row))
        system.quantity(recorded, victims[row] - not_recorded)
        system.equalities.append({recorded: 1.0, none: 1.0, total: -1.0})
        sums[NOT_RECORDED][none], sums["recorded"][recorded] = 1.0, 1.0
        if year not in recorded_years:  # empty cells: none of the year's victims has a flag recorded
            system.at_most.append({recorded: 1.0})
            continue
        flags = []
        for category in categories:
            value, flag = counts[category][row], ("year", year, category)
            system.quantity(flag, int(value or 0))
            if value is not None:
                cells.append((flag, int(value), table.reasons[category][row], category, row))
            flags.append(flag)
            sums[category][flag] = 1.0
        _link_overlap(system, flags, recorded, ("several", year), lambda flag: ("without", flag))
        system.derived[("with a flag", year)] = {recorded: 1.0}
    system.equalities.append({("year", y, "victims"): 1.0 for y in years} | {everyone: -1.0})
    if band_dated and band_counts is not None:
        # the victims dated only by a band are the profile's and no year's: its counts are the years' and
        # theirs. Linked without them, the profile's forced labour equal to its Recorded (every victim with a
        # form has forced labour) was not read as a reader reads it, the same in every year: 2015's 16 with
        # forced labour, beside 19 victims, gave its 3 without a form back
        band_none, band_recorded = ("band", NOT_RECORDED), ("band", "recorded")
        not_recorded = int(band_counts.get(NOT_RECORDED, 0))
        system.quantity(band_none, not_recorded)
        system.quantity(band_recorded, band_dated - not_recorded)
        system.equalities.append({band_recorded: 1.0, band_none: 1.0, ("band", "victims"): -1.0})
        sums[NOT_RECORDED][band_none], sums["recorded"][band_recorded] = 1.0, 1.0
        band_flags = [("band", category) for category in categories]
        for category, band_flag in zip(categories, band_flags, strict=True):
            system.quantity(band_flag, int(band_counts.get(category, 0)))
            sums[category][band_flag] = 1.0
        # each flag holds at most the victims with one, together at least them (as :func:`_link_overlap`)
        system.at_most += [{band_flag: 1.0, band_recorded: -1.0} for band_flag in band_flags]
        system.at_most.append({band_recorded: 1.0, **dict.fromkeys(band_flags, -1.0)})
    if profile is not None:
        _link_profile(system, profile, sums, ("selection", "all") if band_dated else everyone, rule)
    # what the two other tables give away on their own is not this table's to protect: it is known already
    for quantity in linked_exposures(system, rule):
        system.derived.pop(quantity, None)
        if system.status.get(quantity, _UNPUBLISHED) != _UNPUBLISHED:
            system.status[quantity] = None
    for name, value, reason, _, _ in cells:
        _publish_read(system, name, value, reason, rule)
    where = {name: (column, row) for name, _, reason, column, row in cells if reason is None}
    try:
        # a year's small count may be freed only by several cells withheld in turn, over more rounds than the
        # default four: the demo's Cambodia as origin, at threshold 5, its 2015 victims with several forms freed
        # in the sixth (with four, no table). Where four rounds sufficed, the same cells are withheld
        withheld = protect_linked(system, rule, among=set(where), patience=8)
    except DisclosureError:
        return None
    rows: dict[str, list[int]] = {}
    for quantity in withheld:
        column, row = where[quantity]
        rows.setdefault(column, []).append(row)
    for column, at in sorted(rows.items()):
        table = withhold_cells(table, column, sorted(at))
    return table


def _with_years_of(
    table: DisclosedTable, yearly: DisclosedTable | None, counts: pl.DataFrame, rule: DisclosureRule
) -> DisclosedTable | None:
    """A protected year × category table whose categories split each year's victims (``counts``: its true
    counts, a column per category, a row per year) with its column of victims per year, total included, made
    the table of victims per year's (``yearly``: shown or withheld alike, cell for cell), and its other cells
    protected against it (:func:`~evidence.presentation.disclosure.protect_together`); None when none will do.

    Both tables show the same victims: protected on its own, the table by sex withheld a year (``x``) or all
    years that the table without ``by`` shows (the trends notebook with ``by`` none, the brief, ``evidence
    trend``), and a year's ``<5`` Female and ``<5`` Male beside the other table's 8 were 4 each. Where no table
    of victims per year is shown (``yearly`` None: too few to protect), all victims of the selection still are
    (the route table and key figures): the total stays, the rest protected against it."""
    column = table.total_label if table.has_total_column else table.count_columns[0]
    last = table.frame.height - 1
    truth = (
        counts.with_columns(pl.sum_horizontal(counts.columns).alias(column))
        if table.has_total_column
        else counts
    )
    truth = pl.concat([truth, truth.sum()]).select(table.count_columns)
    values, why = table.frame[column].to_list(), table.reasons[column].to_list()
    if yearly is not None:
        if yearly.frame.height != table.frame.height:  # a guard: the same years, the same order
            return None
        values = yearly.frame[VICTIMS].to_list()
        why = yearly.reasons[VICTIMS].to_list()
        fixed = [(0, column, row) for row, reason in enumerate(why) if reason is None]
    else:
        total = table.frame[column][last] if why[last] is None else int(truth[column][last])
        if why[last] is not None and (table.perturbed or rule.is_small(total)):
            return None  # the total as every output shows it is not this table's to make
        values[last], why[last] = total, None
        fixed = [(0, column, last)]
    shown = _column_replaced(table, column, values, [reason is not None for reason in why], why)
    reasons = [r for c in table.count_columns for r in shown.reasons[c].to_list()]
    shown = dataclasses.replace(
        shown, n_primary=reasons.count(SMALL_REASON), n_secondary=reasons.count(COMPLEMENT_REASON)
    )
    try:
        (protected,) = protect_together([shown], [truth], (), rule, fixed=fixed, patience=8)
    except DisclosureError:
        return None
    return protected


def _band_dated_flags(selection: Selection, by: str) -> dict[str, int]:
    """The victims of ``selection`` dated only by a band of years (no year of their own) with each flag of the
    group ``by`` (by its label), and under "Not recorded" those with none, as the yearly tables count a year's."""
    from evidence.analyses.selection import recorded_flags
    from evidence.analyses.trends import flag_label

    flags = recorded_flags(selection.frame, FLAG_DIMENSIONS[by])
    banded = selection.records().filter(pl.col("year").is_null())
    held = [pl.col(c).fill_null(False) for c in flags]
    recorded = pl.any_horizontal(held) if held else pl.lit(False)
    row = banded.select(
        *[h.sum().alias(flag_label(c)) for h, c in zip(held, flags, strict=True)],
        (~recorded).sum().alias(NOT_RECORDED),
    ).row(0, named=True)
    return {label: int(n or 0) for label, n in row.items()}


def _link_profile(
    system: LinkedCounts,
    profile: _SharesTables,
    sums: Mapping[str, Mapping[Hashable, float]],
    everyone: Hashable,
    rule: DisclosureRule,
) -> None:
    """The profile of a flag group (:func:`_protected_shares`) in ``system``, as it publishes its counts: each flag,
    the victims with at least one (a row of its own where flags overlap, else the total less "Not recorded"), those
    with none, and all of them; ``sums`` (each flag's label, "Not recorded" and "recorded" -> the quantities
    that add up to it over the years) ties it to the years, where the sums hold (the same victims)."""
    labels = profile.categories.frame["category"].to_list()
    flags = [("profile", label) for label in labels[: len(profile.counts)]]
    recorded, none, total = ("profile", "recorded"), ("profile", NOT_RECORDED), ("profile", "all")
    known, unknown = profile.split_counts
    reasons = profile.categories.reasons["count"].to_list()
    for flag, value, reason in zip(flags, profile.counts, reasons, strict=False):
        _publish_read(system, flag, value, reason, rule)
    if profile.split is None:  # one table: the categories, "Not recorded", the total
        split = [_UNPUBLISHED, *reasons[len(flags) :]]
    else:
        split = profile.split.reasons["count"].to_list()
    split_counts = (known, unknown, known + unknown)
    for name, value, reason in zip((recorded, none, total), split_counts, split, strict=True):
        _publish_read(system, name, value, reason, rule)
    system.equalities.append({recorded: 1.0, none: 1.0, total: -1.0})
    _link_overlap(system, flags, recorded, ("profile", "several"), lambda flag: ("profile without", flag))
    for name, label in [*zip(flags, labels, strict=False), (none, NOT_RECORDED), (recorded, "recorded")]:
        parts = sums.get(label)
        if parts and sum(system.values[q] * c for q, c in parts.items()) == system.values[name]:
            system.equalities.append({**parts, name: -1.0})
    if system.values[everyone] == system.values[total]:
        system.equalities.append({everyone: 1.0, total: -1.0})


def _beside_band_dated(
    table: DisclosedTable | None, counts: pl.DataFrame, band_dated: int, rule: DisclosureRule
) -> DisclosedTable | None:
    """A table of victims per year (``counts``: its true counts, a column per count column but its totals, a row
    per year) protected with the victims of its selection dated only by a band of years within its years
    (``band_dated``: CTDC's Victim–Perpetrator file, a k-anonymised file's generalised years). All victims of
    the selection, which its route table and profiles show, less its total is their count, never shown itself:
    beside 52 victims, a total of 50 gave 2 back. Where it is small, further cells are withheld (``x``,
    :func:`~evidence.presentation.disclosure.protect_together`) until it does not follow; perturbed counts on
    their true counts, as every line of them is protected. None when no withholding protects it."""
    if table is None or not table.has_total_row or not rule.is_small(band_dated):
        return table
    victims = table.total_label if table.has_total_column else VICTIMS
    truth = (
        counts.with_columns(pl.sum_horizontal(counts.columns).alias(victims))
        if victims not in counts.columns
        else counts
    )
    truth = pl.concat([truth, truth.sum()]).select(table.count_columns)
    last = table.frame.height - 1
    dated = int(truth[victims][last])
    # the selection's victims: those dated only by a band, those of a single year (this table's total) and all
    # of them (shown as they are by the route table and the profiles, never withheld here)
    beside = DisclosedTable(
        frame=pl.DataFrame({"n": [band_dated, dated, band_dated + dated]}),
        count_columns=("n",),
        rule=rule,
        n_primary=0,
        n_secondary=0,
        has_total_row=True,
        reasons=pl.DataFrame({"n": [None, table.reasons[victims][last], None]}, schema={"n": pl.String}),
    )
    try:
        protected, _ = protect_together(
            [table, beside],
            [truth, beside.frame],
            [[(0, victims, last), (1, "n", 1)]],
            rule,
            fixed=[(1, "n", 2)],
            unpublished=[(1, "n", 0)],
            # the total of a table by category is freed only by cells of every line through it withheld together
            patience=8,
        )
    except DisclosureError:
        return None
    return protected


def _case_numbers(
    common: dict[str, Any],
    flagged: Mapping[int, str],
    incomplete: tuple[IncompleteYear, ...],
    categories: tuple[str, ...],
    span: tuple[int, int] | None,
) -> YearlyNumbers:
    from evidence.analyses import trends

    selection: Selection = common["selection"]
    by: str | None = common["by"]
    rule: DisclosureRule = common["rule"]
    keyed = selection.keyed
    undated = selection.years is None
    totals = _year_text(common["counts"])
    if undated:
        extra = trends.undated_counts(selection)
        totals = pl.concat([totals, extra.with_columns(year=pl.lit(UNDATED))], how="diagonal_relaxed")
    if not keyed:
        totals = totals.with_columns(pl.lit(0, pl.Int64).alias(CELL_KEY))
    by_counts: pl.DataFrame | None = common["by_counts"]
    partition = False
    long = None
    categories_shown = categories  # the table's columns: the categories, and "Not recorded" of a flag group
    recorded_years: set[str] | None = None  # by a flag group: the years with the group recorded for a victim
    if by is not None and by_counts is not None:
        long = _year_text(by_counts)
        if undated:
            extra = trends.undated_counts(selection, by=by)
            long = pl.concat([long, extra.with_columns(year=pl.lit(UNDATED))], how="diagonal_relaxed")
        if by in FLAG_DIMENSIONS:
            # the victims with none of the group recorded are a column of their own: without it a year whose
            # victims mostly have no form recorded reads as 0 in every form (REVIEW12 M5: Thailand 2010, 125
            # of 139 without a form, shown as forms adding up to 14)
            unrecorded = trends.unrecorded_counts(selection, by=by)
            recorded_years = set(long["year"].to_list())
            if unrecorded.height:
                unrecorded = unrecorded.with_columns(
                    pl.col("year").cast(pl.String).fill_null(UNDATED), pl.lit(NOT_RECORDED).alias(by)
                )
                long = pl.concat([long, unrecorded], how="diagonal_relaxed")
                categories_shown = (*categories, NOT_RECORDED)
        if not keyed:
            long = long.with_columns(pl.lit(0, pl.Int64).alias(CELL_KEY))
        sums = long.group_by("year").agg(pl.col("count").sum().alias("sum"))
        joined = totals.select("year", "count").join(sums, on="year", how="left").fill_null(0)
        partition = by not in FLAG_DIMENSIONS and bool((joined["count"] == joined["sum"]).all())
    per_year = by_category = None

    # the selection's victims dated only by a band of years within its years: its routes and profiles count
    # them, no yearly table can (they have no single year)
    band_dated = 0 if undated else int(selection.records().select(pl.col("year").is_null().sum()).item())

    def totals_table() -> DisclosedTable | None:
        frame = totals.select("year", _notes(totals["year"], flagged), pl.col("count").alias(VICTIMS))
        table = protected_table(
            frame,
            ["year", "note"],
            [VICTIMS],
            rule,
            cell_keys=totals.select(pl.col(CELL_KEY).alias(VICTIMS)) if keyed else None,
        )
        if table is None:
            return None
        if band_dated:  # its total is not all victims of the selection, which the headline shows
            return _beside_band_dated(table, frame.select(VICTIMS), band_dated, rule)
        # all victims of the selection stay, as every output shows them
        keys = totals[CELL_KEY].to_list() if keyed else None
        return _with_total_shown(table, VICTIMS, totals["count"].to_list(), keys, rule)

    yearly: Any = _NOT_YET  # the table of victims per year, once made
    if by is not None and long is not None and long.height:
        order = totals.select("year")
        # a year absent from the categories' counts (by a flag group: none of its victims has one recorded)
        # stays empty: not recorded, not 0
        counts = order.join(_wide(long, "year", by, "count", list(categories_shown)), on="year", how="left")
        keys = order.join(
            _wide(long, "year", by, CELL_KEY, list(categories_shown)), on="year", how="left"
        ).fill_null(0)
        if recorded_years is not None:
            # a year none of whose victims has the group recorded stays empty in every category: not 0
            known = pl.col("year").is_in(sorted(recorded_years))
            counts = counts.with_columns(pl.when(known).then(pl.col(c)).alias(c) for c in categories)
        cell_keys = keys if keyed else None
        if partition:
            table = protected_table(
                counts, "year", list(categories), rule, total_label=ALL_VICTIMS, cell_keys=cell_keys
            )
            true_counts = counts.select(pl.col(list(categories)).fill_null(0))
            table = _beside_band_dated(table, true_counts, band_dated, rule)
            if table is not None:
                # its victims per year are the table of victims per year's, which every other output shows
                yearly = totals_table()
                table = _with_years_of(table, yearly, true_counts, rule)
            if table is not None:
                by_category = Bounds(table, table)
                per_year = Bounds(*(2 * [_victims_column(table, flagged)]))
        else:
            overlapping: DisclosedTable | None
            overlapping = _columns_with_their_totals(counts, list(categories_shown), rule, cell_keys)
            if recorded_years is not None:
                # protected with the victims per year and the profile of the group, which it adds up to; perturbed
                # counts too, on their true counts, as secondary suppression protects a table's lines (read as
                # exact, right whenever their perturbations are 0): one year's forced labour, 59 beside the
                # profile's withheld x (the same records, so the same number), gave its <5 not recorded back
                yearly = totals_table()
                overlapping = _years_by_flag_protected(
                    overlapping,
                    counts,
                    categories,
                    totals,
                    yearly,
                    recorded_years,
                    _profile_tables(selection, by, rule),
                    rule,
                    band_dated,
                    _band_dated_flags(selection, by) if band_dated else None,
                )
            by_category = None if overlapping is None else Bounds(overlapping, overlapping)
    if per_year is None and totals.height:
        yearly = yearly if yearly is not _NOT_YET else totals_table()
        per_year = None if yearly is None else Bounds(yearly, yearly)
    # the years flagged as probably incomplete, from what the table of victims per year shows
    shown_flags = _incomplete_as_shown(per_year, common["counts"], selection, rule)
    if _flag_notes(shown_flags) != dict(flagged) and per_year is not None:
        noted = _with_flag_notes(per_year.low, flagged, _flag_notes(shown_flags))
        per_year = Bounds(noted, noted)
    incomplete = shown_flags
    per_year = _with_years_without_data(per_year, selection, common["counts"], span, common["breakdowns"])
    return YearlyNumbers(
        **common,
        per_year=per_year,
        by_category=by_category,
        partition=partition,
        incomplete=incomplete,
        categories=categories,
    )


def _incomplete_as_shown(
    per_year: Bounds | None, counts: pl.DataFrame, selection: Selection, rule: DisclosureRule
) -> tuple[IncompleteYear, ...]:
    """The years of victim records flagged as probably incomplete (:func:`~evidence.analyses.trends.
    incomplete_years`: the latest ones, below half the trend of the years before, and the release's final year)
    read from the table of victims per year as it is shown, never from the true counts: the flag, and its reason
    ("below 50% of the count expected from the 2015-2019 trend"), told which side of that half a withheld year
    lies (a final ``<5`` beside a trend of 7.9 not flagged as below half of it: 4), or a perturbed one. A shown
    count is read as it is; a ``<5`` as 1 to the threshold less 1, an ``x`` from the threshold up to what the
    total leaves it: a latest year flagged only where all of them are below half the trend, never a trend
    through them (``ranged``: a guess of one, the middle of its range, made a steep rise of 106 a fall). Where the table is
    not shown (``counts``: the selection's yearly counts), only the release's final year, which no count
    flags."""
    from evidence.analyses import trends

    last = selection.frame["year"].max() if "year" in selection.frame.columns else None
    release = None if last is None else int(cast(int, last))
    if per_year is None:
        if not counts.height:
            return ()
        return tuple(
            trends.incomplete_years(counts, max_years=0, late_registration=True, release_end=release)
        )
    table = per_year.low
    frame = table.frame.with_columns(table.reasons["victims"].alias("_reason"))
    years = frame.filter(pl.col("year").cast(pl.String).str.contains(r"^\d+$"))
    if not years.height:
        return ()
    cells = list(zip(years["victims"].to_list(), years["_reason"].to_list(), strict=True))
    shown = sum(int(v) for v, r in cells if r is None and v is not None)
    total = table.frame["victims"][-1] if table.has_total_row else None
    # the withheld years at their least: 1 for a <5, the threshold for an x
    least = sum(1 if r == "small" else rule.threshold for _, r in cells if r is not None)
    bounds: list[tuple[int, int]] = []
    for value, reason in cells:
        if reason is None:
            bounds.append((int(value or 0), int(value or 0)))
        elif reason == "small":
            bounds.append((1, rule.threshold - 1))
        else:  # what the total leaves it once the others are at their least
            room = (
                total - shown - least + rule.threshold
                if total is not None
                else 2 * max(shown, rule.threshold)
            )
            bounds.append((rule.threshold, max(rule.threshold, room)))
    low, high = [b[0] for b in bounds], [b[1] for b in bounds]
    series = pl.DataFrame(
        {
            "year": years["year"].cast(pl.String).cast(pl.Int64),
            "count": [(a + b) / 2 for a, b in zip(low, high, strict=True)],
            "count_low": low,
            "count_high": high,
        },
        schema={"year": pl.Int64, "count": pl.Float64, "count_low": pl.Float64, "count_high": pl.Float64},
    )
    ranged = [int(y) for y, (_, r) in zip(years["year"].to_list(), cells, strict=True) if r is not None]
    return tuple(trends.incomplete_years(series, late_registration=True, release_end=release, ranged=ranged))


def _with_flag_notes(
    table: DisclosedTable, before: Mapping[int, str], flagged: Mapping[int, str]
) -> DisclosedTable:
    """A table of victims per year with the notes of the years flagged ``before`` made those of ``flagged``."""
    changed = {str(y) for y in (*before, *flagged)}
    notes = _notes(table.frame["year"].cast(pl.String).fill_null(""), flagged)
    column = (
        pl.when(pl.col("year").cast(pl.String).is_in(sorted(changed))).then(notes).otherwise(pl.col("note"))
    )
    return dataclasses.replace(table, frame=table.frame.with_columns(column.alias("note")))


def _with_years_without_data(
    per_year: Bounds | None,
    selection: Selection,
    counts: pl.DataFrame,
    span: tuple[int, int] | None,
    breakdowns: Mapping[str, frozenset[int]],
) -> Bounds | None:
    """The one rule of the yearly tables of victims (case records and UNODC series): a row for each year of
    the selection's span without data (:func:`_uncovered_years`), noted :data:`NO_RECORDS` (case records) or
    :data:`NO_DATA_PUBLISHED` (a publisher's series; :data:`DOUBTFUL_BREAKDOWN` where the breakdown that would
    hold it is published but doubtful), its count empty: not a 0, not withheld, not modelled. ``breakdowns``: the
    years a publisher's series gives the victims by each breakdown (:func:`breakdown_years`)."""
    if per_year is None:
        return None
    uncovered = _uncovered_years(selection, counts, span)
    if not uncovered:
        return per_year
    if selection.kind == "case":
        noted = [(NO_RECORDS, uncovered)]
    else:  # a year with a breakdown of the victims but not their total is not a year without data
        from evidence.analyses.trends import doubtful_reporters

        broken_down = set().union(*breakdowns.values())
        # nor is one whose breakdown is published but doubtful (not used): the United States' nationals, 2017
        doubtful = set(doubtful_reporters(selection)) - broken_down
        noted = [
            (NO_TOTAL_PUBLISHED, [y for y in uncovered if y in broken_down]),
            (DOUBTFUL_BREAKDOWN, [y for y in uncovered if y in doubtful]),
            (NO_DATA_PUBLISHED, [y for y in uncovered if y not in broken_down and y not in doubtful]),
        ]
    low, high = per_year.low, per_year.high
    for note, years in noted:
        if years:
            low = _with_no_records(low, years, note)
            high = low if per_year.exact else _with_no_records(high, years, note)
    return Bounds(low, high)


def breakdown_years(selection: Selection, *, placeholders: bool = False) -> dict[str, frozenset[int]]:
    """The years a publisher's series (UNODC) gives the selection's victims by form, sex or age, and, but in
    role origin, by citizenship, by breakdown (keys of :data:`BREAKDOWN_NAMES` and ``citizenship``, only those
    with years): a year whose breakdown is the publisher's
    placeholder (:func:`placeholder_years`: every cell ``<5`` against hundreds of victims) is no usable breakdown,
    and is not one of them (Viet Nam's forms of 2017–2020); with ``placeholders``, those years only. A
    :class:`YearlyNumbers` keeps both (:attr:`~YearlyNumbers.breakdowns`,
    :attr:`~YearlyNumbers.placeholder_breakdowns`)."""
    return dict(_breakdown_years(selection)[1 if placeholders else 0])


def _breakdown_years(
    selection: Selection,
) -> tuple[Mapping[str, frozenset[int]], Mapping[str, frozenset[int]]]:
    """:func:`breakdown_years` both ways at once: the usable years by breakdown, and the placeholder years (read
    only), found once per frame and selection (a brief reads them in each breakdown's yearly numbers)."""
    key = ("breakdown years", *selection.cache_key)
    return kept_once(selection.frame, key, lambda: _breakdown_years_of(selection))


def _breakdown_years_of(
    selection: Selection,
) -> tuple[Mapping[str, frozenset[int]], Mapping[str, frozenset[int]]]:
    from evidence.analyses import trends

    counts = trends.yearly_counts(selection)
    usable: dict[str, frozenset[int]] = {}
    placeholders: dict[str, frozenset[int]] = {}
    # the victims detected in a country by citizenship too (Thailand's Lao and Myanmar nationals of 2008, a year
    # without its total); never in role origin, whose total is the citizenship breakdowns' own sum
    wanted = [*BREAKDOWN_NAMES, *(["citizenship"] if selection.role != "origin" else [])]
    for by in wanted:
        try:
            by_counts = trends.yearly_counts(selection, by=by)
        except ParameterError:  # a role without this breakdown (origin: other countries' breakdowns)
            continue
        # a citizenship breakdown lists some citizenships only: a few <5 cells are counts, never placeholders
        placeholder = (
            set(placeholder_years(counts, by_counts))
            if selection.role != "origin" and by != "citizenship"
            else set()
        )
        if years := _years_of(by_counts) - placeholder:
            usable[by] = frozenset(years)
        if placeholder:
            placeholders[by] = frozenset(placeholder)
    return MappingProxyType(usable), MappingProxyType(placeholders)


def _uncovered_years(selection: Selection, counts: pl.DataFrame, span: tuple[int, int] | None) -> list[int]:
    """The years of a span (``span``, else the first to last year with data) that hold no data of the
    selection. Case records: within their first and last year with records (a release's records start and end where
    its collection does). A publisher's series (UNODC): every year of the span, since the workbook covers every
    year for every country, so a year of the span without a count is one nothing was published for (the
    United States' nationals in 2007, 2008 and 2017)."""
    covered = {int(y) for y in counts["year"].to_list() if y is not None}
    if not covered:
        return []
    first, last = span or (min(covered), max(covered))
    if selection.kind == "case":
        first, last = max(first, min(covered)), min(last, max(covered))
    return [y for y in range(first, last + 1) if y not in covered]


def _with_no_records(table: DisclosedTable, years: Sequence[int], note: str = NO_RECORDS) -> DisclosedTable:
    """A protected table of victims per year (year as text, note, victims; totals row last) with a row for each
    of ``years`` that holds no data: noted ``note`` (:data:`NO_RECORDS`, :data:`NO_DATA_PUBLISHED` or :data:`NO_TOTAL_PUBLISHED`), its count empty (not a 0, not
    withheld). The row-aligned masks (reasons, the publisher's known cells) follow the rows."""
    n = table.frame.height - (1 if table.has_total_row else 0)
    added = pl.DataFrame(
        {
            "year": [str(y) for y in years],
            "note": [note] * len(years),
            VICTIMS: [None] * len(years),
            VICTIMS + "_suppressed": [False] * len(years),
        },
        schema={c: table.frame.schema[c] for c in ("year", "note", VICTIMS, VICTIMS + "_suppressed")},
    )
    # the body's rows and the added ones in the order of their years (the undated row stays last, a row without
    # a year first), then the rows after the body (the totals row): one gather of the rows, and of each mask's
    shown = [*table.frame["year"].head(n).to_list(), *added["year"].to_list()]
    order = sorted(
        range(len(shown)),
        key=lambda i: (0, "") if shown[i] is None else (1, "9999" if shown[i] == UNDATED else shown[i]),
    )

    def rows(stacked: pl.DataFrame, tail: int) -> pl.DataFrame:
        return stacked[[*order, *range(len(shown), len(shown) + tail)]]

    def follow(mask: pl.DataFrame, empty: Any) -> pl.DataFrame:
        """A row-aligned mask of the table (body, then the totals row) in the new row order."""
        if not mask.width:
            return mask
        blank = pl.DataFrame({c: [empty] * len(years) for c in mask.columns}, schema=mask.schema)
        return rows(pl.concat([mask.head(n), blank, mask.tail(mask.height - n)]), mask.height - n)

    tail = table.frame.tail(table.frame.height - n)
    if set(table.frame.columns) == set(added.columns):
        # the added rows' columns in the frame's order, of its types: the frames stacked as they are, no query
        frame = rows(pl.concat([table.frame.head(n), added[table.frame.columns], tail]), tail.height)
    else:
        frame = rows(pl.concat([table.frame.head(n), added, tail], how="diagonal_relaxed"), tail.height)
        frame = frame.select(table.frame.columns)
    return dataclasses.replace(
        table,
        frame=frame,
        reasons=follow(table.reasons, None),
        known=follow(table.known, False),
        known_values=follow(table.known_values, None),
    )


def _victims_column(table: DisclosedTable, flagged: Mapping[int, str]) -> DisclosedTable:
    """The total column of a protected year × category table as the table of victims per year (a table of one
    category is its own total)."""
    total = table.total_label if table.has_total_column else table.count_columns[0]
    return DisclosedTable(
        frame=table.frame.select(
            "year",
            _notes(table.frame["year"].fill_null(""), flagged),
            pl.col(total).alias(VICTIMS),
            pl.col(total + "_suppressed").alias(VICTIMS + "_suppressed"),
        ),
        count_columns=(VICTIMS,),
        rule=table.rule,
        n_primary=int((table.reasons[total] == "small").sum()),
        n_secondary=int((table.reasons[total] == "complement").sum()),
        has_total_row=True,
        reasons=table.reasons.select(pl.col(total).alias(VICTIMS)),
        perturbed=table.perturbed,
    )


def _protected_category_rows(
    tables: tuple[DisclosedTable, DisclosedTable],
    values: tuple[pl.DataFrame, pl.DataFrame],
    categories: Sequence[str],
    total: str,
    rule: DisclosureRule,
    *,
    panel: Mapping[int, _PanelRow] | None = None,
    yearly: _YearlyColumn | None = None,
    beside: Mapping[str, tuple[int, float]] | None = None,
    censored_high: int = PUBLISHER_CENSORED_HIGH,
    printed: pl.DataFrame | None = None,
) -> tuple[DisclosedTable, DisclosedTable]:
    """The two bounds of a year × category table of a publisher's censored counts (``tables``, primary
    suppression; ``values``: their true bounds, row for row), with further cells withheld (``x``) until no
    withheld cell with a part the publisher printed exactly follows from its row. Malaysia 2019 at threshold 10:
    Female 91, Male ``<10``, total 96 gave Male = 5 back; Female is withheld too.

    One system per row (the rows share no margin; :func:`protect_linked`), of the cells' values: a cell is its
    exact part and its censored parts (``k`` of them, ``k`` to ``wk`` victims, ``w`` the ``censored_high`` of
    the publisher's cells: 4 for its ``<5``, 9 for a file's ``<10``, whose bounds are its own public figures,
    known to the reader); the sum of categories, where printed, gives each
    bound's sum; the total (printed here and in the yearly table, never withheld here) is taken to be the
    categories' sum where it can be (between the sum's bounds). A cell withheld is withheld in both bounds.
    ``printed``: each category's part printed exactly, cell for cell (read from the bounds without it:
    :func:`_cell_parts`)."""
    low_table, high_table = tables
    low, high = values
    withheld: dict[str, set[int]] = {}
    blanks: list[int] = []
    emptied: dict[str, list[int]] = {}
    whole: list[int] = []
    # the columns as lists, read once (a cell of a frame read by row and column is a query of its own)
    lows = {c: low[c].to_list() for c in categories if c in low.columns}
    highs = {c: high[c].to_list() for c in lows}
    prints = {c: printed[c].to_list() if printed is not None and c in printed.columns else None for c in lows}
    why = {
        c: (low_table.reasons[c].to_list(), high_table.reasons[c].to_list()) for c in low_table.count_columns
    }
    for row in range(low.height):
        present = [c for c in lows if lows[c][row] is not None]
        # each cell's exact part E, its k censored cells and the most they hold: low E + k, high E + top
        split = {
            c: _cell_parts(lows[c][row], highs[c][row], _at(prints[c], row), censored_high) for c in present
        }
        exact = {c: e for c, (e, _, _) in split.items()}
        parts = {c: k for c, (_, k, _) in split.items()}
        tops = {c: top for c, (_, _, top) in split.items()}
        reasons = {
            c: (
                SMALL_REASON
                if SMALL_REASON in (low_why[row], high_why[row])
                else low_why[row] or high_why[row]
            )
            for c, (low_why, high_why) in why.items()
        }
        # the row's own withheld cells, and the counts printed elsewhere that it holds: its total (withheld as
        # the yearly table withholds it) and the steady reporters' count (``panel``)
        margin = panel.get(row) if panel is not None else None
        if not (
            any(exact[c] > 0 and reasons[c] is not None for c in present)
            or (
                reasons.get(total) is not None
                and total in low.columns
                and _exact_part(low, high, total, row, censored_high)
            )
            or (margin is not None and any(margin[2]) and _panel_exact(margin, present, exact))
        ):
            continue
        added, blank = _protect_category_row(
            (low_table, high_table),
            (low, high),
            row,
            present,
            parts,
            exact,
            reasons,
            total,
            rule,
            panel=margin,
            yearly=None if yearly is None else yearly.beside(str(low_table.frame["year"][row])),
            bounds=None if beside is None else beside.get(str(low_table.frame["year"][row])),
            censored_high=censored_high,
            tops=tops,
        )
        if added is _WHOLE_ROW:  # the cells printed exactly left empty, and the sum
            for c in present:
                if exact[c] > 0:
                    emptied.setdefault(c, []).append(row)
            whole.append(row)
            added = ()
        for quantity in added:
            column = quantity[0] if quantity[0] == CATEGORY_SUM else quantity[1]  # type: ignore[index]
            withheld.setdefault(str(column), set()).add(row)
        if blank:
            blanks.append(row)
    for column, rows in sorted(withheld.items()):
        low_table = withhold_cells(low_table, column, sorted(rows))
        high_table = withhold_cells(high_table, column, sorted(rows))
    if blanks and CATEGORY_SUM in low_table.count_columns:
        emptied.setdefault(CATEGORY_SUM, []).extend(blanks)
    for column, empty in emptied.items():
        low_table, high_table = (_blank_cells(t, column, empty) for t in (low_table, high_table))
    if whole:
        low_table, high_table = (_noted(t, whole) for t in (low_table, high_table))
    return low_table, high_table


def _cell_parts(low: int, high: int, printed: int | None, censored_high: int) -> tuple[int, int, int]:
    """A cell's exact part ``E``, its number ``k`` of the publisher's censored cells and the most they hold
    (``top``): low ``E + k``, high ``E + top``. From the part the publisher printed (``printed``: the counts'
    own, whatever the censored cells' widths: a ``<3`` beside ``<10``), else from the bounds, each censored cell 1
    to ``censored_high`` (``top`` = ``wk``)."""
    if printed is None:
        k = (high - low) // (censored_high - 1)
        exact = max(low - k, 0)
    else:
        exact, k = printed, low - printed
    return exact, k, high - exact


def _at(values: Sequence[Any] | None, row: int) -> Any:
    """The value of ``values`` at ``row`` (None without values), an int where there is one."""
    if values is None or values[row] is None:
        return None
    return int(values[row])


def _small_parts(low: int, high: int, censored_high: int = PUBLISHER_CENSORED_HIGH) -> int:
    """How many of the publisher's censored cells (each 1 to ``censored_high``: 4 for UNODC's ``<5``, 9 for a
    file's ``<10``) a count of true bounds ``low`` and ``high`` holds: ``k`` of ``E + k`` to ``E + wk`` (``w``
    the censored high, ``E`` printed exactly); 0 where the bounds are of another form (a file's ``<10`` read as
    UNODC's ``<5``: 1 to 9 is no ``E + k`` to ``E + 4k`` of any ``E`` of 0 or more)."""
    k, rest = divmod(high - low, censored_high - 1)
    return k if not rest and low - k >= 0 else 0


def _printed_part(low: int, high: int, censored_high: int = PUBLISHER_CENSORED_HIGH) -> int:
    """The part of a cell of true bounds ``low`` and ``high`` the publisher printed exactly: ``E`` of ``E + k`` to
    ``E + wk`` (``w``: ``censored_high``), the cell itself where both bounds are one, else 0 (bounds of another
    form: :func:`_small_parts`)."""
    if low == high:
        return low
    k = _small_parts(low, high, censored_high)
    return low - k if k else 0


def _exact_part(
    low: pl.DataFrame, high: pl.DataFrame, column: str, row: int, censored_high: int = PUBLISHER_CENSORED_HIGH
) -> bool:
    """Whether a cell of ``column`` (its true bounds ``low`` and ``high``: ``E + k`` and ``E + wk``, ``w`` the
    ``censored_high`` of the publisher's cells) has a part the publisher printed exactly."""
    lo, hi = low[column][row], high[column][row]
    return lo is not None and hi is not None and int(lo) - (int(hi) - int(lo)) // (censored_high - 1) > 0


def _panel_exact(margin: _PanelRow, present: Sequence[str], exact: Mapping[str, int]) -> bool:
    """Whether a row's steady reporters' count has a part the publisher printed exactly."""
    return sum(exact[c] for c in present if c in margin[0]) > 0


def _noted(table: DisclosedTable, rows: Sequence[int]) -> DisclosedTable:
    """``table`` with the note :data:`BREAKDOWN_WITHHELD` at ``rows`` (a note column added after the year where
    the table has none)."""
    notes = table.frame["note"].to_list() if "note" in table.frame.columns else [""] * table.frame.height
    for row in rows:
        notes[row] = BREAKDOWN_WITHHELD
    frame = table.frame.with_columns(pl.Series("note", notes, dtype=pl.String))
    if "note" not in table.frame.columns:
        frame = frame.select("year", "note", pl.exclude("year", "note"))
    return dataclasses.replace(table, frame=frame)


def _blank_cells(table: DisclosedTable, column: str, rows: Sequence[int]) -> DisclosedTable:
    """``table`` with the cells of ``column`` at ``rows`` left empty: not published, with no label (an ``x``
    says at least the threshold, which can itself give a cell back)."""
    values = table.frame[column].to_list()
    why = table.reasons[column].to_list()
    for row in rows:
        values[row], why[row] = None, None
    return dataclasses.replace(
        table,
        # the columns replaced without a query (:func:`with_series`: ``with_columns`` of the same Series)
        frame=with_series(
            table.frame,
            [
                pl.Series(column, values, dtype=pl.Int64),
                pl.Series(column + "_suppressed", [w is not None for w in why]),
            ],
        ),
        reasons=with_series(table.reasons, [pl.Series(column, why, dtype=pl.String)]),
    )


#: What :func:`_protect_category_row` gives for a row that no complement frees: the labels of its withheld cells
#: and the total the brief prints (here and in the yearly table) pin a cell (Estonia's sexes of 2015 at threshold
#: 10: total 13, Male the publisher's ``<5``, Female ``<10``: Female = 9). Its cells printed exactly are left empty
#: (no label: a ``<10`` says at most 9), the publisher's ``<5`` kept; the total stays what it is everywhere.
_WHOLE_ROW: Final = ("whole row",)


def _protect_category_row(
    tables: tuple[DisclosedTable, DisclosedTable],
    values: tuple[pl.DataFrame, pl.DataFrame],
    row: int,
    present: Sequence[str],
    parts: Mapping[str, int],
    exact: Mapping[str, int],
    reasons: Mapping[str, str | None],
    total: str,
    rule: DisclosureRule,
    *,
    sum_shown: bool = True,
    panel: _PanelRow | None = None,
    yearly: _YearlyRest | None = None,
    bounds: tuple[int, float] | None = None,
    censored_high: int = PUBLISHER_CENSORED_HIGH,
    tops: Mapping[str, int] | None = None,
) -> tuple[Collection[Hashable], bool]:
    """The cells of one row of :func:`_protected_category_rows` to withhold further, and whether its sum of
    categories is to be left empty: when no complement frees the row with the sum shown or withheld (Hungary's
    2008 at threshold 10: Female 9, Male ``<5``, a sum of 10–13 withheld as ``x``, at least 10, gives
    Female = 9), the row is protected with the sum left empty; failing that, every cell that can be withheld
    is."""
    system = LinkedCounts()
    system.publish(ONE, 1, None)
    among = _category_row_lines(
        system,
        tables,
        values,
        row,
        present,
        parts,
        exact,
        reasons,
        total,
        rule,
        sum_shown=sum_shown,
        panel=panel,
        yearly=yearly,
        bounds=bounds,
        censored_high=censored_high,
        tops=tops,
    )
    try:
        added = protect_linked(system, rule, among=among)
        return {**added, **_total_freed(system, total, among - set(added), rule)}, not sum_shown
    except DisclosureError:  # no complement frees it: the sum left empty, else the row's breakdown
        if sum_shown and CATEGORY_SUM in values[0].columns:
            return _protect_category_row(
                tables,
                values,
                row,
                present,
                parts,
                exact,
                reasons,
                total,
                rule,
                sum_shown=False,
                panel=panel,
                yearly=yearly,
                bounds=bounds,
                censored_high=censored_high,
                tops=tops,
            )
        return _WHOLE_ROW, True


def _category_row_lines(
    system: LinkedCounts,
    tables: tuple[DisclosedTable, DisclosedTable],
    values: tuple[pl.DataFrame, pl.DataFrame],
    row: int,
    present: Sequence[str],
    parts: Mapping[str, int],
    exact: Mapping[str, int],
    reasons: Mapping[str, str | None],
    total: str,
    rule: DisclosureRule,
    *,
    sum_shown: bool = True,
    panel: _PanelRow | None = None,
    yearly: _YearlyRest | None = None,
    name: Callable[[Hashable], Hashable] = lambda quantity: quantity,
    parts_apart: bool = False,
    bounds: tuple[int, float] | None = None,
    censored_high: int = PUBLISHER_CENSORED_HIGH,
    tops: Mapping[str, int] | None = None,
) -> set[Hashable]:
    """One row of a year × category table of censored counts in ``system`` (:func:`_protect_category_row`): its
    cells (exact and censored parts), its total where it is their sum, each bound of its sum of categories, the
    steady reporters' count and the yearly table's other years; returns the quantities that may be withheld.
    ``name``: each quantity's name in ``system`` (a row's own, where several rows share one: ONE and the yearly
    table's years stay shared). ``parts_apart``: the exact part beside a cell's ``<5`` a count of its own
    (``("exact", category)``), known where an end of the cell is printed, not a constant the reader always
    knows (:func:`_protected_with_column_totals`: a cell withheld as ``x`` or left empty hides it). ``bounds``: the
    least and the most the year's victims can be by the brief's other tables by category
    (:func:`_breakdown_year_bounds`), read where the row's total is withheld. ``censored_high``: the high bound of
    the publisher's censored cells (a cell's ``k`` of them hold ``k`` to ``wk``); ``tops``: the most each cell's
    censored cells hold, where read from the part printed (:func:`_cell_parts`), else ``wk``."""
    width = censored_high
    if tops is None:
        tops = {c: width * parts[c] for c in present}
    low_table, high_table = tables
    low, high = values
    printed = low[total][row] if total in low.columns else None
    sum_low = sum(int(low[c][row]) for c in present)
    sum_high = sum(int(high[c][row]) for c in present)
    # the censored parts' truth: where the total can be the categories' sum, one that makes it so
    spare = int(printed) - sum_low if printed is not None and sum_low <= printed <= sum_high else 0
    among: set[Hashable] = set()
    for c in present:
        cell, censored = name(("cell", c)), name(("censored", c))
        extra = min(spare, tops[c] - parts[c])
        spare -= extra
        system.quantity(cell, exact[c] + parts[c] + extra)
        if parts[c]:
            system.quantity(censored, parts[c] + extra)
            system.at_most += [
                {censored: 1.0, ONE: -float(tops[c])},
                {ONE: float(parts[c]), censored: -1.0},
            ]
            if parts_apart and exact[c]:
                part = name(("exact", c))
                system.quantity(part, exact[c])
                system.equalities.append({cell: 1.0, censored: -1.0, part: -1.0})
            else:
                system.equalities.append({cell: 1.0, censored: -1.0, ONE: -float(exact[c])})
        # the publisher's <5 alone: its bounds are its own public figure, read as printed
        reason = reasons[c] if exact[c] > 0 else None
        if parts_apart and exact[c] and parts[c]:
            # an end printed (a range, ``up to 12``, ``at least 12``) gives the exact part, never the count: its
            # <5 are the publisher's; the count's label, where withheld, is read of the count
            if any(t.reasons[c][row] is None and t.frame[c][row] is not None for t in tables):
                _publish_read(system, name(("exact", c)), exact[c], None, rule)
            if reason is None:
                among.add(name(("exact", c)))
            else:
                _publish_read(system, cell, system.values[cell], reason, rule)
            continue
        if exact[c] > 0 or not parts[c]:
            _publish_read(system, cell, system.values[cell], reason, rule)
        if reason is None and exact[c] > 0:
            among.add(cell)
    cells: dict[Hashable, float] = {name(("cell", c)): 1.0 for c in present}
    row_total = name(total)
    if printed is not None and sum_low <= printed <= sum_high:
        system.quantity(row_total, int(printed))
        _publish_read(system, row_total, int(printed), reasons[total], rule)
        # a total of the publisher's ranges is its low bound (its exact part and one for each <5 in it), as the
        # yearly table's years and total row are read: the cells' count is that less its k <5 and what they
        # hold, k to wk, which need not be the categories' own (read as the cells' count, a year's 13-25 capped
        # their exact parts at 13 less their <5)
        total_parts = _small_parts(int(printed), int(high[total][row]), width)
        if total_parts:
            held = name(("censored", total))
            system.quantity(held, total_parts)
            system.at_most += [
                {held: 1.0, ONE: -float(width) * total_parts},
                {ONE: float(total_parts), held: -1.0},
            ]
            system.equalities.append({**cells, row_total: -1.0, ONE: float(total_parts), held: -1.0})
        else:
            system.equalities.append({**cells, row_total: -1.0})
        their_sum = sum(system.values[q] for q in cells)
        if bounds is not None and reasons[total] is not None and bounds[0] <= their_sum <= bounds[1]:
            # the year withheld here and in the yearly table, bounded by the other tables' rows of the year
            system.at_most.append({ONE: float(bounds[0]), **{q: -1.0 for q in cells}})
            if bounds[1] < math.inf:
                system.at_most.append({**cells, ONE: -float(bounds[1])})
        if yearly is not None:  # the yearly table's other years and its total row, printed in the same brief
            others, (grand, grand_reason) = yearly
            for year, (low_bound, reading, held) in others.items():
                _yearly_reading(system, ("year", year), low_bound, reading, held, rule, width)
            _publish_read(system, ("year", "total"), grand, grand_reason, rule)
            system.equalities.append(
                {row_total: 1.0, **{("year", year): 1.0 for year in others}, ("year", "total"): -1.0}
            )
    if sum_shown and CATEGORY_SUM in low.columns:  # each bound of the sum: exact parts and censored bounds
        for end, held_parts, table in (("low", parts, low_table), ("high", tops, high_table)):
            sum_bound = name((CATEGORY_SUM, end))
            value = sum(exact[c] + held_parts[c] for c in present)
            system.quantity(sum_bound, int(value))
            # a sum of the publisher's <5 alone is its own public figure, read as printed
            sum_reason = table.reasons[CATEGORY_SUM][row] if any(exact[c] for c in present) else None
            _publish_read(system, sum_bound, int(value), sum_reason, rule)
            system.equalities.append(
                {
                    **cells,
                    **{name(("censored", c)): -1.0 for c in present if parts[c]},
                    ONE: float(sum(held_parts[c] for c in present)),
                    sum_bound: -1.0,
                }
            )
            if table.reasons[CATEGORY_SUM][row] is None:
                among.add(sum_bound)
    if panel is not None:  # the steady reporters' count, printed in its own table: each bound, as the sum's
        members, truth, why = panel
        summed = [c for c in present if c in members]
        k = sum(parts[c] for c in summed)
        top = sum(tops[c] for c in summed)
        e = sum(exact[c] for c in summed)
        if summed and truth == (e + k, e + top):  # its reporters' cells add up to it
            for end, held, reason in (("low", k, why[0]), ("high", top, why[1])):
                count = name(("panel", end))
                system.quantity(count, e + held)
                _publish_read(system, count, e + held, reason, rule)
                system.equalities.append(
                    {
                        **{name(("cell", c)): 1.0 for c in summed},
                        **{name(("censored", c)): -1.0 for c in summed if parts[c]},
                        ONE: float(held),
                        count: -1.0,
                    }
                )
    return among


#: The dimensions whose categories' totals over a selection's years other tables publish, in the route table and
#: the country brief's corridors of the same selection, and the column of a flow (origin, destination) there: a
#: corridor's, a destination's (the country's nationals' corridors into it) or a citizenship's (the corridors from
#: it into the country).
TOTALS_PUBLISHED_ELSEWHERE: Final[Mapping[str, Callable[[str, str], str]]] = {
    "corridor": lambda origin, destination: f"{origin}>{destination}",
    "destination": lambda origin, destination: destination,
    "citizenship": lambda origin, destination: origin,
}


#: A sum of a table's columns over the years that a route table publishes: the columns summed, and the reason
#: each bound is withheld there or None, as a reader reads the cell (:func:`_pair_statuses`).
_Margin = tuple[tuple[str, ...], tuple[str | None, str | None]]


class _RouteMargins(NamedTuple):
    """What the route tables publish of a table's columns (:func:`_route_margins`): the rows' totals (each
    corridor listed, "All other routes", the victims on a known route) and the class cells of "All other routes"
    and of the totals row, which the joint protection adds second (:func:`_protected_with_column_totals`)."""

    rows: list[_Margin]
    classes: list[_Margin]

    def every(self) -> list[_Margin]:
        """The rows' totals and the class cells, in one list."""
        return [*self.rows, *self.classes]


def _route_margins(
    selection: Selection, rule: DisclosureRule, by_counts: pl.DataFrame, by: str
) -> _RouteMargins:
    """What the route tables of ``selection`` publish of the columns of its table by ``by`` (a key of
    :data:`TOTALS_PUBLISHED_ELSEWHERE`; ``by_counts``: its true bounds per year and category, a corridor's
    ``ORIGIN>DESTINATION``), summed over the years: each corridor listed,
    "All other routes" and the victims on a known route (the key figures), and the class cells of "All other
    routes" and of the totals row, each as (the columns summed, the reason
    each bound is withheld there or None), in the listing of every corridor: a listing of any length is a view of
    it (:func:`_first_listed`) and publishes nothing it does not. A row is a sum of columns only where its flows'
    true bounds are theirs: a corridor's row of doubtful years holds cells the table leaves out."""
    # each category's sums in one aggregation: iterating the groups gathered a frame for each (a table by corridor
    # has hundreds), ~5 % of yearly_numbers over the route dimensions; the same sums (5,499 calls compared)
    # summed as lists, not a query per table (the sums polars gave: the rows with a low bound, a missing high
    # bound adding nothing)
    truth: dict[str, tuple[int, int]] = {}
    for category, low, high in zip(
        by_counts[by].to_list(),
        by_counts["count_low"].to_list(),
        by_counts["count_high"].to_list(),
        strict=True,
    ):
        if low is not None:
            least, most = truth.get(str(category), (0, 0))
            truth[str(category)] = (least + int(low), most + int(high or 0))
    every = route_numbers(selection, rule, top_n=EVERY_CORRIDOR)
    if every is None or every.exact:
        return _RouteMargins([], [])
    return _listing_margins(every, truth, by)


def _listing_margins(numbers: RouteBounds, truth: Mapping[str, tuple[int, int]], by: str) -> _RouteMargins:
    """:func:`_route_margins` of one route table (``truth``: each category's true bounds in the table by
    ``by``)."""
    column = TOTALS_PUBLISHED_ELSEWHERE[by]
    keys = ["origin_iso3", "destination_iso3", "route_basis"]
    flows = numbers.flow_table
    flow_keys = list(zip(*(flows[k].to_list() for k in keys), strict=True))
    bounds = list(zip(flows["victims_low"].to_list(), flows["victims_high"].to_list(), strict=True))
    listed = {r["route"]: tuple(r[k] for k in keys) for r in numbers.low.corridors.iter_rows(named=True)}
    # each cell as the reader sees it (:func:`published_pair`): a bound one view publishes beside the other's
    # withheld is no count (Malta as destination at 11: Ukraine → Malta x, its high bound 23 read as printed gave
    # 2007's Russian Federation → Malta back whatever the table by corridor withheld, so it was left to the
    # other tables, whose class cells pin it)
    shown = Bounds(numbers.low.table, numbers.high.table)
    rule = numbers.low.table.rule
    rows: list[tuple[list[int], tuple[Any, Any]]] = []
    at_row: list[int] = []  # the table's row of each of ``rows``
    for index, ((label, _, _), pair) in enumerate(
        zip(numbers.low.row_totals(), shown.cells(numbers.low.table.total_label), strict=True)
    ):
        if label in listed:
            rows.append(([i for i, key in enumerate(flow_keys) if key == listed[label]], pair))
        elif label == OTHER_ROUTES:
            taken = set(listed.values())
            rows.append(([i for i, key in enumerate(flow_keys) if key not in taken], pair))
        else:
            continue
        at_row.append(index)
    known = published_pair(numbers.low.known_figure(), numbers.high.known_figure(), rule.label)

    def of_columns(at: list[int]) -> tuple[str, ...] | None:
        """The columns whose sum the flows ``at`` are, or None: a flow of no column (a route the table has no cell
        of) adds to them only if it is empty, and a corridor's doubtful years or those the table leaves out are in
        no column."""
        summed = tuple(sorted({column(flow_keys[i][0], flow_keys[i][1]) for i in at} & set(truth)))
        theirs = tuple(sum(int(bounds[i][j]) for i in at) for j in (0, 1))
        if summed and tuple(sum(truth[c][j] for c in summed) for j in (0, 1)) == theirs:
            return summed
        return None

    # the victims on a known route less the rows published that are no sums of columns: "All other routes" of any
    # length is that less the corridors before it (Argentina as destination at 11: 7,940–8,056 less Argentina →
    # Argentina, whose route holds years the table by corridor leaves out, Bolivia and Paraguay: the listing of
    # three's 685–796)
    apart_rows = {
        row: at
        for row, (at, pair) in zip(at_row, rows, strict=True)
        if not any(map(_is_label, pair)) and of_columns(at) is None
    }
    apart = {i for at in apart_rows.values() for i in at}
    rows.append((list(range(len(flow_keys))), known))
    if apart:
        rows.append(([i for i in range(len(flow_keys)) if i not in apart], known))
    # the class cells of "All other routes" and of the totals row: each class's flows among the other routes and
    # among all, sums of columns too (Mexico as both at 11: the totals row's transregional 35–68, China → Mexico
    # and Mexico → Israel x in it, gave 2008's China → Mexico back beside the table by corridor)
    table = numbers.low.table
    labels = table.frame["route"].to_list()
    classes = [str(c) for c in flows["flow_class"].to_list()]
    taken = set(listed.values())
    of_rows = len(rows)
    for flow_class, label in ROUTE_CLASS_LABELS.items():
        if label not in table.count_columns:
            continue
        of_class = [i for i in range(len(flow_keys)) if classes[i] == flow_class]
        for row, at in (
            (
                labels.index(OTHER_ROUTES) if OTHER_ROUTES in labels else None,
                [i for i in of_class if flow_keys[i] not in taken],
            ),
            (table.frame.height - 1 if table.has_total_row else None, of_class),
        ):
            if row is None or not at:
                continue
            cells = shown.cells(label)
            rows.append((at, cells[row]))
            # less the rows apart whose cell of the class is printed: "All other routes" of a route no sum of
            # columns holds, beside its intraregional <11, takes nothing from the totals row's intraregional
            # (Malta as destination at 11: read as Ukraine → Malta's 20–23, it gave 2007's Russian Federation →
            # Malta back whatever the table by corridor withheld)
            printed = {
                i
                for apart_row, of_row in apart_rows.items()
                if not any(map(_is_label, cells[apart_row]))
                for i in of_row
            }
            if printed & set(at):
                rows.append(([i for i in at if i not in printed], cells[row]))
    margins: tuple[list[_Margin], list[_Margin]] = ([], [])
    for n, (at, pair) in enumerate(rows):
        summed = of_columns(at)
        if summed is not None:
            top = sum(int(truth[c][1]) for c in summed)
            margins[n >= of_rows].append((summed, _pair_statuses(pair, top, rule)))
    return _RouteMargins(*margins)


def _protected_with_column_totals(
    tables: tuple[DisclosedTable, DisclosedTable],
    values: tuple[pl.DataFrame, pl.DataFrame],
    categories: Sequence[str],
    total: str,
    rule: DisclosureRule,
    *,
    margins: _RouteMargins,
    doubtful: Collection[str] = (),
    panel: Mapping[int, _PanelRow] | None = None,
    yearly: _YearlyColumn | None = None,
    beside: Mapping[str, tuple[int, float]] | None = None,
    panel_table: _PanelTable | None = None,
    censored_high: int = PUBLISHER_CENSORED_HIGH,
    printed: pl.DataFrame | None = None,
) -> tuple[DisclosedTable, DisclosedTable] | None:
    """The two bounds of a year × category table protected row by row (:func:`_protected_category_rows`), with
    further cells withheld (``x``) until nothing withheld follows from all its rows together and the sums of its
    categories over the years that other tables publish (``margins``: the categories summed, and the reason each
    bound is withheld there or None, :func:`_route_margins`; ``doubtful``: the years, as text, whose cells are
    in none of them): the rows share those margins. Mexico as both at threshold 11 (UNODC's 2023 workbook): Mexico → United States
    ``x`` in 2020, protecting Mexico → Guatemala's 5 beside a sum of 844–853, was the route table's 4,763 less
    the years shown, 836, and gave the 5 back. None when no withholding protects the table. ``printed``: each
    category's part printed exactly, as :func:`_protected_category_rows` reads it."""
    low_table, high_table = tables
    low, high = values
    system = LinkedCounts()
    system.publish(ONE, 1, None)
    among: set[Hashable] = set()
    columns: dict[str, list[tuple[Hashable, Hashable | None, int, int, int]]] = {}
    prints = {
        c: printed[c].to_list() if printed is not None and c in printed.columns else None for c in categories
    }
    printed_counts: dict[int, list[Hashable]] = {}  # per row: its counts printed exactly (cells, sum)
    # the columns read as lists once, not a cell at a time (a frame's column and a series' item each call: a
    # fifth of a brief's tables by category): the same values
    lows = {c: low[c].to_list() for c in categories if c in low.columns}
    highs: dict[str, list[Any]] = {}
    shown: dict[str, list[Any]] = {}

    def high_cells(c: str) -> list[Any]:
        if c not in highs:
            highs[c] = high[c].to_list()
        return highs[c]

    def shown_cells(c: str) -> list[Any]:
        if c not in shown:
            shown[c] = low_table.frame[c].to_list()
        return shown[c]

    def year_text(row: int) -> str:
        return str(shown_cells("year")[row])

    for row in range(low.height):
        present = [c for c in categories if c in lows and lows[c][row] is not None]
        if not present:
            continue
        # each cell's exact part E, its k censored cells and the most they hold: low E + k, high E + top
        split = {
            c: _cell_parts(int(lows[c][row]), int(high_cells(c)[row]), _at(prints[c], row), censored_high)
            for c in present
        }
        exact = {c: e for c, (e, _, _) in split.items()}
        parts = {c: k for c, (_, k, _) in split.items()}
        tops = {c: top for c, (_, _, top) in split.items()}
        reasons: dict[str, str | None] = {}
        for c in low_table.count_columns:
            low_why, high_why = low_table.reasons[c][row], high_table.reasons[c][row]
            reason = SMALL_REASON if SMALL_REASON in (low_why, high_why) else low_why or high_why
            # a cell left empty (the row's breakdown withheld) is published nowhere, but a small one is still
            # kept (Portugal as both at 11: 2014's Bulgaria, 10, left empty by the row protection, was Bulgaria
            # → Portugal in the route table, 22–25, less 2016's printed 11)
            if reason is None and shown_cells(c)[row] is None:
                small = exact.get(c, 0) > 0 and rule.is_small(exact[c] + parts[c])
                reason = UNLABELLED if small else _UNPUBLISHED
            reasons[c] = reason
        sum_shown = CATEGORY_SUM in low_table.count_columns and reasons[CATEGORY_SUM] != _UNPUBLISHED

        def named(quantity: Hashable, row: int = row) -> Hashable:
            return ("row", row, quantity)

        among |= _category_row_lines(
            system,
            tables,
            values,
            row,
            present,
            parts,
            exact,
            reasons,
            total,
            rule,
            sum_shown=sum_shown,
            panel=panel.get(row) if panel is not None else None,
            yearly=None if yearly is None else yearly.beside(year_text(row)),
            name=named,
            parts_apart=True,
            bounds=None if beside is None else beside.get(year_text(row)),
            censored_high=censored_high,
            tops=tops,
        )
        for c in present if year_text(row) not in doubtful else ():
            # a doubtful year's breakdown is shown but counted in no corridor's route: the route table gives it a
            # row of its own (Nigeria as destination: Benin → Nigeria 459 beside 40 more in a doubtful year)
            censored = named(("censored", c)) if parts[c] else None
            columns.setdefault(c, []).append((named(("cell", c)), censored, exact[c], parts[c], tops[c]))
        printed_counts[row] = [
            *(named(("cell", c)) for c in present if exact[c]),
            *(named(("exact", c)) for c in present if exact[c] and parts[c]),
            *(named((CATEGORY_SUM, end)) for end in ("low", "high")),
        ]
    if panel is not None and panel_table is not None:
        # the steady reporters' total row: their years the rows give, and the others as their table shows them
        # (Brazil as origin at 11: its 537-540 less the years 2009-2019 of Spain and the Netherlands, less the
        # route tables' Brazil → Spain and → Netherlands, gave 2020's Spain, 5, back once 2008's 13 was printed)
        at = {str(y): r for r, y in enumerate(low_table.frame["year"].to_list())}
        years, (total_truth, total_why) = panel_table
        for end, i in (("low", 0), ("high", 1)):
            reported: dict[Hashable, float] = {}
            for year, (truth, why) in years.items():
                count: Hashable = ("row", at.get(year), ("panel", end))
                if count not in system.values:
                    count = ("panel year", year, end)
                    _publish_read(system, count, truth[i], why[i], rule)
                reported[count] = 1.0
            _publish_read(system, ("panel total", end), total_truth[i], total_why[i], rule)
            system.equalities.append({**reported, ("panel total", end): -1.0})
    # a year's total the rows leave exposed on their own is one the row protection let stand (the publisher's <5
    # alone, in the yearly table too): known already, not this protection's to undo, and so is a cell of a row it
    # left empty (Brazil as origin at 11: 2016's Netherlands, 7, beside the steady reporters' count); any other
    # cell stays a target (Benin as both at 11: 2020's Benin → Nigeria, 9, beside the route table's 459). Only
    # where the others give it back whatever this table prints (:func:`_given_by_the_others`): Ukraine as origin
    # on a <10 copy at 11, the steady reporters' 2011 (Ukraine → Netherlands 6 and a <10) was their total row
    # less their years printed and 2013's, which this table's 2013 Poland, 16, gave, and is kept by withholding it
    exposed = [q for q in linked_exposures(system, rule) if not _is_cell(q) or system.status[q] == UNLABELLED]
    _known_already(system, _given_by_the_others(system, rule, exposed, printed_counts))

    def read(stage: Sequence[_Margin], first: int) -> bool:
        """The sums of columns ``stage`` in ``system``, named from ``first`` on; whether any holds a count printed
        exactly."""
        added = False
        for n, (summed, why) in enumerate(stage, start=first):
            held = [cell for c in summed for cell in columns.get(c, [])]
            if not any(exact for _, _, exact, _, _ in held):
                continue  # the publisher's <5 alone: its own public figures
            added = True
            k = sum(part for _, _, _, part, _ in held)
            top = sum(most for _, _, _, _, most in held)
            exact_sum = sum(exact for _, _, exact, _, _ in held)
            for end, parts_held, reason in (("low", k, why[0]), ("high", top, why[1])):
                name = ("margin", n, end)
                _publish_read(system, name, exact_sum + parts_held, reason, rule)
                line: dict[Hashable, float] = {cell: 1.0 for cell, _, _, _, _ in held}
                line.update({censored: -1.0 for _, censored, _, _, _ in held if censored is not None})
                system.equalities.append({**line, ONE: float(parts_held), name: -1.0})
        return added

    read(margins.rows, 0)
    shown_before = {q for q in among if system.status.get(q) is None}
    empty = _protected_jointly(system, rule, among, printed_counts)
    if empty is None:
        return None
    # the class cells second, from the table protected with the rows' totals, which most often hides what they
    # hold already: protected with them from the start, the search met counts no one complement frees and gave up
    # (Brazil as origin by destination at 11: 2014's Ireland, 8, beside the totals row's transregional; 6 counts
    # shown fewer than before the class cells were read, none so)
    if read(margins.classes, len(margins.rows)):
        more = _protected_jointly(system, rule, among, printed_counts)
        if more is None:
            return None
        empty |= more
    added = {q for q in shown_before if q in among and system.status.get(q) is not None}
    withheld: dict[str, set[int]] = {}
    for row, column in map(_table_cell, added):
        withheld.setdefault(column, set()).add(row)
    for column, rows in sorted(withheld.items()):
        low_table = withhold_cells(low_table, column, sorted(rows))
        high_table = withhold_cells(high_table, column, sorted(rows))
    return (
        _without_breakdowns(low_table, high_table, values, sorted(empty), censored_high)
        if empty
        else (low_table, high_table)
    )


def _high_ends_follow(system: LinkedCounts, among: set[Hashable]) -> Callable[[], None] | None:
    """Take each row's printed sum of categories (``among``'s two ends, shown) out of ``system`` but for its low
    end, which stands for the whole label while it is protected; returns what puts the high ends back, shown or
    withheld as their low ends are, or None when no sum is printed at both ends (nothing taken out: the model is
    that of two counts). The two ends are one label and each follows from the other (the high end is
    the low end and three times the row's ``<5``, which the labels give): withholding one alone frees nothing, so
    no complement at a time frees a count behind a sum, and the search gave up on it as pinned by its labels
    (Mexico as both at threshold 11: 2017's Mexico → Guatemala, 5, its year's only count, beside its column's
    total and 2020's sum, whose Mexico → United States was withheld; then the whole table was withheld)."""
    highs: dict[Hashable, Hashable] = {}
    for quantity in among:
        if not (
            isinstance(quantity, tuple) and quantity[0] == "row" and quantity[2] == (CATEGORY_SUM, "low")
        ):
            continue
        high = (*quantity[:2], (CATEGORY_SUM, "high"))
        shown = [
            system.status.get(end, "") is None and end not in system.published_too for end in (quantity, high)
        ]
        if high in among and all(shown):
            highs[high] = quantity
    if not highs:
        return None
    for shown_high in highs:
        del system.status[shown_high]
        among.discard(shown_high)

    def put_back() -> None:
        for high, low in highs.items():
            if low in system.status:
                system.status[high] = system.status[low]
            if low in among:
                among.add(high)

    return put_back


def _protected_jointly(
    system: LinkedCounts,
    rule: DisclosureRule,
    among: set[Hashable],
    printed: Mapping[int, Collection[Hashable]],
) -> set[int] | None:
    """Withhold counts of ``among`` (each ``("row", row, quantity)`` of :func:`_protected_with_column_totals`)
    until nothing withheld follows from ``system``; the rows whose counts printed exactly (``printed``, by row)
    are to be left empty, or None when nothing will do. A cell the other tables give back whatever is withheld
    here, by this table's labels (Honduras → Belize 18 in the route table, 2017's and 2018's 9 each ``<11``
    beside sums of ``<11`` with the publisher's ``<5``: 9 each), is left empty with its row's counts printed
    exactly, as a row no complement frees (:data:`_WHOLE_ROW`), its small cells still kept (withheld with no
    label: France as destination at 11, 2010's Poland → France, 9, shown nowhere, was the route table's 41 less
    the column's printed 20 and 2008's 12); a count they give back whatever this table prints
    (:func:`_given_by_the_others`) is theirs (their own protection's), taken as known. Where one count at a
    time frees none (:func:`protect_linked`: a cell and its column's total, shown elsewhere, need two
    complements at once, Malaysia → Australia's 20 of 2009 beside 30 in the route table and 2010's ``<11``),
    every count of the rows and the columns of those left exposed is withheld first, then, failing that, all of
    ``among``. All this is done twice (once where no sum of
    categories is printed at both ends: the two models are one), each printed sum of
    categories as two counts and as one label (:func:`_high_ends_follow`), and the result that withholds fewer
    cells of the table kept: as one label a sum frees what neither end does alone (Mexico as both at 11: 48
    counts shown, not 15), as two the search takes other paths, cheaper for some tables (Switzerland as both
    at 11: 26 counts shown, not 18)."""
    start = _protection_state(system)
    found: list[tuple[int, set[int], _ProtectionState, set[Hashable]]] = []
    for by_labels in (False, True):
        _restore_protection(system, start)
        tried = set(among)
        put_back = _high_ends_follow(system, tried) if by_labels else lambda: None
        if put_back is None:  # no sum printed at both ends: the same search again, the same result
            break
        try:
            empty = _protected_by_labels(system, rule, tried, printed)
        finally:
            put_back()
        if empty is None:
            continue
        withheld = _cells_withheld(system, start, tried, empty, printed)
        found.append((len(withheld), empty, _protection_state(system), tried))
    if not found:
        return None
    _, empty, state, kept = min(found, key=lambda result: result[0])  # of equals, the first
    _restore_protection(system, state)
    among.intersection_update(kept)
    return empty


#: What a protection of a system changes: how each count is published, those one table shows and another
#: withholds, and the derived counts still to protect (:func:`_known_already` takes some as known).
_ProtectionState = tuple[dict[Hashable, str | None], set[Hashable], dict[Hashable, dict[Hashable, float]]]


def _protection_state(system: LinkedCounts) -> _ProtectionState:
    """A copy of what a protection of ``system`` changes."""
    return dict(system.status), set(system.published_too), dict(system.derived)


def _restore_protection(system: LinkedCounts, state: _ProtectionState) -> None:
    """``system`` as it was when ``state`` was taken (:func:`_protection_state`)."""
    status, published_too, derived = state
    system.status.clear()
    system.status.update(status)
    system.published_too.clear()
    system.published_too.update(published_too)
    system.derived.clear()
    system.derived.update(derived)


def _table_cell(quantity: Hashable) -> tuple[int, str]:
    """The cell of the table a quantity of ``among`` (:func:`_protected_with_column_totals`) is printed in: its
    row, and its category, or the sum of categories for either of its ends."""
    _, row, (first, second) = cast(tuple[str, int, tuple[str, str]], quantity)
    return row, first if first == CATEGORY_SUM else second


def _protected_by_labels(
    system: LinkedCounts,
    rule: DisclosureRule,
    among: set[Hashable],
    printed: Mapping[int, Collection[Hashable]],
) -> set[int] | None:
    """:func:`_protected_jointly` by one model of the table (each printed sum of categories as two counts, or
    as one label). Where the search gives up, the rows to leave empty and what else to withhold
    (:func:`_emptied_and_protected`) are found twice, from where it stopped and from where it started (what it
    withheld on the way is no protection, and may be the most of a table: Mexico as both at 11, beside the route
    tables' class cells, 34 counts shown with it, 39 without, 48 before the class cells were read), and the
    result that withholds fewer cells of the table kept (France as destination at 11, by corridor: 61 counts shown
    from where it stopped, 53 afresh)."""
    start = _protection_state(system)
    kept = set(among)
    try:
        protect_linked(system, rule, among=among, patience=8)
        return set()
    except DisclosureError:
        pass
    found: list[tuple[int, set[int], _ProtectionState, set[Hashable]]] = []
    for state in (_protection_state(system), start):
        _restore_protection(system, state)
        among.clear()
        among.update(kept)
        empty = _emptied_and_protected(system, rule, among, printed)
        if empty is not None:
            withheld = _cells_withheld(system, start, among, empty, printed)
            found.append((len(withheld), empty, _protection_state(system), set(among)))
    if not found:
        return None
    _, empty, state, left = min(found, key=lambda result: result[0])  # of equals, the first
    _restore_protection(system, state)
    among.clear()
    among.update(left)
    return empty


def _cells_withheld(
    system: LinkedCounts,
    start: _ProtectionState,
    among: Collection[Hashable],
    empty: Collection[int],
    printed: Mapping[int, Collection[Hashable]],
) -> set[tuple[int, str]]:
    """The cells of the table a joint protection withheld from ``start`` (:func:`_protected_jointly`): those of
    ``among`` shown then and withheld now, and those the rows left empty (``empty``) print."""
    withheld = {_table_cell(q) for q in among if start[0].get(q) is None and system.status.get(q) is not None}
    return withheld | {_table_cell(q) for row in empty for q in printed.get(row, ())}


def _emptied_and_protected(
    system: LinkedCounts,
    rule: DisclosureRule,
    among: set[Hashable],
    printed: Mapping[int, Collection[Hashable]],
) -> set[int] | None:
    """:func:`_protected_by_labels` where the search gave up: the rows whose counts the other tables give back
    whatever is withheld left empty, then the rows and columns of what is still exposed withheld, or all of
    ``among``, and the search run again; the rows left empty, or None when nothing will do."""
    empty: set[int] = set()
    for _ in range(len(printed) + 1):
        shown = {q: system.status[q] for q in among if system.status.get(q) is None}
        system.status.update(dict.fromkeys(shown, COMPLEMENT_REASON))
        given = linked_exposures(system, rule)
        system.status.update(shown)
        rows = {q[1] for q in given if _is_cell(q)} - empty  # type: ignore[index]
        if not rows:
            break
        for row in rows:  # left empty: published nowhere, no label
            for quantity in printed.get(row, ()):
                among.discard(quantity)
                if _is_cell(quantity) and rule.is_small(system.values[quantity]):
                    # a small count the reader knows is there, kept (France's 2010, :func:`_protected_jointly`)
                    system.status[quantity] = UNLABELLED
                else:
                    system.status.pop(quantity, None)
        empty |= rows
    _known_already(system, _given_by_the_others(system, rule, given, printed))
    exposed = linked_exposures(system, rule)
    rows = {q[1] for q in exposed if _is_cell(q) or (isinstance(q, tuple) and q[0] == "row")}  # type: ignore[index]
    columns = {q[2][1] for q in exposed if _is_cell(q)}  # type: ignore[index]
    shown = {q: system.status[q] for q in among if system.status.get(q) is None}
    block = [q for q in shown if q[1] in rows or _table_cell(q)[1] in columns]  # type: ignore[index]
    for wide in (block, list(shown)):
        system.status.update(dict.fromkeys(wide, COMPLEMENT_REASON))
        try:
            protect_linked(system, rule, among=among, patience=8)
            return empty
        except DisclosureError:
            continue
    return None


def _given_by_the_others(
    system: LinkedCounts,
    rule: DisclosureRule,
    given: Collection[Hashable],
    printed: Mapping[int, Collection[Hashable]],
) -> list[Hashable]:
    """Of ``given`` (the counts of :func:`_protected_with_column_totals`' system pinned with every count it may
    withhold withheld), those the other tables give back whatever this table prints: still pinned with each of
    its counts printed exactly (``printed``, by row: its cells, the exact parts beside their ``<5`` and its sums)
    withheld with no label. Any other is the table's own to keep, not the route tables': Mauritania as both by
    citizenship at 11, 2011's 5 was the route table's 19–40 less 2020's exact part, 7, which its ``up to 11``
    (a ``<5`` beside it) prints, a label the row protection gave and this one cannot withhold."""
    if not given:
        return []
    hidden = {q for row in printed.values() if any(map(_is_cell, row)) for q in row if q in system.values}
    alone = LinkedCounts(
        values=dict(system.values),
        status={**system.status, **dict.fromkeys(hidden, UNLABELLED)},
        shares=dict(system.shares),
        equalities=list(system.equalities),
        at_most=list(system.at_most),
        derived=dict(system.derived),
        published_too=set(system.published_too) - hidden,
    )
    theirs = set(linked_exposures(alone, rule))
    return [q for q in given if q in theirs]


def _is_cell(quantity: Hashable) -> bool:
    """Whether a quantity of :func:`_protected_with_column_totals`' system is a cell of the table."""
    return (
        isinstance(quantity, tuple)
        and len(quantity) == 3
        and quantity[0] == "row"
        and isinstance(quantity[2], tuple)
        and quantity[2][0] == "cell"
    )


def _known_already(system: LinkedCounts, quantities: Collection[Hashable]) -> None:
    """``quantities`` of ``system`` taken as published: what a reader knows already, which a protection of
    ``system`` is not to undo (nor to mistake for a count it exposes)."""
    for quantity in quantities:
        system.derived.pop(quantity, None)
        if system.status.get(quantity, _UNPUBLISHED) != _UNPUBLISHED:
            system.status[quantity] = None


def _without_breakdowns(
    low_table: DisclosedTable,
    high_table: DisclosedTable,
    values: tuple[pl.DataFrame, pl.DataFrame],
    rows: Sequence[int] | None = None,
    censored_high: int = PUBLISHER_CENSORED_HIGH,
) -> tuple[DisclosedTable, DisclosedTable]:
    """The two bounds of a year × category table with every cell that holds a count the publisher printed
    exactly, and every sum of categories, left empty, each row noted (:data:`BREAKDOWN_WITHHELD`): what is left
    is the publisher's own ``<5``, public in its file."""
    low, high = values
    rows = list(range(low.height)) if rows is None else list(rows)
    for c in low_table.count_columns:
        if c == CATEGORY_SUM:
            empty = rows
        elif c in low.columns and c in high.columns:
            empty = [r for r in rows if low[c][r] is not None and _exact_part(low, high, c, r, censored_high)]
        else:
            continue
        low_table, high_table = (_blank_cells(t, c, empty) for t in (low_table, high_table))
    return _noted(low_table, rows), _noted(high_table, rows)


def _total_freed(
    system: LinkedCounts, total: str, among: Collection[Hashable], rule: DisclosureRule
) -> dict[Hashable, str]:
    """The cells of a row's system (:func:`_protect_category_row`) to withhold further, from ``among``, so that
    its total, withheld as the table of victims per year withholds it (a complement there, at least the
    threshold: no target of :func:`~evidence.presentation.disclosure.protect_linked`), does not follow from the
    row: the yearly table's total row would give back the small year it protects (Australia's nationals at
    threshold 10: 2016's 10, ``x`` in the yearly table beside 2015's 9, was Australia's own 10 printed here,
    and the total row gave the 9 back). The smallest cell first; raises :class:`DisclosureError` when none
    frees it."""
    if (
        system.status.get(total) not in (SMALL_REASON, COMPLEMENT_REASON)
        or system.values[total] < rule.threshold
    ):
        return {}
    added: dict[Hashable, str] = {}
    left = sorted(
        (q for q in among if system.status.get(q) is None and q[0] == "cell"),  # type: ignore[index]
        key=lambda q: (system.values[q], str(q)),
    )
    while total in linked_exposures(system, rule, complements=True):
        if not left:
            raise DisclosureError("no cell of the row frees its total")
        cell = left.pop(0)
        system.status[cell] = COMPLEMENT_REASON
        added[cell] = COMPLEMENT_REASON
    return added


def _censored_frames(basis: _YearlyBasis, selection: Selection, by: str | None) -> _YearlyBasis:
    """``basis`` with the tables of a publisher's censored counts before protection (:func:`_censored_numbers`):
    the victims per year and, by a dimension, the year × category table, whatever the rule."""
    counts = basis.texts if basis.texts is not None else _year_text(basis.counts)
    by_category = None
    by_counts, placeholder, doubtful = basis.shown, basis.placeholder, basis.doubtful
    if by is not None and by_counts is not None and (by_counts.height or placeholder):
        published = selection.role != "origin"  # an origin's total is the sum of other countries' breakdowns
        # every year the dimension or the total is published in: a breakdown published without a total
        # (Thailand's forms of 2007) is shown, its total cell left empty; a year of the total only is noted
        # (its breakdown's cells empty, never 0, not withheld); the span's years with neither are not rows
        # (Cambodia's tables were mostly empty rows) but named in the note (no_breakdown_note)
        # a year of a placeholder breakdown is a row (noted), with or without a total, its cells empty
        # the few rows (a cell per year and category, a total per year) are read as lists and the tables made
        # from them in Python: one query of a pivot joined to the totals and the sums, some eighty expressions,
        # cost more in planning than the rows themselves (a third of a publisher's yearly numbers, built per
        # country and dimension). The same frames, column for column: the year as text as :func:`_year_text`
        # casts it, the bounds Int64 as the counts have them (trends casts them), a missing cell null
        cells = _category_cells(by_counts, by, basis.censored_high)
        held_back = {str(y) for y in placeholder}
        breakdown_years = {year for year, _ in cells}
        total_years = set(counts["year"].to_list())
        found = total_years | breakdown_years | held_back
        # in the order of a sort of the years as text, a missing year first (as the frame's sort puts it)
        year_list = [None] * (None in found) + sorted(y for y in found if y is not None)
        unpublished = found - breakdown_years
        # a year of the breakdown without the publisher's total (Japan's forms of 2004-2006): its total cell is
        # empty, noted in this table too (the yearly table's note is not read beside it); with no total in any
        # year (Cambodia's), the table has no total column and the section says there is none
        no_total = (breakdown_years - total_years) if published and counts.height else set()
        noted = bool(
            unpublished or doubtful or no_total
        )  # a year of the total only: its cells empty, said so
        doubtful_years = {str(y) for y in doubtful}
        key_columns = [pl.Series("year", year_list, dtype=pl.String)]
        if noted:
            notes = [
                PLACEHOLDER_BREAKDOWN
                if y in held_back
                else NO_BREAKDOWN_PUBLISHED
                if y in unpublished
                else DOUBTFUL_BREAKDOWN
                if y in doubtful_years
                else NO_TOTAL_PUBLISHED
                if y in no_total
                else ""
                for y in year_list
            ]
            key_columns.append(pl.Series("note", notes, dtype=pl.String))
        keys = ["year", "note"] if noted else ["year"]
        categories = basis.categories
        total_name = PUBLISHED_TOTAL if published else ALL_VICTIMS
        # each column's cell of each year: (low, high, the part printed exactly), None where it has none (a
        # year without the category or the total; a null year, which no join matches): the categories', the
        # published total's (its exact part none where the counts have no such column: role origin, a sum of
        # breakdowns), and the categories' sums (each part summed, as polars sums, nulls left out)
        totals = {
            year: (low, high, exact)
            for year, low, high, exact in zip(
                counts["year"].to_list(),
                counts["count_low"].to_list(),
                counts["count_high"].to_list(),
                counts[UNCENSORED].to_list() if UNCENSORED in counts.columns else [_NO_PART] * counts.height,
                strict=True,
            )
            if year is not None
        }
        sums: dict[str, tuple[int, int, int]] = {}
        for (year, _), cell in cells.items():
            if year is not None:
                before = sums.get(year, (0, 0, 0))
                sums[year] = tuple(s + (p or 0) for s, p in zip(before, cell, strict=True))  # type: ignore[assignment]

        def column_cells(column: str) -> list[tuple[Any, Any, Any] | None]:
            """A column's cells, year by year (the total's and the sum's names read first, as the query did)."""
            if column == total_name:
                return [totals.get(y) for y in year_list]
            if column == CATEGORY_SUM:
                return [sums.get(y) for y in year_list]  # type: ignore[arg-type]
            return [cells.get((y, column)) if y is not None else None for y in year_list]

        def known(cell: tuple[Any, Any, Any] | None) -> bool:
            """A cell made only of the publisher's <5 cells (a censored category, a sum of such categories):
            its bounds are the publisher's, shown as an interval (2–8), never re-censored as <5."""
            if cell is None or cell[2] is _NO_PART:
                return False
            low, high, exact = cell
            return not exact and low is not None and high is not None and low != high

        read = {c: column_cells(c) for c in (*categories, total_name, CATEGORY_SUM)}
        # the published total and the categories' sum differ, in either bound, in some year with both
        differs = published and any(
            total is not None
            and summed is not None
            and any(t is not None and t != s for t, s in zip(total[:2], summed[:2], strict=True))
            for total, summed in zip(read[total_name], read[CATEGORY_SUM], strict=True)
        )
        columns = [
            *categories,
            *([total_name] if counts.height else []),  # none published
            *([CATEGORY_SUM] if differs else []),
        ]

        def frame(value: Callable[[tuple[Any, Any, Any] | None], Any], dtype: pl.DataType) -> list[pl.Series]:
            """One value of each cell of ``columns``, named as the table by category names them: made as one
            Series, sliced (each column a year's cell of every year: as long as each other; a Series made from a
            list costs about the same for one value as for a hundred)."""
            n = len(year_list)
            every = pl.Series("", [value(cell) for c in columns for cell in read[c]], dtype=dtype)
            return [every.slice(k * n, n).alias(c) for k, c in enumerate(columns)]

        def part(i: int) -> Callable[[tuple[Any, Any, Any] | None], Any]:
            return lambda cell: None if cell is None else cell[i]

        low, high = (pl.DataFrame([*key_columns, *frame(part(i), pl.Int64())]) for i in (0, 1))
        by_category = _CategoryFrames(
            low=low,
            high=high,
            keys=tuple(keys),
            columns=tuple(columns),
            total=total_name,
            known=pl.DataFrame(frame(known, pl.Boolean())),
            known_values=pl.DataFrame(
                frame(lambda cell: cell[0] if known(cell) else None, pl.Int64())  # type: ignore[index]
            ),
            printed=pl.DataFrame(
                [
                    pl.Series(c, [None if cell is None else cell[2] for cell in read[c]], pl.Int64)
                    for c in categories
                ]
            ),
        )
    return dataclasses.replace(basis, by_category=by_category)


#: The exact part of a total the counts do not give (role origin: a sum of other countries' breakdowns).
_NO_PART: Final = object()


def _category_cells(
    by_counts: pl.DataFrame, by: str, censored_high: int = PUBLISHER_CENSORED_HIGH
) -> dict[tuple[str | None, Any], tuple[Any, Any, int]]:
    """The counts by year and category of a publisher's series (:func:`~evidence.analyses.trends.yearly_counts`:
    a row per year and category, the keys of its group-by) by year as text and category: each cell's bounds
    and the part the publisher printed exactly: the counts' own (:data:`~evidence.analyses.intervals.UNCENSORED`)
    where they carry it, else read from the bounds (``E`` of ``E + k`` to ``E + wk``, ``w`` the ``censored_high``
    of its censored cells: none in a ``<5`` cell; a cell of cells of several widths, a ``<3`` beside ``<10``,
    has bounds of no such form). A cell
    of several of the workbook's rows can hold both (Kuwait as both, by destination: 2015's Kuwait, 10-19, is 7
    and three ``<5``), and is no sum of ``<5`` alone: shown ``up to 19``, its high bound gave the 7 back."""
    lows, highs = by_counts["count_low"].to_list(), by_counts["count_high"].to_list()
    printed = (
        by_counts[UNCENSORED].to_list()
        if UNCENSORED in by_counts.columns
        else [
            None if low is None or high is None else _printed_part(int(low), int(high), censored_high)
            for low, high in zip(lows, highs, strict=True)
        ]
    )
    return {
        (None if year is None else str(year), category): (
            low,
            high,
            int(part or 0) if low is not None and high is not None else 0,
        )
        for year, category, low, high, part in zip(
            by_counts["year"].to_list(), by_counts[by].to_list(), lows, highs, printed, strict=True
        )
    }


def _censored_per_year(
    selection: Selection,
    basis: _YearlyBasis,
    span: tuple[int, int] | None,
    rule: DisclosureRule,
    panel: PanelNumbers | None = None,
) -> tuple[Bounds | None, Bounds | None]:
    """The protected table of a publisher's victims per year, with its years without data
    (:func:`_with_years_without_data`), and the steady reporters' table of victims per year (``panel``'s
    :attr:`~PanelNumbers.per_year`, which the basis and the rule determine) protected with it: the same whatever
    the dimension, so made once per frame, selection, span and rule (a brief reads it by form, sex and age).
    Bounds of frames: never changed, shared."""

    def build() -> tuple[Bounds | None, Bounds | None]:
        per_year = None if basis.per_year is None else basis.per_year.protected(rule)
        texts = basis.texts if basis.texts is not None else _year_text(basis.counts)
        per_year, panel_table = _per_year_beside_routes(selection, per_year, texts, rule, panel)
        return _with_years_without_data(per_year, selection, basis.counts, span, basis.usable), panel_table

    key = ("yearly per year", *selection.cache_key, basis.gaps, span, rule)
    return kept_once(
        selection.frame, key, fails_closed(build)
    )  # what an unanswered programme made: never kept


def _per_year_beside_routes(
    selection: Selection,
    per_year: Bounds | None,
    counts: pl.DataFrame,
    rule: DisclosureRule,
    panel: PanelNumbers | None = None,
) -> tuple[Bounds | None, Bounds | None]:
    """The protected table of a publisher's victims per year (``counts``: its true bounds, the year as text) and
    the steady reporters' table of victims per year (``panel``'s, printed in the same brief), with further years
    withheld (``x``) in either until no withheld year, and no small count of a table by corridor, destination or
    citizenship of the same selection, follows from them beside the route tables: each year is the sum of its
    cells in those tables (where their bounds add up to it), the steady reporters' count of a year the sum of its
    reporters' cells by destination or corridor (where theirs add up to it), and each corridor listed, "All other
    routes" and the victims on a known route a sum of their columns over the years (:func:`_route_margins`).
    Protected on its own, Kuwait as both at threshold 11 (UNODC's 2023 workbook) gave 2018's 5 back: Kuwait →
    United Kingdom, 46–49, less 2020's 40 (the year's only corridor) and 2019's ``<5``; Tunisia as origin, 2016's
    Italy, 5: the year's 89 less Tunisia → Tunisia, 84. Beside the steady reporters' table, with no route table:
    Hungary as origin, 2008's 103 less its steady reporters' (Austria, Germany, the Netherlands) 95 was Hungary
    → Hungary, 8, the year's one other cell, which the table by category can only leave empty (its row's
    protection holds both as sums of its cells, and withholds only cells of the row). The steady reporters' total
    row may be withheld too: it sums their corridors in the route table but for the years they are not in (Poland
    as origin: Poland → Germany, 321–324, and Poland → Netherlands, 676, less their total, 992–995, was 2020's
    Germany, 5, whatever the years withhold). The yearly table's total row stays. The cells are in no table
    here, so what a table by category prints beside them is that table's to protect
    (:func:`_protected_with_column_totals`); every dimension at once, as a brief prints one table of victims per
    year whatever its breakdowns. Counts the route tables give back whatever these tables withhold are theirs
    (their own protection's); none is when no withholding here frees the rest. The cells and margins are read
    by their exact parts (the publisher's ``<5`` in them public). Both tables as given where nothing is to
    keep."""
    panel_table = None if panel is None else panel.per_year
    if per_year is None or per_year.exact or selection.kind == "case":
        return per_year, panel_table
    width = censored_high(selection)
    column = _yearly_column(per_year, counts, width)
    if column is None:  # no total row: nothing to tie the route tables' cells to
        return per_year, panel_table
    steady, panel_truth = None, {}
    if panel is not None and panel_table is not None and not panel_table.exact:
        panel_counts = _year_text(panel.panel.counts)
        steady, panel_truth = _yearly_column(panel_table, panel_counts, width), _true_bounds(panel_counts)
    if not steady and not _route_inputs(selection, "region")[0].height:  # no route table nor steady reporters
        return per_year, panel_table
    small_year = any(
        reading == SMALL_REASON
        for published in (column, *([steady] if steady else []))
        for _, reading, _ in published.years.values()
    )
    # the route tables, protected at this rule, only when read: with no year withheld as small, whether a small
    # cell is printed exactly by the publisher (at its own threshold, none) is told by the counts alone (a
    # selection's listing of every corridor protected for nothing, most of a yearly table's cost)
    tables: dict[str, pl.DataFrame] | None = None
    if not small_year:
        tables = _route_tables(selection)
        if not _small_printed(tables, rule):  # nothing to keep
            return per_year, panel_table
    routes = route_numbers(selection, rule)
    beside_routes = routes is not None and not routes.exact and routes.flow_table.height > 0
    if not (beside_routes or steady):  # no route table nor steady reporters beside it
        return per_year, panel_table
    if tables is None:
        tables = _route_tables(selection)
    system = LinkedCounts()
    system.publish(ONE, 1, None)
    among: set[Hashable] = set()
    for tag, published in (("year", column), *([("panel", steady)] if steady else [])):
        for year, (low, reading, parts) in published.years.items():
            _yearly_reading(system, (tag, year), low, reading, parts, rule, width)
            if reading is None and low > parts:  # printed, with a part the publisher printed exactly
                among.add((tag, year))
        grand, grand_reason = published.total
        _publish_read(system, (tag, "total"), grand, grand_reason, rule)
        if tag == "panel" and grand_reason is None:  # the steady reporters' total row: a sum of route cells
            among.add((tag, "total"))
        system.equalities.append({**{(tag, year): 1.0 for year in published.years}, (tag, "total"): -1.0})
    truth = _true_bounds(counts)
    beside = (
        None if steady is None or panel is None else (frozenset(panel.panel.reporters), panel_truth, steady)
    )
    tied = False
    for by, cells in tables.items():
        tied |= _route_cells_in(
            system, selection, rule, by, cells, column, truth, routes=beside_routes, steady=beside
        )
    if not tied or not linked_exposures(system, rule):
        return per_year, panel_table
    # what the route tables give back whatever these tables withhold is theirs to protect, not a year's to free
    printed = {q: system.status[q] for q in among}
    system.status.update(dict.fromkeys(among, COMPLEMENT_REASON))
    given = linked_exposures(system, rule)
    system.status.update(printed)
    _known_already(system, given)
    try:
        added = protect_linked(system, rule, among=among, patience=8)
    except DisclosureError:
        return per_year, panel_table
    withheld = []
    for tag, table in (("year", per_year), ("panel", panel_table)):
        years = [] if table is None else table.low.frame["year"].to_list()
        rows = sorted(
            len(years) - 1 if q[1] == "total" else years.index(q[1])  # type: ignore[index]
            for q in added
            if q[0] == tag  # type: ignore[index]
        )
        withheld.append(
            table
            if table is None or not rows
            else Bounds(*(withhold_cells(side, VICTIMS, rows) for side in (table.low, table.high)))
        )
    return withheld[0], withheld[1]


def _route_tables(selection: Selection) -> dict[str, pl.DataFrame]:
    """The counts by year and category of each table whose totals are published elsewhere
    (:data:`TOTALS_PUBLISHED_ELSEWHERE`) the selection has (:func:`_route_dimension`), by dimension."""
    return {
        by: cells
        for by in TOTALS_PUBLISHED_ELSEWHERE
        if (cells := _route_dimension(selection, by)) is not None
    }


def _small_printed(tables: Mapping[str, pl.DataFrame], rule: DisclosureRule) -> bool:
    """Whether any cell of ``tables`` (:func:`_route_tables`) is a small count the publisher printed exactly."""
    return any(
        low == high and rule.is_small(low)
        for cells in tables.values()
        for low, high in cells.select(*_BOUNDS).iter_rows()
        if low is not None
    )


def _true_bounds(counts: pl.DataFrame) -> dict[str, tuple[int, int]]:
    """The true (low, high) of each year of a publisher's yearly counts, by the year as text; the columns read as
    lists, no query."""
    return {
        str(year): (int(low), int(high))
        for year, low, high in zip(
            counts["year"].to_list(),
            counts["count_low"].to_list(),
            counts["count_high"].to_list(),
            strict=True,
        )
        if low is not None and high is not None
    }


def _route_dimension(selection: Selection, by: str) -> pl.DataFrame | None:
    """The counts by year and category of the selection's table by ``by`` (:attr:`YearlyNumbers.by_counts`), None
    for a dimension the selection does not have or that holds none."""
    try:
        # the counts alone: a brief prints no table by corridor (nor destination), so their frames are not made
        by_counts = _counts_basis(selection, by, None, _reporter_gaps(selection, by)).by_counts
    except ParameterError:
        return None
    return by_counts if by_counts is not None and by_counts.height else None


#: The steady reporters beside a table by category (:func:`_route_cells_in`): their ISO3 codes, their count's true
#: (low, high) per year (as text), and their table of victims per year as published (:class:`_YearlyColumn`).
_SteadyBeside = tuple[frozenset[str], Mapping[str, tuple[int, int]], "_YearlyColumn"]


def _route_cells_in(
    system: LinkedCounts,
    selection: Selection,
    rule: DisclosureRule,
    by: str,
    by_counts: pl.DataFrame,
    column: _YearlyColumn,
    truth: Mapping[str, tuple[int, int]],
    *,
    routes: bool = True,
    steady: _SteadyBeside | None = None,
) -> bool:
    """The cells of the selection's table by ``by`` (a key of :data:`TOTALS_PUBLISHED_ELSEWHERE`; ``by_counts``:
    :func:`_route_dimension`) in the system of :func:`_per_year_beside_routes`, each its exact part (shown
    nowhere; a small one is not to follow), tied to its year (``truth``: the years' true bounds) where the year's
    cells add up to it, the route tables' sums of its columns (``routes``: where the selection has route tables)
    and, by destination or corridor, the steady reporters' count of each year (``steady``: its quantities
    ``("panel", year)`` in the system already) where their cells add up to it; whether they publish any."""
    margins = _route_margins(selection, rule, by_counts, by).every() if routes else []
    # the reporters are countries of detection: a sum of the categories by destination (or a corridor's) alone
    if steady is not None and by not in ("destination", "corridor"):
        steady = None
    if not margins and steady is None:
        return False
    width = censored_high(selection)  # a cell of k censored cells holds k to wk (w: 4 for UNODC's <5)
    #: by category, by year and (the steady reporters' cells) by year: (name, exact part, <5 cells, the most
    #: they hold)
    Cell = tuple[Hashable, int, int, int]
    cells: dict[str, list[Cell]] = {}
    years: dict[str, list[Cell]] = {}
    reported: dict[str, list[Cell]] = {}
    # the part printed exactly: the counts' own where they carry it (any widths), else read from the bounds
    exacts = by_counts[UNCENSORED].to_list() if UNCENSORED in by_counts.columns else [None] * by_counts.height
    for year, category, low, high, printed in zip(
        *(by_counts[c].to_list() for c in ("year", by, *_BOUNDS)), exacts, strict=True
    ):
        if low is None or high is None or year is None:
            continue
        exact, parts, top = _cell_parts(int(low), int(high), printed, width)
        name = ("cell", by, str(year), str(category))
        # the publisher's <5 alone: no exact part, as anyone with its file knows
        _publish_read(system, name, exact, _UNPUBLISHED if exact else None, rule)
        if not parts and rule.is_small(exact):
            system.derived[("small cell", by, str(year), str(category))] = {name: 1.0}
        cells.setdefault(str(category), []).append((name, exact, parts, top))
        years.setdefault(str(year), []).append((name, exact, parts, top))
        if steady is not None and str(category).rpartition(">")[2] in steady[0]:
            reported.setdefault(str(year), []).append((name, exact, parts, top))
    for year, held in years.items():
        if year not in column.years or year not in truth:
            continue
        k = sum(parts for _, _, parts, _ in held)
        most = sum(top for _, _, _, top in held)
        exact = sum(e for _, e, _, _ in held)
        line: dict[Hashable, float] = {name: -1.0 for name, _, _, _ in held}
        if truth[year] == (exact + k, exact + most):  # the year's low bound: its cells' exact parts and k
            system.equalities.append({("year", year): 1.0, **line, ONE: -float(k)})
        elif truth[year][0] == truth[year][1] and exact + k <= truth[year][0] <= exact + most:
            # a year the publisher gives exactly, its cells' <5 between k and the most they hold (4k: of it)
            censored = ("censored", by, year)
            system.quantity(censored, truth[year][0] - exact)
            system.at_most += [{censored: 1.0, ONE: -float(most)}, {ONE: float(k), censored: -1.0}]
            system.equalities.append({("year", year): 1.0, **line, censored: -1.0})
    if steady is not None:
        _, counted, published = steady
        for year, held in reported.items():
            k = sum(parts for _, _, parts, _ in held)
            most = sum(top for _, _, _, top in held)
            exact = sum(e for _, e, _, _ in held)
            # the steady reporters' low bound: their cells' exact parts and k, where their bounds add up to it
            if year in published.years and counted.get(year) == (exact + k, exact + most):
                system.equalities.append(
                    {("panel", year): 1.0, **{name: -1.0 for name, _, _, _ in held}, ONE: -float(k)}
                )
    for n, (summed, why) in enumerate(margins):
        held = [cell for c in summed for cell in cells.get(c, [])]
        if not any(exact for _, exact, _, _ in held):
            continue  # the publisher's <5 alone: its own public figures
        k = sum(parts for _, _, parts, _ in held)
        most = sum(top for _, _, _, top in held)
        exact = sum(e for _, e, _, _ in held)
        for end, parts_held, reason in (("low", k, why[0]), ("high", most, why[1])):
            margin = ("margin", by, n, end)
            _publish_read(system, margin, exact + parts_held, reason, rule)
            system.equalities.append(
                {**{cell: 1.0 for cell, _, _, _ in held}, ONE: float(parts_held), margin: -1.0}
            )
    return bool(margins) or bool(reported)


def _censored_yearly_column(
    selection: Selection,
    basis: _YearlyBasis,
    span: tuple[int, int] | None,
    rule: DisclosureRule,
    per_year: Bounds | None,
) -> _YearlyColumn | None:
    """:func:`_yearly_column` of the table of victims per year :func:`_censored_per_year` gives (``per_year``) and
    the basis' yearly totals: like that table, the same whatever the dimension, so made once per frame,
    selection, span and rule (its key), not once per table by category (a brief's three, a batch's every
    country by sex, age and form at two thresholds). Read only (:meth:`_YearlyColumn.beside` copies)."""
    key = ("yearly column", *selection.cache_key, basis.gaps, span, rule)
    return kept_once(
        selection.frame,
        key,
        # the yearly totals with the year as text: the basis' own (of the same totals) where it has them
        lambda: _yearly_column(
            per_year,
            basis.texts if basis.texts is not None else _year_text(basis.counts),
            basis.censored_high,
        ),
    )


#: What each table by category of a selection says of its years' totals (:func:`_breakdown_year_bounds`): by
#: dimension, by year as text, the least and the most a year's victims can be beside its row.
_YearBounds = Mapping[str, Mapping[str, tuple[int, float]]]


def brief_breakdowns(role: str | None) -> tuple[str, ...]:
    """The tables by category a country brief prints beside its one table of victims per year of a role: by
    form, sex and age, and as destination by citizenship."""
    return (*BREAKDOWN_NAMES, *(("citizenship",) if role == "destination" else ()))


def _breakdown_year_bounds(selection: Selection, basis: _YearlyBasis, rule: DisclosureRule) -> _YearBounds:
    """Each table by category a brief prints of the selection (:func:`brief_breakdowns`) as the bounds its rows
    give their years' totals where its cells add up to the year (its row's bounds the year's, or within the year
    printed exactly): the rows as primary suppression leaves them (each cell printed or ``<11``, the publisher's
    ``<5`` public; each sum of categories printed or ``<11``), which tells at least what the protected table
    does. Each bounds a year's total from one side, and a withheld year follows from two (Lebanon as destination
    at 11, 2019's ``x``: the table by citizenship's sum of categories, 13-19, says at least 13; the table by
    age's children ``<11`` (9) beside the adults' ``<5`` and their sum ``<11``, at most 13). Read from the counts
    by category (:func:`~evidence.analyses.trends.yearly_counts`), made once per selection, its reporter gaps
    and rule."""
    from evidence.analyses import trends

    def bounds_rows(counts: pl.DataFrame) -> Iterator[tuple[Any, Any, Any]]:
        # the three columns read as lists, not selected and iterated row by row (a query per table, the
        # same values)
        return zip(counts["year"].to_list(), counts["count_low"].to_list(), counts["count_high"].to_list())

    def build() -> _YearBounds:
        years = {
            str(y): (int(lo), int(hi))
            for y, lo, hi in bounds_rows(basis.counts)
            if y is not None and lo is not None and hi is not None
        }
        found: dict[str, dict[str, tuple[int, float]]] = {}
        for by in brief_breakdowns(selection.role):
            try:
                by_counts = trends.yearly_counts(selection, by=by)
            except ParameterError:
                continue
            rows: dict[str, list[tuple[int, int]]] = {}
            for year, low, high in bounds_rows(by_counts):
                if year is not None and low is not None and high is not None:
                    rows.setdefault(str(year), []).append((int(low), int(high)))
            found[by] = _row_year_bounds(
                rows, years, rule, published=selection.role != "origin", censored_high=basis.censored_high
            )
        return MappingProxyType(found)

    key = ("breakdown year bounds", *selection.cache_key, basis.gaps, rule)
    return kept_once(selection.frame, key, build)


def _other_breakdowns(bounds: _YearBounds, by: str | None) -> dict[str, tuple[int, float]] | None:
    """What the brief's tables by every dimension but ``by`` say of each year's total together (their bounds'
    intersection, :func:`_breakdown_year_bounds`); None for a table the brief does not print beside them."""
    if by not in bounds:
        return None
    out: dict[str, tuple[int, float]] = {}
    for dimension, years in bounds.items():
        if dimension == by:
            continue
        for year, (least, most) in years.items():
            before = out.get(year, (0, math.inf))
            out[year] = (max(before[0], least), min(before[1], most))
    return out


def _row_year_bounds(
    rows: Mapping[str, Sequence[tuple[int, int]]],
    years: Mapping[str, tuple[int, int]],
    rule: DisclosureRule,
    *,
    published: bool,
    censored_high: int = PUBLISHER_CENSORED_HIGH,
) -> dict[str, tuple[int, float]]:
    """:func:`_breakdown_year_bounds` of one table by category (``rows``: each year's cells' true bounds;
    ``years``: each year's; ``published``: a publisher's total beside the categories, their sum printed where
    it differs in some year, as :func:`_censored_frames` prints it; ``censored_high``: the high bound of the
    publisher's censored cells, each cell ``E + k`` to ``E + wk``)."""
    width = censored_high
    summed = published and any(
        year in years and (sum(lo for lo, _ in cells), sum(hi for _, hi in cells)) != years[year]
        for year, cells in rows.items()
    )
    out: dict[str, tuple[int, float]] = {}
    for year, cells in rows.items():
        if year not in years or any(lo != hi and not _small_parts(lo, hi, width) for lo, hi in cells):
            continue  # a cell's bounds not of the publisher's censored cells (a <3 among <10): no bound here
        k = sum((hi - lo) // (width - 1) for lo, hi in cells)
        cells_low, cells_high = sum(lo for lo, _ in cells), sum(hi for _, hi in cells)
        ylow, yhigh = years[year]
        # the reader takes the categories to add up to the year's victims wherever they can
        if (cells_low, cells_high) != (ylow, yhigh) and not (
            ylow == yhigh and cells_low <= ylow <= cells_high
        ):
            continue
        least, most = 0, 0.0  # the cells' exact parts
        for lo, hi in cells:
            parts = (hi - lo) // (width - 1)
            exact = lo - parts
            if not exact:  # the publisher's <5 alone
                continue
            if rule.is_small(lo) or rule.is_small(hi):  # <11: its low bound below the threshold
                least += 0 if parts else 1
                most += rule.threshold - 1 - parts
            else:
                least += exact
                most += exact
        exact_sum = cells_low - k
        if summed and rule.is_small(cells_low):
            most = min(most, rule.threshold - 1 - k)
        elif summed and exact_sum:
            least, most = exact_sum, float(exact_sum)
        out[year] = (least + k, most + width * k)
    return out


def _censored_numbers(
    common: dict[str, Any], basis: _YearlyBasis, span: tuple[int, int] | None
) -> YearlyNumbers:
    """UNODC's counts: each bound protected on its own; by a dimension, the publisher's total beside the
    categories (and their sum where it differs), primary suppression, and a complement where a withheld cell the
    publisher printed exactly follows from its row (:func:`_protected_category_rows`: at a threshold above the
    publisher's, Malaysia's Male 5 of 2019 was 96 - 91); the publisher's ``<5`` are its own public numbers,
    nothing follows from them that the workbook does not say. The table by category shows the counts by
    category of ``basis.shown``, which hold more than the numbers' own where a breakdown is doubtful
    (``basis.doubtful``, noted :data:`DOUBTFUL_BREAKDOWN`); the tables before protection are the basis' own
    (:func:`_censored_frames`)."""
    selection: Selection = common["selection"]
    rule: DisclosureRule = common["rule"]
    steady: PanelNumbers | None = common["panel"]
    per_year, steady_table = _censored_per_year(selection, basis, span, rule, steady)
    if steady is not None and steady_table is not steady.per_year:  # years withheld beside the yearly table
        common["panel"] = dataclasses.replace(steady, per_year=steady_table)
    by_category = None
    frames = basis.by_category
    if frames is not None:
        columns = list(frames.columns)
        low_table = suppress_counts(frames.low, columns, rule)
        high_table = suppress_counts(frames.high, columns, rule)
        if per_year is not None and frames.total in columns:
            low_table, high_table = _totals_as_per_year((low_table, high_table), frames.total, per_year)
        panel = _panel_rows(common["panel"], low_table, common["by"])
        yearly = _censored_yearly_column(selection, basis, span, rule, per_year)
        beside = _other_breakdowns(_breakdown_year_bounds(selection, basis, rule), common["by"])
        low_table, high_table = _protected_category_rows(
            (low_table, high_table),
            frames.values,
            basis.categories,
            frames.total,
            rule,
            panel=panel,
            yearly=yearly,
            beside=beside,
            censored_high=basis.censored_high,
            printed=frames.printed,
        )
        if common["by"] in TOTALS_PUBLISHED_ELSEWHERE and common["by_counts"] is not None:
            jointly = _protected_with_column_totals(
                (low_table, high_table),
                frames.values,
                basis.categories,
                frames.total,
                rule,
                margins=_route_margins(selection, rule, common["by_counts"], common["by"]),
                doubtful={str(year) for year in basis.doubtful},
                panel=panel,
                yearly=yearly,
                beside=beside,
                panel_table=_panel_table(common["panel"]),
                censored_high=basis.censored_high,
                printed=frames.printed,
            )

            # no withholding protects it: each year's breakdown left empty where it holds a count printed exactly
            low_table, high_table = jointly or _without_breakdowns(
                low_table, high_table, frames.values, censored_high=basis.censored_high
            )
        low_table = dataclasses.replace(
            low_table, known=frames.known.clone(), known_values=frames.known_values.clone()
        )
        by_category = Bounds(low_table, high_table)
    return YearlyNumbers(
        **common,
        per_year=per_year,
        by_category=by_category,
        partition=False,
        incomplete=basis.incomplete,
        categories=basis.categories,
        span=span,
        placeholder=basis.placeholder,
        doubtful=dict(basis.doubtful) if by_category is not None else {},
    )


def _totals_as_per_year(
    tables: tuple[DisclosedTable, DisclosedTable], total: str, per_year: Bounds
) -> tuple[DisclosedTable, DisclosedTable]:
    """The two bounds of a year × category table with each year's total withheld wherever the table of victims
    per year withholds it (its complements too, bound for bound), before the rows are protected (which then
    keep it from following from its row): a brief prints both tables, and a total the yearly table withholds
    as a complement printed here gives the cell it protects back through the yearly table's total row
    (Cambodia's nationals at threshold 10: 2015's 16, ``x`` in the yearly table, printed here, gave 2020's 5
    back from 523, the total's low bound)."""
    out = []
    for table, side in zip(tables, (per_year.low, per_year.high), strict=True):
        n = side.frame.height - (1 if side.has_total_row else 0)
        withheld = {
            year
            for year, why in zip(side.frame["year"].head(n), side.reasons[VICTIMS].head(n), strict=True)
            if why is not None
        }
        rows = [i for i, year in enumerate(table.frame["year"].to_list()) if year in withheld]
        out.append(withhold_cells(table, total, rows))
    return out[0], out[1]


#: A row's steady reporters' count (:class:`PanelNumbers`) as :func:`_protect_category_row` reads it: the
#: categories it sums, its true (low, high) and the reason each bound's cell is withheld in the panel's table.
_PanelRow = tuple[frozenset[str], tuple[int, int], tuple[str | None, str | None]]


def _panel_rows(
    panel: PanelNumbers | None, table: DisclosedTable, by: str | None
) -> dict[int, _PanelRow] | None:
    """Each row of a year × category table (by its year) whose year the steady reporters' table of victims per
    year (printed in the same brief) gives: the categories of those reporters (by destination, or the
    destination of a corridor), the panel's true bounds and each bound's reason. Brazil's nationals at
    threshold 10: 2014's panel of Spain and the Netherlands, 19, printed beside the Netherlands' 13 gave
    Spain's 6, withheld as ``<10``, back."""
    # the reporters are countries of detection: the categories by destination (or a corridor's) alone are theirs
    if panel is None or panel.per_year is None or by not in ("destination", "corridor"):
        return None
    reporters = frozenset(panel.panel.reporters)
    truth = _true_bounds(panel.panel.counts)
    low = panel.per_year.low
    n = low.frame.height - (1 if low.has_total_row else 0)
    reasons = dict(zip(low.frame["year"].head(n), _pair_reasons(panel.per_year, VICTIMS)[:n], strict=True))
    members = frozenset(
        c
        for c in table.count_columns
        if c in reporters or (by == "corridor" and c.rpartition(">")[2] in reporters)
    )
    rows = {
        i: (members, truth[year], reasons.get(year, (None, None)))
        for i, year in enumerate(table.frame["year"].to_list())
        if year in truth and members
    }
    return rows or None


#: The steady reporters' table of victims per year as a table by category's rows read together see it
#: (:func:`_panel_table`): each year's true (low, high) and each bound's reason, and the total row's.
_PanelTable = tuple[
    dict[str, tuple[tuple[int, int], tuple[str | None, str | None]]],
    tuple[tuple[int, int], tuple[str | None, str | None]],
]


def _panel_table(panel: PanelNumbers | None) -> _PanelTable | None:
    """The steady reporters' table of victims per year (:class:`PanelNumbers`) with its total row, None without
    one: its total less the years a table by category's rows give is the rest of its years."""
    if panel is None or panel.per_year is None or not panel.per_year.low.has_total_row:
        return None
    truth = {
        str(year): (int(low), int(high))
        for year, low, high in panel.panel.counts.select("year", "count_low", "count_high").iter_rows()
        if low is not None and high is not None
    }
    low, high = panel.per_year.low, panel.per_year.high
    n = low.frame.height - 1
    reasons = _pair_reasons(panel.per_year, VICTIMS)
    years = {
        year: (truth[year], why)
        for year, why in zip(low.frame["year"].head(n), reasons[:n], strict=True)
        if year in truth
    }
    total = (sum(t[0] for t, _ in years.values()), sum(t[1] for t, _ in years.values()))
    shown = (low.frame[VICTIMS][n], high.frame[VICTIMS][n])
    if None not in shown and shown != total:
        return None  # a total row of other years than these: nothing tied
    return years, (total, reasons[n])


def _pair_reasons(table: Bounds, column: str) -> list[tuple[str | None, str | None]]:
    """Each row's reason for withholding its low and its high bound as the reader sees the pair
    (:func:`published_pair`): a bound published in its own table but withheld with the other
    (``x``, ``x``, or the label at both ends) is withheld, as a complement beside one or with no label
    (:data:`~evidence.presentation.disclosure.UNLABELLED`: a high bound beside a small low one says
    nothing). Read bound by bound, the steady reporters' 2013 of Ukraine's nationals on a ``<10`` copy at 11,
    ``x`` beside its printed high bound of 34, was taken as printed, and its 2011 (``<11``, Ukraine →
    Netherlands 6 and a ``<10``), the total row's rest, as the row protection's to keep, not the table by
    destination's, whose 2013 Poland, 16, gave it back."""
    pairs = table.cells(column)
    out: list[tuple[str | None, str | None]] = []
    for (low_why, high_why), (low, high) in zip(
        zip(table.low.reasons[column], table.high.reasons[column], strict=True), pairs, strict=True
    ):
        withheld = COMPLEMENT_REASON if COMPLEMENT_REASON in (low_why, high_why) else UNLABELLED
        out.append(
            (
                low_why if low_why is not None or not isinstance(low, str) else withheld,
                high_why if high_why is not None or not isinstance(high, str) else withheld,
            )
        )
    return out


#: The rest of the table of victims per year beside one year (:meth:`_YearlyColumn.beside`): each other year's
#: low bound, what its cell says of it (:func:`_yearly_reading`) and how many of the publisher's ``<5`` it holds
#: (public), and the total row's low bound and reason.
_YearlyRest = tuple[dict[str, tuple[int, str | None, int]], tuple[int, str | None]]

#: How a year of the table of victims per year with an exact part and the publisher's ``<5`` in it reads: its
#: published pair (:func:`published_pair`) withheld as ``x``, or as small; a count printed is ``None``.
_MIXED_X, _MIXED_SMALL = "mixed x", "mixed small"


@dataclass(frozen=True)
class _YearlyColumn:
    """The low bounds of the table of victims per year (what the row of a year × category table is tied to by
    its total, :func:`_protect_category_row`): each year's true low bound, what its cell says, and how many of
    the publisher's ``<5`` it holds, and the total row's low bound and reason. A year made only of the
    publisher's ``<5`` cells is known (their bounds are public)."""

    years: Mapping[str, tuple[int, str | None, int]]
    total: tuple[int, str | None]

    def beside(self, year: str) -> _YearlyRest | None:
        if year not in self.years:
            return None
        return {y: v for y, v in self.years.items() if y != year}, self.total


def _yearly_column(
    per_year: Bounds | None, counts: pl.DataFrame, censored_high: int = PUBLISHER_CENSORED_HIGH
) -> _YearlyColumn | None:
    """The :class:`_YearlyColumn` of a protected table of victims per year (``counts``: its true bounds and, where
    it carries it, the part printed exactly; each year ``E + k`` to ``E + wk`` without it, ``w`` the
    ``censored_high`` of the publisher's cells), None
    without a total row. MLT as both at threshold 10: its 2007 row (Russia's 6, Ukraine's ``<5``, a total of 7
    and a sum of categories at least 10) gave the total at least 7; the yearly table's total row (118), with
    2013 at least 10 and 2017 (6 and a ``<5``: ``x``) at least 7, at most 7: Russia's 6 back."""
    if per_year is None or not per_year.low.has_total_row:
        return None
    table = per_year.low
    n = table.frame.height - 1
    truth = _true_bounds(counts)
    printed = (
        dict(zip(map(str, counts["year"].to_list()), counts[UNCENSORED].to_list(), strict=True))
        if UNCENSORED in counts.columns
        else {}
    )
    pairs = per_year.cells(VICTIMS)
    label = table.rule.label
    years: dict[str, tuple[int, str | None, int]] = {}
    for year, pair in zip(table.frame["year"].head(n), pairs[:n], strict=True):
        if year not in truth:
            continue
        low, high = truth[year]
        _, parts, _ = _cell_parts(low, high, _at([printed.get(year)], 0), censored_high)

        withheld = isinstance(pair[0], str) or isinstance(pair[1], str)
        if low - parts <= 0 or not withheld:  # the publisher's <5 alone (public), or printed
            years[year] = (low, None, parts)
        elif not parts:  # an exact count withheld: small, or a complement
            years[year] = (low, SMALL_REASON if pair[1] == label else COMPLEMENT_REASON, 0)
        else:  # an exact part and the publisher's <5: what the pair says of its bounds
            years[year] = (low, _MIXED_SMALL if pair[1] == label else _MIXED_X, parts)
    grand = sum(low for low, _, _ in years.values())
    if table.frame[VICTIMS][n] is not None and int(table.frame[VICTIMS][n]) != grand:
        return None  # a total row of other years than these (never so): nothing tied
    shown = pairs[n][1]
    reason = None if not isinstance(shown, str) else SMALL_REASON if shown == label else COMPLEMENT_REASON
    return _YearlyColumn(MappingProxyType(years), (grand, reason))


def _yearly_reading(
    system: LinkedCounts,
    year: Hashable,
    value: int,
    reading: str | None,
    parts: int,
    rule: DisclosureRule,
    censored_high: int = PUBLISHER_CENSORED_HIGH,
) -> None:
    """A year of the table of victims per year in a row's system (its low bound ``value``): as its cell is
    published, a year with the publisher's ``<5`` in it (``parts`` of them) at least that many, and one with an
    exact part withheld bounded as its pair says (``x``: its high bound, ``censored_high`` less 1 a part above
    (3 for UNODC's ``<5``), at least the threshold; small: its low bound below it), never a target (its exact
    part follows at best to within the ``<5``)."""
    if reading in (_MIXED_X, _MIXED_SMALL):
        system.quantity(year, value)
        if reading == _MIXED_X:
            system.at_most.append({ONE: float(rule.threshold - (censored_high - 1) * parts), year: -1.0})

        else:
            system.at_most.append({year: 1.0, ONE: -float(rule.threshold - 1)})
    else:
        _publish_read(system, year, value, reading, rule)
    if parts:
        system.at_most.append({ONE: float(parts), year: -1.0})


def _years_note(note: str) -> str:
    """A note on too few years, escaped, its numbers marked as numbers of years or years (the brief's scan
    would read "4 (2014-2017)" as four people)."""
    return re.sub(r"\d+", lambda m: markup.marked(m.group(), "years"), escape_markdown(note))


def trend_sentence(models: SeriesModels, *, noun: str = "identified victims") -> str:
    """One paragraph on the annual rate ratio of the years not flagged (count model: complete and comparable
    years, :attr:`SeriesModels.read_years`), or why there is none. When
    the interval of the ratio includes 1 the sentence says the data show no clear change: the point estimate
    alone would overclaim. ``noun`` names what is counted ("detected victims" for UNODC's data)."""
    from evidence.analyses.coverage import years_in_words

    rr = models.rate_ratio
    if rr is None:
        note = models.rate_note or ""
        if note.startswith("too few"):
            return (
                f"No trend in the number of {noun} is estimated from the {models.read_years} "
                f"({models.not_flagged}): {_years_note(note)}."
            )
        if note.startswith("not estimable"):
            reason = escape_markdown(note.removeprefix("not estimable: "))
            return f"No trend or break can be estimated: {reason}, so the series holds no information on a change."
        if "withheld" in note:
            return "No trend is estimated: some yearly counts are withheld by disclosure control."
        return f"No trend could be estimated from these years ({escape_markdown(note)})."

    def stat(value: float) -> str:  # a ratio, never a count of people
        return markup.marked(f"{value:.2f}", "statistic")

    model = f"{rr.model.replace('quasi_', 'quasi-').replace('poisson', 'Poisson').replace('_', ' ')} model, {markup.number(rr.n_years, 'years')} {models.read_years}"
    interval = f"95% interval {stat(rr.ci_low)}–{stat(rr.ci_high)}"
    # the years read, as they are: a span with gaps is named year by year ("Over 2007, 2014–2021")
    gaps = rr.years and len(rr.years) < rr.last_year - rr.first_year + 1
    span = (
        f"Over {markup.marked(years_in_words(rr.years), 'years')}"
        if gaps
        else f"From {rr.first_year} to {rr.last_year}"
    )
    if rr.ci_low <= 1 <= rr.ci_high:
        text = (
            f"{span}, the data show **no clear change** in the number of {noun}: "
            f"the annual rate ratio is {stat(rr.rate_ratio)} ({interval}; {model}), and an interval that "
            f"includes {markup.marked('1', 'statistic')} is compatible with no change at all."
        )
    else:
        change = "more" if rr.rate_ratio >= 1 else "fewer"
        text = (
            f"{span}, the number of {noun} changed by a factor of "
            f"**{stat(rr.rate_ratio)} a year** ({interval}; {model}): about "
            f"{markup.marked(f'{abs(rr.rate_ratio - 1):.0%}', 'statistic')} {change} {noun} each year."
        )
    if (gap := _widest_gap(rr.years)) is not None:
        # the Russian Federation's detected victims: 2008-2010 and 2017-2020 read, "16% more each year" where
        # nothing says how the counts went between 71 (2010) and 209 (2017)
        first, last = gap
        missing = markup.marked(years_in_words(list(range(first, last + 1))), "years")
        text += (
            f" No count is read for {missing}: the ratio compares the years before that gap with those after "
            "it, and says nothing of the course of the counts between them."
        )
    if rr.overdispersed:
        used = {
            "negative_binomial": "a negative binomial model was used",
            "quasi_poisson": "the Poisson model's intervals were widened by the counts' spread (quasi-Poisson)",
        }.get(rr.model)
        text += " The counts vary more than a Poisson model allows" + (f", so {used}." if used else ".")
    if rr.low_bound and rr.high_bound:
        text += (
            f" Censored years enter at their midpoint; on the low bounds the ratio is "
            f"{stat(rr.low_bound.rate_ratio)}, on the high bounds {stat(rr.high_bound.rate_ratio)}."
        )
    if rr.warnings:
        text += " The model fit warned: " + escape_markdown("; ".join(rr.warnings)) + "."
    return text


#: Consecutive years without a count, inside the years a trend reads, from which :func:`trend_sentence` says the
#: ratio bridges a gap (a year or two missing is a gap a yearly rate reads through).
TREND_GAP_YEARS = 3


def _widest_gap(years: Sequence[int]) -> tuple[int, int] | None:
    """The first and last year of the widest run of years missing between the years a trend read, when it is
    at least :data:`TREND_GAP_YEARS` long (the earliest of equally wide runs); else None."""
    best: tuple[int, int] | None = None
    ordered = sorted(years)
    for before, after in itertools.pairwise(ordered):
        width = after - before - 1
        if width >= TREND_GAP_YEARS and (best is None or width > best[1] - best[0] + 1):
            best = (before + 1, after - 1)
    return best


def incomplete_lines(flags: Sequence[IncompleteYear]) -> list[str]:
    """The flagged years as Markdown bullets, one per reason with the years it applies to
    (:func:`~evidence.analyses.trends.grouped_incomplete`) and what they are: "**2011–2013 and 2019–2021** are
    probably incomplete: … Malaysia, which detects about 36% of these nationals in the other years", not six
    bullets that differ only in their year; "**2007–2012** are not comparable with the other years: a change in
    what is reported: …"."""
    return [
        f"- **{said}** {verb} {words}: {escape_markdown(reason)}."
        for said, verb, words, reason in incomplete_groups(flags)
    ]


def incomplete_groups(flags: Sequence[IncompleteYear]) -> list[tuple[str, str, str, str]]:
    """The flagged years said once per reason (:func:`~evidence.analyses.trends.grouped_incomplete`), as the
    brief (:func:`incomplete_lines`) and the command line say them: (the years, "2007–2012" or "2011–2013 and
    2019–2021"; "is" or "are"; what they are, "probably incomplete", "not comparable with the other years" or
    both (:attr:`~evidence.analyses.trends.IncompleteYear.words`); the reason, plain text)."""
    from evidence.analyses.coverage import years_in_words
    from evidence.analyses.trends import flag_words, grouped_incomplete

    kinds = {flag.year: flag.kinds for flag in flags}

    def words(years: Sequence[int]) -> str:
        # the years of one reason are of its kinds (a year two rules flag, of both: "… and …"); were they not
        # all alike, each is one or the other ("… or …")
        found = {kinds[year] for year in years}
        return flag_words([kind for each in found for kind in each], each=len(found) == 1)

    return [
        (years_in_words(years), "is" if len(years) == 1 else "are", words(years), reason)
        for years, reason in grouped_incomplete(flags)
    ]


def no_panel_sentence(numbers: YearlyNumbers) -> str:
    """Why a UNODC sum over reporting countries whose complete years are too few for a trend gets no trend of
    its steady reporters either (:func:`~evidence.analyses.trends.steady_reporters` finds no panel: Cambodia's
    nationals, whose one steady reporter is Thailand); empty where the sum has a trend, a panel, or no year
    missing reporters."""
    from evidence.analyses import trends

    if numbers.panel is not None or not any(f.missed is not None for f in numbers.incomplete):
        return ""
    if numbers.models().rate_ratio is not None or numbers.steady is not None:
        return ""
    return (
        "Nor is a trend fitted on the countries that reported every year: no two countries published a "
        "complete citizenship breakdown listing these nationals in each of "
        f"{markup.number(trends.MIN_COMPLETE_YEARS, 'years')} consecutive years."
    )


def panel_gaps_sentence(numbers: YearlyNumbers) -> str:
    """Why the trend of a UNODC sum over reporting countries is fitted on its steady reporters: how many of
    its years miss some reporters (said once, instead of a reason per year)."""
    panel = numbers.panel
    if panel is None:
        return ""
    years = numbers.counts.height
    return (
        f"In {markup.number(len(panel.gap_years), 'years')} of the {markup.number(years, 'years')} years the "
        f"set of reporting countries changes: countries that detect at least {MATERIAL_SHARE:.0%} of these "
        "victims in other years published no full citizenship breakdown listing them, so the count above rises "
        "and falls "
        "with who reports, not only with the victims: no trend is fitted on it."
    )


def panel_sentence(numbers: YearlyNumbers) -> str:
    """What the steady reporters' series is: its years, the countries (largest first) and the share of the
    victims counted in those years that they account for, and why it is used."""
    panel = numbers.panel
    if panel is None:
        return ""
    steady, selection = panel.panel, numbers.selection
    country = escape_markdown(name_in_text(selection.country or "") or selection.country or "")
    ordered = sorted(zip(steady.detected, steady.reporters, strict=True), key=lambda p: (-p[0], p[1]))
    names = [escape_markdown(name_in_text(code) or code) for _, code in ordered]
    if len(names) > 7:  # the largest three and how many others
        shown = ", ".join(names[:3]) + f" and {markup.number(len(names) - 3, 'countries')} more"
    else:
        shown = word_list(names)
    what = (
        f"the nationals of {country} detected in those years"
        if selection.role == "origin"
        else f"the victims of {country} counted in those years (for {country} itself, its own total)"
    )
    first, last = steady.window
    # their share beside the two tables gives back a year either withholds: then said to be withheld
    share = (
        f"{markup.marked(f'{steady.share:.0%}', 'statistic')} of {what}"
        if numbers.panel_share_shown
        else f"their share of {what} withheld, as it would give a withheld yearly count back"
    )
    return (
        f"The trend is fitted on the victims detected by the {markup.number(len(names), 'countries')} countries "
        f"that published a complete citizenship breakdown every year of {first}–{last}, listing "
        f"{markup.marked(str(PANEL_FLOOR), 'statistic')} or more of these nationals in most of them ({shown}; "
        f"{share}). Summed over the same countries every year, this count moves with the victims they detect, "
        "not with who reports."
    )


#: The adjusted p-value under which a break is said beside the rate ratio of a brief's trend
#: (:func:`break_caveat`): one yearly rate then averages over two different courses.
BREAK_CAVEAT_P = 0.05


def break_caveat(models: SeriesModels) -> str | None:
    """What a brief says after :func:`trend_sentence` when the complete years hold a clear break (adjusted p
    under :data:`BREAK_CAVEAT_P`): the one annual rate ratio averages over two courses and is not a steady
    change. The United Kingdom's detected victims, 2009–2020: "1.39 a year" (39% more each year) where the
    counts were about 300–800 a year up to 2016 and 5,138–10,627 from 2017 (a step by a factor of about 8, the
    rate before it 1.05 with an interval including 1). None without a trend, a break, or when the evidence for
    the break is weak (the trends notebook says those in its own section, :func:`break_sentence`)."""
    from evidence.analyses.coverage import years_in_words

    found, rr = models.found_break, models.rate_ratio
    if rr is None or found is None or not found.p_value_adjusted < BREAK_CAVEAT_P:
        return None

    def stat(value: float) -> str:  # a ratio, never a count of people; one under 0.005 is not "0.00"
        return markup.marked(
            f"{value:.2f}" if abs(value) >= 0.005 else markup.significant_text(value, 2), "statistic"
        )

    def rate(value: float, ci: tuple[float, float]) -> str:
        return f"{stat(value)} a year (95% interval {stat(ci[0])}–{stat(ci[1])})"

    year = markup.marked(str(found.break_year), "years")
    when = markup.marked(found.when(), "years")  # "between 2012 and 2016" after unread years
    text = (
        "One yearly rate for all these years hides a break: the counts change course "
        f"{when} (adjusted p {markup.marked(markup.p_value_text(found.p_value_adjusted), 'statistic')}); before "
        f"it the rate ratio was {rate(found.rate_ratio_before, found.ci_before)}, from it "
        f"{rate(found.rate_ratio_after, found.ci_after)}"
    )
    # the years just before the break that no count is read for (Singapore's 2011–2014 before 2015): the step
    # would be measured against the earlier course carried over them, which no count supports
    read = models.years or rr.years
    before = [y for y in read if y < found.break_year]
    unread = list(range(max(before) + 1, found.break_year)) if before else []
    low, high = found.ci_level_change
    if unread:
        text += (
            f". No count is read for {markup.marked(years_in_words(unread), 'years')}, just before the break: whether "
            "the counts moved from one course to the other by a step or gradually cannot be told"
        )
    elif not low <= 1 <= high:
        way = "up" if found.level_change > 1 else "down"
        text += (
            f", with a step {way} by a factor of {stat(found.level_change)} (95% interval {stat(low)}–"
            f"{stat(high)}) in {year}. A sudden step often reflects a change in what is counted or in how victims "
            "are identified and reported, as much as a change in trafficking"
        )
    return text + "."


def break_sentence(models: SeriesModels) -> str:
    """One paragraph on the most likely break in the trend of the complete years, or why there is none; when
    the models read a steady reporters' panel, it says so first (the break is the panel's, not the full
    series')."""
    text = _break_text(models)
    if models.panel is not None and models.rate_ratio is not None:
        first, last = models.panel.window
        note = models.break_note or ""
        if models.found_break is None and note.startswith("a break needs"):
            # nothing was searched: the panel is the series too short for one (the Philippines' 2007-2013)
            return (
                f"Too few {models.read_years} in the steady reporters' series of {first}–{last} (the panel "
                "above), on which a break would be searched, not on the full series, whose reporting countries "
                f"come and go: {_years_note(_break_need(note, models.read_years))}."
            )
        text = (
            f"Searched on the steady reporters' series of {first}–{last} (the panel above), not on the full "
            f"series, whose reporting countries come and go. {text}"
        )
    return text


def _break_need(note: str, read_years: str) -> str:
    """The analysis' "a break needs at least 8 years (4 per segment), got 6" as the brief's other sentences on too
    few years say it: "too few complete years: 6, where a break needs at least 8 (4 per segment)"."""
    found = re.fullmatch(r"a break needs at least (\d+) years \((\d+) per segment\), got (\d+)", note)
    if found is None:
        return note
    need, segment, got = found.groups()
    return f"too few {read_years}: {got}, where a break needs at least {need} ({segment} per segment)"


def _break_text(models: SeriesModels) -> str:
    found = models.found_break
    if models.rate_ratio is None:
        if (models.rate_note or "").startswith("too few"):
            from evidence.analyses.trends import MIN_BREAK_SEGMENT

            # the trend's rule is not the break's: a break needs two segments (Myanmar's nationals: 5 complete
            # years, "where a trend needs at least 6", read as if 6 were enough for a break)
            note = re.sub(
                r"where a trend needs at least \d+ \(with fewer, [^)]*\)$",
                f"where a break needs at least {2 * MIN_BREAK_SEGMENT} ({MIN_BREAK_SEGMENT} per segment)",
                models.rate_note or "",
            )
            return f"No break is searched for in the {models.read_years}: {_years_note(note)}."
        if models.rate_note == _WITHHELD_SERIES:  # a section on breaks says a break, not "No trend"
            return f"No break is searched for: {_WITHHELD_SERIES}."
        return trend_sentence(models)
    if found is None:
        note = models.break_note or ""
        if note.startswith("a break needs"):
            # its numbers are numbers of years (marked so: the brief's scan reads "got 3" as 3 people)
            return f"No break is searched for in the {models.read_years}: {_years_note(_break_need(note, models.read_years))}."
        return f"No break could be estimated from this series: {escape_markdown(note)}."
    from evidence.analyses.coverage import years_in_words

    unread = markup.marked(years_in_words(list(found.unread_before)), "years")
    dated = (
        f"**{found.break_year}**"
        if not found.unread_before
        else f"**{markup.marked(found.when(), 'years')}** (no count is read for {unread}, so the data cannot "
        "say in which of those years)"
    )
    text = (
        f"Most likely break: {dated} "
        f"(adjusted p {markup.marked(markup.p_value_text(found.p_value_adjusted), 'statistic')}). "
        f"Before it the rate ratio was {found.rate_ratio_before:.2f} a year "
        f"(95% interval {found.ci_before[0]:.2f}–{found.ci_before[1]:.2f}), after it "
        f"{found.rate_ratio_after:.2f} a year (95% interval {found.ci_after[0]:.2f}–{found.ci_after[1]:.2f})."
    )
    if found.p_value_adjusted >= 0.05:
        text += " The evidence for a break is weak: a single trend fits about as well."
    if found.warnings:
        text += " The model fit warned: " + escape_markdown("; ".join(found.warnings)) + "."
    return text


# ------------------------------------------------------------------------------------------- data quality


#: A whole percentage as a reader reads it: the share shown as 37% lies within 36.5% and 37.5% (a hair wider, so
#: that a share rounded at the half is inside).
_WHOLE_PERCENT = 0.005 + 1e-9


@dataclass(frozen=True)
class Completeness:
    """The completeness tables of one file, protected as one system (:func:`completeness_tables`).

    ``fields``: the table of fields (Field, Known, Not known, Records, Share known), None when too few records
    to protect; ``by``: per column broken down by (year, data_source_type...), its table (records per value and
    their total, and per key field the share known; ``–`` where withheld), None when too few to protect;
    ``folded``: the regions left out of ``fields`` as they are known for exactly their country's records
    (region -> country), so their numbers would be the country's again."""

    fields: pl.DataFrame | None
    by: dict[str, pl.DataFrame | None]
    folded: dict[str, str]


def _folded_regions(collected: pl.DataFrame) -> dict[str, str]:
    """The regions of ``collected`` (rows of :func:`evidence.analyses.quality.field_completeness`) known for
    exactly the records their country is known for, the country being collected too: region -> country."""
    if "country" not in collected.columns:
        return {}
    fields = set(collected["field"].to_list())
    return {
        row["field"]: row["country"]
        for row in collected.iter_rows(named=True)
        if row["country"] in fields and not row["known_without_country"] and not row["country_without_known"]
    }


def _label(reason: str | None, rule: DisclosureRule) -> str:
    return rule.label if reason == SMALL_REASON else COMPLEMENT_LABEL


@fails_closed
def completeness_tables(
    fields: pl.DataFrame,
    frames: Mapping[str, pl.DataFrame],
    rule: DisclosureRule,
    *,
    keyed: bool = False,
    not_collected: Sequence[str] = (),
    shares_only: bool = False,
    shown: Sequence[str] | None = None,
    fixed: Mapping[str, tuple[int, str | None]] | None = None,
) -> Completeness:
    """The table of fields (:func:`evidence.analyses.quality.field_completeness`) and the tables by year, by
    source type... (:func:`evidence.analyses.quality.completeness_by`, ``frames`` by the column they break down
    by), protected as one system, so that a number is published once, with one value, and nothing one table
    withholds follows from what the others publish.

    Each field's records known and not known are protected with their total (one-way, as the row accounting
    publishes the records); the records per year (per source type) with theirs; a share of a year is shown only
    where its records are and neither the records it implies known nor those not known is a small count (a share
    times its records gives them back). The counts are tied as a reader ties them (:class:`LinkedCounts`): the
    records of the years add up to all records, the records of the years known for a field to the field's known
    records, the year's not known records are the records of year "unknown", a region's known records are its
    country's give or take those with one and not the other; and further shares are withheld
    (:func:`~evidence.presentation.disclosure.protect_linked`) until none that is withheld, and no small count of
    records known or not known of a year, can be recomputed: every share of a field in a table, where no single
    share will do. With cell keys (``keyed``: ``known_key``/``records_key``, ``cell_key``/``n_known_<f>_key``)
    every count is perturbed by its key, the same in every table, and every share is of the published counts.

    ``shares_only``: the counts are published nowhere (the records kept are withheld in the table of files), only
    shares; the records are protected as known all the same (the table of files bounds them, and the shares
    narrow that to one number: a file of 16 rows read, its kept and rejected ``x``, holds 5 to 11 records, and
    45% and 55% fit 11 only). ``not_collected``: fields the layout does not collect (left out: 0% would read as missing).
    ``shown``: the fields whose shares the tables by year show (default: every ``known_<f>`` column of a frame);
    a frame's other ``n_known_<f>`` columns tie its rows to the table of fields without being shown (the single
    year known of each band of years).
    A region known for exactly its country's records is left out of the table of fields (``folded``).

    ``fixed``: how other outputs show each region's records with the region known and no country (region field ->
    their count, and None where it is shown as it is, else the reason it is withheld there), never withheld here.
    By default they are taken to be shown as the table of flagged rows shows a split state's rows (Yugoslavia's
    code: its region kept, its country read as missing), as a count, or ``<5`` where small: the region's known less
    its country's then gives back the records with a country and no region, which must not be small. A count that
    is not the field's own (other records) is ignored."""
    collected = fields.filter(pl.col("collected"))
    folded = _folded_regions(collected)
    rows = [r for r in collected.iter_rows(named=True) if r["field"] not in folded]
    system = LinkedCounts()
    total = ("N",)
    n_records = int(rows[0]["records"]) if rows else None
    if n_records is None and frames:
        n_records = int(next(iter(frames.values()))["records"].sum())
    if n_records is not None:
        # shares only: the records are shown nowhere, but a reader has them as closely as the table of files and
        # the shares give them (rows kept withheld, so at least the threshold; rows read less the rejected, at
        # least the threshold where withheld, at most; then the one number of records both shares fit): taken
        # as known, so that no region less its country, nor any small count, follows from the shares
        system.quantity(total, n_records, None if shares_only else "unpublished")

    # the table of fields: one protected pair per field
    pairs: dict[str, DisclosedTable] = {}
    fields_protected = bool(rows)
    for row in rows:
        known, records = int(row["known"]), int(row["records"])
        pair = pl.DataFrame({"part": ["Known", "Not known"], "n": [known, records - known]})
        keys = None
        if keyed and "known_key" in row:
            keys = pl.DataFrame({"n": [row["known_key"], row["records_key"] - row["known_key"]]})
        table = protected_table(pair, "part", ["n"], rule, total_label="Records", cell_keys=keys)
        if table is None:
            fields_protected = False
            break
        pairs[row["field"]] = table
    field_names = {row["field"] for row in rows} if fields_protected else set()
    for row in rows:
        f, known = row["field"], int(row["known"])
        system.quantity(("known", f), known)
        system.quantity(("unknown", f), int(row["records"]) - known)
        system.equalities.append({("known", f): 1.0, ("unknown", f): 1.0, total: -1.0})
        if f not in field_names:
            continue
        reasons = pairs[f].reasons["n"].to_list()
        if shares_only:
            if reasons[0] is None and reasons[1] is None:
                system.share(
                    ("known", f), known, total, known / n_records if n_records else 0.0, _WHOLE_PERCENT
                )
            else:
                system.quantity(("known", f), known, _withheld_reason(known, rule))
        else:
            system.publish(("known", f), known, reasons[0])
            system.publish(("unknown", f), int(row["records"]) - known, reasons[1])
            system.publish(total, n_records or 0, reasons[2])
        country = row.get("country")
        if country in field_names and (row["known_without_country"] or row["country_without_known"]):
            # a region beside its country: their difference is the records with one and not the other
            only, without = ("only", f), ("only_country", f)
            system.quantity(only, int(row["known_without_country"]))
            system.quantity(without, int(row["country_without_known"]))
            system.equalities.append({("known", f): 1.0, ("known", country): -1.0, only: -1.0, without: 1.0})
            system.derived[only] = {only: 1.0}
            system.derived[without] = {without: 1.0}
            n_only = int(row["known_without_country"])
            if fixed is None:  # as the table of flagged rows shows them
                shown_as: tuple[int, str | None] = (n_only, SMALL_REASON if rule.is_small(n_only) else None)
            else:
                shown_as = fixed.get(f, (-1, None))
            if n_only and shown_as[0] == n_only:
                _publish_read(system, only, n_only, shown_as[1], rule)
            if not row["country_without_known"]:  # every country has its region: a reader takes it so
                system.publish(without, 0, None)

    # the tables by a column: records per value with their total, and the shares of the fields shown
    tables: dict[str, DisclosedTable | None] = {}
    shares: dict[str, dict[str, list[tuple[int, int | None]]]] = {}
    shown_fields: dict[str, list[str]] = {}
    for by, frame in frames.items():
        labelled = frame.with_columns(pl.col(by).cast(pl.String).fill_null("unknown"))
        keys = labelled.select(pl.col(CELL_KEY).alias("records")) if CELL_KEY in labelled.columns else None
        table = protected_table(
            labelled.select(by, "records"), by, ["records"], rule, total_label="All records", cell_keys=keys
        )
        tables[by] = table
        counted = [int(n) for n in frame["records"].to_list()]
        names = [c.removeprefix("known_") for c in frame.columns if c.startswith("known_")]
        displayed = [f for f in names if f not in not_collected and (shown is None or f in shown)]
        shown_fields[by] = displayed
        reasons = (
            table.reasons["records"].to_list()
            if table is not None
            else [COMPLEMENT_REASON] * (len(counted) + 1)
        )
        for i, n in enumerate(counted):
            system.quantity(("rec", by, i), n, "unpublished" if shares_only else reasons[i])
        system.equalities.append({**{("rec", by, i): 1.0 for i in range(len(counted))}, total: -1.0})
        unknown_row = frame[by].is_null().arg_true().to_list()
        if ("known", by) in system.values:
            # the field's records not known are the row "unknown": one quantity, one status in both tables
            system.equalities.append(
                {("unknown", by): 1.0, **({("rec", by, unknown_row[0]): -1.0} if unknown_row else {})}
            )
        shares[by] = {}
        for f in names:
            counts = _known_counts(frame, f)
            if ("known", f) in system.values:
                system.equalities.append(
                    {**{("k", by, i, f): 1.0 for i in range(len(counted))}, ("known", f): -1.0}
                )
            if f not in displayed:  # a field tied to the table of fields, not shown: known for all, or none
                for i, (k, n) in enumerate(zip(counts, counted, strict=True)):
                    system.quantity(("k", by, i, f), k)
                    if k == n:
                        system.equalities.append({("k", by, i, f): 1.0, ("rec", by, i): -1.0})
                    elif k == 0:
                        system.publish(("k", by, i, f), 0, None)
                continue
            perturbed = _perturbed_known(frame, f, counts, rule)  # the counts, where no keys
            published = [] if table is None else table.frame["records"].to_list()
            cells: list[tuple[int, int | None]] = []
            for i, (k, n) in enumerate(zip(counts, counted, strict=True)):
                name = ("k", by, i, f)
                system.quantity(name, k)
                system.derived[("k-", by, i, f)] = {("rec", by, i): 1.0, name: -1.0}
                pk, pn = perturbed[i], (published[i] if published else None)
                safe = (
                    table is not None
                    and (shares_only or reasons[i] is None)
                    and not rule.is_small(k)
                    and not rule.is_small(n - k)
                    and pk is not None
                    # the records not known as a reader reads them off the published counts: none, or not small
                    # (a perturbation that takes the known above the records would show a share above 100%)
                    and (pn is None or pn - pk >= rule.threshold or (pn == pk and k == n))
                )
                if safe:
                    system.share(name, k, ("rec", by, i), k / n if n else 0.0, _WHOLE_PERCENT)
                else:
                    system.quantity(name, k, _withheld_reason(k, rule))
                cells.append((k, pk))
            shares[by][f] = cells

    _one_status(system, frames)
    try:
        _protect_shares(system, rule, frames, shares, field_names)
    except DisclosureError:  # tables no withholding protects together: shown as too few to protect
        return Completeness(None, dict.fromkeys(frames), folded)

    shown_table = _fields_view(rows, pairs, system, rule) if fields_protected else None
    # each field's share of all records, as the table of fields shows it: the tables by a column end with it
    overall = (
        {}
        if shown_table is None
        else dict(zip([r["field"] for r in rows], shown_table["Share known"], strict=True))
    )
    views = {
        by: _by_view(frame, by, tables[by], shares[by], shown_fields[by], system, rule, overall=overall)
        for by, frame in frames.items()
    }
    return Completeness(shown_table, views, folded)


def _withheld_reason(value: int, rule: DisclosureRule) -> str:
    return SMALL_REASON if rule.is_small(value) else COMPLEMENT_REASON


def _known_counts(frame: pl.DataFrame, field: str) -> list[int]:
    """The records with ``field`` known per row of a frame of :func:`~evidence.analyses.quality.completeness_by`
    (its ``n_known_<f>``; else its share times its records)."""
    if f"n_known_{field}" in frame.columns:
        return [int(v or 0) for v in frame[f"n_known_{field}"].to_list()]
    return [
        round((share or 0.0) * n)
        for share, n in zip(frame[f"known_{field}"].to_list(), frame["records"], strict=True)
    ]


def _perturbed_known(
    frame: pl.DataFrame, field: str, counts: list[int], rule: DisclosureRule
) -> list[int | None]:
    """The records known of each row as the cell key method publishes them (None where withheld); the counts
    themselves when the frame carries no keys of them."""
    column = f"n_known_{field}_key"
    if column not in frame.columns:
        return list(counts)
    table = suppress_counts(
        pl.DataFrame({"n": counts}, schema={"n": pl.Int64}),
        "n",
        rule,
        cell_keys=frame.select(pl.col(column).alias("n")),
    )
    return table.frame["n"].to_list()


def _one_status(system: LinkedCounts, frames: Mapping[str, pl.DataFrame]) -> None:
    """A count shown in two tables (a field's records not known, and its row "unknown" of the table by it)
    withheld in one is withheld in both, with the field's records known (their total is published)."""
    for by, frame in frames.items():
        unknown_row = frame[by].is_null().arg_true().to_list()
        if ("unknown", by) not in system.status or not unknown_row:
            continue
        pair = [("unknown", by), ("rec", by, unknown_row[0]), ("known", by)]
        statuses = [system.status.get(q) for q in pair[:2]]
        if any(s in (SMALL_REASON, COMPLEMENT_REASON) for s in statuses) or pair[1] in system.published_too:
            for q in pair:
                system.published_too.discard(q)
                if system.status.get(q) not in (SMALL_REASON, COMPLEMENT_REASON):
                    system.status[q] = COMPLEMENT_REASON


def _protect_shares(
    system: LinkedCounts,
    rule: DisclosureRule,
    frames: Mapping[str, pl.DataFrame],
    shares: Mapping[str, Mapping[str, list[tuple[int, int | None]]]],
    field_names: Collection[str],
) -> None:
    """Withhold further shares of ``system`` until nothing withheld follows (:func:`protect_linked`, among the
    shares whose records known and not known are both at least the threshold), and no withheld share's records
    known either (but a 0, which the rule holds safe); where no such share frees a count, every share of its
    field in its table, then the field's counts in the table of fields; and a region's counts where its
    difference from its country would give the records with one and not the other."""
    for _ in range(2 * sum(len(s) for s in shares.values()) + 2 * len(field_names) + 2):
        allowed = {
            q
            for q, status in system.status.items()
            if status == SHARE and isinstance(q, tuple) and q[0] == "k" and _both_large(system, q, rule)
        }
        try:
            protect_linked(system, rule, among=allowed)
        except DisclosureError:
            exposed = linked_exposures(system, rule)
        else:  # nothing small follows; a withheld share's own count must not either
            exposed = [q for q in linked_exposures(system, rule, complements=True) if _named(q)[0] == "k"]
            if not exposed:
                return
        widened = False
        for q in map(_named, exposed):
            if q[0] in ("k", "k-"):
                widened |= _withhold_column(system, frames, q[1], q[3]) or _withhold_pair(system, q[3])
            elif q[0] in ("only", "only_country"):
                widened |= _withhold_pair(system, q[1])
            elif q[0] == "rec":
                for f in shares.get(q[1], {}):
                    widened |= _withhold_column(system, frames, q[1], f)
        if not widened:
            raise DisclosureError("the completeness tables cannot be protected together")
    raise DisclosureError("the completeness tables cannot be protected together")


def _named(quantity: Hashable) -> tuple[Any, ...]:
    """A quantity of the completeness system: a tuple, its kind first."""
    return quantity if isinstance(quantity, tuple) else (quantity,)


def _both_large(system: LinkedCounts, share: tuple[Any, ...], rule: DisclosureRule) -> bool:
    """Whether a share's records known and not known are both at least the threshold (a complement to choose)."""
    known = system.values[share]
    return min(known, system.values[("rec", share[1], share[2])] - known) >= rule.threshold


def _withhold_pair(system: LinkedCounts, field: str) -> bool:
    """A field's records known and not known withheld in the table of fields; whether one was shown."""
    changed = False
    for part in (("known", field), ("unknown", field)):
        if part in system.values and system.status.get(part, "unpublished") in (None, SHARE):
            system.status[part] = COMPLEMENT_REASON
            changed = True
    return changed


def _withhold_column(system: LinkedCounts, frames: Mapping[str, pl.DataFrame], by: str, field: str) -> bool:
    """Every share of ``field`` in the table by ``by`` withheld; whether one was shown."""
    changed = False
    for i in range(frames[by].height):
        name = ("k", by, i, field)
        if system.status.get(name) == SHARE:
            system.status[name] = COMPLEMENT_REASON
            changed = True
    return changed


def _fields_view(
    rows: list[dict[str, Any]],
    pairs: Mapping[str, DisclosedTable],
    system: LinkedCounts,
    rule: DisclosureRule,
) -> pl.DataFrame:
    """The table of fields as the protected system publishes it."""
    out = []
    for row in rows:
        f = row["field"]
        published = pairs[f].frame["n"].to_list()
        cells: list[str] = []
        for value, name in zip(published, [("known", f), ("unknown", f), ("N",)], strict=True):
            status = system.status.get(name)
            withheld = value is None or (
                status in (SMALL_REASON, COMPLEMENT_REASON) and name not in system.published_too
            )
            reason = pairs[f].reasons["n"].to_list()[len(cells)] or (status if withheld else None)
            cells.append(_label(reason, rule) if withheld else f"{value:,}")
        known_withheld = cells[0] in (rule.label, COMPLEMENT_LABEL) or cells[1] in (
            rule.label,
            COMPLEMENT_LABEL,
        )
        # (perturbed, the known could exceed the records: no share above 100%)
        readable = not known_withheld and published[2] and published[0] <= published[2]
        share = f"{published[0] / published[2]:.0%}" if readable else ""
        out.append((FIELD_LABELS.get(f, f), *cells, share))
    return pl.DataFrame(out, schema=["Field", "Known", "Not known", "Records", "Share known"], orient="row")


def _by_view(
    frame: pl.DataFrame,
    by: str,
    table: DisclosedTable | None,
    shares: Mapping[str, list[tuple[int, int | None]]],
    displayed: Sequence[str],
    system: LinkedCounts,
    rule: DisclosureRule,
    *,
    overall: Mapping[str, str] | None = None,
) -> pl.DataFrame | None:
    """A table by ``by`` as the protected system publishes it: records per value (``x`` where the system
    withholds one more), and the shares shown (``–`` elsewhere); its row of all records gives each field's
    share of them as the table of fields shows it (``overall``, by field; empty where that table shows none)."""
    if table is None:
        return None
    shown = table.display()
    records = table.frame["records"].to_list()
    cells = shown["records"].to_list()
    for i in range(frame.height):
        if records[i] is not None and system.status.get(("rec", by, i)) == COMPLEMENT_REASON:
            cells[i], records[i] = COMPLEMENT_LABEL, None
    columns = {}
    for f in displayed:
        values = []
        for i, (_k, pk) in enumerate(shares[f]):
            n = records[i]
            ok = system.status.get(("k", by, i, f)) == SHARE and n and pk is not None
            values.append(f"{pk / n:.0%}" if ok else SHARE_SUPPRESSED_LABEL)
        columns[f.replace("_", " ")] = [*values, (overall or {}).get(f, "")]
    return (
        shown.with_columns(pl.Series("records", cells, pl.String))
        .rename({by: column_title(by), "records": "Records"})
        .with_columns(pl.Series(name, values, dtype=pl.String) for name, values in columns.items())
    )


def field_table(fields: pl.DataFrame, rule: DisclosureRule, *, keyed: bool = False) -> pl.DataFrame | None:
    """The table of fields of :func:`completeness_tables` alone (no table by a column beside it): records where
    known and where not, and the share known, per field the layout collects; None when too few records to
    protect."""
    return completeness_tables(fields, {}, rule, keyed=keyed).fields


#: Fields whose column name does not say what a reader needs to know (a year known as a range is known).
FIELD_LABELS = {
    "year": "year (a single year)",
    "year_band": "year_band (a single year, or a range such as 2014-2018)",
}


def completeness_table(
    frame: pl.DataFrame, by: str, rule: DisclosureRule, *, not_collected: Sequence[str] = ()
) -> pl.DataFrame | None:
    """The table by ``by`` of :func:`completeness_tables` alone (no table of fields beside it): records per value
    of ``by`` with their total, and per key field the share of them known, as a whole percentage (``–`` where
    withheld); None when too few records to protect."""
    empty = pl.DataFrame(
        schema={"field": pl.String, "known": pl.Int64, "records": pl.Int64, "collected": pl.Boolean}
    )
    return completeness_tables(empty, {by: frame}, rule, not_collected=not_collected).by[by]


#: A value a loader quotes in a reason (Python's quoting: ``'...'``, or ``"..."`` when the value holds a ``'``).
#: An apostrophe after a letter (the header's) opens no quote.
_QUOTED_VALUE = re.compile(r"""(?<!\w)(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")(?!\w)""")
#: What stands for a value of a victim's record in a reason a brief shows.
VALUE_WITHHELD = "(a value, not shown)"


def reason_without_values(reason: str) -> str:
    """``reason`` with the values it quotes from a record (an unknown label, a date as written) replaced by
    :data:`VALUE_WITHHELD`: a free-text cell of one victim's record ("uncle Somchai of Ban Nong Khai") is that
    record, whatever count stands beside it. ``evidence data validate`` shows the values to the analyst."""
    return _QUOTED_VALUE.sub(VALUE_WITHHELD, reason)


def reasons_table(
    reasons: dict[str, int], rule: DisclosureRule, *, total_label: str, people: bool = True
) -> DisclosedTable | pl.DataFrame | None:
    """Rows per reason (rejected or flagged) with their total, protected when the rows are people (victim
    records, whose values the reasons then do not quote: :func:`reason_without_values`; reasons that differed
    only by their values are added up); None when too few to protect. The rows of a country-level table
    (``people=False``: countries, published values, tier placements) are no one's records: their reasons and
    counts are shown as they are."""
    frame = pl.DataFrame(
        {"reason": list(reasons), "rows": [int(v) for v in reasons.values()]},
        schema={"reason": pl.String, "rows": pl.Int64},
    )
    if people:
        frame = (
            frame.with_columns(pl.col("reason").map_elements(reason_without_values, pl.String))
            .group_by("reason", maintain_order=True)
            .agg(pl.col("rows").sum())
        )
    if not people:
        total = pl.DataFrame({"reason": [total_label], "rows": [int(frame["rows"].sum())]})
        return pl.concat([frame, total]).with_columns(
            pl.col("rows").map_elements(lambda n: f"{n:,}", pl.String)
        )
    return protected_table(frame, "reason", ["rows"], rule, total_label=total_label)


#: What the numbers of :func:`coverage_view` count (for ``show_table(..., kinds=...)``): countries and values,
#: and a share; not people, so the brief's disclosure scan leaves them alone.
COVERAGE_KINDS = {"Countries": "countries", "Values": "values", "Censored (<5)": "statistic"}


def coverage_view(coverage: pl.DataFrame) -> pl.DataFrame:
    """:func:`evidence.analyses.quality.indicator_coverage` for display (counts of countries and values, not
    of victims; the censored share as a whole percentage)."""
    keys = [c for c in coverage.columns if c not in ("countries", "values", "censored_share")]
    return coverage.select(
        *[pl.col(k).cast(pl.String).alias(column_title(k)) for k in keys],
        pl.col("countries").map_elements(lambda n: f"{n:,}", return_dtype=pl.String).alias("Countries"),
        pl.col("values").map_elements(lambda n: f"{n:,}", return_dtype=pl.String).alias("Values"),
        pl.format("{}%", (pl.col("censored_share") * 100).round(0).cast(pl.Int64)).alias("Censored (<5)"),
    )


def coverage_note(loaded: LoadedTable) -> str:
    """The note under UNODC's countries per indicator and dimension: a breakdown by country counts every country
    that published it, those whose rows name no particular country too (:func:`~evidence.analyses.quality.
    breakdowns_naming_no_country`): 187 by country of repatriation against 140 by citizenship in the 2023 workbook,
    45 of them with only "Abroad" (every row of 2003 and 2008). Plain text; "" when no such country."""
    from evidence.analyses.coverage import years_in_words
    from evidence.analyses.quality import breakdowns_naming_no_country

    if loaded.kind != "indicator" or "category_iso3" not in loaded.data.columns:
        return ""
    parts = []
    found = breakdowns_naming_no_country(loaded).filter(pl.col("naming_no_country") > 0)
    for row in found.iter_rows(named=True):
        # plain text (a table's note is escaped where it is written), counts of countries in words below 100: in
        # figures the brief's disclosure scan would read a small one as people
        part = (
            f"{number_in_words(row['naming_no_country'])} of the {number_in_words(row['countries'])} with "
            f"{str(row['indicator']).lower()} {row['dimension']}"
        )
        if row["years_naming_none"]:
            part += f" (no row of {years_in_words(row['years_naming_none'])} names one)"
        parts.append(part)
    if not parts:
        return ""
    return (
        "Countries: those that published a value of the breakdown, those whose rows name no particular country "
        f'("Abroad", an unknown citizenship, text not mapped to a country) included: {word_list(parts)}.'
    )


def unmapped_citizenship_table(
    loaded: LoadedTable, rule: DisclosureRule, *, rows: bool = True
) -> pl.DataFrame | None:
    """The citizenship (and repatriation) strings of a UNODC table that name no single country, for a person
    to review: as written, in which breakdown, rows (``rows``: cells of the file, for a data steward; without
    them, only strings that carry detected victims are listed), detected victims (a range where ``<5`` cells are in it;
    a low end below the threshold written ``up to 16``: :func:`~evidence.presentation.disclosure.range_text`) and the *suggested* country, which nothing applies. None when
    every string was mapped or the table is not UNODC's."""
    from evidence.sources.unodc import SOURCE, unmapped_categories

    if loaded.provenance.source != SOURCE:
        return None
    table = unmapped_categories(loaded)
    if not rows:  # a reader's table: strings that carry detected victims (the rest count persons convicted)
        table = table.filter(pl.col("victims_high") > 0)
    if not table.height:
        return None

    def victims(low: int, high: int) -> str:
        # the one rule of ranges: a low end below the threshold, "up to 16"
        return range_text(low, high, rule)

    suggested = [
        f"{country} ({iso3}), similarity {similarity:.2f}" if iso3 else ""
        for country, iso3, similarity in table.select(
            "suggested_country", "suggested_iso3", "similarity"
        ).iter_rows()
    ]
    frame = pl.DataFrame(
        {
            "As written": table["category"],
            "Breakdown": table["reason"].str.replace(" not mapped to a country", ""),
            "Rows": table["rows"].cast(pl.String),
            "Detected victims": [
                victims(low, high) for low, high in table.select("victims_low", "victims_high").iter_rows()
            ],
            "Suggested country (to review; not applied)": suggested,
        }
    )
    return frame if rows else frame.drop("Rows")


def unmapped_citizenship_share(loaded: LoadedTable) -> str | None:
    """One sentence: the share of detected victims (citizenship breakdown) whose citizenship names no single
    country, next to the share the publisher gives as unknown; None for a table that is not UNODC's."""
    from evidence.sources.unodc import SOURCE, citizenship_coverage

    if loaded.provenance.source != SOURCE:
        return None
    coverage = citizenship_coverage(loaded)
    share = coverage.unmapped_share
    if share is None:
        return "No detected victims are broken down by citizenship in this table."
    low, high = share
    unknown = coverage.unspecified[1] / coverage.total[1] if coverage.total[1] else 0.0

    def percent(value: float) -> str:  # never "0.0%" of a share above none
        return f"{value:.1%}" if value >= 0.0005 or not value else "less than 0.1%"

    # none is said as none: "0.0% … and about 0.0%" read as a share of somebody (the demo's workbook)
    unmapped = (
        "none has a citizenship the country reference cannot map to a single country"
        if not high
        else f"{percent(low) if percent(low) == percent(high) else f'{percent(low)}–{percent(high)}'} have a "
        "citizenship the country reference cannot map to a single country (listed for review)"
    )
    given = "none one" if not unknown else f"about {percent(unknown)} a citizenship"
    return (
        f"Of the victims detected by citizenship, {unmapped}, and {given} the publisher gives as unknown"
        + ("." if not high and not unknown else "; such victims are left out of routes by origin.")
    )


def source_heading(loaded: LoadedTable, level: int = 3) -> str:
    """A Markdown heading naming ``loaded``'s source and release as readers know it ("UNODC GLOTIP, release 30
    May 2023"), never a layout id; its text (a sidecar may have written it) escaped for Markdown and HTML, and
    marked as a label (:func:`~evidence.presentation.markup.data_label`): a title "extract 2 of 3" counts nobody."""
    return f"{'#' * level} {markup.data_label(loaded.provenance.label)}"
