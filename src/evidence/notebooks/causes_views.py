"""What the ``causes_consequences`` notebook (and the country brief's section on it) shows: built and
disclosure-controlled here, so that notebooks stay thin and every number is tested.

The person (victim-level case data, :mod:`evidence.analyses.causes`)
    :func:`profile_view` (a topic by a characteristic: counts and shares), :func:`heat_table` (means of control
    by form), :func:`missing_view` (what is not recorded), :func:`model_view` and :func:`missing_comparison_view`
    (odds ratios; complete-case against all-case).

Society (the cross-country panel, :mod:`evidence.analyses.society`)
    :func:`comparison_view`, :func:`detection_points` (the scatter's data), :func:`detection_model_view`,
    :func:`event_study_view`.

Disclosure: victim counts pass :mod:`evidence.presentation.disclosure`. A profile's table is protected with its
totals (secondary suppression): by group, the categories of a single-valued topic plus "not recorded" add up to
the group's victims, and for every topic the groups add up to all victims; a multi-valued topic's categories
overlap (no row total is published), its recorded/not-recorded split is protected as its own table, and each
category is protected against that "Recorded" margin as a two-cell table (with / without it) with the groups'
totals (``_protect_items``: exact counts), so that no small count follows by subtraction; the heat table withholds
a cell whose row's victims without it are a small count, and is protected together with the profile of means of
control published beside it (a cell is a lower bound of its means' count of all victims: where the profile
withholds that count, a cell that would bring it within a small count of "Recorded" is withheld too). A share, or
its interval, is shown only where its count and its denominator are both published. Model tables show the
number of victims of each category only where it is not small. A selection too small to protect gives None.
"""

from __future__ import annotations

import dataclasses
import re
import weakref
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Final

import polars as pl

from evidence.analyses import causes
from evidence.analyses.intervals import censoring_thresholds, wilson_interval
from evidence.analyses.selection import RECORD_CELL_KEY, year_span
from evidence.analyses.society import (
    DETECTED_PER_100K,
    PREVALENCE,
    CountryPanel,
    DetectionModel,
    EventStudy,
)
from evidence.analyses.trends import UNKNOWN
from evidence.core.errors import ParameterError
from evidence.core.text import age_band_text, level_text, word_list
from evidence.presentation.disclosure import (
    COMPLEMENT_LABEL,
    COMPLEMENT_REASON,
    ONE,
    PEOPLE,
    SMALL_REASON,
    TENTH_PERCENT_DIGITS,
    WHOLE_PERCENT_DIGITS,
    DisclosedTable,
    DisclosureError,
    DisclosureRule,
    LinkedCounts,
    fails_closed,
    linked_exposures,
    protect_linked,
    suppress_counts,
    suppress_table,
    with_series,
    withhold_cells,
)
from evidence.presentation.markup import count_in_words, escape_markdown, marked, number
from evidence.sources.loaded import LoadedTable

if TYPE_CHECKING:
    from evidence.analyses.selection import Selection

NOT_RECORDED = "Not recorded"
RECORDED = "Recorded"
ALL = "All victims"


# ------------------------------------------------------------------------------------------------- the person


@dataclasses.dataclass(frozen=True)
class ProfileView:
    """A topic by a characteristic, protected: ``table`` for display (strings: ``"1,234 (45.6%)"``, the rule's
    label, or ``x``), ``shares`` for charts (group, category, share, ci_low, ci_high; null where withheld)."""

    topic: str
    by: str | None
    table: pl.DataFrame
    shares: pl.DataFrame
    counts: DisclosedTable  # the protected category counts (with the totals row)
    split: DisclosedTable | None  # the recorded / not recorded split (multi-valued topics)
    categories: tuple[str, ...] = ()
    #: rows (positions, the totals row last) whose "Recorded" a single-valued topic withholds
    withheld_recorded: frozenset[int] = frozenset()
    #: (characteristic, group) when every victim is in one group of the characteristic asked for (Ukraine's
    #: victims as origin in the k-anonymised sample: all male): the view is then of all victims (``by`` None,
    #: one column), since a column of that group would repeat it, and protected apart could contradict it
    only: tuple[str, str] | None = None

    @property
    def note(self) -> str:
        if self.topic == causes.PERPETRATOR_ORIGIN:
            # one row per victim by construction (same region, same and other, other only), though protected as
            # the topics of several answers are: "can have several" misread its rows
            multi = " Each victim is in one row only: the shares add up to 100%, up to rounding."
        elif self.topic in causes.MULTI_VALUED:
            multi = " A victim can have several, so the shares can add up to more than 100%."
        else:
            multi = ""
        one = ""
        if self.only is not None:  # what the characteristic's own table shows (all 211 male): nothing new
            one = f" Every victim here {_one_group(*self.only)}, so the table has one column, all victims."
        return (
            "Shares are of the victims with this recorded (at least one category, CTDC's denominator rule); "
            f"victims with nothing recorded are counted as {NOT_RECORDED.lower()}.{multi}{one}"
        )


#: The characteristics whose groups are ages ("0-17", "48+"), written as the whole brief writes an age band.
AGE_CHARACTERISTICS: Final = frozenset({"age_group", "age_band"})


def group_name(characteristic: str | None, group: str) -> str:
    """A group of a characteristic as the section writes it in tables, headers, notes and charts: an age group or
    band as the whole brief writes one ("0–17 years", "48 years or over":
    :func:`~evidence.core.text.age_band_text`), any other group as it is ("Female", "Unknown")."""
    if characteristic in AGE_CHARACTERISTICS:
        return age_band_text(group) or group
    return group


def _one_group(characteristic: str, group: str) -> str:
    """The one group every victim is in, said of them: "is male", "is aged 30–47 years"."""
    label = causes.CHARACTERISTIC_LABELS[characteristic].lower()
    if group == UNKNOWN:
        return f"has no {label} recorded"
    if characteristic == "sex":
        return f"is {group.lower()}"
    if characteristic == "majority_status":
        return f"is {'an' if group[:1] in 'AEIOU' else 'a'} {group.lower()}"
    if characteristic in AGE_CHARACTERISTICS:  # with its unit, as the note on age groups beside it says them
        return f"is aged {group_name(characteristic, group)}"
    return f"has {label} {group}"


def _protect(
    frame: pl.DataFrame,
    key: str,
    columns: Sequence[str],
    rule: DisclosureRule,
    cell_keys: pl.DataFrame | None = None,
) -> DisclosedTable | None:
    try:
        return suppress_table(frame, key, list(columns), rule, total_label="__total", cell_keys=cell_keys)
    except DisclosureError:
        return None


@fails_closed
def profile_view(cases: causes.Cases, topic: str, by: str | None, rule: DisclosureRule) -> ProfileView | None:
    """:func:`evidence.analyses.causes.profile` for publication: one row per category (and the not-recorded
    and recorded counts), one column per group of ``by`` and ``All victims``; None when too small to protect.
    ``cases``: the records, or their :class:`~evidence.analyses.causes.CaseProfiles` (as every function here
    that takes ``cases`` for counts). When every victim is in one group of ``by`` (all male), the view is of
    all victims alone (``by`` None, :attr:`ProfileView.only` naming the group): that group's column would be
    the same counts as All victims, and protected as a group of its own could publish a count All victims
    withholds (16 and ``x``), which the section's linked protection (:func:`_profile_cells`) would not see."""
    long = causes.profile(cases, topic, by)
    only = None
    if by is not None and long["group"].n_unique() == 1:
        only = (by, str(long["group"][0]))
        by = None
        long = causes.profile(cases, topic, None)
    categories = list(dict.fromkeys(long["category"].to_list()))
    # real records: the counts are perturbed by their keys, as in every other table of the same records
    keyed = "count_key" in long.columns
    wide, sizes, wide_keys, size_keys = _profile_frames(long, categories, keyed)
    multi = topic in causes.MULTI_VALUED
    if multi:
        counts = _protect(wide, "group", categories, rule, wide_keys)
        split = _protect(
            sizes.rename({"n_known": RECORDED, "n_unknown": NOT_RECORDED}),
            "group",
            [RECORDED, NOT_RECORDED],
            rule,
            size_keys,
        )
        if counts is None or split is None:
            return None
        if counts.perturbed:  # a published item and margin whose difference is small: the item withheld
            counts = _withhold_small_differences(counts, split, categories, rule)
        else:  # exact counts: an item's complement within its margin follows by subtraction
            # each group's recorded victims, in the rows' order (looked up: a join is a query)
            known_of = dict(zip(sizes["group"].to_list(), sizes["n_known"].to_list(), strict=True))
            recorded_of = [known_of.get(g) or 0 for g in wide["group"].to_list()]
            counts = _protect_items(counts, wide, recorded_of, categories, split, rule)
    else:
        with_unknown, keys = _with_not_recorded(wide, sizes, wide_keys, size_keys)
        counts = _protect(with_unknown, "group", [*categories, NOT_RECORDED], rule, keys)
        if counts is None:
            return None
        split = None
    view = _rendered_profile(topic, by, categories, counts, split, rule)
    return view if only is None else dataclasses.replace(view, only=only)


def _profile_frames(
    long: pl.DataFrame, categories: list[str], keyed: bool
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame | None, pl.DataFrame | None]:
    """A profile's counts by group (a column per category), each group's recorded and not recorded victims,
    and (``keyed``) the same of their keys: pivots and group-bys of ``long``. A profile is its grid (each group's
    categories, in order), so they are read off its columns, without a query (four a profile, a dozen profiles
    a brief); a frame that is not such a grid is pivoted as it always was."""
    height = long.height
    groups = list(dict.fromkeys(long["group"].to_list()))
    n = len(categories)
    regular = (
        height > 0
        and height == len(groups) * n
        and long["group"].to_list() == [g for g in groups for _ in categories]
        and long["category"].to_list() == categories * len(groups)
    )
    if not regular:
        wide = long.pivot(on="category", index="group", values="count", maintain_order=True).select(
            "group", *categories
        )
        sizes = long.group_by("group", maintain_order=True).agg(
            pl.col("n_known").first(), pl.col("n_unknown").first()
        )
        wide_keys = (
            long.pivot(on="category", index="group", values="count_key", maintain_order=True).select(
                categories
            )
            if keyed
            else None
        )
        size_keys = (
            long.group_by("group", maintain_order=True).agg(
                pl.col("n_known_key").first().alias(RECORDED),
                pl.col("n_unknown_key").first().alias(NOT_RECORDED),
            )
            if keyed
            else None
        )
        return wide, sizes, wide_keys, size_keys

    def by_category(column: str) -> list[pl.Series]:
        values = long[column].to_list()
        return [pl.Series(c, values[j::n], dtype=long.schema[column]) for j, c in enumerate(categories)]

    def first(column: str, name: str) -> pl.Series:
        return pl.Series(name, long[column].to_list()[::n], dtype=long.schema[column])

    group = pl.Series("group", groups, dtype=long.schema["group"])
    wide = pl.DataFrame([group, *by_category("count")])
    sizes = pl.DataFrame([group, first("n_known", "n_known"), first("n_unknown", "n_unknown")])
    if not keyed:
        return wide, sizes, None, None
    size_keys = pl.DataFrame([group, first("n_known_key", RECORDED), first("n_unknown_key", NOT_RECORDED)])
    return wide, sizes, pl.DataFrame(by_category("count_key")), size_keys


