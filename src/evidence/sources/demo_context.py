"""Synthetic demo files in the layouts of UNODC GLOTIP, the Walk Free GSI 2023 and US TIP tiers. NOT real figures.

With no data configured, a country brief runs on the toolkit's demo data. The demo case records
(:mod:`evidence.sources.demo`) show the case-data sections; these three files, generated beside them, show the
rest: detected victims (a UNODC-layout workbook), estimates of modern slavery (a GSI-layout workbook) and the
policy context (a TIP-tier CSV), for the countries of the demo's corridors. Every file carries a provenance
sidecar that labels it synthetic *demo* data, so that notebooks and briefs say so as loudly as for the case
records, and each is loaded by the toolkit's ordinary loader for its layout (nothing here is a special case).
Like the case records, each file also carries the :data:`~evidence.sources.provenance.DEMO_MARKER` column
(the generator's release in every row), by which a copy without its sidecar is still recognised as demo data.

The figures are invented to be plausible, not estimates of anything:

* UNODC layout: detected victims per reporting country and year, 2003-2021, derived from the demo case
  records (detected = identified × a country's factor, with noise) — total, by form, sex, age and citizenship
  (``Nationals`` for the country's own), with counts of 1 to 4 published as ``<5`` as UNODC does;
* GSI layout: one row per country, population, prevalence, the estimate, five vulnerability dimensions and five
  government-response milestones, drawn at random within plausible ranges;
* TIP layout (the toolkit's simple CSV): a tier per country and report year, 2001-2023, a random walk.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import polars as pl

from evidence.core.atomic import atomic_path, write_text
from evidence.core.config import cache_dir
from evidence.sources.demo import (
    DEFAULT_ROWS,
    DEFAULT_SEED,
    DEMO_RELEASE,
    DEMO_VERSION,
    demo_intact,
    demo_title,
    generate_demo,
    write_demo_manifest,
    write_sidecar,
)
from evidence.sources.provenance import DEMO_CITATION, DEMO_MARKER
from evidence.sources.registry import sidecar_path

#: The years of the UNODC-layout and TIP-layout demo files.
UNODC_YEARS = range(2003, 2022)
TIP_YEARS = range(2001, 2024)
_INDICATOR = "Detected trafficking victims"
_FORMS = {
    "isSexualExploit": "Sexual exploitation",
    "isForcedLabour": "Forced labour",
    "isOtherExploit": "Other forms of exploitation",
}


def _demo_records() -> pl.DataFrame:
    """The demo case records, with what the UNODC-layout file breaks detected victims down by."""
    raw = generate_demo(DEFAULT_ROWS, DEFAULT_SEED)
    form = (
        pl.when(pl.col("isSexualExploit") == "1")
        .then(pl.lit(_FORMS["isSexualExploit"]))
        .when(pl.col("isForcedLabour") == "1")
        .then(pl.lit(_FORMS["isForcedLabour"]))
        .otherwise(pl.lit(_FORMS["isOtherExploit"]))
    )
    child = pl.col("ageBroad").is_in(["0--8", "9--17"])
    return raw.filter(pl.col("CountryOfExploitation").is_not_null()).select(
        pl.col("yearOfRegistration").cast(pl.Int64).alias("year"),
        pl.col("CountryOfExploitation").alias("iso3"),
        pl.col("citizenship"),
        form.alias("form"),
        pl.when(pl.col("gender") == "Man").then(pl.lit("Male")).otherwise(pl.lit("Female")).alias("sex"),
        pl.when(child).then(pl.lit("0 to 17 years")).otherwise(pl.lit("18 years or over")).alias("age"),
    )


def _value_text(n: int) -> str:
    return "<5" if 1 <= n <= 4 else f"{n:,}"


def generate_unodc_rows(seed: int = DEFAULT_SEED) -> list[list[object]]:
    """The data rows of the UNODC-layout demo workbook (in :data:`evidence.sources.unodc.HEADER` order)."""
    from evidence.sources.countries import country_table, name_of

    rng = np.random.default_rng(seed + 1)
    records = _demo_records().filter(pl.col("year").is_in(list(UNODC_YEARS)))
    regions = {r["iso3"]: (r["region"], r["subregion"]) for r in country_table().iter_rows(named=True)}
    reporting = records.group_by("iso3").len().filter(pl.col("len") >= 150).sort("iso3")["iso3"].to_list()
    rows: list[list[object]] = []
    # what each country's year is broken down into, counted once for every country and year (not filtered out of
    # the whole for each): a category's count in its sorted place, as a year's own table sorted would give it
    cases_in = {(iso3, year): n for iso3, year, n in records.group_by("iso3", "year").len().iter_rows()}
    parts = {column: _counts_by(records, column) for column in ("form", "sex", "age")}
    parts["citizenship"] = _counts_by(records.filter(pl.col("citizenship").is_not_null()), "citizenship")
    for iso3 in reporting:
        factor = float(
            rng.uniform(1.5, 4.0)
        )  # authorities detect more (or other) victims than one dataset holds
        region, subregion = regions.get(iso3, ("", ""))
        reporter = [iso3, name_of(iso3) or iso3, region, subregion, _INDICATOR]

        def row(
            dimension: str, category: str, sex: str, age: str, year: int, n: int, at: list = reporter
        ) -> None:
            if n > 0:
                rows.append([*at, dimension, category, sex, age, year, "Counts", _value_text(n), "Demo"])

        for year in UNODC_YEARS:
            cases = cases_in.get((iso3, year), 0)
            if not cases:
                continue
            total = round(cases * factor * rng.uniform(0.85, 1.15))
            row("Total", "Total", "Total", "Total", year, total)
            for column in ("form", "sex", "age"):
                categories, lens = parts[column][(iso3, year)]
                shares = pl.Series(lens)
                counts = rng.multinomial(total, (shares / shares.sum()).to_numpy())
                for category, n in zip(categories, counts, strict=True):
                    if column == "form":
                        row("by form of exploitation", category, "Total", "Total", year, int(n))
                    elif column == "sex":
                        row("Total", "Total", category, "Total", year, int(n))
                    else:
                        row("Total", "Total", "Total", category, year, int(n))
            origins, lens = parts["citizenship"].get((iso3, year), ([], []))
            for origin, n in zip(origins, lens, strict=True):
                category = "Nationals" if origin == iso3 else (name_of(origin) or origin)
                row("by citizenship", category, "Total", "Total", year, round(n * factor))
    return rows


def _counts_by(records: pl.DataFrame, column: str) -> dict[tuple[str, int], tuple[list, list]]:
    """(iso3, year) -> the values of ``column`` in those records, sorted, and how many records hold each."""
    # one aggregation into lists (not a frame per (iso3, year) partition): the same sorted values and counts
    counted = (
        records.group_by("iso3", "year", column)
        .len()
        .sort("iso3", "year", column)
        .group_by("iso3", "year", maintain_order=True)
        .agg(pl.col(column), pl.col("len"))
    )
    return {(iso3, year): (values, lens) for iso3, year, values, lens in counted.iter_rows()}


#: Walk Free regions of the M49 regions (Western Asia and Northern Africa's Arab states apart).
_ARAB_STATES = {"SAU", "ARE", "KWT", "QAT", "BHR", "OMN", "JOR", "LBN", "IRQ", "SYR", "YEM", "EGY"}
_WALK_FREE_REGIONS = {
    "Asia": "Asia and the Pacific",
    "Oceania": "Asia and the Pacific",
    "Europe": "Europe and Central Asia",
    "Africa": "Africa",
    "Americas": "Americas",
}


def _demo_countries() -> list[str]:
    from evidence.sources.demo import CORRIDORS

    return sorted({c[0] for c in CORRIDORS} | {c[1] for c in CORRIDORS})


def generate_gsi(seed: int = DEFAULT_SEED) -> pl.DataFrame:
    """The GSI-layout demo table: one row per demo country, columns as the GSI 2023 summary sheet heads them."""
    from evidence.sources.countries import country_table, name_of
    from evidence.sources.walkfree import MEASURES

    rng = np.random.default_rng(seed + 2)
    regions = {r["iso3"]: r["region"] for r in country_table().iter_rows(named=True)}
    rows = []
    for iso3 in _demo_countries():
        region = (
            "Arab States" if iso3 in _ARAB_STATES else _WALK_FREE_REGIONS.get(regions.get(iso3) or "", "")
        )
        population = float(round(rng.uniform(2e6, 150e6), -5))
        prevalence = float(round(rng.uniform(1.0, 12.0), 2))
        vulnerability = rng.uniform(15, 85, size=5).round(1)
        response = rng.uniform(0, 80, size=5).round(1)
        row = {
            "Country": name_of(iso3) or iso3,
            MEASURES["population"]: population,
            "Region": region,
            MEASURES["prevalence_per_1000"]: prevalence,
            MEASURES["estimated_number_in_modern_slavery"]: float(round(population * prevalence / 1000, -3)),
        }
        names = [k for k in MEASURES if k.startswith("vulnerability_") and k != "vulnerability_total"]
        row.update({MEASURES[k]: float(v) for k, v in zip(names, vulnerability, strict=True)})
        row[MEASURES["vulnerability_total"]] = float(round(vulnerability.mean(), 1))
        names = [k for k in MEASURES if k.startswith("response_") and k != "response_total"]
        row.update({MEASURES[k]: float(v) for k, v in zip(names, response, strict=True)})
        row[MEASURES["response_total"]] = float(round(response.mean(), 1))
        rows.append(row)
    return pl.DataFrame(rows)


def generate_tiers(seed: int = DEFAULT_SEED) -> pl.DataFrame:
    """The TIP-layout demo table (iso3, report_year, tier): a random walk of tiers per demo country."""
    from evidence.sources.tip import TIERS

    rng = np.random.default_rng(seed + 3)
    rows = []
    for iso3 in _demo_countries():
        rank = int(rng.integers(0, 4))
        for year in TIP_YEARS:
            if rng.random() < 0.2:
                rank = int(np.clip(rank + rng.choice([-1, 1]), 0, 3))
            rows.append({"iso3": iso3, "report_year": year, "tier": TIERS[rank]})
    return pl.DataFrame(rows)


# ------------------------------------------------------------------------------------------------ the files

#: Each file's name, as every demo file's (:func:`~evidence.sources.demo.demo_title`).
_TITLES = {
    "unodc": demo_title("UNODC GLOTIP"),
    "gsi": demo_title("Walk Free Global Slavery Index"),
    "tip": demo_title("US TIP Report tiers"),
}
_FILES = {
    "unodc": f"unodc_glotip_layout_{DEMO_RELEASE}.xlsx",
    "gsi": f"walkfree_gsi_layout_{DEMO_RELEASE}.xlsx",
    "tip": f"us_tip_tiers_layout_{DEMO_RELEASE}.csv",
}


def _sidecar(kind: str) -> dict[str, object]:
    return {
        "release": DEMO_RELEASE,
        "title": _TITLES[kind],
        "synthetic": True,
        "demo": True,
        "url": "",
        "licence": "CC0-1.0",
        "citation": DEMO_CITATION,
        "notes": [
            f"Generated by evidence.sources.demo_context (generator version {DEMO_VERSION}).",
            "Invented figures for demonstrating the toolkit; never cite or publish them as findings.",
        ],
    }


def _write_workbook(
    path: Path, sheet: str, top_rows: list[list[object]], header: list[str], rows: list
) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(_workbook_bytes(sheet, top_rows, header, rows))


#: The workbooks :func:`_workbook_bytes` made in this process (at most :data:`_MADE_MAX`, the latest last), by the
#: sha256 of the repr of all they hold (sheet name, top rows, header, rows: ``1``, ``1.0`` and ``True`` told
#: apart): the same content is the same bytes (:func:`_reproducible_xlsx`), so a demo file written again (the
#: cache folder of another run, a damaged file replaced) is not built cell by cell by openpyxl again.
_MADE: dict[str, bytes] = {}
_MADE_MAX = 4


def _workbook_bytes(sheet: str, top_rows: list[list[object]], header: list[str], rows: list) -> bytes:
    """The reproducible bytes of a one-sheet workbook holding ``top_rows``, ``header`` and ``rows``."""
    import hashlib

    key = hashlib.sha256(repr((sheet, top_rows, header, rows)).encode()).hexdigest()
    made = _MADE.get(key)
    if made is None:
        import openpyxl  # type: ignore[import-untyped]

        workbook = openpyxl.Workbook()
        ws = workbook.active
        ws.title = sheet
        for line in [*top_rows, header, *rows]:
            ws.append(line)
        buffer = io.BytesIO()
        workbook.save(buffer)
        made = _reproducible_xlsx(buffer.getvalue())
        while len(_MADE) >= _MADE_MAX:
            del _MADE[next(iter(_MADE))]
        _MADE[key] = made
    return made


_FIXED_TIME = (2023, 5, 30, 0, 0, 0)
_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _reproducible_xlsx(content: bytes) -> bytes:
    """The workbook with the save time taken out (openpyxl stamps it into docProps/core.xml and every zip
    entry), so that the same seed gives the same bytes and the same sha256 in every cache folder."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _STAMP.sub(rb"\g<1>2023-05-30T00:00:00Z\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, data)
    return out.getvalue()


