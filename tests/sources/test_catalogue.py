"""The catalogue of fetchable releases: complete entries, honest about links, pinned checksums that hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evidence.core.errors import ParameterError
from evidence.sources.catalogue import CATALOGUE, get_release
from evidence.sources.provenance import sha256_file

REQUIRED = {
    "ctdc-global-synthetic",
    "ctdc-k-anonymised",
    "ctdc-victim-perpetrator",
    "unodc-glotip",
    "walkfree-gsi-2023",
    "tip-tiers-kelley",
}


def test_the_required_releases_are_there() -> None:
    assert REQUIRED <= set(CATALOGUE)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_entries_are_complete(name: str) -> None:
    release = CATALOGUE[name]
    assert release.name == name
    for field in ("source", "title", "url", "filename", "licence", "citation", "description"):
        assert getattr(release, field).strip(), field
    assert release.url.startswith("https://")
    assert "/" not in release.filename and not release.filename.startswith(".")
    if release.sha256 is not None:
        assert re.fullmatch(r"[0-9a-f]{64}", release.sha256)
    if release.direct:  # a direct link names a data file, not a page
        assert release.url.rsplit(".", 1)[-1] in {"csv", "xlsx", "tsv", "zip"}


def test_page_only_releases_say_so() -> None:
    for name in (
        "ctdc-global-synthetic",
        "ctdc-k-anonymised",
        "ctdc-victim-perpetrator",
        "walkfree-gsi-2023",
    ):
        assert CATALOGUE[name].direct is False
        assert "--url" in CATALOGUE[name].description


def test_direct_releases() -> None:
    unodc = CATALOGUE["unodc-glotip"]
    assert (
        unodc.direct and unodc.url == "https://dataunodc.un.org/sites/dataunodc.un.org/files/data_glotip.xlsx"
    )
    assert unodc.sha256 is None and unodc.release is None  # the URL serves whatever release is latest
    tiers = CATALOGUE["tip-tiers-kelley"]
    assert tiers.url.startswith(
        "https://raw.githubusercontent.com/andrewheiss/From-the-Trenches-Anti-TIP-NGOs-and-US/"
    )
    assert "a74d421bf3b6b6b93b27d95570b18522613da63c" in tiers.url  # pinned commit, so a pinned checksum


def test_pinned_checksum_matches_the_real_file(shared_data: Path) -> None:
    assert (
        sha256_file(shared_data / "tip" / "tip_tiers_1999_2015.csv") == CATALOGUE["tip-tiers-kelley"].sha256
    )


def test_ctdc_citation_follows_the_codebook_and_names_the_release() -> None:
    citation = CATALOGUE["ctdc-global-synthetic"].citation
    assert citation.startswith(
        "Counter-Trafficking Data Collaborative (CTDC). 2024. 'Global Synthetic Dataset'"
    )
    assert "release 2024" in citation
    assert "(accessed <date>)" in citation  # the same case in every source's citation


def test_titles_name_the_release_or_say_it_is_the_latest() -> None:
    assert CATALOGUE["walkfree-gsi-2023"].title == "Walk Free Global Slavery Index, 2023 edition"
    assert CATALOGUE["unodc-glotip"].title == "UNODC GLOTIP, latest release"


def test_sidecar_labels() -> None:
    labels = CATALOGUE["ctdc-global-synthetic"].sidecar_labels(
        "https://mirror.example/x.csv", "fetched today"
    )
    assert labels == {
        "url": "https://mirror.example/x.csv",
        "notes": ["fetched today"],
        "release": "2024",
        "synthetic": True,
    }
    fetched = CATALOGUE["unodc-glotip"].sidecar_labels("u", "n", accessed="2026-03-04T05:06:07+00:00")
    assert fetched["accessed"] == "2026-03-04"  # the day the file was obtained: a citation's access date
    assert "release" not in CATALOGUE["unodc-glotip"].sidecar_labels(
        "u", "n"
    )  # the loader reads it from the file


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ParameterError, match="tip-tiers-kelley"):
        get_release("tip-tiers")
    assert get_release("unodc-glotip") is CATALOGUE["unodc-glotip"]


def test_a_misspelt_release_is_told_the_one_meant() -> None:
    """QA27: `evidence data fetch unodc-gltip` listed the known names but said no "did you mean"."""
    with pytest.raises(ParameterError, match=r"known: .*; did you mean 'unodc-glotip'\?$"):
        get_release("unodc-gltip")
    with pytest.raises(ParameterError) as raised:
        get_release("nothing-like-it")
    assert "did you mean" not in str(raised.value)
