"""``evidence data``: load, validate, fetch and list data files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from evidence.cli.options import (
    DEFAULT_DISCLOSURE_THRESHOLD,
    DisclosureThresholdOpt,
    JsonOpt,
    configured_files,
    echo_json,
    echo_json_answers,
    escape,
    file_to_write,
    make_console,
)
from evidence.core.text import counted

console = make_console()
err_console = make_console(stderr=True)
data_app = typer.Typer(help="Load, validate, fetch and list data files.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``data`` commands to the ``evidence`` app."""
    app.add_typer(data_app, name="data")


@data_app.command("load")
def load_command(
    path: Annotated[
        Path | None,
        typer.Argument(
            metavar="FILE",
            help="A data file any loader reads (CTDC records, a UNODC GLOTIP workbook, the GSI workbook, TIP tiers, "
            "case records (with their mapping file) or a register). Default: the files in EVIDENCE_DATA, else the "
            "synthetic demo data.",
        ),
    ] = None,
    as_json: JsonOpt = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE",
            help="Write the canonical table to this file, in the format its suffix names: .parquet (with its "
            "provenance, read back by every command), .csv or .json.",
        ),
    ] = None,
    summary_tables: Annotated[
        bool,
        typer.Option(
            "--summary",
            help="Also show counts by year and the 10 largest corridors (the tables of --summary are the ones "
            "--disclosure-threshold protects).",
        ),
    ] = False,
    disclosure_threshold: DisclosureThresholdOpt = DEFAULT_DISCLOSURE_THRESHOLD,
) -> None:
    """Load a file onto its canonical table and summarise it."""
    from evidence.core.errors import ParameterError
    from evidence.sources.registry import load

    if summary_tables and as_json:  # the JSON holds no tables: they would be left out without a word
        raise ParameterError(
            "--summary prints tables for reading, which --json does not hold; leave out one of them "
            "(the same numbers as JSON: `evidence trend --json` and `evidence flows --json`)"
        )
    paths = [path] if path is not None else _default_paths()
    if out is not None and len(paths) > 1:
        raise ParameterError(
            f"--out writes one table, but EVIDENCE_DATA names {len(paths)} files; pass one FILE"
        )
    written_as = _out_format(out) if out is not None else None
    summaries = []
    for file in paths:
        loaded = load(file)
        _warn_if_demo(loaded.provenance)
        summary = loaded.summary()
        if out is not None and written_as is not None:
            try:
                _write_table(loaded, out, written_as)
            except OSError as exc:
                raise ParameterError(f"--out {out}: cannot write there ({exc.strerror or exc})") from exc
            summary["out"] = str(out)
            summary["out_format"] = written_as
        summaries.append(summary)
        if not as_json:
            _print_summary(summary)
            if summary_tables:
                _print_count_tables(loaded, disclosure_threshold)
    if as_json:
        echo_json_answers("data.load", summaries)


#: The formats ``data load --out`` writes, by the suffix of the file named.
OUT_FORMATS = {".parquet": "parquet", ".csv": "csv", ".json": "json"}


def _out_format(out: Path) -> str:
    """The format ``--out FILE`` names by its suffix; any other suffix is refused before anything is read (a
    Parquet file under a ``.csv`` name is read by nothing that opens it as CSV)."""
    from evidence.core.errors import ParameterError

    written_as = OUT_FORMATS.get(out.suffix.lower())
    if written_as is None:
        raise ParameterError(
            f"--out {out}: name a .parquet (the canonical table with its provenance), .csv or .json file"
        )
    file_to_write(out, f"--out {out}", "table.parquet")
    return written_as


def _write_table(loaded, out: Path, written_as: str) -> None:
    """Write the canonical table as ``written_as`` (atomically): Parquet keeps the provenance and row accounting
    in its metadata; CSV and JSON (a list of records) hold the rows only. The CSV is for spreadsheets: a text
    cell that a spreadsheet would evaluate (``=HYPERLINK(...)`` as a country's name) is written as text.

    An organisation's own case records (an export read through its mapping, or the register, whose records
    carry their ``record_key``) are records of real people: written owner-only, as ``register snapshot``
    writes them."""
    from evidence.sources.provenance import OWN_RECORDS

    mode = 0o600 if loaded.provenance.source == OWN_RECORDS else None
    if written_as == "parquet":
        from evidence.sources.store import write_parquet

        write_parquet(loaded, out, mode=mode)
        return
    from evidence.core.atomic import atomic_path

    with atomic_path(out, mode=mode) as tmp:
        if written_as == "csv":
            from evidence.core.text import spreadsheet_frame

            spreadsheet_frame(loaded.data).write_csv(tmp)
        else:
            loaded.data.write_json(tmp)


