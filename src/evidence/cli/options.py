"""The CLI's one grammar: the options every command shares, defined once, and how help and output are shown.

* **Data files** are given with ``--data FILE`` (repeat for several) by every command that reads data (``flows``,
  ``trend``, ``compare``, ``brief``, ``run``, ``batch``; ``estimate`` reads one list file); without it, the
  files in ``EVIDENCE_DATA``, else the synthetic demo data. ``run -p data FILE`` stays valid (it is the
  notebooks' own parameter).
* **A selection** is ``--country ISO3`` (or ``COUNTRY`` where a command is about one country), ``--role`` (origin,
  destination or both; ``both`` by default everywhere) and ``--years A-B``.
* **``--disclosure-threshold N``** is the disclosure threshold wherever it appears: counts of people below it are
  withheld (the notebooks' parameter, the run records and the Python API call it ``disclosure_threshold`` too).
  Its old name ``--threshold`` still works, hidden from help, with a warning (:data:`RENAMED_OPTIONS`).
* **Help** is written as paragraphs and wrapped by the terminal (:class:`EvidenceCommand`); flags show no type.
* **Output** (:func:`make_console`) wraps to the terminal on a terminal; anything else (a log file, a pipe) gets
  whole lines, so paths and names are never cut. Text from data, files and runs is printed through
  :func:`escape`: rich markup escaped, and control characters (ESC, an OSC-8 hyperlink, a carriage return, the
  C1 controls) shown as visible escapes (``\\x1b``), never sent to the terminal; the console itself shows any
  control character that reaches its text the same way (:class:`_Console`), whatever printed it.
* **A reader that stops early** (``evidence flows | head``) ends the command quietly, as it ends ``cat``: no
  traceback, no error line, exit status :data:`BROKEN_PIPE_EXIT` (:func:`output_closed`).

Only typer, rich and the standard library are imported here: every command imports this module.
"""

from __future__ import annotations

import errno
import inspect
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console, ConsoleDimensions
from rich.markup import escape as escape_markup
from rich.segment import Segment
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from evidence.core.text import UNSAFE_FORMAT, closest_choice

#: The role every command selects unless told otherwise (as the notebooks and ``Selection`` do).
DEFAULT_ROLE = "both"
#: The disclosure threshold unless told otherwise (UNODC's; ``evidence.presentation.disclosure.DEFAULT_RULE``).
DEFAULT_DISCLOSURE_THRESHOLD = 5
#: Where runs go unless told otherwise.
DEFAULT_OUT_ROOT = Path("reports") / "runs"
#: Width of output that does not go to a terminal: wide enough that no line is ever wrapped or cut.
UNWRAPPED_WIDTH = 10_000

DataOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--data",
        metavar="FILE",
        help="A data file any loader reads: CTDC records, a UNODC GLOTIP workbook, the GSI workbook, TIP tiers, "
        "case records or a register (repeat for several). Default: the files in EVIDENCE_DATA, else the "
        "synthetic demo data.",
    ),
]
CountryOpt = Annotated[
    str | None,
    typer.Option(
        "--country", "-c", metavar="ISO3", help="The country: an ISO3 code (THA) or a name (Thailand)."
    ),
]
CountryArg = Annotated[
    str, typer.Argument(metavar="COUNTRY", help="The country: an ISO3 code (THA) or a name (Thailand).")
]
RoleOpt = Annotated[
    str,
    typer.Option(
        "--role",
        metavar="ROLE",
        help="origin (victims who are its citizens), destination (exploited or detected in it) or both.",
    ),
]
YearsOpt = Annotated[
    str | None,
    typer.Option("--years", metavar="A-B", help="An inclusive range of years, e.g. 2015-2023, or one year."),
]
DisclosureThresholdOpt = Annotated[
    int,
    typer.Option(
        "--disclosure-threshold",
        min=2,
        metavar="N",
        help="Disclosure threshold: counts of people below it are withheld (UNODC 5; CTDC 10 or 11); at least 2, "
        "since a threshold of 1 would withhold nothing.",
    ),
]
PeersOpt = Annotated[
    str | None,
    typer.Option(
        "--peers",
        metavar="ISO3,...",
        help="Countries to compare with, e.g. KHM,LAO,MMR,VNM (the country itself is left out, and said). "
        "Default: the other countries of its UN M49 "
        "intermediate region where it has one (Western Africa, ...), else of its subregion (South-eastern Asia, "
        "...); those no data file holds a figure for are left out.",
    ),
]
AllowEmptyOpt = Annotated[
    bool,
    typer.Option(
        "--allow-empty",
        help="Run a selection that holds no victims in the data (refused by default, before a kernel starts, "
        "naming the years the data hold; for notebooks that declare their selection).",
    ),
]
JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print the answer as one JSON document on standard output (a failure as an evidence.error "
        "document, with the same exit code); messages go to standard error. Keys: docs/scheduling.md.",
    ),
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Run even if the inputs are unchanged since the last run.")
]
OutRootOpt = Annotated[
    Path, typer.Option("--out-root", metavar="DIR", help="The folder that receives one folder per run.")
]
TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        help="Fail a cell that runs longer than this many seconds (whole seconds, rounded up).",
    ),
]
KernelOpt = Annotated[
    str | None,
    typer.Option(
        "--kernel",
        metavar="NAME",
        help="A Jupyter kernel name. Default: this environment's kernel (evidence-<checkout>-<hash>, the one "
        "evidence kernel install registers).",
    ),
]


