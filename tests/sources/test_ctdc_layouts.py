"""The CTDC loader on the variants of each layout a later release or a re-save makes, generated from the real files'
headers (``docs/ctdc-formats.md``): columns added, reordered, in another case, optional ones missing; a BOM, CRLF
line ends, another delimiter, every field quoted. Each loads as the file it varies, or fails naming file, row and
column."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from evidence.core.errors import InputError, UnknownFormatError
from evidence.sources import ctdc, registry
from evidence.sources.loaded import LoadedTable

Rows = list[list[str]]

#: layout -> (file, delimiter, data rows used): the real k-anonymised sample and Victim-Perpetrator file, and the
#: Global Synthetic layout's fixture (its header is the codebook's 27 columns; no real file is at hand).
LAYOUTS = {
    ctdc.K_ANONYMISED: ("shared", "ctdc/k_anon_sample.csv", ";"),
    ctdc.VICTIM_PERPETRATOR: ("shared", "ctdc/vp_synthetic_condensed.csv", ","),
    ctdc.GLOBAL_SYNTHETIC: ("fixtures", "ctdc/synthetic_v2024.csv", ","),
}
#: enough rows of the Victim-Perpetrator file for every value of each column to occur
VP_ROWS = 3000


@pytest.fixture(scope="module", params=list(LAYOUTS))
def original(request, shared_data: Path, fixtures: Path, tmp_path_factory) -> tuple[str, Rows, str, Path]:
    """(layout, the file's records with its header first, its delimiter, the file as this test reads it)."""
    where, name, delimiter = LAYOUTS[request.param]
    source = (shared_data if where == "shared" else fixtures) / name
    with source.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.reader(fh, delimiter=delimiter) if r]
    rows = rows[: VP_ROWS + 1]
    path = _write(tmp_path_factory.mktemp("ctdc") / f"{request.param}.csv", rows, delimiter)
    return request.param, rows, delimiter, path


@pytest.fixture(scope="module")
def expected(original) -> LoadedTable:
    """The file as the toolkit loads it, loaded once for every variant of it that must read the same."""
    return registry.load(original[3])


def _write(
    path: Path, rows: Rows, delimiter: str, *, bom: bool = False, crlf: bool = False, quote_all: bool = False
) -> Path:
    buffer = io.StringIO()
    quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    csv.writer(
        buffer, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n", quoting=quoting
    ).writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    return path


def _columns(rows: Rows, order: list[int]) -> Rows:
    return [[row[i] for i in order] for row in rows]


def _shuffled(rows: Rows) -> Rows:
    order = list(range(len(rows[0])))
    random.Random(7).shuffle(order)
    return _columns(rows, order)


def _inserted(rows: Rows, at: int, name: str, value: str) -> Rows:
    return [row[:at] + [name if i == 0 else value] + row[at:] for i, row in enumerate(rows)]


def _headed(rows: Rows, rename: Callable[[str], str]) -> Rows:
    return [[rename(cell) for cell in rows[0]], *rows[1:]]


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


