"""The CLI's machine-readable interface as ``docs/scheduling.md`` documents it: every ``--json`` document's keys and
types ("JSON output"), the error document, and the exit codes ("Exit codes"), checked against real output, so
that the documentation and the commands cannot drift apart. Plain Python: no JSON Schema library."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest

DOCS = Path(__file__).parents[2] / "docs" / "scheduling.md"

# ------------------------------------------------------------------------------------------- the documentation


@dataclass(frozen=True)
class Key:
    """One documented key: its path (``flows[].victims``), the types it may take, whether it may be absent."""

    path: str
    types: tuple[str, ...]
    optional: bool


def _section(text: str, heading: str) -> str:
    """The text of the ``## heading`` section of the docs, up to the next section of that level."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _rows(text: str) -> list[list[str]]:
    """The cells of every table row of ``text`` (header and rule lines left out)."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("|") or set(line) <= {"|", "-", " "}:
            continue
        rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows


def documented() -> dict[str, list[Key]]:
    """The documented keys of every document (``evidence.flows``...), the shared objects' keys under ``shared``."""
    section = _section(DOCS.read_text(encoding="utf-8"), "JSON output")
    documents: dict[str, list[Key]] = {}
    for part in re.split(r"\n### ", section)[1:]:
        name, _, body = part.partition("\n")
        keys = []
        for cells in _rows(body):
            if cells[0] == "key":
                continue
            path = cells[0].strip("`")
            kind = cells[1]
            optional = kind.endswith("(optional)")
            types = tuple(t.strip() for t in kind.removesuffix("(optional)").split(" or "))
            keys.append(Key(path, types, optional))
        documents["shared" if name.strip() == "Shared objects" else name.strip()] = keys
    return documents


def documented_exit_codes() -> dict[int, str]:
    section = _section(DOCS.read_text(encoding="utf-8"), "Exit codes")
    return {int(cells[0]): cells[1] for cells in _rows(section) if cells[0].isdigit()}


# ----------------------------------------------------------------------------------------------- the checks


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_count_cell(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or isinstance(value, str)


TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
    "any": lambda v: True,
    "pair": lambda v: isinstance(v, list) and len(v) == 2,
    # a count of people as published: a number, a withheld cell's label, or a censored [low, high] pair of those
    "count": lambda v: (
        _is_count_cell(v) or (isinstance(v, list) and len(v) == 2 and all(map(_is_count_cell, v)))
    ),
    "share": lambda v: _is_number(v) or (isinstance(v, list) and len(v) == 2 and all(map(_is_number, v))),
}


def _values(document: Any, path: str) -> list[tuple[bool, Any]]:
    """(present, value) for each place ``path`` names in ``document`` (``a[].b``: the ``b`` of each element)."""
    places: list[tuple[bool, Any]] = [(True, document)]
    for step in path.split("."):
        each = step.endswith("[]")
        name = step.removesuffix("[]")
        found: list[tuple[bool, Any]] = []
        for present, value in places:
            if not present:
                continue
            if not isinstance(value, dict) or name not in value:
                found.append((False, None))
                continue
            inner = value[name]
            if each:
                found.extend((True, element) for element in (inner if isinstance(inner, list) else []))
            else:
                found.append((True, inner))
        places = found
    return places


