"""One protected table per selection: ``evidence trend``/``flows`` print the numbers the notebooks (and so the
briefs) publish for the same selection, cell for cell — here on the real CTDC k-anonymised sample, whose counts
are perturbed (cell key method), so that any second computation of a table would show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from evidence.cli.analyse import register

SELECTION = {"country": "USA", "role": "destination", "year_from": 2015, "year_to": 2019}


def _json(*args: str) -> dict:
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _tables(executed: Path) -> dict[str, list[list[str]]]:
    """The tables an executed notebook shows, by caption: rows of cell texts (header first), read from the
    table data each table carries in its display bundle."""
    from evidence.presentation.tables import TABLE_MIME, TableData

    nb = json.loads(executed.read_text(encoding="utf-8"))
    tables = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get(TABLE_MIME)
            if data is None:
                continue
            table = TableData.from_json(data)
            if table.caption:
                tables[table.caption] = [[c.header for c in table.columns], *map(list, table.rows)]
    return tables


def _text(value) -> str:
    """A CLI count as a table shows it."""
    return f"{value:,}" if isinstance(value, int) else str(value)


@pytest.fixture(scope="module")
def sample(shared_data):
    return shared_data / "ctdc" / "k_anon_sample.csv"


@pytest.mark.slow
@pytest.mark.kernel
def test_trend_prints_the_notebooks_tables(sample, tmp_path):
    from evidence.runs.execute import run_notebook

    parameters = {**SELECTION, "data": [str(sample)], "by": "gender"}
    outcome = run_notebook("trends", parameters, out_root=tmp_path)
    assert outcome.status == "ok", outcome.error
    tables = _tables(Path(outcome.folder) / "trends.ipynb")
    cli = _json("trend", "--data", str(sample), "--country", "USA", "--by", "gender", "--years", "2015-2019")
    assert (
        cli["disclosure"]["protection"] == "cell_key"
    )  # CTDC's k-anonymised release: records of real people
    shown = tables[
        "Identified victims per year by sex, the United States as country of destination"
    ]  # the field gender, named as readers know it
    header, rows = shown[0], shown[1:]
    assert header[1:] == [c for c in cli["yearly_counts"][0] if c != "year"]
    assert len(rows) == len(cli["yearly_counts"])
    for row, printed in zip(rows, cli["yearly_counts"], strict=True):
        assert row[1:] == [_text(printed[c]) for c in header[1:]], f"year {printed['year']}"
    per_year = tables["Identified victims per year, the United States as country of destination"]
    assert [r[-1] for r in per_year[1:]] == [_text(r["All victims"]) for r in cli["yearly_counts"]]


@pytest.mark.slow
@pytest.mark.kernel
def test_flows_prints_the_notebooks_route_table(sample, tmp_path):
    from evidence.runs.execute import run_notebook

    outcome = run_notebook("routes", {**SELECTION, "data": [str(sample)]}, out_root=tmp_path)
    assert outcome.status == "ok", outcome.error
    tables = _tables(Path(outcome.folder) / "routes.ipynb")
    route_table = tables["Identified victims by route and class of route (UN regions)"]
    cli = _json(
        "flows", "--data", str(sample), "--country", "USA", "--role", "destination", "--years", "2015-2019"
    )
    printed = [f["victims"] for f in cli["flows"]]
    # a destination's "Destination unknown" (0 in every column: its victims are all detected in it) is not shown
    assert cli["unknown"]["destination"] == 0
    printed += [cli["unknown"]["origin"], cli["total"]]
    assert [row[-1] for row in route_table[1:]] == [_text(v) for v in printed]
    figures = {row[0]: row[1] for row in tables["Identified victims and their routes"][1:]}
    assert figures["Identified victims"] == _text(cli["total"])
