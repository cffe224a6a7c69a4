"""UNODC GLOTIP country data (``data_glotip.xlsx``) -> the canonical indicator table.

Layout (every release so far): row 1 ``UNODC``, row 2 the release date (``30/05/2023``), row 3 the header
(``Iso3_code, Country, Region, Subregion, Indicator, Dimension, Category, Sex, Age, Year, Unit of measurement,
txtVALUE, Source``), data from row 4. The header is found by its labels in the top rows of any sheet, so a
renamed or moved sheet, notes above the header, extra or moved columns and a wrong declared sheet size are
tolerated; ``Region``, ``Subregion``, ``Unit of measurement`` and ``Source`` may be absent (read as empty). A
column may carry one of its :data:`ALIASES` instead (``VALUE`` for ``txtVALUE``).
Every sheet carrying the header is read (a release split over sheets; refused when the sheets hold different
releases or one copies another); the same table saved as CSV (layout ``glotip_csv``) reads the same way.

Rules:

* ``txtVALUE`` is text. ``1,541`` or ``1 541`` -> 1541 (value == value_low == value_high). ``<N`` (UNODC's
  ``<5``) is a censored count between 1 and N-1: value null, value_low 1, value_high N-1, censored true. A
  footnote marker after a value (``1541*``, ``1,541 ¹``) or a year (``2019*``) is read past and the row flagged. A not-available token
  (``..``, ``-`` or another dash, ``n/a``: :data:`~evidence.sources.workbook.NOT_AVAILABLE`) is no figure: the
  row is **rejected** as "value not available" (counted, with its row, column and text), never read as 0. Why
  a dash too: the description of this file the project works from (the shared publisher notes,
  ``unodc-glotip-format.md``) defines ``<5`` and no other symbol, and the 2023 release holds no dash (its
  46,556 values are all numbers or ``<5``); UN tables elsewhere use ``-`` for "nil or negligible" and others for
  "not available", so a dash in a later release or a user's copy cannot be told from a missing figure, and
  reading it as 0 would publish a zero the publisher never gave. (``<5`` is never a zero either: 1 to 4.)
* Indicator, Dimension, Sex and Age take the publisher's vocabulary (``checks.INDICATOR_CATEGORIES``), matched ignoring case, runs of spaces and a footnote marker (``By citizenship``,
  ``FEMALE*`` read as ``by citizenship``, ``Female``; the footnote flagged with the published text). A value
  outside it is **rejected** naming its row, column and text: a breakdown the loader cannot name would
  otherwise be dropped by every analysis without a word.
* Indicators worded as UNODC's reports and crime statistics word them (``Persons brought into formal contact with
  the police and/or criminal justice system``, ``Detected victims of trafficking in persons``: the explicit list
  :data:`INDICATOR_EQUIVALENTS`) are spelled as published, and so are dimensions worded otherwise (``by
  nationality``, ``by type of exploitation``: :data:`DIMENSION_EQUIVALENTS`).
* Age groups written otherwise (``0-17 years``, ``Under 18``, ``18+ years``, ``18 or over``: the explicit list
  :data:`AGE_EQUIVALENTS`) are spelled as published (``0 to 17 years``, ``18 years or over``); so are the sexes
  as UN statistical tables name them (``Females``, ``Males``, ``Both sexes``: :data:`SEX_EQUIVALENTS`; never
  ``Women`` or ``Girls``, which name an age group too).
* A form of exploitation (Category of ``by form of exploitation``) is one of :data:`FORMS` however cased, spaced
  or footnoted (``Sexual Exploitation``, ``Forced labour*``; ``Forced labor`` too: :data:`FORM_EQUIVALENTS`), the
  footnote flagged; a form the documentation does not name (``Forced criminality``) is kept as written and
  **flagged** (:data:`REASON_NEW_FORM`): it may overlap a documented one.
* "Total" however written (``TOTAL``, ``Total por año``) is spelled ``Total`` in Dimension, Sex and Age and in the
  Category of the Total dimension. A breakdown's row whose Category is its total (``TOTAL 397`` among Bolivia's
  citizenships) is **rejected** with its reason: counted as a category it would double the victims.
* ``Unit of measurement`` must be a count (``Counts`` in every row of the 2023 release; ``Count``, ``Number``...:
  :data:`COUNT_UNITS`, spelled ``Counts`` in the table); empty or absent reads as a count (``Counts`` too; an
  empty cell among written units flagged); so is a unit named by counting words (``Number of victims``, ``Counts (persons)``) that
  names no rate, share or multiplier. A row in another unit (the portal's ``Rate per 100,000 population``) is
  **rejected** naming its unit, never added into the counts.
* A row is **rejected** (with its reason) when it cannot be a count: value missing, not a whole number written
  with or without thousands separators (``1,541``/``1541``), or above :data:`PLAUSIBLE_MAX_COUNT` (the values that
  look like mangled dates, ``61,102,019`` = 6/11/2019, are all above it); when the year, indicator or dimension
  is missing; or when the year is later than the release's own year (a row dated 2099 in the 2023 release). A Year
  cell holding a date of 1 January (a column of dates shown by a year-only format) is that year, said in a note
  (:data:`~evidence.sources.workbook.YEAR_AS_DATE`); another day is no year.
* A note below (or among) the data (text, but no value, year, indicator nor dimension: ``Note: <5 indicates...``)
  is **rejected** once, as :data:`REASON_NOTE`, showing its text and the column holding it.
* A row is **kept and flagged** when: its Category is a questionnaire code (``Q6.1_10s_2019``); a text cell is
  mis-encoded (U+FFFD, or UTF-8 read as Latin-1 / Windows-1252); the reporting area has no country code (a
  UNODC aggregate such as ``CAR``, named or not, or a territory such as Sark: ``iso3`` null, the code stays in
  ``reporting_code``; a code is a country's only when the country reference knows it (``KOS`` or ISO's withdrawn ``ROM``
  read as ``XKX``, ``ROU`` when the Country cell names that country too, with a note; an empty code is the
  country the Country cell names, flagged); a three-letter code is upper-cased first, so ``tha`` is Thailand); its citizenship / country of repatriation could not be mapped to ISO3 (never guessed;
  ``Unknown`` and ``Abroad`` stay null without a flag); it repeats another row's key.
* Columns of no use to the table (``Footnote``, ``Data year``) are named in a "columns not used" note. When such a
  column tells apart rows the read columns cannot (a later release's new disaggregation: one row per area for the
  same country, year, indicator, dimension, category, sex and age), the group's total (that column written ``Total``
  or ``All``) is kept and the parts are **rejected** naming the column and its text
  (:data:`REASON_UNREAD_BREAKDOWN`): summed with their total they would count people twice. Only the columns
  telling the group's rows apart with a ``Total`` among them say which is the total (a column written ``Total``
  in every row tells none; a footnote column, holding no total, says nothing), and a second value column beside
  the one read (``VALUE`` beside ``txtVALUE``: the figure as a number) is no breakdown. Rows repeating a key with
  no total among them are kept and flagged as repeats, as before (parts to be summed, as the 2023 release's
  repeated "Other forms of exploitation" rows are).
* Region and subregion are as published (UN M49); empty ones are filled from the country reference.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from evidence.core.errors import InputError
from evidence.core.text import MONTH_NUMBERS, counted
from evidence.sources.checks import INDICATOR_CATEGORIES
from evidence.sources.dates import (
    DAY_MONTH_YEAR,
    ISO_DATE,
    MONTH_DAY_YEAR,
    NUMERIC_DATE,
    RELEASE_YEARS,
    exact_date,
    month_in,
)
from evidence.sources.delimited import (
    PROSE,
    lines_with_text_beyond,
    notes_below,
    text_checks,
    text_rows_at_end,
    without_empty_records,
)
from evidence.sources.indicator_schema import INDICATOR_SCHEMA
from evidence.sources.loaded import LoadedTable, empty_issues, issues_frame, issues_where
from evidence.sources.metadata import describe
from evidence.sources.provenance import sha256_file
from evidence.sources.registry import FileHead, Loader, register
from evidence.sources.typed_tables import repeated_headers
from evidence.sources.workbook import (
    FOOTNOTE_MARKER,
    HeaderMatch,
    MonthDate,
    YearDate,
    best_partial_header,
    column_for,
    columns_not_used_note,
    find_header,
    find_headers,
    header_cell_key,
    label_keys,
    not_available,
    read_sheet,
    refuse_repeated_labels,
    unused_columns,
    year_of_date,
    years_from_dates_note,
)

SOURCE = "unodc_glotip"
LAYOUT = "glotip_xlsx"
#: The same table saved as delimited text (CSV) by a spreadsheet program.
LAYOUT_CSV = "glotip_csv"
#: Bump when the loader's output changes for the same file (invalidates cached tables).
LOADER_VERSION = "37"  # 2: aggregate flag reworded, missing dimension named; 3: metadata, years after
# release; 4: every sheet with the header read, a breakdown's total row rejected, totals spelled "Total"; 5: demo files
# recognised by their content, header labels compared by header_key; 6: vocabulary matched ignoring case, spaces and
# footnote markers (other values rejected), "..", "-", "1 541" and "1541*" read, columns not used noted; 7: foreign
# nationals without a country (FOREIGN_CATEGORIES, mis-encoded too) not flagged as unmapped; 8: the shared
# not-available tokens (n/a, ...) and footnote markers (#, mixed runs such as *†) of workbook.py; 9: the
# not-available reason no longer calls a dash the UN's notation for no figure (it says why a dash is not 0); 10
# (review 10): rows in a unit other than counts rejected (unit in the duplicate key, spelled "Counts"), an empty
# unit among written ones flagged; column aliases (VALUE, ISO3, Country/territory, Reference year, Unit); age
# spellings (AGE_EQUIVALENTS), "not an Age"; a year with a footnote marker (2019*) read and flagged; a lowercase
# ISO3 code upper-cased; note rows rejected once showing their text; release dates in text (Last update:
# 12/06/2025, 12 June 2025, June 12, 2025); country names with footnote marks (Thailand¹) mapped; 11: a file in the
# layout holding none of GLOTIP's indicators (the portal's crime statistics) refused, naming what it holds; 12: the
# footnote flag names any cell it follows (a year's too), not "the value"; 13: the parts of a breakdown by a column
# the loader does not read (a release's new disaggregation) rejected, the group's total kept (were kept and summed);
# 14: a text file's last row cut short (no line end after it) or a row with more fields than the header rejected
# as such (its shifted or missing cells were read, rejected for what they then seemed to be); 15: a CSV file read as
# UTF-16 (or with CR-only line ends) says so in a note, as the CTDC and TIP loaders do; a header label with a
# footnote number ("Year¹", "txtVALUE [1]") read as the label (workbook.header_cell_key; the header was not found);
# 16: rows holding nothing left out counted and named (were dropped unsaid); a row with text only in a column not
# read rejected as a note (was dropped unsaid, or kept with every field empty); a label in two header cells (Year¹,
# Year²) refused naming both (the first was read); 17: a CSV row with text only beyond the header's last field
# rejected (too many fields), not left out as holding nothing; 18: a documented form of exploitation spelled
# otherwise ("Sexual Exploitation", "Forced labor", "Forced labour*") is the published form (was kept as written,
# a column of its own in every table by form), a form the documentation does not name kept and flagged
# 19: a reporting code the country reference does not know is an aggregate whatever the Country cell says (a
# release naming its aggregates, "CAR" "Caribbean", loaded them as countries with codes no country has)
# 20: a code the reference knows under another (KOS for XKX, ISO's withdrawn ROM) is that country when the Country
# cell names it too, with a note (such a code was kept as written: no other source's country)
# 21: a unit named by counting words ("Number of victims", "Counts (persons)") is a count (every row was rejected
# as in another unit); one naming a rate, share or multiplier still is not
# 22: indicators worded as UNODC's reports and crime statistics word them (INDICATOR_EQUIVALENTS) are the published
# ones (every such row was rejected as outside the vocabulary)
# 23: dimensions worded otherwise ("by nationality", "by type of exploitation": DIMENSION_EQUIVALENTS) likewise
# 24: more wordings of an unknown citizenship and of foreign nationals without a country, not flagged unmapped
# 25: a row whose code is empty and whose Country names one country of the reference is that country's, flagged
# (it was an aggregate's: no country's)
# 26: a row whose Country names another country than its code flagged (TKM beside Türkiye was kept unsaid)
# 27: a workbook's error cell (#N/A, #DIV/0!) read as its text (workbook.read_sheet; calamine made it empty: a
# value "missing"), #N/A a not-available token; 28: a value outside the vocabulary names the other spellings read of
# its own column (every column's reason named an age group's); a release date written 2023/05/30 or 30-May-2023
# read (the release was unknown); 29: the sexes as UN tables name them (Females, Males, Both sexes) read as the
# published ones (their rows were rejected)
# 30: notes below the table (Source: …, Note: …; text in one cell, after the last data row) left out and named
# (delimited.notes_below; they were rejected, so a release with a source line did not validate); 31: below each
# sheet's table of a release split over sheets too (the first sheet's source line stayed rejected); a text file's
# last line cut short is a note when prose (delimited.PROSE: words of letters with a space between), not any text
# with a space
# 32: Year cells holding dates of 1 January (a year-only date format) read as their years, with a note
# (workbook.YEAR_AS_DATE; every row was rejected as "year missing or not a year")
# 33: a release date given to the month (Updated: June 2025) or as a year (2025, Last update: 2025) is the release
# at that precision, 2025-06 or 2025 (was "unknown")
# 34: an empty or absent unit is spelled Counts, as the docstring says it reads (it stayed empty, so a row without a
# unit repeating one with Counts was no repeat)
# 35: a release date cell shown to the month (mmmm yyyy, mmm-yy) or year (yyyy) is the release at that precision
# (workbook.MonthDate; it was the 1st of the month, a day the publisher never gave); a month in numbers (06/2025,
# 2025-06, 2025/06) is the release 2025-06 (was "unknown"); a release date read day first that is another date
# month first (06/07/2025), no other date deciding, says so in a note (the choice was silent)
# 36: a CSV's header repeated within the rows (a release pasted in parts) left out and named (typed_tables; each
# was rejected as a row)
# 37: only the columns not read that tell a key's rows apart say which row is their total (a column written
# Total in every row made a footnoted repeat a part, rejected); a second value column beside the one read (VALUE
# beside txtVALUE) is no breakdown (its figures told repeats apart, and hid an area's total among its parts); a
# column telling rows apart without a total among them (a footnote on the total row) does not hide the total

HEADER = (
    "Iso3_code",
    "Country",
    "Region",
    "Subregion",
    "Indicator",
    "Dimension",
    "Category",
    "Sex",
    "Age",
    "Year",
    "Unit of measurement",
    "txtVALUE",
    "Source",
)
#: The columns without which a row means nothing; the others of :data:`HEADER` may be absent.
REQUIRED = ("Iso3_code", "Country", "Indicator", "Dimension", "Category", "Sex", "Age", "Year", "txtVALUE")
#: Other labels a release may give a column (compared by ``header_key``: case, spaces and punctuation aside, so
#: ``ISO3 code`` is ``Iso3_code`` already): the data portal's other ``data_*.xlsx`` files write ``VALUE`` for
#: ``txtVALUE``; UN tables write ``Country/territory``, ``ISO3``, ``Reference year``, ``Unit``. Only labels that can
#: mean the same column: never ``Data year`` (the year of the data source, a column not used) for ``Year``. The
#: publisher's label is looked for first; a release with none of a required column's labels is refused naming them.
ALIASES: dict[str, tuple[str, ...]] = {
    "Iso3_code": ("ISO3", "ISO alpha-3 code", "ISO3 country code"),
    "Country": ("Country/territory", "Country or territory", "Country or area", "Country name"),
    "Year": ("Reference year", "Reference period"),
    "Unit of measurement": ("Unit", "Unit of measure", "Units"),
    "txtVALUE": ("VALUE", "Value"),
}


def _label(label: str) -> tuple[str, ...]:
    """The publisher's label and its :data:`ALIASES`, as the header is searched for them."""
    return (label, *ALIASES.get(label, ()))


