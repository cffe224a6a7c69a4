"""Entry point of the ``evidence`` command. Each topic registers its commands from its own module.

Adding commands: write ``evidence/cli/<topic>.py`` with a ``register(app)`` function and add ``<topic>`` to
:data:`TOPICS`. A topic module imports only typer and the standard library at module level; everything else
(polars, the analyses, papermill, altair, ...) is imported inside the command that uses it, so ``--help`` and
the light commands start fast. ``tests/cli/test_main.py`` checks what each command imports.
"""

from __future__ import annotations

import copy
import importlib
import os
import re
import sys
import threading
from typing import Annotated, NoReturn

import typer

from evidence.cli.options import BROKEN_PIPE_EXIT, apply_grammar, make_console, output_closed
from evidence.core.errors import EvidenceError

app = typer.Typer(
    name="evidence",
    help="Turn counter-trafficking data into research evidence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

#: Topic modules under ``evidence.cli``, in the order their commands are listed; each defines ``register(app)``.
TOPICS = ("data", "analyse", "estimate", "runs", "briefs", "register", "compare")


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        try:
            typer.echo(f"evidence {version('evidence')}")
        except BrokenPipeError:  # printed while the command line is parsed, before any command
            output_closed()
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_print_version, help="Print the toolkit's version and exit."
        ),
    ] = False,
) -> None:
    """Turn counter-trafficking data into research evidence."""


for _topic in TOPICS:
    importlib.import_module(f"evidence.cli.{_topic}").register(app)
apply_grammar(app)  # every command's help wrapped by the terminal, flags without a type


def _error(message: str) -> None:
    make_console(stderr=True).print(
        f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True, markup=True
    )


#: The temporary file an output is written to before it is renamed into place (``evidence.core.atomic``):
#: ``.NAME.HOST-PID.XXXXXXXX.part`` beside it (``.NAME.XXXXXXXX.part`` before the process was named in it).
_TEMPORARY = re.compile(r"\.(?P<name>.+?)(?:\.[A-Za-z0-9_-]+?-\d+)?\.[a-z0-9_]{8}\.part")


def _written_file(filename: object) -> str:
    """The file a user named for an error about ``filename``: the output itself where the system refused its
    temporary file (a read-only or full folder), not ``.lists.csv.q7sez4aw.part``."""
    path = str(filename)
    head, _, tail = path.rpartition(os.sep)
    match = _TEMPORARY.fullmatch(tail)
    if match is None:
        return path
    return f"{head}{os.sep}{match['name']}" if head or path.startswith(os.sep) else match["name"]


def _interrupted(exc: SystemExit) -> bool:
    """Whether ``exc`` is typer's exit for a command stopped by Ctrl-C (or SIGTERM where a command turns it
    into Ctrl-C): its ``Exit(130)`` raised from the ``KeyboardInterrupt``. A command that reports its own
    interruption exits 130 without that cause."""
    context = exc.__context__
    return exc.code == 130 and isinstance(getattr(context, "__cause__", None), KeyboardInterrupt)


def _start_kernel_ahead(args: list[str]) -> None:
    """Start the kernel of ``evidence brief`` or ``evidence run NOTEBOOK`` before the command line is parsed:
    typer's parse (with the imports it makes) takes about a quarter of a second, which the kernel's start, the
    longest wait of a cold run, uses on the other core. The installed command has started it before this
    module was imported (:mod:`evidence.cli.start`); this start is for :func:`main` called otherwise, and is a
    no-op after that one (:func:`evidence.runs.warm.prestart` is idempotent, and never raises: a notebook it
    cannot read is left to the command's own check). A command line refused by the parse stops it when this
    process ends (the kernel pool's exit handler). Which notebook: :func:`evidence.cli.start.notebook_ahead`.
    """
    from evidence.cli.start import notebook_ahead

    notebook = notebook_ahead(args)
    if notebook is None:
        return
    from evidence.runs.warm import prestart

    prestart(notebook)


#: :func:`_app_for`'s apps of one command, by the whole app's identity and the command's name.
_ONE_COMMAND: dict[tuple[int, str], tuple[object, typer.Typer]] = {}


def _app_for(args: list[str]) -> typer.Typer:
    """:data:`app`, or, where ``args`` start with the name of one of its commands or groups, a copy of it holding
    that one alone: typer builds the click command of every command and option it holds before it reads the
    command line (about 50 ms at a process's start, a fifth of `evidence --version`), and a command line naming
    a command runs that command alone, as the whole app runs it (its usage, errors and help name it as
    ``evidence NAME`` either way). Anything else (no command, an option, a name that is no command) is left to
    the whole app, whose help lists every command and whose errors suggest one. Each copy is made once per
    process (and so built once by a test process that keeps each app's click command)."""
    whole = app
    if not args or args[0].startswith("-") or not isinstance(whole, typer.Typer):
        return whole
    name = args[0]
    hit = _ONE_COMMAND.get((id(whole), name))
    if hit is not None and hit[0] is whole:
        return hit[1]
    commands = [c for c in whole.registered_commands if c.name == name]
    groups = [g for g in whole.registered_groups if g.name == name]
    names = [c.name for c in whole.registered_commands] + [g.name for g in whole.registered_groups]
    if len(commands) + len(groups) != 1 or None in names or names.count(name) != 1:
        return whole  # a command named by its function alone, or twice: the whole app decides
    one = copy.copy(whole)
    one.registered_commands = commands
    one.registered_groups = groups
    _ONE_COMMAND[(id(whole), name)] = (whole, one)
    return one


