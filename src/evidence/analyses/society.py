"""Society, across countries: detected victims beside estimated prevalence, vulnerability and policy.

**The panel.** :func:`country_panel` brings together, for every country, the sources a user loaded:

* UNODC GLOTIP (indicator table): detected victims per year (Dimension, Sex and Age ``Total``). A censored cell
  (``<5``, or any ``<N``) keeps its bounds (1-4, 1 to N-1), its note saying both; a year a country did not report is missing, never 0.
* Walk Free GSI (the 2023 edition, or another with its summary layout): estimated number in modern slavery and prevalence per 1,000, the five vulnerability
  dimensions and their total, the government-response milestones and their total, and the population the GSI
  used (its own column). Estimates refer to the table's estimate year (2021 for the 2023 edition; empty when the
  file does not state it, :func:`gsi_edition_text`: then no detected victims are set against them by year).
* US TIP Report tiers: the placement in each report year (``value`` is the tier's rank, 1 = Tier 1,
  2 = Tier 2, 3 = Tier 2 Watch List, 4 = Tier 3; ``label`` names it).

and derives, for each year with detected victims, **detected per 100,000 population** and **detected per 1,000
estimated in modern slavery** (the *detection gap*: how many of those estimated to be in modern slavery
authorities detect). Both divide by the GSI's figures (of its estimate year); the ``note`` says so. The detection gap is given only
for years within :data:`MAX_YEARS_FROM_ESTIMATE` of the estimate's (:func:`near_estimate`, the one rule wherever
victims are set against the estimate): victims of 2015 say little about the people in modern slavery in 2021
(the 2023 edition's estimate year).

The panel is one tidy table (:data:`PANEL_SCHEMA`): one row per country, measure and year, with the value (and
its bounds), the source it came from and the year it refers to. :meth:`CountryPanel.latest` and
:meth:`CountryPanel.compare` read it for one country and its peers (the ``evidence compare`` command and the
country brief), :func:`detection_model` and :func:`tier_event_study` model it.

**Association, not cause.** Detected victims measure what authorities find as much as what happens: a country
that looks harder finds more. The models here say how detection *goes with* prevalence, government response and
vulnerability, and how it moves around a change of TIP tier; they do not say that one causes the other.
The government-response rating is no measure independent of detection either: Walk Free's rating itself rates
the identification of victims (:data:`RESPONSE_CAVEAT`, which the detection model's ``notes`` carry).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType  # what polars' own signatures take: a type or an instance

from evidence.analyses.count_models import captured_warnings, one_blas_thread, safe_exp
from evidence.analyses.intervals import censored_text_expr, check_level, clean_float, point_expr
from evidence.analyses.selection import DEFAULT_INDICATOR, built_once, check_country, kept_once_of
from evidence.core.errors import ParameterError
from evidence.core.text import level_text
from evidence.sources.loaded import LoadedTable
from evidence.sources.provenance import Provenance
from evidence.sources.tip import TIERS

# ------------------------------------------------------------------------------------------------ measures

DETECTED = "detected_victims"
POPULATION = "population"
ESTIMATED = "estimated_in_modern_slavery"
PREVALENCE = "prevalence_per_1000"
VULNERABILITY = "vulnerability_total"
RESPONSE = "response_total"
TIER = "tip_tier"
DETECTED_PER_100K = "detected_per_100k"
DETECTION_GAP = "detected_per_1000_estimated"

#: GSI column of the canonical GSI table -> panel measure (most keep their name).
_GSI_MEASURES: dict[str, str] = {
    "population": POPULATION,
    "estimated_number_in_modern_slavery": ESTIMATED,
    "prevalence_per_1000": PREVALENCE,
    "vulnerability_governance_issues": "vulnerability_governance_issues",
    "vulnerability_lack_of_basic_needs": "vulnerability_lack_of_basic_needs",
    "vulnerability_inequality": "vulnerability_inequality",
    "vulnerability_disenfranchised_groups": "vulnerability_disenfranchised_groups",
    "vulnerability_effects_of_conflict": "vulnerability_effects_of_conflict",
    "vulnerability_total": VULNERABILITY,
    "response_survivors_supported": "response_survivors_supported",
    "response_criminal_justice": "response_criminal_justice",
    "response_coordination": "response_coordination",
    "response_risk_factors": "response_risk_factors",
    "response_supply_chains": "response_supply_chains",
    "response_total": RESPONSE,
}

#: Every measure of the panel and what it is (for tables, JSON and the docs).
MEASURES: dict[str, str] = {
    DETECTED: "Detected victims (UNODC: all sexes and ages)",
    DETECTED_PER_100K: "Detected victims per 100,000 population",
    DETECTION_GAP: "Detected victims per 1,000 people estimated in modern slavery",
    ESTIMATED: "Estimated number of people in modern slavery (GSI)",
    PREVALENCE: "Estimated prevalence of modern slavery per 1,000 population (GSI)",
    POPULATION: "Population (as used by the GSI)",
    "vulnerability_governance_issues": "Vulnerability: governance issues (GSI, 0–100)",
    "vulnerability_lack_of_basic_needs": "Vulnerability: lack of basic needs (GSI, 0–100)",
    "vulnerability_inequality": "Vulnerability: inequality (GSI, 0–100)",
    "vulnerability_disenfranchised_groups": "Vulnerability: disenfranchised groups (GSI, 0–100)",
    "vulnerability_effects_of_conflict": "Vulnerability: effects of conflict (GSI, 0–100)",
    VULNERABILITY: "Vulnerability to modern slavery, total (GSI, 0–100)",
    "response_survivors_supported": "Government response: survivors identified and supported (GSI, %)",
    "response_criminal_justice": "Government response: criminal justice (GSI, %)",
    "response_coordination": "Government response: coordination (GSI, %)",
    "response_risk_factors": "Government response: risk factors addressed (GSI, %)",
    "response_supply_chains": "Government response: supply chains (GSI, %)",
    RESPONSE: "Government response rating, total (GSI, %)",
    TIER: "US TIP Report tier (1 = Tier 1, 2 = Tier 2, 3 = Tier 2 Watch List, 4 = Tier 3)",
}

#: What ``evidence compare`` and the country brief show for each country, in order.
COMPARE_MEASURES: tuple[str, ...] = (
    DETECTED,
    DETECTED_PER_100K,
    ESTIMATED,
    PREVALENCE,
    VULNERABILITY,
    RESPONSE,
    TIER,
    DETECTION_GAP,
)

#: How many years a yearly count of victims may lie from the GSI's estimate year to be set against the estimate
#: (the detection gap, the detection model, the country brief's orders of magnitude).
MAX_YEARS_FROM_ESTIMATE = 2


def near_estimate(year: Any, estimate_year: Any, *, max_gap: int = MAX_YEARS_FROM_ESTIMATE) -> Any:
    """Whether a count of ``year`` may be set against the estimate of ``estimate_year``: at most ``max_gap``
    years apart. Years are numbers (a bool back) or polars expressions (an expression back)."""
    return abs(year - estimate_year) <= max_gap


TIER_RANKS: dict[str, int] = {tier: rank for rank, tier in enumerate(TIERS, start=1)}  # 1 = Tier 1
#: A tier rank at or above this is on the lists that can bring sanctions (Watch List, Tier 3).
LISTED_RANK = 3

PANEL_SCHEMA: dict[str, PolarsDataType] = {
    "iso3": pl.String(),
    "country": pl.String(),  # the country reference's name (a published name where the reference has none)
    "measure": pl.String(),  # a key of MEASURES
    "year": pl.Int16(),  # the year the value refers to (TIP: the report year; GSI: the estimate year, null when not stated)
    "value": pl.Float64(),  # null when censored (UNODC <5) or not published
    "value_low": pl.Float64(),  # bounds: equal to value when exact
    "value_high": pl.Float64(),
    "label": pl.String(),  # the value in words where it is a category (TIP: "Tier 2 Watch List")
    "source": pl.String(),  # the source's name and release, for readers
    "source_id": pl.String(),  # the loader's source name (unodc_glotip, walkfree_gsi, us_tip_tiers)
    "note": pl.String(),  # how a derived value was computed (which years of which sources)
}

# --------------------------------------------------------------------------------------------- the panel


@dataclasses.dataclass(frozen=True)
class CountryPanel:
    """The cross-country panel (:data:`PANEL_SCHEMA`) and the provenance of the sources it holds."""

    frame: pl.DataFrame
    sources: tuple[Provenance, ...]
    indicator: str = DEFAULT_INDICATOR
    #: the year the GSI table's estimates refer to (:func:`gsi_estimate_year`), None when its file does not
    #: state it or the panel holds no GSI table
    gsi_year: int | None = None
    #: the countries the UNODC table holds any figure for, a total or not: one of them without a total of
    #: detected victims has "no total", not "not in the data" (Cambodia)
    reporting: frozenset[str] = frozenset()

    @property
    def source_ids(self) -> set[str]:
        """Which sources the panel holds (``unodc_glotip``, ``walkfree_gsi``, ``us_tip_tiers``)."""
        return {p.source for p in self.sources}

    @functools.cached_property
    def fingerprint(self) -> tuple[Any, ...]:
        """What the panel's models depend on: its sources' files, indicator and rows (a panel made again from
        the same files has the same fingerprint, so a warm kernel fits its models once for every brief)."""
        rows = int(self.frame.hash_rows(seed=0).sum()) if self.frame.height else 0
        files = tuple((p.source, p.sha256, p.release) for p in self.sources)
        return (files, self.indicator, self.frame.height, rows)

    @functools.cached_property
    def _tier_changes(self) -> pl.DataFrame:
        """:func:`tier_changes`, made once per panel (a function of its rows alone: a brief reads it for each
        event study it shows, and a warm kernel for every brief of the same panel)."""
        return _tier_changes(self)

    @property
    def countries(self) -> list[str]:
        """ISO3 codes of every country with at least one value."""
        return sorted(self.frame["iso3"].unique().to_list())

    def require(self, *source_ids: str, what: str) -> None:
        """A clear error when ``what`` needs a source the panel does not hold."""
        missing = [s for s in source_ids if s not in self.source_ids]
        if missing:
            names = ", ".join(SOURCE_HELP.get(s, s) for s in missing)
            raise ParameterError(f"{what} needs {names}; give the file(s) with --data (or EVIDENCE_DATA)")

    def measure(self, measure: str, *, countries: Sequence[str] | None = None) -> pl.DataFrame:
        """One measure's rows (every year), optionally for some countries only."""
        if measure not in MEASURES:
            raise ParameterError(f"unknown measure {measure!r}; known: {', '.join(MEASURES)}")
        rows = self.frame.filter(pl.col("measure") == measure)
        if countries is not None:
            rows = rows.filter(pl.col("iso3").is_in(_iso3_list(countries)))
        return rows

    def latest(
        self, measures: Sequence[str] = COMPARE_MEASURES, *, countries: Sequence[str] | None = None
    ) -> pl.DataFrame:
        """For each country and measure, the row of the latest year that holds a value (exact or censored).

        For detected victims (and the rates derived from them) that is the latest year for which UNODC
        publishes the country's total; for TIP, the latest report that ranked it.
        """
        _check_measures(measures)
        rows = self.frame.filter(pl.col("measure").is_in(list(measures)) & pl.col("value_high").is_not_null())
        if countries is not None:
            rows = rows.filter(pl.col("iso3").is_in(_iso3_list(countries)))
        return rows.sort("year").group_by("iso3", "measure", maintain_order=True).last()

    def compare(
        self,
        country: str,
        peers: Sequence[str] | None = None,
        measures: Sequence[str] = COMPARE_MEASURES,
    ) -> pl.DataFrame:
        """The country and its peers on ``measures``: one row per country and measure (latest year), in the
        order country first, then peers as given; a measure a country has no value for is a row with nulls
        (so a reader sees it is missing, not dropped). Peers default to :func:`default_peers`."""
        country = _iso3(country)
        peer_codes = default_peers(country) if peers is None else [_iso3(p) for p in peers]
        order = list(dict.fromkeys([country, *peer_codes]))
        latest = self.latest(measures, countries=order)
        grid = pl.DataFrame(
            {
                "iso3": [c for c in order for _ in measures],
                "measure": [m for _ in order for m in measures],
            }
        ).with_columns(
            _position=pl.int_range(pl.len()),
            role=pl.when(pl.col("iso3") == country).then(pl.lit("country")).otherwise(pl.lit("peer")),
        )
        out = grid.join(latest.drop("country"), on=["iso3", "measure"], how="left")
        names = _names(out["iso3"])
        return (
            out.sort("_position")
            .with_columns(country=names)
            .select("iso3", "country", "role", *[c for c in PANEL_SCHEMA if c not in ("iso3", "country")])
        )

    def wide(self, measures: Sequence[str], *, year: int | None = None) -> pl.DataFrame:
        """One row per country, one column per measure (point values: exact, else the interval midpoint),
        each measure at ``year`` or, with ``year=None``, at its latest year (a ``<measure>_year`` column
        says which)."""
        _check_measures(measures)
        rows = self.frame.filter(pl.col("measure").is_in(list(measures)))
        if year is not None:
            rows = rows.filter(pl.col("year") == year)
        rows = (
            rows.filter(pl.col("value_high").is_not_null())
            .sort("year")
            .group_by("iso3", "measure", maintain_order=True)
            .last()
        )
        values = rows.with_columns(point=point_expr("value", "value_low", "value_high"))
        wide = values.pivot(on="measure", index="iso3", values="point")
        years = values.pivot(on="measure", index="iso3", values="year")
        years = years.rename({m: f"{m}_year" for m in years.columns if m != "iso3"})
        out = wide.join(years, on="iso3", how="left")
        for m in measures:
            if m not in out.columns:
                out = out.with_columns(
                    pl.lit(None, pl.Float64).alias(m), pl.lit(None, pl.Int16).alias(f"{m}_year")
                )
        return out.select("iso3", *measures, *[f"{m}_year" for m in measures]).sort("iso3")


