"""Small-cell disclosure control: the one rule that every count leaving the toolkit passes through.

Victim data are sensitive. A count between 1 and ``threshold - 1`` could point at an identifiable person,
so it is *suppressed* (published as ``"<5"`` under the default rule, as UNODC does). Suppressing a cell is
not enough when totals are published too: a lone suppressed cell in a row equals the row total minus the
published cells. Tables with margins therefore also get *secondary* (complementary) suppression, so that no
suppressed cell can be recomputed from what is published.

The rule
    :class:`DisclosureRule` ``(threshold=5, zero_is_safe=True)``. UNODC's convention is the default (1-4
    shown as ``<5``); CTDC's is ``DisclosureRule(threshold=11)`` (its k-anonymised file uses k = 11; its
    dashboards hide fewer than 10, ``threshold=10``). A true zero is not disclosive (it says nobody was
    recorded, about nobody), so zeros are published unless ``zero_is_safe=False``.

What is published
    :class:`DisclosedTable` holds only publishable values: counts as nullable integers (null where
    suppressed) and a boolean ``<column>_suppressed`` beside each count column. It never keeps the
    suppressed values. ``display()`` renders ``"<5"`` for a small count, ``"x"`` for a complementary
    suppression (a cell withheld so that a small count cannot be recomputed; it is not itself small) and
    thousands separators elsewhere.

Secondary suppression (:func:`suppress_table`)
    Every row and column of the table *including its margins* (the totals row and column, and the grand
    total) is a linear constraint "cells add up to the total". Repeat until stable: any such line with exactly
    one suppressed cell, or whose suppressed cells add up to a small count beside a published total (Male
    ``<5`` and Unknown ``<5`` of 52 beside Female 48: together 4), gets a complement, the published cell of
    the line with the smallest positive value
    (ties: the one that also completes another line, then the first). Zeros are never complements: a zero
    beside a ``<5`` pins it down. The table is then *audited* by linear programming, against the strongest
    realistic attacker, who knows this algorithm and hence that a ``<5`` cell lies in 1..threshold-1 and an
    ``x`` cell is at least ``threshold`` and at most every positive cell still published in the lines it was
    chosen from (it was the smallest candidate there): a suppressed cell is safe when some table consistent
    with all that is published gives it another value. A cell that only its true value fits gets another
    complement, and the loop repeats (looking further afield when the cell's own row and column have nothing
    left). A table that no suppression can protect is refused with :class:`DisclosureError`. Two-way tables
    with margins are totally unimodular (and every bound is a whole number), so the feasible range of a cell
    has whole-number ends, and a range wider than zero holds at least two whole values.

    Cells made only of counts the publisher itself censored (``censored``: UNODC's ``<5`` cells, kept as
    bounds) are the exception: a small bound of such a cell (3 censored cells have the low bound 3 and the
    high bound 12) is no count of people but the number of ``<5`` cells in the publisher's own file, so it is
    shown ``<5`` without a complement, and the audit's attacker is given its value, as anyone with the file
    has it (a stronger attacker, not a weaker audit). A margin is such a cell when all its cells are.

Censored counts published as two bounds (:func:`suppress_bounds`)
    A cell of censored counts is an exact part ``E`` and ``k`` censored parts of 1..4: low ``E + k``, high
    ``E + 4k`` (UNODC's ``<5``; ``censored_range`` gives another publisher's width, 1..9 for a file's ``<10``:
    ``E + 9k``). A reader who holds both bounds has ``E`` and ``k`` (5–8: one ``<5`` and an exact 4), and
    combines the two tables' totals, so the bounds are protected as one system: a cell whose exact part is small
    (``0 < E < threshold``, margins included) is withheld in both bounds, each bound is protected as above, and
    an integer programme then audits the pair (what the reader sees: a cell withheld in either bound is withheld
    in both) against a reader who knows how bounds are made: every withheld cell's low and high bound, and every
    small exact part, must take at least two whole values; a cell pinned gets a complement in both bounds, and
    the loop repeats. Exact parts of 0 or at least the threshold (UNODC's files) give the audit nothing to add
    in practice, and the tables are those that protecting each bound on its own gives.

Which counts are perturbed
    The cell key method below protects every source of victim-level records of real people: an
    organisation's own records, and a release its publisher already protected (CTDC's k-anonymised global
    dataset, k = 11). k-anonymity protects the published file; the toolkit publishes new tables of any
    selection from it, and two overlapping ones subtract to a withheld count (USA, unknown sex, 2018: 86 in
    2018-2019 less 83 in 2019 gave 3). The publisher's protection
    (:attr:`~evidence.sources.provenance.Provenance.published_protection`, from its metadata) is stated in
    the brief's note on protection, and changes nothing here. Which applies is a property of the source's
    provenance (:attr:`~evidence.sources.loaded.LoadedTable.protection`), never of a file name; synthetic
    records and public aggregates are not perturbed.

The cell key method (victim-level records of real people)
    Suppression protects each table on its own; two overlapping outputs (years 2018-2019 and 2019 alone; a
    role, a group, a total) can still be subtracted to give a withheld cell back. For tables whose counts come
    with *cell keys* (the sum of the fixed random keys of a cell's records, see
    :mod:`evidence.analyses.selection`), every published count is perturbed by a small whole number that is a
    function of its cell key only (:class:`CellKeyNoise`): the same records give the same published count in
    every table, every run and every brief, and the difference of two outputs is a withheld count plus the
    difference of two independent perturbations (often 0): uncertain, not impossible to guess. Small true counts are still withheld (the threshold
    rule, ``<5``), as is a count whose perturbed value falls below the threshold; a true zero is published as
    0 (no records, no key). Totals are cells of their own, perturbed by their own key, so a perturbed table does
    not add up exactly; but half the perturbations are 0 and zeros are exact, so a reader who takes a line as
    exact (58 | ``<5`` | 0 | total 59: the ``<5`` is 1) is right half the time or more. Within one table,
    perturbed counts therefore get the same secondary suppression and audit as exact ones (a ``<5`` is never
    alone in its line), run on the true counts: the reader's best guess is the published line taken as exact,
    right whenever its perturbations are 0; a label is read of the published value (a ``<5`` may hide a 5 moved
    down), so the audit's bounds take the true count in. Between outputs the protection is probabilistic: the
    perturbation is unbounded (two-sided geometric), so the difference of two outputs is uncertain, not
    impossible to guess (its spread is small, standard deviation about 1.2 a cell).

Shares
    :func:`disclosed_share` divides a published cell by its published line total; a share is null (shown
    "–") when either is suppressed, because a share and its denominator would give the count back.

Checking output
    :func:`check_disclosed` lists small counts in values (a frame, a series, numbers);
    :func:`find_small_counts` / :func:`assert_no_small_counts` scan rendered text or HTML (heuristics below).

What a number counts
    Only counts of people are small-cell disclosures: "4 lists", "3 countries" or "2 replicates" are not.
    The toolkit's outputs say what their numbers count instead of leaving the scanner to guess from words:
    an element of rendered HTML (a table cell, a ``<span>`` around a number in prose) carries
    ``data-kind="<kind>"`` with one of :data:`NUMBER_KINDS`
    (:func:`evidence.presentation.markup.number` and the table writer of :mod:`evidence.presentation.tables`
    write it). The scanner skips what is marked as any kind but :data:`PEOPLE`, checks every number marked
    :data:`PEOPLE` strictly, and reads unmarked text with its heuristics. A name from the data written into
    prose is marked :data:`LABEL` (:func:`evidence.presentation.markup.data_label`), as table headers are:
    "alert(2)" or "Q6.1_10s_2019" counts nobody, and only the name is skipped, never the counts beside it.
"""

from __future__ import annotations

import functools
import html
import itertools
import math
import re
import threading
import weakref
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, ParamSpec, TypeVar

import polars as pl

from evidence.core.errors import EvidenceError, ParameterError
from evidence.core.highs import quiet_highs
from evidence.core.highs import run as run_highs

if TYPE_CHECKING:
    import numpy as np

_P = ParamSpec("_P")
_R = TypeVar("_R")

__all__ = [
    "CENSORED",
    "COMPLEMENT_LABEL",
    "COMPLEMENT_REASON",
    "DEFAULT_NOISE",
    "DEFAULT_RULE",
    "KIND_ATTRIBUTE",
    "NUMBER_KINDS",
    "PEOPLE",
    "PERTURBATION_ACROSS_OUTPUTS",
    "PERTURBATION_NOTE",
    "SHARE_SUPPRESSED_LABEL",
    "TENTH_PERCENT_DIGITS",
    "UP_TO",
    "WHOLE_PERCENT_DIGITS",
    "CellKeyNoise",
    "DisclosedTable",
    "DisclosureError",
    "DisclosureRule",
    "LinearProgram",
    "LinkedCounts",
    "PinnedByLabels",
    "ProtectionSearchGaveUp",
    "SmallCountHit",
    "SolverUnanswered",
    "TableCell",
    "assert_no_small_counts",
    "carried_cell_keys",
    "check_disclosed",
    "disclosed_share",
    "fails_closed",
    "find_small_counts",
    "integer_exposures",
    "linked_exposures",
    "programmes_unanswered",
    "protect_linked",
    "protect_together",
    "range_text",
    "require_disclosed",
    "suppress_bounds",
    "suppress_counts",
    "suppress_crosstab",
    "suppress_table",
]

#: Shown for a cell withheld only so that a small count elsewhere cannot be recomputed (a complement).
COMPLEMENT_LABEL = "x"
#: Shown for a share that cannot be published because its count or its denominator is suppressed.
SHARE_SUPPRESSED_LABEL = "–"
SUPPRESSED_SUFFIX = "_suppressed"

_SMALL, _COMPLEMENT = "small", "complement"
#: The reason :attr:`DisclosedTable.reasons` gives for a cell withheld as a complement (shown as ``x``).
COMPLEMENT_REASON = _COMPLEMENT
#: The reason :attr:`DisclosedTable.reasons` gives for a cell withheld as small (shown as ``<5``).
SMALL_REASON = _SMALL


#: How a range of counts whose low end is below the threshold is written (``up to 12``): its low end is never
#: printed as a number (:func:`range_text`).
UP_TO = "up to"


def range_text(low: int, high: int, rule: DisclosureRule | None = None, *, low_below: bool = False) -> str:
    """A range of counts of people (``low``–``high``) as every table and sentence writes it, the one rule:

    * equal ends: the count (``1,541``), or the rule's label where it is small (``<5``);
    * a high end below the threshold (the whole range is): the label, ``<5`` (``0`` when both ends are 0);
    * a low end below the threshold (0, or ``low_below``: known to be whatever the rule, as the low bound
      of a sum of the publisher's ``<5`` cells is): ``up to 12``, never ``3–12``, ``0–12`` nor ``<5–12``;
    * else both ends, ``1,541–1,550``.

    So no end below the threshold is ever printed as a number, and the scan (:func:`find_small_counts`)
    reads the text as it reads any count. Without ``rule`` the ends are protected already (each a published
    count: :func:`evidence.notebooks.builders.published_pair`), and only ``low_below`` or a low end of 0 says
    the low end is below the threshold."""
    if low > high:
        raise ParameterError(f"a range's low end ({low:,}) is above its high end ({high:,})")
    if low == high and not low_below:
        return rule.label if rule is not None and rule.is_small(low) else f"{low:,}"
    if rule is not None and high < rule.threshold:
        return "0" if high == 0 and rule.zero_is_safe else rule.label
    if low_below or low == 0 or (rule is not None and low < rule.threshold):
        return f"{UP_TO} {high:,}"
    return f"{low:,}–{high:,}"


class DisclosureError(EvidenceError):
    """Output would reveal a small count (a count the disclosure rule suppresses)."""


class PinnedByLabels(DisclosureError):
    """:func:`protect_linked` withheld every count it may around a small one, and the labels left (``<5``, ``x``,
    the published counts) still pin it: no withholding protects these counts as they are tied."""


class ProtectionSearchGaveUp(DisclosureError):
    """:func:`protect_linked`'s search for counts to withhold stopped before it found a protection or proved that
    there is none: a count stayed exposed for more than ``patience`` rounds, the rounds ran out, or no single
    count withheld freed a count pinned in whole numbers. Withholding several counts together, or more patience,
    may still protect it (unlike :class:`PinnedByLabels`)."""


class SolverUnanswered(DisclosureError):
    """The solver (HiGHS) left a programme of a disclosure audit unanswered, twice, while a table was made
    (:func:`fails_closed`): what the programme was to prove is unproved, so no table is published whose
    protection rests on it. An audit takes an unproved count as pinned (it withholds more), but a table that
    takes counts pinned whatever it withholds as given back by other tables (theirs to protect) would read
    every count as given and withhold nothing."""


#: How many programmes the disclosure audits have left unanswered, twice, in this process (:func:`fails_closed`).
_unanswered_count = 0
_UNANSWERED_LOCK = threading.Lock()


def _count_unanswered() -> None:
    global _unanswered_count
    with _UNANSWERED_LOCK:
        _unanswered_count += 1


def programmes_unanswered() -> int:
    """How many programmes the disclosure audits have left unanswered, twice, in this process so far (by any
    thread: a count a table makes cannot say which thread solved its programmes)."""
    return _unanswered_count


