"""One label for the toolkit's synthetic demo data: every demo file, with its sidecar or copied without it, is named
"evidence synthetic demo data in the … layout (NOT real records)" and cited alike (the sidecars said "evidence
synthetic demo data (NOT real records)", "Demo detected victims (UNODC layout)", "Demo TIP tiers"…, and a copy
without its sidecar was named otherwise)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from evidence.sources.demo import DEMO_NAME, demo_path, demo_provenance, write_demo
from evidence.sources.demo_context import demo_context_paths, write_demo_context
from evidence.sources.provenance import DEMO_CITATION
from evidence.sources.registry import load, sidecar_path


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("demo")
    return [write_demo(folder / "demo.csv", n_rows=600), *write_demo_context(folder)]


def test_every_demo_file_has_one_name_with_or_without_its_sidecar(demo_files, tmp_path) -> None:
    layouts = [
        "CTDC Global Synthetic Dataset",
        "UNODC GLOTIP",
        "Walk Free Global Slavery Index",
        "US TIP Report tiers",
    ]
    for path, layout in zip(demo_files, layouts, strict=True):
        copy = tmp_path / path.name
        shutil.copy(path, copy)  # without its sidecar: recognised by its content
        named = load(path).provenance
        assert named.name == f"{DEMO_NAME} in the {layout} layout (NOT real records)", path.name
        assert load(copy).provenance.name == named.name, path.name
        assert named.citation == DEMO_CITATION, path.name


def test_an_outdated_sidecar_in_the_cache_is_written_again(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path))
    paths = [demo_path(), *demo_context_paths()]
    for path in paths:
        old = json.loads(sidecar_path(path).read_text())
        sidecar_path(path).write_text(json.dumps({**old, "title": "Demo TIP tiers"}))
    demo_path()
    demo_context_paths()
    for path in paths:
        assert load(path).provenance.name.startswith(f"{DEMO_NAME} in the "), path.name
    assert json.loads(sidecar_path(paths[0]).read_text())["title"] == demo_provenance(0, 0)["title"]


def test_every_demo_files_release_reads_as_the_generators_version(demo_files, tmp_path) -> None:
    """words31's reader: the demo data's release printed as its id, "release demo-2" ("CTDC demo-2"; "reports of
    demo-2" for the TIP file, as if the State Department had issued reports called demo-2). Every demo file,
    with its sidecar or copied without it, says the same readable words: the version of the toolkit's
    generator that wrote it. The id stays the release that the data carry and the checksums name."""
    from evidence.sources.demo import DEMO_VERSION
    from evidence.sources.provenance import demo_release_words

    words = f"demo generator version {DEMO_VERSION}"
    assert demo_release_words(f"demo-{DEMO_VERSION}") == words
    for path in demo_files:
        copy = tmp_path / path.name
        shutil.copy(path, copy)
        for provenance in (load(path).provenance, load(copy).provenance):
            assert provenance.release == f"demo-{DEMO_VERSION}", path.name
            assert provenance.label == f"{provenance.name}, {words}", path.name
            assert "demo-2" not in provenance.label
