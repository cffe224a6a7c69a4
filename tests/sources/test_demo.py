"""The synthetic demo data: v2024 layout, deterministic, labelled synthetic, realistic enough to analyse."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.sources import demo
from evidence.sources.demo import (
    AGE_CODES,
    DURATION_CODES,
    GENDER_CODES,
    LABOUR_COLUMNS,
    MEANS_COLUMNS,
    RECRUITER_COLUMNS,
    SEX_TYPE_COLUMNS,
    V2024_COLUMNS,
    demo_path,
    generate_demo,
    write_demo,
)
from evidence.sources.provenance import DEMO_MARKER
from evidence.sources.registry import sidecar_path


@pytest.fixture(scope="module")
def df() -> pl.DataFrame:
    return generate_demo(20_000)


def flag(col: str) -> pl.Expr:
    return pl.col(col) == "1"


def any_flag(cols: list[str]) -> pl.Expr:
    return pl.any_horizontal([pl.col(c).is_not_null() for c in cols])


def test_the_27_v2024_columns_all_strings(df: pl.DataFrame) -> None:
    assert df.columns == V2024_COLUMNS
    assert len(df.columns) == 27
    assert set(df.schema.values()) == {pl.String}
    assert df.height == 20_000


def test_codes_are_those_of_the_v2024_files(df: pl.DataFrame) -> None:
    assert set(df["gender"].drop_nulls()) == set(GENDER_CODES)
    assert set(df["ageBroad"].drop_nulls()) == set(AGE_CODES)
    assert "9--17" in AGE_CODES and "09--17" not in AGE_CODES
    assert set(df["traffickMonths"].drop_nulls()) == set(DURATION_CODES)
    flags = V2024_COLUMNS[6:]
    assert all(set(df[c].drop_nulls()) == {"1"} for c in flags)
    countries = pl.concat([df["citizenship"], df["CountryOfExploitation"]]).drop_nulls()
    assert countries.str.contains(r"^[A-Z]{3}$").all()
    years = df["yearOfRegistration"].cast(pl.Int32)
    assert years.min() == 2002 and years.max() == 2023


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a = write_demo(tmp_path / "a.csv", n_rows=3_000, seed=7)
    b = write_demo(tmp_path / "b.csv", n_rows=3_000, seed=7)
    c = write_demo(tmp_path / "c.csv", n_rows=3_000, seed=8)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    assert a.read_bytes().splitlines()[0].decode() == ",".join([*V2024_COLUMNS, DEMO_MARKER])


def test_sidecar_labels_the_file_synthetic_demo(tmp_path: Path) -> None:
    path = write_demo(tmp_path / "demo.csv", n_rows=500)
    labels = json.loads(sidecar_path(path).read_text())
    assert labels["synthetic"] is True and labels["demo"] is True
    assert labels["release"] == f"demo-{demo.DEMO_VERSION}"
    assert "NOT real" in labels["title"]
    assert labels["licence"] == "CC0-1.0" and labels["url"] == ""
    assert "not real victims" in labels["citation"]
    assert labels["notes"]
    assert not list(tmp_path.glob(".*part"))  # atomic writes leave no temporary files


def test_missing_values_as_common_as_in_real_data(df: pl.DataFrame) -> None:
    share = {c: df[c].null_count() / df.height for c in df.columns}
    assert 0.12 < share["gender"] < 0.18
    assert 0.36 < share["ageBroad"] < 0.44
    assert 0.26 < share["citizenship"] < 0.34
    assert 0.66 < share["traffickMonths"] < 0.74
    means_unknown = df.select(~any_flag(MEANS_COLUMNS)).to_series().mean()
    recruiter_unknown = df.select(~any_flag(RECRUITER_COLUMNS)).to_series().mean()
    assert 0.45 < means_unknown < 0.65
    assert 0.55 < recruiter_unknown < 0.75


def test_flag_groups_hang_together(df: pl.DataFrame) -> None:
    """Sector flags only with forced labour, sex types only with sexual exploitation."""
    labour_sector_without_labour = df.filter(
        any_flag(LABOUR_COLUMNS) & ~flag("isForcedLabour").fill_null(False)
    )
    assert labour_sector_without_labour.height == 0
    sex_type_without_sexual = df.filter(
        any_flag(SEX_TYPE_COLUMNS) & ~flag("isSexualExploit").fill_null(False)
    )
    assert sex_type_without_sexual.height == 0
    # the exploitation group is sometimes wholly unknown
    unknown_type = df.filter(~any_flag(["isForcedLabour", "isSexualExploit", "isOtherExploit"]))
    assert 0.05 * df.height < unknown_type.height < 0.11 * df.height
    # several forms at once happen
    both = df.filter(flag("isForcedLabour") & flag("isSexualExploit"))
    assert both.height > 20


def test_trend_growth_break_covid_dip_incomplete_last_year(df: pl.DataFrame) -> None:
    counts = dict(df.group_by("yearOfRegistration").len().iter_rows())
    n = {int(y): c for y, c in counts.items()}
    assert n[2002] < n[2008] < n[2013]
    assert n[2015] > 1.3 * n[2013]  # the break
    assert n[2020] < 0.8 * n[2019]  # COVID-19
    assert n[2023] < 0.7 * n[2022]  # late registration
    assert set(n) == set(range(2002, 2024))


def test_thailand_corridors(df: pl.DataFrame) -> None:
    flows = (
        df.drop_nulls(["citizenship", "CountryOfExploitation"])
        .group_by("citizenship", "CountryOfExploitation")
        .len()
    )
    n = {(o, d): c for o, d, c in flows.iter_rows()}
    into_thailand = {o: n.get((o, "THA"), 0) for o in ("MMR", "KHM", "LAO", "VNM")}
    assert all(c >= 100 for c in into_thailand.values())
    foreign_into_thailand = sum(c for (o, d), c in n.items() if d == "THA" and o != "THA")
    assert sum(into_thailand.values()) > 0.9 * foreign_into_thailand
    for dest in ("MYS", "JPN", "KOR", "TWN", "DEU", "GBR", "SWE", "FIN"):
        assert n.get(("THA", dest), 0) >= 10, dest
    for domestic in ("THA", "USA", "PHL"):
        assert n.get((domestic, domestic), 0) >= 50
    for corridor in [
        ("UKR", "RUS"),
        ("PHL", "SAU"),
        ("PHL", "ARE"),
        ("NGA", "ITA"),
        ("MEX", "USA"),
        ("IDN", "MYS"),
    ]:
        assert n.get(corridor, 0) >= 50, corridor
    assert any(1 <= c <= 4 for c in n.values())  # small cells for disclosure control to suppress


def test_forced_criminality_in_scam_compounds(df: pl.DataFrame) -> None:
    scam = df.filter(
        pl.col("CountryOfExploitation").is_in(["KHM", "MMR", "LAO"])
        & pl.col("citizenship").is_in(["THA", "VNM", "IDN", "CHN"])
        & flag("isOtherExploit")
    )
    years = scam["yearOfRegistration"].cast(pl.Int32)
    assert scam.height > 100
    assert (years >= 2021).mean() > 0.85
    assert scam.filter(any_flag(LABOUR_COLUMNS)).height == 0  # no v2024 flag for forced criminality


def test_fishing_is_forced_labour_with_unknown_sector(df: pl.DataFrame) -> None:
    unknown_sector = df.filter(flag("isForcedLabour") & ~any_flag(LABOUR_COLUMNS))
    known_sector = df.filter(flag("isForcedLabour") & any_flag(LABOUR_COLUMNS))
    assert unknown_sector.height > 0.3 * known_sector.height
    # fishing is men's work in these corridors: unknown-sector labour into Thailand is mostly men
    thai = unknown_sector.filter(pl.col("CountryOfExploitation") == "THA")
    assert (thai["gender"].drop_nulls() == "Man").mean() > 0.6


def test_profiles_vary_with_the_form(df: pl.DataFrame) -> None:
    def share(frame: pl.DataFrame, col: str) -> float:
        known = frame.filter(
            any_flag(RECRUITER_COLUMNS) if col.startswith("recruiter") else any_flag(MEANS_COLUMNS)
        )
        return known.select(flag(col).fill_null(False).mean()).item()

    sexual = df.filter(flag("isSexualExploit") & ~flag("isForcedLabour").fill_null(False))
    labour = df.filter(flag("isForcedLabour") & ~flag("isSexualExploit").fill_null(False))
    assert (sexual["gender"].drop_nulls() == "Woman").mean() > 0.8
    assert (labour["gender"].drop_nulls() == "Man").mean() > 0.5
    assert share(labour, "meansExcessiveWorkHours") > 2 * share(sexual, "meansExcessiveWorkHours")
    assert share(sexual, "recruiterRelationIntimatePartner") > 3 * share(
        labour, "recruiterRelationIntimatePartner"
    )
    minors = sexual["ageBroad"].drop_nulls().is_in(["0--8", "9--17"]).mean()
    assert minors > labour["ageBroad"].drop_nulls().is_in(["0--8", "9--17"]).mean()


def test_demo_path_is_cached_and_rebuilt_when_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path))
    path = demo_path()
    assert path.parent == tmp_path / "demo"
    original = path.read_bytes()
    stamp = path.stat().st_mtime_ns
    assert demo_path() == path and path.stat().st_mtime_ns == stamp  # not regenerated
    path.write_bytes(original[: len(original) // 2])  # a damaged file
    assert demo_path().read_bytes() == original
    path.unlink()
    assert demo_path().read_bytes() == original
    sidecar_path(path).unlink()
    assert demo_path() == path and sidecar_path(path).exists()


def test_bad_row_count() -> None:
    with pytest.raises(ValueError):
        generate_demo(0)


def test_the_ctdc_loader_reads_the_demo_as_synthetic_demo_data(tmp_path: Path) -> None:
    from evidence.sources.registry import load

    pytest.importorskip("evidence.sources.ctdc", reason="the CTDC loader is being written")
    path = write_demo(tmp_path / "demo.csv", n_rows=2_000)
    loaded = load(path)
    assert loaded.provenance.synthetic and loaded.provenance.demo
    assert loaded.provenance.release.startswith("demo-")
    assert loaded.rows_in == 2_000
    assert loaded.rows_rejected == 0
    data = loaded.data
    assert data.filter(pl.col("origin_iso3") == "MMR", pl.col("destination_iso3") == "THA").height > 0
    assert data["year"].min() == 2002 and data["year"].max() == 2023


def test_default_data_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from evidence.sources.demo import default_data_paths

    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("EVIDENCE_DATA", raising=False)
    paths, is_demo = default_data_paths()
    assert is_demo and paths == [demo_path()]
    monkeypatch.setenv("EVIDENCE_DATA", str(tmp_path / "mine.csv"))
    assert default_data_paths() == ([tmp_path / "mine.csv"], False)


@settings(max_examples=30, deadline=None)
@given(n_rows=st.integers(min_value=1, max_value=400), seed=st.integers(min_value=0, max_value=2**63 - 1))
def test_every_table_is_a_valid_v2024_file(n_rows: int, seed: int) -> None:
    """Whatever the size and seed: right shape and codes, and flag groups that obey the codebook's logic."""
    table = generate_demo(n_rows, seed)
    assert table.columns == V2024_COLUMNS and table.height == n_rows
    assert table["yearOfRegistration"].null_count() == 0
    for col in V2024_COLUMNS[6:]:
        assert set(table[col].drop_nulls()) <= {"1"}
    assert set(table["gender"].drop_nulls()) <= set(GENDER_CODES)
    assert set(table["ageBroad"].drop_nulls()) <= set(AGE_CODES)
    assert set(table["traffickMonths"].drop_nulls()) <= set(DURATION_CODES)
    no_type = ~any_flag(["isForcedLabour", "isSexualExploit", "isOtherExploit"])
    assert table.filter(no_type & (any_flag(LABOUR_COLUMNS) | any_flag(SEX_TYPE_COLUMNS))).height == 0
    assert table.filter(any_flag(LABOUR_COLUMNS) & pl.col("isForcedLabour").is_null()).height == 0
    assert table.filter(any_flag(SEX_TYPE_COLUMNS) & pl.col("isSexualExploit").is_null()).height == 0
    # one labour sector and one sexual-exploitation type per record in the demo
    assert (
        table.select(pl.sum_horizontal([pl.col(c).is_not_null() for c in LABOUR_COLUMNS]).max()).item() <= 1
    )


