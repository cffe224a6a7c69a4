"""CTDC victim-level data, in any of its three layouts, onto the canonical case table.

Layouts (``docs/ctdc-formats.md``), recognised from the header:

- ``global_synthetic``: the Global Synthetic Dataset (v2024, v2025), 27 columns, CSV or xlsx. The release is told
  from the age-band spelling (``9--17`` in v2024, zero-padded ``09--17`` in v2025), else it is "unknown". Its first
  release (2021) names the means of control as the k-anonymised layout does (``meansOfControlDebtBondage``...,
  codebook version 2, Appendix II), one cut to Stata's 32 characters (``meansOfControlThreatOfLawEnforce``): read as
  this layout, release 2021, each flag onto its case table column (:func:`_twin_flags`).
- ``k_anonymised``: the older k-anonymised Global Dataset: ``;``-delimited, a terms-of-use sentence as first header
  cell, ISO 3166-1 alpha-2 countries, 0/1/-99 flags with ``...Concatenated`` text twins. Values generalised
  for k-anonymity (as ``evidence register export-ctdc`` writes them) are read too: a band of years
  (``2012-2014``: ``year`` null, ``year_band`` kept) and a UN M49 sub-region or region for a country.
- ``victim_perpetrator``: the Victim–Perpetrator synthetic dataset (1 December 2022): banded years and UN regions,
  kept as published.

A CSV file re-saved with another delimiter than CTDC publishes the layout with (semicolons, tabs, pipes; commas for
the k-anonymised layout) is read alike, with a note: the header's delimiter is told by the one sniffer of
:func:`evidence.sources.delimited.header_delimiter`, as for TIP tiers.

A value outside the codebook in a coded field (gender, age band, duration, country, data source, majority status;
a label of a concatenated field no flag names) is read as missing (or not read as a flag) and flagged with its row
and column: the victim still counts. Besides a row with the wrong number of fields, only a flag outside 1/0/-99/empty
or a year that is not one rejects a row. A file re-saved by R, pandas or a spreadsheet writes its flags otherwise:
``TRUE``/``FALSE`` (booleans) are read as 1/0 and ``NA``/``nan``/``n/a`` as empty, with a note; so is ``NULL``, the
codebook's own notation of missing data, in every column; an age band of the 2017 dictionary's finer "Age range
1" (``12--14``, ``66+``) is read as the broad band holding it; ``NA`` in a country
column of three-letter codes is R's missing value (noted), among two-letter codes Namibia.
Only the kept rows' years and age bands tell the release. A workbook's year cell holding a date of 1 January (a
column of dates shown by a year-only format) is that year, said in a note
(:data:`~evidence.sources.workbook.YEAR_AS_DATE`).

A column a layout does not name is not used (named in a note), except a flag of one of its groups named by the
group's prefix (``means``, ``is``, ``typeOfLabour``, ``typeOfSex``, ``recruiterRelation``) holding flag values only:
a later release's new form (``isForcedCriminality``). The case table has no column for it, but a record with it 1
has the group recorded, so it is in the group's denominator with its other flags 0 (codebook section 6). A flag
another CTDC layout names for a case table column this file does not feed otherwise (the k-anonymised
``typeOfLabourIllicitActivities`` in a later Global Synthetic release) fills that column, as that layout reads it.
Columns may come in any order and case, and a column of the layout may be missing (read as empty, with a note;
a flag it feeds is then not recorded: null on every record, never 0 where its group is known),
except those the layout is recognised by (:data:`_REQUIRED`; the k-anonymised file's terms-of-use header cell
stands for all but its year): a header lacking one is refused, naming the file, the header's row, the layout it
comes nearest and the column it lacks.

A country code ISO withdrew (``countries.FORMER_CODES``) is read as its one successor (``BU`` Burma as MMR), with a
note; one whose country split (``YU``, ``CS``, ``SU``, ``AN``) is never guessed: its ISO3 code is missing, its region
kept where every successor shares it, and the row kept and flagged with why.

Coded values are decoded once per *distinct* value into small lookup tables joined on the column, and flags and
years are parsed as integers when they all are, so loading a 250,000-row file costs little more than parsing it. Every data row is either kept or rejected with its line
number, column, value and reason; blank lines carry no record and are reported in the provenance notes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType  # what polars' own signatures take: a type or an instance

from evidence.core.errors import InputError
from evidence.sources.case_schema import (
    AGE_BANDS,
    FLAG_GROUPS,
    MINOR_AGE_BANDS,
    AgeBand,
    DataSourceType,
    Gender,
    MajorityStatus,
    TraffickingDuration,
    apply_denominator_rule,
    conform,
)
from evidence.sources.delimited import (
    DELIMITER_NAMES,
    DELIMITERS,
    blank_lines_note,
    check_width,
    empty_records,
    field_count_rejects,
    header_cells,
    header_delimiter,
    not_utf8,
    notes_below,
    overflowing_text,
    scan_records,
    text_rows_at_end,
    utf8_text,
    without_empty_records,
)
from evidence.sources.loaded import LoadedTable, empty_issues, issues_frame
from evidence.sources.metadata import UNKNOWN, dataset, describe
from evidence.sources.provenance import DEMO_MARKER, Provenance, as_demo, sha256_file
from evidence.sources.registry import FileHead, Loader, demo_signature, register
from evidence.sources.typed_tables import repeated_headers
from evidence.sources.workbook import (
    YEAR_AS_DATE,
    HeaderMatch,
    SheetHead,
    cell_reference,
    header_cell_key,
    header_key,
    read_sheet,
    years_from_dates_note,
)

SOURCE = "ctdc"
GLOBAL_SYNTHETIC = "global_synthetic"
K_ANONYMISED = "k_anonymised"
VICTIM_PERPETRATOR = "victim_perpetrator"

FIRST_YEAR = 1990

# --- the layouts' columns ------------------------------------------------------------------------------------

#: Global Synthetic flags -> canonical column (27 columns with the 6 coded ones below).
SYNTHETIC_FLAGS: dict[str, str] = {
    "meansDebtBondageEarnings": "means_debt_bondage_earnings",
    "meansThreats": "means_threats",
    "meansAbusePsyPhySex": "means_abuse",
    "meansFalsePromises": "means_false_promises",
    "meansDrugsAlcohol": "means_drugs_alcohol",
    "meansDenyBasicNeeds": "means_deny_basic_needs",
    "meansExcessiveWorkHours": "means_excessive_work_hours",
    "meansWithholdDocs": "means_withhold_documents",
    "isForcedLabour": "exploitation_forced_labour",
    "isSexualExploit": "exploitation_sexual",
    "isOtherExploit": "exploitation_other",
    "typeOfLabourAgriculture": "labour_agriculture",
    "typeOfLabourConstruction": "labour_construction",
    "typeOfLabourDomesticWork": "labour_domestic_work",
    "typeOfLabourHospitality": "labour_hospitality",
    "typeOfSexProstitution": "sex_prostitution",
    "typeOfSexPornography": "sex_pornography",
    "recruiterRelationIntimatePartner": "recruiter_intimate_partner",
    "recruiterRelationFriend": "recruiter_friend",
    "recruiterRelationFamily": "recruiter_family",
    "recruiterRelationOther": "recruiter_other",
}
SYNTHETIC_COLUMNS: list[str] = [
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "citizenship",
    "CountryOfExploitation",
    "traffickMonths",
    *SYNTHETIC_FLAGS,
]
#: Spellings of a Global Synthetic column in some files or codebook sections -> the name used here.
SYNTHETIC_ALIASES = {"meansWithholdDocuments": "meansWithholdDocs"}

#: k-anonymised flags -> the canonical columns they feed (OR-ed where the synthetic layout merged them);
#: an empty tuple: validated but without a canonical twin ("not specified", "unknown", abduction).
K_ANON_FLAGS: dict[str, tuple[str, ...]] = {
    "meansOfControlDebtBondage": ("means_debt_bondage_earnings",),
    "meansOfControlTakesEarnings": ("means_debt_bondage_earnings",),
    "meansOfControlRestrictsFinancialAccess": ("means_restricts_financial_access",),
    "meansOfControlThreats": ("means_threats",),
    "meansOfControlPsychologicalAbuse": ("means_abuse",),
    "meansOfControlPhysicalAbuse": ("means_abuse",),
    "meansOfControlSexualAbuse": ("means_abuse",),
    "meansOfControlFalsePromises": ("means_false_promises",),
    "meansOfControlPsychoactiveSubstances": ("means_drugs_alcohol",),
    "meansOfControlRestrictsMovement": ("means_restricts_movement",),
    "meansOfControlRestrictsMedicalCare": ("means_restricts_medical_care",),
    "meansOfControlExcessiveWorkingHours": ("means_excessive_work_hours",),
    "meansOfControlUsesChildren": ("means_uses_children",),
    "meansOfControlThreatOfLawEnforcement": ("means_threat_of_law_enforcement",),
    "meansOfControlWithholdsNecessities": ("means_deny_basic_needs",),
    "meansOfControlWithholdsDocuments": ("means_withhold_documents",),
    "meansOfControlOther": ("means_other",),
    "meansOfControlNotSpecified": (),
    "isForcedLabour": ("exploitation_forced_labour",),
    "isSexualExploit": ("exploitation_sexual",),
    "isOtherExploit": ("exploitation_other",),
    # "combined sexual and labour exploitation" is both forms
    "isSexAndLabour": ("exploitation_forced_labour", "exploitation_sexual"),
    "isForcedMarriage": ("exploitation_forced_marriage",),
    "isForcedMilitary": ("exploitation_forced_military",),
    "isOrganRemoval": ("exploitation_organ_removal",),
    "isSlaveryAndPractices": ("exploitation_slavery_practices",),
    "typeOfLabourAgriculture": ("labour_agriculture",),
    "typeOfLabourAquafarming": ("labour_aquafarming",),
    "typeOfLabourBegging": ("labour_begging",),
    "typeOfLabourConstruction": ("labour_construction",),
    "typeOfLabourDomesticWork": ("labour_domestic_work",),
    "typeOfLabourHospitality": ("labour_hospitality",),
    "typeOfLabourIllicitActivities": ("labour_illicit_activities",),
    "typeOfLabourManufacturing": ("labour_manufacturing",),
    "typeOfLabourMiningOrDrilling": ("labour_mining_or_drilling",),
    "typeOfLabourPeddling": ("labour_peddling",),
    "typeOfLabourTransportation": ("labour_transportation",),
    "typeOfLabourOther": ("labour_other",),
    # "Not specified" says the sector is not recorded: no sector flag, so such a victim is not in the sector's
    # denominator (as meansOfControlNotSpecified)
    "typeOfLabourNotSpecified": (),
    "typeOfSexProstitution": ("sex_prostitution",),
    "typeOfSexPornography": ("sex_pornography",),
    "typeOfSexRemoteInteractiveServices": ("sex_remote_interactive_services",),
    "typeOfSexPrivateSexualServices": ("sex_private_sexual_services",),
    "isAbduction": (),
    "recruiterRelationIntimatePartner": ("recruiter_intimate_partner",),
    "recruiterRelationFriend": ("recruiter_friend",),
    "recruiterRelationFamily": ("recruiter_family",),
    "recruiterRelationOther": ("recruiter_other",),
    "recruiterRelationUnknown": (),
}
K_ANON_CODED = [
    "yearOfRegistration",
    "Datasource",
    "gender",
    "ageBroad",
    "majorityStatus",
    "majorityStatusAtExploit",
    "majorityEntry",
    "citizenship",
    "CountryOfExploitation",
]


@dataclasses.dataclass(frozen=True)
class _ConcatGroup:
    """A k-anonymised flag group with its text twin (labels joined by ';')."""

    name: str
    text_column: str
    flags: tuple[str, ...]
    aliases: dict[str, str]  # normalised label -> flag column, where the label is not the flag's name


def _flags_with_prefix(prefix: str) -> tuple[str, ...]:
    return tuple(c for c in K_ANON_FLAGS if c.startswith(prefix))


K_ANON_CONCAT_GROUPS = [
    _ConcatGroup("means of control", "meansOfControlConcatenated", _flags_with_prefix("meansOfControl"), {}),
    _ConcatGroup(
        "type of exploitation",
        "typeOfExploitConcatenated",
        tuple(c for c in K_ANON_FLAGS if c.startswith("is") and c != "isAbduction"),
        {
            "sexualexploitation": "isSexualExploit",
            "other": "isOtherExploit",
            "combinedsexualandlabourexploitation": "isSexAndLabour",
        },
    ),
    _ConcatGroup("labour sector", "typeOfLabourConcatenated", _flags_with_prefix("typeOfLabour"), {}),
    _ConcatGroup("sexual exploitation type", "typeOfSexConcatenated", _flags_with_prefix("typeOfSex"), {}),
    _ConcatGroup(
        "recruiter relation",
        "RecruiterRelationship",
        _flags_with_prefix("recruiterRelation"),
        {
            "familyrelative": "recruiterRelationFamily",
            "friendacquaintance": "recruiterRelationFriend",
            "notspecified": "recruiterRelationUnknown",
        },
    ),
]
K_ANON_COLUMNS: list[str] = K_ANON_CODED + list(K_ANON_FLAGS) + [g.text_column for g in K_ANON_CONCAT_GROUPS]
#: Columns that identify the k-anonymised layout even when its first header cell was edited.
_K_ANON_SIGNATURE = {
    "yearOfRegistration",
    "Datasource",
    "meansOfControlConcatenated",
    "typeOfExploitConcatenated",
}
_K_ANON_TERMS_PREFIX = "by using this data"

VP_FLAGS = {
    "isForcedLabour": "exploitation_forced_labour",
    "isSexualExploit": "exploitation_sexual",
    "IP_Exploiter": "perpetrator_exploiter",
    "IP_RecruiterBroker": "perpetrator_recruiter_broker",
    "IP_TransactionProcess": "perpetrator_transaction_process",
    "IP_ControlAbuseKidnap": "perpetrator_control_abuse_kidnap",
}
#: Kept as published (multi-valued cells joined with ';').
VP_AS_PUBLISHED = {
    "IP_Gender": "perpetrator_gender",
    "IP_ageBroad": "perpetrator_age_band",
    "IP_citizen_UNRegion": "perpetrator_citizenship_region",
    "IP_Relation": "perpetrator_relation",
    "IP_PayMoney": "perpetrator_pay_money",
}
VP_COLUMNS: list[str] = [
    "yearRegister",
    "gender",
    "majorityStatus",
    "isForcedLabour",
    "isSexualExploit",
    "UN_COO_Region",
    "UN_COE_Region",
    "IP_Exploiter",
    "IP_Gender",
    "IP_ageBroad",
    "IP_citizen_UNRegion",
    "IP_Relation",
    "IP_PayMoney",
    "IP_RecruiterBroker",
    "IP_TransactionProcess",
    "IP_ControlAbuseKidnap",
]
VP_UN_REGIONS = ["Africa", "Americas/Oceania", "Asia", "Europe"]
#: The UN M49 regions the 2022 release joins (``Americas/Oceania``), as a later release may name them apart: UN
#: regions too (the k-anonymised layout's countries are placed in them), read as such.
VP_M49_REGIONS = ["Americas", "Oceania"]
_VP_REGION_KEYS = {region.casefold(): region for region in [*VP_UN_REGIONS, *VP_M49_REGIONS]}

#: The delimiter CTDC publishes each layout with; a file re-saved with another is read, with a note.
_EXPECTED_DELIMITER = {GLOBAL_SYNTHETIC: ",", K_ANONYMISED: ";", VICTIM_PERPETRATOR: ","}

# --- decoding of coded values (applied to distinct values only) ----------------------------------------------

#: Cells that mean "not recorded" in every coded column: ``NULL`` is how the Global Synthetic codebook writes
#: missing data (every variable's "NULL [missing data]"), ``-99`` the 2017 dictionary's code, ``NA`` R's.
_MISSING_TOKENS = {"", "-99", "-99.0", "unknown", "not specified", "na", "n/a", "null", "."}
_FLAG_TRUE = ["1", "1.0"]
_FLAG_VALID = ["1", "1.0", "0", "0.0", "-99", "-99.0"]
_FLAG_VALID_INT = [1, 0, -99]

_GENDERS = {
    "female": "Female",
    "woman": "Female",
    "male": "Male",
    "man": "Male",
    "trans/transgender/nonconforming": "Trans/non-conforming",
    "trans/non-conforming": "Trans/non-conforming",
    "transgender": "Trans/non-conforming",
    "nonconforming": "Trans/non-conforming",
}
#: :data:`_GENDERS` by the key :func:`_gender` looks a value up with (no spaces or hyphens).
_GENDER_KEYS = {re.sub(r"[\s\-_]+", "", key): value for key, value in _GENDERS.items()}
_DATA_SOURCES = {"case management": "Case management", "hotline": "Hotline"}
_MAJORITY = {"adult": "Adult", "minor": "Minor"}
_DURATIONS = {"0-12": "0-12 months", "13-24": "13-24 months", "25+": "25+ months"}
_DASHES = re.compile(r"\s*[-\u2010-\u2015\u2212]+\s*")  # hyphens, en and em dashes, minus; doubled or not


class _Unknown(ValueError):
    """A value a coded column does not allow; its message is the reject reason."""


def _is_missing(value: str) -> bool:
    return value.strip().lower() in _MISSING_TOKENS


def _lookup(table: dict[str, str], value: str, what: str) -> str:
    try:
        return table[value.strip().lower()]
    except KeyError:
        raise _Unknown(f"unknown {what}") from None


def _band(value: str) -> str:
    """'09--17', '0—8', '9 – 17' -> '9-17'; '48 +' -> '48+'."""
    text = _DASHES.sub("-", value.strip()).replace(" ", "")
    return re.sub(r"\d+", lambda m: str(int(m.group())), text)


#: The 2017 data dictionary's finer age bands ("Age range 1" of its Lookups sheet), each inside one broad band of
#: ``ageBroad`` ("Age range 2"): a file writing them is read as the broad band holding them (nothing invented).
_FINER_AGE_BANDS = {
    "9-11": "9-17",
    "12-14": "9-17",
    "15-17": "9-17",
    "30-32": "30-38",
    "33-35": "30-38",
    "36-38": "30-38",
    "48-56": "48+",
    "57-65": "48+",
    "66+": "48+",
}


def _age_band(value: str) -> str:
    band = _band(value)
    band = _FINER_AGE_BANDS.get(band, band)
    if band not in AGE_BANDS:
        raise _Unknown("unknown age band")
    return band


def _gender(value: str) -> str:
    """A gender as the codebook names it, whatever the spaces and hyphens within it: the codebook's own text
    writes ``trans/transgender/non-conforming`` beside the value ``Trans/Transgender/NonConforming``."""
    return _lookup(_GENDER_KEYS, re.sub(r"[\s\-\u2010\u2011_]+", "", value), "gender")


def _majority_of(band: str) -> str:
    return "Minor" if band in MINOR_AGE_BANDS else "Adult"


def _duration(value: str) -> str:
    # '0--12 (0-1 yr)' -> '0-12'; the canonical '0-12 months' is accepted too
    return _lookup(_DURATIONS, _band(value.split("(")[0].replace("months", "")), "trafficking duration")


def _year_bounds() -> tuple[int, int]:
    return FIRST_YEAR, dt.date.today().year


def _undated(text: str) -> str:
    """A year cell's text, or the year of a date cell of 1 January (:data:`~evidence.sources.workbook.YEAR_AS_DATE`:
    a year column of dates shown by a year-only format; :meth:`_Mapping.coded` notes it)."""
    date = re.match(YEAR_AS_DATE, text)
    return text if date is None else date.group(1)


def _year(text: str) -> int:
    text = _undated(text.strip())
    if re.fullmatch(r"\d{4}(\.0+)?", text) is None:
        raise _Unknown("year is not a number")
    year = int(text.split(".")[0])
    low, high = _year_bounds()
    if not low <= year <= high:
        raise _Unknown(f"year out of range {low}-{high}")
    return year


def _year_band(value: str) -> str:
    """VP years: a single year ('2019') or a band ('2014-2018'), kept as published; a band written short
    ('2021-22', as spans of years are written) is the band it names ('2021-2022') when its end is later than its
    start (``2019-05``, May 2019?, is no band)."""
    parts = _DASHES.split(_undated(value.strip()))
    short = len(parts) == 2 and re.fullmatch(r"\d{4}", parts[0]) and re.fullmatch(r"\d{2}", parts[1])
    if short and int(parts[1]) > int(parts[0][2:]):
        parts[1] = parts[0][:2] + parts[1]
    if len(parts) > 2 or not all(re.fullmatch(r"\d{4}(\.0+)?", p) for p in parts):
        raise _Unknown("year is not a number or a band of years")
    years = [_year(p) for p in parts]
    if years != sorted(years):
        raise _Unknown("year band ends before it starts")
    return "-".join(str(y) for y in years)


def _un_region(value: str) -> str:
    """A VP region as published, whatever its case; ``Americas`` and ``Oceania`` apart as well as joined."""
    region = _VP_REGION_KEYS.get(" ".join(value.split()).casefold())
    if region is None:
        raise _Unknown("unknown UN region")
    return region


@dataclasses.dataclass(frozen=True)
class _Coded:
    """A coded source column: each distinct value decodes to values of one or more output columns."""

    source: str
    outputs: Mapping[str, PolarsDataType]
    decode: Callable[[str], tuple[Any, ...]]  # raises _Unknown; never sees a missing value
    # the outputs computed straight from a column the parser read as integers (no lookup table needed)
    from_integers: Callable[[pl.Expr], tuple[pl.Expr, ...]] | None = None
    #: a value outside the codebook (a new category: gender "Non-binary", age "60+", region "Antarctica") leaves
    #: this field missing and the row kept, flagged; otherwise the row is rejected
    keep_row: bool = False


_YEAR_OUT = {"year": pl.Int16, "year_band": pl.String}
_GENDER_OUT = {"gender": Gender}


def _decode_year(value: str) -> tuple[int, str]:
    year = _year(value)
    return year, str(year)


def _decode_vp_year(value: str) -> tuple[int | None, str]:
    band = _year_band(value)
    # only a single-year band gives a year: no invented precision
    return (int(band) if "-" not in band else None), band


def _year_from_integers(year: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    return year.cast(pl.Int16), year.cast(pl.String)


def _synthetic_coded() -> list[_Coded]:
    return [
        _Coded("yearOfRegistration", _YEAR_OUT, _decode_year, _year_from_integers),
        _Coded("gender", _GENDER_OUT, lambda v: (_gender(v),), keep_row=True),
        _Coded(
            "ageBroad",
            {"age_band": AgeBand, "majority_status": MajorityStatus},
            lambda v: (band := _age_band(v), _majority_of(band)),
            keep_row=True,
        ),
        _Coded(
            "traffickMonths",
            {"trafficking_duration": TraffickingDuration},
            lambda v: (_duration(v),),
            keep_row=True,
        ),
    ]


def _k_anon_coded() -> list[_Coded]:
    return [
        # a band of years ("2012-2014") where a k-anonymised export generalised the year
        _Coded("yearOfRegistration", _YEAR_OUT, _decode_vp_year, _year_from_integers),
        _Coded(
            "Datasource",
            {"data_source_type": DataSourceType},
            lambda v: (_lookup(_DATA_SOURCES, v, "data source"),),
            keep_row=True,
        ),
        _Coded("gender", _GENDER_OUT, lambda v: (_gender(v),), keep_row=True),
        _Coded(
            "ageBroad",
            {"age_band": AgeBand, "_majority_from_band": MajorityStatus},
            lambda v: (band := _age_band(v), _majority_of(band)),
            keep_row=True,
        ),
        _Coded(
            "majorityStatus",
            {"_majority_file": MajorityStatus},
            lambda v: (_lookup(_MAJORITY, v, "majority status"),),
            keep_row=True,  # the status its age band implies stands in (see _k_anon_mapping)
        ),
        # validated only: the case table has no twin for these; a new value is flagged, the victim still counts
        _Coded(
            "majorityStatusAtExploit",
            {},
            lambda v: (_lookup(_MAJORITY, v, "majority status"),),
            keep_row=True,
        ),
        _Coded("majorityEntry", {}, lambda v: (_lookup(_MAJORITY, v, "majority status"),), keep_row=True),
    ]


def _vp_coded() -> list[_Coded]:
    return [
        _Coded("yearRegister", _YEAR_OUT, _decode_vp_year),
        _Coded("gender", _GENDER_OUT, lambda v: (_gender(v),), keep_row=True),
        _Coded(
            "majorityStatus",
            {"majority_status": MajorityStatus},
            lambda v: (_lookup(_MAJORITY, v, "majority status"),),
            keep_row=True,
        ),
        _Coded("UN_COO_Region", {"origin_region": pl.String}, lambda v: (_un_region(v),), keep_row=True),
        _Coded("UN_COE_Region", {"destination_region": pl.String}, lambda v: (_un_region(v),), keep_row=True),
    ]


# --- sniffing ------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Header:
    layout: str
    columns: list[str]  # as in the file (BOM and surrounding blanks removed)
    delimiter: str | None = None  # None for a workbook
    sheet: str | None = None
    header_row: int = 1  # the sheet row of the header (titles may stand above it in a workbook)


#: Enough to recognise a layout; its other columns, when absent, read as empty (and the provenance says so).
_SYNTHETIC_SIGNATURE = set(SYNTHETIC_COLUMNS[:6])
_SYNTHETIC_ONLY = {
    "meansDebtBondageEarnings",
    "meansAbusePsyPhySex",
    "meansDrugsAlcohol",
    "meansDenyBasicNeeds",
}
#: The means-of-control flags of the Global Synthetic Dataset's first release (2021), under the names its codebook
#: (version 2, February 2024, Appendix II) gives them there: the k-anonymised layout's, merged or renamed in 2024.
#: With the synthetic signature and none of the k-anonymised layout's own columns, they tell that release.
_SYNTHETIC_2021_ONLY = frozenset(
    c for c in K_ANON_FLAGS if c.startswith("meansOfControl") and c != "meansOfControlNotSpecified"
)
_K_ANON_ONLY = {"Datasource", "meansOfControlConcatenated", "typeOfExploitConcatenated"}
_VP_SIGNATURE = {"yearRegister", "UN_COO_Region", "UN_COE_Region"}


def _layout_of(columns: list[str]) -> str | None:
    names = {_canonical_name(c) for c in columns}
    if _SYNTHETIC_SIGNATURE <= names and (_SYNTHETIC_ONLY & names or _names_2021(names)):
        return GLOBAL_SYNTHETIC
    if _VP_SIGNATURE <= names:
        return VICTIM_PERPETRATOR
    first = columns[0].strip().lower() if columns else ""
    if _K_ANON_SIGNATURE <= names or (
        first.startswith(_K_ANON_TERMS_PREFIX) and "yearOfRegistration" in names
    ):
        return K_ANONYMISED
    return None


def _names_2021(names: Collection[str]) -> bool:
    """Whether a header's columns (the layouts' spelling) are the Global Synthetic Dataset's first release's: its
    means of control under the k-anonymised layout's names, none of the 2024 names nor of the k-anonymised
    layout's own columns."""
    names = set(names)
    return bool(_SYNTHETIC_2021_ONLY & names) and not (_SYNTHETIC_ONLY | _K_ANON_ONLY) & names


