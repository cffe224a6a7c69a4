"""The official releases a user can fetch: where each lives, what it is called, its licence and citation.

Publishers move files. Where a publisher offers no stable direct link (CTDC and Walk Free put their files
behind a page with terms of use or a form), the entry points at that page and ``direct`` is False: fetching
it then needs ``--url`` with a direct link, or the user downloads the file and loads it from its local path.
"""

from __future__ import annotations

import dataclasses

from evidence.core.errors import ParameterError


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

    def sidecar_labels(self, url: str, note: str) -> dict:
        """The provenance sidecar of a file fetched from ``url``: its origin and, when pinned, its release.

        Title, licence and citation stay the loader's: it reads them (and the release date) from the file.
        """
        labels: dict = {"url": url, "notes": [note]}
        if self.release:
            labels["release"] = self.release
        if self.synthetic:
            labels["synthetic"] = True
        return labels


_CTDC_TERMS = "CTDC Terms of Use (https://www.ctdatacollaborative.org/page/terms-use); attribute to CTDC"

CATALOGUE: dict[str, Release] = {
    r.name: r
    for r in [
        Release(
            name="ctdc-global-synthetic",
            source="ctdc",
            title="CTDC Global Synthetic Dataset, v2024 (CSV)",
            url="https://www.ctdatacollaborative.org/page/global-synthetic-dataset",
            filename="CTDC_global_synthetic_data_v2024.csv",
            licence=_CTDC_TERMS,
            citation=(
                "Counter-Trafficking Data Collaborative (CTDC). 2024. 'Global Synthetic Dataset'. "
                "https://www.ctdatacollaborative.org/page/global-synthetic-dataset (Accessed <date>)."
            ),
            description=(
                "Differentially private synthetic victim records (~206,000 source cases, 2002-2022, "
                "27 columns). "
                "CTDC serves the file from this page after its terms of use; its direct link changes between "
                "releases, so pass it with --url or download the file and load it from its path."
            ),
            direct=False,
            release="2024",
            synthetic=True,
        ),
        Release(
            name="ctdc-k-anonymised",
            source="ctdc",
            title="CTDC Global k-anonymised Dataset",
            url="https://www.ctdatacollaborative.org/page/global-k-anonymized-dataset",
            filename="CTDC_global_k_anonymised_dataset.csv",
            licence=_CTDC_TERMS,
            citation=(
                "Counter-Trafficking Data Collaborative (CTDC). 'Global k-anonymized Dataset'. "
                "https://www.ctdatacollaborative.org/page/global-k-anonymized-dataset (Accessed <date>)."
            ),
            description=(
                "The older victim-level release (63 named columns, ';'-delimited, k = 11). Served from this "
                "page; pass a direct link with --url or load a downloaded copy from its path."
            ),
            direct=False,
        ),
        Release(
            name="ctdc-victim-perpetrator",
            source="ctdc",
            title="CTDC Global Victim-Perpetrator Synthetic Dataset (1 December 2022)",
            url="https://www.ctdatacollaborative.org/page/global-victim-perpetrator-synthetic-dataset-and-resources",
            filename="CTDC_victim_perpetrator_synthetic_condensed.csv",
            licence=_CTDC_TERMS,
            citation=(
                "Counter-Trafficking Data Collaborative (CTDC). 2022. 'Global Victim-Perpetrator Synthetic "
                "Dataset'. https://www.ctdatacollaborative.org/page/"
                "global-victim-perpetrator-synthetic-dataset-and-resources (Accessed <date>)."
            ),
            description=(
                "Synthetic victim records with attributes of the perpetrators (21,195 rows, banded years, UN "
                "regions). Served from this page; pass a direct link with --url or load a downloaded copy."
            ),
            direct=False,
            release="2022-12-01",
            synthetic=True,
        ),
        Release(
            name="unodc-glotip",
            source="unodc_glotip",
            title="UNODC Global Report on Trafficking in Persons: country data (data_glotip.xlsx)",
            url="https://dataunodc.un.org/sites/dataunodc.un.org/files/data_glotip.xlsx",
            filename="data_glotip.xlsx",
            licence="UNODC data portal terms of use (https://dataunodc.un.org/); attribute to UNODC",
            citation=(
                "UNODC. Global Report on Trafficking in Persons, country data (data_glotip.xlsx). "
                "https://dataunodc.un.org/dp-trafficking-persons (Accessed <date>)."
            ),
            description=(
                "Detected victims, persons prosecuted and convicted by country, year, sex, age, form and "
                "citizenship. The URL always serves the latest release, so there is no fixed checksum; the "
                "loader reads the release date from the file."
            ),
        ),
        Release(
            name="walkfree-gsi-2023",
            source="walkfree_gsi",
            title="Walk Free Global Slavery Index 2023 (workbook)",
            url="https://www.walkfree.org/global-slavery-index/downloads/",
            filename="walkfree_gsi_2023.xlsx",
            licence="(c) 2023 Minderoo Foundation Limited, all rights reserved; Walk Free's terms apply",
            citation=(
                "Walk Free. 2023. The Global Slavery Index 2023. Perth: Minderoo Foundation. "
                "https://www.walkfree.org/global-slavery-index/ (Accessed <date>)."
            ),
            description=(
                "Estimated prevalence of modern slavery (2021), vulnerability and government response "
                "for 180 countries. Walk Free serves the workbook from its downloads page after a form; "
                "pass a direct "
                "link with --url or load a downloaded copy from its path."
            ),
            direct=False,
            release="2023",
        ),
        Release(
            name="tip-tiers-kelley",
            source="us_tip_tiers",
            title="US TIP Report tier placements 1999-2015, coded by J. Kelley",
            url=(
                "https://raw.githubusercontent.com/andrewheiss/From-the-Trenches-Anti-TIP-NGOs-and-US/"
                "a74d421bf3b6b6b93b27d95570b18522613da63c/data/tip_tiers_orig.csv"
            ),
            filename="tip_tiers_orig.csv",
            # the file at the pinned commit (same bytes as ../shared/data/tip/tip_tiers_1999_2015.csv)
            sha256="65909a7bd4053b8947a3b54c9c2d7619d0af708189e4fe5c1ac02ba770a8af75",
            licence="MIT (c) 2017 Judith Kelley and Andrew Heiss",
            citation=(
                "Kelley, Judith G. 2017. Scorecard Diplomacy: Grading States to Influence Their "
                "Reputation and "
                "Behavior. Cambridge University Press. Data: github.com/andrewheiss/"
                "From-the-Trenches-Anti-TIP-NGOs-and-US, data/tip_tiers_orig.csv (commit a74d421)."
            ),
            description="Tier placement of each country in each US State Department TIP Report, 1999-2015.",
            release="1999-2015",
        ),
    ]
}


def get_release(name: str) -> Release:
    """The catalogue entry called ``name``, or a ParameterError listing the known names."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise ParameterError(
            f"no release called {name!r} in the catalogue; known: {', '.join(sorted(CATALOGUE))}"
        ) from None
