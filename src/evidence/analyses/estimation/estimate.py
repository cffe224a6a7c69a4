"""The public entry point: estimate a hidden population from list-capture data, with its interval."""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from evidence.analyses.estimation.bootstrap import AUTO_MAX, AUTO_MAX_RUNS, bca_bootstrap
from evidence.analyses.estimation.lists import ListCapture, check_list_names, read_list_capture
from evidence.analyses.estimation.loglinear import ExistenceCheck, check_existence
from evidence.analyses.estimation.models import MAX_ORDER_LIMIT
from evidence.analyses.estimation.selection import (
    DOWNHILL_STARTS,
    FitLog,
    Selection,
    best_by_bic_estimates,
    bic_search,
    downhill,
    downhill_estimates,
    main_effects,
    stepwise,
    stepwise_estimates,
)
from evidence.core.errors import InputError, ParameterError
from evidence.core.text import level_text

METHODS = ("stepwise", "bic", "downhill", "main")
DEFAULT_P_ENTER = 0.02
DEFAULT_MAX_ORDER = 2
#: Fewer replicates than this cannot place the 2.5% and 97.5% limits at all sensibly.
MIN_BOOTSTRAP = 20


@dataclasses.dataclass(frozen=True, eq=False)
class PopulationEstimate:
    """An estimate of the total population (observed + on no list) with its interval and how it was reached."""

    lists: tuple[str, ...]
    observed: int
    estimate: float
    dark_figure: float
    interval: tuple[float, float]  # the upper limit is inf when the bootstrap finds it unbounded
    interval_method: str  # "bca" (bootstrap repeating the model selection) or "intercept_se" (log-normal)
    level: float
    method: str
    p_enter: float | None  # stepwise only: the p-value below which an interaction enters
    max_order: int  # the highest interaction order the search allowed
    model_space: str  # which models were searched, in words
    models_in_space: int | None  # how many models the space holds (None: too many to count)
    models_fitted: int
    models_admissible: int  # of the models fitted, those whose estimate exists and is identifiable
    search: str  # "exhaustive", "greedy" (downhill), "forward" (stepwise) or "none" (main effects)
    terms: tuple[str, ...]
    infinite_parameters: tuple[str, ...]  # interactions in the model fixed at −∞ (no case on all their lists)
    existence: ExistenceCheck
    steps: tuple[tuple[str, float], ...] = ()  # stepwise: term added and its p-value, in order
    #: models the search looked at: stepwise judges the models one interaction larger by a p-value without
    #: fitting them, so it considers more than it fits; every other search fits what it considers (None: as
    #: ``models_fitted``)
    models_considered: int | None = None
    bootstrap_requested: int | str = 0  # a number of replicates per run or "auto"
    bootstrap_replicates: int = 0  # drawn, over every run
    bootstrap_runs: int = 0  # independent runs whose median limits make the interval
    runs_requested: int | str = 1  # a number of runs or "auto"
    bootstrap_failed: int = 0  # no valid model: left out
    bootstrap_unbounded: int = 0  # no overlap between any lists: estimate +∞
    bootstrap_empty_list: int = 0  # a list with no case: analysed without it
    cold_refits: int = 0
    rejected_unconverged: int = 0
    bias_correction: float | None = None
    acceleration: float | None = None
    limit_quantiles: tuple[float, float] | None = None
    monte_carlo_se: tuple[float, float] | None = None
    bootstrap_rounds: tuple[tuple[int, float, float], ...] = ()  # (replicates so far, low, high) of each run
    #: with more than one run: (lowest, highest) over the runs of the lower limit, and of the upper limit
    monte_carlo_range: tuple[tuple[float, float], tuple[float, float]] | None = None
    #: replicates of one run expected beyond each limit: below 1, the limit is a run's most extreme replicate
    replicates_beyond: tuple[float, float] | None = None
    downhill_start: str | None = None  # downhill: "main" effects or the "full" model
    seed: int | None = None
    source: str = ""
    #: never published (not in :meth:`to_dict`): margins of the capture-history table that the disclosure rule
    #: needs, since replicate counts give them back (a list of k people is empty in about e^−k of the
    #: replicates; no case on two lists in about e^−m, m the cases on two lists or more)
    smallest_list: int | None = None
    overlapping: int | None = None
    #: never published either: the smallest count above 0 in the capture-history table (with a small one, the
    #: published numbers are coarsened and the bootstrap's seed and constants withheld, ``presentation.estimates``)
    smallest_cell: int | None = None

    @property
    def identifiable(self) -> bool:
        return self.existence.identifiable

    @property
    def considered(self) -> int:
        """How many models the search looked at (:attr:`models_considered`, else as many as it fitted)."""
        return self.models_fitted if self.models_considered is None else self.models_considered

    @property
    def unbounded_above(self) -> bool:
        """Whether the bootstrap found no upper limit (too many replicates with no overlap between lists)."""
        return math.isinf(self.interval[1])

    def _overview(self, *, numbers: bool = True) -> tuple[str, list[tuple[str, list[str]]]]:
        """A title and (label, text) lines: how the estimate was reached and, with ``numbers``, its exact
        numbers of people and seed, said to be exact (not through the disclosure rule); never the
        capture-history table's margins nor its smallest cell."""
        low, high = self.interval
        upper = "no upper limit" if math.isinf(high) else f"{high:,.1f}"
        lists = f"{len(self.lists)} lists ({', '.join(self.lists)})"
        if numbers:
            title = (
                f"{self.estimate:,.1f} people estimated ({level_text(self.level)} interval {low:,.1f} – {upper}); "
                "EXACT, NOT DISCLOSURE-CONTROLLED"
            )
        else:
            title = (
                f"an estimate from {lists}; EXACT, NOT DISCLOSURE-CONTROLLED: its numbers are not shown here"
            )
        model = self.method + ("" if self.search == "none" else f" ({self.search} search)")
        if numbers:
            model += f", interactions {', '.join(self.terms)}" if self.terms else ", main effects only"
        else:
            # the chosen interactions pin small overlaps in small tables, even with every number withheld
            # (presentation.estimates.model_withheld): with the numbers, in the text only
            model += "; its interactions: print(result)"
        if self.interval_method == "bca":
            interval = f"BCa bootstrap of {self.bootstrap_replicates:,} replicates"
            if self.bootstrap_runs > 1:
                interval += f" in {self.bootstrap_runs} runs"
            interval += f", seed {self.seed}" if numbers else ""
        else:
            interval = "log-normal, from the intercept's standard error"
        publishable = (
            "evidence.presentation.estimates.disclose_estimate(result) gives what may be shown "
            "(disclosed_payload(result) for JSON)"
        )
        if numbers:
            unpublished = f"exact numbers that have not passed the small-count disclosure rule: {publishable}"
            observed = (
                f"{self.observed:,} on at least one of {lists}; {self.dark_figure:,.1f} estimated on none"
            )
            lines = [("not published", [unpublished]), ("observed", [observed])]
        else:
            # HTML travels further than a cell's text (a brief built from the notebook takes it): the numbers
            # of people stay in the text
            unpublished = (
                "the estimate's exact numbers of people have not passed the small-count disclosure rule, and "
                f"HTML is shown wherever the notebook is (a brief too): print(result) shows them; {publishable}"
            )
            lines = [("not published", [unpublished])]
        lines += [("model", [model]), ("interval", [interval])]
        if self.source:
            lines.append(("data", [self.source]))
        lines.append(("see", [".to_dict(), .interval, .existence"]))
        return title, lines

    def __repr__(self) -> str:
        """What a notebook's text shows of an estimate (``print(result)``, a console): its numbers, said
        plainly to be exact and not yet publishable (the dataclass's repr printed every field, the smallest
        cell's count too)."""
        from evidence.core.text import overview_text

        return overview_text("PopulationEstimate", *self._overview())

    def _repr_html_(self) -> str:
        """What JupyterLab shows of an estimate left as a cell's value: :meth:`__repr__` without the exact
        numbers of people (HTML outputs go into the briefs made from a notebook, text outputs never), as a
        small HTML table, every text escaped."""
        from evidence.core.text import overview_html

        return overview_html("PopulationEstimate", *self._overview(numbers=False))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (aggregate numbers only: never the cell counts)."""
        return {
            "source": self.source,
            "lists": list(self.lists),
            "observed": self.observed,
            "estimate": self.estimate,
            "dark_figure": self.dark_figure,
            "interval": list(self.interval),
            "interval_method": self.interval_method,
            "level": self.level,
            "method": self.method,
            "p_enter": self.p_enter,
            "max_order": self.max_order,
            "search": self.search,
            "downhill_start": self.downhill_start,
            "model_space": {
                "description": self.model_space,
                "max_order": self.max_order,
                "models": self.models_in_space,
                "considered": self.considered,
                "fitted": self.models_fitted,
                "admissible": self.models_admissible,
                "search": self.search,
            },
            "terms": list(self.terms),
            "infinite_parameters": list(self.infinite_parameters),
            "steps": [{"term": term, "p_value": p} for term, p in self.steps],
            "existence": self.existence.to_dict(),
            "identifiable": self.identifiable,
            "bootstrap_replicates": self.bootstrap_replicates,
            "bootstrap_failed": self.bootstrap_failed,
            "bias_correction": self.bias_correction,
            "acceleration": self.acceleration,
            "seed": self.seed,
            "bootstrap": {
                "requested": self.bootstrap_requested,
                "replicates": self.bootstrap_replicates,
                "runs_requested": self.runs_requested,
                "runs": self.bootstrap_runs,
                "failed": self.bootstrap_failed,
                "unbounded": self.bootstrap_unbounded,
                "empty_list": self.bootstrap_empty_list,
                "cold_refits": self.cold_refits,
                "rejected_unconverged": self.rejected_unconverged,
                "limit_quantiles": list(self.limit_quantiles) if self.limit_quantiles else None,
                "monte_carlo_se": list(self.monte_carlo_se) if self.monte_carlo_se else None,
                "monte_carlo_range": [list(r) for r in self.monte_carlo_range]
                if self.monte_carlo_range
                else None,
                "replicates_beyond": list(self.replicates_beyond) if self.replicates_beyond else None,
                "rounds": [
                    {"replicates": n, "low": low, "high": high} for n, low, high in self.bootstrap_rounds
                ],
            },
        }


#: The old keywords of :func:`estimate_population` and :func:`~evidence.analyses.estimation.sensitivity.sensitivity`,
#: by their new names (one name per concept: the CLI's ``--bootstrap-replicates``/``--bootstrap-runs``, the
#: hidden_population notebook's ``bootstrap_replicates``/``bootstrap_runs``).
RENAMED_KEYWORDS = {"bootstrap": "bootstrap_replicates", "runs": "bootstrap_runs"}


def renamed_bootstrap_keywords(
    given: dict[str, Any], values: dict[str, Any], defaults: dict[str, Any], function: str
) -> dict[str, Any]:
    """``values`` (the new keywords as given) with the old keywords in ``given`` (:data:`RENAMED_KEYWORDS`) read
    as their new names, each with a DeprecationWarning. A keyword the function does not take, or an old name
    given with its new one (which of the two was meant?), is a TypeError, as Python's own."""
    import warnings

    values = dict(values)
    for old, value in given.items():
        new = RENAMED_KEYWORDS.get(old)
        if new is None or new not in values:
            raise TypeError(f"{function}() got an unexpected keyword argument {old!r}")
        if values[new] != defaults[new]:
            raise TypeError(f"{function}(): {old}= is the old name of {new}=; give it once, as {new}=")
        warnings.warn(
            f"{function}(): {old}= is the old name of {new}=, which it still means; write {new}= in new code",
            DeprecationWarning,
            stacklevel=3,
        )
        values[new] = value
    return values


