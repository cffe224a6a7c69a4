"""Every notebook in the repository is committed clean and declares parameters the runner can check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _notebooks import notebook_outputs

from evidence.notebooks.catalog import read_notebook
from evidence.runs.params import resolve_parameters

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb")) + sorted(
    (REPO / "tests" / "fixtures").rglob("*.ipynb")
)


def test_there_are_notebooks():
    assert {p.stem for p in NOTEBOOKS} >= {"country_brief", "routes", "trends", "data_quality", "tiny"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_withoutnotebook_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name} cell {index} has outputs"
            assert cell.get("execution_count") is None, f"{path.name} cell {index} has an execution count"
        assert "papermill" not in cell.get("metadata", {}), f"{path.name} cell {index} has papermill metadata"
    assert "papermill" not in nb["metadata"], f"{path.name} was saved after a papermill run"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_opens_with_the_standard_kernel_and_declares_valid_defaults(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    spec = read_notebook(path)
    assert spec.parameters
    resolve_parameters(spec, {})  # every default passes its own declaration


@pytest.mark.parametrize("path", sorted((REPO / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_every_parameter_of_a_packaged_notebook_says_what_it_means(path):
    # `evidence run NOTEBOOK --describe` lists this meaning: an analyst's only help for a parameter
    unexplained = [name for name, p in read_notebook(path).parameters.items() if not p.help.strip()]
    assert not unexplained, f"{path.name}: parameters without a meaning: {unexplained}"


@pytest.mark.slow
@pytest.mark.kernel
def test_country_brief_on_the_demo_data(tmp_path, monkeypatch):
    from evidence.runs.execute import run_notebook
    from evidence.runs.record import read_record

    monkeypatch.delenv("EVIDENCE_DATA", raising=False)
    outcome = run_notebook("country_brief", {"country": "THA", "role": "destination"}, out_root=tmp_path)
    assert outcome.status == "ok", outcome.error
    folder = Path(outcome.folder)
    text, errors = notebook_outputs(folder / "country_brief.ipynb")
    assert not errors
    assert "Synthetic demo data" in text and "Three different counts" in text
    assert "Myanmar" in text and "a year" in text  # the main corridor and the trend sentence
    assert "shape: (" not in text  # tables are formatted, never polars' truncated reprs
    assert "<N" not in text and "evidence run" not in text  # no placeholder, no analyst instructions
    assert text.count("At a glance") == 1  # the key figures, once
    record = read_record(folder)
    assert record.provenance[0]["demo"] is True
    assert record.data[0].sha256 == record.provenance[0]["sha256"]  # hashed what the notebook loaded


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "parameters"),
    [("routes", {"country": "KHM"}), ("trends", {"country": "KHM", "by": "gender", "year_from": 2012})],
)
@pytest.mark.kernel
def test_routes_and_trends_on_the_demo_data(tmp_path, monkeypatch, name, parameters):
    from evidence.runs.execute import run_notebook

    monkeypatch.delenv("EVIDENCE_DATA", raising=False)
    outcome = run_notebook(name, parameters, out_root=tmp_path)
    assert outcome.status == "ok", outcome.error
    text, errors = notebook_outputs(Path(outcome.folder) / f"{name}.ipynb")
    assert not errors and "shape: (" not in text
    assert "All victims" in text  # the tables are published with their totals (secondary suppression)


@pytest.mark.slow
@pytest.mark.kernel
def test_data_quality_on_real_shared_data(tmp_path, shared_data):
    from evidence.runs.execute import run_notebook
    from evidence.runs.record import read_record

    sample = shared_data / "ctdc" / "k_anon_sample.csv"
    outcome = run_notebook("data_quality", {"data": [str(sample)]}, out_root=tmp_path)
    assert outcome.status == "ok", outcome.error
    text, errors = notebook_outputs(Path(outcome.folder) / "data_quality.ipynb")
    assert not errors and "SYNTHETIC" not in text
    assert "1,478" in text  # rows read, kept
    provenance = read_record(outcome.folder).provenance
    assert (
        provenance[0]["source"] == "ctdc" and provenance[0]["rows_in"] == 1478 and not provenance[0]["demo"]
    )


def test_hidden_population_names_its_bootstrap_settings_as_the_cli_and_the_api():
    """One name per concept: the notebook's bootstrap_replicates and bootstrap_runs are the CLI's
    --bootstrap-replicates and --bootstrap-runs and the keywords of estimate_population, with "auto" spelled auto
    everywhere; the notebook's defaults (a brief: 1,000 replicates, runs auto) differ from the CLI's (a quick
    estimate) and its parameters' help says so."""
    import inspect

    from evidence.analyses.estimation import estimate_population
    from evidence.cli.estimate import estimate_command

    spec = read_notebook("hidden_population")
    api = inspect.signature(estimate_population).parameters
    for name in ("bootstrap_replicates", "bootstrap_runs"):
        assert name in api and name in spec.parameters
        assert "evidence estimate" in spec.parameters[name].help
    source = inspect.getsource(estimate_command)
    assert '"--bootstrap-replicates"' in source and '"--bootstrap-runs"' in source
    assert spec.parameters["bootstrap_runs"].default == "auto" and spec.parameters["bootstrap_runs"].type.auto
    assert resolve_parameters(spec, {"bootstrap_runs": "auto"})["bootstrap_runs"] == "auto"
    assert resolve_parameters(spec, {"bootstrap_runs": "5"})["bootstrap_runs"] == 5


