from __future__ import annotations

import math
import re

import polars as pl
import pytest
from _hand_made import hand_made_table
from hypothesis import assume, example, given
from hypothesis import strategies as st

from evidence.analyses import routes
from evidence.analyses.selection import Selection
from evidence.core.errors import ParameterError
from evidence.notebooks.builders import (
    NO_RECORDS,
    CensoredLow,
    interval_display,
    interval_kinds,
    protected_table,
    region_table,
    route_view,
    shares_view,
    sources_kinds,
    sources_view,
    yearly_numbers,
)
from evidence.presentation.disclosure import DisclosureRule, suppress_table
from evidence.sources.case_schema import conform
from evidence.sources.loaded import LoadedTable

RULE = DisclosureRule(5)


def _shares(counts: dict[str, int], n_unknown: int) -> pl.DataFrame:
    n_known = sum(counts.values())
    return pl.DataFrame(
        {
            "category": list(counts),
            "count": list(counts.values()),
            "n_known": [n_known] * len(counts),
            "n_unknown": [n_unknown] * len(counts),
            "share": [c / n_known if n_known else None for c in counts.values()],
            "ci_low": [0.1] * len(counts),
            "ci_high": [0.2] * len(counts),
        },
        schema={
            "category": pl.String,
            "count": pl.Int64,
            "n_known": pl.Int64,
            "n_unknown": pl.Int64,
            "share": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
        },
    )


def test_shares_view_protects_categories_with_the_total_it_publishes():
    view = shares_view(_shares({"Female": 120, "Male": 3, "Trans": 0}, n_unknown=40), RULE, label="Sex")
    victims = dict(zip(view["Sex"], view["Victims"], strict=True))
    assert victims["Male"] == "<5" and victims["All victims"] == "163"
    # total − Female − Not recorded would give Male back: one of them is withheld too
    assert "x" in (victims["Female"], victims["Not recorded"])
    shares = dict(zip(view["Sex"], view["Share of those recorded"], strict=True))
    assert shares["Male"] == "" and view["95% interval"][1] == ""


def _flags(counts: dict[str, int], n_known: int, n_unknown: int) -> pl.DataFrame:
    """A flag group's shares: ``counts`` overlap, ``n_known`` victims hold at least one."""
    return _shares(counts, n_unknown).with_columns(n_known=pl.lit(n_known))


def _label_range(text: str, threshold: int, most: int) -> tuple[int, int]:
    """What a reader knows of one published count of a flag group's view: its value, or its label's range
    (``<t``: 1 to t - 1; ``x``: at least t, and no more than ``most``)."""
    if text.isdigit():
        return int(text), int(text)
    return (threshold, most) if text == "x" else (1, threshold - 1)


def _excess_range(view: pl.DataFrame, threshold: int) -> tuple[int, int] | None:
    """What a reader of a flag group's view knows of the flags victims hold beyond their first (the sum of the
    categories less the victims with at least one): its range, or None when the latter is withheld."""
    victims = dict(zip(view["Form"], view["Victims"], strict=True))
    if "Recorded (at least one)" not in victims:  # the categories partition the victims: no overlap
        return 0, 0
    known_text = victims.pop("Recorded (at least one)")
    victims.pop("Not recorded"), victims.pop("All victims")
    if not known_text.isdigit():
        return None
    known = int(known_text)
    low = high = -known
    for text in victims.values():
        lo, hi = _label_range(text, threshold, known)
        low, high = low + lo, high + hi
    return low, high