def check_document(document: Any, schema: str) -> None:
    """``document`` is the documented ``schema``: every key documented (at the top level, and in every object
    whose keys are documented), every documented key present unless optional, each of a documented type."""
    keys = documented()
    assert isinstance(document, dict), document
    assert document.get("schema") == schema and document.get("schema_version") == 1, list(document)[:2]
    assert list(document)[:2] == ["schema", "schema_version"]
    rows = list(keys[schema])
    tops = {k.path for k in rows}
    rows += [k for k in keys["shared"] if k.path.split(".")[0] in tops]  # data.*, disclosure.*
    problems = []
    for key in rows:
        for present, value in _values(document, key.path):
            if not present:
                if not key.optional:
                    problems.append(f"{key.path}: missing")
                continue
            if not any(TYPES[t](value) for t in key.types):
                problems.append(f"{key.path}: {value!r} is not {' or '.join(key.types)}")
    # closed objects: the top level, and each documented object whose keys are documented
    objects = {""} | {k.path for k in rows if "object" in k.types}
    for parent in objects:
        children = {k.path.rsplit(".", 1)[-1] for k in rows if k.path.rpartition(".")[0] == parent}
        if not children:
            continue
        for present, value in _values(document, parent) if parent else [(True, document)]:
            if present and isinstance(value, dict):
                extra = set(value) - children
                problems += [
                    f"{parent + '.' if parent else ''}{name}: not documented" for name in sorted(extra)
                ]
    assert not problems, f"{schema} differs from docs/scheduling.md:\n  " + "\n  ".join(problems)


def json_commands() -> set[str]:
    """The schema of every command that takes ``--json``: ``evidence.`` and its words joined by dots."""
    import typer.main

    from evidence.cli.main import app

    found = set()

    def walk(command: Any, words: list[str]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*words, name])
        if any("--json" in getattr(p, "opts", ()) for p in getattr(command, "params", ())):
            found.add(".".join(["evidence", *words]))

    walk(typer.main.get_command(app), [])
    return found


# --------------------------------------------------------------------------------------------------- tests


def test_every_command_with_json_is_documented_and_nothing_else_is():
    documents = set(documented()) - {"shared"}
    assert json_commands() | {"evidence.error", "evidence.list", "evidence.notebook"} == documents


def _json(run_main, *args: str) -> dict[str, Any]:
    code, out, err = run_main([*args, "--json"])
    assert code in (0, None), err
    return json.loads(out)


@pytest.fixture(scope="module")
def json_documents_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("json-documents-cache")


@pytest.fixture
def quiet_environment(tmp_path, monkeypatch, json_documents_cache):
    # A cache of the tests' own (never the user's), one for the module: the commands here read the same real
    # releases (UNODC's workbook in five tests, GSI's in two), whose cached tables are the same whichever test
    # built them (the cache is keyed by the file's content and the loader), and none of these tests is about a
    # cold cache; each loaded UNODC's workbook anew, ~0.5 CPU-s a test.
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(json_documents_cache))
    monkeypatch.delenv("EVIDENCE_DATA", raising=False)
    return tmp_path


@pytest.mark.parametrize(
    "schema, args",
    [
        ("evidence.flows", ["flows", "--data", "{ctdc}", "--country", "USA"]),
        ("evidence.flows", ["flows", "--data", "{unodc}", "--country", "THA"]),
        ("evidence.trend", ["trend", "--data", "{ctdc}", "--country", "USA", "--by", "gender"]),
        ("evidence.trend", ["trend", "--data", "{unodc}", "--country", "THA"]),
        ("evidence.estimate", ["estimate", "--data", "{mse}"]),
        # two bootstrap runs: bootstrap.rounds[] and its pairs
        (
            "evidence.estimate",
            ["estimate", "--data", "{western}", "-m", "main", "-b", "40", "--bootstrap-runs", "2"],
        ),
        ("evidence.compare", ["compare", "THA", "--data", "{unodc}", "--data", "{gsi}", "--data", "{tip}"]),
        ("evidence.data.load", ["data", "load", "{ctdc}", "--out", "{tmp}/table.parquet"]),
        ("evidence.data.list", ["data", "list"]),
        ("evidence.data.demo", ["data", "demo", "--rows", "20", "--out", "{tmp}/demo.csv"]),
    ],
)
def test_each_commands_json_is_as_documented(run_main, shared_data, quiet_environment, schema, args):
    files = {
        "ctdc": shared_data / "ctdc" / "k_anon_sample.csv",
        "unodc": shared_data / "unodc" / "data_glotip_2023-05-30.xlsx",
        "gsi": shared_data / "walkfree" / "gsi_2023.xlsx",
        "tip": shared_data / "tip" / "tip_tiers_1999_2015.csv",
        "mse": shared_data / "mse" / "new_orleans_5list" / "NewOrl_5_185cases_SparseMSE.csv",
        "western": shared_data / "mse" / "western_us_5list" / "Western.csv",
        "tmp": quiet_environment,
    }
    check_document(_json(run_main, *(a.format(**files) for a in args)), schema)