def main() -> None:
    """Run the CLI; errors meant for users are printed plainly (no traceback) with exit code 2.

    Usage errors (an unknown option, a missing argument) are handled by click's standalone mode, which prints
    them with the usage line and exits 2. A file or folder the system refuses (read-only, full disk, no
    permission) is one line naming it, exit code 2. A reader of the output gone before the command is done
    (``evidence flows | head``) ends it quietly with :data:`~evidence.cli.options.BROKEN_PIPE_EXIT`, wherever
    the pipe breaks: in a command (:class:`~evidence.cli.options.EvidenceCommand`), in the console
    (:func:`~evidence.cli.options.make_console`), or here, when the last buffered output is written.

    With ``--json`` a command that fails prints, besides that line on standard error, an ``evidence.error``
    document on standard output (:func:`~evidence.cli.options.echo_json_error`), with the same exit code.
    """
    from evidence.cli.options import escape, forget_printed_json, json_requested

    forget_printed_json()
    args = sys.argv[1:]
    as_json = json_requested(args)
    _start_kernel_ahead(args)
    try:
        try:
            _app_for(args)()
        except SystemExit as exc:
            if not exc.code:  # done: what is still buffered is written now, where a broken pipe is handled
                sys.stdout.flush()
            elif _interrupted(exc):  # typer turns Ctrl-C in a command into exit 130, silently
                _error("interrupted")
                if as_json:
                    _json_error("interrupted", "interrupted", 130)
            elif as_json:
                _json_exit(exc)
            raise
    except BrokenPipeError:
        output_closed()
    except EvidenceError as exc:
        # 2: refused before anything was done; an error found once the command ran says its own (a brief
        # whose renderer failed after its notebook ran: 1)
        code = getattr(exc, "exit_code", 2)
        _error(escape(str(exc)))
        if as_json:
            _json_error(str(exc), _error_code(exc), code, **_where(exc))
        sys.exit(code)
    except OSError as exc:
        where = f"{_written_file(exc.filename)}: " if exc.filename else ""
        _error(escape(f"{where}{exc.strerror or exc}"))
        if as_json:
            path = {"path": _written_file(exc.filename)} if exc.filename else {}
            _json_error(str(exc.strerror or exc), "system", 2, **path)
        sys.exit(2)
    except KeyboardInterrupt:
        _error("interrupted")
        if as_json:
            _json_error("interrupted", "interrupted", 130)
        sys.exit(130)
    except Exception as exc:  # a bug: its traceback follows on standard error (exit 1), as without --json
        if as_json:
            _json_error(f"{type(exc).__name__}: {exc}", "internal", 1)
        raise


def _json_error(message: str, code: str, exit_code: int, **more: object) -> None:
    from evidence.cli.options import echo_json_error

    echo_json_error(message, code, exit_code, **more)


def _error_code(exc: BaseException) -> str:
    from evidence.cli.options import error_code

    return error_code(exc)


def _where(exc: BaseException) -> dict[str, object]:
    """What an error of the toolkit says it is about (an input error's file, row and column), as JSON keys."""
    return {key: value for key in ("path", "row", "column") if (value := getattr(exc, key, None)) is not None}


def _json_exit(exc: SystemExit) -> None:
    """The JSON document of a command that ended with a non-zero exit code other than an interruption: a usage
    error that click printed (the cause of the exit), else a command's own exit that printed no document. A
    command that printed its own (``data validate`` finding rejected rows, a failed run or batch) gets none
    after it, and a reader gone (141) nothing."""
    from evidence.cli.options import BROKEN_PIPE_EXIT, json_printed

    code = exc.code if isinstance(exc.code, int) else 1
    if code == BROKEN_PIPE_EXIT or json_printed():
        return
    cause = exc.__context__
    # click's exception, by name: typer ships its own copy of click (``typer._click``)
    if cause is not None and any(cls.__name__ == "ClickException" for cls in type(cause).__mro__):
        _json_error(cause.format_message(), "usage" if code == 2 else "error", code)  # type: ignore[attr-defined]
    else:
        _json_error("the command failed (its report is on standard error or output)", "failed", code)


def console_script() -> NoReturn:
    """The ``evidence`` command: :func:`main`, then the process ends without the interpreter's teardown.

    A brief's process holds over a thousand modules (polars, Typst, jupyter_client...), and clearing them one
    by one at exit takes a quarter of a second after the work is done. Everything that must happen at exit
    still does, in the ordinary exit's order: the threads still at work are waited for, the exit handlers run
    (the kernels and chart workers stop, logging flushes), the output is flushed.
    """
    try:
        main()
        code: int = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:  # sys.exit("message"): printed as Python prints it
            print(exc.code, file=sys.stderr)
            code = 1
    import atexit

    # the ordinary exit's own order: wait for the threads still running (an executor's idle threads are told
    # to stop), then run the exit handlers (and clear them)
    shutdown_threads = getattr(threading, "_shutdown", None)
    if shutdown_threads is None:  # another Python: the ordinary exit
        sys.exit(code)
    shutdown_threads()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:  # what an exit handler printed found its reader gone: quiet, as in main()
            code = code or BROKEN_PIPE_EXIT
        except Exception:  # noqa: BLE001, S110 - a stream closed or replaced: nothing left to write
            pass
    os._exit(code)
