"""The country brief's builders on the real shared files, each number checked against an independent reading."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidence.notebooks import country
from evidence.presentation.disclosure import DisclosureRule

RULE = DisclosureRule(5)
#: why a UNODC headline is not of the later years, all probably incomplete
LATER_INCOMPLETE = country.LATER_YEARS_FLAGGED.format(words="probably incomplete")


@pytest.fixture(scope="module")
def tables(real_tables):
    return real_tables


def _brief(tables, iso3="THA", role="destination", years=None, peers=()):
    return country.open_brief(tables, RULE, country=iso3, role=role, years=years or (None, None), peers=peers)


def _detected_by_hand(unodc, iso3: str) -> dict[int, tuple[int, int]]:
    """Detected victims per year (Total dimension, sex and age), straight from the canonical rows."""
    from _indicator import detected_totals

    rows = detected_totals(unodc, iso3)
    return {int(r["year"]): (int(r["value_low"]), int(r["value_high"])) for r in rows.iter_rows(named=True)}


def _published_by_hand(unodc, iso3: str) -> list[int]:
    """Years the country published any figure of the victims it detected (a total, or a breakdown)."""
    rows = unodc.data.filter(
        (pl.col("iso3") == iso3)
        & (pl.col("indicator") == "Detected trafficking victims")
        & (pl.col("dimension") != "by country of repatriation")
        & (pl.col("value_high") > 0)
    )
    return sorted(set(rows["year"].cast(pl.Int64).to_list()))


def test_the_brief_covers_the_years_the_data_hold(tables):
    brief = _brief(tables)
    unodc_years = _published_by_hand(tables[1], "THA")  # 2007: Thailand's forms, without a total
    assert brief.years == (min(2010, unodc_years[0]), max(2010, unodc_years[-1]))
    assert {t.kind for t in [*brief.holding("case"), *brief.holding("indicator")]} == {"case", "indicator"}
    assert brief.holding("gsi") and brief.holding("tier")
    assert brief.place_role == "Thailand as country of destination"


def test_detected_victims_per_year_are_the_workbooks(tables):
    brief = _brief(tables)
    numbers = brief.yearly(brief.holding("indicator")[0], "destination")
    by_hand = _detected_by_hand(tables[1], "THA")
    for year, (low, high) in by_hand.items():
        if brief.years[0] <= year <= brief.years[1]:
            expected = f"{low:,}" if low == high else "<5"
            assert country.cell_text(country.published_in_year(numbers, year)) == expected, year


def test_magnitudes_set_detected_victims_against_the_estimate(tables):
    brief = _brief(tables)
    rows = {r.kind: r for r in country.magnitudes(brief)}
    assert rows["gsi"].text == "401,000" and rows["gsi"].year == 2021
    detected = _detected_by_hand(tables[1], "THA")[2021]
    assert rows["indicator"].year == 2021 and rows["indicator"].text == f"{detected[0]:,}"
    assert rows["indicator"].per_thousand == pytest.approx(detected[0] / 401_000 * 1000)
    # the case data's one year (2010) is too far from the estimate's to be set against it
    assert rows["case"].year == 2010 and rows["case"].per_thousand is None
    sentences = " ".join(country.magnitude_sentences(brief, list(rows.values())))
    assert (
        "identified and assisted in Thailand (case data), 2010: not set against the estimate of 2021"
        in sentences
        and "about one in" in sentences
    )
    table = country.magnitude_table(list(rows.values()))
    assert table["Source"].to_list()[1] == "UNODC GLOTIP, release 30 May 2023"
    # Thailand's 2021 is what it reported (134, after 1,540 in 2019): a fall, not an incomplete year
    assert not rows["indicator"].incomplete and not rows["gsi"].incomplete
    assert table["Year"].to_list()[1] == "2021"
    assert "probably incomplete" not in sentences


def test_the_order_of_a_ratio_to_the_estimate_is_no_count_of_people(tables):
    """smoke30: the United Kingdom's briefs at threshold 11 were refused ("shows counts below 11: 10 in ...about
    one in 10"): 87 detected per 1,000 estimated said "about one in 10", a ratio the scanner read as people."""
    import dataclasses

    from evidence.presentation.disclosure import find_small_counts

    brief = _brief(tables)
    rows = [
        dataclasses.replace(r, per_thousand=87.0) if r.kind == "indicator" else r
        for r in country.magnitudes(brief)
    ]
    sentences = " ".join(country.magnitude_sentences(brief, rows))
    assert "about one in" in sentences
    assert find_small_counts(sentences, DisclosureRule(11)) == []


def test_a_ratio_to_the_estimate_is_rounded_alike_wherever_the_brief_states_it(tables):
    """REVIEW9 m2: one ratio, two roundings: the magnitude table and its sentence said 0.33 victims per 1,000
    estimated, the table beside the neighbours 0.334 (Botswana 2.8 and 2.75)."""
    from evidence.analyses.society import DETECTION_GAP
    from evidence.presentation.comparison import format_value

    brief = _brief(tables)
    rows = country.magnitudes(brief)
    (detected,) = [r for r in rows if r.kind == "indicator"]
    assert detected.per_thousand is not None
    said = format_value(DETECTION_GAP, detected.per_thousand)
    assert said == "0.334"  # 134 / 401,000 × 1,000, to the comparison table's three significant digits
    table = country.magnitude_table(rows)
    assert table["Per 1,000 estimated in modern slavery"].to_list()[1] == said
    assert f">{said}</span> victims were detected in 2021" in " ".join(
        country.magnitude_sentences(brief, rows)
    )


def test_nationals_abroad_are_not_set_against_the_estimate(tables):
    brief = _brief(tables, "KHM", "origin")
    rows = country.magnitudes(brief)
    nationals = [r for r in rows if r.kind == "indicator"]
    assert nationals and all(r.per_thousand is None for r in nationals)
    sentences = country.magnitude_sentences(brief, rows)
    assert any("Nationals of Cambodia found abroad or at home are not set" in s for s in sentences)
    # the complete year nearest the estimate's (2021): 2019-2021 miss Malaysia's breakdown (flagged), 2018 is
    # complete; 2020 (Thailand's one cell of 5) was chosen only because 2021 is <5 (review finding 3)
    assert [(r.year, r.incomplete, r.year_text) for r in nationals] == [(2018, False, "2018")]


def test_nationals_all_found_abroad_are_not_said_to_be_found_at_home(tables):
    """real31: Lao PDR as origin: the table above the sentence reads "Nationals of Lao PDR detected abroad"
    (UNODC holds no count of them by Lao PDR) and every victim identified from it was exploited in Thailand,
    yet the sentence under it said they were "found abroad or at home". As origin or both, the sentence says
    where the rows it is about found them, as the rows themselves do (as both, the UNODC row alone: "detected
    abroad", as words31 has it)."""
    for role, said in (("origin", "found abroad"), ("both", "detected abroad")):
        brief = _brief(tables, "LAO", role)
        rows = country.magnitudes(brief)
        assert any(r.what == "Nationals of Lao PDR detected abroad (UNODC)" for r in rows)
        sentences = " ".join(country.magnitude_sentences(brief, rows))
        assert f"Nationals of Lao PDR {said} are not set against the estimate" in sentences, role
        assert "at home" not in sentences, role


def _brief_of_routes(tables, records: list[tuple[str, str]]):
    """A role-both brief of Thailand from case records of 2021 with these (origin, destination) routes, beside
    the GSI."""
    import dataclasses

    from evidence.sources.case_schema import conform

    k_anon, gsi = tables[0], tables[2]
    data = conform(
        pl.DataFrame(
            {
                "source_row": range(2, 2 + len(records)),
                "year": [2021] * len(records),
                "origin_iso3": [o for o, _ in records],
                "destination_iso3": [d for _, d in records],
            }
        )
    )
    return _brief([dataclasses.replace(k_anon, data=data, rows_in=data.height), gsi], role="both")


def test_role_both_sets_only_the_victims_exploited_in_the_country_against_the_estimate(tables):
    records = [("MMR", "THA")] * 12 + [("THA", "MYS")] * 30  # 30 Thai nationals exploited in Malaysia
    brief = _brief_of_routes(tables, records)
    rows = [r for r in country.magnitudes(brief) if r.kind == "case"]
    assert [(r.what, r.text) for r in rows] == [
        ("Victims exploited in Thailand, identified and assisted (case data)", "12"),
        ("Victims identified and assisted in or from Thailand (case data)", "42"),
    ]
    assert rows[0].per_thousand == pytest.approx(12 / 401_000 * 1000) and rows[1].per_thousand is None
    sentences = " ".join(country.magnitude_sentences(brief, country.magnitudes(brief)))
    assert "only the victims exploited in Thailand are set against the estimate" in sentences
    assert "0.0299" in sentences and "42 in all" not in sentences


def test_role_both_never_shows_the_same_victims_as_two_measures(tables):
    """The review: USA both, "Victims exploited in the United States ... 174" and "Victims identified and
    assisted in or from the United States ... 174", one figure as two measures. One row, which says so; and
    where the two differ by a small count (3 nationals exploited abroad), the second row is left out."""

    rows = [
        r for r in country.magnitudes(_brief_of_routes(tables, [("MMR", "THA")] * 12)) if r.kind == "case"
    ]
    assert [(r.what, r.text) for r in rows] == [
        ("Victims identified and assisted in or from Thailand, all exploited in it (case data)", "12")
    ]
    assert rows[0].per_thousand is not None
    small = _brief_of_routes(tables, [("MMR", "THA")] * 12 + [("THA", "MYS")] * 3)
    rows = [r for r in country.magnitudes(small) if r.kind == "case"]
    assert [r.text for r in rows] == ["12"]


def test_gsi_view_shows_thailands_figures_and_ranks(tables):
    table, sentence = country.gsi_view(_brief(tables))
    values = dict(zip(table["Measure"].to_list(), table["Thailand"].to_list(), strict=True))
    assert values["Estimated number of people in modern slavery"] == "401,000"
    assert values["Estimated prevalence per 1,000 population"] == "5.74"
    assert "401,000" in sentence and "5.74" in sentence
    assert table.columns[2] == "Rank in Asia and the Pacific (1 = highest)"
    assert all(" of " in r for r in table[table.columns[2]].to_list())


def test_the_gsi_ranks_name_walk_frees_regions_as_english_says_them(tables):
    """The world review: the United States' table read "Rank in Americas", Jordan's would "Rank in Arab
    States"; Walk Free writes "the Americas" and "the Arab States" (its other regions take no article)."""
    usa, _ = country.gsi_view(_brief(tables, iso3="USA"))
    assert usa.columns[2] == "Rank in the Americas (1 = highest)"
    jordan, _ = country.gsi_view(_brief(tables, iso3="JOR"))
    assert jordan.columns[2] == "Rank in the Arab States (1 = highest)"
    kenya, _ = country.gsi_view(_brief(tables, iso3="KEN"))
    assert kenya.columns[2] == "Rank in Africa (1 = highest)"