def select_model(
    capture: ListCapture,
    method: str = "stepwise",
    p_enter: float = DEFAULT_P_ENTER,
    max_order: int = DEFAULT_MAX_ORDER,
    downhill_start: str = "main",
) -> Selection:
    """Choose and fit the model by ``method``: "stepwise" (with ``p_enter``), "bic", "downhill" (from
    ``downhill_start``) or "main", among hierarchical models with interactions of up to ``max_order`` lists."""
    if method == "stepwise":
        return stepwise(capture, p_enter, max_order)
    if method == "bic":
        return bic_search(capture, max_order)
    if method == "downhill":
        return downhill(capture, max_order, downhill_start)
    if method == "main":
        return main_effects(capture)
    raise ParameterError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")


def as_list_capture(capture: ListCapture | pl.DataFrame | str | Path) -> ListCapture:
    """List-capture data as :func:`estimate_population` takes them: a :class:`ListCapture`, the path of a
    list-capture CSV, or a polars (or pandas) frame of a 0/1 column per list and a ``count`` column (one row per capture
    history), or of 0/1 columns only (one row per case)."""
    if isinstance(capture, ListCapture):
        return capture
    if isinstance(capture, str | Path):
        return read_list_capture(capture)
    if isinstance(capture, pl.DataFrame):
        return ListCapture.from_frame(_canonical_frame(capture))
    if type(capture).__module__.startswith("pandas") and type(capture).__name__ == "DataFrame":
        # a researcher's pandas frame, as read_csv gives it (0/1 as integers, or floats once a value is missing)
        return ListCapture.from_frame(_canonical_frame(pl.from_pandas(capture)))
    raise ParameterError(
        "estimate_population takes list-capture data (the path of a CSV of a 0/1 column per list and a count, a "
        f"polars or pandas frame of them, or a ListCapture), not {type(capture).__name__}: victim records are counted "
        "by list with `evidence register lists --by referral_source`"
    )


