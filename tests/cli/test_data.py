"""`evidence data ...`: load, validate, fetch, list and demo, through the real command line."""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from _glotip import write_small_glotip
from typer.testing import CliRunner

from evidence.cli.main import app
from evidence.sources import catalogue
from evidence.sources.catalogue import Release
from evidence.sources.demo import DEMO_RELEASE, V2024_COLUMNS, write_demo
from evidence.sources.provenance import sha256_file
from evidence.sources.registry import sidecar_path
from evidence.sources.store import read_parquet

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(cache))
    monkeypatch.delenv("EVIDENCE_DATA", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps less: assertions see whole lines
    return cache


@pytest.fixture
def demo_file(tmp_path: Path) -> Path:
    return write_demo(tmp_path / "demo.csv", n_rows=400)


@pytest.fixture
def file_with_rejects(tmp_path: Path) -> Path:
    path = write_demo(tmp_path / "rejects.csv", n_rows=200)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("20x5,Man,,THA,THA" + "," * (len(V2024_COLUMNS) - 5) + f",{DEMO_RELEASE}\n")  # marker last
    return path


def invoke(*args: str):
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result


def test_load_json_summary(demo_file: Path) -> None:
    result = invoke("data", "load", str(demo_file), "--json")
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert {"source", "layout", "release", "rows_in", "rows_kept", "rows_rejected", "sha256"} <= set(summary)
    assert summary["source"] == "ctdc"
    assert summary["release"] == DEMO_RELEASE
    assert (summary["rows_in"], summary["rows_kept"], summary["rows_rejected"]) == (400, 400, 0)
    assert summary["sha256"] == sha256_file(demo_file)
    assert summary["demo"] is True and summary["synthetic"] is True
    assert "SYNTHETIC DEMO DATA" in result.stderr  # the banner goes to stderr: stdout stays valid JSON


def test_a_copy_of_the_demo_file_without_its_sidecar_is_still_demo_data(
    demo_file: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copied.csv"
    copy.write_bytes(demo_file.read_bytes().replace(b"\n", b"\r\n"))  # copied, and re-saved with CRLF
    result = invoke("data", "load", str(copy), "--json")
    summary = json.loads(result.stdout)
    assert (summary["demo"], summary["synthetic"], summary["release"]) == (True, True, DEMO_RELEASE)
    assert "CTDC" not in summary["citation"] and "SYNTHETIC DEMO DATA" in result.stderr


def test_load_without_path_uses_the_demo_data_loudly(isolated_environment: Path) -> None:
    result = invoke("data", "load", "--json")
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["demo"] is True
    assert Path(summary["path"]).parent == isolated_environment / "demo"
    assert "no data configured" in result.stderr
    assert "SYNTHETIC DEMO DATA" in result.stderr and "NOT real victims" in result.stderr


def test_load_without_path_uses_the_configured_data(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = shared_data / "ctdc" / "k_anon_excerpt.csv"
    monkeypatch.setenv("EVIDENCE_DATA", str(real))
    result = invoke("data", "load", "--json")
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["path"] == str(real) and summary["demo"] is False
    assert "SYNTHETIC DEMO DATA" not in result.output


def test_an_unwritable_out_path_is_one_clear_error(
    run_main, demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    # a full disk (a file under a file: test_an_out_file_under_a_file_is_refused_naming_the_file_in_the_way)
    import errno

    from evidence.sources import store

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store, "write_parquet", full)
    out = tmp_path / "cases.parquet"
    code, _out, err = run_main(["data", "load", str(demo_file), "--out", str(out)])
    said = " ".join(err.split())
    assert code == 2 and f"--out {out}: cannot write there (No space left on device)" in said, said
    assert "Traceback" not in err and not out.exists()
    code, printed, _ = run_main(["data", "load", str(demo_file), "--out", str(out), "--json"])
    assert code == 2 and json.loads(printed)["error"]["code"] == "system"


def test_load_out_says_where_it_wrote_the_table(run_main, demo_file: Path, tmp_path: Path) -> None:
    """Without --json, `data load --out FILE` wrote the table without a word of it (the JSON says "out")."""
    out = tmp_path / "cases.parquet"
    code, text, err = run_main(["data", "load", str(demo_file), "--out", str(out)])
    assert code in (0, None), err
    assert any(line.split() == ["out", str(out)] for line in text.splitlines()), text


def test_load_out_parquet_round_trip(demo_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "cases.parquet"
    result = invoke("data", "load", str(demo_file), "--out", str(out), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["out"] == str(out)
    table = read_parquet(out)
    assert table.rows_in == 400 and table.data.height == 400
    assert table.provenance.demo and table.provenance.synthetic
    assert table.provenance.release == DEMO_RELEASE
    assert table.provenance.sha256 == sha256_file(demo_file)
    # and a parquet written by evidence loads again like any data file
    again = json.loads(invoke("data", "load", str(out), "--json").stdout)
    assert again["rows_kept"] == 400 and again["demo"] is True


def test_load_summary_tables_suppress_small_counts(tmp_path: Path) -> None:
    tiny = write_demo(tmp_path / "tiny.csv", n_rows=80, seed=5)
    result = invoke("data", "load", str(tiny), "--summary")
    assert result.exit_code == 0
    out = result.stdout
    assert "Victims by year" in out and "Largest corridors" in out
    assert "<5" in out  # 80 records over 22 years: some years have 1-4
    year_rows = [line for line in out.splitlines() if line.strip("│ ").startswith("20")]
    assert len(year_rows) >= 15
    for line in year_rows:
        cells = [c.strip() for c in line.split("│") if c.strip()]
        count = cells[-1]
        if count == "no records":  # a year without records: no count, never a 0
            assert len(cells) == 2
            continue
        assert count in {"<5", "x"} or int(count.replace(",", "")) == 0 or int(count.replace(",", "")) >= 5


def _summary_cells(out: str) -> dict[str, str]:
    """The cells of `data load --summary`'s tables: year or corridor -> the count shown."""
    cells = {}
    for line in out.splitlines():
        parts = [c.strip() for c in line.split("│") if c.strip()]
        if len(parts) >= 2 and (parts[0][:2] in ("19", "20") or " -> " in parts[0] or parts[0] == "Total"):
            cells[parts[0]] = parts[-1]
    return cells


def test_load_summary_of_real_victim_records_publishes_the_numbers_of_every_other_output(
    shared_data: Path, tmp_path: Path
) -> None:
    # the review found "MMR -> THA 40" here against 39 in the briefs and flows: the noise measured
    import polars as pl

    from evidence.sources.registry import load

    path = shared_data / "ctdc" / "k_anon_sample.csv"  # records of real people: perturbed by the cell key
    cells = _summary_cells(invoke("data", "load", str(path), "--summary").stdout)
    flows = json.loads(invoke("flows", "--data", str(path), "--json").stdout)["flows"]
    trend = json.loads(invoke("trend", "--data", str(path), "--json").stdout)["yearly_counts"]
    published = {f"{f['origin_iso3']} -> {f['destination_iso3']}": f["victims"] for f in flows if f["rank"]}
    published |= {str(row["year"]): row["victims"] for row in trend}
    # a year without records of the selection has no count in either (the summary shows "no records")
    cells = {label: shown for label, shown in cells.items() if shown != "no records"}
    assert all(published[y] is None for y in {"2003", "2011"} & set(published))
    corridors = [c for c in cells if " -> " in c]
    assert len(corridors) >= 5 and len(cells) - len(corridors) >= 8  # the years with records, and the total
    for label, shown in cells.items():
        assert label in published, label
        assert shown == (f"{published[label]:,}" if isinstance(published[label], int) else published[label])
    # and they are perturbed: the true counts are not all there is to see
    data = load(path).data.drop_nulls(["origin_iso3", "destination_iso3"])
    true = data.group_by(pl.format("{} -> {}", "origin_iso3", "destination_iso3").alias("c")).len()
    exact = dict(zip(true["c"].to_list(), true["len"].to_list(), strict=True))
    assert any(int(cells[c].replace(",", "")) != exact[c] for c in corridors)


def test_validate_clean_file_exits_0(demo_file: Path) -> None:
    result = invoke("data", "validate", str(demo_file))
    assert result.exit_code == 0
    assert "valid" in result.stdout and "400 rows kept" in result.stdout


def test_validate_rejected_rows_exit_1_with_a_report(file_with_rejects: Path) -> None:
    result = invoke("data", "validate", str(file_with_rejects))
    assert result.exit_code == 1
    assert "Rejected rows" in result.stdout
    assert "202" in result.stdout  # the line number of the bad row (header = line 1)
    assert "yearOfRegistration" in result.stdout and "20x5" in result.stdout  # the column and the bad value
    assert "1 of 201 rows rejected" in result.stdout


def test_not_a_ctdc_file_exits_2_with_one_line(run_main, tmp_path: Path) -> None:
    other = tmp_path / "shopping.csv"
    other.write_text("item,price\napples,3\n", encoding="utf-8")
    code, out, err = run_main(["data", "load", str(other)])
    assert code == 2
    assert "Traceback" not in err + out
    assert err.startswith("error:")
    assert len(err.strip().splitlines()) == 1
    assert "shopping.csv" in err


def test_missing_file_exits_2(run_main, tmp_path: Path) -> None:
    code, _out, err = run_main(["data", "validate", str(tmp_path / "absent.csv")])
    assert code == 2 and "no such file" in err and "Traceback" not in err


def test_demo_command_writes_a_labelled_file(tmp_path: Path) -> None:
    out = tmp_path / "my_demo.csv"
    result = invoke("data", "demo", "--rows", "300", "--seed", "3", "--out", str(out))
    assert result.exit_code == 0
    assert out.read_text().count("\n") == 301
    assert json.loads(sidecar_path(out).read_text())["demo"] is True
    assert str(out) in result.stdout.replace("\n", "")
    same = tmp_path / "same.csv"
    invoke("data", "demo", "--rows", "300", "--seed", "3", "--out", str(same))
    assert same.read_bytes() == out.read_bytes()


@pytest.mark.parametrize("name", ["demo.parquet", "demo.xlsx", "demo.json", "folder"])
def test_demo_out_must_be_a_csv_file(tmp_path: Path, run_main, name: str) -> None:
    """``--out`` names the CSV written: a folder, or a name whose suffix says another format (which every loader
    would then refuse as "not a readable Parquet file"), is refused at once naming the option, nothing written."""
    out = tmp_path / name
    if name == "folder":
        out.mkdir()
    code, _out, err = run_main(["data", "demo", "--rows", "20", "--out", str(out)])
    assert code == 2, err
    assert err.startswith(f"error: --out {out}: ") and ".csv" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == (["folder"] if name == "folder" else [])
    assert name == "folder" or not list(out.parent.glob(f"{name}*"))


def test_demo_command_default_goes_to_the_cache(isolated_environment: Path) -> None:
    result = invoke("data", "demo", "--rows", "100")
    assert result.exit_code == 0
    assert list((isolated_environment / "demo").glob("*_100.csv"))


def test_list_shows_catalogue_and_cache_state() -> None:
    rows = json.loads(invoke("data", "list", "--json").stdout)["releases"]
    names = {r["name"] for r in rows}
    assert set(catalogue.CATALOGUE) | {"demo"} == names
    assert {"ctdc-global-synthetic", "unodc-glotip", "walkfree-gsi-2023", "tip-tiers-kelley"} <= names
    assert all(r["cached"] is None for r in rows)
    table = invoke("data", "list")
    assert table.exit_code == 0 and "not cached" in table.stdout and "tip-tiers-kelley" in table.stdout


def test_list_names_the_demo_data_by_its_generator_version_not_a_release_id() -> None:
    """Readers read "demo generator version 2", as the briefs say it, not a bare "demo-2" (a publisher's id)."""
    rows = {r["name"]: r for r in json.loads(invoke("data", "list", "--json").stdout)["releases"]}
    assert (
        rows["demo"]["title"] == "evidence synthetic demo data, demo generator version 2 (NOT real records)"
    )


def test_fetch_from_loopback_then_list_shows_it_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    body = b'"countryname","iso","year","ccode","tier"\n"Thailand","THA",2014,800,"Tier 3"\n'

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/tiers.csv"
        release = Release(
            name="loopback-tiers",
            source="us_tip_tiers",
            title="tiers on loopback",
            url=url,
            filename="tiers.csv",
            licence="MIT",
            citation="test",
            description="test",
        )
        monkeypatch.setitem(catalogue.CATALOGUE, release.name, release)
        result = invoke("data", "fetch", "loopback-tiers")
        assert result.exit_code == 0, result.output
        assert "fetched" in result.stdout
        again = invoke("data", "fetch", "loopback-tiers")
        assert "already cached" in again.stdout
        # as its sibling `data list`, for a script that loads what it fetched
        document = json.loads(invoke("data", "fetch", "loopback-tiers", "--json").stdout)
        assert document["schema"] == "evidence.data.fetch" and document["name"] == "loopback-tiers"
        assert document["path"].endswith("tiers.csv") and document["fetched"] is False
        forced = json.loads(invoke("data", "fetch", "loopback-tiers", "--force", "--json").stdout)
        assert forced["fetched"] is True and forced["path"] == document["path"]
        rows = {r["name"]: r for r in json.loads(invoke("data", "list", "--json").stdout)["releases"]}
        assert rows["loopback-tiers"]["cached"].endswith("tiers.csv")
    finally:
        server.shutdown()
        server.server_close()


def test_fetch_with_url_of_a_release_already_cached_says_nothing_was_downloaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--url`` with a good copy cached returns that copy (``fetch`` downloads only with ``--force``): the
    command says "already cached" and ``fetched`` false, not that it fetched the file from the URL."""
    mirror = tmp_path / "mirror.csv"
    mirror.write_text('"countryname","iso","year","ccode","tier"\n"Thailand","THA",2014,800,"Tier 3"\n')
    release = Release(
        name="file-tiers",
        source="us_tip_tiers",
        title="tiers from a file",
        url=mirror.as_uri(),
        filename="tiers.csv",
        licence="MIT",
        citation="test",
        description="test",
    )
    monkeypatch.setitem(catalogue.CATALOGUE, release.name, release)
    first = json.loads(invoke("data", "fetch", "file-tiers", "--json").stdout)
    assert first["fetched"] is True
    elsewhere = tmp_path / "elsewhere.csv"
    other = '"countryname","iso","year","ccode","tier"\n"Thailand","THA",2015,800,"Tier 3"\n'
    elsewhere.write_text(other)
    again = invoke("data", "fetch", "file-tiers", "--url", elsewhere.as_uri())
    assert again.exit_code == 0, again.output
    assert "already cached" in again.stdout and "--force" in again.stdout
    document = json.loads(invoke("data", "fetch", "file-tiers", "--url", elsewhere.as_uri(), "--json").stdout)
    assert document["fetched"] is False and document["path"] == first["path"]
    forced = json.loads(
        invoke("data", "fetch", "file-tiers", "--url", elsewhere.as_uri(), "--force", "--json").stdout
    )
    assert forced["fetched"] is True and Path(forced["path"]).read_text() == other


def test_fetch_a_page_only_release_asks_for_a_url(run_main, monkeypatch, capsys) -> None:
    code, _out, err = run_main(["data", "fetch", "ctdc-global-synthetic"])
    assert code == 2
    assert "--url" in err and "ctdatacollaborative.org" in err
    assert "Traceback" not in err


def test_fetch_unknown_name(run_main, monkeypatch, capsys) -> None:
    code, _out, err = run_main(["data", "fetch", "nope"])
    assert code == 2 and "known:" in err


def test_usage_errors_exit_2_with_the_usage_line_and_no_traceback():
    import subprocess

    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from evidence.cli.main import main; main()",
            "data",
            "load",
            "--no-such-option",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "No such option" in proc.stderr and "Traceback" not in proc.stderr


def test_validate_strict_reports_declared_values_not_held_and_exits_1(tmp_path: Path) -> None:
    # a TIP code the country reference does not know is kept (flagged): a UNODC one reads as an aggregate
    path = tmp_path / "tiers.csv"
    path.write_text("iso3,report_year,tier\nTHA,2024,Tier 2\nABC,2024,Tier 3\n", encoding="utf-8")
    assert invoke("data", "validate", str(path)).exit_code == 0  # every row kept: valid without --strict
    result = invoke("data", "validate", str(path), "--strict")
    assert result.exit_code == 1
    assert "Declared values not held (--strict)" in result.stdout
    assert re.search(r"│ 3 +│ iso3 +│ ABC", result.stdout), result.stdout
    assert "fails: an ISO3 code of the country reference" in result.stdout
    assert "1 value check failure\n" in result.stdout  # one failure in the singular (was "failure(s)")
    clean = write_small_glotip(tmp_path / "ok.xlsx", [("THA", "Myanmar", "30")])
    result = invoke("data", "validate", str(clean), "--strict")
    assert result.exit_code == 0 and "declared values hold" in result.stdout


def test_validate_lists_unmapped_citizenships_with_victims_and_a_suggestion(tmp_path: Path) -> None:
    path = write_small_glotip(
        tmp_path / "g.xlsx", [("THA", "Myanmar", "60"), ("THA", "Thialand", "30"), ("THA", "Atlantis", "<5")]
    )
    result = invoke("data", "validate", str(path))
    assert result.exit_code == 0
    assert "Citizenships not mapped to a country" in result.stdout
    lines = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if line.count("│") > 4}
    assert "30" in lines["Thialand"] and "Thailand (THA)" in lines["Thialand"]
    assert "<5" in lines["Atlantis"]
    text = " ".join(result.stdout.split())
    assert "Of the victims detected by citizenship, 34.1%–36.2% have a citizenship" in text


def test_text_from_the_data_is_never_rich_markup(capsys):
    import polars as pl

    from evidence.cli import data

    frame = pl.DataFrame({"As written [b]": ["Côte [/] d'Ivoire", "[link=https://x.example]x[/link]"]})
    data._print_display("Unmapped", frame)  # "[/]" used to raise rich.errors.MarkupError
    out = capsys.readouterr().out
    assert "Côte [/] d'Ivoire" in out and "[link=https://x.example]" in out and "As written [b]" in out


def test_load_of_list_capture_data_names_evidence_estimate(
    run_main, shared_data: Path, tmp_path: Path
) -> None:
    # the review (finding 16): "not a layout any loader knows (header 'LA,NG,PFNCA,GO,GP,count')"
    path = shared_data / "mse" / "uk_2013_5list" / "UKdat_5.csv"
    code, out, err = run_main(["data", "load", str(path)])
    message = " ".join(err.split())
    assert code == 2 and "UKdat_5.csv" in message and "Traceback" not in err + out
    assert "list-capture data" in message and f"evidence estimate --data {path}" in message
    cases = tmp_path / "cases.csv"  # one row per case, no count column
    cases.write_text("case_id,police,ngo,shelter\n1,1,0,0\n2,0,1,1\n3,1,1,0\n")
    message = " ".join(run_main(["data", "load", str(cases)])[2].split())
    assert "list-capture data (a 0/1 column per list:" in message and "evidence estimate" in message
    # a file of other 0/1 flags with a text column is no list data
    other = tmp_path / "other.csv"
    other.write_text("name,a,b\nx,1,0\n")
    assert "list-capture" not in run_main(["data", "load", str(other)])[2]


def test_load_warns_of_a_file_with_a_header_and_no_rows(tmp_path) -> None:
    from evidence.sources.registry import NOTE_NO_ROWS

    path = tmp_path / "tip.csv"
    path.write_text("iso3,report_year,tier\n", encoding="utf-8")
    result = runner.invoke(app, ["data", "load", str(path)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "warning" in result.output and " ".join(NOTE_NO_ROWS.split()[:4]) in " ".join(
        result.output.split()
    )


def test_load_out_csv_writes_formulas_from_the_data_as_text(tmp_path: Path) -> None:
    # a country's name in a tiers file reached the CSV as a live spreadsheet formula; numbers stay numbers
    path = tmp_path / "tiers.csv"
    path.write_text(
        'country,iso3,report_year,tier\n"=HYPERLINK(""http://x"",""y"")",THA,2020,Tier 2\n@SUM(A1),MMR,2020,Tier 3\n',
        encoding="utf-8",
    )
    out = tmp_path / "tiers_out.csv"
    result = invoke("data", "load", str(path), "--out", str(out))
    assert result.exit_code == 0, result.output
    import polars as pl

    written = pl.read_csv(out)
    assert sorted(written["country"].to_list()) == ['\'=HYPERLINK("http://x","y")', "'@SUM(A1)"]
    assert written["report_year"].to_list() == [2020, 2020]


def test_validate_shows_control_characters_in_values_as_escapes(tmp_path: Path) -> None:
    # REVIEW8 m9: an ESC colour, an OSC-8 hyperlink and a C1 CSI in a rejected value (and the file's name)
    # reached the terminal and cron logs raw; they are shown as visible escapes, in every table
    path = write_demo(tmp_path / "re\x1b[2Jjects.csv", n_rows=200)
    bad = "20\x1b[31mx5\x1b]8;;http://evil.example\x07click\x1b]8;;\x07\x9b2J"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"{bad},Man,,THA,THA" + "," * (len(V2024_COLUMNS) - 5) + f",{DEMO_RELEASE}\n")
    result = invoke("data", "validate", str(path))
    assert result.exit_code == 1
    assert not any(c in result.stdout for c in "\x1b\x07\x9b"), repr(result.stdout)
    assert "\\x1b[31mx5\\x1b]8;;http://evil.example\\x07click" in result.stdout
    assert "re\\x1b[2Jjects.csv" in result.stdout


def test_load_json_writes_no_terminal_control(tmp_path: Path) -> None:
    path = write_demo(tmp_path / "c1\x9b2J.csv", n_rows=50)
    result = invoke("data", "load", str(path), "--json")
    assert result.exit_code == 0 and "\x9b" not in result.stdout
    assert json.loads(result.stdout)["path"] == str(path)


@pytest.mark.parametrize("suffix", [".csv", ".json", ".CSV"])
def test_load_out_writes_the_format_its_suffix_names(
    run_main, demo_file: Path, tmp_path: Path, suffix
) -> None:
    """`--out table.csv` wrote Parquet under a .csv name; now the format the suffix names, and says which."""
    import polars as pl

    out = tmp_path / f"cases{suffix}"
    code, text, err = run_main(["data", "load", str(demo_file), "--out", str(out)])
    assert code in (0, None), err
    assert not out.read_bytes().startswith(b"PAR1")
    read = pl.read_csv(out) if suffix.lower() == ".csv" else pl.read_json(out)
    assert read.height == 400 and "year" in read.columns
    assert any(line.split() == ["out", str(out)] for line in text.splitlines()), text
    assert ("CSV" if suffix.lower() == ".csv" else "JSON") in next(
        line for line in text.splitlines() if line.split()[:1] == ["out_format"]
    )


@pytest.mark.parametrize("name", ["cases.txt", "cases"])
def test_load_out_refuses_a_suffix_it_does_not_write(run_main, demo_file: Path, tmp_path: Path, name) -> None:
    out = tmp_path / name
    code, _, err = run_main(["data", "load", str(demo_file), "--out", str(out)])
    assert code == 2 and "Traceback" not in err and not out.exists()
    assert f"--out {out}: name a .parquet" in " ".join(err.split()) and ".csv or .json" in err


def test_load_out_refuses_a_folder_before_anything_is_read(run_main, demo_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "tables.parquet"
    out.mkdir()
    code, _, err = run_main(["data", "load", str(demo_file), "--out", str(out)])
    assert code == 2 and "Traceback" not in err
    assert f"--out {out}: is a folder; give the file to write" in " ".join(err.split())


def test_an_out_file_under_a_file_is_refused_naming_the_file_in_the_way(
    run_main, demo_file: Path, tmp_path: Path, monkeypatch
) -> None:
    """QA27: `data load FILE --out notes.txt/table.csv` (a file where a folder was meant) read the whole file,
    then said "--out notes.txt/table.csv: cannot write there (File exists)": no word of which file is in the
    way. It is refused before anything is read, naming it, as the runs folder's check does."""
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder\n", encoding="utf-8")
    read: list[object] = []
    from evidence.sources import registry

    monkeypatch.setattr(registry, "load", lambda *a, **k: read.append(a) or pytest.fail("the file was read"))
    for out in (blocker / "table.csv", blocker / "deeper" / "table.parquet"):
        code, _, err = run_main(["data", "load", str(demo_file), "--out", str(out)])
        said = " ".join(err.split())
        assert code == 2 and "Traceback" not in err, err
        assert f"--out {out}: {blocker} is a file, not a folder" in said, said
        assert "File exists" not in said and "Not a directory" not in said
        code, _, err = run_main(["data", "demo", "--rows", "50", "--out", str(out)])
        assert code == 2 and f"{blocker} is a file, not a folder" in " ".join(err.split()), err
    assert read == [] and blocker.read_text(encoding="utf-8") == "not a folder\n"


def test_load_summary_names_rows_holding_nothing(tmp_path: Path) -> None:
    # a blank line among the records is left out of rows_in and said in the summary, not only in --json
    path = tmp_path / "tiers.csv"
    path.write_text("country,iso3,report_year,tier\nThailand,THA,2020,Tier 2\n,,,\nMyanmar,MMR,2020,Tier 3\n")
    result = invoke("data", "load", str(path))
    assert result.exit_code == 0, result.output
    assert "rows_left_out" in result.output and "1 (not records" in result.output


def test_demo_json_says_where_it_wrote_the_file(tmp_path: Path) -> None:
    out = tmp_path / "demo.csv"
    result = invoke("data", "demo", "--rows", "50", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["schema"] == "evidence.data.demo" and document["path"] == str(out)
    assert document["rows"] == 50 and document["demo"] is True and out.is_file()


def test_load_summary_with_json_is_refused_not_dropped(run_main, demo_file: Path) -> None:
    """`data load --summary --json` printed the JSON without the tables asked for, and said nothing."""
    code, out, err = run_main(["data", "load", str(demo_file), "--summary", "--json"])
    text = " ".join(err.split())
    assert code == 2 and "error: --summary prints tables for reading" in text, err
    assert json.loads(out)["error"]["code"] == "invalid_parameter"


def test_load_out_with_several_configured_files_names_the_argument_as_help_does(
    run_main, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refusal said "pass one PATH" where `data load --help` names the argument FILE."""
    files = [shared_data / "ctdc" / "k_anon_excerpt.csv", shared_data / "tip" / "tip_tiers_1999_2015.csv"]
    monkeypatch.setenv("EVIDENCE_DATA", os.pathsep.join(map(str, files)))
    code, _, err = run_main(["data", "load", "--out", str(tmp_path / "t.parquet")])
    text = " ".join(err.split())
    assert code == 2 and "EVIDENCE_DATA names 2 files; pass one FILE" in text and "PATH" not in text, err


def test_load_and_validate_help_say_what_their_options_do() -> None:
    """`data load FILE` listed only CTDC, UNODC, TIP and GSI (not case records with a mapping, nor a register);
    `--disclosure-threshold` did not say it acts only on the tables of `--summary` (load) and of unmapped citizenships
    (validate); `validate --limit` said "rejected rows" but limits the flagged rows and failed checks too."""
    env = {"COLUMNS": "400"}
    load = " ".join(runner.invoke(app, ["data", "load", "--help"], env=env).stdout.split())
    assert "case records (with their mapping file) or a register" in load
    assert "the tables of --summary are the ones --disclosure-threshold protects" in load
    validate = " ".join(runner.invoke(app, ["data", "validate", "--help"], env=env).stdout.split())
    assert "rows of each list shown (rejected, flagged, failed value checks)" in validate
    assert "--disclosure-threshold protects the table of citizenships not mapped to a country" in validate


def test_out_parquet_in_capitals_is_written_and_read_back(tmp_path: Path, demo_file: Path, run_main) -> None:
    """``--out T.Parquet`` wrote a Parquet file that ``data load T.Parquet`` (and every --data) then refused as
    "binary data, not a text table": the loaders knew a Parquet file by its suffix in lower case only. A Parquet
    file is now known by its suffix in any case, or by its magic number under another name."""
    out = tmp_path / "T.Parquet"
    assert run_main(["data", "load", str(demo_file), "--out", str(out)])[0] in (0, None)
    code, _, err = run_main(["data", "load", str(out)])
    assert code in (0, None), err
    renamed = tmp_path / "T.table"
    out.rename(renamed)
    code, _, err = run_main(["data", "load", str(renamed)])
    assert code in (0, None), err


def test_validate_says_one_row_in_the_singular(tmp_path: Path) -> None:
    """ "1 rows: year is not a number" and "all 1 rows kept" (loose30): one row is a row."""
    result = invoke("data", "validate", str(write_demo(tmp_path / "one.csv", n_rows=1)))
    assert result.exit_code == 0, result.stdout
    assert "the 1 row kept" in result.stdout and "1 rows" not in result.stdout
    path = tmp_path / "bad.csv"
    path.write_text(
        "\n".join([",".join(V2024_COLUMNS), "20x5,Man,,THA,THA" + "," * (len(V2024_COLUMNS) - 5)]) + "\n",
        encoding="utf-8",
    )
    result = invoke("data", "validate", str(path))
    assert result.exit_code == 1
    assert "1 row: year is not a number" in result.stdout and "1 of 1 row rejected" in result.stdout
    assert "1 rows" not in result.stdout
