"""The key-figures box of an organisation's records: victims assisted in a period, as of a date, protected.

"Victims of trafficking assisted between 2012 and 2023, as of June 2023": the total, then by sex, age band,
nationality, form of exploitation and assistance received, and the nationals of the organisation's country
trafficked abroad (and returned), by country of exploitation. Every number passes disclosure control:
tables that split the total (sex, age band, nationality, country of exploitation) are protected with their
total (secondary suppression); forms and kinds of assistance, where one person may count several times, get
the threshold rule on each count and their denominator (people whose form, or assistance, is recorded).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import polars as pl

from evidence.core.errors import ParameterError
from evidence.presentation.disclosure import (
    DEFAULT_RULE,
    DisclosedTable,
    DisclosureRule,
    suppress_counts,
    suppress_table,
)
from evidence.sources.case_schema import FLAG_GROUPS

NOT_RECORDED = "Not recorded"
COUNT = "victims"
#: Partitions of the total: (title, column of the case table).
BREAKDOWNS = {
    "sex": ("Sex", "gender"),
    "age_band": ("Age band", "age_band"),
    "nationality": ("Nationality", "origin_iso3"),
}
_EXTRA_FORMS = ["exploitation_forced_criminality"]
ASSISTANCE_PREFIX = "assistance_"


@dataclasses.dataclass(frozen=True)
class KeyFigures:
    """The protected key figures; ``tables`` by name (see :data:`BREAKDOWNS`, ``form``, ``assistance``,
    ``nationals_abroad``), each a :class:`DisclosedTable` whose key column is ``category``."""

    as_of: str
    year_from: int
    year_to: int
    country: str | None
    total: DisclosedTable
    tables: dict[str, DisclosedTable]
    titles: dict[str, str]
    rule: DisclosureRule
    notes: tuple[str, ...] = ()

    def total_shown(self) -> str:
        """The total as published (e.g. ``"1,234"`` or ``"<5"``)."""
        return self.total.display()[COUNT][0]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``: a withheld count is null with how it is shown (``"<5"`` or ``"x"``)."""

        def rows(table: DisclosedTable) -> list[dict[str, Any]]:
            shown = table.display()
            return [
                {"category": category if category is not None else "Total", COUNT: count, "shown": text}
                for category, count, text in zip(
                    table.frame["category"].to_list(),
                    table.frame[COUNT].to_list(),
                    shown[COUNT].to_list(),
                    strict=True,
                )
            ]

        return {
            "as_of": self.as_of,
            "period": [self.year_from, self.year_to],
            "country": self.country,
            "total": {COUNT: self.total.frame[COUNT][0], "shown": self.total_shown()},
            "tables": {
                name: {"title": self.titles[name], "rows": rows(t)} for name, t in self.tables.items()
            },
            "disclosure": self.rule.describe(),
            "notes": list(self.notes),
        }


def _partition(data: pl.DataFrame, column: str, rule: DisclosureRule) -> DisclosedTable:
    counts = (
        data.group_by(column)
        .agg(pl.len().alias(COUNT))
        .sort(column, nulls_last=True)  # categories in their own order (age bands), "not recorded" last
        .select(pl.col(column).cast(pl.String).fill_null(NOT_RECORDED).alias("category"), COUNT)
    )
    return suppress_table(counts, "category", [COUNT], rule)


def _multi_response(
    data: pl.DataFrame, flags: dict[str, str], rule: DisclosureRule, known: str
) -> DisclosedTable:
    """Counts of people per flag (a person may count under several), and the people the group is known for."""
    # a flag these records never fill is not asked, so it is left out rather than shown as 0
    present = {
        label: c for label, c in flags.items() if c in data.columns and data[c].null_count() < data.height
    }
    recorded = (
        pl.any_horizontal([pl.col(c).is_not_null() for c in present.values()]) if present else pl.lit(False)
    )
    counts = [(label, int(data.get_column(c).fill_null(False).sum())) for label, c in present.items()]
    counts.append((known, int(data.select(recorded.sum()).item())))
    frame = pl.DataFrame(counts, schema={"category": pl.String, COUNT: pl.Int64}, orient="row")
    return suppress_counts(frame, COUNT, rule)


def _label(column: str, prefix: str) -> str:
    return column.removeprefix(prefix).replace("_", " ").capitalize()


def key_figures(
    data: pl.DataFrame,
    *,
    as_of: dt.date | str,
    year_from: int | None = None,
    country: str | None = None,
    rule: DisclosureRule = DEFAULT_RULE,
) -> KeyFigures:
    """The key figures of a case table as of a date (the table should be the records as they stood then).

    People count when their year (of registration or assistance) is between ``year_from`` (default: the
    earliest) and the as-of date's year. ``country`` (ISO3) is the organisation's country, for its nationals
    trafficked abroad.
    """
    as_of_date = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    year_to = as_of_date.year
    without_year = int(data.get_column("year").null_count())
    dated = data.filter(pl.col("year").is_not_null())
    if year_from is None:
        earliest = dated.get_column("year").min()
        year_from = int(earliest) if isinstance(earliest, int) else year_to
    if year_from > year_to:
        raise ParameterError(f"--from {year_from} is after the as-of date's year {year_to}")
    period = dated.filter(pl.col("year").is_between(year_from, year_to))
    total = suppress_counts(pl.DataFrame({"category": ["Total"], COUNT: [period.height]}), COUNT, rule)
    tables = {name: _partition(period, column, rule) for name, (_, column) in BREAKDOWNS.items()}
    titles = {name: title for name, (title, _) in BREAKDOWNS.items()}
    forms = {_label(c, "exploitation_"): c for c in [*FLAG_GROUPS["exploitation"], *_EXTRA_FORMS]}
    tables["form"] = _multi_response(period, forms, rule, "People whose form of exploitation is recorded")
    titles["form"] = "Form of exploitation (a person may count under several)"
    assistance = {_label(c, ASSISTANCE_PREFIX): c for c in period.columns if c.startswith(ASSISTANCE_PREFIX)}
    tables["assistance"] = _multi_response(period, assistance, rule, "People whose assistance is recorded")
    titles["assistance"] = "Assistance received (a person may count under several)"
    notes = []
    if country:
        abroad = period.filter(
            (pl.col("origin_iso3") == country)
            & pl.col("destination_iso3").is_not_null()
            & (pl.col("destination_iso3") != country)
        )
        if abroad.height:
            tables["nationals_abroad"] = _partition(abroad, "destination_iso3", rule)
        else:
            tables["nationals_abroad"] = suppress_counts(
                pl.DataFrame({"category": ["Total"], COUNT: [0]}), COUNT, rule
            )
        titles["nationals_abroad"] = (
            f"Nationals of {country} trafficked abroad and returned, by country of exploitation"
        )
    else:
        notes.append(
            "the register has no country (reporting_country in the mapping): nationals abroad not counted"
        )
    if without_year:
        shown = rule.label if rule.is_small(without_year) else f"{without_year:,}"
        notes.append(f"records without a year, not counted in any period: {shown}")
    return KeyFigures(
        as_of=as_of_date.isoformat(),
        year_from=year_from,
        year_to=year_to,
        country=country,
        total=total,
        tables=tables,
        titles=titles,
        rule=rule,
        notes=tuple(notes),
    )
