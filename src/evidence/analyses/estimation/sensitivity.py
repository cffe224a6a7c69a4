"""How much the estimate depends on the model choice: the same data under each method, p-value and order."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from evidence.analyses.estimation.estimate import (
    DEFAULT_P_ENTER,
    PopulationEstimate,
    as_list_capture,
    draw_seed,
    estimate_population,
    renamed_bootstrap_keywords,
)
from evidence.analyses.estimation.lists import ListCapture
from evidence.core.errors import InputError

#: Stepwise p-values tried besides the default: stricter and looser.
SENSITIVITY_P_ENTER = (0.001, DEFAULT_P_ENTER, 0.05)
#: Interaction orders tried at most (five lists up to order 4 is what Silverman, Chan & Vincent 2024 search).
SENSITIVITY_MAX_ORDER = 4


@dataclasses.dataclass(frozen=True)
class ModelChoice:
    """One way of choosing the model: a method, its p-value (stepwise) and the highest interaction order."""

    method: str
    p_enter: float | None = None
    max_order: int = 2

    @property
    def label(self) -> str:
        if self.method == "main":
            return "main effects only"
        order = "pairs" if self.max_order == 2 else f"up to {self.max_order}-way"
        if self.method == "stepwise":
            return f"stepwise, p < {self.p_enter:g}, {order}"
        return f"{'lowest BIC' if self.method == 'bic' else 'downhill'}, {order}"


def model_choices(n_lists: int, max_order: int = SENSITIVITY_MAX_ORDER) -> list[ModelChoice]:
    """Main effects; stepwise at each p-value of :data:`SENSITIVITY_P_ENTER`; lowest BIC and downhill at every
    order from pairs to ``max_order`` (at most one list fewer than there are lists); stepwise at the default
    p-value with the highest order too. Two lists: main effects alone (no interaction can be estimated)."""
    top = max(2, min(max_order, n_lists - 1))
    choices = [ModelChoice("main", max_order=1)]
    if n_lists < 3:  # two lists hold no interaction: every method is main effects, and would be shown as such
        return choices
    choices += [ModelChoice("stepwise", p, 2) for p in SENSITIVITY_P_ENTER]
    if top > 2:
        choices.append(ModelChoice("stepwise", DEFAULT_P_ENTER, top))
    for order in range(2, top + 1):
        choices += [ModelChoice("bic", max_order=order), ModelChoice("downhill", max_order=order)]
    return choices


@dataclasses.dataclass(frozen=True, eq=False)
class SensitivityRow:
    """One model choice and its result, or why it gives none (e.g. its estimate does not exist)."""

    choice: ModelChoice
    result: PopulationEstimate | None
    problem: str | None = None
    #: never published: the smallest count above 0 in the capture-history table, which the disclosure rule needs
    #: (several models' estimates together can give a small cell back, see ``presentation.estimates``)
    smallest_cell: int | None = None
    #: the row holds ``known``, the headline estimate (published on its own in any case)
    headline: bool = False


def sensitivity(
    capture: ListCapture | pl.DataFrame | str | Path,
    choices: Sequence[ModelChoice] | None = None,
    *,
    bootstrap_replicates: int | str = 0,
    seed: int | None = None,
    level: float = 0.95,
    known: PopulationEstimate | None = None,
    **renamed: Any,
) -> list[SensitivityRow]:
    """The estimate and interval under each model choice (by default :func:`model_choices`), all with the same
    bootstrap settings (``bootstrap_replicates`` per choice, one run each) and seed. A choice that gives no
    estimate for these data says why instead. ``known`` is an estimate already made of the same data with the
    same settings (the headline one): its choice is not fitted and bootstrapped again. ``capture`` is what
    :func:`~evidence.analyses.estimation.estimate.estimate_population` takes (:func:`as_list_capture`). The old keyword
    ``bootstrap`` still works, with a DeprecationWarning."""
    bootstrap = renamed_bootstrap_keywords(
        renamed, {"bootstrap_replicates": bootstrap_replicates}, {"bootstrap_replicates": 0}, "sensitivity"
    )["bootstrap_replicates"]
    capture = as_list_capture(capture)  # what estimate_population takes: a path or a frame too, read once
    if bootstrap != 0 and seed is None:  # one seed for every choice, as said (each drew its own)
        seed = known.seed if known is not None and known.seed is not None else draw_seed()
    choices = list(choices) if choices is not None else model_choices(capture.n_lists)
    positive = [int(count) for count in capture.counts if count > 0]
    smallest = min(positive) if positive else None
    rows = []
    for choice in choices:
        if known is not None and _same_choice(known, choice, bootstrap, seed, level):
            rows.append(SensitivityRow(choice, known, smallest_cell=smallest, headline=True))
            continue
        try:
            result = estimate_population(
                capture,
                method=choice.method,
                p_enter=choice.p_enter if choice.p_enter is not None else DEFAULT_P_ENTER,
                max_order=max(2, choice.max_order),
                bootstrap_replicates=bootstrap,
                seed=seed,
                level=level,
            )
        except InputError as exc:
            rows.append(SensitivityRow(choice, None, exc.message, smallest_cell=smallest))
            continue
        rows.append(SensitivityRow(choice, result, smallest_cell=smallest))
    return rows


def _same_choice(
    result: PopulationEstimate, choice: ModelChoice, bootstrap: int | str, seed: int | None, level: float
) -> bool:
    """Whether ``result`` is what :func:`sensitivity` would compute for ``choice`` with these settings."""
    # the headline may have more independent runs than the other choices: it is then only more precise
    if result.bootstrap_requested != bootstrap or result.level != level:
        return False
    if bootstrap != 0 and (seed is None or result.seed != seed):  # the same replicates, not merely as many
        return False
    if result.method != choice.method or result.downhill_start not in (None, "main"):
        return False
    if choice.method == "main":
        return True
    p_enter = choice.p_enter if choice.p_enter is not None else DEFAULT_P_ENTER
    same_p = choice.method != "stepwise" or result.p_enter == p_enter
    return same_p and result.max_order == max(2, choice.max_order)


def rejected_by_selection(row: SensitivityRow, headline: PopulationEstimate) -> bool:
    """Whether ``row`` is main effects only (lists independent) where the headline's own selection rejected
    that model: it chose interactions, so by its criterion (an interaction's p-value below the threshold, or a
    lower BIC) the lists are not independent. Main effects are a fixed model, not a way of choosing one: beside
    such data they are not a reasonable model choice, and they left Kosovo's range "from 7,395 (main effects
    only)" where stepwise had added five interactions at p-values from 1e-7 to 0.001."""
    return (
        row.choice.method == "main"
        and not row.headline
        and headline.method != "main"
        and bool(headline.terms)
        and row.result is not None
        and not row.result.terms
    )


