"""Hidden-population estimates as they may be published: the disclosure rule applied to MSE results.

The numbers of an estimate are counts of people, observed or estimated, and pass the same small-count rule as
every table (:class:`~evidence.presentation.disclosure.DisclosureRule`, ``<5`` by default):

* **observed** (people on at least one list): withheld (``<5``) when small; then every other number of the
  estimate is withheld too (``x``): the estimate minus the number on no list gives it back, and an estimate
  from so few people means nothing anyway;
* **on no list** (the dark figure, rounded to a whole number): withheld when small, and the estimate with it
  (``x``: estimate − observed = dark figure);
* **interval limits**: a limit whose part on no list (limit − observed, rounded) is small is withheld (``x``);
* **other model choices** (the sensitivity table, its chart, the range across the models): when the
  capture-history table holds a small cell, only the headline model's numbers are shown (``x`` elsewhere).
  Each model's estimate is a formula in the cells (with three lists, main effects + A:B gives
  observed + n₀₀₁(n₁₀₀ + n₀₁₀ + n₁₁₀)/(n₁₀₁ + n₀₁₁ + n₁₁₁)), and two or three of them beside the number observed
  leave one table, or a few agreeing on the small cell (:func:`sensitivity_withheld`);
* **with a small cell** (:func:`coarsened`) every number of people is published rounded to whole people (JSON and
  chart data too), and the stepwise p-values, the bootstrap's seed and its BCa constants are withheld (``x``):
  as computed they are equations in the cells, and with the seed the interval of every candidate table can be
  recomputed; with two lists any small cell withholds the estimate and the interval (:func:`pins_small_count`);
* **with a small cell and fewer than 100 people on the lists** (:func:`model_withheld`) the chosen model is
  withheld too (``x``: its interactions, the steps that added them, those fixed at −∞, how many models were
  fitted and admissible, every model choice's interactions in the sensitivity table), and every number of people
  is rounded to the threshold (5; the number observed stays exact, the number on no list is the estimate's
  minus it). In so few people stepwise adds an interaction *because* its lists share few people, and an attacker
  who reruns the selection on every table of the number observed keeps those that choose the same interactions
  and give the same numbers. Over all 3,844,824 three-list tables of 18 to 26 people with a small cell (every
  table, stepwise p < 0.02), of the 4,341 where stepwise chose an interaction whose lists share 1 to 4 people, a
  small count (cell, list or overlap) was pinned to one value by the interactions with the estimate in whole
  people in 1,359 (31%; 1,617, 37%, with the log-normal limits, which are deterministic; 1,847 and 4,869 of all
  the small-cell tables); rounding to 5 alone left 1,236 (1,596 with the limits), to 10 alone 139 (1,526), to
  two significant figures 1,245 (1,607), the interval without the estimate 1,563 (1,515 rounded to 5);
  withholding the interactions only where their lists share few people left 9 and told the attacker the
  overlap was under 5 in 20% of them; withholding the interactions but not how many steps added them 3 (9); the
  interactions withheld, in whole people 0 (2 with the limits); withheld and rounded to 5, none with or
  without the limits (of every small-cell table; the attacker is left knowing only that some count is under 5,
  as ``<5`` says, in 0.3%). Whether to withhold depends only on what is published anyway (a small cell, which
  the rounding says, and the number observed), so it tells nothing itself. The real published estimates (New
  Orleans, Western US, UK, Netherlands: 185 to 8,234 people, all with small cells) keep their model and
  whole-number estimates (``tests/presentation/test_estimates_real.py``). Above 26 people no census is
  affordable; a search, for each small count, for a table of the same number observed that publishes the same
  JSON (with the log-normal limits) with another value of it (``tests/presentation/test_estimates_withheld.py``)
  freed every small count of 326 three-list tables of 27 to 99 people (206 drawn at random, half from capture
  probabilities with heterogeneity and a dependent pair of lists, half with one pair of lists sharing 1 to 4
  people; 120 where stepwise chose an interaction whose lists share 1 to 4 people) and of 140 four-list tables
  of 18 to 99 (80 with such an interaction). From 100 people the model is published, in whole people: with the
  estimate alone (a BCa interval, its seed withheld) no small count was pinned in 250 three-list tables of 100
  to 300 people (150 with such an interaction), and over every (x, y, z) that a one-interaction model's estimate
  depends on, in 400 tables of 100 to 1,000 people with 1 to 4 people alone on the list outside the interaction
  (x), the estimate never left x one value under 5. The log-normal limits (``bootstrap=0``) are deterministic,
  and with the estimate they are three equations in the three numbers such a model depends on besides the
  number observed: in 41 of those 400 no other value of x under 5 fits (1, or 59 or more, in the test's table
  of 100 people); under main effects (the three list sizes) they pinned the smallest list's size outright in 13
  of 75 tables of 100 to 300 people with a list of 1 to 4 people, and left it no other value under 5 in 22 (200
  people: lists of 1, 57 and 156, which list is which left open); of those 22 the estimate alone did so in 2,
  the limits rounded to 5 in 4 (and x in 4 of the 400). These counts keep every (x, y, z), or list sizes, that
  gives the published numbers, whichever model stepwise would choose there (a necessary condition): each such
  leak is real, and the true candidates are fewer. So, beside a published model, a three-list table with a
  small cell has its log-normal limits withheld (``x``, :data:`LOG_NORMAL_WITHHELD`; a bootstrap interval, its
  seed withheld, is published): the estimate alone left 2 of those 75 one value under 5, a residual.

Without a small cell, published numbers keep their precision; the text shows them rounded to whole people. In
JSON a withheld number is its label (a string), as in ``evidence flows``/``trend``; an unbounded upper limit is
null.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from evidence.analyses.estimation.estimate import PopulationEstimate
from evidence.analyses.estimation.sensitivity import ModelSpread, SensitivityRow, rejected_by_selection
from evidence.core.text import level_text
from evidence.presentation.disclosure import COMPLEMENT_LABEL, DEFAULT_RULE, PEOPLE, DisclosureRule
from evidence.presentation.markup import escape_markdown, number
from evidence.sources.provenance import Provenance

__all__ = [
    "EXISTENCE_KINDS",
    "SENSITIVITY_KINDS",
    "STEPWISE_KINDS",
    "DisclosedEstimate",
    "assumptions_text",
    "coarsened",
    "disclose_estimate",
    "disclosed_payload",
    "estimate_headline",
    "estimate_row_kinds",
    "estimate_rows",
    "level_text",
    "lower_limit_text",
    "model_terms_text",
    "model_withheld",
    "monte_carlo_range_text",
    "pins_small_count",
    "reading_the_result",
    "round_half_up",
    "sensitivity_chart_data",
    "sensitivity_chart_title",
    "sensitivity_frame",
    "sensitivity_note",
    "sensitivity_withheld",
    "sensitivity_withheld_text",
    "settings_for_readers",
    "spread_text",
    "stepwise_steps",
    "withheld_replicate_counts",
]

_SMALL, _COMPLEMENT = "small", "complement"
#: The numbers of an estimate that are counts of people (observed or estimated).
PEOPLE_FIELDS = ("observed", "estimate", "dark_figure", "low", "high")


@dataclasses.dataclass(frozen=True)
class DisclosedEstimate:
    """The people-counting numbers of an estimate, each published or withheld (with why)."""

    values: Mapping[str, float | None]  # None where withheld, or for an unbounded upper limit
    marks: Mapping[str, str]  # field -> "small" or "complement" where withheld
    rule: DisclosureRule
    reasons: tuple[str, ...] = ()
    #: the numbers are rounded to whole people (the capture-history table holds a small cell, :func:`coarsened`)
    rounded: bool = False
    #: what they are rounded to: 1 (whole people), or the rule's threshold where the model is withheld
    #: (:func:`model_withheld`)
    rounded_to: int = 1

    @property
    def withheld(self) -> bool:
        return bool(self.marks)

    def label(self, field: str) -> str | None:
        """``"<5"`` or ``"x"`` where withheld, else None."""
        mark = self.marks.get(field)
        if mark is None:
            return None
        return self.rule.label if mark == _SMALL else COMPLEMENT_LABEL

    def text(self, field: str) -> str:
        """The number as shown to readers: ``"1,234"``, ``"<5"``, ``"x"``, or ``"no upper limit"``."""
        label = self.label(field)
        if label is not None:
            return label
        value = self.values[field]
        if value is None or math.isinf(value):
            return "no upper limit"
        return f"{round_half_up(value):,}"

    def json_value(self, field: str) -> float | int | str | None:
        """The number for JSON: the value, or the label where withheld; null for an unbounded limit."""
        label = self.label(field)
        if label is not None:
            return label
        value = self.values[field]
        if value is None or math.isinf(value):
            return None
        return int(value) if self.rounded else value

    def interval_text(self) -> str:
        low, high = self.text("low"), self.text("high")
        return f"{low} or more (no upper limit)" if high == "no upper limit" else f"{low} – {high}"

    def notes(self) -> list[str]:
        """One line per label used, for under a table or beside a number."""
        lines = []
        if _SMALL in self.marks.values():
            lines.append(
                f"{self.rule.label}: fewer than {self.rule.threshold}, not shown to protect individuals."
            )
        if _COMPLEMENT in self.marks.values():
            lines.append(f"{COMPLEMENT_LABEL}: withheld so that a small number cannot be recomputed from it.")
        return lines

    def _overview(self) -> tuple[str, list[tuple[str, list[str]]]]:
        """A title and (label, text) lines: each number as published (:meth:`text`), a withheld one as its
        label with the word withheld, and why; never a withheld number (``values`` holds none)."""

        def shown(field: str) -> str:
            return self.text(field) + (" (withheld)" if field in self.marks else "")

        estimate = (
            "estimate withheld" if "estimate" in self.marks else f"{self.text('estimate')} people estimated"
        )
        title = f"{estimate}, interval {self.interval_text()}; as published under the rule {self.rule.label}"
        lines = [
            ("estimate", [shown("estimate")]),
            ("observed", [f"{shown('observed')} on at least one list"]),
            ("on no list", [shown("dark_figure")]),
            ("interval", [f"{shown('low')} – {shown('high')}"]),
        ]
        if self.reasons:
            # "disclosure control", not "withheld": each reason says what it withholds ("…: withheld")
            lines.append(
                ("disclosure control", [*self.reasons, *(note.rstrip(".") for note in self.notes())])
            )
        if self.rounded:
            lines.append(
                (
                    "rounded",
                    [
                        ("to whole people" if self.rounded_to == 1 else f"to {self.rounded_to}")
                        + f": the lists hold a combination of fewer than {self.rule.threshold} people"
                    ],
                )
            )
        return title, lines

    def __repr__(self) -> str:
        """What a notebook shows of a disclosed estimate left as a cell's value: the numbers as published and
        what is withheld, and why (the dataclass's repr printed its fields)."""
        from evidence.core.text import overview_text

        return overview_text("DisclosedEstimate", *self._overview())

    def _repr_html_(self) -> str:
        """The same as :meth:`__repr__`, as a small HTML table for JupyterLab (every text escaped)."""
        from evidence.core.text import overview_html

        return overview_html("DisclosedEstimate", *self._overview())


#: A number this close to a half (relative to it, and never more than :data:`_HALF_LIMIT` away) is a half, rounded
#: up: an estimate that is exactly a half in exact arithmetic (25.5 = 20 observed + 3·11/6, a product over a count
#: in several models) comes out of a fit a few units of the last bit either side, which ``round`` or
#: ``f"{x:.0f}"`` turn into 25 on one machine and 26 on another. The fits' relative errors are below 1e-12 (4e-13
#: at most over 300 random three-list tables of a model with a closed form); a value this close to a half is
#: shown as the half.
_HALF_TOLERANCE = 1e-9
_HALF_LIMIT = 1e-3


def round_half_up(value: float) -> int:
    """``value`` to a whole number, halves up, as published figures round (``round`` and ``f"{x:.0f}"`` round
    halves to even: an estimate of 19.5 of 15 observed read 20 beside 4 on no list, 4.5 rounded down), and
    independent of a fit's last bits (:data:`_HALF_TOLERANCE`)."""
    floor = math.floor(value)
    part = value - floor
    if abs(part - 0.5) <= min(_HALF_TOLERANCE * max(1.0, abs(value)), _HALF_LIMIT):
        return int(floor) + 1
    return int(floor) + (part > 0.5)


def _small_part(rule: DisclosureRule, total: float, observed: int = 0) -> bool:
    """Whether the part of ``total`` on no list (``total`` − ``observed``) is small as published: JSON gives the
    total as computed (observed + 4.6) and text rounded (observed + 5), so it is small when either is."""
    return rule.is_small(total - observed) or (
        math.isfinite(total) and rule.is_small(round_half_up(total) - observed)
    )


def pins_small_count(result: PopulationEstimate, rule: DisclosureRule = DEFAULT_RULE) -> bool:
    """Whether the estimate itself gives a small count back: with two lists it is Lincoln–Petersen's
    n_A·n_B/m, and beside the number observed (n_A + n_B − m) only one set of whole numbers fits (759.67 of
    93 observed: 53 and 43 people on the lists, 3 on both, as 53·43/3), so a small overlap or a small list
    is published with it. So is a small number on one list only (n_A − m): 3 people on A alone, 11 on B alone and 6
    on both give 25.5 (9·17/6), and rounded to 26 with an upper limit of 45 fit no other table of 20 people. (Three
    lists or more: the headline estimate and the number observed alone leave the cells free.)"""
    return len(result.lists) == 2 and (
        rule.is_small(result.overlapping) or rule.is_small(result.smallest_list) or coarsened(result, rule)
    )


def coarsened(result: PopulationEstimate, rule: DisclosureRule = DEFAULT_RULE) -> bool:
    """Whether the capture-history table holds a small cell (1 to threshold − 1): then every number of people
    is published rounded to whole people (as the text shows it), and the p-values of the stepwise steps, the
    bootstrap's seed and its BCa constants are withheld.

    Each published number is an equation in the cells, and with few people only a handful of tables of the
    number observed satisfy them all. As computed, the estimate and interval fix the chosen model's sufficient
    statistics (the lists' sizes and the overlaps of its interactions); the jackknife's acceleration (and the
    quantiles the limits are read at, which give it back) is a further equation in every cell; and with the
    seed anyone can recompute the bootstrap of each candidate table, so that the BCa limits, even rounded, tell
    the tables apart. Of 41 random 3-list tables of 18 to 30 people with a small cell, the exact estimate with
    the acceleration pinned a small cell in 10 of the 19 searched in full, the BCa limits recomputed with the
    seed in 18 (the whole table in 16); as now published, none of 38 (tests/presentation/
    test_estimates_attack.py, docs/methods.md). A stepwise p-value is the Poisson probability of the overlap of
    its interaction's lists against the number expected: to two figures it narrowed a small cell where the
    estimate alone did not; withheld only for small overlaps, the ``x`` marks them as small."""
    return result.smallest_cell is not None and rule.is_small(result.smallest_cell)


#: With a small cell in the table and fewer people observed than this, the chosen model is withheld and the
#: numbers of people are rounded to the rule's threshold (:func:`model_withheld`).
MODEL_WITHHELD_BELOW = 100


def model_withheld(result: PopulationEstimate, rule: DisclosureRule = DEFAULT_RULE) -> bool:
    """Whether the chosen model (its interactions, the steps that added them, those fixed at −∞, how many
    models were fitted and admissible, the other model choices' interactions) is withheld and every number of
    people rounded to the rule's threshold: the table holds a small cell (:func:`coarsened`) and fewer than
    :data:`MODEL_WITHHELD_BELOW` people are on the lists. In so few people the choice of an interaction says its
    lists share few people, and with the estimate it pinned a small count in 31% of the 3-list tables of 18 to
    26 people where stepwise chose such an interaction (37% with the log-normal limits); withheld and rounded to
    5, in none (module docstring, ``tests/presentation/test_estimates_attack.py``), nor in samples of 326
    three-list tables of 27 to 99 people and 140 four-list tables of 18 to 99 (``tests/presentation/
    test_estimates_withheld.py``). Both conditions are published anyway, so the decision tells nothing. From 100
    people the model is published: with the estimate alone no small count was found pinned to one value (under
    main effects a list of 1 to 4 people was left no other value under 5 in 2 of 75 tables); with the
    deterministic log-normal limits too, three-list tables give small counts back (the smallest list's size
    pinned in 13 of those 75; module docstring)."""
    return coarsened(result, rule) and result.observed < MODEL_WITHHELD_BELOW


def model_hidden(result: PopulationEstimate, rule: DisclosureRule = DEFAULT_RULE) -> bool:
    """Whether the model itself (interactions, steps, models fitted) is withheld: :func:`model_withheld`, unless
    the method fixes the model whatever the data (:func:`fixed_model`: main effects, two lists), which then says
    nothing of the cells. The numbers of people are rounded to the threshold all the same (:func:`_base`). The
    table read "model choice: main effects only" beside "interactions selected: x"."""
    return model_withheld(result, rule) and not fixed_model(result)


def model_terms_text(result: PopulationEstimate, rule: DisclosureRule = DEFAULT_RULE) -> str:
    """The chosen model's interactions as published: "A:B, B:C", "none (independent lists)", or ``x`` when
    withheld (:func:`model_hidden`)."""
    if model_hidden(result, rule):
        return COMPLEMENT_LABEL
    return ", ".join(result.terms) or "none (independent lists)"


def existence_table(result: PopulationEstimate, rule: DisclosureRule = DEFAULT_RULE) -> pl.DataFrame:
    """The chosen model's existence and identifiability as readers see them: the model (its interactions
    ``x`` where :func:`model_withheld`), whether an estimate exists and is identifiable, and the interactions
    with no case, fixed at −∞ (``x`` likewise: they name the interactions)."""
    check = result.existence
    hidden = model_hidden(result, rule)
    model = (
        "main effects + x"
        if hidden and check.terms
        else "main effects" + "".join(f" + {t}" for t in check.terms)
    )
    fixed = (
        COMPLEMENT_LABEL if hidden and result.infinite_parameters else ", ".join(result.infinite_parameters)
    )
    return pl.DataFrame(
        {
            "model": [model],
            "estimate exists": ["yes" if check.exists else "no"],
            "identifiable": ["yes" if check.identifiable else "no"],
            "interactions with no case (fixed at −∞)": [fixed or "none"],
        }
    )


#: What the existence check says where the model is withheld (:func:`model_hidden`): not whether an interaction
#: is at −∞, which would say that some pair of lists shares no case.
EXISTENCE_WITHHELD_MESSAGE = "the (extended) maximum-likelihood estimate exists and is identifiable"


def existence_message(result: PopulationEstimate, rule: DisclosureRule = DEFAULT_RULE) -> str:
    """The existence check's verdict as published: its own message ("the extended maximum-likelihood estimate
    exists" with interactions at −∞), or where the model is withheld one that does not tell them apart."""
    if model_hidden(result, rule) and result.existence.ok:
        return EXISTENCE_WITHHELD_MESSAGE
    return result.existence.message


def model_withheld_text(rule: DisclosureRule = DEFAULT_RULE, *, fixed: bool = False) -> str:
    """Why the chosen model is withheld (:func:`model_withheld`), for readers; with ``fixed`` (the method fixes
    the model, :func:`fixed_model`) why only the numbers are rounded."""
    if fixed:
        return (
            f"the lists hold a combination of fewer than {rule.threshold} people and fewer than "
            f"{MODEL_WITHHELD_BELOW} people in all: the numbers of people are rounded to {rule.threshold}, as "
            "computed they would give such a small number back (the model, main effects, is fixed by the method "
            "and shown)"
        )
    return (
        f"the lists hold a combination of fewer than {rule.threshold} people and fewer than "
        f"{MODEL_WITHHELD_BELOW} people in all: the interactions of the chosen model (and of the other model "
        f"choices), the steps that added them and how many models were fitted are withheld (x), and the numbers "
        f"of people are rounded to {rule.threshold}: in so few people an interaction is chosen because its lists "
        "share few people, and the choice with the estimate would give that number back"
    )


def _base(rule: DisclosureRule, result: PopulationEstimate) -> int:
    """What numbers of people are rounded to: the threshold when the model is withheld, else whole people."""
    return rule.threshold if model_withheld(result, rule) else 1


def _round_to(value: float, base: int) -> float:
    return float(round_half_up(value / base) * base)


def _whole(value: float | None, base: int = 1) -> float | None:
    return value if value is None or not math.isfinite(value) else _round_to(value, base)


#: How many lists a table with a small cell has when its log-normal interval is withheld beside a published
#: model: three, where its limits were found to give small counts back (two lists withhold more already:
#: :func:`pins_small_count`; four or more, of 100 people or more, were not searched).
LOG_NORMAL_WITHHELD_LISTS = 3
#: Why a log-normal interval is withheld beside a published model in a table with a small cell.
LOG_NORMAL_WITHHELD = (
    "the table holds a small cell and the interval is log-normal (no bootstrap): its limits, with the estimate, "
    "are equations that can give a small count back; withheld (a bootstrap interval can be published)"
)


def disclose_limits(
    observed: int,
    limits: Sequence[float],
    rule: DisclosureRule = DEFAULT_RULE,
    *,
    withhold: bool = False,
    base: int = 1,
) -> tuple[list[float | None], list[str | None]]:
    """Interval limits (totals) with the mark of each: "complement" where limit − observed is small (as
    computed, or rounded to ``base``), or everywhere with ``withhold`` (an estimate that gives a small count
    back, :func:`pins_small_count`)."""
    values: list[float | None] = []
    marks: list[str | None] = []
    for limit in limits:
        small = math.isfinite(limit) and (
            _small_part(rule, limit, observed) or rule.is_small(_round_to(limit, base) - observed)
        )
        if withhold or rule.is_small(observed) or small:
            values.append(None)
            marks.append(_COMPLEMENT)
        else:
            values.append(None if math.isinf(limit) else limit)
            marks.append(None)
    return values, marks


def disclose_estimate(result: PopulationEstimate, rule: DisclosureRule = DEFAULT_RULE) -> DisclosedEstimate:
    """Apply the rule of this module to an estimate (see the module docstring)."""
    observed = result.observed
    base = _base(rule, result)
    values: dict[str, float | None] = {
        "observed": observed,
        "estimate": result.estimate,
        "dark_figure": result.dark_figure,
    }
    marks: dict[str, str] = {}
    reasons = []
    if rule.is_small(observed):
        marks = {field: _COMPLEMENT for field in PEOPLE_FIELDS}
        marks["observed"] = _SMALL
        reasons.append(
            f"fewer than {rule.threshold} people are on the lists: the number observed and every estimate "
            "from it are withheld"
        )
    # the estimate is shown rounded on its own: its part on no list can round differently from the dark figure;
    # JSON gives every number unrounded, text rounded: a part is small when it is small either way
    elif (
        _small_part(rule, result.dark_figure)
        or _small_part(rule, result.estimate, observed)
        or rule.is_small(_round_to(result.estimate, base) - observed)
    ):
        marks["dark_figure"] = _SMALL
        marks["estimate"] = _COMPLEMENT
        reasons.append(
            f"fewer than {rule.threshold} people are estimated to be on no list: that number and the estimate "
            "(observed plus it) are withheld"
        )
    # not elif: with a small number on no list the interval (a function of the same three counts) is still here
    if not rule.is_small(observed) and pins_small_count(result, rule):
        marks = {field: _COMPLEMENT for field in ("estimate", "dark_figure", "low", "high")} | marks
        reasons.append(
            f"with two lists the estimate is the product of the lists' sizes over the number on both, and "
            f"would give back a list, an overlap or a number on one list only of fewer than {rule.threshold} "
            "people: the estimate, the number on no list and the interval are withheld"
        )
    limits, limit_marks = disclose_limits(observed, result.interval, rule, base=base)
    for field, value, mark in zip(("low", "high"), limits, limit_marks, strict=True):
        values[field] = value
        if mark and field not in marks:
            marks[field] = mark
            reasons.append(
                f"the {'lower' if field == 'low' else 'upper'} limit is fewer than {rule.threshold} above the "
                "number observed: withheld"
            )
    rounded = coarsened(result, rule)
    if (
        rounded
        and base == 1
        and len(result.lists) == LOG_NORMAL_WITHHELD_LISTS
        and result.interval_method != "bca"
        and not {"low", "high"} <= marks.keys()
    ):
        # closed-form functions of the chosen model's counts: beside the estimate, equations that leave a small
        # list or cell one value (see the module docstring); a bootstrap's limits, its seed withheld, do not
        marks = {"low": _COMPLEMENT, "high": _COMPLEMENT} | marks
        reasons.append(LOG_NORMAL_WITHHELD)
    for field in marks:
        values[field] = None
    if rounded:
        # the number observed stays exact: it is a count of the data, not of a model
        values = {field: _whole(value, 1 if field == "observed" else base) for field, value in values.items()}
        if base > 1 and values["estimate"] is not None:
            # on no list as the estimate shows it: rounded on its own, it would narrow the estimate down
            values["dark_figure"] = values["estimate"] - observed
        if base > 1:
            reasons.append(model_withheld_text(rule, fixed=fixed_model(result)))
    return DisclosedEstimate(
        values=values,
        marks=marks,
        rule=rule,
        reasons=tuple(reasons),
        rounded=rounded,
        rounded_to=base if rounded else 1,
    )


def disclosed_payload(result: PopulationEstimate, rule: DisclosureRule = DEFAULT_RULE) -> dict[str, Any]:
    """:meth:`PopulationEstimate.to_dict` with every count of people through the rule, and what was withheld."""
    shown = disclose_estimate(result, rule)
    pinned = pins_small_count(result, rule)
    base = _base(rule, result)
    payload = result.to_dict()
    for field in ("observed", "estimate", "dark_figure"):
        payload[field] = shown.json_value(field)
    payload["interval"] = [shown.json_value("low"), shown.json_value("high")]
    # the bootstrap's counts once, in ``bootstrap`` (``replicates``, ``failed``), not again at the top
    for key in ("bootstrap_replicates", "bootstrap_failed"):
        payload.pop(key, None)
    rounds = []
    for entry in payload["bootstrap"]["rounds"]:
        limits, marks = disclose_limits(
            result.observed, [entry.pop("low"), entry.pop("high")], rule, withhold=pinned, base=base
        )
        # an interval is a [low, high] pair, as the estimate's own ``interval``
        interval = [COMPLEMENT_LABEL if mark else value for value, mark in zip(limits, marks, strict=True)]
        rounds.append({**entry, "interval": interval})
    payload["bootstrap"]["rounds"] = rounds
    if result.monte_carlo_range:
        payload["bootstrap"]["monte_carlo_range"] = [
            [
                COMPLEMENT_LABEL if mark else value
                for value, mark in zip(
                    *disclose_limits(result.observed, pair, rule, withhold=pinned, base=base), strict=True
                )
            ]
            for pair in result.monte_carlo_range
        ]
    # the optimum of the existence check is a number of people in some cell of the capture-history table: with
    # as many parameters as cells (three lists and every pair) the only solution is the data, and the optimum
    # is the smallest cell's count. Never published: ``exists`` says what it decided.
    payload["existence"]["lp_optimum"] = None
    payload["existence"]["message"] = existence_message(result, rule)
    if shown.withheld:
        # the standard errors of withheld limits would hint at them
        payload["bootstrap"]["monte_carlo_se"] = None
    if pinned:  # the jackknife's acceleration is a function of the same three counts
        payload["acceleration"] = None
    hidden = withheld_replicate_counts(result, rule)
    for field in hidden:
        payload["bootstrap"][field] = COMPLEMENT_LABEL
    coarse = _coarsen_payload(payload, result, rule) if coarsened(result, rule) else []
    payload["disclosure"] = {
        "threshold": rule.threshold,
        "withheld": [*shown.reasons, *hidden.values(), *coarse],
    }
    return payload


def _coarsen_payload(payload: dict[str, Any], result: PopulationEstimate, rule: DisclosureRule) -> list[str]:
    """The payload of an estimate whose table holds a small cell (:func:`coarsened`): numbers of people rounded
    (the estimate's own already are, through :class:`DisclosedEstimate`), the stepwise p-values, the seed and the
    BCa constants withheld. Returns why, for the ``withheld`` list."""
    boot = payload["bootstrap"]
    base = _base(rule, result)
    for entry in boot["rounds"]:
        entry["interval"] = [_whole_json(v, base) for v in entry["interval"]]
    if isinstance(boot["monte_carlo_range"], list):
        boot["monte_carlo_range"] = [
            [_whole_json(v, base) for v in pair] for pair in boot["monte_carlo_range"]
        ]
    if isinstance(boot["monte_carlo_se"], list):
        boot["monte_carlo_se"] = [_whole_json(v, base) for v in boot["monte_carlo_se"]]
    for step in payload["steps"]:
        step["p_value"] = COMPLEMENT_LABEL
    # the chosen model withheld: its reason is among the estimate's
    if base > 1 and model_hidden(result, rule):
        for key in ("terms", "steps", "infinite_parameters"):
            payload[key] = COMPLEMENT_LABEL
        for key in ("terms", "infinite_parameters"):
            payload["existence"][key] = COMPLEMENT_LABEL
        for key in ("considered", "fitted", "admissible"):
            payload["model_space"][key] = COMPLEMENT_LABEL
    coarse = (
        f"the lists hold a combination of fewer than {rule.threshold} people: the numbers of people are rounded "
        "to whole people (as computed, each is an equation that with the others leaves few tables of the number "
        "observed)"
    )
    # with the model withheld the numbers are rounded to the threshold, and the estimate's reasons say so
    reasons = [coarse] if base == 1 else []
    if payload["steps"] and base == 1:
        reasons.append(step_withheld_text(rule))
    if result.interval_method == "bca":
        payload["seed"] = COMPLEMENT_LABEL
        # None: already withheld (two lists with a small count) or not computed
        for where, key in (
            (payload, "acceleration"),
            (payload, "bias_correction"),
            (boot, "limit_quantiles"),
        ):
            if where[key] is not None:
                where[key] = COMPLEMENT_LABEL
        if boot["replicates_beyond"] is not None:
            boot["replicates_beyond"] = COMPLEMENT_LABEL
        reasons.append(
            "the bootstrap's seed and its constants (bias correction, acceleration, the quantiles the limits "
            "are read at) are withheld: with the seed anyone can recompute the interval of each table that "
            "fits the other numbers, and tell them apart"
        )
    return reasons


def step_withheld_text(rule: DisclosureRule = DEFAULT_RULE) -> str:
    """Why the stepwise steps' p-values are withheld (:func:`coarsened`), for readers."""
    return (
        f"the p-values of the stepwise steps are withheld (x): each is the Poisson probability of the number of "
        f"people on every list of its interaction against the number expected, and with a combination of fewer "
        f"than {rule.threshold} people they give small numbers back (withholding only the p-values of small "
        "overlaps would mark those overlaps as small)"
    )


def stepwise_steps(result: PopulationEstimate, rule: DisclosureRule = DEFAULT_RULE) -> list[tuple[str, str]]:
    """The stepwise steps as published: (interaction added, its p-value to two figures), every p-value withheld
    (``x``) when the table holds a small cell (:func:`coarsened`, :func:`step_withheld_text`); none when the
    chosen model is withheld (:func:`model_withheld`: a table of its steps would say how many there were)."""
    if model_hidden(result, rule):
        return []
    coarse = coarsened(result, rule)
    return [(term, COMPLEMENT_LABEL if coarse else _step_p_value(p)) for term, p in result.steps]


def _step_p_value(p: float) -> str:
    """A step's p-value as readers expect one, "< 0.001" below 0.001 (Kosovo's read 5.5e-06), else to two figures
    (no more than the disclosure analysis allows for); the machine outputs keep the exact value."""
    return "< 0.001" if p < 0.001 else f"{p:.2g}"


def stepwise_note(result: PopulationEstimate, rule: DisclosureRule = DEFAULT_RULE) -> str | None:
    """The note under the table of :func:`stepwise_steps`: why its p-values are withheld, or what the shown ones
    test (each against the model before its step, unadjusted for the selection); None without steps."""
    if not result.steps or model_hidden(result, rule):
        return None
    if not coarsened(result, rule):
        # Kosovo's read 5.5e-06, 1.9e-07, 0.0011, … in the order of the steps, with nothing to say what they test
        return (
            "Each p-value tests the interaction's overlap (the people on all its lists) against the model fitted "
            "before it entered, the test by which the selection enters it (p < "
            f"{result.p_enter:g}); they are not adjusted for the many interactions tried at each step, so they "
            "say how the selection went, not whether each interaction is real."
        )
    text = step_withheld_text(rule)
    return f"{text[0].upper()}{text[1:]}."


def _whole_json(value: object, base: int = 1) -> object:
    return round_half_up(value / base) * base if isinstance(value, float) and math.isfinite(value) else value


def method_text(result: PopulationEstimate) -> str:
    """How the model was chosen, in words."""
    if len(result.lists) == 2:  # no interaction can be estimated: whatever the method, the model is fixed
        return (
            "main effects only: with two lists no interaction can be estimated, so the lists are assumed "
            "independent (the Lincoln–Petersen estimate)"
        )
    if result.method == "stepwise":
        if result.p_enter is not None and result.p_enter <= 0:  # no p-value is below 0: no interaction enters
            return "main effects only: stepwise selection with an entry threshold of 0 admits no interaction"
        return f"stepwise selection of interactions (an interaction enters while p < {result.p_enter:g})"
    if result.method == "bic" and result.search == "greedy":
        # the same walk as downhill's, which says so: "lowest BIC" alone claimed the global minimum
        return (
            "lowest BIC found by the downhill search from main effects (a local minimum: the space holds too many "
            "models to search them all)"
        )
    if result.method == "bic":
        return "lowest BIC (exhaustive search)"
    if result.method == "downhill":
        start = "the full model" if result.downhill_start == "full" else "main effects"
        return f"downhill search in BIC from {start} (a local minimum)"
    return "main effects only: lists assumed independent"


def model_space_text(result: PopulationEstimate, rule: DisclosureRule = DEFAULT_RULE) -> str:
    """Which models were searched and how many: in the space, considered, fitted, admissible (each number
    followed by its unit, "models", so that no reader or scanner takes it for a number of people); how many were
    considered, fitted and admissible withheld with the chosen model (:func:`model_withheld`: stepwise fits one
    model per step).

    Stepwise judges each model one interaction larger than the current one by the p-value of that interaction
    under the current fit, and fits only the candidates it tries (p below the threshold, in order of p, until
    one is admissible): "2 models fitted" of 1,024 read as if it had looked at two, where it judged 19 more. The
    other searches fit every model they look at."""
    size = (
        "more models than can be counted"
        if result.models_in_space is None
        else _many(result.models_in_space, "model")
    )
    if model_hidden(result, rule):
        counted = "considered, fitted" if result.considered > result.models_fitted else "fitted"
        return (
            f"{result.model_space}: {size} in the space; how many were {counted} and admissible withheld (x)"
        )
    admissible = (
        f"{_many(result.models_admissible, 'model')} admissible (estimate exists and is identifiable)"
    )
    if result.method == "stepwise" and result.p_enter == 0 and len(result.lists) > 2:
        return (
            f"{result.model_space}: {size} in the space; 1 model considered and fitted (main effects: an entry "
            f"threshold of 0 tests no interaction), {admissible}"
        )
    if result.considered > result.models_fitted:
        tried = result.models_fitted - 1
        fitted = (
            f"main effects and {_many(tried, 'candidate')} with p < {result.p_enter:g}"
            if tried
            else f"main effects alone: no candidate had p < {result.p_enter:g}"
        )
        return (
            f"{result.model_space}: {size} in the space; {_many(result.considered, 'model')} considered (main "
            "effects and, at each step, every model with one more interaction, judged by the p-value of that "
            "interaction under the current fit, without fitting it); "
            f"{_many(result.models_fitted, 'model')} fitted ({fitted}), {admissible}"
        )
    return f"{result.model_space}: {size} in the space; {_many(result.models_fitted, 'model')} fitted, {admissible}"


def _many(count: int, noun: str) -> str:
    """A count with its noun, in the singular for one: "1 replicate", never "1 replicates"."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def fixed_model(result: PopulationEstimate) -> bool:
    """Whether the model is main effects whatever the data: no model is chosen (main effects, two lists, or
    stepwise with an entry threshold of 0), so no interval has a model choice to allow for."""
    return (
        len(result.lists) == 2
        or result.method == "main"
        or (result.method == "stepwise" and result.p_enter is not None and result.p_enter <= 0)
    )


def _each_replicate(result: PopulationEstimate) -> str:
    """What each bootstrap replicate does: refit main effects (a fixed model), choose among the models best on
    the data (the exhaustive BIC search of four lists or more, as Silverman, Chan & Vincent 2024 do:
    ``estimate.top_models_for_bootstrap``), or repeat the whole model choice (stepwise, the downhill walk)."""
    from evidence.analyses.estimation.estimate import top_models_for_bootstrap

    if fixed_model(result):
        return "refitting main effects (no model to choose)"
    top = top_models_for_bootstrap(len(result.lists))
    if result.method == "bic" and result.search == "exhaustive" and top is not None:
        among = min(top, result.models_admissible)
        return f"choosing the lowest BIC among the {_many(among, 'model')} best on the data"
    return "repeating the model choice"


def interval_method_text(result: PopulationEstimate, rule: DisclosureRule = DEFAULT_RULE) -> str:
    """How the interval was computed, with the bootstrap's seed (withheld when the table holds a small cell,
    :func:`coarsened`: with it the interval of every candidate table can be recomputed), and what each replicate
    does (:func:`_each_replicate`: "each repeating the model choice" was said of main effects too)."""
    seed = "seed withheld" if coarsened(result, rule) else f"seed {result.seed}"
    each = _each_replicate(result)
    if result.interval_method == "bca" and result.bootstrap_runs > 1:
        per_run = result.bootstrap_replicates // result.bootstrap_runs
        return (
            f"BCa bootstrap: the median of the limits of {result.bootstrap_runs} independent runs of "
            f"{per_run:,} replicates, each replicate {each} ({seed})"
        )
    if result.interval_method == "bca":
        return f"BCa bootstrap of {result.bootstrap_replicates:,} replicates, each {each} ({seed})"
    if fixed_model(result):
        return "log-normal, from the intercept's standard error of main effects"
    return "log-normal, from the intercept's standard error (no allowance for the model choice)"


#: Replicates per run of the published intervals (Chan, Silverman & Vincent 2021; SparseMSE's default).
PUBLISHED_REPLICATES = 1000


def _as_published(result: PopulationEstimate) -> str:
    """The words " (as published)" after a run of as many replicates as the published intervals', else nothing:
    runs of 60 were said to be "as published" too."""
    per_run = result.bootstrap_replicates // max(1, result.bootstrap_runs)
    return " (as published)" if per_run == PUBLISHED_REPLICATES else ""


def bootstrap_lines(result: PopulationEstimate, shown: DisclosedEstimate | None = None) -> list[str]:
    """What a reader of a bootstrap interval should know: its Monte Carlo spread and unusual replicates."""
    return [text for _, text in bootstrap_rows(result, shown)]


def bootstrap_rows(
    result: PopulationEstimate, shown: DisclosedEstimate | None = None
) -> list[tuple[str, str]]:
    """:func:`bootstrap_lines` as (item, text) rows of the estimate's table, each item saying which limit of the
    interval, or which replicates, its line is about (not "bootstrap" on every row)."""
    if result.interval_method != "bca":
        return []
    lines: list[tuple[str, str]] = []
    se = result.monte_carlo_se
    withheld = bool(shown and shown.withheld)
    if result.bootstrap_runs > 1:
        per_run = result.bootstrap_replicates // result.bootstrap_runs
        if not withheld and (text := monte_carlo_range_text(result)):
            lines.append(
                (
                    "limits of the interval, run to run",
                    f"Monte Carlo range: one run of {per_run:,} replicates{_as_published(result)} gave {text}",
                )
            )
        if se and all(math.isfinite(v) for v in se) and not withheld:
            lines.append(
                (
                    "median limits of the interval",
                    f"Monte Carlo standard error of the median limits: ±{se[0]:,.0f} (lower), ±{se[1]:,.0f} (upper)",
                )
            )
    else:
        extreme = _extreme_limits(result)
        for name, at in zip(("lower", "upper"), extreme, strict=True):
            if at:
                lines.append(
                    (
                        f"{name} limit of the interval",
                        (
                            f"the {name} limit is the run's most extreme replicate (read at probability {at}): "
                            "another seed moves it a lot, by more than one run can measure; independent runs (the "
                            "setting bootstrap runs: auto) give the limit and its Monte Carlo range"
                        ),
                    )
                )
        spreads = [
            (name, v)
            for name, v, at in zip(("lower", "upper"), se or (), extreme, strict=False)
            if math.isfinite(v) and not at
        ]
        resampled = "as a standard error over resamples of the replicates; another seed moves"
        if len(spreads) == 1 and not withheld:  # the other limit is the run's most extreme replicate
            ((name, v),) = spreads
            lines.append(
                (
                    f"{name} limit of the interval",
                    f"Monte Carlo spread of the {name} limit: ±{v:,.0f} {resampled} it about this much",
                )
            )
        elif spreads and not withheld:
            shown_spreads = ", ".join(f"±{v:,.0f} ({name})" for name, v in spreads)
            lines.append(
                (
                    "limits of the interval",
                    f"Monte Carlo spread of the limits: {shown_spreads} {resampled} them about this much",
                )
            )

    hidden = withheld_replicate_counts(result, shown.rule if shown else DEFAULT_RULE)
    if result.bootstrap_unbounded:
        how_many = (
            "some replicates" if "unbounded" in hidden else _many(result.bootstrap_unbounded, "replicate")
        )
        lines.append(
            ("replicates unbounded", f"{how_many} had no case on more than one list: estimate unbounded")
        )
    if result.bootstrap_empty_list:
        how_many = (
            "some replicates" if "empty_list" in hidden else _many(result.bootstrap_empty_list, "replicate")
        )
        lines.append(
            ("replicates with an empty list", f"{how_many} had a list with no case: analysed without it")
        )
    lines += [("disclosure control", why) for why in hidden.values()]  # each says what it withholds
    if result.bootstrap_failed:
        were = "was" if result.bootstrap_failed == 1 else "were"
        failed = _many(result.bootstrap_failed, "replicate")
        lines.append(("replicates left out", f"{failed} had no valid model and {were} left out"))
    if result.rejected_unconverged:
        lines.append(
            (
                "fits left out",
                f"{_many(result.rejected_unconverged, 'fit')} did not converge even from a cold start: not used",
            )
        )
    return lines


def withheld_replicate_counts(
    result: PopulationEstimate, rule: DisclosureRule = DEFAULT_RULE
) -> dict[str, str]:
    """The bootstrap's counts of unusual replicates that would give a small count back, with why: a list of k
    people has no case in about e^−k of the replicates, so their number gives k back; the replicates with no
    case on two lists give back, the same way, the number of cases on two lists or more."""
    hidden = {}
    if result.bootstrap_empty_list and rule.is_small(result.smallest_list):
        hidden["empty_list"] = (
            f"how many replicates had a list with no case is withheld: it would give back the size of a list "
            f"of fewer than {rule.threshold} people"
        )
    if result.bootstrap_unbounded and rule.is_small(result.overlapping):
        hidden["unbounded"] = (
            f"how many replicates had no case on two lists is withheld: it would give back a number of fewer "
            f"than {rule.threshold} people on two lists or more"
        )
    return hidden


def _extreme_limits(result: PopulationEstimate) -> tuple[str | None, str | None]:
    """For each limit of a single run read beyond its most extreme replicate, the probability it is read at."""
    if result.interval_method != "bca" or not result.replicates_beyond or not result.limit_quantiles:
        return None, None
    low_p, high_p = result.limit_quantiles
    return (
        f"{low_p:.2g}" if result.replicates_beyond[0] < 1 else None,
        f"{high_p:.5g}" if result.replicates_beyond[1] < 1 else None,
    )


def monte_carlo_range_text(result: PopulationEstimate, rule: DisclosureRule = DEFAULT_RULE) -> str:
    """The range of each limit over independent runs, e.g. "a lower limit of 455 – 580 and an upper limit of
    1,473 – 1,665" (limits too close to the number observed withheld, ``x``); empty for a single run."""
    if not result.monte_carlo_range:
        return ""
    parts = []
    for name, pair in zip(("lower", "upper"), result.monte_carlo_range, strict=True):
        values, marks = disclose_limits(result.observed, pair, rule, withhold=pins_small_count(result, rule))
        shown = [
            COMPLEMENT_LABEL if mark else ("no limit" if value is None else f"{round_half_up(value):,}")
            for value, mark in zip(values, marks, strict=True)
        ]
        # one value in every run: "a lower limit of 123 – 123" read as a range
        limits = shown[0] if shown[0] == shown[1] else f"{shown[0]} – {shown[1]}"
        each = " each time" if shown[0] == shown[1] else ""
        parts.append(f"{'a' if name == 'lower' else 'an'} {name} limit of {limits}{each}")
    return " and ".join(parts)


