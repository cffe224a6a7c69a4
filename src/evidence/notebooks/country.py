"""The country brief's own builders: what each source holds for the country, what the sources say together,
and the context sections (Walk Free estimates, US TIP tiers). Pure: they return tables and text and show
nothing (:mod:`evidence.notebooks.country_views` shows them), so every number is tested.

A :class:`CountryBrief` is one country in one role over a span of years, with the loaded tables and the
disclosure rule. It knows which tables hold anything for the brief (:mod:`evidence.analyses.coverage`) and
which ones the brief actually cites (:meth:`CountryBrief.cite`): a chart or a table names only the sources its
numbers come from, and a source that contributes nothing is neither analysed nor listed among the brief's
sources (:meth:`CountryBrief.provenance`).

The published numbers come from the view builders every other output uses (:mod:`evidence.notebooks.builders`:
:func:`~evidence.notebooks.builders.route_numbers`, :func:`~evidence.notebooks.builders.yearly_numbers`), built
once per selection and kept (:meth:`CountryBrief.yearly`, :meth:`CountryBrief.routes`), so that a number shown
in two sections of the brief is the same protected number.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Final

import polars as pl

from evidence.analyses.coverage import (
    ROLE_WORDS,
    VICTIM_KINDS,
    Coverage,
    coverage,
    default_years,
    series_years,
    years_in_words,
    years_text,
)
from evidence.analyses.intervals import censoring_thresholds
from evidence.analyses.selection import Selection
from evidence.analyses.society import MAX_YEARS_FROM_ESTIMATE, near_estimate
from evidence.analyses.trends import FLAG_WORDS, INCOMPLETE, FlagKind
from evidence.analyses.trends import flag_words as trend_flag_words
from evidence.core.text import number_in_words, word_list
from evidence.notebooks.builders import (
    VICTIMS,
    RouteBounds,
    YearlyNumbers,
    bounds_text,
    censored_interval,
    doubtful_pair,
    positive_years,
    repatriated_abroad,
    route_numbers,
    source_line,
    yearly_numbers,
)
from evidence.presentation.disclosure import COMPLEMENT_LABEL, DisclosureRule, SolverUnanswered
from evidence.presentation.markup import data_label, escape_markdown, number, possessive
from evidence.sources.countries import name_in_text, name_of
from evidence.sources.loaded import LoadedTable

#: What each kind of source counts, in a brief's words.
SOURCE_KINDS = {
    "case": "Victims identified and assisted (victim-level case records)",
    "indicator": "Victims detected by national authorities (country data)",
    "gsi": "Estimated number of people in modern slavery (modelled)",
    "tier": "US TIP Report tier placements (policy context)",
}

#: Each kind of source's caveat, said wherever its numbers are set beside another source's.
CAVEATS = {
    "case": (
        "Identified victims are the people that the contributing organisations identified and assisted: not all "
        "victims in the country, and a change over time reflects who is reached as much as trafficking itself. "
        "In CTDC data the destination is where the victim was identified or assisted."
    ),
    "indicator": (
        "Detected victims are those national authorities detected and reported to UNODC: detection reflects "
        "law enforcement and identification efforts as much as the number of victims."
    ),
    "gsi": (
        "The Global Slavery Index estimates how many people lived in modern slavery (forced labour and forced "
        "marriage) on a given day{when}, from surveys and models: a wide uncertainty, and a broader idea than "
        "trafficking; a stock of people, not a yearly count."
    ),
}


def caveat(kind: str, year: int | None = None) -> str | None:
    """The caveat of a kind of source (:data:`CAVEATS`); the GSI's names the year its estimates refer to
    (``year``), or says that its file does not state it."""
    text = CAVEATS.get(kind)
    if text is None or kind != "gsi":
        return text
    when = f" in {year}" if year is not None else " (the file does not state the year its estimates refer to)"
    return text.format(when=when)


@dataclasses.dataclass
class CountryBrief:
    """One country in one role over a span of years, with the loaded tables and the disclosure rule."""

    tables: list[LoadedTable]
    rule: DisclosureRule
    country: str
    role: str
    years: tuple[int, int] | None
    peers: list[str] | None
    coverage: Coverage
    cited: dict[int, LoadedTable] = dataclasses.field(default_factory=dict)
    _kept: dict[tuple[Any, ...], Any] = dataclasses.field(default_factory=dict, repr=False)

    # -------------------------------------------------------------------------------------- what it is about

    @property
    def name(self) -> str:
        """The country's name, as a label (a table's column, the key figures): "Netherlands"."""
        return name_of(self.country) or self.country

    @property
    def place(self) -> str:
        """The country's name as a sentence says it (:func:`~evidence.sources.countries.name_in_text`):
        "Thailand", "the Netherlands"."""
        return name_in_text(self.country) or self.country

    @property
    def place_start(self) -> str:
        """:attr:`place` at the start of a sentence or caption: "Thailand", "The Netherlands"."""
        return name_in_text(self.country, start=True) or self.country

    @property
    def place_role(self) -> str:
        """ "Thailand as country of destination", "the Netherlands as country of destination"."""
        return f"{self.place} as {ROLE_WORDS[self.role]}"

    @property
    def period(self) -> str:
        """The years as readers read them ("2009–2021"), or "all years"."""
        if self.years is None:
            return "all years"
        return years_text(range(self.years[0], self.years[1] + 1))

    def holding(self, kind: str) -> list[LoadedTable]:
        """The tables of ``kind`` that hold something for the brief (victims in its years; the country's
        estimates or tiers)."""
        return [s.table for s in self.coverage.sources if s.kind == kind and s.in_selection]

    def used_tables(self) -> list[LoadedTable]:
        """The tables the brief can use: those holding something for it, and the country data that the
        comparison with other countries reads (a file holding nothing for the brief is neither used nor cited)."""
        holding = {id(s.table) for s in self.coverage.sources if s.in_selection}
        return [t for t in self.tables if id(t) in holding or t.kind in ("indicator", "gsi", "tier")]

    def given(self, kind: str) -> list[LoadedTable]:
        """The tables of ``kind`` among the data files, whether or not they hold anything for the brief."""
        return [t for t in self.tables if t.kind == kind]

    def _held(self, table: LoadedTable, role: str | None = None) -> tuple[int, ...]:
        """The years ``table`` holds for the country as ``role`` (the brief's role: read from its coverage)."""
        role = role or self.role
        if role == self.role:
            found = next((s for s in self.coverage.sources if s.table is table), None)
            return found.years if found else ()
        key = ("held", id(table), role)
        if key not in self._kept:
            self._kept[key] = coverage([table], self.country, role).sources[0].years
        return self._kept[key]

    def years_held(self, table: LoadedTable, *, within: bool = False) -> str:
        """The years ``table`` holds for the country and role, as text (``within``: only those of the
        brief's years)."""
        years = self._held(table)
        if within and self.years is not None:
            years = tuple(y for y in years if self.years[0] <= y <= self.years[1])
        return years_text(years)

    # --------------------------------------------------------------------------------------------- citing

    def cite(self, *tables: LoadedTable) -> str:
        """Mark ``tables`` as cited by the brief and return their source line (for a chart or table)."""
        for table in tables:
            self.cited[id(table)] = table
        return source_line(tables)

    def provenance(self) -> list[dict[str, Any]]:
        """Every loaded table's provenance entry, with ``cited``: whether the brief used any of its numbers."""
        from evidence.notebooks.runtime import provenance_entry

        return [{**provenance_entry(t), "cited": id(t) in self.cited} for t in self.tables]

    # ------------------------------------------------------------------------------- published numbers

    def years_for(self, table: LoadedTable, role: str | None = None) -> tuple[int, int] | None:
        """The years of the brief in which ``table`` holds victims of the country as ``role`` (or the brief's
        role): from the first to the last such year. A source that covers fewer years than the brief shows its
        own, not a run of empty years; None when it holds none (or the brief has no years)."""
        if self.years is None or table.kind not in VICTIM_KINDS:
            return self.years
        inside = [y for y in self._series(table, role) if self.years[0] <= y <= self.years[1]]
        return (inside[0], inside[-1]) if inside else None

    def _series(self, table: LoadedTable, role: str | None = None) -> tuple[int, ...]:
        """The years of the one series of ``table`` a selection as ``role`` reads
        (:func:`~evidence.analyses.coverage.series_years`: an origin brief's nationals, without the country's
        own detected victims that :meth:`_held` adds)."""
        role = role or self.role
        if table.kind != "indicator":
            return self._held(table, role)
        key = ("series", id(table), role)
        if key not in self._kept:
            self._kept[key] = series_years(table, self.country, role)
        return self._kept[key]

    def period_for(self, table: LoadedTable, role: str | None = None) -> str:
        """The years of the brief in which ``table`` holds victims of the country as ``role`` (or the brief's
        role), as readers read them: ``2010``, ``2009–2021``, ``2010, 2018`` (two years are not the span between
        them); the brief's period when it holds none."""
        if self.years is None or table.kind not in VICTIM_KINDS:
            return self.period
        inside = [y for y in self._series(table, role) if self.years[0] <= y <= self.years[1]]
        return years_text(inside) if inside else self.period

    def selection(self, table: LoadedTable, role: str | None = None) -> Selection:
        """The selection of ``table`` for the brief's country, role (or ``role``) and the years it holds
        victims in (:meth:`years_for`)."""
        years = self.years_for(table, role) or self.years
        return Selection(table, country=self.country, role=role or self.role, years=years)  # type: ignore[arg-type]

    def yearly(self, table: LoadedTable, role: str | None = None, by: str | None = "form") -> YearlyNumbers:
        """The published yearly numbers of a selection (built once: every section reads the same ones). For a
        dimension the table does not have, the numbers without it."""
        from evidence.core.errors import EvidenceError

        key = ("yearly", id(table), role or self.role, by)
        if key not in self._kept:
            selection = self.selection(table, role)
            span = self.table_span(table)
            try:
                self._kept[key] = yearly_numbers(selection, self.rule, by=by, span=span)
            except SolverUnanswered:
                raise  # not a dimension missing: the brief stops
            except EvidenceError:
                self._kept[key] = yearly_numbers(selection, self.rule, span=span)
        return self._kept[key]

    def holds_victims(self, table: LoadedTable, role: str | None = None, by: str | None = "form") -> bool:
        """:attr:`~evidence.notebooks.builders.YearlyNumbers.holds_victims` of :meth:`yearly`: for a publisher's
        table whose numbers by ``by`` are not built yet, read from the counts before protection where they
        settle it (:func:`~evidence.notebooks.builders.counts_hold_victims`), so that a table the brief does
        not print is not protected only to be asked this; else from the numbers, built once."""
        from evidence.core.errors import EvidenceError
        from evidence.notebooks.builders import counts_hold_victims

        key = ("yearly", id(table), role or self.role, by)
        if key not in self._kept and table.kind == "indicator":
            try:
                found = counts_hold_victims(self.selection(table, role), by)
            except EvidenceError:
                found = None  # a dimension the table does not have: the numbers without it say
            if found is not None:
                return found
        return self.yearly(table, role, by).holds_victims

    def table_span(self, table: LoadedTable) -> tuple[int, int] | None:
        """The years a UNODC series of the brief gives a row to: the brief's years in which the workbook holds
        the country at all (in the brief's role, its own detected victims included), so that a year a series
        has no count for is shown as not published (the United States' nationals in 2007, 2008 and 2017), not
        left out. None (the selection's own years) for other tables."""
        if self.years is None or table.kind != "indicator":
            return None
        inside = [y for y in self._held(table) if self.years[0] <= y <= self.years[1]]
        return (inside[0], inside[-1]) if inside else None

    def routes(self, table: LoadedTable, role: str | None = None) -> RouteBounds | None:
        """The published route numbers of a selection (built once), None when too few to protect."""
        key = ("routes", id(table), role or self.role)
        if key not in self._kept:
            self._kept[key] = route_numbers(self.selection(table, role), self.rule)
        return self._kept[key]


def headline_numbers(brief: CountryBrief, table: LoadedTable, role: str) -> YearlyNumbers:
    """The yearly numbers a headline of ``table`` as ``role`` reads (the key figures, the magnitudes, the flags
    said under them): the brief's own (:meth:`CountryBrief.yearly`, by form); for an origin brief's UNODC
    victims detected in the country (any citizenship), those without a breakdown, which its section prints
    (:func:`~evidence.notebooks.country_views.show_own_detected`). A headline reads the yearly totals, the
    flagged years and the table of victims per year, the same whatever the dimension
    (:func:`~evidence.notebooks.builders.yearly_numbers`): the breakdown by form of those victims, which no origin
    brief prints, is not made for it."""
    if table.kind == "indicator" and brief.role == "origin" and role == "destination":
        return brief.yearly(table, role, by=None)
    return brief.yearly(table, role)


def open_brief(
    tables: Sequence[LoadedTable],
    rule: DisclosureRule,
    *,
    country: str,
    role: str = "both",
    years: tuple[int | None, int | None] | None = None,
    peers: Sequence[str] | None = None,
) -> CountryBrief:
    """The brief of ``country`` as ``role``: years left empty become the span the data hold for it (as the runner
    does before a kernel starts); ``peers`` empty (or naming only the country) means the country's subregion."""
    from evidence.analyses.selection import check_country, check_role, distinct_peers

    iso3 = check_country(country)
    assert iso3 is not None
    role = check_role(role)
    chosen = default_years(tables, iso3, role, years)
    found = coverage(tables, iso3, role, chosen)
    # the country is not its own peer, and a peer given twice (THA, Thailand) is one
    peer_list = distinct_peers(peers or [], iso3)[0] or None
    return CountryBrief(list(tables), rule, iso3, role, chosen, peer_list, found)


# ------------------------------------------------------------------------------------------- the overview


def gsi_rated_only(brief: CountryBrief) -> LoadedTable | None:
    """The GSI table that assesses the country without estimating it: a row of the country with no estimate
    (number or prevalence) but a figure all the same (the 2023 edition rates the government response of 20
    small states it makes no estimate for: Iceland, Brunei Darussalam...). The brief shows that figure in its
    section on the estimates and beside the neighbours, so it must not say the file holds nothing for it.
    None when a GSI table estimates the country, or none assesses it."""
    from evidence.analyses.society import gsi_profile

    if brief.holding("gsi"):
        return None
    for table in brief.given("gsi"):
        profile = gsi_profile(table, brief.country)
        if profile.height and profile["value"].is_not_null().any():
            return table
    return None


def gsi_shown(brief: CountryBrief) -> LoadedTable | None:
    """The GSI table whose figures the brief shows: the first that estimates the country, else one that rates it
    only (:func:`gsi_rated_only`); None when none assesses it."""
    held = brief.holding("gsi")
    return held[0] if held else gsi_rated_only(brief)


def _rated_only_text(brief: CountryBrief) -> str:
    return f"Government response rating only (no estimate of modern slavery for {brief.place})"


def overview_view(brief: CountryBrief) -> pl.DataFrame:
    """One row per data file that holds something for the brief: its source and release, what it counts and
    the years it holds for the country in its role (a GSI file that rates the country's government response
    without estimating it: that rating, and the year of the edition's estimates)."""
    rows = []
    rated = gsi_rated_only(brief)
    for found in brief.coverage.sources:
        if found.table is rated:
            year = found.table.data.filter(pl.col("iso3") == brief.country)["estimate_year"].drop_nulls()
            rows.append(
                {
                    "Source and release": source_line([found.table]),
                    "What it gives": _rated_only_text(brief),
                    f"Years it holds for {brief.place_role}": str(year[0])
                    if year.len()
                    else "year not stated",
                }
            )
            continue
        if not found.in_selection:
            continue
        rows.append(
            {
                "Source and release": source_line([found.table]),
                "What it gives": SOURCE_KINDS.get(found.kind, found.kind),
                # an estimate whose year the file does not state is held all the same: never "none"
                f"Years it holds for {brief.place_role}": found.held_text(),
            }
        )
    return pl.DataFrame(rows, schema={k: pl.String for k in rows[0]} if rows else None)


def unused_sentence(brief: CountryBrief) -> str | None:
    """One sentence naming the data files given that hold nothing for the brief (and the years they do hold),
    or None."""
    rated = gsi_rated_only(brief)  # used: the overview lists it, for the rating it gives
    empty = [s for s in brief.coverage.sources if not s.in_selection and s.table is not rated]
    if not empty:
        return None
    # a country-level file (UNODC, GSI, tiers) holding nothing for the country is still read where the brief
    # sets it beside other countries (its neighbours, the cross-country model), and cited there: not "not used"
    # (Bhutan: no GSI estimate of its own, the GSI read for its neighbours and cited)
    compared = {id(t) for t in brief.used_tables()}
    unused = [s for s in empty if id(s.table) not in compared]
    beside = [s for s in empty if id(s.table) in compared]
    said = []
    if unused:
        they = "it holds" if len(unused) == 1 else "they hold"
        said.append(
            escape_markdown(f"Not used, because {they} nothing for {brief.place_role} in {brief.period}: ")
            + ("; ".join(_held_parts(brief, unused)) + ".")
        )
    if beside:  # each named with what it holds for the country (nothing): said once
        said.append(
            escape_markdown(f"Used only where the brief sets {brief.place} beside other countries: ")
            + ("; ".join(_held_parts(brief, beside)) + ".")
        )
    return " ".join(said)


def _held_parts(brief: CountryBrief, sources: Sequence[Any]) -> list[str]:
    """Each source of :func:`unused_sentence` named, with the years it does hold for the country."""
    # a source's name is a label (data_label): its title or release ("extract 2 of 3") counts nobody
    return [
        data_label(s.label)
        + escape_markdown(
            (
                f" (it holds {brief.place_role} in: {s.years_text()})"
                if s.years
                # an estimate or a tier is of the country, whatever the role (the United States: no tier)
                else f" (it holds nothing for {brief.place} in any year)"
                if s.kind in ("gsi", "tier")
                else f" (it holds {brief.place_role} in no year)"
            )
            if s.records_countries
            else " (it records UN regions only, never countries)"
        )
        for s in sources
    ]


# -------------------------------------------------------------------------------- numbers in one year


def published_in_year(numbers: YearlyNumbers, year: int) -> tuple[int | str | None, int | str | None] | None:
    """The published victims of one year, as (low, high): counts, or the label shown where withheld; None
    when the year is not in the table."""
    if numbers.per_year is None:
        return None
    years = numbers.per_year.low.frame["year"].to_list()
    cells = numbers.per_year.cells(VICTIMS)
    for shown_year, pair in zip(years, cells, strict=True):
        if shown_year == str(year):
            return pair
    return None


def cell_text(pair: tuple[int | str | None, int | str | None] | None) -> str:
    """A published (low, high) pair as a reader sees it (:func:`~evidence.notebooks.builders.bounds_text`):
    ``1,541``, ``1,541–1,550``, ``<5``, ``up to 8`` (a sum of the publisher's censored cells), ``x``; ``n/a`` when
    not published."""
    return "n/a" if pair is None else bounds_text(pair, missing="n/a")


def _point(pair: tuple[int | str | None, int | str | None] | None) -> float | None:
    if pair is None or not all(isinstance(v, int) for v in pair):
        return None
    low, high = pair
    return (low + high) / 2  # type: ignore[operator]


def years_with_victims(numbers: YearlyNumbers) -> list[int]:
    """The years of a yearly table with published victims (low bound above 0)."""
    counts = numbers.counts
    if not counts["count_high"].dtype.is_integer():  # a float's NaN is above 0 to polars, not to Python
        return sorted(int(y) for y in counts.filter(pl.col("count_high") > 0)["year"].to_list())
    highs = counts["count_high"].to_list()
    return sorted(
        int(y)
        for y, high in zip(counts["year"].to_list(), highs, strict=True)
        if high is not None and high > 0
    )


def _nearest(years: Sequence[int], target: int) -> int | None:
    return min(years, key=lambda y: (abs(y - target), -y)) if years else None


def nearest_published(numbers: YearlyNumbers, target: int | None) -> int | None:
    """The year with victims nearest to ``target`` (ties: the later) among the years *not* flagged (probably
    incomplete, or not comparable with the other years), whatever its victims are published as (a number, ``<5``, or withheld): a headline is the
    latest complete year's, said with its year, never a flagged year's because a nearer complete year is
    censored (Cambodia's nationals: 5 in 2020, a year missing Malaysia's breakdown, beside ``<5`` in 2021).
    Only when every year with victims is flagged, the nearest of them (:func:`flag_words` says so). None
    without a target or victims."""
    if target is None:
        return None
    years = years_with_victims(numbers)
    complete = [y for y in years if y not in numbers.flagged]
    return _nearest(complete, target) or _nearest(years, target)


def headline_year(
    brief: CountryBrief, table: LoadedTable, role: str, numbers: YearlyNumbers, target: int | None
) -> int | None:
    """The year a UNODC number of the brief is headlined in (:func:`nearest_published`); for the country's
    nationals, never a year in which one partner country alone detected them and its count is small (``<5``)
    or withheld, while other years hold more (:func:`single_partner_small_years`)."""
    year = nearest_published(numbers, target)
    if role != "origin" or year is None or target is None:
        return year
    lone = single_partner_small_years(brief, table, numbers)
    if year not in lone:
        return year
    # another year only where it holds more (a number, not <5 or withheld), a complete one first: Botswana's
    # nationals are <5 every year, and its own 2020 count (returnees) is no reason to headline a flagged year
    more = [
        y
        for y in years_with_victims(numbers)
        if y not in lone and _point(published_in_year(numbers, y)) is not None
    ]
    complete = [y for y in more if y not in numbers.flagged]
    return _nearest(complete, target) or _nearest(more, target) or year


def single_partner_small_years(brief: CountryBrief, table: LoadedTable, numbers: YearlyNumbers) -> list[int]:
    """The years in which the country's nationals were detected by one country only and their count is withheld
    or censored (``<5``): one partner's small cell, no headline of the nationals detected."""
    from evidence.analyses import routes

    # records dated only by a band of years (no single year) are of no year here
    records = routes.flow_records(brief.selection(table, "origin")).filter(
        (pl.col("victims_high") > 0) & pl.col("year").is_not_null()
    )
    partners = records.group_by("year").agg(pl.col("detected_iso3").n_unique().alias("n"))
    lone = [int(y) for y in partners.filter(pl.col("n") == 1)["year"].to_list()]
    return [y for y in lone if _point(published_in_year(numbers, y)) is None]


#: The smallest share called "most" (of a share's range, its low end): a bare majority is "more than half".
MOST_SHARE: Final = 0.6


def _counted_records(brief: CountryBrief, table: LoadedTable) -> pl.DataFrame:
    """The flow records of the brief's nationals that count them: a doubtful citizenship breakdown's cells
    (:func:`evidence.analyses.routes.doubtful_breakdowns`) are left out, as from the yearly counts, so they
    feed no share words (the United States' 2017–2018 "Botswana" cells, the only ones from abroad)."""
    from evidence.analyses import routes

    records = routes.flow_records(brief.selection(table, "origin"))
    return records.filter(pl.col("route_basis") != "doubtful_citizenship")


def _detected_by(brief: CountryBrief, table: LoadedTable) -> pl.DataFrame:
    """The nationals each country detected (:func:`_counted_records`), summed once for
    :func:`detecting_countries` and :func:`detected_ranges`: detected_iso3, victims_low, victims_high."""
    records = _counted_records(brief, table)
    return records.group_by("detected_iso3").agg(pl.col("victims_low").sum(), pl.col("victims_high").sum())


def detecting_countries(brief: CountryBrief, table: LoadedTable) -> list[tuple[str, float]]:
    """Who detected the country's nationals (UNODC's citizenship breakdowns, and its own count of its
    nationals), with each country's share of them (low bounds), largest first: a share, no count."""
    by = _detected_by(brief, table)[["detected_iso3", "victims_low"]].filter(pl.col("victims_low") > 0)
    total = int(by["victims_low"].sum() or 0)
    if not total:
        return []
    by = by.sort(["victims_low", "detected_iso3"], descending=[True, False])
    return [(str(code), int(n) / total) for code, n in by.iter_rows()]


def nationals_where(brief: CountryBrief, table: LoadedTable) -> str:
    """Where the country's nationals in ``table`` were detected, as every part of a brief names them (its
    heading, its intro, the sources-together table): "abroad or at home" where its own authorities count some
    of them, else "abroad" (Cambodia, Lao PDR: UNODC holds no count of their nationals by their own
    authorities, and a row "detected in other countries or at home" promised one)."""
    at_home = dict(detecting_countries(brief, table)).get(brief.country, 0.0) > 0
    return "abroad or at home" if at_home else "abroad"


def detected_ranges(brief: CountryBrief, table: LoadedTable) -> dict[str, tuple[int, int]]:
    """Who detected the country's nationals, as :func:`detecting_countries`, with the range (low, high) of the
    nationals each detected: what a share's words are read over, at both ends."""
    by = _detected_by(brief, table)
    return {str(c): (int(lo or 0), int(hi or 0)) for c, lo, hi in by.iter_rows() if c is not None}


def share_range(part: str, among: dict[str, tuple[int, int]]) -> tuple[float, float] | None:
    """The share ``part`` holds of all in ``among`` (ranges of counts), at its lowest (its low bound against the
    others' high ones) and highest, as :func:`evidence.notebooks.builders.share_range` works it out; None when
    there are none."""
    if part not in among:
        return None
    from evidence.notebooks import builders

    low, high = among[part]
    return builders.share_range(
        low, high, sum(v[0] for v in among.values()), sum(v[1] for v in among.values())
    )


def share_words(share: tuple[float, float] | None) -> str | None:
    """A share in words, true at both ends of its range: "most" only from 60%, "about half" within 45–55%
    (a 51% share is a coin flip, not "more than half" to a reader), "more than half" above 55%; None when no
    word fits (a share that may be under 45%)."""
    if share is None:
        return None
    low, high = share
    if low >= MOST_SHARE:
        return "most of them"
    if low >= 0.45 and high <= 0.55:
        return "about half of them"
    if low > 0.55:
        return "more than half of them"
    if low >= 0.45:
        return "about half of them or more"
    return None


def own_detected_sentence(brief: CountryBrief, table: LoadedTable, numbers: YearlyNumbers) -> str:
    """What UNODC's total of the victims the country's own authorities detected (any citizenship) says of its
    nationals, year by year: in the years its citizenship breakdown counts its own nationals, those are in the
    counts of nationals above (Nigeria → Nigeria); in the years it gives none, how many are its nationals is not
    known. Plain text (escape for the output)."""
    from evidence.analyses import routes

    records = routes.flow_records(brief.selection(table, "origin")).filter(
        (pl.col("detected_iso3") == brief.country) & (pl.col("victims_high") > 0)
    )
    indicator = brief.selection(table, "origin").indicator
    # a year whose breakdown has no row for its nationals, whose returnees alone are counted (Botswana 2020)
    returned = set(
        routes.returnees_without_nationals(table.data, indicator)
        .filter(pl.col("detected_iso3") == brief.country)["year"]
        .to_list()
    )
    broken_down = {int(y) for y in records["year"].unique().to_list()} - returned
    citizenship = table.data.filter(
        (pl.col("iso3") == brief.country)
        & (pl.col("indicator") == indicator)
        & (pl.col("dimension") == "by citizenship")
    )
    listed = {int(y) for y in citizenship["year"].drop_nulls().unique().to_list()}
    total_years = years_with_victims(numbers)
    with_breakdown = [y for y in total_years if y in broken_down]
    only_returned = [y for y in total_years if y in returned]
    no_row = [y for y in total_years if y not in broken_down and y not in returned and y in listed]
    without = [y for y in total_years if y not in broken_down and y not in returned and y not in listed]
    place, name = brief.place, brief.name
    # where the brief shows no count of the country's nationals (none listed by any breakdown: the Bahamas,
    # 2014–2017), the years' victims are "not in the counts of nationals above" of nothing: not said
    above = brief.yearly(table, "origin").has_totals
    first = f"UNODC's total of the victims {possessive(place)} own authorities detected, of any citizenship"
    counted = (
        f"{possessive(place)} breakdown by citizenship gives how many of them are its nationals, and those are in the "
        f"counts of nationals above ({name} → {name})"
    )
    unknown = "how many of them are its nationals is not known"
    no_row_text = (
        f"{possessive(place)} breakdown by citizenship has no row for its own nationals, so {unknown}"
    )
    returned_text = (
        f"{no_row_text}; those it counted on their return from abroad (its breakdown by country of "
        "repatriation) are in the counts of nationals above"
    )
    without_text = f"{place} gives no breakdown by citizenship, so {unknown}" + (
        ", and they are not in the counts of nationals above" if above else ""
    )
    # each kind of year said once: those counted first
    kinds = [
        (with_breakdown, counted),
        (only_returned, returned_text),
        (no_row, no_row_text + (", and none are in the counts of nationals above" if above else "")),
        (without, without_text),
    ]
    said = [(years, text) for years, text in kinds if years]
    if len(said) == 1:
        years, text = said[0]
        if years is with_breakdown:
            return f"{first}: {text}."
        if years is without:
            return f"{first}: {place} gives no breakdown of them by citizenship, so {unknown}."
        return f"{first}: in {years_in_words(years)}, {text}."
    joined = "; ".join(f"in {years_in_words(years)}, {text}" for years, text in said)
    return f"{first}. {joined[0].upper()}{joined[1:]}."


def detected_intro(brief: CountryBrief, table: LoadedTable) -> str:
    """What the section on UNODC's detected victims holds, for the brief's role (plain text: escape for the
    output): in the country (destination), per year with the trend, by form, sex and age where UNODC publishes
    them, and by citizenship; the country's nationals (origin), per year with the trend and by country of
    detection, and the victims its own authorities detected. An origin brief promises no breakdown by form,
    sex, age or citizenship of the victims detected in the country: it holds none (Cambodia, Lao PDR)."""
    # as the file published them: <N is read as 1 to N-1 (a <10 as between one and nine, not "<5"); a table
    # without a censored cell promises UNODC's documented <5
    thresholds = censoring_thresholds(table.data.filter(pl.col("censored"))["value_high"]) or [5]
    published = word_list([f"<{n}" for n in thresholds], last="or")
    read = word_list([f"between one and {number_in_words(n - 1)}" for n in thresholds], last="or")
    trend = f"with the trend model, which reads a count published as {published} as {read}"
    parts = []
    if brief.role in ("destination", "both") and not brief.yearly(table, "destination", by=None).has_totals:
        # breakdowns without a total in any year (Cambodia): no yearly count, no trend to promise
        parts.append(
            f"the victims detected in {brief.place} by form, sex, age and citizenship where UNODC publishes them "
            "(it publishes no yearly total of them: no trend is fitted)"
        )
    elif brief.role in ("destination", "both"):
        parts.append(
            f"the victims detected in {brief.place} per year ({trend}), by form, sex and age where UNODC "
            "publishes them, and by citizenship"
        )
    # nationals no country's breakdown lists (the Bahamas, 2014–2017) are said to be none, not promised
    if brief.role in ("origin", "both") and brief.yearly(table, "origin").has_totals:
        where = nationals_where(brief, table)
        own = f" and {possessive(brief.place)} own count of its nationals" if where != "abroad" else ""
        parts.append(
            f"nationals of {brief.place} detected {where} per year"
            f"{'' if brief.role == 'both' else f' ({trend})'}, and where they were detected, by country of "
            f"detection (other countries' citizenship breakdowns{own})"
        )
    if brief.role == "origin" and brief.yearly(table, "destination", by=None).has_totals:
        parts.append(
            f"the victims {possessive(brief.place)} own authorities detected, of any citizenship, per year"
        )
    if not parts:  # an origin brief with neither (the section says why in its one sentence)
        return f"UNODC's country data (GLOTIP) on {brief.place_role}."
    return "UNODC's country data (GLOTIP): " + "; then ".join(parts) + "."


def detected_by_sentence(brief: CountryBrief, table: LoadedTable) -> str | None:
    """What the nationals' yearly counts are: detected by other countries (naming the one that detects most of
    those detected abroad, without a share: a share beside the published total could give a small remainder
    back), and whether the country's own count of its nationals is among them, and holds most of them (the
    United States detects nearly all of its nationals in the data: the United Kingdom, which detects the most
    of the others, is no headline); None without any."""
    found = detecting_countries(brief, table)
    if not found:
        return None
    own = dict(found).get(brief.country, 0.0)
    abroad = [(code, share) for code, share in found if code != brief.country]
    if not abroad:
        return None
    code, share = abroad[0]
    of_abroad = share / sum(s for _, s in abroad)
    # who, not how many: a share beside the published total could give a small remainder back; its words hold
    # at both ends of the share's range ("most" is not said of a coin flip)
    ranges = detected_ranges(brief, table)
    first = name_in_text(code) or code
    others = {k: v for k, v in ranges.items() if k != brief.country}
    abroad_words = share_words(share_range(code, others)) if of_abroad >= 0.5 else None
    # "more than any other" holds at both ends of the ranges, or is not said: six countries with <5 of Japan's
    # nationals each made "Botswana detects more of them than any other country", the alphabet's choice
    # those that may detect as many (Niger's: Algeria 32, Nigeria 21–39) are named with it, two or three of them
    level = [k for k, _ in abroad if k == code or others.get(k, (0, 0))[1] >= others[code][0]]
    if abroad_words is None and len(level) > 1:
        named = [name_in_text(k) or k for k in level]
        lead = (
            f"{word_list(named, last='or')} detects the most of them: their counts overlap"
            if len(level) <= 3
            else "no one country is known to detect more of them than the others"
        )
        lead = lead if own == 0 else f"of those detected abroad, {lead}"
    else:
        most = abroad_words or "more of them than any other country"
        lead = f"{first} detects {most}" if own == 0 else f"of those detected abroad, {first} detects {most}"
    if own == 0:
        return (
            f"These are nationals of {brief.place} detected by other countries ({lead}): UNODC's data hold no "
            f"count of its nationals by {possessive(brief.place)} own authorities, so their trend is that of the countries "
            "that detect them, not of all its nationals."
        )
    if own >= 0.5:
        words = share_words(share_range(brief.country, ranges)) or "a large share of them"
        return (
            f"These are nationals of {brief.place} detected by its own authorities, which detect {words}, "
            f"and by other countries ({lead})."
        )
    return f"These are nationals of {brief.place} detected by other countries ({lead}) and by its own authorities."


#: What a headline of UNODC's yearly counts says instead of a number when every year of the series is flagged
#: (:func:`no_reliable_year`, :func:`no_reliable_total`: ``{words}``, how its years are flagged): a year probably
#: incomplete counts the countries that happened to report it (Viet Nam's nationals, 2021: 10-16, where the
#: United Kingdom alone detects hundreds a year); one not comparable counts something else.
NO_RELIABLE_TOTAL = "no reliable recent total (every year is {words})"

#: Said of a UNODC headline of an earlier year than the series' last, when every later year is flagged, all in
#: the same words (``{words}``: "probably incomplete", "not comparable with the other years").
LATER_YEARS_FLAGGED = "the later years are {words}"
#: Why a nationals' headline is not of a later year that is not flagged (:func:`headline_year`): in it one
#: partner country alone detected them, fewer than five (Lao PDR's 2021: Thailand's <5; headlined 2020).
LATER_YEARS_ONE_SMALL = "in {years} only one country detected any, fewer than {fewer}"
#: The bound of the small cells UNODC publishes (``<5``): a lone partner's count passed over is one of them, or one
#: the brief withholds (under its threshold), so fewer than the larger of the two (:func:`lone_bound`).
PUBLISHED_SMALL: Final = 5


def lone_bound(rule: DisclosureRule) -> int:
    """What a lone partner's count that a nationals' headline passes over is fewer than
    (:func:`single_partner_small_years`: published as ``<5``, or withheld by the brief's rule): 5, or the brief's
    threshold when it is higher (Malawi's 7 of 2020, withheld as <10, is not "fewer than 5")."""
    return max(PUBLISHED_SMALL, rule.threshold)


def _later_words(
    later: Sequence[int], flagged: Mapping[int, str], lone: Sequence[int] = (), fewer: int = PUBLISHED_SMALL
) -> str:
    """Why a UNODC headline is not of the ``later`` years with victims, each reason with its years: they are
    flagged (``flagged``: year -> how it is said, :attr:`~evidence.analyses.trends.IncompleteYear.words`:
    probably incomplete, not comparable with the other years; all of them alike: :data:`LATER_YEARS_FLAGGED`),
    or, for those that are not, one partner country alone detected the nationals, fewer than ``fewer`` (``lone``:
    :func:`single_partner_small_years`, :data:`LATER_YEARS_ONE_SMALL`), or (:func:`headline_year` takes only a
    year with a count) several did, but their count is no number (``up to 8``, withheld); "" without later
    years."""

    if not later:
        return ""
    marked = [y for y in later if y in flagged]
    said = {flagged[y] for y in marked}
    if len(marked) == len(later) and len(said) == 1:
        return LATER_YEARS_FLAGGED.format(words=said.pop())
    alone = [y for y in later if y not in flagged and y in lone]
    uncounted = [y for y in later if y not in flagged and y not in lone]
    # the flagged years, a reason per way they are said, in the order of their first year
    groups: dict[str, list[int]] = {}
    for year in sorted(marked):
        groups.setdefault(flagged[year], []).append(year)
    reasons = [
        f"{years_in_words(years)} {'is' if len(years) == 1 else 'are'} {words}"
        for words, years in groups.items()
    ]
    if alone:
        reasons.append(LATER_YEARS_ONE_SMALL.format(years=years_in_words(alone), fewer=fewer))
    if uncounted:
        reasons.append(
            f"in {years_in_words(uncounted)} their count is published only as cells of <5 or withheld"
        )
    return "; ".join(reasons)


#: The label of the nationals detected, in the key figures and the sources-together table; the key figures
#: explain :data:`HEADLINE_RULE` under it.
NATIONALS_DETECTED: Final = "Nationals detected (UNODC)"

#: The rule of a UNODC headline's year (:func:`headline_year`), as the brief names it (:func:`headline_rule`:
#: ``{latest}``, the year by the kinds of flags its series have).
HEADLINE_RULE = (
    "UNODC figures are given for {latest} (for a country's nationals, nor one in which a single country "
    "detected fewer than {fewer} of them where another year holds more); a year of a country's nationals "
    "detected is probably incomplete when countries that detect at least {share} of them in the other years "
    "published no full citizenship breakdown listing them for it."
)


def headline_rule(kinds: Collection[FlagKind], share: str, fewer: int = PUBLISHED_SMALL) -> str:
    """:data:`HEADLINE_RULE` for UNODC series whose flagged years are of ``kinds``: "the latest year that is not
    probably incomplete" where they are all probably incomplete (or none is flagged), else the latest year not
    flagged as what they are (the United States' nationals: also not comparable with the other years, a change in
    what it reports)."""
    if set(kinds) <= {INCOMPLETE}:
        latest = f"the latest year that is not {FLAG_WORDS[INCOMPLETE]}"
    else:
        latest = f"the latest year not flagged as {trend_flag_words(kinds, each=False)}"
    return HEADLINE_RULE.format(latest=latest, share=share, fewer=fewer)


def no_reliable_year(numbers: YearlyNumbers) -> bool:
    """Whether every year with victims of the series is flagged (probably incomplete, or not comparable with the
    other years): its headline is then :func:`no_reliable_total`, not a number."""
    years = years_with_victims(numbers)
    return bool(years) and all(y in numbers.flagged for y in years)


def no_reliable_total(numbers: YearlyNumbers) -> str:
    """What a headline of a series whose every year is flagged says instead of a number
    (:data:`NO_RELIABLE_TOTAL`, in the words of its flags: :attr:`YearlyNumbers.flagged_words`)."""
    years = years_with_victims(numbers)
    if len(years) == 1:  # a brief of one year (or one year with victims): that year, not "every year"
        return NO_RELIABLE_TOTAL.replace("every year", str(years[0])).format(words=numbers.flagged_words)
    return NO_RELIABLE_TOTAL.format(words=numbers.flagged_words)


#: What a headline of a country's nationals says where its year adds two counts that can hold the same person.
COUNTED_TWICE_WORDS = "may count a person twice: once where detected abroad, once on return home"


def counted_twice_words(brief: CountryBrief, table: LoadedTable, role: str, year: int) -> str:
    """:data:`COUNTED_TWICE_WORDS` where the brief's nationals (``role`` origin) in ``year`` add other countries'
    detections and the country's own count of those who came back
    (:func:`evidence.analyses.routes.counted_twice`), else nothing."""
    from evidence.analyses import routes

    if role != "origin" or table.kind == "case":
        return ""
    return COUNTED_TWICE_WORDS if year in routes.counted_twice(brief.selection(table, "origin")).years else ""


def counted_twice_yearly_sentence(brief: CountryBrief, table: LoadedTable) -> str | None:
    """Plain text for the nationals' yearly counts: where they add other countries' detections and the
    country's own count of nationals who came back from abroad, a person can be in both
    (:func:`evidence.analyses.routes.counted_twice`); None where they do not."""
    from evidence.analyses import routes

    if table.kind == "case" or brief.country is None:
        return None
    twice = routes.counted_twice(brief.selection(table, "origin"))
    if not twice:
        return None
    place = name_in_text(brief.country) or brief.country
    return (
        f"Some may be counted twice: in {years_in_words(list(twice.years))} the yearly counts add the nationals of "
        f"{place} detected by other countries and those {place} counted on their return from abroad; a "
        "person detected abroad and sent home can be in both counts (the data do not link them)."
    )


def flag_words(numbers: YearlyNumbers, year: int) -> str:
    """What a headline says of its year's flag: nothing for a year not flagged; the year's own words for a
    flagged one ("probably incomplete", "not comparable with the other years", or both:
    :attr:`~evidence.analyses.trends.IncompleteYear.words`), and what every year is when every year of the series
    is flagged (the only reason :func:`nearest_published` picks a flagged year)."""
    own = next((f.words for f in numbers.incomplete if f.year == year), None)
    if own is None:
        return ""
    if all(y in numbers.flagged for y in years_with_victims(numbers)):
        every = numbers.flagged_words
        return (
            f"{own}, as is every year of the series"
            if every == own
            else f"{own}; every year of the series is {every}"
        )
    return own


def _in_words(text: str, noun: str = "") -> str:
    """A count of a sentence written as plain text (escaped whole after): a withheld one in words, "fewer than
    5", "a withheld number" (:func:`~evidence.presentation.markup.count_in_words`), never a table's label."""
    from evidence.presentation.markup import count_in_words

    return count_in_words(text, noun, markdown=False)


def breakdown_sentence(brief: CountryBrief, table: LoadedTable, routes: RouteBounds) -> str | None:
    """For the victims detected in the country (UNODC): the sum of the citizenship breakdown beside UNODC's own
    total, both as published elsewhere in the brief, so that the route table's sum is never read as the number
    of victims; None for case data or when either is not published.

    Each number is given with its own years, and where they differ the two are compared over the years both
    cover, naming the years of the breakdown without a total and those of the total without a breakdown
    (Netherlands: the total of 2007-2020 holds 2020's 984 victims, of which there is no breakdown; over
    2007-2019 the total, 14,123, lies within the breakdown's range, 14,065-15,259). Only where the total falls
    outside the breakdown's range over those years are the reasons for a difference given."""
    if routes.exact:
        return None
    numbers = brief.yearly(table, "destination")
    if numbers.per_year is None or not numbers.per_year.low.has_total_row:
        return None
    total = cell_text(numbers.per_year.cells(VICTIMS)[-1])
    summed = str(routes.key_figures()["Victims"][0])
    total_years = years_with_victims(numbers)
    listed = breakdown_years(routes)
    common = [y for y in listed if y in total_years]
    extra = [y for y in listed if y not in total_years]  # Thailand: 2008, a breakdown without a total
    total_only = [y for y in total_years if y not in listed]  # Netherlands: 2020, a total without a breakdown
    # the sum holds the doubtful breakdowns' rows (the route table's own rows): how many, said with it
    doubtful = doubtful_pair(brief.selection(table, "destination"), brief.rule)
    of_them = (
        f" ({_in_words(bounds_text(doubtful))} of them in the doubtful breakdowns, rows of their own above)"
        if doubtful is not None
        else ""
    )
    text = (
        f"The citizenship breakdown of {years_in_words(listed)} sums to {_in_words(summed, 'victims')}{of_them}; "
        f"UNODC's total of the victims detected in {brief.place} in {years_in_words(total_years)} is "
        f"{_in_words(total)} (victims per year, above)."
    )
    if extra:
        text += f" The breakdown also covers {years_in_words(extra)}, for which UNODC gives no total."
    if total_only:
        cells = [cell_text(published_in_year(numbers, y)) for y in total_only]
        shown = (
            _in_words(cells[0], "victims")
            if len(cells) == 1
            else "; ".join(f"{y}: {_in_words(c, 'victims')}" for y, c in zip(total_only, cells, strict=True))
        )
        text += (
            f" UNODC's total also covers {years_in_words(total_only)} ({shown}), for which it publishes no "
            "citizenship breakdown."
        )
    # the two over the years both cover: the published yearly totals and the breakdown's yearly sums
    pair_total = _summed_pair([published_in_year(numbers, y) for y in common]) if common else None
    # the breakdown of the common years as the route table sums it: its own sum when it has no year without
    # a total (the years a total has without a breakdown add nothing to it), else the route table of the
    # common years' span
    pair_breakdown = (
        _text_pair(summed) if not extra else _breakdown_pair(brief, table, common, extra) if common else None
    )
    if not (extra or total_only):
        pair_total = _text_pair(total)
    if (extra or total_only) and common and pair_total is not None and pair_breakdown is not None:
        text += (
            f" Over the years both cover, {years_in_words(common)}, the breakdown sums to "
            f"{_in_words(bounds_text(pair_breakdown))} and the total is {_in_words(bounds_text(pair_total))}."
        )
    apart = bool(extra or total_only)
    compared = pair_total is not None and pair_breakdown is not None
    within = (
        pair_total is not None
        and pair_breakdown is not None
        and pair_breakdown[0] <= pair_total[0]
        and pair_total[1] <= pair_breakdown[1]
    )
    reasons = (
        "two differ because a country breaks down by citizenship only some of the victims it detects, or counts "
        "a victim under more than one citizenship, and because censored cells (<5) are ranges."
    )
    # the country's nationals detected on their return and exploited abroad are in its total, not in the route
    # table (the note under it says so): the first reason, where there are any
    left_out = repatriated_abroad(brief.selection(table, "destination"), brief.rule)
    if left_out is not None and not censored_interval(left_out):
        reasons = (
            f"two differ because the breakdown here leaves out {_in_words(bounds_text(left_out), 'nationals')} of "
            f"{brief.place} detected on their return, whom its breakdown by country of repatriation shows were "
            "exploited abroad (UNODC's total counts them), because a country breaks down by citizenship only "
            "some of the victims it detects, or counts a victim under more than one citizenship, and because "
            "censored cells (<5) are ranges."
        )
    unreconciled = _unreconciled_text(brief, table, numbers, common)
    if not common:
        text += " They cover no year in common, so they are not compared."
    elif within:
        agree = "Over those years the two agree" if apart else "The two agree"
        text += (
            f" {agree}{', summed' if unreconciled else ''}: the total lies within the range that the "
            "breakdown's censored cells (<5) allow."
        )
    elif compared:
        text += f" {'Over those years, the' if apart else 'The'} {reasons}"
    else:  # a number of the common years withheld: not compared, so not said to differ (Tonga's "up to 16"
        # beside "up to 16" read "The two differ because ..."; the Bahamas' "Beyond the years, the two differ")
        withheld = "Over the years both cover, some" if apart else "Some"
        text += (
            f" {withheld} of these counts are withheld, so the two are not compared; they can "
            f"{reasons.removeprefix('two ')}"
        )
    return escape_markdown(text + unreconciled)


def _unreconciled_text(
    brief: CountryBrief, table: LoadedTable, numbers: YearlyNumbers, years: Sequence[int]
) -> str:
    """What :func:`breakdown_sentence` adds of the years whose citizenship cells published as numbers alone
    exceed the total published for the year (Botswana 2020: Ghana 6 and Zimbabwe 6 against a total of 11):
    parts and total that cannot both be right, said rather than printed side by side in silence. Only years
    whose total is shown as a number (not withheld, not a range) are said, with numbers the tables show or sums
    of them, never below the disclosure threshold; empty where there are none."""
    from evidence.analyses import trends
    from evidence.analyses.intervals import UNCENSORED

    if not years:
        return ""
    selection = brief.selection(table, "destination")
    parts = trends.yearly_counts(selection, by="citizenship").group_by("year").agg(pl.col(UNCENSORED).sum())
    exact = {int(year): int(n) for year, n in parts.iter_rows()}
    said = []
    for year in years:
        pair = published_in_year(numbers, year)
        if pair is None or not isinstance(pair[0], int) or pair[0] != pair[1]:
            continue
        total = pair[0]
        if exact.get(year, 0) > total >= brief.rule.threshold:
            said.append(f"{year} ({exact[year]:,} against a total of {total:,})")
    if not said:
        return ""
    one = len(said) == 1
    return (
        f" Year by year, they cannot be reconciled in {word_list(said)}: the breakdown's cells published as "
        f"numbers (not <5) alone add up to more victims than the total UNODC gives for {'that year' if one else 'those years'}, so the "
        "parts and the total cannot both be right (a victim listed under two citizenships, or figures "
        "that disagree)."
    )


def _text_pair(text: str) -> tuple[int, int] | None:
    """A published number or range as a table shows it ("6,944", "6,289–6,445") as (low, high); None for a
    label ("<5", "x") or a missing cell."""
    parts = text.replace(",", "").split("–")
    if not all(p.isdigit() for p in parts) or len(parts) > 2:
        return None
    return int(parts[0]), int(parts[-1])


def _summed_pair(pairs: Sequence[tuple[int | str | None, int | str | None] | None]) -> tuple[int, int] | None:
    """The sum of published (low, high) pairs, None when any of them is withheld or missing: a sum of shown
    numbers, which discloses nothing the table above does not."""
    if not pairs or not all(p is not None and all(isinstance(v, int) for v in p) for p in pairs):
        return None
    return sum(p[0] for p in pairs), sum(p[1] for p in pairs)  # type: ignore[index,misc]


def _breakdown_pair(
    brief: CountryBrief, table: LoadedTable, years: Sequence[int], rest: Sequence[int]
) -> tuple[int, int] | None:
    """The sum of the citizenship breakdown over ``years`` as the route table of their span publishes it
    (:func:`~evidence.notebooks.builders.route_numbers`: the same rule and protection). None when a year of
    the ``rest`` (the breakdown's years without a total) lies inside that span, when the sum is withheld, or
    when the part left out, which a reader gets as the difference from the full route table's sum, is below
    the disclosure threshold and not made only of the publisher's own ``<5`` cells (the rule of
    :func:`~evidence.notebooks.builders.published_pair`)."""
    from evidence.analyses import trends
    from evidence.analyses.intervals import UNCENSORED

    first, last = years[0], years[-1]
    if any(first <= y <= last for y in rest):
        return None
    selection = Selection(table, country=brief.country, role="destination", years=(first, last))
    left_out = trends.yearly_counts(
        Selection(table, country=brief.country, role="destination", years=brief.years), by="citizenship"
    ).filter(pl.col("year").is_in(list(rest)))
    if (
        left_out.height
        and left_out["count_low"].sum() < brief.rule.threshold
        and left_out[UNCENSORED].sum() > 0
    ):
        return None
    routes = route_numbers(selection, brief.rule)
    return None if routes is None else _text_pair(str(routes.key_figures()["Victims"][0]))


def routes_period(brief: CountryBrief, table: LoadedTable, role: str, routes: RouteBounds) -> str:
    """The years a route table's charts hold, as readers read them (their subtitles): for a country as
    destination the years of its citizenship breakdown (:func:`breakdown_years`: Myanmar's of 2015–2021, not the
    brief's 2007–2021 of its totals); for nationals, the years of the series itself (their breakdown by the
    countries that detected them). The brief's years of the table when the breakdown lists none."""
    from evidence.analyses.coverage import years_text

    listed = breakdown_years(routes) if role == "destination" else []
    return years_text(listed) if listed else brief.period_for(table, role)


def breakdown_years(routes: RouteBounds) -> list[int]:
    """The years whose citizenship breakdown (the route table's rows) lists victims of the selection."""
    from evidence.analyses import trends

    if routes.selection is None:
        return []
    counts = trends.yearly_counts(routes.selection, by="citizenship")
    return sorted(positive_years(counts, "count_high"))


# ------------------------------------------------------------------------------------- the sources together


@dataclasses.dataclass(frozen=True)
class Magnitude:
    """One row of the sources-together table: what, which source, which year, the number as published."""

    what: str
    short: str  # for a chart's axis: "Identified (case data)"
    kind: str  # case, indicator, gsi
    table: LoadedTable
    year: int | None
    text: str  # as the brief's table shows it ("1,541", "<5", "401,000")
    value: float | None  # for the chart (None: withheld or not available)
    per_thousand: float | None = None  # per 1,000 estimated in modern slavery, where meaningful
    #: the year is flagged in the source's yearly numbers: probably incomplete, or not comparable with the other
    #: years (``kinds``, :attr:`~evidence.analyses.trends.IncompleteYear.kinds`)
    incomplete: bool = False
    #: how the year's flag is said (:func:`flag_words`): "probably incomplete", "not comparable with the other
    #: years", and what every year is when all are flagged; and that the year may count a person twice
    #: (:func:`counted_twice_words`)
    flag_text: str = ""
    #: the victims were exploited or detected in the country (role destination): only such a number is set
    #: against the estimate of people in modern slavery living in the country
    in_country: bool = False
    #: what the flagged year is (empty for a year not flagged)
    kinds: tuple[FlagKind, ...] = ()

    @property
    def year_text(self) -> str:
        """The year, said to be flagged where it is (probably incomplete, not comparable with the other years)."""
        if self.year is None:
            from evidence.analyses.society import ESTIMATE_YEAR_NOT_STATED

            return ESTIMATE_YEAR_NOT_STATED if self.kind == "gsi" and self.value is not None else ""
        if not self.incomplete:  # a complete year may still be said to count a person twice
            return f"{self.year} ({self.flag_text})" if self.flag_text else str(self.year)
        return f"{self.year} ({self.flag_text or trend_flag_words(self.kinds or (INCOMPLETE,))})"


def magnitudes(brief: CountryBrief) -> list[Magnitude]:
    """Identified (case data), detected (UNODC) and estimated (GSI) numbers for the country, each in one year:
    the GSI's estimate year (2021 for the 2023 edition) or, for the others, the year nearest to it (the brief's
    last year when the GSI file does not state its estimate year: then nothing is set against the estimate) that the brief's data hold; and
    each number per 1,000 estimated in modern slavery where both are about people in the country (not for the
    country's nationals found abroad)."""
    from evidence.analyses.society import gsi_profile

    gsi = brief.holding("gsi")
    estimate = None
    estimate_year: int | None = None  # None: no estimate, or its file does not state its year
    target = brief.years[1] if brief.years else None
    rows: list[Magnitude] = []
    if gsi:
        profile = gsi_profile(gsi[0], brief.country)
        number_row = profile.filter(pl.col("measure") == "estimated_number_in_modern_slavery")
        if number_row.height and number_row["value"][0] is not None:
            estimate = float(number_row["value"][0])
            if number_row["year"][0] is not None:  # None: the file does not state its estimate year
                estimate_year = target = int(number_row["year"][0])

    def magnitude(table: LoadedTable, kind: str, role: str, what: str, short: str) -> Magnitude | None:
        numbers = headline_numbers(brief, table, role)
        year = headline_year(brief, table, role, numbers, target) if kind == "indicator" else None
        year = year if kind == "indicator" else nearest_published(numbers, target)
        if year is None:
            return None
        if kind == "indicator" and no_reliable_year(numbers):
            # every year flagged: no number is set beside the others (:func:`no_reliable_total`)
            return Magnitude(what, short, kind, table, None, no_reliable_total(numbers), None)
        pair = published_in_year(numbers, year)
        return Magnitude(
            what,
            short,
            kind,
            table,
            year,
            cell_text(pair),
            _point(pair),
            incomplete=year in numbers.flagged,
            flag_text="; ".join(
                w for w in (flag_words(numbers, year), counted_twice_words(brief, table, role, year)) if w
            ),
            in_country=role == "destination",
            kinds=next((f.kinds for f in numbers.incomplete if f.year == year), ()),
        )

    # with role "both" the victims exploited in the country (set against the estimate) and all those
    # identified in or from it (its nationals exploited abroad too: not set against it), each on its row
    case_words = {  # (what, short) by the brief's role and the row's
        ("destination", "destination"): (
            "Victims identified and assisted in {place}",
            "Identified (case data)",
        ),
        ("origin", "origin"): ("Victims identified and assisted from {place}", "Identified (case data)"),
        ("both", "destination"): (
            "Victims exploited in {place}, identified and assisted",
            "Identified, exploited there",
        ),
        ("both", "both"): ("Victims identified and assisted in or from {place}", "Identified, in or from it"),
    }
    unodc_words = {
        "destination": (
            f"Victims detected by the authorities of {brief.place} (UNODC)",
            "Detected in the country (UNODC)",
        ),
        "origin": (
            # as the section on them names them: abroad, or abroad or at home (its own count of them)
            "Nationals of {place} detected {where} (UNODC)",
            NATIONALS_DETECTED,
        ),
        # an origin brief: the country's own detected victims too (their citizenship is not broken down)
        "own": (
            f"Victims detected by the authorities of {brief.place}, any citizenship (UNODC)",
            "Detected in the country (UNODC)",
        ),
    }
    case_roles = {"destination": ["destination"], "origin": ["origin"], "both": ["destination", "both"]}
    unodc_roles = {
        "destination": ["destination"],
        "origin": ["origin", "own"],
        "both": ["destination", "origin"],
    }
    candidates = [
        magnitude(table, "case", role, what.format(place=brief.place) + " (case data)", short)
        for table in brief.holding("case")
        for role in case_roles[brief.role]
        for what, short in [case_words[brief.role, role]]
    ] + [
        magnitude(
            table,
            "indicator",
            "destination" if role == "own" else role,
            what.format(place=brief.place, where=nationals_where(brief, table)) if role == "origin" else what,
            short,
        )
        for table in brief.holding("indicator")
        for role in unodc_roles[brief.role]
        for what, short in [unodc_words[role]]
    ]
    if brief.role == "both":
        candidates = _one_row_per_measure(candidates, brief)
    rows.extend(row for row in candidates if row is not None)
    if gsi and estimate is not None:
        rows.append(
            Magnitude(
                f"People estimated to be in modern slavery in {brief.place} (GSI, modelled)",
                "Estimated in modern slavery (GSI)",
                "gsi",
                gsi[0],
                estimate_year,
                f"{estimate:,.0f}",
                estimate,
            )
        )
    if estimate and estimate_year is not None:
        rows = [
            dataclasses.replace(r, per_thousand=r.value / estimate * 1000)
            if r.kind != "gsi"
            and r.value is not None
            and r.in_country
            and r.year is not None
            and near_estimate(r.year, estimate_year)
            else r
            for r in rows
        ]
    return rows


def _one_row_per_measure(candidates: list[Magnitude | None], brief: CountryBrief) -> list[Magnitude | None]:
    """Role "both": the case data's victims exploited in the country and those identified in or from it are
    one measure when they are the same victims (United States 2018: 174 and 174, every victim identified in or
    from the country exploited in it): one row, which says so, not the same figure twice as two measures. Where
    they differ by fewer than the threshold, the second row would give a small count (the country's
    nationals exploited abroad) by subtraction: it is left out too.

    Beside exact counts (records protected by suppression alone), the victims exploited in the country are a
    part of the cell of their year in the case section's yearly table (of the victims in or from it), so their
    row is left out wherever it would give a withheld or small count back (:func:`_part_gives_back`); the row of
    those in or from it, the table's own cell, is kept."""
    out = list(candidates)
    for i, here in enumerate(out):
        if here is None or here.kind != "case" or not here.in_country:
            continue
        if _part_gives_back(brief, here):
            out[i] = None
            continue
        for j, both in enumerate(out):
            if (
                j == i
                or both is None
                or both.kind != "case"
                or both.in_country
                or both.table is not here.table
            ):
                continue
            same = both.year == here.year and both.text == here.text
            apart = _text_pair(here.text), _text_pair(both.text)
            small = (
                both.year == here.year
                and apart[0] is not None
                and apart[1] is not None
                and apart[0][0] == apart[0][1]
                and apart[1][0] == apart[1][1]
                and brief.rule.is_small(apart[1][0] - apart[0][0])
            )
            if same:
                out[i] = dataclasses.replace(
                    here,
                    what=f"Victims identified and assisted in or from {brief.place}, all exploited in it "
                    "(case data)",
                    short="Identified, exploited there",
                )
            if same or small:
                out[j] = None
    return out


def _part_gives_back(brief: CountryBrief, here: Magnitude) -> bool:
    """Whether the role-both brief's row of the victims exploited in the country (``here``: role destination,
    one year) would give a withheld or small count back beside the case section's yearly table of the victims
    in or from it, of which they are a part. Only for exact counts: records protected by cell key are perturbed
    in every table, each cell by its own key (a difference of two is uncertain, as between any two outputs).

    The part bounds its year's cell from below: Thailand 2019-2020, 2019 ``<5``, 2020 ``x`` and 11 in all
    beside "exploited in Thailand, 2020: 10" gave 2020's 10 and 2019's 1 back. So its year's cell must be
    published as a number, and neither the year's nationals exploited abroad (that cell less the part: 12 less
    10 gave 2), nor the other years' victims exploited in the country or abroad (the totals less the year's,
    which the route table may give), may be a small count."""
    if brief.role != "both" or brief.selection(here.table, "both").keyed:
        return False
    shown = _text_pair(here.text)
    if shown is None or shown[0] != shown[1]:
        return False  # withheld or a range: no exact part
    whole = brief.yearly(here.table, "both")
    cell = _text_pair(cell_text(published_in_year(whole, here.year))) if here.year is not None else None
    if cell is None or cell[0] != cell[1]:
        return True

    def by_year(numbers: YearlyNumbers) -> dict[int, int]:
        counts = numbers.counts.filter(pl.col("year").is_not_null())
        return {int(y): int(n) for y, n in zip(counts["year"], counts["count_high"], strict=True)}

    part, all_years = by_year(brief.yearly(here.table, "destination")), by_year(whole)
    part_year, whole_year = part.get(here.year, 0), all_years.get(here.year, 0)  # type: ignore[arg-type]
    part_others = sum(part.values()) - part_year
    abroad_others = sum(all_years.values()) - whole_year - part_others
    return any(brief.rule.is_small(n) for n in (whole_year - part_year, part_others, abroad_others))


def magnitude_table(rows: Sequence[Magnitude]) -> pl.DataFrame:
    """The sources-together table for display. Its column of victims per 1,000 estimated in modern slavery only
    where a row has one: a column empty in every row (no GSI estimate for the country, or no number near its
    year or in the country) tells a reader nothing (Iceland, Bhutan; Cambodia as origin)."""
    columns = {
        "What": [r.what for r in rows],
        "Source": [source_line([r.table]) for r in rows],
        "Year": [r.year_text for r in rows],
        "Number": [r.text for r in rows],
    }
    if any(r.per_thousand is not None for r in rows):
        columns[PER_THOUSAND] = ["" if r.per_thousand is None else ratio_text(r.per_thousand) for r in rows]
    return pl.DataFrame(columns, schema={c: pl.String for c in columns})


#: The sources-together table's column of victims per 1,000 estimated in modern slavery.
PER_THOUSAND: Final = "Per 1,000 estimated in modern slavery"


def ratio_text(per_thousand: float) -> str:
    """Victims per 1,000 estimated in modern slavery as every part of a brief writes them: the magnitude table,
    its sentences and the table beside the neighbours (:func:`evidence.presentation.comparison.format_value`),
    one rounding for one ratio (Botswana read 2.8 in one and 2.75 in the other)."""
    from evidence.analyses.society import DETECTION_GAP
    from evidence.presentation.comparison import format_value

    return format_value(DETECTION_GAP, per_thousand)


def magnitude_sentences(brief: CountryBrief, rows: Sequence[Magnitude]) -> list[str]:
    """What the sources say together, in orders of magnitude, one sentence per comparison; each number is a
    published one (a withheld number is not compared)."""
    estimate = next((r for r in rows if r.kind == "gsi"), None)
    out = []
    for r in rows:
        if r.kind == "gsi" or r.per_thousand is None or estimate is None:
            continue
        verb = "identified and assisted" if r.kind == "case" else "detected"
        ratio = ratio_text(r.per_thousand)
        out.append(
            f"For every 1,000 people estimated to be in modern slavery in {escape_markdown(brief.place)} in "
            f"{estimate.year}, {number(float(ratio.replace(',', '')), 'statistic', digits=_decimals(ratio))} "
            f"victims were {verb} in {escape_markdown(r.year_text)} ({escape_markdown(r.text)} in all; "
            f"{_order(r.per_thousand)})." + (_flagged_ratio_words(r) if r.incomplete else "")
        )
    if estimate is not None and estimate.year is not None:
        # only a number of people in the country is ever set against the estimate: a row of the country's
        # nationals (its victims identified from it, its nationals detected) is too far from its year or not,
        # never compared, and said so below for its own reason
        far = [
            r
            for r in rows
            if r.kind != "gsi"
            and r.in_country
            and r.year is not None
            and not near_estimate(r.year, estimate.year)
        ]
        if far:
            out.append(
                escape_markdown(
                    "; ".join(f"{r.what}, {r.year}" for r in far)
                    + f": not set against the estimate of {estimate.year}, being more than {MAX_YEARS_FROM_ESTIMATE} "
                    "years from it."
                )
            )
        if any(r.kind == "case" and not r.in_country for r in rows) and brief.role == "both":
            # the row of the victims exploited in the country is left out where it would give a small count
            # back (:func:`_part_gives_back`): then none of the case data is set against the estimate
            exploited = [r for r in rows if r.kind == "case" and r.in_country]
            # the row shown but withheld (Lao PDR's x): no ratio follows it, so nothing is set against the estimate
            withheld = next((r for r in exploited if r.value is None), None)
            not_set = (
                f"Victims identified in or from {brief.place} include its nationals exploited abroad, and are not "
                "set against the estimate, which counts people living in the country; "
            )
            out.append(
                escape_markdown(
                    f"Victims identified in or from {brief.place} include its nationals exploited abroad: only "
                    f"the victims exploited in {brief.place} are set against the estimate, which counts people "
                    "living in the country."
                    if exploited and withheld is None
                    else not_set
                    + (
                        f"the number of victims exploited in {brief.place} is withheld ({withheld.text}), as it "
                        "would give a small number of victims back."
                        if withheld is not None
                        else f"the victims exploited in {brief.place} are not given apart, as that would give a "
                        "small number of victims back."
                    )
                )
            )
        # the rows of the country's nationals (role origin: UNODC's nationals detected, the case data's victims
        # from the country), but not role both's victims identified in or from it, said above
        nationals = [
            r
            for r in rows
            if r.kind != "gsi" and not r.in_country and not (r.kind == "case" and brief.role == "both")
        ]
        if nationals:
            # named as their rows name them: UNODC's nationals of Lao PDR are detected abroad only (no count of
            # its own), and "found abroad or at home" said of them contradicted the row above; with the case
            # data's victims from the country, where those rows found them (Lao PDR's: all in Thailand)
            where = "abroad or at home" if any(_found_at_home(brief, r) for r in nationals) else "abroad"
            whom = (
                f"detected {nationals_where(brief, nationals[0].table)}"
                if all(r.kind == "indicator" for r in nationals)
                else f"found {where}"
            )
            out.append(
                escape_markdown(
                    f"Nationals of {brief.place} {whom} are not set against the estimate: the GSI "
                    "estimates people in modern slavery living in the country, whatever their nationality."
                )
            )
    return out


def _found_at_home(brief: CountryBrief, row: Magnitude) -> bool:
    """Whether a row of the country's nationals counts some found in the country itself: UNODC's, where its
    own authorities count some (:func:`nationals_where`); the case data's, where a victim from it was exploited
    in it (a domestic route of the brief's route table, shown there as a count, a zero too)."""
    if row.kind == "indicator":
        return nationals_where(brief, row.table) != "abroad"
    records = brief.selection(row.table, "origin").records()
    return records.filter(pl.col("destination_iso3") == brief.country).height > 0


def _flagged_ratio_words(row: Magnitude) -> str:
    """What a ratio to the estimate of a flagged year says of it: a year probably incomplete may make the ratio
    too low; one only not comparable with the other years counts something else, not too few."""
    kinds = row.kinds or (INCOMPLETE,)
    if INCOMPLETE not in kinds:
        return f" {row.year} is {trend_flag_words(kinds)} (see the yearly table)."
    return f" {row.year} is flagged as {trend_flag_words(kinds)} (see the yearly table), so the ratio may be too low."


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def _order(per_thousand: float) -> str:
    """The ratio of a yearly count to the estimate in words, as Markdown: "about one in 2,000", its number
    marked a statistic (the United Kingdom's "about one in 10" is no count of people: at threshold 11 the
    scan refused the brief)."""
    if per_thousand <= 0:
        return "none"
    one_in = 1000 / per_thousand
    if one_in < 1.5:
        return "about as many as estimated"
    magnitude = 10 ** math.floor(math.log10(one_in))
    rounded = round(one_in / magnitude) * magnitude
    return f"about one in {number(int(rounded), 'statistic')}"


# --------------------------------------------------------------------------------------- the GSI section

#: Walk Free's regions that English names with an article ("Rank in the Americas", not "Rank in Americas").
_REGIONS_WITH_THE: Final = frozenset({"Americas", "Arab States"})


def gsi_view(brief: CountryBrief) -> tuple[pl.DataFrame, str] | None:
    """The country's GSI figures with its rank in its region, and one sentence; None when the GSI table given
    does not assess the country."""
    from evidence.analyses.society import gsi_edition_text, gsi_profile

    gsi = gsi_shown(brief)
    if gsi is None:
        return None
    profile = gsi_profile(gsi, brief.country)
    if profile.is_empty():
        return None
    region = profile["region"][0] or "its region"
    region = f"the {region}" if region in _REGIONS_WITH_THE else region
    # a measure the edition's file has no column for (an estimates-only edition) is not the country's gap
    data = gsi.data
    absent = {
        m for m in profile["measure"].to_list() if m in data.columns and data[m].null_count() == data.height
    }
    formats = {
        "estimated_number_in_modern_slavery": lambda v: f"{v:,.0f}",
        "prevalence_per_1000": lambda v: f"{v:.2f}",
        "vulnerability_total": lambda v: f"{v:.1f}",
        "response_total": lambda v: f"{v:.1f}",
    }
    columns = {
        "Measure": profile["label"].to_list(),
        brief.name: [
            ("not in this edition" if m in absent else "n/a") if v is None else formats[m](v)
            for m, v in zip(profile["measure"].to_list(), profile["value"].to_list(), strict=True)
        ],
    }
    if profile["ranked"].is_not_null().any():  # an edition without regions ranks nobody: no column of blanks
        columns[f"Rank in {region} (1 = highest)"] = [
            "" if r is None else f"{r} of {n}"
            for r, n in zip(profile["rank"].to_list(), profile["ranked"].to_list(), strict=True)
        ]
    table = pl.DataFrame(columns)
    values = dict(zip(profile["measure"].to_list(), profile["value"].to_list(), strict=True))
    year = profile["year"][0]
    when = f"in {year}" if year is not None else f"({gsi_edition_text(gsi)})"
    sentence = (
        f"Walk Free estimates that {values['estimated_number_in_modern_slavery'] or 0:,.0f} people were living in "
        f"modern slavery in {brief.place} on any given day {when}, {values['prevalence_per_1000'] or 0:.2f} "
        f"for every 1,000 people."
        if values.get("estimated_number_in_modern_slavery") is not None
        else f"Walk Free assesses {brief.place} but publishes no estimate of the number in modern slavery."
    )
    return table, escape_markdown(sentence)


#: What each GSI measure is called where the ranks' counts of countries are said (:func:`gsi_rank_note`).
_GSI_SHORT_NAMES: Final = {
    "estimated_number_in_modern_slavery": "the estimate",
    "prevalence_per_1000": "prevalence",
    "vulnerability_total": "vulnerability",
    "response_total": "the government response",
}


def gsi_rank_note(brief: CountryBrief) -> str | None:
    """Why the ranks of the GSI table count different numbers of countries, when they do: Walk Free gives each
    measure for its own set of countries (Asia and the Pacific: 27 estimated, 32 rated for the government
    response), so "22 of 27" and "11 of 32" stand in one column. None when every rank counts the same
    countries, or nothing is ranked. Plain text: a table's note, which the table escapes."""
    from evidence.analyses.society import gsi_profile

    gsi = gsi_shown(brief)
    if gsi is None:
        return None
    # the ranks shown: a measure the country has no value for is given no rank
    profile = gsi_profile(gsi, brief.country).filter(
        pl.col("rank").is_not_null() & pl.col("ranked").is_not_null()
    )
    if profile.is_empty() or profile["ranked"].n_unique() < 2:
        return None
    groups: dict[int, list[str]] = {}
    for measure, n in profile.select("measure", "ranked").iter_rows():
        groups.setdefault(int(n), []).append(_GSI_SHORT_NAMES.get(measure, measure))
    said = "; ".join(f"{n:,} for {word_list(names)}" for n, names in groups.items())
    # the region is named in the rank's column ("Rank in the Americas"), not again here
    return f"Each measure is ranked among the region's countries the edition gives it for: {said}."


# ------------------------------------------------------------------------------------ the TIP tier section


def tier_history(brief: CountryBrief) -> pl.DataFrame:
    """The country's tier in every report year the tier files hold (report_year, tier; a later file wins for the
    same year), sorted."""
    frames = [
        t.data.filter((pl.col("iso3") == brief.country) & pl.col("tier").is_not_null()).select(
            pl.col("report_year").cast(pl.Int64), pl.col("tier").cast(pl.String), pl.lit(i).alias("_order")
        )
        for i, t in enumerate(brief.holding("tier"))
    ]
    if not frames:
        return pl.DataFrame(schema={"report_year": pl.Int64, "tier": pl.String})
    return (
        pl.concat(frames)
        .sort("_order")
        .unique("report_year", keep="last", maintain_order=True)
        .sort("report_year")
        .drop("_order")
    )


#: How many years older than the brief's other headline figures the latest TIP tier may be and still be shown
#: among them (At a glance): the brief's one rule for numbers of different years side by side
#: (:data:`~evidence.analyses.society.MAX_YEARS_FROM_ESTIMATE`). An older placement is the policy context of
#: another time (Kelley's coding ends with the 2015 report): it stays in the tier section, said to be that old,
#: and is left out of At a glance. A tier file of later reports (the simple CSV layout) brings it back.
MAX_TIER_YEARS_OLDER = MAX_YEARS_FROM_ESTIMATE


def figures_year(brief: CountryBrief) -> int | None:
    """The latest year of the brief's other headline figures (identified victims, detected victims, the GSI
    estimate): what the TIP tier is dated against; None when there are none."""
    years = [year for _, _, year in _headline_figures(brief) if year is not None]
    return max(years) if years else None


def tier_age(brief: CountryBrief, history: pl.DataFrame | None = None) -> tuple[int, int, int] | None:
    """(the latest report year of the tier data, the year of the brief's other figures, how many years older
    the tier is), or None when there is no tier or no other figure, or the tier is not older."""
    history = tier_history(brief) if history is None else history
    other = figures_year(brief)
    if not history.height or other is None:
        return None
    last = int(history["report_year"].max())  # type: ignore[arg-type]
    return (last, other, other - last) if other > last else None


def tier_age_sentence(age: tuple[int, int, int]) -> str:
    """ "The tier data end with the report of 2015, 6 years before the brief's other figures (2021)…"."""
    last, other, gap = age
    return (
        f"The tier data given end with the report of {last}, {gap} year{'s' if gap != 1 else ''} before the "
        f"brief's other figures ({other}): later placements are not in them (the State Department publishes a "
        # where a reader finds a later placement; how to add a tier file is the toolkit's documentation's to say
        f"report each June: a placement since {last} is in its later reports)."
    )


def tier_sentence(brief: CountryBrief, history: pl.DataFrame) -> str:
    """The latest placement and the changes onto or off the Watch List and Tier 3, in one paragraph; when the
    tier data end years before the brief's other figures, how many (:func:`tier_age`)."""
    if not history.height:
        return f"No TIP tier placement of {escape_markdown(brief.place)} in the tier files given."
    latest = history.row(-1, named=True)
    # the Watch List is a list a country is placed on; a tier is a rank ("placed on Tier 3")
    placed = f"the {latest['tier']}" if str(latest["tier"]).endswith("Watch List") else latest["tier"]
    text = (
        f"In the latest report the data hold ({latest['report_year']}), {brief.place} was placed on {placed}."
    )
    if age := tier_age(brief, history):
        text += " " + tier_age_sentence(age)
    changes = []
    previous = None
    for row in history.iter_rows(named=True):
        if (
            previous is not None
            and row["tier"] != previous["tier"]
            and row["report_year"] == previous["report_year"] + 1
        ):
            changes.append(f"{previous['tier']} to {row['tier']} in {row['report_year']}")
        previous = row
    if changes:
        text += " Changes: " + "; ".join(changes) + "."
    listed = history.filter(pl.col("tier").is_in(["Tier 2 Watch List", "Tier 3"]))["report_year"].to_list()
    if listed:
        text += f" On the Watch List or Tier 3 in the reports of {years_in_words(listed)}."
    return escape_markdown(text)


# ------------------------------------------------------------------------------------------ key figures


def key_figures(brief: CountryBrief) -> list[tuple[str, str]]:
    """The brief's headline numbers (label, value as published), one per source that holds data: identified
    victims in the years (case data), detected victims in the latest complete year (UNODC: the latest year not
    flagged, :func:`nearest_published`), the GSI estimate, the latest TIP tier — unless
    it is more than :data:`MAX_TIER_YEARS_OLDER` years older than the other figures (:func:`tier_left_out`
    then says why it is not there)."""
    out = [(label, value) for label, value, _ in _headline_figures(brief)]
    history = tier_history(brief)
    # the tier data running past the brief's years: the placement of its years
    shown = tier_of_years(brief, history)
    shown = history if shown is None else shown
    if shown.height and tier_left_out(brief, history) is None:
        placement = shown.row(-1, named=True)
        out.append((f"US TIP Report tier, {placement['report_year']} report", str(placement["tier"])))
    return out


def tier_of_years(brief: CountryBrief, history: pl.DataFrame | None = None) -> pl.DataFrame | None:
    """The tier placements of reports up to the brief's last year, when the tier data run past it (a brief of
    2007–2009 headlines the 2009 report's tier, not Kelley's last of 2015 said to be older than the GSI's 2021);
    None when they do not (the latest placement is then dated against the brief's other figures,
    :func:`tier_age`)."""
    history = tier_history(brief) if history is None else history
    if brief.years is None or not history.height or int(history["report_year"].max()) <= brief.years[1]:  # type: ignore[arg-type]
        return None
    return history.filter(pl.col("report_year") <= brief.years[1])


def tier_left_out(brief: CountryBrief, history: pl.DataFrame | None = None) -> str | None:
    """Why the latest TIP tier is not among the key figures (too many years older than the others: see
    :data:`MAX_TIER_YEARS_OLDER`), or None when it is shown (or there is none)."""
    history = tier_history(brief) if history is None else history
    if (within := tier_of_years(brief, history)) is not None:
        # the tier data run past the brief's years: its last year's placement, dated against that year
        if not within.height or brief.years is None:
            return None
        last = int(within["report_year"].max())  # type: ignore[arg-type]
        gap = brief.years[1] - last
        if gap <= MAX_TIER_YEARS_OLDER:
            return None
        return (
            f"US TIP Report tier: not shown here, the latest report of the brief's years that placed "
            f"{brief.place} is of {last}, {gap} years before {brief.years[1]}; see the policy context below."
        )
    age = tier_age(brief, history)
    if age is None or age[2] <= MAX_TIER_YEARS_OLDER:
        return None
    last, other, gap = age
    return (
        f"US TIP Report tier: not shown here, the tier data given end with the report of {last}, {gap} years "
        f"before the other figures ({other}); see the policy context below."
    )


def _headline_figures(brief: CountryBrief) -> list[tuple[str, str, int | None]]:
    """The key figures other than the tier, each with its (latest) year (None: a GSI estimate whose file does
    not state its year); made once per brief (the key figures and the tier's age read them)."""
    key = ("headline figures",)
    if key not in brief._kept:
        brief._kept[key] = tuple(_headline_figures_of(brief))
    return list(brief._kept[key])


#: A key figure that is a range of censored counts (``45–51``, ``up to 8``), not one count.
_RANGE_FIGURE = re.compile(r"\d–\d|^up to \d")

#: At a glance, the detected victims of a country whose UNODC data give only breakdowns, never a total.
NO_TOTAL_AT_A_GLANCE: Final = "no total published (see below)"


def _headline_figures_of(brief: CountryBrief) -> list[tuple[str, str, int | None]]:
    out: list[tuple[str, str, int | None]] = []
    for table in brief.holding("case"):
        routes = brief.routes(table)
        span = brief.years_for(table)
        if routes is not None:
            total = routes.key_figures()["Victims"][0]
            year = span[1] if span else max(brief._held(table) or (0,))
            # a key figure's label says its years as a sentence would ("2010 and 2018": "2010, 2018" read as a list)
            when = word_list(brief.period_for(table).split(", "))
            out.append((f"Victims identified, {when} (case data)", str(total), year))
    for table in brief.holding("indicator"):
        # an origin brief: the country's own detected victims too, after its nationals
        roles = {"both": ["destination", "origin"], "origin": ["origin", "destination"]}.get(
            brief.role, [brief.role]
        )
        for role in roles:
            numbers = headline_numbers(brief, table, role)
            years = years_with_victims(numbers)
            what = "Victims detected in the country" if role == "destination" else NATIONALS_DETECTED
            if role == "destination":
                what += " (UNODC)" if brief.role != "origin" else " (UNODC, any citizenship)"
            if not years and role == "destination" and brief.role != "origin" and numbers.holds_victims:
                # breakdowns without a total in any year (Cambodia's forms and ages): the source is named at a
                # glance, with no number, as its section below says
                out.append((what, NO_TOTAL_AT_A_GLANCE, None))
                continue
            if not years or (role != brief.role and brief.role == "origin" and not numbers.has_totals):
                continue
            # one rule in every brief (:data:`HEADLINE_RULE`): the latest year not flagged (probably
            # incomplete, or not comparable), as published there, with its year; when every year is flagged, no
            # number at all
            if no_reliable_year(numbers):
                out.append((what, no_reliable_total(numbers), years[-1]))
                continue
            latest = headline_year(brief, table, role, numbers, years[-1]) or years[-1]
            text = cell_text(published_in_year(numbers, latest))
            later = [y for y in years if y > latest]
            flag_of = {f.year: f.words for f in numbers.incomplete}
            said = [
                # a flagged year headlined, no complete one having a count the brief can show (Belgium's nationals
                # at a threshold of 10: 2015's "up to 8" withheld, 2016 one country alone): said so, against the
                # rule under the key figures
                f"itself {flag_of[latest]}, as no complete year has a count this brief can show"
                if latest in flag_of
                else "",
                # why the headline is not of the latest year (Ukraine's 2012, where it has counts to 2021)
                _later_words(
                    later,
                    flag_of,
                    # (a later year not flagged: one a headline of the nationals passes over, and why)
                    single_partner_small_years(brief, table, numbers)
                    if role == "origin" and not set(later) <= set(numbers.flagged)
                    else (),
                    lone_bound(brief.rule),
                ),
                counted_twice_words(brief, table, role, latest),
            ]
            words = "; ".join(w for w in said if w)
            out.append((f"{what}, {latest}" + (f" ({words})" if words else ""), text, latest))
    for table in brief.holding("gsi")[:1]:
        from evidence.analyses.society import gsi_profile

        profile = gsi_profile(table, brief.country).filter(
            pl.col("measure") == "estimated_number_in_modern_slavery"
        )
        if profile.height and profile["value"][0] is not None and profile["year"][0] is None:
            # no year to date it by (nor to date the tier against): the edition says what it is
            from evidence.analyses.society import gsi_edition_text

            out.append(
                (
                    f"People estimated in modern slavery ({gsi_edition_text(table)})",
                    f"{profile['value'][0]:,.0f}",
                    None,
                )
            )
        elif profile.height and profile["value"][0] is not None:
            out.append(
                (
                    f"People estimated in modern slavery, {profile['year'][0]} (GSI)",
                    f"{profile['value'][0]:,.0f}",
                    int(profile["year"][0]),
                )
            )
    return out


def _unodc_flag_kinds(brief: CountryBrief) -> set[FlagKind]:
    """The kinds of the flagged years of the UNODC series the key figures headline (:func:`_headline_figures_of`:
    the brief's roles, and the country's own detected victims in an origin brief)."""
    roles = {"both": ["destination", "origin"], "origin": ["origin", "destination"]}.get(
        brief.role, [brief.role]
    )
    return {
        kind
        for table in brief.holding("indicator")
        for role in roles
        for flag in headline_numbers(brief, table, role).incomplete
        for kind in flag.kinds
    }


def key_figures_markdown(brief: CountryBrief) -> str:
    """The key-figures box (a ``.key-figures`` div, which the brief puts first): the country, role and years,
    then :func:`key_figures`; a withheld number is explained under it."""
    lines = [
        "::: {.key-figures}",
        "### At a glance",
        "",
        f"- **Country:** {escape_markdown(brief.name)} as {ROLE_WORDS[brief.role]}",
        f"- **Years:** {escape_markdown(brief.period)}",
    ]
    figures = key_figures(brief)
    for label, value in figures:
        lines.append(f"- **{escape_markdown(label)}:** {escape_markdown(value)}")
    shown = " ".join(v for _, v in figures)
    if brief.rule.label in shown:
        # UNODC's figures are ranges of censored counts: one whose low end is small is withheld whole (8–17 as
        # <11), said of every brief with UNODC's data, whatever the hidden range (tables.small_note)
        ranges = (
            f", or a range of counts whose low end is below {brief.rule.threshold} (the whole range withheld)"
            if brief.holding("indicator")
            else ""
        )
        lines.append(
            f"\n{escape_markdown(brief.rule.label)}: fewer than {brief.rule.threshold}{ranges}, not shown."
        )
    if COMPLEMENT_LABEL in [v for _, v in figures]:
        lines.append(f"\n{COMPLEMENT_LABEL}: withheld so that a small count cannot be recomputed.")
    if any(_RANGE_FIGURE.search(v) for _, v in figures):
        # a UNODC figure as a range (Cambodia's nationals of 2018: 45–51) is explained where it is read, as the
        # tables under a range explain theirs
        from evidence.notebooks.views import censored_range_note

        thresholds = {
            n
            for table in brief.holding("indicator")
            for n in censoring_thresholds(table.data.filter(pl.col("censored"))["value_high"])
        }
        lines.append(f"\n{escape_markdown(censored_range_note(sorted(thresholds)))}")
    # the rule of a nationals' headline year, under a nationals' headline only: a destination brief (the
    # United States, Cambodia: no UNODC figure at all) has no year of nationals to explain
    if any(label.startswith(NATIONALS_DETECTED) for label, _ in figures):
        from evidence.analyses.trends import MATERIAL_SHARE

        rule = headline_rule(_unodc_flag_kinds(brief), f"{MATERIAL_SHARE:.0%}", lone_bound(brief.rule))
        lines.append(f"\n{escape_markdown(rule)}")
    if left_out := tier_left_out(brief):
        lines.append(f"\n{escape_markdown(left_out)}")
    lines.append(":::")
    return "\n".join(lines)
