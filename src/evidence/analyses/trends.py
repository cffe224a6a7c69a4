"""Trends: yearly counts by any dimension, the annual rate ratio, breaks, shares over time, incomplete years.

Counts of *identified* victims measure detection as much as prevalence: a rising count may mean more victims or
more (or better-recorded) identification. Every trend statement built on these functions must say so.

**The two tables.**

* Case table: one victim per record. Dimensions are any column (``gender``, ``age_band``,
  ``majority_status``, ``data_source_type``, ``origin_iso3``…), a flag group (``form`` = the ``exploitation_*``
  flags, or ``means_of_control``, ``labour_sector``…, in long form under the CTDC denominator rule: a record
  counts in every form flagged true, so forms can sum to more than the records) or ``corridor``
  (``ORIGIN>DESTINATION``). A missing value is the category ``Unknown``. Records without a single year (a band
  such as ``2014-2018``, or none) are in no year: :func:`undated_counts` counts them.

  *Covered years* (the rule of :func:`yearly_counts`): a year is covered when the data hold at least one dated
  record of the selection in it (its country in its role, its years). Case data are what contributing
  organisations recorded, and a compilation such as CTDC's holds a country only in the years some contributor
  recorded it (the k-anonymised sample is a set of blocks): a year without any record of the selection says
  nothing was recorded or reported, not that there were no victims. So such a year has **no row** (as a year a
  country did not report to UNODC), never a count of 0; that other countries have records that year does not
  make it covered. Within a covered year a category without victims is a true 0. For a flag group the year must
  also have a victim with the group recorded (at least one flag true): a year whose victims all have it not
  recorded has no rows (its victims' form is *not recorded*, not 0 of every form).
* Indicator table (UNODC): ``by=None`` is the Total dimension (Sex and Age Total); ``form`` the "by form of
  exploitation" rows; ``sex`` (or ``gender``) and ``age`` (or ``age_band``/``majority_status``) the Total
  dimension split by sex or age; ``citizenship`` (origin country), ``destination`` and ``corridor``
  (``ORIGIN>DESTINATION``) the "by citizenship" rows (with ``role="origin"``: a country's citizens in the
  breakdowns of the countries that detected them). A year a country did not report is *missing*, not zero.
  Censored cells (``<5``) are kept as bounds ``count_low`` and ``count_high``; ``count`` is exact or null, and
  ``victims_uncensored`` (:data:`~evidence.analyses.intervals.UNCENSORED`) the sum of the cells published exactly
  (0 for a count made only of ``<5`` cells, whose bounds follow from the publisher's file: disclosure control
  gives it no complement, see :func:`evidence.notebooks.builders.censored_cells`).

**Selections and keys.** The count functions take a :class:`~evidence.analyses.selection.Selection`
(country, role, years, indicator) or a whole table. Counts of a table protected by cell key carry each cell's
key (``cell_key``) beside the count. With an indicator table, role ``both`` reads the victims detected in the
country (its own reports) and its citizens detected in other countries (their citizenship breakdowns), with no
dimension or by citizenship, destination or corridor; a selection without a country in role ``both`` reads every
reporting country's own breakdowns (as ``destination``).

**Empty selections.** A selection that holds no victims in its years (a country the data do not hold in its
role, years outside the table's, a breakdown a country does not publish) is no error for the functions that
return a table: :func:`yearly_counts`, :func:`undated_counts`, :func:`unrecorded_counts`,
:func:`shares_over_time` and :func:`doubtful_breakdowns` give an empty table with their usual columns and
types (never a row of 0: the rule of covered years, with no year covered), and the functions that read a
selection's reporters (:func:`reporter_gaps`, :func:`reporting_changes`, :func:`doubtful_reporters`,
:func:`steady_reporters`) give nothing (empty, or None). A brief or a batch of countries reads on past a
country without data and says so. :func:`why_empty` says why a table is empty, naming what was selected and
what the data hold instead ("no victim records of THA (Thailand) as destination, 2015: the table holds them in
2010"). What needs numbers raises :class:`~evidence.core.errors.ParameterError` for an empty table instead of
answering about nothing: :func:`rate_ratio` and :func:`find_break` (:data:`EMPTY_COUNTS`, which points to
:func:`why_empty`), :func:`share_change` (an empty shares table, or a category the table does not hold, named
with those it holds). :func:`too_few_years`, :func:`no_trend_information` and :func:`incomplete_years` read an
empty series as they read any other (too few years: none; no reason; no flag).

**Models on censored counts.** A model needs one number per year: it uses the point value (exact, else the
midpoint, :data:`~evidence.analyses.intervals.CENSORED_POINT_RULE`), and when any year is censored it is refitted on
the low bounds and on the high bounds (``low_bound`` and ``high_bound`` of the result), never on zeros. A series
every year of which with victims is censored (only ``<5`` cells) holds no trend: the model would read constant
midpoints and print a ratio near 1 with an interval. :func:`no_trend_information` says so, and
:func:`rate_ratio` and :func:`find_break` raise ``EstimationError`` ("not estimable: …") for it; the notebooks
and the CLI (through ``notebooks.builders``) also call it with the disclosure threshold, so a series whose
counts are all withheld as below it is not modelled either.

**Short series.** A trend is modelled from at least :data:`MIN_COMPLETE_YEARS` (6) years, at least
:data:`MIN_YEARS_WITH_VICTIMS` (3) of them with victims: :func:`too_few_years` says why a series is shorter, and
:func:`rate_ratio` raises ``ParameterError`` for it (``min_years`` lowers the floor for an analyst who knows
better; the notebooks, briefs and CLI never do). Why six: yearly counts of identified or detected victims vary
far more than a Poisson model allows (who reports, campaigns, a change of law), so the model estimates a
dispersion beside its level and slope, from n − 2 residual degrees of freedom. With 2 (four years) the
dispersion's 95% range spans a factor of about 150, with 4 (six years) about 23: below that the interval of the
rate ratio says more about the few points than about the trend; a Poisson fit with no extra variation would
instead give a falsely narrow interval. A UNODC sum of other countries' breakdowns adds the reporters' coming
and going on top. A shorter series is shown year by year, and the text says why no trend is given.

**Sparse series.** A trend or a segment whose victims all fall in its first or last year (or that has none) has
no finite estimate. :func:`rate_ratio` then raises :class:`~evidence.analyses.count_models.EstimationError`;
:func:`find_break` skips the break years that leave such a segment and raises it only when none is left
("no break could be estimated"); :func:`incomplete_years` does not judge a year from such a history. The models
raise only ``ParameterError`` and its subclass ``EstimationError``, both of the ``EvidenceError`` family.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import math
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Literal, overload

import numpy as np
import polars as pl

from evidence.analyses.count_models import (
    OVERDISPERSION_THRESHOLD,
    CountFit,
    EstimationError,
    finite_trend_exists,
    fit_counts,
)
from evidence.analyses.intervals import (
    CENSORED_POINT_RULE,
    UNCENSORED,
    check_level,
    clean_float,
    point_expr,
    uncensored_expr,
    wilson_interval,
)
from evidence.analyses.selection import (
    CELL_KEY,
    IN_MEMORY,
    RECORD_CELL_KEY,
    Selection,
    as_selection,
    built_once,
    check_years,
    citizenship_origin_expr,
    count_exprs,
    country_filter,
    kept_once,
    recorded_flags,
    resolve_table,
    selection_text,
    span_text,
    year_filter,
)
from evidence.core.errors import ParameterError
from evidence.core.text import column_title, did_you_mean, overview_html, overview_text, word_list
from evidence.sources.case_schema import FLAG_GROUPS, FLAG_LABELS, apply_denominator_rule
from evidence.sources.loaded import LoadedTable

#: What the trend functions take: a :class:`~evidence.analyses.selection.Selection`, or a whole table.
Selected = Selection | LoadedTable | pl.DataFrame

UNKNOWN = "Unknown"
#: ``by`` names that are flag groups of the case table ("form" is the exploitation group).
FLAG_DIMENSIONS: dict[str, str] = {"form": "exploitation", **{g: g for g in FLAG_GROUPS}}
FORM_LABELS: dict[str, str] = {
    "exploitation_forced_labour": "Forced labour",
    "exploitation_sexual": "Sexual exploitation",
    "exploitation_other": "Other forms of exploitation",
    "exploitation_forced_marriage": "Forced marriage",
    "exploitation_forced_military": "Forced military service",
    "exploitation_organ_removal": "Organ removal",
    "exploitation_slavery_practices": "Slavery and similar practices",
}
#: The ``by`` values of the trends notebook, in its order: the notebook's parameter offers exactly these (a test
#: holds it to this list), and every message that suggests a dimension names only these (``none``: totals only).
BY_VALUES: tuple[str, ...] = (
    "none",
    "form",
    "gender",
    "age_band",
    "majority_status",
    "data_source_type",
    "citizenship",
    "destination",
    "corridor",
)
#: ``by`` values that name a case-table column of another name.
_CASE_COLUMNS = {
    "citizenship": "origin_iso3",
    "destination": "destination_iso3",
    "sex": "gender",
    "age": "age_band",
}
_INDICATOR_DIMENSIONS = {
    None: "total",
    "none": "total",
    "total": "total",
    "form": "form",
    "sex": "sex",
    "gender": "sex",
    "age": "age",
    "age_band": "age",
    "majority_status": "age",
    "citizenship": "citizenship",
    "origin": "citizenship",
    "origin_iso3": "citizenship",
    "destination": "destination",
    "destination_iso3": "destination",
    "corridor": "corridor",
}
COUNT_COLUMNS = ["count", "count_low", "count_high"]
#: The dimensions :func:`check_by` reads whatever their case.
_KNOWN_BY = frozenset(
    {*BY_VALUES, *_CASE_COLUMNS, *_CASE_COLUMNS.values(), *_INDICATOR_DIMENSIONS, *FLAG_DIMENSIONS} - {None}
)


# ------------------------------------------------------------------------------------- how results read


def _number(x: float | None) -> str:
    """A ratio or share as a reader reads it: three decimals near 1 (``1.078``), three significant digits
    beyond (``0.000412``, ``1.2e+05``); ``infinite`` and ``undefined`` for what is no finite number."""
    if x is None or math.isnan(x):
        return "undefined"
    if math.isinf(x):
        return "infinite" if x > 0 else "minus infinite"
    return f"{x:.3f}" if 0.01 <= abs(x) < 1000 else f"{x:.3g}"


def _p_text(p: float) -> str:
    return "undefined" if math.isnan(p) else "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _level_text(level: float) -> str:
    return f"{level:.0%}" if round(100 * level, 6) == round(100 * level) else f"{100 * level:g}%"


def _span_text(first: int, last: int) -> str:
    return span_text((first, last))


_MODEL_NAMES = {
    "poisson": "Poisson",
    "negative_binomial": "negative binomial (NB2)",
    "quasi_poisson": "quasi-Poisson",
}


@overload
def check_by(by: str) -> str: ...
@overload
def check_by(by: None) -> None: ...
def check_by(by: str | None) -> str | None:
    """A ``by`` value as the analyses name it: a dimension they know (:data:`BY_VALUES`, their other names such
    as ``sex`` and ``age``, the flag groups) whatever its case and surrounding spaces (``"Sex"``, ``" FORM"``
    → ``sex``, ``form``); any other text as given (a case table's own column, else refused naming the valid
    values where it is read)."""
    if by is None:
        return None
    if by in _KNOWN_BY:
        return by
    folded = by.strip().lower()
    return folded if folded in _KNOWN_BY else by


def indicator_dimension(by: str | None) -> str | None:
    """The indicator table's dimension a ``by`` value reads (``gender`` → ``sex``, ``corridor`` → ``corridor``,
    None or ``none`` → ``total``); None for a ``by`` the indicator table does not have."""
    return _INDICATOR_DIMENSIONS.get(check_by(by))


def flag_label(column: str) -> str:
    """A readable name for a flag column (``labour_domestic_work`` → ``Domestic work``)."""
    if column in FORM_LABELS:
        return FORM_LABELS[column]
    if column in FLAG_LABELS:
        return FLAG_LABELS[column]
    return column_title(column.split("_", 1)[1])


# --------------------------------------------------------------------------------------------- yearly counts


def yearly_counts(selection: Selected, *, by: str | None = None) -> pl.DataFrame:
    """Victims per year (and per category of ``by``): columns year, [by], count, count_low, count_high (and
    ``cell_key`` for keyed records; :data:`~evidence.analyses.intervals.UNCENSORED` for an indicator table).

    The selection's ``country``/``role`` select victims exploited or detected in the country
    (``destination``), its citizens (``origin``) or either (``both``). See the module docstring for the
    dimensions. A case table has rows only for the years the selection covers (module docstring): a year
    without a row has no records of the selection (or, by a flag group, none with the group recorded), which
    is not a count of 0. An empty selection gives an empty table with these columns: :func:`why_empty` says
    why (module docstring, *Empty selections*).
    """
    counts, _ = _counts_and_denominators(as_selection(selection), by=check_by(by))
    return counts


def why_empty(selection: Selected, *, by: str | None = None, named: bool = False) -> str | None:
    """Why :func:`yearly_counts` of ``selection`` (by ``by``) has no row, naming what was selected and what
    the data hold instead; None when it has rows. No count is given (the text is safe to show).

    "no victim records of FRA (France) as destination, every year: FRA is in none of the table's records";
    "no victim records of THA (Thailand) as destination, 2015: the table holds them in 2010 only";
    "no total of 'Detected trafficking victims' for KHM (Cambodia) as destination, every year: UNODC's table
    holds its breakdown by form (2008–2021), not its total". The count functions give an empty table for an
    empty selection (module docstring, *Empty selections*); this is what says why.

    ``named``: as a brief says it, to a reader: the country by its name alone ("Cambodia as country of
    destination", not the terminal's "KHM (Cambodia) as destination"), an indicator in words, and no pointer to
    a function of the toolkit."""
    sel, by = as_selection(selection), check_by(by)
    if yearly_counts(sel, by=by).height:
        return None
    from evidence.analyses.coverage import years_text

    what = selection_text(sel)
    country = sel.country
    if named and sel.country is not None:
        from evidence.sources.countries import name_in_text

        country = name_in_text(sel.country) or sel.country
        role = "origin or destination" if sel.role == "both" else sel.role
        what = f"{country} as country of {role}" + ("" if sel.years is None else f", {span_text(sel.years)}")
    df, _ = resolve_table(sel.table)  # not sel.frame: explaining hashes no record keys
    if sel.kind == "case":
        dated = df.filter(pl.col("year").is_not_null())
        places = [c for c in ("origin_iso3", "destination_iso3") if c in df.columns]
        if (
            sel.country is not None
            and not df.select(pl.any_horizontal(pl.col(places).is_not_null()).any()).item()
        ):
            return f"no victim records of {what}: the table records UN regions only, never countries"
        if sel.country is not None:
            mine = df.filter(country_filter(sel.country, sel.role))
            if not mine.height:
                other = df.filter(country_filter(sel.country, "both"))
                if other.height:
                    roles = "origin" if sel.role == "destination" else "destination"
                    return f"no victim records of {what}: the table holds {country} only as {roles}"
                return f"no victim records of {what}: {country} is in none of the table's records"
            dated = mine.filter(pl.col("year").is_not_null())
        if not dated.filter(year_filter(sel.years)).height:
            banded = sel.bands().held
            if banded:  # the selection holds records, none with a single year: no yearly count can be made
                return (
                    f"no victim records of {what}, with a single year: the selection's records are dated only "
                    f"by a band of years ({', '.join(banded)}; routes and profiles count them){_cut_text(sel)}"
                )
            held = _held_instead(sel, df if sel.country is None else mine)
            return f"no victim records of {what}: {_REFERENCE.sub('', held) if named else held}"
        if by in FLAG_DIMENSIONS:
            group = FLAG_DIMENSIONS[by].replace("_", " ")
            counted = "" if named else "; trends.unrecorded_counts counts them"
            return (
                f"the victim records of {what} record no {group} (every flag of the group empty: not recorded, "
                f"which is not 0{counted})"
            )
        return f"no victim records of {what}"  # not reached: a selection with dated records has counts
    indicator = sel.indicator.lower() if named else f"{sel.indicator!r}"
    held_by: dict[str | None, list[int]] = {}
    for dimension in (None, "form", "sex", "age", "citizenship"):
        try:
            found = yearly_counts(sel.replace(years=None), by=dimension)
        except ParameterError:  # a role without this breakdown
            continue
        if found.height:
            held_by[dimension] = sorted({int(y) for y in found["year"].to_list()})
    asked = "total" if by in (None, "none") else f"breakdown by {by}"
    if not held_by:
        place = f"the citizens of {country}" if sel.role == "origin" and sel.country else "it"
        return f"no {indicator} of {what}: UNODC's table holds none of {place} in any year"
    in_years = {
        d: [y for y in years if sel.years is None or sel.years[0] <= y <= sel.years[1]]
        for d, years in held_by.items()
    }
    if not any(in_years.values()):
        every = sorted({y for years in held_by.values() for y in years})
        return f"no {indicator} of {what}: UNODC's table holds it in {years_text(every)}"
    names = {None: "total", "form": "breakdown by form", "sex": "breakdown by sex", "age": "breakdown by age"}
    names["citizenship"] = "breakdown by citizenship"
    held = word_list(
        [f"{names[d]} ({years_text(years)})" for d, years in in_years.items() if years and d != by]
    )
    return f"no {asked} of {indicator} for {what}: UNODC's table holds its {held}"


#: A pointer of :func:`_held_instead` to the toolkit's function that counts what it names, left out of a brief.
_REFERENCE = re.compile(r": trends\.\w+(?=\))")


def _held_instead(sel: Selection, records: pl.DataFrame) -> str:
    """What a case table holds of the country and role of a selection without records of a single year in its
    years (``records``: all of them), for :func:`why_empty`: their single years, the bands of years dating the
    others (:meth:`~evidence.analyses.selection.Selection.bands`), records of no year at all, and the bands its
    years cut (whose records it leaves out)."""
    from evidence.analyses.coverage import years_text

    years = years_text(int(y) for y in records["year"].drop_nulls().unique().to_list())
    bands = word_list(list(sel.replace(years=None).bands().held))
    said = {
        (True, True): f"the table holds them in {years} and, dated only by a band of years, in {bands}",
        (True, False): f"the table holds them in {years}",
        (False, True): f"the table holds them dated only by a band of years, in {bands}",
        (False, False): "the table holds them without a year",
    }[years != "none", bool(bands)]
    no_year = pl.col("year").is_null()
    if "year_band" in records.columns:
        no_year = no_year & pl.col("year_band").is_null()
    if (years != "none" or bands) and records.select(no_year.any()).item():
        said += f" (and records {'of no year at all' if bands else 'without a single year'}: trends.undated_counts)"
    return said + _cut_text(sel)


def _cut_text(sel: Selection) -> str:
    """The clause of :func:`why_empty` naming the bands of years a selection's years cut
    (:meth:`~evidence.analyses.selection.Selection.bands`): "; the years 2010–2016 cut the bands 2005-2013 and
    2014-2018, whose records are left out (…)"; empty for none."""
    cut = sel.bands().cut
    if not cut or sel.years is None:  # a selection of every year cuts no band
        return ""
    one = sel.years[0] == sel.years[1]
    return (
        f"; {'the year' if one else 'the years'} {span_text(sel.years)} cut{'s' if one else ''} "
        f"{'the band' if len(cut) == 1 else 'the bands'} {word_list(list(cut))}, whose records are left out "
        "(their victims may all be of other years of their band)"
    )


def own_total_missing(selection: Selected) -> str | None:
    """What the yearly counts of a UNODC selection in role ``both`` are when the country published no total of
    the victims it detected in any of the selection's years while other countries' breakdowns count its
    nationals: those nationals detected abroad only, said with what the table holds of its own detections
    (:func:`why_empty` of role ``destination``). Cambodia 2007–2021: no total (a breakdown by form in 2007 and
    2017–2020), so its "victims as country of origin or destination" were its nationals detected abroad, with
    nothing saying so. None for other selections, for one with the total in some year (a year without it is a
    gap among reporters: :func:`reporter_gaps`) and for one without victims (:func:`why_empty`). No count is
    given (the text is safe to show)."""
    sel = as_selection(selection)
    if sel.kind != "indicator" or sel.role != "both" or sel.country is None:
        return None
    own = sel.replace(role="destination")
    if yearly_counts(own).height:
        return None
    counts = yearly_counts(sel)
    if not counts.height or not (counts["count_high"].sum() or 0):
        return None
    from evidence.sources.countries import name_in_text

    name = name_in_text(sel.country) or sel.country
    said = f"These counts are of the nationals of {name} detected in other countries only"
    why = why_empty(own)
    if why is None or "holds none of" in why:  # nothing of its own in any year (Samoa)
        return f"{said}: UNODC's table holds no victims detected in {name}, in any year."
    return f"{said}; the victims detected in {name} are not among them: {why.rstrip('.')}."


def undated_counts(selection: Selected, *, by: str | None = None) -> pl.DataFrame:
    """The victims a notebook's selection leaves out of every table for want of a single year: case records of
    the selection's country and role without a single year (a band such as ``2014-2018``, or none), per category
    of ``by``; columns [by], count, count_low, count_high (and ``cell_key``). Without years, every such record:
    the selection's (it holds every band, :meth:`~evidence.analyses.selection.Selection.bands`) but of no year,
    the yearly table's ``undated`` row, so that its years and these add up to its records. With years, those
    the years leave out: a record of a band they hold is of the selection (routes and profiles count it; no
    yearly table can) and not counted here, so that the selection's records and these never overlap; those of
    a band they cut, of a band wholly outside them and of no band are.

    Empty for an indicator table (every kept row has a year), for a flag group the undated records do not
    record, and for an empty selection."""
    selection, by = as_selection(selection), check_by(by)
    keyed = selection.keyed
    empty = pl.DataFrame(
        schema={
            **({by: pl.String} if by else {}),
            **dict.fromkeys([*COUNT_COLUMNS, *([CELL_KEY] if keyed else [])], pl.Int64),
        }
    )
    if selection.kind != "case":
        return empty
    undated = selection.replace(years=None).records().filter(pl.col("year").is_null())
    if selection.years is not None and (held := selection.bands().held):
        undated = undated.filter(~pl.col("year_band").cast(pl.String).is_in(held).fill_null(False))
    if not undated.height:
        return empty
    try:  # one stand-in year: the undated records are counted as a year of their own
        stand_in = undated.with_columns(year=pl.lit(0, pl.Int16))
        counts, _ = _case_counts(stand_in, by=by, keyed=keyed)
    except ParameterError:
        if by in FLAG_DIMENSIONS:
            return empty
        raise
    return counts.drop("year") if counts.height else empty


def unrecorded_counts(selection: Selected, *, by: str) -> pl.DataFrame:
    """Case records of the selection, per year, that record none of the flag group ``by`` (``form``: no form
    of exploitation recorded, CTDC's denominator rule): columns year, count (and ``cell_key``), years without
    such records absent. The records without a year are one row of year null. Empty for an indicator table, a
    ``by`` that is no flag group (every record has a category there, ``Unknown`` included) or an empty
    selection."""
    selection, by = as_selection(selection), check_by(by)
    keyed = selection.keyed
    schema = {"year": pl.Int32, "count": pl.Int64, **({CELL_KEY: pl.Int64} if keyed else {})}
    if selection.kind != "case" or by not in FLAG_DIMENSIONS:
        return pl.DataFrame(schema=schema)
    flags = recorded_flags(selection.frame, FLAG_DIMENSIONS[by])
    records = selection.records()
    if selection.years is not None:
        records = records.filter(pl.col("year").is_not_null())
    recorded = pl.any_horizontal([pl.col(c).fill_null(False) for c in flags]) if flags else pl.lit(False)
    return (
        records.lazy()
        .filter(~recorded)
        .group_by(pl.col("year").cast(pl.Int32))
        .agg(count_exprs(keyed))
        .collect(engine=IN_MEMORY)
        .sort("year", nulls_last=True)
        .select(list(schema))
        .cast(schema)  # type: ignore[arg-type]
    )


def _counts_and_denominators(
    selection: Selection, *, by: str | None
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Counts, and (for the case table) per-year denominators of the known: records with a known value of
    ``by`` (for a flag group: at least one flag true)."""
    if selection.kind == "case":
        records = selection.records().filter(pl.col("year").is_not_null())
        # zeros only within the years the selection covers (see the module docstring)
        return _case_counts(records, by=by, keyed=selection.keyed, whole=selection.frame)
    return _indicator_counts(selection, by=by), None


def _case_counts(
    records: pl.DataFrame,
    *,
    by: str | None,
    keyed: bool,
    whole: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Counts of ``records`` (already selected) per year and ``by``; ``whole`` is the table they come from
    (which flags its layout records, the order of its categories)."""
    whole = records if whole is None else whole
    lf = records.lazy().with_columns(pl.col("year").cast(pl.Int32))
    counted = count_exprs(keyed)
    if by is None:
        counts = lf.group_by("year").agg(counted).collect(engine=IN_MEMORY)
        denominators = counts.select("year", pl.col("count").alias("n"))
    elif by in FLAG_DIMENSIONS:
        flags = recorded_flags(whole, FLAG_DIMENSIONS[by])
        if not flags:
            raise ParameterError(f"the table records no flags of the group {FLAG_DIMENSIONS[by]!r}")
        index = ["year", *([RECORD_CELL_KEY] if keyed else [])]
        lf = apply_denominator_rule(lf.select(*index, *flags).collect(engine=IN_MEMORY), {by: flags}).lazy()
        counts = (
            lf.unpivot(index=index, on=flags, variable_name=by, value_name="_flag")
            .filter(pl.col("_flag"))
            .group_by("year", by)
            .agg(counted)
            .with_columns(
                pl.col(by).replace_strict({c: flag_label(c) for c in flags}, return_dtype=pl.String)
            )
            .collect(engine=IN_MEMORY)
        )
        denominators = (
            lf.group_by("year")
            .agg(
                pl.any_horizontal([pl.col(c).fill_null(False) for c in flags]).sum().cast(pl.Int64).alias("n")
            )
            .collect(engine=IN_MEMORY)
        )
        flag_labels = [flag_label(c) for c in flags]
        # a year is covered for the group when one of its victims has the group recorded
        recorded = lf.filter(pl.any_horizontal([pl.col(c).fill_null(False) for c in flags]))
        counts = _complete(counts, by, flag_labels, recorded)
        return _with_bounds(counts, by), denominators
    else:
        value = case_dimension(whole, by)
        counts = (
            lf.with_columns(value.fill_null(UNKNOWN).alias(by))
            .group_by("year", by)
            .agg(counted)
            .collect(engine=IN_MEMORY)
        )
        denominators = (
            lf.with_columns(value.alias(by))
            .group_by("year")
            .agg(pl.col(by).is_not_null().sum().cast(pl.Int64).alias("n"))
            .collect(engine=IN_MEMORY)
        )
    if by is None:
        # every year of the records is a group of the counts already: the grid of :func:`_complete` is theirs
        zeros = [c for c in ("count", CELL_KEY) if c in counts.columns]
        return _with_bounds(counts.with_columns(pl.col(zeros).fill_null(0)).sort("year"), by), denominators
    labels = counts[by].unique().sort().to_list()
    counts = _complete(counts, by, labels, lf)
    return _with_bounds(counts, by), denominators


def _by_values(dimensions: set[str]) -> str:
    """The ``by`` values (:data:`BY_VALUES`) that give one of the indicator table's ``dimensions``, as words."""
    return word_list(_offered(dimensions), "or")


def _offered(dimensions: set[str]) -> list[str]:
    """The ``by`` values (:data:`BY_VALUES`) that give one of the indicator table's ``dimensions``."""
    return [v for v in BY_VALUES if _INDICATOR_DIMENSIONS.get(v) in dimensions]


def case_dimension(df: pl.DataFrame, by: str) -> pl.Expr:
    """The value a case table's yearly counts count ``by`` (a column, its case-table name, or ``corridor``: the
    origin>destination pair where both are known); a dimension the table cannot give is refused, naming those
    it can."""
    if by == "corridor":
        return pl.when(pl.col("origin_iso3").is_not_null() & pl.col("destination_iso3").is_not_null()).then(
            pl.concat_str("origin_iso3", pl.lit(">"), "destination_iso3")
        )
    if by in _CASE_COLUMNS and by not in df.columns:
        by = _CASE_COLUMNS[by]
    if by not in df.columns:
        choices = [
            v
            for v in BY_VALUES
            if v == "none"
            or v in FLAG_DIMENSIONS
            or _CASE_COLUMNS.get(v, v) in df.columns
            or (v == "corridor" and {"origin_iso3", "destination_iso3"} <= set(df.columns))
        ]
        raise ParameterError(
            f"unknown dimension {by!r} for the case table; try one of: {word_list(choices, 'or')}"
            + did_you_mean(by, choices)
        )
    if by == "year":
        raise ParameterError("'year' is the time axis, not a dimension")
    return pl.col(by).cast(pl.String)


def _complete(
    counts: pl.DataFrame,
    by: str | None,
    labels: list[str] | None,
    covering: pl.LazyFrame,
) -> pl.DataFrame:
    """Zeros for the categories without records in the years the selection covers: the years of its records
    ``covering`` (for a flag group, those with the group recorded). A year of the span without such records
    gets no row: it is not covered (nothing recorded or reported), never a count of 0 (module docstring)."""
    grid = covering.select(pl.col("year").cast(pl.Int32).unique()).collect(engine=IN_MEMORY)
    if by is not None:
        grid = grid.join(pl.DataFrame({by: labels or []}, schema={by: pl.String}), how="cross")
    keys = ["year"] + ([by] if by else [])
    zeros = [c for c in ("count", CELL_KEY) if c in counts.columns]
    return grid.join(counts, on=keys, how="left").with_columns(pl.col(zeros).fill_null(0)).sort(keys)


def _with_bounds(counts: pl.DataFrame, by: str | None) -> pl.DataFrame:
    keys = ["year"] + ([by] if by else [])
    keyed = [CELL_KEY] if CELL_KEY in counts.columns else []
    return counts.with_columns(count_low=pl.col("count"), count_high=pl.col("count")).select(
        *keys, *COUNT_COLUMNS, *keyed
    )


def _indicator_counts(selection: Selection, *, by: str | None) -> pl.DataFrame:
    """The counts of an indicator selection, built once per frame and selection: a brief asks for the same
    ones from its coverage, key figures and sections."""
    key = ("yearly_counts", selection.indicator, selection.country, selection.role, selection.years, by)
    return built_once(selection.frame, key, lambda: _indicator_counts_of(selection, by=by))


def _indicator_counts_of(selection: Selection, *, by: str | None) -> pl.DataFrame:
    df, country, role, years = selection.frame, selection.country, selection.role, selection.years
    indicator = selection.indicator
    if by not in _INDICATOR_DIMENSIONS:
        offered = _offered({"total", "form", "sex", "age", "citizenship", "destination", "corridor"})
        raise ParameterError(
            f"unknown dimension {by!r} for the indicator table; try one of: {word_list(offered, 'or')}"
            + did_you_mean(str(by), offered)
        )
    dimension = _INDICATOR_DIMENSIONS[by]
    # the dated rows of the indicator, with each row's citizenship origin, read once per frame
    # (:func:`_indicator_rows`); the selection's rows of them selected in one query
    base, origin = _indicator_rows(df, indicator)
    # a country's own rows (role destination) from its part of the rows, split once per frame and indicator
    # (:func:`_country_rows`): a batch of every country, or a brief's dozen counts, no longer filters the whole
    # table each time; the filter below still holds (the same rows, in the same order)
    read = _country_rows(df, indicator, base, country) if role == "destination" and country else base
    lazy = read.lazy().filter(year_filter(years))
    total = pl.lit("Total")

    # UNODC publishes the victims of unknown sex and age as one row (Sex and Age both Unknown): the Unknown of
    # the breakdown by sex and of the one by age, unless the country-year has a row of its own for that
    # (Unknown sex of all ages, or all sexes of unknown age), which is then the Unknown
    # each selector and group made when asked for (a selection reads one or two of them: building every
    # expression each time was a third of a small selection's cost)
    def both_unknown() -> pl.Expr:
        return (pl.col("sex") == UNKNOWN) & (pl.col("age") == UNKNOWN)

    selectors: dict[str, Callable[[], pl.Expr]] = {
        "total": lambda: (
            (pl.col("dimension") == "Total") & (pl.col("sex") == total) & (pl.col("age") == total)
        ),
        "form": lambda: (
            (pl.col("dimension") == "by form of exploitation")
            & (pl.col("sex") == total)
            & (pl.col("age") == total)
        ),
        "sex": lambda: (
            (pl.col("dimension") == "Total")
            & (pl.col("sex") != total)
            & ((pl.col("age") == total) | (both_unknown() & ~_own_unknown_exprs(base)["sex"]))
        ),
        "age": lambda: (
            (pl.col("dimension") == "Total")
            & (pl.col("age") != total)
            & ((pl.col("sex") == total) | (both_unknown() & ~_own_unknown_exprs(base)["age"]))
        ),
        "citizenship": lambda: (
            (pl.col("dimension") == "by citizenship") & (pl.col("sex") == total) & (pl.col("age") == total)
        ),
    }
    # the selected rows' own origin (returnees added below have none in :data:`_ORIGIN`)
    groups: dict[str, Callable[[], pl.Expr | None]] = {
        "total": lambda: None,
        "form": lambda: pl.col("category"),
        "sex": lambda: pl.col("sex"),
        "age": lambda: pl.col("age"),
        "citizenship": citizenship_origin_expr,
        "destination": lambda: pl.col("iso3"),
        "corridor": lambda: pl.when(citizenship_origin_expr().is_not_null()).then(
            pl.concat_str(citizenship_origin_expr(), pl.lit(">"), pl.col("iso3"))
        ),
    }
    if role == "both" and country is None:
        role = "destination"  # every reporting country's own breakdowns
    if role == "both":
        # the victims detected in the country (its own reports) and its citizens detected elsewhere (the
        # citizenship breakdowns of the other reporting countries): no victim is in both
        if dimension not in ("total", "citizenship", "destination", "corridor"):
            raise ParameterError(
                "with an indicator table, role 'both' adds the country's citizens detected abroad, whom the "
                "other countries break down by citizenship only: use by "
                + _by_values({"total", "citizenship", "destination", "corridor"})
                + ", or role destination for the breakdowns of the victims detected in the country"
            )
        own = selectors["total"]() if dimension == "total" else selectors["citizenship"]()
        abroad = (
            selectors["citizenship"]() & (origin == country).fill_null(False) & (pl.col("iso3") != country)
        )
        lazy = lazy.filter((own & (pl.col("iso3") == country)) | abroad)
    elif role == "origin":
        # a country's citizens as counted in the citizenship breakdowns of the countries that detected them
        if dimension not in ("total", "destination", "corridor"):
            raise ParameterError(
                "with an indicator table, role 'origin' reads other countries' citizenship breakdowns: "
                "use by " + _by_values({"total", "destination", "corridor"})
            )
        lazy = lazy.filter(selectors["citizenship"]())
        if country is not None:
            lazy = lazy.filter((origin == country).fill_null(False))
    else:
        if country is not None:
            # the country's own rows first: the unknowns of sex and age are read within a country-year
            # (``own_unknown``, over iso3), so the other countries' rows change none of them
            lazy = lazy.filter(pl.col("iso3") == country)
            if dimension in _OWN_DIMENSIONS and read is not base and _TEXT_COLUMNS <= _string_columns(base):
                # a country's own breakdowns, every one of them counted in one query (a brief and a batch ask for
                # all five: its counts, and the years of each breakdown)
                breakdowns: Mapping[str, pl.DataFrame] = kept_once(
                    df,
                    ("own yearly counts", indicator, country, years),
                    lambda: (
                        _own_counts(read, country, years) or _own_counts_query(lazy, base, selectors, groups)
                    ),
                )
                counts = breakdowns[dimension]
                if _KEY not in counts.columns or by is None:
                    return counts
                # the category column renamed series by series (a frame's rename is a query of its own)
                return pl.DataFrame([c.alias(by) if c.name == _KEY else c for c in counts.get_columns()])
        lazy = lazy.filter(
            selectors["citizenship" if dimension in ("destination", "corridor") else dimension]()
        )
    # the frame's own columns (not those added once per frame), the year as the counts give it: a query,
    # collected where rows are added or taken away (a country's returnees, its doubtful reporters), else with
    # the counts themselves (a country's own breakdowns: one query in all)
    rows = lazy.select(
        pl.col(c).cast(pl.Int32) if c == "year" else pl.col(c) for c in base.columns if c not in _ADDED
    )
    if role in ("origin", "both") and country is not None:
        selected = rows

        def abroad_rows() -> tuple[pl.DataFrame, Mapping[str, list[Any]]]:
            found = selected.collect(engine=IN_MEMORY)
            if role == "origin":
                found = _with_returnees(df, indicator, found, country, years)
            found = _without_doubtful_abroad(df, indicator, found, country)
            # each row's category in each breakdown of the role, as the group-by below names it: one query
            named = {d: groups[d]() for d in ("citizenship", "destination", "corridor")}
            categories = found.select(
                g.fill_null(UNKNOWN).alias(d) for d, g in named.items() if g is not None
            )
            return found, MappingProxyType({d: categories[d].to_list() for d in categories.columns})

        # the same rows for each of the role's breakdowns (a brief and a batch ask for three or four; role both
        # reads the country's own total, or its citizenship breakdown): found once per selection, then summed
        # as lists (the few dozen rows' group-by cost more in planning than the rows)
        own_total = role == "both" and dimension == "total"
        found, categories = kept_once(
            df, ("rows abroad", indicator, country, role, years, own_total), abroad_rows
        )
        named = groups[dimension]() is not None and by is not None
        counted = _counts_as_lists(found, categories[dimension] if named else None, by)
        if counted is not None:
            return counted
        rows = found.lazy()
    group = groups[dimension]()
    keys = ["year"]
    if group is not None and by is not None:
        rows = rows.with_columns(group.fill_null(UNKNOWN).alias(by))
        keys.append(by)
    return rows.group_by(keys).agg(*_count_aggs()).sort(keys).collect(engine=IN_MEMORY)


def _integral(columns: Iterable[list[Any]]) -> bool:
    """Whether every value of ``columns`` is missing or an integral float below 2**31: sums of such values are
    exact in any order, so summed as Python integers they are polars' float sums rounded (:func:`_count_aggs`)."""
    return all(
        v is None or (isinstance(v, float) and v.is_integer() and abs(v) < 2**31)
        for column in columns
        for v in column
    )


def _add_to_cell(cell: list[Any], value: Any, low: Any, high: Any) -> None:
    """Add one row's value and bounds to a cell's sums as :func:`_count_aggs` makes them, in order: count (None
    once a value is missing), count_low, count_high and the uncensored part (the values not missing)."""
    if value is None:
        cell[0] = None
    else:
        if cell[0] is not None:
            cell[0] += int(value)
        cell[3] += int(value)
    cell[1] += 0 if low is None else int(low)
    cell[2] += 0 if high is None else int(high)


def _counts_as_lists(rows: pl.DataFrame, categories: list[Any] | None, by: str | None) -> pl.DataFrame | None:
    """:func:`_count_aggs` of ``rows`` per year, and per category (``categories``, one a row, named ``by``),
    sorted by them, summed as lists: the frame of the query's group-by and sort. None where the sums could
    differ (a value not integral, a year or category missing, too many rows: the query then counts them)."""
    year = rows["year"].to_list()
    values = [rows[c].to_list() for c in ("value", "value_low", "value_high")]
    if None in year or (categories is not None and None in categories) or rows.height >= 2**22:
        return None
    if not _integral(values):
        return None
    cells: dict[tuple[Any, ...], list[Any]] = {}
    keys = zip(year, categories, strict=True) if categories is not None else ((y,) for y in year)
    for key, value, low, high in zip(keys, *values, strict=True):
        _add_to_cell(cells.setdefault(key, [0, 0, 0, 0]), value, low, high)
    ordered = sorted(cells)
    columns = [pl.Series("year", [key[0] for key in ordered], dtype=pl.Int32)]
    if categories is not None:
        columns.append(pl.Series(by, [key[1] for key in ordered], dtype=pl.String))
    names = ("count", "count_low", "count_high", UNCENSORED)
    columns += [
        pl.Series(name, [cells[key][j] for key in ordered], dtype=pl.Int64) for j, name in enumerate(names)
    ]
    return pl.DataFrame(columns)


def _count_aggs() -> list[pl.Expr]:
    """The counts of an indicator selection's rows, per group (:func:`_indicator_counts_of`)."""
    return [
        pl.when(pl.col("value").null_count() == 0)
        .then(pl.col("value").sum())
        .round(0)
        .cast(pl.Int64)
        .alias("count"),
        pl.col("value_low").sum().round(0).cast(pl.Int64).alias("count_low"),
        pl.col("value_high").sum().round(0).cast(pl.Int64).alias("count_high"),
        uncensored_expr("value").sum().alias(UNCENSORED),
    ]


#: A country's own breakdowns (role destination) counted together (:func:`_own_counts`), and the column of
#: their categories there (each breakdown's own name, ``by``, given when read).
_OWN_DIMENSIONS = ("total", "form", "sex", "age", "citizenship")
_KEY = "__category"
_DIMENSION = "__dimension"
#: The columns a category is read from: all text for the breakdowns to be counted in one column.
_TEXT_COLUMNS = frozenset({"iso3", "category", "category_iso3", "sex", "age"})


def _string_columns(df: pl.DataFrame) -> set[str]:
    return {name for name, dtype in df.schema.items() if dtype == pl.String}


def _own_counts(
    read: pl.DataFrame, country: str, years: tuple[int, int] | None
) -> Mapping[str, pl.DataFrame] | None:
    """:func:`_own_counts_query`'s counts of ``country``'s own breakdowns (``read``: its part of
    :func:`_indicator_rows`, in ``years``), the few hundred rows summed as lists: the same rows (a null text or
    unknown's flag matches no selector, as the filters' nulls drop it), groups, sums and order, without the
    query's planning (a sixth of a publisher's yearly numbers, built per country). Integral values only, each
    below 2**31: their sums in any order are exact, so the same as polars' float sums rounded (None where any
    is not, or a year is missing: the query counts them)."""
    names = ("iso3", "year", "dimension", "category", "sex", "age", _ORIGIN, *_OWN_UNKNOWN.values())
    iso3, year, dimension, category, sex, age, origin, own_sex, own_age = (read[c].to_list() for c in names)
    values = [read[c].to_list() for c in ("value", "value_low", "value_high")]
    if None in year or read.height >= 2**22 or not _integral(values):
        return None
    first, last = years if years is not None else (None, None)
    total = "Total"
    # each breakdown's groups: (year, category) -> [count (None once a value is missing), low, high, exact part]
    sums: dict[str, dict[tuple[int, str | None], list[Any]]] = {d: {} for d in _OWN_DIMENSIONS}
    for i, y in enumerate(year):
        if iso3[i] != country or (first is not None and not first <= y <= last):
            continue
        d, s, a = dimension[i], sex[i], age[i]
        both_unknown = s == UNKNOWN and a == UNKNOWN
        found: list[tuple[str, str | None]] = []
        if d == "Total":
            if s == total and a == total:
                found.append(("total", None))
            if s is not None and s != total and (a == total or (both_unknown and own_sex[i] is False)):
                found.append(("sex", s))
            if a is not None and a != total and (s == total or (both_unknown and own_age[i] is False)):
                found.append(("age", a))
        elif s == total and a == total:
            if d == "by form of exploitation":
                found.append(("form", UNKNOWN if category[i] is None else category[i]))
            elif d == "by citizenship":
                found.append(("citizenship", UNKNOWN if origin[i] is None else origin[i]))
        if not found:
            continue
        value, low, high = (column[i] for column in values)
        for d, key in found:
            _add_to_cell(sums[d].setdefault((y, key), [0, 0, 0, 0]), value, low, high)
    schema = {
        "year": pl.Int32,
        _KEY: pl.String,
        "count": pl.Int64,
        "count_low": pl.Int64,
        "count_high": pl.Int64,
        UNCENSORED: pl.Int64,
    }
    own = {}
    for d, cells in sums.items():
        ordered = sorted(cells)  # by year, then category (the total's one group a year has none)
        columns: list[list[Any]] = [[y for y, _ in ordered], [key for _, key in ordered]]
        columns += [[cells[group][j] for group in ordered] for j in range(4)]
        own[d] = pl.DataFrame(
            [
                pl.Series(name, column, dtype=dtype)
                for (name, dtype), column in zip(schema.items(), columns, strict=True)
                if not (d == "total" and name == _KEY)
            ]
        )
    return MappingProxyType(own)


def _own_counts_query(
    lazy: pl.LazyFrame,
    base: pl.DataFrame,
    selectors: Mapping[str, Callable[[], pl.Expr]],
    groups: Mapping[str, Callable[[], pl.Expr | None]],
) -> Mapping[str, pl.DataFrame]:
    """The counts of each of a country's own breakdowns (:data:`_OWN_DIMENSIONS`; ``lazy``: its rows in the
    selection's years) as :func:`_indicator_counts_of` counts each of them (the same rows, groups and sums,
    sorted by year and category), all in one query: each breakdown's rows, its category in :data:`_KEY`
    (none for the total, which has no such column), stacked and counted per breakdown, year and category,
    then split by breakdown (one query where five cost five times its planning)."""
    columns = [
        pl.col(c).cast(pl.Int32) if c == "year" else pl.col(c) for c in base.columns if c not in _ADDED
    ]
    parts = []
    for dimension in _OWN_DIMENSIONS:
        group = groups[dimension]()
        parts.append(
            lazy.filter(selectors[dimension]())
            .select(*columns)
            .with_columns(
                (pl.lit(None, pl.String) if group is None else group.fill_null(UNKNOWN)).alias(_KEY),
                pl.lit(dimension).alias(_DIMENSION),
            )
        )
    counted = (
        pl.concat(parts)
        .group_by(_DIMENSION, "year", _KEY)
        .agg(*_count_aggs())
        .sort(_DIMENSION, "year", _KEY)
        .collect(engine=IN_MEMORY)
    )
    # each breakdown's rows are a run of the sorted rows: sliced (no copy, no query)
    runs: dict[str, list[int]] = {}
    for i, dimension in enumerate(counted[_DIMENSION].to_list()):
        runs.setdefault(dimension, [i, 0])[1] += 1
    counted = counted.drop(_DIMENSION)
    own = {dimension: counted.slice(*runs.get(dimension, (0, 0))) for dimension in _OWN_DIMENSIONS}
    own["total"] = own["total"].drop(_KEY)
    return MappingProxyType(own)


#: The columns :func:`_indicator_rows` adds (dropped before any rows leave :func:`_indicator_counts_of`): each
#: row's citizenship origin, and whether its country-year has a row of its own for the victims of unknown sex
#: (of all ages), and for those of unknown age (of both sexes).
_ORIGIN = "__citizenship_origin"
_OWN_UNKNOWN = {"sex": "__own_unknown_sex", "age": "__own_unknown_age"}
_ADDED = (_ORIGIN, *_OWN_UNKNOWN.values())


def _own_unknown_exprs(rows: pl.DataFrame) -> dict[str, pl.Expr]:
    """Whether a row's country-year has a row of its own for the victims of unknown sex (all ages), and for
    those of unknown age (both sexes): the columns :func:`_indicator_rows` found once, else found here (over
    the rows of the country-year, which every filter of the years keeps or drops together)."""
    total = pl.lit("Total")
    in_year = ["iso3", "year", "indicator"]
    found = {
        "sex": ((pl.col("dimension") == "Total") & (pl.col("sex") == UNKNOWN) & (pl.col("age") == total))
        .any()
        .over(in_year),
        "age": ((pl.col("dimension") == "Total") & (pl.col("sex") == total) & (pl.col("age") == UNKNOWN))
        .any()
        .over(in_year),
    }
    return {by: pl.col(name) if name in rows.columns else found[by] for by, name in _OWN_UNKNOWN.items()}


def _indicator_rows(df: pl.DataFrame, indicator: str) -> tuple[pl.DataFrame, pl.Expr]:
    """The dated rows of ``indicator`` in an indicator frame, with each row's citizenship origin
    (:func:`~evidence.analyses.selection.citizenship_origin_expr`) in :data:`_ORIGIN` and its country-year's own
    unknowns (:func:`_own_unknown_exprs`), and the expression that reads the origin. Built once per frame and
    indicator (the rows of the frame itself, in its order): a brief reads ~10 selections of the same table,
    each of which filtered the whole frame, stripped and lowered every row's category and looked for the
    unknowns of every country-year again. A frame without the columns these are read from keeps the
    expressions (which raise where they are used, as before)."""
    if not {"category", "category_iso3", "iso3", "dimension", "sex", "age"} <= set(df.columns):
        return df.filter(_dated_rows_of(indicator)), citizenship_origin_expr()
    key = ("indicator rows with origin and unknowns", indicator)
    return kept_once(df, key, lambda: _indicator_rows_of(df, indicator)), pl.col(_ORIGIN)


def _country_rows(df: pl.DataFrame, indicator: str, base: pl.DataFrame, country: str) -> pl.DataFrame:
    """The rows of ``base`` (:func:`_indicator_rows` of ``df`` and ``indicator``) that ``country`` reported, in
    their order: the frame split by reporting country once per frame and indicator (a stable split, each part
    in the frame's order), each part then read as it is. Only of the rows kept once per frame (with the
    columns :func:`_indicator_rows` adds, which hold each country-year's own unknowns whatever rows are
    taken): else ``base`` itself, filtered by the caller."""
    if _ORIGIN not in base.columns:
        return base
    parts: Mapping[str | None, pl.DataFrame] = kept_once(
        df,
        ("indicator rows by country", indicator),
        lambda: MappingProxyType(
            {
                key[0]: part
                for key, part in base.partition_by("iso3", as_dict=True, maintain_order=True).items()
            }
        ),
    )
    part = parts.get(country)
    return base.clear() if part is None else part


def _dated_rows_of(indicator: str) -> pl.Expr:
    return (pl.col("indicator") == indicator) & pl.col("year").is_not_null()


def _indicator_rows_of(df: pl.DataFrame, indicator: str) -> pl.DataFrame:
    rows = df.filter(_dated_rows_of(indicator))
    unknown = _own_unknown_exprs(rows)
    return rows.with_columns(
        citizenship_origin_expr().alias(_ORIGIN),
        *(unknown[by].alias(name) for by, name in _OWN_UNKNOWN.items()),
    )


def _with_returnees(
    df: pl.DataFrame, indicator: str, rows: pl.DataFrame, country: str, years: tuple[int, int] | None
) -> pl.DataFrame:
    """``rows`` (a country's citizens in the citizenship breakdowns) with, for each year whose own breakdown
    has no row for its nationals while its breakdown by country of repatriation counts some
    (:func:`evidence.analyses.routes.returnees_without_nationals`: Botswana 2020, repatriated from abroad
    <5), one row of those nationals, as their own-nationals cell: a count, not a year without data, and the
    same victims the route table gives. Each country-year's returnees are its own: those of the whole frame
    (``df``, built once per frame) in ``years``."""
    from evidence.analyses.routes import returnees_without_nationals

    returned = returnees_without_nationals(df, indicator).filter(
        (pl.col("detected_iso3") == country) & year_filter(years)
    )
    if not returned.height:
        return rows
    exact = pl.col("victims").cast(pl.Float64)
    added = returned.select(
        pl.lit(country).alias("iso3"),
        pl.col("year").cast(rows.schema["year"]),
        pl.lit(indicator).alias("indicator"),
        pl.lit("by citizenship").alias("dimension"),
        pl.lit("Nationals").alias("category"),
        pl.lit(country).alias("category_iso3"),
        pl.lit("Total").alias("sex"),
        pl.lit("Total").alias("age"),
        exact.alias("value"),
        pl.col("victims_low").cast(pl.Float64).alias("value_low"),
        pl.col("victims_high").cast(pl.Float64).alias("value_high"),
    )
    return pl.concat([rows, added], how="diagonal_relaxed")


def _without_doubtful_abroad(
    df: pl.DataFrame, indicator: str, rows: pl.DataFrame, country: str
) -> pl.DataFrame:
    """``rows`` less the cells of ``country``'s citizens in another country's doubtful citizenship breakdown
    (:func:`evidence.analyses.routes.doubtful_breakdowns`): such a cell is a route only with its caveat, never
    part of the nationals detected per year (a Botswana brief's headline was the United States' 2018 cell of a
    mangled top-five table)."""
    from evidence.analyses.routes import doubtful_breakdowns

    abroad = (pl.col("dimension") == "by citizenship") & (pl.col("iso3") != country)
    if not rows.filter(abroad).height:
        return rows
    doubtful = doubtful_breakdowns(df, indicator).select(
        "iso3", pl.col("year").cast(pl.Int32), _doubt=pl.lit(True)
    )
    if not doubtful.height:
        return rows
    return (
        rows.join(doubtful, on=["iso3", "year"], how="left")
        .filter(~(abroad & pl.col("_doubt").fill_null(False)))
        .drop("_doubt")
    )


#: What the models say of an empty counts table (an empty selection: :func:`why_empty` says why).
EMPTY_COUNTS = (
    "no yearly counts to model: the table is empty (the selection holds no victims in its years; "
    "trends.why_empty(selection) says why)"
)


#: The series read within :func:`series_read_once`, by counts frame (None outside it: each read anew).
_SERIES_READ: contextvars.ContextVar[dict[int, tuple[pl.DataFrame, pl.DataFrame]] | None] = (
    contextvars.ContextVar("series_read", default=None)
)


@contextlib.contextmanager
def series_read_once() -> Iterator[None]:
    """Within it, each counts frame's series (:func:`_series`) is read once, however many models ask for it
    (:func:`no_trend_information`, :func:`too_few_years`, :func:`rate_ratio` and :func:`find_break` of the same
    series read it six times), for frames nobody changes meanwhile (the models of one series)."""
    token = _SERIES_READ.set({})
    try:
        yield
    finally:
        _SERIES_READ.reset(token)


def _series(counts: pl.DataFrame) -> pl.DataFrame:
    """One yearly series (year, count, count_low, count_high) from a counts frame, or a clear error."""
    if not isinstance(counts, pl.DataFrame):  # a Selection or a loaded table, as a researcher first tries
        raise ParameterError(
            f"expected a yearly counts table, not {type(counts).__name__}: give it trends.yearly_counts(selection)"
        )
    read = _SERIES_READ.get()
    if read is None:
        return _read_series(counts)
    kept = read.get(id(counts))
    if kept is not None and kept[0] is counts:
        return kept[1]
    series = _read_series(counts)
    read[id(counts)] = (counts, series)  # the frame held: its id names no other while kept
    return series


def _read_series(counts: pl.DataFrame) -> pl.DataFrame:
    missing = {"year"} - set(counts.columns)
    if missing or not ({"count"} <= set(counts.columns)):
        raise ParameterError("expected a yearly counts table with columns year and count (see yearly_counts)")
    if counts["year"].is_duplicated().any():
        raise ParameterError(
            "the counts hold several series (one row per year and category): filter one category first"
        )
    out = counts.filter(pl.col("year").is_not_null()).sort("year")
    if "count_low" not in out.columns:
        out = out.with_columns(count_low=pl.col("count"), count_high=pl.col("count"))
    out = out.select(
        pl.col("year").cast(pl.Int32),
        pl.col("count").cast(pl.Float64),
        pl.col("count_low").cast(pl.Float64),
        pl.col("count_high").cast(pl.Float64),
        point_expr("count", "count_low", "count_high").alias("point"),
        # the part published exactly, where the counts carry it: a year whose count is a range only because
        # some of its parts are <5 (Nigeria's nationals, 2019: 2,000-2,009) is no censored year
        # (:func:`no_trend_information`), whichever function reads the series
        *([pl.col(UNCENSORED).cast(pl.Int64)] if UNCENSORED in out.columns else []),
    )
    invalid = out.filter(
        ~pl.col("point").is_finite().fill_null(False) | (pl.col("point") < 0) | (pl.col("count_low") < 0)
    )
    if invalid.height:
        raise ParameterError(
            f"the count of {invalid['year'][0]} is missing, negative or not finite: a model needs a count "
            "(or censoring bounds) of at least 0 for every year"
        )
    return out


# ----------------------------------------------------------------------------------------------- rate ratio

#: The fewest years a trend model reads (the module docstring says why): a rate ratio with an estimated
#: dispersion needs at least 4 residual degrees of freedom.
MIN_COMPLETE_YEARS = 6
#: Of those years, the fewest with victims: a trend through one or two years with victims is an artefact.
MIN_YEARS_WITH_VICTIMS = 3


def too_few_years(counts: pl.DataFrame, *, min_years: int = MIN_COMPLETE_YEARS) -> str | None:
    """Why a yearly series (the complete years a model would read) is too short for a trend, or None: fewer
    than ``min_years`` years, or fewer than :data:`MIN_YEARS_WITH_VICTIMS` of them with victims. The reason
    starts with "too few" and names the years and the rule."""
    series = _series(counts)
    years = [int(y) for y in series["year"].to_list()]
    with_victims = int((series["count_high"].fill_null(0) > 0).sum())
    if len(years) >= min_years and with_victims >= MIN_YEARS_WITH_VICTIMS:
        return None
    from evidence.analyses.coverage import years_text

    held = f"{len(years)} ({years_text(years)})" if years else "none"
    if len(years) < min_years:
        return (
            f"too few complete years: {held}, where a trend needs at least {min_years} (with fewer, the year-to-"
            "year variation of the counts cannot be told from a trend)"
        )
    return (
        f"too few complete years with victims: {with_victims} of {held}, where a trend needs at least "
        f"{MIN_YEARS_WITH_VICTIMS}"
    )


def no_trend_information(counts: pl.DataFrame, *, threshold: int | None = None) -> str | None:
    """Why a yearly series (year, count, count_low, count_high) carries no information on a trend, or None.

    A series of which every year with victims is censored (made only of ``<5`` cells, nothing exactly) holds
    no trend: a model would read the same midpoint every year. With a disclosure ``threshold``, so does one of
    which every year with victims is below it (each count withheld as ``<T`` where it is published): a model
    would only give back what the table withholds. Years without victims (0) are no information either way."""
    series = _series(counts)
    victims = series.filter(pl.col("count_high") > 0)
    if not victims.height:
        return None  # no victims at all: the models say so themselves
    # a year is censored when nothing of it is published exactly; a sum holding one <5 cell beside published
    # numbers (Viet Nam's nationals, 2014: 172-175) is a count with a narrow range, not a censored year.
    # ``counts`` may be a series :func:`_series` already read (rate_ratio, find_break): it keeps the column
    exact = victims[UNCENSORED].fill_null(0) if UNCENSORED in victims.columns else None
    if victims["count"].null_count() == victims.height and (exact is None or not bool((exact > 0).any())):
        # a year may sum several <5 cells (2-8, shown as a range): no publisher shows it as <5 itself
        return (
            "every year with victims is censored (its count only a range: one or more cells published as <5, "
            "none exactly)"
        )
    if threshold is not None and bool((victims["count_high"] < threshold).all()):
        return f"every year with victims is below the disclosure threshold ({threshold})"
    return None


@dataclasses.dataclass(frozen=True)
class RateRatio:
    """The annual rate ratio of a yearly count series (exp of the slope of a log-linear count model)."""

    rate_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    model: str  # poisson, negative_binomial or quasi_poisson
    dispersion: float  # Pearson chi² / df of the Poisson fit
    alpha: float | None  # NB2 dispersion parameter, when negative binomial
    first_year: int
    last_year: int
    n_years: int
    basis: str  # "exact", "point" (censored years at their midpoint), "low bound" or "high bound"
    low_bound: RateRatio | None = None
    high_bound: RateRatio | None = None
    #: what the model fit warned about (no convergence, a singular Hessian…): shown beside the rate ratio
    warnings: tuple[str, ...] = ()
    #: the years the model read (``n_years`` of them, from ``first_year`` to ``last_year``, with gaps where a
    #: year was left out: flagged as probably incomplete or not comparable, or not published)
    years: tuple[int, ...] = ()
    #: the confidence level of the interval (``rate_ratio``'s ``level``)
    level: float = 0.95

    @property
    def overdispersed(self) -> bool:
        """Whether the Poisson fit's dispersion exceeds :data:`OVERDISPERSION_THRESHOLD`."""
        return self.dispersion > OVERDISPERSION_THRESHOLD

    def _interval(self) -> str:
        return f"{_number(self.rate_ratio)} ({_level_text(self.level)} CI {_number(self.ci_low)}–{_number(self.ci_high)})"

    def _model_text(self) -> str:
        name = _MODEL_NAMES.get(self.model, self.model)
        if not math.isfinite(self.dispersion):
            dispersion = "Pearson dispersion undefined: no residual degrees of freedom"
        elif self.overdispersed:
            dispersion = f"Pearson dispersion {self.dispersion:.2f} > {OVERDISPERSION_THRESHOLD}"
        else:
            dispersion = f"Pearson dispersion {self.dispersion:.2f} ≤ {OVERDISPERSION_THRESHOLD}"
        if self.model == "poisson":
            return f"{name} log-linear model of count on year ({dispersion})"
        text = f"{name} log-linear model of count on year, the Poisson fit being overdispersed ({dispersion})"
        return text + (f", alpha {_number(self.alpha)}" if self.alpha is not None else "")

    def _overview(self) -> tuple[str, list[tuple[str, list[str]]]]:
        """A title and (label, texts) lines: the facts of the estimate, never a count."""
        span = _span_text(self.first_year, self.last_year)
        title = f"annual rate ratio {self._interval()}, {span}"
        years = list(self.years) or list(range(self.first_year, self.last_year + 1))
        missing = sorted(set(range(self.first_year, self.last_year + 1)) - set(years)) if self.years else []
        from evidence.analyses.coverage import years_text

        read = f"{self.n_years} years read, {span}"
        if missing:
            read += f" (not read: {years_text(missing)})"
        change = (self.rate_ratio - 1) * 100
        lines: list[tuple[str, list[str]]] = [
            (
                "estimate",
                [
                    (
                        f"counts change by a factor of {_number(self.rate_ratio)} a year ({change:+.1f}% a year), "
                        f"{_level_text(self.level)} Wald interval {_number(self.ci_low)}–{_number(self.ci_high)}, "
                        f"{_p_text(self.p_value)}"
                    )
                ],
            ),
            ("years", [read]),
            ("method", [self._model_text()]),
        ]
        basis = {
            "exact": "exact counts",
            "point": f"censored years (<5) at their point value ({CENSORED_POINT_RULE})",
            "low bound": "censored years at their low bounds",
            "high bound": "censored years at their high bounds",
        }.get(self.basis, self.basis)
        bounds = [
            f"on the {name.replace('_', ' ')}s: {bound._interval()}"
            for name, bound in (("low_bound", self.low_bound), ("high_bound", self.high_bound))
            if bound is not None
        ]
        lines.append(("counts", [basis, *bounds]))
        if self.warnings:
            lines.append(("fit warnings", list(self.warnings)))
        lines.append(
            (
                "note",
                [
                    (
                        "counts of identified victims measure detection as much as prevalence: a change in them may be "
                        "a change in identification or reporting, not in victims"
                    )
                ],
            )
        )
        return title, lines

    def __repr__(self) -> str:
        """The estimate as facts (ratio, interval, years, method), for a notebook or a console."""
        return overview_text("RateRatio", *self._overview())

    def _repr_html_(self) -> str:
        """The same as :meth:`__repr__`, as a small HTML table for JupyterLab."""
        return overview_html("RateRatio", *self._overview())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rate_ratio": clean_float(self.rate_ratio),
            # an interval is a [low, high] pair in every JSON document (as a break's ``ci_before``)
            "ci": [clean_float(self.ci_low), clean_float(self.ci_high)],
            "p_value": clean_float(self.p_value, 8),
            "model": self.model,
            "dispersion": clean_float(self.dispersion, 4),
            "overdispersed": self.overdispersed,
            "alpha": clean_float(self.alpha) if self.alpha is not None else None,
            "first_year": self.first_year,
            "last_year": self.last_year,
            "n_years": self.n_years,
            "years": list(self.years),
            "basis": self.basis,
        }
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.basis == "point":
            out["censored_rule"] = CENSORED_POINT_RULE
        for name in ("low_bound", "high_bound"):
            bound = getattr(self, name)
            if bound is not None:
                out[name] = bound.to_dict()
        return out


def rate_ratio(
    counts: pl.DataFrame, *, level: float = 0.95, min_years: int = MIN_COMPLETE_YEARS
) -> RateRatio:
    """Annual rate ratio of a yearly series with its ``level`` Wald interval: a Poisson GLM of count on year;
    if the Pearson dispersion exceeds 1.5, a negative binomial (NB2, alpha estimated), else — if that fails to
    converge — quasi-Poisson. Censored years: see the module docstring.

    Raises ``ParameterError`` for an empty table (:data:`EMPTY_COUNTS`), fewer than ``min_years`` years
    (:func:`too_few_years`; at least 2 whatever ``min_years`` says), no victims or an invalid count, and its
    subclass
    ``EstimationError`` when no finite rate ratio exists (every victim in the first or last year) or the series
    holds no trend (:func:`no_trend_information`: every year with victims censored). A censoring bound without a
    finite rate ratio of its own (or without a victim) leaves ``low_bound`` or ``high_bound`` None, with the
    reason in ``warnings``, not the estimate unsaid."""
    level = check_level(level)
    series = _series(counts)
    if not series.height:
        raise ParameterError(EMPTY_COUNTS)
    if reason := no_trend_information(series):
        raise EstimationError(f"not estimable: {reason}")
    if series.height < max(min_years, 2):
        raise ParameterError(
            f"a rate ratio needs at least {max(min_years, 2)} years of counts, got {series.height} "
            "(the module docstring says why: Short series)"
        )
    censored = bool(series["count"].is_null().any())
    main = _rate_ratio(
        series["year"].to_numpy(), series["point"].to_numpy(), "point" if censored else "exact", level
    )
    if not censored:
        return main
    bounds: dict[str, RateRatio | None] = {}
    notes: list[str] = []
    for name, column in (("low bound", "count_low"), ("high bound", "count_high")):
        # a bound series may have no finite trend where the point values have one (a censored part whose low
        # bound is 0: a cell less its parts): the estimate stands, and the bound says it has none
        try:
            bounds[name] = _rate_ratio(series["year"].to_numpy(), series[column].to_numpy(), name, level)
        except ParameterError as exc:
            bounds[name] = None
            notes.append(f"on the {name}s: {exc}")
    return dataclasses.replace(
        main,
        low_bound=bounds["low bound"],
        high_bound=bounds["high bound"],
        warnings=tuple(dict.fromkeys((*main.warnings, *notes))),
    )


def _rate_ratio(years: np.ndarray, y: np.ndarray, basis: str, level: float) -> RateRatio:
    if len(years) < 2:
        raise ParameterError(f"a rate ratio needs at least 2 years of counts, got {len(years)}")
    if not np.nansum(y) > 0:
        raise ParameterError("a rate ratio needs at least one victim in the series")
    if not finite_trend_exists(years, y):
        end = "first" if y[0] > 0 else "last"
        raise EstimationError(
            f"no finite rate ratio ({basis} counts): every victim of the series is in its {end} year "
            f"({int(years[0] if end == 'first' else years[-1])}), so the fitted trend is unbounded"
        )
    t = years - years.mean()
    fit = fit_counts(y, np.column_stack([np.ones_like(t), t]))
    rr, lo, hi, p = fit.coefficient(np.array([0.0, 1.0]), level)
    return RateRatio(
        rate_ratio=rr,
        ci_low=lo,
        ci_high=hi,
        p_value=p,
        model=fit.model,
        dispersion=fit.dispersion,
        alpha=fit.alpha,
        first_year=int(years[0]),
        last_year=int(years[-1]),
        n_years=len(years),
        basis=basis,
        warnings=fit.warnings,
        years=tuple(int(y) for y in years),
        level=level,
    )


# --------------------------------------------------------------------------------------------------- breaks


@dataclasses.dataclass(frozen=True)
class Break:
    """The best single break of a yearly series under a segmented log-linear model.

    The model: log μ = b0 + b1·t + b2·[year ≥ break] + b3·(t − t_break)·[year ≥ break], a level change and a
    slope change at ``break_year`` (the first year of the new segment). ``p_value`` is the likelihood-ratio test
    against no break (2 df; with a quasi-Poisson model, whose dispersion is estimated, the F test of the scaled
    statistic on 2 and n − 4 df) at the chosen year; because the year was chosen by the search it is optimistic, and
    ``p_value_adjusted`` (Bonferroni over the ``n_candidates`` years searched) is the conservative version.
    """

    break_year: int
    rate_ratio_before: float
    ci_before: tuple[float, float]
    rate_ratio_after: float
    ci_after: tuple[float, float]
    level_change: float  # ratio of the fitted count at the break year to the first segment's extrapolation
    ci_level_change: tuple[float, float]
    lr_statistic: float
    p_value: float
    p_value_adjusted: float
    aic_break: float
    aic_no_break: float
    model: str
    n_candidates: int
    candidates: tuple[tuple[int, float], ...]  # (break year, log-likelihood of the Poisson search)
    #: candidate years left out of the search: a segment with no finite trend, or a fit that failed
    skipped_candidates: tuple[int, ...] = ()
    #: what the chosen model's fit warned about: shown beside the break
    warnings: tuple[str, ...] = ()
    #: the confidence level of the intervals (``find_break``'s ``level``)
    level: float = 0.95
    #: the last year read before the break (``break_year − 1`` unless years between were not read). After
    #: unread years the break is *between* ``previous_year + 1`` and ``break_year``: for the years read, a break
    #: in any year of the gap is the same model (the slope-change term differs by a multiple of the level term),
    #: so the data cannot say where in the gap it fell
    previous_year: int | None = None

    @property
    def unread_before(self) -> tuple[int, ...]:
        """The years not read between :attr:`previous_year` and :attr:`break_year` (none: the break is dated)."""
        if self.previous_year is None:
            return ()
        return tuple(range(self.previous_year + 1, self.break_year))

    def when(self) -> str:
        """ "in 2016", or "between 2012 and 2016" after unread years (:attr:`previous_year`)."""
        gap = self.unread_before
        return f"between {gap[0]} and {self.break_year}" if gap else f"in {self.break_year}"

    def _overview(self) -> tuple[str, list[tuple[str, list[str]]]]:
        """A title and (label, texts) lines: the facts of the break, never a count."""
        level = _level_text(self.level)

        def interval(value: float, ci: tuple[float, float]) -> str:
            return f"{_number(value)} ({level} CI {_number(ci[0])}–{_number(ci[1])})"

        lines: list[tuple[str, list[str]]] = [
            ("before", [f"annual rate ratio {interval(self.rate_ratio_before, self.ci_before)}"]),
            ("from the break", [f"annual rate ratio {interval(self.rate_ratio_after, self.ci_after)}"]),
            (
                "level change",
                [
                    (
                        f"{interval(self.level_change, self.ci_level_change)}: the fitted count of {self.break_year} "
                        "over the earlier segment's trend carried on"
                    )
                ],
            ),
            (
                "test",
                [
                    (
                        (
                            f"likelihood ratio {self.lr_statistic:.2f} against no break (2 df), "
                            if self.model != "quasi_poisson"
                            else f"likelihood ratio scaled by the dispersion {self.lr_statistic:.2f} against no "
                            "break (F test, 2 df: the dispersion is estimated), "
                        )
                        + f"{_p_text(self.p_value)}; "
                        f"{_p_text(self.p_value_adjusted).replace('p', 'adjusted p', 1)} (Bonferroni over the "
                        f"{self.n_candidates} years searched: the year was chosen by the search)"
                    ),
                    f"AIC {self.aic_break:.1f} with the break, {self.aic_no_break:.1f} without",
                ],
            ),
            ("method", [f"{_MODEL_NAMES.get(self.model, self.model)} segmented log-linear model"]),
        ]
        if self.skipped_candidates:
            from evidence.analyses.coverage import years_text

            lines.append(
                (
                    "not searched",
                    [
                        f"{years_text(self.skipped_candidates)} (a segment without a finite trend, or a failed fit)"
                    ],
                )
            )
        if self.warnings:
            lines.append(("fit warnings", list(self.warnings)))
        if gap := self.unread_before:
            from evidence.analyses.coverage import years_text

            lines.insert(
                0,
                (
                    "when",
                    [
                        (
                            f"{years_text(list(gap))} not read: a break in any of them, or in {self.break_year}, "
                            "fits the years read alike, so the data cannot say in which year it fell"
                        )
                    ],
                ),
            )
            return f"break {self.when()} (the new segment's first year read: {self.break_year})", lines
        return f"break in {self.break_year} (the first year of the new segment)", lines

    def __repr__(self) -> str:
        """The break as facts (year, rate ratios either side, test, method), for a notebook or a console."""
        return overview_text("Break", *self._overview())

    def _repr_html_(self) -> str:
        """The same as :meth:`__repr__`, as a small HTML table for JupyterLab."""
        return overview_html("Break", *self._overview())

    def to_dict(self) -> dict[str, Any]:
        return {
            "break_year": self.break_year,
            "rate_ratio_before": clean_float(self.rate_ratio_before),
            "ci_before": [clean_float(x) for x in self.ci_before],
            "rate_ratio_after": clean_float(self.rate_ratio_after),
            "ci_after": [clean_float(x) for x in self.ci_after],
            "level_change": clean_float(self.level_change),
            "ci_level_change": [clean_float(x) for x in self.ci_level_change],
            "lr_statistic": clean_float(self.lr_statistic, 4),
            "p_value": clean_float(self.p_value, 8),
            "p_value_adjusted": clean_float(self.p_value_adjusted, 8),
            "aic_break": clean_float(self.aic_break, 3),
            "aic_no_break": clean_float(self.aic_no_break, 3),
            "model": self.model,
            "n_candidates": self.n_candidates,
            "skipped_candidates": list(self.skipped_candidates),
            "previous_year": self.previous_year,
            **({"warnings": list(self.warnings)} if self.warnings else {}),
        }


#: Published years a break needs on each side (:func:`find_break`; the brief and ``evidence trend`` alike): a
#: segment's level and slope are two parameters, and two more years are what test them (with 3, the slope
#: after a break rested on two steps: Thailand's "other forms", 2019-2021, 0.178/yr).
MIN_BREAK_SEGMENT = 4


def find_break(counts: pl.DataFrame, *, min_segment: int = MIN_BREAK_SEGMENT, level: float = 0.95) -> Break:
    """Search the break year of a yearly series (each segment at least ``min_segment`` published years: the
    years of the series, not of its span), by maximum
    Poisson likelihood; the chosen model is refitted as negative binomial when overdispersed (as
    :func:`rate_ratio`). Censored years enter at their point value.

    After years not read (a country that did not report) the break found at the first year read after them is
    a break somewhere in the gap: ``previous_year`` says where the gap starts, and :meth:`Break.when` says
    "between 2012 and 2016" (the fit is the same wherever in the gap the break is put).

    A candidate year is searched only when both segments have a finite trend (victims in two of the segment's
    years, or in one year inside it); the others are listed in ``skipped_candidates``. Raises
    ``ParameterError`` for an empty table (:data:`EMPTY_COUNTS`), a series too short for two segments or an
    invalid count, and its subclass
    ``EstimationError`` ("no break could be estimated") when no candidate year is left."""
    level = check_level(level)
    # the chi-squared and F tails: scipy.stats takes a second to import
    from scipy.special import chdtrc, fdtrc

    if min_segment < 2:
        raise ParameterError(f"min_segment must be at least 2, not {min_segment}")
    series = _series(counts)
    if not series.height:
        raise ParameterError(EMPTY_COUNTS)
    if reason := no_trend_information(series):
        raise EstimationError(f"not estimable: {reason}")
    years = series["year"].to_numpy().astype(float)
    y = series["point"].to_numpy()
    candidates_years = [
        int(b) for b in years if (years < b).sum() >= min_segment and (years >= b).sum() >= min_segment
    ]
    if not candidates_years:
        raise ParameterError(
            f"a break needs at least {2 * min_segment} years ({min_segment} per segment), got {len(years)}"
        )
    t = years - years.mean()
    intercept = np.ones_like(t)

    def design(b: int) -> np.ndarray:
        after = (years >= b).astype(float)
        return np.column_stack([intercept, t, after, (years - b) * after])

    search: list[tuple[int, CountFit]] = []
    skipped: list[int] = []
    for b in candidates_years:
        before = years < b
        if not (
            finite_trend_exists(years[before], y[before]) and finite_trend_exists(years[~before], y[~before])
        ):
            skipped.append(b)
            continue
        try:
            search.append((b, fit_counts(y, design(b), family="poisson")))
        except EstimationError:
            skipped.append(b)
    if not search:
        span = f"{candidates_years[0]}" + (f"-{candidates_years[-1]}" if len(candidates_years) > 1 else "")
        raise EstimationError(
            f"no break could be estimated: at every candidate year ({span}) a segment has no victims, or all of "
            "them in its first or last year, so its trend is unbounded"
        )
    best_year, best_poisson = max(search, key=lambda s: s[1].llf)
    try:
        chosen = fit_counts(y, design(best_year), poisson=best_poisson)
    except EstimationError:
        chosen = best_poisson
    null_family: Literal["poisson", "negative_binomial"] = (
        "negative_binomial" if chosen.model == "negative_binomial" else "poisson"
    )
    try:
        null = fit_counts(y, np.column_stack([intercept, t]), family=null_family)
    except EstimationError as exc:  # cannot happen for a series with two estimable segments; kept as a guard
        raise EstimationError(f"no break could be estimated: the no-break model failed ({exc})") from exc
    if chosen.model == "negative_binomial" and null.model != "negative_binomial":
        chosen = best_poisson  # compare like with like
        chosen = dataclasses.replace(
            chosen, model="quasi_poisson", cov=chosen.cov * max(chosen.dispersion, 1.0)
        )
    lr = max(2 * (chosen.llf - null.llf), 0.0)
    df_resid = len(y) - 4
    if chosen.model == "quasi_poisson":
        lr /= max(chosen.dispersion, 1.0)
    if chosen.model == "quasi_poisson" and df_resid > 0:
        # the dispersion is estimated from the break model's n − 4 residual degrees of freedom: the scaled
        # statistic over its 2 df is F(2, n − 4), not chi²(2)/2 (which takes the dispersion as known)
        p = float(fdtrc(2, df_resid, lr / 2))
    else:
        p = float(chdtrc(2, lr))
    slope_before = chosen.coefficient(np.array([0.0, 1.0, 0.0, 0.0]), level)
    slope_after = chosen.coefficient(np.array([0.0, 1.0, 0.0, 1.0]), level)
    jump = chosen.coefficient(np.array([0.0, 0.0, 1.0, 0.0]), level)
    return Break(
        break_year=best_year,
        rate_ratio_before=slope_before[0],
        ci_before=(slope_before[1], slope_before[2]),
        rate_ratio_after=slope_after[0],
        ci_after=(slope_after[1], slope_after[2]),
        level_change=jump[0],
        ci_level_change=(jump[1], jump[2]),
        lr_statistic=lr,
        p_value=p,
        p_value_adjusted=min(1.0, p * len(search)),
        aic_break=chosen.aic,
        aic_no_break=null.aic,
        model=chosen.model,
        n_candidates=len(search),
        candidates=tuple((b, fit.llf) for b, fit in search),
        skipped_candidates=tuple(skipped),
        warnings=tuple(dict.fromkeys(chosen.warnings + null.warnings)),
        level=level,
        previous_year=int(years[years < best_year].max()),
    )


# ---------------------------------------------------------------------------------------- incomplete years


#: What a year flagged and left out of the trend models is (:attr:`IncompleteYear.kinds`). ``incomplete``: its
#: count is probably short of the victims of the year (cases registered after the data were extracted, a fall
#: below the trend at the end of a series, reporters missing from a sum over reporting countries).
#: ``not_comparable``: its count is what was published, but of something else than the other years' (a change
#: in what a country reports: the United States' own nationals before 2013).
FlagKind = Literal["incomplete", "not_comparable"]
INCOMPLETE: FlagKind = "incomplete"
NOT_COMPARABLE: FlagKind = "not_comparable"

#: How a year of each kind is said, in the brief, the tables, the charts and the command line.
FLAG_WORDS: dict[FlagKind, str] = {
    INCOMPLETE: "probably incomplete",
    NOT_COMPARABLE: "not comparable with the other years",
}


def flag_words(kinds: Iterable[FlagKind], *, each: bool = True) -> str:
    """How years of these kinds are said: "probably incomplete", "not comparable with the other years", or,
    for years of both kinds, "probably incomplete and not comparable with the other years" (``each``: every
    year is both) or "probably incomplete or not comparable with the other years" (a series some of whose
    years are one, some the other). Empty for no kind."""
    found = set(kinds)
    present = [kind for kind in FLAG_WORDS if kind in found]
    return f" {'and' if each else 'or'} ".join(FLAG_WORDS[kind] for kind in present)


@dataclasses.dataclass(frozen=True)
class IncompleteYear:
    """A year flagged and left out of the trend models, why (:attr:`reason`), and what it is (:attr:`kinds`):
    probably incomplete, not comparable with the other years, or both."""

    year: int
    reason: str
    observed_high: float | None  # the observed count (its high bound when censored)
    expected: float | None  # the count predicted from the earlier years' trend
    #: the reason said of several years at once (:func:`grouped_incomplete`): the same words for each year it
    #: applies to, so that years with one reason are said once; None: :attr:`reason`, which names no year
    shared: str | None = None
    #: the share of the nationals the reporters a year misses detect in the other years (:func:`reporter_gaps`)
    missed: float | None = None
    #: the missing reporters its reason names, with their shares, largest first, where the year is flagged for
    #: missing reporters only (no change in reporting, no doubtful breakdown): what lets many such years be said
    #: in one sentence (:func:`grouped_incomplete`)
    missing: tuple[tuple[str, float], ...] = ()
    #: what the year is (:data:`FlagKind`, in the order of :data:`FLAG_WORDS`): one kind, or both where rules
    #: of both kinds flag it (:func:`merge_incomplete`)
    kinds: tuple[FlagKind, ...] = (INCOMPLETE,)

    def __post_init__(self) -> None:
        if not self.kinds or any(kind not in FLAG_WORDS for kind in self.kinds):
            raise ParameterError(f"a flagged year's kinds are some of {list(FLAG_WORDS)}, not {self.kinds!r}")

    @property
    def words(self) -> str:
        """How the year is said: "probably incomplete", "not comparable with the other years", or both."""
        return flag_words(self.kinds)

    def _overview(self) -> tuple[str, list[tuple[str, list[str]]]]:
        return f"{self.year}, flagged: {self.words}", [("why", [self.reason])]

    def __repr__(self) -> str:
        """The year and why (no count), for a notebook or a console."""
        return overview_text("IncompleteYear", *self._overview())

    def _repr_html_(self) -> str:
        """The same as :meth:`__repr__`, as a small HTML table for JupyterLab (the reason escaped: it names
        countries as the data spell them)."""
        return overview_html("IncompleteYear", *self._overview())

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "kinds": list(self.kinds), "said": self.words, "reason": self.reason}


