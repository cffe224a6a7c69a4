"""When a run can be skipped: its inputs are unchanged since a successful run.

A run's inputs are the notebook (sha256), its canonical parameters, the data files it loads (sha256 each), and
the toolkit: its version and a fingerprint of the installed package's files (the version alone does not change
while the toolkit is developed in place). Their hash is the run's cache key, stored in its ``run.json``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from evidence.runs.params import canonical_json
from evidence.sources.provenance import sha256_file

_HASHES: dict[tuple[str, int, int, int, int], str] = {}


def file_sha256(path: str | Path) -> str:
    """sha256 of a file, remembered per (path, size, mtime, inode, ctime) so a batch hashes each data file once.

    The change time and the inode are in the key because the size and the modification time can be set back:
    a corrected release copied with its times kept (``cp -p``, ``rsync -t``), or written while the clock was
    wrong, has the old ones; no one sets the change time, and a file replaced by renaming has a new inode."""
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_ctime_ns)
    if key not in _HASHES:
        _HASHES[key] = sha256_file(path)
    return _HASHES[key]


def data_fingerprints(paths: Iterable[str | Path]) -> list[dict[str, str]]:
    """``[{"path", "sha256"}]`` for the data files a run loads, in order."""
    return [{"path": str(Path(p)), "sha256": file_sha256(p)} for p in paths]


#: The layers a notebook can import (the layer rule keeps runs, briefs and the CLI out of notebooks), so only
#: their files can change a run's result.
NOTEBOOK_LAYERS = ("core", "sources", "analyses", "presentation", "notebooks")


@cache
def toolkit_fingerprint() -> dict[str, str]:
    """The toolkit's version and a hash of the files (code and shipped reference data) of the layers a
    notebook can use."""
    import evidence
    from evidence.core.fingerprint import toolkit_files_sha256

    files = toolkit_files_sha256(NOTEBOOK_LAYERS, top_files=["__init__.py"], file_sha256=file_sha256)
    return {"version": evidence.__version__, "files_sha256": files}


def cache_key(
    notebook_sha256: str,
    parameters: Mapping[str, Any],
    data: list[dict[str, str]],
    toolkit: Mapping[str, str],
) -> str:
    """The hash of everything a run's result depends on (data files by content, not by path)."""
    inputs = {
        "notebook_sha256": notebook_sha256,
        "parameters": dict(parameters),
        "data_sha256": [d["sha256"] for d in data],
        "toolkit": dict(toolkit),
    }
    return hashlib.sha256(canonical_json(inputs).encode("utf-8")).hexdigest()


def is_fresh(run_folder: str | Path, key: str) -> bool:
    """True when ``run_folder`` holds a successful run with this cache key whose executed notebook is intact
    (present, the size its record says, a readable notebook): a damaged run is one to redo, not to skip."""
    import json

    from evidence.runs.record import read_record

    folder = Path(run_folder)
    record = read_record(folder)
    if record is None or record.status != "ok" or record.cache_key != key:
        return False
    executed = folder / record.notebook.executed
    recorded = {o.path: o.bytes for o in record.outputs}
    try:
        if recorded.get(record.notebook.executed) not in (None, executed.stat().st_size):
            return False
        notebook = json.loads(executed.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(notebook, dict) and isinstance(notebook.get("cells"), list)
