"""The order of a profile's rows says nothing of the counts it withholds.

Categories without an order of their own (forms of exploitation, one victim several) are listed largest first;
a withheld one listed by its count among the others told how it compares with them. Six victims with a form
recorded, forms ``<5`` and ``<5`` listed sexual exploitation first: two forms of at most 4 covering 6 victims,
the first larger, leave sexual exploitation 4 (and 2 victims with another form only). Withheld categories are
listed after the published ones, by name, as the route table lists a withheld corridor.
"""

from __future__ import annotations

from _hand_made import hand_made_table

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import profile_view
from evidence.presentation.disclosure import DisclosureRule

RULE = DisclosureRule(5)


def _forms(flags: list[dict[str, bool]]) -> Selection:
    """Victims exploited in Thailand in 2020 with these forms recorded (unlisted forms: not held), exact counts."""
    rows = [
        {
            "year": 2020,
            "origin_iso3": "MMR",
            "destination_iso3": "THA",
            "exploitation_forced_labour": form.get("forced_labour", False),
            "exploitation_sexual": form.get("sexual", False),
            "exploitation_other": form.get("other", False),
        }
        for form in flags
    ]
    table = hand_made_table(rows)
    return Selection(table, country="THA", role="destination", years=(2020, 2020))


def _victims(sexual: int, other: int) -> list[dict[str, bool]]:
    """Six victims: the first ``sexual`` sexually exploited, the last ``other`` in other forms."""
    return [{"sexual": i < sexual, "other": i >= 6 - other} for i in range(6)]


def test_attack_the_order_of_withheld_forms_gives_their_counts_back() -> None:
    """Sexual exploitation 4 and other forms 3, or 3 and 4: the same published table, row for row."""
    first, second = (profile_view(_forms(_victims(s, o)), "form", RULE) for s, o in ((4, 3), (3, 4)))
    assert first is not None and second is not None
    assert first["Victims"].to_list().count(RULE.label) == 2
    assert first.equals(second), (first, second)


def test_published_categories_stay_largest_first() -> None:
    victims = [{"forced_labour": True}] * 8 + [{"sexual": True}] * 40 + [{"other": True}] * 12
    view = profile_view(_forms(victims), "form", RULE)
    assert view is not None
    assert view["Category"].to_list()[:3] == [
        "Sexual exploitation",
        "Other forms of exploitation",
        "Forced labour",
    ]
    assert view["Victims"].to_list()[:3] == ["40", "12", "8"]
