"""`evidence estimate`: multiple systems estimation through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidence.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps less: assertions see whole lines


def test_json_has_the_published_new_orleans_estimate(shared_data: Path) -> None:
    path = shared_data / "mse" / "new_orleans_8list" / "NewOrl_185cases_SparseMSE.csv"
    result = runner.invoke(app, ["estimate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["observed"] == 185
    assert round(payload["estimate"]) == 1184
    assert payload["method"] == "stepwise" and payload["threshold"] == 0.02
    assert payload["terms"] == ["D:E"]
    assert len(payload["interval"]) == 2 and payload["interval_method"] == "intercept_se"
    assert payload["existence"]["exists"] and payload["identifiable"]
    assert payload["demo"] is False


def test_json_with_bootstrap_method_and_threshold(shared_data: Path) -> None:
    path = shared_data / "mse" / "western_us_5list" / "Western.csv"
    args = ["estimate", str(path), "--method", "main", "--bootstrap", "40", "--seed", "5", "--json"]
    first = json.loads(runner.invoke(app, args).stdout)
    again = json.loads(runner.invoke(app, args).stdout)
    assert first["interval_method"] == "bca" and first["bootstrap_replicates"] == 40 and first["seed"] == 5
    assert first["interval"] == again["interval"]
    assert first["terms"] == [] and first["method"] == "main"
    main_effects = json.loads(
        runner.invoke(app, ["estimate", str(path), "--threshold", "0", "--json"]).stdout
    )
    assert main_effects["estimate"] == pytest.approx(first["estimate"])


def test_human_output_is_a_table_of_aggregates(shared_data: Path) -> None:
    path = shared_data / "mse" / "uk_2013_5list" / "UKdat_5.csv"
    result = runner.invoke(app, ["estimate", str(path), "--method", "bic"])
    assert result.exit_code == 0, result.output
    assert "22,991" in result.stdout
    assert "bic, exhaustive search" in result.stdout
    assert "exists and is identifiable" in result.stdout


def test_without_a_file_it_uses_the_demo_lists_loudly() -> None:
    result = runner.invoke(app, ["estimate"])
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC" in result.stdout
    assert "police:shelters" in result.stdout
    payload = json.loads(runner.invoke(app, ["estimate", "--json"]).stdout)
    assert payload["demo"] is True


def test_bad_input_exits_2_with_one_line(run_main, tmp_path: Path) -> None:
    path = tmp_path / "lists.csv"
    path.write_text("A,B,n\n1,0,3\n0,2,1\n", encoding="utf-8")
    code, out, err = run_main(["estimate", str(path)])
    assert code == 2 and "Traceback" not in err + out
    assert err.startswith("error:") and "row 3" in err and "'B'" in err


def test_unknown_method_exits_2(run_main, monkeypatch, capsys) -> None:
    code, _out, err = run_main(["estimate", "--method", "aic"])
    assert code == 2 and "unknown method" in err
