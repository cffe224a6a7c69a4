"""Declared value checks: every loader's tables hold them; tables that break them are reported row by row."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from evidence.sources.checks import check_values, year_span
from evidence.sources.demo import write_demo
from evidence.sources.registry import load

REAL = [
    "unodc/data_glotip_2023-05-30.xlsx",
    "ctdc/k_anon_sample.csv",
    "ctdc/k_anon_excerpt.csv",
    "ctdc/vp_synthetic_condensed.csv",
    "tip/tip_tiers_1999_2015.csv",
    "walkfree/gsi_2023.xlsx",
]
FIXTURES = [
    "ctdc/synthetic_v2024.csv",
    "ctdc/synthetic_v2025.csv",
    "ctdc/k_anon_small.csv",
    "ctdc/vp_small.csv",
    "ctdc/synthetic_bad_years.csv",
    "ctdc/synthetic_unknown_codes.csv",
    "case_records/assisted_victims.csv",
]
#: Made-up countries with user-assigned codes (XAA-XAF): only their codes break the declared values.
MADE_UP_COUNTRIES = ["tip/tiers_kelley_layout.csv", "tip/tiers_simple.csv", "tip/tiers_simple_defects.csv"]


@pytest.fixture(scope="module")
def real(real_loaded) -> dict[str, object]:
    return {name: real_loaded(name) for name in REAL}


@pytest.mark.parametrize("name", REAL)
def test_every_real_release_holds_its_declared_values(real, name: str) -> None:
    assert check_values(real[name]).height == 0


@pytest.mark.parametrize("name", FIXTURES)
def test_every_loader_fixture_holds_its_declared_values(fixtures: Path, name: str) -> None:
    assert check_values(load(fixtures / name)).rows() == []


@pytest.mark.parametrize("name", MADE_UP_COUNTRIES)
def test_made_up_country_codes_are_reported(fixtures: Path, name: str) -> None:
    issues = check_values(load(fixtures / name))
    assert issues.height and set(issues["column"]) == {"iso3"}
    assert set(issues["value"].str.slice(0, 2)) == {"XA"}


def test_the_demo_data_hold_their_declared_values(tmp_path: Path) -> None:
    assert check_values(load(write_demo(tmp_path / "demo.csv", n_rows=500))).height == 0


def _with(loaded, **columns: pl.Expr):
    """``loaded`` with its first rows changed as ``columns`` say (the rest as loaded)."""
    first = pl.int_range(pl.len()) < 2
    data = loaded.data.with_columns(
        [
            pl.when(first).then(expr).otherwise(pl.col(name)).cast(loaded.data[name].dtype).alias(name)
            for name, expr in columns.items()
        ]
    )
    return dataclasses.replace(loaded, data=data)


def test_indicator_intervals_codes_years_and_categories(real) -> None:
    loaded = real["unodc/data_glotip_2023-05-30.xlsx"]
    bad = _with(
        loaded,
        iso3=pl.lit("ABC"),
        year=pl.lit(2099),
        sex=pl.lit("Girls"),
        value_low=pl.lit(-3.0),
        value_high=pl.lit(-5.0),
    )
    issues = check_values(bad)
    rows = loaded.data["source_row"].head(2).to_list()
    assert set(issues["row"]) == set(rows)
    reasons = set(issues.select("column", "reason").iter_rows())
    assert ("iso3", "fails: an ISO3 code of the country reference") in reasons
    assert ("year", "fails: a year within the release's span 2003-2023") in reasons
    assert ("value_low", "fails: not negative") in reasons
    assert ("(row)", "fails: value_low <= value_high") in reasons
    assert any(c == "sex" and r.startswith("fails: one of Total, Female") for c, r in reasons)


def test_case_codes_and_years_within_the_release(fixtures: Path) -> None:
    loaded = load(fixtures / "ctdc/synthetic_v2024.csv")
    assert year_span(loaded) == (2002, 2024)  # the known release's first year to its own
    issues = check_values(_with(loaded, origin_iso3=pl.lit("THA;ZZZ"), year=pl.lit(2030)))
    assert set(issues["column"]) == {"origin_iso3", "year"}
    assert issues.height == 4


def test_tiers_and_gsi(real) -> None:
    tiers = real["tip/tip_tiers_1999_2015.csv"]
    issues = check_values(_with(tiers, report_year=pl.lit(2020), special_case=pl.lit("Tier 4")))
    assert {"report_year", "special_case", "(row)"} <= set(issues["column"])
    gsi = real["walkfree/gsi_2023.xlsx"]
    issues = check_values(
        _with(gsi, estimated_number_in_modern_slavery=pl.lit(-1.0), vulnerability_total=pl.lit(150.0))
    )
    assert set(issues["column"]) == {"estimated_number_in_modern_slavery", "vulnerability_total"}


def test_a_wrong_type_is_reported_for_the_column(real) -> None:
    loaded = real["walkfree/gsi_2023.xlsx"]
    bad = dataclasses.replace(loaded, data=loaded.data.with_columns(pl.col("population").cast(pl.String)))
    issues = check_values(bad)
    wrong = issues.filter(pl.col("column") == "population")
    assert wrong.height and wrong["row"].is_null().all()


def test_loading_never_imports_pandera(shared_data: Path) -> None:
    code = (
        "import sys\nfrom evidence.sources.registry import load\n"
        f"load({str(shared_data / 'tip/tip_tiers_1999_2015.csv')!r})\n"
        "assert 'pandera' not in sys.modules, 'pandera imported on load'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_release_named_by_a_span_of_years_is_the_span_checked(real) -> None:
    """TIP tiers: the span the provenance cites is the span the checks hold the table to (not up to the year
    Kelley published, 2017)."""
    tiers = real["tip/tip_tiers_1999_2015.csv"]
    assert year_span(tiers) == (1999, 2015)
    issues = check_values(_with(tiers, report_year=pl.lit(2016)))
    assert set(issues["column"]) == {"report_year"}
    assert "1999-2015" in issues["reason"][0]
    extended = dataclasses.replace(
        tiers, provenance=dataclasses.replace(tiers.provenance, release="1999-2024")
    )
    assert year_span(extended) == (1999, 2024)