#: What each source of the panel is, for a reader told that it is missing.
SOURCE_HELP = {
    "unodc_glotip": "UNODC GLOTIP country data (data_glotip.xlsx; `evidence data fetch unodc-glotip`)",
    "walkfree_gsi": "a Walk Free Global Slavery Index workbook (its summary sheet, or that sheet as CSV)",
    "us_tip_tiers": "US TIP Report tier placements (a tier CSV)",
}


#: What is said of a GSI table whose file does not state the year its estimates refer to.
ESTIMATE_YEAR_NOT_STATED = "estimate year not stated"


def gsi_estimate_year(table: LoadedTable | CountryPanel) -> int | None:
    """The year a GSI table's estimates refer to (2021 for the 2023 edition); None when its file does not state
    it (an edition the loader does not know, or a file naming no edition). Of a panel: its GSI table's (None
    when it holds none)."""
    if isinstance(table, CountryPanel):
        return table.gsi_year
    years = table.data["estimate_year"].drop_nulls()
    return int(years.max()) if years.len() else None  # type: ignore[arg-type]


def gsi_edition_text(table: LoadedTable | CountryPanel) -> str:
    """The GSI table's edition and estimate year as a reader is told them, from what the loaded file states:
    "the Global Slavery Index 2023, estimates for 2021", "the Global Slavery Index 2025, estimate year not
    stated", "the Global Slavery Index, edition and estimate year not stated". Of a panel: its GSI table's."""
    from evidence.sources.metadata import UNKNOWN

    if isinstance(table, CountryPanel):
        provenance = next((p for p in table.sources if p.source == "walkfree_gsi"), None)
    else:
        provenance = table.provenance
    release = provenance.release if provenance is not None else None
    year = gsi_estimate_year(table)
    if provenance is not None and provenance.demo:  # invented figures: no edition of Walk Free's
        return "the demo data's GSI-layout figures (synthetic), " + (
            ESTIMATE_YEAR_NOT_STATED if year is None else f"estimates for {year}"
        )
    if not release or release == UNKNOWN:
        if year is None:
            return "the Global Slavery Index, edition and estimate year not stated"
        return f"the Global Slavery Index, edition not stated, estimates for {year}"
    return f"the Global Slavery Index {release}, " + (
        ESTIMATE_YEAR_NOT_STATED if year is None else f"estimates for {year}"
    )