def test_compares_values_have_the_one_shape_of_a_number_or_its_label(
    run_main, shared_data, quiet_environment
):
    """A measure's ``value`` (whose keys are measures, not documented one by one): a number, a ``[low, high]``
    pair, the label where withheld (what ``display`` shows), or null; no ``value_low`` or ``value_high``."""
    unodc, gsi = (
        shared_data / "unodc" / "data_glotip_2023-05-30.xlsx",
        shared_data / "walkfree" / "gsi_2023.xlsx",
    )
    document = _json(
        run_main, "compare", "THA", "--peers", "SGP,MMR", "--data", str(unodc), "--data", str(gsi)
    )
    measures = [m for country in document["countries"] for m in country["measures"].values()]
    keys = {"description", "value", "label", "display", "withheld", "year", "source", "note"}
    assert measures and all(set(m) == keys for m in measures)
    for m in measures:
        value = m["value"]
        if m["withheld"]:
            assert value == m["display"] and isinstance(value, str), m
        else:
            assert value is None or TYPES["share"](value) or _is_number(value), m
    assert any(m["withheld"] for m in measures)  # Singapore's <5 detected victims and their rates


def test_an_answer_for_several_files_is_a_list_of_documents(run_main, shared_data, quiet_environment):
    ctdc, unodc = (
        shared_data / "ctdc" / "k_anon_sample.csv",
        shared_data / "unodc" / "data_glotip_2023-05-30.xlsx",
    )
    document = _json(run_main, "flows", "--data", str(ctdc), "--data", str(unodc), "--country", "USA")
    check_document(document, "evidence.list")
    assert len(document["items"]) == 2
    for item in document["items"]:
        check_document(item, "evidence.flows")


