"""`evidence estimate`: multiple systems estimation through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidence.cli.main import app
from evidence.core.errors import ParameterError

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps less: assertions see whole lines


def test_json_has_the_published_new_orleans_estimate(shared_data: Path) -> None:
    path = shared_data / "mse" / "new_orleans_8list" / "NewOrl_185cases_SparseMSE.csv"
    result = runner.invoke(app, ["estimate", "--data", str(path), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["observed"] == 185
    assert round(payload["estimate"]) == 1184
    assert payload["method"] == "stepwise" and payload["p_enter"] == 0.02 and payload["max_order"] == 2
    # the table holds small cells: numbers of people rounded (the seed too would be withheld), and the p-value
    # of D:E, whose lists share 3 people, withheld
    assert payload["disclosure"]["threshold"] == 5 and len(payload["disclosure"]["withheld"]) == 2
    assert payload["estimate"] == 1184 and payload["terms"] == ["D:E"]
    assert payload["steps"] == [{"term": "D:E", "p_value": "x"}]
    assert len(payload["interval"]) == 2 and payload["interval_method"] == "intercept_se"
    assert payload["existence"]["exists"] and payload["identifiable"]
    assert payload["data"] == {"path": str(path), "demo": False, "notes": []}


def test_json_with_bootstrap_method_and_threshold(shared_data: Path) -> None:
    path = shared_data / "mse" / "western_us_5list" / "Western.csv"
    args = [
        "estimate",
        "--data",
        str(path),
        "--method",
        "main",
        "--bootstrap-replicates",
        "40",
        "--seed",
        "5",
        "--json",
    ]
    first = json.loads(runner.invoke(app, args).stdout)
    again = json.loads(runner.invoke(app, args).stdout)
    assert (
        first["interval_method"] == "bca" and first["bootstrap"]["replicates"] == 40 and first["seed"] == "x"
    )
    assert first["interval"] == again["interval"]
    assert first["terms"] == [] and first["method"] == "main"
    main_effects = json.loads(
        runner.invoke(app, ["estimate", "--data", str(path), "--p-enter", "0", "--json"]).stdout
    )
    assert main_effects["estimate"] == pytest.approx(first["estimate"])


def test_human_output_is_a_table_of_aggregates(shared_data: Path) -> None:
    path = shared_data / "mse" / "uk_2013_5list" / "UKdat_5.csv"
    result = runner.invoke(app, ["estimate", "--data", str(path), "--method", "bic"])
    assert result.exit_code == 0, result.output
    assert "22,991" in result.stdout
    assert "lowest BIC (exhaustive search)" in result.stdout
    assert "1,024 models in the space" in result.stdout
    assert "exists and is identifiable" in result.stdout


def test_without_a_file_it_uses_the_demo_lists_loudly() -> None:
    result = runner.invoke(app, ["estimate"])
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC" in result.stdout
    assert "police:shelters" in result.stdout
    payload = json.loads(runner.invoke(app, ["estimate", "--json"]).stdout)
    assert payload["data"]["demo"] is True


def test_bad_input_exits_2_with_one_line(run_main, tmp_path: Path) -> None:
    path = tmp_path / "lists.csv"
    path.write_text("A,B,n\n1,0,3\n0,2,1\n", encoding="utf-8")
    code, out, err = run_main(["estimate", "--data", str(path)])
    assert code == 2 and "Traceback" not in err + out
    assert err.startswith("error:") and "row 3" in err and "'B'" in err


def test_unknown_method_exits_2(run_main, monkeypatch, capsys) -> None:
    code, _out, err = run_main(["estimate", "--method", "aic"])
    assert code == 2 and "unknown method" in err


@pytest.fixture
def selections_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model search made once for the same lists and settings while the test runs: the command is asked
    for the same search in JSON and as text, and each made it again (the walk down from the full model of the
    UK 5 lists up to order 4, a second's work of the test). The search is a pure function of the lists, the
    counts and its settings, which the key holds; each command still reads its file, and estimates, discloses
    and prints as before."""
    from evidence.analyses.estimation import estimate as estimate_module
    from evidence.analyses.estimation import selection

    real = estimate_module.select_model
    made: dict[tuple, object] = {}

    def select_model(capture, method, p_enter, max_order, downhill_start):
        key = (capture.lists, capture.counts.tobytes(), method, p_enter, max_order, downhill_start)
        key += (selection.EXHAUSTIVE_MODELS,)
        if key not in made:
            made[key] = real(capture, method, p_enter, max_order, downhill_start)
        return made[key]

    monkeypatch.setattr(estimate_module, "select_model", select_model)