def _with_not_recorded(
    wide: pl.DataFrame, sizes: pl.DataFrame, wide_keys: pl.DataFrame | None, size_keys: pl.DataFrame | None
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """A single-valued topic's counts by group with each group's victims not recorded beside them (and their
    keys): the rows of ``wide`` and ``sizes`` are the same groups in the same order (read off one profile), so
    the column is put beside them, not joined (a query); a category named as the column is joined, as it
    always was."""
    if NOT_RECORDED in wide.columns or wide["group"].to_list() != sizes["group"].to_list():
        with_unknown = wide.join(sizes.select("group", pl.col("n_unknown").alias(NOT_RECORDED)), on="group")
        keys = (
            pl.concat([wide_keys, size_keys.select(NOT_RECORDED)], how="horizontal")
            if wide_keys is not None and size_keys is not None
            else None
        )
        return with_unknown, keys
    with_unknown = pl.DataFrame([*wide.iter_columns(), sizes.get_column("n_unknown").alias(NOT_RECORDED)])
    if wide_keys is None or size_keys is None:
        return with_unknown, None
    return with_unknown, pl.DataFrame([*wide_keys.iter_columns(), size_keys.get_column(NOT_RECORDED)])


def _rendered_profile(
    topic: str,
    by: str | None,
    categories: Sequence[str],
    counts: DisclosedTable,
    split: DisclosedTable | None,
    rule: DisclosureRule,
    withheld_recorded: frozenset[int] = frozenset(),
) -> ProfileView:
    """The display table and shares of a protected profile (its category ``counts`` and, for a multi-valued
    topic, its recorded / not recorded ``split``); ``withheld_recorded``: rows (positions, the totals row
    last) whose "Recorded" a single-valued topic withholds though every category is published (the section's
    protection, :func:`protect_person_section`)."""
    groups = counts.frame["group"].to_list()[:-1]
    if split is not None:
        recorded = split.frame[RECORDED].to_list()
        not_recorded = split.frame[NOT_RECORDED].to_list()
        split_reasons = split.reasons
    else:
        not_recorded = counts.frame[NOT_RECORDED].to_list()
        # the recorded victims of a group are the sum of its categories: published when every one is
        recorded = [
            None if any(v is None for v in row) or i in withheld_recorded else sum(row)
            for i, row in enumerate(counts.frame.select(categories).iter_rows())
        ]
        split_reasons = counts.reasons.select(pl.col(NOT_RECORDED)).with_columns(
            pl.Series(
                RECORDED,
                [COMPLEMENT_LABEL_REASON if i in withheld_recorded else None for i in range(len(recorded))],
                dtype=pl.String,
            )
        )
    labels = groups if by is None else [*groups, ALL]  # without a characteristic the one group is everyone
    # each group named as published ("0–17 years", never the code "0-17"): the table's header, the chart's legend
    names = [group_name(by, label) for label in labels]
    display = counts.display()
    published = {c: counts.frame[c].to_list() for c in categories}
    shown = {c: display[c].to_list() for c in categories}
    columns: dict[str, list[str]] = {"category": [*categories, RECORDED, NOT_RECORDED]}
    # the interval of every share shown (its count and denominator published), in one call
    with_share = [
        (g, c) for g in range(len(labels)) for c in categories if published[c][g] is not None and recorded[g]
    ]
    # a perturbed count can exceed its perturbed "Recorded" by a few (Ukraine's abuse, 35 of 34): its share
    # is of all of them, never more (the table's note says a total may differ from its parts by a few)
    lows, highs = wilson_interval(
        [min(published[c][g], recorded[g]) for g, c in with_share], [recorded[g] for g, _ in with_share], 0.05
    )
    intervals = dict(zip(with_share, zip(lows, highs, strict=True), strict=True))
    share_rows = []
    for g, label in enumerate(names):
        cells = []
        for category in categories:
            count = published[category][g]
            base = recorded[g]
            text = shown[category][g]
            share: float | None
            low: float | None
            high: float | None
            if count is not None and base:
                # of the published counts, to the tenth of a percent the table shows: an interval of the true
                # counts (or a share to more digits) would give the true count, and the perturbation, back
                share = round(min(count, base) / base, TENTH_PERCENT_DIGITS)
                text = f"{text} ({share * 100:.1f}%)"
                low, high = (round(float(v), TENTH_PERCENT_DIGITS) for v in intervals[g, category])
            else:
                share = low = high = None
            share_rows.append(
                {"group": label, "category": category, "share": share, "ci_low": low, "ci_high": high}
            )
            cells.append(text)
        cells.append(_count_text(recorded[g], split_reasons[RECORDED][g], rule))
        cells.append(_count_text(not_recorded[g], split_reasons[NOT_RECORDED][g], rule))
        columns[label] = cells
    table = pl.DataFrame(columns, schema={c: pl.String for c in columns})
    label = causes.TOPICS[topic]
    table = table.rename({"category": label})
    shares = pl.DataFrame(
        share_rows,
        schema={
            "group": pl.String,
            "category": pl.String,
            "share": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
        },
    )
    return ProfileView(
        topic=topic,
        by=by,
        table=table,
        shares=shares,
        counts=counts,
        split=split,
        categories=tuple(categories),
        withheld_recorded=withheld_recorded,
    )


#: The reason of a cell withheld so that a small count cannot be recomputed (shown ``x``).
COMPLEMENT_LABEL_REASON = COMPLEMENT_REASON


def _protect_items(
    counts: DisclosedTable,
    wide: pl.DataFrame,
    recorded: list[int],
    categories: Sequence[str],
    split: DisclosedTable,
    rule: DisclosureRule,
) -> DisclosedTable:
    """The categories of a multi-valued topic (a victim can have several means of control) protected each
    against the margin published beside them, "Recorded": an item and the victims without it add up to the
    recorded victims of its group, so each item is a two-cell table (with / without) with that margin, and
    the groups add up to all victims. Each is protected as its own table with totals (:func:`suppress_table`:
    primary suppression of a small "without", complements, the audit), so that no small count follows by
    subtraction (Recorded 11, excessive working hours 10: one victim without). The "without" cells are never
    shown. An item whose table would withhold a margin that the recorded / not recorded split publishes is
    withheld whole (the split was protected without it). Returns ``counts`` with the items' cells replaced
    (their values and reasons; the table's other columns as they were)."""
    n = len(recorded)
    columns, why_columns = [], []  # each item's new cells, put in at the end (one query, not two an item)
    margin_shown = [r is None for r in split.reasons[RECORDED].to_list()]
    for category in categories:
        with_item = [0 if v is None else v for v in wide[category].to_list()]  # (fill_null: a query each)
        without = [max(r - w, 0) for r, w in zip(recorded, with_item, strict=True)]
        values: list[int | None]
        why: list[str | None]
        if not _small_in_two_columns(with_item, without, rule):
            # no count of the item's table is small (a cell, a row's or a column's total): its protection
            # withholds nothing (no primary suppression, so no complement and nothing for its audit to find) and
            # gives the item's counts and their total as they are, so no table is made and protected for it
            # (a query and a table's protection an item, for tens of items a brief)
            values, why = [*with_item, sum(with_item)], [None] * (n + 1)
        else:
            item = pl.DataFrame({"group": wide["group"], category: with_item, "__without": without})
            protected = _protect(item, "group", [category, "__without"], rule)
            if protected is None:
                values = [None] * (n + 1)
                why = [COMPLEMENT_LABEL_REASON] * (n + 1)
                columns += [
                    pl.Series(category, values, dtype=pl.Int64),
                    pl.Series(f"{category}_suppressed", [w is not None for w in why]),
                ]
                why_columns.append(pl.Series(category, why, dtype=pl.String))
                continue
            margin_hidden = [r is not None for r in protected.reasons["__total"].to_list()]
            conflict = any(
                hidden and shown for hidden, shown in zip(margin_hidden, margin_shown, strict=True)
            )
            values = [None] * (n + 1) if conflict else protected.frame[category].to_list()
            why = [COMPLEMENT_LABEL_REASON] * (n + 1) if conflict else protected.reasons[category].to_list()
        # a cell the first protection withheld as small stays small (its label says so)
        before = counts.reasons[category].to_list()
        why = [b if b == "small" else w for b, w in zip(before, why, strict=True)]
        values = [None if w is not None else v for v, w in zip(values, why, strict=True)]
        columns += [
            pl.Series(category, values, dtype=pl.Int64),
            pl.Series(f"{category}_suppressed", [w is not None for w in why]),
        ]
        why_columns.append(pl.Series(category, why, dtype=pl.String))
    return dataclasses.replace(
        counts, frame=with_series(counts.frame, columns), reasons=with_series(counts.reasons, why_columns)
    )


def _small_in_two_columns(first: Sequence[int], second: Sequence[int], rule: DisclosureRule) -> bool:
    """Whether a table of two count columns (``first`` and ``second``, row for row) has a small count, its totals
    (each row's, each column's and the grand total, as :func:`suppress_table` adds them) included."""
    return any(
        rule.is_small(a) or rule.is_small(b) or rule.is_small(a + b) for a, b in zip(first, second)
    ) or (rule.is_small(sum(first)) or rule.is_small(sum(second)) or rule.is_small(sum(first) + sum(second)))


def _withhold_small_differences(
    counts: DisclosedTable, split: DisclosedTable, categories: Sequence[str], rule: DisclosureRule
) -> DisclosedTable:
    """The items of a multi-valued topic whose counts are perturbed (cell key), each checked against the
    published "Recorded" margin of its row: where the published margin less the published item is small
    (Recorded 11, excessive working hours 10), the item is withheld as a complement, so that no small number
    follows by subtraction, even one the perturbation made up. Items add up to nothing, so withholding one
    opens no other difference."""
    columns, why_columns = [], []  # each item's new cells, put in at the end (one query, not two an item)
    margins = split.frame[RECORDED].to_list()
    for category in categories:
        values = counts.frame[category].to_list()
        why = counts.reasons[category].to_list()
        for row, (value, margin) in enumerate(zip(values, margins, strict=True)):
            if (
                value is not None
                and margin is not None
                and why[row] is None
                and rule.is_small(margin - value)
            ):
                values[row], why[row] = None, COMPLEMENT_LABEL_REASON
        columns += [
            pl.Series(category, values, dtype=pl.Int64),
            pl.Series(f"{category}_suppressed", [w is not None for w in why]),
        ]
        why_columns.append(pl.Series(category, why, dtype=pl.String))
    return dataclasses.replace(
        counts, frame=with_series(counts.frame, columns), reasons=with_series(counts.reasons, why_columns)
    )


def _count_text(value: int | None, reason: str | None, rule: DisclosureRule) -> str:
    if reason == "small":
        return rule.label
    if reason == "complement" or value is None:
        return COMPLEMENT_LABEL
    return f"{value:,}"


@fails_closed
def heat_table(
    cases: causes.Cases,
    rule: DisclosureRule,
    *,
    row_topic: str = "form",
    column_topic: str = "means_of_control",
    beside: ProfileView | None = None,
    counts: HeatCounts | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each category of ``column_topic`` among the victims of each category of ``row_topic`` (the heat table
    of means of control by form). Returns the display table (rows: categories of ``row_topic`` with their
    denominator; cells ``"45%"``, or the rule's label) and the shares for the chart (row, column, share; null
    where the count or the denominator is withheld); rows with no victim (a published 0) are left out of both,
    and named by :func:`heat_note`. Both topics overlap (a victim can have several forms and
    several means), so no total is published and primary suppression protects every count.

    ``beside`` is the profile of ``column_topic`` published in the same section (means of control by sex), and
    the two are protected together: a cell of this table is a lower bound of its column's count among all
    victims (the victims of one form with a means are some of the victims with it), so where that profile
    withholds a category's count of all victims, every cell of the category here that would bring it within a
    small count of the profile's published "Recorded" margin is withheld too (Recorded 11 and excessive working
    hours ``x`` beside 10 of the 10 victims of other forms with it: the withheld 10, and its complement of 1,
    were back). ``counts``: the counts already protected (with the rest of the section,
    :func:`person_section`), drawn as they are."""
    if counts is None:
        counts = heat_counts(cases, rule, row_topic=row_topic, column_topic=column_topic, beside=beside)
    return _rendered_heat(counts)


@dataclasses.dataclass(frozen=True)
class HeatCounts:
    """The protected counts of a heat table (:func:`heat_counts`): ``counts`` (row, column, count) and the
    rows' denominators ``bases`` (row, n_known), each with its reasons; rendered by :func:`heat_table`."""

    row_topic: str
    column_topic: str
    counts: DisclosedTable
    bases: DisclosedTable
    columns: tuple[str, ...]


@fails_closed
def heat_counts(
    cases: causes.Cases,
    rule: DisclosureRule,
    *,
    row_topic: str = "form",
    column_topic: str = "means_of_control",
    beside: ProfileView | None = None,
) -> HeatCounts:
    """The counts of :func:`heat_table`, protected (see there)."""
    cross = causes.cross_profile(cases, row_topic, column_topic)
    keyed = "count_key" in cross.columns  # real records: perturbed by their keys
    counts = suppress_counts(
        cross.select("row", "column", "count"),
        "count",
        rule,
        cell_keys=cross.select(pl.col("count_key").alias("count")) if keyed else None,
    )
    base_rows = cross.select("row", "n_known", *(["n_known_key"] if keyed else [])).unique(
        maintain_order=True
    )
    bases = suppress_counts(
        base_rows.select("row", "n_known"),
        "n_known",
        rule,
        cell_keys=base_rows.select(pl.col("n_known_key").alias("n_known")) if keyed else None,
    )
    columns = tuple(dict.fromkeys(cross["column"].to_list()))
    heat = HeatCounts(row_topic, column_topic, counts, bases, columns)
    return _withheld_beside_heat(heat, cross["count"].to_list(), beside)


def _withheld_beside_heat(heat: HeatCounts, truth: Sequence[int], beside: ProfileView | None) -> HeatCounts:
    """``heat`` with the cells withheld (``x``) that a reader could subtract a small count with: a cell from
    its row's published denominator, and one that brings a means whose count of all victims the profile
    ``beside`` withholds within a small count of that profile's "Recorded" (:func:`heat_table`). ``truth``:
    the cells' true counts, row for row: a perturbed cell is read as its true count too (Thailand in the
    k-anonymised sample: excessive working hours ``x`` beside Recorded 11, true 10; the cell of other forms
    printed 100% from a perturbed 6 of 6, true 9 of 9, so 11 - 9 = 2 victims without it were within reach)."""
    counts, rule = heat.counts, heat.counts.rule
    base_of = dict(zip(heat.bases.frame["row"].to_list(), heat.bases.frame["n_known"].to_list(), strict=True))
    # a cell and the row's victims without that means add up to the published denominator, so a small
    # "without" follows by subtraction (11 recorded, 10 with excessive hours: 1 without), of perturbed counts
    # too (a reader cannot tell a made-up difference from a true one); the cell is withheld (the "without" is
    # never shown, so the pair cannot be recomputed)
    bounded = _withheld_beside(beside, heat.column_topic)
    complement = [
        count is not None
        and (
            (base_of.get(row) is not None and rule.is_small(base_of[row] - count))
            or (column in bounded and bounded[column] - max(count, true) < rule.threshold)
        )
        for row, column, count, true in zip(
            counts.frame["row"].to_list(),
            counts.frame["column"].to_list(),
            counts.frame["count"].to_list(),
            truth,
            strict=True,
        )
    ]
    if not any(complement):
        return heat
    hidden = pl.Series(complement)
    counts = dataclasses.replace(
        counts,
        frame=counts.frame.with_columns(
            pl.when(hidden).then(None).otherwise(pl.col("count")).alias("count"),
            (pl.col("count_suppressed") | hidden).alias("count_suppressed"),
        ),
        reasons=counts.reasons.with_columns(
            pl.when(hidden).then(pl.lit(COMPLEMENT_LABEL_REASON)).otherwise(pl.col("count")).alias("count")
        ),
    )
    return dataclasses.replace(heat, counts=counts)


def _rendered_heat(heat: HeatCounts) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The display table and chart shares of :func:`heat_table` from its protected counts."""
    counts, bases, rule = heat.counts, heat.bases, heat.counts.rule
    base_of = dict(zip(bases.frame["row"].to_list(), bases.frame["n_known"].to_list(), strict=True))
    # to the whole percent the table shows: a share to more digits times its published denominator gives the
    # count back (and a withheld one from the published total)
    shares = counts.frame.select(
        "row",
        "column",
        pl.struct("count", "row")
        .map_elements(
            lambda s: (
                round(min(s["count"], base_of[s["row"]]) / base_of[s["row"]], WHOLE_PERCENT_DIGITS)
                if s["count"] is not None and base_of.get(s["row"])
                else None
            ),
            return_dtype=pl.Float64,
        )
        .alias("share"),
    )
    withheld = counts.frame["count_suppressed"]
    complemented = counts.reasons["count"] == COMPLEMENT_LABEL_REASON
    shown = shares.with_columns(
        text=pl.when(complemented)
        .then(pl.lit(COMPLEMENT_LABEL))
        .when(withheld)
        .then(pl.lit(rule.label))
        .when(pl.col("share").is_not_null())
        .then((pl.col("share") * 100).round(0).cast(pl.Int64).cast(pl.String) + "%")
        .otherwise(pl.lit("–"))  # no victim of this row with the column topic recorded, or a withheld base
    )
    columns = list(heat.columns)
    wide = shown.pivot(on="column", index="row", values="text", maintain_order=True).select("row", *columns)
    base_text = bases.display().select(
        "row", pl.col("n_known").alias(f"Victims with {causes.TOPICS[heat.column_topic].lower()} recorded")
    )
    # a row without a victim (a true 0, exact) is left out of both: a line of dashes says nothing the note
    # under the table (:func:`empty_heat_rows`) does not, and the chart would count its shares as withheld
    empty = empty_heat_rows(heat)
    table = (
        wide.join(base_text, on="row", how="left")
        .filter(~pl.col("row").is_in(empty))
        .rename({"row": causes.TOPICS[heat.row_topic]})
    )
    return table, shares.filter(~pl.col("row").is_in(empty))


def empty_heat_rows(heat: HeatCounts) -> list[str]:
    """The rows of a heat table with no victim (a denominator of 0, published: zeros are exact), such as the
    forms no victim with means of control recorded has: left out of its table and chart, and named beneath."""
    return [
        row
        for row, n, why in zip(
            heat.bases.frame["row"].to_list(),
            heat.bases.frame["n_known"].to_list(),
            heat.bases.reasons["n_known"].to_list(),
            strict=True,
        )
        if n == 0 and why is None
    ]


#: What ``–`` means in a heat table: a share whose denominator, its row's last column, is withheld (a row with no
#: victim, a published 0, is left out of the table, so that is the only reason a share there is not shown).
HEAT_DASH_NOTE = (
    "–: a share not shown, because the number of victims of its row (its last column) is withheld."
)


def heat_note(heat: HeatCounts, table: pl.DataFrame | None = None) -> str:
    """What the heat table's shares are, for the note under it; with the ``table`` shown, what its dashes mean
    (:data:`HEAT_DASH_NOTE`) where it has any."""
    if heat.row_topic == "form" and heat.column_topic == "means_of_control":
        note = (
            "Share of the victims of each form (with means of control recorded) who were controlled in each "
            "way; a victim can be controlled in several ways."
        )
    else:
        column = causes.TOPICS[heat.column_topic].lower()
        note = (
            f"Share of the victims of each {causes.TOPICS[heat.row_topic].lower()} (with {column} recorded) "
            f"who have each {column} recorded; a victim can have several."
        )
    if table is not None and any("–" in table[c].to_list() for c in table.columns[1:-1]):
        note += f" {HEAT_DASH_NOTE}"
    return note


def heat_left_out(heat: HeatCounts) -> str | None:
    """The sentence that names the rows the heat table and chart leave out for having no victim (escaped), shown
    apart from the table's note (a note that holds the letter of a withheld cell's label, as "exploitation"
    holds x, loses that label's legend: see the report on ``tables.table_data``); None when none is left out."""
    empty = empty_heat_rows(heat)
    if not empty:
        return None
    column = causes.TOPICS[heat.column_topic].lower()
    return (
        f"Left out, having no victim with {column} recorded: "
        f"{escape_markdown(', '.join(e.lower() for e in empty))}."
    )


def _withheld_beside(beside: ProfileView | None, topic: str) -> dict[str, int]:
    """The categories of ``topic`` whose count of all victims the profile ``beside`` withholds while it
    publishes their "Recorded" margin, each with that margin: what a cell of another table of the same
    victims must not bring within a small count of. Empty without such a profile (or a margin withheld)."""
    if beside is None or beside.topic != topic or beside.split is None:
        return {}
    everyone = beside.counts.frame.height - 1  # the totals row: all victims of the selection
    recorded = beside.split.frame[RECORDED][everyone]
    if recorded is None or beside.split.reasons[RECORDED][everyone] is not None:
        return {}
    return {
        category: int(recorded)
        for category in beside.counts.count_columns
        if category in beside.counts.reasons.columns and beside.counts.reasons[category][everyone] is not None
    }


@fails_closed
def missing_view(
    cases: causes.Cases, rule: DisclosureRule, variables: Sequence[str] | None = None
) -> pl.DataFrame | None:
    """How many victims have each topic and characteristic recorded (fields the layout lacks are left out,
    and named by :func:`evidence.analyses.causes.missing_values`' ``in_layout``); None when too small."""
    protected = missing_counts(cases, rule, variables)
    return None if protected is None else _rendered_missing(protected)


@dataclasses.dataclass(frozen=True)
class MissingCounts:
    """The protected counts of :func:`missing_view`: ``variables`` (the variable of each row, derived ones
    merged into their parent) and ``table`` (Recorded, Not recorded and their total, the victims)."""

    variables: tuple[str, ...]
    table: DisclosedTable


@fails_closed
def missing_counts(
    cases: causes.Cases, rule: DisclosureRule, variables: Sequence[str] | None = None
) -> MissingCounts | None:
    """The counts of :func:`missing_view`, protected; None when too small."""
    missing = causes.missing_values(cases, variables).filter(pl.col("in_layout"))
    if not missing.height:
        return None
    labels = {**causes.TOPICS, **causes.CHARACTERISTIC_LABELS}
    missing, labels = _merge_derived(missing, labels)
    frame = missing.select(
        pl.col("variable").replace_strict(labels, return_dtype=pl.String).alias("Variable"),
        pl.col("n_recorded").alias(RECORDED),
        pl.col("n_not_recorded").alias(NOT_RECORDED),
    )
    keys = (
        missing.select(
            pl.col("n_recorded_key").alias(RECORDED), pl.col("n_not_recorded_key").alias(NOT_RECORDED)
        )
        if "n_recorded_key" in missing.columns
        else None
    )
    table = _protect_rows(frame, "Variable", [RECORDED, NOT_RECORDED], rule, keys)
    if table is None:
        return None
    return MissingCounts(tuple(missing["variable"].to_list()), table)


def _protect_rows(
    frame: pl.DataFrame,
    key: str,
    columns: Sequence[str],
    rule: DisclosureRule,
    cell_keys: pl.DataFrame | None = None,
) -> DisclosedTable | None:
    """A table whose rows are different variables, each protected with its own total (all victims) and no
    total of its columns: that total would add different variables, counts nobody and is never shown, yet
    protected with the rows it made them withhold complements for nothing (Thailand as destination in the
    k-anonymised sample, threshold 11: form of exploitation ``x`` and ``x`` beside means of control's ``<11``,
    while the table of forms printed both). The section's linked protection (:func:`protect_person_section`)
    withholds whatever the other tables need besides; None when a row is too small to protect."""
    parts = []
    for i in range(frame.height):
        keys = None if cell_keys is None else cell_keys.slice(i, 1)
        part = _protect(frame.slice(i, 1), key, columns, rule, keys)
        if part is None:
            return None
        parts.append(part)
    reasons = pl.concat([part.reasons.head(1) for part in parts])
    withheld = [r for column in reasons.columns for r in reasons[column].to_list()]
    return dataclasses.replace(
        parts[0],
        frame=pl.concat([part.frame.head(1) for part in parts]),
        reasons=reasons,
        n_primary=withheld.count(SMALL_REASON),
        n_secondary=withheld.count(COMPLEMENT_REASON),
        has_total_row=False,
        known=pl.DataFrame(),  # no count of case records is the publisher's censored cell
        known_values=pl.DataFrame(),
    )


def _rendered_missing(protected: MissingCounts) -> pl.DataFrame:
    table = protected.table
    height = len(protected.variables)
    shown = table.display().head(height).rename({"__total": "Victims"})
    share = [
        f"{n / (r + n) * 100:.0f}%" if r is not None and n is not None and (r + n) else ""
        for r, n in zip(
            table.frame[RECORDED].to_list()[:height],
            table.frame[NOT_RECORDED].to_list()[:height],
            strict=True,
        )
    ]
    return shown.with_columns(pl.Series("Share not recorded", share))


def _merge_derived(missing: pl.DataFrame, labels: dict[str, str]) -> tuple[pl.DataFrame, dict[str, str]]:
    """Rows of :func:`~evidence.analyses.causes.missing_values` without the characteristics derived from
    another one recorded for as many victims (:data:`~evidence.analyses.causes.DERIVED_CHARACTERISTICS`): the
    age band, age group and minor or adult of the same victims are one variable, "Age band; also as …"."""
    counts = {r["variable"]: (r["n_recorded"], r["n_not_recorded"]) for r in missing.iter_rows(named=True)}
    merged: dict[str, list[str]] = {}
    dropped = []
    for derived, parent in causes.DERIVED_CHARACTERISTICS.items():
        if derived in counts and parent in counts and counts[derived] == counts[parent]:
            merged.setdefault(parent, []).append(labels[derived].lower())
            dropped.append(derived)
    if not merged:
        return missing, labels
    also = {parent: f"{labels[parent]}; also as {' and '.join(names)}" for parent, names in merged.items()}
    return missing.filter(~pl.col("variable").is_in(dropped)), {**labels, **also}


def _ratio(value: float | None) -> str:
    """An odds ratio, a rate ratio or a limit, as every table and chart of the section shows one (three
    significant digits: :func:`~evidence.presentation.causes_charts.ratio_text`)."""
    from evidence.presentation.causes_charts import ratio_text  # (altair is imported where a chart is drawn)

    return ratio_text(value)


#: What the tables print for a term with separation (no finite estimate): never its huge or zero number.
NOT_ESTIMABLE = "not estimable (separation)"


#: What the tables print for an odds ratio not shown because a count it would give back is withheld in the
#: table of its outcome by its characteristic (:func:`ratios_withheld`).
RATIO_WITHHELD = "not shown (a count above is withheld)"
#: Said under a model's table that withholds an odds ratio so.
RATIO_WITHHELD_NOTE = (
    "Not shown: an odds ratio whose category or reference has a count withheld in the table of this topic by "
    "the same characteristic above; with the counts published there it would give that count back."
)


def _odds_ratio_text(estimable: bool | None, value: float | None, withheld: bool = False) -> str:
    if withheld:
        return RATIO_WITHHELD
    return NOT_ESTIMABLE if estimable is False else _ratio(value)


def ratios_withheld(
    section: PersonSection | None, topic: str, *models: causes.AssociationModel
) -> frozenset[tuple[str, str]]:
    """(characteristic, category) of the terms of ``models`` (of a flag of ``topic``) whose odds ratio and
    interval are not shown: those whose category (for ``Other``, any category merged into it) or reference has
    its count of victims with the outcome, or its victims recorded, withheld in the ``section``'s table of
    ``topic`` by the same characteristic. An odds ratio is close to the crude ratio of the odds of that table's
    two columns, so with the counts published beside it, it gives a withheld one back: on the k-anonymised
    sample (United States as destination), other means of control of sex Unknown (3, shown ``<5``) came out at
    3.4 from its odds ratio, Female's 69 of 262 and Unknown's 72 recorded, and Male's (3, ``<5``) at 3.6 from
    the row's total; threats of Unknown (53, shown ``x``) at 49.3."""
    if section is None:
        return frozenset()
    hidden: set[tuple[str, str]] = set()
    for shown_topic, by, view in section.profiles:
        if shown_topic != topic or by is None or view is None:
            continue
        groups = view.counts.frame["group"].to_list()
        rows = {g: i for i, g in enumerate(groups[:-1])}  # the totals row last

        def withheld(group: str, label: str, view: ProfileView = view, rows: dict[str, int] = rows) -> bool:
            row = rows.get(group)
            return row is not None and any(
                _profile_status(view, c, row) is not None for c in (label, RECORDED)
            )

        for model in models:
            if model.outcome_label not in view.categories:  # no count of it beside: nothing to give back
                continue
            for predictor, category, reference in _term_rows(model, "predictor", "category", "reference"):
                if predictor != by:
                    continue
                groups_of = (
                    (*model.merged.get(predictor, ()), causes.OTHER)
                    if category == causes.OTHER
                    else (category,)
                )
                if any(withheld(g, model.outcome_label) for g in (*groups_of, reference)):
                    hidden.add((predictor, category))
    return frozenset(hidden)


def _term_rows(model: causes.AssociationModel, *columns: str) -> zip:
    """The rows of ``columns`` of the model's terms, read from its columns (a frame query per model and table
    cost more than what it reads)."""
    return zip(*(model.terms[c].to_list() for c in columns), strict=True)


def _interval_text(estimable: bool | None, low: float | None, high: float | None) -> str:
    if estimable is False or low is None or high is None:
        return ""
    return f"{_ratio(low)} – {_ratio(high)}"


@fails_closed
def model_view(
    model: causes.AssociationModel,
    rule: DisclosureRule,
    withheld: frozenset[object] = frozenset(),
    ratios: frozenset[tuple[str, str]] = frozenset(),
) -> pl.DataFrame:
    """Odds ratios with their intervals and the victims of each category (withheld where small; not shown for
    records whose counts are perturbed, since the model's counts are exact). A term with separation reads
    :data:`NOT_ESTIMABLE`, without an interval; a term of ``ratios`` (:func:`ratios_withheld`) reads
    :data:`RATIO_WITHHELD`, without an interval."""
    n = suppress_counts(model.terms.select("n"), "n", rule).display()["n"].to_list()
    # withheld with the section's tables (:func:`protect_model_counts`): ``x``
    pairs = list(_term_rows(model, "predictor", "category"))
    n = [
        COMPLEMENT_LABEL if ("term", *pair) in withheld and c != rule.label else c
        for pair, c in zip(pairs, n, strict=True)
    ]
    labels = causes.CHARACTERISTIC_LABELS
    terms = model.terms
    estimable = terms["estimable"].to_list()
    hidden = [pair in ratios for pair in pairs]
    # one frame of the columns made here (a query per column cost more than the model's view)
    columns = {
        "Characteristic": [labels.get(p, p) for p in terms["predictor"].to_list()],
        "Category": [
            f"{group_name(p, c)} (vs {group_name(p, r)})"
            for p, c, r in _term_rows(model, "predictor", "category", "reference")
        ],
        "Odds ratio": [
            _odds_ratio_text(e, v, h)
            for e, v, h in zip(estimable, terms["odds_ratio"].to_list(), hidden, strict=True)
        ],
        f"{level_text(model.level)} interval": [
            "" if h else _interval_text(e, lo, hi)
            for e, lo, hi, h in zip(
                estimable, terms["ci_low"].to_list(), terms["ci_high"].to_list(), hidden, strict=True
            )
        ],
        "Victims": n,
    }
    if model.keyed:
        del columns["Victims"]
    return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))


