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


@pytest.mark.parametrize("order", ["3", "5"])
def test_a_max_order_the_lists_cannot_hold_is_refused_not_cut_without_a_word(
    shared_data: Path, order: str
) -> None:
    """Korea has three lists: --max-order 3 (or 5) searched pairs and said "pairwise interactions", the order
    asked dropped without a word (an interaction of all three lists cannot be estimated)."""
    path = shared_data / "mse" / "korea_palembang_3list" / "Korea.csv"
    for method in ("stepwise", "bic", "downhill"):
        result = runner.invoke(app, ["estimate", "--data", str(path), "-m", method, "--max-order", order])
        assert isinstance(result.exception, ParameterError), result.output
        message = str(result.exception)
        assert message.startswith(f"--max-order {order}: with 3 lists the highest interaction order is 2")
        assert str(path) in message
    # the highest order the lists hold is taken, and the default with them
    for args in (["--max-order", "2"], []):
        assert runner.invoke(app, ["estimate", "--data", str(path), *args]).exit_code == 0
    four = shared_data / "mse" / "kosovo_1999_4list" / "Kosovo.csv"
    assert (
        runner.invoke(app, ["estimate", "--data", str(four), "-m", "bic", "--max-order", "3"]).exit_code == 0
    )


def test_the_bootstrap_of_a_fixed_model_is_not_announced_as_bootstrapping_a_model_choice(
    shared_data: Path, tmp_path: Path
) -> None:
    """The words "bootstrapping the whole model choice" were announced of main effects, and of two lists."""
    korea = shared_data / "mse" / "korea_palembang_3list" / "Korea.csv"
    two = tmp_path / "two.csv"
    two.write_text("A,B,n\n1,0,30\n0,1,20\n1,1,10\n")
    for args in (
        ["--data", str(korea), "-m", "main"],
        ["--data", str(two)],
        ["--data", str(korea), "--p-enter", "0"],
    ):
        result = runner.invoke(app, ["estimate", *args, "-b", "40", "--seed", "1"])
        assert result.exit_code == 0, result.output
        assert "bootstrapping main effects (no model to choose): 1 run of 40 replicates" in result.stderr
        assert "model choice" not in result.stderr
    result = runner.invoke(app, ["estimate", "--data", str(korea), "-b", "40", "--seed", "1"])
    assert "bootstrapping the whole model choice: 1 run of 40 replicates" in result.stderr


def test_what_the_loader_left_out_of_the_file_is_said_beside_the_estimate(tmp_path: Path) -> None:
    """R's row names and a blank line were left out of the file with notes that the estimate never showed: the
    reader could not tell that a column was dropped."""
    import json

    path = tmp_path / "lists.csv"
    path.write_text(
        '"","A","B","C","n"\n"1",1,0,0,30\n"2",0,1,0,20\n\n"3",0,0,1,10\n"4",1,1,0,5\n"5",0,1,1,6\n'
    )
    text = runner.invoke(app, ["estimate", "--data", str(path)], env={"COLUMNS": "300"})
    assert text.exit_code == 0, text.output
    assert "R's row names" in text.stdout and "line 4" in text.stdout
    record = json.loads(runner.invoke(app, ["estimate", "--data", str(path), "--json"]).stdout)
    notes = record["data"]["notes"]
    assert any("R's row names" in note for note in notes) and any("line 4" in note for note in notes)
    plain = tmp_path / "plain.csv"
    plain.write_text("A,B,C,n\n1,0,0,30\n0,1,0,20\n0,0,1,10\n1,1,0,5\n0,1,1,6\n")
    assert (
        json.loads(runner.invoke(app, ["estimate", "--data", str(plain), "--json"]).stdout)["data"]["notes"]
        == []
    )


@pytest.mark.parametrize(
    ("value", "said"), [("2", "--p-enter 2:"), ("-0.1", "--p-enter -0.1:"), ("nan", "--p-enter nan:")]
)
def test_a_p_enter_that_is_no_probability_is_refused_before_the_lists_are_read(value: str, said: str) -> None:
    """--p-enter 2 was refused after the demo lists' warning, as "not 2.0" (the other options out of range are
    refused by their option before any work)."""
    result = runner.invoke(app, ["estimate", f"--p-enter={value}"])
    assert isinstance(result.exception, ParameterError), result.output
    assert str(result.exception).startswith(said) and "between 0 and 1" in str(result.exception)
    assert "SYNTHETIC" not in result.output


@pytest.mark.parametrize("typed", ["BIC", " bic", "Bic"])
def test_a_method_typed_in_capitals_is_the_method(shared_data: Path, typed: str) -> None:
    """The option check read "BIC" as bic, and the estimate then refused it as "unknown method 'BIC'" (no option
    named, after the lists were read)."""
    import json

    path = shared_data / "mse" / "korea_palembang_3list" / "Korea.csv"
    result = runner.invoke(app, ["estimate", "--data", str(path), "-m", typed, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["method"] == "bic"


def test_a_downhill_start_is_read_as_typed_and_an_unknown_one_refused_by_its_option_first() -> None:
    """ "--downhill-start Full" and "nowhere" were refused after the demo lists' warning, naming no option."""
    import json

    result = runner.invoke(app, ["estimate", "-m", "downhill", "--downhill-start", "Full", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["downhill_start"] == "full"
    result = runner.invoke(app, ["estimate", "-m", "downhill", "--downhill-start", "nowhere"])
    assert isinstance(result.exception, ParameterError), result.output
    assert str(result.exception).startswith("--downhill-start 'nowhere': ")
    assert "SYNTHETIC" not in result.output
