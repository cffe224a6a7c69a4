"""GSI files of other editions, made at test time from the real 2023 workbook in ``../shared/data`` (never a
committed copy): REVIEW10 C1's "2025 edition" and "summary sheet as CSV from its header"."""

from __future__ import annotations

from pathlib import Path

from _xlsx import Edit

REAL_FILE = "walkfree/gsi_2023.xlsx"
SHEET = "GSI 2023 summary data"


def edited(shared_data: Path, target: Path, *edits: Edit, workbook: Edit | None = None) -> Path:
    """The real workbook with its summary sheet edited by ``edits`` (and its workbook part by ``workbook``),
    every other part as published. The edits are made in the sheet's XML (``_xlsx``): a round trip of the
    whole workbook through openpyxl took seconds, its other sheets holding ~70,000 cells."""
    from _xlsx import chain, rewrite, sheet_part

    source = shared_data / REAL_FILE
    parts = {sheet_part(source, SHEET): chain(*edits)}
    if workbook is not None:
        parts["xl/workbook.xml"] = workbook
    return rewrite(source, target, parts)


def gsi_2025(shared_data: Path, folder: Path) -> Path:
    """The 2023 workbook renamed as the 2025 edition (its sheet and title line): the loader knows no estimate
    year for it."""
    from _xlsx import rename_sheet, set_text

    return edited(
        shared_data,
        folder / "gsi_2025.xlsx",
        set_text("A2", "Source: Walk Free 2025, Global Slavery Index 2025."),
        workbook=rename_sheet(SHEET, "GSI 2025 summary data"),
    )


def gsi_csv_from_header(shared_data: Path, folder: Path) -> Path:
    """The summary sheet saved as CSV from its header row: no title line, so no edition named."""
    from _xlsx import sheet_as_csv

    path = sheet_as_csv(shared_data / REAL_FILE, folder / "gsi_noedition.csv", SHEET)
    lines = path.read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith(("Country", '"Country')))
    path.write_text("\n".join(lines[header:]) + "\n", encoding="utf-8")
    return path
