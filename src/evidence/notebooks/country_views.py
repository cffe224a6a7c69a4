"""What the country brief shows, section by section: display only. The numbers and sentences come from
:mod:`evidence.notebooks.country` and :mod:`evidence.notebooks.builders` (pure, tested); here they are shown
with the display functions of :mod:`evidence.notebooks.views`, so that ``notebooks/country_brief.ipynb``
stays a page of prose and calls.

Every section shows data from the sources that hold some for the country, role and years, citing only those
(:meth:`~evidence.notebooks.country.CountryBrief.cite`), or says in one sentence why it has none.
:func:`finish` records which sources the brief cited (a source that contributed nothing is not listed among
its sources) and refuses a brief that shows nothing at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

import polars as pl

from evidence.analyses.coverage import ROLE_WORDS
from evidence.analyses.intervals import censoring_thresholds
from evidence.analyses.society import MAX_YEARS_FROM_ESTIMATE, near_estimate
from evidence.core.text import list_separator, word_list
from evidence.notebooks import views
from evidence.notebooks.builders import (
    BREAKDOWN_NAMES,
    NOT_USED,
    incomplete_lines,
    route_notes,
    undated_sentence,
)
from evidence.notebooks.country import (
    PER_THOUSAND,
    CountryBrief,
    Magnitude,
    breakdown_sentence,
    caveat,
    counted_twice_yearly_sentence,
    detected_by_sentence,
    detected_intro,
    gsi_rank_note,
    gsi_shown,
    gsi_view,
    key_figures_markdown,
    magnitude_sentences,
    magnitude_table,
    magnitudes,
    nationals_where,
    open_brief,
    overview_view,
    own_detected_sentence,
    routes_period,
    tier_history,
    tier_sentence,
    unused_sentence,
)
from evidence.presentation.markup import data_label, escape_markdown, number

if TYPE_CHECKING:
    from evidence.analyses.society import CountryPanel
    from evidence.presentation.disclosure import DisclosureRule
    from evidence.sources.loaded import LoadedTable

_say = views.show_markdown

#: Where each kind of source comes from, for the sentence of a section that was given none.
_HOW_TO_GIVE = {
    "case": "victim-level case data (a CTDC file or the organisation's own records)",
    "indicator": "UNODC GLOTIP country data (data_glotip.xlsx; `evidence data fetch unodc-glotip`)",
    "gsi": "Walk Free Global Slavery Index data (its summary sheet, as a workbook or CSV)",
    "tier": "US TIP Report tier placements (a tier CSV)",
}


def start(
    data: Sequence[str],
    threshold: int,
    *,
    country: str,
    role: str,
    years: tuple[int | None, int | None],
    peers: Sequence[str] = (),
) -> CountryBrief:
    """Load the data, settle the years (the span the data hold when not given) and show the brief's heading,
    the synthetic-data notice (for the files the brief uses) and the key-figures box."""
    from evidence.notebooks.runtime import load_data
    from evidence.presentation.disclosure import DisclosureRule

    tables = load_data(data)
    brief = open_brief(
        tables, DisclosureRule(threshold), country=country, role=role, years=years, peers=peers
    )
    _say(
        f"**{escape_markdown(brief.place_start)} as {ROLE_WORDS[brief.role]}, {escape_markdown(brief.period)}.**"
    )
    views.show_notice(brief.used_tables())
    _say(key_figures_markdown(brief))
    return brief


#: How the case-data section reads its records, said above its numbers (not when it has none to show).
CASE_METHODS: Final = (
    "Victim-level case records. Origin is the victim's citizenship; destination the country of exploitation (in "
    "CTDC data, where the victim was identified or assisted). *Domestic* routes start and end in the same country; "
    "*intraregional* ones stay within one UN M49 region (a continent: Africa, the Americas, Asia, Europe, Oceania); "
    "*transregional* ones cross regions. A victim whose citizenship or country of exploitation is unknown counts in "
    "the totals but on no route. The annual rate ratio summarises the trend (1.05 = 5% more victims a year) over the "
    "complete years only. Shares follow the CTDC denominator rule (of the victims with the field recorded; one "
    "victim can have several forms), with 95% Wilson intervals."
)


#: Whose numbers the sources-together table shows as published, by the kind of their row.
_PUBLISHED_AS_IS: Final = {"indicator": "UNODC's", "gsi": "the GSI's"}


def perturbed_rows_note(rows: Sequence[Magnitude]) -> str | None:
    """Of a sources-together table whose case data's counts are perturbed: that only those are, the other
    sources' numbers as published (the perturbation note alone read as if UNODC's and Walk Free's figures had
    been changed); None where every row is the case data's."""
    others = [_PUBLISHED_AS_IS[k] for k in dict.fromkeys(r.kind for r in rows) if k in _PUBLISHED_AS_IS]
    if not others:
        return None
    return f"Only the case data's counts are perturbed: {word_list(others)} numbers are as published."