def test_tier_history_of_thailand(tables):
    brief = _brief(tables)
    history = country.tier_history(brief)
    tiers = dict(zip(history["report_year"].to_list(), history["tier"].to_list(), strict=True))
    # the shared data's PROVENANCE: Tier 2 2001-03, Watch List 2004, Tier 2 2005-09, Watch List 2010-13, Tier 3 2014-15
    assert tiers[2001] == tiers[2003] == "Tier 2" and tiers[2004] == "Tier 2 Watch List"
    assert tiers[2010] == tiers[2013] == "Tier 2 Watch List" and tiers[2014] == tiers[2015] == "Tier 3"
    text = country.tier_sentence(brief, history)
    assert "(2015), Thailand was placed on Tier 3" in text and "Tier 2 Watch List to Tier 3 in 2014" in text
    # the years on the lists as a sentence says them (word29: "2004, 2010–2015" read as a list going on)
    assert "On the Watch List or Tier 3 in the reports of 2004 and 2010–2015." in text


def test_an_unused_source_is_named_once_and_never_cited(tables):
    brief = _brief(tables, "THA", "origin")  # the CTDC sample holds no Thai nationals
    assert not brief.holding("case")
    assert "CTDC k-anonymised global dataset" in country.unused_sentence(brief)
    assert "CTDC" not in " ".join(country.overview_view(brief)["Source and release"].to_list())
    brief.cite(*brief.holding("indicator"))
    cited = {e["source"]: e["cited"] for e in brief.provenance()}
    assert cited["ctdc"] is False and cited["unodc_glotip"] is True
    # the synthetic-data notice follows the files used: the case file is none of them
    assert [t.kind for t in brief.used_tables()] == ["indicator", "gsi", "tier"]


def test_key_figures(tables):
    brief = _brief(tables)
    figures = dict(country.key_figures(brief))
    assert figures["People estimated in modern slavery, 2021 (GSI)"] == "401,000"
    # the tier data end with the 2015 report, 6 years before the other figures (2021): not a headline beside
    # them, and the box says why it is not there
    assert not [label for label in figures if "TIP" in label]
    detected = _detected_by_hand(tables[1], "THA")
    last = max(detected)
    # Thailand's 2021 count is far below its trend, but it is what the country reported: not "incomplete"
    assert figures[f"Victims detected in the country (UNODC), {last}"] == f"{detected[last][0]:,}"
    box = country.key_figures_markdown(brief)
    assert box.startswith("::: {.key-figures}") and box.endswith(":::")
    assert "the tier data given end with the report of 2015, 6 years before the other figures (2021)" in box


def test_a_country_without_a_total_says_so_at_a_glance(tables):
    """real31: Cambodia as destination: the UNODC data hold its detected victims by form (2007, 2017-2020) and
    age (2013-2015), never a total; "At a glance" gave the case data and the GSI and left UNODC out without a
    word, though the brief cites it and has a section of it. The box names it, with no number; as both, too."""
    for role in ("destination", "both"):
        figures = dict(country.key_figures(_brief(tables, "KHM", role)))
        assert figures.get("Victims detected in the country (UNODC)") == "no total published (see below)", (
            role,
            figures,
        )
    # a country with a total keeps its number, and no such line
    thailand = dict(country.key_figures(_brief(tables)))
    assert "Victims detected in the country (UNODC)" not in thailand
    assert "no total published (see below)" not in thailand.values()


def _later_tiers(tmp_path, rows):
    """A tier file of later reports in the simple CSV layout (iso3, report_year, tier), loaded."""
    from evidence.sources.registry import load

    path = tmp_path / "tiers_later.csv"
    path.write_text("iso3,report_year,tier\n" + "".join(f"{i},{y},{t}\n" for i, y, t in rows))
    return load(path)


def test_a_tier_of_a_later_report_is_a_key_figure_again(tables, tmp_path):
    """With a tier file of later reports (the simple CSV layout), the latest placement is within 2 years of
    the other figures: shown at a glance, and no age is said anywhere."""
    later = _later_tiers(tmp_path, [("THA", 2020, "Tier 2 Watch List"), ("THA", 2021, "Tier 2 Watch List")])
    brief = _brief([*tables, later])
    figures = dict(country.key_figures(brief))
    assert figures["US TIP Report tier, 2021 report"] == "Tier 2 Watch List"
    assert country.tier_left_out(brief) is None and country.tier_age(brief) is None
    text = country.tier_sentence(brief, country.tier_history(brief))
    # the Watch List is a list a country is placed on ("on the Tier 2 Watch List"), a tier is not ("on Tier 3")
    assert "(2021), Thailand was placed on the Tier 2 Watch List." in text and "years before" not in text
    # a report one or two years older than the other figures is still a headline, its age said in the section
    older = _brief([*tables, _later_tiers(tmp_path, [("THA", 2019, "Tier 2")])])
    assert dict(country.key_figures(older))["US TIP Report tier, 2019 report"] == "Tier 2"
    assert "2 years before the brief\\'s other figures (2021)" in country.tier_sentence(
        older, country.tier_history(older)
    )


def test_the_tier_section_says_how_old_the_tier_data_are(tables):
    brief = _brief(tables)
    assert country.tier_age(brief) == (2015, 2021, 6)
    text = country.tier_sentence(brief, country.tier_history(brief))
    assert "end with the report of 2015, 6 years before the brief\\'s other figures (2021)" in text  # escaped


def test_a_country_whose_name_takes_the_is_said_so(tables):
    brief = _brief(tables, "NLD", "destination")
    assert brief.place == "the Netherlands" and brief.place_start == "The Netherlands"
    assert brief.name == "Netherlands" and brief.place_role == "the Netherlands as country of destination"
    assert "the Netherlands was placed on" in country.tier_sentence(brief, country.tier_history(brief))
    assert "**Country:** Netherlands as country of destination" in country.key_figures_markdown(brief)


def test_peer_table_puts_the_country_first_with_dated_values(tables):
    from evidence.analyses.society import COMPARE_MEASURES, country_panel
    from evidence.presentation.comparison import comparison_by_country, disclosed_comparison

    panel = country_panel(tables[1:])
    compared = disclosed_comparison(panel.compare("THA", ["KHM", "LAO"]), RULE)
    table = comparison_by_country(compared, COMPARE_MEASURES)
    assert table["Country"].to_list() == ["Thailand", "Cambodia", "Lao PDR"]
    thailand = table.row(0, named=True)
    assert thailand["TIP tier"] == "Tier 3 (2015)"
    assert thailand["Estimated in modern slavery"] == "401,000"  # GSI: one year for all, said in the note
    assert thailand["Detected victims"].endswith("(2021)")


def test_years_given_are_kept(tables):
    brief = _brief(tables, years=(2015, 2018))
    assert brief.years == (2015, 2018) and brief.period == "2015–2018"
    assert not brief.holding("case")  # the sample's Thailand records are all from 2010


def test_each_victim_source_covers_the_years_it_holds_within_the_brief(tables):
    brief = _brief(tables)  # the CTDC sample holds Thailand in 2010 only; UNODC from 2007 (destination)
    case = brief.holding("case")[0]
    unodc = brief.holding("indicator")[0]
    assert brief.years_for(case) == (2010, 2010) and brief.period_for(case) == "2010"
    assert brief.years_held(case, within=True) == "2010"
    assert brief.selection(case).years == (2010, 2010)
    published = _published_by_hand(tables[1], "THA")
    assert brief.years_for(unodc, "destination") == (published[0], published[-1])
    assert brief.years_for(brief.holding("gsi")[0]) == brief.years  # context: the brief's years
    figures = dict(country.key_figures(brief))
    assert "Victims identified, 2010 (case data)" in figures
    # the yearly table of the case data is 2010 alone, not a run of empty years around it
    assert brief.yearly(case).counts["year"].to_list() == [2010]
    narrow = _brief(tables, years=(2011, 2015))
    assert narrow.years_for(case) is None and narrow.selection(case).years == (2011, 2015)


def test_an_origin_brief_covers_the_countrys_own_detected_victims_too(tables):
    """The review (finding 7), LAO origin: "The data of this brief" gave UNODC 2008–2009, 2011–2021 beside a table
    of Lao PDR's own detected victims showing 2010 (145); Lao PDR's own 2007 (264) was outside the brief."""
    brief = _brief(tables, iso3="LAO", role="origin")
    assert brief.years == (2007, 2021)
    overview = country.overview_view(brief)
    unodc_row = overview.filter(pl.col("Source and release").str.contains("UNODC")).row(0, named=True)
    assert unodc_row["Years it holds for Lao PDR as country of origin"] == "2007–2021"
    unodc = brief.holding("indicator")[0]
    own = _detected_by_hand(tables[1], "LAO")
    assert own[2007] == (264, 264) and own[2010] == (145, 145)
    shown = brief.yearly(unodc, "destination", by=None).counts
    assert {2007, 2010} <= set(shown["year"].cast(pl.Int64).to_list())
    # the nationals' own series keeps its years: no citizenship breakdown names Lao nationals in 2007 or 2010
    assert brief.years_for(unodc, "origin")[0] == 2008
    assert brief.period_for(unodc, "origin") == "2008–2009, 2011–2021"


def test_a_source_holding_two_years_is_said_to_hold_those_years_not_the_span_between(tables):
    """The review (finding 7): KHM origin's key figure "Victims identified, 2010–2018" covered 2010 and 2018."""
    brief = _brief(tables, iso3="KHM", role="origin")
    case = brief.holding("case")[0]
    assert brief.years_for(case) == (2010, 2018) and brief.period_for(case) == "2010, 2018"
    figures = dict(country.key_figures(brief))
    assert "Victims identified, 2010 and 2018 (case data)" in figures
    assert not any("2010–2018" in label for label in figures)


def test_the_headline_of_nationals_detected_is_the_latest_complete_year(tables):
    """Review finding 3: Cambodia's headline was "Nationals detected (UNODC), 2020 (probably incomplete): 5",
    Thailand's one cell of 2020, chosen because 2021 is <5. 2019-2021 miss Malaysia's breakdown (it published
    totals only); 2018 is complete: Thailand 43, Malaysia <5 (CAMBODIA), Panama <5."""
    brief = _brief(tables, iso3="KHM", role="origin")
    figures = dict(country.key_figures(brief))
    (label,) = [k for k in figures if k.startswith("Nationals detected (UNODC)")]
    numbers = brief.yearly(brief.holding("indicator")[0], "origin")
    assert numbers.flagged[:3] == [2021, 2020, 2019] and 2018 not in numbers.flagged
    # why not 2021: the later years are probably incomplete (said, as for Ukraine's 2012)
    assert label == f"Nationals detected (UNODC), 2018 ({LATER_INCOMPLETE})"
    assert figures[label] == "45–51"
    unodc = tables[1].data.filter(
        (pl.col("year") == 2018)
        & (pl.col("indicator") == "Detected trafficking victims")
        & (pl.col("dimension") == "by citizenship")
        & (pl.col("sex") == "Total")
        & (pl.col("age") == "Total")
        & pl.col("category").str.to_lowercase().eq("cambodia")
    )
    assert (unodc["value_low"].sum(), unodc["value_high"].sum()) == (45, 51)


