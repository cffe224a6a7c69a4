"""The country brief's "Who is identified" (:func:`views.show_profiles`): a table too small to protect is said
under its title, as a group not recorded is (a bare "Too few victims to show this table" names no table)."""

from __future__ import annotations

from pathlib import Path

from evidence.analyses.selection import Selection
from evidence.notebooks import views
from evidence.notebooks.builders import TOO_FEW
from evidence.presentation.disclosure import DisclosureRule
from evidence.sources import registry


def test_a_profile_too_small_to_protect_is_named(monkeypatch) -> None:
    """The k-anonymised fixture's Thailand (six victims: five women of 9-17, a man of 30-38): its tables by sex
    and age cannot be shown beside the headline's six victims (test_builders_headline_total), and the brief says
    which are not shown; the table by form is shown."""
    import IPython.display

    texts: list[str] = []
    monkeypatch.setattr(
        IPython.display, "display", lambda *objs, **_: texts.extend(str(getattr(o, "data", o)) for o in objs)
    )
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "ctdc" / "k_anon_small.csv"
    selection = Selection(registry.load(fixture), country="THA", role="both")
    views.show_profiles(selection, DisclosureRule(5))
    said = f": {TOO_FEW[0].lower()}{TOO_FEW[1:]}"
    assert f"**Sex**{said}" in texts and f"**Age**{said}" in texts  # named as its caption
    assert TOO_FEW not in texts
    assert sum("Form of exploitation" in t for t in texts) == 1  # the table by form, shown
