"""What a route table publishes of the corridors a table by corridor breaks each year down by (or of the
destinations or citizenships a table by those does, its corridors' ends): each corridor's total over the
selection's years, its "All other routes" and its victims on a known route, read as a reader
reads them (:func:`_route_reader.read_cell`), as sums of the table's columns (``ORIGIN>DESTINATION``)."""

from __future__ import annotations

import polars as pl
from _route_reader import read_cell

from evidence.notebooks.builders import OTHER_ROUTES, YearlyNumbers, route_numbers


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


#: The column of a route's flow (origin, destination) in a table by each dimension the route table sums: a
#: corridor's, a destination's (the country's nationals' corridors into it), a citizenship's (those from it).
_COLUMN = {
    "corridor": lambda origin, destination: f"{origin}>{destination}",
    "destination": lambda origin, destination: destination,
    "citizenship": lambda origin, destination: origin,
}


def corridor_totals(numbers: YearlyNumbers, top_n: int = 10) -> dict[tuple[str, ...], tuple[object, object]]:
    """The sums of the table by corridor's, destination's or citizenship's columns (over its years) that the
    route table of the same selection and rule (``top_n`` corridors) shows, keyed by the columns they add up (a
    corridor's flows into a destination, or from a citizenship): a row's total is taken for a sum of
    columns only where its flows are theirs (their true bounds add up to the row's, as a reader who holds the
    workbook checks), so a corridor counted on two bases, or in years the table leaves out, is not."""
    route = route_numbers(numbers.selection, numbers.rule, top_n=top_n)
    if route is None or numbers.by_counts is None or route.exact:
        return {}
    cells = numbers.by_counts.filter(pl.col("count_low").is_not_null())
    truth = {
        c: (int(g["count_low"].sum()), int(g["count_high"].sum())) for (c,), g in cells.group_by(numbers.by)
    }
    flows = route.flow_table
    keys = ["origin_iso3", "destination_iso3", "route_basis"]
    flow_keys = list(flows.select(keys).iter_rows())
    codes = [_COLUMN[numbers.by](o, d) for o, d, _ in flow_keys]
    flow_truth = list(zip(flows["victims_low"].to_list(), flows["victims_high"].to_list(), strict=True))
    corridors = {r["route"]: tuple(r[k] for k in keys) for r in route.low.corridors.iter_rows(named=True)}
    shown = route.table()
    total = route.low.table.total_label
    lines: dict[tuple[str, ...], tuple[object, object]] = {}

    def add(columns: set[str], label_flows: list[int], text: object) -> None:
        pair = _pair(text)
        columns &= set(truth)
        if pair is None or not columns:
            return
        want = (sum(truth[c][0] for c in columns), sum(truth[c][1] for c in columns))
        have = (sum(flow_truth[i][0] for i in label_flows), sum(flow_truth[i][1] for i in label_flows))
        if want == have:
            lines[tuple(sorted(columns))] = pair

    listed = set(corridors.values())
    for row in shown.iter_rows(named=True):
        label = row["route"]
        if label in corridors:
            at = [i for i, key in enumerate(flow_keys) if key == corridors[label]]
        elif label == OTHER_ROUTES:
            at = [i for i, key in enumerate(flow_keys) if key not in listed]
        else:
            continue
        add({codes[i] for i in at}, at, row[total])
    on_route = route.key_figures()["Victims"].to_list()[1]
    add(set(codes), list(range(len(codes))), on_route)
    return lines