def test_the_register_commands_json_is_as_documented(run_main, tmp_path, monkeypatch):
    from evidence.sources.register.synthetic import write_exports

    monkeypatch.setenv("EVIDENCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("EVIDENCE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("EVIDENCE_REGISTER_KEY", raising=False)
    exports = write_exports(tmp_path / "exports", people=150, months=2)
    mapping = exports[0].parent / "cases.mapping.yaml"
    for export in exports:
        check_document(
            _json(run_main, "register", "import", str(export), "--mapping", str(mapping)),
            "evidence.register.import",
        )
    check_document(_json(run_main, "register", "status"), "evidence.register.status")
    figures = _json(run_main, "register", "figures", "--from", "1800")
    check_document(figures, "evidence.register.figures")
    # every count as flows' and trend's: an integer, or the label in its place where withheld
    rows = [row for table in figures["tables"].values() for row in table["rows"]]
    assert rows and all(
        set(row) == {"category", "victims"} and _is_count_cell(row["victims"]) for row in rows
    )
    export = _json(run_main, "register", "export-ctdc", str(tmp_path / "ctdc.csv"), "--k", "5")
    check_document(export, "evidence.register.export-ctdc")
    check_document(
        _json(run_main, "register", "lists", str(tmp_path / "lists.csv")), "evidence.register.lists"
    )
    check_document(
        _json(run_main, "register", "snapshot", str(tmp_path / "snapshot.parquet")),
        "evidence.register.snapshot",
    )
    case_id = pl.read_csv(exports[0], infer_schema=False).row(0)[0]
    for dry_run in (["--dry-run"], []):
        erased = _json(run_main, "register", "erase", case_id, "--reason", "consent-withdrawn", *dry_run)
        check_document(erased, "evidence.register.erase")
        assert erased["persons_erased"] == 1 and erased["dry_run"] == bool(dry_run)
    check_document(_json(run_main, "register", "status"), "evidence.register.status")


# ---------------------------------------------------------------------------------------- errors, exit codes


def test_the_documented_exit_codes_are_the_ones_the_cli_uses():
    from evidence.cli.options import BROKEN_PIPE_EXIT

    assert set(documented_exit_codes()) == {0, 1, 2, 130, BROKEN_PIPE_EXIT}


@pytest.mark.parametrize(
    "args, code, error_code",
    [
        (["flows", "--yeras", "2020"], 2, "usage"),  # a usage error, as click reports it
        (["flows", "--disclosure-threshold", "1"], 2, "usage"),  # a value out of the option's range
        (["data", "validate", "{missing}"], 2, "invalid_input"),
        (["no-such-command"], 2, "usage"),
        (["flows", "--data", "{missing}"], 2, "invalid_input"),
        (["trend", "--data", "{missing}"], 2, "invalid_input"),
        (["data", "load", "{missing}"], 2, "invalid_input"),
        (["estimate", "--data", "{missing}"], 2, "invalid_input"),
        (["compare", "THA", "--data", "{missing}"], 2, "invalid_input"),
        (["flows", "--country", "XXX"], 2, "invalid_parameter"),
        (["trend", "--role", "somewhere"], 2, "invalid_parameter"),
        (["estimate", "--bootstrap-replicates", "many"], 2, "invalid_parameter"),
        (["register", "figures", "--as-of", "30/06/2023", "--register", "{missing}"], 2, "invalid_parameter"),
        (["register", "status", "--register", "{missing}"], 2, "invalid_register"),
    ],
)
def test_a_failure_has_the_same_exit_code_with_json_and_says_it_as_json(
    run_main, quiet_environment, args, code, error_code
):
    args = [a.format(missing=quiet_environment / "missing.csv") for a in args]
    plain_code, plain_out, plain_err = run_main(args)
    assert plain_code == code and "error" in plain_err.lower() and not plain_out, plain_err
    json_code, out, err = run_main([*args, "--json"])
    assert json_code == code
    document = json.loads(out)  # one JSON document on standard output, nothing else
    check_document(document, "evidence.error")
    assert document["error"]["code"] == error_code and document["error"]["exit_code"] == code
    assert err == plain_err or error_code == "usage"  # the same words on standard error


def test_json_given_to_a_command_without_it_is_a_usage_error_as_json(run_main):
    code, out, _ = run_main(["register", "key", "--json"])
    document = json.loads(out)
    check_document(document, "evidence.error")
    assert code == 2 and document["error"]["code"] == "usage" and "--json" in document["error"]["message"]


def test_an_input_error_names_its_file_in_the_json(run_main, quiet_environment):
    missing = quiet_environment / "missing.csv"
    _, out, _ = run_main(["data", "load", str(missing), "--json"])
    assert json.loads(out)["error"]["path"] == str(missing)


def test_rejected_rows_exit_1_with_json_too(run_main, quiet_environment):
    bad = Path(__file__).parents[1] / "fixtures" / "ctdc" / "synthetic_bad_years.csv"
    code, out, _ = run_main(["data", "validate", str(bad)])
    assert code == 1 and "rows rejected" in out
    code, out, _ = run_main(["data", "validate", str(bad), "--strict", "--limit", "3", "--json"])
    assert code == 1
    document = json.loads(out)  # the validation's document only, no error document after it
    check_document(document, "evidence.data.validate")
    assert (
        document["valid"] is False and document["rows_rejected"] == 4 and len(document["rejected_rows"]) == 3
    )


def test_a_valid_file_is_valid_in_json(run_main, shared_data, quiet_environment):
    path = shared_data / "tip" / "tip_tiers_1999_2015.csv"
    document = _json(run_main, "data", "validate", str(path))
    check_document(document, "evidence.data.validate")
    assert document["valid"] is True and document["failed_value_checks"] is None


def test_the_check_finds_what_the_docs_do_not_say():
    """The checker itself: an undocumented key, a missing one and one of another type are each found."""
    error = {"code": "usage", "message": "m", "exit_code": 2}
    good = {"schema": "evidence.error", "schema_version": 1, "error": error}
    check_document(good, "evidence.error")
    for bad in (
        {**good, "extra": 1},
        {**good, "error": {**error, "hint": "h"}},
        {**good, "error": {"code": "usage", "message": "m"}},
        {**good, "error": {**error, "exit_code": "2"}},
    ):
        with pytest.raises(AssertionError):
            check_document(bad, "evidence.error")


def test_an_interrupted_command_exits_130_with_json_too(run_main, quiet_environment, monkeypatch):
    from evidence.sources import registry

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(registry, "load", interrupted)
    code, _, err = run_main(["data", "load", "x.csv"])
    assert code == 130 and "interrupted" in err
    code, out, _ = run_main(["data", "load", "x.csv", "--json"])
    assert code == 130
    document = json.loads(out)
    check_document(document, "evidence.error")
    assert document["error"]["code"] == "interrupted" and document["error"]["exit_code"] == 130


def test_a_bug_with_json_is_an_internal_error_document_and_exit_1(quiet_environment, monkeypatch, capsys):
    import sys

    from evidence.cli.main import main
    from evidence.sources import registry

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(registry, "load", broken)
    monkeypatch.setattr(sys, "argv", ["evidence", "data", "load", "x.csv", "--json"])
    with pytest.raises(RuntimeError):  # its traceback and exit 1 are the interpreter's, as without --json
        main()
    document = json.loads(capsys.readouterr().out)
    check_document(document, "evidence.error")
    assert document["error"]["code"] == "internal" and document["error"]["exit_code"] == 1


# ------------------------------------------------------------------------------------------------ run, batch


@pytest.fixture
def tiny(fixtures):
    return fixtures / "notebooks" / "tiny.ipynb"


@pytest.mark.parametrize("status, code", [("ok", 0), ("skipped", 0), ("failed", 1)])
def test_a_runs_json_is_as_documented_with_its_exit_code(
    run_main, tiny, tmp_path, monkeypatch, status, code, no_kernel_ahead
):
    from evidence.runs import execute

    def done(run, force=False):
        error = "ValueError: boom" if status == "failed" else None
        return execute.RunOutcome(run.run_id, run.notebook_name, status, str(tmp_path / "x"), 1.5, error)

    monkeypatch.setattr(execute, "run_unless_fresh", done)
    got, out, err = run_main(["run", str(tiny), "--out-root", str(tmp_path / "runs"), "--json"])
    assert got == code, err
    document = json.loads(out)  # the run's document only: no error document after a failed run's
    check_document(document, "evidence.run")
    assert document["status"] == status and (document["seconds"] is None) == (status == "skipped")
    assert ("boom" in err) == (status == "failed")  # the failure in words, on standard error


@pytest.mark.parametrize("demo", [True, False])
def test_a_run_on_the_demo_data_says_so_in_its_json_and_on_standard_error(
    run_main, tiny, tmp_path, monkeypatch, demo, no_kernel_ahead
):
    """The docs audit: `evidence run` on the synthetic demo data said nothing of it (`brief` does)."""
    from evidence.runs import execute

    folder = tmp_path / "done"
    folder.mkdir()
    (folder / "provenance.json").write_text(json.dumps([{"source": "ctdc", "demo": demo}]))

    def done(run, force=False):
        return execute.RunOutcome(run.run_id, run.notebook_name, "ok", str(folder), 1.5, None)

    monkeypatch.setattr(execute, "run_unless_fresh", done)
    got, out, err = run_main(["run", str(tiny), "--out-root", str(tmp_path / "runs"), "--json"])
    assert got in (0, None), err
    document = json.loads(out)
    check_document(document, "evidence.run")
    assert document["demo"] is demo and ("SYNTHETIC DEMO DATA" in err) is demo
    _, text, err = run_main(["run", str(tiny), "--out-root", str(tmp_path / "runs")])
    assert ("SYNTHETIC DEMO DATA" in err) is demo and "SYNTHETIC" not in text


def test_a_notebooks_parameters_as_json_are_as_documented(run_main):
    document = _json(run_main, "run", "country_brief", "--describe")
    check_document(document, "evidence.notebook")
    names = [p["name"] for p in document["parameters"]]
    assert names[:2] == ["country", "role"] and document["selection"]


def _plan(tmp_path: Path, tiny: Path) -> list[str]:
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"notebooks: [{tiny}]\nparameters:\n  n: [1, 2, 3]\n")
    # a Dask address: no local workers are started ahead (run_batch, replaced here, would use them)
    return [
        "batch",
        str(plan),
        "--executor",
        "tcp://127.0.0.1:1",
        "--out-root",
        str(tmp_path / "runs"),
        "--json",
    ]