@data_app.command("validate")
def validate_command(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="A data file any loader reads.")],
    limit: Annotated[
        int,
        typer.Option(
            min=0,
            metavar="N",
            help="At most this many rows of each list shown (rejected, flagged, failed value checks).",
        ),
    ] = 20,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Also check the table's declared values (reference ISO3 codes, years within the release, "
            "intervals, non-negative estimates, categories); exit 1 when any fails.",
        ),
    ] = False,
    disclosure_threshold: DisclosureThresholdOpt = DEFAULT_DISCLOSURE_THRESHOLD,
    as_json: JsonOpt = False,
) -> None:
    """Check a file: exit 0 when every row is kept, 1 (with a report of the rejected rows) otherwise.

    --disclosure-threshold protects the table of citizenships not mapped to a country (with the victims they hold)."""
    from evidence.sources.registry import load

    loaded = load(path)
    _warn_if_demo(loaded.provenance)
    summary = loaded.summary()
    if as_json:
        _validate_json(loaded, summary, strict, limit)
        return
    _print_summary(summary)
    if loaded.flags.height:
        _print_issues("Flagged (kept, worth reviewing)", loaded.flags, limit)
    _print_unmapped_citizenships(loaded, disclosure_threshold)
    failed = False
    if loaded.rows_rejected:
        _print_issues("Rejected rows", loaded.rejects, limit)
        console.print(f"[bold red]{loaded.rows_rejected:,} of {counted(loaded.rows_in, 'row')} rejected[/]")
        failed = True
    if strict:
        from evidence.sources.checks import check_values

        failures = check_values(loaded)
        if failures.height:
            _print_issues("Declared values not held (--strict)", failures, limit)
            console.print(f"[bold red]{counted(failures.height, 'value check failure')}[/]")
            failed = True
        else:
            console.print("[green]declared values hold[/] (codes, years, intervals, estimates, categories)")
    if failed:
        raise typer.Exit(1)
    kept = "the 1 row" if loaded.rows_in == 1 else f"all {counted(loaded.rows_in, 'row')}"
    console.print(f"[bold green]valid:[/] {kept} kept")


def _validate_json(loaded, summary: dict, strict: bool, limit: int) -> None:
    """``data validate --json``: the load summary (as ``data load --json``), whether the file is valid, and the
    first ``limit`` rejected and flagged rows and (``--strict``) failed value checks (``row``, ``column``, ``value``,
    ``reason``); exit 1 when it is not valid, as without ``--json``."""
    from evidence.sources.checks import check_values

    def rows(issues) -> list[dict]:
        return [
            {key: record.get(key) for key in ("row", "column", "value", "reason")}
            for record in issues.head(limit).iter_rows(named=True)
        ]

    failures = check_values(loaded) if strict else None
    valid = not loaded.rows_rejected and (failures is None or not failures.height)
    body = {
        **summary,
        "valid": valid,
        "strict": strict,
        "rejected_rows": rows(loaded.rejects),
        "flagged_rows": rows(loaded.flags),
        "value_checks_failed": failures.height if failures is not None else None,
        "failed_value_checks": rows(failures) if failures is not None else None,
    }
    echo_json("data.validate", body, default=str)
    if not valid:
        raise typer.Exit(1)


def _print_unmapped_citizenships(loaded, threshold: int) -> None:
    """What no country could be found for, with its victims and a suggested country (to review)."""
    from evidence.notebooks.builders import unmapped_citizenship_share, unmapped_citizenship_table
    from evidence.presentation.disclosure import DisclosureRule

    share = unmapped_citizenship_share(loaded)
    if share is None:
        return
    table = unmapped_citizenship_table(loaded, DisclosureRule(threshold))
    if table is not None:
        _print_display(
            "Citizenships not mapped to a country (suggestions are for review; none is applied)", table
        )
    console.print(share, highlight=False)


