"""The trends notebook's tables by a dimension: a doubtful breakdown is noted with its reason, and a note refers
only to the tables the run shows (review 12 m6, m7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _indicator import indicator_rows

from evidence.analyses import routes, trends
from evidence.analyses.selection import Selection
from evidence.notebooks import views
from evidence.notebooks.builders import (
    DOUBTFUL_BREAKDOWN,
    NO_TOTAL_PUBLISHED,
    doubtful_reason,
    no_breakdown_note,
    yearly_numbers,
)
from evidence.presentation.disclosure import DisclosureRule

RULE = DisclosureRule(5)
REPO = Path(__file__).resolve().parents[2]


def _usa_sexes() -> Selection:
    """2016 a sound breakdown by sex; 2017 categories above the total (Other and Unknown 153 each)."""
    rows = [
        ("USA", 2016, "Total", "Total", "Total", "Total", 5582),
        ("USA", 2016, "Total", "Total", "Female", "Total", 4300),
        ("USA", 2016, "Total", "Total", "Male", "Total", 1182),
        ("USA", 2016, "Total", "Total", "Unknown", "Total", 100),
        ("USA", 2017, "Total", "Total", "Total", "Total", 8003),
    ]
    rows += [
        ("USA", 2017, "Total", "Total", sex, "Total", n)
        for sex, n in (("Female", 6568), ("Male", 1282), ("Other", 153), ("Unknown", 153))
    ]
    return Selection(indicator_rows(rows), country="USA", role="destination")


def test_a_doubtful_breakdown_is_shown_as_published_noted_and_not_used():
    numbers = yearly_numbers(_usa_sexes(), RULE, by="gender")
    assert numbers.doubtful == {2017: trends.DOUBTFUL_OVER_TOTAL}
    assert numbers.by_counts is not None and set(numbers.by_counts["year"].to_list()) == {2016}  # not used
    shown = {r["year"]: r for r in numbers.by_category.shown().iter_rows(named=True)}  # type: ignore[union-attr]
    assert shown["2017"]["note"] == DOUBTFUL_BREAKDOWN and shown["2016"]["note"] == ""
    assert (shown["2017"]["Other"], shown["2017"]["Unknown"]) == ("153", "153")  # as published
    note = no_breakdown_note(numbers) or ""
    assert note.startswith(
        "Breakdown not usable (doubtful): in 2017 the breakdown by sex of the United States is doubtful: "
        + doubtful_reason(trends.DOUBTFUL_OVER_TOTAL)
    )
    assert "That row is shown as UNODC published it" in note
    # a category's series, its models, never read the doubtful year
    series = numbers.series("Other")
    assert series is not None and 2017 not in series["year"].to_list()


def test_a_sound_breakdown_is_not_noted():
    numbers = yearly_numbers(_usa_sexes().replace(years=(2016, 2016)), RULE, by="gender")
    assert numbers.doubtful == {}
    assert "doubtful" not in (no_breakdown_note(numbers) or "")


def _forms_without_total_and_corridors() -> Selection:
    """Forms in 2015 with no total; a total and a citizenship breakdown in 2016-2017."""
    rows = [
        ("NGA", 2015, "by form of exploitation", "Sexual exploitation", "Total", "Total", 40),
        ("NGA", 2015, "by form of exploitation", "Forced labour", "Total", "Total", 20),
    ]
    for year in (2016, 2017):
        rows += [
            ("NGA", year, "Total", "Total", "Total", "Total", 100),
            ("NGA", year, "by citizenship", "Nationals", "Total", "Total", 80),
            ("NGA", year, "by citizenship", "BEN", "Total", "Total", 20),
        ]
    return Selection(indicator_rows(rows), country="NGA", role="destination")


def test_the_no_total_note_refers_only_to_the_tables_the_run_shows():
    """REVIEW12 m6: by corridor, "(see the table by form of exploitation)" named a table the run does not show."""
    numbers = yearly_numbers(_forms_without_total_and_corridors(), RULE, by="corridor", span=(2015, 2017))
    see = "(see the table by form of exploitation)"
    corridor = views.no_data_note(numbers, tables=["corridor"]) or ""
    assert corridor.startswith(f"{NO_TOTAL_PUBLISHED.capitalize()}: UNODC gives these victims by form of")
    assert "see the table" not in corridor
    assert see in (views.no_data_note(numbers, tables=["form"]) or "")
    assert see in (views.no_data_note(numbers) or "")  # every breakdown table shown (the country brief)
    assert "see the table" not in (views.no_data_note(numbers, tables=False) or "x")
    assert "see the table" not in (views.no_data_note(numbers, tables=["gender", "none"]) or "x")


def test_the_trends_notebook_passes_the_table_it_shows():
    notebook = json.loads((REPO / "notebooks" / "trends.ipynb").read_text())
    code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    assert "tables=[dimension] if dimension else []" in code


@pytest.fixture(scope="module")
def glotip(shared_data):
    from evidence.sources.cache import load_cached

    return load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")


def test_real_nigeria_by_corridor_notes_2017_as_the_routes_do_and_no_table_by_form(glotip):
    """REVIEW12 m6: `trends -p country NGA -p role destination -p by corridor`: 2017 sums to 88–100 against
    1,890 without Nigeria's own nationals, a breakdown the routes call doubtful."""
    nga = Selection(glotip, country="NGA", role="destination")
    numbers = yearly_numbers(nga, RULE, by="corridor", span=(2004, 2021))  # the span the notebook gives it
    assert numbers.doubtful == {2017: routes.DOUBTFUL_PARTIAL}
    shown = {r["year"]: r for r in numbers.by_category.shown().iter_rows(named=True)}  # type: ignore[union-attr]
    assert shown["2017"]["note"] == DOUBTFUL_BREAKDOWN
    assert (shown["2017"]["Published total"], shown["2017"]["Sum of categories"]) == ("1,890", "88–100")
    note = no_breakdown_note(numbers) or ""
    assert "in 2017 the citizenship breakdown of Nigeria (which this table reads) is doubtful" in note
    assert doubtful_reason(routes.DOUBTFUL_PARTIAL) in note
    said = views.no_data_note(numbers, tables=["corridor"]) or ""
    assert "No total published" in said and "see the table" not in said