def magnitudes_note(rows: Sequence[Magnitude], period: str | None = None) -> str:
    """The legend of the sources-together table: which year each number is of (``period``: the brief's years,
    which its numbers are chosen from; a brief of 2015–2017 gives UNODC's 2017, not the 2021 the data hold)."""
    # "of the brief's years (2015–2017)"; a brief of one year has one to choose from: "the brief's year (2019)"
    one = period is not None and period.isdigit()
    of = f"of the brief's year{'' if one else 's'} ({period}) " if period else ""
    estimate = next((r for r in rows if r.kind == "gsi"), None)
    if estimate is None:
        # no estimate of the country among them (Iceland, Bhutan): no year of one to speak of
        return (
            f"Each number in one year, the latest {of}that the data hold; no estimate of people in modern slavery "
            "(GSI) is given for the country, so no number is set against one."
        )
    if estimate.year is None:
        return (
            f"Each number in one year, the latest {of}that the data hold; the GSI file does not state the year its "
            "estimates refer to, so no number is set against the estimate."
        )
    if one:
        return f"Each number in one year: the GSI's estimate year, or the brief's year ({period})."
    return (
        f"Each number in one year: the GSI's estimate year, or the year {of}nearest to it that the data hold."
    )


def gsi_estimates_note(table: LoadedTable) -> str:
    """What the GSI figures are, from the loaded table: "The Global Slavery Index 2023 (estimates for 2021):
    modelled, with wide uncertainty."; an edition or year the file does not state is said so."""
    from evidence.analyses.society import gsi_edition_text

    text = gsi_edition_text(table)
    return f"{text[0].upper()}{text[1:]}: modelled, with wide uncertainty."


def gsi_rates_note(tables: Sequence[LoadedTable], max_gap: int) -> str:
    """How the neighbours table's GSI figures and rates are dated (the estimate year the table states, or that
    it states none)."""
    from evidence.analyses.society import gsi_edition_text, gsi_estimate_year

    if not tables:
        return ""
    year = gsi_estimate_year(tables[0])
    if year is None:
        return (
            f"GSI figures are those of {gsi_edition_text(tables[0])}; rates per 100,000 divide by its population; "
            "none is given per 1,000 estimated, the year of the estimate being unknown."
        )
    return (
        f"GSI figures refer to {year}, and rates divide by the GSI's {year} population and estimate (per 1,000 "
        f"estimated: only victims of a year at most {max_gap} years from {year})."
    )


def _in_words(years: str) -> str:
    """Years as :func:`~evidence.analyses.coverage.years_text` gives them, as a sentence says them: "2010 and
    2018" ("in 2010, 2018 only, of the brief's 2009–2021" read as a list of three)."""
    return word_list(years.split(", "))


def _missing(brief: CountryBrief, kind: str) -> bool:
    """Say in one sentence why a section of ``kind`` has no data (none given, or nothing for the selection);
    True when it has none."""
    if brief.holding(kind):
        return False
    given = brief.given(kind)
    regions_only = [s for s in brief.coverage.sources if s.kind == kind and not s.records_countries]
    what = _HOW_TO_GIVE[kind].split(" (")[0]  # the kind of data in words, without how to give it
    # an estimate or a tier is of the country, whatever the role (the United States has no tier)
    who = brief.place if kind in ("gsi", "tier") else brief.place_role
    if not given:
        _say(f"Not shown: none of the data files given is {_HOW_TO_GIVE[kind]}; add one with `--data`.")
    elif len(regions_only) == len(given):
        # a file that names UN regions only can hold no country's victims: that is the reason, not its years
        # a source's name is a label (data_label): its title or release ("extract 2 of 3") counts nobody
        labels = "; ".join(data_label(s.label) for s in regions_only)
        _say(
            escape_markdown(f"Not shown: the {what} given (")
            + labels
            + escape_markdown(f") record UN regions only, never countries, so they hold nothing for {who}.")
        )
    elif not any(s.years for s in brief.coverage.sources if s.kind == kind):
        # nothing in any year: "in 2012–2020 (years they hold for it: ...: none)" said less, and oddly
        _say(escape_markdown(f"Not shown: the {what} given hold nothing for {who} in any year."))
    else:
        held = "; ".join(
            f"{data_label(t.provenance.label)}: {escape_markdown(brief.years_held(t))}" for t in given
        )
        _say(
            escape_markdown(
                f"Not shown: the {what} given hold nothing for {who} "
                f"in {brief.period} (years they hold for it: "
            )
            + held
            + escape_markdown(").")
        )
    return True


# ----------------------------------------------------------------------------------------------- overview


def show_overview(brief: CountryBrief) -> None:
    """The sources that hold data for the brief, what each gives and the years it holds; the others named."""
    table = overview_view(brief)
    if table.height:
        # the source column names sources (a title "extract 2 of 3" counts nobody)
        views.show_table(
            table,
            caption="The data of this brief",
            kinds={"Source and release": "label", table.columns[-1]: "years"},
        )
    else:
        _say(f"None of the data files given holds anything for {escape_markdown(brief.place_role)}.")
    if sentence := unused_sentence(brief):
        _say(sentence)


