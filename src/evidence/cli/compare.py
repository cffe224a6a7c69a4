"""``evidence compare``: a country beside its peers on detection, estimated prevalence, vulnerability and policy.

Reads UNODC GLOTIP country data, a Walk Free GSI workbook (any edition with the summary layout) and TIP tier placements (any of them; what is
missing is said, not guessed; other files of the same --data list, such as a brief's victim records, are set
aside and named) and prints, per country: detected victims in the latest year the country reported
and per 100,000 population, the GSI estimate and prevalence, vulnerability, government response, the latest TIP
tier and detected victims per 1,000 estimated in modern slavery, each with its source and year.

Imports stay light (polars and the analysis only; no charting or notebook libraries) so the answer is quick.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evidence.cli.options import (
    DEFAULT_DISCLOSURE_THRESHOLD,
    CountryArg,
    DataOpt,
    DisclosureThresholdOpt,
    JsonOpt,
    configured_files,
    data_paths,
    disclosure_json,
    echo_json,
    make_console,
    rejected_note,
)

if TYPE_CHECKING:
    from evidence.sources.loaded import LoadedTable

err_console = make_console(stderr=True)
DEMO_WARNING = (
    "SYNTHETIC DEMO DATA: invented UNODC-, GSI- and TIP-layout figures for trying the toolkit, NOT real "
    "countries' figures. Never cite these numbers."
)


#: The kinds of table compare reads: UNODC GLOTIP country data, the GSI workbook and TIP tier placements.
COMPARED_KINDS = ("indicator", "gsi", "tier")


def usable_tables(loaded: list[tuple[Path, LoadedTable]]) -> tuple[list[LoadedTable], list[tuple[str, str]]]:
    """The tables compare reads, and (path, why) for each other file given: the brief's own --data list (victim
    records too) works here, its case tables set aside and named rather than refused."""
    tables, not_used = [], []
    for path, table in loaded:
        if table.kind in COMPARED_KINDS:
            tables.append(table)
        else:
            not_used.append((str(path), f"a {table.kind} table"))
    return tables, not_used


def peer_list(peers: str, country: str) -> tuple[list[str], list[str]]:
    """The countries of ``--peers`` (codes or names, comma-separated) as ISO3 codes, each checked, a bad one
    named as the option's (not the country argument's); an option that names none is refused rather than read
    as no peers. The country itself and a peer named twice are dropped, each with a note (the second list): the
    country is not its own peer; one that names only the country is refused (a comparison with no peer)."""
    from evidence.analyses.selection import distinct_peers
    from evidence.core.errors import ParameterError
    from evidence.sources.countries import name_of

    given = [p.strip() for p in peers.split(",") if p.strip()]
    if not given:
        raise ParameterError(
            f"--peers names no country ({peers!r}): give ISO3 codes or names separated by commas (KHM,LAO,MMR), "
            "or leave the option out for the countries of the country's region"
        )
    try:
        kept, itself, repeated = distinct_peers(given, country)
    except ParameterError as exc:
        raise ParameterError(f"--peers: {exc}") from None

    def named(iso3: str) -> str:
        return f"{iso3} ({name_of(iso3)})" if name_of(iso3) else iso3

    notes = (
        [f"--peers: {named(country)} is the country compared, not a peer of it: left out"] if itself else []
    )
    notes += [f"--peers: {named(code)} given twice: compared once" for code in repeated]
    if not kept:
        raise ParameterError(
            f"--peers names only {named(country)}, the country compared: give other countries (KHM,LAO,MMR), or "
            "leave the option out for the countries of the country's region"
        )
    return kept, notes


def register(app: typer.Typer) -> None:
    """Add ``compare`` to the ``evidence`` app."""
    app.command("compare")(compare_command)


def compare_command(
    country: CountryArg,
    peers: Annotated[
        str | None,
        typer.Option(
            "--peers",
            metavar="ISO3,...",
            help="Countries to compare with, e.g. KHM,LAO,MMR (the country itself is left out, and said). "
            "Default: the other countries of its UN M49 "
            "intermediate region where it has one (Western Africa, South America, ...), else of its subregion "
            "(South-eastern Asia, ...); those no file holds any figure for are left out.",
        ),
    ] = None,
    data: DataOpt = None,
    disclosure_threshold: DisclosureThresholdOpt = DEFAULT_DISCLOSURE_THRESHOLD,
    as_json: JsonOpt = False,
) -> None:
    """A country beside its peers: detected victims, GSI estimates, vulnerability, response and TIP tier."""
    from rich.table import Table

    from evidence.analyses.selection import check_country
    from evidence.analyses.society import (
        MAX_YEARS_FROM_ESTIMATE,
        SOURCE_HELP,
        country_panel,
        gsi_edition_text,
        gsi_estimate_year,
        with_data,
    )
    from evidence.cli.options import escape
    from evidence.core.errors import InputError, ParameterError
    from evidence.presentation.comparison import (
        comparison_json,
        comparison_sources,
        comparison_table,
        disclosed_comparison,
        mark_missing_totals,
        mark_not_compared,
        missing_labels_note,
    )
    from evidence.presentation.disclosure import DisclosureRule
    from evidence.sources.cache import load_cached

    rule = DisclosureRule(threshold=disclosure_threshold)
    country_iso3 = check_country(country)  # the command line first: a typo is refused before any file is read
    peer_codes, peer_notes = (None, []) if peers is None else peer_list(peers, str(country_iso3))
    for peer_note in peer_notes:
        err_console.print(escape(peer_note), highlight=False, soft_wrap=True)
    paths = data_paths(data) if data else configured_files(data_paths(None))
    if not paths:
        # as every command without data: the toolkit's synthetic demo files (UNODC, GSI and TIP layouts), loudly
        from evidence.sources.demo_context import demo_context_paths

        paths = demo_context_paths()
    loaded = [(path, load_cached(path)) for path in paths]
    tables, not_used = usable_tables(loaded)
    demo = any(t.provenance.demo for t in tables)
    if demo:
        err_console.print(f"[bold yellow]WARNING — {DEMO_WARNING}[/]", highlight=False)
    if not tables:
        raise InputError(
            "none of the files given is one compare reads (UNODC GLOTIP, GSI and TIP tier files): "
            + "; ".join(f"{path} ({why})" for path, why in not_used)
        )
    panel = country_panel(tables)
    compared = panel.compare(country, peer_codes)
    if compared["iso3"][0] not in panel.countries:
        raise ParameterError(
            f"none of the files given holds {compared['country'][0]} ({compared['iso3'][0]})"
        )
    for given, read in loaded:  # the rows the answer does not count, once it is to be given
        if any(read is t for t in tables) and (note := rejected_note(read, given)):
            err_console.print(f"[yellow]{note}[/]", highlight=False, soft_wrap=True)
    # the brief's rules: neighbours without a figure in any file left out (and said), and the same labels
    # for a missing value ("no total": UNODC holds the country but no total; "n/c": too far from the estimate)
    reporting = {
        iso3 for t in tables if t.kind == "indicator" for iso3 in t.data["iso3"].drop_nulls().unique()
    }
    compared, left_out = with_data(compared, reporting)
    disclosed = mark_not_compared(mark_missing_totals(disclosed_comparison(compared, rule), reporting))
    missing = sorted({"unodc_glotip", "walkfree_gsi", "us_tip_tiers"} - panel.source_ids)
    if as_json:
        payload = {
            "country": compared["iso3"][0],
            "peers": list(dict.fromkeys(compared["iso3"].to_list()))[1:],
            "disclosure": disclosure_json(
                disclosure_threshold,
                "suppression",
                f"Counts of detected victims below {rule.threshold} are shown as {rule.label}; a rate of such a "
                "count only as an upper bound.",
            ),
            "sources": [
                {
                    "source": p.source,
                    "release": p.release,
                    "path": p.path,
                    "citation": p.citation_text(),
                    "demo": p.demo,
                }
                for p in panel.sources
            ],
            "sources_missing": missing,
            "peers_left_out": left_out,
            "files_not_used": [{"path": path, "reason": why} for path, why in not_used],
            "countries": comparison_json(disclosed),
        }
        echo_json("compare", payload)
        return
    console = make_console()
    wide = comparison_table(disclosed)
    countries = wide.columns[1:-1]
    # a few countries per table: one column per country stays readable in a terminal
    for start in range(0, len(countries), 4):
        chunk = countries[start : start + 4]
        title = f"{compared['country'][0]} and its peers" if start == 0 else None
        table = Table(title=escape(title) if title else None, title_justify="left")
        table.add_column("Measure", justify="left", overflow="fold")
        for column in chunk:
            table.add_column(escape(column), justify="right", overflow="fold")
        table.add_column("Source", justify="left", overflow="fold")
        for row in wide.select("Measure", *chunk, "Source").iter_rows():
            table.add_row(*[escape(str(v)) for v in row])
        console.print(table)
    console.print("Values are for the year in brackets: the latest the source holds for each country.")
    gsi_year = gsi_estimate_year(panel)
    if "walkfree_gsi" in panel.source_ids and gsi_year is None:
        console.print(
            "Detected per 1,000 estimated: none, the GSI file not stating the year its estimates refer to.",
            highlight=False,
        )
    else:
        console.print(
            f"Detected per 1,000 estimated: victims of a year at most {MAX_YEARS_FROM_ESTIMATE} years from the "
            "GSI's estimate only."
        )
    if note := missing_labels_note(disclosed):
        console.print(escape(note), highlight=False)
    if left_out:
        console.print(
            escape(
                f"Left out: {len(left_out)} {'country or territory' if len(left_out) == 1 else 'countries or territories'}"
                f" with no figure in any file given ({', '.join(left_out)})."
            ),
            highlight=False,
        )
    for path, why in not_used:
        console.print(
            escape(f"Not used: {path} ({why}; compare reads UNODC GLOTIP, GSI and TIP tier files)."),
            highlight=False,
            soft_wrap=True,
        )
    if disclosed["withheld"].any():
        console.print(
            f"{rule.label}: fewer than {rule.threshold} detected victims; a rate of such a count is shown only "
            "as an upper bound."
        )
    caveat = "Detected victims measure what authorities find as much as how many victims there are"
    if "walkfree_gsi" in panel.source_ids:
        edition = gsi_edition_text(panel)
        caveat += (
            f"; GSI figures are model estimates ({edition}), and rates divide by the GSI's {gsi_year} population "
            "and estimate."
            if gsi_year is not None
            else f"; GSI figures are model estimates ({edition}), and rates per 100,000 divide by its population."
        )
    else:
        caveat += "."
    console.print(escape(caveat), highlight=False)
    if demo:
        console.print(f"[bold yellow]{DEMO_WARNING}[/]")
    for citation in comparison_sources(disclosed):
        console.print("Source: " + escape(citation), highlight=False)
    for source in missing:
        console.print(
            f"[yellow]Not given:[/] {escape(SOURCE_HELP.get(source, source))}; its measures show n/a",
            highlight=False,
            soft_wrap=True,
        )
