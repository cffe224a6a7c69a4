"""``evidence flows`` and ``evidence trend``: what leaves the toolkit has passed disclosure control."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl
import pytest
import typer
from _ages import coded_ages
from _forked import Check, Done, Stage, run_forked
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from evidence.cli.analyse import DEMO_WARNING, register
from evidence.core.errors import ParameterError
from evidence.sources.case_schema import conform
from evidence.sources.loaded import LoadedTable
from evidence.sources.provenance import Provenance
from evidence.sources.store import write_parquet


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def _victims(origin: str, n: int, year: int, gender: str = "Female") -> list[dict]:
    return [
        {
            "year": year,
            "gender": gender,
            "origin_iso3": origin,
            "origin_region": "Asia",
            "origin_subregion": "South-eastern Asia",
            "destination_iso3": "THA",
            "destination_region": "Asia",
            "destination_subregion": "South-eastern Asia",
        }
    ] * n


def _case_parquet(path, records: list[dict], protection: str = "suppression"):
    """Hand-made victim records as a canonical case table on disk (protected by suppression unless told)."""
    data = conform(pl.DataFrame(records, infer_schema_length=None))
    provenance = Provenance(
        source="test",
        layout="hand-made",
        release="1",
        path=path.with_suffix(".csv").name,
        sha256="0" * 64,
        url="",
        licence="",
        citation="hand-made test records",
        protection=protection,
    )
    return write_parquet(LoadedTable(data=data, provenance=provenance, rows_in=data.height), path)


@pytest.fixture
def case_file(tmp_path):
    records = []
    for year in range(2015, 2023):
        records += _victims("MMR", 50 + year - 2015, year) + _victims(
            "KHM", 3 if year in (2016, 2018) else 10, year, "Male"
        )
        records += _victims("MYS", 20, year, "Trans/non-conforming")
    records += _victims("LAO", 3, 2020) + _victims("VNM", 1, 2021) + _victims("THA", 12, 2019)
    return _case_parquet(tmp_path / "cases.parquet", records)


def run(*args: str) -> dict:
    result = CliRunner().invoke(_app(), [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def small_numbers(value, threshold: int = 5) -> list:
    """Every whole number from 1 to threshold-1 among the counts of a payload part."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value] if 1 <= value < threshold else []
    if isinstance(value, list):
        return [x for v in value for x in small_numbers(v, threshold)]
    if isinstance(value, dict):
        return [
            x
            for k, v in value.items()
            if k not in ("year", "rank", "n_flows")
            for x in small_numbers(v, threshold)
        ]
    return []


def test_flows_json_never_shows_a_small_count(case_file):
    payload = run(
        "flows", "--data", str(case_file), "--country", "THA", "--role", "destination", "--min-victims", "0"
    )
    assert small_numbers(payload["flows"]) == [] and small_numbers(payload["total"]) == []
    by_origin = {f.get("origin_iso3"): f for f in payload["flows"]}
    assert by_origin["LAO"]["victims"] == "<5" and by_origin["VNM"]["victims"] == "<5"
    assert by_origin["LAO"]["share"] is None  # a share would give the count back
    assert by_origin["MMR"]["victims"] == sum(range(50, 58))
    assert payload["parameters"]["country"] == "THA"
    assert not recomputable(payload)


def recomputable(payload: dict) -> bool:
    """Whether a lone withheld cell equals the published total minus the published rows (flows and unknowns)."""
    cells = [f["victims"] for f in payload["flows"]] + list(payload["unknown"].values())
    return sum(isinstance(c, str) for c in cells) == 1 and isinstance(payload["total"], int)


def test_a_lone_small_flow_gets_a_complement(case_file):
    payload = run(
        "flows",
        "--data",
        str(case_file),
        "--country",
        "THA",
        "--role",
        "destination",
        "--min-victims",
        "0",
        "--years",
        "2015-2020",
    )  # LAO (3) is the only small flow
    labels = [f["victims"] for f in payload["flows"] if isinstance(f["victims"], str)] + (
        [payload["total"]] if isinstance(payload["total"], str) else []
    )
    assert "<5" in labels and "x" in labels
    assert not recomputable(payload)


def test_flows_sum_the_rest_into_other_flows(case_file):
    payload = run(
        "flows",
        "--data",
        str(case_file),
        "--country",
        "THA",
        "--role",
        "destination",
        "--top-n",
        "2",
        "--disclosure-threshold",
        "11",
    )
    assert [f["origin_iso3"] for f in payload["flows"][:2]] == ["MMR", "MYS"]
    other = payload["flows"][-1]
    assert other["rank"] is None and other["n_flows"] == 4  # MYS (160) THA (12), LAO (3), VNM (1)
    assert small_numbers([payload["flows"], payload["total"], payload["unknown"]], 11) == []
    assert payload["n_flows_reported"] == 4  # MMR, MYS, KHM, THA: at least 5 victims


def test_trend_by_a_dimension_in_capitals_is_that_dimension_with_its_note(shared_data):
    """--by Form reads the flag dimension form: the same numbers, and the note that a victim can have several."""
    path = str(shared_data / "ctdc" / "k_anon_sample.csv")
    lower, upper = (run("trend", "--data", path, "--country", "USA", "--by", by) for by in ("form", "Form"))
    assert upper["parameters"]["by"] == "form" and "several form categories" in upper["note"]
    assert upper["yearly_counts"] == lower["yearly_counts"]


def test_trend_says_a_steady_reporters_share_is_withheld_where_it_would_give_a_year_back(shared_data):
    """The Philippines' nationals at 11 (the real workbook): the share of the steady reporters is withheld in
    the JSON (its label, and why) and in the terminal's words, where 2007 is withheld in the yearly table (the
    share gave it back: tests/notebooks/test_builders_models_withheld.py); printed at 5, where nothing is."""
    path = str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    args = ("trend", "--data", path, "--country", "PHL", "--role", "origin", "--disclosure-threshold")
    withheld, printed = (run(*args, t)["series"][0]["steady_reporters"] for t in ("11", "5"))
    assert withheld["share"] == "x" and "give it back" in withheld["share_withheld"]
    assert printed["share"] == 0.5024 and "share_withheld" not in printed
    said = CliRunner().invoke(_app(), [*args, "11"], catch_exceptions=False).stdout
    assert "(their share of the victims counted withheld)" in " ".join(said.split())