@fails_closed
def model_counts(model: causes.AssociationModel, rule: DisclosureRule) -> dict[object, str]:
    """Each count a model reports ("n_used", "n_outcome", ("left out", reason), ("term", predictor, category)) as
    published: the rule's label where small; for records whose published counts are perturbed, perturbed by its
    cell key as every table of the same records is (the same victims, the same number: a model fitted on the
    victims with a topic recorded is fitted on its "Recorded" of the tables, to the victim)."""
    names: list[object] = [
        "n_used",
        "n_outcome",
        *(("left out", reason) for reason in model.excluded),
        *(("term", p, c) for p, c in _term_rows(model, "predictor", "category")),
    ]
    values = [
        model.n_used,
        model.n_outcome,
        *model.excluded.values(),
        *model.terms["n"].to_list(),
    ]
    frame = pl.DataFrame({"n": values}, schema={"n": pl.Int64})
    keys = (
        pl.DataFrame({"n": [model.cell_keys[name] for name in names]}, schema={"n": pl.Int64})
        if model.keyed
        else None
    )
    shown = suppress_counts(frame, "n", rule, cell_keys=keys).display()["n"].to_list()
    return dict(zip(names, shown, strict=True))


def model_sentence(
    model: causes.AssociationModel, rule: DisclosureRule, withheld: frozenset[object] = frozenset()
) -> str:
    """Which victims the model used and why others were left out, with counts through disclosure control
    (:func:`model_counts`: for records whose published counts are perturbed, perturbed as the tables' counts
    are, never the exact count, which beside a perturbed one of the same victims would give the noise away;
    ``x`` where withheld with the section's tables, :func:`protect_model_counts`). The notes on categories
    merged, characteristics or categories left out of the model and separation are always given; the
    categories' and characteristics' names, which come from the data, escaped as Markdown."""
    shown = model_counts(model, rule)

    def count(name: object) -> str:
        text = shown[name]
        return COMPLEMENT_LABEL if name in withheld and text != rule.label else text

    def said(name: object, noun: str = "") -> str:
        # a withheld count in words: a sentence has no legend for the tables' labels ("on x victims")
        return count_in_words(count(name), noun)

    labels = causes.CHARACTERISTIC_LABELS
    how = (
        "keeping unknown characteristics as a category"
        if model.missing == "indicator"
        else "complete cases only"
    )
    parts = [
        (
            f"{model.outcome_label}: logistic regression on {said('n_used', 'victims')} "
            f"({said('n_outcome')} with it), {how}."
        )
    ]
    if model.excluded:
        parts.append(
            "Left out: "
            + "; ".join(
                f"{said(('left out', k))} {escape_markdown(_left_out_text(model, k))}" for k in model.excluded
            )
            + "."
        )
    if model.keyed:
        parts.append("Its counts are perturbed as the tables' are: the same victims give the same count.")
    if model.merged:
        parts.append(
            "Merged into Other (too few victims or no variation): "
            + "; ".join(
                f"{escape_markdown(labels.get(p, p).lower())}: "
                f"{escape_markdown(', '.join(group_name(p, g) for g in c))}"
                for p, c in model.merged.items()
            )
            + "."
        )
    if model.skipped:
        parts.append(
            "Not in the model: "
            + "; ".join(
                f"{escape_markdown(labels.get(p, p).lower())} ({escape_markdown(_skipped_text(model, p, why))})"
                for p, why in model.skipped.items()
            )
            + "."
        )
    if model.collinear:
        parts.append(
            "Categories left out of the model (one indicator is not fitted twice): "
            + "; ".join(
                f"{escape_markdown(labels.get(p, p).lower())} {escape_markdown(_collinear_text(p, c, why))}"
                for p, whys in model.collinear.items()
                for c, why in whys.items()
            )
            + "."
        )
    if model.separation_suspected:
        parts.append(
            "Some odds ratios are not estimable (separation: a category whose victims all, or almost all, "
            "have or lack the outcome); the data show the direction, not a size."
        )
    few = _few_events(model, {name: count(name) for name in ("n_used", "n_outcome")})
    if few:
        parts.append(few)
    return " ".join(parts)


def _left_out_text(model: causes.AssociationModel, reason: str) -> str:
    """Why victims were left out of ``model``, as the section writes it: the categories left out as too few named
    as its tables name them ("… (age group: 48 years or over)", never the code "48+")."""
    if reason in model.left_out_categories:
        predictor, categories = model.left_out_categories[reason]
        coded = f": {', '.join(categories)})"
        if predictor in AGE_CHARACTERISTICS and reason.endswith(coded):
            named = ", ".join(group_name(predictor, c) for c in categories)
            return f"{reason[: -len(coded)]}: {named})"
    return reason


def _skipped_text(model: causes.AssociationModel, predictor: str, why: str) -> str:
    """Why a predictor is not in ``model``: left out whole as collinear, each of its categories named as the
    tables name them (:func:`_collinear_text`: "48 years or over: the same victims as …", never "48+"); else as the
    analysis says it."""
    if predictor not in model.skipped_collinear:
        return why
    return "; ".join(_collinear_text(predictor, c, w) for c, w in model.skipped_collinear[predictor].items())


