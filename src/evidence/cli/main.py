"""Entry point of the ``evidence`` command. Each topic registers its commands from its own module.

Heavy libraries are imported inside commands, so that ``evidence --help`` stays fast.
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

from evidence.core.errors import EvidenceError

app = typer.Typer(
    name="evidence",
    help="Turn counter-trafficking data into research evidence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# topic module -> it defines ``register(app)``; a missing module (work in progress) is skipped
_TOPICS = ("data", "analyse", "estimate", "runs", "briefs")

for _topic in _TOPICS:
    try:
        _module = importlib.import_module(f"evidence.cli.{_topic}")
    except ModuleNotFoundError as exc:
        if exc.name != f"evidence.cli.{_topic}":
            raise
        continue
    _module.register(app)

err_console = Console(stderr=True)


def main() -> None:
    """Run the CLI; errors meant for users are printed plainly (no traceback) with exit code 2."""
    try:
        # without standalone mode, click returns the code of a typer.Exit instead of raising it
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except EvidenceError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except (typer.Exit, SystemExit) as exc:  # typer.Exit carries the exit code
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        sys.exit(code)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # click's usage errors and abort
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(1)
        raise
