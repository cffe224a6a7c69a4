"""Invented monthly exports of a case-management system, for tests, benchmarks and trying the register out.

Every person, name and number here is made up (deterministically from a seed). The exports look like what an
organisation in Thailand that assists victims of trafficking would export: one row per assisted person, with
identifying columns (name, date of birth, phone, address, case notes) the register must never store, Thai
nationals trafficked abroad and returned among foreign nationals exploited in Thailand, several referring
agencies per person, and what real exports do from month to month: new records, corrections of earlier ones,
records that disappear (and now and then come back), a duplicated id, a row without an id, an unknown code.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import random
from pathlib import Path

from evidence.core.atomic import write_text

HEADER = [
    "Case ID",
    "Full name",
    "Date of birth",
    "Phone",
    "Address",
    "Case notes",
    "Registered",
    "Sex",
    "Age",
    "Nationality",
    "Country of exploitation",
    "Referred by",
    "Forced labour?",
    "Sexual exploitation?",
    "Forced criminality?",
    "Fishing?",
    "Shelter",
    "Medical care",
    "Return and reintegration",
]
IDENTIFYING = ["Full name", "Date of birth", "Phone", "Address", "Case notes"]

MAPPING = """\
# The mapping of the invented exports of evidence.sources.register.synthetic (docs/case-records.md).
title: "Assisted victims of trafficking, case-management export (invented test data)"
licence: "Invented data"
citation: "Invented case-management exports for testing the register. Accessed <date>."
synthetic: true
reporting_country: THA
identifying: ["Full name", "Date of birth", "Phone", "Address", "Case notes"]
fixed:
  data_source_type: Case management
columns:
  case_id: "Case ID"
  year: "Registered"
  gender: "Sex"
  age_years: "Age"
  origin: "Nationality"
  destination: "Country of exploitation"
  referral_source: "Referred by"
  flags:
    exploitation_forced_labour: "Forced labour?"
    exploitation_sexual: "Sexual exploitation?"
    exploitation_forced_criminality: "Forced criminality?"
    labour_fishing: "Fishing?"
  assistance:
    shelter: "Shelter"
    medical: "Medical care"
    return_reintegration: "Return and reintegration"
values:
  gender: {F: Female, M: Male}
  referral_source: {POL: Police, NGO: NGO, HL: Hotline, LAB: Labour inspection, EMB: Embassy, ORG: Outreach}
