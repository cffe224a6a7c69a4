"""The data-aware check before a kernel starts: default years from the data, empty selections refused.

Nothing here starts a kernel (these tests run in the fast lane, where starting one fails), which is itself part
of what is checked: a refused selection never reaches a kernel.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from evidence.core.errors import InputError, ParameterError
from evidence.notebooks.catalog import parse_parameters, parse_selection, read_notebook
from evidence.runs.batch import prepare_plan, read_plan
from evidence.runs.execute import prepare_run
from evidence.runs.selection_check import EmptySelectionError


@pytest.fixture(scope="module")
def real(shared_data: Path) -> dict[str, str]:
    return {
        "ctdc": str(shared_data / "ctdc" / "k_anon_sample.csv"),
        "unodc": str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"),
        "gsi": str(shared_data / "walkfree" / "gsi_2023.xlsx"),
        "tip": str(shared_data / "tip" / "tip_tiers_1999_2015.csv"),
    }


def test_an_empty_window_is_refused_naming_the_years_the_data_hold(real, tmp_path):
    with pytest.raises(EmptySelectionError) as refused:
        prepare_run(
            "country_brief",
            {
                "country": "THA",
                "role": "destination",
                "year_from": 2012,
                "year_to": 2023,
                "data": [real["ctdc"]],
            },
            out_root=tmp_path,
        )
    message = str(refused.value)
    assert "no victims of Thailand as country of destination in 2012–2023" in message
    assert "CTDC k-anonymised global dataset" in message and ": 2010" in message
    assert "--allow-empty" in message
    assert isinstance(refused.value, ParameterError)  # exit code 2, like every invalid parameter
    assert not list(tmp_path.iterdir())  # nothing was started or written


def test_allow_empty_runs_it_anyway(real, tmp_path):
    prepared = prepare_run(
        "country_brief",
        {"country": "THA", "role": "destination", "year_from": 2012, "year_to": 2023, "data": [real["ctdc"]]},
        out_root=tmp_path,
        allow_empty=True,
    )
    assert prepared.parameters["year_from"] == 2012 and prepared.parameters["year_to"] == 2023


def test_default_years_are_the_span_the_data_hold(real, tmp_path):
    from evidence.analyses.coverage import coverage
    from evidence.sources.cache import load_cached

    data = [real[k] for k in ("ctdc", "unodc", "gsi", "tip")]
    prepared = prepare_run(
        "country_brief", {"country": "THA", "role": "destination", "data": data}, out_root=tmp_path
    )
    span = coverage([load_cached(p) for p in data], "THA", "destination").span
    assert (prepared.parameters["year_from"], prepared.parameters["year_to"]) == span
    assert prepared.run_id.startswith(f"country_brief-THA-destination-{span[0]}-{span[1]}-")
    # CTDC alone: its one year for Thailand
    alone = prepare_run(
        "country_brief", {"country": "THA", "role": "destination", "data": data[:1]}, out_root=tmp_path
    )
    assert (alone.parameters["year_from"], alone.parameters["year_to"]) == (2010, 2010)
    # one end given, the other from the data
    half = prepare_run(
        "country_brief",
        {"country": "THA", "role": "destination", "year_from": 2015, "data": data},
        out_root=tmp_path,
    )
    assert (half.parameters["year_from"], half.parameters["year_to"]) == (2015, span[1])


def test_a_year_after_the_data_says_the_other_end_came_from_the_data(real, tmp_path):
    """``-p year_from 2022`` was refused "(given year_from=2022, year_to=2021)": the user gave no year_to, the
    data's last year filled it."""
    with pytest.raises(ParameterError) as refused:
        prepare_run(
            "country_brief",
            {"country": "THA", "role": "destination", "year_from": 2022, "data": [real["unodc"]]},
            out_root=tmp_path,
        )
    message = str(refused.value)
    assert "year_to not given: 2021, the last year the data hold" in message, message
    assert "year_from not given" not in message
    assert not list(tmp_path.iterdir())