def _collinear_text(predictor: str, category: str, why: str) -> str:
    """Why a category was left out of a model as collinear ("48+: the same victims as age group 0-17", as the
    analysis says it), its age groups named as the tables name them ("48 years or over: the same victims as age
    group 0–17 years")."""
    head, found, tail = why.partition(": ")
    if not found or head != category:
        return why
    for other in AGE_CHARACTERISTICS:
        said = f"the same victims as {causes.CHARACTERISTIC_LABELS[other].lower()} "
        if tail.startswith(said):
            tail = said + group_name(other, tail[len(said) :])
    return f"{group_name(predictor, category)}: {tail}"


#: Victims on the rarer side of the outcome per odds ratio estimated below which a model is said to be thin (the
#: usual rule of thumb of 10 events per variable: Peduzzi et al. 1996).
EVENTS_PER_TERM = 10


def _few_events(model: causes.AssociationModel, shown: dict[str, str]) -> str | None:
    """The caveat of a model with fewer than :data:`EVENTS_PER_TERM` victims with (or without) the outcome per
    odds ratio estimated, read from the counts as published (``shown``): nothing when one is withheld, so that the
    caveat never bounds a withheld count, and the perturbed counts of real records are read as published; it
    prints no number of its own (the victims without the outcome are no count the tables publish)."""
    numbers = [shown[name].replace(",", "") for name in ("n_used", "n_outcome")]
    if not all(n.isdigit() for n in numbers):
        return None
    used, with_it = (int(n) for n in numbers)
    rarer, terms = min(with_it, used - with_it), model.terms.height
    if not terms or rarer >= EVENTS_PER_TERM * terms:
        return None
    side = "with" if with_it <= used - with_it else "without"
    return (
        f"Fewer than {number(EVENTS_PER_TERM, 'parameter')} victims {side} it per odds ratio estimated: "
        f"the odds ratios are imprecise and tend to lie further from {number(1, 'statistic')} than the truth; "
        "read them with their intervals, as a direction rather than a size."
    )


@fails_closed
def missing_comparison_view(
    table: pl.DataFrame,
    rule: DisclosureRule,
    *,
    keyed: bool = False,
    withheld: dict[str, frozenset[object]] | None = None,
    ratios: frozenset[tuple[str, str]] = frozenset(),
) -> pl.DataFrame:
    """:func:`evidence.analyses.causes.compare_missing`'s table for display: each odds ratio and interval from
    the complete-case fit beside the fit that keeps every victim (unknowns as a category), with the victims of
    each category (withheld where small; not shown for ``keyed`` records, whose counts elsewhere are perturbed:
    the models' counts are exact, as in :func:`model_view`). A term of ``ratios`` (:func:`ratios_withheld`) reads
    :data:`RATIO_WITHHELD` in both fits."""
    out = {}
    not_shown = [pair in ratios for pair in table.select("predictor", "category").iter_rows()]
    for suffix, label in (("complete", "complete cases"), ("all", "all victims")):
        n = suppress_counts(table.select(pl.col(f"n_{suffix}")), f"n_{suffix}", rule).display(missing="")[
            f"n_{suffix}"
        ]
        out[f"Odds ratio, {label}"] = [
            RATIO_WITHHELD
            if h and r is not None
            else NOT_ESTIMABLE
            if e is False
            else ("" if r is None else f"{_ratio(r)} ({_ratio(lo)} – {_ratio(hi)})")
            for r, lo, hi, e, h in zip(
                table[f"odds_ratio_{suffix}"].to_list(),
                table[f"ci_low_{suffix}"].to_list(),
                table[f"ci_high_{suffix}"].to_list(),
                table[f"estimable_{suffix}"].to_list()
                if f"estimable_{suffix}" in table.columns
                else [None] * table.height,
                not_shown,
                strict=True,
            )
        ]
        hidden = (withheld or {}).get(suffix, frozenset())  # withheld with the section's tables: ``x``
        pairs = table.select("predictor", "category").iter_rows()
        out[f"Victims, {label}"] = [
            COMPLEMENT_LABEL if ("term", *pair) in hidden and c not in ("", rule.label) else c
            for pair, c in zip(pairs, n.to_list(), strict=True)
        ]
    labels = causes.CHARACTERISTIC_LABELS
    view = pl.DataFrame(
        {
            "Characteristic": [labels.get(p, p) for p in table["predictor"].to_list()],
            "Category": [group_name(p, c) for p, c in table.select("predictor", "category").iter_rows()],
            **out,
        }
    )
    return view.drop(c for c in view.columns if c.startswith("Victims")) if keyed else view


# ----------------------------------------------------------------------------------------------------- society


@fails_closed
def comparison_view(
    panel: CountryPanel, country: str, peers: Sequence[str] | None, rule: DisclosureRule
) -> tuple[pl.DataFrame, list[str]]:
    """The country beside its peers (one row per country, the country first, one column per measure) and the
    sources to cite under it."""
    from evidence.analyses.society import COMPARE_MEASURES
    from evidence.presentation.comparison import (
        comparison_by_country,
        comparison_sources,
        disclosed_comparison,
        mark_missing_totals,
        mark_not_compared,
    )

    # a country the UNODC data hold without a total reads "no total", as in the country brief's table
    disclosed = mark_not_compared(
        mark_missing_totals(disclosed_comparison(panel.compare(country, peers), rule), panel.reporting)
    )
    measures = [m for m in COMPARE_MEASURES if m in disclosed["measure"].to_list()]
    return comparison_by_country(disclosed, measures), comparison_sources(disclosed)


def detection_window(panel: CountryPanel) -> tuple[int, int]:
    """The years whose detected victims may be set against the GSI's estimate (the estimate's year ±
    :data:`~evidence.analyses.society.MAX_YEARS_FROM_ESTIMATE`): the detection model's rule.

    Raises :class:`ParameterError` when the panel holds no GSI table or its file does not state the year its
    estimates refer to (no year is assumed)."""
    from evidence.analyses.society import MAX_YEARS_FROM_ESTIMATE, gsi_edition_text, gsi_estimate_year

    if "walkfree_gsi" not in panel.source_ids:
        raise ParameterError("detected victims are set against the GSI's estimate: no GSI table was given")
    year = gsi_estimate_year(panel)
    if year is None:
        raise ParameterError(
            f"{gsi_edition_text(panel)}: detected victims cannot be set against estimates of an unknown year"
        )
    return year - MAX_YEARS_FROM_ESTIMATE, year + MAX_YEARS_FROM_ESTIMATE


def gsi_table_note(panel: CountryPanel) -> str:
    """How the comparison table's GSI figures and rates are dated, from the GSI table the panel holds (its
    edition and estimate year, or that its file states none); empty when it holds none."""
    from evidence.analyses.society import gsi_edition_text, gsi_estimate_year

    if "walkfree_gsi" not in panel.source_ids:
        return ""
    year = gsi_estimate_year(panel)
    if year is None:
        return (
            f"GSI figures are those of {gsi_edition_text(panel)}; rates per 100,000 divide by its population; "
            "none is given per 1,000 estimated, the year of the estimate being unknown."
        )
    return (
        f"GSI figures are those of {gsi_edition_text(panel)}, and rates divide by the GSI's {year} population "
        "and estimate."
    )


def detection_points(
    panel: CountryPanel, country: str, peers: Sequence[str] | None, rule: DisclosureRule
) -> pl.DataFrame:
    """Every country's detected victims per 100,000 and estimated prevalence per 1,000, with its role
    (country, peer, other) and name. Detected victims are those of the year nearest the GSI's estimate within
    :func:`detection_window` (the later of two equally near), as the detection model takes them: a country
    whose latest count is older is left out, as it is of the model. A country whose detected count is
    withheld (small) is left out, since its rate would give the count back."""
    from evidence.analyses.society import DETECTED, default_peers

    iso3 = _iso3(country)
    peer_codes = default_peers(iso3) if peers is None else [_iso3(p) for p in peers]
    first, last = detection_window(panel)
    centre = (first + last) // 2
    detected = (
        panel.frame.filter(
            pl.col("measure").is_in([DETECTED, DETECTED_PER_100K])
            & pl.col("value_high").is_not_null()
            & pl.col("year").is_between(first, last)
        )
        .with_columns(_distance=(pl.col("year").cast(pl.Int64) - centre).abs())
        .sort(["iso3", "measure", "_distance", "year"], descending=[False, False, False, True])
        .unique(["iso3", "measure"], keep="first", maintain_order=True)
        .drop("_distance")
    )
    latest = pl.concat([detected, panel.latest([PREVALENCE])], how="diagonal_relaxed")
    small = latest.filter((pl.col("measure") == DETECTED) & rule.small_expr(pl.col("value_high")))[
        "iso3"
    ].to_list()
    values = (
        latest.filter(pl.col("measure").is_in([DETECTED_PER_100K, PREVALENCE]) & ~pl.col("iso3").is_in(small))
        .with_columns(point=pl.coalesce("value", (pl.col("value_low") + pl.col("value_high")) / 2))
        .pivot(on="measure", index=["iso3", "country"], values="point")
    )
    for measure in (DETECTED_PER_100K, PREVALENCE):
        if measure not in values.columns:
            values = values.with_columns(pl.lit(None, pl.Float64).alias(measure))
    return values.with_columns(
        role=pl.when(pl.col("iso3") == iso3)
        .then(pl.lit("country"))
        .when(pl.col("iso3").is_in(peer_codes))
        .then(pl.lit("peer"))
        .otherwise(pl.lit("other"))
    ).select("iso3", "country", "role", DETECTED_PER_100K, PREVALENCE)


def _article(word: str) -> str:
    """ "an" before a vowel sound ("an upgrade"), else "a" ("a downgrade")."""
    return "an" if word[:1].lower() in "aeiou" else "a"


def _iso3(value: str) -> str:
    """An ISO3 code from a code or a name (a clear error otherwise)."""
    from evidence.analyses.selection import check_country

    iso3 = check_country(value)
    assert iso3 is not None
    return iso3


def _too_few_note(exc: Exception) -> str:
    """Why a country-level model was not fitted, escaped; in a "too few" note of :mod:`~evidence.analyses.society`
    ("only 2 countries have detected victims…", "within (-3, 3)") the numbers count countries, events and years,
    the size of the analysis, never people: marked so (the scanner reads other notes as ever)."""
    text = escape_markdown(exc)
    if "too few" not in text:
        return text
    return re.sub(r"\d+", lambda m: number(int(m.group()), "parameter"), text)


#: What the detection model's columns say, under its table: a reader is told, not the estimator's name alone.
#: In words, no digit: a table's note is plain text, whose digits the disclosure scan reads as counts.
DETECTION_MODEL_READING = (
    "A rate ratio of two means twice as many detected victims per population, one no difference, where the measure "
    "is that much higher and the others are the same; p: how likely a ratio at least this far from one would be if "
    "there were no association. A Poisson model whose intervals allow the counts to vary more than it assumes "
    "(robust, HC1)."
)


def detection_model_view(model: DetectionModel) -> pl.DataFrame:
    """The detection model's rate ratios as a table."""
    return (
        model.frame()
        .select(
            pl.col("change").str.slice(0, 1).str.to_uppercase() + pl.col("change").str.slice(1),
            pl.col("rate_ratio").map_elements(_ratio, return_dtype=pl.String).alias("Rate ratio"),
            pl.format(
                "{} – {}",
                pl.col("ci_low").map_elements(_ratio, return_dtype=pl.String),
                pl.col("ci_high").map_elements(_ratio, return_dtype=pl.String),
            ).alias(f"{level_text(model.level)} interval"),  # the estimator is named in the note, in words
            pl.col("p_value")
            .map_elements(lambda p: f"{p:.3f}" if p >= 0.001 else "<0.001", return_dtype=pl.String)
            .alias("p"),
        )
        .rename({"change": "Where"})
    )


def censored_text(model: DetectionModel) -> str:
    """How the model's counts published as ``<5`` (or the file's other ``<N``) enter it, and how far its rate ratios move when they are set at
    their bounds instead (the refits :func:`~evidence.analyses.society.detection_model` makes, which no output
    said); empty when no count is censored. The count is of countries, UNODC's own published cells."""
    cut = model.data.filter(pl.col("detected_low") != pl.col("detected_high"))
    censored = cut.height
    if not censored or model.low_bound is None or model.high_bound is None:
        return ""
    # as the file published them (a single cell each: <N read as 1 to N-1): <10 too, not always <5
    published = word_list([f"\\<{n}" for n in censoring_thresholds(cut["detected_high"])], last="or")
    moved = max(
        abs(bound.rate_ratio / term.rate_ratio - 1)
        for fit in (model.low_bound, model.high_bound)
        for bound, term in zip(fit, model.terms, strict=True)
    )
    return (
        f"{number(censored, 'countries')} of the {number(model.n_countries, 'countries')} countries "
        f"{'has' if censored == 1 else 'have'} a count published as {published}, entered at its midpoint; "
        f"{_refitted_on_bounds(moved, one=censored == 1)}"
    )


def _refitted_on_bounds(moved: float, *, one: bool = False) -> str:
    """What the refits with UNODC's ``<5`` counts at their bounds do to the rate ratios: ``moved``, the largest
    relative change (a ratio, marked as a statistic; under 0.1% said as 0.1%); ``one``: of one count ("with it",
    not "with each")."""
    return (
        f"refitted with {'it' if one else 'each'} at its lower and at its upper bound, no rate ratio moves by more than "
        f"{number(max(moved * 100, 0.1), 'statistic', digits=1)}%."
    )


def later_events(panel: CountryPanel, study: EventStudy) -> int:
    """How many of the study's events are not their country's first change of the kind in the TIP reports (an
    earlier one had no detected victims around it, UNODC's counts starting years after the reports): "its first
    counted" read as the first."""
    from evidence.analyses import society

    changes = society.tier_changes(panel).filter(pl.col("kind") == study.kind)
    first = dict(changes.group_by("iso3").agg(pl.col("year").min()).iter_rows())
    return sum(year > first[iso3] for iso3, year in study.events.select("iso3", "year").iter_rows())


def event_censored_text(studies: Sequence[EventStudy], panel: CountryPanel) -> str:
    """How far the event studies' rate ratios move when UNODC's ``<5`` counts (or the file's other ``<N``, those
    of the ``panel``'s detected victims) are set at their bounds instead of their midpoint (the refits
    :func:`~evidence.analyses.society.tier_event_study` makes, which no output said); empty when no count is
    censored."""
    from evidence.analyses import society

    moved = [
        abs(bound / point - 1)
        for study in studies
        if "rate_ratio_low_bound" in study.estimates.columns
        for column in ("rate_ratio_low_bound", "rate_ratio_high_bound")
        for bound, point in zip(study.estimates[column], study.estimates["rate_ratio"], strict=True)
        if bound is not None and point
    ]
    if not moved:
        return ""
    detected = panel.measure(society.DETECTED)
    cut = detected.filter(pl.col("value_low") != pl.col("value_high"))["value_high"]
    thresholds = censoring_thresholds(cut)
    if not thresholds:
        return ""
    published = word_list([f"\\<{n}" for n in thresholds], last="or")
    return f" Counts published as {published} enter at their midpoint; {_refitted_on_bounds(max(moved))}"


def _event_time_text(k: int) -> str:
    """An event time in words, its number marked as the study's parameter (never a count of people)."""
    if k == 0:
        return "the report's year"
    years = "year" if abs(k) == 1 else "years"
    return f"{number(abs(k), 'parameter')} {years} {'after' if k > 0 else 'before'} the report"


