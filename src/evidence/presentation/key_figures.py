"""The key-figures box of an organisation's records: victims assisted in a period, as of a date, protected.

"Victims of trafficking assisted between 2012 and 2023, as of June 2023": the total, then by sex, age band,
nationality, form of exploitation and assistance received, and the nationals of the organisation's country
trafficked abroad, by country of exploitation and by whether they received return assistance.

Forms of exploitation
    One person may count under several forms (forced labour and sexual exploitation), which the title says.
    Forced criminality is a form CTDC codes as "other" (a true ``exploitation_forced_criminality`` also sets
    ``exploitation_other``): where the records hold it, "Other" is shown split into "Forced criminality" and
    "Other forms (not forced criminality)", so that nobody counts twice for the same form.

Nationals abroad
    The canonical case table has no field saying that a person was returned: it holds the country of
    exploitation, and return assistance only where the organisation records it as a kind of assistance. So the
    table by country of exploitation counts every national whose recorded country of exploitation is another
    country, returned or not; where the records hold an assistance kind about return (its name contains
    ``return`` or ``repatriation``), a second table splits the same people into those who received it, those
    recorded without it (every kind "no" is an answer: no assistance given), and those whose assistance is
    not recorded (every kind empty).

Disclosure control
    Every number passes it. Without record keys (invented records) the whole box is protected as one system:
    the tables that split the total (sex, age band, nationality) or a part of it (nationals abroad by country
    of exploitation and by return) are linear constraints that share their totals, and so are the differences
    a reader can take between a total and its parts (the total less the people whose form is recorded; the
    nationals of the country less those abroad). Forms and kinds of assistance add inequalities (each count is
    at most the people whose group is recorded, and the forms together at least them (not the kinds of
    assistance: every kind "no" is an answer, no assistance given); forced criminality and the other "other"
    forms never share a person). Small counts are withheld, and further counts (marked ``x``) until no
    withheld count, and no small difference of published ones, has only one value consistent with everything
    published (checked by integer programming). Given each record's key (the organisation's real records),
    every count is instead perturbed by the cell key method, so that figures as of other dates, for other
    periods or of a total and its parts cannot be subtracted into a person.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

import polars as pl

from evidence.core.errors import ParameterError
from evidence.core.text import column_title
from evidence.presentation.disclosure import (
    DEFAULT_RULE,
    PERTURBATION_ACROSS_OUTPUTS,
    PERTURBATION_NOTE,
    DisclosedTable,
    DisclosureError,
    DisclosureRule,
    LinearProgram,
    suppress_counts,
)
from evidence.sources.case_schema import FLAG_GROUPS

NOT_RECORDED = "Not recorded"
COUNT = "victims"
#: Partitions of the total: (title, column of the case table).
BREAKDOWNS = {
    "sex": ("Sex", "gender"),
    "age_band": ("Age band", "age_band"),
    "nationality": ("Nationality", "origin_iso3"),
}
FORMS_TITLE = "Form of exploitation (a person may count under several)"
#: The forms' labels; a form of the case table not named here is labelled from its column.
FORM_LABELS = {
    "exploitation_forced_labour": "Forced labour",
    "exploitation_sexual": "Sexual exploitation",
    "exploitation_other": "Other",
}
FORCED_CRIMINALITY = "exploitation_forced_criminality"
FORCED_CRIMINALITY_LABEL = "Forced criminality"
OTHER_NOT_FORCED_CRIMINALITY_LABEL = "Other forms (not forced criminality)"
ASSISTANCE_PREFIX = "assistance_"
#: Nationals abroad whose assistance is recorded (every kind "no" included: an answer) without return assistance.
NOT_RETURNED_LABEL = "Not received (assistance recorded)"
#: An assistance kind whose name holds one of these is about return (``return_reintegration``, ...).
RETURN_WORDS = ("return", "repatriat")
_KEY = "__record_key"  # each record's cell key, beside the records while the figures are counted
# why a count is withheld, as DisclosedTable.display reads it
_SMALL, _COMPLEMENT = "small", "complement"


@dataclasses.dataclass(frozen=True)
class KeyFigures:
    """The protected key figures; ``tables`` by name (see :data:`BREAKDOWNS`, ``form``, ``assistance``,
    ``nationals_abroad``, ``nationals_abroad_return``), each a :class:`DisclosedTable` whose key column is
    ``category`` (the tables that split a total end with it, category null)."""

    as_of: str
    year_from: int
    year_to: int
    country: str | None
    total: DisclosedTable
    tables: dict[str, DisclosedTable]
    titles: dict[str, str]
    rule: DisclosureRule
    notes: tuple[str, ...] = ()
    #: whether the counts were perturbed by the cell key method
    perturbed: bool = False

    def describe(self) -> str:
        """What a reader needs to know about the protection of these figures."""
        return self.rule.describe() + (
            f" {PERTURBATION_NOTE} {PERTURBATION_ACROSS_OUTPUTS}" if self.perturbed else ""
        )

    def total_shown(self) -> str:
        """The total as published (e.g. ``"1,234"`` or ``"<5"``)."""
        return self.total.display()[COUNT][0]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``. A count is shown as in every JSON document (``evidence flows``,
        ``evidence trend``): the integer, or, withheld, the label the text shows in its place (``"<5"`` or
        ``"x"``); ``total`` is such a count, as flows' ``total``."""

        def counts(table: DisclosedTable) -> list[int | str]:
            shown = table.display()[COUNT].to_list()
            return [
                count if count is not None else text
                for count, text in zip(table.frame[COUNT].to_list(), shown, strict=True)
            ]

        def rows(table: DisclosedTable) -> list[dict[str, Any]]:
            return [
                {"category": category if category is not None else "Total", COUNT: count}
                for category, count in zip(table.frame["category"].to_list(), counts(table), strict=True)
            ]

        return {
            "as_of": self.as_of,
            "years": [self.year_from, self.year_to],
            "country": self.country,
            "total": counts(self.total)[0],
            "tables": {
                name: {"title": self.titles[name], "rows": rows(t)} for name, t in self.tables.items()
            },
            "disclosure": self.describe(),
            "protection": "cell_key" if self.perturbed else "suppression",
            "notes": list(self.notes),
        }