def test_a_year_given_beyond_the_data_is_an_empty_selection_not_a_bad_parameter(real, tmp_path):
    """``year_from: 2012`` in a weekly plan, for a country the data hold only in 2010: the filled ``year_to``
    (2010) made the run *invalid* ("requires year_from <= year_to"), which stopped the whole batch (exit 2)
    where the docs promise a selection with no victims is listed as empty and the others go ahead."""
    with pytest.raises(EmptySelectionError) as refused:
        prepare_run(
            "country_brief",
            {"country": "THA", "role": "destination", "year_from": 2012, "data": [real["ctdc"]]},
            out_root=tmp_path,
        )
    message = " ".join(str(refused.value).split())
    assert "no victims of Thailand as country of destination in 2012 or later" in message, message
    assert "year_to not given: 2010, the last year the data hold" in message and "--allow-empty" in message
    assert "the years the data hold: 2010)" in message, message  # one year, not "2010-2010"
    with pytest.raises(EmptySelectionError, match="in 2005 or earlier"):
        prepare_run(
            "country_brief",
            {"country": "THA", "role": "destination", "year_to": 2005, "data": [real["ctdc"]]},
            out_root=tmp_path,
        )
    # --allow-empty runs it anyway: the one year given
    anyway = prepare_run(
        "country_brief",
        {"country": "THA", "role": "destination", "year_from": 2012, "data": [real["ctdc"]]},
        out_root=tmp_path,
        allow_empty=True,
    )
    assert (anyway.parameters["year_from"], anyway.parameters["year_to"]) == (2012, 2012)
    # a plan's grid: the country without victims from 2012 on is empty, the other goes ahead
    plan = _plan(tmp_path, real)
    grid = json.loads(plan.read_text(encoding="utf-8"))
    del grid["parameters"]["year_to"]
    plan.write_text(json.dumps(grid), encoding="utf-8")
    empty: list = []
    prepared = prepare_plan(read_plan(plan).runs, out_root=tmp_path / "runs", empty=empty)
    assert [p.parameters["country"] for p in prepared] == ["KHM"]
    assert [o.status for o in empty] == ["empty"] and "2012 or later" in empty[0].error


def test_a_country_no_year_of_the_data_holds_is_not_told_to_choose_other_years(real, shared_data, tmp_path):
    """`trend -c THA` on the Victim–Perpetrator file (UN regions only) said "choose years the data hold" of data
    that hold no year for any country: other years cannot help, other data can."""
    from evidence.runs.selection_check import selection_with_victims
    from evidence.sources.registry import load

    vp = load(shared_data / "ctdc" / "vp_synthetic_condensed.csv")
    with pytest.raises(EmptySelectionError) as refused:
        selection_with_victims("trend", [vp], "THA", "both", None, allow_empty_option=False)
    assert str(refused.value).endswith("(choose other data)"), refused.value
    with pytest.raises(EmptySelectionError) as refused:
        prepare_run("country_brief", {"country": "ISL", "data": [real["ctdc"]]}, out_root=tmp_path)
    assert str(refused.value).endswith("(choose other data, or --allow-empty to run it anyway)"), (
        refused.value
    )
    # where the data hold other years, choosing them still helps
    with pytest.raises(EmptySelectionError, match=r"\(choose years the data hold, other data, or --allow"):
        prepare_run(
            "country_brief",
            {
                "country": "THA",
                "role": "destination",
                "year_from": 2012,
                "year_to": 2023,
                "data": [real["ctdc"]],
            },
            out_root=tmp_path,
        )


def test_years_that_only_cut_bands_of_years_are_refused_naming_the_bands(shared_data):
    """`trend --years 2010-2016` on the Victim–Perpetrator file named the single years it holds (2019–2020), not
    the bands of years (2005-2013, 2014-2018) that the years cut, whose records are left out."""
    from evidence.runs.selection_check import selection_with_victims
    from evidence.sources.registry import load

    vp = load(shared_data / "ctdc" / "vp_synthetic_condensed.csv")
    with pytest.raises(EmptySelectionError) as refused:
        selection_with_victims("trend", [vp], None, "both", "2010-2016", allow_empty_option=False)
    said = str(refused.value)
    assert "Years they hold: " in said and ": 2019–2020" in said
    assert "a band of years that 2010–2016 cuts" in said and "2005-2013, 2014-2018;" in said
    # years that hold a band whole keep the file (its band-dated records are the selection's)
    assert selection_with_victims("trend", [vp], None, "both", "2014-2018") == [vp]
    # years that cut no band say nothing of bands
    with pytest.raises(EmptySelectionError) as refused:
        selection_with_victims("trend", [vp], None, "both", "1990-1995")
    assert "band" not in str(refused.value)


