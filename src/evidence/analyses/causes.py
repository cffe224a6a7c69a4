"""The person: how victims were recruited and controlled, how long and in what form they were exploited, and
which characteristics go with which form and which means of control (victim-level case data).

**Topics** (:data:`TOPICS`) are what is described: the recruiter relation, every means of control the layout
records, the form of exploitation, labour sector and type of sexual exploitation (flag groups under the CTDC
denominator rule: a victim is *recorded* for a group when at least one of its flags is true, and then counts
under each true flag, so shares can sum to more than 100%), the duration of exploitation (one value per victim),
and, from CTDC's Victim–Perpetrator dataset, the perpetrators: their relation to the victim, the UN region of
their citizenship (and whether it is the victim's own), their sex, age and role, and whether the victim paid
them (multi-valued cells such as ``Female;Male`` count under each value).

**Characteristics** (:data:`CHARACTERISTICS`) are who the victim is and where they went: sex, age band (or
the coarser :data:`AGE_GROUPS`), minor or adult, origin (citizenship) and its UN region, and the class of route
(domestic, intraregional, transregional by UN M49 region; a record that gives only regions, as the
Victim–Perpetrator dataset does, is ``Transregional`` when they differ and ``Domestic or intraregional`` when
they are the same). A characteristic may also be named as the case table's column or as ``trends`` and
``profiles`` name it (``gender``, ``age``, ``citizenship``: :func:`characteristic_name`).

**Which victims.** Every function takes a whole case table (loaded, or its frame) or a
:class:`~evidence.analyses.selection.Selection` of it (``Selection(table, country="THA", role="destination",
years="2015-2020")``: only its records, each with its cell key where the table is protected by cell key).

**Nothing is dropped silently.** A victim whose characteristic is not recorded is in the group ``Unknown``; one
not recorded for a topic is counted in ``n_unknown``; :func:`missing_values` counts both for every variable.
The models (:func:`association_model`) say how many records they used and why the others were left out, and
:func:`compare_missing` sets the complete-case fit beside the fit that keeps unknown characteristics as their
own category (the missing-indicator method), so a reader sees whether leaving records out changes the answer.

Counts here are raw: everything published passes disclosure control in the presentation and notebook layers.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import polars as pl

from evidence.analyses.count_models import captured_warnings, one_blas_thread, safe_exp
from evidence.analyses.intervals import check_level, clean_float, wilson_interval
from evidence.analyses.routes import flow_class_expr
from evidence.analyses.selection import (
    NO_RECORDS,
    RECORD_CELL_KEY,
    Selection,
    kept_once,
    recorded_flags,
    resolve_table,
)
from evidence.analyses.trends import FLAG_DIMENSIONS, UNKNOWN, flag_label
from evidence.core.errors import ParameterError
from evidence.core.text import age_band_text, word_list
from evidence.sources.case_schema import (
    AGE_BANDS,
    FLAG_GROUPS,
    TRAFFICKING_DURATIONS,
    VALUE_SEPARATOR,
    apply_denominator_rule,
)
from evidence.sources.loaded import LoadedTable

ALL_VICTIMS = "All victims"

# ------------------------------------------------------------------------------------------ characteristics

#: Age bands grouped for models (nine bands are too many for most selections).
AGE_GROUPS: dict[str, str] = {
    "0-8": "0-17",
    "9-17": "0-17",
    "18-20": "18-29",
    "21-23": "18-29",
    "24-26": "18-29",
    "27-29": "18-29",
    "30-38": "30-47",
    "39-47": "30-47",
    "48+": "48+",
}
AGE_GROUP_ORDER = ("0-17", "18-29", "30-47", "48+")
ROUTE_CLASSES = ("Domestic", "Intraregional", "Domestic or intraregional", "Transregional")
#: The route classes as the route tables write them (capitalised), from the flow classes of the analyses.
_ROUTE_CLASS_NAMES = {c.lower(): c for c in ROUTE_CLASSES}


def route_class_expr() -> pl.Expr:
    """The class of a victim's route by UN M49 region (see the module docstring); null when unknown."""
    countries_known = pl.col("origin_iso3").is_not_null() & pl.col("destination_iso3").is_not_null()
    regions_known = pl.col("origin_region").is_not_null() & pl.col("destination_region").is_not_null()
    by_country = flow_class_expr("region").cast(pl.String)
    return (
        pl.when(countries_known & (by_country != "unknown"))
        .then(by_country.replace(_ROUTE_CLASS_NAMES))
        .when(~countries_known & regions_known & (pl.col("origin_region") != pl.col("destination_region")))
        .then(pl.lit("Transregional"))
        .when(~countries_known & regions_known)
        .then(pl.lit("Domestic or intraregional"))
        .otherwise(pl.lit(None, pl.String))
    )


#: Characteristic name -> (expression on the case table, its categories in order or None for data order).
CHARACTERISTICS: dict[str, tuple[pl.Expr, tuple[str, ...] | None]] = {
    "sex": (pl.col("gender").cast(pl.String), ("Female", "Male", "Trans/non-conforming")),
    "age_band": (pl.col("age_band").cast(pl.String), tuple(AGE_BANDS)),
    "age_group": (
        pl.col("age_band").cast(pl.String).replace_strict(AGE_GROUPS, default=None, return_dtype=pl.String),
        AGE_GROUP_ORDER,
    ),
    "majority_status": (pl.col("majority_status").cast(pl.String), ("Minor", "Adult")),
    "origin": (pl.col("origin_iso3"), None),
    "origin_region": (pl.col("origin_region"), None),
    "route_class": (route_class_expr(), ROUTE_CLASSES),
}
CHARACTERISTIC_LABELS = {
    "sex": "Sex",
    "age_band": "Age band",
    "age_group": "Age group",
    "majority_status": "Minor or adult",
    "origin": "Origin (citizenship)",
    "origin_region": "Region of origin",
    "route_class": "Class of route",
}


#: Characteristics made from another one (the age group from the age band; the region of origin from the
#: origin where the country is known…) -> that one: where both are recorded for the same number of victims,
#: a table of what is recorded lists them as one variable, not as separate variables with identical counts.
DERIVED_CHARACTERISTICS: dict[str, str] = {
    "age_group": "age_band",
    "majority_status": "age_band",
    "origin_region": "origin",
    "route_class": "origin",
}
#: How the age groups are made from the age bands, for a note under a table by age group, every age written as
#: the brief writes it (:func:`~evidence.core.text.age_band_text`: "0–8 years"), its unit with each: the
#: brief's disclosure scan reads a bare range in text ("0-8 and 9-17") as counts of people, 8 and 9, below CTDC's
#: threshold of 10 or 11. A group that is one band (48 years or over) merges nothing and is not named.
AGE_GROUPS_NOTE = (
    "Age groups merge the recorded age bands: "
    + "; ".join(
        f"{age_band_text(group)} holds {word_list([age_band_text(band) or band for band in bands])}"
        for group in AGE_GROUP_ORDER
        if len(bands := [band for band, merged in AGE_GROUPS.items() if merged == group]) > 1
    )
    + "."
)


#: Other names of a characteristic (the case table's column, the names ``trends`` and ``profiles`` take) -> it.
CHARACTERISTIC_ALIASES: dict[str, str] = {
    "gender": "sex",
    "age": "age_band",
    "citizenship": "origin",
    "origin_iso3": "origin",
}