def _beyond_published(spread: ModelSpread, result: PopulationEstimate, rule: DisclosureRule) -> bool:
    """Whether a model choice's estimate lies beyond the headline interval as published: none when the estimate
    is withheld; with a limit withheld (fewer than threshold above the number observed), only beyond the other,
    published one (saying a choice lies below a withheld lower limit would narrow it down)."""
    shown = disclose_estimate(result, rule)
    if not shown.marks:
        return spread.beyond_interval
    if "estimate" in shown.marks or spread.low.result is None or spread.high.result is None:
        return False
    low, high = shown.values["low"], shown.values["high"]
    below = "low" not in shown.marks and low is not None and spread.low.result.estimate < low
    above = "high" not in shown.marks and high is not None and spread.high.result.estimate > high
    return below or above


def spread_text(
    spread: ModelSpread | None, result: PopulationEstimate, rule: DisclosureRule = DEFAULT_RULE
) -> str:
    """In plain words, when reasonable model choices give estimates beyond the headline interval: the data
    cannot pin the number down, and the range across the models (without its numbers when the table holds a
    small cell, :func:`sensitivity_withheld`: they are other models' estimates). Empty otherwise."""
    if spread is None or not spread.beyond_interval or not _beyond_published(spread, result, rule):
        return ""
    if sensitivity_withheld([spread.low, spread.high], rule):
        reason = sensitivity_withheld_text(rule)
        return (
            f"**The data cannot pin the number down.** Some of the {number(spread.choices, 'parameter')} "
            "reasonable model choices tried give estimates beyond this interval: the interval allows for "
            f"sampling error, not for the choice between these ways of choosing the model. {_sentence(reason)}."
        )
    low = disclose_estimate(spread.low.result, rule).text("estimate") if spread.low.result else "x"
    high = disclose_estimate(spread.high.result, rule).text("estimate") if spread.high.result else "x"
    return (
        f"**The data cannot pin the number down.** The {number(spread.choices, 'parameter')} reasonable model "
        "choices tried give "
        f"estimates from {low} ({escape_markdown(choice_label(spread.low))}) to {high} "
        f"({escape_markdown(choice_label(spread.high))}), a range reaching beyond this interval: the interval "
        "allows for sampling error, not for the choice between these ways of choosing the model. Report the "
        "range across the models with the estimate (see *Sensitivity to the model choice*)."
        + _rejected_text(spread, rule)
    )