def _iso3(value: str) -> str:
    iso3 = check_country(value)
    assert iso3 is not None
    return iso3


def _iso3_list(countries: Sequence[str]) -> list[str]:
    """Countries given by a user (ISO3 codes in any case, names) as ISO3 codes; one that names no country is a
    :class:`ParameterError` (never a silently empty selection)."""
    if isinstance(countries, str):
        countries = [countries]
    return [_iso3(c) for c in countries]


def _check_measures(measures: Sequence[str]) -> None:
    if isinstance(measures, str):
        raise ParameterError(f"give measures as a list, such as [{measures!r}]")
    unknown = [m for m in measures if m not in MEASURES]
    if unknown:
        raise ParameterError(f"unknown measure {unknown[0]!r}; known: {', '.join(MEASURES)}")


def _names(iso3: pl.Series) -> pl.Series:
    from evidence.sources.countries import name_of

    return pl.Series("country", [name_of(c) or c for c in iso3.to_list()], dtype=pl.String)


def peer_region(country: str) -> str | None:
    """The UN M49 region whose other countries are the country's default neighbours: its intermediate region
    where M49 has one (Western Africa, the Caribbean, Central America, South America...: a sub-region such as
    Sub-Saharan Africa or Latin America and the Caribbean spans a continent), else its sub-region
    (South-eastern Asia, Western Europe...); None for a country without one."""
    from evidence.sources.countries import country_table

    own = country_table().filter(pl.col("iso3") == _iso3(country))
    if not own.height:
        return None
    return own["intermediate_region"][0] or own["subregion"][0] or None


def default_peers(country: str) -> list[str]:
    """The country's neighbours for comparison: the other countries of its UN M49 intermediate region where
    it has one, else of its sub-region (:func:`peer_region`), in name order; empty for a country without one.
    Territories without data stay in the list: a table of them drops those no source holds a figure for
    (:func:`with_data`)."""
    from evidence.sources.countries import country_table

    country = _iso3(country)
    table = country_table()
    # a function of the reference table alone (loaded once): a brief asks for its country's peers three times
    kept = _PEERS.get(country)
    if kept is not None and kept[0] is table:
        return list(kept[1])
    peers = _default_peers_of(table, country)
    if len(_PEERS) >= _PEERS_KEPT:
        _PEERS.pop(next(iter(_PEERS), ""), None)
    _PEERS[country] = (table, tuple(peers))
    return peers


#: :func:`default_peers` by country: the reference table they were read from, and the peers.
_PEERS: dict[str, tuple[pl.DataFrame, tuple[str, ...]]] = {}
_PEERS_KEPT = 512


def _default_peers_of(table: pl.DataFrame, country: str) -> list[str]:
    own = table.filter(pl.col("iso3") == country)
    if not own.height:
        return []
    intermediate = own["intermediate_region"][0]
    column, region = (
        ("intermediate_region", intermediate) if intermediate else ("subregion", own["subregion"][0])
    )
    if not region:
        return []
    same = (pl.col(column) == region).fill_null(False)
    peers = table.filter(same & (pl.col("iso3") != country)).sort("name")
    return peers["iso3"].to_list()


def with_data(compared: pl.DataFrame, reporting: Iterable[str] = ()) -> tuple[pl.DataFrame, list[str]]:
    """:meth:`CountryPanel.compare`'s rows without the peers that no source holds any figure for (British
    Indian Ocean Territory, Saint Helena...: every measure missing, and not among ``reporting``, the countries
    the UNODC data hold any figure for, a total or not), and the names of those left out, in order. The
    country itself is always kept."""
    reporting = set(reporting)
    has_data = (
        compared.group_by("iso3")
        .agg(
            (
                (pl.col("value_high").is_not_null() | pl.col("label").is_not_null()).any()
                | (pl.col("role") == "country").any()
            ).alias("_any")
        )
        .filter(pl.col("_any") | pl.col("iso3").is_in(list(reporting)))["iso3"]
        .to_list()
    )
    kept = compared.filter(pl.col("iso3").is_in(has_data))
    dropped = list(dict.fromkeys(compared.filter(~pl.col("iso3").is_in(has_data))["country"].to_list()))
    return kept, dropped


#: GSI figures a country brief shows, and whether a higher value ranks first in the region (1 = highest).
GSI_PROFILE: tuple[tuple[str, str], ...] = (
    ("estimated_number_in_modern_slavery", "Estimated number of people in modern slavery"),
    ("prevalence_per_1000", "Estimated prevalence per 1,000 population"),
    ("vulnerability_total", "Vulnerability to modern slavery (0–100; higher: more vulnerable)"),
    ("response_total", "Government response rating (%; higher: stronger response)"),
)


def gsi_profile(table: LoadedTable, country: str) -> pl.DataFrame:
    """The country's GSI figures (:data:`GSI_PROFILE`) with its rank in its Walk Free region (1 = the highest
    value of the countries of the region assessed on that figure; ties share the best rank): columns measure,
    label, value, rank, ranked (countries of the region with a value), region, year; rank and ranked null when
    the edition gives no region. Empty when the GSI table does not assess the country."""
    if table.kind != "gsi":
        raise ParameterError(f"gsi_profile needs the GSI table, not a {table.kind} table")
    iso3 = _iso3(country)
    # read once per table's frame and country (a brief asks in its key figures, sources together and
    # estimates section); a copy each time, the kept frame intact
    return built_once(table.data, ("gsi_profile", iso3), lambda: _gsi_profile(table.data, iso3))


def _gsi_profile(frame: pl.DataFrame, iso3: str) -> pl.DataFrame:
    data = frame.filter(pl.col("iso3").is_not_null())
    own = data.filter(pl.col("iso3") == iso3)
    schema = {
        "measure": pl.String,
        "label": pl.String,
        "value": pl.Float64,
        "rank": pl.Int64,
        "ranked": pl.Int64,
        "region": pl.String,
        "year": pl.Int64,
    }
    if not own.height:
        return pl.DataFrame(schema=schema)
    region, year = own["region"][0], own["estimate_year"][0]
    rows: list[tuple[str, str, float | None, int | None, int | None, str | None, int | None]] = []
    for column, label in GSI_PROFILE:
        value = own[column][0]
        if (
            not region
        ):  # an edition without regions: no rank (a country alone in its "region" would be 1 of 1)
            rows.append((column, label, value, None, None, region, year))
            continue
        values = data.filter(pl.col("region") == region)[column].drop_nulls()
        rank = None if value is None else int((values > value).sum()) + 1
        rows.append((column, label, value, rank, values.len(), region, year))
    return pl.DataFrame(rows, schema=schema, orient="row")


def country_panel(
    tables: Iterable[LoadedTable] | LoadedTable,
    *,
    countries: Sequence[str] | None = None,
    indicator: str = DEFAULT_INDICATOR,
) -> CountryPanel:
    """The panel of every country from the loaded tables (or one of them): any mix of one UNODC indicator table,
    one GSI table and tier tables (several tier files are combined; for the same country and report year the file given
    later wins). Case tables are ignored (they are victims, not countries). ``countries`` keeps only those.

    Raises :class:`ParameterError` when none of the three sources is among ``tables``.

    Made once per tables (their frames, kinds and provenance), countries and indicator in a process: a brief
    asks for it twice, and each brief of a warm kernel's batch for the same one.
    """
    if isinstance(tables, LoadedTable):  # one table, as a researcher passes it: country_panel(unodc)
        tables = [tables]
    tables = list(tables)
    if not all(isinstance(t, LoadedTable) for t in tables):
        return _country_panel(tables, countries=countries, indicator=indicator)
    try:
        key = (
            "country_panel",
            tuple((t.kind, t.provenance) for t in tables),
            None if countries is None else tuple(countries),
            indicator,
        )
        hash(key)
    except TypeError:  # a provenance or country that cannot be a key: made each time
        return _country_panel(tables, countries=countries, indicator=indicator)
    kept = kept_once_of(
        [t.data for t in tables],
        key,
        lambda: _country_panel(tables, countries=countries, indicator=indicator),
    )
    # each caller its own frame (a clone costs nothing, its columns are shared): one changed in place changes
    # neither the kept panel nor the next brief's
    return dataclasses.replace(kept, frame=kept.frame.clone())


