"""Profiles of victims (case table): shares under the CTDC denominator rule, cross-tabulations, odds ratios.

**Denominator rule** (CTDC codebook). The flags of a group (forms of exploitation, means of control, labour
sectors…) are multi-valued: a record is in the group's denominator only if at least one of its flags is true;
a record with none true is *unknown* for the whole group. The share of a flag is (records with it true) / (records
with any flag of the group true), so shares of a group can sum to more than 100%. For a single-valued column
(gender, age band…) the denominator is the records where it is known.

**The organisation's own groups.** The flag groups are those of the data quality notebook
(:func:`evidence.analyses.quality.completeness_groups`): CTDC's, with an organisation's extra flags in theirs
(forced criminality among the forms, fishing among the sectors), the perpetrators' roles, and the kinds of
assistance (``assistance``, where the records have them). Assistance is answered by a "no": a victim given none
of the kinds recorded is in its denominator (the loader makes every kind "no" known, every kind empty unknown).

**Columns holding several values** (:data:`~evidence.sources.case_schema.MULTI_VALUED_COLUMNS`: transit
countries ``LAO;THA``, referral sources, the Victim–Perpetrator file's ``Female;Male``) count each value, a
victim once per value, as a flag group counts each flag: the denominator is the victims with at least one value
recorded, and shares overlap (:func:`multi_valued` says so of a group or column).

Every function takes a :class:`~evidence.analyses.selection.Selection` (its country, role and years select the
records) or a whole case table. Counts of :func:`group_shares` of a table protected by cell key carry their cell
keys (:func:`crosstab`'s are exact, without keys).

**Recorded or not.** Which flags a group has is read from the table's layout (the whole table), not from the
selection: a flag the layout records is a category of every selection, a 0 where none of its victims has it.
A selection without records, or whose victims all have the group not recorded, gives an empty table (the
trends module's convention) and :func:`why_empty` says why, without a count; a flag group the layout does not
record at all is refused (:class:`~evidence.core.errors.ParameterError`), as :func:`odds_ratios` refuses what
it cannot estimate.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import polars as pl

from evidence.analyses.count_models import captured_warnings
from evidence.analyses.intervals import check_level, clean_float, wilson_interval
from evidence.analyses.quality import ANSWERED_GROUPS, PERPETRATOR_ROLES, completeness_groups
from evidence.analyses.selection import (
    CELL_KEY,
    NO_RECORDS,
    RECORD_CELL_KEY,
    Selection,
    as_selection,
    built_once,
    recorded_flags,
    resolve_table,
    selection_text,
)
from evidence.analyses.trends import FLAG_DIMENSIONS, UNKNOWN, flag_label
from evidence.core.errors import ParameterError
from evidence.core.text import level_text, overview_html, overview_text
from evidence.sources.case_schema import (
    FLAG_COLUMNS,
    FLAG_GROUPS,
    MULTI_VALUED_COLUMNS,
    VALUE_SEPARATOR,
    apply_denominator_rule,
)
from evidence.sources.loaded import LoadedTable

#: What the profile functions take: a :class:`~evidence.analyses.selection.Selection`, or a whole case table.
Selected = Selection | LoadedTable | pl.DataFrame

#: The category sparse categories are merged into when the predictor has a category "Other" of its own.
MERGED_OTHER = "Other (merged)"

#: Categories with fewer records than this in the analysis sample are merged into "Other" before a logistic
#: regression (a rare category gives an unstable or infinite odds ratio).
MIN_CATEGORY_N = 20


def _selection(cases: Selected) -> Selection:
    selection = as_selection(cases)
    if selection.kind != "case":
        raise ParameterError("profiles need victim records (a case table), not country-level indicators")
    return selection


def _cases(cases: Selected) -> pl.DataFrame:
    return _selection(cases).records()


def _dimensions(df: pl.DataFrame) -> dict[str, list[str]]:
    """The flag groups a table may be profiled by (``form`` the forms of exploitation) -> their flags: the data
    quality notebook's groups (:func:`~evidence.analyses.quality.completeness_groups`), with the kinds of
    assistance where the table has them."""
    groups = completeness_groups(df.columns)
    return {"form": groups["exploitation"], **groups}


def _recorded(df: pl.DataFrame, group: str) -> list[str]:
    """The flags of a group (:func:`_dimensions`) that the table records: in it and not null on every record."""
    present = [c for c in _dimensions(df).get(group, []) if c in df.columns]
    if not present:
        return []
    non_null = df.select(pl.col(present).is_not_null().any()).row(0, named=True)
    return [c for c in present if non_null[c]]


def _ruled(frame: pl.DataFrame, group: str, flags: list[str]) -> tuple[pl.DataFrame, pl.Expr]:
    """``frame`` with the group's rule applied to its flags, and the expression of the records it is known for:
    CTDC's denominator rule (known where a flag is true), or for a group answered by a "no"
    (:data:`ANSWERED_GROUPS`) known where a flag is true or false, its empty flags then false."""
    name = FLAG_DIMENSIONS.get(group, group)
    if name in ANSWERED_GROUPS:
        known = pl.any_horizontal(pl.col(c).is_not_null() for c in flags)
        ruled = frame.with_columns(
            pl.when(known).then(pl.col(c).fill_null(False)).otherwise(None).alias(c) for c in flags
        )
        return ruled, known
    ruled = apply_denominator_rule(frame, {name: flags})
    return ruled, pl.any_horizontal(pl.col(c).fill_null(False) for c in flags)


def _values(column: str) -> pl.Expr:
    """The values of a column holding several (:data:`MULTI_VALUED_COLUMNS`), as a list per record: split on the
    case table's separator, blanks dropped, each once."""
    return (
        pl.col(column)
        .cast(pl.String)
        .str.split(VALUE_SEPARATOR)
        .list.eval(pl.element().str.strip_chars().filter(pl.element().str.strip_chars() != ""))
        .list.unique(maintain_order=True)
    )


