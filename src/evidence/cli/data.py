"""``evidence data``: load, validate, fetch and list data files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console()
data_app = typer.Typer(help="Load, validate, fetch and list data files.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")


@data_app.command("load")
def load_command(
    path: Annotated[Path, typer.Argument(help="A data file any loader reads (CTDC, UNODC, TIP, GSI).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the load summary as JSON.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write the canonical table to this .parquet.")] = None,
) -> None:
    """Load a file onto its canonical table and summarise it."""
    from evidence.sources.registry import load

    loaded = load(path)
    summary = loaded.summary()
    if out is not None:
        from evidence.sources.store import write_parquet

        write_parquet(loaded, out)
        summary["out"] = str(out)
    if as_json:
        typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    _print_summary(summary)


@data_app.command("validate")
def validate_command(
    path: Annotated[Path, typer.Argument(help="A data file any loader reads.")],
    limit: Annotated[int, typer.Option(help="Show at most this many rejected rows.")] = 20,
) -> None:
    """Check a file: exit 0 when every row is kept, 1 (with a report of the rejected rows) otherwise."""
    from evidence.sources.registry import load

    loaded = load(path)
    summary = loaded.summary()
    _print_summary(summary)
    if loaded.flags.height:
        _print_issues("Flagged (kept, worth reviewing)", loaded.flags, limit)
    if loaded.rows_rejected:
        _print_issues("Rejected rows", loaded.rejects, limit)
        console.print(f"[bold red]{loaded.rows_rejected} of {loaded.rows_in} rows rejected[/]")
        raise typer.Exit(1)
    console.print(f"[bold green]valid:[/] all {loaded.rows_in} rows kept")


def _print_summary(summary: dict) -> None:
    table = Table(show_header=False, box=None)
    for key in ("source", "layout", "release", "kind", "path", "sha256", "rows_in", "rows_kept", "rows_rejected"):
        table.add_row(key, str(summary.get(key)))
    if summary.get("demo"):
        table.add_row("[bold yellow]SYNTHETIC[/]", "[bold yellow]toolkit demo data, not real records[/]")
    elif summary.get("synthetic"):
        table.add_row("synthetic", "yes (publisher's synthetic records)")
    for reason, n in summary.get("reject_reasons", {}).items():
        table.add_row("rejected", f"{n} rows: {reason}")
    for reason, n in summary.get("flag_reasons", {}).items():
        table.add_row("flagged", f"{n} rows: {reason}")
    console.print(table)


def _print_issues(title: str, issues, limit: int) -> None:
    table = Table(title=title)
    for col in ("row", "column", "value", "reason"):
        table.add_column(col)
    for rec in issues.head(limit).iter_rows(named=True):
        table.add_row(*(str(rec[c]) if rec[c] is not None else "" for c in ("row", "column", "value", "reason")))
    console.print(table)
    if issues.height > limit:
        console.print(f"... and {issues.height - limit} more")
