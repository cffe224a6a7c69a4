from __future__ import annotations

import json

import pytest

from evidence.core.errors import InputError, ParameterError
from evidence.notebooks.catalog import (
    PACKAGED_NOTEBOOKS,
    ParamType,
    find_notebook,
    packaged_notebooks,
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
span: tuple[int, ...] = (1, 2, 3)
data: list[str] = []  # data files; empty means the demo data
kind: Literal["case", "indicator"] = "case"
threshold: int | None = None
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
        "span",
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
    assert str(params["span"].type) == "tuple[int, ...]"
    assert params["data"].validator == "data_files" and params["data"].default == []
    assert params["kind"].choices == ("case", "indicator") and params["kind"].type.kind == "str"
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
        ("x: Literal['a'] = 'a'  # one of: a|b\n", "declares its choices twice"),
        ("x: int = (\n", "not valid Python"),
    ],
)
def test_bad_declarations_name_the_parameter(source, message):
    with pytest.raises(InputError, match=message):
        parse_parameters(source)


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