def event_study_text(studies: Sequence[EventStudy]) -> str:
    """What the event studies found, as the chart draws it: the event times whose interval excludes 1 (their rate
    ratio to the year before the report, with the interval), or that none does; a change before the report is said
    to be no effect of it. The chart alone left the reader to read a point below 1 as a fall."""
    one = number(1, "statistic")
    found = []
    for s in studies:
        rows = s.estimates.filter(
            (pl.col("event_time") != s.reference)
            & pl.col("ci_low").is_not_null()
            & pl.col("ci_high").is_not_null()
        ).sort("event_time")
        clear = rows.filter((pl.col("ci_low") > 1) | (pl.col("ci_high") < 1))
        if clear.height:
            found.append(
                f"around {_article(s.kind)} {s.kind}, "
                + "; ".join(
                    f"{_event_time_text(int(r['event_time']))}: {_ratio(r['rate_ratio'])} "
                    f"({level_text(s.level)} interval {_ratio(r['ci_low'])}–{_ratio(r['ci_high'])})"
                    for r in clear.iter_rows(named=True)
                )
                + (
                    " (a change before the report is no effect of it: those years differed already)"
                    if (clear["event_time"] < 0).any()
                    else ""
                )
            )
    if not found:
        kinds = " or ".join(f"{_article(s.kind)} {s.kind}" for s in studies)
        levels = sorted({level_text(s.level) for s in studies})
        return (
            f"No year's {', '.join(levels)} interval excludes {one} around {kinds}: the data show no clear change "
            "in detected victims around a change of tier."
        )
    return (
        f"Years whose interval excludes {one} (detected victims, ratio to the year before the report): "
        + "; ".join(found)
        + "."
    )


def event_study_view(studies: Sequence[EventStudy]) -> pl.DataFrame:
    """The event studies' rate ratios in one long table (for the chart and a table): kind, event_time,
    rate_ratio, ci_low, ci_high, n_countries."""
    return pl.concat(
        [
            s.estimates.select(
                pl.lit(s.kind).alias("kind"),
                "event_time",
                "rate_ratio",
                # the reference year is 1 by construction: its "interval" is the point
                pl.col("ci_low").fill_null(pl.col("rate_ratio")),
                pl.col("ci_high").fill_null(pl.col("rate_ratio")),
                "n_countries",
            )
            for s in studies
        ]
    )


# ------------------------------------------------------------------------------------------- notebook sections


def person_tables(
    tables: Sequence[LoadedTable], *, country: str, role: str = "both", scope: str = "country"
) -> list[LoadedTable]:
    """The case tables that hold victims for the person section (:func:`person_cases`): a case table with no
    victim of the country in its role contributes nothing, and is neither used nor cited."""
    return [s.loaded for s in _person_selections(tables, country=country, role=role, scope=scope) if s.loaded]


def _person_selections(
    tables: Sequence[LoadedTable], *, country: str, role: str, scope: str
) -> list[Selection]:
    from evidence.analyses.selection import Selection

    if scope not in ("country", "all"):
        raise ParameterError(f"person_scope must be country or all, not {scope!r}")
    # through the selection: real records carry their cell keys, so the counts are perturbed as everywhere
    chosen = [
        Selection(t) if scope == "all" else Selection(t, country=_iso3(country), role=role)  # type: ignore[arg-type]
        for t in tables
        if t.kind == "case"
    ]
    return [s for s in chosen if s.records().height]


#: The characteristics the person section names when the files record them but not for its victims (as it
#: names topics): those "Who is identified" profiles.
PERSON_CHARACTERISTICS: Final = ("sex", "age_band")


def recorded_in_tables(tables: Sequence[LoadedTable]) -> list[str]:
    """The topics (and :data:`PERSON_CHARACTERISTICS`) the case tables among ``tables`` record for at least one
    victim, of any country: what
    :func:`show_person_section` takes as ``recorded_in_data``, so that a topic the files record for other
    victims is not called absent from them (Viet Nam's victims in the k-anonymised sample have no form of
    exploitation recorded; the file records it for others)."""
    from evidence.analyses.selection import kept_once

    def recorded(table: LoadedTable) -> tuple[str, ...]:
        # read once per table's frame (every brief of a warm kernel's batch asks of the same tables)
        return kept_once(
            table.data,
            ("recorded_in_tables",),
            lambda: (*causes.recorded_topics(table), *causes.recorded_characteristics(table)),
        )

    found = {t for table in tables if table.kind == "case" for t in recorded(table)}
    return [t for t in causes.TOPICS if t in found] + [c for c in PERSON_CHARACTERISTICS if c in found]


def person_cases(
    tables: Sequence[LoadedTable], *, country: str, role: str = "both", scope: str = "country"
) -> pl.DataFrame | None:
    """The victim records the person section describes: every case table given (one canonical table), all of
    them (``scope="all"``) or the country's victims as ``role``; None when no case table was given (an empty
    frame when none holds any of these victims)."""
    if not any(t.kind == "case" for t in tables):
        return None
    frames = [s.records() for s in _person_selections(tables, country=country, role=role, scope=scope)]
    if not frames:
        return pl.DataFrame()
    return pl.concat(frames, how="diagonal_relaxed")


@fails_closed
def person_scope_text(
    cases: pl.DataFrame,
    rule: DisclosureRule,
    *,
    country: str,
    role: str = "both",
    scope: str = "country",
    tables: Sequence[LoadedTable] = (),
) -> str:
    """The first sentence of the person section: whose records it describes, how many victims, and of which
    years. With ``scope="all"`` it says so plainly, since the section sits under the country's heading but covers
    every record of the case data, of every country (the review: worldwide records read as the United States').

    The victims are all victims as the country brief's headline prints them (:func:`shown_total`): "What is
    recorded" prints them too, but it is left out where a row is too small to protect (the demo's Fiji as
    destination, six victims at 5), and a reader of the causes brief alone never learnt how many it covers.
    The count is marked as people (:func:`~evidence.presentation.markup.marked`); a withheld one is said in
    words ("fewer than 5 victims": :func:`~evidence.presentation.markup.count_in_words`). Over
    several case ``tables`` (:func:`person_tables`) it names the files it reads together: their records summed
    are no number of different victims (the k-anonymised sample and its excerpt hold the same ones)."""
    from evidence.analyses.coverage import ROLE_WORDS
    from evidence.sources.countries import name_in_text

    place = escape_markdown(name_in_text(_iso3(country)) or country)
    # marked as people: the disclosure scanner checks it strictly; a withheld total in words, as all prose says it
    # (a table's "<5" has no legend in a sentence)
    total = shown_total(cases, rule)
    said = count_in_words(total, "victims")
    withheld = said != f"{total} victims"
    the_victims = said if withheld else f"the {marked(total, PEOPLE)} victims"
    its_victims = said if withheld else f"its {marked(total, PEOPLE)} victims"
    years = ""
    span = year_span(cases)
    if span is not None:
        first, last = span
        years = f" (records of {first})" if first == last else f" (records of {first}–{last})"
    together = _files_read_together(tables)
    if scope == "all":
        return (
            f"**This section covers every record of the case data, of every country**, {its_victims}"
            f"{years}: not only the victims of {place}, and its counts and shares are not those of {place}."
            + (f" They are {together}." if together else "")
        )
    words = ROLE_WORDS.get(role, role)
    if together:
        return f"This section covers {the_victims} with {place} as {words}{years}, {together}."
    return f"This section covers {the_victims} in the case data with {place} as {words}{years}."


def _files_read_together(tables: Sequence[LoadedTable]) -> str:
    """The case files of the person section named, when it reads more than one: "read together from two case
    files (CTDC …, both): a victim recorded in more than one of them counts once in each"; empty for one."""
    if len(tables) < 2:
        return ""
    from evidence.core.text import number_in_words
    from evidence.presentation.markup import data_label

    files: dict[str, int] = {}
    for table in tables:
        files[table.provenance.label] = files.get(table.provenance.label, 0) + 1
    n = len(tables)
    if len(files) == 1:
        named = f"{data_label(next(iter(files)))}, {'both' if n == 2 else 'all ' + number_in_words(n)}"
    else:
        named = word_list(
            [
                data_label(label) + (f", {number_in_words(k)} files" if k > 1 else "")
                for label, k in files.items()
            ]
        )
    return (
        f"read together from {number_in_words(n)} case files ({named}): a victim recorded in more than one of "
        "them counts once in each"
    )


@fails_closed
def shown_total(cases: pl.DataFrame, rule: DisclosureRule) -> str:
    """All victims of ``cases`` as every output of the selection shows them (the country brief's headline, the
    Victims of "What is recorded"): the count, or the rule's label where small; records that carry cell keys
    perturbed by the sum of their keys, as the headline's total and every table's total of them are."""
    frame = pl.DataFrame({"n": [cases.height]}, schema={"n": pl.Int64})
    keys = (
        pl.DataFrame({"n": [cases[RECORD_CELL_KEY].sum()]}, schema={"n": pl.Int64})
        if RECORD_CELL_KEY in cases.columns
        else None
    )
    return str(suppress_counts(frame, "n", rule, cell_keys=keys).display()["n"][0])


def no_person_victims_text(country: str, role: str = "both") -> str:
    """What the person section says where the case data hold none of the country's victims in its role: the
    country named as :func:`person_scope_text` names it ("the Philippines", not "Philippines")."""
    from evidence.analyses.coverage import ROLE_WORDS
    from evidence.sources.countries import name_in_text

    place = escape_markdown(name_in_text(_iso3(country)) or country)
    return (
        f"The case data hold no victims of {place} as {escape_markdown(ROLE_WORDS.get(role, role))}: this section "
        "describes none (with victims described: all, it would describe every record)."
    )


#: What the person section describes, in order, and by which characteristic.
PERSON_TOPICS: tuple[tuple[str, str | None], ...] = (
    ("recruiter_relation", "sex"),
    ("means_of_control", "sex"),
    ("form", "age_group"),
    ("trafficking_duration", "route_class"),
    ("perpetrator_relation", "sex"),
    ("perpetrator_role", "route_class"),
    (causes.PERPETRATOR_ORIGIN, None),
)


# ---------------------------------------------------------------------- the person section, protected whole


@dataclasses.dataclass(frozen=True)
class BesideCounts:
    """A table of victims by one field of their records (``column``: ``age_band``, ``gender``) published beside
    the person section, of some of its victims (one case table's): each category's true count and how it is
    shown (``None``: as a number; a reason: withheld; ``"unpublished"``: not shown at all), the victims without
    the field under :data:`~evidence.analyses.trends.UNKNOWN`. ``total``: how its total ("All victims in the
    selection") is shown, the same way: a small table withholds it too (Thailand's six victims in the
    k-anonymised fixture, Female ``x``, Male ``<5``, total ``x``), and read as shown it pinned both cells."""

    column: str
    counts: Mapping[str, tuple[int, str | None]]
    total: str | None = "unpublished"


@dataclasses.dataclass(frozen=True)
class PersonSection:
    """Every table and chart of counts the person section publishes (:func:`person_section`), protected
    together: ``missing`` (what is recorded), ``profiles`` (topic, characteristic, view; a view None when too
    small), ``heat`` (means of control by form; its table shown only with ``heat_table_shown``, its shares
    always, in a chart). ``profiled``: the victims' records, whose counts every table, the protection of them
    together (each time it is drawn up) and the models' counts share."""

    profiled: causes.CaseProfiles
    rule: DisclosureRule
    missing: MissingCounts | None
    profiles: tuple[tuple[str, str | None, ProfileView | None], ...]
    heat: HeatCounts | None
    heat_table_shown: bool = True
    #: tables of the same victims published beside the section (the country brief's "Who is identified", by age
    #: band and sex): their cells are linked to its groups (age group 30-47 is bands 30-38 and 39-47)
    beside: tuple[BesideCounts, ...] = ()
    #: the system its protection audited (:func:`protect_person_section`), whose findings the models' system,
    #: drawn up again from the protected tables, starts from (:meth:`LinkedCounts.continue_from`)
    protected: LinkedCounts | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def cases(self) -> pl.DataFrame:
        """The victims' records."""
        return self.profiled.cases

    def audit(self) -> list[object]:
        """The withheld counts (and small counts never shown, such as the recorded victims without an item)
        a reader gets back by combining this section's tables: empty when protected (:func:`section_counts`,
        :func:`~evidence.presentation.disclosure.linked_exposures`)."""
        return linked_exposures(section_counts(self), self.rule)


def age_characteristic(cases: pl.DataFrame) -> str | None:
    """How the victims' age is shown and modelled: by age group, or by minor or adult where that is recorded
    for more of them (the United States' victims in the k-anonymised sample have an age band only when minors,
    272, but minor or adult for 522: by age group the adults were all "Unknown" beside "0-17"); None when
    neither is recorded."""
    recorded = causes.missing_values(cases, ["age_group", "majority_status"])
    n = dict(zip(recorded["variable"].to_list(), recorded["n_recorded"].to_list(), strict=True))
    if not n["age_group"] and not n["majority_status"]:
        return None
    return "majority_status" if n["majority_status"] > n["age_group"] else "age_group"


def section_topics(cases: pl.DataFrame) -> list[tuple[str, str | None]]:
    """The topics the person section shows for ``cases``, each with the characteristic it is shown by (age:
    :func:`age_characteristic`)."""
    topics = causes.recorded_topics(cases)
    characteristics = causes.recorded_characteristics(cases)
    age = age_characteristic(cases)
    out = []
    for topic, by in PERSON_TOPICS:
        if topic not in topics:
            continue
        if by == "age_group":
            by = age
        elif by is not None and by not in characteristics:
            by = None
        out.append((topic, by))
    return out


@fails_closed
def person_section(
    cases: pl.DataFrame,
    rule: DisclosureRule,
    *,
    heat_table_shown: bool = True,
    together: bool = True,
    beside: Sequence[BesideCounts] = (),
) -> PersonSection:
    """The person section's tables of ``cases``, each protected on its own and then all of them together
    (:func:`protect_person_section`): tables of the same victims share their margins (all victims, a topic's
    recorded victims, a group's size), so a count one table withholds must not follow from the others."""
    shown = section_topics(cases)
    profiled = causes.CaseProfiles(cases)
    profiles = []
    means_view = None
    for topic, by in shown:
        view = profile_view(profiled, topic, by, rule)
        if topic == "means_of_control":
            means_view = view
        profiles.append((topic, by, view))
    heat = (
        heat_counts(profiled, rule, beside=means_view)
        if {"form", "means_of_control"} <= {t for t, _ in shown}
        else None
    )
    section = PersonSection(
        profiled=profiled,
        rule=rule,
        missing=missing_counts(profiled, rule),
        profiles=tuple(profiles),
        heat=heat,
        heat_table_shown=heat_table_shown,
        beside=tuple(beside),
    )
    return protect_person_section(section) if together else section


def _add_profile(system: LinkedCounts, cases: causes.Cases, topic: str, by: str | None) -> None:
    """The true counts of a topic by a characteristic (all victims without one) and what anyone knows of how
    they are made: a group's recorded and not recorded victims add up to its size, the groups to all
    victims; a single-valued topic's categories add up to the recorded victims, a multi-valued one's are
    each at most that and together at least it (every recorded victim has one)."""
    long = causes.profile(cases, topic, by)
    multi = topic in causes.MULTI_VALUED
    categories = list(dict.fromkeys(long["category"].to_list()))
    # each group's sizes and counts (in the categories' order), read in one pass of the columns (a filter per
    # group, or a select, is a query: the section adds a profile some twenty times a brief)
    sizes_of: dict[str, tuple[int, int, int]] = {}
    counts_of: dict[str, list[int]] = {}
    columns = (long.get_column(c).to_list() for c in ("group", "n_group", "n_known", "n_unknown", "count"))
    for group, n_group, n_known, n_unknown, count in zip(*columns, strict=True):
        sizes_of.setdefault(group, (n_group, n_known, n_unknown))
        counts_of.setdefault(group, []).append(count)
    groups = list(sizes_of)
    for group in groups if by is not None else [ALL]:
        of = group if by is not None else causes.ALL_VICTIMS
        key = (by, group) if by is not None else (None, ALL)
        n_group, n_known, n_unknown = sizes_of[of]
        size = ("n", *key) if by is not None else ("N",)
        system.quantity(size, int(n_group))
        rec, nrec = ("rec", topic, *key), ("nrec", topic, *key)
        system.quantity(rec, int(n_known))
        system.quantity(nrec, int(n_unknown))
        system.equalities.append({rec: 1.0, nrec: 1.0, size: -1.0})
        cells = [("cnt", topic, c, *key) for c in categories]
        for cell, value in zip(cells, counts_of[of], strict=True):
            system.quantity(cell, int(value))
        if multi:
            for cell, category in zip(cells, categories, strict=True):
                system.at_most.append({cell: 1.0, rec: -1.0})
                system.derived[("without", topic, category, *key)] = {rec: 1.0, cell: -1.0}
            system.at_most.append({rec: 1.0, **{cell: -1.0 for cell in cells}})
            # the categories' sum less the recorded victims: the categories victims hold beyond their first, so
            # a small one says that few victims hold several (the demo's Thailand, 48+: 113 + 14 + 7 - 132 = 2
            # with two forms), as the shares of overlapping flags are protected (builders.shares_view)
            system.derived[("several", topic, *key)] = {**{cell: 1.0 for cell in cells}, rec: -1.0}
        else:
            system.equalities.append({**{cell: 1.0 for cell in cells}, rec: -1.0})
    if by is None:
        return
    system.equalities.append({**{("n", by, g): 1.0 for g in groups}, ("N",): -1.0})
    for kind in ("rec", "nrec"):
        system.equalities.append(
            {**{(kind, topic, by, g): 1.0 for g in groups}, (kind, topic, None, ALL): -1.0}
        )
    for category in categories:
        system.equalities.append(
            {
                **{("cnt", topic, category, by, g): 1.0 for g in groups},
                ("cnt", topic, category, None, ALL): -1.0,
            }
        )