@pytest.mark.slow
@pytest.mark.kernel
def test_hidden_population_shows_its_sensitivity_to_the_model(tmp_path):
    from evidence.runs.execute import run_notebook

    outcome = run_notebook("hidden_population", {"bootstrap_replicates": 40}, out_root=tmp_path)
    assert outcome.status == "ok", outcome.error
    folder = Path(outcome.folder)
    text, errors = notebook_outputs(folder / "hidden_population.ipynb")
    assert not errors and "shape: (" not in text
    assert "SYNTHETIC DEMO LISTS" in text and "Estimated total population: **1,841**" in text
    assert "Estimate and interval under each model choice" in text
    for choice in (
        "main effects only",
        "stepwise, p < 0.001, pairs",
        "lowest BIC, up to 3-way",
        "downhill, pairs",
    ):
        assert choice in text
    # the headline's interval: the median of independent runs, with the range one run gives beside it
    assert "independent bootstrap runs; one run alone" in text and "Monte Carlo range" in text
    assert (folder / "figures" / "sensitivity.svg").is_file()
    # no seed given: one drawn (2026 by default, a seed anyone could guess, let readers recompute the interval
    # of every table consistent with the brief), withheld as the demo lists hold a combination of under 5 people
    assert json.loads((folder / "resolved.json").read_text(encoding="utf-8"))["seed"] == "withheld"
    assert "seed withheld" in text


@pytest.mark.slow
@pytest.mark.kernel
def test_hidden_population_on_real_lists_names_them_and_says_when_models_disagree(tmp_path, shared_data):
    """Netherlands 6-list: stepwise 111,139 with I:K and K:R at −∞, against 43,585 by BIC and downhill."""
    from evidence.runs.execute import run_notebook

    ned = shared_data / "mse" / "netherlands_2010_2015_6list" / "Ned.csv"
    outcome = run_notebook(
        "hidden_population", {"data": [str(ned)], "bootstrap_replicates": 0}, out_root=tmp_path
    )
    assert outcome.status == "ok", outcome.error
    assert Path(outcome.folder).name.startswith("hidden_population-Ned-stepwise-")
    text, errors = notebook_outputs(Path(outcome.folder) / "hidden_population.ipynb")
    assert not errors and "Estimated total population: **111,139**" in text
    # the table holds cells of 1 to 4: the other model choices' estimates (43,585 ... 163,356), which together
    # could give a small cell back, are withheld, and the brief says why
    assert "The data cannot pin the number down" in text
    assert "from 43,585" not in text and "163,356" not in text
    assert "other model choices' are withheld" in text
    assert "I:K, K:R" in text
    # the stepwise steps' p-values too, saying why (a p-value of a combination of few people gives it back)
    assert "['I:K', 'x']" in text and "The p-values of the stepwise steps are withheld (x)" in text


@pytest.mark.slow
@pytest.mark.kernel
def test_hidden_population_withholds_small_numbers_of_people(tmp_path):
    """Issue 14: never "3 people on at least one list" from three people."""
    from evidence.runs.execute import run_notebook

    lists = tmp_path / "three.csv"
    lists.write_text("A,B,count\n1,0,1\n0,1,1\n1,1,1\n", encoding="utf-8")
    outcome = run_notebook(
        "hidden_population", {"data": [str(lists)], "bootstrap_replicates": 0}, out_root=tmp_path / "runs"
    )
    assert outcome.status == "ok", outcome.error
    text, errors = notebook_outputs(Path(outcome.folder) / "hidden_population.ipynb")
    assert not errors
    assert "Estimated total population: withheld" in text and "| \\<5 |" in text  # "<5", escaped
    assert "3 people" not in text and "3 on at least" not in text