def multi_valued(cases: Selected, group: str) -> bool:
    """Whether a victim may count under several categories of ``group`` (a flag group, or a column holding
    several values such as ``transit_iso3``): the shares of :func:`group_shares` then overlap (they may sum to
    more than 100%), of the victims with at least one category recorded ("Recorded (at least one)")."""
    selection = _selection(cases)
    column = column_of(selection.frame, group, "group")
    return column in _dimensions(selection.frame) or column in MULTI_VALUED_COLUMNS


def _flags_of(selection: Selection, group: str, name: str | None = None) -> list[str]:
    """The flags of ``group`` that the table's layout records (read from the whole table, not the selection:
    a flag the layout records is a 0 for a victim of the selection whose group is known, never left out), or a
    :class:`ParameterError` when the layout records none (``name``: the group as the caller named it)."""
    flags = _recorded(selection.frame, group)
    if not flags:
        raise ParameterError(
            f"{_group_text(name or group)} is not recorded in these data: every flag of the group is empty on "
            "every record of the table (its layout has no such field)"
        )
    return flags


def _group_text(group: str) -> str:
    """A group as a reader names it: ``form`` → "form of exploitation", ``means_of_control`` → "means of
    control", a column by its name."""
    if group in ("form", "exploitation"):
        return "form of exploitation"
    return group.replace("_", " ")


#: Names a researcher uses for a case-table column (as ``trends.yearly_counts`` reads them) -> the column.
COLUMN_ALIASES: dict[str, str] = {
    "sex": "gender",
    "age": "age_band",
    "citizenship": "origin_iso3",
    "origin": "origin_iso3",
    "destination": "destination_iso3",
}
#: The categorical columns of the case table a profile is usually made by, in the order error messages name them.
_USUAL_COLUMNS = (
    "gender",
    "age_band",
    "majority_status",
    "data_source_type",
    "trafficking_duration",
    "origin_iso3",
    "origin_region",
    "origin_subregion",
    "destination_iso3",
    "destination_region",
    "destination_subregion",
)


def column_of(df: pl.DataFrame, name: str, what: str = "dimension") -> str:
    """The flag group or categorical column ``name`` reads (``sex`` → ``gender``, ``age`` → ``age_band``,
    ``citizenship``/``origin`` → ``origin_iso3``, ``destination`` → ``destination_iso3``: the names
    :func:`~evidence.analyses.trends.yearly_counts` takes), or a :class:`ParameterError` naming the choices."""
    dimensions = _dimensions(df)
    if name in dimensions:
        return name
    column = name if name in df.columns else COLUMN_ALIASES.get(name, name)
    if column in df.columns and column not in FLAG_COLUMNS and not column.startswith("_"):
        return column
    usual = [c for c in _USUAL_COLUMNS if c in df.columns]
    raise ParameterError(
        f"unknown {what} {name!r}: use a flag group ({', '.join(dimensions)}) "
        f"or a column of the case table ({', '.join(usual)}; also sex, age, citizenship, destination)"
    )


def recorded_in_layout(df: pl.DataFrame, group: str) -> bool:
    """Whether a table's layout records ``group`` at all (a flag group with a flag set or cleared somewhere, or
    a column with a value somewhere): the difference between "not recorded in these data" and "no victim of
    this selection has it recorded"."""
    if group in _dimensions(df):
        return bool(_recorded(df, group))
    # sex, age…: the names column_of reads ("sex" was "not recorded in these data" for a table recording it)
    column = group if group in df.columns else COLUMN_ALIASES.get(group, group)
    return column in df.columns and df[column].null_count() < df.height


#: The columns of :func:`group_shares`, and those keyed records add.
SHARES_COLUMNS: dict[str, pl.DataType] = {
    "category": pl.String(),
    "count": pl.Int64(),
    "n_known": pl.Int64(),
    "n_unknown": pl.Int64(),
    "share": pl.Float64(),
    "ci_low": pl.Float64(),
    "ci_high": pl.Float64(),
}
_KEY_COLUMNS: dict[str, pl.DataType] = {
    CELL_KEY: pl.Int64(),
    "n_known_key": pl.Int64(),
    "n_unknown_key": pl.Int64(),
}