def _country_panel(
    tables: Sequence[object], *, countries: Sequence[str] | None, indicator: str
) -> CountryPanel:
    indicator_tables: list[LoadedTable] = []
    gsi_tables: list[LoadedTable] = []
    tier_tables: list[LoadedTable] = []
    for table in tables:
        if not isinstance(table, LoadedTable):
            raise ParameterError(
                f"country_panel takes loaded tables (evidence.sources.registry.load(path)), not "
                f"{type(table).__name__}"
            )
        {"indicator": indicator_tables, "gsi": gsi_tables, "tier": tier_tables}.get(table.kind, []).append(
            table
        )
    for kind, found in (("UNODC indicator", indicator_tables), ("GSI", gsi_tables)):
        if len(found) > 1:
            raise ParameterError(
                f"give one {kind} file, not {len(found)} ({', '.join(t.provenance.path for t in found)})"
            )
    if not (indicator_tables or gsi_tables or tier_tables):
        raise ParameterError(
            "the cross-country panel needs UNODC GLOTIP country data, the Walk Free GSI workbook or TIP tier "
            "placements; none of the files given is one of these"
        )
    parts: list[pl.DataFrame] = []
    detected = population = estimated = None
    if indicator_tables:
        detected = _detected(indicator_tables[0], indicator)
        parts.append(detected)
    if gsi_tables:
        gsi = _gsi(gsi_tables[0])
        parts.append(gsi)
        population = gsi.filter(pl.col("measure") == POPULATION)
        estimated = gsi.filter(pl.col("measure") == ESTIMATED)
    if tier_tables:
        parts.append(_tiers(tier_tables))
    if detected is not None and population is not None and estimated is not None:
        parts.append(_rate(detected, population, DETECTED_PER_100K, 100_000, "population"))
        # victims of a year far from the estimate's are not set against it
        near = detected.join(estimated.select("iso3", pl.col("year").alias("_estimate_year")), on="iso3")
        near = near.filter(near_estimate(pl.col("year"), pl.col("_estimate_year"))).drop("_estimate_year")
        parts.append(_rate(near, estimated, DETECTION_GAP, 1_000, "estimated number in modern slavery"))
    frame = pl.concat([p.select(list(PANEL_SCHEMA)).cast(PANEL_SCHEMA) for p in parts])  # type: ignore[arg-type]
    if countries is not None:
        frame = frame.filter(pl.col("iso3").is_in([_iso3(c) for c in countries]))
    frame = frame.with_columns(country=_names(frame["iso3"])).sort("iso3", "measure", "year")
    sources = tuple(t.provenance for t in [*indicator_tables, *gsi_tables, *tier_tables])
    gsi_year = gsi_estimate_year(gsi_tables[0]) if gsi_tables else None
    reporting = (
        frozenset(indicator_tables[0].data["iso3"].drop_nulls().unique()) if indicator_tables else frozenset()
    )
    return CountryPanel(
        frame=frame, sources=sources, indicator=indicator, gsi_year=gsi_year, reporting=reporting
    )


def _with_source(frame: pl.DataFrame, provenance: Provenance) -> pl.DataFrame:
    return frame.with_columns(
        source=pl.lit(provenance.label),
        source_id=pl.lit(provenance.source),
        country=pl.lit(None, pl.String),
    )


def _detected(table: LoadedTable, indicator: str) -> pl.DataFrame:
    """Detected victims per country and year: the Total dimension, all sexes and ages; aggregates (UNODC's
    regional codes, iso3 null) left out."""
    df = table.data
    rows = df.filter(
        (pl.col("indicator") == indicator)
        & (pl.col("dimension") == "Total")
        & (pl.col("sex") == "Total")
        & (pl.col("age") == "Total")
        & pl.col("iso3").is_not_null()
        & pl.col("year").is_not_null()
    )
    if not rows.height and df.height:
        known = ", ".join(sorted(df["indicator"].drop_nulls().unique().to_list())[:8])
        raise ParameterError(f"the UNODC table has no {indicator!r} totals (it has: {known})")
    # one value per country and year; a release that repeats a cell keeps its first (the loader flags repeats)
    rows = rows.sort("source_row").unique(["iso3", "year"], keep="first", maintain_order=True)
    out = rows.select(
        "iso3",
        pl.lit(DETECTED).alias("measure"),
        "year",
        "value",
        "value_low",
        "value_high",
        pl.lit(None, pl.String).alias("label"),
        # what was published and how it is read: a <10 cell is 1 to 9, not "<5 (1 to 4)"
        pl.when(pl.col("censored")).then(censored_text_expr("value_low", "value_high")).alias("note"),
    )
    return _with_source(out, table.provenance)


def _gsi(table: LoadedTable) -> pl.DataFrame:
    df = table.data.filter(pl.col("iso3").is_not_null())
    long = df.unpivot(
        index=["iso3", "estimate_year"], on=list(_GSI_MEASURES), variable_name="column", value_name="value"
    ).filter(pl.col("value").is_not_null())
    out = long.select(
        "iso3",
        pl.col("column").replace_strict(_GSI_MEASURES, return_dtype=pl.String).alias("measure"),
        pl.col("estimate_year").alias("year"),
        "value",
        pl.col("value").alias("value_low"),
        pl.col("value").alias("value_high"),
        pl.lit(None, pl.String).alias("label"),
        pl.lit(None, pl.String).alias("note"),
    )
    return _with_source(out, table.provenance)


def tier_rank_expr(tier: str | pl.Expr = "tier") -> pl.Expr:
    """The rank of a TIP tier (1 = Tier 1 … 4 = Tier 3), null when not ranked."""
    expr = pl.col(tier) if isinstance(tier, str) else tier
    return expr.cast(pl.String).replace_strict(TIER_RANKS, default=None, return_dtype=pl.Float64)


def _tiers(tables: list[LoadedTable]) -> pl.DataFrame:
    frames = [
        t.data.filter(pl.col("tier").is_not_null()).select(
            "iso3",
            "report_year",
            pl.col("tier").cast(pl.String),
            pl.lit(i).alias("_order"),
            pl.lit(t.provenance.label).alias("source"),
            pl.lit(t.provenance.source).alias("source_id"),
        )
        for i, t in enumerate(tables)
    ]
    placements = (
        pl.concat(frames).sort("_order").unique(["iso3", "report_year"], keep="last", maintain_order=True)
    )
    return placements.select(
        "iso3",
        pl.lit(TIER).alias("measure"),
        pl.col("report_year").alias("year"),
        tier_rank_expr().alias("value"),
        tier_rank_expr().alias("value_low"),
        tier_rank_expr().alias("value_high"),
        pl.col("tier").alias("label"),
        pl.lit(None, pl.String).alias("note"),
        "source",
        "source_id",
        pl.lit(None, pl.String).alias("country"),
    )


def _check_identified(X: np.ndarray, n_times: int, params: np.ndarray, ci: np.ndarray) -> None:
    """Raise (a numerical failure, :func:`fitted_or_refused`) when an event-time ratio is not determined by the
    data: its column a combination of the country and year dummies (a rank-deficient design, whose minimum-norm
    fit gives it an arbitrary value), or its estimate or interval not finite (a singular clustered covariance:
    NaN intervals, which a chart draws as nothing). Ten countries with five upgrades gave both, and were shown."""
    # identification first: an unidentified ratio's interval is finite or not by the machine's rounding (BLAS)
    if n_times and np.linalg.matrix_rank(X) < X.shape[1]:
        # a coefficient is identified when its unit vector lies in the row space of X: (X⁺X) e_j = e_j
        projection = np.linalg.pinv(X) @ X
        if not np.allclose(projection[:, :n_times], np.eye(X.shape[1])[:, :n_times], atol=1e-8):
            raise np.linalg.LinAlgError(
                "an event-time ratio is not determined by the data (its years are explained by the country and "
                "year effects)"
            )
    if n_times and not (
        np.all(np.isfinite(params)) and np.all(np.isfinite(ci)) and np.all(np.abs(ci) <= 700.0)
    ):
        raise np.linalg.LinAlgError(
            "an event-time ratio has no finite interval (too few countries and years)"
        )


