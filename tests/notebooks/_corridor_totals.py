"""What a route table publishes of the corridors a table by corridor breaks each year down by (or of the
destinations or citizenships a table by those does, its corridors' ends): each corridor's total over the
selection's years, its "All other routes" and its victims on a known route, read as a reader
reads them (:func:`_route_reader.read_cell`), as sums of the table's columns (``ORIGIN>DESTINATION``)."""

from __future__ import annotations

import polars as pl
from _route_reader import read_cell

from evidence.notebooks.builders import (
    OTHER_ROUTES,
    ROUTE_CLASS_LABELS,
    RouteBounds,
    YearlyNumbers,
    route_numbers,
)


def _pair(text: object) -> tuple[object, object] | None:
    """A cell as :func:`_brief_attack.attack_brief` reads a published pair: bounds, or its label twice."""
    kind, low, high = read_cell(text)
    if kind in ("exact", "range"):
        return low, high
    if kind == "x":
        return "x", "x"
    if kind == "small":
        return "<", "<"
    return None  # "up to" and "at least": one bound only, left out (the reader is the weaker for it)


_FLOW_KEYS = ["origin_iso3", "destination_iso3", "route_basis"]

#: The column of a route's flow (origin, destination) in a table by each dimension the route table sums: a
#: corridor's, a destination's (the country's nationals' corridors into it), a citizenship's (those from it).
_COLUMN = {
    "corridor": lambda origin, destination: f"{origin}>{destination}",
    "destination": lambda origin, destination: destination,
    "citizenship": lambda origin, destination: origin,
}


def _flows_and_columns(
    numbers: YearlyNumbers, route: RouteBounds
) -> tuple[dict[str, tuple[int, int]], list[tuple], list[str], list[tuple[int, int]]]:
    """What a reader who holds the workbook knows of a route table beside the table by ``numbers.by``: each
    column's true bounds over the years, each flow's key (origin, destination, basis), its column and its true
    bounds."""
    cells = numbers.by_counts.filter(pl.col("count_low").is_not_null())
    truth = {
        c: (int(g["count_low"].sum()), int(g["count_high"].sum())) for (c,), g in cells.group_by(numbers.by)
    }
    flows = route.flow_table
    flow_keys = list(flows.select(_FLOW_KEYS).iter_rows())
    codes = [_COLUMN[numbers.by](o, d) for o, d, _ in flow_keys]
    flow_truth = list(zip(flows["victims_low"].to_list(), flows["victims_high"].to_list(), strict=True))
    return truth, flow_keys, codes, flow_truth


def _sum_of_columns(
    at: list[int], truth: dict[str, tuple[int, int]], codes: list[str], flow_truth: list[tuple[int, int]]
) -> tuple[str, ...] | None:
    """The columns the flows ``at`` add up to, where their true bounds are those columns' (a corridor counted on
    two bases, or in years the table leaves out, is no sum of columns), else None."""
    columns = {codes[i] for i in at} & set(truth)
    if not columns:
        return None
    want = (sum(truth[c][0] for c in columns), sum(truth[c][1] for c in columns))
    have = (sum(flow_truth[i][0] for i in at), sum(flow_truth[i][1] for i in at))
    return tuple(sorted(columns)) if want == have else None


def corridor_totals(numbers: YearlyNumbers, top_n: int = 10) -> dict[tuple[str, ...], tuple[object, object]]:
    """The sums of the table by corridor's, destination's or citizenship's columns (over its years) that the
    route table of the same selection and rule (``top_n`` corridors) shows, keyed by the columns they add up (a
    corridor's flows into a destination, or from a citizenship): a row's total is taken for a sum of
    columns only where its flows are theirs (their true bounds add up to the row's, as a reader who holds the
    workbook checks), so a corridor counted on two bases, or in years the table leaves out, is not."""
    route = route_numbers(numbers.selection, numbers.rule, top_n=top_n)
    if route is None or numbers.by_counts is None or route.exact:
        return {}
    truth, flow_keys, codes, flow_truth = _flows_and_columns(numbers, route)
    corridors = {
        r["route"]: tuple(r[k] for k in _FLOW_KEYS) for r in route.low.corridors.iter_rows(named=True)
    }
    shown = route.table()
    total = route.low.table.total_label
    lines: dict[tuple[str, ...], tuple[object, object]] = {}

    def add(at: list[int], text: object) -> None:
        pair, summed = _pair(text), _sum_of_columns(at, truth, codes, flow_truth)
        if pair is not None and summed is not None:
            lines[summed] = pair

    listed = set(corridors.values())
    for row in shown.iter_rows(named=True):
        label = row["route"]
        if label in corridors:
            at = [i for i, key in enumerate(flow_keys) if key == corridors[label]]
        elif label == OTHER_ROUTES:
            at = [i for i, key in enumerate(flow_keys) if key not in listed]
        else:
            continue
        add(at, row[total])
    on_route = route.key_figures()["Victims"].to_list()[1]
    add(list(range(len(codes))), on_route)
    return lines