_REQUIRED_LABELS = [_label(label) for label in REQUIRED]

#: Canonical column <- publisher's column.
_COLUMNS = {
    "reporting_code": "Iso3_code",
    "country": "Country",
    "region": "Region",
    "subregion": "Subregion",
    "indicator": "Indicator",
    "dimension": "Dimension",
    "category": "Category",
    "sex": "Sex",
    "age": "Age",
    "unit": "Unit of measurement",
    "source_note": "Source",
}
#: The vocabulary columns under their publisher's labels.
_LABELS = {"indicator": "Indicator", "dimension": "Dimension", "sex": "Sex", "age": "Age"}
#: Dimensions whose Category names a country (mapped to ``category_iso3``).
COUNTRY_DIMENSIONS = {
    "by citizenship": "citizenship",
    "by country of repatriation": "country of repatriation",
}

#: Categories that name no particular country: the citizenship is unknown, or (repatriation) "Abroad", some
#: other country. Kept with category_iso3 null and not flagged: there is nothing to map.
UNSPECIFIED_CATEGORIES = frozenset(
    [
        "unknown",
        "desconocido",
        "desconocida",
        "inconnue",
        "inconnu",
        "n/a",
        "no information",
        "sin determinar",
        "no determinada",
        "no registra",
        "abroad",
        # wordings of an unknown citizenship a release may use
        "unknown citizenship",
        "citizenship unknown",
        "unknown nationality",
        "nationality unknown",
        "not known",
        "not stated",
        "not specified",
    ]
)

#: Citizenship categories that name no country but say the victims are *not* nationals of the reporting country
#: (foreign nationals, citizenship not stated), as publishers write them, correctly spelled. Kept with
#: category_iso3 null and not flagged as unmapped (there is nothing to map); :func:`citizenship_category_kind`
#: recognises them however spelled (case, accents, UTF-8 read as Windows-1252, U+FFFD for a lost character):
#: Switzerland's "Personnes de nationalité étrangère" is in the 2023 release as "Personnes de nationalit�
#: �trang�re". Own nationals ("Nationals", "Ciudadanos de su país") are country aliases of the
#: reporting country (``reference/country_aliases.csv``): they map to it.
FOREIGN_CATEGORIES = (
    "Foreigners",
    "Foreign nationals",
    "Foreign citizens",
    "Foreign",
    "Foreign victims",
    "Other foreign nationals",
    "Other foreigners",
    "Non-nationals",
    "Personnes de nationalité étrangère",
    "Ressortissants étrangers",
    "Étrangers",
    "Extranjeros",
    "Ciudadanos extranjeros",
    "Personas extranjeras",
    "Estrangeiros",
    "Stranieri",
    "Ausländer",
    "Ausländische Staatsangehörige",
)
#: What :func:`citizenship_category_kind` calls them.
FOREIGN = "foreign"
UNSPECIFIED = "unspecified"

#: Largest value accepted as a count. The largest country-year cell of the 2023 release is 25,844 and UNODC's
#: global total of detected victims is about 50,000 a year; a mangled date (d,mm,yyyy) is always >= 1,011,900.
PLAUSIBLE_MAX_COUNT = 1_000_000

# Issue reasons: one wording per problem, so users can count and filter them.
REASON_VALUE_MISSING = "value missing"
REASON_VALUE_NOT_AVAILABLE = (
    "value not available ('..', '-' or another not-available token such as 'n/a'; not read as 0: the file's "
    "documentation defines no dash, and a dash means 'nil or negligible' in some UN tables, 'not available' in "
    "others)"
)
REASON_VALUE_NOT_COUNT = "value is not a count (expected 1,234, 1 234, 1234 or <5)"
REASON_VALUE_IMPLAUSIBLE = f"value above {PLAUSIBLE_MAX_COUNT:,}: not a plausible count (a mangled date?)"
REASON_YEAR = "year missing or not a year"
REASON_YEAR_AFTER_RELEASE = "year after the release's own year: no release holds figures of a later year"
REASON_KEY_MISSING = "indicator or dimension missing"
REASON_QUESTIONNAIRE_CODE = "category is a questionnaire code, not a category"
REASON_MISENCODED = "mis-encoded text (U+FFFD, or UTF-8 read as Latin-1 / Windows-1252)"
REASON_AGGREGATE = (
    "reporting area has no country code (a UNODC aggregate such as CAR, or a territory such as Sark: no code, "
    "or one the country reference does not know); iso3 left empty"
)
REASON_CATEGORY_MISSING = "category missing"
REASON_NAME_DISAGREES = (
    "the Country cell names another country than the reporting code (a mistyped code, a shifted column?): kept "
    "as coded"
)
REASON_CODE_FROM_NAME = (
    "reporting code empty: iso3 read from the Country cell, which names one country of the reference"
)
REASON_DUPLICATE = "repeats another row's country, year, indicator, dimension, category, sex, age and unit"
#: A column the loader does not read that tells apart rows it would read as one, one of them its total (a
#: release's new disaggregation: the same country, year, indicator, dimension, category, sex and age for Total,
#: Urban and Rural areas). Summed with their total the parts would count people twice: the total is kept. (Rows
#: repeating a key without a total among them are parts to be summed, as the 2023 release's 860 repeats are: kept.)
REASON_UNREAD_BREAKDOWN = (
    "a part of a breakdown by a column the loader does not read (the same country, year, indicator, dimension, "
    "category, sex, age and unit in several rows told apart by it, one of them written Total there): the total "
    "is kept, the parts rejected so that no one is counted twice"
)
REASON_UNMAPPED = {label: f"{label} not mapped to a country" for label in COUNTRY_DIMENSIONS.values()}
REASON_FOOTNOTE = (
    "a footnote marker follows the cell's text (a figure, a year or a category): read without it (the "
    "footnote's text is not in the table)"
)
#: The other spellings each vocabulary column accepts, as its reject reason names them (an age group's were named
#: for every column: a new Dimension was told that other spellings of an age group are read).
_OTHER_SPELLINGS = {
    "indicator": " and other wordings such as Detected victims of trafficking in persons",
    "dimension": " and other wordings such as by nationality",
    "sex": " and the UN's other names such as Females or Both sexes",
    "age": " and other spellings of an age group such as 0-17 years",
}
#: Reason of a row whose Indicator, Dimension, Sex or Age is none of the publisher's: what would it count?
REASON_VOCABULARY = {
    label: f"not {'an' if label[0] in 'AEIOU' else 'a'} {label} of the GLOTIP vocabulary "
    f"({', '.join(INDICATOR_CATEGORIES[name])}; case, spaces, a footnote marker"
    + _OTHER_SPELLINGS.get(name, "")
    + " aside)"
    for name, label in _LABELS.items()
}
#: How a count's unit of measurement is written, as :func:`_vocabulary_key` compares it (case, spaces and a
#: footnote marker aside): UNODC's ``Counts`` (the one unit of every row of the 2023 release, and the only one the
#: shared publisher notes describe) and its plain equivalents. A row in any other unit (the data portal's
#: ``Rate per 100,000 population``, a share) is no count of persons: **rejected** with :data:`REASON_UNIT`, never
#: added into the counts. An empty or absent unit is read as a count (the GLOTIP table holds counts only).
COUNT_UNITS = ("Counts", "Count", "Number", "Numbers", "Number of persons")
#: The spelling of the count unit in the table, whatever the release wrote.
COUNT_UNIT = "Counts"
REASON_UNIT = (
    "unit of measurement is not a count (Counts, Count or Number, or counting words such as Number of victims): a "
    "figure in another unit (a rate, a share, thousands) is not added into the counts"
)
#: A form of exploitation the publisher's documentation does not name (a later release's ``Forced criminality``):
#: kept as written, and said, since it may overlap a documented one (``Other forms of exploitation``).
REASON_NEW_FORM = (
    "a form of exploitation the documentation does not name (Sexual exploitation, Forced labour, Other forms of "
    "exploitation): kept as written; it may overlap a documented form, such as Other forms of exploitation"
)
REASON_NOTE = "a note, not a data row (text, but no value, year, indicator nor dimension)"
REASON_UNIT_MISSING = "unit of measurement empty: read as a count (the GLOTIP table holds counts only)"
REASON_TOTAL_CATEGORY = (
    "category is the breakdown's own total (TOTAL, Total por año...), not a category: left out so that it is not "
    "counted as one (the Total dimension publishes the total)"
)  # (a provenance note of rows left out, not a reason for rejecting them: no record is lost)