_KNOWN_NAMES = {header_key(c): c for c in [*SYNTHETIC_COLUMNS, *K_ANON_COLUMNS, *VP_COLUMNS]}
_KNOWN_NAMES.update({header_key(alias): name for alias, name in SYNTHETIC_ALIASES.items()})
#: The most characters a variable name may have in Stata (and SAS): a file written from it cuts longer names, as
#: copies of the Global Synthetic Dataset's first release write ``meansOfControlThreatOfLawEnforce``. A cut name
#: that begins one known name only is that name.
_NAME_LIMIT = 32
_cut = Counter(header_key(c[:_NAME_LIMIT]) for c in {*K_ANON_COLUMNS, *SYNTHETIC_COLUMNS, *VP_COLUMNS})
for _name in sorted({*K_ANON_COLUMNS, *SYNTHETIC_COLUMNS, *VP_COLUMNS}):
    if len(_name) > _NAME_LIMIT and _cut[header_key(_name[:_NAME_LIMIT])] == 1:
        _KNOWN_NAMES.setdefault(header_key(_name[:_NAME_LIMIT]), _name)
del _cut, _name


@functools.lru_cache(maxsize=4096)
def _canonical_name(column: str) -> str:
    """The layout's spelling of a header cell (case, blanks, punctuation and a trailing footnote number ignored,
    as :func:`~evidence.sources.workbook.header_cell_key` compares labels; aliases resolved).

    Cached (a function of the text alone): the sniffer asks it of every cell of a workbook's top rows, the
    same labels again for every file looked at."""
    text = column.strip().lstrip("\ufeff").strip()
    return _KNOWN_NAMES.get(header_cell_key(text), text) if text else text