def _marked(frame: pl.DataFrame) -> pl.DataFrame:
    """The table with the demo marker column (the generator's release in every row) last."""
    return frame.with_columns(pl.lit(DEMO_RELEASE).alias(DEMO_MARKER))


def write_demo_context(folder: str | Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the three demo files (and their provenance sidecars) into ``folder``; return their paths."""
    return list(_write_files(Path(folder), seed, _FILES).values())


def _write_files(folder: Path, seed: int, kinds: Iterable[str]) -> dict[str, Path]:
    """Write the demo files of ``kinds`` ("unodc", "gsi", "tip") and their sidecars; their paths by kind."""
    from evidence.sources.unodc import HEADER

    folder.mkdir(parents=True, exist_ok=True)
    paths = {kind: folder / name for kind, name in _FILES.items() if kind in kinds}
    if "unodc" in paths:
        _write_workbook(
            paths["unodc"], "data_glotip_1", [["UNODC (synthetic demo)"], ["30/05/2023"]], [*HEADER, DEMO_MARKER],
            [[*row, DEMO_RELEASE] for row in generate_unodc_rows(seed)],
        )  # fmt: skip
    if "gsi" in paths:
        gsi = _marked(generate_gsi(seed))
        _write_workbook(
            paths["gsi"], "GSI 2023 summary data", [["Synthetic demo data (NOT real estimates)"], []], gsi.columns,
            [list(r) for r in gsi.iter_rows()],
        )  # fmt: skip
    if "tip" in paths:
        with atomic_path(paths["tip"]) as tmp:
            _marked(generate_tiers(seed)).write_csv(tmp)
    for kind, path in paths.items():
        write_text(sidecar_path(path), json.dumps(_sidecar(kind), indent=2) + "\n")
    return paths


def demo_context_paths(seed: int = DEFAULT_SEED) -> list[Path]:
    """The three demo files in the user cache (UNODC, GSI, TIP layouts), generated on first use and again if
    one is missing, damaged or has lost its sidecar."""
    folder = cache_dir() / "demo"
    paths = {kind: folder / name for kind, name in _FILES.items()}
    broken = [kind for kind, p in paths.items() if not demo_intact(p)]
    if broken:
        # only the files that need it are written again (each is the same bytes whenever written)
        for path in _write_files(folder, seed, broken).values():
            write_demo_manifest(path)
    for kind, path in paths.items():  # a lost sidecar, or one a toolkit that named the file otherwise wrote
        write_sidecar(path, _sidecar(kind))
    return list(paths.values())
