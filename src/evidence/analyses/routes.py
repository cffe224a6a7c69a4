"""Routes: origin → destination flows of victims, from the case table and from UNODC's citizenship breakdown.

A **flow** links the country of origin (the victim's citizenship) with the country of destination (the country of
exploitation; in CTDC data, where the victim was identified or assisted; in UNODC data, the country that detected
the victim).

* Case table: origin = ``origin_iso3``, destination = ``destination_iso3``, one victim per record. Records
  whose origin or destination is unknown are not part of any flow; :func:`flow_coverage` counts them.
* Indicator table (UNODC GLOTIP): rows of ``dimension == "by citizenship"`` with Sex and Age ``Total``; the
  origin is ``category_iso3`` and the destination the reporting country ``iso3`` (``detected_iso3``: UNODC's
  country is where the victims were *detected*). Categories the normaliser could not map (and ``Unknown``) are
  unknown origins, counted by :func:`flow_coverage` (:func:`unmapped_origins` names them).
* **A country's own nationals** (``Nationals``, or its own name, in its own breakdown) were detected in their
  own country of citizenship: a **domestic** flow, as UNODC defines domestic trafficking (``route_basis``
  ``"own_nationals"``; :attr:`FlowCoverage.own_nationals` counts them, within the known flows). Where the same
  country and year publish the breakdown ``by country of repatriation`` *as the questionnaire defines it* (its
  nationals by the country they were repatriated from, with the subtotal ``Abroad`` or its own country,
  ``Nationals``, "Domestic (Myanmar)", among the categories: :func:`repatriation_split`), those it shows were
  exploited abroad are kept apart: a flow to each country of repatriation (``route_basis`` ``"repatriation"``),
  those repatriated from abroad with no country stated (destination unknown,
  :attr:`FlowCoverage.repatriated_abroad`), a domestic flow for those it records as exploited at home, and the
  rest stay domestic (``"own_nationals"``). A repatriation breakdown without those markers (a list of countries
  only: some countries of destination listed in 2010–2016 where they repatriated foreign victims *to*) cannot
  be told from that reading and is not used (:func:`unused_repatriation` lists it). The split never adds
  victims: its parts come out of the own-nationals cell (their bounds are intervals: the cell less the parts),
  and a breakdown larger than the cell is not used.
* **Doubtful breakdowns** (:func:`doubtful_breakdowns`): where a country's own nationals are a small share of
  its citizenship breakdown and the citizenships listed are mostly countries the data show to be destinations
  of its nationals, the breakdown probably lists countries of exploitation as citizenships. Its foreign cells
  are flows of ``route_basis`` ``"doubtful_citizenship"``: kept apart from the other years' flows of the same
  pair, labelled with the caveat, and left out of corridor trends.

**Counts and censoring.** Every flow table carries ``victims_low`` and ``victims_high``. ``victims`` is the exact
sum where no contributing cell is censored, else null: a flow made of ``12`` and ``<5`` is 13–16 victims, not 12
and not 14.5. Case-table counts are exact (low = high = victims). ``victims_uncensored``
(:data:`~evidence.analyses.intervals.UNCENSORED`) is the sum of the parts published exactly (12 in that flow; 0 for
a flow made of ``<5`` cells only, whose bounds are then the publisher's own censoring: see
:func:`evidence.notebooks.builders.censored_cells`). ``share`` is the flow's share of all victims in the known flows
of the selection, computed on point values (exact, else the interval midpoint, see
:data:`evidence.analyses.intervals.CENSORED_POINT_RULE`) and before the ``min_victims`` filter.

**Flow classes.** ``domestic`` (origin = destination), ``intraregional`` (different countries in the same UN M49
region, or subregion with ``regional_level="subregion"``), ``transregional`` (different regions), ``unknown``
(a region is missing). UNODC's *Global Reports* class flows with their own regional groupings (such as "East Asia
and the Pacific" or "Western and Southern Europe"), which are finer than the five M49 regions and close to M49
subregions; they report "subregional" flows (neighbouring countries) inside "intraregional" ones. The default
``"region"`` follows the M49 regions carried by both tables; ``"subregion"`` is the closer match to the reports'
groupings (Myanmar, Cambodia, Lao PDR → Thailand is intraregional at both levels). Records that give regions
but no countries (CTDC's Victim–Perpetrator dataset) are on no flow: :func:`record_region_flows` counts them by
region.

**Selections.** For the indicator table, a country as destination selects the victims it *detected* and
that were exploited in it (``detected_iso3`` and ``destination_iso3``): its nationals repatriated from abroad
were exploited elsewhere, and belong to the country as origin only. Every function takes a :class:`~evidence.analyses.selection.Selection` (country, role,
years, indicator; or a whole table). The flow tables of a table protected by cell key carry each cell's key
(``cell_key``) beside its count, summed as the counts are.

**Reporting threshold.** UNODC reports a flow only when it has at least 5 detected victims
(``min_victims=5``). With censored cells a flow is kept only when its *low* bound reaches the threshold.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import weakref
from collections.abc import Callable, Collection
from typing import Any, Literal, cast

import numpy as np
import polars as pl

from evidence.analyses.count_models import OVERDISPERSION_THRESHOLD, captured_warnings, finite_trend_exists
from evidence.analyses.intervals import UNCENSORED, censored_sum, point_expr, strict_sum, uncensored_expr
from evidence.analyses.selection import (
    CELL_KEY,
    IN_MEMORY,
    Selection,
    as_selection,
    band_filter,
    built_once,
    citizenship_origin_expr,
    count_exprs,
    country_filter,
    kept_once,
    resolve_table,
    year_filter,
)
from evidence.core.errors import ParameterError
from evidence.sources.loaded import LoadedTable

#: What the route functions take: a :class:`~evidence.analyses.selection.Selection`, or a whole table.
Selected = Selection | LoadedTable | pl.DataFrame

RegionalLevel = Literal["region", "subregion"]
FLOW_CLASSES = ("domestic", "intraregional", "transregional", "unknown")
#: The class of a record in one region whose countries are not both known (:func:`record_region_flows`): UNODC's
#: domestic is one country and its intraregional two different countries of a region, so it may be either.
DOMESTIC_OR_INTRAREGIONAL = "domestic_or_intraregional"
#: The classes of :func:`record_region_flows` (a flow table's, :data:`FLOW_CLASSES`, have both countries).
RECORD_FLOW_CLASSES = (*FLOW_CLASSES[:2], DOMESTIC_OR_INTRAREGIONAL, *FLOW_CLASSES[2:])

#: Columns of every flow table, in order.
FLOW_COLUMNS = [
    "origin_iso3",
    "destination_iso3",
    "origin_region",
    "origin_subregion",
    "destination_region",
    "destination_subregion",
    "victims",
    "victims_low",
    "victims_high",
    "flow_class",
    "share",
    "route_basis",
]
_KEYS = ["origin_iso3", "destination_iso3"]
#: What places a victim on a route: a case record; UNODC's citizenship breakdown (detecting country as
#: destination); a country's repatriation breakdown of its own nationals; or a country's own nationals whose
#: place of exploitation is not recorded (destination unknown).
ROUTE_BASES = ("record", "citizenship", "repatriation", "own_nationals", "doubtful_citizenship")
#: Flows keyed as published: the same pair of countries from two bases (Myanmar → Thailand as Thailand detected
#: them, and as Myanmar repatriated them) are two flows, never summed (the same people may be in both).
_FLOW_KEYS = [*_KEYS, "route_basis"]
#: Stateless groups among citizenship texts: no country, but a group, named as such (never "unknown").
STATELESS_CATEGORIES = frozenset(
    ["stateless", "rohingya", "apatride", "apátrida", "apatrida", "sin nacionalidad", "staatenlos"]
)
_DIMENSION_CITIZENSHIP = "by citizenship"
_DIMENSION_REPATRIATION = "by country of repatriation"
#: The order of :func:`flow_records`' rows (a null last in each): the rows are grouped, and a group_by's groups
#: come in an order that changes from run to run (a caller reading the rows in order would read another order).
RECORD_ORDER = ("year", "detected_iso3", *_FLOW_KEYS)
#: Fewest observed years for which a corridor's growth is tested.
MIN_TREND_YEARS = 3

#: The false discovery rate at which :func:`emerging_routes` calls a corridor growing (its q-value below it).
GROWTH_ALPHA = 0.05


# ---------------------------------------------------------------------------------------------- the flow base


def flow_records(selection: Selected) -> pl.DataFrame:
    """Victims per year, origin and destination (unknowns kept as nulls), before aggregation over years.

    Columns: year, origin_iso3, destination_iso3, the four region columns, victims (null when censored),
    victims_low, victims_high, victims_uncensored (and ``cell_key`` for keyed records). Without a country the
    selection's role selects nothing here: every flow has both ends, so every flow is the world's (a role
    says which end is the country's). Rows in the order of :data:`RECORD_ORDER` (nulls last), the same in
    every run whatever the order of the table's rows.
    """
    selection = as_selection(selection)
    df = selection.frame
    # a brief asks for the flow records of the same selection ~8 times (its key figures, routes, notes, charts
    # and sentences): selected once per table, record keys' secret (what the keys are a function of, too) and
    # selection
    whole, _ = resolve_table(selection.table)
    secret = selection.record_key_secret
    key = (
        "flow records of a selection",
        selection.kind,
        selection.keyed,
        secret,
        selection.indicator,
        selection.country,
        selection.role,
        selection.years,
    )
    return built_once(whole, key, lambda: _flow_records_of(selection, df, whole, secret))


def _flow_records_of(
    selection: Selection, df: pl.DataFrame, whole: pl.DataFrame, secret: object
) -> pl.DataFrame:
    if selection.kind == "case":
        # the whole table's, grouped once per table (and record keys' secret): each selection's a filter of these
        base = built_once(
            whole,
            ("case flow records", selection.keyed, secret),
            lambda: _case_flow_records(df, keyed=selection.keyed),
        )
    else:
        base = _indicator_flow_records(df, selection.indicator)
    if selection.years and selection.kind == "case" and "year_band" in df.columns:
        # a record dated only by a band of years wholly within them is of the selection (selection.py): its
        # route counts, with no year (never a year of its own); a band they cut is left out
        years = selection.years
        base = base.filter(year_filter(years).fill_null(False))
        # the banded records' flow records are of every country: grouped once per table, keys' secret and
        # years (each read filtered the whole frame), None when it has none
        banded = kept_once(
            whole,
            ("case banded flow records", selection.keyed, secret, years),
            lambda: _banded_flow_records(df, years, keyed=selection.keyed),
        )
        if banded is not None:
            base = _in_record_order(pl.concat([base, banded], how="vertical_relaxed"))
    elif selection.years:
        base = base.filter(year_filter(selection.years))
    if selection.country is None:
        return base
    if selection.kind == "case":
        return base.filter(country_filter(selection.country, selection.role))
    return base.filter(_detected_filter(selection.country, selection.role))


def _in_record_order(records: pl.DataFrame) -> pl.DataFrame:
    """``records`` sorted by :data:`RECORD_ORDER` (nulls last; stable)."""
    return records.sort(RECORD_ORDER, nulls_last=True, maintain_order=True)


def _detected_filter(country: str, role: str) -> pl.Expr:
    """Indicator records of ``country`` as origin (its nationals), as destination (the victims it detected:
    UNODC's country), or either."""
    origin = (pl.col("origin_iso3") == country).fill_null(False)
    # the victims it detected and exploited in it: its nationals repatriated from abroad (exploited in another
    # country, or abroad without a country stated) belong to it as origin only
    detected = ((pl.col("detected_iso3") == country) & (pl.col("destination_iso3") == country)).fill_null(
        False
    )
    return {"origin": origin, "destination": detected, "both": origin | detected}[role]


def _banded_flow_records(df: pl.DataFrame, years: tuple[int, int], *, keyed: bool) -> pl.DataFrame | None:
    """The flow records of the records dated only by a band of years wholly within ``years``
    (:func:`~evidence.analyses.selection.band_filter`), None when there are none."""
    banded = df.filter(band_filter(years))
    return _case_flow_records(banded, keyed=keyed) if banded.height else None


def _case_flow_records(df: pl.DataFrame, *, keyed: bool) -> pl.DataFrame:
    keys = ["year", *_KEYS]
    return (
        df.lazy()
        .group_by(keys)
        .agg(
            *count_exprs(keyed, "victims"),
            # a flow's region: the one its records give (a country's); where they give several (records of an
            # unknown country, of different regions: CTDC's Victim–Perpetrator data) none, not the first
            # record's, which was another one when the table's rows came in another order
            *[
                pl.when(pl.col(c).drop_nulls().n_unique() == 1).then(pl.col(c).drop_nulls().first()).alias(c)
                for c in ("origin_region", "origin_subregion", "destination_region", "destination_subregion")
            ],
        )
        .with_columns(
            pl.col("year").cast(pl.Int32),
            victims_low=pl.col("victims"),
            victims_high=pl.col("victims"),
            **{UNCENSORED: pl.col("victims")},
            route_basis=pl.lit("record"),
            detected_iso3=pl.col("destination_iso3"),
            split_low=pl.lit(None, pl.Int64),
            split_high=pl.lit(None, pl.Int64),
            split_parts=pl.lit(None, pl.UInt32),
        )
        .select(_record_columns(keyed))
        .sort(RECORD_ORDER, nulls_last=True, maintain_order=True)  # :data:`RECORD_ORDER`
        .collect(engine=IN_MEMORY)
    )


def _indicator_cells(df: pl.DataFrame, indicator: str, dimension: str) -> pl.DataFrame:
    """The Sex- and Age-``Total`` cells of one dimension of an indicator, as victims bounds: built once per
    frame (:func:`_kept`), as the flow records, the doubtful breakdowns, the returnees and the repatriation
    split of a frame each read the same cells (a table's first brief, or each table a test draws, filtered
    the whole frame for them three or four times)."""
    return _kept(df, f"cells of {dimension}", indicator, lambda d, i: _indicator_cells_of(d, i, dimension))


def _indicator_cells_of(df: pl.DataFrame, indicator: str, dimension: str) -> pl.DataFrame:
    return df.filter(
        (pl.col("indicator") == indicator)
        & (pl.col("dimension") == dimension)
        & (pl.col("sex") == "Total")
        & (pl.col("age") == "Total")
    ).with_columns(
        victims=pl.col("value").round(0).cast(pl.Int64),
        victims_low=pl.col("value_low").round(0).cast(pl.Int64),
        victims_high=pl.col("value_high").round(0).cast(pl.Int64),
        **{UNCENSORED: uncensored_expr("value")},
        year=pl.col("year").cast(pl.Int32),
    )


#: What is built from a whole indicator frame and asked for many times (its flow records, its doubtful and
#: returnee years, the cells they are read from), by frame (held weakly), what and indicator: a brief asks for
#: the flow records of the same UNODC table ~18 times (its roles, its peers, its key figures), and a warm kernel
#: keeps its tables from one run to the next. Up to eight things of a frame and indicator: four frames' worth.
_KEPT: dict[tuple[int, str, str], tuple[weakref.ref[pl.DataFrame], pl.DataFrame]] = {}
_KEPT_MAX = 32


def _kept(
    df: pl.DataFrame, what: str, indicator: str, build: Callable[[pl.DataFrame, str], pl.DataFrame]
) -> pl.DataFrame:
    """``build(df, indicator)``, built once per frame: a copy of the kept frame (a clone costs nothing, its
    columns are shared, and keeps the kept one intact whatever a caller does to its own)."""
    key = (id(df), what, indicator)
    kept = _KEPT.get(key)
    if kept is not None and kept[0]() is df:
        return kept[1].clone()
    built = build(df, indicator)
    for stale in [k for k, (frame, _) in _KEPT.items() if frame() is None]:
        del _KEPT[stale]
    while len(_KEPT) >= _KEPT_MAX:
        del _KEPT[next(iter(_KEPT))]
    _KEPT[key] = (weakref.ref(df), built)
    return built.clone()


def _indicator_flow_records(df: pl.DataFrame, indicator: str) -> pl.DataFrame:
    return _kept(df, "flows", indicator, _indicator_flow_records_of)


def _indicator_flow_records_of(df: pl.DataFrame, indicator: str) -> pl.DataFrame:
    rows = _indicator_cells(df, indicator, _DIMENSION_CITIZENSHIP).with_columns(
        origin_iso3=citizenship_origin_expr(), detected_iso3=pl.col("iso3")
    )
    own = pl.col("origin_iso3") == pl.col("detected_iso3")
    # a country's own nationals detected at home: domestic, as UNODC defines it (unless split below); every
    # victim of the breakdown was detected in the reporting country
    doubtful = doubtful_breakdowns(df, indicator).select("iso3", "year").with_columns(_doubtful=pl.lit(True))
    rows = (
        rows.join(doubtful, left_on=["detected_iso3", "year"], right_on=["iso3", "year"], how="left")
        .with_columns(
            destination_iso3=pl.col("detected_iso3"),
            route_basis=pl.when(own.fill_null(False))
            .then(pl.lit("own_nationals"))
            .when(pl.col("_doubtful").fill_null(False) & pl.col("origin_iso3").is_not_null())
            .then(pl.lit("doubtful_citizenship"))
            .otherwise(pl.lit("citizenship")),
        )
        .drop("_doubtful")
    )
    keys = ["year", "detected_iso3", *_FLOW_KEYS]
    # A country may list the same citizenship twice in a year under two spellings: add them up.
    summed = _sum_cells(rows.select(*keys, *_MEASURES), keys).with_columns(
        pl.lit(None, pl.Int64).alias("split_low"),
        pl.lit(None, pl.Int64).alias("split_high"),
        pl.lit(None, pl.UInt32).alias("split_parts"),
    )
    # a year whose breakdown has no own-nationals row, where the repatriation breakdown counts some of them
    # (Botswana 2020): that breakdown stands for the cell, split into its countries with no rest at home
    returned = returnees_without_nationals(df, indicator).with_columns(_whole=pl.lit(True))
    own_cells = summed.filter(pl.col("route_basis") == "own_nationals").with_columns(_whole=pl.lit(False))
    split = repatriation_split(
        df,
        indicator,
        pl.concat([own_cells, returned], how="diagonal_relaxed") if returned.height else own_cells,
    )
    if split.height:
        replaced = split.select("year", "detected_iso3").unique()
        summed = pl.concat(
            [
                summed.join(
                    replaced.with_columns(route_basis=pl.lit("own_nationals")),
                    on=["year", "detected_iso3", "route_basis"],
                    how="anti",
                ),
                split.select(summed.columns),
            ],
            how="vertical_relaxed",
        )
    regions = _region_lookup(df)
    for side in ("origin", "destination"):
        summed = summed.join(
            regions.rename(
                {"iso3": f"{side}_iso3", "region": f"{side}_region", "subregion": f"{side}_subregion"}
            ),
            on=f"{side}_iso3",
            how="left",
        )
    return _in_record_order(summed.select(_record_columns(keyed=False)))


_MEASURES = ["victims", "victims_low", "victims_high", UNCENSORED]
#: The own-nationals cell a piece of :func:`repatriation_split` comes from, and how many pieces it was split
#: into (null for a record that is a whole cell): what :func:`cell_sum` totals from.
_SPLIT = ["split_low", "split_high", "split_parts"]


def repatriation_split(df: pl.DataFrame, indicator: str, own: pl.DataFrame) -> pl.DataFrame:
    """The own-nationals cells ``own`` (year, detected_iso3, bounds) split by the same country's and year's
    breakdown by country of repatriation, where that breakdown reads as UNODC's questionnaire defines it: the
    country's nationals by the country they were repatriated *from*, marked by the subtotal ``Abroad`` or the
    country itself (``Nationals``, its name, "Domestic (Myanmar)") among its categories.

    Per cell: a flow to each country of repatriation (``route_basis`` ``repatriation``), a domestic flow for
    those recorded as exploited at home, those repatriated from abroad without a country (``Abroad`` less the
    countries listed; destination null, basis ``repatriation``) and the rest (the cell less all of these:
    destination null, basis ``own_nationals``). Bounds are intervals (a ``<5`` part is 1–4, the rest the cell
    less it); a piece that is a published cell less exact counts keeps that cell's censored part and its exact
    part less them (:data:`~evidence.analyses.intervals.UNCENSORED`: the publisher's own ``Abroad <5`` with no
    country listed is that ``<5``, with no exact part), a difference of censored parts its low bound. Where the subtotal ``Abroad`` is published and can hold the countries listed (its high bound at
    least their low one), it is taken as the count of those repatriated from abroad: an exact subtotal makes
    the rest exact (the cell less the subtotal, both published), where the countries' ``<5`` cells alone would
    leave a range; the part with no country is the subtotal less the countries, within their bounds. Nothing is
    derived that the published cells do not give: the subtotal and the cell are published, and no ``<5`` part
    is narrowed. A breakdown whose parts exceed the cell (low bounds above its high bound) is not used: the cell
    stays whole. Unknown or unmapped categories stay in the rest. Empty when nothing is split.

    Each piece also carries the cell it splits (``split_low``, ``split_high``) and how many pieces it was split
    into (``split_parts``): the pieces' intervals are each right, but they are not independent (the rest is the
    cell less the others), so their bounds add up to a wider interval than the cell's; a total over all the
    pieces is the cell (:func:`cell_sum`). Rows in the order of year, detected_iso3, origin_iso3,
    destination_iso3 and route_basis (nulls last)."""
    columns = ["year", "detected_iso3", *_FLOW_KEYS, *_MEASURES]
    empty = pl.DataFrame(
        schema={
            "year": pl.Int32,
            "detected_iso3": pl.String,
            "origin_iso3": pl.String,
            "destination_iso3": pl.String,
            "route_basis": pl.String,
            "victims": pl.Int64,
            "victims_low": pl.Int64,
            "victims_high": pl.Int64,
            UNCENSORED: pl.Int64,
            "split_low": pl.Int64,
            "split_high": pl.Int64,
            "split_parts": pl.UInt32,
        }
    )
    if not own.height or "category" not in df.columns:
        return empty
    rows = _repatriation_cells(df, indicator)
    if not rows.height:
        return empty
    cell = ["year", "detected_iso3"]
    rows = rows.filter("marked").join(own.select(cell), on=cell, how="semi")
    if not rows.height:
        return empty

    def total(name: str, where: pl.Expr) -> list[pl.Expr]:
        return [
            pl.col("victims_low").filter(where).sum().alias(f"{name}_low"),
            pl.col("victims_high").filter(where).sum().alias(f"{name}_high"),
            pl.col(UNCENSORED).filter(where).sum().alias(f"{name}_exact"),
            where.any().alias(f"has_{name}"),
        ]

    parts = rows.group_by(cell).agg(
        *total("listed", pl.col("part") == "country"),
        *total("abroad", pl.col("part") == "abroad"),
        *total("home", pl.col("part") == "home"),
    )
    nationals = own.group_by(cell).agg(
        pl.col("victims_low").sum().alias("n_low"),
        pl.col("victims_high").sum().alias("n_high"),
        pl.col(UNCENSORED).sum().alias("n_exact"),
        # a cell that is the repatriation breakdown itself (:func:`returnees_without_nationals`): no rest
        (pl.col("_whole").any() if "_whole" in own.columns else pl.lit(False)).alias("whole"),
    )
    # the published subtotal holds the countries it covers: where it can (its high bound reaches their low
    # one), it is the count of those repatriated from abroad, exact where published exactly (Nigeria 2018: 239,
    # whose countries' ``<5`` cells add up to 233–254); where it cannot, the countries' sum
    consistent = pl.col("has_abroad") & (pl.col("abroad_high") >= pl.col("listed_low"))
    parts = parts.join(nationals, on=cell).with_columns(
        # abroad in all: the subtotal where given (never less than the countries it covers)
        away_low=pl.max_horizontal("abroad_low", "listed_low"),
        away_high=pl.when(consistent)
        .then(pl.col("abroad_high"))
        .otherwise(pl.max_horizontal("abroad_high", "listed_high")),
    )
    parts = parts.filter(pl.col("away_low") + pl.col("home_low") <= pl.col("n_high"))
    if not parts.height:
        return empty
    derived = parts.with_columns(
        unstated_low=pl.when("has_abroad")
        .then((pl.col("abroad_low") - pl.col("listed_high")).clip(lower_bound=0))
        .otherwise(0),
        unstated_high=pl.when("has_abroad")
        .then((pl.col("abroad_high") - pl.col("listed_low")).clip(lower_bound=0))
        .otherwise(0),
        unstated_exact=_exact_part("abroad", [("listed_low", "listed_high")]),
        rest_low=pl.when("whole")
        .then(0)
        .otherwise((pl.col("n_low") - pl.col("away_high") - pl.col("home_high")).clip(lower_bound=0)),
        rest_high=pl.when("whole")
        .then(0)
        .otherwise((pl.col("n_high") - pl.col("away_low") - pl.col("home_low")).clip(lower_bound=0)),
        rest_exact=_exact_part("n", [("away_low", "away_high"), ("home_low", "home_high")]),
    )

    def remainder(prefix: str, basis: str, destination: pl.Expr) -> pl.DataFrame:
        low, high, exact = pl.col(f"{prefix}_low"), pl.col(f"{prefix}_high"), pl.col(f"{prefix}_exact")
        return derived.filter(high > 0).select(
            *cell,
            origin_iso3=pl.col("detected_iso3"),
            destination_iso3=destination,
            route_basis=pl.lit(basis),
            victims=pl.when(low == high).then(low),
            victims_low=low,
            victims_high=high,
            # a cell less exact counts keeps the cell's censored part (the publisher's own "Abroad <5" with no
            # country listed is that <5, no exact part); a difference of censored parts has none to keep, and
            # its low bound is what the cells give exactly
            **{UNCENSORED: pl.coalesce(exact, low)},
        )

    named = (
        rows.join(parts.select(cell), on=cell, how="semi")
        .filter(pl.col("part").is_in(["country", "home"]))
        .with_columns(
            origin_iso3=pl.col("detected_iso3"),
            destination_iso3=pl.when(pl.col("part") == "home")
            .then(pl.col("detected_iso3"))
            .otherwise(pl.col("category_iso3")),
            route_basis=pl.lit("repatriation"),
        )
    )
    named = _sum_cells(named.select(columns), ["year", "detected_iso3", *_FLOW_KEYS])
    out = pl.concat(
        [
            named,
            remainder("unstated", "repatriation", pl.lit(None, pl.String)),
            # the rest were detected at home and not shown exploited abroad: domestic, as UNODC counts them
            remainder("rest", "own_nationals", pl.col("detected_iso3")),
        ],
        how="vertical_relaxed",
    )
    # every piece carries the cell it splits, so that a sum over all of them is the cell, not the (wider) sum of
    # the pieces' own intervals (:func:`cell_sum`)
    out = out.join(
        parts.select(*cell, split_low="n_low", split_high="n_high"), on=cell, how="left"
    ).with_columns(split_parts=pl.len().over(cell).cast(pl.UInt32))
    return (
        out.select(*columns, *_SPLIT)
        .cast({c: t for c, t in empty.schema.items()})
        # in the order of the cells and their pieces' keys (a group_by's groups come in any order)
        .sort(["year", "detected_iso3", *_FLOW_KEYS], nulls_last=True, maintain_order=True)
    )


def _exact_part(cell: str, less: list[tuple[str, str]]) -> pl.Expr:
    """The part published exactly of a piece that is the cell ``cell`` (its ``_low``, ``_high`` and ``_exact``
    columns) less the parts ``less`` (their low and high columns), where those are exact and leave the cell's
    exact part at least 0: the cell's exact part less them, the piece's censored part the cell's (its bounds
    ``E + k`` to ``E + 4k``); else null (a difference of censored parts: no exact part to keep)."""
    subtracted = pl.sum_horizontal(low for low, _ in less)
    exact = pl.all_horizontal(pl.col(low) == pl.col(high) for low, high in less)
    kept = pl.col(f"{cell}_exact") - subtracted
    return pl.when(exact & (kept >= 0)).then(kept)


def _repatriation_cells(df: pl.DataFrame, indicator: str) -> pl.DataFrame:
    """The Sex- and Age-``Total`` cells of the breakdown by country of repatriation, each with its ``part``
    (``abroad``: the subtotal; ``home``: the country itself; ``country``: another country; ``unplaced``) and
    ``marked``: whether its country's and year's breakdown reads as the questionnaire defines it (an ``abroad``
    or ``home`` part among its categories), else a list of countries whose direction cannot be told. Built
    once per frame (:func:`_kept`): the doubtful breakdowns, the returnees and the repatriation split read it."""
    return _kept(df, "repatriation cells", indicator, _repatriation_cells_of)


def _repatriation_cells_of(df: pl.DataFrame, indicator: str) -> pl.DataFrame:
    if "category" not in df.columns:
        return pl.DataFrame()
    rows = _indicator_cells(df, indicator, _DIMENSION_REPATRIATION).filter(pl.col("iso3").is_not_null())
    text = pl.col("category").str.strip_chars().str.to_lowercase()
    part = (
        pl.when(text == "abroad")
        .then(pl.lit("abroad"))
        .when(citizenship_origin_expr() == pl.col("iso3"))
        .then(pl.lit("home"))
        .when(pl.col("category_iso3").is_not_null())
        .then(pl.lit("country"))
        .otherwise(pl.lit("unplaced"))
    )
    rows = rows.with_columns(part=part, detected_iso3=pl.col("iso3"))
    return rows.with_columns(
        marked=pl.col("part").is_in(["abroad", "home"]).any().over("year", "detected_iso3")
    )


def returnees_without_nationals(df: pl.DataFrame, indicator: str) -> pl.DataFrame:
    """The country-years whose citizenship breakdown has no row for the country's own nationals while its
    breakdown by country of repatriation (as the questionnaire defines it: :func:`repatriation_split`) counts
    some of them: their nationals detected on return (Botswana 2020: citizenship rows Bangladesh <5, Ghana 6,
    Nigeria <5, Zimbabwe 6, no Botswana row; repatriated from abroad <5). Those nationals are a count, not a
    year without data: the repatriation breakdown stands for the missing own-nationals cell, whole (no rest
    at home is derived). Columns year, detected_iso3, victims (exact or null), victims_low, victims_high and
    :data:`~evidence.analyses.intervals.UNCENSORED`; the subtotal ``Abroad`` is the count of those repatriated
    from abroad where it can hold the countries listed (as in :func:`repatriation_split`), plus those recorded
    as exploited at home. A country-year without a citizenship breakdown at all is not one of them (the 2003
    and 2008 rows ``Abroad <5`` of about a hundred countries with no other breakdown)."""
    return _kept(df, "returnees", indicator, _returnees_without_nationals_of)


def _returnees_without_nationals_of(df: pl.DataFrame, indicator: str) -> pl.DataFrame:
    """What :func:`returnees_without_nationals` keeps (built once per frame)."""
    schema = {
        "year": pl.Int32,
        "detected_iso3": pl.String,
        "victims": pl.Int64,
        "victims_low": pl.Int64,
        "victims_high": pl.Int64,
        UNCENSORED: pl.Int64,
    }
    empty = pl.DataFrame(schema=schema)
    rows = _repatriation_cells(df, indicator)
    if not rows.height:
        return empty
    cell = ["year", "detected_iso3"]
    citizenship = _indicator_cells(df, indicator, _DIMENSION_CITIZENSHIP).filter(pl.col("iso3").is_not_null())
    broken_down = citizenship.select(pl.col("iso3").alias("detected_iso3"), "year").unique()
    with_own = (
        citizenship.filter((citizenship_origin_expr() == pl.col("iso3")).fill_null(False))
        .select(pl.col("iso3").alias("detected_iso3"), "year")
        .unique()
    )
    rows = (
        rows.filter("marked")
        .join(broken_down, on=cell, how="semi")
        .join(with_own, on=cell, how="anti")
        .filter(pl.col("part").is_in(["abroad", "country", "home"]))
    )
    if not rows.height:
        return empty

    def part(name: str) -> list[pl.Expr]:
        where = pl.col("part") == name
        return [
            pl.col("victims_low").filter(where).sum().alias(f"{name}_low"),
            pl.col("victims_high").filter(where).sum().alias(f"{name}_high"),
            pl.col(UNCENSORED).filter(where).sum().alias(f"{name}_exact"),
            where.any().alias(f"has_{name}"),
        ]

    parts = rows.group_by(cell).agg(*part("country"), *part("abroad"), *part("home"))
    consistent = pl.col("has_abroad") & (pl.col("abroad_high") >= pl.col("country_low"))
    out = parts.with_columns(
        away_low=pl.max_horizontal("abroad_low", "country_low"),
        away_high=pl.when(consistent)
        .then(pl.col("abroad_high"))
        .otherwise(pl.max_horizontal("abroad_high", "country_high")),
        away_exact=pl.when(consistent).then(pl.col("abroad_exact")).otherwise(pl.col("country_exact")),
    ).select(
        *cell,
        victims_low=pl.col("away_low") + pl.col("home_low"),
        victims_high=pl.col("away_high") + pl.col("home_high"),
        **{UNCENSORED: pl.col("away_exact") + pl.col("home_exact")},
    )
    return (
        out.filter(pl.col("victims_high") > 0)
        .with_columns(victims=pl.when(pl.col("victims_low") == pl.col("victims_high")).then("victims_low"))
        .select(*schema)
        .cast(schema)  # type: ignore[arg-type]
        .sort(cell)
    )


#: A citizenship breakdown is doubtful (:func:`doubtful_breakdowns`) where the detecting country's own nationals
#: are below this share of it ...
DOUBTFUL_OWN_SHARE = 0.25
#: ... and at least this share of its foreign victims carry the citizenship of countries the data show to be
#: destinations of the detecting country's nationals.
DOUBTFUL_DESTINATION_SHARE = 0.5
#: A citizenship breakdown is also doubtful when the most victims it can hold (its cells' upper bounds) are
#: below this share of the year's published total *and* it shows a sign of a mangled table (an unmapped label
#: that is no country nor a known category, such as the column header "Nationality"; or no own-nationals row
#: in a year bracketed by years that have one). A breakdown that leaves out three quarters of the victims
#: cannot stand for the year's citizenships; 0.25 is far from the partial but sound breakdowns of the 2023
#: release (Albania 2019: 42%, Poland 2012–2013: 40–48%), and catches the United States 2017–2018 (its six
#: rows, "Nationality" among them, are 19% and 22% of 8,003 and 8,913 victims, without US nationals).
DOUBTFUL_COVERAGE_SHARE = 0.25
#: Why a breakdown is doubtful (column ``reason`` of :func:`doubtful_breakdowns`).
DOUBTFUL_DESTINATIONS = "destinations"
DOUBTFUL_PARTIAL = "partial"


def doubtful_breakdowns(df: pl.DataFrame, indicator: str = "Detected trafficking victims") -> pl.DataFrame:
    """The countries and years (columns iso3, year) whose citizenship breakdown looks like countries of
    exploitation filed as citizenships: a data-quality flag, for any country.

    A country D's breakdown of a year is doubtful when (1) D's own nationals are less than
    :data:`DOUBTFUL_OWN_SHARE` of it, and (2) at least :data:`DOUBTFUL_DESTINATION_SHARE` of its foreign victims
    are listed under citizenships C that the data show to be *destinations* of D's nationals: over all years,
    more of D's nationals were detected in C (C's own citizenship breakdown) or repatriated to D from C (D's
    repatriation breakdown, where it reads as the questionnaire defines it) than victims of C's citizenship
    D lists. A country of origin whose breakdown lists mostly its neighbours of destination (Myanmar 2015:
    China 80, Thailand 16, Malaysia 13, its own nationals 21 of 643 detected) is the case in point. Point
    values (interval midpoints) throughout.

    A breakdown is also doubtful (reason :data:`DOUBTFUL_PARTIAL`, else :data:`DOUBTFUL_DESTINATIONS`) when
    the most victims it can hold are under :data:`DOUBTFUL_COVERAGE_SHARE` of the year's published total
    (Dimension ``Total``) and it either holds a label that names no country and no known category (an unmapped
    citizenship that is not "Unknown" or one of :data:`evidence.sources.unodc.UNSPECIFIED_CATEGORIES`), or has
    no row of the country's own nationals in a year between two years whose breakdowns have one: the
    United States 2017–2018, six rows (Mexico, Honduras, Botswana, Hong Kong, "Nationality", Unknown) against
    8,003 and 8,913 victims, read as a top-five table with its header, not as the year's citizenships."""
    return _kept(df, "doubtful", indicator, _doubtful_breakdowns_of)


def _doubtful_breakdowns_of(df: pl.DataFrame, indicator: str) -> pl.DataFrame:
    """What :func:`doubtful_breakdowns` keeps (built once per frame)."""
    schema = pl.Schema({"iso3": pl.String, "year": pl.Int32, "reason": pl.String})
    if "category" not in df.columns:
        return pl.DataFrame(schema=schema)
    cells = (
        _indicator_cells(df, indicator, _DIMENSION_CITIZENSHIP)
        .filter(pl.col("iso3").is_not_null())
        .with_columns(
            origin_iso3=citizenship_origin_expr(),
            point=point_expr("victims", "victims_low", "victims_high"),
        )
    )
    if not cells.height:
        return pl.DataFrame(schema=schema)
    listed = cells.filter(pl.col("origin_iso3").is_not_null())
    # victims of C's citizenship in D (D's breakdown), and D's nationals in C (C's breakdown; D's repatriation)
    inward = listed.group_by(d="iso3", c="origin_iso3").agg(pl.col("point").sum().alias("inward"))
    outward_parts = [listed.select(d="origin_iso3", c="iso3", out="point")]
    repatriation = _repatriation_cells(df, indicator)
    if repatriation.height:
        outward_parts.append(
            repatriation.filter(pl.col("marked") & (pl.col("part") == "country")).select(
                d="iso3", c="category_iso3", out=point_expr("victims", "victims_low", "victims_high")
            )
        )
    outward = pl.concat(outward_parts).group_by("d", "c").agg(pl.col("out").sum().alias("outward"))
    destinations = (
        inward.join(outward, on=["d", "c"], how="inner")
        .filter((pl.col("d") != pl.col("c")) & (pl.col("outward") > pl.col("inward")))
        .select("d", "c", _destination=pl.lit(True))
    )
    own = pl.col("origin_iso3") == pl.col("iso3")
    foreign = pl.col("origin_iso3").is_not_null() & ~own.fill_null(False)
    per_year = (
        cells.join(destinations, left_on=["iso3", "origin_iso3"], right_on=["d", "c"], how="left")
        .group_by("iso3", "year")
        .agg(
            pl.col("point").sum().alias("all"),
            pl.col("point").filter(own.fill_null(False)).sum().alias("own"),
            pl.col("point").filter(foreign).sum().alias("foreign"),
            pl.col("point").filter(foreign & pl.col("_destination").fill_null(False)).sum().alias("to"),
        )
    )
    destinations_flagged = per_year.filter(
        (pl.col("all") > 0)
        & (pl.col("own") < DOUBTFUL_OWN_SHARE * pl.col("all"))
        & (pl.col("foreign") > 0)
        & (pl.col("to") >= DOUBTFUL_DESTINATION_SHARE * pl.col("foreign"))
    ).select("iso3", "year", reason=pl.lit(DOUBTFUL_DESTINATIONS))
    partial = _partial_breakdowns(df, indicator, cells).join(
        destinations_flagged, on=["iso3", "year"], how="anti"
    )
    return (
        pl.concat([destinations_flagged, partial.cast(schema)], how="vertical_relaxed")
        .cast(schema)
        .sort("iso3", "year")
    )


def _partial_breakdowns(df: pl.DataFrame, indicator: str, cells: pl.DataFrame) -> pl.DataFrame:
    """The country-years of :func:`doubtful_breakdowns`' second rule (:data:`DOUBTFUL_COVERAGE_SHARE`): columns
    iso3, year, reason."""
    from evidence.sources.unodc import citizenship_category_kind

    labels = cells.filter(pl.col("origin_iso3").is_null())["category"].drop_nulls().unique().to_list()
    named = [
        label for label in labels if citizenship_category_kind(label) is None
    ]  # not Unknown nor foreigners
    own = (pl.col("origin_iso3") == pl.col("iso3")).fill_null(False)
    strange = pl.col("origin_iso3").is_null() & pl.col("category").is_in(named)
    per_year = cells.group_by("iso3", "year").agg(
        pl.col("victims_high").sum().alias("most"),
        own.any().alias("own"),
        strange.any().alias("strange"),
    )
    totals = (
        _indicator_cells(df, indicator, "Total")
        .filter(pl.col("iso3").is_not_null())
        .group_by("iso3", "year")
        .agg(pl.col("victims_low").max().alias("total"))
    )
    with_own = (
        per_year.filter(pl.col("own"))
        .group_by("iso3")
        .agg(pl.col("year").min().alias("_first"), pl.col("year").max().alias("_last"))
    )
    bracketed = ~pl.col("own") & (pl.col("_first") < pl.col("year")) & (pl.col("_last") > pl.col("year"))
    return (
        per_year.join(totals, on=["iso3", "year"], how="inner")
        .join(with_own, on="iso3", how="left")
        .filter(
            (pl.col("total") > 0)
            & (pl.col("most") < DOUBTFUL_COVERAGE_SHARE * pl.col("total"))
            & (pl.col("strange") | bracketed.fill_null(False))
        )
        .select("iso3", "year", reason=pl.lit(DOUBTFUL_PARTIAL))
    )


def unused_repatriation(selection: Selected) -> pl.DataFrame:
    """The breakdown by country of repatriation of the selection's country that no route uses, per year: one
    that lists countries only (no ``Abroad`` subtotal, no own nationals: whether it lists where the country's
    nationals came back from or where it sent foreign victims back to cannot be told), or that has no
    own-nationals cell to split, or whose parts exceed it. Columns: year, countries (how many listed),
    victims (null when censored), victims_low, victims_high, UNCENSORED, reason (``ambiguous`` or
    ``unmatched``). Empty for case data or without a country."""
    selection = as_selection(selection)
    schema: dict[str, Any] = {
        "year": pl.Int32,
        "countries": pl.UInt32,
        "victims": pl.Int64,
        "victims_low": pl.Int64,
        "victims_high": pl.Int64,
        UNCENSORED: pl.Int64,
        "reason": pl.String,
    }
    if selection.kind == "case" or selection.country is None:
        return pl.DataFrame(schema=schema)
    rows = _repatriation_cells(selection.frame, selection.indicator)
    if not rows.height:
        return pl.DataFrame(schema=schema)
    rows = rows.filter(pl.col("iso3") == selection.country)
    if selection.years:
        rows = rows.filter(year_filter(selection.years))
    used = (
        flow_records(selection.replace(role="origin"))
        .filter(pl.col("detected_iso3") == selection.country)
        .filter(pl.col("route_basis") == "repatriation")
        .select("year")
        .unique()
    )
    rows = rows.join(used, on="year", how="anti").filter(pl.col("part") != "abroad")
    out = rows.group_by("year").agg(
        pl.col("category_iso3").drop_nulls().n_unique().alias("countries"),
        *censored_sum("victims", "victims_low", "victims_high"),
        pl.col(UNCENSORED).sum(),
        pl.when(pl.col("marked").any())
        .then(pl.lit("unmatched"))
        .otherwise(pl.lit("ambiguous"))
        .first()
        .alias("reason"),
    )
    return out.filter(pl.col("victims_high") > 0).select(list(schema)).cast(pl.Schema(schema)).sort("year")


def _region_lookup(indicator_df: pl.DataFrame) -> pl.DataFrame:
    """ISO3 → UN M49 region and subregion: the country reference, completed for codes it lacks by the regions
    the table publishes for its reporting countries."""
    from evidence.sources.countries import country_table

    reference = country_table().select(
        pl.col("iso3").cast(pl.String), pl.col("region").cast(pl.String), pl.col("subregion").cast(pl.String)
    )
    own = (
        indicator_df.filter(pl.col("iso3").is_not_null() & pl.col("region").is_not_null())
        .group_by("iso3")
        .agg(pl.col("region").mode().first(), pl.col("subregion").drop_nulls().mode().first())
        .join(reference.select("iso3"), on="iso3", how="anti")
    )
    return pl.concat([reference, own], how="vertical_relaxed")


def _record_columns(keyed: bool) -> list[str]:
    return [
        "year",
        *_KEYS,
        *FLOW_COLUMNS[2:9],
        UNCENSORED,
        "route_basis",
        "detected_iso3",
        *_SPLIT,
        *([CELL_KEY] if keyed else []),
    ]


def _sum_cells(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Sum victims over ``keys``: exact only where every part is exact; bounds always; cell keys summed."""
    return frame.group_by(keys).agg(*_cell_sums(frame.columns, keys))


def _cell_sums(columns: Collection[str], keys: list[str]) -> list[pl.Expr]:
    """The aggregations of :func:`_sum_cells` over ``keys`` of a frame of ``columns``."""
    region_cols = [c for c in FLOW_COLUMNS[2:6] if c in columns and c not in keys]
    return [
        *censored_sum("victims", "victims_low", "victims_high"),
        pl.col(UNCENSORED).sum(),
        *[pl.col(c).drop_nulls().first() for c in region_cols],
        *([pl.col(CELL_KEY).sum()] if CELL_KEY in columns else []),
    ]


# -------------------------------------------------------------------------------------------------- flows


def flows(
    selection: Selected, *, regional_level: RegionalLevel = "region", min_victims: int | None = None
) -> pl.DataFrame:
    """The origin → destination flow table of a selection, summed over its years (see the module docstring).

    The selection's ``country`` with its ``role`` selects flows from it (origin), into it (destination) or
    both. ``min_victims`` keeps flows whose low bound reaches it (UNODC reports flows of at least 5). Sorted by
    victims, largest first.
    """
    if regional_level not in ("region", "subregion"):
        raise ParameterError(f"regional_level must be 'region' or 'subregion', not {regional_level!r}")
    if min_victims is not None and min_victims < 0:
        raise ParameterError(f"min_victims must be at least 0, not {min_victims}")
    records = flow_records(selection)
    # one query of the few dozen records (a filter, a group-by, two columns, a sort: each a query of its own
    # cost more in planning than the rows)
    out = (
        records.lazy()
        .filter(pl.col("origin_iso3").is_not_null() & pl.col("destination_iso3").is_not_null())
        .group_by(_FLOW_KEYS)
        .agg(*_cell_sums(records.columns, _FLOW_KEYS))
    )
    point = point_expr("victims", "victims_low", "victims_high")
    out = out.with_columns(
        flow_class=flow_class_expr(regional_level),
        share=(point / point.sum()).fill_nan(None),
    )
    if min_victims:
        out = out.filter(pl.col("victims_low") >= min_victims)
    keyed = [CELL_KEY] if CELL_KEY in records.columns else []
    return (
        out.select(*FLOW_COLUMNS, UNCENSORED, *keyed)
        .sort(
            [point_expr("victims", "victims_low", "victims_high"), *_FLOW_KEYS],
            descending=[True, False, False, False],
        )
        .collect(engine=IN_MEMORY)
    )


def flow_years(selection: Selected) -> dict[tuple[str, str, str], list[int]]:
    """The years each flow (origin, destination, route basis) of a selection has victims in (high bound above
    0): what a repatriation flow's label says. A record without a single year (dated by a band of years only, or
    by none) is of no year here. The flows come in the order of their keys (origin, destination, basis),
    the years ascending."""
    records = flow_records(selection).filter(
        pl.col("year").is_not_null()
        & pl.col("origin_iso3").is_not_null()
        & pl.col("destination_iso3").is_not_null()
        & (pl.col("victims_high") > 0)
    )
    # the flows in the order of their keys, whatever the run (a group_by's groups come in any order)
    grouped = records.group_by(_FLOW_KEYS).agg(pl.col("year").unique().sort()).sort(_FLOW_KEYS)
    return {
        (row["origin_iso3"], row["destination_iso3"], row["route_basis"]): [int(y) for y in row["year"]]
        for row in grouped.iter_rows(named=True)
    }


def flow_class_expr(regional_level: RegionalLevel = "region") -> pl.Expr:
    """domestic / intraregional / transregional / unknown from the ISO3 and region columns of a flow table."""
    origin, destination = pl.col(f"origin_{regional_level}"), pl.col(f"destination_{regional_level}")
    return (
        pl.when(pl.col("origin_iso3") == pl.col("destination_iso3"))
        .then(pl.lit("domestic"))
        .when(origin.is_null() | destination.is_null())
        .then(pl.lit("unknown"))
        .when(origin == destination)
        .then(pl.lit("intraregional"))
        .otherwise(pl.lit("transregional"))
        .cast(pl.Enum(FLOW_CLASSES))
    )


@dataclasses.dataclass(frozen=True)
class FlowCoverage:
    """How many victims of a selection could be placed on a flow, and how many could not.

    Counts are (low, high) bounds; for the case table both bounds are equal (records). A selection by
    destination cannot contain a victim of unknown destination (nor one by origin an unknown origin)."""

    total: tuple[int, int]
    known: tuple[int, int]
    unknown_origin: tuple[int, int]
    unknown_destination: tuple[int, int]  # includes records where both are unknown
    #: per part (total, known, unknown_origin, unknown_destination): its cell key, for keyed records
    cell_keys: dict[str, int] = dataclasses.field(default_factory=dict)
    #: per part: the sum of its cells published exactly (:data:`~evidence.analyses.intervals.UNCENSORED`; 0 when all are censored)
    uncensored: dict[str, int] = dataclasses.field(default_factory=dict)
    #: UNODC: a country's nationals repatriated from abroad, no country stated (not in ``unknown_destination``)
    repatriated_abroad: tuple[int, int] = (0, 0)
    #: UNODC: a country's nationals detected by its own authorities and not shown exploited abroad: a domestic
    #: flow (within ``known``)
    own_nationals: tuple[int, int] = (0, 0)

    @property
    def unknown(self) -> tuple[int, int]:
        """Victims not on any flow (origin or destination unknown, repatriated from abroad to no stated
        country): the sum of those parts (the total less the known would mix bounds of different cells)."""
        parts = (self.unknown_origin, self.unknown_destination, self.repatriated_abroad)
        return (sum(p[0] for p in parts), sum(p[1] for p in parts))

    def to_dict(self) -> dict[str, Any]:
        parts = (
            "total",
            "known",
            "unknown_origin",
            "unknown_destination",
            "repatriated_abroad",
            "own_nationals",
        )
        return {name: list(getattr(self, name)) for name in parts} | {"unknown": list(self.unknown)}


def cell_sum(records: pl.DataFrame, where: pl.Expr | None = None) -> tuple[int, int]:
    """The (low, high) bounds of the victims of the flow records ``records`` that satisfy ``where`` (all
    without), totalled from the published cells: a record that is a whole cell adds its bounds; the pieces of a
    cell split by :func:`repatriation_split` add the cell's bounds less those of its pieces left out. So a total
    over all of a cell's pieces is the cell (3,987–4,029 nationals of Myanmar, as the per-year table gives them),
    where the pieces' own bounds add up wider (a piece and the rest it leaves are one uncertainty, counted once).
    Where pieces of the cell are not in ``records`` (a selection by destination holds those exploited at home
    only), the low bound is the pieces' and the high bound at most the cell less the pieces shown left out."""
    where = pl.lit(True) if where is None else where
    if not records.height:
        return (0, 0)
    marked = records.with_columns(_in=where.fill_null(False))
    whole = marked.filter(pl.col("split_parts").is_null() & pl.col("_in"))
    low = int(whole["victims_low"].sum() or 0)
    high = int(whole["victims_high"].sum() or 0)
    pieces = marked.filter(pl.col("split_parts").is_not_null())
    if pieces.height:
        cells = pieces.group_by("year", "detected_iso3").agg(
            pl.col("victims_low").filter("_in").sum().alias("in_low"),
            pl.col("victims_high").filter("_in").sum().alias("in_high"),
            pl.col("victims_low").filter(~pl.col("_in")).sum().alias("out_low"),
            pl.col("victims_high").filter(~pl.col("_in")).sum().alias("out_high"),
            (pl.len() == pl.col("split_parts").first()).alias("complete"),
            pl.col("split_low").first(),
            pl.col("split_high").first(),
        )
        # every piece in: the cell as published (as the per-year table gives it); else the cell less the
        # pieces left out, within the pieces' own bounds
        every = pl.col("complete") & (pl.col("out_high") == 0)
        bounded = cells.with_columns(
            high=pl.when(every)
            .then(pl.col("split_high"))
            .otherwise(pl.min_horizontal("in_high", pl.col("split_high") - pl.col("out_low"))),
            low=pl.when(every)
            .then(pl.col("split_low"))
            .when("complete")
            .then(pl.max_horizontal("in_low", pl.col("split_low") - pl.col("out_high")))
            .otherwise(pl.col("in_low")),
        ).with_columns(low=pl.min_horizontal("low", "high"))
        low += int(bounded["low"].sum() or 0)
        high += int(bounded["high"].sum() or 0)
    return (low, high)


def flow_coverage(selection: Selected) -> FlowCoverage:
    """Victims of the selection with a known flow, and those with an unknown origin or destination.

    Unknowns are never dropped silently: a flow table's shares cover only the known part."""
    records = flow_records(selection)
    origin_missing = pl.col("origin_iso3").is_null()
    destination_missing = pl.col("destination_iso3").is_null()
    own = pl.col("route_basis") == "own_nationals"
    abroad = destination_missing & (pl.col("route_basis") == "repatriation")
    parts = {
        "total": pl.lit(True),
        "known": ~origin_missing & ~destination_missing,
        "unknown_origin": origin_missing & ~destination_missing,
        "unknown_destination": destination_missing & ~own & ~abroad,
        "repatriated_abroad": abroad,
        "own_nationals": own,
    }
    measures = [
        "victims_low",
        "victims_high",
        UNCENSORED,
        *([CELL_KEY] if CELL_KEY in records.columns else []),
    ]
    sums = records.select(
        *[pl.col(m).filter(cond).sum().alias(f"{name}_{m}") for name, cond in parts.items() for m in measures]
    ).row(0, named=True)

    def pair(name: str) -> tuple[int, int]:
        if name in ("total", "known"):  # sums over cells some of whose pieces are split: from the cells
            return cell_sum(records, parts[name])
        return (int(sums[f"{name}_victims_low"] or 0), int(sums[f"{name}_victims_high"] or 0))

    keys = {name: int(sums[f"{name}_{CELL_KEY}"] or 0) for name in parts} if CELL_KEY in measures else {}
    return FlowCoverage(
        pair("total"),
        pair("known"),
        pair("unknown_origin"),
        pair("unknown_destination"),
        cell_keys=keys,
        uncensored={name: int(sums[f"{name}_{UNCENSORED}"] or 0) for name in parts},
        repatriated_abroad=pair("repatriated_abroad"),
        own_nationals=pair("own_nationals"),
    )


@dataclasses.dataclass(frozen=True)
class CountedTwice:
    """Where a sum of a country's nationals (a selection as origin) can count one person twice: once by the
    country that detected them (its citizenship breakdown) and once by the country itself on their return
    (its breakdown by country of repatriation). UNODC's two counts are not linked, so how many are in both
    cannot be told. ``years``: the years holding both counts; ``corridors``: the countries that appear both
    ways (Myanmar's nationals detected in Thailand, and repatriated from Thailand, counted by Myanmar)."""

    years: tuple[int, ...] = ()
    corridors: tuple[str, ...] = ()
    #: the victims of each of ``corridors`` (point values, both counts together): to name the largest first
    victims: tuple[float, ...] = ()

    def largest(self) -> tuple[str, ...]:
        """``corridors``, largest first (ties: by code)."""
        size = dict(zip(self.corridors, self.victims, strict=False))
        return tuple(sorted(self.corridors, key=lambda code: (-size.get(code, 0.0), code)))

    def __bool__(self) -> bool:
        return bool(self.years)


def counted_twice(selection: Selected) -> CountedTwice:
    """The :class:`CountedTwice` of an indicator selection with a country as origin (or both); empty for case
    data (one record, one victim), a country as destination or without a country."""
    selection = as_selection(selection)
    country = selection.country
    if selection.kind == "case" or country is None or selection.role == "destination":
        return CountedTwice()
    records = flow_records(selection).filter(
        (pl.col("origin_iso3") == country) & (pl.col("victims_high") > 0)
    )
    returned = records.filter(
        (pl.col("detected_iso3") == country)
        & (pl.col("route_basis") == "repatriation")
        & (pl.col("destination_iso3").is_null() | (pl.col("destination_iso3") != country))
    )
    # a doubtful breakdown's cell is no count of these nationals (left out of the yearly counts): nothing to add
    abroad = records.filter(
        (pl.col("detected_iso3") != country) & (pl.col("route_basis") != "doubtful_citizenship")
    )
    years = sorted(set(returned["year"].to_list()) & set(abroad["year"].to_list()))
    if not years:
        return CountedTwice()
    both = sorted(
        {c for c in returned["destination_iso3"].to_list() if c is not None}
        & set(abroad["detected_iso3"].to_list())
    )
    point = point_expr("victims", "victims_low", "victims_high")
    sizes = dict(
        pl.concat(
            [
                returned.select(pl.col("destination_iso3").alias("corridor"), point.alias("n")),
                abroad.select(pl.col("detected_iso3").alias("corridor"), point.alias("n")),
            ]
        )
        .group_by("corridor")
        .agg(pl.col("n").sum())
        .iter_rows()
    )
    return CountedTwice(
        tuple(int(y) for y in years), tuple(both), tuple(float(sizes.get(code) or 0.0) for code in both)
    )


def unmapped_origins(selection: Selected) -> pl.DataFrame:
    """The citizenship texts of an indicator selection that name no country (neither mapped nor the
    publisher's own "Unknown"), with their victims: what :func:`flow_coverage` counts as an unknown origin,
    named. ``stateless`` marks a stateless group (:data:`STATELESS_CATEGORIES`: the Rohingya, "Stateless"),
    which has no country of citizenship by definition; ``foreign`` foreign nationals whose citizenship is not
    stated (:data:`evidence.sources.unodc.FOREIGN_CATEGORIES`, "Personnes de nationalité étrangère": not the
    reporting country's nationals, no country named). Only victims detected in the selection's country (its
    role destination or both: a text naming no country cannot be selected as an origin). Columns: category,
    stateless, years (list), victims (null when censored), victims_low, victims_high and
    :data:`~evidence.analyses.intervals.UNCENSORED`; most victims first."""
    from evidence.sources.unodc import FOREIGN, UNSPECIFIED_CATEGORIES, citizenship_category_kind

    selection = as_selection(selection)
    schema: dict[str, Any] = {
        "category": pl.String,
        "stateless": pl.Boolean,
        "foreign": pl.Boolean,
        "years": pl.List(pl.Int32),
        "victims": pl.Int64,
        "victims_low": pl.Int64,
        "victims_high": pl.Int64,
        UNCENSORED: pl.Int64,
    }
    if selection.kind == "case" or selection.role == "origin" and selection.country is not None:
        return pl.DataFrame(schema=schema)
    rows = _indicator_cells(selection.frame, selection.indicator, _DIMENSION_CITIZENSHIP)
    text = pl.col("category").str.strip_chars()
    rows = rows.filter(
        citizenship_origin_expr().is_null()
        & text.is_not_null()
        & ~text.str.to_lowercase().is_in(list(UNSPECIFIED_CATEGORIES))
        & (pl.col("victims_high") > 0)
    )
    if selection.years:
        rows = rows.filter(year_filter(selection.years))
    if selection.country is not None:
        rows = rows.filter(pl.col("iso3") == selection.country)
    out = (
        rows.with_columns(category=text)
        .group_by("category")
        .agg(
            *censored_sum("victims", "victims_low", "victims_high"),
            pl.col(UNCENSORED).sum(),
            pl.col("year").unique().sort().alias("years"),
        )
        .with_columns(stateless=pl.col("category").str.to_lowercase().is_in(list(STATELESS_CATEGORIES)))
    )
    foreign = [c for c in out["category"].to_list() if citizenship_category_kind(c) == FOREIGN]
    out = out.with_columns(foreign=pl.col("category").is_in(foreign))
    return (
        out.select(list(schema))
        .cast(pl.Schema(schema))
        .sort([point_expr("victims", "victims_low", "victims_high"), "category"], descending=[True, False])
    )


def top_corridors(flow_table: pl.DataFrame, n: int = 10, *, include_domestic: bool = True) -> pl.DataFrame:
    """The ``n`` largest flows (by point value) with their rank, share and cumulative share."""
    if n < 1:
        raise ParameterError(f"n must be at least 1, not {n}")
    _check_flow_table(
        flow_table, ("victims", "victims_low", "victims_high", "share", "flow_class"), "top_corridors"
    )
    out = flow_table if include_domestic else flow_table.filter(pl.col("flow_class") != "domestic")
    point = point_expr("victims", "victims_low", "victims_high")
    keys = _FLOW_KEYS if "route_basis" in out.columns else _KEYS
    return (
        out.sort([point, *keys], descending=[True, *[False] * len(keys)])
        .head(n)
        .with_columns(
            rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int32),
            cumulative_share=pl.col("share").cum_sum(),
        )
        .select("rank", *out.columns, "cumulative_share")
    )


# ------------------------------------------------------------------------------------------ corridor trends


def corridor_yearly_counts(selection: Selected) -> pl.DataFrame:
    """Victims per corridor and year, with zeros where a corridor had no victims in an observed year.

    An *observed* year is, for the case table, a year in which the selection has records (on a known route or
    not: a corridor without victims that year is 0), as the selection's yearly table counts them
    (:func:`evidence.analyses.trends.yearly_counts`): a year without any record of the selection, within its
    range or the release's, is not covered, not 0 (data collection starts and stops, by country: zeros there
    made corridors "grow" or look "new" for lack of records); for the indicator table, a year in which the destination published its citizenship
    breakdown (a year it did not report is missing, not zero) and in which that breakdown says something of
    the corridor: it lists the citizenship in a cell of its own (a number, ``<5`` or 0), or its absence is a 0
    because the breakdown is complete for it (:func:`_corridor_grid`). A corridor absent from a partial list
    (the United Kingdom's 7 citizenships of 2017 beside 82 to 119 from 2018) is not published that year, not 0.
    """
    grid = _corridor_grid(selection)
    return grid.filter(pl.col("known")).drop("known")


def _corridor_grid(selection: Selected) -> pl.DataFrame:
    """:func:`corridor_yearly_counts` with the years a destination published a breakdown that says nothing of
    the corridor kept (``known`` false, victims null): what :func:`emerging_routes` needs to say a corridor
    was 0 before (``new``) only where the earlier breakdowns show it.

    The rule is the one :func:`evidence.analyses.trends.reporter_gaps` applies to a reporter's breakdown of
    one country's nationals: a destination's breakdown of a year is complete for a citizenship it does not list
    when the breakdown covers at least ``min_coverage`` (a half) of the total it published that year (of the
    least total it published when it gives none) and the destination usually lists fewer than
    ``USUALLY_LISTED`` (20) of that citizenship (the median of its years with at least 5); one that usually
    lists dozens and lists none in a year has left them out of that year's list. A doubtful breakdown
    (:func:`doubtful_breakdowns`) is never complete.
    """
    selection = as_selection(selection)
    selected = flow_records(selection)
    # corridors as detected (case records, citizenship breakdowns): a repatriation breakdown is another measure
    records = selected.filter(
        pl.col("origin_iso3").is_not_null()
        & pl.col("destination_iso3").is_not_null()
        & pl.col("year").is_not_null()
        & pl.col("route_basis").is_in(["record", "citizenship"])
    )
    counts = _sum_cells(records, ["year", *_KEYS]).select(
        "year", *_KEYS, "victims", "victims_low", "victims_high"
    )
    columns = ["year", *_KEYS, "victims", "victims_low", "victims_high", "known"]
    corridors = counts.select(_KEYS).unique()
    if selection.kind == "case":
        # the years the selection has records in (on a known route or not), as its yearly table counts them
        # (:func:`evidence.analyses.trends.yearly_counts`): a year without any is not covered, never 0 victims
        observed = (
            selected.filter(pl.col("year").is_not_null()).select(pl.col("year").cast(pl.Int32)).unique()
        )
        grid = corridors.join(observed, how="cross").with_columns(complete=pl.lit(True))
    else:
        reporting_years = (
            flow_records(selection.replace(country=None))
            .filter(pl.col("detected_iso3").is_not_null())
            .select(pl.col("detected_iso3").alias("destination_iso3"), "year")
            .unique()
        )
        grid = corridors.join(reporting_years, on="destination_iso3").join(
            _breakdown_completeness(selection), on=["destination_iso3", "year"], how="left"
        )
        usual = (
            counts.filter(point_expr("victims", "victims_low", "victims_high") >= 5)
            .group_by(_KEYS)
            .agg(point_expr("victims", "victims_low", "victims_high").median().alias("usual"))
        )
        from evidence.analyses.trends import USUALLY_LISTED  # the same rule as the reporters' gaps

        grid = grid.join(usual, on=_KEYS, how="left").with_columns(
            complete=pl.col("complete").fill_null(False) & (pl.col("usual").fill_null(0) < USUALLY_LISTED)
        )
    listed = counts.with_columns(_listed=pl.lit(True))
    return (
        grid.join(listed, on=["year", *_KEYS], how="left")
        .with_columns(known=pl.col("_listed").fill_null(False) | pl.col("complete"))
        .with_columns(
            pl.when(pl.col("known")).then(pl.col(c).fill_null(0)).alias(c)
            for c in ("victims_low", "victims_high")
        )
        .with_columns(
            victims=pl.when(pl.col("victims").is_null() & (pl.col("victims_high") == 0))
            .then(0)
            .otherwise(pl.col("victims"))
        )
        .select(columns)
        .sort([*_KEYS, "year"])
    )


def _breakdown_completeness(selection: Selection, *, min_coverage: float = 0.5) -> pl.DataFrame:
    """Whether each destination's citizenship breakdown of a year covers at least ``min_coverage`` of the total
    it published that year (of the least total it published, when none that year) and is not doubtful:
    columns destination_iso3, year, complete (see :func:`_corridor_grid`)."""
    frame = selection.frame
    cells = _indicator_cells(frame, selection.indicator, _DIMENSION_CITIZENSHIP).filter(
        pl.col("iso3").is_not_null() & pl.col("year").is_not_null()
    )
    listed = cells.group_by("iso3", "year").agg(pl.col("victims_high").sum().alias("listed"))
    totals = (
        _indicator_cells(frame, selection.indicator, "Total")
        .filter(pl.col("iso3").is_not_null() & pl.col("year").is_not_null())
        .group_by("iso3", "year")
        .agg(pl.col("victims_low").sum().alias("total"))
    )
    least = totals.group_by("iso3").agg(pl.col("total").min().alias("least_total"))
    doubtful = doubtful_breakdowns(frame, selection.indicator).select(
        "iso3", pl.col("year").cast(pl.Int32), _doubtful=pl.lit(True)
    )
    reference = pl.coalesce("total", "least_total")
    return (
        listed.join(totals, on=["iso3", "year"], how="left")
        .join(least, on="iso3", how="left")
        .join(doubtful, on=["iso3", "year"], how="left")
        .select(
            pl.col("iso3").alias("destination_iso3"),
            "year",
            complete=(reference.is_null() | (pl.col("listed") >= min_coverage * reference))
            & ~pl.col("_doubtful").fill_null(False),
        )
    )


def corridor_trends(
    selection: Selected, *, min_victims: int = 5, min_years: int = MIN_TREND_YEARS
) -> pl.DataFrame:
    """Growth of each corridor: a Poisson GLM of its yearly victims on year, one per corridor.

    The test of "no trend" is a likelihood-ratio test, and the annual rate ratio's 95% interval is the
    profile-likelihood interval that inverts it, so the two always agree. When a corridor's Pearson dispersion
    exceeds the overdispersion threshold, the interval and the test are scaled by it (quasi-Poisson) and, the
    dispersion being estimated from the corridor's n − 2 years, the scaled statistic is referred to F(1, n − 2),
    not to chi²(1) (which takes it as known: with three years, a 5% test at 3.84 instead of 161). Only corridors with at least ``min_victims`` victims (low bound) and ``min_years``
    observed years are tested; ``q_value`` is the Benjamini–Hochberg adjusted p-value over the tested corridors.
    Censored cells enter at their point value (interval midpoint); ``censored_years`` says how many there are.
    A corridor whose victims all fall in its last (or first) observed years has no finite slope: its rate ratio
    is reported as infinity (or 0) without an interval, and its likelihood-ratio test is still valid.
    ``warnings`` holds what a corridor's fit warned about (null when nothing).
    """
    yearly = corridor_yearly_counts(selection)
    return _corridor_trends(yearly, min_victims=min_victims, min_years=min_years)


def _corridor_trends(yearly: pl.DataFrame, *, min_victims: int, min_years: int) -> pl.DataFrame:
    """:func:`corridor_trends` of a :func:`corridor_yearly_counts` table."""
    yearly = yearly.with_columns(point=point_expr("victims", "victims_low", "victims_high"))
    summary = (
        yearly.group_by(_KEYS)
        .agg(
            pl.len().alias("n_years"),
            pl.col("year").min().alias("first_year"),
            pl.col("year").max().alias("last_year"),
            pl.col("point").sum().alias("victims_point"),
            pl.col("victims_low").sum(),
            pl.col("victims_high").sum(),
            pl.col("victims").is_null().sum().alias("censored_years"),
            pl.col("year").sort().alias("_years"),
            pl.col("point").sort_by("year").alias("_counts"),
        )
        .sort(_KEYS)
    )
    testable = (pl.col("victims_low") >= min_victims) & (pl.col("n_years") >= min_years)
    tested = summary.filter(testable)
    results = [
        _corridor_growth_once(np.asarray(y, float), np.asarray(c, float))
        for y, c in zip(tested["_years"], tested["_counts"])
    ]
    stats = pl.DataFrame(
        results,
        schema={
            "rate_ratio": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "p_value": pl.Float64,
            "model": pl.String,
            "warnings": pl.String,
        },
        orient="row",
    )
    tested = pl.concat([tested, stats], how="horizontal")
    if tested.height:
        p = tested["p_value"].fill_null(1.0).to_numpy()
        q = _benjamini_hochberg(p)
        tested = tested.with_columns(q_value=pl.Series(q, dtype=pl.Float64))
    else:
        tested = tested.with_columns(q_value=pl.lit(None, pl.Float64))
    return (
        summary.join(
            tested.select(
                *_KEYS, "rate_ratio", "ci_low", "ci_high", "p_value", "q_value", "model", "warnings"
            ),
            on=_KEYS,
            how="left",
        )
        .drop("_years", "_counts")
        .sort(["q_value", "victims_point"], descending=[False, True], nulls_last=True)
    )


def _benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values), step by step as statsmodels'
    ``multipletests(p_values, method="fdr_bh")[1]`` computes them: each sorted p-value times m / its rank, the
    running minimum from the largest down, capped at 1."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p)
    ranked = p[order]
    adjusted = np.minimum.accumulate((ranked / (np.arange(1, len(p) + 1) / float(len(p))))[::-1])[::-1]
    adjusted[adjusted > 1] = 1
    q = np.empty_like(adjusted)
    q[order] = adjusted
    return q


