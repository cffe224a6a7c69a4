"""Data-quality summaries of a case table: how complete each field is, overall, by year and by source type;
and the coverage of a country-level (indicator) table.

A flag group (forms of exploitation, means of control, ...) is *known* for a record when at least one of its
flags is true (CTDC's denominator rule: every flag 0 is unknown, also in a frame given as it is, not through a
loader), except a group answered by a "no" (:data:`ANSWERED_GROUPS`: an organisation's assistance, known where
any kind is answered); a single field is known when it is not null, a column holding several values
(``Female;Male``) when it names at least one. These are the denominators of
:func:`evidence.analyses.profiles.group_shares`: a field's known records here are its shares' ``n_known``. The flags an
organisation's records add to a CTDC group (forced criminality, fishing) count in that group, and the roles of the
perpetrators of the Victim–Perpetrator layout (``1`` or empty) are one group (:func:`completeness_groups`): a
flag that is ``1`` or empty is no field of its own, as its share of ``1`` is how common it is, not how complete.

A field is *collected* when the file's layout has it (:func:`layout_fields`, for CTDC's three layouts, whatever
one file of them holds: a k-anonymised file in which no record names a sector of labour collects the sector all
the same, and every record of it is unknown there), or, for a layout whose fields depend on the file (an
organisation's mapping), when some record has it. A field not collected is reported as such rather than as
100% missing. Counts of records of a table protected by cell key carry their cell keys (see
:mod:`evidence.analyses.selection`).
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from evidence.analyses.selection import (
    CELL_KEY,
    RECORD_CELL_KEY,
    STABLE_ID,
    Selection,
    as_selection,
)
from evidence.core.errors import ParameterError
from evidence.sources.case_mapping import EXTRA_FLAGS
from evidence.sources.case_schema import FLAG_GROUPS, MULTI_VALUED_COLUMNS, VALUE_SEPARATOR
from evidence.sources.loaded import LoadedTable

#: The fields whose completeness the summaries by year and by source show.
KEY_FIELDS = ("gender", "age_band", "origin_iso3", "destination_iso3", "exploitation")

#: The prefix of the assistance flags of an organisation's records (``assistance_shelter``).
ASSISTANCE_PREFIX = "assistance_"

#: Flag groups answered by a "no" (every flag false is known: no assistance given), not by CTDC's rule that a
#: record is known for a group only where one of its flags is true.
ANSWERED_GROUPS = frozenset({"assistance"})

#: The roles of the perpetrators in CTDC's Victim–Perpetrator layout ("Role: exploiter", ...; ``1`` or empty):
#: one group for completeness, known when one role is ``1``.
PERPETRATOR_ROLES = [
    "perpetrator_exploiter",
    "perpetrator_recruiter_broker",
    "perpetrator_transaction_process",
    "perpetrator_control_abuse_kidnap",
]

#: The fields as a researcher names them (the column's name follows in the tables, to find it in the data).
FIELD_NAMES = {
    "year": "year",
    "year_band": "year or band of years",
    "data_source_type": "source type",
    "gender": "sex",
    "age_band": "age",
    "majority_status": "minor or adult",
    "trafficking_duration": "time in trafficking",
    "origin_iso3": "citizenship",
    "origin_region": "citizenship: region",
    "origin_subregion": "citizenship: sub-region",
    "destination_iso3": "country of exploitation",
    "destination_region": "place of exploitation: region",
    "destination_subregion": "place of exploitation: sub-region",
    "transit_iso3": "transit countries",
    "referral_source": "referred by",
    "means_of_control": "means of control",
    "exploitation": "form of exploitation",
    "labour_sector": "sector of forced labour",
    "sexual_exploitation_type": "type of sexual exploitation",
    "recruiter_relation": "relation to the recruiter",
    "perpetrator_roles": "perpetrators' roles",
    "perpetrator_gender": "perpetrators' sex",
    "perpetrator_age_band": "perpetrators' age",
    "perpetrator_citizenship_region": "perpetrators' citizenship: region",
    "perpetrator_relation": "perpetrators' relation to the victim",
    "perpetrator_pay_money": "victim paid the perpetrators",
    "assistance": "assistance given",
}


#: The regions the loaders read from a country (a region of citizenship from the citizenship): region -> country.
REGION_OF = {
    f"{side}_{part}": f"{side}_iso3" for side in ("origin", "destination") for part in ("region", "subregion")
}


def field_name(field: str) -> str:
    """A field as a researcher reads it, with its column or group: ``citizenship (origin_iso3)``."""
    if field in FIELD_NAMES:
        name = FIELD_NAMES[field]
    else:
        name = field.replace("_", " ")
    return name if name == field else f"{name} ({field})"


def completeness_groups(columns: Collection[str] = ()) -> dict[str, list[str]]:
    """The flag groups of completeness: CTDC's (:data:`~evidence.sources.case_schema.FLAG_GROUPS`) with the
    flags an organisation's records add to them (forced criminality, fishing), the perpetrators' roles and,
    where ``columns`` (a table's) have them, the kinds of assistance of an organisation's records (known where
    any kind is answered: "N" to every kind is no assistance given, blanks to every kind unknown)."""
    groups = {name: list(flags) for name, flags in FLAG_GROUPS.items()}
    for flag, (group, _) in EXTRA_FLAGS.items():
        groups[group].append(flag)
    groups["perpetrator_roles"] = list(PERPETRATOR_ROLES)
    if assistance := [c for c in columns if c.startswith(ASSISTANCE_PREFIX)]:
        groups["assistance"] = assistance
    return groups


def known_expr(field: str, columns: list[str]) -> pl.Expr:
    """True where ``field`` (a column, or a flag group's name) is known for a record."""
    groups = completeness_groups(columns)
    if field in groups:
        flags = [c for c in groups[field] if c in columns]
        if not flags:
            return pl.lit(False)
        if field in ANSWERED_GROUPS:  # "N" to every kind of assistance is no assistance given: known
            return pl.any_horizontal([pl.col(c).is_not_null() for c in flags])
        # CTDC's denominator rule: all 0 is unknown. The loaders leave such a group null, but a frame given as
        # it is may hold its false flags: the record is unknown all the same, as the profiles count it
        return pl.any_horizontal([pl.col(c).fill_null(False) for c in flags])
    if field in MULTI_VALUED_COLUMNS:  # known where the cell names a value (not only separators or blanks)
        return (
            pl.col(field)
            .cast(pl.String)
            .str.split(VALUE_SEPARATOR)
            .list.eval(pl.element().str.strip_chars() != "")
            .list.any()
            .fill_null(False)
        )
    return pl.col(field).is_not_null()


def layout_fields(layout: str | None) -> frozenset[str] | None:
    """The fields (columns and flag groups) one of CTDC's layouts collects, whatever one file of it holds (a
    region is collected where the country is: it is read from it); None for a layout whose fields depend on the
    file (an organisation's mapping) or that the toolkit does not know."""
    from evidence.sources import ctdc

    places = {
        f"{side}_{part}" for side in ("origin", "destination") for part in ("iso3", "region", "subregion")
    }
    groups = completeness_groups()

    def groups_of(flags: set[str]) -> set[str]:
        return {name for name, columns in groups.items() if flags & set(columns)}

    k_anon_flags = {c for columns in ctdc.K_ANON_FLAGS.values() for c in columns}
    known: dict[str, set[str]] = {
        ctdc.GLOBAL_SYNTHETIC: {
            "year",
            "gender",
            "age_band",
            "majority_status",
            "trafficking_duration",
            *places,
        }
        | groups_of(set(ctdc.SYNTHETIC_FLAGS.values())),
        ctdc.K_ANONYMISED: {"year", "data_source_type", "gender", "age_band", "majority_status", *places}
        | groups_of(k_anon_flags),
        ctdc.VICTIM_PERPETRATOR: {
            "year",
            "year_band",
            "gender",
            "majority_status",
            "origin_region",
            "destination_region",
            *ctdc.VP_AS_PUBLISHED.values(),
        }
        | groups_of(set(ctdc.VP_FLAGS.values())),
    }
    return frozenset(known[layout]) if layout in known else None


def _records(table: Selection | LoadedTable | pl.DataFrame) -> pl.DataFrame:
    return as_selection(table).records()


def has_year_ranges(df: pl.DataFrame) -> bool:
    """Whether some records have a band of years (``2014-2018``) and no single year: their year is known as a
    range, not unknown."""
    return "year_band" in df.columns and bool(
        df.select((pl.col("year").is_null() & pl.col("year_band").is_not_null()).any()).item()
    )


def _fields(df: pl.DataFrame) -> list[str]:
    groups = completeness_groups(df.columns)
    grouped = {c for cols in groups.values() for c in cols}
    # the band is the year itself (``2019``) unless some records have a range only: then it is a field of its own
    skipped = {"source_row", RECORD_CELL_KEY, STABLE_ID} | (
        {"year_band"} if not has_year_ranges(df) else set()
    )
    singles = [c for c in df.columns if c not in grouped and c not in skipped]
    return singles + list(groups)


def field_completeness(table: Selection | LoadedTable | pl.DataFrame) -> pl.DataFrame:
    """Per field (column or flag group): records where known, share known, and whether the layout has it
    (:func:`layout_fields`; for a layout whose fields depend on the file, whether some record of the whole table
    has it: a selection of it in which no record has a field the file records knows it for none, 0%).

    A region read from a country (:data:`REGION_OF`) is compared with it record by record: ``country`` names the
    country's field, ``known_without_country`` counts the records with the region known and no country (a
    CTDC file of regions only, a split state such as Yugoslavia), ``country_without_known`` those with a country
    and no region; both 0: the region is known for exactly the country's records.

    Columns: field, known, records, share_known, collected, country, known_without_country,
    country_without_known (and known_key, records_key for keyed records)."""
    selection = as_selection(table)
    df = selection.records()
    loaded = selection.loaded
    by_layout = layout_fields(loaded.provenance.layout) if loaded is not None else None
    keyed = RECORD_CELL_KEY in df.columns
    fields = _fields(df)
    known = df.select([known_expr(f, df.columns).sum().alias(f) for f in fields]).row(0, named=True)
    # the file decides what is collected (a field some record of the table has), not the selection: a field
    # the file records is 0% known for a selection without it, never "not collected"
    whole = selection.frame
    collected = {f: _collected(whole, f) or (by_layout is not None and f in by_layout) for f in fields}
    out = pl.DataFrame(
        {
            "field": fields,
            "known": [int(known[f]) for f in fields],
            "records": [df.height] * len(fields),
            "share_known": [known[f] / df.height if df.height else None for f in fields],
            "collected": [collected[f] for f in fields],
        },
        schema={
            "field": pl.String,
            "known": pl.Int64,
            "records": pl.Int64,
            "share_known": pl.Float64,
            "collected": pl.Boolean,
        },
    )
    regions = [f for f in fields if f in REGION_OF and REGION_OF[f] in df.columns]
    apart = (
        df.select(
            *[
                (known_expr(f, df.columns) & pl.col(REGION_OF[f]).is_null()).sum().alias(f"{f}+")
                for f in regions
            ],
            *[
                (~known_expr(f, df.columns) & pl.col(REGION_OF[f]).is_not_null()).sum().alias(f"{f}-")
                for f in regions
            ],
        ).row(0, named=True)
        if regions
        else {}
    )
    out = out.with_columns(
        country=pl.Series([REGION_OF[f] if f in regions else None for f in fields], dtype=pl.String),
        known_without_country=pl.Series(
            [int(apart[f"{f}+"]) if f in regions else None for f in fields], dtype=pl.Int64
        ),
        country_without_known=pl.Series(
            [int(apart[f"{f}-"]) if f in regions else None for f in fields], dtype=pl.Int64
        ),
    )
    if not keyed:
        return out
    keys = df.select(
        [pl.col(RECORD_CELL_KEY).filter(known_expr(f, df.columns)).sum().alias(f) for f in fields]
    ).row(0, named=True)
    return out.with_columns(
        known_key=pl.Series([int(keys[f] or 0) for f in fields], dtype=pl.Int64),
        records_key=pl.lit(int(df[RECORD_CELL_KEY].sum() or 0), pl.Int64),
    )


def _collected(df: pl.DataFrame, field: str) -> bool:
    groups = completeness_groups(df.columns)
    if field in groups:
        flags = [c for c in groups[field] if c in df.columns]
        return any(df[c].null_count() < df.height for c in flags)
    return field in df.columns and df[field].null_count() < df.height


def completeness_by(
    table: Selection | LoadedTable | pl.DataFrame, by: str, fields: tuple[str, ...] = KEY_FIELDS
) -> pl.DataFrame:
    """Records and the share of them with each field known, per value of ``by`` (e.g. year, data source type).

    Columns: ``by``, records, then ``known_<field>`` (share) per field, then ``n_known_<field>`` (records with it
    known) per field (and ``cell_key`` of the records and ``n_known_<field>_key`` of those known, for keyed
    records); a null ``by`` is its own row."""
    df = _records(table)
    groups = completeness_groups(df.columns)
    if by in groups and by not in df.columns:
        raise ParameterError(
            f"completeness is broken down by a column (such as year or data_source_type), not by the flag group {by!r}"
        )
    for name in (by, *fields):
        if name not in df.columns and name not in groups:
            raise ParameterError(
                f"the case table has no field {name!r}: use a column such as year, data_source_type, gender or "
                f"age_band, or a flag group ({', '.join(groups)})"
            )
    keyed = RECORD_CELL_KEY in df.columns
    return (
        df.group_by(by)
        .agg(
            pl.len().alias("records"),
            *[known_expr(f, df.columns).mean().alias(f"known_{f}") for f in fields],
            *[known_expr(f, df.columns).sum().cast(pl.Int64).alias(f"n_known_{f}") for f in fields],
            *([pl.col(RECORD_CELL_KEY).sum().cast(pl.Int64).alias(CELL_KEY)] if keyed else []),
            *(
                [
                    pl.col(RECORD_CELL_KEY)
                    .filter(known_expr(f, df.columns))
                    .sum()
                    .cast(pl.Int64)
                    .alias(f"n_known_{f}_key")
                    for f in fields
                ]
                if keyed
                else []
            ),
        )
        .with_columns(pl.col("records").cast(pl.Int64))
        .sort(by, nulls_last=True)
    )


def indicator_coverage(data: LoadedTable | pl.DataFrame, by: str | list[str]) -> pl.DataFrame:
    """Coverage of a country-level (indicator) table per ``by``: countries reporting (those with a country
    code: a reporting area without one, such as a UNODC aggregate, is not counted as one more), values published
    (every one, an area's without a code too) and the share of them censored (``<5``). Counts of countries and
    values, not of victims.

    ``data``: the loaded indicator table or its frame. Columns: the ``by`` columns, countries, values,
    censored_share."""
    if isinstance(data, LoadedTable):
        kind, data = data.kind, data.data
    else:
        kind = "indicator" if {"iso3", "censored"} <= set(data.columns) else "other"
    if kind != "indicator":
        raise ParameterError(
            "indicator_coverage reads a country-level indicator table (UNODC GLOTIP), not victim records: "
            "for a case table use field_completeness or completeness_by"
        )
    keys = [by] if isinstance(by, str) else list(by)
    unknown = [k for k in keys if k not in data.columns]
    if unknown:
        raise ParameterError(
            f"the indicator table has no column {unknown[0]!r}: use columns such as year, iso3, indicator, "
            "dimension, sex or age"
        )
    return (
        data.group_by(keys)
        .agg(
            # an area without a country code (a UNODC aggregate, Sark) is no country: null is not counted
            pl.col("iso3").drop_nulls().n_unique().cast(pl.Int64).alias("countries"),
            pl.len().cast(pl.Int64).alias("values"),
            pl.col("censored").mean().alias("censored_share"),
        )
        .sort(keys)
    )


def breakdowns_naming_no_country(data: LoadedTable | pl.DataFrame) -> pl.DataFrame:
    """Per indicator and breakdown by country (UNODC's by citizenship, by country of repatriation), the countries
    that published it (as :func:`indicator_coverage` counts them) and how many of those published only rows that
    name no particular country ("Abroad", "Unknown", a string not mapped to one), with the years in which no row
    names one. Such a country is counted among those that published the breakdown, yet breaks nothing down by a
    country: 45 of the 187 of repatriation in the 2023 workbook, every row of 2003 and 2008 being "Abroad".

    ``data``: the loaded indicator table or its frame (with ``category_iso3``). Columns: indicator, dimension,
    countries, naming_no_country, years_naming_none (sorted list)."""
    from evidence.sources.unodc import COUNTRY_DIMENSIONS

    frame = data.data if isinstance(data, LoadedTable) else data
    # an area without a country code (a UNODC aggregate) is no country, as in indicator_coverage
    rows = frame.filter(pl.col("dimension").is_in(list(COUNTRY_DIMENSIONS)) & pl.col("iso3").is_not_null())
    names = pl.col("category_iso3").is_not_null()
    keys = ["indicator", "dimension"]
    per_country = rows.group_by([*keys, "iso3"]).agg(names.any().alias("names"))
    countries = per_country.group_by(keys).agg(
        pl.len().cast(pl.Int64).alias("countries"),
        (~pl.col("names")).sum().cast(pl.Int64).alias("naming_no_country"),
    )
    years = (
        rows.group_by([*keys, "year"])
        .agg(names.any().alias("names"))
        .filter(~pl.col("names"))
        .group_by(keys)
        .agg(pl.col("year").sort().alias("years_naming_none"))
    )
    return (
        countries.join(years, on=keys, how="left")
        .with_columns(pl.col("years_naming_none").fill_null(pl.lit([], dtype=pl.List(rows.schema["year"]))))
        .sort(keys)
    )


#: The measures of the Global Slavery Index whose coverage :func:`context_coverage` counts: column -> name.
GSI_MEASURES = {
    "estimated_number_in_modern_slavery": "Estimated number in modern slavery",
    "prevalence_per_1000": "Prevalence per 1,000",
    "vulnerability_total": "Vulnerability (total score)",
    "response_total": "Government response (total rating)",
}


def context_coverage(data: LoadedTable) -> pl.DataFrame:
    """Coverage of a table that gives context rather than victims, in countries (never people).

    Walk Free's GSI: per measure (:data:`GSI_MEASURES`), the countries listed and those with a value
    (columns measure, countries, with_value, without_value). US TIP tiers: per report year, the countries listed
    and those ranked in a tier (columns report_year, countries, ranked, not_ranked; a country listed but not ranked
    is a special case such as "not ranked")."""
    frame = data.data
    if data.kind == "gsi":
        rows = [
            (name, frame["iso3"].n_unique(), frame.filter(pl.col(column).is_not_null())["iso3"].n_unique())
            for column, name in GSI_MEASURES.items()
            if column in frame.columns
        ]
        return pl.DataFrame(
            rows, schema={"measure": pl.String, "countries": pl.Int64, "with_value": pl.Int64}, orient="row"
        ).with_columns(without_value=pl.col("countries") - pl.col("with_value"))
    if data.kind == "tier":
        return (
            frame.group_by("report_year")
            .agg(
                pl.col("iso3").n_unique().cast(pl.Int64).alias("countries"),
                pl.col("iso3").filter(pl.col("tier").is_not_null()).n_unique().cast(pl.Int64).alias("ranked"),
            )
            .with_columns(not_ranked=pl.col("countries") - pl.col("ranked"))
            .sort("report_year")
        )
    raise ParameterError(
        f"context_coverage reads Walk Free's GSI or US TIP tiers, not a {data.kind} table: for UNODC's country "
        "data use indicator_coverage, for victim records field_completeness"
    )


def misencoded_values(data: LoadedTable | pl.DataFrame) -> pl.DataFrame:
    """The text values of a loaded table that are mis-encoded in the publisher's file (a U+FFFD replacement
    character, where the file lost one; or UTF-8 read as Latin-1 / Windows-1252, ``Ã´``, ``â€™``:
    :func:`evidence.sources.unodc.is_misencoded`), per text column: ``column``, ``value`` (as loaded, never
    repaired) and ``rows``; most rows first. Empty when none is."""
    from evidence.sources.unodc import is_misencoded

    if isinstance(data, LoadedTable):
        data = data.data
    found: list[tuple[str, str, int]] = []
    for column, dtype in data.schema.items():
        if dtype != pl.String:
            continue
        counts = data.get_column(column).drop_nulls().value_counts()
        for value, rows in counts.iter_rows():
            if is_misencoded(value):
                found.append((column, value, int(rows)))
    frame = pl.DataFrame(
        found, schema={"column": pl.String, "value": pl.String, "rows": pl.Int64}, orient="row"
    )
    return frame.sort(["rows", "column", "value"], descending=[True, False, False])
