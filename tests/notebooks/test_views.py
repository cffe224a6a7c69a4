from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from _ages import WRITTEN_BANDS, coded_ages, in_one_style, low_end
from hypothesis import given
from hypothesis import strategies as st

from evidence.core.errors import ParameterError
from evidence.presentation.disclosure import DisclosureRule, find_small_counts
from evidence.presentation.tables import TABLE_MIME, TableData


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
    assert "a\\|b" in bundle["text/markdown"]
    assert "Counts below 5 are shown as \\<5." in bundle["text/markdown"]  # escaped: reads as "<5"
    assert "<caption" in bundle["text/html"] and "&lt;5" in bundle["text/html"]
    assert 'style="text-align:right">1,234</td>' in bundle["text/html"]
    # the table's data travel with it, for briefs
    data = TableData.from_json(bundle[TABLE_MIME])
    assert data.rows == (("domestic", "1,234"), ("a|b", "<5"))
    assert data.caption == "Routes" and data.notes == ("Counts below 5 are shown as <5.",)


def test_a_note_column_without_a_note_is_not_shown(monkeypatch):
    # the fourth review: Myanmar's detected victims per year had an empty, right-aligned "Note" column
    import IPython.display

    from evidence.notebooks import views
    from evidence.presentation.disclosure import suppress_counts

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    labels = {"year": "Year", "note": "Note", "victims": "Victims"}
    frame = pl.DataFrame({"year": ["2019", "2020"], "note": ["", None], "victims": ["12", "30–33"]})
    views.show_table(frame, labels=labels, kinds={"note": "label", "victims": "people"})
    protected = suppress_counts(
        pl.DataFrame({"year": ["2019", "2020"], "note": ["", ""], "victims": [12, 30]}), "victims"
    )
    views.show_table(protected, labels=labels, source="Test")
    noted = frame.with_columns(note=pl.Series(["", "probably incomplete"]))
    views.show_table(noted, labels=labels)
    headers = [bundle["text/markdown"].splitlines()[0] for bundle in shown]
    assert headers == ["| Year | Victims |", "| Year | Victims |", "| Year | Note | Victims |"]
    assert TableData.from_json(shown[1][TABLE_MIME]).rows == (("2019", "12"), ("2020", "30"))


def test_show_table_says_what_numbers_count(monkeypatch):
    import IPython.display

    from evidence.notebooks import views

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    frame = pl.DataFrame({"Year": ["2020"], "Countries": ["3"], "Values": ["4"]})
    views.show_table(frame, kinds={"Year": "years", "Countries": "countries", "Values": "values"})
    (bundle,) = shown
    assert 'data-kind="countries"' in bundle["text/html"]
    assert find_small_counts(bundle["text/html"]) == []
    views.show_table(frame)  # kinds not declared: the scanner guesses, and takes 3 countries for 3 people
    assert find_small_counts(shown[-1]["text/html"])
    with pytest.raises(ParameterError, match="kind"):
        views.show_table(frame, kinds={"Countries": "nations"})


def test_show_table_refuses_raw_counts_and_says_how_to_protect_them(monkeypatch, shared_data):
    """A researcher shows what an analysis returned: its counts have not passed the rule (Thailand 2020-2021: a
    route of 2-8 victims), and were shown as they are. Now refused, naming the columns and the way out;
    protected, the same table shows; numbers said to count something else, or a year, show as they are."""
    import IPython.display

    from evidence.analyses import routes
    from evidence.analyses.selection import Selection
    from evidence.notebooks import builders, views
    from evidence.sources.cache import load_cached

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    unodc = load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    flows = routes.flows(Selection(unodc, country="THA", role="destination", years="2020-2021"))
    raw = flows.select("origin_iso3", "victims_low", "victims_high")
    assert raw["victims_low"].min() < 5  # small counts a reader must not see as they are
    with pytest.raises(ParameterError, match=r"'victims_low', 'victims_high' have not.*builders.protect\("):
        views.show_table(raw)
    with pytest.raises(ParameterError, match="have not"):  # saying they count people changes nothing
        views.show_table(raw, kinds={"victims_low": "people", "victims_high": "people"})
    assert shown == []
    protected = builders.protect(raw, "origin_iso3", "victims_low", DisclosureRule(5))
    views.show_table(protected, source="UNODC GLOTIP")
    assert any("<5" in row for row in TableData.from_json(shown[-1][TABLE_MIME]).rows)
    with pytest.raises(ParameterError, match=r"kinds=\{'share': 'statistic'\}") as refused:
        views.show_table(raw.with_columns(share=pl.lit(0.5)))
    assert "'victims_low': 'statistic'" not in str(refused.value)  # never advice to mark counts so
    shares = pl.DataFrame({"year": [2020, 2021], "share": [0.25, 0.5]})
    views.show_table(shares, kinds={"share": "statistic"})
    assert TableData.from_json(shown[-1][TABLE_MIME]).rows == (("2020", "0.25"), ("2021", "0.5"))


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


def test_show_charts_says_so_for_a_chart_with_nothing_to_draw_and_draws_the_others(tmp_path, monkeypatch):
    import altair as alt
    import IPython.display

    from evidence.notebooks.runtime import RUN_DIR_ENV
    from evidence.notebooks.views import NOTHING_TO_DRAW, show_charts

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path))
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    drawn = alt.Chart(pl.DataFrame({"x": ["a", "b"], "y": [1, 2]})).mark_bar().encode(x="x:N", y="y:Q")
    nothing = alt.Chart(pl.DataFrame({"x": [], "y": []}, schema={"x": pl.String, "y": pl.Int64})).mark_bar()
    show_charts([(nothing, "nothing"), (drawn, "drawn")])
    assert [type(obj).__name__ for obj in shown] == ["Markdown", "dict"]
    assert shown[0].data == NOTHING_TO_DRAW
    # the SVG as the converter wrote it (a bundle shown raw), the same file the run keeps
    assert shown[1] == {"image/svg+xml": (tmp_path / "figures" / "drawn.svg").read_text(encoding="utf-8")}
    assert (tmp_path / "figures" / "drawn.svg").exists() and not (
        tmp_path / "figures" / "nothing.svg"
    ).exists()


def test_an_svg_with_a_prolog_is_shown_as_its_svg_element() -> None:
    from evidence.notebooks.views import svg_bundle

    bare = '<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"><rect width="1" height="1"/></svg>'
    assert svg_bundle(bare) == {"image/svg+xml": bare}
    shown = svg_bundle('<?xml version="1.0"?>\n<!DOCTYPE svg>\n' + bare)["image/svg+xml"]
    assert shown.startswith("<svg") and "<?xml" not in shown and "DOCTYPE" not in shown


def test_one_year_is_a_table_row_not_a_chart(tmp_path, monkeypatch):
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks.runtime import RUN_DIR_ENV
    from evidence.notebooks.views import show_dimension_section, show_yearly_section
    from evidence.presentation.disclosure import DisclosureRule
    from evidence.sources.demo import write_demo
    from evidence.sources.registry import load

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path / "run"))
    table = load(write_demo(tmp_path / "demo.csv", n_rows=3000))
    options = {"place": "Thailand", "source": "demo"}
    for years, charts_expected in (((2015, 2015), 0), ((2014, 2015), 2)):
        shown.clear()
        selection = Selection(table, country="THA", role="destination", years=years)
        section = show_yearly_section(selection, DisclosureRule(5), dimension="form", **options)
        assert section is not None
        show_dimension_section(section, **options)
        assert sum(isinstance(obj, dict) and "image/svg+xml" in obj for obj in shown) == charts_expected, (
            years
        )


def test_a_notebook_about_one_country_uses_warns_about_and_cites_only_the_files_holding_its_victims(
    tmp_path, monkeypatch, fixtures
):
    import json
    import shutil

    import IPython.display

    from evidence.notebooks import runtime, views
    from evidence.sources.demo import write_demo

    shown: list[str] = []
    monkeypatch.setattr(
        IPython.display, "display", lambda obj, raw=False: shown.append(getattr(obj, "data", ""))
    )
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv(runtime.RUN_DIR_ENV, str(tmp_path))
    monkeypatch.chdir(tmp_path)
    real = shutil.copy(fixtures / "ctdc" / "k_anon_small.csv", tmp_path / "real.csv")  # Thailand: 2012
    # a publisher's synthetic release (the demo's records without the demo's sidecar and marker column) with no
    # Thai victims
    from evidence.sources.provenance import DEMO_MARKER

    records = pl.read_csv(write_demo(tmp_path / "demo.csv", n_rows=400), infer_schema_length=None).drop(
        DEMO_MARKER
    )
    synthetic = tmp_path / "synthetic.csv"
    records.filter((pl.col("citizenship") != "THA") & (pl.col("CountryOfExploitation") != "THA")).write_csv(
        synthetic
    )
    opened = views.open_selections(
        "routes",
        [str(real), str(synthetic)],
        5,
        country="THA",
        role="destination",
        years=(None, None),
        heading="## Routes into {place}, {years}",
    )
    text = "\n".join(shown)
    assert opened.years == (2012, 2012) and "## Routes into Thailand, 2012" in text  # the span the data hold
    assert [s.loaded.provenance.path for s in opened.selections] == [str(real.resolve())]
    assert "Synthetic records" not in text  # the synthetic file is loaded, not used
    # one file: "it holds" (the routes audit: "they hold" of one file)
    assert "Not used, because it holds no victims of Thailand as country of destination in 2012" in text
    assert "CTDC Global Synthetic Dataset" in text
    assert opened.cite(opened.selections[0].loaded) == views.source_line([opened.selections[0].loaded])
    cited = {
        Path(e["path"]).name: e["cited"] for e in json.loads((tmp_path / runtime.PROVENANCE_FILE).read_text())
    }
    assert cited == {"real.csv": True, "synthetic.csv": False}  # a brief of this run lists the real file only
    # and so does its table of data and sources (the demo trends brief listed GSI and TIP files it never read)
    bundles: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: bundles.append(obj))
    views.show_sources(opened)
    sources_text = "\n".join(str(b) for b in bundles)
    assert "CTDC Global Synthetic Dataset" not in sources_text and "k-anonymised" in sources_text
    # the same release holding Thai victims is used, and warned about by its name
    monkeypatch.setattr(
        IPython.display, "display", lambda obj, raw=False: shown.append(getattr(obj, "data", ""))
    )
    shown.clear()
    records.write_csv(synthetic)
    opened = views.open_selections(
        "routes", [str(synthetic)], 5, country="THA", role="destination", years=(None, None), heading="#"
    )
    assert opened.selections and "Synthetic records" in "\n".join(shown)
    assert "CTDC Global Synthetic Dataset" in "\n".join(shown)