@dataclasses.dataclass
class _Cells:
    """Every count of the box and the linear relations between them that a reader can use.

    A cell is a count of people with its cell key (the sum of its records' keys). A count shown in two tables
    (a total) is one cell. Some cells are never shown but follow from shown ones (the total less the people
    whose form is recorded): they take part in the relations so that a small one is protected like a withheld
    count.
    """

    keyed: bool
    values: list[int] = dataclasses.field(default_factory=list)
    keys: list[int] = dataclasses.field(default_factory=list)
    shown: list[bool] = dataclasses.field(default_factory=list)
    #: (parts, total): the parts add up to the total
    lines: list[tuple[list[int], int]] = dataclasses.field(default_factory=list)
    #: {cell: coefficient}: the weighted sum is at most 0
    at_most: list[dict[int, int]] = dataclasses.field(default_factory=list)

    def new(self, value: int, key: int, *, shown: bool = True) -> int:
        """A cell of ``value`` people whose keys sum to ``key``; its index."""
        self.values.append(value)
        self.keys.append(key)
        self.shown.append(shown)
        return len(self.values) - 1

    def add(self, frame: pl.DataFrame, chosen: pl.Expr | None = None, *, shown: bool = True) -> int:
        """A cell counting the records of ``frame`` (those ``chosen``, if given); its index."""
        selected = frame if chosen is None else frame.filter(chosen)
        key = int(selected.get_column(_KEY).sum()) if self.keyed else 0
        return self.new(selected.height, key, shown=shown)

    def partition(
        self, frame: pl.DataFrame, parts: list[tuple[str, pl.Expr]], total: int
    ) -> list[tuple[str, int]]:
        """Cells for ``parts`` (disjoint selections covering ``frame``) adding up to the cell ``total``."""
        rows = [(label, self.add(frame, chosen)) for label, chosen in parts]
        self.lines.append(([cell for _, cell in rows], total))
        return rows

    def by_column(self, frame: pl.DataFrame, column: str, total: int) -> list[tuple[str, int]]:
        """A partition by the values of ``column``, in the column's own order (age bands), "not recorded" last."""
        counts = (
            frame.group_by(column)
            .agg(pl.len().alias("n"), (pl.col(_KEY).sum() if self.keyed else pl.lit(0)).alias("key"))
            .sort(column, nulls_last=True)
        )
        rows = [
            (NOT_RECORDED if value is None else str(value), self.new(int(n), int(key)))
            for value, n, key in counts.iter_rows()
        ]
        self.lines.append(([cell for _, cell in rows], total))
        return rows