def _rate(
    detected: pl.DataFrame, denominator: pl.DataFrame, measure: str, per: int, what: str
) -> pl.DataFrame:
    """detected / denominator × per, for every year with detected victims (bounds carried through)."""
    base = denominator.filter(pl.col("value") > 0).select(
        "iso3",
        pl.col("value").alias("_denominator"),
        pl.col("year").alias("_denominator_year"),
        pl.col("source").alias("_denominator_source"),
    )
    joined = detected.join(base, on="iso3", how="inner")
    scale = pl.lit(float(per)) / pl.col("_denominator")
    note = pl.format(
        "detected victims {} ({}) per {} {} {} ({})",
        pl.col("year"),
        pl.col("source"),
        pl.lit(f"{per:,}"),
        pl.lit(what),
        pl.col("_denominator_year"),
        pl.col("_denominator_source"),
    )
    return joined.select(
        "iso3",
        pl.lit(measure).alias("measure"),
        "year",
        (pl.col("value") * scale).alias("value"),
        (pl.col("value_low") * scale).alias("value_low"),
        (pl.col("value_high") * scale).alias("value_high"),
        pl.lit(None, pl.String).alias("label"),
        pl.when(pl.col("note").is_not_null())
        .then(note + "; " + pl.col("note"))
        .otherwise(note)
        .alias("note"),
        (pl.col("source") + " and " + pl.col("_denominator_source")).alias("source"),
        pl.lit("derived").alias("source_id"),
        pl.lit(None, pl.String).alias("country"),
    )


# ------------------------------------------------------------------------------- detection and prevalence


@dataclasses.dataclass(frozen=True)
class ModelTerm:
    """One explanatory variable of :func:`detection_model`: the rate ratio for the stated change."""

    term: str
    change: str  # what the ratio is for, e.g. "prevalence doubled"
    rate_ratio: float
    ci_low: float
    ci_high: float
    p_value: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "change": self.change,
            "rate_ratio": clean_float(self.rate_ratio),
            "ci_low": clean_float(self.ci_low),
            "ci_high": clean_float(self.ci_high),
            "p_value": clean_float(self.p_value, 8),
        }


@dataclasses.dataclass(frozen=True)
class DetectionModel:
    """How detected victims per population go with prevalence, government response and vulnerability."""

    terms: tuple[ModelTerm, ...]
    data: pl.DataFrame  # the countries used: iso3, year, detected, population, and the predictors
    excluded: dict[str, tuple[str, ...]]  # reason -> ISO3 codes left out
    cov_type: str
    level: float
    year_window: tuple[int, int]
    low_bound: tuple[ModelTerm, ...] | None  # refitted on the low bounds of censored counts
    high_bound: tuple[ModelTerm, ...] | None
    warnings: tuple[str, ...] = ()
    #: what a reader must know to read the terms (:data:`RESPONSE_CAVEAT` when the response rating is one)
    notes: tuple[str, ...] = ()

    @property
    def n_countries(self) -> int:
        return self.data.height

    def frame(self) -> pl.DataFrame:
        """The terms as a table."""
        return pl.DataFrame([dataclasses.asdict(t) for t in self.terms])

    def sentences(
        self, mark: Callable[[int], str] = str, ratio_text: Callable[[float], str] = "{:.2f}".format
    ) -> list[str]:
        """One sentence per term, worded as association (the interval says whether the data show one); the
        model's unit ("10 points") written by ``mark``, so that a caller can say it is no count of people, and
        its rate ratios by ``ratio_text`` (as the caller's table writes them)."""
        out = []
        for t in self.terms:
            change = change_text(t.term, mark) if t.term in _CHANGES else t.change
            clear = not (t.ci_low <= 1 <= t.ci_high)
            ratio = (
                f"{ratio_text(t.rate_ratio)} ({level_text(self.level)} interval {ratio_text(t.ci_low)}–"
                f"{ratio_text(t.ci_high)})"
            )
            if clear:
                direction = "more" if t.rate_ratio > 1 else "fewer"
                sentence = (
                    f"Where {change}, countries detected {direction} victims per population, other things "
                    f"in the model equal: a rate ratio of {ratio}. An association, not a cause."
                )
            else:
                sentence = (
                    f"The data show no clear association between {_TERM_NAMES.get(t.term, t.term)} and "
                    f"detected victims per population (rate ratio {ratio} where {change})."
                )
            if t.term == RESPONSE:
                sentence += f" {RESPONSE_CIRCULAR}"
            out.append(sentence)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "Poisson pseudo-maximum likelihood, log link, offset log(population)",
            "outcome": "detected victims (UNODC) per population (GSI)",
            "cov_type": self.cov_type,
            "level": self.level,
            "year_window": list(self.year_window),
            "n_countries": self.n_countries,
            "terms": [t.to_dict() for t in self.terms],
            "low_bound": [t.to_dict() for t in self.low_bound] if self.low_bound else None,
            "high_bound": [t.to_dict() for t in self.high_bound] if self.high_bound else None,
            "excluded": {k: list(v) for k, v in self.excluded.items()},
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }


#: What the GSI's government-response rating rates, in Walk Free's own words (the "Govt response framework" sheet
#: of the Global Slavery Index 2023 workbook: its first milestone's name, three of its activities and its negative
#: indicator, quoted as written): the rating partly rates victim identification, so its association with
#: *detected* victims can be circular. Said wherever the detection model is (its ``notes``, the brief).
RESPONSE_CAVEAT = (
    "The government-response rating partly rates the identification of victims itself. In Walk Free's framework "
    "for the Global Slavery Index 2023, its first milestone is \u201cSurvivors of slavery are identified and "
    "supported to exit and remain out of modern slavery\u201d: it rates whether \u201cFront-line police know what "
    "modern slavery is and how to identify victims\u201d, whether \u201cFirst responders know what modern slavery "
    "is and how to identify victims\u201d and whether \u201cIdentification guidelines are used by all first "
    "responders\u201d, and it marks a country down where \u201cThere is evidence that victims of modern slavery "
    "have NOT been identified\u201d (authorities, NGOs or international organisations \u201chave not identified "
    "any victims of modern slavery between 15 February 2019 and 31 August 2022\u201d). A country that detects more "
    "victims can rate higher for detecting them: the association between the rating and detected victims can be "
    "partly circular, and does not show that a stronger response finds more victims."
)
#: The short form of :data:`RESPONSE_CAVEAT`, after the response term's sentence.
RESPONSE_CIRCULAR = (
    "Part of this association can be circular: the rating itself partly rates the identification of victims."
)

_TERM_NAMES = {
    PREVALENCE: "estimated prevalence",
    RESPONSE: "the government-response rating",
    VULNERABILITY: "vulnerability",
}

#: The step of a ``per10`` predictor: a rate ratio is for a change of this many points of its scale.
PER10_STEP = 10
#: What a rate ratio of each predictor is for, with ``{step}`` where the model's unit goes (a number of points
#: of a 0-100 scale, never a count of people: :meth:`DetectionModel.sentences` lets the caller mark it).
_CHANGES = {
    PREVALENCE: "estimated prevalence is twice as high",
    RESPONSE: "the government-response rating is {step} points higher",
    VULNERABILITY: "the vulnerability score is {step} points higher",
}


def change_text(term: str, mark: Callable[[int], str] = str) -> str:
    """What a rate ratio of ``term`` is for, its step written by ``mark`` (e.g. a number marked as a
    parameter, so that "10 points" is not read as 10 people)."""
    return _CHANGES[term].format(step=mark(PER10_STEP))


#: Predictors of :func:`detection_model`: (name, how it enters the model, what a rate ratio is for).
DETECTION_PREDICTORS: tuple[tuple[str, str, str], ...] = (
    (PREVALENCE, "log2", change_text(PREVALENCE)),
    (RESPONSE, "per10", change_text(RESPONSE)),
    (VULNERABILITY, "per10", change_text(VULNERABILITY)),
)