def _split_ranges(view: pl.DataFrame, threshold: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """What a reader of a flag group's view knows of the victims with at least one flag and of those with none:
    each is read off its label, and the two add up to the published total; every flag is at most the victims
    with at least one, and together the flags are at least them. None where the categories partition the
    victims (no split) or the total is withheld."""
    victims = dict(zip(view["Form"], view["Victims"], strict=True))
    if "Recorded (at least one)" not in victims or not victims["All victims"].isdigit():
        return None
    total = int(victims.pop("All victims"))
    recorded = _label_range(victims.pop("Recorded (at least one)"), threshold, total)
    unknown = _label_range(victims.pop("Not recorded"), threshold, total)
    flags = [_label_range(text, threshold, total) for text in victims.values()]
    low = max(recorded[0], total - unknown[1], *(lo for lo, _ in flags))
    high = min(recorded[1], total - unknown[0], sum(hi for _, hi in flags))
    return (low, high), (total - high, total - low)


@given(
    # mostly victims with one flag, a few with several (the overlaps a reader could pin), some with none
    single=st.lists(st.sampled_from("ABCD").map(lambda flag: {flag}), max_size=120),
    several=st.lists(st.sets(st.sampled_from("ABCD"), min_size=2), max_size=6),
    none=st.integers(0, 30),
    threshold=st.integers(2, 11),
)
@example(single=[{"A"}] * 10 + [{"B"}] * 10, several=[{"A", "B"}], none=10, threshold=5)
@example(single=[{"A"}] * 6, several=[{"A", "B"}], none=1, threshold=5)  # 7 of 8 with A: 1 with none
@example(single=[{"A"}] * 10 + [{"B"}] * 3, several=[{"A", "B"}], none=0, threshold=5)  # 11 of 14 with A
def test_shares_view_never_pins_a_small_number_of_victims_with_several_flags(
    single, several, none, threshold
):
    victims = [*single, *several, *[set()] * none]
    counts = {flag: sum(flag in v for v in victims) for flag in "ABCD"}
    known = sum(1 for v in victims if v)
    assume(known > 0)
    excess = sum(counts.values()) - known
    rule = DisclosureRule(threshold)
    view = shares_view(_flags(counts, known, sum(1 for v in victims if not v)), rule, label="Form")
    if view is None:
        return
    published = _excess_range(view, threshold)
    if published is not None:
        low, high = published
        assert low <= excess <= high  # the reader's range holds the truth...
        # ...and never pins a small one (one of 1 to t - 1 within it says no more than a "<t" would)
        assert not (low == high and rule.is_small(low)), (low, high)
    texts = dict(zip(view["Form"], view["Victims"], strict=True))
    if texts.get("Recorded (at least one)", "").isdigit():  # nor the victims with a flag but not this one
        recorded = int(texts["Recorded (at least one)"])
        assert not any(rule.is_small(recorded - int(texts[f])) for f in counts if texts[f].isdigit())
    split = _split_ranges(view, threshold)
    if split is not None:  # nor does a flag beside the total pin the victims with one or with none
        texts = dict(zip(view["Form"], view["Victims"], strict=True))
        for (low, high), truth, row in zip(
            split, (known, len(victims) - known), ("Recorded (at least one)", "Not recorded"), strict=True
        ):
            assert low <= truth <= high
            if texts[row] == rule.label:
                assert high > low or threshold == 2, (row, low, high)


def test_shares_view_withholds_a_flag_when_the_others_and_the_total_give_a_small_overlap():
    # 41 + 36 - 74: three victims with both forms (demo data, Bangladeshi victims)
    view = shares_view(_flags({"Forced labour": 41, "Sexual": 36}, 74, 20), RULE, label="Form")
    victims = dict(zip(view["Form"], view["Victims"], strict=True))
    assert victims["Recorded (at least one)"] == "74" and victims["Forced labour"] == "41"
    assert victims["Sexual"] == "x"
    low, high = _excess_range(view, 5)  # type: ignore[misc]
    assert low <= 0 and high >= 5
    # an overlap of the threshold or more, or none, is no small number: nothing more is withheld
    for counts, known in (
        ({"Forced labour": 41, "Sexual": 38}, 74),
        ({"Forced labour": 41, "Sexual": 33}, 74),
    ):
        assert "x" not in shares_view(_flags(counts, known, 20), RULE, label="Form")["Victims"].to_list()


def test_shares_view_withholds_the_smallest_flag_that_leaves_the_overlap_open():
    """Demo recruiters (Spain, destination): 14 + 12 + 11 + 5 - 40 = 2 victims with two kinds of recruiter. The
    greedy rule this replaced withheld a flag of at least 2 + 5 (Family, 11); the intimate partners' 5 withheld
    do as well (at least 2 with several, as many as 37), and hide less."""
    counts = {"Other relation": 14, "Friend": 12, "Family": 11, "Intimate partner": 5}
    view = shares_view(_flags(counts, 40, 71), RULE, label="Form")
    victims = dict(zip(view["Form"], view["Victims"], strict=True))
    assert [k for k, v in victims.items() if v == "x"] == ["Intimate partner"]
    low, high = _excess_range(view, 5)  # type: ignore[misc]
    assert low < high and (low, high) == (2, 37)


def test_shares_view_publishes_an_overlap_that_only_its_own_small_flag_bounds():
    """Demo forms (Kazakhstan, destination): forced labour 183 of 183 recorded, sexual exploitation <5. The sum
    less the recorded is then the sexual count itself (1 to 4, as its label says): nothing is pinned, and forced
    labour (all of them, a share of 100%) stays; the greedy rule withheld it."""
    view = shares_view(_flags({"Forced labour": 183, "Sexual": 2}, 183, 23), RULE, label="Form")
    victims = dict(zip(view["Form"], view["Victims"], strict=True))
    assert victims == {
        "Forced labour": "183",
        "Sexual": "<5",
        "Recorded (at least one)": "183",
        "Not recorded": "23",
        "All victims": "206",
    }
    assert _excess_range(view, 5) == (1, 4)


def test_shares_view_withholds_a_flag_whose_difference_from_the_recorded_is_small():
    """Demo forms (Argentinian victims): forced labour 11 of 14 recorded, sexual exploitation <5, so 3 victims
    with a form other than forced labour (as the causes section protects its profiles: the victims without an
    item). Forced labour is withheld: 5 to 14, so 0 to 9 without it."""
    view = shares_view(_flags({"Forced labour": 11, "Sexual": 4}, 14, 0), RULE, label="Form")
    victims = dict(zip(view["Form"], view["Victims"], strict=True))
    assert victims["Recorded (at least one)"] == "14" and victims["Forced labour"] == "x"
    assert victims["Sexual"] == "<5"


def test_shares_view_withholds_a_flag_that_gives_the_victims_without_one_back():
    """Demo forms (Trinidad and Tobago): 8 victims, "Recorded" x and "Not recorded" <5 (1); sexual exploitation
    7 was shown, and every flag is at most the victims with one: 7 to 7 recorded, so 1 with none. Withheld."""
    view = shares_view(_flags({"Sexual": 7, "Forced labour": 1}, 7, 1), RULE, label="Form")
    victims = dict(zip(view["Form"], view["Victims"], strict=True))
    assert victims["Not recorded"] == "<5" and victims["Sexual"] == "x"
    (_, _), (low, high) = _split_ranges(view, 5)  # type: ignore[misc]
    assert low < high


def test_shares_view_sorts_by_the_given_order_and_handles_overlapping_categories():
    view = shares_view(
        _shares({"30-38": 50, "0-8": 20}, n_unknown=30), RULE, label="Age", order=["0-8", "30-38"]
    )
    assert view["Age"].to_list()[:2] == ["0-8", "30-38"]
    assert view["Share of those recorded"].to_list()[:2] == ["28.6%", "71.4%"]
    # flag groups: one victim, several forms; the recorded/not recorded split is protected on its own
    forms = _shares({"Forced labour": 30, "Sexual": 25}, n_unknown=3).with_columns(n_known=pl.lit(50))
    view = shares_view(forms, RULE, label="Form")
    victims = dict(zip(view["Form"], view["Victims"], strict=True))
    assert victims["Not recorded"] == "<5" and victims["Recorded (at least one)"] == "x"
    assert set(view["Share of those recorded"]) == {""}  # no denominator published, no share


def test_a_field_recorded_for_no_victim_counts_every_victim_as_not_recorded():
    empty = _shares({}, n_unknown=0)
    view = shares_view(empty, RULE, label="Age", records=(96, 0))
    assert dict(zip(view["Age"], view["Victims"], strict=True)) == {
        "Not recorded": "96",
        "All victims": "96",
    }


def test_the_age_of_cambodias_victims_recorded_for_none_of_them(real_tables):
    """KHM as destination in the CTDC sample: every age blank. The table said "Not recorded 0 / All victims 0"."""
    from evidence.notebooks.builders import profile_view

    selection = Selection(real_tables[0], country="KHM", role="destination")
    assert selection.records()["age_band"].null_count() == selection.records().height > 0
    ages = dict(zip(*profile_view(selection, "age_band", RULE, label="Age").get_columns()[:2], strict=True))
    sexes = dict(zip(*profile_view(selection, "gender", RULE, label="Sex").get_columns()[:2], strict=True))
    # the selection's published (perturbed) total, the same in both tables
    total = sexes["All victims"]
    assert int(total) > 50 and ages == {"Not recorded": total, "All victims": total}


@given(st.lists(st.integers(0, 30), min_size=1, max_size=6), st.integers(0, 30))
def test_no_withheld_category_can_be_recomputed_from_the_total(counts, n_unknown):
    shares = _shares({f"c{i}": c for i, c in enumerate(counts)}, n_unknown)
    if not sum(counts) + n_unknown:
        return
    view = shares_view(shares, RULE)
    if view is None:
        return
    cells = view["Victims"].to_list()
    withheld = sum(v in ("<5", "x") for v in cells[:-1])
    assert withheld != 1 or cells[-1] in ("<5", "x")
    for text in cells:
        assert text in ("<5", "x") or not RULE.is_small(int(text.replace(",", "")))


def _cases() -> pl.DataFrame:
    rows = (
        [("MMR", "THA")] * 40
        + [("KHM", "THA")] * 20
        + [("LAO", "THA")] * 3
        + [("THA", "THA")] * 10
        + [("THA", "JPN")] * 7
        + [(None, "THA")] * 2
        + [("THA", None)] * 6
    )
    return conform(
        pl.DataFrame(
            {
                "year": [2020] * len(rows),
                "origin_iso3": [o for o, _ in rows],
                "destination_iso3": [d for _, d in rows],
                "origin_region": ["Asia" if o else None for o, _ in rows],
                "destination_region": ["Asia" if d else None for _, d in rows],
            }
        )
    )


def _route_view(top_n: int = 2):
    selection = Selection(_cases(), country="THA", role="both")
    flows = routes.flows(selection)
    return flows, route_view(flows, routes.flow_coverage(selection), RULE, top_n=top_n)


def test_route_view_holds_every_route_number_in_one_protected_table():
    _, view = _route_view()
    shown = view.table.display()
    assert shown["route"].to_list() == [
        "Myanmar → Thailand",
        "Cambodia → Thailand",
        "All other routes",
        "Origin (citizenship) unknown or stateless",
        "Destination unknown",
        "All victims",
    ]
    rows = {r["route"]: r for r in shown.iter_rows(named=True)}
    assert rows["All victims"]["All victims"] == "88"
    # Lao PDR (3) and Japan (7) are both in Asia: the other routes' classes hide no small count
    assert rows["All other routes"]["Domestic"] == "10" and rows["All other routes"]["Intraregional"] == "10"
    assert rows["Origin (citizenship) unknown or stateless"]["All victims"] == "<5"
    # the unknown destinations would give the small unknown origins back from the column total
    assert "x" in (rows["Destination unknown"]["Route unknown"], rows["All victims"]["Route unknown"])
    figures = dict(zip(*view.key_figures().get_columns(), strict=True))
    assert figures["Identified victims"] == "88"
    assert figures["origin (citizenship) unknown or stateless"] == "<5"
    assert figures["on a known route (origin and destination known)"] in ("80", "x")
    chart = view.chart_data()
    assert chart["victims"].to_list() == [40, 20] and chart["victims"].min() >= RULE.threshold


def test_region_table_is_left_out_when_the_route_table_gives_a_withheld_cell_back():
    flows, view = _route_view(top_n=5)
    region = region_table(flows, "region", RULE, view)
    if region is not None:  # any withheld region pair must not be a published corridor
        published = set(map(tuple, view.chart_data().select("origin_iso3", "destination_iso3").rows()))
        assert published
        assert region.n_suppressed == 0 or region.n_suppressed >= 2


def test_too_small_a_table_is_none_not_an_error():
    assert protected_table(pl.DataFrame({"k": list("abcd"), "n": [1, 1, 1, 1]}), "k", ["n"], RULE) is None


def test_sources_view_keeps_rows_read_from_giving_small_rejections_back():
    from evidence.sources.loaded import LoadedTable, issues_frame
    from evidence.sources.provenance import Provenance

    provenance = Provenance(
        source="ctdc",
        layout="global_synthetic",
        release="2024",
        path="/d/a.csv",
        sha256="a" * 64,
        url="",
        licence="",
        citation="CTDC",
        synthetic=False,
        demo=False,
    )
    rejects = issues_frame([{"row": r, "column": "year", "value": "x", "reason": "bad year"} for r in (1, 2)])
    table = LoadedTable(pl.DataFrame({"x": list(range(40))}), provenance, rows_in=42, rejects=rejects)
    shown = sources_view([table], RULE).display()
    assert shown.height == 1 and shown["source"].to_list() == ["ctdc, release 2024"]
    row = shown.row(0, named=True)
    assert row["rejected"] == "<5"
    # read − kept would be the rejected rows: read is withheld, since other outputs publish the records kept
    assert row["read"] == "x"


def test_sources_view_shows_rows_of_country_level_tables_as_they_are():
    """Rows of a UNODC table are cells of a public aggregate, not people: 2 rejected rows are shown (and
    marked as values for the scan) beside a victim-level file whose small rejection stays withheld."""
    from evidence.sources.loaded import LoadedTable, issues_frame
    from evidence.sources.provenance import Provenance

    def provenance(source: str, path: str) -> Provenance:
        return Provenance(
            source=source, layout=source, release="2023", path=path, sha256="a" * 64, url="", licence="",
            citation=source, synthetic=False, demo=False,
        )  # fmt: skip

    def rejects(n: int) -> pl.DataFrame:
        return issues_frame(
            [{"row": r, "column": "y", "value": "x", "reason": "bad"} for r in range(1, n + 1)]
        )

    unodc = LoadedTable(
        pl.DataFrame({"x": range(46_554)}), provenance("unodc", "/d/u.xlsx"), rows_in=46_556,
        rejects=rejects(2), kind="indicator",
    )  # fmt: skip
    cases = LoadedTable(
        pl.DataFrame({"x": range(40)}), provenance("ctdc", "/d/c.csv"), rows_in=43, rejects=rejects(3)
    )
    table = sources_view([unodc, cases], RULE)
    shown = table.display()
    assert shown["source"].to_list() == ["unodc, release 2023", "ctdc, release 2023"]  # the order given
    assert shown.row(0, named=True) == {
        "source": "unodc, release 2023", "records": "real data", "kept": "46,554", "rejected": "2", "read": "46,556",
    }  # fmt: skip
    assert shown.row(1, named=True)["rejected"] == "<5" and "x" in (shown["kept"][1], shown["read"][1])
    assert sources_kinds([unodc, cases]) == {c: ["values", "people"] for c in ("kept", "rejected", "read")}
    assert sources_view([unodc], RULE).display()["rejected"].to_list() == ["2"]
    tiny = LoadedTable(pl.DataFrame({"x": range(3)}), provenance("ctdc", "/d/t.csv"), rows_in=3)
    both = sources_view([tiny, unodc], RULE).display()
    assert both["kept"].to_list() == ["<5", "46,554"]


def test_sources_view_says_in_words_whether_the_data_are_real_or_synthetic():
    """real31: the "Data and sources" table of the routes, trends and causes briefs read "Records: real", a
    column whose name and value say little. It says "real data", "the publisher's synthetic release" or
    "synthetic demo data", under "Data"."""
    from evidence.notebooks.builders import SOURCE_LABELS
    from evidence.sources.loaded import LoadedTable
    from evidence.sources.provenance import Provenance

    def loaded(path: str, *, synthetic: bool, demo: bool) -> LoadedTable:
        provenance = Provenance(
            source="ctdc", layout="global_synthetic", release="2024", path=path, sha256="a" * 64, url="",
            licence="", citation="CTDC", synthetic=synthetic, demo=demo,
        )  # fmt: skip
        return LoadedTable(pl.DataFrame({"x": range(40)}), provenance, rows_in=40)

    files = [
        loaded("/d/a.csv", synthetic=False, demo=False),
        loaded("/d/b.csv", synthetic=True, demo=False),
        loaded("/d/c.csv", synthetic=True, demo=True),
    ]
    shown = sources_view(files, RULE).display()
    assert shown["records"].to_list() == [
        "real data",
        "the publisher's synthetic release",
        "synthetic demo data",
    ]
    assert SOURCE_LABELS["records"] == "Data"


def _yearly_cases() -> pl.DataFrame:
    rows = (
        [(2019, "Female")] * 28
        + [(2019, None)] * 2
        + [(2020, "Female")] * 20
        + [(2020, None)] * 5
        + [(2021, "Female")] * 12
    )
    return conform(
        pl.DataFrame(
            {
                "year": [y for y, _ in rows],
                "gender": [g for _, g in rows],
                "destination_iso3": ["THA"] * len(rows),
                "exploitation_forced_labour": [True] * len(rows),
                "exploitation_sexual": [g is None for _, g in rows],
            }
        )
    )


def test_yearly_counts_and_the_table_by_dimension_are_protected_together():
    numbers = yearly_numbers(Selection(_yearly_cases(), years=(2019, 2021)), RULE, by="gender")
    table = numbers.by_category.low
    assert numbers.partition and table.display().columns == ["year", "Female", "Unknown", "All victims"]
    per_year = numbers.per_year.low
    assert per_year.display()["victims"].to_list() == table.display()["All victims"].to_list()
    assert per_year.display()["note"].to_list() == ["", "", "probably incomplete", ""]  # the final year
    assert table.display()["Unknown"].to_list()[0] == "<5"
    # overlapping categories (forms) do not add up: no totals, primary suppression only
    forms = yearly_numbers(Selection(_yearly_cases(), years=(2019, 2021)), RULE, by="form")
    assert (
        not forms.partition and not forms.by_category.low.has_total_row and forms.per_year.low.has_total_row
    )
    assert forms.series("Forced labour")["count"].to_list() == [30, 25, 12]


def test_a_withheld_year_is_charted_as_withheld_and_only_a_year_without_records_as_a_gap():
    """The review (M2): the yearly chart dropped the years its table withholds (``x``, ``<5``) and said "A gap in
    the line: years without data (no records)", with no note of withheld values."""
    import json

    from evidence.presentation.charts import chart_spec, trend_chart

    counts = {2015: 12, 2016: 3, 2017: 20, 2019: 15, 2020: 2}  # 2018 without records
    rows = [(year, True) for year, n in counts.items() for _ in range(n)]
    cases = conform(
        pl.DataFrame(
            {
                "year": [y for y, _ in rows],
                "destination_iso3": ["THA"] * len(rows),
                "exploitation_sexual": [f for _, f in rows],
            }
        )
    )
    numbers = yearly_numbers(Selection(cases, years=(2015, 2020)), RULE, by="form")
    assert numbers.per_year.low.display()["victims"].to_list()[:6] == ["12", "<5", "20", "", "15", "<5"]
    chart = numbers.chart_table()
    assert chart.frame["year"].to_list() == [2015, 2016, 2017, 2019, 2020]  # 2018 only left out
    assert chart.frame["victims_suppressed"].to_list() == [False, True, False, False, True]
    spec = chart_spec(trend_chart(chart, "year", "victims", title="t", source="register", rule=RULE))
    subtitle = " ".join(spec["title"]["subtitle"])
    assert "2 values withheld" in subtitle and "gap in the line" in subtitle  # 2018: no records
    # REVIEW9 M1: not "counts below 5" (an `x` year is not itself small; a range of small cells is not
    # drawn either): why they are out, and where they are published
    assert "withheld to protect small counts" in subtitle and "the table shows what is published" in subtitle
    assert "counts below" not in subtitle
    drawn = next(iter(spec["datasets"].values()))
    assert [(r["year"], r["_segment"]) for r in drawn] == [(2015, 0), (2017, 0), (2019, 1)]
    assert '"domain": [2015, 2020]' in json.dumps(spec)  # the axis spans the withheld last year
    # without a year missing, no gap is said: the line runs past the withheld years
    full = yearly_numbers(Selection(cases, years=(2019, 2020)), RULE, by="form")
    spec = chart_spec(trend_chart(full.chart_table(), "year", "victims", title="t", source="r", rule=RULE))
    assert "gap in the line" not in " ".join(spec["title"]["subtitle"])


def test_years_without_records_are_no_records_and_a_form_not_recorded_is_no_zero():
    rows = [(2016, None)] * 12 + [(2019, True)] * 20 + [(2019, None)] * 6 + [(2020, True)] * 15
    cases = conform(
        pl.DataFrame(
            {
                "year": [y for y, _ in rows],
                "destination_iso3": ["THA"] * len(rows),
                "exploitation_sexual": [f for _, f in rows],
                "exploitation_forced_labour": [None if f is None else False for _, f in rows],
            }
        )
    )
    numbers = yearly_numbers(Selection(cases, years=(2016, 2020)), RULE, by="form")
    shown = numbers.per_year.low.display()
    assert shown["year"].to_list() == ["2016", "2017", "2018", "2019", "2020", "Total"]
    assert shown["note"].to_list()[1:3] == [NO_RECORDS, NO_RECORDS]
    assert shown["victims"].to_list()[:5] == ["12", "", "", "26", "15"]  # never "0" for 2017-2018
    assert shown["victims"].to_list()[-1] == "53"
    # the models and the chart read the years with records only
    assert numbers.series()["year"].to_list() == [2016, 2019, 2020]
    assert numbers.chart_table().frame["year"].to_list() == [2016, 2019, 2020]
    forms = numbers.by_category.low.display()
    # 2016's 12 victims have no form recorded: empty cells, not 0 of every form; 2019 has a true 0
    assert forms.row(0)[:3] == ("2016", "", "")
    assert dict(zip(forms.columns, forms.row(1), strict=True)) == {
        "year": "2019",
        "Forced labour": "0",
        "Sexual exploitation": "20",
        "Not recorded": "6",  # REVIEW12 M5: the victims without a form are a column of their own
    }
    assert numbers.series("Sexual exploitation")["year"].to_list() == [2019, 2020]


def test_victims_without_a_form_recorded_are_said_not_shown_as_zero_forms():
    """REVIEW12 M5: Thailand 2010 (CTDC), 125 of 139 victims without a form, showed 0 in every form and 14
    (perturbed 12) in "Other", with no word of the 125."""
    rows = [(2010, None)] * 125 + [(2010, True)] * 14 + [(2011, None)] * 30 + [(2012, True)] * 20
    cases = conform(
        pl.DataFrame(
            {
                "year": [y for y, _ in rows],
                "destination_iso3": ["THA"] * len(rows),
                "exploitation_other": [f for _, f in rows],
                "exploitation_forced_labour": [None if f is None else False for _, f in rows],
            }
        )
    )
    numbers = yearly_numbers(Selection(cases, years=(2010, 2012)), RULE, by="form")
    forms = numbers.by_category.low.display()
    assert forms.columns == ["year", "Forced labour", "Other forms of exploitation", "Not recorded"]
    assert forms.rows() == [
        ("2010", "0", "14", "125"),  # the 0 is of the 14 with a form recorded; the 125 are said
        ("2011", "", "", "30"),  # no form recorded for any: empty, never 0
        ("2012", "0", "20", "0"),
    ]
    # every victim of a year is under a form or under "Not recorded": the columns add up to at least the year
    victims = numbers.per_year.low.display()["victims"].to_list()[:3]
    for row, total in zip(forms.rows(), victims, strict=True):
        assert sum(int(v) for v in row[1:] if v) >= int(total)
    # the categories the models and charts read are the forms only
    assert numbers.categories == ("Forced labour", "Other forms of exploitation")


def test_interval_display_withholds_a_cell_withheld_in_either_bound():
    censored = pl.DataFrame({"n": [False, True, False]})  # b: three of the publisher's "<5" cells, 3-12
    low = suppress_table(
        pl.DataFrame({"k": ["a", "b", "c"], "n": [10, 3, 20]}), "k", ["n"], RULE, censored=censored
    )
    high = suppress_table(
        pl.DataFrame({"k": ["a", "b", "c"], "n": [10, 12, 20]}), "k", ["n"], RULE, censored=censored
    )
    shown = interval_display(low, high)
    # the publisher's bounds: never re-censored as "<5" (it can reach 12), nor "<5–12", nor "3–12" (its low
    # end is below the threshold: the one rule of ranges)
    assert shown["n"].to_list()[1] == "up to 12"
    assert interval_kinds(low, high) == {"n": [None, "censored", None, None]}
    # the same bounds with an exact part (not the publisher's censoring): the high bound would give it back
    low = suppress_table(pl.DataFrame({"k": ["a", "b", "c"], "n": [10, 1, 20]}), "k", ["n"], RULE)
    high = suppress_table(pl.DataFrame({"k": ["a", "b", "c"], "n": [10, 12, 20]}), "k", ["n"], RULE)
    shown = interval_display(low, high)
    assert shown["n"].to_list()[1] == "<5"
    assert "x" in shown["n"].to_list()  # the low bounds' complement hides its high bound too
    assert (
        "x"
        not in interval_display(
            *(
                suppress_table(pl.DataFrame({"k": ["a", "b"], "n": [10, n]}), "k", ["n"], RULE, censored=mask)
                for n, mask in (
                    (3, pl.DataFrame({"n": [False, True]})),
                    (12, pl.DataFrame({"n": [False, True]})),
                )
            )
        )["n"].to_list()
    )  # the publisher's own "<5" cells need no complement


def _glotip(tmp_path, rows):
    from _glotip import write_small_glotip

    from evidence.sources.unodc import load

    return load(
        write_small_glotip(tmp_path / "g.xlsx", [("THA", category, value) for category, value in rows])
    )


def test_unmapped_citizenships_for_review_with_protected_victim_counts(tmp_path):
    from evidence.notebooks.builders import (
        source_heading,
        unmapped_citizenship_share,
        unmapped_citizenship_table,
    )

    loaded = _glotip(tmp_path, [("Myanmar", "60"), ("Thialand", "30"), ("Atlantis", "3"), ("Atlantis", "<5")])
    table = unmapped_citizenship_table(loaded, RULE)
    assert table.columns == [
        "As written",
        "Breakdown",
        "Rows",
        "Detected victims",
        "Suggested country (to review; not applied)",
    ]
    assert table.rows() == [
        ("Thialand", "citizenship", "1", "30", "Thailand (THA), similarity 0.88"),
        ("Atlantis", "citizenship", "2", "up to 7", ""),  # 3 + (1 to 4): the small bound never printed
    ]
    assert "Rows" not in unmapped_citizenship_table(loaded, RULE, rows=False).columns
    convicted = _glotip(tmp_path, [("Myanmar", "60"), ("Atlantis", "0")])
    assert unmapped_citizenship_table(convicted, RULE)["Detected victims"].to_list() == ["0"]
    assert unmapped_citizenship_table(convicted, RULE, rows=False) is None
    assert unmapped_citizenship_share(loaded).startswith(
        "Of the victims detected by citizenship, 36.2%–38.1%"
    )
    assert source_heading(loaded) == '### <span data-kind="label">UNODC GLOTIP, release 30 May 2023</span>'


def test_unmapped_citizenships_only_for_unodc_and_none_when_all_map(tmp_path, shared_data):
    from evidence.notebooks.builders import unmapped_citizenship_share, unmapped_citizenship_table
    from evidence.sources.registry import load

    assert unmapped_citizenship_table(_glotip(tmp_path, [("Myanmar", "60")]), RULE) is None
    tiers = load(shared_data / "tip" / "tip_tiers_1999_2015.csv")
    assert unmapped_citizenship_table(tiers, RULE) is None and unmapped_citizenship_share(tiers) is None


def test_source_headings_escape_what_a_sidecar_wrote(tmp_path, shared_data):
    import dataclasses

    from evidence.notebooks.builders import source_heading
    from evidence.sources.registry import load

    tiers = load(shared_data / "tip" / "tip_tiers_1999_2015.csv")
    tiers.provenance = dataclasses.replace(
        tiers.provenance, name="<img src=x onerror=alert(1)> *x*", release_label=""
    )
    heading = source_heading(tiers)
    # text, never markup; a label, so that its digits are not read as counts
    assert heading.startswith('### <span data-kind="label">\\<img src=x onerror=alert(1)\\> \\*x\\*')


def _models(rate: float, low: float, high: float, n_years: int = 11):
    from evidence.analyses.trends import RateRatio
    from evidence.notebooks.builders import SeriesModels

    ratio = RateRatio(
        rate_ratio=rate,
        ci_low=low,
        ci_high=high,
        p_value=0.5,
        model="poisson",
        first_year=2010,
        last_year=2020,
        n_years=n_years,
        dispersion=1.0,
        alpha=None,
        basis="exact",
    )
    return SeriesModels(None, ratio, None, None, None)


def test_a_trend_whose_interval_includes_one_is_no_clear_change():
    from evidence.notebooks.builders import trend_sentence

    text = trend_sentence(_models(1.04, 0.97, 1.12), noun="detected victims")
    assert "no clear change" in text and "detected victims" in text
    assert "4%" not in text and "more detected victims each year" not in text  # no change claimed
    clear = trend_sentence(_models(1.10, 1.04, 1.16))
    assert "no clear change" not in clear and "10%" in clear and "more identified victims each year" in clear
    # every ratio is marked as a statistic: the disclosure scan reads no count of people in it
    assert 'data-kind="statistic">1.10<' in clear
    # so is the number of years, which the scanner once took for 3 people ("3 complete years")
    from evidence.presentation.disclosure import find_small_counts

    short = trend_sentence(_models(1.10, 1.04, 1.16, n_years=3))
    assert not find_small_counts(short)


def test_an_overdispersed_trend_names_the_model_it_used():
    """The sentence said "a negative binomial model was used" of every overdispersed series, also where the
    model is quasi-Poisson (the Poisson fit with its intervals widened by the counts' spread)."""
    import dataclasses

    from evidence.notebooks.builders import trend_sentence

    models = _models(1.10, 1.04, 1.16)
    for model, says in (
        ("negative_binomial", "so a negative binomial model was used."),
        (
            "quasi_poisson",
            "so the Poisson model's intervals were widened by the counts' spread (quasi-Poisson).",
        ),
    ):
        ratio = dataclasses.replace(models.rate_ratio, model=model, dispersion=6.0)
        text = re.sub(r"<[^>]+>", "", trend_sentence(dataclasses.replace(models, rate_ratio=ratio)))
        assert "The counts vary more than a Poisson model allows, " + says in text, model
        assert ("negative binomial" in text) == (model == "negative_binomial"), model


def test_a_trend_over_years_with_gaps_names_the_years_it_read():
    # the review: "From 2007 to 2021" of a model that read 2007 and 2014-2021 (9 years) overstated the span
    import dataclasses

    from evidence.notebooks.builders import trend_sentence

    years = (2007, *range(2014, 2022))
    models = _models(1.10, 1.04, 1.16, n_years=len(years))
    gapped = dataclasses.replace(models.rate_ratio, first_year=2007, last_year=2021, years=years)
    text = re.sub(r"<[^>]+>", "", trend_sentence(dataclasses.replace(models, rate_ratio=gapped)))
    assert (
        text.startswith("Over 2007 and 2014–2021, the number of identified victims")
        and "From 2007" not in text
    )
    whole = dataclasses.replace(models.rate_ratio, years=tuple(range(2010, 2021)))
    text = re.sub(r"<[^>]+>", "", trend_sentence(dataclasses.replace(models, rate_ratio=whole)))
    assert text.startswith("From 2010 to 2020, the number")


def test_victims_on_a_known_route_are_a_cell_of_their_own_never_more_than_the_same_records(own_records):
    # the review: "Identified victims 111; on a known route 112" (KHM, origin), the second a sum of perturbed
    # class totals. Counted as one cell (the records on a route, their keys summed), the same records give the
    # same number: where every victim's route is known, both lines are one number
    from evidence.notebooks.builders import route_numbers

    rule = DisclosureRule(5)
    checked = 0
    for country, role in [("KHM", "origin"), ("KHM", "both"), ("THA", "destination"), ("UKR", "origin")]:
        selection = Selection(own_records, country=country, role=role)
        numbers = route_numbers(selection, rule)
        assert numbers is not None and numbers.low.known is not None  # own records of real people: keyed
        records = selection.records()
        on_route = records.drop_nulls(["origin_iso3", "destination_iso3"]).height
        figures = dict(zip(*numbers.key_figures().get_columns(), strict=True))
        total, known = (
            figures["Identified victims"],
            figures["on a known route (origin and destination known)"],
        )
        if on_route == records.height:
            assert known == total, (country, role)
            checked += 1
        # and the share denominators of the routes are that published number
        assert numbers.low.known_routes() == int(known.replace(",", ""))
    assert checked >= 2


def test_yearly_numbers_leave_the_years_with_missing_reporters_out_of_the_trend():
    from _indicator import nationals_reported

    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import yearly_numbers
    from evidence.presentation.disclosure import DisclosureRule

    rows = nationals_reported(range(2010, 2020), tha_from=2013)
    numbers = yearly_numbers(Selection(rows, country="MMR", role="origin"), DisclosureRule(5))
    assert numbers.flagged == [2012, 2011, 2010]
    # the full series keeps as many complete years as the steady reporters' panel has (2013-2019): no panel
    assert numbers.panel is None
    rate = numbers.models().rate_ratio
    assert rate is not None and rate.first_year == 2013  # fitted on the years with a stable set of reporters
    # the jump of 2013 is Thailand joining, not a trend
    assert abs(rate.rate_ratio - 1.0) < 1e-6


def test_too_few_years_for_a_break_says_its_numbers_are_years():
    from _indicator import nationals_reported

    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import break_sentence, trend_sentence, yearly_numbers
    from evidence.presentation.disclosure import DisclosureRule, find_small_counts

    rows = nationals_reported(range(2010, 2015), tha_from=2010)  # five complete years: no trend, no break
    models = yearly_numbers(Selection(rows, country="MMR", role="origin"), DisclosureRule(5)).models()
    sentence = break_sentence(models)
    assert sentence.startswith("No break is searched for in the complete years: too few complete years")
    assert find_small_counts(sentence) == []  # "5 (2010-2014)" is years, not five people
    trend = trend_sentence(models, noun="detected victims")
    assert "too few complete years" in trend and "at least" in trend and find_small_counts(trend) == []


def test_a_short_series_says_why_no_trend_is_reported():
    """Review finding 11: four complete years (Cambodia's nationals 2014-2017) gave a negative binomial rate
    ratio and interval. The brief now says how many complete years there are and how many a trend needs."""
    from _indicator import nationals_reported

    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import trend_sentence, yearly_numbers
    from evidence.presentation.disclosure import DisclosureRule

    rows = nationals_reported(range(2016, 2020), tha_from=2016)  # four complete years
    numbers = yearly_numbers(Selection(rows, country="MMR", role="origin"), DisclosureRule(5))
    assert numbers.flagged == [] and numbers.panel is None
    models = numbers.models()
    assert models.rate_ratio is None and models.rate_note.startswith("too few complete years: 4 (2016–2019)")
    text = re.sub(r"<[^>]+>", "", trend_sentence(models, noun="detected victims"))
    assert text.startswith("No trend in the number of detected victims is estimated from the complete years")
    assert "4 (2016–2019), where a trend needs at least 6" in text
    assert models.to_dict()["note"].startswith("not modelled: too few complete years")
    six = yearly_numbers(
        Selection(nationals_reported(range(2014, 2020), tha_from=2014), country="MMR", role="origin"),
        DisclosureRule(5),
    )
    assert six.models().rate_ratio is not None and six.models().rate_ratio.n_years == 6


def _coming_and_going():
    """Myanmar's nationals detected by two reporters that take turns and two steady ones, one of them with a
    code no reference names (``*Z*``): :func:`_indicator.coming_and_going`."""
    from _indicator import coming_and_going

    return coming_and_going()


def test_a_series_whose_reporters_come_and_go_is_modelled_on_its_steady_reporters():
    from evidence.notebooks.builders import (
        panel_gaps_sentence,
        panel_sentence,
        trend_sentence,
        yearly_numbers,
    )
    from evidence.presentation.disclosure import find_small_counts

    numbers = yearly_numbers(Selection(_coming_and_going(), country="MMR", role="origin"), RULE)
    assert sorted(numbers.flagged) == list(range(2010, 2020))  # every year misses Thailand or Malaysia
    panel = numbers.panel
    assert (
        panel is not None and panel.panel.window == (2010, 2019) and panel.panel.reporters == ("*Z*", "JPN")
    )
    assert panel.gap_years == tuple(range(2010, 2020)) and panel.other == () and panel.incomplete == ()
    models = numbers.models()
    assert models.panel is panel.panel and models.rate_ratio is not None
    assert (models.rate_ratio.first_year, models.rate_ratio.n_years) == (2010, 10)
    assert models.rate_ratio.rate_ratio > 1  # Japan's growth, not the turns of the large reporters
    assert models.to_dict()["steady_reporters"]["reporters"] == ["*Z*", "JPN"]
    # the panel's yearly counts are published as the full series' are: a protected table, the chart from it
    assert panel.per_year is not None
    published = [lo for lo, _ in panel.per_year.cells("victims")]
    assert published[:-1] == panel.panel.counts["count_low"].to_list() and published[-1] == 1450
    chart = panel.chart_bounds()
    assert chart is not None and chart.frame["count_low"].to_list() == published[:-1]
    gaps, described = panel_gaps_sentence(numbers), panel_sentence(numbers)
    assert 'data-kind="years">10</span> of the <span data-kind="years">10</span> years' in gaps
    # a reporter may publish a breakdown without these nationals' row (not "no breakdown")
    assert "published no full citizenship breakdown listing them, so" in gaps
    assert "2010–2019" in described and 'data-kind="countries">2</span> countries' in described
    # the largest first; a code no reference names is text, never Markdown
    assert "(Japan and \\*Z\\*; " in described and "*Z*" not in described.replace("\\*Z\\*", "")
    assert 'data-kind="statistic">42%</span> of the nationals of Myanmar detected in those years' in described
    text = trend_sentence(models, noun="victims detected by these countries")
    for sentence in (gaps, described, text):
        assert find_small_counts(sentence) == []


def test_a_small_count_of_the_panel_is_withheld_in_its_table_and_its_chart():
    from _indicator import breakdowns

    from evidence.notebooks.builders import yearly_numbers

    years = range(2010, 2016)
    rows = breakdowns(
        {
            "THA": {y: 10 if y % 2 else None for y in years},
            "MYS": {y: None if y % 2 else 10 for y in years},
            "DEU": {y: 2 if y == 2012 else 10 for y in years},
            "JPN": {y: "<5" if y == 2012 else 5 for y in years},  # a contributing reporter: 5 most years
        },
        others=5,
    )
    numbers = yearly_numbers(Selection(rows, country="MMR", role="origin"), RULE)
    assert numbers.panel is not None and numbers.panel.per_year is not None
    assert numbers.panel.panel.reporters == ("DEU", "JPN")
    cells = numbers.panel.per_year.cells("victims")
    # 2012: 3-6 victims, a low bound under 5: withheld in both bounds, and another year with it (the total is
    # published: secondary suppression, as in the full series' table)
    assert cells[2] == (RULE.label, RULE.label)
    assert sorted(cells[:-1], key=str).count((15, 15)) == 4 and ("x", "x") in cells
    chart = numbers.panel.chart_bounds()
    assert chart is not None and chart.frame.height == 6
    withheld = [i for i, cell in enumerate(cells[:-1]) if cell[0] in (RULE.label, "x")]
    assert chart.frame["count_low"].is_null().arg_true().to_list() == withheld
    assert chart.frame["count_high"].is_null().arg_true().to_list() == withheld


def test_the_real_release_fits_a_trend_for_thailand_and_viet_nam_as_origin_on_their_panels(real_tables):
    """Thailand (2012-2020: Thailand and Germany) gets a panel of contributing reporters. Cambodia's and
    Myanmar's 2011-2020 panels were Thailand's series with a stray <5 from Germany or Finland; Viet Nam's
    (2014-2018) and Myanmar's (2017-2021) windows are five years, fewer than a trend needs: no panel."""
    from evidence.analyses import trends
    from evidence.notebooks.builders import break_sentence, panel_sentence, yearly_numbers
    from evidence.presentation.disclosure import find_small_counts

    unodc = real_tables[1]
    for country in ("THA",):
        selection = Selection(unodc, country=country, role="origin")
        numbers = yearly_numbers(selection, RULE)
        assert numbers.panel is not None, country
        steady = numbers.panel.panel
        rate = numbers.models().rate_ratio
        assert rate is not None and rate.first_year == steady.window[0], country
        # the panel's counts are what its reporters published: no year of it is set aside (Thailand's panel
        # falls from 222 in 2019 to 87 in 2020, and 2020 is in the model)
        assert numbers.panel.incomplete == () and rate.n_years == steady.n_years
        assert rate.last_year == steady.window[1]
        assert set(steady.reporters) <= set(trends._reporter_grid(selection)["iso3"].to_list())
        assert not find_small_counts(panel_sentence(numbers))
        assert "listing" in panel_sentence(numbers) and "or more of these nationals in most of them" in (
            panel_sentence(numbers)
        )
        first = steady.window[0]
        assert break_sentence(numbers.models()).startswith(
            f"Searched on the steady reporters' series of {first}"
        )
    thai = yearly_numbers(Selection(unodc, country="THA", role="origin"), RULE)
    # 11 of its 15 years miss reporters that detect a quarter of these nationals: 4 complete years, fewer
    # than the panel's 9
    assert thai.panel is not None and len(thai.panel.gap_years) == thai.counts.height - 4
    for country in ("KHM", "MMR", "VNM"):
        numbers = yearly_numbers(Selection(unodc, country=country, role="origin"), RULE)
        assert numbers.panel is None, country
        models = numbers.models()
        assert models.panel is None and not break_sentence(models).startswith("Searched on the steady")
        # five steady years at most (Cambodia 2014-2018, Myanmar 2017-2021, Viet Nam 2014-2018): too few for a
        # trend (review finding 11), and the full series has fewer complete years still
        assert models.rate_ratio is None and (models.rate_note or "").startswith("too few complete years"), (
            country
        )


def test_a_fall_in_the_panels_last_year_is_kept_in_the_model():
    """docs/methods.md: the panel's counts are what its reporters published; a fall in its last year (Myanmar,
    2011-2020: 1,150 in 2019, 8 in 2020) is shown and modelled, never flagged as late registration."""
    from _indicator import breakdowns

    from evidence.notebooks.builders import yearly_numbers

    years = range(2010, 2020)
    rows = breakdowns(
        {
            "THA": {y: 200 if y % 2 else None for y in years},
            "MYS": {y: None if y % 2 else 200 for y in years},
            "JPN": {y: 8 if y == 2019 else 300 for y in years},
            "KOR": {y: 6 if y == 2019 else 100 for y in years},
        }
    )
    numbers = yearly_numbers(Selection(rows, country="MMR", role="origin"), RULE)
    panel = numbers.panel
    assert panel is not None and panel.panel.window == (2010, 2019) and panel.incomplete == ()
    assert panel.complete()["year"].to_list() == list(years)
    assert panel.complete().filter(pl.col("year") == 2019)["count"].item() == 14
    rate = numbers.models().rate_ratio
    assert rate is not None and (rate.last_year, rate.n_years) == (2019, 10)
    assert "2019" not in [str(y) for y in numbers.flagged if y not in panel.gap_years]


def test_a_series_of_only_censored_cells_is_not_modelled_and_says_why():
    """UNODC, Thailand by sex 2017-2021: "Other" is <5 every year. The rule of trends.no_trend_information,
    read by the notebooks and the CLI alike."""
    from _indicator import indicator_rows

    from evidence.notebooks.builders import break_sentence, trend_sentence, yearly_numbers

    rows = []
    for year in range(2016, 2022):  # six years: a trend of the categories with numbers
        rows += [
            ("THA", year, "Total", "Total", "Total", "Total", 300 + year - 2017),
            ("THA", year, "Total", "Total", "Female", "Total", 200),
            ("THA", year, "Total", "Total", "Male", "Total", 100 + year - 2017 - (1 if year == 2019 else 0)),
            ("THA", year, "Total", "Total", "Other", "Total", "<5"),
        ]
    numbers = yearly_numbers(
        Selection(indicator_rows(rows), country="THA", role="destination"), RULE, by="sex"
    )
    other = numbers.models("Other")
    assert other.rate_ratio is None and other.found_break is None
    assert other.to_dict()["note"] == (
        "not estimable: every year with victims is censored (its count only a range: one or more cells published "
        "as <5, none exactly)"
    )
    assert trend_sentence(other).startswith("No trend or break can be estimated: every year with victims")
    assert break_sentence(other).startswith("No trend or break can be estimated")
    assert numbers.models("Female").rate_ratio is not None and numbers.models().rate_ratio is not None
    # at a threshold above every count of a category (each shown <250), its trend is not estimable either
    from evidence.presentation.disclosure import DisclosureRule

    high = yearly_numbers(
        Selection(indicator_rows(rows), country="THA", role="destination"), DisclosureRule(250), by="sex"
    )
    assert "below the disclosure threshold (250)" in (high.models("Male").rate_note or "")
    assert high.models().rate_ratio is not None


def test_nationals_whose_yearly_counts_are_ranges_of_published_numbers_get_a_trend():
    """REVIEW7 R1: Nigeria's nationals (its own count and the other countries' breakdowns, each year holding
    some <5 cells) were said to be "censored (published only as a range such as <5)" and got no trend, with
    10 complete years of 748-2,009 victims. A year is censored only when nothing of it is published exactly."""
    from _indicator import indicator_rows

    own = {2012: 748, 2013: 1059, 2014: 1158, 2015: 930, 2016: 1295, 2017: 1400, 2018: 1541, 2019: 2000}
    rows = []
    for year, n in own.items():
        rows += [
            ("NGA", year, "Total", "Total", "Total", "Total", n + 40),
            ("NGA", year, "by citizenship", "Nationals", "Total", "Total", n),
            ("NGA", year, "by citizenship", "GHA", "Total", "Total", 40),
            ("ITA", year, "Total", "Total", "Total", "Total", 500),
            ("ITA", year, "by citizenship", "NGA", "Total", "Total", "<5"),
            ("ITA", year, "by citizenship", "ITA", "Total", "Total", 496),
        ]
    numbers = yearly_numbers(Selection(indicator_rows(rows), country="NGA", role="origin"), RULE)
    assert numbers.counts["count"].null_count() == len(own)  # every year is a range (n + 1 to n + 4)
    models = numbers.models()
    assert models.rate_note is None or "censored" not in models.rate_note
    rate = models.rate_ratio
    assert rate is not None and (rate.first_year, rate.last_year) == (2012, 2019)
    assert rate.basis == "point" and 1.0 < rate.rate_ratio < 1.3


def test_a_fall_in_a_publishers_own_totals_is_kept_in_the_model_not_flagged_as_late_registration():
    """Thailand, 2023 release: 1,540 detected victims in 2019, 146 in 2020, 134 in 2021 — what the country
    reported. Flagged as "probably incomplete (late registration)" and left out, the trend read +20% a year."""
    from _indicator import indicator_rows

    totals = {2014: 595, 2015: 982, 2016: 850, 2017: 471, 2018: 417, 2019: 1540, 2020: 146, 2021: 134}
    rows = indicator_rows([("THA", y, "Total", "Total", "Total", "Total", n) for y, n in totals.items()])
    numbers = yearly_numbers(Selection(rows, country="THA", role="destination"), RULE)
    assert numbers.flagged == []
    rate = numbers.models().rate_ratio
    assert rate is not None and (rate.first_year, rate.last_year, rate.n_years) == (2014, 2021, 8)
    assert (
        numbers.per_year is not None
        and "probably incomplete" not in numbers.per_year.low.frame["note"].to_list()
    )
    # the same fall in registration data is the late-registration rule's business
    records = [
        {"year": y, "origin_iso3": "MMR", "destination_iso3": "THA"}
        for y, n in totals.items()
        for _ in range(n)
    ]
    cases = yearly_numbers(Selection(conform(pl.DataFrame(records)), country="THA", role="destination"), RULE)
    assert cases.flagged == [2021, 2020]
    assert "late registration" in cases.incomplete[0].reason


def test_real_unodc_thailand_totals_are_all_in_the_trend(unodc_2023):
    loaded = unodc_2023
    numbers = yearly_numbers(Selection(loaded, country="THA", role="destination"), RULE)
    assert numbers.flagged == []
    rate = numbers.models().rate_ratio
    assert rate is not None and (rate.first_year, rate.last_year) == (2009, 2021)
    # Bolivia's victims of unknown sex and age are a column of both breakdowns, and then add up to the total
    bolivia = Selection(loaded, country="BOL", role="destination", years=(2016, 2019))
    for by in ("sex", "age"):
        by_category = yearly_numbers(bolivia, RULE, by=by).by_category
        assert by_category is not None
        rows = {r["year"]: r for r in by_category.low.frame.iter_rows(named=True)}
        assert rows["2017"]["Unknown"] == 53 and rows["2017"]["Published total"] == 397
        assert rows["2016"]["Unknown"] is None  # not published that year: missing, not zero
        assert "Sum of categories" not in by_category.low.count_columns  # 105 + 239 + 53 = 397


def test_the_categories_sum_is_explained_by_the_dimension():
    from evidence.notebooks.builders import category_sum_reason

    assert "several forms" in category_sum_reason("form")
    for by in ("sex", "gender", "age", "citizenship"):
        assert "several" not in category_sum_reason(by) and "cover every victim" in category_sum_reason(by)


def _forms(years: dict[int, tuple]):
    """Thailand's detected victims by form: ``years[year]`` = (total, forced labour, sexual, other)."""
    from _indicator import indicator_rows

    rows = []
    for year, (total, labour, sexual, other) in years.items():
        rows += [
            ("THA", year, "Total", "Total", "Total", "Total", total),
            ("THA", year, "by form of exploitation", "Forced labour", "Total", "Total", labour),
            ("THA", year, "by form of exploitation", "Sexual exploitation", "Total", "Total", sexual),
            ("THA", year, "by form of exploitation", "Other forms of exploitation", "Total", "Total", other),
        ]
    return yearly_numbers(Selection(indicator_rows(rows), country="THA", role="destination"), RULE, by="form")


def test_a_form_above_the_published_total_is_flagged_as_the_publishers_inconsistency():
    """Review finding 5: Thailand 2017, sexual exploitation 807 against 471 victims (by sex 379 + 92, by age
    365 + 106: 471), was explained as "one victim can have several forms, or a form is not reported", which
    cannot make one form larger than the victims."""
    from evidence.notebooks.builders import (
        categories_above_total,
        categories_above_total_line,
        category_sum_note,
    )

    # 2017 as published; 2016: the forms add up to more than the total, none above it (several forms fit)
    numbers = _forms({2016: (850, 500, 400, 10), 2017: (471, 85, 807, 11)})
    above = categories_above_total(numbers)
    assert [(c.year, c.category, c.count, c.total) for c in above] == [
        ("2017", "Sexual exploitation", "807", "471")
    ]
    note = category_sum_note(numbers)
    assert "(one victim can have several forms, or a form is not reported)" in note  # 2016: it fits
    assert "an inconsistency in the publisher's data" in note  # named below the table, as labels
    line = categories_above_total_line(numbers)
    assert (
        'An inconsistency in the publisher\'s data: in 2017, <span data-kind="label">sexual exploitation</span> '
        "807, more than the year's total of 471." in line
    )
    assert "cannot count more victims than the total" in line
    # the inconsistent year alone: no explanation offered that cannot hold
    only_numbers = _forms({2017: (471, 85, 807, 11)})
    only = category_sum_note(only_numbers)
    assert "several forms" not in only and "in 2017, " in categories_above_total_line(only_numbers)
    # forms that add up, or exceed the total only together: the explanation, no inconsistency
    fits = _forms({2016: (850, 500, 400, 10), 2015: (982, 500, 400, 82)})
    assert categories_above_total(fits) == [] and "inconsistency" not in category_sum_note(fits)
    assert category_sum_note(_forms({2015: (982, 500, 400, 82)})) is None
    # a censored form is never compared on its midpoint: <5 against 3 victims says nothing
    assert categories_above_total(_forms({2018: (30, 10, 12, "<5")})) == []


def test_a_share_of_censored_counts_is_the_range_the_bounds_allow():
    from evidence.notebooks.builders import share_range, share_range_text

    # Thailand 2020-2021: all other routes 16-64 of 249-303 victims on known routes (the routes included)
    low, high = share_range(16, 64, 249, 303)
    assert low == pytest.approx(16 / (16 + 303 - 64)) and high == pytest.approx(64 / (64 + 249 - 16))
    assert share_range_text((low, high)) == "6–22%"  # not the midpoints' 40 / 276 = 14.5%
    assert share_range_text(share_range(43, 43, 249, 303)) == "14–18%"  # exact count, censored total
    assert share_range_text(share_range(6, 9, 249, 303)) == "2.0–3.6%"  # tenths below 10%
    assert share_range_text(share_range(50, 50, 200, 200)) == "25.0%"  # exact: one share
    assert share_range_text((0.152, 0.154)) == "15–16%"  # rounded outwards: the range shown holds it
    assert share_range_text((0.15, 0.17)) == "15–17%"  # 0.15 * 100 is not above 15
    # Lao PDR, Thailand 2019: 32/1416-32/1392 both round to 2.3%, outwards they are 2.2-2.3%
    assert share_range_text(share_range(32, 32, 1392, 1416)) == "2.2–2.3%"
    assert share_range_text((0.023, 0.023)) == "2.3%" and share_range_text((0.02, 0.03)) == "2.0–3.0%"
    assert share_range(None, 4, 10, 12) is None and share_range(0, 0, 0, 0) is None
    assert share_range_text(None) is None


def test_route_chart_shares_of_censored_counts_are_ranges(unodc_2023):
    from evidence.notebooks.builders import route_numbers

    loaded = unodc_2023
    numbers = route_numbers(Selection(loaded, country="THA", role="destination", years=(2020, 2021)), RULE)
    assert numbers is not None
    chart = numbers.chart_data()
    shares = dict(zip(chart["origin_iso3"].to_list(), chart["share"].to_list(), strict=True))
    # shares of the known routes, domestic included: Thailand's own nationals detected at home (76 - 59 repatriated
    # from abroad in 2020, + 62 in 2021) are UNODC's domestic flow, and the largest
    assert shares["THA"] == "32–42%" and shares["LAO"] == "19–26%"
    assert chart["origin_iso3"].to_list()[0] == "THA"
    assert chart.schema["share"] == pl.String
    # what a chart prints for a corridor: the route table's range, never the low bound alone
    table = {r["route"]: r for r in numbers.table().iter_rows(named=True)}
    total = numbers.low.table.total_label
    texts = dict(zip(chart["origin_iso3"].to_list(), chart["victims_text"].to_list(), strict=True))
    assert texts["LAO"] == table["Lao PDR → Thailand"][total] and "–" in texts["LAO"]


def test_too_short_a_span_for_growing_corridors_is_one_sentence():
    from evidence.analyses.routes import PeriodSplit
    from evidence.notebooks.builders import emerging_unassessed
    from evidence.presentation.disclosure import find_small_counts

    text = emerging_unassessed(PeriodSplit(2019, 2021, 3))
    assert text is not None and "too short a span" in text and text.count(".") == 1
    assert ">2019<" in text and ">2021<" in text and find_small_counts(text) == []  # "3 years" is no 3 people
    assert ">2010</span> only" in (emerging_unassessed(PeriodSplit(2010, 2010, 3)) or "")
    assert emerging_unassessed(PeriodSplit(2015, 2021, 3)) is None  # comparable
    assert emerging_unassessed(PeriodSplit(None, None, 3)) is None  # no corridor: nothing to say here
    # a reader chose no "selection" (the routes brief read "The corridors of this selection are observed in …")
    assert text.startswith("These corridors are observed in years from") and "selection" not in text


# Thailand as destination, 2019, as UNODC's workbook has it: four corridors, eight "<5" citizenships (three of
# them outside Asia) and 155 victims of unknown citizenship
_THA_2019 = [
    ("Myanmar", "1150"),
    ("Thailand", "132"),
    ("Cambodia", "70"),
    ("Lao People's Democratic Republic", "32"),
    *[(c, "<5") for c in ("Bangladesh", "Indonesia", "India", "Syrian Arab Republic", "Viet Nam")],
    *[(c, "<5") for c in ("Eritrea", "United Republic of Tanzania", "Uganda")],
    ("Unknown", "155"),
]


def _tha_routes(tmp_path, rows):
    from evidence.notebooks.builders import route_numbers

    return route_numbers(Selection(_glotip(tmp_path, rows), country="THA", role="destination"), RULE)


def test_unodc_route_table_withholds_nothing_for_the_publishers_own_censored_cells(tmp_path):
    # the review: THA → THA and LAO → THA shown "x" (132 and 32 in the workbook), complements of the
    # transregional other routes, whose low bound 3 is no count of people but the number of "<5" cells
    numbers = _tha_routes(tmp_path, _THA_2019)
    shown = {r["route"]: r for r in numbers.table().iter_rows(named=True)}
    total = "Sum of the citizenship breakdown"
    own = "Thailand → Thailand"  # its nationals detected at home: domestic, as UNODC defines it
    assert (
        shown[own][total] == "132" and shown[own]["Route unknown"] == "0" and shown[own]["Domestic"] == "132"
    )
    assert shown["Lao PDR → Thailand"][total] == "32"
    assert shown["All other routes"]["Transregional"] == "up to 12" == shown[total]["Transregional"]
    kinds = dict(zip(numbers.table()["route"].to_list(), numbers.table_kinds()["Transregional"], strict=True))
    assert kinds["All other routes"] == numbers.table_kinds()["Transregional"][-1] == "censored"
    assert kinds["Lao PDR → Thailand"] is None
    assert not any("x" in row.values() for row in shown.values())
    assert numbers.low.table.n_secondary == numbers.high.table.n_secondary == 0
    assert numbers.chart_data()["victims"].to_list() == [1150, 132, 70, 32]


def test_withheld_corridors_are_listed_after_the_published_ones_not_by_their_hidden_size(tmp_path):
    # an exact 3 (a file that publishes small counts) needs complements: the corridors withheld for it are
    # listed after the published ones, by name; their place among the published would bound their counts
    rows = [r for r in _THA_2019 if r[0] not in ("United Republic of Tanzania", "Uganda")]
    numbers = _tha_routes(tmp_path, [r if r[0] != "Eritrea" else ("Eritrea", "3") for r in rows])
    n = numbers.low.corridors.height
    listed = [r["route"] for r in numbers.rows()[:n]]
    withheld = [r["route"] for r in numbers.rows()[:n] if any(isinstance(v, str) for v in r["victims"])]
    assert withheld and listed[-len(withheld) :] == sorted(withheld)
    assert listed[0] == "Myanmar → Thailand" and listed[0] not in withheld
    for view in (numbers.low, numbers.high):  # both bounds, the corridors and the table in the same order
        assert view.table.frame["route"].head(n).to_list() == listed == view.corridors["route"].to_list()
    assert numbers.table()["route"].head(n).to_list() == listed
    published = [r for r in listed if r not in withheld]
    assert numbers.chart_data().height == len(published)


def test_real_unodc_route_tables_publish_the_nationals_detected_at_home(unodc_2023):
    from evidence.notebooks.builders import route_numbers

    glotip = unodc_2023
    numbers = route_numbers(Selection(glotip, country="THA", role="destination", years="2019"), RULE)
    rows = {r["route"]: r["victims"] for r in numbers.rows()}
    # its nationals detected at home: a domestic route, as UNODC defines domestic trafficking
    assert rows["Thailand → Thailand"] == (132, 132) and rows["Lao PDR → Thailand"] == (32, 32)
    for country, role, years in [("THA", "destination", "2019"), ("MMR", "origin", "2019")]:
        numbers = route_numbers(Selection(glotip, country=country, role=role, years=years), RULE)
        assert numbers.low.table.n_secondary == numbers.high.table.n_secondary == 0, (country, role)


def test_round_outwards_holds_the_range_and_rounds_one_value_to_the_nearest():
    from evidence.notebooks.builders import round_outwards

    assert round_outwards(32 / 1416, 32 / 1392, 4) == (0.0225, 0.023)
    assert round_outwards(0.15, 0.17, 2) == (0.15, 0.17)  # on the grid: not widened by float error
    assert round_outwards(0.82615, 0.82615, 4) == (round(0.82615, 4),) * 2


@given(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 6))
def test_round_outwards_always_holds_the_range(a, b, places):
    from evidence.notebooks.builders import round_outwards

    low, high = sorted((a / 10_007, b / 10_007))
    shown_low, shown_high = round_outwards(low, high, places)
    if low != high:
        assert shown_low <= low + 1e-12 and high - 1e-12 <= shown_high


