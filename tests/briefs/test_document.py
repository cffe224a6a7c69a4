"""From an executed run to a brief's Markdown source: what is kept, what is dropped, what is composed."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path

import polars as pl
import pytest
from _brief_runs import VEGALITE, executed_notebook, make_run, png_bytes
from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from evidence.briefs import builtin
from evidence.briefs.document import (
    build_document,
    describe_parameters,
    escape_markdown,
    image_width,
)


def _cell_with_output(source: str, text: str, tags: list[str] | None = None):
    return new_code_cell(
        source,
        metadata={"tags": tags or []},
        outputs=[new_output("display_data", data={"text/markdown": text})],
    )


def test_the_first_heading_is_the_title_and_the_country_completes_it(run_folder: Path) -> None:
    document = build_document(run_folder)
    assert document.title == "Country brief: Thailand"
    assert "# Country brief" not in document.body
    assert document.subtitle == "Thailand as country of origin or destination · 2012–2023"
    assert document.date == "2026-11-28"
    assert document.source_text().startswith("---\ntitle: 'Country brief: Thailand'\n")


def test_a_generic_title_gets_the_country(tmp_path: Path) -> None:
    nb = new_notebook(cells=[new_markdown_cell("# Country brief\n\nText.")])
    document = build_document(make_run(tmp_path / "runs", notebook=nb))
    assert document.title == "Country brief: Thailand"


def test_a_title_with_a_colon_of_its_own_takes_the_country_after_a_dash(tmp_path: Path) -> None:
    """The real-data brief read "Causes and consequences: for the trafficked person and for society: Thailand"."""
    nb = new_notebook(
        cells=[new_markdown_cell("# Causes and consequences: for the person and for society\n\nText.")]
    )
    document = build_document(make_run(tmp_path / "runs", notebook=nb))
    assert document.title == "Causes and consequences: for the person and for society — Thailand"


def test_a_computed_title_of_escaped_text_is_the_text(tmp_path: Path) -> None:
    """A heading a notebook computed from escaped text (a place, a dataset's name) is the title as written: its
    escapes resolved, and a backtick escape_markdown writes as a character reference ("`r x`") a backtick."""
    text = "`r x` & R&D *y* &amp;"
    nb = new_notebook(cells=[_cell_with_output("show()", f"# Findings on {escape_markdown(text)}")])
    document = build_document(make_run(tmp_path / "runs", notebook=nb))
    assert document.title == f"Findings on {text}: Thailand"


def test_without_a_heading_the_notebook_name_is_the_title(tmp_path: Path) -> None:
    nb = new_notebook(cells=[new_markdown_cell("Text only.")])
    record_run = make_run(tmp_path / "runs", notebook=nb)
    record = json.loads((record_run / "run.json").read_text())
    record["parameters"] = {"year_from": 2015, "year_to": 2020}
    (record_run / "run.json").write_text(json.dumps(record))
    document = build_document(record_run)
    assert document.title == "Country brief"
    assert document.subtitle == "2015–2020"


@pytest.mark.parametrize(
    ("ended", "started", "shown"),
    [
        ('x" lang="x', "2026-11-28T09:00:00+00:00", "2026-11-28"),  # the start's date
        ("2026-13-45T09:00", "<img src=x>", None),  # neither is a date: the day the brief is made
        ("2026-11-29T10:00:00+00:00", 'x" lang="x', "2026-11-29"),
    ],
)
def test_the_briefs_date_is_a_date_whatever_the_record_says(
    tmp_path: Path, ended: str, started: str, shown: str | None
) -> None:
    """The brief's date is the day its run ended, from the run's record: a record from elsewhere (untrusted)
    whose times are no dates gave the brief's date as the first ten characters of whatever it said."""
    import datetime as dt

    run = make_run(tmp_path / "runs")
    record = json.loads((run / "run.json").read_text())
    record["timings"].update(ended=ended, started=started)
    (run / "run.json").write_text(json.dumps(record))
    assert build_document(run).date == (shown or dt.date.today().isoformat())


def test_removed_cells_and_outputs_never_reach_the_brief(tmp_path: Path) -> None:
    nb = new_notebook(
        cells=[
            _cell_with_output("#| include: false\nx", "SECRET-INCLUDE"),
            _cell_with_output("#| output: false\nx", "SECRET-OUTPUT"),
            _cell_with_output("x", "SECRET-TAG", tags=["remove-cell"]),
            _cell_with_output("x", "SECRET-TAG-OUTPUT", tags=["remove-output"]),
            _cell_with_output("x", "SECRET-PARAMETERS", tags=["parameters"]),
            _cell_with_output(
                "# a comment first\n#| include: false\nx", "KEPT: options only count at the top"
            ),
            _cell_with_output("x", "KEPT"),
        ]
    )
    body = build_document(make_run(tmp_path / "runs", notebook=nb)).body
    assert "SECRET" not in body
    assert "KEPT: options only count at the top" in body and "\nKEPT\n" in body


def test_the_key_figures_box_comes_from_the_notebook_or_from_the_run(
    tmp_path: Path, run_folder: Path
) -> None:
    # the fixture notebook has its own box: no "At a glance"
    assert "At a glance" not in build_document(run_folder).body
    nb = new_notebook(cells=[new_markdown_cell("# Brief\n\nText.")])
    body = build_document(make_run(tmp_path / "runs", notebook=nb)).body
    assert "::: {.key-figures}\n### At a glance" in body
    assert "- **Country:** Thailand" in body and "- **Years:** 2012–2023" in body
    # the demo data by their one name and their generator's version ("CTDC demo-2026.1" read as CTDC's release)
    assert (
        "- **Data:** evidence synthetic demo data in the CTDC layout, demo generator version 2026.1" in body
    )


def test_real_data_have_no_demo_banner_and_name_a_synthetic_release(tmp_path: Path) -> None:
    document = build_document(make_run(tmp_path / "runs", demo=False))
    assert not document.demo and document.synthetic
    assert "synthetic-banner" not in document.body
    assert "the publisher's synthetic release" in document.body
    assert "licence: CC BY 4.0" in document.body
    # the citation's <date>: when the file was obtained (its provenance), never when it was loaded or rendered
    assert "Accessed 2026-11-20" in document.body and "2026-11-28" not in document.body


def test_the_disclosure_note_says_what_was_done_to_which_source() -> None:
    from evidence.briefs.document import protection_sentences

    k_anon = {
        "source": "ctdc",
        "label": "CTDC k-anonymised global dataset, release not stated in the file",
        "kind": "case",
        "protection": "cell_key",
        "published_protection": "k-anonymised by CTDC before release, k = 11",
    }
    own = {"source": "register", "label": "Shelter records", "kind": "case", "protection": "cell_key"}
    unodc = {
        "source": "unodc_glotip",
        "label": "UNODC GLOTIP",
        "kind": "indicator",
        "protection": "suppression",
    }
    text = protection_sentences([k_anon, unodc])
    # review finding 1: the publisher's protection is stated, and the counts are perturbed all the same
    assert "in the file: victim records of real people, already protected by its publisher" in text
    assert "k = 11" in text and "cell key method" in text and "not perturbed" not in text
    # review 2, 1(a): perturbation is probabilistic protection between outputs; the note says so, not more
    assert "uncertain, not impossible to guess" in text and "no two outputs subtract" not in text
    assert "UNODC" not in text
    both = protection_sentences([k_anon, own])
    assert "Shelter records: victim records of real people, every count also perturbed slightly" in both


def test_demo_data_open_with_the_banner(run_folder: Path) -> None:
    document = build_document(run_folder)
    assert document.body.startswith("::: {.synthetic-banner}\n**SYNTHETIC DEMO DATA — NOT REAL RECORDS.**")
    assert document.front_matter()["brief"]["demo"] is True


def test_figures_are_written_beside_the_source(run_folder: Path) -> None:
    document = build_document(run_folder)
    source = document.write(run_folder)
    assert source == run_folder / "brief.qmd"
    figures = run_folder / "brief-figures"
    assert sorted(p.name for p in figures.iterdir()) == ["figure-1.png", "figure-2.svg"]
    assert (run_folder / "brief-figures" / "figure-2.svg").read_text().startswith("<svg")
    assert "![Identified victims by year](brief-figures/figure-1.png)" in source.read_text()


def test_markdown_attachments_become_figures(tmp_path: Path) -> None:
    cell = new_markdown_cell("![logo](attachment:logo.png)")
    cell["attachments"] = {"logo.png": {"image/png": base64.b64encode(png_bytes()).decode()}}
    document = build_document(make_run(tmp_path / "runs", notebook=new_notebook(cells=[cell])))
    assert list(document.figures) == ["cell0-attachment-1.png"]
    assert "brief-figures/cell0-attachment-1.png" in document.body


def test_displayed_text_is_kept_apart_for_the_disclosure_scan(run_folder: Path) -> None:
    document = build_document(run_folder)
    assert "1,442" in document.displayed
    assert [t.rows for t in document.tables] == [(("Myanmar", "1,204"), ("Cambodia", "<5"), ("Lao PDR", "x"))]
    assert "This brief describes identified victims" not in document.displayed  # authored prose


def test_a_polars_frame_is_read_into_a_table_without_its_dtypes_and_quotes(tmp_path: Path) -> None:
    from evidence.briefs.document import html_tables

    frame = pl.DataFrame({"origin": ["Myanmar", "Lao PDR"], "victims": [1204, 30], "share": [0.9, 0.1]})
    (table,) = html_tables(frame._repr_html_())
    assert [c.header for c in table.columns] == ["origin", "victims", "share"]
    assert table.rows == (("Myanmar", "1204", "0.9"), ("Lao PDR", "30", "0.1"))
    assert [c.numeric for c in table.columns] == [False, True, True]
    with pl.Config(fmt_str_lengths=4):
        (cut,) = html_tables(frame._repr_html_())
    assert cut.rows[0][0].startswith("Mya") and not cut.rows[0][0].startswith('"')
    # HTML that shows more than tables is left to the renderer's filter
    assert html_tables("<p>Note</p><table><tr><td>1</td></tr></table>") is None
    assert html_tables("<p>no table</p>") is None


def test_image_width() -> None:
    assert image_width(png_bytes(width=123)) == 123
    assert image_width(b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="10">') == 400
    assert image_width(b'<svg width="300pt" height="10">') == 400
    assert image_width(b'<svg viewBox="0 0 640 480">') == 640
    assert image_width(b"not an image") is None


def test_describe_parameters_leaves_out_data_and_thresholds() -> None:
    parameters = {
        "country": "KHM",
        "role": "origin",
        "years": [2015, 2023],
        "data": ["/x.csv"],
        "threshold": 11,
    }
    assert describe_parameters(parameters) == "Cambodia as country of origin · 2015–2023 · data: x.csv"
    assert describe_parameters({**parameters, "data": []}) == "Cambodia as country of origin · 2015–2023"


def test_a_run_on_named_data_says_which_in_its_title_and_subtitle(tmp_path: Path) -> None:
    """Runs of a notebook on a dataset (hidden_population) are told apart by the data file: by its name in
    the subtitle and by its stem in the title, never by the folders it sits in; escaped where written."""
    nb = new_notebook(cells=[new_markdown_cell("# Hidden population: multiple systems estimation\n\nText.")])
    run = make_run(tmp_path / "runs", notebook=nb)
    record = json.loads((run / "run.json").read_text())
    record["parameters"] = {"data": ["/private/folder/Ned_*[x](y)<b>.csv"], "method": "stepwise"}
    (run / "run.json").write_text(json.dumps(record))
    document = build_document(run)
    assert document.title == "Hidden population: multiple systems estimation — Ned_*[x](y)<b>"
    assert document.subtitle == "method: stepwise · data: Ned_*[x](y)<b>.csv"
    assert "private" not in document.source_text()
    front = document.front_matter()
    assert front["title"] == escape_markdown(document.title) and "<b>" not in front["title"]
    plain = builtin.pandoc(None, "plain", text=front["subtitle"]).strip()
    assert plain == document.subtitle


def test_a_run_on_a_recognised_dataset_is_titled_by_its_name(tmp_path: Path) -> None:
    """polish30: briefs read "Hidden population: … — UKdat" and "Data quality — gsi_2023" where the loader knew
    the dataset (the R package's UK table, Walk Free's index): the title names it as the sources do; a file no
    metadata names keeps its stem. A name from a sidecar is untrusted text, escaped where written."""
    nb = new_notebook(cells=[new_markdown_cell("# Data quality\n\nText.")])
    run = make_run(tmp_path / "runs", notebook=nb)
    record = json.loads((run / "run.json").read_text())
    known = {**record["provenance"][0], "demo": False, "synthetic": False}
    record["parameters"] = {"data": ["/d/gsi_2023.xlsx", "/d/UKdat.csv", "/d/own.csv", "/d/cases.csv"]}
    record["provenance"] = [
        {
            **known,
            "source": "walkfree_gsi",
            "path": "/elsewhere/gsi_2023.xlsx",
            "title": "The Global Slavery Index",
            "name": "Walk Free Global Slavery Index",
            "label": "Walk Free Global Slavery Index, 2023 edition",
        },
        {
            **known,
            "source": "list_capture",
            "path": "UKdat.csv",
            "title": "Modern Slavery",
            "name": "UK 2013 strategic assessment lists (Home Office)",
        },
        # a user's own lists: the loader's title is the file's stem, no name
        {**known, "source": "list_capture", "path": "/d/own.csv", "title": "own", "name": ""},
        # an organisation's records named by their sidecar
        {
            **known,
            "source": "case_records",
            "path": "/d/cases.csv",
            "title": "Shelter <b>*cases*</b>",
            "name": "",
        },
    ]
    (run / "run.json").write_text(json.dumps(record))
    document = build_document(run)
    assert document.title == (
        "Data quality — Walk Free Global Slavery Index, UK 2013 strategic assessment lists (Home Office), own, "
        "Shelter <b>*cases*</b>"
    )
    front = document.front_matter()
    assert "<b>" not in front["title"]
    assert builtin.pandoc(None, "plain", text=front["title"]).strip() == document.title
    # the subtitle still names the files, which tell apart the tables of one dataset (UKdat, UKdat_5, UKdat_4)
    assert document.subtitle.endswith("data: gsi_2023.xlsx, UKdat.csv, own.csv, cases.csv")


_PRINTABLE = st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp"])
_MARKUP = st.sampled_from(list("ab -.'\"&;<>*_[]#|$@^~`\\{}:!1()/=+"))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.text(alphabet=_PRINTABLE, max_size=30) | st.text(alphabet=_MARKUP, max_size=30))
def test_escaped_text_stays_plain_text(text: str) -> None:
    """Strings from provenance (titles, licences, citations) cannot inject Markdown or HTML into a brief; they
    come out as they were, less their invisible format characters (a soft hyphen, a bidi control: dropped)."""
    from evidence.presentation.markup import strip_unsafe_format

    text = " ".join(text.split())
    plain = builtin.pandoc(None, "plain", text=f"Start {escape_markdown(text)} end").strip()
    assert " ".join(plain.split()) == " ".join(f"Start {strip_unsafe_format(text)} end".split())


def test_a_soft_hyphen_and_a_bidi_control_are_dropped_from_escaped_text() -> None:
    # what the property above once found by chance: the format characters go, the text stays
    plain = builtin.pandoc(None, "plain", text=escape_markdown("co\xadop \u202eUSA")).strip()
    assert plain == "coop USA"


def test_unreadable_notebook_is_an_input_error(run_folder: Path) -> None:
    from evidence.core.errors import InputError

    (run_folder / "country_brief.ipynb").write_text("{not json")
    with pytest.raises(InputError, match="cannot read the executed notebook"):
        build_document(run_folder)


def test_executed_notebook_fixture_is_valid() -> None:
    import nbformat

    nbformat.validate(executed_notebook())


def test_vegalite_charts_are_drawn_offline_or_refused() -> None:
    from _brief_runs import VEGALITE

    from evidence.briefs.document import vegalite_svg
    from evidence.core.errors import InputError

    assert vegalite_svg(VEGALITE, 5).startswith(b"<svg")
    online = {**VEGALITE, "data": {"url": "https://example.org/victims.csv"}}
    with pytest.raises(InputError, match="cannot be drawn"):
        vegalite_svg(online, 5)


def test_vegalite_charts_are_kept_offline_by_vl_convert_1_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # vl-convert 1 takes the allowed base URLs with each call (2 with configure); the toolkit supports both
    import sys
    import types

    from evidence.briefs.document import vegalite_svg

    calls: list[dict[str, object]] = []

    def vegalite_to_svg(spec: str, **options: object) -> str:
        calls.append(options)
        return "<svg/>"

    old = types.SimpleNamespace(
        get_vegalite_versions=lambda: ["5.20", "6.4"], vegalite_to_svg=vegalite_to_svg
    )
    monkeypatch.setitem(sys.modules, "vl_convert", old)
    assert vegalite_svg({"mark": "point"}, 6) == b"<svg/>"
    assert calls == [{"vl_version": "6.4", "allowed_base_urls": []}]


def test_a_run_on_the_demo_file_is_demo_even_without_provenance(tmp_path: Path) -> None:
    from evidence.sources.demo import demo_file

    run = make_run(tmp_path / "runs", demo=False)
    record = json.loads((run / "run.json").read_text())
    record["provenance"] = []
    record["data"] = [{"path": str(demo_file()), "sha256": "0" * 64}]
    (run / "run.json").write_text(json.dumps(record))
    document = build_document(run)
    assert document.demo and "SYNTHETIC DEMO DATA" in document.body


def test_a_release_the_file_does_not_state_is_said_in_words():
    from evidence.briefs.document import _release_label

    assert _release_label({"source": "ctdc", "release": "unknown"}).endswith("(release not stated)")
    assert "2024" in _release_label({"source": "ctdc", "release": "2024", "synthetic": True})


def test_the_demo_lists_are_named_in_words_at_a_glance():
    """The demo hidden-population brief's glance box read "Data: list_capture synthetic (synthetic demo)"."""
    from evidence.briefs.document import _release_label

    assert _release_label({"source": "list_capture", "release": "synthetic", "demo": True}) == (
        "Linked lists (synthetic demo)"
    )


def test_sources_are_named_as_their_metadata_names_them_never_by_layout() -> None:
    from evidence.briefs.document import _release_label, sources_section
    from evidence.sources.metadata import describe

    p = describe("unodc_glotip", "glotip_xlsx", "2023-05-30", path="x.xlsx", sha256="0" * 64).to_dict()
    assert _release_label(p) == "UNODC GLOTIP, release 30 May 2023"
    section = sources_section([p])
    assert "**UNODC GLOTIP** — release 30 May 2023" in section and "glotip_xlsx" not in section
    assert "n.d." not in section and "release 30 May 2023. [https\\://dataunodc.un.org" in section


def test_each_source_gives_its_address_once_as_a_link() -> None:
    from evidence.briefs.document import sources_section
    from evidence.sources.metadata import describe, known_urls

    p = describe("unodc_glotip", "glotip_xlsx", "2023-05-30", path="x.xlsx", sha256="0" * 64).to_dict()
    cited = "https://dataunodc.un.org/dp-trafficking-persons"
    assert cited in p["citation"]
    section = sources_section([p])
    # the citation's own address is its link (the full stop after it is no part of it), and is not repeated
    assert section.count("dp-trafficking-persons") == 2  # the link's text and its target
    assert f"[{escape_markdown(cited)}](<{cited}>)" in section
    bare = sources_section([{**p, "citation": "UNODC. 2023. Country data."}])
    assert (
        bare.count("dp-trafficking-persons") == 2
    )  # no address in the citation: the source's address follows it
    hostile = sources_section([{**p, "citation": "See javascript:alert(1) and https://ok.example/a_b."}])
    assert "](<javascript" not in hostile and "](<https://ok.example" not in hostile
    assert "https\\://ok.example/a\\_b\\." in hostile  # an address the toolkit does not know: text
    html = builtin.pandoc(None, "html5", text=hostile)
    assert _link_targets(html) <= known_urls()  # the toolkit's own licence address only
    assert "ok.example" not in "".join(_link_targets(html)) and "https://ok.example/a_b." in html


@pytest.mark.parametrize("to", ["html5", "typst"])
@pytest.mark.parametrize(
    "reader", ["markdown", "markdown+autolink_bare_uris", "commonmark_x+autolink_bare_uris"]
)
def test_a_web_address_in_a_sidecar_is_never_a_live_link(to: str, reader: str) -> None:
    """REVIEW8 m8: a sidecar's citation or URL (untrusted text) gave a live link in the HTML and the PDF; an
    address is a link only when the toolkit's own metadata gives it, and escaped text stays text in pandoc
    with autolinks and in Typst (which links a bare "https://" itself)."""
    from evidence.briefs.document import sources_section
    from evidence.sources.metadata import describe, known_urls

    p = describe("unodc_glotip", "glotip_xlsx", "2023-05-30", path="x.xlsx", sha256="0" * 64).to_dict()
    hostile = [
        {**p, "citation": "Cite as https://evil.example/login, mailto:a@evil.example", "url": ""},
        {**p, "citation": "Cite as the owner asks.", "url": "https://evil.example/phish"},
    ]
    out = subprocess.run(
        [builtin.pandoc_path(), f"--from={reader}", f"--to={to}"],
        input="\n\n".join(sources_section([h]) for h in hostile),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.count("evil.example") == 3, out
    # the one live address left is the toolkit's own (UNODC's terms of use, the licence): none from the sidecar
    assert _link_targets(out) == {"https://dataunodc.un.org/"}, out
    if to == "typst":  # Typst links a bare "https://" itself: pandoc writes it "https:/\\/"
        assert "https://" not in re.sub(r'#link\("[^"]*"\)', "", out), out  # but in the own link's target
    assert "https://evil.example/phish" not in known_urls()
    # the toolkit's own address stays a link
    own = sources_section([p])
    assert "#link(" in builtin.pandoc(None, "typst", text=own) and "href=" in builtin.pandoc(
        None, "html5", text=own
    )


def _link_targets(rendered: str) -> set[str]:
    """Every live link's target in pandoc's HTML (href) or Typst (#link) output."""
    return set(re.findall(r'href="([^"]*)"', rendered)) | set(re.findall(r'#link\("([^"]*)"', rendered))


@pytest.mark.parametrize("to", ["html5", "typst"])
def test_the_toolkits_own_licence_address_is_a_link_and_a_sidecars_is_text(to: str) -> None:
    """REVIEW9 m10: a licence's address the toolkit's metadata gives (known_urls) was escaped with the whole
    licence, so never a link, unlike its source addresses; a sidecar's licence address stays text."""
    from evidence.briefs.document import sources_section
    from evidence.sources.metadata import describe, known_urls

    p = describe("us_tip_tiers", "kelley_csv", "1999-2015", path="t.csv", sha256="0" * 64).to_dict()
    mit = "https://opensource.org/license/mit"
    assert mit in known_urls() and p["licence"].endswith(f"({mit})")
    own = sources_section([p])
    assert (
        f"licence: MIT (c) 2017 Judith Kelley and Andrew Heiss ([{escape_markdown(mit)}](<{mit}>)\\)" in own
    )
    assert mit in _link_targets(builtin.pandoc(None, to, text=own))
    hostile = {**p, "licence": "Free for all (https://evil.example/licence) [x](https://evil.example/y)"}
    out = builtin.pandoc(None, to, text=sources_section([hostile]))
    assert "evil.example/licence" in out and not any("evil" in t for t in _link_targets(out)), out
    assert _link_targets(out) <= known_urls()


def test_parameters_a_run_resolved_are_what_readers_see(tmp_path: Path) -> None:
    # hidden_population: bootstrap_runs 0 means "as many as needed"; the brief names the runs made, never 0
    nb = new_notebook(cells=[new_markdown_cell("Text only.")])
    run = make_run(tmp_path / "runs", notebook=nb)
    record = json.loads((run / "run.json").read_text())
    record["parameters"] = {"method": "stepwise", "bootstrap_runs": 0}
    (run / "run.json").write_text(json.dumps(record))
    (run / "resolved.json").write_text(json.dumps({"bootstrap_runs": "auto (11 runs)"}))
    document = build_document(run)
    assert "bootstrap runs: auto (11 runs)" in document.subtitle
    assert "**Bootstrap runs:** auto (11 runs)" in document.body
    assert "Bootstrap runs:** 0" not in document.body


def test_a_hidden_population_brief_says_what_its_estimate_rests_on(tmp_path: Path, shared_data: Path) -> None:
    """REVIEW12 m9: every brief ended "Identified and detected victims ... are not the number of people
    trafficked", also under a brief whose headline is an estimate of that number."""
    from evidence.sources.list_capture import load_list_capture

    lists = load_list_capture(shared_data / "mse" / "western_us_5list" / "Western.csv").provenance.to_dict()
    nb = new_notebook(cells=[new_markdown_cell("Text only.")])
    run = make_run(tmp_path / "runs", notebook=nb)
    record = json.loads((run / "run.json").read_text())
    before = build_document(run).body
    assert "Identified and detected victims are the cases" in before
    record["provenance"] = [lists]
    (run / "run.json").write_text(json.dumps(record))
    after = build_document(run).body
    assert "Identified and detected victims are the cases" not in after
    assert "the estimate of the total is a model's, from how the lists overlap" in " ".join(after.split())


def test_parameters_named_by_code_words_are_named_in_words() -> None:
    """The routes and hidden-population briefs' glance boxes read "Top n: 10", "Regional level: region",
    "P enter: 0.02"."""
    from evidence.briefs.document import reader_parameters

    shown = dict(reader_parameters({"top_n": 10, "regional_level": "region", "by": "form", "p_enter": 0.02}))
    assert shown == {
        "Corridors listed": "10",
        "Routes classed by": "UN M49 regions (continents)",
        "Broken down by": "form of exploitation",
        "Stepwise entry threshold": "p < 0.02",
    }


@pytest.mark.parametrize("where", ["absolute", "relative"])
def test_a_run_record_cannot_name_a_notebook_outside_its_folder(tmp_path: Path, where: str) -> None:
    """``run.json`` is the folder's record (untrusted: a run folder may come from elsewhere): the executed
    notebook it names is read only from the run's own folder, never from another path the record points at
    (another run's notebook, with its findings, would be published in this brief)."""
    other = make_run(
        tmp_path / "elsewhere",
        "secret-run",
        notebook=new_notebook(cells=[new_markdown_cell("# Secret findings")]),
    )
    run = make_run(tmp_path / "runs")
    record = json.loads((run / "run.json").read_text())
    target = other / "country_brief.ipynb"
    record["notebook"]["executed"] = (
        str(target) if where == "absolute" else f"../../elsewhere/secret-run/{target.name}"
    )
    (run / "run.json").write_text(json.dumps(record))
    document = build_document(run)
    assert "Secret findings" not in document.source_text()
    assert document.title.startswith("Country brief")


def test_a_run_folder_cannot_link_its_notebook_to_one_outside_it(tmp_path: Path) -> None:
    """The same through a link: the folder's only notebook a symbolic link to another run's."""
    from evidence.core.errors import InputError

    other = make_run(
        tmp_path / "elsewhere",
        "secret-run",
        notebook=new_notebook(cells=[new_markdown_cell("# Secret findings")]),
    )
    run = make_run(tmp_path / "runs")
    record = json.loads((run / "run.json").read_text())
    for notebook in run.glob("*.ipynb"):
        notebook.unlink()
    (run / "linked.ipynb").symlink_to(other / "country_brief.ipynb")
    record["notebook"]["executed"] = "linked.ipynb"
    (run / "run.json").write_text(json.dumps(record))
    with pytest.raises(InputError, match="cannot tell which executed notebook"):
        build_document(run)


def test_a_chart_without_a_caption_is_described_by_its_own_title() -> None:
    """The HTML brief shows a chart's SVG as an image, whose text a screen reader does not read: a chart shown
    with no caption gets its title as alternative text, read from the SVG, as text (hostile titles too)."""
    import html as html_module

    from evidence.briefs.builtin import pandoc
    from evidence.briefs.document import _image_markdown, svg_title, vegalite_svg

    title = 'Routes to Côte d\'Ivoire "x"} ![y](http://evil.example) <img src=x onerror=alert(1)>'
    svg = vegalite_svg({**VEGALITE, "title": title}, 5)
    assert svg_title(svg) == title
    markdown = _image_markdown("figure-1.svg", svg, {}, {})
    page = pandoc(None, "html", text=markdown + "\n")
    (img,) = re.findall(r"<img [^>]*>", page)
    assert html_module.unescape(re.search(r' alt="([^"]*)"', img)[1]) == title
    assert (
        "<a " not in page and page.count("<") == 3
    )  # <p>, the one <img>, </p>: nothing of the title is markup
    # a caption, or a fig-alt of the cell, wins; a chart with no title has none
    assert 'alt="Victims"' in _image_markdown("figure-1.svg", svg, {"fig-alt": "Victims"}, {})
    assert "alt=" not in _image_markdown("figure-2.svg", vegalite_svg(VEGALITE, 5), {}, {})


def test_a_brief_of_one_year_is_subtitled_with_the_year_once() -> None:
    """Brief audit (THA as origin, --years 2019): the title block read "Thailand · role: origin · 2019–2019",
    beside "Years: 2019" in At a glance."""
    parameters = {"country": "THA", "role": "origin", "year_from": 2019, "year_to": 2019}
    assert describe_parameters(parameters) == "Thailand as country of origin · 2019"
    assert (
        describe_parameters({**parameters, "year_from": 2015}) == "Thailand as country of origin · 2015–2019"
    )
