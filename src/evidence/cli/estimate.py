"""``evidence estimate``: the hidden population behind several lists, by multiple systems estimation.

Only aggregate results are printed (observed total, estimate, interval, model); never the cell counts.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console()
err_console = Console(stderr=True)

DEMO_WARNING = "SYNTHETIC DEMO LISTS: invented people for trying the toolkit, NOT real records. Never cite these numbers."
METHOD_HELP = "stepwise (Chan, Silverman & Vincent 2021), bic (lowest BIC, pairwise interactions) or main."


def register(app: typer.Typer) -> None:
    app.command("estimate")(estimate_command)


def estimate_command(
    lists: Annotated[
        Path | None,
        typer.Argument(
            help="List-capture CSV: a 0/1 column per list and a count column (n, count, frequency…), "
            "or one row per case with 0/1 columns and no count column. Omitted: the synthetic demo lists.",
        ),
    ] = None,
    method: Annotated[str, typer.Option("--method", "-m", help=METHOD_HELP)] = "stepwise",
    threshold: Annotated[
        float, typer.Option("--threshold", help="Stepwise p-value threshold (0 gives main effects only).")
    ] = 0.02,
    bootstrap: Annotated[
        int,
        typer.Option(
            "--bootstrap",
            "-b",
            help="BCa bootstrap replicates repeating the model choice (0: log-normal interval).",
        ),
    ] = 0,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Random seed of the bootstrap (drawn if omitted).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Estimate the total population (observed + on no list) from the overlap of several lists."""
    from evidence.analyses.estimation import estimate_population, read_list_capture

    if lists is None:
        from evidence.analyses.estimation.demo import demo_lists_path

        lists = demo_lists_path()
    capture = read_list_capture(lists)
    demo = bool(capture.provenance and capture.provenance.demo)
    if demo and not as_json:
        err_console.print(f"[bold yellow]{DEMO_WARNING}[/]", highlight=False)
    if bootstrap and not as_json:
        err_console.print(f"bootstrapping {bootstrap} replicates of the whole model choice…", highlight=False)
    result = estimate_population(capture, method=method, threshold=threshold, bootstrap=bootstrap, seed=seed)
    if as_json:
        payload = result.to_dict()
        payload["demo"] = demo
        typer.echo(json.dumps(_finite(payload), indent=2, ensure_ascii=False, allow_nan=False))
        return
    _print(result, demo)


def _finite(value: object) -> object:
    """JSON has no NaN or infinity: such numbers become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _print(result, demo: bool) -> None:
    table = Table(title="Multiple systems estimation", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    table.add_row("lists", escape(", ".join(result.lists)))
    table.add_row("observed (on at least one list)", f"{result.observed:,}")
    table.add_row("estimated total population", f"{result.estimate:,.0f}")
    low, high = result.interval
    how = (
        f"BCa bootstrap, {result.bootstrap_replicates:,} replicates, seed {result.seed}"
        if result.interval_method == "bca"
        else "log-normal, from the intercept's standard error"
    )
    table.add_row(f"{result.level:.0%} interval", f"{low:,.0f} – {high:,.0f}  ({how})")
    method = result.method + (f" (threshold {result.threshold:g})" if result.method == "stepwise" else "")
    if result.search:
        method += f", {result.search} search"
    table.add_row("method", method)
    table.add_row("interactions selected", escape(", ".join(result.terms)) or "none (independent lists)")
    if result.infinite_parameters:
        table.add_row("non-overlapping pairs (at −∞)", escape(", ".join(result.infinite_parameters)))
    check = result.existence
    style = "green" if check.ok else "bold red"
    table.add_row("existence check", f"[{style}]{escape(check.message)}[/]")
    if result.bootstrap_failed:
        table.add_row(
            "bootstrap", f"{result.bootstrap_failed} replicates had no valid model and were left out"
        )
    if demo:
        table.add_row("[bold yellow]SYNTHETIC[/]", "[bold yellow]toolkit demo lists, not real records[/]")
    console.print(table)