def show_together(brief: CountryBrief) -> None:
    """Identified, detected and estimated for the country, side by side as orders of magnitude, with each
    source's caveat."""
    from evidence.presentation.brief_charts import magnitude_chart

    rows = magnitudes(brief)
    if len(rows) < 2:
        have = "one source holds" if rows else "no source holds"
        _say(
            f"Nothing to set side by side: {have} a number for {escape_markdown(brief.place)} among identified "
            "victims (case data), detected victims (UNODC) and the estimate of people in modern slavery (GSI)."
        )
        return
    tables = list({id(r.table): r.table for r in rows}.values())
    source = brief.cite(*tables)
    table = magnitude_table(rows)
    column_kinds = {"Source": "label", "Year": "years", PER_THOUSAND: "statistic"}
    # identified victims of real people's records are a perturbed count (cell key), as in their own tables
    perturbed = any(r.kind == "case" and r.table.protection == "cell_key" for r in rows)
    # a UNODC number that is a range (Cambodia's nationals of 2018: 45–51) is explained under the table, as under
    # UNODC's own tables
    published = {
        n
        for r in rows
        if r.kind == "indicator"
        for n in censoring_thresholds(r.table.data.filter(pl.col("censored"))["value_high"])
    }
    views.show_table(
        table,
        caption=f"What the sources say about {brief.place}",
        kinds={c: k for c, k in column_kinds.items() if c in table.columns},
        note=views.sentences(
            perturbed_rows_note(rows) if perturbed else None,
            views.censored_note(table.select("Number"), published=sorted(published)),
            magnitudes_note(rows, brief.period if brief.years else None),
        ),
        source=source,
        perturbed=perturbed,
        # UNODC's numbers are ranges of censored counts: its small label may be a range withheld whole
        ranges=any(r.kind == "indicator" for r in rows),
    )
    # the chart sets its numbers side by side on one axis: one the text refuses to set against the estimate
    # (too many years from it) is not drawn beside it either, and the chart says so
    estimate = next((r for r in rows if r.kind == "gsi"), None)
    far = [
        r
        for r in rows
        if estimate is not None
        and estimate.year is not None
        and r.kind != "gsi"
        and r.year is not None
        and not near_estimate(r.year, estimate.year)
    ]
    # no reliable total: no bar; an estimate whose year is not stated is drawn, saying so
    drawn = [
        r for r in rows if r not in far and (r.year is not None or (r.kind == "gsi" and r.value is not None))
    ]
    frame = pl.DataFrame(
        {
            "what": [r.short for r in drawn],
            "value": [r.value for r in drawn],
            # the year alone beside a bar (its flags are the table's: a long note runs off the chart); an
            # estimate whose year is not stated says so
            "text": [f"{r.text} ({r.year if r.year is not None else r.year_text})" for r in drawn],
        },
        schema={"what": pl.String, "value": pl.Float64, "text": pl.String},
    )
    not_drawn = (
        [
            "Not drawn: "
            + "; ".join(f"{r.short}, {r.year}" for r in far)
            + f" (more than {MAX_YEARS_FROM_ESTIMATE} years from the estimate of {estimate.year})."
        ]
        if far and estimate is not None
        else []
    )
    # one bar sets nothing side by side: the table and the sentences say it all (a withheld number, <5, is a
    # row with no bar: Iceland's chart was one bar, its nationals' <5 drawn as nothing)
    if sum(r.value is not None for r in drawn) >= 2:
        # titled by the bars it draws (the Philippines: no case data; Thailand's of 2010 not drawn)
        words = {"case": "identified", "indicator": "detected", "gsi": "estimated"}
        drawn_words = list(dict.fromkeys(words[r.kind] for r in drawn if r.value is not None))
        named = word_list(drawn_words)
        views.show_chart(
            magnitude_chart(
                frame,
                "what",
                "value",
                "text",
                title=f"{named[:1].upper()}{named[1:]}: {brief.place}",
                subtitle="Orders of magnitude: each step of the scale is ten times the one before.",
                # the sources of the bars it draws: Thailand's case data of 2010, not drawn, were cited under it
                source=brief.cite(*{id(r.table): r.table for r in drawn}.values()),
                rule=brief.rule,
                notes=not_drawn,
            ),
            "sources_together",
        )
    for sentence in magnitude_sentences(brief, rows):
        _say(sentence)
    kinds = list(dict.fromkeys(r.kind for r in rows))
    said = [caveat(k, estimate.year if estimate is not None else None) for k in kinds]
    _say("\n".join(f"- {escape_markdown(text)}" for text in said if text))


# -------------------------------------------------------------------------------------- the case data


def show_case_section(brief: CountryBrief) -> None:
    """Per case table holding victims: key figures, routes (table, bar chart, flow map, world map), victims per
    year with the trend, by form, and who is identified."""
    if _missing(brief, "case"):
        return
    # the methods are said where the section shows something: a section with nothing in it is one sentence
    _say(CASE_METHODS)
    tables = brief.holding("case")
    # the parts of a case file one level under its heading: the section's (##), or its source's (###) when
    # several files each have one; a screen reader's outline skips no level
    part = "####" if len(tables) > 1 else "###"
    # by position: list.index compares the tables (a dataclass's ==, frame against frame), which raises
    for index, table in enumerate(tables):
        source = brief.cite(table)
        if len(tables) > 1:
            views.show_source_heading(table)
        if brief.period_for(table) != brief.period:
            _say(
                data_label(table.provenance.label)
                + ": "
                + escape_markdown(
                    f"victims of {brief.place_role} in "
                    f"{_in_words(brief.years_held(table, within=True))} only, of the brief's {brief.period}; the "
                    f"numbers below cover {_in_words(brief.period_for(table))}."
                )
            )
        undated = undated_sentence(
            brief.selection(table), brief.rule, who=brief.place_role, period=brief.period_for(table)
        )
        if undated is not None:
            _say(data_label(table.provenance.label) + ": " + undated)
        numbers = brief.routes(table)
        views.show_key_figures(numbers, source=source)
        _say(f"{part} Routes")
        views.show_route_table(
            numbers,
            title=f"Largest routes, {brief.place_role}",
            map_title=f"Identified victims by route, {brief.place}",  # as the detected victims: one route too
            subtitle=f"Identified victims, {_in_words(brief.period_for(table))}",
            source=source,
            tag=f"case{index}",
        )
        _say(f"{part} Victims per year")
        selection = brief.selection(table)
        yearly = views.show_yearly_section(
            selection,
            brief.rule,
            dimension="form",
            place=brief.place_role,
            source=source,
            numbers=brief.yearly(table),
            with_break=True,
        )
        if yearly is not None and yearly.by is not None:
            views.show_dimension_section(yearly, place=brief.place_role, source=source)
        _say(f"{part} Who is identified")
        views.show_profiles(selection, brief.rule, source=source)