"""

_FIRST = [
    "Arun",
    "Malee",
    "Somchai",
    "Nok",
    "Kyaw",
    "Thida",
    "Sokha",
    "Dara",
    "Bounmy",
    "Chanthy",
    "Lin",
    "Aye",
]
_LAST = ["Phromma", "Kaewmanee", "Sukjai", "Htet", "Win", "Chea", "Sopheap", "Vongsa", "Keomany", "Saelim"]
_SYLLABLES = ["ra", "ka", "si", "mon", "tha", "nee", "phu", "wan", "lek", "dao", "sai", "chai"]
#: Nationality as the case workers write it -> countries where such a person was exploited.
_ROUTES = {
    "Myanmar": ["Thailand"] * 6 + ["Malaysia"],
    "Cambodian": ["Thailand"] * 5 + ["Malaysia"],
    "Lao PDR": ["Thailand"] * 4,
    "Viet Nam": ["Thailand", "Cambodia"],
    "Thai": ["Malaysia", "Japan", "Myanmar", "Cambodia", "Thailand", "Republic of Korea"],
}
_WEIGHTS = {"Myanmar": 30, "Cambodian": 20, "Lao PDR": 15, "Viet Nam": 5, "Thai": 30}
_AGENCIES = ["POL", "NGO", "HL", "LAB", "EMB", "ORG"]


@dataclasses.dataclass
class _Person:
    case_id: str
    cells: dict[str, str]
    registered: dt.date


def _name(rng: random.Random) -> str:
    syllables = "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize()
    return f"{rng.choice(_FIRST)} {syllables} {rng.choice(_LAST)}"


def _person(rng: random.Random, number: int, registered: dt.date) -> _Person:
    nationality = rng.choices(list(_WEIGHTS), weights=list(_WEIGHTS.values()))[0]
    destination = rng.choice(_ROUTES[nationality])
    age = rng.choice([rng.randint(12, 17), rng.randint(18, 30), rng.randint(18, 30), rng.randint(31, 60)])
    forms = rng.choice(["L", "L", "S", "C", "LS", "L"])
    fishing = "Y" if "L" in forms and rng.random() < 0.3 else "N"
    agencies = rng.sample(_AGENCIES, k=rng.choice([1, 1, 2, 2, 3]))
    born = registered - dt.timedelta(days=365 * age + rng.randint(0, 364))
    cells = {
        "Full name": _name(rng),
        "Date of birth": born.isoformat(),
        "Phone": f"+66 8{rng.randint(0, 9)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        "Address": f"{rng.randint(1, 999)}/{rng.randint(1, 99)} Moo {rng.randint(1, 12)}, Soi {rng.choice(_LAST)}",
        "Case notes": f"Met {_name(rng)} at the shelter; follow up by phone",
        "Registered": registered.isoformat(),
        "Sex": rng.choice(["F", "M", "F"]),
        "Age": str(age),
        "Nationality": nationality,
        "Country of exploitation": destination,
        "Referred by": "; ".join(agencies),
        "Forced labour?": "Y" if "L" in forms else "N",
        "Sexual exploitation?": "Y" if "S" in forms else "N",
        "Forced criminality?": "Y" if "C" in forms else "N",
        "Fishing?": fishing,
        "Shelter": rng.choice(["Y", "N"]),
        "Medical care": rng.choice(["Y", "Y", "N"]),
        "Return and reintegration": "Y"
        if nationality == "Thai" and destination != "Thailand"
        else rng.choice(["Y", "N"]),
    }
    return _Person(f"MSS-{number:06d}", cells, registered)


def _month_ends(last: dt.date, months: int) -> list[dt.date]:
    ends = []
    year, month = last.year, last.month
    for _ in range(months):
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        ends.append(following - dt.timedelta(days=1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return ends[::-1]


def write_exports(
    folder: str | Path,
    *,
    people: int = 300,
    months: int = 6,
    last_export: dt.date = dt.date(2023, 6, 30),
    first_year: int = 2016,
    seed: int = 13,
    faults: bool = True,
) -> list[Path]:
    """Write ``months`` monthly full exports (``cases_<date>.csv``, oldest first) and their shared mapping
    (``cases.mapping.yaml``) into ``folder``; return the exports' paths.

    People are registered evenly from ``first_year`` to the last export; each export holds everyone registered
    by its date, minus a few records deleted since (one of which comes back in the last export), with a few
    corrections (age, nationality, forms of exploitation) in each month. With ``faults`` every export after the
    first also has a row sharing another's id, a row without an id and a row with an unknown sex code.
    """
    rng = random.Random(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ends = _month_ends(last_export, months)
    start = dt.date(first_year, 1, 1)
    span = (ends[-1] - start).days
    roster = [
        _person(rng, i + 1, start + dt.timedelta(days=span * i // max(people - 1, 1))) for i in range(people)
    ]
    deleted: dict[str, dt.date] = {}  # case id -> the export date from which it is gone
    exports = []
    for index, end in enumerate(ends):
        if index:
            registered = [p for p in roster if p.registered <= end and p.case_id not in deleted]
            for person in rng.sample(registered, k=max(1, len(registered) // 30)):  # corrections
                field = rng.choice(["Age", "Nationality", "Forced labour?"])
                if field == "Age":
                    person.cells["Age"] = str(max(0, int(person.cells["Age"]) + rng.choice([-1, 1])))
                elif field == "Nationality":
                    person.cells["Nationality"] = rng.choice(list(_WEIGHTS))
                else:
                    person.cells["Forced labour?"] = "N" if person.cells["Forced labour?"] == "Y" else "Y"
            for person in rng.sample(registered, k=max(1, len(registered) // 50)):  # deleted in the system
                deleted.setdefault(person.case_id, end)
        if index == len(ends) - 1 and deleted:
            deleted.pop(min(deleted))  # restored
        rows = [
            [p.case_id if column == "Case ID" else p.cells[column] for column in HEADER]
            for p in roster
            if p.registered <= end and p.case_id not in deleted
        ]
        if faults and index:
            duplicate = list(rows[rng.randrange(len(rows))])
            duplicate[HEADER.index("Age")] = str(int(duplicate[HEADER.index("Age")]) + 10)
            no_id = list(rows[rng.randrange(len(rows))])
            no_id[0] = ""
            bad_code = list(rows[rng.randrange(len(rows))])
            bad_code[HEADER.index("Sex")] = "Q"
            rows.extend([duplicate, no_id, bad_code])
        exports.append(_write_csv(folder / f"cases_{end.isoformat()}.csv", rows))
    write_text(folder / "cases.mapping.yaml", MAPPING)
    return exports


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return write_text(path, buffer.getvalue())


def identifying_values(exports: list[Path]) -> set[str]:
    """Every case id and value of an identifying column in the exports (what must never leave them)."""
    found: set[str] = set()
    for path in exports:
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                found.update(v for k, v in row.items() if (k == "Case ID" or k in IDENTIFYING) and v)
    return found
