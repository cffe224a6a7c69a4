"""Provenance: what every loaded table knows about where it came from."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

from evidence.core.text import overview_html, overview_text

_CHUNK = 1 << 20

#: How the counts of a table are protected when published (see docs/methods.md, "Disclosure control"):
#: ``cell_key`` perturbs every count by its records' keys and withholds small ones (victim-level records of
#: real people); ``suppression`` withholds small counts and their complements (public aggregates, synthetic
#: records). An empty ``Provenance.protection`` means the default for the table's kind: ``cell_key`` for
#: victim records of real people, an organisation's own or a release its publisher already protected
#: (``Provenance.published_protection``, e.g. CTDC's k-anonymised dataset, stated in the brief).
PROTECTIONS = ("cell_key", "suppression")

#: The source name of an organisation's own case records (loaded from an export, or from its register).
OWN_RECORDS = "case_records"
#: The source name of overlapping lists of identified victims (multiple systems estimation).
LIST_CAPTURE = "list_capture"


#: The column every demo file the toolkit writes carries, each of its cells holding the generator's release
#: (``demo-2``). It travels with the data: a copy, a re-save (CRLF, another delimiter, a workbook), reordered or
#: filtered rows and columns keep it, where a ``.provenance.json`` sidecar stays behind. A file whose header
#: names it is read as demo data, whatever else it says (:func:`evidence.sources.registry.demo_signature`).
DEMO_MARKER = "evidence_synthetic_demo"
#: sha256 of the demo files the toolkit generates with its default parameters (the cached demo data) -> their
#: release. A second line behind :data:`DEMO_MARKER`: generator version 1 wrote no marker column, so an exact
#: copy of one of its files is told by its checksum alone. Add the files of each new generator version
#: (``tests/sources/test_demo.py`` checks the current ones).
DEMO_SHA256: dict[str, str] = {
    # generator version 1 (no marker column)
    "4cd213a40d90a21f482593f88fe9661928222964fd58aca51fad50fee09be8b1": "demo-1",  # CTDC v2024 layout
    "db64b48ba7035e976d48da44f2c345a13cb0f563459a73a9f18fe7f08cea2ab2": "demo-1",  # UNODC layout
    "926593aba652d59153645dee85a2e38c819a4c63f7c90923dcdd443a35892fd9": "demo-1",  # GSI layout
    "943193fa6604537cbf2a6ea28bced422fd458f398700141472f882c5863b2b76": "demo-1",  # TIP layout
    # generator version 2 (with the marker column)
    "4f5453522d9f7d2875a5de696c8f24debe49ab4fcaa49e75a853bee027d5a9c4": "demo-2",  # CTDC v2024 layout
    "3c6e86e09d258b7c31a798f2849d60ad5af90651c4d4db1a44dfc244cb4f476a": "demo-2",  # UNODC layout
    "7b908ab85638e08087cf9701a763d96de95dbffe958e295322987b8ac6112d1f": "demo-2",  # GSI layout
    "51b49c93e4399f2c62dd299f452cb89deb3a97ddc32c848d9e000211f5a098a7": "demo-2",  # TIP layout
    # generator version 2, its two workbooks as written now (the lines above: as it first wrote them)
    "a9cc71ca5ce844287f00e5e1ddc953a31320aded8b78e9886147d2d55e525d81": "demo-2",  # UNODC layout
    "f380814cba4d77448e3dfa44ca872c97c0968912f74b09b94fba49f8fe821e3a": "demo-2",  # GSI layout
}
#: A release of the toolkit's demo data, as its files carry it: ``demo-`` and the generator's version.
_DEMO_RELEASE = re.compile(r"demo-(\S+)")


def demo_release_words(release: str) -> str:
    """A demo release as readers read it: ``demo-2`` is "demo generator version 2" (the version of the
    toolkit's generator that wrote the file; a bare "demo-2" read as a publisher's release id); any other text
    as it is."""
    found = _DEMO_RELEASE.fullmatch(release)
    return f"demo generator version {found[1]}" if found else release


DEMO_CITATION = "evidence toolkit synthetic demo data (generated, not real victims or figures)"
DEMO_TERMS = ("Invented figures for demonstrating the toolkit: never cite or publish them as findings.",)


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
    # How the publisher protected a release of victim records before publishing it ("k-anonymised by CTDC
    # before release, k = 11"); "" when it did not (an organisation's own records). Information for the brief's
    # note on protection only: such a release is still records of real people and gets the cell key (new
    # tables of any selection from it can be subtracted, which k-anonymity of the file does not prevent).
    published_protection: str = ""
    # When the file was obtained (ISO date), as its provenance sidecar says (``evidence data fetch`` writes it);
    # "" when not known: a citation then gives no access date rather than a made-up one.
    accessed: str = ""

    @property
    def label(self) -> str:
        """The source as readers name it, with its release: "UNODC GLOTIP, release 30 May 2023"."""
        name = self.name or self.title or self.source
        if self.demo and _DEMO_RELEASE.fullmatch(self.release):
            # the demo data's release id ("demo-2") in words, whatever a layout's phrase made of it ("reports
            # of demo-2" for the TIP file)
            return f"{name}, {demo_release_words(self.release)}"
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
        """The citation with the access date filled in where the publisher asks for one: ``accessed``, else
        the date the file was obtained (:attr:`accessed`); with neither, the access clause is left out (an
        access date is a claim of fact: the day a table was loaded or a brief rendered is not it)."""
        return with_access_date(self.citation, accessed or self.accessed)

    def _overview(self) -> tuple[str, list[tuple[str, list[str]]]]:
        """A title and (label, text) lines: the source, its release, the file (its hash shortened), where it is
        published, its licence and how to cite it."""
        kind = (
            " (SYNTHETIC demo data, not real records)"
            if self.demo
            else " (SYNTHETIC)"
            if self.synthetic
            else ""
        )
        release = self.release_label or (self.release if self.release and self.release != "unknown" else "")
        if self.demo and _DEMO_RELEASE.fullmatch(self.release):
            release = demo_release_words(self.release)
        if self.date_published and self.date_published not in release:
            release = (
                f"{release}, published {self.date_published}"
                if release
                else f"published {self.date_published}"
            )
        short = self.sha256[:SHORT_HASH] if self.sha256 else "not known"
        lines = [
            (
                "source",
                [
                    f"{self.source} ({self.layout} layout)"
                    + (f", by {self.producer}" if self.producer else "")
                ],
            ),
            ("release", [release or "not stated"]),
            (
                "file",
                [
                    f"{self.path or 'not known'} (sha256 {short}…)"
                    if self.sha256
                    else self.path or "not known"
                ],
            ),
            ("url", [self.url or "not stated"]),
            ("licence", [self.licence or "not stated"]),
            ("citation", [self.citation_text() or "no citation stated"]),
        ]
        if self.terms:
            lines.append(("terms", list(self.terms)))
        lines.append(("see", [".to_dict() (every field: notes, terms, when loaded and obtained)"]))
        return f"{self.label}{kind}", lines

    def __repr__(self) -> str:
        """What a notebook shows of a provenance left as a cell's value: a fact a line, not the dataclass's
        every field on one."""
        title, lines = self._overview()
        return overview_text("Provenance", title, lines)

    def _repr_html_(self) -> str:
        """The same as :meth:`__repr__`, as a small HTML table for JupyterLab (every text escaped)."""
        title, lines = self._overview()
        return overview_html("Provenance", title, lines)


#: How many hex digits of a file's sha256 an overview shows (:meth:`Provenance.__repr__`; ``.sha256`` has all).
SHORT_HASH = 12


#: Where a citation template puts the access date: "(accessed <date>)", "Accessed <date>." (any case).
_ACCESS_CLAUSE = re.compile(r"\s*\(\s*accessed\s+<date>\s*\)|\s*\baccessed\s+<date>\.?", re.IGNORECASE)


def with_access_date(citation: str, accessed: str | None) -> str:
    """``citation`` with its ``<date>`` placeholder filled with ``accessed`` (an ISO date, or longer: its
    first ten characters), or, when the access date is not known, without the clause that would state it."""
    if accessed:
        return citation.replace("<date>", accessed[:10])
    return _ACCESS_CLAUSE.sub("", citation).replace("<date>", "").strip()


def as_demo(provenance: Provenance, release: str, how: str) -> Provenance:
    """``provenance`` of a file recognised as the toolkit's demo data (``how`` says by what, for the notes):
    synthetic and demo, its own title and citation, nothing of the publisher whose layout it imitates (so
    invented numbers are never cited as the publisher's). A provenance already labelled demo is kept as is."""
    if provenance.demo:
        return provenance
    layout = provenance.name or provenance.source
    title = f"evidence synthetic demo data in the {layout} layout (NOT real records)"
    return dataclasses.replace(
        provenance,
        release=release,
        release_label="",
        title=title,
        name=title,
        synthetic=True,
        demo=True,
        url="",
        licence="CC0-1.0",
        citation=DEMO_CITATION,
        producer="evidence toolkit",
        date_published="",
        terms=DEMO_TERMS,
        notes=(*provenance.notes, how),
    )