def test_trend_json_withholds_small_cells_and_models_only_published_series(case_file):
    payload = run("trend", "--data", str(case_file), "--country", "THA", "--by", "gender")
    assert small_numbers(payload["yearly_counts"]) == []
    male = {row["year"]: row["Male"] for row in payload["yearly_counts"]}
    assert male[2016] == male[2018] == "<5" and male[2017] == 10
    series = {s["category"]: s for s in payload["series"]}
    assert "rate_ratio" in series["Female"] and series["Female"]["rate_ratio"]["rate_ratio"] > 1
    assert "rate_ratio" not in series["Male"] and "withheld" in series["Male"]["note"]
    assert payload["incomplete_years"][0]["year"] == 2022  # the final year of registration data
    assert payload["incomplete_years"][0]["kinds"] == ["incomplete"]  # late registration leaves it short
    assert payload["incomplete_said"][0]["said"] == "probably incomplete"
    assert "detection" in payload["caveat"]


def test_trend_text_names_the_breakdown_as_every_other_output_does(case_file):
    """``--by gender`` is the case data's column; the table's title says "by sex", as the briefs and the trends
    notebook name it (one concept, one name)."""
    result = CliRunner().invoke(
        _app(),
        ["trend", "--data", str(case_file), "--country", "THA", "--by", "gender"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "by sex" in text and "by gender" not in text


def test_trend_text_writes_age_bands_as_the_briefs_do(shared_data):
    """``--by age_band`` (case data) and ``--by age`` (UNODC): the table's columns and the series' names say
    "9–17 years", "0–17 years", as every brief writes an age band, never the data's codes ("9-17") nor UNODC's
    "0 to 17 years"; the JSON keeps the data's own labels."""
    from evidence.sources.demo import demo_path

    unodc, demo = str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"), str(demo_path())
    for args, written in (
        (["--data", demo, "--country", "THA", "--by", "age_band"], "9–17 years"),
        (["--data", unodc, "--country", "THA", "--role", "destination", "--by", "age"], "0–17 years"),
    ):
        result = CliRunner(env={"COLUMNS": "250"}).invoke(_app(), ["trend", *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert written in result.stdout and coded_ages(result.stdout) == [], result.stdout
        assert "0 to 17 years" not in result.stdout
    assert "9-17" in run("trend", "--data", demo, "--country", "THA", "--by", "age_band")["yearly_counts"][0]


def test_trend_without_dimension_has_a_total_row(case_file):
    payload = run("trend", "--data", str(case_file), "--country", "THA", "--years", "2016-2021")
    years = [row["year"] for row in payload["yearly_counts"]]
    assert years == [2016, 2017, 2018, 2019, 2020, 2021, "Total"]
    assert payload["series"][0]["rate_ratio"]["first_year"] == 2016
    # 2021 is not the release's final year (2022): late registration cannot have left it short
    assert all(flag["year"] != 2021 for flag in payload["incomplete_years"])
    # "none" is the trends notebook's word for no dimension: one vocabulary for both
    none = run("trend", "--data", str(case_file), "--country", "THA", "--years", "2016-2021", "--by", "none")
    assert none["yearly_counts"] == payload["yearly_counts"] and none["parameters"]["by"] is None


@pytest.mark.parametrize(
    "args, message",
    [
        (["flows", "--country", "XXX"], "unknown country"),
        (["trend", "--years", "2020-2010"], "after the last"),
        (["flows", "--role", "sideways"], "role must be"),
        (["flows", "--regional-level", "planet"], "--regional-level"),
    ],
)
def test_parameter_errors_are_reported_before_loading(args, message):
    with pytest.raises(ParameterError, match=message):
        CliRunner().invoke(_app(), args, catch_exceptions=False)


@pytest.mark.parametrize(
    "command", ["flows", "trend", "estimate", "compare THA", "brief THA", "data validate x"]
)
def test_a_threshold_below_two_is_a_usage_error_of_every_command(run_main, command, no_kernel_ahead):
    code, _, err = run_main([*command.split(), "--disclosure-threshold", "1"])
    text = " ".join(err.translate(str.maketrans("│╭╮╰╯─", "      ")).split())  # the error's box undone
    assert code == 2 and "--disclosure-threshold" in text and "greater than or equal to 2" in text, err


def test_demo_data_is_used_loudly_when_no_file_is_given(tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path))
    result = CliRunner().invoke(_app(), ["flows", "--country", "THA", "--json"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "SYNTHETIC DEMO DATA" in result.stderr
    payload = json.loads(result.stdout)
    assert payload["data"]["demo"] is True and payload["data"]["warning"] == DEMO_WARNING


def test_real_unodc_flows_into_thailand(shared_data):
    payload = run(
        "flows",
        "--data",
        str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"),
        "--country",
        "THA",
        "--role",
        "destination",
    )
    origins = {f.get("origin_iso3") for f in payload["flows"]}
    assert {"MMR", "KHM", "LAO"} <= origins
    assert small_numbers(payload["flows"]) == []
    mmr = next(f for f in payload["flows"] if f.get("origin_iso3") == "MMR")
    assert (
        isinstance(mmr["victims"], list) and mmr["victims"][0] < mmr["victims"][1]
    )  # censored cells: bounds


def test_flows_total_is_the_trend_total_so_unknowns_cannot_be_recomputed_across_outputs(tmp_path):
    records = _victims("MMR", 30, 2020) + _victims("KHM", 12, 2021)
    records += [
        {"year": 2021, "origin_iso3": None, "destination_iso3": "THA"}
    ] * 2  # unknown origin: a small count
    path = _case_parquet(tmp_path / "u.parquet", records)
    flows = run("flows", "--data", str(path), "--country", "THA", "--role", "destination")
    trend = run("trend", "--data", str(path), "--country", "THA", "--role", "destination")
    assert flows["unknown"]["origin"] == "<5"
    assert flows["total"] == trend["yearly_counts"][-1]["victims"] or flows["total"] == "x"
    assert not recomputable(flows) and all(
        f["share"] is None for f in flows["flows"]
    )  # shares would give it back


def test_undated_records_are_a_row_of_the_trend_table_so_its_total_is_the_flows_total(tmp_path):
    records = _victims("MMR", 30, 2020) + _victims("MMR", 40, 2021)
    records += [{**_victims("MMR", 1, 2020)[0], "year": None}] * 3  # a year band, or no year: a small count
    path = _case_parquet(tmp_path / "b.parquet", records)
    flows = run("flows", "--data", str(path), "--country", "THA", "--role", "destination")
    trend = run("trend", "--data", str(path), "--country", "THA", "--role", "destination")
    rows = {row["year"]: row["victims"] for row in trend["yearly_counts"]}
    assert rows["undated"] == "<5" and "undated" in trend
    assert rows["Total"] == flows["total"] == 73  # neither output gives the 3 undated records away
    assert small_numbers(trend["yearly_counts"]) == []
    dated_only = run("trend", "--data", str(path), "--country", "THA", "--years", "2020-2021")
    assert [row["year"] for row in dated_only["yearly_counts"]] == [2020, 2021, "Total"]


def test_real_victim_perpetrator_file_has_no_country_flows_and_mostly_banded_years(shared_data):
    path = str(shared_data / "ctdc" / "vp_synthetic_condensed.csv")
    flows = run("flows", "--data", path)
    assert [f for f in flows["flows"] if f["rank"] or f["victims"]] == [] and flows["total"] == 21_195
    assert any("records no countries" in note for note in flows["notes"])
    trend = run("trend", "--data", path)
    rows = {row["year"]: row["victims"] for row in trend["yearly_counts"]}
    assert rows == {2019: 2_398, 2020: 2_002, "undated": 16_795, "Total": 21_195}  # bands 2005-2013 etc.


def test_years_holding_only_a_band_of_the_victim_perpetrator_file_are_not_refused_as_empty(shared_data):
    """2014–2018 holds the band 2014-2018's 6,274 victims: `flows` refused them as "no victims in 2014–2018"
    (a selection's routes count a band's records), and `trend`, which has no year to count them in, said the
    data hold none instead of why."""
    path = str(shared_data / "ctdc" / "vp_synthetic_condensed.csv")
    flows = run("flows", "--data", path, "--years", "2014-2018")
    assert flows["total"] == 6_274
    result = CliRunner().invoke(_app(), ["trend", "--data", path, "--years", "2014-2018"])
    assert isinstance(result.exception, ParameterError)  # exit code 2 from the console script's handler
    assert "dated only by a band of years (2014-2018" in str(result.exception)


def test_unodc_breakdowns_beside_the_published_total_never_as_victims(shared_data):
    """Thailand, 2023 release: 807 victims of sexual exploitation in 2017 against a published total of 471."""
    path = str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    payload = run("trend", "--data", path, "--country", "THA", "--role", "destination", "--by", "form")
    rows = {row["year"]: row for row in payload["yearly_counts"]}
    assert rows[2017]["Sexual exploitation"] == 807 and rows[2017]["Published total"] == 471
    assert rows[2017]["Sum of categories"] == 903  # a sum of forms, shown apart, never as the victims
    assert rows[2015]["Sum of categories"] == rows[2015]["Published total"] == 982
    assert rows[2012]["Forced labour"] is None  # not reported that year: missing, not zero
    assert not {"All victims", "victims", "Total"} & set(rows[2017])
    assert "not a count of victims" in payload["totals"]
    # one form above the year's total: an inconsistency in the publisher's data, named (review finding 5)
    assert payload["inconsistent"]["cells"] == [
        {"year": "2017", "category": "Sexual exploitation", "count": "807", "total": "471"}
    ]
    by_sex = run("trend", "--data", path, "--country", "THA", "--role", "destination", "--by", "sex")
    assert "Published total" in by_sex["yearly_counts"][0] and "inconsistent" not in by_sex


def test_trend_by_form_says_its_years_leaves_out_a_form_above_its_total_and_breaks_on_four_years(
    shared_data, monkeypatch
):
    """The review (finding 10): models "2007–2021" from 9 years with data; a break at 2017 resting on 807 > 471;
    "other forms" broken at 2019 with three years after it."""
    path = str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    args = ("trend", "--data", path, "--country", "THA", "--role", "destination", "--by", "form")
    series = {s["category"]: s for s in run(*args)["series"]}
    assert series["Forced labour"]["years_used"] == [2007, *range(2014, 2022)]
    sexual = series["Sexual exploitation"]
    assert 2017 not in sexual["years_used"] and sexual["left_out_above_total"] == [2017]
    for s in series.values():
        if s.get("break"):
            used, year = s["years_used"], s["break"]["break_year"]
            assert sum(y < year for y in used) >= 4 and sum(y >= year for y in used) >= 4, s["category"]
    monkeypatch.setenv("COLUMNS", "250")
    shown = CliRunner().invoke(_app(), list(args), catch_exceptions=False).output
    assert "years used: 2007, 2014–2021 (9)" in shown and "2007–2021" not in shown
    assert "left out: 2017, where this category exceeds the year's published total" in shown
    assert "publisher inconsistency: 2017 Sexual exploitation 807 > total 471" in shown


def test_bolivias_total_row_is_not_a_citizenship_in_flows(shared_data):
    """BOL 2017 published "TOTAL 397" inside its citizenship breakdown: it was an unknown origin (432) and
    doubled the breakdown (797-830)."""
    path = str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    payload = run("flows", "--data", path, "--country", "BOL", "--role", "destination", "--years", "2017")
    assert payload["unknown"]["origin"] == 35  # "Sin determinar" only
    assert payload["total"] == [400, 433]  # 354 nationals + 11 cells of 1-4 + 35 unknown
    assert payload["total_label"] == "Sum of the citizenship breakdown"
    assert any("not UNODC's count of detected victims" in note for note in payload["notes"])


def test_trend_by_a_breakdown_published_without_a_total(shared_data):
    """Cambodia as destination: no total, forms in 2007 and 2017-2020 (it was refused as holding no victims)."""
    path = str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    payload = run("trend", "--data", path, "--country", "KHM", "--role", "destination", "--by", "form")
    rows = {row["year"]: row for row in payload["yearly_counts"]}
    assert list(rows) == [2007, 2017, 2018, 2019, 2020]
    assert rows[2007]["Forced labour"] == 12 and rows[2007]["Sexual exploitation"] == 30
    assert "Published total" not in rows[2007]


def test_real_unodc_falls_are_in_the_trend_never_late_registration(shared_data):
    """Thailand's own totals: 1,540 in 2019, 146 in 2020, 134 in 2021, as reported. They were flagged "probably
    incomplete (late registration ...)", left out, and the trend read about 20% more victims a year."""
    path = str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    payload = run("trend", "--data", path, "--country", "THA", "--role", "destination")
    rows = {row["year"]: row["victims"] for row in payload["yearly_counts"]}
    assert (rows[2019], rows[2020], rows[2021]) == (1540, 146, 134)
    assert payload["incomplete_years"] == []
    rate = payload["series"][0]["rate_ratio"]
    assert (rate["first_year"], rate["last_year"]) == (2009, 2021)
    assert rate["ci"][0] < 1 < rate["ci"][1]  # no clear change, not +20% a year
    printed = (
        CliRunner()
        .invoke(
            _app(),
            ["trend", "--data", path, "--country", "THA", "--role", "destination"],
            catch_exceptions=False,
        )
        .stdout
    )
    assert "late registration" not in printed and "probably incomplete" not in printed


def test_real_unodc_breakdown_by_sex_shows_the_published_unknown(shared_data):
    path = str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    args = ["--data", path, "--country", "BOL", "--role", "destination", "--years", "2016-2019"]
    by_sex = run("trend", *args, "--by", "gender")
    rows = {row["year"]: row for row in by_sex["yearly_counts"]}
    assert (rows[2017]["Female"], rows[2017]["Male"], rows[2017]["Unknown"]) == (105, 239, 53)
    assert rows[2017]["Published total"] == 397 and "Sum of categories" not in rows[2017]
    # where a sum still differs (Thailand's <5 unknown ages), the reason is not the forms'
    by_age = run("trend", "--data", path, "--country", "THA", "--role", "destination", "--by", "age")
    assert "several forms" not in by_age["totals"] and "not a count of victims" in by_age["totals"]


def test_real_unodc_shares_of_censored_routes_are_ranges(shared_data):
    path = str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    args = ["--data", path, "--country", "THA", "--role", "destination", "--years", "2020-2021"]
    payload = run("flows", *args)
    other = payload["flows"][-1]
    assert other["label"] == "All other routes" and other["victims"] == [16, 64]
    low, high = other["share"]
    # the known routes 190-244, domestic included (Thailand's own nationals detected at home: 79)
    assert low == pytest.approx(16 / (244 - 64 + 16), abs=1e-4) and high == pytest.approx(
        64 / (190 - 16 + 64), abs=1e-4
    )
    assert all(isinstance(f["share"], list) for f in payload["flows"])  # the known routes' total is a range
    printed = CliRunner().invoke(_app(), ["flows", *args], catch_exceptions=False).stdout
    assert "8.1–27%" in printed or "8–27%" in printed


def _bound_sum(values, i: int) -> int:
    return sum(v[i] if isinstance(v, list) else v for v in values)


@pytest.mark.parametrize(
    ("country", "role", "years"), [("THA", "destination", "2015-2021"), ("MMR", "origin", "2015-2021")]
)
def test_real_unodc_flows_rows_add_up_to_the_total_as_in_the_brief(shared_data, country, role, years):
    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import route_numbers
    from evidence.presentation.disclosure import DisclosureRule
    from evidence.sources.cache import load_cached

    path = shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"
    payload = run("flows", "--data", str(path), "--country", country, "--role", role, "--years", years)
    values = [f["victims"] for f in payload["flows"]]
    values += list(payload["unknown"].values()) + [r["victims"] for r in payload["other_rows"]]
    low, high, total = _bound_sum(values, 0), _bound_sum(values, 1), tuple(payload["total"])
    if country == "THA":
        assert (low, high) == total
    else:  # REVIEW2 #5: the total is the cells' (as the per-year table's); the split pieces' ranges add up wider
        assert total == (3458, 3473) and low < total[0] <= total[1] < high
    # the same rows as the brief's route table, from the one builder
    numbers = route_numbers(
        Selection(load_cached(path), country=country, role=role, years=years), DisclosureRule(5)
    )
    assert len(values) == len(numbers.rows()) - 1
    domestic = next(
        f for f in payload["flows"] if f.get("origin_iso3") == f.get("destination_iso3") == country
    )
    assert domestic["flow_class"] == "domestic" and domestic["route_basis"] == "own_nationals"
    if country == "THA":  # 1,392 own nationals less the 59 repatriated from abroad in 2020 (exploited abroad)
        assert domestic["victims"] == 1333 and payload["other_rows"] == []
    else:  # as origin, those repatriated from abroad without a country stated are a row of their own
        assert [r["label"] for r in payload["other_rows"]] == [
            "Nationals of Myanmar repatriated from abroad, country not stated"
        ]


def test_flows_rank_only_published_corridors_and_list_the_withheld_after_them(tmp_path):
    # a route table with withheld corridors (complements of an exact 3 in a UNODC-layout file): ranked by their
    # place among the published, a withheld corridor would be bounded by its neighbours' counts
    from _glotip import write_small_glotip

    rows = [
        ("Myanmar", "1150"),
        ("Thailand", "132"),
        ("Cambodia", "70"),
        ("Lao People's Democratic Republic", "32"),
    ]
    rows += [(c, "<5") for c in ("Bangladesh", "Indonesia", "India", "Syrian Arab Republic", "Viet Nam")]
    rows += [("Eritrea", "3"), ("Unknown", "155")]
    path = write_small_glotip(tmp_path / "g.xlsx", [("THA", c, v) for c, v in rows])
    payload = run("flows", "--data", str(path), "--country", "THA", "--role", "destination")
    corridors = [f for f in payload["flows"] if "label" not in f]
    withheld = [f for f in corridors if f["victims"] == "x"]
    assert withheld and all(f["rank"] is None for f in withheld)
    published = [f for f in corridors if f["victims"] != "x"]
    assert [f["rank"] for f in published] == list(range(1, len(published) + 1))
    assert corridors == published + sorted(withheld, key=lambda f: f["origin_iso3"])
    printed = (
        CliRunner()
        .invoke(
            _app(),
            ["flows", "--data", str(path), "--country", "THA", "--role", "destination"],
            catch_exceptions=False,
        )
        .stdout
    )
    assert "│ 2 │" not in printed and "│   │ LAO" in printed


def _thailand_2019(tmp_path):
    """Thailand 2019 as UNODC publishes it: four corridors, five Asian and three African ``<5`` cells."""
    from _glotip import write_small_glotip

    rows = [
        ("Myanmar", "1150"),
        ("Thailand", "132"),
        ("Cambodia", "70"),
        ("Lao People's Democratic Republic", "32"),
    ]
    rows += [(c, "<5") for c in ("Bangladesh", "Indonesia", "India", "Viet Nam", "Philippines")]
    rows += [(c, "<5") for c in ("Nigeria", "Uganda", "Kenya")]
    rows += [("Unknown", "155")]
    return write_small_glotip(tmp_path / "g.xlsx", [("THA", c, v) for c, v in rows])


def test_a_censored_sum_reaching_the_threshold_is_never_shown_below_it(tmp_path):
    # three African <5 cells are 3-12 transregional victims: "up to 12" as in the notebooks, never "<5",
    # "<5-12" nor "3-12" (a low end below the threshold is never printed)
    from evidence.notebooks.builders import route_numbers
    from evidence.sources.unodc import load

    path = _thailand_2019(tmp_path)
    args = ["flows", "--data", str(path), "--country", "THA", "--role", "destination"]
    payload = run(*args)
    assert payload["classes"]["Transregional"] == [3, 12]
    # at a threshold of 11 the eight <5 cells (8-32) are "8-32", and a cell withheld in one bound is "x"
    payload = run(*args, "--disclosure-threshold", "11")
    other = payload["flows"][-1]
    assert other["label"] == "All other routes" and other["victims"] == [8, 32]
    printed = (
        CliRunner().invoke(_app(), [*args, "--disclosure-threshold", "11"], catch_exceptions=False).stdout
    )
    assert "up to 32" in printed and "<11–" not in printed and "8–32" not in printed
    for value in [f["victims"] for f in payload["flows"]] + list(payload["classes"].values()):
        if isinstance(value, list) and "x" in value:
            raise AssertionError(f"a withheld bound beside another: {value}")
    # cell for cell the notebooks' route table (one formatting rule)
    from evidence.analyses.selection import Selection
    from evidence.presentation.disclosure import DisclosureRule

    numbers = route_numbers(Selection(load(path), country="THA", role="destination"), DisclosureRule(11))
    shown = numbers.table()
    total = numbers.low.table.total_label
    assert shown[total].to_list()[len(payload["flows"]) - 1] == "up to 32"


def test_shares_of_censored_counts_are_rounded_outwards_in_json_and_text(tmp_path):
    path = _thailand_2019(tmp_path)
    args = ["flows", "--data", str(path), "--country", "THA", "--role", "destination"]
    flows = {f.get("origin_iso3"): f for f in run(*args)["flows"]}
    # the known routes 1,392-1,416, domestic included (Thailand's 132 own nationals detected at home). Lao PDR:
    # 32/1416-32/1392 = 0.022599-0.022989, so [0.0225, 0.023]; Myanmar's high end 1150/1392 = 0.826149 is 0.8262
    assert flows["LAO"]["share"] == [0.0225, 0.023]
    assert flows["MMR"]["share"][1] == 0.8262
    for f in flows.values():
        low, high = f["share"]
        lo, hi = f["victims"] if isinstance(f["victims"], list) else (f["victims"],) * 2
        assert low <= lo / (lo + 1416 - hi) and hi / (hi + 1392 - lo) <= high
    printed = CliRunner().invoke(_app(), args, catch_exceptions=False).stdout
    assert "2.2–2.3%" in printed


def test_real_unodc_series_of_only_censored_cells_is_not_estimable(shared_data):
    """Thailand by sex 2017-2021: "Other" and "Unknown" are <5 every year with victims. The CLI printed a rate
    ratio of 1.000 (0.574-1.741), dispersion 0 and a separation warning; now it says why there is none."""
    path = str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    args = ["trend", "--data", path, "--country", "THA", "--role", "destination", "--by", "sex"]
    payload = run(*args, "--years", "2017-2021")
    series = {s["category"]: s for s in payload["series"]}
    for category in ("Other", "Unknown"):
        assert "rate_ratio" not in series[category], category
        assert series[category]["note"].startswith("not estimable: every year with victims is censored")
    # five years: too few for a trend of any category (trends.MIN_COMPLETE_YEARS), and the note says so
    assert series["Female"]["note"].startswith("not modelled: too few complete years: 5 (2017–2021)")
    wider = {s["category"]: s for s in run(*args, "--years", "2009-2021")["series"]}
    assert "rate_ratio" in wider["Female"] and "rate_ratio" in wider["Male"]
    printed = CliRunner().invoke(_app(), [*args, "--years", "2017-2021"], catch_exceptions=False).stdout
    assert "Other: not estimable: every year with victims is censored" in " ".join(printed.split())
    assert "Perfect separation" not in printed


def test_flows_text_says_how_a_route_from_the_repatriation_breakdown_is_known(shared_data):
    # the third review: "MMR → THA" twice (2,580–2,589 detected in Thailand, 26–29 repatriated from it), the
    # second without the label the brief gives it
    path = shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"
    args = ["flows", "--data", str(path), "--country", "MMR", "--role", "origin"]
    printed = CliRunner().invoke(_app(), args, catch_exceptions=False, terminal_width=200).stdout
    lines = [line for line in printed.splitlines() if "│ MMR" in line and "│ THA" in line]
    # in the brief's words (review 7: the brief says "repatriated from X, counted by Y", the text "from there")
    flat = " ".join(printed.split())
    assert len(lines) == 2 and sum("repatriated from" in line for line in lines) == 1
    assert "repatriated from there" not in printed
    assert "repatriated from Thailand, counted by Myanmar" in flat
    assert "exploited at home, by the repatriation breakdown" in flat


def test_trend_text_says_the_years_of_one_reason_once_as_the_brief_does(shared_data):
    """REVIEW9 m3: the United States' 2007–2012 share one reason, printed six times, one line a year; the text
    now says them once ("2007–2012 are not comparable with the other years: …"), by the brief's own grouping,
    as what they are (a change in what is counted), in the text and the JSON (each year's kinds)."""
    path = str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    args = ["trend", "--data", path, "--country", "USA"]
    printed = CliRunner().invoke(_app(), args, catch_exceptions=False, terminal_width=400).stdout
    flat = " ".join(printed.split())
    # a change in what is counted: not comparable with the later years, never "probably incomplete"
    assert flat.count("not comparable with the other years:") == 1 and "probably incomplete" not in flat
    assert "2007–2012 are not comparable with the other years: a change in what is reported" in flat
    assert "years not flagged as not comparable with the other years" in flat
    payload = run("trend", "--data", path, "--country", "USA")
    assert [f["year"] for f in payload["incomplete_years"]] == list(range(2012, 2006, -1))  # each year kept
    assert {(tuple(f["kinds"]), f["said"]) for f in payload["incomplete_years"]} == {
        (("not_comparable",), "not comparable with the other years")
    }
    assert [g["said"] for g in payload["incomplete_said"]] == ["not comparable with the other years"]
    assert "probably incomplete" not in payload["models"]
    # Viet Nam's twelve years, one reason: the runs of years joined with "and"
    args = ["trend", "--data", path, "--country", "VNM", "--role", "origin"]
    flat = " ".join(
        CliRunner().invoke(_app(), args, catch_exceptions=False, terminal_width=400).stdout.split()
    )
    assert flat.count("probably incomplete:") == 1
    assert "2007–2013 and 2017–2021 are probably incomplete: the set of reporting countries changes" in flat


def test_flows_list_doubtful_rows_largest_first_and_say_they_are_listed_whatever_their_size(shared_data):
    """REVIEW9 m12: the United States' doubtful rows were alphabetical, and "flows with at least 5 victims are
    listed" sat above a doubtful row of <5 (Hungary 2014)."""
    path = str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    payload = run("flows", "--data", path, "--country", "USA")
    doubtful = [f for f in payload["flows"] if f.get("route_basis") == "doubtful_citizenship"]
    assert [f["origin_iso3"] for f in doubtful][:2] == ["MEX", "HND"] and doubtful[-1]["victims"] == "<5"
    note = next(n for n in payload["notes"] if n.startswith("flows with at least 5 victims are listed"))
    assert note.endswith(
        "; the routes of doubtful breakdowns are listed whatever their size, after the others"
    )
    # without doubtful rows, the note is as it was
    thailand = run("flows", "--data", path, "--country", "THA", "--role", "destination")
    assert (
        "flows with at least 5 victims are listed (the largest 10); all others are summed"
        in thailand["notes"]
    )


@pytest.mark.parametrize("command", ["flows", "trend"])
def test_a_selection_without_victims_is_refused_as_the_brief_refuses_it(
    run_main, shared_data, command, no_kernel_ahead
):
    """No table of zeros, exit 0: the brief's refusal (exit 2, its words, the years the data do hold)."""
    unodc = str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    selection = ["--data", unodc, "--years", "2030"]
    code, out, err = run_main([command, *selection, "--country", "THA", "--role", "destination"])
    assert code == 2 and out == ""
    said = " ".join(err.split())
    _, _, brief = run_main(["brief", "THA", "--role", "destination", *selection])
    expected = (
        "the data hold no victims of Thailand as country of destination in 2030. Years they hold for it: "
    )
    assert expected in said and expected in " ".join(brief.split())
    assert said.startswith(f"error: {command}: ") and "UNODC GLOTIP, release 30 May 2023: 2007–2021" in said
    # without a country: every victim of the years, still none
    code, out, err = run_main([command, *selection])
    assert code == 2 and out == ""
    assert f"{command}: the data hold no victims in 2030. Years they hold: UNODC GLOTIP" in " ".join(
        err.split()
    )


def test_flows_allow_empty_shows_the_empty_selection(case_file):
    payload = run("flows", "--data", str(case_file), "--years", "2030", "--allow-empty")
    assert payload["total"] == 0


def test_a_file_without_victims_in_the_selection_is_left_out_where_another_has_some(
    run_main, case_file, tmp_path
):
    other = _case_parquet(tmp_path / "other.parquet", _victims("MMR", 30, 2010))
    code, out, err = run_main(
        ["trend", "--data", str(case_file), "--data", str(other), "--years", "2016-2021", "--json"]
    )
    assert code in (0, None), err
    assert json.loads(out)["data"]["path"] == "cases.csv"  # one table, not a list of two
    assert "other.csv: no victims in this selection, left out" in err


@pytest.mark.parametrize("command", ["flows", "trend"])
@pytest.mark.parametrize("role", ["origin", "destination"])
def test_a_role_without_a_country_is_refused_not_ignored(run_main, shared_data, command, role) -> None:
    """`flows --role origin` without `--country` printed every victim's flows under the title "Flows", the role
    ignored without a word: an analyst who forgot `--country` took them for a country's."""
    path = shared_data / "ctdc" / "k_anon_sample.csv"
    code, out, err = run_main([command, "--data", str(path), "--role", role])
    text = " ".join(err.split())
    assert code == 2 and f"error: --role {role} is a role of a country: give --country ISO3" in text, err
    assert out == ""
    assert run_main([command, "--data", str(path), "--role", "both"])[0] in (0, None)


@pytest.mark.parametrize("command", ["flows", "trend"])
@pytest.mark.parametrize("role", ["origin", "destination"])
def test_a_role_without_a_country_says_what_it_would_select_in_unodc_data_too(
    run_main, shared_data, command, role
) -> None:
    """`trend --role origin` without a country was refused, also for UNODC's country data, saying "every victim is
    counted": there role origin reads only the victims the reporting countries break down by citizenship, and role
    destination every reporting country's detected victims, as role both. Refused still (an analyst who forgot
    --country would take either for a country's), saying what it would select."""
    unodc = shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"
    code, out, err = run_main([command, "--data", str(unodc), "--role", role, "--json"])
    text = " ".join(err.split())
    assert code == 2 and json.loads(out)["error"]["code"] == "invalid_parameter"
    assert f"error: --role {role} is a role of a country: give --country ISO3 too (" in text, err
    assert "every victim is counted" not in text
    said = {
        "flows": "every flow would be counted, as with --role both; leave --role out for every flow",
        "trend origin": "only the victims the reporting countries break down by citizenship: fewer than they "
        "detect, from countries that change from year to year; leave --role out for every victim",
        "trend destination": "it selects every victim, as --role both does; leave --role out",
    }
    assert (said.get(command) or said[f"{command} {role}"]) in text, err


@pytest.mark.parametrize(
    "args", [["flows", "--country", "THA"], ["trend"], ["data", "load"], ["data", "load", "--json"]]
)
def test_a_missing_file_named_in_evidence_data_says_where_it_was_named(run_main, tmp_path, monkeypatch, args):
    """`flows` and `data load` said "no such file" of a file the user never typed (set in EVIDENCE_DATA long
    ago), where `brief` and `run` say "(named in EVIDENCE_DATA)"."""
    missing = tmp_path / "ctdc_2019.csv"
    monkeypatch.setenv("EVIDENCE_DATA", str(missing))
    code, _, err = run_main(args)
    text = " ".join(err.split())
    assert code == 2 and f"error: {missing}: no such data file (named in EVIDENCE_DATA)" in text, err


def _every_row_rejected(tmp_path):
    """A CTDC v2024 file whose every row is rejected (its years are not numbers)."""
    from evidence.sources.ctdc import SYNTHETIC_COLUMNS

    path = tmp_path / "ctdc_2024.csv"
    row = {c: "" for c in SYNTHETIC_COLUMNS} | {
        "yearOfRegistration": "abcd",
        "gender": "Woman",
        "citizenship": "KHM",
        "CountryOfExploitation": "THA",
        "isForcedLabour": "1",
    }
    lines = [",".join(SYNTHETIC_COLUMNS)] + [",".join(row[c] for c in SYNTHETIC_COLUMNS)] * 3
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["flows", "trend"])
def test_a_file_whose_every_row_was_rejected_is_refused_not_shown_as_zeros(
    run_main, tmp_path, command
) -> None:
    """`flows --data FILE` without a country, on a file whose every row was rejected, printed a table of zeros
    (exit 0) with the note "this file records no countries (the Victim–Perpetrator layout has regions only)",
    of a Global Synthetic file."""
    path = _every_row_rejected(tmp_path)
    code, out, err = run_main([command, "--data", str(path)])
    text = " ".join(err.split())
    assert code == 2 and out == "", err
    assert f"{command}: the data hold no victims: {path}: 3 rows in, none kept (3 rejected:" in text
    assert f"evidence data validate {path}" in text and "Victim" not in text


def test_flows_allowed_an_empty_file_do_not_blame_the_victim_perpetrator_layout(run_main, tmp_path) -> None:
    path = _every_row_rejected(tmp_path)
    code, out, err = run_main(["flows", "--data", str(path), "--allow-empty"])
    assert code in (0, None), err
    assert "Victim–Perpetrator" not in out and "the file holds no victims" in " ".join(out.split())


def test_trend_by_corridor_of_the_whole_world_is_refused_not_run_for_half_an_hour(shared_data, run_main):
    """Found by the CLI audit: `trend --by corridor` on UNODC's file without a country modelled every corridor
    of the world (2,149 series, a model and a break search each) and ran past 20 minutes without a word."""
    unodc = str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    code, out, _ = run_main(["trend", "--data", unodc, "--by", "corridor", "--json"])
    assert code == 2
    assert "2,149 series to model (at most 100): give --country" in json.loads(out)["error"]["message"]
    code, out, err = run_main(["trend", "--data", unodc, "--by", "corridor", "-c", "THA", "--json"])
    assert code in (0, None), err
    assert json.loads(out)["series"]


def test_trend_dates_a_break_after_unread_years_to_the_gap(shared_data, monkeypatch):
    """Singapore (UNODC 2023) has no count for 2011–2014: a break in any of 2011–2015 fits the years read alike,
    and the text said "break at 2015"."""
    path = str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    args = ("trend", "--data", path, "--country", "SGP", "--role", "destination")
    (series,) = run(*args)["series"]
    assert series["break"]["break_year"] == 2015 and series["break"]["previous_year"] == 2010
    monkeypatch.setenv("COLUMNS", "250")
    shown = CliRunner().invoke(_app(), list(args), catch_exceptions=False).output
    assert "break between 2011 and 2015:" in shown and "break at 2015" not in shown


@pytest.mark.parametrize("command", ["flows", "trend"])
def test_the_briefs_data_list_is_read_with_the_files_it_cannot_use_named(run_main, shared_data, command):
    """An analyst scripting `--data` CTDC + UNODC + GSI + TIP for `brief`, `compare`, `flows` and `trend` had
    `flows` and `trend` refuse the whole list (exit 2, "this is a gsi table") where `compare` reads the files it
    can and names the others: each command now reads its own and says which it set aside, and why."""
    unodc = shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"
    gsi = shared_data / "walkfree" / "gsi_2023.xlsx"
    tip = shared_data / "tip" / "tip_tiers_1999_2015.csv"
    files = ["--data", str(unodc), "--data", str(gsi), "--data", str(tip)]
    code, out, err = run_main([command, *files, "--country", "THA", "--role", "destination", "--json"])
    text = " ".join(err.split())
    assert code in (0, None), err
    assert json.loads(out)["schema"] == f"evidence.{command}"  # one table read: its document, not a list
    assert f"{gsi}: a gsi table, not read by {command}" in text
    assert f"{tip}: a tier table, not read by {command}" in text
    # only files it cannot read: refused, naming each
    code, out, err = run_main([command, "--data", str(gsi), "--data", str(tip)])
    text = " ".join(err.split())
    assert code == 2 and out == ""
    assert f"{command} needs victim records or UNODC-style indicators" in text
    assert str(gsi) in text and str(tip) in text


def test_trend_of_breakdowns_without_a_total_names_the_breakdowns_not_no_victims(run_main, shared_data):
    """UNODC's file holds Cambodia's detected victims by form (2007-2020) and by age (2013-2015) but no total:
    `trend --country KHM --role destination` said "no victims in this selection (check --country, --role and
    --years)", where `compare` says "no total" and `trend --by form` shows them."""
    unodc = str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    code, out, err = run_main(["trend", "--data", unodc, "--country", "KHM", "--role", "destination"])
    text = " ".join(err.split())
    assert code == 2 and out == ""
    assert "no victims in this selection" not in text, text
    assert "no yearly total of victims" in text and "--by form" in text and "--by age_band" in text
    assert "--by gender" not in text  # none by sex for Cambodia
    assert run_main(["trend", "--data", unodc, "--country", "KHM", "--role", "destination", "--by", "form"])[
        0
    ] in (0, None)


@pytest.mark.parametrize("command", ["flows", "trend"])
def test_a_row_rejected_from_the_file_read_is_said_with_its_row_and_column(
    run_main, shared_data, tmp_path, command
):
    """A year typed 20x6 in one row of CTDC's file: `flows` and `trend` printed their tables from the other rows
    (exit 0) without a word, the total one victim short; only `evidence data validate` named the row."""
    lines = (shared_data / "ctdc" / "k_anon_sample.csv").read_text(encoding="utf-8").splitlines()
    fields = lines[6].split(";")
    fields[1] = "20x6"
    lines[6] = ";".join(fields)
    path = tmp_path / "k_anon_typo.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run_main([command, "--data", str(path), "--country", "USA", "--json"])
    text = " ".join(err.split())
    assert code in (0, None), err
    assert json.loads(out)["schema"] == f"evidence.{command}"
    assert f"{path}: 1 of 1,478 rows rejected, not counted (row 7, yearOfRegistration" in text, text
    assert f"evidence data validate {path}" in text


#: The output encodings of the cron jobs below.
CRON_ENCODINGS = ("latin-1", "ascii")


@pytest.fixture(scope="module")
def cron_jobs(shared_data) -> dict[tuple[str, str], Done]:
    """`flows` and `trend` run by the installed console script in a cron job's environment, each output encoding's
    two commands forked from one process started in that environment (tests/cli/_forked.py: the encoding of the
    output is the interpreter's, set as it starts; the command's own imports, after the CLI's, numpy's,
    polars' and those both commands make first, are its own), by (encoding, command)."""
    import os

    unodc = str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    # this environment's console script, whatever PATH holds (a test run by the venv's python, not `uv run`),
    # run as the interpreter runs it
    evidence = str(Path(sys.executable).parent / "evidence")
    script = "import runpy, sys\nrunpy.run_path(sys.argv[0], run_name='__main__')"
    done = {}
    for encoding in CRON_ENCODINGS:
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORCE_COLOR")}
        env |= {"PYTHONIOENCODING": encoding, "TERM": "dumb", "NO_COLOR": "1", "LANG": "C"}
        checks = tuple(
            Check(
                command,
                script,
                (command, "--data", unodc, "--country", "THA", "--role", "destination"),
                argv0=evidence,
            )
            for command in ("flows", "trend")
        )
        setup = (
            "import evidence.cli.start, evidence.cli.main, pydantic, typer._adapters, numpy, polars, "
            # what both commands import before their own work (to read a table, select from it and protect it)
            "evidence.sources.cache, evidence.notebooks.builders, evidence.runs.selection_check"
        )
        forked = run_forked([Stage(setup, checks)], env=env, timeout=240)
        done |= {(encoding, command): forked.done[command] for command in ("flows", "trend")}
    return done


@pytest.mark.parametrize("encoding", CRON_ENCODINGS)
@pytest.mark.parametrize("command", ["flows", "trend"])
def test_a_cron_job_whose_output_is_not_utf8_gets_the_table_not_a_traceback(cron_jobs, encoding, command):
    """In a cron job whose locale is not UTF-8 (PYTHONIOENCODING=latin-1, LANG=de_DE.ISO-8859-1) `flows` and
    `trend` died with a UnicodeEncodeError traceback, exit 1, on the title's dash ("Flows — THA as
    destination"): the text is written in the output's encoding, its dashes and arrows spelled out."""
    done = cron_jobs[encoding, command]  # COMMAND --data UNODC's workbook --country THA --role destination
    assert done.returncode == 0, done.stderr.decode(encoding, "replace")[-600:]
    text = done.stdout.decode(encoding)
    assert ("Flows - THA as country of destination" if command == "flows" else "Victims per year - ") in text


@pytest.mark.parametrize("command", ["flows", "trend"])
def test_an_answer_from_one_of_several_files_names_its_file(run_main, shared_data, command):
    """Given CTDC's records and UNODC's data, `flows --country PHL --role origin` left CTDC's file out (no
    victims there, said on standard error) and printed UNODC's table under the title "Flows" alone: a log of the
    standard output did not say which file the numbers came from, as it does when both answer."""
    ctdc = shared_data / "ctdc" / "k_anon_sample.csv"
    unodc = shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"
    args = [command, "--data", str(ctdc), "--data", str(unodc), "--country", "PHL", "--role", "origin"]
    args += ["--years", "2010-2015"]
    code, out, err = run_main(args)
    assert code in (0, None), err
    assert "k_anon_sample.csv: no victims in this selection, left out" in " ".join(err.split())
    assert f"unodc_glotip — {unodc}" in " ".join(out.split())


def _many_origins(tmp_path, n: int) -> Path:
    """Victim records of ``n`` countries of citizenship exploited in Thailand, and 3 of them in Malaysia."""
    from evidence.sources.countries import country_table

    codes = [c for c in country_table()["iso3"].to_list() if c not in ("THA", "MYS")][:n]
    records = [r for code in codes for r in _victims(code, 6, 2019) + _victims(code, 6, 2020)]
    records += [{**r, "destination_iso3": "MYS"} for code in codes[:3] for r in _victims(code, 6, 2020)]
    return _case_parquet(tmp_path / "many.parquet", records)


@pytest.mark.parametrize(("by", "origins"), [("citizenship", 101), ("corridor", 98)])
def test_trend_of_victim_records_by_more_series_than_it_models_is_refused(run_main, tmp_path, by, origins):
    """The refusal of too many series holds for victim records as for UNODC's data (the series are counted
    wherever the table's values could give more than the most modelled: 101 series here, 3 of the corridors
    into Malaysia), and a selection of few series in a table of many is answered, as is a table of 100."""
    path = str(_many_origins(tmp_path, origins))
    code, out, _ = run_main(["trend", "--data", path, "--by", by, "--json"])
    assert code == 2
    assert f"--by {by} gives 101 series to model (at most 100)" in json.loads(out)["error"]["message"]
    answered = run("trend", "--data", path, "--by", by, "--country", "MYS", "--role", "destination")
    assert len(answered["series"]) == 3
    assert len(run("trend", "--data", str(_many_origins(tmp_path, origins - 1)), "--by", by)["series"]) == 100


_CODES = st.sampled_from(["THA", "MMR", "KHM", "LAO", None])


@settings(max_examples=20)  # a new property, cheap to hold: each example counts six dimensions
@given(
    records=st.lists(
        st.fixed_dictionaries(
            {
                "year": st.sampled_from([2018, 2019, 2020, None]),
                "origin_iso3": _CODES,
                "destination_iso3": _CODES,
                "gender": st.sampled_from(["Female", "Male", None]),
                "age_band": st.sampled_from(["0-8", "18-20", None]),
                "exploitation_sexual": st.sampled_from([True, False, None]),
                "exploitation_forced_labour": st.sampled_from([True, False, None]),
            }
        ),
        min_size=1,
        max_size=30,
    ),
    country=_CODES,
    role=st.sampled_from(["origin", "destination", "both"]),
    years=st.sampled_from([None, (2019, 2020), (2018, 2018)]),
)
def test_the_series_trend_counts_are_never_more_than_it_reckons_them_at_most(records, country, role, years):
    """`trend --by` counts the series (to refuse more than it models) only where the table's values could give
    more than it models: what it reckons without counting is never fewer than the count."""
    from evidence.analyses.selection import Selection
    from evidence.analyses.trends import yearly_counts
    from evidence.cli.analyse import _series_at_most

    data = conform(pl.DataFrame(records, infer_schema_length=None))
    provenance = Provenance(
        source="test", layout="hand-made", release="1", path="x.csv", sha256="0" * 64, url="", licence="",
        citation="hand-made test records", protection="suppression",
    )  # fmt: skip
    table = LoadedTable(data=data, provenance=provenance, rows_in=data.height)
    selection = Selection(table, country=country, role=role if country else "both", years=years)
    for by in ("citizenship", "corridor", "destination", "gender", "age_band", "form"):
        try:
            counted = yearly_counts(selection, by=by)[by].unique().len()
        except ParameterError:  # a flag group the records never record
            continue
        assert _series_at_most(selection, by) >= counted, by


def test_a_file_rewritten_in_place_is_answered_anew_in_the_same_process(shared_data, tmp_path):
    """The commands keep a file's table in the process (run one after another, they read it once): the file
    rewritten with the same path, size and modification time gives the new file's answer, never the old."""
    import os
    import shutil

    path = Path(shutil.copy(shared_data / "ctdc" / "k_anon_sample.csv", tmp_path / "sample.csv"))
    args = ["--data", str(path), "--country", "USA", "--by", "gender"]

    def answer(data: Path) -> dict:
        payload = run("trend", *args[:1], str(data), *args[2:])
        return {k: v for k, v in payload.items() if k != "data"}

    before = [answer(path) for _ in range(2)][-1]  # the second read from the kept table
    stat = path.stat()
    text = path.read_text(encoding="utf-8")
    changed = text.replace(";2019;", ";2018;", 40)
    assert changed != text and len(changed) == len(text)
    path.write_text(changed, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    after = answer(path)
    assert after != before
    # the answer of the new content, as a file of it elsewhere gets
    assert after == answer(Path(shutil.copy(path, tmp_path / "fresh.csv")))


def test_trend_says_what_a_small_label_of_ranges_can_be(shared_data):
    """label31: Côte d'Ivoire's nationals at 11 (the real workbook): 2016 is a range 8–17 withheld whole as
    <11; the terminal and the JSON said only "Counts below 11 are shown as <11", read as all a <11 can be."""
    path = str(shared_data / "unodc" / "data_glotip_2023-05-30.xlsx")
    args = ("trend", "--data", path, "--country", "CIV", "--role", "origin", "--disclosure-threshold", "11")
    payload = run(*args)
    assert {"year": 2016, "victims": "<11"} in payload["yearly_counts"]  # the disclosure as it was
    said = "or a range of counts whose low end is below 11 (the whole range withheld, its high end too)"
    assert said in payload["disclosure"]["description"]
    printed = CliRunner().invoke(_app(), list(args), catch_exceptions=False).stdout
    assert said in " ".join(printed.split())
