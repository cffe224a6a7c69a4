"""What the brief's sections say when a source is missing, and which sources they cite (no kernel)."""

from __future__ import annotations

import functools
import json
import re

import polars as pl
import pytest
from _ages import WRITTEN_BANDS, WRITTEN_GROUPS, coded_ages, in_one_style

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


@pytest.fixture
def charts(monkeypatch, tmp_path) -> list[tuple[str, dict]]:
    """The charts a section draws, as (name, Vega-Lite spec), in order; nothing else is displayed."""
    from evidence.notebooks import views
    from evidence.presentation.charts import chart_spec

    drawn: list[tuple[str, dict]] = []
    monkeypatch.setenv("EVIDENCE_RUN_DIR", str(tmp_path))
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: None)
    monkeypatch.setattr(
        views, "show_charts", lambda named: drawn.extend((n, chart_spec(c)) for c, n in named)
    )
    return drawn


@pytest.fixture(scope="module")
def demo_cache(tmp_path_factory):
    """The cache folder of this module's demo briefs, a test's own (not the user's): the demo files (case records,
    UNODC, GSI, TIP) are written into it and read once, not again for each brief (~1.5 CPU-s each time, the
    same bytes whenever written)."""
    return tmp_path_factory.mktemp("cache")


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
    text = _text(shown)
    assert "hold nothing for Thailand as country of destination in 2015–2018" in text
    # the source's name is a label (its digits are not counts), the years beside it are said
    assert 'years they hold for it: <span data-kind="label">CTDC k-anonymised global dataset' in text
    assert "</span>: 2010" in text
    assert not brief.cited


def test_a_brief_that_shows_nothing_is_refused(real_tables, shown):
    from evidence.core.errors import EvidenceError

    brief = open_brief(
        real_tables[:1], DisclosureRule(5), country="THA", role="destination", years=(2015, 2018)
    )
    with pytest.raises(EvidenceError, match="nothing to brief"):
        country_views.finish(brief)


# ------------------------------------------------------------------ charts draw only what their tables publish

#: Charts with no count of people to check against a table: tier placements, and model estimates.
#: The sections of a country brief that draw charts, in the notebook's order.
CHARTED_SECTIONS = (
    country_views.show_together,
    country_views.show_case_section,
    country_views.show_detected_section,
    country_views.show_tier_section,
    country_views.show_peers_section,
    country_views.show_causes_section,
)
_NO_COUNTS = ("tip_tiers", "tier_event_study")
_WITHHELD = ("<5", "x", "n/a", "")


