"""Each source described once: the YAML files beside this module, read into :class:`Dataset` records.

One file per dataset (a publisher's data product, OWID's "origin"): producer, title, the name readers see, page
and download URLs, licence, terms, a citation template, and the releases the toolkit knows (date published,
years covered, checksum). The fetch catalogue (:mod:`evidence.sources.catalogue`) and the provenance of every
table a loader makes (:func:`describe`) are both made from these records, so the two cannot disagree.

Citation templates (``citation`` in a file) take ``{release}`` (the reader's phrase: "release 30 May 2023", or
"release not stated in the file"), ``{url}`` (the page), ``{accessed}`` (the access date, left as ``<date>`` in
provenance and filled when a brief is made) and ``{year}`` (the year the release was published). Text between
``[[`` and ``]]`` is written only when every value in it is known, so a citation never says "n.d.".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from functools import cache
from importlib import resources
from typing import Any

from evidence.sources.provenance import Provenance

#: The reader's phrase for a release the file does not state.
RELEASE_NOT_STATED = "release not stated in the file"
#: The reader's phrase for whatever release a publisher's URL serves today (a catalogue entry without a release).
LATEST = "latest release"
#: What a release is called when the file does not state it (the loaders' convention).
UNKNOWN = "unknown"
_ACCESSED = "<date>"  # filled by Provenance.citation_text and the briefs
_OPTIONAL = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)


def _fill(template: str, values: dict[str, str]) -> str:
    """``template`` with its fields filled; a part between ``[[`` and ``]]`` only where every field in it is
    known."""

    def optional(match: re.Match[str]) -> str:
        fields = re.findall(r"\{(\w+)\}", match.group(1))
        return match.group(1).format(**values) if all(values.get(f) for f in fields) else ""

    return _OPTIONAL.sub(optional, template).format(**values)


_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@dataclasses.dataclass(frozen=True)
class Licence:
    name: str
    url: str = ""

    def text(self) -> str:
        """ "Name (url)", or the name alone."""
        return f"{self.name} ({self.url})" if self.url else self.name


@dataclasses.dataclass(frozen=True)
class KnownRelease:
    """A release the toolkit has seen: its label as the loader reports it, and what is known about it."""

    release: str
    date_published: str = ""  # ISO 8601, as precise as known: "2023-05-30", "2024-02", "2017"
    label: str = ""  # the reader's phrase when the default ("release 30 May 2023") does not fit
    years: tuple[int, int] | None = None  # first and last year of data in the release
    sha256: str = ""
    notes: str = ""


@dataclasses.dataclass(frozen=True)
class Download:
    """A file `evidence data fetch NAME` can download: a pinned release, or whatever the URL serves."""

    name: str
    filename: str
    description: str
    direct: bool
    release: str | None = None  # None: the URL serves the latest release (the loader reads it from the file)
    url_download: str = ""  # the file itself; empty when the publisher serves it only from its page


@dataclasses.dataclass(frozen=True)
class Dataset:
    """One data product of a publisher, as its metadata file describes it."""

    key: str  # the file's stem
    source: str  # the loader's source name
    layouts: tuple[str, ...]  # the loader's layouts of this dataset
    name: str  # what readers see: "UNODC GLOTIP"
    title: str
    producer: str
    description: str
    url_main: str  # the publisher's page about the dataset
    licence: Licence
    citation: str  # template, see the module docstring
    terms: tuple[str, ...] = ()
    synthetic: bool = False
    #: how the publisher protected its real records before release (``Provenance.published_protection``)
    published_protection: str = ""
    release_wording: str = "release {release}"
    #: the publisher's required citation gives the date the data were accessed (CTDC's "(Accessed <date>)"): a
    #: table without one (``Provenance.accessed``) says so in a note (``registry.NOTE_ACCESS_DATE``)
    access_date_required: bool = False
    releases: tuple[KnownRelease, ...] = ()
    downloads: tuple[Download, ...] = ()

    def known_release(self, release: str | None) -> KnownRelease | None:
        """The metadata of ``release`` when the toolkit knows it."""
        return next((r for r in self.releases if r.release == release), None)

    def release_phrase(self, release: str | None) -> str:
        """The reader's words for a release: "release 30 May 2023", "2023 edition", "release not stated…";
        None is whatever release a URL serves now ("latest release")."""
        if release is None:
            return LATEST
        if not release or release == UNKNOWN:
            return RELEASE_NOT_STATED
        known = self.known_release(release)
        if known and known.label:
            return known.label
        return self.release_wording.format(release=_readable_date(release))

    def date_published(self, release: str | None) -> str:
        """When the release was published (ISO, as precise as known), or "" when not known."""
        known = self.known_release(release)
        if known and known.date_published:
            return known.date_published
        # a release labelled by its date (UNODC writes it in the file) or its year (CTDC's v2025, a GSI
        # edition) was published then; a span of years ("1999-2015") is not a date
        return release if release and re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", release) else ""

    def citation_for(self, release: str | None) -> str:
        """The citation of ``release``, with ``<date>`` where the access date goes."""
        published = self.date_published(release)
        values = {
            "release": self.release_phrase(release),
            "url": self.url_main,
            "accessed": _ACCESSED,
            "year": published[:4] if published else "",
        }

        return _fill(self.citation, values)

    def licence_for(self, release: str | None) -> str:
        """The licence of ``release``: its name may hold the year of publication, written only where known
        (``© [[{year} ]]Minderoo Foundation Limited``: "© 2023 Minderoo ..." for the 2023 edition)."""
        published = self.date_published(release)
        return _fill(self.licence.text(), {"year": published[:4] if published else ""})

    def provenance(
        self,
        release: str,
        *,
        layout: str,
        path: str,
        sha256: str,
        notes: tuple[str, ...] = (),
    ) -> Provenance:
        """The provenance of a table loaded from a file of this dataset."""
        if layout not in self.layouts:
            raise ValueError(f"{self.key}: layout {layout!r} is not one of {self.layouts}")
        return Provenance(
            source=self.source,
            layout=layout,
            release=release,
            path=path,
            sha256=sha256,
            url=self.url_main,
            licence=self.licence_for(release),
            citation=self.citation_for(release),
            title=self.title,
            synthetic=self.synthetic,
            published_protection=self.published_protection,
            notes=notes,
            name=self.name,
            release_label=self.release_phrase(release),
            producer=self.producer,
            date_published=self.date_published(release),
            terms=self.terms,
        )


def _readable_date(release: str) -> str:
    """ "2023-05-30" -> "30 May 2023"; "2024-02" -> "February 2024"; "1999-2015" -> "1999–2015"."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", release):
            day = dt.date.fromisoformat(release)
            return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
        if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", release):
            return f"{_MONTHS[int(release[5:]) - 1]} {release[:4]}"
    except ValueError:
        return release
    if re.fullmatch(r"\d{4}-\d{4}", release):
        return release.replace("-", "\u2013")
    return release


