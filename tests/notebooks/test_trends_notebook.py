"""The trends notebook run on real data: what its figures say."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.slow
@pytest.mark.kernel
def test_the_yearly_chart_of_a_countrys_nationals_says_whose_victims_it_counts(tmp_path, shared_data):
    """Found by the notebooks audit: the trends notebook's chart of Thailand's nationals (4,053–4,218 detected
    anywhere) was titled "Detected victims per year, Thailand", which reads as the victims Thailand detected
    (6,944); the country brief's same chart says "Thailand as country of origin"."""
    from evidence.runs.execute import run_notebook

    unodc = shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"
    outcome = run_notebook(
        "trends", {"country": "THA", "role": "origin", "by": "none", "data": [str(unodc)]}, out_root=tmp_path
    )
    assert outcome.status == "ok", outcome.error
    figures = {
        p.name: p.read_text(encoding="utf-8") for p in (Path(outcome.folder) / "figures").glob("*.svg")
    }
    yearly = [text for name, text in figures.items() if "Detected victims per year" in text]
    assert yearly, sorted(figures)
    assert all("Detected victims per year, Thailand as country of origin" in text for text in yearly)