def test_a_series_whose_reporters_come_and_go_shows_its_steady_reporters_trend(tmp_path, monkeypatch):
    import IPython.display
    from _indicator import coming_and_going

    from evidence.analyses.selection import Selection
    from evidence.notebooks.runtime import RUN_DIR_ENV
    from evidence.notebooks.views import show_yearly_section
    from evidence.presentation.disclosure import DisclosureRule

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path / "run"))
    rows = coming_and_going("<b>")
    selection = Selection(rows, country="MMR", role="origin")
    numbers = show_yearly_section(
        selection, DisclosureRule(5), dimension=None, place="Myanmar as origin", source="test"
    )
    assert numbers is not None and numbers.panel is not None
    texts = [obj.data for obj in shown if type(obj).__name__ == "Markdown"]
    # the ten years that miss a reporter are said once, not one by one
    assert not [t for t in texts if t.startswith("- **")]
    assert sum("set of reporting countries changes" in t for t in texts) == 1
    (described,) = [t for t in texts if "complete citizenship breakdown every year" in t]
    assert "\\<b\\>" in described and "<b>" not in described  # a reporter's code from the data is text
    assert any("victims detected by these countries" in t for t in texts)  # the trend: the panel's
    tables = [obj for obj in shown if isinstance(obj, dict) and "text/markdown" in obj]
    assert any("the countries that reported every year" in t["text/markdown"] for t in tables)
    assert sum(isinstance(obj, dict) and "image/svg+xml" in obj for obj in shown) == 2
    for obj in shown:
        html = obj.get("text/html", "") if isinstance(obj, dict) else getattr(obj, "data", "")
        assert not find_small_counts(html)


def test_unmapped_citizenships_table_marks_the_files_strings_as_labels(tmp_path, monkeypatch):
    """A digit inside a citizenship string of the file ("Other (3)") is text, not a count the brief's scan
    would refuse; the detected victims beside it are still checked."""
    from types import SimpleNamespace

    import IPython.display
    from _glotip import write_small_glotip

    from evidence.notebooks import views
    from evidence.presentation.disclosure import DisclosureRule
    from evidence.sources.unodc import load

    loaded = load(
        write_small_glotip(tmp_path / "g.xlsx", [("THA", "Myanmar", "60"), ("THA", "Other (3) <b>", "30")])
    )
    shown: list = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    views.show_unmapped_citizenships(SimpleNamespace(tables=[loaded], rule=DisclosureRule(5)))
    (table,) = [obj for obj in shown if isinstance(obj, dict) and "text/html" in obj]
    assert "Other (3) &lt;b&gt;" in table["text/html"]
    assert find_small_counts(table["text/html"]) == []
    assert 'data-kind="people"' in table["text/html"]


def test_growing_corridors_of_too_short_a_span_are_one_sentence_not_an_error(monkeypatch):
    """The routes notebook crashed (no earlier period) for any span of three years or fewer."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks.views import show_emerging
    from evidence.sources.case_schema import conform

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    records = [
        {"year": year, "origin_iso3": "MMR", "destination_iso3": "THA"} for year in (2019, 2020, 2021)
    ] * 12
    table = conform(pl.DataFrame(records))
    show_emerging(Selection(table, country="THA", role="destination", years=(2019, 2021)))
    (sentence,) = shown
    assert "too short a span" in sentence.data and "2019" in sentence.data  # type: ignore[attr-defined]
    shown.clear()
    show_emerging(Selection(table.filter(pl.col("year") == 2020), country="THA", role="destination"))
    assert "too short a span" in shown[0].data  # type: ignore[attr-defined]


def test_unodc_tables_by_sex_explain_their_sum_without_forms(monkeypatch):
    import IPython.display
    from _indicator import BOLIVIA_2017, indicator_rows

    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import yearly_numbers
    from evidence.notebooks.views import show_dimension_section
    from evidence.presentation.disclosure import DisclosureRule

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    rows = indicator_rows(
        [
            *BOLIVIA_2017,
            ("BOL", 2018, "Total", "Total", "Total", "Total", 332),
            ("BOL", 2018, "Total", "Total", "Female", "Total", 93),
            ("BOL", 2018, "Total", "Total", "Male", "Total", 205),
            ("BOL", 2018, "Total", "Total", "Unknown", "Unknown", 34),
        ]
    )
    numbers = yearly_numbers(Selection(rows, country="BOL", role="destination"), DisclosureRule(5), by="sex")
    show_dimension_section(numbers, place="Bolivia", source="test")
    markdown = shown[0]["text/markdown"]  # type: ignore[index]
    assert "| Female | Male | Unknown | Published total |" in markdown
    assert "Sum of categories" in markdown  # 2017 publishes no Unknown: 344 of 397
    assert "several" not in markdown and "does not cover every victim" in markdown


def test_a_dimension_the_data_do_not_break_down_by_is_named(monkeypatch):
    # UNODC origin by form: the yearly section says "Not available by form" and falls back to the victims per
    # year, whose numbers have no dimension; the dimension section names it, never "per year by :"
    import IPython.display
    from _indicator import indicator_rows

    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import yearly_numbers
    from evidence.notebooks.views import show_dimension_section
    from evidence.presentation.disclosure import DisclosureRule

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    rows = indicator_rows([("BOL", 2017, "Total", "Total", "Total", "Total", 397)])
    numbers = yearly_numbers(Selection(rows, country="BOL", role="destination"), DisclosureRule(5))
    assert numbers.by is None
    show_dimension_section(numbers, place="Bolivia", source="test", dimension="form")
    show_dimension_section(numbers, place="Bolivia", source="test")
    texts = [str(getattr(obj, "data", obj)) for obj in shown]
    assert "No breakdown by form" in texts[0] and "by this dimension" in texts[1]
    assert not any("by :" in t or "by  " in t for t in texts)
    # a reader chose no "selection" (Cambodia's trends brief: "… in these data for this selection (see above)")
    assert texts[0] == "No breakdown by form of exploitation in these data for these victims (see above)."


def test_route_charts_of_censored_counts_label_the_range_and_say_the_maps_are_low_bounds(monkeypatch):
    """The review: THA's citizenship chart printed "India 11" beside the table's 11–23, the world map's legend
    "11". The bar labels carry the range, the maps' legends say their numbers are low bounds."""
    from evidence.notebooks import views
    from evidence.presentation.charts import chart_spec

    captured: list = []
    monkeypatch.setattr(views, "show_charts", lambda named: captured.extend(named))
    routes = pl.DataFrame(
        {
            "origin_iso3": ["MMR", "IND"],
            "destination_iso3": ["THA", "THA"],
            "victims": [2580, 11],
            "share": ["64–67%", "0.2–0.6%"],
            "victims_high": [2589, 23],
            "victims_text": ["2,580–2,589", "11–23"],
        }
    )
    views.show_route_charts(
        routes,
        title="t",
        map_title="m",
        subtitle=None,
        source="UNODC",
        rule=DisclosureRule(5),
        focus="THA",
        role="destination",
        legend_title="Detected victims",
    )
    specs = {name: json.dumps(chart_spec(chart), ensure_ascii=False) for chart, name in captured}
    assert '"11–23 (0.2–0.6%)"' in specs["corridors"] and '"11 (0.2–0.6%)"' not in specs["corridors"]
    assert "Victims, lower bound" in specs["world"] and "Detected victims, lower bound" in specs["flow_map"]


def test_a_subtitle_made_of_parts_is_sentences():
    # review 5, m3: "Detected victims, 2008–2021 Lower bounds: …" lacked its full stop
    from evidence.notebooks.views import sentences

    assert (
        sentences("Detected victims, 2008–2021", None, "Lower bounds: a censored cell (<5) counts as 1.")
        == "Detected victims, 2008–2021. Lower bounds: a censored cell (<5) counts as 1."
    )
    assert sentences(None, " ") is None and sentences("Done!") == "Done!"


def test_route_notes_of_a_table_name_the_regions_its_classes_are_of():
    # review 5, m9: Viet Nam → Cyprus is "intraregional" at the M49 region level (both in Asia)
    from evidence.notebooks.views import REGION_NOTES

    assert "continent" in REGION_NOTES["region"] and "Asia" in REGION_NOTES["region"]
    assert "subregion" in REGION_NOTES["subregion"]
    # neither level gives the Global Reports' shares (Middle East 2007–2010: 37% or 84% transregional, 70% there)
    for note in REGION_NOTES.values():
        assert "Global Reports group countries in regions of their own" in note


def test_the_route_tables_note_speaks_of_what_the_table_shows():
    """A researcher's reading of the real brief: under a route table of counts, "compare these shares with the
    reports' only with that in mind", of a table that shows no share."""
    from evidence.notebooks.views import REGION_NOTES

    for note in REGION_NOTES.values():
        assert "these shares" not in note
        assert "compare these classes of route with the reports' only with that in mind." in note


def test_a_route_table_has_no_column_for_a_class_none_of_its_flows_is_of():
    """The label of records domestic or intraregional (routes.record_region_flows) would otherwise give every
    route table an empty column."""
    from test_builders import _route_view

    from evidence.notebooks.builders import ROUTE_CLASS_LABELS

    _, view = _route_view()
    columns = view.table.display().columns
    assert {"Domestic", "Intraregional", "Transregional"} <= set(columns)
    assert ROUTE_CLASS_LABELS["domestic_or_intraregional"] not in columns
    assert ROUTE_CLASS_LABELS["unknown"] not in columns


def test_show_charts_says_nothing_to_draw_once_for_several_empty_charts(tmp_path, monkeypatch):
    # REVIEW7 m4: "Nothing to draw here" printed once per empty chart of a group
    import altair as alt
    import IPython.display

    from evidence.notebooks.runtime import RUN_DIR_ENV
    from evidence.notebooks.views import NOTHING_TO_DRAW, show_charts

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path))
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    empty = pl.DataFrame({"x": [], "y": []}, schema={"x": pl.String, "y": pl.Int64})
    show_charts([(alt.Chart(empty).mark_bar(), "a"), (alt.Chart(empty).mark_line(), "b")])
    assert [getattr(obj, "data", None) for obj in shown] == [NOTHING_TO_DRAW]


