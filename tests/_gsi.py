"""GSI files of other editions, made at test time from the real 2023 workbook in ``../shared/data`` (never a
committed copy): REVIEW10 C1's "2025 edition" and "summary sheet as CSV from its header"."""

from __future__ import annotations

from pathlib import Path

REAL_FILE = "walkfree/gsi_2023.xlsx"
SHEET = "GSI 2023 summary data"


def gsi_2025(shared_data: Path, folder: Path) -> Path:
    """The 2023 workbook renamed as the 2025 edition (its sheet and title line): the loader knows no estimate
    year for it."""
    import openpyxl

    wb = openpyxl.load_workbook(shared_data / REAL_FILE)
    ws = wb[SHEET]
    ws.title = "GSI 2025 summary data"
    ws["A2"] = "Source: Walk Free 2025, Global Slavery Index 2025."
    path = folder / "gsi_2025.xlsx"
    wb.save(path)
    return path


def gsi_csv_from_header(shared_data: Path, folder: Path) -> Path:
    """The summary sheet saved as CSV from its header row: no title line, so no edition named."""
    from _xlsx import sheet_as_csv

    path = sheet_as_csv(shared_data / REAL_FILE, folder / "gsi_noedition.csv", SHEET)
    lines = path.read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith(("Country", '"Country')))
    path.write_text("\n".join(lines[header:]) + "\n", encoding="utf-8")
    return path