def _rejected_text(spread: ModelSpread, rule: DisclosureRule) -> str:
    """The model choices left out of the range because the selection rejected them
    (:func:`~evidence.analyses.estimation.sensitivity.rejected_by_selection`), named with their estimates."""
    named = []
    for row in spread.rejected:
        if row.result is not None:
            named.append(
                f"{escape_markdown(choice_label(row))} "
                f"({disclose_estimate(row.result, rule).text('estimate')})"
            )
    if not named:
        return ""
    return (
        f" {_sentence(' and '.join(named))} is not in the range: it takes the lists as independent, which the "
        "selection rejected (it chose interactions between them)."
    )


def merged_rows_text(provenance: Provenance) -> str | None:
    """A sentence for readers of the estimate when the file gave a capture history on several rows, whose counts
    were summed (:func:`~evidence.sources.list_capture.merged_rows_note`: a table typed in parts, or strata a
    reader would estimate apart), as escaped Markdown (the note quotes the file's list names); else None. Its
    numbers count rows of the file and name them, not people: marked so (the disclosure scan skips them)."""
    from evidence.presentation.markup import KIND_ATTRIBUTE
    from evidence.sources.list_capture import merged_rows_note

    note = merged_rows_note(provenance)
    if note is None:
        return None
    return f'**Rows merged.** <span {KIND_ATTRIBUTE}="values">{escape_markdown(note[0].upper() + note[1:])}</span>.'


