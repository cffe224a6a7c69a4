"""The data_quality notebook's sections (evidence.notebooks.views: show_completeness, show_coverage,
show_unmapped_citizenships), on real files and on small files made here, read as a reader reads them."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import polars as pl
import pytest

from evidence.presentation.disclosure import DisclosureRule

RULE = DisclosureRule(5)


def _shown(monkeypatch) -> list[str]:
    """The Markdown of every display of a section (tables as their Markdown, prose as itself)."""
    import IPython.display

    texts: list[str] = []

    def display(*objs, **_):
        for obj in objs:
            texts.append(obj["text/markdown"] if isinstance(obj, dict) else obj.data)

    monkeypatch.setattr(IPython.display, "display", display)
    return texts


def _opened(*tables):
    from evidence.notebooks.builders import source_line
    from evidence.notebooks.views import Opened

    return Opened(list(tables), RULE, source_line(tables), "")


def _synthetic_with_rejects(folder: Path) -> Path:
    """A Global Synthetic file of 60 rows (12 a year, 2015-2019), 2 of which are rejected (a year that is not a
    number, a flag that is not 1, 0 or empty), and one whose citizenship is no country code."""
    from evidence.sources.ctdc import SYNTHETIC_COLUMNS

    header = list(SYNTHETIC_COLUMNS)
    rows = []
    for i in range(60):
        rows.append(
            dict.fromkeys(header, "")
            | {
                "yearOfRegistration": str(2015 + i % 5),
                "gender": ["Man", "Woman", ""][i % 3],
                "ageBroad": "9--17",
                "citizenship": ["THA", "KHM", "MMR"][i % 3],
                "CountryOfExploitation": "THA",
                "traffickMonths": "",
                "isForcedLabour": "1",
                "isSexualExploit": "",
                "isOtherExploit": "",
            }
        )
    rows[3]["yearOfRegistration"] = "20x5"
    rows[7]["isSexualExploit"] = "yes"
    rows[10]["citizenship"] = "ZZZ"  # no country: kept, flagged, its citizenship unknown
    path = folder / "ctdc_with_rejects.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_completeness_does_not_give_back_the_records_kept_the_files_table_withholds(tmp_path, monkeypatch):
    """2 of 60 rows rejected: the table of files withholds rows kept (x) and rejected (<5), as 60 less the kept
    would give the 2 back. The completeness tables showed "Records 58" on every row and as the total of the
    years: the rejected count was read off them. Now they show shares only, and say why."""
    from evidence.notebooks import views
    from evidence.sources.registry import load

    loaded = load(_synthetic_with_rejects(tmp_path))
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (60, 58, 2)
    assert loaded.protection == "suppression"  # publisher's synthetic layout: counts not perturbed
    opened = _opened(loaded)
    texts = _shown(monkeypatch)
    views.show_sources(opened)
    assert "| x | \\<5 | x |" in texts[0]  # rows read withheld with the rejected
    texts.clear()
    views.show_completeness(opened)
    section = "\n".join(texts)
    assert "58" not in section and "Records |" not in section
    assert "Shares only" in section
    # the shares are still there: of the 58 kept (the rows of the file less rows 5 and 9), those with a sex
    raw = pl.read_csv(_synthetic_with_rejects(tmp_path), infer_schema=False).with_row_index("line", offset=2)
    kept = raw.filter(~pl.col("line").is_in([5, 9]))
    assert kept.height == 58
    assert f"| sex (gender) | {kept['gender'].drop_nulls().len() / kept.height:.0%} |" in section
    # a share whose counts are withheld (a citizenship for all records but the one of ZZZ) is a dash, said so
    assert kept.filter(pl.col("citizenship") == "ZZZ").height == 1
    assert "| citizenship (origin\\_iso3) | – |" in section
    assert section.count("–: share not shown") == 2


def test_perturbed_counts_do_not_give_back_the_rejected_rows_either(fixtures, tmp_path, monkeypatch):
    """An organisation's export (cell key method) of 24 rows, 3 rejected: the table of files withholds rows kept
    and rejected; the completeness tables showed their records, 21, perturbed by 0 (as a perturbation often is):
    24 - 21 = 3. Shares only, here too."""
    import shutil

    from evidence.notebooks import views
    from evidence.sources.registry import load

    source = fixtures / "case_records" / "assisted_victims.csv"
    path = tmp_path / "cases.csv"
    shutil.copy(source.with_name(source.name + ".mapping.yaml"), tmp_path / "cases.csv.mapping.yaml")
    lines = source.read_text().splitlines()
    bad = lines[1].split(",")
    rejected = [",".join([f"MSS-09{i}", "20x3", *bad[2:]]) for i in range(3)]  # a year that is no number
    path.write_text("\n".join([*lines, *rejected]) + "\n")
    loaded = load(path)
    assert (loaded.rows_in, loaded.rows_kept, loaded.rows_rejected) == (24, 21, 3)
    assert loaded.protection == "cell_key"
    opened = _opened(loaded)
    texts = _shown(monkeypatch)
    views.show_sources(opened)
    assert "| x | \\<5 | x |" in texts[0]  # rows read withheld with the rejected
    texts.clear()
    views.show_completeness(opened)
    section = "\n".join(texts)
    assert "Shares only" in section and "Records |" not in section and "| 21 |" not in section
    assert "perturbed" not in section  # no count shown, so no note on counts
    assert "| country of exploitation (destination\\_iso3) | 100% |" in section


def test_a_file_without_rejects_keeps_its_counts(shared_data, monkeypatch):
    """The real k-anonymised excerpt (38 rows, none rejected): counts are shown (perturbed, its records being of
    real people), and a field its layout collects but no record of it has (the sector of labour) is a row of 0
    known, not "not collected by this layout"."""
    from evidence.notebooks import views
    from evidence.sources.cache import load_cached

    opened = _opened(load_cached(shared_data / "ctdc" / "k_anon_excerpt.csv"))
    texts = _shown(monkeypatch)
    views.show_completeness(opened)
    section = "\n".join(texts)
    assert "Records |" in section and "Shares only" not in section
    (not_collected,) = [t for t in texts if t.startswith("Not collected by this layout")]
    assert "labour" not in not_collected and "time in trafficking" in not_collected
    (labour,) = [line for line in section.splitlines() if "(labour\\_sector)" in line]
    assert labour.startswith("| sector of forced labour (labour\\_sector) | 0 |")
    assert "| Sex |" in section or "| Sex " in section  # key fields by their readers' names


def test_an_organisations_export_says_what_it_holds_and_leaves_out_tables_of_withheld_rows(
    fixtures, monkeypatch
):
    """The fictional export (21 records over 9 years): every year's records are withheld, so the by-year table
    (nine rows of <5) is a sentence; a mapping decides its fields, so absent ones are not said to be "not
    collected by this layout" (the toolkit cannot know), and its extra flags are in their groups."""
    from evidence.notebooks import views
    from evidence.sources.cache import load_cached

    opened = _opened(load_cached(fixtures / "case_records" / "assisted_victims.csv"))
    texts = _shown(monkeypatch)
    views.show_completeness(opened)
    section = "\n".join(texts)
    assert "By year: not shown, as the records of every year are too few to publish" in section
    assert "Not collected by this layout" not in section
    assert any(t.startswith("No record of this file has a value of:") for t in texts)
    assert "forced\\_criminality" not in section and "| assistance given (assistance) |" in section