def detection_design(
    panel: CountryPanel, *, max_gap: int = MAX_YEARS_FROM_ESTIMATE
) -> tuple[pl.DataFrame, dict[str, tuple[str, ...]]]:
    """The countries :func:`detection_model` uses, and those it leaves out (by reason).

    Detected victims are taken in the year closest to the GSI estimate year (2021 for the 2023 edition; refused when not stated) within ``max_gap`` years
    (the later of two equally close years); predictors and population from the GSI. Columns: iso3, year,
    detected (point: exact, else the midpoint of ``<5``), detected_low, detected_high, population and the
    predictors.
    """
    panel.require("unodc_glotip", "walkfree_gsi", what="the detection model")
    gsi_year = _gsi_year(panel)
    window = (gsi_year - max_gap, gsi_year + max_gap)
    detected = (
        panel.measure(DETECTED)
        .filter(near_estimate(pl.col("year"), gsi_year, max_gap=max_gap) & pl.col("value_high").is_not_null())
        .with_columns(_distance=(pl.col("year") - gsi_year).abs())
        .sort(["iso3", "_distance", "year"], descending=[False, False, True])
        .unique("iso3", keep="first", maintain_order=True)
        .select(
            "iso3",
            "year",
            point_expr("value", "value_low", "value_high").alias("detected"),
            pl.col("value_low").alias("detected_low"),
            pl.col("value_high").alias("detected_high"),
        )
    )
    names = [POPULATION, *(p for p, _, _ in DETECTION_PREDICTORS)]
    gsi = panel.wide(names)
    assessed = set(gsi["iso3"].to_list())
    in_window = set(detected["iso3"].to_list())
    everyone = set(panel.measure(DETECTED)["iso3"].to_list()) | assessed
    data = detected.join(gsi.select("iso3", *names), on="iso3", how="inner")
    complete = (
        pl.all_horizontal(pl.col(n).is_not_null() for n in names)
        & (pl.col(PREVALENCE) > 0)
        & (pl.col(POPULATION) > 0)
    )
    used = data.filter(complete).sort("iso3")
    excluded = {
        "not assessed by the GSI": tuple(sorted(everyone - assessed)),
        f"no detected victims published for {window[0]}-{window[1]}": tuple(sorted(assessed - in_window)),
        "a GSI figure missing (population, prevalence, response or vulnerability)": tuple(
            sorted(data.filter(~complete)["iso3"].to_list())
        ),
    }
    return used, {k: v for k, v in excluded.items() if v}


def _gsi_year(panel: CountryPanel) -> int:
    prevalence = panel.measure(PREVALENCE)
    if prevalence.is_empty():
        raise ParameterError("the GSI table has no prevalence estimates")
    years = prevalence["year"].drop_nulls()
    if years.is_empty():
        raise ParameterError(
            "the GSI table does not state the year its estimates refer to: "
            "detected victims cannot be set against them"
        )
    return int(years.max())  # type: ignore[arg-type]


def _predictor_matrix(data: pl.DataFrame) -> tuple[np.ndarray, list[str]]:
    columns, names = [np.ones(data.height)], ["const"]
    for name, transform, _ in DETECTION_PREDICTORS:
        x = data[name].to_numpy().astype(float)
        columns.append(np.log2(x) if transform == "log2" else x / float(PER10_STEP))
        names.append(name)
    return np.column_stack(columns), names


#: Models fitted in this process, by what they depend on (:attr:`CountryPanel.fingerprint` and their options):
#: every country's brief of a batch reads the same cross-country models.
_FITTED: dict[tuple[Any, ...], Any] = {}
_FITTED_KEPT = 16


def _remembered(key: tuple[Any, ...], fit: Any) -> Any:
    if key not in _FITTED:
        if len(_FITTED) >= _FITTED_KEPT:
            _FITTED.pop(next(iter(_FITTED)))
        _FITTED[key] = fit()
    return _FITTED[key]


def detection_model(
    panel: CountryPanel, *, max_gap: int = MAX_YEARS_FROM_ESTIMATE, cov_type: str = "HC1", level: float = 0.95
) -> DetectionModel:
    """How detected victims per population go with estimated prevalence, government response and vulnerability,
    across countries (one country, one observation; see :func:`detection_design`).

    Model: Poisson pseudo-maximum likelihood (a GLM with log link and offset log population), so that countries
    with few detected victims keep their weight and the coefficients are rate ratios; intervals from the
    heteroskedasticity-robust (``cov_type``, HC1 by default) covariance, which does not assume Poisson
    variance. Prevalence enters as log2 (the ratio is for a doubling), the two scores per 10 points. Censored
    counts use the midpoint; when any is censored the model is refitted on the low and on the high bounds.
    A model fitted before in this process on the same panel is not fitted again.
    """
    level = check_level(level)
    key = ("detection", panel.fingerprint, max_gap, cov_type, level)
    fitted: DetectionModel = _remembered(key, lambda: _detection_model(panel, max_gap, cov_type, level))
    return fitted


def _detection_model(panel: CountryPanel, max_gap: int, cov_type: str, level: float) -> DetectionModel:
    data, excluded = detection_design(panel, max_gap=max_gap)
    if data.height <= len(DETECTION_PREDICTORS) + 1:
        raise ParameterError(
            f"only {data.height} countries have detected victims and every GSI figure: too few for the model"
        )
    X, _ = _predictor_matrix(data)
    offset = np.log(data[POPULATION].to_numpy().astype(float))
    notes: list[str] = []
    terms = _fit_rate_ratios(data["detected"].to_numpy(), X, offset, cov_type, level, notes)
    low = high = None
    if (data["detected_low"] != data["detected_high"]).any():
        low = _fit_rate_ratios(data["detected_low"].to_numpy(), X, offset, cov_type, level, notes)
        high = _fit_rate_ratios(data["detected_high"].to_numpy(), X, offset, cov_type, level, notes)
    gsi_year = _gsi_year(panel)
    return DetectionModel(
        terms=terms,
        data=data,
        excluded=excluded,
        cov_type=cov_type,
        level=level,
        year_window=(gsi_year - max_gap, gsi_year + max_gap),
        low_bound=low,
        high_bound=high,
        warnings=tuple(dict.fromkeys(notes)),
        notes=(RESPONSE_CAVEAT,) if any(p == RESPONSE for p, _, _ in DETECTION_PREDICTORS) else (),
    )


#: What a fit raises when it fails numerically on its data (the GLM's NaN or infinite weights, a singular
#: clustered covariance, an overflow): the data, not the toolkit, so a refusal a section can say in words.
NUMERICAL_FAILURES: tuple[type[Exception], ...] = (
    ValueError,
    np.linalg.LinAlgError,
    FloatingPointError,
    OverflowError,
    ZeroDivisionError,
)


@contextlib.contextmanager
def fitted_or_refused(what: str) -> Iterator[None]:
    """Run a model's fit; a numerical failure on its data (:data:`NUMERICAL_FAILURES`) is raised as a
    :class:`~evidence.core.errors.ParameterError` naming ``what`` could not be fitted, which the notebooks say
    (it stopped the brief: numpy's "Singular matrix" from the upgrade event study of ten countries)."""
    try:
        yield
    except NUMERICAL_FAILURES as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ParameterError(f"{what} could not be fitted on these data (the fit failed: {reason})") from exc


def _fit_rate_ratios(
    y: np.ndarray, X: np.ndarray, offset: np.ndarray, cov_type: str, level: float, notes: list[str]
) -> tuple[ModelTerm, ...]:
    from evidence.analyses.glm import fit_glm

    with fitted_or_refused("the detection model"), captured_warnings() as caught:
        fit = fit_glm(y, X, family="poisson", offset=offset, cov_type=cov_type)
        ci = np.asarray(fit.conf_int(alpha=1 - level))
    notes += caught
    if not fit.converged:
        notes.append("the model did not converge")
    terms = []
    for i, (name, _, change) in enumerate(DETECTION_PREDICTORS, start=1):
        terms.append(
            ModelTerm(
                term=name,
                change=change,
                rate_ratio=safe_exp(fit.params[i]),
                ci_low=safe_exp(ci[i, 0]),
                ci_high=safe_exp(ci[i, 1]),
                p_value=float(fit.pvalues[i]),
            )
        )
    return tuple(terms)


