"""The text helpers every layer shares."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence.core.text import column_title


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("prevalence_per_1000", "Prevalence per 1000"),
        ("_share", "Share"),
        ("count_low", "Count low"),
        ("Tier", "Tier"),
        ("ISO3_code", "Iso3 code"),
        ("", ""),
    ],
)
def test_a_column_name_reads_as_a_title(name: str, title: str) -> None:
    assert column_title(name) == title


@given(st.text(alphabet="abcXYZ_019 ", max_size=20))
def test_a_title_has_no_underscore_and_at_most_its_first_letter_capital(name: str) -> None:
    title = column_title(name)
    assert "_" not in title and title[1:] == title[1:].lower()
    assert title.lower() == name.lstrip("_").replace("_", " ").lower()