_FRAME_LAYOUT = (
    "list-capture data are a 0/1 column per list and a whole-number count column named count (one row per "
    "capture history), or 0/1 columns only (one row per case)"
)


def _canonical_frame(capture: pl.DataFrame) -> pl.DataFrame:
    """A frame of list-capture data onto the canonical table (Int64 0/1 lists, Int64 ``count``), as the CSV
    loader reads a file: membership as integers, booleans or floats 0.0/1.0 (a frame from pandas or R), counts
    as whole numbers of any numeric type; a missing, fractional or negative value is named by column and row
    (1-based, in the frame's order)."""
    frame = capture if "count" in capture.columns else capture.with_columns(count=pl.lit(1, pl.Int64))
    lists = [c for c in frame.columns if c != "count"]
    hint = "" if "count" in capture.columns else " (a count column of another name? rename it count)"
    for column in [*lists, "count"]:
        series = frame[column]
        numeric = series.dtype.is_numeric() or series.dtype == pl.Boolean
        if not numeric:
            raise ParameterError(
                f"{_FRAME_LAYOUT}: column {column!r} is not 0/1: it holds {series.dtype}{hint}"
            )
        values = series.cast(pl.Float64)
        if column == "count":
            bad = values.is_null() | values.is_nan() | (values < 0) | (values != values.floor())
            bad = bad | ~values.is_finite()
            what = "whole numbers of people, 0 or more"
        else:
            bad = values.is_null() | ~values.is_in([0.0, 1.0])
            what = "0/1"
        bad = bad.fill_null(True)
        if bad.any():
            row = int(bad.arg_true()[0])
            raise ParameterError(
                f"{_FRAME_LAYOUT}: column {column!r} is not {what} (row {row + 1} of the frame holds {series[row]!r})"
                + ("" if column == "count" else hint)
            )
    frame = frame.with_columns(pl.col([*lists, "count"]).cast(pl.Int64))
    check_list_names(lists)  # before any row's check: a name that cannot be a list's comes first
    on_no_list = frame.select((pl.sum_horizontal(lists) == 0) & (pl.col("count") > 0)).to_series()
    if on_no_list.any():
        row = int(on_no_list.arg_true()[0])
        what = "a case" if "count" not in capture.columns else f"the history with count {frame['count'][row]}"
        raise ParameterError(
            f"row {row + 1} of the frame is on no list ({what}): nobody can be observed on no list; that number "
            "is what the estimation is for"
        )
    if "count" in capture.columns:
        # one row per capture history: two rows of one history (a typing slip, a stratum left in) were summed
        # without a word. A file's loader sums them with a note its reader sees (load_list_capture); a frame is
        # given by code, where no note reaches anyone, so its caller sums them, knowing they are no strata
        keyed = frame.with_row_index("_row").filter(pl.sum_horizontal(lists) > 0)
        repeated = keyed.filter(pl.struct(lists).is_duplicated())
        if repeated.height:
            first = repeated.row(0, named=True)
            rows = repeated.filter(pl.all_horizontal(pl.col(c) == first[c] for c in lists))["_row"] + 1
            history = "{" + ", ".join(c for c in lists if first[c]) + "}"
            shown = ", ".join(str(r) for r in rows[:-1].to_list()) + f" and {rows[-1]}"
            raise ParameterError(
                f"the capture history {history} appears on rows {shown} of the frame; each history must appear "
                "once in a frame (sum the counts, or give one row per case without a count column; a file of "
                "this table is read with its counts summed and a note naming the rows)"
            )
    return frame