def _multi_response(
    cells: _Cells,
    data: pl.DataFrame,
    selections: list[tuple[str, pl.Expr]],
    known: str,
    total: int,
    disjoint: Iterable[tuple[str, str]] = (),
    answered: pl.Expr | None = None,
) -> tuple[list[tuple[str, int]], int]:
    """Counts of people per selection (a person may count under several) and of the people the group is
    known for: some selection true, or, given ``answered`` (a group whose every "no" is an answer, as the
    kinds of assistance are), those it selects, some of whom may count under none; the relations a reader can
    use between them and the total."""
    recorded_expr = (
        answered
        if answered is not None
        else pl.any_horizontal([e for _, e in selections])
        if selections
        else pl.lit(False)
    )
    rows = [(label, cells.add(data, chosen)) for label, chosen in selections]
    recorded = cells.add(data, recorded_expr)
    unknown = cells.add(data, ~recorded_expr, shown=False)  # the total less the people recorded
    cells.lines.append(([recorded, unknown], total))
    index = dict(rows)
    for _, cell in rows:  # no count exceeds the people recorded
        cells.at_most.append({cell: 1, recorded: -1})
    if rows and answered is None:  # everyone recorded counts under at least one
        cells.at_most.append({recorded: 1, **{cell: -1 for _, cell in rows}})
    for a, b in disjoint:  # two selections no one is in at once
        if a in index and b in index:
            cells.at_most.append({index[a]: 1, index[b]: 1, recorded: -1})
    return [*rows, (known, recorded)], unknown


def _present(data: pl.DataFrame, column: str) -> bool:
    """Whether the records hold the column (a flag they never fill was not asked: left out, not shown as 0)."""
    return column in data.columns and data[column].null_count() < data.height


def _label(column: str, prefix: str) -> str:
    words = column.removeprefix(prefix).replace("return_reintegration", "return_and_reintegration")
    return column_title(words)


def _form_selections(data: pl.DataFrame) -> list[tuple[str, pl.Expr]]:
    """The forms of exploitation the records hold, "other" split around forced criminality where it is held."""
    split = _present(data, FORCED_CRIMINALITY) and _present(data, "exploitation_other")
    out: list[tuple[str, pl.Expr]] = []
    for column in FLAG_GROUPS["exploitation"]:
        if not _present(data, column):
            continue
        flag = pl.col(column).fill_null(False)
        if column == "exploitation_other" and split:
            criminality = pl.col(FORCED_CRIMINALITY).fill_null(False)
            out.append((FORCED_CRIMINALITY_LABEL, criminality))
            # an "other" set only with forced criminality (a mapping that sets it from forced criminality alone)
            # holds no other form: left out, not shown as 0
            if data.select((flag & ~criminality).any()).item():
                out.append((OTHER_NOT_FORCED_CRIMINALITY_LABEL, flag & ~criminality))
        else:
            out.append((FORM_LABELS.get(column) or _label(column, "exploitation_"), flag))
    if not split and _present(data, FORCED_CRIMINALITY):  # records without "other": forced criminality alone
        out.append((FORCED_CRIMINALITY_LABEL, pl.col(FORCED_CRIMINALITY).fill_null(False)))
    return out


def return_column(data: pl.DataFrame) -> str | None:
    """The first assistance column about return (see :data:`RETURN_WORDS`) that the records fill, if any."""
    for column in data.columns:
        kind = column.removeprefix(ASSISTANCE_PREFIX)
        if (
            column.startswith(ASSISTANCE_PREFIX)
            and any(w in kind for w in RETURN_WORDS)
            and _present(data, column)
        ):
            return column
    return None


