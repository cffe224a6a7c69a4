"""``evidence estimate``: the hidden population behind several lists, by multiple systems estimation.

Only aggregate results are printed (observed total, estimate, interval, model); never the cell counts. Every
number of people passes the disclosure rule (:mod:`evidence.presentation.estimates`): below ``--disclosure-threshold`` it
is withheld (``<5``), and numbers that would give it back with it (``x``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from evidence.cli.options import (
    DEFAULT_DISCLOSURE_THRESHOLD,
    DisclosureThresholdOpt,
    JsonOpt,
    disclosure_json,
    echo_json,
    escape,
    make_console,
    meant,
)

console = make_console(emoji=False)  # "LA:NG:PF" must not become an emoji
err_console = make_console(stderr=True)

DEMO_WARNING = "SYNTHETIC DEMO LISTS: invented people for trying the toolkit, NOT real records. Never cite these numbers."
METHOD_HELP = (
    "stepwise (Chan, Silverman & Vincent 2021), bic (lowest BIC: exhaustive where feasible, else downhill), "
    "downhill (Silverman, Chan & Vincent 2024) or main (independent lists)."
)


def register(app: typer.Typer) -> None:
    app.command("estimate")(estimate_command)


def estimate_command(
    ctx: typer.Context,
    lists: Annotated[
        list[Path] | None,
        typer.Option(
            "--data",
            metavar="FILE",
            help="A list-capture CSV (or a workbook: its one sheet of lists, beside sheets of notes): a 0/1 column "
            "per list and a count column (n, count, frequency, _freq, size, Number…), or one row per case with 0/1 columns and no count column; or a column of "
            "capture histories ('101', a digit per list). Default: the synthetic demo lists.",
        ),
    ] = None,
    method: Annotated[str, typer.Option("--method", "-m", metavar="METHOD", help=METHOD_HELP)] = "stepwise",
    max_order: Annotated[
        int,
        typer.Option(
            "--max-order",
            metavar="N",
            help="Highest interaction order of the hierarchical models searched: 2 pairs, 3 triples, … (at most "
            "one fewer than the lists: 2 for three lists).",
        ),
    ] = 2,
    downhill_start: Annotated[
        str,
        typer.Option(
            "--downhill-start",
            metavar="main|full",
            help="Downhill: start from main effects (the reference's walk, which gives Silverman et al.'s "
            "published figures) or from the full model (every interaction up to --max-order), removing terms.",
        ),
    ] = "main",
    p_enter: Annotated[
        float,
        typer.Option(
            "--p-enter",
            metavar="P",
            help="Stepwise: an interaction enters while its p-value is below this (0: none).",
        ),
    ] = 0.02,
    bootstrap_replicates: Annotated[
        str,
        typer.Option(
            "--bootstrap-replicates",
            "-b",
            metavar="N|auto",
            help="BCa bootstrap replicates per run, each repeating the model choice (0, the default here: the "
            "log-normal interval, a quick estimate; 1000 as published; auto: 1,000 a run with --bootstrap-runs "
            "auto). The hidden_population notebook's parameter of the same name defaults to 1000 for a brief.",
        ),
    ] = "0",
    bootstrap_runs: Annotated[
        str,
        typer.Option(
            "--bootstrap-runs",
            metavar="N|auto",
            help="Independent bootstrap runs whose median limits make the interval, with their Monte Carlo range "
            "(1, the default here: one run, as published; auto: 5 to 20 runs, until the Monte Carlo error of each "
            "limit is under 2.5%, the notebook's default).",
        ),
    ] = "1",
    seed: Annotated[
        int | None,
        typer.Option("--seed", metavar="N", help="Random seed of the bootstrap (drawn if omitted)."),
    ] = None,
    disclosure_threshold: DisclosureThresholdOpt = DEFAULT_DISCLOSURE_THRESHOLD,
    as_json: JsonOpt = False,
) -> None:
    """Estimate the total population (observed + on no list) from the overlap of several lists."""
    from evidence.analyses.estimation import estimate_population, read_list_capture
    from evidence.presentation.disclosure import DisclosureRule

    rule = DisclosureRule(threshold=disclosure_threshold)
    replicates = _replicates(bootstrap_replicates)
    independent = _runs(bootstrap_runs)
    _refuse_unused_options(ctx, method, replicates, independent)
    # as the check above reads them ("BIC" was refused later as an unknown method, naming no option)
    method = method.strip().lower()
    downhill_start = _downhill_start(downhill_start)
    _refuse_out_of_range(max_order, replicates, seed, p_enter)
    if not lists:
        from evidence.analyses.estimation.demo import demo_lists_path

        path = demo_lists_path()
    elif len(lists) > 1:
        from evidence.core.errors import ParameterError

        raise ParameterError(
            f"--data: estimate reads one list-capture file, given {len(lists)}: "
            f"{', '.join(str(p) for p in lists)} (run it once per file)"
        )
    else:
        path = lists[0]
    capture = read_list_capture(path)
    _refuse_order_beyond_the_lists(ctx, max_order, capture.n_lists, path)
    demo = bool(capture.provenance and capture.provenance.demo)
    # what the loader left out of the file (R's row names, blank rows) or how it recognised it: said beside the
    # estimate, which showed none of it
    notes = list(capture.provenance.notes) if capture.provenance else []
    if demo and not as_json:
        err_console.print(f"[bold yellow]{DEMO_WARNING}[/]", highlight=False)
    if replicates and not as_json:
        per_run = 1000 if replicates == "auto" else replicates
        how_many = (
            "independent runs" if replicates == "auto" or independent == "auto" else f"{independent} run"
        )
        if how_many.endswith("run") and independent != 1:
            how_many += "s"
        # main effects (asked, two lists, or an entry threshold of 0) choose no model: each replicate refits them
        fixed = method == "main" or capture.n_lists == 2 or (method == "stepwise" and p_enter <= 0)
        what = "main effects (no model to choose)" if fixed else "the whole model choice"
        err_console.print(f"bootstrapping {what}: {how_many} of {per_run:,} replicates…", highlight=False)
    result = estimate_population(
        capture,
        method=method,
        p_enter=p_enter,
        max_order=max_order,
        bootstrap_replicates=replicates,
        bootstrap_runs=independent,
        seed=seed,
        downhill_start=downhill_start,
    )
    if as_json:
        from evidence.presentation.estimates import disclosed_payload

        payload = disclosed_payload(result, rule)
        # the list file as every answer names its data (``source`` is a data source's name elsewhere)
        payload = {"data": {"path": payload.pop("source"), "demo": demo, "notes": notes}, **payload}
        payload["disclosure"] = disclosure_json(
            rule.threshold,
            "suppression",
            f"Numbers of people below {rule.threshold} are withheld ({rule.label}), and numbers that would give "
            "them back with them (x).",
            withheld=payload["disclosure"]["withheld"],
        )
        echo_json("estimate", _finite(payload), allow_nan=False)  # type: ignore[arg-type]
        return
    _print(result, rule, demo, notes)


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the user typed option ``name`` (not its default): by the name of click's parameter source, which
    typer may take from its own copy of click."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


def _refuse_out_of_range(
    max_order: int, replicates: int | str, seed: int | None, p_enter: float = 0.02
) -> None:
    """Refuse a value out of range by its option, before the lists are read (and the demo lists' warning and the
    bootstrap's announcement printed): estimate_population's own messages name its keywords, not the options."""
    from evidence.analyses.estimation.bootstrap import AUTO_MAX
    from evidence.analyses.estimation.estimate import MIN_BOOTSTRAP
    from evidence.analyses.estimation.models import MAX_ORDER_LIMIT
    from evidence.core.errors import ParameterError

    if not 2 <= max_order <= MAX_ORDER_LIMIT:
        raise ParameterError(
            f"--max-order {max_order}: the highest interaction order searched is from 2 (pairs) to {MAX_ORDER_LIMIT}"
        )
    if isinstance(replicates, int) and 0 < replicates < MIN_BOOTSTRAP:
        raise ParameterError(
            f"--bootstrap-replicates {replicates}: too few for an interval; give 0 (no bootstrap) or at least "
            f"{MIN_BOOTSTRAP} (1000 for published intervals, auto until the limits settle)"
        )
    if isinstance(replicates, int) and replicates > AUTO_MAX * 5:
        raise ParameterError(f"--bootstrap-replicates {replicates}: at most {AUTO_MAX * 5:,}")
    if seed is not None and seed < 0:
        raise ParameterError(f"--seed: the bootstrap's seed must be a whole number, 0 or more, not {seed}")
    if not 0.0 <= p_enter <= 1.0:  # NaN too
        raise ParameterError(
            f"--p-enter {p_enter:g}: the stepwise selection's threshold is a p-value between 0 and 1 (0.02 as "
            "published; 0: main effects only)"
        )


def _refuse_order_beyond_the_lists(ctx: typer.Context, max_order: int, n_lists: int, path: Path) -> None:
    """Refuse a ``--max-order`` the lists cannot hold: the search stops one list short of all of them (an
    interaction of every list would give the model more parameters than the table has cells), and the order
    asked was cut to it without a word ("pairwise interactions" of ``--max-order 3`` on three lists). Two lists
    hold no interaction at all, which the output says; pairs are always allowed."""
    from evidence.core.errors import ParameterError

    highest = n_lists - 1
    if _given(ctx, "max_order") and max_order > max(2, highest):
        raise ParameterError(
            f"--max-order {max_order}: with {n_lists} lists the highest interaction order is {highest} (an "
            f"interaction of all {n_lists} lists would give the model more parameters than the table of {path} "
            f"has cells); give --max-order {highest} or less, or leave it out"
        )


def _refuse_unused_options(ctx: typer.Context, method: str, replicates: int | str, runs: int | str) -> None:
    """Refuse an option the estimate asked for would not use: it would be ignored without a word, and the
    estimate printed would not be the one the user meant (``--bootstrap-runs 3`` without a bootstrap,
    ``--p-enter`` for the lowest BIC)."""
    from evidence.analyses.estimation.estimate import METHODS
    from evidence.core.errors import ParameterError

    chosen = method.strip().lower()
    if chosen not in METHODS:  # before the lists are read (and the demo lists' warning printed)
        raise ParameterError(
            f"--method {method!r}: unknown method; choose one of {', '.join(METHODS)}{meant(method, METHODS)}"
        )
    if _given(ctx, "max_order") and chosen == "main":
        raise ParameterError(
            "--max-order is the highest interaction order searched; --method main fits the lists as independent "
            "(main effects only) and does not use it (leave it out, or choose --method stepwise, bic or downhill)"
        )
    if runs != 1 and not replicates:
        raise ParameterError(
            "--bootstrap-runs repeats the bootstrap: give --bootstrap-replicates N (1000 as published) or "
            f"--bootstrap-replicates auto with --bootstrap-runs {runs}, or leave --bootstrap-runs out (the "
            "interval without bootstrap is computed once)"
        )
    if replicates == "auto" and runs not in (1, "auto"):
        raise ParameterError(
            "--bootstrap-replicates auto chooses the number of runs itself (--bootstrap-runs auto); for "
            f"{runs} runs give --bootstrap-replicates 1000 --bootstrap-runs {runs}"
        )
    if _given(ctx, "p_enter") and chosen != "stepwise":
        raise ParameterError(
            f"--p-enter is the stepwise selection's threshold; --method {method} does not use it (leave it out, "
            "or choose --method stepwise)"
        )
    if _given(ctx, "downhill_start") and chosen != "downhill":
        raise ParameterError(
            f"--downhill-start is where the downhill search starts; --method {method} does not use it (leave it "
            "out, or choose --method downhill)"
        )


def _downhill_start(text: str) -> str:
    """The downhill start as typed ("Full" is full), or a refusal naming the option before the lists are read."""
    from evidence.analyses.estimation.selection import DOWNHILL_STARTS
    from evidence.core.errors import ParameterError

    start = text.strip().lower()
    if start not in DOWNHILL_STARTS:
        raise ParameterError(f"--downhill-start {text!r}: choose one of {', '.join(DOWNHILL_STARTS)}")
    return start


def _replicates(text: str) -> int | str:
    from evidence.core.errors import ParameterError

    cleaned = text.strip().lower()
    if cleaned == "auto":
        return "auto"
    try:
        replicates = int(cleaned.replace(",", "").replace("_", ""))
    except ValueError:
        replicates = -1
    if replicates < 0:
        raise ParameterError(
            f"--bootstrap-replicates takes a number of replicates (0 or more) or 'auto', not {text!r}"
        )
    return replicates


def _runs(text: str) -> int | str:
    from evidence.core.errors import ParameterError

    cleaned = text.strip().lower()
    if cleaned == "auto":
        return "auto"
    try:
        independent = int(cleaned)
    except ValueError:
        independent = 0
    if independent < 1:
        raise ParameterError(
            f"--bootstrap-runs takes a number of independent runs (1 or more) or 'auto', not {text!r}"
        )
    return independent


def _finite(value: object) -> object:
    """JSON has no NaN or infinity: such numbers become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _print(result, rule, demo: bool, notes: list[str]) -> None:
    from evidence.presentation.estimates import estimate_rows

    table = Table(title="Multiple systems estimation", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    for item, text in estimate_rows(result, rule):
        table.add_row(escape(item), escape(text))
    for note in notes:  # text from the file: escaped as every cell is
        table.add_row("data", escape(note))
    if demo:
        table.add_row("[bold yellow]SYNTHETIC[/]", "[bold yellow]toolkit demo lists, not real records[/]")
    console.print(table)