def estimate_population(
    capture: ListCapture | pl.DataFrame | str | Path,
    method: str = "stepwise",
    p_enter: float = DEFAULT_P_ENTER,
    bootstrap_replicates: int | str = 0,
    seed: int | None = None,
    level: float = 0.95,
    max_order: int = DEFAULT_MAX_ORDER,
    downhill_start: str = "main",
    bootstrap_runs: int | str = 1,
    **renamed: Any,
) -> PopulationEstimate:
    """Estimate the total population from list-capture data by multiple systems estimation.

    ``capture``: the path of a list-capture CSV, a polars or pandas frame of the same columns, or a
    :class:`ListCapture`
    (:func:`as_list_capture`).

    ``method``: "stepwise" (Chan, Silverman & Vincent 2021; an interaction enters while its p-value is below
    ``p_enter``, 0 giving main effects), "bic" (lowest BIC: exhaustive search where feasible, else downhill),
    "downhill" (the downhill search of Silverman, Chan & Vincent 2024, from main effects or, with
    ``downhill_start="full"``, from every interaction up to ``max_order``) or "main" (independent lists); the
    models are hierarchical with interactions of up to ``max_order`` lists (2: pairs). With
    ``bootstrap_replicates`` = 0 the interval is observed + exp(intercept ± z·SE); otherwise it is the BCa
    interval of ``bootstrap_replicates`` replicates per run that each repeat the whole model selection (1,000 as
    published), or with ``bootstrap_runs`` > 1 the median of the limits of that many independent such runs
    (``bootstrap_runs="auto"``: until the Monte Carlo standard error of each limit is at most 2.5% of it;
    ``bootstrap_replicates="auto"``: 1,000 replicates per run and ``bootstrap_runs="auto"``). These are the
    names of ``evidence estimate --bootstrap-replicates/--bootstrap-runs`` and of the hidden_population
    notebook's parameters; the old keywords ``bootstrap`` and ``runs`` still work, with a DeprecationWarning.
    ``seed`` makes the bootstrap reproducible; when omitted one is drawn and reported.
    """
    given = renamed_bootstrap_keywords(
        renamed,
        {"bootstrap_replicates": bootstrap_replicates, "bootstrap_runs": bootstrap_runs},
        {"bootstrap_replicates": 0, "bootstrap_runs": 1},
        "estimate_population",
    )
    bootstrap, runs = given["bootstrap_replicates"], given["bootstrap_runs"]
    capture = as_list_capture(capture)
    # numpy's numbers (a parameter grid, a frame's cell) as Python's: checked alike, written to JSON alike
    p_enter, bootstrap, level, max_order, runs, seed = (
        _plain(v) for v in (p_enter, bootstrap, level, max_order, runs, seed)
    )
    _check_parameters(method, p_enter, bootstrap, level, max_order)
    _check_runs(runs)
    _check_seed(seed)
    if bootstrap == 0 and runs not in (1, "auto"):
        # the log-normal interval is one fit's: runs of a bootstrap that is not drawn were recorded as asked
        raise ParameterError(
            f"bootstrap_runs={runs!r} needs a bootstrap (bootstrap_replicates=0 gives the log-normal interval of "
            "one fit): give bootstrap replicates, or leave bootstrap_runs at 1"
        )
    if bootstrap == "auto" and runs not in (1, "auto"):
        raise ParameterError(
            "bootstrap_replicates='auto' sets its runs itself (as many as the limits need): "
            f"bootstrap_runs={runs!r} would be ignored; give a number of replicates with bootstrap_runs, or "
            "bootstrap_replicates='auto' alone"
        )
    if bootstrap == "auto":  # 1,000 replicates per run (bootstrap.AUTO_STEP), as many runs as needed
        runs = "auto"
    if downhill_start not in DOWNHILL_STARTS:
        raise ParameterError(
            f"unknown downhill start {downhill_start!r}; choose one of {', '.join(DOWNHILL_STARTS)}"
        )
    from evidence.analyses.count_models import one_blas_thread

    # The matrices are tiny (cells × a few dozen parameters): BLAS threads only contend with each other and
    # with other processes, making batched fits several times slower on a busy machine.
    with one_blas_thread():
        return _estimate(capture, method, p_enter, bootstrap, seed, level, max_order, downhill_start, runs)


