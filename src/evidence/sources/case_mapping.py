"""The mapping file of an organisation's case records: which column holds which canonical field, how codes read.

``docs/case-records.md`` describes every key. The file's shape (keys, types, choices) is declared once as
pydantic models (:mod:`evidence.sources.case_mapping_file`, imported when a mapping is read: pydantic costs a
run that reads no mapping, such as one of the demo data, ~0.1 s); what pydantic cannot say (a code mapped twice,
a field under both ``columns`` and ``fixed``, an identifying column used as an analysis field) is checked after
it. Every error names the mapping file, the key and the key's line, with a suggestion for a near-miss key
(``gendre`` -> ``gender``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evidence.sources.case_schema import (
    AGE_BANDS,
    DATA_SOURCE_TYPES,
    GENDERS,
    MAJORITY_STATUSES,
    TRAFFICKING_DURATIONS,
)

MAPPING_SUFFIX = ".mapping.yaml"

#: Flags the CTDC codebook lacks -> (their flag group, the canonical flag a true value also sets).
EXTRA_FLAGS: dict[str, tuple[str, str]] = {
    "exploitation_forced_criminality": ("exploitation", "exploitation_other"),
    "labour_fishing": ("labour_sector", "labour_other"),
}
#: Single-column fields a mapping's ``columns`` may name (``flags`` and ``assistance`` are nested mappings).
FIELDS = (
    "case_id",
    "year",
    "gender",
    "age_years",
    "age_band",
    "majority_status",
    "data_source_type",
    "trafficking_duration",
    "origin",
    "destination",
    "transit",
    "referral_source",
)
#: Fields that ``fixed`` may give one value for every record.
FIXABLE_FIELDS = tuple(f for f in FIELDS if f not in ("case_id", "age_years", "year"))
#: Fields whose codes a mapping's ``values`` may spell out, and the canonical labels each accepts.
CODED_FIELDS: dict[str, list[str] | None] = {
    "gender": GENDERS,
    "age_band": AGE_BANDS,
    "majority_status": MAJORITY_STATUSES,
    "data_source_type": DATA_SOURCE_TYPES,
    "trafficking_duration": TRAFFICKING_DURATIONS,
    "referral_source": None,  # free labels: kept as written unless the mapping lists its codes
}
COUNTRY_CODINGS = ("names", "iso2", "iso3")
UNMAPPED_COUNTRY_ACTIONS = ("reject", "flag")
PROVENANCE_KEYS = ("title", "release", "url", "licence", "citation", "synthetic")

#: Cells that mean "not recorded" in every mapped column (compared ignoring case); ``missing:`` adds more.
DEFAULT_MISSING = ("", "unknown", "not known", "not recorded", "n/a", "-", ".")
DEFAULT_YES = ("yes", "y", "true", "1", "x")
DEFAULT_NO = ("no", "n", "false", "0")
#: Common spellings of the canonical genders accepted without a ``values.gender`` entry.
_GENDER_SPELLINGS = {"woman": "Female", "man": "Male", "female": "Female", "male": "Male"}
_DASHES = re.compile(r"\s*[-\u2010-\u2015\u2212]+\s*")


def mapping_path(path: str | Path) -> Path:
    """Where the mapping file of a data file is looked for: ``<data file>.mapping.yaml`` beside it."""
    path = Path(path)
    return path.with_name(path.name + MAPPING_SUFFIX)


def fold(value: Any) -> str:
    """A code as compared: text, whitespace collapsed, case folded."""
    return " ".join(str(value).split()).casefold()


def canonical_label(label: str, allowed: list[str]) -> str | None:
    """The canonical label a spelling names (case and spaces ignored; age bands' dashes normalised)."""
    folded = fold(label)
    for canonical in allowed:
        if folded == fold(canonical):
            return canonical
    if allowed is AGE_BANDS:
        band = re.sub(r"\d+", lambda m: str(int(m.group())), _DASHES.sub("-", label.strip()).replace(" ", ""))
        return band if band in AGE_BANDS else None
    if allowed is GENDERS:
        return _GENDER_SPELLINGS.get(folded)
    return None


@dataclasses.dataclass(frozen=True)
class CaseRecordsMapping:
    """A validated mapping: which data column feeds which canonical field, and how values are coded."""

    columns: dict[str, str]  # field (see FIELDS) -> data column
    flags: dict[str, str]  # canonical or extra flag column -> data column
    assistance: dict[str, str]  # assistance kind -> data column (output: assistance_<kind>)
    values: dict[str, dict[str, str | None]]  # field -> folded code -> canonical label (None: not recorded)
    country_values: dict[str, str | None]  # folded spelling -> ISO3 (None: not recorded)
    yes_no: dict[str, bool | None]  # folded code -> flag value
    missing: frozenset[str]  # folded codes meaning "not recorded"
    fixed: dict[str, str] = dataclasses.field(default_factory=dict)  # field -> the value of every record
    identifying: tuple[str, ...] = ()  # data columns that identify a person: never read
    countries: str = "names"
    reporting_country: str | None = None
    unmapped_countries: str = "reject"
    list_separator: str = ";"
    sheet: str | None = None
    delimiter: str | None = None
    encoding: str = "utf-8-sig"
    header_row: int = 1
    provenance: dict[str, Any] = dataclasses.field(default_factory=dict)
    path: Path | None = None  # the mapping file, when it came from one
    sha256: str = ""  # of the mapping file's bytes
    key_lines: dict[str, int] = dataclasses.field(default_factory=dict)  # "columns.gender" -> its line

    def data_columns(self) -> dict[str, str]:
        """Every mapping key that names a data column (as written in the mapping) -> that column."""
        named = {f"columns.{field}": column for field, column in self.columns.items()}
        named.update({f"columns.flags.{flag}": column for flag, column in self.flags.items()})
        named.update({f"columns.assistance.{kind}": column for kind, column in self.assistance.items()})
        return named


def read_mapping(mapping: str | Path | Mapping[str, Any]) -> CaseRecordsMapping:
    """Read and validate a mapping file (or an already parsed mapping); errors name the key and its line."""
    from evidence.sources.case_mapping_file import read_mapping_file

    return read_mapping_file(mapping)
