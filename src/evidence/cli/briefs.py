"""``evidence render`` (an executed run → its brief); ``evidence brief`` (run the country brief, render)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated, Any

import typer

from evidence.cli.options import (
    DEFAULT_DISCLOSURE_THRESHOLD,
    DEFAULT_OUT_ROOT,
    DEFAULT_ROLE,
    AllowEmptyOpt,
    CountryArg,
    DataOpt,
    DisclosureThresholdOpt,
    ForceOpt,
    JsonOpt,
    KernelOpt,
    OutRootOpt,
    PeersOpt,
    RoleOpt,
    YearsOpt,
    echo_json,
    escape,
    make_console,
)
from evidence.cli.start import BRIEF_NOTEBOOK

console = make_console()
err_console = make_console(stderr=True)


FormatOpt = Annotated[str, typer.Option("--format", metavar="FORMAT", help="html, pdf or all (both).")]
RendererOpt = Annotated[
    str,
    typer.Option(
        "--renderer",
        metavar="RENDERER",
        help="auto (Quarto when its CLI is on PATH, else built-in), quarto or builtin (pandoc + Typst).",
    ),
]
SkipCheckOpt = Annotated[
    bool,
    typer.Option(
        "--skip-disclosure-check",
        help="Skip the scan of the brief's text for small counts. The scan is a heuristic safety net; skip it "
        "only for numbers you have checked are not counts of people.",
    ),
]


def register(app: typer.Typer) -> None:
    from evidence.cli.runs import taking_sigterm_as_interrupt

    # SIGTERM as Ctrl-C: the run's temporary folder removed, its kernel and the renderer stopped (exit 130)
    app.command("render")(taking_sigterm_as_interrupt(render_command))
    app.command("brief")(taking_sigterm_as_interrupt(brief_command))


def render_command(
    run_dir: Annotated[
        Path, typer.Argument(metavar="RUN_DIR", help="A run folder made by evidence run, batch or brief.")
    ],
    format: FormatOpt = "all",
    renderer: RendererOpt = "auto",
    skip_disclosure_check: SkipCheckOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Render an executed run into a brief (HTML and PDF, beside the run) and update the briefs index."""
    from evidence.cli.runs import check_index_place

    check_index_place(run_dir.parent)  # the index of briefs is never written over a page of someone else's
    options = {"formats": format, "renderer": renderer, "check_disclosure": not skip_disclosure_check}
    result = _render_or_fail(run_dir, None, **options)
    if as_json:
        echo_json("render", render_json(result))
    _report(result, err_console if as_json else console)