def _numbers(rows, role="origin"):
    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import yearly_numbers

    return yearly_numbers(Selection(rows, country="MMR", role=role), RULE)


def test_a_headline_year_is_never_a_flagged_one_because_the_nearer_complete_year_is_censored():
    from _indicator import breakdowns

    years = range(2012, 2022)
    # Thailand lists Myanmar's nationals every year (<5 in 2021); Malaysia, a large reporter, publishes no
    # breakdown in 2020: 2020 is flagged, 2021 (<5) is complete
    rows = breakdowns(
        {
            "THA": {y: "<5" if y == 2021 else 100 for y in years},
            "MYS": {y: None if y == 2020 else 80 for y in years},
        }
    )
    numbers = _numbers(rows)
    assert numbers.flagged == [2020]
    assert country.nearest_published(numbers, 2021) == 2021  # the complete year, <5 and all
    assert country.cell_text(country.published_in_year(numbers, 2021)) not in ("", "n/a")
    assert country.flag_words(numbers, 2021) == ""
    # the latest year flagged: the latest complete year before it, not the flagged one
    late = breakdowns(
        {"THA": dict.fromkeys(years, 100), "MYS": {y: None if y == 2021 else 80 for y in years}}
    )
    numbers = _numbers(late)
    assert numbers.flagged == [2021] and country.nearest_published(numbers, 2021) == 2020
    assert country.flag_words(numbers, 2021) == "probably incomplete"


def test_a_headline_from_a_series_whose_every_year_is_flagged_says_so():
    from _indicator import breakdowns

    years = range(2010, 2016)
    # two large reporters take turns to publish a breakdown: every year misses one
    rows = breakdowns(
        {"THA": {y: 200 if y % 2 else None for y in years}, "MYS": {y: None if y % 2 else 200 for y in years}}
    )
    numbers = _numbers(rows)
    assert sorted(numbers.flagged) == list(years)
    assert country.nearest_published(numbers, 2015) == 2015
    assert country.flag_words(numbers, 2015) == "probably incomplete, as is every year of the series"
    # REVIEW5 M5: such a series gives no headline number at all
    assert country.no_reliable_year(numbers)
    assert (
        country.no_reliable_total(numbers) == "no reliable recent total (every year is probably incomplete)"
    )


def test_the_nationals_headline_follows_one_rule_and_names_it(tables):
    """REVIEW5 M5: Viet Nam's headline was "2021 (probably incomplete, as is every year of the series): 10-16"
    (the United Kingdom alone detects hundreds a year); with the material rule its latest year not probably
    incomplete is 2016 (428-449), and the box says which year a UNODC figure is of."""
    brief = _brief(tables, iso3="VNM", role="both")
    figures = dict(country.key_figures(brief))
    (label,) = [k for k in figures if k.startswith("Nationals detected (UNODC)")]
    assert label == f"Nationals detected (UNODC), 2016 ({LATER_INCOMPLETE})"
    assert figures[label] == "428–449"
    box = country.key_figures_markdown(brief)
    assert "latest year that is not probably incomplete" in box and "at least 25%" in box
    assert "as is every year" not in box
    # a reporter's breakdown may be published without these nationals (the UK's of 2009-2010 beside Eritrea's)
    assert "other years published no full citizenship breakdown listing them for it." in box


def test_a_brief_whose_nationals_are_incomplete_every_year_headlines_no_number(tables, monkeypatch):
    from evidence.analyses import trends

    # every year of Viet Nam's nationals misses some reporter: at a 1% threshold, every year is flagged
    monkeypatch.setitem(trends.reporter_gaps.__kwdefaults__, "min_share", 0.01)
    brief = _brief(tables, iso3="VNM", role="both")
    figures = dict(country.key_figures(brief))
    said = "no reliable recent total (every year is probably incomplete)"
    assert figures["Nationals detected (UNODC)"] == said
    rows = {r.short: r for r in country.magnitudes(brief)}
    assert rows["Nationals detected (UNODC)"].text == said
    assert rows["Nationals detected (UNODC)"].value is None


def test_netherlands_breakdown_is_compared_with_the_total_of_the_years_it_covers(tables):
    """Review finding 7, real file: NLD's breakdown covers 2007-2019; the total of 2007-2020 holds 2020's 984."""
    brief = _brief(tables, "NLD", "destination")
    unodc = brief.holding("indicator")[0]
    detected = _detected_by_hand(tables[1], "NLD")
    assert detected[2020] == (984, 984)
    common = sum(low for year, (low, _) in detected.items() if 2007 <= year <= 2019)
    assert common == 14_123
    routes = brief.routes(unodc, "destination")
    summed = str(routes.key_figures()["Victims"][0])  # 14,065-15,259 at the review; the route table's sum
    sentence = country.breakdown_sentence(brief, unodc, routes)
    assert f"The citizenship breakdown of 2007–2019 sums to {summed} victims" in sentence
    assert (
        "UNODC\\'s total also covers 2020 (984 victims), for which it publishes no citizenship breakdown"
        in (sentence)
    )
    assert f"the breakdown sums to {summed} and the total is 14,123" in sentence
    assert "Over those years the two agree" in sentence and "more than one citizenship" not in sentence


def test_tables_by_dimension_cover_the_years_the_dimension_is_published(tables):
    """Thailand published its 2007 forms (forced labour 158, sexual exploitation 169, other 217) without a
    total: the table by form starts in 2007, as the models do, its total cell empty."""
    from evidence.notebooks.builders import PUBLISHED_TOTAL

    brief = _brief(tables)
    numbers = brief.yearly(brief.holding("indicator")[0], "destination", by="form")
    shown = {r["year"]: r for r in numbers.by_category.shown().iter_rows(named=True)}
    first = shown["2007"]
    assert (first["Forced labour"], first["Sexual exploitation"], first["Other forms of exploitation"]) == (
        "158",
        "169",
        "217",
    )
    assert first[PUBLISHED_TOTAL] == "" and shown["2009"][PUBLISHED_TOTAL] == "145"
    assert numbers.models("Forced labour").rate_ratio.first_year == 2007  # the table and the model agree


def test_a_country_publishing_breakdowns_without_a_total_has_them_shown(tables):
    """Cambodia as destination: no total, but forms (2007, 2017-2020) and ages (2013-2015)."""
    from evidence.notebooks.builders import PUBLISHED_TOTAL, no_breakdown_years

    brief = _brief(tables, "KHM", "destination")
    unodc = brief.holding("indicator")[0]  # it holds Cambodia now, no longer "nothing"
    forms = brief.yearly(unodc, "destination", by="form")
    ages = brief.yearly(unodc, "destination", by="age")
    assert not forms.has_totals and forms.holds_victims and ages.holds_victims
    # the years of the breakdown are the rows; the brief's other years (2007–2020) are named in the note
    assert brief.years == (2007, 2020)
    for numbers, held in ((forms, [2007, 2017, 2018, 2019, 2020]), (ages, [2013, 2014, 2015])):
        shown = numbers.by_category.shown()
        assert shown["year"].to_list() == [str(y) for y in held] and "note" not in shown.columns
        assert no_breakdown_years(numbers) == ([], [y for y in range(2007, 2021) if y not in held])
    assert PUBLISHED_TOTAL not in forms.by_category.low.count_columns  # none published, none shown empty


def _small_brief(rows):
    """A country brief of Thailand as destination over a small UNODC table built in memory."""
    from _indicator import indicator_rows

    from evidence.sources.loaded import LoadedTable
    from evidence.sources.provenance import Provenance

    provenance = Provenance(
        source="unodc_glotip", layout="unodc_glotip", release="2023", path="/d/u.xlsx", sha256="a" * 64, url="",
        licence="", citation="UNODC", synthetic=False, demo=False,
    )  # fmt: skip
    frame = indicator_rows(rows)
    table = LoadedTable(frame, provenance, rows_in=frame.height, kind="indicator")
    brief = country.open_brief([table], RULE, country="THA", role="destination")
    return brief, table, brief.routes(table, "destination")


def test_a_total_year_without_a_breakdown_is_named_and_the_two_compared_over_the_years_both_cover():
    """Review finding 7 (Netherlands): the breakdown of 2007-2019 (14,065-15,259) was set against the total of
    2007-2020 (15,107) and said to differ; 2020 (984) has no breakdown, and over 2007-2019 the total, 14,123,
    lies within the breakdown's range."""
    rows = []
    for year, total, listed in (
        (2018, 400, [(300, "MMR"), ("<5", "KHM"), ("<5", "LAO")]),
        (2019, 500, [(497, "MMR")]),
    ):
        rows.append(("THA", year, "Total", "Total", "Total", "Total", total))
        rows += [("THA", year, "by citizenship", code, "Total", "Total", value) for value, code in listed]
        if year == 2018:
            rows.append(("THA", year, "by citizenship", "VNM", "Total", "Total", 97))
    rows.append(("THA", 2020, "Total", "Total", "Total", "Total", 984))  # no breakdown in 2020
    brief, table, routes = _small_brief(rows)
    sentence = country.breakdown_sentence(brief, table, routes)
    assert "The citizenship breakdown of 2018–2019 sums to 896–902 victims" in sentence
    assert "detected in Thailand in 2018–2020 is 1,884" in sentence
    assert (
        "UNODC\\'s total also covers 2020 (984 victims), for which it publishes no citizenship breakdown"
        in (sentence)
    )
    assert (
        "Over the years both cover, 2018–2019, the breakdown sums to 896–902 and the total is 900" in sentence
    )
    assert "Over those years the two agree: the total lies within the range" in sentence
    assert "counts a victim under more than one citizenship" not in sentence
    # over the common years a total outside the range gets the reasons
    rows[-2] = ("THA", 2019, "by citizenship", "MMR", "Total", "Total", 300)
    brief, table, routes = _small_brief(rows)
    sentence = country.breakdown_sentence(brief, table, routes)
    assert "the breakdown sums to 699–705 and the total is 900" in sentence
    assert "Over those years, the two differ because a country breaks down" in sentence


def test_the_breakdown_sentence_says_a_withheld_count_in_words():
    """A total of a year without a breakdown that is small (2020: 3 victims) was printed as the tables' label
    inside the sentence ("(<5 victims)"): prose says it in words."""
    rows = []
    for year, total, listed in ((2018, 400, [(300, "MMR"), (97, "VNM")]), (2019, 500, [(497, "MMR")])):
        rows.append(("THA", year, "Total", "Total", "Total", "Total", total))
        rows += [("THA", year, "by citizenship", code, "Total", "Total", value) for value, code in listed]
    rows.append(("THA", 2020, "Total", "Total", "Total", "Total", 3))  # no breakdown in 2020
    brief, table, routes = _small_brief(rows)
    sentence = re.sub(r"</?span[^>]*>", "", country.breakdown_sentence(brief, table, routes))
    assert "UNODC\\'s total also covers 2020 (fewer than 5 victims)" in sentence, sentence
    assert "<5 victims" not in sentence