def test_a_gap_in_a_trend_line_says_the_reason_its_table_gives(real_tables, tmp_path, monkeypatch):
    """USA's nationals in UNODC's data: 2017's citizenship breakdown is doubtful, so the year has no point; the
    chart says why, as the table's note does, instead of calling it a year without records."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import gap_reasons
    from evidence.notebooks.runtime import RUN_DIR_ENV
    from evidence.notebooks.views import show_yearly_section
    from evidence.presentation.disclosure import DisclosureRule

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path / "run"))
    selection = Selection(real_tables[1], country="USA", role="origin")
    numbers = show_yearly_section(
        selection, DisclosureRule(5), dimension=None, place="United States as origin", source="test"
    )
    assert numbers is not None
    assert "doubtful" in gap_reasons(numbers.per_year)[2017]
    svgs = " ".join(obj["image/svg+xml"] for obj in shown if isinstance(obj, dict) and "image/svg+xml" in obj)
    assert "2017, breakdown not usable (doubtful)" in svgs
    assert "years without data (no records)" not in svgs


def test_the_growing_corridors_table_is_capped_and_says_of_how_many(real_tables, monkeypatch):
    """REVIEW12 m5: the routes notebook's growth table listed every corridor (80 for the United Kingdom),
    whatever top_n said."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks.views import show_emerging

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    show_emerging(Selection(real_tables[1], country="GBR", role="destination"), top=3)
    (table,) = [obj["text/markdown"] for obj in shown if isinstance(obj, dict) and "text/markdown" in obj]
    assert "Growing and new corridors (the 3 with the lowest q-values of " in table
    assert sum(line.startswith("| ") for line in table.splitlines()) == 1 + 3  # the header and three rows


def test_a_table_by_form_says_its_forms_can_add_up_to_more_and_where_the_unrecorded_are(
    real_tables, tmp_path, monkeypatch
):
    """REVIEW12 M5: Thailand's CTDC victims by form read "they add up to more than the victims" beside forms
    adding up to 12 of 139 (125 with no form recorded, now a column of their own)."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks.runtime import RUN_DIR_ENV
    from evidence.notebooks.views import show_dimension_section, show_yearly_section
    from evidence.presentation.disclosure import DisclosureRule

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path / "run"))
    selection = Selection(real_tables[0], country="THA", role="destination")
    options = {"place": "Thailand", "source": "test"}
    numbers = show_yearly_section(selection, DisclosureRule(5), dimension="form", **options)
    assert numbers is not None
    shown.clear()
    show_dimension_section(numbers, **options)
    tables = " ".join(
        obj["text/markdown"] for obj in shown if isinstance(obj, dict) and "text/markdown" in obj
    )
    assert "Not recorded" in tables
    said = "so they can add up to more than the victims; those with no form of exploitation recorded are counted under Not recorded."
    assert said in " ".join(tables.split())


def test_completeness_points_every_country_level_table_to_its_coverage(real_tables, monkeypatch):
    """REVIEW12 m2 had GSI and TIP files told nothing, as the coverage section covered UNODC only; it now shows
    theirs too (context_coverage), so each is pointed to it, and the case table is not."""
    import dataclasses

    import IPython.display

    from evidence.notebooks import views

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    opened = views.open_notebook([], 5)
    opened = dataclasses.replace(opened, tables=[real_tables[2], real_tables[3], real_tables[1]])
    views.show_completeness(opened)
    # the data quality brief read the same heading-and-sentence three times: one sentence names them all
    said = [
        re.sub(r"<[^>]+>", "", str(obj.data)).replace(
            "\\'", "'"
        )  # as a reader sees it: no markup, no escapes
        for obj in shown
        if "field completeness" in str(getattr(obj, "data", ""))
    ]
    expected = (
        "Walk Free Global Slavery Index, 2023 edition; US TIP Report tiers (Kelley's coding), reports of 2001–2015 "
        "and UNODC GLOTIP, release 30 May 2023: country-level tables, whose coverage (countries and values, never "
        "people) is in the coverage below; field completeness is for victim-level case tables."
    )
    assert said == [expected], said
    shown.clear()
    views.show_coverage(opened)  # and the coverage does follow, for each of them
    headings = [
        str(getattr(obj, "data", "")) for obj in shown if str(getattr(obj, "data", "")).startswith("###")
    ]
    assert len(headings) == 3


def test_a_heading_names_the_country_as_a_sentence_does(shared_data, tmp_path, monkeypatch):
    """REVIEW12 m12: "Routes into United Kingdom"."""
    import IPython.display

    from evidence.notebooks.runtime import RUN_DIR_ENV
    from evidence.notebooks.views import open_selections

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path / "run"))
    open_selections(
        "routes",
        [str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")],
        5,
        country="GBR",
        role="destination",
        years=(2019, 2021),
        heading="## Routes into {place_in_text}, {years}; {place}",
    )
    texts = [str(getattr(obj, "data", "")) for obj in shown]
    assert "## Routes into the United Kingdom, 2019–2021; United Kingdom" in texts


def test_data_quality_says_which_text_is_mis_encoded_in_the_publishers_file(tmp_path, monkeypatch):
    """REVIEW12 m3: "(especifique el pa\ufffds)" was listed as it is. It is said to be mis-encoded, in the
    file's table of such text and in the unmapped citizenships; the loaded value is not changed."""
    from types import SimpleNamespace

    import IPython.display
    from _glotip import write_small_glotip

    from evidence.notebooks import views
    from evidence.sources.unodc import load

    damaged = "(especifique el pa\ufffds)"
    loaded = load(write_small_glotip(tmp_path / "g.xlsx", [("THA", "Myanmar", "60"), ("THA", damaged, "30")]))
    shown: list = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    opened = SimpleNamespace(tables=[loaded], rule=DisclosureRule(5))
    views.show_reasons(opened)
    views.show_unmapped_citizenships(opened)
    tables = [obj["text/html"] for obj in shown if isinstance(obj, dict) and "text/html" in obj]
    listed = [t for t in tables if "text mis-encoded in the publisher" in t]
    assert len(listed) == 1 and damaged in listed[0] and "Shown as loaded, not repaired" in listed[0]
    unmapped = [t for t in tables if "Citizenships not mapped" in t]
    assert len(unmapped) == 1 and f"{damaged} (mis-encoded in the publisher&#x27;s file)" in unmapped[
        0
    ].replace("&#39;", "&#x27;")
    assert damaged in loaded.data["category"].to_list()


def test_data_quality_says_what_a_dash_in_a_completeness_table_means(own_records, monkeypatch):
    """REVIEW12 m3: "2018 | 292 | – |" had no legend."""
    import dataclasses

    import IPython.display

    from evidence.notebooks import views

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    opened = dataclasses.replace(views.open_notebook([], 5), tables=[own_records])
    views.show_completeness(opened)
    tables = [obj["text/html"] for obj in shown if isinstance(obj, dict) and "text/html" in obj]
    with_dash = [t for t in tables if "<td>–</td>" in t or ">–<" in t]
    assert with_dash, "the sample has shares withheld"
    assert all("–: share not shown" in t for t in with_dash)
    assert not any("–: share not shown" in t for t in tables if t not in with_dash)


def test_the_regions_matrix_writes_a_small_low_end_up_to_and_says_so(real_tables, monkeypatch):
    """REVIEW12 m4: the Philippines as origin, Asia → Africa "3–12" (three of the publisher's <5 cells)."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks import views
    from evidence.notebooks.builders import route_numbers

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    numbers = route_numbers(Selection(real_tables[1], country="PHL", role="origin"), DisclosureRule(5))
    views.show_region_table(numbers, "region", source="UNODC")
    (html,) = [obj["text/html"] for obj in shown if isinstance(obj, dict) and "text/html" in obj]
    assert ">up to 12<" in html and not re.search(r">\s*[0-4]–\d", html)
    assert "“Up to”: a range whose lower end is a small count" in html
    assert find_small_counts(html) == []


def test_growing_corridors_read_as_words_and_their_rate_ratios_are_not_counts(monkeypatch):
    """The real-data routes brief of Cambodia could not be rendered: its growth table's rate ratio "2.00" was
    read as a count of two victims, and its "Why" column read "growth+new", a code."""
    import IPython.display

    from evidence.analyses import routes
    from evidence.analyses.selection import Selection
    from evidence.notebooks.views import show_emerging
    from evidence.sources.case_schema import conform

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    emerging = pl.DataFrame(
        {
            "origin_iso3": ["KHM", "MMR"],
            "destination_iso3": ["KHM", "THA"],
            "reason": ["growth+new", "growth"],
            "later_period": ["2017-2019"] * 2,
            "rate_ratio": [2.0, 3.0],
            "ci_low": [1.2, 1.5],
            "ci_high": [4.0, 4.13],
            "q_value": [0.0066, 0.01],
        }
    )
    monkeypatch.setattr(routes, "emerging_routes", lambda selection, **kw: emerging)
    records = [{"year": year, "origin_iso3": "KHM", "destination_iso3": "KHM"} for year in range(2010, 2020)]
    show_emerging(Selection(conform(pl.DataFrame(records * 3)), country="KHM", role="destination"))
    (bundle,) = [obj for obj in shown if isinstance(obj, dict) and "text/html" in obj]
    assert find_small_counts(bundle["text/html"]) == []
    assert "growth+new" not in bundle["text/markdown"]
    assert "| growing and new |" in bundle["text/markdown"] and "| growing |" in bundle["text/markdown"]


def test_a_trends_brief_of_totals_only_has_no_section_by_dimension(monkeypatch):
    """The trends brief with by = none had a section "By dimension" describing tables it did not show, and
    ending in the code 'No dimension chosen (`by = "none"`).'."""
    import json

    import IPython.display

    from evidence.notebooks import views

    shown: list[str] = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj.data))
    views.show_dimension_intro(None)
    assert shown == []
    views.show_dimension_intro("form")
    (text,) = shown
    assert text.startswith("## By form of exploitation\n") and "multi-valued" in text
    notebook = json.loads((Path(__file__).parents[2] / "notebooks" / "trends.ipynb").read_text())
    source = "\n".join("".join(cell["source"]) for cell in notebook["cells"])
    assert "## By dimension" not in source and 'by = "none"' not in source


def test_a_breakdown_unodc_cannot_give_is_said_in_words(real_tables, tmp_path, monkeypatch):
    """The real-data trends brief of Myanmar's nationals by form read "Not available by form in these data: with
    an indicator table, role 'origin' reads other countries' citizenship breakdowns: use by none, destination or
    corridor", the analysis's error for a command line."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks.runtime import RUN_DIR_ENV
    from evidence.notebooks.views import show_yearly_section

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path))
    monkeypatch.chdir(tmp_path)
    selection = Selection(real_tables[1], country="MMR", role="origin", years=(2015, 2021))
    show_yearly_section(selection, DisclosureRule(5), dimension="form", place="Myanmar", source="UNODC")
    texts = [str(getattr(obj, "data", "")) for obj in shown]
    (sentence,) = [t for t in texts if t.startswith("Not ")]
    assert "role" not in sentence and "indicator table" not in sentence and "use by" not in sentence
    assert sentence.startswith("Not shown by form of exploitation: UNODC") and sentence.endswith(".")


