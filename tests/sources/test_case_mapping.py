"""The mapping file, declared with pydantic: every error names the file, the key and its line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evidence.core.errors import InputError
from evidence.sources.case_mapping import read_mapping
from evidence.sources.case_mapping_file import MappingFile


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "m.mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "columns:\n  year: Year\nvalues:\n  yes_no:\n    Oui: oui\n",
            5,
            r"values\.yes_no\.Oui: expected true, false or null",
        ),
        ("columns:\n  year: Year\nheader_row: zero\n", 3, r"header_row: expected the header's line"),
        (
            "columns:\n  year: Year\n  assistance:\n    Legal Aid: Legal\n",
            4,
            r"columns\.assistance\.Legal Aid: name assistance kinds in snake_case",
        ),
        ("columns:\n  year: Year\ndelimiter: ';;'\n", 3, r"delimiter: expected one character"),
        ("columns:\n  year: [a, b]\n", 2, r"columns\.year: expected a column name or text"),
        (
            "columns:\n  year: Year\n  flags:\n    means_threat: T\n",
            4,
            r"columns\.flags\.means_threat: unknown field \(did you mean 'means_threats'\?\)",
        ),
        ("columns: Year\n", 1, r"columns: expected a mapping of key: value, found str"),
        ("columns:\n  year: Year\nmissing: refused\n", 3, r"missing: expected a list"),
    ],
)
def test_shape_errors_name_the_file_the_key_and_its_line(tmp_path, text, line, message) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InputError, match=rf"line {line}: {message}") as info:
        read_mapping(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("release", "message"),
    [
        (
            "06/07/2025",
            r"release: '06/07/2025' is 6 July 2025 read day first and 7 June 2025 read month first.*",
        ),
        ("31/02/2025", r"release: '31/02/2025' is no date.*accepted: a day"),
    ],
)
def test_a_release_date_that_reads_two_ways_or_none_is_refused_naming_its_line(
    tmp_path, release, message
) -> None:
    """dates31: the mapping's release went into every citation and label as written, ``06/07/2025`` one reader's
    6 July and another's 7 June: refused, naming the file, the key and its line, never guessed."""
    path = _write(tmp_path, f"title: Cases\nrelease: {release}\ncolumns:\n  year: Year\n")
    with pytest.raises(InputError, match=rf"line 2: {message}") as info:
        read_mapping(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "release", ["2024-12-31", "'2024-12-31'", "30/05/2023", "June 2025", "v2", "2016-2024"]
)
def test_a_release_that_reads_one_way_is_kept_as_written(tmp_path, release) -> None:
    """A label, a year span or a date that reads one way only is the organisation's own wording: kept."""
    path = _write(tmp_path, f"release: {release}\ncolumns:\n  year: Year\n")
    assert read_mapping(path).provenance["release"] == release.strip("'")


def test_an_identifying_column_is_refused_as_an_analysis_field(tmp_path) -> None:
    text = (
        "identifying: [Full name, Date of birth, Phone, Notes]\n"
        "columns:\n  case_id: Case ID\n  year: Year\n  referral_source: notes\n"
    )
    with pytest.raises(InputError, match=r"line 5: columns\.referral_source: names 'notes'.*identifying"):
        read_mapping(_write(tmp_path, text))


def test_identifying_columns_are_kept_and_the_case_id_may_be_one(tmp_path) -> None:
    text = "identifying: [Case ID, Full name]\ncolumns:\n  case_id: Case ID\n  year: Year\n"
    mapping = read_mapping(_write(tmp_path, text))
    assert mapping.identifying == ("Case ID", "Full name")
    assert mapping.columns == {"case_id": "Case ID", "year": "Year"}


def test_the_declared_keys_are_the_documented_ones() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "case-records.md").read_text(encoding="utf-8")
    undocumented = [key for key in MappingFile.model_fields if f"`{key}`" not in doc]
    assert not undocumented


def test_a_run_that_reads_no_mapping_does_not_import_pydantic():
    """Reading the demo case records (no mapping file) does not load pydantic: every run kernel would pay ~0.1 s
    for it; the mapping's reading imports it when a mapping is read."""
    script = (
        "import sys\n"
        "from evidence.sources import cache, registry\n"
        "from evidence.sources.demo import demo_path\n"
        "assert registry.load(demo_path()).data.height\n"
        "print('pydantic' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", done.stdout
