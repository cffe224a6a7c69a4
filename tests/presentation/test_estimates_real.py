"""The real published estimates stay published, with their model, whatever protects tiny lists: their tables
hold small cells (so their numbers are rounded to whole people) but 185 people or more are on the lists, so the
chosen model is shown and the estimate is the published one to the person (``estimates.model_withheld``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.analyses.estimation import estimate_population, read_list_capture
from evidence.presentation.estimates import (
    coarsened,
    disclosed_payload,
    estimate_rows,
    model_withheld,
    stepwise_steps,
)

#: (file, method, the estimate as published (PUBLISHED.md) or None, the chosen interactions)
REAL = [
    ("new_orleans_8list/NewOrl_185cases_SparseMSE.csv", "stepwise", 1184, ("D:E",)),
    ("new_orleans_8list/NewOrl_185cases_SparseMSE.csv", "main", 997, ()),
    ("new_orleans_5list/NewOrl_5_185cases_SparseMSE.csv", "stepwise", 1034, ()),
    ("western_us_5list/Western.csv", "stepwise", 2483, ("A:E",)),
    (
        "uk_2013_5list/UKdat_5.csv",
        "bic",
        22991,
        ("LA:NG", "LA:PFNCA", "NG:PFNCA", "NG:GP", "PFNCA:GO"),
    ),
    (
        "netherlands_2010_2015_5list/Ned_5.csv",
        "stepwise",
        None,
        ("IO:K", "IO:P", "IO:Z", "K:R", "P:R", "P:Z"),
    ),
]


@pytest.mark.parametrize(
    ("path", "method", "published", "terms"), REAL, ids=[f"{p.split('/')[0]}-{m}" for p, m, *_ in REAL]
)
def test_real_estimates_stay_published_with_their_model(shared_data: Path, path, method, published, terms):
    result = estimate_population(read_list_capture(shared_data / "mse" / path), method=method)
    assert coarsened(result) and not model_withheld(result)  # small cells, but not few people
    payload = disclosed_payload(result)
    assert payload["estimate"] == round(result.estimate) and payload["terms"] == list(terms)
    assert all(isinstance(v, int) for v in payload["interval"])
    if published is not None:
        assert payload["estimate"] == published
    rows = dict(estimate_rows(result))
    assert rows["estimated total population"] == f"{round(result.estimate):,}"
    assert rows["interactions selected"] == (", ".join(terms) or "none (independent lists)")
    if method == "stepwise":
        assert sorted(term for term, _ in stepwise_steps(result)) == sorted(terms)
