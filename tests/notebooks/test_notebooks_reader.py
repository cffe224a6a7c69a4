"""The packaged notebooks as a reader of their briefs meets them, on the real shared files and the demo data: one
sentence per citation, one definition per concept across briefs, sources under their heading and only the files a
brief uses, no chart of a single point."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from _notebooks import notebook_outputs

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.kernel
def test_hidden_population_cites_its_real_lists_in_one_sentence(tmp_path, shared_data):
    """The Kosovo lists' citation ends with its own full stop: the brief printed "…MultipleSystemsEstimation).."."""
    from evidence.runs.execute import run_notebook

    kosovo = shared_data / "mse" / "kosovo_1999_4list" / "Kosovo.csv"
    outcome = run_notebook(
        "hidden_population", {"data": [str(kosovo)], "bootstrap_replicates": 0}, out_root=tmp_path
    )
    assert outcome.status == "ok", outcome.error
    text, errors = notebook_outputs(Path(outcome.folder) / "hidden_population.ipynb")
    assert not errors
    (line,) = [re.sub(r"<[^>]+>", "", line) for line in text.splitlines() if line.startswith("**Data.**")]
    assert "Ball, P." in line and "MultipleSystemsEstimation" in line
    assert ".." not in line.replace("...", "…"), line
    assert line.endswith(".")


def test_routes_says_what_a_ctdc_destination_is_as_the_country_brief_does():
    """One definition of the CTDC destination across briefs: the routes brief said "where the victim was first
    assisted", the country brief (and its caveat) "where the victim was identified or assisted"."""
    from evidence.notebooks.country import CAVEATS

    nb = json.loads((REPO / "notebooks" / "routes.ipynb").read_text(encoding="utf-8"))
    prose = " ".join(
        " ".join("".join(cell["source"]).split()) for cell in nb["cells"] if cell["cell_type"] == "markdown"
    )
    assert "where the victim was identified or assisted" in CAVEATS["case"]
    assert "in CTDC data, where the victim was identified or assisted" in prose
    assert "first assisted" not in prose


@pytest.mark.slow
@pytest.mark.kernel
def test_causes_consequences_gives_its_sources_under_a_heading_after_its_caveats(tmp_path, monkeypatch):
    """As the routes and trends briefs do: the table of files read ("Source and release", rows kept and
    rejected) was the first thing under the title, with no heading, before "What these numbers can and cannot
    say"."""
    from evidence.runs.execute import run_notebook

    monkeypatch.delenv("EVIDENCE_DATA", raising=False)
    outcome = run_notebook("causes_consequences", {"country": "THA"}, out_root=tmp_path)
    assert outcome.status == "ok", outcome.error
    text, errors = notebook_outputs(Path(outcome.folder) / "causes_consequences.ipynb")
    assert not errors
    caveats = text.index("What these numbers can and cannot say")
    heading = text.index("## Data and sources")
    assert caveats < heading < text.index("Source and release") < text.index("## The person")


@pytest.mark.slow
@pytest.mark.kernel
def test_causes_consequences_lists_no_case_file_that_holds_none_of_its_victims(tmp_path, shared_data):
    """Viet Nam with the Victim–Perpetrator synthetic file (UN regions only, never countries) and the GSI: the
    brief listed the file in its table of sources and its source line, though no number of it is shown (its
    glance box rightly left it out), and told readers to "set `person_scope` to `all`", a parameter's code name."""
    from evidence.runs.execute import run_notebook

    vp = shared_data / "ctdc" / "vp_synthetic_condensed.csv"
    gsi = shared_data / "walkfree" / "gsi_2023.xlsx"
    outcome = run_notebook(
        "causes_consequences", {"country": "VNM", "data": [str(vp), str(gsi)]}, out_root=tmp_path
    )
    assert outcome.status == "ok", outcome.error
    text, errors = notebook_outputs(Path(outcome.folder) / "causes_consequences.ipynb")
    assert not errors
    sources = text[text.index("## Data and sources") : text.index("## The person")]
    assert "Walk Free" in sources
    assert "Not used" in sources and "records UN regions only, never countries" in sources
    assert sources.count("Victim–Perpetrator") == 1, (
        sources
    )  # named once, as not used; neither listed nor cited
    assert "person_scope" not in text


@pytest.mark.slow
@pytest.mark.kernel
def test_causes_consequences_says_how_many_victims_its_person_section_covers(tmp_path, monkeypatch):
    """The demo's Fiji as destination at 5 (six victims): "What is recorded", the one table that printed the
    selection's total, is left out, and the brief never said how many victims its person section covers. Its
    scope sentence says so, the number the country brief's headline prints."""
    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import route_numbers
    from evidence.presentation.disclosure import DisclosureRule
    from evidence.runs.execute import run_notebook
    from evidence.sources.cache import load_cached
    from evidence.sources.demo import demo_path

    monkeypatch.delenv("EVIDENCE_DATA", raising=False)
    selection = Selection(load_cached(demo_path()), country="FJI", role="destination")
    headline = route_numbers(selection, DisclosureRule(5)).key_figures()["Victims"][0]
    outcome = run_notebook(
        "causes_consequences", {"country": "FJI", "role": "destination"}, out_root=tmp_path
    )
    assert outcome.status == "ok", outcome.error
    text, errors = notebook_outputs(Path(outcome.folder) / "causes_consequences.ipynb")
    assert not errors
    person = re.sub(r"<[^>]+>", "", text[text.index("## The person") : text.index("## Society")])
    recorded = person[person.index("What is recorded") :]
    assert recorded.removeprefix("What is recorded").lstrip().startswith("Not shown")  # the table is left out
    assert (
        f"This section covers the {headline} victims in the case data with Fiji as country of destination"
        in (person)
    )


@pytest.mark.slow
@pytest.mark.kernel
def test_trends_says_what_a_count_of_a_country_as_origin_or_destination_adds_up(tmp_path, shared_data):
    """Thailand, UNODC, role both: 1,135–1,147 detected victims in 2015 are the 982 Thailand detected and the
    nationals of Thailand other countries detected; the table and chart said only "Detected victims per year,
    Thailand as country of origin or destination", which reads as either count."""
    from evidence.runs.execute import run_notebook

    unodc = shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"
    outcome = run_notebook(
        "trends", {"country": "THA", "by": "none", "data": [str(unodc)]}, out_root=tmp_path
    )
    assert outcome.status == "ok", outcome.error
    text, errors = notebook_outputs(Path(outcome.folder) / "trends.ipynb")
    assert not errors
    words = " ".join(re.sub(r"<[^>]+>", " ", text).split())
    said = (
        "Counted: the victims Thailand detected, of any citizenship (its published total), and the nationals of "
        "Thailand other countries detected (summed over their citizenship breakdowns), each once."
    )
    assert said in words
    chart = next((Path(outcome.folder) / "figures").glob("trend_*_both.svg")).read_text(encoding="utf-8")
    assert "other countries detected" in " ".join(re.sub(r"<[^>]+>", " ", chart).split())
