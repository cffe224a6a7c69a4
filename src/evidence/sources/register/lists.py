"""The register's overlap between agencies as list-capture data, for multiple systems estimation.

Each agency that identified or referred people (police, NGOs, a hotline, labour inspection, an embassy, the
organisation's own outreach) is a list; a person is on every list whose agency the record names in
``referral_source`` (several joined by ';'). The table has one 0/1 column per list and a ``count`` of people
per capture history: the ``histories`` layout that ``evidence estimate`` reads. People whose referral is not
recorded are on no list and left out (the estimate is of people no agency met, so a person of unknown
referral cannot be placed); the report counts them. The organisation itself is not a list: every record of
the register is its own, so a list of everyone would say nothing about who was missed.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import polars as pl

from evidence.core.atomic import write_text
from evidence.core.errors import ParameterError
from evidence.core.text import spreadsheet_frame

#: Columns of the case table a list-capture table can be made from (multi-valued, joined by ';').
LIST_COLUMNS = ("referral_source",)


@dataclasses.dataclass(frozen=True)
class ListsReport:
    """What the table holds: its lists, the people on at least one, and the people left out."""

    lists: tuple[str, ...]
    people_on_lists: int
    people_unrecorded: int
    histories: int


def capture_histories(data: pl.DataFrame, by: str = "referral_source") -> tuple[pl.DataFrame, ListsReport]:
    """One row per capture history (a 0/1 column per list, named after the agency) with its ``count``."""
    if by not in LIST_COLUMNS:
        raise ParameterError(f"--by {by!r}: lists can be made from {', '.join(LIST_COLUMNS)}")
    if by not in data.columns:
        raise ParameterError(f"the records have no {by} column (the mapping names none)")
    agencies = data.select(pl.col(by).str.split(";").list.eval(pl.element().str.strip_chars()).alias("lists"))
    known = agencies.filter(pl.col("lists").list.len() > 0)
    names = sorted({name for names in known.get_column("lists").to_list() for name in names if name})
    if len(names) < 2:
        raise ParameterError(
            f"the records name {len(names)} agency in {by}; estimation needs at least two lists"
        )
    flags = known.select([pl.col("lists").list.contains(name).cast(pl.UInt8).alias(name) for name in names])
    histories = flags.group_by(names).len("count").sort(names, descending=True)
    report = ListsReport(
        lists=tuple(names),
        people_on_lists=known.height,
        people_unrecorded=data.height - known.height,
        histories=histories.height,
    )
    return histories, report


def write_lists(data: pl.DataFrame, out: str | Path, by: str = "referral_source") -> ListsReport:
    """Write the capture histories as CSV to ``out`` (atomically, owner-only: small counts of people). An
    agency's name is the export's text: one that a spreadsheet would take for a formula is written as text
    (:func:`~evidence.core.text.spreadsheet_frame`)."""
    histories, report = capture_histories(data, by)
    buffer = io.StringIO()
    spreadsheet_frame(histories).write_csv(buffer)
    write_text(out, buffer.getvalue(), mode=0o600)
    return report