def incomplete_years(
    counts: pl.DataFrame,
    *,
    fraction: float = 0.5,
    max_years: int = 2,
    history: int = 5,
    late_registration: bool = False,
    release_end: int | None = None,
    ranged: Collection[int] = (),
) -> tuple[IncompleteYear, ...]:
    """Flag the latest years of *registration* data (victim records: CTDC, an organisation's case records) that
    are probably incomplete because cases keep being registered after the data are extracted.

    Rule: the latest ``k`` years (``k`` up to ``max_years``) are flagged when each of them is below ``fraction``
    of the count a log-linear Poisson trend of the ``history`` years before them predicts (at least 3 needed,
    with a finite trend: not all victims in one end year); the longest such run of latest years is flagged. A
    year's expected count is thus never computed from a history holding a year flagged with it (a final year
    is not judged against a trend through the fall of the year before). With ``late_registration`` the final
    year is always flagged, because cases keep being registered after a release; given ``release_end`` (the
    release's last year), only when the series reaches it: a series that stops earlier has no year a release
    cut short. ``ranged``: years whose count is known only as a range (a table withholds it): never the history
    of a trend (a point of it would be a guess, and the trend through it could flag a year that is no fall),
    only a year tested, by its high bound (flagged where every count of its range is below half).

    Not for a publisher's own yearly totals (UNODC's detected victims are what each country reported for the
    year, complete when published: a fall there is a fall in what was reported, to be shown and modelled, not
    set aside); a sum over reporting countries has its own rule, :func:`reporter_gaps`.
    """
    if not 0 < fraction <= 1:
        raise ParameterError(f"fraction must be in (0, 1], not {fraction}")
    series = _series(counts)
    years = series["year"].to_numpy()
    points, highs = series["point"].to_numpy(), series["count_high"].to_numpy()
    flags: dict[int, IncompleteYear] = {}
    for k in range(1, max_years + 1):
        first = len(years) - k  # the earliest year of the run tested
        if first < 3:
            break
        hist = slice(max(0, first - history), first)
        hy, hc = years[hist].astype(float), points[hist]
        if any(int(y) in ranged for y in hy):
            continue
        if not finite_trend_exists(hy, hc):  # no finite trend to extrapolate from
            continue
        t = hy - hy.mean()
        try:
            fit = fit_counts(hc, np.column_stack([np.ones_like(t), t]), family="poisson")
        except EstimationError:
            continue
        run = range(first, len(years))
        expected = {
            i: float(math.exp(min(fit.params[0] + fit.params[1] * (years[i] - hy.mean()), 709.0)))
            for i in run
        }
        if not all(highs[i] < fraction * expected[i] for i in run):
            continue
        reason = (
            f"below {fraction:.0%} of the count expected from the {int(hy[0])}-{int(hy[-1])} trend "
            "(late registration or reporting, or a real fall)"
        )
        flags = {
            int(years[i]): IncompleteYear(
                int(years[i]), reason, float(highs[i]), expected[i], kinds=(INCOMPLETE,)
            )
            for i in run
        }
    if late_registration and len(years) and (release_end is None or int(years[-1]) >= release_end):
        last = int(years[-1])
        note = "the final year of the release (late registration)"  # the bullet says "probably incomplete"
        if last in flags:
            flags[last] = dataclasses.replace(flags[last], reason=f"{note}; {flags[last].reason}")
        else:
            flags[last] = IncompleteYear(last, note, float(highs[-1]), None, kinds=(INCOMPLETE,))
    return tuple(flags[y] for y in sorted(flags, reverse=True))