def _estimate(
    capture: ListCapture,
    method: str,
    p_enter: float,
    bootstrap: int | str,
    seed: int | None,
    level: float,
    max_order: int,
    downhill_start: str = "main",
    runs: int | str = 1,
) -> PopulationEstimate:
    # nobody observed: BIC's log(observed) failed with "math domain error"; stepwise blamed the overlap
    if capture.observed == 0:
        raise InputError(
            "no case is on any list: every count is 0, and there is nobody to estimate from",
            path=capture.source or None,
        )
    selection = select_model(capture, method, p_enter, max_order, downhill_start)
    fit = selection.fit
    existence = check_existence(capture, fit.terms)
    if not existence.ok or not math.isfinite(fit.estimate):
        raise _no_estimate(capture, fit.term_names, existence)
    # a space of one model (two lists: main effects) is not searched, and the search's settings are not used:
    # recorded so (the JSON said "search": "forward" at "p_enter": 0.02 beside the text's main effects)
    searched = bool(selection.space.terms)
    estimate, dark_figure = fit.estimate, fit.dark_figure
    if (exact := two_list_dark_figure(capture)) is not None:
        # the closed form, exactly: exp(log(9·17/6)) gave 25.499999999999986 on one machine, shown as 25, where
        # another's last bit may give 26
        estimate, dark_figure = float(capture.observed + exact), float(exact)
    common: dict[str, Any] = {
        "lists": capture.lists,
        "observed": capture.observed,
        "estimate": estimate,
        "dark_figure": dark_figure,
        "level": level,
        "method": method,
        "p_enter": p_enter if method == "stepwise" and searched else None,
        "max_order": selection.space.effective_order,
        "model_space": selection.space.describe(),
        "models_in_space": selection.space.size,
        "models_fitted": selection.models_fitted,
        "models_admissible": selection.models_admissible,
        "models_considered": (
            selection.models_fitted if selection.models_considered is None else selection.models_considered
        ),
        "search": selection.search if searched else "none",
        "terms": tuple(fit.term_names),
        "infinite_parameters": tuple(p for p in fit.infinite_parameters if ":" in p),
        "existence": existence,
        "steps": selection.steps,
        "source": capture.source,
        "downhill_start": selection.start if searched else None,
        "smallest_list": min(capture.list_totals().values()),
        "overlapping": int(capture.counts[capture.histories.sum(axis=1) >= 2].sum()),
        "smallest_cell": min((int(c) for c in capture.counts if c > 0), default=None),
    }
    if bootstrap == 0:
        interval = fit.interval(level) if exact is None else _two_list_interval(capture, exact, level)
        return PopulationEstimate(**common, interval=interval, interval_method="intercept_se")
    if seed is None:
        seed = draw_seed()
    rng = np.random.default_rng(seed)
    log = FitLog()
    try:
        result = bca_bootstrap(
            capture,
            _estimator(capture, selection, p_enter, log),
            estimate,
            bootstrap,
            rng,
            level,
            log,
            runs=runs,
        )
    except ValueError as exc:  # almost every replicate had no valid model: the data are too sparse
        raise InputError(
            str(exc), path=capture.source or None, hint="use the interval without bootstrap"
        ) from exc
    return PopulationEstimate(
        **common,
        interval=result.interval,
        interval_method="bca",
        bootstrap_requested=bootstrap,
        bootstrap_replicates=result.drawn,
        bootstrap_runs=max(1, len(result.rounds)),
        runs_requested=runs,
        bootstrap_failed=result.failed,
        bootstrap_unbounded=result.unbounded,
        bootstrap_empty_list=result.empty_list,
        cold_refits=log.cold_refits,
        rejected_unconverged=log.rejected_unconverged,
        bias_correction=result.bias_correction,
        acceleration=result.acceleration,
        limit_quantiles=result.limit_quantiles,
        monte_carlo_se=result.monte_carlo_se,
        bootstrap_rounds=result.rounds,
        monte_carlo_range=result.monte_carlo_range,
        replicates_beyond=result.beyond,
        seed=seed,
    )


