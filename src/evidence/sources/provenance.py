"""Provenance: what every loaded table knows about where it came from."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

_CHUNK = 1 << 20

#: How the counts of a table are protected when published (see docs/methods.md, "Disclosure control"):
#: ``cell_key`` perturbs every count by its records' keys and withholds small ones (victim-level records of
#: real people); ``suppression`` withholds small counts and their complements (public aggregates, synthetic
#: records). An empty ``Provenance.protection`` means the default for the table's kind.
PROTECTIONS = ("cell_key", "suppression")


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_path(path: str | Path) -> Path:
    """The manifest beside a file the toolkit wrote into the cache (a fetched release, the demo data)."""
    path = Path(path)
    return path.with_name(path.name + ".manifest.json")


def matches_manifest(path: str | Path) -> bool:
    """True when ``path`` exists and has the size and sha256 its manifest recorded (a cheap size check first)."""
    import json

    path, manifest = Path(path), manifest_path(path)
    if not (path.is_file() and manifest.is_file()):
        return False
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return recorded.get("size") == path.stat().st_size and recorded.get("sha256") == sha256_file(path)


@dataclasses.dataclass(frozen=True)
class Provenance:
    """Where a table came from. ``synthetic`` is True for the toolkit's own demo data and CTDC's synthetic files;
    ``demo`` is True only for the toolkit's demo data (never real records, and briefs say so loudly)."""

    source: str  # short name of the publisher's dataset, e.g. "ctdc", "unodc_glotip"
    layout: str  # which layout of that source the file had, e.g. "global_synthetic_v2024"
    release: str  # release label or date, e.g. "2024", "2023-05-30"; "unknown" when it cannot be told
    path: str
    sha256: str
    url: str
    licence: str
    citation: str
    title: str = ""
    synthetic: bool = False
    demo: bool = False
    loaded_at: str = dataclasses.field(
        default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    )
    notes: tuple[str, ...] = ()
    protection: str = ""  # one of PROTECTIONS, or "" for the default of the table's kind

    def __post_init__(self) -> None:
        if self.protection not in ("", *PROTECTIONS):
            raise ValueError(f"protection must be one of {', '.join(PROTECTIONS)}, not {self.protection!r}")

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["notes"] = list(self.notes)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Provenance:
        fields = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in d.items() if k in fields}
        kw["notes"] = tuple(kw.get("notes", ()))
        return cls(**kw)

    def citation_text(self, accessed: str | None = None) -> str:
        """The citation with the access date filled in where the publisher asks for one."""
        accessed = accessed or self.loaded_at[:10]
        return self.citation.replace("<date>", accessed)