@pytest.mark.parametrize("path", sorted((REPO / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_a_role_parameter_defaults_to_the_role_every_command_defaults_to(path):
    """One grammar: `evidence flows`/`trend`/`brief` and every notebook read the same role when none is given,
    so `evidence trend --country THA` and `evidence run trends -p country THA` describe the same victims."""
    from evidence.cli.options import DEFAULT_ROLE

    role = read_notebook(path).parameters.get("role")
    if role is not None:
        assert role.default == DEFAULT_ROLE, path.name


@pytest.mark.parametrize("path", sorted((REPO / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_the_prose_of_a_brief_names_no_parameter_by_its_code_name(path):
    """The routes brief read "by UN M49 region (or subregion, as `regional_level` says)", the hidden-population
    brief "with `max_order`": readers of a brief know no parameter names (its glance box names them in words)."""
    import re

    notebook = json.loads(path.read_text())
    cells = notebook["cells"]
    declared = "".join(
        "".join(c["source"]) for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])
    )
    names = set(re.findall(r"^(\w+)\s*[:=]", declared, flags=re.MULTILINE))
    prose = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert not [name for name in sorted(names) if f"`{name}`" in prose]
    # nor a notebook by its file name ("see the `hidden_population` notebook")
    assert not [p.stem for p in (REPO / "notebooks").glob("*.ipynb") if f"`{p.stem}`" in prose]


def test_hidden_population_sensitivity_text_claims_no_higher_order_three_lists_cannot_hold():
    """Korea's three lists read "the lowest BIC and the downhill search, with interactions between pairs of lists
    and then between more lists at once" above a table of pairs only (three lists allow no more)."""
    from evidence.analyses.estimation.sensitivity import model_choices

    assert {choice.max_order for choice in model_choices(3)} == {1, 2}
    assert max(choice.max_order for choice in model_choices(4)) > 2
    cells = json.loads((REPO / "notebooks" / "hidden_population.ipynb").read_text(encoding="utf-8"))["cells"]
    intro = next(
        " ".join("".join(cell["source"]).split())
        for cell in cells
        if "".join(cell["source"]).startswith("## Sensitivity to the model choice")
    )
    assert "and then between more lists at once" not in intro
    assert "four lists or more" in intro


def test_a_heading_names_the_place_mid_line_as_a_sentence_does():
    """world30: the trends brief's heading read "Victims of Philippines as country of origin" ({place}, the name
    as a line starts with it): mid-line a heading takes {place_in_text}, "the Philippines"."""
    import re

    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        for heading in re.findall(r"heading=f?\"(#+ [^\"]*)\"", source):
            assert "{place}" not in heading or heading.split(" ", 1)[1].startswith("{place}"), (
                path.name,
                heading,
            )


@pytest.mark.slow
@pytest.mark.kernel
def test_hidden_population_says_what_its_labels_mean_once_under_the_estimate(tmp_path):
    """words31's reader: the table of the estimate held its legend as rows ("| | x: withheld so that a small
    number cannot be recomputed from it.") and, under it, the table writer's own legend for x ("withheld,
    though not itself small, so that no small count can be recomputed by subtracting it from a total published
    beside it", of a table without totals). Each label is said once, under the table, as the estimate says it."""
    from evidence.presentation.tables import TABLE_MIME, TableData
    from evidence.runs.execute import run_notebook

    lists = tmp_path / "few_on_none.csv"  # about 181 people, fewer than 5 of them on no list
    lists.write_text("A,B,C,n\n1,0,0,10\n0,1,0,12\n0,0,1,9\n1,1,0,30\n1,0,1,28\n0,1,1,31\n1,1,1,60\n")
    outcome = run_notebook(
        "hidden_population", {"data": [str(lists)], "bootstrap_replicates": 0}, out_root=tmp_path / "runs"
    )
    assert outcome.status == "ok", outcome.error
    nb = json.loads((Path(outcome.folder) / "hidden_population.ipynb").read_text(encoding="utf-8"))
    tables = [
        TableData.from_json(out["data"][TABLE_MIME])
        for cell in nb["cells"]
        for out in cell.get("outputs", [])
        if TABLE_MIME in out.get("data", {})
    ]
    (estimate,) = [t for t in tables if t.caption == "The estimate and how it was reached"]
    assert all(row[0] for row in estimate.rows)  # no row without an item
    assert ("estimated on no list", "<5") in estimate.rows
    notes = " ".join(estimate.notes)
    assert (
        notes.count("x: ") == 1
        and "x: withheld so that a small number cannot be recomputed from it." in notes
    )
    assert notes.count("<5: ") == 1 and "<5: fewer than 5, not shown to protect individuals." in notes
    assert "subtracting" not in notes
