"""The cross-country panel, the detection model and the tier event study, on the real shared releases."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from evidence.analyses import society
from evidence.core.errors import ParameterError
from evidence.sources.cache import load_cached


@pytest.fixture(scope="module")
def sources(shared_data):
    return {
        "unodc": load_cached(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"),
        "gsi": load_cached(shared_data / "walkfree" / "gsi_2023.xlsx"),
        "tip": load_cached(shared_data / "tip" / "tip_tiers_1999_2015.csv"),
    }


@pytest.fixture(scope="module")
def panel(sources) -> society.CountryPanel:
    return society.country_panel(sources.values())


def _value(panel, iso3, measure, year=None):
    rows = panel.measure(measure, countries=[iso3])
    if year is not None:
        rows = rows.filter(pl.col("year") == year)
    return rows.sort("year").row(-1, named=True)


def test_thailand_gsi_figures_with_source_and_year(panel):
    estimated = _value(panel, "THA", society.ESTIMATED)
    prevalence = _value(panel, "THA", society.PREVALENCE)
    assert estimated["value"] == 401_000 and round(prevalence["value"], 2) == 5.74
    assert estimated["year"] == prevalence["year"] == 2021
    assert estimated["source"] == "Walk Free Global Slavery Index 2023"
    assert _value(panel, "THA", society.POPULATION)["value"] == 69_800_000


def test_detection_gap_of_thailand_by_hand(panel, shared_data):
    # the count read straight from the workbook, without the toolkit's loader
    raw = pl.read_excel(
        shared_data / "unodc" / "data_glotip_2023-05-30.xlsx",
        engine="calamine",
        read_options={"header_row": 2},
    )
    cell = raw.filter(
        (pl.col("Iso3_code") == "THA")
        & (pl.col("Indicator") == "Detected trafficking victims")
        & (pl.col("Dimension") == "Total")
        & (pl.col("Sex") == "Total")
        & (pl.col("Age") == "Total")
        & (pl.col("Year").cast(pl.Int64) == 2021)
    )
    detected = float(str(cell["txtVALUE"][0]).replace(",", ""))
    assert detected == 134
    gap = _value(panel, "THA", society.DETECTION_GAP, 2021)
    per_100k = _value(panel, "THA", society.DETECTED_PER_100K, 2021)
    assert gap["value"] == pytest.approx(134 / 401_000 * 1_000)  # 0.334 detected per 1,000 estimated
    assert per_100k["value"] == pytest.approx(134 / 69_800_000 * 100_000)
    assert "2021" in gap["note"] and "UNODC" in gap["source"] and "Walk Free" in gap["source"]


def test_every_rate_gives_back_its_count(panel):
    """A rule that must always hold: rate × denominator / per = the detected count (and its bounds)."""
    detected = panel.measure(society.DETECTED).select("iso3", "year", "value_low", "value_high")
    for measure, denominator, per in (
        (society.DETECTED_PER_100K, society.POPULATION, 100_000),
        (society.DETECTION_GAP, society.ESTIMATED, 1_000),
    ):
        base = panel.measure(denominator).select("iso3", pl.col("value").alias("base"))
        rates = panel.measure(measure).join(base, on="iso3").join(detected, on=["iso3", "year"], suffix="_d")
        assert rates.height > 100
        back = rates["value_high"] * rates["base"] / per
        assert np.allclose(back.to_numpy(), rates["value_high_d"].to_numpy())
        low = rates["value_low"] * rates["base"] / per
        assert np.allclose(low.to_numpy(), rates["value_low_d"].to_numpy())


def test_censored_counts_keep_their_bounds(panel):
    singapore = _value(panel, "SGP", society.DETECTED, 2021)
    assert singapore["value"] is None and (singapore["value_low"], singapore["value_high"]) == (1, 4)
    assert "<5" in singapore["note"]


def test_tiers_are_ranked_and_labelled(panel):
    tiers = panel.measure(society.TIER, countries=["THA"]).sort("year")
    by_year = dict(zip(tiers["year"].to_list(), tiers["label"].to_list(), strict=True))
    assert by_year[2004] == "Tier 2 Watch List" and by_year[2009] == "Tier 2" and by_year[2014] == "Tier 3"
    changes = society.tier_changes(panel).filter(pl.col("iso3") == "THA")
    kinds = dict(zip(changes["year"].to_list(), changes["kind"].to_list(), strict=True))
    assert kinds == {2004: "downgrade", 2005: "upgrade", 2010: "downgrade", 2014: "downgrade"}


def test_compare_puts_the_country_first_and_keeps_missing_values_visible(panel):
    table = panel.compare("Thailand", ["KHM", "LAO"])
    assert table["iso3"].unique(maintain_order=True).to_list() == ["THA", "KHM", "LAO"]
    assert table.height == 3 * len(society.COMPARE_MEASURES)
    cambodia = table.filter((pl.col("iso3") == "KHM") & (pl.col("measure") == society.DETECTED))
    assert cambodia["value_high"][0] is None  # no UNODC total for Cambodia: a visible gap, not a dropped row
    assert set(table.filter(pl.col("value_high").is_not_null())["source"].to_list()) >= {
        "UNODC GLOTIP, release 30 May 2023",
        "Walk Free Global Slavery Index 2023",
    }


def test_default_peers_are_the_m49_neighbours():
    assert {"KHM", "LAO", "MMR", "VNM"} <= set(society.default_peers("THA"))
    assert "THA" not in society.default_peers("THA")


def test_detection_model_matches_an_independent_statsmodels_fit(panel):
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    model = society.detection_model(panel)
    data = model.data.to_pandas()
    thailand = model.data.filter(pl.col("iso3") == "THA").row(0, named=True)
    assert thailand["year"] == 2021 and thailand["detected"] == 134
    fit = smf.glm(
        "detected ~ np.log2(prevalence_per_1000) + I(response_total / 10) + I(vulnerability_total / 10)",
        data=data,
        family=sm.families.Poisson(),
        offset=np.log(data["population"]),
    ).fit(cov_type="HC1")
    ci = fit.conf_int()
    for i, term in enumerate(model.terms, start=1):
        assert term.rate_ratio == pytest.approx(math.exp(fit.params.iloc[i]), rel=1e-6)
        assert term.ci_low == pytest.approx(math.exp(ci.iloc[i, 0]), rel=1e-6)
        assert term.ci_high == pytest.approx(math.exp(ci.iloc[i, 1]), rel=1e-6)
    # every country is either used or named with its reason
    excluded = {c for codes in model.excluded.values() for c in codes}
    assert not excluded & set(model.data["iso3"].to_list())
    assert model.n_countries > 100
    assert all("association" in s or "no clear association" in s for s in model.sentences())


def test_tier_event_study_has_its_reference_and_intervals(panel):
    study = society.tier_event_study(panel, "downgrade")
    estimates = study.estimates
    reference = estimates.filter(pl.col("event_time") == -1).row(0, named=True)
    assert reference["rate_ratio"] == 1.0 and reference["ci_low"] is None
    others = estimates.filter(pl.col("event_time") != -1)
    assert others.height == 6
    assert (others["ci_low"] < others["rate_ratio"]).all() and (
        others["rate_ratio"] < others["ci_high"]
    ).all()
    assert study.events.height >= 5 and study.events["iso3"].is_unique().all()
    assert study.to_dict()["n_events"] == study.events.height


def test_missing_sources_give_clear_errors(sources):
    with pytest.raises(ParameterError, match="needs UNODC GLOTIP"):
        society.country_panel([])
    gsi_only = society.country_panel([sources["gsi"]])
    with pytest.raises(ParameterError, match="detection model needs UNODC GLOTIP"):
        society.detection_model(gsi_only)
    no_tip = society.country_panel([sources["unodc"], sources["gsi"]])
    with pytest.raises(ParameterError, match="tier event study needs US TIP"):
        society.tier_event_study(no_tip)
    with pytest.raises(ParameterError, match="one GSI file"):
        society.country_panel([sources["gsi"], sources["gsi"]])
