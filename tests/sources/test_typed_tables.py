"""What a pasted or typed table carries that is no data: repeated headers (and their parts' titles) and footnote
marks on country names."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from evidence.sources.typed_tables import COUNTRY_FOOTNOTE, TITLE_LINES, repeated_headers

HEADER = ["Country", "Year", "Tier"]


def _frame(rows: dict[int, list[str | None]]) -> pl.DataFrame:
    """Records by their line: each a row of the header's three cells."""
    return pl.DataFrame(
        {"source_row": list(rows), **{c: [r[i] for r in rows.values()] for i, c in enumerate(HEADER)}},
        schema={"source_row": pl.Int64, **dict.fromkeys(HEADER, pl.String)},
    )


def test_a_header_repeated_in_other_case_and_spacing_is_one_and_its_titles_after_a_gap_go_with_it() -> None:
    frame = _frame(
        {
            2: ["Chad", "2012", "Tier 2"],
            4: ["Africa", None, None],  # line 3 blank: a gap
            5: ["Table 2 (continued)", "", ""],
            6: ["  country ", "YEAR", "tier"],
            7: ["Cuba", "2012", "Tier 3"],
            8: ["Country", "Year", "Tiers"],  # resembles the header: a record as any other
        }
    )
    repeated, titles, notes = repeated_headers(frame, HEADER)
    assert frame.filter(pl.Series(repeated))["source_row"].to_list() == [6]
    assert frame.filter(pl.Series(titles))["source_row"].to_list() == [4, 5]
    assert notes == [
        "1 header row(s) repeated within the table left out: line 6",
        "2 title line(s) above a repeated header left out, not records: line 4, 5 ('Africa'; 'Table 2 (continued)')",
    ]


def test_a_text_row_right_below_a_record_or_beyond_the_title_limit_is_no_title() -> None:
    rows: dict[int, list[str | None]] = {2: ["Chad", "2012", "Tier 2"], 3: ["Africa", None, None]}
    rows[4] = HEADER
    repeated, titles, _ = repeated_headers(_frame(rows), HEADER)
    assert repeated.tolist() == [False, False, True] and not titles.any()
    many = {
        2: ["Chad", "2012", "Tier 2"],
        **{4 + i: [f"title {i}", None, None] for i in range(TITLE_LINES + 1)},
    }
    many[5 + TITLE_LINES] = HEADER
    _, titles, _ = repeated_headers(_frame(many), HEADER)
    assert not titles.any()  # the run reaches no gap within TITLE_LINES lines: its lines stay records


def test_no_repeat_no_notes_and_a_frame_of_other_width_is_left_as_it_is() -> None:
    frame = _frame({2: ["Chad", "2012", "Tier 2"]})
    assert repeated_headers(frame, HEADER)[2] == []
    assert repeated_headers(_frame({2: HEADER}), [*HEADER, "ISO3"])[2] == []


@pytest.mark.parametrize(
    ("name", "marked"),
    [
        ("Burma*", True),
        ("Cuba\u00b9", True),
        ("Thailand (a)", True),
        ("Chad [2]", True),
        ("Cuba (1)", True),
        ("Congo (DRC)", False),
        ("Korea (Republic of)", False),
        ("Bolivia (Plurinational State of)", False),
        ("Timor-Leste", False),
    ],
)
def test_a_country_names_footnote_mark_is_told_from_its_own_words(name: str, marked: bool) -> None:
    assert bool(re.search(COUNTRY_FOOTNOTE, name)) is marked


def test_a_ctdc_file_pasted_in_parts_loads_as_the_whole(shared_data: Path, tmp_path: Path) -> None:
    """CTDC's k-anonymised excerpt pasted in parts, its header (the terms-of-use cell first) again above each, once
    after a blank line and a title, once in capitals: its victims, those lines left out and named (every cell of
    theirs was rejected: 102 rejects)."""
    from evidence.sources import registry

    real = shared_data / "ctdc/k_anon_excerpt.csv"
    header, *records = real.read_text(encoding="utf-8").splitlines()
    parts = [
        header,
        *records[:20],
        "",
        "Table 2 (continued)",
        header,
        *records[20:30],
        header.upper(),
        *records[30:],
    ]
    pasted = tmp_path / "pasted.csv"
    pasted.write_text("\n".join(parts) + "\n", encoding="utf-8")
    expected, loaded = registry.load(real), registry.load(pasted)
    assert loaded.data.drop("source_row").equals(expected.data.drop("source_row"))
    assert loaded.rejects.is_empty() and loaded.rows_in == expected.rows_in == 38
    assert loaded.rows_left_out == 4  # the blank line, the title, two headers
    assert "2 header row(s) repeated within the table left out: line 24, 35" in loaded.provenance.notes


def test_a_glotip_csv_pasted_in_parts_loads_as_the_whole(shared_data: Path, tmp_path: Path) -> None:
    """GLOTIP's first 300 rows saved as CSV and pasted in parts, the header again above each (once after a blank
    line and a title, once in capitals): the same rows, those lines left out and named (they were rejected)."""
    from _xlsx import sheet_as_csv

    from evidence.sources import registry

    lines = sheet_as_csv(
        shared_data / "unodc/data_glotip_2023-05-30.xlsx", tmp_path / "g.csv", "data_glotip_1"
    )
    lines = lines.read_text(encoding="utf-8").rstrip("\n").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("Iso3_code,"))
    header, body = lines[at], lines[at + 1 : at + 301]
    whole, pasted = tmp_path / "whole.csv", tmp_path / "pasted.csv"
    whole.write_text("\n".join([*lines[: at + 1], *body]) + "\n", encoding="utf-8")
    parts = [*lines[: at + 1], *body[:100], "", "Table 2 (continued)", header, *body[100:200], header.upper()]
    pasted.write_text("\n".join([*parts, *body[200:]]) + "\n", encoding="utf-8")
    expected, loaded = registry.load(whole), registry.load(pasted)
    assert loaded.data.drop("source_row").equals(expected.data.drop("source_row"))
    assert loaded.rejects.is_empty() and loaded.rows_in == expected.rows_in == 300
    assert loaded.rows_left_out == expected.rows_left_out + 4  # the blank line, the title, two headers
    first = at + 104  # 1-based: the header's line is at + 1, then 100 rows, the blank line and the title
    assert (
        f"2 header row(s) repeated within the table left out: line {first}, {first + 101}"
        in loaded.provenance.notes
    )
