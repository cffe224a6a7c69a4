"""Dates and periods as publishers and users write them: a day, a month or a year, kept at the precision given.

A release date, a publication date or an access date reaches the toolkit written in many ways (``30/05/2023``,
``2023-05-30``, ``30 May 2023``, ``May 30, 2023``, ``June 2025``, ``06/2025``, ``2025-06``, ``2025``). Each is read
as ISO 8601 *at the precision written* (``2023-05-30``, ``2025-06``, ``2025``): a month is never given a made-up
first day. A date in numbers whose day and month could be either (``06/07/2025``: 6 July or 7 June?) is not
guessed: :func:`iso_date` refuses it, naming both readings and the forms accepted. (The UNODC loader reads the
release date above its table day first, the publisher's own order: ``unodc._release``.)
"""

from __future__ import annotations

import datetime as dt
import re

from evidence.core.text import MONTH_NUMBERS

#: A date year first (``2023-05-30``, also ``2023/05/30`` or ``2023.05.30``: never day or month first).
ISO_DATE = re.compile(r"(?<!\d)(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?!\d)")
#: A date in numbers, the year last (``30/05/2023``, also with ``.`` or ``-``): day or month first.
NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?!\d)")
#: ``30 May 2023``, also ``30-May-2023`` (a spreadsheet's d-mmm-yyyy) and ``30 May, 2023``.
DAY_MONTH_YEAR = re.compile(
    r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?(?:\s+|-)([A-Za-z]+)\.?,?(?:\s+|-)(\d{4})(?!\d)"
)
#: ``May 30, 2023``.
MONTH_DAY_YEAR = re.compile(r"\b([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)")
#: ``June 2025``, also ``Jun-2025`` (a spreadsheet's mmm-yyyy) and ``June, 2025``: a date given to the month.
MONTH_YEAR = re.compile(r"\b([A-Za-z]+)\.?,?(?:\s+|-)(\d{4})(?!\d)")
#: A month in numbers, month first (``06/2025``, ``6-2025``, ``06.2025``) or year first (``2025-06``, ``2025/06``;
#: never ``2025.06``, a decimal, as the case-records loader reads it): never part of a longer date (``31/02/2025``,
#: a date that does not exist, is no month).
NUMERIC_MONTH = re.compile(r"(?<![\d/.-])(?:(\d{1,2})[/.-](\d{4})|(\d{4})[/-](\d{1,2}))(?![/.-]?\d)")
#: An ISO date with a time of day (``2025-06-01T10:04:05+00:00``, as a download is stamped): its day is the date.
TIME_STAMP = re.compile(r"(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")
#: The years a release, publication or access date may name (a number outside them is something else).
RELEASE_YEARS = range(1990, 2100)

#: The forms :func:`iso_date` reads, for error messages.
ACCEPTED = (
    "a day (2025-06-30, 30 June 2025, June 30, 2025, or 30/06/2025 where only one order is a date), a month "
    "(2025-06, June 2025, 06/2025) or a year (2025)"
)


def exact_date(year: int, month: int, day: int) -> dt.date | None:
    """The date, or None when it does not exist (``2025-02-31``)."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def month_in(text: str) -> str | None:
    """ "2025-06" for the first month and year in ``text`` (``Updated: June 2025``, ``06/2025``, ``2025-06``), else
    None. ``2011-12`` (December 2011, or the fiscal year 2011-12?) is None, as the case-records loader refuses it
    for a year; so is a month 0 or 13 and a year outside :data:`RELEASE_YEARS`."""
    if found := MONTH_YEAR.search(text):
        name, year = found.group(1).lower(), int(found.group(2))
        if name in MONTH_NUMBERS and year in RELEASE_YEARS:
            return f"{year}-{MONTH_NUMBERS[name]:02d}"
    if found := NUMERIC_MONTH.search(text):
        month_text = found.group(1) or found.group(4)
        year, month = int(found.group(2) or found.group(3)), int(month_text)
        a_span = found.group(3) is not None and len(month_text) == 2 and month == (year + 1) % 100
        if 1 <= month <= 12 and year in RELEASE_YEARS and not a_span:
            return f"{year}-{month:02d}"
    return None


def iso_date(text: str) -> str | None:
    """``text`` as an ISO date at the precision it gives (``2025-06-30``, ``2025-06``, ``2025``), when it is
    wholly one of the forms of :data:`ACCEPTED` (or an ISO time stamp: :data:`TIME_STAMP`); None for other text (a label such as ``v2024`` or ``1999-2015``).

    Raises ValueError for a date that does not exist (``31/02/2025``, ``2025-13-01``) and for a date in numbers
    that reads as two dates, day first and month first (``06/07/2025``): never guessed."""
    text = " ".join(text.split())
    if stamped := TIME_STAMP.fullmatch(text):
        text = stamped.group(1)
    if re.fullmatch(r"\d{4}", text):
        return text if int(text) in RELEASE_YEARS else None
    if found := ISO_DATE.fullmatch(text):
        return _existing(text, int(found.group(1)), int(found.group(3)), int(found.group(4)))
    if found := NUMERIC_DATE.fullmatch(text):
        first, second, year = int(found.group(1)), int(found.group(3)), int(found.group(4))
        day_first, month_first = exact_date(year, second, first), exact_date(year, first, second)
        if day_first and month_first and day_first != month_first:
            raise ValueError(
                f"{text!r} is {_readable(day_first)} read day first and {_readable(month_first)} read month "
                f"first: write it YYYY-MM-DD ({day_first.isoformat()} or {month_first.isoformat()}; accepted: "
                f"{ACCEPTED})"
            )
        if day_first or month_first:
            return (day_first or month_first).isoformat()  # type: ignore[union-attr]
        raise ValueError(f"{text!r} is no date, read day first or month first (accepted: {ACCEPTED})")
    if (found := DAY_MONTH_YEAR.fullmatch(text)) and found.group(2).lower() in MONTH_NUMBERS:
        return _existing(
            text, int(found.group(3)), MONTH_NUMBERS[found.group(2).lower()], int(found.group(1))
        )
    if (found := MONTH_DAY_YEAR.fullmatch(text)) and found.group(1).lower() in MONTH_NUMBERS:
        return _existing(
            text, int(found.group(3)), MONTH_NUMBERS[found.group(1).lower()], int(found.group(2))
        )
    if MONTH_YEAR.fullmatch(text) or NUMERIC_MONTH.fullmatch(text):
        return month_in(text)
    return None


def _existing(text: str, year: int, month: int, day: int) -> str:
    date = exact_date(year, month, day)
    if date is None:
        raise ValueError(f"{text!r} is no date (accepted: {ACCEPTED})")
    return date.isoformat()


#: A month's English name by its number (the first name :data:`MONTH_NUMBERS` gives it: never the locale's).
_MONTH_NAMES: dict[int, str] = {}
for _name, _number in MONTH_NUMBERS.items():
    _MONTH_NAMES.setdefault(_number, _name.title())


def _readable(date: dt.date) -> str:
    return f"{date.day} {_MONTH_NAMES[date.month]} {date.year}"
