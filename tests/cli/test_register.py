"""``evidence register``: import, status, figures, export-ctdc, lists, snapshot, as documented."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from _ages import coded_ages
from _held_in import held_in, held_in_bytes

from evidence.sources.register.synthetic import identifying_values, write_exports


@pytest.fixture
def exports(tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("EVIDENCE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("EVIDENCE_REGISTER_KEY", raising=False)
    return write_exports(tmp_path / "exports", people=150, months=3)


@pytest.fixture(scope="module")
def imported_once(tmp_path_factory) -> dict[int, Path]:
    """The register and its key as ``evidence register import`` leaves them after the first 1, 2 and 3 of the
    exports (the ``exports`` fixture's, the same bytes: they are written from a seed), each import made once
    for the module; :func:`imported` copies one where a test imported them itself."""
    from evidence.cli.main import main

    base = tmp_path_factory.mktemp("imported")
    made = write_exports(base / "exports", people=150, months=3)
    mapping = made[0].parent / "cases.mapping.yaml"
    snapshots = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EVIDENCE_DATA_DIR", str(base / "data"))
        patch.setenv("EVIDENCE_CONFIG_DIR", str(base / "config"))
        patch.delenv("EVIDENCE_REGISTER_KEY", raising=False)
        for count, export in enumerate(made, start=1):
            patch.setattr(
                sys, "argv", ["evidence", "register", "import", str(export), "--mapping", str(mapping)]
            )
            with contextlib.redirect_stdout(io.StringIO()) as out, pytest.raises(SystemExit) as done:
                main()
            assert done.value.code in (0, None) and "rows in" in out.getvalue(), out.getvalue()
            snapshots[count] = base / f"after_{count}"
            for folder in ("data", "config"):
                shutil.copytree(base / folder, snapshots[count] / folder)
    return snapshots


@pytest.fixture
def imported(exports, imported_once, tmp_path):
    """Put the register (and its key) of the first ``count`` exports where the test's commands look for it, as
    importing them with ``evidence register import`` in the test would (owner-only, as made)."""

    def copy(count: int = len(exports)) -> Path:
        for folder in ("data", "config"):
            shutil.copytree(imported_once[count] / folder, tmp_path / folder)
        register = tmp_path / "data" / "register.duckdb"
        assert stat.S_IMODE(register.stat().st_mode) == 0o600
        assert stat.S_IMODE((tmp_path / "config" / "register.key").stat().st_mode) == 0o600
        return register

    return copy


def test_the_documented_commands_in_order(exports, run_main, tmp_path) -> None:
    mapping = exports[0].parent / "cases.mapping.yaml"
    for export in exports:
        code, out, err = run_main(["register", "import", str(export), "--mapping", str(mapping)])
        assert code in (0, None), err
        assert "rows in" in out
    register = tmp_path / "data" / "register.duckdb"
    assert register.is_file() and (tmp_path / "config" / "register.key").is_file()
    _, out, _ = run_main(["register", "status", "--json"])
    facts = json.loads(out)
    assert len(facts["imports"]) == 3 and facts["records"] > 100
    _, out, _ = run_main(["register", "status"])
    # every import says when it was made, which export (date, file, sha256) and what it changed
    imported = facts["imports"][-1]["imported_at"][:10]
    assert "imported" in out and imported in out and facts["imports"][-1]["file_sha256"][:12] in out
    _, out, _ = run_main(["register", "figures", "--as-of", "2023-06-30", "--from", "2018", "--json"])
    figures = json.loads(out)
    assert figures["years"] == [2018, 2023]
    assert set(figures["tables"]) >= {"sex", "form", "nationals_abroad", "nationals_abroad_return"}
    # forced criminality is not listed again as "Other" beside itself; the nationals abroad are not all returned
    forms = [r["category"] for r in figures["tables"]["form"]["rows"]]
    assert "Forced criminality" in forms and "Other" not in forms
    assert "returned or not" in figures["tables"]["nationals_abroad"]["title"]
    _, text, _ = run_main(["register", "figures", "--as-of", "2023-05-31"])
    assert "as of 2023-05-31" in text
    # the age bands as briefs write them ("9–17 years"), never the data's codes ("9-17", "48+")
    assert "9–17 years" in text and coded_ages(text) == []
    # titles whole on their own line in a log file, not wrapped to the width of their narrow table
    assert "Form of exploitation (a person may count under several)" in text.splitlines()
    outputs = [tmp_path / "ctdc.csv", tmp_path / "lists.csv", tmp_path / "snapshot.parquet"]
    code, out, err = run_main(["register", "export-ctdc", str(outputs[0]), "--k", "5"])
    assert code in (0, None) and "k = 5" in out, err
    code, out, err = run_main(["register", "lists", "--by", "referral_source", str(outputs[1])])
    assert code in (0, None) and "evidence estimate" in out, err
    code, out, err = run_main(["register", "snapshot", str(outputs[2]), "--as-of", "2023-05-31"])
    assert code in (0, None), err
    code, out, err = run_main(["estimate", "--data", str(outputs[1]), "--json"])
    assert code in (0, None), err
    secrets = {s for s in identifying_values(exports) if len(s) >= 6}
    for output in [*outputs, register]:
        data = output.read_bytes()
        assert not held_in_bytes(data, list(secrets)), output  # [s for s in secrets if s.encode() in data]
    for printed in (text, json.dumps(facts), json.dumps(figures)):
        assert not held_in(printed, list(secrets))  # [s for s in secrets if s in printed], all at once


def test_errors_are_one_line_without_traceback(exports, run_main, tmp_path) -> None:
    code, _, err = run_main(["register", "status", "--register", str(tmp_path / "none.duckdb")])
    assert code == 2 and "no register here" in err and "Traceback" not in err
    code, _, err = run_main(["register", "figures", "--as-of", "30/06/2023"])
    assert code == 2 and "expected a date" in err


@pytest.mark.parametrize(
    "options, said",
    [
        (["--max-suppressed", "2"], "--max-suppressed is a share of the records (0 to below 1), not 2"),
        (["--k", "1"], "--k must be at least 2, not 1"),
    ],
)
def test_export_options_are_checked_first_and_named_as_typed(
    exports, run_main, tmp_path, options, said
) -> None:
    """`--max-suppressed 2` said "max_suppressed is a share ...", once the register was opened."""
    code, _, err = run_main(["register", "export-ctdc", str(tmp_path / "out.csv"), *options])
    assert code == 2 and f"error: {said}" in err and "max_suppressed" not in err
    assert not (tmp_path / "data").exists()  # refused before any register was looked for


def test_figures_from_a_year_before_the_records_are_headed_by_the_years_held(imported, run_main) -> None:
    """`--from 1800` headed the figures "1800–2023": the first year is the earliest the register holds, said."""
    imported()
    _, out, _ = run_main(["register", "figures", "--json"])
    earliest, latest = json.loads(out)["years"]
    assert earliest > 1800
    code, text, err = run_main(["register", "figures", "--from", "1800"])
    assert code in (0, None), err
    assert "1800" not in text.split("Note:")[-1].splitlines()[1]  # the heading after the note
    assert f"assisted {earliest}–{latest}" in text and f"figures from {earliest}, not 1800" in text
    code, out, err = run_main(["register", "figures", "--from", "1800", "--json"])
    facts = json.loads(out)
    assert facts["years"] == [earliest, latest] and f"from {earliest}" in facts["years_note"]


def test_figures_from_after_the_last_record_are_refused_naming_the_years_held() -> None:
    import datetime as dt

    import polars as pl

    from evidence.cli.register import _period_held
    from evidence.core.errors import ParameterError

    data = pl.DataFrame({"year": [2016, 2018, None, 2020]})
    assert _period_held(data, None, dt.date(2023, 6, 30)) == (None, None)
    assert _period_held(data, 2018, dt.date(2023, 6, 30)) == (2018, None)
    assert _period_held(data, 1800, dt.date(2023, 6, 30))[0] == 2016
    with pytest.raises(
        ParameterError, match="--from 2022: the register holds no victims from 2022 on"
    ) as refused:
        _period_held(data, 2022, dt.date(2023, 6, 30))
    assert "2016–2020" in str(refused.value)


def test_the_help_does_not_import_duckdb() -> None:
    code = "import sys, evidence.cli.main; assert 'duckdb' not in sys.modules, 'duckdb imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_figures_of_real_records_are_perturbed_by_the_cell_key_method(
    exports, imported, run_main, tmp_path
) -> None:
    """The organisation's real records get the cell key method in their key figures as in every other output:
    figures as of other dates or from other years cannot be subtracted into a person. Invented records (the
    fixture's mapping says synthetic) are perturbed too: the flag marks the outputs as invented data and proves
    nothing about where the records came from, so one wrong flag on real records cannot switch the protection
    between outputs off (review 8 m7)."""
    synthetic_mapping = exports[0].parent / "cases.mapping.yaml"
    real_mapping = tmp_path / "real.mapping.yaml"
    text = synthetic_mapping.read_text(encoding="utf-8")
    assert "synthetic: true" in text
    real_mapping.write_text(text.replace("synthetic: true", "synthetic: false"), encoding="utf-8")
    protections = {}
    for name, mapping in (("synthetic", synthetic_mapping), ("real", real_mapping)):
        register = tmp_path / f"{name}.duckdb"
        if name == "synthetic":  # the exports imported through their own mapping: as made once for the module
            shutil.copy2(imported(), register)
        for export in exports if name == "real" else ():
            code, _, err = run_main(
                ["register", "import", str(export), "--mapping", str(mapping), "--register", str(register)]
            )
            assert code in (0, None), err
        _, out, _ = run_main(
            ["register", "figures", "--as-of", "2023-06-30", "--register", str(register), "--json"]
        )
        figures = json.loads(out)
        protections[name] = figures["disclosure"]["protection"]
        if name == "real":
            assert "cell key method" in figures["disclosure"]["description"]
            _, text_out, _ = run_main(
                ["register", "figures", "--as-of", "2023-06-30", "--register", str(register)]
            )
            assert "perturbed slightly (cell key method)" in " ".join(text_out.split())
            # no methods section follows on a terminal: what perturbation means across outputs is said here
            assert "difference of two outputs is uncertain" in " ".join(text_out.split())
            # the same records give the same number in every output: the figures and `evidence trend`
            _, out, _ = run_main(["trend", "--data", str(register), "--by", "gender", "--json"])
            total = json.loads(out)["yearly_counts"][-1]
            sex = {r["category"]: r["victims"] for r in figures["tables"]["sex"]["rows"]}
            assert (total["Female"], total["Male"], total["All victims"]) == (
                sex["Female"],
                sex["Male"],
                figures["total"],
            )
    assert protections == {"synthetic": "cell_key", "real": "cell_key"}


@pytest.mark.kernel
@pytest.mark.slow
def test_the_register_is_a_data_source_of_brief_and_batch(
    exports, imported, run_main, tmp_path, monkeypatch
) -> None:
    monkeypatch.delenv("EVIDENCE_DATA", raising=False)
    register = imported()
    assert register == tmp_path / "data" / "register.duckdb"
    out = tmp_path / "reports" / "runs"
    code, text, err = run_main(["brief", "THA", "--data", str(register), "--out-root", str(out)])
    assert code in (0, None), text + err
    assert "cell-key secret" not in text + err
    (folder,) = [p for p in out.iterdir() if not p.name.startswith(".")]
    (entry,) = json.loads((folder / "provenance.json").read_text())
    assert entry["path"] == str(register) and entry["cited"] and entry["kind"] == "case", entry
    html = (folder / "brief.html").read_text()
    assert "Identified and assisted victims" in html
    assert "(the organisation’s own case records), release 2023-06-30" in html.replace("'", "’")  # whose data
    assert json.loads((folder / "brief.json").read_text())["demo"] is False  # the register is no demo file
    secrets = {s for s in identifying_values(exports) if len(s) >= 6}
    assert not [s for s in secrets if s in html]
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "notebooks: [country_brief]\nparameters:\n  country: [THA]\n  role: [destination, origin]\n"
    )
    code, text, err = run_main(
        ["batch", str(plan), "--data", str(register), "--workers", "1", "--out-root", str(tmp_path / "batch")]
    )
    assert code in (0, None) and "ran 2, skipped 0, failed 0" in text, text + err
    # a brief of the register under another cell-key secret than its imports met says so (only its figures
    # did): its numbers are perturbed otherwise than those published before, and the two can be averaged
    monkeypatch.setenv("EVIDENCE_CELL_KEY_SECRET", "another machine's secret")
    code, text, err = run_main(["brief", "THA", "--data", str(register), "--out-root", str(out), "--force"])
    assert code in (0, None), text + err
    assert "register.duckdb: the cell-key secret in use is not the one" in " ".join((text + err).split())
    code, text, err = run_main(
        ["batch", str(plan), "--data", str(register), "--workers", "1", "--out-root", str(tmp_path / "batch")]
    )
    said = " ".join((text + err).split())
    assert said.count("register.duckdb: the cell-key secret in use is not the one") == 1, said  # once, 2 runs


def test_other_secret_warnings_name_each_register_made_beside_another_secret(
    exports, imported, tmp_path, monkeypatch
):
    from evidence.cli.register import other_secret_warnings

    imported()
    register = tmp_path / "data" / "register.duckdb"
    assert register.exists()
    assert other_secret_warnings([register, exports[0], register.parent / "missing.csv"]) == []
    monkeypatch.setenv("EVIDENCE_CELL_KEY_SECRET", "another machine's secret")
    (warning,) = other_secret_warnings([exports[0], register])
    assert (
        warning.startswith("register.duckdb: the cell-key secret in use is not the one")
        and "averaged" in warning
    )


def _import_all(exports, run_main) -> None:
    mapping = exports[0].parent / "cases.mapping.yaml"
    for export in exports:
        code, _, err = run_main(["register", "import", str(export), "--mapping", str(mapping)])
        assert code in (0, None), err


def test_figures_default_to_the_latest_export_and_refuse_a_date_before_the_first(imported, run_main) -> None:
    imported()
    code, out, err = run_main(["register", "figures", "--json"])
    assert code in (0, None), err
    assert json.loads(out)["as_of"] == "2023-06-30"
    code, _, err = run_main(["register", "figures", "--as-of", "2020-01-01"])
    assert code == 2 and "no records as of 2020-01-01" in err and "first export was made on 2023-04-30" in err
    code, out, err = run_main(["register", "figures", "--as-of", "2030-01-01"])
    assert code in (0, None), err
    assert "as of the last export, 2023-06-30" in out and "–2030" not in out
    assert "as of 2023-06-30" in out
    code, out, _ = run_main(["register", "figures", "--as-of", "2030-01-01", "--json"])
    figures = json.loads(out)
    assert (
        figures["as_of"] == "2023-06-30"
        and figures["years"][1] == 2023
        and "last export" in figures["as_of_note"]
    )


def test_a_second_different_ctdc_export_is_refused_unless_allowed(imported, run_main, tmp_path) -> None:
    imported()
    first, second = tmp_path / "ctdc_k5.csv", tmp_path / "ctdc_k3.csv"
    code, out, err = run_main(["register", "export-ctdc", str(first), "--k", "5"])
    assert code in (0, None) and "recorded as export 1" in out, err
    code, _, err = run_main(["register", "export-ctdc", str(second), "--k", "3"])
    assert code == 2 and "ctdc_k5.csv" in err and "--allow-another-release" in err and not second.exists()
    code, _, err = run_main(["register", "export-ctdc", str(second), "--k", "5", "--as-of", "2023-05-31"])
    assert code == 2 and "as-of date (2023-06-30 then, 2023-05-31 now)" in err
    allowed = [
        "register",
        "export-ctdc",
        str(second),
        "--k",
        "5",
        "--as-of",
        "2023-05-31",
        "--allow-another-release",
    ]
    code, out, err = run_main(allowed)
    assert code in (0, None) and second.exists(), err
    assert "Warning" in out and "ctdc_k5.csv" in out and "subtracted" in out
    # allowed, it keeps the first release's generalisation and leaves out the sets that would differ by < k
    assert "generalised as export 1 of the register was" in " ".join(out.split())
    _, out, _ = run_main(["register", "status", "--json"])
    assert [(e["k"], e["file_name"]) for e in json.loads(out)["ctdc_exports"]] == [
        (5, first.name),
        (5, second.name),
    ]
    _, out, _ = run_main(["register", "status"])
    assert "k-anonymised CTDC exports" in out and "ctdc_k3.csv" in out


def test_an_id_retyped_in_another_case_is_pointed_out_by_the_import(
    exports, imported, run_main, tmp_path
) -> None:
    mapping = exports[0].parent / "cases.mapping.yaml"
    imported(2)
    text = exports[2].read_text(encoding="utf-8").replace("MSS-000005,", "mss-000005,", 1)
    retyped = tmp_path / exports[2].name
    retyped.write_text(text, encoding="utf-8")
    code, out, err = run_main(["register", "import", str(retyped), "--mapping", str(mapping)])
    assert code in (0, None), err
    assert "Check:" in out and "letter case" in out and "mss-000005" not in out.lower()


def test_register_key_prints_a_key_the_register_accepts(run_main, tmp_path, monkeypatch) -> None:
    from evidence.sources.register.keys import key_weakness

    code, out, _ = run_main(["register", "key"])
    key = out.strip()
    assert code in (0, None) and len(key) == 64 and key_weakness(key) is None


def test_a_register_made_with_a_weak_key_still_imports_and_says_so(exports, run_main, monkeypatch) -> None:
    # made before keys were checked: refusing its key would lock the organisation out of its own register
    # (a new key gives every record a new pseudonym), so the import goes on and says what to do
    from evidence.sources.register import keys

    mapping = exports[0].parent / "cases.mapping.yaml"
    weak = "correct horse battery staple and a horse"
    monkeypatch.setenv("EVIDENCE_REGISTER_KEY", weak)
    checked = keys.key_weakness
    monkeypatch.setattr(keys, "key_weakness", lambda text: None)  # as an earlier version of the toolkit
    code, out, err = run_main(["register", "import", str(exports[0]), "--mapping", str(mapping)])
    assert code in (0, None), err
    assert "Warning" not in out
    monkeypatch.setattr(keys, "key_weakness", checked)
    code, out, err = run_main(["register", "import", str(exports[1]), "--mapping", str(mapping)])
    assert code in (0, None), err
    assert (
        "Warning:" in out and "not a random key" in out and "evidence register key" in " ".join(out.split())
    )
    assert weak not in out
    code, out, _ = run_main(["register", "import", str(exports[2]), "--mapping", str(mapping), "--json"])
    assert "not a random key" in json.loads(out)["key_warning"]


def test_control_characters_in_a_file_name_reach_the_terminal_as_escapes(exports, run_main, tmp_path) -> None:
    # the shared CLI escape (cli.options.escape, json_text): a file name is untrusted text like any other
    mapping = exports[0].parent / "cases.mapping.yaml"
    named = tmp_path / ("\x1b[31m\x9b" + exports[0].name)
    named.write_bytes(exports[0].read_bytes())
    code, out, err = run_main(["register", "import", str(named), "--mapping", str(mapping)])
    assert code in (0, None), err
    assert "\x1b" not in out and "\x9b" not in out and "\\x1b[31m" in out
    code, out, err = run_main(["register", "status", "--json"])
    assert code in (0, None), err
    assert "\x9b" not in out and json.loads(out)["imports"][0]["file_name"].startswith("\x1b[31m\x9b")


def test_figures_take_the_country_as_every_command_does(imported, run_main) -> None:
    """`--country Thailand` (or `tha`) counted no nationals abroad, and `--country XYZ` was taken: a 0 printed
    as a figure. A name or a code in any case is the country, as everywhere; an unknown one is refused."""
    imported()

    def abroad(country: str) -> dict:
        code, out, err = run_main(["register", "figures", "--country", country, "--json"])
        assert code in (0, None), err
        facts = json.loads(out)
        return {"country": facts["country"], "table": facts["tables"]["nationals_abroad"]}

    given = abroad("THA")
    assert given["table"]["rows"][-1]["victims"] not in (0, "0")  # the register holds Thai nationals abroad
    assert abroad("Thailand") == given and abroad("tha") == given
    code, _, err = run_main(["register", "figures", "--country", "XYZ"])
    assert code == 2 and "unknown country 'XYZ'" in err and "Traceback" not in err


def test_a_folder_given_as_the_file_to_write_is_refused_naming_it(imported, run_main, tmp_path) -> None:
    """`export-ctdc reports/` failed at its end naming its own temporary file beside the folder
    ("/.tmp.n8jh9jmo.part: Is a directory"), after the export was worked out."""
    imported(1)
    folder = tmp_path / "out.parquet"
    folder.mkdir()
    for command in (["export-ctdc", str(folder)], ["lists", str(folder)], ["snapshot", str(folder)]):
        code, _, err = run_main(["register", *command])
        assert code == 2 and err.startswith(f"error: {folder}: is a folder"), err
        assert ".part" not in err and "Traceback" not in err
    _, out, _ = run_main(["register", "status", "--json"])
    assert json.loads(out)["ctdc_exports"] == []


def test_the_json_of_figures_has_the_same_keys_whatever_the_date(imported, run_main) -> None:
    """`as_of_note` was there only for a date after the last export: a reader of the JSON met a missing key."""
    imported()
    keys = []
    for as_of in ("2023-06-30", "2024-01-31"):
        code, out, err = run_main(["register", "figures", "--as-of", as_of, "--json"])
        assert code in (0, None), err
        facts = json.loads(out)
        keys.append(sorted(facts))
    assert keys[0] == keys[1] and "as_of_note" in keys[0]
    assert facts["as_of_note"]  # after the last export: said


def test_a_negative_wait_or_limit_is_a_usage_error(run_main) -> None:
    """`--wait -3` was taken (as no wait) and `data validate --limit -1` showed all rows but the last."""
    for args in (
        ["register", "import", "x.csv", "--wait", "-3"],
        ["register", "export-ctdc", "x.csv", "--wait", "-1"],
    ):
        code, _, err = run_main(args)
        assert code == 2 and "Invalid value for '--wait'" in err, err
    code, _, err = run_main(["data", "validate", "x.csv", "--limit", "-1"])
    assert code == 2 and "Invalid value for '--limit'" in err, err


def test_figures_of_perturbed_records_withhold_a_complement_beside_a_small_count(
    exports, run_main, tmp_path
) -> None:
    """The docs audit: perturbed key figures got no secondary suppression (the fixture's Sex: Female 7, Male 8,
    Not recorded <5, Total 18 gave the 1 back whenever the perturbations were 0), though every other perturbed
    table gets it, as the docs say."""
    from pathlib import Path

    fixture = Path(__file__).parents[1] / "fixtures" / "case_records" / "assisted_victims.csv"
    register = tmp_path / "fixture.duckdb"
    code, _, err = run_main(["register", "import", str(fixture), "--register", str(register)])
    assert code in (0, None), err
    _, out, _ = run_main(["register", "figures", "--register", str(register), "--json"])
    figures = json.loads(out)
    assert figures["disclosure"]["protection"] == "cell_key"
    checked = 0
    for table in figures["tables"].values():
        cells = [row["victims"] for row in table["rows"] if row["category"] != "Total"]
        withheld = [c for c in cells if not isinstance(c, int)]
        if "<5" in withheld and any(
            r["category"] == "Total" and isinstance(r["victims"], int) for r in table["rows"]
        ):
            assert len(withheld) >= 2, table  # a lone withheld count is the total less the others
            checked += 1
    assert checked


#: Holds the register for writing, as an import running in another process does, while told to: a line "hold"
#: takes it ("holding"), any other line lets it go ("released").
_HOLDER = (
    "import sys\nfrom evidence.sources.register.store import connect\n"
    "for line in iter(sys.stdin.readline, ''):\n"
    "    if line.strip() == 'hold':\n"
    "        held = connect(sys.argv[1], read_only=False)\n"
    "        print('holding', flush=True)\n"
    "    else:\n"
    "        held.close()\n"
    "        print('released', flush=True)\n"
)


def test_the_reading_commands_wait_for_an_import_when_asked(
    imported, run_main, monkeypatch, tmp_path
) -> None:
    """Busy, they said "pass --wait SECONDS", an option they did not take (a usage error). Each command meets
    the register held by another process and waits; the holder lets it go once the command has begun waiting
    (an event, not a time of its own)."""
    import time
    import types

    from evidence.sources.register import store

    register = imported(1)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(register)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    held, waits = [False], []

    def tell(line: str, answer: str) -> None:
        holder.stdin.write(line + "\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == answer

    def sleep(seconds: float) -> None:  # the register's wait between two tries
        waits.append(seconds)
        if held[
            0
        ]:  # the command found it held, and waits: the import ends now (its lock gone before it says so)
            tell("release", "released")
            held[0] = False
        else:
            time.sleep(seconds)

    monkeypatch.setattr(store, "time", types.SimpleNamespace(monotonic=time.monotonic, sleep=sleep))
    try:
        for command in (["status"], ["figures"], ["lists", str(tmp_path / "lists.csv")]):
            tell("hold", "holding")
            held[0], before = True, len(waits)
            code, _, err = run_main(["register", *command, "--wait", "30"])
            assert code in (0, None), err
            assert len(waits) > before and not held[0], command  # it met the register held, and waited
    finally:
        holder.kill()
        holder.wait()


def test_an_import_points_out_a_row_holding_only_a_case_id(exports, run_main, tmp_path) -> None:
    """A total line below the records became a record of which nothing is known, unsaid; and the check line
    said "letter case" for every flag, whatever it was."""
    mapping = exports[0].parent / "cases.mapping.yaml"
    footed = tmp_path / "cases_2023-04-30.csv"
    lines = exports[0].read_text(encoding="utf-8").splitlines()
    columns = lines[0].count(",")
    footed.write_text("\n".join([*lines, "Total: 75 cases" + "," * columns]) + "\n", encoding="utf-8")
    code, out, err = run_main(["register", "import", str(footed), "--mapping", str(mapping)])
    assert code in (0, None), err
    assert "Check:" in out and "nothing but a case id" in out and f"row {len(lines) + 1}" in out
    assert "letter case" not in out and "Total: 75" not in out


def test_an_import_says_how_many_rows_holding_nothing_it_left_out(exports, run_main, tmp_path) -> None:
    """Blank lines and rows of delimiters only were left out unsaid: the rows of the file did not add up."""
    mapping = exports[0].parent / "cases.mapping.yaml"
    padded = tmp_path / "cases_2023-06-30.csv"
    padded.write_text(exports[0].read_text(encoding="utf-8") + ",,,,\n\n,,\n", encoding="utf-8")
    code, out, err = run_main(["register", "import", str(padded), "--mapping", str(mapping)])
    assert code in (0, None), err
    assert "(3 more left out, holding nothing or a note: no record)" in out


def test_one_wait_is_shared_by_the_reads_of_a_command(monkeypatch, tmp_path):
    """Re-read finding: each read of `figures --wait 10` was given the whole 10 s, so the command could wait
    20 or 30 s; each read now gets what is left of it (a clock of our own: no time is spent)."""
    import types

    from evidence.cli import register as cli_register
    from evidence.sources import register

    now = [100.0]
    monkeypatch.setattr(cli_register.time, "monotonic", lambda: now[0])
    given: list[float] = []

    def resolve(path, as_of, wait):
        given.append(wait)
        now[0] += 4.0  # this read waited 4 s for an import to end
        return types.SimpleNamespace(date=None)

    def records(path, date, wait):
        given.append(wait)
        now[0] += 10.0
        return "records"

    monkeypatch.setattr(register, "resolve_as_of", resolve)
    monkeypatch.setattr(register, "records_as_of", records)
    waiting = cli_register._Wait(10.0)
    assert cli_register._as_of(tmp_path / "r.duckdb", None, waiting)[0] == "records"
    assert given == [10.0, 6.0] and waiting.left() == 0.0


def test_erase_by_the_ids_as_written_and_from_a_file_then_later_exports_keep_them_out(
    exports, imported, run_main, tmp_path
) -> None:
    import csv

    mapping = exports[0].parent / "cases.mapping.yaml"
    imported(2)
    with open(exports[1], encoding="utf-8", newline="") as handle:
        ids = [row["Case ID"] for row in csv.DictReader(handle) if row["Case ID"]]
    first, second = [i for i in ids if ids.count(i) == 1][:2]
    listed = tmp_path / "withdrawn.txt"
    listed.write_text(f"{second}\n\nMSS-999999\n", encoding="utf-8")
    _, out, _ = run_main(["register", "status", "--json"])
    before = json.loads(out)["records"]
    code, out, err = run_main(["register", "erase", first, "--ids-file", str(listed), "--dry-run", "--json"])
    assert code in (0, None), err
    assert json.loads(out)["dry_run"] and json.loads(out)["erasure_id"] is None
    code, out, err = run_main(
        ["register", "erase", first, "--ids-file", str(listed), "--reason", "consent-withdrawn", "--json"]
    )
    assert code in (0, None), err
    done = json.loads(out)
    assert (done["ids_given"], done["persons_erased"]) == (3, 2)
    assert done["not_found"] == [f"line 3 of {listed}"]  # where it was given, not the id again
    assert first not in out and second not in out and "MSS-999999" not in out
    _, out, _ = run_main(["register", "status", "--json"])
    facts = json.loads(out)
    assert facts["records"] == before - 2 and facts["erasures"][0]["reason"] == "consent-withdrawn"
    _, text, _ = run_main(["register", "status"])
    assert "Erasures" in text and "2 of 3 named" in text
    code, out, err = run_main(["register", "import", str(exports[2]), "--mapping", str(mapping), "--json"])
    assert code in (0, None), err
    imported = json.loads(out)
    reasons = [r["reason"] for r in imported["rejected_rows"] if r["reason"].startswith("erased on")]
    assert len(reasons) == sum(
        1 for r in csv.DictReader(exports[2].open()) if r["Case ID"] in (first, second)
    )
    _, out, _ = run_main(["register", "figures", "--json"])
    assert any(n.startswith("records were erased from the register on") for n in json.loads(out)["notes"])
    _, text, _ = run_main(["register", "figures"])
    assert "records were erased from the register" in text
    code, _, err = run_main(["register", "erase", first, "--reason", "Asked by phone"])
    assert code == 2 and "--reason 'Asked by phone': one of consent-withdrawn" in err
    code, _, err = run_main(["register", "erase"])
    assert code == 2 and "no case id given" in err


def test_status_shows_the_rows_holding_nothing_beside_the_rows_in(exports, run_main, tmp_path) -> None:
    mapping = exports[0].parent / "cases.mapping.yaml"
    blank = tmp_path / exports[0].name
    blank.write_text(exports[0].read_text(encoding="utf-8") + ",,,\n", encoding="utf-8")
    code, _, err = run_main(["register", "import", str(blank), "--mapping", str(mapping)])
    assert code in (0, None), err
    _, out, _ = run_main(["register", "status", "--json"])
    assert json.loads(out)["imports"][0]["rows_left_out"] == 1
    _, text, _ = run_main(["register", "status"])
    assert "(+1 blank)" in text


def test_status_of_a_register_of_one_record_says_one_record_and_one_version(
    exports, run_main, tmp_path
) -> None:
    """loose30: a register of one record said "1 records, … 1 versions"."""
    mapping = exports[0].parent / "cases.mapping.yaml"
    one = tmp_path / exports[0].name
    header, first = exports[0].read_text(encoding="utf-8").splitlines()[:2]
    one.write_text(f"{header}\n{first}\n", encoding="utf-8")
    code, _, err = run_main(["register", "import", str(one), "--mapping", str(mapping)])
    assert code in (0, None), err
    _, text, _ = run_main(["register", "status"])
    text = " ".join(text.split())
    assert ": 1 record, 0 marked missing, 1 version;" in text, text


def test_a_folder_given_as_the_export_is_named_as_a_folder(run_main, tmp_path) -> None:
    """`register import FOLDER` said "no such export file" of a folder that exists: the user looked for a typo
    in its name."""
    folder = tmp_path / "exports"
    folder.mkdir()
    code, out, err = run_main(["register", "import", str(folder), "--register", str(tmp_path / "r.duckdb")])
    text = " ".join(err.split())
    assert code == 2 and f"error: {folder}: is a folder, not an export file" in text, err
    assert "no such" not in text and out == ""


def test_an_ids_file_that_cannot_be_read_says_why_in_words(run_main, tmp_path) -> None:
    """`erase --ids-file` said "(FileNotFoundError)" and "(IsADirectoryError)": Python's class names, not what
    is wrong with the file."""
    register = ["--register", str(tmp_path / "r.duckdb"), "--dry-run"]
    latin = tmp_path / "ids.txt"
    latin.write_bytes("MSS-0017\nMSS-\xe90018\n".encode("latin-1"))
    for ids_file, said in (
        (tmp_path / "none.txt", "No such file or directory"),
        (tmp_path, "Is a directory"),
        (latin, "not UTF-8 text"),
    ):
        code, _, err = run_main(["register", "erase", "--ids-file", str(ids_file), *register])
        text = " ".join(err.split())
        assert code == 2 and f"error: {ids_file}: cannot read the file of case ids: {said}" in text, err
        assert "Error)" not in text


def test_partial_with_allow_many_missing_is_refused_as_a_contradiction(run_main, tmp_path) -> None:
    """`import --partial --allow-many-missing` was taken, the second option meaning nothing for an export that
    marks no record missing: the user meant one of the two, and was not told which applied."""
    export = tmp_path / "cases_2024-01-31.csv"
    export.write_text("Case ID\nA\n", encoding="utf-8")
    args = ["register", "import", str(export), "--partial", "--allow-many-missing"]
    code, _out, err = run_main([*args, "--register", str(tmp_path / "r.duckdb")])
    text = " ".join(err.split())
    assert code == 2 and "error: --allow-many-missing is for a full export" in text, err
    assert not (tmp_path / "r.duckdb").exists()


def test_figures_made_with_another_cell_key_secret_than_the_imports_say_so(
    exports, run_main, monkeypatch
) -> None:
    """On another machine, or after the cell-key secret was lost, figures as of the same date came out perturbed
    otherwise, unsaid: two sets of them, both published, can be averaged towards the exact counts."""
    monkeypatch.setenv("EVIDENCE_CELL_KEY_SECRET", "the organisation's own secret")
    _import_all(exports, run_main)
    code, same, err = run_main(["register", "figures", "--json"])
    assert code in (0, None), err
    assert not any("cell-key secret" in n for n in json.loads(same)["notes"])
    monkeypatch.setenv("EVIDENCE_CELL_KEY_SECRET", "another machine's secret")
    code, other, err = run_main(["register", "figures", "--json"])
    assert code in (0, None), err
    notes = json.loads(other)["notes"]
    assert any("cell-key secret" in n and "averaged" in n for n in notes), notes
    code, out, err = run_main(["register", "figures"])
    assert "cell-key secret" in out + err


def test_an_export_refused_for_its_date_or_its_content_is_named_as_given(exports, run_main, tmp_path) -> None:
    """The refusals of an export (older than the latest, dated in the future, a field dropped, most records
    missing) name the export as the analyst gave it, folder and all, not the register nor its bare file name."""
    mapping = str(exports[0].parent / "cases.mapping.yaml")
    for export in exports[1:]:
        assert run_main(["register", "import", str(export), "--mapping", mapping])[0] in (0, None)
    older = str(exports[0])
    code, out, err = run_main(["register", "import", older, "--mapping", mapping, "--json"])
    assert code == 2 and err.startswith(f"error: {older}: this export was made on"), err
    assert json.loads(out)["error"]["path"] == older
    header, *records = exports[-1].read_text().splitlines()
    few = tmp_path / "exports" / "few_2023-07-31.csv"
    few.write_text("\n".join([header, *records[:20]]) + "\n")
    code, _, err = run_main(
        ["register", "import", str(few), "--mapping", mapping, "--exported-on", "2999-01-01"]
    )
    assert code == 2 and err.startswith(f"error: {few}: the export's date 2999-01-01"), err
    code, _, err = run_main(["register", "import", str(few), "--mapping", mapping])
    assert code == 2 and err.startswith(f"error: {few}: ") and "--allow-many-missing" in err, err
    column = header.split(",").index("Referred by")
    dropped = tmp_path / "exports" / "dropped_2023-07-31.csv"
    lines = [",".join(c if i != column else "" for i, c in enumerate(r.split(","))) for r in records]
    dropped.write_text("\n".join([header, *lines]) + "\n")
    code, _, err = run_main(["register", "import", str(dropped), "--mapping", mapping])
    assert code == 2 and err.startswith(f"error: {dropped}: ") and "--allow-dropped-fields" in err, err


def test_status_says_which_imports_were_a_file_already_imported(exports, run_main) -> None:
    """A file imported again (the same month re-imported, or a copy under another date) is listed by ``status``
    as an import like any other, dated as its name says, with nothing to tell that it changed nothing: its
    note ("already imported as import 1: nothing changed") is said under the table."""
    mapping = str(exports[0].parent / "cases.mapping.yaml")
    for export in (exports[0], exports[1], exports[0]):
        assert run_main(["register", "import", str(export), "--mapping", mapping])[0] in (0, None)
    code, out, err = run_main(["register", "status"])
    assert code in (0, None), err
    assert "import 3: already imported as import 1: nothing changed" in " ".join(out.split())
    assert "import 2:" not in out


@pytest.mark.parametrize("setting", ["EVIDENCE_CONFIG_DIR", "EVIDENCE_DATA_DIR"])
def test_a_file_where_the_register_or_its_key_needs_a_folder_is_named_as_such(
    exports, run_main, tmp_path, monkeypatch, setting
) -> None:
    """``EVIDENCE_CONFIG_DIR`` (or ``EVIDENCE_DATA_DIR``) naming a file said only "error: FILE: File exists"."""
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder\n")
    monkeypatch.setenv(setting, str(in_the_way))
    mapping = str(exports[0].parent / "cases.mapping.yaml")
    code, _, err = run_main(["register", "import", str(exports[0]), "--mapping", mapping])
    text = " ".join(err.split())
    assert code == 2 and f"{in_the_way} is a file, not a folder" in text and "File exists" not in text, err


def test_an_export_of_no_record_is_neither_written_nor_recorded(exports, run_main, tmp_path) -> None:
    """Five records, k = 11: every set was smaller than k however generalised, and a file of the header alone
    was written and recorded as a release, so that the first real export later was refused as another release
    (it differed from the empty one) unless --allow-another-release."""
    mapping = str(exports[0].parent / "cases.mapping.yaml")
    tiny = tmp_path / "exports" / "tiny_2023-04-30.csv"
    tiny.write_text("\n".join(exports[0].read_text().splitlines()[:6]) + "\n")
    assert run_main(["register", "import", str(tiny), "--mapping", mapping])[0] in (0, None)
    out = tmp_path / "ctdc.csv"
    code, text, err = run_main(["register", "export-ctdc", str(out), "--k", "11", "--json"])
    assert (
        code == 2 and "no record can be written" in " ".join(err.split()) and "nothing was written" in err
    ), err
    assert json.loads(text)["error"]["exit_code"] == 2
    assert not out.exists()
    assert json.loads(run_main(["register", "status", "--json"])[1])["ctdc_exports"] == []


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".json"])
def test_data_load_out_of_the_register_is_owner_only_as_its_snapshot_is(
    imported, run_main, tmp_path, suffix
) -> None:
    """``register snapshot`` writes the records (with their ``record_key``) owner-only; ``data load
    register.duckdb --out`` wrote the same records readable by every user of the machine."""
    imported(1)
    out = tmp_path / f"records{suffix}"
    code, _, err = run_main(["data", "load", str(tmp_path / "data" / "register.duckdb"), "--out", str(out)])
    assert code in (0, None), err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_every_rejected_row_of_an_import_is_named_or_said_where_to_find(exports, run_main, tmp_path) -> None:
    """Review 17: an export with 25 rejected rows printed a table titled "the first 20" and nothing more: rows
    21 to 25 were named nowhere, and the table did not say which file its rows are of."""
    import csv

    mapping = exports[0].parent / "cases.mapping.yaml"
    with open(exports[0], encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    sex = rows[0].index("Sex")
    for row in rows[1:26]:
        row[sex] = "Q"  # an unknown code: 25 rows rejected
    bad = tmp_path / exports[0].name
    with open(bad, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    code, out, err = run_main(["register", "import", str(bad), "--mapping", str(mapping)])
    assert code in (0, None), err
    said = " ".join(out.split())
    assert f"Rejected rows of {bad.name}" in said and "the first 20 of 25" in said
    assert "5 more" in said and "--json" in said
    code, out, _ = run_main(["register", "import", str(bad), "--mapping", str(mapping), "--json"])
    assert len(json.loads(out)["rejected_rows"]) == 25


def test_figures_open_the_register_once(imported, run_main, monkeypatch) -> None:
    """`register figures` opened the register four times (the date, the records, the country, the check of the
    cell-key secret), each a DuckDB attach and a check of its format: it reads all of them in one reading, so
    a register changed by an import meanwhile cannot give parts of two states either. The one reading is given
    the whole --wait."""
    from evidence.sources.register import store

    imported()
    real_connect, opened = store.connect, []

    def connect(path, **options):
        opened.append(options.get("wait"))
        return real_connect(path, **options)

    monkeypatch.setattr(store, "connect", connect)
    # the figures are perturbed (cell key), so the register's check of the secret is read as well
    for args in ([], ["--json"]):
        if args:  # the secret is not the imports': said, from the same reading
            monkeypatch.setenv("EVIDENCE_CELL_KEY_SECRET", "another machine's secret")
        opened.clear()
        code, out, err = run_main(["register", "figures", "--as-of", "2023-05-15", "--wait", "7", *args])
        assert code in (0, None), err
        assert len(opened) == 1 and 6.5 < opened[0] <= 7.0, opened  # once, with what is left of --wait
        assert ("cell-key secret in use is not the one" in out) is bool(args)
    assert json.loads(out)["as_of_note"].startswith("as of the export of 2023-04-30")