def _print_summary(summary: dict) -> None:
    table = Table(show_header=False, box=None)
    for key in (
        "source",
        "layout",
        "release",
        "kind",
        "path",
        "sha256",
        "rows_in",
        "rows_kept",
        "rows_rejected",
    ):
        table.add_row(key, escape(summary.get(key), lines=False))
    if summary.get("rows_left_out"):
        table.add_row(
            "rows_left_out",
            f"{summary['rows_left_out']} (not records: empty rows, note lines below the table, or totals the file also publishes; see the notes)",
        )
    if summary.get("demo"):
        table.add_row("[bold yellow]SYNTHETIC[/]", "[bold yellow]toolkit demo data, not real records[/]")
    elif summary.get("synthetic"):
        table.add_row("synthetic", "yes (publisher's synthetic records)")
    if summary.get("rows_in") == 0:
        from evidence.sources.registry import NOTE_NO_ROWS

        table.add_row("[bold yellow]warning[/]", escape(NOTE_NO_ROWS))
    for reason, n in summary.get("reject_reasons", {}).items():
        table.add_row("rejected", escape(f"{counted(n, 'row')}: {reason}"))
    for reason, n in summary.get("flag_reasons", {}).items():
        table.add_row("flagged", escape(f"{counted(n, 'row')}: {reason}"))
    # how the loader read the file where it differs from the release it knows (another delimiter or encoding, the
    # sheet and header row, columns not used or absent, a release it cannot state): only --json showed them, so a
    # later release read otherwise than the one the user expected looked the same as it
    for note in summary.get("notes", []):
        table.add_row("note", escape(note))
    if summary.get("out"):  # as --json says it: where the table was written
        table.add_row("out", escape(summary["out"], lines=False))
        written_as = {
            "parquet": "Parquet, with its provenance",
            "csv": "CSV (the rows only)",
            "json": "JSON, a list of records (the rows only)",
        }
        table.add_row("out_format", written_as.get(summary.get("out_format") or "parquet", ""))
    console.print(table)


def _print_issues(title: str, issues, limit: int) -> None:
    table = Table(title=title)
    for col in ("row", "column", "value", "reason"):
        table.add_column(col)
    for rec in issues.head(limit).iter_rows(named=True):
        table.add_row(
            *(
                escape(rec[c], lines=False) if rec[c] is not None else ""
                for c in ("row", "column", "value", "reason")
            )
        )
    console.print(table)
    if issues.height > limit:
        console.print(f"... and {issues.height - limit} more")