def test_the_route_table_sums_the_citizenship_breakdown_beside_the_published_total(tables):
    """Thailand: 6,944 detected victims per UNODC's totals, 6,287-6,437 in the citizenship breakdown; the
    route table must not call the second "victims"."""
    from evidence.notebooks.builders import ALL_VICTIMS, BREAKDOWN_SUM, VICTIMS

    brief = _brief(tables)
    unodc = brief.holding("indicator")[0]
    routes = brief.routes(unodc, "destination")
    assert routes.low.table.total_label == BREAKDOWN_SUM
    assert ALL_VICTIMS not in routes.table().columns and BREAKDOWN_SUM in routes.table().columns
    measure, summed = routes.key_figures().row(0)
    assert measure.startswith("Detected victims in the citizenship breakdown") and "victims" not in summed
    total = country.cell_text(brief.yearly(unodc, "destination").per_year.cells(VICTIMS)[-1])
    sentence = country.breakdown_sentence(brief, unodc, routes)
    assert f"sums to {summed} victims" in sentence and f"is {total} (victims per year, above)" in sentence
    assert total != summed
    # each number with its own years: the breakdown holds 2008 (two <5 cells), the totals begin in 2009
    assert country.breakdown_years(routes)[0] == 2008
    assert "The citizenship breakdown of 2008–2021 sums to" in sentence
    assert "detected in Thailand in 2009–2021 is" in sentence
    assert "The breakdown also covers 2008, for which UNODC gives no total." in sentence
    # compared over the years both cover (2009-2021): the breakdown without 2008's two <5 cells, and without the
    # 59 nationals repatriated from abroad in 2020 (exploited abroad: not victims of Thailand as destination)
    assert (
        "Over the years both cover, 2009–2021, the breakdown sums to 6,228–6,378 and the total is 6,944"
        in (sentence)
    )
    case = brief.holding("case")[0]
    assert country.breakdown_sentence(brief, case, brief.routes(case)) is None


def test_an_origin_brief_shows_the_countrys_own_detected_victims_and_no_lone_partners_small_cell(tables):
    """Review finding 8: Lao PDR as origin. Its authorities detected 264 (2007), 235, 155, 145 (2010), 157 (2014),
    107 (2015), none of which the brief showed; it headlined "Nationals detected (UNODC), 2021: <5", one cell
    of Thailand's, and fitted the trend of what is, in effect, Thailand's count of Lao victims."""
    brief = _brief(tables, iso3="LAO", role="origin")
    unodc = brief.holding("indicator")[0]
    rows = {m.what: m for m in country.magnitudes(brief)}
    nationals = rows["Nationals of Lao PDR detected abroad (UNODC)"]
    assert nationals.year != 2021 and nationals.text not in ("<5", "x")  # 2021: Thailand's <5 only
    assert 2021 in country.single_partner_small_years(brief, unodc, brief.yearly(unodc, "origin"))
    own = rows["Victims detected by the authorities of Lao PDR, any citizenship (UNODC)"]
    assert (own.year, own.text) == (2015, "107")
    # the trend is labelled for what it is: nationals detected abroad, most of them by Thailand
    said = country.detected_by_sentence(brief, unodc)
    assert said is not None and said.startswith("These are nationals of Lao PDR detected by other countries")
    assert "Thailand detects most of them" in said and "no count of its nationals" in said
    myanmar = country.detected_by_sentence(_brief(tables, iso3="MMR", role="origin"), unodc)
    assert myanmar is not None and "and by its own authorities" in myanmar


def test_an_origin_briefs_key_figures_headline_no_lone_partners_small_cell(tables):
    figures = dict(country.key_figures(_brief(tables, iso3="LAO", role="origin")))
    nationals = [k for k in figures if k.startswith("Nationals detected (UNODC)")]
    assert nationals and not nationals[0].startswith("Nationals detected (UNODC), 2021")  # Thailand's <5
    assert figures[nationals[0]] not in ("<5", "x")
    assert figures["Victims detected in the country (UNODC, any citizenship), 2015"] == "107"


def test_a_breakdown_and_a_total_not_compared_are_not_said_to_differ(tables):
    """The world review: Tonga as destination, "The citizenship breakdown of 2017–2020 sums to up to 16 victims;
    UNODC's total ... is up to 16 ... The two differ because ..." (the same two numbers), and the Bahamas'
    "Beyond the years, the two differ because ...": counts withheld are not compared, so not said to differ."""
    for iso3 in ("TON", "BHS"):
        brief = _brief(tables, iso3=iso3, role="destination")
        unodc = brief.holding("indicator")[0]
        sentence = country.breakdown_sentence(brief, unodc, brief.routes(unodc, "destination"))
        assert sentence is not None and "the two differ" not in sentence.lower(), sentence
        assert "Beyond the years" not in sentence
        assert "are withheld, so the two are not compared; they can differ because " in sentence


def test_the_headline_rule_says_a_lone_small_count_is_passed_over_only_for_a_year_that_holds_more(tables):
    """The world review: Tonga as origin headlined "Nationals detected (UNODC), 2020: <5" (every year <5) under
    "UNODC figures are given for the latest year ... (for a country's nationals, nor one in which a single
    country detected fewer than 5 of them)": the rule passes over such a year only where another holds more."""
    brief = _brief(tables, iso3="TON", role="origin")
    figures = dict(country.key_figures(brief))
    (label,) = [k for k in figures if k.startswith("Nationals detected (UNODC)")]
    assert label == "Nationals detected (UNODC), 2020" and figures[label] == "<5"
    box = country.key_figures_markdown(brief)
    assert (
        "nor one in which a single country detected fewer than 5 of them where another year holds more" in box
    )


def test_a_year_whose_published_parts_exceed_its_total_is_said_not_reconcilable(tables):
    """REVIEW7 R4: Botswana 2020, Ghana 6 and Zimbabwe 6 against a total of 11, printed side by side in silence
    (the sentence said only that the totals of 2017-2020 agree)."""
    brief = _brief(tables, iso3="BWA", role="destination")
    unodc = brief.holding("indicator")[0]
    sentence = country.breakdown_sentence(brief, unodc, brief.routes(unodc, "destination"))
    assert "The two agree, summed: the total lies within" in sentence
    assert "Year by year, they cannot be reconciled in 2020 (12 against a total of 11)" in sentence
    assert "parts and the total cannot both be right" in sentence
    # Thailand 2014: six citizenships published as numbers sum to 602 (Thailand 298, Lao PDR 108, ...), its total
    # is 595; its other years are said to agree with nothing more
    thailand = _brief(tables)
    unodc = thailand.holding("indicator")[0]
    said = country.breakdown_sentence(thailand, unodc, thailand.routes(unodc, "destination"))
    assert "cannot be reconciled in 2014 (602 against a total of 595):" in said


def test_myanmars_citizenship_chart_and_breakdown_sentence_say_what_they_leave_out(tables):
    """REVIEW2 #8, real file: Myanmar as destination. The chart drew Myanmar → Myanmar 263–271 as 47–49% of
    553–561, a sum that holds the doubtful routes (212) it leaves out and not the 78 recorded as exploited at
    home; the sentence on breakdown against total did not name the 917–939 repatriated nationals left out."""
    brief = _brief(tables, "MMR", "destination")
    unodc = brief.holding("indicator")[0]
    routes = brief.routes(unodc, "destination")
    chart = routes.chart_data()
    # one domestic bar, both pieces of Myanmar's own nationals (271 and 78), all of what the chart draws; 271
    # exact, as the workbook gives it: the own nationals less the published subtotals "Abroad" (REVIEW5 M1)
    assert chart.select("origin_iso3", "destination_iso3", "victims_text", "share").rows() == [
        ("MMR", "MMR", "349", "100.0%")
    ]
    sentence = country.breakdown_sentence(brief, unodc, routes)
    # REVIEW5 M1: 270 + 264 + 289 + 82 + 19 published "Abroad" (2017-2021), not their countries' 917-939
    assert "the breakdown here leaves out 924 nationals of Myanmar detected on their return" in sentence


def test_who_detects_the_nationals_is_said_by_the_numbers(tables):
    """REVIEW2 #9: "the most of them by United Kingdom" where the United Kingdom detects 15-21 of 25,196 US
    nationals and the United States nearly all; "by Netherlands" without its article."""
    unodc = tables[1]
    usa = country.detected_by_sentence(_brief(tables, iso3="USA", role="origin"), unodc)
    assert usa == (
        "These are nationals of the United States detected by its own authorities, which detect most of them, "
        "and by other countries (of those detected abroad, the United Kingdom detects more of them than any other "
        "country)."
    )  # review 5, m10: the UK's 15–21 may be under half of those detected abroad, at the low end of its range
    nigeria = country.detected_by_sentence(_brief(tables, iso3="NGA", role="origin"), unodc)
    assert nigeria is not None and "which detect more than half of them" in nigeria
    thailand = country.detected_by_sentence(_brief(tables, iso3="THA", role="origin"), unodc)
    assert thailand is not None and "which detect about half of them" in thailand  # 2,161 of 4,079–4,247
    assert "the Netherlands detects more of them than any other country" in nigeria


def test_no_country_is_said_to_detect_the_most_nationals_when_the_counts_tie(tables):
    """The world review: Japan's nationals detected abroad are <5 in each of six countries (Botswana, France,
    the United Kingdom, the Netherlands, Peru, the United States: 1–4 each), and "Botswana detects more of them
    than any other country" was the alphabet's choice. A country leads only where its least count is above
    every other's most."""
    unodc = tables[1]
    brief = _brief(tables, iso3="JPN", role="origin")
    ranges = country.detected_ranges(brief, unodc)
    abroad = {code: r for code, r in ranges.items() if code != "JPN"}
    assert len(abroad) >= 2 and set(abroad.values()) == {(1, 4)}  # a tie, by the workbook
    said = country.detected_by_sentence(brief, unodc)
    assert said is not None and "more of them than any other country" not in said
    assert not any(name in said for name in ("Botswana", "France", "Peru"))
    assert "no one country is known to detect more of them than the others" in said
    # Niger's: Algeria 32, Nigeria 21–39; either may detect the most, and both are named
    niger = country.detected_by_sentence(_brief(tables, iso3="NER", role="origin"), unodc)
    assert niger is not None and "Algeria detects more of them than any other country" not in niger
    assert (
        "of those detected abroad, Algeria or Nigeria detects the most of them: their counts overlap" in niger
    )


def test_an_origin_brief_without_nationals_detected_promises_and_cites_no_counts_of_them(tables):
    """The world review: the Bahamas as origin (2014–2017), whose nationals no country's breakdown lists, was
    promised "nationals of the Bahamas detected abroad per year ..., and where they were detected", then told
    "UNODC's data hold no detected victims of the Bahamas as country of origin", and its own authorities'
    victims were "not in the counts of nationals above", counts it never showed."""
    unodc = tables[1]
    brief = _brief(tables, iso3="BHS", role="origin")
    assert not brief.yearly(unodc, "origin").has_totals  # no nationals, by the workbook
    intro = country.detected_intro(brief, unodc)
    assert "nationals of the Bahamas detected" not in intro and "where they were detected" not in intro
    assert "the victims the Bahamas' own authorities detected, of any citizenship, per year" in intro
    own = country.own_detected_sentence(brief, unodc, brief.yearly(unodc, "destination", by=None))
    assert "counts of nationals above" not in own
    assert "how many of them are its nationals is not known" in own
    # a country whose nationals are counted keeps its sentences (Thailand: Thailand → Thailand)
    thailand = _brief(tables, iso3="THA", role="origin")
    said = country.own_detected_sentence(thailand, unodc, thailand.yearly(unodc, "destination", by=None))
    assert "in the counts of nationals above (Thailand → Thailand)" in said


