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