def test_real_united_states_by_gender_notes_its_doubtful_2017_and_2018(glotip):
    """REVIEW12 m7: Other 153 | Unknown 153 (2017), 205 | 205 (2018), sums above the total, said."""
    numbers = yearly_numbers(Selection(glotip, country="USA", role="destination"), RULE, by="gender")
    assert numbers.doubtful == {2017: trends.DOUBTFUL_OVER_TOTAL, 2018: trends.DOUBTFUL_OVER_TOTAL}
    assert "in 2017–2018 the breakdown by sex of the United States is doubtful" in (
        no_breakdown_note(numbers) or ""
    )
    assert not yearly_numbers(Selection(glotip, country="USA", role="destination"), RULE, by="form").doubtful


@pytest.mark.slow
@pytest.mark.kernel
def test_the_trends_notebook_shows_a_breakdown_published_without_a_total(tmp_path, shared_data):
    """The routes and trends audit on the real workbook: Cambodia as destination by form said "No detected
    victims in this selection" in its section by form, under a section that had just said UNODC's table holds
    its breakdown by form (2007, 2017–2020). The notebook shows that breakdown, said to have no total."""
    from evidence.runs.execute import run_notebook

    workbook = shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"
    parameters = {"country": "KHM", "role": "destination", "by": "form", "data": [str(workbook)]}
    outcome = run_notebook("trends", parameters, out_root=tmp_path)
    assert outcome.status == "ok", outcome.error
    nb = json.loads((Path(outcome.folder) / "trends.ipynb").read_text(encoding="utf-8"))
    shown = [
        "".join(value) if isinstance(value, list) else str(value)
        for cell in nb["cells"]
        for out in cell.get("outputs", [])
        for value in out.get("data", {}).values()
    ]
    text = "\n".join(shown)
    assert "UNODC gives no total of these victims (see above), but gives them by form of exploitation" in text
    assert "| 2007 | 12 |  | 30 |" in text
    assert "No detected victims of Cambodia as country of destination." not in text
