"""The trend sentence names its model as written in prose: "Poisson model", "quasi-Poisson model" (it said
"poisson model" and "quasi poisson model")."""

from __future__ import annotations

import dataclasses
import re

import pytest

from evidence.analyses.trends import RateRatio
from evidence.notebooks.builders import SeriesModels, trend_sentence


@pytest.mark.parametrize(
    ("model", "name"),
    [("poisson", "Poisson"), ("quasi_poisson", "quasi-Poisson"), ("negative_binomial", "negative binomial")],
)
@pytest.mark.parametrize("overdispersed", [False, True])
def test_the_trend_sentence_capitalises_the_model(model: str, name: str, overdispersed: bool) -> None:
    ratio = RateRatio(
        rate_ratio=1.10, ci_low=1.04, ci_high=1.16, p_value=0.01, model=model, first_year=2010, last_year=2020,
        n_years=11, dispersion=6.0 if overdispersed else 1.0, alpha=None, basis="exact",
    )  # fmt: skip
    for rr in (ratio, dataclasses.replace(ratio, ci_low=0.97)):  # a clear change, and none
        text = re.sub(r"<[^>]+>", "", trend_sentence(SeriesModels(None, rr, None, None, None)))
        assert f"; {name} model, 11 complete years)" in text
        assert not re.search(r"(?<!-)\bpoisson|quasi Poisson", text, flags=0), text