def benjamini_hochberg_bounds(p_values: np.ndarray, unknown: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The least and the greatest Benjamini–Hochberg q-value of each test whatever the p-values marked
    ``unknown`` are: the q-values with those set to 0 and to 1. The step-up adjustment is non-decreasing in
    every p-value, so each test's q-value lies between the two, and neither reads an unknown p-value (only how
    many there are): a q-value printed beside withheld corridors' that reads the same at both bounds gives
    nothing of their p-values (functions of their counts) back. The entries of the unknown tests are nan."""
    p = np.asarray(p_values, dtype=float)
    unknown = np.asarray(unknown, dtype=bool)
    if p.shape != unknown.shape:
        raise ParameterError(f"{len(p)} p-values but {len(unknown)} unknown flags")
    low = _benjamini_hochberg(np.where(unknown, 0.0, p))
    high = _benjamini_hochberg(np.where(unknown, 1.0, p))
    low[unknown] = high[unknown] = np.nan
    return low, high


def _corridor_growth_once(years: np.ndarray, counts: np.ndarray) -> tuple[float | str | None, ...]:
    """:func:`_corridor_growth`, fitted once per process for the same years and counts (float arrays): the
    same tuple of numbers and text each time (what the fit warned about included). A corridor's fit is a
    function of its counts alone, which a batch asks for again (a corridor is in its origin's and its
    destination's selections, and in the world's), as does a brief (the routes' table and its emerging
    corridors)."""
    return _corridor_growth_kept(years.tobytes(), counts.tobytes())


@functools.lru_cache(maxsize=4096)
def _corridor_growth_kept(years: bytes, counts: bytes) -> tuple[float | str | None, ...]:
    return _corridor_growth(np.frombuffer(years), np.frombuffer(counts))


def _corridor_growth(years: np.ndarray, counts: np.ndarray) -> tuple[float | str | None, ...]:
    # the chi-squared and F tails: scipy.stats takes a second to import
    from scipy.special import chdtrc, fdtrc

    from evidence.analyses.glm import fit_glm

    t = years - years.mean()
    X = np.column_stack([np.ones_like(t), t])
    try:
        with captured_warnings() as caught:
            fit = fit_glm(counts, X, family="poisson")
    except (np.linalg.LinAlgError, ValueError, OverflowError, FloatingPointError):
        return (None, None, None, None, None, None)  # untested: its p-value enters the correction as 1
    warned = "; ".join(caught) or None
    df_resid = len(counts) - 2
    dispersion = fit.pearson_chi2 / df_resid if df_resid > 0 else float("nan")
    scale = dispersion if dispersion > OVERDISPERSION_THRESHOLD else 1.0
    mean = counts.mean()
    # log-likelihood of the no-trend model (constant mean) in closed form, up to the shared factorial term
    llf_null = float(np.sum(counts * np.log(mean)) - counts.sum()) if mean > 0 else 0.0
    llf_full = float(
        np.sum(np.where(counts > 0, counts * np.log(np.maximum(fit.mu, 1e-300)), 0.0)) - fit.mu.sum()
    )
    lr = max(2 * (llf_full - llf_null), 0.0) / scale
    model = "poisson" if scale == 1.0 else "quasi_poisson"
    # a dispersion estimated from the corridor's own n − 2 years: the scaled deviance is an F(1, n − 2)
    # statistic (the quasi-likelihood test), not a chi²(1) one, which takes the dispersion as known
    quasi_df = float(df_resid) if model == "quasi_poisson" else None
    p = float(chdtrc(1, lr) if quasi_df is None else fdtrc(1, quasi_df, lr))
    slope, se = float(fit.params[1]), float(fit.bse[1]) * math.sqrt(scale)
    if not finite_trend_exists(years, counts) or not (math.isfinite(slope) and math.isfinite(se)) or se > 50:
        # victims only in the first or last observed year(s): the MLE slope is ±infinity
        return (math.inf if slope > 0 else 0.0, None, None, p, model, warned)
    low, high = _profile_interval(t, counts, slope, se, scale, quasi_df)
    return (math.exp(slope), low, high, p, model, warned)


def _logsumexp(a: np.ndarray) -> float:
    """``scipy.special.logsumexp(a)`` of a 1-D array of real numbers, step for step as scipy (1.15 and later)
    computes it, to the bit: the largest terms (``m`` of them) separated from the sum, ``log1p(s / m) + log(m) +
    max``, and the plain ``log(sum(exp(a)))`` where that is not finite. scipy's takes ~20 times as long (its
    array-API dispatch), and a corridor's interval evaluates it a hundred times."""
    a_max = a.max()
    largest = a == a_max
    m = float(np.count_nonzero(largest))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        s = float(np.sum(np.exp(np.where(largest, -np.inf, a) - a_max)))
        if s != 0:
            s = s / m
        out = np.log1p(s) + np.log(m) + a_max
        if not np.isfinite(out):
            out = np.log(np.sum(np.exp(a)))
    return float(out)