def test_a_batchs_json_is_as_documented_with_its_exit_code(run_main, tiny, tmp_path, monkeypatch):
    from evidence.runs import batch
    from evidence.runs.execute import RunOutcome

    def finished(runs, *, on_start, on_done, **kwargs):
        on_start(2, 1)
        outcomes = [
            RunOutcome(runs[0].run_id, "tiny", "ok", str(runs[0].folder), 1.0),
            RunOutcome(runs[1].run_id, "tiny", "failed", str(runs[1].folder), 2.0, "ValueError: boom"),
            RunOutcome(runs[2].run_id, "tiny", "skipped", str(runs[2].folder)),
        ]
        for outcome in outcomes:
            on_done(outcome)
        return batch.BatchReport(outcomes)

    monkeypatch.setattr(batch, "run_batch", finished)
    code, out, err = run_main(_plan(tmp_path, tiny))
    assert code == 1
    document = json.loads(out)
    check_document(document, "evidence.batch")
    assert document["counts"] == {"ok": 1, "skipped": 1, "failed": 1, "empty": 0, "interrupted": 0}
    assert [r["status"] for r in document["runs"]] == ["ok", "failed", "skipped"]
    assert err.splitlines()[-1] == "ran 1, skipped 1, failed 1"  # the summary, for the log


