"""The table of victims per year by form (a flag group: one victim, several forms) beside the table of victims per
year and the profile of forms: no small count any of them withholds follows from the three (a brute-force reader)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import polars as pl
from hypothesis import example, given, settings
from hypothesis import strategies as st

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import profile_view, yearly_numbers
from evidence.presentation.disclosure import DisclosureRule
from evidence.sources.case_schema import conform

RULE = DisclosureRule(5)
FL, SE = "Forced labour", "Sexual exploitation"
RECORDED, NOT_RECORDED, ALL = "Recorded (at least one)", "Not recorded", "All victims"

#: a year's victims: with forced labour only, sexual exploitation only, both, and no form recorded
Year = tuple[int, int, int, int]


def _cases(years: Mapping[int, Year]) -> pl.DataFrame:
    rows: list[tuple[int, bool | None, bool | None]] = []
    for year, (labour, sexual, both, none) in years.items():
        rows += [(year, True, False)] * labour + [(year, False, True)] * sexual + [(year, True, True)] * both
        rows += [(year, None, None)] * none
    return conform(
        pl.DataFrame(
            {
                "year": [y for y, _, _ in rows],
                "origin_iso3": ["KHM"] * len(rows),
                "exploitation_forced_labour": [f for _, f, _ in rows],
                "exploitation_sexual": [s for _, _, s in rows],
            },
            schema={"year": pl.Int64, "origin_iso3": pl.String, "exploitation_forced_labour": pl.Boolean}
            | {"exploitation_sexual": pl.Boolean},
        )
    )


def _domain(cell: str, ceiling: int, rule: DisclosureRule = RULE) -> range:
    """What a reader knows of a count from its cell: its value, 1 to t - 1 for <t, at least t for x."""
    if cell == rule.label:
        return range(1, rule.threshold)
    if cell == "x":
        return range(rule.threshold, ceiling + 1)
    return range(int(cell.replace(",", "")), int(cell.replace(",", "")) + 1)


def _brief(years: Mapping[int, Year], rule: DisclosureRule = RULE):
    """What the brief shows of the selection: victims per year, victims per year by form, the profile of forms."""
    selection = Selection(_cases(years), country="KHM", role="origin", years=(min(years), max(years)))
    numbers = yearly_numbers(selection, rule, by="form")
    profile = profile_view(selection, "form", rule, label="Form")
    return numbers, profile


def _recoverable(
    per_year: pl.DataFrame, by_form: pl.DataFrame, profile: pl.DataFrame, rule: DisclosureRule = RULE
) -> list[str]:
    """Every cell shown as <t (in any of the three tables) that only one value fits, given all three: a reader who
    knows that each year's victims are those with a form recorded and those without (at least the largest form,
    at most the forms' sum), and that the profile's forms are the years' forms added up.

    By dynamic programming over the years: each year's combinations its cells allow, then the sums over the years
    that the profile and the total row must match."""
    profile_cells = dict(zip(profile["Form"], profile["Victims"], strict=True))
    totals = dict(zip(per_year["year"], per_year["victims"], strict=True))
    # the largest count a reader can think of: the selection's victims, where a table shows them
    numbers = [int(t.replace(",", "")) for t in (profile_cells[ALL], totals["Total"]) if t[0].isdigit()]
    ceiling = min(numbers, default=120)
    forms = [c for c in by_form.columns if c not in ("year", NOT_RECORDED)]
    # a year's combinations: (its cells' values, its contribution to the sums: forms, not recorded, recorded, all)
    options: list[list[tuple[tuple[int, ...], tuple[int, ...]]]] = []
    names: list[list[str]] = []
    for row in by_form.iter_rows(named=True):
        year = row["year"]
        cells = [row[f] for f in forms]
        unrecorded = row.get(NOT_RECORDED, "0")
        names.append([f"{year} {f}" for f in forms] + [f"{year} {NOT_RECORDED}", f"{year} victims"])
        found = []
        for values in itertools.product(
            *(_domain(c, ceiling, rule) if c else range(1) for c in cells),
            _domain(unrecorded, ceiling, rule),
            _domain(totals[year], ceiling, rule),
        ):
            *counts, none, total = values
            recorded = total - none
            if recorded < 0 or (not any(cells) and recorded):  # an empty row: no form recorded that year
                continue
            if any(c > recorded for c in counts) or (any(cells) and recorded > sum(counts)):
                continue
            found.append((tuple(values), (*counts, none, recorded, total)))
        options.append(found)
    targets = [profile_cells[f] for f in forms] + [profile_cells[NOT_RECORDED]]
    targets += [profile_cells.get(RECORDED, ""), totals["Total"]]
    wanted = [_domain(t, ceiling, rule) if t else None for t in targets]

    # each sum's bounds (a range of whole numbers; none where the table leaves the cell empty)
    low = np.array([w.start if w is not None else -np.inf for w in wanted])
    high = np.array([w.stop - 1 if w is not None else np.inf for w in wanted])

    def sums(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Every sum of a row of ``a`` and a row of ``b``, each once."""
        return np.unique((a[:, None, :] + b[None, :, :]).reshape(-1, a.shape[1]), axis=0)

    contributions = [
        np.array([c for _, c in found], dtype=np.int64).reshape(-1, len(wanted)) for found in options
    ]
    zero = np.zeros((1, len(wanted)), dtype=np.int64)
    before = [zero]  # the sums of the years before each year
    for c in contributions:
        before.append(sums(before[-1], c))
    after = [zero]  # the sums of the years after each year, last first
    for c in reversed(contributions):
        after.append(sums(after[-1], c))
    after.reverse()
    seen: dict[str, set[int]] = {}
    sums_seen: list[set[int]] = [set() for _ in wanted]
    for k, found in enumerate(options):
        # the sums of the other years, once for all of this year's combinations (each adds its contribution)
        others = sums(before[k], after[k + 1])
        step = max(
            1, 2_000_000 // max(1, len(others) * len(wanted))
        )  # this year's combinations, a few at a time
        for first in range(0, len(found), step):
            every = others[None, :, :] + contributions[k][first : first + step, None, :]
            good = ((every >= low) & (every <= high)).all(axis=2)  # combination × other years: fits
            for j in np.flatnonzero(good.any(axis=1)):
                for name, value in zip(names[k], found[first + j][0], strict=True):
                    seen.setdefault(name, set()).add(value)
            fitting = every[good]
            for i in range(len(wanted)):
                sums_seen[i].update(np.unique(fitting[:, i]).tolist())
    shown = {
        name: cell
        for k, row in enumerate(by_form.iter_rows(named=True))
        for name, cell in zip(
            names[k], [row[f] for f in forms] + [row.get(NOT_RECORDED, "0"), totals[row["year"]]], strict=True
        )
    }
    pinned = [name for name, cell in shown.items() if cell == rule.label and len(seen.get(name, ())) < 2]
    labels = [*forms, NOT_RECORDED, RECORDED, "Total"]
    pinned += [
        f"profile {label}"
        for label, target, values in zip(labels, targets, sums_seen, strict=True)
        if target == rule.label and len(values) < 2
    ]
    return pinned