def test_published_pair_is_the_one_rule_of_intervals():
    from evidence.notebooks.builders import CensoredLow, bounds_text, published_pair

    assert published_pair(3, 12, "<5") == (3, 12)
    # a sum of three "<5" cells (3-12) reaching the threshold: its bounds are the publisher's, shown "3-12"
    assert published_pair("<5", 12, "<5", censored=True, low_value=3) == (3, 12)
    assert isinstance(published_pair("<5", 12, "<5", censored=True, low_value=3)[0], CensoredLow)
    # an exact 3 and a "<5" (4-7): the high bound would give the 3 back (7 - 4), withheld with the low one
    assert published_pair("<5", 7, "<5") == ("<5", "<5")
    assert published_pair("<5", "<5", "<5") == ("<5", "<5")
    # a small low bound beside a withheld high one: small, never x (which says both are at least the threshold)
    assert published_pair("<5", "x", "<5") == ("<5", "<5")
    assert published_pair("x", 20, "<5") == ("x", "x")  # withheld in one bound: withheld in both
    assert published_pair(20, "x", "<5") == ("x", "x")
    pairs = [(1541, 1541), (1541, 1550), (CensoredLow(3), 12), ("<5", "<5"), ("x", "x")]
    assert [bounds_text(p) for p in pairs] == [
        "1,541",
        "1,541–1,550",
        "up to 12",
        "<5",
        "x",
    ]
    assert bounds_text((None, None)) == "" and bounds_text((None, None), missing="n/a") == "n/a"