def _profile_cells(view: ProfileView) -> list[tuple[tuple[object, ...], str, int]]:
    """(quantity, column, row) of every count a profile's table shows: the column of its protected counts
    (``Recorded``/``Not recorded`` of the split, or ``RECORDED`` of a single-valued topic's sums) and the row
    (the totals row last)."""
    rows = view.counts.frame["group"].to_list()
    n = len(rows)
    out = []
    for i, group in enumerate(rows):
        if view.by is None and i == n - 1:
            continue  # one group, everyone: the totals row is the same row, not shown twice
        key = (None, ALL) if view.by is None or i == n - 1 else (view.by, group)
        for category in view.categories:
            out.append((("cnt", view.topic, category, *key), category, i))
        out.append((("rec", view.topic, *key), RECORDED, i))
        out.append((("nrec", view.topic, *key), NOT_RECORDED, i))
    return out


def _profile_status(view: ProfileView, column: str, row: int) -> str | None:
    if column in view.categories:
        return view.counts.reasons[column][row]
    if view.split is not None:
        return view.split.reasons[column][row]
    if column == NOT_RECORDED:
        return view.counts.reasons[NOT_RECORDED][row]
    # a single-valued topic's recorded victims: the sum of its categories, shown when every one is
    withheld = row in view.withheld_recorded or any(
        view.counts.reasons[c][row] is not None for c in view.categories
    )
    return COMPLEMENT_LABEL_REASON if withheld else None


def section_counts(section: PersonSection) -> LinkedCounts:
    """Every count the person section publishes, as one system (:class:`LinkedCounts`): the true counts, how
    each is shown, and how they are tied (the same victims in several tables, margins, and bounds such as a
    heat cell being at most its means' count of all victims)."""
    profiled, system = section.profiled, LinkedCounts()  # its counts computed once for all of the section
    system.quantity(("N",), section.cases.height)
    topics = {t for t, _, _ in section.profiles}
    heat = section.heat
    if heat is not None:
        topics |= {heat.row_topic, heat.column_topic}
    for topic in topics:
        _add_profile(system, profiled, topic, None)
    groupings = set()
    for topic, by, view in section.profiles:
        if by is not None:
            _add_profile(system, profiled, topic, by)
            groupings.add(by)
        if view is None:
            continue
        for quantity, column, row in _profile_cells(view):
            system.publish(quantity, system.values[quantity], _profile_status(view, column, row))
    # what is recorded: each topic's recorded victims of all, each characteristic's, and all victims
    missing = causes.missing_values(profiled).filter(pl.col("in_layout"))
    for variable in missing.iter_rows(named=True):
        name = variable["variable"]
        rec, nrec = (
            (("rec", name, None, ALL), ("nrec", name, None, ALL))
            if name in causes.TOPICS
            else (("crec", name), ("cnrec", name))
        )
        system.quantity(rec, int(variable["n_recorded"]))
        system.quantity(nrec, int(variable["n_not_recorded"]))
        system.equalities.append({rec: 1.0, nrec: 1.0, ("N",): -1.0})
        if name in groupings and (by_unknown := ("n", name, UNKNOWN)) in system.values:
            system.equalities.append({nrec: 1.0, by_unknown: -1.0})
        elif name in groupings:  # every victim recorded: no group Unknown
            system.equalities.append({nrec: 1.0})
    for derived, parent in causes.DERIVED_CHARACTERISTICS.items():
        known = ("crec", derived) in system.values and ("crec", parent) in system.values
        if known and system.values[("crec", derived)] == system.values[("crec", parent)]:
            system.equalities.append({("crec", derived): 1.0, ("crec", parent): -1.0})
    if section.missing is not None:
        table = section.missing.table
        for i, name in enumerate(section.missing.variables):
            rec, nrec = (
                (("rec", name, None, ALL), ("nrec", name, None, ALL))
                if name in causes.TOPICS
                else (("crec", name), ("cnrec", name))
            )
            for quantity, column in ((rec, RECORDED), (nrec, NOT_RECORDED), (("N",), "__total")):
                system.publish(quantity, system.values[quantity], table.reasons[column][i])
    if heat is not None:
        _add_heat(system, profiled, section)
    _link_beside(system, section, groupings)
    # all victims are known with or without tables beside: the country brief of the same selection prints them as
    # its headline (the causes brief's FJI as destination, six victims: 26 small counts pinned by them)
    _known_beside(system, section.rule)
    # an item withheld beside its published margin says why to a reader who knows the rule: the victims
    # without it are a small count, so at least 1 (Recorded 11 and excessive working hours ``x``: 10 at most)
    system.publish(ONE, 1, None)
    for combination in system.derived.values():
        item = next(q for q, c in combination.items() if c < 0)
        without = sum(c * system.values[q] for q, c in combination.items())
        if system.status.get(item) == COMPLEMENT_LABEL_REASON and section.rule.is_small(without):
            system.at_most.append({**{q: -c for q, c in combination.items()}, ONE: 1.0})
    return system


@fails_closed
def beside_counts(
    selections: Sequence[Selection],
    rule: DisclosureRule,
    groups: Sequence[tuple[str, str]] = (("age_band", "Age"), ("gender", "Sex")),
) -> tuple[BesideCounts, ...]:
    """The country brief's "Who is identified" tables by age band and sex (one per case table's ``selections``,
    :func:`~evidence.notebooks.views.show_profiles`) as the person section links them: each category's true
    count and how the table shows it (not at all where the table is not shown)."""
    from evidence.core.errors import EvidenceError
    from evidence.notebooks.builders import ALL_IN_SELECTION, profile_view, records_no_category
    from evidence.notebooks.builders import NOT_RECORDED as SHOWN_NOT_RECORDED

    out = []
    for selection in selections:
        records = selection.records()
        for column, label in groups:
            if column not in records.columns:
                continue
            values = records.get_column(column).cast(pl.String).fill_null(UNKNOWN).value_counts()
            counts = {str(c): int(n) for c, n in values.iter_rows()}
            try:
                view = profile_view(selection, column, rule, label=label)
            except EvidenceError:
                view = None
            shown: dict[str, str | None] = {}
            total: str | None = "unpublished"
            if view is not None and not records_no_category(view):
                rows = view.select(label, "Victims").rows()
                for i, (category, cell) in enumerate(rows):
                    text = str(cell or "")
                    status = (
                        COMPLEMENT_REASON
                        if text == COMPLEMENT_LABEL
                        else SMALL_REASON
                        if text.startswith("<")
                        else None
                        if text
                        else "unpublished"
                    )
                    if i == len(rows) - 1 and category == ALL_IN_SELECTION:  # the total row, last
                        total = status
                    else:
                        shown[UNKNOWN if category == SHOWN_NOT_RECORDED else str(category)] = status
            out.append(
                BesideCounts(column, {c: (n, shown.get(c, "unpublished")) for c, n in counts.items()}, total)
            )
    return tuple(out)


def _beside(quantity: Hashable) -> bool:
    """Whether ``quantity`` is a cell of a table beside the section (:func:`_link_beside`)."""
    return isinstance(quantity, tuple) and bool(quantity) and quantity[0] == "beside"


def _known_beside(system: LinkedCounts, rule: DisclosureRule) -> None:
    """What a reader of the brief knows without the section: all victims, which every output of the selection
    shows (as the rule labels it: the country brief's headline; the causes brief has none, but its reader holds
    the country brief of the same selection), and every count of the tables beside the section that those tables
    give back with it (the k-anonymised fixture's Thailand: Female ``x`` and Male ``<5`` of six victims, total
    ``x``, beside the headline's six: Male is 1). Such a count is shown, as far as the section is concerned: the section cannot
    free it (its tables are not the section's to withhold), and protecting the section against a reader who
    holds it is protecting it against one who knows more, never less. Chased as the section's, it made the
    protection drop every table of the section and then nothing, for ever.

    The tables and the headline are read as the true counts, as every shown count of a system is (a reader's
    best guess of a perturbed count is the count, right whenever its perturbation is 0)."""
    everyone = system.values[("N",)]
    system.publish(("N",), everyone, SMALL_REASON if rule.is_small(everyone) else None)
    outside = LinkedCounts()
    for q, value in system.values.items():
        if _beside(q) or q == ("N",):
            outside.quantity(q, value, system.status.get(q, "unpublished"))
    outside.equalities = [line for line in system.equalities if set(line) <= set(outside.values)]
    for q in linked_exposures(outside, rule, complements=True):
        system.status[q] = None


def _link_beside(system: LinkedCounts, section: PersonSection, groupings: set[str]) -> None:
    """The cells of the tables published beside the section (:attr:`PersonSection.beside`), each group of a
    characteristic the section shows victims by the sum of the cells whose victims all fall in it: the
    country brief's age table showed 30-38 = 101 and 39-47 ``<5``, the section's age group 30-47 = 102, so
    39-47 = 1. A field whose tables do not count every victim of the section once is not linked."""
    cases = section.cases
    by_column: dict[str, list[BesideCounts]] = {}
    for table in section.beside:
        by_column.setdefault(table.column, []).append(table)
    for column, tables in by_column.items():
        if (
            column not in cases.columns
            or sum(v for t in tables for v, _ in t.counts.values()) != cases.height
        ):
            continue
        names: dict[str, list[Hashable]] = {}
        for i, table in enumerate(tables):
            cells = []
            for category, (value, status) in table.counts.items():
                name = ("beside", column, i, category)
                system.quantity(name, int(value), status)
                names.setdefault(category, []).append(name)
                cells.append(name)
            # the table's total ("All victims in the selection"), as the table shows it (withheld in a small one)
            total = ("beside", column, i, None)
            system.quantity(total, sum(v for v, _ in table.counts.values()), table.total)
            system.equalities.append({**dict.fromkeys(cells, 1.0), total: -1.0})
        system.equalities.append(
            {**{("beside", column, i, None): 1.0 for i in range(len(tables))}, ("N",): -1.0}
        )
        for by in sorted(groupings):
            group_of = _groups_of_categories(section.profiled, column, by)
            if group_of is None or not set(group_of) <= set(names):
                continue  # a category split between groups, or one no table counts: no sum to state
            members: dict[str, list[Hashable]] = {}
            for category, group in group_of.items():
                members.setdefault(group, []).extend(names[category])
            for group, group_cells in members.items():
                if ("n", by, group) in system.values:
                    system.equalities.append({**dict.fromkeys(group_cells, 1.0), ("n", by, group): -1.0})


#: :func:`_groups_of_categories` of each case table (by its profiles), by field and characteristic
_CATEGORY_GROUPS: weakref.WeakKeyDictionary[
    causes.CaseProfiles, dict[tuple[str, str], dict[str, str] | None]
] = weakref.WeakKeyDictionary()


def _groups_of_categories(profiled: causes.CaseProfiles, column: str, by: str) -> dict[str, str] | None:
    """The group by ``by`` of each category of field ``column`` among the victims of ``profiled`` (Unknown for
    those without), None when a category is split between groups. Found once a case table: the section's
    system is drawn up again at each round of its protection and for each model, with the same victims."""
    kept = _CATEGORY_GROUPS.setdefault(profiled, {})
    if (column, by) not in kept:
        expression, _ = causes.CHARACTERISTICS[by]
        pairs = profiled.cases.select(
            pl.col(column).cast(pl.String).fill_null(UNKNOWN).alias("category"),
            expression.cast(pl.String).fill_null(UNKNOWN).alias("group"),
        ).unique()
        group_of = dict(pairs.iter_rows())
        kept[(column, by)] = group_of if len(group_of) == pairs.height else None
    return kept[(column, by)]


def _add_heat(system: LinkedCounts, cases: causes.Cases, section: PersonSection) -> None:
    """The heat table's counts: each cell at most its row's denominator, its means' count of all victims and
    its form's; a denominator at most its form's count and the recorded victims of the means, and at most the
    sum of its row (a victim of it has a means); what the other topic leaves unrecorded bounds the rest."""
    heat = section.heat
    assert heat is not None
    rows_t, columns_t = heat.row_topic, heat.column_topic
    cross = causes.cross_profile(cases, rows_t, columns_t)
    rows = list(dict.fromkeys(cross["row"].to_list()))
    # looked up by row (and column), not filtered for: every row's denominator, every cell's published count
    row_base: dict[str, int] = {}
    for row, n_known in cross.select("row", "n_known").iter_rows():
        row_base.setdefault(row, n_known)
    published_of = {
        (row, column): count
        for row, column, count in heat.counts.frame.select("row", "column", "count").iter_rows()
    }
    base_status = dict(
        zip(heat.bases.frame["row"].to_list(), heat.bases.reasons["n_known"].to_list(), strict=True)
    )
    base_value = dict(
        zip(heat.bases.frame["row"].to_list(), heat.bases.frame["n_known"].to_list(), strict=True)
    )
    empty = set(empty_heat_rows(heat))
    for row in rows:
        base = ("hbase", row)
        system.quantity(base, int(row_base[row]))
        if section.heat_table_shown:
            system.publish(base, system.values[base], base_status[row])
        elif row in empty:  # named beneath the chart as having no victim (:func:`heat_left_out`): a 0
            system.publish(base, system.values[base], None)
        row_count = ("cnt", rows_t, row, None, ALL)
        system.at_most += [
            {base: 1.0, row_count: -1.0},
            {base: 1.0, ("rec", columns_t, None, ALL): -1.0},
            {base: 1.0, **{("heat", row, c): -1.0 for c in heat.columns}},
            {row_count: 1.0, base: -1.0, ("nrec", columns_t, None, ALL): -1.0},
        ]
    system.at_most.append(
        {
            ("rec", columns_t, None, ALL): 1.0,
            **{("hbase", r): -1.0 for r in rows},
            ("nrec", rows_t, None, ALL): -1.0,
        }
    )
    # the victims recorded for both topics (each once, however many rows they are in): at least every row's
    # denominator, at most their sum; the recorded victims of either topic less them are counts of people (with
    # a means of control but no form recorded) that must not follow when small: Thailand's "Recorded" 12 of
    # means of control beside the 9 of its one form with means recorded gave 3 (2 in truth)
    both = ("hboth", rows_t, columns_t)
    system.quantity(both, causes.recorded_both(cases, rows_t, columns_t))
    system.at_most += [{("hbase", r): 1.0, both: -1.0} for r in rows]
    system.at_most += [
        {both: 1.0, **{("hbase", r): -1.0 for r in rows}},
        {both: 1.0, ("rec", columns_t, None, ALL): -1.0},
        {both: 1.0, ("rec", rows_t, None, ALL): -1.0},
        {("rec", columns_t, None, ALL): 1.0, both: -1.0, ("nrec", rows_t, None, ALL): -1.0},
        {("rec", rows_t, None, ALL): 1.0, both: -1.0, ("nrec", columns_t, None, ALL): -1.0},
    ]
    for topic, other in ((columns_t, rows_t), (rows_t, columns_t)):
        system.derived[("recorded without", topic, other)] = {("rec", topic, None, ALL): 1.0, both: -1.0}
    reasons = heat.counts.reasons["count"].to_list()
    for (row, column, count), reason in zip(
        cross.select("row", "column", "count").iter_rows(), reasons, strict=True
    ):
        cell, base = ("heat", row, column), ("hbase", row)
        system.quantity(cell, int(count))
        if reason is not None:
            if section.heat_table_shown:  # the chart leaves a withheld cell blank, without its label
                system.publish(cell, int(count), reason)
        elif base_status[row] is None and base_value[row]:
            # the share as the heat table prints it: of at most all the row's victims (_rendered_heat)
            share = round(
                min(published_of[row, column], base_value[row]) / base_value[row], WHOLE_PERCENT_DIGITS
            )
            system.share(cell, int(count), base, share, 0.5 * 10**-WHOLE_PERCENT_DIGITS)
        system.at_most += [
            {cell: 1.0, base: -1.0},
            {cell: 1.0, ("cnt", columns_t, column, None, ALL): -1.0},
            {cell: 1.0, ("cnt", rows_t, row, None, ALL): -1.0},
        ]
        system.derived[("heat without", row, column)] = {base: 1.0, cell: -1.0}
    for column in heat.columns:
        system.at_most.append(
            {
                ("cnt", columns_t, column, None, ALL): 1.0,
                **{("heat", r, column): -1.0 for r in rows},
                ("nrec", rows_t, None, ALL): -1.0,
            }
        )


