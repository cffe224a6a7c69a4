from __future__ import annotations

import json

import pytest

from evidence.core.errors import InputError, ParameterError
from evidence.notebooks.catalog import (
    PACKAGED_NOTEBOOKS,
    ParamType,
    find_notebook,
    packaged_notebooks,
    parse_checks,
    parse_parameters,
    read_notebook,
)

SOURCE = """
import os  # not a parameter
country: str = "THA"  # ISO3 code of the country
role = "both"  # one of: origin|destination|both
year_from: int = 2012
weights: list[float] = [0.5, 1.0]
years: tuple[int, int] = (2012, 2023)
data: list[str] = []  # data files; empty means the demo data
kind: str = "case"  # one of: case|indicator
threshold: Optional[int] = None
level: Optional[float] = 0.95
flag = True
label = None
today = os.getcwd()
"""


def test_types_defaults_choices_and_markers():
    params = parse_parameters(SOURCE)
    assert list(params) == [
        "country",
        "role",
        "year_from",
        "weights",
        "years",
        "data",
        "kind",
        "threshold",
        "level",
        "flag",
        "label",
        "today",
    ]
    assert params["country"].type == ParamType("str") and params["country"].validator == "iso3"
    assert params["country"].help == "ISO3 code of the country"
    assert params["role"].type == ParamType("str")  # from the default
    assert params["role"].choices == ("origin", "destination", "both")
    assert str(params["weights"].type) == "list[float]"
    assert str(params["years"].type) == "tuple[int, int]" and params["years"].default == (2012, 2023)
    assert params["data"].validator == "data_files" and params["data"].default == []
    assert params["kind"].choices == ("case", "indicator") and params["kind"].type.kind == "str"
    assert params["kind"].help == ""
    assert str(params["threshold"].type) == "int | None"
    assert str(params["level"].type) == "float | None"
    assert params["flag"].type == ParamType("bool")
    assert params["label"].type.nullable
    assert not params["today"].default_is_literal and params["today"].default == "os.getcwd()"


def test_numeric_choices_are_typed():
    params = parse_parameters("top: int = 10  # one of: 5|10|20\n")
    assert params["top"].choices == (5, 10, 20)


@pytest.mark.parametrize(
    "source, message",
    [
        ("x: dict[str, int] = {}\n", "unsupported type annotation"),
        # what Papermill's inspection cannot read is refused, never silently left out
        ("x: int | None = None\n", "parameter 'x': Papermill cannot read its declaration"),
        ("x: Literal['a', 'b'] = 'a'\n", "parameter 'x': Papermill cannot read its declaration"),
        ("x: int = (\n", "not valid Python"),
        ("x: int = 1\n# check: x <= y\n", "'y' is not a parameter"),
        ("x: int = 1\n# check: x + 1\n", "write a comparison"),
        ("x: int = 1\n# check: x <= 'a'\n", "compare parameters and numbers only"),
    ],
)
def test_bad_declarations_name_the_parameter(source, message):
    with pytest.raises(InputError, match=message):
        parse_checks(source, parse_parameters(source))