def _read_header(head: FileHead) -> _Header | None:
    if head.is_xlsx:
        return _read_workbook_header(head)
    found = _header_in_line(head.first_line)
    if found is not None:
        return found
    # a title line (or a few) above the header, as a workbook may carry: the header within the top lines
    lines = head.text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")[:-1][:_TITLE_LINES]
    for index, line in enumerate(lines[1:], start=2):
        found = _header_in_line(line.removesuffix("\r"))
        if found is not None:
            return dataclasses.replace(found, header_row=index)
    return None


#: How many lines a CSV file's header may stand below title lines.
_TITLE_LINES = 10


def _header_in_line(line: str) -> _Header | None:
    found = header_delimiter(line, _layout_of)
    if found is None:
        return None
    delimiter, columns, layout = found
    return _Header(layout, columns, delimiter=delimiter)


def _read_workbook_header(head: FileHead) -> _Header | None:
    """The CTDC header in the top rows of any sheet (the sheet's name and declared size are not trusted)."""
    matches = []
    for sheet in head.workbook.sheets:
        found = sheet.found("ctdc header", _sheet_header)
        if found is not None:
            row, layout, columns = found
            matches.append(_Header(layout, list(columns), sheet=sheet.name, header_row=row))
    if len(matches) > 1:
        raise InputError(
            f"several sheets hold CTDC data ({', '.join(repr(m.sheet) for m in matches)}); "
            "save the one to load as its own workbook or CSV",
            path=head.path,
        )
    return matches[0] if matches else None


def _sheet_header(sheet: SheetHead) -> tuple[int, str, tuple[str, ...]] | None:
    """The first of a sheet's top rows that is a CTDC header: its 1-based row, layout and cells as text."""
    for index, cells in enumerate(sheet.texts):
        layout = _layout_of(list(cells))
        if layout:
            return index + 1, layout, cells
    return None


#: Words of CTDC's fields, as tables derived from a release relabel them ("Age Band", "Trafficking Duration").
_DERIVED_KEYS = {
    "ageband",
    "agebroad",
    "traffickingduration",
    "traffickmonths",
    "citizenship",
    "countryofexploitation",
    "yearofregistration",
    "majoritystatus",
    "typeofexploitation",
    "meansofcontrol",
    "recruiterrelation",
    "recruiterrelationship",
    "datasource",
}


#: What each layout needs to be recognised (:func:`_layout_of`), as a list of columns to name when one is absent.
_REQUIRED = {
    GLOBAL_SYNTHETIC: SYNTHETIC_COLUMNS[:6],
    K_ANONYMISED: sorted(_K_ANON_SIGNATURE, key=K_ANON_COLUMNS.index),
    VICTIM_PERPETRATOR: sorted(_VP_SIGNATURE, key=VP_COLUMNS.index),
}
_LAYOUT_NAMES = {
    GLOBAL_SYNTHETIC: "Global Synthetic Dataset",
    K_ANONYMISED: "k-anonymised Global Dataset",
    VICTIM_PERPETRATOR: "Victim-Perpetrator Synthetic Dataset",
}


@dataclasses.dataclass(frozen=True)
class _NearMiss:
    """A header that uses CTDC's fields but is no layout's: the layout it comes nearest, and what it lacks."""

    message: str
    header_row: int
    missing: list[str]


def _near_miss(head: FileHead) -> _NearMiss | None:
    """For a file that uses CTDC's fields but is no release (a derived or recoded table, or a release with a
    column the layout needs deleted): the layout whose columns it shares most, and the ones it lacks."""
    rows: list[tuple[int, list[str]]] = []
    if head.is_xlsx:
        rows = [
            (i + 1, [str(c) for c in row if c is not None])
            for sheet in head.workbook.sheets
            for i, row in enumerate(sheet.rows)
        ]
    else:  # the first line, or one below title lines (as _read_header looks for the header)
        lines = head.text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")[:-1][:_TITLE_LINES] or [
            head.first_line
        ]
        rows = [
            (index, header_cells(line, d))
            for index, line in enumerate(lines, start=1)
            for d in DELIMITERS
            if d in line
        ]
    keys = {header_key(name) for name in [*SYNTHETIC_COLUMNS, *K_ANON_COLUMNS, *VP_COLUMNS]} | _DERIVED_KEYS
    for header_row, columns in rows:
        ctdc_like = [c for c in columns if header_cell_key(c) in keys]
        if len(ctdc_like) < 2:
            continue
        present = {header_cell_key(c) for c in columns}
        names = {_canonical_name(c) for c in columns}
        # the layout sharing most columns with the header (the current release's on a tie)
        layout = max(
            (GLOBAL_SYNTHETIC, K_ANONYMISED, VICTIM_PERPETRATOR),
            key=lambda name: len(names & set(_columns_for(name)) - {"gender", "majorityStatus"}),
        )
        required = _REQUIRED[layout]
        missing = [c for c in required if header_key(c) not in present]
        repeated = sorted(
            n for n, count in Counter(_canonical_name(c) for c in columns if c).items() if count > 1
        )
        if layout == GLOBAL_SYNTHETIC and not missing and not _SYNTHETIC_ONLY & names:
            missing = sorted(_SYNTHETIC_ONLY, key=SYNTHETIC_COLUMNS.index)[:1]
            lacks = f"every one of {', '.join(sorted(_SYNTHETIC_ONLY, key=SYNTHETIC_COLUMNS.index))}"
        else:
            lacks = ", ".join(missing) or "the rest of a release"
        return _NearMiss(
            f"looks like a table derived from CTDC data (columns {', '.join(ctdc_like[:6])}), not a CTDC "
            f"release: the {_LAYOUT_NAMES[layout]} has the columns {', '.join(required)}, and the header "
            f"(row {header_row}) lacks {lacks}"
            + (f"; it names a column more than once: {', '.join(repeated)}" if repeated else ""),
            header_row,
            missing,
        )
    return None


def diagnose(head: FileHead) -> str | None:
    """For a file that uses CTDC's fields but is no release (a derived or recoded table): what it lacks."""
    found = _near_miss(head)
    return found.message if found else None


def sniff(head: FileHead) -> str | None:
    """The CTDC layout of a file (``global_synthetic``, ``k_anonymised``, ``victim_perpetrator``), or None."""
    header = _read_header(head)
    return header.layout if header else None


# --- reading -------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Raw:
    """The file's cells (strings; flags and years as integers when they all parse), with line numbers."""

    frame: pl.DataFrame  # source columns (layout spelling) + "source_row"
    rejects: pl.DataFrame  # structural problems: truncated rows, too many fields
    sha256: str
    notes: list[str]
    rows_in: int
    #: rows holding nothing (blank lines, rows of delimiters, empty sheet rows): no record, counted and named
    left_out: int = 0
    #: flag group -> columns the layout does not name that are flags of that group (:func:`_new_group_flags`)
    group_flags: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    #: columns of the layout the file does not have (read as empty; their flags not recorded: :func:`_unrecorded`)
    absent: list[str] = dataclasses.field(default_factory=list)
    #: case table flag -> columns the layout does not name that another CTDC layout names for it (:func:`_twin_flags`)
    twin_flags: dict[str, list[str]] = dataclasses.field(default_factory=dict)


