"""Review of the note lines below a table (foot28): a record at the end whose only filled cell holds a value its
column refuses is a bad record, rejected with its reason; it is no note line, left out. Each variant is written to
tmp_path from the real file's rows (never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.sources import registry


def _k_anon_with(shared_data: Path, target: Path, below: list[dict[str, str]]) -> Path:
    """The k-anonymised excerpt with records appended, each filling only the cells ``below`` names."""
    lines = (shared_data / "ctdc/k_anon_excerpt.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(";")
    records = [";".join(cells.get(column, "") for column in header) for cells in below]
    target.write_text("\n".join([*lines, *records]) + "\n", encoding="utf-8")
    return target


@pytest.mark.parametrize("values", [["Yes"], ["Yes", "No"]])
def test_a_last_k_anon_record_with_one_flag_spelled_as_a_word_stays_rejected(
    shared_data: Path, tmp_path: Path, values: list[str]
) -> None:
    """A k-anonymised record with every field suppressed but one flag, written ``Yes`` (the layout's flags are
    1, 0, -99): rejected for its flag, as it is among the records; it was left out as a note line."""
    original = registry.load(shared_data / "ctdc/k_anon_excerpt.csv")
    path = _k_anon_with(shared_data, tmp_path / "k_anon.csv", [{"isForcedLabour": v} for v in values])
    loaded = registry.load(path)
    end = original.rows_in + 1
    assert loaded.rows_in == loaded.rows_kept + loaded.rows_rejected == original.rows_in + len(values)
    assert loaded.rows_left_out == original.rows_left_out
    assert loaded.rejects.get_column("row").to_list() == list(range(end + 1, end + 1 + len(values)))
    assert all(r.startswith("unknown flag value") for r in loaded.rejects.get_column("reason"))
    assert not any("below the table left out" in n for n in loaded.provenance.notes)


def test_a_source_line_below_a_rejected_last_record_is_still_a_note(
    shared_data: Path, tmp_path: Path
) -> None:
    original = registry.load(shared_data / "ctdc/k_anon_excerpt.csv")
    path = _k_anon_with(
        shared_data,
        tmp_path / "k_anon.csv",
        [{"isForcedLabour": "Yes"}, {"yearOfRegistration": "Source: CTDC, k-anonymised data 2024"}],
    )
    loaded = registry.load(path)
    end = original.rows_in + 1
    assert (loaded.rows_in, loaded.rows_rejected) == (original.rows_in + 1, 1)
    assert loaded.rows_left_out == original.rows_left_out + 1
    assert loaded.rejects.get_column("row").to_list() == [end + 1]
    assert f"line {end + 2} 'Source: CTDC, k-anonymised data 2024'" in " ".join(loaded.provenance.notes)
