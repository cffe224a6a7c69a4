"""A run's record, ``run.json`` in its folder: what ran, on what, with what, how long, and with what result.

Keys (version 1)::

    record_version  1
    run_id          the folder's name, e.g. "country_brief-THA-both-2012-2023-5-3f9a1c"
    status          "ok" | "failed"
    error           null, or why the run failed (the notebook's exception, a dead kernel, ...)
    notebook        {"name", "path", "sha256", "executed": file name of the executed notebook}
    parameters      every parameter's value as injected (defaults included)
    data            [{"path", "sha256"}]: the data files the run was given (hashed before it started)
    provenance      [...]: what the notebook recorded for each table it loaded (source, release, licence,
                    citation, synthetic/demo labels, row accounting)
    toolkit         {"version", "files_sha256"}
    python          {"version", "executable", "implementation"}
    kernel          the kernel spec name used
    host            the machine's name
    timings         {"started", "ended" (ISO 8601, UTC), "seconds"}
    outputs         [{"path" (relative to the run folder), "bytes"}]
    cache_key       hash of the run's inputs (notebook, parameters, data, toolkit)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evidence.core.atomic import write_text
from evidence.core.errors import InputError

RECORD_FILE = "run.json"
RECORD_VERSION = 1
#: Sub-folder of the runs folder that keeps failed runs (with their partly executed notebook) apart.
FAILED_DIR = "failed"


def write_record(folder: str | Path, record: dict[str, Any]) -> Path:
    """Write ``run.json`` into ``folder`` atomically."""
    return write_text(Path(folder) / RECORD_FILE, json.dumps(record, indent=2, ensure_ascii=False) + "\n")


def read_record(folder: str | Path) -> dict[str, Any] | None:
    """The record in ``folder``; None when there is none (or it is unreadable: a run to be redone)."""
    path = Path(folder) / RECORD_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def list_runs(out_root: str | Path, *, include_failed: bool = False) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every run folder under ``out_root`` with its record, by name; failed runs only when asked."""
    out_root = Path(out_root)
    if not out_root.is_dir():
        return
    folders = [
        p for p in out_root.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name != FAILED_DIR
    ]
    if include_failed and (out_root / FAILED_DIR).is_dir():
        folders += [p for p in (out_root / FAILED_DIR).iterdir() if p.is_dir()]
    for folder in sorted(folders):
        record = read_record(folder)
        if record is not None:
            yield folder, record


def load_record(folder: str | Path) -> dict[str, Any]:
    """The record of a run folder, or a clear error when it is not one."""
    record = read_record(folder)
    if record is None:
        raise InputError(f"not a run folder (no readable {RECORD_FILE})", path=folder)
    return record