def test_data_quality_shows_no_table_by_a_field_the_layout_does_not_collect(
    shared_data, tmp_path, monkeypatch
):
    """The data-quality brief of the CTDC victim-perpetrator file said `data_source_type` is not collected by its
    layout, then showed a table "by source type" of one row: unknown, 21,195 records."""
    import IPython.display

    from evidence.notebooks import views
    from evidence.notebooks.runtime import RUN_DIR_ENV

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path))
    opened = views.open_notebook([str(shared_data / "ctdc" / "vp_synthetic_condensed.csv")], 5)
    shown.clear()
    views.show_completeness(opened)
    text = "\n".join(str(o.get("text/markdown", "")) if isinstance(o, dict) else str(o.data) for o in shown)
    assert "`data_source_type`" in text  # said not collected
    assert "By source type" not in text
    assert "By year or band of years" in text


@pytest.mark.parametrize(
    ("dimension", "named"), [("corridor", "Cambodia → Thailand"), ("citizenship", "Cambodia")]
)
def test_a_breakdown_by_country_names_the_countries(real_tables, tmp_path, monkeypatch, dimension, named):
    """The real-data trends brief of Thailand by corridor had columns "KHM>THA", "LAO>THA", ... and by
    citizenship "KHM", "LAO", ...: codes, not the countries' names."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks.runtime import RUN_DIR_ENV
    from evidence.notebooks.views import show_dimension_section, show_yearly_section

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path))
    monkeypatch.chdir(tmp_path)
    for table in real_tables[:2]:  # CTDC's victim records and UNODC's country data
        selection = Selection(table, country="THA", role="destination", years=(2010, 2019))
        options = {"place": "Thailand", "source": "test"}
        numbers = show_yearly_section(selection, DisclosureRule(5), dimension=dimension, **options)
        shown.clear()
        show_dimension_section(numbers, dimension=dimension, **options)
        tables = [o["text/markdown"] for o in shown if isinstance(o, dict) and "text/markdown" in o]
        assert tables and all(f"| {named} |" in t for t in tables)
        assert not any("KHM" in t for t in tables)


def test_the_methods_name_the_threshold_the_brief_was_made_with(monkeypatch):
    """The real-data routes brief made with a threshold of 11 said "smaller flows [than 5] are withheld here" in
    its methods and "Counts below 11 are shown as <11" in its disclosure note; data quality and causes alike
    said "withheld (`<5`)" whatever the threshold."""
    import IPython.display

    from evidence.notebooks import views

    shown: list[str] = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj.data))
    views.show_threshold(DisclosureRule(11), "Counts below {threshold} are withheld (`<{threshold}`).")
    assert shown == ["- Counts below 11 are withheld (`<11`)."]
    notebooks = Path(__file__).parents[2] / "notebooks"
    for name in ("routes", "data_quality", "causes_consequences"):
        cells = json.loads((notebooks / f"{name}.ipynb").read_text())["cells"]
        prose = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        assert "withheld (`<5`)" not in prose and "smaller flows are withheld" not in prose
        assert "views.show_threshold(" in code
        # what the bullet says beside the threshold is no count a brief made with 11 would refuse
        bullet = re.search(r"views\.show_threshold\(\s*\w+(?:\.rule)?,\s*((?:\"[^\"]*\"\s*)+),?\s*\)", code)
        assert bullet, name
        text = "".join(re.findall(r'"([^"]*)"', bullet[1])).format(threshold=11)
        assert find_small_counts(text, DisclosureRule(11)) == [], (name, text)


def test_growing_corridors_keep_counts_the_route_table_withholds(monkeypatch):
    """Found by the routes audit: with a threshold of 11 the route table withheld Myanmar → Thailand (7 victims)
    as <11, and the growth table beside it gave its rate ratio, interval and q-value, which tell the counts back;
    so did it for the exact counts of records protected by cell key."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks.views import show_emerging
    from evidence.sources.case_schema import conform
    from evidence.sources.loaded import LoadedTable
    from evidence.sources.provenance import Provenance

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    counts = {2012: 7, 2013: 8, 2014: 9, 2015: 10, 2016: 12, 2017: 15, 2018: 20, 2019: 30, 2020: 45, 2021: 60}
    records = [
        {"year": year, "origin_iso3": "MMR", "destination_iso3": "THA"}
        for year, n in counts.items()
        for _ in range(n)
    ]
    selection = Selection(conform(pl.DataFrame(records)), country="THA", role="destination")

    def table() -> str:
        (markdown,) = [
            obj["text/markdown"] for obj in shown if isinstance(obj, dict) and "text/markdown" in obj
        ]
        shown.clear()
        return markdown

    show_emerging(selection, DisclosureRule(5))
    row = next(line for line in table().splitlines() if line.startswith("| Myanmar"))
    assert "| growing |" in row and " x " not in row and re.search(r"\| \d+\.\d\d \|", row)
    show_emerging(selection, DisclosureRule(11))
    markdown = table()
    row = next(line for line in markdown.splitlines() if line.startswith("| Myanmar"))
    assert row.endswith("| x | x | x |") and "fewer than 11 victims" in markdown
    # the same records, protected by cell key (as an organisation's own are)
    provenance = Provenance(
        source="test", layout="hand-made", release="1", path="x.csv", sha256="ab" * 32, url="", licence="",
        citation="", protection="cell_key",
    )  # fmt: skip
    keyed = Selection(
        LoadedTable(selection.table, provenance, rows_in=len(records)), country="THA", role="destination"
    )
    assert keyed.keyed
    show_emerging(keyed, DisclosureRule(5))
    markdown = table()
    assert next(line for line in markdown.splitlines() if line.startswith("| Myanmar")).endswith(
        "| x | x | x |"
    )
    assert "cell key" in markdown


def test_an_empty_yearly_section_says_why(monkeypatch, own_records):
    """'No identified victims in this selection.' said nothing of what the data hold (trends.why_empty)."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks.views import show_yearly_section

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    selection = Selection(own_records, country="THA", role="destination", years=(2015, 2016))
    assert (
        show_yearly_section(selection, DisclosureRule(5), dimension=None, place="Thailand", source="x")
        is None
    )
    (said,) = [obj.data for obj in shown]  # type: ignore[attr-defined]
    # as a brief names the country (world30), not as the terminal does ("THA (Thailand) as destination")
    assert said.startswith("No identified victims: no victim records of Thailand as country of destination")
    assert "the table holds them in 2010" in said


def test_a_selection_without_a_corridor_is_not_said_to_have_none_growing(monkeypatch):
    """Found by the routes audit: "No corridor grows significantly or appears" where no victim had a known
    origin (no corridor at all)."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks.views import show_emerging
    from evidence.sources.case_schema import conform

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    records = [
        {"year": year, "origin_iso3": None, "destination_iso3": "THA"} for year in range(2010, 2020)
    ] * 6
    show_emerging(Selection(conform(pl.DataFrame(records)), country="THA", role="destination"))
    (said,) = [obj.data for obj in shown]  # type: ignore[attr-defined]
    assert said.startswith("No corridor (a route with a known origin and destination) of these victims")


def test_routes_without_a_known_origin_are_not_said_to_be_withheld(monkeypatch):
    """Found by the routes audit: with no victim of a known origin, the charts' place said every route was
    "withheld, doubtful, or among 'All other routes'"."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks import views
    from evidence.sources.case_schema import conform

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    records = [
        {"year": year, "origin_iso3": None, "destination_iso3": "THA"} for year in range(2010, 2020)
    ] * 6
    selection = Selection(conform(pl.DataFrame(records)), country="THA", role="destination")
    views.show_routes(selection, DisclosureRule(5), title="t", map_title="m", subtitle=None, source="s")
    said = [obj.data for obj in shown if hasattr(obj, "data")]
    # (since the brief audit of Viet Nam: no route table of zeros either, one sentence for both)
    assert views.NO_KNOWN_ROUTE_TABLE in said and views.NO_ROUTE_TO_DRAW not in said


def test_profile_titles_are_escaped_in_every_message(monkeypatch) -> None:
    """A group's title reached the brief unescaped where the group is not recorded (one message of three
    escaped it)."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks import views

    texts: list[str] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **_: texts.extend(o.data for o in objs))
    from evidence.sources.case_schema import conform

    frame = conform(
        pl.DataFrame({"year": [2020] * 12, "origin_iso3": ["THA"] * 12, "destination_iso3": ["THA"] * 12})
    )
    selection = Selection(frame, country="THA", role="destination")
    views.show_profiles(selection, DisclosureRule(5), groups=[("no_such_group", "<b>Sex</b> *bold*")])
    assert texts and "<b>" not in texts[0] and "*bold*" not in texts[0]


