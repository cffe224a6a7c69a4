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


def test_the_methods_say_why_years_before_a_change_in_what_is_reported_are_set_aside(real_tables):
    """Found by the notebooks audit: the United States as destination, 2007–2012 flagged and left out of the
    trend because it counted almost none of its own nationals then; the methods said only that UNODC's counts
    are "never set aside as late registration", and nothing of this rule."""
    from evidence.analyses.selection import Selection
    from evidence.analyses.trends import reporting_changes

    usa = Selection(real_tables[1], country="USA", role="destination", years=(2007, 2021))
    flagged = reporting_changes(usa)
    assert [f.year for f in flagged] == list(range(2012, 2006, -1))
    assert all("counted almost none of its own nationals" in f.reason for f in flagged)
    methods = _prose("trends").split("## Methods and limitations", 1)[1]
    assert "counted almost none of its own nationals" in " ".join(methods.split())
