"""A run's record, ``run.json`` in its folder: what ran, on what, with what, how long, and with what result.

The record is typed (:class:`RunRecord`, a pydantic model): readers get attributes, not an untyped dict, and a
damaged or foreign ``run.json`` is refused as a whole (the run is then one to be redone). Fields (version 1)::

    schema          "evidence.run.record": what the file is, as every JSON document of the CLI says it
    schema_version  1 (raised when a field is renamed or removed or changes its type)
    run_id          the folder's name, e.g. "country_brief-THA-both-2012-2023-5-3f9a1c"
    status          "ok" | "failed"
    error           null, or why the run failed (the notebook's exception, a dead kernel, a full disk, ...)
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

Fields written by later steps (a brief's ``formats``, ...) are kept as extra fields when a record is read and
written again.

Records written before ``schema`` said what they are have ``record_version`` (1) instead of ``schema`` and
``schema_version``: they are read as version 1 (their runs are listed, resumed and rendered as before) and written
back with ``schema`` and ``schema_version``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from evidence.core.atomic import write_text
from evidence.core.errors import InputError

RECORD_FILE = "run.json"
#: What ``run.json`` is, in its ``schema`` field: not ``evidence.run``, the document ``evidence run --json``
#: prints, whose keys (``notebook`` a name, ``folder``, ``seconds``) differ from the record's.
RECORD_SCHEMA: Final = "evidence.run.record"
RECORD_VERSION = 1
#: Sub-folder of the runs folder that keeps failed runs (with their partly executed notebook) apart.
FAILED_DIR = "failed"
#: Sub-folder of :data:`FAILED_DIR` that keeps the failed attempts of runs served unchanged from their good run
#: (hidden: ``failed/`` lists the runs that are failing).
SUPERSEDED_DIR = ".superseded"


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow")


class NotebookInfo(_Part):
    name: str
    path: str
    sha256: str
    executed: str


class DataFile(_Part):
    path: str
    sha256: str


class PythonInfo(_Part):
    version: str
    implementation: str = ""
    executable: str = ""


class Timings(_Part):
    started: str
    ended: str
    seconds: float


class OutputFile(_Part):
    path: str
    bytes: int


class RunRecord(_Part):
    """The content of a run's ``run.json``."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    # ``schema`` shadows a (deprecated) BaseModel method: the attribute is ``record_schema``, the field ``schema``
    record_schema: Literal["evidence.run.record"] = Field(default=RECORD_SCHEMA, alias="schema")
    schema_version: int = RECORD_VERSION
    run_id: str
    status: Literal["ok", "failed"]
    error: str | None = None
    notebook: NotebookInfo
    parameters: dict[str, Any] = Field(default_factory=dict)
    data: list[DataFile] = Field(default_factory=list)
    provenance: list[dict[str, Any]] = Field(default_factory=list)
    toolkit: dict[str, str] = Field(default_factory=dict)
    python: PythonInfo | None = None
    kernel: str | None = None
    host: str = ""
    timings: Timings
    outputs: list[OutputFile] = Field(default_factory=list)
    cache_key: str = ""

    @model_validator(mode="before")
    @classmethod
    def _earlier_record(cls, data: Any) -> Any:
        """A record written before ``schema``: its ``record_version`` is its ``schema_version``."""
        if isinstance(data, dict) and "record_version" in data and "schema" not in data:
            data = dict(data)
            data.setdefault("schema_version", data.pop("record_version"))
            data["schema"] = RECORD_SCHEMA
        return data

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, by_alias=True) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> RunRecord:
        return cls.model_validate_json(text)


def write_record(folder: str | Path, record: RunRecord) -> Path:
    """Write ``run.json`` into ``folder`` atomically."""
    return write_text(Path(folder) / RECORD_FILE, record.to_json())


def read_record(folder: str | Path) -> RunRecord | None:
    """The record in ``folder``; None when there is none, or it is unreadable or not a run record (a run to
    be redone)."""
    path = Path(folder) / RECORD_FILE
    try:
        return RunRecord.from_json(path.read_bytes())
    except (OSError, ValueError, ValidationError):
        return None


def list_runs(out_root: str | Path, *, include_failed: bool = False) -> Iterator[tuple[Path, RunRecord]]:
    """Every run folder under ``out_root`` with its record, by name; failed runs only when asked."""
    out_root = Path(out_root)
    if not out_root.is_dir():
        return
    folders = [
        p for p in out_root.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name != FAILED_DIR
    ]
    if include_failed and (out_root / FAILED_DIR).is_dir():
        folders += [p for p in (out_root / FAILED_DIR).iterdir() if p.is_dir() and not p.name.startswith(".")]
    for folder in sorted(folders):
        record = read_record(folder)
        if record is not None:
            yield folder, record


def load_record(folder: str | Path) -> RunRecord:
    """The record of a run folder, or a clear error when it is not one."""
    record = read_record(folder)
    if record is None:
        raise InputError(f"not a run folder (no readable {RECORD_FILE})", path=folder)
    return record