def characteristic_name(name: str) -> str:
    """The characteristic ``name`` stands for (``gender`` → ``sex``, ``age`` → ``age_band``, ``citizenship`` or
    ``origin_iso3`` → ``origin``); checked (:class:`ParameterError` naming the choices)."""
    name = CHARACTERISTIC_ALIASES.get(name, name)
    _characteristic(name)
    return name


def _characteristic(name: str) -> tuple[pl.Expr, tuple[str, ...] | None]:
    if name not in CHARACTERISTICS:
        raise ParameterError(f"unknown characteristic {name!r}; choose from {', '.join(CHARACTERISTICS)}")
    return CHARACTERISTICS[name]


# --------------------------------------------------------------------------------------------------- topics

#: Perpetrator roles (Victim–Perpetrator dataset): a flag group of its own under the denominator rule.
PERPETRATOR_ROLES: dict[str, str] = {
    "perpetrator_exploiter": "Exploiter",
    "perpetrator_recruiter_broker": "Recruiter or broker",
    "perpetrator_transaction_process": "Transport, transfer, sale or receipt",
    "perpetrator_control_abuse_kidnap": "Control, abuse or kidnap",
}
#: Multi-valued text columns of the Victim–Perpetrator dataset -> labels of their published values.
PERPETRATOR_VALUES: dict[str, dict[str, str]] = {
    "perpetrator_relation": {
        "FamilyIntimatePartner": "Family member or intimate partner",
        "FriendAcquaintance": "Friend or acquaintance",
        "StrangerUnknownOther": "Stranger, unknown or other",
    },
    "perpetrator_citizenship_region": {},
    "perpetrator_gender": {},
    "perpetrator_age_band": {"0--29": "0-29", "30--38": "30-38", "39--47": "39-47"},
    "perpetrator_pay_money": {"Yes": "Victim paid the perpetrator", "No": "Victim did not pay"},
}
PERPETRATOR_ORIGIN = "perpetrator_region_vs_victim"

#: Topic -> what it describes.
TOPICS: dict[str, str] = {
    "recruiter_relation": "Relation to the recruiter",
    "means_of_control": "Means of control",
    "form": "Form of exploitation",
    "labour_sector": "Sector of labour exploitation",
    "sexual_exploitation_type": "Type of sexual exploitation",
    "trafficking_duration": "Duration of exploitation",
    "perpetrator_relation": "Relation of the perpetrator(s) to the victim",
    "perpetrator_role": "Role of the perpetrator(s)",
    "perpetrator_citizenship_region": "UN region of the perpetrator(s)' citizenship",
    PERPETRATOR_ORIGIN: "Perpetrator(s)' region against the victim's region of origin",
    "perpetrator_gender": "Sex of the perpetrator(s)",
    "perpetrator_age_band": "Age of the perpetrator(s)",
    "perpetrator_pay_money": "Whether the victim paid the perpetrator(s)",
}
#: Topics whose categories overlap (a victim counts under several): shares of them sum to more than 100%.
MULTI_VALUED = frozenset(TOPICS) - {"trafficking_duration"}


#: What the functions of this module take: a case table (loaded, or its frame), or a selection of it.
Records = LoadedTable | pl.DataFrame | Selection


def _cases(cases: Records) -> pl.DataFrame:
    """The records: a whole table's, or a :class:`Selection`'s (its country, role and years; for records
    protected by cell key, with each record's key, so that every count gets its cell key)."""
    if isinstance(
        cases, LoadedTable
    ):  # its records with their keys, where the table is protected by cell key
        cases = Selection(cases)
    if isinstance(cases, Selection):
        if cases.kind != "case":
            raise ParameterError(
                "this analysis needs victim records (a case table), not country-level indicators"
            )
        return cases.records()
    df, kind = resolve_table(cases)
    if kind != "case":
        raise ParameterError(
            "this analysis needs victim records (a case table), not country-level indicators"
        )
    return df


def _topic_pairs(df: pl.DataFrame, topic: str) -> tuple[pl.DataFrame, list[str]]:
    """(_id, category) for every category a victim has in ``topic`` (none when not recorded for it), and the
    topic's categories in display order. ``df`` has an ``_id`` column.

    Raises :class:`ParameterError` when the data do not record the topic at all (not in the layout).
    """
    if topic not in TOPICS:
        raise ParameterError(f"unknown topic {topic!r}; choose from {', '.join(TOPICS)}")
    if not df.height:  # not "not recorded in these data": the data may record it for other victims
        raise ParameterError(NO_RECORDS)
    if topic in FLAG_DIMENSIONS or topic == "perpetrator_role":
        if topic == "perpetrator_role":
            flags = [c for c in PERPETRATOR_ROLES if c in df.columns and df[c].is_not_null().any()]
            labels = {c: PERPETRATOR_ROLES[c] for c in flags}
        else:
            flags = recorded_flags(df, FLAG_DIMENSIONS[topic])
            labels = {c: flag_label(c) for c in flags}
        if not flags:
            raise _not_recorded(topic)
        # the victims with each flag true, flag after flag (as the flags unpivoted and filtered are): the
        # denominator rule fills only nulls, so a flag true under it is one recorded true; read from the
        # columns, not by a query (a brief makes the pairs of every flag topic of its records)
        ids = df.get_column("_id")
        has = [df.get_column(c) for c in flags]  # a null flag neither counts nor is kept by a filter
        label = pl.Series("category", list(labels.values()), dtype=pl.String)
        pairs = pl.DataFrame(
            [
                pl.concat([ids.filter(h) for h in has]),
                # each flag's label as often as it is true (``gather`` would be a query)
                pl.concat([label.new_from_index(k, int(h.sum())) for k, h in enumerate(has)]),
            ]
        )
        return pairs, list(labels.values())
    if topic == "trafficking_duration":
        if df["trafficking_duration"].is_null().all():
            raise _not_recorded(topic)
        pairs = df.filter(pl.col(topic).is_not_null()).select(
            "_id", pl.col(topic).cast(pl.String).alias("category")
        )
        return pairs, list(TRAFFICKING_DURATIONS)
    if topic == PERPETRATOR_ORIGIN:
        return _perpetrator_origin_pairs(df)
    column = topic
    if column not in df.columns or df[column].is_null().all():
        raise _not_recorded(topic)
    labels = PERPETRATOR_VALUES[column]
    pairs = (
        df.filter(pl.col(column).is_not_null())
        .select("_id", pl.col(column).str.split(VALUE_SEPARATOR).alias("category"))
        .explode("category")
        .with_columns(pl.col("category").str.strip_chars())
        .filter(pl.col("category") != "")
        .unique(maintain_order=True)
        .with_columns(pl.col("category").replace(labels))
    )
    seen = sorted(pairs["category"].unique().to_list())
    order = [v for v in labels.values() if v in seen] + [v for v in seen if v not in labels.values()]
    return pairs, order