def brief_command(
    country: CountryArg,
    role: RoleOpt = DEFAULT_ROLE,
    years: YearsOpt = None,
    data: DataOpt = None,
    disclosure_threshold: DisclosureThresholdOpt = DEFAULT_DISCLOSURE_THRESHOLD,
    format: FormatOpt = "all",
    renderer: RendererOpt = "auto",
    out_root: OutRootOpt = DEFAULT_OUT_ROOT,
    force: ForceOpt = False,
    kernel: KernelOpt = None,
    skip_disclosure_check: SkipCheckOpt = False,
    peers: PeersOpt = None,
    allow_empty: AllowEmptyOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Build a country brief in one step: run the country_brief notebook, then render it to HTML and PDF.

    Give any mix of the sources the toolkit reads with --data (victim-level case data, a UNODC GLOTIP
    workbook, a Walk Free GSI workbook, TIP tier placements): the brief has a section per source that
    holds data for the country and role. The years default to the span the data hold for them. A run whose
    inputs (notebook, parameters, data files, toolkit) are unchanged since its last successful run is not
    executed again; its brief is re-rendered.
    """
    from evidence.runs.warm import prestart, stop_unused_kernels

    prestart(BRIEF_NOTEBOOK, kernel)  # the kernel starts (on another core) while the run is checked

    from evidence.core.errors import ParameterError

    try:  # a refused run (bad option, empty selection) stops the kernel started ahead at once
        _check_country(country)  # before the imports of a run and its render: a typo waits for none of them
        from evidence.briefs.render import choose_renderer, parse_formats
        from evidence.notebooks.catalog import read_notebook
        from evidence.runs.execute import prepare_run, run_unless_fresh

        formats = parse_formats(format)
        chosen = choose_renderer(renderer)
        from evidence.runs.kernel import check_kernel

        check_kernel(kernel)
        from evidence.cli.runs import check_index_place

        check_index_place(out_root)  # the index of briefs is never written over a page of someone else's
        spec = read_notebook(BRIEF_NOTEBOOK)
        given = brief_parameters(
            spec,
            country=country,
            role=role,
            years=years,
            data=data,
            disclosure_threshold=disclosure_threshold,
            peers=peers,
        )
        try:
            prepared = prepare_run(
                spec, given, out_root=out_root, kernel_name=kernel, allow_empty=allow_empty
            )
        except ParameterError as exc:
            exc.args = (_as_typed(str(exc), spec, given, years), *exc.args[1:])
            raise
    except BaseException:
        stop_unused_kernels()
        raise

    if chosen == "builtin" and "pdf" in formats:
        from evidence.briefs.builtin import prepare_typesetting

        prepare_typesetting()  # Typst's fonts looked up while the notebook runs
    from evidence.cli.register import other_secret_warnings

    for warning in other_secret_warnings(d["path"] for d in prepared.data):
        err_console.print(f"[bold red]Warning:[/] {escape(warning)}", soft_wrap=True)
    say = err_console if as_json else console  # with --json, standard output holds the document only
    from evidence.cli.runs import briefed, leave_out_briefs, list_briefs_again
    from evidence.runs.cache import is_fresh

    had_brief = briefed(prepared)
    if had_brief and (force or not is_fresh(prepared.folder, prepared.cache_key)):
        leave_out_briefs(Path(prepared.out_root), [prepared.folder])  # before the run replaces its folder
    try:
        with say.status(f"running {prepared.run_id} ..."):
            outcome = run_unless_fresh(prepared, force=force)
    except BaseException:  # interrupted: the old run and its brief are in place
        if had_brief:
            with contextlib.suppress(KeyboardInterrupt):
                list_briefs_again(Path(prepared.out_root), [prepared.folder])
        raise
    if outcome.status == "failed" and had_brief:  # its good run and brief are kept
        list_briefs_again(Path(prepared.out_root), [prepared.folder])
    render_options: dict[str, Any] = {
        "formats": format,
        "renderer": renderer,
        "check_disclosure": not skip_disclosure_check,
    }
    folder = Path(prepared.folder if outcome.status == "skipped" else outcome.folder)
    begun = None
    if outcome.status in ("ok", "skipped"):
        from evidence.briefs.render import begin_render

        # pandoc starts on the brief now, and converts it while this process does what comes before the render
        # (the index rewritten, the kernel let go, the run's messages)
        begun = begin_render(folder, **render_options)
    with contextlib.ExitStack() as stack:
        if begun is not None:
            stack.enter_context(begun)  # a render that does not get as far stops its pandoc
        _brief_after_run(prepared, outcome, folder, had_brief, spec.name, say, as_json, begun, render_options)


def _brief_after_run(
    prepared: Any,
    outcome: Any,
    folder: Path,
    had_brief: bool,
    notebook: str,
    say: Any,
    as_json: bool,
    begun: Any,
    render_options: dict[str, Any],
) -> None:
    """``evidence brief`` once its run is done: say what it did, then render its brief (``begun`` ahead)."""
    from evidence.cli.runs import drop_replaced_briefs, failed_folder_holds, say_rejected_rows, say_set_aside
    from evidence.runs.warm import release_kernels

    if outcome.status == "ok" and had_brief:  # the old brief is gone: not linked while the new one is made
        drop_replaced_briefs(Path(prepared.out_root))
    release_kernels()  # the one run is done: its kernel ends on another core while the brief is rendered
    say_rejected_rows([outcome], one_run=True)
    if outcome.status == "skipped":
        say.print(
            f"[dim]unchanged since its last run (--force to re-run):[/] {escape(_relative(prepared.folder))}"
        )
        say_set_aside(outcome, say)
    else:
        if outcome.status != "ok":
            if as_json:
                echo_json("brief", {"run": run_json(outcome), "render": None})
            err_console.print(
                f"[bold red]the notebook failed:[/] {escape(outcome.error or '')}", highlight=False
            )
            err_console.print(f"{failed_folder_holds(outcome)} {escape(_relative(outcome.folder))}")
            raise typer.Exit(1)
        say.print(
            f"[green]ran[/] {escape(notebook)} in {outcome.seconds:.1f} s → {escape(_relative(outcome.folder))}"
        )
    with say.status("rendering the brief ..."):
        result = _render_or_fail(
            folder, "the run succeeded: its executed notebook is in", begun=begun, **render_options
        )
    if as_json:
        echo_json("brief", {"run": run_json(outcome), "render": render_json(result)})
    _report(result, say)


def render_json(result: Any) -> dict[str, Any]:
    """A rendered brief as the JSON of ``render`` and ``brief`` say it: the run folder, the files written by
    format (``html``, ``pdf``) with the seconds each took, the renderer, the index of briefs updated (or null)."""
    return {  # absolute, as run, batch and the index name them (a relative RUN_DIR gave two spellings)
        "folder": str(Path(result.run_dir).resolve()),
        "title": result.title,
        "renderer": result.renderer,
        "outputs": {fmt: str(Path(path).resolve()) for fmt, path in result.outputs.items()},
        # in the order of ``outputs`` (the renderer finishes the PDF first), any other format after them
        "seconds": {
            fmt: round(result.seconds[fmt], 3)
            for fmt in [*(f for f in result.outputs if f in result.seconds), *result.seconds]
        },
        "index": str(result.index) if result.index is not None else None,
        "demo": result.demo,
    }


def run_json(outcome: Any) -> dict[str, Any]:
    """The run, as ``evidence run --json`` says it."""
    from evidence.cli.runs import run_json as as_run

    return as_run(outcome)


def _render_or_fail(run_dir: Path, the_run: str | None, *, begun: Any = None, **options: Any) -> Any:
    """Render a run folder (``begun``: the render begun ahead, :func:`evidence.briefs.render.begin_render`); a
    renderer that fails there (pandoc or Typst dies, Quarto fails) is a problem the command found once it ran
    (exit code 1), not a refusal before anything was done (2): the error says what is in the run folder
    (``the_run``; None: whether its brief is still there, as a failed render removes what it had begun to
    write, an earlier render's brief with it) and the command that renders it again."""
    from evidence.briefs.builtin import RenderError
    from evidence.briefs.render import BRIEF_RECORD

    try:
        return _render(run_dir, begun=begun, **options)
    except RenderError as exc:
        if the_run is None:
            kept = (run_dir / BRIEF_RECORD).is_file()
            the_run = (
                "the run and its earlier brief are unchanged"
                if kept
                else "the run is in its folder, without a brief"
            )
        folder = _relative(run_dir)
        shown = f"{the_run} {folder}" if the_run.endswith(" in") else f"{the_run} ({folder})"
        failed = RenderError(
            f"the brief could not be rendered: {str(exc).rstrip('.')}. {shown[0].upper()}{shown[1:]}; render "
            f"its brief again with: {render_again(run_dir, **options)}"
        )
        failed.exit_code = 1  # type: ignore[attr-defined]  # read by evidence.cli.main
        failed.path = str(run_dir)  # type: ignore[attr-defined]
        raise failed from exc


def render_again(run_dir: Path, *, formats: Any, renderer: str, check_disclosure: bool) -> str:
    """The ``evidence render`` command line that renders ``run_dir``'s brief as this command was asked to."""
    import shlex

    from evidence.briefs.render import FORMATS, parse_formats

    named = parse_formats(formats)  # checked already: the command got this far
    words = ["evidence", "render", _relative(run_dir)]
    if named != FORMATS:
        words += ["--format", ",".join(named)]
    if renderer != "auto":
        words += ["--renderer", renderer]
    if not check_disclosure:
        words.append("--skip-disclosure-check")
    return shlex.join(words)


def _render(run_dir: Path, *, begun: Any = None, **options: Any) -> Any:
    """Render a run folder; a folder the brief cannot be written into is one error naming that folder (not
    the temporary file the atomic write was making in it)."""
    import errno

    from evidence.briefs.render import render_run
    from evidence.core.errors import InputError

    clean_stale_briefs(run_dir)
    try:
        return render_run(run_dir, begun=begun, **options)
    except OSError as exc:
        if exc.errno not in (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise
        from evidence.briefs.index import index_path

        index = index_path(run_dir.parent)
        failed = Path(exc.filename).resolve() if exc.filename else None
        if failed is not None and failed.parent == index.parent and run_dir.resolve() not in failed.parents:
            # the brief was written; the index of briefs beside the runs folder (or its temporary file) was not
            written = [
                str(run_dir / name) for name in ("brief.html", "brief.pdf") if (run_dir / name).is_file()
            ]
            brief = f"; the brief is written: {', '.join(written)}" if written else ""
            raise InputError(
                f"cannot write the index of briefs: {exc.strerror or exc}{brief}", path=index
            ) from exc
        raise InputError(
            f"cannot write the brief into the run folder: {exc.strerror or exc}", path=run_dir
        ) from exc


def clean_stale_briefs(run_dir: Path) -> None:
    """Remove what renders killed while they wrote left beside the brief and the index (their temporary files,
    ``.brief.html.<host>-<pid>.<random>.part``), before this render writes its own."""
    from evidence.briefs.index import index_path
    from evidence.core.atomic import clean_stale_files

    clean_stale_files(run_dir)
    clean_stale_files(index_path(run_dir.parent).parent)


def _check_country(country: str) -> None:
    """Refuse an unknown country as the run's check of the notebook's parameters words it (``COUNTRY:``), but
    before the notebook is read: reading its parameters imports Papermill (a second and a half), which a typo
    in the country waited for."""
    from evidence.analyses.selection import check_country
    from evidence.core.errors import ParameterError

    if not country.strip():
        return  # no country at all: the run's check words it ("a country is a text")
    try:
        check_country(country)
    except ParameterError as exc:
        raise ParameterError(f"{_TYPED['country']}: {exc}") from None


def brief_parameters(
    spec: Any,
    *,
    country: str,
    role: str | None = None,
    years: str | None = None,
    data: list[Path] | None = None,
    disclosure_threshold: int | None = None,
    peers: str | None = None,
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
        from evidence.analyses.selection import check_years

        first, last = check_years(years)  # type: ignore[misc]  # a text gives a pair
        if "years" in spec.parameters:
            given["years"] = [first, last]
        else:
            given[find("year_from", "first_year", "start_year", what="--years")] = first
            given[find("year_to", "last_year", "end_year", what="--years")] = last
    if data:
        given.update(data_parameters(spec, data))
    if disclosure_threshold is not None:
        named = find(*[n for n in names if "threshold" in n.lower()], what="--disclosure-threshold")
        given[named] = disclosure_threshold
    if peers is not None:
        # codes or names, each checked; the country itself and a peer named twice dropped, and said (the brief
        # named "peers: THA, KHM" for Thailand); an option naming none, or only the country, refused
        from evidence.analyses.selection import check_country
        from evidence.cli.compare import peer_list

        listed, notes = peer_list(peers, str(check_country(country)))
        for note in notes:
            err_console.print(escape(note), highlight=False, soft_wrap=True)
        given[find("peers", what="--peers")] = listed
    return given


#: The notebook's parameters as ``evidence brief`` takes them: the options (and argument) a user typed.
_TYPED = {
    "country": "COUNTRY",
    "iso3": "COUNTRY",
    "role": "--role",
    "peers": "--peers",
    "data": "--data",
    "disclosure_threshold": "--disclosure-threshold",
}


def _as_typed(message: str, spec: Any, given: dict[str, Any], years: str | None) -> str:
    """A refusal of the brief's notebook parameters in the words of the options the user typed: ``--peers:``
    for ``parameter 'peers':``, and a years check (``1990 <= year_from <= year_to <= 2100``) as the years
    ``--years`` may take."""
    import re

    if years is not None:
        named = {"years", "year_from", "year_to", "first_year", "last_year", "start_year", "end_year"}
        for check in spec.checks:
            if set(check.names) <= named and check.violation(given) is not None:
                bounds = [v for kind, v in check.terms if kind == "value"]
                if bounds:
                    return (
                        f"--years {years}: the {spec.name} notebook takes years from {min(bounds)} to "
                        f"{max(bounds)}"
                    )
    for name, typed in _TYPED.items():
        message = re.sub(rf"\bparameter '{name}'", typed, message)
    return message


def data_parameters(spec: Any, data: list[Path]) -> dict[str, Any]:
    """``--data FILE ...`` as the notebook's own data-file parameter (absolute paths)."""
    from evidence.core.errors import ParameterError

    if spec.data_parameter is None:
        raise ParameterError(f"the {spec.name} notebook takes no data files (--data)")
    return {spec.data_parameter: [str(Path(p).expanduser().resolve()) for p in data]}


def _report(result: Any, say: Any = console) -> None:
    files = ", ".join(
        f"{escape(_relative(path))} ({result.seconds[fmt]:.1f} s)" for fmt, path in result.outputs.items()
    )
    say.print(
        f"[green]rendered[/] {escape(repr(result.title))} with the {result.renderer} renderer: {escape(files)}"
    )
    if result.index is not None:
        say.print(f"index of briefs: {escape(_relative(result.index))}")
    if result.demo:
        err_console.print(
            "[bold yellow]note:[/] this brief is built from the toolkit's SYNTHETIC DEMO DATA and says so on "
            "every page; give real data with --data FILE or the EVIDENCE_DATA setting.",
            highlight=False,
        )


def _relative(path: str | Path) -> str:
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