#: The 95% point of the chi-squared distribution with one degree of freedom (1.96²).
_CHI2_95 = 3.841458820694124


def _profile_interval(
    t: np.ndarray, counts: np.ndarray, slope: float, se: float, scale: float, quasi_df: float | None = None
) -> tuple[float | None, float | None]:
    """The 95% profile-likelihood interval of a corridor's annual rate ratio: the slopes the likelihood-ratio
    test (scaled by ``scale``, as :func:`_corridor_growth`'s) does not reject. Its interval and its p-value
    therefore always agree (it excludes 1 exactly when p < 0.05); a Wald interval did not, for a corridor whose
    victims came in one year (Cambodia → Cambodia in CTDC: q = 0.0066 beside 0.97 – 4.13). A limit that cannot
    be found within a slope of ±50 is None."""
    from scipy.optimize import brentq
    from scipy.special import fdtri

    # the test's 5% critical value: chi²(1), or F(1, n − 2) with an estimated dispersion (``quasi_df``)
    critical = _CHI2_95 if quasi_df is None else float(fdtri(1, quasi_df, 0.95))
    total, weighted = float(counts.sum()), float(np.dot(counts, t))

    def loglik(b: float) -> float:  # profile log-likelihood of the slope (the intercept at its MLE given b)
        return b * weighted - total * _logsumexp(b * t)

    top = loglik(slope)

    def excess(b: float) -> float:
        return 2 * (top - loglik(b)) / scale - critical

    limits: list[float | None] = []
    for direction in (-1.0, 1.0):
        step = max(se, 1e-3)
        far = slope + direction * step
        while excess(far) < 0 and step < 50:
            step *= 2
            far = slope + direction * step
        if excess(far) < 0:
            limits.append(None)
            continue
        root = brentq(excess, min(slope, far), max(slope, far), xtol=1e-10)
        limits.append(math.exp(root))
    return limits[0], limits[1]