def test_a_withheld_end_beside_a_published_one_is_words_not_a_range():
    """``12–x`` said nothing a reader can use: a complement high end beside a published low one is "at least
    12"; beside a low end that is withheld, censored (below the threshold) or 0, only the label is known."""
    from evidence.notebooks.builders import CensoredLow, bounds_text

    assert bounds_text((12, "x")) == "at least 12" and bounds_text((1541, "x")) == "at least 1,541"
    assert bounds_text(("<5", "x")) == bounds_text((CensoredLow(3), "x")) == bounds_text((0, "x")) == "x"
    assert bounds_text(("x", "<5")) == bounds_text((0, "<5")) == "<5"  # a small high end: the range is small


_LOWS = st.one_of(
    st.just(0),
    st.integers(5, 50_000),  # a published count (protected: 0 or at least the threshold)
    st.integers(1, 4).map(CensoredLow),
    st.sampled_from(["<5", "x"]),
)


@given(low=_LOWS, high=st.one_of(st.just(0), st.integers(5, 60_000), st.sampled_from(["<5", "x"])))
def test_bounds_text_never_writes_a_withheld_end_in_a_range_nor_a_small_count(low, high):
    """Whatever the published pair, its text is a count, a range of two published counts, "up to N",
    "at least N" or a label: never a label inside a range ("12–x", "<5–x", "3–<5") nor a number below the
    threshold (the scan reads it as safe, in a table cell and in prose), and the "Up to" note of a table
    still says what its "up to" cells are."""
    from evidence.notebooks.builders import bounds_text
    from evidence.notebooks.views import censored_note
    from evidence.presentation.disclosure import find_small_counts

    assume(not (isinstance(low, int) and isinstance(high, int) and low > high))
    text = bounds_text((low, high))
    assert re.fullmatch(r"[\d,]+|[\d,]+–[\d,]+|up to [\d,]+|at least [\d,]+|<5|x", text), (low, high, text)
    assert find_small_counts(f"<table><tr><td>{text.replace('<', '&lt;')}</td></tr></table>", RULE) == []
    assert find_small_counts(f"<p>{text.replace('<', '&lt;')} victims</p>", RULE) == []
    note = censored_note(pl.DataFrame({"route": ["A"], "victims": [text]})) or ""
    assert ("“Up to”" in note) == text.startswith("up to")


# ------------------------------------------------------------- yearly tables and the publisher's censored cells


def _pinned_years(truth: list[int], reasons: list[str | None], known: list[bool]) -> list[int]:
    """The withheld years (not ``known``) that an attacker pins down in a one-way yearly table with its total
    (the last row): published and known cells are their values, a ``<5`` lies in 1..4, an ``x`` is at least
    5 and, as the smallest candidate, at most any published positive year."""
    rows = range(len(truth) - 1)
    public = [reasons[i] is None or known[i] for i in rows]
    rivals = [truth[i] for i in rows if reasons[i] is None and not known[i] and truth[i] > 0]
    bounds = {
        i: (1, RULE.threshold - 1) if reasons[i] == "small" else (RULE.threshold, min(rivals, default=10**9))
        for i in rows
        if not public[i]
    }
    if reasons[-1] is not None:  # the total withheld: no line to solve
        return [i for i, (lo, hi) in bounds.items() if lo == hi]
    rest = truth[-1] - sum(truth[i] for i in rows if public[i])
    pinned = []
    for i, (lo, hi) in bounds.items():
        others = [b for j, b in bounds.items() if j != i]
        low = max(lo, rest - sum(b[1] for b in others))
        high = min(hi, rest - sum(b[0] for b in others))
        if low == high:
            pinned.append(i)
    return pinned


def _mmr_detected(first: int | str) -> pl.DataFrame:
    """Myanmar's nationals in Thailand's citizenship breakdowns, 2018-2021: ``first`` in 2018 (``"<5"``, or a
    small count published exactly, as a file that publishes ``3``), then 40, 60 and 55."""
    from _indicator import breakdowns

    return breakdowns({"THA": {2018: first, 2019: 40, 2020: 60, 2021: 55}}, others=20)


def _audited(numbers, censored: list[bool]) -> None:
    """Both bounds' yearly tables: no withheld year pinned down, and no year of ``<5`` cells a complement."""
    counts = numbers.counts.sort("year")
    for table, bound in ((numbers.per_year.low, "count_low"), (numbers.per_year.high, "count_high")):
        truth = [*counts[bound].to_list(), int(counts[bound].sum())]
        reasons = table.reasons["victims"].to_list()
        known = [*censored, all(censored)]
        assert _pinned_years(truth, reasons, known) == [], bound
        assert not any(r == "complement" and k for r, k in zip(reasons, known, strict=True)), bound


def test_a_year_of_the_publishers_own_censored_cells_needs_no_complement():
    from evidence.analyses.intervals import UNCENSORED

    numbers = yearly_numbers(Selection(_mmr_detected("<5"), country="MMR", role="origin"), RULE)
    assert numbers.counts[UNCENSORED].to_list() == [0, 40, 60, 55]
    cells = numbers.per_year.cells("victims")
    # 2018 is one "<5" cell of Thailand's breakdown: shown as small, and the other years as published
    assert cells == [("<5", "<5"), (40, 40), (60, 60), (55, 55), (156, 159)]
    assert numbers.per_year.low.n_secondary == numbers.per_year.high.n_secondary == 0
    assert "x" not in numbers.per_year.shown()["victims"].to_list()
    # before, the same bounds protected as if 2018's 1 were a count of people cost a complement (the 40)
    frame = numbers.counts.select(pl.col("year").cast(pl.String), pl.col("count_low").alias("victims"))
    assert suppress_table(frame, "year", ["victims"], RULE).display()["victims"].to_list()[1] == "x"
    _audited(numbers, [True, False, False, False])
    # the chart draws the published years only, never the "<5"
    chart = numbers.chart_bounds()
    assert chart is not None and chart.frame["count_low"].to_list() == [None, 40, 60, 55]
    assert chart.frame["count_high"].is_null().to_list() == [True, False, False, False]
    # its note says the publisher withheld that year, not the toolkit (Singapore's chart said "6 values withheld
    # to protect small counts" of UNODC's own "<5" years, which the table beside it captions as UNODC's)
    subtitle = " ".join(_trend_subtitle(chart))
    assert "1 value the publisher gives only as small counts" in subtitle
    assert "withheld to protect" not in subtitle


def _trend_subtitle(chart) -> list[str]:
    from evidence.presentation.charts import chart_spec, trend_chart

    spec = chart_spec(
        trend_chart(
            chart, "year", "count_low", "count_low", "count_high", title="t", source="UNODC", rule=RULE
        )
    )
    return spec["title"]["subtitle"]


def test_an_exact_small_count_of_a_year_is_still_protected_with_a_complement():
    # a file that publishes "3": a count of people, withheld, with a complement so that the total does not give
    # it back; the same where the 3 is summed with a "<5" cell (an exact part: not the publisher's censoring)
    for first, rows in (("3", _mmr_detected(3)), ("3 and <5", _mixed())):
        numbers = yearly_numbers(Selection(rows, country="MMR", role="origin"), RULE)
        cells = numbers.per_year.cells("victims")
        assert cells[0] == ("<5", "<5") and ("x", "x") in cells[1:-1], first
        assert numbers.per_year.low.n_secondary >= 1, first
        _audited(numbers, [False] * 4)
        chart = numbers.chart_bounds()
        withheld = [i for i, cell in enumerate(cells[:-1]) if isinstance(cell[0], str)]
        assert chart is not None and chart.frame["count_low"].is_null().arg_true().to_list() == withheld
        subtitle = " ".join(_trend_subtitle(chart))
        assert f"{len(withheld)} values withheld to protect small counts" in subtitle, first
        assert "the publisher gives" not in subtitle, first


def _mixed() -> pl.DataFrame:
    """As :func:`_mmr_detected` with 3, and a "<5" of Myanmar's nationals in Malaysia's 2018 breakdown."""
    from _indicator import indicator_rows

    extra = indicator_rows([("MYS", 2018, "by citizenship", "MMR", "Total", "Total", "<5")])
    return pl.concat([_mmr_detected(3), extra])


def test_real_unodc_myanmar_as_origin_withholds_no_year_beside_the_publishers_own_censored_cells(unodc_2023):
    # the review: 2011 shown "x" beside the "<5" of 2007-2010, each one "<5" cell of another country's breakdown

    glotip = unodc_2023
    # Cambodia: 2015 and 2020 were withheld beside 2009, 2010 and 2021. Myanmar and Cambodia have no steady
    # reporters' panel since a panel counts only contributing reporters; Thailand's panel table is checked
    for country in ("MMR", "KHM", "THA"):
        numbers = yearly_numbers(Selection(glotip, country=country, role="origin"), RULE)
        assert numbers.per_year is not None
        assert (numbers.panel is not None) == (country == "THA"), country
        panel = () if numbers.panel is None else (numbers.panel.per_year,)
        assert None not in panel
        for bounds in (numbers.per_year, *panel):
            assert bounds.low.n_secondary == bounds.high.n_secondary == 0, country
            assert ("x", "x") not in bounds.cells("victims"), country
    numbers = yearly_numbers(Selection(glotip, country="MMR", role="origin"), RULE)
    cells = dict(
        zip(numbers.per_year.low.frame["year"].to_list(), numbers.per_year.cells("victims"), strict=True)
    )
    assert [cells[str(y)] for y in range(2007, 2011)] == [("<5", "<5")] * 4 and cells["2011"] == (59, 59)
    chart = numbers.chart_bounds()
    assert chart is not None
    drawn = dict(zip(chart.frame["year"].to_list(), chart.frame["count_low"].to_list(), strict=True))
    assert [drawn[y] for y in range(2007, 2012)] == [None, None, None, None, 59]


def test_route_tables_name_the_citizenships_not_mapped_to_a_country(tmp_path):
    """The review: Rohingya victims merged into "unknown or stateless" and never named."""
    from evidence.notebooks.builders import unmapped_origins_line
    from evidence.presentation.disclosure import DisclosureRule, find_small_counts

    rows = [
        ("Myanmar", "60"),
        ("Rohingya", "148"),
        ("Rohingya", "<5"),
        ("<b>Atlantis*</b>", "3"),
        ("Unknown", "9"),
    ]
    selection = Selection(_glotip(tmp_path, rows), country="THA", role="destination")
    line = unmapped_origins_line(selection, RULE)
    # the file's text quoted, its count after a colon: where the label ends is seen ("without 25", "97 albanian
    # 43" and "OTROS 45" ran label and count together)
    assert line is not None and (
        '“<span data-kind="label">Rohingya</span>” (a stateless group: no country of citizenship): 149–152'
        in line
    )
    assert "Unknown" not in line  # the publisher's own unknown is no text to map
    assert "<b>" not in line and "\\<b\\>Atlantis\\*" in line  # the file's text, escaped
    # an exact 3 below the threshold is withheld, said in words (a sentence has no legend for "<5")
    assert 'Atlantis\\*\\</b\\></span>”: fewer than <span data-kind="parameter">5</span> (2020)' in line
    assert find_small_counts(line.replace("\\<5", "")) == []
    # a censored <5 alone stays <5; a higher threshold withholds the same way
    only = Selection(
        _glotip(tmp_path, [("Rohingya", "<5"), ("Myanmar", "20")]), country="THA", role="destination"
    )
    assert (
        'Rohingya</span>” (a stateless group: no country of citizenship): fewer than <span data-kind="parameter">'
        "5</span>" in (unmapped_origins_line(only, RULE) or "")
    )
    assert 'fewer than <span data-kind="parameter">11</span>' in (
        unmapped_origins_line(selection, DisclosureRule(11)) or ""
    )
    assert unmapped_origins_line(Selection(selection.table, country="MMR", role="origin"), RULE) is None


def test_digits_in_a_category_of_the_data_do_not_stop_a_brief_and_counts_are_still_scanned(tmp_path):
    """The review (finding 12): a citizenship "<img src=x onerror=alert(2)>" (7 victims) stopped the brief,
    its "2" read as a count of people; a later GLOTIP category such as "Q6.1_10s_2019" would too."""
    from evidence.briefs.builtin import markdown_to_html
    from evidence.notebooks.builders import unmapped_origins_line
    from evidence.presentation.disclosure import find_small_counts

    rows = [("Myanmar", "60"), ("<img src=x onerror=alert(2)>", "7"), ("Q6.1_10s_2019", "12")]
    line = unmapped_origins_line(Selection(_glotip(tmp_path, rows), country="THA", role="destination"), RULE)
    assert line is not None
    page = markdown_to_html(line)
    assert "<img" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    assert find_small_counts(page) == []
    # only the names are labels: a small count beside one is still caught
    assert [h.value for h in find_small_counts(page.replace("</span>”: 12", "</span>”: 3"))] == [3]


def test_real_thailand_route_table_names_the_rohingya(unodc_2023):
    from evidence.notebooks.builders import unmapped_origins_line

    glotip = unodc_2023
    line = unmapped_origins_line(Selection(glotip, country="THA", role="destination"), RULE)
    assert line is not None and (
        '“<span data-kind="label">Rohingya</span>” (a stateless group: no country of citizenship): 202–205'
        in line
    )


def test_real_citizenship_texts_naming_no_country_are_quoted_apart_from_their_counts(unodc_2023):
    """world29's reader: "without 25 (2017)", "97 albanian 43 (2019)", "OTROS 45" and "Central africa <5" ran
    the publisher's text into its count; quoted, with a colon before the count, the label's end is seen."""
    import re

    from evidence.notebooks.builders import unmapped_origins_line

    glotip = unodc_2023
    for country, text, count in [
        ("DEU", "without", "25"),
        ("ALB", "97 albanian", "43"),
        ("ARG", "OTROS", "45"),
        ("NGA", "Central africa", "fewer than 5"),  # withheld: in words, in a sentence
    ]:
        line = unmapped_origins_line(Selection(glotip, country=country, role="destination"), RULE) or ""
        plain = re.sub(r"<span[^>]*>|</span>", "", line)
        assert f"“{text}”: {count} (" in plain, (country, plain)