#: A reporter that usually lists at least this many of a country's nationals and lists none of them at all in a
#: year's breakdown (no cell: neither a number nor ``<5``) is taken to have left them out of it
#: (:func:`reporter_gaps`). A published ``<5`` is data (a count of 1 to 4), never an omission.
USUALLY_LISTED = 20

#: The publisher's own floor: UNODC publishes counts below 5 as ``<5``. A steady reporter that lists a country's
#: nationals as a number of at least this in no more than half the years of a panel's window (``<5``, or none)
#: adds next to nothing to the panel's trend and is no reporter of it (:func:`steady_reporters`). It is the
#: publisher's floor, not the brief's disclosure threshold: the same panel whatever threshold a reader chooses.
PANEL_FLOOR = 5


def _reporter_grid(selection: Selection, *, min_coverage: float = 0.5) -> pl.DataFrame | None:
    """:func:`_reporter_grid_of`, built once per frame and selection (the gaps, reporting changes, steady
    reporters and doubtful reporters of a series read the same grid)."""
    if selection.kind != "indicator" or selection.country is None or selection.role == "destination":
        return None
    key = (
        "reporter_grid",
        selection.indicator,
        selection.country,
        selection.role,
        selection.years,
        min_coverage,
    )

    def build() -> pl.DataFrame:
        grid = _reporter_grid_of(selection, min_coverage=min_coverage)
        return pl.DataFrame() if grid is None else grid  # none (fewer than two reporters): no columns

    grid = built_once(selection.frame, key, build)
    return grid if grid.width else None