def _read(path: Path, header: _Header) -> _Raw:
    if header.sheet is not None:
        return _read_workbook(path, header)
    delimiter = header.delimiter or ","
    expected = _EXPECTED_DELIMITER[header.layout]
    original = path.read_bytes()
    data, notes = utf8_text(original, path)  # UTF-16 and CR-only line ends, as spreadsheets save CSV
    if delimiter != expected:  # re-saved by a spreadsheet program in a locale that uses another delimiter
        notes.append(
            f"delimited by {DELIMITER_NAMES.get(delimiter, repr(delimiter))}s, not "
            f"{DELIMITER_NAMES[expected]}s as CTDC publishes this layout"
        )
    above = header.header_row - 1  # title lines above the header: not records
    if above:
        titles = data.split(b"\n", above)
        data = titles.pop()
        shown = "; ".join(repr(t.decode("utf-8", "replace").strip().lstrip("\ufeff")[:80]) for t in titles)
        notes.append(f"{above} title line(s) above the header, not records: {shown}")
    with ThreadPoolExecutor(max_workers=1) as pool:
        # hashing releases the GIL, so it overlaps with parsing
        digest = pool.submit(lambda: hashlib.sha256(original).hexdigest())
        frame, ragged = _parse_csv(path, data, header)
        sha256 = digest.result()
    ncols = len(header.columns)
    structural = empty_issues()
    counts: np.ndarray | None
    rows: np.ndarray | None
    blank = 0
    buf = np.frombuffer(data, dtype=np.uint8)
    quoted = bool(np.any(buf == ord('"')))
    # Without quotes and without records the parser found too long, every record has exactly ncols fields iff
    # the delimiters add up, so the per-record scan is only needed when they do not.
    if ragged or quoted or np.count_nonzero(buf == ord(delimiter)) != (ncols - 1) * (frame.height + 1):
        scan = scan_records(buf, delimiter)
        if scan.field_counts.size != frame.height:
            row, column = _unbalanced_quote(data, header)
            raise InputError(
                f"cannot tell records apart ({scan.field_counts.size} by line ends, {frame.height} by the CSV "
                "parser): unbalanced quotes?",
                path=path,
                row=row,
                column=column,
            )
        # line numbers of the file, not of the text below its titles
        frame = frame.with_columns(source_row=pl.Series(scan.lines + above, dtype=pl.Int64))
        counts, rows = scan.field_counts, scan.lines + above
        overflowing = rows[overflowing_text(buf, scan, delimiter, ncols)]
        blank = int(scan.blank.sum())
        if blank:
            notes.append(blank_lines_note(rows[scan.blank]))
            frame = frame.filter(pl.Series(~scan.blank))
            counts, rows = counts[~scan.blank], rows[~scan.blank]
    else:
        frame = frame.with_columns(
            source_row=pl.int_range(2 + above, frame.height + 2 + above, dtype=pl.Int64)
        )
        counts = rows = overflowing = None
    # rows of delimiters only (a spreadsheet's rows whose cells were cleared or formatted, saved as CSV) are no
    # victims, among the records as below them: left out as a workbook's empty sheet rows are, whatever their
    # number of fields (a victim nothing is known of is no record), counted and named by line; a row with text
    # beyond the header's last field is rejected for its fields
    frame, empty_rows, empty_notes = without_empty_records(
        frame, keep=() if overflowing is None else overflowing
    )
    notes.extend(empty_notes)
    # a table pasted part by part, its header again above each part (a title line after a blank line above it):
    # no victims, left out and named
    repeated, part_titles, part_notes = repeated_headers(frame, header.columns)
    parts = frame.get_column("source_row").to_numpy()[repeated | part_titles]
    if parts.size:
        notes.extend(part_notes)
        frame = frame.filter(pl.Series(~(repeated | part_titles)))
    gone = np.concatenate([empty_rows, parts])
    if gone.size and counts is not None and rows is not None:
        filled = ~np.isin(rows, gone)
        counts, rows = counts[filled], rows[filled]
    if counts is not None and rows is not None:
        structural = field_count_rejects(rows, counts, ncols)
    return _Raw(frame, structural, sha256, notes, rows_in=frame.height, left_out=blank + int(gone.size))


def _integer_columns(header: _Header) -> dict[str, PolarsDataType]:
    """Flag and year columns parsed as integers on the fast path (the header's own spelling)."""
    by_layout: dict[str, Collection[str]] = {
        GLOBAL_SYNTHETIC: SYNTHETIC_FLAGS,
        K_ANONYMISED: K_ANON_FLAGS,
        VICTIM_PERPETRATOR: VP_FLAGS,
    }
    flags = by_layout[header.layout]
    out: dict[str, PolarsDataType] = {}
    for column in header.columns:
        name = _canonical_name(column)
        if name in flags:
            out[column] = pl.Int8
        elif name == "yearOfRegistration":
            out[column] = pl.Int16
    return out


def _parse_csv(path: Path, data: bytes, header: _Header) -> tuple[pl.DataFrame, bool]:
    """All cells as strings, except flags and years as integers when every one of them parses as such.

    Also says whether some record has more fields than the header (the parser truncated it).
    """
    base: dict[str, Any] = {"separator": header.delimiter, "infer_schema": False, "quote_char": '"'}
    for overrides in (_integer_columns(header), {}):
        options = dict(base, schema_overrides=overrides or None)
        ragged = False
        try:
            try:
                frame = pl.read_csv(data, **options)
            except pl.exceptions.ComputeError as exc:
                if "more fields" not in str(exc):
                    raise
                # rows with too many fields are found and rejected by the record scan
                ragged = True
                frame = pl.read_csv(data, truncate_ragged_lines=True, **options)
        except pl.exceptions.NoDataError as exc:
            raise InputError("the file is empty", path=path) from exc
        except pl.exceptions.PolarsError as exc:
            if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
                raise _undecodable(path, data) from exc
            if overrides:  # a flag or year that is not an integer: read everything as text and reject rows
                continue
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            row, column = None, None
            if data.count(b'"') % 2:
                message = "a quoted field is never closed (the file has an odd number of '\"' characters)"
                row, column = _unbalanced_quote(data, header)
            raise InputError(f"cannot parse as CSV: {message}", path=path, row=row, column=column) from exc
        if frame.width != len(header.columns):
            raise InputError(
                f"the header has {len(header.columns)} columns but the CSV parser finds {frame.width} "
                "(a stray quote or line break in the header?)",
                path=path,
                row=header.header_row,
            )
        # a field written "" is as empty as one written without quotes (a re-export quoting every field); the
        # parser reads an empty field written without quotes as missing, so without "" in the text none is empty
        if b'""' in data:
            frame = frame.with_columns(pl.col(pl.String).replace("", None))
        return frame.rename(dict(zip(frame.columns, _labels(header.columns), strict=True))), ragged
    raise AssertionError("unreachable: the text-only attempt returns or raises")


def _unbalanced_quote(data: bytes, header: _Header) -> tuple[int | None, str | None]:
    """The line of the file (and the header's column) where a quote opens that its line never closes: the first
    line with an odd number of '"' characters (no CTDC field spans lines), and the field the unclosed quote
    starts in. (None, None) when every line balances its quotes."""
    delimiter = (header.delimiter or ",").encode()
    for index, line in enumerate(data.split(b"\n")):
        if line.count(b'"') % 2 == 0:
            continue
        field, quoted, opened_in = 0, False, 0
        for byte in line:
            if byte == ord('"'):
                quoted = not quoted
                if quoted:
                    opened_in = field
            elif not quoted and bytes([byte]) == delimiter:
                field += 1
        column = header.columns[opened_in].strip() if opened_in < len(header.columns) else None
        # lines below the header's own line; title lines above it were cut before parsing
        return header.header_row + index, column or None
    return None, None


def _undecodable(path: Path, data: bytes) -> InputError:
    return not_utf8(data, path) or InputError("the CSV parser found text that is not UTF-8", path=path)


def _read_workbook(path: Path, header: _Header) -> _Raw:
    assert header.sheet is not None
    match = HeaderMatch(sheet=header.sheet, header_row=header.header_row, top_rows=())
    frame, first_row = read_sheet(path, match, dtypes="string")
    # the sheet's own row numbers
    frame = frame.with_columns(pl.all().cast(pl.String)).with_columns(
        source_row=pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64)
    )
    notes = [
        f"read from sheet {header.sheet!r}"
        + (f", header on row {header.header_row}" if header.header_row > 1 else "")
    ]
    frame, empty_rows, empty_notes = without_empty_records(frame, unit="row")  # no value, or blanks only
    notes.extend(empty_notes)
    return _Raw(
        frame, empty_issues(), sha256_file(path), notes, rows_in=frame.height, left_out=int(empty_rows.size)
    )


# --- mapping onto the case table -----------------------------------------------------------------------------


@dataclasses.dataclass
class _Problem:
    """Rows to reject (or, with ``keep_row``, to keep with the field missing and flag): a mask over the raw
    frame, the column it is about and the reason (an expression)."""

    source: str
    mask: pl.Expr
    reason: pl.Expr
    keep_row: bool = False


_KEY = "_value"  # join key of a lookup table: a raw value
#: Said of a value outside the codebook in a field whose missing value the codebook allows: the row is kept.
KEPT_AS_MISSING = "read as missing, row kept"


