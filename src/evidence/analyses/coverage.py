"""What each loaded source holds for one country in one role: the years it has victims for, the victims of a
selection, and the span of years a brief should cover by default.

A country brief brings several sources together (victim-level case data, UNODC's detected victims, Walk Free's
estimates, US TIP tiers). Before anything is built, :func:`coverage` tells for each of them whether it holds
anything for the country and role (and, for victim counts, in the years asked for), and which years it does hold,
so that:

* the default years of a brief are the span the data hold for the country and role (:attr:`Coverage.span`), not a
  fixed window;
* a selection with no victims is refused before any work starts, with the years the data do hold
  (:attr:`Coverage.empty`, :meth:`Coverage.explain`);
* a source that holds nothing for the brief is neither analysed nor cited.

Victims are counted the way the analyses count them (:func:`evidence.analyses.trends.yearly_counts`): case
records of the country's citizens (origin), exploited or identified in it (destination) or either (both); for
UNODC's country data, victims the country detected (destination), its nationals in other countries' citizenship
breakdowns and the victims its own authorities detected (origin: both series an origin brief shows), or either; a year the country published only a breakdown of its victims (by form, sex, age
or citizenship, without a total) holds victims too. A censored UNODC cell (``<5``) holds 1 to 4 victims: it
counts as holding victims. Only *whether* there are victims and in which years is reported here, never how
many: the counts go through disclosure control where they are published.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

import polars as pl

from evidence.analyses.selection import Role, Selection, check_country, check_role, check_years, kept_once
from evidence.core.errors import ParameterError
from evidence.sources.loaded import LoadedTable

#: Table kinds that count victims (case records, UNODC's detected victims) and those that give context.
VICTIM_KINDS = ("case", "indicator")
CONTEXT_KINDS = ("gsi", "tier")

#: How a brief names a role.
ROLE_WORDS = {
    "origin": "country of origin",
    "destination": "country of destination",
    "both": "country of origin or destination",
}


@dataclasses.dataclass(frozen=True)
class SourceCoverage:
    """What one loaded table holds for the country and role.

    ``years``: the years it has victims for (case, indicator), its report years that rank the country (tier), or
    the estimate year (GSI), sorted; empty when it holds nothing for the country. ``in_selection``: whether it has
    victims in the selection's years (case, indicator) or any value for the country (GSI, tier).
    """

    table: LoadedTable
    years: tuple[int, ...]
    in_selection: bool

    @property
    def kind(self) -> str:
        return self.table.kind

    @property
    def counts_victims(self) -> bool:
        return self.kind in VICTIM_KINDS

    @property
    def label(self) -> str:
        """The source as readers name it, with its release."""
        return self.table.provenance.label

    def years_text(self) -> str:
        """The years held, as readers read them: ``2010``, ``2003–2021``, ``2002, 2010, 2014–2019``; ``none``."""
        return years_text(self.years)

    @property
    def records_countries(self) -> bool:
        """Whether the table records countries at all: case records that name UN regions only (the CTDC
        Victim–Perpetrator layout) can hold no country's victims, whatever the years."""
        if self.kind != "case":
            return True
        data = self.table.data
        columns = [c for c in ("origin_iso3", "destination_iso3") if c in data.columns]
        return bool(columns) and bool(
            data.select(pl.any_horizontal(pl.col(columns).is_not_null()).any()).item()
        )

    def held_text(self) -> str:
        """What it holds for the country and role, as readers read it: the years (:meth:`years_text`), or
        that it records no countries at all (an empty list of years would say less, and mislead)."""
        if not self.years and not self.records_countries:
            return "it records UN regions only, never countries"
        if self.kind == "gsi" and self.in_selection and not self.years:
            return "estimates, estimate year not stated"
        return self.years_text()