def _perpetrator_origin_pairs(df: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """Whether the perpetrators' UN region(s) of citizenship include the victim's region of origin."""
    if df["perpetrator_citizenship_region"].is_null().all():
        raise _not_recorded(PERPETRATOR_ORIGIN)
    same, other, both = (
        "Same region as the victim's origin",
        "Other region(s) only",
        "Same and other regions",
    )
    regions = (
        pl.col("perpetrator_citizenship_region")
        .str.split(VALUE_SEPARATOR)
        .list.eval(pl.element().str.strip_chars())
    )
    has_own = regions.list.contains(pl.col("origin_region"))
    only_own = has_own & (regions.list.len() == 1)
    pairs = df.filter(
        pl.col("perpetrator_citizenship_region").is_not_null() & pl.col("origin_region").is_not_null()
    ).select(
        "_id",
        pl.when(only_own)
        .then(pl.lit(same))
        .when(has_own)
        .then(pl.lit(both))
        .otherwise(pl.lit(other))
        .alias("category"),
    )
    return pairs, [same, both, other]


def _not_recorded(topic: str) -> ParameterError:
    where = (
        " (only CTDC's Victim–Perpetrator dataset records perpetrators)"
        if topic.startswith("perpetrator")
        else ""
    )
    return ParameterError(f"{TOPICS[topic].lower()} is not recorded in these data{where}")


def _topic_columns(topic: str) -> list[str]:
    """The columns whose values say whether a victim is recorded for ``topic`` (the flags of a flag topic)."""
    if topic == "perpetrator_role":
        return list(PERPETRATOR_ROLES)
    if topic in FLAG_DIMENSIONS:
        return list(FLAG_GROUPS[FLAG_DIMENSIONS[topic]])
    if topic == PERPETRATOR_ORIGIN:
        return ["perpetrator_citizenship_region"]
    return [topic]


def _recorded_exprs(df: pl.DataFrame, topics: Sequence[str]) -> dict[str, pl.Expr | None]:
    """For each topic: an expression true for the victims :func:`_topic_pairs` gives a category of the topic,
    or None where it raises (the data do not record the topic at all). One pass over the data for all the
    topics, where :func:`_topic_pairs` makes each topic's pairs."""
    columns = list(dict.fromkeys(c for t in topics for c in _topic_columns(t) if c in df.columns))
    known = df.select(pl.col(columns).is_not_null().any()).row(0, named=True) if columns else {}
    out: dict[str, pl.Expr | None] = {}
    for topic in topics:
        present = [c for c in _topic_columns(topic) if known.get(c)]
        if not present:
            out[topic] = None  # every column of the topic null or absent: not recorded
        elif topic in FLAG_DIMENSIONS or topic == "perpetrator_role":
            # under the denominator rule a flag is true exactly where it was recorded true
            out[topic] = pl.any_horizontal(pl.col(c).fill_null(False) for c in present)
        elif topic == PERPETRATOR_ORIGIN:
            out[topic] = (
                pl.col("perpetrator_citizenship_region").is_not_null() & pl.col("origin_region").is_not_null()
            )
        elif topic == "trafficking_duration":
            out[topic] = pl.col(topic).is_not_null()
        else:  # a multi-valued text column: a value that is not only separators and spaces
            out[topic] = pl.col(topic).is_not_null() & pl.col(topic).str.split(VALUE_SEPARATOR).list.eval(
                pl.element().str.strip_chars() != ""
            ).list.any().fill_null(False)
    return out


def recorded_topics(cases: Records) -> list[str]:
    """The topics the data record (for at least one victim): read once per frame (the person section asks of
    its records four times)."""
    df = _cases(cases)
    return list(kept_once(df, ("recorded topics",), lambda: tuple(_recorded_topics(df))))


def _recorded_topics(df: pl.DataFrame) -> list[str]:
    exprs = _recorded_exprs(df, list(TOPICS))
    recorded = {t: e for t, e in exprs.items() if e is not None}
    if not recorded:
        return []
    found = df.select(e.any().alias(t) for t, e in recorded.items()).row(0, named=True)
    return [t for t in TOPICS if found.get(t)]


def recorded_characteristics(cases: Records) -> list[str]:
    """The characteristics the data record (for at least one victim): read once per frame."""
    df = _cases(cases)

    def read() -> tuple[str, ...]:
        values = df.select(
            expr.is_not_null().any().alias(name) for name, (expr, _) in CHARACTERISTICS.items()
        )
        return tuple(name for name, known in values.row(0, named=True).items() if known)

    return list(kept_once(df, ("recorded characteristics",), read))


# ------------------------------------------------------------------------------------------------- profiles


def _counted(name: str, keyed: bool) -> list[pl.Expr]:
    """A count aggregation ``name`` and, for keyed (real) records, the sum of their cell keys ``<name>_key``."""
    return [pl.len().cast(pl.Int64).alias(name)] + (
        [pl.col(RECORD_CELL_KEY).sum().cast(pl.Int64).alias(f"{name}_key")] if keyed else []
    )


class CaseProfiles:
    """:func:`profile`, :func:`cross_profile` and :func:`missing_values` of one case table, each computed once
    (those functions also take one of these): the person section asks for the same ones many times (each table,
    their protection together, the models' counts), and each topic's pairs and each characteristic's groups are
    made once for all of them. The frames returned are shared, so not to be changed in place."""

    def __init__(self, cases: Records) -> None:
        self.cases = _cases(cases)
        #: real records carry cell keys: each count gets the sum of its records' keys beside it (``<count>_key``)
        self.keyed = RECORD_CELL_KEY in self.cases.columns
        self._indexed = self.cases.with_row_index("_id")
        self._pairs: dict[str, tuple[pl.DataFrame, list[str]]] = {}
        self._groups: dict[str | None, tuple[pl.DataFrame, pl.DataFrame, list[str]]] = {}
        self._done: dict[tuple[object, ...], pl.DataFrame] = {}
        #: the victims' groups, keys and topic pairs as integer arrays, for counting (:meth:`_profile`)
        self._group_codes: dict[str | None, tuple[np.ndarray, list[str]]] = {}
        self._pair_arrays: dict[str, tuple[np.ndarray, np.ndarray, list[str]]] = {}
        self._keys: np.ndarray | None = None

    def _topic_pairs(self, topic: str) -> tuple[pl.DataFrame, list[str]]:
        """:func:`_topic_pairs` of the records (not kept when it raises: a topic not recorded)."""
        if topic not in self._pairs:
            self._pairs[topic] = _topic_pairs(self._indexed, topic)
        return self._pairs[topic]

    def _grouped(self, by: str | None) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
        """(_id, group[, cell key]) of every victim by ``by`` (one group without), each group's size, and the
        groups in display order (``Unknown`` last)."""
        if by not in self._groups:
            keys = [RECORD_CELL_KEY] if self.keyed else []
            group, order = self._group_of(by)
            groups = pl.DataFrame([self._indexed.get_column(c) for c in ("_id", *keys)]).insert_column(
                1, group
            )
            sizes = groups.group_by("group").agg(_counted("n_group", self.keyed))
            self._groups[by] = groups, sizes, order
        return self._groups[by]

    def _group_of(self, by: str | None) -> tuple[pl.Series, list[str]]:
        """Each victim's group by ``by`` (by row; ``Unknown`` where not recorded), and the groups in display
        order (the characteristic's declared order, else sorted, ``Unknown`` last)."""
        if by is None:
            return pl.Series("group", [ALL_VICTIMS] * self.cases.height, dtype=pl.String), [ALL_VICTIMS]
        expr, declared = _characteristic(by)
        group = self.cases.select(expr.cast(pl.String).fill_null(UNKNOWN).alias("group")).get_column("group")
        present = set(group.unique().to_list())
        order = [g for g in (declared or sorted(present - {UNKNOWN})) if g in present]
        order += sorted(present - set(order) - {UNKNOWN}) + ([UNKNOWN] if UNKNOWN in present else [])
        return group, order

    def profile(self, topic: str, by: str | None = None, *, level: float = 0.95) -> pl.DataFrame:
        """:func:`profile` of the records."""
        by = None if by is None else characteristic_name(by)
        done = ("profile", topic, by, level)
        if done not in self._done:
            self._done[done] = self._profile(topic, by, level)
        return self._done[done]

    def _victim_groups(self, by: str | None) -> tuple[np.ndarray, list[str]]:
        """Each victim's group by ``by`` as its position in the groups' display order (by row: ``_id``), and
        that order (:meth:`_grouped`)."""
        if by not in self._group_codes:
            if by is None:  # everyone in the one group
                codes, order = np.zeros(self.cases.height, dtype=np.int64), [ALL_VICTIMS]
            else:
                group, order = self._group_of(by)
                # the groups as an enum of that order: each victim's position is its physical code
                codes = group.cast(pl.Enum(order)).to_physical().to_numpy().astype(np.int64)
            self._group_codes[by] = (codes, order)
        return self._group_codes[by]

    def _victim_keys(self) -> np.ndarray:
        """Each victim's cell key (by row), 0 where it has none (a sum of keys leaves nulls out)."""
        if self._keys is None:
            self._keys = self._indexed.get_column(RECORD_CELL_KEY).cast(pl.Int64).fill_null(0).to_numpy()
        return self._keys

    def _pair_codes(self, topic: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """The victim (``_id``) and category of every pair of :meth:`_topic_pairs`, the category as its
        position among the topic's distinct categories (-1 for a category outside them), and those."""
        if topic not in self._pair_arrays:
            pairs, categories = self._topic_pairs(topic)
            distinct = list(dict.fromkeys(categories))
            # the categories as an enum of the distinct ones (a cast, not a query): the physical code is the
            # position, and a category outside them is null, -1 here
            physical = pairs.get_column("category").cast(pl.Enum(distinct), strict=False).to_physical()
            codes = physical.to_numpy()  # floats, NaN for null, when some category is outside them
            codes = np.where(np.isnan(codes), -1, codes) if physical.null_count() else codes
            ids = pairs.get_column("_id").to_numpy().astype(np.int64)
            self._pair_arrays[topic] = (ids, codes.astype(np.int64), distinct)
        return self._pair_arrays[topic]

    def _profile(self, topic: str, by: str | None, level: float) -> pl.DataFrame:
        _, categories = self._topic_pairs(topic)
        ids, codes, distinct = self._pair_codes(topic)
        group_of, order = self._victim_groups(by)
        keyed = self.keyed
        # counted with numpy, not a polars query: a brief asks a dozen profiles of a few thousand victims, and
        # each query (group-bys and three joins on the grid) cost more than the counting; the counts are the
        # same integers (a count per group and category, the victims with any category, the group's size), and
        # the grid below is as before: each group's categories in display order, zeros kept
        n_groups, n_distinct = len(order), len(distinct)
        # a pair outside the categories is no cell of the grid, but its victim is recorded
        paired = codes >= 0
        cell = group_of[ids[paired]] * n_distinct + codes[paired]
        count = np.bincount(cell, minlength=n_groups * n_distinct).reshape(n_groups, n_distinct)
        victims = np.zeros(len(group_of), dtype=bool)
        victims[ids] = True
        recorded = np.flatnonzero(victims)  # each victim with a pair once
        n_known = np.bincount(group_of[recorded], minlength=n_groups)
        n_group = np.bincount(group_of, minlength=n_groups)
        # the grid: a row per group and category (in the order of ``categories``, which may name one twice)
        position = [distinct.index(c) for c in categories]
        rows = np.repeat(np.arange(n_groups), len(categories))
        columns = np.tile(np.asarray(position, dtype=np.int64), n_groups)
        counts = count[rows, columns]
        knowns, sizes = n_known[rows], n_group[rows]
        low, high = wilson_interval(counts, knowns, 1 - level)
        # each share the count over the victims recorded, divided as floats (as the query did: the same bits);
        # null without a victim recorded
        share = np.divide(counts, knowns, out=np.full(counts.shape, np.nan), where=knowns > 0)
        frame = {
            "group": pl.Series("group", [order[r] for r in rows.tolist()], dtype=pl.String),
            "category": pl.Series("category", list(categories) * n_groups, dtype=pl.String),
            "count": pl.Series("count", counts, dtype=pl.Int64),
            "n_group": pl.Series("n_group", sizes, dtype=pl.Int64),
            "n_known": pl.Series("n_known", knowns, dtype=pl.Int64),
            "n_unknown": pl.Series("n_unknown", sizes - knowns, dtype=pl.Int64),
            # NaN (no victim recorded) made null as the Series is made: ``fill_nan`` would be a query each
            "share": pl.Series("share", share, dtype=pl.Float64, nan_to_null=True),
            "ci_low": pl.Series("ci_low", low, dtype=pl.Float64, nan_to_null=True),
            "ci_high": pl.Series("ci_high", high, dtype=pl.Float64, nan_to_null=True),
        }
        if keyed:  # the sums of the records' keys, as exact integers (keys add like counts)
            key = self._victim_keys()
            count_key = np.zeros(n_groups * n_distinct, dtype=np.int64)
            np.add.at(count_key, cell, key[ids[paired]])
            known_key = np.zeros(n_groups, dtype=np.int64)
            np.add.at(known_key, group_of[recorded], key[recorded])
            group_key = np.zeros(n_groups, dtype=np.int64)
            np.add.at(group_key, group_of, key)
            cell_keys = count_key.reshape(n_groups, n_distinct)[rows, columns]
            frame["count_key"] = pl.Series("count_key", cell_keys, dtype=pl.Int64)
            frame["n_known_key"] = pl.Series("n_known_key", known_key[rows], dtype=pl.Int64)
            # the key of the unknowns is the group's key less the known's
            frame["n_unknown_key"] = pl.Series(
                "n_unknown_key", group_key[rows] - known_key[rows], dtype=pl.Int64
            )
        return pl.DataFrame(frame)

    def cross_profile(self, row_topic: str = "form", column_topic: str = "means_of_control") -> pl.DataFrame:
        """:func:`cross_profile` of the records."""
        if row_topic == column_topic:
            raise ParameterError("choose two different topics")
        done = ("cross", row_topic, column_topic)
        if done not in self._done:
            self._done[done] = self._cross_profile(row_topic, column_topic)
        return self._done[done]

    def _cross_profile(self, row_topic: str, column_topic: str) -> pl.DataFrame:
        rows, row_order = self._topic_pairs(row_topic)
        columns, column_order = self._topic_pairs(column_topic)
        keyed = self.keyed
        if keyed:
            rows = rows.join(self._indexed.select("_id", RECORD_CELL_KEY), on="_id")

        known = (
            rows.join(columns.select("_id").unique(), on="_id")
            .group_by("category")
            .agg(_counted("n_known", keyed))
        )
        both = (
            rows.rename({"category": "row"})
            .join(columns.rename({"category": "column"}), on="_id")
            .group_by("row", "column")
            .agg(_counted("count", keyed))
        )
        grid = pl.DataFrame(
            {
                "row": [r for r in row_order for _ in column_order],
                "column": [c for _ in row_order for c in column_order],
            }
        )
        return (  # in the grid's order (each row's columns in display order), as the views read it
            grid.join(both, on=["row", "column"], how="left", maintain_order="left")
            .join(known.rename({"category": "row"}), on="row", how="left", maintain_order="left")
            .with_columns(
                pl.col(["count", "n_known"] + (["count_key", "n_known_key"] if keyed else [])).fill_null(0)
            )
            .with_columns(share=pl.when(pl.col("n_known") > 0).then(pl.col("count") / pl.col("n_known")))
        )

    def recorded_both(self, first: str, second: str) -> int:
        """:func:`recorded_both` of the records."""
        done = ("both", first, second)
        if done not in self._done:
            ids = self._topic_pairs(first)[0].select("_id").unique()
            both = ids.join(self._topic_pairs(second)[0].select("_id").unique(), on="_id").height
            self._done[done] = pl.DataFrame({"n": [both]})
        return int(self._done[done]["n"][0])

    def missing_values(self, variables: Sequence[str] | None = None) -> pl.DataFrame:
        """:func:`missing_values` of the records."""
        done = ("missing", None if variables is None else tuple(variables))
        if done not in self._done:
            self._done[done] = _missing_values(self.cases, variables)
        return self._done[done]


Cases = Records | CaseProfiles


def _profiled(cases: Cases) -> CaseProfiles:
    return cases if isinstance(cases, CaseProfiles) else CaseProfiles(cases)


def profile(cases: Cases, topic: str, by: str | None = None, *, level: float = 0.95) -> pl.DataFrame:
    """How victims fare on ``topic`` (see :data:`TOPICS`), overall or by a characteristic ``by``.

    One row per group of ``by`` (``Unknown`` for victims whose characteristic is not recorded; the single
    group ``All victims`` without ``by``) and category of the topic, every combination present (zeros kept).
    Columns: group, category, count, n_group (victims in the group), n_known (of them, recorded for the
    topic: the denominator), n_unknown, share (count / n_known), ci_low, ci_high (Wilson); for records that
    carry cell keys (:data:`~evidence.analyses.selection.RECORD_CELL_KEY`) also count_key, n_known_key and
    n_unknown_key, the sums of their records' keys, for the perturbation of the published counts.
    """
    level = check_level(level)
    return _profiled(cases).profile(topic, by, level=level)


def cross_profile(
    cases: Cases, row_topic: str = "form", column_topic: str = "means_of_control"
) -> pl.DataFrame:
    """Victims by two topics at once, e.g. each means of control among the victims of each form (the heat
    table). Columns: row, column, count (victims with both), n_known (victims of ``row`` recorded for
    ``column_topic``: the denominator), share, and count_key and n_known_key for records that carry cell keys.
    Every combination of categories is present."""
    return _profiled(cases).cross_profile(row_topic, column_topic)


def recorded_both(cases: Cases, first: str, second: str) -> int:
    """The victims recorded for both topics (at least one category of each, the denominator rule), e.g. with a
    form of exploitation and a means of control: those :func:`cross_profile` counts, each once however many
    forms they have (a victim of two forms is in two of its rows)."""
    return _profiled(cases).recorded_both(first, second)


def missing_values(cases: Cases, variables: Sequence[str] | None = None) -> pl.DataFrame:
    """For each topic and characteristic: victims, how many have it recorded and how many do not.

    Columns: variable, kind (topic or characteristic), n, n_recorded, n_not_recorded, share_not_recorded,
    in_layout (false when the file's layout has no such field: every victim is then "not recorded"); for
    records that carry cell keys also n_recorded_key and n_not_recorded_key.
    """
    return _profiled(cases).missing_values(variables)


def _missing_values(df: pl.DataFrame, variables: Sequence[str] | None) -> pl.DataFrame:
    variables = list(variables) if variables is not None else [*TOPICS, *CHARACTERISTICS]
    variables = [name if name in TOPICS else characteristic_name(name) for name in variables]
    keyed = RECORD_CELL_KEY in df.columns
    all_key = int(df[RECORD_CELL_KEY].sum()) if keyed else 0
    # whether each victim is recorded for each variable, counted (and its records' keys summed) in one pass
    topic_exprs = _recorded_exprs(df, [v for v in variables if v in TOPICS])
    recorded_exprs = {
        name: topic_exprs[name] if name in TOPICS else CHARACTERISTICS[name][0].is_not_null()
        for name in variables
    }
    counted = [e for e in recorded_exprs.values() if e is not None]
    sums = (
        df.select(
            [e.sum().fill_null(0).alias(f"n{i}") for i, e in enumerate(counted)]
            + (
                [
                    pl.col(RECORD_CELL_KEY).filter(e).sum().fill_null(0).alias(f"k{i}")
                    for i, e in enumerate(counted)
                ]
                if keyed
                else []
            )
        ).row(0, named=True)
        if counted
        else {}
    )
    rows = []
    index = 0
    for name in variables:
        recorded_key = 0
        if recorded_exprs[name] is None:
            recorded, in_layout = 0, False
        else:
            recorded = int(sums[f"n{index}"])
            if keyed:
                recorded_key = int(sums[f"k{index}"])
            index += 1
            in_layout = True if name in TOPICS else recorded > 0
        kind = "topic" if name in TOPICS else "characteristic"
        rows.append(
            {
                "variable": name,
                "kind": kind,
                "n": df.height,
                "n_recorded": recorded,
                "n_not_recorded": df.height - recorded,
                "share_not_recorded": (df.height - recorded) / df.height if df.height else None,
                "in_layout": in_layout,
                **(
                    {"n_recorded_key": recorded_key, "n_not_recorded_key": all_key - recorded_key}
                    if keyed
                    else {}
                ),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "variable": pl.String,
            "kind": pl.String,
            "n": pl.Int64,
            "n_recorded": pl.Int64,
            "n_not_recorded": pl.Int64,
            "share_not_recorded": pl.Float64,
            "in_layout": pl.Boolean,
            **({"n_recorded_key": pl.Int64, "n_not_recorded_key": pl.Int64} if keyed else {}),
        },
    )


# --------------------------------------------------------------------------------------------------- models

Missing = Literal["complete_case", "indicator"]
#: Categories with fewer records than this in a model's sample are merged into "Other" (an unstable or infinite
#: odds ratio otherwise).
MIN_CATEGORY_N = 20
DEFAULT_PREDICTORS = ("sex", "age_group", "origin_region", "route_class")
OTHER = "Other"


@dataclasses.dataclass(frozen=True)
class AssociationModel:
    """A logistic regression of one outcome flag on victims' characteristics: odds ratios with intervals."""

    outcome: str  # the flag column, e.g. exploitation_sexual or means_threats
    outcome_label: str
    missing: str  # "complete_case" or "indicator"
    predictors: tuple[str, ...]
    references: dict[str, str]
    # predictor, category, reference, odds_ratio, ci_low, ci_high, p_value, n, estimable (False: separation,
    # the estimate and its interval null, not a huge or zero number)
    terms: pl.DataFrame
    n_records: int  # records in the table
    n_outcome_known: int  # recorded for the outcome's group (the denominator rule)
    n_used: int
    n_outcome: int  # of those used, with the outcome
    excluded: dict[str, int]  # reason -> records left out
    merged: dict[str, tuple[str, ...]]  # predictor -> categories merged into "Other"
    skipped: dict[str, str]  # predictor -> why it is not in the model
    separation_suspected: bool
    level: float
    warnings: tuple[str, ...] = ()
    # fitted on records whose published counts are perturbed (cell keys): its counts are shown perturbed by
    # ``cell_keys``, never exact
    keyed: bool = False
    # predictor -> {category: why}: categories left out of the fit because their indicator is the same as (or
    # a combination of) columns before it in the design (a predictor left out whole is in ``skipped``)
    collinear: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)
    # records whose published counts are perturbed: the cell key (the sum of its records' keys, as every table
    # of the same records takes it) of each count the model reports: "n_used", "n_outcome", ("left out",
    # reason) for each of ``excluded``, ("term", predictor, category) for each term's ``n``; empty otherwise
    cell_keys: dict[object, int] = dataclasses.field(default_factory=dict)
    # reason (a key of ``excluded``) -> (predictor, categories): the records of those categories of that
    # predictor, left out as too few or with no variation (so that the count can be set against the tables')
    left_out_categories: dict[str, tuple[str, tuple[str, ...]]] = dataclasses.field(default_factory=dict)
    # predictor -> {category: why}: a predictor left out whole because every category of it is collinear (as
    # ``collinear`` says each; its reason in ``skipped`` joins them), so that a reader's text can name them
    skipped_collinear: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "outcome_label": self.outcome_label,
            "missing": self.missing,
            "predictors": list(self.predictors),
            "references": dict(self.references),
            "odds_ratios": [
                {k: (clean_float(v) if isinstance(v, float) else v) for k, v in row.items()}
                for row in self.terms.iter_rows(named=True)
            ],
            "n_records": self.n_records,
            "n_outcome_known": self.n_outcome_known,
            "n_used": self.n_used,
            "n_outcome": self.n_outcome,
            "excluded": dict(self.excluded),
            "merged_into_other": {k: list(v) for k, v in self.merged.items()},
            "skipped_predictors": dict(self.skipped),
            "collinear_categories": {k: dict(v) for k, v in self.collinear.items()},
            "separation_suspected": self.separation_suspected,
            "level": self.level,
            "warnings": list(self.warnings),
        }


