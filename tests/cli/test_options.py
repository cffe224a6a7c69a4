"""One CLI grammar: every command's help, the shared options, output that a log file keeps whole."""

from __future__ import annotations

import importlib.metadata
import json
import shutil
from pathlib import Path
from typing import Annotated

import pytest
import typer.main
import typer.rich_utils
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from evidence.cli.main import app
from evidence.cli.options import DEFAULT_DISCLOSURE_THRESHOLD, DEFAULT_ROLE, paragraphs

#: Options that name data files, a country, a role, the years or the disclosure threshold: one meaning each.
SHARED = {
    "--data",
    "--country",
    "--role",
    "--years",
    "--disclosure-threshold",
    "--force",
    "--out-root",
    "--kernel",
}
#: Where one of them means something else on purpose, and why.
OWN_MEANING = {
    ("estimate", "--data"),  # one list-capture file, not the tables the loaders read
    ("data fetch", "--force"),  # download again, not run again
    ("register figures", "--country"),  # the organisation's own country, by default the register's
}


def _commands(command=None, path=()):
    """Every command of the CLI as (path of names, click command), groups included."""
    command = command or typer.main.get_command(app)
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands())


def _help(path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, width: int) -> str:
    monkeypatch.setattr(typer.rich_utils, "MAX_WIDTH", width)
    result = CliRunner().invoke(app, [*path, "--help"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _lines(output: str) -> list[str]:
    """The help's lines without the panels' borders, whitespace collapsed."""
    return [" ".join(line.strip("│╭╮╰╯─ ").split()) for line in output.splitlines()]


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) or "evidence" for p, _ in COMMANDS])
def test_every_help_is_wrapped_by_the_terminal_never_mid_sentence(path, command, monkeypatch):
    """On a wide terminal each paragraph of a command's help, and each option's help, is one line: the text
    has no line breaks of its own, so the terminal wraps it, at its width."""
    lines = _lines(_help(path, monkeypatch, 1000))
    for paragraph in paragraphs(command.help or "").split("\n\n"):
        if paragraph:
            assert any(paragraph in line for line in lines), (path, paragraph)
    for param in command.params:
        if param.help:
            assert "\n" not in param.help and any(param.help in line for line in lines), (path, param.name)


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) or "evidence" for p, _ in COMMANDS])
def test_flags_show_no_type_and_options_say_what_they_take(path, command, monkeypatch):
    output = _help(path, monkeypatch, 200)
    assert "<bool>" not in output
    for param in command.params:
        if param.param_type_name == "option" and not param.is_flag and not param.hidden:
            # an option that takes a value says which (a metavar such as FILE or N, or its type)
            line = next(line for line in _lines(output) if param.opts[-1] in line.split())
            assert param.metavar or "<" in line, (path, param.opts)


def test_an_option_names_what_it_takes_and_by_one_name_in_every_command():
    """One concept, one name: `--peers ISO3,...` (and not `ISO3,…` in `compare`), `--wait SECONDS` as
    `--timeout SECONDS` (not `S`), and every option that takes a value says what in words (`--k N`,
    `--by COLUMN`, `--out FILE`), not as a type (`<int>`, `<str>`, `<path>`); a command's one file is FILE,
    as the README writes `data load FILE`."""
    metavars: dict[str, set[str]] = {}
    for path, command in COMMANDS:
        for param in command.params:
            if param.param_type_name == "option" and not param.is_flag and not param.hidden:
                assert param.metavar, (path, param.opts)
                if (" ".join(path), param.opts[0]) not in {
                    ("register lists", "--by")
                }:  # agencies, not a dimension
                    metavars.setdefault(param.opts[0], set()).add(param.metavar)
        assert {p.metavar for p in command.params if p.name == "path"} <= {"FILE"}, path
    assert {opt: seen for opt, seen in metavars.items() if len(seen) > 1} == {}
    assert metavars["--wait"] == metavars["--timeout"] == {"SECONDS"}


def test_shared_options_mean_the_same_everywhere():
    meanings: dict[str, set[tuple[str | None, object]]] = {}
    for path, command in COMMANDS:
        for param in command.params:
            for opt in set(param.opts) & SHARED:
                if (" ".join(path), opt) in OWN_MEANING:
                    continue
                meanings.setdefault(opt, set()).add((param.help, param.metavar))
                if opt == "--role":
                    assert param.default == DEFAULT_ROLE
                if opt == "--disclosure-threshold":
                    assert param.default == DEFAULT_DISCLOSURE_THRESHOLD
    assert {opt for opt, seen in meanings.items() if len(seen) > 1} == set()
    assert {"--data", "--role", "--disclosure-threshold"} <= set(meanings)