@dataclasses.dataclass(frozen=True)
class PeriodSplit:
    """The years the corridors of a selection are observed in (``first`` to ``last``; None when it has no
    corridor) and the split :func:`emerging_routes` makes of them: the later period is the last
    ``later_years`` years, the earlier one the years before it."""

    first: int | None
    last: int | None
    later_years: int

    @property
    def comparable(self) -> bool:
        """Whether there is an earlier period to compare the later one with (the span is longer than
        ``later_years``)."""
        return self.first is not None and self.last is not None and self.last - self.later_years >= self.first

    @property
    def earlier(self) -> tuple[int, int] | None:
        if not self.comparable:
            return None
        return cast(int, self.first), cast(int, self.last) - self.later_years

    @property
    def later(self) -> tuple[int, int] | None:
        if not self.comparable:
            return None
        return cast(int, self.last) - self.later_years + 1, cast(int, self.last)


def emerging_periods(selection: Selected, *, later_years: int = 3) -> PeriodSplit:
    """The periods :func:`emerging_routes` would compare for a selection, to ask before calling it whether
    the comparison is possible (:attr:`PeriodSplit.comparable`): a selection whose corridors span
    ``later_years`` years or fewer has no earlier period."""
    if later_years < 1:
        raise ParameterError(f"later_years must be at least 1, not {later_years}")
    return _period_split(corridor_yearly_counts(selection), later_years)