def _outcome_group(df: pl.DataFrame, outcome: str) -> tuple[str, list[str]]:
    for topic, group in [
        *(
            (t, FLAG_DIMENSIONS[t])
            for t in (
                "form",
                "means_of_control",
                "recruiter_relation",
                "labour_sector",
                "sexual_exploitation_type",
            )
        )
    ]:
        if outcome in FLAG_GROUPS[group]:
            if not df.height:
                raise ParameterError(NO_RECORDS)
            flags = recorded_flags(df, group)
            if outcome not in flags:
                raise ParameterError(f"{flag_label(outcome).lower()} is not recorded in these data")
            return topic, flags
    if outcome in PERPETRATOR_ROLES:
        flags = [c for c in PERPETRATOR_ROLES if c in df.columns and df[c].is_not_null().any()]
        if outcome not in flags:
            raise _not_recorded("perpetrator_role")
        return "perpetrator_role", flags
    raise ParameterError(f"{outcome!r} is not a flag of a topic (e.g. exploitation_sexual, means_threats)")


def association_model(
    cases: Records,
    outcome: str,
    predictors: Sequence[str] = DEFAULT_PREDICTORS,
    *,
    missing: Missing = "indicator",
    min_category_n: int = MIN_CATEGORY_N,
    level: float = 0.95,
) -> AssociationModel:
    """Odds ratios of ``outcome`` (a flag: a form of exploitation, a means of control, a recruiter relation…)
    for each characteristic in ``predictors``, from one logistic regression (a binomial GLM,
    :func:`~evidence.analyses.glm.fit_glm`, as statsmodels fits it) with Wald intervals from its covariance.

    Sample: the victims recorded for the outcome's group (denominator rule); a victim not recorded for the
    group is left out and counted. ``missing="complete_case"`` also leaves out (and counts) victims with any
    characteristic not recorded; ``"indicator"`` keeps them, with ``Unknown`` as a category of its own. A
    category with fewer than ``min_category_n`` victims, or whose victims all have (or all lack) the outcome
    (separation: an infinite odds ratio), is merged into ``Other``; an ``Other`` still too small or without
    variation is left out, counted. The reference category of each predictor is its most frequent recorded
    category. A predictor the data do not record, or with a single category left, is skipped (and named).

    A category whose indicator is the same as (or a linear combination of) columns before it in the design, such
    as class of route ``Unknown`` beside region of origin ``Unknown`` (both: citizenship not recorded), is left
    out before the fit (a rank check; the later duplicate goes, named in ``collinear``, or in ``skipped`` when no
    category of its predictor is left), so one effect is not split between two terms. A term with separation
    (an infinite or degenerate estimate or interval), or near separation (an odds ratio beyond 100 or below
    1/100 resting on fewer than 5 victims in a cell of its two-by-two table, :func:`_near_separation`), is not
    estimable: its odds ratio, interval and p-value are null and ``estimable`` false, and
    ``separation_suspected`` is set.
    """
    level = check_level(level)
    from evidence.analyses.glm import fit_glm
    from evidence.analyses.society import fitted_or_refused

    if missing not in ("complete_case", "indicator"):
        raise ParameterError(f"missing must be complete_case or indicator, not {missing!r}")
    df = _cases(cases)
    topic, flags = _outcome_group(df, outcome)
    predictors = tuple(dict.fromkeys(characteristic_name(p) for p in predictors))
    if not predictors:
        raise ParameterError("give at least one characteristic")
    keyed = RECORD_CELL_KEY in df.columns

    def characteristics() -> pl.DataFrame:
        values = df.select(*(CHARACTERISTICS[p][0].cast(pl.String).alias(p) for p in predictors))
        key = (
            df.select(pl.col(RECORD_CELL_KEY).cast(pl.Int64).alias("_key"))
            if keyed
            else pl.DataFrame({"_key": np.zeros(df.height, dtype=np.int64)})
        )
        return pl.concat([values, key], how="horizontal")

    # the same for every flag of the topic, and every model of these characteristics: made once per frame (a
    # section fits a model per flag of each topic, on the same records)
    ruled = kept_once(
        df,
        ("association outcomes", topic, tuple(flags)),
        lambda: apply_denominator_rule(df.select(*flags), {topic: flags}),
    )
    values = kept_once(df, ("association characteristics", predictors), characteristics)
    data = pl.concat([ruled.select(pl.col(outcome).alias("_y")), values], how="horizontal")
    excluded: dict[str, int] = {}
    cell_keys: dict[object, int] = {}
    skipped: dict[str, str] = {}
    n_records = data.height
    unrecorded = data.filter(pl.col("_y").is_null())
    data = data.filter(pl.col("_y").is_not_null())
    n_outcome_known = data.height
    if n_records - n_outcome_known:
        reason = f"not recorded for {TOPICS[topic].lower()}"
        excluded[reason] = n_records - n_outcome_known
        cell_keys[("left out", reason)] = int(unrecorded["_key"].sum())
    used = []
    for p in predictors:
        if data[p].null_count() == data.height:
            skipped[p] = "not recorded in these data"
        else:
            used.append(p)
    if missing == "complete_case":
        before, before_key = data.height, int(data["_key"].sum())
        data = data.drop_nulls(used)
        if before - data.height:
            reason = "a characteristic not recorded (complete-case analysis)"
            excluded[reason] = before - data.height
            cell_keys[("left out", reason)] = before_key - int(data["_key"].sum())
    else:
        data = data.with_columns(pl.col(used).fill_null(UNKNOWN))
    # the rest on the sample's arrays (a few thousand rows; each predictor as codes into its sorted
    # categories): what polars would do per predictor, one operation at a time, at a fraction of the cost
    y_int = data["_y"].cast(pl.Int8).to_numpy()
    record_keys = data["_key"].to_numpy()
    codes = data.select((pl.col(p).rank("dense") - 1).cast(pl.Int64) for p in used)
    categories = data.select(pl.col(p).unique().sort().implode() for p in used).row(0) if used else ()
    sample = {p: _Coded(codes[p].to_numpy(), list(names)) for p, names in zip(used, categories, strict=True)}
    merged: dict[str, tuple[str, ...]] = {}
    left_out_categories: dict[str, tuple[str, tuple[str, ...]]] = {}
    for p in used:
        keep, merged_p, dropped = _merge_rare(y_int, sample, p, min_category_n)
        dropped_key = 0
        if keep is not None:
            y_int = y_int[keep]
            dropped_key = int(record_keys[~keep].sum())
            record_keys = record_keys[keep]
            sample = {q: _Coded(values.codes[keep], values.names) for q, values in sample.items()}
        if dropped:
            # named as the tables name them ("Trans/non-conforming"), not as the "Other" they were merged into; the
            # reason follows its count of victims ("36 of a category …", never "36 sex: …")
            reason = (
                "of a category with too few victims, or no variation "
                f"({CHARACTERISTIC_LABELS[p].lower()}: {', '.join(merged_p)})"
            )
            excluded[reason] = dropped
            left_out_categories[reason] = (p, merged_p)
            cell_keys[("left out", reason)] = dropped_key
        elif merged_p:
            merged[p] = merged_p
    counts = {p: sample[p].counts() for p in used}
    model_predictors = []
    for p in used:
        if len(counts[p]) < 2:
            skipped[p] = "a single category left in the sample"
        else:
            model_predictors.append(p)
    if len(y_int) == 0 or len(set(y_int.tolist())) < 2:
        raise ParameterError(
            f"{flag_label(outcome).lower()}: the sample has no variation in the outcome (or no records)"
        )
    if not model_predictors:
        raise ParameterError("no characteristic has more than one category in the sample")
    references = {p: _reference(counts[p]) for p in model_predictors}
    columns, names = [np.ones(len(y_int))], [("const", "", "")]
    for p in model_predictors:
        for category in sorted(set(counts[p]) - {references[p]}):
            columns.append(sample[p].indicator(category))
            names.append((p, category, references[p]))
    with one_blas_thread():  # ranks of thousands of rows: BLAS threads only spin, as in the fit below
        columns, names, collinear = _full_rank(columns, names)
    skipped_collinear: dict[str, dict[str, str]] = {}
    for p in list(model_predictors):
        if p in collinear and not any(name[0] == p for name in names):
            skipped_collinear[p] = collinear.pop(p)
            skipped[p] = "; ".join(skipped_collinear[p].values())
            model_predictors.remove(p)
            del references[p]
    X = np.column_stack(columns)
    y = y_int.astype(float)
    notes: list[str] = []
    with fitted_or_refused(f"the model of {flag_label(outcome).lower()}"), captured_warnings() as caught:
        with one_blas_thread():
            fit = fit_glm(y, X, family="binomial")
        params, bse = fit.params, fit.bse
        ci = np.asarray(fit.conf_int(alpha=1 - level))
        pvalues = np.asarray(fit.pvalues)
    notes += caught
    estimable = [
        _estimable(params[i], bse[i], ci[i])
        and (i == 0 or not _near_separation(params[i], y_int, sample[names[i][0]], names[i][1], names[i][2]))
        for i in range(len(names))
    ]
    rows = [
        {
            "predictor": p,
            "category": c,
            "reference": r,
            "odds_ratio": safe_exp(params[i]) if estimable[i] else None,
            "ci_low": safe_exp(ci[i, 0]) if estimable[i] else None,
            "ci_high": safe_exp(ci[i, 1]) if estimable[i] else None,
            "p_value": float(pvalues[i]) if estimable[i] else None,
            "n": int(counts[p].get(c, 0)),
            "estimable": estimable[i],
        }
        for i, (p, c, r) in enumerate(names)
        if i > 0
    ]
    terms = pl.DataFrame(
        rows,
        schema={
            "predictor": pl.String,
            "category": pl.String,
            "reference": pl.String,
            "odds_ratio": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "p_value": pl.Float64,
            "n": pl.Int64,
            "estimable": pl.Boolean,
        },
    )
    separation = not all(estimable[1:])
    if keyed:
        cell_keys["n_used"] = int(record_keys.sum())
        cell_keys["n_outcome"] = int(record_keys[y_int == 1].sum())
        for p, c, _ in names[1:]:
            cell_keys[("term", p, c)] = int(record_keys[sample[p].indicator(c).astype(bool)].sum())
    else:
        cell_keys = {}
    return AssociationModel(
        outcome=outcome,
        outcome_label=label_of(outcome),
        missing=missing,
        predictors=tuple(model_predictors),
        references=references,
        terms=terms,
        n_records=n_records,
        n_outcome_known=n_outcome_known,
        n_used=len(y_int),
        n_outcome=int(y_int.sum()),
        excluded=excluded,
        merged=merged,
        skipped=skipped,
        separation_suspected=separation,
        level=level,
        warnings=tuple(dict.fromkeys(notes)),
        keyed=keyed,
        collinear=collinear,
        cell_keys=cell_keys,
        left_out_categories=left_out_categories,
        skipped_collinear=skipped_collinear,
    )


