from __future__ import annotations

import polars as pl

from evidence.notebooks.quality import completeness_by, field_completeness
from evidence.sources.case_schema import conform


def _cases() -> pl.DataFrame:
    return conform(
        pl.DataFrame(
            {
                "year": [2020, 2020, 2021, None],
                "gender": ["Female", None, "Male", None],
                "origin_iso3": ["MMR", "KHM", None, "LAO"],
                "exploitation_forced_labour": [True, None, None, False],
                "exploitation_sexual": [None, None, None, True],
            }
        )
    )


def test_field_completeness_uses_the_denominator_rule_and_tells_absent_fields():
    table = field_completeness(_cases())
    rows = {r["field"]: r for r in table.iter_rows(named=True)}
    assert rows["gender"]["known"] == 2 and rows["gender"]["share_known"] == 0.5
    assert rows["origin_iso3"]["known"] == 3
    # a flag group is known when at least one of its flags is true: records 1 and 4
    assert rows["exploitation"]["known"] == 2 and rows["exploitation"]["collected"]
    assert not rows["trafficking_duration"]["collected"] and not rows["means_of_control"]["collected"]
    assert set(table["records"]) == {4}


def test_completeness_by_year_keeps_unknown_years():
    by_year = completeness_by(_cases(), "year")
    assert by_year["year"].to_list() == [2020, 2021, None]
    assert by_year["records"].to_list() == [2, 1, 1]
    assert by_year["known_gender"].to_list() == [0.5, 1.0, 0.0]
    assert by_year["known_exploitation"].to_list() == [0.5, 0.0, 1.0]
