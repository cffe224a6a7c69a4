"""A profile of overlapping categories (flags: forms of exploitation) of records protected by cell key.

Each count is perturbed by the sum of its records' keys, so two cells of the same records show the same number.
A flag that every victim with a flag recorded holds (forced labour, beside a few also sexually exploited) is
such a cell of "Recorded (at least one)": where the split withholds that one (``x``, the complement of a ``<5``
not recorded), the flag published gave it back, and with it the ``<5`` (all victims less it).
"""

from __future__ import annotations

import polars as pl

from evidence.analyses.selection import Selection
from evidence.notebooks.builders import profile_view
from evidence.presentation.disclosure import DisclosureRule
from evidence.sources.case_schema import conform
from evidence.sources.loaded import LoadedTable
from evidence.sources.provenance import Provenance

RULE = DisclosureRule(5)


def _forms(*, sexual: int, recorded: int = 60, not_recorded: int = 3) -> Selection:
    """Victims exploited in Thailand in 2020, all recorded ones in forced labour and ``sexual`` of them also
    sexually exploited, beside ``not_recorded`` with no form recorded; keyed (cell key)."""
    rows = [
        {
            "year": 2020,
            "origin_iso3": "MMR",
            "destination_iso3": "THA",
            "exploitation_forced_labour": True,
            "exploitation_sexual": i < sexual,
        }
        for i in range(recorded)
    ] + [{"year": 2020, "origin_iso3": "MMR", "destination_iso3": "THA"}] * not_recorded
    provenance = Provenance(
        source="test", layout="hand-made", release="1", path="x.csv", sha256="ab" * 32, url="", licence="",
        citation="", synthetic=False, protection="cell_key",
    )  # fmt: skip
    table = LoadedTable(conform(pl.DataFrame(rows)), provenance, rows_in=len(rows))
    return Selection(table, country="THA", role="destination", years=(2020, 2020))


def _shown(selection: Selection) -> dict[str, str]:
    view = profile_view(selection, "form", RULE)
    assert view is not None
    return dict(zip(view["Category"].to_list(), view["Victims"].to_list(), strict=True))


def test_attack_a_flag_of_the_same_records_as_a_withheld_recorded_gives_it_back() -> None:
    shown = _shown(_forms(sexual=10))
    assert shown["Recorded (at least one)"] == "x" and shown["Not recorded"] == RULE.label, shown
    assert shown["Forced labour"] == "x", shown  # its number would be Recorded's, perturbed alike
    assert shown["Sexual exploitation"] not in ("x", RULE.label), shown  # other records: still published


def test_a_flag_of_other_records_than_the_withheld_recorded_stays_published() -> None:
    """Two victims with sexual exploitation only: forced labour is not every recorded victim's form."""
    selection = _forms(sexual=10)
    records = selection.table.data.with_columns(
        exploitation_forced_labour=pl.when(pl.int_range(pl.len()) < 2)
        .then(False)
        .otherwise(pl.col("exploitation_forced_labour"))
    )
    table = LoadedTable(records, selection.table.provenance, rows_in=records.height)
    shown = _shown(Selection(table, country="THA", role="destination", years=(2020, 2020)))
    assert shown["Recorded (at least one)"] == "x", shown
    assert shown["Forced labour"] not in ("x", RULE.label), shown
