"""Walk Free Global Slavery Index (GSI) 2023 workbook -> the canonical GSI table (one row per country).

Sheet ``GSI 2023 summary data``: a title row, then the header on the 3rd row, then 180 countries. The sheet is
found by its header (Country, Population and the prevalence and number estimates, under the labels of
:data:`MEASURES` or :data:`ALIASES`), whatever its name or place in the workbook; a sheet lacking one of those is
refused, naming the labels to look for and the sheet and row of the nearest header. A column whose label names a
bound of a measure ("... per 1,000 population (lower bound)", "... high estimate": an edition's uncertainty
columns) is never that measure: a column not used. Region and the vulnerability
and government-response scores may be missing (an edition publishing its estimates only): left empty, with a
note naming them. Numbers written as text ("401,000", "69 800 000") are read, and a score written "75%" as 75,
by one rule for workbooks and text files (:func:`_with_numbers`); a percent sign in any other column is not a number.
A number of people written ``98.000`` (98 to three decimals, or 98,000 with a dot between thousands) is read as its
column shows it (:func:`_dotted_people`), else rejected: never read as 98 by a guess.
A text file delimited by semicolons (or tabs) that writes a decimal comma ("12,96") is read so, with a note; a
prevalence above 1,000 per 1,000 or a score above 100% is impossible and rejected (a decimal comma misread). A
population or number of people headed in thousands or millions ("Population ('000)") is refused, naming the label.
A row naming a country and nothing else (not assessed) is kept with its figures empty and flagged; a text line
that names no country is left out, with a note: below the table, as every loader names its note lines
(:func:`~evidence.sources.delimited.notes_below`), among the countries (a heading) as a text row; the sheet saved as CSV (layout ``gsi2023_csv``) reads the same way. A row with figures but no country (a blank cell, or a formula without a stored value)
is counted and rejected, as is a figure that is not a finite, non-negative number. The workbook has no ISO3
codes; countries are mapped through the country reference (the country column headed "Country", "Country name" or
UN M49's "Country or area"; the region column "Region" or "Walk Free region", another scheme's region never read
as Walk Free's) (an unmapped name is kept with ``iso3``
null and flagged, never guessed). A copy with a code column beside the names (``ISO3``, ``ISO``, ``Country code``:
a merged or re-published table) is read by its codes, the names the fallback (a code the reference does not know
flagged; a name naming another country than its code kept as coded, flagged). Empty cells mean "not assessed" and stay null; so do the usual
not-available tokens (``n/a``, ``-``, ``..``, ``n.a.``; flagged, the country's other values kept), a figure written
as a bound (``<1,000``, ``<0.1``: an estimate the edition rounds away, no figure; flagged apart) or a range
(``323,000–485,000``, ``4.6 to 6.9``: an interval, no point estimate; flagged apart), and a population
the workbook writes as 0 (flagged). A "World" or regional total row is an aggregate, not a country: it is left out
with a note. Percentage scores stored as fractions (every score between -1 and 1) are scaled to percent, with a
note.

The edition is read from the file (its sheet name and the title lines above the header: "Global Slavery Index
2023", "GSI 2023", "Walk Free (2023)", "2023 edition", a sheet named "Summary 2023"), never assumed from the layout: the 2023 edition (estimates
for 2021) loads as release ``2023``; a file that names no edition loads as release ``unknown`` with a note (and no
estimate year); a file naming one other edition whose summary sheet has the same columns loads as that release,
its estimate year taken from the source metadata (``walkfree_gsi.yaml``: the 2018 edition's estimates refer to 2016)
or, for an edition it does not know, left empty with a note; a file naming several editions is refused, saying which.
The 2018 edition's labels are read as the 2023 edition's columns (:data:`ALIASES`: its estimates "Est. prevalence of
population in modern slavery (victims per 1,000 population)", its numbered vulnerability factors "Factor One
Governance issues"..., its milestones "Support survivors"..., and its response total headed "Total" alone, a
:data:`WHOLE_LABELS` label: "Total Vulnerability score (%)" starts with it).
A figure followed by a footnote marker ("2.5*", "1,000,000¹") is read without it and flagged. The estimated number
is the prevalence per 1,000 times the population, rounded: a country whose three figures disagree beyond rounding
(more than twice or half, and more than 1,000 people apart) is kept and flagged (a mistyped figure), and a summary
whose figures disagree so in most countries is refused, naming the three columns (one is in another unit than its
label says: thousands, millions, a percentage). A prevalence in another
unit than per 1,000 (the 2016 edition's percentage of the population) is not converted (a percent-formatted cell
may hold a fraction): the file is refused as a GSI summary lacking the per-1,000 column, naming the column it has.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType  # what polars' own signatures take: a type or an instance

from evidence.core.errors import InputError
from evidence.sources.delimited import (
    empty_records,
    empty_records_note,
    lines_with_text_beyond,
    notes_below,
    text_checks,
    text_rows_at_end,
)
from evidence.sources.loaded import Check, LoadedTable, empty_issues, issues_where
from evidence.sources.metadata import UNKNOWN, describe
from evidence.sources.provenance import sha256_file
from evidence.sources.registry import FileHead, Loader, register
from evidence.sources.typed_tables import COUNTRY_FOOTNOTE, DOTTED, dot_evidence, repeated_headers
from evidence.sources.workbook import (
    FOOTNOTE_MARKER,
    HeaderMatch,
    cell_reference,
    columns_not_used_note,
    header_cell_key,
    header_key,
    header_key_expr,
    not_available,
    read_sheet,
    starts_with_label,
    table_head,
    unused_columns,
)

SOURCE = "walkfree_gsi"
LAYOUT = "gsi2023_xlsx"
#: The summary sheet saved as delimited text (CSV) by a spreadsheet program.
LAYOUT_CSV = "gsi2023_csv"
#: 2: a population of 0 is missing; 3: provenance from the source metadata; 4: rows without a country or with
#: impossible figures rejected; 5: labels compared by header_key, columns not used noted, demo files recognised;
#: 6: the edition read from the file (unknown when not named), not-available tokens read as missing, aggregate
#: rows left out, fractions scaled to percent; 7: another edition with the same columns loads as its release;
#: 8: the shared not-available tokens of workbook.py (an ellipsis too); 9: a sheet named "Summary 2025" names
#: its edition; 10: score, region and vulnerability columns optional (noted when missing), label aliases,
#: numbers written as text ("401,000", "75%") in workbooks, name-only rows kept and flagged, text rows noted;
#: 11: decimal commas of a text file delimited by semicolons read; a prevalence above 1,000 per 1,000 or a score
#: above 100% rejected (was kept); a count column headed in thousands or millions refused (was read as people);
#: 12: a text file's last row cut short (no line end after it) or a row with more fields than the header rejected
#: as such (a cut row was read with its figures cut: "Zimbabwe,148" a population of 148); the 2018 edition's estimate labels ("Est. prevalence of population in modern slavery (victims per 1,000
#: population)", "Est. number of people in modern slavery") read (the edition was refused as lacking them);
#: 13: a CSV file read as UTF-16 (or with CR-only line ends) says so in a note, as the CTDC and TIP loaders do; a
#: header label with a footnote number ("Country¹", "Region [1]") read as the label (workbook.header_cell_key; the
#: sheet was refused as lacking its country column, a region column read as absent); 14: rows holding nothing, text
#: rows and aggregates counted as left out (LoadedTable.rows_left_out), the empty ones named by row (were dropped
#: unsaid); a row with text only in a column not used left out as a text row (was dropped unsaid); a label repeated
#: word for word refused naming its cells (the first was read); 15: a CSV row with text only beyond the header's
#: last field left out as a text row (was named among the empty rows); 16: a label's number ends where the cell's
#: does (a prevalence "per 100,000" was read as the one "per 1,000": labels are compared without punctuation);
#: 17: the year before the index's name names the edition ("2018 Global Slavery Index": was not stated); an
#: edition the source metadata knows has its estimate year (2018: 2016; was left empty); a figure with a footnote
#: marker ("2.5*") read without it and flagged (the country was rejected); a header with the country, population
#: and number but a prevalence in another unit (the 2016 edition's percentage) refused as a GSI naming that column
#: (was "not a layout any loader knows"); a code column beside the names (ISO3, ISO, Country code) read, the names
#: the fallback (was a column not used, a country whose name the reference lacks left without a code); a
#: workbook's error cell read as its text (#N/A not available, flagged; #DIV/0! no number): it was empty, unflagged;
#: 18: a figure written as a bound ("<1,000", "<0.1") read as missing for its cell and flagged (the country was
#: rejected as "not a number", with its other figures); the 2018 edition's vulnerability and government-response
#: labels ("Factor One Governance issues", "Support survivors", "Total" alone) read as the 2023 edition's columns
#: (all eleven were left empty); 19: the text rows below the table named as every loader names its note lines
#: ("2 note lines below the table left out (not records): row 183 'Source: …'", delimited.notes_below; were "text
#: rows (not countries) left out", a CSV's line called a row, text in a column not used unnamed)
#: 20: a figure written as a range ("323,000–485,000") read as missing for its cell and flagged (the country was
#: rejected as "not a number"); a measure column read as numbers whatever else it holds (one text cell in it, a
#: bound or a footnoted figure, had every other country's figure read from calamine's text, rounded to 9 decimals);
#: a column whose label names a bound of a measure ("... (lower bound)") never read as the measure (beside the
#: measure's column the sheet was refused as ambiguous; alone, the lower bound was read as the estimate)
#: 21: a country whose estimated number is not its prevalence per 1,000 times its population (beyond rounding)
#: flagged, and a summary so in most countries refused (a column in thousands, millions or percent its label does
#: not say was read as people or per 1,000 without a word); 22: a country column headed "Country or area" (UN M49's
#: label) read (the sheet was refused as lacking its country column) and a region column headed as Walk Free's
#: ("Walk Free region", "GSI region") read (region was left empty); 23: a number of people written with a dot
#: before three digits ("98.000") read as its column shows it, thousands beside "38.928.000" (was read as 98, the
#: country kept), or rejected where the column does not tell
LOADER_VERSION = "23"
SHEET = "GSI 2023 summary data"
RELEASE = "2023"  # the edition whose layout and estimate year the loader knows
EDITION = int(RELEASE)
ESTIMATE_YEAR = 2021
#: Where a title or sheet name names the index's edition (the year is group 1).
EDITION_PATTERNS = (
    re.compile(r"(?:global\s+slavery\s+index|\bgsi)\W{0,3}((?:19|20)\d\d)\b", re.IGNORECASE),
    re.compile(r"\b((?:19|20)\d\d)\s+edition\b", re.IGNORECASE),
    re.compile(r"\bwalk\s*free\W{0,3}((?:19|20)\d\d)\b", re.IGNORECASE),
    # the year before the index's name ("2018 Global Slavery Index", "the 2018 GSI")
    re.compile(r"\b((?:19|20)\d\d)\s+(?:global\s+slavery\s+index|gsi)\b", re.IGNORECASE),
)
#: A sheet named for its data and a year alone ("Summary 2025", "2025 summary data"): in the index's workbook
#: that year is the edition's. Read from the sheet's name only: a title line's year ("summary of 2021
#: estimates") may be the estimates', not the edition's.
SHEET_EDITION_PATTERN = re.compile(
    r"\W*(?:(?:summary|data)(?:\s+data)?\W{0,3}((?:19|20)\d\d)|((?:19|20)\d\d)\W{0,3}summary(?:\s+data)?)\W*",
    re.IGNORECASE,
)
#: Country cells that name an aggregate (compared by header_key), besides the region names of the Region column.
AGGREGATES = frozenset({"world", "global", "total", "all countries", "global total", "world total"})

#: Canonical column <- the start of the publisher's header label (the 2023 edition's), compared by
#: :func:`~evidence.sources.workbook.header_key` (case, whitespace, punctuation and parentheses ignored), so a
#: reworded edition ("Estimated prevalence of modern slavery (per 1,000 population)") reads the same.
MEASURES: dict[str, str] = {
    "population": "Population",
    "prevalence_per_1000": "Estimated prevalence of modern slavery per 1,000",
    "estimated_number_in_modern_slavery": "Estimated number of people in modern slavery",
    "vulnerability_governance_issues": "Governance issues",
    "vulnerability_lack_of_basic_needs": "Lack of basic needs",
    "vulnerability_inequality": "Inequality",
    "vulnerability_disenfranchised_groups": "Disenfranchised groups",
    "vulnerability_effects_of_conflict": "Effects of conflict",
    "vulnerability_total": "Total Vulnerability score",
    "response_survivors_supported": "Survivors of slavery are identified and supported",
    "response_criminal_justice": "Criminal justice mechanisms function effectively",
    "response_coordination": "Coordination occurs at the national and regional level",
    "response_risk_factors": "Risk factors, such as attitudes",
    "response_supply_chains": "Government and business stop sourcing goods",
    "response_total": "Government response total",
}
#: Other labels (their start, by header_key) other editions and re-saved files write for a column. A prevalence
#: label must say "per 1,000": a prevalence per 100,000 or in percent is another measure, never read as this one.
ALIASES: dict[str, tuple[str, ...]] = {
    # UN M49's (and UNdata's) "Country or area": an edition or a re-published table following the UN's wording
    "country": (
        "Country name",
        "Country or territory",
        "Country/territory",
        "Country or area",
        "Country/area",
    ),
    # Walk Free's regions named as theirs; another scheme's ("Region Name", UN M49's: Asia where Walk Free writes
    # Asia and the Pacific or Arab States) is no Walk Free region: a column not used, region left empty and said
    "region": ("Walk Free region", "GSI region", "Region (Walk Free)"),
    # a code column beside the names (a merged or re-published table): the codes are read, the names the fallback
    "iso3": ("ISO3 code", "ISO", "ISO code", "ISO alpha-3", "Country code", "Country ISO3"),
    "prevalence_per_1000": (
        "Estimated prevalence of modern slavery (victims per 1,000",
        "Prevalence of modern slavery per 1,000",
        "Estimated prevalence per 1,000",
        "Prevalence per 1,000",
        # the 2018 edition's ("Est. prevalence of population in modern slavery (victims per 1,000 population)")
        "Est. prevalence of population in modern slavery (victims per 1,000",
        "Estimated prevalence of population in modern slavery (victims per 1,000",
        "Est. prevalence of modern slavery per 1,000",
    ),
    "estimated_number_in_modern_slavery": (
        "Estimated number of people living in modern slavery",
        "Number of people in modern slavery",
        "Number of people living in modern slavery",
        "Estimated number in modern slavery",
        "Est. number of people in modern slavery",  # the 2018 edition's
        "Est. number in modern slavery",
    ),
    "vulnerability_total": (
        "Total vulnerability",
        "Vulnerability total",
        "Overall vulnerability",
        "Final overall (normalised, weighted) vulnerability score",  # the 2018 edition's
    ),
    "response_total": (
        "Total government response",
        "Government response score",
        "Overall government response",
    ),
    # the 2018 edition's ("Global prev, vuln, govt table" of its data workbook): its vulnerability factors numbered,
    # its government-response milestones short
    "vulnerability_governance_issues": ("Factor one governance issues",),
    "vulnerability_lack_of_basic_needs": ("Factor two nourishment and access",),
    "vulnerability_inequality": ("Factor three inequality",),
    "vulnerability_disenfranchised_groups": ("Factor four disenfranchised groups",),
    "vulnerability_effects_of_conflict": ("Factor five effects of conflict",),
    "response_survivors_supported": ("Support survivors",),
    "response_criminal_justice": ("Criminal justice",),
    "response_coordination": ("Coordination",),
    "response_risk_factors": ("Address risk",),
    "response_supply_chains": ("Supply chains",),
}
#: Labels a column is headed by only as the whole cell, never as its start: the 2018 edition heads its government
#: response total "Total" alone, which the 2023 edition's "Total Vulnerability score (%)" starts with.
WHOLE_LABELS: dict[str, tuple[str, ...]] = {"response_total": ("Total",)}
#: The columns without which a row cannot be read as a country's estimate (the figures a brief uses first):
#: the header must have them. The vulnerability and government-response columns may be missing (an edition
#: publishing estimates only, a file with a column deleted): they are left empty, with a note.
REQUIRED = ("country", "population", "prevalence_per_1000", "estimated_number_in_modern_slavery")

GSI_SCHEMA: dict[str, PolarsDataType] = {
    "source_row": pl.Int64,
    "iso3": pl.String,
    "country": pl.String,  # as published
    "region": pl.String,  # Walk Free's region
    "estimate_year": pl.Int16,
    **{name: pl.Float64 for name in MEASURES},
}

REASON_NOT_NUMBER = "not a number"
REASON_NOT_FINITE = "not a finite number (NaN or infinity)"
REASON_NEGATIVE = "negative: an estimate, population or vulnerability score cannot be below 0"
REASON_ABOVE_PER_1000 = (
    "above 1,000 per 1,000: a prevalence per 1,000 people cannot exceed 1,000 (a decimal comma read as a "
    "thousands separator?)"
)
REASON_ABOVE_100 = (
    "above 100%: a score in percent cannot exceed 100 (a decimal comma read as a thousands separator?)"
)
#: The most a measure can be: a rate per 1,000 people, a score in percent.
UPPER_BOUNDS: dict[str, tuple[float, str]] = {
    "prevalence_per_1000": (1000.0, REASON_ABOVE_PER_1000),
}
#: Measures that cannot be negative. Government-response scores can: Walk Free subtracts points for harmful
#: policies (the 2023 index gives North Korea a response total of -2.6%).
NON_NEGATIVE = tuple(name for name in MEASURES if not name.startswith("response_"))
REASON_NO_COUNTRY = "country missing (a blank cell, or a formula without a stored value)"
REASON_UNMAPPED = "country not mapped to ISO3"
REASON_UNKNOWN_CODE = "code not in the country reference: iso3 read from the country name"
REASON_NAME_DISAGREES = (
    "the country name names another country than the code (a mistyped code, a shifted column?): kept as coded"
)
REASON_DUPLICATE = "country appears more than once"
REASON_COUNTRY_FOOTNOTE = (
    "a footnote mark follows the country's name: the country read without it, the name kept as written; the "
    "footnote's text is not in the table and may qualify the country's figures (a territory, an estimate made "
    "otherwise): check it"
)
REASON_ZERO_POPULATION = "population published as 0: read as missing"
REASON_NOT_ASSESSED = "no figures (not assessed in this edition): kept with its figures empty"
#: Walk Free's estimated number is its prevalence per 1,000 times the population, rounded to thousands: in the 2023
#: edition within 0.91 to 1.14 times it, every country. Two of the three figures off by more than a factor of
#: :data:`ESTIMATES_FACTOR` and more than :data:`ESTIMATES_ROUNDING` people apart are no rounding: one of them is in
#: another unit than its label says (thousands, millions, a percentage) or mistyped.
ESTIMATES_FACTOR = 2.0
ESTIMATES_ROUNDING = 1_000.0
REASON_ESTIMATES_DISAGREE = (
    "the estimated number is not the prevalence per 1,000 times the population (more than twice or half it, not a "
    "rounding): one of the three in another unit than its label says (thousands, millions, a percentage) or "
    "mistyped? kept as written"
)
FRACTIONS_NOTE = (
    "vulnerability and government-response scores are stored as fractions of 1 (all within -1..1): "
    "multiplied by 100 to percent"
)
REASON_NOT_AVAILABLE = "not-available token: read as missing (not assessed)"
REASON_BOUND = (
    "a bound, not a figure (the edition rounds the estimate away: '<1,000'): read as missing, the country's other "
    "figures kept"
)
#: A figure written as a bound: a comparison sign before a number ("<1,000", "< 0.1", "≤ 0.1", ">1,000,000").
BOUND_PATTERN = r"^[<>\u2264\u2265]\s*[0-9][0-9,.\s\u00a0\u202f]*%?$"
REASON_RANGE = (
    "a range, not a figure (an interval such as '323,000–485,000', not the edition's point estimate): read as "
    "missing, the country's other figures kept"
)
#: A figure written as a range: two numbers joined by a dash or "to" ("323,000–485,000", "4.6 - 6.9", "4.6 to 6.9").
RANGE_PATTERN = (
    r"(?i)^[0-9][0-9,.\s\u00a0\u202f]*%?\s*(?:[-\u2010-\u2014]|to)\s*[0-9][0-9,.\s\u00a0\u202f]*%?$"
)
#: The measures counting people, each a whole number: a cell ``98.000`` in them is 98 written to three decimals or
#: 98,000 with a dot between thousands, told by the column (:func:`_dotted_people`).
PEOPLE = ("population", "estimated_number_in_modern_slavery")
REASON_DOTTED = (
    "a number of people written with a dot before three digits ('98.000'): 98 written to three decimals or 98,000 "
    "with a dot between thousands, and the column's other cells do not tell which (or tell both): write it without "
    "thousands separators"
)
REASON_FOOTNOTE = (
    "a footnote marker follows the figure: read without it (the footnote's text is not in the table: an imputed "
    "or revised figure?)"
)
#: Scores published in percent (0-100; response scores may be below 0).
PERCENT = tuple(name for name in MEASURES if name.startswith(("vulnerability_", "response_")))
UPPER_BOUNDS.update({name: (100.0, REASON_ABOVE_100) for name in PERCENT})


def _bound_or_range(name: str) -> pl.Expr:
    """Whether the measure's cell is a bound or a range: missing as a not-available token is, flagged apart."""
    return pl.col(f"{name}__bound") | pl.col(f"{name}__range")