def two_list_dark_figure(capture: ListCapture) -> Fraction | None:
    """The number on no list of two lists, exactly: Lincoln–Petersen's n₁₀·n₀₁/n₁₁ (the main-effects model is
    saturated there, and its maximum-likelihood estimate of the unseen cell is this fraction). None for more
    lists, or where a cell is empty (no estimate exists, or one list holds the other: nobody unseen)."""
    if capture.n_lists != 2:
        return None
    cells = {tuple(int(v) for v in h): int(c) for h, c in zip(capture.histories, capture.counts, strict=True)}
    only_first, only_second, both = cells[(1, 0)], cells[(0, 1)], cells[(1, 1)]
    if not (only_first and only_second and both):
        return None
    return Fraction(only_first * only_second, both)


def _two_list_interval(capture: ListCapture, dark: Fraction, level: float) -> tuple[float, float]:
    """The log-normal interval of two lists in closed form: the intercept is log(n₁₀·n₀₁/n₁₁), its variance
    1/n₁₀ + 1/n₀₁ + 1/n₁₁ (summed exactly: the two orders of the lists give the same limits to the last bit)."""
    from scipy.special import ndtri

    cells = [int(c) for c in capture.counts]  # n₁₀, n₀₁, n₁₁ in some order: all three are summed
    se = math.sqrt(float(sum((Fraction(1, c) for c in cells), Fraction(0))))
    z = float(ndtri(0.5 + level / 2))
    centre = float(dark)
    return capture.observed + centre * math.exp(-z * se), capture.observed + centre * math.exp(z * se)


