"""``evidence render`` (an executed run → its brief); ``evidence brief`` (run the country brief, render)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)

_OUT_ROOT = Path("reports") / "runs"
BRIEF_NOTEBOOK = "country_brief"

_FORMAT_HELP = "html, pdf or all (both)."
_RENDERER_HELP = "auto (Quarto when its CLI is on PATH, else built-in), quarto or builtin (pandoc + Typst)."
_CHECK_HELP = (
    "Skip the scan of the brief's text for small counts. The scan is a heuristic safety net; skip it only "
    "for numbers you have checked are not counts of people."
)


def register(app: typer.Typer) -> None:
    app.command("render")(render_command)
    app.command("brief")(brief_command)


def render_command(
    run_dir: Annotated[Path, typer.Argument(help="A run folder made by evidence run/batch/brief.")],
    format: Annotated[str, typer.Option("--format", help=_FORMAT_HELP)] = "all",
    renderer: Annotated[str, typer.Option(help=_RENDERER_HELP)] = "auto",
    skip_disclosure_check: Annotated[bool, typer.Option("--skip-disclosure-check", help=_CHECK_HELP)] = False,
) -> None:
    """Render an executed run into a brief (HTML and PDF, beside the run) and update the briefs index."""
    from evidence.briefs.render import render_run

    result = render_run(
        run_dir, formats=format, renderer=renderer, check_disclosure=not skip_disclosure_check
    )
    _report(result)


def brief_command(
    country: Annotated[str, typer.Argument(help="The country: an ISO3 code (THA) or a name (Thailand).")],
    role: Annotated[
        str | None, typer.Option(help="origin, destination or both (default: the notebook's, both).")
    ] = None,
    years: Annotated[
        str | None,
        typer.Option(help="Year range A-B, e.g. 2015-2023, or one year (default: the notebook's)."),
    ] = None,
    data: Annotated[
        list[Path] | None,
        typer.Option(
            "--data",
            help="A data file (repeat for several). Default: EVIDENCE_DATA, else the synthetic demo data, "
            "and the brief then says so on its first page.",
        ),
    ] = None,
    threshold: Annotated[
        int | None,
        typer.Option(min=2, help="Disclosure threshold: counts below it are withheld (default 5)."),
    ] = None,
    format: Annotated[str, typer.Option("--format", help=_FORMAT_HELP)] = "all",
    renderer: Annotated[str, typer.Option(help=_RENDERER_HELP)] = "auto",
    out_root: Annotated[Path, typer.Option(help="Folder that receives one folder per run.")] = _OUT_ROOT,
    force: Annotated[
        bool, typer.Option("--force", help="Run the notebook even if its inputs are unchanged.")
    ] = False,
    kernel: Annotated[
        str | None, typer.Option(help="Jupyter kernel name (default: this environment's interpreter).")
    ] = None,
    skip_disclosure_check: Annotated[bool, typer.Option("--skip-disclosure-check", help=_CHECK_HELP)] = False,
) -> None:
    """Build a country brief in one step: run the country_brief notebook, then render it to HTML and PDF.

    A run whose inputs (notebook, parameters, data files, toolkit) are unchanged since its last successful run
    is not executed again; its brief is re-rendered.
    """
    from evidence.runs.warm import prestart

    prestart(BRIEF_NOTEBOOK, kernel)  # the kernel starts (on another core) while the run is checked

    from evidence.briefs.render import choose_renderer, parse_formats, render_run
    from evidence.notebooks.catalog import read_notebook
    from evidence.runs.execute import prepare_run, run_unless_fresh

    # fail on a bad option before a kernel starts
    formats = parse_formats(format)
    choose_renderer(renderer)
    spec = read_notebook(BRIEF_NOTEBOOK)
    given = brief_parameters(spec, country=country, role=role, years=years, data=data, threshold=threshold)
    prepared = prepare_run(spec, given, out_root=out_root, kernel_name=kernel)

    with console.status(f"running {prepared.run_id} ..."):
        outcome = run_unless_fresh(prepared, force=force)
    if outcome.status == "skipped":
        console.print(f"[dim]unchanged since its last run:[/] {_relative(prepared.folder)}")
        folder = prepared.folder
    else:
        if outcome.status != "ok":
            err_console.print(f"[bold red]the notebook failed:[/] {outcome.error}", highlight=False)
            err_console.print(f"the partly executed notebook and run.json are in {_relative(outcome.folder)}")
            raise typer.Exit(1)
        console.print(f"[green]ran[/] {spec.name} in {outcome.seconds:.1f} s → {_relative(outcome.folder)}")
        folder = Path(outcome.folder)
    with console.status("rendering the brief ..."):
        result = render_run(
            folder, formats=formats, renderer=renderer, check_disclosure=not skip_disclosure_check
        )
    _report(result)


def brief_parameters(
    spec: Any,
    *,
    country: str,
    role: str | None = None,
    years: str | None = None,
    data: list[Path] | None = None,
    threshold: int | None = None,
) -> dict[str, Any]:
    """The brief command's options as the notebook's own parameters (checked again by the runs layer)."""
    from evidence.core.errors import ParameterError

    names = list(spec.parameters)

    def find(*candidates: str, what: str) -> str:
        for name in candidates:
            if name in spec.parameters:
                return name
        raise ParameterError(
            f"the {spec.name} notebook has no parameter for {what} (its parameters: {', '.join(names)})"
        )

    given: dict[str, Any] = {find("country", "iso3", what="the country"): country}
    if role is not None:
        given[find("role", what="--role")] = role
    if years is not None:
        first, last = parse_years(years)
        if "years" in spec.parameters:
            given["years"] = [first, last]
        else:
            given[find("year_from", "first_year", "start_year", what="--years")] = first
            given[find("year_to", "last_year", "end_year", what="--years")] = last
    if data:
        data_names = [n for n, p in spec.parameters.items() if p.validator == "data_files"]
        if not data_names:
            raise ParameterError(f"the {spec.name} notebook takes no data files")
        given[data_names[0]] = [str(Path(p).expanduser().resolve()) for p in data]
    if threshold is not None:
        given[find(*[n for n in names if "threshold" in n.lower()], what="--threshold")] = threshold
    return given


def parse_years(text: str) -> tuple[int, int]:
    """``"2015-2023"`` (also ``2015–2023``, ``2015..2023``, ``2015:2023``) or ``"2020"`` → (first, last)."""
    import re

    from evidence.core.errors import ParameterError

    match = re.fullmatch(r"\s*(\d{4})\s*(?:(?:-|–|\.\.|:)\s*(\d{4}))?\s*", text)
    if not match:
        raise ParameterError(f"--years expects a year range such as 2015-2023 (or one year), got {text!r}")
    first, last = int(match[1]), int(match[2] or match[1])
    if first > last:
        raise ParameterError(f"--years: the first year {first} is after the last year {last}")
    return first, last


def _report(result: Any) -> None:
    files = ", ".join(
        f"{_relative(path)} ({result.seconds[fmt]:.1f} s)" for fmt, path in result.outputs.items()
    )
    console.print(f"[green]rendered[/] {result.title!r} with the {result.renderer} renderer: {files}")
    if result.index is not None:
        console.print(f"index of briefs: {_relative(result.index)}")
    if result.demo:
        err_console.print(
            "[bold yellow]note:[/] this brief is built from the toolkit's SYNTHETIC DEMO DATA and says so on "
            "every page; give real data with --data PATH or the EVIDENCE_DATA setting.",
            highlight=False,
        )


def _relative(path: str | Path) -> str:
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
