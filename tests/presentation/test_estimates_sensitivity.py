"""The sensitivity table against an attack: several models' estimates beside the number observed pin a small
cell of a 3-list capture-history table; published, only the headline model's numbers leave it free."""

from __future__ import annotations

import numpy as np
import polars as pl

from evidence.analyses.estimation import ListCapture, estimate_population
from evidence.analyses.estimation.sensitivity import model_spread, sensitivity
from evidence.presentation.estimates import (
    estimate_headline,
    sensitivity_chart_data,
    sensitivity_frame,
    sensitivity_withheld,
)

KEYS = ("100", "010", "001", "110", "101", "011", "111")
#: observed 52, one person on lists A and C only (n₁₀₁ = 1): main effects, B:C, and A:B + B:C (observed +
#: n₁₀₀n₀₀₁/n₁₀₁ = 52 + 96) fit 16 whole-number tables, all with n₁₀₁ = 1
CELLS = (24, 5, 4, 9, 1, 2, 7)


def _capture(cells: tuple[int, ...]) -> ListCapture:
    frame = pl.DataFrame({name: [int(k[i]) for k in KEYS] for i, name in enumerate("ABC")} | {"count": cells})
    return ListCapture.from_frame(frame, source="attack")


def _dark(terms: tuple[str, ...], c: dict[str, np.ndarray]) -> np.ndarray:
    """The number on no list under a model with interactions, in closed form (three lists)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            ("A:B",): c["001"] * (c["100"] + c["010"] + c["110"]) / (c["101"] + c["011"] + c["111"]),
            ("A:C",): c["010"] * (c["100"] + c["001"] + c["101"]) / (c["110"] + c["011"] + c["111"]),
            ("B:C",): c["100"] * (c["010"] + c["001"] + c["011"]) / (c["110"] + c["101"] + c["111"]),
            ("A:B", "A:C"): c["010"] * c["001"] / c["011"],
            ("A:B", "B:C"): c["100"] * c["001"] / c["101"],
            ("A:C", "B:C"): c["100"] * c["010"] / c["110"],
        }[terms]


def _tables(observed: int, published: set[tuple[tuple[str, ...], float]]) -> np.ndarray:
    """Every table of whole numbers (7 cells, ``observed`` in all) whose models give the published estimates:
    main effects through the lists' sizes (1 − M/N = Π(1 − n_j/N)), the others in closed form."""
    close = [(estimate * (1 - 1e-9), estimate * (1 + 1e-9)) for terms, estimate in published if not terms]
    others = [(terms, estimate) for terms, estimate in published if terms]
    r = np.arange(1, observed + 1)
    a, b, c = np.meshgrid(r, r, r, indexing="ij")
    ok = a + b + c >= observed
    for low, high in close:
        g = [(1 - observed / n) - (1 - a / n) * (1 - b / n) * (1 - c / n) for n in (low, high)]
        ok &= np.sign(g[0]) != np.sign(g[1])
    found = []
    for na, nb, nc in zip(a[ok], b[ok], c[ok], strict=True):
        x, y, z = (
            v.ravel()
            for v in np.meshgrid(
                *(np.arange(min(p) + 1) for p in ((na, nb), (na, nc), (nb, nc))), indexing="ij"
            )
        )
        twice = na + nb + nc - observed - x - y - z
        keep = (twice >= 0) & (twice % 2 == 0)
        x, y, z, w = x[keep], y[keep], z[keep], twice[keep] // 2
        cells = {
            "110": x,
            "101": y,
            "011": z,
            "111": w,
            "100": na - x - y - w,
            "010": nb - x - z - w,
            "001": nc - y - z - w,
        }
        fits = (cells["100"] >= 0) & (cells["010"] >= 0) & (cells["001"] >= 0)
        for terms, estimate in others:
            fits &= np.isclose(observed + _dark(terms, cells), estimate, rtol=1e-9)
        found.append(np.stack([cells[k][fits] for k in KEYS], 1))
    return np.concatenate(found)


def test_other_models_estimates_gave_a_small_cell_back_and_are_withheld(monkeypatch):
    from evidence.presentation import estimates

    capture = _capture(CELLS)
    headline = estimate_population(capture)
    rows = sensitivity(capture, known=headline)
    # 52 people with a small cell: no model choice's interactions are shown (estimates.model_withheld)
    assert set(sensitivity_frame(rows)["interactions"]) == {"x"}
    # the layer beneath, as a table of 100 people or more with a small cell publishes it
    monkeypatch.setattr(estimates, "MODEL_WITHHELD_BELOW", 0)
    headline = estimate_population(capture)
    rows = sensitivity(capture, known=headline)
    assert sensitivity_withheld(rows)
    small = KEYS.index("101")
    # what the sensitivity table published before (every model's estimate): one value of the small cell fits
    before = _tables(headline.observed, {(r.result.terms, r.result.estimate) for r in rows if r.result})
    assert len(before) > 1 and (before == CELLS).all(1).any() and set(before[:, small]) == {1}
    # what it publishes now: the headline model's numbers alone, and the cell is free
    frame, chart = sensitivity_frame(rows), sensitivity_chart_data(rows)
    terms = dict(zip(frame["model choice"], frame["interactions"], strict=True))
    published = {
        (() if terms[label] == "none" else tuple(terms[label].split(", ")), estimate)
        for label, estimate in zip(chart["model choice"], chart["estimate"], strict=True)
    }
    # rounded to whole people (the table holds small cells); the attack is given the estimate as computed
    assert published == {(headline.terms, round(headline.estimate))}
    after = _tables(headline.observed, {(headline.terms, headline.estimate)})
    assert (after == CELLS).all(1).any() and len(set(after[:, small])) > 1
    shown = [
        e
        for e, r in zip(frame["estimate"], rows, strict=True)
        if r.result and r.result.terms != headline.terms
    ]
    assert shown and set(shown) == {"x"}
    assert "other model choices' are withheld (x)" in estimate_headline(
        headline, spread=model_spread(rows, headline)
    )


def test_a_table_without_small_cells_shows_every_model():
    capture = _capture((40, 30, 20, 6, 5, 5, 5))
    headline = estimate_population(capture)
    rows = sensitivity(capture, known=headline)
    assert not sensitivity_withheld(rows)
    assert "x" not in sensitivity_frame(rows)["estimate"].to_list()
    assert sensitivity_chart_data(rows).height == sum(r.result is not None for r in rows)