#: "1,541", "1 541" (a space, no-break or thin space between thousands), "1541", "1541.0" (a numeric cell as text)
_COUNT_PATTERN = r"^([0-9]{1,3}(,[0-9]{3})+|[0-9]{1,3}([ \u00a0\u202f\u2009][0-9]{3})+|[0-9]+)(\.0+)?$"
_CENSORED_PATTERN = r"^<\s*([0-9]+)$"
_QUESTIONNAIRE_PATTERN = r"^Q\d+(\.\d+)*(_\w*)?$"
_MISENCODED_PATTERN = "\ufffd|[\u00c2\u00c3][\u0080-\u00bf]|\u00e2\u20ac"  # U+FFFD; "Ã´"; "â€™" (cp1252)
#: A value that names the total, however written: "Total", "TOTAL", "Total por año", "Grand total", "Totales".
_TOTAL_PATTERN = r"(?i)^(grand\s+)?total(e?s)?(\s.*)?$"


@functools.cache
def _known_categories() -> dict[str, tuple[str, str]]:
    """Normalised key -> (kind, correct spelling) of the categories that name no country."""
    from evidence.sources.countries import normalise_country_text

    known = {normalise_country_text(text): (FOREIGN, text) for text in FOREIGN_CATEGORIES}
    known.update({normalise_country_text(text): (UNSPECIFIED, text) for text in UNSPECIFIED_CATEGORIES})
    return known


def _damaged_match(text: str, candidates: dict[str, Any]) -> Any | None:
    """The one candidate (by normalised key) that ``text``, holding U+FFFD, matches when each run of damaged
    characters is read as up to two characters per damaged one (a lost "é" is one U+FFFD, a UTF-8 "é" read
    byte by byte two); None when none or several match, or too little of the text is intact to tell."""
    from evidence.sources.countries import normalise_country_text

    key = normalise_country_text(text)
    if "\ufffd" not in key or len(re.sub("[\ufffd ]", "", key)) < _MIN_INTACT_LETTERS:
        return None
    parts = re.split("\ufffd+", key)
    runs = [len(run) for run in re.findall("\ufffd+", key)]
    pattern = re.compile(
        "".join(
            re.escape(part) + (f".{{0,{2 * runs[i]}}}" if i < len(runs) else "")
            for i, part in enumerate(parts)
        )
    )
    found = [value for known, value in candidates.items() if pattern.fullmatch(known)]
    return found[0] if len(found) == 1 else None


#: A damaged text is matched only when this many of its letters are intact (two damaged letters in "Fr\ufffd\ufffd"
#: could be many things).
_MIN_INTACT_LETTERS = 4


def citizenship_category_kind(text: str | None) -> str | None:
    """:data:`FOREIGN` for a citizenship category meaning foreign nationals without a country
    (:data:`FOREIGN_CATEGORIES`), :data:`UNSPECIFIED` for one meaning an unknown citizenship
    (:data:`UNSPECIFIED_CATEGORIES`), however spelled or mis-encoded; None otherwise (a country, own nationals,
    or text naming nothing known)."""
    found = _known_category(text)
    return found[0] if found else None


def is_misencoded(text: str | None) -> bool:
    """Whether a text is mis-encoded (U+FFFD, or UTF-8 read as Latin-1 / Windows-1252): the test behind
    :data:`REASON_MISENCODED`."""
    return text is not None and re.search(_MISENCODED_PATTERN, text) is not None


def repaired_label(text: str | None) -> str | None:
    """The correct spelling of a mis-encoded category (U+FFFD, or UTF-8 read as Windows-1252) when it is one of
    the known categories that name no country ("Personnes de nationalit\ufffd \ufffdtrang\ufffdre" -> "Personnes
    de nationalité étrangère"); None for text that is not mis-encoded or not known. Never applied to the data:
    for a brief to say what a damaged label reads as."""
    if not is_misencoded(text):
        return None
    found = _known_category(text)
    return found[1] if found else None


def _known_category(text: str | None) -> tuple[str, str] | None:
    from evidence.sources.countries import normalise_country_text

    if text is None:
        return None
    known = _known_categories()
    found = known.get(normalise_country_text(text))
    if found is None and "\ufffd" in text:
        found = _damaged_match(text, known)
    return found


def sniff(head: FileHead) -> str | None:
    """``glotip_xlsx`` for a workbook with the GLOTIP header near the top of any sheet; ``glotip_csv`` for the
    table saved as delimited text."""
    match = _find_header(head.path) if head.tabular else None
    if match is None:
        return None
    return LAYOUT if match.delimiter is None else LAYOUT_CSV


def _find_header(path: Path) -> HeaderMatch | None:
    return find_header(path, _REQUIRED_LABELS, prefer=_preferred)


def _preferred(sheet: str) -> bool:
    return sheet.lower().startswith("data_glotip")


def diagnose(head: FileHead) -> str | None:
    """For a workbook (or text file) with most of the GLOTIP header: which of its required columns it lacks."""
    near = best_partial_header(head.path, [_label(label) for label in HEADER]) if head.tabular else None
    missing = [label for label in (near[2] if near else []) if label in REQUIRED]
    if not near or not missing:
        return None
    sheet, row, _ = near
    where = f"sheet {sheet!r}, row {row}" if sheet else f"line {row}"
    looked_for = "; ".join(" or ".join(repr(one) for one in _label(label)) for label in missing)
    return (
        f"{where} looks like the UNODC GLOTIP header but lacks the columns {missing} (labels looked for: "
        f"{looked_for}; case, spaces and punctuation aside)"
    )


def load(path: str | Path, layout: str = LAYOUT) -> LoadedTable:
    """Read a GLOTIP workbook (every sheet carrying the header: a release split over sheets) or the table saved
    as CSV onto the canonical indicator table, with rejects, flags and provenance."""
    path = Path(path)
    if layout not in (LAYOUT, LAYOUT_CSV):
        raise InputError(f"unknown UNODC layout {layout!r}", path=path)
    matches = find_headers(path, _REQUIRED_LABELS)
    if not matches:
        raise InputError(f"no sheet has the GLOTIP header {list(REQUIRED)}", path=path)
    for match in matches:  # a label in two cells (Year¹ and Year²) is never read by column order
        labels = [_label(label) for label in dict.fromkeys(_LABELS_READ.values())]
        refuse_repeated_labels(path, match.header, labels, match.header_row, match.where)
    matches.sort(key=lambda match: not _preferred(match.sheet))  # its row numbers stay the sheet's own
    frame, notes, left_out, below = _read_sheets(path, matches)
    rows_in = frame.height
    # a record of a text file cut short at its end, or with more fields than the header (a name with an unquoted
    # delimiter shifting every later cell), is rejected as such, its cells never read
    # (and what reading it as UTF-8 text converted, noted after where its header is)
    structural, first = empty_issues(), matches[0]
    if first.delimiter is not None:
        structural, converted = text_checks(path, first.delimiter, first.header_row, frame["source_row"])
        notes[1:1] = converted
    frame = _without_rows(frame, structural)

    parsed = _parse(frame)
    _refuse_other_indicators(parsed, path)
    recoded = (
        parsed.filter(pl.col("iso3").is_not_null() & (pl.col("iso3") != pl.col("reporting_code")))
        .select("reporting_code", "iso3")
        .unique()
        .sort("reporting_code")
    )
    if recoded.height:
        notes.append(
            "codes read through the country reference (the Country cell names the same country): "
            + ", ".join(f"{a} as {b}" for a, b in recoded.iter_rows())
        )
    if dated := int(parsed["year_dated"].sum()):
        notes.append(years_from_dates_note(_LABELS_READ["year_text"], dated))
    release, order_note = _release_reading(matches[0])
    if order_note:
        notes.append(order_note)
    rejects = pl.concat([structural, _rejects(parsed, latest_year=_latest_year(release))])
    kept = _without_rows(parsed, rejects)
    # a note below the table (Source: …, Note: …), rejected as one (or, ending a text file without a line end, as
    # cut short: prose, no code cut short): no data row, left out with a note
    unit = "row" if first.delimiter is None else "line"
    cut = pl.col("reason").str.starts_with("truncated row") & pl.col("text").str.contains(PROSE)
    rejects, noted, note_lines = notes_below(
        below, rejects, unit=unit, is_note=(pl.col("reason") == REASON_NOTE) | cut
    )
    rows_in, left_out = rows_in - noted, left_out + noted
    notes += note_lines
    # a breakdown's own total (TOTAL, Total por año) is no record: the Total dimension publishes it; left out
    # like a blank row or the GSI's regional totals (a release's data then validate whole), named by row (a
    # row rejected for what else it holds stays rejected)
    kept, totals = _without_total_categories(kept)
    if totals:
        rows_in -= len(totals)
        left_out += len(totals)
        notes.append(total_categories_note(totals))
    kept, unmapped_flags = _map_categories(kept)
    kept = _fill_regions(kept).with_columns(_name_disagrees(kept))
    kept, breakdowns = _unread_breakdowns(kept)
    rejects = pl.concat([rejects, breakdowns])
    unmapped_flags = unmapped_flags.join(breakdowns.select("row").unique(), on="row", how="anti")
    flags = pl.concat([_flags(kept), unmapped_flags])

    provenance = describe(
        SOURCE,
        layout,
        release,
        path=str(path),
        sha256=sha256_file(path),
        notes=tuple(notes) + (() if release != "unknown" else ("no release date found above the header",)),
    )
    data = kept.select([pl.col(c).cast(t) for c, t in INDICATOR_SCHEMA.items()]).sort("source_row")
    return LoadedTable(
        data=data,
        provenance=provenance,
        rows_in=rows_in,
        rejects=rejects.sort("row"),
        flags=flags.sort("row"),
        kind="indicator",
        rows_left_out=left_out,
    )


