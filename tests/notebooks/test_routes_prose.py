"""The routes notebook's prose states the rules its analyses apply."""

import inspect
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _prose(name: str) -> str:
    cells = json.loads((REPO / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    text = " ".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return " ".join(text.split())


def test_the_later_period_of_new_corridors_is_said_as_the_analysis_takes_it(real_tables):
    """Found by the notebooks audit: "new when it had no victims before the last three years of the selection";
    Malaysia as destination, 2008–2021, listed corridors "new" in 2016–2018, the last three years of UNODC's
    citizenship breakdowns of Malaysia (2014–2018), not of the selection."""
    from evidence.analyses import routes
    from evidence.analyses.selection import Selection

    later_years = inspect.signature(routes.emerging_periods).parameters["later_years"].default
    malaysia = Selection(real_tables[1], country="MYS", role="destination", years=(2008, 2021))
    assert routes.emerging_periods(malaysia, later_years=later_years).later == (2016, 2018)
    prose = _prose("routes")
    assert "last three years of the selection" not in prose
    assert {3: "three"}[later_years] + " years with data on these routes" in prose


def test_the_routes_prose_never_names_a_selection():
    """Reader audit: the routes brief's prose read "the selection's flows", "data on the selection's routes,
    which can end before the selection does", "a year without any record of the selection": a reader chose no
    selection (the toolkit's country, role and years); the brief's years and these routes are what they read."""
    import re

    assert not re.search(r"\bselection\b", _prose("routes"))


def test_the_least_victims_of_a_new_corridor_is_said_as_the_analysis_takes_it():
    """world30: the routes briefs at threshold 11 said a corridor is new with "at least five" victims in the later
    period, where show_emerging asks for the threshold's 11 (a smaller number would be withheld)."""
    from evidence.notebooks import views

    source = inspect.getsource(views.show_emerging)
    assert "min_victims=max(5, rule.threshold)" in source
    prose = _prose("routes")
    new = prose[prose.index("*new* when") :].split(".")[0]
    assert "at least five in it, or the disclosure threshold where that is higher" in new


def test_the_route_charts_name_the_place_and_role_as_the_other_briefs_do():
    """A reader of the Philippines' routes brief read "Largest routes, Philippines" and "Largest routes of detected
    victims, Philippines" over the charts, where the trends and country briefs title theirs "…, the Philippines as
    country of origin or destination": the route charts name the place as a sentence does mid-title, with whose
    victims (the role) they count."""
    cells = json.loads((REPO / "notebooks" / "routes.ipynb").read_text(encoding="utf-8"))["cells"]
    code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    titles = [line.strip() for line in code.splitlines() if "title=f" in line and "Largest routes" in line]
    assert len(titles) == 2, titles
    assert all("{opened.place_as(selection.role, in_text=True)}" in t for t in titles), titles
    assert "{opened.place}" not in code
