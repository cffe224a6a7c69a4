"""Dates and periods as publishers and users write them (dates31): read at the precision written, never guessed."""

from __future__ import annotations

import pytest

from evidence.sources.dates import ACCEPTED, iso_date, month_in


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("2025-06-30", "2025-06-30"),
        ("2025/06/30", "2025-06-30"),
        ("30 June 2025", "2025-06-30"),
        ("30-Jun-2025", "2025-06-30"),
        ("June 30, 2025", "2025-06-30"),
        ("30/06/2025", "2025-06-30"),  # month first is no date: day first
        ("06/30/2025", "2025-06-30"),  # day first is no date: month first
        ("05/05/2025", "2025-05-05"),  # both orders the same day
        ("June 2025", "2025-06"),
        ("Jun 2025", "2025-06"),
        ("June, 2025", "2025-06"),
        ("Jun-2025", "2025-06"),
        ("06/2025", "2025-06"),
        ("6/2025", "2025-06"),
        ("2025-06", "2025-06"),
        ("2025/06", "2025-06"),
        ("  2025 ", "2025"),
        ("2025-06-01T10:04:05+00:00", "2025-06-01"),  # a time stamp (a download's) is its day
        ("2025-06-01 10:04:05", "2025-06-01"),
        ("2025-06-01T10:04:05Z", "2025-06-01"),
        # labels, not dates: kept by the caller as written
        ("v2024", None),
        ("1999-2015", None),
        ("2011-12", None),  # December 2011, or the fiscal year 2011-12?
        ("2025.06", None),  # a decimal as well as a month
        ("2019 (revised)", None),
        ("Summer 2025", None),
        ("1850", None),  # outside the years a release may name
    ],
)
def test_a_date_is_read_at_the_precision_written(text: str, read: str | None) -> None:
    assert iso_date(text) == read


def test_a_date_in_numbers_that_reads_two_ways_is_refused_naming_both_and_the_forms_accepted() -> None:
    with pytest.raises(
        ValueError, match="6 July 2025 read day first and 7 June 2025 read month first"
    ) as info:
        iso_date("06/07/2025")
    assert "2025-07-06 or 2025-06-07" in str(info.value) and ACCEPTED in str(info.value)


@pytest.mark.parametrize("text", ["31/02/2025", "2025-13-01", "2025-02-30", "31 February 2025", "13/13/2025"])
def test_a_date_that_does_not_exist_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="no date"):
        iso_date(text)


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("Updated: June 2025", "2025-06"),
        ("Last update: 06/2025", "2025-06"),
        ("Updated 2025/06", "2025-06"),
        ("Release 2025-06 (revised)", "2025-06"),
        ("31/02/2025", None),  # part of a date (one that does not exist) is no month
        ("2025/13/12", None),
        ("2025-2026", None),
        ("00/2025", None),
        ("Report 2024", None),
    ],
)
def test_a_month_in_text_is_found_where_it_stands_alone(text: str, month: str | None) -> None:
    assert month_in(text) == month