# ----------------------------------------------------------------------------------------------- UNODC


#: A UNODC breakdown as readers name it.
_BREAKDOWN_NAMES = BREAKDOWN_NAMES


def show_detected_section(brief: CountryBrief) -> None:
    """UNODC's detected victims: in the country (per year with the trend, by form, sex and age, and by
    citizenship) and the country's nationals detected abroad (per year, by country of detection), as the role
    asks."""
    if _missing(brief, "indicator"):
        return
    table = brief.holding("indicator")[0]
    _say(escape_markdown(detected_intro(brief, table)))
    roles = ["destination", "origin"] if brief.role == "both" else [brief.role]
    # a breakdown the brief does not use is said once, not in each role's section
    said_once: set[str] = set()
    for role in roles:
        numbers = brief.yearly(table, role)
        # the victims a country detected: a total, and breakdowns that may be published in years without one
        breakdowns = (
            [numbers, *(brief.yearly(table, role, by=by) for by in ("sex", "age"))]
            if role == "destination"
            else []
        )
        by_citizenship = role == "destination" and brief.holds_victims(table, role, by="citizenship")
        held = [b for b in breakdowns if b.by is not None and b.holds_victims]
        if not numbers.has_totals and not held and not by_citizenship:
            # said as the rest of the brief says whose victims they are, not by the toolkit's role
            whose = (
                f"victims detected in {brief.place}"
                if role == "destination"
                else f"nationals of {brief.place} detected, at home or abroad,"
            )
            _say(escape_markdown(f"UNODC's data hold no {whose} in {brief.period}."))
            continue
        source = brief.cite(table)
        place = f"{brief.place} as {ROLE_WORDS[role]}"
        if role == "destination":
            _say(f"### Victims detected in {escape_markdown(brief.place)}")
        else:
            where = nationals_where(brief, table)
            _say(f"### Nationals of {escape_markdown(brief.place)} detected {where}")
            place = f"nationals of {brief.place} detected {where}"
            if (said := detected_by_sentence(brief, table)) is not None:
                _say(escape_markdown(said))
            if (twice := counted_twice_yearly_sentence(brief, table)) is not None:
                _say(escape_markdown(twice))
        selection = brief.selection(table, role)
        if numbers.has_totals:
            # the breakdown tables follow in a destination section only (UNODC's nationals detected abroad
            # have none): an origin section's notes refer to none (review 9 m7)
            yearly = views.show_yearly_section(
                selection,
                brief.rule,
                dimension="form",
                place=place,
                source=source,
                numbers=numbers,
                # the tables the notes may send the reader to: the breakdowns, and the citizenship table
                # (Mexico's 2007 is in it alone) where the section shows it
                tables=("form", "sex", "age", "citizenship") if by_citizenship else role == "destination",
                with_break=True,
            )
            if yearly is None:
                continue
            # a breakdown published in years without a total (Mexico's forms of 2006, 2019 and citizenships of
            # 2007) is said by the note under the table of victims per year, with its years, once
            shown = [b for b in breakdowns if b.by is not None]
        else:
            names = [_BREAKDOWN_NAMES[b.by or ""] for b in held] + (["citizenship"] if by_citizenship else [])
            # no total in any of the brief's years: "no total in 2007, 2013–2015 and 2017–2020" (Cambodia's years
            # of breakdowns) read as if the brief's other years had one, and "…; nor any in the brief's other
            # years" left the reader to work out that no year has one: said first, the breakdowns' years after
            held_years = _in_words(brief.period_for(table, role))
            every = held_years == _in_words(brief.period)
            _say(
                escape_markdown(
                    f"UNODC publishes no total of the victims detected in {brief.place} in any of the brief's years "
                    f"({brief.period}), only their breakdown {word_list([f'by {name}' for name in names])} (below)"
                    + ("." if every else f", in {held_years}.")
                )
            )
            shown = held
        if role == "destination":
            for breakdown in shown:
                views.show_dimension_section(breakdown, place=place, source=source)
            heading = f"Citizenship of the victims detected in {brief.place}"
            title = f"Citizenship of detected victims, {brief.place}"
        else:
            _say(
                "UNODC breaks detected victims down by form, sex and age for the country that detected them, "
                "not by their citizenship: the forms, sex and age of nationals detected abroad are not in these "
                "data."
            )
            heading = f"Where nationals of {brief.place} were detected"
            title = heading
        # a citizenship breakdown UNODC does not publish (Cambodia as destination) is said, not built
        routes = brief.routes(table, role) if by_citizenship or role != "destination" else None
        if (role == "destination" and not by_citizenship) or (
            routes is not None and views.holds_no_victims(routes)
        ):
            # a section with nothing in it is one sentence: no table of zeros, no empty chart or map
            _say(
                escape_markdown(
                    f"{heading}: UNODC's data hold no citizenship breakdown of these victims in "
                    f"{_in_words(brief.period_for(table, role))}."
                )
            )
            # a breakdown the data hold but no route can use is said, as unmapped citizenships are
            for line in route_notes(brief.selection(table, role), brief.rule, markdown=True):
                if line.startswith(NOT_USED) and line not in said_once:
                    said_once.add(line)
                    _say(line)
            continue
        _say(f"#### {escape_markdown(heading)}")
        if routes is None:
            views.show_table(None)
            continue
        views.show_route_table(
            routes,
            title=title,
            map_title=f"Detected victims by route, {place}",
            subtitle=f"Detected victims, {routes_period(brief, table, role, routes)}",
            source=source,
            tag=f"unodc_{role}",
            said=said_once,
        )
        if role == "destination" and (sentence := breakdown_sentence(brief, table, routes)):
            _say(sentence)
    if brief.role == "origin":
        show_own_detected(brief, table)