def group_shares(cases: Selected, group: str, *, level: float = 0.95) -> pl.DataFrame:
    """Share of each category of ``group`` (a flag group such as ``form``/``exploitation``, ``means_of_control``,
    ``labour_sector``, or a column such as ``gender``, also called ``sex``: :func:`column_of`) among the records
    where the group is known.

    Columns: category, count, n_known, n_unknown, share, ci_low, ci_high (Wilson score interval at ``level``,
    exactly 0 at a count of 0 and 1 at a count of n_known: binomial sampling error of the exact counts only, as
    if the recorded victims were a random sample; not of who is identified, of the unknowns, of a synthetic
    release's synthesis or of a published count's perturbation: docs/methods.md, *Profiles*); for keyed
    records also ``cell_key``, ``n_known_key`` and ``n_unknown_key`` (the cell keys of count, n_known and
    n_unknown). ``n_unknown`` is the selection's records outside the denominator (the group not recorded for
    them), so n_known + n_unknown is every record of the selection. A flag the table's layout records is a
    category even where no victim of the selection has it (a count of 0); one it does not record (null on every
    record of the table) is none.

    **Empty.** A selection without records, or whose records all have the group not recorded (a column null on
    each, a flag group with no flag true), gives an empty table with these columns (as the trends module's
    count functions do): :func:`why_empty` says why. A flag group the table's layout does not record at all
    (the victim-perpetrator layout's means of control) raises :class:`ParameterError`, as a question these data
    cannot answer.
    """
    level = check_level(level)
    selection = _selection(cases)
    # a brief asks for the same shares from its yearly table by form (protected with the profile) and from the
    # profile itself: made once per table (the records' keys and the layout too) and selection, group and
    # level, each caller its own copy; what raises is raised each time
    whole, _ = resolve_table(selection.table)
    secret = selection.record_key_secret  # the records' keys are a function of it: the shares too
    loaded = selection.loaded
    layout = loaded.provenance.layout if loaded is not None else None
    key = (
        "group shares",
        selection.keyed,
        secret,
        layout,
        selection.country,
        selection.role,
        selection.years,
        group,
        level,
    )
    return built_once(whole, key, lambda: _group_shares(selection, group, level))


def _group_shares(selection: Selection, group: str, level: float) -> pl.DataFrame:
    df = selection.records()
    given, group = group, column_of(df, group, "group")
    keyed = RECORD_CELL_KEY in df.columns
    key = pl.col(RECORD_CELL_KEY) if keyed else pl.lit(0, pl.Int64)
    if group in _dimensions(df):
        flags = _flags_of(selection, group, given)
        ruled, known = _ruled(df.select(*flags, key.alias(RECORD_CELL_KEY)), group, flags)
        stats = ruled.select(
            known.sum().alias("n_known"),
            pl.col(RECORD_CELL_KEY).filter(known).sum().alias("n_known_key"),
            pl.col(RECORD_CELL_KEY).sum().alias("all_key"),
            *[pl.col(c).fill_null(False).sum().alias(c) for c in flags],
            *[
                pl.col(RECORD_CELL_KEY).filter(pl.col(c).fill_null(False)).sum().alias(f"{c}_key")
                for c in flags
            ],
        ).row(0, named=True)
        n_known, known_key = int(stats["n_known"] or 0), int(stats["n_known_key"] or 0)
        out = pl.DataFrame(
            {
                "category": [flag_label(c) for c in flags],
                "count": [int(stats[c] or 0) for c in flags],
                CELL_KEY: [int(stats[f"{c}_key"] or 0) for c in flags],
            },
            schema={"category": pl.String, "count": pl.Int64, CELL_KEY: pl.Int64},
        )
        all_key = int(stats["all_key"] or 0)
    elif group in MULTI_VALUED_COLUMNS:  # each value counts, a victim once per value
        values = (
            df.select(key.alias(RECORD_CELL_KEY), _values(group).alias("category"))
            .with_row_index("_id")
            .filter(pl.col("category").list.len() > 0)
        )
        n_known = values.height
        known_key = int(values[RECORD_CELL_KEY].sum() or 0) if n_known else 0
        out = (
            values.explode("category")
            .group_by("category")
            .agg(
                pl.len().cast(pl.Int64).alias("count"),
                pl.col(RECORD_CELL_KEY).sum().cast(pl.Int64).alias(CELL_KEY),
            )
        )
        all_key = int(df.select(key.sum()).item() or 0)
    else:
        _check_not_one_or_empty(selection, group)
        out = (
            df.with_columns(key.alias(RECORD_CELL_KEY))
            .filter(pl.col(group).is_not_null())
            .group_by(category=pl.col(group).cast(pl.String))
            .agg(
                pl.len().cast(pl.Int64).alias("count"),
                pl.col(RECORD_CELL_KEY).sum().cast(pl.Int64).alias(CELL_KEY),
            )
        )
        n_known = int(out["count"].sum()) if out.height else 0
        known_key = int(out[CELL_KEY].sum()) if out.height else 0
        all_key = int(df.select(key.sum()).item() or 0)
    schema = {**SHARES_COLUMNS, **(_KEY_COLUMNS if keyed else {})}
    if not n_known:  # an empty selection, or the group recorded for none of it: no share to give
        return pl.DataFrame(schema=schema)
    low, high = wilson_interval(out["count"].to_numpy(), np.full(out.height, n_known), 1 - level)
    out = out.with_columns(
        n_known=pl.lit(n_known, pl.Int64),
        n_unknown=pl.lit(df.height - n_known, pl.Int64),
        share=pl.col("count") / n_known,
        ci_low=pl.Series(low).fill_nan(None),
        ci_high=pl.Series(high).fill_nan(None),
        n_known_key=pl.lit(known_key, pl.Int64),
        n_unknown_key=pl.lit(all_key - known_key, pl.Int64),
    ).sort(["count", "category"], descending=[True, False])
    return out.select(list(schema))