def test_a_country_the_data_do_not_hold_at_all_is_refused(real, tmp_path):
    with pytest.raises(EmptySelectionError, match="Years they hold for it: CTDC .*: none"):
        prepare_run(
            "country_brief", {"country": "ISL", "role": "origin", "data": [real["ctdc"]]}, out_root=tmp_path
        )


def test_a_file_of_regions_only_is_said_to_record_no_countries(real, shared_data, tmp_path):
    """The Victim–Perpetrator dataset records UN regions, never countries: the refusal says so, not "none"."""
    vp = str(shared_data / "ctdc" / "vp_synthetic_condensed.csv")
    with pytest.raises(EmptySelectionError) as refused:
        prepare_run("country_brief", {"country": "VNM", "role": "origin", "data": [vp]}, out_root=tmp_path)
    message = str(refused.value)
    assert "Victim–Perpetrator" in message and "it records UN regions only, never countries" in message
    assert ": none" not in message


def test_the_cli_refuses_before_a_kernel_starts(real, tmp_path, monkeypatch, capsys):
    import sys

    from evidence.cli.main import main

    monkeypatch.setattr(
        sys,
        "argv",
        ["evidence", "brief", "THA", "--role", "destination", "--years", "2012-2023", "--data", real["ctdc"],
         "--out-root", str(tmp_path / "runs")],
    )  # fmt: skip
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "2010" in " ".join(err.split()) and "allow-empty" in err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


# ---------------------------------------------------------------------------------------- the declaration


PARAMETERS = """
country: str = "THA"  # ISO3
role: str = "both"  # one of: origin|destination|both
year_from: Optional[int] = None
year_to: Optional[int] = None
data: list[str] = []  # data files
label: str = "x"
"""


def _declared(line: str):
    source = "from typing import Optional\n" + PARAMETERS + line
    return parse_selection(source, parse_parameters(source))


def test_the_selection_line_is_read_and_checked():
    declared = _declared("# selection: country=country, role=role, years=year_from:year_to, data=data")
    assert (declared.country, declared.role, declared.year_from, declared.year_to, declared.data) == (
        "country",
        "role",
        "year_from",
        "year_to",
        "data",
    )
    assert _declared("") is None
    for bad, why in [
        ("# selection: role=role", "name the country"),
        ("# selection: country=nation", r"'nation' \(country\) is not a parameter"),
        ("# selection: country=country, years=year_from", "first:last"),
        ("# selection: country=country, place=country", "keys country, role, years, data"),
        ("# selection: country=country, data=label", "not a data-files parameter"),
    ]:
        with pytest.raises(InputError, match=why):
            _declared(bad)


def test_the_packaged_country_brief_declares_its_selection():
    declared = read_notebook("country_brief").selection
    assert declared is not None and declared.year_from == "year_from" and declared.data == "data"


# ------------------------------------------------------------------------------------------------ batches


def _plan(tmp_path: Path, real: dict[str, str], **extra: object) -> Path:
    plan = {
        "notebooks": ["country_brief"],
        "parameters": {
            "country": ["THA", "KHM"],
            "role": "destination",
            "year_from": 2012,
            "year_to": 2023,
            "data": [real["ctdc"]],
        },
        **extra,
    }
    path = tmp_path / "plan.yaml"
    path.write_text(json.dumps(plan), encoding="utf-8")
    return path


