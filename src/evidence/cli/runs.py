"""``evidence run``, ``evidence batch`` and ``evidence kernel install``: parameterised notebook runs."""

from __future__ import annotations

import contextlib
import functools
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from evidence.cli.options import (
    DEFAULT_OUT_ROOT,
    AllowEmptyOpt,
    DataOpt,
    ForceOpt,
    JsonOpt,
    KernelOpt,
    OutRootOpt,
    TimeoutOpt,
    echo_json,
    escape,
    make_console,
)

if TYPE_CHECKING:
    from rich.console import Console

    from evidence.notebooks.catalog import NotebookSpec
    from evidence.runs.batch import BatchReport
    from evidence.runs.execute import PreparedRun, RunOutcome

console = make_console()
err_console = make_console(stderr=True)
RUN_DEMO_WARNING = (
    "the notebook ran on the toolkit's SYNTHETIC DEMO DATA (no --data, no EVIDENCE_DATA): invented records "
    "and figures, NOT real victims. Never cite these numbers."
)
kernel_app = typer.Typer(help="The Jupyter kernel of this environment.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    # -p NAME VALUE takes two values, beyond typer's option types: the option takes the NAME and each VALUE
    # stays among the extra arguments, in order (see _parameter_pairs)
    app.command("run", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(
        taking_sigterm_as_interrupt(run_command)
    )
    app.command("batch")(batch_command)
    app.add_typer(kernel_app, name="kernel")


def run_command(
    ctx: typer.Context,
    notebook: Annotated[
        str,
        typer.Argument(
            metavar="NOTEBOOK",
            help="A packaged notebook (country_brief, routes, trends, data_quality, hidden_population, "
            "causes_consequences) or the path of a notebook.",
        ),
    ],
    parameter: Annotated[
        list[str] | None,
        typer.Option(
            "--parameter",
            "-p",
            metavar="NAME VALUE",
            help="A notebook parameter, e.g. -p country THA (repeat for several; a list parameter collects "
            "repeated values). --describe lists them.",
        ),
    ] = None,
    data: DataOpt = None,
    parameters_file: Annotated[
        Path | None,
        typer.Option(
            "--parameters-file", "-f", metavar="YAML", help="A YAML file of name: value (-p overrides it)."
        ),
    ] = None,
    out_root: OutRootOpt = DEFAULT_OUT_ROOT,
    kernel: KernelOpt = None,
    timeout: TimeoutOpt = None,
    describe: Annotated[
        bool, typer.Option("--describe", help="List the notebook's parameters; run nothing.")
    ] = False,
    force: ForceOpt = False,
    allow_empty: AllowEmptyOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Run a notebook with checked parameters into its own folder under the runs folder.

    For example: evidence run country_brief -p country THA -p year_from 2015 --data ctdc.csv. A run whose
    inputs (notebook, parameters, data files, toolkit) are unchanged since its last successful run is not
    executed again (--force to re-run it).
    """
    if not describe:
        from evidence.runs.warm import prestart

        prestart(notebook, kernel)  # the kernel starts (on another core) while the run is checked
    try:  # a refused run (bad parameter, empty selection) stops the kernel started ahead at once
        from evidence.cli.briefs import data_parameters
        from evidence.core.errors import ParameterError
        from evidence.notebooks.catalog import read_notebook
        from evidence.runs.params import anchor_data_paths, parse_cli_pairs, read_parameters_file

        spec = read_notebook(notebook)
        if describe:
            if as_json:
                echo_json("notebook", notebook_json(spec))
            else:
                _print_parameters(spec)
            return
        from evidence.runs.kernel import check_kernel

        check_kernel(kernel)
        given = {}
        if parameters_file is not None:
            given.update(
                anchor_data_paths(spec, read_parameters_file(parameters_file, spec), parameters_file.parent)
            )
        pairs = _parameter_pairs(parameter or [], ctx.args)
        if data:
            if any(name == spec.data_parameter for name, _ in pairs):
                raise ParameterError(
                    f"data files are given twice: --data and -p {spec.data_parameter}; keep one"
                )
            given.update(data_parameters(spec, data))
        given.update(parse_cli_pairs(spec, pairs))

        from evidence.runs.cache import is_fresh
        from evidence.runs.execute import prepare_run, run_unless_fresh

        prepared = prepare_run(
            spec, given, out_root=out_root, kernel_name=kernel, cell_timeout=timeout, allow_empty=allow_empty
        )
    except BaseException:
        from evidence.runs.warm import stop_unused_kernels

        stop_unused_kernels()
        raise
    from evidence.cli.register import other_secret_warnings

    for warning in other_secret_warnings(d["path"] for d in prepared.data):
        err_console.print(f"[bold red]Warning:[/] {escape(warning)}", soft_wrap=True)
    say = err_console if as_json else console  # with --json, standard output holds the document only
    had_brief = briefed(prepared)
    if had_brief and (force or not is_fresh(prepared.folder, prepared.cache_key)):
        leave_out_briefs(Path(prepared.out_root), [prepared.folder])  # before the run replaces its folder
    outcome = None
    try:
        with say.status(f"running {prepared.run_id} ..."):
            outcome = run_unless_fresh(prepared, force=force)
    finally:
        if outcome is not None and outcome.status == "ok" and had_brief:
            drop_replaced_briefs(Path(prepared.out_root))
        elif had_brief:  # failed, interrupted or unchanged: the brief is still there, listed again
            with contextlib.suppress(KeyboardInterrupt):
                list_briefs_again(Path(prepared.out_root), [prepared.folder])
    if as_json:
        echo_json("run", run_json(outcome))
    say_rejected_rows([outcome], one_run=True)
    if outcome.status == "skipped":
        say.print(
            f"[dim]unchanged since its last run (--force to re-run):[/] {escape(_relative(outcome.folder))}",
            soft_wrap=True,
        )
        say_set_aside(outcome, say)
        return
    if outcome.status == "ok":
        say.print(
            f"[green]ran[/] {escape(spec.name)} in {outcome.seconds:.1f} s → {escape(_relative(outcome.folder))}",
            soft_wrap=True,
        )
        if ran_on_demo_data(outcome):
            err_console.print(f"[bold yellow]WARNING — {RUN_DEMO_WARNING}[/]", highlight=False)
        return
    err_console.print(f"[bold red]failed:[/] {escape(outcome.error or '')}", highlight=False)
    err_console.print(
        f"{failed_folder_holds(outcome)} {escape(_relative(outcome.folder))}",
        soft_wrap=True,
    )
    raise typer.Exit(1)


def say_set_aside(outcome: RunOutcome, say: Console) -> None:
    """What a skipped run did with its stale failed attempt (set it aside), if it had one."""
    if outcome.note:
        say.print(f"[dim]{escape(outcome.note)}[/]", soft_wrap=True, highlight=False)


def say_rejected_rows(outcomes: Sequence[RunOutcome], *, one_run: bool = False) -> None:
    """Say on standard error, once per data file, the rows its loader rejected that the runs did not count (as
    ``flows`` says it; their run folders' provenance records it): the brief's data section counted them, the
    terminal and a batch's log said nothing."""
    from evidence.core.errors import InputError
    from evidence.notebooks.runtime import read_provenance

    lost: dict[str, tuple[int, int, int]] = {}  # path: (rows rejected, rows read, runs that read it)
    for outcome in outcomes:
        if outcome.status not in ("ok", "skipped") or not outcome.folder:
            continue
        try:
            entries = read_provenance(outcome.folder)
        except (OSError, InputError):
            continue
        counted = {
            str(e["path"]): (int(e["rows_rejected"]), int(e.get("rows_in") or 0))
            for e in entries
            if isinstance(e, dict) and e.get("path") and isinstance(e.get("rows_rejected"), int)
        }
        for path, (rejected, rows_in) in counted.items():
            if rejected:
                runs = lost.get(path, (0, 0, 0))[2] + 1
                lost[path] = (rejected, rows_in, runs)
    for path, (rejected, rows_in, runs) in lost.items():
        where = "the run" if one_run else f"{runs} run{'' if runs == 1 else 's'}"
        err_console.print(
            f"[yellow]{escape(path)}: {rejected:,} of {rows_in:,} rows rejected, not counted in {where}:[/] "
            f"`evidence data validate {escape(path)}` lists each (row, column, value, reason)",
            highlight=False,
            soft_wrap=True,
        )


def failed_folder_holds(outcome: RunOutcome) -> str:
    """What a failed run's folder holds, as the line naming it says it: the partly executed notebook and
    run.json, or less where the run could not write them (a full disk)."""
    folder = Path(outcome.folder)
    notebook = (folder / f"{outcome.notebook}.ipynb").is_file()
    record = (folder / "run.json").is_file()
    if notebook and record:
        return "the partly executed notebook and run.json are in"
    if notebook or record:
        return f"{'the partly executed notebook' if notebook else 'its run.json'} (alone) is in"
    return "nothing of it could be written in"


def briefed(run: PreparedRun) -> bool:
    """Whether the run's folder holds a rendered brief now (which executing the run again takes away)."""
    from evidence.briefs.render import BRIEF_RECORD

    return (run.folder / BRIEF_RECORD).is_file()


def foreign_index(out_root: str | Path) -> Path | None:
    """The ``index.html`` beside the runs folder ``out_root``, where its index of briefs goes, when something is
    there that the toolkit did not write (:func:`evidence.briefs.index.foreign_page`): never to be overwritten.
    None when the place is free or holds an index of briefs."""
    from evidence.briefs import index as briefs_index

    target = briefs_index.index_path(out_root)
    return target if briefs_index.foreign_page(target) else None


def check_index_place(out_root: str | Path) -> None:
    """Refuse, before anything runs, a command that writes the index of briefs (``brief``, ``render``, a
    rendering ``batch``) where a page the toolkit did not write lies (:func:`foreign_index`), naming it."""
    page = foreign_index(out_root)
    if page is not None:
        from evidence.core.errors import InputError

        raise InputError(
            f"not an index of briefs written by evidence, and the index of the briefs in {out_root} goes there "
            f"(beside the runs folder): it is not overwritten. Move it, or choose another runs folder "
            f"(--out-root {Path(out_root) / 'runs'} puts the index in {out_root})",
            path=page,
        )


def drop_replaced_briefs(out_root: Path) -> Path | None:
    """Rewrite the index of briefs beside ``out_root``, if there is one, once a run has replaced a folder that
    held a brief: the new run's folder has none until it is rendered, and a render that fails, is refused or is
    killed would otherwise leave the index linking the brief that is gone."""
    from evidence.briefs import index as briefs_index

    target = briefs_index.index_path(out_root)
    if not target.is_file() or foreign_index(out_root) is not None:
        return None
    return briefs_index.write_index(out_root, target)


#: How many briefed runs of a batch are left out of the index at once, as the first of them is given out (see
#: :func:`leave_out_briefs`): the briefs of those not given out yet stay listed, in fewer index rewrites.
LEFT_OUT_AHEAD = 16


def leave_out_briefs(out_root: Path, folders: Iterable[Path]) -> Path | None:
    """Rewrite the index of briefs beside ``out_root``, if there is one, without the briefs of ``folders``: runs
    about to execute again, before any of them does. The run that replaces a folder takes its brief away, and a
    command killed outright (``kill -9``, the OOM killer, ``timeout -s KILL``) once it has would leave the index
    linking the brief that is gone: nothing of the command rewrites the index any more. The command lists what
    is still there again at its end (:func:`list_briefs_again`)."""
    from evidence.briefs import index as briefs_index

    folders = list(folders)
    target = briefs_index.index_path(out_root)
    if not folders or not target.is_file() or foreign_index(out_root) is not None:
        return None
    return briefs_index.write_index(out_root, target, leaving_out=folders)


def list_briefs_again(out_root: Path, folders: Iterable[Path]) -> Path | None:
    """Rewrite the index of briefs beside ``out_root``, if there is one, when one of ``folders`` holds a brief the
    index does not list: one left out while its run executed again (:func:`leave_out_briefs`) whose run failed or
    was interrupted, keeping it, or left out by a command killed outright before its run was replaced."""
    from evidence.briefs import index as briefs_index

    target = briefs_index.index_path(out_root)
    if not target.is_file() or foreign_index(out_root) is not None:
        return None
    listed = briefs_index.listed_briefs(target)
    if all(Path(f).resolve() in listed or not briefs_index.holds_brief(f) for f in folders):
        return None
    return briefs_index.write_index(out_root, target)


def run_json(outcome: RunOutcome) -> dict[str, object]:
    """A run as the JSON of ``run`` and ``batch`` say it: its status as its ``run.json`` says it (``ok``,
    ``failed``; and ``skipped``, ``empty``, ``interrupted`` for a run not executed), the folder holding it (a
    failed run's under ``failed/``)."""
    return {
        "run_id": outcome.run_id,
        "notebook": outcome.notebook,
        "status": outcome.status,
        # a run refused before it ran (batch --keep-going) has no folder and no time
        "seconds": round(outcome.seconds, 3)
        if outcome.status in ("ok", "failed") and outcome.folder
        else None,
        "error": outcome.error,
        "folder": str(outcome.folder),
        "demo": ran_on_demo_data(outcome),
    }


def ran_on_demo_data(outcome: RunOutcome) -> bool:
    """Whether the run's notebook loaded the toolkit's synthetic demo data (its provenance.json says so)."""
    from evidence.core.errors import InputError
    from evidence.notebooks.runtime import read_provenance

    try:
        return any(isinstance(p, dict) and p.get("demo") for p in read_provenance(outcome.folder))
    except (OSError, ValueError, InputError):
        return False  # not executed, or its provenance unreadable: nothing loaded to speak of


def _parameter_pairs(names: list[str], values: list[str]) -> list[tuple[str, str]]:
    """``-p NAME VALUE`` pairs: the option took each NAME, and the VALUEs are the extra arguments, in order."""
    from evidence.core.errors import ParameterError

    if len(values) > len(names):
        stray = values[len(names)] if not names else values[-1]
        raise ParameterError(f"unexpected argument {stray!r} (parameters are given as -p NAME VALUE)")
    if len(values) < len(names):
        raise ParameterError(f"-p {names[len(values)]} needs a NAME and a VALUE")
    return list(zip(names, values, strict=True))


def batch_command(
    plan: Annotated[
        Path,
        typer.Argument(
            metavar="PLAN", help="A plan (YAML): notebooks × a parameter grid, and/or a list of runs."
        ),
    ],
    data: DataOpt = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            metavar="N",
            help="Parallel runs in the process pool (default: CPUs, at most the runs).",
        ),
    ] = None,
    executor: Annotated[
        str,
        typer.Option(
            "--executor",
            metavar="EXECUTOR",
            help="processes (a local pool) or the address of a Dask scheduler, tcp://HOST:PORT.",
        ),
    ] = "processes",
    force: ForceOpt = False,
    out_root: OutRootOpt = DEFAULT_OUT_ROOT,
    kernel: KernelOpt = None,
    render: Annotated[
        bool,
        typer.Option(
            "--render",
            help="Render each successful run into its brief (HTML and PDF) in the same workers, and update "
            "the briefs index (also the plan's 'render: true').",
        ),
    ] = False,
    allow_empty: AllowEmptyOpt = False,
    timeout: TimeoutOpt = None,
    keep_going: Annotated[
        bool,
        typer.Option(
            "--keep-going",
            help="Run the plan's valid runs even when some are invalid (a bad value, a combination of the grid "
            "the notebook refuses): each invalid run is listed as failed with its reason, and the batch exits 1. "
            "Without it, one invalid run stops the batch before anything runs (exit 2).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Run a plan's notebooks in parallel; skip runs whose inputs are unchanged; exit 1 if any run failed.

    Each worker executes its runs in one warm kernel, started once (a run that kills or hangs it is recorded
    as failed and the kernel replaced). --data gives the data files of every run whose plan names none. A run
    whose selection holds no victims is not executed: the summary lists it as empty, with the years the data
    hold.
    """
    with sigterm_as_interrupt():  # `kill`, a cron or CI timeout: stop like Ctrl-C, from the start
        _batch(
            plan,
            data,
            workers,
            executor,
            force,
            out_root,
            kernel,
            render,
            allow_empty,
            as_json,
            timeout,
            keep_going,
        )


def _batch(
    plan: Path,
    data: list[Path] | None,
    workers: int | None,
    executor: str,
    force: bool,
    out_root: Path,
    kernel: str | None,
    render: bool,
    allow_empty: bool,
    as_json: bool = False,
    timeout: float | None = None,
    keep_going: bool = False,
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from evidence.runs.batch import (
        BatchPool,
        check_executor,
        default_workers,
        prepare_plan,
        read_plan,
        run_batch,
        start_forkserver,
    )

    check_executor(executor)
    from evidence.runs.execute import whole_seconds

    whole_seconds(timeout)  # --timeout 0 refused once, not as a refusal of every run
    local = executor == "processes"
    if local:
        from evidence.runs.kernel import check_kernel

        check_kernel(kernel)  # (a Dask worker runs its own interpreter's kernel)
        start_forkserver()  # it imports what the workers need while the plan is read
    planned = read_plan(plan, data=data or ())
    render = render or planned.render
    if render:
        check_index_place(out_root)  # the index of briefs is never written over a page of someone else's
    pool: BatchPool | None = None

    def start_workers() -> None:
        # the workers start and import the renderer while this process reads the runs' data (each starts its
        # kernel when a run to execute is found: on_prepared below)
        nonlocal pool
        from evidence.runs.execute import check_writable

        check_writable(out_root)  # a read-only runs folder is refused before any kernel starts
        if local and planned.runs:
            count = min(workers, len(planned.runs)) if workers else default_workers(len(planned.runs))
            notebook = str(planned.runs[0].notebook.path)
            prepare = prepare_render if render else None
            pool = BatchPool(count, prepare, start=True, notebook=notebook, kernel_name=kernel)

    empty: list[RunOutcome] = []
    invalid: list[RunOutcome] = []  # with --keep-going: the runs refused, each a failed run of the summary
    repeated: list[Any] = []  # (run, first): the runs the plan gives again, run once
    try:
        runs = prepare_plan(
            planned.runs,
            out_root=out_root,
            kernel_name=kernel,
            allow_empty=allow_empty or planned.allow_empty,
            empty=empty,
            checked=start_workers,
            cell_timeout=timeout,
            invalid=invalid if keep_going else None,
            repeated=repeated,
            # a worker starts its kernel for each run to execute (up to all of them), none for unchanged runs
            on_prepared=lambda run: pool.prepared(run, force=force) if pool is not None else None,
        )
    except BaseException as exc:
        if pool is not None:  # refused: the workers end, with the kernels they started
            if isinstance(exc, Exception):
                pool.close(cancel=True)
            else:
                pool.stop()
        raise
    from evidence.cli.register import other_secret_warnings

    # each data file once, however many runs read it
    for warning in other_secret_warnings(dict.fromkeys(d["path"] for run in runs for d in run.data)):
        err_console.print(f"[bold red]Warning:[/] {escape(warning)}", soft_wrap=True)
    say = err_console if as_json else console  # with --json, standard output holds the document only
    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
        console=say,
        transient=False,
    )
    task = None
    finished: dict[str, RunOutcome] = {}  # what the workers reported, for the record of an interrupted batch

    def on_start(to_run: int, skipped: int) -> None:
        nonlocal task
        say.print(
            _batch_header(len(planned.runs), len(runs), to_run, skipped, len(empty), len(invalid)),
            highlight=False,
        )
        for run, first in repeated:  # named, not only counted: the log says which entry of the plan it was
            say.print(
                escape(f"  repeated in the plan, run once: {run.where}: {run.label()} (as in {first.where})"),
                highlight=False,
                soft_wrap=True,
            )
        if to_run and say.is_terminal:  # a log (cron, systemd) gets the summary, not the bar's last state
            progress.start()
            task = progress.add_task("running", total=to_run, last="")

    # the runs whose folder holds a brief: executed again, they take it away (see drop_replaced_briefs)
    briefed_folders = {run.run_id: str(run.folder) for run in runs if briefed(run)}
    # the briefed folders whose runs have been given out to execute: their briefs are left out of the index from
    # then on (a batch killed outright once such a run has replaced its folder would leave the index linking the
    # brief gone); those still there are listed again at the end
    given_out: list[Path] = []
    briefed_in_order = [run.folder for run in runs if run.run_id in briefed_folders]

    executing: set[str] = set()  # the runs given out to execute (one may yet be served: executed meanwhile)

    def before_run(run: PreparedRun) -> None:
        executing.add(run.run_id)
        if run.run_id in briefed_folders and run.folder not in given_out:
            # with the next briefed runs of the plan (the order runs are given out in): a rewrite reads every
            # brief's records (~0.1-0.2 s for 190 briefs), and one a run made a weekly batch done again with
            # --force rewrite the index as many times as it runs briefs
            ahead = briefed_in_order.index(run.folder)
            for folder in [run.folder, *briefed_in_order[ahead + 1 : ahead + LEFT_OUT_AHEAD]]:
                if folder not in given_out:
                    given_out.append(folder)
            leave_out_briefs(out_root, given_out)

    def on_done(outcome: RunOutcome) -> None:
        finished[outcome.run_id] = outcome
        replaced = outcome.status != "skipped" and briefed_folders.get(outcome.run_id) == outcome.folder
        if replaced and not (render and outcome.status == "ok"):  # a rendered run has its brief again
            leave_out_briefs(out_root, given_out)  # (those of runs still executing stay out)
        if task is None or (outcome.status == "skipped" and outcome.run_id not in executing):
            return  # a run unchanged from the start (its brief rendered or kept): not one of those to run
        mark = {"ok": "[green]✓[/]", "skipped": "[dim]=[/]"}.get(outcome.status, "[red]✗[/]")
        progress.update(task, advance=1, last=f"{mark} {escape(outcome.run_id)}")

    interrupted = False
    try:
        report = run_batch(
            runs,
            workers=workers,
            executor=executor,
            force=force,
            on_start=on_start,
            on_done=on_done,
            after=render_brief if render else None,
            pool=pool,
            before_run=before_run,
            after_lost=render_lost if render else None,
        )
    except KeyboardInterrupt:
        interrupted = True
    finally:
        progress.stop()
    if interrupted:
        from evidence.runs.execute import clean_stale_temporaries

        with contextlib.suppress(OSError, KeyboardInterrupt):  # the runs its stopped workers cut short
            clean_stale_temporaries(out_root)
        index = None
        # a run put in place but not reported (its brief being rendered) has taken a brief away all the same
        replaced = any(not briefed(run) for run in runs if run.run_id in briefed_folders)
        # (written atomically: a second interrupt meanwhile leaves the index as it was; said before the
        # summary, whose last lines stay the log's last)
        with contextlib.suppress(KeyboardInterrupt), _index_not_written(out_root):
            if (render and any(o.status == "ok" for o in finished.values())) or replaced:
                # the briefs of the runs that finished are listed now, not at the next batch
                index = _write_index(out_root, say)
            else:  # the briefs left out of it for runs that did not replace them
                list_briefs_again(out_root, map(Path, briefed_folders.values()))
        stopped = _print_interrupted(runs, finished, [*invalid, *empty], out_root, force=force, say=say)
        if as_json:
            echo_json(
                "batch", batch_json(plan, out_root, stopped, index, interrupted=True, repeated=repeated)
            )
        raise typer.Exit(130)
    report.outcomes.extend([*invalid, *empty])
    index = None
    # the index, and what the data files lost, before the summary: its last line stays the log's last word
    with _index_not_written(out_root) as unwritten:
        if render:
            index = _write_index(out_root, say)
        else:  # the briefs left out of it for runs that did not replace them (here, or in a batch killed outright)
            list_briefs_again(out_root, map(Path, briefed_folders.values()))
    say_rejected_rows(report.outcomes)
    _print_summary(report, out_root, say)
    if as_json:
        echo_json("batch", batch_json(plan, out_root, report, index, interrupted=False, repeated=repeated))
    raise typer.Exit(
        report.exit_code or (1 if unwritten else 0)
    )  # the runs ran: a problem found, not refused


def _batch_header(planned: int, runs: int, to_run: int, skipped: int, empty: int, invalid: int = 0) -> str:
    """A batch's first line: its runs, those to run and those unchanged, and those of the plan that will not
    run: a selection with no victims, an invalid run (``--keep-going``), a run the plan lists again (a batch of
    empty runs began "0 runs")."""
    total = runs + empty + invalid
    line = f"{total} run{'' if total == 1 else 's'}: {to_run} to run, {skipped} unchanged since their last successful run"
    if empty:
        line += f", {empty} with no victims in their selection"
    if invalid:
        line += f", {invalid} invalid (failed, not run)"
    repeated = planned - runs - empty - invalid
    if repeated > 0:
        line += f" (and {repeated} repeated in the plan, once is enough)"
    return line


@contextlib.contextmanager
def _index_not_written(out_root: Path) -> Iterator[list[OSError]]:
    """Around a batch's last write of the index of briefs, once its runs have run: a system's refusal (a full
    disk, a folder made read-only) is said on standard error, naming the page, and recorded in the list given
    (the batch then exits 1: its runs ran, their briefs are in their folders), not an error that loses the
    summary and the JSON document and says "refused before anything was done" (exit 2)."""
    from evidence.briefs import index as briefs_index

    unwritten: list[OSError] = []
    try:
        yield unwritten
    except OSError as exc:
        unwritten.append(exc)
        page = exc.filename or briefs_index.index_path(out_root)
        err_console.print(
            f"[bold red]error:[/] the index of briefs could not be written: "
            f"{escape(f'{page}: {exc.strerror or exc}')} (the briefs are in their run folders; the next "
            "brief, render or rendering batch writes it)",
            soft_wrap=True,
            highlight=False,
        )


def _write_index(out_root: Path, say: Console) -> Path:
    """Update the index of briefs beside the runs folder, and say where it is."""
    from evidence.briefs import index as briefs_index

    index = briefs_index.write_index(out_root, briefs_index.index_path(out_root))
    say.print(f"index of briefs: {escape(_relative(index))}", soft_wrap=True)
    return index


#: The statuses of a batch's runs, as its JSON counts them.
RUN_STATUSES = ("ok", "skipped", "failed", "empty", "interrupted")


def batch_json(
    plan: Path,
    out_root: Path,
    report: BatchReport,
    index: Path | None,
    *,
    interrupted: bool,
    repeated: Sequence[tuple[Any, Any]] = (),
) -> dict[str, object]:
    """A batch as its JSON says it: every run (:func:`run_json`), the runs counted by status, the index of
    briefs written (or null), whether it was interrupted, and the runs the plan repeats (``where`` the plan
    gives it again, the ``run``, and where it gave it first, ``same_as``), which run once."""
    return {
        "plan": str(plan),
        "out_root": str(Path(out_root).resolve()),  # as each run's folder names it
        "interrupted": interrupted,
        "counts": {status: report.count(status) for status in RUN_STATUSES},
        "runs": [run_json(o) for o in report.outcomes],
        "repeated": [
            {"where": run.where, "run": run.label(), "same_as": first.where} for run, first in repeated
        ],
        "index": str(index) if index is not None else None,
    }


def _print_interrupted(
    runs: list[PreparedRun],
    finished: dict[str, RunOutcome],
    empty: list[RunOutcome],
    out_root: Path,
    *,
    force: bool,
    say: Console | None = None,
) -> BatchReport:
    """The record of an interrupted batch (Ctrl-C, SIGTERM), in the log as a finished batch's: every run that
    ran or failed, every run that did not finish (its partly made folder is removed by the next run or batch),
    and how to resume. A run not reported that holds a successful run of the same inputs (unchanged, or done
    just as the batch was interrupted) is skipped, as the next batch will skip it."""
    from evidence.runs.batch import BatchReport
    from evidence.runs.cache import is_fresh
    from evidence.runs.execute import RunOutcome

    outcomes = []
    for run in runs:
        outcome = finished.get(run.run_id)
        if outcome is None:
            status = "skipped" if not force and is_fresh(run.folder, run.cache_key) else "interrupted"
            error = "interrupted before it finished" if status == "interrupted" else None
            outcome = RunOutcome(run.run_id, run.notebook_name, status, str(run.folder), error=error)
        outcomes.append(outcome)
    report = BatchReport([*outcomes, *empty])
    _print_summary(report, out_root, say or console)
    err_console.print(
        "[bold red]interrupted:[/] run the same command again to resume (the runs that finished are skipped)",
        highlight=False,
    )
    return report


def render_brief(outcome: RunOutcome) -> RunOutcome:
    """Render a batch run's brief (HTML and PDF) in the worker; a skipped run whose brief is newer than its
    record keeps it. A brief that cannot be rendered makes the run failed, with the reason."""
    import dataclasses

    from evidence.briefs.render import BRIEF_RECORD, render_run
    from evidence.cli.briefs import clean_stale_briefs
    from evidence.core.errors import EvidenceError

    folder = Path(outcome.folder)
    clean_stale_briefs(folder)  # what a render killed in an earlier batch left
    brief, record = folder / BRIEF_RECORD, folder / "run.json"
    if outcome.status == "skipped" and brief.is_file() and brief.stat().st_mtime >= record.stat().st_mtime:
        return outcome
    try:
        render_run(folder, update_index=False)
    except (EvidenceError, OSError) as exc:
        return dataclasses.replace(outcome, status="failed", error=f"the brief could not be rendered: {exc}")
    return outcome


def render_lost(outcome: RunOutcome) -> RunOutcome:
    """A batch run whose worker died (killed, out of memory) while it rendered the run's brief, that worker
    gone: the run failed with that reason; its folder keeps the run, and what the render had written of the
    brief (its source, figures, pages, record, temporaries, pandoc's scratch folders) is removed, so that no
    half brief is left (the index lists none; the next batch renders it again)."""
    import dataclasses

    from evidence.briefs.render import remove_unfinished_brief

    with contextlib.suppress(OSError):
        remove_unfinished_brief(Path(outcome.folder))
    error = (
        "the worker process died while the brief of this run was rendered (killed, or out of memory); the run "
        "is in its folder, without a brief: `evidence render` of the folder, or the next batch, renders it"
    )
    return dataclasses.replace(outcome, status="failed", error=error)


def prepare_render() -> None:
    """A rendering batch's worker, as it starts: import the renderer and look up pandoc and Typst's fonts now,
    while the plan is checked, not when its first brief is due. Never raises (a start-up aid only: the render
    reports what fails)."""
    try:
        from evidence.briefs import render  # noqa: F401
        from evidence.briefs.builtin import pandoc_path, prepare_typesetting

        pandoc_path()
        prepare_typesetting()
    except Exception:  # noqa: BLE001, S110
        pass


def taking_sigterm_as_interrupt(command: Callable[..., None]) -> Callable[..., None]:
    """A command that takes SIGTERM as Ctrl-C while it runs (:func:`sigterm_as_interrupt`)."""

    @functools.wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> None:
        with sigterm_as_interrupt():
            command(*args, **kwargs)

    return wrapped


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (`kill`, systemd, a cron or CI timeout) as Ctrl-C while a batch, a run or a brief runs, from its
    start: a batch's workers and their kernels stopped, what ran recorded; a run's temporary folder removed,
    its kernel, chart workers and renderer stopped; exit 130 (it ended the process at once, 143, without a
    word, leaving the temporary folder and the renderer behind); the handler before it afterwards."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _print_summary(report: BatchReport, out_root: Path, say: Console | None = None) -> None:
    """Every run with what became of it (skipped runs counted, not listed, in big batches), where the run
    folders are, and one last line a log can be searched for."""
    from rich import box
    from rich.table import Table

    say = say or console

    table = Table(title="Batch summary", title_justify="left", box=box.SIMPLE_HEAD)
    longest = max((len(o.run_id) for o in report.outcomes), default=10)
    # a log must show whole run names and reasons: fold long ones, never cut them
    table.add_column("run", overflow="fold", min_width=min(longest, 60))
    has_reasons = bool(report.failed) or bool(report.count("empty")) or bool(report.count("interrupted"))
    columns = ("status", "seconds", "reason") if has_reasons else ("status", "seconds")
    for column in columns:
        table.add_column(column, overflow="fold")
    many = len(report.outcomes) > 50
    shown = [o for o in report.outcomes if o.status != "skipped"] if many else report.outcomes
    colour = {"ok": "green", "skipped": "dim", "failed": "bold red", "empty": "yellow", "interrupted": "red"}
    for o in shown:
        status = "ran" if o.status == "ok" else o.status
        seconds = (
            f"{o.seconds:.1f}" if o.status not in ("skipped", "empty", "interrupted") and o.folder else ""
        )
        cells = [escape(o.run_id), f"[{colour[o.status]}]{status}[/]", seconds, escape(o.error or "")]
        table.add_row(*cells[: 1 + len(columns)])
    if len(shown) < len(report.outcomes):
        table.add_row(f"... {len(report.outcomes) - len(shown)} unchanged runs", "[dim]skipped[/]")
    say.print(table)
    where = _relative(out_root)
    say.print(
        f"run folders: {where}/<run>"
        # (a run that failed in its render is in its own folder)
        + (f"; failed runs: {where}/failed/<run>" if any(_in_failed(o) for o in report.failed) else "")
    )
    set_aside = sum(1 for o in report.outcomes if o.status == "skipped" and o.note)
    if set_aside:
        attempts = "attempt" if set_aside == 1 else "attempts"
        say.print(
            f"{set_aside} failed {attempts} of unchanged runs set aside in {where}/failed/.superseded/<run>: "
            "the runs in place are their results",
            soft_wrap=True,
        )
    on_demo = sum(ran_on_demo_data(o) for o in report.outcomes if o.status == "ok")
    if on_demo:
        runs = "run" if on_demo == 1 else "runs"
        say.print(f"[bold yellow]WARNING — {on_demo} {runs}: {RUN_DEMO_WARNING}[/]", highlight=False)
    empty = f", empty {report.count('empty')}" if report.count("empty") else ""
    interrupted = report.count("interrupted")
    unfinished = f", interrupted {interrupted}" if interrupted else ""
    say.print(
        f"ran {report.count('ok')}, skipped {report.count('skipped')}, failed {report.count('failed')}{empty}"
        f"{unfinished}",
        style="bold red" if report.failed or interrupted else "bold",
    )


def _in_failed(outcome: RunOutcome) -> bool:
    """Whether a failed run's folder is in the failed runs' folder (``failed/<run>``)."""
    from evidence.runs.record import FAILED_DIR

    return bool(outcome.folder) and Path(outcome.folder).parent.name == FAILED_DIR


def notebook_json(spec: NotebookSpec) -> dict[str, object]:
    """A notebook's declared parameters as ``run --describe --json`` says them: what ``--describe`` prints."""
    import json

    def plain(value: object) -> object:  # a default that JSON cannot hold (a tuple is a list) as its text
        try:
            return json.loads(json.dumps(value))
        except (TypeError, ValueError):
            return repr(value)

    return {
        "notebook": spec.name,
        "path": str(spec.path),
        "sha256": spec.sha256,
        "parameters": [
            {
                "name": p.name,
                "type": str(p.type),
                "default": plain(p.default) if p.default_is_literal else None,
                "default_text": None if p.default_is_literal else str(p.default),
                "choices": [plain(c) for c in p.choices],
                "validator": p.validator,
                "help": p.help,
            }
            for p in spec.parameters.values()
        ],
        "checks": [c.text for c in spec.checks],
        "selection": spec.selection.text if spec.selection is not None else None,
    }


def _print_parameters(spec: NotebookSpec) -> None:
    from rich.table import Table

    table = Table(title=f"{spec.name} parameters", title_justify="left")
    for column in ("name", "type", "default", "allowed", "meaning"):
        table.add_column(column)
    checks = {"iso3": "a country (ISO3 code or name)", "data_files": "existing data files"}
    for p in spec.parameters.values():
        allowed = "|".join(map(str, p.choices)) if p.choices else checks.get(p.validator or "", "")
        table.add_row(*(escape(text) for text in (p.name, str(p.type), repr(p.default), allowed, p.help)))
    console.print(table)
    if spec.checks:
        console.print("checked before a kernel starts: " + "; ".join(escape(c.text) for c in spec.checks))
    if spec.selection is not None:
        console.print(
            f"read against its data before a kernel starts ({escape(spec.selection.text)}): empty years become "
            "the span the data hold; a selection with no victims is refused unless --allow-empty"
        )


def _relative(path: str | Path) -> str:
    path = Path(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@kernel_app.command("install")
def kernel_install(
    name: Annotated[
        str | None,
        typer.Option(
            help="Kernel name (default: this environment's, evidence-<checkout>-<hash>, the one runs use).",
            metavar="NAME",
        ),
    ] = None,
    sys_prefix: Annotated[
        bool, typer.Option("--sys-prefix", help="Install into this environment instead of the user's folder.")
    ] = False,
) -> None:
    """Register this environment as a Jupyter kernel, so JupyterLab runs the notebooks with the toolkit.

    The kernel is named after this checkout's environment, so each checkout keeps its own kernel; runs use the
    same kernel.
    """
    import sys

    from evidence.runs.kernel import environment_display_name, install_kernel

    where = install_kernel(name, user=not sys_prefix, prefix=sys.prefix if sys_prefix else None)
    console.print(
        f"installed kernel {where.name!r} ({environment_display_name()}) for {sys.executable} in {where}",
        soft_wrap=True,
        highlight=False,
    )


@kernel_app.command("remove")
def kernel_remove(
    name: Annotated[
        str | None,
        typer.Option(
            help="Kernel name (default: this environment's, evidence-<checkout>-<hash>, as kernel install).",
            metavar="NAME",
        ),
    ] = None,
    sys_prefix: Annotated[
        bool,
        typer.Option("--sys-prefix", help="Remove it from this environment instead of the user's folder."),
    ] = False,
) -> None:
    """Remove the kernel evidence kernel install registered (the same --name and --sys-prefix).

    Runs do not need it: they write their own kernel spec to the user cache.
    """
    import sys

    from evidence.runs.kernel import remove_kernel

    where = remove_kernel(name, user=not sys_prefix, prefix=sys.prefix if sys_prefix else None)
    console.print(f"removed kernel {where.name!r} from {where.parent}", soft_wrap=True, highlight=False)