#: A log odds ratio or its standard error beyond this is separation (an odds ratio beyond e^10 ≈ 22,000 or an
#: interval spanning that factor): the fit has no finite estimate, only a direction.
SEPARATION_LOG_LIMIT = 10.0


def _estimable(param: float, se: float, ci: np.ndarray) -> bool:
    """Whether a term's estimate and interval are finite and not degenerate (no separation)."""
    values = np.array([param, se, *ci], dtype=float)
    return bool(
        np.all(np.isfinite(values))
        and abs(param) <= SEPARATION_LOG_LIMIT
        and se <= SEPARATION_LOG_LIMIT
        and np.all(np.abs(ci) <= 700.0)  # exp() finite and nonzero at both ends
    )


#: Near separation: an odds ratio beyond this factor (or below its inverse) that rests on fewer than
#: :data:`NEAR_SEPARATION_CELL` victims in a cell of its two-by-two table (its category and its reference,
#: with and without the outcome) is the fit running towards separation: its size (1,016, interval 84–12,241)
#: is set by those few victims, not by the data, and it is not estimable like a separated term.
NEAR_SEPARATION_RATIO = 100.0
NEAR_SEPARATION_CELL = 5


def _near_separation(param: float, y: np.ndarray, values: _Coded, category: str, reference: str) -> bool:
    """Whether a term's finite odds ratio is near separation (:data:`NEAR_SEPARATION_RATIO`)."""
    if abs(param) <= math.log(NEAR_SEPARATION_RATIO):
        return False
    cells = []
    for name in (category, reference):
        if name not in values.names:
            continue
        members = values.indicator(name).astype(bool)
        with_outcome = int(y[members].sum())
        cells += [with_outcome, int(members.sum()) - with_outcome]
    return min(cells, default=0) < NEAR_SEPARATION_CELL


