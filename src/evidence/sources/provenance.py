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
    # What readers see, from the source's metadata (evidence.sources.metadata); empty for files no metadata
    # describes, whose own sidecar or mapping says what they are.
    name: str = ""  # "UNODC GLOTIP", "CTDC k-anonymised global dataset"
    release_label: str = ""  # "release 30 May 2023", "2023 edition", "release not stated in the file"
    producer: str = ""
    date_published: str = ""  # ISO 8601, as precise as known ("2023-05-30", "2024-02"); "" when unknown
    terms: tuple[str, ...] = ()  # the publisher's terms a user of the data must know
    protection: str = ""  # one of PROTECTIONS, or "" for the default of the table's kind

    @property
    def label(self) -> str:
        """The source as readers name it, with its release: "UNODC GLOTIP, release 30 May 2023"."""
        name = self.name or self.title or self.source
        if self.release_label:
            return f"{name}, {self.release_label}"
        if self.release and self.release != "unknown":
            return f"{name}, release {self.release}"
        return f"{name}, release not stated"

    def __post_init__(self) -> None:
        if self.protection not in ("", *PROTECTIONS):
            raise ValueError(f"protection must be one of {', '.join(PROTECTIONS)}, not {self.protection!r}")

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["notes"] = list(self.notes)
        d["terms"] = list(self.terms)
        d["label"] = self.label  # for readers of run records and briefs; derived, so not read back
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Provenance:
        fields = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in d.items() if k in fields}
        kw["notes"] = tuple(kw.get("notes", ()))
        kw["terms"] = tuple(kw.get("terms", ()))
        return cls(**kw)

    def citation_text(self, accessed: str | None = None) -> str:
        """The citation with the access date filled in where the publisher asks for one."""
        accessed = accessed or self.loaded_at[:10]
        return self.citation.replace("<date>", accessed)