def _without_rows(frame: pl.DataFrame, issues: pl.DataFrame) -> pl.DataFrame:
    """``frame`` less the rows (by ``source_row``) that ``issues`` name, in its order."""
    if issues.is_empty():
        return frame
    return frame.lazy().filter(~pl.col("source_row").is_in(issues.get_column("row").implode())).collect()


#: How many of another table's indicators :func:`_refuse_other_indicators` names.
_OTHER_INDICATORS_SHOWN = 5


def _refuse_other_indicators(parsed: pl.DataFrame, path: Path) -> None:
    """Refuse a file in GLOTIP's layout that holds none of GLOTIP's indicators: the data portal's other
    ``data_*.xlsx`` files (crime statistics: ``Victims of intentional homicide``...) share the layout (and the
    ``VALUE`` label of :data:`ALIASES`), and would otherwise load with every row rejected as "not an Indicator".
    Only when rows write an indicator and not one of them is GLOTIP's: a release with some rows of a new
    indicator loads, those rows rejected (rows in = kept + rejected)."""
    written = parsed.filter(pl.col("indicator").is_not_null())
    if written.is_empty() or written["indicator"].is_in(INDICATOR_CATEGORIES["indicator"]).any():
        return
    distinct = written["indicator_text"].unique(maintain_order=True)
    shown = ", ".join(repr(text[:80]) for text in distinct.head(_OTHER_INDICATORS_SHOWN).to_list())
    more = (
        f" and {distinct.len() - _OTHER_INDICATORS_SHOWN} more"
        if distinct.len() > _OTHER_INDICATORS_SHOWN
        else ""
    )
    raise InputError(
        "the file has the layout of UNODC's data-portal tables but holds none of GLOTIP's indicators "
        f"({', '.join(INDICATOR_CATEGORIES['indicator'])}): its {counted(written.height, 'row')} give "
        f"{distinct.len()} other indicator{'s' if distinct.len() != 1 else ''} ({shown}{more}), so it is "
        "another UNODC data set (crime statistics?), not the trafficking-in-persons country data",
        path=path,
    )


def _read_sheets(path: Path, matches: list[HeaderMatch]) -> tuple[pl.DataFrame, list[str], int, pl.DataFrame]:
    """The data rows of every sheet carrying the header, one after another, a note per sheet, how many rows
    holding nothing were left out, and the rows below each sheet's table holding text in one cell only
    (:func:`~evidence.sources.delimited.text_rows_at_end`: a release split over sheets has a source line below
    each sheet's table, where its rows end, not only below the last).

    The first sheet's rows keep their row numbers; a later sheet's rows are numbered on from the last row
    before them (row numbers name rows in rejects and flags, so no two may share one), as its note says.
    Refused: sheets of different releases, and a sheet whose every row repeats an earlier sheet (a copy or a
    filtered view would count its victims twice).
    """
    release = _release(matches[0])
    frames: list[pl.DataFrame] = []
    below: list[pl.DataFrame] = []
    notes = [matches[0].where]
    next_row = left_out = 0
    for index, match in enumerate(matches):
        raw, first_row = read_sheet(path, match, dtypes="string")
        start = first_row if index == 0 else next_row
        unused = unused_columns(raw, _present(raw).values())
        frame = (
            _select(raw)
            .hstack(_unread(raw, unused, _breakdown_candidates(unused)))
            .with_row_index("source_row", offset=start)
            .cast({"source_row": pl.Int64})
        )
        if unused:
            notes.extend(f"{match.where}: {note}" for note in columns_not_used_note(unused))
        next_row = start + raw.height
        if match.delimiter is not None:  # a table pasted part by part: its header again above each part
            frame, parts, part_notes = _without_repeated_headers(raw, frame, match, start)
            left_out += parts
            notes.extend(part_notes)
        # Rows holding nothing (formatting left below the table, a cleared row among the rows, a blank line) are
        # not data rows: left out, counted and named by row (text in a column not read only: a note, rejected)
        # (a row with text beyond the header's last field holds something: rejected for its fields)
        keep = (
            () if match.delimiter is None else lines_with_text_beyond(path, match.delimiter, match.header_row)
        )
        exclude = ("source_row", *_UNREAD[1:])
        # (asked only when a row may hold nothing: the cells read are stripped, empty text null, and what the
        # columns not read hold is null, "" or "label: text", so such a row has every cell null or "")
        maybe_empty = pl.all_horizontal(
            pl.col(c).is_null() | (pl.col(c) == "") for c in frame.columns if c not in exclude
        )
        if frame.select(maybe_empty.any()).item():
            frame, empty_rows, empty_notes = without_empty_records(
                frame, unit="row" if match.delimiter is None else "line", exclude=exclude, keep=keep
            )
        else:
            empty_rows, empty_notes = np.zeros(0, dtype=np.int64), []
        left_out += int(empty_rows.size)
        notes.extend(f"{match.where}: {note}" if index else note for note in empty_notes)
        # A copy or filtered view is told first, whatever the rows above its header say: a copied sheet often
        # lacks the release-date row, and "two releases" would then misname what the sheet is.
        if index and frame.height:
            earlier = pl.concat(frames).drop("source_row", *_UNREAD).unique()
            if (
                not frame.drop("source_row", *_UNREAD)
                .join(earlier, on=earlier.columns, how="anti", nulls_equal=True)
                .height
            ):
                raise InputError(
                    f"every row of sheet {match.sheet!r} repeats a row of "
                    f"{', '.join(repr(m.sheet) for m in matches[:index])}: a copy or a filtered view of the "
                    "data would count its victims twice",
                    path=path,
                    hint="remove the copied sheet, or save the sheet to read as its own file",
                )
        other = _release(match)
        if other != release:
            raise InputError(
                f"sheets {matches[0].sheet!r} (release {release}) and {match.sheet!r} (release {other}) both "
                "hold GLOTIP data: two releases in one workbook",
                path=path,
                hint="save each release as its own file",
            )
        if index and frame.height:
            notes.append(
                f"{match.where}: read too (the data continue there); its rows {first_row:,}–"
                f"{first_row + raw.height - 1:,} are numbered {start:,}–{next_row - 1:,} here"
            )
        frames.append(frame)
        below.append(
            text_rows_at_end(frame, exclude=("source_row", "_unread", "_unread_column", "_unread_parts"))
        )
    return pl.concat(frames), notes, left_out, pl.concat(below)


def _without_repeated_headers(
    raw: pl.DataFrame, frame: pl.DataFrame, match: HeaderMatch, start: int
) -> tuple[pl.DataFrame, int, list[str]]:
    """``frame`` (read from a text file's ``raw`` cells) without the rows repeating the header and the title lines
    after a blank line above them (:func:`~evidence.sources.typed_tables.repeated_headers`), how many those are,
    and the notes naming them (their cells were rejected as no code, no indicator...)."""
    written = ["" if cell is None else str(cell) for cell in match.header]
    header = written if len(written) == raw.width else raw.columns
    numbered = raw.with_row_index("source_row", offset=start).cast({"source_row": pl.Int64})
    repeated, titles, notes = repeated_headers(numbered, header)
    gone = repeated | titles
    if not gone.any():
        return frame, 0, []
    return frame.filter(pl.Series(~gone)), int(gone.sum()), notes


#: The columns :func:`_unread` adds: what the columns the loader does not read hold, and what each column that may
#: break a key's rows down holds (the parts :func:`_unread_breakdowns` tells a breakdown's total by).
_UNREAD = ("_unread", "_unread_column", "_unread_value", "_unread_parts")
#: ``_unread_parts``: for each column that may break rows down, its label and the row's text there.
_PARTS_TYPE = pl.List(pl.Struct({"column": pl.String, "text": pl.String}))


def _breakdown_candidates(unused: list[str]) -> list[str]:
    """The columns not read that may break a key's rows down: all but another label of the value (``VALUE``
    beside the ``txtVALUE`` read, as UNODC's other portal files publish a figure as a number too), which tells
    repeated rows apart by their figures only and writes no ``Total``."""
    figures = set(label_keys(_label("txtVALUE")))
    return [c for c in unused if header_cell_key(c) not in figures]


def _unread(raw: pl.DataFrame, unused: list[str], candidates: list[str]) -> pl.DataFrame:
    """What a row holds in the columns the loader does not read (``unused``): all of it as one text (``_unread``,
    for a row holding nothing else), the first such column written (else the first) and its text, and each of
    the ``candidates`` (the columns that may break rows down) with its text (``_unread_parts``)."""
    texts = {c: pl.col(c).cast(pl.String).str.strip_chars().replace("", None) for c in unused}
    parts = (
        pl.concat_list(pl.struct(pl.lit(c).alias("column"), texts[c].alias("text")) for c in candidates)
        if candidates
        else pl.lit([], dtype=_PARTS_TYPE)
    ).alias("_unread_parts")
    if not unused:
        return raw.select(
            *(pl.lit(None, pl.String).alias(name) for name in _UNREAD[:3]),
            pl.repeat([], raw.height, dtype=_PARTS_TYPE).alias("_unread_parts"),
        )
    return raw.select(
        pl.concat_str(
            [pl.lit(f"{c}: ") + text for c, text in texts.items()], separator="; ", ignore_nulls=True
        ).alias("_unread"),
        pl.coalesce(
            *(pl.when(text.is_not_null()).then(pl.lit(c)) for c, text in texts.items()), pl.lit(unused[0])
        ).alias("_unread_column"),
        pl.coalesce(texts.values()).alias("_unread_value"),
        parts.cast(_PARTS_TYPE),
    )


def _is_total(text: pl.Expr) -> pl.Expr:
    """Whether a cell of a column the loader does not read says its row is a total (``Total``, ``All areas``)."""
    return text.str.contains(_TOTAL_PATTERN) | text.str.contains(r"(?i)^all(\s.*)?$")


#: Canonical column <- the publisher's column, for every column read.
_LABELS_READ = {**_COLUMNS, "year_text": "Year", "value_text": "txtVALUE"}


def _present(raw: pl.DataFrame) -> dict[str, str]:
    """Canonical name -> the sheet's column, for the columns of :data:`_LABELS_READ` the sheet has."""
    present = {}
    for name, label in _LABELS_READ.items():
        try:
            present[name] = column_for(raw, _label(label))
        except KeyError:  # an optional column this release lacks
            continue
    return present


def _select(raw: pl.DataFrame) -> pl.DataFrame:
    """The publisher's columns under canonical names, text stripped, empty text as null."""
    labels = _LABELS_READ
    present = _present(raw)
    # stripped once, then emptied: one pass over each column's text
    stripped = raw.select(
        [pl.col(column).cast(pl.String).str.strip_chars().alias(name) for name, column in present.items()]
    )
    return stripped.select(
        [
            pl.when(pl.col(name) != "").then(pl.col(name)).alias(name)
            if name in present
            else pl.lit(None, pl.String).alias(name)
            for name in labels
        ]
    )