def _full_rank(
    columns: list[np.ndarray], names: list[tuple[str, str, str]]
) -> tuple[list[np.ndarray], list[tuple[str, str, str]], dict[str, dict[str, str]]]:
    """The design's columns without those that add no rank to the columns before them (the later duplicate
    goes), and predictor -> {category: why} for those left out."""
    kept, kept_names = [columns[0]], [names[0]]
    collinear: dict[str, dict[str, str]] = {}
    for column, name in zip(columns[1:], names[1:], strict=True):
        candidate = np.column_stack([*kept, column])
        if np.linalg.matrix_rank(candidate) == len(kept) + 1:
            kept.append(column)
            kept_names.append(name)
            continue
        same = next(
            (other for other, c in zip(kept_names[1:], kept[1:], strict=True) if np.array_equal(c, column)),
            None,
        )
        p, category, _ = name
        why = (
            f"{category}: the same victims as {CHARACTERISTIC_LABELS[same[0]].lower()} {same[1]}"
            if same is not None
            else f"{category}: determined by the other categories in the model"
        )
        collinear.setdefault(p, {})[category] = why
    return kept, kept_names, collinear


@dataclasses.dataclass(frozen=True)
class _Coded:
    """A predictor's values in a model's sample: a code per record into ``names`` (its categories)."""

    codes: np.ndarray
    names: list[str]

    def counts(self) -> dict[str, int]:
        """Records per category present, in the order of ``names``."""
        sizes = np.bincount(self.codes, minlength=len(self.names)).tolist()
        return {name: n for name, n in zip(self.names, sizes, strict=True) if n}

    def indicator(self, category: str) -> np.ndarray:
        """1.0 where the record is in ``category``, else 0.0."""
        return (self.codes == self.names.index(category)).astype(np.float64)


