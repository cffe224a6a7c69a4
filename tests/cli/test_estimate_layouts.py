"""`evidence estimate --data` on the layouts the field writes: the published UK five-list table as capture-history
strings, and saved as a workbook, gives the same estimate as the CSV it comes from."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from evidence.cli.main import app

runner = CliRunner()


def estimate(path: Path) -> dict:
    result = runner.invoke(app, ["estimate", "--data", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def uk5(shared_data: Path) -> pl.DataFrame:
    return pl.read_csv(shared_data / "mse" / "uk_2013_5list" / "UKdat_5.csv")


def test_capture_history_strings_and_a_workbook_give_the_csvs_estimate(
    shared_data: Path, uk5: pl.DataFrame, tmp_path: Path
) -> None:
    import openpyxl  # type: ignore[import-untyped]

    first = estimate(shared_data / "mse" / "uk_2013_5list" / "UKdat_5.csv")
    lists = [c for c in uk5.columns if c.lower() not in ("n", "count", "frequency", "freq")]
    count = next(c for c in uk5.columns if c not in lists)
    strings = tmp_path / "uk5_histories.csv"
    strings.write_text(
        "ch,Freq\n"
        + "".join(
            "".join(str(row[c]) for c in lists) + f",{row[count]}\n" for row in uk5.iter_rows(named=True)
        ),
        encoding="utf-8",
    )
    book = openpyxl.Workbook()
    book.active.append([*lists, count])
    for row in uk5.select([*lists, count]).iter_rows():
        book.active.append(list(row))
    workbook = tmp_path / "uk5.xlsx"
    book.save(workbook)
    for path in (strings, workbook):
        again = estimate(path)
        assert (again["observed"], again["estimate"], again["interval"]) == (
            first["observed"],
            first["estimate"],
            first["interval"],
        )
        assert len(again["terms"]) == len(first["terms"])
    assert estimate(strings)["lists"] == [f"list {i}" for i in range(1, len(lists) + 1)]
    assert estimate(workbook)["lists"] == lists


def test_a_history_string_that_lost_its_leading_zero_is_named(run_main, tmp_path: Path) -> None:
    path = tmp_path / "ch.csv"
    path.write_text("ch,n\n101,3\n110,4\n11,2\n", encoding="utf-8")
    code, out, err = run_main(["estimate", "--data", str(path)])
    assert code == 2 and "Traceback" not in err + out
    assert err.startswith("error:") and "row 4" in err and "column 'ch'" in err and "save that column" in err
