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
_TOPICS = ("data", "analyse", "estimate", "runs", "briefs", "register", "compare")

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
    """Run the CLI; errors meant for users are printed plainly (no traceback) with exit code 2.

    Usage errors (an unknown option, a missing argument) are handled by click's standalone mode, which prints
    them with the usage line and exits 2.
    """
    try:
        app()
    except EvidenceError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
