"""Batches: notebooks × a parameter grid, checked up front, run in parallel, skipping what has not changed.

A plan is a YAML file::

    notebooks: [country_brief, routes]   # packaged names, or paths relative to the plan file
    parameters:                          # the grid: every combination of these values, for every notebook
      country: [THA, KHM, MMR]           # or `auto`: every country with at least `min_cases` cases
      role: [origin, destination]        # a parameter only some notebooks declare applies to those only
      year_from: 2012                    # a single value
    min_cases: 50                        # for `auto` (default 50)
    runs:                                # explicit runs besides the grid
      - notebook: trends
        parameters: {country: LAO, year_from: 2015}
    render: true                         # render each run's brief (HTML, PDF) and the index (default false)
    allow_empty: false                   # run selections that hold no victims too (default false)

A plan that names nothing to run, or whose grid expands to no run (``country: auto`` matching no country, a
parameter listing no value), is refused. Every run is checked (:func:`~evidence.runs.execute.prepare_run`)
before any executes. A run whose selection
holds no victims (a notebook that declares its selection) is not executed: it is reported as ``empty`` with the
years the data hold, and the other runs go ahead (``allow_empty`` runs it anyway). A run whose inputs are
unchanged since a successful run is skipped (unless its executed notebook is missing or damaged); killed or
failed runs are executed again by the next batch. Runs execute in a process pool — each worker keeps one warm
kernel (:mod:`evidence.runs.warm`) for all the runs it executes — or on a Dask distributed cluster
(``tcp://HOST:PORT``, a fresh kernel per run); workers must see the same paths (the plan's data files and the
runs folder).
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from evidence.core.errors import EvidenceError, InputError, ParameterError
from evidence.core.text import did_you_mean
from evidence.notebooks.catalog import NotebookSpec, read_notebook
from evidence.runs.cache import is_fresh
from evidence.runs.execute import (
    DEFAULT_OUT_ROOT,
    PreparedRun,
    RunOutcome,
    check_writable,
    clean_stale_temporaries,
    execute_run_in_subprocess,
    execute_unless_fresh_now,
    now,
    prepare_run,
    skipped,
)
from evidence.runs.params import anchor_data_paths, read_yaml, resolve_parameters
from evidence.runs.record import RECORD_FILE, read_record
from evidence.runs.selection_check import EmptySelectionError

DEFAULT_MIN_CASES = 50
AUTO = "auto"
_PLAN_KEYS = {"notebooks", "parameters", "runs", "min_cases", "render", "allow_empty"}
_WORKER_DIED = "the worker process died while this run was executing (killed, or out of memory)"
#: A run whose worker died in the batch's step after it (``after``: rendering its brief), the run in its folder.
_WORKER_DIED_AFTER = (
    "the worker process died after this run had executed, in the batch's step after it (killed, or out of "
    "memory); the run is in its folder"
)


class PlanError(ParameterError):
    """A plan's invalid parameter or notebook, naming the plan file first (``path``, which a JSON error
    document gives as ``error.path``) and then the place in it (``parameters: 'rol'``, ``runs[2]``,
    ``notebooks[1]``): a plan of many runs said which value was wrong but not where it was written."""

    def __init__(self, message: str, *, path: str | Path | None = None) -> None:
        self.path = str(path) if path is not None else None
        super().__init__(f"{self.path}: {message}" if self.path else message)


@dataclasses.dataclass(frozen=True)
class PlannedRun:
    """One run of a plan before checking: a notebook and the parameters given to it; ``where`` in the plan it
    comes from (``parameters``: the grid, ``runs[2]``: an explicit run) and the plan file."""

    notebook: NotebookSpec
    parameters: dict[str, Any]
    where: str = ""
    plan: str | None = None

    def label(self) -> str:
        given = ", ".join(f"{k}={v}" for k, v in self.parameters.items())
        return f"{self.notebook.name}({given})"


def _run_key(run: PlannedRun) -> str:
    """What makes a planned run the run it is: its notebook and its parameters as resolved (a country's name
    as its ISO3 code, defaults filled), so that one run given in other words is one."""
    import json

    # (asked of a run prepare_run has resolved already; one that does not resolve is its text)
    try:
        resolved = resolve_parameters(run.notebook, run.parameters)
    except (ParameterError, InputError):
        return run.label()
    return f"{run.notebook.name}:{json.dumps(resolved, sort_keys=True, default=str)}"


@dataclasses.dataclass
class BatchReport:
    """The outcome of every run of a batch, in plan order."""

    outcomes: list[RunOutcome]

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def failed(self) -> list[RunOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def exit_code(self) -> int:
        """0 when no run failed, 1 otherwise (for cron, systemd and CI)."""
        return 1 if self.failed else 0


@dataclasses.dataclass(frozen=True)
class Plan:
    """A plan file: its runs, and what the batch does with them (render their briefs; run empty selections)."""

    runs: list[PlannedRun]
    render: bool = False
    allow_empty: bool = False


def read_plan(path: str | Path, *, data: Iterable[str | Path] = ()) -> Plan:
    """Read a plan file: its runs (:func:`load_plan`) and its settings (``render``, ``allow_empty``)."""
    path = Path(path)
    plan = read_yaml(path, "the plan")
    if plan is None:
        raise InputError("the plan is empty: name 'notebooks' and 'parameters', or 'runs'", path=path)
    runs = expand_plan(plan, base_dir=path.parent, path=path, data=data)
    settings = {}
    for key in ("render", "allow_empty"):
        value = plan.get(key, False) if isinstance(plan, Mapping) else False
        if not isinstance(value, bool):
            raise InputError(f"{key} must be true or false, got {value!r}", path=path)
        settings[key] = value
    return Plan(runs, **settings)


def load_plan(path: str | Path, *, data: Iterable[str | Path] = ()) -> list[PlannedRun]:
    """Read a plan file and expand it into runs (grid × notebooks, then explicit runs; duplicates removed).

    ``data`` (``evidence batch --data``) gives the data files of every run whose plan names none.
    """
    return read_plan(path, data=data).runs


def expand_plan(
    plan: Mapping[str, Any], *, base_dir: Path, path: Path | None = None, data: Iterable[str | Path] = ()
) -> list[PlannedRun]:
    """A plan mapping (as read from YAML) expanded into runs; ``data`` as in :func:`load_plan`."""
    files = [str(Path(p).expanduser().resolve()) for p in data]
    if not isinstance(plan, Mapping):
        read_as = "a list" if isinstance(plan, list) else "a text" if isinstance(plan, str) else repr(plan)
        table = (
            "; one run a row is written as a list under 'runs:' (docs/scheduling.md, Batches)"
            if path is not None and path.suffix.lower() in (".csv", ".tsv", ".txt")
            else ""
        )
        raise InputError(
            f"a plan is YAML: a mapping with 'notebooks' and 'parameters', or 'runs' (this file reads as "
            f"{read_as}{table})",
            path=path,
        )
    _check_names(plan, "plan key", path)
    unknown = set(plan) - _PLAN_KEYS
    if unknown:
        name = min(unknown)
        raise InputError(
            f"unknown plan key {name!r}{did_you_mean(name, _PLAN_KEYS)}"
            f" (known: {', '.join(sorted(_PLAN_KEYS))})",
            path=path,
        )
    min_cases = plan.get("min_cases", DEFAULT_MIN_CASES)
    if not isinstance(min_cases, int) or isinstance(min_cases, bool) or min_cases < 1:
        raise InputError(f"min_cases must be a positive whole number, got {min_cases!r}", path=path)
    notebooks = _as_list(plan.get("notebooks", []))
    entries = plan.get("runs", [])
    if not isinstance(entries, list):
        raise InputError("'runs' must be a list of runs, each with 'notebook' and 'parameters'", path=path)
    grid = plan.get("parameters") or {}
    if not isinstance(grid, Mapping):
        raise InputError("'parameters' must be a mapping of name: value or list of values", path=path)
    if grid and not notebooks:
        raise InputError("'parameters' given but no 'notebooks' to apply them to", path=path)
    _check_names(grid, "parameter name", path)
    if not notebooks and not entries:
        # an empty or truncated plan would otherwise "succeed" with nothing run, every week, unnoticed
        raise InputError("the plan names no notebooks and no runs: nothing to run", path=path)
    specs = [_notebook(n, base_dir, f"notebooks[{i}]", path) for i, n in enumerate(notebooks, start=1)]
    runs: list[PlannedRun] = []
    declared_somewhere = set().union(*(s.parameters for s in specs)) if specs else set()
    for name in grid:
        if name not in declared_somewhere:
            known = ", ".join(sorted(declared_somewhere))
            raise PlanError(
                f"parameters: {name!r} is declared by none of the plan's notebooks"
                f"{did_you_mean(name, declared_somewhere)} (their parameters: {known})",
                path=path,
            )
    empty_axes: dict[str, str] = {}  # a grid axis with no value: why (named if the plan expands to no run)
    for spec in specs:
        own = {k: v for k, v in grid.items() if k in spec.parameters}
        if files and spec.data_parameter is not None and spec.data_parameter not in own:
            own[spec.data_parameter] = files  # one value: the run reads all of them
        axes = {k: _grid_values(spec, k, v, own, min_cases, base_dir, path) for k, v in own.items()}
        for k, values in axes.items():
            if not values:
                empty_axes.setdefault(
                    k,
                    f"'{k}: auto' matches no country with at least {min_cases} cases (min_cases) in the data"
                    if own[k] == AUTO
                    else f"'{k}' lists no value",
                )
        for combo in itertools.product(*axes.values()):
            parameters = anchor_data_paths(spec, dict(zip(axes, combo, strict=True)), base_dir)
            runs.append(PlannedRun(spec, parameters, "parameters", str(path) if path else None))
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, Mapping) or "notebook" not in entry:
            raise InputError(f"runs[{i}] must be a mapping with 'notebook' and 'parameters'", path=path)
        spec = _notebook(entry["notebook"], base_dir, f"runs[{i}]", path)
        extra = sorted((str(k) for k in entry if k not in _RUN_KEYS), key=str)
        if extra:
            raise InputError(f"runs[{i}]: {_unknown_run_keys(extra, spec)}", path=path)
        given = entry.get("parameters") or {}
        if not isinstance(given, Mapping):
            raise InputError(f"runs[{i}]: 'parameters' must be a mapping of name: value", path=path)
        _check_names(given, f"runs[{i}]: parameter name", path)
        given = dict(given)
        if files and spec.data_parameter is not None and spec.data_parameter not in given:
            given[spec.data_parameter] = files
        runs.append(
            PlannedRun(
                spec, anchor_data_paths(spec, given, base_dir), f"runs[{i}]", str(path) if path else None
            )
        )
    if not runs:
        # as an empty plan: a grid that expands to nothing would "succeed" with nothing run, unnoticed
        why = "; ".join(empty_axes.values()) or "the grid expands to no run"
        raise InputError(f"the plan expands to no runs: {why}: nothing to run", path=path)
    return runs


#: The keys of a run under a plan's ``runs:``.
_RUN_KEYS = ("notebook", "parameters")


def _unknown_run_keys(extra: list[str], spec: NotebookSpec) -> str:
    """What is wrong with the keys ``extra`` of a planned run: each named, with the key it misspells or, for a
    parameter of the notebook written beside ``notebook``, where it goes."""
    hints = []
    for key in extra:
        if key in spec.parameters:
            hints.append(f"{key!r}: it is a parameter of the notebook; put it under 'parameters'")
        elif meant := did_you_mean(key, _RUN_KEYS):
            hints.append(f"{key!r}{meant}")
    if len(extra) == 1:
        named = f"unknown key {extra[0]!r}"
        hint = hints[0].removeprefix(repr(extra[0])) if hints else ""
    else:
        named = f"unknown keys {', '.join(map(repr, extra))}"
        hint = f" ({'; '.join(hints)})" if hints else ""
    return f"{named}{hint} (a run has 'notebook' and 'parameters')"


def _check_names(mapping: Mapping[Any, Any], what: str, path: Path | None) -> None:
    """Refuse a key that is not a word (YAML reads `1:` or `true:` as a number or a bool): its "did you mean"
    was a TypeError traceback."""
    for key in mapping:
        if not isinstance(key, str):
            raise InputError(f"{what} {key!r} is not a name (write names as words)", path=path)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _notebook(name: Any, base_dir: Path, where: str, path: Path | None) -> NotebookSpec:
    """A plan's notebook: a packaged name, or a path relative to the plan file (never to the folder the batch
    was started from: a notebook of that name there ran in place of the plan's missing one). A notebook that
    cannot be read is refused naming the plan file and the place (``notebooks[2]``, ``runs[1]``)."""
    text = str(name)
    is_path = text.endswith(".ipynb") or "/" in text or os.sep in text
    try:
        return read_notebook(base_dir / Path(text).expanduser() if is_path else text)
    except InputError as exc:
        raise InputError(f"{where}: notebook {exc}", path=path) from exc
    except EvidenceError as exc:
        raise PlanError(f"{where}: {exc}", path=path) from exc


def _grid_values(
    spec: NotebookSpec,
    name: str,
    value: Any,
    grid: Mapping[str, Any],
    min_cases: int,
    base_dir: Path,
    path: Path | None = None,
) -> list[Any]:
    """The values one grid axis takes for one notebook.

    A list gives several values, except for a sequence-typed parameter whose list holds scalars: that is one
    value (``data: [a.csv, b.csv]`` is one run on both files; ``data: [[a.csv], [b.csv]]`` is two runs).
    """
    param = spec.parameters[name]
    if value == AUTO:
        if param.validator != "iso3":
            raise PlanError(f"parameters: {name!r}: 'auto' is only for country (ISO3) parameters", path=path)
        try:
            return countries_with_cases(_grid_data_files(spec, grid, base_dir), min_cases)
        except ParameterError as exc:
            raise PlanError(f"parameters: {name!r}: {exc}", path=path) from exc
    if not isinstance(value, list):
        return [value]
    if param.type.is_sequence and not any(isinstance(v, list) for v in value):
        return [value]
    return value


def _grid_data_files(spec: NotebookSpec, grid: Mapping[str, Any], base_dir: Path) -> list[Path]:
    """The data files 'auto' counts cases in: the grid's single value for the data parameter, else the
    default data."""
    from evidence.notebooks.runtime import data_files

    for name, param in spec.parameters.items():
        if param.validator == "data_files" and name in grid:
            value = grid[name]
            if isinstance(value, list) and any(isinstance(v, list) for v in value):
                raise ParameterError("'auto' countries need one set of data files, not a grid of them")
            values = value if isinstance(value, list) else [value]
            return data_files([p if Path(p).is_absolute() else base_dir / p for p in values])
    return data_files([])


def countries_with_cases(paths: Iterable[str | Path], min_cases: int) -> list[str]:
    """ISO3 codes of the countries that are origin or destination of at least ``min_cases`` cases in the
    case tables among ``paths`` (a domestic case counts once), sorted by code."""
    import polars as pl

    from evidence.sources.registry import load

    frames = []
    regions_only = []
    for path in paths:
        loaded = load(path)
        if loaded.kind != "case":
            continue
        cases = loaded.data.select("origin_iso3", "destination_iso3")
        if cases.height and cases.null_count().sum_horizontal().item() == 2 * cases.height:
            regions_only.append(loaded.provenance.label)
        frames.append(cases.select(pl.col("origin_iso3").alias("iso3")))
        frames.append(
            cases.filter(pl.col("destination_iso3") != pl.col("origin_iso3").fill_null("")).select(
                pl.col("destination_iso3").alias("iso3")
            )
        )
    if not frames:
        raise ParameterError(
            "'auto' countries need a case table (CTDC data), and none of the data files is one"
        )
    counts = pl.concat(frames).drop_nulls().group_by("iso3").len()
    if counts.is_empty() and regions_only:
        raise ParameterError(
            f"'auto' countries need case data that record countries: {'; '.join(regions_only)} "
            "records UN regions only, never countries (give the countries by name, with data that hold them)"
        )
    return sorted(counts.filter(pl.col("len") >= min_cases)["iso3"].to_list())


def prepare_plan(
    runs: list[PlannedRun],
    *,
    out_root: str | Path = DEFAULT_OUT_ROOT,
    kernel_name: str | None = None,
    allow_empty: bool = False,
    empty: list[RunOutcome] | None = None,
    checked: Callable[[], None] | None = None,
    cell_timeout: float | None = None,
    invalid: list[RunOutcome] | None = None,
    repeated: list[tuple[PlannedRun, PlannedRun]] | None = None,
    on_prepared: Callable[[PreparedRun], None] | None = None,
) -> list[PreparedRun]:
    """Check every run of a plan before anything executes; one error lists every bad run.

    With ``invalid`` (``batch --keep-going``), a bad run is added to it instead as an outcome of status
    ``failed`` (no folder; ``error`` names its place in the plan and why), and the other runs go ahead.

    A run whose selection holds no victims is refused like any invalid run, unless ``allow_empty`` runs it, or
    ``empty`` is given: the refusal is then added to it as an outcome of status ``empty`` (with the reason) and
    the other runs go ahead. ``checked`` is called once every run's parameters have passed their checks, before
    the runs' data are read (to start the batch's workers and kernels meanwhile); not if any run's failed.
    ``cell_timeout``: the seconds a cell of any run may take (``--timeout``), or None. ``repeated`` receives
    ``(run, first)`` for each run the plan reaches again (executed, or listed as empty or invalid, once).
    ``on_prepared(run)`` is called for each run as it is prepared (once), before the next is (to start a
    worker's kernel for a run to execute meanwhile: :meth:`BatchPool.prepared`).
    """
    problems: dict[int, str] = {}
    if checked is not None:
        for i, run in enumerate(runs, start=1):
            try:
                resolve_parameters(run.notebook, run.parameters)
            except (ParameterError, InputError) as exc:
                problems[i] = f"{_place(run, i)}: {str(exc).strip()}"
        if not problems or (invalid is not None and len(problems) < len(runs)):
            checked()
    prepared: dict[str, PreparedRun] = {}
    first: dict[
        str, PlannedRun
    ] = {}  # by run (or, for a run not prepared, its label): where the plan gave it

    def once(key: str, run: PlannedRun) -> bool:
        """Whether ``run`` is the first the plan gives of ``key`` (a repeat is noted in ``repeated``)."""
        if key not in first:
            first[key] = run
            return True
        if repeated is not None:
            repeated.append((run, first[key]))
        return False

    for i, run in enumerate(runs, start=1):
        if i in problems:
            continue
        try:
            p = prepare_run(
                run.notebook,
                run.parameters,
                out_root=out_root,
                kernel_name=kernel_name,
                allow_empty=allow_empty,
                cell_timeout=cell_timeout,
            )
        except EmptySelectionError as exc:
            if empty is None:
                problems[i] = f"{_place(run, i)}: {str(exc).strip()}"
            elif once(f"empty:{_run_key(run)}", run):  # the same run listed twice is one (THA and Thailand)
                empty.append(RunOutcome(run.label(), run.notebook.name, "empty", "", error=str(exc)))
            continue
        except (ParameterError, InputError) as exc:
            problems[i] = f"{_place(run, i)}: {str(exc).strip()}"
            continue
        if once(p.run_id, run):  # the same run reached twice (grid and runs:) executes once
            prepared[p.run_id] = p
            if on_prepared is not None:
                on_prepared(p)
    if problems and invalid is not None:
        for i in sorted(problems):
            run = runs[i - 1]
            if once(f"invalid:{run.label()}", run):  # the same run listed twice is one
                invalid.append(RunOutcome(run.label(), run.notebook.name, "failed", "", error=problems[i]))
    elif problems:
        listed = [problems[i] for i in sorted(problems)]
        shown = listed[:20] + ([f"... and {len(listed) - 20} more"] if len(listed) > 20 else [])
        plans = {run.plan for run in runs}
        raise PlanError(
            f"{len(listed)} of {len(runs)} runs are invalid; nothing was run:\n  " + "\n  ".join(shown),
            path=plans.pop() if len(plans) == 1 else None,
        )
    return list(prepared.values())


def _place(run: PlannedRun, i: int) -> str:
    """Where a run of a plan is written (``runs[2]: routes(country=THA)``, ``parameters: tiny(n=3)``: the
    grid), as a refusal names it; ``run 3 ...`` for runs not read from a plan."""
    return f"{run.where}: {run.label()}" if run.where else f"run {i} {run.label()}"


#: What a batch does with each run's outcome after it, in the worker (e.g. render its brief): a picklable
#: (module-level) function that returns the outcome, marked failed if that step failed.
AfterRun = Callable[[RunOutcome], RunOutcome]


def run_batch(
    runs: list[PreparedRun],
    *,
    workers: int | None = None,
    executor: str = "processes",
    force: bool = False,
    on_start: Callable[[int, int], None] | None = None,
    on_done: Callable[[RunOutcome], None] | None = None,
    after: AfterRun | None = None,
    pool: BatchPool | None = None,
    before_run: Callable[[PreparedRun], None] | None = None,
    after_lost: AfterRun | None = None,
) -> BatchReport:
    """Execute the runs that are not fresh (all with ``force``); report every run's outcome in order.

    ``executor`` is ``processes`` (a local process pool of ``workers``, each with one warm kernel) or a Dask
    scheduler address (``tcp://HOST:PORT``; ``dask://HOST:PORT`` is accepted too). ``on_start(to_run,
    skipped)`` and ``on_done(outcome)`` let a caller draw progress. ``after`` is applied to every successful
    and every skipped run in the workers of the pool (rendering briefs, for one). ``pool``: the processes
    to use, started ahead (:class:`BatchPool`, then ``workers`` is its size); it is closed when the batch ends.
    ``before_run(run)`` is called in this process just before a run to execute is given out (before it can
    replace its folder; again if it is given to a fresh pool): ``evidence batch`` takes its brief out of the
    index then. ``after_lost(outcome)`` is called in this process for a run whose worker died in ``after``
    (killed, out of memory), once that worker is gone: the outcome is failed, with the reason; what it
    returns is the run's outcome (``evidence batch`` removes the brief the worker was rendering).
    """
    try:
        return _run_batch(
            runs, workers, executor, force, on_start, on_done, after, pool, before_run, after_lost
        )
    except BaseException as exc:
        if pool is not None:  # refused before any run (a read-only runs folder), or interrupted
            if isinstance(exc, Exception):
                pool.close(cancel=True)  # the workers end with the kernels they started
            else:
                pool.stop()
        raise
    finally:
        if pool is not None:
            pool.close()


def _run_batch(
    runs: list[PreparedRun],
    workers: int | None,
    executor: str,
    force: bool,
    on_start: Callable[[int, int], None] | None,
    on_done: Callable[[RunOutcome], None] | None,
    after: AfterRun | None,
    pool: BatchPool | None,
    before_run: Callable[[PreparedRun], None] | None = None,
    after_lost: AfterRun | None = None,
) -> BatchReport:
    for root in {r.out_root for r in runs}:
        check_writable(root)  # a read-only runs folder: one error, not a failure per run
        clean_stale_temporaries(root)
    outcomes: dict[str, RunOutcome] = {}
    todo = []
    for run in runs:
        checked = now()
        if not force and is_fresh(run.folder, run.cache_key):
            outcomes[run.run_id] = skipped(run, checked)  # a stale failed attempt of it set aside
        else:
            todo.append(run)
    if on_start:
        on_start(len(todo), len(outcomes))

    def done(outcome: RunOutcome) -> None:
        outcomes[outcome.run_id] = outcome
        if on_done:
            on_done(outcome)

    if executor == "processes":
        jobs: list[PreparedRun | RunOutcome] = [*todo]
        if after is not None:
            jobs += [o for o in outcomes.values() if o.status == "skipped"]
        if jobs:
            pool = pool or BatchPool(workers or default_workers(len(jobs)))
            _run_in_processes(jobs, pool, done, after, before_run, after_lost, force=force)
    elif executor.startswith(_DASK_SCHEMES):
        if todo:
            if before_run is not None:
                for run in todo:
                    before_run(run)
            _run_on_dask(todo, executor.replace("dask://", "tcp://", 1), done)
        if after is not None:
            for run in runs:
                done(after(outcomes[run.run_id]))
    else:
        check_executor(executor)
    return BatchReport([outcomes[r.run_id] for r in runs])


#: The address schemes of a Dask scheduler that ``executor`` may name.
_DASK_SCHEMES = ("tcp://", "dask://", "tls://")


def check_executor(executor: str) -> None:
    """Refuse an executor that is neither ``processes`` nor a Dask scheduler's address: at the start of a
    batch, before its plan is read and its data hashed (a batch found it only when its runs were due)."""
    if executor != "processes" and not executor.startswith(_DASK_SCHEMES):
        raise ParameterError(
            f"unknown executor {executor!r}: use 'processes' or a Dask scheduler address tcp://HOST:PORT"
        )


def _execute(job: PreparedRun | RunOutcome, after: AfterRun | None, force: bool = False) -> RunOutcome:
    """A worker's task: execute a run (or take a skipped run's outcome), then ``after`` if it succeeded. A run
    another process is executing (a second batch of the plan) is waited for, and served unchanged if its result
    is fresh then (:func:`~evidence.runs.execute.execute_unless_fresh_now`)."""
    if isinstance(job, PreparedRun):
        outcome = execute_unless_fresh_now(job, force=force)
    else:
        # skipped runs come after every run to execute: a kernel started ahead that has run nothing by now
        # never will, and would take a core from the briefs rendered here
        from evidence.runs.warm import stop_unused_kernels

        stop_unused_kernels()
        outcome = job
    if after is not None and outcome.status in ("ok", "skipped"):
        outcome = after(outcome)
    return outcome


def default_workers(n_runs: int) -> int:
    """As many workers as CPUs, but no more than there are runs."""
    return max(1, min(n_runs, os.cpu_count() or 1))


def _process_context() -> multiprocessing.context.BaseContext:
    # forkserver: safe with the threads a progress bar runs, and the server imports Papermill once for all
    # the workers it forks
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["evidence.runs.preload"])
        return context
    return multiprocessing.get_context("spawn")


def start_forkserver() -> None:
    """Start the server that forks a batch's workers now (no-op where there is none, or it runs): it imports
    what every worker needs once, for all of them, while this process reads and checks the plan."""
    context = _process_context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


class BatchPool:
    """The process pool of a batch: ``workers`` processes, each with a warm kernel and its share of the
    machine's cores for the kernel's thread pools and its chart workers (:mod:`evidence.runs.chart_workers`).

    ``start`` starts every worker now rather than as runs are submitted, so that the workers are forked and
    prepare while the caller goes on with its own work (reading the runs' data): each runs ``prepare`` (a
    picklable, module-level function): what the batch's ``after`` step needs (the renderer). With
    ``notebook``, a worker starts its warm kernel for that notebook ahead of its runs
    (:func:`~evidence.runs.warm.prestart`, for the default kernel: ``kernel_name`` None) once the caller has
    found a run to execute for every worker (:meth:`prepared`); otherwise each starts it with its first run: a
    batch whose runs are all unchanged starts no kernel. A worker whose kernel, started ahead, runs nothing
    stops it when it takes a skipped run (a skipped run is submitted after every run to execute)."""

    def __init__(
        self,
        workers: int,
        prepare: Callable[[], None] | None = None,
        *,
        start: bool = False,
        notebook: str | None = None,
        kernel_name: str | None = None,
    ) -> None:
        self.workers = workers
        self.prepare = prepare
        self.kernel = _kernel_ahead(notebook, kernel_name) if notebook is not None else None
        self._to_execute = 0  # the runs to execute found so far, counted up to one a worker
        self._stopped = False
        if start:
            # each submission finds no idle worker and forks one: all of them start at once. A worker holds its
            # first task until every one is submitted: one that ended it before the next was submitted (the
            # submitting thread descheduled on a loaded machine) would be found idle and take the next, so that
            # no other was forked
            context = _process_context()
            gate = context.Semaphore(0)
            self.executor = self._new(context, gate)
            try:
                for _ in range(workers):
                    self.executor.submit(_started)
            except BaseException:
                # Ctrl-C (or SIGTERM) as the workers are forked, or a worker dead at its start: the caller is
                # given no pool to stop, and the workers forked so far would wait out the gate, the batch's exit
                # waiting for them
                self.stop()
                raise
            finally:
                # a pass a worker, whatever happened. Not an Event: its set() waits until every worker waiting
                # on it has woken (on a loaded machine, until each is scheduled), for ever for one killed
                # meanwhile; a release waits for no one
                for _ in range(workers):
                    gate.release()
        else:
            self.executor = self._new()

    def _new(
        self, context: multiprocessing.context.BaseContext | None = None, gate: Any = None
    ) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context or _process_context(),
            initializer=_start_worker,
            initargs=(self.workers, self.prepare, gate),
        )

    def prepared(self, run: PreparedRun, *, force: bool = False) -> None:
        """A run of the batch prepared. Once there is a run to execute (:func:`may_execute`) for every worker,
        each worker starts its kernel now, while the caller prepares the rest: the first runs given out go one
        to each worker. With fewer runs to execute than workers, which workers take them is not known ahead (a
        kernel started ahead in one that takes none would be started, and stopped, for nothing, and the run's
        worker would start its own): each starts its kernel with its run. Never raises (a start-up aid)."""
        if self.kernel is None or self._stopped or self._to_execute >= self.workers:
            return
        if not may_execute(run, force=force):
            return
        self._to_execute += 1
        if self._to_execute < self.workers:
            return
        # given out before any run (every run is prepared first), to the workers that are idle: one each, as a
        # rule (a worker still busy with its own start leaves its request to another, whose kernel is started
        # already and asked again for nothing: that one starts its kernel with its first run)
        with contextlib.suppress(Exception):
            for _ in range(self.workers):
                self.executor.submit(_prestart, *self.kernel)

    def renew(self) -> None:
        """Replace a broken pool by a fresh one (its work is lost: the caller records it)."""
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.executor = self._new()

    def close(self, *, cancel: bool = False) -> None:
        """Let the workers finish (``cancel``: only what they have begun) and end, with their kernels
        (idempotent; nothing to wait for after :meth:`stop`)."""
        if not self._stopped:
            self.executor.shutdown(wait=True, cancel_futures=cancel)

    def stop(self) -> None:
        """Cancel what has not started and end the workers now: a worker left waiting for work would outlive
        the batch. Their runs' temporary folders are theirs to remove (an interrupted batch does, once they have
        ended; else the next run or batch). Idempotent: an
        interrupted batch stops its pool where the interrupt is caught and again on its way out (the executor
        forgets its processes once shut down)."""
        if self._stopped:
            return
        self._stopped = True
        # no public way before Python 3.14; None once the executor has been shut down
        workers = list((getattr(self.executor, "_processes", None) or {}).values())
        manager = getattr(self.executor, "_executor_manager_thread", None)
        self.executor.shutdown(wait=False, cancel_futures=True)
        for process in workers:
            if process.is_alive():
                process.terminate()
        for process in workers:  # ended (a worker ends with its kernel), so their runs' temporaries can go
            process.join(timeout=10.0)
        # the executor's manager thread ends once it sees its workers gone, closing its wake-up pipe: waited for
        # here, since at the interpreter's exit the executor's exit handler writes to that pipe without its lock,
        # and a pipe closed meanwhile by the thread (a CPython race) ended an interrupted batch with an OSError
        # traceback and exit 1 instead of 130
        if manager is not None and manager is not threading.current_thread():
            manager.join(timeout=10.0)


def _kernel_ahead(notebook: str, kernel_name: str | None) -> tuple[str, str | None, tuple[str, ...] | None]:
    """What the workers start their kernels with: the notebook, the kernel and its pre-load list, looked up
    here once for all of them (it hashes the toolkit), unless the kernel is one the user names."""
    from evidence.runs.warm import notebook_preload

    preload = None
    if kernel_name is None:
        with contextlib.suppress(Exception):  # a start-up aid only: a worker looks it up itself
            preload = notebook_preload(notebook)
    return notebook, kernel_name, preload


def may_execute(run: PreparedRun, *, force: bool = False) -> bool:
    """Whether a prepared run is one to execute, not to skip, as far as its folder's record tells (a successful
    run of the same inputs is skipped): what a worker starts its kernel ahead for. The batch's own check
    (:func:`~evidence.runs.cache.is_fresh`) reads the executed notebook too: a run whose notebook is found
    damaged there is executed all the same, its kernel started by the run."""
    if force:
        return True
    record = read_record(run.folder)
    return record is None or record.status != "ok" or record.cache_key != run.cache_key


def _started() -> None:
    """A worker's first task when a pool is started ahead: it makes the pool fork the worker, and holds it until
    every worker's is submitted (bounded: a start-up aid must not hang a batch)."""
    if _start_gate is not None:
        _start_gate.acquire(timeout=60.0)


