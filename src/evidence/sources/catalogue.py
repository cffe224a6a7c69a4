"""The official releases a user can fetch: where each lives, what it is called, its licence and citation.

Made from the source metadata (:mod:`evidence.sources.metadata`, one YAML file per dataset): every entry is a
``downloads`` item of a dataset, so the catalogue and the provenance of what is loaded say the same things.

Publishers move files. Where a publisher offers no stable direct link (CTDC and Walk Free put their files
behind a page with terms of use or a form), the entry points at that page and ``direct`` is False: fetching
it then needs ``--url`` with a direct link, or the user downloads the file and loads it from its local path.
"""

from __future__ import annotations

import dataclasses

from evidence.core.errors import ParameterError
from evidence.core.text import did_you_mean
from evidence.sources.metadata import Dataset, Download, datasets


@dataclasses.dataclass(frozen=True)
class Release:
    """One downloadable release of a source."""

    name: str  # the name users type: ``evidence data fetch NAME``
    source: str  # the loader's source name
    title: str
    url: str  # the file itself when ``direct``, else the publisher's page about it
    filename: str  # name of the file in the cache
    licence: str
    citation: str  # may contain ``<date>``, filled with the access date
    description: str
    sha256: str | None = None  # when set, a download must match it (the URL pins one exact file)
    direct: bool = True
    release: str | None = None  # release label for provenance; None when the URL serves whatever is latest
    synthetic: bool = False  # the publisher's records are synthetic (not real cases)
    dataset: str = ""  # the metadata file it comes from

    def sidecar_labels(self, url: str, note: str, accessed: str = "") -> dict:
        """The provenance sidecar of a file fetched from ``url``: its origin and, when pinned, its release.

        Title, licence and citation stay the loader's (from the same metadata); it reads the release date
        from the file when the catalogue does not pin one.
        """
        labels: dict = {"url": url, "notes": [note]}
        if accessed:  # the date the file was obtained: a citation's access date
            labels["accessed"] = accessed[:10]
        if self.release:
            labels["release"] = self.release
        if self.synthetic:
            labels["synthetic"] = True
        return labels


def _release(dataset: Dataset, download: Download) -> Release:
    pinned = dataset.known_release(download.release)  # None for a URL that serves the latest release
    return Release(
        name=download.name,
        source=dataset.source,
        title=f"{dataset.name}, {dataset.release_phrase(download.release)}",
        url=download.url_download if download.direct else dataset.url_main,
        filename=download.filename,
        licence=dataset.licence_for(download.release),
        citation=dataset.citation_for(download.release),
        description=download.description,
        sha256=pinned.sha256 or None if pinned else None,
        direct=download.direct,
        release=download.release,
        synthetic=dataset.synthetic,
        dataset=dataset.key,
    )


CATALOGUE: dict[str, Release] = {
    download.name: _release(dataset, download)
    for dataset in datasets().values()
    for download in dataset.downloads
}


def get_release(name: str) -> Release:
    """The catalogue entry called ``name``, or a ParameterError listing the known names."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise ParameterError(
            f"no release called {name!r} in the catalogue; known: {', '.join(sorted(CATALOGUE))}"
            + did_you_mean(name, CATALOGUE)
        ) from None
