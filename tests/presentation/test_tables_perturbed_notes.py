"""The notes under a table of already disclosed text shown as perturbed say what a ``<10`` of a perturbed
table means, in the words a protected table's notes use (:func:`table_notes`): small before or after
perturbation (Thailand's "Means of control by sex" at threshold 10, cell key method)."""

from __future__ import annotations

import polars as pl

from evidence.presentation.disclosure import DisclosureRule, suppress_counts
from evidence.presentation.tables import table_data, table_notes, withheld_notes

SHOWN = pl.DataFrame({"means": ["Threats", "Debt"], "Female": ["<10", "25"], "Male": ["x", "12"]})


def test_a_perturbed_text_table_says_small_before_or_after_perturbation():
    notes = table_data(SHOWN, source="CTDC", perturbed=True).notes
    assert "<10: fewer than 10 before or after perturbation, not shown to protect individuals." in notes
    # the same words as a protected perturbed table's
    keys = pl.DataFrame({"n": [3, 7]})
    protected = suppress_counts(
        pl.DataFrame({"k": ["a", "b"], "n": [4, 30]}), ["n"], DisclosureRule(10), cell_keys=keys
    )
    assert protected.perturbed
    small = next(n for n in table_notes(protected, "CTDC") if n.startswith("<10"))
    assert small in notes


def test_an_unperturbed_text_table_keeps_the_plain_words():
    notes = table_data(SHOWN, source="UNODC").notes
    assert "<10: fewer than 10, not shown to protect individuals." in notes
    assert withheld_notes(SHOWN) == withheld_notes(SHOWN, perturbed=False)
    assert not any("perturbation" in n for n in withheld_notes(SHOWN))