def test_real_myanmar_route_table_shows_china_as_repatriation_not_a_domestic_route(unodc_2023):
    from evidence.notebooks.builders import route_notes, route_numbers

    glotip = unodc_2023
    numbers = route_numbers(Selection(glotip, country="MMR", role="origin"), RULE)
    rows = {r["route"]: r["victims"] for r in numbers.rows()}
    assert rows["Myanmar → China (repatriated from China, counted by Myanmar, 2017–2021)"] == (814, 817)
    assert rows["Myanmar → Myanmar (exploited at home, by the repatriation breakdown, 2020)"] == (78, 78)
    # the own nationals not shown exploited abroad: domestic (no longer 1,273, the whole own-nationals count),
    # less the published subtotals "Abroad": exact (REVIEW5 M1; the countries' <5 cells gave 263-271)
    assert rows["Myanmar → Myanmar"] == (271, 271)
    assert rows["Nationals of Myanmar repatriated from abroad, country not stated"] == (74, 81)
    # the total is the cells' (REVIEW2 #5: the per-year table's 3,987-4,029); the rows' ranges, each right on
    # its own, add up wider (the rest is the count less the other parts), and hold it
    total = rows.pop("Sum of the citizenship breakdown")
    assert total == (3987, 4029)
    low, high = (sum(v[i] for v in rows.values()) for i in (0, 1))
    assert (low, high) == (3980, 4044) and low <= total[0] <= total[1] <= high
    notes = route_notes(Selection(glotip, country="MMR", role="origin"), RULE)
    assert any(
        n.startswith("The sum of the citizenship breakdown is that of the published cells") for n in notes
    )
    assert ("MMR", "CHN") in set(numbers.chart_data().select("origin_iso3", "destination_iso3").rows())


def test_a_sum_of_censored_categories_is_its_interval_never_re_censored():
    """Myanmar 2014 (the review): 0-17 "<5" and 18+ "<5" beside a total of 309; their sum was shown "<5",
    though it can be 2 to 8. Shown "2–8" and marked as the publisher's bounds (not a count of people); a sum
    with an exact part is not such an interval."""
    from _indicator import indicator_rows

    rows = [
        # (a total of 30: beside Myanmar's 309 the two <5 cells are a placeholder, PLACEHOLDER_SHARE)
        ("THA", 2014, "Total", "Total", "Total", "Total", 30),
        ("THA", 2014, "Total", "Total", "Total", "0 to 17 years", "<5"),
        ("THA", 2014, "Total", "Total", "Total", "18 years or over", "<5"),
        ("THA", 2015, "Total", "Total", "Total", "Total", 100),
        ("THA", 2015, "Total", "Total", "Total", "0 to 17 years", 40),
        ("THA", 2015, "Total", "Total", "Total", "18 years or over", "<5"),
    ]
    numbers = yearly_numbers(
        Selection(indicator_rows(rows), country="THA", role="destination"), RULE, by="age"
    )
    table = numbers.by_category
    assert table is not None
    shown = {r["year"]: r for r in table.shown().iter_rows(named=True)}
    assert shown["2014"]["Sum of categories"] == "up to 8"
    assert shown["2014"]["0 to 17 years"] == "<5"  # one censored cell: as published
    assert shown["2015"]["Sum of categories"] == "41–44"
    kinds = table.kinds()["Sum of categories"]
    assert kinds[0] == "censored" and kinds[1] is None
    assert all(k is None for k in table.kinds().get("0 to 17 years", [None]))
    # the brief's table marks the interval, so the disclosure scan does not read its 2 as people
    from evidence.presentation.disclosure import find_small_counts
    from evidence.presentation.tables import table_data

    html = table_data(table.shown(), kinds={"Sum of categories": kinds}).to_html()
    assert 'data-kind="censored" style="text-align:right">up to 8<' in html and not find_small_counts(
        html, RULE
    )
    # a censored cell is checked as strictly as people: its low end printed (2–8) is a small count to the scan
    assert find_small_counts(html.replace(">up to 8<", ">2–8<"), RULE)


def test_real_unodc_sums_of_censored_cells_are_intervals(unodc_2023):
    loaded = unodc_2023
    mmr = yearly_numbers(Selection(loaded, country="MMR", role="destination"), RULE, by="age").by_category
    assert mmr is not None
    row = {r["year"]: r for r in mmr.shown().iter_rows(named=True)}["2014"]
    # "<5 | <5" beside 309 victims: the publisher's placeholder (REVIEW5 M6), noted, its cells empty
    assert row["note"] == "breakdown not usable (placeholder values)" and row["0 to 17 years"] == ""
    for frame in (mmr.shown(),):
        assert not any(str(v).startswith("<5–") for c in frame.columns for v in frame[c].to_list())


def test_a_year_of_censored_cells_only_is_an_interval_in_the_table_and_not_drawn(unodc_2023):
    """The United States' nationals detected abroad (UNODC, role origin): years of two or three other
    countries' "<5" cells are 2–8 or 3–12 in the table (marked as bounds); the chart draws no line at 2."""
    from evidence.presentation.charts import trend_chart

    loaded = unodc_2023
    numbers = yearly_numbers(Selection(loaded, country="USA", role="origin"), RULE)
    assert numbers.per_year is not None
    shown = numbers.per_year.shown()["victims"].to_list()
    kinds = numbers.per_year.kinds()["victims"]
    intervals = [v for v, k in zip(shown, kinds, strict=True) if k == "censored"]
    assert intervals and all(v.startswith("up to ") and int(v.removeprefix("up to ")) >= 5 for v in intervals)
    assert not any(v.startswith("<5–") for v in shown)
    chart = numbers.chart_bounds()
    assert chart is not None
    trend_chart(chart, "year", "count_low", "count_low", "count_high", title="t", source="UNODC", rule=RULE)


def test_real_route_notes_say_what_the_route_table_counts_and_leaves_out(unodc_2023):
    from evidence.notebooks.builders import route_notes
    from evidence.presentation.disclosure import find_small_counts

    glotip = unodc_2023
    thailand = route_notes(Selection(glotip, country="THA", role="destination"), RULE)
    assert any("domestic trafficking as UNODC defines it" in n for n in thailand)
    # as destination, its nationals repatriated from abroad (2020: 59) are left out, and said to be
    assert any(n.startswith("Left out here: 59 nationals of Thailand") and "(2020)" in n for n in thailand)
    assert not any(
        "Left out" in n for n in route_notes(Selection(glotip, country="THA", role="origin"), RULE)
    )
    # Myanmar 2015-2016: a doubtful breakdown, with its caveat
    myanmar = route_notes(Selection(glotip, country="MMR", role="destination"), RULE)
    assert any(n.startswith("Doubtful citizenship breakdowns (Myanmar 2015–2016)") for n in myanmar)
    # Russia: a repatriation breakdown held and not used is said, with why
    russia = route_notes(Selection(glotip, country="RUS", role="destination"), RULE)
    unused = [n for n in russia if n.startswith("Not used:")]
    assert unused and "lists countries only" in unused[0] and "2010–2016" in unused[0]
    for note in thailand + myanmar + russia:
        assert find_small_counts(note) == [], note
    numbers = route_numbers_of(glotip, "MMR")
    rows = {r["route"] for r in numbers.rows()}
    assert any(r.startswith("China → Myanmar (doubtful") for r in rows) and "China → Myanmar" not in rows
    # a doubtful cell is never drawn as a route (a bar or a line cannot carry its caveat)
    assert "CHN" not in numbers.chart_data()["origin_iso3"].to_list()


def test_real_route_notes_say_a_withheld_count_in_words(unodc_2023):
    """A route note is a sentence: a count it withholds is said in words ("Left out here: fewer than 100 nationals
    of Thailand"), not as a table's label ("<100 nationals"), which no legend under prose explains."""
    from evidence.notebooks.builders import route_notes

    glotip = unodc_2023
    rule = DisclosureRule(100)  # Thailand's 59 nationals repatriated from abroad (2020) withheld
    selection = Selection(glotip, country="THA", role="destination")
    for markdown in (False, True):
        notes = [re.sub(r"</?span[^>]*>", "", n) for n in route_notes(selection, rule, markdown=markdown)]
        assert any(n.startswith("Left out here: fewer than 100 nationals of Thailand") for n in notes), notes
        assert not any(re.search(r"\\?<100|\bx\b", n) for n in notes), notes


def test_real_route_notes_give_a_censored_sum_as_its_interval(unodc_2023):
    # REVIEW2 #4: Cambodia's unused repatriation breakdown is four "<5" cells (Viet Nam 2012, 2014, 2016;
    # Moldova 2016): 4-16 victims, not "<5-16" (and not "<11-16" at threshold 11)
    from evidence.notebooks.builders import route_notes
    from evidence.presentation.disclosure import find_small_counts

    glotip = unodc_2023
    cambodia = Selection(glotip, country="KHM", role="origin")
    sentence = "by country of repatriation (2012, 2014 and 2016; {} victims)"
    for rule in (RULE, DisclosureRule(11)):
        plain = [n for n in route_notes(cambodia, rule) if n.startswith("Not used:")]
        assert len(plain) == 1 and sentence.format("up to 16") in plain[0], plain
        markdown = [n for n in route_notes(cambodia, rule, markdown=True) if n.startswith("Not used:")]
        # the interval marked as the publisher's censored cells, the rest escaped
        assert sentence.format('<span data-kind="censored">up to 16</span>') in markdown[0]
        assert "UNODC\\'s breakdown" in markdown[0]
        assert find_small_counts(markdown[0], rule) == []
    # a country whose name takes the article has it mid-sentence
    usa = route_notes(Selection(glotip, country="USA", role="destination"), RULE)
    assert any("nationals of the United States detected by its own authorities" in n for n in usa)
    assert not any("of United States" in n or "victims United States" in n for n in usa)


def route_numbers_of(glotip, country: str):
    from evidence.notebooks.builders import route_numbers

    return route_numbers(Selection(glotip, country=country, role="destination"), RULE)


def test_a_withheld_year_of_an_overlapping_category_is_not_given_back_by_its_total(ctdc_sample):
    """The third review: the United States' forced labour by year (CTDC k-anonymised) withheld 2018 alone in
    its column, while the profile of forms publishes forced labour over all years (173): 173 less the other
    years gave it back. Each column now has at least two withheld years, or none."""
    from evidence.notebooks.builders import _columns_with_their_totals

    counts = pl.DataFrame(
        {
            "year": ["2015", "2016", "2017", "2018", "2019"],
            "Forced labour": [11, 0, 0, 3, 155],
            "Other": [9] * 5,
        }
    )
    table = _columns_with_their_totals(counts, ["Forced labour", "Other"], RULE, None)
    assert table.frame["Forced labour"].to_list() == [None, 0, 0, None, 155]  # 11: the complement of 3
    assert table.reasons["Forced labour"].to_list() == ["complement", None, None, "small", None]
    assert table.frame["Other"].to_list() == [9] * 5 and table.n_secondary == 1
    # every country of the real release, cell-keyed: no column of years with a single withheld year
    cases = ctdc_sample
    countries = cases.data["destination_iso3"].drop_nulls().unique().sort().to_list()
    for country in countries:
        numbers = yearly_numbers(Selection(cases, country=country, role="destination"), RULE, by="form")
        if numbers.by_category is None:
            continue
        low = numbers.by_category.low
        for column in low.count_columns:
            assert sum(low.frame[f"{column}_suppressed"].to_list()) != 1, (country, column)


# ------------------------------------------------------------- UNODC breakdowns: the years without them


def _gappy(
    totals: dict[int, int | str], forms: dict[int, int | str], ages: dict[int, int | str] | None = None
):
    """Thailand's rows: a total per year of ``totals``; each form at ``forms[year]``; ages likewise."""
    from _indicator import indicator_rows

    rows = [("THA", y, "Total", "Total", "Total", "Total", n) for y, n in totals.items()]
    for year, n in forms.items():
        rows += [
            ("THA", year, "by form of exploitation", f, "Total", "Total", n)
            for f in ("Forced labour", "Sexual exploitation")
        ]
    for year, n in (ages or {}).items():
        rows += [
            ("THA", year, "Total", "Total", "Total", a, n) for a in ("0 to 17 years", "18 years or over")
        ]
    return indicator_rows(rows)


def _numbers(frame, by, span=None, rule=RULE):
    from evidence.notebooks.builders import yearly_numbers

    return yearly_numbers(Selection(frame, country="THA", role="destination"), rule, by=by, span=span)


def test_years_of_the_span_without_a_breakdown_are_rows_noted_not_published():
    """The by-dimension tables of UNODC said nothing of a year of the total only, nor of the span's years
    without the breakdown: now a year of the total only is a row noted "no breakdown published" (empty cells,
    never 0, not withheld), and the years with neither the total nor the breakdown are named in the note, not
    rows (review 4: Cambodia's tables were mostly empty rows)."""
    from evidence.notebooks.builders import (
        NO_BREAKDOWN_PUBLISHED,
        NO_TOTAL_PUBLISHED,
        no_breakdown_note,
        no_breakdown_years,
    )

    # totals 2010 and 2012; forms 2010 and 2013 (one without a total); nothing in 2011 or 2014
    frame = _gappy({2010: 300, 2012: 120}, {2010: 100, 2013: "<5"})
    numbers = _numbers(frame, "form", span=(2010, 2014))
    shown = numbers.by_category.shown()
    rows = {r["year"]: r for r in shown.iter_rows(named=True)}
    assert list(rows) == ["2010", "2012", "2013"]
    # 2013: the forms without a total, noted so (since the trends audit of Japan's 2004-2006)
    assert {y: r["note"] for y, r in rows.items()} == {
        "2010": "",
        "2012": NO_BREAKDOWN_PUBLISHED,
        "2013": NO_TOTAL_PUBLISHED,
    }
    assert rows["2012"]["Forced labour"] == "" and rows["2012"]["Published total"] == "120"
    assert rows["2013"]["Forced labour"] == "<5" and rows["2010"]["Forced labour"] == "100"
    # not withheld: no reason on the noted row, the disclosure counts of the table unchanged
    plain = _numbers(frame, "form")
    for bound in ("low", "high"):
        table, before = getattr(numbers.by_category, bound), getattr(plain.by_category, bound)
        assert (table.n_primary, table.n_secondary) == (before.n_primary, before.n_secondary)
        noted = table.frame["year"].to_list().index("2012")
        assert all(table.reasons[c][noted] is None for c in table.reasons.columns)
    assert no_breakdown_years(numbers) == ([2012], [2011, 2014])
    assert no_breakdown_note(numbers) == (
        "No breakdown published: UNODC gives the total of these victims in 2012 but not their breakdown by form "
        "of exploitation; those cells are empty, not a count of 0 and not withheld. No total published: UNODC "
        "gives the breakdown by form of exploitation of these victims in 2013 but not their total; that cell is "
        "empty, not a count of 0 and not withheld. UNODC gives neither the "
        "total of these victims nor their breakdown by form of exploitation in 2011 and 2014: those years are not "
        "rows of this table."
    )
    # every year with the breakdown: no note column, no note
    full = _numbers(_gappy({2010: 300, 2011: 200}, {2010: 100, 2011: 90}), "form", span=(2010, 2011))
    assert "note" not in full.by_category.low.frame.columns and no_breakdown_note(full) is None


def test_the_brief_shows_a_breakdowns_missing_years_in_its_table_and_note(monkeypatch):
    """The table as the brief shows it: the Note column, the rows and the note under it."""
    from evidence.notebooks import views

    shown: list = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: shown.extend(objs))
    numbers = _numbers(_gappy({2010: 300, 2012: 120}, {2010: 100, 2013: 50}), "form", span=(2010, 2014))
    views.show_dimension_section(numbers, place="Thailand", source="UNODC")
    text = " ".join(str(o.get("text/markdown", "")) for o in shown if isinstance(o, dict))
    assert "| Year | Note |" in text
    assert "| 2011 |" not in text and "| 2014 |" not in text  # neither total nor breakdown: in the note
    assert "| 2010 |  | 100 |" in text
    assert "nor their breakdown by form of exploitation in 2011 and 2014" in text
    assert "| 2012 | no breakdown published |" in text
    assert "No breakdown published: UNODC gives the total of these victims in 2012 but not" in text


@given(
    totals=st.sets(st.integers(2010, 2019), max_size=10),
    forms=st.sets(st.integers(2010, 2019), min_size=1, max_size=10),
)
def test_a_breakdown_table_has_every_year_of_the_span_and_notes_exactly_those_without_it(totals, forms):
    """The rule always holds: a row for every year of the total or the breakdown, noted exactly where the
    breakdown is not (a row that never shows a number of its breakdown); every other year of the span named in
    the note; the years of the breakdown without the total are exactly those the total lacks."""
    from evidence.notebooks.builders import (
        NO_BREAKDOWN_PUBLISHED,
        breakdown_without_total_years,
        no_breakdown_years,
    )

    frame = _gappy({y: 40 + y % 7 for y in totals}, {y: 20 + y % 3 for y in forms})
    numbers = _numbers(frame, "form", span=(2010, 2019))
    shown = numbers.by_category.shown()
    held = sorted(totals | forms)
    assert shown["year"].to_list() == [str(y) for y in held]
    notes = shown["note"].to_list() if "note" in shown.columns else [""] * len(held)
    for year, note, row in zip(held, notes, shown.iter_rows(named=True), strict=True):
        assert (note == NO_BREAKDOWN_PUBLISHED) == (year not in forms)
        if year not in forms:
            assert row["Forced labour"] == row["Sexual exploitation"] == ""
    total_only, nothing = no_breakdown_years(numbers)
    assert total_only == sorted(totals - forms)
    assert nothing == sorted(set(range(2010, 2020)) - totals - forms)
    assert breakdown_without_total_years(numbers) == sorted(forms - totals)


def test_the_years_of_each_breakdown_published_without_a_total():
    """Lao PDR's case, small: ages 2012–2013 and forms 2017–2018 without a total; a breakdown with its total
    (sex) has none. (The brief says them in the note under its table of victims per year, once.)"""
    from evidence.notebooks.builders import breakdown_without_total_years

    frame = _gappy(  # totals of a few dozen: "<5" cells are counts, not placeholders (PLACEHOLDER_SHARE)
        {2010: 60, 2011: 40}, {2010: 50, 2017: "<5", 2018: "<5"}, {2010: 25, 2012: "<5", 2013: 9}
    )
    forms, ages = _numbers(frame, "form"), _numbers(frame, "age")
    assert breakdown_without_total_years(forms) == [2017, 2018]
    assert breakdown_without_total_years(ages) == [2012, 2013]
    assert breakdown_without_total_years(_numbers(_gappy({2010: 300}, {2010: 40}), "form")) == []


def test_the_note_on_a_breakdowns_missing_years_says_only_what_applies():
    from evidence.notebooks.builders import no_breakdown_note

    total_only = _numbers(_gappy({2010: 300, 2011: 200}, {2010: 100}), "form", span=(2010, 2011))
    assert no_breakdown_note(total_only) == (
        "No breakdown published: UNODC gives the total of these victims in 2011 but not their breakdown by form "
        "of exploitation; those cells are empty, not a count of 0 and not withheld."
    )
    nothing = _numbers(_gappy({2010: 300}, {2010: 100}), "form", span=(2010, 2012))
    assert no_breakdown_note(nothing) == (
        "UNODC gives neither the total of these victims nor their breakdown by form of exploitation in "
        "2011–2012: those years are not rows of this table."
    )


def test_an_empty_category_in_a_year_with_its_breakdown_is_said_not_published():
    """Review 4, finding 9: a year whose breakdown leaves out one category (Cambodia's "Other forms" of 2007)
    showed an empty cell nothing explained; a withheld cell or a year without the breakdown does not count."""
    from _indicator import indicator_rows

    from evidence.notebooks.builders import no_breakdown_note

    said = "An empty cell in a row with other figures: UNODC gives no figure for that category in that year"
    rows = [("THA", y, "Total", "Total", "Total", "Total", 300) for y in (2010, 2011)]
    rows += [
        ("THA", 2010, "by form of exploitation", f, "Total", "Total", 100)
        for f in ("Forced labour", "Sexual exploitation")
    ]
    rows += [("THA", 2011, "by form of exploitation", "Forced labour", "Total", "Total", 90)]
    gap = _numbers(indicator_rows(rows), "form", span=(2010, 2011))
    assert gap.by_category.shown()["Sexual exploitation"].to_list()[1] == ""
    assert said in no_breakdown_note(gap)
    full = _numbers(_gappy({2010: 300, 2011: 20}, {2010: 100, 2011: "<5"}), "form", span=(2010, 2011))
    assert no_breakdown_note(full) is None  # <5 is published, not empty
    total_only = _numbers(_gappy({2010: 300, 2011: 200}, {2010: 100}), "form", span=(2010, 2011))
    assert said not in no_breakdown_note(total_only)  # that row is noted "no breakdown published"


