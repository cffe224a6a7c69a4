"""Regenerate the country reference shipped in ``src/evidence/sources/reference/``.

Development-time only: pycountry and country_converter are NOT runtime dependencies of ``evidence``.
Run from the repository root with both made available for this one process::

    uv run --with pycountry --with country_converter python scripts/build_country_reference.py

Writes ``countries.csv`` and rewrites the generated rows of ``country_aliases.csv``; rows whose ``source`` is
``reviewed`` are hand-maintained and kept as they are. An alias whose normalised form would name two countries
is dropped from the generated rows and printed (the runtime refuses ambiguous aliases, it does not pick one).
"""

from __future__ import annotations

import csv
import gettext
import importlib.util
import io
import sys
from collections import defaultdict
from pathlib import Path

import pycountry

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "src"))

from evidence.sources.countries import WITHDRAWN_CODES, normalise_country_text

REFERENCE = REPO_ROOT / "src" / "evidence" / "sources" / "reference"

# UN M49 (https://unstats.un.org/unsd/methodology/m49/): intermediate region -> (sub-region, region). Where M49
# has no intermediate region the sub-region maps to itself. country_converter's ``UNregion`` column holds the
# most detailed M49 grouping of each country, so it is mapped up through this table.
M49_HIERARCHY: dict[str, tuple[str, str]] = {
    "Northern Africa": ("Northern Africa", "Africa"),
    "Eastern Africa": ("Sub-Saharan Africa", "Africa"),
    "Middle Africa": ("Sub-Saharan Africa", "Africa"),
    "Southern Africa": ("Sub-Saharan Africa", "Africa"),
    "Western Africa": ("Sub-Saharan Africa", "Africa"),
    "Caribbean": ("Latin America and the Caribbean", "Americas"),
    "Central America": ("Latin America and the Caribbean", "Americas"),
    "South America": ("Latin America and the Caribbean", "Americas"),
    "Northern America": ("Northern America", "Americas"),
    "Central Asia": ("Central Asia", "Asia"),
    "Eastern Asia": ("Eastern Asia", "Asia"),
    "South-eastern Asia": ("South-eastern Asia", "Asia"),
    "Southern Asia": ("Southern Asia", "Asia"),
    "Western Asia": ("Western Asia", "Asia"),
    "Eastern Europe": ("Eastern Europe", "Europe"),
    "Northern Europe": ("Northern Europe", "Europe"),
    "Southern Europe": ("Southern Europe", "Europe"),
    "Western Europe": ("Western Europe", "Europe"),
    "Australia and New Zealand": ("Australia and New Zealand", "Oceania"),
    "Melanesia": ("Melanesia", "Oceania"),
    "Micronesia": ("Micronesia", "Oceania"),
    "Polynesia": ("Polynesia", "Oceania"),
}
SUBREGIONS_WITH_INTERMEDIATE = {"Sub-Saharan Africa", "Latin America and the Caribbean"}

# Corrections and additions to what the two packages say, each checked against M49.
M49_OVERRIDES: dict[str, str | None] = {
    "ATA": None,  # Antarctica: M49 lists it (010) outside every region.
    "NRU": "Micronesia",  # Nauru: country_converter 1.3.2 has Polynesia.
    "TWN": "Eastern Asia",  # M49 does not list Taiwan separately (it is under China); placed with China.
    "XKX": "Southern Europe",  # Kosovo: not in M49; placed as UNODC and the World Bank do.
}
INTERMEDIATE_OVERRIDES = {
    "GGY": "Channel Islands",
    "JEY": "Channel Islands",
}  # M49 830, under Northern Europe

# Short English names: pycountry's common name where it has one, else the ISO 3166 short name, except where
# the ISO form is inverted ("Congo, The Democratic Republic of the") or the UN/IOM usage of the first users
# differs (Viet Nam, Lao PDR).
NAME_OVERRIDES = {
    # UN M49 short names where the common name differs, as UNODC writes them (the sources these briefs cite, and
    # the names their readers at the UN and in governments use): "Republic of Korea", not "South Korea"
    "BOL": "Bolivia (Plurinational State of)",
    "COD": "Democratic Republic of the Congo",
    "FLK": "Falkland Islands (Malvinas)",
    "FSM": "Micronesia (Federated States of)",
    "HKG": "China, Hong Kong SAR",
    "IRN": "Iran (Islamic Republic of)",
    "KOR": "Republic of Korea",
    "LAO": "Lao PDR",
    "MAC": "China, Macao SAR",
    "MAF": "Saint Martin (French part)",
    "MDA": "Republic of Moldova",
    "PRK": "Democratic People's Republic of Korea",
    "PSE": "State of Palestine",
    "SHN": "Saint Helena",
    "SYR": "Syrian Arab Republic",
    "TWN": "Taiwan Province of China",
    "TZA": "United Republic of Tanzania",
    "VAT": "Holy See",
    "VEN": "Venezuela (Bolivarian Republic of)",
    "VGB": "British Virgin Islands",
    "VIR": "United States Virgin Islands",
    "VNM": "Viet Nam",
}

# Former ISO 3166 entries (pycountry's historic countries, by alpha-3) whose names are written as aliases of their
# one successor: the withdrawn codes of evidence.sources.countries.FORMER_CODES with one successor (a state renamed,
# or merged into one current state), the one table every loader reads codes by. States that split (Czechoslovakia,
# Serbia and Montenegro, USSR, Yugoslavia, Netherlands Antilles, ...) have several successors and are deliberately
# left unmapped.
RENAMED_STATES = {code: iso3 for code, iso3 in WITHDRAWN_CODES.items() if len(code) == 3}

