"""A country beside its peers on the cross-country panel, ready to print, with every value's source and year.

Used by ``evidence compare`` and the country brief. Light on purpose (polars and the disclosure rule only: no
charting library), so the command starts fast.

Disclosure: detected victims are counts of people. A count below the rule's threshold (and UNODC's ``<5``) is
shown as the rule's label; the rates computed from it would give it back (rate × population), so they are shown
only as an upper bound (``<0.0072``: what the threshold itself would give). Estimates (GSI), scores and tiers are
not counts of identified people and are shown as published.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl

from evidence.analyses.society import (
    DETECTED,
    DETECTED_PER_100K,
    DETECTION_GAP,
    ESTIMATED,
    MEASURES,
    POPULATION,
    PREVALENCE,
    RESPONSE,
    TIER,
    VULNERABILITY,
)
from evidence.presentation.disclosure import DEFAULT_RULE, DisclosureRule, range_text
from evidence.presentation.markup import significant_text

#: Short column headings for the comparison table.
SHORT_LABELS: dict[str, str] = {
    DETECTED: "Detected victims",
    DETECTED_PER_100K: "Detected per 100,000",
    ESTIMATED: "Estimated in modern slavery",
    PREVALENCE: "Prevalence per 1,000",
    VULNERABILITY: "Vulnerability (0–100)",
    RESPONSE: "Government response (%)",
    TIER: "TIP tier",
    DETECTION_GAP: "Detected per 1,000 estimated",
    POPULATION: "Population",
}
_RATES = {DETECTED_PER_100K: DETECTED, DETECTION_GAP: DETECTED}
NOT_AVAILABLE = "n/a"
#: Shown for detected victims (and their rates) of a country the UNODC data hold other figures for (by form,
#: sex or age) but no total: not "n/a", which says the country is not in the data.
NO_TOTAL = "no total"
#: What :data:`NO_TOTAL` means, under every table that shows it.
NO_TOTAL_NOTE = (
    f"{NO_TOTAL}: the UNODC data hold figures for the country (by form, sex, age or citizenship) but no total of "
    "detected victims."
)
#: Shown for the detection gap (detected per 1,000 estimated) of a country whose detected victims and estimate are
#: both in the data but whose latest detected victims are too many years from the estimate's to be set against
#: it (:func:`~evidence.analyses.society.near_estimate`): withheld by the brief's rule, not missing from the data.
NOT_COMPARED = "n/c"
#: Short source names for a table's source column (the full names and releases go in the note under it).
SOURCE_TAGS = {
    "unodc_glotip": "UNODC",
    "walkfree_gsi": "GSI",
    "us_tip_tiers": "US TIP",
    "derived": "UNODC / GSI",
}


def format_value(measure: str, value: float | None) -> str:
    """A panel value as a reader sees it (thousands separators; rates to three significant digits)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOT_AVAILABLE
    if measure in (DETECTED, ESTIMATED, POPULATION):
        return f"{round(value):,}"
    if measure in (PREVALENCE, VULNERABILITY, RESPONSE):
        return f"{value:,.2f}" if measure == PREVALENCE else f"{value:,.1f}"
    return significant_text(value)


