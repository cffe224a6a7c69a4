"""Small UNODC indicator tables built in memory (the canonical layout), for the tests of trends and builders."""

from __future__ import annotations

import polars as pl

from evidence.sources.indicator_schema import INDICATOR_SCHEMA


def indicator_row(
    iso3: str, year: int, dimension: str, category: str, value, *, category_iso3: str | None = None, **more
) -> dict:
    """One row of the canonical indicator table: ``value`` a number or ``"<5"`` (kept as the bounds 1-4)."""
    censored = value == "<5"
    return {
        "source_row": 4,
        "iso3": iso3,
        "country": iso3,
        "region": "Asia",
        "subregion": "South-eastern Asia",
        "year": year,
        "indicator": "Detected trafficking victims",
        "dimension": dimension,
        "category": category,
        "category_iso3": category_iso3,
        "sex": "Total",
        "age": "Total",
        "unit": "Counts",
        "value": None if censored else float(value),
        "value_low": 1.0 if censored else float(value),
        "value_high": 4.0 if censored else float(value),
        "censored": censored,
        "source_note": None,
        **more,
    }


def indicator_rows(rows: list[tuple]) -> pl.DataFrame:
    """(iso3, year, dimension, category, sex, age, value or "<5") → indicator table rows."""
    out = [
        indicator_row(
            iso3,
            year,
            dimension,
            category,
            value,
            category_iso3=category if dimension == "by citizenship" and len(category) == 3 else None,
            sex=sex,
            age=age,
            source_row=i + 4,
        )
        for i, (iso3, year, dimension, category, sex, age, value) in enumerate(rows)
    ]
    return pl.DataFrame(out, schema=INDICATOR_SCHEMA)


def nationals_reported(
    years,
    *,
    tha_from: int,
    mys_partial: int | None = None,
    jpn_drops: int | None = None,
    jpn_omits: int | None = None,
):
    """Myanmar's nationals detected by Thailand (its breakdown from ``tha_from`` on), Malaysia (a breakdown
    that covers a tenth of its total in ``mys_partial``) and Japan (which lists <5 in ``jpn_drops``, and no
    Myanmar row at all in ``jpn_omits``: its other citizenship is still listed)."""
    rows = []
    for year in years:
        for iso3, total in (("THA", 500), ("MYS", 200), ("JPN", 100)):
            rows.append((iso3, year, "Total", "Total", "Total", "Total", total))
        rows.append(("MMR", year, "Total", "Total", "Total", "Total", 50))
        if year >= tha_from:
            rows += [
                ("THA", year, "by citizenship", "MMR", "Total", "Total", 300),
                ("THA", year, "by citizenship", "Nationals", "Total", "Total", 200),
            ]
        share = 20 if year == mys_partial else 200
        rows += [
            ("MYS", year, "by citizenship", "MMR", "Total", "Total", share * 3 // 10),
            ("MYS", year, "by citizenship", "IDN", "Total", "Total", share * 7 // 10),
        ]
        if year != jpn_omits:
            rows.append(
                ("JPN", year, "by citizenship", "MMR", "Total", "Total", "<5" if year == jpn_drops else 40)
            )
        rows.append(("JPN", year, "by citizenship", "PHL", "Total", "Total", 60))
    return indicator_rows(rows)


def breakdowns(
    table: dict[str, dict[int, int | str | None]], *, of: str = "MMR", others: int = 50
) -> pl.DataFrame:
    """Reporting countries' totals and citizenship breakdowns: ``table[reporter][year]`` is the number of
    nationals of ``of`` its breakdown lists (a number, or ``"<5"``), or None for a year it published a total
    but no breakdown. Each breakdown also lists ``others`` Indonesians, and the total is the breakdown's sum."""
    rows = []
    for iso3, years in table.items():
        for year, value in years.items():
            listed = 0 if value is None else 2 if value == "<5" else int(value)
            rows.append((iso3, year, "Total", "Total", "Total", "Total", listed + others))
            if value is not None:
                rows += [
                    (iso3, year, "by citizenship", of, "Total", "Total", value),
                    (iso3, year, "by citizenship", "IDN", "Total", "Total", others),
                ]
    return indicator_rows(rows)


def coming_and_going(steady: str = "*Z*") -> pl.DataFrame:
    """Myanmar's nationals detected 2010-2019 by two large reporters that take turns to publish a breakdown (so
    every year misses one: Thailand, Malaysia) and by two steady ones: Japan, and ``steady`` (a code no reference
    names by default; any reporter's code or text)."""
    years = range(2010, 2020)
    return breakdowns(
        {
            "THA": {y: 200 if y % 2 else None for y in years},
            "MYS": {y: None if y % 2 else 200 for y in years},
            "JPN": {y: 40 + 10 * (y - 2010) for y in years},
            steady: dict.fromkeys(years, 60),
        }
    )


#: Bolivia's detected victims of 2017 as UNODC publishes them: total, female, male, and the one row of unknown
#: sex and age (105 + 239 + 53 = 397).
BOLIVIA_2017 = [
    ("BOL", 2017, "Total", "Total", "Total", "Total", 397),
    ("BOL", 2017, "Total", "Total", "Female", "Total", 105),
    ("BOL", 2017, "Total", "Total", "Male", "Total", 239),
]


def detected_totals(unodc, iso3: str) -> pl.DataFrame:
    """The rows of a country's own total of detected victims (Total dimension, sex and age), straight from the
    canonical table: the tests' reading by hand, independent of the toolkit's selections."""
    return unodc.data.filter(
        (pl.col("iso3") == iso3)
        & (pl.col("indicator") == "Detected trafficking victims")
        & (pl.col("dimension") == "Total")
        & (pl.col("sex") == "Total")
        & (pl.col("age") == "Total")
    )