def _merge_rare(
    y: np.ndarray, sample: dict[str, _Coded], predictor: str, min_n: int
) -> tuple[np.ndarray | None, tuple[str, ...], int]:
    """Merge rare or outcome-constant categories of ``predictor`` into Other (in ``sample``); drop Other when
    it is itself unusable. Returns the records to keep (None: all), the categories merged (or, when dropped,
    the categories left out), and the number of records dropped."""
    values = sample[predictor]
    sizes = np.bincount(values.codes, minlength=len(values.names)).tolist()
    with_outcome = np.bincount(values.codes, weights=y, minlength=len(values.names)).tolist()
    rare = [
        name
        for name, n, k in zip(values.names, sizes, with_outcome, strict=True)
        if n and (n < min_n or k == 0 or k == n)  # too few, or a rate of 0 or 1
    ]
    if not rare:
        return None, (), 0
    names = values.names if OTHER in values.names else [*values.names, OTHER]
    other_code = names.index(OTHER)
    recode = np.arange(len(names))
    recode[[names.index(name) for name in rare]] = other_code
    codes = recode[values.codes]
    sample[predictor] = _Coded(codes, names)
    other = codes == other_code
    n_other, k_other = int(other.sum()), int(y[other].sum())
    if n_other < min_n or k_other in (0, n_other):
        # the categories left out by name (as the tables name them), not the "Other" they were merged into
        had_other = OTHER in values.names and sizes[values.names.index(OTHER)] > 0
        left_out = sorted({*rare, *([OTHER] if had_other else [])})
        return ~other, tuple(left_out), n_other
    return None, tuple(sorted(rare)), 0