def assumptions_text(result: PopulationEstimate) -> str:
    """What the estimate assumes, in one sentence: no interval allows for these being wrong."""
    dependence = (
        "the two lists independent of each other (two lists cannot show a dependence)"
        if len(result.lists) == 2
        else "any dependence between the lists captured by the interactions of the model"
    )
    return (
        f"a closed population over the period; lists linked without error (each person once); {dependence}; "
        "people on no list like those on the lists in every way the model does not capture. The interval "
        "allows nothing for these assumptions being wrong"
    )


def estimate_rows(result: PopulationEstimate, rule: DisclosureRule = DEFAULT_RULE) -> list[tuple[str, str]]:
    """The estimate as (item, text) rows for a two-column table, every count of people disclosed."""
    shown = disclose_estimate(result, rule)
    rows = [
        ("lists", ", ".join(result.lists)),
        ("observed (on at least one list)", shown.text("observed")),
        ("estimated total population", shown.text("estimate")),
        ("estimated on no list", shown.text("dark_figure")),
        (f"{level_text(result.level)} interval", shown.interval_text()),
        ("interval", interval_method_text(result, rule)),
        ("model choice", method_text(result)),
        ("model space", model_space_text(result, rule)),
        ("interactions selected", model_terms_text(result, rule)),
    ]
    if result.infinite_parameters and not model_hidden(result, rule):
        rows.append(("interactions with no case (at −∞)", ", ".join(result.infinite_parameters)))
    if text := lower_limit_text(result, rule):
        rows.append(("lower limit", text))
    rows.append(("existence check", existence_message(result, rule)))
    rows.append(("assumes", assumptions_text(result)))
    rows += bootstrap_rows(result, shown)
    # labelled by what they are, not "withheld": each reason ends saying what it withholds (read twice a row)
    rows += [("disclosure control", reason) for reason in shown.reasons]
    rows += [("", note) for note in shown.notes()]
    return rows