def disclosed_comparison(compare: pl.DataFrame, rule: DisclosureRule = DEFAULT_RULE) -> pl.DataFrame:
    """:meth:`evidence.analyses.society.CountryPanel.compare`'s table with a ``display`` column (what may be
    published) and ``withheld`` (true where a small count, or a rate that would give it back, is hidden);
    ``value``, ``value_low`` and ``value_high`` are nulled where withheld."""
    detected_high: dict[str, float] = {}
    for row in compare.filter(pl.col("measure") == DETECTED).iter_rows(named=True):
        high = row["value_high"]
        if high is not None and rule.smallest_small <= high < rule.threshold:
            detected_high[row["iso3"]] = high
    rows = []
    for row in compare.iter_rows(named=True):
        measure, value = row["measure"], row["value"]
        small = row["iso3"] in detected_high
        withheld = False
        if measure == DETECTED and small:
            display, withheld = rule.label, True
        elif measure in _RATES and small and row["value_high"] is not None:
            # the rate of one victim (rate / count), times the threshold: an upper bound that says no more
            # than the count's label does
            bound = row["value_high"] / detected_high[row["iso3"]] * rule.threshold
            display, withheld = f"<{significant_text(bound)}", True
        elif measure == TIER:
            display = row["label"] or NOT_AVAILABLE
        elif measure == DETECTED and value is None and row["value_low"] is not None:
            # a range of counts, by the one rule of ranges (a low end below the threshold: "up to 12")
            display = range_text(round(row["value_low"]), round(row["value_high"]), rule)
        elif value is None and row["value_low"] is not None:
            display = f"{format_value(measure, row['value_low'])}–{format_value(measure, row['value_high'])}"
        else:
            display = format_value(measure, value)
        out = dict(row)
        if withheld:
            out.update(value=None, value_low=None, value_high=None)
        out.update(display=display, withheld=withheld)
        rows.append(out)
    schema = {**compare.schema, "display": pl.String(), "withheld": pl.Boolean()}
    return pl.DataFrame(rows, schema=schema)


def mark_missing_totals(disclosed: pl.DataFrame, reporting: Iterable[str]) -> pl.DataFrame:
    """:func:`disclosed_comparison` with :data:`NO_TOTAL` instead of ``n/a`` for the detected victims (and the
    rates made of them) of a country among ``reporting`` (the countries the UNODC data hold any figure for)
    that has no published total: "n/a" is left for a country that is not in the data."""
    reporting = set(reporting)
    no_total = {
        r["iso3"]
        for r in disclosed.filter(pl.col("measure") == DETECTED).iter_rows(named=True)
        if r["display"] == NOT_AVAILABLE and r["iso3"] in reporting
    }
    if not no_total:
        return disclosed
    return disclosed.with_columns(
        display=pl.when(
            pl.col("iso3").is_in(list(no_total))
            & pl.col("measure").is_in([DETECTED, *_RATES])
            & (pl.col("display") == NOT_AVAILABLE)
        )
        .then(pl.lit(NO_TOTAL))
        .otherwise(pl.col("display"))
    )


def mark_not_compared(disclosed: pl.DataFrame) -> pl.DataFrame:
    """:func:`disclosed_comparison` with :data:`NOT_COMPARED` instead of ``n/a`` for the detection gap of a
    country that has both detected victims and an estimate, but detected victims of a year too far from the
    estimate's (:func:`~evidence.analyses.society.near_estimate`): the rule withheld it, the data do not lack
    it."""
    from evidence.analyses.society import near_estimate

    def year_of(measure: str) -> dict[str, int]:
        rows = disclosed.filter((pl.col("measure") == measure) & pl.col("year").is_not_null())
        return dict(zip(rows["iso3"].to_list(), rows["year"].cast(pl.Int64).to_list(), strict=True))

    detected, estimated = year_of(DETECTED), year_of(ESTIMATED)
    far = [
        iso3
        for iso3, year in detected.items()
        if iso3 in estimated and not near_estimate(year, estimated[iso3])
    ]
    if not far:
        return disclosed
    return disclosed.with_columns(
        display=pl.when(
            pl.col("iso3").is_in(far)
            & (pl.col("measure") == DETECTION_GAP)
            & (pl.col("display") == NOT_AVAILABLE)
        )
        .then(pl.lit(NOT_COMPARED))
        .otherwise(pl.col("display"))
    )


def not_compared_note(max_gap: int, estimate_year: int | str | None = None) -> str:
    """The legend of :data:`NOT_COMPARED` (``estimate_year``: the GSI estimate year of the table, when known)."""
    of = f"the estimate's {estimate_year}" if estimate_year is not None else "the estimate's year"
    return (
        f"{NOT_COMPARED}: not compared, the country's latest detected victims (year in brackets) are more than "
        f"{max_gap} years from {of}."
    )