@dataclasses.dataclass
class _Mapping:
    """How a layout's raw frame becomes canonical columns."""

    # (source column, lookup table keyed by _KEY): joined on the raw values
    lookups: list[tuple[str, pl.DataFrame]] = dataclasses.field(default_factory=list)
    before: dict[str, pl.Expr] = dataclasses.field(default_factory=dict)  # added to the raw frame first
    columns: dict[str, pl.Expr] = dataclasses.field(default_factory=dict)  # computed on the raw frame
    after: dict[str, pl.Expr] = dataclasses.field(default_factory=dict)  # computed on the joined frame
    problems: list[_Problem] = dataclasses.field(default_factory=list)
    distinct: dict[str, list[Any]] = dataclasses.field(default_factory=dict)  # column -> its distinct values
    # for the provenance: codes read as their successors
    notes: list[str] = dataclasses.field(default_factory=list)

    def prefetch(self, raw: pl.DataFrame, columns: list[str]) -> None:
        """The distinct values of several columns, found in one parallel pass."""
        columns = [c for c in dict.fromkeys(columns) if c not in self.distinct]
        if not columns:
            return
        found = raw.select([pl.col(c).drop_nulls().unique().implode() for c in columns]).row(0, named=True)
        self.distinct.update(found)

    def values(self, raw: pl.DataFrame, column: str) -> list[Any]:
        if column not in self.distinct:
            self.prefetch(raw, [column])
        return self.distinct[column]

    def coded(self, raw: pl.DataFrame, spec: _Coded) -> None:
        """Decode each distinct value once; a lookup table joined on the column applies it to every row."""
        dtype = raw.get_column(spec.source).dtype
        keys, rows, bad, skipped = [], [], {}, False
        for value in self.values(raw, spec.source):
            if _is_missing(str(value)):
                skipped = True
                continue
            try:
                decoded = spec.decode(str(value))
            except _Unknown as exc:
                bad[value] = str(exc)
                continue
            keys.append(value)
            rows.append(decoded)
        if bad:
            self.reject_values(spec.source, bad, keep_row=spec.keep_row)
        dated = [key for key in keys if re.match(YEAR_AS_DATE, str(key))] if "year" in spec.outputs else []
        if dated:  # said once for the column, as every loader of a year column says it
            cells = raw.select(pl.col(spec.source).is_in(dated).sum()).item()
            self.notes.append(years_from_dates_note(spec.source, cells))
        if not spec.outputs:
            return
        if spec.from_integers and dtype.is_integer() and not skipped:
            # rows with values that do not decode are rejected, so the column itself is the answer
            exprs = spec.from_integers(pl.col(spec.source))
            self.columns.update(dict(zip(spec.outputs, exprs, strict=True)))
            return
        table = pl.DataFrame(
            {
                _KEY: pl.Series(keys, dtype=dtype),
                **{
                    name: pl.Series([r[i] for r in rows], dtype=out_dtype)
                    for i, (name, out_dtype) in enumerate(spec.outputs.items())
                },
            }
        )
        self.lookups.append((spec.source, table))

    def reject_values(self, source: str, bad: dict[Any, str], *, keep_row: bool = False) -> None:
        if keep_row:  # the lookup table lacks these values: the row's field joins as missing
            bad = {value: f"{reason}: {KEPT_AS_MISSING}" for value, reason in bad.items()}
        reasons = set(bad.values())
        reason = (
            pl.lit(reasons.pop()) if len(reasons) == 1 else pl.col(source).replace_strict(bad, default=None)
        )
        self.problems.append(_Problem(source, pl.col(source).is_in(list(bad)), reason, keep_row))

    def countries(
        self, raw: pl.DataFrame, source: str, prefix: str, *, regions: bool = False, alpha2: bool = False
    ) -> None:
        """ISO2/ISO3 codes -> ``{prefix}_iso3``, ``{prefix}_region``, ``{prefix}_subregion`` (UN M49).

        A code ISO withdrew (``countries.FORMER_CODES``) is read as its one successor (``BU`` Burma as MMR, with
        a note), or, when its country split (``YU``, ``CS``, ``SU``, ``AN``), kept with the ISO3 code missing and
        the region its successors share, the row kept and flagged: never guessed into one successor.
        With ``regions``, a UN M49 sub-region or region name is accepted too (the ISO3 code is then null).

        ``NA`` is R's missing value as well as Namibia's ISO 3166-1 alpha-2 code: among three-letter codes it is
        missing (noted), among two-letter ones Namibia; alone in the column, the layout's codes decide
        (``alpha2``: the k-anonymised layout's ISO2).
        """
        from evidence.sources.countries import former_code, map_to_iso3, with_regions

        values = [v for v in self.values(raw, source) if not _is_country_missing(v)]
        r_missing = [v for v in values if v.strip() == "NA"]
        others = [v.strip() for v in values if v.strip() != "NA"]
        if r_missing and (
            (others and all(re.fullmatch(r"[A-Za-z]{3}", v) for v in others)) or (not others and not alpha2)
        ):
            n_missing = int(raw.get_column(source).is_in(r_missing).sum())
            self.notes.append(
                f"{source}: 'NA' read as missing in {n_missing} row{'s' if n_missing != 1 else ''} (R's missing value: "
                "the column's codes are ISO3, in which NA names no country; as ISO2 it would be Namibia)"
            )
            values = [v for v in values if v not in r_missing]
        iso3 = f"{prefix}_iso3"
        mapped = pl.DataFrame(
            {_KEY: values, iso3: map_to_iso3(values).iso3}, schema={_KEY: pl.String, iso3: pl.String}
        )
        formers = {
            v: found
            for v in mapped.filter(pl.col(iso3).is_null()).get_column(_KEY).to_list()
            if (found := former_code(v)) is not None
        }
        successor = {v: f.iso3 for v, f in formers.items() if f.iso3 is not None}
        if successor:
            mapped = mapped.with_columns(
                pl.col(_KEY)
                .replace_strict(successor, default=pl.col(iso3), return_dtype=pl.String)
                .alias(iso3)
            )
            counts = raw.get_column(source).value_counts().filter(pl.col(source).is_in(list(successor)))
            rows = dict(counts.iter_rows())
            self.notes.append(
                f"{source}: "
                + "; ".join(
                    f"{formers[v].reason()} ({rows.get(v, 0)} row{'s' if rows.get(v, 0) != 1 else ''})"
                    for v in sorted(successor)
                )
            )
        known = with_regions(mapped.filter(pl.col(iso3).is_not_null()), iso3, prefix)
        bad = mapped.filter(pl.col(iso3).is_null()).get_column(_KEY).to_list()
        split = {v: f for v, f in formers.items() if f.iso3 is None}
        if split:  # the region every successor lies in is known; the country is not
            region, subregion = f"{prefix}_region", f"{prefix}_subregion"
            areas = pl.DataFrame(
                [(v, None, *f.area) for v, f in split.items()],
                schema={_KEY: pl.String, iso3: pl.String, region: pl.String, subregion: pl.String},
                orient="row",
            )
            known = pl.concat([known, areas.select(known.columns)])
            bad = [v for v in bad if v not in split]
            column = pl.col(source)
            reasons = {v: f"{f.reason()}: country read as missing, row kept" for v, f in split.items()}
            self.problems.append(
                _Problem(
                    source,
                    column.is_in(list(split)),
                    column.replace_strict(reasons, default=None, return_dtype=pl.String),
                    keep_row=True,
                )
            )
        if regions and bad:
            # a country generalised to its UN M49 sub-region or region (k-anonymised exports do this)
            areas = _m49_areas(prefix)
            generalised = areas.filter(pl.col(_KEY).is_in(bad)).with_columns(
                pl.lit(None, pl.String).alias(iso3)
            )
            known = pl.concat([known, generalised.select(known.columns)])
            bad = [v for v in bad if v not in set(generalised.get_column(_KEY).to_list())]
        self.lookups.append((source, known))
        if bad:
            self.reject_values(source, dict.fromkeys(bad, "unknown country code"), keep_row=True)

    def flags(self, raw: pl.DataFrame, sources: list[str]) -> dict[str, pl.Expr]:
        """1/0/-99/empty columns -> true where 1, false where 0, else null.

        Only "some flag of the group is true" matters afterwards: the denominator rule turns a group's other
        flags false when one is true, and all of them null (unknown) when none is.
        """
        self.prefetch(raw, sources)
        is_true = {}
        for s in sources:
            integers = raw.get_column(s).dtype.is_integer()
            valid = _FLAG_VALID_INT if integers else _FLAG_VALID
            bad = [v for v in self.distinct[s] if v not in valid]
            if bad:
                self.reject_values(s, dict.fromkeys(bad, REASON_FLAG))
            is_true[s] = _flag_is_true(s, integers)
        return is_true


@functools.cache
def _flag_is_true(source: str, integers: bool) -> pl.Expr:
    """Whether a flag column (of integers or of text) says 1. Made once for each column and type: an expression is
    immutable, and made at every load (a list of values for each flag) it cost ~0.8 ms for the k-anonymised
    layout's 49 flags, whatever the file's size."""
    return (pl.col(source) == 1) if integers else pl.col(source).is_in(_FLAG_TRUE)


#: Country cells that mean "not recorded" ("00" is the 2017 dictionary's "Unknown Country"; "NA" is Namibia).
_MISSING_COUNTRY_TOKENS = {"", "-99", "00", "unknown", "null", "."}


def _m49_areas(prefix: str) -> pl.DataFrame:
    """Every UN M49 sub-region and region name -> ``{prefix}_region``, ``{prefix}_subregion``."""
    from evidence.sources.countries import country_table

    table = country_table().filter(pl.col("region").is_not_null())
    region, subregion = f"{prefix}_region", f"{prefix}_subregion"
    subregions = table.select(
        pl.col("subregion").alias(_KEY), pl.col("region").alias(region), pl.col("subregion").alias(subregion)
    )
    regions = table.select(
        pl.col("region").alias(_KEY), pl.col("region").alias(region), pl.lit(None, pl.String).alias(subregion)
    )
    return pl.concat([subregions, regions]).unique(_KEY, keep="first")


def _is_country_missing(value: str) -> bool:
    return value.strip().lower() in _MISSING_COUNTRY_TOKENS


def _synthetic_mapping(raw: pl.DataFrame) -> _Mapping:
    mapping = _Mapping()
    coded = [spec.source for spec in _synthetic_coded()]
    mapping.prefetch(raw, [*coded, "citizenship", "CountryOfExploitation", *SYNTHETIC_FLAGS])
    for spec in _synthetic_coded():
        mapping.coded(raw, spec)
    mapping.countries(raw, "citizenship", "origin")
    mapping.countries(raw, "CountryOfExploitation", "destination")
    is_true = mapping.flags(raw, list(SYNTHETIC_FLAGS))
    mapping.columns.update({target: is_true[s] for s, target in SYNTHETIC_FLAGS.items()})
    return mapping


def _vp_mapping(raw: pl.DataFrame) -> _Mapping:
    mapping = _Mapping()
    mapping.prefetch(raw, [*(spec.source for spec in _vp_coded()), *VP_FLAGS])
    for spec in _vp_coded():
        mapping.coded(raw, spec)
    is_true = mapping.flags(raw, list(VP_FLAGS))
    mapping.columns.update({target: is_true[s] for s, target in VP_FLAGS.items()})
    mapping.columns.update({t: _as_published(s) for s, t in VP_AS_PUBLISHED.items()})
    return mapping


#: A dash between the two ends of a band (a hyphen, en or em dash, minus; doubled or not, spaced or not).
_BAND_DASH = r"\s*[-\u2010-\u2015\u2212]+\s*"


def _as_published(source: str) -> pl.Expr:
    """A Victim-Perpetrator text column as CTDC publishes it, however a release or a re-save wrote it.

    An empty cell is missing however the file wrote it: a re-export quoting every field writes it "" (which the
    CSV parser reads as an empty text, not a missing value), a workbook " ", R ``NA``, the codebook ``NULL``
    (:data:`_MISSING_TOKENS`). Several values are joined by ``;`` without spaces (``Female; Male`` is
    ``Female;Male``). A perpetrator age band is spelled as published, ``30--38``, whatever its dash, spaces or
    zero-padding (``30-38``, ``30–38``, ``09 - 17``: as the victims' age bands are read): the same band would
    otherwise be two categories of every table by it."""
    cell = pl.col(source).str.strip_chars().str.replace_all(r"\s*;\s*", ";")
    if source == "IP_ageBroad":
        cell = (
            cell.str.replace_all(_BAND_DASH, "--")
            .str.replace_all(r"\s+\+", "+")
            .str.replace_all(r"\b0+([0-9])", "${1}")
        )
    missing = cell.str.to_lowercase().is_in(sorted(_MISSING_TOKENS | {"nan"}))
    return pl.when(missing).then(None).otherwise(cell)


def _k_anon_mapping(raw: pl.DataFrame) -> _Mapping:
    mapping = _Mapping()
    texts = [group.text_column for group in K_ANON_CONCAT_GROUPS]
    coded = [spec.source for spec in _k_anon_coded()]
    mapping.prefetch(raw, [*coded, "citizenship", "CountryOfExploitation", *texts, *K_ANON_FLAGS])
    for spec in _k_anon_coded():
        mapping.coded(raw, spec)
    mapping.countries(raw, "citizenship", "origin", regions=True, alpha2=True)
    mapping.countries(raw, "CountryOfExploitation", "destination", regions=True, alpha2=True)
    # the file's majority status where it has one, else the one its age band implies
    file_value, from_band = pl.col("_majority_file"), pl.col("_majority_from_band")
    mapping.after["majority_status"] = pl.coalesce(file_value, from_band)
    mapping.after["_majority_disagrees"] = (file_value != from_band).fill_null(False)

    # intermediate booleans are computed once (``before``) and OR-ed by name: small expression trees
    is_true = mapping.flags(raw, list(K_ANON_FLAGS))
    mapping.before.update({f"_true_{s}": e for s, e in is_true.items()})
    sources_of: dict[str, list[pl.Expr]] = {}
    for source, targets in K_ANON_FLAGS.items():
        for target in targets:
            sources_of.setdefault(target, []).append(pl.col(f"_true_{source}"))
    for i, group in enumerate(K_ANON_CONCAT_GROUPS):
        substantive = [s for s in group.flags if K_ANON_FLAGS[s]]
        # real rows disagree with themselves: a group's flags all empty while its text twin is filled
        flags_empty = _flags_empty(tuple((s, raw.get_column(s).dtype.is_integer()) for s in substantive))
        texts = mapping.values(raw, group.text_column)
        named_by_text = _labels_to_flags(texts, group)
        unknown = _unknown_labels(texts, group)
        if unknown:  # a label no flag of the group names ("Forced criminality"): the row kept, flagged
            column = pl.col(group.text_column)
            reason = column.replace_strict(unknown, default=None, return_dtype=pl.String)
            mapping.problems.append(_Problem(group.text_column, column.is_in(list(unknown)), reason, True))
        group_targets = sorted({t for s in substantive for t in K_ANON_FLAGS[s]})
        use_text = f"_derived{i}"
        for t in group_targets:
            # the texts naming the flag (a membership test: a mapping of every text to true or false built one
            # lookup table per flag; where no text is, the flag is not derived, whatever this says)
            naming = pl.Series([text for text, named in named_by_text.items() if t in named], dtype=pl.String)
            # (the list made when the frame is: an eager implode cost more than the rest of the flag's making,
            # for each of some forty flags of every file)
            mapping.before[f"_text{i}_{t}"] = pl.col(group.text_column).is_in(pl.lit(naming).implode())
            sources_of[t].append(pl.col(use_text) & pl.col(f"_text{i}_{t}"))
        names_a_flag = pl.col(group.text_column).is_in(
            [text for text, named in named_by_text.items() if named]
        )
        mapping.before[use_text] = (flags_empty & names_a_flag).fill_null(False)
        mapping.columns[use_text] = pl.col(use_text)
    mapping.columns.update({t: pl.any_horizontal(exprs) for t, exprs in sources_of.items()})
    return mapping


