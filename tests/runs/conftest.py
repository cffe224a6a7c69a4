"""Fixtures of the run tests."""

from __future__ import annotations

import pytest

from evidence.runs.warm import kernel_pool


@pytest.fixture
def fresh_pool(tmp_path, monkeypatch):
    """This process's kernel pool emptied before and after the test, with a cache folder of the test's own
    (what its runs learn, such as their preload lists, reaches no other test). test_warm.py has its own,
    sharing the cache its runs learn."""
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    kernel_pool().shutdown()
    yield kernel_pool()
    kernel_pool().shutdown()
