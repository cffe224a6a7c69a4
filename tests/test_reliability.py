"""Malformed-input battery (issue 14): every loader and ``evidence estimate``, through the command line.

Each input is made at test time, from the project's fixtures or by rewriting a real shared file, and run
through the installed entry point in process. For every one: no traceback; a load that succeeds accounts for
every row (rows in = kept + rejected); the exit code is the documented one (0 loaded, 1 loaded with rejected
rows by ``evidence data validate``, 2 refused with one error line naming the file); and the user is told
what the table in ``docs/reliability.md`` says. That table lists exactly these inputs (a test checks it).
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from _xlsx import (
    calc_workbook,
    chain,
    keep_rows,
    like_libreoffice,
    move_sheet_last,
    rename_sheet,
    rewrite,
    set_cell,
    set_dimension,
    sheet_part,
    shift_rows,
    truncated,
    with_filter,
)

from evidence.cli.main import main

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
DOCS = REPO / "docs" / "reliability.md"

UNODC_SHEET = "data_glotip_1"
GSI_SHEET = "GSI 2023 summary data"


@dataclasses.dataclass(frozen=True)
class Case:
    """One malformed (or as-published) input and what the toolkit must do with it."""

    name: str
    source: str
    make: Callable[[Path, Path], Path]  # (folder for inputs, shared data folder) -> the input's path
    exit_code: int
    says: str  # words the user is told: the error line, or a reject/flag reason or note of the load
    command: str = "load"  # "load" (evidence data load --json), "validate", or "estimate" (--json)


# --- building inputs ------------------------------------------------------------------------------------------


def text(name: str, data: bytes | str) -> Callable[[Path, Path], Path]:
    def make(folder: Path, shared: Path) -> Path:
        path = folder / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        return path

    return make


def derived(name: str, base: Callable[[Path, Path], Path], change: Callable[[bytes], bytes]):
    def make(folder: Path, shared: Path) -> Path:
        source = base(folder, shared)
        path = folder / name
        path.write_bytes(change(source.read_bytes()))
        return path

    return make


def fixture(relative: str) -> Callable[[Path, Path], Path]:
    return lambda folder, shared: FIXTURES / relative


def shared_file(relative: str) -> Callable[[Path, Path], Path]:
    return lambda folder, shared: shared / relative


def with_mapping(name: str, data: Callable[[Path, Path], Path], mapping_edit=lambda m: m):
    """A case-records export and its mapping beside it (the mapping file as the fixture has it, edited)."""

    def make(folder: Path, shared: Path) -> Path:
        source = data(folder, shared)
        path = folder / name
        if source != path:
            shutil.copyfile(source, path)
        mapping = (FIXTURES / "case_records" / "assisted_victims.csv.mapping.yaml").read_text(
            encoding="utf-8"
        )
        (folder / f"{name}.mapping.yaml").write_text(mapping_edit(mapping), encoding="utf-8")
        return path

    return make


def cr_only(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")


def utf16(data: bytes) -> bytes:
    return data.decode("utf-8").encode("utf-16")


def utf16_be_no_bom(data: bytes) -> bytes:
    return data.decode("utf-8").encode("utf-16-be")


def cut_last_line(data: bytes) -> bytes:
    """The last line cut after its second field (a file whose end was lost)."""
    *lines, last = data.rstrip(b"\n").split(b"\n")
    return b"\n".join([*lines, b",".join(last.split(b",")[:2])]) + b"\n"


def first_half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def replace_once(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        assert old in data, old
        return data.replace(old, new, 1)

    return change


def widen(columns: int, named: bool) -> Callable[[bytes], bytes]:
    """Every line of the file followed by ``columns`` more fields (named ``x0``… in the header, or empty)."""

    def change(data: bytes) -> bytes:
        lines = data.decode("utf-8").splitlines()
        header = lines[0] + ("".join(f",x{i}" for i in range(columns)) if named else "," * columns)
        return "\n".join([header, *(line + "," * columns for line in lines[1:3])]).encode() + b"\n"

    return change


def workbook_from_csv(name: str, base: Callable[[Path, Path], Path], notes: list[str]):
    """A CSV saved as a workbook by a user, with notes above the header."""

    def make(folder: Path, shared: Path) -> Path:
        import csv
        import io

        import openpyxl

        rows = list(csv.reader(io.StringIO(base(folder, shared).read_text(encoding="utf-8"))))
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "export"
        for note in notes:
            sheet.append([note])
        for row in rows:
            sheet.append(row)
        path = folder / name
        book.save(path)
        return path

    return make


def workbook_edit(
    name: str,
    base: Callable[[Path, Path], Path],
    sheet: str | None,
    sheet_edit=None,
    *,
    edits=None,
    **options,
):
    def make(folder: Path, shared: Path) -> Path:
        source = base(folder, shared)
        edits_here = dict(edits or {})
        if sheet_edit is not None:
            edits_here[sheet_part(source, sheet)] = sheet_edit
        return rewrite(source, folder / name, edits_here, **options)

    return make


def unodc_small(folder: Path, shared: Path) -> Path:
    """The 2023 UNODC release cut to its first 200 data rows (made once per run)."""
    path = folder / "unodc_small.xlsx"
    if not path.exists():
        source = shared / "unodc" / "data_glotip_2023-05-30.xlsx"
        rewrite(source, path, {sheet_part(source, UNODC_SHEET): keep_rows(203)})
    return path


def gsi(folder: Path, shared: Path) -> Path:
    return shared / "walkfree" / "gsi_2023.xlsx"


def directory(folder: Path, shared: Path) -> Path:
    path = folder / "a_folder.csv"
    path.mkdir(exist_ok=True)
    return path


def zip_of_text(folder: Path, shared: Path) -> Path:
    path = folder / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
    return path


SYNTHETIC = fixture("ctdc/synthetic_v2024.csv")
K_ANON = shared_file("ctdc/k_anon_excerpt.csv")
VP = shared_file("ctdc/vp_synthetic_condensed.csv")
CASES = fixture("case_records/assisted_victims.csv")
KELLEY = shared_file("tip/tip_tiers_1999_2015.csv")
SIMPLE = fixture("tip/tiers_simple.csv")
LISTS = "A,B,C,count\n1,0,0,40\n0,1,0,30\n0,0,1,20\n1,1,0,6\n1,0,1,5\n0,1,1,4\n1,1,1,2\n"
NOT_A_COUNT = "a count must be a whole number of people"
DAMAGED = "the workbook is damaged or incomplete"

BATTERY = [
    # CTDC Global Synthetic (CSV)
    Case("synthetic as published", "CTDC synthetic", SYNTHETIC, 0, "global_synthetic"),
    Case(
        "synthetic, CR-only line ends",
        "CTDC synthetic",
        derived("syn_cr.csv", SYNTHETIC, cr_only),
        0,
        "CR-only line ends",
    ),
    Case(
        "synthetic, UTF-16 with BOM",
        "CTDC synthetic",
        derived("syn_u16.csv", SYNTHETIC, utf16),
        0,
        "read as UTF-16",
    ),
    Case(
        "synthetic, UTF-16 big-endian without BOM",
        "CTDC synthetic",
        derived("syn_u16be.csv", SYNTHETIC, utf16_be_no_bom),
        0,
        "read as UTF-16",
    ),
    Case(
        "synthetic, a Latin-1 byte",
        "CTDC synthetic",
        derived("syn_latin1.csv", SYNTHETIC, replace_once(b"Woman", b"Wom\xe1n")),
        2,
        "are not UTF-8 text",
    ),
    Case(
        "synthetic, a million empty columns",
        "CTDC synthetic",
        derived("syn_wide.csv", SYNTHETIC, widen(1_000_000, named=False)),
        2,
        "more than any spreadsheet holds",
    ),
    Case(
        "synthetic, a million named columns",
        "CTDC synthetic",
        derived("syn_wide_named.csv", SYNTHETIC, widen(1_000_000, named=True)),
        2,
        "more than any spreadsheet holds",
    ),
    Case(
        "synthetic, trailing empty columns",
        "CTDC synthetic",
        derived("syn_trailing.csv", SYNTHETIC, widen(3, named=False)),
        0,
        "unnamed column",
    ),
    Case(
        "synthetic, a column named twice",
        "CTDC synthetic",
        derived("syn_twice.csv", SYNTHETIC, replace_once(b"traffickMonths", b"gender")),
        2,
        "names a column more than once: gender",
    ),
    Case(
        "synthetic, cut in the middle of a row",
        "CTDC synthetic",
        derived("syn_cut.csv", SYNTHETIC, first_half),
        0,
        "truncated row",
    ),
    Case(
        "synthetic, a quote never closed",
        "CTDC synthetic",
        derived("syn_quote.csv", SYNTHETIC, replace_once(b"Woman", b'"Woman')),
        2,
        "quoted field is never closed",
    ),
    Case(
        "synthetic, a row with extra fields",
        "CTDC synthetic",
        fixture("ctdc/synthetic_ragged.csv"),
        0,
        "too many fields",
    ),
    Case(
        "synthetic, a stray CR inside the header",
        "CTDC synthetic",
        derived("syn_cr_header.csv", SYNTHETIC, replace_once(b"meansThreats", b"means\rThreats")),
        0,
        # header labels compare ignoring whitespace: the label is meansThreats, no column is absent
        '"notes": ["release 2024 told from',
    ),
    Case(
        "synthetic, a NUL byte in a cell",
        "CTDC synthetic",
        derived("syn_nul.csv", SYNTHETIC, replace_once(b"Woman", b"Wo\x00man")),
        0,
        "unknown gender",
    ),
    Case(
        "synthetic, separated by semicolons",
        "CTDC synthetic",
        fixture("ctdc/synthetic_semicolon.csv"),
        0,
        "delimited by semicolons, not commas",
    ),
    Case("synthetic, header only", "CTDC synthetic", fixture("ctdc/header_only.csv"), 0, "global_synthetic"),
    Case(
        "synthetic, years out of range (validate)",
        "CTDC synthetic",
        fixture("ctdc/synthetic_bad_years.csv"),
        1,
        "year",
        "validate",
    ),
    Case(
        "synthetic, saved as a workbook with notes above",
        "CTDC synthetic",
        workbook_from_csv("syn_notes.xlsx", SYNTHETIC, ["CTDC export", "for internal use"]),
        0,
        "header on row 3",
    ),
    Case(
        "a table derived from CTDC (Age Band, ...)",
        "CTDC synthetic",
        text("derived.csv", "Age Band,Trafficking Duration,Gender,Count\n9--17,0--12,Female,12\n"),
        2,
        "looks like a table derived from CTDC data",
    ),
    Case(
        "synthetic, gzip-compressed",
        "CTDC synthetic",
        derived("syn.csv.gz", SYNTHETIC, gzip.compress),
        2,
        "gzip-compressed",
    ),
    # CTDC k-anonymised and Victim-Perpetrator
    Case("k-anonymised as published", "CTDC k-anonymised", K_ANON, 0, "k_anonymised"),
    Case(
        "k-anonymised, CR-only line ends",
        "CTDC k-anonymised",
        derived("kanon_cr.csv", K_ANON, cr_only),
        0,
        "CR-only line ends",
    ),
    Case(
        "k-anonymised, UTF-16",
        "CTDC k-anonymised",
        derived("kanon_u16.csv", K_ANON, utf16),
        0,
        "read as UTF-16",
    ),
    Case(
        "k-anonymised, re-saved with commas",
        "CTDC k-anonymised",
        fixture("ctdc/k_anon_commas.csv"),
        0,
        "delimited by commas, not semicolons",
    ),
    Case(
        "k-anonymised, terms-of-use cell edited",
        "CTDC k-anonymised",
        derived("kanon_terms.csv", K_ANON, replace_once(b"By using this data", b"Terms")),
        0,
        "k_anonymised",
    ),
    Case(
        "k-anonymised, cut in the middle of a row",
        "CTDC k-anonymised",
        derived("kanon_cut.csv", K_ANON, first_half),
        0,
        "truncated row",
    ),
    Case("victim-perpetrator as published", "CTDC victim-perpetrator", VP, 0, "victim_perpetrator"),
    Case(
        "victim-perpetrator, CR-only line ends",
        "CTDC victim-perpetrator",
        derived("vp_cr.csv", VP, cr_only),
        0,
        "CR-only line ends",
    ),
    Case(
        "victim-perpetrator, UTF-16",
        "CTDC victim-perpetrator",
        derived("vp_u16.csv", VP, utf16),
        0,
        "read as UTF-16",
    ),
    Case(
        "victim-perpetrator, bad years and regions (validate)",
        "CTDC victim-perpetrator",
        fixture("ctdc/vp_small.csv"),
        1,
        "unknown UN region",
        "validate",
    ),
    # the organisation's own case records, read through a mapping
    Case("case records as exported", "case records", with_mapping("cases.csv", CASES), 0, "case_records"),
    Case(
        "case records, CR-only line ends",
        "case records",
        with_mapping("cases_cr.csv", derived("cases_cr.csv", CASES, cr_only)),
        0,
        "case_records",
    ),
    Case(
        "case records, UTF-16",
        "case records",
        with_mapping("cases_u16.csv", derived("cases_u16.csv", CASES, utf16)),
        0,
        "read as UTF-16",
    ),
    Case(
        "case records, mapping names a missing column",
        "case records",
        with_mapping("cases_col.csv", CASES, lambda m: m.replace('"Referred by"', '"Referral"')),
        2,
        "which",
    ),
    Case(
        "case records, mapping is not YAML",
        "case records",
        with_mapping("cases_yaml.csv", CASES, lambda m: m + "\ncolumns: [unclosed\n"),
        2,
        "mapping",
    ),
    Case(
        "case records, unknown codes (validate)",
        "case records",
        with_mapping(
            "cases_codes.csv", derived("cases_codes.csv", CASES, replace_once(b",M,34,", b",X,34,"))
        ),
        1,
        "gender",
        "validate",
    ),
    Case(
        "case records, cut in the middle of a row",
        "case records",
        with_mapping("cases_cut.csv", derived("cases_cut.csv", CASES, first_half)),
        0,
        "truncated row",
    ),
    Case(
        "case records, header only",
        "case records",
        with_mapping(
            "cases_header.csv", derived("cases_header.csv", CASES, lambda d: d.split(b"\n")[0] + b"\n")
        ),
        0,
        "case_records",
    ),
    # UNODC GLOTIP (the 2023 release, cut to 200 rows, rewritten)
    Case("UNODC as published", "UNODC", unodc_small, 0, "glotip_xlsx"),
    Case(
        "UNODC, one-cell dimension, sheet renamed",
        "UNODC",
        workbook_edit(
            "u_dim.xlsx",
            unodc_small,
            UNODC_SHEET,
            set_dimension("A1"),
            edits={"xl/workbook.xml": rename_sheet(UNODC_SHEET, "Sheet1")},
        ),
        0,
        "glotip_xlsx",
    ),
    Case(
        "UNODC, no dimension element",
        "UNODC",
        workbook_edit("u_nodim.xlsx", unodc_small, UNODC_SHEET, set_dimension(None)),
        0,
        "glotip_xlsx",
    ),
    Case(
        "UNODC, notes above the header",
        "UNODC",
        workbook_edit(
            "u_notes.xlsx",
            unodc_small,
            UNODC_SHEET,
            shift_rows(3, ["Country data", "", "Note: <5 is 1 to 4"]),
        ),
        0,
        "header on row 6",
    ),
    Case(
        "UNODC, saved like LibreOffice",
        "UNODC",
        workbook_edit(
            "u_calc.xlsx",
            unodc_small,
            UNODC_SHEET,
            like_libreoffice,
            edits={"xl/workbook.xml": calc_workbook},
            last=("[Content_Types].xml",),
        ),
        0,
        "glotip_xlsx",
    ),
    Case(
        "UNODC, filter with hidden rows",
        "UNODC",
        workbook_edit("u_filter.xlsx", unodc_small, UNODC_SHEET, with_filter("A3:M203", (4, 9))),
        0,
        "glotip_xlsx",
    ),
    Case(
        "UNODC, cut short (download interrupted)",
        "UNODC",
        lambda f, s: truncated(unodc_small(f, s), f / "u_cut.xlsx", 0.6),
        2,
        DAMAGED,
    ),
    Case(
        "UNODC, damaged sheet inside a whole zip",
        "UNODC",
        workbook_edit("u_broken.xlsx", unodc_small, UNODC_SHEET, lambda xml: xml[: len(xml) // 2]),
        2,
        DAMAGED,
    ),
    Case(
        "UNODC, txtVALUE column missing",
        "UNODC",
        workbook_edit("u_novalue.xlsx", unodc_small, UNODC_SHEET, set_cell("L3", '<c r="L3"/>')),
        2,
        "lacks the columns ['txtVALUE']",
    ),
    Case(
        "UNODC, values that are no counts (validate)",
        "UNODC",
        workbook_edit(
            "u_values.xlsx",
            unodc_small,
            UNODC_SHEET,
            chain(
                set_cell("L4", '<c r="L4" t="inlineStr"><is><t>-5</t></is></c>'),
                set_cell("L5", '<c r="L5" t="inlineStr"><is><t>1e300</t></is></c>'),
                set_cell("L6", '<c r="L6" t="inlineStr"><is><t>inf</t></is></c>'),
                set_cell("L7", '<c r="L7" t="inlineStr"><is><t>61,102,019</t></is></c>'),
                set_cell("J8", '<c r="J8" t="inlineStr"><is><t>20x5</t></is></c>'),
            ),
        ),
        1,
        "value is not a count",
        "validate",
    ),
    Case(
        "UNODC, a web page saved as .xlsx",
        "UNODC",
        text("page.xlsx", "<!DOCTYPE html><html><body>Sign in</body></html>"),
        2,
        "a web page (HTML)",
    ),
    Case(
        "UNODC, an old .xls workbook",
        "UNODC",
        text("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)),
        2,
        "save it as .xlsx",
    ),
    # US TIP tiers
    Case("TIP Kelley coding as published", "TIP", KELLEY, 0, "kelley_csv"),
    Case(
        "TIP Kelley, CR-only line ends",
        "TIP",
        derived("kelley_cr.csv", KELLEY, cr_only),
        0,
        "CR-only line ends",
    ),
    Case("TIP Kelley, UTF-16", "TIP", derived("kelley_u16.csv", KELLEY, utf16), 0, "read as UTF-16"),
    Case(
        "TIP simple layout, bad rows (validate)",
        "TIP",
        fixture("tip/tiers_simple_defects.csv"),
        1,
        "tier not recognised",
        "validate",
    ),
    Case(
        "TIP simple layout, cut in the middle of a row",
        "TIP",
        derived("simple_cut.csv", SIMPLE, cut_last_line),
        0,
        "truncated row",
    ),
    Case(
        "TIP simple layout, an extra column",
        "TIP",
        derived(
            "simple_extra.csv",
            SIMPLE,
            lambda data: data.replace(b"\n", b",x\n").replace(b"country,x\n", b"country,note\n", 1),
        ),
        0,
        "columns not used: note",
    ),
    Case(
        "TIP simple layout, header re-cased and spaced",
        "TIP",
        derived("simple_caps.csv", SIMPLE, replace_once(b"iso3,report_year,tier", b"ISO3,Report Year,Tier")),
        0,
        "simple_csv",
    ),
    Case(
        "TIP simple layout, header with year and ISO",
        "TIP",
        derived("simple_year.csv", SIMPLE, replace_once(b"iso3,report_year,tier", b"ISO,Year,Tier")),
        0,
        "simple_csv",
    ),
    Case(
        "TIP simple layout, the year column missing",
        "TIP",
        derived("simple_noyear.csv", SIMPLE, replace_once(b"report_year", b"edition")),
        2,
        "lacks the column report_year",
    ),
    Case(
        "TIP Kelley, saved as a workbook with notes above",
        "TIP",
        workbook_from_csv("kelley.xlsx", KELLEY, ["Kelley's coding of the TIP reports"]),
        0,
        "header on row 2",
    ),
    Case(
        "TIP Kelley, a quote never closed",
        "TIP",
        derived("kelley_quote.csv", KELLEY, replace_once(b'"Tier 1    "', b'"Tier 1    ')),
        2,
        "quoted field is never closed",
    ),
    # Walk Free GSI
    Case("GSI as published", "GSI", gsi, 0, "population published as 0"),
    Case(
        "GSI, sheet renamed and moved, one-cell dimension",
        "GSI",
        workbook_edit(
            "g_moved.xlsx",
            gsi,
            GSI_SHEET,
            set_dimension("A1"),
            edits={"xl/workbook.xml": chain(move_sheet_last(GSI_SHEET), rename_sheet(GSI_SHEET, "Data"))},
        ),
        0,
        "gsi2023_xlsx",
    ),
    Case(
        "GSI, saved like LibreOffice",
        "GSI",
        workbook_edit(
            "g_calc.xlsx",
            gsi,
            GSI_SHEET,
            like_libreoffice,
            edits={"xl/workbook.xml": calc_workbook},
            last=("[Content_Types].xml",),
        ),
        0,
        "gsi2023_xlsx",
    ),
    Case(
        "GSI, blank and formula countries, NaN, negative and infinite estimates (validate)",
        "GSI",
        workbook_edit(
            "g_bad.xlsx",
            gsi,
            GSI_SHEET,
            chain(
                set_cell("A5", '<c r="A5"/>'),
                set_cell("A6", '<c r="A6" t="str"><f>CONCATENATE("",B2)</f></c>'),
                set_cell("D7", '<c r="D7"><v>NaN</v></c>'),
                set_cell("E8", '<c r="E8"><v>-401000</v></c>'),
                set_cell("B9", '<c r="B9"><v>INF</v></c>'),
            ),
        ),
        1,
        "country missing",
        "validate",
    ),
    Case("GSI, cut short", "GSI", lambda f, s: truncated(gsi(f, s), f / "g_cut.xlsx", 0.3), 2, DAMAGED),
    Case(
        "GSI, estimate columns missing",
        "GSI",
        workbook_edit(
            "g_cols.xlsx", gsi, GSI_SHEET, chain(set_cell("D3", '<c r="D3"/>'), set_cell("E3", '<c r="E3"/>'))
        ),
        2,
        "looks like the Walk Free GSI summary header but lacks",
    ),
    # any file
    Case("an empty file", "any", text("empty.csv", b""), 2, "the file is empty"),
    Case("only blank lines", "any", text("blank.csv", "  \n\n \n"), 2, "only blank lines"),
    Case("a folder", "any", directory, 2, "is a directory"),
    Case("no such file", "any", lambda f, s: f / "absent.csv", 2, "no such file"),
    Case("a PDF", "any", text("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), 2, "a PDF document"),
    Case("a zip that is no workbook", "any", zip_of_text, 2, "not an Excel workbook"),
    Case("binary data", "any", text("data.bin", bytes(range(256)) * 4), 2, "binary data"),
    # list capture through `evidence estimate`
    Case(
        "lists as published (UK 4 lists)",
        "estimate",
        shared_file("mse/uk_2013_4list/UKdat_4.csv"),
        0,
        "observed",
        "estimate",
    ),
    Case(
        "lists, a count of inf",
        "estimate",
        text("l_inf.csv", LISTS.replace(",40", ",inf")),
        2,
        NOT_A_COUNT,
        "estimate",
    ),
    Case(
        "lists, a count of 1e300",
        "estimate",
        text("l_1e300.csv", LISTS.replace(",40", ",1e300")),
        2,
        NOT_A_COUNT,
        "estimate",
    ),
    Case(
        "lists, a count of 2^63-1",
        "estimate",
        text("l_int64.csv", LISTS.replace(",40", f",{2**63 - 1}")),
        2,
        NOT_A_COUNT,
        "estimate",
    ),
    Case(
        "lists, a count of NaN",
        "estimate",
        text("l_nan.csv", LISTS.replace(",40", ",NaN")),
        2,
        NOT_A_COUNT,
        "estimate",
    ),
    Case(
        "lists, a negative count",
        "estimate",
        text("l_neg.csv", LISTS.replace(",40", ",-40")),
        2,
        NOT_A_COUNT,
        "estimate",
    ),
    Case(
        "lists, a fractional count",
        "estimate",
        text("l_frac.csv", LISTS.replace(",40", ",40.5")),
        2,
        NOT_A_COUNT,
        "estimate",
    ),
    Case(
        "lists, separated by semicolons",
        "estimate",
        text("l_semi.csv", LISTS.replace(",", ";")),
        0,
        "observed",
        "estimate",
    ),
    Case(
        "lists, CR-only line ends",
        "estimate",
        text("l_cr.csv", LISTS.replace("\n", "\r")),
        0,
        "observed",
        "estimate",
    ),
    Case("lists, UTF-16", "estimate", text("l_u16.csv", LISTS.encode("utf-16")), 0, "observed", "estimate"),
    Case(
        "lists, one list only",
        "estimate",
        text("l_one.csv", "A,count\n1,40\n"),
        2,
        "at least two lists",
        "estimate",
    ),
    Case(
        "lists, a list named twice",
        "estimate",
        text("l_twice.csv", LISTS.replace("A,B,C", "A,B,A")),
        2,
        "duplicated column names",
        "estimate",
    ),
    Case(
        "lists, a column without a name",
        "estimate",
        text("l_unnamed.csv", LISTS.replace("A,B,C", "A,,C")),
        2,
        "has no name",
        "estimate",
    ),
    Case(
        "lists, a row with an extra field",
        "estimate",
        text("l_ragged.csv", LISTS.replace("1,0,0,40", "1,0,0,40,9")),
        2,
        "fields where the header has 4",
        "estimate",
    ),
    Case(
        "lists, a quote never closed",
        "estimate",
        text("l_quote.csv", LISTS.replace("1,0,0,40", '"1,0,0,40')),
        2,
        "quoted field is never closed",
        "estimate",
    ),
    Case(
        # a workbook of one sheet is read as the CSV would be (tests/sources/test_list_capture_layouts.py); a
        # title above its header (prose in one cell) is read past and named, as the CTDC and TIP loaders read
        # theirs (it was refused: "no title above it"; a word there still is)
        "lists, a workbook with a title above the header",
        "estimate",
        workbook_from_csv("l_book.xlsx", text("l_src.csv", LISTS), ["Victims by list, 2023"]),
        0,
        "1 title row(s) above the header, not records: 'Victims by list, 2023'",
        "estimate",
    ),
    Case(
        "lists, header only", "estimate", text("l_header.csv", "A,B,C,count\n"), 2, "no data rows", "estimate"
    ),
    Case(
        "lists, membership other than 0 or 1",
        "estimate",
        text("l_two.csv", LISTS.replace("1,1,1,2", "2,1,1,2")),
        2,
        "must be 0 or 1",
        "estimate",
    ),
    Case("lists, an empty file", "estimate", text("l_empty.csv", b""), 2, "the file is empty", "estimate"),
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("malformed")


def run_cli(
    args: list[str], capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    """The installed entry point in process: any exception that escapes it is a traceback, and fails the test."""
    monkeypatch.setattr(sys, "argv", ["evidence", *args])
    monkeypatch.setenv("COLUMNS", "400")  # error lines unwrapped
    code = 0
    try:
        main()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _sum_of_counts(path: Path) -> int:
    from evidence.sources.list_capture import load_list_capture

    return int(load_list_capture(path).data["count"].sum())


@pytest.mark.parametrize("case", BATTERY, ids=[c.name for c in BATTERY])
def test_malformed_input(
    case: Case,
    inputs: Path,
    shared_data: Path,
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = case.make(inputs, shared_data)
    if case.command == "estimate":
        args = ["estimate", "--data", str(path), "--json"]
    elif case.command == "validate":
        args = ["data", "validate", str(path), "--limit", "100"]
    else:
        args = ["data", "load", str(path), "--json"]
    code, out, err = run_cli(args, capsys, monkeypatch)
    assert "Traceback" not in out + err
    assert code == case.exit_code, out + err
    if code == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert lines and lines[0].startswith("error:") and str(path) in lines[0], err
        assert case.says in err, err
        return
    if case.command == "estimate":
        result = json.loads(out)
        assert result["observed"] == _sum_of_counts(path)  # every person in the file is counted once
        assert case.says in out
        return
    if case.command == "validate":
        assert case.says in out
        counts = re.search(r"(\d+) of (\d+) rows rejected", out)
        assert counts, out
        summary = json.loads(run_cli(["data", "load", str(path), "--json"], capsys, monkeypatch)[1])
        assert (int(counts.group(1)), int(counts.group(2))) == (summary["rows_rejected"], summary["rows_in"])
    else:
        summary = json.loads(out)
        assert case.says in json.dumps(summary, ensure_ascii=False), summary
    assert summary["rows_in"] == summary["rows_kept"] + summary["rows_rejected"]


def test_the_battery_is_large_and_covers_every_loader_and_estimate() -> None:
    assert len(BATTERY) >= 60
    assert len({case.name for case in BATTERY}) == len(BATTERY)
    sources = {case.source for case in BATTERY}
    expected = {
        "CTDC synthetic",
        "CTDC k-anonymised",
        "CTDC victim-perpetrator",
        "case records",
        "UNODC",
        "TIP",
        "GSI",
    }
    assert expected | {"estimate"} <= sources


def test_docs_list_exactly_this_battery() -> None:
    """docs/reliability.md has one table row per input, with its exit code."""
    rows = re.findall(
        r"^\| (.+?) \| (.+?) \| ([012]) \| (.+?) \|$", DOCS.read_text(encoding="utf-8"), re.MULTILINE
    )
    documented = {(name.strip(), int(code)) for name, _, code, _ in rows}
    assert documented == {(case.name, case.exit_code) for case in BATTERY}