def show_own_detected(brief: CountryBrief, table: LoadedTable) -> None:
    """An origin brief: the victims the country's own authorities detected, of any citizenship (UNODC's
    totals of the country itself), per year; UNODC does not break them down by citizenship for every year."""
    numbers = brief.yearly(table, "destination", by=None)
    if not numbers.has_totals or numbers.per_year is None:
        return
    _say(f"### Victims detected by the authorities of {escape_markdown(brief.place)}")
    _say(escape_markdown(own_detected_sentence(brief, table, numbers)))
    shown = numbers.per_year.shown()
    views.show_table(
        shown,
        caption=f"Victims detected by the authorities of {brief.place}, per year",
        labels={"year": "Year", "note": "Note", "victims": "Detected victims"},
        source=brief.cite(table),
        # no table by form, no chart and no trend follow: the note refers to none
        note=" ".join(
            n
            for n in (
                views.censored_note(
                    shown, numbers.per_year, published=views.published_thresholds(numbers.selection)
                ),
                views.no_data_note(numbers, tables=False, trend=False),
            )
            if n
        )
        or None,
        ranges=not numbers.per_year.exact,
    )
    # a flagged year (the United States' 2007-2012, not comparable) says why, as the yearly table's do
    for line in incomplete_lines(numbers.incomplete):
        _say(line)


# ------------------------------------------------------------------------------------------ GSI and TIP


def show_estimates_section(brief: CountryBrief) -> None:
    """The GSI's estimate, prevalence, vulnerability and government response, with the country's rank in its
    region."""
    shown = gsi_shown(brief)  # assessed, not estimated (Iceland): its rating is shown, not "nothing"
    if shown is None and _missing(brief, "gsi"):
        return
    found = gsi_view(brief)
    if found is None or shown is None:
        _say(f"The GSI workbook does not assess {escape_markdown(brief.place)}.")
        return
    table, sentence = found
    source = brief.cite(shown)
    _say(sentence)
    views.show_table(
        table,
        caption=f"{brief.place_start} in the Global Slavery Index",
        kinds={
            table.columns[1]: ["people", "statistic", "statistic", "statistic"],
            table.columns[2]: "label",
        },
        note=" ".join(
            n
            for n in (
                gsi_estimates_note(shown),
                "Scores and ratings as published.",
                gsi_rank_note(brief),
                # Brunei Darussalam: rated for the government response only, its other measures read n/a
                f"n/a: Walk Free publishes no value of this measure for {brief.place}."
                if "n/a" in table[table.columns[1]].to_list()
                else None,
            )
            if n
        ),
        source=source,
    )


def show_tier_section(brief: CountryBrief) -> None:
    """The country's US TIP Report tier, report year by report year, as a strip chart and one sentence."""
    from evidence.presentation.brief_charts import tier_strip_chart

    if _missing(brief, "tier"):
        return
    history = tier_history(brief)
    source = brief.cite(*brief.holding("tier"))
    views.show_chart(
        tier_strip_chart(
            history,
            "report_year",
            "tier",
            title=f"US TIP Report tier of {brief.place}",
            subtitle="Tier 1: meets the minimum standards; Tier 3: does not, and is not making significant efforts.",
            source=source,
        ),
        "tip_tiers",
    )
    _say(tier_sentence(brief, history))


# ------------------------------------------------------------------------------------------------ peers


def _panel(brief: CountryBrief) -> CountryPanel | None:
    from evidence.analyses.society import country_panel

    tables = [t for t in brief.tables if t.kind in ("indicator", "gsi", "tier")]
    if not tables:
        return None
    return country_panel(tables)


#: What the neighbours table shows for a country whose detected victims UNODC holds, but none of the brief's years.
NONE_IN_YEARS: Final = "none in {period}"


