from __future__ import annotations

import polars as pl


def test_show_table_offers_html_and_markdown(monkeypatch):
    import IPython.display

    from evidence.notebooks import views

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    frame = pl.DataFrame({"flow_class": ["domestic", "a|b"], "victims": ["1,234", "<5"]})
    views.show_table(frame, caption="Routes", note="Counts below 5 are shown as <5.")
    (bundle,) = shown
    assert bundle["text/markdown"].splitlines()[:4] == [
        "**Routes**",
        "",
        "| flow class | victims |",
        "|:---|---:|",
    ]
    assert (
        "a\\|b" in bundle["text/markdown"] and "*Counts below 5 are shown as <5.*" in bundle["text/markdown"]
    )
    assert "<caption" in bundle["text/html"] and "&lt;5" in bundle["text/html"]
    assert 'style="text-align:right">1,234</td>' in bundle["text/html"]


def test_trend_sections_show_tables_and_charts_and_keep_what_later_sections_need(tmp_path, monkeypatch):
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import YearlyNumbers
    from evidence.notebooks.views import show_break, show_dimension_section, show_yearly_section
    from evidence.presentation.disclosure import DisclosureRule
    from evidence.sources.demo import write_demo
    from evidence.sources.registry import load

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.chdir(tmp_path)
    table = load(write_demo(tmp_path / "demo.csv", n_rows=3000))
    selection = Selection(table, country="THA", role="destination", years=(2010, 2023))
    options = {"place": "Thailand", "source": "demo"}
    section = show_yearly_section(selection, DisclosureRule(5), dimension="gender", **options)
    assert isinstance(section, YearlyNumbers)
    assert section.counts["year"].to_list() == list(range(2010, 2024))
    assert 2023 in section.flagged  # the release's final year: late registration
    assert section.by_category is not None
    n_before = len(shown)
    show_dimension_section(section, **options)
    show_break(section)
    assert len(shown) > n_before
    nobody = show_yearly_section(
        selection.replace(country="ISL"), DisclosureRule(5), dimension=None, **options
    )
    assert nobody is None