# set in a worker by :func:`_start_worker`: the pool's start-up gate (a semaphore released once a worker when
# every worker's first task is submitted), when it was started ahead
_start_gate: Any = None


def _prestart(notebook: str, kernel_name: str | None, preload: tuple[str, ...] | None) -> None:
    """A worker's task ahead of its runs: start its warm kernel (idempotent; never raises)."""
    from evidence.runs.warm import prestart

    prestart(notebook, kernel_name, preload)


def _start_worker(workers: int, prepare: Callable[[], None] | None, gate: Any = None) -> None:
    """A pool worker's start: Ctrl-C left to the batch (:func:`_leave_interrupt_to_the_batch`), its share of
    the machine (:func:`_share_machine`), what its runs need that the server that forked it has not loaded
    (Papermill's engine, nbformat's compiled checks), then ``prepare``. Its kernel it starts when asked
    (:func:`_prestart`) or with its first run. ``gate``: the pool's start-up gate (:func:`_started`)."""
    global _start_gate
    _start_gate = gate
    _leave_interrupt_to_the_batch()
    _end_with_the_batch()
    _share_machine(workers)
    from evidence.runs.warm import compile_nbformat_checks, register_engine

    # ahead of the first run, which does both again (idempotent) and reports what fails, as the failure of
    # that run: here it would break the pool
    with contextlib.suppress(Exception):
        register_engine()
        compile_nbformat_checks()
    if prepare is not None:
        prepare()