#: What the numbers of each row of :func:`estimate_rows` are, for ``show_table(..., kinds=...)``: the brief's
#: disclosure scan then checks the counts of people and leaves the settings and statistics of the computation
#: (replicates, models searched, Monte Carlo spread) alone. A row not named here is read with its heuristics.
ROW_KINDS = {
    "lists": "label",
    "observed (on at least one list)": PEOPLE,
    "estimated total population": PEOPLE,
    "estimated on no list": PEOPLE,
    "interval": "parameter",
    "model choice": "parameter",
    "model space": "parameter",
    "interactions selected": "label",
    "interactions with no case (at −∞)": "label",
    "existence check": "statistic",
    "lower limit": "label",
    "assumes": "label",
    # the bootstrap's rows (bootstrap_rows): its Monte Carlo error and its counts of replicates
    "lower limit of the interval": "statistic",
    "upper limit of the interval": "statistic",
    "limits of the interval, run to run": "statistic",
    "median limits of the interval": "statistic",
    "limits of the interval": "statistic",
    "replicates unbounded": "statistic",
    "replicates with an empty list": "statistic",
    "replicates left out": "statistic",
    "fits left out": "statistic",
}


#: What the columns of the tables that name lists are, for ``show_table(..., kinds=...)``: list names are labels
#: (lists named "NGO 1", "Police 2" read to the brief's disclosure scan as counts of 1 and 2 people, and the brief
#: did not render); the estimates and intervals are left to its heuristics.
SENSITIVITY_KINDS = {"model choice": "label", "interactions": "label"}
STEPWISE_KINDS = {"interaction added": "label", "p-value": "statistic"}
EXISTENCE_KINDS = {"model": "label", "interactions with no case (fixed at −∞)": "label"}


