"""``evidence compare`` on the real shared files."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.fixture(scope="module")
def files(shared_data):
    return [
        "--data",
        str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"),
        "--data",
        str(shared_data / "walkfree" / "gsi_2023.xlsx"),
        "--data",
        str(shared_data / "tip" / "tip_tiers_1999_2015.csv"),
    ]


def test_compare_json(run_main, files):
    code, out, _ = run_main(["compare", "THA", "--peers", "KHM,LAO,MMR,SGP", *files, "--json"])
    assert code in (0, None)
    payload = json.loads(out)
    assert payload["country"] == "THA" and payload["peers"] == ["KHM", "LAO", "MMR", "SGP"]
    thailand = payload["countries"][0]["measures"]
    assert thailand["estimated_in_modern_slavery"]["value"] == 401000
    assert thailand["estimated_in_modern_slavery"]["source"] == "Walk Free Global Slavery Index, 2023 edition"
    assert round(thailand["prevalence_per_1000"]["value"], 2) == 5.74
    assert thailand["detected_victims"]["value"] == 134 and thailand["detected_victims"]["year"] == 2021
    assert thailand["tip_tier"]["label"] == "Tier 3" and thailand["tip_tier"]["year"] == 2015
    assert thailand["detected_per_1000_estimated"]["value"] == pytest.approx(134 / 401)
    singapore = payload["countries"][-1]["measures"]
    # a withheld count is its label in place of the number, as in every document; its rates too
    assert singapore["detected_victims"]["display"] == singapore["detected_victims"]["value"] == "<5"
    assert singapore["detected_victims"]["withheld"] and "value_low" not in singapore["detected_victims"]
    rate = singapore["detected_per_100k"]
    assert rate["withheld"] and rate["value"] == rate["display"] and rate["value"].startswith("<")
    assert payload["sources_missing"] == []


def test_compare_labels_a_missing_total_as_the_brief_does_and_leaves_out_peers_without_data(run_main, files):
    # the review: Cambodia's missing total was "n/a" here and "no total" in the brief's peers table
    from evidence.presentation.comparison import NO_TOTAL

    code, out, _ = run_main(["compare", "THA", "--peers", "KHM,SHN", *files, "--json"])
    assert code in (0, None)
    payload = json.loads(out)
    cambodia = next(c for c in payload["countries"] if c["iso3"] == "KHM")["measures"]
    assert cambodia["detected_victims"]["display"] == NO_TOTAL
    assert payload["peers_left_out"] == ["Saint Helena"] or "Saint Helena" in payload["peers_left_out"][0]
    assert [c["iso3"] for c in payload["countries"]] == ["THA", "KHM"]
    _, text, _ = run_main(["compare", "THA", "--peers", "KHM,SHN", *files])
    assert f"{NO_TOTAL}: the UNODC data hold figures" in " ".join(text.split()) and "Left out: 1" in text


def test_compare_table_names_sources_and_years(run_main, files):
    code, out, _ = run_main(["compare", "THA", "--peers", "MMR", *files])
    assert code in (0, None)
    assert "401,000 (2021)" in out and "Tier 3 (2015)" in out
    assert (
        "Source: Walk Free Global Slavery Index, 2023 edition" in out
        and "UNODC GLOTIP, release 30 May 2023" in out
    )


def test_compare_says_what_is_missing(run_main, shared_data, monkeypatch):
    monkeypatch.delenv("EVIDENCE_DATA", raising=False)
    # without data, as every command: the toolkit's synthetic demo files, loudly (the docs audit: the --data help
    # promised the demo data, and compare refused to run)
    code, text, err = run_main(["compare", "THA"])
    assert code in (0, None) and "SYNTHETIC DEMO DATA" in err and "SYNTHETIC DEMO DATA" in text
    code, out, _ = run_main(["compare", "THA", "--json"])
    assert code in (0, None) and all(source["demo"] for source in json.loads(out)["sources"])
    code, out, _ = run_main(
        ["compare", "THA", "--data", str(shared_data / "walkfree" / "gsi_2023.xlsx"), "--json"]
    )
    assert code in (0, None)
    payload = json.loads(out)
    assert payload["sources_missing"] == ["unodc_glotip", "us_tip_tiers"]
    assert payload["countries"][0]["measures"]["detected_victims"]["display"] == "n/a"
    _, text, _ = run_main(["compare", "THA", "--data", str(shared_data / "walkfree" / "gsi_2023.xlsx")])
    # a reader is told what is missing by its name, never by a layout id
    assert "Not given: UNODC GLOTIP country data" in text and "unodc_glotip" not in text
    code, _, err = run_main(["compare", "THA", "--data", str(shared_data / "ctdc" / "k_anon_sample.csv")])
    assert code == 2 and "case table" in err


def test_compare_sets_aside_the_files_it_cannot_use_and_names_them(run_main, files, shared_data):
    """The review (finding 10): the brief's --data list (victim records too) was refused; the files compare
    cannot use are left out and named, the figures are those of the files it reads, and nothing usable left is
    an error naming every file."""
    cases = str(shared_data / "ctdc" / "k_anon_sample.csv")
    args = ["compare", "THA", "--peers", "KHM,LAO,MMR,SGP"]
    code, out, _ = run_main([*args, "--data", cases, *files, "--json"])
    assert code in (0, None)
    payload = json.loads(out)
    assert payload.pop("files_not_used") == [{"path": cases, "reason": "a case table"}]
    code, without, _ = run_main([*args, *files, "--json"])
    plain = json.loads(without)
    assert plain.pop("files_not_used") == [] and payload == plain
    code, text, _ = run_main([*args, "--data", cases, *files])
    assert code in (0, None)
    assert (
        f"Not used: {cases} (a case table; compare reads UNODC GLOTIP, GSI and TIP tier files)."
        in " ".join(text.split())
    )
    excerpt = str(shared_data / "ctdc" / "k_anon_excerpt.csv")
    code, _, err = run_main(["compare", "THA", "--data", cases, "--data", excerpt])
    assert code == 2 and "none of the files given" in err
    assert "k_anon_sample.csv (a case table)" in err and "k_anon_excerpt.csv (a case table)" in err


def test_compare_imports_stay_light():
    """The command's module, and what it imports to answer, pull in no charting, notebook or map library."""
    code = (
        "import sys; import evidence.cli.compare, evidence.analyses.society, evidence.presentation.comparison, "
        "evidence.sources.cache; heavy = {'altair', 'papermill', 'geopandas', 'vl_convert', 'nbformat'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_compare_states_the_gsi_edition_of_the_file_given(run_main, shared_data, tmp_path):
    """A GSI 2025 file (no estimate year the loader knows): compare never says 2021 or 2023 of its figures."""
    from _gsi import gsi_2025

    files = [
        "--data",
        str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"),
        "--data",
        str(gsi_2025(shared_data, tmp_path)),
    ]
    code, out, _ = run_main(["compare", "THA", "--peers", "MMR", *files])
    assert code in (0, None)
    text = " ".join(out.split())
    assert "Global Slavery Index 2025, estimate year not stated" in text
    assert "GSI 2023" not in text and "Index 2023" not in text and "GSI's 2021" not in text
    assert "for 2021" not in text and "401,000 (2021)" not in text
    assert "401,000" in text


def test_a_bad_peer_is_named_as_the_peers_option_s_and_an_empty_list_is_refused(run_main, files):
    """An analyst's typo in --peers was said as "unknown country 'XXX'", as if the country argument were wrong;
    an empty --peers (",,") printed the country alone, with no word of why."""
    code, _, err = run_main(["compare", "THA", "--peers", "KHM,XXX,Lao", *files])
    assert code == 2 and "--peers: unknown country 'XXX'" in " ".join(err.split())
    code, out, _ = run_main(["compare", "THA", "--peers", "KHM,XXX", *files, "--json"])
    assert code == 2 and json.loads(out)["error"]["message"].startswith("--peers: unknown country 'XXX'")
    code, _, err = run_main(["compare", "THA", "--peers", " , ,", *files])
    assert code == 2 and "--peers names no country" in " ".join(err.split())
    code, out, _ = run_main(["compare", "THA", "--peers", "Cambodia, lao", *files, "--json"])
    assert code in (0, None) and json.loads(out)["peers"] == ["KHM", "LAO"]


def test_compare_s_numbers_are_the_raw_files_numbers(run_main, files, shared_data):
    """Detected victims (the latest year's Total cell of UNODC's workbook) and their rates against the GSI's
    population and estimate, read independently from the raw workbooks."""
    import polars as pl

    raw = pl.read_excel(
        shared_data / "unodc" / "data_glotip_2023-05-30.xlsx",
        read_options={"header_row": 2},
        infer_schema_length=0,
    )
    totals = (
        raw.filter(
            (pl.col("Indicator") == "Detected trafficking victims")
            & (pl.col("Dimension") == "Total")
            & (pl.col("Sex") == "Total")
            & (pl.col("Age") == "Total")
        )
        .with_columns(pl.col("Year").cast(pl.Int32))
        .sort("Year")
        .group_by("Iso3_code")
        .agg(pl.col("Year").last(), pl.col("txtVALUE").last())
    )
    gsi = pl.read_excel(
        shared_data / "walkfree" / "gsi_2023.xlsx",
        sheet_name="GSI 2023 summary data",
        read_options={"header_row": 2},
    )
    code, out, _ = run_main(["compare", "NGA", *files, "--json"])
    assert code in (0, None)
    checked = 0
    for country in json.loads(out)["countries"]:
        measures, found = country["measures"], totals.filter(pl.col("Iso3_code") == country["iso3"])
        if not found.height:
            continue
        year, text = found.row(0)[1:]
        detected = measures["detected_victims"]
        assert detected["year"] == year
        if text == "<5":
            assert detected["value"] == "<5" and measures["detected_per_100k"]["value"].startswith("<")
            continue
        count = float(text.replace(",", ""))
        assert detected["value"] == count
        row = gsi.filter(pl.col("Country") == country["country"])
        if row.height:
            population = row["Population"][0]
            assert measures["detected_per_100k"]["value"] == pytest.approx(count / population * 1e5, rel=1e-6)
            checked += 1
    assert checked >= 8  # Western Africa: Nigeria and most of its neighbours


@pytest.mark.parametrize("args", [["XXX"], ["THA", "--peers", "KHM,XXX"], ["THA", "--peers", ","]])
def test_a_bad_country_or_peer_is_refused_before_any_data_are_read(run_main, args) -> None:
    """``compare XXX`` read every data file (and, without data, printed the demo data's warning) before saying
    the country is unknown: the command line is checked first, as the other commands check theirs."""
    code, _, err = run_main(["compare", *args])
    assert code == 2 and err.startswith("error: ") and "SYNTHETIC" not in err, err


def test_compare_says_the_rows_it_rejected_with_their_row_and_column(run_main, shared_data, tmp_path):
    """A tier typed "Tier 9" in TIP's file: `compare` printed the others' tiers (exit 0) without a word."""
    lines = (shared_data / "tip" / "tip_tiers_1999_2015.csv").read_text(encoding="utf-8").splitlines()
    assert lines[4].endswith('"Tier 3"')
    lines[4] = lines[4].replace('"Tier 3"', '"Tier 9"')
    path = tmp_path / "tip_typo.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run_main(["compare", "AFG", "--peers", "IRN", "--data", str(path), "--json"])
    text = " ".join(err.split())
    assert code in (0, None), err
    assert json.loads(out)["schema"] == "evidence.compare"
    assert f"{path}: 1 of 3,208 rows rejected, not counted (row 5, tier" in text, text


def test_a_missing_file_named_in_evidence_data_says_where_it_was_named(run_main, tmp_path, monkeypatch):
    """`compare` said "no such file" of a file the user never typed (set in EVIDENCE_DATA long ago), where `flows`,
    `trend`, `brief` and `run` say "(named in EVIDENCE_DATA)"."""
    missing = tmp_path / "data_glotip.xlsx"
    monkeypatch.setenv("EVIDENCE_DATA", str(missing))
    code, _, err = run_main(["compare", "THA"])
    text = " ".join(err.split())
    assert code == 2 and f"error: {missing}: no such data file (named in EVIDENCE_DATA)" in text, err


def test_the_country_itself_or_a_repeated_peer_is_dropped_from_peers_and_said(run_main, files):
    """`compare THA --peers THA` printed Thailand alone (exit 0) under "Thailand and its peers", and
    `--peers THA,KHM,Thailand` dropped Thailand without a word: the country is not its own peer."""
    code, out, err = run_main(["compare", "THA", "--peers", "THA,KHM,Thailand,khm", *files, "--json"])
    text = " ".join(err.split())
    assert code in (0, None), err
    assert json.loads(out)["peers"] == ["KHM"]
    assert "--peers: THA (Thailand) is the country compared, not a peer of it: left out" in text, text
    assert "--peers: KHM (Cambodia) given twice: compared once" in text, text
    code, out, err = run_main(["compare", "Thailand", "--peers", "THA", *files, "--json"])
    message = json.loads(out)["error"]["message"]
    assert code == 2 and message.startswith("--peers names only THA (Thailand), the country compared"), (
        message
    )
    assert "error: --peers names only THA (Thailand)" in " ".join(err.split())