def test_an_interrupted_batchs_json_says_so_and_exits_130(run_main, tiny, tmp_path, monkeypatch):
    from evidence.runs import batch
    from evidence.runs.execute import RunOutcome

    def interrupted(runs, *, on_start, on_done, **kwargs):
        on_start(3, 0)
        on_done(RunOutcome(runs[0].run_id, "tiny", "ok", str(runs[0].folder), 1.0))
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "run_batch", interrupted)
    code, out, err = run_main(_plan(tmp_path, tiny))
    assert code == 130
    document = json.loads(out)
    check_document(document, "evidence.batch")
    assert document["interrupted"] is True and document["counts"]["interrupted"] == 2
    assert "run the same command again to resume" in err


# ----------------------------------------------------------------------------------------------- render, brief


def test_a_renders_json_is_as_documented(run_main, tmp_path, monkeypatch):
    import shutil
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "briefs"))
    from _brief_runs import make_run

    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "quarto" else which(name))
    run = make_run(tmp_path / "reports" / "runs")
    document = _json(run_main, "render", str(run), "--format", "html")
    check_document(document, "evidence.render")
    assert list(document["outputs"]) == ["html"] and Path(document["outputs"]["html"]).is_file()


def test_a_brief_whose_notebook_failed_is_a_run_without_a_render(
    run_main, tmp_path, monkeypatch, no_kernel_ahead
):
    from evidence.runs import execute

    def failed(run, force=False):
        return execute.RunOutcome(run.run_id, run.notebook_name, "failed", str(tmp_path / "x"), 1.0, "boom")

    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("EVIDENCE_DATA", raising=False)
    monkeypatch.setattr(execute, "run_unless_fresh", failed)
    code, out, err = run_main(["brief", "THA", "--out-root", str(tmp_path / "runs"), "--json"])
    assert code == 1, err
    document = json.loads(out)
    check_document(document, "evidence.brief")
    assert document["run"]["status"] == "failed" and document["render"] is None