#: name -> (records -> records of the variant); every one must read as the original
VARIANTS: dict[str, Callable[[Rows], Rows]] = {
    "columns reversed": lambda rows: _columns(rows, list(range(len(rows[0])))[::-1]),
    "columns shuffled": _shuffled,
    "header upper case": lambda rows: _headed(rows, str.upper),
    "header lower case": lambda rows: _headed(rows, str.lower),
    "header snake_case": lambda rows: _headed(rows, _snake),
    "header cells padded": lambda rows: _headed(rows, lambda c: f" {c} "),
    "a text column added in the middle": lambda rows: _inserted(rows, 3, "caseNotes", "see file"),
    "an empty column added at the end": lambda rows: _inserted(rows, len(rows[0]), "releaseVersion", ""),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_a_variant_of_the_columns_reads_as_the_original(
    original, expected, tmp_path: Path, variant: str
) -> None:
    layout, rows, delimiter, _ = original
    loaded = registry.load(_write(tmp_path / "variant.csv", VARIANTS[variant](rows), delimiter))
    assert loaded.provenance.layout == layout
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (len(rows) - 1, len(rows) - 1, 0)
    assert loaded.data.equals(expected.data)  # line numbers too
    if variant.startswith(("a text", "an empty")):
        assert any(n.startswith("columns not used: ") for n in loaded.provenance.notes)


@pytest.mark.parametrize(
    "saved",
    [
        {"bom": True},
        {"crlf": True},
        {"bom": True, "crlf": True},
        {"quote_all": True},
        {"delimiter": ","},
        {"delimiter": ";"},
        {"delimiter": "\t"},
        {"delimiter": "|", "crlf": True, "bom": True},
    ],
    ids=lambda saved: "+".join(f"{k}={v!r}" for k, v in saved.items()),
)
def test_a_resaved_file_reads_as_the_original(original, expected, tmp_path: Path, saved: dict) -> None:
    layout, rows, delimiter, _ = original
    options = {"delimiter": delimiter, **saved}
    loaded = registry.load(_write(tmp_path / "resaved.csv", rows, options.pop("delimiter"), **options))
    assert loaded.provenance.layout == layout
    assert loaded.data.equals(expected.data)
    assert (loaded.rows_in, loaded.rows_rejected) == (expected.rows_in, 0)


def test_a_bad_value_in_a_reordered_file_is_rejected_naming_its_line_and_column(
    original, tmp_path: Path
) -> None:
    """Rows in = kept + rejected whatever the order of the columns; the reject names the file's line and the
    column as the header names it."""
    layout, rows, delimiter, _ = original
    flag = {
        ctdc.K_ANONYMISED: "isForcedLabour",
        ctdc.VICTIM_PERPETRATOR: "IP_Exploiter",
        ctdc.GLOBAL_SYNTHETIC: "meansThreats",
    }[layout]
    variant = _headed(_shuffled(rows), str.upper)
    column = variant[0].index(flag.upper())
    variant[4][column] = "yes"  # line 5 of the file
    loaded = registry.load(_write(tmp_path / "bad.csv", variant, delimiter))
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (len(rows) - 1, len(rows) - 2, 1)
    assert loaded.rejects.select("row", "column", "value").row(0) == (5, flag, "yes")
    assert 5 not in loaded.data["source_row"].to_list()


def _required(layout: str) -> list[str]:
    """The columns a file of the layout cannot lack. The k-anonymised file's terms-of-use header cell tells the
    layout with its year column alone; its other signature columns are then optional."""
    return ["yearOfRegistration"] if layout == ctdc.K_ANONYMISED else ctdc._REQUIRED[layout]


def _optional(layout: str, header: list[str]) -> list[str]:
    return [c for c in header if c in set(ctdc._columns_for(layout)) - set(_required(layout))]


def test_a_missing_optional_column_reads_as_empty_with_a_note(original, tmp_path: Path) -> None:
    layout, rows, delimiter, _ = original
    for name in _optional(layout, rows[0]):
        index = rows[0].index(name)
        variant = [row[:index] + row[index + 1 :] for row in rows]
        loaded = registry.load(_write(tmp_path / "optional.csv", variant, delimiter))
        assert loaded.provenance.layout == layout, name
        assert loaded.rows_in == loaded.rows_kept + loaded.rows_rejected == len(rows) - 1, name
        assert any(
            n.startswith("columns absent from this file, not recorded (unknown on every record, never 0): ")
            and name in n
            for n in loaded.provenance.notes
        ), name


def test_a_missing_required_column_is_an_error_naming_file_row_and_column(original, tmp_path: Path) -> None:
    """A release with a column its layout is recognised by deleted was "not a CTDC file: the header matches none of
    the three CTDC layouts", naming no column; through the registry a Victim-Perpetrator file was told it lacked
    the Global Synthetic Dataset's columns."""
    layout, rows, delimiter, _ = original
    for name in _required(layout):
        index = rows[0].index(name)
        path = _write(tmp_path / "required.csv", [row[:index] + row[index + 1 :] for row in rows], delimiter)
        with pytest.raises(InputError) as caught:
            ctdc.load(path)
        error = caught.value
        assert (error.path, error.row, error.column) == (str(path), 1, name)
        assert f"lacks {name}" in error.message
        with pytest.raises(UnknownFormatError, match=rf"\(row 1\) lacks {name}\b"):
            registry.load(path)


def test_a_workbook_with_its_columns_reordered_reads_as_the_csv(original, tmp_path: Path) -> None:
    import openpyxl

    layout, rows, _, path = original
    if layout == ctdc.VICTIM_PERPETRATOR:
        rows = rows[:501]  # a workbook of every row is slow to write; the first 500 records suffice
        path = _write(tmp_path / "vp.csv", rows, ",")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in _headed(_shuffled(rows), str.lower):
        sheet.append([cell if cell != "" else None for cell in row])
    workbook.save(tmp_path / "ctdc.xlsx")
    loaded = registry.load(tmp_path / "ctdc.xlsx")
    expected = registry.load(path)
    assert loaded.provenance.layout == layout
    assert loaded.data.drop("source_row").equals(expected.data.drop("source_row"))
    assert loaded.rows_in == expected.rows_in and loaded.rows_rejected == 0
    assert pl.Series(loaded.data["source_row"]).to_list() == list(range(2, len(rows) + 1))


def test_a_k_anonymised_file_without_its_terms_cell_needs_its_signature_columns(
    shared_data: Path, tmp_path: Path
) -> None:
    with (shared_data / "ctdc" / "k_anon_sample.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.reader(fh, delimiter=";") if r][:50]
    rows[0][0] = ""  # the terms-of-use sentence deleted: the signature columns tell the layout
    assert registry.load(_write(tmp_path / "untitled.csv", rows, ";")).rows_kept == 49
    index = rows[0].index("Datasource")
    path = _write(tmp_path / "no_source.csv", [row[:index] + row[index + 1 :] for row in rows], ";")
    with pytest.raises(InputError) as caught:
        ctdc.load(path)
    assert (caught.value.row, caught.value.column) == (1, "Datasource")
    assert "k-anonymised Global Dataset has the columns" in caught.value.message


def test_a_header_below_a_title_line_lacking_a_required_column_is_named_on_its_row(
    original, tmp_path: Path
) -> None:
    """The loader finds a header below title lines; a header there lacking a required column was "not a CTDC
    file" (only the first line was looked at for what it lacks)."""
    layout, rows, delimiter, _ = original
    name = _required(layout)[-1]
    index = rows[0].index(name)
    path = tmp_path / "titled.csv"
    _write(path, [row[:index] + row[index + 1 :] for row in rows[:20]], delimiter)
    path.write_text("CTDC data as downloaded\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        ctdc.load(path)
    assert (caught.value.row, caught.value.column) == (2, name)


@pytest.mark.parametrize("reversed_columns", [False, True])
@pytest.mark.parametrize("lost", ["opening", "closing"])
def test_an_unclosed_quote_is_named_by_its_line_and_column(
    shared_data: Path, tmp_path: Path, lost: str, reversed_columns: bool
) -> None:
    """The k-anonymised file quotes a concatenation holding ';' ("Excessive working hours;Takes earnings"). A quote
    lost in a hand edit was "cannot parse as CSV: a quoted field is never closed", naming no line or column of a
    file of thousands of lines."""
    with (shared_data / "ctdc" / "k_anon_sample.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.reader(fh, delimiter=";") if r]
    if reversed_columns:
        rows = _columns(rows, list(range(len(rows[0])))[::-1])
    path = _write(tmp_path / "quotes.csv", rows, ";")
    lines = path.read_text(encoding="utf-8").split("\n")
    line = next(i for i, text in enumerate(lines) if '"' in text)
    at = lines[line].index('"') if lost == "opening" else lines[line].index('"', lines[line].index('"') + 1)
    lines[line] = lines[line][:at] + lines[line][at + 1 :]
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError, match="a quoted field is never closed") as caught:
        ctdc.load(path)
    assert caught.value.row == line + 1
    if lost == "closing":
        assert caught.value.column == "meansOfControlConcatenated"
    else:  # the quote left is the closing one, in the field after the concatenation's first label
        assert lines[line].split(";")[rows[0].index(caught.value.column)].endswith('"')


def _every_empty_cell(rows: Rows, word: str) -> Rows:
    """The records with each empty data cell written ``word`` (the header's empty terms-of-use cell aside)."""
    return [rows[0], *([cell if cell != "" else word for cell in row] for row in rows[1:])]


@pytest.mark.parametrize("word", ["NULL", "null"])
def test_the_codebooks_null_for_missing_data_reads_as_an_empty_cell(
    original, expected, tmp_path: Path, word: str
) -> None:
    """The Global Synthetic codebook lists "NULL [missing data]" as a value of every variable: a file written so
    (an export from the database it describes) had every record rejected for an "unknown flag value", and a
    Victim-Perpetrator file's NULL years rejected and NULL perpetrators' attributes kept as a category "NULL"."""
    layout, rows, delimiter, _ = original
    loaded = registry.load(_write(tmp_path / "null.csv", _every_empty_cell(rows, word), delimiter))
    assert loaded.provenance.layout == layout
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (len(rows) - 1, len(rows) - 1, 0)
    assert loaded.data.equals(expected.data)
    assert any("'NULL' as empty" in n or "'null' as empty" in n for n in loaded.provenance.notes)


def _vp_column(rows: Rows, name: str, change: Callable[[str], str]) -> Rows:
    index = rows[0].index(name)
    return [rows[0], *([*row[:index], change(row[index]), *row[index + 1 :]] for row in rows[1:])]


#: name -> (column of the Victim-Perpetrator file, how a later release or a re-save writes its cells)
VP_SPELLINGS: dict[str, tuple[str, Callable[[str], str]]] = {
    "age bands with a single hyphen": ("IP_ageBroad", lambda v: v.replace("--", "-")),
    "age bands with an en dash": ("IP_ageBroad", lambda v: v.replace("--", "\u2013")),
    "age bands spaced and zero-padded": (
        "IP_ageBroad",
        lambda v: v.replace("0--29", "00--29").replace("--", " - ").replace("48+", "48 +"),
    ),
    "several values joined by '; '": ("IP_Gender", lambda v: v.replace(";", "; ")),
    "several values joined by ' ; '": ("IP_citizen_UNRegion", lambda v: v.replace(";", " ; ")),
    "R's NA for an empty cell": ("IP_Relation", lambda v: v or "NA"),
    "pandas' nan for an empty cell": ("IP_PayMoney", lambda v: v or "nan"),
}


@pytest.fixture(scope="module")
def vp_published(shared_data: Path, tmp_path_factory) -> tuple[Rows, LoadedTable]:
    """The Victim-Perpetrator file's first records as published and the table they load as: read and loaded once
    for every spelling of a column (each test reads them only)."""
    with (shared_data / "ctdc" / "vp_synthetic_condensed.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.reader(fh) if r][: VP_ROWS + 1]
    return rows, registry.load(_write(tmp_path_factory.mktemp("vp") / "published.csv", rows, ","))


@pytest.mark.parametrize("variant", list(VP_SPELLINGS))
def test_a_victim_perpetrator_column_spelled_otherwise_reads_as_published(
    vp_published: tuple[Rows, LoadedTable], tmp_path: Path, variant: str
) -> None:
    """The perpetrators' attributes are kept as CTDC publishes them; the same value written with another dash
    (``30-38``, ``30–38``: as the victims' age bands are read), spaces around the ``;`` joining several values, or
    R's ``NA`` for an empty cell was another category of every table by it (``30-38`` beside ``30--38``,
    ``Female; Male`` beside ``Female;Male``, ``NA`` beside the missing)."""
    rows, expected = vp_published
    column, change = VP_SPELLINGS[variant]
    changed = _vp_column(rows, column, change)
    assert changed != rows  # the variant changes cells of the real file
    loaded = registry.load(_write(tmp_path / "variant.csv", changed, ","))
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (VP_ROWS, VP_ROWS, 0)
    assert loaded.data.equals(expected.data)


@pytest.mark.parametrize(
    "spelling",
    [
        "Trans/Transgender/Non-Conforming",
        "Trans / Transgender / Non-conforming",
        "trans/transgender/nonconforming",
    ],
)
def test_the_third_gender_spelled_as_the_codebooks_text_spells_it_reads_as_the_value(
    fixtures: Path, tmp_path: Path, spelling: str
) -> None:
    """The codebook's value is ``Trans/Transgender/NonConforming``, its text writes "trans/transgender/
    non-conforming": a release spelling it so had those victims' gender read as missing (flagged as outside the
    codebook)."""
    with (fixtures / "ctdc" / "synthetic_v2024.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.reader(fh) if r]
    expected = registry.load(_write(tmp_path / "published.csv", rows, ","))
    assert "Trans/non-conforming" in expected.data["gender"].to_list()
    variant = [
        rows[0],
        *([spelling if c == "Trans/Transgender/NonConforming" else c for c in r] for r in rows[1:]),
    ]
    assert variant != rows
    loaded = registry.load(_write(tmp_path / "variant.csv", variant, ","))
    assert loaded.data.equals(expected.data)
    assert loaded.flags.height == expected.flags.height == 0


def test_the_2017_dictionarys_finer_age_bands_read_as_the_broad_band_holding_them(
    shared_data: Path, tmp_path: Path
) -> None:
    """The 2017 data dictionary's Lookups sheet documents finer age bands ("Age range 1": 9--11, 12--14, 15--17,
    30--32, 33-35, 36--38, 48--56, 57--65, 66+) beside the broad ones of ageBroad; a release writing them had
    those victims' age read as missing (flagged as outside the codebook), though each lies in one broad band."""
    with (shared_data / "ctdc" / "k_anon_sample.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.reader(fh, delimiter=";") if r]
    finer = {
        "9--17": ["9--11", "12--14", "15--17"],
        "30--38": ["30--32", "33-35", "36--38"],
        "48+": ["48--56", "66+"],
    }
    index = rows[0].index("ageBroad")
    variant = [rows[0]]
    for n, row in enumerate(rows[1:]):
        bands = finer.get(row[index])
        variant.append([*row[:index], bands[n % len(bands)] if bands else row[index], *row[index + 1 :]])
    assert sum(a != b for a, b in zip(variant, rows, strict=True)) > 100
    expected = registry.load(_write(tmp_path / "published.csv", rows, ";"))
    loaded = registry.load(_write(tmp_path / "finer.csv", variant, ";"))
    assert loaded.data.equals(expected.data)
    assert loaded.flags.equals(expected.flags)


@pytest.mark.parametrize(
    "pad", [lambda v: f" {v} ", lambda v: f"{v}   "], ids=["spaces either side", "spaces after"]
)
def test_a_file_whose_cells_are_padded_with_spaces_reads_as_the_original(
    original, expected, tmp_path: Path, pad: Callable[[str], str]
) -> None:
    """A file written with its values padded (a fixed-width export, a spreadsheet's text cells) reads its coded
    fields as published, stripped; its flags ``" 1 "`` were each an "unknown flag value", every record of a
    padded file rejected."""
    layout, rows, delimiter, _ = original
    padded = [rows[0], *([pad(cell) if cell else cell for cell in row] for row in rows[1:])]
    loaded = registry.load(_write(tmp_path / "padded.csv", padded, delimiter))
    assert loaded.provenance.layout == layout
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (len(rows) - 1, len(rows) - 1, 0)
    assert loaded.data.equals(expected.data)