#: The flags a layout writes as ``1`` or empty, outside the flag groups (layout -> its columns): an empty cell is
#: "no" or "not recorded" alike. The Victim–Perpetrator layout's perpetrator roles; a bare frame's (no layout
#: known) too, since only that layout fills them (an organisation's mapping and the register cannot name them).
ONE_OR_EMPTY_FLAGS: dict[str | None, frozenset[str]] = {
    "victim_perpetrator": frozenset(PERPETRATOR_ROLES),
    None: frozenset(PERPETRATOR_ROLES),
}


def _check_not_one_or_empty(selection: Selection, column: str) -> None:
    """Refuse the shares of a flag column that the table's layout writes as 1 or empty
    (:data:`ONE_OR_EMPTY_FLAGS`: the victim-perpetrator layout's perpetrator roles) and that is never false in
    the table: an empty cell is "no" or "not recorded", so among the records where it is not empty it is true by
    construction (100%). The layout decides, not the data: a flag whose "no" the layout records (an
    organisation's flag, 12 known records all "recruiter" = 1) that is true for every known record is data, and
    keeps its share (12 of 12)."""
    loaded = selection.loaded
    layout = loaded.provenance.layout if loaded is not None else None
    if column not in ONE_OR_EMPTY_FLAGS.get(layout, frozenset()):
        return
    df = selection.frame
    if df.schema[column] == pl.Boolean and df[column].any() and not (~df[column]).any():
        raise ParameterError(
            f"{column} is a flag written as 1 or empty, outside the flag groups: an empty cell may be 'no' or "
            "'not recorded', so its share of the records where it is not empty is 100% by construction; count "
            "its victims (crosstab) instead"
        )


def why_empty(cases: Selected, group: str) -> str | None:
    """Why :func:`group_shares` of ``cases`` by ``group`` has no row, naming what was selected and what the
    data hold instead; None when it has rows. No count is given (the text is safe to show).

    "no victim records of PHL (Philippines) as origin, every year: PHL is in none of the table's records"
    (the selection is empty: :func:`evidence.analyses.trends.why_empty`'s words); "means of control is not
    recorded for any victim record of KHM (Cambodia) as origin, every year (every flag of the group empty: not
    recorded, which is not 0; the table records it for other victims)"; "age band is not recorded in these
    data (empty on every record of the table)". A flag group the layout does not record at all raises
    :class:`ParameterError`, as :func:`group_shares` does."""
    from evidence.analyses import trends

    selection = _selection(cases)
    if group_shares(selection, group).height:
        return None
    df = selection.records()
    column = column_of(df, group, "group")
    what = selection_text(selection)
    if not df.height:  # trends says why a selection is empty (the country in its role, the years)
        return trends.why_empty(selection) or f"no victim records of {what}"
    name = _group_text(group)
    if column in _dimensions(df):
        return (
            f"{name} is not recorded for any victim record of {what} (every flag of the group empty: not "
            "recorded, which is not 0; the table records it for other victims)"
        )
    if not recorded_in_layout(selection.frame, column):
        return f"{name} is not recorded in these data (empty on every record of the table)"
    return (
        f"{name} is not recorded for any victim record of {what} (empty on each: not recorded; the table "
        "records it for other victims)"
    )


def _long(selection: Selection, df: pl.DataFrame, dimension: str) -> pl.DataFrame:
    """(_id, dimension) pairs: one per record for a column (null → Unknown); one per true flag for a group
    (records unknown for the group get Unknown)."""
    if dimension in _dimensions(df):
        flags = _flags_of(selection, dimension)
        ruled, known_expr = _ruled(df.select("_id", *flags), dimension, flags)
        known = ruled.filter(known_expr)
        pairs = (
            known.unpivot(index="_id", on=flags, variable_name=dimension, value_name="_flag")
            .filter(pl.col("_flag"))
            .select(
                "_id",
                pl.col(dimension).replace_strict({c: flag_label(c) for c in flags}, return_dtype=pl.String),
            )
        )
        unknown = ruled.join(known.select("_id"), on="_id", how="anti").select(
            "_id", pl.lit(UNKNOWN).alias(dimension)
        )
        return pl.concat([pairs, unknown])
    column = column_of(df, dimension)
    if column in MULTI_VALUED_COLUMNS:  # one pair per value; a victim without any is Unknown
        values = df.select("_id", _values(column).alias(dimension))
        return values.with_columns(
            pl.when(pl.col(dimension).list.len() > 0)
            .then(pl.col(dimension))
            .otherwise(pl.lit([UNKNOWN], pl.List(pl.String)))
            .alias(dimension)
        ).explode(dimension)
    return df.select("_id", pl.col(column).cast(pl.String).fill_null(UNKNOWN).alias(dimension))


