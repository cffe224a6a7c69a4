"""What the case files record, of any victim, is read once per table (every brief of a warm kernel's batch asks
of the same files): the same topics as read anew."""

from __future__ import annotations

import dataclasses

import pytest

from evidence.analyses import causes
from evidence.notebooks import causes_views as views
from evidence.sources.cache import load_cached


@pytest.fixture
def reads(monkeypatch) -> list[int]:
    calls: list[int] = []
    read = causes.recorded_topics

    def counted(cases):
        calls.append(1)
        return read(cases)

    monkeypatch.setattr(causes, "recorded_topics", counted)
    return calls


def test_the_topics_a_table_records_are_read_once(shared_data, reads):
    sample = load_cached(shared_data / "ctdc" / "k_anon_sample.csv")
    # a table of its own (its frame a copy): nothing read of it before this test
    table = dataclasses.replace(sample, data=sample.data.clone())
    first = views.recorded_in_tables([table])
    assert reads == [1]
    # a brief's copy of the loaded table (runtime.load_data): the same frame, read already
    assert views.recorded_in_tables([dataclasses.replace(table)]) == first
    assert reads == [1]
    expected = [t for t in causes.TOPICS if t in set(causes.recorded_topics(table))]
    assert [t for t in first if t in causes.TOPICS] == expected
    assert [c for c in first if c not in causes.TOPICS] == [
        c for c in views.PERSON_CHARACTERISTICS if c in causes.recorded_characteristics(table)
    ]


def test_the_groups_of_a_fields_categories_are_read_once_per_case_table(monkeypatch):
    """The person section's system is drawn up again at each round of its protection and for each model (a
    dozen times a brief), and each time read, by a query of the records, which age group each age band of the
    tables beside it falls in, and which sex each sex (two fifths of drawing the system up): read once a case
    table, the same groups."""
    from pathlib import Path

    import polars as pl

    from evidence.analyses.selection import Selection
    from evidence.sources import registry

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "ctdc" / "k_anon_small.csv"
    profiled = causes.CaseProfiles(Selection(registry.load(fixture), country="THA", role="both").records())
    queries: list[int] = []
    select = pl.DataFrame.select
    monkeypatch.setattr(
        pl.DataFrame, "select", lambda frame, *a, **k: queries.append(1) or select(frame, *a, **k)
    )
    groups = views._groups_of_categories(profiled, "age_band", "age_group")
    assert queries == [1]
    assert views._groups_of_categories(profiled, "age_band", "age_group") is groups
    assert queries == [1]
    bands = profiled.cases.get_column("age_band").cast(pl.String).fill_null(views.UNKNOWN).to_list()
    assert set(groups) == set(bands) and all(
        groups[b] == causes.AGE_GROUPS.get(b, views.UNKNOWN) for b in bands
    )
    # a category whose victims fall in two groups has no group: no sum to state
    sexes = profiled.cases.select(pl.col("age_band"), pl.col("gender")).unique()
    split = sexes.group_by("age_band").len().filter(pl.col("len") > 1).height > 0
    assert (views._groups_of_categories(profiled, "age_band", "sex") is None) is split