def test_a_list_of_countries_in_a_sentence_gives_the_netherlands_its_the():
    # review 5, m6: "(Nigeria, Norway, Netherlands, …)" read as a sentence lacks "the"
    from _indicator import coming_and_going

    from evidence.notebooks.builders import panel_sentence, yearly_numbers

    rows = coming_and_going("NLD")
    described = panel_sentence(yearly_numbers(Selection(rows, country="MMR", role="origin"), RULE))
    assert "(Japan and the Netherlands; " in described


def test_incomplete_years_with_one_reason_are_said_once():
    """REVIEW5 M4: Cambodia's nationals had six bullets saying "no full citizenship breakdown from Malaysia"."""
    from evidence.analyses.trends import IncompleteYear
    from evidence.notebooks.builders import incomplete_lines

    malaysia = "no full citizenship breakdown from Malaysia, which detects about 36% of these nationals"
    flags = [
        IncompleteYear(y, f"{y}", None, None, shared=malaysia) for y in (2021, 2020, 2019, 2013, 2012, 2011)
    ]
    flags.append(IncompleteYear(2009, "no full citizenship breakdown from Thailand_", None, None))
    assert incomplete_lines(flags) == [
        f"- **2011–2013 and 2019–2021** are probably incomplete: {malaysia}.",
        "- **2009** is probably incomplete: no full citizenship breakdown from Thailand\\_.",
    ]


def test_flagged_years_are_said_as_what_they_are_incomplete_or_not_comparable():
    """The years of a change in what is counted are not comparable with the other years, not "probably
    incomplete"; a year two rules flag is both; years of one reason are said once, with what they are."""
    from evidence.analyses.trends import IncompleteYear
    from evidence.notebooks.builders import incomplete_lines

    changed = "a change in what is reported: up to 2012 the United States counted almost none"
    flags = [IncompleteYear(y, changed, None, None, kinds=("not_comparable",)) for y in (2012, 2011, 2010)]
    flags.append(IncompleteYear(2021, "final year of the release", None, None))
    flags.append(IncompleteYear(2009, "both", None, None, kinds=("incomplete", "not_comparable")))
    assert incomplete_lines(flags) == [
        "- **2021** is probably incomplete: final year of the release.",
        f"- **2010–2012** are not comparable with the other years: {changed}.",
        "- **2009** is probably incomplete and not comparable with the other years: both.",
    ]


def test_the_united_states_total_before_2013_is_noted_and_said_as_not_comparable(unodc_2023):
    """The United States' 2007-2012 (its total before it counted its own nationals) were noted "probably
    incomplete" in the table, the bullet and the chart; they are not comparable with the later years. The
    models read 2013-2021 as before: "9 comparable years", never "complete" beside years never called short."""
    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import gap_reasons, incomplete_lines, trend_sentence, yearly_numbers
    from evidence.presentation.disclosure import DisclosureRule

    table = unodc_2023
    numbers = yearly_numbers(Selection(table, country="USA", role="destination"), DisclosureRule(5))
    assert numbers.flagged == list(range(2012, 2006, -1))
    notes = gap_reasons(numbers.per_year)
    assert {notes[y] for y in range(2007, 2013)} == {"not comparable with the other years"}
    assert "probably incomplete" not in numbers.per_year.low.frame["note"].to_list()
    assert numbers.flagged_words == "not comparable with the other years"
    (line,) = incomplete_lines(numbers.incomplete)
    assert line.startswith("- **2007–2012** are not comparable with the other years: a change in what is")
    models = numbers.models()
    assert models.rate_ratio is not None and models.rate_ratio.years == tuple(range(2013, 2022))
    assert models.flag_kinds == ("not_comparable",)
    text = re.sub(r"<[^>]+>", "", trend_sentence(models, noun="detected victims"))
    assert "9 comparable years" in text and "complete years" not in text


def test_a_sum_without_complete_years_or_steady_reporters_says_why_it_has_no_trend():
    """REVIEW5 M4: with no steady reporters' panel (one country reports every year), the brief says so."""
    from _indicator import breakdowns

    from evidence.notebooks.builders import no_panel_sentence

    years = range(2010, 2022)
    table = {
        "THA": dict.fromkeys(years, 200),
        "MYS": {y: 120 if y % 3 == 0 else None for y in years},  # a third, every third year
    }
    numbers = yearly_numbers(Selection(breakdowns(table), country="MMR", role="origin"), RULE)
    assert numbers.panel is None and numbers.models().rate_ratio is None
    assert "no two countries published" in no_panel_sentence(numbers)
    steady = {"THA": dict.fromkeys(years, 200), "MYS": dict.fromkeys(years, 120)}
    assert (
        no_panel_sentence(yearly_numbers(Selection(breakdowns(steady), country="MMR", role="origin"), RULE))
        == ""
    )


def _placeholder_rows(small_total: int = 1206) -> list[tuple]:
    """Viet Nam (2023 release): ages "<5 | <5" beside totals of hundreds (2012), forms all "<5" without a total
    (2017-2018); a real breakdown (2011, 2016) and totals in the other years."""
    rows = [
        ("VNM", y, "Total", "Total", "Total", "Total", n)
        for y, n in ((2011, 821), (2012, small_total), (2016, 900))
    ]
    rows += [
        ("VNM", 2011, "Total", "Total", "Total", "0 to 17 years", 300),
        ("VNM", 2011, "Total", "Total", "Total", "18 years or over", 500),
        ("VNM", 2012, "Total", "Total", "Total", "0 to 17 years", "<5"),
        ("VNM", 2012, "Total", "Total", "Total", "18 years or over", "<5"),
        ("VNM", 2016, "by form of exploitation", "Sexual exploitation", "Total", "Total", 600),
    ]
    for year in (2017, 2018):
        for form in ("Sexual exploitation", "Forced labour", "Other forms of exploitation"):
            rows.append(("VNM", year, "by form of exploitation", form, "Total", "Total", "<5"))
    return rows


def test_a_breakdown_of_placeholder_values_is_noted_and_not_used():
    """REVIEW5 M6: Viet Nam's ages of 2012-2015 ("<5 | <5" against 1,206 ...) and its forms of 2017-2020 (all "<5",
    no total) are the publisher's placeholders, not counts."""
    from _indicator import indicator_rows

    from evidence.notebooks.builders import PLACEHOLDER_BREAKDOWN, no_breakdown_note

    table = indicator_rows(_placeholder_rows())
    ages = yearly_numbers(Selection(table, country="VNM", role="destination"), RULE, by="age")
    assert ages.placeholder == (2012,)
    assert ages.by_counts is not None and 2012 not in set(ages.by_counts["year"].to_list())  # charts, shares
    shown = {r["year"]: r for r in ages.by_category.shown().iter_rows(named=True)}  # type: ignore[union-attr]
    assert shown["2012"]["note"] == PLACEHOLDER_BREAKDOWN
    assert shown["2012"]["0 to 17 years"] in (None, "") and shown["2011"]["0 to 17 years"] == "300"
    assert "placeholder values" in (no_breakdown_note(ages) or "")
    forms = yearly_numbers(Selection(table, country="VNM", role="destination"), RULE, by="form")
    assert forms.placeholder == (2017, 2018)  # at most 12 a year, against totals of 821-1,206
    assert {r["year"] for r in forms.by_category.shown().iter_rows(named=True)} >= {"2017", "2018"}  # type: ignore[union-attr]
    from evidence.notebooks.builders import breakdown_without_total_years

    assert not breakdown_without_total_years(forms)  # no "published by form but no total" sentence


def test_a_small_countrys_censored_breakdown_stays_a_count():
    """A country that truly detects a few victims: its "<5" cells are counts, not placeholders."""
    from _indicator import indicator_rows

    rows = [r for r in _placeholder_rows(small_total=7) if not (r[1] in (2011, 2016))]
    ages = yearly_numbers(Selection(indicator_rows(rows), country="VNM", role="destination"), RULE, by="age")
    assert ages.placeholder == ()
    # the all-"<5" forms without a total: one reference year of 7 victims, nothing says they are many
    forms = yearly_numbers(
        Selection(indicator_rows(rows), country="VNM", role="destination"), RULE, by="form"
    )
    assert forms.placeholder == ()


@given(cells=st.lists(st.integers(1, 4), min_size=1, max_size=4), total=st.integers(0, 2000))
def test_a_placeholder_year_never_holds_an_exact_cell_and_is_always_far_below_its_total(cells, total):
    from evidence.notebooks.builders import PLACEHOLDER_SHARE, placeholder_years

    by_counts = pl.DataFrame(
        {
            "year": [2012] * (len(cells) + 1),
            "age": [f"c{i}" for i in range(len(cells) + 1)],
            "count_low": [1] * len(cells) + [cells[0]],
            "count_high": [4] * len(cells) + [cells[0]],
        }
    )
    counts = pl.DataFrame({"year": [2012], "count_low": [total]})
    assert placeholder_years(counts, by_counts) == []  # an exact cell: a real breakdown
    censored = by_counts.head(len(cells))
    found = placeholder_years(counts, censored)
    assert (found == [2012]) == (len(cells) >= 2 and 4 * len(cells) < PLACEHOLDER_SHARE * total)


def test_real_placeholder_breakdowns_are_found(unodc_2023):
    table = unodc_2023
    found = {}
    for country in ("VNM", "MMR", "KHM", "THA"):
        for by in ("form", "age", "sex"):
            numbers = yearly_numbers(Selection(table, country=country, role="destination"), RULE, by=by)
            if numbers.placeholder:
                found[(country, by)] = numbers.placeholder
    assert found == {
        ("VNM", "form"): (2017, 2018, 2019, 2020),
        ("VNM", "age"): (2012, 2013, 2014, 2015),
        ("MMR", "age"): (2014,),
    }  # Cambodia publishes no total: its all-"<5" forms of 2017-2020 stay as published


def test_a_mis_encoded_citizenship_is_said_to_be_never_printed_as_is(tmp_path):
    """REVIEW5 m8: "Personnes de nationalit\ufffd \ufffdtrang\ufffdre" reached the brief verbatim, as an unknown origin."""
    from evidence.notebooks.builders import unmapped_origins_line

    rows = [
        ("Myanmar", "60"),
        ("Personnes de nationalit\ufffd \ufffdtrang\ufffdre", "254"),
        ("Atl\ufffdntida", "12"),
    ]
    line = (
        unmapped_origins_line(Selection(_glotip(tmp_path, rows), country="THA", role="destination"), RULE)
        or ""
    )
    assert "\ufffd" not in line
    assert "Personnes de nationalité étrangère" in line and "repaired" in line
    assert "foreign nationals, citizenship not stated" in line
    assert "Atl?ntida" in line and "mis-encoded in the file" in line


def _myanmar_both_ways() -> pl.DataFrame:
    from _indicator import indicator_row

    from evidence.sources.indicator_schema import INDICATOR_SCHEMA

    repatriation = "by country of repatriation"
    rows = [
        indicator_row("MMR", 2017, "by citizenship", "Nationals", 353),
        indicator_row("MMR", 2017, repatriation, "Abroad", 276),
        indicator_row("MMR", 2017, repatriation, "China", 254, category_iso3="CHN"),
        indicator_row("MMR", 2017, repatriation, "Thailand", 15, category_iso3="THA"),
        indicator_row("THA", 2017, "by citizenship", "Myanmar", 400, category_iso3="MMR"),
        indicator_row("MYS", 2017, "by citizenship", "Myanmar", 300, category_iso3="MMR"),
    ]
    return pl.DataFrame(rows, schema=INDICATOR_SCHEMA)


def test_a_corridor_counted_where_detected_and_on_return_is_a_visible_pair():
    """REVIEW5 M3: two rows "Myanmar → Thailand", one Thailand's count of the nationals of Myanmar it detected,
    one Myanmar's count of those it took back from Thailand: labelled by who counted them, side by side, and
    the note says the sum can count a person twice."""
    from evidence.notebooks.builders import counted_twice_sentence, route_notes, route_numbers

    selection = Selection(_myanmar_both_ways(), country="MMR", role="origin")
    routes_ = [r["route"] for r in route_numbers(selection, RULE).rows()]
    detected = routes_.index("Myanmar → Thailand (detected in Thailand)")
    assert routes_[detected + 1] == "Myanmar → Thailand (repatriated from Thailand, counted by Myanmar, 2017)"
    assert routes_.count("Myanmar → Thailand") == 0
    # a corridor counted one way only keeps its plain label
    assert "Myanmar → Malaysia" in routes_
    assert "Myanmar → China (repatriated from China, counted by Myanmar, 2017)" in routes_
    said = counted_twice_sentence(selection)
    assert said is not None and "can be in both counts" in said and "the routes to Thailand;" in said
    assert said in route_notes(selection, RULE)
    # as destination (Myanmar's own detections only) nothing is summed twice
    assert counted_twice_sentence(selection.replace(role="destination")) is None


def test_a_long_list_of_corridors_counted_both_ways_names_the_largest_and_how_many_more():
    """REVIEW7 m2: Nigeria's sentence listed 14 corridors; past NAMED_CORRIDORS it names the largest (both counts
    together, as the table ranks routes) and says how many more (at least 5, never a number read as people)."""
    from _indicator import indicator_row

    from evidence.notebooks.builders import NAMED_CORRIDORS, counted_twice_sentence
    from evidence.sources.indicator_schema import INDICATOR_SCHEMA

    repatriation = "by country of repatriation"
    codes = [
        "AUT",
        "BEL",
        "CHE",
        "DEU",
        "ESP",
        "FRA",
        "ITA",
        "NLD",
        "NOR",
        "SWE",
    ]  # ITA the largest, then NOR
    size = {code: 10 + 100 * (code == "ITA") + 50 * (code == "NOR") for code in codes}
    rows = [
        indicator_row("NGA", 2019, "by citizenship", "Nationals", 900),
        indicator_row("NGA", 2019, repatriation, "Abroad", sum(size.values())),
    ]
    for code in codes:
        rows += [
            indicator_row("NGA", 2019, repatriation, code, size[code], category_iso3=code),
            indicator_row(code, 2019, "by citizenship", "Nigeria", size[code], category_iso3="NGA"),
        ]
    selection = Selection(pl.DataFrame(rows, schema=INDICATOR_SCHEMA), country="NGA", role="origin")
    said = counted_twice_sentence(selection, paired=set())
    assert len(codes) > NAMED_CORRIDORS
    assert "the routes to Italy, Norway, Austria, Belgium, Switzerland and five more." in said
    # eight: the largest three and five more
    dropped = pl.col("iso3").is_in(["SWE", "NLD"]) | pl.col("category_iso3").is_in(["SWE", "NLD"]).fill_null(
        False
    )
    eight = Selection(
        pl.DataFrame(rows, schema=INDICATOR_SCHEMA).filter(~dropped), country="NGA", role="origin"
    )
    assert "the routes to Italy, Norway, Austria and five more." in counted_twice_sentence(
        eight, paired=set()
    )


def test_how_many_more_corridors_are_counted_both_ways_is_in_words_never_read_as_people():
    """world30: Nigeria as origin at threshold 11 named the five largest corridors "and 9 more", and the brief
    could not be rendered: its scan read the 9 as a small count of people. How many more countries is said in
    words ("and nine more"), under any threshold."""
    from _indicator import indicator_row

    from evidence.notebooks.builders import counted_twice_sentence
    from evidence.presentation.disclosure import find_small_counts
    from evidence.sources.indicator_schema import INDICATOR_SCHEMA

    codes = ["AUT", "BEL", "CHE", "DEU", "ESP", "FRA", "ITA", "NLD", "NOR", "SWE", "DNK", "FIN", "GBR", "IRL"]
    rows = [
        indicator_row("NGA", 2019, "by citizenship", "Nationals", 900),
        indicator_row("NGA", 2019, "by country of repatriation", "Abroad", 50 * len(codes)),
    ]
    for code in codes:
        rows += [
            indicator_row("NGA", 2019, "by country of repatriation", code, 50, category_iso3=code),
            indicator_row(code, 2019, "by citizenship", "Nigeria", 50, category_iso3="NGA"),
        ]
    selection = Selection(pl.DataFrame(rows, schema=INDICATOR_SCHEMA), country="NGA", role="origin")
    said = counted_twice_sentence(selection, paired=set())
    assert " and nine more." in said
    assert find_small_counts(said, DisclosureRule(11)) == []


def test_real_myanmars_two_thailand_rows_are_a_pair_and_said_to_overlap(unodc_2023):
    from evidence.notebooks.builders import route_notes, route_numbers

    glotip = unodc_2023
    selection = Selection(glotip, country="MMR", role="origin")
    rows = {r["route"]: r["victims"] for r in route_numbers(selection, RULE).rows()}
    labels = list(rows)
    first = labels.index("Myanmar → Thailand (detected in Thailand)")
    assert (
        labels[first + 1]
        == "Myanmar → Thailand (repatriated from Thailand, counted by Myanmar, 2017–2019, 2021)"
    )
    assert rows[labels[first]] == (2580, 2589) and rows[labels[first + 1]] == (26, 29)
    assert any(n.startswith("Counted twice, possibly") for n in route_notes(selection, RULE))


def test_real_doubtful_cells_are_their_own_rows_and_the_note_reconciles_the_sums(unodc_2023):
    # REVIEW7 R2: Myanmar's 2015-2016 "Thailand" cells (25) are no longer hidden in "All other routes" of
    # Thailand's origin table: a row of their own, after the ranked ones, and the note says the difference
    from evidence.notebooks.builders import route_notes, route_numbers

    glotip = unodc_2023
    thailand = Selection(glotip, country="THA", role="origin")
    numbers = route_numbers(thailand, RULE)
    routes_listed = numbers.low.corridors
    doubtful = routes_listed["route_basis"].eq("doubtful_citizenship").to_list()
    assert any(doubtful) and doubtful == sorted(doubtful)  # present, and after every ranked corridor
    # the row says so briefly; the note under the table says why, once for all such rows
    assert "Thailand → Myanmar (doubtful breakdown, 2015–2016)" in routes_listed["route"].to_list()
    notes = route_notes(thailand, RULE)
    assert any("rows of their own" in n and "not in the nationals detected per year" in n for n in notes)
    assert any(n.startswith("Doubtful citizenship breakdowns (Myanmar 2015–2016)") for n in notes)


def test_real_doubtful_breakdowns_of_two_reasons_say_what_is_done_with_their_routes_once(unodc_2023):
    """REVIEW9 m5: Thailand's nationals: the Myanmar 2015–2016 and the Hungary 2014 paragraphs both ended with
    "Their routes are marked doubtful, kept apart from other years', and left out of the charts …"."""
    from evidence.notebooks.builders import route_notes

    glotip = unodc_2023
    notes = route_notes(Selection(glotip, country="THA", role="origin"), RULE)
    doubtful = [n for n in notes if n.startswith("Doubtful citizenship breakdowns (")]
    assert len(doubtful) == 2
    assert " ".join(notes).count("are marked doubtful, kept apart from other years'") == 1
    assert doubtful[-1].endswith(
        "The routes of all these breakdowns are marked doubtful, kept apart from other years', and left out of "
        "the charts, of the nationals detected per year and of corridor trends."
    )
    # one reason: "Their routes", said once
    (one,) = [
        n
        for n in route_notes(Selection(glotip, country="MMR", role="destination"), RULE)
        if n.startswith("Doubtful citizenship breakdowns (")
    ]
    assert one.endswith(
        "Their routes are marked doubtful, kept apart from other years', and left out of the "
        "charts and of corridor trends."
    )


def test_real_doubtful_rows_are_listed_largest_first(unodc_2023):
    """REVIEW9 m12: the United States' doubtful rows were alphabetical (Botswana 416, China 271, … Mexico
    1,235); now largest first, as the ranked corridors above them."""
    from evidence.notebooks.builders import route_numbers

    glotip = unodc_2023
    numbers = route_numbers(Selection(glotip, country="USA", role="both"), RULE)
    rows = [r for r in numbers.rows() if r.get("route_basis") == "doubtful_citizenship"]
    origins = [r["origin_iso3"] for r in rows]
    assert origins[:3] == ["MEX", "HND", "BWA"] and origins[-1] == "USA"  # 1,235, 501, 416 … <5 (Hungary)
    lows = [r["victims"][0] if isinstance(r["victims"][0], int) else 0 for r in rows]
    assert lows == sorted(lows, reverse=True)