def _count_columns(written: pl.Expr) -> list[pl.Expr]:
    """value, value_low, value_high, censored, value_problem (the reject reason; null for a count) and
    value_footnote (a footnote marker followed the value)."""
    footnote = written.str.contains(FOOTNOTE_MARKER)
    text = written.str.replace(FOOTNOTE_MARKER, "")
    censored_bound = text.str.extract(_CENSORED_PATTERN, 1).cast(pl.Float64)
    censored = censored_bound.is_not_null() & (censored_bound >= 2)
    exact = pl.when(text.str.contains(_COUNT_PATTERN)).then(
        text.str.replace(r"\.0+$", "").str.replace_all(r"[,\s]", "").cast(pl.Float64, strict=False)
    )
    problem = (
        pl.when(text.is_null())
        .then(pl.lit(REASON_VALUE_MISSING))
        .when(not_available(text))
        .then(pl.lit(REASON_VALUE_NOT_AVAILABLE))
        .when(censored)
        .then(None)
        .when(exact.is_null())
        .then(pl.lit(REASON_VALUE_NOT_COUNT))
        .when(exact > PLAUSIBLE_MAX_COUNT)
        .then(pl.lit(REASON_VALUE_IMPLAUSIBLE))
    )
    ok = problem.is_null()
    return [
        pl.when(ok).then(exact).alias("value"),
        pl.when(ok).then(pl.when(censored).then(1.0).otherwise(exact)).alias("value_low"),
        pl.when(ok).then(pl.when(censored).then(censored_bound - 1).otherwise(exact)).alias("value_high"),
        (ok & censored).alias("censored"),
        problem.alias("value_problem"),
        (ok & footnote).alias("value_footnote"),
    ]


def parse_counts(text: pl.Series) -> pl.DataFrame:
    """UNODC value texts as intervals: ``value``, ``value_low``, ``value_high``, ``censored``, ``value_problem``
    (why the text is not a count, else null; the other columns are then null) and ``value_footnote`` (a count
    written with a footnote marker, ``1541*``)."""
    return (
        pl.LazyFrame({"value_text": text.cast(pl.String).str.strip_chars()})
        .select(pl.col("value_text"), *_value_columns())
        .collect()
    )


def _recoded_codes(frame: pl.DataFrame) -> pl.DataFrame:
    """reporting_code, country, ``_recoded``: the reference's ISO3 of each three-letter code it does not know as
    such but under another code (``countries.current_code``: ``KOS`` is ``XKX``), where the row's Country names that
    country too (a code read alone could be an aggregate's that happens to match); and of each empty code whose
    Country names one country of the reference (flagged: :data:`REASON_CODE_FROM_NAME`)."""
    from evidence.sources.countries import current_code, to_iso3

    pairs = (
        frame.select("reporting_code", "country")
        .unique()
        .filter(
            (
                pl.col("reporting_code").is_null()
                | (
                    pl.col("reporting_code").str.contains(r"^[A-Z]{3}$")
                    & ~pl.col("reporting_code").is_in(_country_codes())
                )
            )
            & pl.col("country").is_not_null()
        )
    )
    known = set(_country_codes())
    found = [
        (code, country, iso3)
        for code, country in pairs.iter_rows()
        if (iso3 := to_iso3(country) if code is None else current_code(code)) in known
        and (code is None or to_iso3(country) == iso3)
    ]
    return pl.DataFrame(
        found, schema={"reporting_code": pl.String, "country": pl.String, "_recoded": pl.String}, orient="row"
    )


@functools.cache
def _country_codes() -> list[str]:
    """The ISO3 codes of the country reference."""
    from evidence.sources.countries import country_table

    return country_table()["iso3"].to_list()


def _per_value(
    frame: pl.DataFrame, keys: list[str], columns: list[pl.Expr], *, optimised: bool = False
) -> pl.DataFrame:
    """``frame`` with ``columns`` added (or replaced), each computed once per distinct value of the ``keys``
    columns and looked up for every row. The expressions must read the ``keys`` columns only, row by row (a
    pattern matched, a spelling looked up), so that a row's result is its value's. A release repeats few texts (5
    indicators, 437 categories and 1,250 value texts in the 2023 release's 46,556 rows): matching each text
    once, not each row, is most of what loading it takes. ``optimised``: evaluated with polars' query
    optimisations (a sub-expression repeated in several columns, as in :func:`_count_columns`, computed once)."""
    if frame.height < _PER_VALUE_ROWS:  # a small table: matching every row costs less than looking values up
        return frame.lazy().with_columns(columns).collect() if optimised else frame.with_columns(columns)
    distinct = frame.select(keys).unique()
    names = [expr.meta.output_name() for expr in columns]
    computed = (
        distinct.lazy().with_columns(columns).select(names).collect()
        if optimised
        else distinct.with_columns(columns).select(names)
    )
    return _looked_up(frame, distinct, computed)


#: Tables of fewer rows are parsed row by row (:func:`_per_value`).
_PER_VALUE_ROWS = 2_000


