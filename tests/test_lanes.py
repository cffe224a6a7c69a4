"""Which tests start a kernel without the mark (tests/_lanes.py, used by tests/conftest.py)."""

from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path

import pytest
from _lanes import KernelCalls

CALLS = ("run_notebook(", "execute_run(")
#: a call as a test's source holds it, spelled so that these tests' own sources name none (conftest would mark them)
RUN = CALLS[0]


def _module(tmp_path: Path, name: str, text: str):
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def modules(tmp_path):
    calling = _module(
        tmp_path,
        "lanes_calling",
        f"def test_runs():\n    {RUN}1)\n\n"
        "def test_names_it_in_a_string():\n    return 'execute_run(x)'\n\n"
        "def test_quiet():\n    return 1\n",
    )
    quiet = _module(tmp_path, "lanes_quiet", "def test_a():\n    return 1\n\ndef test_b():\n    return 2\n")
    yield calling, quiet
    for name in ("lanes_calling", "lanes_quiet"):
        sys.modules.pop(name, None)


def test_a_function_is_marked_when_its_own_source_names_a_call(modules):
    calling, quiet = modules
    finder = KernelCalls(CALLS)
    assert finder(calling.test_runs) and finder(calling.test_names_it_in_a_string)
    assert not finder(calling.test_quiet)  # its file names a call; its own source does not
    assert not finder(quiet.test_a) and not finder(quiet.test_b)


def test_the_sources_of_a_file_naming_no_call_are_never_read(modules, monkeypatch):
    calling, quiet = modules
    read = []
    real = inspect.getsource

    def spy(function):
        read.append(function.__name__)
        return real(function)

    monkeypatch.setattr(inspect, "getsource", spy)
    finder = KernelCalls(CALLS)
    for function in (quiet.test_a, quiet.test_b, calling.test_runs, calling.test_runs, calling.test_quiet):
        finder(function)
    # each function of the calling file once; none of the quiet one
    assert read == ["test_runs", "test_quiet"]


def test_a_function_whose_file_cannot_be_read_is_searched_by_its_source(monkeypatch):
    finder = KernelCalls(CALLS)
    monkeypatch.setattr(inspect, "getsourcefile", lambda function: None)
    monkeypatch.setattr(inspect, "getsource", lambda function: f"def f():\n    {RUN}2)\n")
    assert finder(lambda: None)