def crosstab(cases: Selected, row: str, column: str, *, include_unknown: bool = False) -> pl.DataFrame:
    """Counts of records by ``row`` × ``column`` (wide: one column per category of ``column``).

    Either may be a flag group (a record counts under each of its true flags, so cells can sum to more than
    the records) or a column (by its name or the names :func:`column_of` reads: ``sex``, ``age``…), the table's
    headers keeping the names given. Unknowns are left out unless ``include_unknown``. The counts are exact and
    carry no cell keys, even for keyed records: to publish, protect them (``causes.profile`` gives such a table
    with its keys, as the notebooks show it).

    **Empty.** A selection without records, or without a record where both are known (unless
    ``include_unknown``), gives a table of the ``row`` column only and no row (as :func:`group_shares` gives
    an empty table: :func:`why_empty` of each says why). A flag group the table's layout does not record at all
    raises :class:`ParameterError`.
    """
    selection = _selection(cases)
    df = selection.records().with_row_index("_id")
    if row == column or _same_dimension(df, row, column):
        raise ParameterError("row and column must be different dimensions")
    pairs = _long(selection, df, row).join(_long(selection, df, column), on="_id")
    if not include_unknown:
        pairs = pairs.filter((pl.col(row) != UNKNOWN) & (pl.col(column) != UNKNOWN))
    long = pairs.group_by(row, column).agg(pl.len().cast(pl.Int64).alias("count"))
    if not long.height:
        return pl.DataFrame(schema={row: pl.String})
    wide = long.pivot(on=column, index=row, values="count", sort_columns=True)
    categories = _in_order(df, column, [c for c in wide.columns if c != row])
    rows = _in_order(df, row, wide[row].to_list())
    return (
        wide.select(row, *[pl.col(c).fill_null(0) for c in categories])
        .with_columns(_order=pl.col(row).replace_strict(rows, list(range(len(rows))), return_dtype=pl.Int64))
        .sort("_order")
        .drop("_order")
    )


def _same_dimension(df: pl.DataFrame, a: str, b: str) -> bool:
    """Whether two names read one dimension (``sex`` and ``gender``, ``form`` and ``exploitation``)."""
    first, second = column_of(df, a), column_of(df, b)
    return FLAG_DIMENSIONS.get(first, first) == FLAG_DIMENSIONS.get(second, second)


def _in_order(df: pl.DataFrame, dimension: str, categories: list[str]) -> list[str]:
    """``categories`` of a dimension in its own order where it has one (age bands young to old, an ordered
    column's categories), else alphabetical; ``Unknown`` last."""
    column = None if dimension in _dimensions(df) else column_of(df, dimension)
    dtype = df.schema[column] if column else None
    declared = [str(c) for c in dtype.categories] if isinstance(dtype, pl.Enum) else []
    rank = {c: i for i, c in enumerate(declared)}
    return sorted(categories, key=lambda c: (c == UNKNOWN, rank.get(c, len(rank)), c))


# ------------------------------------------------------------------------------------------------ odds ratios


@dataclasses.dataclass(frozen=True)
class OddsRatio:
    """The odds ratio of one category of a predictor against its reference category."""

    predictor: str
    category: str
    reference: str
    odds_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int  # records of this category in the sample
    #: the p-value adjusted by Holm's method over the model's terms (a model of several categories tests each:
    #: the smallest of many p-values is small by chance more often than its own p-value says)
    p_holm: float = math.nan

    def to_dict(self) -> dict[str, Any]:
        return {
            "predictor": self.predictor,
            "category": self.category,
            "reference": self.reference,
            "odds_ratio": clean_float(self.odds_ratio),
            "ci_low": clean_float(self.ci_low),
            "ci_high": clean_float(self.ci_high),
            "p_value": clean_float(self.p_value, 8),
            "p_holm": clean_float(self.p_holm, 8),
            "n": self.n,
        }


