from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from evidence.cli import runs as runs_cli
from evidence.core.errors import ParameterError

runner = CliRunner()


@pytest.fixture
def app():
    app = typer.Typer()
    runs_cli.register(app)
    return app


@pytest.fixture
def tiny(fixtures):
    return fixtures / "notebooks" / "tiny.ipynb"


@pytest.fixture
def no_kernel(monkeypatch):
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: pytest.fail("papermill was called"))


def test_describe_lists_parameters(app, tiny):
    result = runner.invoke(app, ["run", str(tiny), "--describe"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "tuple[int, int]" in result.output and "a|b|c" in result.output


def test_bad_parameters_stop_before_any_kernel(app, tiny, tmp_path, no_kernel):
    result = runner.invoke(app, ["run", str(tiny), "-p", "contry", "THA", "--out-root", str(tmp_path)])
    assert isinstance(result.exception, ParameterError)
    assert "did you mean 'country'" in str(result.exception)
    result = runner.invoke(app, ["run", str(tiny), "-p", "n"])
    assert isinstance(result.exception, ParameterError) and "needs a NAME and a VALUE" in str(
        result.exception
    )
    result = runner.invoke(app, ["run", str(tiny), "stray"])
    assert isinstance(result.exception, ParameterError) and "unexpected argument 'stray'" in str(
        result.exception
    )


def test_run_with_parameters_file_and_overrides(app, tiny, tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text("n: 2\nlabel: b\n")
    out = tmp_path / "runs"
    result = runner.invoke(app, ["run", str(tiny), "-f", str(params), "-p", "n", "5", "--out-root", str(out)])
    assert result.exit_code == 0, result.output
    (folder,) = out.iterdir()
    record = json.loads((folder / "run.json").read_text())
    assert record["parameters"]["n"] == 5 and record["parameters"]["label"] == "b"
    assert folder.name.startswith("tiny-5-b-")


def test_batch_exits_non_zero_when_a_run_fails_and_prints_a_summary(app, tiny, tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks: [{tiny}]\nparameters:\n  fail: [true, false]\n")
    out = tmp_path / "runs"
    result = runner.invoke(app, ["batch", str(plan), "--workers", "2", "--out-root", str(out)])
    assert result.exit_code == 1, result.output
    assert "ran 1, skipped 0, failed 1" in result.output and "asked to fail" in result.output
    again = runner.invoke(app, ["batch", str(plan), "--workers", "1", "--out-root", str(out)])
    assert again.exit_code == 1 and "ran 0, skipped 1, failed 1" in again.output


def test_kernel_install_into_a_prefix(app, tmp_path, monkeypatch):
    import sys

    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    result = runner.invoke(app, ["kernel", "install", "--name", "evidence-test", "--sys-prefix"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "share" / "jupyter" / "kernels" / "evidence-test" / "kernel.json").is_file()
