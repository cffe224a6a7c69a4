"""Fixtures of the brief tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# the helper modules beside this file (_brief_runs, _chromium), importable however pytest was started
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _brief_runs import make_run


@pytest.fixture
def run_folder(tmp_path: Path) -> Path:
    """An executed run folder on the demo data, under ``<tmp>/reports/runs``."""
    return make_run(tmp_path / "reports" / "runs")
