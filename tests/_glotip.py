"""A small workbook in the UNODC GLOTIP layout, for tests that need one loaded (CLI, notebooks' views)."""

from __future__ import annotations

from pathlib import Path


def write_small_glotip(path: Path, rows: list[tuple[str, str, str]], release: str = "30/05/2023") -> Path:
    """Rows of (reporting ISO3, citizenship as written, value text): detected victims by citizenship, 2020."""
    import openpyxl

    from evidence.sources.unodc import HEADER

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data_glotip_1"
    ws.append(["UNODC"])
    ws.append([release])
    ws.append(list(HEADER))
    for iso3, category, value in rows:
        ws.append(
            [
                iso3,
                "Somewhere",
                "Asia",
                "South-eastern Asia",
                "Detected trafficking victims",
                "by citizenship",
                category,
                "Total",
                "Total",
                2020,
                "Counts",
                value,
                "GLOTIP",
            ]
        )
    wb.save(path)
    return path


def glotip_censored_as(source: Path, target: Path, label: str, others: dict[int, str] | None = None) -> Path:
    """A copy of a real GLOTIP workbook whose every ``<5`` is published as ``label`` (``"<10"``: a release or an
    export censoring at another threshold), and the value cells of the sheet rows ``others`` (the workbook's row
    numbers, as the loader's ``source_row`` gives them) as their own labels (``{812: "<3"}``): the one shared
    string edited, the cells typed over (their style kept)."""
    import html

    from _xlsx import chain, rewrite, set_text, sheet_part

    written = html.escape(label, quote=False).encode()

    def relabelled(xml: bytes) -> bytes:
        assert xml.count(b"<t>&lt;5</t>") == 1, "the workbook's <5 is not the one shared string it was"
        return xml.replace(b"<t>&lt;5</t>", b"<t>" + written + b"</t>")

    edits = {"xl/sharedStrings.xml": relabelled}
    if others:
        edits[sheet_part(source, "data_glotip_1")] = chain(
            *(set_text(f"L{row}", text) for row, text in others.items())
        )
    return rewrite(source, target, edits)