def left_out_reasons(model: causes.AssociationModel, reason: str) -> list[str]:
    """The reasons the model left victims out for before ``reason`` (in the order it left them out)."""
    reasons = list(model.excluded)
    return reasons[: reasons.index(reason)]


def add_model_counts(
    system: LinkedCounts,
    cases: causes.Cases,
    model: causes.AssociationModel,
    topic: str,
    rule: DisclosureRule,
    tag: object,
) -> dict[object, object]:
    """The counts a model's sentence and table print (:func:`model_sentence`, :func:`model_view`: victims
    used, with the outcome, left out, and of each category), added to the section's ``system``; returns each
    one's quantity -> its name in ``withheld`` of those functions. A model that keeps every victim recorded
    for the outcome's topic (unknowns as a category) counts the same victims as the section's tables: the
    victims it uses and those it leaves out add up to the topic's "Recorded", and its victims of a category
    are that category's "Recorded" (age group 18-29 of form by age group) when nobody else is left out; any
    other count is at most the tables' count. Records whose counts are perturbed print them perturbed
    (:func:`model_counts`), withheld where that takes them below the threshold, and no victims by category
    (:func:`model_view`): those are left out here. The system holds the true counts, as for the tables (the
    reader's best guess of a perturbed count is the count)."""
    names: dict[object, object] = {}
    shown = model_counts(model, rule)
    indicator = model.missing == "indicator"
    only_unrecorded = set(model.excluded) <= {f"not recorded for {causes.TOPICS[topic].lower()}"}
    _add_profile(system, cases, topic, None)  # (again: the same counts, the same lines)
    dropped_by = [p for p, _ in model.left_out_categories.values()]
    for predictor in dict.fromkeys([*model.terms["predictor"].to_list(), *dropped_by]):
        _add_profile(system, cases, topic, predictor)

    def add(name: object, value: int, key: tuple[object, ...] | None, same: bool) -> tuple[object, ...]:
        own = ("model", tag, name)
        system.publish(own, value, "small" if shown[name] == rule.label else None)
        names[own] = name
        if key is not None and key in system.values:
            if same and system.values[key] == value:
                system.equalities.append({own: 1.0, key: -1.0})
            else:
                system.at_most.append({own: 1.0, key: -1.0})
                # the tables' count less the model's: victims left out of it, a count of people that must not
                # follow when small (Unknown age on the demo's Philippines: 467 - 463 = 4 trans victims)
                system.derived[("model", tag, "left out of", name)] = {key: 1.0, own: -1.0}
        return own

    used = add("n_used", model.n_used, ("rec", topic, None, ALL), indicator and only_unrecorded)
    with_outcome = ("cnt", topic, model.outcome_label, None, ALL)
    outcome = add("n_outcome", model.n_outcome, with_outcome, indicator and only_unrecorded)
    left_out = []
    for reason, value in model.excluded.items():
        unrecorded = reason.startswith("not recorded for")
        # before it, only the victims not recorded for the topic were left out: the model still held every recorded
        # victim of the categories it now leaves out (unknowns kept as a category)
        first = indicator and all(r.startswith("not recorded for") for r in left_out_reasons(model, reason))
        own = add(("left out", reason), value, ("nrec", topic, None, ALL) if unrecorded else None, True)
        if not unrecorded:
            left_out.append(own)
        if reason in model.left_out_categories:
            # the victims of the categories left out ("27 of a category … (sex: Male)"): those categories' recorded
            # victims in the tables, exactly when nobody else was left out before them, else at most: so that the
            # group's size less them (the men without a form recorded) is protected as the tables' counts are
            predictor, categories = model.left_out_categories[reason]
            recorded: list[tuple[object, ...]] = [("rec", topic, predictor, c) for c in categories]
            if all(r in system.values for r in recorded):
                link: dict[Hashable, float] = {own: 1.0, **dict.fromkeys(recorded, -1.0)}
                if first and system.values[own] == sum(system.values[r] for r in recorded):
                    system.equalities.append(link)
                else:
                    system.at_most.append(link)
                    system.derived[("model", tag, "kept of", reason)] = {
                        **dict.fromkeys(recorded, 1.0),
                        own: -1.0,
                    }
    # the sample and those left out are the recorded victims, whichever way unknowns are handled (a complete-case
    # model's "<5 sex ..." was 1,150 - 559 - 588 = 3 on the demo's Philippines)
    system.equalities.append({used: 1.0, **dict.fromkeys(left_out, 1.0), ("rec", topic, None, ALL): -1.0})
    if left_out and with_outcome in system.values:
        # those left out with the outcome are the table's count less the model's (728 - 727 = 1 trans victim
        # with forced labour on the demo's Philippines: add's "left out of"), those without it the rest of the
        # left out: counts of people, never shown, that must not follow when small
        system.at_most.append({with_outcome: 1.0, outcome: -1.0, **dict.fromkeys(left_out, -1.0)})
        system.derived[("model", tag, "left out without the outcome")] = {
            **dict.fromkeys(left_out, 1.0),
            with_outcome: -1.0,
            outcome: 1.0,
        }
    for predictor, category, n in _term_rows(model, "predictor", "category", "n"):
        if model.keyed:  # not printed (model_view)
            break
        if category == causes.OTHER:  # the categories merged into Other, together
            own = add(("term", predictor, category), n, None, False)
            merged = [("rec", topic, predictor, m) for m in model.merged.get(predictor, ())]
            if merged and all(m in system.values for m in merged):
                system.at_most.append({own: 1.0, **dict.fromkeys(merged, -1.0)})
                if indicator and only_unrecorded:
                    system.equalities.append({own: 1.0, **dict.fromkeys(merged, -1.0)})
        else:
            add(
                ("term", predictor, category),
                n,
                ("rec", topic, predictor, category),
                indicator and only_unrecorded,
            )
    return names


@fails_closed
def protect_model_counts(
    system: LinkedCounts, names: dict[object, object], rule: DisclosureRule
) -> frozenset[object]:
    """The counts of a model (``names``, from :func:`add_model_counts`) to withhold (``x``) so that, with the
    section's tables, no small count follows (only the model's own counts are withheld: the tables are shown
    already); all of them when that cannot be done."""
    try:
        added = protect_linked(system, rule, among=set(names))
    except DisclosureError:
        for own in names:
            system.publish(own, system.values[own], COMPLEMENT_LABEL_REASON)
        return frozenset(names.values())
    return frozenset(names[q] for q in added if q in names)


@fails_closed
def protect_person_section(section: PersonSection) -> PersonSection:
    """``section`` with its tables protected together (:func:`~evidence.presentation.disclosure.protect_linked`
    on :func:`section_counts`): a count whose withholding one table needs, or that lets a withheld count of
    another table be recomputed, is withheld (``x``) wherever it is shown, and the tables are drawn again.

    Drawn again, the tables are audited again, until nothing more is withheld: a count withheld here says more
    than the protection that chose it knew (an item ``x`` beside its published margin tells a reader who knows
    the rule that its victims without it are a small count, :func:`section_counts`), and with the heat table's
    shares that gave the count back (Russia as destination in the k-anonymised sample: false promises ``x``
    under all victims, 100% of forced labour's victims beside it); the next round withheld that heat row's
    denominator (and so its shares)."""
    protected = None
    while True:
        system = section_counts(section)
        if protected is not None:
            system.continue_from(protected)
        # the tables beside the section are shown as they are: only the section's own counts may be withheld
        # (nor all victims, which every output of the selection shows: :func:`_known_beside`)
        own = {q for q in system.status if not _beside(q) and q != ("N",)}
        try:
            # a group size the tables beside give is freed only by several counts withheld together
            added = protect_linked(system, section.rule, among=own, patience=60 if section.beside else 4)
        except DisclosureError:  # a table whose labels alone pin a count: left out, as one too small is
            if _shows_nothing(section):
                # nothing of the section's own is left to withhold, and something stays exposed: the section
                # publishes nothing (each table says why), rather than dropping nothing again and again. What
                # the tables beside give without it is known, not exposed (:func:`_known_beside`): the k-anonymised
                # fixture's Thailand, which ended here, now shows what it can
                return section
            section, protected = _without_view_of(section, linked_exposures(system, section.rule)), None
            continue
        if not added:
            return dataclasses.replace(section, protected=system)
        section, protected = _with_withheld(section, added), system


def _shows_nothing(section: PersonSection) -> bool:
    """Whether ``section`` has no table left to show (each dropped by :func:`_without_view_of`)."""
    return section.missing is None and section.heat is None and all(v is None for _, _, v in section.profiles)


def _with_withheld(section: PersonSection, added: Mapping[Hashable, str]) -> PersonSection:
    """``section`` with the counts ``added`` (by :func:`protect_person_section`) withheld, its tables drawn
    again."""
    profiles = []
    for topic, by, view in section.profiles:
        if view is not None:
            view = _withheld_profile(view, dict(added))
        profiles.append((topic, by, view))
    missing = section.missing
    if missing is not None:
        table = missing.table
        for column, quantity_of in (
            (RECORDED, lambda v: ("rec", v, None, ALL) if v in causes.TOPICS else ("crec", v)),
            (NOT_RECORDED, lambda v: ("nrec", v, None, ALL) if v in causes.TOPICS else ("cnrec", v)),
            ("__total", lambda v: ("N",)),
        ):
            rows = [i for i, v in enumerate(missing.variables) if quantity_of(v) in added]
            table = withhold_cells(table, column, rows)
        missing = dataclasses.replace(missing, table=table)
    heat = section.heat
    if heat is not None:
        counts_rows = [
            i
            for i, (row, column) in enumerate(heat.counts.frame.select("row", "column").iter_rows())
            if ("heat", row, column) in added
        ]
        base_rows = [i for i, row in enumerate(heat.bases.frame["row"].to_list()) if ("hbase", row) in added]
        heat = dataclasses.replace(
            heat,
            counts=withhold_cells(heat.counts, "count", counts_rows),
            bases=withhold_cells(heat.bases, "n_known", base_rows),
        )
    return dataclasses.replace(section, profiles=tuple(profiles), missing=missing, heat=heat)


def _without_view_of(section: PersonSection, exposed: Sequence[object]) -> PersonSection:
    """``section`` without the table that shows the first of the ``exposed`` counts (the profile of its
    topic, else the heat table, else what is recorded); without all of them when none is left to drop."""
    first = exposed[0] if exposed else None
    kind = first[0] if isinstance(first, tuple) and first else None
    topic = first[1] if isinstance(first, tuple) and len(first) > 1 else None
    if kind in ("cnt", "rec", "nrec", "without") and any(
        t == topic and v is not None for t, _, v in section.profiles
    ):
        profiles = tuple((t, by, None if t == topic else v) for t, by, v in section.profiles)
        return dataclasses.replace(section, profiles=profiles)
    if kind in ("heat", "hbase", "heat without") and section.heat is not None:
        return dataclasses.replace(section, heat=None)
    if section.missing is not None and kind not in ("heat", "hbase", "heat without"):
        return dataclasses.replace(section, missing=None)
    return dataclasses.replace(
        section, missing=None, heat=None, profiles=tuple((t, by, None) for t, by, _ in section.profiles)
    )


def _withheld_profile(view: ProfileView, added: dict) -> ProfileView:
    """``view`` with the counts ``added`` withholds, drawn again."""
    counts, split, recorded = view.counts, view.split, set(view.withheld_recorded)
    for quantity, column, row in _profile_cells(view):
        if quantity not in added:
            continue
        if column in view.categories:
            counts = withhold_cells(counts, column, [row])
        elif split is not None:
            split = withhold_cells(split, column, [row])
        elif column == NOT_RECORDED:
            counts = withhold_cells(counts, NOT_RECORDED, [row])
        else:
            recorded.add(row)
    if counts is view.counts and split is view.split and recorded == set(view.withheld_recorded):
        return view
    drawn = _rendered_profile(
        view.topic, view.by, view.categories, counts, split, counts.rule, frozenset(recorded)
    )
    return dataclasses.replace(drawn, only=view.only)


def _named_by(table: pl.DataFrame | None, n: int) -> dict[str, str]:
    """The kinds of a display table's first ``n`` columns, which name its rows (a category, a characteristic,
    a variable): labels, never counts, so that the brief's disclosure scan does not read a category from the
    data ("alert(1)", "Q2 of 3") as a small count of victims."""
    return {} if table is None else dict.fromkeys(table.columns[:n], "label")


#: Said of a person-section table that is not shown: its small counts could not be withheld so that none
#: can be recomputed (on its own or with the other tables of the same victims), however many victims it has.
PERSON_TABLE_WITHHELD = (
    "Not shown: this table's small counts cannot be withheld without one being recomputable from its totals or "
    "from the other tables of these victims."
)