# ------------------------------------------------------------------------------------------- protection


def _pinned(
    cells: _Cells,
    status: list[str | None],
    rule: DisclosureRule,
    chosen_from: dict[int, list[int]],
    of: list[int],
) -> dict[int, bool]:
    """For each cell of ``of``: whether everything published leaves it only one whole value.

    The attacker knows the relations, the published counts, that a ``<5`` count lies in 1..threshold-1, that
    an ``x`` count is at least the threshold and at most every still-published positive count of the relations
    it was chosen from (it was the smallest), and that a count never shown is at least 0. Each cell is safe as
    soon as one whole-number solution of all that gives it another value (found by integer programming: a few
    objectives that move many cells at once, then each cell still unresolved on its own).
    """
    import numpy as np

    values = cells.values
    ceiling = float(2 * sum(values) + rule.threshold)
    relations = _relations(cells)
    bounds: dict[int, tuple[float, float]] = {}
    for cell, value in enumerate(values):
        if status[cell] == _SMALL:
            # a perturbed count its perturbation took below the threshold is labelled so though it is not small:
            # its label's bounds widened to it (the true values must stay a solution)
            bounds[cell] = (min(rule.smallest_small, value), max(rule.threshold - 1, value))
        elif status[cell] == _COMPLEMENT:
            rivals = [
                values[c]
                for r in chosen_from.get(cell, ())
                for c in relations[r]
                if c != cell and cells.shown[c] and status[c] is None and values[c] > 0
            ]
            bounds[cell] = (rule.threshold, float(min(rivals, default=ceiling)))
        elif not cells.shown[cell]:
            bounds[cell] = (0.0, ceiling)
    # published counts are constants: only the others are unknowns
    unknown = sorted(bounds)
    position = {cell: k for k, cell in enumerate(unknown)}
    signed = [({**dict.fromkeys(parts, 1), total: -1}, True) for parts, total in cells.lines]
    signed += [(weights, False) for weights in cells.at_most]
    rows, lower, upper = [], [], []
    for weights, equal in signed:
        row = np.zeros(len(unknown))
        constant = 0.0
        for cell, weight in weights.items():
            if cell in position:
                row[position[cell]] += weight
            else:
                constant += weight * values[cell]
        if row.any():
            rows.append(row)
            lower.append(-constant if equal else -np.inf)
            upper.append(-constant)
    program = LinearProgram(
        np.array(rows).reshape(len(rows), len(unknown)),
        lower,
        upper,
        [bounds[c][0] for c in unknown],
        [bounds[c][1] for c in unknown],
        integral=True,
    )
    truth = np.array([values[c] for c in unknown], dtype=float)
    unresolved = dict.fromkeys(of, True)

    def differs_with(objective: np.ndarray) -> None:
        x = program.solution(objective)
        if x is not None:
            for cell in unresolved:
                if abs(x[position[cell]] - truth[position[cell]]) > 0.5:
                    unresolved[cell] = False

    def pending() -> np.ndarray:
        mask = np.zeros(len(unknown))
        mask[[position[c] for c, u in unresolved.items() if u]] = 1.0
        return mask

    rng = np.random.default_rng(0)  # fixed seed: the same figures always get the same protection
    for attempt in range(6):  # all pending cells down, all up, then four random mixes
        if not any(unresolved.values()):
            break
        direction = [1.0, -1.0][attempt] if attempt < 2 else rng.choice([-1.0, 1.0], len(unknown))
        differs_with(direction * pending())
    for cell in of:
        for sign in (1.0, -1.0):
            if unresolved[cell]:
                objective = np.zeros(len(unknown))
                objective[position[cell]] = sign
                differs_with(objective)
    return unresolved


def _relations(cells: _Cells) -> list[list[int]]:
    """Every relation (lines, then inequalities) as the cells it ties together."""
    return [[*parts, total] for parts, total in cells.lines] + [list(w) for w in cells.at_most]