def test_coverage_of_gsi_and_tip_tiers_is_shown_in_countries(real_tables, monkeypatch):
    """GSI and TIP tiers are country-level tables too: the section said "No country-level table among the data
    files" when they were the files given. Their coverage is now counted in countries, from the raw files."""
    from evidence.notebooks import views

    _cases, _unodc, gsi, tiers = real_tables
    texts = _shown(monkeypatch)
    views.show_coverage(_opened(gsi, tiers))
    section = "\n".join(texts)
    assert "No country-level table" not in section
    raw = pl.read_csv(tiers.provenance.path, infer_schema=False).filter(pl.col("year") == "2015")
    ranked = raw.filter(pl.col("tier") != "NA").height
    assert f"| 2015 | {raw.height} | {ranked} | {raw.height - ranked} |" in section
    assert "| Estimated number in modern slavery | 180 |" in section
    texts.clear()
    views.show_coverage(_opened(real_tables[0]))
    assert texts == [
        "No country-level table (UNODC country data, Walk Free's GSI or US TIP tiers) among the data files."
    ]


@pytest.mark.parametrize("threshold", [5, 11])
def test_unmapped_strings_say_they_include_countries_of_repatriation(real_tables, monkeypatch, threshold):
    """UNODC's unmapped strings include countries of repatriation ("0"): the caption says so; a string with 1-4
    detected victims is shown as below the threshold, never as its number."""
    from evidence.notebooks import views
    from evidence.notebooks.builders import source_line
    from evidence.notebooks.views import Opened

    unodc = real_tables[1]
    texts = _shown(monkeypatch)
    views.show_unmapped_citizenships(Opened([unodc], DisclosureRule(threshold), source_line([unodc]), ""))
    (table,) = [t for t in texts if "not mapped to a country" in t and t.startswith("**")]
    assert table.startswith("**Citizenships and countries of repatriation not mapped to a country")
    assert "| Central africa | citizenship | \\<" + str(threshold) + " |" in table