# ---------------------------------------------------------------------------------------------------- help


def paragraphs(text: str | None) -> str | None:
    """Help text as paragraphs with no line breaks inside them, for the terminal to wrap: a docstring's lines
    are broken for the source file, not for the reader's screen."""
    if not text:
        return text
    return "\n\n".join(" ".join(part.split()) for part in inspect.cleandoc(text).split("\n\n"))


def _tidy(param: Any) -> None:
    param.help = paragraphs(getattr(param, "help", None))
    if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
        param.metavar = ""  # a flag takes no value: no "<bool>"
    elif isinstance(param, TyperArgument) and param.metavar is None and param.name:
        param.metavar = param.name.upper()  # "evidence run NOTEBOOK", as the README writes it


class _Grammar:
    """Help wrapped by the terminal, never mid-sentence, and flags without a type: for commands and groups."""

    help: str | None
    params: list[Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = paragraphs(self.help)
        for param in self.params:
            _tidy(param)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            _tidy(option)
        return option

    def format_help(self, ctx: Any, formatter: Any) -> None:
        try:
            super().format_help(ctx, formatter)  # type: ignore[misc]
        except BrokenPipeError:
            output_closed()
        except SystemExit as exc:
            # typer's help console is rich's own, which ends the process with 1 when its reader has gone
            # (the only exit of printing help)
            if exc.code == 1:
                output_closed()
            raise


class EvidenceCommand(_Grammar, TyperCommand):
    """A command of the ``evidence`` CLI (see :class:`_Grammar`); a reader of its output gone before the
    command is done ends it quietly (:func:`output_closed`); an invalid parameter names the option the user
    typed (:func:`name_options`); an option's old name still works (:func:`renamed_options`)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, renamed_options(ctx, args, self.params))

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # typer's own handling would exit 1, as for a failure
            output_closed()
        except Exception as exc:
            from evidence.core.errors import ParameterError

            if isinstance(exc, ParameterError):
                name_options(exc, self.params)
            raise


def name_options(exc: Exception, params: Iterable[Any]) -> None:
    """Make the message of ``exc``, an invalid parameter raised by the library a command called, name the
    command's options as the user typed them (``--max-suppressed``, ``--p-enter``, ``--from``) where it names
    their Python parameters (``max_suppressed``, ``p_enter``, ``year_from``). Only names with an underscore are
    replaced (a plain word such as ``role`` or ``k`` is the option's own word, and reads as text), and only in a
    message that is the error's text itself."""
    if not exc.args or not isinstance(exc.args[0], str) or str(exc) != exc.args[0]:
        return
    message = exc.args[0]
    for param in params:
        name = getattr(param, "name", None)
        flags = [o for o in getattr(param, "opts", ()) if o.startswith("--")]
        if not isinstance(param, TyperOption) or not name or "_" not in name or not flags:
            continue
        typed = max(flags, key=len).replace("\\", "\\\\")  # a replacement template: no group references
        message = re.sub(rf"(?<![\w-]){re.escape(name)}(?!\w)", typed, message)
    exc.args = (message, *exc.args[1:])


#: Options renamed, by their old name: the old name still works (scheduled jobs of analysts give it, and are never
#: broken), hidden from help, with a warning on standard error. ``--threshold`` was the disclosure threshold's;
#: ``--bootstrap`` and ``--runs`` were ``evidence estimate``'s bootstrap settings, named now as the
#: hidden_population notebook's parameters and the Python API's keywords (``bootstrap_replicates``,
#: ``bootstrap_runs``). An old name is read only by a command that has its new name.
RENAMED_OPTIONS = {
    "--threshold": "--disclosure-threshold",
    "--bootstrap": "--bootstrap-replicates",
    "--runs": "--bootstrap-runs",
    "--top": "--top-n",
}


def renamed_options(ctx: Any, args: list[str], params: Iterable[Any]) -> list[str]:
    """``args`` with each old name of an option the command has (:data:`RENAMED_OPTIONS`) written as its new
    name, ``--threshold=11`` too, and a warning on standard error saying so, once whatever the times it is given.
    Only options are read: the value of an option (``--country --threshold``) and what follows ``--`` are left
    as they are. Both names in one command line is a usage error (which of the values was meant?)."""
    options = {opt for p in params if isinstance(p, TyperOption) for opt in [*p.opts, *p.secondary_opts]}
    takes = {
        opt: p.nargs
        for p in params
        if isinstance(p, TyperOption) and not p.is_flag and not p.count
        for opt in p.opts
    }
    out: list[str] = []
    used: dict[str, str] = {}
    given: set[str] = set()
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            out += args[i:]
            break
        name, equals, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        new = RENAMED_OPTIONS.get(name)
        if new is not None and new in options:
            used[name] = new
            out.append(f"{new}{equals}{value}")
        else:
            given.add(name)
            out.append(arg)
        skip = takes.get(name, 0) if not equals else 0
        out += args[i + 1 : i + 1 + skip]
        i += 1 + skip
    for old, new in used.items():
        if new in given:
            raise typer.BadParameter(
                f"{old} is the old name of {new}: give it once, as {new}", ctx=ctx, param_hint=f"'{old}'"
            )
        make_console(stderr=True).print(
            f"[bold yellow]warning:[/] {old} is the old name of {new}, which it still means; write {new} in "
            "new commands and scripts",
            highlight=False,
            soft_wrap=True,
        )
    return out


class EvidenceGroup(_Grammar, TyperGroup):
    """A group of commands of the ``evidence`` CLI (see :class:`_Grammar`)."""


def apply_grammar(app: typer.Typer) -> None:
    """Give every command and group of ``app`` (and of its sub-apps) the help conventions above, whichever
    topic module registered it."""
    app.info.cls = _ours(app.info.cls, TyperGroup, EvidenceGroup)
    for command in app.registered_commands:
        command.cls = _ours(command.cls, TyperCommand, EvidenceCommand)
    for group in app.registered_groups:
        group.cls = _ours(group.cls, TyperGroup, EvidenceGroup)
        if group.typer_instance is not None:
            apply_grammar(group.typer_instance)


def _ours(given: Any, plain: type, ours: type) -> Any:
    """``ours`` in place of typer's default class (unset or the plain one); a class of a command's own is kept."""
    value = getattr(given, "value", given)  # typer wraps defaults in a placeholder
    return ours if value is None or value is plain else given


# -------------------------------------------------------------------------------------------------- output


#: The C0 and C1 control characters and DEL: what a terminal may act on (ESC opens a colour, a cursor move, an
#: OSC-8 hyperlink or a title change; CR and BS overwrite a line; C1 CSI U+009B is ESC [ on some terminals).
# the invisible format characters too (bidi overrides: "x\u202eRTL.csv" shown as "xLSC.LTR"), as every other
# escape of the toolkit drops them (core.text.UNSAFE_FORMAT); here they are shown, since a path must stay readable
_CONTROL = re.compile(rf"[\x00-\x1f\x7f-\x9f]|{UNSAFE_FORMAT.pattern}")
#: The controls left as they are where the toolkit's own output is written (its line breaks and tabs).
_LAYOUT = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x9f]|{UNSAFE_FORMAT.pattern}")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible_controls(text: object, *, lines: bool = False) -> str:
    """``text`` with every control character written as a visible escape (ESC as ``\\x1b``, a line break as
    ``\\n``): a value from a data file, a sidecar or a notebook's error cannot colour, move, rewrite or link
    the terminal or a cron log, nor add a line to it. ``lines`` keeps line breaks and tabs (a message of
    several lines)."""
    return (_LAYOUT if lines else _CONTROL).sub(_visible, str(text))


def escape(text: object, *, lines: bool = True) -> str:
    """Untrusted ``text`` for a rich console: control characters as visible escapes (:func:`visible_controls`;
    line breaks kept unless ``lines`` is false) and rich markup escaped. The CLI's one escape for data text."""
    return escape_markup(visible_controls(text, lines=lines))


def json_text(value: Any, **kwargs: Any) -> str:
    """``value`` as the CLI's ``--json`` (indented, characters as they are) with DEL and the C1 controls
    written as ``\\u`` escapes too, as JSON writes the C0 ones: the same data to a JSON reader, nothing a
    terminal acts on."""
    import json

    text = json.dumps(value, indent=2, ensure_ascii=False, **kwargs)
    return re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text)


