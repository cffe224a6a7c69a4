"""What the packaged notebooks show: display only. The tables and sentences come from the view builders of
:mod:`evidence.notebooks.builders` (pure, tested, shared with the CLI), so that a number is the same in a
notebook, its brief and ``evidence flows``/``trend``; here they are shown (HTML and Markdown tables, SVG charts,
Markdown prose) section by section, so that the notebooks stay thin.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

import polars as pl

from evidence.analyses.intervals import censoring_thresholds
from evidence.analyses.routes import GROWTH_ALPHA
from evidence.analyses.selection import Selection, kept_once
from evidence.core.errors import ParameterError
from evidence.core.text import column_title, number_in_words, word_list
from evidence.notebooks.builders import (
    AGE_BREAKDOWNS,
    BREAKDOWN_NAMES,
    COVERAGE_KINDS,
    DOUBTFUL_BREAKDOWN,
    EMERGING_AT_MOST_NOTE,
    EMERGING_BELOW_ALPHA,
    EMERGING_KINDS,
    EMERGING_WITHHELD_NOTE,
    NO_DATA_PUBLISHED,
    NO_RECORDS,
    NO_TOTAL_PUBLISHED,
    NOT_RECORDED,
    SOURCE_LABELS,
    TOO_FEW,
    TOP_N,
    VICTIMS_TEXT,
    Bounds,
    RouteBounds,
    YearlyNumbers,
    break_caveat,
    break_sentence,
    breakdown_name,
    categories_above_total_line,
    category_name,
    category_sum_note,
    emerging_statistics_shown,
    emerging_unassessed,
    emerging_view,
    gap_reasons,
    incomplete_lines,
    no_breakdown_note,
    no_panel_sentence,
    panel_gaps_sentence,
    panel_sentence,
    positive_years,
    profile_view,
    q_value_bounded,
    records_no_category,
    repeated_rows_note,
    route_notes,
    route_numbers,
    said_once_per_brief,
    source_line,
    sources_kinds,
    sources_view,
    trend_sentence,
    undated_sentence,
    unmapped_origins_line,
    yearly_numbers,
)
from evidence.presentation.disclosure import (
    COMPLEMENT_LABEL,
    DEFAULT_RULE,
    PEOPLE,
    SHARE_SUPPRESSED_LABEL,
    SUPPRESSED_SUFFIX,
    UP_TO,
    DisclosedTable,
    DisclosureRule,
    SolverUnanswered,
    fails_closed,
)
from evidence.presentation.markup import data_label, escape_markdown, markdown_code
from evidence.sources.countries import name_in_text, name_of
from evidence.sources.loaded import LoadedTable

if TYPE_CHECKING:
    import altair as alt


def show_chart(chart: alt.TopLevelMixin, name: str) -> None:
    """Save a chart as SVG in the run's ``figures`` folder (``figures/<name>.svg``) and show that SVG inline
    (no JavaScript, no network: the executed notebook and any brief made from it display it offline). A chart
    with nothing to draw (every value withheld) is shown as a sentence saying so."""
    show_charts([(chart, name)])


NOTHING_TO_DRAW: Final = (
    "No chart here: every value it would draw is withheld or absent."  # no "this chart": none is shown
)
#: Said in place of the route charts when one route has victims to draw: a single bar, a map of one domestic
#: circle or a world of one shaded country compares nothing (a flow map still shows where an international one
#: runs).
ONE_ROUTE_TO_DRAW: Final = "Only one route has victims to draw ({route}): it is in the table above; no chart compares it with others."
#: Said instead of a route table's charts (bars, flow map, world map) when none of its routes can be drawn.
NO_ROUTE_TO_DRAW: Final = 'No chart of these routes: none is left to draw (each is withheld, doubtful, or among "All other routes").'
#: Said instead of the route charts when no victim of the selection has a known origin and destination.
NO_KNOWN_ROUTE: Final = (
    "No chart of routes: none of these victims has both a known origin and a known destination."
)

#: Said instead of the route table and its charts where no identified victim has a known route: the table would
#: be zeros but for the unknown origins and destinations, which the key figures above it give (Viet Nam's CTDC
#: records: 17 victims, every destination unknown).
NO_KNOWN_ROUTE_TABLE: Final = (
    "No table or chart of routes: none of these victims has both a known origin and a known destination."
)


def show_charts(named: Sequence[tuple[object, str]]) -> None:
    """Save several charts as SVG (``figures/<name>.svg``) together — the ones not in the chart cache rendered
    concurrently by the one converter — and show them in order.

    In a warm run of ``evidence`` the runner draws them (:func:`~evidence.notebooks.runtime.charts_drawn_by_runner`):
    each is shown as its spec and the file it goes to, which the runner's chart workers draw while this kernel
    goes on with the next cells, and which the runner replaces with the same SVG output as drawn here."""
    from IPython.display import Markdown, display

    from evidence.notebooks.runtime import RUNNER_CHART_MIME, charts_drawn_by_runner, output_dir
    from evidence.presentation.charts import chart_is_empty, chart_spec, save_charts

    folder = output_dir("figures")
    specs = [(chart_spec(chart), name) for chart, name in named]  # type: ignore[arg-type]
    drawable = [(spec, name) for spec, name in specs if not chart_is_empty(spec)]
    if charts_drawn_by_runner():
        pending = {name: spec for spec, name in drawable}
        said = False  # several charts with nothing to draw: said once
        for _, name in named:
            if name in pending:
                path = str(folder / f"{name}.svg")
                display({RUNNER_CHART_MIME: {"path": path, "spec": pending[name]}}, raw=True)
            elif not said:
                said = True
                display(Markdown(NOTHING_TO_DRAW))
        return
    saved = save_charts([(spec, folder / f"{name}.svg") for spec, name in drawable])
    paths = dict(zip([name for _, name in drawable], saved, strict=True))
    told = False  # several charts with nothing to draw: said once
    for _, name in named:
        if name in paths:
            display(svg_bundle(paths[name].read_text(encoding="utf-8")), raw=True)
        elif not told:
            told = True
            display(Markdown(NOTHING_TO_DRAW))


def svg_bundle(svg: str) -> dict[str, str]:
    """An SVG document as a display bundle. The converter writes a bare ``<svg>`` element, shown as it is;
    anything else (an XML declaration, a doctype) goes through IPython's ``SVG``, which keeps the ``<svg>``
    element only, parsing the whole document to find it (a tenth of a second for a map)."""
    if not svg.lstrip().startswith("<svg"):
        from IPython.display import SVG

        svg = SVG(data=svg).data
    return {"image/svg+xml": svg}


def show_table(
    table: DisclosedTable | pl.DataFrame | None,
    *,
    caption: str | None = None,
    note: str | None = None,
    source: str | None = None,
    labels: Mapping[str, str] | None = None,
    shares: Literal["column", "row"] | None = None,
    kinds: Mapping[str, str | Sequence[str | None]] | None = None,
    perturbed: bool = False,
    ranges: bool = False,
) -> None:
    """Show a table through :mod:`evidence.presentation.tables` (the one table writer): HTML and Markdown for
    JupyterLab and renderers, and the table's data for briefs; without polars' dtype and shape lines or row
    limit, every text escaped.

    A :class:`DisclosedTable` gets its totals row, notes on the labels it uses and ``source``; a frame must
    already be disclosed (strings); None (a selection too small to protect) shows :data:`TOO_FEW`. ``labels``
    renames columns for the header; ``shares`` shows a table with totals as shares of its column or row totals
    instead of counts; ``kinds`` says what the numbers of a column are (``{"Countries": "countries"}``, see
    :data:`~evidence.presentation.disclosure.NUMBER_KINDS`), so that the brief's disclosure scan checks counts
    of people only; a list of kinds gives one per row (a table of mixed rows, such as item/value).
    ``perturbed``: a frame whose counts the cell key method perturbed (a :class:`DisclosedTable` says so
    itself) gets the note that says so. ``ranges``: a frame of ranges of censored counts (a
    :class:`~evidence.notebooks.builders.Bounds` not exact), whose small label may stand for a range with a small
    low end, as the note under it says (:func:`~evidence.presentation.tables.small_note`).
    """
    from IPython.display import Markdown, display

    from evidence.presentation.tables import table_data

    if table is None:
        display(Markdown(TOO_FEW))
        return
    if isinstance(table, pl.DataFrame):
        _check_disclosed(table, kinds)
    table, kinds = _without_empty_notes(table, kinds)
    if isinstance(table, DisclosedTable):
        source = source or "the data files listed under Data and sources"
    data = table_data(
        table,
        source=source,
        caption=caption,
        note=note,
        labels=labels,
        shares=shares,
        kinds=kinds,
        perturbed=perturbed,
        ranges=ranges,
    )
    display(data.bundle(), raw=True)


def _check_disclosed(frame: pl.DataFrame, kinds: Mapping[str, str | Sequence[str | None]] | None) -> None:
    """Refuse a frame whose numbers have not passed disclosure control: a number column (not text, as a
    disclosed frame's values are, nor ``year``) that ``kinds`` does not say counts something other than people.
    What an analysis returns (``routes.flows``, ``trends.yearly_counts``…) holds raw counts: shown as it is, a
    count of 2 victims would leave the toolkit unprotected."""
    given = kinds or {}
    raw = [
        name
        for name, dtype in frame.schema.items()
        if dtype.is_numeric()
        and name != "year"
        and (name not in given or given[name] == PEOPLE or not isinstance(given[name], str))
    ]
    if raw:
        listed = ", ".join(repr(name) for name in raw[:4]) + (", …" if len(raw) > 4 else "")
        # the example names a column that is no count, where there is one (never advice to mark counts so)
        statistic = next(
            (n for n in raw if re.search(r"share|ratio|rate|p_value|q_value|ci_", n)), "a column"
        )
        raise ParameterError(
            f"show_table shows tables that passed disclosure control, and the numbers of {listed} have not: "
            "protect counts of people first (evidence.notebooks.builders.protect(frame, key, [count columns], "
            "DisclosureRule(5)), then show what it returns), or, for numbers that count "
            f"something else (a share, a rate), say what with kinds (kinds={{{statistic!r}: 'statistic'}}; see "
            "evidence.presentation.disclosure.NUMBER_KINDS)"
        )


def _without_empty_notes(
    table: DisclosedTable | pl.DataFrame, kinds: Mapping[str, str | Sequence[str | None]] | None
) -> tuple[DisclosedTable | pl.DataFrame, Mapping[str, str | Sequence[str | None]] | None]:
    """The table (and the kinds of its columns) without its ``note`` column when no row has a note (a
    per-year table with no incomplete or unpublished year): an empty column tells a reader nothing."""
    frame = table.frame if isinstance(table, DisclosedTable) else table
    if (
        "note" not in frame.columns
        or (frame["note"].cast(pl.String).fill_null("").str.strip_chars() != "").any()
    ):
        return table, kinds
    kinds = {c: k for c, k in kinds.items() if c != "note"} if kinds else kinds
    if isinstance(table, DisclosedTable):
        return dataclasses.replace(table, frame=frame.drop("note")), kinds
    return frame.drop("note"), kinds


def show_markdown(text: str) -> None:
    """Show Markdown text (a heading, a sentence)."""
    from IPython.display import Markdown, display

    display(Markdown(text))


_markdown = show_markdown


def _title(table: LoadedTable) -> str:
    """A table's source and release as readers know it, escaped (a sidecar may have written it)."""
    from evidence.notebooks.builders import source_heading

    return source_heading(table, level=0).lstrip()


# ------------------------------------------------------------------------------------------ the notebooks' start


@dataclass(frozen=True)
class Opened:
    """What a packaged notebook settles in its first cell: the loaded tables, the disclosure rule, the sources
    line, and the place's name; for a notebook about one country, role and years (:func:`open_selections`),
    the years and the selections of the tables that hold its victims.

    :meth:`cite` marks the tables whose numbers a section shows: once a notebook cites, a table it never
    cites is recorded as not cited, and a brief made from the run does not list it among its sources."""

    tables: list[LoadedTable]
    rule: DisclosureRule
    source: str
    place: str
    years: tuple[int, int] | None = None
    selections: list[Selection] = field(default_factory=list)
    cited: dict[int, LoadedTable] = field(default_factory=dict)
    #: the place as a sentence names it mid-line ("the Philippines"); empty: as ``place``
    place_in_text: str = ""

    @property
    def period(self) -> str:
        """The notebook's years as readers read them (``2012–2023``), or "all years"."""
        from evidence.analyses.coverage import years_text

        return years_text(range(self.years[0], self.years[1] + 1)) if self.years else "all years"

    def place_as(self, role: str, *, in_text: bool = False) -> str:
        """The place in a role, as a chart title names whose victims it counts ("Thailand as country of
        origin": its nationals, wherever detected; not the victims Thailand detected), as the country brief's;
        ``in_text``: as a sentence names it mid-line ("the Philippines as country of origin")."""
        from evidence.analyses.coverage import ROLE_WORDS

        return f"{(self.place_in_text or self.place) if in_text else self.place} as {ROLE_WORDS[role]}"

    def cite(self, *tables: LoadedTable) -> str:
        """Mark ``tables`` as used (their numbers are shown) and return their source line; records which of
        the loaded tables the notebook has cited so far in the run's provenance."""
        from evidence.notebooks.runtime import provenance_entry, record_entries

        new = [t for t in tables if id(t) not in self.cited]
        self.cited.update((id(t), t) for t in tables)
        if new:
            record_entries([{**provenance_entry(t), "cited": id(t) in self.cited} for t in self.tables])
        return source_line(tables)

    def analysable(self, notebook: str) -> list[LoadedTable]:
        """The tables with victims per route and year: victim records and UNODC's country data (an error
        naming the ``notebook`` when there are none)."""
        found = [t for t in self.tables if t.kind in ("case", "indicator")]
        if not found:
            raise ValueError(
                f"{notebook} needs case data (CTDC) or UNODC country data; give it with the `data` parameter"
            )
        return found

    def case_table(self, notebook: str) -> LoadedTable:
        """The first table of victim records (an error naming the ``notebook`` when there is none)."""
        found = next((t for t in self.tables if t.kind == "case"), None)
        if found is None:
            raise ValueError(
                f"{notebook} needs victim-level case data (CTDC layouts); give it with the `data` parameter"
            )
        return found

    def selection(
        self, table: LoadedTable, *, country: str, role: str, years: tuple[int, int], **more: object
    ) -> Selection:
        """The selection of ``table`` for this notebook's country, role and years."""
        return Selection(table, country=country, role=role, years=years, **more)  # type: ignore[arg-type]


def open_notebook(
    data: Sequence[str],
    disclosure_threshold: int,
    *,
    heading: str | None = None,
    country: str | None = None,
    notice: bool = True,
) -> Opened:
    """Load the data (recording their provenance for the run), show ``heading`` (its ``{place}`` and
    ``{place_in_text}`` filled) and, for synthetic data, the
    notice (``notice=False``: the notebook shows it, for the tables it uses, with :func:`show_notice`); the
    rule is the disclosure rule of ``disclosure_threshold``."""
    from evidence.notebooks.runtime import load_data

    rule = DisclosureRule(disclosure_threshold)
    tables = load_data(data)
    place = (name_of(country) or country) if country else ""
    # the place may be a parameter as given; {place_in_text} is the name as a sentence says it mid-line
    # ("Routes into the United Kingdom"), {place} as it starts one ("United Kingdom: causes and ...")
    in_text = (name_in_text(country) or place) if country else ""
    if heading:
        _markdown(heading.format(place=escape_markdown(place), place_in_text=escape_markdown(in_text)))
    if notice:
        show_notice(tables)
    return Opened(tables, rule, source_line(tables), place, place_in_text=in_text)


def show_notice(tables: Sequence[LoadedTable]) -> None:
    """The synthetic-data notice for the tables a notebook uses (none when they are all real)."""
    from evidence.notebooks.runtime import synthetic_notice

    if notice := synthetic_notice(tables):
        _markdown(notice)


def protection_text(tables: Sequence[LoadedTable]) -> str | None:
    """A bullet for a notebook's methods: the cell key method of the victim records of real people among
    ``tables`` (those a notebook uses), whose counts it perturbs; None when it uses none."""
    from evidence.presentation.disclosure import COMPLEMENT_LABEL, DEFAULT_NOISE

    keyed = [t for t in tables if t.kind == "case" and t.protection == "cell_key"]
    if not keyed:
        return None
    names = "; ".join(dict.fromkeys(_title(t) for t in keyed))
    return (
        f"- Counts of victim records of real people ({names}) are protected by the {DEFAULT_NOISE.describe()}. "
        "The same records give the same number in every table, run and brief, so a total may differ from the "
        "sum of its parts by a few (said under each such table); small counts are still withheld, and where a "
        "withheld count could be recomputed from a total, or from a table published beside it, other cells are "
        f"withheld too (complementary cells, shown {COMPLEMENT_LABEL})."
    )


def show_threshold(rule: DisclosureRule, bullet: str) -> None:
    """A bullet of a notebook's methods that names the run's disclosure threshold (``{threshold}`` in ``bullet``):
    a fixed "(`<5`)" in the notebook's prose contradicted a brief made with another threshold ("Counts below
    11 are shown as <11" in its disclosure note)."""
    _markdown("- " + bullet.format(threshold=rule.threshold))


def show_protection(tables: Sequence[LoadedTable]) -> None:
    """:func:`protection_text` of the tables a notebook uses, when any is protected by the cell key method."""
    if text := protection_text(tables):
        _markdown(text)


def open_selections(
    notebook: str,
    data: Sequence[str],
    disclosure_threshold: int,
    *,
    country: str,
    role: str,
    years: tuple[int | None, int | None],
    heading: str,
) -> Opened:
    """Open a notebook about ``country`` as ``role``: load the data, settle the years (a year left empty is
    the first or last the data hold for the country and role, the rule of the country brief), show
    ``heading`` (``{place}``, ``{place_in_text}`` — "the United Kingdom" —, ``{role}`` and ``{years}`` filled in),
    and keep the selection of each table of victims
    (:meth:`Opened.analysable`) that holds some in those years. A table that holds none is named in one
    sentence, not analysed and not cited; the synthetic-data notice covers the tables used."""
    from evidence.analyses.coverage import ROLE_WORDS, coverage, default_years

    opened = open_notebook(data, disclosure_threshold, country=country, notice=False)
    tables = opened.analysable(notebook)
    settled = default_years(tables, country, role, years)
    found = coverage(tables, country, role, settled)
    used = [s.table for s in found.sources if s.in_selection]
    opened = dataclasses.replace(
        opened,
        years=settled,
        selections=[
            Selection(t, country=country, role=role, years=settled)  # type: ignore[arg-type]
            for t in used
        ],
    )
    role_words = ROLE_WORDS[found.role]
    in_text = name_in_text(found.country) or opened.place  # "Routes into the United Kingdom"
    _markdown(
        heading.format(
            place=escape_markdown(opened.place),
            place_in_text=escape_markdown(in_text),
            role=role_words,
            years=opened.period,
        )
    )
    show_notice(used)
    for selection in opened.selections:
        who = f"{found.place()} as {role_words}"
        if (undated := undated_sentence(selection, opened.rule, who=who, period=opened.period)) is not None:
            label = selection.loaded.provenance.label if selection.loaded else "Victim records"
            _markdown(data_label(label) + ": " + undated)
    unused = [s for s in found.sources if not s.in_selection]
    if unused:
        # a source's name is a label (data_label): its title or release ("extract 2 of 3") counts nobody
        held = "; ".join(
            data_label(s.label)
            + escape_markdown(
                f" (years it holds for it: {s.years_text()})"
                if s.records_countries
                else f" ({s.held_text()})"
            )
            for s in unused
        )
        _markdown(
            escape_markdown(
                f"Not used, because {'it holds' if len(unused) == 1 else 'they hold'} no victims of "
                f"{found.place()} in {opened.period}: "
            )
            + held
            + "."
        )
    return opened


def show_sources(opened: Opened, used: Sequence[LoadedTable] | None = None, *, whose: str = "") -> None:
    """The data files: source, release, layout, rows kept and rejected. A notebook about one country, role and
    years (:func:`open_selections`) lists the files it analyses only: a file it loaded but does not use (one
    holding none of its victims, named in a sentence, or a kind of data it does not read, such as GSI or TIP
    tiers) is neither in the table nor in its source line, as it is not among the brief's sources.

    ``used``: the files a notebook without selections uses (the causes notebook: the case files that hold its
    victims, and the country-level tables); a file loaded but not among them is named under the table as not
    used, for holding none of ``whose`` victims ("Viet Nam as country of origin or destination")."""
    if used is not None:
        tables = [t for t in opened.tables if any(t is u for u in used)]
    else:
        tables = [s.loaded for s in opened.selections if s.loaded] if opened.selections else opened.tables
    show_table(
        row_accounting(tables, opened.rule, opened.selections).files,
        labels=SOURCE_LABELS,
        source=source_line(tables) if opened.selections or used is not None else opened.source,
        kinds=sources_kinds(tables),
    )
    unused = [t for t in opened.tables if all(t is not u for u in tables)]
    if used is not None and (sentence := not_used_sentence(unused, whose)):
        _markdown(sentence)


def not_used_sentence(unused: Sequence[LoadedTable], whose: str) -> str | None:
    """Names the files loaded but not used, and why: none of ``whose`` victims, or no countries recorded at all
    (the Victim–Perpetrator layout: UN regions only)."""
    if not unused:
        return None

    def why(table: LoadedTable) -> str:
        data = table.data
        columns = [c for c in ("origin_iso3", "destination_iso3") if c in data.columns]
        if not columns or data.select(pl.any_horizontal(pl.col(columns).is_not_null()).any()).item() is False:
            return " (it records UN regions only, never countries)"
        return ""

    named = word_list([data_label(t.provenance.label) + escape_markdown(why(t)) for t in unused])
    holds = "it holds" if len(unused) == 1 else "they hold"
    return f"Not used, because {holds} none of the victims of {escape_markdown(whose)}: {named}."


def show_source_heading(table: LoadedTable | None, suffix: str | None = None) -> None:
    """A third-level heading naming a table's source and release (e.g. before its section of a notebook),
    followed by ``suffix`` (by default what the table holds: victim records or country data)."""
    if table is None:
        return
    kind = {"case": " (victim records)", "indicator": " (country data)"}.get(table.kind, "")
    _markdown(f"### {_title(table)}{kind if suffix is None else suffix}")


# ------------------------------------------------------------------------------------------------------ routes


def show_routes(
    selection: Selection,
    rule: DisclosureRule,
    *,
    title: str,
    map_title: str,
    subtitle: str | None,
    source: str,
    top_n: int = 10,
    regional_level: str = "region",
    key_figures: bool = True,
    tag: str = "",
) -> RouteBounds | None:
    """The route numbers of a selection: key figures, the route table and its charts (bar chart, flow map).
    Returns them (for a region table), or None when the selection is too small to protect."""
    numbers = route_numbers(selection, rule, top_n=top_n, regional_level=regional_level)
    if numbers is None:
        show_table(None)
        return None
    if holds_no_victims(numbers):
        _markdown(
            escape_markdown(
                f"No {victims_noun(selection)}{of_whom(selection)} with a route: nothing to tabulate or map."
            )
        )
        return None
    if (held := held_years_sentence(selection)) is not None:
        _markdown(escape_markdown(held))  # a country's name: escaped as any text of a brief
    if key_figures:
        show_key_figures(numbers, source=source)
    if subtitle is None and (period := route_years(selection)) is not None:
        # a chart is a file of its own too, read apart from the brief's headings: it says its years
        subtitle = f"{victims_noun(selection).capitalize()}, {period}"
    show_route_table(
        numbers,
        title=title,
        map_title=map_title,
        subtitle=subtitle,
        source=source,
        regional_level=regional_level,
        tag=tag,
    )
    return numbers


def _band_years(selection: Selection) -> set[int]:
    """The years of the bands of years (``2014-2018``) that date some of a case selection's records, which lie
    whole within its years (:meth:`~evidence.analyses.selection.Selection.bands`): its routes count those records."""
    from evidence.analyses.selection import band_span

    years: set[int] = set()
    for band in selection.bands().held:
        if (span := band_span(band)) is not None:
            years |= set(range(span[0], span[1] + 1))
    return years


def route_years(selection: Selection) -> str | None:
    """The years a source holds the selection's routes in, in words ("2007–2021", "2010 and 2018"): those of the
    selection's span with victims (all of it when none has); None when the selection has no span."""
    from evidence.analyses.coverage import years_in_words

    if selection.years is None:
        return None
    first, last = selection.years
    held = {y for y in _held_years(selection) if first <= y <= last} or set(range(first, last + 1))
    return years_in_words(held)


def _held_years(selection: Selection) -> set[int]:
    """The years of a selection's routes with victims: their single years, and those of the bands of years the
    selection holds whole (:func:`_band_years`)."""
    from evidence.analyses import routes

    records = routes.flow_records(selection)
    held = positive_years(records, "victims_high")
    return held | _band_years(selection)


#: Under a chart of counts the cell key method perturbed (victim records of real people).
CHART_PERTURBATION_NOTE = (
    "Counts are perturbed slightly (cell key method): they and their shares may not add up exactly"
)


def held_years_sentence(selection: Selection) -> str | None:
    """The years a source holds the selection's victims in, when they are fewer than the selection's span: the
    routes notebook's heading gives the span of all its sources (Thailand, 2007–2021), and CTDC's sample holds
    Thailand's victims in 2010 only, which nothing said. None when the source holds every year of the span (or
    the selection has no span)."""
    from evidence.analyses.coverage import years_in_words, years_text

    if selection.years is None:
        return None
    first, last = selection.years
    held = _held_years(selection)
    if not held or held >= set(range(first, last + 1)):
        return None
    span = years_text(range(first, last + 1))
    only = " only" if len(held) == 1 else ""
    those = "that year" if len(held) == 1 else "those years"  # Viet Nam's CTDC records: 2016 only
    # runs of years as a list in words: "2010 and 2018", not "2010, 2018, of 2009–2021"
    when = years_in_words(held)
    if selection.kind == "indicator":
        # UNODC's totals can cover more years than the citizenship breakdowns the routes are read from
        return (
            f"The citizenship breakdowns of these data hold {victims_noun(selection)}{of_whom(selection)} in "
            f"{when}{only}, of {span}: the numbers below are of {those}."
        )
    return (
        f"These data hold {victims_noun(selection)}{of_whom(selection)} in {when}{only}, of "
        f"{span}: the numbers below are of {those}."
    )


def of_whom(selection: Selection) -> str:
    """Whose victims a selection holds, as a sentence names them after "victims": " of Cambodia as country of
    origin"; empty for a selection of every country. A brief's reader chose no "selection": it is never named."""
    from evidence.analyses.coverage import ROLE_WORDS

    if selection.country is None:
        return ""
    return f" of {name_in_text(selection.country)} as {ROLE_WORDS[selection.role]}"


def holds_no_victims(numbers: RouteBounds) -> bool:
    """Whether a selection's route numbers hold no victim at all (every bound of the total 0): a route table,
    chart or map of it would show nothing but zeros."""
    total = numbers.high.total_row()[numbers.high.table.total_label]
    return total == 0


def show_key_figures(numbers: RouteBounds | None, *, source: str | None = None) -> None:
    """Victims of the selection, on a known route, and with an unknown origin or destination (``source``: the
    citation under the table, as under every table of counts)."""
    caption = (
        "Identified victims and their routes"
        if numbers is None or numbers.exact
        else "Detected victims in the citizenship breakdown and their routes"
    )
    perturbed = numbers is not None and numbers.low.table.perturbed
    show_table(
        None if numbers is None else numbers.key_figures(),
        caption=caption,
        perturbed=perturbed,  # its note before the source line, as under every table
        kinds=None if numbers is None else numbers.key_figure_kinds(),
        source=source,
        ranges=numbers is not None and not numbers.exact,  # UNODC's: ranges, as the route table's
    )


def shown_route_table(
    numbers: RouteBounds,
) -> tuple[DisclosedTable | pl.DataFrame, dict[str, list[str | None]]]:
    """The route table as shown, with what its cells are (:meth:`RouteBounds.table_kinds`): of one role, without
    its unknown rows whose every cell is a published 0 ("Destination unknown" of a destination's victims, who
    are all detected in it; an origin's "Origin (citizenship) unknown or stateless"), rows no reader can use.
    Left out after the table is protected, never before: the rows shown, their cells and the totals are the
    protected table's, so its protection is the same (a 0 withholds nothing, and no line of the table is
    protected by a cell of such a row)."""
    from evidence.notebooks.builders import DESTINATION_UNKNOWN, ORIGIN_UNKNOWN

    table, kinds = numbers.table(), numbers.table_kinds()
    if numbers.selection is None or numbers.selection.role not in ("origin", "destination"):
        return table, kinds

    def zeros(bound: DisclosedTable) -> set[str]:
        counts = list(bound.count_columns)
        rows = bound.frame.filter(pl.col("route").is_in([ORIGIN_UNKNOWN, DESTINATION_UNKNOWN]))
        return {
            row["route"]
            for row in rows.iter_rows(named=True)
            # published (not suppressed) and 0, in every column
            if all(row[c] == 0 and not row.get(f"{c}_suppressed") for c in counts)
        }

    empty = zeros(numbers.low.table) & zeros(numbers.high.table)
    if not empty:
        return table, kinds
    routes = numbers.low.table.frame["route"].to_list()
    keep = [route not in empty for route in routes]
    positions = [i for i, kept in enumerate(keep) if kept]
    kinds = {column: [cells[i] for i in positions] for column, cells in kinds.items()}
    if not isinstance(table, DisclosedTable):
        return table.filter(pl.Series(keep)), kinds
    # the reasons, and the publisher's censored cells and their bounds, row for row with the frame
    rows = pl.Series(keep)
    return (
        dataclasses.replace(
            table,
            frame=table.frame.filter(rows),
            reasons=table.reasons.filter(rows) if table.reasons.height else table.reasons,
            known=table.known.filter(rows) if table.known.height else table.known,
            known_values=table.known_values.filter(rows) if table.known_values.height else table.known_values,
        ),
        kinds,
    )


def show_route_table(
    numbers: RouteBounds | None,
    *,
    title: str,
    map_title: str,
    subtitle: str | None,
    source: str,
    regional_level: str = "region",
    tag: str = "",
    said: set[str] | None = None,
) -> None:
    """The route table of a selection's route numbers and its charts (bar chart, flow map). ``said``: the
    notes said once per document (:func:`~evidence.notebooks.builders.said_once_per_brief`: unused breakdowns,
    "Not used: …", and what a country's own nationals detected at home are) already said, said once (and added
    to)."""
    if numbers is None:
        return
    rule = numbers.low.table.rule
    if numbers.exact and not numbers.flow_table.height:
        # case data with no victim on a known route: a table of zeros beside the unknowns the key figures give
        _markdown(NO_KNOWN_ROUTE_TABLE)
        if (unmapped := unmapped_origins_line(numbers.selection, rule)) is not None:
            _markdown(unmapped)
        return
    top_n = numbers.low.corridors.height or 1
    noun = "identified victims" if numbers.exact else "detected victims"
    shown, kinds = shown_route_table(numbers)
    show_table(
        shown,
        caption=f"{noun.capitalize()} by route and class of route (UN {regional_level}s)",
        labels={"route": "Route (origin → destination)"},
        source=source,
        note=sentences(
            REGION_NOTES.get(regional_level),
            censored_note(shown, published=published_thresholds(numbers.selection)),
        ),
        kinds=kinds,
        ranges=not numbers.exact,
    )
    if (unmapped := unmapped_origins_line(numbers.selection, rule)) is not None:
        _markdown(unmapped)
    # the notes explain the rows the table lists by name (a row in "All other routes" is not explained)
    listed = (
        {
            (str(o), str(d), str(b))
            for o, d, b in numbers.low.corridors.select(
                "origin_iso3", "destination_iso3", "route_basis"
            ).iter_rows()
        }
        if "route_basis" in numbers.low.corridors.columns
        else None
    )
    for line in route_notes(numbers.selection, rule, markdown=True, listed=listed):
        if said is not None and said_once_per_brief(line):
            if line in said:
                continue
            said.add(line)
        _markdown(line)
    note = None
    if not numbers.exact:
        labels = word_list([f"<{n}" for n in published_thresholds(numbers.selection) or (5,)], last="or")
        note = f"Lower bounds: a censored cell ({labels}) counts as 1."
    # a figure is read on its own too: its perturbed counts (and their shares) need not add up, and it says so
    perturbed = CHART_PERTURBATION_NOTE if numbers.low.table.perturbed else None
    # a route "repatriated from" a country where one detected there is drawn: left out by design, and said
    returns = [name_in_text(code) or code for code in numbers.low.returns_not_drawn()]
    not_drawn = (
        f"Not drawn: the nationals repatriated from {word_list(returns)}, who may be among those detected there "
        "(the table lists them)"
        if returns
        else None
    )
    # a country's own nationals and those exploited at home: two rows of the table, one bar (Myanmar's)
    homes = [name_of(code) or code for code in numbers.low.homes_added()]  # as the table labels routes
    added = (
        "; ".join(f"{home} → {home}: one bar, the sum of the table's two rows of it" for home in homes)
        if homes
        else None
    )
    show_route_charts(
        numbers.chart_data(),
        title=title,
        map_title=map_title,
        subtitle=sentences(subtitle, note, perturbed, not_drawn, added),
        source=source,
        rule=rule,
        tag=tag,
        top=top_n,
        focus=numbers.selection.country if numbers.selection else None,
        role=numbers.selection.role if numbers.selection else None,
        legend_title=noun.capitalize(),
        any_route=bool(numbers.flow_table.height),
    )


def show_region_table(numbers: RouteBounds | None, level: str, *, source: str) -> None:
    """Victims by region of origin and of destination (left out where it would undo the route table); a
    sentence where there is no route table (``numbers`` None: no victim with a route, or too few to protect)."""
    if numbers is None:  # a section of its introduction alone reads as a table lost (Viet Nam as destination)
        _markdown(f"No table by {level}: there is no route table above to sum.")
        return
    if not numbers.flow_table.height:  # nothing withheld: no victim has a route (Viet Nam's CTDC records)
        _markdown(NO_KNOWN_ROUTE.replace("No chart of routes", f"No table by {level}"))
        return
    bounds = numbers.region_bounds(level)
    table = None if bounds is None else bounds.shown()
    if bounds is None or table is None:
        _markdown(
            "Not shown: its numbers would give back a count the route table above withholds, or there are too "
            "few victims."
        )
        return
    show_table(
        table,
        caption=f"{'Identified' if numbers.exact else 'Detected'} victims by {level} of origin (rows) and of "
        "destination (columns)",
        labels={f"origin_{level}": f"Origin {level}"},
        source=source,
        # its ranges, "up to 12" among them, as the route table's
        note=censored_note(table, published=published_thresholds(numbers.selection)),
        kinds=bounds.kinds(),
        ranges=not bounds.exact,
    )


def show_emerging(
    selection: Selection,
    rule: DisclosureRule = DEFAULT_RULE,
    top: int | None = None,
    *,
    numbers: RouteBounds | None = None,
    regional_level: str | None = None,
) -> None:
    """Growing and new corridors of a selection (the ``top`` most significant when given, saying how many there
    are), or a sentence when there are none or its years are too few to compare periods. A new corridor holds
    at least the rule's threshold of victims in the later period, and statistics that would give a count back
    are withheld (:func:`~evidence.notebooks.builders.emerging_statistics_shown`): among them those of a
    corridor whose total the route table withholds (``numbers``, the route table published beside them; when
    not given, the one :func:`~evidence.notebooks.builders.route_numbers` builds with ``top`` corridors at
    ``regional_level``, or at either level when it is not given, since the classes a table is split by change
    what it withholds (the real workbook, threshold 10: Mexico → Guatemala withheld at subregion level, not at
    region level); none, when the selection is too small to protect: every statistic withheld)."""
    from evidence.analyses import routes

    periods = routes.emerging_periods(selection)
    if periods.first is None:  # not "no corridor grows": there is none
        _markdown("No corridor (a route with a known origin and destination) of these victims to assess.")
        return
    unassessed = emerging_unassessed(periods)
    if unassessed is not None:
        _markdown(unassessed)
        return
    tables = (
        [numbers]
        if numbers is not None
        else [
            route_numbers(selection, rule, top_n=top if top is not None else TOP_N, regional_level=level)
            for level in ([regional_level] if regional_level is not None else ["region", "subregion"])
        ]
    )
    hidden = set().union(*(table.withheld_corridors() for table in tables if table is not None))
    # the q-values printed are bounded over the withheld corridors' p-values, never read from them
    emerging = routes.emerging_routes(
        selection, min_victims=max(5, rule.threshold), withheld_below=rule.threshold, withheld=hidden
    )
    if not emerging.height:
        _markdown("No corridor of these victims grows significantly or is new.")
        return
    if any(table is None for table in tables):  # too small to protect: every statistic withheld
        hidden |= set(emerging.select("origin_iso3", "destination_iso3").iter_rows())
    view = emerging_view(emerging, top=top, rule=rule, keyed=selection.keyed, withheld=hidden)
    caption = "Growing and new corridors" + _emerging_listed(
        sum(emerging_statistics_shown(emerging, rule, keyed=selection.keyed, withheld=hidden)),
        emerging.height,
        view.height,
    )
    withheld = (view.select(pl.all() == COMPLEMENT_LABEL).sum_horizontal() > 0).any()
    notes = [EMERGING_WITHHELD_NOTE.format(threshold=rule.threshold)] if withheld else []
    if any(q_value_bounded(text) for text in view["q-value"]):
        below = f"<{GROWTH_ALPHA:.4f}" in view["q-value"].to_list()
        notes.append(
            EMERGING_AT_MOST_NOTE.format(
                below=EMERGING_BELOW_ALPHA.format(alpha=GROWTH_ALPHA) if below else ""
            )
        )
    show_table(view, caption=caption, kinds=EMERGING_KINDS, note=" ".join(notes) or None)


def _emerging_listed(printed: int, emerging: int, listed: int) -> str:
    """What a table of the first ``listed`` of ``emerging`` growing and new corridors (``printed`` of them with
    their statistics) holds, in words for its caption (:func:`~evidence.notebooks.builders.emerging_view`: those
    printed by q-value, then withheld ones by name); empty when it lists them all."""
    if listed >= emerging:
        return ""
    withheld = emerging - printed
    if not withheld:
        return f" (the {listed} with the lowest q-values of {emerging})"
    if listed <= printed:
        # a withheld corridor's q-value is not told, nor whether it is among the lowest
        return (
            f" (the {listed} with the lowest q-values of the {printed} whose statistics are published; "
            f"the {withheld} whose statistics are withheld are not listed)"
        )
    if not printed:
        return f" ({listed} of the {withheld}, whose statistics are withheld, by name)"
    return (
        f" (the {printed} whose statistics are published and {listed - printed} of the {withheld} whose "
        "statistics are withheld, by name)"
    )


# ------------------------------------------------------------------------------------------------------ trends


def published_thresholds(selection: Selection | None) -> tuple[int, ...]:
    """The thresholds N of the publisher's own ``<N`` cells in the selection's table, in order: ``(5,)`` for
    UNODC's ``<5``, ``(5, 10)`` for a file publishing ``<10`` too; empty for a table without censored cells.
    Read once per table (:func:`~evidence.analyses.selection.kept_once`): a brief's sections ask it hundreds of
    times, each a pass over the whole table."""
    if selection is None:
        return ()
    data = selection.table.data if isinstance(selection.table, LoadedTable) else selection.table
    if "censored" not in data.columns:
        return ()
    return kept_once(
        data,
        ("published thresholds",),
        lambda: tuple(censoring_thresholds(data.filter(pl.col("censored"))["value_high"])),
    )


def publisher_labels(published: Sequence[int] = ()) -> str:
    """What the publisher's small cells were published as, in words: "<5 (fewer than five victims)", "<5 (fewer
    than five victims) or <10 (fewer than ten victims)"; UNODC's documented ``<5`` when ``published`` is empty."""
    return word_list(
        [f"<{n} (fewer than {number_in_words(n)} victims)" for n in (published or (5,))], last="or"
    )


def censored_range_note(published: Sequence[int] = ()) -> str:
    """The note on a range that the publisher's censored cells make (:func:`publisher_labels`)."""
    return f"A range where cells the publisher gives as {publisher_labels(published)} make the exact count unknown."


_CENSORED_NOTE = censored_range_note()


def band_note(selection: Selection | None) -> str:
    """The note under a trend chart's band: the range the publisher's censored cells allow, by their labels."""
    labels = word_list([f"<{n}" for n in published_thresholds(selection) or (5,)], last="or")
    return f"Line: lower bound; shaded band: the range that censored cells ({labels}) allow."


#: Said, after :data:`_CENSORED_NOTE`, of a table that shows a range whose low end is below the threshold.
_UP_TO_NOTE = "“Up to”: a range whose lower end is a small count, never printed as a number."
_RANGE = re.compile(r"\d–\d|–<|<\d+–")
_UP_TO = re.compile(rf"^{UP_TO} \d")


def holds_own_count(selection: Selection) -> bool:
    """Whether a UNODC sum of a country's nationals (role ``origin``) holds a count of them by the country's own
    authorities (a doubtful breakdown's cells are none): Viet Nam's holds none, and its chart does not say it
    is summed with one."""
    from evidence.analyses import routes

    records = routes.flow_records(selection)
    own = records.filter(
        (pl.col("detected_iso3") == selection.country)
        & (pl.col("route_basis") != "doubtful_citizenship")
        & (pl.col("victims_low") > 0)
    )
    return own.height > 0


def censored_note(
    shown: DisclosedTable | pl.DataFrame | None,
    bounds: Bounds | None = None,
    *,
    published: Sequence[int] = (),
) -> str | None:
    """The note on ranges of censored counts, for a table that shows one (``12–15``, ``up to 8``); given the
    ``bounds`` the table shows, of a table without a range whose small cells are the publisher's own censored
    ones (:func:`publisher_small_note`: Cambodia's forms of 2017–2020, every cell UNODC's ``<5``). ``published``:
    the thresholds of the publisher's ``<N`` cells (:func:`published_thresholds`; UNODC's ``<5`` when empty)."""
    if not isinstance(shown, pl.DataFrame):
        return None
    cells = [str(v) for c in shown.columns for v in shown[c].to_list() if v is not None]
    up_to = any(_UP_TO.match(v) for v in cells)
    if not up_to and not any(_RANGE.search(v) for v in cells):
        return None if bounds is None else publisher_small_note(shown, bounds, published=published)
    said = censored_range_note(published)
    return f"{said} {_UP_TO_NOTE}" if up_to else said


def publisher_small_note(shown: pl.DataFrame, bounds: Bounds, *, published: Sequence[int] = ()) -> str | None:
    """The note on the small cells (``<5``) of a table of censored counts that are the publisher's own
    censored cells (:attr:`~evidence.presentation.disclosure.DisclosedTable.known`: UNODC gives them as
    ``<5``), not cells this toolkit withheld: said so, and, where the table has both, both. Under a threshold
    that is none of the publisher's (11: its ``<5`` cells shown ``<11``) the label is said to mean fewer than it,
    and to stand for several of the publisher's cells summed too (2–8). None when no shown small cell is the
    publisher's (the table writer's own note then says what the label means)."""
    if bounds.exact:
        return None
    low = bounds.low
    label = low.rule.label
    theirs = ours = False
    for column in low.count_columns:
        if column not in shown.columns:
            continue
        for cell, known in zip(shown[column].to_list(), low.known_cells(column), strict=False):
            if cell == label:
                theirs, ours = theirs or known, ours or not known
    if not theirs:
        return None
    said = f"{label}: a cell the publisher gives as {publisher_labels(published)}, its own censoring"
    if low.rule.threshold not in (published or (5,)):
        # a label other than the publisher's own (<11 for UNODC's <5) says what it means, fewer than 11, and
        # what it can be: a cell shown so may be several of the publisher's cells summed (2–8 is below 11)
        said = (
            f"{label}: fewer than {low.rule.threshold}: a cell the publisher gives as {publisher_labels(published)}, "
            "or several such cells summed, its own censoring"
        )
    if ours:
        # what this toolkit withholds in a table of ranges: a small count, or a range whose low end is small,
        # whole (tables.small_note), whichever the hidden values are
        said += (
            f", or one not shown to protect individuals: fewer than {low.rule.threshold}, or a range of counts "
            f"whose low end is below {low.rule.threshold} (the whole range withheld, its high end too)"
        )
    return said + "."


def victims_noun(selection: Selection) -> str:
    """What a selection's victims are called: identified (victim records) or detected (UNODC's country data)."""
    return "identified victims" if selection.kind == "case" else "detected victims"


def unavailable_breakdown(selection: Selection, dimension: str | None, error: Exception) -> str:
    """The sentence of a yearly section whose breakdown by ``dimension`` the data cannot give. UNODC's data
    give a country's nationals detected abroad by citizenship only: said in words, not as the analysis's error
    for a command line ("with an indicator table, role 'origin' reads ...: use by none, ...")."""
    name = breakdown_name(dimension)
    if selection.kind == "indicator" and selection.role in ("origin", "both"):
        place = (name_in_text(selection.country) or selection.country) if selection.country else None
        if dimension == "citizenship" and place is not None:
            # not "given by citizenship only, never by citizenship": the selection is of one citizenship
            said = (
                f"Not shown by {name}: the nationals of {place}, wherever detected, are all of one citizenship "
                "(where they were detected is the breakdown by destination)"
            )
        else:
            said = (
                f"Not shown by {name}: UNODC's data give the nationals a country detects abroad by citizenship "
                f"only, never by {name}, so these victims are counted in total only"
            )
        if selection.role == "both" and place is not None:
            # the victims detected in the country are broken down: where to find them (not "no breakdown")
            said += f"; the victims detected in {place} alone are given by {name} with the role destination"
        return said + "."
    return f"Not available by {name} in these data: {str(error).rstrip('.')}."


def counted_both(selection: Selection) -> str | None:
    """What UNODC's yearly count of a country as origin or destination (role both) adds up, said under its
    table and chart: their title ("Detected victims per year, Thailand as country of origin or destination")
    does not say that it is two counts, each person once; None for any other selection."""
    if selection.kind != "indicator" or selection.role != "both" or not selection.country:
        return None
    place = name_in_text(selection.country) or selection.country
    return (
        f"Counted: the victims {place} detected, of any citizenship (its published total), and the nationals of "
        f"{place} other countries detected (summed over their citizenship breakdowns), each once."
    )


def show_yearly_section(
    selection: Selection,
    rule: DisclosureRule,
    *,
    dimension: str | None,
    place: str,
    source: str,
    numbers: YearlyNumbers | None = None,
    tables: bool | Collection[str] = True,
    with_break: bool = False,
) -> YearlyNumbers | None:
    """Victims per year of a selection (identified, or detected for UNODC's data): the table, the probably
    incomplete years, the chart and the trend sentence. ``numbers`` are the selection's yearly numbers when
    already built; ``tables``: whether the section goes on to show their breakdown tables (by form, sex, age),
    which the notes may then refer to, or the ``by`` values of those it shows (the trends notebook: its own
    ``by`` only; a breakdown these data do not have is then none); ``with_break``: whether the trend sentence is
    followed by the clear break its rate ratio averages over (:func:`break_caveat`: a brief, which has no section
    on breaks; the trends notebook says the break in its own). Returns them for later sections, or None when
    the selection holds no victims."""
    from evidence.core.errors import EvidenceError
    from evidence.presentation import charts

    noun = victims_noun(selection)
    if numbers is None:
        try:
            numbers = yearly_numbers(selection, rule, by=dimension)
        except SolverUnanswered:
            raise  # not a breakdown missing: the brief stops
        except EvidenceError as exc:
            _markdown(escape_markdown(unavailable_breakdown(selection, dimension, exc)))
            numbers = yearly_numbers(selection, rule)
    if not isinstance(tables, bool) and numbers.by is None:
        tables = ()  # the dimension section says there is no such breakdown: no table to refer to
    if not numbers.counts.height or not (numbers.counts["count_high"].sum() or 0):
        from evidence.analyses import trends

        why = trends.why_empty(selection, named=True)  # what was selected and what the data hold (no count)
        # the reason names the country and role where there is one ("no victim records of Thailand as …")
        said = f": {escape_markdown(why.rstrip('.'))}." if why else f"{escape_markdown(of_whom(selection))}."
        _markdown(f"No {noun}{said}")
        return None
    from evidence.analyses import trends

    if (abroad_only := trends.own_total_missing(selection)) is not None:
        # role both without any total of the country's own: its nationals abroad only, said before the table
        _markdown(escape_markdown(abroad_only))
    per_year = numbers.per_year
    shown = None if per_year is None else per_year.shown()
    # whose victims, as the chart's title says: a brief has two tables of detected victims per year (those
    # detected in the country, its nationals), and a table copied into a report keeps its caption only
    caption = f"{noun.capitalize()} per year, {place}"
    if shown is None:
        # too few to protect: the one sentence, naming its table; a note on a year ("2023 is probably
        # incomplete") or on a trend not estimated would speak of a table and a chart the reader never sees
        _markdown(f"{escape_markdown(caption)}: {TOO_FEW[0].lower()}{TOO_FEW[1:]}")
        return numbers
    show_table(
        shown,
        caption=caption,
        labels={"year": "Year", "note": "Note", "victims": noun.capitalize()},
        kinds=None if per_year is None else per_year.kinds(),
        source=source,
        note=" ".join(
            n
            for n in (
                counted_both(selection),
                censored_note(shown, per_year, published=published_thresholds(selection)),
                no_data_note(numbers, tables=tables),
            )
            if n
        )
        or None,
        ranges=per_year is not None and not per_year.exact,
    )
    panel = numbers.panel
    # with a steady reporters' panel, the years that miss some reporters are said once, not one by one
    for line in incomplete_lines(numbers.incomplete if panel is None else panel.other):
        _markdown(line)
    if panel is not None:
        _markdown(panel_gaps_sentence(numbers))
    tag = selection.loaded.provenance.source if selection.loaded else "data"
    chart = numbers.chart_table() if numbers.exact else numbers.chart_bounds()
    value, low, high = ("victims", None, None) if numbers.exact else ("count_low", "count_low", "count_high")
    drawn = [] if chart is None else drawn_years(chart, value)
    if chart is not None and _years_shown(numbers) > 1 and len(drawn) < 2:
        # one point is not a line: a chart of the other years withheld or absent says nothing the table does not
        _markdown(one_point_sentence(noun, drawn))
    elif chart is not None and _years_shown(numbers) > 1:  # one year is a table row, not a line
        summed = selection.kind == "indicator" and selection.role == "origin"
        own = (
            " (and the country's own count of its nationals)" if summed and holds_own_count(selection) else ""
        )
        show_chart(
            charts.trend_chart(
                chart,
                "year",
                value,
                low,
                high,
                title=f"{noun.capitalize()} per year, {place}",
                y_title=noun.capitalize(),
                # a country's nationals are a sum of other countries' breakdowns: it moves with who reports
                subtitle=f"Summed over the citizenship breakdowns of the countries that detected them{own}."
                if summed
                else counted_both(selection),
                band_note=band_note(selection),
                flagged=numbers.flagged,
                gaps=gap_reasons(per_year),
                source=source,
                rule=rule,
            ),
            f"trend_{tag}_{selection.role}",
        )
    if panel is not None:
        noun = "victims detected by these countries"
        _markdown(panel_sentence(numbers))
        shown = None if panel.per_year is None else panel.per_year.shown()
        show_table(
            shown,
            caption=f"Detected victims per year, {place}: the countries that reported every year",
            labels={"year": "Year", "note": "Note", "victims": "Detected victims"},
            kinds=None if panel.per_year is None else panel.per_year.kinds(),
            source=source,
            note=censored_note(shown, panel.per_year, published=published_thresholds(selection)),
            ranges=panel.per_year is not None and not panel.per_year.exact,
        )
        for line in incomplete_lines(panel.incomplete):
            _markdown(line)
        chart = panel.chart_bounds()
        if chart is not None and len(drawn := drawn_years(chart, "count_low")) < 2:
            _markdown(one_point_sentence(noun, drawn))
        elif chart is not None:
            show_chart(
                charts.trend_chart(
                    chart,
                    "year",
                    "count_low",
                    "count_low",
                    "count_high",
                    title=f"Steady reporters' detected victims, {place}",
                    y_title="Detected victims",
                    subtitle="Per year, summed over the countries that reported in full every year.",
                    band_note=band_note(selection),
                    flagged=[y.year for y in panel.incomplete],
                    gaps=gap_reasons(panel.per_year),
                    source=source,
                    rule=rule,
                ),
                f"trend_{tag}_{selection.role}_steady",
            )
    _markdown(trend_sentence(numbers.models(), noun=noun))
    if with_break and (caveat := break_caveat(numbers.models())) is not None:
        _markdown(caveat)
    if sentence := no_panel_sentence(numbers):
        _markdown(sentence)
    return numbers


#: What the section by a dimension of the trends notebook holds (said under its heading).
DIMENSION_INTRO = (
    "Victims per year by the chosen dimension. Where every victim has exactly one category (sex, age, source "
    "type), the categories add up to the year's victims, and the table is protected together with the yearly "
    "counts above; its share table gives each category's share of the year's victims. For forms of "
    "exploitation (and other multi-valued groups) one victim can count in several categories (CTDC "
    "denominator rule), so the categories add up to more than the year's victims and no shares are shown."
)


def show_dimension_intro(dimension: str | None) -> None:
    """The heading of the section by ``dimension`` ("By form of exploitation") and what its tables hold; nothing
    when no dimension is chosen: a brief of totals only has no such section, never one saying
    ``by = "none"``."""
    if dimension is None:
        return
    name = breakdown_name(dimension)
    _markdown(f"## By {escape_markdown(name)}\n\n{DIMENSION_INTRO}")


#: What a grey country of the routes' world map is: the map shades the countries of the largest routes only.
WORLD_MAP_GREY = "not among the largest routes shown, or withheld"


def category_names(by: str | None, categories: Sequence[str]) -> dict[str, str]:
    """The names readers know the categories of a breakdown by country, corridor or age by (``KHM`` → Cambodia,
    ``KHM>THA`` → Cambodia → Thailand, case data's ``9-17`` and UNODC's ``0 to 17 years`` → "9–17 years":
    :func:`~evidence.notebooks.builders.category_name`); a category that is neither keeps its label
    ("Unknown")."""
    named = {category: category_name(by, category) for category in categories}
    return {category: name for category, name in named.items() if name is not None}


#: The categories of a multi-valued breakdown as readers name several of them ("several forms of exploitation",
#: never "several categories of form of exploitation"): flag groups and columns holding several values.
SEVERAL_CATEGORIES = {
    "form": "forms of exploitation",
    "exploitation": "forms of exploitation",
    "means_of_control": "means of control",
    "labour_sector": "labour sectors",
    "sexual_exploitation_type": "types of sexual exploitation",
    "perpetrator_roles": "perpetrator roles",
    "assistance": "kinds of assistance",
    "transit_iso3": "transit countries",
    "referral_source": "referral sources",
}


def several_categories(by: str | None) -> str:
    """Several categories of the breakdown ``by`` as a reader says it ("several forms of exploitation"); a
    breakdown without a plural of its own, "several categories of" its name."""
    if by in SEVERAL_CATEGORIES:
        return f"several {SEVERAL_CATEGORIES[by]}"
    return f"several categories of {breakdown_name(by)}"


def show_dimension_section(
    numbers: YearlyNumbers, *, place: str, source: str, dimension: str | None = None
) -> None:
    """Identified victims per year by the numbers' dimension: the protected table, shares of the year where
    the categories add up to the year's victims, and a chart of the shares. Numbers without a dimension (the
    data have none by ``dimension``: :func:`show_yearly_section` said so, and fell back to the victims per
    year) get one sentence naming the dimension, never an empty one."""
    from evidence.presentation import charts

    if numbers.by is None:
        wanted = f" by {breakdown_name(dimension)}" if dimension else " by this dimension"
        _markdown(escape_markdown(f"No breakdown{wanted} in these data for these victims (see above)."))
        return
    by = numbers.by
    label = breakdown_name(by)
    caption = f"{victims_noun(numbers.selection).capitalize()} per year by {label}, {place}"
    table = numbers.by_category
    if table is None:
        why = (
            "because the data publish no such breakdown for it"
            if not numbers.exact
            # the reason said above, once, where the victims per year were too few to show (Fiji as destination)
            else "as the victims per year above are too few to show"
            if numbers.per_year is None
            else "because the data hold no such breakdown for it, or too few victims to protect"
        )
        _markdown(escape_markdown(f"{caption}: not shown, {why}."))
        return
    if numbers.exact and set(table.low.value_columns) <= {NOT_RECORDED}:
        # a table of "Not recorded" alone says one thing, in a sentence (Myanmar as origin, by form: 2010, 40
        # under Not recorded, with a note on victims counted in several categories, of which it has none)
        _markdown(
            escape_markdown(f"{caption}: not shown, the {label} being recorded for none of these victims.")
        )
        return
    note = None
    shown = table.shown()
    if not numbers.exact:
        # a year of the span without the breakdown is a row noted as not published, said once (never a 0)
        notes = (
            censored_note(shown, table, published=published_thresholds(numbers.selection)),
            no_breakdown_note(numbers),
            category_sum_note(numbers),
            repeated_rows_note(numbers),
        )
        note = " ".join(n for n in notes if n)
    elif not numbers.partition:
        note = (
            f"One victim can count in {several_categories(by)}, so they can add up to more than the victims"
        )
        # the victims with none of the group recorded are a column of their own (builders.yearly_numbers)
        note += (
            f"; those with no {label} recorded are counted under {NOT_RECORDED}."
            if NOT_RECORDED in table.low.frame.columns
            else "."
        )
        if _not_recorded_years(table.low):
            note += (
                f" Empty cells: none of the year's victims has the {label} recorded (all are under {NOT_RECORDED}, "
                "not 0); a year without records is not listed."
                if NOT_RECORDED in table.low.frame.columns
                else f" An empty row: none of the year's victims has the {label} recorded (not recorded, not 0); "
                "a year without records is not listed."
            )
    named = category_names(by, table.low.value_columns)  # countries and corridors by name, never KHM>THA
    show_table(
        shown,
        caption=caption,
        labels={"year": "Year", "note": "Note", **named},
        source=source,
        note=note or None,
        kinds=table.kinds(),
        ranges=not table.exact,
    )
    if not numbers.exact and (above := categories_above_total_line(numbers)) is not None:
        _markdown(above)  # the categories named as labels (a table's note is plain text, its digits read)
    if (unknown := unknown_citizenships_line(numbers, table.low.value_columns)) is not None:
        _markdown(unknown)
    if (returned := repatriated_line(numbers)) is not None:
        _markdown(returned)
    if not table.exact:
        return
    shown = table.low
    if shown.has_total_row:
        show_table(
            shown,
            caption=f"{caption}: shares of the year",
            labels={"year": "Year", **named},
            source=source,
            shares="row",
        )
    if _years_shown(numbers) < 2:
        return
    chart_table = _dated(shown)
    tag = numbers.selection.loaded.provenance.source if numbers.selection.loaded else "data"
    long = chart_table.to_long(by, "count")
    if named:  # the chart's legend names them as the table does
        long = dataclasses.replace(long, frame=long.frame.with_columns(pl.col(by).replace(named)))
    show_chart(
        charts.stacked_share_chart(
            long,
            "year",
            by,
            "count",
            title=f"{victims_noun(numbers.selection).capitalize()} by {label}, {place}",
            subtitle=f"One victim can have {several_categories(by)}." if not numbers.partition else None,
            source=source,
            rule=shown.rule,
        ),
        f"shares_{tag}_{numbers.selection.role}_{by}",
    )


def show_dimension_without_total(
    selection: Selection, rule: DisclosureRule, *, place: str, source: str, dimension: str | None
) -> None:
    """The section by ``dimension`` of a selection without yearly counts (:func:`show_yearly_section` said why
    and returned None). UNODC can publish a breakdown without the total (Cambodia as destination: by form in
    2007 and 2017–2020, by age in 2013–2015, never a total), which the section said "No detected victims in this
    selection" of: the breakdown is shown as published, said so. Otherwise the one sentence that there are
    none."""
    from evidence.core.errors import EvidenceError

    noun = victims_noun(selection)
    numbers = None
    if selection.kind == "indicator" and dimension is not None:
        try:
            numbers = yearly_numbers(selection, rule, by=dimension)
        except SolverUnanswered:
            raise  # not a breakdown missing: the brief stops
        except EvidenceError:  # a breakdown these data cannot give (role origin by form)
            numbers = None
    by_counts = None if numbers is None or numbers.by is None else numbers.by_counts
    if (
        numbers is None
        or numbers.by_category is None
        or by_counts is None
        or not by_counts.height
        or not (by_counts["count_high"].sum() or 0)
    ):
        _markdown(f"No {noun}{escape_markdown(of_whom(selection))}.")
        return
    name = breakdown_name(dimension)
    _markdown(
        escape_markdown(
            f"UNODC gives no total of these victims (see above), but gives them by {name}: the table shows that "
            "breakdown as published, with no shares, trend or chart (they need the total)."
        )
    )
    show_dimension_section(numbers, place=place, source=source, dimension=dimension)


def unknown_citizenships_line(numbers: YearlyNumbers, columns: Sequence[str]) -> str | None:
    """What a UNODC table by citizenship (or corridor) counts under Unknown besides the publisher's own
    "Unknown": the texts of its breakdown that name no country (:func:`evidence.analyses.routes.
    unmapped_origins`), named as labels with their years, a stateless group said to be one. Thailand's 2019
    column Unknown read 155, of which 148 Rohingya, with nothing saying so (the route table names them).
    No count is given; None when the column holds none of them."""
    from evidence.analyses import routes
    from evidence.analyses.coverage import years_in_words
    from evidence.analyses.trends import UNKNOWN

    selection = numbers.selection
    if (
        selection.kind != "indicator"
        or numbers.by not in ("citizenship", "corridor")
        or UNKNOWN not in columns
    ):
        return None
    found = routes.unmapped_origins(selection)
    if not found.height:
        return None
    parts = []
    for row in found.iter_rows(named=True):
        group = " (a stateless group: no country of citizenship)" if row["stateless"] else ""
        if row["foreign"]:
            group = " (foreign nationals, citizenship not stated)"
        parts.append(
            f"“{data_label(row['category'])}”{escape_markdown(group)} ({years_in_words(row['years'])})"
        )
    intro = escape_markdown(
        f"{UNKNOWN}: the citizenship the publisher gives as unknown, and the texts of its breakdown that name no "
        "country:"
    )
    return f"{intro} {'; '.join(parts)}."


def repatriated_line(numbers: YearlyNumbers) -> str | None:
    """What a UNODC table by destination (or corridor) of a country's nationals counts under the country itself
    where its breakdown by country of repatriation places some of them abroad: the table's destination is the
    country that detected them, so Myanmar's own count of its nationals (353 in 2017, 270 of them repatriated
    from abroad, 254 from China) is under Myanmar, while the route table gives Myanmar → China. Said with the
    years and the countries (no count); None when there is no such repatriation."""
    from evidence.analyses import routes
    from evidence.analyses.coverage import years_in_words

    selection = numbers.selection
    if (
        selection.kind != "indicator"
        or numbers.by not in ("destination", "corridor")
        or selection.role == "destination"
        or selection.country is None
    ):
        return None
    country = selection.country
    records = routes.flow_records(selection).filter(
        (pl.col("route_basis") == "repatriation")
        & (pl.col("detected_iso3") == country)
        & (pl.col("victims_high") > 0)
        & (pl.col("destination_iso3").is_null() | (pl.col("destination_iso3") != country))
    )
    if not records.height:
        return None
    name = name_in_text(country) or country
    # the countries most of them came back from first (their low bounds summed over the years), five at most
    places = (
        records.filter(pl.col("destination_iso3").is_not_null())
        .group_by("destination_iso3")
        .agg(pl.col("victims_low").sum())
        .sort(["victims_low", "destination_iso3"], descending=[True, False])["destination_iso3"]
        .to_list()
    )
    named = [name_in_text(code) or code for code in places[:5]]
    if len(places) > 5:
        named.append("other countries")  # not how many: a number below the threshold reads as people
    whence = word_list(named)
    if records["destination_iso3"].null_count():
        unstated = "abroad without a country stated"
        whence = f"{whence}, and from {unstated}" if named else unstated
    column = name_of(country) or country
    column = column if numbers.by == "destination" else f"{column} → {column}"
    years = years_in_words(int(y) for y in records["year"].to_list())
    # the table's column: the destination that detected them, or the corridor ending there
    where = (
        f"under {name}, the country that detected them"
        if numbers.by == "destination"
        else f"on this route, {name} being the country that detected them"
    )
    return escape_markdown(
        f"{column}: the nationals of {name} its own authorities counted, all {where}; in {years} its breakdown by country of repatriation says some of them came back from "
        f"{whence}, where they were exploited (the routes notebook gives those routes)."
    )


def no_data_note(
    numbers: YearlyNumbers, *, tables: bool | Collection[str] = True, trend: bool = True
) -> str | None:
    """The note on the years of a yearly table's span without a count (rows noted :data:`NO_RECORDS` in a case
    table; :data:`NO_DATA_PUBLISHED` or :data:`NO_TOTAL_PUBLISHED` in a publisher's series): one note per
    kind, the same rule for all. ``tables``: whether the section shows the breakdowns by form, sex and age the
    note can refer to (a brief shows UNODC's for the victims detected in the country of a destination section
    only: an origin brief has none, so its notes refer to none), or the ``by`` values (:data:`trends.BY_VALUES
    <evidence.analyses.trends.BY_VALUES>`) of the tables it shows: a note refers to those only (the trends
    notebook by corridor shows no table by form of exploitation). ``trend``: whether a chart and a trend of
    these numbers follow, which leave such years out (a table shown alone says nothing of them)."""
    from evidence.analyses import trends
    from evidence.analyses.coverage import years_in_words, years_text

    shown = (
        set(BREAKDOWN_NAMES)
        if tables is True
        else set()
        if tables is False
        else {trends.indicator_dimension(by) for by in tables}
    )

    if numbers.per_year is None or "note" not in numbers.per_year.low.frame.columns:
        return None
    rows = list(numbers.per_year.low.frame.select("year", "note").iter_rows())

    def years(label: str) -> str | None:
        noted = [int(y) for y, n in rows if n == label]
        return years_in_words(noted) if noted else None

    def see_table(*names: str) -> str:
        # the tables by form, sex and age, and by citizenship (the victims a country detected, by their country)
        known = {**BREAKDOWN_NAMES, "citizenship": breakdown_name("citizenship")}
        names = tuple(name for by, name in known.items() if name in names and by in shown)
        if not names:
            return ""
        which = "the table" if len(names) == 1 else "the tables"
        return f" (see {which} {word_list([f'by {name}' for name in names])})"

    said = []
    if numbers.exact and (when := years(NO_RECORDS)):
        said.append(
            f"{NO_RECORDS.capitalize()}: no victim is recorded in {when} (not covered by the "
            "data, or nothing recorded or reported), which is not a count of 0"
        )
    if not numbers.exact:
        if when := years(NO_DATA_PUBLISHED):
            # a year of a placeholder breakdown only (Viet Nam's forms of 2017–2020): said, with its table
            unpublished = {int(y) for y, n in rows if n == NO_DATA_PUBLISHED}
            held = [
                (breakdown_name(by), sorted(placeholder & unpublished))
                for by, placeholder in numbers.placeholder_breakdowns.items()
                if placeholder & unpublished
            ]
            placeholders = "; ".join(
                f"in {years_in_words(y)} it gives only placeholder values by {name}, not counts{see_table(name)}"
                for name, y in held
            )
            said.append(
                f"{NO_DATA_PUBLISHED.capitalize()}: UNODC's data have no figure for these victims in {when}, which "
                "is not a count of 0" + (f"; {placeholders}" if placeholders else "")
            )
        if when := years(DOUBTFUL_BREAKDOWN):
            noted = {int(y) for y, n in rows if n == DOUBTFUL_BREAKDOWN}
            said.append(_doubtful_breakdown_note(numbers.selection, noted, when))
        if when := years(NO_TOTAL_PUBLISHED):
            # only the breakdowns that hold those years, and usable ones (a placeholder breakdown is none)
            noted = {int(y) for y, n in rows if n == NO_TOTAL_PUBLISHED}
            holding = {
                breakdown_name(by): frozenset(held & noted)
                for by, held in numbers.breakdowns.items()
                if held & noted
            }
            names = list(holding) or ["category"]
            if len(set(holding.values())) > 1:
                # breakdowns of different years: each with its own (forms in 2007, citizenships in 2008), not
                # "by form and by citizenship in 2007–2008"
                given = word_list(
                    [
                        f"by {name} ({word_list(years_text(held).split(', '))})"
                        for name, held in holding.items()
                    ]
                )
            else:
                given = f"{word_list([f'by {name}' for name in names])} in {when}"
            said.append(
                f"{NO_TOTAL_PUBLISHED.capitalize()}: UNODC gives these victims {given} but not their "
                f"total{see_table(*names)}"
            )
    if not said:
        return None
    # each note its own sentence: each starts with its capitalised label ("No data published: …")
    left_out = " Such years are left out of the chart and the trend." if trend else ""
    return ". ".join(said) + "." + left_out


def _doubtful_breakdown_note(selection: Selection, noted: set[int], when: str) -> str:
    """The note on the years of a UNODC sum over reporting countries noted :data:`DOUBTFUL_BREAKDOWN`: a
    citizenship breakdown was published, but it is doubtful and not used (the words of the years of that breakdown
    that do have a count, :func:`~evidence.analyses.trends.reporter_gaps`), not "nothing published"."""
    from evidence.analyses import trends
    from evidence.sources.countries import name_in_text

    found = trends.doubtful_reporters(selection)
    codes = sorted({code for year in noted for code in found.get(year, ())})
    names = [escape_markdown(name_in_text(code) or code) for code in codes]
    listed = word_list(names)
    breakdowns = "citizenship breakdown" if len(names) == 1 else "citizenship breakdowns"
    they = "it is" if len(names) == 1 else "they are"
    return (
        f"{DOUBTFUL_BREAKDOWN.capitalize()}: in {when} UNODC published the {breakdowns} of {listed}, but {they} "
        "doubtful and not used (such a breakdown may not give its victims' citizenships; see the routes), and no other "
        "country lists these victims, which is not a count of 0"
    )


def _not_recorded_years(table: DisclosedTable) -> list[str]:
    """The years of a case table by category whose cells are all empty and none withheld (not recorded); its
    column of the victims with none recorded (:data:`NOT_RECORDED`) holds them all, and is not a category
    (Cambodia as origin, 2010: 16 under Not recorded, every form blank, and no note said why)."""
    n = table.frame.height - (1 if table.has_total_row else 0)
    body, reasons = table.frame.head(n), table.reasons.head(n)
    columns = [c for c in table.value_columns if c != NOT_RECORDED]
    if not columns:  # nothing but Not recorded: no category to leave blank
        return []
    empty = body.select(pl.all_horizontal(pl.col(c).is_null() for c in columns)).to_series()
    kept = reasons.select(pl.all_horizontal(pl.col(c).is_null() for c in columns)).to_series()
    return body.filter(empty & kept)["year"].cast(pl.String).to_list()


def drawn_years(chart: DisclosedTable, value: str) -> list[int]:
    """The years a yearly chart of ``chart`` draws a point for: those whose ``value`` is published, neither
    withheld (``<5``, ``x``) nor absent."""
    frame = chart.frame
    drawn = pl.col(value).is_not_null() & pl.col("year").is_not_null()
    if (flag := value + SUPPRESSED_SUFFIX) in frame.columns:
        drawn &= ~pl.col(flag).fill_null(False)
    return sorted(int(year) for year in frame.filter(drawn)["year"].to_list())


def one_point_sentence(noun: str, drawn: Sequence[int]) -> str:
    """Said in place of a yearly chart that would draw one point or none, its other years withheld or absent."""
    what = f"only {drawn[0]} has a number" if drawn else "no year has a number"
    return (
        f"No chart of {noun} per year: {what} that can be drawn, the others being withheld (small counts) or "
        "not published; the table above gives every year."
    )


def _years_shown(numbers: YearlyNumbers) -> int:
    """How many dated years the yearly numbers hold (a chart over years needs two)."""
    return numbers.counts.filter(pl.col("year").is_not_null())["year"].n_unique()


def _dated(table: DisclosedTable) -> DisclosedTable:
    """A year × category table without its totals and its ``undated`` row, years as numbers (for charts)."""
    n = table.frame.height - (1 if table.has_total_row else 0)
    body, reasons = table.frame.head(n), table.reasons.head(n)
    keep = body["year"] != "undated"
    frame = body.filter(keep).with_columns(pl.col("year").cast(pl.Int64))
    if table.has_total_column:
        frame = frame.drop(table.total_label, table.total_label + "_suppressed")
    return dataclasses.replace(
        table,
        frame=frame,
        reasons=reasons.filter(keep).select(table.value_columns),
        count_columns=tuple(table.value_columns),
        has_total_row=False,
        has_total_column=False,
    )


def show_break(numbers: YearlyNumbers) -> None:
    """The most likely break in the trend of the complete years, or why there is none: for a table of victims
    per year too small to show, that reason, said above, once (its models' note, counts withheld, would be a
    second reason for the same table)."""
    if numbers.per_year is None:
        _markdown("No break is searched for: the victims per year above are too few to show.")
        return
    _markdown(break_sentence(numbers.models()))


# ------------------------------------------------------------------------------------------------ data quality


@dataclass(frozen=True)
class RowAccounting:
    """The row accounting of a notebook's files as one system: the table of files (rows kept, rejected and read;
    :func:`~evidence.notebooks.builders.sources_view`) and, per file of victim records, its rejected rows by reason
    (:func:`~evidence.notebooks.builders.reasons_table`), whose total is that file's rows rejected.

    Each table protected on its own let a reader combine them: 60 rows read, 54 kept, 6 rejected in the table of
    files, and by reason a year that is no number ``x`` and a flag ``<5`` (total ``x``): the ``x`` is at least 5,
    so the flag's ``<5`` is 6 - 5 = 1. They are protected together
    (:func:`~evidence.presentation.disclosure.protect_together`): every number of them is exact, whatever the
    method of the file's other counts, so the same system holds under suppression and under the cell key method.
    ``files``: None when too few to protect; ``rejected``: per table index, its reasons table (None when it
    cannot be shown without giving a small count back; absent when the file rejected nothing or is no file of
    victim records)."""

    files: DisclosedTable | None
    rejected: Mapping[int, DisclosedTable | None]


REJECTED_TITLE: Final = "rejected rows"


@fails_closed
def row_accounting(
    tables: Sequence[LoadedTable], rule: DisclosureRule, selections: Sequence[Selection] = ()
) -> RowAccounting:
    """The table of files and the rejected rows by reason of ``tables``, protected as one (:class:`RowAccounting`).

    ``selections``: those of a notebook about one country, role and years (routes, trends, causes), one per table:
    each publishes its victims, and its victims without a year (a sentence), so a file's rows kept less them are
    the file's victims outside it (50 kept beside 47 victims of Thailand: 3 exploited elsewhere), which no table
    shows: the rows kept are protected with them."""
    from evidence.notebooks.builders import reason_without_values, reasons_table, rows_are_people
    from evidence.presentation.disclosure import DisclosureError, protect_together

    files = sources_view(tables, rule)
    if files is not None and selections:
        try:
            files = _files_beside_selections(files, tables, selections, rule)
        except DisclosureError:  # no withholding protects them: no row count of the files is shown
            files = None
    reasons: dict[int, DisclosedTable | None] = {}
    for index, table in enumerate(tables):
        if not rows_are_people(table) or not table.rows_rejected:
            continue
        shown = reasons_table(
            table.summary()["reject_reasons"], rule, total_label=f"All {REJECTED_TITLE}", people=True
        )
        reasons[index] = shown if isinstance(shown, DisclosedTable) else None
    linked = {i: t for i, t in reasons.items() if t is not None}
    if files is None or not linked:
        return RowAccounting(files, reasons)
    # the true counts, row for row as the tables show them
    truth = [
        pl.DataFrame(
            {
                "kept": [t.rows_kept for t in tables],
                "rejected": [t.rows_rejected for t in tables],
                "read": [t.rows_in for t in tables],
            }
        )
    ]
    same = []
    for number, (index, shown) in enumerate(linked.items(), start=1):
        by_reason: dict[str, int] = {}
        for reason, rows in tables[index].summary()["reject_reasons"].items():
            key = reason_without_values(reason)
            by_reason[key] = by_reason.get(key, 0) + int(rows)
        body = [by_reason[r] for r in shown.frame["reason"].to_list()[:-1]]
        truth.append(pl.DataFrame({"rows": [*body, sum(body)]}))
        # the total of a file's rejected rows by reason is its rows rejected in the table of files
        same.append([(0, "rejected", index), (number, "rows", shown.frame.height - 1)])
    try:
        protected = protect_together([files, *linked.values()], truth, same, rule)
    except DisclosureError:  # the table of files stands on its own; its reasons are not shown
        return RowAccounting(files, dict.fromkeys(reasons))
    return RowAccounting(
        protected[0],
        dict(zip(linked, protected[1:], strict=True)) | {i: None for i, t in reasons.items() if t is None},
    )


def _files_beside_selections(
    files: DisclosedTable,
    tables: Sequence[LoadedTable],
    selections: Sequence[Selection],
    rule: DisclosureRule,
) -> DisclosedTable:
    """The table of files protected with the selections a notebook publishes (:func:`row_accounting`): per file of
    victim records, its rows kept are its selection's victims (fixed: every table of the notebook adds up to them),
    its victims without a year (fixed: a sentence gives them, ``<5`` when few) and the rest, which must not follow
    when small."""
    from evidence.analyses import trends
    from evidence.presentation.disclosure import SMALL_REASON, protect_together

    parts: list[DisclosedTable] = []
    truth = [
        pl.DataFrame(
            {
                "kept": [t.rows_kept for t in tables],
                "rejected": [t.rows_rejected for t in tables],
                "read": [t.rows_in for t in tables],
            }
        )
    ]
    same, fixed, unpublished = [], [], []
    for selection in selections:
        if selection.kind != "case" or selection.loaded is None:
            continue
        index = next(i for i, t in enumerate(tables) if t is selection.loaded)
        shown = selection.records().height
        undated = 0
        if selection.years is not None:
            found = trends.undated_counts(selection)
            undated = int(found["count"].sum()) if found.height else 0
        outside = tables[index].rows_kept - shown - undated
        number = len(parts) + 1
        values = [shown, undated, outside, tables[index].rows_kept]
        parts.append(
            DisclosedTable(
                frame=pl.DataFrame({"n": values}),
                count_columns=("n",),
                rule=rule,
                n_primary=0,
                n_secondary=0,
                has_total_row=True,
                reasons=pl.DataFrame(
                    {"n": [None, SMALL_REASON if rule.is_small(undated) else None, None, None]},
                    schema={"n": pl.String},
                ),
            )
        )
        truth.append(pl.DataFrame({"n": values}))
        fixed += [(number, "n", 0), (number, "n", 1)]
        unpublished += [(number, "n", 2), (number, "n", 3)]
        same.append([(0, "kept", index), (number, "n", 3)])
    if not parts:
        return files
    return protect_together([files, *parts], truth, same, rule, fixed=fixed, unpublished=unpublished)[0]


def show_reasons(opened: Opened) -> None:
    """Per file, its rejected and its flagged rows by reason (the rejected protected with the table of files:
    :func:`row_accounting`)."""
    from evidence.notebooks.builders import reasons_table

    accounting = row_accounting(opened.tables, opened.rule)
    for index, table in enumerate(opened.tables):
        summary = table.summary()
        people = table.kind == "case"  # other tables' rows are countries or published values, not people
        for kind, title in (("reject_reasons", REJECTED_TITLE), ("flag_reasons", "flagged rows")):
            if summary[kind]:
                show_table(
                    accounting.rejected[index]
                    if kind == "reject_reasons" and index in accounting.rejected
                    else reasons_table(summary[kind], opened.rule, total_label=f"All {title}", people=people),
                    caption=f"{table.provenance.label}: {title} by reason"  # the table writer escapes it
                    + ("" if people else " (rows of a country-level table: countries or published values)"),
                    labels={"reason": "Reason", "rows": "Rows"},
                    source=source_line([table]),
                    kinds=None if people else {"rows": "values"},
                )
        show_misencoded(table)


#: What a value holding a damaged character is said to be, wherever data_quality shows it.
MISENCODED = "mis-encoded in the publisher's file"


def show_misencoded(table: LoadedTable) -> None:
    """The text values of a file that are mis-encoded in the publisher's file (U+FFFD where it lost a
    character, or UTF-8 read as Windows-1252: :func:`evidence.analyses.quality.misencoded_values`), said to be
    and shown as loaded, never repaired. A country-level table's values are listed with their rows (published
    values, not people); a file of victim records only names its columns and how many values, as a rare
    category of people is no label to print."""
    from evidence.analyses.quality import misencoded_values

    found = misencoded_values(table.data)
    if not found.height:
        return
    what = (
        "Text " + MISENCODED + " (a character it lost shown as �, or UTF-8 read as Windows-1252 such as Ã´)"
    )
    if table.kind == "case":
        per_column = found.group_by("column", maintain_order=True).len()
        listed = word_list(
            [f"{markdown_code(c)} ({n:,} value{'s' if n != 1 else ''})" for c, n in per_column.iter_rows()]
        )
        show_markdown(f"{escape_markdown(what)}, loaded as it is: {listed}.")
        return
    show_table(
        found.select(
            pl.col("column").alias("Column"),
            pl.col("value").alias("As written"),
            pl.col("rows").map_elements(lambda n: f"{n:,}", pl.String).alias("Rows"),
        ),
        caption=f"{table.provenance.label}: text {MISENCODED}",
        note="Shown as loaded, not repaired: the mapping of citizenships reads most of them (see below).",
        source=source_line([table]),
        kinds={"Column": "label", "As written": "label", "Rows": "values"},
    )


def show_completeness(opened: Opened) -> None:
    """Per file of victim records, which fields it collects and how complete they are, overall, by year and
    by source type (counts of records protected, and perturbed for keyed records). Fields are named as a
    researcher reads them, with their column (:func:`~evidence.analyses.quality.field_name`).

    A file whose records kept the table of files withholds (a few rows rejected: the rows read less the kept
    would give them back) shows shares only, its counts perturbed or not: every count of this section adds up to
    the records kept. A file of no record kept, or of fewer than the threshold, is one sentence."""
    from evidence.analyses import quality
    from evidence.notebooks.builders import completeness_tables

    kept_withheld = _kept_withheld(opened)
    for index, table in enumerate(opened.tables):
        if table.kind != "case":  # said once for them all, below (a heading and a sentence each read thrice)
            continue
        show_source_heading(table)
        if not table.rows_kept:  # every row rejected: a table of zeros, and no year to break it down by
            show_markdown(
                "No row of this file was kept (see the rejected rows above): no field to summarise."
            )
            continue
        if opened.rule.is_small(table.rows_kept):  # withheld above; a table of dashes would say nothing
            show_markdown(
                f"This file holds fewer than {opened.rule.threshold} records: too few to show how complete "
                "their fields are."
            )
            continue
        selection = Selection(table)
        # perturbed counts too: a perturbation is often 0, and the rows read less the records would then be the
        # rejected rows the table of files withholds
        shares_only = kept_withheld[index]
        counts_perturbed = selection.keyed and not shares_only
        fields = quality.field_completeness(selection)
        missing = fields.filter(~fields["collected"])["field"].to_list()
        # records known by a band of years only are in a band, not "unknown"
        by_year = ("year_band", "By year or band of years") if quality.has_year_ranges(table.data) else None
        breakdowns = [
            (by, title)
            for by, title in (
                by_year or ("year", "By year"),
                ("data_source_type", "By source type (case management or hotline)"),
            )
            if by not in missing  # a layout without source types: one row "unknown" would say nothing
        ]
        # the tables protected as one (a band's single year ties it to the year of the table of fields)
        frames = {
            by: quality.completeness_by(
                selection, by, quality.KEY_FIELDS + (("year",) if by == "year_band" else ())
            )
            for by, _ in breakdowns
        }
        protected = completeness_tables(
            fields,
            frames,
            opened.rule,
            keyed=selection.keyed,
            not_collected=missing,
            shares_only=shares_only,
            shown=quality.KEY_FIELDS,
        )
        shown = protected.fields
        if shown is not None:
            raw_names = set(fields["field"].to_list())  # the year's own label (a single year) stays
            shown = shown.with_columns(
                pl.Series(
                    "Field",
                    [quality.field_name(f) if f in raw_names else f for f in shown["Field"]],
                    pl.String,
                )
            )
            if shares_only:  # a share not shown (its counts withheld) is said to be, as below
                shown = shown.select(
                    "Field",
                    pl.col("Share known").replace("", SHARE_SUPPRESSED_LABEL),
                )
        show_table(
            shown,
            caption="Records with each field known",
            note=sentences(
                _folded_note(protected.folded),
                *((share_withheld_note(shown, opened.rule), _SHARES_ONLY) if shares_only else ()),
            ),
            perturbed=counts_perturbed,
        )
        if missing:
            names = ", ".join(_field_words(f) for f in missing)
            if quality.layout_fields(table.provenance.layout) is not None:
                show_markdown(f"Not collected by this layout: {names}.")
            else:  # a layout whose fields depend on the file (an organisation's mapping)
                show_markdown(
                    f"No record of this file has a value of: {names} (the file does not hold them, or holds "
                    "them for no record)."
                )
        for by, title in breakdowns:
            left_out = [f for f in quality.KEY_FIELDS if f in missing]
            shown = protected.by[by]
            if shown is not None and _all_withheld(shown, opened.rule):
                # every row too few to show: a table of "<5" and "–" says nothing
                noun = "source type" if by == "data_source_type" else column_title(by).lower()
                show_markdown(
                    f"{title}: not shown, as the records of every {noun} are too few to publish (fewer than "
                    f"{opened.rule.threshold}, or withheld so that such a count cannot be recomputed)."
                )
                continue
            if shown is not None:
                shown = shown.rename(
                    {
                        f.replace("_", " "): quality.FIELD_NAMES[f].capitalize()
                        for f in quality.KEY_FIELDS
                        if f.replace("_", " ") in shown.columns
                    }
                )
                if shares_only:  # the records per row, and their total row, add up to the records kept
                    shown = shown.head(-1).drop("Records")
            show_table(
                shown,
                caption=f"{title}: records, and the share of them with each field known"
                if not shares_only
                else f"{title}: the share of records with each field known",
                note=sentences(
                    (
                        "Fields this layout does not collect are left out: "
                        + ", ".join(quality.FIELD_NAMES[f] for f in left_out)
                        + "."
                    )
                    if left_out
                    else None,
                    share_withheld_note(shown, opened.rule),
                    _SHARES_ONLY if shares_only else None,
                ),
                perturbed=counts_perturbed,
            )
    country_level = [t for t in opened.tables if t.kind != "case"]
    if country_level:
        # a country-level table (UNODC, GSI, TIP tiers) has its coverage section below
        covered = [t for t in country_level if t.kind in ("indicator", "gsi", "tier")]
        show_markdown("### Country-level tables")
        if covered:
            show_markdown(
                f"{word_list([_title(t) for t in covered])}: country-level tables, whose coverage (countries and "
                "values, never people) is in the coverage below; field completeness is for victim-level case "
                "tables."
            )
        if others := [t for t in country_level if t.kind not in ("indicator", "gsi", "tier")]:
            show_markdown(
                f"{word_list([_title(t) for t in others])}: field completeness is summarised for victim-level "
                "case tables only."
            )


def _folded_note(folded: Mapping[str, str]) -> str | None:
    """The regions left out of the table of fields, as they are known for exactly the records their country is
    (read from it): their numbers are the country's."""
    if not folded:
        return None
    from evidence.analyses.quality import FIELD_NAMES

    by_country: dict[str, list[str]] = {}
    for region, country in folded.items():
        by_country.setdefault(country, []).append(region)
    parts = [
        f"{word_list([f'{FIELD_NAMES.get(r, r)} ({r})' for r in regions])}, as the "
        f"{FIELD_NAMES.get(country, country)} ({country})"
        for country, regions in by_country.items()
    ]
    # the table writer escapes a note
    return (
        "Not repeated, as they are known for exactly the records of their country (a region is read from it): "
        + "; ".join(parts)
        + "."
    )


def _field_words(field: str) -> str:
    """A field in prose: its readers' name and its column as code (``sex (`gender`)``)."""
    from evidence.analyses.quality import FIELD_NAMES

    name = FIELD_NAMES.get(field, field.replace("_", " "))
    return markdown_code(field) if name == field else f"{escape_markdown(name)} ({markdown_code(field)})"


#: Why a file's completeness shows shares and no counts.
_SHARES_ONLY = (
    "Shares only: a few rows of this file were rejected, and the records kept, withheld in the table of files "
    "above so that the rejected rows cannot be recomputed from the rows read, would be the total of any count here."
)


def _kept_withheld(opened: Opened) -> list[bool]:
    """Per loaded table, whether the table of files (:func:`show_sources`) withholds its rows kept."""
    from evidence.presentation.disclosure import SUPPRESSED_SUFFIX

    view = row_accounting(opened.tables, opened.rule).files
    if view is None:  # too few rows to protect: nothing of the files is shown
        return [t.kind == "case" for t in opened.tables]
    return [bool(v) for v in view.frame["kept" + SUPPRESSED_SUFFIX].fill_null(False).to_list()]


def _all_withheld(shown: pl.DataFrame, rule: DisclosureRule) -> bool:
    """Whether every row of a completeness table (its total row aside) has its records withheld."""
    records = shown["Records"].to_list()[:-1]
    return bool(records) and all(r in (COMPLEMENT_LABEL, rule.label) for r in records)


def share_withheld_note(shown: pl.DataFrame | None, rule: DisclosureRule) -> str | None:
    """The legend of a completeness table's ``–`` (:func:`~evidence.notebooks.builders.completeness_table`),
    when it shows one: a share not shown, as it would give back a count of records below the threshold."""
    if shown is None or not any(
        v == SHARE_SUPPRESSED_LABEL for c in shown.columns[1:] if c != "Records" for v in shown[c].to_list()
    ):
        return None
    return (
        f"{SHARE_SUPPRESSED_LABEL}: share not shown, because the records it implies with the field known or not "
        f"known are fewer than {rule.threshold} (a share times its records would give them back), or the "
        "records are withheld."
    )


def show_unmapped_citizenships(opened: Opened) -> None:
    """Per UNODC table, the share of detected victims whose citizenship names no single country, and those
    citizenships for review with a *suggested* country (never applied)."""
    from evidence.notebooks.builders import unmapped_citizenship_share, unmapped_citizenship_table

    shares = [(table, unmapped_citizenship_share(table)) for table in opened.tables]
    for table, share in shares:
        if share is None:
            continue
        show_source_heading(table, "")
        show_markdown(share)
        unmapped = unmapped_citizenship_table(table, opened.rule, rows=False)
        if unmapped is None:
            show_markdown("Every citizenship in this table was mapped to a country.")
            continue
        from evidence.sources.unodc import is_misencoded

        damaged = [is_misencoded(v) for v in unmapped["As written"].to_list()]
        if any(damaged):  # said to be, never repaired: the file's own text
            unmapped = unmapped.with_columns(
                pl.Series(
                    "As written",
                    [
                        f"{v} ({MISENCODED})" if d else v
                        for v, d in zip(unmapped["As written"].to_list(), damaged, strict=True)
                    ],
                )
            )
        repatriation = "country of repatriation" in unmapped["Breakdown"].to_list()
        show_table(
            unmapped,
            caption=("Citizenships and countries of repatriation" if repatriation else "Citizenships")
            + " not mapped to a country, with a suggested country to review",
            source=source_line([table]),
            # the strings are the file's own text (a digit in one is no count); the victims column is
            kinds={c: "label" for c in unmapped.columns if c != "Detected victims"}
            | {"Detected victims": PEOPLE},
        )
    if all(share is None for _, share in shares):
        show_markdown("No UNODC table among the data files: no free-text citizenships to map.")


def show_coverage(opened: Opened) -> None:
    """Per file of country data, what it covers, in countries and values (never people): UNODC's countries and
    values per year and per indicator, and the share censored; Walk Free's GSI, the countries with a value of each
    measure; US TIP tiers, the countries ranked per report year."""
    from evidence.analyses.quality import context_coverage, indicator_coverage
    from evidence.notebooks.builders import coverage_note, coverage_view

    countries = [t for t in opened.tables if t.kind in ("indicator", "gsi", "tier")]
    for table in countries:
        show_source_heading(table, "")
        if table.kind == "indicator":
            show_table(
                coverage_view(indicator_coverage(table.data, "year")),
                caption="Countries and values per year",
                kinds={**COVERAGE_KINDS, "Year": "years"},
                source=source_line([table]),
            )
            show_table(
                coverage_view(indicator_coverage(table.data, ["indicator", "dimension"])),
                caption="Countries and values per indicator and dimension",
                kinds=COVERAGE_KINDS,
                source=source_line([table]),
                note=coverage_note(table),
            )
            continue
        found = context_coverage(table)
        unranked: list[int] = []
        if table.kind == "gsi":
            labels = {"measure": "Measure", "countries": "Countries", "with_value": "With a value"}
            labels |= {"without_value": "Without"}
            caption = "Countries with a value of each measure"
        else:
            labels = {"report_year": "Report year", "countries": "Countries", "ranked": "Ranked in a tier"}
            # a country listed without a tier: not in that report (most before 2009), or a special case
            labels |= {"not_ranked": "Not ranked (not in the report, or a special case)"}
            caption = "Countries listed and ranked in a tier, per report"
            # a report year ranking no country is no report of the file (Kelley's coding lists every country
            # in 1999 and 2000, none ranked: the source is cited as the reports of 2001-2015): said, not rows
            unranked = [int(y) for y in found.filter(pl.col("ranked") == 0)["report_year"].to_list()]
            found = found.filter(pl.col("ranked") > 0)
        shown = found.select(
            pl.col(c).cast(pl.String).alias(c) if c in ("measure", "report_year") else _thousands(c)
            for c in found.columns
        ).rename(labels)
        show_table(
            shown,
            caption=caption,
            kinds={
                name: "label" if c == "measure" else ("years" if c == "report_year" else "countries")
                for c, name in labels.items()
            },
            source=source_line([table]),
        )
        if unranked:
            from evidence.analyses.coverage import years_in_words

            show_markdown(
                escape_markdown(
                    f"Not shown: the report years {years_in_words(unranked)}, in which the file lists countries but "
                    "ranks none in a tier."
                )
            )
    if not countries:
        show_markdown(
            "No country-level table (UNODC country data, Walk Free's GSI or US TIP tiers) among the data files."
        )


def _thousands(column: str) -> pl.Expr:
    return pl.col(column).map_elements(lambda n: f"{n:,}", return_dtype=pl.String).alias(column)


# ------------------------------------------------------------------------------------------------- profiles


#: The profile groups a country brief shows, and their titles (the age bands' rows read "9–17 years", as the
#: whole brief writes them: :func:`show_profiles`).
PROFILE_GROUPS = (("form", "Form of exploitation"), ("gender", "Sex"), ("age_band", "Age"))


def show_profiles(
    selection: Selection,
    rule: DisclosureRule,
    groups: Sequence[tuple[str, str]] = PROFILE_GROUPS,
    *,
    source: str | None = None,
) -> None:
    """Shares of each group (forms, sex, age…) of the selection's victims, or why a group is not shown
    (``source``: the citation under each table)."""
    from evidence.analyses.profiles import recorded_in_layout
    from evidence.core.errors import EvidenceError

    if not selection.records().height:
        _markdown(escape_markdown(f"No identified victims{of_whom(selection)}: no profile to show."))
        return
    for group, title in groups:
        # titles are the caller's: escaped as any text that reaches a brief
        heading = f"**{escape_markdown(title)}**"
        if not recorded_in_layout(selection.frame, group):
            _markdown(f"{heading}: not recorded in these data (the layout has no such field).")
            continue
        try:
            view = profile_view(selection, group, rule, label=title)
        except SolverUnanswered:
            raise  # not a breakdown missing: the brief stops
        except EvidenceError:  # recorded in the layout, but for none of this selection's victims
            _markdown(f"{heading}: not recorded for any of these victims.")
            continue
        if view is None:  # too few to protect: said under its title (a bare sentence names no table)
            _markdown(f"{heading}: {TOO_FEW[0].lower()}{TOO_FEW[1:]}")
            continue
        if records_no_category(view):  # a table of "Not recorded" and its total only
            _markdown(f"{heading}: not recorded for any of these victims.")
            continue
        if group in AGE_BREAKDOWNS:  # "9–17 years", never CTDC's code "9-17" (in the numeric order kept)
            view = view.with_columns(
                pl.col(view.columns[0]).replace(category_names(group, view.to_series(0).to_list()))
            )
        show_table(view, caption=title, perturbed=selection.keyed, source=source)


#: Neither M49 level gives the shares of UNODC's Global Reports, whose regional groupings are their own and change
#: between editions (the Middle East's victims of 2007–2010: 37% transregional by region, 84% by subregion; 70% in
#: the report); said of the classes the note's table shows, counts not shares (it said "these shares")
_NOT_THE_REPORTS: Final = (
    " UNODC's Global Reports group countries in regions of their own, which change between editions: compare these "
    "classes of route with the reports' only with that in mind."
)

#: What a route table's classes mean, by the regional level they are drawn at
#: (:data:`evidence.analyses.routes.FLOW_CLASSES`): M49's five regions are continents, wider than the groupings of
#: UNODC's own reports (Viet Nam → Cyprus is intraregional: both are in Asia).
REGION_NOTES: Final = {
    "region": "Domestic: origin and destination are the same country; intraregional: two countries in the same UN M49 "
    "region, that is continent (Africa, the Americas, Asia, Europe, Oceania), however far apart; transregional: two "
    "continents." + _NOT_THE_REPORTS,
    "subregion": "Domestic: origin and destination are the same country; intraregional: two countries in the same UN "
    "M49 subregion (such as South-eastern Asia or Western Europe); transregional: two subregions."
    + _NOT_THE_REPORTS,
}

#: What the percentage beside a route's bar is a share of.
SHARE_NOTE: Final = (
    "In brackets: the route's share of the victims whose route is known (origin and destination both known, "
    "e.g. of known citizenship), not of all victims."
)


def sentences(*parts: str | None) -> str | None:
    """Parts of a subtitle as sentences: each ends with a full stop (``Detected victims, 2008–2021`` is
    one), joined by a space; None when there are none."""
    said = [p.strip() for p in parts if p and p.strip()]
    return " ".join(p if p.endswith((".", "!", "?", ".)")) else p + "." for p in said) or None


def show_route_charts(
    published_routes: pl.DataFrame,
    *,
    title: str,
    map_title: str,
    subtitle: str | None,
    source: str,
    rule: DisclosureRule,
    tag: str = "",
    top: int | None = None,
    focus: str | None = None,
    role: str | None = None,
    legend_title: str = "Victims",
    any_route: bool = True,
) -> None:
    """Show the largest published routes as a bar chart, a flow map and, for a country as origin or as
    destination, a world map of the countries at the other end (``corridors…``, ``flow_map…``, ``world…``).
    With one route to draw, :data:`ONE_ROUTE_TO_DRAW` is said instead of the bars (and of the flow map, for a
    domestic route); a world map of one country is not drawn.

    ``published_routes`` is the route table's chart data (origin_iso3, destination_iso3, victims, share), already
    through disclosure control; ``focus`` is the selection's country, named on the maps; ``any_route``: whether
    any victim of the selection has a known origin and destination (else :data:`NO_KNOWN_ROUTE` is said).
    """
    from IPython.display import Markdown, display

    from evidence.presentation import charts

    if not any_route:  # not "each is withheld": there is no route
        display(Markdown(NO_KNOWN_ROUTE))
        return
    if not published_routes.filter(pl.col("victims") > 0).height:
        # every route withheld, doubtful or among the other routes: no chart (an empty map says nothing), said once
        display(Markdown(NO_ROUTE_TO_DRAW))
        return
    drawn = published_routes.filter(pl.col("victims") > 0)
    suffix = f"_{tag}" if tag else ""
    bar_options: dict[str, Any] = {"top": top} if top is not None else {}
    # censored counts: bars are drawn at the low bound and labelled with the range the table shows (16–25);
    # the maps' widths and shades are low bounds, and their legends say so
    ranged = VICTIMS_TEXT in published_routes.columns
    world_legend = legend_title
    if ranged:
        bar_options["value_text"] = VICTIMS_TEXT
        legend_title = f"{legend_title}, lower bound"
        world_legend = "Victims, lower bound"  # the map's legend title holds about 25 characters
    # the percentage beside a bar: of the victims whose route is known, not of all (the table's total)
    bar_subtitle = sentences(subtitle, SHARE_NOTE) if "share" in published_routes.columns else subtitle
    if drawn.height == 1:
        only = drawn.row(0, named=True)
        origin, destination = only["origin_iso3"], only["destination_iso3"]
        route = f"{name_of(origin) or origin} → {name_of(destination) or destination}"
        display(Markdown(escape_markdown(ONE_ROUTE_TO_DRAW.format(route=route))))
        if origin == destination:  # a map of one domestic circle: nothing to see either
            return
    named: list[tuple[object, str]] = []
    if drawn.height > 1:  # a single bar compares nothing
        named.append(
            (
                charts.corridor_bar_chart(
                    published_routes,
                    "origin_iso3",
                    "destination_iso3",
                    "victims",
                    share="share",
                    title=title,
                    subtitle=bar_subtitle,
                    source=source,
                    rule=rule,
                    **bar_options,
                ),
                f"corridors{suffix}",
            )
        )
    named += [
        (
            charts.flow_map(
                published_routes.select("origin_iso3", "destination_iso3", "victims"),
                "origin_iso3",
                "destination_iso3",
                "victims",
                title=map_title,
                subtitle=subtitle,
                source=source,
                rule=rule,
                focus=focus,
                legend_title=legend_title,
            ),
            f"flow_map{suffix}",
        ),
    ]
    other = {"destination": "origin_iso3", "origin": "destination_iso3"}.get(role or "")
    world = (
        published_routes.group_by(other)
        .agg(pl.col("victims").sum())
        .filter(pl.col("victims") > 0)
        .sort(other)
        if other and focus
        else None
    )
    if (
        world is not None and world.height > 1
    ):  # one country shaded on the world (a legend of one value) compares none
        ends = "come from" if role == "destination" else "were found"
        named.append(
            (
                charts.choropleth(
                    world,
                    other,  # type: ignore[arg-type]
                    "victims",
                    title=f"The world view: where the victims of the largest routes {ends}",
                    subtitle=subtitle,
                    source=source,
                    legend_title=world_legend,
                    focus=focus,
                    rule=rule,
                    grey=WORLD_MAP_GREY,
                ),
                f"world{suffix}",
            )
        )
    show_charts(named)