# Generated aliases that are also ordinary English words, so would map text that does not name the country.
COMMON_WORDS = {"island"}  # German for Iceland

# Languages in which reporting countries fill in UNODC's questionnaire besides English.
TRANSLATION_LANGUAGES = ("es", "fr", "it", "pt", "de", "nl")


def country_converter_rows() -> dict[str, dict[str, str]]:
    # Read the package's data file without importing it (its import breaks with pandas 3).
    spec = importlib.util.find_spec("country_converter")
    assert spec is not None and spec.submodule_search_locations, "country_converter is not installed"
    path = Path(next(iter(spec.submodule_search_locations))) / "country_data.tsv"
    with path.open(encoding="utf-8") as handle:
        return {row["ISO3"]: row for row in csv.DictReader(handle, delimiter="\t")}


def build_countries(cc: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    rows = []
    entries = [
        (
            c.alpha_2,
            c.alpha_3,
            c.numeric,
            c.name,
            getattr(c, "common_name", None),
            getattr(c, "official_name", None),
        )
        for c in pycountry.countries
    ]
    kosovo = cc["XKX"]
    entries.append(("XK", "XKX", "", "Kosovo", None, kosovo["name_official"]))
    for iso2, iso3, numeric, iso_name, common_name, official_name in sorted(entries, key=lambda e: e[1]):
        most_detailed = M49_OVERRIDES[iso3] if iso3 in M49_OVERRIDES else cc[iso3]["UNregion"]
        subregion, region = M49_HIERARCHY[most_detailed] if most_detailed else ("", "")
        intermediate = INTERMEDIATE_OVERRIDES.get(iso3, "")
        if subregion in SUBREGIONS_WITH_INTERMEDIATE:
            intermediate = most_detailed
        # M49 numeric codes equal ISO 3166 numeric codes; Taiwan (158) and Kosovo are not listed by M49.
        m49 = "" if iso3 in {"TWN", "XKX"} else str(int(numeric))
        rows.append(
            {
                "iso2": iso2,
                "iso3": iso3,
                "m49": m49,
                "name": NAME_OVERRIDES.get(iso3) or common_name or iso_name,
                "official_name": official_name or "",
                "region": region,
                "subregion": subregion,
                "intermediate_region": intermediate,
            }
        )
    return rows


def generated_aliases(countries: list[dict[str, str]], cc: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    candidates: list[tuple[str, str, str, str]] = []  # alias, iso3, kind, source
    valid = {row["iso3"] for row in countries}
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            if value := getattr(country, attribute, None):
                candidates.append((value, country.alpha_3, "name", "pycountry"))
    for iso3, row in cc.items():
        if iso3 in valid:
            for column in ("name_short", "name_official"):
                if row[column]:
                    candidates.append((row[column], iso3, "name", "country_converter"))
    for historic in pycountry.historic_countries:
        if historic.alpha_3 in RENAMED_STATES:
            candidates.append((historic.name, RENAMED_STATES[historic.alpha_3], "historic", "pycountry"))
    for language in TRANSLATION_LANGUAGES:
        translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        for country in pycountry.countries:
            for attribute in ("name", "common_name", "official_name"):
                if value := getattr(country, attribute, None):
                    translated = translation.gettext(value)
                    if translated != value:
                        candidates.append((translated, country.alpha_3, f"name_{language}", "pycountry"))

    # Aliases that are already implied by countries.csv, ambiguous across countries, or spelled like an M49
    # grouping ("Micronesia" is a sub-region as well as a short name of FSM) are not written.
    groupings = {
        normalise_country_text(name) for pair in M49_HIERARCHY.items() for name in (pair[0], *pair[1])
    }
    implied = {
        normalise_country_text(row[column]): row["iso3"]
        for row in countries
        for column in ("iso2", "iso3", "name", "official_name")
        if row[column]
    }
    by_key: dict[str, set[str]] = defaultdict(set)
    for alias, iso3, _, _ in candidates:
        by_key[normalise_country_text(alias)].add(iso3)
    for key, iso3s in by_key.items():
        if key in implied:
            iso3s.add(implied[key])
    ambiguous = {key for key, iso3s in by_key.items() if len(iso3s) > 1}
    for key in sorted(ambiguous):
        print(f"dropped ambiguous alias {key!r}: {sorted(by_key[key])}", file=sys.stderr)
    seen: set[str] = set()
    rows = []
    for alias, iso3, kind, source in candidates:
        key = normalise_country_text(alias)
        if key in ambiguous or key in implied or key in seen or key in groupings or key in COMMON_WORDS:
            continue
        seen.add(key)
        rows.append({"alias": alias, "iso3": iso3, "kind": kind, "source": source, "note": ""})
    return rows


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def main() -> None:
    cc = country_converter_rows()
    countries = build_countries(cc)
    write_csv(REFERENCE / "countries.csv", countries, list(countries[0]))

    aliases_path = REFERENCE / "country_aliases.csv"
    columns = ["alias", "iso3", "kind", "source", "note"]
    reviewed = []
    if aliases_path.exists():
        with aliases_path.open(encoding="utf-8", newline="") as handle:
            reviewed = [row for row in csv.DictReader(handle) if row["source"] == "reviewed"]
    reviewed_keys = {normalise_country_text(row["alias"]) for row in reviewed}
    generated = [
        row
        for row in generated_aliases(countries, cc)
        if normalise_country_text(row["alias"]) not in reviewed_keys
    ]
    write_csv(aliases_path, reviewed + generated, columns)
    print(f"{len(countries)} countries, {len(reviewed)} reviewed + {len(generated)} generated aliases")


if __name__ == "__main__":
    main()