# ------------------------------------------------------------------------------------------- JSON documents

#: The version of every JSON document the CLI prints (``schema_version``): raised when a key is renamed or
#: removed or changes its type; keys may be added within a version. ``docs/scheduling.md`` ("JSON output")
#: lists every document's keys, and ``tests/cli/test_json_documents.py`` checks them against real output.
JSON_SCHEMA_VERSION = 1
#: The document that holds one answer per data file where a command answered for several (``flows``, ``trend``
#: and ``data load`` given several files): ``items``, each a document of its own.
LIST_SCHEMA = "evidence.list"
#: The document printed (on standard output) in place of the answer when a command given ``--json`` fails.
ERROR_SCHEMA = "evidence.error"


def json_document(schema: str, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` as a document that says what it is: ``schema`` (``evidence.flows``, ``evidence.data.load``...)
    and ``schema_version`` first, then its own keys."""
    return {"schema": f"evidence.{schema}", "schema_version": JSON_SCHEMA_VERSION, **body}


#: Whether this process has printed its JSON document (a command that then exits non-zero, such as a batch with
#: a failed run, has said all there is: no error document is added).
_printed: list[bool] = []


def forget_printed_json() -> None:
    """A new command starts (the CLI's tests run several in one process): none has printed its JSON yet."""
    _printed.clear()


def json_printed() -> bool:
    """Whether a JSON document was printed by this process (:func:`echo_json`, :func:`echo_json_answers`)."""
    return bool(_printed)


def echo_json(schema: str, body: dict[str, Any], **kwargs: Any) -> None:
    """Print one JSON document (:func:`json_document`) on standard output."""
    typer.echo(json_text(json_document(schema, body), **kwargs))
    _printed.append(True)


def echo_json_answers(schema: str, bodies: list[dict[str, Any]], **kwargs: Any) -> None:
    """Print the answer for each data file: the document itself for one, else an ``evidence.list`` document
    whose ``items`` are the documents (each with its own ``schema``)."""
    if len(bodies) == 1:
        echo_json(schema, bodies[0], **kwargs)
        return
    items = [json_document(schema, body) for body in bodies]
    document = {"schema": LIST_SCHEMA, "schema_version": JSON_SCHEMA_VERSION, "items": items}
    typer.echo(json_text(document, **kwargs))
    _printed.append(True)


def disclosure_json(threshold: int, protection: str, description: str, **more: Any) -> dict[str, Any]:
    """The ``disclosure`` object every JSON answer that holds counts of people carries, in one shape:
    ``threshold`` (counts below it are withheld), ``protection`` (``suppression``, or ``cell_key`` for records of
    real people: perturbed too), ``description`` (the sentence the text output prints), then ``more``."""
    return {"threshold": threshold, "protection": protection, "description": description, **more}


#: The ``error.code`` of a failed command's JSON document, by the kind of error (the first that matches).
ERROR_CODES = (
    ("EmptySelectionError", "empty_selection"),
    ("DisclosureError", "withheld"),
    ("RegisterError", "invalid_register"),
    ("InputError", "invalid_input"),
    ("ParameterError", "invalid_parameter"),
    ("DownloadError", "download_failed"),
    ("RenderError", "render_failed"),
)


#: The system's refusals of a file or folder (no permission, read-only, full): ``system`` in a failed command's
#: JSON, whether the command met the refusal itself or explained it in an error of its own (``--out FILE:
#: cannot write there``, ``cannot write to the runs folder``), so that a script tells the disk from the input.
_REFUSED = frozenset(
    getattr(errno, name) for name in ("EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT") if hasattr(errno, name)
)


def error_code(exc: BaseException) -> str:
    """The ``error.code`` of ``exc`` (``invalid_input``, ...; ``system`` for an error caused by the system
    refusing a file or folder; ``error`` for any other error of the toolkit)."""
    cause = exc.__cause__
    if isinstance(cause, OSError) and cause.errno in _REFUSED:
        return "system"
    names = {cls.__name__ for cls in type(exc).__mro__}
    return next((code for name, code in ERROR_CODES if name in names), "error")


def json_requested(args: list[str]) -> bool:
    """Whether a command line asks for JSON: ``--json`` among its options (before a ``--``)."""
    for arg in args:
        if arg == "--":
            return False
        if arg == "--json":
            return True
    return False


def echo_json_error(message: str, code: str, exit_code: int, **more: Any) -> None:
    """Print a failed command's JSON document on standard output: ``error`` with its ``code`` (``usage``,
    ``invalid_parameter``, ``invalid_input``, ``system``, ``interrupted``, ``internal``...), ``message`` (the line
    standard error shows, without ``error:``), ``exit_code`` (the process's) and, where known, the ``path``,
    ``row`` and ``column`` it is about. Written and flushed at once; a reader already gone is ignored."""
    error = {"code": code, "message": message, "exit_code": exit_code, **more}
    text = json_text({"schema": ERROR_SCHEMA, "schema_version": JSON_SCHEMA_VERSION, "error": error})
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, ValueError, OSError):
        pass


#: Exit status of a command whose reader closed the pipe before all of its output was written (``evidence flows
#: | head``): 128 + SIGPIPE (13), the status a shell reports for ``cat`` or ``yes`` in the same place, which
#: ``set -o pipefail`` and ``PIPESTATUS`` read as "stopped by its reader", not as a failure of its own (0 would
#: hide lost output from a script; Python's ``json.tool`` exits 32, the errno, and click 1, as for a failure).
#: Set as an exit status, not by letting the signal kill the process: the exit handlers still run, so the
#: kernels and chart workers a brief started are stopped.
BROKEN_PIPE_EXIT = 141


def output_closed() -> NoReturn:
    """End the command quietly because the reader of its standard output has gone: what is still buffered
    goes to the null device (the interpreter's last flush would otherwise print a broken pipe warning), and
    the exit status is :data:`BROKEN_PIPE_EXIT`."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no file behind standard output (captured by a test)
        pass
    raise SystemExit(BROKEN_PIPE_EXIT)


#: How the CLI's typography is spelled on an output that cannot write it (not UTF-8: a cron job's C or Latin-1
#: locale): the same words in ASCII.
PLAIN_TEXT = str.maketrans(
    {
        "\u2014": "-",  # em dash
        "\u2013": "-",  # en dash
        "\u2212": "-",  # minus
        "\u2192": "->",
        "\u2190": "<-",
        "\u2194": "<->",
        "\u00b7": "-",  # middle dot (a note's bullet)
        "\u2022": "-",
        "\u2026": "...",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2264": "<=",
        "\u2265": ">=",
        "\u00d7": "x",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
    }
)


class _Console(Console):
    """A rich console that wraps to the terminal on a terminal, and never wraps elsewhere; control characters
    in the text it prints are shown as visible escapes (the last defence behind :func:`escape`: its own
    styles and cursor controls are added after this, and pass)."""

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return self._encodable(
            super()._render_buffer(
                segment
                if segment.control
                else Segment(visible_controls(segment.text, lines=True), segment.style)
                for segment in buffer
            )
        )

    def _encodable(self, text: str) -> str:
        """``text`` as the output's encoding can write it: unchanged in UTF-8; else (a cron job whose locale is
        Latin-1 or ASCII) its typographic dashes, arrows and quotes spelled in ASCII (:data:`PLAIN_TEXT`) and any
        other character it cannot write as a backslash escape, never a UnicodeEncodeError halfway through."""
        encoding = getattr(self.file, "encoding", None) or "utf-8"
        if encoding.lower().replace("_", "-").startswith("utf"):
            return text
        try:
            text.encode(encoding)
        except UnicodeEncodeError:
            return text.translate(PLAIN_TEXT).encode(encoding, "backslashreplace").decode(encoding)
        except LookupError:  # an encoding Python does not know: left to the stream
            pass
        return text

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        return size if self.is_terminal else ConsoleDimensions(UNWRAPPED_WIDTH, size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]

    def on_broken_pipe(self) -> None:
        """The reader has gone (rich's own handling exits 1, as for a failure): :func:`output_closed`."""
        self.quiet = True
        output_closed()


def make_console(*, stderr: bool = False, **kwargs: Any) -> Console:
    """The CLI's console for standard output (or error): on a terminal, wrapped to its width; to a log file or a
    pipe (a cron job, ``| grep``), lines are whole, so paths, run names and ``--describe`` columns are never
    wrapped or cut. Decided at each print, so a console made at import follows where the output goes."""
    return _Console(stderr=stderr, **kwargs)


# ---------------------------------------------------------------------------------------------------- data


def data_paths(data: list[Path] | None) -> list[Path]:
    """The data files a command was given (``--data``), else those in ``EVIDENCE_DATA``; empty when neither
    names any (the command then uses the synthetic demo data, and says so)."""
    from evidence.core.config import configured_data_paths

    return [Path(p).expanduser() for p in data] if data else configured_data_paths()


def rejected_note(loaded: Any, path: Path | str | None = None, most: int = 2) -> str | None:
    """What a command that reads ``loaded`` says of the rows its loader rejected (none: None): how many of the
    file's rows, not counted in what it prints, the first ``most`` by row, column, value and reason, and where to
    see each (``evidence data validate``). Rich markup escaped: the values come from the file."""
    n = loaded.rows_rejected
    if not n:
        return None
    path = loaded.provenance.path if path is None else path
    by_reason: dict[str, list[str]] = {}  # the rows of one reason, said once
    first = loaded.rejects.sort("row").unique(subset="row", keep="first", maintain_order=True).head(most)
    for row in first.rows(named=True):
        value = "" if row["value"] is None else f" {visible_controls(row['value'])!r}"
        by_reason.setdefault(row["reason"], []).append(f"row {row['row']}, {row['column']}{value}")
    shown = [f"{'; '.join(rows)}: {reason}" for reason, rows in by_reason.items()]
    more = "; ..." if n > most else ""
    return escape(
        f"{path}: {n:,} of {loaded.rows_in:,} rows rejected, not counted ({'; '.join(shown)}{more}): "
        f"`evidence data validate {path}` lists each"
    )


def configured_files(paths: list[Path]) -> list[Path]:
    """``paths``, the files named in ``EVIDENCE_DATA``, refused at once where one does not exist, saying where
    it was named (the user may have set it long ago, and never typed the name in this command), in the words
    of ``run`` and ``brief``."""
    for path in paths:
        if not path.exists():
            from evidence.core.errors import InputError

            raise InputError("no such data file (named in EVIDENCE_DATA)", path=path)
    return paths


def file_to_write(out: Path, named: str, example: str) -> Path:
    """``out``, the file a command writes, refused at once when it is a folder (the error names it as
    ``named``, and suggests ``example`` in it): the atomic write would fail only at its end, naming its own
    temporary file beside the folder, after the work was done. So is a file under a file (``notes.txt/out.csv``:
    a file where a folder was meant), naming the file in the way, which the write would not ("File exists")."""
    from evidence.core.errors import ParameterError

    if out.is_dir():
        raise ParameterError(f"{named}: is a folder; give the file to write, e.g. {out / example}")
    for above in out.parents:
        if above.exists():
            if not above.is_dir():
                raise ParameterError(f"{named}: {above} is a file, not a folder; give a file in a folder")
            break
    return out


def meant(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the one choice closest to a misspelt ``word`` (letter case aside), or an
    empty string when none is close: the hint every refused name gets (countries, roles, notebooks, plan keys)."""
    choice = closest_choice(word, choices)
    return f" (did you mean {choice!r}?)" if choice is not None else ""