def _no_estimate(
    capture: ListCapture, terms: tuple[str, ...] | list[str], existence: ExistenceCheck
) -> InputError:
    """Why the data give no estimate, with advice possible for the number of lists at hand. Every search ends at
    a valid model when main effects are one, and main effects have an estimate exactly when some case is on two
    lists or more: so it is (almost always) that no case is, and merging lists cannot help (merged lists still
    share nobody; of two lists, merging leaves one)."""
    path = capture.source or None
    overlapping = int(capture.counts[capture.histories.sum(axis=1) >= 2].sum())
    linkage = "check that the lists were linked by person (one person recognised as the same on every list)"
    if overlapping == 0 and capture.n_lists == 2:
        return InputError(
            "no estimate for these data: no case is on both lists, and the two-list estimate (Lincoln–Petersen, "
            "the lists' sizes multiplied over the number on both) needs people on both: without them the number "
            "on no list is unbounded",
            path=path,
            hint=f"{linkage}, or link a third list that shares cases with them",
        )
    if overlapping == 0:
        return InputError(
            "no estimate for these data: no case is on more than one list, so nothing tells how many were on "
            "none (the number on no list is unbounded under every model)",
            path=path,
            hint=f"{linkage}, or collect records that the lists share",
        )
    model = " + ".join(("main effects", *terms))
    if capture.n_lists == 2:
        advice = "link a third list, or collect more linked records"
    elif capture.n_lists == 3:
        advice = (
            "collect more linked records (merging two of three lists leaves two, whose estimate assumes them "
            "independent)"
        )
    else:
        advice = (
            "merge small lists of similar kind (at least three lists left), or collect more linked records"
        )
    return InputError(
        f"no estimate for these data under the model {model}: {existence.message}",
        path=path,
        hint=f"the lists overlap too little: {advice}",
    )