def test_higher_orders_and_the_downhill_search(shared_data: Path, selections_once: None) -> None:
    path = shared_data / "mse" / "uk_2013_5list" / "UKdat_5.csv"
    bic = json.loads(
        runner.invoke(
            app, ["estimate", "--data", str(path), "-m", "bic", "--max-order", "4", "--json"]
        ).stdout
    )
    assert round(bic["estimate"]) == 25311 and bic["max_order"] == 4
    assert bic["model_space"]["models"] == bic["model_space"]["fitted"] == 6893
    assert bic["model_space"]["search"] == "exhaustive" and bic["terms"][-1] == "LA:NG:PFNCA"
    result = runner.invoke(app, ["estimate", "--data", str(path), "-m", "downhill", "--max-order", "4"])
    assert result.exit_code == 0, result.output
    assert "12,262" in result.stdout and "greedy" not in result.stdout.split("model choice")[0]
    assert "LA:NG:PF" not in result.stdout  # the downhill search stops at pairs here (and no emoji codes)
    args = ["estimate", "--data", str(path), "-m", "downhill", "--max-order", "4", "--downhill-start", "full"]
    full = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert full["downhill_start"] == "full" and round(full["estimate"]) == 5080
    assert "from the full model" in runner.invoke(app, args).stdout


def test_the_disclosure_threshold_withholds_small_numbers_of_people(tmp_path: Path) -> None:
    """Issue 14: three people on two lists must not print "observed 3" or a dark figure of 1."""
    path = tmp_path / "three.csv"
    path.write_text("A,B,count\n1,0,1\n0,1,1\n1,1,1\n", encoding="utf-8")
    result = runner.invoke(app, ["estimate", "--data", str(path)])
    assert result.exit_code == 0, result.output
    assert "<5" in result.stdout and "withheld" in result.stdout
    rows = {
        line.split("│")[1].strip(): line.split("│")[2].strip()
        for line in result.stdout.splitlines()
        if line.count("│") == 3
    }
    assert rows["observed (on at least one list)"] == "<5"
    assert rows["estimated total population"] == rows["estimated on no list"] == "x"
    assert rows["95% interval"] == "x – x"
    payload = json.loads(runner.invoke(app, ["estimate", "--data", str(path), "--json"]).stdout)
    assert payload["observed"] == "<5" and payload["estimate"] == "x" and payload["interval"] == ["x", "x"]
    loose = json.loads(
        runner.invoke(app, ["estimate", "--data", str(path), "--json", "--disclosure-threshold", "2"]).stdout
    )
    assert loose["observed"] == 3 and loose["disclosure"]["threshold"] == 2


def test_bootstrap_takes_a_number_or_auto(run_main, shared_data: Path) -> None:
    path = shared_data / "mse" / "western_us_5list" / "Western.csv"
    code, _out, err = run_main(["estimate", "--data", str(path), "--bootstrap-replicates", "lots"])
    assert code == 2 and "'auto'" in err
    payload = json.loads(
        runner.invoke(
            app, ["estimate", "--data", str(path), "-m", "main", "-b", "1,000", "--seed", "1", "--json"]
        ).stdout
    )
    assert payload["bootstrap"]["requested"] == 1000 and payload["bootstrap"]["replicates"] == 1000
    assert len(payload["bootstrap"]["monte_carlo_se"]) == 2


def test_independent_runs_give_the_median_limits_and_their_monte_carlo_range(
    run_main, shared_data: Path
) -> None:
    path = shared_data / "mse" / "western_us_5list" / "Western.csv"
    code, _out, err = run_main(["estimate", "--data", str(path), "-b", "40", "--bootstrap-runs", "many"])
    assert code == 2 and "--bootstrap-runs" in err
    args = ["estimate", "--data", str(path), "-m", "main", "-b", "40", "--bootstrap-runs", "3", "--seed", "1"]
    payload = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert payload["bootstrap"]["runs"] == 3 and payload["bootstrap"]["replicates"] == 120
    (low_a, low_b), (high_a, high_b) = payload["bootstrap"]["monte_carlo_range"]
    assert low_a <= payload["interval"][0] <= low_b and high_a <= payload["interval"][1] <= high_b
    text = runner.invoke(app, args).stdout
    assert "median of the limits of 3 independent runs" in text and "Monte Carlo range" in text


