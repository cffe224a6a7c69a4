"""Why :func:`protect_linked` refuses: the labels pin a count however much is withheld
(:class:`PinnedByLabels`), or its search stopped before it found a protection or proved there is none
(:class:`ProtectionSearchGaveUp`). Both said "even with every count withheld, the labels determine a count",
which misled whoever read the error, and the fallbacks that catch it, where more patience protects the counts.
Both are :class:`DisclosureError`, so every fallback that catches one keeps working."""

from __future__ import annotations

import pytest
from test_disclosure_whole_numbers import _pairwise_system

from evidence.presentation.disclosure import (
    DisclosureError,
    DisclosureRule,
    LinkedCounts,
    PinnedByLabels,
    ProtectionSearchGaveUp,
    protect_linked,
)

RULE = DisclosureRule(5)


def _four_small_under_a_small_total() -> LinkedCounts:
    """Four counts of 1, each ``<5``, under a total of 4, ``<5``: four counts of at least 1 adding up to at most
    4 are 1 each, and nothing is published to withhold."""
    system = LinkedCounts()
    system.publish("total", 4, "small")
    for name in "abcd":
        system.publish(name, 1, "small")
    system.equalities.append({**dict.fromkeys("abcd", 1.0), "total": -1.0})
    return system


def _small_in_two_published_sums() -> LinkedCounts:
    """a (3, ``<5``) in two published sums, a + b = 20 and a + c = 33: withholding b leaves a = 33 - c, so a is
    freed only by two counts withheld, in two rounds of the search."""
    system = LinkedCounts()
    system.publish("a", 3, "small")
    system.publish("b", 17, None)
    system.publish("c", 30, None)
    system.publish("ab", 20, None)
    system.publish("ac", 33, None)
    system.equalities.append({"a": 1.0, "b": 1.0, "ab": -1.0})
    system.equalities.append({"a": 1.0, "c": 1.0, "ac": -1.0})
    return system


def test_labels_that_pin_a_count_with_everything_withheld_are_told_as_such() -> None:
    with pytest.raises(PinnedByLabels, match="labels determine a count below 5"):
        protect_linked(_four_small_under_a_small_total(), RULE)


def test_a_search_out_of_patience_is_no_proof_that_the_labels_pin_a_count() -> None:
    """With the patience of one round, a stays exposed after b (or c) is withheld and the search stops; with
    more it withholds both and a may be 1 to 4: the labels never pinned it."""
    with pytest.raises(ProtectionSearchGaveUp, match=r"after 1 rounds .*\(patience\)") as stopped:
        protect_linked(_small_in_two_published_sums(), RULE, patience=1)
    assert not isinstance(stopped.value, PinnedByLabels)
    assert "labels determine" not in str(stopped.value)
    system = _small_in_two_published_sums()
    withheld = protect_linked(system, RULE, patience=2)
    assert len(withheld) == 2 and system.status["a"] == "small"


def test_a_search_that_tries_no_count_for_a_whole_number_pin_gave_up() -> None:
    """``max_candidates=0``: d, pinned only in whole numbers, gets no complement tried and the search gave up;
    by default it withholds one (e: d may then be 2 to 4). With nothing that may be withheld (``among``
    empty), the labels pin it."""
    with pytest.raises(ProtectionSearchGaveUp, match="pinned in whole numbers"):
        protect_linked(_pairwise_system(), RULE, max_candidates=0)
    assert protect_linked(_pairwise_system(), RULE)
    with pytest.raises(PinnedByLabels):
        protect_linked(_pairwise_system(), RULE, among=set())


def test_the_fallbacks_that_catch_a_disclosure_error_catch_both() -> None:
    assert issubclass(PinnedByLabels, DisclosureError)
    assert issubclass(ProtectionSearchGaveUp, DisclosureError)
    assert not issubclass(ProtectionSearchGaveUp, PinnedByLabels)