def test_origin_briefs_say_what_their_unodc_section_holds(tables):
    """REVIEW2 #9, real file: the origin briefs' intro promised tables by form, sex and age and the citizenships
    of the victims detected in the country, which Cambodia's and Lao PDR's do not have; Nigeria's own count
    was said to be of unknown citizenship in every year, under a table of Nigeria → Nigeria."""
    unodc = tables[1]
    for iso3 in ("KHM", "LAO"):
        intro = country.detected_intro(_brief(tables, iso3=iso3, role="origin"), unodc)
        assert "form, sex and age" not in intro and "by citizenship" not in intro
        assert "by country of detection" in intro
    assert "form, sex and age" in country.detected_intro(_brief(tables, iso3="THA"), unodc)
    nigeria = _brief(tables, iso3="NGA", role="origin")
    said = country.own_detected_sentence(nigeria, unodc, nigeria.yearly(unodc, "destination", by=None))
    assert (
        "In 2010–2016 and 2018–2021, Nigeria's breakdown by citizenship gives how many of them are its nationals"
        in (said)
    )
    assert "in 2008–2009, Nigeria gives no breakdown by citizenship, so how many" in said
    # 2017: a breakdown by citizenship without Nigeria's own row (REVIEW7 R4: not "no breakdown")
    assert "in 2017, Nigeria's breakdown by citizenship has no row for its own nationals, so how many" in said
    lao = _brief(tables, iso3="LAO", role="origin")
    said = country.own_detected_sentence(lao, unodc, lao.yearly(unodc, "destination", by=None))
    assert "Lao PDR gives no breakdown of them by citizenship" in said


def test_botswanas_2020_returnees_are_its_nationals_counted_not_a_year_without_data(tables):
    """REVIEW7 R4, real file: Botswana 2020 has a citizenship breakdown (Bangladesh <5, Ghana 6, Nigeria <5,
    Zimbabwe 6) without a row of its own nationals, and repatriated from abroad <5. The origin brief said "in
    2020, Botswana gives no breakdown by citizenship" and marked 2020 "no data published"."""
    from evidence.notebooks.builders import NO_DATA_PUBLISHED

    unodc = tables[1]
    brief = _brief(tables, iso3="BWA", role="origin", years=(2017, 2020))
    said = country.own_detected_sentence(brief, unodc, brief.yearly(unodc, "destination", by=None))
    assert "gives no breakdown" not in said
    assert (
        "In 2017–2019, Botswana's breakdown by citizenship gives how many of them are its nationals" in said
    )
    assert "in 2020, Botswana's breakdown by citizenship has no row for its own nationals" in said
    assert "those it counted on their return from abroad" in said
    numbers = brief.yearly(unodc, "origin")
    assert numbers.per_year is not None
    assert NO_DATA_PUBLISHED not in numbers.per_year.low.frame["note"].to_list()
    counted = numbers.counts.filter(pl.col("year") == 2020).select("count_low", "count_high").rows()
    assert counted == [(1, 4)]  # shown <5
    # the year's count is <5 (Botswana's returnees); the headline is that complete year, not a flagged one
    nationals = {m.what: m for m in country.magnitudes(brief)}[
        "Nationals of Botswana detected abroad or at home (UNODC)"
    ]
    assert (nationals.year, nationals.text, nationals.incomplete) == (2020, "<5", False)


@pytest.mark.parametrize(
    ("iso3", "role", "missing", "doubtful"),
    [("USA", "both", [2007, 2008], [2017]), ("LAO", "origin", [2007, 2010], [])],
)
def test_years_without_unodc_nationals_are_rows_marked_not_published(tables, iso3, role, missing, doubtful):
    """Review 3, finding 3: the United States' nationals had no row for 2007, 2008 and 2017, Lao PDR's none for
    2007 and 2010, where the case tables write "no records". Now a row, an empty count (never 0), a note, and
    out of the models, as the case tables do. Review 7, m3: the United States' 2017 is a year of its doubtful
    breakdown, published but not used, as its 2018 is: not "no data published"."""
    from evidence.notebooks import views
    from evidence.notebooks.builders import DOUBTFUL_BREAKDOWN, NO_DATA_PUBLISHED, VICTIMS, incomplete_lines

    brief = _brief(tables, iso3=iso3, role=role)
    assert brief.years == (2007, 2021)
    unodc = brief.holding("indicator")[0]
    numbers = brief.yearly(unodc, "origin")
    shown = numbers.per_year.shown()
    rows = dict(zip(shown["year"].to_list(), zip(shown["note"], shown[VICTIMS], strict=True), strict=True))
    assert [int(y) for y, (note, _) in rows.items() if note == NO_DATA_PUBLISHED] == missing
    assert [int(y) for y, (note, _) in rows.items() if note == DOUBTFUL_BREAKDOWN] == doubtful
    missing = missing + doubtful
    assert all(rows[str(y)][1] == "" for y in missing)  # empty, not 0, not withheld
    assert [y for y in rows if y != "Total"] == [str(y) for y in range(2007, 2022)]  # every year of the span
    # the models and the chart read the published years only
    assert not set(missing) & set(numbers.series()["year"].to_list())
    assert not set(missing) & set(numbers.models().rate_ratio.years)
    assert not set(missing) & set(numbers.chart_bounds().frame["year"].to_list())
    note = views.no_data_note(numbers)
    assert note is not None and note.startswith("No data published") and "not a count of 0" in note
    if doubtful:  # the year of the doubtful breakdown without a count, said as the one with a count is
        assert "in 2007–2008, which" in note
        # REVIEW9 m11: two notes, two sentences (was "which is not a count of 0; Breakdown not usable")
        assert "which is not a count of 0. Breakdown not usable (doubtful): in 2017" in note
        assert (
            "not usable (doubtful): in 2017 UNODC published the citizenship breakdown of the United States"
            in note
        )
        reasons = " ".join(incomplete_lines(numbers.incomplete))
        assert "**2018** is probably incomplete" in reasons
        assert "the United States published one, but it is doubtful and not used" in reasons
    # the disclosure scan of the table as the brief renders it (HTML, its notes included) finds no small count
    from evidence.presentation.disclosure import find_small_counts
    from evidence.presentation.tables import table_data

    data = table_data(
        shown,
        caption="Nationals detected per year",
        labels={"year": "Year", "note": "Note", VICTIMS: "Detected victims"},
        kinds=numbers.per_year.kinds(),
        note=" ".join(n for n in (views.censored_note(shown), note) if n),
        source="UNODC",
    )
    html = data.to_html()
    assert NO_DATA_PUBLISHED in html and find_small_counts(html, RULE) == []


def _breakdown_years_by_hand(unodc, iso3: str) -> dict[str, set[int]]:
    """The years a country published its detected victims by form, by sex and by age (any cell), straight from
    the canonical rows."""
    rows = unodc.data.filter(
        (pl.col("iso3") == iso3) & (pl.col("indicator") == "Detected trafficking victims")
    )
    total = (pl.col("dimension") == "Total") & (pl.col("sex") == "Total")
    masks = {
        "form": pl.col("dimension") == "by form of exploitation",
        "sex": (pl.col("dimension") == "Total") & (pl.col("sex") != "Total") & (pl.col("age") == "Total"),
        "age": total & (pl.col("age") != "Total"),
    }
    return {by: set(rows.filter(mask)["year"].cast(pl.Int64).to_list()) for by, mask in masks.items()}


def test_lao_pdrs_breakdowns_name_the_years_they_lack_and_those_without_a_total(tables):
    """Lao PDR on the real workbook: a total in 2007–2010 and 2014–2015, ages also in 2012–2013 and forms only in
    2017–2020, with no total in those years. Each breakdown's table gives a row to every year of the brief's
    2007–2020, noted not published where the breakdown is not (never 0); its placeholder breakdowns are not
    breakdowns published without a total."""
    from evidence.notebooks.builders import (
        NO_BREAKDOWN_PUBLISHED,
        NO_DATA_PUBLISHED,
        NO_TOTAL_PUBLISHED,
        breakdown_without_total_years,
        no_breakdown_note,
        no_breakdown_years,
    )

    brief = _brief(tables, "LAO", "destination")
    unodc = brief.holding("indicator")[0]
    assert brief.years == (2007, 2020)
    totals = set(_detected_by_hand(unodc, "LAO"))
    by_hand = _breakdown_years_by_hand(unodc, "LAO")
    assert by_hand["form"] == {2017, 2018, 2019, 2020} and by_hand["age"] - totals == {2012, 2013}
    breakdowns = [brief.yearly(unodc, "destination", by=by) for by in ("form", "sex", "age")]
    for numbers in breakdowns:
        shown = numbers.by_category.shown()
        own = by_hand[numbers.by]
        assert shown["year"].to_list() == [str(y) for y in sorted(totals | own)]  # the total or the breakdown
        notes = dict(shown.select("year", "note").iter_rows()) if "note" in shown.columns else {}
        noted = {int(y) for y, n in notes.items() if n == NO_BREAKDOWN_PUBLISHED}
        assert noted == totals - own  # the total only
        columns = [c for c in numbers.categories if c in shown.columns]
        assert all(
            r[c] == "" for r in shown.iter_rows(named=True) if int(r["year"]) in noted for c in columns
        )
        # neither: named in the note, never said to be nothing published at all (another breakdown may be)
        assert no_breakdown_years(numbers) == (sorted(noted), sorted(set(range(2007, 2021)) - totals - own))
        note = no_breakdown_note(numbers)
        assert note is not None and "no figure" not in note
    # the table of victims per year: a year of a breakdown without the total is "no total published"
    per_year = brief.yearly(unodc, "destination").per_year.shown()
    notes = dict(per_year.select("year", "note").iter_rows())
    # REVIEW7 m1: those years' breakdowns are placeholders (no usable breakdown): no total, nothing else
    assert not {int(y) for y, n in notes.items() if n == NO_TOTAL_PUBLISHED}
    assert {int(y) for y, n in notes.items() if n == NO_DATA_PUBLISHED} == {
        2011,
        2012,
        2013,
        *range(2016, 2021),
    }
    # REVIEW5 M6: those breakdowns are all "<5" against totals of 107-264 in the other years: the publisher's
    # placeholders, noted as such, not breakdowns published without a total
    assert not any(breakdown_without_total_years(numbers) for numbers in breakdowns)
    placeholders = {numbers.by: numbers.placeholder for numbers in breakdowns}
    assert placeholders == {"form": (2017, 2018, 2019, 2020), "sex": (), "age": (2012, 2013)}