@functools.cache
def _flags_empty(flags: tuple[tuple[str, bool], ...]) -> pl.Expr:
    """Whether a row's flags (each named with whether its column is of integers) all say nothing: none holds a value
    that says something (0 or 1, in the column's type). Made once for each group of flags and their types: an
    expression is immutable, and made for every file (a list of values for each flag) it was a quarter of the
    time the k-anonymised mapping took to make, whatever the file's size."""
    return pl.all_horizontal(
        [~pl.col(source).is_in(_known_flag_values(integer)).fill_null(False) for source, integer in flags]
    )


def _known_flag_values(integer: bool) -> list[Any]:
    """The values of a flag column that say something (0 or 1), in the column's type (integers or text)."""
    return [0, 1] if integer else ["0", "0.0", "1", "1.0"]


@functools.lru_cache(maxsize=4096)  # bounded: the labels are the file's text
def _label_key(label: str) -> str:
    """A concatenated field's label as :func:`header_key` compares it (the same few labels recur in every text)."""
    return header_key(label)


def _group_keys(group: _ConcatGroup) -> dict[str, str]:
    """The keys of a concatenated field's labels that name a flag of its group -> that flag."""
    by_key = {_label_key(_strip_prefix(s)): s for s in group.flags}
    by_key.update(group.aliases)
    return by_key


def _labels_to_flags(texts: list[str], group: _ConcatGroup) -> dict[str, set[str]]:
    """Each distinct text of a concatenated field -> the canonical flags its labels name."""
    by_key = _group_keys(group)
    result = {}
    for text in texts:
        named: set[str] = set()
        for label in text.split(";"):
            source = by_key.get(_label_key(label))
            if source:
                named.update(K_ANON_FLAGS[source])
        result[text] = named
    return result


def _unknown_labels(texts: list[str], group: _ConcatGroup) -> dict[str, str]:
    """Each distinct text of a concatenated field naming a label that no flag of its group names -> the reason
    (its labels are not read as any flag: a new category, flagged so that nothing is silently lost)."""
    known = _group_keys(group)
    result = {}
    for text in texts:
        labels = [
            label.strip()
            for label in str(text).split(";")
            if label.strip() and not _is_missing(label) and _label_key(label) not in known
        ]
        if labels:
            shown = ", ".join(repr(label) for label in labels)
            result[text] = (
                f"unknown {group.name} label {shown}: no flag names it, so not read as one; row kept"
            )
    return result


def _strip_prefix(flag: str) -> str:
    for prefix in ("meansOfControl", "typeOfLabour", "typeOfSex", "recruiterRelation", "is"):
        if flag.startswith(prefix):
            return flag[len(prefix) :]
    return flag


#: The columns ``evidence register export-ctdc --generalised-columns`` writes after the k-anonymised layout's 63 ->
#: the layout's column whose value they stand for where it is empty: a band of years, a UN M49 sub-region or
#: region (the loader reads such values in the layout's own columns too). Finest first.
K_ANON_GENERALISED = {
    "yearOfRegistrationBand": "yearOfRegistration",
    "citizenshipUNM49Subregion": "citizenship",
    "citizenshipUNM49Region": "citizenship",
    "CountryOfExploitationUNM49Subregion": "CountryOfExploitation",
    "CountryOfExploitationUNM49Region": "CountryOfExploitation",
}


def _generalised_read(
    frame: pl.DataFrame, extra: list[str], notes: list[str]
) -> tuple[pl.DataFrame, list[str]]:
    """A k-anonymised file's generalised columns (:data:`K_ANON_GENERALISED`) read into the layout's column they
    stand for, where it is empty (a sub-region before its region); and the columns still not used. A value of
    the layout's own column stands where both hold one."""
    keys = {header_key(c): c for c in K_ANON_GENERALISED}
    found = {keys[header_key(c)]: c for c in extra if header_key(c) in keys}
    if not found:
        return frame, extra

    def cell(column: str) -> pl.Expr:
        text = pl.col(column).cast(pl.String).str.strip_chars()
        return pl.when(text != "").then(text)

    for target in dict.fromkeys(K_ANON_GENERALISED.values()):
        sources = [found[g] for g, t in K_ANON_GENERALISED.items() if t == target and g in found]
        if not sources or target not in frame.columns:
            continue
        if frame.select(pl.any_horizontal(cell(c).is_not_null() for c in sources).any()).item():
            frame = frame.with_columns(pl.coalesce(cell(target), *(cell(c) for c in sources)).alias(target))
    notes.append(
        "generalised columns read where the layout's own is empty (a k-anonymised export's band of years or UN "
        "M49 area): " + ", ".join(found.values())
    )
    return frame, [c for c in extra if c not in found.values()]


def _columns_for(layout: str) -> list[str]:
    return {
        GLOBAL_SYNTHETIC: SYNTHETIC_COLUMNS,
        K_ANONYMISED: K_ANON_COLUMNS,
        VICTIM_PERPETRATOR: VP_COLUMNS,
    }[layout]


def _align_columns(raw: _Raw, layout: str) -> None:
    """Name columns as the layout spells them; absent optional columns read as empty (and noted; the flags they
    feed are then not recorded: :func:`_unrecorded`)."""
    frame = raw.frame.rename({c: _canonical_name(c) for c in raw.frame.columns if c != "source_row"})
    wanted = _columns_for(layout)
    missing = [c for c in wanted if c not in frame.columns]
    extra = [
        c
        for c in frame.columns
        if c not in wanted and c != "source_row" and header_key(c) != header_key(DEMO_MARKER)
    ]
    if layout == K_ANONYMISED and extra and extra[0].lower().startswith(_K_ANON_TERMS_PREFIX):
        extra = extra[1:]  # the terms-of-use header cell heads an always-empty column
    if missing:
        frame = frame.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in missing])
    absent_note_at = len(raw.notes)
    unnamed = [c for c in extra if c.startswith(_UNNAMED)]
    extra = [c for c in extra if not c.startswith(_UNNAMED)]
    generalised: list[str] = []
    if layout == K_ANONYMISED:
        frame, still = _generalised_read(frame, extra, raw.notes)
        generalised, extra = [c for c in extra if c not in still], still
    frame = _flag_words(frame, [*_flag_sources(layout), *(c for c in extra if _group_of(c))], raw.notes)
    raw.twin_flags = _twin_flags(frame, extra, layout, missing)
    if raw.twin_flags:
        read = [c for cols in raw.twin_flags.values() for c in cols]
        extra = [c for c in extra if c not in read]
        raw.notes.append(
            "flags under the names CTDC's k-anonymised layout (and the Global Synthetic Dataset's first release) "
            "gives them, read onto the case table's columns: "
            + "; ".join(f"{', '.join(cols)} ({target})" for target, cols in raw.twin_flags.items())
        )
    # a column of the layout the file records under another layout's name is not absent (the 2021 release's
    # meansOfControlDebtBondage and meansOfControlTakesEarnings for meansDebtBondageEarnings)
    targets = {**SYNTHETIC_FLAGS, **VP_FLAGS} if layout != K_ANONYMISED else {}
    missing = [c for c in missing if targets.get(c) not in raw.twin_flags]
    if missing:
        raw.notes.insert(absent_note_at, ABSENT_NOTE + ", ".join(missing))
        raw.absent = missing
    raw.group_flags = _new_group_flags(frame, extra)
    if raw.group_flags:
        read = [c for cols in raw.group_flags.values() for c in cols]
        extra = [c for c in extra if c not in read]
        raw.notes.append(
            "flags the layout does not name, read by their group's prefix: "
            + "; ".join(
                f"{', '.join(cols)} ({group.replace('_', ' ')})" for group, cols in raw.group_flags.items()
            )
            + ": a record with one of them 1 is in that group's denominator (codebook section 6), its other flags of "
            "the group 0; the flags themselves have no column in the case table"
        )
    if extra:
        raw.notes.append("columns not used: " + ", ".join(extra))
    if unnamed:
        raw.notes.append(f"{len(unnamed)} unnamed column(s) not used (a header with trailing delimiters?)")
    raw.frame = frame
    raw.rejects = pl.concat(
        [raw.rejects, _notes_beside(frame, [*wanted, *generalised, *_group_flag_columns(raw)])]
    )


#: The note naming the columns of the layout a file does not have.
ABSENT_NOTE = "columns absent from this file, not recorded (unknown on every record, never 0): "


def _unrecorded(layout: str, absent: list[str]) -> dict[str, str | None]:
    """The case table's flags that a file does not record: every column of the layout feeding one is absent
    (``means_abuse`` of the k-anonymised layout stays recorded while one of its three columns is there) -> the
    k-anonymised layout's concatenated field that may still name it on a row (``_derived{i}``), else None.

    Such a flag is unknown on every record, also where its group is known from the file's other flags: the
    denominator rule's "empty flags of a recorded group are 0" is about a flag the file has and left empty,
    not one it never had (the rule made a file without ``meansWithholdDocs`` say "Documents withheld: 0%")."""
    if not absent:
        return {}
    gone = set(absent)
    if layout == GLOBAL_SYNTHETIC:
        return {t: None for s, t in SYNTHETIC_FLAGS.items() if s in gone}
    if layout == VICTIM_PERPETRATOR:
        return {t: None for s, t in VP_FLAGS.items() if s in gone}
    sources: dict[str, list[str]] = {}
    for source, targets in K_ANON_FLAGS.items():
        for target in targets:
            sources.setdefault(target, []).append(source)
    out: dict[str, str | None] = {}
    for target, feeding in sources.items():
        if not set(feeding) <= gone:
            continue
        i = next(i for i, g in enumerate(K_ANON_CONCAT_GROUPS) if feeding[0] in g.flags)
        out[target] = None if K_ANON_CONCAT_GROUPS[i].text_column in gone else f"_derived{i}"
    return out


#: A row whose only text stands in columns the layout does not read (a note or source line below the records).
REASON_NOTE = "no field of the layout holds a value, only a column not used: a note, not a victim"


def _group_flag_columns(raw: _Raw) -> list[str]:
    """The columns the layout does not name that are read as flags of a group (:func:`_new_group_flags`) or onto
    the case table's column another layout feeds from them (:func:`_twin_flags`)."""
    return [c for cols in [*raw.group_flags.values(), *raw.twin_flags.values()] for c in cols]


def _notes_beside(frame: pl.DataFrame, read: list[str]) -> pl.DataFrame:
    """A reject per row holding text only in columns not read (``read``: the columns the layout reads): it
    would otherwise be a victim with every field missing. Named under the first such column, with its text."""
    others = [c for c in frame.columns if c not in read and c != "source_row"]
    if not others or frame.is_empty():
        return empty_issues()
    # the columns not read first: they are few, and most often empty on every row (the wide rest is then not read)
    beside = ~empty_records(frame.select(others), exclude=())
    if not beside.any():
        return empty_issues()
    notes = empty_records(frame.select(c for c in read if c in frame.columns)) & beside
    if not notes.any():
        return empty_issues()
    rows = frame.filter(pl.Series(notes))
    first = pl.coalesce(
        pl.when(pl.col(c).cast(pl.String).str.strip_chars() != "").then(pl.lit(c)) for c in others
    )
    text = pl.coalesce(
        pl.when(pl.col(c).cast(pl.String).str.strip_chars() != "").then(pl.col(c).cast(pl.String))
        for c in others
    )
    return issues_frame(
        rows.select(row=pl.col("source_row"), column=first, value=text, reason=pl.lit(REASON_NOTE))
    )


_UNNAMED = "(unnamed column "

#: The prefixes CTDC's codebooks name a flag group's columns by (longest first) -> the case table's flag group.
#: Every ``is*`` column of the three layouts is a type of exploitation but ``isAbduction`` (a known column).
_GROUP_PREFIXES = (
    ("meansOfControl", "means_of_control"),
    ("means", "means_of_control"),
    ("typeOfLabour", "labour_sector"),
    ("typeOfSex", "sexual_exploitation_type"),
    ("recruiterRelation", "recruiter_relation"),
    ("is", "exploitation"),
)
#: Name parts of columns that say a group is not recorded or join its labels: never a flag of the group.
_NOT_A_GROUP_FLAG = re.compile(r"(?i)notspecified|unknown|concatenated")


#: Flag cells a file re-saved by R, pandas or a spreadsheet writes for the published 1 / 0 / empty (compared
#: stripped and case-folded): R's and a spreadsheet's booleans (``TRUE``, ``FALSE``; a workbook's boolean cells
#: read as ``true``), R's missing value ``NA`` and pandas' ``nan``, and ``n/a``; and ``NULL``, the codebook's own
#: notation of missing data (a file exported from the database the codebook describes writes it in every empty cell).
_FLAG_WORDS: dict[str, str | None] = {
    "true": "1",
    "false": "0",
    "na": None,
    "nan": None,
    "n/a": None,
    "null": None,
}