@dataclasses.dataclass(frozen=True)
class Coverage:
    """What every loaded table holds for ``country`` as ``role`` in ``years`` (None: every year)."""

    country: str
    role: str
    years: tuple[int, int] | None
    sources: tuple[SourceCoverage, ...]

    @property
    def victim_sources(self) -> list[SourceCoverage]:
        return [s for s in self.sources if s.counts_victims]

    @property
    def context_sources(self) -> list[SourceCoverage]:
        return [s for s in self.sources if s.kind in CONTEXT_KINDS]

    @property
    def span(self) -> tuple[int, int] | None:
        """The default years: from the first to the last year any victim source holds victims of the country in
        its role; None when none does."""
        years = [y for s in self.victim_sources for y in s.years]
        return (min(years), max(years)) if years else None

    @property
    def has_victims(self) -> bool:
        """Whether any victim source has victims in the selection."""
        return any(s.in_selection for s in self.victim_sources)

    @property
    def empty(self) -> bool:
        """A selection a brief must refuse: victim data were given and none has victims in the selection, or no
        victim data were given and no other source holds anything for the country."""
        if self.victim_sources:
            return not self.has_victims
        return not any(s.in_selection for s in self.context_sources)

    def place(self) -> str:
        from evidence.sources.countries import name_in_text

        return f"{name_in_text(self.country) or self.country} as {ROLE_WORDS[self.role]}"

    def explain(self) -> str:
        """Why the selection is empty and which years the data do hold for the country and role (one paragraph,
        plain text)."""
        when = f" in {years_text(range(self.years[0], self.years[1] + 1))}" if self.years else ""
        sources = self.victim_sources or list(self.sources)
        if not sources:
            return "no data files were given"
        held = [f"{s.label}: {s.held_text()}" for s in sources]
        what = "no victims of" if self.victim_sources else "nothing for"
        return f"the data hold {what} {self.place()}{when}. Years they hold for it: " + "; ".join(held)


def years_text(years: Iterable[int]) -> str:
    """Years as runs: ``2003–2021``, ``2010``, ``2002, 2010, 2014–2019``; ``none`` when there are none."""
    ordered = sorted(set(years))
    if not ordered:
        return "none"
    runs: list[tuple[int, int]] = []
    for year in ordered:
        if runs and year == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], year)
        else:
            runs.append((year, year))
    return ", ".join(str(a) if a == b else f"{a}\u2013{b}" for a, b in runs)


def years_in_words(years: Iterable[int]) -> str:
    """Years as a sentence says them: ``2003–2021``, ``2010 and 2018``, ``2002, 2010 and 2014–2019`` (the runs
    of :func:`years_text`, the last after "and": "in 2012, 2015 it gives" read as a clause after 2012)."""
    from evidence.core.text import word_list

    return word_list(years_text(years).split(", "))


def victim_years(table: LoadedTable, country: str, role: str) -> tuple[int, ...]:
    """The years ``table`` (case or UNODC indicator) holds victims of ``country`` as ``role`` for, sorted: those
    of every series a brief shows for the country in its role (:func:`series_years`). For UNODC's country data
    an origin brief shows the country's nationals detected anywhere *and* the victims its own authorities
    detected (their totals; their citizenship is not broken down every year), so both count: Lao PDR's own
    2007 and 2010 are years the brief holds, though no citizenship breakdown names Lao nationals in them."""
    years = set(series_years(table, country, role))
    if table.kind == "indicator" and check_role(role) == "origin":
        years |= set(series_years(table, country, "destination", totals_only=True))
    return tuple(sorted(years))


def series_years(
    table: LoadedTable, country: str, role: str, *, totals_only: bool = False
) -> tuple[int, ...]:
    """The years ``table`` holds victims of ``country`` as ``role`` for in one series, sorted: the case records
    of the selection; UNODC's nationals detected anywhere (origin), the victims the country detected (destination:
    a year with only a breakdown of them counts too, unless ``totals_only``), or either (both). Read once per
    table's frame, country and role (a brief's coverage, years and sections ask again)."""
    country = _iso3(country)
    role = check_role(role)
    return kept_once(
        table.data,
        ("series_years", table.kind, country, role, totals_only),
        lambda: _series_years(table, country, role, totals_only=totals_only),
    )


def _series_years(table: LoadedTable, country: str, role: Role, *, totals_only: bool) -> tuple[int, ...]:
    if table.kind == "case":
        records = Selection(table, country=country, role=role).records()
        years = (
            records["year"].drop_nulls().unique().cast(pl.Int64).to_list()
            if "year" in records.columns
            else []
        )
        return tuple(sorted(int(y) for y in years))
    if table.kind == "indicator":
        roles = ("origin", "destination") if role == "both" else (role,)
        found: set[int] = set()
        for one in roles:
            # the victims a country detected are published as a total and broken down by form, sex, age and
            # citizenship; a year with a breakdown but no total (Cambodia's forms of 2007) holds victims too
            breakdowns = INDICATOR_BREAKDOWNS if one == "destination" and not totals_only else (None,)
            for by in breakdowns:
                counts = _indicator_counts(table, country, one, by)
                found |= set(counts.filter(pl.col("count_high") > 0)["year"].cast(pl.Int64).to_list())
        return tuple(sorted(found))
    raise ParameterError(f"a {table.kind} table holds no victims (case records or UNODC country data)")


