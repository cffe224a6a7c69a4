"""The key-figures box of an organisation's records: victims assisted in a period, as of a date, protected.

"Victims of trafficking assisted between 2012 and 2023, as of June 2023": the total, then by sex, age band,
nationality, form of exploitation and assistance received, and the nationals of the organisation's country
trafficked abroad (and returned), by country of exploitation. Every number passes disclosure control:
tables that split the total (sex, age band, nationality, country of exploitation) are protected with their
total (secondary suppression); forms and kinds of assistance, where one person may count several times, get
the threshold rule on each count and their denominator (people whose form, or assistance, is recorded).
Given each record's key (the organisation's real records), every count is instead perturbed by the cell key
method, so that figures as of other dates or for other periods cannot be subtracted into a person.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import polars as pl

from evidence.core.errors import ParameterError
from evidence.presentation.disclosure import (
    DEFAULT_RULE,
    PERTURBATION_NOTE,
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
_KEY = "__record_key"  # each record's cell key, beside the records while the figures are counted


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
    #: whether the counts were perturbed by the cell key method
    perturbed: bool = False

    def describe(self) -> str:
        """What a reader needs to know about the protection of these figures."""
        return self.rule.describe() + (" " + PERTURBATION_NOTE if self.perturbed else "")

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
            "disclosure": self.describe(),
            "protection": "cell_key" if self.perturbed else "suppression",
            "notes": list(self.notes),
        }


def _keys(frame: pl.DataFrame, keyed: bool) -> pl.DataFrame | None:
    """The cell keys of a count frame (its ``key`` column, renamed for the count column), if keyed."""
    return frame.select(pl.col("key").alias(COUNT)) if keyed else None


def _partition(data: pl.DataFrame, column: str, rule: DisclosureRule) -> DisclosedTable:
    keyed = _KEY in data.columns
    counts = (
        data.group_by(column)
        .agg(pl.len().alias(COUNT), (pl.col(_KEY).sum() if keyed else pl.lit(0)).alias("key"))
        .sort(column, nulls_last=True)  # categories in their own order (age bands), "not recorded" last
        .select(pl.col(column).cast(pl.String).fill_null(NOT_RECORDED).alias("category"), COUNT, "key")
    )
    return suppress_table(counts.drop("key"), "category", [COUNT], rule, cell_keys=_keys(counts, keyed))


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
    keyed = _KEY in data.columns
    key = pl.col(_KEY) if keyed else pl.lit(0)
    selections = [(label, pl.col(c).fill_null(False)) for label, c in present.items()] + [(known, recorded)]
    counts = pl.DataFrame(
        [
            (label, int(data.select(chosen.sum()).item()), int(data.select(key.filter(chosen).sum()).item()))
            for label, chosen in selections
        ],
        schema={"category": pl.String, COUNT: pl.Int64, "key": pl.Int64},
        orient="row",
    )
    return suppress_counts(counts.drop("key"), COUNT, rule, cell_keys=_keys(counts, keyed))


def _label(column: str, prefix: str) -> str:
    return column.removeprefix(prefix).replace("_", " ").capitalize()


def key_figures(
    data: pl.DataFrame,
    *,
    as_of: dt.date | str,
    year_from: int | None = None,
    country: str | None = None,
    rule: DisclosureRule = DEFAULT_RULE,
    record_keys: pl.Series | None = None,
) -> KeyFigures:
    """The key figures of a case table as of a date (the table should be the records as they stood then).

    People count when their year (of registration or assistance) is between ``year_from`` (default: the
    earliest) and the as-of date's year. ``country`` (ISO3) is the organisation's country, for its nationals
    trafficked abroad. ``record_keys`` (each record's cell key, row for row, as
    :func:`evidence.analyses.selection.record_keys` gives them) perturb every count by the cell key method.
    """
    if record_keys is not None:
        if record_keys.len() != data.height:
            raise ParameterError("record_keys needs one key per record")
        data = data.with_columns(record_keys.cast(pl.Int64).alias(_KEY))
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
    keyed = record_keys is not None
    total = suppress_counts(
        pl.DataFrame({"category": ["Total"], COUNT: [period.height]}),
        COUNT,
        rule,
        # the total's key is its records' keys summed, as the totals row of every table: the same number
        cell_keys=pl.DataFrame({COUNT: [int(period.get_column(_KEY).sum())]}) if keyed else None,
    )
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
                pl.DataFrame({"category": ["Total"], COUNT: [0]}),
                COUNT,
                rule,
                cell_keys=pl.DataFrame({COUNT: [0]}) if keyed else None,
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
        perturbed=keyed,
    )