@dataclasses.dataclass(frozen=True)
class OddsRatios:
    """A logistic regression of an outcome flag (against a reference flag, or against all other known cases)."""

    outcome: str
    versus: str
    predictors: tuple[str, ...]
    references: dict[str, str]
    terms: tuple[OddsRatio, ...]
    n_used: int
    n_outcome: int
    n_excluded: (
        int  # records outside the sample: outcome unknown, both flags, neither, or a predictor unknown
    )
    merged: dict[str, tuple[str, ...]]  # predictor -> categories merged into "Other"
    dropped: dict[str, tuple[str, ...]]  # predictor -> categories whose records were dropped
    separation_suspected: bool
    level: float
    #: what the fit warned about (no convergence, perfect separation…): shown beside the odds ratios
    warnings: tuple[str, ...] = ()
    #: the predictors asked for (by their columns); those not in ``predictors`` kept one category only
    asked: tuple[str, ...] = ()
    #: a predictor asked for that kept one category only -> that category: the odds ratios are of its victims
    only: dict[str, str] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "versus": self.versus,
            "predictors": list(self.predictors),
            "references": dict(self.references),
            "odds_ratios": [t.to_dict() for t in self.terms],
            "n_used": self.n_used,
            "n_outcome": self.n_outcome,
            "n_excluded": self.n_excluded,
            "merged_into_other": {k: list(v) for k, v in self.merged.items()},
            "dropped_categories": {k: list(v) for k, v in self.dropped.items()},
            "single_category": dict(self.only),
            "separation_suspected": self.separation_suspected,
            "level": self.level,
            "warnings": list(self.warnings),
        }

    def frame(self) -> pl.DataFrame:
        """The odds ratios as a table, one row per term."""
        return pl.DataFrame([dataclasses.asdict(t) for t in self.terms])

    def _overview(self, *, numbers: bool = True) -> tuple[str, list[tuple[str, list[str]]]]:
        """A title and (label, text) lines: the odds ratios with their intervals, the sample and what was
        merged or dropped; with ``numbers``, the sample's exact counts, said to be exact (not through the
        disclosure rule)."""
        versus = (
            flag_label(self.versus)
            if self.versus in FLAG_COLUMNS
            else "the other victims with the group recorded"
        )
        title = f"odds of {flag_label(self.outcome).lower()} against {versus.lower()}"
        if numbers:
            title += "; EXACT COUNTS, NOT DISCLOSURE-CONTROLLED"
        level = level_text(self.level)
        lines: list[tuple[str, list[str]]] = []
        for predictor in self.predictors:
            lines.append(
                (
                    predictor.replace("_", " "),
                    [
                        f"{t.category} vs {t.reference}: {_ratio_text(t.odds_ratio)} ({level} CI "
                        f"{_ratio_text(t.ci_low)}–{_ratio_text(t.ci_high)}), {_p_text(t.p_value)}"
                        + (f" (Holm {_p_text(t.p_holm)})" if len(self.terms) > 1 else "")
                        + (f", {t.n:,} victims" if numbers else "")
                        for t in self.terms
                        if t.predictor == predictor
                    ],
                )
            )
        sample = (
            f"victims with {flag_label(self.outcome).lower()} or {versus.lower()}, not both"
            if self.versus in FLAG_COLUMNS
            else "victims with the outcome's group recorded"
        ) + ", every predictor recorded (complete cases)"
        if numbers:
            sample += (
                f": {self.n_used:,} victims, {self.n_outcome:,} with the outcome; {self.n_excluded:,} of the "
                "selection outside the sample"
            )
        lines.append(("sample", [sample]))
        for label, categories, fate in (
            ("merged", self.merged, 'merged into one "Other" category'),
            ("dropped", self.dropped, "left out of the sample"),
        ):
            if categories:
                lines.append(
                    (
                        label,
                        [
                            f"{predictor.replace('_', ' ')}: {', '.join(cats)} {fate} (too few victims, or all "
                            "with one outcome)"
                            for predictor, cats in categories.items()
                        ],
                    )
                )
        unused = [p for p in self.asked if p not in self.predictors]
        if unused:
            lines.append(
                (
                    "not estimated",
                    [
                        f"{p.replace('_', ' ')}: one category left in the sample"
                        + (
                            f" ({self.only[p]}): the odds ratios are of its victims only"
                            if p in self.only
                            else ""
                        )
                        + ", no odds ratio (its other categories merged or dropped, or never recorded)"
                        for p in unused
                    ],
                )
            )
        if self.separation_suspected:
            lines.append(("caution", ["separation suspected: some odds ratios may be unstable or infinite"]))
        if self.warnings:
            lines.append(("fit warnings", list(self.warnings)))
        lines.append(
            (
                "method",
                [
                    f"logistic regression (binomial GLM), Wald intervals at {level}"
                    + (
                        f"; {len(self.terms)} terms tested: the intervals and p-values are each term's own, "
                        "Holm's p-values adjusted over them"
                        if len(self.terms) > 1
                        else ""
                    )
                ],
            )
        )
        if not numbers:
            lines.append(
                ("counts", ["the sample's exact counts are not shown here: print(result) shows them"])
            )
        lines.append(("see", [".frame(), .to_dict()"]))
        return title, lines

    def __repr__(self) -> str:
        """What a notebook's text shows of the result (``print(result)``, a console): the odds ratios as facts,
        with the sample's exact counts said to be exact (the dataclass's repr was one line of every field)."""
        return overview_text("OddsRatios", *self._overview())

    def _repr_html_(self) -> str:
        """What JupyterLab shows of the result left as a cell's value: :meth:`__repr__` without the counts of
        victims (HTML outputs go into the briefs made from a notebook), every text escaped."""
        return overview_html("OddsRatios", *self._overview(numbers=False))


def _ratio_text(x: float) -> str:
    """An odds ratio or a limit to three significant digits (``5.74``, ``946``, ``0.0754``)."""
    if math.isnan(x):
        return "undefined"
    if math.isinf(x):
        return "infinite"
    return f"{x:.3g}" if x < 1e5 else f"{x:.3g}".replace("e+0", "e+")