@given(
    low=st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
    width=st.floats(min_value=0.0, max_value=0.5, allow_nan=False),
)
def test_a_share_in_words_holds_at_both_ends_of_its_range(low: float, width: float) -> None:
    # review 5, m10: "most of them" of a 49.5–53% share; the words must hold for every share in the range
    high = min(1.0, low + width)
    words = country.share_words((low, high))
    if words == "most of them":
        assert low >= 0.6
    elif words == "about half of them":
        assert 0.45 <= low and high <= 0.55
    elif words is not None:
        assert low >= 0.45
    else:
        assert low < 0.45


def test_the_share_of_thailands_own_detections_is_about_half_not_most() -> None:
    # 2,161 own nationals of 4,079–4,247 (review 5, m10): 50.9–53%
    among = {"THA": (2161, 2161), "USA": (900, 950), "MYS": (1018, 1136)}
    share = country.share_range("THA", among)
    assert share is not None and share[0] < share[1]
    assert country.share_words(share) == "about half of them"
    assert country.share_words(country.share_range("THA", {"THA": (90, 95), "USA": (5, 9)})) == "most of them"
    assert country.share_range("VNM", among) is None and country.share_words(None) is None


def test_a_headline_of_nationals_counted_abroad_and_on_return_says_it_may_count_twice(tables):
    """REVIEW5 M3: Myanmar's "Nationals detected (UNODC), 2021: 64" adds Thailand's 35 and Myanmar's own 29 (19
    of them on return from abroad): said where headlined; Nigeria's 2016 (no returns counted) says nothing."""
    unodc = tables[1]
    myanmar = _brief(tables, iso3="MMR", role="both")
    figures = dict(country.key_figures(myanmar))
    assert figures[f"Nationals detected (UNODC), 2021 ({country.COUNTED_TWICE_WORDS})"] == "64"
    rows = {m.short: m for m in country.magnitudes(myanmar)}
    assert country.COUNTED_TWICE_WORDS in rows["Nationals detected (UNODC)"].year_text
    sentence = country.counted_twice_yearly_sentence(myanmar, unodc)
    assert sentence is not None and sentence.startswith("Some may be counted twice: in 2017–2021")
    # Nigeria counted its nationals on return in 2018-2021: its headline year (2020) says so; Cambodia's does not
    nigeria = dict(country.key_figures(_brief(tables, iso3="NGA", role="both")))
    said = f"{LATER_INCOMPLETE}; {country.COUNTED_TWICE_WORDS}"
    assert f"Nationals detected (UNODC), 2020 ({said})" in nigeria
    cambodia = dict(country.key_figures(_brief(tables, iso3="KHM", role="both")))
    assert any(k.startswith("Nationals detected (UNODC), ") for k in cambodia)
    assert not any(country.COUNTED_TWICE_WORDS in k for k in cambodia)
    assert country.counted_twice_yearly_sentence(_brief(tables, iso3="KHM", role="origin"), unodc) is None


def test_nigerias_left_out_returnees_are_the_published_subtotal(tables):
    """REVIEW5 M1, real file: "Left out here: 692–817 nationals of Nigeria detected on their return" where
    UNODC publishes Abroad 239 + 211 + 78 + 190 = 718; Nigeria → Nigeria 8,758–8,831 is 8,831 exactly."""
    from evidence.notebooks.builders import bounds_text, repatriated_abroad, route_notes

    unodc = tables[1]
    brief = _brief(tables, iso3="NGA", role="both")
    destination = brief.selection(unodc, "destination")
    assert bounds_text(repatriated_abroad(destination, RULE)) == "718"
    assert any(
        n.startswith("Left out here: 718 nationals of Nigeria") for n in route_notes(destination, RULE)
    )
    rows = {r["route"]: r["victims"] for r in brief.routes(unodc, "destination").rows()}
    assert rows["Nigeria → Nigeria"] == (8831, 8831)


def test_myanmars_breakdown_sum_says_how_many_are_in_the_doubtful_breakdowns(tables):
    # REVIEW7 R2 (remainder): "the citizenship breakdown sums to 561" held Myanmar's 212 doubtful victims unsaid;
    # Thailand has no doubtful breakdown as destination, and says nothing of one
    brief = _brief(tables, iso3="MMR")
    unodc = brief.holding("indicator")[0]
    sentence = country.breakdown_sentence(brief, unodc, brief.routes(unodc, "destination"))
    assert "sums to 561 victims (212 of them in the doubtful breakdowns, rows of their own above)" in sentence
    thailand = _brief(tables)
    sentence = country.breakdown_sentence(thailand, unodc, thailand.routes(unodc, "destination"))
    assert "doubtful" not in sentence


def test_gsi_view_of_an_estimates_only_edition_says_what_it_lacks(tables, shared_data, tmp_path):
    """REVIEW10 M2: an edition without the score columns loads; its brief says the scores are not in it."""
    from _gsi import edited
    from _xlsx import delete_columns

    from evidence.sources import registry

    gsi = registry.load(edited(shared_data, tmp_path / "gsi.xlsx", delete_columns(6, 12)))
    table, _sentence = country.gsi_view(_brief([tables[1], gsi]))
    values = dict(zip(table["Measure"].to_list(), table["Thailand"].to_list(), strict=True))
    assert values["Estimated number of people in modern slavery"] == "401,000"
    assert sorted(set(values.values()) - {"401,000", "5.74"}) == ["not in this edition"]


def test_the_gsi_caveat_names_the_year_of_its_estimates_or_says_the_file_does_not():
    """REVIEW11 m4: the caveat beside the sources together said "on a given day of its estimate year"."""
    from evidence.notebooks.country import caveat

    assert "on a given day in 2021," in (caveat("gsi", 2021) or "")
    assert "does not state the year its estimates refer to" in (caveat("gsi", None) or "")
    assert caveat("case") and "{" not in (caveat("case") or "")
    assert caveat("tip") is None


def test_an_edition_without_regions_ranks_nobody(tables, shared_data, tmp_path):
    """REVIEW11 M2: a GSI file without a Region column loads; every country was "1 of 1" in its region."""
    import openpyxl
    from _gsi import SHEET, edited
    from _xlsx import delete_columns

    from evidence.analyses.society import gsi_profile
    from evidence.sources import registry

    wb = openpyxl.load_workbook(shared_data / "walkfree" / "gsi_2023.xlsx", read_only=True)
    (column,) = [c.column for row in wb[SHEET].iter_rows(max_row=5) for c in row if c.value == "Region"]
    wb.close()
    gsi = registry.load(edited(shared_data, tmp_path / "gsi.xlsx", delete_columns(column)))
    profile = gsi_profile(gsi, "THA")
    assert profile.height and profile["rank"].is_null().all() and profile["ranked"].is_null().all()
    table, _sentence = country.gsi_view(_brief([tables[1], gsi]))
    assert table.columns == ["Measure", "Thailand"]
    assert (
        dict(zip(table["Measure"], table["Thailand"], strict=True))[
            "Estimated number of people in modern slavery"
        ]
        == "401,000"
    )


def test_the_headline_figures_are_made_once_per_brief(tables, monkeypatch):
    """The key figures and the tier's age read the same headline figures: made once per brief, the same each
    time (a copy: a caller's change stays its own)."""
    made: list[int] = []
    original = country._headline_figures_of
    monkeypatch.setattr(country, "_headline_figures_of", lambda b: made.append(1) or original(b))
    brief = _brief(tables, role="both")
    figures = country.key_figures(brief)
    assert country.key_figures(brief) == figures and len(made) == 1
    country.figures_year(brief)
    country.tier_age(brief)
    first = country._headline_figures(brief)
    first.clear()
    assert country._headline_figures(brief) == original(brief) and len(made) == 1
    country.key_figures(_brief(tables, role="both"))  # another brief: made again
    assert len(made) == 2


@pytest.mark.parametrize(
    ("iso3", "role", "what"),
    [
        ("KHM", "origin", "Nationals of Cambodia detected abroad (UNODC)"),
        ("LAO", "both", "Nationals of Lao PDR detected abroad (UNODC)"),
        ("THA", "both", "Nationals of Thailand detected abroad or at home (UNODC)"),
    ],
)
def test_the_nationals_row_names_where_they_were_detected_as_their_section_does(tables, iso3, role, what):
    """Brief audit: Cambodia as origin. Its section is "Nationals of Cambodia detected abroad" ("UNODC's data
    hold no count of its nationals by Cambodia's own authorities"), but the sources-together table and the
    chart called the same number "Nationals of Cambodia detected in other countries or at home"."""
    brief = _brief(tables, iso3, role)
    unodc = brief.holding("indicator")[0]
    nationals = [m.what for m in country.magnitudes(brief) if m.what.startswith("Nationals")]
    assert nationals == [what]
    assert what.removesuffix(" (UNODC)").endswith(country.nationals_where(brief, unodc))
    assert f"detected {country.nationals_where(brief, unodc)} per year" in country.detected_intro(
        brief, unodc
    )


def test_the_philippines_own_count_is_written_as_english_writes_it(tables):
    """Brief audit: "the Philippines's own count of its nationals" in the intro of its detected victims."""
    brief = _brief(tables, "PHL", "both")
    intro = country.detected_intro(brief, brief.holding("indicator")[0])
    assert "the Philippines' own count of its nationals" in intro and "Philippines's" not in intro


def test_an_unused_tier_file_is_not_said_to_hold_the_country_in_a_role(tables):
    """Brief audit: the United States as destination: the tier file (no tier of the United States) was "not
    used (it holds the United States as country of destination in: none)": a tier has no role."""
    said = country.unused_sentence(_brief(tables, "USA", "destination")) or ""
    assert "US TIP Report tiers" in said
    assert "(it holds nothing for the United States in any year)" in said and ": none)" not in said


@pytest.mark.parametrize(("iso3", "role"), [("USA", "destination"), ("KHM", "destination")])
def test_a_destination_briefs_box_has_no_rule_of_nationals_headlines(tables, iso3, role):
    """Brief audit: the key-figures box of the United States and Cambodia as destination (no nationals figure;
    Cambodia none from UNODC at all) explained when "a year of a country's nationals detected is probably
    incomplete"."""
    box = country.key_figures_markdown(_brief(tables, iso3, role))
    assert "nationals detected is probably incomplete" not in box
    assert "Nationals detected" not in box


def test_a_nationals_headline_before_a_later_complete_year_says_why(tables):
    """Lao PDR's nationals (UNODC 2023): 2021 is not flagged (Thailand alone, <5), so the headline is 2020's 46–49;
    the box said "UNODC figures are given for the latest year that is not probably incomplete", which 2021 is: a
    reader checking the table found the rule broken. The label and the rule now say why."""
    brief = _brief(tables, iso3="LAO", role="origin")
    figures = dict(country.key_figures(brief))
    (label,) = [k for k in figures if k.startswith("Nationals detected (UNODC)")]
    numbers = brief.yearly(brief.holding("indicator")[0], "origin")
    assert 2021 not in numbers.flagged
    # "(later, only one country detected any, fewer than 5)" left the reader to find which later year
    assert label == "Nationals detected (UNODC), 2020 (in 2021 only one country detected any, fewer than 5)"
    assert figures[label] == "46–49"
    box = country.key_figures_markdown(brief)
    assert "nor one in which a single country detected fewer than 5 of them" in box