def estimate_row_kinds(rows: Sequence[tuple[str, str]]) -> list[str | None]:
    """The kind of each row of :func:`estimate_rows` (the interval's limits are counts of people)."""
    return [PEOPLE if item.endswith("% interval") else ROW_KINDS.get(item) for item, _ in rows]


def lower_limit_text(
    result: PopulationEstimate, rule: DisclosureRule = DEFAULT_RULE, *, short: bool = False
) -> str:
    """What a lower limit shown as the number observed means (Korea: 269 people, interval 123 – 435 of 123
    observed, which reads as "perhaps no one hidden" and was said nowhere): the interval does not rule out that
    almost nobody was missed, and — for a bootstrap interval — it is no floor put on the interval but where the
    replicates' estimates fall (in a fifth of Korea's, the model chosen again, b:d + c:d, put fewer than one
    person on no list). Empty when the lower limit is withheld or above the number observed as shown; with
    ``short``, its first sentence (for the headline, beside the table that gives the whole)."""
    shown = disclose_estimate(result, rule)
    if "low" in shown.marks or shown.values["low"] is None or shown.text("low") != shown.text("observed"):
        return ""
    if result.interval_method != "bca":
        return (
            "The lower limit rounds to the number observed: at the interval's lower end fewer than one person is "
            "on no list, so the interval does not rule out that almost nobody was missed."
        )
    each = "" if fixed_model(result) else ", each repeating the model choice,"
    first = "The lower limit is the number observed: the interval does not rule out that almost nobody was missed."
    if short:
        return first
    return (
        f"{first} It is no floor put on the interval: in some of the bootstrap's replicates{each} fewer than one "
        "person is estimated on no list, and the lower limit is read among them."
    )


def estimate_headline(
    result: PopulationEstimate, rule: DisclosureRule = DEFAULT_RULE, spread: ModelSpread | None = None
) -> str:
    """A Markdown headline with the estimate and its interval, the interval's Monte Carlo range, and — when
    other reasonable model choices give estimates beyond the interval — that the data cannot pin the number
    down, with the range across the models (numbers, fixed words and escaped list names), or why they are
    withheld."""
    shown = disclose_estimate(result, rule)
    if shown.values["estimate"] is None:
        return f"### Estimated total population: withheld\n\n{shown.reasons[0].capitalize()}."
    paragraphs = [
        (
            f"### Estimated total population: **{shown.text('estimate')}** "
            f"({level_text(result.level)} interval {shown.interval_text()})"
        ),
        (
            f"People on at least one list: {shown.text('observed')}; estimated on none: "
            f"{shown.text('dark_figure')}."
        ),
        # what a modelled total and its interval mean, beside them: the assumptions come far below
        (
            "The estimate is a model's: from how the lists overlap, it puts a number on the people no list met and "
            f"adds them to those observed. The {level_text(result.level)} interval is the range of totals the lists "
            "are compatible with if the model's assumptions (below) hold; it allows nothing for their being wrong."
        ),
    ]
    if text := lower_limit_text(result, rule):
        # its first sentence: the table of estimate_rows beside the headline gives the whole (a brief read it twice)
        paragraphs.append(lower_limit_text(result, rule, short=True))
    if result.interval_method == "bca" and not shown.withheld:
        if text := monte_carlo_range_text(result, rule):
            paragraphs.append(
                f"The interval is the median of {number(result.bootstrap_runs, 'parameter')} independent bootstrap "
                f"runs; one run alone{_as_published(result)} gave {text}."
            )
        elif any(_extreme_limits(result)):
            paragraphs.append(
                "The interval is one bootstrap run: a limit read at its most extreme replicate moves a lot from "
                "seed to seed (independent runs, the setting bootstrap runs: auto, give the limit and its Monte Carlo "
                "range)."
            )
    if result.infinite_parameters and not model_hidden(result, rule):
        pairs = ", ".join(escape_markdown(t) for t in result.infinite_parameters)
        why = (
            "as SparseMSE's stepwise selection does when the absence of overlap is itself significant"
            if result.method == "stepwise"
            else "as the model with the lowest BIC here (the BIC counts them among its parameters)"
        )
        paragraphs.append(
            f"The chosen model holds {pairs}: interactions of lists with no case in common, fixed at −∞ (the "
            f"lists are treated as excluding each other), {why}. Every combination of lists holding one is left "
            "out of the fit."
        )
    if text := spread_text(spread, result, rule):
        paragraphs.append(text)
    elif spread is not None and sensitivity_withheld([spread.low, spread.high], rule):
        paragraphs.append(f"{_sentence(sensitivity_withheld_text(rule))}.")
    return "\n\n".join(paragraphs)


