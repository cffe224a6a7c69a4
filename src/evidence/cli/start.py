"""The ``evidence`` command as installed: the kernel of a brief or a run is started first, then the CLI runs.

A cold ``evidence brief`` or ``evidence run NOTEBOOK`` waits for its kernel's start (a second of imports in
the kernel's process) more than for anything else. Here the kernel is started before the command's own
modules are imported (typer and every command's module: a twentieth of a second), and the CLI finds it
started (:func:`evidence.runs.warm.prestart` is idempotent). Only the standard library is imported before.
"""

from __future__ import annotations

import sys
from typing import NoReturn

#: The notebook ``evidence brief`` runs.
BRIEF_NOTEBOOK = "country_brief"


def notebook_ahead(args: list[str]) -> str | None:
    """The notebook whose kernel can be started before ``args`` (the command line, less the program) is
    parsed: ``brief``'s, or ``run``'s where it is certain — the word right after ``run`` that is not an option
    (an option's value comes after its option). None for help, for ``--describe`` (which runs nothing), for a
    kernel the user names (``--kernel``: the run starts that one itself) and for every other command."""
    if args[:1] == ["brief"]:
        notebook = BRIEF_NOTEBOOK
    elif args[:1] == ["run"] and len(args) > 1 and args[1] and not args[1].startswith("-"):
        notebook = args[1]
    else:
        return None
    if any(a in ("--help", "-h", "--describe") or a.startswith("--kernel") for a in args):
        return None
    return notebook


def console_script() -> NoReturn:
    """The ``evidence`` command: :func:`evidence.cli.main.console_script`, its run's kernel started first."""
    notebook = notebook_ahead(sys.argv[1:])
    if notebook is not None:
        from evidence.runs.warm import prestart

        prestart(notebook)  # never raises: a notebook it cannot read is left to the command's own check
    from evidence.cli.main import console_script as run_cli

    run_cli()
