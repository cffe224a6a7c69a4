"""Synthetic demo data in the CTDC Global Synthetic **v2024** CSV layout. NOT real records.

The toolkit runs end to end without any real data: when nothing is configured, it loads this file and says
loudly that the numbers are synthetic. The generator is deterministic (same seed -> same bytes) and rich
enough to exercise every analysis: 2002-2023 with growth, a break around 2014-2016, a COVID dip in 2020 and an
incomplete latest year; corridors into and out of Thailand; domestic cases; other global corridors; every
form and sector, including forced criminality in online-scam compounds (2021-2023) and fishing (forced labour
with no v2024 sector flag); means of control and recruiter relations that vary with the form; and missing
values about as common as in the real files, with whole flag groups often unknown.

The corridors, forms and shares below are invented to be *plausible*, not estimates of anything.

Every demo file carries a last column, :data:`~evidence.sources.provenance.DEMO_MARKER`
(``evidence_synthetic_demo``), holding the generator's release (``demo-2``) in each row. The loaders recognise
demo data by it (and by the checksums of the generated files, :data:`~evidence.sources.provenance.DEMO_SHA256`),
not by the provenance sidecar: a copy, a re-save or a filtered file is still labelled demo, never cited as
CTDC's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from evidence.core.atomic import atomic_path, write_text
from evidence.core.config import cache_dir, configured_data_paths
from evidence.sources.ctdc import SYNTHETIC_COLUMNS
from evidence.sources.provenance import (
    DEMO_CITATION,
    DEMO_MARKER,
    manifest_path,
    matches_manifest,
    sha256_file,
)
from evidence.sources.registry import demo_signature, sidecar_path

#: Bump whenever the generator's output changes: it names the cached demo file and the release label (and add
#: the new default files' checksums to DEMO_SHA256). 2: the DEMO_MARKER column.
DEMO_VERSION = "2"
DEMO_RELEASE = f"demo-{DEMO_VERSION}"
#: What the toolkit's synthetic demo data are called wherever readers meet them (a file's provenance, a brief's
#: banner and its sources): one label for one concept. A file is :func:`demo_title`, as
#: :func:`~evidence.sources.provenance.as_demo` names a copy recognised without its sidecar.
DEMO_NAME = "evidence synthetic demo data"
DEFAULT_ROWS = 20_000
DEFAULT_SEED = 20240101
YEARS = np.arange(2002, 2024)

#: The 27 columns of the Global Synthetic v2024 CSV, in the codebook's order (the CTDC loader's own list).
V2024_COLUMNS = SYNTHETIC_COLUMNS
MEANS_COLUMNS = V2024_COLUMNS[6:14]
LABOUR_COLUMNS = V2024_COLUMNS[17:21]
SEX_TYPE_COLUMNS = V2024_COLUMNS[21:23]
RECRUITER_COLUMNS = V2024_COLUMNS[23:27]

GENDER_CODES = ["Man", "Woman", "Trans/Transgender/NonConforming"]
AGE_CODES = ["0--8", "9--17", "18--20", "21--23", "24--26", "27--29", "30--38", "39--47", "48+"]
DURATION_CODES = ["0--12 (0-1 yr)", "13--24 (1-2 yrs)", "25+ (2+ yrs)"]

# Missing shares, close to the real v2024 file's.
P_MISSING = {
    "gender": 0.15,
    "age": 0.40,
    "citizenship": 0.30,  # includes countries suppressed for privacy
    "destination": 0.03,
    "duration": 0.70,
    "exploitation": 0.08,  # the whole type-of-exploitation group (and so its sector/type groups)
    "labour_sector": 0.35,  # given forced labour in a listed sector
    "sex_type": 0.45,  # given sexual exploitation
    "means": 0.55,
    "recruiter": 0.65,
}

# ----------------------------------------------------------------------------------------------------------
# Forms of exploitation. Each form fixes the exploitation flags and the sector/type flag it can carry, and
# the distributions of gender, age, duration, means of control and recruiter relation.
#   name: (forced labour, sexual, other, labour sector index or -1, sex type index or -1)
FORMS: dict[str, tuple[bool, bool, bool, int, int]] = {
    "agriculture": (True, False, False, 0, -1),
    "construction": (True, False, False, 1, -1),
    "domestic_work": (True, False, False, 2, -1),
    "hospitality": (True, False, False, 3, -1),
    "fishing": (True, False, False, -1, -1),  # no v2024 flag: forced labour, sector unknown
    "manufacturing": (True, False, False, -1, -1),  # likewise
    "prostitution": (False, True, False, -1, 0),
    "pornography": (False, True, False, -1, 1),
    "forced_criminality": (False, False, True, -1, -1),  # online-scam compounds, cannabis farms
    "other_exploitation": (False, False, True, -1, -1),  # forced marriage, begging
}
FORM_NAMES = list(FORMS)

# gender: Man, Woman, Trans
_GENDER = {
    "agriculture": [0.65, 0.35, 0.0],
    "construction": [0.88, 0.12, 0.0],
    "domestic_work": [0.10, 0.90, 0.0],
    "hospitality": [0.30, 0.69, 0.01],
    "fishing": [0.98, 0.02, 0.0],
    "manufacturing": [0.55, 0.45, 0.0],
    "prostitution": [0.04, 0.94, 0.02],
    "pornography": [0.25, 0.73, 0.02],
    "forced_criminality": [0.70, 0.29, 0.01],
    "other_exploitation": [0.30, 0.70, 0.0],
}
# age bands as in AGE_CODES
_AGE = {
    "agriculture": [0.01, 0.07, 0.10, 0.12, 0.13, 0.13, 0.24, 0.13, 0.07],
    "construction": [0.00, 0.04, 0.10, 0.13, 0.14, 0.14, 0.25, 0.14, 0.06],
    "domestic_work": [0.02, 0.20, 0.14, 0.13, 0.11, 0.10, 0.16, 0.09, 0.05],
    "hospitality": [0.00, 0.10, 0.18, 0.20, 0.16, 0.12, 0.15, 0.06, 0.03],
    "fishing": [0.00, 0.06, 0.10, 0.13, 0.14, 0.14, 0.25, 0.13, 0.05],
    "manufacturing": [0.01, 0.12, 0.14, 0.14, 0.13, 0.12, 0.20, 0.10, 0.04],
    "prostitution": [0.01, 0.25, 0.20, 0.16, 0.12, 0.09, 0.11, 0.04, 0.02],
    "pornography": [0.15, 0.45, 0.12, 0.08, 0.06, 0.05, 0.06, 0.02, 0.01],
    "forced_criminality": [0.00, 0.03, 0.15, 0.22, 0.20, 0.15, 0.18, 0.06, 0.01],
    "other_exploitation": [0.15, 0.30, 0.15, 0.10, 0.07, 0.06, 0.09, 0.05, 0.03],
}
# duration: 0-12, 13-24, 25+ months
_DURATION = {
    "agriculture": [0.60, 0.25, 0.15],
    "construction": [0.60, 0.25, 0.15],
    "domestic_work": [0.45, 0.25, 0.30],
    "hospitality": [0.65, 0.20, 0.15],
    "fishing": [0.35, 0.25, 0.40],
    "manufacturing": [0.60, 0.25, 0.15],
    "prostitution": [0.65, 0.20, 0.15],
    "pornography": [0.55, 0.20, 0.25],
    "forced_criminality": [0.85, 0.12, 0.03],
    "other_exploitation": [0.40, 0.20, 0.40],
}
# probability of each means of control (MEANS_COLUMNS order) given the group is known
_MEANS = {
    "agriculture": [0.45, 0.35, 0.25, 0.45, 0.03, 0.30, 0.55, 0.45],
    "construction": [0.45, 0.35, 0.25, 0.45, 0.03, 0.30, 0.55, 0.50],
    "domestic_work": [0.35, 0.40, 0.45, 0.40, 0.02, 0.45, 0.60, 0.55],
    "hospitality": [0.35, 0.35, 0.35, 0.45, 0.10, 0.20, 0.40, 0.35],
    "fishing": [0.55, 0.55, 0.50, 0.50, 0.10, 0.55, 0.75, 0.70],
    "manufacturing": [0.45, 0.35, 0.25, 0.45, 0.02, 0.30, 0.60, 0.45],
    "prostitution": [0.25, 0.50, 0.65, 0.40, 0.25, 0.20, 0.10, 0.20],
    "pornography": [0.10, 0.45, 0.60, 0.30, 0.20, 0.10, 0.05, 0.05],
    "forced_criminality": [0.45, 0.70, 0.60, 0.80, 0.05, 0.35, 0.60, 0.75],
    "other_exploitation": [0.10, 0.40, 0.40, 0.35, 0.05, 0.25, 0.10, 0.15],
}
# recruiter relation: intimate partner, friend, family, other
_RECRUITER = {
    "agriculture": [0.01, 0.20, 0.10, 0.69],
    "construction": [0.01, 0.20, 0.10, 0.69],
    "domestic_work": [0.01, 0.20, 0.25, 0.54],
    "hospitality": [0.05, 0.35, 0.10, 0.50],
    "fishing": [0.01, 0.15, 0.06, 0.78],
    "manufacturing": [0.01, 0.20, 0.10, 0.69],
    "prostitution": [0.20, 0.30, 0.15, 0.35],
    "pornography": [0.15, 0.15, 0.45, 0.25],
    "forced_criminality": [0.02, 0.40, 0.05, 0.53],
    "other_exploitation": [0.10, 0.15, 0.55, 0.20],
}
# a second exploitation type on top of the form's own (e.g. sexual and labour exploitation together)
_P_ALSO_LABOUR = {"prostitution": 0.05, "forced_criminality": 0.10}
_P_ALSO_SEXUAL = {"domestic_work": 0.04, "hospitality": 0.06, "forced_criminality": 0.05}

# ----------------------------------------------------------------------------------------------------------
# Year profiles: relative registrations per year, 2002-2023.


def _year_profiles() -> dict[str, np.ndarray]:
    t = (YEARS - 2002).astype(float)
    growth = np.where(
        YEARS <= 2014, np.exp(0.10 * t), np.exp(0.10 * 12) * 1.5 * np.exp(0.04 * (YEARS - 2015))
    )
    # COVID-19 closed borders and services in 2020; the latest year is incomplete (late registration).
    shock = np.ones(len(YEARS))
    shock[YEARS == 2020] = 0.62
    shock[YEARS == 2021] = 0.85
    shock[YEARS == 2023] = 0.45
    thai_fishing = growth * (1 + 0.6 * (YEARS == 2014) + 1.3 * (YEARS == 2015) + 0.8 * (YEARS == 2016))
    early = np.exp(-(((YEARS - 2008) / 4.0) ** 2)) + 0.08
    late = 1 / (1 + np.exp(-(YEARS - 2015.5) / 1.2)) + 0.03
    europe = 1 / (1 + np.exp(-(YEARS - 2011) / 2.5))
    scam = np.zeros(len(YEARS))
    for year, weight in {2018: 0.01, 2019: 0.03, 2020: 0.08, 2021: 0.40, 2022: 0.55, 2023: 0.65}.items():
        scam[YEARS == year] = weight
    profiles = {
        "global": growth * shock,
        "thai_fishing": thai_fishing * shock,
        "early": early * shock,
        "late": late * shock,
        "europe": europe * shock,
        "scam": scam * np.where(YEARS == 2023, 0.45, 1.0),  # scam rescues did not dip in 2020-21
    }
    return {k: v / v.sum() for k, v in profiles.items()}


# Corridors: (citizenship, country of exploitation, relative weight, year profile, form mix).
_THAI_IN = "thai_fishing"
_SCAM = {"forced_criminality": 0.85, "prostitution": 0.05, "hospitality": 0.05, "construction": 0.05}
# fmt: off
CORRIDORS: list[tuple[str, str, float, str, dict[str, float]]] = [
    # into Thailand
    ("MMR", "THA", 110, _THAI_IN, {"fishing": 0.30, "agriculture": 0.15, "construction": 0.12,
                                   "domestic_work": 0.10, "manufacturing": 0.10, "hospitality": 0.05,
                                   "prostitution": 0.12, "pornography": 0.01, "other_exploitation": 0.05}),
    ("KHM", "THA", 80, _THAI_IN, {"fishing": 0.30, "agriculture": 0.20, "construction": 0.20,
                                  "manufacturing": 0.05, "domestic_work": 0.05, "prostitution": 0.08,
                                  "other_exploitation": 0.12}),
    ("LAO", "THA", 60, "global", {"prostitution": 0.30, "domestic_work": 0.20, "hospitality": 0.15,
                                  "agriculture": 0.10, "manufacturing": 0.10, "fishing": 0.05,
                                  "other_exploitation": 0.10}),
    ("VNM", "THA", 20, "global", {"hospitality": 0.20, "prostitution": 0.30, "manufacturing": 0.20,
                                  "domestic_work": 0.10, "construction": 0.10, "fishing": 0.10}),
    # domestic, Thailand
    ("THA", "THA", 45, "global", {"prostitution": 0.30, "domestic_work": 0.15, "fishing": 0.15,
                                  "agriculture": 0.10, "other_exploitation": 0.10, "manufacturing": 0.10,
                                  "pornography": 0.05, "hospitality": 0.05}),
    # out of Thailand
    ("THA", "MYS", 25, "global", {"prostitution": 0.35, "hospitality": 0.25, "agriculture": 0.15,
                                  "fishing": 0.10, "domestic_work": 0.05, "construction": 0.10}),
    ("THA", "JPN", 12, "early", {"prostitution": 0.55, "hospitality": 0.30, "manufacturing": 0.10,
                                 "pornography": 0.05}),
    ("THA", "KOR", 15, "late", {"agriculture": 0.35, "hospitality": 0.25, "prostitution": 0.25,
                                "manufacturing": 0.15}),
    ("THA", "TWN", 10, "global", {"construction": 0.35, "manufacturing": 0.35, "agriculture": 0.15,
                                  "domestic_work": 0.15}),
    ("THA", "DEU", 6, "europe", {"prostitution": 0.60, "hospitality": 0.30, "domestic_work": 0.10}),
    ("THA", "GBR", 5, "europe", {"prostitution": 0.40, "hospitality": 0.30, "domestic_work": 0.30}),
    ("THA", "SWE", 5, "europe", {"agriculture": 0.85, "prostitution": 0.15}),
    ("THA", "FIN", 4, "europe", {"agriculture": 0.90, "hospitality": 0.10}),
    ("THA", "ISR", 4, "late", {"agriculture": 0.90, "construction": 0.10}),
    # online-scam compounds (forced criminality), concentrated in 2021-2023
    ("THA", "MMR", 7, "scam", _SCAM),
    ("THA", "KHM", 5, "scam", _SCAM),
    ("THA", "LAO", 2, "scam", _SCAM),
    ("VNM", "KHM", 6, "scam", _SCAM),
    ("VNM", "LAO", 1.5, "scam", _SCAM),
    ("IDN", "KHM", 4, "scam", _SCAM),
    ("IDN", "MMR", 2, "scam", _SCAM),
    ("CHN", "MMR", 4, "scam", _SCAM),
    ("CHN", "KHM", 3, "scam", _SCAM),
    ("PHL", "KHM", 2, "scam", _SCAM),
    ("MYS", "KHM", 2, "scam", _SCAM),
    ("KEN", "MMR", 1.5, "scam", _SCAM),
    ("IND", "LAO", 1.5, "scam", _SCAM),
    # other domestic trafficking
    ("USA", "USA", 120, "late", {"prostitution": 0.55, "pornography": 0.05, "domestic_work": 0.05,
                                 "hospitality": 0.10, "agriculture": 0.05, "construction": 0.03,
                                 "manufacturing": 0.02, "other_exploitation": 0.15}),
    ("PHL", "PHL", 40, "global", {"prostitution": 0.35, "pornography": 0.25, "domestic_work": 0.15,
                                  "agriculture": 0.10, "fishing": 0.05, "other_exploitation": 0.10}),
    ("IDN", "IDN", 20, "global", {"prostitution": 0.40, "domestic_work": 0.25, "fishing": 0.15,
                                  "agriculture": 0.10, "other_exploitation": 0.10}),
    ("UKR", "UKR", 15, "early", {"prostitution": 0.35, "construction": 0.25, "agriculture": 0.20,
                                 "other_exploitation": 0.20}),
    ("KHM", "KHM", 15, "global", {"prostitution": 0.40, "domestic_work": 0.20, "other_exploitation": 0.20,
                                  "manufacturing": 0.20}),
    ("IND", "IND", 10, "global", {"manufacturing": 0.35, "agriculture": 0.25, "prostitution": 0.25,
                                  "other_exploitation": 0.15}),
    ("VNM", "VNM", 8, "global", {"prostitution": 0.50, "manufacturing": 0.30, "other_exploitation": 0.20}),
    ("NGA", "NGA", 8, "global", {"domestic_work": 0.40, "prostitution": 0.30, "other_exploitation": 0.30}),
    ("GHA", "GHA", 6, "global", {"fishing": 0.60, "domestic_work": 0.20, "other_exploitation": 0.20}),
    ("MMR", "MMR", 5, "global", {"other_exploitation": 0.40, "prostitution": 0.30, "agriculture": 0.30}),
    ("NPL", "NPL", 5, "global", {"prostitution": 0.40, "manufacturing": 0.30, "domestic_work": 0.30}),
    # other international corridors
    ("UKR", "RUS", 60, "early", {"construction": 0.45, "agriculture": 0.15, "manufacturing": 0.15,
                                 "prostitution": 0.15, "domestic_work": 0.05, "other_exploitation": 0.05}),
    ("MDA", "RUS", 15, "early", {"construction": 0.40, "prostitution": 0.30, "agriculture": 0.20,
                                 "other_exploitation": 0.10}),
    ("BLR", "RUS", 8, "early", {"construction": 0.50, "prostitution": 0.30, "manufacturing": 0.20}),
    ("UZB", "KAZ", 12, "global", {"construction": 0.45, "agriculture": 0.35, "domestic_work": 0.20}),
    ("KGZ", "RUS", 8, "global", {"construction": 0.40, "manufacturing": 0.40, "agriculture": 0.20}),
    ("UKR", "POL", 6, "europe", {"agriculture": 0.50, "construction": 0.30, "manufacturing": 0.20}),
    ("PHL", "SAU", 25, "global", {"domestic_work": 0.75, "hospitality": 0.10, "prostitution": 0.10,
                                  "construction": 0.05}),
    ("PHL", "ARE", 20, "global", {"domestic_work": 0.75, "hospitality": 0.10, "prostitution": 0.10,
                                  "construction": 0.05}),
    ("PHL", "KWT", 10, "global", {"domestic_work": 0.85, "hospitality": 0.10, "construction": 0.05}),
    ("IDN", "MYS", 40, "global", {"domestic_work": 0.45, "agriculture": 0.25, "construction": 0.10,
                                  "manufacturing": 0.10, "prostitution": 0.10}),
    ("IDN", "SAU", 12, "global", {"domestic_work": 0.90, "other_exploitation": 0.10}),
    ("IDN", "TWN", 4, "global", {"fishing": 0.60, "domestic_work": 0.40}),
    ("ETH", "SAU", 8, "global", {"domestic_work": 0.85, "prostitution": 0.15}),
    ("KHM", "MYS", 8, "global", {"domestic_work": 0.50, "fishing": 0.30, "manufacturing": 0.20}),
    ("MMR", "MYS", 8, "global", {"fishing": 0.30, "manufacturing": 0.30, "construction": 0.20,
                                 "agriculture": 0.20}),
    ("MMR", "CHN", 8, "late", {"other_exploitation": 0.80, "prostitution": 0.20}),
    ("VNM", "CHN", 8, "global", {"other_exploitation": 0.70, "prostitution": 0.20, "manufacturing": 0.10}),
    ("LAO", "CHN", 4, "late", {"other_exploitation": 0.80, "prostitution": 0.20}),
    ("NPL", "IND", 10, "global", {"prostitution": 0.60, "domestic_work": 0.20, "manufacturing": 0.20}),
    ("BGD", "IND", 6, "global", {"prostitution": 0.50, "domestic_work": 0.30, "manufacturing": 0.20}),
    ("NGA", "ITA", 20, "europe", {"prostitution": 0.90, "other_exploitation": 0.10}),
    ("NGA", "ESP", 5, "europe", {"prostitution": 0.85, "other_exploitation": 0.15}),
    ("ROU", "GBR", 10, "europe", {"prostitution": 0.40, "manufacturing": 0.30, "construction": 0.20,
                                  "other_exploitation": 0.10}),
    ("BGR", "DEU", 8, "europe", {"prostitution": 0.60, "construction": 0.25, "other_exploitation": 0.15}),
    ("ALB", "GBR", 8, "europe", {"prostitution": 0.50, "forced_criminality": 0.30, "construction": 0.20}),
    ("VNM", "GBR", 10, "europe", {"forced_criminality": 0.50, "hospitality": 0.30, "prostitution": 0.20}),
    ("MEX", "USA", 25, "late", {"agriculture": 0.45, "prostitution": 0.25, "construction": 0.10,
                                "hospitality": 0.10, "domestic_work": 0.10}),
    ("HND", "USA", 8, "late", {"agriculture": 0.35, "prostitution": 0.35, "construction": 0.15,
                               "domestic_work": 0.15}),
    ("GTM", "USA", 8, "late", {"agriculture": 0.40, "prostitution": 0.30, "construction": 0.15,
                               "domestic_work": 0.15}),
    # a long tail of small flows (some below the disclosure threshold)
    ("BRA", "BRA", 3, "global", {"agriculture": 0.60, "prostitution": 0.40}),
    ("COL", "COL", 2, "global", {"prostitution": 0.60, "other_exploitation": 0.40}),
    ("HTI", "DOM", 2, "global", {"agriculture": 0.50, "domestic_work": 0.50}),
    ("SLV", "USA", 2, "late", {"prostitution": 0.60, "agriculture": 0.40}),
    ("PAK", "PAK", 3, "global", {"manufacturing": 0.50, "agriculture": 0.30, "domestic_work": 0.20}),
    ("LKA", "ARE", 1, "global", {"domestic_work": 1.00}),
    ("CMR", "KWT", 1, "global", {"domestic_work": 1.00}),
    ("SEN", "SEN", 1, "global", {"other_exploitation": 1.00}),
    ("ARG", "ARG", 1, "global", {"prostitution": 0.50, "agriculture": 0.50}),
    ("TTO", "TTO", 0.3, "global", {"prostitution": 1.00}),
    ("FJI", "FJI", 0.2, "global", {"prostitution": 1.00}),
]
# fmt: on


def _strata() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every (corridor, form, year) cell with its probability; flat arrays of equal length."""
    profiles = _year_profiles()
    corridor_idx, form_idx, year_idx, weight = [], [], [], []
    total = sum(c[2] for c in CORRIDORS)
    for c, (_origin, _dest, w, profile, mix) in enumerate(CORRIDORS):
        shares = np.array(list(mix.values()), dtype=float)
        shares /= shares.sum()
        for form, share in zip(mix, shares, strict=True):
            corridor_idx.append(np.full(len(YEARS), c))
            form_idx.append(np.full(len(YEARS), FORM_NAMES.index(form)))
            year_idx.append(np.arange(len(YEARS)))
            weight.append(w / total * share * profiles[profile])
    p = np.concatenate(weight)
    return np.concatenate(corridor_idx), np.concatenate(form_idx), np.concatenate(year_idx), p / p.sum()


