"""The hash of the toolkit's own files that keys results kept between processes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import evidence
from evidence.core.fingerprint import toolkit_files_sha256


def test_it_hashes_every_file_of_its_layers_once_by_path_and_content() -> None:
    seen: list[Path] = []

    def sha(path: Path) -> str:
        seen.append(path)
        return hashlib.sha256(path.read_bytes()).hexdigest()

    by_callback = toolkit_files_sha256(["core"], top_files=["__init__.py"], file_sha256=sha)
    assert by_callback == toolkit_files_sha256(["core"], top_files=["__init__.py"])
    root = Path(evidence.__file__).resolve().parent
    expected = {root / "__init__.py", *(p for p in (root / "core").rglob("*") if p.is_file())}
    expected = {p for p in expected if "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")}
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))
    # another set of layers is another hash; the same set, the same hash
    assert toolkit_files_sha256(["core", "sources"]) != toolkit_files_sha256(["core"])
    assert toolkit_files_sha256(["core"]) == toolkit_files_sha256(["core"])