def _protect(
    cells: _Cells, rule: DisclosureRule, primary: list[str | None] | None = None
) -> list[str | None]:
    """Why each cell is withheld (small, complement) or None: no small count, shown or following from shown
    ones, has only one value consistent with what is published. ``primary``: the cells withheld to begin with
    (default: the small ones shown; perturbed counts add those their perturbation takes below the threshold)."""
    values = cells.values
    status: list[str | None] = (
        list(primary)
        if primary is not None
        else [
            _SMALL if shown and rule.is_small(v) else None
            for v, shown in zip(values, cells.shown, strict=True)
        ]
    )
    # a count withheld by its label alone is 1..threshold-1; one never shown may be anything from 0
    label_pins = rule.smallest_small == rule.threshold - 1
    sensitive = [
        c for c, v in enumerate(values) if rule.is_small(v) and (not cells.shown[c] or not label_pins)
    ]
    if not sensitive:
        return status
    relations = _relations(cells)
    of_cell: dict[int, list[int]] = {}
    for r, members in enumerate(relations):
        for cell in members:
            of_cell.setdefault(cell, []).append(r)
    chosen_from: dict[int, list[int]] = {}

    def best(candidate_relations: Iterable[int]) -> int | None:
        found = {
            c
            for r in candidate_relations
            for c in relations[r]
            if cells.shown[c] and status[c] is None and values[c] > 0
        }
        return min(found, key=lambda c: (values[c], c)) if found else None

    def widening(cell: int) -> Iterable[list[int]]:
        own = of_cell.get(cell, [])
        yield own
        neighbours = {c for r in own for c in relations[r] if status[c] is not None or not cells.shown[c]}
        yield sorted({r for c in neighbours for r in of_cell.get(c, [])})
        yield list(range(len(relations)))

    exposed = sensitive
    while True:
        # withholding more only widens what is consistent: a cell found safe stays safe, only the rest are checked
        pinned = _pinned(cells, status, rule, chosen_from, exposed)
        exposed = [c for c in exposed if pinned[c]]
        if not exposed:
            return _publish_the_determined(cells, status, rule, chosen_from, sensitive)
        touched: set[int] = set()  # relations that got a withheld count in this pass: re-check first
        for cell in exposed:
            if touched.intersection(of_cell.get(cell, [])):
                continue
            for candidates in widening(cell):
                complement = best(candidates)
                if complement is not None:
                    status[complement] = _COMPLEMENT
                    chosen_from[complement] = list(candidates)
                    touched.update(of_cell.get(complement, []))
                    break
        if not touched:
            raise DisclosureError(
                "these key figures cannot be published safely: even with every count withheld, what is "
                f"published determines a count below {rule.threshold}; choose a wider period"
            )


def _publish_the_determined(
    cells: _Cells,
    status: list[str | None],
    rule: DisclosureRule,
    chosen_from: dict[int, list[int]],
    sensitive: list[int],
) -> list[str | None]:
    """``status`` with every withheld count that what is published determines anyway published again (the
    largest first: a total withheld in one table and the sum of another's parts), when nothing becomes
    exposed by it."""
    complements = sorted(
        (c for c, s in enumerate(status) if s == _COMPLEMENT), key=lambda c: -cells.values[c]
    )
    for cell in complements:
        if not _pinned(cells, status, rule, chosen_from, [cell])[cell]:
            continue
        status[cell] = None
        if any(_pinned(cells, status, rule, chosen_from, sensitive).values()):
            status[cell] = _COMPLEMENT
    return status


def _published(cells: _Cells, rule: DisclosureRule) -> tuple[list[int | None], list[str | None]]:
    """Each cell as published (null where withheld) and why it is withheld."""
    if cells.keyed:
        # every count moved by its own key: the same records give the same number in every table; then the
        # complements and their audit on the true counts, as a perturbed table gets them (a reader who takes
        # the box's lines as exact is right whenever their perturbations are 0: half of them)
        frame = suppress_counts(
            pl.DataFrame({COUNT: cells.values}, schema={COUNT: pl.Int64}),
            COUNT,
            rule,
            cell_keys=pl.DataFrame({COUNT: cells.keys}, schema={COUNT: pl.Int64}),
        )
        values = frame.frame[COUNT].to_list()
        primary = [
            _SMALL if shown and reason is not None else None
            for reason, shown in zip(frame.reasons[COUNT].to_list(), cells.shown, strict=True)
        ]
        status = _protect(cells, rule, primary)
    else:
        values, status = list(cells.values), _protect(cells, rule)
    return [None if s is not None else v for v, s in zip(values, status, strict=True)], status


