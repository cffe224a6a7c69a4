"""A profile of overlapping categories (flags: forms of exploitation) of records protected by cell key, and the
table of victims per year by form beside it.

Each count is perturbed by the sum of its records' keys, so two cells of the same records show the same number.
Where every victim with a form recorded is in forced labour and the other forms are 0, forced labour is
"Recorded (at least one)", and a reader knows it: published, it gave the withheld "Recorded" back (the same
number), and with it the ``<5`` not recorded (all victims less it). Secondary suppression protects a perturbed
table's lines by their true counts (read as exact, a line is right whenever its perturbations are 0); the
profile's flags and the years by form are protected so too, as exact counts are.
"""

from __future__ import annotations

from _hand_made import hand_made_table

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import profile_view, yearly_numbers
from evidence.presentation.disclosure import DisclosureRule

RULE = DisclosureRule(5)


def _forms(
    *, sexual: int, recorded: int = 60, not_recorded: int = 3, keyed: bool = True, both: int | None = None
) -> Selection:
    """Victims exploited in Thailand in 2020: ``recorded`` with a form recorded, all in forced labour and
    ``sexual`` of them also sexually exploited (or, given ``both``, the first ``recorded - sexual + both`` in
    forced labour and the last ``sexual`` sexually exploited: ``both`` of them in the two), beside
    ``not_recorded`` with no form recorded."""
    labour = recorded if both is None else recorded - sexual + both
    rows = [
        {
            "year": 2020,
            "origin_iso3": "MMR",
            "destination_iso3": "THA",
            "exploitation_forced_labour": i < labour,
            "exploitation_sexual": i < sexual if both is None else i >= recorded - sexual,
        }
        for i in range(recorded)
    ] + [{"year": 2020, "origin_iso3": "MMR", "destination_iso3": "THA"}] * not_recorded
    table = hand_made_table(rows, keyed=keyed)
    return Selection(table, country="THA", role="destination", years=(2020, 2020))


def _shown(selection: Selection) -> dict[str, str]:
    view = profile_view(selection, "form", RULE)
    assert view is not None
    return dict(zip(view["Category"].to_list(), view["Victims"].to_list(), strict=True))


def test_attack_few_victims_in_both_forms_follow_from_the_published_flags() -> None:
    """Forced labour 41, sexual exploitation 36, 74 with a form: 3 in both (41 + 36 - 74), read as exact; the
    profile withholds one of the three, perturbed or not."""
    for keyed in (False, True):
        shown = _shown(_forms(sexual=36, recorded=74, not_recorded=10, both=3, keyed=keyed))
        three = [shown[k] for k in ("Forced labour", "Sexual exploitation", "Recorded (at least one)")]
        assert any(v in ("x", RULE.label) for v in three), (keyed, shown)


def test_forced_labour_stays_published_where_it_need_not_be_every_recorded_victims_form() -> None:
    """Ten victims also sexually exploited: the victims with a form are 60 to 70 to a reader, forced labour is
    no longer known to be them, and is published (perturbed or exact alike)."""
    for keyed in (False, True):
        shown = _shown(_forms(sexual=10, keyed=keyed))
        assert shown["Recorded (at least one)"] == "x", shown
        assert shown["Forced labour"] not in ("x", RULE.label), (keyed, shown)


def test_attack_one_years_forced_labour_by_form_gives_the_profiles_withheld_one_back() -> None:
    """One year: its forced labour in the table of victims per year by form is the profile's forced labour, the
    same records (58 beside the profile's ``x``), and the year's victims less it the ``<5`` not recorded."""
    selection = _forms(sexual=0)
    assert _shown(selection)["Forced labour"] == "x"
    numbers = yearly_numbers(selection, RULE, by="form")
    assert numbers.by_category is not None
    by_form = numbers.by_category.low.display()
    cells = dict(zip(by_form.columns, by_form.row(0), strict=True))
    assert cells["Not recorded"] == RULE.label
    assert cells["Forced labour"] in ("x", RULE.label), cells