def test_role_both_without_the_country_s_own_total_says_its_counts_are_of_nationals_abroad(
    real_tables, tmp_path, monkeypatch
):
    """Found by the trends audit on the real workbook: Cambodia's trends "as country of origin or destination"
    counted its nationals detected abroad only (Cambodia published no total of its own, only breakdowns by
    form and age), and the section said nothing of it; its "Not shown by form of exploitation" sentence did
    not say that the victims detected in Cambodia are given by form (role destination)."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks.runtime import RUN_DIR_ENV
    from evidence.notebooks.views import show_yearly_section

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path))
    monkeypatch.chdir(tmp_path)
    options = {"place": "Cambodia", "source": "UNODC"}
    selection = Selection(real_tables[1], country="KHM", role="both", years=(2007, 2021))
    assert show_yearly_section(selection, DisclosureRule(5), dimension="form", **options) is not None
    texts = [str(getattr(obj, "data", "")) for obj in shown]
    (not_shown,) = [t for t in texts if t.startswith("Not shown by form")]
    assert not_shown.endswith(
        "; the victims detected in Cambodia alone are given by form of exploitation with the role destination."
    )
    (abroad,) = [t for t in texts if t.startswith("These counts are of the nationals of Cambodia")]
    assert "detected in other countries only" in abroad and "breakdown by form (2007, 2017–2020)" in abroad
    # Thailand published its total (2009–2021): no such sentence
    shown.clear()
    thailand = Selection(real_tables[1], country="THA", role="both", years=(2007, 2021))
    show_yearly_section(thailand, DisclosureRule(5), dimension=None, **options)
    assert not [t for t in (str(getattr(obj, "data", "")) for obj in shown) if t.startswith("These counts")]


def test_a_breakdown_published_without_a_total_is_shown_not_said_to_hold_no_victims(
    real_tables, tmp_path, monkeypatch
):
    """Found by the trends audit: Cambodia as destination by form said "No detected victims in this selection"
    under a section that had just said UNODC's table holds its breakdown by form (2007, 2017–2020): the
    breakdown is shown as published (2007: forced labour 12, sexual exploitation 30), said to have no total;
    a breakdown the data do not hold either (by sex) stays one sentence."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks.runtime import RUN_DIR_ENV
    from evidence.notebooks.views import show_dimension_without_total, show_yearly_section

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path))
    monkeypatch.chdir(tmp_path)
    options = {"place": "Cambodia", "source": "UNODC"}
    selection = Selection(real_tables[1], country="KHM", role="destination", years=(2007, 2020))
    assert show_yearly_section(selection, DisclosureRule(5), dimension="form", **options) is None
    shown.clear()
    show_dimension_without_total(selection, DisclosureRule(5), dimension="form", **options)
    said = str(getattr(shown[0], "data", ""))
    assert said.startswith("UNODC gives no total of these victims (see above), but gives them by form")
    table = shown[1]["text/markdown"]  # type: ignore[index]
    assert "| 2007 | 12 |  | 30 |" in table and "| 2019 | \\<5 | \\<5 | \\<5 |" in table
    shown.clear()
    show_dimension_without_total(selection, DisclosureRule(5), dimension="gender", **options)
    assert [str(getattr(obj, "data", "")) for obj in shown] == [
        "No detected victims of Cambodia as country of destination."
    ]


def test_a_region_table_without_any_known_route_says_so_not_that_cells_are_withheld(real_tables, monkeypatch):
    """Found by the routes audit: Viet Nam as origin in CTDC's sample (17 victims, none with a destination)
    read "Not shown: a withheld cell could be recomputed from the route table above, or too few victims",
    where nothing is withheld: no victim has a known route."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import route_numbers
    from evidence.notebooks.views import show_region_table

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    numbers = route_numbers(Selection(real_tables[0], country="VNM", role="origin"), DisclosureRule(5))
    show_region_table(numbers, "region", source="CTDC")
    assert [str(getattr(obj, "data", "")) for obj in shown] == [
        "No table by region: none of these victims has both a known origin and a known destination."
    ]


def test_a_route_section_says_the_years_its_source_holds_when_fewer_than_the_span(real_tables):
    """Found by the routes audit: "Routes from and into Thailand, 2007–2021" (the span of CTDC's sample and
    UNODC's workbook together), then CTDC's 139 victims with nothing saying they are all of 2010."""
    from evidence.analyses.selection import Selection
    from evidence.notebooks.views import held_years_sentence

    ctdc, unodc = real_tables[:2]
    thailand = Selection(ctdc, country="THA", role="both", years=(2007, 2021))
    assert held_years_sentence(thailand) == (
        "These data hold identified victims of Thailand as country of origin or destination in 2010 only, of "
        "2007–2021: the numbers below are of that year."
    )
    usa = Selection(ctdc, country="USA", role="destination", years=(2007, 2021))
    assert held_years_sentence(usa) is not None and "in 2015–2019, of 2007–2021" in held_years_sentence(usa)
    assert held_years_sentence(Selection(unodc, country="THA", role="both", years=(2007, 2021))) is None
    # Argentina's totals start in 2005, its citizenship breakdowns (the routes) in 2010
    argentina = Selection(unodc, country="ARG", role="destination", years=(2005, 2021))
    assert held_years_sentence(argentina) == (
        "The citizenship breakdowns of these data hold detected victims of Argentina as country of destination in "
        "2010–2021, of 2005–2021: the numbers below are of those years."
    )
    assert held_years_sentence(thailand.replace(years=(2010, 2010))) is None
    # Cambodia's nationals are in CTDC's sample in two separate years: "in 2010, 2018, of 2009–2021" read as a
    # list of three
    cambodia = Selection(ctdc, country="KHM", role="origin", years=(2009, 2021))
    assert held_years_sentence(cambodia) == (
        "These data hold identified victims of Cambodia as country of origin in 2010 and 2018, of 2009–2021: the "
        "numbers below are of those years."
    )


def test_the_unknown_citizenship_column_names_the_texts_that_name_no_country(
    real_tables, tmp_path, monkeypatch
):
    """Found by the trends audit: Thailand's detected victims by citizenship showed Unknown 155 in 2019 (7 the
    publisher gives as unknown, 148 Rohingya) with nothing saying that a stateless group is in it; the route
    table of the same data names them."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks.runtime import RUN_DIR_ENV
    from evidence.notebooks.views import show_dimension_section, show_yearly_section

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path))
    monkeypatch.chdir(tmp_path)
    options = {"place": "Thailand", "source": "UNODC"}
    selection = Selection(real_tables[1], country="THA", role="destination", years=(2007, 2021))
    numbers = show_yearly_section(selection, DisclosureRule(5), dimension="citizenship", **options)
    assert numbers is not None
    shown.clear()
    show_dimension_section(numbers, dimension="citizenship", **options)
    said = [
        str(getattr(obj, "data", "")) for obj in shown if str(getattr(obj, "data", "")).startswith("Unknown")
    ]
    expected = (
        "Unknown: the citizenship the publisher gives as unknown, and the texts of its breakdown that name no "
        'country: “<span data-kind="label">Rohingya</span>” (a stateless group: no country of citizenship) '
        "(2018–2021)."
    )
    assert said == [expected]
    # by sex: no such line
    shown.clear()
    by_sex = show_yearly_section(selection, DisclosureRule(5), dimension="sex", **options)
    assert by_sex is not None
    show_dimension_section(by_sex, dimension="sex", **options)
    assert not [obj for obj in shown if str(getattr(obj, "data", "")).startswith("Unknown:")]


def test_a_table_by_destination_says_who_of_the_country_s_own_count_came_back_from_abroad(real_tables):
    """Found by the trends audit: Myanmar's nationals by destination put Myanmar's own count (353 in 2017) under
    Myanmar, though its breakdown by country of repatriation says 270 of them came back from abroad (254 from
    China), and the routes notebook gives Myanmar → China: the table says that its destination is the country
    that detected them, and where its repatriation breakdown places some of them."""
    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import yearly_numbers
    from evidence.notebooks.views import repatriated_line

    unodc = real_tables[1]
    myanmar = yearly_numbers(
        Selection(unodc, country="MMR", role="origin", years=(2007, 2021)),
        DisclosureRule(5),
        by="destination",
    )
    said = repatriated_line(myanmar)
    assert said is not None and said.startswith(
        "Myanmar: the nationals of Myanmar its own authorities counted, all under Myanmar, the country that "
        "detected them; in 2017–2021"
    )
    assert (
        "came back from China, Thailand and Malaysia, and from abroad without a country stated, where" in said
    )
    ukraine = yearly_numbers(
        Selection(unodc, country="UKR", role="both", years=(2007, 2021)), DisclosureRule(5), by="corridor"
    )
    assert (repatriated_line(ukraine) or "").startswith(
        "Ukraine → Ukraine: the nationals of Ukraine its own authorities counted, all on this route, Ukraine being "
        "the country that detected them; in 2010"
    )
    nigeria = yearly_numbers(
        Selection(unodc, country="NGA", role="origin", years=(2007, 2021)),
        DisclosureRule(5),
        by="destination",
    )
    # 26 countries: the largest five named, the others not counted (a number below 5 reads as people)
    assert "Burkina Faso and other countries, and from abroad" in (repatriated_line(nigeria) or "")
    # Cambodia's nationals: no repatriation breakdown of its own that says so; by form: no such line
    cambodia = Selection(unodc, country="KHM", role="origin", years=(2007, 2021))
    assert repatriated_line(yearly_numbers(cambodia, DisclosureRule(5), by="destination")) is None
    thailand = Selection(unodc, country="THA", role="destination", years=(2007, 2021))
    assert repatriated_line(yearly_numbers(thailand, DisclosureRule(5), by="form")) is None


def test_the_world_map_of_a_country_as_origin_has_a_title_that_ends_as_a_sentence(monkeypatch):
    """Found by the routes audit: Nigeria as origin, "The world view: where the victims of the largest routes
    were found in" (a sentence cut after its preposition)."""
    from evidence.notebooks import views
    from evidence.presentation.charts import chart_spec

    captured: list = []
    monkeypatch.setattr(views, "show_charts", lambda named: captured.extend(named))
    routes = pl.DataFrame(
        {
            "origin_iso3": ["NGA", "NGA"],
            "destination_iso3": ["NLD", "ITA"],
            "victims": [1520, 793],
            "share": ["10%", "5%"],
        }
    )
    options = {"title": "t", "map_title": "m", "subtitle": None, "source": "UNODC", "rule": DisclosureRule(5)}
    views.show_route_charts(routes, focus="NGA", role="origin", **options)
    specs = {name: json.dumps(chart_spec(chart), ensure_ascii=False) for chart, name in captured}
    assert "where the victims of the largest routes were found" in specs["world"]
    assert "were found in" not in specs["world"]


def test_the_routes_world_map_says_its_grey_countries_are_not_among_the_largest_routes(monkeypatch):
    """Review of the routes notebook: the world map of Thailand's largest routes said "Grey: no data" of the
    countries outside them, which UNODC does publish routes for."""
    from evidence.notebooks import views
    from evidence.presentation.charts import chart_spec

    captured: list = []
    monkeypatch.setattr(views, "show_charts", lambda named: captured.extend(named))
    routes = pl.DataFrame(
        {
            "origin_iso3": ["MMR", "KHM"],
            "destination_iso3": ["THA", "THA"],
            "victims": [2589, 700],
            "share": ["60%", "16%"],
        }
    )
    options = {"title": "t", "map_title": "m", "subtitle": None, "source": "UNODC", "rule": DisclosureRule(5)}
    views.show_route_charts(routes, focus="THA", role="destination", **options)
    specs = {name: json.dumps(chart_spec(chart), ensure_ascii=False) for chart, name in captured}
    assert f"Grey: {views.WORLD_MAP_GREY}." in specs["world"] and "no data" not in specs["world"]
    assert "largest routes" in views.WORLD_MAP_GREY