def test_every_command_that_reads_data_takes_it_with_data():
    commands = dict(COMMANDS)
    for path in [("flows",), ("trend",), ("estimate",), ("compare",), ("brief",), ("run",), ("batch",)]:
        options = {opt for param in commands[path].params for opt in param.opts}
        assert "--data" in options, path
    positional = {p.name for p in commands[("flows",)].params if p.param_type_name == "argument"}
    assert positional == set()  # no second, positional form


def test_run_help_lists_its_parameters_option(monkeypatch):
    output = _help(("run",), monkeypatch, 200)
    assert "-p" in output and "NAME VALUE" in output


def test_the_default_threshold_is_the_disclosure_rules():
    from evidence.presentation.disclosure import DEFAULT_RULE

    assert DEFAULT_DISCLOSURE_THRESHOLD == DEFAULT_RULE.threshold


def test_version(run_main):
    code, out, _ = run_main(["--version"])
    assert code == 0 and out.strip() == f"evidence {importlib.metadata.version('evidence')}"


def test_output_to_a_log_file_keeps_long_paths_and_columns_whole(run_main, fixtures, tmp_path):
    """Written to a file (a cron job's log), nothing is wrapped or cut: not a long path, not the meaning of a
    notebook parameter in --describe."""
    deep = tmp_path / ("a_folder_whose_name_is_long_as_in_shared_research_drives_" * 2) / ("subfolder_" * 8)
    deep.mkdir(parents=True)
    data = deep / "cases.csv"
    shutil.copy(fixtures / "ctdc" / "synthetic_v2024.csv", data)
    assert len(str(data)) > 200
    code, out, _ = run_main(["data", "load", str(data)])
    assert code == 0 and str(data) in out.splitlines()[_line_with(out, "path")]
    notebook = deep / "tiny.ipynb"
    text = (fixtures / "notebooks" / "tiny.ipynb").read_text(encoding="utf-8")
    long_help = "how many squares are drawn, counted from the first to the last, in the order they are given"
    notebook.write_text(text.replace("how many squares", long_help), encoding="utf-8")
    code, out, _ = run_main(["run", str(notebook), "--describe"])
    assert code == 0 and any(long_help in line for line in out.splitlines()), out


def _line_with(text: str, word: str) -> int:
    return next(i for i, line in enumerate(text.splitlines()) if line.split()[:1] == [word])


def test_brief_and_compare_data_default_to_environment(monkeypatch, tmp_path):
    from evidence.cli.options import data_paths

    files = [tmp_path / "a.csv", tmp_path / "b.xlsx"]
    monkeypatch.setenv("EVIDENCE_DATA", ":".join(map(str, files)))
    assert data_paths(None) == files
    assert data_paths([Path("x.csv")]) == [Path("x.csv")]
    monkeypatch.delenv("EVIDENCE_DATA")
    assert data_paths(None) == []


# ------------------------------------------------------------------------- control characters (REVIEW8 m9)

_TERMINAL_CONTROLS = (
    "\x1b[31mRED\x1b[0m \x1b]8;;http://evil.example\x07click\x1b]8;;\x07 \x9b2J\rover\x08\x7f"
)


def test_escape_shows_control_characters_and_markup_as_text() -> None:
    from rich.text import Text

    from evidence.cli.options import escape

    shown = Text.from_markup(escape(f"[bold]x[/bold] {_TERMINAL_CONTROLS}\nnext", lines=False)).plain
    assert shown == (
        "[bold]x[/bold] \\x1b[31mRED\\x1b[0m \\x1b]8;;http://evil.example\\x07click\\x1b]8;;\\x07 \\x9b2J"
        "\\rover\\x08\\x7f\\nnext"
    )
    assert Text.from_markup(escape("two\nlines\tand a tab")).plain == "two\nlines\tand a tab"


