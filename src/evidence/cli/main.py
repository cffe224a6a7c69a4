"""Entry point of the ``evidence`` command. Each topic registers its commands from its own module.

Adding commands: write ``evidence/cli/<topic>.py`` with a ``register(app)`` function and add ``<topic>`` to
:data:`TOPICS`. A topic module imports only typer and the standard library at module level; everything else
(polars, the analyses, papermill, altair, ...) is imported inside the command that uses it, so ``--help`` and
the light commands start fast. ``tests/cli/test_main.py`` checks what each command imports.
"""

from __future__ import annotations

import importlib
import sys
from typing import Annotated

import typer

from evidence.cli.options import apply_grammar, make_console
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

        typer.echo(f"evidence {version('evidence')}")
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


def main() -> None:
    """Run the CLI; errors meant for users are printed plainly (no traceback) with exit code 2.

    Usage errors (an unknown option, a missing argument) are handled by click's standalone mode, which prints
    them with the usage line and exits 2. A file or folder the system refuses (read-only, full disk, no
    permission) is one line naming it, exit code 2.
    """
    from evidence.cli.options import escape

    try:
        app()
    except EvidenceError as exc:
        _error(escape(str(exc)))
        sys.exit(2)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        _error(escape(f"{where}{exc.strerror or exc}"))
        sys.exit(2)
    except KeyboardInterrupt:
        _error("interrupted")
        sys.exit(130)
