"""The trends notebook's methods prose states the rules the analyses apply, with their values."""

import json
from pathlib import Path

from evidence.analyses.trends import MATERIAL_SHARE

REPO = Path(__file__).resolve().parents[2]


def _prose(name: str) -> str:
    cells = json.loads((REPO / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    return " ".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown").replace("\n", " ")


def test_the_methods_give_the_share_of_missing_reporters_that_flags_a_year_as_the_analysis_does():
    # the brief's own sentence says "at least 25% of these victims"; the methods said "a tenth or more"
    prose = " ".join(_prose("trends").split())
    assert f"{MATERIAL_SHARE:.0%} or more of them published no full breakdown" in prose
    assert "a tenth or more" not in prose
