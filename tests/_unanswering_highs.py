"""The existence check's HiGHS made to leave every programme unanswered, for the tests of how the toolkit reports
it (the analysis, and the command line)."""

from __future__ import annotations

import pytest

from evidence.analyses.estimation import loglinear
from evidence.core.highs import quiet_highs


class _Unanswering:
    """A HiGHS solver that solves but reports a status other than optimal (a limit or a numerical failure)."""

    def __init__(self, status_name: str) -> None:
        import highspy

        self._solver = quiet_highs()
        self._status = getattr(highspy.HighsModelStatus, status_name)

    def getModelStatus(self):
        return self._status

    def __getattr__(self, name: str):
        return getattr(self._solver, name)


def unanswering_highs(monkeypatch: pytest.MonkeyPatch, status_name: str = "kSolveError") -> None:
    """Every existence programme solved from now on is left unanswered by HiGHS (none taken from the cache)."""
    monkeypatch.setattr(loglinear, "_LP_OPTIMA", {})
    monkeypatch.setattr(loglinear, "_highs", lambda: _Unanswering(status_name))