def _synthetic(folder: Path, name: str, rows: list[dict[str, str]]) -> Path:
    from evidence.sources.ctdc import SYNTHETIC_COLUMNS

    path = folder / name
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SYNTHETIC_COLUMNS)
        writer.writeheader()
        writer.writerows(dict.fromkeys(SYNTHETIC_COLUMNS, "") | row for row in rows)
    return path


def test_a_file_of_rejected_rows_only_or_of_too_few_records_is_said_so(tmp_path, monkeypatch):
    """A file whose every row was rejected (a year column of "20x0") stopped the notebook: the table by year had
    no row to protect ("cannot publish totals of an empty table"), after a table of zeros. A file of 3 records
    showed a table of dashes. Each is now one sentence."""
    from evidence.notebooks import views
    from evidence.sources.registry import load

    rejected = load(
        _synthetic(tmp_path, "rejected.csv", [{"yearOfRegistration": "20x0", "gender": "Man"}] * 7)
    )
    tiny = load(_synthetic(tmp_path, "tiny.csv", [{"yearOfRegistration": "2020", "isForcedLabour": "1"}] * 3))
    assert (rejected.rows_kept, rejected.rows_rejected, tiny.rows_kept) == (0, 7, 3)
    texts = _shown(monkeypatch)
    views.show_completeness(_opened(rejected, tiny))
    assert texts[1] == "No row of this file was kept (see the rejected rows above): no field to summarise."
    assert texts[3] == "This file holds fewer than 5 records: too few to show how complete their fields are."
    assert len(texts) == 4  # two headings, two sentences


def test_one_withheld_share_is_not_given_back_by_the_table_of_fields(tmp_path, monkeypatch):
    """Sex by year: 2015 has 24 records, 12 with no sex; 2016-2018 12 each, all with a sex; 2019 12 records,
    2 without. The share of 2019 was withheld (2 is small) but the table of fields publishes 14 records without
    a sex: 14 - 12 (50% of 24) - 0 = 2. A second share (2015's) is withheld with it. Where the table of fields
    withholds the field's total (the age: 3 unknown), the one withheld share gives nothing back and stays alone;
    where no other share can be withheld with it, the column's are."""
    from evidence.notebooks import views
    from evidence.sources.registry import load

    rows = []
    for year, records, unknown in [
        (2015, 24, 12),
        (2016, 12, 0),
        (2017, 12, 0),
        (2018, 12, 0),
        (2019, 12, 2),
    ]:
        for i in range(records):
            rows.append(
                {
                    "yearOfRegistration": str(year),
                    "gender": "" if i < unknown else "Woman",
                    "ageBroad": "" if year == 2019 and i < 3 else "18--20",
                    "citizenship": "" if year == 2015 else "KHM",
                    "CountryOfExploitation": "" if year == 2015 or (year == 2019 and i < 2) else "THA",
                    "isForcedLabour": "1",
                }
            )
    loaded = load(_synthetic(tmp_path, "one_withheld.csv", rows))
    assert loaded.protection == "suppression" and loaded.rows_kept == 72
    texts = _shown(monkeypatch)
    views.show_completeness(_opened(loaded))
    (by_year,) = [t for t in texts if t.startswith("**By year")]
    lines = {
        line.split(" | ")[0].strip("| "): line.split(" | ") for line in by_year.splitlines() if "| 20" in line
    }
    sex, age, citizenship = 2, 3, 4  # the columns after Year and Records
    assert [lines[str(y)][sex] for y in range(2015, 2020)] == ["–", "100%", "100%", "100%", "–"]
    fields = next(t for t in texts if t.startswith("**Records with each field known"))
    assert "| sex (gender) | 58 | 14 | 72 |" in fields  # the total the single withheld share was read from
    assert "| age (age\\_band) | x | \\<5 | 72 |" in fields
    assert [lines[str(y)][age] for y in range(2015, 2020)] == ["100%"] * 4 + ["–"]
    # no share of the citizenship is withheld: nothing to give back
    assert [lines[str(y)][citizenship] for y in range(2015, 2020)] == ["0%"] + ["100%"] * 4
    # the country of exploitation: 2019's 2 unknown withheld, 26 unknown in all, 2015's 24 (0% known): no share
    # is both known and unknown enough to be withheld with it, so every share of the column is
    assert "| country of exploitation (destination\\_iso3) | 46 | 26 | 72 |" in fields
    assert [lines[str(y)][citizenship + 1] for y in range(2015, 2020)] == ["–"] * 5


