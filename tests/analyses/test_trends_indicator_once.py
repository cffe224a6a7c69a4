"""An indicator table's dated rows of an indicator, with each row's citizenship origin and its country-year's
own unknowns of sex and age, are found once per frame (a brief reads ~10 selections of one UNODC table, each of
which filtered the whole frame and looked for every country-year's unknowns again): each selection's counts
the same as read from the frame alone, the country's rows alone, or another frame."""

from __future__ import annotations

import polars as pl
from _indicator import BOLIVIA_2017, indicator_rows
from polars.testing import assert_frame_equal

from evidence.analyses import trends
from evidence.analyses.selection import Selection


def _rows() -> pl.DataFrame:
    return indicator_rows(
        [
            *BOLIVIA_2017,
            ("BOL", 2017, "Total", "Total", "Total", "0 to 17 years", 184),
            ("BOL", 2017, "Total", "Total", "Unknown", "Unknown", 53),
            ("BOL", 2017, "by citizenship", "Nationals", "Total", "Total", 300),
            ("BOL", 2017, "by citizenship", "ARG", "Total", "Total", 97),
            ("BOL", 2016, "Total", "Total", "Total", "Total", 301),
            ("BOL", 2016, "Total", "Total", "Female", "Total", 235),
            # a country-year with a row of its own for unknown sex: that row is the Unknown, not both
            ("ARG", 2017, "Total", "Total", "Total", "Total", 20),
            ("ARG", 2017, "Total", "Total", "Unknown", "Total", 7),
            ("ARG", 2017, "Total", "Total", "Unknown", "Unknown", "<5"),
            ("ARG", 2017, "Total", "Total", "Total", "Unknown", 3),
            ("ARG", 2017, "by citizenship", "BOL", "Total", "Total", 12),
            ("ARG", 2017, "by citizenship", " nationals ", "Total", "Total", 8),
        ]
    )


READS = [
    (country, role, years, by)
    for country in ("BOL", "ARG")
    for years in (None, (2017, 2017))
    for role, dimensions in (
        ("destination", (None, "form", "sex", "age", "citizenship", "corridor")),
        ("origin", (None, "destination", "corridor")),
        ("both", (None, "citizenship")),
    )
    for by in dimensions
]


def test_the_rows_of_an_indicator_are_found_once_per_frame(monkeypatch):
    found: list[int] = []
    rows_of = trends._indicator_rows_of

    def counted(df: pl.DataFrame, indicator: str) -> pl.DataFrame:
        found.append(df.height)
        return rows_of(df, indicator)

    monkeypatch.setattr(trends, "_indicator_rows_of", counted)
    table = _rows()
    for country, role, years, by in READS:
        trends.yearly_counts(Selection(table, country=country, role=role, years=years), by=by)
    assert found == [table.height]
    other = table.clone()  # equal rows, another frame: its own
    trends.yearly_counts(Selection(other, country="BOL", role="destination"), by="sex")
    assert found == [table.height, other.height]


def test_each_selection_counts_what_the_frame_alone_gives():
    """The same counts as read afresh from an equal frame (nothing kept of it yet) and, for the victims a
    country detected, as from its rows alone (the unknowns of a country-year are its own, whatever the other
    countries' rows); the columns found once never leave."""
    table = _rows()
    for country, role, years, by in READS:
        counts = trends.yearly_counts(Selection(table, country=country, role=role, years=years), by=by)
        assert not [c for c in counts.columns if c.startswith("__")]
        alone = trends._indicator_counts_of(
            Selection(table.clone(), country=country, role=role, years=years), by=by
        )
        assert_frame_equal(counts, alone)
        if role == "destination":
            own = table.filter(pl.col("iso3") == country)
            assert_frame_equal(
                counts,
                trends._indicator_counts_of(Selection(own, country=country, role=role, years=years), by=by),
            )
    bol = trends.yearly_counts(Selection(table, country="BOL", role="destination"), by="sex")
    assert dict(bol.filter(pl.col("year") == 2017).select("sex", "count").rows())["Unknown"] == 53
    arg = trends.yearly_counts(Selection(table, country="ARG", role="destination"), by="sex")
    assert arg.select("sex", "count").rows() == [("Unknown", 7)]
    assert trends.yearly_counts(Selection(table, country="ARG", role="destination"), by="age").select(
        "age", "count"
    ).rows() == [("Unknown", 3)]


def test_a_countrys_own_rows_are_its_part_of_the_frame_split_once(monkeypatch):
    """The victims a country detected are read from its part of the indicator's rows, the frame split by
    reporting country once (a batch of every country filtered the whole table for each count): the same counts
    as from the country's rows alone, a country the table holds nothing of too, and another frame its own split."""
    splits: list[int] = []
    partition_by = pl.DataFrame.partition_by

    def counted(self: pl.DataFrame, *args, **kwargs):
        splits.append(self.height)
        return partition_by(self, *args, **kwargs)

    monkeypatch.setattr(pl.DataFrame, "partition_by", counted)
    table = _rows()
    dated = table.filter(pl.col("year").is_not_null()).height
    for country in ("BOL", "ARG", "THA"):
        own = table.filter(pl.col("iso3") == country)
        for years in (None, (2017, 2017)):
            for by in (None, "form", "sex", "age", "citizenship", "corridor"):
                selection = Selection(table, country=country, role="destination", years=years)
                alone = Selection(own, country=country, role="destination", years=years)
                assert_frame_equal(
                    trends.yearly_counts(selection, by=by), trends._indicator_counts_of(alone, by=by)
                )
    assert splits[0] == dated and splits.count(dated) == 1  # the table's split, made once
    assert not trends.yearly_counts(Selection(table, country="THA", role="destination")).height
    before = len(splits)
    trends.yearly_counts(Selection(table.clone(), country="BOL", role="destination"), by="sex")
    assert len(splits) == before + 1  # an equal frame, its own split