def _leave_interrupt_to_the_batch() -> None:
    """Make a pool worker (and the chart workers it starts) ignore SIGINT. Ctrl-C in a terminal interrupts the
    whole foreground process group: the batch's own process takes it (it stops the pool, records the runs
    interrupted, prints its summary, exit 130), and a worker interrupted too only printed, while it was being
    stopped, the tracebacks of the run it was executing ("Task exception was never retrieved ...
    DeadKernelError"). A worker still ends at once when the batch stops it (SIGTERM), and a SIGINT sent to the
    batch's process alone stops it as before. Kernels are unaffected: each runs in a session of its own, and
    sets its own SIGINT handling (an interrupt of a cell that timed out)."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _end_with_the_batch() -> None:
    """Make a pool worker end when the batch that started it is gone without stopping it (``kill -9``, the
    OOM killer, ``timeout -s KILL``): the worker waited for work for ever (each worker holds both ends of the
    pool's queue, so the batch's end is no end of file), with its warm kernel, and kept the fork server alive.
    A thread waits on the batch's sentinel and stops the worker as the batch stops it (SIGTERM); its kernel and
    chart workers end with it (each watches its parent), and the next run or batch removes its run's temporary
    folder."""
    import signal

    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return

    def watch() -> None:
        from multiprocessing.connection import wait as wait_for

        wait_for([parent.sentinel])
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="evidence-batch-watch", daemon=True).start()


def _share_machine(workers: int) -> None:
    """A pool worker's share of the machine's cores, one of ``workers``: for its kernel's thread pools and
    its chart workers."""
    from evidence.runs.chart_workers import chart_worker_count, set_chart_workers
    from evidence.runs.warm import set_runner_processes

    set_runner_processes(workers)
    set_chart_workers(chart_worker_count(workers))


#: Seconds at most between a Ctrl-C (or SIGTERM) and the batch taking it while it waits for its runs: the wait
#: wakes this often. Untimed, it took the interrupt only when a run ended (the signal may reach another thread
#: of the process, and the waiting thread is not woken); a run ending wakes it at once either way.
_INTERRUPT_LATENCY = 0.25


def _run_in_processes(
    todo: list[PreparedRun | RunOutcome],
    pool: BatchPool,
    done: Callable[[RunOutcome], None],
    after: AfterRun | None = None,
    before_run: Callable[[PreparedRun], None] | None = None,
    after_lost: AfterRun | None = None,
    *,
    force: bool = False,
) -> None:
    """Execute on ``pool``, with at most one run a worker submitted at once, so a dead worker's run is known:
    when the pool breaks, the runs in flight are recorded as failed (:func:`_lost`, once the broken pool's
    processes are gone) and the rest continue in a fresh pool. A pool found broken as a run is given to it (a
    worker killed before it had a run: while it started its kernel, ahead of the runs) fails no run for it: the
    run goes to the fresh pool."""
    pending = list(reversed(todo))
    workers = pool.workers
    in_flight: dict[Future, _Given] = {}

    def report_lost(lost: list[_Given]) -> None:
        for given in lost:
            done(_lost(given, after_lost))

    try:
        while pending or in_flight:
            while pending and len(in_flight) < workers:
                run = pending.pop()
                if before_run is not None and isinstance(run, PreparedRun):
                    before_run(run)
                try:
                    in_flight[pool.executor.submit(_execute, run, after, force)] = _Given(run, time.time_ns())
                except BrokenProcessPool:  # it ended the batch with a traceback, every run unreported
                    pending.append(run)
                    report_lost(_renew_settling(pool, in_flight, pending, done))
            finished, _ = wait(in_flight, timeout=_INTERRUPT_LATENCY, return_when=FIRST_COMPLETED)
            lost = []
            for future in finished:
                given = in_flight.pop(future)
                if _settle(future, given.job, done):
                    lost.append(given)
            if lost:  # the pool is broken: every run still in flight on it is lost too
                lost += in_flight.values()
                in_flight.clear()
                pool.renew()  # it waits for the broken pool's end: no process of it still works on those runs
                report_lost(lost)
    except BaseException:  # Ctrl-C, or SIGTERM turned into KeyboardInterrupt by the CLI
        pool.stop()
        raise
    pool.close()


@dataclasses.dataclass(frozen=True)
class _Given:
    """A job given to a worker (a run to execute, or a skipped run's outcome for ``after``) and when (in
    nanoseconds, as a file's modification time says it)."""

    job: PreparedRun | RunOutcome
    at: int  # ``time.time_ns()``


def _renew_settling(
    pool: BatchPool,
    in_flight: dict[Future, _Given],
    pending: list[PreparedRun | RunOutcome],
    done: Callable[[RunOutcome], None],
) -> list[_Given]:
    """Replace a broken pool by a fresh one, and report the runs that were in flight on it that have their
    outcome (or raised); a run it never started goes back to ``pending``. Returns those whose worker died."""
    pool.renew()  # it waits for the broken pool's end: each run in flight has its outcome or its error by then
    lost = []
    for future, given in in_flight.items():
        if future.cancelled():
            pending.append(given.job)
        elif _settle(future, given.job, done):
            lost.append(given)
    in_flight.clear()
    return lost


def _settle(future: Future, run: PreparedRun | RunOutcome, done: Callable[[RunOutcome], None]) -> bool:
    """Report the outcome of a run's finished future (failed if it raised); whether its worker died (which
    broke the pool): that run is reported once the pool's processes are gone (:func:`_lost`)."""
    try:
        done(future.result())
    except BrokenProcessPool:
        return True
    except Exception as exc:  # noqa: BLE001 - execute_run reports failures itself; this is a bug
        done(_failed(run, repr(exc)))
    return False


def _lost(given: _Given, after_lost: AfterRun | None) -> RunOutcome:
    """The outcome of a job whose worker died (its processes gone): failed, killed while the run executed, or
    in the step after it (``after``) when the run had executed, put in its folder by this batch (a skipped
    run's job is that step alone); then ``after_lost`` of it."""
    job = given.job
    if isinstance(job, PreparedRun):
        record = read_record(job.folder)
        executed = (
            record is not None
            and record.status == "ok"
            and record.cache_key == job.cache_key
            # this batch's run, not one it was to replace (--force): its record written after the run was
            # given out, to the file system's clock (a record's own times are whole seconds, and a run it was
            # to replace may have ended in the second this one was given out)
            and _written_at(job.folder / RECORD_FILE) >= given.at
        )
        if not executed:
            return _failed(job, _WORKER_DIED)
        assert record is not None
        outcome = RunOutcome(
            job.run_id,
            job.notebook_name,
            "failed",
            str(job.folder),
            record.timings.seconds,
            _WORKER_DIED_AFTER,
        )
    else:
        outcome = _failed(job, _WORKER_DIED_AFTER)
    return after_lost(outcome) if after_lost is not None else outcome


def _written_at(path: Path) -> int:
    """When ``path`` was last written (nanoseconds), or -1 when it cannot be read."""
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


def _failed(job: PreparedRun | RunOutcome, error: str) -> RunOutcome:
    if isinstance(job, RunOutcome):
        return dataclasses.replace(job, status="failed", error=error)
    return RunOutcome(job.run_id, job.notebook_name, "failed", str(job.folder), error=error)


def _run_on_dask(todo: list[PreparedRun], address: str, done: Callable[[RunOutcome], None]) -> None:
    """Submit every run to a Dask distributed scheduler; a run whose worker died is recorded as failed."""
    from distributed import Client, as_completed

    with Client(address) as client:
        futures = {
            client.submit(
                execute_run_in_subprocess, run, key=f"evidence-run-{run.run_id}-{os.getpid()}", pure=False
            ): run
            for run in todo
        }
        for future in as_completed(futures):
            run = futures[future]
            try:
                done(future.result())
            except Exception as exc:  # noqa: BLE001 - KilledWorker, a lost connection, a worker without the toolkit
                error = f"{type(exc).__name__}: {exc}"
                done(RunOutcome(run.run_id, run.notebook_name, "failed", str(run.folder), error=error))
