"""An independent reader of a route table of UNODC's ranges, its key figures and the region table beside it.

A reader holds what is published and knows how the ranges are made: each flow and each row of no route is an
exact part ``E`` (what the publisher gives as a number) and censored parts (its ``<5`` cells, 1 to 4 each; a
file's ``<10``, 1 to 9: the width read from the file), its low bound ``E + L`` and its high bound ``E + H``
(``H = 4L``, ``9L`` for ``<10``; a difference of censored sums, or parts of several widths, only ``L <= H``).
Every range shown fixes both bounds of its flows' sum, ``<5`` puts the low bound below the threshold, ``x`` both
at the threshold or more, ``up to 8`` the high bound, ``at least 12`` the low one. :func:`pinned` asks an
integer programme (``scipy.optimize.milp``, not the toolkit's solver) which bounds take one value only.

Exact counts (case data, ``exact_counts=True``) are read by the same reader, knowing there is no censored part
(``L = H = 0``): each cell shown is its flows' count, and the key figures and the totals row are read always
(every victim of the selection, and those on a known route).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import polars as pl
from scipy.optimize import Bounds, LinearConstraint

from evidence.analyses import routes
from evidence.analyses.selection import Selection
from evidence.notebooks import builders
from evidence.notebooks.builders import OTHER_ROUTES, ROUTE_CLASS_LABELS, RouteBounds, route_numbers
from evidence.presentation.disclosure import DisclosedTable, DisclosureRule

#: A combination of atoms (name -> coefficient).
Line = dict[object, float]


def read_cell(text: object) -> tuple[str, int | None, int | None]:
    """A cell as shown: (kind, low, high), kind one of exact, range, upto, atleast, small, x, empty."""
    text = str(text or "").strip()

    def number(part: str) -> int:
        return int(part.replace(",", ""))

    if not text:
        return "empty", None, None
    if text == "x":
        return "x", None, None
    if text.startswith("<"):
        return "small", None, None
    if text.startswith("up to "):
        return "upto", None, number(text.removeprefix("up to "))
    if text.startswith("at least "):
        return "atleast", number(text.removeprefix("at least ")), None
    found = re.fullmatch(r"([\d,]+)\s*–\s*([\d,]+)", text)
    if found:
        return "range", number(found.group(1)), number(found.group(2))
    return "exact", number(text), number(text)


def publisher_gap(selection: Selection, atoms: dict[object, tuple[int, int, int]]) -> tuple[int, int]:
    """What the publisher's cell total of a selection is beyond the sum of its flows' and rows of no route's
    bounds (low, high): a cell split by its repatriation breakdown has its own interval, its pieces' bounds add up
    wider (Myanmar as origin, 2020: China's and Malaysia's ``<5`` counted 1–4 as routes and again, 4–1, in those
    repatriated from abroad with no country stated: 6 on the low bound, −6 on the high one)."""
    low, high = routes.flow_coverage(selection).total
    return (
        low - sum(exact + part for exact, part, _ in atoms.values()),
        high - sum(exact + part for exact, _, part in atoms.values()),
    )


@dataclass(frozen=True)
class Reading:
    """What the reader is shown of a selection at a rule and a regional level, built once however many ways a
    test reads it (:func:`reading`): the route numbers, the route table and key figures as shown, the flows'
    bounds and (asked for) the region table shown, as text (exact counts' tables displayed). All of it immutable
    (a frozen :class:`RouteBounds`, polars frames), so tests of the same selection share it."""

    selection: Selection
    numbers: RouteBounds
    level: str

    @cached_property
    def coverage(self) -> routes.FlowCoverage:
        return routes.flow_coverage(self.selection)

    @cached_property
    def shown(self) -> pl.DataFrame:
        return _as_text(self.numbers.table())

    @cached_property
    def selection_victims(self) -> object:
        """The key figures' victims of the selection, as shown."""
        return self.numbers.key_figures()["Victims"].to_list()[0]

    @cached_property
    def on_route(self) -> object:
        """The key figures' victims on a known route, as shown."""
        return self.numbers.key_figures()["Victims"].to_list()[1]

    @cached_property
    def region_shown(self) -> tuple[str, pl.DataFrame] | None:
        """The region table shown and its margin's label, None where it is not shown."""
        bounds = self.numbers.region_bounds(self.level)
        if bounds is None:
            return None
        return bounds.low.total_label, _as_text(bounds.shown())


def _as_text(table: DisclosedTable | pl.DataFrame) -> pl.DataFrame:
    """A table as shown: the ranges' text, or a table of exact counts displayed."""
    shown = table.display() if isinstance(table, DisclosedTable) else table
    assert isinstance(shown, pl.DataFrame)
    return shown


#: :class:`Reading` by the selection's table (its object, kept to tell a reused id), country, role, years and
#: indicator, the rule and the level
_READINGS: dict[tuple, tuple[object, Reading]] = {}


def reading(
    selection: Selection,
    rule: DisclosureRule,
    level: str = "region",
    *,
    exact_counts: bool = False,
    top_n: int = builders.TOP_N,
    min_victims: int = builders.MIN_VICTIMS,
) -> Reading:
    """The selection's :class:`Reading` at ``rule`` and ``level`` (its listing of ``top_n`` corridors of at least
    ``min_victims``): ``route_numbers`` of it built once a test process (the same function of the same inputs, so
    the same numbers as each caller building them again), of ranges or (``exact_counts``) of exact counts."""
    key = (
        id(selection.table),
        selection.country,
        selection.role,
        selection.years,
        selection.indicator,
        rule,
        level,
        top_n,
        min_victims,
    )
    kept = _READINGS.get(key)
    if kept is None or kept[0] is not selection.table:
        numbers = route_numbers(selection, rule, regional_level=level, top_n=top_n, min_victims=min_victims)
        assert numbers is not None and numbers.exact == exact_counts
        kept = (selection.table, Reading(selection, numbers, level))
        _READINGS[key] = kept
    return kept[1]


#: the values an integer programme found a target to take (its least, and its greatest where the least is its
#: true value), by the system's digest, the target and its true value: the same programme asked again (the
#: same selection read with and without ``every``) gives the same answer, so it is not solved twice
_ENDS: dict[tuple[bytes, bytes, float], frozenset[int]] = {}


def pinned(
    selection: Selection,
    rule: DisclosureRule,
    *,
    region: bool = True,
    every: bool = False,
    level: str = "region",
    publisher_total: bool = False,
    exact_counts: bool = False,
    top_n: int = builders.TOP_N,
    min_victims: int = builders.MIN_VICTIMS,
    beside: tuple[int, ...] = (),
) -> tuple[list[object], bool]:
    """What a reader of the route table, the key figures and (``region``) the region table pins, and whether the
    region table is shown; ``level``: the brief's regional level (the route table's classes and the region
    table's regions). ``every``: every withheld count's bounds, each named with whether it is the publisher's own
    (made only of its ``<5`` cells), not only those that may be small. ``publisher_total``: the totals row's total
    read always, as the publisher's cell total it shows: the sum of all the publisher's cells, each bound the rows'
    sum of that bound and the gap a split cell leaves (:func:`publisher_gap`), which the reader is given (one who
    knows the workbook's ``<5`` cells works it out: 3 per ``<5`` country of repatriation, where nothing clips);
    without it, the total is read only where it is the rows' sum. ``exact_counts``: the route numbers are exact counts
    (see the module's text), each withheld count's one bound asked. ``top_n`` and ``min_victims``: the listing read
    (the default listing); ``beside``: the lengths of other listings (of the same minimum) whose "All other
    routes" cells are read with it, each a sum of the flows that listing leaves out."""
    from _brief_attack import file_censored_high
    from _scipy_highs import milp

    t = rule.threshold
    width = file_censored_high(selection)  # the publisher's censored cells are 1 to width each
    read = reading(selection, rule, level, exact_counts=exact_counts, top_n=top_n, min_victims=min_victims)
    numbers = read.numbers
    flows = numbers.flow_table.with_row_index("_flow")
    atoms: dict[object, tuple[int, int, int]] = {}  # E, L, H
    for r in flows.iter_rows(named=True):
        exact = int(r["victims_uncensored"] or 0)
        atoms[("flow", r["_flow"])] = (exact, int(r["victims_low"]) - exact, int(r["victims_high"]) - exact)
    coverage = read.coverage
    keys = ["origin_iso3", "destination_iso3", "route_basis"]
    corridors = {r["route"]: r for r in numbers.low.corridors.iter_rows(named=True)}
    listed = {tuple(r[k] for k in keys) for r in corridors.values()}
    shown = read.shown
    total = numbers.low.table.total_label
    parts = {builders.ORIGIN_UNKNOWN: "unknown_origin", builders.DESTINATION_UNKNOWN: "unknown_destination"}
    parts.update({label: "repatriated_abroad" for _, label in numbers.low.home_rows})
    no_route = {}
    for label in shown["route"].to_list()[:-1]:
        if label not in corridors and label != OTHER_ROUTES:
            low, high = getattr(coverage, parts[label])
            exact = coverage.uncensored[parts[label]]
            no_route[label] = ("no route", label)
            atoms[no_route[label]] = (exact, low - exact, high - exact)
    names = list(atoms)
    index = {name: i for i, name in enumerate(names)}
    m = len(names)
    truth = np.array([atoms[name][j] for j in range(3) for name in names], dtype=float)
    rows: list[np.ndarray] = []
    lows: list[float] = []
    highs: list[float] = []
    targets: list[tuple[object, np.ndarray, float]] = []
    for name, (_, low_part, high_part) in atoms.items():
        vector = np.zeros(3 * m)
        vector[2 * m + index[name]] = 1.0
        regular = high_part == width * low_part
        vector[m + index[name]] = -float(width) if regular else -1.0
        rows.append(vector), lows.append(0.0), highs.append(0.0 if regular else np.inf)

    def bound(line: Line, which: int) -> np.ndarray:
        vector = np.zeros(3 * m)
        for name, c in line.items():
            vector[index[name]] += c
            vector[which * m + index[name]] += c
        return vector

    def cell(line: Line, text: object, where: object, gap: tuple[int, int] = (0, 0)) -> None:
        """A cell as shown, each of its bounds its flows' bound and ``gap`` (the publisher's total: its split
        cells' gap; a withheld total, ``x`` or ``<11``, is what the protection says of the rows' sum)."""
        kind, a, b = read_cell(text)
        if kind == "empty":
            return
        if kind in ("small", "x"):
            gap = (0, 0)
        low, high = bound(line, 1), bound(line, 2)
        true_low, true_high = low @ truth + gap[0], high @ truth + gap[1]

        def add(vector: np.ndarray, side: int, bottom: float, top: float) -> None:
            rows.append(vector), lows.append(bottom - gap[side]), highs.append(top - gap[side])

        if kind in ("exact", "range"):
            assert (a, b) == (true_low, true_high), (where, text)
            add(low, 0, a, a), add(high, 1, b, b)
            return
        if kind == "upto":
            assert b == true_high, (where, text)
            add(low, 0, min(1, true_low), max(t - 1, true_low)), add(high, 1, b, b)
        elif kind == "atleast":
            assert a == true_low, (where, text)
            add(low, 0, a, a), add(high, 1, a, np.inf)
        elif kind == "small":
            add(low, 0, min(1, true_low), max(t - 1, true_low))
        else:
            add(low, 0, min(t, true_low), np.inf), add(high, 1, min(t, true_high), np.inf)
        own = bound(line, 0) @ truth == 0  # made only of the publisher's <5 cells: its bounds are public
        if every:
            targets.extend([((where, "low", own), low, true_low), ((where, "high", own), high, true_high)])
        elif not own and 0 < true_low < t:  # a withheld count that may be small: neither bound pinned
            targets.append(((where, "low"), low, true_low))
            if not exact_counts:  # (exact counts: the high bound is the low one)
                targets.append(((where, "high"), high, true_high))

    def of_flows(keep: Callable[[dict], bool]) -> Line:
        return {("flow", r["_flow"]): 1.0 for r in flows.iter_rows(named=True) if keep(r)}

    def rest(r: dict) -> bool:
        return tuple(r[k] for k in keys) not in listed

    def fits(line: Line, text: object) -> bool:
        """Whether a published range is its flows' sum (a total from the publisher's cell total is not: Panama
        as origin in 2020, its total "up to 8" beside other routes' "up to 11")."""
        kind, a, b = read_cell(text)
        low, high = bound(line, 1) @ truth, bound(line, 2) @ truth
        if kind == "upto":
            return b == high
        if kind == "atleast":
            return a == low
        return kind not in ("exact", "range") or (a, b) == (low, high)

    class_of = {label: key for key, label in ROUTE_CLASS_LABELS.items()}

    def other_routes(row: dict, rest: Callable[[dict], bool], where: object) -> None:
        """The cells of a row of "All other routes": its total and each class's, the flows ``rest`` keeps."""
        cell(of_flows(rest), row[total], (where, total))
        for column, flow_class in class_of.items():
            if column in row:
                line = of_flows(lambda r, f=flow_class: rest(r) and str(r["flow_class"]) == f)
                cell(line, row[column], (where, column))

    everything = dict.fromkeys(names, 1.0)
    for row in shown.iter_rows(named=True):
        label = row["route"]
        columns = [(column, flow_class) for column, flow_class in class_of.items() if column in row]
        if label in corridors:
            key = tuple(corridors[label][k] for k in keys)
            line = of_flows(lambda r, key=key: tuple(r[k] for k in keys) == key)
            cell(line, row[total], (label, total))
            for column, flow_class in columns:
                cell(
                    line if corridors[label]["flow_class"] == flow_class else {}, row[column], (label, column)
                )
        elif label == OTHER_ROUTES:
            other_routes(row, rest, label)
        elif label in no_route:
            cell({no_route[label]: 1.0}, row[total], (label, total))
            if builders.NO_ROUTE in row:
                cell({no_route[label]: 1.0}, row[builders.NO_ROUTE], (label, builders.NO_ROUTE))
        else:  # the totals row: its total is the publisher's cell total, read where it is the rows' sum
            if publisher_total:
                cell(everything, row[total], ("totals", total), publisher_gap(selection, atoms))
            elif exact_counts or fits(everything, row[total]):
                cell(everything, row[total], ("totals", total))
            for column, flow_class in columns:
                cell(
                    of_flows(lambda r, f=flow_class: str(r["flow_class"]) == f),
                    row[column],
                    ("totals", column),
                )
            if builders.NO_ROUTE in row:
                cell(
                    dict.fromkeys(no_route.values(), 1.0),
                    row[builders.NO_ROUTE],
                    ("totals", builders.NO_ROUTE),
                )
    if exact_counts:
        cell(everything, read.selection_victims, "victims of the selection")
    on_route = read.on_route
    if exact_counts or fits(of_flows(lambda r: True), on_route):
        cell(of_flows(lambda r: True), on_route, "on a known route")
    for length in beside:
        other = reading(
            selection, rule, level, exact_counts=exact_counts, top_n=length, min_victims=min_victims
        )
        kept = {tuple(r[k] for k in keys) for r in other.numbers.low.corridors.iter_rows(named=True)}
        for row in other.shown.filter(pl.col("route") == OTHER_ROUTES).iter_rows(named=True):
            other_routes(
                row, lambda r, kept=kept: tuple(r[k] for k in keys) not in kept, (OTHER_ROUTES, length)
            )
    region_shown = read.region_shown if region else None
    if region_shown is not None:
        origin, destination = f"origin_{level}", f"destination_{level}"
        filled = flows.with_columns(pl.col(origin, destination).fill_null("Unknown"))
        margin, regional = region_shown
        key_column = regional.columns[0]
        for row in regional.iter_rows(named=True):
            for column in regional.columns[1:]:
                line = {
                    ("flow", r["_flow"]): 1.0
                    for r in filled.iter_rows(named=True)
                    if row[key_column] in (None, "Total", r[origin]) and column in (margin, r[destination])
                }
                cell(line, row[column], ("region", row[key_column], column))
    for name, (exact, _, _) in atoms.items():
        if rule.is_small(exact) and not every:  # a small exact part: never pinned
            vector = np.zeros(3 * m)
            vector[index[name]] = 1.0
            targets.append(((name, "exact"), vector, exact))
    matrix, bottoms, tops = np.array(rows), np.array(lows), np.array(highs)
    constraints = LinearConstraint(matrix, bottoms, tops)
    ceiling = 10 * (1 + truth.max())
    # exact counts have no censored part: L and H are 0
    tallest = np.concatenate([np.full(m, ceiling), np.full(2 * m, 0.0 if exact_counts else ceiling)])
    system = hashlib.sha256(b"".join(a.tobytes() for a in (np.array(matrix.shape), matrix, bottoms, tops)))
    system.update(tallest.tobytes())
    pinned = []
    for where, vector, value in targets:
        # the true counts meet everything published (the cells above assert it), so the target's true value lies
        # between its least and its greatest: a least below it already leaves two values, and the greatest need
        # not be asked (the same answer as asking both, at half the programmes for a count not pinned)
        asked = (system.digest(), vector.tobytes(), value)
        if asked in _ENDS:
            if _ENDS[asked] == {value}:
                pinned.append((where, value))
            continue
        found = set()
        for sign in (1.0, -1.0):
            result = milp(
                sign * vector,
                constraints=constraints,
                bounds=Bounds(np.zeros(3 * m), tallest),
                integrality=np.ones(3 * m),
            )
            assert result.status == 0, where
            end = round(sign * result.fun)
            assert end <= value if sign > 0 else end >= value, (where, end, value)
            found.add(end)
            if end != value:
                break
        _ENDS[asked] = frozenset(found)
        if found == {value}:
            pinned.append((where, value))
    return pinned, region_shown is not None