def missing_labels_note(disclosed: pl.DataFrame, max_gap: int | None = None) -> str | None:
    """What the labels of missing values mean, for those :func:`disclosed_comparison` rows use (after
    :func:`mark_missing_totals` and :func:`mark_not_compared`): :data:`NOT_AVAILABLE`, :data:`NO_TOTAL`,
    :data:`NOT_COMPARED`. The one legend of the brief's peers table and ``evidence compare``; None when none is
    used."""
    from evidence.analyses.society import MAX_YEARS_FROM_ESTIMATE

    used = set(disclosed["display"].to_list())
    parts = []
    if NOT_AVAILABLE in used:
        parts.append(f"{NOT_AVAILABLE}: not in the data.")
    if NO_TOTAL in used:
        parts.append(NO_TOTAL_NOTE)
    if NOT_COMPARED in used:
        estimated = disclosed.filter(pl.col("measure") == ESTIMATED)["year"].drop_nulls().unique()
        year = int(estimated[0]) if estimated.len() == 1 else None
        parts.append(not_compared_note(MAX_YEARS_FROM_ESTIMATE if max_gap is None else max_gap, year))
    return " ".join(parts) or None


def comparison_table(disclosed: pl.DataFrame) -> pl.DataFrame:
    """One row per measure, one column per country (the displayed value with its year in brackets), and the
    measure's source last, for a report or the terminal."""
    cells = disclosed.with_columns(
        cell=pl.when(pl.col("year").is_not_null() & (pl.col("display") != NOT_AVAILABLE))
        .then(pl.col("display") + " (" + pl.col("year").cast(pl.String) + ")")
        .otherwise(pl.col("display"))
    )
    measures = list(dict.fromkeys(cells["measure"].to_list()))
    countries = list(dict.fromkeys(cells["iso3"].to_list()))
    names = dict(zip(cells["iso3"].to_list(), cells["country"].to_list(), strict=True))
    sources = (
        cells.filter(pl.col("source_id").is_not_null())
        .group_by("measure", maintain_order=True)
        .agg(pl.col("source_id").first())
    )
    source_of = {
        m: SOURCE_TAGS.get(s, s)
        for m, s in zip(sources["measure"].to_list(), sources["source_id"].to_list(), strict=True)
    }
    lookup = {(r["iso3"], r["measure"]): r["cell"] for r in cells.iter_rows(named=True)}
    columns: dict[str, list[str]] = {"Measure": [SHORT_LABELS.get(m, m) for m in measures]}
    for iso3 in countries:
        columns[names[iso3] or iso3] = [lookup[(iso3, m)] for m in measures]
    columns["Source"] = [source_of.get(m, "") for m in measures]
    return pl.DataFrame(columns, schema={c: pl.String for c in columns})


def comparison_sources(disclosed: pl.DataFrame) -> list[str]:
    """The sources the shown values came from (each once), for the note under the table."""
    return [s for s in dict.fromkeys(disclosed["source"].drop_nulls().to_list()) if " and " not in s]


def comparison_json(disclosed: pl.DataFrame) -> list[dict[str, Any]]:
    """The comparison as JSON records: one per country, each measure with value, label, year, source and note.

    ``value`` has the shape of a count in every JSON document: a number; a ``[low, high]`` pair where only
    bounds are known (UNODC's ``<5`` cells); where withheld, the label the text shows in its place (``"<5"``,
    or ``"<0.0072"`` for a rate that would give a small count back); null where there is none."""
    out: list[dict[str, Any]] = []
    for (iso3,), rows in disclosed.group_by("iso3", maintain_order=True):
        first = rows.row(0, named=True)
        measures = {}
        for row in rows.iter_rows(named=True):
            measures[row["measure"]] = {
                "description": MEASURES.get(row["measure"], row["measure"]),
                "value": _json_value(row),
                "label": row["label"],
                "display": row["display"],
                "withheld": row["withheld"],
                "year": row["year"],
                "source": row["source"],
                "note": row["note"],
            }
        out.append({"iso3": iso3, "country": first["country"], "role": first["role"], "measures": measures})
    return out


