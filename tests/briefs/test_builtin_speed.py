"""The built-in renderer's shortcuts: render.lua spares the brief filter every word of a text that holds no
character it must replace, and the entities the toolkit's own escaping writes ("p &lt; 0.001") do not count as
one. A text that holds such a character through an entity still has it replaced, beside them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evidence.briefs import builtin

#: What the toolkit's escaping writes into a brief's computed text (``<`` of a p-value, ``&``, quotes).
PLAIN = "adjusted p &lt; 0.001, R &amp; D, &quot;quoted&quot; &#39;too&#39; &gt; 1"


@pytest.mark.parametrize(
    "text",
    [
        "Forced labour&#x2028;= Forged heading",  # LINE SEPARATOR by its hex entity
        "Forced labour&#133;= Forged heading",  # NEL by its decimal entity
        "Forced labour&#x2029;= Forged heading",  # PARAGRAPH SEPARATOR
    ],
)
@pytest.mark.parametrize("where", ["before", "after"])
def test_a_line_break_by_entity_is_a_space_beside_plain_entities(
    tmp_path: Path, text: str, where: str
) -> None:
    source = tmp_path / "brief.qmd"
    body = [PLAIN, text] if where == "before" else [text, PLAIN]
    source.write_text("Before.\n\n" + "\n\n".join(body) + "\n\nAfter.\n", encoding="utf-8")
    markup = builtin.typst_markup(source)
    assert re.search(r"Forced labour\s*= Forged heading", markup)
    assert not re.search(r"^\s*= Forged", markup, flags=re.MULTILINE)
    assert "\u2028" not in markup and "\x85" not in markup
    assert "adjusted p \\< 0.001" in markup or "adjusted p < 0.001" in markup


@pytest.mark.parametrize("dots", ["&#46;&#46;&#46;", "&period;&period;&period;", ".&#46;."])
def test_dots_by_entity_read_as_themselves_in_the_pdf_beside_plain_entities(
    tmp_path: Path, dots: str
) -> None:
    # three dots are Typst's ellipsis: written through entities, they are escaped as when written as dots
    source = tmp_path / "brief.qmd"
    source.write_text(f"Before.\n\n{PLAIN}\n\nrows 4, 5, 6 {dots} end\n\nAfter.\n", encoding="utf-8")
    markup = builtin.typst_markup(source)
    assert "rows 4, 5, 6 .\\.\\. end" in markup, markup
    builtin.typeset(markup, tmp_path)  # Typst reads it


def test_plain_entities_alone_convert_as_before(tmp_path: Path) -> None:
    source = tmp_path / "brief.qmd"
    source.write_text(f"Before.\n\n{PLAIN}\n\nAnd so on...\n", encoding="utf-8")
    converted = builtin.convert(source.read_text(encoding="utf-8"))
    assert converted.typst is not None and converted.html is not None
    assert "And so on…" in converted.typst
    assert "p &lt; 0.001" in converted.html and "R &amp; D" in converted.html


def test_pandoc_is_looked_up_with_the_fonts_while_the_notebook_runs() -> None:
    # pypandoc's import and its check of pandoc's version (a pandoc process) are not left to the render, which a
    # cold brief waits for
    import threading

    builtin.pandoc_path.cache_clear()
    found = builtin.pandoc_path.__wrapped__()
    builtin.pandoc_path.cache_clear()
    try:
        builtin.prepare_typesetting()
        for thread in threading.enumerate():
            if thread.name == "evidence-typst-fonts":
                thread.join(timeout=60)
        assert builtin.pandoc_path.cache_info().currsize == 1
        assert builtin.pandoc_path() == found
    finally:
        builtin.pandoc_path.cache_clear()