def _synthetic_rejects(folder: Path, rows: int, bad_years: int, bad_flags: int) -> Path:
    """A Global Synthetic file of ``rows`` rows, the first ``bad_years`` rejected for a year that is no number and
    the next ``bad_flags`` for a flag that is not 1, 0 or empty."""
    from evidence.sources.ctdc import SYNTHETIC_COLUMNS

    header = list(SYNTHETIC_COLUMNS)
    records = [
        dict.fromkeys(header, "")
        | {
            "yearOfRegistration": str(2015 + i % 5),
            "gender": ["Man", "Woman", ""][i % 3],
            "ageBroad": "9--17",
            "citizenship": ["THA", "KHM", "MMR"][i % 3],
            "CountryOfExploitation": "THA",
            "isForcedLabour": "1",
        }
        for i in range(rows)
    ]
    for i in range(bad_years):
        records[i]["yearOfRegistration"] = "20x5"
    for i in range(bad_years, bad_years + bad_flags):
        records[i]["isSexualExploit"] = "yes"
    path = folder / f"ctdc_{rows}_{bad_years}_{bad_flags}.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(records)
    return path


def _cells(markdown: str) -> list[list[str]]:
    """The body rows of a Markdown table, cell by cell (emphasis and escapes dropped)."""
    rows = [line.strip().strip("|").split("|") for line in markdown.splitlines() if line.startswith("|")]
    return [[c.strip().replace("*", "").replace("\\", "") for c in row] for row in rows[2:]]


def _domain(cell: str, ceiling: int) -> range:
    """What a reader knows of a count from its cell: its value, 1-4 for <5, at least 5 for x."""
    if cell == "<5":
        return range(1, 5)
    if cell == "x":
        return range(5, ceiling + 1)
    return range(int(cell.replace(",", "")), int(cell.replace(",", "")) + 1)


def _reasons_a_reader_can_recompute(files_row: list[str], reasons: list[list[str]]) -> list[str]:
    """Every reason withheld as <5 that only one value fits, given the table of files (kept | rejected | read)
    and the table of rejected rows by reason (the reasons, then their total): a brute-force reader."""
    import itertools

    kept, rejected, read = files_row[-3:]
    ceiling = 200
    body, total = reasons[:-1], reasons[-1][1]
    fits: list[set[int]] = [set() for _ in body]
    for n_read in _domain(read, ceiling):
        for n_rejected in _domain(rejected, n_read):
            if n_read - n_rejected not in _domain(kept, ceiling) or n_rejected not in _domain(total, ceiling):
                continue
            for values in itertools.product(*(_domain(r[1], n_rejected) for r in body)):
                if sum(values) == n_rejected:
                    for i, v in enumerate(values):
                        fits[i].add(v)
    return [r[0] for r, f in zip(body, fits, strict=True) if r[1] == "<5" and len(f) < 2]


@pytest.mark.parametrize(("bad_years", "bad_flags"), [(5, 1), (6, 2), (9, 1), (5, 3), (3, 1)])
def test_the_rejected_rows_by_reason_are_protected_with_the_table_of_files(
    tmp_path, monkeypatch, bad_years, bad_flags
):
    """60 rows, 5 rejected for a year that is no number and 1 for a flag: the table of files published 6 rejected,
    and the table of reasons "x | <5 | total x", protected on its own: 6 - x (at least 5) left the flag's <5 one
    value, 1. The two tables are one system: no reason's <5 follows from both."""
    from evidence.notebooks import views
    from evidence.sources.registry import load

    loaded = load(_synthetic_rejects(tmp_path, 60, bad_years, bad_flags))
    assert loaded.rows_rejected == bad_years + bad_flags
    opened = _opened(loaded)
    texts = _shown(monkeypatch)
    views.show_sources(opened)
    views.show_reasons(opened)
    (files,) = _cells(texts[0])
    (reasons,) = [t for t in texts if "rejected rows by reason" in t]
    if "|" not in reasons:  # not shown at all: nothing to recompute
        return
    assert _reasons_a_reader_can_recompute(files, _cells(reasons)) == []


