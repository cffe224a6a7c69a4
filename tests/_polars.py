"""Counting the polars queries a piece of code runs (for tests that it runs none)."""

from __future__ import annotations

import polars as pl
import pytest


def count_queries(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on in the test, one entry in the returned list per polars query run: each collect of a lazy
    frame, the eager frame methods' own (``_collect_eager``) included."""
    queries: list[int] = []
    collect, eager = pl.LazyFrame.collect, pl.LazyFrame._collect_eager
    monkeypatch.setattr(
        pl.LazyFrame, "collect", lambda self, *a, **k: queries.append(1) or collect(self, *a, **k)
    )
    monkeypatch.setattr(
        pl.LazyFrame, "_collect_eager", lambda self, *a, **k: queries.append(1) or eager(self, *a, **k)
    )
    return queries