def _detected_in_years(
    brief: CountryBrief, compared: pl.DataFrame, panel: CountryPanel
) -> tuple[pl.DataFrame, bool]:
    """The neighbours' rows (``compared``, :meth:`~evidence.analyses.society.CountryPanel.compare`) with the
    detected victims and the rates made of them read in the brief's years: the latest of them each country has
    a total for, not the latest the data hold (a brief of 2019 gave Thailand's 134 of 2021 beside its own
    1,540 of 2019). The GSI's one estimate and the TIP tiers are read as elsewhere in the brief. Also whether
    any row changed (the table's note then says so)."""
    import dataclasses

    from evidence.analyses.society import DETECTED, DETECTED_PER_100K, DETECTION_GAP

    if brief.years is None:
        return compared, False
    made_of_detected = [DETECTED, DETECTED_PER_100K, DETECTION_GAP]
    low, high = brief.years
    inside = panel.frame.filter(
        ~pl.col("measure").is_in(made_of_detected) | pl.col("year").cast(pl.Int64).is_between(low, high)
    )
    countries = list(dict.fromkeys(compared["iso3"].to_list()))
    windowed = dataclasses.replace(panel, frame=inside).compare(
        brief.country,
        countries[1:] if countries[1:] else [],
        measures=list(dict.fromkeys(compared["measure"])),
    )
    windowed = windowed.filter(pl.col("iso3").is_in(countries))
    key = ["iso3", "measure"]
    before = compared.select(*key, pl.col("year").alias("_before"))
    changed = (
        windowed.join(before, on=key, how="left")
        .filter(pl.col("measure").is_in(made_of_detected))
        .filter(pl.col("year").ne_missing(pl.col("_before")))
    )
    return windowed, changed.height > 0