def _shown(years: Mapping[int, Year], rule: DisclosureRule = RULE) -> tuple[pl.DataFrame, ...] | None:
    numbers, profile = _brief(years, rule)
    if numbers.by_category is None or numbers.per_year is None or profile is None:
        return None
    per_year = numbers.per_year.low.display()
    per_year = per_year.filter(pl.col("victims") != "")  # the years without records
    return per_year, numbers.by_category.low.display(), profile


def test_the_year_of_a_lone_form_does_not_give_back_its_victims_without_a_form():
    """A colleague's find (Cambodia as origin, a small synthetic file): 2016 has 9 victims, forced labour 6,
    sexual exploitation 0, not recorded <5. Every victim of 2016 with a form recorded has forced labour, so 6 have
    a form and 9 - 6 = 3 none; every other year's not recorded is 0, so the profile's "Not recorded <5" (3) and
    "Recorded x" followed too."""
    years = {2015: (8, 4, 2, 0), 2016: (6, 0, 0, 3), 2017: (7, 6, 0, 0), 2018: (6, 6, 0, 0)}
    shown = _shown(years)
    assert shown is not None
    per_year, by_form, profile = shown
    assert by_form.row(1)[0] == "2016" and by_form[NOT_RECORDED][1] == "<5"
    assert _recoverable(per_year, by_form, profile) == []


@settings(max_examples=60)
@given(
    st.dictionaries(
        st.integers(2015, 2018),
        st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(0, 3), st.integers(0, 5)),
        min_size=1,
        max_size=4,
    )
    # every year has victims, and some have a form recorded (else the data record no form at all)
    .filter(lambda years: all(sum(v) for v in years.values()) and any(sum(v[:3]) for v in years.values())),
    st.sampled_from([3, 5]),
)
@example({2015: (8, 4, 2, 0), 2016: (6, 0, 0, 3), 2017: (7, 6, 0, 0), 2018: (6, 6, 0, 0)}, 5)
@example({2015: (9, 0, 0, 2), 2016: (9, 7, 0, 0)}, 5)
def test_no_small_count_of_the_years_by_form_follows_from_the_three_tables(years, threshold):
    rule = DisclosureRule(threshold)
    shown = _shown(years, rule)
    if shown is None:
        return
    assert _recoverable(*shown, rule) == []


def test_a_table_by_form_that_no_withholding_protects_is_not_shown():
    """2016's 12 victims have no form recorded (empty cells: its 12 are all "Not recorded"), 2020's 15 all have one
    (0 not recorded), and the profile publishes 15 not recorded: 15 - 12 - 0 = 3 of 2019, whatever the table
    withholds of 2019. The table was shown with 2019's "<5"; it is not shown now (the victims per year and the
    profile are, as before)."""
    years = {2016: (0, 0, 0, 12), 2019: (0, 20, 0, 3), 2020: (0, 15, 0, 0)}
    numbers, profile = _brief(years)
    assert numbers.by_category is None
    assert numbers.per_year is not None and numbers.per_year.low.display()["victims"].to_list()[-1] == "50"
    assert profile is not None and dict(profile.select("Form", "Victims").rows())[NOT_RECORDED] == "15"
    # the same victims with 6 not recorded in 2020 leave 2019's three open: the table is shown, 2019 withheld
    years[2020] = (0, 15, 0, 6)
    shown = _shown(years)
    assert shown is not None and _recoverable(*shown) == []
    assert shown[1].filter(pl.col("year") == "2019")[NOT_RECORDED].item() == "<5"