# --- demo data are told by their content, not by the sidecar ----------------------------------------------------


def _assert_demo(path: Path, release: str = f"demo-{demo.DEMO_VERSION}") -> None:
    from evidence.sources.registry import load

    p = load(path).provenance
    assert (p.demo, p.synthetic, p.release) == (True, True, release)
    assert "NOT real" in p.label and "Counter" not in p.citation and "CTDC" not in p.citation
    assert p.url == "" and p.date_published == ""
    assert not any("told from" in note for note in p.notes)  # no CTDC release inferred from the age bands


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory) -> Path:
    """A demo file copied elsewhere without its sidecar (``cp``, an e-mail attachment, a download)."""
    folder = tmp_path_factory.mktemp("copy")
    original = write_demo(folder / "syn.csv", n_rows=600)
    copy = folder / "copied.csv"
    copy.write_bytes(original.read_bytes())
    assert not sidecar_path(copy).exists()
    return copy


def test_a_copy_without_its_sidecar_is_still_demo_data(demo_copy: Path) -> None:
    _assert_demo(demo_copy)


def test_re_saves_keep_the_marker(demo_copy: Path, tmp_path: Path) -> None:
    """CRLF line ends, columns and rows reordered, rows filtered, saved as a workbook: still demo data."""
    import openpyxl

    (tmp_path / "crlf.csv").write_bytes(demo_copy.read_bytes().replace(b"\n", b"\r\n"))
    _assert_demo(tmp_path / "crlf.csv")
    table = pl.read_csv(demo_copy, infer_schema=False)
    table.select(reversed(table.columns)).reverse().write_csv(tmp_path / "reordered.csv")
    _assert_demo(tmp_path / "reordered.csv")
    table.filter(pl.col("CountryOfExploitation") == "THA").write_csv(tmp_path / "tha.csv")
    _assert_demo(tmp_path / "tha.csv")
    book = openpyxl.Workbook()
    for row in [table.columns, *table.head(50).rows()]:
        book.active.append(list(row))
    book.save(tmp_path / "saved.xlsx")
    _assert_demo(tmp_path / "saved.xlsx")