@data_app.command("fetch")
def fetch_command(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="A release in the catalogue (see `evidence data list`).")
    ],
    url: Annotated[
        str | None,
        typer.Option(
            "--url", metavar="URL", help="Download from this URL instead (a mirror, or a direct link)."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Download again even if a good copy is cached.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Download an official release into the user cache (checksummed, retried, never half-written)."""
    from evidence.sources.fetch import cached, fetch

    # checked once (hashing is not free); with --url too: fetch() returns a good cached copy without touching
    # the network unless --force, so the command must not say it fetched the file from the URL
    was_cached = cached(name) if not force else None
    path = was_cached or fetch(name, url=url, force=force, progress=not as_json)
    if as_json:
        echo_json("data.fetch", {"name": name, "path": str(path), "fetched": not was_cached})
        return
    state = "already cached" if was_cached else "fetched"
    console.print(
        f"[bold green]{state}:[/] {escape(name)} -> {escape(path)}", highlight=False, soft_wrap=True
    )
    if was_cached and url is not None:
        console.print(
            f"not downloaded from {escape(url)}: a good copy is cached (--force downloads it again)",
            highlight=False,
            soft_wrap=True,
        )
    console.print(f"load it with: evidence data load {escape(path)}", highlight=False, soft_wrap=True)


@data_app.command("list")
def list_command(
    as_json: JsonOpt = False,
) -> None:
    """The releases `evidence data fetch` knows, whether each is cached, and the demo data."""
    from evidence.sources.catalogue import CATALOGUE
    from evidence.sources.demo import DEMO_RELEASE, demo_file
    from evidence.sources.fetch import cached
    from evidence.sources.provenance import demo_release_words

    rows = []
    for release in CATALOGUE.values():
        path = cached(release)
        rows.append(
            {
                "name": release.name,
                "source": release.source,
                "title": release.title,
                "direct_download": release.direct,
                "url": release.url,
                "cached": str(path) if path else None,
            }
        )
    demo = demo_file()
    rows.append(
        {
            "name": "demo",
            "source": "ctdc",
            "title": f"evidence synthetic demo data, {demo_release_words(DEMO_RELEASE)} (NOT real records)",
            "direct_download": None,
            "url": "",
            "cached": str(demo) if demo.exists() else None,
        }
    )
    if as_json:
        echo_json("data.list", {"releases": rows})
        return
    table = Table(title="Releases (evidence data fetch NAME)")
    table.add_column("name", no_wrap=True)
    for col in ("title", "download", "cached"):
        table.add_column(col, overflow="fold")
    for row in rows:
        if row["name"] == "demo":
            how = "generated"
        else:
            how = "direct" if row["direct_download"] else "page: --url"
        cached_text = f"[green]{row['cached']}[/]" if row["cached"] else "[dim]not cached[/]"
        title = f"[bold yellow]{row['title']}[/]" if row["name"] == "demo" else row["title"]
        table.add_row(str(row["name"]), str(title), how, cached_text)
    console.print(table)
    console.print(
        "[dim]'page: --url': the publisher serves the file from a web page; pass its direct link with "
        "--url, or download it and run `evidence data load FILE`.[/]"
    )


@data_app.command("demo")
def demo_command(
    rows: Annotated[
        int, typer.Option("--rows", min=1, metavar="N", help="Number of synthetic records.")
    ] = 20_000,
    seed: Annotated[
        int, typer.Option("--seed", metavar="N", help="Random seed: the same seed gives the same file.")
    ] = 20240101,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="FILE", help="Write the CSV here, a .csv file (default: the user cache)."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write synthetic demo data in the CTDC Global Synthetic v2024 layout (NOT real records)."""
    from evidence.sources.demo import demo_path, write_demo

    if out is not None:
        file_to_write(out, f"--out {out}", "demo.csv")
        if out.suffix.lower() != ".csv":
            from evidence.core.errors import ParameterError

            raise ParameterError(
                f"--out {out}: the demo data are written as CSV; name a .csv file (e.g. {out.with_suffix('.csv')})"
            )
    path = write_demo(out, n_rows=rows, seed=seed) if out is not None else demo_path(rows, seed)
    if as_json:
        echo_json("data.demo", {"path": str(path), "rows": rows, "seed": seed, "demo": True})
        return
    console.print(
        f"[bold yellow]synthetic demo data[/] ({counted(rows, 'invented record')}, seed {seed}): {escape(path)}",
        highlight=False,
        soft_wrap=True,
    )


def _default_paths() -> list[Path]:
    """The configured data files, or else the demo data (with a note saying so)."""
    from evidence.sources.demo import default_data_paths

    paths, is_demo = default_data_paths()
    if is_demo:
        err_console.print("no data configured (EVIDENCE_DATA is not set): using the synthetic demo data")
        return paths
    return configured_files(paths)


def _warn_if_demo(provenance) -> None:
    """A banner nobody can miss when the numbers come from the toolkit's invented demo records."""
    if not provenance.demo:
        return
    from rich.panel import Panel

    err_console.print(
        Panel(
            "[bold]These are SYNTHETIC DEMO DATA generated by the toolkit: "
            "invented records, NOT real victims.[/]\n"
            "Do not cite, publish or draw conclusions from these numbers.\n"
            "Use real data with `evidence data load FILE` or by setting EVIDENCE_DATA=FILE.",
            title="[bold]SYNTHETIC DEMO DATA[/]",
            border_style="bold red",
            style="bold yellow",
            expand=False,
        )
    )


def _print_count_tables(loaded, threshold: int) -> None:
    """Victims by year and the 10 largest corridors, protected as every other output of the same records: the
    yearly table is the one of the briefs and `evidence trend`, the corridors are the cells `evidence flows`
    publishes (perturbed by the cell key method for victim records of real people, else small counts withheld)."""
    import polars as pl

    from evidence.analyses.selection import CELL_KEY, Selection, count_exprs
    from evidence.notebooks.builders import TOO_FEW, yearly_numbers
    from evidence.presentation.disclosure import DisclosureRule, suppress_counts

    if loaded.kind != "case":
        console.print(f"[dim](--summary covers victim case tables; this is a {loaded.kind} table)[/]")
        return
    rule = DisclosureRule(threshold)
    selection = Selection(loaded)
    per_year = yearly_numbers(selection, rule).per_year
    if per_year is None:
        console.print(TOO_FEW)
        return
    _print_display("Victims by year", per_year.low.display())
    keyed = selection.keyed
    corridors = (
        selection.frame.drop_nulls(["origin_iso3", "destination_iso3"])
        .group_by(corridor=pl.format("{} -> {}", "origin_iso3", "destination_iso3"))
        .agg(count_exprs(keyed, "victims"))
    )
    disclosed = suppress_counts(
        corridors.select("corridor", "victims"),
        "victims",
        rule,
        cell_keys=corridors.select(pl.col(CELL_KEY).alias("victims")) if keyed else None,
    )
    # the largest by the published counts: an order by the true ones would tell them apart
    largest = (
        disclosed.frame.with_row_index("row")
        .sort(["victims", "corridor"], descending=[True, False], nulls_last=True)
        .head(10)["row"]
    )
    _print_display(
        "Largest corridors, origin -> destination (citizenship -> country of exploitation)",
        disclosed.display()[largest],
    )
    console.print("[dim]" + per_year.low.describe() + "[/]")


def _print_display(title: str, frame) -> None:
    table = Table(title=title)
    for col in frame.columns:
        table.add_column(
            escape(col), justify="right" if col.lower() in {"victims", "rows", "detected victims"} else "left"
        )
    for row in frame.iter_rows():  # text from the data: never rich markup
        table.add_row(*(escape(v, lines=False) if v is not None else "" for v in row))
    console.print(table)