def _reporter_grid_of(selection: Selection, *, min_coverage: float = 0.5) -> pl.DataFrame | None:
    """The reporters × years of a UNODC series summed over reporting countries (see :func:`reporter_gaps`):
    columns iso3, year, n (the nationals a reporter counted: point values, 0 when none), n_low (their low
    bound: a ``<5`` cell counts 1), complete (whether
    its breakdown of that year is complete) and doubtful (its breakdown of that year is published but doubtful,
    :func:`evidence.analyses.routes.doubtful_breakdowns`, and not used). The years are those with nationals counted. None for a selection
    that is no such sum (case data, role ``destination``, no country), or one with fewer than two reporters.

    A breakdown is complete when it is published, covers at least ``min_coverage`` of the reporter's total
    (of the least total it published in the selection's years when it gives none that year), and lists these nationals in a cell of their own (a number, ``<5`` or 0) or comes from a reporter that
    usually lists fewer than :data:`USUALLY_LISTED` of them. A published ``<5`` is a censored count, not a
    breakdown that left them out: Thailand's 2021 breakdown lists ``Cambodia <5`` beside 13 other rows."""
    if selection.kind != "indicator" or selection.country is None or selection.role == "destination":
        return None
    country = selection.country
    # what every country's grid reads of the reporters (their citizenship cells, totals and what they list):
    # read once per frame, indicator and years, each country's nationals then taken from them
    citizenship, totals, listed, doubtful = kept_once(
        selection.frame,
        ("reporters", selection.indicator, selection.years),
        lambda: _reporters(selection.frame, selection.indicator, selection.years),
    )
    nationals = (citizenship_origin_expr() == country).fill_null(False)
    if selection.role == "both":
        nationals = nationals & (pl.col("iso3") != country)
    counted = (
        citizenship.filter(nationals)
        .join(doubtful, on=["iso3", "year"], how="anti")
        .group_by("iso3", "year")
        .agg(
            pl.col("point").sum().alias("n"),
            pl.col("value_low").sum().cast(pl.Float64).alias("n_low"),
            pl.len().cast(pl.UInt32).alias("cells"),
        )
    )
    if selection.role == "both":
        own = totals.filter(pl.col("iso3") == country).select(
            "iso3",
            "year",
            pl.col("own").alias("n"),
            pl.col("total").cast(pl.Float64).alias("n_low"),
            pl.lit(1, pl.UInt32).alias("cells"),
        )
        counted = pl.concat([counted, own.with_columns(pl.col("n").cast(counted["n"].dtype))])
    years = sorted(set(counted.filter(pl.col("n") > 0)["year"].to_list()))
    reporters = sorted(set(counted.filter(pl.col("n") > 0)["iso3"].to_list()))
    if not years or len(reporters) < 2:
        return None
    grid = (
        pl.DataFrame({"iso3": reporters})
        .join(pl.DataFrame({"year": years}, schema={"year": pl.Int32}), how="cross")
        .join(totals, on=["iso3", "year"], how="left")
        .join(listed, on=["iso3", "year"], how="left")
        .join(counted, on=["iso3", "year"], how="left")
    )
    grid = grid.with_columns(
        pl.col("n").fill_null(0.0), pl.col("n_low").fill_null(0.0), pl.col("cells").fill_null(0)
    )
    # a reporter that usually lists dozens of these nationals and lists none of them in a breakdown of its own
    # has left them out of that breakdown (a list of its largest citizenships, or foreigners only); one that
    # lists them as <5 published a count of 1 to 4 (a real fall, not an omission)
    usual_listed = (
        grid.filter(pl.col("n") >= 5)
        .group_by("iso3")
        .agg(pl.col("n").median().alias("listed_usually"), pl.len().alias("years_listed"))
    )
    # a breakdown published without a total that year is set against the least total the reporter published
    # in another year (Thailand 2008: two cells, 2-8 victims, beside totals of 122 to 1,540)
    least_total = totals.group_by("iso3").agg(pl.col("total").min().alias("least_total"))
    grid = grid.join(usual_listed, on="iso3", how="left").join(least_total, on="iso3", how="left")
    reference = pl.coalesce("total", "least_total")
    own_total = pl.col("iso3") == country if selection.role == "both" else pl.lit(False)
    covered = pl.col("listed").is_not_null() & (
        reference.is_null() | (pl.col("listed") >= min_coverage * reference)
    )
    usually = pl.col("listed_usually").fill_null(0) >= USUALLY_LISTED
    complete = (
        pl.when(own_total)
        .then(pl.col("total").is_not_null())
        .otherwise(covered & ((pl.col("cells") > 0) | ~usually))
    )
    # a breakdown that covers the reporter's total and lists none of these nationals, where it usually does:
    # published, not "no breakdown" (the United Kingdom's of 2009-2010 and 2014-2015: no Eritrea row)
    unlisted = (covered & (pl.col("cells") == 0) & usually & ~own_total).fill_null(False)
    # the country's own authorities counting almost none of its own nationals in a year, where they usually
    # count hundreds (the United States 2010-2012: <5, then 805 to 6,133): a change in what it reports (foreign
    # victims only), not a fall in the victims; a fall of other reporters' counts stays data
    collapsed = (
        complete
        & (pl.col("iso3") == country)
        & ~own_total
        & (pl.col("listed_usually").fill_null(0) >= _COLLAPSE_USUAL)
        & (pl.col("years_listed").fill_null(0) >= _COLLAPSE_YEARS)
        & (pl.col("n") < _COLLAPSE_SHARE * pl.col("listed_usually"))
    ).fill_null(False)
    # a reporter's breakdown of the year that is doubtful: published, but not used (never the own total)
    grid = grid.join(doubtful.with_columns(_doubtful=pl.lit(True)), on=["iso3", "year"], how="left")
    doubtful_cell = (pl.col("_doubtful").fill_null(False) & ~own_total).alias("doubtful")
    return grid.select(
        "iso3",
        "year",
        "n",
        "n_low",
        (complete & ~collapsed).alias("complete"),
        collapsed.alias("collapsed"),
        doubtful_cell,
        (unlisted & ~pl.col("_doubtful").fill_null(False)).alias("unlisted"),
    ).sort("iso3", "year")