def known_less_apart(numbers: YearlyNumbers, top_n: int) -> list[tuple[tuple[str, ...], tuple[int, int]]]:
    """The victims on a known route less the rows a route table prints exactly that are no sums of the table's
    columns (a doubtful corridor, whose years the table leaves out), where what is left is a sum of columns: a
    reading :func:`corridor_totals` leaves out (Mexico as both at 11: 6,755–6,869 less Mexico → United States
    (doubtful) 1,235 is every corridor's sum over the years, 5,520–5,634)."""
    route = route_numbers(numbers.selection, numbers.rule, top_n=top_n)
    if route is None or numbers.by_counts is None:
        return []
    kind, low, high = read_cell(route.key_figures()["Victims"].to_list()[1])
    if kind not in ("exact", "range"):
        return []
    truth, flow_keys, codes, flow_truth = _flows_and_columns(numbers, route)
    corridors = {
        r["route"]: tuple(r[k] for k in _FLOW_KEYS) for r in route.low.corridors.iter_rows(named=True)
    }
    total = route.low.table.total_label
    apart: list[int] = []
    for row in route.table().iter_rows(named=True):
        kind_of, a, b = read_cell(row[total])
        at = [i for i, key in enumerate(flow_keys) if key == corridors.get(row["route"])]
        if at and kind_of in ("exact", "range") and _sum_of_columns(at, truth, codes, flow_truth) is None:
            apart += at
            low, high = low - a, high - b
    rest = _sum_of_columns([i for i in range(len(flow_keys)) if i not in apart], truth, codes, flow_truth)
    return [(rest, (low, high))] if apart and rest is not None else []


def class_totals(
    numbers: YearlyNumbers, top_n: int = 10
) -> list[tuple[tuple[str, ...], tuple[object, object]]]:
    """The sums of the table's columns that a route table's class cells show (domestic, intraregional,
    transregional): those of "All other routes" (its flows of the class) and of the totals row (every flow of the
    class), where they are sums of columns: read beside :func:`corridor_totals`, which reads the rows' totals
    only (Mexico as both at 11: the totals row's transregional 35–68, China → Mexico and Mexico → Israel ``x``
    in it)."""
    route = route_numbers(numbers.selection, numbers.rule, top_n=top_n)
    if route is None or numbers.by_counts is None or route.exact:
        return []
    truth, flow_keys, codes, flow_truth = _flows_and_columns(numbers, route)
    classes = [str(c) for c in route.flow_table["flow_class"].to_list()]
    listed = {tuple(r[k] for k in _FLOW_KEYS) for r in route.low.corridors.iter_rows(named=True)}
    shown = route.table()
    lines = []
    for row, label in zip(shown.iter_rows(named=True), shown["route"].to_list()[:-1] + [None], strict=True):
        if label != OTHER_ROUTES and label is not None:
            continue
        for flow_class, column in ROUTE_CLASS_LABELS.items():
            at = [
                i
                for i, key in enumerate(flow_keys)
                if classes[i] == flow_class and (label is None or key not in listed)
            ]
            pair = _pair(row.get(column))
            summed = _sum_of_columns(at, truth, codes, flow_truth) if at else None
            if pair is not None and summed is not None:
                lines.append((summed, pair))
    return lines
