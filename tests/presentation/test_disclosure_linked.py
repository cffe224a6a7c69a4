"""Counts of one population across tables (LinkedCounts): the audit finds what combining them gives back,
and the protection withholds the counterpart or a complement."""

from __future__ import annotations

import pytest

from evidence.core.errors import ParameterError
from evidence.presentation.disclosure import (
    ONE,
    DisclosureRule,
    LinkedCounts,
    linked_exposures,
    protect_linked,
)

RULE = DisclosureRule(5)


def _two_tables(shown_in_b: bool) -> LinkedCounts:
    """Table A: a (3, <5) + b (17, x) = total 20 (published); table B shows b (17) or withholds it."""
    system = LinkedCounts()
    system.publish("total", 20, None)
    system.publish("a", 3, "small")
    system.publish("b", 17, "complement")
    if shown_in_b:
        system.publish("b", 17, None)
    system.equalities.append({"a": 1.0, "b": 1.0, "total": -1.0})
    return system


def test_a_count_another_table_shows_gives_the_withheld_one_back():
    assert linked_exposures(_two_tables(shown_in_b=False), RULE) == []
    system = _two_tables(shown_in_b=True)
    assert linked_exposures(system, RULE) == ["a"]
    assert linked_exposures(system, RULE, complements=True) == ["b", "a"]  # b: withheld in A, shown in B
    added = protect_linked(system, RULE)
    assert added == {"b": "complement"}  # the counterpart: withheld wherever it is shown
    assert linked_exposures(system, RULE) == []


def test_a_small_difference_never_shown_is_protected():
    # a multi-valued item beside its margin: Recorded 11 (shown), the item 10 (shown): 1 victim without
    system = LinkedCounts()
    system.publish("recorded", 11, None)
    system.publish("item", 10, None)
    system.at_most.append({"item": 1.0, "recorded": -1.0})
    system.derived["without"] = {"recorded": 1.0, "item": -1.0}
    assert linked_exposures(system, RULE) == ["without"]
    assert protect_linked(system, RULE) == {"item": "complement"}  # the smaller of the two
    assert linked_exposures(system, RULE) == []
    # a reader who knows why the item is withheld (its complement is small) has it at least 1: still two values
    system.at_most.append({"recorded": -1.0, "item": 1.0, ONE: 1.0})
    system.publish(ONE, 1, None)
    assert linked_exposures(system, RULE) == []


def test_a_share_and_its_published_base_give_the_count():
    system = LinkedCounts()
    system.publish("base", 12, None)
    system.share("cell", 11, "base", round(11 / 12, 2), 0.005)
    system.derived["cell without"] = {"base": 1.0, "cell": -1.0}
    assert linked_exposures(system, RULE) == ["cell without"]
    protect_linked(system, RULE)
    assert system.status["cell"] == "complement" or system.status["base"] == "complement"
    assert linked_exposures(system, RULE) == []


def test_a_zero_is_no_disclosure_and_a_quantity_has_one_value():
    system = LinkedCounts()
    system.publish("total", 0, None)
    system.publish("cell", 0, "complement")
    system.equalities.append({"cell": 1.0, "total": -1.0})
    assert linked_exposures(system, RULE, complements=True) == []
    assert linked_exposures(system, DisclosureRule(5, zero_is_safe=False), complements=True) == ["cell"]
    with pytest.raises(ParameterError):
        system.quantity("cell", 1)