def _forms_without_total(cells: dict[int, int | str], threshold: int = 5):
    from _indicator import indicator_rows

    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import yearly_numbers

    rows = [
        ("KHM", 2007, "by form of exploitation", "Forced labour", "Total", "Total", 12)
    ]  # no total at all
    for year, n in cells.items():
        rows += [
            ("KHM", year, "by form of exploitation", f, "Total", "Total", n)
            for f in ("Forced labour", "Sexual exploitation")
        ]
    selection = Selection(indicator_rows(rows), country="KHM", role="destination")
    return yearly_numbers(selection, DisclosureRule(threshold), by="form")


def _dimension_text(monkeypatch, numbers) -> str:
    from evidence.notebooks import views

    shown: list = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: shown.extend(objs))
    views.show_dimension_section(numbers, place="Cambodia", source="UNODC")
    return " ".join(str(o.get("text/markdown", "")) for o in shown if isinstance(o, dict))


def test_the_legend_of_the_publishers_own_small_cells_is_true_at_a_higher_threshold(monkeypatch):
    """At threshold 11 Cambodia's table by form read "<11: a cell the publisher gives as <5 (fewer than five
    victims), its own censoring": of a label that says fewer than 11, never said; and a cell shown <11 may be
    several of the publisher's <5 cells summed (2–8 is below 11), no single cell it gives as <5."""
    text = _dimension_text(monkeypatch, _forms_without_total({2017: "<5", 2018: "<5"}, threshold=11))
    assert "| 2017 | \\<11 | \\<11 |" in text
    assert (
        "\\<11: fewer than 11: a cell the publisher gives as \\<5 (fewer than five victims), or several such cells "
        "summed, its own censoring." in text
    ), text
    assert "not shown to protect individuals" not in text


def test_a_table_of_the_publishers_own_small_cells_says_they_are_the_publishers(monkeypatch):
    """Review of the trends notebook (Cambodia as destination, by form): UNODC's own <5 cells of 2017–2020, in a
    table without a range, were captioned "<5: fewer than 5, not shown to protect individuals", as if this
    toolkit had withheld them."""
    text = _dimension_text(monkeypatch, _forms_without_total({2017: "<5", 2018: "<5"}))
    assert "| 2017 | \\<5 | \\<5 |" in text
    assert "\\<5: a cell the publisher gives as \\<5 (fewer than five victims), its own censoring." in text
    assert "not shown to protect individuals" not in text
    # a small exact count withheld here too: both said
    both = _dimension_text(monkeypatch, _forms_without_total({2017: "<5", 2018: 3}))
    # label31: in the words of a table of ranges, whose <5 may be a range with a small low end, withheld whole
    assert (
        "its own censoring, or one not shown to protect individuals: fewer than 5, or a range of counts whose low "
        "end is below 5 (the whole range withheld, its high end too)." in both
    )
    # only cells withheld here: the table writer's own note, in the words of a table of ranges (label31)
    ours = _dimension_text(monkeypatch, _forms_without_total({2018: 3}))
    assert (
        "\\<5: fewer than 5, or a range of counts whose low end is below 5 (the whole range withheld, its high end "
        "too), not shown to protect individuals."
        in ours
        and "publisher gives" not in ours
    )


def test_the_route_charts_of_the_routes_notebook_give_their_years(real_tables, monkeypatch):
    """Found by the notebooks audit: the routes notebook's bar chart, flow map and world map said "Largest routes,
    Thailand" with no years (the figures are files of their own, read apart from the brief); the country
    brief's say "Identified victims, 2010". Without a subtitle of its own, a route chart gives the years its
    source holds the selection in."""
    from evidence.analyses.selection import Selection
    from evidence.notebooks import views
    from evidence.presentation.charts import chart_spec

    captured: list = []
    monkeypatch.setattr(views, "show_charts", lambda named: captured.extend(named))
    ctdc, unodc = real_tables[:2]
    options = {"title": "t", "map_title": "m", "subtitle": None, "source": "s"}
    views.show_routes(
        Selection(unodc, country="THA", role="origin", years=(2007, 2021)), DisclosureRule(5), **options
    )
    specs = [json.dumps(chart_spec(chart), ensure_ascii=False) for chart, _ in captured]
    assert len(specs) == 3 and all("Detected victims, 2007–2021" in spec for spec in specs)
    captured.clear()
    cambodia = Selection(ctdc, country="KHM", role="origin", years=(2009, 2021))
    views.show_routes(cambodia, DisclosureRule(5), **options)
    specs = [json.dumps(chart_spec(chart), ensure_ascii=False) for chart, _ in captured]
    assert specs and all("Identified victims, 2010 and 2018" in spec for spec in specs)


def test_the_note_on_years_without_a_total_gives_each_breakdown_its_own_years(real_tables):
    """Found by the notebooks audit (trends, Thailand as destination): "UNODC gives these victims by form of
    exploitation and by citizenship in 2007–2008 but not their total", while the table by corridor (citizenship)
    said it has no 2007: UNODC gives their forms in 2007 and their citizenships in 2008."""
    from evidence.analyses.selection import Selection
    from evidence.notebooks import builders, views

    unodc = real_tables[1]
    numbers = builders.yearly_numbers(
        Selection(unodc, country="THA", role="destination", years=(2007, 2021)), DisclosureRule(5)
    )
    note = views.no_data_note(numbers, tables=["corridor"])
    assert note is not None
    assert "by form of exploitation (2007) and by citizenship (2008) but not their total" in note
    assert "2007–2008" not in note


def test_three_breakdowns_in_a_note_are_listed_as_a_sentence_lists_them(real_tables):
    """The world review (Niger as destination, 2014): "UNODC gives these victims by sex and by age and by
    citizenship in 2014 but not their total (see the tables by sex and by age and by citizenship)"."""
    from evidence.analyses.selection import Selection
    from evidence.notebooks import builders, views

    numbers = builders.yearly_numbers(
        Selection(real_tables[1], country="NER", role="destination", years=(2014, 2020)), DisclosureRule(5)
    )
    note = views.no_data_note(numbers, tables=["sex", "age", "citizenship"])
    assert note is not None and "and by age and by" not in note
    assert "UNODC gives these victims by sex, by age and by citizenship in 2014 but not their total" in note
    assert "(see the tables by sex, by age and by citizenship)" in note


@pytest.mark.parametrize("role", ["origin", "both"])
def test_a_breakdown_of_a_countrys_nationals_by_citizenship_says_they_have_one(real_tables, role):
    """Found by the notebooks audit (trends, Thailand as origin, by citizenship): "Not shown by citizenship:
    UNODC's data give the nationals a country detects abroad by citizenship only, never by citizenship"."""
    from evidence.analyses.selection import Selection
    from evidence.notebooks.views import unavailable_breakdown

    selection = Selection(real_tables[1], country="THA", role=role, years=(2007, 2021))
    said = unavailable_breakdown(selection, "citizenship", ValueError("no such dimension"))
    assert "never by citizenship" not in said and "by citizenship only" not in said
    assert said.startswith(
        "Not shown by citizenship: the nationals of Thailand, wherever detected, are all of one "
    )
    assert ("with the role destination" in said) == (role == "both")
    # the other breakdowns keep their reason
    form = unavailable_breakdown(selection, "form", ValueError("no such dimension"))
    assert "by citizenship only, never by form of exploitation" in form


def test_route_charts_of_perturbed_counts_say_so(real_tables, monkeypatch):
    """Found by the notebooks audit: Cambodia's routes in CTDC's sample, "Cambodia → Cambodia 95 (83%)" and
    "Cambodia → Thailand 16 (14%)", the only routes, add up to 111 of 114 and to 97%: the table under which they
    are says its counts are perturbed, the chart (a figure read on its own too) did not. UNODC's charts, of
    published counts, say nothing of it."""
    from evidence.analyses.selection import Selection
    from evidence.notebooks import views
    from evidence.presentation.charts import chart_spec

    captured: list = []
    monkeypatch.setattr(views, "show_charts", lambda named: captured.extend(named))
    ctdc, unodc = real_tables[:2]
    options = {"title": "t", "map_title": "m", "subtitle": None, "source": "s"}
    views.show_routes(
        Selection(ctdc, country="KHM", role="origin", years=(2009, 2021)), DisclosureRule(5), **options
    )
    specs = [json.dumps(chart_spec(chart), ensure_ascii=False) for chart, _ in captured]
    assert specs and all("perturbed slightly (cell key method)" in spec for spec in specs)
    captured.clear()
    views.show_routes(
        Selection(unodc, country="KHM", role="origin", years=(2009, 2021)), DisclosureRule(5), **options
    )
    specs = [json.dumps(chart_spec(chart), ensure_ascii=False) for chart, _ in captured]
    assert specs and not any("perturbed" in spec for spec in specs)


def test_identified_victims_none_on_a_known_route_get_no_route_table_of_zeros(monkeypatch):
    """Brief audit (Viet Nam as origin, CTDC): all 17 identified victims had no known destination; the route
    table under the key figures was zeros but for "Destination unknown 17", which the key figures above it
    already give. With no victim on a known route, the case data's route table is one sentence."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks import views
    from evidence.presentation.tables import TABLE_MIME, TableData
    from evidence.sources.case_schema import conform

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    records = [{"year": 2016, "origin_iso3": "VNM", "destination_iso3": None}] * 17
    selection = Selection(conform(pl.DataFrame(records)), country="VNM", role="origin")
    views.show_routes(selection, DisclosureRule(5), title="t", map_title="m", subtitle=None, source="s")
    captions = [
        TableData.from_json(obj[TABLE_MIME]).caption
        for obj in shown
        if isinstance(obj, dict) and TABLE_MIME in obj
    ]
    assert captions == ["Identified victims and their routes"]  # the key figures only
    said = [obj.data for obj in shown if hasattr(obj, "data")]
    assert views.NO_KNOWN_ROUTE_TABLE in said and views.NO_KNOWN_ROUTE not in said


def test_a_route_section_of_one_year_says_that_year(real_tables):
    """Routes audit (Viet Nam as origin): "These data hold identified victims of this selection in 2016 only,
    of 2007–2021: the numbers below are of those years": one year is that year."""
    from evidence.analyses.selection import Selection
    from evidence.notebooks.views import held_years_sentence

    said = held_years_sentence(Selection(real_tables[0], country="VNM", role="origin", years=(2007, 2021)))
    assert said is not None and "in 2016 only, of 2007–2021" in said
    assert said.endswith("the numbers below are of that year.")