def _check_parameters(
    method: str, p_enter: float, bootstrap: int | str, level: float, max_order: int
) -> None:
    if method not in METHODS:
        raise ParameterError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if isinstance(p_enter, bool) or not isinstance(p_enter, int | float) or not (0.0 <= p_enter <= 1.0):
        raise ParameterError(f"p_enter is a p-value between 0 and 1, not {p_enter}")
    if (
        isinstance(max_order, bool)
        or not isinstance(max_order, int)
        or not (2 <= max_order <= MAX_ORDER_LIMIT)
    ):
        raise ParameterError(
            f"the maximum interaction order must be a whole number from 2 (pairs) to {MAX_ORDER_LIMIT}, "
            f"not {max_order!r}"
        )
    if bootstrap == "auto":
        pass
    elif isinstance(bootstrap, bool) or not isinstance(bootstrap, int) or bootstrap < 0:
        raise ParameterError(
            f"the number of bootstrap replicates must be a non-negative integer or 'auto', not {bootstrap!r}"
        )
    elif 0 < bootstrap < MIN_BOOTSTRAP:
        raise ParameterError(
            f"{bootstrap} bootstrap replicates are too few for an interval; use 0 (no bootstrap) or at least "
            f"{MIN_BOOTSTRAP} (1,000 for published intervals, 'auto' until the limits settle)"
        )
    elif bootstrap > AUTO_MAX * 5:
        raise ParameterError(f"at most {AUTO_MAX * 5:,} bootstrap replicates, not {bootstrap:,}")
    if isinstance(level, bool) or not isinstance(level, int | float) or not (0.0 < level < 1.0):
        raise ParameterError(f"the interval level must be a number between 0 and 1, not {level!r}")


def _plain(value: Any) -> Any:
    """A numpy integer or float as the Python number it holds (numpy's booleans stay: they are no number)."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def draw_seed() -> int:
    """A bootstrap seed from the operating system's entropy (a run given none), recorded with its result."""
    return int(np.random.SeedSequence().generate_state(2, np.uint64)[0] % 2**63)


def _check_seed(seed: object) -> None:
    if seed is None:
        return
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError(f"the bootstrap's seed must be a whole number, 0 or more, not {seed!r}")


def _check_runs(runs: int | str) -> None:
    if runs == "auto":
        return
    if isinstance(runs, bool) or not isinstance(runs, int) or not (1 <= runs <= AUTO_MAX_RUNS * 5):
        raise ParameterError(
            f"the number of independent bootstrap runs must be a whole number from 1 to {AUTO_MAX_RUNS * 5} "
            f"or 'auto', not {runs!r}"
        )


def top_models_for_bootstrap(n_lists: int) -> int | None:
    """How many of the best models by BIC on the original data each BIC bootstrap replicate chooses among:
    20 for four lists, 100 for more, all for three or fewer (as Silverman, Chan & Vincent 2024 do)."""
    if n_lists <= 3:
        return None
    return 20 if n_lists == 4 else 100


def two_list_estimates(capture: ListCapture, Y: np.ndarray) -> np.ndarray:
    """The two-list estimate of each count vector in ``Y`` (replicates × the three cells) in closed form,
    (n·n₁₁ + n₁₀·n₀₁)/n₁₁ with one rounding (the point estimate's, :func:`two_list_dark_figure`): a replicate
    equal to the data gives the point estimate to the last bit, so that whether it falls below it (the BCa bias
    correction) does not depend on the machine. NaN where a cell is empty, as the fit: no valid model."""
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    h = capture.histories
    first, second, both = (int(np.flatnonzero((h == k).all(axis=1))[0]) for k in ((1, 0), (0, 1), (1, 1)))
    a, b, m = Y[:, first], Y[:, second], Y[:, both]
    with np.errstate(divide="ignore", invalid="ignore"):
        values = (Y.sum(axis=1) * m + a * b) / m
    return np.where((a > 0) & (b > 0) & (m > 0), values, np.nan)


def _estimator(capture: ListCapture, selection: Selection, p_enter: float, log: FitLog):
    if capture.n_lists == 2:  # main effects whatever the method: Lincoln–Petersen, exactly
        return lambda Y: two_list_estimates(capture, Y)
    order = selection.space.effective_order
    if selection.method == "stepwise":
        return lambda Y: stepwise_estimates(capture, Y, p_enter, order, log)
    if selection.method == "downhill" or (selection.method == "bic" and selection.search == "greedy"):
        # a greedy BIC search is the downhill search: each replicate repeats it
        return lambda Y: downhill_estimates(capture, Y, order, log, selection.start or "main")
    if selection.method == "main":
        models: list[tuple] = [()]
    else:
        top = top_models_for_bootstrap(capture.n_lists)
        models = [terms for terms, _ in selection.ranking[:top]]
    return lambda Y: best_by_bic_estimates(capture, models, Y, order, log)