def _period_split(yearly: pl.DataFrame, later_years: int) -> PeriodSplit:
    if not yearly.height:
        return PeriodSplit(None, None, later_years)
    first, last = _year_span(yearly["year"])
    return PeriodSplit(first, last, later_years)


def emerging_routes(
    selection: Selected,
    *,
    later_years: int = 3,
    alpha: float = GROWTH_ALPHA,
    min_victims: int = 5,
    withheld_below: int | None = None,
    withheld: Collection[tuple[str, str]] = (),
) -> pl.DataFrame:
    """Corridors that grow or appear.

    ``growth``: a finite rate ratio above 1 with a Benjamini–Hochberg q-value below ``alpha``
    (:func:`corridor_trends`), in a corridor that is not new.
    ``new``: no victims at all in the earlier period (high bound 0), in breakdowns that show the corridor at 0
    in every earlier year the destination published one (:func:`_corridor_grid`: a citizenship absent from a
    partial list is not 0), and at least ``min_victims`` (low bound) in the later period, the last
    ``later_years`` years of the selection. ``reason`` is one of the two. A new corridor has no earlier rate to
    compare with: its rate ratio is infinite (null when it had too few victims or years for a trend), with no
    interval (the trend fitted through its zeros and later counts has a finite slope when the later victims
    span several years, Viet Nam → Belarus 1.52 (0.75 – 5.05), a shape of the fit, not a growth); its p- and
    q-values are the trend's.

    ``q_low`` and ``q_high`` bound each corridor's q-value whatever the p-values of the tested corridors whose
    statistics are withheld (:func:`benjamini_hochberg_bounds`): those with a year of exactly fewer than
    ``withheld_below`` victims (every corridor of records protected by cell key), or in ``withheld`` (origin
    and destination ISO3), and those whose being tested at all rests on such a year (:func:`_with_q_value_bounds`);
    the q-value itself when none is (null for a withheld corridor). A q-value is the
    least ``p · m / rank`` of the corridors ranked at or after it, and a rank counts the corridors before it: a
    q-value printed beside a withheld corridor can be its adjusted p-value, or move with its rank, and give its
    counts back (the real workbook at threshold 11: Afghanistan → Türkiye's 0.0020 was Indonesia → Türkiye's,
    and pinned its withheld 5 victims of 2021).

    Raises ``ParameterError`` when the selection's years leave no earlier period (``later_years`` years or
    fewer): :func:`emerging_periods` says beforehand whether the comparison is possible.
    """
    if later_years < 1:
        raise ParameterError(f"later_years must be at least 1, not {later_years}")
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be between 0 and 1, not {alpha}")
    grid = _corridor_grid(selection)
    yearly = grid.filter(pl.col("known")).drop("known")
    empty_schema = {**{k: pl.String for k in _KEYS}, "reason": pl.String}
    span = _period_split(yearly, later_years)
    if span.first is None or span.last is None:
        return pl.DataFrame(schema=empty_schema)
    if not span.comparable:
        raise ParameterError(
            f"no earlier period: the selection's years end at {span.last} and later_years={later_years}"
        )
    last, split = span.last, span.last - later_years + 1
    trends = _corridor_trends(yearly, min_victims=min_victims, min_years=MIN_TREND_YEARS)
    earlier = pl.col("year") < split
    periods = grid.group_by(_KEYS).agg(
        # "new" needs earlier years whose breakdowns show the corridor at 0: one absent from a partial list
        # (not known) may have had victims
        (earlier & pl.col("known")).sum().alias("earlier_known"),
        (earlier & ~pl.col("known")).sum().alias("earlier_unknown"),
        pl.col("victims_low").filter(pl.col("year") < split).sum().alias("earlier_low"),
        pl.col("victims_high").filter(pl.col("year") < split).sum().alias("earlier_high"),
        pl.col("victims_low").filter(pl.col("year") >= split).sum().alias("later_low"),
        pl.col("victims_high").filter(pl.col("year") >= split).sum().alias("later_high"),
        # the smallest count of a year counted exactly (not published as a range; null: none): a statistic of
        # the corridor's years can give it back
        pl.col("victims").filter(pl.col("victims") > 0).min().alias("smallest_exact"),
    )
    out = trends.join(periods, on=_KEYS, how="left").with_columns(
        # a trend needs victims in more than the last years: an infinite ratio (none before them) is an
        # appearance, "new" when the earlier years show the corridor at 0, never a growth rate (Thailand → Chile:
        # 16 in 2020 and none in 2008–2019 was "growing", p 4.9e-19)
        growth=(
            (pl.col("q_value") < alpha) & (pl.col("rate_ratio") > 1) & pl.col("rate_ratio").is_finite()
        ).fill_null(False),
        new=(
            (pl.col("earlier_high") == 0)
            & (pl.col("earlier_known") > 0)
            & (pl.col("earlier_unknown") == 0)
            & (pl.col("later_low") >= min_victims)
        ).fill_null(False),
    )
    out = _with_q_value_bounds(
        out,
        yearly,
        withheld_below=withheld_below,
        withheld=withheld,
        keyed=as_selection(selection).keyed,
        min_victims=min_victims,
    )
    new = pl.col("new")
    return (
        out.filter(pl.col("growth") | new)
        .with_columns(
            reason=pl.when(new).then(pl.lit("new")).otherwise(pl.lit("growth")),
            later_period=pl.lit(f"{split}-{last}"),
            # none before: the later rate over an earlier rate of 0, never a finite ratio beside "new"
            rate_ratio=pl.when(new & pl.col("rate_ratio").is_not_null())
            .then(pl.lit(math.inf))
            .otherwise(pl.col("rate_ratio")),
            ci_low=pl.when(new).then(None).otherwise(pl.col("ci_low")),
            ci_high=pl.when(new).then(None).otherwise(pl.col("ci_high")),
        )
        .select(
            *_KEYS,
            "reason",
            "later_period",
            "earlier_low",
            "earlier_high",
            "later_low",
            "later_high",
            "smallest_exact",
            "rate_ratio",
            "ci_low",
            "ci_high",
            "p_value",
            "q_value",
            "q_low",
            "q_high",
            "warnings",
        )
        .sort(["q_value", "later_low"], descending=[False, True], nulls_last=True)
    )


