"""``evidence flows`` and ``evidence trend``: quick answers from any data file, after disclosure control.

Every count printed here has passed the small-cell rule of :mod:`evidence.presentation.disclosure`: a count
below the threshold is shown as ``<5`` (the rule's label) and cells withheld so that it cannot be recomputed
from totals as ``x``. In ``--json`` output a published count is a number and a withheld one is that label (a
string); a censored count is a ``[low, high]`` pair (``[3, 12]``: a sum of three of the publisher's ``<5``
cells, whose bounds are the publisher's, shown ``up to 12`` as in the notebooks: a low end below the threshold
is never printed in text). A share is null
where its count is withheld, else a number or a ``[low, high]`` range rounded outwards to four decimals (the low bound down, the
high bound up), so that the range printed holds the exact one. Model results (rate ratios, breaks) are reported only for
series whose yearly counts are all published, so that they cannot give a withheld count back.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from evidence.cli.options import (
    DEFAULT_DISCLOSURE_THRESHOLD,
    DEFAULT_ROLE,
    CountryOpt,
    DataOpt,
    DisclosureThresholdOpt,
    JsonOpt,
    RoleOpt,
    YearsOpt,
    configured_files,
    data_paths,
    disclosure_json,
    echo_json_answers,
    escape,
    make_console,
    meant,
    rejected_note,
)
from evidence.core.text import counted

console = make_console()
err_console = make_console(stderr=True)

DEMO_WARNING = "SYNTHETIC DEMO DATA: invented records for trying the toolkit, NOT real victims. Never cite these numbers."
DETECTION_CAVEAT = (
    "Counts of identified or detected victims measure detection as much as prevalence: a change can reflect "
    "more victims or more (or better-recorded) identification."
)


def register(app: typer.Typer) -> None:
    """Add ``flows`` and ``trend`` to the ``evidence`` app."""
    app.command("flows")(flows_command)
    app.command("trend")(trend_command)


# ------------------------------------------------------------------------------------------------- shared


def _tables(data: list[Path] | None, command: str) -> list[Any]:
    """The tables ``command`` answers for: each data file given (``--data``, else ``EVIDENCE_DATA``, else the
    demo data) that holds victim records or UNODC-style indicators, loaded through the harmonised-table cache.
    A file of another kind (the GSI workbook, TIP tiers: a brief's or ``compare``'s ``--data`` list) is passed
    over, and named on standard error with its kind, as ``compare`` names the files it does not read; none that
    ``command`` reads is an error naming each file given. Demo data are announced loudly."""
    from evidence.core.errors import InputError
    from evidence.sources.cache import load_cached

    paths = data_paths(data) if data else configured_files(data_paths(None))
    if not paths:
        from evidence.sources.demo import demo_path

        paths = [demo_path()]
    where = "" if data else " (EVIDENCE_DATA)"
    tables, not_read = [], []
    for path in paths:
        loaded = load_cached(path, shared=True)  # the same file read again: its frame, built on once
        if loaded.kind not in ("case", "indicator"):
            not_read.append((path, loaded.kind))
            continue
        if loaded.provenance.demo:
            err_console.print(f"[bold yellow]WARNING — {DEMO_WARNING}[/]", highlight=False)
        tables.append(loaded)
    if not tables:
        if len(not_read) == 1:
            path, kind = not_read[0]
            raise InputError(
                f"this is a {kind} table; {command} needs victim records or UNODC-style indicators"
                + (", give one with --data FILE" if not data else ""),
                path=path,
            )
        raise InputError(
            f"none of the files {'given' if data else 'in EVIDENCE_DATA'} holds what {command} needs: "
            f"{command} needs victim records or UNODC-style indicators, and these are "
            + "; ".join(f"{path} (a {kind} table)" for path, kind in not_read)
            + ("" if data else "; give one with --data FILE")
        )
    for path, kind in not_read:
        err_console.print(
            f"[dim]{escape(str(path))}{where}: a {kind} table, not read by {command}[/]", highlight=False
        )
    return tables


def _with_victims(
    tables: list[Any],
    command: str,
    country: str | None,
    role: str,
    years: str | None,
    *,
    allow_empty: bool = False,
    allow_empty_option: bool = True,
) -> list[Any]:
    """The tables that hold victims in the selection: a selection none holds victims in is refused before
    anything is computed, in the words of ``evidence brief`` (naming the years the data hold; exit code 2),
    unless ``allow_empty``; a table that holds none where others do is left out, and said. Data that hold no
    victim at all (every row rejected, or a header only) are refused whatever the selection, naming each file's
    rows, even without a country or years (where the selection's own check asks nothing)."""
    from evidence.runs.selection_check import EmptySelectionError, selection_with_victims

    if tables and not allow_empty and all(t.data.height == 0 for t in tables):
        raise EmptySelectionError(f"{command}: the data hold no victims: " + "; ".join(map(_no_rows, tables)))
    kept = selection_with_victims(
        command,
        tables,
        country,
        role,
        years,
        allow_empty=allow_empty,
        allow_empty_option=allow_empty_option,
    )
    for table in tables:
        if not any(table is k for k in kept):
            err_console.print(
                f"[dim]{escape(table.provenance.path)}: no victims in this selection, left out[/]",
                highlight=False,
            )
        elif note := rejected_note(table):  # the rows the answer does not count, once it is to be given
            err_console.print(f"[yellow]{note}[/]", highlight=False, soft_wrap=True)
    return kept


def _answer(
    command: str, payloads: list[dict[str, Any]], as_json: bool, show: Any, *, files_read: int = 1
) -> None:
    """Print each table's answer: as JSON (the ``evidence.<command>`` document, or for several tables an
    ``evidence.list`` of them) or as text, each table's headed by its source and file where it read several
    (``files_read``), even when only one of them answers: a log of the output says which file it came from."""
    if as_json:
        echo_json_answers(command, payloads)
        return
    for payload in payloads:
        if len(payloads) > 1 or files_read > 1:
            data = payload["data"]
            console.print(f"[bold]{escape(data['source'])}[/] — {escape(data['path'])}", highlight=False)
        show(payload)


def _no_rows(table: Any) -> str:
    """Why a table holds no rows, and where to see why, for the refusal of data that hold no victim."""
    path = table.provenance.path
    if not table.rows_in:
        return f"{path}: no data rows (a header only?)"
    return (
        f"{path}: {counted(table.rows_in, 'row')} in, none kept ({table.rows_rejected:,} rejected: "
        f"`evidence data validate {path}` lists each with its reason)"
    )


#: What a role selects without a country, by command and role: nothing of its own (every flow has both ends; in a
#: trend, role destination reads every victim, as role both does), or (UNODC's country data, role origin) only the
#: victims the reporting countries break down by citizenship, a count that follows which countries publish one.
#: Refused either way (before any file is read): an analyst who forgot ``--country`` would take the answer for a
#: country's.
_ROLE_WITHOUT_COUNTRY = {
    "flows": "without a country it selects nothing: every flow has an origin and a destination, so every flow "
    "would be counted, as with --role both; leave --role out for every flow",
    "trend destination": "without a country it selects every victim, as --role both does; leave --role out for "
    "every victim",
    "trend origin": "without a country, victim records have no country's citizens to select, and UNODC's "
    "country data would count only the victims the reporting countries break down by citizenship: fewer than "
    "they detect, from countries that change from year to year; leave --role out for every victim",
}


def _check_selection(command: str, country: str | None, role: str, years: str | None) -> None:
    """The selection's options, each checked, and together: a role is a country's; without ``--country`` it is
    refused, saying what it would select in ``command`` (:data:`_ROLE_WITHOUT_COUNTRY`)."""
    from evidence.analyses.selection import check_country, check_role, check_years
    from evidence.core.errors import ParameterError

    check_country(country), check_role(role), check_years(years)
    chosen = role.strip().lower()
    if country is None and chosen != DEFAULT_ROLE:
        said = _ROLE_WITHOUT_COUNTRY.get(command) or _ROLE_WITHOUT_COUNTRY[f"{command} {chosen}"]
        raise ParameterError(f"--role {role} is a role of a country: give --country ISO3 too ({said})")


def _rule(threshold: int):
    from evidence.presentation.disclosure import DisclosureRule

    return DisclosureRule(threshold=threshold)


def _data_summary(loaded) -> dict[str, Any]:
    p = loaded.provenance
    out = {
        "source": p.source,
        "layout": p.layout,
        "release": p.release,
        "kind": loaded.kind,
        "path": p.path,
        "synthetic": p.synthetic,
        "demo": p.demo,
        "citation": p.citation_text(),
    }
    if p.demo:
        out["warning"] = DEMO_WARNING
    return out


def _fmt(value: int | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _fmt_bounds(low: int | str | None, high: int | str | None) -> str:
    """A published (low, high) pair as the notebooks show it (the same formatter: ``up to 12`` for a range
    whose low end is below the threshold, ``<5`` for one wholly below it)."""
    from evidence.notebooks.builders import bounds_text

    return bounds_text((low, high))


def _fmt_any(value: int | str | list | None) -> str:
    return _fmt_bounds(*value) if isinstance(value, list) else _fmt(value)


def _fmt_share(share: float | list | None) -> str:
    """A share of the flows' JSON (a number, or a [low, high] range) as the table shows it."""
    from evidence.notebooks.builders import share_range_text

    if share is None:
        return "–"
    bounds = (share[0], share[1]) if isinstance(share, list) else (share, share)
    return share_range_text(bounds) or "–"


def _json_bounds(low: int | str | None, high: int | str | None) -> int | str | list | None:
    return low if low == high else [low, high]


# -------------------------------------------------------------------------------------------------- flows


def flows_command(
    data: DataOpt = None,
    country: CountryOpt = None,
    role: RoleOpt = DEFAULT_ROLE,
    years: YearsOpt = None,
    min_victims: Annotated[
        int,
        typer.Option(
            "--min-victims",
            metavar="N",
            help="Report a flow only with at least this many victims (UNODC: 5); a value between 1 and the "
            "disclosure threshold is raised to it (a listing that stops at a count below it would tell withheld "
            "counts apart).",
        ),
    ] = 5,
    top_n: Annotated[
        int,
        typer.Option(
            "--top-n",
            metavar="N",
            help="Show the N largest flows; the rest are summed as 'All other routes'.",
        ),
    ] = 10,
    regional_level: Annotated[
        str,
        typer.Option(
            "--regional-level",
            metavar="LEVEL",
            help="region or subregion: intraregional means the same UN M49 region, or the same subregion.",
        ),
    ] = "region",
    disclosure_threshold: DisclosureThresholdOpt = DEFAULT_DISCLOSURE_THRESHOLD,
    as_json: JsonOpt = False,
    allow_empty: Annotated[
        bool,
        typer.Option(
            "--allow-empty",
            help="Show a selection that holds no victims in the data (a table of zeros; refused by default, "
            "naming the years the data hold).",
        ),
    ] = False,
) -> None:
    """Origin → destination flows of victims for a country, after disclosure control."""
    from evidence.core.errors import ParameterError

    rule = _rule(disclosure_threshold)
    _check_selection("flows", country, role, years)
    if top_n < 1:
        raise ParameterError(f"--top-n must be at least 1, not {top_n}")
    if min_victims < 0:
        raise ParameterError(f"--min-victims must be at least 0, not {min_victims}")
    if regional_level not in ("region", "subregion"):
        hint = meant(regional_level, ("region", "subregion"))
        raise ParameterError(f"--regional-level must be region or subregion, not {regional_level!r}{hint}")
    read = _tables(data, "flows")
    tables = _with_victims(read, "flows", country, role, years, allow_empty=allow_empty)
    from evidence.notebooks.builders import listed_from as smallest_listed

    if (listed_from := smallest_listed(min_victims, rule)) != min_victims:
        err_console.print(
            f"[dim]--min-victims {min_victims} raised to the disclosure threshold, {listed_from}: flows listed "
            "down to a count below it would tell withheld counts apart[/]",
            highlight=False,
        )
    payloads = [
        _flows_payload(loaded, rule, country, role, years, listed_from, top_n, regional_level)
        for loaded in tables
    ]
    _answer("flows", payloads, as_json, _print_flows, files_read=len(read))


def _flows_payload(
    loaded: Any,
    rule: Any,
    country: str | None,
    role: str,
    years: str | None,
    min_victims: int,
    top_n: int,
    regional_level: str,
) -> dict[str, Any]:
    """The flows of one table, protected, as the JSON answer."""
    from evidence.analyses.selection import Selection
    from evidence.notebooks.builders import (
        OTHER_ROUTES,
        TOO_FEW,
        round_outwards,
        route_notes,
        route_numbers,
        share_range,
    )
    from evidence.presentation.disclosure import DisclosureError

    selection = Selection(loaded, country=country, role=role, years=years)  # type: ignore[arg-type]
    # the same builder as the notebooks' route table: one protected table, the same numbers everywhere
    numbers = route_numbers(
        selection, rule, top_n=top_n, min_victims=min_victims, regional_level=regional_level
    )
    if numbers is None:
        raise DisclosureError(TOO_FEW)
    censored = not numbers.exact
    flow_table = numbers.flow_table
    known = (numbers.low.known_routes(), numbers.high.known_routes())

    def share(victims: tuple[Any, Any]) -> float | list[float] | None:
        """The share of the victims on known routes: a number, or for censored counts the [low, high] range
        the bounds allow (never a midpoint's share, which would read as precise)."""
        lo, hi = victims
        if not (isinstance(lo, int) and isinstance(hi, int)):
            return None
        bounds = share_range(lo, hi, *known)
        if bounds is None:
            return None
        low, high = round_outwards(*bounds, 4)  # the range printed holds the exact one
        return low if low == high else [low, high]

    rows = numbers.rows()
    n_listed = numbers.low.corridors.height
    records: list[dict[str, Any]] = []
    # ranked by published counts only: a withheld corridor is listed after the published ones, without a rank
    # (its place among them would bound its hidden count)
    ranks = itertools.count(1)
    for row in rows[:n_listed]:
        withheld = any(isinstance(v, str) for v in row["victims"])
        # a cell of a doubtful citizenship breakdown is listed with its caveat, never ranked among the routes
        doubtful = row.get("route_basis") == "doubtful_citizenship"
        records.append(
            {
                "rank": None if withheld or doubtful else next(ranks),
                "route": row["route"],
                "route_basis": row.get("route_basis"),
                "origin_iso3": row["origin_iso3"],
                "destination_iso3": row["destination_iso3"],
                "flow_class": row["flow_class"],
                "victims": _json_bounds(*row["victims"]),
                "share": share(row["victims"]),
            }
        )
    other = rows[n_listed]
    records.append(
        {
            "rank": None,
            "label": OTHER_ROUTES,
            "n_flows": flow_table.height - n_listed,
            "victims": _json_bounds(*other["victims"]),
            "share": share(other["victims"]),
        }
    )
    unknown_out = {
        "origin": _json_bounds(*rows[n_listed + 1]["victims"]),
        "destination": _json_bounds(*rows[n_listed + 2]["victims"]),
    }
    # the route table's other rows (UNODC: nationals repatriated from abroad, no country stated), as the brief
    # shows them: every row of the one table, so the rows add up to the total
    other_rows = [
        {"label": row["route"], "victims": _json_bounds(*row["victims"])} for row in rows[n_listed + 3 : -1]
    ]
    total_row = rows[-1]
    classes = {
        column: _json_bounds(low, high)
        for column in numbers.low.table.count_columns
        if column != numbers.low.table.total_label
        for (low, high) in [_bounds_of(numbers, column)]
    }
    notes = [
        "origin = citizenship; destination = "
        + (
            "the country that detected the victim (UNODC's reporting country)"
            if loaded.kind == "indicator"
            else "country of exploitation (in CTDC data, where the victim was identified or assisted)"
        ),
        f"intraregional = same UN M49 {regional_level}; domestic = same country",
        f"flows with at least {min_victims} victims are listed (the largest {top_n}); all others are summed"
        # a doubtful breakdown's routes are rows of their own whatever their size (never in the others' sum)
        + (
            "; the routes of doubtful breakdowns are listed whatever their size, after the others"
            if any(r["route_basis"] == "doubtful_citizenship" for r in records if "route_basis" in r)
            else ""
        ),
        "shares are of the victims with a known origin and destination (domestic included); total with unknowns",
    ]
    notes.extend(route_notes(selection, rule))
    if censored:
        notes.append(
            "a share is a range where censored counts (<5) make the route's count or the known routes' total a "
            "range: from the route at its low bound and the others at their high bounds to the other way round"
        )
        notes.append("UNODC <5 cells are censored: victims are [low, high] bounds where any cell is <5")
        notes.append(
            "the total is the sum of the citizenship breakdown, not UNODC's count of detected victims "
            "(`evidence trend` gives that)"
        )
    elif loaded.data.height == 0:
        notes.append("the file holds no victims (no row kept): `evidence data validate FILE` says why")
    elif loaded.data.select(pl_all_null("origin_iso3", "destination_iso3")).row(0) == (True, True):
        notes.append(
            "this file records no countries (the Victim–Perpetrator layout has regions only): no flow between "
            "countries can be placed; try `evidence trend --data FILE --by origin_region`"
            if loaded.provenance.layout == "victim_perpetrator"
            else "this file records no country of origin or destination: no flow between countries can be placed"
        )
    payload = {
        "data": _data_summary(loaded),
        "parameters": {
            **selection.to_dict(),
            "min_victims": min_victims,
            "top_n": top_n,
            "top": top_n,  # its name before schema version 2 (docs/scheduling.md)
            "regional_level": regional_level,
            "disclosure_threshold": rule.threshold,
            "threshold": rule.threshold,  # its name before schema version 2 (docs/scheduling.md)
        },
        "disclosure": disclosure_json(
            rule.threshold, selection.protection, described(numbers.low.table, ranges=censored)
        ),
        "flows": records,
        "total": _json_bounds(*total_row["victims"]),
        "total_label": "Total" if not censored else numbers.low.table.total_label,
        "classes": classes,
        "n_flows": flow_table.height,
        "n_flows_reported": int((flow_table["victims_low"] >= min_victims).sum()),
        "unknown": unknown_out,
        "other_rows": other_rows,
        "notes": notes,
    }
    return payload


def pl_all_null(*columns: str):
    """An expression per column: true when every value is missing."""
    import polars as pl

    return [pl.col(c).is_null().all() for c in columns]


def _bounds_of(numbers, column: str) -> tuple[Any, Any]:
    """The published (low, high) total of a route table column (its totals row)."""
    from evidence.notebooks.builders import Bounds

    return Bounds(numbers.low.table, numbers.high.table).cells(column)[-1]


def _print_flows(payload: dict[str, Any]) -> None:
    from evidence.notebooks.builders import route_how

    params = payload["parameters"]
    title = "Flows" + (f" — {_as_role(params)}" if params["country"] else "")
    if params["years"]:
        title += f", {params['years'][0]}–{params['years'][1]}"
    table = Table(title=title)
    for name, justify in (
        ("#", "right"),
        ("origin", "left"),
        ("destination", "left"),
        ("class", "left"),
        ("victims", "right"),
        ("share", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for r in payload["flows"]:
        share = _fmt_share(r["share"])
        if "label" in r:
            table.add_row("", r["label"], "", "", _fmt_any(r["victims"]), share)
        else:
            # how the route is known, in the words of the brief's route labels (builders.route_how)
            how = route_how(r["origin_iso3"], r["destination_iso3"], r.get("route_basis"))
            if how is None and r.get("route_basis") == "own_nationals":
                how = "detected at home"
            table.add_row(
                "" if r["rank"] is None else str(r["rank"]),
                r["origin_iso3"],
                r["destination_iso3"],
                r["flow_class"] + (f", {escape(how)}" if how else ""),
                _fmt_any(r["victims"]),
                share,
            )
    for side, value in payload["unknown"].items():
        table.add_row("", f"unknown {side}", "", "", _fmt_any(value), "")
    for row in payload.get("other_rows", []):
        table.add_row("", escape(row["label"]), "", "", _fmt_any(row["victims"]), "")
    table.add_row("", f"[bold]{escape(payload['total_label'])}[/]", "", "", _fmt_any(payload["total"]), "")
    console.print(table)
    console.print(f"[dim]{escape(payload['disclosure']['description'])}[/]")
    for note in payload["notes"]:
        console.print(f"[dim]· {escape(note)}[/]", highlight=False)
    if payload["data"].get("demo"):
        console.print(f"[bold yellow]{DEMO_WARNING}[/]")


# -------------------------------------------------------------------------------------------------- trend


#: The most series `evidence trend --by` models in one run (a category each, a model fit and a break search).
MOST_SERIES = 100


def trend_command(
    data: DataOpt = None,
    country: CountryOpt = None,
    role: RoleOpt = DEFAULT_ROLE,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            metavar="DIMENSION",
            help="A dimension: none (the default: victims per year only), form, gender (sex), age_band (age), "
            "majority_status, data_source_type, corridor, citizenship…",
        ),
    ] = None,
    years: YearsOpt = None,
    disclosure_threshold: DisclosureThresholdOpt = DEFAULT_DISCLOSURE_THRESHOLD,
    as_json: JsonOpt = False,
) -> None:
    """Yearly counts, the annual rate ratio (Poisson/negative-binomial GLM), a break search and incomplete years."""

    rule = _rule(disclosure_threshold)
    _check_selection("trend", country, role, years)
    if by is not None and by.strip().lower() == "none":  # the trends notebook's word for no dimension
        by = None
    read = _tables(data, "trend")
    tables = _with_victims(read, "trend", country, role, years, allow_empty_option=False)
    payloads = [_trend_payload(loaded, rule, country, role, years, by) for loaded in tables]
    _answer("trend", payloads, as_json, _print_trend, files_read=len(read))


def _trend_payload(
    loaded: Any, rule: Any, country: str | None, role: str, years: str | None, by: str | None
) -> dict[str, Any]:
    """The yearly counts and models of one table, protected, as the JSON answer."""
    from evidence.analyses.selection import Selection
    from evidence.analyses.trends import FLAG_DIMENSIONS, check_by
    from evidence.core.errors import ParameterError
    from evidence.notebooks.builders import (
        CATEGORY_SUM,
        TOO_FEW,
        UNDATED,
        categories_above_total,
        category_sum_reason,
        incomplete_groups,
        yearly_numbers,
    )
    from evidence.presentation.disclosure import DisclosureError

    by = check_by(by)  # "Form" is form: its note that categories overlap as well as its numbers
    selection = Selection(loaded, country=country, role=role, years=years)  # type: ignore[arg-type]
    if by and _series_at_most(selection, by) > MOST_SERIES:
        from evidence.analyses.trends import yearly_counts

        # each series is a model fit with a break search: by corridor over a whole world's data, thousands of
        # them ran for half an hour without a word; counted before the yearly tables are built and protected
        # (the world's by corridor: ~4 s of work to refuse)
        n_series = yearly_counts(selection, by=by)[by].unique().len()
        if n_series > MOST_SERIES:
            raise ParameterError(
                f"--by {by} gives {n_series:,} series to model (at most {MOST_SERIES}): give --country "
                f"(and --role) to model those of one country, or another --by"
            )
    # the same builder as the notebooks' yearly tables: the same numbers everywhere
    numbers = yearly_numbers(selection, rule, by=by)
    if not numbers.holds_victims:
        raise ParameterError(_no_yearly_victims(selection, rule, by))
    censored = not numbers.exact
    table = numbers.by_category if by else numbers.per_year
    if table is None:
        raise DisclosureError(TOO_FEW)
    payload: dict[str, Any] = {
        "data": _data_summary(loaded),
        "parameters": {
            **selection.to_dict(),
            "by": by,
            "disclosure_threshold": rule.threshold,
            "threshold": rule.threshold,  # its name before schema version 2 (docs/scheduling.md)
        },
        "disclosure": disclosure_json(
            rule.threshold, selection.protection, described(table.low, ranges=censored)
        ),
        "caveat": DETECTION_CAVEAT,
        "yearly_counts": _rows(table),
    }
    if by and not numbers.partition and numbers.per_year is not None:
        payload["victims_per_year"] = _rows(numbers.per_year)
    categories = [None] if not by else list(numbers.categories)
    payload["series"] = [numbers.models(category).to_dict() for category in categories]
    payload["incomplete_years"] = [f.to_dict() for f in numbers.incomplete]
    # what the terminal prints: the years of one reason said once, as the brief says them ("2007–2012 are …")
    payload["incomplete_said"] = [
        {"years": said, "verb": verb, "said": words, "reason": reason}
        for said, verb, words, reason in incomplete_groups(numbers.incomplete)
    ]
    # the flagged years as what they are (a change in what is counted is no incomplete year)
    flagged = numbers.flagged_words or "probably incomplete"
    payload["models"] = (
        f"rate ratios and breaks are fitted on the published yearly counts of the years not flagged as {flagged}"
    )
    if numbers.panel is not None:
        payload["models"] += (
            "; the series of all victims, whose reporting countries come and go, on its steady reporters: the "
            "countries whose citizenship breakdowns are complete in every year of a window (steady_reporters)"
        )
    if any(row["year"] == UNDATED for row in payload["yearly_counts"]):
        payload["undated"] = (
            f"{UNDATED}: records without a single year of registration (a band such as 2014-2018, or none); "
            "in the totals, not in the models"
        )
    if by in FLAG_DIMENSIONS and not censored:
        payload["note"] = (
            f"a victim can have several {by} categories: they add up to more than the victims, so no total is "
            "given; victims_per_year gives the victims"
        )
    if censored:
        payload["censoring"] = (
            "UNODC <5 cells are censored: counts are [low, high] bounds where any cell is <5; models use the "
            "interval midpoint and are refitted on both bounds (low_bound, high_bound)"
        )
        if by and CATEGORY_SUM in table.low.count_columns:
            payload["totals"] = (
                "'Published total' is the publisher's count of detected victims; the categories do not add up "
                f"to it in some years ('{CATEGORY_SUM}': {category_sum_reason(by)}), so their sum is not a "
                "count of victims"
            )
        if above := categories_above_total(numbers):
            # a category larger than the year's total: no overlap or gap explains it (review finding 5)
            payload["inconsistent"] = {
                "note": "categories published as more victims than the publisher's total of the same year: an "
                "inconsistency in the publisher's data, shown as published",
                "cells": [
                    {"year": c.year, "category": c.category, "count": c.count, "total": c.total}
                    for c in above
                ],
            }
    return payload


def _series_at_most(selection: Any, by: str) -> int | float:
    """At most how many series ``--by by`` gives of the selection, as cheaply known (``inf``: not known
    without counting them). Of victim records, a category of the yearly counts is one of the dimension's values
    in the selection's records (a missing one, ``Unknown``), and those are among the values of the whole table
    (counted once per table), or (a flag group) one of the group's flags: at most :data:`MOST_SERIES` of them,
    the counting is not needed to tell that the series are few enough (and what it would raise for a
    dimension the table lacks, the yearly counts raise next)."""
    from evidence.analyses.selection import kept_once, resolve_table
    from evidence.analyses.trends import FLAG_DIMENSIONS, case_dimension
    from evidence.core.errors import ParameterError
    from evidence.sources.case_schema import FLAG_GROUPS

    if selection.kind != "case":
        return float("inf")
    if by in FLAG_DIMENSIONS:
        return len(FLAG_GROUPS[FLAG_DIMENSIONS[by]])
    whole, _ = resolve_table(selection.table)  # the table's own frame (a keyed one is a copy per selection)
    try:
        value = case_dimension(whole, by)  # the value the yearly counts count by
    except ParameterError:
        return float("inf")  # counted, and refused there in its words
    # a missing value counted as one (the yearly counts' Unknown: with a value "Unknown" too, one series)
    return kept_once(whole, ("series at most", by), lambda: int(whole.select(value.n_unique()).item()))


#: The dimensions a selection without yearly totals is looked at by, to say which breakdowns it holds (UNODC's
#: country data publish a country's victims by form or by age in years it gives no total for).
_BREAKDOWNS = ("form", "gender", "age_band", "citizenship")


def _no_yearly_victims(selection: Any, rule: Any, by: str | None) -> str:
    """Why a selection the data hold victims in (checked before) gives no yearly counts: none, or (UNODC) no
    total but breakdowns, named with the ``--by`` that shows each, as ``compare`` says "no total"."""
    from evidence.core.errors import EvidenceError
    from evidence.notebooks.builders import yearly_numbers

    held = []
    for other in _BREAKDOWNS:
        if other == by:
            continue
        try:
            if yearly_numbers(selection, rule, by=other).holds_victims:
                held.append(f"--by {other}")
        except EvidenceError:  # a dimension these data do not have is no breakdown they hold
            continue
    if not held:
        from evidence.analyses.trends import why_empty

        # why_empty names what the data hold instead (records dated only by a band of years, say)
        return (
            why_empty(selection, by=by)
            or "no victims in this selection (check --country, --role and --years)"
        )
    missing = f"no victims by {by}" if by else "no yearly total of victims"
    options = " or ".join(held)
    return f"the data hold {missing} in this selection, only breakdowns published without a total: give {options}"


def described(table: Any, *, ranges: bool) -> str:
    """What a table's protection is (:meth:`~evidence.presentation.disclosure.DisclosedTable.describe`); of
    ranges of censored counts (``ranges``), what its small label stands for too, as under the brief's tables
    (:func:`~evidence.presentation.tables.small_note`): a range whose low end is small is withheld whole (8–17 as
    ``<11``), so "counts below 11 are shown as <11" alone would be read as all a ``<11`` can be."""
    from evidence.presentation.tables import small_note

    said = table.describe()
    if ranges:
        said += " " + small_note(table.rule.label, table.rule.threshold, ranges=True)
    return said


def _rows(table) -> list[dict[str, Any]]:
    """A protected yearly table (exact, or bounds) as JSON rows: year (a number, ``undated`` or ``Total``) and
    each count column as a number, a [low, high] pair, or the label of a withheld cell; missing as null."""
    low = table.low
    years = low.frame["year"].to_list()
    cells = {column: table.cells(column) for column in low.count_columns}
    rows = []
    for i, year in enumerate(years):
        label: int | str = "Total" if year is None else int(year) if str(year).isdigit() else str(year)
        rows.append({"year": label, **{c: _json_bounds(*cells[c][i]) for c in low.count_columns}})
    return rows


def _as_role(params: dict[str, Any]) -> str:
    """The country and its role as the briefs say them: ``THA as country of origin or destination``."""
    from evidence.analyses.coverage import ROLE_WORDS

    return f"{params['country']} as {ROLE_WORDS.get(params['role'], params['role'])}"


def _category_shown(by: str | None, category: str) -> str:
    """A category of the breakdown ``by`` as the text shows it: an age band as briefs write one ("9–17 years",
    never the case data's "9-17" nor UNODC's "0 to 17 years"); any other as the data name it (as the JSON does)."""
    if by is None:  # no breakdown: nothing to import (the trend's own path imports no notebook helper then)
        return category
    from evidence.core.text import age_band_text
    from evidence.notebooks.builders import AGE_BREAKDOWNS

    return (age_band_text(category) or category) if by in AGE_BREAKDOWNS else category


def _print_trend(payload: dict[str, Any]) -> None:
    from evidence.analyses.coverage import years_text
    from evidence.presentation.markup import p_value_text

    params = payload["parameters"]
    title = "Victims per year" + (f" — {_as_role(params)}" if params["country"] else "")
    if params["by"]:
        from evidence.notebooks.builders import breakdown_name

        title += (
            f" by {escape(breakdown_name(params['by']))}"  # as the briefs name it: "by sex", not "by gender"
        )
    columns = [c for c in payload["yearly_counts"][0] if c != "year"] if payload["yearly_counts"] else []
    table = Table(title=title)
    table.add_column("year")
    for c in columns:
        table.add_column(escape(_category_shown(params["by"], c)), justify="right")  # names from the data
    for row in payload["yearly_counts"]:
        cells = [_fmt_any(row[c]) for c in columns]
        table.add_row(str(row["year"]), *cells)
    console.print(table)
    console.print(f"[dim]{escape(payload['disclosure']['description'])}[/]")
    for s in payload["series"]:
        name = _category_shown(params["by"], s["category"])
        if "rate_ratio" not in s:
            console.print(f"[bold]{escape(name)}[/]: {escape(s['note'])}")
            continue
        rr = s["rate_ratio"]
        # the years the models read, not the span: a gap (no breakdown published) is no year of the model
        used = s.get("years_used") or range(rr["first_year"], rr["last_year"] + 1)
        console.print(
            f"[bold]{escape(name)}[/]: annual rate ratio {rr['rate_ratio']:.3f} (95% CI {rr['ci'][0]:.3f}–{rr['ci'][1]:.3f}), "
            f"{rr['model'].replace('quasi_', 'quasi-').replace('poisson', 'Poisson').replace('_', ' ')}, dispersion {rr['dispersion'] if rr['dispersion'] is not None else 'n/a'}, "
            f"years used: {years_text(list(used))} ({len(used)})",
            highlight=False,
        )
        if left_out := s.get("left_out_above_total"):
            console.print(
                f"    left out: {years_text(left_out)}, where this category exceeds the year's published total",
                highlight=False,
            )
        if steady := s.get("steady_reporters"):
            # a share withheld is its label (it would give a withheld yearly count back)
            share = steady["share"]
            counted = (
                f"{share:.0%} of the victims counted"
                if isinstance(share, float)
                else "their share of the victims counted withheld"
            )
            console.print(
                f"    on the steady reporters of {steady['window'][0]}–{steady['window'][1]}: "
                f"{escape(', '.join(steady['reporters']))} ({counted})",
                highlight=False,
            )
        for bound in ("low_bound", "high_bound"):
            if bound in rr:
                b = rr[bound]
                console.print(
                    f"    on {bound.replace('_', ' ')}s: {b['rate_ratio']:.3f} ({b['ci'][0]:.3f}–{b['ci'][1]:.3f})",
                    highlight=False,
                )
        for warning in rr.get("warnings", []):
            console.print(f"    [yellow]model warning:[/] {escape(warning)}", highlight=False)
        brk = s.get("break")
        if brk:
            previous = brk.get("previous_year")
            # after unread years the data cannot date the break within the gap (Break.when)
            when = (
                f"between {previous + 1} and {brk['break_year']}"
                if previous is not None and previous + 1 < brk["break_year"]
                else f"at {brk['break_year']}"
            )
            console.print(
                f"    break {when}: {brk['rate_ratio_before']:.3f}/yr before, "
                f"{brk['rate_ratio_after']:.3f}/yr after, LR p {p_value_text(brk['p_value'])} "
                f"(adjusted for the search: p {p_value_text(brk['p_value_adjusted'])})",
                highlight=False,
            )
    for group in payload["incomplete_said"]:
        console.print(
            f"[yellow]{group['years']} {group['verb']} {group['said']}:[/] {escape(group['reason'])}",
            highlight=False,
        )
    if payload["incomplete_years"]:
        console.print(f"[dim]{escape(payload['models'])}[/]")
    for key in ("undated", "note", "totals"):
        if key in payload:
            console.print(f"[dim]{escape(payload[key])}[/]")
    if inconsistent := payload.get("inconsistent"):
        listed = "; ".join(
            f"{c['year']} {c['category']} {c['count']} > total {c['total']}" for c in inconsistent["cells"]
        )
        console.print(
            f"[yellow]publisher inconsistency:[/] {escape(listed)}: {escape(inconsistent['note'])}; left out of "
            "that category's models",
            highlight=False,
        )
    console.print(f"[dim]{escape(payload['caveat'])}[/]")
    if "censoring" in payload:
        console.print(f"[dim]{escape(payload['censoring'])}[/]")
    if payload["data"].get("demo"):
        console.print(f"[bold yellow]{DEMO_WARNING}[/]")