def _looked_up(frame: pl.DataFrame, distinct: pl.DataFrame, values: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the columns of ``values`` added (or replaced): for each row, the row of ``values`` beside
    the row of ``distinct`` (distinct values of some of ``frame``'s columns) holding its values (null equal to
    null). Only those columns are joined: the frame's others are not copied."""
    keys = distinct.columns
    table = distinct.hstack([series.alias(f"_value{i}") for i, series in enumerate(values.get_columns())])
    found = frame.select(keys).join(table, on=keys, how="left", nulls_equal=True, maintain_order="left")
    return frame.with_columns(
        found.get_column(f"_value{i}").alias(name) for i, name in enumerate(values.columns)
    )


def _parse(frame: pl.DataFrame) -> pl.DataFrame:
    """Values as intervals, the year as an integer, the reporting code split into iso3 (countries only).

    Every column is parsed once per distinct text (:func:`_per_value`)."""
    # a code is a code however cased ("tha" is Thailand, not an aggregate)
    code = pl.col("reporting_code")
    frame = frame.with_columns(
        pl.when(code.str.contains(r"^[A-Za-z]{3}$"))
        .then(code.str.to_uppercase())
        .otherwise(code)
        .alias("reporting_code")
    )
    frame = frame.with_columns(
        pl.col("unit").alias("unit_text"), *(pl.col(c).alias(f"{c}_text") for c in _VOCABULARY)
    )
    # (the columns of few distinct texts parsed together: 550 distinct rows of them in the 2023 release)
    frame = _per_value(
        frame,
        ["unit", *_VOCABULARY, "year_text"],
        list(_unit_vocabulary_year_columns()),
        # evaluated as written: what the query optimiser would share here (a unit's key, the year) costs less
        # than planning it, on the 550 distinct rows of the 2023 release (4.3 against 5.2 ms) as on a file of a
        # few rows (1.9 against 4.5 ms); the value texts' columns (below) share more and are optimised
    )
    frame = frame.with_columns(pl.col("category").alias("category_text"))
    frame = _per_value(frame, ["dimension", "category"], list(_category_columns()))
    frame = _per_value(frame, ["value_text"], list(_value_columns()), optimised=True)
    # a code of the country reference: an aggregate's code (CAR, SAM, EEU) is none, whether or not a release
    # writes the aggregate's name in Country (the 2023 release leaves it empty); a code the reference knows under
    # another (KOS for XKX, ISO's withdrawn ROM for ROU) is that country's when the Country cell names it too
    pairs = frame.select("reporting_code", "country").unique()
    codes = pairs.join(
        _recoded_codes(pairs), on=["reporting_code", "country"], how="left", nulls_equal=True
    ).select("reporting_code", "country", pl.coalesce("_recoded", "reporting_code").alias("_code"))
    is_country = (
        pl.col("country").is_not_null()
        & pl.col("_code").str.contains(r"^[A-Z]{3}$")
        & pl.col("_code").is_in(_country_codes())
    )
    codes = codes.select(
        "reporting_code",
        "country",
        pl.when(is_country).then(pl.col("_code")).alias("iso3"),
        is_country.fill_null(False).alias("is_country"),
    )
    keys = ["reporting_code", "country"]
    return _looked_up(frame, codes.select(keys), codes.drop(keys))


# (the expressions :func:`_parse` evaluates, built once: building them anew, with the vocabularies turned into
# lookup series each time, took a sixth of loading a file of a few rows)
@functools.cache
def _unit_vocabulary_year_columns() -> tuple[pl.Expr, ...]:
    """Whether the unit is a count and its spelling, each vocabulary column's footnote marker and publisher's
    spelling, the year and its footnote marker: each a function of its row's unit, vocabulary and year texts."""
    unit_key = _vocabulary_key(pl.col("unit"))
    count_unit = (
        pl.col("unit").is_null()
        | unit_key.is_in(_COUNT_UNIT_KEYS)
        | (unit_key.str.contains(_COUNT_UNIT_PATTERN) & ~unit_key.str.contains(_NOT_A_COUNT_PATTERN))
    )
    # a footnote marker after the year (2019*) is read past and flagged, as after a value; a date cell of 1 January
    # is its year (workbook.YEAR_AS_DATE: a Year column of dates shown by a year-only format), said in a note
    number = (
        pl.col("year_text").str.replace(FOOTNOTE_MARKER, "").str.strip_chars().cast(pl.Float64, strict=False)
    )
    dated = number.is_null() & year_of_date(pl.col("year_text")).is_not_null()
    year = pl.when(dated).then(year_of_date(pl.col("year_text"))).otherwise(number)
    year_ok = (year == year.round()) & year.is_between(1900, 2100)
    return (
        count_unit.alias("count_unit"),
        # an empty or absent unit is a count too, spelled so: the same figure with and without "Counts" repeats
        pl.when(count_unit).then(pl.lit(COUNT_UNIT)).otherwise("unit").alias("unit"),
        *(
            pl.col(c).str.contains(FOOTNOTE_MARKER).fill_null(False).alias(f"{c}_footnote")
            for c in _VOCABULARY
        ),
        *(_canonical(c).alias(c) for c in _VOCABULARY),
        pl.when(year_ok).then(year).cast(pl.Int16).alias("year"),
        (year_ok & pl.col("year_text").str.contains(FOOTNOTE_MARKER)).fill_null(False).alias("year_footnote"),
        (year_ok & dated).fill_null(False).alias("year_dated"),
    )


@functools.cache
def _category_columns() -> tuple[pl.Expr, ...]:
    """The category as spelled in the table and whether a footnote marker followed a documented form: each a
    function of its row's dimension and category."""
    # the category of the Total dimension is spelled "Total"; a breakdown's total row keeps its text (rejected)
    # a documented form of exploitation is spelled as published however cased, spaced or footnoted
    total = pl.lit("Total")
    is_form = pl.col("dimension") == FORM_DIMENSION  # the dimension is the publisher's spelling already
    known_form = _vocabulary_key(pl.col("category")).replace_strict(
        _FORM_KEYS, default=None, return_dtype=pl.String
    )
    return (
        pl.when((pl.col("dimension") == total) & pl.col("category").str.contains(_TOTAL_PATTERN))
        .then(total)
        .when(is_form & known_form.is_not_null())
        .then(known_form)
        .otherwise(pl.col("category"))
        .alias("category"),
        (is_form & known_form.is_not_null() & pl.col("category").str.contains(FOOTNOTE_MARKER))
        .fill_null(False)
        .alias("category_footnote"),
    )


@functools.cache
def _value_columns() -> tuple[pl.Expr, ...]:
    """:func:`_count_columns` of the value texts."""
    return tuple(_count_columns(pl.col("value_text")))


#: Other spellings of the two age groups, as :func:`_vocabulary_key` makes them (lower case, a dash as ``-`` with no
#: space around it, no space before ``+``): the same category written as UN tables and later releases write it
#: (``0-17 years``, ``Under 18``, ``18+ years``, ``18 or over``). An explicit list, not a fuzzy match: ``Adults``,
#: ``Children`` or ``Over 18`` (which leaves out 18-year-olds) stay outside the vocabulary and are rejected.
AGE_EQUIVALENTS = {
    "0 to 17 years": (
        "0-17",
        "0-17 years",
        "0-17 years old",
        "0 to 17",
        "0 to 17 years old",
        "under 18",
        "under 18 years",
        "below 18",
        "below 18 years",
        "less than 18",
        "less than 18 years",
        "younger than 18",
        "<18",
        "< 18",
        "<18 years",
        "< 18 years",
    ),
    "18 years or over": (
        "18+",
        "18+ years",
        "18 or over",
        "18 and over",
        "18 years and over",
        "18 or older",
        "18 and older",
        "18 years or older",
        "18 years and older",
        "18 or more",
        "18 years or more",
        ">=18",
        ">= 18",
        "18 years old or over",
        "18 years and above",
        "18 and above",
    ),
}

#: Other names of a Sex (as :func:`_vocabulary_key` makes them): the plural and "Both sexes" of UN statistical tables.
#: An explicit list, never a fuzzy match: ``Women`` or ``Girls`` names an age group too (Female counts every age),
#: ``Both`` names nothing: they stay outside the vocabulary, rejected.
SEX_EQUIVALENTS = {"Female": ("females",), "Male": ("males",), "Total": ("both sexes",)}

_COUNT_UNIT_KEYS = [" ".join(unit.split()).lower() for unit in COUNT_UNITS]
#: A unit named by counting words, as :func:`_vocabulary_key` writes it: ``number of victims``, ``count of
#: persons``, ``counts (persons)``, ``persons``, ``victims``, ``cases``: a count of what it names...
_COUNT_UNIT_PATTERN = (
    r"^(counts?|numbers?|persons?|people|victims?|cases?|offen[cs]es?)"
    r"( (of|in) [\w ]+)?( \([\w ]+\))?$"
)
#: ... unless it names a rate, a share or a multiplier (``per 100,000``, ``%``, ``thousands``, ``'000``).
_NOT_A_COUNT_PATTERN = r"\b(per|rate|rates|ratio|share|proportion|percent|percentage|thousands?|millions?|hundreds?)\b|%|'000|000s?\b"

#: The Dimension whose Category names a form of exploitation, and the forms the publisher documents
#: (``unodc-glotip-format.md``: every form-of-exploitation row of the 2023 release is one of them).
FORM_DIMENSION = "by form of exploitation"
FORMS = ("Sexual exploitation", "Forced labour", "Other forms of exploitation")
#: Other spellings of a documented form (as :func:`_vocabulary_key` makes them): an explicit list, never a fuzzy
#: match (``Other``, ``Other forms`` or ``Mixed forms`` may not be the same thing: kept as written and flagged).
FORM_EQUIVALENTS = {"Forced labour": ("forced labor",)}
_FORM_KEYS = {
    **{" ".join(form.split()).lower(): form for form in FORMS},
    **{spelling: form for form, spellings in FORM_EQUIVALENTS.items() for spelling in spellings},
}

#: The publisher's spelling of each Indicator, Dimension, Sex and Age value, by its :func:`_vocabulary_key`.
_VOCABULARY = {
    name: {" ".join(value.split()).lower(): value for value in INDICATOR_CATEGORIES[name]}
    for name in ("indicator", "dimension", "sex", "age")
}
_VOCABULARY["age"].update(
    {spelling: value for value, spellings in AGE_EQUIVALENTS.items() for spelling in spellings}
)
_VOCABULARY["sex"].update(
    {spelling: value for value, spellings in SEX_EQUIVALENTS.items() for spelling in spellings}
)

#: Other wordings of the indicators, as :func:`_vocabulary_key` makes them: UNODC's reports and crime statistics
#: (CTS) word them so (``Persons brought into formal contact with the police and/or criminal justice system``). An
#: explicit list, never a fuzzy match: ``Victims``, ``Persons`` or ``Persons arrested`` stay outside the vocabulary.
INDICATOR_EQUIVALENTS = {
    "Detected trafficking victims": (
        "detected victims",
        "detected victims of trafficking",
        "detected victims of trafficking in persons",
        "detected trafficking in persons victims",
        "victims of trafficking detected",
        "victims of trafficking in persons detected",
        "trafficking victims detected",
        "number of detected victims",
        "number of detected victims of trafficking in persons",
    ),
    "Persons convicted": (
        "persons convicted of trafficking",
        "persons convicted of trafficking in persons",
        "convicted persons",
        "number of persons convicted",
    ),
    "Persons prosecuted": (
        "persons prosecuted for trafficking",
        "persons prosecuted for trafficking in persons",
        "prosecuted persons",
        "number of persons prosecuted",
    ),
    "Persons brought into formal contact": (
        "persons brought into formal contact with the police",
        "persons brought into formal contact with the police and/or criminal justice system",
        "persons brought into formal contact with the police and/or the criminal justice system",
        "persons brought into formal contact with the criminal justice system",
        "number of persons brought into formal contact",
    ),
    "Offences of trafficking in persons": (
        "offenses of trafficking in persons",
        "trafficking in persons offences",
        "trafficking in persons offenses",
        "offences of trafficking",
        "number of offences of trafficking in persons",
    ),
}
#: Other wordings of the dimensions (as :func:`_vocabulary_key` makes them), an explicit list as above.
DIMENSION_EQUIVALENTS = {
    "by citizenship": ("by nationality", "by country of citizenship", "by citizenship of victims"),
    "by form of exploitation": (
        "by forms of exploitation",
        "by type of exploitation",
        "by types of exploitation",
        "by exploitation type",
        "by form of exploitation of victims",
    ),
    "by country of repatriation": ("by country of repatriation of victims",),
}
_VOCABULARY["dimension"].update(
    {spelling: value for value, spellings in DIMENSION_EQUIVALENTS.items() for spelling in spellings}
)
_VOCABULARY["indicator"].update(
    {spelling: value for value, spellings in INDICATOR_EQUIVALENTS.items() for spelling in spellings}
)


def _vocabulary_key(text: pl.Expr) -> pl.Expr:
    """A value as it is matched against the vocabulary: lower case, runs of spaces (no-break ones too) as one,
    no space around it, no footnote marker after it, a dash as ``-`` without spaces around it, no space before
    ``+``."""
    return (
        text.str.replace_all(r"\s+", " ")
        .str.replace(FOOTNOTE_MARKER, "")
        .str.replace_all(r" ?[-\u2010-\u2015] ?", "-")
        .str.replace_all(r" \+", "+")
        .str.strip_chars()
        .str.to_lowercase()
    )


def _canonical(column: str) -> pl.Expr:
    """The publisher's spelling of ``column``'s value however it is cased, spaced or footnoted; "Total" for any
    spelling of the total (Dimension, Sex, Age: ``TOTAL``, ``Total por año``); otherwise the text unchanged
    (rejected by :func:`_rejects` as no value of the vocabulary)."""
    text = pl.col(column)
    known = _vocabulary_key(text).replace_strict(_VOCABULARY[column], default=None, return_dtype=pl.String)
    if column != "indicator":
        total = text.str.contains(_TOTAL_PATTERN)
        if column in _ALL_OF:  # the UN's own words for the total of a sex or age breakdown
            total = total | _vocabulary_key(text).is_in(list(_ALL_OF[column]))
        known = pl.coalesce(known, pl.when(total).then(pl.lit("Total")))
    return pl.coalesce(known, text)


#: How UN tables also write the total of the sexes and of the ages ("Both sexes", "All ages"), as vocabulary keys.
_ALL_OF = {"sex": ("both sexes", "all sexes"), "age": ("all ages",)}


def _latest_year(release: str) -> int:
    """The last year a release can hold figures for: its own year; today's for a release that is not dated."""
    return int(release[:4]) if release[:4].isdigit() else dt.date.today().year


#: Columns in which the text of a note row is looked for (a note below the table sits in any one of them), in the
#: header's order: the publisher's label and the column of the parsed frame holding the text as written.
_NOTE_COLUMNS = (
    ("Iso3_code", "reporting_code"),
    ("Country", "country"),
    ("Region", "region"),
    ("Subregion", "subregion"),
    ("Category", "category"),
    ("Sex", "sex_text"),
    ("Age", "age_text"),
    ("Unit of measurement", "unit_text"),
    ("Source", "source_note"),
)


def _note_checks() -> tuple[pl.Expr, list[Any]]:
    """Whether a row is a note (text, but no value, year, indicator nor dimension: ``Note: <5 indicates...``
    below the table), and the check listing each note once, under the first column holding its text."""
    key_cells = ("value_text", "year_text", "indicator_text", "dimension_text")
    is_note = pl.all_horizontal(pl.col(c).is_null() for c in key_cells)
    checks = []
    earlier: list[str] = []
    for label, column in _NOTE_COLUMNS:
        first = is_note & pl.col(column).is_not_null()
        for other in earlier:
            first = first & pl.col(other).is_null()
        checks.append((label, column, first, REASON_NOTE))
        earlier.append(column)
    return is_note, checks


def _rejects(parsed: pl.DataFrame, *, latest_year: int) -> pl.DataFrame:
    """One issue per reason per rejected row (a note row: one issue, showing its text; a note written in a
    column the loader does not read only is named under that column)."""
    is_note, checks = _reject_checks(latest_year)
    checked = parsed.with_columns(is_note.alias("is_note"))
    issues = issues_where(checked, checks)
    elsewhere = pl.col("is_note") & pl.all_horizontal(pl.col(c).is_null() for _, c in _NOTE_COLUMNS)
    unread_notes = checked.filter(elsewhere & pl.col("_unread").is_not_null()).select(
        row=pl.col("source_row"),
        column=pl.col("_unread_column"),
        value=pl.col("_unread_value"),
        reason=pl.lit(REASON_NOTE),
    )
    return pl.concat([issues, issues_frame(unread_notes)]).sort("row", maintain_order=True)


@functools.cache
def _reject_checks(latest_year: int) -> tuple[pl.Expr, tuple[Any, ...]]:
    """Whether a row is a note, and the checks of :func:`_rejects` (built once per latest year): each note once,
    a data row for each of its problems."""
    is_note, note_checks = _note_checks()
    data_row_checks = (
        (label, column, ~pl.col("is_note") & condition, reason)
        for label, column, condition, reason in _data_row_checks(latest_year)
    )
    return is_note, (*note_checks, *data_row_checks)


def _data_row_checks(latest_year: int) -> list[Any]:
    return [
        # a figure in another unit is rejected for its unit only (that it is no whole number is no news)
        ("Unit of measurement", "unit_text", ~pl.col("count_unit"), REASON_UNIT),
        (
            "txtVALUE",
            "value_text",
            pl.col("count_unit") & pl.col("value_problem").is_not_null(),
            pl.col("value_problem"),
        ),
        ("Year", "year_text", pl.col("year").is_null(), REASON_YEAR),
        ("Year", "year_text", pl.col("year") > latest_year, REASON_YEAR_AFTER_RELEASE),
        ("Indicator", "indicator", pl.col("indicator").is_null(), REASON_KEY_MISSING),
        ("Dimension", "dimension", pl.col("dimension").is_null(), REASON_KEY_MISSING),
        *(
            (
                label,
                f"{name}_text",
                pl.col(name).is_not_null() & ~pl.col(name).is_in(INDICATOR_CATEGORIES[name]),
                REASON_VOCABULARY[label],
            )
            for name, label in _LABELS.items()
        ),
    ]


#: How many rows of a breakdown's own total :func:`total_categories_note` names.
_TOTALS_NAMED = 10


def _without_total_categories(parsed: pl.DataFrame) -> tuple[pl.DataFrame, list[tuple[int, str]]]:
    """The parsed rows without those whose category is their breakdown's own total ("TOTAL 397" among
    Bolivia's citizenships in 2017: counted as a category, it made the breakdown sum to twice its total), and
    (row, category) of each of those."""
    # (a note below the table has no dimension: never a total)
    total = ((pl.col("dimension") != "Total") & pl.col("category").str.contains(_TOTAL_PATTERN)).fill_null(
        False
    )
    found = parsed.select(total.alias("total"))["total"]
    if not found.any():
        return parsed, []
    totals = parsed.filter(found).select("source_row", "category")
    return parsed.filter(~found), [(int(r), str(c)) for r, c in totals.iter_rows()]


def total_categories_note(totals: list[tuple[int, str]]) -> str:
    """The provenance note naming the rows left out as a breakdown's own total."""
    named = ", ".join(f"row {row:,} ({category!r})" for row, category in totals[:_TOTALS_NAMED])
    more = f" and {len(totals) - _TOTALS_NAMED:,} more" if len(totals) > _TOTALS_NAMED else ""
    return f"{len(totals):,} row(s) left out, not records: {REASON_TOTAL_CATEGORY} — {named}{more}"


def _flags(kept: pl.DataFrame) -> pl.DataFrame:
    checks, misencoded, suspect, duplicate = _flag_checks()
    # each column searched for mis-encoded text in the rows holding some, found by one search of their cells
    # joined by line ends (no mis-encoding includes one, so none is found across two cells)
    # (issues listed by row, each row's in the order of the checks, as one issues_where of them all lists them)
    # (the repeats told once: a check is evaluated twice, to know whether it holds anywhere and to filter)
    repeats = kept.with_columns(duplicate.alias("_repeat"))
    found = [
        issues_where(kept, checks),
        issues_where(kept.filter(suspect), misencoded),
        issues_where(repeats, [("Category", "category", pl.col("_repeat"), REASON_DUPLICATE)]),
    ]
    return pl.concat(found).sort("row", maintain_order=True)


@functools.cache
def _flag_checks() -> tuple[tuple[Any, ...], tuple[Any, ...], pl.Expr, pl.Expr]:
    """The checks of :func:`_flags` (built once): the flags of a kept row, the mis-encoded text of each column, the
    rows holding some, and whether a row repeats another's key."""
    checks = (
        ("txtVALUE", "value_text", pl.col("value_footnote"), REASON_FOOTNOTE),
        ("Year", "year_text", pl.col("year_footnote"), REASON_FOOTNOTE),
        # an empty unit in a release that writes units elsewhere: read as a count, and said
        (
            "Unit of measurement",
            "unit_text",
            pl.col("unit_text").is_null() & pl.col("unit_text").is_not_null().any(),
            REASON_UNIT_MISSING,
        ),
        *(
            (label, f"{name}_text", pl.col(f"{name}_footnote"), REASON_FOOTNOTE)
            for name, label in _LABELS.items()
        ),
        (
            "Category",
            "category",
            pl.col("category").str.contains(_QUESTIONNAIRE_PATTERN),
            REASON_QUESTIONNAIRE_CODE,
        ),
        ("Category", "category_text", pl.col("category_footnote"), REASON_FOOTNOTE),
        (
            "Category",
            "category",
            (pl.col("dimension") == FORM_DIMENSION)
            & pl.col("category").is_not_null()
            & ~pl.col("category").is_in(FORMS)
            & ~pl.col("category").str.contains(_QUESTIONNAIRE_PATTERN),
            REASON_NEW_FORM,
        ),
        ("Iso3_code", "reporting_code", ~pl.col("is_country"), REASON_AGGREGATE),
        (
            "Country",
            "country",
            pl.col("reporting_code").is_null() & pl.col("iso3").is_not_null(),
            REASON_CODE_FROM_NAME,
        ),
        ("Country", "country", pl.col("name_disagrees"), REASON_NAME_DISAGREES),
        (
            "Category",
            "category",
            pl.col("category").is_null() & (pl.col("dimension") != "Total"),
            REASON_CATEGORY_MISSING,
        ),
    )
    misencoded = tuple(
        (label, column, pl.col(column).str.contains(_MISENCODED_PATTERN), REASON_MISENCODED)
        for column, label in _COLUMNS.items()
    )
    suspect = pl.concat_str(list(_COLUMNS), separator="\n", ignore_nulls=True).str.contains(
        _MISENCODED_PATTERN
    )
    return checks, misencoded, suspect, pl.struct(_KEY).is_duplicated()


_KEY = ["reporting_code", "year", "indicator", "dimension", "category", "sex", "age", "unit"]


def _unread_breakdowns(kept: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The kept rows less the parts of a breakdown by a column the loader does not read whose total is among
    them, and those parts as rejects (:data:`REASON_UNREAD_BREAKDOWN`). Rows repeating a key with no total among
    them stay (parts to be summed; flagged as repeats by :func:`_flags`).

    Only the columns breaking a key's rows down say which is their total: those telling the rows apart with a
    ``Total`` (or ``All``) in one of them; the total is the row whose such columns are each a total or empty, one
    at least a total. A column written alike in all of them (``Total`` in every row of a release's new column)
    tells none apart, and one telling them apart without a total (a footnote, a second figure) breaks none down:
    neither makes a row a total or keeps one from being it. A column a sheet lacks is empty in its rows."""
    # only rows repeating another's key can be a breakdown's parts: the rest are left alone (a release's 46,554
    # rows, 860 of them repeats, are grouped by their key once, not windowed over by it for every column)
    if not kept.select(pl.col("_unread_parts").list.len().max()).item():
        return kept, empty_issues()  # no column that may break rows down (every release so far)
    repeated = kept.filter(pl.struct(_KEY).is_duplicated())
    parts = (
        repeated.select("source_row", "_unread_parts")
        .explode("_unread_parts")
        .unnest("_unread_parts")
        .filter(pl.col("column").is_not_null())
    )
    if not parts.height or parts.select(pl.col("text").n_unique().over("column").max()).item() < 2:
        return kept, empty_issues()  # no column that may break rows down, or none telling two rows apart
    groups = (
        repeated.group_by(_KEY)
        .agg("source_row", pl.len().alias("size"))
        .with_row_index("group")
        .explode("source_row")
        .select("source_row", "group", "size")
    )
    parts = parts.join(groups, on="source_row", how="left")
    by_column = ["group", "column"]
    # a column tells the key's rows apart when they hold two texts there (a row of a sheet lacking it: empty)
    tells = (pl.col("text").n_unique().over(by_column) > 1) | (
        (pl.len().over(by_column) < pl.col("size")) & pl.col("text").is_not_null().any().over(by_column)
    )
    total = _is_total(pl.col("text")).fill_null(False)
    # a column breaks the key's rows down when it tells them apart and one of them is its Total (a column telling
    # them apart with no total, a footnote or a second figure, says nothing of which row is the total)
    breaks = pl.col("tells") & pl.col("total").any().over(by_column)
    written = pl.col("breaks") & pl.col("text").is_not_null()
    rows = (
        parts.with_columns(tells.alias("tells"), total.alias("total"))
        .with_columns(breaks.alias("breaks"))
        .group_by("source_row")
        .agg(
            pl.col("breaks").any().alias("grouped"),
            (
                (~pl.col("breaks") | pl.col("text").is_null() | pl.col("total")).all()
                & (pl.col("breaks") & pl.col("total")).any()
            ).alias("is_total"),
            pl.col("column").filter(written).first().alias("told_by"),
            pl.col("text").filter(written).first().alias("told_text"),
            pl.col("column").filter(pl.col("breaks")).first().alias("told_first"),
        )
    )
    marked = groups.join(rows, on="source_row", how="left")
    has_total = pl.col("is_total").fill_null(False).any().over("group")
    rejected = marked.filter(
        pl.col("grouped").fill_null(False) & has_total & ~pl.col("is_total").fill_null(False)
    )
    # each part named by the column telling it from its total, as the file heads it, and its text there
    issues = issues_frame(
        rejected.select(
            row=pl.col("source_row"),
            column=pl.coalesce("told_by", "told_first"),
            value=pl.col("told_text"),
            reason=pl.lit(REASON_UNREAD_BREAKDOWN),
        )
    )
    rows = issues.select("row").unique()
    return kept.join(rows.rename({"row": "source_row"}), on="source_row", how="anti"), issues


def _map_categories(kept: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``category_iso3`` for citizenship/repatriation rows, and a flag for every row whose category is unmapped.

    Each distinct (category, reporting country) pair is mapped once: the mapping depends on the reporting
    country only through ``Nationals``.
    """
    from evidence.sources.countries import map_to_iso3

    in_scope = pl.col("dimension").is_in(list(COUNTRY_DIMENSIONS)) & pl.col("category").is_not_null()
    pairs = (
        kept.select("dimension", "category", "iso3")
        .filter(in_scope)
        .drop("dimension")
        .unique(maintain_order=True)
    )
    mapping = map_to_iso3(pairs["category"], reporting_iso3=pairs["iso3"])
    # what names no country on purpose (Unknown, Abroad, foreign nationals without a country), however
    # spelled or mis-encoded, is not unmapped: there is nothing to map
    unmapped = set(mapping.unmapped) - {
        c
        for c in mapping.unmapped
        if c.strip().casefold() in UNSPECIFIED_CATEGORIES or citizenship_category_kind(c) is not None
    }
    pairs = pairs.with_columns(
        category_iso3=mapping.iso3.cast(pl.String),
        unmapped=pl.col("category").is_in(list(unmapped)) & mapping.iso3.is_null(),
    )
    keys = ["category", "iso3"]
    kept = _looked_up(kept, pairs.select(keys), pairs.drop(keys)).with_columns(
        pl.when(in_scope).then(pl.col("category_iso3")).otherwise(None).alias("category_iso3"),
        (in_scope & pl.col("unmapped").fill_null(False)).alias("unmapped"),
    )
    checks = [
        (
            "Category",
            "category",
            pl.col("unmapped") & (pl.col("dimension") == dimension),
            REASON_UNMAPPED[label],
        )
        for dimension, label in COUNTRY_DIMENSIONS.items()
    ]
    return kept, issues_where(kept, checks)


def _name_disagrees(kept: pl.DataFrame) -> pl.Series:
    """``name_disagrees``: whether a country row's Country names one country of the reference other than its
    code's (each distinct name mapped once; a name the reference does not know disagrees with nothing)."""
    from evidence.sources.countries import map_to_iso3

    names = (
        kept.select(pl.col("country").filter(pl.col("iso3").is_not_null())).to_series().unique().drop_nulls()
    )
    named = dict(zip(names.to_list(), map_to_iso3(names).iso3.to_list(), strict=True))
    disagrees = (
        (pl.col("country").replace_strict(named, default=None, return_dtype=pl.String) != pl.col("iso3"))
        .fill_null(False)
        .alias("name_disagrees")
    )
    return _per_value(kept.select("country", "iso3"), ["country", "iso3"], [disagrees]).get_column(
        "name_disagrees"
    )


def _fill_regions(kept: pl.DataFrame) -> pl.DataFrame:
    """Regions as published (UNODC uses M49's); where a release leaves them empty, M49's from the reference."""
    from evidence.sources.countries import with_regions

    codes = kept.select("iso3").unique()
    return _looked_up(kept, codes, with_regions(codes, "iso3", "m49").drop("iso3")).with_columns(
        region=pl.coalesce("region", "m49_region"), subregion=pl.coalesce("subregion", "m49_subregion")
    )


#: The indicator whose citizenship breakdown counts victims.
DETECTED_VICTIMS = "Detected trafficking victims"


def unmapped_categories(loaded: LoadedTable) -> pl.DataFrame:
    """The citizenship / repatriation strings that were not mapped to ISO3, for a person to review: how many
    rows carry each, the detected victims in them (``victims_low``–``victims_high``: ``<5`` cells are 1–4), and
    the closest known spelling as a *suggested* country (``suggested_iso3``, ``suggested_country``,
    ``similarity``) that nothing applies, or the UN M49 region the string names (``names_region``: "Central
    africa", no country to suggest). Most victims first, then most rows, then by text and reason (one order, run
    after run)."""
    from evidence.sources.countries import name_of, region_named, suggest_country

    reasons = list(REASON_UNMAPPED.values())
    flagged = loaded.flags.filter(pl.col("reason").is_in(reasons)).select("row", "value", "reason")
    victims = pl.col("indicator") == DETECTED_VICTIMS
    values = loaded.data.select(
        pl.col("source_row").alias("row"),
        pl.when(victims).then(pl.col("value_low")).otherwise(0.0).alias("victims_low"),
        pl.when(victims).then(pl.col("value_high")).otherwise(0.0).alias("victims_high"),
    )
    table = (
        flagged.join(values, on="row", how="left")
        .group_by("value", "reason")
        .agg(
            pl.len().alias("rows"),
            pl.col("victims_low").sum().cast(pl.Int64),
            pl.col("victims_high").sum().cast(pl.Int64),
        )
        .rename({"value": "category"})
    )
    suggestions = [suggest_country(text) for text in table["category"].to_list()]
    return table.with_columns(
        pl.Series("suggested_iso3", [s.iso3 if s else None for s in suggestions], dtype=pl.String),
        pl.Series(
            "suggested_country", [name_of(s.iso3) if s else None for s in suggestions], dtype=pl.String
        ),
        pl.Series("similarity", [s.similarity if s else None for s in suggestions], dtype=pl.Float64),
        pl.Series("names_region", [region_named(t) for t in table["category"].to_list()], dtype=pl.String),
    ).sort(["victims_high", "rows", "category", "reason"], descending=[True, True, False, False])


@dataclasses.dataclass(frozen=True)
class CitizenshipCoverage:
    """Detected victims in the citizenship breakdown, by whether their citizenship was mapped to a country.

    Counts are intervals (``<5`` cells are 1–4): ``(low, high)``. ``unspecified`` is what the publisher
    itself calls unknown ("Unknown", "Abroad"); ``unmapped`` is text naming no single country of the reference.
    """

    total: tuple[int, int]
    mapped: tuple[int, int]
    unspecified: tuple[int, int]
    unmapped: tuple[int, int]

    @property
    def unmapped_share(self) -> tuple[float, float] | None:
        """The least and most the unmapped victims can be as a share of all (None without victims)."""
        low_total, high_total = self.total
        if not high_total:
            return None
        # fewest unmapped among the most others, most unmapped among the fewest others
        low = (
            self.unmapped[0] / (self.unmapped[0] + high_total - self.unmapped[1]) if self.unmapped[0] else 0.0
        )
        high = (
            self.unmapped[1] / (self.unmapped[1] + low_total - self.unmapped[0]) if self.unmapped[1] else 0.0
        )
        return low, high


def citizenship_coverage(loaded: LoadedTable) -> CitizenshipCoverage:
    """How many detected victims in ``loaded``'s citizenship breakdown have a mapped citizenship."""
    rows = loaded.data.filter(
        (pl.col("dimension") == "by citizenship") & (pl.col("indicator") == DETECTED_VICTIMS)
    )
    unmapped_rows = loaded.flags.filter(pl.col("reason") == REASON_UNMAPPED["citizenship"])["row"]
    state = (
        pl.when(pl.col("category_iso3").is_not_null())
        .then(pl.lit("mapped"))
        .when(pl.col("source_row").is_in(unmapped_rows.implode()))
        .then(pl.lit("unmapped"))
        .otherwise(pl.lit("unspecified"))
    )
    sums = rows.group_by(state.alias("state")).agg(pl.col("value_low").sum(), pl.col("value_high").sum())
    found = {r["state"]: (int(r["value_low"]), int(r["value_high"])) for r in sums.iter_rows(named=True)}
    parts = {name: found.get(name, (0, 0)) for name in ("mapped", "unspecified", "unmapped")}
    total = (sum(p[0] for p in parts.values()), sum(p[1] for p in parts.values()))
    return CitizenshipCoverage(total=total, **parts)


def _release(match: HeaderMatch) -> str:
    """The release date written above the header as ISO, at the precision given, else "unknown".

    A date cell, or a date in text: ``30/05/2023`` (also with ``.`` or ``-``), ``2023-05-30`` (also with ``/`` or
    ``.``), ``12 June 2025`` (also ``12-Jun-2025``),
    ``June 12, 2025``, with any text around it (``Last update: 12/06/2025``). A numeric date is read **day
    first**, as the shared publisher notes give the release date (``30/05/2023``) and as the UN's Vienna office
    writes dates; month first only where another date above the header is unambiguously month first
    (``05/30/2023``) or where day first is no date (``06/30/2025``). A date read day first that is another date
    month first (``06/07/2025``), no other date deciding, is said in a note (:func:`_release_reading`).
    Where no cell gives a day, a month (``Updated: June 2025``, ``Jun-2025``, ``06/2025``, ``2025-06``, or a date
    cell shown as ``June 2025``: :class:`~evidence.sources.workbook.MonthDate`) is the release ``2025-06``, else a
    year alone in its cell or after an update word (``2025``, ``Last update: 2025``) the release ``2025``: the
    reader's provenance and citation carry what the publisher gave, never a made-up day. A year among other words
    (``UNODC 2025``, ``Global Report 2024``) may name a report, not when the data were released: not read.
    """
    return _release_reading(match)[0]


def _release_reading(match: HeaderMatch) -> tuple[str, str | None]:
    """:func:`_release`, and a note when it read a numeric date day first that month first is another date
    (``06/07/2025``) with no other date above the header deciding the order: the reader is told the choice."""
    cells = [cell for row in match.top_rows[: match.header_row - 1] for cell in row]
    orders = {_numeric_date_order(cell) for cell in cells} - {None}
    month_first = orders == {"month first"}
    for cell in cells:
        parsed = _as_date(cell, month_first=month_first)
        if parsed is not None:
            return parsed.isoformat(), (None if orders else _day_first_note(cell, parsed))
    for read in (_as_month, _as_year):  # the most precise date given anywhere above the header
        for cell in cells:
            if (partial := read(cell)) is not None:
                return partial, None
    return "unknown", None


def _day_first_note(cell: object, read: dt.date) -> str | None:
    """The note on a release date read day first (:func:`_release_reading`) that is another date month first."""
    if not isinstance(cell, str) or ISO_DATE.search(cell) or not (found := NUMERIC_DATE.search(cell)):
        return None
    other = exact_date(read.year, read.day, read.month)
    if other is None or other == read:
        return None
    return (
        f"release date {found.group(0)!r} read day first, as UNODC writes dates (its release 30/05/2023): "
        f"{read.isoformat()}; {other.isoformat()} read month first. If the file means that, state the release in "
        f'a sidecar ({{"release": "{other.isoformat()}"}})'
    )


#: A year alone, or after a word saying when the data were updated or released (``Last update: 2025``).
_YEAR_ALONE = re.compile(
    r"(?:(?:last\s+)?updated?|released?|published|(?:data\s+)?as\s+of)?\W*(\d{4})\W*", re.IGNORECASE
)


def _numeric_date_order(cell: object) -> str | None:
    """ "day first" or "month first" for a numeric date text only one order reads (``30/05/2023``), else None."""
    found = NUMERIC_DATE.search(cell) if isinstance(cell, str) else None
    if found is None:
        return None
    first, second = int(found.group(1)), int(found.group(3))
    if first > 12 >= second:
        return "day first"
    if second > 12 >= first:
        return "month first"
    return None


def _as_date(cell: object, *, month_first: bool = False) -> dt.date | None:
    if isinstance(cell, MonthDate | YearDate):  # a cell shown to the month or year: its day is no one's
        return None
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if not isinstance(cell, str):
        return None
    text = cell.strip()
    if found := ISO_DATE.search(text):
        return exact_date(int(found.group(1)), int(found.group(3)), int(found.group(4)))
    if found := NUMERIC_DATE.search(text):
        first, second, year = int(found.group(1)), int(found.group(3)), int(found.group(4))
        day, month = (second, first) if month_first else (first, second)
        return exact_date(year, month, day) or exact_date(year, day, month)  # 06/30/2025 is no day-first date
    if (found := DAY_MONTH_YEAR.search(text)) and found.group(2).lower() in MONTH_NUMBERS:
        return exact_date(int(found.group(3)), MONTH_NUMBERS[found.group(2).lower()], int(found.group(1)))
    if (found := MONTH_DAY_YEAR.search(text)) and found.group(1).lower() in MONTH_NUMBERS:
        return exact_date(int(found.group(3)), MONTH_NUMBERS[found.group(1).lower()], int(found.group(2)))
    return None


def _as_month(cell: object) -> str | None:
    """ "2025-06" for a month and year: in text (:func:`~evidence.sources.dates.month_in`: ``Updated: June 2025``,
    ``06/2025``, ``2025-06``) or a date cell shown as one (:class:`~evidence.sources.workbook.MonthDate`)."""
    if isinstance(cell, MonthDate):
        return f"{cell.year}-{cell.month:02d}"
    return month_in(cell) if isinstance(cell, str) else None


def _as_year(cell: object) -> str | None:
    """ "2025" for a year alone in its cell (text or a whole number, or a date cell shown as its year:
    :class:`~evidence.sources.workbook.YearDate`) or after an update word, else None."""
    if isinstance(cell, YearDate):
        return str(cell.year) if cell.year in RELEASE_YEARS else None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, int) and not isinstance(cell, bool):
        year = cell
    elif isinstance(cell, str) and (found := _YEAR_ALONE.fullmatch(cell.strip())):
        year = int(found.group(1))
    else:
        return None
    return str(year) if year in RELEASE_YEARS else None


register(
    Loader(
        source=SOURCE,
        sniff=sniff,
        load=load,
        description="UNODC GLOTIP country data (data_glotip.xlsx, or saved as CSV) -> indicator table",
        version=LOADER_VERSION,
        diagnose=diagnose,
    )
)