# ----------------------------------------------------------------------------------- TIP tier event study

EventKind = Literal["downgrade", "upgrade"]


def tier_changes(panel: CountryPanel) -> pl.DataFrame:
    """Every change of TIP placement between consecutive report years: iso3, year (the report that changed
    it), from_tier, to_tier, kind (``downgrade``: placed on the Watch List or Tier 3 from a better tier;
    ``upgrade``: moved off the Watch List or Tier 3 to a better tier; other changes, such as Tier 1 ↔ Tier 2,
    have kind null). A year without a ranking breaks the sequence: no change is read across it."""
    panel.require("us_tip_tiers", what="TIP tier changes")
    return panel._tier_changes


def _tier_changes(panel: CountryPanel) -> pl.DataFrame:
    """:func:`tier_changes` of a panel that holds TIP tiers."""
    tiers = panel.measure(TIER)[["iso3", "year", "value", "label"]].sort("iso3", "year")
    previous = tiers.with_columns(
        prev_year=pl.col("year").shift(1).over("iso3"),
        prev_value=pl.col("value").shift(1).over("iso3"),
        from_tier=pl.col("label").shift(1).over("iso3"),
    ).filter((pl.col("year") - pl.col("prev_year") == 1) & (pl.col("value") != pl.col("prev_value")))
    kind = (
        pl.when((pl.col("value") > pl.col("prev_value")) & (pl.col("value") >= LISTED_RANK))
        .then(pl.lit("downgrade"))
        .when((pl.col("value") < pl.col("prev_value")) & (pl.col("prev_value") >= LISTED_RANK))
        .then(pl.lit("upgrade"))
    )
    return previous.select("iso3", "year", "from_tier", pl.col("label").alias("to_tier"), kind.alias("kind"))


@dataclasses.dataclass(frozen=True)
class EventStudy:
    """Detected victims in the years around a change of TIP tier, relative to the year before it."""

    kind: str
    estimates: pl.DataFrame  # event_time, rate_ratio, ci_low, ci_high, p_value, n_countries (+ bound refits)
    events: pl.DataFrame  # iso3, year, from_tier, to_tier: the events used
    n_countries: int  # countries in the model (events and comparisons)
    n_observations: int
    window: tuple[int, int]
    reference: int
    level: float
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "model": (
                "Poisson pseudo-maximum likelihood with country and year fixed effects; event-time indicators "
                "for the first event of each country; intervals clustered by country"
            ),
            "reference_event_time": self.reference,
            "window": list(self.window),
            "level": self.level,
            "n_events": self.events.height,
            "n_countries": self.n_countries,
            "n_observations": self.n_observations,
            "estimates": [
                {k: (clean_float(v) if isinstance(v, float) else v) for k, v in row.items()}
                for row in self.estimates.iter_rows(named=True)
            ],
            "events": self.events.with_columns(pl.col("year").cast(pl.Int64)).to_dicts(),
            "warnings": list(self.warnings),
        }


def tier_event_study(
    panel: CountryPanel,
    kind: EventKind = "downgrade",
    *,
    window: tuple[int, int] = (-3, 3),
    level: float = 0.95,
    min_events: int = 5,
) -> EventStudy:
    """Detected victims in the years around a TIP downgrade (or upgrade), event-study style.

    Each country's *first* event of the kind (:func:`tier_changes`) whose window holds detected victims both
    before and from the event year, and no other event of the kind, is used; event time is the detection year minus the report year. The model
    is a Poisson pseudo-likelihood regression of detected victims on country and year fixed effects and one
    indicator per event time in ``window`` (the year before the event, -1, is the reference), with intervals
    clustered by country. Countries without such an event are comparisons (all their years); an event country's
    years outside the window are left out. Only the years the panel's TIP reports cover are read (the first to the
    last report year): a country without an event in those reports is not known to have had none later, so its
    later years are no comparison (and an event's years after the last report are left out with them). A rate ratio of 1.5 at event time +1 means 50% more detected
    victims than the year before the event, beyond what the country's level and the common year effects say.
    The report year is the year the report was published (it covers roughly April of the year before to
    March): authorities may act before and after it. Censored counts use the midpoint (refits on bounds). A
    study made before on the same panel (in this process, or kept in the user cache by an earlier one: the
    next brief's fresh kernel) is not made again.
    """
    level = check_level(level)
    if kind not in ("downgrade", "upgrade"):
        raise ParameterError(f"kind must be downgrade or upgrade, not {kind!r}")
    key = ("event", panel.fingerprint, kind, tuple(window), level, min_events)
    study: EventStudy = _remembered(
        key, lambda: _stored_study(panel, kind, window, level, min_events, _tier_event_study)
    )
    return study


# A cold brief (a fresh kernel) made the tier event study again, though it is the same for every country of a set
# of files: about a fifth of a second of its CPU. A study made once is kept in the user cache, keyed by what it
# depends on (:func:`_study_key`), and read back by the next brief.

#: The layers of the toolkit whose code a study depends on (the notebook's and runs' cannot change it).
_STUDY_LAYERS = ("core", "sources", "analyses")


@functools.cache
def _code_fingerprint() -> str:
    """A hash of the toolkit's files (code and shipped reference data) in :data:`_STUDY_LAYERS` and of the
    versions of the libraries that fit the model and hash the panel's rows: a changed line of the toolkit, or an
    upgraded library, makes a study of the same files again."""
    import hashlib
    import importlib.metadata

    from evidence.core.fingerprint import toolkit_files_sha256

    digest = hashlib.sha256(toolkit_files_sha256(_STUDY_LAYERS).encode("ascii"))
    versions = [pl.__version__, np.__version__]
    versions += [importlib.metadata.version(name) for name in ("scipy", "statsmodels")]
    digest.update("\0".join(versions).encode("utf-8"))
    return digest.hexdigest()


def _study_key(panel: CountryPanel, kind: str, window: tuple[int, int], level: float, min_events: int) -> str:
    """What a tier event study depends on, hashed: the panel's files (their sha256 and release), indicator and
    rows (:attr:`CountryPanel.fingerprint`), the study's options and the toolkit's code
    (:func:`_code_fingerprint`)."""
    import hashlib
    import json

    files, indicator, height, rows = panel.fingerprint
    inputs = {
        "study": "tier_event_study",
        "files": [[str(part) for part in file] for file in files],
        "indicator": indicator,
        "rows": [height, rows],
        "options": [kind, list(window), level, min_events],
        "code": _code_fingerprint(),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode("utf-8")).hexdigest()


def _frame_text(frame: pl.DataFrame) -> str:
    """A frame as base64 of its Arrow IPC bytes (every dtype and value kept exactly)."""
    import base64
    import io

    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _text_frame(text: str) -> pl.DataFrame:
    import base64
    import io

    return pl.read_ipc(io.BytesIO(base64.b64decode(text.encode("ascii"), validate=True)))


def _study_path(key: str) -> Path:
    from evidence.core.config import cache_dir

    return cache_dir() / "analyses" / f"tier-event-study-{key}.json"


def _stored_study(
    panel: CountryPanel,
    kind: EventKind,
    window: tuple[int, int],
    level: float,
    min_events: int,
    make: Callable[[CountryPanel, EventKind, tuple[int, int], float, int], EventStudy],
) -> EventStudy:
    """The study kept in the user cache for these inputs (:func:`_study_key`), else ``make``'s, kept there
    (written atomically). An entry that cannot be read is made again; a cache that cannot be written is no
    error. A study refused (too few events, a fit that fails) is not kept: it is refused again, as cheaply."""
    import json

    from evidence.core.atomic import write_text

    path = _study_path(_study_key(panel, kind, window, level, min_events))
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        return EventStudy(
            kind=stored["kind"],
            estimates=_text_frame(stored["estimates"]),
            events=_text_frame(stored["events"]),
            n_countries=int(stored["n_countries"]),
            n_observations=int(stored["n_observations"]),
            window=(int(stored["window"][0]), int(stored["window"][1])),
            reference=int(stored["reference"]),
            level=float(stored["level"]),
            warnings=tuple(str(w) for w in stored["warnings"]),
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError, pl.exceptions.PolarsError):
        pass  # none yet, or a damaged one: made (again) and written over
    study = make(panel, kind, window, level, min_events)
    entry = {
        "kind": study.kind,
        "estimates": _frame_text(study.estimates),
        "events": _frame_text(study.events),
        "n_countries": study.n_countries,
        "n_observations": study.n_observations,
        "window": list(study.window),
        "reference": study.reference,
        "level": study.level,
        "warnings": list(study.warnings),
    }
    with contextlib.suppress(OSError):
        write_text(path, json.dumps(entry))
        _prune_studies(path.parent)
    return study