def show_peers_section(brief: CountryBrief) -> None:
    """The country beside its neighbours (default: its UN M49 intermediate region where it has one, else its
    sub-region: :func:`~evidence.analyses.society.default_peers`) on the same indicators: a table with each
    value's year and source, and a chart. Neighbours no source holds any figure for are left out, and counted."""
    from evidence.analyses.society import (
        COMPARE_MEASURES,
        DETECTED,
        DETECTED_PER_100K,
        DETECTION_GAP,
        ESTIMATED,
        MAX_YEARS_FROM_ESTIMATE,
        POPULATION,
        PREVALENCE,
        RESPONSE,
        default_peers,
        peer_region,
        with_data,
    )
    from evidence.presentation.brief_charts import peer_chart
    from evidence.presentation.comparison import (
        NOT_AVAILABLE,
        SHORT_LABELS,
        comparison_by_country,
        comparison_kinds,
        disclosed_comparison,
        mark_missing_totals,
        mark_not_compared,
        missing_labels_note,
        tier_age_note,
    )

    panel = _panel(brief)
    if panel is None:
        _say(
            "No comparison with other countries: it needs UNODC GLOTIP country data, the GSI workbook or TIP "
            "tier placements among the data files."
        )
        return
    peers = brief.peers or default_peers(brief.country)
    if not peers:
        _say(f"No neighbours to compare {escape_markdown(brief.place)} with: give them with --peers.")
        return
    # countries the UNODC data hold any figure for: one without a total is "no total", not "not in the data"
    reporting = {
        iso3 for t in brief.tables if t.kind == "indicator" for iso3 in t.data["iso3"].drop_nulls().unique()
    }
    # neighbours without a figure in any source (uninhabited territories...) are left out, and counted
    raw, dropped = with_data(panel.compare(brief.country, peers), reporting)
    # the detected victims of the brief's years: a neighbour whose totals all fall outside them says so
    held = set(
        raw.filter((pl.col("measure") == DETECTED) & pl.col("value_high").is_not_null())["iso3"].to_list()
    )
    raw, windowed = _detected_in_years(brief, raw, panel)
    compared = disclosed_comparison(raw, brief.rule)
    in_years = set(
        raw.filter((pl.col("measure") == DETECTED) & pl.col("value_high").is_not_null())["iso3"].to_list()
    )
    none_in_years = NONE_IN_YEARS.format(period=brief.period)
    if windowed and held - in_years:
        # a rate is "none in" the years only where the GSI gives what it divides by: Monaco, without a GSI
        # population or estimate, read "none in 2017–2020" per 100,000 and per 1,000 estimated, which no year gives
        def given(measure: str) -> list[str]:
            return panel.frame.filter((pl.col("measure") == measure) & pl.col("value_high").is_not_null())[
                "iso3"
            ].to_list()

        could = (
            (pl.col("measure") == DETECTED)
            | ((pl.col("measure") == DETECTED_PER_100K) & pl.col("iso3").is_in(given(POPULATION)))
            | ((pl.col("measure") == DETECTION_GAP) & pl.col("iso3").is_in(given(ESTIMATED)))
        )
        compared = compared.with_columns(
            display=pl.when(
                pl.col("iso3").is_in(list(held - in_years)) & could & (pl.col("display") == NOT_AVAILABLE)
            )
            .then(pl.lit(none_in_years))
            .otherwise(pl.col("display"))
        )
    compared = mark_not_compared(mark_missing_totals(compared, reporting))
    # a value withheld (<5), or detected victims missing for a stated reason ("no total"), is shown too: Tonga's
    # detected victims, <5 every year beside neighbours without a total, were a column that went, the country's
    # own count with it, under a legend still speaking of them (a rate of "no total" alone is no column)
    shown = compared.filter(
        pl.col("value_high").is_not_null()
        | pl.col("label").is_not_null()
        | pl.col("withheld")
        | ((pl.col("measure") == DETECTED) & (pl.col("display") != NOT_AVAILABLE))
    )
    if not shown.height:
        _say(
            f"The country data given hold none of these indicators for {escape_markdown(brief.place)} or its peers."
        )
        return
    used = {s for s in shown["source_id"].to_list() if s is not None}
    cited = [
        t
        for t in brief.tables
        if t.provenance.source in used or ("derived" in used and t.kind in ("indicator", "gsi"))
    ]
    source = brief.cite(*cited)
    measures = [m for m in COMPARE_MEASURES if m in shown["measure"].to_list()]
    table = comparison_by_country(compared, measures)
    # the sentence names the neighbours the table lists, in its order (withheld or missing values included)
    listed = table["Country"].to_list()[1:]
    names = list_separator(listed).join(listed)  # "China, Hong Kong SAR; China, Macao SAR; ..."
    region = peer_region(brief.country)
    chosen = "the peers given" if brief.peers or not region else f"its UN M49 region, {region}"
    sentence = escape_markdown(f"{brief.place_start} beside {chosen}: {names}.")
    if dropped:
        what = "country or territory" if len(dropped) == 1 else "countries or territories"
        sentence += (
            f" Left out: {number(len(dropped), 'countries')} {what} with no figure in any of these sources "
            f"({escape_markdown(list_separator(dropped).join(dropped))})."
        )
    _say(sentence)
    missing = missing_labels_note(compared.filter(pl.col("measure").is_in(measures))) or ""
    if aged := tier_age_note(compared):
        missing += " " + aged
    kinds: dict[str, str | Sequence[str | None]] = dict(comparison_kinds(measures))
    # the GSI figures are dated by the GSI file the table cites, which may hold no estimate of the brief's own
    # country (Iceland: its neighbours' figures and rates were left undated, the note ending in "; ")
    dated = gsi_rates_note([t for t in cited if t.kind == "gsi"], MAX_YEARS_FROM_ESTIMATE)
    # in any role, the victims each country's own authorities detected: in an origin brief a reader would
    # take Cambodia's "no total" for its nationals, whom the brief counts (523-556)
    detected = (
        "Detected victims are those each country's authorities detected, of any citizenship; they and the rates "
        "made of them are for the year in brackets, "
    )
    if not windowed:
        detected += "the latest UNODC holds for each country"
    elif brief.period.isdigit():  # a brief of one year
        detected += f"the brief's year ({brief.period})"
    else:
        detected += f"the latest of the brief's years ({brief.period}) UNODC holds for each country"
    legend = [f"{detected}; {dated}" if dated else f"{detected}."]
    if none_in_years in compared["display"].to_list():
        legend.append(
            f"{none_in_years}: UNODC holds detected victims of the country, but none of {brief.period}."
        )
    if any("Tier 2 WL" in str(v) for column in table.iter_columns() for v in column.to_list()):
        legend.append("Tier 2 WL: Tier 2 Watch List.")
    # a rate of a withheld count is written as its upper bound (Brunei Darussalam's "<1.14 (2020)" per 100,000),
    # which the legend of "<5" does not explain: said as the chart's subtitle says it
    bounds = [
        str(v).split(" (")[0]
        for c in table.columns
        if c.startswith("Detected per")
        for v in table[c].to_list()
        if str(v).startswith("<")
    ]
    if bounds:
        legend.append(
            f"A rate written as {bounds[0]}: of a count withheld (fewer than {brief.rule.threshold} victims), its "
            "upper bound."
        )
    views.show_table(
        table,
        caption=f"{brief.place_start} and its neighbours",
        kinds=kinds,
        note=" ".join([*legend, missing.strip()]).strip(),
        source=source,
    )
    # a panel needs a bar or a withheld value to write: one of "no total" only would be an empty panel
    drawable = set(
        compared.filter(pl.col("value_high").is_not_null() | pl.col("withheld"))["measure"].to_list()
    )
    chart_measures = [
        m for m in (PREVALENCE, RESPONSE, DETECTED_PER_100K, DETECTION_GAP) if m in measures and m in drawable
    ]
    if not chart_measures:
        return
    points = compared.filter(pl.col("measure").is_in(chart_measures)).select(
        "country",
        pl.col("measure").replace_strict({m: SHORT_LABELS.get(m, m) for m in chart_measures}),
        pl.coalesce("value", (pl.col("value_low") + pl.col("value_high")) / 2).alias("value"),
        "role",
        "display",
        "year",
        "withheld",
    )
    # the chart cites the sources of the panels it draws: never the TIP tiers, which it has no panel of
    panels = set(chart_measures)
    charted = {
        source
        for measure, source in zip(
            compared["measure"].to_list(), compared["source_id"].to_list(), strict=True
        )
        if measure in panels and source is not None
    }
    chart_source = brief.cite(
        *[t for t in cited if t.provenance.source in charted or ("derived" in charted and t.kind != "tier")]
    )
    drawn = points.filter(pl.col("value").is_not_null())
    years_differ = drawn.group_by("measure").agg(pl.col("year").n_unique() > 1)["year"].any()
    # what a missing bar means, and each bar's year where a panel's differ (the table gives them)
    subtitle = "The country in orange. No bar: no value in the data"
    subtitle += withheld_bars_said(points, brief.rule)
    if years_differ:
        subtitle += " Where a panel's values are of different years, each bar's year is written beside it."
    views.show_chart(
        peer_chart(
            points,
            "country",
            "measure",
            "value",
            "role",
            title=f"{brief.place_start} beside its neighbours",
            subtitle=subtitle,
            source=chart_source,
            measures=[SHORT_LABELS.get(m, m) for m in chart_measures],
            text="display",
            year="year",
            withheld="withheld",
        ),
        "peers",
    )


