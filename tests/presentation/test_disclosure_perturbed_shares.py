"""A share published of perturbed counts (cell key) does not blind the linked audit: read against the true
counts it can break (102 of 122 is 0.836, published 0.83 from the perturbed 101), and a programme the truth does
not fit had no solution, so the audit found nothing exposed anywhere in it (the person section of keyed records,
whose heat table's shares are of perturbed counts)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from evidence.presentation.disclosure import DisclosureRule, LinkedCounts, linked_exposures

RULE = DisclosureRule(5)


def _system(share: float) -> LinkedCounts:
    """A group of 102 shown, one part of it shown (101), the other withheld (1): pinned; beside, a count of
    the group published only as a share of another."""
    system = LinkedCounts()
    system.quantity(("group",), 102, None)
    system.quantity(("big",), 101, None)
    system.quantity(("small",), 1, "small")
    system.equalities.append({("big",): 1.0, ("small",): 1.0, ("group",): -1.0})
    system.quantity(("base",), 122, None)
    system.share(("heat",), 102, ("base",), share, 0.005)
    system.at_most.append({("heat",): 1.0, ("group",): -1.0})  # tied to the group: one programme
    return system


def test_a_share_of_perturbed_counts_left_a_pinned_count_unfound():
    assert linked_exposures(_system(0.84), RULE) == [("small",)]  # the share the true counts give
    assert linked_exposures(_system(0.83), RULE) == [("small",)]  # the share of the perturbed 101


@given(share=st.floats(0, 1))
def test_whatever_the_share_says_the_pinned_count_is_found(share):
    assert linked_exposures(_system(round(share, 2)), RULE) == [("small",)]


def test_a_system_its_true_counts_do_not_fit_exposes_every_target():
    """A programme with no solution proves nothing free: read as "nothing exposed", the audit failed open (the
    true counts broke a share's rows, and every withheld count of the system went unaudited)."""
    system = LinkedCounts()
    system.quantity(("group",), 102, None)
    system.quantity(("big",), 90, None)
    system.quantity(("small",), 3, "small")
    system.equalities.append({("big",): 1.0, ("small",): 1.0, ("group",): -1.0})  # 93, not 102: broken
    assert linked_exposures(system, RULE) == [("small",)]