def _file_of(folder: Path, destinations: list[tuple[str, str]]) -> Path:
    """A Global Synthetic file: one record per (year, country of exploitation), citizens of Myanmar."""
    from evidence.sources.ctdc import SYNTHETIC_COLUMNS

    header = list(SYNTHETIC_COLUMNS)
    records = [
        dict.fromkeys(header, "")
        | {
            "yearOfRegistration": year,
            "gender": "Woman",
            "citizenship": "MMR",
            "CountryOfExploitation": where,
            "isForcedLabour": "1",
        }
        for year, where in destinations
    ]
    path = folder / "ctdc_selection.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(records)
    return path


@pytest.mark.parametrize(
    ("in_thailand", "undated", "elsewhere"), [(47, 0, 3), (47, 2, 1), (40, 7, 2), (40, 0, 12), (20, 3, 0)]
)
def test_the_table_of_files_does_not_give_back_the_records_outside_a_notebooks_selection(
    tmp_path, monkeypatch, in_thailand, undated, elsewhere
):
    """The routes notebook of Thailand as destination, from a file of 50 records, 3 of them exploited in Malaysia:
    its table of files published 50 rows kept, its selection 47 victims: 50 - 47 = 3 victims of the file exploited
    elsewhere, a count no table shows. The rows kept are protected with what the notebook publishes of the file:
    its selection, and its records without a year (said in a sentence)."""
    from evidence.analyses.selection import Selection
    from evidence.notebooks import views
    from evidence.notebooks.builders import source_line
    from evidence.sources.registry import load

    rows = [(str(2015 + i % 5), "THA") for i in range(in_thailand)]
    rows += [("", "THA")] * undated + [(str(2016 + i % 3), "MYS") for i in range(elsewhere)]
    loaded = load(_file_of(tmp_path, rows))
    selection = Selection(loaded, country="THA", role="destination", years=(2015, 2019))
    assert selection.records().height == in_thailand
    opened = views.Opened([loaded], RULE, source_line([loaded]), "Thailand", (2015, 2019), [selection])
    texts = _shown(monkeypatch)
    views.show_sources(opened)
    if "|" not in texts[0]:  # no table of files: nothing to subtract from
        return
    ((*_, kept, rejected, read),) = _cells(texts[0])
    # the undated: <5 in the notebook's sentence, or their number
    told = range(1, 5) if 0 < undated < 5 else range(undated, undated + 1)
    outside = {
        k - in_thailand - u
        for n in _domain(read, 500)
        for r in _domain(rejected, n)
        for k in _domain(kept, 500)
        if k + r == n
        for u in told
    }
    small = {v for v in outside if 0 < v < 5}
    assert len(outside) > 1 or not small, (kept, rejected, read, outside)


def test_tip_coverage_leaves_out_reports_that_rank_no_country_and_says_so(real_tables, monkeypatch):
    """Data-quality audit: the TIP coverage listed the rows of 1999 and 2000 (186 and 189 countries, none ranked,
    all "Not ranked (special cases)") under a source cited as "reports of 2001–2015": Kelley's file lists every
    country each year, and ranks none before the report of 2001. Such report years are said, not rows, and a
    country without a tier is not called a special case (most of 2001's 110 were not in the report)."""
    from evidence.notebooks import views

    tiers = real_tables[3]
    texts = _shown(monkeypatch)
    views.show_coverage(_opened(tiers))
    section = "\n".join(texts)
    assert "| 1999 |" not in section and "| 2000 |" not in section and "| 2001 |" in section
    assert "1999–2000" in section and "ranks none in a tier" in section
    assert "special cases)" not in section


def test_coverage_says_which_countries_of_a_breakdown_by_country_name_none(real_tables, monkeypatch):
    """polish30: UNODC's coverage counted 187 countries with a breakdown by country of repatriation, more than any
    other breakdown of detected victims (140 by citizenship) with nothing to say why: 45 of them published only
    rows naming no particular country ("Abroad", as every row of 2003 and 2008 does). The note under the table
    says so; counts of countries below 100 in words, never read as people."""
    from evidence.notebooks import views

    unodc = real_tables[1]
    texts = _shown(monkeypatch)
    views.show_coverage(_opened(unodc))
    section = " ".join(re.sub(r"</?span[^>]*>", "", "\n".join(texts)).split())
    assert "| Detected trafficking victims | by country of repatriation | 187 |" in section
    assert (
        "forty-five of the 187 with detected trafficking victims by country of repatriation (no row of 2003 and 2008 "
        "names one)" in section.replace("\\", "")  # Markdown escapes aside
    )
    assert "those whose rows name no particular country" in section