def sniff(head: FileHead) -> str | None:
    """``gsi2023_xlsx`` for a workbook with a sheet headed like the GSI 2023 summary data; ``gsi2023_csv`` for
    that sheet saved as delimited text, whichever one edition it names. A file naming several editions is not
    taken (see :func:`diagnose`)."""
    match = _find_header(head.path) if head.tabular else None
    if match is None or len(_editions(match)[0]) > 1:
        return None
    return LAYOUT if match.delimiter is None else LAYOUT_CSV


def _labels(name: str) -> tuple[str, ...]:
    """The labels (their start, but Country's and Region's whole) a column may be headed by, the 2023 edition's
    first."""
    first = {"country": "Country", "region": "Region", "iso3": "ISO3"}.get(name) or MEASURES[name]
    return (first, *ALIASES.get(name, ()), *WHOLE_LABELS.get(name, ()))


def _label_text(name: str) -> str:
    """A column's labels as a user looks for them: ``'Population'``, ``'Country' (or 'Country name', …)``."""
    first, *others = _labels(name)
    return repr(first) + (f" (or {', '.join(repr(o) for o in others)})" if others else "")


#: Every column read, in the canonical table's order.
FIELDS = ("country", "region", "iso3", *MEASURES)


def _matching(cells: Sequence[Any]) -> dict[str, list[str]]:
    """Canonical name -> the cells (header labels) of ``cells`` that head that column: a label equal to one of
    its labels, else (measures) starting with one, compared by :func:`header_key` (a cell's trailing footnote number
    aside: :func:`header_cell_key`)."""
    labels = [str(c) for c in cells if c is not None and str(c).strip()]
    # only a cell starting with some column's label can equal or start with one (most cells of a workbook's top
    # rows start with none: told by one str.startswith each)
    every = _every_label_key()
    keyed = [(c, k) for c in labels if (k := header_cell_key(c)).startswith(every)]
    found: dict[str, list[str]] = {}
    for name, wanted in _label_keys().items():
        exact = [c for c, k in keyed if k in wanted]
        whole = _whole_label_keys().get(name, ())
        starting = (
            []
            if exact or name not in MEASURES
            else [
                c
                for c, k in keyed
                if any(
                    starts_with_label(k, w) and not _names_a_bound(k[len(w) :])
                    for w in wanted
                    if w not in whole
                )
            ]
        )
        hits = list(dict.fromkeys(exact or starting))
        if hits:
            found[name] = hits
    return found


