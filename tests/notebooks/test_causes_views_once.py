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
