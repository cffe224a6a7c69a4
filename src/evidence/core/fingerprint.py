"""A hash of the toolkit's own files (code and shipped reference data) in some of its layers: part of the key of
a result kept between processes (a run's cache key, a stored tier event study), so that a changed line of the
toolkit makes it again, even while the toolkit is developed in place and its version does not change."""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Callable, Iterable
from pathlib import Path


def toolkit_files_sha256(
    layers: Iterable[str],
    *,
    top_files: Iterable[str] = (),
    file_sha256: Callable[[Path], str] | None = None,
) -> str:
    """sha256 over the files of the package's ``layers`` (sub-packages, walked in a fixed order; bytecode and
    hidden folders left out) and its ``top_files`` (``__init__.py``): each file's path within the package and
    its sha256 (``file_sha256``, e.g. one that remembers a file's hash while it is unchanged)."""
    import evidence

    root = Path(evidence.__file__).resolve().parent
    digest = hashlib.sha256()
    top: list[tuple[str, list[str], list[str]]] = [(str(root), [], list(top_files))]
    for dirpath, dirnames, filenames in itertools.chain(top, *(os.walk(root / layer) for layer in layers)):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
        for filename in sorted(filenames):
            if filename.endswith((".pyc", ".pyo")):
                continue
            path = Path(dirpath, filename)
            digest.update(str(path.relative_to(root)).encode("utf-8") + b"\0")
            hexdigest = file_sha256(path) if file_sha256 else hashlib.sha256(path.read_bytes()).hexdigest()
            digest.update(hexdigest.encode("ascii"))
    return digest.hexdigest()
