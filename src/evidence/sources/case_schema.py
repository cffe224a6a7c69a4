"""The canonical **case table**: one row per victim, whatever the CTDC layout (or an organisation's records).

Origin is the victim's citizenship; destination is the country of exploitation (in CTDC data, where the victim
was identified or assisted). Flags are nullable booleans: null means *unknown* under the CTDC codebook's
denominator rule (a record is in a group's denominator only if at least one flag of the group is true).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType  # what polars' own signatures take: a type or an instance

GENDERS = ["Female", "Male", "Trans/non-conforming"]
AGE_BANDS = ["0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+"]
MINOR_AGE_BANDS = ["0-8", "9-17"]
MAJORITY_STATUSES = ["Minor", "Adult"]
TRAFFICKING_DURATIONS = ["0-12 months", "13-24 months", "25+ months"]
DATA_SOURCE_TYPES = ["Case management", "Hotline"]

Gender = pl.Enum(GENDERS)
AgeBand = pl.Enum(AGE_BANDS)
MajorityStatus = pl.Enum(MAJORITY_STATUSES)
TraffickingDuration = pl.Enum(TRAFFICKING_DURATIONS)
DataSourceType = pl.Enum(DATA_SOURCE_TYPES)

#: Flag groups under the denominator rule: group name -> its boolean columns.
FLAG_GROUPS: dict[str, list[str]] = {
    "means_of_control": [
        "means_debt_bondage_earnings",
        "means_threats",
        "means_abuse",
        "means_false_promises",
        "means_drugs_alcohol",
        "means_deny_basic_needs",
        "means_excessive_work_hours",
        "means_withhold_documents",
        # only in the k-anonymised Global Dataset:
        "means_restricts_movement",
        "means_restricts_financial_access",
        "means_restricts_medical_care",
        "means_uses_children",
        "means_threat_of_law_enforcement",
        "means_other",
    ],
    "exploitation": [
        "exploitation_forced_labour",
        "exploitation_sexual",
        "exploitation_other",
        # only in the k-anonymised Global Dataset:
        "exploitation_forced_marriage",
        "exploitation_forced_military",
        "exploitation_organ_removal",
        "exploitation_slavery_practices",
    ],
    "labour_sector": [
        "labour_agriculture",
        "labour_construction",
        "labour_domestic_work",
        "labour_hospitality",
        # only in the k-anonymised Global Dataset (and the demo's fishing/forced-criminality records):
        "labour_aquafarming",
        "labour_begging",
        "labour_illicit_activities",
        "labour_manufacturing",
        "labour_mining_or_drilling",
        "labour_peddling",
        "labour_transportation",
        "labour_other",
    ],
    "sexual_exploitation_type": [
        "sex_prostitution",
        "sex_pornography",
        # only in the k-anonymised Global Dataset:
        "sex_remote_interactive_services",
        "sex_private_sexual_services",
    ],
    "recruiter_relation": [
        "recruiter_intimate_partner",
        "recruiter_friend",
        "recruiter_family",
        "recruiter_other",
    ],
}

FLAG_COLUMNS: list[str] = [c for cols in FLAG_GROUPS.values() for c in cols]

#: Readers' names of the flags whose column name does not read as a label (``means_drugs_alcohol`` is not
#: "Drugs alcohol"); the others read as their name (``labour_domestic_work`` → "Domestic work").
FLAG_LABELS: dict[str, str] = {
    "means_debt_bondage_earnings": "Debt bondage or earnings taken",
    "means_drugs_alcohol": "Drugs or alcohol given",
    "means_deny_basic_needs": "Basic needs withheld",
    "means_excessive_work_hours": "Excessive working hours",
    "means_withhold_documents": "Documents withheld",
    "means_restricts_movement": "Movement restricted",
    "means_restricts_financial_access": "Access to money restricted",
    "means_restricts_medical_care": "Medical care restricted",
    "means_uses_children": "Uses the victim's children",
    "means_threat_of_law_enforcement": "Threat of law enforcement",
    "means_other": "Other means of control",
    "labour_other": "Other sector",
    "recruiter_other": "Other relation",
    "assistance_return_reintegration": "Return and reintegration",
}

#: How the case table joins the values of a cell holding several (``LAO;THA``, ``Female;Male``): CTDC's
#: Victim-Perpetrator cells are kept joined by it, whatever separator
#: the organisation's export used (its mapping's ``list_separator``).
VALUE_SEPARATOR = ";"
#: The case table's columns whose cells may hold several values joined by :data:`VALUE_SEPARATOR`: an
#: organisation's transit countries and referral sources, CTDC's Victim-Perpetrator attributes of perpetrators.
MULTI_VALUED_COLUMNS: tuple[str, ...] = (
    "transit_iso3",
    "referral_source",
    "perpetrator_gender",
    "perpetrator_age_band",
    "perpetrator_citizenship_region",
    "perpetrator_relation",
    "perpetrator_pay_money",
)

#: Column -> dtype of the canonical case table, in order.
CASE_SCHEMA: dict[str, PolarsDataType] = {
    "source_row": pl.Int64,  # line number of the record in its file (1-based, header lines counted)
    "year": pl.Int16,  # year of registration; null when only a band is known (VP layout) or unknown
    "year_band": pl.String,  # the year as published when it is a band ("2014-2018"); else the year as text
    "data_source_type": DataSourceType,
    "gender": Gender,
    "age_band": AgeBand,
    "majority_status": MajorityStatus,
    "trafficking_duration": TraffickingDuration,
    "origin_iso3": pl.String,  # citizenship
    "origin_region": pl.String,  # UN M49 region (VP layout: its own UN region labels, kept as published)
    "origin_subregion": pl.String,
    "destination_iso3": pl.String,  # country of exploitation
    "destination_region": pl.String,
    "destination_subregion": pl.String,
    **{c: pl.Boolean for c in FLAG_COLUMNS},
    # Victim–Perpetrator layout only, kept as published (multi-valued cells joined with VALUE_SEPARATOR):
    "perpetrator_exploiter": pl.Boolean,
    "perpetrator_gender": pl.String,
    "perpetrator_age_band": pl.String,
    "perpetrator_citizenship_region": pl.String,
    "perpetrator_relation": pl.String,
    "perpetrator_pay_money": pl.String,
    "perpetrator_recruiter_broker": pl.Boolean,
    "perpetrator_transaction_process": pl.Boolean,
    "perpetrator_control_abuse_kidnap": pl.Boolean,
}


def conform(df: pl.DataFrame) -> pl.DataFrame:
    """Add missing canonical columns as nulls, cast, and order columns as in :data:`CASE_SCHEMA`."""
    columns = set(df.columns)
    return df.select(
        [
            (pl.col(c).cast(t) if c in columns else pl.lit(None, dtype=t).alias(c))
            for c, t in CASE_SCHEMA.items()
        ]
    )


def apply_denominator_rule(df: pl.DataFrame, groups: dict[str, list[str]] | None = None) -> pl.DataFrame:
    """Within each flag group: if any flag is true, the group's null flags become false; else all stay null.

    Only columns present in ``df`` take part, so a layout that lacks some of a group's flags leaves them null.
    """
    groups = groups or FLAG_GROUPS
    columns = set(df.columns)
    present = [p for p in ([c for c in cols if c in columns] for cols in groups.values()) if p]
    if not present:
        return df
    # whether each group is known, computed once per group (an eager frame's expressions share nothing: in each
    # flag's own expression it was computed once per flag of the group)
    known = df.select(
        pl.any_horizontal([pl.col(c).fill_null(False) for c in cols]).alias(str(i))
        for i, cols in enumerate(present)
    )
    return df.with_columns(
        pl.when(known.to_series(i)).then(pl.col(c).fill_null(False)).otherwise(None).alias(c)
        for i, cols in enumerate(present)
        for c in cols
    )