def test_escape_shows_bidi_controls_as_escapes() -> None:
    """A file named "x\u202eRTL.csv" would print as "xLSC.LTR" (a right-to-left override): shown escaped."""
    from evidence.cli.options import escape, visible_controls

    assert visible_controls("x\u202eRTL.csv") == "x\\u202eRTL.csv"
    assert escape("a\u2066b\u200fc\U000e0041") == "a\\u2066b\\u200fc\\U000e0041"
    assert escape("\u0645\u200c\u0645") == "\u0645\u200c\u0645"  # a joiner Persian needs stays


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text())
def test_no_format_character_reaches_the_terminal(text: str) -> None:
    from evidence.cli.options import escape
    from evidence.core.text import UNSAFE_FORMAT

    assert not UNSAFE_FORMAT.search(escape(text))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text())
def test_no_control_character_reaches_the_terminal(text: str) -> None:
    """Whatever a value holds, printed through escape on a colour terminal, the only ESC in the output is the
    console's own styling (ESC [ … m), and no other C0/C1 control character is written."""
    import io
    import re

    from evidence.cli.options import escape, make_console

    for printed, markup in ((f"[bold]{escape(text, lines=False)}[/]", True), (text, False)):
        out = io.StringIO()
        make_console(file=out, force_terminal=True, width=80).print(printed, markup=markup, highlight=False)
        styling_removed = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", styling_removed), repr(styling_removed)


def test_json_output_writes_c1_controls_as_escapes() -> None:
    # JSON escapes C0 itself; with ensure_ascii off, DEL and C1 (U+009B is CSI on some terminals) went out raw
    import json

    from evidence.cli.options import json_text

    value = {"v": "a\x9b2Jb\x7f\x1b[31m", "name": "Côte d’Ivoire"}
    text = json_text(value)
    assert not any(0x7F <= ord(c) <= 0x9F or ord(c) < 0x20 and c != "\n" for c in text)
    assert json.loads(text) == value and "Côte d’Ivoire" in text


def test_a_parameter_error_names_the_option_not_the_python_parameter() -> None:
    """A library's ``ParameterError`` naming the Python parameter of an option names the option as typed."""
    from evidence.cli.options import apply_grammar
    from evidence.core.errors import ParameterError

    demo = typer.Typer()

    @demo.command("export")
    def export(
        max_suppressed: Annotated[float, typer.Option("--max-suppressed")] = 0.05,
        year_from: Annotated[int, typer.Option("--from")] = 2000,
        role: Annotated[str, typer.Option("--role")] = "both",
    ) -> None:
        raise ParameterError(
            f"max_suppressed is a share, got {max_suppressed}; year_from too; role; max_suppressed_x"
        )

    @demo.command("other")
    def other() -> None:
        pass

    apply_grammar(demo)
    result = CliRunner().invoke(demo, ["export", "--max-suppressed", "2", "--from", "1"])
    assert isinstance(result.exception, ParameterError)
    assert str(result.exception) == "--max-suppressed is a share, got 2.0; --from too; role; max_suppressed_x"


def test_every_country_option_has_the_one_short_form() -> None:
    """`flows -c THA` and `trend -c THA` worked, `register figures -c THA` was "No such option: -c"."""
    import typer.main

    from evidence.cli.main import app

    found: dict[str, list[str]] = {}

    def walk(command, words: list[str]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*words, name])
        for param in getattr(command, "params", ()):
            if "--country" in getattr(param, "opts", ()):
                found[" ".join(words)] = list(param.opts)

    walk(typer.main.get_command(app), [])
    assert {"flows", "trend", "register figures"} <= set(found)
    assert {words: opts for words, opts in found.items() if "-c" not in opts} == {}


#: The commands that take the disclosure threshold.
WITH_THRESHOLD = [("flows",), ("trend",), ("estimate",), ("compare",), ("brief",), ("data", "load")]
WITH_THRESHOLD += [("data", "validate"), ("register", "figures")]


def test_the_disclosure_threshold_has_one_name_in_help(monkeypatch):
    """The notebooks' parameter, the run records, the Python API and the docs call it disclosure_threshold; the
    CLI called it --threshold. Its one name is --disclosure-threshold; the old name is hidden from help."""
    commands = dict(COMMANDS)
    taking = {
        path for path, command in COMMANDS if any("--disclosure-threshold" in p.opts for p in command.params)
    }
    assert taking == set(WITH_THRESHOLD)
    for path in WITH_THRESHOLD:
        assert not any("--threshold" in p.opts for p in commands[path].params), path
        words = _help(path, monkeypatch, 200).split()
        assert "--disclosure-threshold" in words and "--threshold" not in words, path