def fails_closed(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """``function``, which makes published tables, raising :class:`SolverUnanswered` instead of returning (or of
    raising another :class:`DisclosureError`, which a caller may read as a table too small to protect and keep)
    when a programme of a disclosure audit went unanswered while it ran (:func:`programmes_unanswered`), whatever
    the function did with the errors its protections raised."""

    def unanswered(failed: int) -> SolverUnanswered:
        return SolverUnanswered(
            f"these counts cannot be proved safe to publish: the solver (HiGHS) left {failed} of the "
            "programmes of their audits unanswered, twice, while they were protected (a count it cannot prove "
            "protected may have been read as given back by another table): no table of them is published"
        )

    @functools.wraps(function)
    def checked(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        before = programmes_unanswered()
        try:
            result = function(*args, **kwargs)
        except SolverUnanswered:
            raise
        except DisclosureError as error:  # "too small to protect", perhaps only for the solver's silence
            if failed := programmes_unanswered() - before:
                raise unanswered(failed) from error
            raise
        if failed := programmes_unanswered() - before:
            raise unanswered(failed)
        return result

    return checked


@dataclass(frozen=True)
class DisclosureRule:
    """Counts from 1 to ``threshold - 1`` are suppressed (and 0 too when ``zero_is_safe`` is false)."""

    threshold: int = 5
    zero_is_safe: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int) or self.threshold < 2:
            raise ParameterError(
                f"disclosure threshold must be a whole number of at least 2, got {self.threshold!r}"
            )

    @property
    def label(self) -> str:
        """How a suppressed small count is shown, e.g. ``"<5"``."""
        return f"<{self.threshold}"

    @property
    def smallest_small(self) -> int:
        """The smallest count that is suppressed (1, or 0 when zeros are not safe)."""
        return 1 if self.zero_is_safe else 0

    def is_small(self, value: float | None) -> bool:
        """Whether one count must be suppressed."""
        return value is not None and self.smallest_small <= value < self.threshold

    def small_expr(self, column: str | pl.Expr) -> pl.Expr:
        """A polars expression: true where the count must be suppressed (false for nulls)."""
        expr = pl.col(column) if isinstance(column, str) else column
        return expr.is_between(self.smallest_small, self.threshold, closed="left").fill_null(False)

    def describe(self) -> str:
        """One sentence for a table footnote or a methods section."""
        zero = "" if self.zero_is_safe else " (zeros included)"
        return (
            f"Counts below {self.threshold}{zero} are shown as {self.label}; cells marked {COMPLEMENT_LABEL} "
            "are withheld so that a small count cannot be recomputed from the table's totals."
        )


#: UNODC's convention: counts of 1-4 are shown as "<5".
DEFAULT_RULE = DisclosureRule()

#: The digits of a share (0..1) shown as a whole percent ("45%") and as a tenth of one ("45.3%"). A chart keeps
#: no more digits than the table it draws: a share to more digits times its published denominator gives the
#: count back (and, from a published total, a withheld one).
WHOLE_PERCENT_DIGITS = 2
TENTH_PERCENT_DIGITS = 3

#: Cell keys are whole numbers taken modulo this bound (as the record keys of :mod:`evidence.analyses.selection`).
KEY_MODULUS = 2**32
#: Told to readers beneath every perturbed table: short, because a brief has many such tables; what the
#: perturbation means across outputs is said once, in a brief's methods and its *About this brief*.
PERTURBATION_NOTE = (
    "Counts are perturbed slightly (cell key method): a total may differ from the sum of its parts by a few."
)
#: Said where no methods section follows (the command line's tables): what the perturbation means across outputs.
PERTURBATION_ACROSS_OUTPUTS = (
    "Each count is perturbed the same way in every output, so the difference of two outputs is uncertain, "
    "not impossible to guess."
)


@dataclass(frozen=True)
class CellKeyNoise:
    """The perturbation of the cell key method: a two-sided geometric distribution, P(p) ∝ ``ratio``^|p|
    (p = 0 with probability (1 − ratio)/(1 + ratio): 0.5 for the default 1/3; standard deviation about 1.2),
    read at the cell key as a quantile: the cell key, a whole number below 2**32, maps to a point of (0, 1)
    and the perturbation is the distribution's quantile there. Every whole number has positive probability."""

    ratio: float = 1 / 3

    def __post_init__(self) -> None:
        if not 0 < self.ratio < 1:
            raise ParameterError(f"the perturbation ratio must be between 0 and 1, not {self.ratio!r}")

    def perturbations(self, cell_keys: Sequence[int]) -> list[int]:
        """The perturbation of each cell key."""
        import numpy as np

        # the support that a key's resolution (2**-32) can reach, and the distribution's CDF on it
        reach = math.ceil(math.log(2.0**-34) / math.log(self.ratio))
        support = np.arange(-reach, reach + 1)
        mass = self.ratio ** np.abs(support.astype(float))
        cdf = np.cumsum(mass / mass.sum())
        quantile = (np.asarray([k % KEY_MODULUS for k in cell_keys], dtype=float) + 0.5) / KEY_MODULUS
        index = np.minimum(np.searchsorted(cdf, quantile, side="left"), len(support) - 1)
        return [int(v) for v in support[index]]

    def describe(self) -> str:
        """One sentence for a methods section."""
        zero = (1 - self.ratio) / (1 + self.ratio)
        return (
            "cell key method: every count of victim records is moved by a whole number drawn, once per set of "
            f"records, from a two-sided geometric distribution (ratio {self.ratio:.3g}; unchanged with "
            f"probability {zero:.0%})"
        )


#: The perturbation every protected output uses (changing it changes every published cell).
DEFAULT_NOISE = CellKeyNoise()


@dataclass(frozen=True)
class DisclosedTable:
    """A table that has passed disclosure control: only publishable values, plus where cells were withheld.

    ``frame`` has the key columns, each count column as a nullable ``Int64`` (null where suppressed) and a
    boolean ``<column>_suppressed`` beside it. With margins, the last row is the totals row (null keys) and,
    for two or more count columns, ``total_label`` is an extra count column.
    """

    frame: pl.DataFrame
    count_columns: tuple[str, ...]
    rule: DisclosureRule
    n_primary: int
    n_secondary: int
    has_total_row: bool = False
    has_total_column: bool = False
    total_label: str = "Total"
    # Per count column: "small", "complement" or null; needed to tell "<5" from "x" when displaying.
    reasons: pl.DataFrame = field(repr=False, default_factory=pl.DataFrame)
    #: whether the published counts were perturbed by the cell key method (see the module docstring)
    perturbed: bool = False
    #: Per count column, row for row (margins included): whether the cell is made only of the publisher's own
    #: censored counts (``censored`` of :func:`suppress_table`), whose bounds anyone with the file has; empty
    #: when none is (exact counts, or a table not made by :func:`suppress_table`).
    known: pl.DataFrame = field(repr=False, default_factory=pl.DataFrame)
    #: Per count column, row for row: the value of each :attr:`known` cell (a bound of the publisher's censored
    #: counts, public: a sum of three ``<5`` cells has the low bound 3), null elsewhere; shown only as the end
    #: of an interval of such bounds (``3–12``), marked :data:`CENSORED`, never as a count of people. Empty
    #: when no cell is known.
    known_values: pl.DataFrame = field(repr=False, default_factory=pl.DataFrame)

    def known_cells(self, column: str) -> list[bool]:
        """:attr:`known` of one count column (all false when the table records none)."""
        if column in self.known.columns:
            return [bool(v) for v in self.known[column].to_list()]
        return [False] * self.frame.height

    def known_value_cells(self, column: str) -> list[int | None]:
        """:attr:`known_values` of one count column (all None when the table records none)."""
        if column in self.known_values.columns:
            return [None if v is None else int(v) for v in self.known_values[column].to_list()]
        return [None] * self.frame.height

    def describe(self) -> str:
        """What a reader of this table needs to know about its protection, in a sentence or two."""
        return self.rule.describe() + (
            f" {PERTURBATION_NOTE} {PERTURBATION_ACROSS_OUTPUTS}" if self.perturbed else ""
        )

    @property
    def key_columns(self) -> list[str]:
        """The columns that name a row (everything but counts and their suppression flags)."""
        flags = {c + SUPPRESSED_SUFFIX for c in self.count_columns}
        return [c for c in self.frame.columns if c not in self.count_columns and c not in flags]

    @property
    def n_suppressed(self) -> int:
        """Cells withheld: small counts plus complements."""
        return self.n_primary + self.n_secondary

    @property
    def body(self) -> pl.DataFrame:
        """The frame without the totals row and the total column (for charts and further joins)."""
        frame = self.frame.head(self.frame.height - 1) if self.has_total_row else self.frame
        if self.has_total_column:
            frame = frame.drop(self.total_label, self.total_label + SUPPRESSED_SUFFIX)
        return frame

    @property
    def value_columns(self) -> list[str]:
        """The count columns of the body (without the total column)."""
        return [c for c in self.count_columns if not (self.has_total_column and c == self.total_label)]

    def display(self, *, thousands_separator: str = ",", missing: str = "") -> pl.DataFrame:
        """All columns as strings: ``"<5"`` for small counts, ``"x"`` for complements, else ``"1,234"``."""

        def fmt(value: int | None, reason: str | None) -> str:
            if reason == _SMALL:
                return self.rule.label
            if reason == _COMPLEMENT:
                return COMPLEMENT_LABEL
            if value is None:
                return missing
            return f"{value:,}".replace(",", thousands_separator)

        columns = self.keys_shown()
        for column in self.count_columns:
            columns[column] = [
                fmt(v, r)
                for v, r in zip(self.frame[column].to_list(), self.reasons[column].to_list(), strict=True)
            ]
        return pl.DataFrame(columns, schema={c: pl.String for c in columns})

    def keys_shown(self) -> dict[str, list[str]]:
        """The key columns as :meth:`display` shows them (the total row's label in the first), without
        formatting the counts: what a table shown another way (bounds) takes its row labels from."""
        columns = {
            key: ["" if v is None else str(v) for v in self.frame[key].to_list()] for key in self.key_columns
        }
        if self.has_total_row and self.key_columns:
            columns[self.key_columns[0]][-1] = self.total_label
        return columns

    def to_long(self, names_to: str = "column", values_to: str = "count") -> DisclosedTable:
        """The body (totals left out) as a long table: one row per key and value column, marks kept.

        For charts that take long data (e.g. :func:`~evidence.presentation.charts.stacked_share_chart`) from
        a table protected with its margins.
        """
        keys = self.key_columns
        clash = {names_to, values_to} & set(keys)
        if clash or names_to == values_to:
            raise ParameterError(f"to_long: choose names that are not key columns ({', '.join(keys)})")
        rows = self.frame.height - 1 if self.has_total_row else self.frame.height
        columns = self.value_columns
        index = pl.int_range(pl.len()).alias("__position")
        body = self.frame.head(rows).with_columns(index)
        reasons = self.reasons.head(rows).with_columns(index)
        values = body.unpivot(
            on=columns, index=[*keys, "__position"], variable_name=names_to, value_name=values_to
        )
        why = reasons.unpivot(on=columns, index="__position", variable_name=names_to, value_name="__reason")
        joined = values.join(why, on=["__position", names_to], how="left", maintain_order="left")
        frame = joined.select(
            *keys,
            names_to,
            pl.col(values_to).cast(pl.Int64),
            pl.col("__reason").is_not_null().alias(values_to + SUPPRESSED_SUFFIX),
        )
        reason_column = joined.select(pl.col("__reason").alias(values_to))
        known = known_values = pl.DataFrame()
        if (
            not self.known.is_empty()
        ):  # the publisher's own censored cells stay marked (a chart's note names them)
            marks = pl.DataFrame(
                {c: self.known_cells(c)[:rows] for c in columns}, schema=dict.fromkeys(columns, pl.Boolean)
            )
            bounds = pl.DataFrame(
                {c: self.known_value_cells(c)[:rows] for c in columns},
                schema=dict.fromkeys(columns, pl.Int64),
            )
            long = [
                values.select("__position", names_to)
                .join(
                    part.with_columns(index).unpivot(
                        on=columns, index="__position", variable_name=names_to, value_name=values_to
                    ),
                    on=["__position", names_to],
                    how="left",
                    maintain_order="left",
                )
                .select(values_to)
                for part in (marks, bounds)
            ]
            known, known_values = long[0].with_columns(pl.col(values_to).fill_null(False)), long[1]
        return DisclosedTable(
            frame=frame,
            count_columns=(values_to,),
            rule=self.rule,
            n_primary=int((reason_column[values_to] == _SMALL).sum()),
            n_secondary=int((reason_column[values_to] == _COMPLEMENT).sum()),
            total_label=self.total_label,
            reasons=reason_column,
            perturbed=self.perturbed,
            known=known,
            known_values=known_values,
        )

    def _overview(self, most: int = 10) -> tuple[str, list[tuple[str, list[str]]], list[str], list[int]]:
        """What a notebook shows of the table: a title, (label, text) lines, and the columns and rows of
        :meth:`display` it shows (at most ``most`` rows and the totals row): only what it publishes, never a
        withheld count nor a cell key (a column of cell keys or record ids a table kept among its keys is left
        out, and with it every count when the table was not perturbed by them: those counts are exact)."""
        from evidence.analyses.selection import CELL_KEY, RECORD_CELL_KEY, STABLE_ID

        keyed = {CELL_KEY, RECORD_CELL_KEY, *(f"{c}_key" for c in self.count_columns)}
        hidden = [c for c in self.key_columns if c in keyed or c == STABLE_ID]
        shown = [c for c in self.display().columns if c not in hidden]
        body = self.frame.height - 1 if self.has_total_row else self.frame.height
        values = self.value_columns
        names = ", ".join(values[:6]) + (f" and {len(values) - 6} more" if len(values) > 6 else "")
        totals = " with totals" if self.has_total_row or self.has_total_column else ""
        title = (
            f"{body:,} row{'s' if body != 1 else ''} × {len(values)} count column{'s' if len(values) != 1 else ''}"
            f" ({names}){totals}, protected"
        )
        parts = [f"{self.n_primary:,} small ({self.rule.label})"] if self.n_primary else []
        if self.n_secondary:
            parts.append(
                f"{self.n_secondary:,} complementary ({COMPLEMENT_LABEL}: so that no small count can be recomputed)"
            )
        withheld = (
            f"{self.n_suppressed:,} cell{'s' if self.n_suppressed != 1 else ''}: {', '.join(parts)}"
            if parts
            else "no cell"
        )
        protection = f"counts below {self.rule.threshold} withheld ({self.rule.label})"
        if self.perturbed:
            protection += "; every count perturbed by the cell key method (totals may differ from their sums)"
        lines = [("withheld", [withheld]), ("protection", [protection])]
        rows = [*range(min(body, most)), *([self.frame.height - 1] if self.has_total_row else [])]
        if hidden and not self.perturbed:
            exact = (
                f"the table keeps cell keys ({', '.join(hidden)}) beside counts it did not perturb: its counts "
                "are exact, not publishable; protect the counts with their keys (evidence.notebooks.builders.protect)"
            )
            lines.append(("not shown", [exact]))
            shown, rows = [], []
        elif body > most:
            lines.append(
                ("not shown", [f"{body - most:,} more rows: .display() shows every cell as published"])
            )
        lines.append(
            ("see", [".display() (every cell as published), .frame (null where withheld), .describe()"])
        )
        return title, lines, shown, rows

    def __repr__(self) -> str:
        """What a notebook shows of a protected table left as a cell's value: its protection and its cells as
        published (``<5``, ``x``), never a withheld count or a cell key (the dataclass's repr printed
        the frames)."""
        from evidence.core.text import overview_text

        title, lines, columns, rows = self._overview()
        if columns:
            shown = self.display().select(columns)
            cells = [columns, *(list(shown.row(i)) for i in rows)]
            widths = [max(len(row[j]) for row in cells) for j in range(len(columns))]
            numeric = [c in self.count_columns for c in columns]
            table = [
                "  ".join(
                    text.rjust(width) if right else text.ljust(width)
                    for text, width, right in zip(row, widths, numeric, strict=True)
                ).rstrip()
                for row in cells
            ]
            lines.insert(2, ("published", ["".join(f"\n    {line}" for line in table)]))
        return overview_text("DisclosedTable", title, lines)

    def _repr_html_(self) -> str:
        """The same as :meth:`__repr__` for JupyterLab: its cells as the toolkit's table writer writes them
        (escaped, each count marked as a count of people for the disclosure scan)."""
        import dataclasses

        from evidence.core.text import overview_html
        from evidence.presentation.tables import is_source_note, table_data

        title, lines, columns, rows = self._overview()
        after = ""
        if columns:
            data = table_data(self, source="-")
            keep = [i for i, c in enumerate(data.columns) if c.name in columns]
            data = dataclasses.replace(
                data,
                columns=tuple(data.columns[i] for i in keep),
                rows=tuple(tuple(data.rows[r][i] for i in keep) for r in rows),
                notes=tuple(n for n in data.notes if not is_source_note(n)),
                row_headers=sum(1 for c in self.key_columns if c in columns),
            )
            after = data.to_html()
        return overview_html("DisclosedTable", title, lines, after)


# --------------------------------------------------------------------------------------------- validation


def _as_counts(df: pl.DataFrame, columns: Sequence[str], *, allow_null: bool) -> pl.DataFrame:
    """Check count columns (whole, non-negative numbers) and cast them to Int64."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ParameterError(f"count column(s) not in the table: {', '.join(missing)}")
    schema = df.schema
    numeric = [(i, column) for i, column in enumerate(columns) if schema[column].is_numeric()]
    floats = [(i, column) for i, column in numeric if schema[column].is_float()]
    # the float columns' checks in one pass (nulls take no part in any() and comparisons), raised in their order
    checks: dict[str, Any] = (
        df.select(
            check
            for i, column in floats
            for check in (
                (
                    pl.col(column).is_nan()
                    | pl.col(column).is_infinite()
                    | (pl.col(column) != pl.col(column).round(0))
                )
                .any()
                .alias(f"fraction{i}"),
                (pl.col(column) < 0).any().alias(f"negative{i}"),
                pl.col(column).null_count().alias(f"null{i}"),
            )
        ).row(0, named=True)
        if floats
        else {}
    )
    # a whole-number column's from the column itself: its null count is kept with it, its minimum is one pass
    # (no query per table: most tables hold whole numbers only); no value is a fraction
    for i, column in numeric:
        if not schema[column].is_float():
            values = df.get_column(column)
            smallest: Any = values.min()
            checks[f"fraction{i}"] = False
            checks[f"negative{i}"] = smallest is not None and smallest < 0
            checks[f"null{i}"] = values.null_count()
    for i, column in enumerate(columns):
        if not schema[column].is_numeric():
            raise ParameterError(f"count column {column!r} is {schema[column]}, not a number")
        if checks[f"fraction{i}"]:
            raise ParameterError(f"count column {column!r} holds values that are not whole numbers")
        if checks[f"negative{i}"]:
            raise ParameterError(f"count column {column!r} holds negative values")
        if not allow_null and checks[f"null{i}"]:
            raise ParameterError(
                f"count column {column!r} has missing values; a table with totals needs every cell "
                "(fill true zeros with 0 or drop the row)"
            )
    if all(schema[column] == pl.Int64 for column in columns):
        return df  # counts already
    return df.with_columns(pl.col(column).cast(pl.Int64) for column in columns)


def _flag_column(column: str) -> str:
    return column + SUPPRESSED_SUFFIX


# ------------------------------------------------------------------------------------- primary suppression


def carried_cell_keys(df: pl.DataFrame, count_columns: Sequence[str]) -> pl.DataFrame | None:
    """The cell keys an analysis carried beside its counts of records protected by cell key
    (``<column>_key``, or ``cell_key`` beside a single count column: ``trends.yearly_counts``, ``routes.flows``),
    as ``cell_keys`` takes them (a column per count column); None when the frame carries none. Raises
    ``ParameterError`` when some count columns carry keys and others do not."""
    from evidence.analyses.selection import CELL_KEY

    found = {c: f"{c}_key" for c in count_columns if f"{c}_key" in df.columns}
    if CELL_KEY in df.columns and len(count_columns) == 1 and not found:
        found = {count_columns[0]: CELL_KEY}
    if found and len(found) != len(count_columns):
        raise ParameterError(
            "these counts carry cell keys (victim records protected by cell key) but not for every column: "
            f"{', '.join(c for c in count_columns if c not in found)} has none; protect each with its key"
        )
    if CELL_KEY in df.columns and not found:
        raise ParameterError(
            f"the frame carries {CELL_KEY!r} (records protected by cell key) beside several count columns: "
            "which count is it the key of? Give each count its own '<column>_key', or cell_keys="
        )
    return df.select(pl.col(k).alias(c) for c, k in found.items()) if found else None


def _without_carried_keys(
    df: pl.DataFrame, count_columns: Sequence[str], cell_keys: pl.DataFrame | None
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """``df`` without the cell keys it carries, and the keys to perturb its counts by: those given, else those
    it carries (:func:`carried_cell_keys`). A key column left in the frame would be published as a key of the
    table, and the counts beside it exact, not perturbed as every other output of those records."""
    from evidence.analyses.selection import CELL_KEY

    carried = [c for c in (CELL_KEY, *(f"{c}_key" for c in count_columns)) if c in df.columns]
    if not carried:
        return df, cell_keys
    if cell_keys is None:
        cell_keys = carried_cell_keys(df, count_columns)
    return df.drop(carried), cell_keys


def suppress_counts(
    df: pl.DataFrame,
    count_columns: str | Sequence[str],
    rule: DisclosureRule = DEFAULT_RULE,
    *,
    cell_keys: pl.DataFrame | None = None,
    noise: CellKeyNoise = DEFAULT_NOISE,
) -> DisclosedTable:
    """Primary suppression of a long table whose totals are NOT published alongside it.

    Every other column is a key. Missing counts stay missing (not suppressed). If you publish totals, or
    shares of a total, use :func:`suppress_table` instead: primary suppression alone lets a lone suppressed
    cell be recomputed from its total. With ``cell_keys`` (a frame with a column per count column, row for row)
    the counts are perturbed by the cell key method (see the module docstring); a frame that carries its cell
    keys (:func:`carried_cell_keys`) is perturbed by them, and they are not published.
    """
    count_columns = [count_columns] if isinstance(count_columns, str) else list(count_columns)
    df, cell_keys = _without_carried_keys(df, count_columns, cell_keys)
    if bounds := [
        f"{c}{end}" for c in count_columns for end in ("_low", "_high") if f"{c}{end}" in df.columns
    ]:
        # as keys they would be published beside the protected counts, unprotected
        raise ParameterError(
            f"the table carries {', '.join(map(repr, bounds))}, bounds of the counts it protects: every column "
            "but the counts is published as a key, so select the keys and counts to publish (or protect the "
            "bounds as counts too, or with suppress_bounds)"
        )
    counts = _as_counts(df, count_columns, allow_null=True)
    # each column's values and which are small, as lists: the frame is made from them without a query (a
    # brief protects dozens of small tables, and a query costs more than the protecting)
    values: dict[str, list[int | None]]
    if cell_keys is not None:
        keys = _keys_of(cell_keys, count_columns, counts.height)
        perturbed = {c: _perturbed(counts[c].to_list(), keys[c], rule, noise) for c in count_columns}
        values = {c: [v for v, _ in perturbed[c]] for c in count_columns}
        small = {c: [r == _SMALL for _, r in perturbed[c]] for c in count_columns}
    else:
        values = {c: counts.get_column(c).to_list() for c in count_columns}
        low, high = rule.smallest_small, rule.threshold  # rule.is_small, inline (a call per cell)
        small = {c: [v is not None and low <= v < high for v in values[c]] for c in count_columns}
    flags = _series_of([(_flag_column(c), small[c]) for c in count_columns], pl.Boolean)
    # a column of exact counts with nothing withheld is published as it is (no Series made anew)
    as_it_is = [cell_keys is None and not any(small[c]) for c in count_columns]
    made = iter(
        _series_of(
            [
                (c, [None if s else v for v, s in zip(values[c], small[c], strict=True)])
                for c, kept in zip(count_columns, as_it_is, strict=True)
                if not kept
            ],
            pl.Int64,
        )
    )
    published = [
        counts.get_column(c) if kept else next(made) for c, kept in zip(count_columns, as_it_is, strict=True)
    ]
    frame = with_series(counts, [*published, *flags])
    reasons = (
        _typed_frame({c: [_SMALL if s else None for s in small[c]] for c in count_columns}, pl.String)
        if len(set(count_columns)) == len(count_columns)
        else pl.DataFrame(  # a column named twice: the dict keeps it once, as it always did
            {c: [_SMALL if s else None for s in small[c]] for c in count_columns},
            schema={c: pl.String for c in count_columns},
        )
    )
    n_primary = sum(sum(small[c]) for c in count_columns)
    return DisclosedTable(
        frame=frame,
        count_columns=tuple(count_columns),
        rule=rule,
        n_primary=n_primary,
        n_secondary=0,
        reasons=reasons,
        perturbed=cell_keys is not None,
    )


def with_series(frame: pl.DataFrame, columns: Sequence[pl.Series]) -> pl.DataFrame:
    """``frame.with_columns(columns)`` for Series as long as the frame, made without a query: a Series named as
    a column of the frame takes its place, the others are added after, in order (``with_columns`` itself where
    two are named alike, or one is of another length)."""
    names = [c.name for c in columns]
    if len(set(names)) != len(names) or not frame.width or any(len(c) != frame.height for c in columns):
        return frame.with_columns(columns)
    # a clone shares the frame's columns (no copy), and replacing one of its own leaves the frame as it was: a
    # sixth of the cost of a frame made anew from its Series (a protected table's cells are withheld column by
    # column, thousands of times a brief)
    out = frame.clone()
    at = {name: k for k, name in enumerate(frame.columns)}
    added = []
    for column in columns:
        if column.name in at:
            out.replace_column(at[column.name], column)
        else:
            added.append(column)
    return out.hstack(added) if added else out


def withhold_cells(table: DisclosedTable, column: str, rows: Sequence[int]) -> DisclosedTable:
    """``table`` with the cells of ``column`` at ``rows`` withheld as well, as complements (shown ``x``); a
    cell already withheld keeps its reason (``<5`` stays ``<5``)."""
    if not rows:
        return table
    values = table.frame[column].to_list()
    why = table.reasons[column].to_list()
    added = sum(1 for r in set(rows) if why[r] is None)
    for row in rows:
        if why[row] is None:
            values[row], why[row] = None, _COMPLEMENT
    return replace(
        table,
        frame=with_series(
            table.frame,
            [
                pl.Series(column, values, dtype=pl.Int64),
                pl.Series(_flag_column(column), [w is not None for w in why]),
            ],
        ),
        reasons=with_series(table.reasons, [pl.Series(column, why, dtype=pl.String)]),
        n_secondary=table.n_secondary + added,
    )


def _keys_of(cell_keys: pl.DataFrame, columns: Sequence[str], height: int) -> dict[str, list[int]]:
    """The cell keys of each count column, checked: one whole number per cell."""
    missing = [c for c in columns if c not in cell_keys.columns]
    if missing or cell_keys.height != height:
        raise ParameterError(
            f"cell_keys needs a column per count column ({', '.join(columns)}) and a row per row of the table"
        )
    keys = {c: cell_keys[c].to_list() for c in columns}
    if any(k is None for c in columns for k in keys[c]):
        raise ParameterError("every cell needs a cell key (a missing count has key 0)")
    return keys


def _perturbed(
    values: Sequence[int | None], keys: Sequence[int], rule: DisclosureRule, noise: CellKeyNoise
) -> list[tuple[int | None, str | None]]:
    """Each count as published under the cell key method, and why it is withheld ("small") if it is.

    A true zero stays 0; a small true count is withheld; any other count moves by its key's perturbation and is
    withheld when that takes it below the threshold (its published value would be a small count)."""
    moves = noise.perturbations(keys)
    out: list[tuple[int | None, str | None]] = []
    for value, move in zip(values, moves, strict=True):
        if value is None:
            out.append((None, None))
        elif rule.is_small(value):
            out.append((None, _SMALL))
        elif value == 0:
            out.append((0, None))
        elif value + move < rule.threshold:
            out.append((None, _SMALL))
        else:
            out.append((value + move, None))
    return out


# -------------------------------------------------------------------------- tables with margins (secondary)


@dataclass
class _Grid:
    """A table with margins as a flat list of cells and the linear constraints that tie them together."""

    values: list[int]
    lines: list[tuple[list[int], int]]  # (member cells, total cell): sum(members) == total
    n_rows: int  # including the totals row
    n_cols: int  # including the total column, if any
    _cell_lines: dict[int, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for index, (members, total) in enumerate(self.lines):
            for cell in [*members, total]:
                self._cell_lines.setdefault(cell, []).append(index)

    def lines_of(self, cell: int) -> list[int]:
        """The constraints (lines) a cell takes part in: its row and its column."""
        return self._cell_lines.get(cell, [])


def _grid_with_margins(matrix: list[list[int]]) -> _Grid:
    n_rows, n_cols = len(matrix), len(matrix[0])
    total_column = n_cols > 1  # a single count column is its own row total
    width = n_cols + 1 if total_column else n_cols
    values: list[int] = []
    for row in matrix:
        values.extend(row)
        if total_column:
            values.append(sum(row))
    for j in range(width):
        values.append(sum(values[i * width + j] for i in range(n_rows)))
    lines: list[tuple[list[int], int]] = []
    if total_column:
        for i in range(n_rows + 1):  # every row, the totals row included
            lines.append(([i * width + j for j in range(n_cols)], i * width + n_cols))
    for j in range(width):  # every column, the total column included
        lines.append(([i * width + j for i in range(n_rows)], n_rows * width + j))
    return _Grid(values=values, lines=lines, n_rows=n_rows + 1, n_cols=width)


def _attacker_bounds(
    grid: _Grid,
    status: list[str | None],
    rule: DisclosureRule,
    chosen_from: dict[int, list[int]],
    known: Sequence[bool] | None = None,
) -> list[tuple[float, float]]:
    """What someone who knows this algorithm can say about each cell from its label alone.

    A published cell is its value. A ``<5`` cell lies in 1..threshold-1. A complement was chosen among
    published positive cells, so it is at least the threshold; and, as the smallest of the candidates in the
    lines it was chosen from (``chosen_from``), it is at most any positive cell of those lines that is still
    published (a cell published now was published then; a ``known`` cell never was a candidate). Without such a
    cell, the upper bound is only there to keep the linear programs bounded: it lies well above the grand
    total, so it never binds.
    """
    ceiling = float(2 * grid.values[-1] + rule.threshold)
    bounds = []
    for cell, (value, reason) in enumerate(zip(grid.values, status, strict=True)):
        if reason == _SMALL:
            bounds.append((float(rule.smallest_small), float(rule.threshold - 1)))
        elif reason == _COMPLEMENT:
            rivals = [
                grid.values[c]
                for line in chosen_from.get(cell, ())
                for c in [*grid.lines[line][0], grid.lines[line][1]]
                if status[c] is None and grid.values[c] > 0 and not (known and known[c])
            ]
            low = float(rule.threshold if value >= rule.threshold else 0)
            bounds.append((low, float(min(rivals, default=ceiling))))
        else:
            bounds.append((float(value), float(value)))
    return bounds


def _movable_cells(grid: _Grid, hidden: list[int], bounds: list[tuple[float, float]]) -> list[int] | None:
    """The suppressed cells (positions in ``hidden``) that some table consistent with what is published sets
    to another value than the true one, found without linear programming; None when the lines of the table
    are not a network (then the linear programs decide).

    The lines of a table with margins are a network (the reason it is totally unimodular): signed so that
    each suppressed cell enters one line and leaves the other (a cell in one line only runs to a free
    "outside" node), every line with a suppressed cell is a node and every suppressed cell an arc; what is
    published is the supply of the nodes. From the true table, a cell below its upper bound can go up one
    (an arc forward), above its lower bound down one (an arc back). A cycle of such steps changes every cell
    on it by one and keeps every line's sum and every bound: a table consistent with everything published
    that differs from the true one by a whole count. A cell is movable when a path leads back from its arc's
    head to its tail without the cell itself. Conversely a table that differs in a cell is the true one plus a
    circulation, which splits into such cycles (each moving its cells the way the circulation does, so within
    their bounds): a cell on none of them is pinned. Exact, with whole numbers only.
    """
    outside = -1
    lines_of: list[list[int]] = []
    for cell in hidden:
        lines = grid.lines_of(cell)
        if not 1 <= len(lines) <= 2:
            return None
        lines_of.append(lines)

    def coefficient(cell: int, line: int) -> int:
        return -1 if grid.lines[line][1] == cell else 1

    # signs of the lines: a cell in two lines must have opposite signed coefficients in them
    sign: dict[int, int] = {}
    by_line: dict[int, list[int]] = {}
    for k, lines in enumerate(lines_of):
        for line in lines:
            by_line.setdefault(line, []).append(k)
    for start in by_line:
        if start in sign:
            continue
        sign[start] = 1
        todo = [start]
        while todo:
            line = todo.pop()
            for k in by_line[line]:
                for other in lines_of[k]:
                    if other == line:
                        continue
                    wanted = -sign[line] * coefficient(hidden[k], line) * coefficient(hidden[k], other)
                    if other not in sign:
                        sign[other] = wanted
                        todo.append(other)
                    elif sign[other] != wanted:
                        return None
    # each cell an arc tail -> head (leaves the line where its signed coefficient is -1)
    arcs: list[tuple[int, int]] = []
    for k, lines in enumerate(lines_of):
        ends = {sign[line] * coefficient(hidden[k], line): line for line in lines}
        arcs.append((ends.get(-1, outside), ends.get(1, outside)))
    steps: dict[int, list[tuple[int, int]]] = {}  # node -> (next node, cell) one step of the residual graph
    for k, (tail, head) in enumerate(arcs):
        value, (low, high) = float(grid.values[hidden[k]]), bounds[k]
        if not low <= value <= high:
            return None  # the true table breaks a bound: leave it to the linear programs
        if value < high:
            steps.setdefault(tail, []).append((head, k))
        if value > low:
            steps.setdefault(head, []).append((tail, k))

    def reaches(source: int, target: int, without: int) -> list[int] | None:
        """The cells on a path of steps from ``source`` to ``target`` that does not use cell ``without``."""
        came: dict[int, tuple[int, int]] = {source: (source, -1)}
        todo = [source]
        while todo:
            node = todo.pop()
            if node == target:
                path = []
                while node != source:
                    node, k = came[node]
                    path.append(k)
                return path
            for nxt, k in steps.get(node, ()):
                if k != without and nxt not in came:
                    came[nxt] = (node, k)
                    todo.append(nxt)
        return None

    movable: set[int] = set()
    for k, (tail, head) in enumerate(arcs):
        if k in movable:
            continue
        value, (low, high) = float(grid.values[hidden[k]]), bounds[k]
        path = reaches(head, tail, k) if value < high else None
        if path is None and value > low:
            path = reaches(tail, head, k)
        if path is not None:
            movable.update([k, *path])
    return sorted(movable)


def _exposed_cells(
    grid: _Grid,
    status: list[str | None],
    rule: DisclosureRule,
    chosen_from: dict[int, list[int]],
    known: Sequence[bool] | None = None,
    *,
    perturbed: bool = False,
) -> list[int]:
    """Suppressed cells whose value is the only one consistent with everything published.

    A cell is safe as soon as one feasible table differs from the true one in that cell (the true table is
    feasible, so the cell's interval then has width > 0). In a table with margins, whose lines form a network,
    a cycle of whole-count steps finds such a table for every cell that has one (:func:`_movable_cells`);
    otherwise linear programming does (:func:`_exposed_cells_by_lp`). The attacker knows the value of a
    ``known`` cell (a publisher's censored bound), withheld or not: it counts as published.
    """
    hidden = [i for i, s in enumerate(status) if s is not None and not (known and known[i])]
    if not hidden:
        return []
    all_bounds = _attacker_bounds(grid, status, rule, chosen_from, known)
    bounds = [all_bounds[cell] for cell in hidden]
    if perturbed:
        # a count the perturbation took below the threshold is withheld as small, and a complement may be
        # larger than a rival whose published value is larger: what a label says holds of the published
        # values, so each bound is widened to take the true count in
        bounds = [
            (min(low, float(grid.values[cell])), max(high, float(grid.values[cell])))
            for cell, (low, high) in zip(hidden, bounds, strict=True)
        ]
    movable = _movable_cells(grid, hidden, bounds)
    if movable is None:
        return _exposed_cells_by_lp(grid, hidden, bounds)
    moves = set(movable)
    return [cell for k, cell in enumerate(hidden) if k not in moves]


def _exposed_cells_by_lp(grid: _Grid, hidden: list[int], bounds: list[tuple[float, float]]) -> list[int]:
    """:func:`_exposed_cells` by linear programming: feasible tables are found with a few objectives that move
    many cells at once; the cells still unresolved get their own min/max."""
    import numpy as np

    position = {cell: k for k, cell in enumerate(hidden)}
    # Only lines with a suppressed cell constrain anything; published cells move to the right-hand side.
    row_of: list[int] = []
    column_of: list[int] = []
    coefficient: list[float] = []
    rhs: list[float] = []
    for members, total in grid.lines:
        entries: dict[int, float] = {}
        constant = 0.0
        for cell, sign in [(m, 1.0) for m in members] + [(total, -1.0)]:
            if cell in position:
                entries[position[cell]] = entries.get(position[cell], 0.0) + sign
            else:
                constant += sign * grid.values[cell]
        if entries:
            for k, value in entries.items():
                row_of.append(len(rhs))
                column_of.append(k)
                coefficient.append(value)
            rhs.append(-constant)
    program = LinearProgram(
        (row_of, column_of, coefficient, (len(rhs), len(hidden))),
        rhs,
        rhs,
        [low for low, _ in bounds],
        [high for _, high in bounds],
    )
    truth = np.array([grid.values[cell] for cell in hidden], dtype=float)
    unresolved = np.ones(len(hidden), dtype=bool)

    def differs_with(objective: np.ndarray) -> None:
        x = program.solution(objective)
        if x is not None:
            # a second whole value (:func:`_whole_numbers`): a vertex half a count away (lines that are no
            # network) leaves a single whole number to a reader who rounds
            unresolved[np.abs(x - truth) >= 1 - _WHOLE] = False

    rng = np.random.default_rng(0)  # fixed seed: the same table always gets the same suppression
    for objective in (unresolved * 1.0, unresolved * -1.0):
        differs_with(objective)
    for _ in range(4):
        if not unresolved.any():
            break
        differs_with(rng.choice([-1.0, 1.0], size=len(hidden)) * unresolved)
    exposed = []
    for k in np.flatnonzero(unresolved).tolist():
        objective = np.zeros(len(hidden))
        objective[k] = 1.0
        differs_with(objective)
        if unresolved[k]:
            differs_with(-objective)
        if unresolved[k]:
            exposed.append(hidden[k])
    return exposed


def _suppressed_in(grid: _Grid, status: list[str | None], known: Sequence[bool], line: int) -> int:
    """How many cells of a line are withheld (a ``known`` cell hides nothing: it counts as published)."""
    members, total = grid.lines[line]
    return sum(status[c] is not None and not known[c] for c in [*members, total])


def _withheld_sum_is_small(
    grid: _Grid, status: list[str | None], known: Sequence[bool], line: int, rule: DisclosureRule
) -> bool:
    """Whether the withheld cells of a line with a published total add up to a small count: the total less
    the published cells gives their sum (Male <5 and Unknown <5 beside Female 48 of 52: together 4 victims),
    a small count of its own, so the line needs another complement."""
    members, total = grid.lines[line]
    if status[total] is not None and not known[total]:
        return False
    hidden = sum(grid.values[c] for c in members if status[c] is not None and not known[c])
    return rule.is_small(hidden)


def _best_complement(
    grid: _Grid, status: list[str | None], known: Sequence[bool], candidate_lines: Iterable[int]
) -> int | None:
    """The complement to add in one of ``candidate_lines``: the published positive cell with the smallest value
    (ties: the one that also completes another line, then the first); None when there is none."""
    values = grid.values
    candidates = {
        c
        for line in candidate_lines
        for c in [*grid.lines[line][0], grid.lines[line][1]]
        if status[c] is None and values[c] > 0 and not known[c]  # a known cell hides nothing
    }
    if not candidates:
        return None

    def completes_another(cell: int) -> int:
        return -sum(_suppressed_in(grid, status, known, line) == 1 for line in grid.lines_of(cell))

    return min(candidates, key=lambda c: (values[c], completes_another(c), c))


def _widening_lines(grid: _Grid, status: list[str | None], cell: int) -> Iterable[list[int]]:
    """Where to find a complement for an exposed cell: its lines, then its suppressed neighbours' lines, then
    all."""
    own = grid.lines_of(cell)
    yield own
    neighbours = {
        c for line in own for c in [*grid.lines[line][0], grid.lines[line][1]] if status[c] is not None
    }
    yield sorted({line for c in neighbours for line in grid.lines_of(c)})
    yield list(range(len(grid.lines)))


def _complements_for(
    grid: _Grid,
    status: list[str | None],
    known: Sequence[bool],
    exposed: Sequence[int],
    add_complement: Callable[[int, list[int]], None],
) -> bool:
    """One complement for each exposed cell, looked for ever further afield (:func:`_widening_lines`), none in
    a line that already got one in this pass (the audit runs again first); whether any was added."""
    touched: set[int] = set()
    for cell in exposed:
        if touched.intersection(grid.lines_of(cell)):
            continue
        for lines in _widening_lines(grid, status, cell):
            complement = _best_complement(grid, status, known, lines)
            if complement is not None:
                add_complement(complement, lines)
                touched.update(grid.lines_of(complement))
                break
    return bool(touched)


def _pinned_by_labels(rule: DisclosureRule) -> PinnedByLabels:
    """:func:`protect_linked`'s error where nothing it may withhold is left around an exposed count."""
    return PinnedByLabels(
        "these counts cannot be published safely: even with every count withheld, the labels "
        f"determine a count below {rule.threshold}; merge categories or publish the total only"
    )


def _search_gave_up(rule: DisclosureRule, why: str) -> ProtectionSearchGaveUp:
    """:func:`protect_linked`'s error where its search stopped (``why``) before it proved that nothing protects
    the counts: another reason than :func:`_pinned_by_labels`', which its callers and readers tell apart."""
    return ProtectionSearchGaveUp(
        f"no protection found for a count below {rule.threshold}: {why}; withholding several counts together "
        "may still protect it (the labels alone were not shown to pin it)"
    )


def _unprotectable(rule: DisclosureRule) -> DisclosureError:
    # Every positive cell is withheld and the labels alone still pin a count down (e.g. four categories of "<5"
    # under a total of "<5": each must be 1). No suppression can protect it.
    return DisclosureError(
        "this table cannot be published safely: even with every count withheld, the labels "
        f"determine a count below {rule.threshold}; merge categories or publish the total only"
    )


def _protect(
    grid: _Grid,
    status: list[str | None],
    rule: DisclosureRule,
    audit: bool,
    known: Sequence[bool],
    chosen_from: dict[int, list[int]] | None = None,
    *,
    perturbed: bool = False,
) -> None:
    """Add complements to ``status`` in place until no suppressed cell can be recomputed. Cells ``known`` to
    anyone (the publisher's own censored bounds) need no protection: they count as published. ``chosen_from``
    (complement -> the lines it was the smallest candidate of) is kept across calls when given."""
    chosen_from = {} if chosen_from is None else chosen_from

    def add_complement(cell: int, lines: list[int]) -> None:
        status[cell] = _COMPLEMENT
        chosen_from[cell] = lines

    while True:
        changed = True
        while changed:
            changed = False
            for line in range(len(grid.lines)):
                withheld = _suppressed_in(grid, status, known, line)
                if withheld == 1 or (
                    withheld > 1 and _withheld_sum_is_small(grid, status, known, line, rule)
                ):
                    cell = _best_complement(grid, status, known, [line])
                    if cell is not None:
                        add_complement(cell, [line])
                        changed = True
        if not audit:
            return
        exposed = _exposed_cells(grid, status, rule, chosen_from, known, perturbed=perturbed)
        if not exposed:
            return
        if not _complements_for(grid, status, known, exposed, add_complement):
            raise _unprotectable(rule)


def suppress_table(
    df: pl.DataFrame,
    row_key: str | Sequence[str],
    value_columns: Sequence[str],
    rule: DisclosureRule = DEFAULT_RULE,
    *,
    margins: bool = True,
    total_label: str = "Total",
    audit: bool = True,
    cell_keys: pl.DataFrame | None = None,
    noise: CellKeyNoise = DEFAULT_NOISE,
    censored: pl.DataFrame | None = None,
) -> DisclosedTable:
    """Disclosure control of a two-way (or one-way) table published with its totals.

    ``df`` has one row per category of ``row_key`` and one count column per category of the other dimension
    (the interior only; totals are computed here). With ``margins`` a totals row is appended and, for two or
    more ``value_columns``, a total column named ``total_label``; a single value column is a one-way table
    with a total. Small counts get primary suppression (margins too); then complementary suppression makes
    sure no suppressed cell can be recomputed from the published cells and totals (see the module docstring).
    ``audit=False`` skips the linear-programming audit and keeps only the structural rule (every line with a
    suppressed cell has at least two), which is faster on very large tables but weaker. Raises
    :class:`DisclosureError` for the rare table that no suppression can protect (all its positive counts
    withheld, yet the ``<5`` labels pin one down).
    Without ``margins`` nothing can be recomputed, and this is primary suppression only.

    With ``cell_keys`` (a frame with a column per value column holding each cell's key, row for row as ``df``)
    every cell and every total (its key the sum of its cells' keys) is perturbed by its key (cell key method),
    small counts withheld, and the table then gets secondary suppression and its audit, run on the true counts
    (see the module docstring); the output is deterministic.

    ``censored`` (a frame with a boolean column per value column, row for row as ``df``) marks the cells made
    only of counts the publisher censored (a bound of UNODC's ``<5`` cells): small, they are shown as small
    counts but get no complement, and the audit takes their value as known (see the module docstring).
    """
    df, cell_keys = _without_carried_keys(
        df, [value_columns] if isinstance(value_columns, str) else list(value_columns), cell_keys
    )
    keys, value_columns, counts = _checked_table(df, row_key, value_columns, total_label)
    # columns taken by name (no query: the person section protects some thirty small tables a brief)
    key_columns = _columns_by_name(counts, keys)
    if not margins:
        return suppress_counts(counts, value_columns, rule, cell_keys=cell_keys, noise=noise)
    if counts.height == 0:
        raise ParameterError("cannot publish totals of an empty table")

    matrix = _column_rows(counts, value_columns)
    grid = _grid_with_margins([list(r) for r in matrix])
    known_grid = [False] * len(grid.values)  # the publisher's own censored cells (suppression only)
    if cell_keys is not None:
        key_values = _keys_of(cell_keys, value_columns, counts.height)
        key_grid = _grid_with_margins(
            [list(r) for r in zip(*(key_values[c] for c in value_columns), strict=True)]
        )
        perturbed_cells = _perturbed(grid.values, key_grid.values, rule, noise)
        status: list[str | None] = [reason for _, reason in perturbed_cells]
        n_primary = sum(s is not None for s in status)
        # complements and the audit on the true counts: the reader's best guess of a withheld cell is the
        # published line taken as exact, which is right whenever its perturbations are 0 (half of them)
        _protect(grid, status, rule, audit, known_grid, perturbed=True)
        grid.values = [0 if v is None else v for v, _ in perturbed_cells]
    else:
        status = [_SMALL if rule.is_small(v) else None for v in grid.values]
        n_primary = sum(s is not None for s in status)
        known_grid = _known_cells(censored, value_columns, counts.height, grid)
        _protect(grid, status, rule, audit, known_grid)

    return _disclosed_table(
        key_columns,
        value_columns,
        total_label,
        grid,
        status,
        known_grid,
        rule,
        n_primary=n_primary,
        perturbed=cell_keys is not None,
    )


#: Key types whose Python values (``to_list``) are equal exactly when polars' are.
_EXACT_KEY_TYPES = frozenset(
    {pl.String, pl.Boolean, pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64}
)


def _checked_table(
    df: pl.DataFrame, row_key: str | Sequence[str], value_columns: Sequence[str], total_label: str
) -> tuple[list[str], list[str], pl.DataFrame]:
    """The row keys, the value columns and the table (keys and counts as Int64) of a table with totals,
    checked: whole non-negative counts, unique keys that are never missing."""
    keys = [row_key] if isinstance(row_key, str) else list(row_key)
    value_columns = list(value_columns)
    if not value_columns:
        raise ParameterError("suppress_table needs at least one value column")
    missing = [k for k in keys if k not in df.columns]
    if missing:
        raise ParameterError(f"row key column(s) not in the table: {', '.join(missing)}")
    if total_label in value_columns:
        raise ParameterError(f"a value column is already named {total_label!r}; choose another total_label")
    names = [*keys, *value_columns]
    # the columns taken by name and checked on the columns themselves, not by a query each (a table is
    # protected in a few hundred microseconds, and a query costs about as much); a name missing or given
    # twice is left to ``select`` to refuse, as before
    known = set(df.columns)
    plain = len(set(names)) == len(names) and all(n in known for n in names)
    counts = _as_counts(
        _columns_by_name(df, names) if plain else df.select(names), value_columns, allow_null=False
    )
    key_series = [counts.get_column(k) for k in keys]
    if any(column.null_count() for column in key_series):
        raise ParameterError("row keys must not be missing in a table with totals")
    if (
        key_series[0].n_unique() < counts.height  # no key missing: a repeated key is a duplicated row
        if len(key_series) == 1
        # keys whose Python values are equal exactly when polars' are (no float: NaN), compared as tuples
        # without a query (a query costs more than a small table's protection)
        else len(set(_column_rows(counts, keys))) < counts.height
        if all(column.dtype in _EXACT_KEY_TYPES for column in key_series)
        else counts.select(keys).is_duplicated().any()
    ):
        raise ParameterError(f"row key {', '.join(keys)} is not unique; aggregate the table first")
    return keys, value_columns, counts


def _disclosed_table(
    key_columns: pl.DataFrame,
    value_columns: Sequence[str],
    total_label: str,
    grid: _Grid,
    status: list[str | None],
    known_grid: Sequence[bool],
    rule: DisclosureRule,
    *,
    n_primary: int,
    perturbed: bool = False,
) -> DisclosedTable:
    """The :class:`DisclosedTable` of a protected grid (margins included): what is published, and why not."""
    width = grid.n_cols
    out_columns = [*value_columns, total_label] if width > len(value_columns) else list(value_columns)
    published: dict[str, list[int | None]] = {}
    reasons: dict[str, list[str | None]] = {}
    known: dict[str, list[bool]] = {}
    known_values: dict[str, list[int | None]] = {}
    end = grid.n_rows * width
    for j, column in enumerate(out_columns):
        # column j's cells, row by row: every width-th cell of the flat grid from its j-th
        reasons[column] = status[j:end:width]
        known[column] = list(known_grid[j:end:width])
        cells = grid.values[j:end:width]
        known_values[column] = [v if k else None for v, k in zip(cells, known[column], strict=True)]
        published[column] = [
            None if r is not None else v for v, r in zip(cells, reasons[column], strict=True)
        ]
    keys = key_columns.columns
    added = [
        *_series_of([(c, published[c]) for c in out_columns], pl.Int64),
        *_series_of(
            [(_flag_column(c), [r is not None for r in reasons[c]]) for c in out_columns], pl.Boolean
        ),
    ]
    names = [*keys, *(column.name for column in added)]
    if len(set(names)) == len(names):
        # the keys with a null row (the totals) and the new columns beside them, made as Series: no query
        totals = (pl.Series(column.name, [None], dtype=column.dtype) for column in key_columns.iter_columns())
        frame = _frame_of(
            [*(pl.concat([k, t]) for k, t in zip(key_columns.iter_columns(), totals, strict=True)), *added]
        )
    else:  # a column named as a key (or twice): with_columns replaces it (or refuses), as it always did
        key_frame = pl.concat(
            [key_columns, pl.DataFrame({k: [None] for k in keys}, schema=key_columns.schema)]
        )
        frame = key_frame.with_columns(added)
    n_withheld = sum(s is not None for s in status)
    return DisclosedTable(
        frame=frame,
        count_columns=tuple(out_columns),
        rule=rule,
        n_primary=n_primary,
        n_secondary=n_withheld - n_primary,
        has_total_row=True,
        has_total_column=width > len(value_columns),
        total_label=total_label,
        # frames made of typed Series (a dict and a schema cost half as much again, for each of the ~30 small
        # tables a brief protects); the column names are distinct (checked with the table)
        reasons=_typed_frame(reasons, pl.String),
        perturbed=perturbed,
        known=_typed_frame(known, pl.Boolean) if any(known_grid) else pl.DataFrame(),
        known_values=_typed_frame(known_values, pl.Int64) if any(known_grid) else pl.DataFrame(),
    )


def _typed_frame(columns: dict[str, list[Any]], dtype: pl.DataType | type[pl.DataType]) -> pl.DataFrame:
    """``pl.DataFrame(columns, schema={name: dtype, ...})``, made of Series."""
    return _frame_of(_series_of(list(columns.items()), dtype))


def _series_of(
    columns: Sequence[tuple[str, Sequence[Any]]], dtype: pl.DataType | type[pl.DataType]
) -> list[pl.Series]:
    """``[pl.Series(name, values, dtype=dtype) for name, values in columns]``; columns as long as each other
    are made as one Series and sliced (a Series made from a list costs about the same for one value as for
    a hundred: half the cost for a table's five columns)."""
    if len(columns) < 2 or len({len(values) for _, values in columns}) != 1:
        return [pl.Series(name, values, dtype=dtype) for name, values in columns]
    n = len(columns[0][1])
    every = pl.Series("", [v for _, values in columns for v in values], dtype=dtype)
    return [every.slice(i * n, n).alias(name) for i, (name, _) in enumerate(columns)]


def _columns_by_name(df: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    """``df[names]`` (columns of ``df``, by name), made by stacking the columns themselves (no query)."""
    if not names or not all(names) or len(set(names)) != len(names):
        return df[list(names)]
    return _frame_of([df.get_column(name) for name in names])


def _frame_of(columns: Sequence[pl.Series]) -> pl.DataFrame:
    """``pl.DataFrame(columns)`` of Series as long as each other with distinct names, made by stacking them
    (a third of the cost: a brief makes thousands of these small frames). A Series with no name is left to
    ``pl.DataFrame``, which names it ``column_<i>``."""
    if not columns or any(not column.name for column in columns):
        return pl.DataFrame(columns)
    return columns[0].to_frame().hstack(list(columns[1:]))


def _column_rows(df: pl.DataFrame, columns: Sequence[str]) -> list[tuple[Any, ...]]:
    """``df.select(columns).rows()`` from the columns themselves (no query: a query costs more than a small
    table's protection)."""
    return list(zip(*(df.get_column(c).to_list() for c in columns), strict=True))


def _known_cells(
    censored: pl.DataFrame | None, columns: Sequence[str], height: int, grid: _Grid
) -> list[bool]:
    """Per cell of ``grid`` (margins included): whether it is made only of the publisher's censored counts; a
    margin is when all its cells are."""
    if censored is None:
        return [False] * len(grid.values)
    missing = [c for c in columns if c not in censored.columns]
    if missing or censored.height != height:
        raise ParameterError(
            f"censored needs a column per value column ({', '.join(columns)}) and a row per row of the table"
        )
    # read from the columns themselves, no query (a missing flag is no flag: bool(None) is False, as the
    # fill_null(False) before it gave)
    flags = [[bool(v) for v in row] for row in _column_rows(censored, columns)]
    known = _grid_with_margins([[int(v) for v in row] for row in flags]).values
    # a margin is known when every cell of its line is: its sum of flags equals the line's length
    shaped = _grid_with_margins([[1] * len(columns) for _ in range(height)]).values
    return [k == n for k, n in zip(known, shaped, strict=True)]


#: UNODC's censoring: a ``<5`` cell is 1..4 (the low bound of a censored count takes 1 per ``<5`` cell, the high 4).
CENSORED_RANGE = (1, 4)


def suppress_bounds(
    low: pl.DataFrame,
    high: pl.DataFrame,
    row_key: str | Sequence[str],
    value_columns: Sequence[str],
    rule: DisclosureRule = DEFAULT_RULE,
    *,
    exact: pl.DataFrame | None = None,
    censored: pl.DataFrame | None = None,
    total_label: str = "Total",
    censored_range: tuple[int, int] = CENSORED_RANGE,
) -> tuple[DisclosedTable, DisclosedTable]:
    """Disclosure control of a table of censored counts published as two bounds (UNODC's ``<5``), the low and
    the high bound protected as one system (see the module docstring).

    ``low`` and ``high`` are the tables of the two bounds (the same rows, keys and columns, as
    :func:`suppress_table` takes them); each cell is an exact part ``E`` (the counts published exactly) and
    ``k`` censored parts, each in ``censored_range`` (1..4): low ``E + k``, high ``E + 4k``, so the two bounds of
    a cell give ``E`` and ``k`` back. ``censored`` marks the cells without an exact part (as
    :func:`suppress_table`). Each bound is protected as :func:`suppress_table` protects it, and:

    - a cell whose exact part is small (``0 < E < threshold``: a file that publishes ``3``) is withheld in
      both bounds, ``x`` where its low bound is not itself small (a published 5–8 is 4 exact and one ``<5``);
    - the pair is audited by integer programming against a reader who holds both bounds of every published
      cell and margin and knows how bounds are made: every withheld cell's low and high bound must take at
      least two values, and so must the exact part of every cell whose exact part is small; a cell they pin
      gets a complement in both bounds, and the loop repeats.

    ``exact`` (a frame with a column per value column, row for row) holds each cell's exact part; None: read
    from the bounds (``low - (high - low) / 3``). A cell whose bounds are not of that form (a difference of
    censored sums) is audited as any pair of bounds of at least its exact part.

    Returns the protected low and high tables; raises :class:`DisclosureError` for a table that no
    suppression can protect. For exact parts that are 0 or at least the threshold (UNODC's files) the joint
    audit has found nothing to add (real UNODC tables; hundreds of random ones): the two tables are then those
    that :func:`suppress_table` gives each bound.
    """
    smallest, largest = censored_range
    if not 0 < smallest < largest:
        raise ParameterError(
            f"censored_range must be two whole numbers 0 < low < high, not {censored_range!r}"
        )
    keys, value_columns, low_counts = _checked_table(low, row_key, value_columns, total_label)
    _, _, high_counts = _checked_table(high, row_key, value_columns, total_label)
    # column by column, as DataFrame.equals compares them (no query: a brief protects dozens of pairs)
    if low_counts.height != high_counts.height or not all(
        low_counts.get_column(k).equals(high_counts.get_column(k), null_equal=True) for k in keys
    ):
        raise ParameterError("the low and the high bound tables must have the same rows, in the same order")
    if low_counts.height == 0:
        raise ParameterError("cannot publish totals of an empty table")
    low_rows, high_rows = _column_rows(low_counts, value_columns), _column_rows(high_counts, value_columns)
    low_grid = _grid_with_margins([list(r) for r in low_rows])
    high_grid = _grid_with_margins([list(r) for r in high_rows])
    if any(hi < lo for lo, hi in zip(low_grid.values, high_grid.values, strict=True)):
        raise ParameterError("a high bound is smaller than its low bound")
    known = _known_cells(censored, value_columns, low_counts.height, low_grid)
    if exact is None:  # each cell's exact part from its two bounds: low - (high - low) / 3
        spread = largest - smallest
        parts = [
            [max(lo - smallest * ((hi - lo) // spread), 0) for lo, hi in zip(*r, strict=True)]
            for r in zip(low_rows, high_rows, strict=True)
        ]
    else:
        if exact.height != low_counts.height or any(c not in exact.columns for c in value_columns):
            raise ParameterError("exact needs a column per value column and a row per row of the table")
        # a missing exact part is 0: checked as counts with the nulls in (they take no part in a check) and
        # read as 0, which is what filling the frame's nulls with 0 first gave, without its query
        checked = _as_counts(exact[value_columns], value_columns, allow_null=True)
        parts = [[0 if v is None else v for v in r] for r in _column_rows(checked, value_columns)]
    exact_grid = _grid_with_margins(parts)
    if any(e > lo for e, lo in zip(exact_grid.values, low_grid.values, strict=True)):
        raise ParameterError("a cell's exact part is larger than its low bound")
    if any(k and e for k, e in zip(known, exact_grid.values, strict=True)):
        raise ParameterError("a cell marked censored has an exact part")
    status_low: list[str | None] = [_SMALL if rule.is_small(v) else None for v in low_grid.values]
    status_high: list[str | None] = [_SMALL if rule.is_small(v) else None for v in high_grid.values]
    for cell, part in enumerate(exact_grid.values):
        if part > 0 and rule.is_small(part) and status_low[cell] is None:
            # a small exact part whose bounds are not small: both published would give it back
            status_low[cell] = status_high[cell] = _COMPLEMENT
    n_primary = (sum(s is not None for s in status_low), sum(s is not None for s in status_high))
    chosen: tuple[dict[int, list[int]], dict[int, list[int]]] = ({}, {})
    n_interior = len(value_columns)
    shown: list[str | None] = []

    def add_complement(cell: int, _lines: list[int]) -> None:
        for status in (status_low, status_high, shown):
            if status[cell] is None:
                status[cell] = _COMPLEMENT

    while True:
        _protect(low_grid, status_low, rule, True, known, chosen[0])
        _protect(high_grid, status_high, rule, True, known, chosen[1])
        shown[:] = [_pair_label(lo, hi) for lo, hi in zip(status_low, status_high, strict=True)]
        pinned = _pinned_pairs(
            (low_grid, high_grid, exact_grid), n_interior, shown, known, rule, censored_range
        )
        if not pinned:
            break
        # complements among the cells published in both bounds, the smallest low bound first
        if not _complements_for(low_grid, shown, known, pinned, add_complement):
            raise _unprotectable(rule)
    key_columns = _frame_of([low_counts.get_column(k) for k in keys])  # by name, no query
    return (
        _disclosed_table(
            key_columns, value_columns, total_label, low_grid, status_low, known, rule, n_primary=n_primary[0]
        ),
        _disclosed_table(
            key_columns,
            value_columns,
            total_label,
            high_grid,
            status_high,
            known,
            rule,
            n_primary=n_primary[1],
        ),
    )


def _pair_label(low: str | None, high: str | None) -> str | None:
    """How a reader sees a cell from the reasons of its two bounds (as
    :func:`evidence.notebooks.builders.published_pair` shows it): published (None), small (``<5``: the low
    bound is small, whatever the high one) or withheld (``x``: neither bound is small, both at least the
    threshold)."""
    if low is None and high is None:
        return None
    if high == _SMALL or low == _SMALL:
        return _SMALL
    return _COMPLEMENT


def _pinned_pairs(
    grids: tuple[_Grid, _Grid, _Grid],
    n_interior: int,
    shown: Sequence[str | None],
    known: Sequence[bool],
    rule: DisclosureRule,
    censored_range: tuple[int, int],
) -> list[int]:
    """The cells (margins included) that a reader holding both bounds pins down, by integer programming.

    ``grids``: the low bounds, the high bounds and the exact parts. The reader's unknowns are each interior
    cell's exact part ``E`` and its number of censored parts ``k`` (whole, at least 0: low ``E + k``, high
    ``E + 4k``); a cell whose bounds are not of that form (a difference of censored sums, 74–81) gets two more,
    its low and high bound less ``E`` (whole, the low at most the high). What is published constrains them: a
    published pair and a ``known`` cell fix both bounds of a cell (a margin is the sum of its cells), a ``<5``
    puts the low bound in 1..threshold-1, an ``x`` both bounds at the threshold or more (a small low bound is
    shown ``<5``, :func:`_pair_label`). A withheld cell is pinned when its low or its high bound takes one value only over every
    table of whole numbers that fits; any cell whose exact part is small (0 < E < threshold) is pinned when that
    part does. Feasible tables are found with a few objectives that move many cells at once; the cells still
    unresolved get their own min/max."""
    import numpy as np

    low_grid, high_grid, exact_grid = grids
    smallest, largest = censored_range
    width, n_rows = low_grid.n_cols, low_grid.n_rows - 1
    n = n_rows * n_interior
    index = [i * width + j for i in range(n_rows) for j in range(n_interior)]  # interior cell -> grid cell
    # the truth: E and k of every interior cell, then the low and high parts of the irregular ones
    exact_parts = [exact_grid.values[c] for c in index]
    low_parts = [low_grid.values[c] - e for c, e in zip(index, exact_parts, strict=True)]
    high_parts = [high_grid.values[c] - e for c, e in zip(index, exact_parts, strict=True)]
    censored = [a // smallest for a in low_parts]
    irregular = [
        m
        for m in range(n)
        if low_parts[m] != smallest * censored[m] or high_parts[m] != largest * censored[m]
    ]
    for m in irregular:
        censored[m] = 0
    extra = {m: 2 * n + 2 * q for q, m in enumerate(irregular)}  # its low part, then its high part
    n_vars = 2 * n + 2 * len(irregular)
    truth = np.array(
        exact_parts + censored + [part for m in irregular for part in (low_parts[m], high_parts[m])],
        dtype=float,
    )

    def members(cell: int) -> list[int]:
        i, j = divmod(cell, width)
        return [
            a * n_interior + b
            for a in (range(n_rows) if i == n_rows else [i])
            for b in (range(n_interior) if j >= n_interior else [j])
        ]

    def weights(of: list[int], bound: int | None) -> np.ndarray:
        """The low bound (0), the high bound (1) or the exact part (None) of the sum of cells ``of``."""
        row = np.zeros(n_vars)
        for m in of:
            row[m] += 1
            if bound is not None:
                row[n + m] += (smallest, largest)[bound]
                if m in extra:
                    row[extra[m] + bound] += 1
        return row

    rows: list[np.ndarray] = []
    lower: list[float] = []
    upper: list[float] = []
    checks: list[tuple[int, np.ndarray]] = []  # (grid cell, a quantity that must take two values)
    for m in irregular:  # a bound less the exact part: the low at most the high
        row = np.zeros(n_vars)
        row[extra[m]], row[extra[m] + 1] = -1.0, 1.0
        rows.append(row)
        lower.append(0.0)
        upper.append(np.inf)
    for cell, label in enumerate(shown):
        cells = members(cell)
        low_row, high_row = weights(cells, 0), weights(cells, 1)
        if known[cell] or label is None:
            for row in (low_row, high_row):
                rows.append(row)
                lower.append(float(row @ truth))
                upper.append(float(row @ truth))
        elif label == _SMALL:
            rows.append(low_row)
            lower.append(float(rule.smallest_small))
            upper.append(float(rule.threshold - 1))
        else:  # x: neither bound small (a bound of 0, which no complement is, read as such)
            rows += [low_row, high_row]
            lower += [min(float(rule.threshold), float(low_row @ truth)), float(rule.threshold)]
            upper += [np.inf, np.inf]
        if label is not None and not known[cell]:
            checks += [(cell, low_row), (cell, high_row)]
        if exact_grid.values[cell] > 0 and rule.is_small(exact_grid.values[cell]):
            checks.append((cell, weights(cells, None)))
    if not checks:
        return []
    # duplicate rows (a one-column table's row total is its cell) can make HiGHS' presolve call a feasible
    # integer program infeasible: one row each
    stacked = np.unique(np.column_stack([np.array(rows), lower, upper]), axis=0)
    ceiling = 10 * (float(truth @ weights(list(range(n)), 1)) + rule.threshold)
    program = LinearProgram(stacked[:, :-2], stacked[:, -2], stacked[:, -1], 0.0, ceiling, integral=True)
    quantities = np.array([row for _, row in checks])
    true_values = quantities @ truth
    unresolved = np.ones(len(checks), dtype=bool)

    def differs_with(objective: np.ndarray) -> None:
        for presolve in (True, False):
            x = program.solution(objective, presolve=presolve)
            if x is not None:
                unresolved[np.abs(quantities @ x - true_values) > 0.5] = False
                return

    rng = np.random.default_rng(0)  # fixed seed: the same table always gets the same suppression
    for sign in (1.0, -1.0):
        if unresolved.any():  # the sum down freed them all: the sum up would be of nothing
            differs_with(sign * (unresolved @ quantities))
    for _ in range(4):
        if not unresolved.any():
            break
        differs_with((rng.choice([-1.0, 1.0], size=len(checks)) * unresolved) @ quantities)
    for k in np.flatnonzero(unresolved).tolist():
        differs_with(quantities[k])
        if unresolved[k]:
            differs_with(-quantities[k])
    return sorted({checks[k][0] for k in np.flatnonzero(unresolved).tolist()})


def suppress_crosstab(
    df: pl.DataFrame,
    row: str,
    column: str,
    count: str,
    rule: DisclosureRule = DEFAULT_RULE,
    *,
    total_label: str = "Total",
    audit: bool = True,
) -> DisclosedTable:
    """Pivot a long table (``row``, ``column``, ``count``) into a two-way table with totals and protect it.

    Absent combinations are true zeros. Column categories become column names (as strings, sorted).
    """
    for name in (row, column, count):
        if name not in df.columns:
            raise ParameterError(f"column {name!r} not in the table")
    for name in (row, column):
        if df[name].null_count():
            raise ParameterError(
                f"column {name!r} has missing categories; label them (e.g. 'Unknown') or drop them first"
            )
    summed = df.group_by(row, column).agg(pl.col(count).sum())
    wide = summed.with_columns(pl.col(column).cast(pl.String)).pivot(
        on=column, index=row, values=count, sort_columns=True
    )
    value_columns = [c for c in wide.columns if c != row]
    wide = wide.with_columns(pl.col(value_columns).fill_null(0)).sort(row)
    return suppress_table(wide, row, value_columns, rule, total_label=total_label, audit=audit)


# ------------------------------------------------------------------------------------------------- shares


def disclosed_share(table: DisclosedTable, within: Literal["column", "row"] = "column") -> pl.DataFrame:
    """Each cell's share (0..1) of its published column total (or row total), null where not publishable.

    A share is published only when both the cell and the total are published: a share of a suppressed cell
    times its total would give the count back, and a share of a suppressed total would give the total back.
    Needs a table with margins (:func:`suppress_table`); shares of a table without published totals would
    reveal the sum of the suppressed cells.
    """
    if within not in ("column", "row"):
        raise ParameterError(f"within must be 'column' or 'row', got {within!r}")
    if not table.has_total_row:
        raise ParameterError(
            "shares need published totals: build the table with suppress_table(margins=True)"
        )
    frame = table.frame
    keys = table.key_columns
    if within == "column":
        totals = frame.tail(1)
        shares = [
            (pl.col(c) / totals[c].item()).alias(c) if totals[c].item() else pl.lit(None, pl.Float64).alias(c)
            for c in table.count_columns
        ]
        return frame.select(*keys, *shares)
    if table.has_total_column:
        total = pl.col(table.total_label)
    elif len(table.count_columns) == 1:
        total = pl.col(table.count_columns[0])  # a one-way table's row total is the cell itself
    else:
        raise ParameterError("row shares need a total column")
    return frame.select(
        *keys,
        *[pl.when(total > 0).then(pl.col(c) / total).alias(c) for c in table.count_columns],
    )


# ----------------------------------------------------------------- counts of one population across tables


#: A quantity of a :class:`LinkedCounts` system: any hashable name (a tuple such as ``("rec", topic, group)``).
Quantity = Hashable
#: A linear combination of quantities: quantity -> coefficient.
Combination = dict[Hashable, float]
#: The status of a quantity published only as a share of another (``count / base``, rounded).
SHARE = "share"
#: The quantity that is always 1 (published, never withheld): the constant of a bound such as ``d >= 1``.
ONE = ("1",)
#: The status of a count withheld with no label (a cell left empty, its row's breakdown withheld): kept as a
#: withheld one is, though the reader knows nothing of its value but what the other counts say of it.
UNLABELLED = "unlabelled"


def _share_half(system: LinkedCounts, name: Hashable, base: Hashable, share: float, half: float) -> float:
    """How far a count published as a share of ``base`` may be from ``share`` (times ``base``): ``half``,
    widened to the true counts where the share is of perturbed ones (cell key: 102 of 122 is 0.836, published as
    0.83 from the perturbed 101), as a label is (:meth:`LinkedCounts._bound`). Unwidened, the truth broke the
    share's rows, the programme had no solution, and the audit found nothing exposed anywhere in it."""
    value, total = system.values.get(name), system.values.get(base)
    if value is None or not total:
        return half
    return max(half, abs(value / total - share) + 1e-9)


@dataclass
class LinkedCounts:
    """Counts of one population published across several tables, charts and sentences, as one system: what a
    reader who holds all of them can say about each withheld count.

    ``values`` holds the true value of every quantity (a count of people) that takes part; ``status`` says how
    each is published: ``None`` (its value, in some table), :data:`SHARE` (only as ``shares[q] = (base,
    share, half_width)``: ``count / base`` rounded to within ``half_width``), ``"small"`` or ``"complement"``
    (withheld), :data:`UNLABELLED` (withheld with no label: kept, read as any value); a quantity absent from
    ``status`` is not published at all. ``equalities`` (each combination
    sums to 0) and ``at_most`` (each sums to at most 0) are what anyone knows of how the counts are made (a
    table's margins, a category among the recorded victims of its group, the same victims in two tables);
    ``derived`` names counts of people that are never shown but must not follow when small (the recorded
    victims without an item: the margin less the item). A bound with a constant uses :data:`ONE`. A quantity published in one table and withheld in
    another is published: the withheld one is back.
    """

    values: dict[Hashable, int] = field(default_factory=dict)
    status: dict[Hashable, str | None] = field(default_factory=dict)
    shares: dict[Hashable, tuple[Hashable, float, float]] = field(default_factory=dict)
    equalities: list[Combination] = field(default_factory=list)
    at_most: list[Combination] = field(default_factory=list)
    derived: dict[Hashable, Combination] = field(default_factory=dict)

    #: quantities one table publishes and another withholds: the withheld one is back
    published_too: set[Hashable] = field(default_factory=set)
    #: what the last audit of this system found, for the next (:class:`_Kept`)
    _kept: _Kept = field(default_factory=lambda: _Kept(), init=False, repr=False, compare=False)

    def quantity(
        self, name: Hashable, value: int, status: str | None | Literal["unpublished"] = "unpublished"
    ) -> None:
        """Add a quantity (its true ``value``), or one more place it is shown (``status``)."""
        if name in self.values and self.values[name] != value:
            raise ParameterError(f"{name!r} is given two values ({self.values[name]} and {value})")
        self.values[name] = value
        if status == "unpublished":
            return
        before = self.status.get(name, "unpublished")
        withheld = (_SMALL, _COMPLEMENT, UNLABELLED)
        if before in withheld and status in withheld:  # the closest label holds: small, then a complement's
            self.status[name] = next(s for s in withheld if s in (before, status))
        elif before in withheld or status in withheld:  # shown in one place, withheld in another
            self.status[name] = before if before in withheld else status
            if (before if status in withheld else status) is None:
                self.published_too.add(name)
        elif before == "unpublished" or status is None:
            self.status[name] = status

    def publish(self, name: Hashable, value: int, reason: str | None) -> None:
        """A count as a table shows it: its value (``reason`` None) or withheld (``"small"``/``"complement"``)."""
        self.quantity(name, value, reason)

    def share(self, name: Hashable, value: int, base: Hashable, share: float, half_width: float) -> None:
        """A count published only as a share of ``base`` (rounded to within ``half_width``)."""
        self.quantity(name, value, SHARE)
        if self.status.get(name) == SHARE:
            self.shares[name] = (base, share, half_width)

    def continue_from(self, earlier: LinkedCounts) -> None:
        """Take over what the last audit of ``earlier`` found (:class:`_Kept`), for this system's next one: a
        system drawn up again from the same tables once a protection withheld more of them (the person
        section's, before its models' counts are added) is ``earlier`` with counts withheld, which is what a
        system protected again may be. As for a system protected again, the programme is used only if this
        system is ``earlier``'s quantities and lines, grown (:meth:`_LinkedProgram.grown`; else a new one is
        made), and a point only where it fits: what the audit finds is what one from scratch finds. ``earlier``
        keeps nothing (audited again, it starts afresh)."""
        kept, earlier._kept = earlier._kept, _Kept()
        if kept.program is not None:
            kept.program._system = weakref.ref(
                self
            )  # its statuses, as :meth:`_LinkedProgram.refresh` reads them
        self._kept = kept

    def withheld(self) -> list[Hashable]:
        """The quantities some table withholds and none publishes."""
        return [
            q
            for q, s in self.status.items()
            if s in (_SMALL, _COMPLEMENT, UNLABELLED) and q not in self.published_too
        ]

    def _bounds(self, rule: DisclosureRule) -> dict[Hashable, tuple[float, float]]:
        ceiling = self._ceiling(rule)
        return {name: self._bound(name, rule, ceiling) for name in self.values}

    def _ceiling(self, rule: DisclosureRule) -> float:
        """The upper bound of a count withheld or not published (a function of the values alone)."""
        return float(2 * max(self.values.values(), default=0) + rule.threshold)

    def _bound(self, name: Hashable, rule: DisclosureRule, ceiling: float) -> tuple[float, float]:
        """What a reader knows of one quantity's value from how it is published (a function of its value, its
        status and whether another table shows it)."""
        value = self.values[name]
        reason = None if name in self.published_too else self.status.get(name, "unpublished")
        if reason is None:
            return (float(value), float(value))
        if reason == _SMALL:  # a label read of a perturbed value may hide more: the truth is kept in
            return (float(min(rule.smallest_small, value)), float(max(rule.threshold - 1, value)))
        if reason == _COMPLEMENT:
            return (float(min(rule.threshold, value)), ceiling)
        return (0.0, ceiling)  # not published, or withheld with no label: any value


class _Kept:
    """What a :class:`LinkedCounts` system keeps of its last audit (:func:`protect_linked`,
    :func:`linked_exposures`) for the next, which callers make as they grow it (a model's counts added beside
    the tables they count) or withhold more of it: its programme (:meth:`_LinkedProgram.grown`), and the points
    that freed its targets (:func:`_carried_points`). Neither decides anything the next audit would not find
    from scratch: the programme is used only when the system has only grown, and a point only where it fits.
    A copy of the system (``copy``, ``pickle``) keeps nothing: it is audited afresh."""

    __slots__ = ("labels", "points", "program", "small", "ties", "whole")

    def __init__(self) -> None:
        #: the points (a value per quantity, the quantities named) that freed targets
        self.points: tuple[list[Hashable], np.ndarray] | None = None
        #: the whole tables (as ``points``) that freed targets in the exact check (:func:`protect_linked`)
        self.whole: tuple[list[Hashable], np.ndarray] | None = None
        self.program: _LinkedProgram | None = None
        #: whether each derived count is small under a rule (:func:`_small_derived`), by its combination
        self.small: (
            tuple[DisclosureRule, dict[Hashable, int], dict[Hashable, tuple[Combination, bool]]] | None
        ) = None
        #: each quantity's text (``str``), by which counts of one value are ordered (:func:`_linked_candidates`)
        self.labels: dict[Hashable, str] = {}
        #: the ties of the system's lines (:func:`_linked_ties`), with the lines they were made of
        self.ties: (
            tuple[list[Combination], list[Combination], dict[Hashable, Combination], dict, _Ties] | None
        ) = None

    def __reduce__(self) -> tuple[type[_Kept], tuple[()]]:
        return (_Kept, ())


class _LinkedProgram:
    """The linear programs of a :class:`LinkedCounts` system: the range of any combination of its quantities
    given everything published (the relaxation), read as a reader who knows counts are whole reads it: the
    whole numbers between its ends (:func:`_whole_numbers`). A count whose ends hold one whole number is pinned;
    one that only an integer program pins (its relaxation reaches a second whole number at fractional points
    alone) can still be missed.

    One HiGHS model is built per system and kept: :meth:`refresh` carries what the system now withholds into
    it (a quantity's bounds, a share's two rows), so that the many programs of a protection (a candidate
    withheld, an objective changed) are re-solved from the last basis instead of being set up anew.
    """

    def __init__(self, system: LinkedCounts, rule: DisclosureRule) -> None:
        import highspy
        import numpy as np

        # weakly: the system keeps its model (:class:`_Kept`), and no cycle keeps either alive
        self._system, self.rule = weakref.ref(system), rule
        self.names = list(system.values)
        self.index = {n: k for k, n in enumerate(self.names)}
        self.truth = np.array([float(system.values[n]) for n in self.names])
        rows = [*system.equalities, *system.at_most]
        lower = [0.0] * len(system.equalities) + [-highspy.kHighsInf] * len(system.at_most)
        # every share's two rows, whether or not it binds now: refresh() frees those of a share withheld
        self._share_rows: dict[Hashable, int] = {}
        for name, (base, share, half) in system.shares.items():
            self._share_rows[name] = len(rows)
            half = _share_half(system, name, base, share, half)
            rows += [{name: 1.0, base: -(share + half)}, {name: -1.0, base: share - half}]
            lower += [-highspy.kHighsInf] * 2
        self._share_binds = dict.fromkeys(self._share_rows, True)
        # column-wise: HiGHS keeps a model's matrix by column. The entries are read row by row, then put in
        # column order by a stable sort: within a column, by row (a row names a quantity once), as a list per
        # column appended to row by row puts them, without a Python tuple per entry (the making of a row's
        # programme cost more than solving it)
        index = self.index
        row_columns = np.array([index[name] for combination in rows for name in combination], dtype=np.intp)
        by_column = np.argsort(row_columns, kind="stable")
        row_values = np.array([c for combination in rows for c in combination.values()])
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(self.names), len(rows)
        self._bounds = [(0.0, 0.0)] * len(self.names)
        self._fixed = np.ones(len(self.names), dtype=bool)  # whether a quantity's bounds are one value
        # the rows that are no equality (at most, a share's)
        self._inequality = np.arange(len(rows)) >= len(system.equalities)
        # what the model was made of, to tell a system grown since from one changed (:meth:`grown`)
        self._made = (
            [dict(r) for r in system.equalities],
            [dict(r) for r in system.at_most],
            dict(system.shares),
        )
        lp.col_cost_ = np.zeros(len(self.names))
        lp.col_lower_ = np.zeros(len(self.names))
        lp.col_upper_ = np.zeros(len(self.names))
        lp.row_lower_ = np.array(lower)
        lp.row_upper_ = np.zeros(len(rows))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.concatenate(
            [np.zeros(1, dtype=np.intp), np.cumsum(np.bincount(row_columns, minlength=len(self.names)))]
        )
        # the rows kept as arrays too, to check a point found elsewhere (:meth:`fits`)
        self._rows_of = np.repeat(np.arange(len(rows)), [len(r) for r in rows])[by_column].astype(np.int32)
        self._coefficients = row_values[by_column]
        self._columns_of = row_columns[by_column]
        lp.a_matrix_.index_, lp.a_matrix_.value_ = self._rows_of, self._coefficients
        self._row_lower, self._row_upper = np.array(lower), np.zeros(len(rows))
        self._lower, self._upper = np.zeros(len(self.names)), np.zeros(len(self.names))
        self._highs = _idle_solver(_IDLE_SOLVERS)
        # back to the idle solvers once this programme is gone (a row's system of a table: thousands a brief)
        weakref.finalize(self, _retire_solver, _IDLE_SOLVERS, self._highs)
        # each programme after the first starts from the last one's basis, which a new objective or a widened
        # bound leaves feasible: the primal simplex goes on from it (a few iterations), where the dual simplex
        # HiGHS otherwise chooses has to make it dual feasible first (tens, on a person section's system; the
        # optima are the same, and so is every decision taken from them)
        self._highs.setOptionValue("simplex_strategy", _PRIMAL_SIMPLEX)
        self._highs.passModel(lp)
        self._columns = np.arange(len(self.names), dtype=np.int32)  # every column, to set the costs of
        self._ceiling = system._ceiling(rule)
        #: the status of each programme HiGHS left unanswered, twice (:meth:`solve`), for the error that follows
        self.unanswered: list[str] = []
        # the statuses and showings the model's bounds were last made of (None: none yet, bound every quantity)
        self._seen: tuple[dict[Hashable, str | None], set[Hashable]] | None = None
        self.refresh()

    @property
    def system(self) -> LinkedCounts:
        system = self._system()
        if system is None:  # pragma: no cover - a programme is used only while its system is
            raise RuntimeError("the system of a linear programme is gone")
        return system

    def refresh(self) -> None:
        """Carry the system's present statuses into the model: the bounds of every quantity, and whether each
        share still binds (a share whose count is withheld, or shown elsewhere, no longer does).

        A quantity's bounds are a function of its value, its status and whether another table shows it
        (:meth:`LinkedCounts._bound`; the values, and so the ceiling, are those the model was made of): only
        the quantities whose status or showing changed since the last refresh are bounded again, not every
        quantity of the system at each of the protection's many programmes (one withheld, then undone)."""
        import highspy
        import numpy as np

        system = self.system
        seen = self._seen
        if seen is None or len(system.values) != len(self.names):  # the first, or quantities added since
            self._ceiling = system._ceiling(self.rule)
            bounds_of = system._bounds(self.rule)
            names: Iterable[Hashable] = self.names
        else:
            status, shown = seen
            names = {n for n, _ in system.status.items() ^ status.items()} | (system.published_too ^ shown)
            ceiling = self._ceiling
            bounds_of = {n: system._bound(n, self.rule, ceiling) for n in names}
        self._seen = (dict(system.status), set(system.published_too))
        bounds, index = self._bounds, self.index
        if names is self.names:  # every quantity, in order
            changed = [k for k, name in enumerate(names) if bounds_of[name] != bounds[k]]
        else:
            at = (index[n] for n in names if n in index)
            changed = sorted(k for k in at if bounds_of[self.names[k]] != bounds[k])
        if changed:
            for k in changed:
                bounds[k] = bounds_of[self.names[k]]
            at_changed = np.array(changed, dtype=np.int32)
            low = np.array([bounds[k][0] for k in changed])
            high = np.array([bounds[k][1] for k in changed])
            self._lower[at_changed], self._upper[at_changed], self._fixed[at_changed] = low, high, low == high
            self._highs.changeColsBounds(len(changed), at_changed, low, high)
        for name, row in self._share_rows.items():
            binds = self.system.status.get(name) == SHARE and name not in self.system.published_too
            if binds != self._share_binds[name]:
                self._share_binds[name] = binds
                upper = 0.0 if binds else highspy.kHighsInf
                for r in (row, row + 1):
                    self._highs.changeRowBounds(r, -highspy.kHighsInf, upper)
                    self._row_upper[r] = upper

    def grown(self) -> bool:
        """Bring the model up to its system, grown since it was made: quantities added (columns, at the end),
        and equalities, bounds and shares added (rows); the statuses are :meth:`refresh`'s. False, and the
        model unchanged, when the system changed otherwise (a quantity gone or of another value, a line
        changed or taken away): a new model is made then.

        The model so grown is the one a new model of the system would be, but for the order of its rows
        (the added ones last, whatever their kind): the same programmes, whose optima HiGHS finds from the last
        basis instead of from nothing (a protection repeated as a notebook adds a model's counts to its
        tables' system, one model after another)."""
        import highspy
        import numpy as np

        system, rule = self.system, self.rule
        n = len(self.names)
        equalities, at_most, shares = self._made
        if (
            len(system.values) < n
            or list(itertools.islice(system.values, n)) != self.names
            or any(system.values[q] != t for q, t in zip(self.names, self.truth, strict=True))
            or system.equalities[: len(equalities)] != equalities
            or system.at_most[: len(at_most)] != at_most
            or any(system.shares.get(q) != share for q, share in shares.items())
        ):
            return False
        new_names = list(system.values)[n:]
        new_shares = [q for q in system.shares if q not in shares]
        rows = [*system.equalities[len(equalities) :], *system.at_most[len(at_most) :]]
        if not new_names and not rows and not new_shares:
            return True
        index = self.index
        for k, name in enumerate(new_names, start=n):
            index[name] = k
        self.names += new_names
        inf = highspy.kHighsInf
        added_equalities = len(system.equalities) - len(equalities)
        lower = [0.0] * added_equalities + [-inf] * (len(rows) - added_equalities)
        first_share = len(self._row_lower) + len(rows)
        for k, name in enumerate(new_shares):
            base, share, half = system.shares[name]
            self._share_rows[name] = first_share + 2 * k
            self._share_binds[name] = True
            half = _share_half(system, name, base, share, half)
            rows += [{name: 1.0, base: -(share + half)}, {name: -1.0, base: share - half}]
            lower += [-inf] * 2
        ceiling = system._ceiling(rule)
        if new_names:
            truth = np.array([float(system.values[q]) for q in new_names])
            self.truth = np.concatenate([self.truth, truth])
            bounds = [system._bound(q, rule, self._ceiling) for q in new_names]
            self._bounds += bounds
            low = np.array([b[0] for b in bounds])
            high = np.array([b[1] for b in bounds])
            self._lower, self._upper = np.concatenate([self._lower, low]), np.concatenate([self._upper, high])
            self._fixed = np.concatenate([self._fixed, low == high])
            self._highs.addCols(
                len(new_names),
                np.zeros(len(new_names)),
                low,
                high,
                0,
                np.zeros(len(new_names), dtype=np.int32),
                np.zeros(0, dtype=np.int32),
                np.zeros(0),
            )
        if rows:
            starts = np.cumsum([0] + [len(r) for r in rows[:-1]]).astype(np.int32)
            columns = np.array([index[q] for r in rows for q in r], dtype=np.int32)
            values = np.array([c for r in rows for c in r.values()])
            row_lower = np.array(lower)
            self._highs.addRows(
                len(rows), row_lower, np.zeros(len(rows)), len(values), starts, columns, values
            )
            first = len(self._row_lower)
            self._rows_of = np.concatenate(
                [self._rows_of, np.repeat(np.arange(first, first + len(rows)), [len(r) for r in rows])]
            ).astype(np.int32)
            self._columns_of = np.concatenate([self._columns_of, columns])
            self._coefficients = np.concatenate([self._coefficients, values])
            self._row_lower = np.concatenate([self._row_lower, row_lower])
            self._row_upper = np.concatenate([self._row_upper, np.zeros(len(rows))])
            self._inequality = np.concatenate([self._inequality, row_lower < 0])
        self._made = (
            [*equalities, *(dict(r) for r in system.equalities[len(equalities) :])],
            [*at_most, *(dict(r) for r in system.at_most[len(at_most) :])],
            dict(system.shares),
        )
        if ceiling != self._ceiling:  # a larger count added: every unpublished count's bounds widen
            self._ceiling, self._seen = ceiling, None
        return True

    def fits(self, x: np.ndarray) -> bool:
        """Whether the point ``x`` (a value per quantity) meets every bound and row of the model as it stands
        (to within HiGHS's own feasibility tolerance): a reading of everything published."""
        import numpy as np

        tolerance = _FEASIBLE
        if np.any(x < self._lower - tolerance * (1 + np.abs(self._lower))):
            return False
        if np.any(x > self._upper + tolerance * (1 + np.abs(self._upper))):
            return False
        activity = np.bincount(self._rows_of, self._coefficients * x[self._columns_of], len(self._row_lower))
        slack = tolerance * (1 + np.abs(activity))
        return bool(
            np.all(activity >= self._row_lower - slack) and np.all(activity <= self._row_upper + slack)
        )

    def vector(self, combination: Combination) -> np.ndarray:
        import numpy as np

        out = np.zeros(len(self.names))
        for q, c in combination.items():
            out[self.index[q]] += c
        return out

    def solve(self, objective: np.ndarray) -> _Optimum:
        """The minimum of ``objective`` over the published tables' solutions, or, when HiGHS proves none, an
        unproved end at the true counts' value (:meth:`_unproved`).

        Only an optimum proves anything: every quantity is bounded (by its label, or the ceiling) and the true
        counts fit (:func:`_audit` checks), so every programme here has one, and any other status (a limit, a
        numerical failure, "infeasible", "unbounded") is HiGHS's trouble, not an answer. It is asked once
        more from a clean state (no basis nor solution of the last programme to start from); still unanswered,
        the end is unproved, and the combination is taken as pinned on that side (an end read as missing freed
        a count that could be pinned: fail closed)."""
        import highspy
        import numpy as np

        highs = self._highs
        if len(self._columns) != len(objective):  # quantities added since (:meth:`grown`)
            self._columns = np.arange(len(objective), dtype=np.int32)
        highs.changeColsCost(len(objective), self._columns, objective)
        run_highs(highs)
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            highs.clearSolver()
            run_highs(highs)
            status = highs.getModelStatus()
            if status != highspy.HighsModelStatus.kOptimal:
                self.unanswered.append(highs.modelStatusToString(status))
                _count_unanswered()
                return self._unproved(objective)
        solution = highs.getSolution()
        value, x = highs.getObjectiveValue(), np.array(solution.col_value)  # getInfo() copies every field
        if not solution.dual_valid:
            return _Optimum(value, x, None, None)
        return _Optimum(value, x, np.array(solution.col_dual), np.array(solution.row_dual))

    def _unproved(self, objective: np.ndarray) -> _Optimum:
        """An end HiGHS did not prove, put at the true counts (a point of every programme here): no second
        value on that side, no reduced costs, so nothing is ever carried from it."""
        return _Optimum(float(objective @ self.truth), self.truth.copy(), None, None, proved=False)

    def pinned(self, vector: np.ndarray) -> bool:
        """Whether the combination ``vector`` holds no second whole number (:func:`_whole_numbers`)."""
        return self.ends(vector) is not None

    def ends(
        self,
        vector: np.ndarray,
        before: _Pinned | None = None,
        widened: int | None = None,
        seen: list[np.ndarray] | None = None,
    ) -> _Pinned | None:
        """The proof that the combination ``vector`` holds no second whole number (none between its ends
        rounded in: :func:`_whole_numbers`): its two ends and their reduced costs; None when it holds two.
        ``before``: its proof in the system this one was made from by widening the bounds of quantity
        ``widened`` (an index): an end whose reduced cost there is 0 has not moved, and is not solved for
        again. ``seen``: receives every solution found
        (each fits the present system: one kept from ``before`` fits it too, the bounds having only widened)."""
        truth = float(vector @ self.truth)
        low = before.low if before is not None and before.keeps(before.low, widened) else self.solve(vector)
        if seen is not None and low.proved:
            seen.append(low.x)
        if _whole_numbers(low.value, truth)[0] <= truth - 1:
            return None
        high: _Optimum
        if before is not None and before.keeps(before.high, widened):
            high = before.high
        else:
            high = self._mirrored(low) or self.solve(-vector)
        if seen is not None and high.proved:
            seen.append(high.x)
        # a second whole number above the truth (not a range 1 wide: 2.575 to 3.605 holds only 3, a count is
        # whole and a reader knows it); an unproved end is at the truth: the other frees alone
        if _whole_numbers(truth, -high.value)[1] >= truth + 1:
            return None
        return _Pinned(low, high, exact=low.proved and high.proved)

    def _mirrored(self, low: _Optimum) -> _Optimum | None:
        """The maximum of a combination whose minimum ``low`` is proved by equalities and published counts
        alone: when every quantity with a reduced cost has one value and no inequality row has a dual value,
        the negated dual solution is feasible for the maximum and bounds it by the minimum itself (the
        combination has one value; weak duality). None otherwise: the maximum is solved for."""
        import numpy as np

        if low.costs is None or low.row_costs is None:
            return None
        if np.any(np.abs(low.row_costs[self._inequality]) > _ZERO_COST):
            return None
        if not np.all(self._fixed[np.abs(low.costs) > _ZERO_COST]):
            return None
        return _Optimum(-low.value, low.x, -low.costs, -low.row_costs)


#: HiGHS solvers of programmes gone (:class:`_LinkedProgram`), to be given the next one's model: making a
#: solver costs more than solving a row's programme (its options, its Python callbacks), and ``passModel``
#: clears everything of the model before (its basis, solution, presolve and simplex state: what a new
#: solver solves from). Only these programmes' solvers come here, whose one option of their own (the primal
#: simplex, :data:`_PRIMAL_SIMPLEX`) each of them sets again.
_IDLE_SOLVERS: list[Any] = []

#: The same for :class:`LinearProgram` (whose solutions set the presolve option): apart, so that a solver
#: with presolve off never comes to a :class:`_LinkedProgram`.
_IDLE_PROGRAMME_SOLVERS: list[Any] = []

#: The most idle solvers kept (a few programmes are alive at once: one a system).
_MOST_IDLE = 16

#: HiGHS's ``simplex_strategy`` of the primal simplex (its default, 1, is the dual simplex; 0 lets it choose).
_PRIMAL_SIMPLEX = 4


def _idle_solver(idle: list[Any]) -> Any:
    """An idle solver of a programme gone (from ``idle``), or a new one."""
    try:
        return idle.pop()
    except IndexError:
        return quiet_highs()


def _retire_solver(idle: list[Any], highs: Any) -> None:
    """Keep the solver of a programme gone for the next (unless enough are kept already)."""
    if len(idle) < _MOST_IDLE:
        idle.append(highs)


class _Optimum(NamedTuple):
    """An optimal solution of a linear programme: its objective's value, the values of its variables, and
    their reduced costs (None when HiGHS has no valid dual solution); or an end HiGHS did not prove
    (``proved`` false)."""

    value: float
    x: np.ndarray
    costs: np.ndarray | None
    #: the dual values of the rows (None when HiGHS has no valid dual solution)
    row_costs: np.ndarray | None
    #: False for an end HiGHS did not prove (:meth:`_LinkedProgram.solve`): at the true counts' value
    proved: bool = True


#: A point that breaks a bound or a row by no more than this (relative to 1 + its size) fits: HiGHS's primal
#: feasibility tolerance, to which every solution it returns is held.
_FEASIBLE = 1e-7

#: A reduced cost this close to 0 is 0: widening that quantity's bounds leaves the optimum where it is.
_ZERO_COST = 1e-12


#: How far from a whole number a programme's value may be and still be it: HiGHS holds its solutions to its
#: feasibility tolerance (:data:`_FEASIBLE`), not exactly, so an end of 3.9999999 is 4.
_WHOLE = 1e-6


def _whole_numbers(low: float, high: float) -> tuple[int, int]:
    """The least and the greatest whole number in the range ``low``..``high`` of a programme's ends, to within
    the solver's tolerance (:data:`_WHOLE`): what a reader who knows counts are whole takes from the range (2.4
    to 3.6 holds only 3, though it is more than 1 wide)."""
    return math.ceil(low - _WHOLE), math.floor(high + _WHOLE)


class _Pinned(NamedTuple):
    """A combination's range found to hold one whole number (:func:`_whole_numbers`): the optima of its minimum
    (``low``) and of its maximum (``high``, the minimum of its negative), with their reduced costs.

    By weak duality, widening the bounds of a quantity whose reduced cost is 0 in an end's optimum leaves that
    end where it is (its optimal dual solution still proves it; the rows' bounds are all 0, so the dual bound
    is a sum over the quantities' bounds): widening one that is 0 in both cannot free the combination, and no
    programme needs solving to know it. Narrowing bounds never lowers a dual bound, so a proof found with one
    count withheld holds, as bounds of the range (not ``exact`` optima), with that count shown and another
    withheld whose reduced costs are 0."""

    low: _Optimum
    high: _Optimum
    #: whether the ends are the optima (else only a lower bound of the minimum and an upper one of the maximum)
    exact: bool = True

    def keeps(self, end: _Optimum, widened: int | None) -> bool:
        """Whether ``end`` (one of this proof's) stays optimal once the bounds of quantity ``widened`` (an
        index) widen."""
        return self.exact and _costless(end, widened)

    def survives(self, widened: int | None) -> bool:
        """Whether the combination stays pinned when the bounds of quantity ``widened`` (an index) widen."""
        return _costless(self.low, widened) and _costless(self.high, widened)


def _costless(end: _Optimum, widened: int | None) -> bool:
    """Whether quantity ``widened`` (an index) has no reduced cost in the optimum ``end``."""
    return widened is not None and end.costs is not None and abs(end.costs[widened]) <= _ZERO_COST


class _Programs:
    """The one programme of a system, made when first wanted and brought up to date at every later use."""

    def __init__(self, system: LinkedCounts, rule: DisclosureRule) -> None:
        self.system, self.rule = system, rule
        self._program: _LinkedProgram | None = None
        kept = system._kept.program
        if kept is not None and kept.system is system and kept.rule == rule and kept.grown():
            self._program = kept  # the last audit's, grown with the system since

    def _make(self) -> _LinkedProgram:
        self._program = self.system._kept.program = _LinkedProgram(self.system, self.rule)
        return self._program

    def current(self) -> _LinkedProgram:
        if self._program is None:
            return self._make()
        self._program.refresh()
        return self._program

    def made(self) -> _LinkedProgram:
        """The programme, not brought up to date: for what does not change with the statuses (its
        quantities' order, its rule and ceiling)."""
        return self._program if self._program is not None else self._make()


class LinearProgram:
    """One linear programme, whole-numbered when ``integral``, solved by HiGHS for objective after objective:
    minimise ``objective · x`` subject to ``row_lower ≤ A x ≤ row_upper`` and ``col_lower ≤ x ≤ col_upper``.

    ``rows``: the constraint matrix ``A``, dense (one row per constraint) or as ``(row, column, value)``
    triplets of ``shape``. The model is passed to HiGHS once; each :meth:`solution` changes only its costs.
    HiGHS directly rather than through ``scipy.optimize`` (``linprog``, ``milp``: the same solver), whose
    import (a tenth of a second) every brief that protects a table would otherwise pay, in the kernel's
    start-up that a cold brief waits for.
    """

    def __init__(
        self,
        rows: np.ndarray
        | tuple[
            Sequence[int] | np.ndarray,
            Sequence[int] | np.ndarray,
            Sequence[float] | np.ndarray,
            tuple[int, int],
        ],
        row_lower: Sequence[float] | np.ndarray,
        row_upper: Sequence[float] | np.ndarray,
        col_lower: Sequence[float] | np.ndarray | float,
        col_upper: Sequence[float] | np.ndarray | float,
        *,
        integral: bool = False,
    ) -> None:
        import numpy as np

        if isinstance(rows, tuple):
            row_of, column_of, value_of, (n_rows, n_cols) = rows
            row_index = np.asarray(row_of, dtype=np.int32)
            column_index = np.asarray(column_of, dtype=np.int64)
            values = np.asarray(value_of, dtype=float)
        else:
            dense = np.asarray(rows, dtype=float)
            n_rows, n_cols = dense.shape
            rows_at, columns_at = np.nonzero(dense)
            values = dense[rows_at, columns_at]
            row_index, column_index = rows_at.astype(np.int32), columns_at.astype(np.int64)
        limits = (
            np.asarray(row_lower, dtype=float).reshape(n_rows),
            np.asarray(row_upper, dtype=float).reshape(n_rows),
            np.broadcast_to(np.asarray(col_lower, dtype=float), (n_cols,)).copy(),
            np.broadcast_to(np.asarray(col_upper, dtype=float), (n_cols,)).copy(),
        )
        self.n_cols, self.integral = n_cols, integral
        self._columns = (column_index, row_index, values)
        self._limits = limits
        # the model is passed to HiGHS at the first solution (:attr:`_highs`), as it stands now: a programme
        # whose every question a point already given answers (:func:`_integer_pinned`: most of a protection's
        # checks) is never passed, nor takes a solver
        self._model: tuple[int, tuple[np.ndarray, ...]] | None = (
            n_rows,
            tuple(limit.copy() for limit in limits),
        )
        self._made: Any = None

    @property
    def _highs(self) -> Any:
        """The programme's HiGHS solver, its model passed on first use."""
        import highspy
        import numpy as np

        if self._made is not None:
            return self._made
        assert self._model is not None  # passed once, and kept only until then
        n_rows, limits = self._model
        column_index, row_index, values = self._columns
        n_cols = self.n_cols
        order = np.lexsort((row_index, column_index))  # HiGHS keeps a model's matrix by column
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n_cols, n_rows
        lp.col_cost_ = np.zeros(n_cols)
        lp.row_lower_, lp.row_upper_, lp.col_lower_, lp.col_upper_ = limits
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.searchsorted(column_index[order], np.arange(n_cols + 1)).astype(np.int32)
        lp.a_matrix_.index_ = row_index[order]
        lp.a_matrix_.value_ = values[order]
        if self.integral:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * n_cols
        # an idle solver of a programme of this kind gone (:func:`_idle_solver`): each solution sets the one
        # option these programmes change (presolve) before it solves
        highs = self._made = _idle_solver(_IDLE_PROGRAMME_SOLVERS)
        weakref.finalize(self, _retire_solver, _IDLE_PROGRAMME_SOLVERS, highs)
        # the feasibility jump looks for a first whole point before the branch and bound: these programmes have
        # one (the true counts) and HiGHS solves them at the root, where the heuristic cost more than the rest
        # of the solve (a person section's: 7.4 CPU-ms a programme with it, 3.0 without; the same optima)
        highs.setOptionValue("mip_heuristic_run_feasibility_jump", False)
        highs.passModel(lp)
        self._model = None
        return highs

    @_highs.setter
    def _highs(self, highs: Any) -> None:
        """Solve on ``highs`` from now on, as it stands (its model passed already)."""
        self._made, self._model = highs, None

    def solution(self, objective: np.ndarray, *, presolve: bool = True) -> np.ndarray | None:
        """An optimal ``x`` for ``objective``; None when HiGHS finds none (infeasible, unbounded, stopped: asked
        twice, the second time from a clean state), or when what it calls optimal breaks a constraint (or is not
        whole where it must be). None frees no count: the audits then withhold more, never less.

        The audits take a solution as proof that a count can take another value: a point a solver bug made up
        (HiGHS 1.8, in SciPy before 1.17, returned such "optimal" points: scipy/scipy#24141) would let a pinned
        count through, so each is checked here. A solution that is feasible but not optimal (the MIP presolve
        of HiGHS 1.12, in SciPy 1.17, and 1.14 return some: ERGO-Code/HiGHS#3073) can only make an audit
        withhold more than it needs to."""
        import highspy
        import numpy as np

        highs = self._highs
        highs.setOptionValue("presolve", "on" if presolve else "off")
        highs.changeColsCost(
            self.n_cols, np.arange(self.n_cols, dtype=np.int32), np.asarray(objective, float)
        )
        run_highs(highs)
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            # asked once more from a clean state (no basis of the last objective to start from), as
            # :meth:`_LinkedProgram.solve` is; unanswered, no solution frees anything (fail closed)
            highs.clearSolver()
            run_highs(highs)
            if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                _count_unanswered()
                return None
        x = np.array(highs.getSolution().col_value)
        return x if self.fits(x) else None

    def fits(self, x: np.ndarray, tolerance: float = 1e-6) -> bool:
        """Whether ``x`` meets every constraint and bound (and is whole, for an integer programme)."""
        import numpy as np

        column_index, row_index, values = self._columns
        row_lower, row_upper, col_lower, col_upper = self._limits
        if len(x) != self.n_cols:
            return False
        # each row's sum, its terms added in order (as ``np.add.at`` adds them, at a fraction of its cost)
        activity = np.bincount(row_index, values * x[column_index], len(row_lower))
        slack = tolerance * (1.0 + np.abs(activity))
        return bool(
            np.all(activity >= row_lower - slack)
            and np.all(activity <= row_upper + slack)
            and np.all(x >= col_lower - tolerance)
            and np.all(x <= col_upper + tolerance)
            and (not self.integral or np.all(np.abs(x - np.round(x)) <= tolerance))
        )


def _linked_targets(
    system: LinkedCounts,
    rule: DisclosureRule,
    complements: bool,
    derived: list[tuple[Hashable, Combination]] | None = None,
) -> list[tuple[Hashable, Combination]]:
    """What must not be pinned: every withheld small count and every ``derived`` count that is small; with
    ``complements``, every withheld count (a true zero only when zeros are not safe). ``derived``: the small
    derived counts, when already found (:func:`_small_derived`)."""
    # :meth:`LinkedCounts.withheld` and :meth:`DisclosureRule.is_small` in one pass, their names bound once (an
    # audit's targets are listed at every candidate a protection tries)
    values, shown, low, high = system.values, system.published_too, rule.smallest_small, rule.threshold
    hidden, any_withheld, zero_is_safe = (_SMALL, _COMPLEMENT, UNLABELLED), complements, rule.zero_is_safe
    targets: list[tuple[Hashable, Combination]] = [
        (q, {q: 1.0})
        for q, s in system.status.items()
        if s in hidden
        and q not in shown
        and (((v := values[q]) is not None and low <= v < high) or (any_withheld and (v or not zero_is_safe)))
    ]
    return targets + (_small_derived(system, rule) if derived is None else derived)


def _small_derived(system: LinkedCounts, rule: DisclosureRule) -> list[tuple[Hashable, Combination]]:
    """The ``derived`` counts of ``system`` that are small (a function of its values alone).

    Each is summed once per combination and rule (kept on the system: a notebook protects its system again for
    each model it adds, over the same derived counts, and the sums were a twentieth of a causes section's
    protection): a quantity's value never changes (:meth:`LinkedCounts.quantity`), and a combination is kept
    with its answer, so a derived count given another one is summed anew (and every one, for another system's
    values: :meth:`LinkedCounts.continue_from`)."""
    kept = system._kept.small
    if kept is None or kept[0] != rule or kept[1] is not system.values:  # another rule, or system's values
        kept = system._kept.small = (rule, system.values, {})
    known = kept[2]
    small = []
    for name, combination in system.derived.items():
        seen = known.get(name)
        if seen is None or seen[0] is not combination:
            small_now = (
                seen[1]
                if seen is not None and seen[0] == combination
                else rule.is_small(sum(c * system.values[q] for q, c in combination.items()))
            )
            seen = known[name] = (combination, small_now)
        if seen[1]:
            small.append((name, combination))
    return small


def linked_exposures(
    system: LinkedCounts, rule: DisclosureRule = DEFAULT_RULE, *, complements: bool = False
) -> list[Hashable]:
    """The small counts of ``system`` (withheld, or ``derived`` and never shown) that only one value fits,
    given everything it publishes: each is a count a reader gets back by combining the tables (first those
    another table shows outright). With ``complements``, every withheld count so recovered, a complement
    (``x``) too: one that gives no small count away is no disclosure, but it no longer hides anything. A
    withheld true zero is not counted when the rule holds zeros safe (it says nobody was recorded, about
    nobody). By linear programming (:class:`_LinkedProgram`); a quantity whose true value breaks its label's
    bounds (a perturbed count) is given them widened to it.
    """
    programs = _Programs(system, rule)
    exposed, found = _audit(system, rule, complements, programs, points=_carried_points(system, programs))
    _keep_points(system, programs, found)
    return exposed


def integer_exposures(
    system: LinkedCounts,
    rule: DisclosureRule = DEFAULT_RULE,
    *,
    complements: bool = False,
    points: tuple[Sequence[Hashable], np.ndarray | Sequence[Sequence[float]]] | None = None,
) -> list[Hashable]:
    """:func:`linked_exposures` exactly: the same counts judged over every table of whole numbers that fits
    everything published (integer programming), not over its relaxation read by rounding. A count that only
    whole numbers pin beyond rounding (one whose second value needs another count at a half: sums of a, b and
    c two at a time) the linear audit misses, and this finds. Solved alone it costs two to five times the
    linear audit (a causes section's systems: 0.2 to 0.7 s) and found nothing more in the demo's briefs nor in
    the real files', so :func:`protect_linked` searches by the linear audit and checks its result with this one,
    given the linear audit's solutions. A programme HiGHS leaves unanswered leaves its target exposed.

    ``points``: readings already found (the quantities named, a value per quantity and point; one not named
    takes its true value), such as the linear audit's solutions; one that is whole and fits everything
    published frees the targets it puts a whole count from their values without an integer programme (the
    linear audit's solutions are whole where its programme is, as a table with margins is)."""
    given = [points] if points is not None else []
    return _integer_pinned(system, rule, _linked_targets(system, rule, complements), complements, given)


def _integer_pinned(
    system: LinkedCounts,
    rule: DisclosureRule,
    targets: list[tuple[Hashable, Combination]],
    complements: bool = False,
    points: Sequence[tuple[Sequence[Hashable], np.ndarray | Sequence[Sequence[float]]]] = (),
    relaxed: _LinkedProgram | None = None,
    found: list[np.ndarray] | None = None,
) -> list[Hashable]:
    """Those of ``targets`` (and the counts another table shows) that one whole value fits
    (:func:`integer_exposures`; ``points``: sets of its points). ``relaxed``: the system's linear programme, up
    to date, when one is made. ``found`` gets the whole tables that freed targets (a value per quantity of
    ``relaxed``), for the next check (:func:`protect_linked`)."""
    import numpy as np

    shown = [
        q
        for q in system.published_too
        if rule.is_small(system.values[q]) or (complements and (system.values[q] or not rule.zero_is_safe))
    ]
    if not targets:
        return shown
    if relaxed is None:
        relaxed = _LinkedProgram(system, rule)  # its rows and bounds, as the linear audit has them
    if not relaxed.fits(relaxed.truth):  # as :func:`_audit`: a system its truth breaks proves nothing free
        return shown + [name for name, _ in targets]
    program = LinearProgram(
        (
            relaxed._rows_of,
            relaxed._columns_of,
            relaxed._coefficients,
            (len(relaxed._row_lower), len(relaxed.names)),
        ),
        relaxed._row_lower,
        relaxed._row_upper,
        relaxed._lower,
        relaxed._upper,
        integral=True,
    )
    stacked = np.array([relaxed.vector(combination) for _, combination in targets])
    truth = stacked @ relaxed.truth
    unresolved = np.ones(len(targets), dtype=bool)

    def differs_at(x: np.ndarray) -> None:
        freed = unresolved & (np.abs(stacked @ x - truth) >= 1 - _WHOLE)
        if freed.any():
            unresolved[freed] = False
            if found is not None:
                found.append(x)

    for names, values in points:
        if not len(values):
            continue
        at = {name: k for k, name in enumerate(names)}
        columns = np.array([at.get(name, -1) for name in relaxed.names])
        named = columns >= 0
        given = np.tile(relaxed.truth, (len(values), 1))
        given[:, named] = np.asarray(values, dtype=float)[:, columns[named]]
        for x in np.round(given):  # a whole table only: a point that is not one, rounded, fits no more
            if unresolved.any() and program.fits(x):
                differs_at(x)

    def differs_with(objective: np.ndarray) -> None:
        x = program.solution(objective)
        if x is not None:
            differs_at(x)

    # as :func:`_audit`: a few programmes free most targets together, the rest are asked one by one
    if unresolved.sum() > 1:
        for sign in (1.0, -1.0):
            if unresolved.any():  # the sum down freed them all: the sum up would be of nothing
                differs_with(sign * (unresolved @ stacked))
        rng = np.random.default_rng(0)
        for _ in range(4):
            # one target left: a random sign of it is its minimum or its maximum, asked below anyway
            left = int(unresolved.sum())
            if left < 2:
                break
            differs_with((rng.choice([-1.0, 1.0], size=len(targets)) * unresolved) @ stacked)
            if unresolved.sum() == left:  # as in :func:`_audit_short_of`: the rest likely pinned, asked alone
                break
    # each left on its own: its maximum first (a small count has more room above it than below: in the demo's
    # briefs the maximum freed 16 of 19, the minimum 3; the same targets freed, as both are asked when needed)
    for k in np.flatnonzero(unresolved).tolist():
        differs_with(-stacked[k])
        if unresolved[k]:
            differs_with(stacked[k])
    return shown + [name for (name, _), pinned in zip(targets, unresolved, strict=True) if pinned]


def _carried_points(system: LinkedCounts, programs: _Programs) -> list[np.ndarray]:
    """The points that freed targets in the last audit of ``system`` (:class:`_Kept`), as
    points of its present programme: a quantity they do not name takes its true value.

    Carrying them is sound however the system changed since (counts withheld or shown, a share's rows gone,
    quantities, tables and bounds added, quantities left out): :func:`_audit` uses a point only where it fits
    every bound and row of the present programme, and such a point is a reading of everything now published
    that puts each target it frees at least 1 from its value, which is what freeing means (no point pins a
    target: those it does not free are solved for as before). A point from before a count was withheld (a
    widening) still fits; one from before a table was added fits where that table's counts are at their true
    values where the point's quantities are, and is dropped where they are not."""
    import numpy as np

    if system._kept.points is None or not system.values:
        return []
    names, points = system._kept.points
    at = {name: k for k, name in enumerate(names)}
    program = programs.made()
    columns = np.array([at.get(name, -1) for name in program.names])
    named = columns >= 0
    out = np.tile(program.truth, (len(points), 1))
    out[:, named] = points[:, columns[named]]
    return list(out)


def _keep_points(system: LinkedCounts, programs: _Programs, found: _Known) -> None:
    """Keep on ``system`` the points that freed targets in its audit ``found``, for its next audit (the last
    :data:`_KEPT_POINTS` found)."""
    import numpy as np

    points = found.points[-_KEPT_POINTS:]
    if points and programs._program is not None:
        system._kept.points = (list(programs._program.names), np.array(points))


#: The most points kept from one audit of a system to the next (:func:`_keep_points`), and tried by one.
_KEPT_POINTS = 64

#: The most targets an audit asks one by one rather than first together (:func:`_audit`): each target's own
#: programmes free the others their solutions put 1 away too, and for a few targets that asks fewer programmes
#: than the two sums and random mixes (the rows of UNODC's tables by sex, age and form, every country: a fifth
#: fewer; no more on person sections, whose audits have dozens). Only how the targets are found free changes,
#: not which are: each is free or pinned by its range.
_FEW_TARGETS = 8


#: A target of an audit: its name and its combination, as a key.
_TargetKey = tuple[Hashable, tuple[tuple[Hashable, float], ...]]


@dataclass
class _Known:
    """What an audit of a system found of each target (:func:`_linked_targets`): not pinned (``free``), or
    pinned, with the proof of both its ends (``pinned``).

    Carried to a system that differs only by widened bounds (a published count withheld: its single value
    becomes a range that holds it), it still says much: a target free stays free (every solution still
    fits), and a pinned one whose proof puts no cost on the widened quantities stays pinned
    (:meth:`_Pinned.survives`); only the others need their programmes solved again."""

    free: set[_TargetKey] = field(default_factory=set)
    pinned: dict[_TargetKey, _Pinned] = field(default_factory=dict)
    #: the proofs, in the system before ``widened`` widened, of targets that may no longer be pinned
    before: dict[_TargetKey, _Pinned] = field(default_factory=dict)
    widened: int | None = None
    #: the solutions (a value per column of the programme) that freed targets, in this system or in one it
    #: was widened from (each fits this one too, but for a share's rows: :func:`_carried_points`)
    points: list[np.ndarray] = field(default_factory=list)

    def after(self, widened: int | None) -> _Known | None:
        """What still holds once the bounds of quantity ``widened`` (an index) widen; None for a change that
        is not only a widening."""
        if widened is None:
            return None
        known = _Known(set(self.free), widened=widened, points=list(self.points))
        for key, proof in self.pinned.items():
            (known.pinned if proof.survives(widened) else known.before)[key] = proof
        return known

    def narrowed(self, rows: tuple[int, int]) -> _Known:
        """What still holds once a share is withheld (its rows ``rows`` freed, its count's bounds narrowed:
        :func:`_share_narrowing`): a pinned target whose proof puts no dual value on those rows stays pinned, as
        bounds of its range (weak duality, as :func:`_frees` reads it); a free one is asked again (a point that
        freed it may break the narrowed bound)."""
        known = _Known(points=list(self.points))
        for key, proof in self.pinned.items():
            if _rows_quiet(proof.low, rows) and _rows_quiet(proof.high, rows):
                known.pinned[key] = proof._replace(exact=False)
        return known


def _target_key(name: Hashable, combination: Combination) -> _TargetKey:
    return (name, tuple(combination.items()))


def _audit(
    system: LinkedCounts,
    rule: DisclosureRule,
    complements: bool,
    programs: _Programs,
    known: _Known | None = None,
    derived: list[tuple[Hashable, Combination]] | None = None,
    points: Sequence[np.ndarray] = (),
) -> tuple[list[Hashable], _Known]:
    """:func:`_audit_short_of` to the end."""
    audited = _audit_short_of(system, rule, complements, programs, known, derived, points)
    assert audited is not None  # no ``enough``: never stopped short
    return audited


def _audit_short_of(
    system: LinkedCounts,
    rule: DisclosureRule,
    complements: bool,
    programs: _Programs,
    known: _Known | None = None,
    derived: list[tuple[Hashable, Combination]] | None = None,
    points: Sequence[np.ndarray] = (),
    enough: int | None = None,
) -> tuple[list[Hashable], _Known] | None:
    """:func:`linked_exposures` on the kept programme of ``programs``, and what it found of every target
    (:class:`_Known`). ``known``: what holds of the targets in the present system (:meth:`_Known.after`); a
    target it settles is not solved again. ``derived``: the small derived counts (:func:`_small_derived`), when
    already found. ``points``: solutions
    found before (a value per column of the programme), tried first: one that fits the present system
    (:meth:`_LinkedProgram.fits`) frees every target it puts at least 1 from its value, as a solution of the
    present programme does (the audit's answer for a target is its range, not how it was found).
    ``enough``: None as soon as that many counts are found exposed (a candidate complement whose trial is
    known not to beat one tried before: the rest of its audit decides nothing)."""
    import numpy as np

    shown = [
        q
        for q in system.published_too
        if rule.is_small(system.values[q]) or (complements and (system.values[q] or not rule.zero_is_safe))
    ]
    found = _Known()
    targets = _linked_targets(system, rule, complements, derived)
    if not targets:
        return shown, found
    keys = [_target_key(name, combination) for name, combination in targets]
    if known is not None:
        found.free = {key for key in keys if key in known.free}
        found.pinned = {key: known.pinned[key] for key in keys if key in known.pinned}
        found.points = list(known.points)
    if enough is not None and len(shown) + len(found.pinned) >= enough:
        return None
    asked = [k for k, key in enumerate(keys) if key not in found.free and key not in found.pinned]
    if asked:
        program = programs.current()
        if not program.fits(program.truth):
            # the true counts break what the system says of them (a row or bound that does not hold them): a
            # programme with no solution proves nothing free, so every target is taken as exposed (an
            # infeasible system read as "nothing exposed" failed open: shares of perturbed counts did)
            return shown + [name for name, _ in targets], found
        stacked = np.array([program.vector(targets[k][1]) for k in asked])
        unresolved = np.ones(len(asked), dtype=bool)
        target_truth = stacked @ program.truth

        def differs_at(x: np.ndarray) -> None:
            # a second whole value (to within the solver's tolerance): the range holds two (the final test, below)
            freed = unresolved & (np.abs(stacked @ x - target_truth) >= 1 - _WHOLE)
            if freed.any():
                unresolved[freed] = False
                found.points.append(x)

        for x in points:
            if unresolved.any() and program.fits(x):
                differs_at(x)
        if unresolved.sum() > _FEW_TARGETS:  # many targets: most are freed together by a few programmes

            def differs_with(objective: np.ndarray) -> None:
                result = program.solve(objective)
                if result.proved:
                    differs_at(result.x)

            for sign in (1.0, -1.0):
                differs_with(sign * (unresolved @ stacked))
            rng = np.random.default_rng(0)  # fixed seed: the same tables always get the same answer
            for _ in range(4):
                if not unresolved.any():
                    break
                left = int(unresolved.sum())
                differs_with((rng.choice([-1.0, 1.0], size=len(asked)) * unresolved) @ stacked)
                if unresolved.sum() == left:  # the rest are likely pinned: each is asked on its own
                    break
        before = known.before if known is not None else {}
        widened = known.widened if known is not None else None
        for j, k in enumerate(asked):
            proof = None
            if unresolved[j]:
                seen: list[np.ndarray] = []
                proof = program.ends(stacked[j], before.get(keys[k]), widened, seen)
                for x in seen:  # a solution found for this target may free those still to be asked
                    differs_at(x)
            if proof is None:
                found.free.add(keys[k])
            else:
                found.pinned[keys[k]] = proof
                if enough is not None and len(shown) + len(found.pinned) >= enough:
                    return None
    exposed = list(shown)
    exposed += [name for (name, _), key in zip(targets, keys, strict=True) if key in found.pinned]
    return exposed, found


def _linked_candidates(
    system: LinkedCounts, among: Iterable[Hashable], allowed: Collection[Hashable] | None = None
) -> list[Hashable]:
    """The positive counts of ``among`` that ``system`` publishes (as counts or shares, or in one table of
    several), smallest first."""
    values, status, shown = system.values, system.status, system.published_too
    chosen = [
        q
        for q in among
        if values[q] > 0
        and q != ONE
        and (allowed is None or q in allowed)
        and (status.get(q, "unpublished") in (None, SHARE) or q in shown)
    ]
    # each quantity's text made once a system (a function of the quantity alone), not at every sort: a
    # protection sorts the counts around each exposed count, ring after ring, candidate after candidate
    labels = system._kept.labels
    for q in chosen:
        if q not in labels:
            labels[q] = str(q)
    return sorted(chosen, key=lambda q: (values[q], labels[q]))


def _withhold_linked(system: LinkedCounts, quantity: Hashable) -> Callable[[], None]:
    """Withhold ``quantity`` wherever ``system`` shows it; returns what undoes it."""
    before, shown = system.status.get(quantity, "unpublished"), quantity in system.published_too
    if shown:
        system.published_too.discard(quantity)
    else:
        system.status[quantity] = _COMPLEMENT

    def undo() -> None:
        if shown:
            system.published_too.add(quantity)
        else:
            if before == "unpublished":
                system.status.pop(quantity, None)
            else:
                system.status[quantity] = before

    return undo


def _widening(system: LinkedCounts, programs: _Programs, quantity: Hashable) -> int | None:
    """The index of ``quantity`` when withholding it only widens its bounds (a count shown becomes a range
    that holds its value, and no share row starts to bind); None for any other change (a share withheld: its
    rows go, but its lower bound rises)."""
    program = programs.made()
    rule, ceiling = program.rule, program._ceiling

    def state() -> tuple[tuple[float, float], bool]:
        binds = system.status.get(quantity) == SHARE and quantity not in system.published_too
        return system._bound(quantity, rule, ceiling), binds

    (low, high), binds = state()
    undo = _withhold_linked(system, quantity)
    try:
        (new_low, new_high), new_binds = state()
    finally:
        undo()
    index = program.index.get(quantity)
    return index if new_low <= low and new_high >= high and new_binds == binds else None


def _share_narrowing(system: LinkedCounts, programs: _Programs, quantity: Hashable) -> tuple[int, int] | None:
    """The two rows of ``quantity``'s share when withholding it frees them and only narrows its bounds (a
    share withheld: 0 to the ceiling becomes its complement's range); None for any other change."""
    program = programs.made()
    row = program._share_rows.get(quantity)
    if row is None or system.status.get(quantity) != SHARE or quantity in system.published_too:
        return None
    rule, ceiling = program.rule, program._ceiling
    low, high = system._bound(quantity, rule, ceiling)
    undo = _withhold_linked(system, quantity)
    try:
        new_low, new_high = system._bound(quantity, rule, ceiling)
    finally:
        undo()
    return (row, row + 1) if new_low >= low and new_high <= high else None


def _rows_quiet(end: _Optimum, rows: tuple[int, int]) -> bool:
    """Whether the rows ``rows`` have no dual value in the optimum ``end``."""
    return end.row_costs is not None and all(abs(end.row_costs[r]) <= _ZERO_COST for r in rows)


def _frees(
    system: LinkedCounts,
    programs: _Programs,
    candidate: Hashable,
    target: Combination,
    proofs: dict[Hashable, _Pinned] | None = None,
    before: _Pinned | None = None,
    widened: int | None = None,
) -> bool:
    """Whether withholding ``candidate`` leaves ``target`` more than one whole value; when it does not, the
    proof is kept in ``proofs`` (by candidate). ``before``: the target's proof with ``candidate`` shown, whose
    bounds (at index ``widened``) withholding it widens (:meth:`_LinkedProgram.ends`).

    A share withheld is no widening (its rows go, its count's lower bound rises), but where neither end of
    ``before`` puts a dual value on its rows, their dual solutions are still ones of the programme without them,
    and the narrowed bound only raises what they prove (weak duality): the target stays pinned, and nothing is
    solved (the heat table's shares: most of a person section's candidates, none of which freed a target)."""
    rows = _share_narrowing(system, programs, candidate) if before is not None else None
    if (
        before is not None
        and rows is not None
        and _rows_quiet(before.low, rows)
        and _rows_quiet(before.high, rows)
    ):
        if proofs is not None:
            proofs[candidate] = before._replace(exact=False)  # bounds of its ends, no longer their optima
        return False
    undo = _withhold_linked(system, candidate)
    try:
        program = programs.current()
        proof = program.ends(program.vector(target), before, widened)
    finally:
        undo()
    if proof is not None and proofs is not None:
        proofs[candidate] = proof
    return proof is None


def protect_linked(
    system: LinkedCounts,
    rule: DisclosureRule = DEFAULT_RULE,
    *,
    max_rounds: int = 200,
    max_candidates: int = 24,
    among: Collection[Hashable] | None = None,
    patience: int = 4,
) -> dict[Hashable, str]:
    """Withhold further published counts of ``system`` until no withheld count, and no small derived count,
    follows from the whole (:func:`linked_exposures`): tables of one population protected together.

    A count one table shows and another withholds is withheld wherever it is shown (its counterpart). For any
    other exposed count, a complement is looked for among the published counts tied to it (a line or bound it
    shares), then those tied to them, then further: the smallest few that free it are tried, and the one that
    leaves the fewest counts exposed is withheld (a count published only as a share loses its share). Returns
    the counts withheld here (quantity -> ``"complement"``); ``system.status`` is updated. ``among``: the only
    counts that may be withheld (those of an output not yet shown). ``patience``: the rounds a count may stay
    exposed before it is taken as pinned by its labels (one freed only by several counts withheld together, such
    as a group size four tables give, needs more). Raises :class:`PinnedByLabels` (a :class:`DisclosureError`)
    when nothing it may withhold is left around an exposed count, and :class:`ProtectionSearchGaveUp` (one too)
    when the search stops first: a count exposed beyond ``patience``, ``max_rounds`` spent, or a count pinned
    in whole numbers that no one count withheld frees.

    Each count withheld only widens the system's bounds (a share's aside), so what an audit found is carried
    from round to round and to each candidate tried (:class:`_Known`): a target once free is not asked again,
    nor a pinned one whose proof the candidate cannot touch (a share withheld: whose proof does not rest on its
    rows, :meth:`_Known.narrowed`); a candidate's trial stops once it cannot beat one tried before. The counts
    chosen are those of solving every programme again.

    What the last audit of the same ``system`` found is carried into this one (:class:`_Kept`), as callers
    protect a system again and again as they grow it (a notebook adds each model's counts to its tables'
    system, protects them, then the next model's) or withhold more of it: its HiGHS model, grown with the
    quantities and lines added since (:meth:`_LinkedProgram.grown`; a system changed otherwise gets a new one),
    and the points that freed its targets, tried first where they still fit (:func:`_carried_points`). The
    first audit of a repeated protection so frees most of its targets without solving, and solves the rest from
    the last basis; what it finds, and so what is withheld, is what a protection from scratch finds.

    The result is then checked exactly (:func:`integer_exposures`): a count only whole numbers pin (sums of
    three counts two at a time) gets a complement that frees it in whole numbers, the search above is run
    again, and so on (within ``max_rounds``). The check costs nothing where the linear audit's solutions are
    whole tables that free every target (a table with margins: its programme's corners are whole).
    """
    import numpy as np

    ties = _linked_ties(system)
    added = _protect_relaxed(system, rule, ties, max_rounds, max_candidates, among, patience)
    derived = _small_derived(system, rule)
    for _ in range(max_rounds):
        targets = _linked_targets(system, rule, False, derived)
        if not targets:
            return added
        programs = _Programs(system, rule)  # the search's own programme, kept on the system
        relaxed = programs.current()
        # the linear audit's points, and the whole tables that freed the last check's targets (a system
        # protected again as it grows): each frees targets only where it is a whole table that fits
        given = [p for p in (system._kept.points, system._kept.whole) if p is not None]
        found: list[np.ndarray] = []
        pinned = _integer_pinned(system, rule, targets, points=given, relaxed=relaxed, found=found)
        if found:
            system._kept.whole = (list(relaxed.names), np.array(found[-_KEPT_POINTS:]))
        if not pinned:
            return added
        target = pinned[0]
        chosen = _integer_complement(system, programs, ties, target, max_candidates, among)
        if chosen is None:  # no one count withheld frees it: fail closed, as the search above does
            if not _linked_candidates(system, system.values, among):
                raise _pinned_by_labels(rule)
            raise _search_gave_up(
                rule,
                f"withholding any one of the {max_candidates} smallest counts tied to it (up to four steps away) "
                "leaves it pinned in whole numbers",
            )
        _withhold_linked(system, chosen)
        added[chosen] = _COMPLEMENT
        added |= _protect_relaxed(system, rule, ties, max_rounds, max_candidates, among, patience)
    raise _search_gave_up(
        rule, f"counts pinned in whole numbers were left after {max_rounds} rounds (max_rounds)"
    )


#: The lines and bounds each quantity of a system is in, as the sets of their quantities (:func:`_linked_ties`).
_Ties = dict[Hashable, list[frozenset[Hashable]]]


def _same_line(line: Combination | None, kept: Combination) -> bool:
    """Whether ``line`` is the line ``kept`` (a derived count given again, as a new combination of the same
    quantities and coefficients: the section adds a topic's counts again beside each model)."""
    return line is kept or line == kept


def _linked_ties(system: LinkedCounts) -> _Ties:
    """The lines and bounds of ``system`` each of its quantities is in (the quantities it shares one with, itself
    among them, are their union: :func:`_wider`). Each line's set is made once, not added to the set of each of its
    quantities: a line of k quantities cost k² insertions, for the whole system at every protection."""
    equalities, at_most, derived = system.equalities, system.at_most, system.derived
    bases = {q: base for q, (base, _, _) in system.shares.items()}
    kept = system._kept.ties
    if (
        kept is not None
        and len(equalities) >= len(kept[0])
        and len(at_most) >= len(kept[1])
        and all(a is b for a, b in zip(kept[0], equalities))
        and all(a is b for a, b in zip(kept[1], at_most))
        and all(_same_line(derived.get(name), line) for name, line in kept[2].items())
        and all(bases.get(q) == base for q, base in kept[3].items())
    ):
        # the system has only grown since (a notebook adds each model's counts, then protects them): the ties
        # of the lines added since are added to those kept (the same sets: only :func:`_wider`'s unions read them)
        ties = kept[4]
        lines = [*equalities[len(kept[0]) :], *at_most[len(kept[1]) :]]
        lines += [line for name, line in derived.items() if name not in kept[2]]
        lines += [{q: 1.0, base: 1.0} for q, base in bases.items() if q not in kept[3]]
    else:
        ties, lines = {}, [*equalities, *at_most, *derived.values()]
        lines += [{q: 1.0, base: 1.0} for q, base in bases.items()]
    for combination in lines:
        members = frozenset(combination)
        for q in members:
            ties.setdefault(q, []).append(members)
    system._kept.ties = (list(equalities), list(at_most), dict(derived), bases, ties)
    return ties


def _integer_complement(
    system: LinkedCounts,
    programs: _Programs,
    ties: _Ties,
    target: Hashable,
    max_candidates: int,
    among: Collection[Hashable] | None,
) -> Hashable | None:
    """The count to withhold so that ``target``, pinned only in whole numbers, is not: itself where another
    table shows it, else the smallest published count tied to it (then to those, up to four steps away)
    whose withholding leaves it two whole values; None when none does."""
    if target in system.published_too:
        return target if among is None or target in among else None
    combination = system.derived.get(target, {target: 1.0})
    near: set[Hashable] = set(combination)
    fresh = near  # the counts of ``near`` whose ties it does not hold yet (:func:`_wider`)
    asked: set[Hashable] = set()
    for _hop in range(4):
        wider = _wider(near, fresh, ties)
        for candidate in _linked_candidates(system, wider, among)[:max_candidates]:
            if candidate in asked:
                continue
            asked.add(candidate)
            undo = _withhold_linked(system, candidate)
            try:
                pinned = _integer_pinned(
                    system, programs.rule, [(target, combination)], relaxed=programs.current()
                )
                frees = target not in pinned
            finally:
                undo()
            if frees:
                return candidate
        if wider == near:
            return None
        near, fresh = wider, wider - near
    return None


def _wider(near: set[Hashable], fresh: Iterable[Hashable], ties: _Ties) -> set[Hashable]:
    """``near`` and every count tied to one of it, given ``fresh``: those of ``near`` whose ties are not all in it
    (the ring added by the last step; the ties of the counts before it are in ``near`` already). One union of the
    fresh counts' ties: the ties of every count of ``near``, gathered again at each step, one by one, were a fifth
    of a large table's protection (the table by citizenship beside the United Kingdom's route tables, 2023 workbook;
    the same sets, so the same candidates in the same order). Each line once: a line of k fresh counts is in the
    ties of each, and merging it k times cost a twentieth of a yearly table's protection beside the route tables
    (the same union)."""
    # each line once: a set of the lines (a frozenset keeps its hash; one line is one object, in the ties of
    # each of its quantities), not a dict by ``id``, a call each
    return near.union(*{line for q in fresh for line in ties.get(q, ())})


def _protect_relaxed(
    system: LinkedCounts,
    rule: DisclosureRule,
    ties: _Ties,
    max_rounds: int,
    max_candidates: int,
    among: Collection[Hashable] | None,
    patience: int,
) -> dict[Hashable, str]:
    """:func:`protect_linked` by the linear audit alone: the counts it withholds."""
    added: dict[Hashable, str] = {}
    programs = _Programs(system, rule)
    derived = _small_derived(
        system, rule
    )  # the values do not change here, nor which derived counts are small
    # a kept programme's earlier failures are another protection's
    failed_before = len(programs._program.unanswered) if programs._program is not None else 0
    exposed, known = _audit(system, rule, False, programs, None, derived, _carried_points(system, programs))

    def unprotectable(gave_up: str | None = None) -> DisclosureError:
        """The error that stops the search: the solver's, else why it stopped (``gave_up``), else the labels."""
        failed = programs._program.unanswered[failed_before:] if programs._program is not None else []
        if not failed:
            return _pinned_by_labels(rule) if gave_up is None else _search_gave_up(rule, gave_up)
        return SolverUnanswered(
            "these counts cannot be proved safe to publish: the solver (HiGHS) left "
            f"{len(failed)} of the programmes of their audit unanswered, twice ({', '.join(sorted(set(failed)))}); "
            "a count it cannot prove protected is taken as exposed, and no complement made up for it"
        )

    try:
        stuck: dict[Hashable, int] = {}
        for _ in range(max_rounds):
            if not exposed:
                return added
            target = exposed[0]
            stuck[target] = stuck.get(target, 0) + 1
            if stuck[target] > patience:
                # not a proof that its labels pin it: each round withheld the one count that left the fewest
                # exposed, and several withheld together (more patience) may free it
                raise unprotectable(
                    f"it stayed exposed after {patience} rounds of counts withheld around it (patience)"
                )
            if target in system.published_too and (among is None or target in among):
                # withheld in one table: withheld wherever it is shown
                widened = _widening(system, programs, target)
                system.published_too.discard(target)
                added[target] = _COMPLEMENT
                carried = known.after(widened)
                points = known.points[-_KEPT_POINTS:] if carried is None else ()
                exposed, known = _audit(system, rule, False, programs, carried, derived, points)
                continue
            combination = system.derived.get(target, {target: 1.0})
            key = _target_key(target, combination)
            # the target's proof in this round's system (None: one another table shows, or none kept)
            proof = known.pinned.get(key)
            near = set(combination)
            fresh = near  # the counts of ``near`` whose ties it does not hold yet (:func:`_wider`)
            freeing: list[Hashable] = []
            first: list[Hashable] = []
            # whether withholding a candidate frees the target depends only on what the system withholds, which
            # is the same in every ring of this round (each _frees undoes its withholding): a candidate of an
            # inner ring, found not to free it, is not asked again in the wider ring that holds it too
            frees: dict[Hashable, bool] = {}
            widenings: dict[Hashable, int | None] = {}
            proofs: dict[Hashable, _Pinned] = {}  # the target's proof with a candidate withheld
            others: list[_Pinned] = []  # those found by solving, each with a count withheld that only widened
            for _hop in range(4):
                wider = _wider(near, fresh, ties)
                candidates = _linked_candidates(system, wider, among)
                first = first or candidates
                for c in candidates[:max_candidates]:
                    if c not in frees:
                        widened = widenings[c] = _widening(system, programs, c)
                        if proof is not None and proof.survives(widened):
                            frees[c], proofs[c] = False, proof  # the target's proof holds with c withheld
                        elif widened is not None and (
                            other := next((p for p in others if p.survives(widened)), None)
                        ):
                            # the target's proof with another count withheld: that count shown again, and c
                            # withheld at no cost, its range is no wider
                            frees[c], proofs[c] = False, other._replace(exact=False)
                        else:
                            frees[c] = _frees(system, programs, c, combination, proofs, proof, widened)
                            if c in proofs and widened is not None:
                                others.append(proofs[c])
                freeing = [c for c in candidates[:max_candidates] if frees[c]]
                if freeing or wider == near:
                    break
                near, fresh = wider, wider - near
            if not first:  # nothing it may withhold is left around it: its labels alone pin it
                raise unprotectable()
            best: tuple[int, int] | None = None
            chosen, after, after_known = first[0], exposed, known
            for candidate in freeing[:4] or first[:4]:
                if candidate not in widenings:
                    widenings[candidate] = _widening(system, programs, candidate)
                carried = known.after(widenings[candidate])
                rows = _share_narrowing(system, programs, candidate) if carried is None else None
                if rows is not None:
                    # a share withheld (most candidates of a person section's heat table): the targets whose
                    # proofs do not rest on its rows need no programme to stay pinned
                    carried = known.narrowed(rows)
                if carried is not None and proof is not None and candidate in frees:
                    if frees[candidate]:
                        carried.free.add(key)
                    elif candidate in proofs:
                        carried.pinned[key] = proofs[candidate]
                # the candidates come smallest first: one tried later wins only by leaving fewer counts exposed,
                # and its audit stops as soon as it cannot (a count freed by the first leaves nothing to win)
                enough = None
                if best is not None:
                    enough = best[0] + (system.values[candidate] < best[1])
                undo = _withhold_linked(system, candidate)
                points = known.points[-_KEPT_POINTS:] if carried is None or rows is not None else ()
                audited = _audit_short_of(system, rule, False, programs, carried, derived, points, enough)
                undo()
                if audited is None:
                    continue
                trial, trial_known = audited
                score = (len(trial), system.values[candidate])
                if best is None or score < best:
                    best, chosen, after, after_known = score, candidate, trial, trial_known
            _withhold_linked(system, chosen)
            added[chosen] = _COMPLEMENT
            exposed, known = after, after_known
        raise unprotectable(f"counts were still exposed after {max_rounds} rounds (max_rounds)")
    finally:  # what this protection found, for the next of the same system
        _keep_points(system, programs, known)


#: A cell of one of several tables: (the table's index, its count column, its row; margins included).
TableCell = tuple[int, str, int]


def protect_together(
    tables: Sequence[DisclosedTable],
    values: Sequence[pl.DataFrame],
    same: Iterable[Sequence[TableCell]] = (),
    rule: DisclosureRule | None = None,
    *,
    fixed: Collection[TableCell] = (),
    unpublished: Collection[TableCell] = (),
    patience: int = 4,
) -> list[DisclosedTable]:
    """Tables of one output, each protected on its own, protected together: what a reader who holds all of them
    can recompute is withheld further (:func:`protect_linked`), in every table that shows it.

    ``values``: each table's true counts, a column per count column of the table and a row per row of its frame
    (margins included). Each table's own lines are known to the reader (its rows add up to its total column, its
    columns to its totals row), and so is ``same``: the cells of different tables that are one count (the rows
    rejected of a file, in the table of files and as the total of its rejected rows by reason). A count one
    table shows and another withholds is shown; one withheld wherever it is shown stays withheld in each.
    ``fixed``: cells shown as they are by other outputs, never withheld here (a notebook's selection of a file,
    which every table of it adds up to); ``unpublished``: cells no output shows, which a reader gets only as a
    difference and which must not follow when small (the records of a file outside the selection: its rows kept
    less the selection), their table's status ignored. ``patience``: as :func:`protect_linked` takes it (a count
    freed only by several counts withheld together needs more).
    Returns the tables, with the complements added (``x``). Raises :class:`DisclosureError` when no complement
    will do (a small count its labels alone pin down)."""
    rule = rule or (tables[0].rule if tables else DEFAULT_RULE)
    if len(values) != len(tables):
        raise ParameterError("protect_together needs the true counts of every table, table for table")
    parent: dict[TableCell, TableCell] = {}

    def root(cell: TableCell) -> TableCell:
        while parent.get(cell, cell) != cell:
            cell = parent[cell]
        return cell

    for cells in same:
        first, *others = list(cells)
        for other in others:
            parent[root(other)] = root(first)
    system = LinkedCounts()
    shown_at: dict[Hashable, list[TableCell]] = {}
    for t, (table, truth) in enumerate(zip(tables, values, strict=True)):
        missing = [c for c in table.count_columns if c not in truth.columns]
        if missing or truth.height != table.frame.height:
            raise ParameterError(
                "the true counts of a table need its count columns "
                f"({', '.join(table.count_columns)}) and a row per row of its frame"
            )
        for column in table.count_columns:
            reasons = table.reasons[column].to_list()
            for row, value in enumerate(truth[column].to_list()):
                if value is None:
                    raise ParameterError(f"the true count of {column!r}, row {row}, is missing")
                cell: TableCell = (t, column, row)
                name = root(cell)
                if cell in unpublished:
                    system.quantity(name, int(value))
                    system.derived[name] = {name: 1.0}
                    continue
                system.publish(name, int(value), reasons[row])
                shown_at.setdefault(name, []).append(cell)
        body = range(table.frame.height - (1 if table.has_total_row else 0))
        if table.has_total_column:
            for row in body:
                line: Combination = {root((t, c, row)): 1.0 for c in table.value_columns}
                line[root((t, table.total_label, row))] = (
                    line.get(root((t, table.total_label, row)), 0.0) - 1.0
                )
                system.equalities.append(line)
        if table.has_total_row:
            last = table.frame.height - 1
            for column in table.count_columns:
                line = {}
                for row in body:
                    line[root((t, column, row))] = line.get(root((t, column, row)), 0.0) + 1.0
                line[root((t, column, last))] = line.get(root((t, column, last)), 0.0) - 1.0
                system.equalities.append(line)
    held = {root(cell) for cell in fixed}
    protect_linked(system, rule, among={q for q in system.values if q not in held}, patience=patience)
    withheld = set(system.withheld())
    cells_of: dict[tuple[int, str], list[int]] = {}
    for quantity in withheld:
        for t, column, row in shown_at.get(quantity, ()):
            if tables[t].reasons[column][row] is None:  # newly withheld here
                cells_of.setdefault((t, column), []).append(row)
    out = list(tables)
    for (t, column), rows in sorted(cells_of.items()):
        out[t] = withhold_cells(out[t], column, sorted(rows))
    return out


# ------------------------------------------------------------------------------------- checking output


def check_disclosed(
    values: DisclosedTable | pl.DataFrame | pl.Series | Iterable[float | None],
    rule: DisclosureRule = DEFAULT_RULE,
    *,
    columns: Sequence[str] | None = None,
) -> list[str]:
    """Describe every value that the rule would suppress; an empty list means safe to publish.

    For a frame, ``columns`` defaults to its integer columns (floats such as shares and rates are not counts;
    name a float column to check it: then any value from ``rule.smallest_small`` up to the threshold counts,
    whole or not, since an estimated 2.5 victims is a small count too).
    """
    if isinstance(values, DisclosedTable):
        return check_disclosed(values.frame, rule, columns=list(values.count_columns))
    if isinstance(values, pl.DataFrame):
        if columns is None:
            columns = [c for c, t in values.schema.items() if t.is_integer()]
        problems = []
        for column in columns:
            if column not in values.columns:
                raise ParameterError(f"column {column!r} not in the table")
            problems += [f"column {column!r}, {p}" for p in check_disclosed(values[column], rule)]
        return problems
    sequence = values.to_list() if isinstance(values, pl.Series) else list(values)
    problems = []
    for index, value in enumerate(sequence):
        if value is None or isinstance(value, bool):
            continue
        if isinstance(value, float) and math.isnan(value):
            continue
        # Not only whole numbers: 2.5 in a count column is a small count all the same (e.g. the midpoint of a
        # censored "<5" cell).
        if rule.is_small(value):
            problems.append(f"row {index + 1}: {value:g} is below the disclosure threshold {rule.threshold}")
    return problems


def require_disclosed(
    values: DisclosedTable | pl.DataFrame | pl.Series | Iterable[float | None],
    rule: DisclosureRule = DEFAULT_RULE,
    *,
    columns: Sequence[str] | None = None,
    what: str = "output",
) -> None:
    """Raise :class:`DisclosureError` if :func:`check_disclosed` finds any small count."""
    problems = check_disclosed(values, rule, columns=columns)
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise DisclosureError(
            f"{what} would publish small counts ({shown}); "
            "pass it through suppress_counts or suppress_table first"
        )


#: The kind of number that disclosure control protects: a count of people (victims, persons, case records).
PEOPLE = "people"
#: What a number in an output can count or be (``data-kind`` values). Only :data:`PEOPLE` is checked.
NUMBER_KINDS: dict[str, str] = {
    PEOPLE: "people: victims, persons, case records, or an estimate of a number of people",
    "lists": "lists or data sources (of a capture-recapture estimate, say)",
    "countries": "countries, regions or other places",
    "years": "a year, or a number of years, months or days",
    "values": "values, cells or rows of a country-level (aggregate) table",
    "statistic": "a share, rate, ratio, p-value, interval limit or model statistic",
    "parameter": "a setting or size of the analysis (a threshold, a seed, replicates, models searched)",
    "label": "a code, rank, identifier or category name",
    "censored": "the high end of a sum of the publisher's censored cells (UNODC's <5: three such cells are "
    "up to 12), written by range_text: checked as counts of people, so a low end below the threshold "
    "printed as a number (3–12) is caught",
}
#: The kind of a range of the publisher's censored cells (``up to 12``: :func:`range_text`). Checked as
#: strictly as :data:`PEOPLE`: no end below the threshold is ever shown, so none may be found.
CENSORED = "censored"
#: The HTML attribute that says what the numbers of an element are.
KIND_ATTRIBUTE = "data-kind"
#: The kind of text that names things (a header, a caption, a category): never read as counts.
LABEL = "label"
#: The HTML attribute of a table's header cell that says what the numbers of its column are (the header cell
#: itself is a :data:`LABEL`: "Q6.1_10s_2019" or "Tier 2" names a column, it counts nothing).
COLUMN_KIND_ATTRIBUTE = "data-column-kind"


def check_kind(kind: str) -> str:
    """``kind`` if it is one of :data:`NUMBER_KINDS`; else a :class:`ParameterError` listing them."""
    if kind not in NUMBER_KINDS:
        raise ParameterError(f"unknown kind of number {kind!r}; choose from {', '.join(NUMBER_KINDS)}")
    return kind


@dataclass(frozen=True)
class SmallCountHit:
    """A number in rendered text that looks like a small count."""

    value: int | float
    context: str

    def __str__(self) -> str:
        return f"{self.value} in “…{self.context}…”"


_NUMBER_WORDS = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven"),
    *("twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"),
]
_PEOPLE = (
    r"(?:victims?|survivors?|persons?|people|individuals?|cases?|women|woman|men|man|girls?|boys?|children|"
    r"child|adults?|minors?|migrants?|workers?|traffickers?|offenders?|suspects?|records?|nationals?|"
    r"citizens?)"
)
# Table cells (HTML, or between the pipes of a Markdown table row): a whole cell may be a spelled-out count.
_HTML_CELL = re.compile(r"<t([dh])\b[^>]*>(.*?)</t\1\s*>", re.DOTALL | re.IGNORECASE)
_PIPE_ROW = re.compile(r"^[ \t]*\|(.*)\|[ \t]*$", re.MULTILINE)
_HTML_ROW_START = re.compile(r"<tr\b", re.IGNORECASE)
# The line under a Markdown table's header row: "|---|:--:|".
_PIPE_RULE = re.compile(r"[ \t]*\|?(?:[ \t]*:?-+:?[ \t]*\|)+[ \t]*(?::?-+:?[ \t]*)?")
# A count printed as a float ("4.0", as a frame repr shows a count column that became float) fills a cell.
_FLOAT_COUNT = re.compile(r"\s*(\d+)\.0+\s*")
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# Words after which a number is a label, not a count ("Figure 2", "Tier 2", "top 3 corridors").
_LABEL_WORDS = (
    r"(?:figure|fig|table|tab|chart|map|section|sect|chapter|ch|page|pp?|tier|step|note|footnote|version|"
    r"v|wave|phase|appendix|annex|box|item|no|number|nr|level|rank|round|model|part|question|q|line|row|"
    r"column|col|paragraph|para|article|art|protocol|goal|target|indicator|sdg|top|group|stage|scenario|"
    r"option|category|quarter|week|day|grade)"
)
# Thousands may be grouped with commas or with (narrow) no-break or thin spaces: "1,234", "1 234".
_THOUSANDS = ",\u00a0\u202f\u2009"
# A range of counts that fills a data cell: its low end is a number the cell shows (range_text never prints
# one below the threshold: "up to 12"), whichever way the range is written: "3–12", "3-12", "3—12", "3 − 12",
# "3 to 12", with a word for people after it or not. A range in a label cell (an age group "1-4" or "0–17"
# naming a row or a column) is a label, not checked as one (:func:`_table_cells`); a range of years
# ("2017-2019") has no small low end, and a date ("2017-01-05") or a code ("ISO-3166", "TH-10") is not a
# range of two numbers.
_RANGE_SEPARATOR = r"(?:\s*[-\u2010-\u2015\u2212]\s*|\s+to\s+)"
_RANGE_CELL = re.compile(
    rf"\s*(\d+(?:[{_THOUSANDS}]\d{{3}})*){_RANGE_SEPARATOR}\d+(?:[{_THOUSANDS}]\d{{3}})*(?:\s+{_PEOPLE})?\s*",
    re.IGNORECASE,
)
_NUMBER = re.compile(rf"\d+(?:[{_THOUSANDS}]\d{{3}})*(?:\.\d+)?")
# Markdown emphasis ("**3** victims") would otherwise hide a count behind a symbol.
_EMPHASIS = re.compile(r"(?<![\w*])[*_]{1,3}|[*_]{1,3}(?![\w*])")
# Removed in this order: script and style bodies are raw text that may hold "<head>" or "</div>" in strings,
# so they go before any element that could otherwise be matched across them.
_DROP_ELEMENTS = [
    re.compile(r"<script\b[^>]*>.*?</script\s*>", re.DOTALL | re.IGNORECASE),
    re.compile(r"<style\b[^>]*>.*?</style\s*>", re.DOTALL | re.IGNORECASE),
    re.compile(r"<!--.*?-->", re.DOTALL),
    re.compile(r"<(svg|math|head|code|pre|sup|sub)\b[^>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE),
]
_TAG = re.compile(r"<[A-Za-z/!][^<>]*>")


def _without_hidden(text: str) -> str:
    """Drop the elements that carry code, styles, graphics or footnote markers (kept: tags of the rest)."""
    if _TAG.search(text):
        for element in _DROP_ELEMENTS:
            text = element.sub(" ", text)
    return text


def _visible_text(text: str) -> str:
    """The text a reader sees: hidden elements dropped, tags removed, entities decoded, emphasis read."""
    return _EMPHASIS.sub("", html.unescape(_TAG.sub(" ", _without_hidden(text))))


# what around a number says it is not a count (see _is_count_like)
_BOUND_BEFORE = re.compile(r"[<>≤≥]\s*$")
_PERCENT_AFTER = re.compile(r"\s*(?:%|‰|per\s*cent|percent|pp\b|percentage)", re.IGNORECASE)
# The plurals of those that refer to a document's parts name a range ("pages 2-3", "Tables 2–3"; not "weeks" or
# "groups": "in the following weeks 3 victims" is a count); an age is no count ("aged 2-3", "ages 2 to 3").
_PLURAL_LABEL_WORDS = (
    r"(?:figures|figs|tables|charts|maps|sections|chapters|pages|footnotes|versions|tiers|waves|appendices|"
    r"annexes|parts|questions|rows|columns|paragraphs|articles|grades|aged?|ages)"
)
_LABEL_BEFORE = re.compile(rf"\b(?:{_LABEL_WORDS}|{_PLURAL_LABEL_WORDS})\.?\s*$", re.IGNORECASE)
_MONTH_AFTER = re.compile(rf"\s*{_MONTHS}\b", re.IGNORECASE)
_MONTH_BEFORE = re.compile(rf"\b{_MONTHS}\.?\s*$", re.IGNORECASE)
_DURATION_AFTER = re.compile(
    r"\s*(?:years?|yrs?|months?|weeks?|days?|hours?|minutes?|times|fold)\b", re.IGNORECASE
)
_LINE_START_BEFORE = re.compile(r"(?:^|\n)\s*$")
_LIST_MARK_AFTER = re.compile(r"[.)]\s")
_BRACKET_BEFORE = re.compile(r"\[\s*$")
_BRACKET_AFTER = re.compile(r"\s*\]")
_GROUPING = re.compile(f"[{_THOUSANDS}]")
# The hyphen-minus, the Unicode hyphens and dashes (U+2010 to U+2015) and the minus sign: a number touching
# one is part of a range, a code or a negative number ("1‐4" with a Unicode hyphen as "1-4").
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"


def _is_count_token(token: str) -> bool:
    if "." in token:
        return False  # counts are whole numbers; decimals are rates, ratios, estimates
    return not (len(token) == 4 and 1800 <= int(token) <= 2199)  # a year


def _is_count_like(text: str, start: int, end: int) -> bool:
    """Whether the number ``text[start:end]`` reads as a count (see :func:`find_small_counts`); for a range,
    ``start`` and ``end`` are those of the whole range, whose ends :func:`_range_hits` checks."""
    token = text[start:end]
    if _NUMBER.fullmatch(token) and not _is_count_token(token):
        return False
    return _reads_as_count(text, start, end)


def _reads_as_count(text: str, start: int, end: int) -> bool:
    """Whether what stands before ``start`` and after ``end`` lets the number (or range) between read as a
    count."""
    before, after = text[max(0, start - 40) : start], text[end : end + 40]
    if before[-1:] and (before[-1].isalnum() or before[-1] in "_.,/:$€£¥#@&'\"\\<>≤≥^*" + _DASHES):
        return False  # part of an identifier, a code, a range, a label "<5", a currency, a ratio ...
    if after[:1] and (after[0].isalnum() or after[0] in "_/:%‰°'\"\\*^" + _DASHES):
        return False  # "3rd", "2x", "5%", "1:1", "1–4", ...
    if after[:1] == "." and after[1:2].isdigit():
        return False
    if _BOUND_BEFORE.search(before):
        return False  # a label such as "< 5" or a bound "≥ 2"
    if _PERCENT_AFTER.match(after):
        return False
    if _LABEL_BEFORE.search(before):
        return False
    if _MONTH_AFTER.match(after) or _MONTH_BEFORE.search(before):
        return False  # a day of the month
    if _DURATION_AFTER.match(after):
        return False  # a duration or an age, not a count of people
    if _LINE_START_BEFORE.search(before) and _LIST_MARK_AFTER.match(after):
        return False  # a numbered list item
    is_citation = _BRACKET_BEFORE.search(before) and _BRACKET_AFTER.match(after)  # "[1]"
    return not is_citation


# A range of numbers in running text, read as a number is (:func:`_range_hits`): "2-3 victims", "2–3", "2 — 3",
# "2 to 3", "between 2 and 3". (A range in a table's data cell is read as a whole, :data:`_RANGE_CELL`.)
_NUMBER_TEXT = rf"\d+(?:[{_THOUSANDS}]\d{{3}})*(?:\.\d+)?"
_PROSE_RANGE = re.compile(
    rf"\bbetween\s+({_NUMBER_TEXT})\s+and\s+({_NUMBER_TEXT})|({_NUMBER_TEXT}){_RANGE_SEPARATOR}({_NUMBER_TEXT})",
    re.IGNORECASE,
)
# HTML tables and the rows of Markdown tables: their cells are read one by one (:func:`_table_cells`)
_HTML_TABLE = re.compile(r"<table\b.*?</table\s*>", re.DOTALL | re.IGNORECASE)


def _split_tables(text: str) -> tuple[str, str]:
    """The text without its tables (HTML and Markdown), and the tables (one a line)."""
    text = _without_hidden(text)
    tables = [m.group() for m in _HTML_TABLE.finditer(text)] if "<" in text else []
    text = _HTML_TABLE.sub(" ", text) if tables else text
    prose = []
    for line in text.split("\n"):
        if "|" in line and (_PIPE_ROW.fullmatch(line) or _PIPE_RULE.fullmatch(line)):
            tables.append(line)
            prose.append("")
        else:
            prose.append(line)
    return "\n".join(prose), "\n".join(tables)


def _range_hits(visible: str, rule: DisclosureRule) -> tuple[list[SmallCountHit], list[tuple[int, int]]]:
    """The small counts that ranges in running text show ("2–3 victims": 2 and 3; "3-12": 3), read as single
    numbers are (a range of years, of percentages, of ages in years, a code, a page range are not counts),
    and where every range of numbers is (its numbers are not read again one by one).

    A range is read as its ends: an end below the threshold is a small count shown, as in a table's data
    cell, except the rule's label written out ("1–4" for ``<5``: what the publisher's ``<5`` means), which
    shows none. The toolkit writes its own ranges with :func:`range_text` ("up to 12", never "3–12").
    """
    hits, spans = [], []
    for match in _PROSE_RANGE.finditer(visible):
        low_text, high_text = (
            (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        )
        spans.append(match.span())
        if not (_is_count_token(low_text) and _is_count_token(high_text)):
            continue  # a range of years or of decimals
        start = match.start() if match.group(1) else match.start(3)
        if not _reads_as_count(visible, start, match.end()):
            continue
        low, high = (int(_GROUPING.sub("", t)) for t in (low_text, high_text))
        if low > high:
            continue  # no range: a code ("ISO 3166-1"), a score ("4-1")
        if (low, high) == (rule.smallest_small, rule.threshold - 1):
            continue  # the label <5 written out as the range it stands for
        context = " ".join(visible[max(0, match.start() - 30) : match.end() + 30].split())
        hits += [
            SmallCountHit(value, context) for value in dict.fromkeys((low, high)) if rule.is_small(value)
        ]
    return hits, spans


@functools.lru_cache(maxsize=16)
def _small_words(rule: DisclosureRule) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """The number words of the counts ``rule`` withholds, as a whole table cell (with a word for people
    after it) and as a word anywhere; None when no such word exists."""
    words = [w for i, w in enumerate(_NUMBER_WORDS) if rule.is_small(i)]
    if not words:
        return None, None
    alternatives = "|".join(words)
    return (
        re.compile(rf"\s*({alternatives})(?:\s+{_PEOPLE})?\s*", re.IGNORECASE),
        re.compile(rf"\b({alternatives})\b", re.IGNORECASE),
    )


def find_small_counts(text: str, rule: DisclosureRule = DEFAULT_RULE) -> list[SmallCountHit]:
    """Numbers in rendered text or HTML that look like counts the rule would suppress.

    Heuristics (a scanner for tests and checks, not a proof): only visible text is read — ``script``,
    ``style``, ``svg`` (chart axes; charts are checked when they are built), ``head``, ``code``/``pre``,
    ``sup``/``sub`` (footnote markers) and comments are dropped, tags and their attributes removed and
    entities decoded; Markdown emphasis (``**3**``) is read through, and thousands may be grouped with
    commas or no-break/thin spaces. The rule's own label (``<5``) is not a count. A number is ignored when
    it has a decimal
    part, is a year (1800-2199), touches a letter, digit or symbol (``3rd``, ``H1``, ``<5``, ``5%``,
    ``1–4``, ``$3``, ``1:2``, ``ISO-3``), is followed by a percent word, a duration or age unit (years,
    months, days...), follows a label word ("Figure 2", "Table 1", "Tier 2", "top 3", "page 4", "No. 1"),
    is a day next to a month name, opens a numbered list item ("1. "), or is a citation marker ``[1]``.
    Spelled-out numbers ("three", "two victims") are caught only when they are the whole of a table cell:
    in running text, captions and notes they are language ("One victim can have several forms"), and the
    toolkit writes every count it computes in digits. A table cell that is a whole number printed as a float
    (``4.0``) is a count too, and so is the low end of a data cell that is a range, however written (``3–12``,
    ``3-12``, ``3—12``, ``3 to 12``: the toolkit writes ``up to 12``, :func:`range_text`); a range in a
    header cell or in the first cell of a row names it (an age group ``1-4``), and is not read as counts.
    A range in running text ("2-3 victims", "2–3", "2 to 3", "between 2 and 3") is read as a number is, by
    what stands around it: each end below the threshold is a count shown, except the rule's label written out
    (``1–4`` for ``<5``, what the publisher's label stands for).

    Elements marked with ``data-kind`` (see the module docstring) are not guessed at: those of a kind other
    than :data:`PEOPLE` and :data:`CENSORED` are skipped, and in those marked :data:`PEOPLE` every number is a count, whatever
    surrounds it (only the rule's label ``<5`` and bounds such as ``≥ 5`` are not).
    """
    hits: list[SmallCountHit] = []
    if KIND_ATTRIBUTE in text:
        text, people = _split_by_kind(text)
        for segment in people:
            hits += _people_counts(segment, rule)
    prose, tables = _split_tables(text)
    for visible, in_tables in ((_visible_text(prose), False), (_visible_text(tables), True)):
        # a range in running text is read as a range, its numbers not again one by one; the cells of a table
        # are read one by one (a cell "3" beside a cell "–" is no range), their ranges below
        ranges, in_ranges = _range_hits(visible, rule) if not in_tables else ([], [])
        hits += ranges
        for match in _NUMBER.finditer(visible):
            if any(start <= match.start() < end for start, end in in_ranges):
                continue
            if not _is_count_like(visible, match.start(), match.end()):
                continue
            value = int(_GROUPING.sub("", match.group()))
            if rule.is_small(value):
                context = " ".join(visible[max(0, match.start() - 30) : match.end() + 30].split())
                hits.append(SmallCountHit(value, context))
    # Only a whole cell: in running text, captions and notes a number word is language ("One victim can have
    # several forms"), and the toolkit writes the counts it computes as digits.
    spelled = _small_words(rule)[0]
    for cell, is_label in _table_cells(text):
        if spelled and (word := spelled.fullmatch(cell)):
            hits.append(SmallCountHit(_NUMBER_WORDS.index(word.group(1).lower()), cell.strip()))
        elif (whole := _FLOAT_COUNT.fullmatch(cell)) and rule.is_small(int(whole.group(1))):
            hits.append(SmallCountHit(int(whole.group(1)), cell.strip()))
        elif (
            not is_label
            and (span := _RANGE_CELL.fullmatch(cell))
            and rule.is_small(low := int(_GROUPING.sub("", span.group(1))))
        ):
            hits.append(SmallCountHit(low, cell.strip()))  # a range's low end printed below the threshold
        elif not is_label and not _RANGE_CELL.fullmatch(cell):
            hits += _range_hits(cell, rule)[0]  # a range within the text of a data cell ("2-3 in 2019")
    return hits


class _KindSplitter(HTMLParser):
    """Takes the content of elements marked with a kind out of an HTML text: kept, the rest of the text (tags
    and unmarked content, re-escaped); apart, the text of the elements marked as counts of people."""

    _VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.kept: list[str] = []
        self.people: list[list[str]] = []
        self.open: list[tuple[str, str | None]] = []  # (tag, kind) of the elements not yet closed

    def _kind(self) -> str | None:
        return next((kind for _, kind in reversed(self.open) if kind is not None), None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.start(tag, attrs, self.get_starttag_text() or "")

    def start(self, tag: str, attrs: list[tuple[str, str | None]], text: str) -> None:
        """A start tag (``text`` as written) with its attributes, as :class:`HTMLParser` gives them."""
        self.kept.append(text)
        if tag in self._VOID:
            return
        kind = dict(attrs).get(KIND_ATTRIBUTE)
        if kind is not None and kind not in NUMBER_KINDS:
            kind = PEOPLE  # a kind the toolkit does not know: checked, not skipped
        if kind == CENSORED:
            kind = PEOPLE  # a range of censored cells shows no end below the threshold (range_text): checked
        if kind == PEOPLE and self._kind() != PEOPLE:
            self.people.append([])
        self.open.append((tag, kind))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.start_end(self.get_starttag_text() or "")

    def start_end(self, text: str) -> None:
        """An empty element's tag (``<br/>``) as written."""
        self.kept.append(text)

    def handle_endtag(self, tag: str) -> None:
        self.kept.append(f"</{tag}>")
        if any(t == tag for t, _ in self.open):
            while self.open and self.open.pop()[0] != tag:
                pass

    def handle_data(self, data: str) -> None:
        kind = self._kind()
        if kind is None:
            self.kept.append(html.escape(data, quote=False))
        elif kind == PEOPLE:
            self.people[-1].append(data)
        # any other kind: not a count of people, left out of the scan

    def handle_comment(self, data: str) -> None:
        self.kept.append(f"<!--{data}-->")


# The HTML the toolkit writes (its tables, the brief's Markdown converted): tags whose attributes are quoted,
# and text. A start tag, an end tag, or text up to the next "<".
_PLAIN_HTML = re.compile(
    r"<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'))?)*)\s*(/?)>"
    r"|</([a-zA-Z][a-zA-Z0-9]*)\s*>"
    r"|[^<]+"
)
_PLAIN_ATTRIBUTE = re.compile(r"\s+([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'))?")


def _split_plain_html(splitter: _KindSplitter, text: str) -> bool:
    """Feed ``splitter`` what :class:`HTMLParser` would give it for ``text``, when the text is made only of
    tags with quoted attributes and of text (no comment, declaration, script or style, no ``<`` that opens no
    tag): the same tags, attributes (names in lower case, values unescaped) and text (unescaped, one piece
    between two tags), read by one regular expression instead of the parser's state machine. False (nothing
    fed) for any other text."""
    tokens = []
    position = 0
    while position < len(text):
        match = _PLAIN_HTML.match(text, position)
        if match is None:
            return False
        tag = match.group(1)
        if tag is not None and tag.lower() in HTMLParser.CDATA_CONTENT_ELEMENTS:
            return False
        tokens.append(match)
        position = match.end()
    for match in tokens:
        if (tag := match.group(1)) is not None:
            # a value as written, quotes included ("" when none is given)
            attrs = [
                (name.lower(), html.unescape(value[1:-1]) if value else None)
                for name, value in _PLAIN_ATTRIBUTE.findall(match.group(2))
            ]
            if match.group(3):
                splitter.start_end(match.group())
            else:
                splitter.start(tag.lower(), attrs, match.group())
        elif (tag := match.group(4)) is not None:
            splitter.handle_endtag(tag.lower())
        else:
            splitter.handle_data(html.unescape(match.group()))
    return True


def _split_by_kind(text: str) -> tuple[str, list[str]]:
    """The text without the content of kind-marked elements, and the text of each element marked people."""
    splitter = _KindSplitter()
    if _split_plain_html(splitter, text):
        return "".join(splitter.kept), [" ".join(parts) for parts in splitter.people]
    splitter.feed(text)
    splitter.close()
    return "".join(splitter.kept), [" ".join(parts) for parts in splitter.people]


# a number with its sign of comparison, if any ("<5", "≥ 10" are labels and bounds, not counts)
_PEOPLE_NUMBER = re.compile(rf"([<>≤≥]\s*)?({_NUMBER.pattern})")


def _people_counts(segment: str, rule: DisclosureRule) -> list[SmallCountHit]:
    """Every small number in text marked as counts of people (no heuristics: each number is a count)."""
    hits = []
    for match in _PEOPLE_NUMBER.finditer(segment):
        if match.group(1):
            continue
        value = float(_GROUPING.sub("", match.group(2)))
        if rule.is_small(value):
            shown = int(value) if value.is_integer() else value
            hits.append(SmallCountHit(shown, " ".join(segment.split())[:80]))
    words = _small_words(rule)[1]
    for match in words.finditer(segment) if words else ():
        hits.append(
            SmallCountHit(_NUMBER_WORDS.index(match.group(1).lower()), " ".join(segment.split())[:80])
        )
    return hits


def _table_cells(text: str) -> list[tuple[str, bool]]:
    """The visible text of every table cell (HTML ``td``/``th`` and the cells of Markdown pipe-table rows),
    each with whether it is a label cell: a header cell (``th``, a Markdown header row), or the first cell of
    a row of several (what names the row, "1-4" of an age group, "Asia → Africa" of a route; a Markdown
    table's first column becomes ``td`` in HTML). A range there names its row or column; a range in any
    other cell is a range of counts (see :data:`_RANGE_CELL`)."""
    text = _without_hidden(text)
    cells: list[tuple[str, bool]] = []
    starts = [m.start() for m in _HTML_ROW_START.finditer(text)]
    for begin, end in zip([0, *starts], [*starts, len(text)], strict=True):
        in_row = list(_HTML_CELL.finditer(text, begin, end))
        for i, m in enumerate(in_row):
            is_label = m.group(1).lower() == "h" or (i == 0 and len(in_row) > 1)
            cells.append((_visible_text(m.group(2)), is_label))
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if not (pipe_row := _PIPE_ROW.fullmatch(line)):
            continue
        is_header = number + 1 < len(lines) and bool(_PIPE_RULE.fullmatch(lines[number + 1]))
        parts = re.split(r"(?<!\\)\|", pipe_row.group(1))
        for i, part in enumerate(parts):
            cells.append((_visible_text(part), is_header or (i == 0 and len(parts) > 1)))
    return cells


def assert_no_small_counts(text: str, rule: DisclosureRule = DEFAULT_RULE, *, what: str = "text") -> None:
    """Raise :class:`DisclosureError` listing every small count :func:`find_small_counts` finds."""
    hits = find_small_counts(text, rule)
    if hits:
        listed = "; ".join(str(h) for h in hits[:10]) + (
            f"; and {len(hits) - 10} more" if len(hits) > 10 else ""
        )
        raise DisclosureError(f"{what} shows counts below {rule.threshold}: {listed}")
