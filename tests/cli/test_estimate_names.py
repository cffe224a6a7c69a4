"""One name per bootstrap setting in the Python API too: estimate_population and sensitivity take
bootstrap_replicates and bootstrap_runs (the CLI's --bootstrap-replicates and --bootstrap-runs, the
hidden_population notebook's parameters); the old keywords bootstrap= and runs= still work, with a warning."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from evidence.analyses.estimation import estimate_population
from evidence.analyses.estimation.estimate import as_list_capture
from evidence.analyses.estimation.sensitivity import model_choices, sensitivity


@pytest.fixture(scope="module")
def western(shared_data: Path) -> Path:
    return shared_data / "mse" / "western_us_5list" / "Western.csv"


def test_the_api_takes_the_new_names(western: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new names warn of nothing
        result = estimate_population(
            western, method="main", bootstrap_replicates=20, bootstrap_runs=2, seed=3
        )
    assert (result.bootstrap_requested, result.runs_requested) == (20, 2)
    assert (result.bootstrap_replicates, result.bootstrap_runs) == (40, 2)


def test_the_old_keywords_still_work_and_say_so(western: Path) -> None:
    new = estimate_population(western, method="main", bootstrap_replicates=20, bootstrap_runs=2, seed=3)
    with pytest.warns(DeprecationWarning) as said:
        old = estimate_population(western, method="main", bootstrap=20, runs=2, seed=3)
    messages = sorted(str(w.message) for w in said)
    assert len(messages) == 2, messages
    assert "bootstrap= is the old name of bootstrap_replicates=" in messages[0]
    assert "runs= is the old name of bootstrap_runs=" in messages[1]
    assert old.to_dict() == new.to_dict()
    with pytest.warns(DeprecationWarning, match="sensitivity\\(\\): bootstrap= is the old name"):
        rows = sensitivity(as_list_capture(western), model_choices(5)[:1], bootstrap=0)
    assert rows[0].result is not None


def test_an_old_keyword_with_its_new_one_or_an_unknown_keyword_is_refused(western: Path) -> None:
    with pytest.raises(TypeError, match="bootstrap= is the old name of bootstrap_replicates=; give it once"):
        estimate_population(western, bootstrap_replicates=20, bootstrap=30)
    with pytest.raises(TypeError, match="unexpected keyword argument 'replicates'"):
        estimate_population(western, replicates=20)
    with pytest.raises(TypeError, match="unexpected keyword argument 'runs'"):
        sensitivity(as_list_capture(western), runs=2)