@dataclasses.dataclass(frozen=True, eq=False)
class ModelSpread:
    """How far apart the model choices' estimates are, against the headline interval."""

    low: SensitivityRow  # the choice with the lowest estimate
    high: SensitivityRow  # the choice with the highest estimate
    choices: int  # model choices that gave an estimate (those the selection rejected left out)
    beyond_interval: bool  # some choice's estimate lies outside the headline's interval
    #: choices left out of the range: main effects only where the headline's selection rejected it
    #: (:func:`rejected_by_selection`)
    rejected: tuple[SensitivityRow, ...] = ()

    @property
    def range(self) -> tuple[float, float]:
        assert self.low.result is not None and self.high.result is not None
        return self.low.result.estimate, self.high.result.estimate


def model_spread(rows: Sequence[SensitivityRow], headline: PopulationEstimate) -> ModelSpread | None:
    """The lowest and highest estimate over the model choices that gave one (the headline's among them), and
    whether any lies outside the headline interval: then the data cannot pin the number down, whatever the
    interval of one model choice says. Main effects only is left out where the headline's selection rejected it
    (:func:`rejected_by_selection`; named in ``rejected``). None when no choice gave an estimate."""
    rejected = tuple(row for row in rows if rejected_by_selection(row, headline))
    estimated = [row for row in rows if row.result is not None and row not in rejected]
    if not estimated:
        return None
    # an end shared with the headline is named by the headline's choice (Korea's range ran "to 269 (stepwise,
    # p < 0.001)", the headline's own estimate under another name)
    low = min(estimated, key=lambda row: (row.result.estimate, not row.headline))  # type: ignore[union-attr]
    high = max(estimated, key=lambda row: (row.result.estimate, row.headline))  # type: ignore[union-attr]
    lower, upper = headline.interval
    beyond = any(not (lower <= row.result.estimate <= upper) for row in estimated)  # type: ignore[union-attr]
    return ModelSpread(low=low, high=high, choices=len(estimated), beyond_interval=beyond, rejected=rejected)