def _reference(counts: dict[str, int]) -> str:
    """The most frequent recorded category (ties: the first by name); only Unknown and Other: the larger."""
    recorded = {c: n for c, n in counts.items() if c not in (UNKNOWN, OTHER)} or counts
    return str(min(recorded, key=lambda c: (-recorded[c], c)))


def compare_missing(
    cases: Records,
    outcome: str,
    predictors: Sequence[str] = DEFAULT_PREDICTORS,
    *,
    min_category_n: int = MIN_CATEGORY_N,
    level: float = 0.95,
    everyone: AssociationModel | None = None,
) -> tuple[pl.DataFrame, AssociationModel, AssociationModel]:
    """The complete-case fit beside the missing-indicator fit of the same model (:func:`association_model`).

    Returns a table (predictor, category, then odds_ratio, ci_low, ci_high, n, estimable for each fit, suffixed
    ``_complete`` and ``_all``; a category present in only one fit, such as ``Unknown``, has nulls for the
    other) and both models (each says how many records it used and left out). ``everyone``: the
    missing-indicator fit of the same cases and arguments, when the caller has it already (not fitted again).
    """
    complete = association_model(
        cases, outcome, predictors, missing="complete_case", min_category_n=min_category_n, level=level
    )
    if everyone is None:
        everyone = association_model(
            cases, outcome, predictors, missing="indicator", min_category_n=min_category_n, level=level
        )
    elif (everyone.outcome, everyone.missing, everyone.level) != (outcome, "indicator", level):
        raise ParameterError("everyone must be the missing-indicator fit of the same outcome and level")
    keep = ["predictor", "category", "odds_ratio", "ci_low", "ci_high", "n", "estimable"]
    left = complete.terms.select(keep).rename({c: f"{c}_complete" for c in keep[2:]})
    right = everyone.terms.select(keep).rename({c: f"{c}_all" for c in keep[2:]})
    table = left.join(right, on=["predictor", "category"], how="full", coalesce=True).sort(
        "predictor", "category"
    )
    return table, complete, everyone


def association_grid(
    cases: Records,
    topic: str,
    predictors: Sequence[str] = DEFAULT_PREDICTORS,
    *,
    missing: Missing = "indicator",
    min_category_n: int = MIN_CATEGORY_N,
    level: float = 0.95,
) -> tuple[pl.DataFrame, dict[str, str]]:
    """One :func:`association_model` per recorded flag of ``topic`` (e.g. every means of control): which
    characteristics go with which. Returns the odds ratios of all the models in one table (an ``outcome``
    column first, with ``n_used`` and ``n_outcome`` of its model) and, for flags no model could be fitted for,
    the reason."""
    df = _cases(cases)
    if topic == "perpetrator_role":
        flags = [c for c in PERPETRATOR_ROLES if c in df.columns and df[c].is_not_null().any()]
    elif topic in FLAG_DIMENSIONS:
        flags = recorded_flags(df, FLAG_DIMENSIONS[topic])
    else:
        raise ParameterError(
            f"{topic!r} is not a topic of flags (form, means_of_control, recruiter_relation…)"
        )
    if not flags:
        raise _not_recorded(topic)
    parts, failures = [], {}
    for flag in flags:
        try:
            model = association_model(
                df, flag, predictors, missing=missing, min_category_n=min_category_n, level=level
            )
        except ParameterError as exc:
            failures[flag] = str(exc)
            continue
        parts.append(
            model.terms.with_columns(
                outcome=pl.lit(model.outcome_label),
                n_used=pl.lit(model.n_used, pl.Int64),
                n_outcome=pl.lit(model.n_outcome, pl.Int64),
            )
        )
    table = pl.concat(parts).select("outcome", pl.exclude("outcome")) if parts else pl.DataFrame()
    return table, failures


def recorded_flags_of(cases: Records, topic: str) -> list[str]:
    """The flag columns of a topic of flags that the data record (e.g. every means of control)."""
    df = _cases(cases)
    if topic == "perpetrator_role":
        return [c for c in PERPETRATOR_ROLES if c in df.columns and df[c].is_not_null().any()]
    if topic in FLAG_DIMENSIONS:
        return recorded_flags(df, FLAG_DIMENSIONS[topic])
    raise ParameterError(f"{topic!r} is not a topic of flags (form, means_of_control, recruiter_relation…)")


def label_of(flag: str) -> str:
    """A reader's name for a flag column (a form, a means of control, a perpetrator role…)."""
    return PERPETRATOR_ROLES.get(flag) or flag_label(flag)