def test_a_withheld_doubtful_row_is_not_placed_by_its_size():
    """REVIEW9 m12: doubtful rows are listed largest first; one withheld among them goes after the published
    ones (by name), as a withheld ranked corridor does: between its neighbours it would be bounded by them."""
    from evidence.notebooks.builders import RouteView, published_first
    from evidence.presentation.disclosure import DisclosedTable

    labels = ["A", "B (doubtful)", "C (doubtful)", "D (doubtful)", "All other routes"]
    total = "Sum"
    frame = pl.DataFrame({"route": labels, total: [100, 50, None, 20, 7]})
    reasons = pl.DataFrame({"route": labels, total: [None, None, "complement", None, None]})
    table = DisclosedTable(frame, (total,), RULE, 0, 1, total_label=total, reasons=reasons)
    basis = ["citizenship", *["doubtful_citizenship"] * 3]
    corridors = pl.DataFrame({"route": labels[:4], "route_basis": basis})
    low, _ = published_first(RouteView(table, corridors), RouteView(table, corridors))
    assert low.corridors["route"].to_list() == ["A", "B (doubtful)", "D (doubtful)", "C (doubtful)"]
    assert low.table.frame["route"].to_list()[-1] == "All other routes"


def test_corridor_pairs_are_found_once_for_the_table_and_its_sentence():
    """The route table's order (_paired_corridors) and route_notes' pairing sentence read one helper: a pair is
    two countries listed both as detected and on return; a country's own returnees exploited at home are none."""
    from evidence.notebooks.builders import _paired_corridors, corridor_pairs

    rows = [
        ("MMR", "THA", "repatriation"),
        ("MMR", "CHN", "repatriation"),
        ("MMR", "THA", "citizenship"),
        ("MMR", "MYS", "citizenship"),
        ("MMR", "MMR", "repatriation"),
        ("MMR", "MMR", "citizenship"),
    ]
    assert corridor_pairs(rows) == {("MMR", "THA")}
    top = pl.DataFrame(rows, schema=["origin_iso3", "destination_iso3", "route_basis"], orient="row")
    ordered, both = _paired_corridors(top)
    assert both == corridor_pairs(rows)
    listed = list(ordered.iter_rows())
    detected = listed.index(("MMR", "THA", "citizenship"))
    assert listed[detected + 1] == ("MMR", "THA", "repatriation")


def test_the_growth_table_says_new_for_an_infinite_rate_ratio_and_keeps_the_first_rows() -> None:
    # review 12 m5: "Thailand → Chile | growth+new | 2019-2021 | inf |  |", and 80 rows for the United Kingdom
    from evidence.notebooks.builders import emerging_view

    emerging = pl.DataFrame(
        {
            "origin_iso3": ["THA", "MMR", "KHM"],
            "destination_iso3": ["CHL", "THA", "THA"],
            "reason": ["growth+new", "growth", "growth"],
            "later_period": ["2019-2021"] * 3,
            "rate_ratio": [math.inf, 1.5, 1.2],
            "ci_low": [None, 1.1, 1.05],
            "ci_high": [None, 2.0, 1.4],
            "q_value": [0.00001, 0.01, 0.03],
            "smallest_exact": [12, 20, 30],
        }
    )
    view = emerging_view(emerging)
    assert view["Annual rate ratio"].to_list() == ["new: none before", "1.50", "1.20"]
    assert view["95% interval"].to_list() == ["not estimable", "1.10 – 2.00", "1.05 – 1.40"]
    assert set(view["Later period"].to_list()) == {"2019–2021"}
    assert emerging_view(emerging, top=2).height == 2
    # a new corridor too small for a trend (Viet Nam → Netherlands, real data) says so, never an empty cell
    untested = emerging.head(1).with_columns(
        reason=pl.lit("new"), rate_ratio=pl.lit(None, pl.Float64), q_value=pl.lit(None, pl.Float64)
    )
    assert emerging_view(untested)["Annual rate ratio"].to_list() == ["not tested (too few victims or years)"]


def test_a_new_corridor_reads_new_whatever_ratio_its_row_carries() -> None:
    """Viet Nam → Belarus (UNODC 2023) read "new | 1.52 | 0.75 – 5.05 | 0.2100": a ratio of a trend fitted
    through zeros, beside the word "new". A row called new prints no ratio, interval or q-value, whatever
    number a frame made elsewhere (or before emerging_routes gave new corridors an infinite ratio) holds."""
    from evidence.notebooks.builders import NEW_NOT_TESTED, emerging_view

    emerging = pl.DataFrame(
        {
            "origin_iso3": ["VNM", "KHM"],
            "destination_iso3": ["BLR", "THA"],
            "reason": ["new", "growth+new"],
            "later_period": ["2019-2021"] * 2,
            "rate_ratio": [1.518972, 2.0],
            "ci_low": [0.754788, 1.2],
            "ci_high": [5.04626, 4.0],
            "q_value": [0.21004, 0.0066],
            "smallest_exact": [16, 20],
        }
    )
    view = emerging_view(emerging)
    assert view["Annual rate ratio"].to_list() == ["new: none before"] * 2
    assert view["95% interval"].to_list() == ["not estimable"] * 2
    assert view["q-value"].to_list() == [NEW_NOT_TESTED] * 2


def test_protect_perturbs_what_an_analysis_returns_with_the_keys_it_carries(
    real_tables, shared_data, ctdc_sample
):
    """A researcher's own table of the k-anonymised records: protected as the notebooks protect theirs, counts
    perturbed by the cell keys the analysis carried (the loaded table given to causes.profile carried none, and
    a protected table of it was only suppressed); a synthetic release's counts are suppressed only."""
    from evidence.analyses import causes, profiles, trends
    from evidence.notebooks.builders import protect
    from evidence.sources.cache import load_cached

    rule = DisclosureRule(5)
    k_anon = ctdc_sample
    by_sex = causes.profile(k_anon, "form", by="sex")
    assert {"count_key", "n_known_key"} <= set(by_sex.columns)
    protected = protect(by_sex, ["group", "category"], "count", rule)
    assert protected is not None and protected.perturbed
    shares = profiles.group_shares(k_anon, "gender")
    assert protect(shares, "category", "count", rule).perturbed  # its key is "cell_key"
    yearly = trends.yearly_counts(Selection(k_anon)).with_columns(pl.col("year").cast(pl.String))
    assert protect(yearly, "year", "count", rule).perturbed
    synthetic = load_cached(shared_data / "ctdc" / "vp_synthetic_condensed.csv")
    plain = protect(causes.profile(synthetic, "form", by="sex"), ["group", "category"], "count", rule)
    assert plain is not None and not plain.perturbed
    with pytest.raises(ParameterError, match="no column 'victims'"):
        protect(shares, "category", "victims", rule)
    with pytest.raises(ParameterError, match="not for every column: n_group has none"):
        protect(by_sex, ["group", "category"], ["count", "n_group"], rule)