def choice_label(row: SensitivityRow) -> str:
    """A model choice as readers see it: its label, and for a lowest-BIC search that was too large to be
    exhaustive (six lists or more) that it is the downhill walk's local minimum ("lowest BIC, pairs" said
    nothing of it)."""
    label = row.choice.label
    if row.result is not None and row.result.method == "bic" and row.result.search == "greedy":
        label += " (downhill search: a local minimum)"
    return label


def sensitivity_withheld(rows: Sequence[SensitivityRow], rule: DisclosureRule = DEFAULT_RULE) -> bool:
    """Whether the sensitivity table shows only the headline model's numbers: the capture-history table holds a
    small cell (1 to threshold − 1). Each model's estimate is a formula in the cells (with three lists: main
    effects a function of the lists' sizes; one interaction, A:B, observed + n₀₀₁(n₁₀₀ + n₀₁₀ + n₁₁₀)/(n₁₀₁ +
    n₀₁₁ + n₁₁₁); two, A:B + B:C, observed + n₁₀₀n₀₀₁/n₁₀₁, Lincoln–Petersen within a slice), so the estimates
    of two or three models beside the number observed are as many equations in the 7 cells. Of 2,738 random
    3-list tables of 20 to 121 people with cells of 1 to 4, the whole-number tables fitting every model choice's
    estimate as computed (unrounded, as chart data carries it) all gave one value of a small cell in 1,078 (and
    placed one under 5 in 108 more); rounded to whole people as the table shows them, in 189 of the 1,340 searched in full; the
    headline model's estimate alone, in none of 2,045. A table whose smallest cell is 5 or more has no small list
    or overlap either (they are sums of cells)."""
    return any(row.smallest_cell is not None and rule.is_small(row.smallest_cell) for row in rows)


def _sentence(text: str) -> str:
    """*text* opening a sentence (its first letter a capital)."""
    return text[:1].upper() + text[1:]


def sensitivity_withheld_text(rule: DisclosureRule = DEFAULT_RULE) -> str:
    """Why the other model choices' numbers are withheld (:func:`sensitivity_withheld`), for readers."""
    return (
        f"the lists hold a combination of fewer than {rule.threshold} people, and each model's estimate is a "
        "formula in the numbers of people on each combination of lists, so the estimates of several models "
        "beside the number observed can give such a small number back: only the chosen model's estimate and "
        "interval are shown, and the other model choices' are withheld (x)"
    )


def _brackets_p_values(row: SensitivityRow, headline: PopulationEstimate | None = None) -> bool:
    """Whether the row is stepwise selection at a threshold or order other than the headline's: which
    interactions it chose (or that it chose the headline's model) bounds the stepwise p-values, which a table with
    a small cell withholds (:func:`coarsened`). UK (2,744 people, a small cell) read "stepwise, p < 0.001, pairs:
    LA:NG, LA:PFNCA, NG:GP, PFNCA:GP" beside estimate and interval x, under a table of the steps whose p-values
    were x: the first four were below 0.001, the fifth and sixth from 0.001 to 0.02. Only where the row's numbers
    are withheld (:func:`sensitivity_withheld`); the headline's own row is published with its model, and a
    stricter threshold at the order of a stepwise headline that added nothing adds nothing either (said anyway:
    New Orleans read "stepwise, p < 0.001: x" beside main effects at p < 0.02)."""
    if row.choice.method != "stepwise" or row.headline:
        return False
    implied = (
        headline is not None
        and headline.method == "stepwise"
        and not headline.terms
        and headline.p_enter is not None
        and row.choice.p_enter is not None
        and row.choice.p_enter <= headline.p_enter
        and max(2, row.choice.max_order) == headline.max_order
    )
    return not implied


def _shown_rows(
    rows: Sequence[SensitivityRow], rule: DisclosureRule
) -> list[tuple[SensitivityRow, DisclosedEstimate | None, bool]]:
    """Each row with its disclosed estimate (None without a result) and whether its numbers are published:
    all, or — with a small cell (:func:`sensitivity_withheld`) — the headline's row, and the estimate alone
    (not the interval, from another model choice's bootstrap) of a row that chose the headline's model."""
    guarded = sensitivity_withheld(rows, rule)
    headline = next((row.result for row in rows if row.headline and row.result is not None), None)
    shown: list[tuple[SensitivityRow, DisclosedEstimate | None, bool]] = []
    for row in rows:
        if row.result is None:
            shown.append((row, None, True))
            continue
        disclosed = disclose_estimate(row.result, rule)
        if not guarded or row.headline:
            shown.append((row, disclosed, True))
            continue
        # a row that chose the headline's model: its estimate is the headline's, published with it; only the
        # interval (another model choice's bootstrap) is another number
        # (unless the model is withheld: that another choice picked it would say something of it)
        same = (
            headline is not None
            and row.result.terms == headline.terms
            and not model_withheld(headline, rule)
            and not _brackets_p_values(row, headline)
        )
        marks = {field: _COMPLEMENT for field in ("estimate", "dark_figure", "low", "high")}
        values = {**disclosed.values, "estimate": None, "dark_figure": None, "low": None, "high": None}
        if same and row.result.estimate == headline.estimate:  # type: ignore[union-attr]
            values["estimate"] = disclosed.values["estimate"]
            if "estimate" in disclosed.marks:
                marks["estimate"] = disclosed.marks["estimate"]
            else:
                del marks["estimate"]
        withheld = DisclosedEstimate(values=values, marks=marks, rule=rule, reasons=disclosed.reasons)
        shown.append((row, withheld, False))
    return shown


def sensitivity_frame(rows: Sequence[SensitivityRow], rule: DisclosureRule = DEFAULT_RULE) -> pl.DataFrame:
    """The sensitivity table as published strings: model choice, interactions, estimate and interval (only the
    headline's numbers when the table holds a small cell, :func:`sensitivity_withheld`)."""
    records = []
    # each model choice's interactions are another equation in the cells, as the headline's are
    hidden = any(row.result is not None and model_withheld(row.result, rule) for row in rows)
    headline = next((row.result for row in rows if row.headline and row.result is not None), None)
    for row, shown, published in _shown_rows(rows, rule):
        record = {"model choice": choice_label(row)}
        if row.result is None or shown is None:
            record |= {"interactions": "", "estimate": "–", "interval": row.problem or "no estimate"}
        else:
            how = "BCa" if row.result.interval_method == "bca" else "log-normal"
            withheld_terms = hidden or (not published and _brackets_p_values(row, headline))
            record |= {
                "interactions": COMPLEMENT_LABEL if withheld_terms else ", ".join(row.result.terms) or "none",
                "estimate": shown.text("estimate"),
                "interval": f"{shown.interval_text()} ({how})" if published else COMPLEMENT_LABEL,
            }
        records.append(record)
    return pl.DataFrame(
        records, schema={c: pl.String for c in ("model choice", "interactions", "estimate", "interval")}
    )


def sensitivity_note(rows: Sequence[SensitivityRow], rule: DisclosureRule = DEFAULT_RULE) -> str | None:
    """The note under :func:`sensitivity_frame`: with two lists, why it has one row (every method is main
    effects); and what its ``x`` means (the tables' generic note spoke of totals and a "Recorded" margin, which
    this table has none of): the other model choices withheld for a small cell (:func:`sensitivity_withheld`),
    or an estimate withheld for a small number on no list or a limit close to the number observed. None when
    there is nothing to say."""
    notes = []
    if len(rows) == 1 and rows[0].result is not None and len(rows[0].result.lists) == 2:
        notes.append(
            "With two lists no interaction can be estimated: every model choice is main effects (the "
            "Lincoln–Petersen estimate), the one row here."
        )
    shown = _shown_rows(rows, rule)
    if any(not published for _, _, published in shown):
        hidden = any(row.result is not None and model_withheld(row.result, rule) for row in rows)
        notes.append(
            f"{COMPLEMENT_LABEL}: withheld. The lists hold a combination of fewer than {rule.threshold} people, "
            "and the estimates of several model choices, beside the number observed, are equations that can give "
            "it back: only the chosen model's estimate and interval are shown (and its estimate where another "
            "choice picked the same model)" + (", and no model choice's interactions" if hidden else "") + "."
        )
        headline = next((row.result for row in rows if row.headline and row.result is not None), None)
        if not hidden and any(
            not published and row.result is not None and _brackets_p_values(row, headline)
            for row, _, published in shown
        ):
            notes.append(
                "Nor are the interactions of stepwise selection at another threshold or order: which interactions "
                "enter at which threshold bounds the p-values of the steps, withheld for the same reason."
            )
        thresholds = sorted(
            {row.choice.p_enter for row in rows if row.choice.method == "stepwise" and row.choice.p_enter}
        )
        if thresholds:
            # beside a table of steps whose p-values are x, "p < 0.001" read as a p-value of these data
            values = [f"{t:g}" for t in thresholds]
            listed = values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"
            notes.append(
                f"In a model choice, p < {listed} is stepwise selection's entry threshold (a setting), not a "
                "p-value of these data."
            )
    elif any(disclosed is not None and disclosed.marks for _, disclosed, _ in shown):
        notes.append(
            f"{COMPLEMENT_LABEL}: withheld so that a small number of people cannot be recomputed from it (fewer "
            f"than {rule.threshold} estimated on no list, or between a limit and the number observed)."
        )
    headline = next((row.result for row in rows if row.headline and row.result is not None), None)
    if (
        headline is not None
        and not model_hidden(headline, rule)
        and any(rejected_by_selection(row, headline) for row in rows)
    ):
        notes.append(
            "Main effects only takes the lists as independent, which the selection of the chosen model rejected "
            "(it chose interactions between them): its row is for comparison, and it is not in the range across "
            "the models."
        )
    return " ".join(notes) or None


