"""Published list-capture releases cite their source: recognised by their content (the exact file, or the same
counts saved another way), a sidecar winning over the catalogue, any other file keeping the generic citation."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from evidence.briefs.document import sources_section
from evidence.sources.list_capture import counts_sha256, load_list_capture, published_releases

#: Every file of the shared folder, with the dataset and release it is, and words its citation must hold.
RELEASES = [
    ("uk_2013_6list/UKdat.csv", "uk_2013", "SparseMSE 2.0.1 UKdat", "Home Office"),
    ("uk_2013_5list/UKdat_5.csv", "uk_2013", "SparseMSE 2.0.1 UKdat_5", "Home Office"),
    ("uk_2013_4list/UKdat_4.csv", "uk_2013", "modslavmse 2.0 UKdat_4", "Home Office"),
    ("netherlands_2010_2015_6list/Ned.csv", "netherlands_2010_2015", "SparseMSE 2.0.1 Ned", "van Dijk"),
    ("netherlands_2010_2015_5list/Ned_5.csv", "netherlands_2010_2015", "SparseMSE 2.0.1 Ned_5", "van Dijk"),
    (
        "new_orleans_8list/NewOrl_185cases_SparseMSE.csv",
        "new_orleans",
        "SparseMSE 2.0.1 NewOrl",
        "New Orleans",
    ),
    (
        "new_orleans_8list/NewOrl_186cases_MultipleSystemsEstimation.csv",
        "new_orleans",
        "MultipleSystemsEstimation 1.2.0 NewOrl",
        "New Orleans",
    ),
    (
        "new_orleans_5list/NewOrl_5_185cases_SparseMSE.csv",
        "new_orleans",
        "SparseMSE 2.0.1 NewOrl_5",
        "New Orleans",
    ),
    (
        "new_orleans_5list/NewOrl_5_186cases_MultipleSystemsEstimation.csv",
        "new_orleans",
        "MultipleSystemsEstimation 1.2.0 NewOrl_5",
        "New Orleans",
    ),
    ("western_us_5list/Western.csv", "western_us", "SparseMSE 2.0.1 Western", "Farrell"),
    ("kosovo_1999_4list/Kosovo.csv", "kosovo_1999", "MultipleSystemsEstimation 1.2.0 Kosovo", "Kosovo"),
    (
        "korea_palembang_3list/Korea.csv",
        "korea_palembang",
        "MultipleSystemsEstimation 1.2.0 Korea",
        "Palembang",
    ),
    ("artificial_3list/Artificial_3.csv", "sparsemse_artificial", "SparseMSE 2.0.1 Artificial_3", "Chan"),
    ("australia_4list/Australia_nonzero.csv", "australia", "MSETools 0.0.0.9000 Australia", "MSETools"),
]


def test_every_shared_file_is_in_the_catalogue_once(shared_data: Path) -> None:
    files = sorted(str(p.relative_to(shared_data / "mse")) for p in (shared_data / "mse").glob("*/*.csv"))
    assert files == sorted(f for f, *_ in RELEASES)
    releases = published_releases()
    assert len({r.release for r in releases}) == len(releases) == len(RELEASES)
    assert len({r.sha256 for r in releases}) == len({r.counts_sha256 for r in releases}) == len(releases)


@pytest.mark.parametrize(("file", "dataset", "release", "words"), RELEASES)
def test_a_published_release_cites_its_publication(
    shared_data: Path, file: str, dataset: str, release: str, words: str
) -> None:
    path = shared_data / "mse" / file
    loaded = load_list_capture(path)
    p = loaded.provenance
    known = next(r for r in published_releases() if r.release == release)
    assert (known.dataset, p.release, p.release_label) == (dataset, release, known.label)
    assert p.notes == ()  # the exact file: told by its checksum
    assert known.file == path.name and known.sha256 == p.sha256
    # what the catalogue says of the table is what the file holds
    assert tuple(c for c in loaded.data.columns if c != "count") == known.lists
    assert int(loaded.data["count"].sum()) == known.cases
    assert words in p.citation and "cite as the data owner asks" not in p.citation
    assert f"{known.package} {known.package_version}" in p.citation and known.table in p.citation
    assert p.url.startswith("https://") and p.name and p.producer
    assert p.licence.startswith("not stated") and known.package_licence in p.licence
    assert p.synthetic == (dataset == "sparsemse_artificial")


@pytest.mark.parametrize(("file", "dataset", "release", "words"), RELEASES, ids=[r[2] for r in RELEASES])
def test_a_published_release_states_its_terms_as_sentences(
    shared_data: Path, file: str, dataset: str, release: str, words: str
) -> None:
    """Every term is a sentence, shown as written: the artificial example's "Invented counts …: no population …",
    unquoted in the catalogue, was read by YAML as a mapping, and showing its provenance raised a TypeError."""
    loaded = load_list_capture(shared_data / "mse" / file)
    assert loaded.provenance.terms and all(isinstance(term, str) for term in loaded.provenance.terms)
    assert all(term in repr(loaded.provenance) for term in loaded.provenance.terms)


def test_the_brief_cites_the_upstream_publication(shared_data: Path) -> None:
    p = load_list_capture(shared_data / "mse" / "uk_2013_6list" / "UKdat.csv").provenance
    section = sources_section([p.to_dict()])
    assert "UK 2013 strategic assessment lists" in section
    assert "Silverman, B. W. (2014)" in section and "SparseMSE 2.0.1" in section
    assert "licence: not stated" in section
    assert "data owner" not in section
    # the toolkit's own addresses are links (a sidecar's would be text): the publication and the package
    url = "https://www.gov.uk/government/publications/modern-slavery-an-application-of-multiple-systems-estimation"
    assert f"(<{url}>)" in section and "(<https://cran.r-project.org/package=SparseMSE>)" in section


def test_a_copy_saved_another_way_is_recognised_by_its_counts(shared_data: Path, tmp_path: Path) -> None:
    original = shared_data / "mse" / "western_us_5list" / "Western.csv"
    lines = original.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0].split(","), [line.split(",") for line in lines[1:]]
    # CRLF line ends, semicolons, the count column renamed and moved first, the rows reversed
    text = "\r\n".join(
        ";".join([row[-1], *row[:-1]]) for row in [[*header[:-1], "frequency"], *reversed(rows)]
    )
    copy = tmp_path / "western_resaved.csv"
    copy.write_bytes((text + "\r\n").encode("utf-8"))
    p = load_list_capture(copy).provenance
    assert p.release == "SparseMSE 2.0.1 Western" and "Farrell" in p.citation
    assert p.sha256 != next(r.sha256 for r in published_releases() if r.release == p.release)
    assert len(p.notes) == 1 and "by its counts" in p.notes[0] and "Western.csv" in p.notes[0]


def test_the_same_counts_as_one_row_per_case_are_recognised(shared_data: Path, tmp_path: Path) -> None:
    histories = load_list_capture(shared_data / "mse" / "artificial_3list" / "Artificial_3.csv").data
    cases = histories.select(pl.exclude("count").repeat_by(pl.col("count")).explode())
    path = tmp_path / "cases.csv"
    cases.write_csv(path)
    loaded = load_list_capture(path)
    assert loaded.provenance.layout == "case_records" and loaded.rows_in == 96
    assert loaded.provenance.release == "SparseMSE 2.0.1 Artificial_3"


def test_other_counts_keep_the_generic_citation(shared_data: Path, tmp_path: Path) -> None:
    text = (shared_data / "mse" / "western_us_5list" / "Western.csv").read_text(encoding="utf-8")
    changed = tmp_path / "Western.csv"
    changed.write_text(text.replace("1,0,0,0,0,52", "1,0,0,0,0,53"), encoding="utf-8")
    p = load_list_capture(changed).provenance
    assert (p.release, p.url) == ("unknown", "")
    assert p.citation == "Western.csv: list-capture data (cite as the data owner asks)"


def test_counts_key_ignores_order_zeros_and_count_spelling() -> None:
    a = pl.DataFrame({"A": [1, 0, 1], "B": [0, 1, 1], "count": [5, 3, 2]})
    b = pl.DataFrame({"B": [1, 0, 1, 0], "A": [1, 1, 0, 1], "count": [2, 5, 3, 0]})
    assert counts_sha256(a) == counts_sha256(b)
    assert counts_sha256(a) != counts_sha256(a.with_columns(pl.Series("count", [5, 3, 3])))
    assert counts_sha256(a) != counts_sha256(a.rename({"B": "C"}))


def test_a_sidecar_wins_over_the_catalogue(shared_data: Path, tmp_path: Path) -> None:
    copy = tmp_path / "UKdat.csv"
    copy.write_bytes((shared_data / "mse" / "uk_2013_6list" / "UKdat.csv").read_bytes())
    (tmp_path / "UKdat.csv.provenance.json").write_text(
        json.dumps({"citation": "Our re-linked UK lists, 2013", "title": "UK lists (re-linked)"})
    )
    p = load_list_capture(copy).provenance
    assert p.citation == "Our re-linked UK lists, 2013" and p.name == "UK lists (re-linked)"