@pytest.mark.parametrize(
    ("later", "flagged", "lone", "words"),
    [
        ([2021], [2021], [], LATER_INCOMPLETE),
        ([2021], [], [2021], "in 2021 only one country detected any, fewer than 5"),
        # a later year several countries detected, each fewer than 5 ("up to 8"): not "only one country"
        (
            [2020, 2021],
            [],
            [2021],
            (
                "in 2021 only one country detected any, fewer than 5; in 2020 their count is published only as "
                "cells of <5 or withheld"
            ),
        ),
        ([2020], [], [], "in 2020 their count is published only as cells of <5 or withheld"),
        (
            [2020, 2021],
            [2021],
            [2020],
            "2021 is probably incomplete; in 2020 only one country detected any, fewer than 5",
        ),
        (
            [2018, 2019, 2020, 2021],
            [2019, 2020],
            [2021],
            (
                "2019–2020 are probably incomplete; in 2021 only one country detected any, fewer than 5; in 2018 "
                "their count is published only as cells of <5 or withheld"
            ),
        ),
        ([], [], [], ""),
    ],
)
def test_the_words_on_later_years_name_only_what_holds_of_them(later, flagged, lone, words):
    """Headline audit: a later year not flagged was always said to be one country's <5, also where several
    countries detected the nationals and only their sum is unknown (headline_year passes over it too). Each
    reason names its years ("later, only one country…" named none)."""
    assert country._later_words(later, dict.fromkeys(flagged, "probably incomplete"), lone) == words


def test_a_cell_summed_from_several_published_rows_is_said_so(tables):
    """Brief audit: Thailand's "Other forms of exploitation" of 2019 is four UNODC rows (926, <5, 500, 8), shown
    as 1,435–1,438; repeated_rows_note had no test. Said for the years and rows it sums, and only there."""
    from evidence.notebooks.builders import repeated_rows_note

    brief = _brief(tables, "THA", "destination")
    numbers = brief.yearly(brief.holding("indicator")[0], "destination")
    note = repeated_rows_note(numbers)
    assert note is not None
    assert "Other forms of exploitation in 2018–2021 (the sum of the four rows" in note
    assert "Forced labour" not in note and "Sexual exploitation" not in note
    # the nationals' table adds up no such rows (its rows are by citizenship)
    assert repeated_rows_note(brief.yearly(brief.holding("indicator")[0], "origin")) is None


# ------------------------------------------------------------- flagged years: probably incomplete, or not comparable


def _usa_like(collapsed=(2019, 2020, 2021), turns: bool = False):
    """Myanmar's nationals 2008-2021 as the United States' own: its authorities count hundreds a year, then almost
    none in ``collapsed`` (a change in what they report: those years are not comparable with the others), beside
    Thailand and Malaysia; with ``turns``, Thailand and Malaysia take turns to publish a breakdown (every year
    misses one: probably incomplete)."""
    from _indicator import breakdowns

    years = range(2008, 2022)
    own = 100 if turns else 600  # the partners' turns a large enough share of the nationals to matter
    return _numbers(
        breakdowns(
            {
                "MMR": {y: 2 if y in collapsed else own for y in years},
                "THA": {y: None if turns and y % 2 else 200 for y in years},
                "MYS": {y: None if turns and not y % 2 else 200 for y in years},
            }
        )
    )


def test_a_year_not_comparable_is_said_so_not_probably_incomplete():
    """Flagged years have kinds: the United States' own nationals of 2010-2012 are what it reported, of something
    else than the later years' (foreign victims only), not a count short of its victims. The headline words said
    every flagged year was "probably incomplete"."""
    from evidence.analyses.trends import NOT_COMPARABLE

    numbers = _usa_like()
    assert {f.year: f.kinds for f in numbers.incomplete} == dict.fromkeys(
        (2019, 2020, 2021), (NOT_COMPARABLE,)
    )
    assert country.nearest_published(numbers, 2021) == 2018
    assert country.flag_words(numbers, 2021) == "not comparable with the other years"
    assert country.flag_words(numbers, 2018) == ""
    # the headline of 2018 says why not a later year, in the words of their kind
    flagged = {f.year: f.words for f in numbers.incomplete}
    assert (
        country._later_words([2019, 2020, 2021], flagged)
        == "the later years are not comparable with the other years"
    )
    assert country._later_words([2019, 2020, 2021], {**flagged, 2021: "probably incomplete"}) == (
        "2019–2020 are not comparable with the other years; 2021 is probably incomplete"
    )


def test_a_series_every_year_of_which_is_flagged_says_what_its_years_are():
    numbers = _usa_like(turns=True)
    assert country.no_reliable_year(numbers)
    kinds = {kind for f in numbers.incomplete for kind in f.kinds}
    assert kinds == {"incomplete", "not_comparable"}
    said = "probably incomplete or not comparable with the other years"
    assert country.no_reliable_total(numbers) == f"no reliable recent total (every year is {said})"
    own = next(f.words for f in numbers.incomplete if f.year == 2015)
    assert own == "probably incomplete"
    assert country.flag_words(numbers, 2015) == f"probably incomplete; every year of the series is {said}"
    # a series whose every year is of one kind says it as before
    from _indicator import breakdowns

    years = range(2010, 2016)
    turns = breakdowns(
        {"THA": {y: 200 if y % 2 else None for y in years}, "MYS": {y: None if y % 2 else 200 for y in years}}
    )
    numbers = _numbers(turns)
    assert (
        country.no_reliable_total(numbers) == "no reliable recent total (every year is probably incomplete)"
    )
    assert country.flag_words(numbers, 2015) == "probably incomplete, as is every year of the series"


def test_a_ratio_of_a_year_not_comparable_is_not_said_to_be_too_low(tables):
    """The sentence beside a ratio to the estimate said of any flagged year "is flagged as probably incomplete
    (see the yearly table), so the ratio may be too low": a year not comparable is not short of victims."""
    brief = _brief(tables)
    rows = country.magnitudes(brief)
    (detected,) = [r for r in rows if r.kind == "indicator"]
    assert detected.per_thousand is not None and not detected.incomplete
    import dataclasses

    for kinds, words in (
        (
            ("not_comparable",),
            f" {detected.year} is not comparable with the other years (see the yearly table).",
        ),
        (
            ("incomplete",),
            f" {detected.year} is flagged as probably incomplete (see the yearly table), so the ratio may be too low.",
        ),
        (
            ("incomplete", "not_comparable"),
            (
                f" {detected.year} is flagged as probably incomplete and not comparable with the other years (see "
                "the yearly table), so the ratio may be too low."
            ),
        ),
    ):
        flagged = dataclasses.replace(detected, incomplete=True, kinds=kinds)
        said = " ".join(country.magnitude_sentences(brief, [flagged if r is detected else r for r in rows]))
        assert words in said
        assert ("too low" in said) == ("incomplete" in kinds)


def test_the_box_names_the_kinds_of_the_years_its_unodc_figures_pass_over(tables):
    """The United States' nationals: 2010-2012 not comparable (a change in what it reports), 2009 and 2018
    probably incomplete; the box said its UNODC figures were of "the latest year that is not probably
    incomplete"."""
    box = country.key_figures_markdown(_brief(tables, iso3="USA", role="both"))
    assert (
        "UNODC figures are given for the latest year not flagged as probably incomplete or not comparable with "
        "the other years (for a country\\'s nationals" in box
    )
    assert "latest year that is not probably incomplete" not in box
    # Viet Nam's flagged years are all probably incomplete: said as before
    assert "latest year that is not probably incomplete" in country.key_figures_markdown(
        _brief(tables, iso3="VNM", role="both")
    )


@pytest.mark.parametrize(("iso3", "years"), [("VNM", None), ("MMR", None), ("UKR", None)])
def test_nationals_are_not_said_to_be_too_far_from_the_estimate(tables, iso3, years):
    """Brief audit (Viet Nam, Myanmar, Ukraine as origin): "Nationals of Viet Nam detected abroad (UNODC), 2016;
    ...: not set against the estimate of 2021, being more than 2 years from it", then "Nationals found abroad
    are not set against the estimate": a row never set against the estimate (nationals, wherever found; the
    case data's victims from the country) was given a reason that is not the one; only numbers of people in
    the country are said to be too far from the estimate's year, and the others have their own reason."""
    brief = _brief(tables, iso3, "origin")
    rows = country.magnitudes(brief)
    outside = [r for r in rows if r.kind != "gsi" and not r.in_country]
    assert outside  # the case data's victims from the country and its nationals detected
    said = " ".join(country.magnitude_sentences(brief, rows))
    for row in outside:
        assert f"{row.what}, {row.year}" not in said, row.what
    assert f"nationals of {brief.place}" in said.lower() or "Nationals" in said
    assert "whatever their nationality" in said


def test_an_origin_brief_with_case_data_only_says_why_its_victims_are_not_set_against_the_estimate(tables):
    """Brief audit (Myanmar as origin): the case data's victims from Myanmar (exploited in Thailand) were only
    said to be too far from the estimate's year; with no such reason, nothing said why they are not set
    against it: the reason is that they are nationals, wherever they were found."""
    brief = _brief(tables, "MMR", "origin")
    rows = [r for r in country.magnitudes(brief) if r.kind in ("case", "gsi")]
    said = " ".join(country.magnitude_sentences(brief, rows))
    assert "whatever their nationality" in said and "being more than" not in said


def test_a_country_level_file_holding_nothing_for_the_country_is_not_said_unused(tables):
    """Brief audit (Bhutan as origin): "Not used, because they hold nothing for Bhutan ...: Walk Free Global
    Slavery Index, 2023 edition", yet the GSI is read by the table beside the neighbours and the cross-country
    model and listed under Sources and citations. A country-level file the comparison with other countries
    reads is said to be used for that only; a case file holding nothing stays not used."""
    brief = _brief(tables, "BTN", "origin")
    said = country.unused_sentence(brief) or ""
    used = {id(t) for t in brief.used_tables()}
    (gsi,) = brief.given("gsi")
    assert id(gsi) in used  # the comparison reads it
    not_used, _, compared = said.partition("Walk Free")
    assert "Not used" in not_used and "CTDC" in not_used  # the case file: not used at all
    assert "Not used" not in compared
    assert "beside other countries" in said and "(it holds nothing for Bhutan in any year)" in said
    # one file is "it", and the comparison's file is not said twice to hold nothing
    assert "Not used, because it holds nothing" in said and said.count("nothing for Bhutan") == 2