def _with_q_value_bounds(
    corridors: pl.DataFrame,
    yearly: pl.DataFrame,
    *,
    withheld_below: int | None,
    withheld: Collection[tuple[str, str]],
    keyed: bool,
    min_victims: int,
) -> pl.DataFrame:
    """``corridors`` (every corridor, its ``n_years``, ``p_value``, ``q_value`` and ``smallest_exact``) with
    ``q_low`` and ``q_high``: :func:`benjamini_hochberg_bounds` over the tested corridors (a q-value), those of
    :func:`emerging_routes`'s withheld statistics unknown.

    Whether a corridor is tested at all (at least ``min_victims``) can rest on its withheld years too: a
    corridor that a year of 1 would leave untested and one of 10 would have tested changes m, and every
    q-value with it (the real workbook, threshold 11: Angola → Namibia, none of it printed, moved the table
    with its year of 1 or 2 victims). Such a corridor enters the bounds as tested, its p-value unknown: set to
    1 it raises every q-value more than leaving it out does, set to 0 it lowers them more (p · (m + 1) / (rank
    + 1) ≤ p · m / rank), so the bounds hold either way and read neither."""
    hidden = set(withheld)
    if withheld_below is not None and not keyed:
        # the low bounds of a corridor's years other than those counted exactly below withheld_below, and how
        # many such years it has (each 1 to withheld_below − 1 whatever it is)
        protected = (pl.col("victims") > 0) & (pl.col("victims") < withheld_below)
        spans = yearly.group_by(_KEYS).agg(
            pl.col("victims_low").filter(~protected.fill_null(False)).sum().alias("_open_low"),
            protected.fill_null(False).sum().alias("_protected"),
        )
        corridors = corridors.join(spans, on=_KEYS, how="left").with_columns(
            _uncertain=(pl.col("n_years") >= MIN_TREND_YEARS)
            & (pl.col("_protected") > 0)
            & (pl.col("_open_low") + pl.col("_protected") < min_victims)
            & (pl.col("_open_low") + pl.col("_protected") * (withheld_below - 1) >= min_victims)
        )
        uncertain = corridors["_uncertain"].fill_null(False).to_numpy()
        corridors = corridors.drop("_open_low", "_protected", "_uncertain")
    else:
        uncertain = np.zeros(corridors.height, dtype=bool)
    keys = list(corridors.select(_KEYS).iter_rows())
    unknown = np.array(
        [
            key in hidden
            or (
                withheld_below is not None and (keyed or (smallest is not None and smallest < withheld_below))
            )
            for key, smallest in zip(keys, corridors["smallest_exact"], strict=True)
        ],
        dtype=bool,
    )
    tested = corridors["q_value"].is_not_null().to_numpy()
    family = tested | uncertain
    low = np.full(corridors.height, np.nan)
    high = np.full(corridors.height, np.nan)
    if family.any():
        # the p-values the correction ran over (:func:`_corridor_trends`: a failed fit enters as 1)
        p = corridors["p_value"].fill_null(1.0).to_numpy()[family]
        low[family], high[family] = benjamini_hochberg_bounds(p, (unknown | uncertain)[family])
    low[~tested] = high[~tested] = np.nan
    return corridors.with_columns(
        q_low=pl.Series(low, dtype=pl.Float64).fill_nan(None),
        q_high=pl.Series(high, dtype=pl.Float64).fill_nan(None),
    )