def test_the_old_name_of_the_disclosure_threshold_still_works_and_says_so_once(run_main, fixtures):
    """Scheduled jobs of analysts give --threshold: it keeps working, the same as --disclosure-threshold, with one
    line on standard error saying it is the old name (whatever form it takes: `--threshold=11`); given with the
    new name, it is refused (which one was meant?); a value that reads "--threshold" is left alone."""
    data = str(fixtures / "ctdc" / "synthetic_v2024.csv")
    args = ["flows", "--data", data, "--json"]
    code, new, err = run_main([*args, "--disclosure-threshold", "11"])
    assert code in (0, None) and "--threshold" not in err, err
    payload = json.loads(new)
    assert payload["disclosure"]["threshold"] == 11 and payload["parameters"]["disclosure_threshold"] == 11
    said = "warning: --threshold is the old name of --disclosure-threshold"
    for old in (["--threshold", "11"], ["--threshold=11"], ["--threshold", "7", "--threshold", "11"]):
        code, out, err = run_main([*args, *old])
        assert code in (0, None) and out == new, err
        assert " ".join(err.split()).count(said) == 1, err
    code, out, err = run_main([*args, "--threshold", "11", "--disclosure-threshold", "11"])
    error = json.loads(out)["error"]
    assert code == 2 and error["code"] == "usage"
    assert "--threshold is the old name of --disclosure-threshold: give it once" in error["message"]
    # a threshold out of range is refused, as under the new name
    code, out, _ = run_main([*args, "--threshold", "1"])
    assert code == 2 and "greater than or equal to 2" in json.loads(out)["error"]["message"]
    # the word as the value of another option is not the option (a folder named so)
    code, _, err = run_main(["flows", "--data", data, "--country", "--threshold"])
    assert code == 2 and "unknown country" in err and said not in " ".join(err.split()), err


@pytest.mark.parametrize("path", WITH_THRESHOLD, ids=[" ".join(p) for p in WITH_THRESHOLD])
def test_every_command_that_takes_the_disclosure_threshold_takes_its_old_name(path, capsys):
    command = dict(COMMANDS)[path]
    arguments = {("compare",): ["THA"], ("brief",): ["THA"], ("data", "load"): ["x.csv"]}
    arguments[("data", "validate")] = ["x.csv"]
    given = [*arguments.get(path, []), "--threshold", "7"]
    assert command.make_context(" ".join(path), given).params["disclosure_threshold"] == 7
    assert "--threshold is the old name of --disclosure-threshold" in " ".join(
        capsys.readouterr().err.split()
    )


def test_the_number_of_flows_is_top_n_as_in_the_routes_notebook(run_main, fixtures):
    """``flows --top`` was the routes notebook's ``top_n`` under another name: it is ``--top-n``, its old name kept
    (one warning), and the JSON names it as the notebook does (``top`` kept until schema version 2)."""
    data = str(fixtures / "ctdc" / "synthetic_v2024.csv")
    args = ["flows", "--data", data, "--json"]
    code, new, err = run_main([*args, "--top-n", "3"])
    assert code in (0, None) and "old name" not in err, err
    parameters = json.loads(new)["parameters"]
    assert parameters["top_n"] == 3 and parameters["top"] == 3
    code, old, err = run_main([*args, "--top", "3"])
    assert code in (0, None) and old == new, err
    assert " ".join(err.split()).count("warning: --top is the old name of --top-n") == 1, err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["flows", "--regional-level", "subregon"], "(did you mean 'subregion'?)"),
        (["estimate", "--method", "stepwize"], "(did you mean 'stepwise'?)"),
        (["estimate", "--method", "BICC"], "(did you mean 'bic'?)"),
        (["flows", "--regional-level", "sub"], "(did you mean 'subregion'?)"),
    ],
)
def test_a_misspelt_choice_is_told_the_choice_meant(run_main, args, said) -> None:
    """QA27: a misspelt country, role, notebook, parameter or plan key is told "did you mean"; a misspelt
    `--regional-level` or `--method` was not ("--regional-level must be region or subregion, not 'subregon'")."""
    code, _, err = run_main(args)
    assert code == 2 and said in " ".join(err.split()), err
    code, _, err = run_main([*args[:-1], "planet"])
    assert code == 2 and "did you mean" not in err, err  # nothing close: the choices only
