"""The brief's banner and its sources table call the toolkit's demo data by the one name its provenance gives it
(they said "the toolkit's invented demo data" and "synthetic demo data made by this toolkit")."""

from __future__ import annotations

from evidence.briefs.document import demo_banner, sources_section
from evidence.sources.demo import DEMO_NAME, demo_title
from evidence.sources.provenance import DEMO_CITATION


def _demo(name: str) -> dict:
    return {
        "source": "ctdc", "name": name, "title": name, "release": "demo-2", "demo": True, "synthetic": True,
        "licence": "CC0-1.0", "citation": DEMO_CITATION, "sha256": "a" * 64, "path": "demo.csv",
    }  # fmt: skip


def test_the_banner_and_the_sources_name_the_demo_data_alike() -> None:
    entries = [_demo(demo_title("CTDC Global Synthetic Dataset"))]
    banner = " ".join(demo_banner(entries).split())
    # the release id in words, the generator's version (demo-2 read as a publisher's release)
    assert (
        f"comes from {DEMO_NAME} (demo generator version 2)" in banner and "invented demo data" not in banner
    )
    sources = " ".join(sources_section(entries).split())
    assert f"**{demo_title('CTDC Global Synthetic Dataset')}**" in sources
    assert "made by this toolkit" not in sources and sources.count(DEMO_NAME) == 1  # the name says it once
    # a demo file a sidecar named otherwise is still said to be the demo data, in the same words
    renamed = " ".join(sources_section([_demo("My test file")]).split())
    assert f"**My test file** — demo generator version 2, **{DEMO_NAME}**" in renamed


def test_the_demo_data_are_never_cited_as_a_publishers_release_nor_by_their_release_id() -> None:
    """words31's reader: each demo source's citation read "release demo-2, **the publisher's synthetic release
    (generated records, not real cases)**": a file the toolkit invented is no publisher's release, and "demo-2"
    is an id, not a release a reader knows. Said plainly: the toolkit's demo data, by its generator's version."""
    from evidence.sources.provenance import demo_release_words

    entries = [_demo(demo_title("CTDC Global Synthetic Dataset")), _demo(demo_title("US TIP Report tiers"))]
    sources = " ".join(sources_section(entries).split())
    assert "publisher" not in sources and "demo-2" not in sources, sources
    for entry in sources.split("- **")[1:]:
        assert entry.split("** — ", 1)[1].startswith(f"{demo_release_words('demo-2')},"), entry
        assert DEMO_NAME in entry
    banner = " ".join(demo_banner(entries).split())
    assert f"comes from {DEMO_NAME} ({demo_release_words('demo-2')})" in banner and "demo-2" not in banner