def test_a_nationals_headline_says_the_withheld_lone_count_by_the_briefs_threshold(tables):
    """Brief audit at --disclosure-threshold 10: Malawi's nationals of 2020 were 7 (detected by one country,
    published as a number), withheld as <10; the headline said "in 2019–2020 only one country detected any,
    fewer than 5", false of 2020's 7, and the rule under it "fewer than 5 of them". A count passed over is one
    the brief withholds (under its threshold) or the publisher's <5: fewer than the larger of the two."""
    from evidence.presentation.disclosure import DisclosureRule

    five = dict(country.key_figures(_brief(tables, iso3="MWI", role="origin")))
    assert five["Nationals detected (UNODC), 2020"] == "7"
    brief = country.open_brief(tables, DisclosureRule(10), country="MWI", role="origin", years=(None, None))
    (label,) = [k for k, _ in country.key_figures(brief) if k.startswith("Nationals detected (UNODC)")]
    assert "only one country detected any, fewer than 10" in label and "fewer than 5" not in label
    box = country.key_figures_markdown(brief)
    assert "nor one in which a single country detected fewer than 10 of them" in box
    assert "fewer than 5" not in box
    # the default threshold, UNODC's own: fewer than 5, as before
    assert country.lone_bound(DisclosureRule(5)) == country.lone_bound(DisclosureRule(3)) == 5


def test_a_nationals_headline_of_a_flagged_year_says_it_is_one(tables):
    """Brief audit at --disclosure-threshold 10: Belgium's nationals have no complete year with a count the brief
    can show (2015's "up to 8" withheld, 2016 one country alone), so the headline fell back to 2018, a probably
    incomplete year, labelled "2018 (the later years are probably incomplete)": a reader took 2018 for complete,
    as the rule under it ("the latest year that is not probably incomplete") says."""
    from evidence.presentation.disclosure import DisclosureRule

    brief = country.open_brief(tables, DisclosureRule(10), country="BEL", role="origin", years=(None, None))
    numbers = brief.yearly(brief.holding("indicator")[0], "origin")
    (label,) = [k for k, _ in country.key_figures(brief) if k.startswith("Nationals detected (UNODC)")]
    year = int(label.split(", ")[1][:4])
    if year in numbers.flagged:
        assert label.startswith(f"Nationals detected (UNODC), {year} (itself probably incomplete")
    else:  # a complete year: the label need not say more
        assert "itself" not in label
    assert year == 2018  # the data of 2023: the fallback this test is about
    # at UNODC's own threshold the headline is a complete year, said as before
    five = [k for k, _ in country.key_figures(_brief(tables, iso3="BEL", role="origin")) if "Nationals" in k]
    expected = (
        "Nationals detected (UNODC), 2015 (2017–2020 are probably incomplete; in 2016 only one country detected "
        "any, fewer than 5)"
    )
    assert five == [expected]


def test_a_brief_ending_before_the_tier_data_do_headlines_the_tier_of_its_years(tables):
    """Brief audit (THA as destination, 2007–2009): At a glance said "US TIP Report tier: not shown here, the tier
    data given end with the report of 2015, 6 years before the other figures (2021)": the tier data run past the
    brief's years, and the placement of its last year (the 2009 report: Tier 2) was not given."""
    brief = _brief(tables, years=(2007, 2009))
    figures = dict(country.key_figures(brief))
    assert figures["US TIP Report tier, 2009 report"] == "Tier 2"
    assert "not shown here" not in country.key_figures_markdown(brief)
    # a brief whose years reach the end of the tier data reads them as before
    for years in ((2015, 2017), (None, None)):
        later = _brief(tables, years=years)
        assert not any(k.startswith("US TIP Report tier") for k, _ in country.key_figures(later))
        assert "the tier data given end with the report of 2015" in country.key_figures_markdown(later)


def test_a_one_year_brief_whose_year_is_flagged_says_that_year_not_every_year(tables):
    """Brief audit (USA as both, --years 2018): At a glance said "Nationals detected (UNODC): no reliable recent
    total (every year is probably incomplete)" of a brief of one year."""
    brief = _brief(tables, iso3="USA", role="both", years=(2018, 2018))
    figures = dict(country.key_figures(brief))
    assert figures["Nationals detected (UNODC)"] == "no reliable recent total (2018 is probably incomplete)"
    # several years, all flagged: every year
    numbers = _brief(tables, iso3="NPL", role="origin").yearly(tables[1], "origin")
    assert (
        country.no_reliable_total(numbers) == "no reliable recent total (every year is probably incomplete)"
    )


def test_the_country_is_not_its_own_peer_and_a_peer_given_twice_is_one(tables):
    """`run -p peers THA` (or `[THA, KHM, Cambodia]`) kept Thailand as its own neighbour and Cambodia twice; the
    CLI's `--peers` already dropped them."""
    brief = _brief(tables, peers=("THA", "KHM", "Cambodia", "MMR"))
    assert brief.peers == ["KHM", "MMR"]
    assert _brief(tables, peers=("Thailand",)).peers is None  # only itself: the subregion, as none given


@given(
    st.lists(
        st.tuples(st.integers(1990, 2030), st.one_of(st.none(), st.integers(-3, 40))), min_size=0, max_size=12
    )
)
def test_the_years_with_victims_are_read_from_the_counts_lists_as_a_filter_reads_them(rows):
    """The years with published victims (high bound above 0), read as lists (a brief asks a dozen times, of a few
    dozen rows each: no polars query), are those a filter of the counts gives: a null bound is no victim."""
    from types import SimpleNamespace

    import _polars

    counts = pl.DataFrame(rows, schema={"year": pl.Int32, "count_high": pl.Int64}, orient="row")
    by_query = sorted(int(y) for y in counts.filter(pl.col("count_high") > 0)["year"].to_list())
    with pytest.MonkeyPatch.context() as monkeypatch:
        queries = _polars.count_queries(monkeypatch)
        assert country.years_with_victims(SimpleNamespace(counts=counts)) == by_query  # type: ignore[arg-type]
    assert queries == []


def test_the_intro_says_how_the_trend_reads_the_files_censored_counts(tables):
    """A file publishing ``<10`` (read as 1 to 9): the intro says so, not "<5 as between one and four"
    (loose30)."""
    import dataclasses

    unodc = tables[1]
    brief = _brief(tables, iso3="THA")
    assert "reads a count published as <5 as between one and four" in country.detected_intro(brief, unodc)
    ten = pl.when(pl.col("censored")).then(9.0).otherwise(pl.col("value_high")).alias("value_high")
    tens = dataclasses.replace(unodc, data=unodc.data.with_columns(ten))
    intro = country.detected_intro(brief, tens)
    assert "reads a count published as <10 as between one and nine" in intro and "<5" not in intro


def test_several_years_whose_parts_exceed_their_total_are_listed_as_a_sentence_lists_them(tmp_path):
    """words31's reader, the demo's Cambodia: "they cannot be reconciled in 2005 (9 against a total of 8), 2015
    (39 against a total of 36): …", two years joined by a comma alone."""
    from evidence.sources import demo_context
    from evidence.sources.registry import load

    unodc = load(demo_context.write_demo_context(tmp_path / "context")[0])
    brief = country.open_brief([unodc], RULE, country="KHM", role="destination", years=(None, None))
    sentence = country.breakdown_sentence(brief, unodc, brief.routes(unodc, "destination"))
    assert sentence is not None
    assert (
        "Year by year, they cannot be reconciled in 2005 (9 against a total of 8) and 2015 (39 against a total "
        "of 36): the breakdown's cells" in sentence.replace("\\", "")
    ), sentence


def test_nationals_detected_abroad_only_are_said_so_beside_the_estimate(tmp_path):
    """words31's reader, the demo's Lao PDR: the table's row "Nationals of Lao PDR detected abroad (UNODC)" (no
    count of its own, as its section says) was followed by "Nationals of Lao PDR found abroad or at home are not
    set against the estimate": the sentence names them as the row does."""
    from evidence.sources import demo_context
    from evidence.sources.registry import load

    unodc, gsi = (load(p) for p in demo_context.write_demo_context(tmp_path / "context")[:2])
    brief = country.open_brief([unodc, gsi], RULE, country="LAO", role="origin", years=(None, None))
    rows = country.magnitudes(brief)
    assert [r.what for r in rows if r.kind == "indicator" and not r.in_country] == [
        "Nationals of Lao PDR detected abroad (UNODC)"
    ]
    said = " ".join(country.magnitude_sentences(brief, rows))
    assert "Nationals of Lao PDR detected abroad are not set against the estimate" in said
    assert "at home" not in said


def test_victims_exploited_in_the_country_withheld_are_not_said_to_be_set_against_the_estimate(tmp_path):
    """words31's reader, the demo's Lao PDR: its row "Victims exploited in Lao PDR, identified and assisted" is
    x, and no ratio follows, yet the brief said "only the victims exploited in Lao PDR are set against the
    estimate". It says that their number is withheld, and that none of the case data is set against it."""
    from evidence.sources import demo_context
    from evidence.sources.cache import load_cached
    from evidence.sources.demo import demo_path
    from evidence.sources.registry import load

    unodc, gsi = (load(p) for p in demo_context.write_demo_context(tmp_path / "context")[:2])
    brief = country.open_brief(
        [load_cached(demo_path()), unodc, gsi], RULE, country="LAO", role="both", years=(None, None)
    )
    rows = country.magnitudes(brief)
    (exploited,) = [r for r in rows if r.kind == "case" and r.in_country]
    assert exploited.value is None and exploited.text == "x"
    said = " ".join(country.magnitude_sentences(brief, rows))
    assert "only the victims exploited in Lao PDR are set against the estimate" not in said
    assert (
        "Victims identified in or from Lao PDR include its nationals exploited abroad, and are not set against "
        "the estimate, which counts people living in the country; the number of victims exploited in Lao PDR is "
        "withheld (x), as it would give a small number of victims back." in said.replace("\\", "")
    ), said


def test_a_range_at_a_glance_is_explained_in_the_box(tables):
    """Reader audit: Cambodia's nationals detected at a glance read "45–51" (2018), with no word in the box of
    why a count is a range; the box now says it, as the tables under a range do. A box without a range (Myanmar's
    64 of 2021) says nothing of ranges."""
    brief = _brief(tables, iso3="KHM", role="both")
    figures = dict(country.key_figures(brief))
    assert "45–51" in figures.values()
    box = country.key_figures_markdown(brief)
    # Markdown: the label escaped as every label of the box is
    assert (
        "\n\nA range where cells the publisher gives as \\<5 (fewer than five victims) make the exact count"
        in box
    )
    myanmar = _brief(tables, iso3="MMR", role="both")
    assert not any("–" in value for value in dict(country.key_figures(myanmar)).values())
    assert "A range where" not in country.key_figures_markdown(myanmar)


def test_the_tier_age_sentence_tells_a_reader_where_later_placements_are_not_how_to_load_them():
    """Reader audit (the briefs of Thailand, Cambodia, Lao PDR, Myanmar): the policy section, read by government
    partners, said "later reports can be added as a simple tier CSV", an instruction to whoever builds the brief.
    It says where a later placement is: the State Department's later reports."""
    from evidence.notebooks.country import tier_age_sentence

    said = tier_age_sentence((2015, 2021, 6))
    assert "CSV" not in said and "can be added" not in said
    assert said == (
        "The tier data given end with the report of 2015, 6 years before the brief's other figures (2021): later "
        "placements are not in them (the State Department publishes a report each June: a placement since 2015 is "
        "in its later reports)."
    )