# -------------------------------------------------------------------------------------- networks of flows


def region_flows(flow_table: pl.DataFrame, level: RegionalLevel = "region") -> pl.DataFrame:
    """Victims from each origin region to each destination region (long form; a missing region is ``Unknown``).

    Columns: origin_<level>, destination_<level>, victims, victims_low, victims_high. ``victims`` is null where
    any flow of the pair is censored (never the sum of its exact parts); the bounds are always summed. Only
    region pairs with at least one flow are listed."""
    if level not in ("region", "subregion"):
        raise ParameterError(f"level must be 'region' or 'subregion', not {level!r}")
    origin, destination = f"origin_{level}", f"destination_{level}"
    _check_flow_table(
        flow_table, (origin, destination, "victims", "victims_low", "victims_high"), "region_flows"
    )
    return (
        flow_table.with_columns(pl.col(origin, destination).fill_null("Unknown"))
        .group_by(origin, destination)
        .agg(*censored_sum("victims", "victims_low", "victims_high"))
        .sort(origin, destination)
    )


def record_region_flows(selection: Selected, level: RegionalLevel = "region") -> pl.DataFrame:
    """Victims of a case selection from each region of origin to each region of destination, read from the
    records' own region columns, their countries known or not (a missing region is ``Unknown``).

    :func:`region_flows` sums a flow table, whose flows need both countries: CTDC's Victim–Perpetrator dataset
    gives no country at all, only the UN regions of citizenship and of exploitation as CTDC publishes them
    (``Africa``, ``Americas/Oceania``, ``Asia``, ``Europe``), so none of its 21,195 victims is on a flow while
    14,700 have both regions. Here they are. ``flow_class`` (:data:`RECORD_FLOW_CLASSES`): ``domestic`` where
    both countries are known and the same; ``transregional`` where the two regions differ; in one region,
    ``intraregional`` where both countries are known (and differ), else ``domestic_or_intraregional``: UNODC's
    intraregional flow is between two *different* countries of a region, and a victim of Europe exploited in
    Europe, countries unknown, may have been trafficked within one country (all 12,147 of the Victim–Perpetrator
    dataset's records in one region: none is intraregional for lack of countries); ``unknown`` where a region
    is missing. CTDC's own regions are not M49's (its ``Americas/Oceania`` is two M49 regions).
    Columns: origin_<level>, destination_<level>, flow_class, victims, victims_low, victims_high (equal: records
    are exact) and ``cell_key`` for keyed records; largest first. The indicator table has no such records:
    use :func:`region_flows` of :func:`flows`."""
    if level not in ("region", "subregion"):
        raise ParameterError(f"level must be 'region' or 'subregion', not {level!r}")
    selection = as_selection(selection)
    if selection.kind != "case":
        raise ParameterError(
            "record_region_flows reads victim records (a case table); for UNODC's country data use "
            "routes.region_flows(routes.flows(selection))"
        )
    origin, destination = f"origin_{level}", f"destination_{level}"
    same_country = (pl.col("origin_iso3") == pl.col("destination_iso3")).fill_null(False)
    both_countries = pl.col("origin_iso3").is_not_null() & pl.col("destination_iso3").is_not_null()
    flow_class = (
        pl.when(same_country)
        .then(pl.lit("domestic"))
        .when(pl.col(origin).is_null() | pl.col(destination).is_null())
        .then(pl.lit("unknown"))
        .when(pl.col(origin) != pl.col(destination))
        .then(pl.lit("transregional"))
        # one region, a country unknown: the same country (domestic) or two of the region (intraregional)
        .when(~both_countries)
        .then(pl.lit(DOMESTIC_OR_INTRAREGIONAL))
        .otherwise(pl.lit("intraregional"))
        .cast(pl.Enum(RECORD_FLOW_CLASSES))
    )
    out = (
        selection.frame.lazy()
        .filter(selection.where())
        # one context: the class reads the regions before their nulls read "Unknown"
        .with_columns(*[pl.col(c).fill_null("Unknown") for c in (origin, destination)], flow_class=flow_class)
        .group_by(origin, destination, "flow_class")
        .agg(*count_exprs(selection.keyed, "victims"))
        .with_columns(victims_low=pl.col("victims"), victims_high=pl.col("victims"))
        .collect(engine=IN_MEMORY)
    )
    return out.select(
        origin,
        destination,
        "flow_class",
        "victims",
        "victims_low",
        "victims_high",
        *([CELL_KEY] if CELL_KEY in out.columns else []),
    ).sort(["victims", origin, destination, "flow_class"], descending=[True, False, False, False])