def _reporters(
    df: pl.DataFrame, indicator: str, years: tuple[int, int] | None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The reporters' citizenship cells (year and point added), their totals (iso3, year, total, own), what
    their citizenship breakdowns list (iso3, year, listed) and their doubtful breakdowns (iso3, year), in
    ``years``: what :func:`_reporter_grid_of` reads of every reporter, whichever country's nationals it counts."""
    frame = df.filter(
        (pl.col("indicator") == indicator)
        & pl.col("year").is_not_null()
        & year_filter(years)
        & (pl.col("sex") == "Total")
        & (pl.col("age") == "Total")
    ).with_columns(
        pl.col("year").cast(pl.Int32), point_expr("value", "value_low", "value_high").alias("point")
    )
    citizenship = frame.filter(pl.col("dimension") == "by citizenship")
    totals = (
        frame.filter(pl.col("dimension") == "Total")
        .group_by("iso3", "year")
        .agg(pl.col("value_low").sum().alias("total"), pl.col("point").sum().alias("own"))
    )
    listed = citizenship.group_by("iso3", "year").agg(pl.col("value_high").sum().alias("listed"))
    # a doubtful citizenship breakdown (evidence.analyses.routes.doubtful_breakdowns) counts no nationals: its
    # cells are routes only with their caveat, never a reporter's count (nor the reason a year is incomplete)
    from evidence.analyses.routes import doubtful_breakdowns

    doubtful = doubtful_breakdowns(df, indicator).select("iso3", pl.col("year").cast(pl.Int32))
    return citizenship, totals, listed, doubtful


#: A country's own count of its own nationals below this share of its usual count (the median of its years
#: of at least 5) is a change in reporting, when the usual count is at least :data:`_COLLAPSE_USUAL`.
#: The usual count is read from at least :data:`_COLLAPSE_YEARS` such years (one large year is no habit:
#: Bhutan's 179 of 2020 beside <5 in 2017 and 2018).
_COLLAPSE_SHARE = 0.05
_COLLAPSE_USUAL = 100
_COLLAPSE_YEARS = 3


#: A year of a UNODC sum over reporting countries is probably incomplete when the reporters it misses detect at
#: least this share of the nationals in the years their breakdowns are complete (:func:`reporter_gaps`). A
#: quarter: a year short of less is short by less than the year-to-year swings of these counts (a country's
#: nationals detected commonly move by a third or more from one year to the next: Viet Nam's 172-175 of 2014,
#: 116-137 of 2015, 428-449 of 2016), so flagging it sets aside years that say as much as any other; Viet Nam's
#: years missing Ukraine, Costa Rica and Slovakia (~10%) were flagged, leaving no year to read. One missing a
#: quarter or more can show a fall that is the reporters', not the victims' (Cambodia's years without
#: Malaysia's breakdown: ~36%).
MATERIAL_SHARE = 0.25

#: A missing reporter is named in a reason when it alone detects at least this share of the nationals in the
#: other years; smaller ones are counted, not named (they move the year's count by a few victims each).
NAMED_SHARE = 0.05


def reporter_gaps(
    selection: Selection, *, min_share: float = MATERIAL_SHARE, min_coverage: float = 0.5
) -> tuple[IncompleteYear, ...]:
    """The years of a UNODC series summed over several reporting countries that miss some of them.

    A country's nationals detected (role ``origin``, and the nationals detected abroad in role ``both``) are the
    sum of the citizenship breakdowns of the countries that detected them, and which countries publish a
    breakdown changes from year to year. A reporter *misses* a year when it published no citizenship breakdown
    for it, or one that accounts for less than ``min_coverage`` of the total it published (a partial list of
    its largest citizenships; without a total that year, of the least total it published), or one that lists none of the nationals (no cell) where it usually lists
    at least :data:`USUALLY_LISTED` (it left them out; a published ``<5`` is a count, not an omission). A year is flagged when the reporters it misses detect at least ``min_share``
    (:data:`MATERIAL_SHARE`) of the nationals counted in the years their breakdowns are complete: its count then
    falls (or rises) with the set of reporters, not with the victims. A year in which the country's own
    authorities count almost none of its own nationals (a change in what is reported) is flagged whatever the
    share. In role ``both`` the country's own total is one of the reporters. Other selections (case data, role
    ``destination``: one reporter) have no such years. Each flag's :attr:`~IncompleteYear.shared` reason names
    the missing reporters that detect at least :data:`NAMED_SHARE` each, with their share, and no year, so
    that the years missing the same reporters are said once (:func:`grouped_incomplete`).

    The reporters, their usual shares and each year's gaps are judged over the table's whole span
    (:func:`_whole_span`), and the flags of the selection's years returned: a year is flagged alike in every
    selection that holds it (Thailand's nationals of 2019, flagged in the full span, were complete in a brief of
    2019 alone, where no other year says what the reporters usually detect).

    Found once per frame, selection, ``min_share`` and ``min_coverage`` (a brief's every table of the selection,
    and the route tables beside its victims per year, ask it again): a tuple of frozen flags, shared.
    """
    key = ("reporter gaps", *selection.cache_key, min_share, min_coverage)
    return kept_once(
        selection.frame,
        key,
        lambda: _reporter_gaps_of(selection, min_share=min_share, min_coverage=min_coverage),
    )


def _reporter_gaps_of(
    selection: Selection, *, min_share: float, min_coverage: float
) -> tuple[IncompleteYear, ...]:
    """:func:`reporter_gaps`, built anew."""
    grid = _reporter_grid(_whole_span(selection), min_coverage=min_coverage)
    if grid is None:
        return ()
    shares = _usual_shares(grid)
    if not shares:
        return ()
    absent = (
        grid.filter(~pl.col("complete"))
        .group_by("year")
        .agg(
            pl.col("iso3").filter(~pl.col("collapsed")).alias("missing"),
            pl.col("iso3").filter(pl.col("collapsed")).alias("collapsed"),
            pl.col("iso3").filter(pl.col("doubtful")).alias("doubtful"),
            pl.col("iso3").filter(pl.col("unlisted")).alias("unlisted"),
        )
    )
    from evidence.sources.countries import name_in_text

    # the years the country's own doubtful breakdown still has a row of its own nationals: that row is counted
    # (whatever the other rows give, these are its nationals: Myanmar's 21 and 28 of 2015–2016), the rest is not
    own_rows = _own_nationals_years(selection) if selection.role == "origin" else set()
    flags = []
    if selection.years is not None:
        first, last = selection.years
        absent = absent.filter(pl.col("year").is_between(first, last))
    for year, missing, collapsed, doubtful, unlisted in absent.sort("year", descending=True).iter_rows():
        # largest first (ties: by code, so that the same reporters are always said alike)
        missing = sorted(missing, key=lambda code: (-shares[code], code))
        share = sum(shares[code] for code in missing)
        # a named missing reporter whose breakdown is published but doubtful is said so (not "none published")
        doubtful = [code for code in _named(missing, shares) if code in doubtful]
        kept = selection.country if selection.country in doubtful and int(year) in own_rows else None
        material = share >= min_share
        if not collapsed and not material:
            continue
        reasons = []
        shared = []  # the reasons said of several years at once: no "this year"
        if collapsed:
            said = f"a change in what is reported: {name_in_text(collapsed[0]) or collapsed[0]} counted almost none"
            reasons.append(f"{said} of its own nationals this year, where it counts far more in others")
            shared.append(f"{said} of its own nationals, where it counts far more in other years")
        if material:
            # role both: the country's own count is its total of the victims it detected, not a breakdown
            own = selection.country if selection.role == "both" and selection.country in missing else None
            names = [name_in_text(code) or code for code in missing if code != own]
            # the largest three and how many others (at least 5: a number of countries below 5 reads as people)
            shown = (
                word_list(names) if len(names) <= 7 else ", ".join(names[:3]) + f" and {len(names) - 3} more"
            )
            reasons.append(
                "the set of reporting countries changes: "
                + _not_reported(selection, shown or None, own=own)
                + f" this year (in the other years they detect {_share_words(share)} of these {_counted(selection)})"
                + _doubtful_clause(doubtful, name_in_text, kept=kept)
                + _unlisted_clause(
                    [code for code in _named(missing, shares) if code in unlisted], name_in_text
                )
            )
            shared.append(
                _missing_reason(
                    missing, shares, name_in_text, doubtful=doubtful, kept=kept, selection=selection
                )
            )
        # a year missing the country's own total (role both) keeps its own words: the merged reason of many
        # years (grouped_incomplete) names reporters of these nationals only (Viet Nam's total, 2016–2021)
        own_missing = selection.role == "both" and selection.country in missing
        named = (
            tuple((name_in_text(code) or code, shares[code]) for code in _named(missing, shares))
            if material and not collapsed and not doubtful and not own_missing
            else ()
        )
        flags.append(
            IncompleteYear(
                int(year),
                "; ".join(reasons),
                None,
                None,
                shared="; ".join(shared),
                missed=share,
                missing=named,
                # a change in what is reported counts something else; missing reporters leave the count short
                kinds=tuple(
                    kind
                    for kind, found in ((INCOMPLETE, material), (NOT_COMPARABLE, bool(collapsed)))
                    if found
                ),
            )
        )
    return tuple(flags)


def _whole_span(selection: Selection) -> Selection:
    """``selection`` over every year of its table: what reporters usually detect, and which years miss them, is
    read from the whole series (:func:`reporter_gaps`), whatever years a brief shows."""
    return selection if selection.years is None else dataclasses.replace(selection, years=None)


def _usual_shares(grid: pl.DataFrame) -> dict[str, float]:
    """Each reporter's share of the nationals a year usually counts (:func:`_reporter_grid`): its mean count
    over the years its breakdown is complete (all years when never), over the sum of these means; empty when
    they sum to nothing."""
    usual = grid.group_by("iso3").agg(
        pl.when(pl.col("complete").any())
        .then(pl.col("n").filter(pl.col("complete")).mean())
        .otherwise(pl.col("n").mean())
        .alias("usual")
    )
    expected = float(usual["usual"].sum())
    if expected <= 0:
        return {}
    return {code: value / expected for code, value in usual.iter_rows()}


def _named(missing: Sequence[str], shares: dict[str, float]) -> list[str]:
    """The missing reporters a reason names (:func:`reporter_gaps`): those detecting at least
    :data:`NAMED_SHARE` each, else the largest three."""
    return [code for code in missing if shares[code] >= NAMED_SHARE] or list(missing[:3])


def _own_nationals_years(selection: Selection) -> set[int]:
    """The years in which the selection's country lists its own nationals in its own citizenship breakdown (a
    row of its nationals by name or as ``Nationals``): what its nationals detected count of it, even in a year
    its breakdown is doubtful."""
    country = selection.country
    if country is None or "dimension" not in selection.frame.columns:
        return set()
    base, _ = _indicator_rows(selection.frame, selection.indicator)
    if _ORIGIN in base.columns:
        # the country's part of the dated rows (split once per frame), read as lists: the same rows as the
        # filter of the whole frame below, which each call made anew (the origin: the column kept of it)
        part = _country_rows(selection.frame, selection.indicator, base, country)
        columns = (part[c].to_list() for c in ("year", "dimension", "sex", "age", _ORIGIN))
        return {
            int(year)
            for year, dimension, sex, age, origin in zip(*columns, strict=True)
            if dimension == "by citizenship" and sex == "Total" and age == "Total" and origin == country
        }
    rows = selection.frame.filter(
        (pl.col("indicator") == selection.indicator)
        & (pl.col("dimension") == "by citizenship")
        & (pl.col("sex") == "Total")
        & (pl.col("age") == "Total")
        & (pl.col("iso3") == country)
        & (citizenship_origin_expr() == country).fill_null(False)
        & pl.col("year").is_not_null()
    )
    return {int(y) for y in rows["year"].to_list()}


def _doubtful_clause(doubtful: Sequence[str], name: Any, *, kept: str | None = None) -> str:
    """What a reason adds of the missing reporters whose breakdown is published but doubtful (the United States'
    2018 breakdown, six rows of a top-five table): published, but not used, which is not "none published". For
    the country itself (``kept``) whose doubtful breakdown lists its own nationals, that row is counted and said
    so: Myanmar's 21 and 28 of 2015–2016 are in its nationals detected, not "not used"."""
    if not doubtful:
        return ""
    names = [name(code) or code for code in sorted(doubtful)]
    listed = word_list(names)
    verb = "published one" if len(names) == 1 else "each published one"
    if kept is not None:
        own = name(kept) or kept
        return (
            f" ({listed} {verb}, but it is doubtful: it may not give its victims' citizenships; only its row of "
            f"{own}'s own nationals is counted, the rest is not used)"
        )
    return f" ({listed} {verb}, but it is doubtful and not used: it may not give its victims' citizenships)"


def _unlisted_clause(unlisted: Sequence[str], name: Any) -> str:
    """What a year's reason adds of the missing reporters that published a breakdown covering their total
    without a row of these nationals (:func:`reporter_gaps`): a breakdown published, not none (the United
    Kingdom's of 2009, 2010, 2014 and 2015 lists no Eritrea)."""
    if not unlisted:
        return ""
    names = word_list([name(code) or code for code in unlisted])
    if len(unlisted) == 1:
        return f"; {names} published one that lists none of them, where it lists them in other years"
    return f"; {names} each published one that lists none of them, where they list them in other years"


def _counted(selection: Selection | None) -> str:
    """What the shares of a series summed over reporters are shares of: a country's nationals (role ``origin``),
    or, in role ``both``, the victims it detected (its own total) together with its nationals detected abroad."""
    return "victims" if selection is not None and selection.role == "both" else "nationals"


def _not_reported(selection: Selection | None, others: str | None, *, own: str | None = None) -> str:
    """What a year misses, in words (:func:`reporter_gaps`): the citizenship breakdowns of ``others`` (the
    reporters, named) that list the country's nationals, and, in role ``both``, the country's own total
    (``own``: its ISO3 code) of the victims it detected, which is its count there, never a breakdown listing
    its nationals (Thailand 2007–2008, Ukraine 2012–2013: no total published, Ukraine's breakdown was)."""
    from evidence.sources.countries import name_in_text

    if selection is None or selection.role != "both" or selection.country is None:
        return f"no full citizenship breakdown listing these nationals from {others}"
    # role both: "these" victims are of two kinds; its nationals are named as the country's
    country = name_in_text(selection.country) or selection.country
    listing = f"full citizenship breakdown listing the nationals of {country} from {others}"
    if own is None:
        return f"no {listing}"
    return f"no total of the victims detected in {country}" + (f", nor a {listing}" if others else "")


def _share_words(share: float) -> str:
    """A missing reporter's share of the nationals in words: "about 36%"; never "about 100%" for a share short
    of all (the United Kingdom's 99.6% of its own nationals: others detect some), nor for all of them."""
    if share >= 1:
        return "all"
    if share >= 0.995:
        return "almost all (over 99%)"
    return f"about {share:.0%}"


def _missing_reason(
    missing: Sequence[str],
    shares: dict[str, float],
    name: Any,
    *,
    doubtful: Sequence[str] = (),
    kept: str | None = None,
    selection: Selection | None = None,
) -> str:
    """The reporters a year misses, as said of every year that misses them (:func:`reporter_gaps`): the ones
    detecting at least :data:`NAMED_SHARE` each, named with their share together (the same words in each year
    they are missing); the smaller ones counted only where they make up the year's material share; those whose
    breakdown is published but doubtful (``doubtful``) said so. In role ``both`` (``selection``) the country's
    own total, when missing, is said as such (:func:`_not_reported`)."""
    named = _named(missing, shares)
    # role both: the country's own total, when missing, is always said (it is the victims detected in it)
    own = (
        selection.country
        if selection is not None and selection.role == "both" and selection.country in missing
        else None
    )
    if own is not None and own not in named:
        named = [*named, own]
    rest = len(missing) - len(named)
    names = [name(code) or code for code in named if code != own]
    listed = word_list(names)
    named_share = sum(shares[code] for code in named)
    verb = "detects" if len(named) == 1 else "detect"
    text = (
        "the set of reporting countries changes: "
        + _not_reported(selection, listed or None, own=own)
        + f", which {verb} {_share_words(named_share)} of these {_counted(selection)} in the other years"
    )
    if named_share < MATERIAL_SHARE and rest:  # the smaller ones make the year's gap material
        # their number and the share in all differ from year to year: said as a range over the years
        # (:func:`grouped_incomplete` fills in :data:`_IN_ALL`)
        text += f", nor from smaller reporters ({_IN_ALL} in all)"
    return text + _doubtful_clause(doubtful, name, kept=kept)


def doubtful_reporters(selection: Selection) -> dict[int, tuple[str, ...]]:
    """The years in which reporters of a UNODC series summed over reporting countries (those of
    :func:`_reporter_grid` that detect at least :data:`NAMED_SHARE` of these nationals in the other years)
    published a citizenship breakdown that is
    doubtful (:func:`evidence.analyses.routes.doubtful_breakdowns`) and so not used, with those reporters (ISO3,
    sorted), the years in order: a year without a count for that reason is no year nothing was published for (the United States'
    own nationals in 2017). In role ``both`` the country's own total, not its breakdown, is its count. Empty for
    other selections. The reporters named are those of the whole series (:func:`reporter_gaps`)."""
    grid = _reporter_grid(_whole_span(selection))
    if grid is None:
        return {}
    from evidence.analyses.routes import doubtful_breakdowns

    # the reporters a reason would name (:data:`NAMED_SHARE`): a stray doubtful cell of a small one is none
    reporters = [code for code, share in _usual_shares(grid).items() if share >= NAMED_SHARE]
    if selection.role == "both":
        reporters = [code for code in reporters if code != selection.country]
    found = (
        doubtful_breakdowns(selection.frame, selection.indicator)
        .filter(pl.col("iso3").is_in(reporters) & year_filter(selection.years))
        .group_by("year")
        .agg(pl.col("iso3").unique().sort())
        .sort("year")  # a group_by's groups come in any order: the years in order, whatever the run
    )
    return {int(year): tuple(codes) for year, codes in found.iter_rows()}


#: Why a country's breakdown of a year is doubtful (column ``reason`` of :func:`doubtful_breakdowns`): the two
#: reasons of a citizenship breakdown (:data:`evidence.analyses.routes.DOUBTFUL_DESTINATIONS`,
#: :data:`evidence.analyses.routes.DOUBTFUL_PARTIAL`), and categories of one per victim adding up to more than
#: the published total (:data:`OVER_TOTAL_MINIMUM`, :data:`OVER_TOTAL_SHARE`): the United States' sexes and ages
#: of 2017, 8,156 against 8,003 victims (Other and Unknown 153 each); Paraguay 2020, 172 against 20.
DOUBTFUL_OVER_TOTAL = "over total"
#: A breakdown of one category per victim is doubtful where its categories' least sum exceeds the published
#: total by at least this many victims and this share of the total: an excess of one or two is common (Romania's
#: sexes exceed its total by 2 in every year of 2010-2021) and changes no share a brief shows.
OVER_TOTAL_MINIMUM = 5
OVER_TOTAL_SHARE = 0.01
#: The dimensions of :data:`_INDICATOR_DIMENSIONS` that read a country's citizenship breakdown (the routes' rule
#: applies: the rule the route tables and ``evidence flows`` use on the same breakdown), and those whose
#: categories are one per victim (a sum above the total is an error, not an overlap).
_CITIZENSHIP_DIMENSIONS = frozenset({"citizenship", "destination", "corridor"})
_ONE_PER_VICTIM_DIMENSIONS = frozenset({"sex", "age"})


def doubtful_breakdowns(selection: Selected, by: str | None) -> pl.DataFrame:
    """The years whose breakdown by ``by`` of the selection's country is published but doubtful, with why
    (columns year, reason): the one rule for every ``by`` value (:data:`BY_VALUES`).

    * A breakdown read from the country's citizenship breakdown (``citizenship``, ``destination``,
      ``corridor``) is doubtful in the years the routes call it so
      (:func:`evidence.analyses.routes.doubtful_breakdowns`, reasons
      :data:`~evidence.analyses.routes.DOUBTFUL_DESTINATIONS` and :data:`~evidence.analyses.routes.DOUBTFUL_PARTIAL`):
      Nigeria 2017, 88–100 of 1,890 victims, without its own nationals, whom it lists every other year.
    * A breakdown by sex or by age (one category per victim; not forms, which overlap) is doubtful
      (:data:`DOUBTFUL_OVER_TOTAL`) where its categories' least sum exceeds the published total by at least
      :data:`OVER_TOTAL_MINIMUM` victims and :data:`OVER_TOTAL_SHARE` of the total: the same rule for both,
      so a publisher's error counted in both breakdowns is flagged in both (the United States 2017–2018).

    Only the country's own breakdowns (role ``destination``; the own part of role ``both``): the breakdowns of
    other countries a role ``origin`` reads are left out where doubtful (:func:`doubtful_reporters`). Empty for
    case records, a selection without a country, role ``origin``, no dimension, or none doubtful."""
    selection, by = as_selection(selection), check_by(by)
    schema = pl.Schema({"year": pl.Int32, "reason": pl.String})
    dimension = _INDICATOR_DIMENSIONS.get(by)
    if (
        selection.kind == "case"
        or selection.country is None
        or selection.role == "origin"
        or dimension not in _CITIZENSHIP_DIMENSIONS | _ONE_PER_VICTIM_DIMENSIONS
    ):
        return pl.DataFrame(schema=schema)
    if dimension not in _CITIZENSHIP_DIMENSIONS:
        own = selection.replace(role="destination")
        years = _over_total_years(yearly_counts(own), yearly_counts(own, by=by))
        return pl.DataFrame({"year": years, "reason": [DOUBTFUL_OVER_TOTAL] * len(years)}, schema=schema)
    from evidence.analyses.routes import doubtful_breakdowns as doubtful_citizenships

    doubtful = doubtful_citizenships(selection.frame, selection.indicator)
    # one reason a year (the routes' first, where they give two), read from the few rows as lists (a query of
    # them cost more in planning than the rows): the country's in the selection's years (a year missing only
    # without years, first, as the sort puts it)
    span = selection.years
    reasons: dict[int | None, str | None] = {}
    for iso3, year, reason in zip(
        doubtful["iso3"].to_list(), doubtful["year"].to_list(), doubtful["reason"].to_list(), strict=True
    ):
        if iso3 == selection.country and (span is None or (year is not None and span[0] <= year <= span[1])):
            reasons.setdefault(year, reason)
    ordered = sorted(reasons, key=lambda year: (year is not None, year))
    return pl.DataFrame({"year": ordered, "reason": [reasons[y] for y in ordered]}, schema=schema)


def _over_total_years(counts: pl.DataFrame, by_counts: pl.DataFrame) -> list[int]:
    """The years (sorted) of :func:`doubtful_breakdowns`' rule of one category per victim, from a country's
    published totals (``counts``: one row a year) and its breakdown (``by_counts``: year, count_low,
    count_high, ...): the categories' least sum above the total's largest value by :data:`OVER_TOTAL_MINIMUM`
    and :data:`OVER_TOTAL_SHARE`. Read from the few rows as lists (a query of them, a group-by joined to the
    totals, cost more in planning than the rows): the least sum of a year's cells (none of them known: 0),
    against each row of the year's total that has one; a row without a year matches none."""
    least: dict[int, int] = {}
    for year, low in zip(by_counts["year"].to_list(), by_counts["count_low"].to_list(), strict=True):
        if year is not None:
            least[year] = least.get(year, 0) + (0 if low is None else low)
    found: set[int] = set()
    for year, total in zip(counts["year"].to_list(), counts["count_high"].to_list(), strict=True):
        if year is None or total is None or year not in least:
            continue
        excess = least[year] - total
        if excess >= OVER_TOTAL_MINIMUM and excess >= OVER_TOTAL_SHARE * total:
            found.add(year)
    return sorted(found)


#: Where a shared reason gives the share of all the reporters a year misses, which differs from year to year
_IN_ALL = "{in_all}"


def reporting_changes(selection: Selection) -> tuple[IncompleteYear, ...]:
    """The years of the victims a country detected (UNODC, role ``destination``, and ``both``, whose series
    holds that total) before a change in what it reports: up to the last year in which its own breakdown counts almost none of its own nationals where it
    usually counts hundreds (the rule of :func:`reporter_gaps`; the United States 2010-2012, then 805 to 6,133
    a year), its total leaves out most of its own nationals, so those years and the earlier ones are not
    comparable with the later ones (the United States' total: 469 in 2012, 2,315 in 2013). None for other
    selections (role origin: :func:`reporter_gaps` flags the years of the collapse itself)."""
    if selection.kind != "indicator" or selection.country is None or selection.role == "origin":
        return ()
    if not _may_collapse(selection):
        return ()
    grid = _reporter_grid(dataclasses.replace(selection, role="origin"))
    if grid is None:
        return ()
    changed = grid.filter(pl.col("collapsed") & (pl.col("iso3") == selection.country))["year"].to_list()
    if not changed:
        return ()
    from evidence.sources.countries import name_in_text

    last = max(changed)
    place = name_in_text(selection.country) or selection.country
    years = yearly_counts(selection)["year"].to_list()
    return tuple(
        IncompleteYear(
            int(year),
            f"a change in what is reported: up to {last} {place} counted almost none of its own nationals among "
            "the victims it detected (far more in the years after), so its count of these years is not comparable",
            None,
            None,
            kinds=(NOT_COMPARABLE,),
        )
        for year in sorted(years, reverse=True)
        if year <= last
    )


def _may_collapse(selection: Selection) -> bool:
    """Whether the country's own count of its own nationals can collapse (:func:`reporting_changes`): a grid's
    ``collapsed`` asks for at least :data:`_COLLAPSE_YEARS` years of at least 5 of them, whose median is at
    least :data:`_COLLAPSE_USUAL`. Those years are all in the country's grid (it counted them, so it is one of
    the reporters and each of them one of the grid's years), so these usual counts, read once per frame,
    indicator and years for every country, are the grid's: a country they rule out needs no grid (most of
    them: a batch of every country built ~200 grids to find the United States' change)."""
    usual = kept_once(
        selection.frame,
        ("own nationals usually", selection.indicator, selection.years),
        lambda: _own_nationals_usually(selection),
    )
    found = usual.get(str(selection.country))
    return found is not None and found[0] >= _COLLAPSE_YEARS and found[1] >= _COLLAPSE_USUAL


def _own_nationals_usually(selection: Selection) -> Mapping[str, tuple[int, float]]:
    """Each reporter's years in which its own breakdown counts at least 5 of its own nationals (outside its
    doubtful breakdowns), and their median: ``{iso3: (years, median)}``, as :func:`_reporter_grid_of` reads
    them (``years_listed``, ``listed_usually``) of the reporter whose nationals it counts."""
    citizenship, _, _, doubtful = kept_once(
        selection.frame,
        ("reporters", selection.indicator, selection.years),
        lambda: _reporters(selection.frame, selection.indicator, selection.years),
    )
    usual = (
        citizenship.lazy()
        .filter((citizenship_origin_expr() == pl.col("iso3")).fill_null(False))
        .join(doubtful.lazy(), on=["iso3", "year"], how="anti")
        .group_by("iso3", "year")
        .agg(pl.col("point").sum().alias("n"))
        .filter(pl.col("n") >= 5)
        .group_by("iso3")
        .agg(pl.len().alias("years_listed"), pl.col("n").median().alias("listed_usually"))
        .collect(engine=IN_MEMORY)
    )
    return MappingProxyType(
        {
            iso3: (int(n), float(m))
            for iso3, n, m in usual.select("iso3", "years_listed", "listed_usually").iter_rows()
        }
    )


@dataclasses.dataclass(frozen=True)
class SteadyPanel:
    """A balanced panel of steady reporters (:func:`steady_reporters`): the ``window`` (first, last year), the
    ``reporters`` (ISO3, sorted) whose citizenship breakdowns are complete in every year of it, their yearly
    ``counts`` summed (year, count, count_low, count_high: what :func:`rate_ratio` takes; and the part published
    exactly, :data:`~evidence.analyses.intervals.UNCENSORED`) and the ``share`` of
    all the nationals counted in the window's years that they account for (point values)."""

    window: tuple[int, int]
    reporters: tuple[str, ...]
    counts: pl.DataFrame
    share: float
    #: the nationals each reporter counted in the window (point values), in the order of ``reporters``
    detected: tuple[float, ...]

    @property
    def n_years(self) -> int:
        return self.window[1] - self.window[0] + 1

    def _overview(self) -> tuple[str, list[tuple[str, list[str]]]]:
        from evidence.sources.countries import name_of

        names = [f"{code} ({name})" if (name := name_of(code)) else code for code in self.reporters]
        title = f"{len(self.reporters)} steady reporters, {_span_text(*self.window)} ({self.n_years} years)"
        return title, [
            ("reporters", [word_list(names)]),
            ("share", [f"{self.share:.0%} of these nationals counted in the window's years"]),
            ("rule", [self.to_dict()["rule"]]),
            ("see", [".counts (their yearly counts summed: raw, not disclosure-controlled)"]),
        ]

    def __repr__(self) -> str:
        """The window, its reporters and their share (no count), for a notebook or a console."""
        return overview_text("SteadyPanel", *self._overview())

    def _repr_html_(self) -> str:
        """The same as :meth:`__repr__`, as a small HTML table for JupyterLab."""
        return overview_html("SteadyPanel", *self._overview())

    def to_dict(self) -> dict[str, Any]:
        return {
            "window": list(self.window),
            "reporters": list(self.reporters),
            "share": clean_float(self.share, 4),
            "rule": (
                "the reporters whose citizenship breakdowns are complete in every year of the window and list "
                f"at least {PANEL_FLOOR} of these nationals in more than half of its years"
            ),
        }


def steady_reporters(
    selection: Selection,
    *,
    min_years: int = MIN_COMPLETE_YEARS,
    min_reporters: int = 2,
    min_share: float = 0.25,
    min_coverage: float = 0.5,
) -> SteadyPanel | None:
    """The balanced panel of steady reporters of a UNODC series summed over reporting countries: the series
    summed over only the reporters whose citizenship breakdowns are complete (as :func:`reporter_gaps` judges
    them) in every year of a window, so that its count moves with the victims, not with who reports.

    A steady reporter of a window is complete in every year of it and contributes to it: its breakdown lists at
    least :data:`PANEL_FLOOR` of these nationals (a published number, not ``<5``) in more than half of the
    window's years. One that lists them as ``<5`` or not at all in most years is left out of the panel (its
    count, and its name): with it, "at least two reporters" could be one country's series and a few stray
    ``<5`` cells. The window: consecutive years (each with nationals counted) of at least ``min_years``, whose
    steady reporters number at least ``min_reporters``
    and account for at least ``min_share`` of the nationals counted in its years (point values); of these, the
    one with the most years × share, so that a long window of a few small reporters does not beat a shorter one
    of nearly all; ties go to the latest window, then the longer. None when no window qualifies, or for a
    selection that is no such sum (case data, role ``destination``).
    """
    if min_years < 2 or min_reporters < 1 or not 0 <= min_share <= 1:
        raise ParameterError("a panel needs min_years ≥ 2, min_reporters ≥ 1 and min_share in [0, 1]")
    grid = _reporter_grid(selection, min_coverage=min_coverage)
    if grid is None:
        return None
    reporters = grid["iso3"].unique().sort().to_list()
    years = grid["year"].unique().sort().to_list()
    shape = (len(reporters), len(years))  # the grid is sorted by reporter, then year, every cell present
    complete = grid["complete"].to_numpy().reshape(shape)
    counted = grid["n"].to_numpy().reshape(shape)
    numbered = grid["n_low"].to_numpy().reshape(shape) >= PANEL_FLOOR
    best: tuple[tuple[float, int, int], int, int, np.ndarray, float] | None = None
    for i in range(len(years)):
        for j in range(i + min_years - 1, len(years)):
            if years[j] - years[i] != j - i:  # a year without nationals counted breaks the window
                break
            complete_all = complete[:, i : j + 1].all(axis=1) & (counted[:, i : j + 1].sum(axis=1) > 0)
            if complete_all.sum() < min_reporters:
                break  # a longer window keeps fewer complete reporters
            # contributing: a published count of at least the floor in more than half of the window's years
            steady = complete_all & (2 * numbered[:, i : j + 1].sum(axis=1) > j - i + 1)
            if steady.sum() < min_reporters:
                continue  # a longer window can make a reporter's counts the majority
            share = float(counted[steady, i : j + 1].sum() / counted[:, i : j + 1].sum())
            if share < min_share:
                continue
            key = (round((j - i + 1) * share, 9), years[j], j - i)
            if best is None or key > best[0]:
                best = (key, years[i], years[j], steady, share)
    if best is None:
        return None
    _, first, last, steady, share = best
    panel = tuple(r for r, keep in zip(reporters, steady, strict=True) if keep)
    rows = selection.frame.filter(pl.col("iso3").is_in(panel))
    counts = yearly_counts(selection.replace(table=rows, years=(first, last)))
    # a year all steady reporters list none of these nationals in is a count of 0 (their breakdowns are complete)
    listed = pl.col("year").is_in(counts["year"].implode())
    counts = (
        pl.DataFrame({"year": range(first, last + 1)}, schema={"year": counts["year"].dtype})
        .join(counts, on="year", how="left")
        .with_columns(
            pl.when(listed).then(pl.col(c)).otherwise(0).alias(c) for c in [*COUNT_COLUMNS, UNCENSORED]
        )
    )
    detected = counted[steady][:, years.index(first) : years.index(last) + 1].sum(axis=1)
    return SteadyPanel((first, last), panel, counts, share, tuple(float(n) for n in detected))


def merge_incomplete(*flags: Sequence[IncompleteYear]) -> tuple[IncompleteYear, ...]:
    """Flags of incomplete years from several rules, one per year (their reasons joined, and their kinds: a year
    one rule finds incomplete and another not comparable is both), latest first."""
    merged: dict[int, IncompleteYear] = {}
    for flag in (f for group in flags for f in group):
        found = merged.get(flag.year)
        merged[flag.year] = (
            flag
            if found is None
            else dataclasses.replace(
                found,
                reason=f"{found.reason}; {flag.reason}",
                shared=f"{found.shared or found.reason}; {flag.shared or flag.reason}",
                kinds=tuple(kind for kind in FLAG_WORDS if kind in {*found.kinds, *flag.kinds}),
            )
        )
    return tuple(merged[y] for y in sorted(merged, reverse=True))


def grouped_incomplete(flags: Sequence[IncompleteYear]) -> list[tuple[tuple[int, ...], str]]:
    """Flags of incomplete years said once per reason: (the years, earliest first; the reason said of them,
    :attr:`IncompleteYear.shared`), in the order of each reason's latest year, latest first. Cambodia's
    nationals: 2011-2013 and 2019-2021 miss Malaysia's breakdown, one reason for six years."""
    years: dict[str, list[IncompleteYear]] = {}
    for flag in flags:
        years.setdefault(flag.shared or flag.reason, []).append(flag)
    # many reasons that differ only in which reporters a year misses (Viet Nam: seven) are said in one
    gaps = [found for found in years.values() if all(flag.missing for flag in found)]
    merged: list[IncompleteYear] = []
    if len(gaps) >= MERGED_GAP_REASONS:
        merged = [flag for found in gaps for flag in found]
        years = {reason: found for reason, found in years.items() if not all(flag.missing for flag in found)}
    groups = []
    for reason, found in years.items():
        if _IN_ALL in reason:
            reason = reason.replace(_IN_ALL, _share_range(found))
        groups.append((tuple(sorted(flag.year for flag in found)), reason))
    if merged:
        groups.append((tuple(sorted(flag.year for flag in merged)), _gaps_reason(merged)))
    return sorted(groups, key=lambda group: -group[0][-1])


#: From this many reasons that differ only in the reporters a year misses, :func:`grouped_incomplete` says them
#: in one sentence naming each reporter with its years (Viet Nam's seven bullets were one list read seven times).
MERGED_GAP_REASONS = 4


def _share_range(flags: Sequence[IncompleteYear], *, named: bool = False) -> str:
    """The share of the nationals the reporters the years of ``flags`` miss detect: "about 34%" or "34–87%";
    ``named``: of the reporters their reasons name only (:attr:`IncompleteYear.missing`), not the smaller ones."""
    shares = [sum(s for _, s in flag.missing) if named else flag.missed or 0.0 for flag in flags]
    low, high = (round(100 * f(shares)) for f in (min, max))
    if low == high:
        return _share_words(min(shares))
    return f"{low}% to almost all" if high == 100 and max(shares) < 1 else f"{low}–{high}%"


def _gaps_reason(flags: Sequence[IncompleteYear]) -> str:
    """The one reason of years flagged for missing reporters only (:attr:`IncompleteYear.missing`): each named
    reporter, largest first, with the years it is missing, then the share the years miss (a range)."""
    from evidence.analyses.coverage import years_in_words

    shares: dict[str, float] = {}
    missed: dict[str, list[int]] = {}
    for flag in flags:
        for name, share in flag.missing:
            shares[name] = share
            missed.setdefault(name, []).append(flag.year)
    names = sorted(shares, key=lambda name: (-shares[name], name))
    said = word_list([f"{name} ({years_in_words(sorted(missed[name]))})" for name in names], "or")
    # the range is of the reporters named: a year that also misses smaller ones says their sum apart
    named, in_all = _share_range(flags, named=True), _share_range(flags)
    return (
        "the set of reporting countries changes: no full citizenship breakdown listing these nationals from "
        f"{said}; in the other "
        f"years, those missing in a year detect {named} of these nationals"
        + (f" ({in_all} counting the smaller reporters missing too)" if in_all != named else "")
    )


# ----------------------------------------------------------------------------------------- shares over time


def shares_over_time(selection: Selected, by: str, *, level: float = 0.95) -> pl.DataFrame:
    """Share of each category of ``by`` per year, with Wilson intervals.

    The denominator ``n`` is the victims with a known value: for a flag group, records with at least one flag
    true (CTDC denominator rule; shares can sum to more than 1); for a column, records where it is not null;
    for the indicator table, the sum of the categories other than ``Unknown`` (point values). ``Unknown`` has
    no share. For a censored count the interval runs from the Wilson lower limit at the low bound to the upper
    limit at the high bound (the other categories at their point values). A year of the indicator table whose
    breakdown does not publish a category the other years publish (:func:`unpublished_categories`) keeps its
    counts but has no share (null): its shares would be of a part. An empty selection gives an empty table
    with these columns (:func:`why_empty` says why).
    """
    level = check_level(level)
    by = check_by(by)
    if by is None:
        raise ParameterError("shares need a dimension (by=...)")
    counts, denominators = _counts_and_denominators(as_selection(selection), by=by)
    known = counts.filter(pl.col(by) != UNKNOWN)
    point = point_expr("count", "count_low", "count_high")
    if denominators is None:  # indicator table: the categories' own sum
        known = known.with_columns(_point=point, n=point.sum().over("year"))
        others = pl.col("n") - pl.col("_point")
    else:
        known = known.join(denominators, on="year", how="left").with_columns(_point=point)
        others = pl.col("n") - pl.col("_point")
    known = known.with_columns(_others=others)
    low, _ = wilson_interval(
        known["count_low"].to_numpy(), (known["count_low"] + known["_others"]).to_numpy(), 1 - level
    )
    _, high = wilson_interval(
        known["count_high"].to_numpy(), (known["count_high"] + known["_others"]).to_numpy(), 1 - level
    )
    shares = (
        known.with_columns(
            share=(pl.col("_point") / pl.col("n")).fill_nan(None),
            ci_low=pl.Series(low).fill_nan(None),
            ci_high=pl.Series(high).fill_nan(None),
        )
        .with_columns(pl.col("n").cast(pl.Float64))
        .select("year", by, *COUNT_COLUMNS, "n", "share", "ci_low", "ci_high")
        .sort("year", by)
    )
    partial = list(unpublished_categories(shares))
    if not partial:
        return shares
    # a share of a breakdown that leaves out a category the others publish is a share of a part (the United
    # Kingdom's 2021 forms: sexual exploitation 99.8%, forced labour not published): no share of the year
    return shares.with_columns(
        pl.when(pl.col("year").is_in(partial)).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("share", "ci_low", "ci_high")
    )


#: A year's breakdown (UNODC) that does not publish categories holding together at least this share of the
#: victims with a known value in the years that publish them is a partial breakdown (:func:`unpublished_categories`):
#: its shares are not comparable with other years'. Below it, a category left out is a few victims either way
#: (a ``<5`` of "Other" sexes published in some years only).
UNPUBLISHED_SHARE = 0.05
#: ... and that the year's other categories make at least this many of its victims expected in them (UNODC
#: publishes no 0, so a category absent from a small breakdown may be a true 0: with 5 expected, a 0 has a
#: chance below 1%).
UNPUBLISHED_EXPECTED = 5.0


def unpublished_categories(shares: pl.DataFrame) -> dict[int, tuple[str, ...]]:
    """The years of a :func:`shares_over_time` table whose breakdown does not publish categories that the other
    years do and that hold at least :data:`UNPUBLISHED_SHARE` of the victims with a known value where published
    (year → those categories, largest first), where the year's other categories make at least
    :data:`UNPUBLISHED_EXPECTED` victims expected in them (UNODC publishes no cell of 0: a category absent from a
    small breakdown may be a true 0). A case table gives every category a count in every covered year
    (0 included), so only a publisher's breakdown has such years: the United Kingdom's forms of 2021 (no forced
    labour, 30-60% of its victims of known form in 2017-2020), the United States' of 2021 (no "other forms").
    :func:`shares_over_time` leaves such a year's shares empty (null): the shares of a part; its counts stay."""
    dimension = [
        c for c in shares.columns if c not in {"year", *COUNT_COLUMNS, "n", "share", "ci_low", "ci_high"}
    ]
    if len(dimension) != 1 or not shares.height:
        return {}
    by = dimension[0]
    point = shares.select("year", by, "n", _point=point_expr("count", "count_low", "count_high"))
    usual = point.group_by(by).agg((pl.col("_point").sum() / pl.col("n").sum()).alias("usual"))
    weight = {str(c): float(u) for c, u in usual.iter_rows() if u is not None and math.isfinite(u)}
    published = point.group_by("year").agg(pl.col(by).alias("published"), pl.col("n").first())
    found: dict[int, tuple[str, ...]] = {}
    for year, categories, n in published.sort("year").iter_rows():
        missing = sorted(set(weight) - {str(c) for c in categories}, key=lambda c: (-weight[c], c))
        share = sum(weight[c] for c in missing)
        # UNODC publishes no cell of 0: a category absent from a year's breakdown is 0 or not published; where the
        # other categories' victims make at least UNPUBLISHED_EXPECTED of it expected, 0 is implausible
        expected = math.inf if share >= 1 else (n or 0.0) * share / (1 - share)
        if missing and share >= UNPUBLISHED_SHARE and expected >= UNPUBLISHED_EXPECTED:
            found[int(year)] = tuple(missing)
    return found


@dataclasses.dataclass(frozen=True)
class ShareChange:
    """Change of a category's share between two periods, with Newcombe's hybrid-score interval."""

    category: str
    period_a: tuple[int, int]
    period_b: tuple[int, int]
    count_a: float
    n_a: float
    count_b: float
    n_b: float
    share_a: float
    share_b: float
    difference: float  # share_b - share_a
    ci_low: float
    ci_high: float
    level: float
    #: Pearson chi² / df of a binomial model of the yearly counts with a period effect (NaN with one year in
    #: each period: nothing to estimate it from); above 1, the interval is Newcombe's on the effective counts
    dispersion: float = float("nan")

    def method(self) -> str:
        """How the interval was made, with the between-year dispersion it allowed for."""
        text = "Newcombe hybrid score (Wilson) interval for a difference of proportions"
        if not math.isfinite(self.dispersion):
            return (
                text + "; between-year dispersion not estimable (one year in each period): none allowed for"
            )
        if self.dispersion > 1:
            return (
                text
                + f", on the effective counts (each period's count and victims divided by the between-year "
                f"dispersion {self.dispersion:.2f}: the yearly shares vary more than binomial sampling allows)"
            )
        return text + f"; between-year dispersion {self.dispersion:.2f} ≤ 1: none allowed for"

    def _overview(self) -> tuple[str, list[tuple[str, list[str]]]]:
        """A title and (label, texts) lines: the shares and their difference, not the counts."""
        a, b = _span_text(*self.period_a), _span_text(*self.period_b)
        points = 100 * self.difference
        title = f"{self.category}: {self.share_a:.1%} of the victims with a known value in {a}, {self.share_b:.1%} in {b}"
        return title, [
            (
                "difference",
                [
                    (
                        f"{points:+.1f} percentage points ({b} less {a}), {_level_text(self.level)} CI "
                        f"{100 * self.ci_low:+.1f} to {100 * self.ci_high:+.1f}"
                    )
                ],
            ),
            ("method", [self.method() + "; each period's counts summed over its years"]),
            ("see", [".count_a, .n_a, .count_b, .n_b (raw counts, not disclosure-controlled)"]),
        ]

    def __repr__(self) -> str:
        """The change as facts (shares, difference, interval, method), for a notebook or a console."""
        return overview_text("ShareChange", *self._overview())

    def _repr_html_(self) -> str:
        """The same as :meth:`__repr__`, as a small HTML table for JupyterLab (the category escaped)."""
        return overview_html("ShareChange", *self._overview())

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "period_a": list(self.period_a),
            "period_b": list(self.period_b),
            "share_a": clean_float(self.share_a),
            "share_b": clean_float(self.share_b),
            "difference": clean_float(self.difference),
            "ci": [clean_float(self.ci_low), clean_float(self.ci_high)],
            "level": self.level,
            "dispersion": clean_float(self.dispersion, 4),
            "method": self.method(),
        }