def withheld_bars_said(points: pl.DataFrame, rule: DisclosureRule) -> str:
    """The end of the neighbours chart's subtitle: what a missing bar may be besides no value, by the brief's
    rule (fewer than its threshold; its label written instead, or for a rate an upper bound, one of those the
    chart writes); "." when no point is withheld."""
    withheld = points.filter(pl.col("withheld"))
    if not withheld.height:
        return "."
    shown = [str(d) for d in withheld["display"].unique(maintain_order=True).to_list() if d is not None]
    bounds = [d for d in shown if d != rule.label]
    written = [f"{rule.label}"] if rule.label in shown or not bounds else []
    written += [f"for a rate its upper bound, such as {bounds[0]}"] if bounds else []
    return f", or a value withheld (fewer than {rule.threshold} victims; {', or '.join(written)}, written instead)."


# ---------------------------------------------------------------------------------- causes and consequences


def show_causes_section(brief: CountryBrief) -> None:
    """Causes and consequences: for the person (recruitment, means of control, duration, forms, from the case
    data of the brief's selection) and for society (detection against estimated prevalence, the detection
    model and the tier event study)."""
    from evidence.notebooks.causes_views import show_person_section, show_society_section

    _say("### For the trafficked person")
    cases = [brief.selection(t).records() for t in brief.holding("case")]
    if not cases:
        # for whom, and where the brief says why (no file given, regions only, other years): said once, above
        _say(
            escape_markdown(
                "Not shown: how victims were recruited, controlled and exploited comes from victim-level case "
                f"data, and the data given hold none for {brief.place_role} (Identified and assisted victims, "
                "above, says why)."
            )
        )
    else:
        source = brief.cite(*brief.holding("case"))
        from evidence.notebooks.causes_views import beside_counts, recorded_in_tables

        in_data = recorded_in_tables(brief.holding("case"))
        # "Who is identified" shows the same victims by age band and sex: linked to the section's groups
        beside = beside_counts([brief.selection(t) for t in brief.holding("case")], brief.rule)
        more = show_person_section(
            pl.concat(cases, how="diagonal_relaxed"),
            brief.rule,
            source=source,
            level="####",
            models=1,
            recorded_in_data=in_data,
            beside=beside,
        )
        if more:  # only where the brief's one model left others: none to find when no flag can be modelled
            _say(
                # the notebook as a reader names it: a brief shows no code, nor a module's name
                "The toolkit's notebook on causes and consequences fits the model of every form of exploitation "
                "and means of control, and compares complete cases with all victims for each."
            )
    _say("### For society")
    panel = _panel(brief)
    if panel is None:
        _say(
            "Society's side needs country data: UNODC GLOTIP with the GSI workbook (detection against "
            "prevalence) or with TIP tier placements (detected victims around a change of tier)."
        )
        return
    if {"unodc_glotip", "walkfree_gsi"} <= panel.source_ids or {
        "unodc_glotip",
        "us_tip_tiers",
    } <= panel.source_ids:
        brief.cite(*[t for t in brief.tables if t.kind in ("indicator", "gsi", "tier")])
    show_society_section(panel, brief.country, brief.peers, brief.rule, level="####", compare=False)


# -------------------------------------------------------------------------------------------- the methods


def disclosure_method(tables: Sequence[LoadedTable], threshold: int) -> str:
    """The "Disclosure control" item of the brief's methods, from the protection of the sources it uses
    (:attr:`~evidence.sources.loaded.LoadedTable.protection`), never a claim about a source it does not use: a
    release its publisher already protected (CTDC's k-anonymised one) is records of real people, perturbed as
    an organisation's own are, as *About this brief* says too."""
    cases = [t for t in tables if t.kind == "case"]
    keyed = [t for t in cases if t.protection == "cell_key"]
    text = (
        f"Counts below {threshold} are withheld (`<{threshold}`), with complementary cells (`x`) where a "
        "withheld count could otherwise be recomputed from the totals of its table."
    )
    if any(t.kind == "indicator" for t in tables):
        # what <11 can be of UNODC's ranges (published_pair), said of every brief that uses them, whatever the
        # hidden ranges are: the sentence above alone reads as all a <11 can be
        text += (
            f" Of UNODC's counts, which the publisher's own `<5` cells make ranges, a range whose low end is below "
            f"{threshold} is withheld whole (`<{threshold}`), its high end too."
        )
    if keyed:
        published = any(t.provenance.published_protection for t in keyed)
        whose = (
            "victim records of real people (a release its publisher already protected, such as a "
            "k-anonymised one, included)"
            if published
            else "victim records of real people"
        )
        text += (
            f" The counts of {whose} are also perturbed slightly (cell key method), the same way in every "
            "output, which makes the difference of two outputs uncertain, not impossible to guess."
        )
    elif cases:
        text += " The case records are synthetic: their counts are shown as computed, not perturbed."
    return f"- **Disclosure control.** {text} *About this brief* says which applied to which source."


def show_disclosure_method(brief: CountryBrief) -> None:
    """Show :func:`disclosure_method` for the sources the brief uses."""
    _say(disclosure_method(brief.used_tables(), brief.rule.threshold))


# ------------------------------------------------------------------------------------------------ the end


def finish(brief: CountryBrief) -> None:
    """Record which sources the brief cited (those that contributed nothing are left out of its sources), and
    refuse a brief that showed nothing from any source."""
    from evidence.core.errors import EvidenceError
    from evidence.notebooks.runtime import record_entries

    record_entries(brief.provenance())
    if not brief.cited:
        raise EvidenceError(
            f"nothing to brief: no data file holds anything for {brief.place_role} in {brief.period}"
        )