def _table(
    rows: list[tuple[str, int]],
    total: int | None,
    published: list[int | None],
    reasons: list[str | None],
    rule: DisclosureRule,
    perturbed: bool,
) -> DisclosedTable:
    """The published cells of one table (with its totals row when ``total`` is given)."""
    cells = [cell for _, cell in rows] + ([] if total is None else [total])
    labels: list[str | None] = [label for label, _ in rows] + ([] if total is None else [None])
    why = [reasons[c] for c in cells]
    frame = pl.DataFrame(
        {
            "category": labels,
            COUNT: [published[c] for c in cells],
            COUNT + "_suppressed": [r is not None for r in why],
        },
        schema={"category": pl.String, COUNT: pl.Int64, COUNT + "_suppressed": pl.Boolean},
    )
    return DisclosedTable(
        frame=frame,
        count_columns=(COUNT,),
        rule=rule,
        n_primary=sum(r == _SMALL for r in why),
        n_secondary=sum(r == _COMPLEMENT for r in why),
        has_total_row=total is not None,
        reasons=pl.DataFrame({COUNT: why}, schema={COUNT: pl.String}),
        perturbed=perturbed,
    )


def key_figures(
    data: pl.DataFrame,
    *,
    as_of: dt.date | str,
    year_from: int | None = None,
    country: str | None = None,
    rule: DisclosureRule = DEFAULT_RULE,
    record_keys: pl.Series | None = None,
) -> KeyFigures:
    """The key figures of a case table as of a date (the table should be the records as they stood then).

    People count when their year (of registration or assistance) is between ``year_from`` (default: the
    earliest) and the as-of date's year. ``country`` (ISO3) is the organisation's country, for its nationals
    trafficked abroad. ``record_keys`` (each record's cell key, row for row, as
    :func:`evidence.analyses.selection.record_keys` gives them) perturb every count by the cell key method.
    """
    if record_keys is not None:
        if record_keys.len() != data.height:
            raise ParameterError("record_keys needs one key per record")
        data = data.with_columns(record_keys.cast(pl.Int64).alias(_KEY))
    as_of_date = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    year_to = as_of_date.year
    dated = data.filter(pl.col("year").is_not_null())
    if year_from is None:
        earliest = dated.get_column("year").min()
        year_from = int(earliest) if isinstance(earliest, int) else year_to
    if year_from > year_to:
        raise ParameterError(f"--from {year_from} is after the as-of date's year {year_to}")
    period = dated.filter(pl.col("year").is_between(year_from, year_to))
    keyed = record_keys is not None
    cells = _Cells(keyed)
    total = cells.add(period)
    rows: dict[str, list[tuple[str, int]]] = {}
    totals: dict[str, int | None] = {}
    titles: dict[str, str] = {}
    for name, (title, column) in BREAKDOWNS.items():
        rows[name], totals[name], titles[name] = cells.by_column(period, column, total), total, title
    rows["form"], _ = _multi_response(
        cells,
        period,
        _form_selections(period),
        "People whose form of exploitation is recorded",
        total,
        disjoint=[(FORCED_CRIMINALITY_LABEL, OTHER_NOT_FORCED_CRIMINALITY_LABEL)],
    )
    totals["form"], titles["form"] = None, FORMS_TITLE
    assistance_columns = [
        c for c in period.columns if c.startswith(ASSISTANCE_PREFIX) and _present(period, c)
    ]
    assistance_kinds = [
        (_label(c, ASSISTANCE_PREFIX), pl.col(c).fill_null(False)) for c in assistance_columns
    ]
    # a kind "no" is an answer (docs/case-records.md, the denominator rule): recorded is any kind answered
    answered = (
        pl.any_horizontal([pl.col(c).is_not_null() for c in assistance_columns])
        if assistance_columns
        else pl.lit(False)
    )
    notes = []
    assistance_unknown = None
    if assistance_kinds:
        rows["assistance"], assistance_unknown = _multi_response(
            cells, period, assistance_kinds, "People whose assistance is recorded", total, answered=answered
        )
        totals["assistance"] = None
        titles["assistance"] = "Assistance received (a person may count under several)"
    else:  # a table of nobody recorded as assisted would read as nobody assisted
        notes.append("the records hold no assistance received: no table of it")
    if FORCED_CRIMINALITY_LABEL in dict(rows["form"]) and OTHER_NOT_FORCED_CRIMINALITY_LABEL in dict(
        rows["form"]
    ):
        notes.append(
            'forced criminality is a form CTDC codes as "other": it is counted apart from the other forms coded '
            '"other", and together they are the people CTDC would count as "other"'
        )
    if country:
        nationals = period.filter(pl.col("origin_iso3") == country)
        abroad_expr = pl.col("destination_iso3").is_not_null() & (pl.col("destination_iso3") != country)
        abroad = nationals.filter(abroad_expr)
        abroad_total = cells.add(abroad)
        rows["nationals_abroad"] = cells.by_column(abroad, "destination_iso3", abroad_total)
        totals["nationals_abroad"] = abroad_total
        titles["nationals_abroad"] = (
            f"Nationals of {country} trafficked abroad (returned or not), by country of exploitation"
        )
        nationality = dict(rows["nationality"])
        if country in nationality:  # the nationals less those abroad: exploited at home or not recorded where
            at_home = cells.add(nationals, ~abroad_expr, shown=False)
            cells.lines.append(([abroad_total, at_home], nationality[country]))
        returned = return_column(period)
        if returned is not None and assistance_unknown is not None:  # (a return column is an assistance one)
            kind = _label(returned, ASSISTANCE_PREFIX).lower()
            flag = pl.col(returned).fill_null(False)
            rows["nationals_abroad_return"] = cells.partition(
                abroad,
                [
                    ("Received", flag),
                    (NOT_RETURNED_LABEL, answered & ~flag),
                    ("Assistance not recorded", ~answered),
                ],
                abroad_total,
            )
            totals["nationals_abroad_return"] = abroad_total
            titles["nationals_abroad_return"] = (
                f"Nationals of {country} trafficked abroad, by {kind} assistance received"
            )
            (_, got), (_, not_returned), (_, unrecorded) = rows["nationals_abroad_return"]
            # a reader may set these beside the assistance table: subsets of its counts
            assistance = dict(rows["assistance"])
            cells.at_most.append({got: 1, assistance[_label(returned, ASSISTANCE_PREFIX)]: -1})
            cells.at_most.append(
                {got: 1, not_returned: 1, assistance["People whose assistance is recorded"]: -1}
            )
            cells.at_most.append({unrecorded: 1, assistance_unknown: -1})
        else:
            notes.append(
                "the records hold no assistance about return: the nationals abroad are counted whether or not "
                "they were returned"
            )
    else:
        notes.append(
            "the register has no country (reporting_country in the mapping): nationals abroad not counted"
        )
    undated = data.filter(pl.col("year").is_null())
    without_year = cells.add(undated) if undated.height else None
    published, reasons = _published(cells, rule)
    if without_year is not None:
        shown = rule.label if reasons[without_year] else f"{published[without_year]:,}"
        notes.append(f"records without a year, not counted in any period: {shown}")
    return KeyFigures(
        as_of=as_of_date.isoformat(),
        year_from=year_from,
        year_to=year_to,
        country=country,
        total=_table([("Total", total)], None, published, reasons, rule, keyed),
        tables={name: _table(r, totals[name], published, reasons, rule, keyed) for name, r in rows.items()},
        titles=titles,
        rule=rule,
        notes=tuple(notes),
        perturbed=keyed,
    )
