"""What the analysis commands say in words: one definition of a CTDC destination wherever readers meet it (the country
of exploitation, in CTDC data where the victim was identified or assisted: the briefs' methods say so since nb27;
`flows` and two docstrings said "where first assisted"), and model names capitalised as the notebooks write them."""

from __future__ import annotations

import json

import polars as pl
from typer.testing import CliRunner

from evidence.analyses import routes
from evidence.notebooks.country_views import CASE_METHODS
from evidence.sources import case_schema
from evidence.sources.case_schema import conform
from evidence.sources.loaded import LoadedTable
from evidence.sources.provenance import Provenance
from evidence.sources.store import write_parquet

DEFINITION = "where the victim was identified or assisted"


def test_the_briefs_methods_give_the_definition() -> None:
    assert DEFINITION in " ".join(CASE_METHODS.split())


def test_the_modules_give_the_same_definition() -> None:
    for module in (routes, case_schema):
        text = " ".join(str(module.__doc__).split())
        assert DEFINITION in text and "first assisted" not in text, module.__name__


def test_flows_says_the_same_of_a_ctdc_destination(tmp_path) -> None:
    from evidence.cli.main import app

    record = {"year": 2020, "gender": "Female", "origin_iso3": "MMR", "destination_iso3": "THA"}
    data = conform(pl.DataFrame([record] * 12))
    provenance = Provenance(
        source="test", layout="hand-made", release="1", path="cases.csv", sha256="0" * 64, url="", licence="",
        citation="hand-made test records", protection="suppression",
    )  # fmt: skip
    path = write_parquet(
        LoadedTable(data=data, provenance=provenance, rows_in=12), tmp_path / "cases.parquet"
    )
    result = CliRunner().invoke(app, ["flows", "--data", str(path), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    [note] = [n for n in json.loads(result.stdout)["notes"] if n.startswith("origin = citizenship")]
    assert DEFINITION in note and "first assisted" not in note


def test_trend_names_its_model_and_role_as_the_notebooks_do(capsys) -> None:
    from evidence.cli.analyse import _print_trend

    series = [
        {
            "category": model,
            "rate_ratio": {"rate_ratio": 1.1, "ci": [1.0, 1.2], "model": model, "dispersion": 1.0},
        }
        for model in ("poisson", "quasi_poisson", "negative_binomial")
    ]
    for one in series:
        one["rate_ratio"].update(first_year=2015, last_year=2020)
    parameters = {"country": "THA", "role": "destination", "by": None}
    payload = {
        "parameters": parameters,
        "yearly_counts": [],
        "disclosure": {"description": ""},
        "series": series,
    }
    _print_trend({**payload, "incomplete_said": [], "incomplete_years": [], "caveat": "", "data": {}})
    out = capsys.readouterr().out
    lines = [" ".join(line.split()) for line in out.splitlines()]
    # the role in words (it was "THA (destination)"); the title wraps to the table's width
    assert "Victimsperyear—THAascountryofdestination" in "".join(out.split())
    said = {line.split(":")[0]: line for line in lines if "annual rate ratio" in line}
    assert "1.200), Poisson, dispersion" in said["poisson"]
    assert "1.200), quasi-Poisson, dispersion" in said["quasi_poisson"]
    assert "1.200), negative binomial, dispersion" in said["negative_binomial"]