def _matrix(table: dict[str, list[float]]) -> np.ndarray:
    m = np.array([table[f] for f in FORM_NAMES], dtype=float)
    return m / m.sum(axis=1, keepdims=True)


def _draw_categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category per row, each row with its own probabilities (rows of ``probs``)."""
    cum = probs.cumsum(axis=1)
    u = rng.random((probs.shape[0], 1)) * cum[:, -1:]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


def _labels(codes: np.ndarray, labels: list[str], missing: np.ndarray) -> pl.Series:
    """Code -> label, null where missing."""
    idx = np.where(missing, len(labels), codes).astype(np.uint32)
    return pl.Series([*labels, None], dtype=pl.String).gather(idx)


def generate_demo(n_rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> pl.DataFrame:
    """Synthetic victim records in the raw CTDC Global Synthetic v2024 layout (27 strings; null = empty).

    Deterministic: the same ``n_rows`` and ``seed`` give the same table. NOT real records.
    """
    if n_rows < 1:
        raise ValueError(f"n_rows must be positive, got {n_rows}")
    rng = np.random.default_rng(seed)
    n = n_rows
    c_idx, f_idx, y_idx, p = _strata()
    cell = rng.choice(len(p), size=n, p=p)
    corridor, form, year = c_idx[cell], f_idx[cell], YEARS[y_idx[cell]]

    def missing(key: str) -> np.ndarray:
        return rng.random(n) < P_MISSING[key]

    countries = sorted({c[0] for c in CORRIDORS} | {c[1] for c in CORRIDORS})
    origins = np.array([countries.index(c[0]) for c in CORRIDORS])[corridor]
    destinations = np.array([countries.index(c[1]) for c in CORRIDORS])[corridor]
    gender = _draw_categorical(rng, _matrix(_GENDER)[form])
    age = _draw_categorical(rng, _matrix(_AGE)[form])
    duration = _draw_categorical(rng, _matrix(_DURATION)[form])

    columns: dict[str, pl.Series] = {
        "yearOfRegistration": pl.Series(year, dtype=pl.Int32).cast(pl.String),
        "gender": _labels(gender, GENDER_CODES, missing("gender")),
        "ageBroad": _labels(age, AGE_CODES, missing("age")),
        "citizenship": _labels(origins, countries, missing("citizenship")),
        "CountryOfExploitation": _labels(destinations, countries, missing("destination")),
        "traffickMonths": _labels(duration, DURATION_CODES, missing("duration")),
    }
    flags: dict[str, np.ndarray] = {}

    # Means of control: each drawn with the form's probability; a known group has at least one.
    means_p = np.array([_MEANS[f] for f in FORM_NAMES])[form]
    means = rng.random(means_p.shape) < means_p
    none = ~means.any(axis=1)
    fallback = _draw_categorical(rng, means_p)
    means[none, fallback[none]] = True
    means &= ~missing("means")[:, None]
    flags.update(zip(MEANS_COLUMNS, means.T, strict=True))

    # Type of exploitation, with a second type for some forms; the sector/type groups hang on it.
    spec = np.array([FORMS[f] for f in FORM_NAMES], dtype=int)[form]
    forced_labour, sexual, other = spec[:, 0] == 1, spec[:, 1] == 1, spec[:, 2] == 1
    also_labour = rng.random(n) < np.array([_P_ALSO_LABOUR.get(f, 0.0) for f in FORM_NAMES])[form]
    also_sexual = rng.random(n) < np.array([_P_ALSO_SEXUAL.get(f, 0.0) for f in FORM_NAMES])[form]
    exploitation_known = ~missing("exploitation")
    forced_labour = (forced_labour | also_labour) & exploitation_known
    sexual = (sexual | also_sexual) & exploitation_known
    other &= exploitation_known
    flags.update(isForcedLabour=forced_labour, isSexualExploit=sexual, isOtherExploit=other)

    sector = spec[:, 3].copy()
    # sexual exploitation with labour is in hospitality (bars, massage parlours);
    # scam-compound labour has no v2024 sector flag
    sector[also_labour & (spec[:, 1] == 1)] = 3
    sector_known = forced_labour & (sector >= 0) & ~missing("labour_sector")
    for i, col in enumerate(LABOUR_COLUMNS):
        flags[col] = sector_known & (sector == i)
    sex_type = np.where(spec[:, 4] >= 0, spec[:, 4], 0)  # a secondary sexual exploitation: prostitution
    sex_type_known = sexual & ~missing("sex_type")
    for i, col in enumerate(SEX_TYPE_COLUMNS):
        flags[col] = sex_type_known & (sex_type == i)

    # Recruiter relation: mostly one; sometimes a second (a friend and a family member, say).
    recruiter_p = _matrix(_RECRUITER)[form]
    first = _draw_categorical(rng, recruiter_p)
    second = _draw_categorical(rng, recruiter_p)
    has_second = rng.random(n) < 0.08
    recruiter_known = ~missing("recruiter")
    for i, col in enumerate(RECRUITER_COLUMNS):
        flags[col] = recruiter_known & ((first == i) | (has_second & (second == i)))

    one = pl.Series([None, "1"], dtype=pl.String)
    for col, values in flags.items():
        columns[col] = one.gather(values.astype(np.uint32))
    return pl.DataFrame(columns).select(V2024_COLUMNS)


def demo_title(layout: str) -> str:
    """The name of a demo file in ``layout`` (a publisher's dataset, whose layout it imitates)."""
    return f"{DEMO_NAME} in the {layout} layout (NOT real records)"


def demo_provenance(n_rows: int, seed: int) -> dict:
    """The provenance sidecar of a demo file: labelled synthetic and demo wherever it travels."""
    return {
        "release": DEMO_RELEASE,
        "title": demo_title("CTDC Global Synthetic Dataset"),
        "synthetic": True,
        "demo": True,
        "url": "",
        "licence": "CC0-1.0",
        "citation": DEMO_CITATION,
        "notes": [
            (
                f"Generated by evidence.sources.demo (generator version {DEMO_VERSION}, {n_rows} row{'s' if n_rows != 1 else ''}, "
                f"seed {seed}) in the CTDC Global Synthetic v2024 CSV layout."
            ),
            (
                "Invented records for demonstrating and testing the toolkit: corridors, trends and "
                "shares are "
                "plausible by design, not estimates; never cite or publish them as findings."
            ),
        ],
    }


def write_demo(path: str | Path, n_rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> Path:
    """Write a demo CSV (the v2024 columns and the :data:`DEMO_MARKER` column) and its provenance sidecar
    ``<file>.provenance.json`` atomically; return the path."""
    path = Path(path)
    df = generate_demo(n_rows, seed).with_columns(pl.lit(DEMO_RELEASE).alias(DEMO_MARKER))
    with atomic_path(path) as tmp:
        df.write_csv(tmp)
    write_text(sidecar_path(path), json.dumps(demo_provenance(n_rows, seed), indent=2) + "\n")
    return path


def demo_file(n_rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> Path:
    """Where the cached demo file of these parameters lives (it may not exist yet)."""
    return cache_dir() / "demo" / f"ctdc_v2024_layout_{DEMO_RELEASE}_seed{seed}_{n_rows}.csv"


def demo_path(n_rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> Path:
    """The demo file in the user cache, generated on first use and regenerated if missing or damaged.

    Its manifest records the file's sha256; a file that no longer matches it is rebuilt (a lost or outdated
    sidecar is written again). Generation is deterministic, so the rebuilt file has the same bytes.
    """
    path = demo_file(n_rows, seed)
    if demo_intact(path):
        # the file says demo itself; the sidecar adds rows and seed, and the name readers see (a toolkit that
        # named it otherwise wrote an outdated one)
        write_sidecar(path, demo_provenance(n_rows, seed))
        return path
    write_demo(path, n_rows, seed)
    write_demo_manifest(path, rows=n_rows, seed=seed)
    return path


def write_sidecar(path: Path, provenance: dict[str, Any]) -> None:
    """Write the provenance sidecar of a generated demo file, unless the one beside it already says it."""
    sidecar = sidecar_path(path)
    try:
        if json.loads(sidecar.read_text(encoding="utf-8")) == provenance:
            return
    except (OSError, ValueError):  # missing or damaged: written again
        pass
    write_text(sidecar, json.dumps(provenance, indent=2) + "\n")


def write_demo_manifest(path: Path, **facts: Any) -> None:
    """Record a generated demo file's sha256 and size (and ``facts``) beside it, for :func:`demo_intact`."""
    manifest = {
        "generator_version": DEMO_VERSION,
        **facts,
        "sha256": sha256_file(path),
        "size": path.stat().st_size,
    }
    write_text(manifest_path(path), json.dumps(manifest, indent=2) + "\n")


def default_data_paths() -> tuple[list[Path], bool]:
    """The data files to use when none is named: those in ``EVIDENCE_DATA``, else the demo file.

    Returns the paths and whether they are the demo fallback, so that callers can say so loudly.
    """
    configured = configured_data_paths()
    if configured:
        return configured, False
    return [demo_path()], True


def demo_intact(path: Path) -> bool:
    """Whether a generated demo file is as written: it matches its manifest and its content says demo (the
    marker column, or a known demo checksum: :func:`~evidence.sources.registry.demo_signature`). The sidecar is
    not asked: demo files are recognised without it."""
    if not matches_manifest(path):
        return False
    return demo_signature(path, sha256_file(path)) is not None
