"""The user documentation as a reader meets it: every ``evidence ...`` command line in README.md and docs/ is one
the real CLI takes (its commands, options, the number of arguments, the choices of a choice option and the
parameters of a packaged notebook), every relative link resolves, and every page of docs/ is reachable from the
README. Commands and options renamed in the code fail here until the docs say the new name."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer._click.exceptions import UsageError

from evidence.cli.main import app
from evidence.notebooks.catalog import packaged_notebooks, read_notebook

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
CLI = typer.main.get_command(app)

#: A command line in a code block (``evidence ...`` or ``uv run evidence ...``), up to its comment.
_BLOCK_LINE = re.compile(r"^\s*(?:uv run )?evidence(?P<rest>(?: [^#]*)?)")
#: A command in running text: `evidence ...`.
_INLINE = re.compile(r"`(?:uv run )?evidence (?P<rest>[^`]+)`")
#: Words that stand for a value in the docs: FILE, ISO3, <run>, ... (never checked as values).
_PLACEHOLDER = re.compile(r"^(?:[A-Z][A-Z0-9_.,|-]*|.*<[^>]*>.*|\.\.\.|…)$")


def _command_lines() -> list[tuple[str, int, str]]:
    """(page, line number, the words after `evidence`) for every command the docs show."""
    found = []
    for page in PAGES:
        in_block = False
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("```"):
                in_block = not in_block
                continue
            if in_block:
                match = _BLOCK_LINE.match(line)
                if match:
                    rest = match["rest"].strip().rstrip("\\").strip()
                    found.append((page.name, number, rest))
            else:
                found += [(page.name, number, m["rest"].strip()) for m in _INLINE.finditer(line)]
    return found


COMMAND_LINES = _command_lines()


def _words(rest: str) -> list[str]:
    """The words of a documented command, optional parts (``[--json]``) included as given."""
    rest = rest.replace("[", " ").replace("]", " ")
    words = shlex.split(rest)
    # what the shell does with the output is not the command's (`> logs/batch.json`, `| jq`)
    cut = next((i for i, w in enumerate(words) if re.match(r"^(?:\d?>>?|\||&&|;)", w)), len(words))
    return words[:cut]


def _resolve(words: list[str]) -> tuple[Any, list[str], list[str]]:
    """The command the words name, its path and the words left for it (Typer's own copy of click)."""
    command: Any = CLI
    path: list[str] = []
    while hasattr(command, "commands") and words and not words[0].startswith("-"):
        name = words[0]
        assert name in command.commands, f"no command `evidence {' '.join([*path, name])}`"
        command, path, words = command.commands[name], [*path, name], words[1:]
    return command, path, words


def _parse(command: Any, path: list[str], words: list[str]) -> tuple[dict[str, Any], list[str]]:
    """The options and arguments of the words as the command's parser reads them (names and arity only: a
    placeholder such as FILE is not converted)."""
    parser = command.make_parser(command.context_class(command, info_name=" ".join(path)))
    values, arguments, _ = parser.parse_args(list(words))
    return {k: v if isinstance(v, list) else [v] for k, v in values.items() if v is not None}, arguments


def test_the_docs_show_commands():
    assert len(COMMAND_LINES) > 40
    assert {page for page, _, _ in COMMAND_LINES} >= {"README.md", "case-records.md", "scheduling.md"}


#: Command lines the docs show as mistakes, on purpose.
DELIBERATE_MISTAKES = {"flows --json --yeras 2020"}  # scheduling.md: a usage error is a JSON document too

#: The values an option takes where the command checks them itself (not a click choice).
CHOICES = {
    "role": {"origin", "destination", "both"},
    "format": {"html", "pdf", "all"},
    "renderer": {"auto", "quarto", "builtin"},
    "method": {"stepwise", "bic", "downhill", "main"},
    "regional_level": {"region", "subregion"},
    "downhill_start": {"main", "full"},
}


@pytest.mark.parametrize("page, number, rest", COMMAND_LINES, ids=[f"{p}:{n}" for p, n, _ in COMMAND_LINES])
def test_every_documented_command_is_one_the_cli_takes(page, number, rest):
    where = f"{page}:{number}: `evidence {rest}`"
    if rest in DELIBERATE_MISTAKES:
        return
    command, path, words = _resolve(_words(rest))
    if hasattr(command, "commands") and not words:
        return  # a topic named in the text (`evidence register`)
    try:
        values, arguments = _parse(command, path, words)
    except UsageError as exc:
        if "requires an argument" not in exc.format_message():
            pytest.fail(f"{where}: {exc.format_message()}")
        # an option named in prose: `estimate --data`
        values, arguments = _parse(command, path, [*words, "VALUE"])
    extra = [
        a for a in arguments if a not in {"...", "…"}
    ]  # the parser took the arguments the command declares
    names = values.get("parameter") or []  # run's -p NAME VALUE: the VALUEs are left over, one per NAME
    assert len(extra) <= len(names), f"{where}: {extra} more than the command takes"
    for name, allowed in CHOICES.items():
        for value in values.get(name) or []:
            assert _PLACEHOLDER.match(value) or value in allowed, f"{where}: {value!r}: not one of {allowed}"
    notebook = (values.get("notebook") or [""])[0]
    if path == ["run"] and notebook in packaged_notebooks():
        declared = read_notebook(notebook).parameters
        assert set(names) <= set(declared), f"{where}: {notebook} declares {list(declared)}"


def test_a_renamed_option_is_caught():
    """The check itself: an option the CLI does not have is a failure."""
    command, path, words = _resolve(_words("data load FILE --output x.parquet"))
    with pytest.raises(UsageError):
        _parse(command, path, words)


_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_relative_link_resolves(page):
    for match in _LINK.finditer(page.read_text(encoding="utf-8")):
        target = match["target"]
        if re.match(r"^[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        resolved = (page.parent / file) if file else page
        assert resolved.exists(), f"{page.name}: {target} does not exist"
        if anchor and resolved.suffix == ".md":
            assert anchor in _anchors(resolved), f"{page.name}: {target}: no such heading"


def test_every_docs_page_is_reachable_from_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    linked = {m["target"].partition("#")[0] for m in _LINK.finditer(readme)}
    assert {f"docs/{p.name}" for p in (REPO / "docs").glob("*.md")} <= linked


def _leaf_commands(command: Any = CLI, path: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every command a user can run, by its words (`register erase`), with its click command."""
    if not hasattr(command, "commands"):
        return {" ".join(path): command}
    found: dict[str, Any] = {}
    for name, sub in command.commands.items():
        found |= _leaf_commands(sub, (*path, name))
    return found


def _named_commands(text: str) -> set[str]:
    """The commands a sentence names in backticks, a topic's word carried on (`register import`, `status`)."""
    leaves = _leaf_commands()
    named, topic = set(), ""
    for words in re.findall(r"`([a-z][a-z -]*)`", text.replace("\n", " ")):
        words = " ".join(words.split())
        if words in leaves:
            named.add(words)
            topic = words.split()[0] if " " in words else ""
        elif f"{topic} {words}" in leaves:
            named.add(f"{topic} {words}")
        else:
            raise AssertionError(f"`{words}`: no such command")
    return named


def test_the_commands_said_to_take_json_are_those_that_do():
    """scheduling.md's sentence on which commands take --json names every command, on the right side."""
    text = (REPO / "docs" / "scheduling.md").read_text(encoding="utf-8")
    sentence = re.search(r"It is taken by (?P<taking>.+?); not by (?P<not>.+?)\. \(", text, re.DOTALL)
    assert sentence, "scheduling.md: the sentence 'It is taken by ...; not by ...' is gone"
    taking = _named_commands(re.sub(r"\(and `run --describe`[^)]*\)", "", sentence["taking"]))
    not_taking = _named_commands(sentence["not"])
    leaves = _leaf_commands()
    with_json = {n for n, c in leaves.items() if any("--json" in p.opts for p in c.params)}
    assert taking == with_json, (
        f"take --json: {sorted(with_json - taking)} unnamed, {sorted(taking - with_json)} do not"
    )
    assert not_taking == set(leaves) - with_json, (
        f"without --json: {sorted(set(leaves) - with_json - not_taking)}"
    )


def test_the_batchs_first_line_is_quoted_as_printed():
    """scheduling.md quotes a batch's first line; its numbers are the ones the batch prints for them (it said
    "11 runs" for 9 to run, 2 unchanged and 1 empty: the empty run counts among the runs)."""
    from evidence.cli.runs import _batch_header

    text = " ".join((REPO / "docs" / "scheduling.md").read_text(encoding="utf-8").split())
    quoted = re.search(
        r"`(\d+ runs: (\d+) to run, (\d+) unchanged [^`]*?(?:, (\d+) with no victims[^`(]*)?"
        r"(?: \(and (\d+) repeated[^`]*)?)`",
        text,
    )
    assert quoted, "scheduling.md no longer quotes a batch's first line"
    to_run, skipped, empty, repeated = (int(n or 0) for n in quoted.groups()[1:])
    runs = to_run + skipped
    assert quoted[1] == _batch_header(runs + empty + repeated, runs, to_run, skipped, empty)