#: Words after a measure's label naming a bound of it, as :func:`header_key` writes them ("... (lower bound)", "...
#: - high estimate", "... 95% confidence interval, upper"): an edition's uncertainty columns beside its estimates,
#: never the estimate (read as it, a lower bound was the prevalence; beside it, the sheet was refused as ambiguous).
_BOUND_WORDS = re.compile(
    r"lower|upper|bound|confidenceinterval|lowestimate|highestimate|minimum|maximum|limit|margin"
)


def _names_a_bound(rest: str) -> bool:
    """Whether the rest of a header cell's key after a measure's label names a bound of the measure."""
    return _BOUND_WORDS.search(rest) is not None


@functools.cache
def _every_label_key() -> tuple[str, ...]:
    """Every column's label keys (:func:`_label_keys`) as one tuple."""
    return tuple(key for keys in _label_keys().values() for key in keys)


@functools.cache
def _whole_label_keys() -> dict[str, tuple[str, ...]]:
    """:data:`WHOLE_LABELS` as :func:`header_key` writes them."""
    return {name: tuple(header_key(label) for label in labels) for name, labels in WHOLE_LABELS.items()}


@functools.cache
def _label_keys() -> dict[str, tuple[str, ...]]:
    """Every column's :func:`_labels` as :func:`header_key` writes them (made once: a workbook's top rows are
    matched against them cell by cell)."""
    return {name: tuple(header_key(label) for label in _labels(name)) for name in FIELDS}