def _json_value(row: dict[str, Any]) -> float | list[float | None] | str | None:
    """A measure's value for JSON (see :func:`comparison_json`)."""
    if row["withheld"]:
        return str(row["display"])
    if row["value"] is not None or row["value_low"] is None:
        return _clean(row["value"])
    low, high = _clean(row["value_low"]), _clean(row["value_high"])
    return low if low == high else [low, high]


def _clean(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), 8)


def comparison_by_country(disclosed: pl.DataFrame, measures: Sequence[str]) -> pl.DataFrame:
    """The comparison (:func:`disclosed_comparison`) as one row per country, the country first, and one column
    per measure (a page's width holds the measures, not a dozen countries), each value as published; the year
    of detected victims (and the rates made of them) and of the TIP tier in brackets, since they differ between
    countries (GSI figures are all for its estimate year, said under the table). A measure no country has is
    left out."""
    dated = {DETECTED, DETECTED_PER_100K, DETECTION_GAP, TIER}
    short_tier = pl.col("display").str.replace("Tier 2 Watch List", "Tier 2 WL", literal=True)
    disclosed = disclosed.with_columns(
        display=pl.when(pl.col("measure") == TIER).then(short_tier).otherwise(pl.col("display"))
    )
    cells = disclosed.with_columns(
        cell=pl.when(
            pl.col("measure").is_in(list(dated))
            & pl.col("year").is_not_null()
            & ~pl.col("display").is_in([NOT_AVAILABLE, NO_TOTAL, NOT_COMPARED])
        )
        .then(pl.col("display") + " (" + pl.col("year").cast(pl.String) + ")")
        .otherwise(pl.col("display"))
    )
    countries = list(dict.fromkeys(cells["iso3"].to_list()))
    names = dict(zip(cells["iso3"].to_list(), cells["country"].to_list(), strict=True))
    lookup = {(r["iso3"], r["measure"]): r["cell"] for r in cells.iter_rows(named=True)}
    columns: dict[str, list[str]] = {"Country": [names[c] or c for c in countries]}
    for measure in measures:
        columns[SHORT_LABELS.get(measure, measure)] = [
            lookup.get((c, measure), NOT_AVAILABLE) for c in countries
        ]
    # a measure no country has (TIP tiers when no tier file was given) is left out, not a column of n/a
    columns = {k: v for k, v in columns.items() if k == "Country" or any(c != NOT_AVAILABLE for c in v)}
    return pl.DataFrame(columns, schema={c: pl.String for c in columns})


def tier_age_note(disclosed: pl.DataFrame) -> str | None:
    """A note for under the comparison when the TIP tiers shown end years before its other figures (Kelley's
    coding ends with the 2015 report, the GSI's estimates refer to 2021): the last report year of the tiers
    shown, and how many years older it is than the latest year of the other values; None when the tiers are
    not older (or none is shown)."""
    shown = disclosed.filter(pl.col("year").is_not_null() & (pl.col("display") != NOT_AVAILABLE))
    tiers = shown.filter(pl.col("measure") == TIER)["year"]
    others = shown.filter(pl.col("measure") != TIER)["year"]
    if tiers.is_empty() or others.is_empty():
        return None
    last, other = int(tiers.max()), int(others.max())  # type: ignore[arg-type]
    if other <= last:
        return None
    gap = other - last
    return (
        f"TIP tiers: the tier data given end with the report of {last}, {gap} year{'s' if gap != 1 else ''} "
        f"before the latest of the other figures ({other}); a country's tier may have changed since."
    )


def comparison_kinds(measures: Sequence[str]) -> dict[str, str]:
    """What the numbers of each column of :func:`comparison_by_country` are, for the disclosure scan: detected
    victims are people, the tier a label, the rest statistics."""
    return {
        SHORT_LABELS.get(m, m): "people" if m == DETECTED else "label" if m == TIER else "statistic"
        for m in measures
    }
