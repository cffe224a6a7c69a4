"""The table of victims per year by form, the table per year and the profile by form, beside victims dated only by
a band of years (CTDC's Victim–Perpetrator file, a k-anonymised file's generalised years).

The profile counts the band-dated victims, the yearly tables cannot: its sums are the years' plus theirs. Linked
to the years only where the sums held without them, the profile's forced labour equal to its Recorded (every
victim with a form has forced labour) was not read as it is: the same in every year, each year's victims with a
form are those with forced labour. 2015: 19 victims, forced labour 16, sexual exploitation ``<5`` (two, with
forced labour too), not recorded ``<5``: 3 (the demo with one record in five dated by a band: Taiwan as
destination, 2015, the same). The reader is SciPy's MILP, each shown count read as its true count.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.optimize import Bounds, LinearConstraint

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import ALL_IN_SELECTION, NOT_RECORDED, VICTIMS, profile_view, yearly_numbers
from evidence.presentation.disclosure import DisclosureRule
from evidence.sources.case_schema import conform
from evidence.sources.loaded import LoadedTable
from evidence.sources.provenance import Provenance

RULE = DisclosureRule(5)
#: a victim's forms: forced labour alone, with sexual exploitation, none recorded
KINDS = ("labour", "both", "none")


def _selection(years: dict[int, tuple[int, int, int]], band: int) -> Selection:
    """Victims exploited in Thailand, 2014–2017: per year, those with forced labour alone, with forced labour and
    sexual exploitation, and with no form recorded; ``band`` with forced labour alone dated only by 2014-2015."""
    rows = [
        (year, str(year), kind)
        for year, counts in years.items()
        for kind, n in zip(KINDS, counts)
        for _ in range(n)
    ] + [(None, "2014-2015", "labour")] * band
    frame = pl.DataFrame(
        {
            "year": [r[0] for r in rows],
            "year_band": [r[1] for r in rows],
            "destination_iso3": ["THA"] * len(rows),
            "exploitation_forced_labour": [None if r[2] == "none" else True for r in rows],
            "exploitation_sexual": [None if r[2] == "none" else r[2] == "both" for r in rows],
        },
        schema={"year": pl.Int64, "year_band": pl.String, "destination_iso3": pl.String}
        | {"exploitation_forced_labour": pl.Boolean, "exploitation_sexual": pl.Boolean},
    )
    provenance = Provenance(
        source="test", layout="hand-made", release="1", path="x.csv", sha256="ab" * 32, url="", licence="",
        citation="", synthetic=True, protection="",
    )  # fmt: skip
    table = LoadedTable(conform(frame), provenance, rows_in=len(rows))
    return Selection(table, country="THA", role="destination", years=(2014, 2017))


def _pinned(years: dict[int, tuple[int, int, int]], band: int) -> list[tuple[int, str]]:
    """The years' small counts (of a kind, or victims with sexual exploitation, with no form, with a form) that
    the three tables pin: variables the victims of each kind in each year and among the band-dated."""
    selection = _selection(years, band)
    numbers = yearly_numbers(selection, RULE, by="form")
    profile = profile_view(selection, "form", RULE, label="Form")
    names = [(year, kind) for year in [*years, "band"] for kind in KINDS]
    truth = {(year, kind): n for year, counts in years.items() for kind, n in zip(KINDS, counts, strict=True)}
    truth |= {("band", "labour"): band, ("band", "both"): 0, ("band", "none"): 0}
    index = {name: i for i, name in enumerate(names)}
    rows, low, high = [], [], []

    def read(parts: list[tuple[object, str]], text: str | None) -> None:
        text = str(text or "").replace(",", "")
        if not text:
            return
        row, value = np.zeros(len(names)), sum(truth[p] for p in parts)
        for p in parts:
            row[index[p]] = 1.0
        rows.append(row)
        if text == "x":  # a complement: at least the threshold (widened to the true count)
            low.append(min(RULE.threshold, value)), high.append(np.inf)
        elif text.startswith("<"):
            low.append(min(1, value)), high.append(max(RULE.threshold - 1, value))
        else:  # a number: read as the true count
            low.append(value), high.append(value)

    every = [(year, kind) for year in years for kind in KINDS]
    assert numbers.per_year is not None and numbers.by_category is not None and profile is not None
    for year, cell in numbers.per_year.low.display().select("year", VICTIMS).rows():
        read(every if year == "Total" else [(int(year), k) for k in KINDS], cell)
    for row in numbers.by_category.low.display().iter_rows(named=True):
        year = int(row["year"])
        read([(year, "labour"), (year, "both")], row["Forced labour"])
        read([(year, "both")], row["Sexual exploitation"])
        read([(year, "none")], row[NOT_RECORDED])
    everyone = [(year, kind) for year in [*years, "band"] for kind in KINDS]
    by_row = {"Forced labour": ("labour", "both"), "Sexual exploitation": ("both",), NOT_RECORDED: ("none",)}
    by_row |= {"Recorded (at least one)": ("labour", "both"), ALL_IN_SELECTION: KINDS}
    for label, cell in profile.select("Form", "Victims").rows():
        read([(year, kind) for year in [*years, "band"] for kind in by_row[label]], cell)
    read(everyone, str(len(everyone) and sum(truth.values())))  # the headline: all victims
    from _scipy_highs import milp

    constraints = LinearConstraint(np.array(rows), np.array(low), np.array(high))
    bounds = Bounds(0, 10 * (1 + sum(truth.values())))
    pinned = []
    for year in years:
        for what, parts in (("sexual", ["both"]), ("none", ["none"]), ("recorded", ["labour", "both"])):
            value = sum(truth[(year, k)] for k in parts)
            if not RULE.is_small(value):
                continue
            ends = set()
            for sign in (1.0, -1.0):
                objective = np.zeros(len(names))
                for k in parts:
                    objective[index[(year, k)]] = sign
                result = milp(
                    objective, constraints=constraints, bounds=bounds, integrality=np.ones(len(names))
                )
                assert result.status == 0
                ends.add(round(sign * result.fun))
            if len(ends) == 1:
                pinned.append((year, what))
    return pinned


def test_attack_every_victim_with_a_form_has_forced_labour_and_a_years_not_recorded_follows() -> None:
    """2015: 19 victims, 16 with forced labour (two with sexual exploitation too), 3 with no form; two victims
    dated only by 2014-2015, with forced labour. The profile's forced labour is its Recorded (49): so each
    year's, and 2015's 16 gave its 3 without a form back."""
    years = {2014: (10, 0, 0), 2015: (14, 2, 3), 2016: (12, 0, 6), 2017: (9, 0, 0)}
    assert _pinned(years, band=0) == []  # without band-dated victims the profile is linked to the years
    assert _pinned(years, band=2) == []