def _notebook(tmp_path, cells):
    path = tmp_path / "nb.ipynb"
    path.write_text(
        json.dumps(
            {
                "cells": cells,
                "metadata": {"kernelspec": {"name": "python3"}},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    return path


def test_read_notebook_finds_the_tagged_cell(tmp_path):
    path = _notebook(
        tmp_path,
        [
            {
                "cell_type": "code",
                "metadata": {},
                "source": ["a = 1\n"],
                "outputs": [],
                "execution_count": None,
            },
            {
                "cell_type": "code",
                "metadata": {"tags": ["parameters"]},
                "source": ["n: int = 3\n", "s = 'x'\n"],
                "outputs": [],
                "execution_count": None,
            },
        ],
    )
    spec = read_notebook(path)
    assert spec.name == "nb" and list(spec.parameters) == ["n", "s"] and spec.kernel_name == "python3"
    assert len(spec.sha256) == 64


def test_two_parameters_cells_are_an_error(tmp_path):
    cell = {
        "cell_type": "code",
        "metadata": {"tags": ["parameters"]},
        "source": "n = 1",
        "outputs": [],
        "execution_count": None,
    }
    with pytest.raises(InputError, match="more than one cell"):
        read_notebook(_notebook(tmp_path, [cell, cell]))


def test_unknown_notebook_name_suggests_the_closest():
    with pytest.raises(ParameterError, match="did you mean 'country_brief'"):
        find_notebook("country_brif")


def test_packaged_notebooks_are_found_by_name():
    found = packaged_notebooks()
    for name in ("country_brief", "routes", "trends", "data_quality"):
        assert name in found and find_notebook(name) == found[name]
    assert set(found) <= set(PACKAGED_NOTEBOOKS) | {"hidden_population"}


def test_checks_between_parameters_are_read_from_the_parameters_cell():
    source = "a: int = 1\nb: int = 2\n# check: 1990 <= a <= b <= 2100\n# CHECK: b >= 2\n"
    checks = parse_checks(source, parse_parameters(source))
    assert [c.text for c in checks] == ["1990 <= a <= b <= 2100", "b >= 2"]
    assert checks[0].violation({"a": 2000, "b": 2010}) is None
    assert "requires 1990 <= a <= b <= 2100 (given a=2020, b=2010)" in checks[0].violation(
        {"a": 2020, "b": 2010}
    )
    assert checks[0].violation({"a": 1800, "b": 2010}) is not None
    assert checks[1].violation({"a": 1, "b": None}) is None  # an unset optional value is not checked


def test_the_packaged_notebooks_declare_their_checks():
    brief = read_notebook("country_brief")
    texts = [c.text for c in brief.checks]
    assert any("year_from <= year_to" in t for t in texts) and any("disclosure_threshold" in t for t in texts)
    # every notebook takes its data files through `data` (what --data fills), the list-capture file too
    assert {read_notebook(n).data_parameter for n in packaged_notebooks()} == {"data"}


def test_reading_a_notebook_imports_no_table_library():
    """The CLI reads a notebook's parameters before it starts a kernel: nothing heavy on that path."""
    import subprocess
    import sys

    code = (
        "import sys; from evidence.notebooks import read_notebook; read_notebook('country_brief'); "
        "print(sorted(m for m in ('polars', 'pandas') if m in sys.modules)); "
        "from evidence.notebooks import load_data; print(load_data.__module__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["[]", "evidence.notebooks.runtime"]


def test_help_before_a_choice_marker_keeps_no_dangling_punctuation():
    """``# what it is: one of: a|b`` gives the help "what it is" (shown whole by ``run --describe``)."""
    params = parse_parameters(
        'role: str = "both"  # the victims described: one of: origin|destination|both\n'
    )
    assert params["role"].help == "the victims described"
    assert params["role"].choices == ("origin", "destination", "both")


def test_papermill_is_imported_without_its_remote_store_probes():
    """pyarrow (with numpy) is hidden from Papermill's import, and importable afterwards as ever."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from evidence.notebooks.catalog import import_papermill\n"
        "pm = import_papermill()\n"
        "assert import_papermill() is pm and callable(pm.execute_notebook)\n"
        "print('pyarrow' in sys.modules, 'numpy' in sys.modules)\n"
        "import pyarrow.fs\n"
        "print(pyarrow.fs.LocalFileSystem.__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False", "LocalFileSystem"]


def test_a_folder_given_as_the_notebook_is_named_a_folder(tmp_path) -> None:
    """Found by the CLI audit: `evidence run SOME_FOLDER` said "no such notebook" of a folder that exists."""
    from evidence.core.errors import InputError
    from evidence.notebooks.catalog import find_notebook

    with pytest.raises(InputError, match="a folder, not a notebook"):
        find_notebook(tmp_path)
    with pytest.raises(InputError, match="no such notebook"):
        find_notebook(tmp_path / "missing.ipynb")


def test_a_number_or_auto_is_an_int_that_may_be_auto():
    """One spelling of "let the toolkit choose" (bootstrap_runs: auto, as `evidence estimate --bootstrap-runs
    auto`): the comment's marker makes the parameter an int or the word auto; a check is not applied to auto."""
    source = (
        'runs: str = "auto"  # independent runs, a number or auto\n'
        "replicates: int = 1000  # per run, a number or auto\n"
        "plain: str = 'x'  # a number of things\n"
        "# check: runs >= 1\n"
    )
    params = parse_parameters(source)
    assert params["runs"].type == ParamType("int", auto=True) and str(params["runs"].type) == "int | auto"
    assert params["runs"].describe() == "runs: int | auto = 'auto'"
    assert params["replicates"].type.auto and not params["plain"].type.auto
    (check,) = parse_checks(source, params)
    assert check.violation({"runs": "auto"}) is None and check.violation({"runs": 3}) is None
    assert check.violation({"runs": 0}) is not None
    with pytest.raises(InputError, match="'a number or auto' needs an int or str parameter"):
        parse_parameters("share: float = 0.5  # a number or auto\n")


def test_a_parse_met_by_another_threads_parse_is_made_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """CPython 3.11 (gh-106905) fails a parse that another thread's parse overlapped (a traceback's anchors,
    which 3.11 finds by parsing, in a run's thread) with "AST constructor recursion depth mismatch": a flaky
    SystemError seen once in tests/runs. The notebook's parameters are read all the same; another SystemError
    is not hidden."""
    import ast

    from evidence.notebooks.catalog import import_papermill

    import_papermill()  # its own imports parse too: not what this is about
    real_parse = ast.parse
    met: list[str] = []

    def overlapped_once(source: str, *args: object, **kwargs: object) -> ast.AST:
        if not met and "THA" in source:
            met.append(source)
            raise SystemError("AST constructor recursion depth mismatch (before=2, after=5)")
        return real_parse(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ast, "parse", overlapped_once)
    assert list(parse_parameters("country = 'THA'\nyears: list[int] = [2015, 2020]\n")) == [
        "country",
        "years",
    ]
    assert met

    def broken(source: str, *args: object, **kwargs: object) -> ast.AST:
        if "THA" in source:
            raise SystemError("another fault")
        return real_parse(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ast, "parse", broken)
    with pytest.raises(SystemError, match="another fault"):
        parse_parameters("country = 'THA'\n")