def test_a_batch_reports_empty_runs_and_goes_ahead_with_the_others(real, tmp_path):
    plan = read_plan(_plan(tmp_path, real, render=True))
    assert plan.render and not plan.allow_empty and len(plan.runs) == 2
    empty: list = []
    # Cambodia has victims in 2018 as a country of destination (KH → KH), Thailand none in 2012-2023
    prepared = prepare_plan(plan.runs, out_root=tmp_path / "runs", empty=empty)
    assert [p.parameters["country"] for p in prepared] == ["KHM"]
    assert [o.status for o in empty] == ["empty"] and "2010" in empty[0].error
    # without somewhere to put them, an empty run is an invalid run like any other (nothing runs)
    with pytest.raises(ParameterError, match="1 of 2 runs are invalid"):
        prepare_plan(plan.runs, out_root=tmp_path / "runs")
    assert len(prepare_plan(plan.runs, out_root=tmp_path / "runs", allow_empty=True)) == 2


def test_an_empty_run_the_plan_gives_twice_in_other_words_is_listed_once(real, tmp_path):
    """THA and Thailand (the role given or left to its default) are one run: executed once when it holds
    victims, and listed once (the repeat noted) when it holds none, as it was by its text."""
    plan = _plan(tmp_path, real)
    grid = json.loads(plan.read_text(encoding="utf-8"))
    grid["parameters"]["country"] = ["THA", "Thailand", "KHM", "Cambodia"]
    plan.write_text(json.dumps(grid), encoding="utf-8")
    empty: list = []
    repeated: list = []
    prepared = prepare_plan(read_plan(plan).runs, out_root=tmp_path / "runs", empty=empty, repeated=repeated)
    assert [p.parameters["country"] for p in prepared] == ["KHM"]
    assert [o.status for o in empty] == ["empty"]
    assert sorted(run.parameters["country"] for run, _ in repeated) == ["Cambodia", "Thailand"]


def test_plan_settings_must_be_true_or_false(real, tmp_path):
    with pytest.raises(InputError, match="render must be true or false"):
        read_plan(_plan(tmp_path, real, render="yes please"))


def test_a_notebook_without_a_declaration_is_not_read_against_its_data(tmp_path):
    nb = new_notebook(
        cells=[new_code_cell('country: str = "ISL"  # ISO3', metadata={"tags": ["parameters"]})]
    )
    path = tmp_path / "plain.ipynb"
    nbformat.write(nb, path)
    assert prepare_run(path, {}, out_root=tmp_path / "runs").parameters == {"country": "ISL"}


def test_list_capture_data_for_a_notebook_of_tables_is_refused_before_a_kernel(shared_data, tmp_path):
    """REVIEW12 m11: data_quality on a list-capture CSV failed in the kernel ("UnknownFormatError … in cell 3")
    and pointed to `evidence estimate` only. It is refused by the parameter check (no kernel in this lane),
    naming the file and the notebook that reads it; hidden_population takes the same file."""
    lists = shared_data / "mse" / "uk_2013_5list" / "UKdat_5.csv"
    for notebook in ("data_quality", "trends"):
        with pytest.raises(ParameterError) as refused:
            prepare_run(notebook, {"data": [str(lists)]}, out_root=tmp_path)
        message = str(refused.value)
        assert message.startswith(f"{notebook}: {lists} is list-capture data"), message
        assert f"evidence run hidden_population --data {lists}" in message
        assert f"evidence estimate --data {lists}" in message
    # one of several files is enough to refuse the run
    ctdc = shared_data / "ctdc" / "k_anon_sample.csv"
    with pytest.raises(ParameterError, match="list-capture data"):
        prepare_run("data_quality", {"data": [str(ctdc), str(lists)]}, out_root=tmp_path)
    assert not list(tmp_path.iterdir())  # nothing was started or written
    prepared = prepare_run("hidden_population", {"data": [str(lists)]}, out_root=tmp_path)
    assert prepared.notebook_name == "hidden_population"
    assert (
        prepare_run("data_quality", {"data": [str(ctdc)]}, out_root=tmp_path).notebook_name == "data_quality"
    )