#: The dimensions UNODC publishes the victims a country detected by (None: the total).
INDICATOR_BREAKDOWNS = (None, "form", "sex", "age", "citizenship")


def _indicator_counts(table: LoadedTable, country: str, role: str, by: str | None = None) -> pl.DataFrame:
    from evidence.analyses import trends

    return trends.yearly_counts(Selection(table, country=country, role=role), by=by)  # type: ignore[arg-type]


def _context_years(table: LoadedTable, country: str) -> tuple[int, ...]:
    data = table.data.filter(pl.col("iso3") == country)
    if table.kind == "gsi":
        measured = data.filter(
            pl.col("estimated_number_in_modern_slavery").is_not_null()
            | pl.col("prevalence_per_1000").is_not_null()
        )
        return tuple(sorted({int(y) for y in measured["estimate_year"].to_list() if y is not None}))
    if table.kind == "tier":
        ranked = data.filter(pl.col("tier").is_not_null())
        return tuple(sorted({int(y) for y in ranked["report_year"].to_list() if y is not None}))
    return ()


def _undated_estimates(table: LoadedTable, country: str) -> bool:
    """Whether a GSI table has an estimate for the country whose year it does not state (an edition the loader
    does not know the estimate year of, or a file naming no edition): data all the same."""
    if table.kind != "gsi":
        return False
    data = table.data.filter(pl.col("iso3") == country)
    measured = (
        pl.col("estimated_number_in_modern_slavery").is_not_null()
        | pl.col("prevalence_per_1000").is_not_null()
    )
    return bool(data.filter(measured & pl.col("estimate_year").is_null()).height)


def source_coverage(
    table: LoadedTable, country: str, role: str, years: tuple[int, int] | None = None
) -> SourceCoverage | None:
    """What ``table`` holds for the country and role (None for a table a brief does not read, such as list
    capture data)."""
    if table.kind in VICTIM_KINDS:
        held = victim_years(table, country, role)
        if years is None:
            undated = table.kind == "case" and _has_undated(table, country, role)
            inside = bool(held) or undated
        else:
            # records dated only by a band of years the selection holds whole are inside it too
            inside = any(years[0] <= y <= years[1] for y in held) or (
                table.kind == "case"
                and bool(Selection(table, country=country, role=role, years=years).bands().held)  # type: ignore[arg-type]
            )
        return SourceCoverage(table, held, inside)
    if table.kind in CONTEXT_KINDS:
        held = _context_years(table, _iso3(country))
        return SourceCoverage(table, held, bool(held) or _undated_estimates(table, _iso3(country)))
    return None


def _has_undated(table: LoadedTable, country: str, role: str) -> bool:
    def undated() -> bool:
        records = Selection(table, country=country, role=role).records()  # type: ignore[arg-type]
        return "year" in records.columns and bool(records["year"].null_count())

    return kept_once(table.data, ("undated", table.kind, country, role), undated)


def coverage(
    tables: Sequence[LoadedTable],
    country: str,
    role: str = "both",
    years: tuple[int, int] | str | None = None,
) -> Coverage:
    """What each of ``tables`` holds for ``country`` as ``role`` in ``years`` (see the module docstring)."""
    iso3 = _iso3(country)
    role = check_role(role)
    span = check_years(years)
    found = [source_coverage(t, iso3, role, span) for t in tables]
    return Coverage(iso3, role, span, tuple(s for s in found if s is not None))


def default_years(
    tables: Sequence[LoadedTable],
    country: str,
    role: str,
    years: tuple[int | None, int | None] | None = None,
) -> tuple[int, int] | None:
    """``years`` with a first or last year left empty (None) filled from the span the data hold for ``country``
    as ``role`` (:attr:`Coverage.span`): the one rule for every notebook and brief. None when a year stays
    unknown (no victim source holds the country)."""
    first, last = years if years is not None else (None, None)
    if first is None or last is None:
        span = coverage(tables, country, role).span
        if span is not None:
            first = span[0] if first is None else first
            last = span[1] if last is None else last
    return (int(first), int(last)) if first is not None and last is not None else None


def _iso3(country: str) -> str:
    iso3 = check_country(country)
    assert iso3 is not None
    return iso3