def test_the_years_of_routes_include_the_bands_of_years_a_selection_holds_whole() -> None:
    """A selection of 2014-2019 holding records dated 2014-2018 only (CTDC's Victim–Perpetrator file) routes them
    (routes.flow_records): its routes are not "in 2019 only", as the sentence said reading single years alone."""
    from evidence.analyses.selection import Selection
    from evidence.notebooks.views import held_years_sentence, route_years
    from evidence.sources.case_schema import conform

    df = conform(
        pl.DataFrame(
            [{"year": 2019, "year_band": "2019", "origin_iso3": "LAO", "destination_iso3": "THA"}] * 20
            + [{"year": None, "year_band": "2014-2018", "origin_iso3": "LAO", "destination_iso3": "THA"}]
            * 30,
            schema_overrides={"year": pl.Int16, "year_band": pl.String},
        )
    )
    held = Selection(df, country="THA", role="destination", years=(2014, 2019))
    assert held_years_sentence(held) is None
    assert route_years(held) == "2014–2019"
    cut = Selection(df, country="THA", role="destination", years=(2015, 2019))
    assert route_years(cut) == "2019"
    sentence = held_years_sentence(cut)
    assert sentence is not None and "in 2019 only, of 2015–2019" in sentence


@given(
    st.lists(
        st.tuples(
            st.one_of(
                st.none(), st.sampled_from(["12", "12–15", "up to 8", "<5", "x", "1,204", "3–4 (est.)"])
            ),
            st.one_of(st.none(), st.sampled_from(["7", "20–29", "up to 2", "<5"])),
        ),
        max_size=8,
    )
)
def test_the_censored_note_reads_a_tables_cells_without_a_query(rows):
    """The note on ranges reads the shown table's cells as lists (no polars query per column, a brief shows
    ~20 tables), the null cells left out: the note the cells without their nulls give."""
    import _polars

    from evidence.notebooks import views

    shown = pl.DataFrame(rows, schema={"a": pl.String, "b": pl.String}, orient="row")
    cells = [v for c in shown.columns for v in shown[c].drop_nulls().to_list()]
    up_to = any(views._UP_TO.match(v) for v in cells)
    expected = (
        f"{views._CENSORED_NOTE} {views._UP_TO_NOTE}"
        if up_to
        else (views._CENSORED_NOTE if any(views._RANGE.search(v) for v in cells) else None)
    )
    with pytest.MonkeyPatch.context() as monkeypatch:
        queries = _polars.count_queries(monkeypatch)
        assert views.censored_note(shown) == expected
    assert queries == []


def _one_victim_a_year_shown(
    monkeypatch, tmp_path, fixtures, dimension: str | None = None
) -> tuple[Any, list[object]]:
    """The yearly section (by ``dimension``) of Thailand as destination over a CTDC file of one victim a year
    (2019–2023), and what it displayed (collected as it is displayed)."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks.views import show_yearly_section
    from evidence.sources.registry import load

    header = (fixtures / "ctdc" / "synthetic_v2024.csv").read_text().splitlines()[0]
    rows = [f"{year},Woman,18--20,MMR,THA" + "," * (header.count(",") - 4) for year in range(2019, 2024)]
    path = tmp_path / "one_a_year.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    selection = Selection(load(path), country="THA", role="destination")
    numbers = show_yearly_section(
        selection, DisclosureRule(5), dimension=dimension, place="Thailand", source="x"
    )
    return numbers, shown


def test_a_yearly_table_too_small_to_show_is_said_alone_without_notes_on_its_years(
    monkeypatch, tmp_path, fixtures
):
    """world29's reader: under "Too few victims to show this table…", "2023 is probably incomplete" and "No
    trend is estimated" followed, of a table and a trend the reader never sees. The sentence names its table
    (as a profile's does) and nothing on the years follows it."""
    from evidence.notebooks.builders import TOO_FEW

    numbers, shown = _one_victim_a_year_shown(monkeypatch, tmp_path, fixtures)
    # one victim a year: 2023, the release's last, flagged; the table too small to protect
    assert numbers is not None and numbers.per_year is None and [y.year for y in numbers.incomplete] == [2023]
    said = [str(getattr(obj, "data", obj)) for obj in shown]
    assert said == [f"Identified victims per year, Thailand: {TOO_FEW[0].lower()}{TOO_FEW[1:]}"]


@pytest.mark.parametrize(
    ("source", "country", "role"),
    [(0, "KHM", "origin"), (0, "THA", "destination"), (1, "KHM", "origin"), (1, "THA", "destination")],
)
def test_a_single_role_route_table_leaves_out_its_unknown_rows_of_zeros(real_tables, source, country, role):
    """world29's reader: a destination's route table always showed "Destination unknown" with 0 in every
    column, an origin's "Origin (citizenship) unknown or stateless" too: rows no reader can use. They are left
    out of what is shown after the table is protected, so its protection is the same: every row shown is the
    protected table's row, cell for cell (its withheld cells the same), and the totals are as they were."""
    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import DESTINATION_UNKNOWN, ORIGIN_UNKNOWN, route_numbers
    from evidence.notebooks.views import shown_route_table
    from evidence.presentation.disclosure import DisclosedTable

    numbers = route_numbers(Selection(real_tables[source], country=country, role=role), DisclosureRule(5))
    assert numbers is not None
    full, full_kinds = numbers.table(), numbers.table_kinds()
    table, kinds = shown_route_table(numbers)

    def frame_of(t):
        return t.display() if isinstance(t, DisclosedTable) else t

    shown, every = frame_of(table), frame_of(full)
    routes = shown["route"].to_list()
    assert (ORIGIN_UNKNOWN if role == "origin" else DESTINATION_UNKNOWN) not in routes  # none can be unknown
    dropped = [r for r in every["route"].to_list() if r not in routes]
    assert dropped and set(dropped) <= {ORIGIN_UNKNOWN, DESTINATION_UNKNOWN}
    for row in every.filter(pl.col("route").is_in(dropped)).iter_rows(named=True):
        assert {v for k, v in row.items() if k != "route"} == {"0"}, row  # published zeros, nothing withheld
    # the rows shown are the protected table's, every cell (withheld ones included) and its kind as it was
    kept = every.filter(~pl.col("route").is_in(dropped))
    assert shown.rows() == kept.rows()
    positions = [i for i, r in enumerate(every["route"].to_list()) if r not in dropped]
    assert kinds == {c: [k[i] for i in positions] for c, k in full_kinds.items()}
    if isinstance(full, DisclosedTable):
        assert isinstance(table, DisclosedTable)
        assert (table.n_primary, table.n_secondary) == (full.n_primary, full.n_secondary)
        assert table.reasons.rows() == full.reasons[positions].rows()


def test_a_route_table_of_both_roles_keeps_its_unknown_rows(real_tables):
    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import route_numbers
    from evidence.notebooks.views import shown_route_table

    numbers = route_numbers(Selection(real_tables[1], country="THA", role="both"), DisclosureRule(5))
    assert numbers is not None
    table, kinds = shown_route_table(numbers)
    assert table.equals(numbers.table()) and kinds == numbers.table_kinds()


def test_a_region_section_without_route_numbers_says_so_not_nothing(monkeypatch):
    """world30: the routes brief of Viet Nam as destination (UNODC: no citizenship breakdown, so no route table)
    had a Regions section of its introduction alone, nothing under it: the section says why there is no table."""
    import IPython.display

    from evidence.notebooks.views import show_region_table

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    show_region_table(None, "subregion", source="UNODC")
    assert [str(getattr(obj, "data", "")) for obj in shown] == [
        "No table by subregion: there is no route table above to sum."
    ]


def test_a_yearly_section_without_victims_names_the_country_as_a_brief_does(
    real_tables, monkeypatch, tmp_path
):
    """world30: the trends brief of Cambodia as destination said "no total of 'Detected trafficking victims' for
    KHM (Cambodia) as destination", the terminal's words: a brief names the country, never by its code."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks.runtime import RUN_DIR_ENV
    from evidence.notebooks.views import show_yearly_section

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path))
    monkeypatch.chdir(tmp_path)
    selection = Selection(real_tables[1], country="KHM", role="destination", years=(2007, 2020))
    show_yearly_section(selection, DisclosureRule(5), dimension=None, place="Cambodia", source="UNODC")
    said = " ".join(str(getattr(obj, "data", "")) for obj in shown)
    assert "KHM" not in said
    assert said == (
        "No detected victims: no total of detected trafficking victims for Cambodia as country "
        "of destination, 2007–2020: UNODC\\'s table holds its breakdown by form (2007, 2017–2020) and breakdown by "
        "age (2013–2015)."
    )


def test_the_place_in_a_role_reads_mid_sentence_as_prose_names_it(shared_data, monkeypatch, tmp_path):
    """world30: the causes brief said "Not used, because it holds none of the victims of Philippines as country
    of destination" (Opened.place_as, the name as a chart title starts with it): mid-sentence, "the Philippines"."""
    import IPython.display

    from evidence.notebooks.runtime import RUN_DIR_ENV
    from evidence.notebooks.views import open_notebook

    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: None)
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path))
    monkeypatch.chdir(tmp_path)
    opened = open_notebook([str(shared_data / "walkfree" / "gsi_2023.xlsx")], 5, country="PHL", notice=False)
    assert opened.place_as("destination") == "Philippines as country of destination"
    assert opened.place_as("destination", in_text=True) == "the Philippines as country of destination"


def test_the_note_on_the_publishers_small_cells_says_the_label_the_file_published(monkeypatch):
    """A file publishing small counts as ``<10`` (read as 1 to 9): the note names ``<10`` and fewer than ten
    victims, not "<5 (fewer than five victims)" (loose30)."""
    from _indicator import indicator_rows

    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import yearly_numbers

    rows = [("KHM", 2007, "by form of exploitation", "Forced labour", "Total", "Total", 12)]
    rows += [
        ("KHM", year, "by form of exploitation", form, "Total", "Total", "<5")
        for year in (2017, 2018)
        for form in ("Forced labour", "Sexual exploitation")
    ]
    ten = pl.when(pl.col("censored")).then(9.0).otherwise(pl.col("value_high")).alias("value_high")
    selection = Selection(indicator_rows(rows).with_columns(ten), country="KHM", role="destination")
    text = _dimension_text(monkeypatch, yearly_numbers(selection, DisclosureRule(5), by="form"))
    assert "the publisher gives as \\<10 (fewer than ten victims)" in text, text
    assert "fewer than five victims" not in text