@fails_closed
def show_person_section(
    cases: pl.DataFrame,
    rule: DisclosureRule,
    *,
    source: str,
    level: str = "###",
    models: int | None = None,
    recorded_in_data: Sequence[str] | None = None,
    scope_text: str | None = None,
    beside: Sequence[BesideCounts] = (),
) -> bool:
    """The person: every recorded topic by a characteristic, the heat table and duration charts, what is not
    recorded, and the odds ratios of each form of exploitation and means of control (with the complete-case
    comparison of the first model); ``models`` limits how many models are shown (a brief shows one), and the
    answer says whether that limit left flags unmodelled (:func:`show_models`). Topics
    the data do not record are named in one sentence; given the topics the whole data files record
    (``recorded_in_data``, :func:`evidence.analyses.causes.recorded_topics`), those the files record but not
    for any victim of ``cases`` are named apart, so that a field is called absent only when it is.
    ``scope_text`` (:func:`person_scope_text`) is shown first: whose records these are."""
    from IPython.display import Markdown, display

    from evidence.notebooks.views import show_chart, show_table
    from evidence.presentation import causes_charts

    if scope_text:
        display(Markdown(scope_text))
    topics = causes.recorded_topics(cases)
    in_data = set(topics if recorded_in_data is None else recorded_in_data) | set(topics)
    absent = [causes.TOPICS[t].lower() for t, _ in PERSON_TOPICS if t not in in_data]
    if absent:
        display(Markdown(f"Not recorded in these data: {escape_markdown(', '.join(absent))}."))
    unrecorded = [causes.TOPICS[t].lower() for t, _ in PERSON_TOPICS if t in in_data and t not in topics]
    # a characteristic the files record but not for these victims (Myanmar's 40 of 2010: no sex) is named too:
    # the table of what is recorded leaves its row out
    held = set(causes.recorded_characteristics(cases))
    unrecorded += [
        causes.CHARACTERISTIC_LABELS[c].lower()
        for c in PERSON_CHARACTERISTICS
        if recorded_in_data is not None and c in recorded_in_data and c not in held
    ]
    if unrecorded:
        display(
            Markdown(
                "Recorded in these data, but for none of these victims: "
                f"{escape_markdown(', '.join(unrecorded))}."
            )
        )
    # real records carry cell keys: every count of them shown here is perturbed, and says so under its table
    keyed = RECORD_CELL_KEY in cases.columns
    # every table of the section built first and protected together: they count the same victims
    section = person_section(cases, rule, heat_table_shown=models is None, beside=beside)
    display(Markdown(f"{level} What is recorded"))
    if section.missing is None:  # not "too few victims": the United States' 713 (destination, threshold 10)
        display(Markdown(PERSON_TABLE_WITHHELD))
    else:
        missing = _rendered_missing(section.missing)
        show_table(missing, source=source, perturbed=keyed, kinds=_named_by(missing, 1))
    for topic, by, view in section.profiles:
        what = causes.TOPICS[topic]
        # every victim in one group of ``by`` (all male): one column, all victims, and the note says why
        by_text = f" by {causes.CHARACTERISTIC_LABELS[by].lower()}" if by and not (view and view.only) else ""
        display(Markdown(f"{level} {what}{by_text}"))
        note = view.note if view else None
        if view is not None and by == "age_group":
            note = " ".join(n for n in (note, causes.AGE_GROUPS_NOTE) if n)
        if view is None:  # not "too few victims": Cambodia's 611 victims with means of control recorded
            display(Markdown(PERSON_TABLE_WITHHELD))
            continue
        show_table(view.table, note=note, source=source, perturbed=keyed, kinds=_named_by(view.table, 1))
        if topic == "trafficking_duration":
            shares = view.shares if view.by is None else view.shares.filter(pl.col("group") != ALL)
            chart = causes_charts.distribution_chart(
                shares,
                "category",
                "share",
                group="group",
                low="ci_low",
                high="ci_high",
                title="How long victims were exploited",
                source=source,
                category_title="Duration",
                subtitle=f"Share of victims with a duration recorded{by_text}",
                rule=rule,
            )
            show_chart(chart, "duration")
    if {"form", "means_of_control"} <= set(topics):
        display(Markdown(f"{level} Means of control by form of exploitation"))
        if section.heat is None:
            display(Markdown(PERSON_TABLE_WITHHELD))
        else:
            table, shares = heat_table(cases, rule, counts=section.heat)
            if not table.height:  # not one victim with both recorded (a true 0): nothing to draw
                display(
                    Markdown("No victim has both a form of exploitation and a means of control recorded.")
                )
            elif shares["share"].is_null().all():  # every share withheld: an empty chart and a row of dashes
                display(Markdown(PERSON_TABLE_WITHHELD))
            else:
                if models is None:  # a brief (which limits the models) shows the heat table as a chart only
                    show_table(
                        table,
                        source=source,
                        note=heat_note(section.heat, table),
                        shares="row",  # its <5 is a count, not a share under 5%: its legend says so
                        perturbed=keyed,
                        kinds=_named_by(table, 1),
                    )
                left_out = heat_left_out(section.heat)
                if left_out:
                    display(Markdown(left_out))
                chart = causes_charts.heat_table_chart(
                    shares,
                    "row",
                    "column",
                    "share",
                    title="Means of control by form of exploitation",
                    source=source,
                    rule=rule,
                )
                show_chart(chart, "means_by_form")
    return show_models(
        cases,
        rule,
        topics=[t for t in ("form", "means_of_control") if t in topics],
        level=level,
        limit=models,
        section=section,
        source=source,
    )


@fails_closed
def show_models(
    cases: pl.DataFrame,
    rule: DisclosureRule,
    *,
    topics: Sequence[str],
    level: str = "###",
    limit: int | None = None,
    section: PersonSection | None = None,
    source: str | None = None,
) -> bool:
    """Odds ratios of every flag of ``topics`` (the first ``limit`` models that can be fitted) by victims'
    characteristics, and the complete-case comparison of the first model that can be fitted. Given the
    ``section`` shown before them, each model's counts are protected with its tables
    (:func:`protect_model_counts`). ``source``: the citation under each table, as under the section's others.
    True when ``limit`` left flags untried, which a fuller run can model (a brief then points to the notebook);
    false when every flag was tried."""
    from IPython.display import Markdown, display

    from evidence.core.errors import EvidenceError
    from evidence.notebooks.views import show_table

    recorded = causes.recorded_characteristics(cases)
    age = age_characteristic(cases)  # as the tables show age: by age group, or minor or adult
    predictors = [
        (age or p) if p == "age_group" else p
        for p in causes.DEFAULT_PREDICTORS
        if p in recorded or (p == "age_group" and age is not None)
    ]
    compared = False
    shown = 0
    # the counts the section's tables publish, to which each model's printed counts are added
    system = section_counts(section) if section is not None else None
    if system is not None and section is not None and section.protected is not None:
        # the tables' system as protected, with the counts withheld: its audit's findings carried (the models'
        # first protection then solves few programmes; it withholds what one from scratch does)
        system.continue_from(section.protected)
    counted = section.profiled if section is not None else cases  # the section's counts, computed already
    for topic in topics:
        failures = {}
        for flag in causes.recorded_flags_of(cases, topic):
            if limit is not None and shown >= limit:
                return True
            try:
                model = causes.association_model(cases, flag, predictors)
            except EvidenceError as exc:
                failures[causes.label_of(flag)] = str(exc)
                continue
            shown += 1
            names = add_model_counts(system, counted, model, topic, rule, model.outcome) if system else {}
            withheld = protect_model_counts(system, names, rule) if system and names else frozenset()
            display(Markdown(f"{level} Which victims' records show {model.outcome_label.lower()}"))
            display(Markdown(model_sentence(model, rule, withheld)))
            ratios = ratios_withheld(section, topic, model)
            view = model_view(model, rule, withheld, ratios)
            show_table(
                view,
                note="Odds ratios above 1: more often recorded than in the reference category, other "
                "characteristics in the model equal. An association, not a cause."
                + (f" {RATIO_WITHHELD_NOTE}" if ratios else ""),
                kinds=_named_by(view, 2) | {c: "statistic" for c in view.columns[2:4]},
                source=source,
            )
            if not compared:
                compared = True
                try:
                    table, complete, _ = causes.compare_missing(cases, flag, predictors, everyone=model)
                except EvidenceError as exc:
                    display(Markdown(f"No complete-case comparison: {escape_markdown(exc)}."))
                    continue
                display(
                    Markdown(f"{level} Complete cases against all victims ({model.outcome_label.lower()})")
                )
                names = (
                    add_model_counts(system, counted, complete, topic, rule, ("complete", model.outcome))
                    if system
                    else {}
                )
                withheld_complete = (
                    protect_model_counts(system, names, rule) if system and names else frozenset()
                )
                display(Markdown(model_sentence(complete, rule, withheld_complete)))
                compared_ratios = ratios_withheld(section, topic, model, complete)
                compared_view = missing_comparison_view(
                    table,
                    rule,
                    keyed=complete.keyed,
                    withheld={"complete": withheld_complete, "all": withheld},
                    ratios=compared_ratios,
                )
                show_table(
                    compared_view,
                    source=source,
                    note=RATIO_WITHHELD_NOTE if compared_ratios else None,
                    kinds=_named_by(compared_view, 2)
                    | {c: "statistic" for c in compared_view.columns if c.startswith("Odds ratio")},
                )
        # a fit that failed numerically is said as such, not as too few victims (fitted_or_refused's refusal)
        failed = [label for label, why in failures.items() if "could not be fitted" in why]
        too_few = [label for label in failures if label not in failed]
        # listed as a sentence lists them ("forced labour, … or slavery and similar practices")
        if too_few:
            each = "it" if len(too_few) == 1 else "each"
            display(
                Markdown(
                    f"No model for {word_list(too_few, last='or').lower()}: too few victims with {each}, or no "
                    "variation in the sample."
                )
            )
        if failed:
            display(
                Markdown(
                    f"No model for {word_list(failed, last='or').lower()}: the fit failed on these data (a numerical "
                    "failure, such as a characteristic that the others explain entirely)."
                )
            )
    return False


def show_society_section(
    panel: CountryPanel,
    country: str,
    peers: Sequence[str] | None,
    rule: DisclosureRule,
    *,
    level: str = "###",
    compare: bool = True,
) -> None:
    """Society: the country beside its peers (unless ``compare`` is false: the country brief shows them in a
    section of their own), the detection scatter, the detection model and the TIP tier event study, each shown
    when its sources are there (and said in one sentence when not)."""
    from IPython.display import Markdown, display

    from evidence.analyses import society
    from evidence.core.errors import EvidenceError
    from evidence.notebooks.views import show_chart, show_table
    from evidence.presentation import causes_charts

    iso3 = _iso3(country)
    table, sources = comparison_view(panel, iso3, peers, rule)
    if compare:
        display(Markdown(f"{level} The country beside its peers"))
        from evidence.presentation.comparison import (
            NO_TOTAL,
            NO_TOTAL_NOTE,
            NOT_COMPARED,
            comparison_kinds,
            not_compared_note,
        )

        kinds = {k: v for k, v in comparison_kinds(society.COMPARE_MEASURES).items() if k in table.columns}
        cells = {cell for column in table.columns[1:] for cell in table[column].to_list()}
        legend = " n/a: not in the data." if "n/a" in cells else ""
        if NO_TOTAL in cells:
            legend += " " + NO_TOTAL_NOTE
        # explained where a cell shows it, as the country brief's table of neighbours does
        watch_list = "Tier 2 WL: Tier 2 Watch List." if any("Tier 2 WL" in str(c) for c in cells) else ""
        if NOT_COMPARED in cells:
            legend += " " + not_compared_note(society.MAX_YEARS_FROM_ESTIMATE)
        from evidence.sources.countries import name_in_text

        show_table(
            table,
            # a caption, as the country brief's table of neighbours has: a PDF splitting a table without one
            # titled its parts "Table (part 1 of 2)"
            caption=f"{name_in_text(iso3, start=True) or iso3} beside its peers",
            source="; ".join(sources),
            note=" ".join(
                part
                for part in (
                    (
                        # in any role, as the country brief says it: in an origin brief a reader takes them for
                        # the country's nationals (Thailand as origin: "134 (2021)", the victims Thailand detected)
                        "Detected victims are those each country's authorities detected, of any citizenship; they "
                        "and the rates made of them are for the year in brackets, the latest UNODC holds for each "
                        "country."
                    ),
                    gsi_table_note(panel),
                    f"{watch_list}{legend}".strip(),
                )
                if part
            ),
            kinds=dict(kinds),
        )

    def citation(*source_ids: str) -> str:
        return "; ".join(p.label for p in panel.sources if p.source in source_ids)

    if {"unodc_glotip", "walkfree_gsi"} <= panel.source_ids and society.gsi_estimate_year(panel) is None:
        display(Markdown(f"{level} Detection against estimated prevalence"))
        display(
            Markdown(
                f"Not shown: the GSI figures are those of {escape_markdown(society.gsi_edition_text(panel))}, so detected "
                "victims are not set against them (no scatter, no detection model)."
            )
        )
    elif {"unodc_glotip", "walkfree_gsi"} <= panel.source_ids:
        display(Markdown(f"{level} Detection against estimated prevalence"))
        points = detection_points(panel, iso3, peers, rule)
        first, last = detection_window(panel)
        chart = causes_charts.detection_scatter(
            points,
            PREVALENCE,
            DETECTED_PER_100K,
            "country",
            "role",
            title="Detected victims per 100,000 against estimated prevalence",
            source=citation("unodc_glotip", "walkfree_gsi"),
            # UNODC's country total: every victim the country's authorities detected, not its nationals (an origin
            # brief's reader would take them for its citizens)
            subtitle=f"Detected victims (all those each country's authorities detected in it, of any citizenship) of "
            f"the year nearest the estimate's, within {first}–{last} (as in the model below).",
            x_title=f"Estimated in modern slavery per 1,000 (GSI, {society.gsi_estimate_year(panel)})",
            y_title=f"Detected victims per 100,000 (UNODC, {first}–{last})",
            rule=rule,
        )
        show_chart(chart, "detection_vs_prevalence")
        try:
            model = society.detection_model(panel)
        except EvidenceError as exc:
            display(Markdown(f"No detection model: {_too_few_note(exc)}."))
        else:
            model_table = detection_model_view(model)
            first, last = model.year_window
            show_table(
                model_table,
                note=f"{model.n_countries} countries, each with the victims its authorities detected in it, of any "
                f"citizenship, in the year nearest the GSI's estimate within {first}–{last} (a country whose "
                "latest count is older is left out). "
                f"{DETECTION_MODEL_READING} An association, not a cause.",
                source=citation("unodc_glotip", "walkfree_gsi"),  # as the scatter above: the model's data
                # "Where": the change a ratio is for ("10 points higher": a step of a scale, no count of people)
                kinds={"Where": "parameter"} | {c: "statistic" for c in model_table.columns[1:]},
            )
            sentences = model.sentences(mark=lambda step: number(step, "parameter"), ratio_text=_ratio)
            display(Markdown("\n".join(f"- {s}" for s in sentences)))
            censored = censored_text(model)
            if censored:
                display(Markdown(censored))
            # what the rating rates (society.RESPONSE_CAVEAT): its association with detected victims can be circular
            for note in model.notes:
                display(Markdown(note))
    else:
        display(
            Markdown(
                "Detection against prevalence needs both UNODC GLOTIP country data and the GSI workbook."
            )
        )
    if {"unodc_glotip", "us_tip_tiers"} <= panel.source_ids:
        display(Markdown(f"{level} Detected victims around a change of TIP tier"))
        studies = []
        for kind in ("downgrade", "upgrade"):
            try:
                studies.append(society.tier_event_study(panel, kind))
            except EvidenceError as exc:
                display(Markdown(f"No {kind} event study: {_too_few_note(exc)}."))
        if studies:
            estimates = event_study_view(studies)
            chart = causes_charts.event_study_chart(
                estimates,
                "event_time",
                "rate_ratio",
                "ci_low",
                "ci_high",
                series="kind",
                title="Detected victims around a TIP downgrade or upgrade",
                source=citation("unodc_glotip", "us_tip_tiers"),
                subtitle="Ratio to the year before the report; country and year effects removed",
                rule=rule,
                level=studies[0].level,
            )
            show_chart(chart, "tier_event_study")
            # the comparisons are countries without a change in the reports the panel holds, read in their years
            # only (society.tier_event_study): said, as "without one" alone reads as never
            reports = panel.measure(society.TIER)["year"].drop_nulls()
            covered = f"{int(reports.min())}–{int(reports.max())}"  # type: ignore[arg-type]
            display(
                Markdown(
                    "; ".join(
                        # the window in years ("no other in its window" named none); a later event "fell short"
                        # ("not its first" read as the country's first change of all)
                        f"{number(s.events.height, 'countries')} countries with {_article(s.kind)} {s.kind} (for "
                        f"each, its first {s.kind} with detected victims both before and after it and no other "
                        f"{s.kind} from {number(-s.window[0], 'parameter')} years before it to "
                        f"{number(s.window[1], 'parameter')} after; for "
                        f"{number(later_events(panel, s), 'countries')} of them an earlier {s.kind} fell short of "
                        "that), compared with "
                        f"{number(s.n_countries - s.events.height, 'countries')} "
                        f"countries without one in the TIP reports of {covered}"
                        for s in studies
                    )
                    + f" (detected victims of {covered} only: of later years, nothing says a comparison country had "
                    "no change)."
                    + event_censored_text(studies, panel)
                    + " An association around the report year, not the effect of the tier."
                )
            )
            display(Markdown(event_study_text(studies)))
    else:
        display(
            Markdown("The tier event study needs both UNODC GLOTIP country data and TIP tier placements.")
        )