@pytest.mark.parametrize(
    ("path", "what"),
    [
        ("ctdc/k_anon_sample.csv", "CTDC victim-level data (source ctdc, layout k_anonymised)"),
        ("unodc/data_glotip_2023-05-30.xlsx", "UNODC GLOTIP country data (source unodc_glotip"),
        ("tip/tip_tiers_1999_2015.csv", "US TIP Report tier placements"),
    ],
)
def test_a_file_of_another_source_is_named_with_the_right_command(
    run_main, shared_data: Path, path, what
) -> None:
    # the review (finding 16): "row 2, column 'By using this data you agree…': list membership must be 0 or 1"
    code, out, err = run_main(["estimate", "--data", str(shared_data / path)])
    assert code == 2 and "Traceback" not in err + out
    message = " ".join(err.split())
    assert path.split("/")[-1] in message and what in message and "list membership" not in message
    assert "not list-capture data" in message and "`evidence data load`" in message


@pytest.mark.parametrize(
    "options, said",
    [
        (["--p-enter", "2"], "--p-enter 2: the stepwise selection's threshold is a p-value between 0 and 1"),
        (["--bootstrap-replicates", "-5"], "--bootstrap-replicates takes a number of replicates (0 or more)"),
        (["--bootstrap-runs", "0"], "--bootstrap-runs takes a number of independent runs (1 or more)"),
    ],
)
def test_bad_options_are_named_as_typed(run_main, options, said) -> None:
    """`--p-enter 2` said "p_enter is ..."; `--bootstrap-replicates -5` announced a bootstrap of -5 replicates first."""
    code, _, err = run_main(["estimate", *options])
    text = " ".join(err.split())
    assert code == 2 and f"error: {said}" in text and "p_enter" not in text and "bootstrapping" not in text


def test_a_second_list_file_is_refused_not_silently_chosen(run_main, shared_data: Path) -> None:
    """`estimate --data A --data B` estimated from B alone and said nothing of A (typer keeps the last value
    of a repeated option): an analyst who gave two files believed both were used."""
    four = shared_data / "mse" / "uk_2013_4list" / "UKdat_4.csv"
    five = shared_data / "mse" / "uk_2013_5list" / "UKdat_5.csv"
    code, out, err = run_main(["estimate", "--data", str(four), "--data", str(five), "--json"])
    text = " ".join(err.split())
    assert code == 2 and "error: --data: estimate reads one list-capture file" in text, err
    assert str(four) in text and str(five) in text
    assert json.loads(out)["error"]["code"] == "invalid_parameter"


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--bootstrap-runs", "3"], "--bootstrap-runs repeats the bootstrap: give --bootstrap-replicates N"),
        (
            ["--bootstrap-runs", "auto"],
            "--bootstrap-runs repeats the bootstrap: give --bootstrap-replicates N",
        ),
        (
            ["-b", "auto", "--bootstrap-runs", "3"],
            "--bootstrap-replicates auto chooses the number of runs itself",
        ),
        (["-m", "bic", "--p-enter", "0.05"], "--p-enter is the stepwise selection's threshold"),
        (["-m", "main", "--downhill-start", "full"], "--downhill-start is where the downhill search starts"),
        (["-m", "main", "--max-order", "3"], "--max-order is the highest interaction order searched"),
    ],
)
def test_options_the_method_does_not_use_are_refused(run_main, shared_data: Path, options, said) -> None:
    """`--bootstrap-runs 3` without a bootstrap, `--p-enter` with another method than stepwise and `--downhill-start`
    with another than downhill were ignored without a word: the estimate printed was not the one asked for."""
    path = shared_data / "mse" / "uk_2013_4list" / "UKdat_4.csv"
    code, out, err = run_main(["estimate", "--data", str(path), *options])
    assert code == 2 and f"error: {said}" in " ".join(err.split()), err
    assert out == ""


def test_options_at_their_defaults_or_of_the_method_are_taken(run_main, shared_data: Path) -> None:
    path = shared_data / "mse" / "uk_2013_4list" / "UKdat_4.csv"
    for options in (
        ["--bootstrap-runs", "1"],
        ["-m", "stepwise", "--p-enter", "0.05"],
        ["-m", "downhill", "--downhill-start", "full"],
    ):
        code, _, err = run_main(["estimate", "--data", str(path), *options])
        assert code == 0, err