def share_change(
    shares: pl.DataFrame,
    category: str,
    period_a: tuple[int, int] | str,
    period_b: tuple[int, int] | str,
    *,
    level: float = 0.95,
) -> ShareChange:
    """Difference of a category's share between two periods (``b − a``) of a :func:`shares_over_time` table,
    counts and denominators summed over each period's years (censored counts at their point value). A period's
    denominator is the victims of known value of every year of it that the table holds: a year whose breakdown
    publishes no cell of the category (UNODC publishes no 0; a small category absent from a year, see
    :func:`unpublished_categories`) counts its victims with 0 in the category, not left out (Belarus's "other
    forms", absent from most years of 2005-2016: the share of 2008-2012 was of 361.5 of its 1,856 victims of
    known form). Periods with a year in common are refused (their victims are not two samples). The
    interval is Newcombe's hybrid score interval; where the yearly shares vary more than binomial sampling allows
    (the Pearson dispersion of a binomial model with one share per period, from the years' counts, above 1:
    UNODC's yearly shares typically 4 to 140), on the effective counts, each period's count and victims divided by
    that dispersion (a design effect), so that its victims are not read as independent draws. Raises
    ``ParameterError`` for an empty table, a category it does not hold (naming those it holds) or a period
    without years or victims."""
    level = check_level(level)
    from evidence.analyses.glm import newcombe_difference

    first, second = check_years(period_a), check_years(period_b)
    if first is None or second is None:
        raise ParameterError("share_change needs two periods")
    if max(first[0], second[0]) <= min(first[1], second[1]):
        both = (max(first[0], second[0]), min(first[1], second[1]))
        raise ParameterError(
            f"the periods overlap: {both[0]}-{both[1]} is in both, so their victims are not two independent "
            "samples (the interval's assumption): give periods without a year in common"
        )
    dimension = [
        c for c in shares.columns if c not in {"year", *COUNT_COLUMNS, "n", "share", "ci_low", "ci_high"}
    ]
    if len(dimension) != 1:
        raise ParameterError("expected a table from shares_over_time (year, a dimension, counts, n, share)")
    if not shares.height:
        raise ParameterError(
            "no shares to compare: the table is empty (the selection holds no victims with a known "
            f"{dimension[0]} in its years; trends.why_empty(selection, by={dimension[0]!r}) says why)"
        )
    rows = shares.filter(pl.col(dimension[0]) == category)
    if not rows.height:
        held = sorted({str(c) for c in shares[dimension[0]].to_list() if c is not None})
        raise ParameterError(
            f"no category {category!r} in {dimension[0]}: the shares table holds "
            + word_list([repr(c) for c in held], "and")
        )
    point = point_expr("count", "count_low", "count_high")
    partial = unpublished_categories(shares)

    def totals(period: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        # every year of the period the table holds, whichever categories it publishes: a year of a publisher's
        # breakdown without a cell of the category (UNODC publishes no 0; where that leaves out a material part
        # the year is partial, refused below) has its victims of known value in the denominator, 0 in the category
        held = shares.filter(pl.col("year").is_between(*period))
        if not held.height:
            raise ParameterError(f"no years of {period[0]}-{period[1]} in the shares table")
        years = sorted({int(y) for y in held["year"].to_list()})
        if left := [y for y in years if y in partial]:
            from evidence.analyses.coverage import years_text

            alike: dict[tuple[str, ...], list[int]] = {}
            for y in left:
                alike.setdefault(partial[y], []).append(y)
            said = "; ".join(
                f"{years_text(ys)} {'publishes' if len(ys) == 1 else 'publish'} no {word_list(list(m), 'or')}"
                for m, ys in alike.items()
            )
            raise ParameterError(
                f"the breakdown by {dimension[0]} is partial in {period[0]}-{period[1]} ({said}, published in "
                "other years): the shares of such a year are of a part, not comparable with other years'; "
                "choose periods without it (trends.unpublished_categories)"
            )
        denominators = held.group_by("year").agg(pl.col("n").first().cast(pl.Float64))
        counts = rows.filter(pl.col("year").is_between(*period)).select("year", _c=point)
        by_year = denominators.join(counts, on="year", how="left").sort("year")
        return by_year["_c"].fill_null(0.0).to_numpy(), by_year["n"].fill_null(0.0).to_numpy()

    (ya, wa), (yb, wb) = totals(first), totals(second)
    ca, na, cb, nb = float(ya.sum()), float(wa.sum()), float(yb.sum()), float(wb.sum())
    if not (na > 0 and nb > 0):
        raise ParameterError("a period has no victims with a known value: no share to compare")
    dispersion = _between_year_dispersion(((ya, wa, ca / na), (yb, wb, cb / nb)))
    # victims of one year are no independent draws when the yearly shares vary more than sampling allows: the
    # interval is Newcombe's on the effective counts (a design effect: counts over the dispersion)
    effect = dispersion if math.isfinite(dispersion) and dispersion > 1 else 1.0
    low, high = newcombe_difference(cb / effect, nb / effect, ca / effect, na / effect, alpha=1 - level)
    return ShareChange(
        category=category,
        period_a=first,
        period_b=second,
        count_a=ca,
        n_a=na,
        count_b=cb,
        n_b=nb,
        share_a=ca / na,
        share_b=cb / nb,
        difference=cb / nb - ca / na,
        ci_low=float(low),
        ci_high=float(high),
        level=level,
        dispersion=dispersion,
    )


def _between_year_dispersion(periods: Sequence[tuple[np.ndarray, np.ndarray, float]]) -> float:
    """Pearson chi² / residual df of a binomial model of yearly counts out of yearly victims with one share per
    period (the periods' pooled shares: its maximum-likelihood fit), over (counts, victims, share) per period;
    NaN without residual df (one year in each period). A year without victims, or a period whose share is 0 or
    1 (every year on it), adds nothing."""
    chi2, years = 0.0, 0
    for counts, victims, share in periods:
        kept = victims > 0
        years += int(kept.sum())
        if 0 < share < 1:
            expected = victims[kept] * share
            chi2 += float(np.sum((counts[kept] - expected) ** 2 / (expected * (1 - share))))
    df = years - len(periods)
    return chi2 / df if df > 0 else float("nan")


__all__ = [
    "EMPTY_COUNTS",
    "FLAG_WORDS",
    "INCOMPLETE",
    "MATERIAL_SHARE",
    "NAMED_SHARE",
    "NOT_COMPARABLE",
    "PANEL_FLOOR",
    "UNPUBLISHED_SHARE",
    "Break",
    "FlagKind",
    "IncompleteYear",
    "RateRatio",
    "ShareChange",
    "SteadyPanel",
    "doubtful_reporters",
    "find_break",
    "flag_words",
    "grouped_incomplete",
    "incomplete_years",
    "merge_incomplete",
    "no_trend_information",
    "rate_ratio",
    "reporter_gaps",
    "share_change",
    "shares_over_time",
    "steady_reporters",
    "undated_counts",
    "unpublished_categories",
    "why_empty",
    "yearly_counts",
]