#: A flag cell holding neither 1, 0, -99 nor nothing, nor a word of :data:`_FLAG_WORDS`: the row rejected (a word
#: there, ``Yes``, is a value cut short of its record, never a note line below the records: only prose, words and
#: spaces, may be one). It names every spelling read, so that a user knows what to write.
_EMPTY_WORDS = [
    {"nan": "NaN", "n/a": "n/a"}.get(w, w.upper()) for w, read in _FLAG_WORDS.items() if read is None
]
REASON_FLAG = (
    "unknown flag value (expected 1, 0, -99 or empty; also read, in any case: TRUE and FALSE as 1 and 0, "
    f"{', '.join(_EMPTY_WORDS[:-1])} or {_EMPTY_WORDS[-1]} as empty)"
)


def _flag_sources(layout: str) -> list[str]:
    """The layout's flag columns (its own spelling)."""
    flags: dict[str, Collection[str]] = {
        GLOBAL_SYNTHETIC: SYNTHETIC_FLAGS,
        K_ANONYMISED: K_ANON_FLAGS,
        VICTIM_PERPETRATOR: VP_FLAGS,
    }
    return list(flags[layout])


def _flag_words(frame: pl.DataFrame, columns: list[str], notes: list[str]) -> pl.DataFrame:
    """Flag columns with the words of :data:`_FLAG_WORDS` written as the published ``1`` / ``0`` / empty, with a
    note naming them (a file re-saved by R writes ``NA`` for every empty flag: each record was rejected for an
    "unknown flag value"), and a published value padded with spaces (``" 1 "``, a fixed-width export) written
    without them, as the coded fields are read. Other text stays as written, to be rejected with its row."""
    changed: dict[str, list[str]] = {}
    exprs = []
    schema = frame.schema  # built once: polars builds a new one on each ``frame.schema``
    text = [c for c in dict.fromkeys(columns) if c in schema and schema[c] == pl.String]
    # every column's distinct values in one pass
    distinct = frame.select(pl.col(c).drop_nulls().unique().implode() for c in text).row(0) if text else ()
    for column, values in zip(text, distinct, strict=True):
        words = sorted({v for v in values if v.strip().casefold() in _FLAG_WORDS})
        padded = {v: v.strip() for v in values if v != v.strip() and v.strip() in _FLAG_VALID}
        if not words and not padded:
            continue
        written = pl.col(column).replace(padded) if padded else pl.col(column)
        for word in words:
            changed.setdefault(word, []).append(column)
        key = pl.col(column).str.strip_chars().str.to_lowercase()
        exprs.append(
            pl.when(key.is_in(list(_FLAG_WORDS)))
            .then(key.replace_strict(_FLAG_WORDS, default=None, return_dtype=pl.String))
            .otherwise(written)
            .alias(column)
            if words
            else written
        )
    if not exprs:
        return frame
    if changed:
        shown = "; ".join(
            f"{word!r} as {_FLAG_WORDS[word.strip().casefold()] or 'empty'} ({len(cols)} column(s): "
            f"{', '.join(cols[:3])}{', ...' if len(cols) > 3 else ''})"
            for word, cols in changed.items()
        )
        notes.append(
            "flag cells read as CTDC publishes them (1, 0 or empty: the codebook's NULL, or a file re-saved by R, "
            f"pandas or a spreadsheet): {shown}"
        )
    return frame.with_columns(exprs)


def _group_of(column: str) -> str | None:
    """The flag group a column not in the layout is named for by its prefix (see :func:`_new_group_flags`)."""
    return next(
        (
            g
            for prefix, g in _GROUP_PREFIXES
            if column.startswith(prefix) and column[len(prefix) : len(prefix) + 1].isupper()
        ),
        None,
    )


def _new_group_flags(frame: pl.DataFrame, columns: list[str]) -> dict[str, list[str]]:
    """Columns a layout does not name (a later release's new flag: ``isForcedCriminality``) that are flags of one
    of its groups: named by the group's prefix (a capital letter after it) and holding flag values only (1, 0,
    -99 or empty). A record with such a flag 1 has that group recorded (codebook section 6), so it must count in
    the group's denominator even when every flag the case table has for the group is empty."""
    found: dict[str, list[str]] = {}
    for column in columns:
        group = _group_of(column)
        if group is None or _NOT_A_GROUP_FLAG.search(column):
            continue
        values = frame.get_column(column).cast(pl.String).str.strip_chars().replace("", None).drop_nulls()
        if values.len() and values.is_in(_FLAG_VALID).all():
            found.setdefault(group, []).append(column)
    return found


#: Every flag column a CTDC layout names -> the case table columns it feeds (the k-anonymised layout's first: it
#: names the most; a name two layouts share feeds the same column in both).
_FLAG_TARGETS: dict[str, tuple[str, ...]] = {
    **{s: (t,) for s, t in VP_FLAGS.items()},
    **{s: (t,) for s, t in SYNTHETIC_FLAGS.items()},
    **{s: t for s, t in K_ANON_FLAGS.items() if t},
}


def _twin_flags(
    frame: pl.DataFrame, columns: list[str], layout: str, absent: Collection[str] = ()
) -> dict[str, list[str]]:
    """Columns a layout does not name that another CTDC layout names as a flag of a case table column this layout
    does not feed (a later Global Synthetic release adding the k-anonymised layout's
    ``typeOfLabourIllicitActivities`` or ``isForcedMarriage``; a Victim-Perpetrator one adding ``isOtherExploit``),
    holding flag values only -> that column, with the columns feeding it. Read onto it as the other layout reads
    them (several OR-ed), not only into their group's denominator: the case table has the column, and left
    unknown on every record it would hide what the file records. A flag feeding a column one of the layout's own
    columns in the file feeds (``meansOfControlThreats`` beside ``meansThreats``) stays a flag of its group
    (:func:`_new_group_flags`); where the layout's own column is ``absent``, the other name stands for it (the
    Global Synthetic Dataset's first release names its means of control as the k-anonymised layout does)."""
    if layout == K_ANONYMISED:  # names every flag the case table has a column for
        return {}
    own = {t for s in _flag_sources(layout) if s not in absent for t in _FLAG_TARGETS.get(s, ())}
    found: dict[str, list[str]] = {}
    for column in columns:
        targets = _FLAG_TARGETS.get(column, ())
        if len(targets) != 1 or targets[0] in own:
            continue
        values = frame.get_column(column).cast(pl.String).str.strip_chars().replace("", None).drop_nulls()
        if values.is_in(_FLAG_VALID).all():
            found.setdefault(targets[0], []).append(column)
    return found


def _recorded_by_new_flags(frame: pl.DataFrame, group_flags: dict[str, list[str]]) -> dict[str, pl.Series]:
    """Flag group -> whether each row of ``frame`` has one of the group's new flags (:func:`_new_group_flags`) 1."""
    return {
        group: frame.select(
            pl.any_horizontal(
                pl.col(c).cast(pl.String).str.strip_chars().is_in(_FLAG_TRUE).fill_null(False) for c in cols
            )
        ).to_series()
        for group, cols in group_flags.items()
    }


def _labels(columns: list[str]) -> list[str]:
    """The header's names, with a distinct label for each blank one (a header may end in delimiters)."""
    return [name if name.strip() else f"{_UNNAMED}{i + 1})" for i, name in enumerate(columns)]


def _release(
    layout: str, age_bands: list[str], last_year: int | None = None, *, names_2021: bool = False
) -> tuple[str, str | None]:
    """The release and, when it was told from the data (or the data contradict it), how.

    A release told from the layout or the age bands is checked against the years its metadata says it covers:
    a file holding later years is a later release the file does not name, so its release is "unknown", with a
    note, never the earlier release's label."""
    release, how = _release_from_layout(layout, age_bands, names_2021=names_2021)
    if release == UNKNOWN or last_year is None:
        return release, how
    known = dataset(SOURCE, layout).known_release(release)
    if known is None or known.years is None or last_year <= known.years[1]:
        return release, how
    first, last = known.years
    return UNKNOWN, (
        f"release not stated: the file holds years up to {last_year}, after the {first}\u2013{last} that release "
        f"{release} covers{f' ({how})' if how else ' (the only release of this layout the toolkit knows)'}; "
        "a later release, which the file does not name"
    )


def _release_from_layout(
    layout: str, age_bands: list[str], *, names_2021: bool = False
) -> tuple[str, str | None]:
    if layout == GLOBAL_SYNTHETIC and names_2021:  # its age bands may be zero-padded as v2025's are
        return "2021", (
            "release 2021 told from its column names (the means of control named as in the first release: "
            "codebook version 2, Appendix II)"
        )
    if layout == VICTIM_PERPETRATOR:  # one release so far: the one its metadata knows
        known = dataset(SOURCE, VICTIM_PERPETRATOR).releases
        return (known[-1].release if len(known) == 1 else UNKNOWN), None
    if layout == K_ANONYMISED:
        return UNKNOWN, None
    bands = {b.strip() for b in age_bands}
    padded = any(re.fullmatch(r"0\d-+\d+", b) for b in bands)
    unpadded = any(re.fullmatch(r"[1-9]-+\d+", b) for b in bands)
    if padded and not unpadded:
        return "2025", "release 2025 told from the zero-padded age bands (e.g. '09--17')"
    if unpadded and not padded:
        return "2024", "release 2024 told from the unpadded age bands (e.g. '9--17')"
    return UNKNOWN, None


def _last_year(values: list[Any]) -> int | None:
    """The latest year the year column's distinct values name (a band "2021-2022" names 2022), or None. Years out
    of range (their rows are rejected) say nothing of the release."""
    low, high = _year_bounds()
    years = [
        year
        for v in values
        if v is not None
        for y in re.findall(r"(?<!\d)(\d{4})(?!\d)", str(v))
        if low <= (year := int(y)) <= high
    ]
    return max(years) if years else None