def _known_release(raw: dict[str, Any]) -> KnownRelease:
    entry: dict[str, Any] = dict(raw)
    if "years" in entry:
        first, last = entry.pop("years")
        entry["years"] = (int(first), int(last))
    converted: dict[str, Any] = {k: str(v) if k != "years" else v for k, v in entry.items()}
    return KnownRelease(**converted)


def _dataset(key: str, raw: dict[str, Any]) -> Dataset:
    """A Dataset from a metadata file's mapping; unknown or missing keys are errors (a typo never passes)."""
    fields: dict[str, Any] = dict(raw)
    try:
        terms = fields.get("terms", [])
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
            raise ValueError(f"terms must be a list of sentences, got {terms!r} (quote a sentence with ': ')")
        licence = Licence(**fields.pop("licence"))
        releases = tuple(_known_release(r) for r in fields.pop("releases", []) or [])
        downloads = tuple(Download(**d) for d in fields.pop("downloads", []) or [])
        layouts = tuple(fields.pop("layouts"))
        terms = tuple(fields.pop("terms", ()))
        cleaned: dict[str, Any] = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
        return Dataset(
            key=key,
            layouts=layouts,
            terms=terms,
            licence=licence,
            releases=releases,
            downloads=downloads,
            **cleaned,
        )
    except (TypeError, KeyError, ValueError) as exc:
        raise ValueError(f"source metadata {key}.yaml: {exc}") from exc


@cache
def datasets() -> dict[str, Dataset]:
    """Every described dataset, by the stem of its metadata file."""
    import yaml

    found = {}
    for entry in sorted(resources.files(__name__).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            key = entry.name.removesuffix(".yaml")
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            found[key] = _dataset(key, yaml.load(entry.read_text(encoding="utf-8"), Loader=loader))
    return found


#: A web address in a metadata file's text (its citation template, its terms).
_WEB_ADDRESS = re.compile(r"https?://[^\s<>()\[\]{}]+[^\s<>()\[\]{}.,;:]")


@cache
def known_urls() -> frozenset[str]:
    """Every web address the toolkit's own metadata gives: each dataset's page, licence and downloads, and the
    addresses its citation templates and terms write. A brief links these and nothing else: an address that
    only a provenance sidecar or a case-records mapping gives (untrusted text) is shown as text, never a link
    (a hostile sidecar must not put a live link into a brief)."""
    from evidence.sources.list_capture import published_releases

    found: set[str] = set()
    for d in datasets().values():
        found.update(u for u in (d.url_main, d.licence.url) if u)
        found.update(dl.url_download for dl in d.downloads if dl.url_download)
        for text in (d.citation.replace("{url}", d.url_main), *d.terms):
            found.update(_WEB_ADDRESS.findall(text))
    for release in published_releases():  # the published list-capture tables (list_capture/published.yaml)
        found.update(u for u in (release.url, release.package_url) if u)
        found.update(_WEB_ADDRESS.findall(release.citation))
    return frozenset(found)


def dataset(source: str, layout: str) -> Dataset:
    """The dataset a loader's ``source`` and ``layout`` belong to."""
    for candidate in datasets().values():
        if candidate.source == source and layout in candidate.layouts:
            return candidate
    raise KeyError(f"no source metadata describes source {source!r} layout {layout!r}")


def describe(
    source: str,
    layout: str,
    release: str,
    *,
    path: str,
    sha256: str,
    notes: tuple[str, ...] = (),
) -> Provenance:
    """The provenance of a table loaded from ``path``: everything but the file's facts from the metadata."""
    return dataset(source, layout).provenance(release, layout=layout, path=path, sha256=sha256, notes=notes)


def restate_release(provenance: Provenance, release: str) -> Provenance:
    """``provenance`` for another release of the same dataset (a sidecar names it): release, its label,
    date published and citation follow; a provenance no metadata describes changes its release only."""
    try:
        described = dataset(provenance.source, provenance.layout)
    except KeyError:
        return dataclasses.replace(provenance, release=release, release_label="")
    return dataclasses.replace(
        provenance,
        release=release,
        release_label=described.release_phrase(release),
        date_published=described.date_published(release),
        citation=described.citation_for(release),
    )
