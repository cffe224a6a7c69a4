"""What the brief's sections say when a source is missing, and which sources they cite (no kernel)."""

from __future__ import annotations

import pytest

from evidence.notebooks import country_views
from evidence.notebooks.country import open_brief
from evidence.presentation.disclosure import DisclosureRule


@pytest.fixture
def shown(monkeypatch, tmp_path):
    import IPython.display

    out: list = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: out.extend(objs))
    monkeypatch.setenv("EVIDENCE_RUN_DIR", str(tmp_path))
    return out


def _text(shown) -> str:
    parts = []
    for obj in shown:
        if isinstance(obj, dict):
            parts.append(obj.get("text/markdown", ""))
        else:
            parts.append(str(getattr(obj, "data", "")))
    return "\n".join(parts)


def test_every_section_without_data_says_why_in_one_sentence(real_tables, shown):
    gsi = real_tables[2]
    brief = open_brief([gsi], DisclosureRule(5), country="THA", role="origin")
    for show in (
        country_views.show_case_section,
        country_views.show_detected_section,
        country_views.show_tier_section,
        country_views.show_together,
    ):
        before = len(shown)
        show(brief)
        said = _text(shown[before:])
        assert len(shown) - before == 1 and said.count(".") >= 1, show.__name__  # one sentence, no table
    text = _text(shown)
    assert "none of the data files given is victim-level case data" in text
    assert "none of the data files given is UNODC GLOTIP country data" in text
    assert "Nothing to set side by side" in text
    country_views.show_estimates_section(brief)
    assert "401,000" in _text(shown)
    assert [t.provenance.source for t in brief.cited.values()] == ["walkfree_gsi"]


def test_a_source_given_but_empty_for_the_brief_names_the_years_it_holds(real_tables, shown):
    case = real_tables[0]
    brief = open_brief(
        [case, real_tables[2]], DisclosureRule(5), country="THA", role="destination", years=(2015, 2018)
    )
    country_views.show_case_section(brief)
    assert "hold nothing for Thailand as country of destination in 2015–2018" in _text(shown)
    assert "years they hold for it: CTDC k-anonymised global dataset" in _text(shown) and ": 2010" in _text(
        shown
    )
    assert not brief.cited


def test_a_brief_that_shows_nothing_is_refused(real_tables, shown):
    from evidence.core.errors import EvidenceError

    brief = open_brief(
        real_tables[:1], DisclosureRule(5), country="THA", role="destination", years=(2015, 2018)
    )
    with pytest.raises(EvidenceError, match="nothing to brief"):
        country_views.finish(brief)


def test_a_breakdown_the_data_do_not_publish_is_one_sentence_not_a_table_of_zeros(real_tables, shown):
    unodc = real_tables[1]
    # Lao PDR publishes detected victims (totals 2007-2015, forms 2017-2020) but no citizenship breakdown
    brief = open_brief([unodc], DisclosureRule(5), country="LAO", role="destination")
    country_views.show_detected_section(brief)
    text = _text(shown)
    assert "Citizenship of the victims detected in Lao PDR: UNODC" in text
    assert "data hold no citizenship breakdown of these victims in 2007–2020." in text
    assert "##### Citizenship" not in text and "Nothing to draw" not in text
    assert not [o for o in shown if isinstance(o, dict) and "image/svg+xml" in o and "Citizenship" in str(o)]
    assert "| 2017 | \\<5 | \\<5 | \\<5 |  |" in text  # its forms, published without a total
    # a dimension with no table names itself (Djibouti publishes no forms in any year)
    shown.clear()
    country_views.show_detected_section(
        open_brief([unodc], DisclosureRule(5), country="DJI", role="destination")
    )
    text = _text(shown)
    assert "Detected victims per year by form: not shown, because the data publish no such breakdown" in text
    assert "No table by this dimension" not in text


def test_every_chart_of_a_demo_brief_is_a_valid_vega_lite_spec(shown, tmp_path, monkeypatch):
    # Charts are drawn from specs altair does not validate (chart_spec): here every chart of a whole demo brief
    # is validated against the Vega-Lite schema once, and must be the spec that was drawn.
    import altair as alt

    from evidence.presentation import charts

    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    drawn: list[tuple[object, dict]] = []
    unvalidated = charts.chart_spec

    def recorded(chart):
        spec = unvalidated(chart)
        drawn.append((chart, spec))
        return spec

    def saved(jobs, **_):  # no drawing: the specs are what is checked here
        for _, path in jobs:
            path.write_text("<svg></svg>")
        return [path for _, path in jobs]

    monkeypatch.setattr(charts, "chart_spec", recorded)
    monkeypatch.setattr(charts, "save_charts", saved)
    brief = country_views.start([], 5, country="THA", role="both", years=(None, None))
    for show in (
        country_views.show_together,
        country_views.show_case_section,
        country_views.show_detected_section,
        country_views.show_tier_section,
        country_views.show_peers_section,
        country_views.show_causes_section,
    ):
        show(brief)
    kinds = set()
    for chart, spec in drawn:
        with alt.theme.enable(charts.THEME_NAME):
            assert chart.to_dict(validate=True) == spec  # raises on a spec the schema does not allow
        kinds.add(next(k for k in ("layer", "hconcat", "mark") if k in spec))
    assert len(drawn) >= 15 and kinds == {"layer", "hconcat", "mark"}  # the brief's charts, of every form