def load(path: str | Path, layout: str | None = None) -> LoadedTable:
    """Load a CTDC file (any of the three layouts, CSV or xlsx) onto the canonical case table.

    ``layout``, when given (the registry passes the sniffed one), must match the file's header.
    """
    path = Path(path)
    head = FileHead(path)
    header = _read_header(head)
    if header is None:
        near = _near_miss(head)
        if near is not None:  # a CTDC header with a column the layout needs deleted or renamed: name it
            raise InputError(
                near.message,
                path=path,
                row=near.header_row,
                column=near.missing[0] if near.missing else None,
            )
        raise InputError("not a CTDC file: the header matches none of the three CTDC layouts", path=path)
    if layout is not None and header.layout != layout:
        raise InputError(f"expected a CTDC {layout} file, found {header.layout}", path=path)
    check_width(len(header.columns), path)
    # unnamed columns (a header with trailing delimiters) are no names, so they cannot repeat one
    names = Counter(_canonical_name(c) for c in header.columns if c.strip())
    repeated = sorted(n for n, count in names.items() if count > 1)
    if repeated:  # the cells of each, by reference (workbook.repeated_label_error's words)
        cells = "; ".join(
            " and ".join(
                f"{cell_reference(i, header.header_row)} {c.strip()!r}"
                for i, c in enumerate(header.columns)
                if c.strip() and _canonical_name(c) == name
            )
            for name in repeated
        )
        raise InputError(
            f"the header names a column more than once: {', '.join(repeated)} ({cells}): which one to read "
            "cannot be told from the file",
            path=path,
            row=header.header_row,
            hint="delete or rename the column not to read",
        )
    raw = _read(path, header)
    _align_columns(raw, header.layout)
    frame = raw.frame
    below = text_rows_at_end(frame)  # a source or terms line below the records: a note, once rejected as one
    build = {
        GLOBAL_SYNTHETIC: _synthetic_mapping,
        K_ANONYMISED: _k_anon_mapping,
        VICTIM_PERPETRATOR: _vp_mapping,
    }
    mapping = build[header.layout](frame)
    if raw.twin_flags:  # flags another layout names, onto the case table's columns as that layout reads them
        is_true = mapping.flags(frame, [c for cols in raw.twin_flags.values() for c in cols])
        mapping.columns.update(
            {target: pl.any_horizontal(is_true[c] for c in cols) for target, cols in raw.twin_flags.items()}
        )
    raw.notes.extend(mapping.notes)
    # the toolkit's demo data (its as_demo note says so): its age bands say nothing of a CTDC release
    demo = demo_signature(path, raw.sha256)
    release_note_at = len(raw.notes)  # the release is told once the rows are kept or rejected (below)
    if header.layout == K_ANONYMISED:
        unmapped = [
            "majorityStatusAtExploit",
            "majorityEntry",
            *(s for s, t in K_ANON_FLAGS.items() if not t),
        ]
        raw.notes.append("validated but not in the case table: " + ", ".join(unmapped))

    masks = [p.mask.fill_null(False).alias(f"_bad{i}") for i, p in enumerate(mapping.problems)]
    # eager joins of one column each: faster here than a lazy plan over the whole frame
    joined = [
        frame.get_column(source)
        .alias(_KEY)
        .to_frame()
        .join(table, on=_KEY, how="left", maintain_order="left")
        .drop(_KEY)
        for source, table in mapping.lookups
    ]
    staged = frame.with_columns([e.alias(c) for c, e in mapping.before.items()]) if mapping.before else frame
    computed = staged.select(pl.col("source_row"), *[e.alias(c) for c, e in mapping.columns.items()], *masks)
    out = pl.concat([computed, *joined], how="horizontal")
    if mapping.after:
        out = out.with_columns([e.alias(c) for c, e in mapping.after.items()])

    rejects, unknown = [raw.rejects], list[pl.DataFrame]()
    for i, problem in enumerate(mapping.problems):
        rows = frame.filter(out.get_column(f"_bad{i}"))
        issues = issues_frame(
            rows.select(
                row="source_row",
                column=pl.lit(problem.source),
                value=pl.col(problem.source).cast(pl.String),
                reason=problem.reason,
            )
        )
        (unknown if problem.keep_row else rejects).append(issues)
    rejects_table = pl.concat(rejects).sort("row", maintain_order=True)
    if rejects_table.height:
        keep = ~out.get_column("source_row").is_in(rejects_table.get_column("row").implode())
        frame, out = frame.filter(keep), out.filter(keep)
    # a record at the end holding one flag spelled as a word (every other field suppressed) stays rejected
    a_flag = (pl.col("reason") == REASON_FLAG) & ~pl.col("text").str.contains(r"\s")
    rejects_table, noted, note_lines = notes_below(
        below,
        rejects_table,
        unit="line" if header.sheet is None else "row",
        is_note=(pl.col("column") == pl.col("note_column")) & ~a_flag,
    )
    raw.notes.extend(note_lines)
    # only kept rows' years say which release the file is: a rejected notes line ("... Dataset 2025") does not
    release, how = demo or _release(
        header.layout,
        frame.get_column("ageBroad").drop_nulls().unique().to_list() if "ageBroad" in frame.columns else [],
        _last_year(out.get_column("year_band").unique().to_list()) if "year_band" in out.columns else None,
        names_2021=header.layout == GLOBAL_SYNTHETIC
        and _names_2021({_canonical_name(c) for c in header.columns}),
    )
    if how and not demo:
        raw.notes.insert(release_note_at, how)
    flags = _flag_issues(frame, out)
    if unknown:
        kept_unknown = pl.concat(unknown).filter(pl.col("row").is_in(out.get_column("source_row").implode()))
        flags = pl.concat([flags, kept_unknown]).sort("row", maintain_order=True)
        raw.notes.extend(_unknown_values_note(kept_unknown))
    data = apply_denominator_rule(out.drop([c for c in out.columns if c.startswith("_")]))
    # a record whose group is recorded only by a flag the case table has no column for: in the denominator
    recorded = _recorded_by_new_flags(frame, raw.group_flags)
    data = conform(
        data.with_columns(
            pl.when(pl.lit(flag)).then(pl.col(c).fill_null(False)).otherwise(pl.col(c)).alias(c)
            for group, flag in recorded.items()
            for c in FLAG_GROUPS[group]
            if c in data.columns
        )
    )
    # a flag the file has no column for is unknown, not 0 where its group is known (but where a k-anonymised
    # row's flags were read from its concatenated field, which names every label of the group)
    unrecorded = _unrecorded(header.layout, raw.absent)
    if unrecorded:
        data = data.with_columns(
            (
                pl.when(out.get_column(derived)).then(pl.col(t)).otherwise(None)
                if derived is not None and derived in out.columns
                else pl.lit(None, pl.Boolean)
            ).alias(t)
            for t, derived in unrecorded.items()
        )

    provenance = describe(
        SOURCE, header.layout, release, path=str(path), sha256=raw.sha256, notes=tuple(raw.notes)
    )
    if header.columns and header.columns[0].strip() == ORGANISATION_EXPORT_TERMS:
        provenance = _organisation_export(provenance)
    if demo:
        provenance = as_demo(provenance, *demo)
    return LoadedTable(
        data=data,
        provenance=provenance,
        rows_in=raw.rows_in - noted,
        rejects=rejects_table,
        flags=flags,
        rows_left_out=raw.left_out + noted,
    )


#: The terms sentence an organisation's own k-anonymised export in CTDC's layout heads its header with
#: (:data:`evidence.sources.register.ctdc_export.TERMS`), where CTDC's release has CTDC's terms of use.
ORGANISATION_EXPORT_TERMS = (
    "By using this data you agree to the data-sharing terms of the organisation that contributed it"
)


def _organisation_export(provenance: Provenance) -> Provenance:
    """The provenance of an organisation's own k-anonymised export (``evidence register export-ctdc``), read
    back: CTDC's layout, not CTDC's data. Its producer, web address, citation and k are the organisation's, which
    the file does not state (a provenance sidecar beside it may): nothing of CTDC's is claimed for it."""
    return dataclasses.replace(
        provenance,
        name="An organisation's k-anonymised case records (CTDC layout)",
        title="",
        producer="",
        url="",
        licence="the contributing organisation's data-sharing terms",
        citation="",
        terms=(ORGANISATION_EXPORT_TERMS + ".",),
        date_published="",
        published_protection="k-anonymised by the organisation before export (the file does not state its k)",
        notes=(
            *provenance.notes,
            (
                "an organisation's own k-anonymised export in CTDC's layout (its header's terms sentence is the "
                "organisation's, not CTDC's): CTDC's producer, citation and k are not claimed for it"
            ),
        ),
    )


def _unknown_values_note(issues: pl.DataFrame) -> list[str]:
    """A note naming the values outside the codebook that were read as missing in kept rows (flags list each)."""
    if issues.is_empty():
        return []
    counts = issues.group_by("column", "value", maintain_order=True).agg(
        pl.len().alias("n"), pl.col("row").min().alias("first")
    )
    shown = [
        f"{c} {v!r} ({n} row{'s' if n > 1 else ''}, first on row {first})"
        for c, v, n, first in counts.head(12).iter_rows()
    ]
    more = f" and {counts.height - 12} more" if counts.height > 12 else ""
    texts = {group.text_column for group in K_ANON_CONCAT_GROUPS}
    labels = (
        " (a concatenated field's unknown label: not read as a flag)" if set(counts["column"]) & texts else ""
    )
    note = (
        f"{issues.height} value(s) outside the codebook read as missing{labels}, their rows kept (listed in the "
        f"flags with row and column): {'; '.join(shown)}{more}"
    )
    return [note]


def _flag_issues(frame: pl.DataFrame, out: pl.DataFrame) -> pl.DataFrame:
    """Kept rows worth reviewing: flags derived from a concatenated field; majority status against age band."""
    parts = []
    for i, group in enumerate(K_ANON_CONCAT_GROUPS):
        name = f"_derived{i}"
        if name in out.columns and out.get_column(name).any():
            parts.append(
                frame.filter(out.get_column(name)).select(
                    row="source_row",
                    column=pl.lit(group.text_column),
                    value=pl.col(group.text_column),
                    reason=pl.lit(f"{group.name} flags were empty; derived from the concatenated field"),
                )
            )
    if "_majority_disagrees" in out.columns and out.get_column("_majority_disagrees").any():
        parts.append(
            frame.filter(out.get_column("_majority_disagrees")).select(
                row="source_row",
                column=pl.lit("majorityStatus"),
                value=pl.col("majorityStatus"),
                reason=pl.lit("majority status disagrees with the age band; the file's status kept"),
            )
        )
    return pl.concat([issues_frame(p) for p in parts]).sort("row") if parts else empty_issues()


LOADER = register(
    Loader(
        source=SOURCE,
        sniff=sniff,
        load=load,
        description="CTDC victim-level data: Global Synthetic (v2024/v2025), k-anonymised, Victim–Perpetrator",
        diagnose=diagnose,
        # bump when the case table from the same file changes (3: provenance from metadata; 4: demo files
        # recognised by their marker column, header labels compared by header_key; 5: "Not specified" labour
        # sector feeds no flag, the k-anonymised release's published protection in its provenance; 6: a new
        # Datasource or majority-status value is flagged and read as missing, the victim kept (was rejected);
        # 7: only kept rows' years and age bands tell the release; a label of a concatenated field that no flag
        # names is flagged, its row kept (was ignored unseen); a file re-saved with another delimiter (semicolons,
        # tabs) read, with a note (was refused); 8: a Victim-Perpetrator text cell written "" or " " is missing,
        # as an empty one (was kept as an empty text); 9: a flag the layout does not name, of a group by its prefix
        # (a later release's isForcedCriminality), puts its records in the group's denominator (were unknown); 10:
        # a CSV field written "" is empty in every column (a flag so written was an unknown value when the cells
        # were read as text); 11: rows of delimiters only below the records of a CSV file (a spreadsheet's cleared
        # rows) left out as no record (were kept as victims with every field missing); 12: a header label with a
        # footnote number ("yearOfRegistration¹", "gender [1]") read as the column (workbook.header_cell_key; the
        # release was not recognised, or the column read as absent))
        version="28",  # 13: an empty row among the records left out (was a victim), counted; a row with text only
        # in a column not used rejected as a note (was a victim with every field missing); a repeated column
        # named by its cells; 14: a row with text only beyond the header's last field rejected (too many fields),
        # not left out as holding nothing; 15: a VP region in another case, or Americas and Oceania apart, read as
        # the region it names (was missing, flagged); 16: a country code ISO withdrew read as its one successor
        # (BU as MMR), one whose country split (YU, SU) kept with its successors' shared region and flagged as such
        # (both were an unknown country code); 17: a flag whose every column is absent from the file is null on
        # every record (was 0 where its group was known: a false 0%); 18: flags written TRUE/FALSE (R's,
        # pandas' or a workbook's booleans) or NA/nan (R's, pandas' missing value) read as 1/0/empty (every
        # record was rejected); NA in a column of ISO3 country codes read as missing (was Namibia); a workbook's
        # error cell (#N/A) read as its text (was an empty cell); 19: an organisation's own k-anonymised export
        # (the register's terms sentence) described as the organisation's, not as CTDC's release; 20: NULL (the
        # codebook's missing data) read as missing in every column (flags: every record was rejected); a
        # Victim-Perpetrator text cell NA or NULL missing (was a category), its values joined by ';' without
        # spaces, a perpetrator age band spelled as published (30--38) whatever its dash (30-38 was another band);
        # a gender spelled with spaces or hyphens (Trans/Transgender/Non-Conforming) read as the codebook's value;
        # the 2017 dictionary's finer age bands (12--14, 66+) read as the broad band holding them (were missing);
        # 21: a flag another CTDC layout names fills its case table column (was its group's denominator only); the
        # Global Synthetic Dataset's first release (2021 names, one cut to 32 characters) read, release 2021 (was
        # refused as a derived table); 22: notes below the records (a source or terms line, text in one cell)
        # left out and named (delimited.notes_below; they were rejected: a release with one did not validate); 23:
        # a last record holding only one flag spelled as a word (Yes) rejected for it again (was left out as a note)
        # 24: a workbook's year cells holding dates of 1 January (a year-only date format) read as their years,
        # with a note (workbook.YEAR_AS_DATE; every such record was rejected as "year is not a number"); 25: the
        # unknown flag value's reason names the words read as flags too (TRUE, FALSE, NA, NULL...); 26: a VP band
        # of years written short (2021-22) read as the band it names, 2021-2022 (its records were rejected); 27: a
        # flag padded with spaces (" 1 ", a fixed-width export) read as the value (every record was rejected);
        # 28: a text file's header repeated within the records (pasted in parts) left out and named (typed_tables;
        # each was rejected as a record)
    )
)
