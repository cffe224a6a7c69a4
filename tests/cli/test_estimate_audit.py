"""`evidence estimate` under a hostile audit: bad settings are errors naming the setting, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidence.cli.main import app
from evidence.core.errors import ParameterError

runner = CliRunner()


def test_a_negative_seed_is_a_parameter_error(shared_data: Path) -> None:
    # before: numpy's ValueError, which the command line reports as an internal error with a traceback
    path = shared_data / "mse" / "western_us_5list" / "Western.csv"
    result = runner.invoke(app, ["estimate", "--data", str(path), "-b", "20", "--seed", "-1", "--json"])
    assert isinstance(result.exception, ParameterError), result.exception
    with pytest.raises(ParameterError, match="seed must be a whole number, 0 or more, not -1"):
        raise result.exception