#: Studies kept in the user cache (the oldest are removed beyond this): every edit of the toolkit's code is another
#: key, and a toolkit developed in place would fill the folder.
STUDIES_KEPT = 64


def _prune_studies(folder: Path) -> None:
    """Remove the oldest kept studies beyond :data:`STUDIES_KEPT` (another process may remove one first)."""
    entries = sorted(folder.glob("tier-event-study-*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[STUDIES_KEPT:]:
        old.unlink(missing_ok=True)


def _tier_event_study(
    panel: CountryPanel, kind: EventKind, window: tuple[int, int], level: float, min_events: int
) -> EventStudy:
    first, last = window
    if not first < -1 < last + 1 or first >= 0:
        raise ParameterError(
            f"the window must include -1 (the reference year) and the event year, not {window}"
        )
    panel.require("unodc_glotip", "us_tip_tiers", what="the tier event study")
    # only the years the TIP reports of the panel cover: a comparison country is one without a change of the kind
    # in those reports, and of later years (UNODC's counts run years past the last report) nothing says it had none
    reported = panel.measure(TIER)["year"].drop_nulls()
    if reported.is_empty():
        raise ParameterError("the TIP tier table holds no report year: no change of tier to study")
    first_report, last_report = int(reported.min()), int(reported.max())  # type: ignore[arg-type]
    detected = (
        panel.measure(DETECTED)
        .filter(pl.col("value_high").is_not_null() & pl.col("year").is_between(first_report, last_report))
        .select(
            "iso3",
            pl.col("year").cast(pl.Int64),
            point_expr("value", "value_low", "value_high").alias("y"),
            pl.col("value_low").alias("y_low"),
            pl.col("value_high").alias("y_high"),
        )
    )
    changes = tier_changes(panel).filter(pl.col("kind") == kind).with_columns(pl.col("year").cast(pl.Int64))
    candidates = changes.join(detected.select("iso3", pl.col("year").alias("_dy")), on="iso3").with_columns(
        _k=pl.col("_dy") - pl.col("year")
    )
    # an event with another of its kind in its window (on the Watch List, off it, on it again) is left out: the
    # other's years would count as its before- or after-years
    crowded = (
        changes.join(changes.select("iso3", pl.col("year").alias("_other")), on="iso3")
        .filter(
            (pl.col("_other") != pl.col("year")) & (pl.col("_other") - pl.col("year")).is_between(first, last)
        )
        .select("iso3", "year")
        .unique()
    )
    ok = (
        candidates.filter(pl.col("_k").is_between(first, last))
        .join(crowded, on=["iso3", "year"], how="anti")
        .group_by("iso3", "year", "from_tier", "to_tier")
        .agg(pre=(pl.col("_k") < 0).any(), post=(pl.col("_k") >= 0).any())
        .filter(pl.col("pre") & pl.col("post"))
        .sort("iso3", "year")
        .unique("iso3", keep="first", maintain_order=True)
        .select("iso3", "year", "from_tier", "to_tier")
    )
    if ok.height < min_events:
        raise ParameterError(
            f"only {ok.height} {kind}s have detected victims both before and after them within {window}, and no "
            f"other {kind} of their country within it: "
            f"too few for an event study (at least {min_events})"
        )
    event_year = dict(zip(ok["iso3"].to_list(), ok["year"].to_list(), strict=True))
    any_event = set(changes["iso3"].to_list())
    sample = detected.with_columns(
        _event=pl.col("iso3").replace_strict(event_year, default=None, return_dtype=pl.Int64)
    ).with_columns(k=pl.col("year") - pl.col("_event"))
    # event countries inside their window; countries never concerned by this kind of change all years;
    # countries whose events could not be used are left out (they are neither clean comparisons nor events)
    sample = sample.filter(
        pl.col("k").is_between(first, last)
        | (pl.col("_event").is_null() & ~pl.col("iso3").is_in(list(any_event)))
    ).sort("iso3", "year")
    times = [k for k in range(first, last + 1) if k != -1]
    times = [k for k in times if (sample["k"] == k).any()]
    countries = sorted(sample["iso3"].unique().to_list())
    years = sorted(sample["year"].unique().to_list())
    X, _ = _event_design(sample, times, countries, years)
    groups = np.asarray([countries.index(c) for c in sample["iso3"].to_list()])
    notes: list[str] = []
    point = _fit_event(sample["y"].to_numpy(), X, groups, len(times), level, notes)
    columns: dict[str, Any] = {
        "event_time": [-1, *times],
        "rate_ratio": [1.0, *point[0]],
        "ci_low": [None, *point[1]],
        "ci_high": [None, *point[2]],
        "p_value": [None, *point[3]],
        "n_countries": [int(sample.filter(pl.col("k") == k)["iso3"].n_unique()) for k in [-1, *times]],
    }
    if (sample["y_low"] != sample["y_high"]).any():
        columns["rate_ratio_low_bound"] = [
            1.0,
            *_fit_event(sample["y_low"].to_numpy(), X, groups, len(times), level, notes)[0],
        ]
        columns["rate_ratio_high_bound"] = [
            1.0,
            *_fit_event(sample["y_high"].to_numpy(), X, groups, len(times), level, notes)[0],
        ]
    estimates = pl.DataFrame(
        columns, schema_overrides={"ci_low": pl.Float64, "ci_high": pl.Float64, "p_value": pl.Float64}
    ).sort("event_time")
    return EventStudy(
        kind=kind,
        estimates=estimates,
        events=ok,
        n_countries=len(countries),
        n_observations=sample.height,
        window=window,
        reference=-1,
        level=level,
        warnings=tuple(dict.fromkeys(notes)),
    )


def _event_design(
    sample: pl.DataFrame, times: list[int], countries: list[str], years: list[int]
) -> tuple[np.ndarray, list[str]]:
    """Event-time indicators, then country dummies (all), then year dummies (all but the first)."""
    n = sample.height
    k = sample["k"].to_numpy()
    blocks = [np.column_stack([(k == t).astype(float) for t in times]) if times else np.zeros((n, 0))]
    country_index = np.asarray([countries.index(c) for c in sample["iso3"].to_list()])
    blocks.append(np.eye(len(countries))[country_index])
    year_index = np.asarray([years.index(y) for y in sample["year"].to_list()])
    blocks.append(np.eye(len(years))[year_index][:, 1:])
    names = [f"k={t}" for t in times] + [f"country={c}" for c in countries] + [f"year={y}" for y in years[1:]]
    return np.hstack(blocks), names


def _fit_event(
    y: np.ndarray, X: np.ndarray, groups: np.ndarray, n_times: int, level: float, notes: list[str]
) -> tuple[list[float], list[float], list[float], list[float]]:
    from evidence.analyses.glm import fit_glm

    # one BLAS thread: with a few hundred dummy columns, BLAS threads wait on each other whenever another
    # process holds a core (a busy machine made this fit take 5 to 50 s instead of 0.4)
    with fitted_or_refused("the event-study model"), captured_warnings() as caught, one_blas_thread():
        fit = fit_glm(y, X, family="poisson", cov_type="cluster", groups=groups)
        params = np.asarray(fit.params)[:n_times]
        ci = np.asarray(fit.conf_int(alpha=1 - level))[:n_times]
        pvalues = np.asarray(fit.pvalues)[:n_times]
        _check_identified(X, n_times, params, ci)
    notes += caught
    if not fit.converged:
        notes.append("the event-study model did not converge")
    return (
        [safe_exp(b) for b in params],
        [safe_exp(c) for c in ci[:, 0]],
        [safe_exp(c) for c in ci[:, 1]],
        [float(p) for p in pvalues],
    )