def test_the_break_section_of_a_yearly_table_too_small_to_show_says_one_thing_in_plain_words(
    monkeypatch, tmp_path, fixtures
):
    """words31's reader: under "Identified victims per year: too few victims to show this table…", the break
    section went on "No trend is estimated: some yearly counts are withheld by disclosure control": a trend
    in a section on breaks, and a second reason for one table. It says that no break is searched for, for the
    reason already given, and nothing else."""
    from evidence.notebooks.views import show_break

    numbers, shown = _one_victim_a_year_shown(monkeypatch, tmp_path, fixtures)
    assert numbers is not None and numbers.per_year is None
    del shown[:]
    show_break(numbers)
    said = [str(getattr(obj, "data", obj)) for obj in shown]
    assert said == ["No break is searched for: the victims per year above are too few to show."]


def test_the_dimension_section_of_a_yearly_table_too_small_to_show_gives_the_same_reason(
    monkeypatch, tmp_path, fixtures
):
    """words31's reader (the demo's Fiji as destination, by gender): under "Identified victims per year: too few
    victims to show this table…", the section by gender said "not shown, because the data hold no such
    breakdown for it, or too few victims to protect": a choice of reasons where the reason is known."""
    from evidence.notebooks.views import show_dimension_section

    numbers, shown = _one_victim_a_year_shown(monkeypatch, tmp_path, fixtures, dimension="gender")
    options = {"place": "Thailand", "source": "x"}
    assert numbers is not None and numbers.per_year is None and numbers.by == "gender"
    del shown[:]
    show_dimension_section(numbers, **options)
    said = [str(getattr(obj, "data", obj)) for obj in shown]
    assert said == [
        # the case data's gender is sex to readers, as in every other output (builders.CASE_BREAKDOWN_NAMES)
        "Identified victims per year by sex, Thailand: not shown, as the victims per year above are too few to show."
    ]


def test_a_chart_with_nothing_to_draw_is_not_called_this_chart():
    """words31's reader, the demo's Lao PDR (duration of exploitation by class of route): under the table came
    "Nothing to draw here: every value of this chart is withheld or absent", of a chart the reader never sees."""
    from evidence.notebooks.views import NOTHING_TO_DRAW

    assert "this chart" not in NOTHING_TO_DRAW
    assert NOTHING_TO_DRAW == "No chart here: every value it would draw is withheld or absent."


def test_the_small_label_of_a_table_of_ranges_says_it_may_be_a_range_withheld_whole(monkeypatch, tmp_path):
    """label31 (real31's Côte d'Ivoire at 11): a year whose nationals are 3 found at home and UNODC's <5 found
    abroad, 4–7, is withheld whole as <5 (published_pair: its high end would give the exact 3 back), and the
    table had no legend of it at all: the note on the publisher's "<5 (fewer than five victims)" cells, which
    names <5, passed for one, and the legend it would have had, "<5: fewer than 5", is false of a range that can
    reach 7. It says what every <5 of a table of ranges can be, in the same words whatever the hidden ranges."""
    from _indicator import indicator_rows

    from evidence.analyses.selection import Selection
    from evidence.notebooks import views

    rows = []
    for year in range(2012, 2020):
        rows += [
            ("NGA", year, "by citizenship", "Nationals", "Total", "Total", 3 if year == 2016 else 40),
            ("ITA", year, "by citizenship", "NGA", "Total", "Total", "<5"),
            ("ITA", year, "by citizenship", "ITA", "Total", "Total", 496),
        ]
    selection = Selection(indicator_rows(rows), country="NGA", role="origin")
    shown: list = []
    monkeypatch.setenv("EVIDENCE_RUN_DIR", str(tmp_path))
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: shown.extend(objs))
    views.show_yearly_section(
        selection, DisclosureRule(5), dimension=None, place="Nigeria", source="UNODC", tables=False
    )
    text = " ".join(str(o.get("text/markdown", "")) for o in shown if isinstance(o, dict))
    assert "| 2016 | \\<5 |" in text and "| Total | 291–315 |" in text  # the disclosure as it was
    assert "fewer than 5, not shown" not in text
    assert (
        "\\<5: fewer than 5, or a range of counts whose low end is below 5 (the whole range withheld, its high "
        "end too), not shown to protect individuals." in text
    )


def test_the_key_figures_of_ranges_say_what_their_small_label_can_be(real_tables, monkeypatch, tmp_path):
    """label31: the route section's key figures are ranges as the route table's are (Saudi Arabia's nationals at
    11, the real workbook: those on a known route are <11, a range withheld whole where its low end is small,
    published_pair), and their legend said "<11: fewer than 11" alone."""
    from evidence.analyses.selection import Selection
    from evidence.notebooks import views
    from evidence.notebooks.builders import route_numbers

    shown: list = []
    monkeypatch.setenv("EVIDENCE_RUN_DIR", str(tmp_path))
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: shown.extend(objs))
    numbers = route_numbers(Selection(real_tables[1], country="SAU", role="origin"), DisclosureRule(11))
    views.show_key_figures(numbers, source="UNODC")
    text = " ".join(str(o.get("text/markdown", "")) for o in shown if isinstance(o, dict))
    assert "| on a known route (origin and destination known) | \\<11 |" in text
    assert (
        "\\<11: fewer than 11, or a range of counts whose low end is below 11 (the whole range withheld, its high "
        "end too), not shown to protect individuals." in text
    )


def test_the_note_on_victims_of_several_categories_names_them_as_readers_do(tmp_path, monkeypatch):
    """The note under the victims per year by form of exploitation read "One victim can count in several
    categories of form of exploitation": it names the forms as a reader does, and so does the chart's subtitle;
    a breakdown without a plural of its own keeps the general wording."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks.runtime import RUN_DIR_ENV
    from evidence.notebooks.views import several_categories, show_dimension_section, show_yearly_section
    from evidence.presentation.disclosure import DisclosureRule
    from evidence.sources.demo import write_demo
    from evidence.sources.registry import load

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path / "run"))
    table = load(write_demo(tmp_path / "demo.csv", n_rows=3000))
    selection = Selection(table, country="THA", role="destination", years=(2014, 2016))
    options = {"place": "Thailand", "source": "demo"}
    section = show_yearly_section(selection, DisclosureRule(5), dimension="form", **options)
    assert section is not None
    shown.clear()
    show_dimension_section(section, **options)
    text = " ".join(str(getattr(obj, "data", obj)) for obj in shown)
    assert "One victim can count in several forms of exploitation, so they can add up to more than" in text
    assert "One victim can have several forms of exploitation." in text
    assert "categories of form of exploitation" not in text and "several categories" not in text
    assert several_categories("means_of_control") == "several means of control"
    assert several_categories("transit_iso3") == "several transit countries"
    assert several_categories("colour") == "several categories of colour"


def test_the_age_bands_of_case_data_say_their_unit_where_they_head_columns():
    """Reader audit (trends by age band, the United States as destination, CTDC's k-anonymised sample): the
    table's columns read "9-17", "Unknown", where UNODC's read "0 to 17 years" and the country brief's age table
    is "Age (years)": a column of ages says its unit, in the one way the whole brief writes an age band (UNODC's
    words, the brief's dash: "9–17 years", "48 years or over"), case data's and UNODC's alike; other labels and other
    breakdowns' categories are left as they are."""
    from evidence.notebooks import views

    bands = ["0-8", "9-17", "18-29", "48+", "Unknown", "0 to 17 years", "18 years or over"]
    assert views.category_names("age_band", bands) == {
        "0-8": "0–8 years",
        "9-17": "9–17 years",
        "18-29": "18–29 years",
        "48+": "48 years or over",
        "0 to 17 years": "0–17 years",
        "18 years or over": "18 years or over",
    }
    assert views.category_names("age", ["0 to 17 years", "18 years or over", "Unknown"]) == {
        "0 to 17 years": "0–17 years",
        "18 years or over": "18 years or over",
    }
    assert views.category_names("form", ["9-17"]) == {}


#: The forms of a displayed output a brief is made from.
MEDIA = ("text/markdown", "text/html")


def test_the_case_datas_age_bands_read_in_the_briefs_one_style_in_numeric_order(tmp_path, monkeypatch):
    """A brief wrote one age band three ways ("9-17" rows under "Age (years)", "9-17 years" headers, UNODC's
    "0 to 17 years"): the demo's profiles and its victims per year by age band, table rows, headers and chart
    legend, say every band as the whole brief does ("9–17 years", "48 years or over"), youngest first."""
    import IPython.display

    from evidence.analyses.selection import Selection
    from evidence.notebooks import views
    from evidence.notebooks.runtime import RUN_DIR_ENV
    from evidence.presentation.charts import chart_spec
    from evidence.sources.cache import load_cached
    from evidence.sources.demo import demo_path

    shown: list[object] = []
    drawn: list[dict] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    monkeypatch.setattr(views, "show_charts", lambda named: drawn.extend(chart_spec(c) for c, _ in named))
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path))
    selection = Selection(load_cached(demo_path()), country="THA", role="destination")
    rule, options = DisclosureRule(5), {"place": "Thailand", "source": "demo"}
    views.show_profiles(selection, rule, source="demo")
    numbers = views.show_yearly_section(selection, rule, dimension="age_band", **options)
    assert numbers is not None
    views.show_dimension_section(numbers, dimension="age_band", **options)
    tables = [TableData.from_json(o[TABLE_MIME]) for o in shown if isinstance(o, dict) and TABLE_MIME in o]
    written = list(WRITTEN_BANDS)
    (ages,) = [t for t in tables if t.caption == "Age"]
    rows = [row[0] for row in ages.rows if in_one_style(row[0])]
    assert rows == written  # every band, in order
    by_band = [t for t in tables if "by age band" in (t.caption or "")]
    assert by_band
    for table in by_band:
        headers = [c.header for c in table.columns if in_one_style(c.header)]
        assert headers == sorted(headers, key=low_end) and set(headers) <= set(written) and len(headers) > 3
    legends = [
        layer["encoding"]["color"]["sort"]
        for spec in drawn
        for layer in spec.get("layer", [spec])
        if "color" in layer.get("encoding", {}) and isinstance(layer["encoding"]["color"].get("sort"), list)
    ]
    assert legends and all(
        [x for x in legend if in_one_style(x)] == sorted((x for x in legend if in_one_style(x)), key=low_end)
        and len([x for x in legend if in_one_style(x)]) > 3
        for legend in legends
    )
    # what a reader sees: the Markdown and HTML shown, the charts drawn (the tables' column keys are no text)
    seen = [
        o.get(kind, "") if isinstance(o, dict) else str(getattr(o, "data", o))
        for o in shown
        for kind in MEDIA
    ]
    assert coded_ages("\n".join(seen) + json.dumps(drawn)) == []