def _find_header(path: Path) -> HeaderMatch | None:
    """The summary sheet's header: the first top row (of a sheet named like the 2023 summary sheet first, then
    the others in workbook order) heading every :data:`REQUIRED` column."""
    stat = path.stat()
    return _header_of(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _header_of(path: str, mtime_ns: int, size: int) -> HeaderMatch | None:
    """:func:`_find_header` of a file as it stands (its time and size are in the key): detecting the source
    and loading it both look for the header, in ~900 rows of a workbook's 13 sheets."""
    found = []
    required = [_label_keys()[name] for name in REQUIRED]
    for sheet in table_head(path).sheets:
        for index, row in enumerate(sheet.rows):
            # A first look at the row's cells run together, told exactly: a cell heads a column when its key
            # (header_cell_key: its header_key less a trailing footnote number, so a start of it) equals or starts
            # with one of the column's label keys, and header_key keys characters one by one, so that label key
            # is then part of the key of the row's cells joined. A row lacking some required column's every label
            # there is no header: keyed once, not cell by cell (most top rows of a workbook's sheets).
            joined = header_key("".join(str(cell) for cell in row if cell is not None))
            if not all(any(key in joined for key in keys) for keys in required):
                continue
            if set(REQUIRED) <= _matching(row).keys():
                found.append(HeaderMatch(sheet.name, index + 1, sheet.rows, sheet.delimiter))
                break
    found.sort(key=lambda match: header_key(match.sheet) != header_key(SHEET))
    return found[0] if found else None


def _editions(match: HeaderMatch) -> tuple[set[int], list[str]]:
    """The editions of the index the sheet's name and the title lines above its header name, and those texts."""
    titles = [match.sheet, *(str(c) for row in match.top_rows[: match.header_row - 1] for c in row if c)]
    editions: set[int] = set()
    naming = []
    sheet_named = SHEET_EDITION_PATTERN.fullmatch(match.sheet.strip())
    for index, title in enumerate(titles):
        found = {int(y) for pattern in EDITION_PATTERNS for y in pattern.findall(title)}
        if index == 0 and sheet_named:
            found |= {int(y) for y in sheet_named.groups() if y}
        if found:
            editions |= found
            naming.append(title)
    return editions, naming


def _other_edition(match: HeaderMatch, named: tuple[set[int], list[str]] | None = None) -> str | None:
    """Why a file naming several editions of the index is not read (which one it holds is unclear), or None
    (``named``: :func:`_editions` of ``match``, when found already)."""
    editions, naming = named or _editions(match)
    if len(editions) < 2:
        return None
    listed = " and ".join(str(e) for e in sorted(editions))
    where = " and ".join(repr(t[:80]) for t in naming)  # the places naming it: a sheet, a title line
    return (
        f"the file names the Walk Free Global Slavery Index editions {listed} (in {where}): which one its figures "
        "are is unclear; keep the one edition's title (or state the release in a sidecar)"
    )


def _estimate_year_of(release: str) -> int | None:
    """The one year the estimates of an edition refer to, as the source metadata records it (its ``years``), or
    None when the metadata does not know the edition."""
    from evidence.sources.metadata import dataset

    known = dataset(SOURCE, LAYOUT).known_release(release)
    if known is None or known.years is None or known.years[0] != known.years[1]:
        return None
    return known.years[0]


def diagnose(head: FileHead) -> str | None:
    """For a workbook or text file with most of the GSI summary header (or a sheet named like it): what the
    header lacks."""
    if not head.tabular:
        return None
    match = _find_header(head.path)
    if match is not None:
        return _other_edition(match)
    best: tuple[int, str, int, list[str], list[Any]] | None = None
    for sheet in table_head(head.path).sheets:
        named = header_key(sheet.name) == header_key(SHEET)
        for index, row in enumerate(sheet.rows):
            found = _matching(row)
            # a row naming the country column, or most of the summary's measures (a country column under
            # another label is then what it lacks): never a stray row of another table with a "Country" cell
            # (or every column but one of those required: an edition giving its prevalence in another unit)
            if not (
                ("country" in found and named)
                or len(found) >= len(FIELDS) / 2
                or len(set(REQUIRED) & found.keys()) >= len(REQUIRED) - 1
            ):
                continue
            missing = [name for name in REQUIRED if name not in found]
            if missing and (best is None or len(found) > best[0]):
                best = (len(found), sheet.name, index + 1, missing, list(row))
    if best is None:
        return None
    _, sheet_name, row_number, missing, cells = best
    where = f"sheet {sheet_name!r}, row {row_number}" if sheet_name else f"line {row_number}"
    other_units = [
        str(c).strip()
        for c in cells
        if c is not None and "prevalence_per_1000" in missing and _OTHER_PREVALENCE.search(str(c))
    ]
    return (
        f"{where} looks like the Walk Free GSI summary header but lacks the columns "
        + "; ".join(_label_text(name) for name in missing)
        + (
            f" ({', '.join(repr(c) for c in other_units)} gives the prevalence in another unit than per 1,000 "
            "people: not read as it, nor converted, since a percent-formatted cell may hold a fraction; add a "
            "column of the prevalence per 1,000)"
            if other_units
            else ""
        )
    )


#: A header label of a prevalence in another unit than per 1,000 (the 2016 edition's "Estimated percentage of
#: population in modern slavery", a prevalence per 100,000).
_OTHER_PREVALENCE = re.compile(r"(?i)\b(?:prevalence|percent(?:age)?)\b")


def load(path: str | Path, layout: str = LAYOUT) -> LoadedTable:
    """Read the GSI 2023 summary sheet (or that sheet saved as CSV) onto the canonical GSI table."""
    path = Path(path)
    if layout not in (LAYOUT, LAYOUT_CSV):
        raise InputError(f"unknown Walk Free layout {layout!r}", path=path)
    match = _find_header(path)
    if match is None:
        raise InputError(
            diagnose(FileHead(path))
            or f"no sheet has the GSI header (columns {'; '.join(_label_text(n) for n in REQUIRED)})",
            path=path,
        )
    editions, naming = _editions(match)
    other = _other_edition(match, (editions, naming))
    if other:
        raise InputError(other, path=path)
    named = next(iter(editions), None)
    release, estimate_year = (RELEASE, ESTIMATE_YEAR) if named == EDITION else (str(named or UNKNOWN), None)
    if named is not None and named != EDITION:  # another edition the source metadata knows (2018: for 2016)
        estimate_year = _estimate_year_of(str(named))
    where = " and ".join(repr(t[:80]) for t in naming)  # the places naming it: a sheet, a title line
    edition_note = (
        f"the {EDITION} edition, named in {where}"
        if named == EDITION
        else (
            f"the {named} edition, named in {where}, read by the column labels of the {EDITION} edition's summary "
            "sheet"
        )
        if named is not None and estimate_year is not None
        else (
            f"the {named} edition, named in {where}, read by the column labels of the {EDITION} edition's summary "
            f"sheet; the year its estimates refer to is not stated in the file and is left "
            f"empty (the {EDITION} edition's refer to {ESTIMATE_YEAR})"
        )
        if named is not None
        else (
            "the file does not name its edition (no sheet name or title line with 'Global Slavery Index "
            f"<year>', 'GSI <year>' or 'Walk Free <year>'): release not stated, estimate year left empty (its "
            f"layout is the {EDITION} edition's, whose estimates refer to {ESTIMATE_YEAR})"
        )
    )
    # A workbook is read twice (the sheet is small): as text, to see every cell as published (calamine would
    # silently turn "n/a" in a number column into null), and its measures as numbers, at full precision (calamine's
    # text of a number is rounded), each measure column read so even when a cell of it is text ("<1,000", "2.5*":
    # as inferred, such a column was text, and every other country's figure in it rounded to 9 decimals). A text
    # file's cells are its text: read once.
    text, first_row = read_sheet(path, match, dtypes="string")
    columns = _columns(text, path, match)
    measures: dict[int, Literal["float"]] = {
        text.columns.index(columns[n]): "float" for n in MEASURES if n in columns
    }
    typed = read_sheet(path, match, dtypes=measures)[0] if match.delimiter is None else None
    decimal_comma = _decimal_comma(text, match, [columns[n] for n in MEASURES if n in columns])
    dots = {} if decimal_comma else _dotted_people(text, columns, workbook=match.delimiter is None)
    unused = unused_columns(text, columns.values())
    absent = [name for name in MEASURES if name not in columns]
    selected = (
        text.select([pl.col(source).alias(name) for name, source in columns.items()])
        .with_columns(
            pl.lit(None, pl.String).alias(name) for name in ("region", "iso3", *absent) if name not in columns
        )
        .rename({"iso3": "_code"})
    )
    bounds_and_ranges, not_availables, footnotes = _cell_kinds()
    frame = (
        selected.with_columns(pl.all().str.strip_chars().replace("", None))
        .with_columns(bounds_and_ranges)
        .with_columns(not_availables)
        .with_columns(footnotes)
        .pipe(
            _with_numbers,
            {
                name: typed[columns[name]] if typed is not None and name in columns else None
                for name in MEASURES
            },
            decimal_comma=decimal_comma,
            dots=dots,
        )
        .with_row_index("source_row", offset=first_row)
        .cast({"source_row": pl.Int64})
    )
    # Rows holding nothing (a blank line, a row of delimiters, an empty sheet row) are no rows: left out, counted
    # and named. A row with figures is a country's, even when its country cell is empty.
    # (a row with text beyond the header's last field holds something: rejected for its fields)
    empty = empty_records(text, exclude=())
    if match.delimiter is not None:
        beyond = lines_with_text_beyond(path, match.delimiter, match.header_row)
        empty &= ~np.isin(frame["source_row"].to_numpy(), beyond)
    blank_rows = frame["source_row"].to_numpy()[empty]
    frame = frame.filter(pl.Series(~empty))
    # a table pasted part by part (a region, a page each), its header again above each part, perhaps after a
    # blank line and a title ("Africa"): no countries, left out and named
    held_text = (
        text.with_row_index("source_row", offset=first_row)
        .cast({"source_row": pl.Int64})
        .filter(pl.Series(~empty))
    )
    written = ["" if cell is None else str(cell) for cell in match.header]
    header = written if len(written) == text.width else text.columns
    unit = "line" if match.delimiter else "row"
    repeated, part_titles, part_notes = repeated_headers(held_text, header, unit=unit)
    parts = repeated | part_titles
    if parts.any():
        frame, held_text = frame.filter(pl.Series(~parts)), held_text.filter(pl.Series(~parts))
    # A row with a country cell and nothing else (or not-available tokens only): a country the edition did not
    # assess (kept, its figures empty, flagged), or a note or title below the table (left out, with a note).
    text_only = pl.all_horizontal(
        pl.col("region").is_null(), *(pl.col(n).is_null() | pl.col(f"{n}__na") for n in MEASURES)
    )
    from evidence.sources.countries import map_to_iso3

    frame = frame.with_columns(
        _text_only=text_only,
        _named=map_to_iso3(frame["country"]).iso3.is_not_null() | _coded(frame["_code"]).is_not_null(),
    )
    not_country = pl.col("_text_only") & ~pl.col("_named")
    text_rows = frame.filter(not_country)
    frame = frame.filter(~not_country)
    # Those below the table are its notes (Source: …), left out and named as every loader names its notes
    # (delimited.notes_below); what tells one here is that it names no country and holds nothing else, where
    # the others' loaders reject a note first. A text row among the countries (a heading) is left out as well,
    # in words of its own: no note below the table.
    below = text_rows_at_end(held_text)
    not_countries = text_rows.select(pl.col("source_row").alias("row"))
    not_countries, noted, note_lines = notes_below(
        below, not_countries, unit="line" if match.delimiter else "row", is_note=pl.lit(True)
    )
    text_rows = text_rows.join(not_countries.rename({"row": "source_row"}), on="source_row", how="semi")
    # A world or regional total below (or among) the countries is not a country: summing it would count twice.
    # (keys made in polars on both sides, for the whole column at once)
    regions = frame.select(header_key_expr(pl.col("region")).drop_nulls().unique()).to_series().to_list()
    keys = [*(header_key(a) for a in AGGREGATES), *regions]  # AGGREGATES keyed too ("all countries")
    aggregate = header_key_expr(pl.col("country")).is_in(keys).fill_null(False)
    aggregates = frame.filter(aggregate)
    frame = frame.filter(~aggregate)
    rows_in = frame.height

    number_checks = [
        (REASON_DOTTED, lambda n: pl.col(f"{n}__dotted")),
        (
            REASON_NOT_NUMBER,
            lambda n: (
                pl.col(n).is_not_null()
                & pl.col(f"{n}__number").is_null()
                & ~pl.col(f"{n}__na")
                & ~pl.col(f"{n}__dotted")
            ),
        ),
        (REASON_NOT_FINITE, lambda n: ~pl.col(f"{n}__number").is_finite()),
        (REASON_NEGATIVE, lambda n: (pl.col(f"{n}__number") < 0) & pl.lit(n in NON_NEGATIVE)),
    ]
    bounded: list[Check] = [
        (columns[n], n, pl.col(f"{n}__number").is_finite() & (pl.col(f"{n}__number") > bound), reason)
        for n, (bound, reason) in UPPER_BOUNDS.items()
        if n in columns
    ]
    checks: list[Check] = [("Country", "country", pl.col("country").is_null(), REASON_NO_COUNTRY)]
    checks += [
        (columns[n], n, check(n), reason) for reason, check in number_checks for n in MEASURES if n in columns
    ]
    # a record of a text file cut short at its end ("Zimbabwe,148": its figures cut), or with more fields than
    # the header (a name with an unquoted delimiter: every later cell shifted), is rejected as such, never read
    # (and what reading it as UTF-8 text converted, for the notes)
    structural, converted = (
        text_checks(path, match.delimiter, match.header_row, frame["source_row"])
        if match.delimiter is not None
        else (empty_issues(), [])
    )
    whole = frame.join(structural.select(pl.col("row").alias("source_row")), on="source_row", how="anti")
    rejects = pl.concat([structural, issues_where(whole, checks + bounded)]).sort("row", maintain_order=True)
    kept = frame.join(rejects.select(pl.col("row").alias("source_row")).unique(), on="source_row", how="anti")
    # Scores published as fractions of 1 (a cell formatted "46.5%" holds 0.465): every score of the sheet lies
    # within [-1, 1] (a percent sheet has most above 1). Scaled to percent as the 2023 edition writes them.
    # (a cell written with a percent sign, "75%", is in percent whatever the others are)
    unmarked = {n: pl.when(~pl.col(f"{n}__pct")).then(pl.col(f"{n}__number")) for n in PERCENT}
    scores = kept.select(pl.concat_list(list(unmarked.values())).explode().drop_nulls())
    score_values = scores.to_series()
    fractions = (
        score_values.len() > 0 and bool((score_values.abs() <= 1).all()) and bool((score_values != 0).any())
    )
    if fractions:
        kept = kept.with_columns(
            pl.when(pl.col(f"{n}__pct")).then(pl.col(f"{n}__number")).otherwise(pl.col(f"{n}__number") * 100)
            for n in PERCENT
        )
    # the workbook writes 0 as the population of a few countries (Kosovo, Palau…) it has no figure for
    zero_population = pl.col("population__number") == 0
    kept = kept.with_columns(
        [pl.col(f"{name}__number").alias(name) for name in MEASURES],
        estimate_year=pl.lit(estimate_year, pl.Int16),
        **{f"_{name}_text": pl.col(name) for name in MEASURES},
    ).with_columns(
        pl.when(~zero_population).then(pl.col("population")).alias("population"), _zero=zero_population
    )

    # the code column's codes where it has one the reference knows, else the names
    by_name = map_to_iso3(kept["country"]).iso3.cast(pl.String)
    coded = _coded(kept["_code"])
    kept = kept.with_columns(
        iso3=pl.coalesce(pl.lit(coded), pl.lit(by_name)),
        _unknown_code=pl.col("_code").is_not_null() & pl.lit(coded).is_null(),
        _disagrees=(pl.lit(coded) != pl.lit(by_name)).fill_null(False),
    )
    code_label = columns.get("iso3", "ISO3")
    # a country named with a footnote mark ("Burma*"): read without it (the reference sets marks aside), flagged
    country_footnoted = pl.col("country").str.contains(COUNTRY_FOOTNOTE).fill_null(False)
    footnoted = int(kept.select(country_footnoted.sum()).item())
    flags = issues_where(
        kept,
        [
            ("Country", "country", pl.col("iso3").is_null(), REASON_UNMAPPED),
            (
                code_label,
                "_code",
                pl.col("_unknown_code") & pl.col("iso3").is_not_null(),
                REASON_UNKNOWN_CODE,
            ),
            ("Country", "country", pl.col("_disagrees"), REASON_NAME_DISAGREES),
            ("Country", "country", country_footnoted, REASON_COUNTRY_FOOTNOTE),
            (
                "Country",
                "country",
                pl.col("iso3").is_duplicated() & pl.col("iso3").is_not_null(),
                REASON_DUPLICATE,
            ),
            (columns["population"], "_population_text", pl.col("_zero"), REASON_ZERO_POPULATION),
            *(
                (columns[n], f"_{n}_text", pl.col(f"{n}__na") & ~_bound_or_range(n), REASON_NOT_AVAILABLE)
                for n in MEASURES
                if n in columns
            ),
            *(
                (columns[n], f"_{n}_text", pl.col(f"{n}__bound"), REASON_BOUND)
                for n in MEASURES
                if n in columns
            ),
            *(
                (columns[n], f"_{n}_text", pl.col(f"{n}__range"), REASON_RANGE)
                for n in MEASURES
                if n in columns
            ),
            ("Country", "country", pl.col("_text_only"), REASON_NOT_ASSESSED),
            (  # the three are required columns: each file has them
                columns["estimated_number_in_modern_slavery"],
                "_estimated_number_in_modern_slavery_text",
                _estimates_disagree(),
                REASON_ESTIMATES_DISAGREE,
            ),
            *(
                (
                    columns[n],
                    f"_{n}_text",
                    pl.col(f"{n}__fn") & pl.col(f"{n}__number").is_not_null(),
                    REASON_FOOTNOTE,
                )
                for n in MEASURES
                if n in columns
            ),
        ],
    )
    _refuse_estimates_in_another_unit(kept, columns, match, path)
    n_na = int(
        kept.select(
            pl.sum_horizontal(pl.col(f"{n}__na") & ~_bound_or_range(n) for n in MEASURES).sum()
        ).item()
        or 0
    )
    aggregate_rows = ", ".join(
        f"row {r} {c!r}" for r, c in aggregates.select("source_row", "country").iter_rows()
    )
    text_only_rows = ", ".join(
        f"row {r} {c[:60]!r}" if c else f"row {r} (text in a column not used only)"
        for r, c in text_rows.select("source_row", "country").iter_rows()
    )
    provenance = describe(
        SOURCE,
        layout,
        release,
        path=str(path),
        sha256=sha256_file(path),
        notes=(
            edition_note,
            *([f"estimates refer to {estimate_year}"] if estimate_year else []),
            match.where,
            *converted,
            *columns_not_used_note(unused),
            *(
                [
                    f"{n_na} cell(s) written as not available (n/a, -, ..) read as missing; the country's other values kept"
                ]
                if n_na
                else []
            ),
            *([f"aggregate rows (not countries) left out: {aggregate_rows}"] if aggregate_rows else []),
            *([f"text rows (not countries) left out: {text_only_rows}"] if text_only_rows else []),
            *note_lines,
            *part_notes,
            *(
                [
                    (
                        f"{footnoted} country name(s) written with a footnote mark ('Burma*', 'Cuba¹', 'Thailand "
                        "(a)'): each country read without it, the name kept as written and flagged (the footnote is "
                        "not in the table)"
                    )
                ]
                if footnoted
                else []
            ),
            *(
                [empty_records_note(blank_rows, "line" if match.delimiter else "row")]
                if blank_rows.size
                else []
            ),
            *(
                [
                    "columns not in this edition (left empty): "
                    + ", ".join(repr(_labels(n)[0]) for n in ("region", *absent) if n not in columns)
                ]
                if absent or "region" not in columns
                else []
            ),
            *([FRACTIONS_NOTE] if fractions else []),
            *([DECIMAL_COMMA_NOTE] if decimal_comma else []),
            *(
                [
                    "numbers of people written with dots between thousands ('98.000') read as whole numbers in "
                    + ", ".join(repr(columns[n]) for n, how in dots.items() if how == "thousands")
                    + ", as their columns show (a number of two dots, or numbers written without one beside them)"
                ]
                if "thousands" in dots.values()
                else []
            ),
        ),
    )
    data = kept.select([pl.col(c).cast(t) for c, t in GSI_SCHEMA.items()]).sort("source_row")
    return LoadedTable(
        data=data,
        provenance=provenance,
        rows_in=rows_in,
        rejects=rejects,
        flags=flags,
        kind="gsi",
        rows_left_out=int(blank_rows.size + parts.sum()) + text_rows.height + noted + aggregates.height,
    )


#: A number as text: digits grouped in thousands by commas or (no-break) spaces, or not grouped; a decimal
#: point; an exponent (a spreadsheet's text of a very small number). The sign is read before.
_NUMBER_TEXT = r"^(?:[0-9]{1,3}(?:[, \u00a0\u202f][0-9]{3})+|[0-9]+)?(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$"
_PERCENT_SIGN = r"\s*%$"


#: A number as a text file delimited by semicolons (or tabs) writes it in a locale with a decimal comma: digits
#: grouped in thousands by dots or (no-break) spaces, or not grouped; a decimal comma.
_NUMBER_TEXT_DECIMAL_COMMA = r"^(?:[0-9]{1,3}(?:[. \u00a0\u202f][0-9]{3})+|[0-9]+)?(?:,[0-9]+)?$"
#: A comma that can only be a decimal one: followed by other than three digits, or after a dot grouping thousands.
_DECIMAL_ONLY_COMMA = (
    r"^[-+\u2212]?[0-9. \u00a0\u202f]*(?:[0-9],(?:[0-9]{1,2}|[0-9]{4,})|\.[0-9]{3},[0-9]+)\s*%?$"
)
DECIMAL_COMMA_NOTE = (
    "numbers written with a decimal comma (as spreadsheet programs save delimited text in locales that delimit "
    "by semicolons): '5,74' read as 5.74, dots or spaces as thousands separators"
)


def _estimates_disagree() -> pl.Expr:
    """Where a country's estimated number and its prevalence per 1,000 times its population disagree beyond
    Walk Free's rounding (:data:`ESTIMATES_FACTOR`, :data:`ESTIMATES_ROUNDING`); null where a figure is missing."""
    number = pl.col("estimated_number_in_modern_slavery")
    expected = pl.col("prevalence_per_1000") * pl.col("population") / 1000
    apart = (number - expected).abs() > ESTIMATES_ROUNDING
    return apart & ((number > expected * ESTIMATES_FACTOR) | (number * ESTIMATES_FACTOR < expected))


def _refuse_estimates_in_another_unit(
    kept: pl.DataFrame, columns: dict[str, str], match: HeaderMatch, path: Path
) -> None:
    """An :class:`InputError` when the estimates disagree (:func:`_estimates_disagree`) in most countries that
    have all three (at least three of them): a column in another unit than its label says, every figure of it a
    thousandth (or a thousand times) of the truth. A country or two so is flagged, not refused: a mistyped figure."""
    checked = kept.select(
        "country",
        "population",
        "prevalence_per_1000",
        "estimated_number_in_modern_slavery",
        disagree=_estimates_disagree(),
    ).drop_nulls()
    wrong = checked.filter(pl.col("disagree"))
    if checked.height < 3 or 2 * wrong.height < checked.height:
        return
    country, population, prevalence, number, _ = wrong.row(0)
    labels = ", ".join(
        repr(columns[n]) for n in ("estimated_number_in_modern_slavery", "prevalence_per_1000", "population")
    )
    raise InputError(
        f"GSI summary ({match.where}): the estimated number of people is not the prevalence per 1,000 times the "
        f"population in {wrong.height} of {checked.height} countries, beyond rounding ({country!r}: {number:,.6g} "
        f"where {prevalence:.6g} per 1,000 of {population:,.0f} people is {prevalence * population / 1000:,.0f}): one "
        f"of the columns {labels} is in another unit than its label says (thousands, millions, a percentage)",
        path=path,
        row=match.header_row,
        hint="save each figure in the unit its label names (people; per 1,000 people)",
    )


def _decimal_comma(text: pl.DataFrame, match: HeaderMatch, number_columns: list[str]) -> bool:
    """Whether a text file not delimited by commas writes its numbers with a decimal comma: some number cell
    holds a comma that cannot separate thousands ("5,74", "12,9599", "1.234,5"). A file whose every comma could
    separate thousands ("5,740") is read as the published workbook writes numbers (the bounds of
    :data:`UPPER_BOUNDS` catch a prevalence so misread)."""
    if match.delimiter in (None, ",") or not number_columns:
        return False
    found = text.select(
        pl.any_horizontal(
            pl.col(c).str.strip_chars().str.contains(_DECIMAL_ONLY_COMMA).fill_null(False)
            for c in number_columns
        ).any()
    ).item()
    return bool(found)


def _dotted_people(text: pl.DataFrame, columns: dict[str, str], *, workbook: bool = False) -> dict[str, str]:
    """How each column counting people (:data:`PEOPLE`) holding a cell written ``98.000`` (:data:`~evidence.sources.typed_tables.DOTTED`) is read,
    in a file whose numbers are not read with a decimal comma: ``thousands`` where the column shows the dot separates
    thousands (a cell of two dots, ``38.928.000``; or numbers below 1,000 written without a dot beside it, ``98``,
    which a column of decimals written to three places writes ``98.000``) and not also that it is a decimal point
    (a cell of other decimals, ``98.5``; thousands separated by commas, ``1,006``; a number of 1,000 or more without
    a separator, ``38928000``); ``ambiguous`` where it shows both or neither (its ``98.000`` cells rejected: 98 or
    98,000 people?). A 0 tells nothing. A column showing only a decimal point is absent (read as before: ``98.000``
    is 98). In a ``workbook`` a number cell's text is the reader's (no separator, no trailing zero): only what a text
    cell alone can write tells (two dots; commas between thousands)."""
    found = {}
    for name in PEOPLE:
        if name not in columns:
            continue
        cells = text.get_column(columns[name]).str.strip_chars().str.replace(FOOTNOTE_MARKER, "")
        dotted = cells.str.contains(DOTTED).fill_null(False)
        if not dotted.any():
            continue
        thousands, decimals = (
            bool(reasons) for reasons in dot_evidence(cells, text_file=not workbook, comma_grouping=True)
        )
        if thousands != decimals:
            if thousands:
                found[name] = "thousands"
        else:
            found[name] = "ambiguous"
    return found


def _with_numbers(
    frame: pl.DataFrame,
    typed: dict[str, pl.Series | None],
    *,
    decimal_comma: bool = False,
    dots: dict[str, str] | None = None,
) -> pl.DataFrame:
    """``frame`` with ``<name>__number`` and ``<name>__pct`` (in that order, column by column) for each text column
    ``name`` of ``typed``: its cells read as numbers, one rule for a workbook's and a text file's cells
    ("401,000", "69 800 000", "-2.6", a score "75%"; a percent sign only in a score column), and whether the cell
    carried a percent sign. ``typed[name]``: a workbook's typed read of the column, whose numbers (full
    precision) are taken where the cell is a number (None for a text file, or a column not read). Each column's
    ``<name>__na`` says where it holds a not-available token (no number). ``decimal_comma``: the text file writes
    "5,74" for 5.74 (see :func:`_decimal_comma`). ``dots``: how a column counting people reads its ``98.000`` cells
    (:func:`_dotted_people`): as thousands, or as no number, ``<name>__dotted`` saying where (rejected so).

    Read in steps, each kept in a column of its own for the next to read (the text without its footnote marker,
    whether it carries a percent sign, its digits and sign), never repeated: as one expression per column, the
    steps before were evaluated again wherever a later step read them (the text some sixteen times a cell), most
    of what reading a small summary sheet took. Every step is the same cell by cell."""
    names = list(typed)
    # a workbook's typed read of a column, where it holds numbers: beside the text, as a column of the frame
    numbers = {n: column for n, column in typed.items() if column is not None and column.dtype.is_numeric()}
    numeric = tuple(numbers)
    if numbers:
        frame = frame.with_columns(
            c.cast(pl.Float64).alias(f"__numbers_typed_{n}") for n, c in numbers.items()
        )
    *steps, temporary = _number_steps(
        tuple(names), numeric, decimal_comma, tuple(sorted((dots or {}).items()))
    )
    for step in steps:
        frame = frame.with_columns(cast(tuple[pl.Expr, ...], step))
    return frame.drop(*cast(tuple[str, ...], temporary))


@functools.lru_cache(maxsize=64)  # (a few keys: the measures, which a workbook types, how its dots read)
def _number_steps(
    names: tuple[str, ...],
    numeric: tuple[str, ...],
    decimal_comma: bool,
    dots_read: tuple[tuple[str, str], ...],
) -> tuple[tuple[pl.Expr, ...] | tuple[str, ...], ...]:
    """The steps of :func:`_with_numbers` (each a tuple of expressions, evaluated in turn), and last the names of
    the columns they add for the steps after them only. The same for every file of the same measures, typed
    columns (``numeric``: read from ``__numbers_typed_<name>``), decimal separator and dots (made once: making
    them took as long as evaluating them on a small sheet)."""
    dots = dict(dots_read)
    text, pct, negative, digits = ({n: f"__numbers_{step}_{n}" for n in names} for step in range(4))
    pattern, groups = (
        (_NUMBER_TEXT_DECIMAL_COMMA, "[. \u00a0\u202f]")
        if decimal_comma
        else (_NUMBER_TEXT, "[, \u00a0\u202f]")
    )
    # a typographic minus; a footnote marker after the figure ("2.5*", "1,000,000¹": flagged by the caller)
    texts = tuple(
        pl.col(n).str.replace_all("\u2212", "-").str.replace(FOOTNOTE_MARKER, "").alias(text[n])
        for n in names
    )
    percents = tuple(
        (pl.lit(n in PERCENT) & pl.col(text[n]).str.contains(_PERCENT_SIGN).fill_null(False)).alias(pct[n])
        for n in names
    )
    body = {
        n: pl.when(pl.col(pct[n]))
        .then(pl.col(text[n]).str.replace(_PERCENT_SIGN, ""))
        .otherwise(pl.col(text[n]))
        for n in names
    }
    signs_and_digits = tuple(
        expr
        for n in names
        for expr in (
            body[n].str.starts_with("-").alias(negative[n]),
            body[n].str.strip_prefix("-").str.strip_prefix("+").str.strip_chars().alias(digits[n]),
        )
    )
    outputs = []
    for n in names:
        cell = pl.col(digits[n])
        well_formed = cell.str.contains(pattern) & cell.str.contains("[0-9]")
        plain = cell.str.replace_all(groups, "")
        if decimal_comma:
            plain = plain.str.replace(",", ".", literal=True)
        sign = pl.when(pl.col(negative[n])).then(-1.0).otherwise(1.0)
        value: pl.Expr = pl.when(well_formed).then(plain.cast(pl.Float64, strict=False) * sign)
        if n in numeric:
            # a number cell's own value; a boolean cell ("true") is no figure, though read as numbers it is 1
            number = pl.when(~pl.col(text[n]).str.to_lowercase().is_in(["true", "false"]))
            value = pl.coalesce(number.then(pl.col(f"__numbers_typed_{n}")), value)
        # a text cell "98.000" as its column shows it (after the typed read, which takes that text for 98: a number
        # cell never reads so, its text having no separator nor trailing zeros)
        dotted = cell.str.contains(DOTTED).fill_null(False) & pl.lit(dots.get(n) is not None)
        if dots.get(n) == "thousands":
            value = (
                pl.when(dotted)
                .then(cell.str.replace_all(".", "", literal=True).cast(pl.Float64) * sign)
                .otherwise(value)
            )
        elif dots.get(n) == "ambiguous":
            value = pl.when(dotted).then(None).otherwise(value)
        outputs += [
            pl.when(~pl.col(f"{n}__na")).then(value).alias(f"{n}__number"),
            pl.col(pct[n]).alias(f"{n}__pct"),
            (dotted & pl.lit(dots.get(n) == "ambiguous")).alias(f"{n}__dotted"),
        ]
    temporary = (
        *text.values(),
        *pct.values(),
        *negative.values(),
        *digits.values(),
        *(f"__numbers_typed_{n}" for n in numeric),
    )
    return texts, percents, signs_and_digits, tuple(outputs), temporary


@functools.cache
def _cell_kinds() -> tuple[tuple[pl.Expr, ...], tuple[pl.Expr, ...], tuple[pl.Expr, ...]]:
    """What :func:`load` asks of each measure's cell, in three steps, each reading the one before: whether it is a
    bound (``<1,000``) or a range (``1,000-2,000``); whether it is missing (a not-available token, or a bound or
    range: no figure either, flagged apart); whether it carries a footnote marker. The same expressions for every
    file (made once: making them took a millisecond of each file's load, more than evaluating them on a
    small sheet)."""
    bounds_and_ranges = (
        *(
            pl.col(name).str.contains(BOUND_PATTERN).fill_null(False).alias(f"{name}__bound")
            for name in MEASURES
        ),
        *(
            pl.col(name).str.contains(RANGE_PATTERN).fill_null(False).alias(f"{name}__range")
            for name in MEASURES
        ),
    )
    not_availables = tuple(
        (
            not_available(pl.col(name)).fill_null(False) | pl.col(f"{name}__bound") | pl.col(f"{name}__range")
        ).alias(f"{name}__na")
        for name in MEASURES
    )
    footnotes = tuple(
        pl.col(name).str.contains(FOOTNOTE_MARKER).fill_null(False).alias(f"{name}__fn") for name in MEASURES
    )
    return bounds_and_ranges, not_availables, footnotes


def _columns(raw: pl.DataFrame, path: Path, match: HeaderMatch) -> dict[str, str]:
    """Canonical name -> the sheet's column, for the columns the header has (see :func:`_matching`).

    A column headed by two labels is ambiguous and refused, never resolved by column order."""
    found = _matching(raw.columns)
    if len(found.get("iso3", ())) > 1:  # two code columns ("ISO3" and "ISO"): the label listed first is read
        code_keys = _label_keys()["iso3"]
        ranked = sorted(found["iso3"], key=lambda c: code_keys.index(header_cell_key(c)))
        if header_cell_key(ranked[0]) != header_cell_key(ranked[1]):  # one label written twice stays refused
            found["iso3"] = ranked[:1]
    where = match.where
    # by the header's cells, where they stand (a label repeated word for word is one name to the frame's reader,
    # the copy renamed: it was read by column order)
    header = list(match.header)
    keys = [header_cell_key(cell) if cell is not None else "" for cell in header]
    ambiguous = []
    for name, cs in found.items():
        wanted = {header_cell_key(c) for c in cs}
        at = [i for i, key in enumerate(keys) if key in wanted]
        if len(cs) > 1 or len(at) > 1:
            cells = " and ".join(
                f"{cell_reference(i, match.header_row)} {str(header[i]).strip()!r}" for i in at
            )
            ambiguous.append(f"{_labels(name)[0]!r} ({cells or ', '.join(repr(c) for c in cs)})")
    if ambiguous:
        raise InputError(
            f"GSI summary ({where}): more than one column for {'; '.join(ambiguous)}: which one to read cannot "
            "be told from the file",
            path=path,
            row=match.header_row,
            hint="delete or rename the column not to read",
        )
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise InputError(
            f"GSI summary ({where}) lacks the columns {'; '.join(_label_text(n) for n in missing)}", path=path
        )
    scaled = [repr(cs[0]) for name, cs in found.items() if name in COUNTS and _MULTIPLIER.search(cs[0])]
    if scaled:
        raise InputError(
            f"GSI summary ({where}): {', '.join(scaled)} gives its figures in thousands or millions, not in "
            "people as the index publishes them: read as people, the figures would be a thousandth of the truth, and scaled "
            "they would be a guess at what the file means",
            path=path,
            hint="save the figures in people (or the label without its multiplier, if they are people already)",
        )
    return {name: cs[0] for name, cs in found.items()}


def _coded(codes: pl.Series) -> pl.Series:
    """The reference's ISO3 for each cell of a code column (alpha-3 or alpha-2, any case; a code ISO withdrew as
    its one successor); null for an empty cell, text that is no code, or a code the reference does not know."""
    from evidence.sources.countries import current_code

    distinct = [c for c in codes.drop_nulls().unique().to_list() if re.fullmatch(r"\s*[A-Za-z]{2,3}\s*", c)]
    known = {c: current_code(c) for c in distinct}
    return codes.replace_strict(known, default=None, return_dtype=pl.String)


#: The measures that count people (the others are rates and scores).
COUNTS = ("population", "estimated_number_in_modern_slavery")
#: A multiplier in a label: "(thousands)", "('000)", "000s", "in millions", "mn" (never the 000 of "1,000").
_MULTIPLIER = re.compile(r"(?i)\b(?:thousands?|millions?|mn|mio)\b|(?<![0-9][,.])(?<![0-9])'?000s?\b")


register(
    Loader(
        source=SOURCE,
        sniff=sniff,
        load=load,
        description="Walk Free Global Slavery Index 2023 workbook (or its summary sheet as CSV) -> GSI table",
        version=LOADER_VERSION,
        diagnose=diagnose,
    )
)
