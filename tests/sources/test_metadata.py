"""Each source described once: the fetch catalogue and every loaded table's provenance come from its metadata."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evidence.sources import ctdc, metadata, tip, unodc, walkfree
from evidence.sources.catalogue import CATALOGUE
from evidence.sources.metadata import RELEASE_NOT_STATED, Dataset, datasets, describe
from evidence.sources.registry import load

SOURCES = Path(metadata.__file__).resolve().parents[1]

#: Every layout a publisher's loader reads, with a real shared file where there is one.
LAYOUTS = [
    (ctdc.SOURCE, ctdc.GLOBAL_SYNTHETIC, None),
    (ctdc.SOURCE, ctdc.K_ANONYMISED, "ctdc/k_anon_sample.csv"),
    (ctdc.SOURCE, ctdc.VICTIM_PERPETRATOR, "ctdc/vp_synthetic_condensed.csv"),
    (unodc.SOURCE, unodc.LAYOUT, "unodc/data_glotip_2023-05-30.xlsx"),
    (unodc.SOURCE, unodc.LAYOUT_CSV, None),
    (walkfree.SOURCE, walkfree.LAYOUT, "walkfree/gsi_2023.xlsx"),
    (walkfree.SOURCE, walkfree.LAYOUT_CSV, None),
    (tip.SOURCE, tip.KELLEY_LAYOUT, "tip/tip_tiers_1999_2015.csv"),
    (tip.SOURCE, tip.SIMPLE_LAYOUT, None),
]


@pytest.mark.parametrize("key", sorted(datasets()))
def test_every_metadata_file_is_complete(key: str) -> None:
    d = datasets()[key]
    for field in ("source", "name", "title", "producer", "description", "url_main", "citation"):
        assert getattr(d, field).strip(), field
    assert d.url_main.startswith("https://")
    assert d.licence.name and (not d.licence.url or d.licence.url.startswith("https://"))
    assert d.layouts
    for known in d.releases:
        assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", known.date_published or "2000"), known
        assert not known.sha256 or re.fullmatch(r"[0-9a-f]{64}", known.sha256)
        if known.years:
            assert known.years[0] <= known.years[1]


def test_each_loader_layout_is_described_exactly_once() -> None:
    described = [(d.source, layout) for d in datasets().values() for layout in d.layouts]
    assert len(described) == len(set(described))
    assert sorted(described) == sorted((source, layout) for source, layout, _ in LAYOUTS)


@pytest.mark.parametrize(("source", "layout", "file"), [x for x in LAYOUTS if x[2]])
def test_provenance_and_catalogue_come_from_the_metadata(
    real_loaded, source: str, layout: str, file: str
) -> None:
    p = real_loaded(file).provenance
    d = metadata.dataset(source, layout)
    assert (p.source, p.layout) == (source, layout)
    assert (p.name, p.title, p.producer, p.url, p.synthetic) == (
        d.name,
        d.title,
        d.producer,
        d.url_main,
        d.synthetic,
    )
    assert p.licence == d.licence_for(p.release) and p.terms == d.terms
    assert p.citation == d.citation_for(p.release)
    assert p.label == f"{d.name}, {d.release_phrase(p.release)}"
    for entry in CATALOGUE.values():  # the catalogue says the same of the same dataset
        if entry.dataset == d.key:
            assert (entry.source, entry.licence, entry.synthetic) == (p.source, p.licence, p.synthetic)
            assert entry.title.startswith(p.name)
            assert entry.citation == d.citation_for(entry.release)
            assert entry.url in {p.url} | {dl.url_download for dl in d.downloads}


def test_every_catalogue_entry_is_a_download_of_a_described_dataset() -> None:
    downloads = {dl.name: (d, dl) for d in datasets().values() for dl in d.downloads}
    assert set(CATALOGUE) == set(downloads)
    for name, entry in CATALOGUE.items():
        d, dl = downloads[name]
        assert entry.filename == dl.filename and entry.release == dl.release and entry.direct == dl.direct
        pinned = d.known_release(dl.release)
        assert entry.sha256 == ((pinned.sha256 or None) if pinned else None)


@pytest.mark.parametrize(
    "module", ["catalogue.py", "ctdc.py", "unodc.py", "walkfree.py", "tip.py", "provenance.py"]
)
def test_no_loader_or_catalogue_keeps_its_own_description(module: str) -> None:
    text = (SOURCES / module).read_text(encoding="utf-8")
    assert "https://" not in text and "(Accessed" not in text and "Terms of Use" not in text


@pytest.mark.parametrize("key", sorted(datasets()))
def test_citations_always_say_the_release_and_never_n_d(key: str) -> None:
    d = datasets()[key]
    for release in [r.release for r in d.releases] + ["unknown", "2031-01-15"]:
        citation = d.citation_for(release)
        assert "n.d." not in citation and "[[" not in citation and "{" not in citation
        assert d.release_phrase(release) in citation
        assert "<date>" in citation
        assert "()" not in citation and ". ." not in citation and "  " not in citation
    assert RELEASE_NOT_STATED in d.citation_for("unknown")


@pytest.mark.parametrize("key", sorted(datasets()))
def test_a_licence_is_filled_for_every_release_and_names_a_year_only_where_known(key: str) -> None:
    d = datasets()[key]
    for release in [r.release for r in d.releases] + ["unknown", "2031-01-15"]:
        licence = d.licence_for(release)
        assert "[[" not in licence and "{" not in licence and "  " not in licence


def test_the_gsi_licence_names_the_year_of_its_edition_where_known() -> None:
    d = metadata.dataset(walkfree.SOURCE, "gsi2023_xlsx")
    assert d.licence_for("2023").startswith("© 2023 Minderoo Foundation Limited")
    assert d.licence_for("2025").startswith("© 2025 Minderoo Foundation Limited")
    assert d.licence_for("unknown").startswith("© Minderoo Foundation Limited")


def test_a_release_labelled_by_its_date_is_read_as_one() -> None:
    d = metadata.dataset(unodc.SOURCE, unodc.LAYOUT)
    assert d.release_phrase("2023-05-30") == "release 30 May 2023"
    assert d.release_phrase("2031-01-15") == "release 15 January 2031"  # a release not listed yet
    assert d.citation_for("2031-01-15").startswith("UNODC. 2031. ")
    assert d.date_published("2031-01-15") == "2031-01-15"
    assert metadata.dataset(tip.SOURCE, tip.SIMPLE_LAYOUT).release_phrase("2016-2023") == (
        "reports of 2016\u20132023"
    )


def test_readers_see_names_never_layout_ids() -> None:
    p = describe(ctdc.SOURCE, ctdc.K_ANONYMISED, "unknown", path="x.csv", sha256="0" * 64)
    assert p.label == "CTDC k-anonymised global dataset, release not stated in the file"
    p = describe(unodc.SOURCE, unodc.LAYOUT, "2023-05-30", path="x.xlsx", sha256="0" * 64)
    assert p.label == "UNODC GLOTIP, release 30 May 2023"
    assert p.to_dict()["label"] == p.label
    assert type(p).from_dict(p.to_dict()) == p


def test_a_sidecar_release_restates_label_date_and_citation(shared_data: Path, tmp_path: Path) -> None:
    copy = tmp_path / "tiers.csv"
    copy.write_bytes((shared_data / "tip" / "tip_tiers_1999_2015.csv").read_bytes())
    (tmp_path / "tiers.csv.provenance.json").write_text(json.dumps({"release": "1999-2016"}))
    p = load(copy).provenance
    assert p.release == "1999-2016" and p.release_label == "reports of 1999\u20132016"
    assert "1999\u20132016" in p.citation and "1999\u20132015" not in p.citation


def test_a_sidecar_title_makes_the_file_its_own_dataset(shared_data: Path, tmp_path: Path) -> None:
    copy = tmp_path / "tiers.csv"
    copy.write_bytes((shared_data / "tip" / "tip_tiers_1999_2015.csv").read_bytes())
    (tmp_path / "tiers.csv.provenance.json").write_text(
        json.dumps({"title": "Our own coding", "release": "v3"})
    )
    p = load(copy).provenance
    assert p.label == "Our own coding, reports of v3" and p.producer == "" and p.terms == ()


def test_a_metadata_file_with_an_unknown_key_is_refused() -> None:
    raw = {
        "source": "s",
        "layouts": ["l"],
        "name": "n",
        "title": "t",
        "producer": "p",
        "description": "d",
        "url_main": "https://example.org",
        "licence": {"name": "x"},
        "citation": "c {release}",
        "licence_url": "typo",
    }
    with pytest.raises(ValueError, match="broken.yaml"):
        metadata._dataset("broken", raw)
    raw.pop("licence_url")
    assert isinstance(metadata._dataset("fine", raw), Dataset)
    with pytest.raises(ValueError, match="terms"):
        metadata._dataset("broken", {**raw, "terms": [{"Attribute": "to us"}]})


# --- the access date CTDC's citation asks for (release audit: a known leftover) ----------------------------------


def test_a_ctdc_table_without_an_access_date_says_its_citation_needs_one(
    shared_data: Path, real_loaded, tmp_path: Path
) -> None:
    """CTDC asks that a citation give the date the data were accessed ("(Accessed <date>)", codebook of the
    Global Synthetic Dataset); a file loaded without one cited CTDC with no access date and nothing said so. A
    note now says the date is not recorded and where to record it; with it recorded, the citation gives it."""
    import json
    import shutil

    from evidence.sources.registry import NOTE_ACCESS_DATE, load, sidecar_path

    path = Path(shutil.copy(shared_data / "ctdc" / "k_anon_sample.csv", tmp_path / "k_anon.csv"))
    loaded = load(path)
    note = NOTE_ACCESS_DATE.format(
        producer="Counter-Trafficking Data Collaborative (CTDC)", sidecar="k_anon.csv.provenance.json"
    )
    assert note in loaded.provenance.notes
    assert "accessed" not in loaded.provenance.citation_text()
    sidecar_path(path).write_text(json.dumps({"accessed": "2026-11-30"}), encoding="utf-8")
    dated = load(path)
    assert not any("accessed" in n for n in dated.provenance.notes)
    assert dated.provenance.citation_text().endswith("(accessed 2026-11-30).")
    # a publisher that asks for no access date gets no such note
    assert not any("accessed" in n for n in real_loaded("tip/tip_tiers_1999_2015.csv").provenance.notes)