def test_a_sidecar_cannot_make_demo_data_real(demo_copy: Path, tmp_path: Path) -> None:
    copy = tmp_path / "mine.csv"
    copy.write_bytes(demo_copy.read_bytes())
    sidecar_path(copy).write_text(json.dumps({"release": "2024", "demo": False, "synthetic": False}))
    _assert_demo(copy)


def test_files_of_the_first_generator_are_told_by_their_checksum(tmp_path: Path) -> None:
    """Version 1 wrote no marker column: its default file (the v2024 columns alone) is in DEMO_SHA256."""
    from evidence.sources.provenance import DEMO_SHA256, sha256_file

    path = tmp_path / "ctdc_v2024_layout_demo-1_seed20240101_20000.csv"
    generate_demo(demo.DEFAULT_ROWS, demo.DEFAULT_SEED).write_csv(path)
    assert DEMO_SHA256[sha256_file(path)] == "demo-1"
    _assert_demo(path, "demo-1")


def test_the_checksum_list_holds_the_current_default_files(tmp_path: Path, monkeypatch) -> None:
    """The case records and the three context files (UNODC, GSI, TIP layouts) the toolkit generates now."""
    from evidence.sources.demo_context import demo_context_paths
    from evidence.sources.provenance import DEMO_SHA256, sha256_file

    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path))
    for path in [demo_path(), *demo_context_paths()]:
        assert (path.name, DEMO_SHA256.get(sha256_file(path))) == (path.name, demo.DEMO_RELEASE)


def test_demo_intact_asks_the_content_not_the_sidecar(tmp_path: Path) -> None:
    path = write_demo(tmp_path / "demo.csv", n_rows=300)
    demo.write_demo_manifest(path)
    sidecar_path(path).unlink()
    assert demo.demo_intact(path)
    # the same records without the marker column are no demo file of this generator
    pl.read_csv(path, infer_schema=False).drop(DEMO_MARKER).write_csv(path)
    demo.write_demo_manifest(path)
    assert not demo.demo_intact(path)
