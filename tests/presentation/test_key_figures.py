"""The key-figures box: the period as of a date, every number through disclosure control."""

from __future__ import annotations

import polars as pl
import pytest

from evidence.core.errors import ParameterError
from evidence.presentation.disclosure import DisclosureRule
from evidence.presentation.key_figures import COUNT, key_figures
from evidence.sources.case_schema import conform


def _records(rows: list[dict]) -> pl.DataFrame:
    frame = conform(pl.DataFrame(rows))
    extras = pl.DataFrame(rows).select(pl.col("^assistance_.*$"))
    return pl.concat([frame, extras], how="horizontal")


def _people(n: int, **fields) -> list[dict]:
    return [dict(fields) for _ in range(n)]


ROWS = (
    _people(
        30,
        year=2019,
        gender="Female",
        origin_iso3="MMR",
        destination_iso3="THA",
        exploitation_forced_labour=True,
        assistance_shelter=True,
    )
    + _people(
        20,
        year=2021,
        gender="Male",
        origin_iso3="KHM",
        destination_iso3="THA",
        exploitation_sexual=True,
        assistance_shelter=False,
    )
    + _people(
        12,
        year=2022,
        gender="Male",
        origin_iso3="THA",
        destination_iso3="MYS",
        exploitation_forced_labour=True,
        assistance_shelter=True,
    )
    + _people(
        2,
        year=2022,
        gender="Female",
        origin_iso3="THA",
        destination_iso3="JPN",
        exploitation_sexual=True,
        assistance_shelter=None,
    )
    + _people(
        9, year=2011, gender="Female", origin_iso3="LAO", destination_iso3="THA", assistance_shelter=True
    )
)


def test_the_period_runs_from_the_first_year_to_the_as_of_year() -> None:
    figures = key_figures(_records(ROWS), as_of="2022-06-30", year_from=2012, country="THA")
    assert figures.total.frame["victims"].to_list() == [64]
    assert (figures.year_from, figures.year_to) == (2012, 2022)
    sex = figures.tables["sex"].frame
    assert sex["victims"].to_list()[-1] == 64  # the tables that split the total add up to it


def test_small_counts_are_withheld_and_cannot_be_recomputed() -> None:
    figures = key_figures(_records(ROWS), as_of="2022-12-31", year_from=2012, country="THA")
    abroad = figures.tables["nationals_abroad"].display()
    shown = dict(zip(abroad["category"].to_list(), abroad["victims"].to_list(), strict=True))
    assert shown["JPN"] == "<5" and shown["MYS"] == "x"  # 2 withheld, and 12 so that 14 - 12 does not give it
    nationality = figures.to_dict()["tables"]["nationality"]["rows"]
    assert {r["category"]: r["shown"] for r in nationality}["THA"] == "14"
    forms = {r["category"]: r["shown"] for r in figures.to_dict()["tables"]["form"]["rows"]}
    assert forms["Forced labour"] == "42" and "Forced marriage" not in forms  # never recorded: not a zero


def test_a_stricter_threshold_and_a_period_after_the_as_of_date() -> None:
    figures = key_figures(
        _records(ROWS), as_of="2022-12-31", year_from=2021, rule=DisclosureRule(threshold=15)
    )
    assert figures.total_shown() == "34"
    assert {r["category"]: r["shown"] for r in figures.to_dict()["tables"]["sex"]["rows"]}["Female"] == "<15"
    assert "no country" in figures.notes[0]
    with pytest.raises(ParameterError, match="after the as-of"):
        key_figures(_records(ROWS), as_of="2020-01-01", year_from=2021)


def test_with_record_keys_every_count_is_its_true_count_moved_by_its_cell_key() -> None:
    """Real records: each count is perturbed by the sum of its records' keys (the cell key method), so the
    figures for two periods or two dates cannot be subtracted into a person; small counts stay withheld."""
    from evidence.presentation.disclosure import DEFAULT_NOISE

    records = _records(ROWS)
    keys = pl.Series("k", [(i * 2_654_435_761) % 2**32 for i in range(records.height)], dtype=pl.Int64)
    figures = key_figures(records, as_of="2022-12-31", year_from=2012, country="THA", record_keys=keys)
    assert figures.perturbed and figures.to_dict()["protection"] == "cell_key"
    assert "cell key method" in figures.describe()
    keyed = records.with_columns(keys.alias("k")).filter(pl.col("year").is_between(2012, 2022))

    def expected(chosen: pl.DataFrame) -> int:
        (move,) = DEFAULT_NOISE.perturbations([int(chosen["k"].sum())])
        return chosen.height + move

    assert figures.total.frame["victims"].to_list() == [expected(keyed)]
    sex = dict(zip(*figures.tables["sex"].frame.select("category", "victims").get_columns(), strict=True))
    assert sex["Female"] == expected(keyed.filter(pl.col("gender") == "Female"))
    assert sex[None] == figures.total.frame["victims"][0]  # a total is the same cell in every table
    forms = {r["category"]: r[COUNT] for r in figures.to_dict()["tables"]["form"]["rows"]}
    assert forms["Forced labour"] == expected(keyed.filter(pl.col("exploitation_forced_labour")))
    abroad = {r["category"]: r["shown"] for r in figures.to_dict()["tables"]["nationals_abroad"]["rows"]}
    assert abroad["JPN"] == "<5"  # 2 people: withheld whatever the perturbation
    with pytest.raises(ParameterError, match="one key per record"):
        key_figures(records, as_of="2022-12-31", record_keys=keys.head(3))


def test_without_record_keys_nothing_is_perturbed() -> None:
    figures = key_figures(_records(ROWS), as_of="2022-12-31", year_from=2012)
    assert not figures.perturbed and figures.to_dict()["protection"] == "suppression"
    assert "cell key" not in figures.describe()