def _p_text(p: float) -> str:
    return "p undefined" if math.isnan(p) else "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def odds_ratios(
    cases: Selected,
    *,
    outcome: str = "exploitation_forced_labour",
    versus: str | None = "exploitation_sexual",
    predictors: list[str] | tuple[str, ...] = ("gender", "majority_status", "origin_region"),
    references: dict[str, str] | None = None,
    min_category_n: int = MIN_CATEGORY_N,
    level: float = 0.95,
) -> OddsRatios:
    """Odds ratios of ``outcome`` from a logistic regression (a binomial GLM, as statsmodels fits it) on categorical
    ``predictors``, with Wald intervals.

    Sample: records with ``outcome`` true and ``versus`` false, or the reverse (a record with both, or neither,
    is excluded); with ``versus=None``, records where the outcome's group is known (denominator rule). Records
    with an unknown predictor are excluded (complete cases). Sparse categories: a category with fewer than
    ``min_category_n`` records, or whose records all share one outcome (separation: an infinite odds ratio), is
    merged into ``Other`` (``Other (merged)`` when the predictor has an ``Other`` of its own); if that is itself
    too small or without variation, its records are dropped. The reference category of each predictor is
    ``references[predictor]`` when given, else its most frequent remaining category. A predictor may be named as :func:`column_of` reads it (``sex``, ``age``…); the result
    names its column (``gender``, ``age_band``).
    """
    level = check_level(level)
    from evidence.analyses.glm import fit_glm

    selection = _selection(cases)
    df = selection.records()
    predictors = tuple(predictors)
    for name in (outcome, *([versus] if versus else [])):
        if name not in FLAG_COLUMNS or name not in df.columns:
            raise ParameterError(
                f"{name!r} is not a flag column of the case table (such as exploitation_forced_labour, "
                "exploitation_sexual or means_threats)"
            )
    if not predictors:
        raise ParameterError("give at least one predictor")
    if versus == outcome:
        raise ParameterError(
            f"outcome and versus are the same flag ({outcome}): give another flag of its group as versus, or "
            "versus=None (against every other victim with the group recorded)"
        )
    given = predictors
    predictors = tuple(column_of(df, p, "predictor") for p in predictors)
    for column in dict.fromkeys(c for c in predictors if predictors.count(c) > 1):
        names = " and ".join(dict.fromkeys(p for p, c in zip(given, predictors, strict=True) if c == column))
        raise ParameterError(f"predictor {column} is given twice ({names}): give each predictor once")
    for p, column in zip(given, predictors, strict=True):
        if column in MULTI_VALUED_COLUMNS and bool(
            df[column].cast(pl.String).str.contains(VALUE_SEPARATOR, literal=True).any()
        ):
            raise ParameterError(
                f"predictor {p!r} holds several values for some victims (such as 'LAO;THA'), not one category "
                "each: it cannot be a predictor of a logistic regression"
            )
        if column in _dimensions(df):
            raise ParameterError(
                f"predictor {p!r} is a flag group, not a categorical column of the case table (such as gender, "
                "age_band, majority_status or origin_region)"
            )
    by_column: dict[str, str] = {}
    for p, ref in (references or {}).items():
        column = column_of(df, p, "predictor")
        if column in by_column and by_column[column] != ref:
            raise ParameterError(f"two references for {column} ({by_column[column]!r} and {ref!r}): give one")
        by_column[column] = ref
    references = by_column
    group = next(g for g, cols in FLAG_GROUPS.items() if outcome in cols)
    if versus and versus not in FLAG_GROUPS[group]:
        raise ParameterError(
            f"versus {versus!r} is not of the outcome's flag group ({group.replace('_', ' ')}: "
            f"{', '.join(c for c in FLAG_GROUPS[group] if c != outcome)}): the comparison is within one group"
        )
    if not df.height:
        raise ParameterError(NO_RECORDS)
    flags = recorded_flags(selection.frame, group)  # the layout's: a flag it records is a 0 where known
    for name in (outcome, *([versus] if versus else [])):
        if name not in flags:
            raise ParameterError(f"{name!r} is not recorded in this table's layout (null on every record)")
    if not recorded_flags(df, group):
        raise ParameterError(
            f"{_group_text(group)} is not recorded for any victim record of {selection_text(selection)} "
            "(every flag of the group empty: not recorded, which is not 0): no odds ratio to estimate"
        )
    ruled = apply_denominator_rule(
        df.select(*flags, *[p for p in predictors if p not in flags]), {group: flags}
    )
    if versus:
        sample = ruled.filter(pl.col(outcome).fill_null(False) ^ pl.col(versus).fill_null(False))
    else:
        sample = ruled.filter(pl.col(outcome).is_not_null())
    sample = sample.select(
        pl.col(outcome).cast(pl.Int8).alias("_y"), *[pl.col(p).cast(pl.String) for p in predictors]
    )
    sample = sample.drop_nulls()
    merged: dict[str, tuple[str, ...]] = {}
    dropped: dict[str, tuple[str, ...]] = {}
    for p in predictors:
        sample, merged[p], dropped[p] = _merge_sparse(sample, p, min_category_n)
    merged = {k: v for k, v in merged.items() if v}
    dropped = {k: v for k, v in dropped.items() if v}
    if sample.height == 0 or sample["_y"].n_unique() < 2:
        raise ParameterError(
            "the sample has no variation in the outcome (or no records): no odds ratio to estimate"
        )
    chosen = dict(references or {})
    for p, ref in chosen.items():
        if p not in predictors:
            raise ParameterError(f"reference given for {p!r}, which is not a predictor")
        if ref not in set(sample[p].to_list()):
            raise ParameterError(
                f"reference category {ref!r} of {p} is not in the sample (or was merged/dropped)"
            )
    references = {p: chosen.get(p) or _reference(sample, p) for p in predictors}
    used = [p for p in predictors if sample[p].n_unique() > 1]
    if not used:
        raise ParameterError("no predictor has more than one category in the sample")
    # one indicator column per non-reference category, named so that each term says what it is
    terms_of: dict[str, tuple[str, str]] = {}
    design: dict[str, pl.Series] = {"Intercept": pl.Series([1.0] * sample.height)}
    for p in used:
        for category in sorted(set(sample[p].to_list()) - {references[p]}):
            name = f"{p}[{category}]"
            terms_of[name] = (p, category)
            design[name] = (sample[p] == category).cast(pl.Float64)
    position = {name: i for i, name in enumerate(design)}
    exog = np.column_stack([s.to_numpy() for s in design.values()])
    with captured_warnings() as caught:
        fit = fit_glm(sample["_y"].to_numpy(), exog, family="binomial")
    intervals = fit.conf_int(alpha=1 - level)
    counts = {p: dict(sample.group_by(p).len().iter_rows()) for p in used}
    terms = [
        OddsRatio(
            predictor=predictor,
            category=category,
            reference=references[predictor],
            odds_ratio=float(np.exp(fit.params[position[name]])),
            ci_low=float(np.exp(intervals[position[name], 0])),
            ci_high=float(np.exp(intervals[position[name], 1])),
            p_value=float(fit.pvalues[position[name]]),
            n=int(counts[predictor].get(category, 0)),
        )
        for name, (predictor, category) in terms_of.items()
    ]
    holm = _holm([t.p_value for t in terms])
    terms = [dataclasses.replace(t, p_holm=h) for t, h in zip(terms, holm, strict=True)]
    separation = bool(np.any(np.abs(fit.params) > 10) or np.any(fit.bse > 10))
    return OddsRatios(
        outcome=outcome,
        versus=versus or "not " + outcome,
        predictors=tuple(used),
        references={p: references[p] for p in used},
        terms=tuple(terms),
        n_used=sample.height,
        n_outcome=int(sample["_y"].sum()),
        n_excluded=df.height - sample.height,
        merged=merged,
        dropped=dropped,
        separation_suspected=separation,
        level=level,
        warnings=tuple(caught),
        asked=predictors,
        only={p: str(sample[p][0]) for p in predictors if p not in used},
    )