def region_flow_matrix(
    flow_table: pl.DataFrame, level: RegionalLevel = "region", value: str = "victims"
) -> pl.DataFrame:
    """Origin region (rows) × destination region (columns) of victims; a missing region is ``Unknown``.

    ``value`` is ``victims`` (null where a censored cell contributes), ``victims_low`` or ``victims_high``: one
    matrix per measure (:func:`region_flows` has all three side by side). A region pair without any flow is 0."""
    _check_value(value)
    long = region_flows(flow_table, level).select(f"origin_{level}", f"destination_{level}", value)
    origin, destination = f"origin_{level}", f"destination_{level}"
    if not long.height:
        return pl.DataFrame(schema={origin: pl.String})
    grid = long.select(origin).unique().join(long.select(destination).unique(), how="cross")
    # the pivot's own fill would make a censored (null) sum look like an absent pair: mark absence first
    long = (
        grid.join(long.with_columns(_present=pl.lit(True)), on=[origin, destination], how="left")
        .with_columns(pl.when(pl.col("_present").is_null()).then(0).otherwise(pl.col(value)).alias(value))
        .drop("_present")
    )
    wide = long.pivot(on=destination, index=origin, values=value, sort_columns=True)
    return wide.sort(origin)


def hub_measures(flow_table: pl.DataFrame, value: str = "victims") -> pl.DataFrame:
    """Per country: in-strength and out-strength (victims in international flows into / out of it), in- and
    out-degree (number of partner countries), degree (distinct partners either way), and domestic victims.

    ``in_strength``, ``out_strength`` and ``domestic`` sum ``value`` (null when it is ``victims`` and a
    censored flow contributes); their ``_low`` and ``_high`` columns always carry the bounds. Sorted by total
    strength (point value: exact, else the midpoint of the bounds), largest first."""
    _check_value(value)
    _check_flow_table(
        flow_table,
        ("origin_iso3", "destination_iso3", "victims", "victims_low", "victims_high"),
        "hub_measures",
    )
    international = flow_table.filter(pl.col("origin_iso3") != pl.col("destination_iso3"))
    domestic_flows = flow_table.filter(pl.col("origin_iso3") == pl.col("destination_iso3"))
    bounds = ("", "_low", "_high")

    def strengths(name: str) -> list[pl.Expr]:
        columns = (value, "victims_low", "victims_high")
        return [strict_sum(column).alias(f"{name}{bound}") for column, bound in zip(columns, bounds)]

    def side(direction: str, key: str, partner: str) -> pl.DataFrame:
        return international.group_by(iso3=key).agg(
            *strengths(f"{direction}_strength"),
            pl.col(partner).n_unique().cast(pl.Int64).alias(f"{direction}_degree"),
            pl.col(partner).alias(f"_{direction}_partners"),
        )

    countries = pl.concat(
        [flow_table.select(iso3="origin_iso3"), flow_table.select(iso3="destination_iso3")]
    ).unique()
    out = (
        countries.join(side("in", "destination_iso3", "origin_iso3"), on="iso3", how="left")
        .join(side("out", "origin_iso3", "destination_iso3"), on="iso3", how="left")
        .join(
            domestic_flows.group_by(iso3="origin_iso3").agg(
                *strengths("domestic"), _has_domestic=pl.lit(True)
            ),
            on="iso3",
            how="left",
        )
    )
    presence = {"in_strength": "_in_partners", "out_strength": "_out_partners", "domestic": "_has_domestic"}
    out = out.with_columns(
        # a country without such flows has 0; a censored sum stays null (unknown), never 0
        *[
            pl.when(pl.col(flag).is_null())
            .then(0)
            .otherwise(pl.col(f"{measure}{bound}"))
            .alias(f"{measure}{bound}")
            for measure, flag in presence.items()
            for bound in bounds
        ],
        pl.col("in_degree", "out_degree").fill_null(0),
        degree=pl.concat_list(
            pl.col("_in_partners").fill_null(pl.lit([], pl.List(pl.String))),
            pl.col("_out_partners").fill_null(pl.lit([], pl.List(pl.String))),
        )
        .list.unique()
        .list.len()
        .cast(pl.Int64),
    )
    total_strength = point_expr("in_strength", "in_strength_low", "in_strength_high") + point_expr(
        "out_strength", "out_strength_low", "out_strength_high"
    )
    return out.sort([total_strength, "iso3"], descending=[True, False]).select(
        "iso3",
        "in_strength",
        "out_strength",
        "in_degree",
        "out_degree",
        "degree",
        "domestic",
        *[f"{measure}{bound}" for measure in presence for bound in bounds[1:]],
    )


def _check_flow_table(flow_table: object, needed: tuple[str, ...], function: str) -> None:
    """A clear error when ``flow_table`` is not a flow table (what :func:`flows` returns) with ``needed``."""
    if isinstance(flow_table, Selection | LoadedTable):
        raise ParameterError(f"{function} takes a flow table: give it routes.flows(selection)")
    if not isinstance(flow_table, pl.DataFrame):
        raise ParameterError(f"{function} takes a flow table (routes.flows), not {type(flow_table).__name__}")
    missing = [c for c in needed if c not in flow_table.columns]
    if missing:
        raise ParameterError(
            f"{function} takes a flow table (what routes.flows returns); this table has no "
            f"{', '.join(missing)}"
        )


def _check_value(value: str) -> None:
    if value not in ("victims", "victims_low", "victims_high"):
        raise ParameterError(f"value must be victims, victims_low or victims_high, not {value!r}")


def _year_span(years: pl.Series) -> tuple[int, int]:
    """The first and last year of a non-empty column of years."""
    first, last = years.cast(pl.Int64).min(), years.cast(pl.Int64).max()
    return int(cast(int, first)), int(cast(int, last))
