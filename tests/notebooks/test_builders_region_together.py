"""The region table protected together with the route table and the key figures shown beside it (exact counts).

A reader holds all three: every flow of the selection and every row of no route is a count of its own, each
region cell the sum of its pair's flows, each route table cell the sum of its flows, each key figure read from
the route table. An independent MILP reader (``scipy.optimize.milp``) must pin no small count: neither a cell
withheld in any of them nor a flow no cell shows alone. Thailand as destination is sec29's case (Americas → Asia
was Brazil → Thailand's ``x``, alone in its pair, and the region total gave the ``<5`` of unknown origin back);
the demo's selections are some that sec29 left without a region table (now shown, or left out where every count
would be withheld).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl
import pytest
from _hand_made import into_thailand
from scipy.optimize import Bounds, LinearConstraint

from evidence.analyses.selection import Selection
from evidence.notebooks import builders
from evidence.notebooks.builders import OTHER_ROUTES, ROUTE_CLASS_LABELS, route_numbers
from evidence.presentation.disclosure import DisclosedTable, DisclosureRule
from evidence.sources.cache import load_cached
from evidence.sources.demo import demo_path

#: A combination of atoms (name -> coefficient).
Line = dict[object, float]


def _thailand() -> Selection:
    """Thailand as destination: Myanmar 32, Cambodia 19, Ukraine 9, Brazil 6, 3 of unknown citizenship."""
    return into_thailand({"MMR": 32, "KHM": 19, "UKR": 9, "BRA": 6, None: 3})


def _demo(country: str, role: str) -> Callable[[], Selection]:
    def selection() -> Selection:
        loaded = load_cached(demo_path())
        years = Selection(loaded, country=country, role=role).records()["year"].drop_nulls()
        return Selection(loaded, country=country, role=role, years=(int(years.min()), int(years.max())))

    return selection


def _pinned(selection: Selection, rule: DisclosureRule) -> tuple[list[object], bool]:
    """The small counts a reader of the route table, the key figures and the region table pins, and whether
    the region table is shown."""
    from _scipy_highs import milp

    numbers = route_numbers(selection, rule)
    assert numbers is not None and numbers.exact
    flows = numbers.flow_table.with_row_index("_flow")
    atoms: dict[object, int] = {("flow", i): int(v) for i, v in flows.select("_flow", "victims").rows()}
    table = numbers.low.table
    shown = table.display()
    total = table.total_label
    corridors = {r["route"]: r for r in numbers.low.corridors.iter_rows(named=True)}
    keys = ["origin_iso3", "destination_iso3", "route_basis"]
    listed = {tuple(r[k] for k in keys) for r in corridors.values()}
    truth = numbers.low.counts
    assert truth is not None
    no_route = {}
    for index, label in enumerate(shown["route"].to_list()[:-1]):
        if label not in corridors and label != OTHER_ROUTES:
            no_route[label] = ("no route", label)
            atoms[no_route[label]] = int(truth[total][index])
    read: list[tuple[Line, str, int]] = []  # a combination of atoms, as shown, its true value

    def cell(line: Line, text: object) -> None:
        read.append((line, str(text), int(sum(atoms[a] * c for a, c in line.items()))))

    def of_flows(keep: Callable[[dict], bool]) -> Line:
        return {("flow", r["_flow"]): 1.0 for r in flows.iter_rows(named=True) if keep(r)}

    every = {a: 1.0 for a in atoms}
    class_of = {label: key for key, label in ROUTE_CLASS_LABELS.items()}

    def rest(r: dict) -> bool:
        return tuple(r[k] for k in keys) not in listed

    for row in shown.iter_rows(named=True):
        label = row["route"]
        columns = [(column, flow_class) for column, flow_class in class_of.items() if column in row]
        if label in corridors:
            key = tuple(corridors[label][k] for k in keys)
            line = of_flows(lambda r, key=key: tuple(r[k] for k in keys) == key)
            cell(line, row[total])
            for column, flow_class in columns:
                cell(line if corridors[label]["flow_class"] == flow_class else {}, row[column])
        elif label == OTHER_ROUTES:
            cell(of_flows(rest), row[total])
            for column, flow_class in columns:
                cell(of_flows(lambda r, f=flow_class: rest(r) and str(r["flow_class"]) == f), row[column])
        elif label in no_route:
            cell({no_route[label]: 1.0}, row[total])
        else:  # the totals row
            cell(every, row[total])
            for column, flow_class in columns:
                cell(of_flows(lambda r, f=flow_class: str(r["flow_class"]) == f), row[column])
            if builders.NO_ROUTE in row:
                cell({a: 1.0 for a in no_route.values()}, row[builders.NO_ROUTE])
    figures = numbers.key_figures()["Victims"].to_list()
    cell(every, figures[0])
    cell(of_flows(lambda r: True), figures[1])
    region = numbers.region_table("region")
    if region is not None:
        assert isinstance(region, DisclosedTable)
        origin, destination = "origin_region", "destination_region"
        filled = flows.with_columns(pl.col(origin, destination).fill_null("Unknown"))
        regional = region.display()
        key = regional.columns[0]
        for row in regional.iter_rows(named=True):
            for column in regional.columns[1:]:
                line = {
                    ("flow", r["_flow"]): 1.0
                    for r in filled.iter_rows(named=True)
                    if row[key] in ("Total", r[origin]) and column in (region.total_label, r[destination])
                }
                cell(line, row[column])
    names = list(atoms)
    index = {name: i for i, name in enumerate(names)}
    ceiling = 10 * (1 + max(atoms.values()))
    rows, lows, highs, targets = [], [], [], []
    for line, text, value in read:
        vector = np.zeros(len(names))
        for name, c in line.items():
            vector[index[name]] += c
        if text == "x":
            lows.append(min(rule.threshold, value)), highs.append(np.inf)
        elif text.startswith("<"):
            lows.append(min(1, value)), highs.append(max(rule.threshold - 1, value))
        else:
            assert int(text.replace(",", "")) == value, (line, text)
            lows.append(value), highs.append(value)
        rows.append(vector)
        if (text == "x" or text.startswith("<")) and rule.is_small(value):
            targets.append((line, value))
    targets += [({a: 1.0}, v) for a, v in atoms.items() if rule.is_small(v)]  # a flow no cell shows alone
    constraints = LinearConstraint(np.array(rows), np.array(lows), np.array(highs))
    pinned = []
    for line, value in targets:
        found = set()
        for sign in (1.0, -1.0):
            objective = np.zeros(len(names))
            for name, c in line.items():
                objective[index[name]] += sign * c
            result = milp(
                objective,
                constraints=constraints,
                bounds=Bounds(np.zeros(len(names)), np.full(len(names), ceiling)),
                integrality=np.ones(len(names)),
            )
            assert result.status == 0
            found.add(round(sign * result.fun))
        if len(found) == 1:
            pinned.append((line, value))
    return pinned, region is not None


#: shown, sec29 left each without a region table: Thailand's with two cells withheld further, the demo's whole
#: (sec29 dropped them beside any withheld cell of the route table)
SHOWN = [
    pytest.param(_thailand, 5, id="Thailand-destination-5"),
    pytest.param(_demo("BRA", "both"), 5, id="demo-Brazil-both-5"),
    pytest.param(_demo("PAK", "both"), 11, id="demo-Pakistan-both-11"),
    pytest.param(_demo("IND", "both"), 11, id="demo-India-both-11"),
    # its route table lists a withheld corridor after the published ones: the true counts moved with the rows
    pytest.param(_demo("CHN", "both"), 5, id="demo-China-both-5"),
    pytest.param(_demo("CHN", "both"), 11, id="demo-China-both-11"),
]
#: not shown: one region pair, whose one corridor the route table withholds, so every count would be withheld
DROPPED = [
    pytest.param(_demo("BRA", "origin"), 5, id="demo-Brazil-origin-5"),
    pytest.param(_demo("ALB", "origin"), 11, id="demo-Albania-origin-11"),
    pytest.param(_demo("COL", "destination"), 11, id="demo-Colombia-destination-11"),
]


@pytest.mark.parametrize(("selection", "threshold"), SHOWN)
def test_attack_the_region_table_route_table_and_key_figures_together_pin_no_small_count(
    selection: Callable[[], Selection], threshold: int
) -> None:
    pinned, shown = _pinned(selection(), DisclosureRule(threshold))
    assert not pinned
    assert shown


@pytest.mark.parametrize(("selection", "threshold"), DROPPED)
def test_a_region_table_that_would_withhold_every_count_is_not_shown(
    selection: Callable[[], Selection], threshold: int
) -> None:
    pinned, shown = _pinned(selection(), DisclosureRule(threshold))
    assert not pinned
    assert not shown


@pytest.mark.parametrize(("selection", "threshold"), [SHOWN[0], *DROPPED])
def test_the_region_table_alone_beside_the_route_table_gave_a_count_back(
    selection: Callable[[], Selection], threshold: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader above is not idle: the region table protected on its own (the joint protection skipped)
    lets it pin a count the route table withholds."""
    monkeypatch.setattr(builders, "_region_beside_routes", lambda table, *_: table)
    pinned, shown = _pinned(selection(), DisclosureRule(threshold))
    assert shown and pinned


def test_thailands_region_table_withholds_the_pair_of_brazil_and_the_total_and_shows_the_rest() -> None:
    numbers = route_numbers(_thailand(), DisclosureRule(5))
    assert numbers is not None
    region = numbers.region_table("region")
    assert isinstance(region, DisclosedTable)
    shown = region.display()
    assert dict(zip(shown[shown.columns[0]].to_list(), shown["Asia"].to_list(), strict=True)) == {
        "Americas": "x",
        "Asia": "51",
        "Europe": "9",
        "Total": "x",
    }