def _rows(spec) -> list[dict]:
    """Every data row a chart spec carries (inline values, named datasets, GeoJSON features' properties)."""
    found: list[dict] = []

    def add(values):
        if isinstance(values, str) and values.startswith("{"):  # GeoJSON inlined as text
            values = json.loads(values)
        if isinstance(values, dict) and values.get("type") == "FeatureCollection":
            found.extend(f["properties"] for f in values["features"])
        elif isinstance(values, list):
            for value in values:
                if isinstance(value, str | dict) and "FeatureCollection" in str(value)[:40]:
                    add(value)
                elif isinstance(value, dict):
                    found.append(value)

    def walk(node):
        if isinstance(node, dict):
            for values in (node.get("datasets") or {}).values():
                add(values)
            data = node.get("data")
            if isinstance(data, dict) and "values" in data:
                add(data["values"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found


def _bounds(cell: str) -> tuple[int, int]:
    """A published count as (low, high): ``1,234``, or ``396–405``."""
    parts = [int(part.replace(",", "")) for part in cell.split("–")]
    return parts[0], parts[-1]


def _low(cell: str) -> int:
    return _bounds(cell)[0]


def _last(items, caption_has: str, *, not_has: str = "\x00") -> dict:
    tables = [t for kind, t in items if kind == "table" and caption_has in (t["caption"] or "")]
    tables = [t for t in tables if not_has not in (t["caption"] or "")]
    assert tables, f"no table '{caption_has}' before the chart"
    return tables[-1]


def _cells(table: dict) -> dict[tuple[str, str], str]:
    headers = [c["header"] for c in table["columns"]]
    return {
        (row[0], header): cell for row in table["rows"] for header, cell in zip(headers, row, strict=True)
    }


def _check_chart(name: str, spec, before: list, brief) -> int:
    """Every value a chart draws is published by the table it stands for; how many values were checked."""
    rows = _rows(spec)
    checked = 0
    if name.startswith("trend_"):
        table = _last(before, "per year", not_has=" by ")
        cells = {row[0]: row[-1] for row in table["rows"]}
        for row in rows:
            cell = cells[str(row["year"])]
            assert cell not in _WITHHELD, f"{name}: {row['year']} drawn, withheld in its table ({cell})"
            if "victims" in row:
                assert _low(cell) == row["victims"]
            else:
                assert (row["count_low"], row["count_high"]) == _bounds(cell)
            checked += 1
    elif name.startswith("shares_"):
        cells = _cells(_last(before, " per year by ", not_has="shares"))
        by = name.rsplit("_", 1)[1]
        for row in rows:
            cell = cells[(str(row["year"]), row[by])]
            assert cell not in _WITHHELD and _low(cell) == row["count"], f"{name}: {row} against {cell}"
            checked += 1
    elif name.startswith(("corridors_", "flow_map_", "world_")):
        cells = {r[0]: r[-1] for r in _last(before, "by route and class of route")["rows"]}
        for row in rows:
            if name.startswith("corridors_"):
                route, value = row["corridor"], row["victims"]
            elif name.startswith("flow_map_") and "from" in row and "victims" in row:
                route, value = f"{row['from']} → {row['to']}", row["victims"]
            elif name.startswith("world_") and row.get("value") is not None:
                role = name.rsplit("_", 1)[1] if name.endswith(("origin", "destination")) else brief.role
                route = (
                    f"{brief.name} → {row['name']}" if role == "origin" else f"{row['name']} → {brief.name}"
                )
                value = row["value"]
            else:
                continue
            assert route in cells and cells[route] not in _WITHHELD, f"{name}: {route} drawn, not published"
            assert _low(cells[route]) == value, f"{name}: {route} drawn as {value}, published {cells[route]}"
            checked += 1
    elif name == "sources_together":
        numbers = [r[3] for r in _last(before, "What the sources say")["rows"]]
        for row in rows:
            if row.get("value") is not None:
                assert (
                    row["text"].rsplit(" (", 1)[0] in numbers
                    and row["text"].rsplit(" (", 1)[0] not in _WITHHELD
                )
                checked += 1
    elif name in ("peers", "detection_vs_prevalence"):
        cells = _cells(_last(before, "and its neighbours"))
        countries = {country for country, _ in cells}
        for row in rows:
            if name == "peers" and row.get("value") is not None:
                cell = cells[(row["country"], row["measure"])]
            elif name == "detection_vs_prevalence" and row.get("country") in countries:
                cell = cells[(row["country"], "Detected per 100,000")]
            else:
                continue
            assert not cell.startswith(("<", "x", "n/a")), f"{name}: {row} drawn, its table shows {cell}"
            checked += 1
    elif name == "means_by_form":
        heat = next(t for kind, t in reversed(before) if kind == "heat")
        shown = {(r[heat.columns[0]], c): r[c] for r in heat.iter_rows(named=True) for c in heat.columns[1:]}
        for row in rows:
            if row.get("share") is not None:
                assert shown[(row["row"], row["column"])] == row["label"], f"{name}: {row}"
                checked += 1
    else:
        assert name in _NO_COUNTS, f"chart {name}: no check says what table it stands for"
    return checked


@pytest.mark.parametrize(("country", "role"), [("KHM", "origin"), ("USA", "both")])
def test_every_chart_of_a_brief_draws_only_what_its_table_publishes(
    real_tables, monkeypatch, tmp_path, country, role
):
    # the review: KHM-origin's nationals table withheld 2015 and 2020 ("x") while the chart beside it drew 16 and 5
    import IPython.display

    from evidence.notebooks import causes_views, views
    from evidence.presentation.charts import chart_spec
    from evidence.presentation.tables import TABLE_MIME

    items: list[tuple[str, object]] = []
    monkeypatch.setenv("EVIDENCE_RUN_DIR", str(tmp_path))

    def displayed(*objects, **_):
        for obj in objects:
            if isinstance(obj, dict) and TABLE_MIME in obj:
                items.append(("table", obj[TABLE_MIME]))

    def heat_table(*args, **kwargs):
        table, shares = real_heat_table(*args, **kwargs)
        items.append(("heat", table))
        return table, shares

    real_heat_table = causes_views.heat_table
    monkeypatch.setattr(IPython.display, "display", displayed)
    monkeypatch.setattr(
        views, "show_charts", lambda named: items.extend(("chart", (n, chart_spec(c))) for c, n in named)
    )
    monkeypatch.setattr(causes_views, "heat_table", heat_table)
    brief = open_brief(real_tables, DisclosureRule(5), country=country, role=role)
    for show in CHARTED_SECTIONS:
        show(brief)
    charts = [(i, item) for i, (kind, item) in enumerate(items) if kind == "chart"]
    assert len(charts) >= 10
    checked = {name: _check_chart(name, spec, items[:i], brief) for i, (name, spec) in charts}
    assert all(n > 0 for name, n in checked.items() if name not in _NO_COUNTS), checked


def test_a_breakdown_the_data_do_not_publish_is_one_sentence_not_a_table_of_zeros(real_tables, shown):
    unodc = real_tables[1]
    # Lao PDR publishes detected victims (totals 2007-2015, forms 2017-2020) but no citizenship breakdown
    brief = open_brief([unodc], DisclosureRule(5), country="LAO", role="destination")
    country_views.show_detected_section(brief)
    text = _text(shown)
    assert "Citizenship of the victims detected in Lao PDR: UNODC" in text
    # the years the data hold its victims in, not the span between the first and the last (none in 2011, 2016)
    assert (
        "data hold no citizenship breakdown of these victims in 2007–2010, 2012–2015 and 2017–2020." in text
    )
    assert "#### Citizenship" not in text and "Nothing to draw" not in text
    assert not [o for o in shown if isinstance(o, dict) and "image/svg+xml" in o and "Citizenship" in str(o)]
    # its forms, published without a total, all "<5" against a usual total of ~150: placeholders (REVIEW5 M6)
    assert "| 2017 | breakdown not usable (placeholder values) |" in text
    # a dimension with no table names itself (Djibouti publishes no forms in any year)
    shown.clear()
    country_views.show_detected_section(
        open_brief([unodc], DisclosureRule(5), country="DJI", role="destination")
    )
    text = _text(shown)
    assert (
        "Detected victims per year by form of exploitation, Djibouti as country of destination: not shown, because "
        "the data publish no such breakdown" in text
    )
    assert "No table by this dimension" not in text


@pytest.fixture(scope="module")
def demo_brief_run(demo_cache, tmp_path_factory):
    """The demo brief (Thailand, both roles) run once for this module's tests of it (~0.6 CPU-s each run): its
    charted sections, then its estimates and disclosure method. What it displayed, in order, and each chart its
    charted sections drew with the spec that was drawn (``chart_spec``, which skips altair's validation), the
    specs not drawn (the tests check specs, not drawings: each file written as an empty SVG)."""
    import IPython.display

    from evidence.presentation import charts

    shown: list = []
    drawn: list[tuple[object, dict]] = []
    unvalidated = charts.chart_spec

    def recorded(chart):
        spec = unvalidated(chart)
        drawn.append((chart, spec))
        return spec

    def saved(jobs, **_):  # no drawing: the specs are what is checked
        for _, path in jobs:
            path.write_text("<svg></svg>")
        return [path for _, path in jobs]

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EVIDENCE_CACHE_DIR", str(demo_cache))
        patch.setenv("EVIDENCE_RUN_DIR", str(tmp_path_factory.mktemp("demo-run")))
        patch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
        patch.setattr(charts, "chart_spec", recorded)
        patch.setattr(charts, "save_charts", saved)
        brief = country_views.start([], 5, country="THA", role="both", years=(None, None))
        for show in CHARTED_SECTIONS:
            show(brief)
        charted = tuple(drawn)
        for show in (country_views.show_estimates_section, country_views.show_disclosure_method):
            show(brief)
    return tuple(shown), charted


def test_every_chart_of_a_demo_brief_is_a_valid_vega_lite_spec(demo_brief_run):
    # Charts are drawn from specs altair does not validate (chart_spec): here every chart of a whole demo brief
    # is validated against the Vega-Lite schema once, and must be the spec that was drawn.
    import altair as alt

    from evidence.presentation import charts

    _, drawn = demo_brief_run
    kinds = set()
    for chart, spec in drawn:
        with alt.theme.enable(charts.THEME_NAME):
            assert chart.to_dict(validate=True) == spec  # raises on a spec the schema does not allow
        kinds.add(next(k for k in ("layer", "hconcat", "mark") if k in spec))
    assert len(drawn) >= 15 and kinds == {"layer", "hconcat", "mark"}  # the brief's charts, of every form


def test_the_peers_sentence_names_the_countries_the_table_lists(real_tables, shown):
    # the UNODC-only Thailand brief: every neighbour of the table in the sentence (those shown <5 or without a
    # total too), and Cambodia, whose forms and ages are in the file but no total, is "no total", not "n/a"
    from evidence.presentation.tables import TABLE_MIME, TableData

    unodc = [t for t in real_tables if t.kind == "indicator"]
    brief = open_brief(unodc, DisclosureRule(5), country="THA", role="destination")
    country_views.show_peers_section(brief)
    text = _text(shown)
    sentence = next(
        line for line in text.splitlines() if "beside its UN M49 region, South-eastern Asia" in line
    )
    sentence = sentence.split(" Left out: ")[0]
    table = next(
        TableData.from_json(obj[TABLE_MIME]) for obj in shown if isinstance(obj, dict) and TABLE_MIME in obj
    )
    listed = [row[0] for row in table.rows][1:]
    assert sentence.rstrip(".").split(": ", 1)[1].replace("\\", "").split(", ") == listed
    assert {"Cambodia", "Singapore", "Timor-Leste"} <= set(listed)
    cambodia = next(row for row in table.rows if row[0] == "Cambodia")
    assert "no total" in cambodia and "n/a" not in cambodia[1:2]
    assert "no total: the UNODC data hold figures for the country" in table.notes[-1]


def test_the_default_neighbours_of_nigeria_are_western_africa_with_data(real_tables, shown):
    """The review: Nigeria's "neighbours" were Sub-Saharan Africa, 53 rows with uninhabited territories in
    n/a. Its M49 intermediate region, and the neighbours no source holds a figure for left out and counted."""
    import re

    from evidence.analyses.society import default_peers
    from evidence.presentation.tables import TABLE_MIME, TableData

    brief = open_brief(real_tables, DisclosureRule(5), country="NGA", role="origin")
    country_views.show_peers_section(brief)
    text = _text(shown)
    sentence = next(line for line in text.splitlines() if "beside its UN M49 region, Western Africa" in line)
    table = next(
        TableData.from_json(obj[TABLE_MIME]) for obj in shown if isinstance(obj, dict) and TABLE_MIME in obj
    )
    listed = [row[0] for row in table.rows][1:]
    assert {"Ghana", "Niger"} <= set(listed) and not {"Kenya", "Mayotte", "Saint Helena"} & set(listed)
    assert len(listed) < 20
    # every neighbour listed has a figure in some column (no row of n/a only)
    assert all(any(cell != "n/a" for cell in row[1:]) for row in table.rows[1:])
    match = re.search(r"Left out: (?:<[^>]*>)?(\d+)(?:</span>)? countr", sentence)
    assert match is not None and "Saint Helena" in sentence
    assert int(match[1]) == len(default_peers("NGA")) - len(listed)


def test_year_lists_in_the_sections_prose_read_as_a_sentence_says_them(real_tables, shown):
    """The world review: "victims of Cambodia as country of origin in 2010, 2018 only, of the brief's 2009–2021;
    the numbers below cover 2010, 2018"; Bangladesh's "in 2013, 2015 UNODC gives every category", read as a
    clause after 2013; Haiti's "UNODC publishes no total ... in 2012–2015, 2017–2020, only their breakdown"."""
    cambodia = open_brief(
        real_tables[:1], DisclosureRule(5), country="KHM", role="origin", years=(2009, 2021)
    )
    country_views.show_case_section(cambodia)
    text = _text(shown).replace("\\", "")
    assert "in 2010 and 2018 only, of the brief's 2009–2021; the numbers below cover 2010 and 2018." in text
    shown.clear()
    bangladesh = open_brief(real_tables[1:2], DisclosureRule(5), country="BGD", role="destination")
    country_views.show_detected_section(bangladesh)
    text = _text(shown)
    assert "Breakdown not usable (placeholder values): in 2013 and 2015 UNODC gives every category" in text
    assert "The citizenship breakdown of 2010 sums to" in text
    assert "detected in Bangladesh in 2007, 2010, 2012 and 2017–2018 is" in text
    shown.clear()
    guatemala = open_brief(real_tables[1:2], DisclosureRule(5), country="GTM", role="destination")
    country_views.show_detected_section(guatemala)
    assert (
        "UNODC gives the total of these victims in 2008–2012 and 2016–2021 but not their breakdown by sex"
        in (_text(shown))
    )
    shown.clear()
    haiti = open_brief(real_tables[1:2], DisclosureRule(5), country="HTI", role="destination")
    country_views.show_detected_section(haiti)
    assert (
        "only their breakdown by form of exploitation and by age (below), in 2012–2015 and 2017–2020."
        in _text(shown)
    )


def test_every_table_of_the_case_section_cites_its_source(real_tables, shown):
    """The world review: in every brief with case data, the key figures ("Identified victims and their routes")
    and the profile tables of "Who is identified" (form, sex, age) were the only tables of the section with no
    source under them: a reader copying one had nothing to cite."""
    from evidence.presentation.tables import TABLE_MIME, TableData

    brief = open_brief(real_tables[:1], DisclosureRule(5), country="USA", role="destination")
    country_views.show_case_section(brief)
    tables = [
        TableData.from_json(obj[TABLE_MIME]) for obj in shown if isinstance(obj, dict) and TABLE_MIME in obj
    ]
    captions = [t.caption for t in tables]
    assert {"Identified victims and their routes", "Form of exploitation", "Sex", "Age"} <= set(captions)
    for table in tables:
        assert any(n.startswith("Source: CTDC k-anonymised global dataset") for n in table.notes), (
            table.caption
        )
        # the source line under the perturbation note, as under every table of the section
        notes = [n.split(" ")[0] for n in table.notes]
        assert notes.index("Counts") < notes.index("Source:"), table.notes


def test_a_rate_the_gsi_gives_no_divisor_for_is_not_said_to_be_missing_for_the_years(real_tables, shown):
    """The world review: Liechtenstein's neighbour Monaco, which UNODC holds detected victims of but none in
    2017–2020, read "none in 2017–2020" for its rate per 100,000 and per 1,000 estimated, though the GSI gives
    it neither a population nor an estimate: no year would give those rates. Maldives (a population, no
    estimate) keeps "none in" per 100,000 only."""
    from evidence.presentation.tables import TABLE_MIME, TableData

    brief = open_brief(real_tables[1:3], DisclosureRule(5), country="LIE", role="destination")
    country_views.show_peers_section(brief)
    table = next(
        TableData.from_json(obj[TABLE_MIME]) for obj in shown if isinstance(obj, dict) and TABLE_MIME in obj
    )
    headers = [c.header for c in table.columns]
    monaco = dict(zip(headers, next(row for row in table.rows if row[0] == "Monaco"), strict=True))
    assert monaco["Detected victims"] == "none in 2017–2020"
    assert monaco["Detected per 100,000"] == "n/a" and monaco["Detected per 1,000 estimated"] == "n/a"
    shown.clear()
    maldives = open_brief(
        real_tables[1:3], DisclosureRule(5), country="LKA", role="destination", years=(2017, 2020)
    )
    country_views.show_peers_section(maldives)
    table = next(
        TableData.from_json(obj[TABLE_MIME]) for obj in shown if isinstance(obj, dict) and TABLE_MIME in obj
    )
    headers = [c.header for c in table.columns]
    row = dict(zip(headers, next(row for row in table.rows if row[0] == "Maldives"), strict=True))
    assert (
        row["Detected victims"] == "none in 2017–2020" and row["Detected per 100,000"] == "none in 2017–2020"
    )
    assert row["Detected per 1,000 estimated"] == "n/a"


def test_the_neighbours_sentence_keeps_apart_names_that_hold_commas(real_tables, shown):
    """The world review: "China beside its UN M49 region, Eastern Asia: China, Hong Kong SAR, China, Macao SAR,
    Democratic People's Republic of Korea, ..." named China three times and six places for four."""
    brief = open_brief(real_tables[1:2], DisclosureRule(5), country="CHN", role="destination")
    country_views.show_peers_section(brief)
    sentence = next(line for line in _text(shown).splitlines() if "beside its UN M49 region" in line)
    assert (
        "Eastern Asia: China, Hong Kong SAR; China, Macao SAR; Democratic People's Republic of Korea; "
        in (sentence.replace("\\", ""))
    )


def test_a_neighbours_table_whose_detected_victims_are_all_withheld_keeps_their_column(real_tables, shown):
    """The world review: Tonga's detected victims are <5 in every year and its neighbours publish no total, so
    the column of detected victims went: the table was the TIP tier alone, its rows of neighbours n/a only,
    and its legend spoke of detected victims "for the year in brackets" that it did not show."""
    from evidence.presentation.tables import TABLE_MIME, TableData

    unodc, tiers = real_tables[1], real_tables[3]
    brief = open_brief([unodc, tiers], DisclosureRule(5), country="TON", role="origin")
    country_views.show_peers_section(brief)
    table = next(
        TableData.from_json(obj[TABLE_MIME]) for obj in shown if isinstance(obj, dict) and TABLE_MIME in obj
    )
    headers = [c.header for c in table.columns]
    assert "Detected victims" in headers
    tonga = table.rows[0]
    assert tonga[0] == "Tonga" and tonga[headers.index("Detected victims")] == "<5 (2020)"
    # the neighbours UNODC holds figures for say so; none is a row of n/a only
    assert all(any(cell != "n/a" for cell in row[1:]) for row in table.rows[1:])
    assert "Detected victims are those each country's authorities detected" in table.notes[-1]
    assert any(n.startswith("Source: UNODC GLOTIP") for n in table.notes)  # it shows their numbers: cited


def test_a_count_the_text_will_not_set_against_the_estimate_is_not_drawn_beside_it(real_tables, charts):
    """Thailand's identified victims (2010) are more than 2 years from the estimate (2021): the sentences refuse
    to compare them, so the orders-of-magnitude chart leaves them out and says why."""
    brief = open_brief(real_tables, DisclosureRule(5), country="THA", role="destination")
    country_views.show_together(brief)
    (spec,) = [spec for name, spec in charts if name == "sources_together"]
    drawn = [r["what"] for r in _rows(spec) if "what" in r]
    assert drawn == ["Detected in the country (UNODC)", "Estimated in modern slavery (GSI)"]
    assert (
        "Not drawn: Identified (case data), 2010 (more than 2 years from the estimate of 2021)."
        in (spec["title"]["subtitle"])
    )


def test_a_bar_of_the_orders_of_magnitude_chart_is_labelled_with_its_year_alone(real_tables, charts):
    """REVIEW11 m1: Myanmar's nationals detected abroad (2021) may count a person twice, which the table says;
    beside the bar the label ran "64 (2021 (may count a person twice: ...))" off the chart."""
    import re

    country_views.show_together(open_brief(real_tables, DisclosureRule(5), country="MMR"))
    (spec,) = [spec for name, spec in charts if name == "sources_together"]
    labels = [r["text"] for r in _rows(spec) if "text" in r]
    assert labels and all(
        re.fullmatch(r"[0-9,<]+ \((\d{4}|estimate year not stated)\)", t) for t in labels
    ), labels


def test_an_origin_section_shows_the_countrys_own_detected_victims(real_tables, shown):
    # review finding 8: Lao PDR's authorities detected 264 (2007) ... 107 (2015): of any citizenship
    unodc = real_tables[1]
    country_views.show_detected_section(open_brief([unodc], DisclosureRule(5), country="LAO", role="origin"))
    text = _text(shown)
    # a heading one level under the section's (## Victims detected by national authorities): none skipped
    assert "\n### Nationals of Lao PDR detected abroad" in text
    assert "detected abroad or at home" not in text and "Thailand detects most of them" in text
    assert "\n### Victims detected by the authorities of Lao PDR" in text
    # within the brief's years (2008-2021, the span of its nationals' data)
    assert "| 2008 |  | 235 |" in text and "| 2010 |  | 145 |" in text and "| 2015 |  | 107 |" in text


def test_a_repatriation_breakdown_held_but_not_used_is_said(real_tables, shown):
    # review finding 15: Russia 2012 by country of repatriation (Uzbekistan 903, Ukraine 628, ...), no
    # citizenship breakdown: the brief said only "no citizenship breakdown"
    unodc = real_tables[1]
    country_views.show_detected_section(
        open_brief([unodc], DisclosureRule(5), country="RUS", role="destination")
    )
    text = _text(shown)
    assert "data hold no citizenship breakdown" in text
    assert "Not used: UNODC" in text and "by country of repatriation (2010–2016" in text
    assert "lists countries only" in text


def test_the_methods_say_how_the_sources_used_are_protected_as_about_this_brief_does(real_tables, shown):
    """The second review, finding 3: the methods said the k-anonymised release was "shown as published, not
    perturbed" while *About this brief* (and every table's note) said it was perturbed. Both now read the
    source's own protection."""
    from evidence.briefs.document import protection_sentences
    from evidence.sources.demo import demo_path
    from evidence.sources.registry import load

    k_anon = real_tables[0]
    assert k_anon.protection == "cell_key" and k_anon.provenance.published_protection
    brief = open_brief([k_anon, real_tables[1]], DisclosureRule(11), country="USA", role="destination")
    country_views.show_disclosure_method(brief)
    said = " ".join(_text(shown).split())
    assert said.startswith("- **Disclosure control.** Counts below 11 are withheld (`<11`)")
    assert "perturbed slightly (cell key method)" in said and "k-anonymised one, included" in said
    assert "not perturbed" not in said and "shown as published" not in said
    assert "uncertain, not impossible to guess" in said
    about = protection_sentences([{**k_anon.provenance.__dict__, "kind": "case", "protection": "cell_key"}])
    assert "perturbed slightly (cell key method)" in about  # the same claim in both places
    demo = load(demo_path())
    assert demo.protection == "suppression"
    text = country_views.disclosure_method([demo], 5)
    assert "synthetic" in text and "cell key" not in text
    assert "cell key" not in country_views.disclosure_method([real_tables[1]], 5)  # UNODC only: no records


def test_the_briefs_disclosure_method_says_what_a_small_label_of_unodcs_ranges_can_be(real_tables):
    """label31: "Counts below 11 are withheld (<11)" was all the methods said of <11, which of UNODC's ranges
    also stands for one whose low end is below 11, withheld whole (Côte d'Ivoire's nationals of 2016, 8–17);
    said wherever UNODC's data are used, and only there."""
    said = "a range whose low end is below 11 is withheld whole (`<11`), its high end too."
    assert said in country_views.disclosure_method([real_tables[1]], 11)
    assert "range" not in country_views.disclosure_method([real_tables[0]], 11)


def test_a_case_table_of_not_recorded_only_is_a_sentence(real_tables, shown):
    # REVIEW2 #9: Myanmar's CTDC victims: the "Sex" table had one row, "Not recorded 42", and its total
    brief = open_brief([real_tables[0]], DisclosureRule(5), country="MMR", role="both")
    country_views.show_case_section(brief)
    text = _text(shown)
    assert "**Sex**: not recorded for any of these victims." in text
    assert "| Not recorded |" not in text.split("**Sex**")[1].split("**", 2)[0]


def test_the_unodc_section_opens_with_what_it_holds(real_tables, shown):
    # REVIEW2 #9: the origin brief's intro promised tables by form, sex and age that Cambodia's has not
    brief = open_brief([real_tables[1]], DisclosureRule(5), country="KHM", role="origin")
    country_views.show_detected_section(brief)
    text = _text(shown)
    assert text.lstrip().startswith("UNODC\\'s country data (GLOTIP): nationals of Cambodia detected abroad")
    assert "form, sex and age;" not in text


def test_citizenship_chart_subtitles_give_the_years_of_the_breakdown_not_the_briefs(real_tables, charts):
    """Review 3, finding 5: Myanmar's citizenship charts said "Detected victims, 2007–2021" beside a text on the
    citizenship breakdown of 2015–2021; the nationals' charts already gave the years they hold."""
    # (Thailand: Myanmar as destination now has one route to draw, which is said, not charted)
    brief = open_brief([real_tables[1]], DisclosureRule(5), country="THA", role="both")
    assert brief.period == "2007–2021"
    country_views.show_detected_section(brief)
    # a subtitle's first line states what is counted and its years (then notes and the source)
    subtitles = {
        name: spec["title"]["subtitle"][0].split(" Lower bounds")[0].split(" In brackets")[0].rstrip(".")
        for name, spec in charts
    }
    destination = {n: s for n, s in subtitles.items() if n.endswith("_unodc_destination")}
    origin = {n: s for n, s in subtitles.items() if n.endswith("_unodc_origin")}
    assert {"corridors_unodc_destination", "flow_map_unodc_destination"} <= set(destination)
    assert all(s == "Detected victims, 2008–2021" for s in destination.values()), destination
    assert origin and all(s == "Detected victims, 2007–2021" for s in origin.values()), origin


def test_lao_pdrs_unodc_section_says_which_breakdowns_came_without_a_total(real_tables, shown):
    """Lao PDR (real workbook): its ages of 2012–2013 and forms of 2017–2020 have no total; the section said
    nothing of it. Notes now, and the breakdown tables give the years without them as not published."""
    brief = open_brief([real_tables[1]], DisclosureRule(5), country="LAO", role="destination")
    country_views.show_detected_section(brief)
    text = _text(shown)
    # REVIEW5 M6: those breakdowns are all "<5" against ~150 victims a year: placeholders, noted in their tables
    assert "UNODC published victims by age" not in text
    for by, when in (("form of exploitation", "2017–2020"), ("age", "2012–2013")):
        assert (
            f"Breakdown not usable (placeholder values): in {when} UNODC gives every category of the breakdown by {by}"
            in text
        )
    assert "| 2016 | no data published |" in text and "| 2011 | no data published |" in text
    assert "| 2008 | no breakdown published |" in text  # Lao PDR's total of 2008, without its sexes
    assert "UNODC gives the total of these victims in 2007–2010 but not their breakdown by sex" in text
    assert "neither the total of these victims nor their breakdown by sex in 2011–2013 and 2016–2020" in text
    # the table of victims per year: Lao PDR's ages of 2012 and forms of 2017 are placeholders, no usable
    # breakdown (REVIEW7 m1): no data published, the placeholders said with their tables, no breakdown claimed
    assert "| 2012 | no data published |" in text and "| 2017 | no data published |" in text
    assert "no total published" not in text.lower()
    assert "it gives only placeholder values by age, not counts (see the table by age)" in text
    assert "only placeholder values by form of exploitation, not counts" in text
    # Thailand's forms of 2007 and citizenships of 2007–2008 (no total those years) are said under the table of victims per year; Myanmar,
    # every breakdown with a total, has no such note
    for iso3, expected in (("THA", "No total published: UNODC gives these victims by form"), ("MMR", None)):
        shown.clear()
        country_views.show_detected_section(open_brief([real_tables[1]], DisclosureRule(5), country=iso3))
        text = _text(shown)
        if expected is None:
            assert "No total published" not in text
        else:
            assert f"{expected} of exploitation (2007) and by citizenship (2008) but not their total" in text


def test_case_data_of_regions_only_say_so_in_one_sentence_without_the_methods(
    real_tables, shared_data, shown
):
    """Review 5, m4: the section printed its methods (rate ratio, denominator rule, Wilson intervals) and then
    nothing, because the Victim–Perpetrator file records UN regions only; the methods go with numbers."""
    from evidence.sources.cache import load_cached

    regions = load_cached(shared_data / "ctdc" / "vp_synthetic_condensed.csv")
    brief = open_brief([regions, real_tables[2]], DisclosureRule(5), country="THA", role="both")
    country_views.show_case_section(brief)
    said = _text(shown)
    assert len(shown) == 1 and "record UN regions only, never countries" in said
    assert "Wilson" not in said and "rate ratio" not in said
    shown.clear()
    with_countries = open_brief(real_tables[:1], DisclosureRule(5), country="THA", role="destination")
    country_views.show_case_section(with_countries)
    assert country_views.CASE_METHODS in _text(shown)


def test_an_unused_repatriation_breakdown_is_said_once_in_a_brief_of_both_roles(real_tables, shown):
    """Review 5, m4: Myanmar's two "Not used: UNODC's breakdown … by country of repatriation" paragraphs were
    each printed in the destination and in the origin section."""
    brief = open_brief([real_tables[1]], DisclosureRule(5), country="MMR", role="both")
    country_views.show_detected_section(brief)
    lines = [line for line in _text(shown).splitlines() if line.startswith("Not used: UNODC")]
    assert len(lines) == 2 and len(set(lines)) == 2


def test_viet_nams_placeholder_years_are_no_usable_breakdown_in_the_per_year_note(real_tables, shown):
    """REVIEW7 m1: the note said UNODC gives Viet Nam's victims "by form, sex or age in 2017–2020 (see the tables
    by category)", but the forms of those years are placeholders and there is no sex table."""
    brief = open_brief([real_tables[1]], DisclosureRule(5), country="VNM", role="destination")
    country_views.show_detected_section(brief)
    text = _text(shown)
    assert "by form, sex or age" not in text and "no total published" not in text.lower()
    assert "| 2017 | no data published |" in text
    assert (
        "which is not a count of 0; in 2017–2020 it gives only placeholder values by form of exploitation, not counts (see"
        in text
    )


def test_route_notes_explain_once_only_the_rows_shown_and_name_only_the_pairs_shown(real_tables, shown):
    """REVIEW7 m2, m5: the "X → X: … domestic trafficking as UNODC defines it" paragraph was in both roles'
    sections; the pairing sentence said Malaysia was a pair of rows (one row, the other in "All other
    routes"), and Nigeria's named 14 corridors, none shown as a pair."""
    marker = "domestic trafficking as UNODC defines it"
    brief = open_brief([real_tables[1]], DisclosureRule(5), country="MMR", role="both")
    country_views.show_detected_section(brief)
    text = _text(shown)
    assert text.count(marker) == 1
    assert "the routes to Malaysia and Thailand. Shown above as a pair of rows" in text  # REVIEW9 m4
    assert "only the route to Thailand; the others are one row or among" in text
    assert "where both are listed above" not in text
    shown.clear()
    country_views.show_detected_section(open_brief([real_tables[1]], DisclosureRule(5), country="NGA"))
    text = _text(shown)
    assert text.count(marker) == 1
    assert "None of them is shown above as a pair of rows" in text


def test_botswanas_routes_with_nothing_to_draw_give_no_chart_and_no_note_on_a_row_not_shown(
    real_tables, shown, tmp_path
):
    """REVIEW7 m4: Botswana (origin) explained a "Botswana → Botswana" row the table keeps in "All other
    routes", and drew an empty map after saying there was nothing to draw."""
    from evidence.notebooks.views import NO_ROUTE_TO_DRAW, NOTHING_TO_DRAW

    brief = open_brief([real_tables[1]], DisclosureRule(5), country="BWA", role="origin", years=(2017, 2020))
    country_views.show_detected_section(brief)
    text = _text(shown)
    section = text[text.index("Where nationals of Botswana") :]
    assert "Botswana → Botswana:" not in section
    assert section.count(NO_ROUTE_TO_DRAW) == 1 and NOTHING_TO_DRAW not in section
    # no bar chart, flow map or world map of the routes (an empty map is not drawn)
    drawn = {p.name for p in (tmp_path / "figures").glob("*.svg")}
    assert not {n for n in drawn if n.startswith(("corridors", "flow_map", "world"))}


# ------------------------------------------------------------- a source's title or release is no count (REVIEW8 M1)


def _titled(table, name: str, release: str, *, synthetic: bool = True):
    """A copy of a loaded table whose provenance a sidecar titled ``name`` (release ``release``)."""
    import copy
    import dataclasses

    titled = copy.copy(table)
    titled.provenance = dataclasses.replace(
        table.provenance, name=name, release_label=release, synthetic=synthetic, demo=False
    )
    return titled


def _small_counts_displayed(shown) -> list:
    """What the brief's disclosure scan finds in what the views displayed: tables as the table writer writes
    them, Markdown as the brief converts it."""
    from IPython.display import Markdown

    from evidence.presentation.disclosure import find_small_counts
    from evidence.presentation.tables import TABLE_MIME, TableData

    hits = []
    for obj in shown:
        if isinstance(obj, dict) and TABLE_MIME in obj:
            hits += find_small_counts(TableData.from_json(obj[TABLE_MIME]).to_html())
        elif isinstance(obj, Markdown):
            hits += find_small_counts(_html_of(obj.data))
    return hits


@functools.cache
def _html_of(markdown: str) -> str:
    """The brief's Markdown as HTML (:func:`evidence.briefs.builtin.markdown_to_html`, a pandoc process each),
    converted once per text: most of what the cases below display is the same text in each of them."""
    from evidence.briefs.builtin import markdown_to_html

    return markdown_to_html(markdown)


@pytest.mark.parametrize(
    ("years", "name", "release"),
    [
        (None, "CTDC extract 2 of 3", "release 3 March 2024"),
        (None, "<script>alert(3)</script> Round 2", "Phase 4"),
        ((2015, 2018), "CTDC extract 2 of 3", "part 1"),  # the source holds nothing: named as unused
    ],
)
def test_a_small_number_in_a_sources_title_or_release_is_no_count(
    real_tables, shown, monkeypatch, years, name, release
):
    """The review (M1): a sidecar's title "CTDC extract 2 of 3" or release "3 March 2024" stopped the brief,
    its digits read as small counts in the table notes, the sources table, the synthetic-data notice and the
    sentences that name a source. A source's name is a label wherever it is published."""
    from evidence.notebooks import views
    from evidence.notebooks.country_views import key_figures_markdown

    monkeypatch.setattr(views, "show_charts", lambda named: None)
    case = _titled(real_tables[0], name, release)
    detected = _titled(real_tables[1], f"GLOTIP {name}", release, synthetic=False)
    brief = open_brief(
        [case, detected, real_tables[2]], DisclosureRule(5), country="THA", role="destination", years=years
    )
    views.show_notice(brief.used_tables())
    country_views._say(key_figures_markdown(brief))
    for show in (country_views.show_overview, *CHARTED_SECTIONS[:3]):
        show(brief)
    text = _text(shown)
    assert "Round 2" in text if "Round" in name else "extract 2 of 3" in text  # the name is published
    assert _small_counts_displayed(shown) == []
    # the scan still reads a count written beside a name. The scan is of each object alone, and those already
    # shown were just found to hold none: scanning the new sentence alone is the scan of all of them again
    before = len(shown)
    country_views._say(f"{markup_label(name)} counts 3 victims.")
    assert len(shown) == before + 1
    assert [h.value for h in _small_counts_displayed(shown[before:])] == [3]


def markup_label(text: str) -> str:
    from evidence.presentation.markup import data_label

    return data_label(text)


def test_an_origin_section_refers_to_no_table_by_form_it_does_not_show(real_tables, shown):
    """REVIEW9 m7: Nigeria's and Viet Nam's origin briefs said "(see the table by form of exploitation)" under
    their nationals' yearly table; an origin section has no such table (UNODC breaks its detections down by the
    country that detected them). The destination section, which shows it, still refers to it."""
    for iso3, said in (
        ("NGA", "UNODC gives these victims by form of exploitation in 2007 but not their total."),
        ("VNM", "it gives only placeholder values by form of exploitation, not counts."),
    ):
        shown.clear()
        country_views.show_detected_section(
            open_brief([real_tables[1]], DisclosureRule(5), country=iso3, role="origin")
        )
        text = _text(shown)
        assert said in text, iso3
        assert "(see the table" not in text, iso3
    shown.clear()
    country_views.show_detected_section(open_brief([real_tables[1]], DisclosureRule(5), country="THA"))
    # it shows the citizenship table too, where 2008 is (Thailand: no total in 2007–2008)
    assert "but not their total (see the tables by form of exploitation and by citizenship)" in _text(shown)


def test_the_nationals_chart_says_the_own_count_is_summed_only_where_there_is_one(real_tables, charts):
    """REVIEW9 m8: Viet Nam's and Cambodia's nationals charts said "Summed over … (and the country's own count
    of its nationals)" where the text says UNODC's data hold no such count; Myanmar's holds one."""
    said = {}
    for iso3 in ("VNM", "KHM", "MMR"):
        charts.clear()
        country_views.show_detected_section(
            open_brief([real_tables[1]], DisclosureRule(5), country=iso3, role="origin")
        )
        (spec,) = [spec for name, spec in charts if name == "trend_unodc_glotip_origin"]
        said[iso3] = " ".join(spec["title"]["subtitle"])
    for iso3 in ("VNM", "KHM"):
        assert "the countries that detected them." in said[iso3] and "own count" not in said[iso3], iso3
    assert "the countries that detected them (and the country's own count of its nationals)." in said["MMR"]


def test_the_nationals_route_charts_say_which_repatriated_routes_they_leave_out(real_tables, charts):
    """REVIEW9 (noted): Myanmar's nationals bar chart leaves out "repatriated from Thailand" (26–29) by design
    (the detected Myanmar → Thailand bar is drawn; the same people may be in both) and did not say so."""
    country_views.show_detected_section(
        open_brief([real_tables[1]], DisclosureRule(5), country="MMR", role="origin")
    )
    subtitles = {name: " ".join(spec["title"]["subtitle"]) for name, spec in charts}
    said = (
        "Not drawn: the nationals repatriated from Thailand, who may be among those detected there "
        "(the table lists them)."
    )
    assert said in subtitles["corridors_unodc_origin"] and said in subtitles["flow_map_unodc_origin"]
    # a destination section draws every route it lists: nothing said
    assert not any("Not drawn" in s for n, s in subtitles.items() if n.endswith("_destination"))


def test_a_brief_on_a_gsi_edition_without_an_estimate_year_says_its_edition(
    real_tables, shown, shared_data, tmp_path
) -> None:
    """REVIEW10 C1: the GSI 2025 (same columns, no estimate year the loader knows) is data for the brief; every
    sentence says the edition and that its estimate year is not stated, never 2023 or 2021."""
    from _gsi import gsi_2025

    from evidence.notebooks import country
    from evidence.sources import registry

    gsi = registry.load(gsi_2025(shared_data, tmp_path))
    unodc, tip = real_tables[1], real_tables[3]
    brief = open_brief([unodc, gsi, tip], DisclosureRule(5), country="THA", role="both")
    assert brief.holding("gsi")
    figures = dict(country.key_figures(brief))
    assert (
        figures[
            "People estimated in modern slavery (the Global Slavery Index 2025, estimate year not stated)"
        ]
        == "401,000"
    )
    for show in (
        country_views.show_together,
        country_views.show_estimates_section,
        country_views.show_peers_section,
    ):
        show(brief)
    text = _text(shown)
    assert "Global Slavery Index 2025, estimate year not stated" in text
    for wrong in (
        "Index 2023",
        "GSI 2023",
        "estimate of 2021",
        "estimated to be in modern slavery in Thailand in 2021",
        "day in 2021",
    ):
        assert wrong not in text, wrong
    assert "GSI figures refer to" not in text and "per 1,000 estimated: only victims" not in text
    gsi_rows = [r for r in country.magnitudes(brief) if r.kind == "gsi"]
    assert [(r.year, r.year_text) for r in gsi_rows] == [(None, "estimate year not stated")]
    # the overview's table of data used says what it holds, never "none" (REVIEW11 m2)
    (held,) = [
        row[f"Years it holds for {brief.place_role}"]
        for row in country.overview_view(brief).iter_rows(named=True)
        if "Slavery" in row["Source and release"]
    ]
    assert held == "estimates, estimate year not stated"
    assert all(r.per_thousand is None for r in country.magnitudes(brief))


def test_a_country_the_gsi_does_not_assess_is_said_once_without_a_doubled_article(real_tables, shown) -> None:
    """REVIEW10 C1: "Not shown: the the Walk Free…"."""
    brief = open_brief(real_tables[1:3], DisclosureRule(5), country="AND", role="both")
    country_views.show_estimates_section(brief)
    text = _text(shown)
    assert "Not shown: the Walk Free Global Slavery Index data given hold nothing for Andorra" in text
    assert "the the" not in text


def test_the_own_authorities_table_says_nothing_of_a_chart_or_trend_that_does_not_follow(real_tables, shown):
    """REVIEW11 m7: Viet Nam's own-authorities table (a table alone: no chart, no trend follows it) said "Such
    years are left out of the chart and the trend"."""
    country_views.show_detected_section(
        open_brief([real_tables[1]], DisclosureRule(5), country="VNM", role="origin")
    )
    tables = [obj["text/markdown"] for obj in shown if isinstance(obj, dict) and "text/markdown" in obj]
    (own,) = [t for t in tables if "Victims detected by the authorities of Viet Nam" in t]
    assert "No data published" in own
    assert "left out of the chart and the trend" not in own


# --------------------------------------------------------------------------------- the brief audit (real data)


def _shown_tables(shown) -> list:
    from evidence.presentation.tables import TABLE_MIME, TableData

    return [
        TableData.from_json(obj[TABLE_MIME]) for obj in shown if isinstance(obj, dict) and TABLE_MIME in obj
    ]


@pytest.mark.parametrize(("iso3", "role"), [("ISL", "both"), ("BTN", "both"), ("KHM", "origin")])
def test_the_sources_together_table_has_no_column_empty_in_every_row(real_tables, shown, iso3, role):
    """Brief audit: Iceland and Bhutan (no GSI estimate) and Cambodia as origin (nationals abroad only, never
    set against the estimate) showed a column "Per 1,000 estimated in modern slavery" blank in every row, and
    Iceland's and Bhutan's legend dated the numbers by "the GSI's estimate year", of an estimate they do not
    have."""
    brief = open_brief(real_tables, DisclosureRule(5), country=iso3, role=role)
    country_views.show_together(brief)
    (table,) = [t for t in _shown_tables(shown) if (t.caption or "").startswith("What the sources say")]
    for i, column in enumerate(table.columns):
        assert any(row[i].strip() for row in table.rows), column.name
    if iso3 != "KHM":
        assert "GSI's estimate year" not in " ".join(table.notes)
        assert "no estimate of people in modern slavery (GSI) is given for the country" in " ".join(
            table.notes
        )


def test_the_sources_together_table_says_which_of_its_numbers_are_perturbed(real_tables, shown):
    """A researcher's reading of the real brief of Thailand: under a table of CTDC's 140, UNODC's 134 and 630–651
    and the GSI's 401,000, "Counts are perturbed slightly (cell key method): a total may differ from the sum of
    its parts by a few", as if UNODC's and Walk Free's published figures had been changed. Only the case data's
    are, and the note says so."""
    from evidence.presentation.disclosure import PERTURBATION_NOTE

    brief = open_brief(real_tables, DisclosureRule(5), country="THA", role="both")
    country_views.show_together(brief)
    (table,) = [t for t in _shown_tables(shown) if (t.caption or "").startswith("What the sources say")]
    notes = " ".join(table.notes)
    assert PERTURBATION_NOTE in notes  # the case data's count is perturbed, as in its own tables
    assert (
        "Only the case data's counts are perturbed: UNODC's and the GSI's numbers are as published." in notes
    )


def test_the_sources_together_table_keeps_its_ratio_where_a_row_has_one(real_tables, shown):
    brief = open_brief(real_tables, DisclosureRule(5), country="THA", role="both")
    country_views.show_together(brief)
    (table,) = [t for t in _shown_tables(shown) if (t.caption or "").startswith("What the sources say")]
    names = [c.name for c in table.columns]
    assert names[-1] == "Per 1,000 estimated in modern slavery"
    assert "0.334" in [row[-1] for row in table.rows]


def test_the_neighbours_table_dates_the_gsi_figures_it_shows_for_a_country_the_gsi_has_no_estimate_of(
    real_tables, shown
):
    """Brief audit: Iceland (no GSI estimate of its own) beside Northern Europe: the table showed its
    neighbours' GSI estimates and rates per 1,000 estimated, but its legend said nothing of their year
    ("... for each country;  Tier 2 WL: ..."), and explained "Tier 2 WL", which no row holds."""
    brief = open_brief(real_tables, DisclosureRule(5), country="ISL", role="both")
    country_views.show_peers_section(brief)
    (table,) = [t for t in _shown_tables(shown) if (t.caption or "").endswith("and its neighbours")]
    note = " ".join(table.notes)
    assert "GSI figures refer to 2021" in note
    assert ";  " not in note and "; Tier" not in note
    assert "Tier 2 WL" not in note  # no neighbour of Iceland was on the Watch List in 2015
    thailand = open_brief(real_tables, DisclosureRule(5), country="THA", role="both")
    shown.clear()
    country_views.show_peers_section(thailand)
    (table,) = [t for t in _shown_tables(shown) if (t.caption or "").endswith("and its neighbours")]
    assert "Tier 2 WL: Tier 2 Watch List." in " ".join(table.notes)


def test_a_country_the_gsi_rates_but_does_not_estimate_is_not_said_to_be_absent_from_it(real_tables, shown):
    """Brief audit: Iceland. The GSI 2023 rates its government response (47.4) without estimating it; the
    brief said the GSI file "holds Iceland as country of origin or destination in: none", showed no GSI section
    ("hold nothing for Iceland"), then 47.4 beside the neighbours."""
    from evidence.notebooks.country import overview_view, unused_sentence

    brief = open_brief(real_tables, DisclosureRule(5), country="ISL", role="both")
    overview = overview_view(brief)
    rated = overview.filter(overview["Source and release"].str.starts_with("Walk Free"))
    assert rated["What it gives"].to_list() == [
        "Government response rating only (no estimate of modern slavery for Iceland)"
    ]
    unused = unused_sentence(brief) or ""
    assert "Walk Free" not in unused and ": none)" not in unused
    assert "CTDC k-anonymised global dataset" in unused and "in no year" in unused
    country_views.show_estimates_section(brief)
    text = _text(shown)
    assert "hold nothing" not in text and "publishes no estimate of the number in modern slavery" in text
    (table,) = [t for t in _shown_tables(shown) if (t.caption or "").endswith("in the Global Slavery Index")]
    values = {row[0]: row[1] for row in table.rows}
    assert values["Government response rating (%; higher: stronger response)"] == "47.4"
    assert values["Estimated number of people in modern slavery"] == "n/a"
    assert [t.provenance.source for t in brief.cited.values()] == ["walkfree_gsi"]


def test_a_section_whose_source_holds_the_country_in_no_year_says_so_plainly(real_tables, shown):
    brief = open_brief(real_tables, DisclosureRule(5), country="ISL", role="both")
    country_views.show_case_section(brief)
    text = _text(shown)
    assert "hold nothing for Iceland as country of origin or destination in any year." in text
    assert ": none)" not in text


def test_the_neighbours_chart_cites_the_sources_of_its_panels_only(real_tables, charts):
    """Brief audit: Thailand's neighbours chart (prevalence, government response, detected per 100,000 and per
    1,000 estimated) cited the US TIP Report tiers, of which it draws nothing; its table shows the tiers."""
    brief = open_brief(real_tables, DisclosureRule(5), country="THA", role="both")
    country_views.show_peers_section(brief)
    (spec,) = [spec for name, spec in charts if name == "peers"]
    said = " ".join(spec["title"]["subtitle"])  # wrapped lines
    assert "UNODC GLOTIP" in said and "Walk Free Global Slavery Index" in said
    assert "TIP Report tiers" not in said
    assert {e["source"]: e["cited"] for e in brief.provenance()}["us_tip_tiers"]  # the table cites them


def test_the_orders_of_magnitude_chart_cites_the_sources_of_its_bars_only(real_tables, charts):
    """The world review: Thailand's chart "Identified, detected and estimated" draws UNODC's 134 and the GSI's
    401,000 and leaves out the case data's 2010, too far from the estimate's 2021 ("Not drawn: ..."), yet cited
    the CTDC dataset beside the sources it draws; its table cites all three."""
    brief = open_brief(real_tables, DisclosureRule(5), country="THA", role="destination")
    country_views.show_together(brief)
    (spec,) = [spec for name, spec in charts if name == "sources_together"]
    said = " ".join(spec["title"]["subtitle"])
    source = next(line for line in spec["title"]["subtitle"] if line.startswith("Source:"))
    assert "Not drawn: Identified (case data), 2010" in said
    assert "UNODC GLOTIP" in said and "Walk Free Global Slavery Index" in said
    assert "CTDC" not in source
    assert {e["source"]: e["cited"] for e in brief.provenance()}["ctdc"]  # the table cites it


def test_the_orders_of_magnitude_chart_is_titled_by_the_bars_it_draws(real_tables, charts):
    """real31: the Philippines as origin (no case data) and Thailand as destination (its case data of 2010 not
    drawn, too far from the estimate) had charts titled "Identified, detected and estimated" with two bars,
    detected and estimated: the title promised identified victims the chart does not show."""
    for iso3, role, title in (
        ("PHL", "origin", "Detected and estimated: the Philippines"),
        ("THA", "destination", "Detected and estimated: Thailand"),
    ):
        charts.clear()
        country_views.show_together(open_brief(real_tables, DisclosureRule(5), country=iso3, role=role))
        (spec,) = [spec for name, spec in charts if name == "sources_together"]
        assert spec["title"]["text"] == title, spec["title"]


def test_a_year_whose_victims_all_lack_the_category_has_its_blank_cells_explained(real_tables, shown):
    """Brief audit: Cambodia as origin, identified victims per year by form: 2010 had 16 under Not recorded and
    every form blank (2018: zeros), and the note did not say why a cell was blank rather than 0."""
    brief = open_brief(real_tables, DisclosureRule(5), country="KHM", role="origin")
    country_views.show_case_section(brief)
    (table,) = [
        t
        for t in _shown_tables(shown)
        if (t.caption or "")
        == "Identified victims per year by form of exploitation, Cambodia as country of origin"
    ]
    (row,) = [r for r in table.rows if r[0] == "2010"]
    assert all(cell == "" for cell in row[1:-1]) and row[-1] not in ("", "0")
    assert (
        "Empty cells: none of the year's victims has the form of exploitation recorded (all are under Not recorded"
        in (" ".join(table.notes))
    )


def test_the_orders_of_magnitude_chart_is_not_drawn_with_one_bar(real_tables, charts):
    """Brief audit: Iceland's sources-together table has its detected victims (16, 2020) and its nationals
    abroad (<5, 2012, withheld): the chart "Identified, detected and estimated" drew a single bar."""
    country_views.show_together(open_brief(real_tables, DisclosureRule(5), country="ISL", role="both"))
    assert not [name for name, _ in charts if name == "sources_together"]
    country_views.show_together(open_brief(real_tables, DisclosureRule(5), country="THA", role="both"))
    (spec,) = [spec for name, spec in charts if name == "sources_together"]
    assert len([r for r in _rows(spec) if r.get("value") is not None]) >= 2


def test_a_yearly_table_of_not_recorded_alone_is_a_sentence(real_tables, shown):
    """Brief audit: Myanmar as origin: "Identified victims per year by form" was a table of one column, Not
    recorded (2010: 40), with a note on victims counted in several forms; the profile says "not recorded"."""
    brief = open_brief(real_tables, DisclosureRule(5), country="MMR", role="origin")
    country_views.show_case_section(brief)
    assert not [
        t
        for t in _shown_tables(shown)
        if (t.caption or "").startswith("Identified victims per year by form of exploitation")
    ]
    text = _text(shown)
    assert (
        "Identified victims per year by form of exploitation, Myanmar as country of origin: not shown, the form of "
        "exploitation being recorded for none of these victims." in (text)
    )
    assert "**Form of exploitation**: not recorded for any of these victims." in text


def test_the_neighbours_table_says_whose_detected_victims_it_counts(real_tables, shown):
    """Brief audit: Cambodia as origin: the brief counts 523-556 of its nationals detected abroad, and its row
    beside the neighbours reads "Detected victims: no total": the note did not say these are the victims each
    country's own authorities detected, whatever their citizenship."""
    brief = open_brief(real_tables, DisclosureRule(5), country="KHM", role="origin")
    country_views.show_peers_section(brief)
    (table,) = [t for t in _shown_tables(shown) if (t.caption or "").endswith("and its neighbours")]
    assert "Detected victims are those each country's authorities detected, of any citizenship" in " ".join(
        table.notes
    )


def test_a_single_domestic_route_is_said_not_charted(real_tables, shown, tmp_path):
    """Cambodia as destination in 2018 (CTDC): one route, Cambodia → Cambodia, drew a one-bar chart, a map of
    one circle and a world map of one country with a legend of one value."""
    from evidence.notebooks.views import ONE_ROUTE_TO_DRAW

    brief = open_brief(
        [real_tables[0]], DisclosureRule(5), country="KHM", role="destination", years=(2018, 2018)
    )
    country_views.show_case_section(brief)
    text = _text(shown)
    assert ONE_ROUTE_TO_DRAW.format(route="Cambodia → Cambodia") in text
    drawn = {p.name for p in (tmp_path / "figures").glob("*.svg")}
    assert not {n for n in drawn if n.startswith(("corridors", "flow_map", "world"))}, drawn


def test_a_trend_across_a_clear_break_says_the_yearly_rate_is_no_steady_change(real_tables, shown):
    """The United Kingdom's detected victims (UNODC 2023): about 300–800 a year in 2009–2016, then 5,138 to
    10,627 in 2017–2020. The brief said only "changed by a factor of 1.39 a year … about 39% more detected
    victims each year", a steady growth a reader would quote; the counts stepped up about eight-fold in 2017 and
    grew by an interval including no change before it. The brief now says the break beside the rate."""
    import re

    unodc = real_tables[1]
    country_views.show_detected_section(
        open_brief([unodc], DisclosureRule(5), country="GBR", role="destination")
    )
    text = re.sub(r"</?span[^>]*>", "", _text(shown))
    assert "changed by a factor of **1.39 a year**" in text
    caveat = next(
        line
        for line in text.splitlines()
        if line.startswith("One yearly rate for all these years hides a break")
    )
    assert "change course in 2017" in caveat
    assert "before it the rate ratio was 1.05 a year (95% interval 0.99–1.12)" in caveat
    assert "from it 1.30 a year (95% interval 1.10–1.54)" in caveat
    assert "a step up by a factor of 7.78 (95% interval 5.05–11.99) in 2017" in caveat
    # the United States 2013–2021: a slowdown from 2017 (1.32 a year, then 1.06), no step (its interval holds 1)
    shown.clear()
    country_views.show_detected_section(
        open_brief([unodc], DisclosureRule(5), country="USA", role="destination")
    )
    text = re.sub(r"</?span[^>]*>", "", _text(shown))
    caveat = next(
        line for line in text.splitlines() if line.startswith("One yearly rate for all these years")
    )
    assert "before it the rate ratio was 1.32 a year" in caveat and "from it 1.06 a year" in caveat
    assert "step" not in caveat


def test_a_weak_break_adds_nothing_to_the_trend_sentence(real_tables, shown):
    # Thailand's detected victims 2009–2021: a break in 2015 with an adjusted p of about 0.13, no clear change
    unodc = real_tables[1]
    country_views.show_detected_section(
        open_brief([unodc], DisclosureRule(5), country="THA", role="destination")
    )
    text = _text(shown)
    assert "**no clear change** in the number of detected victims" in text
    assert "hides a break" not in text


def test_the_russian_federations_trend_says_it_bridges_six_years_without_counts(real_tables, shown):
    import re

    unodc = real_tables[1]
    country_views.show_detected_section(
        open_brief([unodc], DisclosureRule(5), country="RUS", role="destination")
    )
    text = re.sub(r"</?span[^>]*>", "", _text(shown))
    assert "Over 2008–2010 and 2017–2020, the number of detected victims changed by a factor of" in text
    assert "No count is read for 2011–2016: the ratio compares the years before that gap" in text


def test_a_form_cell_added_up_from_several_published_rows_says_so(real_tables, shown):
    """Thailand's "Other forms of exploitation" (UNODC 2023) is four rows a year in 2018–2021 (2019: 926, <5, 500
    and 8), which the table showed as one cell, 1,435–1,438, with nothing saying UNODC publishes no such figure."""
    unodc = real_tables[1]
    country_views.show_detected_section(
        open_brief([unodc], DisclosureRule(5), country="THA", role="destination")
    )
    text = _text(shown)
    assert "| 2019 |  | 278 | 1,435–1,438 | 150 | 1,540 | 1,863–1,866 |" in text
    assert (
        "Added up from several published rows: Other forms of exploitation in 2018–2021 (the sum of the four "
        "rows UNODC publishes under that name for the year)"
    ) in text
    shown.clear()
    country_views.show_detected_section(
        open_brief([unodc], DisclosureRule(5), country="GBR", role="destination")
    )
    assert "Added up from several published rows" not in _text(shown)


def test_a_section_of_a_source_of_the_country_not_of_a_role_names_the_country_alone(real_tables, shown):
    """Fact check: "TIP tiers hold nothing for the United States as country of origin or destination": a tier
    (as a GSI estimate) is the country's, whatever the role; the United States has no tier in the file."""
    brief = open_brief(real_tables, DisclosureRule(5), country="USA", role="both")
    country_views.show_tier_section(brief)
    text = _text(shown)
    assert "hold nothing for the United States" in text
    assert "the United States as country of" not in text


def test_the_publishers_own_small_cells_are_captioned_as_its_own_in_the_per_year_table(real_tables, shown):
    # Chad as origin: UNODC gives the yearly totals of its authorities as <5 in some years (its own
    # censoring); the brief's per-year table said they were withheld here ("not shown to protect individuals")
    unodc = real_tables[1]
    country_views.show_detected_section(open_brief([unodc], DisclosureRule(5), country="TCD", role="origin"))
    text = _text(shown)
    table = text[text.index("Victims detected by the authorities of Chad") :].split("###")[0]
    assert "<5" in table and "a cell the publisher gives as" in table
    assert "not shown to protect individuals" not in table


def test_a_break_just_after_unread_years_gives_no_step_across_them(real_tables, shown):
    """Singapore's detected victims (UNODC 2023): <5, <5, 7 and 135 in 2007–2010, no count in 2011–2014, 22 in
    2015 and fewer after. The break in 2015 carried the earlier segment's growth (5.27 a year) over the four
    unread years and said "a step down by a factor of 0.00 (95% interval 0.00–0.00) in 2015": a factor of about
    0.00006, printed as zero, and measured against a course no count supports."""
    import re

    unodc = real_tables[1]
    country_views.show_detected_section(
        open_brief([unodc], DisclosureRule(5), country="SGP", role="destination")
    )
    text = re.sub(r"</?span[^>]*>", "", _text(shown))
    caveat = next(
        line for line in text.splitlines() if line.startswith("One yearly rate for all these years")
    )
    # a break anywhere in the unread years fits the years read alike: it is dated to the gap
    assert "change course between 2011 and 2015" in caveat
    assert "factor of" not in caveat  # no step is measured across them
    assert "No count is read for 2011–2014, just before the break" in caveat


def test_the_most_likely_break_after_unread_years_is_dated_to_the_gap(real_tables):
    """The break paragraph said "Most likely break: **2015**" of Singapore, where no count is read for
    2011–2014: a break in any of those years fits the same (analyses.trends.Break.when)."""
    import re

    from evidence.notebooks.builders import break_sentence

    unodc = real_tables[1]
    brief = open_brief([unodc], DisclosureRule(5), country="SGP", role="destination")
    text = re.sub(r"</?span[^>]*>", "", break_sentence(brief.yearly(unodc, "destination", by=None).models()))
    assert text.startswith(
        "Most likely break: **between 2011 and 2015** (no count is read for 2011–2014, so the data cannot say "
        "in which of those years)"
    )


def test_a_step_too_small_for_two_decimals_is_given_in_significant_digits(real_tables):
    """The step of a break is a ratio of counts: one under 0.005 was printed "0.00" (Singapore's 2015,
    once its unread years are taken for read ones), which reads as no victims at all."""
    import dataclasses
    import re

    from evidence.notebooks.builders import break_caveat

    unodc = real_tables[1]
    brief = open_brief([unodc], DisclosureRule(5), country="SGP", role="destination")
    models = brief.yearly(unodc, "destination", by=None).models()
    assert models.found_break is not None and models.found_break.level_change < 0.001
    every_year = dataclasses.replace(models, years=tuple(range(min(models.years), max(models.years) + 1)))
    caveat = re.sub(r"</?span[^>]*>", "", break_caveat(every_year) or "")
    assert "a step down by a factor of 0.000062 (95% interval 0.0000014–0.0026) in 2015" in caveat


def test_the_years_without_a_total_are_said_once_and_all_of_them(real_tables, shown):
    """Mexico as destination (UNODC 2023): no total in 2006–2007 and 2019, with forms in 2006 and 2019 and
    citizenships in 2007. The note under the table of victims per year named 2006–2007, 2019; a sentence after
    the trend said it again for 2006, 2019 only ("by form of exploitation"): two counts of the same years that
    disagree."""
    import re

    unodc = real_tables[1]
    country_views.show_detected_section(
        open_brief([unodc], DisclosureRule(5), country="MEX", role="destination")
    )
    text = re.sub(r"</?span[^>]*>", "", _text(shown))
    assert (
        "UNODC gives these victims by form of exploitation (2006 and 2019) and by citizenship (2007) but not"
        in text
    )
    assert "UNODC published victims by" not in text


def test_the_gsi_ranks_say_why_their_counts_of_countries_differ(real_tables, shown):
    """Lao PDR (GSI 2023): "22 of 27" for the estimate and "11 of 32" for the government response, in one
    column, with nothing saying why the region holds 27 countries on one row and 32 on the next (Walk Free
    rates the response of countries it gives no estimate for; the United Arab Emirates: 11 and 9)."""
    import re

    country_views.show_estimates_section(open_brief(real_tables, DisclosureRule(5), country="LAO"))
    text = re.sub(r"</?span[^>]*>", "", _text(shown))
    assert "| Government response rating (%; higher: stronger response) | 46.2 | 11 of 32 |" in text
    assert "Each measure is ranked among the region" in text
    assert (
        "region's" in text.replace("\\'", "'") and "\\\\" not in text.split("ranked among")[1][:12]
    )  # escaped once
    assert (
        "s countries the edition gives it for: 27 for the estimate, prevalence and vulnerability; 32 for the "
        "government response."
    ) in text
    shown.clear()
    country_views.show_estimates_section(open_brief(real_tables, DisclosureRule(5), country="ARE"))
    assert (
        "the edition gives it for: 11 for the estimate, prevalence and vulnerability; 9 for the government"
        in (_text(shown))
    )
    shown.clear()  # the Maldives: rated for the government response only, one count of countries
    country_views.show_estimates_section(open_brief(real_tables, DisclosureRule(5), country="MDV"))
    assert " of 32 |" in _text(shown) and "Each measure is ranked" not in _text(shown)


def test_a_gsi_measure_walk_free_gives_no_value_for_is_said_under_its_table(real_tables, shown):
    """real31: Brunei Darussalam (GSI 2023: rated for the government response only) read "n/a" for its
    estimate, prevalence and vulnerability, and nothing under the table said what n/a is (the table beside the
    neighbours says it). A country with every measure (Thailand) has no such note."""
    country_views.show_estimates_section(open_brief(real_tables, DisclosureRule(5), country="BRN"))
    text = re.sub(r"</?span[^>]*>", "", _text(shown))
    assert "| Vulnerability to modern slavery (0–100; higher: more vulnerable) | n/a |" in text
    assert "n/a: Walk Free publishes no value of this measure for Brunei Darussalam." in text
    shown.clear()
    country_views.show_estimates_section(open_brief(real_tables, DisclosureRule(5), country="THA"))
    assert "n/a" not in _text(shown)


def test_a_country_without_any_total_is_not_said_to_lack_one_only_in_some_years(real_tables, shown):
    """real31: Cambodia as destination (UNODC 2023: forms 2007, 2017-2020, ages 2013-2015, no total in any year)
    read "UNODC publishes no total of the victims detected in Cambodia in 2007, 2013–2015 and 2017–2020", and
    no more: a reader takes the other years of the brief's 2007–2020 to have one. It says they have none."""
    country_views.show_detected_section(
        open_brief(real_tables, DisclosureRule(5), country="KHM", role="destination")
    )
    text = " ".join(re.sub(r"</?span[^>]*>", "", _text(shown)).split())
    assert (
        "UNODC publishes no total of the victims detected in Cambodia in any of the brief\\'s years (2007–2020), "
        "only their breakdown by form of exploitation and by age (below), in 2007, 2013–2015 and 2017–2020."
        in text
    ), text[:1500]
    # nor is a yearly count with its trend promised above it
    assert "per year (with the trend model" not in text
    assert (
        "UNODC\\'s country data (GLOTIP): the victims detected in Cambodia by form, sex, age and citizenship where "
        "UNODC publishes them (it publishes no yearly total of them: no trend is fitted)." in text
    ), text[:400]


NOTEBOOK_FITS_MORE = (
    "The toolkit's notebook on causes and consequences fits the model of every form of exploitation"
)


@pytest.mark.parametrize(
    ("iso3", "role", "more"),
    [("MMR", "origin", False), ("LAO", "origin", False), ("USA", "destination", True)],
)
def test_the_person_section_points_to_more_models_only_when_there_are_more(
    real_tables, shown, iso3, role, more
):
    """Myanmar as origin (CTDC sample, 2010): 40 victims, neither a form nor a means of control recorded for any,
    no model shown; Lao PDR: no flag with enough victims for a model. Both briefs ended "The
    `causes_consequences` notebook fits the model of every form of exploitation and means of control, and
    compares complete cases with all victims for each": a reader would look there for models the data cannot
    give. The United States as destination: a model shown, others left to the notebook, which it says."""
    brief = open_brief([real_tables[0]], DisclosureRule(5), country=iso3, role=role)
    country_views.show_causes_section(brief)
    text = _text(shown)
    assert ("Which victims' records show" in text) is more
    assert (NOTEBOOK_FITS_MORE in text) is more
    assert "`causes_consequences`" not in text  # a brief shows no code: the notebook named as readers name it


def test_a_map_of_one_route_is_not_titled_the_largest_routes(real_tables, charts):
    """Lao PDR as origin (CTDC sample, 2010): one route, Lao PDR → Thailand; the text says no chart compares it
    with others, and its map was titled "Largest routes of identified victims, Lao PDR". Titled as the detected
    victims' map is: by route."""
    country_views.show_case_section(
        open_brief([real_tables[0]], DisclosureRule(5), country="LAO", role="origin")
    )
    titles = {name: spec["title"]["text"] for name, spec in charts if name.startswith("flow_map")}
    assert titles == {"flow_map_case0": "Identified victims by route, Lao PDR"}


def test_a_characteristic_recorded_for_none_of_the_selection_is_named_with_the_topics(real_tables, shown):
    """Myanmar as origin (CTDC sample, 2010): sex is blank for all 40 victims. "Who is identified" said so; the
    person section's table of what is recorded left the row of sex out, and its sentence on what the files
    record but not for these victims named the topics only: sex went missing without a word."""
    brief = open_brief([real_tables[0]], DisclosureRule(5), country="MMR", role="origin")
    country_views.show_causes_section(brief)
    text = _text(shown)
    assert (
        "Recorded in these data, but for none of these victims: relation to the recruiter, "
        "means of control, form of exploitation, sex."
    ) in text
    shown.clear()  # Lao PDR's victims have their sex recorded: not named
    country_views.show_causes_section(
        open_brief([real_tables[0]], DisclosureRule(5), country="LAO", role="origin")
    )
    assert "form of exploitation, sex" not in _text(shown) and "\n| Sex | 8" in _text(shown)


def test_one_year_without_the_total_or_the_breakdown_is_one_year_in_the_note(real_tables, shown):
    """Malaysia as destination (UNODC 2023): "UNODC gives neither the total of these victims nor their breakdown
    by form of exploitation in 2013: those years are not rows of this table" (one year)."""
    country_views.show_detected_section(
        open_brief([real_tables[1]], DisclosureRule(5), country="MYS", role="destination")
    )
    text = _text(shown)
    assert "breakdown by form of exploitation in 2013: that year is not a row of this table." in text
    assert "in 2013: those years" not in text


def test_one_placeholder_year_is_one_year_in_the_note(real_tables, shown):
    """The Netherlands as destination (UNODC 2023): its forms of 2020 are placeholders; the note said "those
    years are left out of the charts" of the one year."""
    country_views.show_detected_section(
        open_brief([real_tables[1]], DisclosureRule(5), country="NLD", role="destination")
    )
    text = _text(shown)
    assert "in 2020 UNODC gives every category of the breakdown by form of exploitation as" in text
    assert "Those cells are left empty, and that year is left out of the charts" in text


def test_the_note_on_years_without_a_total_points_to_the_citizenship_table_too(real_tables, shown):
    """Mexico as destination (UNODC 2023): "UNODC gives these victims by form of exploitation and by citizenship in
    2006–2007, 2019 but not their total (see the table by form of exploitation)": 2007 is in the citizenship
    table only, which the section shows, and the note sent the reader to the other."""
    country_views.show_detected_section(
        open_brief([real_tables[1]], DisclosureRule(5), country="MEX", role="destination")
    )
    text = _text(shown)
    assert (
        "by citizenship (2007) but not their total (see the tables by form of exploitation and by citizenship)"
        in text
    )


def test_the_own_authorities_table_says_why_its_flagged_years_are_flagged(real_tables, shown):
    """Brief audit (the United States as origin): the table of the victims its own authorities detected marked
    2007–2012 "not comparable with the other years" and said nowhere why (the table of its nationals above
    gives its own years' reasons, not these): the table's flagged years are explained under it, as the yearly
    table's are."""
    brief = open_brief([real_tables[1]], DisclosureRule(5), country="USA", role="origin")
    before = len(shown)
    country_views.show_own_detected(brief, brief.holding("indicator")[0])
    text = _text(shown[before:])
    assert "not comparable with the other years" in text  # the table's notes
    assert "**2007–2012** are not comparable with the other years: a change in what is reported" in text


def test_the_nationals_route_charts_say_their_domestic_bar_adds_two_rows_of_the_table(real_tables, charts):
    """Brief audit (Myanmar as origin): the bar chart of where its nationals were detected drew Myanmar → Myanmar
    349, a number in no row of the table beside it (271, and 78 "exploited at home, by the repatriation
    breakdown"): the chart adds them by design (one cell's two pieces, no one in both) and now says so."""
    country_views.show_detected_section(
        open_brief([real_tables[1]], DisclosureRule(5), country="MMR", role="origin")
    )
    subtitles = {name: " ".join(spec["title"]["subtitle"]) for name, spec in charts}
    said = "Myanmar → Myanmar: one bar, the sum of the table's two rows of it"
    assert said in subtitles["corridors_unodc_origin"]
    # Viet Nam's own authorities give no breakdown: no such row, nothing said
    charts.clear()
    country_views.show_detected_section(
        open_brief([real_tables[1]], DisclosureRule(5), country="VNM", role="origin")
    )
    assert not any("one bar, the sum" in " ".join(spec["title"]["subtitle"]) for _, spec in charts)


@pytest.mark.parametrize("country", ["ISL"])
def test_the_neighbours_chart_says_withheld_values_by_the_briefs_own_rule(real_tables, charts, country):
    """The neighbours chart's subtitle said "fewer than 5 victims; ... such as <1.14" whatever the brief's rule:
    at a threshold of 10 it told readers of a rule the brief does not apply, and of a bound it does not draw."""
    brief = open_brief(real_tables, DisclosureRule(10), country=country, role="both")
    country_views.show_peers_section(brief)
    (spec,) = [spec for name, spec in charts if name == "peers"]
    said = " ".join(spec["title"]["subtitle"])
    assert "fewer than 10 victims; for a rate its upper bound, such as <" in said, said
    assert "fewer than 5" not in said and "<1.14" not in said
    bound = re.search(r"such as (<[\d.,]+), written instead\)", said)  # a rate's bound the chart writes
    assert bound is not None and bound[1] in {str(row.get("display")) for row in _rows(spec)}, said


def test_withheld_bars_are_said_with_what_the_chart_writes():
    rule = DisclosureRule(10)
    points = pl.DataFrame({"display": ["<10", "<0.754", "3.1"], "withheld": [True, True, False]})
    said = country_views.withheld_bars_said(points, rule)
    assert said == (
        ", or a value withheld (fewer than 10 victims; <10, or for a rate its upper bound, such as <0.754, "
        "written instead)."
    )
    assert country_views.withheld_bars_said(points.filter(~pl.col("withheld")), rule) == "."


def test_the_neighbours_table_reads_the_briefs_years_not_the_latest_the_data_hold(real_tables, shown):
    """Brief audit (THA as origin, 2019 alone): the brief's own table of the sources gives 1,540 victims
    detected in 2019, 3.84 per 1,000 estimated; the neighbours table beside it gave Thailand's 134 (2021) and
    0.334 (2021), years outside the brief's. Each country's detected victims are the latest of the brief's years,
    and a neighbour with none in them says so (not "n/a: not in the data", not "no total")."""
    brief = open_brief(real_tables, DisclosureRule(5), country="THA", role="origin", years=(2019, 2019))
    country_views.show_peers_section(brief)
    (table,) = [t for t in _shown_tables(shown) if (t.caption or "").endswith("and its neighbours")]
    rows = {row[0]: row for row in table.rows}
    columns = [c.name for c in table.columns]
    detected = columns.index("Detected victims")
    assert rows["Thailand"][detected] == "1,540 (2019)"
    assert rows["Thailand"][columns.index("Detected per 1,000 estimated")] == "3.84 (2019)"
    # Viet Nam's latest detected victims are of 2015: none in 2019
    assert rows["Viet Nam"][detected] == "none in 2019"
    assert all("(2020)" not in cell and "(2021)" not in cell for row in table.rows for cell in row)
    notes = " ".join(table.notes)
    assert "they and the rates made of them are for the year in brackets, the brief's year (2019);" in notes
    assert "none in 2019: UNODC holds detected victims of the country, but none of 2019." in notes
    shown.clear()
    window = open_brief(real_tables, DisclosureRule(5), country="THA", role="destination", years=(2015, 2017))
    country_views.show_peers_section(window)
    (table,) = [t for t in _shown_tables(shown) if (t.caption or "").endswith("and its neighbours")]
    assert next(row for row in table.rows if row[0] == "Thailand")[detected] == "471 (2017)"
    assert "the latest of the brief's years (2015–2017) UNODC holds for each country" in " ".join(table.notes)
    # a brief of the years the data hold reads the same table as before
    shown.clear()
    full = open_brief(real_tables, DisclosureRule(5), country="THA", role="origin")
    country_views.show_peers_section(full)
    (table,) = [t for t in _shown_tables(shown) if (t.caption or "").endswith("and its neighbours")]
    assert next(row for row in table.rows if row[0] == "Thailand")[detected] == "134 (2021)"


def test_the_sources_together_note_says_the_years_its_numbers_are_chosen_from(real_tables, shown):
    """Brief audit (THA as destination, 2015–2017): the table gave UNODC's 471 of 2017 with the note "the GSI's
    estimate year, or the nearest year the data hold"; the data hold 2021 (134), the estimate's own year. The
    numbers are of the brief's years, and the note says so."""
    from evidence.notebooks import country

    brief = open_brief(real_tables, DisclosureRule(5), country="THA", role="destination", years=(2015, 2017))
    country_views.show_together(brief)
    (table,) = [t for t in _shown_tables(shown) if (t.caption or "").startswith("What the sources say")]
    assert any(row[-1] == "471" and "2017" in row for row in table.rows)
    notes = " ".join(table.notes)
    assert "nearest year the data hold" not in notes
    assert "the year of the brief's years (2015–2017) nearest to it that the data hold" in notes
    estimate = next(r for r in country.magnitudes(brief) if r.kind == "gsi")
    assert country_views.magnitudes_note([estimate], "2019") == (
        "Each number in one year: the GSI's estimate year, or the brief's year (2019)."
    )
    # without an estimate of the country (Fiji): the latest of the brief's years
    shown.clear()
    fiji = open_brief(real_tables, DisclosureRule(5), country="FJI", role="both", years=(2012, 2016))
    country_views.show_together(fiji)
    (table,) = [t for t in _shown_tables(shown) if (t.caption or "").startswith("What the sources say")]
    assert (
        "Each number in one year, the latest of the brief's years (2012–2016) that the data hold"
        in " ".join(table.notes)
    )


def test_a_brief_of_two_case_files_shows_each_under_its_source(real_tables, shown, fixtures):
    """Found by word29: the second case file's charts were tagged by its place in the list (``list.index``),
    which compares the files' tables (a dataclass's ``==``, each frame against the other's): two files of
    different sizes stopped the section ("DataFrame dimensions do not match")."""
    from evidence.sources.registry import load

    second = load(fixtures / "ctdc" / "synthetic_v2024.csv")
    brief = open_brief([real_tables[0], second], DisclosureRule(5), country="THA", role="destination")
    country_views.show_case_section(brief)
    text = _text(shown)
    assert text.count("Routes\n") == 2 and text.count("Victims per year\n") == 2


@pytest.mark.parametrize(
    ("country", "role", "tables"),
    [("KHM", "origin", (0, 1)), ("THA", "both", (1,)), ("THA", "destination", (0, 0))],
)
def test_the_case_and_unodc_sections_headings_nest_without_a_gap(
    real_tables, shown, fixtures, country, role, tables
):
    """world29's reader: under "## Identified and assisted victims" came "#### Routes", and under "## Victims
    detected by national authorities" "#### Nationals of Cambodia detected abroad" then "#####": a screen
    reader's outline skipped a level. Each heading is at most one level under the one before it, from the
    section's ##; a second case file gets its own ### (its source), its parts ####."""
    from evidence.sources.registry import load

    given = [real_tables[i] for i in tables]
    if tables == (0, 0):  # two case files: each under its source's heading
        given = [real_tables[0], load(fixtures / "ctdc" / "synthetic_v2024.csv")]
    brief = open_brief(given, DisclosureRule(5), country=country, role=role)
    for show in (country_views.show_case_section, country_views.show_detected_section):
        shown.clear()
        show(brief)
        levels = [len(m) for m in re.findall(r"(?m)^(#+) ", _text(shown))]
        previous = 2
        for level in levels:
            assert level <= previous + 1, (show.__name__, levels)
            previous = level


def test_the_small_label_under_a_briefs_ranges_is_true_of_a_range_withheld_whole(real_tables, shown):
    """label31: Côte d'Ivoire as origin at 11 (the real workbook): its nationals of 2016 and 2017 (8–17 at 5)
    and 2012 (9–18) are withheld whole as <11 (published_pair), and the legends under At a glance, the sources
    side by side and the yearly table said "<11: fewer than 11". Read as a reader reads the brief: every legend
    of <11 says it may be a range whose low end is below 11; no legend says "fewer than 11" alone."""
    from evidence.notebooks import country

    brief = open_brief([real_tables[1]], DisclosureRule(11), country="CIV", role="origin")
    box = country.key_figures_markdown(brief)
    country_views.show_together(brief)
    country_views.show_detected_section(brief)
    text = box + "\n" + _text(shown)
    yearly = text[text.index("Detected victims per year") :]
    assert "| 2016 |  | \\<11 |" in yearly  # the disclosure as it was: 8–17 at 5, withheld whole
    legends = re.findall(r"\\?<11: [^.]*\.", text)
    assert len(legends) >= 3, legends
    for legend in legends:
        assert "or a range of counts whose low end is below 11 (the whole range withheld" in legend, legend


def test_a_range_in_the_sources_together_table_is_explained_under_it(real_tables, shown):
    """Reader audit: Cambodia's sources-together table gave its nationals detected abroad as "45–51" (2018) with
    notes on perturbation and years only: nothing said why a count is a range. The note under the table now
    says it; Myanmar's, whose numbers are no ranges, says nothing of ranges."""
    brief = open_brief(real_tables, DisclosureRule(5), country="KHM", role="both")
    country_views.show_together(brief)
    (table,) = [o for o in shown if isinstance(o, dict) and "application/vnd.evidence.table+json" in o]
    data = table["application/vnd.evidence.table+json"]
    assert "45–51" in json.dumps(data, ensure_ascii=False)
    assert (
        "A range where cells the publisher gives as <5 (fewer than five victims) make the exact count unknown."
        in (json.dumps(data, ensure_ascii=False))
    )
    shown.clear()
    country_views.show_together(open_brief(real_tables, DisclosureRule(5), country="MMR", role="both"))
    assert "A range where" not in _text(shown) + json.dumps(
        [o for o in shown if isinstance(o, dict)], default=str
    )


@pytest.mark.parametrize(("iso3", "role"), [("KHM", "both"), ("MMR", "origin"), ("THA", "both")])
def test_the_identified_victims_sections_never_call_them_a_selection(real_tables, shown, iso3, role):
    """Reader audit: a brief's reader never chose a "selection" (the toolkit's word for a country, role and
    years), yet Cambodia's brief read "All victims in the selection", "Identified victims in the selection",
    "the data hold no record of this selection in 2011–2017", Myanmar's "Sex: not recorded for any victim of
    this selection" and "Recorded in these data, but for none of the victims of this selection". The case data's
    sections say "these victims" and "All victims" instead, in their prose and their tables alike."""
    brief = open_brief(real_tables, DisclosureRule(5), country=iso3, role=role)
    country_views.show_case_section(brief)
    country_views.show_causes_section(brief)
    text = _text(shown) + json.dumps(
        [o for o in shown if isinstance(o, dict)], ensure_ascii=False, default=str
    )
    assert "Identified victims" in text and "All victims" in text
    assert not re.search(r"\bselection\b", text, re.IGNORECASE), re.findall(r".{60}\bselection\b.{20}", text)


def test_routes_without_a_known_origin_are_said_without_a_selection(real_tables, shown):
    """Reader audit: Tonga's detected victims, all of unknown citizenship (up to 16, 2017–2020), read "No chart of
    routes: no victim of this selection has both a known origin and a known destination"."""
    from evidence.notebooks import views

    country_views.show_detected_section(
        open_brief(real_tables, DisclosureRule(5), country="TON", role="both")
    )
    text = _text(shown)
    assert views.NO_KNOWN_ROUTE in text
    assert "none of these victims has both a known origin and a known destination" in views.NO_KNOWN_ROUTE
    assert "none of these victims has both" in views.NO_KNOWN_ROUTE_TABLE
    assert not re.search(r"\bselection\b", text), re.findall(r".{60}\bselection\b.{20}", text)


def test_the_age_table_of_who_is_identified_says_its_unit(real_tables, shown):
    """Reader audit: "Who is identified" had a table "Age" whose rows read "9-17", "0-8": the bands' unit was
    nowhere (UNODC's tables say "0 to 17 years", the person section "0-17 years"). Its rows now say years
    ("9–17 years", as the whole brief writes a band); its caption and header "Age", as the person section's."""
    from evidence.presentation.tables import TABLE_MIME, TableData

    country_views.show_case_section(
        open_brief(real_tables[:1], DisclosureRule(5), country="USA", role="destination")
    )
    tables = {
        t.caption: t
        for t in (
            TableData.from_json(o[TABLE_MIME]) for o in shown if isinstance(o, dict) and TABLE_MIME in o
        )
    }
    ages = tables["Age"]
    assert ages.columns[0].header == "Age"
    # the unit is said by each band itself ("9–17 years", "48 years or over"), as everywhere in the brief: not
    # again in the caption ("Age (years)" above "9–17 years")
    bands = [row[0] for row in ages.rows if row[0] not in ("Not recorded", "All victims")]
    assert bands and all(" years" in band for band in bands), bands
    assert not any("(years)" in caption for caption in tables)


def test_a_role_without_detected_victims_is_said_in_plain_words(real_tables, shown):
    """Reader audit: Palau's brief (both roles, 2017–2021), whose nationals no breakdown lists, read "UNODC's data
    hold no detected victims of Palau as country of origin in 2017–2021": the toolkit's role, where the brief
    says "nationals of Palau detected" everywhere else."""
    country_views.show_detected_section(
        open_brief(real_tables, DisclosureRule(5), country="PLW", role="both")
    )
    text = _text(shown).replace("\\'", "'")  # Markdown escapes the apostrophe
    assert "UNODC's data hold no nationals of Palau detected, at home or abroad, in 2017–2021." in text
    assert "as country of origin in" not in text


def test_a_rate_bound_in_the_neighbours_table_is_explained_under_it(real_tables, shown):
    """Reader audit: Thailand's neighbours table gave Brunei Darussalam "<1.14 (2020)" detected per 100,000 and
    Singapore "<0.417" per 1,000 estimated, under a legend of "<5: fewer than 5": nothing said a rate written "<"
    is the upper bound of a rate whose count is withheld (the chart's subtitle said it, the table not)."""
    from evidence.presentation.tables import TABLE_MIME, TableData

    country_views.show_peers_section(open_brief(real_tables, DisclosureRule(5), country="THA", role="both"))
    table = next(
        TableData.from_json(obj[TABLE_MIME]) for obj in shown if isinstance(obj, dict) and TABLE_MIME in obj
    )
    brunei = next(row for row in table.rows if row[0] == "Brunei Darussalam")
    assert "<1.14 (2020)" in brunei
    assert any(
        "A rate written as <1.14: of a count withheld (fewer than 5 victims), its upper bound." in note
        for note in table.notes
    ), table.notes
    shown.clear()
    # the United States beside Canada: no rate withheld, nothing said of one
    country_views.show_peers_section(open_brief(real_tables, DisclosureRule(5), country="USA", role="both"))
    table = next(
        TableData.from_json(obj[TABLE_MIME]) for obj in shown if isinstance(obj, dict) and TABLE_MIME in obj
    )
    assert not any(str(cell).startswith("<") for row in table.rows for cell in row[2:])
    assert not any("A rate written as" in note for note in table.notes)


def test_the_yearly_tables_captions_say_whose_victims_they_count(real_tables, shown):
    """Reader audit: Thailand's brief had two tables captioned "Detected victims per year" (the victims detected in
    Thailand, then its nationals detected abroad or at home) and one "Identified victims per year": only the
    headings above told them apart, and a table copied into a report lost whose victims it counts. The captions
    say it, as the charts' titles do."""
    from evidence.presentation.tables import TABLE_MIME, TableData

    brief = open_brief(real_tables, DisclosureRule(5), country="THA", role="both")
    country_views.show_case_section(brief)
    country_views.show_detected_section(brief)
    captions = [
        TableData.from_json(o[TABLE_MIME]).caption for o in shown if isinstance(o, dict) and TABLE_MIME in o
    ]
    per_year = [c for c in captions if c and " per year" in c]
    assert "Identified victims per year, Thailand as country of origin or destination" in per_year
    assert (
        "Identified victims per year by form of exploitation, Thailand as country of origin or destination"
        in (per_year)
    )
    assert "Detected victims per year, Thailand as country of destination" in per_year
    assert "Detected victims per year, nationals of Thailand detected abroad or at home" in per_year
    assert "Detected victims per year by sex, Thailand as country of destination" in per_year
    assert (
        "Detected victims per year, nationals of Thailand detected abroad or at home: the countries that reported "
        "every year"
    ) in per_year
    assert len(per_year) == len(set(per_year))


def test_the_forms_without_a_model_are_listed_as_a_sentence_lists_them(real_tables, shown):
    """Reader audit: Thailand's person section read "No model for forced labour, sexual exploitation, other forms
    of exploitation, …, slavery and similar practices: too few victims with it": a list of seven with no "or",
    and "it" for all seven."""
    country_views.show_causes_section(
        open_brief(real_tables[:1], DisclosureRule(5), country="THA", role="both")
    )
    text = " ".join(_text(shown).split())
    assert re.search(
        r"No model for forced labour, [^:]+ or slavery and similar practices: too few victims with each, or no "
        r"variation in the sample\.",
        text,
    ), re.findall(r"No model for [^.]*\.", text)
    assert "too few victims with it" not in text


def test_the_person_section_without_case_data_says_for_whom_and_where_the_reason_is(real_tables, shown):
    """Thailand's brief (UNODC only for it) read "The person's side needs victim-level case data, and none holds
    victims for this brief.": whose victims, and why none, were left to guess. It says what the section would
    show, for whom, and where the brief says why."""
    brief = open_brief([real_tables[1]], DisclosureRule(5), country="THA", role="destination")
    country_views.show_causes_section(brief)
    text = " ".join(_text(shown).split())
    assert "none holds victims for this brief" not in text
    assert (
        "Not shown: how victims were recruited, controlled and exploited comes from victim-level case data, and "
        "the data given hold none for Thailand as country of destination (Identified and assisted victims, "
        "above, says why)."
    ) in text, text[:600]


def test_a_demo_brief_writes_every_age_band_one_way_case_data_and_unodc_alike(demo_brief_run):
    """A country brief wrote the same ages three ways: "9-17" (case data's rows), "0-17" and "48+" (the person
    section's headers, "0-17 years" in its note) and UNODC's "0 to 17 years". The demo brief (Thailand, both
    roles) now says every band one way (UNODC's words, the brief's dash), in every section: its tables' headers
    and rows, notes and sentences."""
    from evidence.presentation.tables import TABLE_MIME, TableData

    shown, _ = demo_brief_run  # its charts shown too (as empty SVGs): their outputs have no text to read
    tables = [TableData.from_json(o[TABLE_MIME]) for o in shown if isinstance(o, dict) and TABLE_MIME in o]
    headers = {c.header for t in tables for c in t.columns} | {row[0] for t in tables for row in t.rows}
    ages = {h for h in headers if in_one_style(h)}
    # UNODC's groups, the case data's bands and the person section's groups, all in the one style
    assert {"0–17 years", "18 years or over"} | set(WRITTEN_BANDS) | set(WRITTEN_GROUPS) <= ages
    seen = [o.get(kind, "") for o in shown if isinstance(o, dict) for kind in ("text/markdown", "text/html")]
    seen += [str(getattr(o, "data", o)) for o in shown if not isinstance(o, dict)]
    assert coded_ages("\n".join(seen)) == []