def test_a_notebook_of_victims_given_only_context_data_is_refused_before_a_kernel(real, tmp_path):
    """QA27: `evidence run routes -p country THA --data tip_tiers.csv` (or GSI only) passed the check, since the
    TIP tiers hold Thailand, started a kernel and failed in it: "failed: ValueError: routes needs case data
    (CTDC) or UNODC country data ... (in cell 3)", exit 1, a failed run folder; in a batch a failed run, not an
    invalid one. `evidence flows` refuses the same file before anything runs (exit 2): so do run, brief and
    batch, naming the files and what they hold; `--allow-empty` cannot make such a run work and changes nothing."""
    for notebook in ("routes", "trends"):
        for context in (["tip"], ["gsi"], ["tip", "gsi"]):
            files = [real[k] for k in context]
            for allow_empty in (False, True):
                with pytest.raises(ParameterError) as refused:
                    prepare_run(
                        notebook,
                        {"country": "THA", "data": files},
                        out_root=tmp_path,
                        allow_empty=allow_empty,
                    )
                message = " ".join(str(refused.value).split())
                assert not isinstance(refused.value, EmptySelectionError)  # invalid, not empty: exit 2
                assert message.startswith(f"{notebook} needs case data (CTDC) or UNODC country data"), message
                for file in files:
                    assert f"{file}: " in message, message
                assert "--data" in message
    assert not list(tmp_path.iterdir())  # nothing was started or written
    # a file of victims among them is enough; the country brief reads context data alone
    assert prepare_run("routes", {"country": "KHM", "data": [real["tip"], real["ctdc"]]}, out_root=tmp_path)
    assert prepare_run("country_brief", {"country": "THA", "data": [real["tip"]]}, out_root=tmp_path)


def _list_capture_workbook(path: Path) -> Path:
    """A workbook of 0/1 list columns and a count (what `evidence estimate` and hidden_population read), its table
    below an empty row and from column B."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "lists"
    sheet.append([])
    for row in (["police", "ngo", "health", "n"], [1, 0, 0, 10], [0, 1, 1, 8]):
        sheet.append([None, *row])
    book.save(path)
    return path


def test_a_list_capture_workbook_for_a_notebook_of_tables_is_refused_as_a_csv_is(tmp_path):
    """left28 taught `data load`/`validate` to name a list-capture workbook (.xlsx), but a run still skipped every
    workbook: data_quality failed in its kernel ('UnknownFormatError … in cell 3'), and trends with a country
    failed on the data load's error, naming `evidence estimate` but not the notebook that reads the file. A
    workbook is refused before a kernel as the same table saved as CSV is."""
    lists = _list_capture_workbook(tmp_path / "lists.xlsx")
    for notebook, parameters in (("data_quality", {}), ("trends", {"country": "THA"})):
        with pytest.raises(ParameterError) as refused:
            prepare_run(notebook, {**parameters, "data": [str(lists)]}, out_root=tmp_path / "runs")
        message = str(refused.value)
        assert message.startswith(f"{notebook}: {lists} is list-capture data"), message
        assert "sheet 'lists'" in message and "and a count column" in message
        assert f"evidence run hidden_population --data {lists}" in message
        assert f"evidence estimate --data {lists}" in message
    assert not (tmp_path / "runs").exists()  # nothing was started or written
    assert prepare_run("hidden_population", {"data": [str(lists)]}, out_root=tmp_path).notebook_name == (
        "hidden_population"
    )


def test_a_workbook_a_loader_has_read_is_not_peeked_for_list_capture_data(real, monkeypatch):
    """The list-capture check of a run reads a workbook's top rows only when no loader has read the file
    before (the tables cache remembers which loader reads each content): the GSI workbook's sheets took 0.16 s
    to peek on every run, for a file the loaders had long read."""
    from evidence.runs.selection_check import refuse_list_capture
    from evidence.sources import workbook
    from evidence.sources.cache import load_cached

    for file in (real["gsi"], real["unodc"]):
        load_cached(file)  # read once (by this run or an earlier one): its loader is remembered
    workbook._workbook_head.cache_clear()

    def peeked(path):
        raise AssertionError(f"{path} was peeked")

    monkeypatch.setattr(workbook, "_peek", peeked)
    refuse_list_capture(read_notebook("data_quality"), [real["gsi"], real["unodc"], real["ctdc"]])