def test_the_bootstrap_settings_have_the_notebooks_names_in_help(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hidden_population notebook and the Python API say bootstrap_replicates and bootstrap_runs; the CLI said
    --bootstrap and --runs. Its names are now --bootstrap-replicates and --bootstrap-runs, the old ones hidden,
    and the help says how its defaults differ from the notebook's (a quick estimate, not a brief)."""
    from evidence.cli.options import RENAMED_OPTIONS

    assert RENAMED_OPTIONS["--bootstrap"] == "--bootstrap-replicates"
    assert RENAMED_OPTIONS["--runs"] == "--bootstrap-runs"
    result = runner.invoke(app, ["estimate", "--help"])
    words = result.stdout.split()
    assert "--bootstrap-replicates" in words and "--bootstrap-runs" in words
    assert "--bootstrap" not in words and "--runs" not in words
    text = " ".join(words)
    assert "defaults to 1000 for a brief" in text and "the notebook's default" in text


def test_the_old_names_of_the_bootstrap_settings_still_work_and_say_so(run_main, shared_data: Path) -> None:
    """Scripts that give --bootstrap and --runs keep working, the same as the new names, with one line on
    standard error for each; an old name given with its new one is refused (which value was meant?)."""
    path = str(shared_data / "mse" / "western_us_5list" / "Western.csv")
    args = ["estimate", "--data", path, "-m", "main", "--seed", "1", "--json"]
    code, new, err = run_main([*args, "--bootstrap-replicates", "40", "--bootstrap-runs", "2"])
    assert code in (0, None) and "old name" not in err, err
    assert json.loads(new)["bootstrap"]["runs"] == 2
    code, old, err = run_main([*args, "--bootstrap", "40", "--runs=2"])
    assert code in (0, None) and old == new, err
    said = " ".join(err.split())
    assert said.count("warning: --bootstrap is the old name of --bootstrap-replicates") == 1, err
    assert said.count("warning: --runs is the old name of --bootstrap-runs") == 1, err
    code, out, _ = run_main([*args, "--runs", "2", "--bootstrap-runs", "2", "-b", "40"])
    error = json.loads(out)["error"]
    assert code == 2 and "--runs is the old name of --bootstrap-runs: give it once" in error["message"]


def test_an_unknown_method_is_refused_naming_the_option_before_the_lists_are_read(run_main) -> None:
    """``--method foo`` printed the demo lists' warning, read the lists, and then said "unknown method 'foo'"."""
    code, _, err = run_main(["estimate", "--method", "foo"])
    text = " ".join(err.split())
    assert code == 2 and text.startswith(
        "error: --method 'foo': unknown method; choose one of stepwise, bic, downhill, main"
    ), err
    assert "SYNTHETIC" not in text


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--max-order", "1"], "--max-order 1"),
        (["--max-order", "9"], "--max-order 9"),
        (["-b", "5"], "--bootstrap-replicates 5"),
        (["-b", "100", "--seed", "-1"], "--seed: "),
    ],
)
def test_a_value_out_of_range_is_refused_by_its_option_before_any_work(args: list[str], flag: str) -> None:
    # before: "the maximum interaction order must be …", "the bootstrap's seed must be …" (which option?), after
    # the demo lists' warning and "bootstrapping the whole model choice: 1 run of 5 replicates…"
    result = runner.invoke(app, ["estimate", *args])
    assert isinstance(result.exception, ParameterError), result.output
    assert str(result.exception).startswith(flag)
    assert "bootstrapping" not in result.output and "SYNTHETIC" not in result.output


def test_a_solver_failure_is_one_line_of_error_not_a_traceback(run_main, monkeypatch) -> None:
    """HiGHS leaving the existence check's programme unanswered ends the command with one line (exit 1: found
    once the command ran), and, with --json, a document with the error."""
    from _unanswering_highs import unanswering_highs

    unanswering_highs(monkeypatch)
    code, out, err = run_main(["estimate"])
    assert code == 1 and "Traceback" not in err + out
    last = err.splitlines()[-1]  # after the demo lists' warning
    assert last.startswith("error:") and "Solve error" in last and "linear programme" in last
    code, out, _err = run_main(["estimate", "--json"])
    error = json.loads(out)["error"]
    assert code == error["exit_code"] == 1 and error["code"] == "error" and "Solve error" in error["message"]
