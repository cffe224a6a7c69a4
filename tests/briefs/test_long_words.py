"""A long word from data (a category as long as an Excel cell holds, a sidecar's text, a parameter) reaches
pandoc's Typst writer in pieces: it takes a time quadratic in a word's length (80,000 letters: 15 CPU-s; a
brief with a word of 40,000: 81 CPU-s). The pieces end only between two letters or digits (or characters beyond
ASCII), so the brief's markup is the same, whatever the text around and in the word."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.briefs import builtin
from evidence.presentation.markup import escape_markdown

LONG_WORD = 256  # brief.lua's

# a pass of the brief filter, before its last (which writes the title block's metadata itself), that stops pandoc
# when a long word would reach the Typst writer whole
_PROBE = """local passes = assert(loadfile({filter}, "t", _ENV))()
table.insert(passes, #passes, {{
  Str = function(str)
    if FORMAT:match("typst") and utf8.len(str.text) > {limit} then
      error("a word of " .. utf8.len(str.text) .. " characters reached the Typst writer whole")
    end
  end,
}})
return passes
"""


@pytest.mark.parametrize("word", ["A" * 300, "é" * 300, "AA\\ " * 100, "Forced" + "é中a1" * 3000])
@pytest.mark.parametrize("where", ["body", "title"])
def test_no_long_word_reaches_the_typst_writer_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, word: str, where: str
) -> None:
    """render.lua hands the filter a brief's long words to cut (one with an escaped, no-break space in it too),
    in its text and in its title (written by the filter itself): none reaches pandoc's Typst writer whole."""
    templates = tmp_path / "templates"
    shutil.copytree(builtin.TEMPLATES, templates)
    (templates / "brief.lua").rename(templates / "filter.lua")
    probe = _PROBE.format(filter=json.dumps(str(templates / "filter.lua")), limit=LONG_WORD)
    (templates / "brief.lua").write_text(probe, encoding="utf-8")
    monkeypatch.setattr(builtin, "TEMPLATES", templates)
    title = word if where == "title" else "Title"
    source = f"---\ntitle: {json.dumps(title)}\n---\n\nBefore {word if where == 'body' else 'x'} after.\n"
    with builtin.Conversion(source, html=False) as conversion:
        assert conversion.result("typst")


def _typst(text: str, tmp: Path, *, whole: bool) -> str:
    """``text`` written as Typst by pandoc through the brief filter, or (``whole``) through it with its long
    words left whole (as render.lua hands it a brief without any)."""
    lua = builtin.TEMPLATES / "brief.lua"
    if whole:
        wrapper = tmp / "whole.lua"
        wrapper.write_text(
            f"LONG_WORDS_ABSENT = true\nreturn dofile({json.dumps(str(lua))})\n", encoding="utf-8"
        )
        lua = wrapper
    command = [builtin.pandoc_path(), "--from=markdown", "--to=typst", f"--lua-filter={lua}", "--wrap=none"]
    return subprocess.run(command, input=text, capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("pair", ["//", "/*", "*/", "--", "-?", "...", "-1", "a#b", "$x$", "é//中"])
def test_no_piece_ends_inside_markup(tmp_path: Path, pair: str) -> None:
    """A word whose first piece would end inside ``pair`` (at every offset around the cut) is cut elsewhere:
    "A//B" cut between its slashes would be written "A//B" (a Typst comment) where the whole word is
    "A/\\/B"."""
    for before in range(LONG_WORD - len(pair), LONG_WORD + 1):
        source = escape_markdown("A" * before + pair + "B" * 300) + "\n"
        assert _typst(source, tmp_path, whole=False) == _typst(source, tmp_path, whole=True)


# what Typst could read as markup beside another character, and words
_PARTS = st.sampled_from(
    [
        *"ab1é中 -.:/'\"&;<>*_[]#|$@^~`\\{}!()=+%",
        "//",
        "/*",
        "*/",
        "--",
        "-?",
        "...",
        "https://x.y",
        "#eval(",
        "@ref",
        "<label>",
        "$x$",
        "1.",
        "- ",
        "= ",
        "\u00a0",
        "A" * 40,
        "word" * 30,
    ]
)


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(parts=st.lists(_PARTS, min_size=1, max_size=30), repeat=st.integers(2, 12))
def test_the_pieces_write_the_same_markup(tmp_path_factory, parts: list[str], repeat: int) -> None:
    tmp = tmp_path_factory.mktemp("long")
    text = escape_markdown("".join(parts) * repeat)
    source = f"Before {text} after\n\n| a | b |\n|:---|---:|\n| {text} | 12 |\n"
    assert _typst(source, tmp, whole=False) == _typst(source, tmp, whole=True)
