"""The BIC bootstrap's choice as it was made before models a replicate cannot choose were left unfitted: every
model fitted to every row (the reference of the tests of :func:`~evidence.analyses.estimation.selection.
best_by_bic_estimates`)."""

from __future__ import annotations

import numpy as np

from evidence.analyses.estimation.lists import ListCapture
from evidence.analyses.estimation.models import ModelSpace
from evidence.analyses.estimation.selection import FitLog, _fit_models_rows


def every_model_fitted(
    capture: ListCapture, models: list, Y: np.ndarray, max_order: int, log: FitLog | None = None
) -> np.ndarray:
    """Each row's estimate by the valid model of lowest BIC, every model fitted to every row of ``Y``."""
    B = len(Y)
    space = ModelSpace(capture.n_lists, max_order)
    masks = [space.mask_of(m) for m in models]
    rows = np.tile(np.arange(B), len(masks))
    bic, est, ok, _ = _fit_models_rows(
        capture, space, [m for m in masks for _ in range(B)], Y, rows, FitLog() if log is None else log
    )
    bic, est = bic.reshape(len(masks), B), est.reshape(len(masks), B)
    result = np.full(B, np.nan)
    for b in range(B):
        for m in np.argsort(bic[:, b], kind="stable"):
            if not np.isfinite(bic[m, b]):
                break
            if ok(int(m) * B + b):
                result[b] = est[m, b]
                break
    return result