def sensitivity_chart_data(
    rows: Sequence[SensitivityRow], rule: DisclosureRule = DEFAULT_RULE
) -> pl.DataFrame:
    """One row per model choice with a published estimate: label, method, estimate, low, high (null where
    withheld or unbounded), for :func:`~evidence.presentation.charts.interval_chart` (only the headline's row
    when the table holds a small cell, :func:`sensitivity_withheld`)."""
    records = []
    for row, shown, published in _shown_rows(rows, rule):
        if row.result is None or shown is None or not published:
            continue
        if shown.values["estimate"] is None:
            continue
        records.append(
            {
                "model choice": choice_label(row),
                "method": _METHOD_WORDS.get(row.choice.method, row.choice.method),  # the legend in words
                "estimate": shown.values["estimate"],
                "low": shown.values["low"],
                "high": shown.values["high"],
            }
        )
    schema = {
        "model choice": pl.String,
        "method": pl.String,
        "estimate": pl.Float64,
        "low": pl.Float64,
        "high": pl.Float64,
    }
    return pl.DataFrame(records, schema=schema)


def sensitivity_chart_title(rows: Sequence[SensitivityRow], rule: DisclosureRule = DEFAULT_RULE) -> str:
    """The title of the chart of :func:`sensitivity_chart_data`: "under each model choice", or, when it holds
    the chosen model's row alone (the others withheld for a small cell, :func:`sensitivity_withheld`), what it
    shows (the title said "each model choice" over one model's interval)."""
    if sensitivity_withheld(rows, rule) and sensitivity_chart_data(rows, rule).height <= 1:
        return "Estimated total population: the chosen model (the other model choices withheld)"
    return "Estimated total population under each model choice"


def reading_the_result(
    result: PopulationEstimate,
    rows: Sequence[SensitivityRow] | None = None,
    rule: DisclosureRule = DEFAULT_RULE,
) -> str:
    """The section "Reading the result" of a hidden-population brief, saying how *this* interval was computed:
    the median of independent bootstrap runs, one bootstrap run, or the log-normal interval that allows nothing
    for the model choice (the notebook's fixed text said "the median of independent runs" of every interval);
    and advice possible for the number of lists (it told two lists to merge small lists, which leaves one).
    Given the sensitivity *rows*, it asks for no range across the models and no look at the sensitivity table
    where :func:`sensitivity_withheld` withholds them (the UK and New Orleans briefs asked for both beside a
    column of x)."""
    withheld = rows is not None and sensitivity_withheld(rows, rule)
    look = "" if withheld else " and look at the sensitivity table"
    honest = (
        "- Report the estimate **with its interval**; the model is main effects whatever the data (no model "
        "choice to allow for), and the bootstrap allows for the sampling of the cases."
        if fixed_model(result)
        else "- Report the estimate **with its interval** and the model choice; the interval from the bootstrap "
        "that repeats the model choice is the honest one."
    )
    if result.interval_method == "bca" and result.bootstrap_runs > 1:
        per_run = result.bootstrap_replicates // result.bootstrap_runs
        interval = (
            f"{honest} Its limits are Monte Carlo results: one run of "
            f"{number(per_run, 'parameter')} replicates moves from seed to seed, most for a limit read far in the tail, so the "
            f"interval here is the median of {number(result.bootstrap_runs, 'parameter')} independent runs, with the range one run "
            "gives beside it."
        )
    elif result.interval_method == "bca":
        interval = (
            f"{honest} Its limits are Monte Carlo results: this interval is "
            f"one run of {number(result.bootstrap_replicates, 'parameter')} replicates, and another seed moves it, most for a limit "
            "read far in the tail; the median of independent runs (as many as needed, the default) says how far."
        )
    elif fixed_model(result):
        interval = (
            "- Report the estimate **with its interval**. The interval here is log-normal, from the intercept's "
            "standard error of main effects, a model fixed whatever the data (no model choice to allow for); a "
            f"bootstrap (a run with bootstrap replicates, {number(1000, 'parameter')} as published) resamples the "
            "cases instead."
        )
    else:
        interval = (
            "- Report the estimate **with its interval** and the model choice. The interval here is log-normal, "
            "from the chosen model's intercept: it allows nothing for the choice of the model. The interval to "
            f"report is the bootstrap's that repeats the choice (a run with bootstrap replicates, "
            f"{number(1000, 'parameter')} as published)."
        )
    n_lists = len(result.lists)
    if n_lists <= 2:
        disagree = ""
    elif withheld:
        disagree = (
            "- When the model choices disagree beyond the interval (the headline says so), the data cannot pin "
            "the number down. The other choices' numbers are withheld here (x: the lists hold a combination of "
            f"fewer than {rule.threshold} people), so say with the estimate that other reasonable model choices "
            "reach beyond its interval, and do not give the interval as the number's range.\n"
        )
    else:
        disagree = (
            "- When the model choices disagree beyond the interval (the headline says so), the data cannot pin "
            "the number down: report the range across the models, not one model's interval.\n"
        )
    # merging is advice only where lists are left to model: of two lists it leaves one (no estimate at all), of
    # three it leaves two, whose estimate assumes them independent
    if n_lists == 2:
        fragile = (
            "- With two lists the estimate rests on their independence, which two lists cannot show: one list "
            "that tends to meet the people the other meets makes it too low. When the lists are small or share "
            "few people it is fragile too: link a third list, which lets the model see dependence between them."
        )
    elif n_lists == 3:
        fragile = (
            "- When lists are small or barely overlap, estimates are fragile: link a further list or more "
            f"records{look}; merging two of three lists leaves two, whose estimate assumes them independent."
        )
    else:
        fragile = (
            "- When lists are small or barely overlap, estimates are fragile: merge small lists of similar kind "
            f"(as the five-list versions of the New Orleans and UK data do; at least three lists left){look}."
        )
    return (
        f"## Reading the result\n\n{interval}\n{disagree}"
        "- The estimate is of everyone the lists *could* have met under the same definitions during the period: "
        "it is not a prevalence figure for the whole country unless the lists cover the whole country.\n"
        f"{fragile}"
    )


#: The notebook's model choices as readers name them (its ``method`` parameter's values are code words).
_METHOD_WORDS = {
    "stepwise": "stepwise selection",
    "bic": "lowest BIC",
    "downhill": "downhill search of the BIC",
    "main": "main effects only",
}


def settings_for_readers(
    result: PopulationEstimate,
    *,
    method: str,
    bootstrap_runs: int | str,
    rule: DisclosureRule = DEFAULT_RULE,
) -> dict[str, Any]:
    """The hidden-population notebook's settings as its brief's readers should see them (its glance box and
    subtitle, through :func:`evidence.notebooks.runtime.record_resolved`): a setting the chosen method does not
    use is left out (None), not shown beside it ("downhill start: main" of a stepwise choice, "bootstrap runs: 0"
    of a log-normal interval), and runs left to the toolkit (``bootstrap_runs="auto"``) say how many were made."""
    shown: dict[str, Any] = {"method": _METHOD_WORDS.get(method, method)}
    if len(result.lists) == 2:  # whatever the method asked, the model is main effects (method_text)
        method = "main"
        shown["method"] = "main effects only (two lists: no interaction can be estimated)"
    if method != "stepwise":
        shown["p_enter"] = None
    if method != "downhill":
        shown["downhill_start"] = None
    if method == "main":
        shown["max_order"] = None
    elif result.max_order == len(result.lists) - 1:
        # the search stops one list short of all of them: max_order 3 on three lists searched pairs, and the
        # brief showed the 3 given
        shown["max_order"] = f"{result.max_order} (the highest {len(result.lists)} lists allow)"
    if result.interval_method != "bca":
        shown.update(bootstrap_replicates="none (log-normal interval)", bootstrap_runs=None, seed=None)
    else:
        if bootstrap_runs in (
            0,
            "auto",
        ):  # as many as needed (0: its former spelling); the brief says how many
            shown["bootstrap_runs"] = f"auto ({_many(result.bootstrap_runs, 'run')})"
        # with the seed the interval of every candidate table can be recomputed; else the seed used (drawn when
        # none was given), so that a reader can reproduce the interval
        shown["seed"] = "withheld" if coarsened(result, rule) else result.seed
    return shown