def _holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment of p-values (as statsmodels' ``multipletests(method="holm")``): the i-th
    smallest of m times m − i + 1, made non-decreasing, at most 1; an undefined p-value stays undefined and is
    not counted."""
    finite = sorted((p, i) for i, p in enumerate(p_values) if not math.isnan(p))
    out = [math.nan] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(finite):
        running = max(running, min(1.0, (len(finite) - rank) * p))
        out[i] = running
    return out


def _merge_sparse(
    sample: pl.DataFrame, predictor: str, min_n: int
) -> tuple[pl.DataFrame, tuple[str, ...], tuple[str, ...]]:
    stats = sample.group_by(predictor).agg(pl.len().alias("n"), pl.col("_y").mean().alias("rate"))
    sparse = stats.filter((pl.col("n") < min_n) | (pl.col("rate") == 0) | (pl.col("rate") == 1))[
        predictor
    ].to_list()
    if not sparse:
        return sample, (), ()
    # a category of the data called "Other" (an organisation's referral sources) is not where the sparse ones go:
    # merged into it, its records were dropped with them and the result named only the sparse ones
    other_name = MERGED_OTHER if "Other" in set(stats[predictor].to_list()) - set(sparse) else "Other"
    sample = sample.with_columns(
        pl.when(pl.col(predictor).is_in(sparse))
        .then(pl.lit(other_name))
        .otherwise(pl.col(predictor))
        .alias(predictor)
    )
    other = sample.filter(pl.col(predictor) == other_name)
    rate = other["_y"].mean() if other.height else None
    if other.height < min_n or rate in (0, 1, None):
        return sample.filter(pl.col(predictor) != other_name), (), tuple(sorted(sparse))
    return sample, tuple(sorted(sparse)), ()


def _reference(sample: pl.DataFrame, predictor: str) -> str:
    counts = sample.group_by(predictor).len().sort(["len", predictor], descending=[True, False])
    return str(counts[predictor][0])
