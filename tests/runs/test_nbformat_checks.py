"""The notebook elements nbformat builds (a kernel's outputs, cells) are checked against the notebook schema
by compiled validators: the same verdicts, the same errors."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nbformat import ValidationError
from nbformat.v4 import nbbase, new_code_cell, new_markdown_cell, output_from_msg

from evidence.runs.warm import compile_nbformat_checks

VALID = [
    {"output_type": "stream", "name": "stdout", "text": "hello\n"},
    {
        "output_type": "display_data",
        "data": {"text/html": "<b>1,204</b>", "image/png": "AAAA"},
        "metadata": {},
    },
    {"output_type": "display_data", "data": {"application/json": {"a": [1, 2]}}, "metadata": {"x": 1}},
    {"output_type": "execute_result", "data": {"text/plain": "3"}, "metadata": {}, "execution_count": 4},
    {"output_type": "execute_result", "data": {"text/plain": ["3"]}, "metadata": {}, "execution_count": None},
    {"output_type": "error", "ename": "ValueError", "evalue": "bad", "traceback": ["line 1"]},
]
INVALID = [
    {"output_type": "stream", "name": "stdout"},  # no text
    {"output_type": "stream", "name": "stdout", "text": 3},
    {"output_type": "display_data", "data": {"text/html": 5}, "metadata": {}},
    {"output_type": "execute_result", "data": {}, "metadata": {}, "execution_count": "1"},
    {"output_type": "error", "ename": "E", "evalue": "v"},  # no traceback
    {"output_type": "stream", "name": "stdout", "text": "x", "extra": True},
]


def _original() -> Callable:
    """nbformat's own check (a run earlier in this process may have put the compiled ones in front of it)."""
    return getattr(nbbase.validate, "original", nbbase.validate)


@pytest.fixture
def original_calls(monkeypatch) -> Iterator[list[str]]:
    """The original nbformat check, counting its calls, under the compiled ones (all restored afterwards)."""
    original, calls = _original(), []

    def counted(node, ref=None):
        calls.append(ref)
        return original(node, ref)

    monkeypatch.setattr(nbbase, "validate", counted)
    compile_nbformat_checks()
    compile_nbformat_checks()  # idempotent: installed once
    assert getattr(nbbase.validate, "compiled_parts", False)
    yield calls


def _verdict(check, output: dict, ref: str) -> str | None:
    """None when valid, else the error's message."""
    try:
        check(copy.deepcopy(output), ref)
    except ValidationError as exc:
        return exc.message
    return None


def test_the_compiled_checks_give_the_same_verdicts_and_errors(original_calls) -> None:
    from nbformat import validate as validate_v4

    def original(node, ref):
        return validate_v4(node, ref=ref, version=4)

    for output in VALID + INVALID:
        for ref in ("output", output["output_type"]):
            assert _verdict(nbbase.validate, output, ref) == _verdict(original, output, ref)
    assert all(_verdict(original, o, o["output_type"]) is None for o in VALID)
    assert all(_verdict(original, o, o["output_type"]) is not None for o in INVALID)
    # the valid ones never reached the original check, each invalid one did (to raise its error)
    assert len(original_calls) == 2 * len(INVALID)


def test_outputs_and_cells_built_by_nbformat_take_the_compiled_checks(original_calls) -> None:
    message = {
        "header": {"msg_type": "display_data"},
        "content": {"data": {"text/plain": "x"}, "metadata": {}},
    }
    assert output_from_msg(message).data == {"text/plain": "x"}
    new_code_cell("x = 1")
    new_markdown_cell("# Title")
    assert original_calls == []


_mime_data = st.dictionaries(
    st.sampled_from(["text/plain", "text/html", "image/svg+xml", "application/json", "bad mime", "x/"]),
    st.one_of(st.text(max_size=5), st.integers(), st.lists(st.text(max_size=3), max_size=2), st.none()),
    max_size=3,
)


@given(
    st.sampled_from(["display_data", "execute_result", "stream", "error"]),
    _mime_data,
    st.one_of(st.integers(-1, 5), st.none(), st.text(max_size=2)),
    st.one_of(st.text(max_size=3), st.integers(), st.none()),
)
def test_messages_from_a_kernel_are_accepted_and_refused_alike(msg_type, data, count, text) -> None:
    content = {"data": data, "metadata": {}, "execution_count": count, "name": "stdout", "text": text}
    content.update(ename="E", evalue=text, traceback=[text])
    message = {"header": {"msg_type": msg_type}, "content": content}

    def outcome() -> object:
        try:
            return output_from_msg(copy.deepcopy(message))
        except ValidationError as exc:
            return ("refused", exc.message)

    installed = nbbase.validate
    nbbase.validate = _original()
    try:
        before = outcome()
        compile_nbformat_checks()
        after = outcome()
    finally:
        nbbase.validate = installed
    assert after == before
