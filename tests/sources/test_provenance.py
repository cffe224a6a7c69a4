"""How a provenance reads in a notebook: the facts a researcher cites, a fact a line, escaped in HTML."""

from __future__ import annotations

import dataclasses

from evidence.core.text import overview_html, overview_text
from evidence.sources.provenance import SHORT_HASH, Provenance

HASH = "579babba03cc" + "d" * 52


def _prov(**changes: object) -> Provenance:
    base = Provenance(
        source="ctdc",
        layout="k_anonymised",
        release="2023",
        path="data/ctdc.csv",
        sha256=HASH,
        url="https://example.org/ctdc",
        licence="CTDC Terms of Use",
        citation="CTDC. Global dataset (accessed <date>).",
        name="CTDC k-anonymised global dataset",
        release_label="release 2023",
        accessed="2024-02-01T10:00:00",
        notes=("a note no overview needs",),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_a_provenance_reads_as_what_to_cite_not_as_a_dataclass():
    """The researcher session: the dataclass's repr put its every field (notes, terms, times) on one line."""
    shown = repr(_prov())
    assert shown.startswith("<Provenance: CTDC k-anonymised global dataset, release 2023\n")
    assert "source: ctdc (k_anonymised layout)" in shown and "release: release 2023" in shown
    assert f"file: data/ctdc.csv (sha256 {HASH[:SHORT_HASH]}…)" in shown and HASH not in shown
    assert "url: https://example.org/ctdc" in shown and "licence: CTDC Terms of Use" in shown
    assert "citation: CTDC. Global dataset (accessed 2024-02-01)." in shown  # the access date filled in
    assert "a note no overview needs" not in shown and "loaded_at" not in shown
    assert shown.count("\n") >= 6 and shown.endswith(">")


def test_a_provenance_says_what_it_does_not_know_and_that_demo_data_are_not_real():
    shown = repr(_prov(url="", licence="", sha256="", release_label="", release="unknown", citation=""))
    assert "url: not stated" in shown and "licence: not stated" in shown and "release: not stated" in shown
    assert "file: data/ctdc.csv\n" in shown and "no citation stated" in shown
    assert "SYNTHETIC demo data, not real records" in repr(_prov(synthetic=True, demo=True))
    assert "(SYNTHETIC)" in repr(_prov(synthetic=True))


def test_a_provenance_in_html_escapes_every_text_from_the_file_or_its_sidecar():
    hostile = "<script>alert(1)</script>"
    prov = _prov(
        source=hostile,
        name=hostile,
        path=hostile,
        url=hostile,
        licence=hostile,
        citation=hostile,
        terms=(hostile,),
    )
    html = prov._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.startswith("<table><caption") and html.count("<tr>") >= 7
    assert "<script>" in repr(prov)  # the text repr is text: nothing there is markup


def test_the_overview_helpers_write_what_a_loaded_table_writes():
    """One format for every result object's overview (LoadedTable's, which the others follow)."""
    lines = [("rows", ["1 of 1 kept"]), ("see", [".data", ".rejects"])]
    assert (
        overview_text("Thing", "a title", lines)
        == "<Thing: a title\n  rows: 1 of 1 kept\n  see: .data; .rejects>"
    )
    html = overview_html("Thing", "<b>title</b>", lines, after="<p>after</p>")
    assert "&lt;b&gt;title&lt;/b&gt;" in html and html.endswith("</table><p>after</p>")
    assert ".data<br>.rejects" in html
    # a text of lines of its own starts below its label, without a space left at the end of the line
    assert overview_text("T", "t", [("table", ["\n    a  b"])]) == "<T: t\n  table:\n    a  b>"