def test_a_reason_shown_for_victim_records_quotes_none_of_their_values(tmp_path, shared_data):
    """The security audit: an unknown recruiter relation label, free text of one victim's record ("Uncle
    Somchai Phromma of Ban Nong Khai"), reached the data quality brief inside its flag reason."""
    from evidence.notebooks.builders import VALUE_WITHHELD, reasons_table
    from evidence.sources.registry import load

    lines = (
        (shared_data / "ctdc" / "k_anon_excerpt.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    )
    column = lines[0].split(";").index("RecruiterRelationship")
    changed = []
    for index, line in enumerate(lines):
        cells = line.split(";")
        if 0 < index <= 12:  # enough rows for the reason's count to be shown
            cells[column] = "Uncle Somchai Phromma of Ban Nong Khai"
        changed.append(";".join(cells))
    path = tmp_path / "k_anon.csv"
    path.write_text("".join(changed), encoding="utf-8")
    reasons = load(path).summary()["flag_reasons"]
    assert any("Somchai" in reason for reason in reasons)  # the analyst's view (data validate) keeps it
    shown = reasons_table(reasons, DisclosureRule(threshold=5), total_label="All flagged rows")
    listed = (shown.body if hasattr(shown, "body") else shown)["reason"].to_list()
    assert not any("Somchai" in reason for reason in listed), listed
    assert any(VALUE_WITHHELD in reason for reason in listed), listed


@given(value=st.text(min_size=1, max_size=30))
def test_reasons_for_people_quote_no_value_whatever_it_holds(value):
    from evidence.notebooks.builders import VALUE_WITHHELD, reason_without_values

    reason = f"unknown recruiter relation label {value!r}: no flag names it, so not read as one; row kept"
    shown = reason_without_values(reason)
    assert shown == reason.replace(repr(value), VALUE_WITHHELD)


def test_an_all_censored_year_next_to_placeholders_is_one_too(unodc_2023):
    """The Russian Federation's forms of exploitation (UNODC 2023): every form <5 in 2017–2020, against totals of
    209, 327, 342 and 290. 2018–2020 were placeholders (at most 12, under 5% of the total), 2017 (12 against 209,
    5.7%) was shown as counts: the brief told a reader that fewer than five of the 209 victims detected in 2017
    were sexually exploited, fewer than five in forced labour. The same return repeated is one placeholder."""
    from evidence.notebooks.builders import placeholder_years

    table = unodc_2023
    forms = yearly_numbers(Selection(table, country="RUS", role="destination"), RULE, by="form")
    assert forms.placeholder == (2017, 2018, 2019, 2020)
    # a year alone under the wider share stays a count (the 5% rule: a country's real small breakdown)
    by_counts = pl.DataFrame(
        {"year": [2017] * 3, "form": ["a", "b", "c"], "count_low": [1] * 3, "count_high": [4] * 3}
    )
    counts = pl.DataFrame({"year": [2017], "count_low": [209]})
    assert placeholder_years(counts, by_counts) == []


def test_a_trend_across_years_without_counts_says_it_bridges_them():
    """The Russian Federation's detected victims (UNODC 2023) are published for 2008–2010 and 2017–2020 only; the
    brief said "Over 2008–2010, 2017–2020, … changed by a factor of 1.16 a year … about 16% more detected victims
    each year", a yearly course through six years of which nothing is known. It now says the ratio compares the
    years on either side of the gap; a year or two missing is read through."""
    import dataclasses

    from evidence.notebooks.builders import trend_sentence
    from evidence.presentation.disclosure import find_small_counts

    years = (2008, 2009, 2010, 2017, 2018, 2019, 2020)
    models = _models(1.16, 1.13, 1.19, n_years=len(years))
    gapped = dataclasses.replace(models.rate_ratio, first_year=2008, last_year=2020, years=years)
    marked = trend_sentence(dataclasses.replace(models, rate_ratio=gapped), noun="detected victims")
    text = re.sub(r"</?span[^>]*>", "", marked)
    assert (
        "No count is read for 2011–2016: the ratio compares the years before that gap with those after it"
        in text
    )
    assert find_small_counts(marked) == []
    short = dataclasses.replace(models.rate_ratio, years=(2011, 2012, 2014, 2015, 2016, 2017, 2018))
    text = trend_sentence(dataclasses.replace(models, rate_ratio=short))
    assert "No count is read" not in text  # 2013 alone: read through


def test_yearly_numbers_read_a_dimension_whatever_its_case(real_tables):
    """Leftover: ``by="Form"`` built numbers whose table looked up a column ``Form`` in counts by ``form``."""
    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import yearly_numbers
    from evidence.presentation.disclosure import DisclosureRule

    selection = Selection(real_tables[0], country="THA", role="destination")
    lower = yearly_numbers(selection, DisclosureRule(), by="form")
    upper = yearly_numbers(selection, DisclosureRule(), by="Form")
    assert upper.by == "form" and upper.categories == lower.categories
    assert upper.by_category is not None and lower.by_category is not None
    assert upper.by_category.low.frame.equals(lower.by_category.low.frame)


@pytest.mark.parametrize("secret", ["s2", "s3"])
def test_no_share_of_those_recorded_is_above_100_percent(own_records, monkeypatch, secret):
    """Audit (UKR, both): a perturbed count of a flag (one victim, several means of control) above the
    perturbed "Recorded (at least one)" was shown as more than 100% of those recorded (116.7%, 110.0% under
    these secrets): a share is of at most all of them, its interval too."""
    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import profile_view

    monkeypatch.setenv("EVIDENCE_CELL_KEY_SECRET", secret)
    for country, role in (("UKR", "both"), ("THA", "destination")):
        view = profile_view(Selection(own_records, country=country, role=role), "means_of_control", RULE)
        assert view is not None
        shares = [float(s[:-1]) for s in view["Share of those recorded"].to_list() if s]
        assert shares and max(shares) <= 100.0
        highs = [float(i.split(" – ")[1][:-1]) for i in view["95% interval"].to_list() if i]
        assert highs and max(highs) <= 100.0


def test_a_growing_corridor_s_statistics_are_withheld_where_they_would_give_a_count_back() -> None:
    """A corridor's rate ratio and interval are functions of its yearly counts: with a year of 2 victims, or the
    exact counts of records protected by cell key, they are withheld (x) and the table says why."""
    from evidence.notebooks.builders import EMERGING_WITHHELD_NOTE, emerging_statistics_shown, emerging_view

    emerging = pl.DataFrame(
        {
            "origin_iso3": ["MMR", "LAO", "KHM"],
            "destination_iso3": ["THA"] * 3,
            "reason": ["growth"] * 3,
            "later_period": ["2019-2021"] * 3,
            "rate_ratio": [2.16, 1.5, 1.2],
            "ci_low": [1.35, 1.1, 1.05],
            "ci_high": [4.62, 2.0, 1.4],
            "q_value": [0.0005, 0.01, 0.03],
            "smallest_exact": [7, 2, None],  # KHM: every year published as a range (<5) or none
        }
    )
    assert emerging_statistics_shown(emerging) == [True, False, True]
    assert emerging_statistics_shown(emerging, DisclosureRule(11)) == [False, False, True]
    assert emerging_statistics_shown(emerging, keyed=True) == [False] * 3
    assert (
        emerging_statistics_shown(emerging.drop("smallest_exact")) == [False] * 3
    )  # nothing says they're safe
    view = emerging_view(emerging, rule=DisclosureRule(11))
    # the withheld corridors after the published one, by name: in q-value order, above its 0.0300, they read as
    # at most 0.0300 (test_builders_emerging_order.py)
    assert view["Route (origin → destination)"].to_list() == [
        "Cambodia → Thailand",
        "Lao PDR → Thailand",
        "Myanmar → Thailand",
    ]
    assert view["Annual rate ratio"].to_list() == ["1.20", "x", "x"]
    assert view["95% interval"].to_list() == ["1.05 – 1.40", "x", "x"]
    assert view["q-value"].to_list() == ["0.0300", "x", "x"]
    assert view["Why"].to_list() == ["growing"] * 3  # the corridor is still named, without its numbers
    assert "{threshold}" in EMERGING_WITHHELD_NOTE


def _lao_in_thailand(undated: int, *, keyed: bool = False) -> LoadedTable:

    dated = [{"year": 2015 + i % 5, "origin_iso3": "LAO", "destination_iso3": "THA"} for i in range(139)]
    rows = dated + [{"year": None, "origin_iso3": "LAO", "destination_iso3": "THA"}] * undated
    return hand_made_table(rows, keyed=keyed)


def test_records_without_a_year_are_said_to_be_left_out_of_a_selection_with_years() -> None:
    """Found by the routes audit: the routes notebook showed 139 victims of Lao PDR in Thailand where 12 more
    had no year, and said nothing of them (a notebook's selection always has years)."""
    from evidence.notebooks.builders import undated_sentence
    from evidence.presentation.disclosure import find_small_counts

    def said(
        table: LoadedTable, years: tuple[int, int] | None = (2015, 2019), threshold: int = 5
    ) -> str | None:
        selection = Selection(table, country="THA", role="destination", years=years)
        return undated_sentence(selection, DisclosureRule(threshold), who="Thailand", period="2015–2019")

    sentence = said(_lao_in_thailand(12))
    assert sentence is not None and ">12</span> victim records of Thailand have no single year" in sentence
    assert "in no table or chart below, which cover 2015–2019" in sentence
    assert said(_lao_in_thailand(0)) is None
    assert said(_lao_in_thailand(12), years=None) is None  # its yearly table shows them as "undated"
    small = said(_lao_in_thailand(3))
    # withheld: in words, as a sentence says a count it withholds (the table's label "<5" starts no sentence)
    assert small is not None and find_small_counts(small) == []
    assert small.startswith('Fewer than <span data-kind="parameter">5</span> victim records of Thailand'), (
        small
    )
    assert ">12<" not in (said(_lao_in_thailand(12), threshold=13) or "")
    # records protected by cell key: the number is perturbed as every count of them is
    table = _lao_in_thailand(12, keyed=True)
    assert Selection(table).keyed
    keyed = said(table)
    assert keyed is not None and ">9</span> victim records of Thailand have no single year" in keyed


def test_a_category_above_the_total_is_named_as_the_table_names_it_and_never_for_a_missing_own_total():
    """Review of the trends notebook (Ukraine, role both): the note said "in 2012, ukr>ukr 139" (the raw key,
    not "Ukraine → Ukraine" as the table's header), and blamed the publisher for 2012, when Ukraine published
    no total of the victims it detected (the year's total is its nationals abroad only) but did publish its
    breakdown by citizenship, its own nationals 139 among them."""
    from _indicator import indicator_rows

    from evidence.notebooks.builders import categories_above_total, categories_above_total_line

    rows = []
    for year, own_total, own in ((2010, 100, 80), (2011, 30, 70), (2012, None, 139)):
        if own_total is not None:
            rows.append(("UKR", year, "Total", "Total", "Total", "Total", own_total))
        rows += [
            ("UKR", year, "by citizenship", "UKR", "Total", "Total", own),
            ("UKR", year, "by citizenship", "MDA", "Total", "Total", 10),
            ("POL", year, "Total", "Total", "Total", "Total", 50),
            ("POL", year, "by citizenship", "UKR", "Total", "Total", 20),
            ("POL", year, "by citizenship", "POL", "Total", "Total", 30),
        ]
    selection = Selection(indicator_rows(rows), country="UKR", role="both")
    # 2011: Ukraine's nationals 70 at home (and 20 in Poland) against 30 + 20 in all, an inconsistency
    for by, label, count in (("citizenship", "Ukraine", "90"), ("corridor", "Ukraine → Ukraine", "70")):
        numbers = yearly_numbers(selection, RULE, by=by)
        above = categories_above_total(numbers)
        assert [(c.year, c.count, c.total) for c in above] == [("2011", count, "50")], by
        note = categories_above_total_line(numbers)
        assert (
            f'in 2011, <span data-kind="label">{label}</span> {count}, more than the year\'s total of 50'
            in note
        )
        assert "2012" not in note and "ukr" not in note.lower().replace("ukraine", ""), by
    # a breakdown whose categories are no countries keeps its label, lower-cased in the sentence
    assert "sexual exploitation</span> 807" in categories_above_total_line(_forms({2017: (471, 85, 807, 11)}))


def test_a_year_of_a_citizenship_breakdown_without_a_total_is_no_total_published_not_no_data():
    """Review of the trends notebook (Thailand as destination, 2008): the yearly table said "no data published"
    while the table by citizenship shows 2008 (Lao PDR <5, Myanmar <5): a citizenship breakdown is a breakdown
    of the victims a country detected, as forms, sex and age are; in role origin it is the total itself."""
    from _indicator import indicator_rows

    from evidence.notebooks.builders import NO_DATA_PUBLISHED, NO_TOTAL_PUBLISHED, breakdown_years
    from evidence.notebooks.views import no_data_note

    rows = [("THA", 2009, "Total", "Total", "Total", "Total", 145)]
    rows += [("THA", 2009, "by citizenship", c, "Total", "Total", 60) for c in ("LAO", "MMR")]
    rows += [("THA", 2008, "by citizenship", c, "Total", "Total", "<5") for c in ("LAO", "MMR")]
    selection = Selection(indicator_rows(rows), country="THA", role="destination")
    assert breakdown_years(selection) == {"citizenship": frozenset({2008, 2009})}
    numbers = yearly_numbers(selection, RULE, by="citizenship", span=(2007, 2009))
    notes = dict(numbers.per_year.low.frame.select("year", "note").iter_rows())
    assert notes["2008"] == NO_TOTAL_PUBLISHED and notes["2007"] == NO_DATA_PUBLISHED
    said = no_data_note(numbers, tables=["citizenship"])
    assert (
        "UNODC gives these victims by citizenship in 2008 but not their total (see the table by citizenship)"
        in (said)
    )
    assert "no figure for these victims in 2007," in said
    # in role origin the citizenship breakdowns are the total: no breakdown of it
    origin = Selection(indicator_rows(rows), country="LAO", role="origin")
    assert "citizenship" not in breakdown_years(origin)


def test_too_few_years_for_a_break_names_what_a_break_needs():
    """Trends audit (Myanmar's nationals, 2017–2021 complete): "No break is searched for in the complete years:
    too few complete years: 5 (2017–2021), where a trend needs at least 6": a break needs two segments of
    MIN_BREAK_SEGMENT years each (8), and a reader took 6 complete years to be enough for one."""
    import re

    from _indicator import nationals_reported

    from evidence.analyses.selection import Selection
    from evidence.analyses.trends import MIN_BREAK_SEGMENT
    from evidence.notebooks.builders import break_sentence, yearly_numbers
    from evidence.presentation.disclosure import DisclosureRule, find_small_counts

    rows = nationals_reported(range(2010, 2015), tha_from=2010)  # five complete years
    models = yearly_numbers(Selection(rows, country="MMR", role="origin"), DisclosureRule(5)).models()
    sentence = re.sub(r"</?span[^>]*>", "", break_sentence(models))
    assert "where a trend needs" not in sentence
    assert (
        f"where a break needs at least {2 * MIN_BREAK_SEGMENT} ({MIN_BREAK_SEGMENT} per segment)" in sentence
    )
    assert "5 (2010–2014)" in sentence and find_small_counts(break_sentence(models)) == []


def test_a_breakdowns_row_without_the_publishers_total_is_noted_in_its_table():
    """Trends audit (Japan as destination): the table by form showed 2004–2006 with forms and an empty
    "Published total" cell, its note column empty and nothing under the table saying why (the yearly table
    above said it, a reader of the table by form did not see it): such a row is noted "no total published"
    in the breakdown's table too, and the note under it says so."""
    from evidence.notebooks.builders import NO_TOTAL_PUBLISHED, no_breakdown_note

    frame = _gappy({2010: 60, 2011: 40}, {2010: 50, 2011: 30, 2009: 12}, {2010: 25, 2011: 20})
    forms = _numbers(frame, "form", span=(2009, 2011))
    notes = dict(forms.by_category.low.frame.select("year", "note").iter_rows())
    assert notes["2009"] == NO_TOTAL_PUBLISHED and notes["2010"] == notes["2011"] == ""
    assert (
        "No total published: UNODC gives the breakdown by form of exploitation of these victims in 2009 but not "
        "their total; that cell is empty, not a count of 0 and not withheld."
    ) in (no_breakdown_note(forms) or "")


def test_too_short_a_span_for_growing_corridors_does_not_say_every_year_is_observed():
    """Routes audit (Ukraine as origin, CTDC): "observed in 2014–2016 only", where the records hold 2014 and
    2016 and none of 2015: the sentence gives the span of the corridors' years, not years they were seen in."""
    import re

    from evidence.analyses.routes import PeriodSplit
    from evidence.notebooks.builders import emerging_unassessed

    text = re.sub(r"</?span[^>]*>", "", emerging_unassessed(PeriodSplit(2014, 2016, 3)) or "")
    assert "observed in 2014–2016" not in text and "years from 2014 to 2016 only" in text
    one = re.sub(r"</?span[^>]*>", "", emerging_unassessed(PeriodSplit(2010, 2010, 3)) or "")
    assert "observed in 2010 only" in one


def test_a_panel_too_short_for_a_break_is_not_said_to_have_been_searched(real_tables):
    """Trends audit (the Philippines as origin): "Searched on the steady reporters' series of 2007–2013 (the panel
    above), not on the full series ... Too few complete years to search for a break": nothing was searched. The
    panel is named as the series too short for a break, not as one searched."""
    import re

    from evidence.notebooks.builders import break_sentence, yearly_numbers

    numbers = yearly_numbers(Selection(real_tables[1], country="PHL", role="origin"), RULE)
    models = numbers.models()
    assert models.panel is not None and models.found_break is None
    said = re.sub(r"</?span[^>]*>", "", break_sentence(models))
    assert not said.startswith("Searched on") and "Too few" in said
    assert "the steady reporters' series of 2007–2013 (the panel above)" in said


def test_too_few_years_for_a_break_read_alike_whatever_the_series(real_tables):
    """real31: Taiwan's nationals (6 complete years) read "Too few complete years to search for a break (a break
    needs at least 8 years (4 per segment), got 6)", the Philippines' panel "... (a break needs at least 8 years
    (4 per segment), got 7)", beside "No break is searched for in the complete years: too few complete years: 1
    (2010), where a break needs at least 8 (4 per segment)" in other briefs: the analysis' message ("got 6"),
    parentheses inside parentheses. Every such sentence says it as the last one does."""
    import re

    from evidence.notebooks.builders import break_sentence, yearly_numbers

    need = "where a break needs at least 8 (4 per segment)."
    for iso3, ends in (
        ("TWN", f"No break is searched for in the complete years: too few complete years: 6, {need}"),
        ("PHL", f"whose reporting countries come and go: too few complete years: 7, {need}"),
    ):
        models = yearly_numbers(Selection(real_tables[1], country=iso3, role="origin"), RULE).models()
        said = re.sub(r"</?span[^>]*>", "", break_sentence(models))
        assert "got" not in said and "years (4 per segment)" not in said, said
        assert said.endswith(ends), said


def _banded_in_thailand() -> LoadedTable:
    from evidence.sources.case_schema import conform
    from evidence.sources.provenance import Provenance

    rows = (
        [{"year": 2019, "year_band": "2019", "origin_iso3": "LAO", "destination_iso3": "THA"}] * 20
        + [{"year": None, "year_band": "2014-2018", "origin_iso3": "LAO", "destination_iso3": "THA"}] * 30
        + [{"year": None, "year_band": "2005-2013", "origin_iso3": "LAO", "destination_iso3": "THA"}] * 40
    )
    provenance = Provenance(
        source="test", layout="hand-made", release="1", path="x.csv", sha256="ab" * 32, url="", licence="",
        citation="", synthetic=True, protection="",
    )  # fmt: skip
    return LoadedTable(
        conform(pl.DataFrame(rows, schema_overrides={"year": pl.Int16, "year_band": pl.String})),
        provenance,
        rows_in=len(rows),
    )


def test_a_selection_holding_band_dated_records_says_where_they_are_counted_and_which_bands_its_years_cut() -> (
    None
):
    """The Victim–Perpetrator file's records dated 2014-2018 are of a selection of 2014-2019 (routes and profiles
    count them) but of no year: the sentence said every record without a single year was "in no table or chart
    below" and counted the selection's own band records among them; a band the years cut was never named."""
    from evidence.notebooks.builders import undated_sentence

    table = _banded_in_thailand()

    def said(years: tuple[int, int], period: str) -> str:
        selection = Selection(table, country="THA", role="destination", years=years)
        sentence = undated_sentence(selection, DisclosureRule(5), who="Thailand", period=period)
        assert sentence is not None
        return sentence

    held = said((2014, 2019), "2014–2019")
    assert (
        ">40</span> victim records of Thailand have no single year" in held
    )  # 2005-2013 only, not 2014-2018
    assert "2014-2018" in held and "no yearly table" in held
    cut = said((2015, 2019), "2015–2019")
    assert ">70</span> victim records" in cut
    assert "2014-2018" in cut and "cut" in cut
    whole = said((2005, 2022), "2005–2022")
    assert "have no single year" not in whole  # every record is of the selection
    assert "2005-2013" in whole and "2014-2018" in whole and "no yearly table" in whole


def test_a_yearly_series_models_are_fitted_once_per_category(monkeypatch):
    """The brief reads a series' models in its key figures and again in its section: fitted once, the same."""
    from evidence.notebooks import builders

    fitted: list[object] = []
    fit = builders._series_models

    def counted(category, *args, **kwargs):
        fitted.append(category)
        return fit(category, *args, **kwargs)

    monkeypatch.setattr(builders, "_series_models", counted)
    years = list(range(2012, 2021))
    rows = [
        (y, f) for y, n in zip(years, [20, 24, 23, 30, 33, 31, 40, 44, 41], strict=True) for f in [True] * n
    ]
    cases = conform(
        pl.DataFrame(
            {
                "year": [y for y, _ in rows],
                "destination_iso3": ["THA"] * len(rows),
                "exploitation_forced_labour": [f for _, f in rows],
            }
        )
    )
    numbers = yearly_numbers(Selection(cases, years=(2012, 2020)), RULE, by="form")
    first = numbers.models()
    assert numbers.models() is first
    category = numbers.categories[0]
    by_form = numbers.models(category)
    assert numbers.models(category) is by_form
    assert fitted == [None, category]
    assert first.rate_ratio is not None  # a fitted model, not a refusal kept
    # a copy of the numbers (dataclasses.replace) fits its own: the kept models are not copied with it
    import dataclasses

    assert dataclasses.replace(numbers).models() == first
    assert fitted == [None, category, None]


def test_a_route_views_drawn_routes_are_found_once_and_each_caller_gets_its_own(monkeypatch):
    """The route table, its charts, their notes and the bounds' shares each ask a view for its drawn routes."""
    from polars.testing import assert_frame_equal

    from evidence.notebooks.builders import RouteView

    _, view = _route_view(top_n=5)
    assert view is not None
    found: list[int] = []
    find = RouteView._drawn_routes

    def counted(self):
        found.append(1)
        return find(self)

    monkeypatch.setattr(RouteView, "_drawn_routes", counted)
    frame, known = view.drawn_routes()
    expected = frame.clone()
    frame.drop_in_place("victims")  # a caller changing its frame in place changes no later caller's
    again, known_again = view.drawn_routes()
    view.chart_data()
    assert found == [1] and known_again == known
    assert_frame_equal(again, expected)
    assert_frame_equal(again, find(view)[0])
    published = view._published_corridors()
    published.drop_in_place("victims")
    assert "victims" in view._published_corridors().columns


def test_a_route_views_returns_left_out_of_its_charts_are_found_once(monkeypatch):
    """The charts' routes and the note on the returns they leave out both read the published returns a detected
    route links the same countries as: found once per view, the same for each caller, and each its own frame."""
    from polars.testing import assert_frame_equal

    from evidence.notebooks.builders import RouteView

    _, view = _route_view(top_n=5)
    assert view is not None
    found: list[int] = []
    find = RouteView._returns_left_out

    def counted(frame: pl.DataFrame) -> pl.DataFrame:
        found.append(1)
        return find(frame)

    monkeypatch.setattr(RouteView, "_returns_left_out", staticmethod(counted))
    view.drawn_routes()
    not_drawn = view.returns_not_drawn()
    assert view.returns_not_drawn() == not_drawn
    assert found == [1]
    expected = find(view._published_corridors())
    assert not_drawn == expected["destination_iso3"].to_list()
    left_out = view._left_out()
    left_out.drop_in_place("victims")  # a caller changing its frame in place changes no later caller's
    assert_frame_equal(view._left_out(), expected)


def _placeholder_years_by_query(counts: pl.DataFrame, by_counts: pl.DataFrame) -> list[int]:
    """:func:`placeholder_years` as one polars query (how it was written until it read the few rows as lists):
    the reference for what the lists must give, nulls and years without a total included."""
    from evidence.notebooks.builders import (
        PLACEHOLDER_MIN_CATEGORIES,
        PLACEHOLDER_RUN,
        PLACEHOLDER_SHARE,
        PLACEHOLDER_SHARE_WITHOUT_TOTAL,
    )

    per_year = by_counts.group_by(pl.col("year").cast(pl.Int64)).agg(
        ((pl.col("count_low") < pl.col("count_high")).all() & (pl.len() >= PLACEHOLDER_MIN_CATEGORIES)).alias(
            "c"
        ),
        pl.col("count_high").sum().alias("most"),
    )
    totals = counts.select(pl.col("year").cast(pl.Int64), pl.col("count_low").alias("total"))
    found, without_total, near = [], [], []
    median = counts["count_low"].median() if counts.height else None
    for year, censored, most, total in per_year.join(totals, on="year", how="left").sort("year").iter_rows():
        if not censored:
            continue
        if total is not None:
            if most < PLACEHOLDER_SHARE * float(total):
                found.append(year)
            elif most < PLACEHOLDER_SHARE_WITHOUT_TOTAL * float(total):
                near.append(year)
        elif median is not None and most < PLACEHOLDER_SHARE_WITHOUT_TOTAL * float(median):
            without_total.append(year)
    if len(without_total) >= PLACEHOLDER_RUN:
        found.extend(without_total)
    while added := [y for y in near if y not in found and (y - 1 in found or y + 1 in found)]:
        found.extend(added)
    return sorted(found)


#: Rows of a breakdown (year, category -> low and high bound, or None for a null cell) and a series' totals (year
#: -> total, or None for a null one): null cells beside censored ones (the year still all <5, its sum without them,
#: 8 against a total of 170 under 5%, 9 would not be), years without a total or with a null one (against the
#: median of the totals, two of them a run), a year next to a placeholder under the wider share only.
_PLACEHOLDER_CASES = [
    ({(2010, "a"): (1, 4), (2010, "b"): (1, 4), (2010, "c"): None}, {2010: 170}),
    ({(2010, "a"): (1, 4), (2010, "b"): (None, 4), (2010, "c"): (1, None)}, {2010: 170}),
    ({(y, c): (1, 4) for y in (2011, 2012) for c in "ab"} | {(2013, "a"): (6, 6)}, {2013: 400, 2014: 300}),
    ({(y, c): (1, 4) for y in (2011, 2012) for c in "ab"}, {2011: None, 2013: 400, 2014: 300}),
    ({(y, c): (1, 4) for y in (2016, 2017, 2018) for c in "abc"}, {2016: 200, 2017: 400, 2018: 100}),
]


@pytest.mark.parametrize(("cells", "totals"), _PLACEHOLDER_CASES)
def test_placeholder_years_read_from_the_rows_are_what_the_query_of_them_finds(cells, totals):
    """The placeholder years read from the rows as lists are those a polars query of the same rows finds: nulls
    left out of a year's cells (never making it censored or not) and of its sum, a year without a total (or
    with a null one) judged against the median of the totals, a year next to a placeholder."""
    from evidence.notebooks.builders import placeholder_years

    by_counts = pl.DataFrame(
        {
            "year": [y for y, _ in cells],
            "form": [c for _, c in cells],
            "count_low": [None if v is None else v[0] for v in cells.values()],
            "count_high": [None if v is None else v[1] for v in cells.values()],
        },
        schema={"year": pl.Int32, "form": pl.String, "count_low": pl.Int64, "count_high": pl.Int64},
    )
    counts = pl.DataFrame(
        {"year": list(totals), "count_low": list(totals.values())},
        schema={"year": pl.Int32, "count_low": pl.Int64},
    )
    assert placeholder_years(counts, by_counts) == _placeholder_years_by_query(counts, by_counts)


@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(1990, 2030)),
            st.one_of(st.none(), st.integers(-3, 40)),
            st.one_of(st.none(), st.sampled_from([0.0, 2.5, -1.0, math.nan, math.inf])),
        ),
        max_size=12,
    )
)
def test_the_years_with_a_count_above_zero_are_those_a_filter_gives_read_without_a_query(rows):
    """:func:`positive_years` reads a column of integers as lists (no polars query: a brief asks of a few dozen
    rows at a time), a column of floats by a filter (NaN is above 0 to polars, not to Python); the years of the
    rows above 0 either way, and ``_years_of`` the years of a frame, nulls left out, without a query either."""
    import _polars

    from evidence.notebooks.builders import _years_of, positive_years

    frame = pl.DataFrame(rows, schema={"year": pl.Int32, "n": pl.Int64, "share": pl.Float64}, orient="row")
    for column in ("n", "share"):
        expected = {int(y) for y in frame.filter(pl.col(column) > 0)["year"].drop_nulls().to_list()}
        assert positive_years(frame, column) == expected
    with pytest.MonkeyPatch.context() as monkeypatch:
        queries = _polars.count_queries(monkeypatch)
        positive_years(frame, "n")
        years = _years_of(frame)
    assert queries == []
    assert years == {int(y) for y in frame["year"].drop_nulls().to_list()}


def test_the_final_year_of_a_release_is_said_probably_incomplete_once():
    """words31's reader: "**2023** is probably incomplete: final year of the release: possibly incomplete (late
    registration); below 50% of …": incomplete twice, and colons chained. The reason says why, the bullet
    what."""
    from evidence.analyses import trends
    from evidence.notebooks.builders import incomplete_lines

    steady = pl.DataFrame(
        {"year": list(range(2014, 2024)), "count": [100] * 8 + [90, 10]},
        schema={"year": pl.Int32, "count": pl.Int64},
    ).with_columns(count_low=pl.col("count"), count_high=pl.col("count"))
    (line,) = incomplete_lines(trends.incomplete_years(steady, late_registration=True))
    assert line.startswith(
        "- **2023** is probably incomplete: the final year of the release (late registration); "
    )
    assert line.count("incomplete") == 1 and line.count(":") == 1


def test_the_rates_around_a_break_say_what_they_are_and_their_intervals():
    """words31's reader, the trends notebook: "Before it the rate ratio was 1.12 a year (1.09–1.15), after it
    0.99 (0.95–1.04)": the second rate without its unit, and neither bracket said to be an interval."""
    import re

    from _indicator import indicator_rows

    from evidence.notebooks.builders import break_sentence, yearly_numbers

    counts = [40, 44, 47, 52, 55, 60, 64, 70, 150, 160, 171, 180, 195, 205, 220, 236]
    rows = [("THA", 2005 + i, "Total", "Total", "Total", "Total", n) for i, n in enumerate(counts)]
    numbers = yearly_numbers(Selection(indicator_rows(rows), country="THA", role="destination"), RULE)
    found = numbers.models().found_break
    assert found is not None
    text = re.sub(r"</?span[^>]*>", "", break_sentence(numbers.models()))
    before, after = found.rate_ratio_before, found.rate_ratio_after
    assert (
        f"Before it the rate ratio was {before:.2f} a year (95% interval {found.ci_before[0]:.2f}–"
        f"{found.ci_before[1]:.2f}), after it {after:.2f} a year (95% interval {found.ci_after[0]:.2f}–"
        f"{found.ci_after[1]:.2f})." in text
    ), text


def test_no_unmapped_or_unknown_citizenship_is_said_as_none(tmp_path):
    """words31's reader, the demo's data-quality brief: "0.0% have a citizenship the country reference cannot
    map … and about 0.0% a citizenship the publisher gives as unknown", above "Every citizenship in this table
    was mapped to a country": a share of nobody, and "about" of an exact none."""
    from evidence.notebooks.builders import unmapped_citizenship_share

    said = unmapped_citizenship_share(_glotip(tmp_path, [("Myanmar", "60"), ("Cambodia", "12")]))
    assert said == (
        "Of the victims detected by citizenship, none has a citizenship the country reference cannot map to a "
        "single country, and none one the publisher gives as unknown."
    )
    some = unmapped_citizenship_share(_glotip(tmp_path, [("Myanmar", "60"), ("Atlantis", "20")]))
    assert some == (
        "Of the victims detected by citizenship, 25.0% have a citizenship the country reference cannot map to a "
        "single country (listed for review), and none one the publisher gives as unknown; such victims are left "
        "out of routes by origin."
    )


@pytest.mark.parametrize(
    ("by", "name"),
    [("gender", "sex"), ("majority_status", "minor or adult"), ("data_source_type", "source type")],
)
def test_a_breakdown_of_case_data_is_named_as_the_toolkit_names_its_field(by, name):
    """words31's reader: the trends notebook's headings said "By gender" and "By majority status" where every
    other output (the tables, the causes section, the data-quality report) names the fields sex and minor or
    adult: one concept, one name."""
    from evidence.analyses.quality import FIELD_NAMES
    from evidence.notebooks.builders import breakdown_name

    assert breakdown_name(by) == name == FIELD_NAMES[by]
