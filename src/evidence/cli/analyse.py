"""``evidence flows`` and ``evidence trend``: quick answers from any data file, after disclosure control.

Every count printed here has passed the small-cell rule of :mod:`evidence.presentation.disclosure`: a count
below the threshold is shown as ``<5`` (the rule's label) and cells withheld so that it cannot be recomputed
from totals as ``x``. In ``--json`` output a published count is a number and a withheld one is that label (a
string); a share is null where its count is withheld. Model results (rate ratios, breaks) are reported only for
series whose yearly counts are all published, so that they cannot give a withheld count back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console()
err_console = Console(stderr=True)

DEMO_WARNING = "SYNTHETIC DEMO DATA: invented records for trying the toolkit, NOT real victims. Never cite these numbers."
DETECTION_CAVEAT = (
    "Counts of identified victims measure detection as much as prevalence: a change can reflect more victims "
    "or more (or better-recorded) identification."
)

#: The row of a trend table for records without a single year (a band such as 2014-2018, or none).
UNDATED = "undated"

DataArg = Annotated[
    Path | None,
    typer.Argument(
        help="A data file any loader reads (CTDC, UNODC GLOTIP…). Omitted: the synthetic demo data."
    ),
]
CountryOpt = Annotated[
    str | None, typer.Option("--country", "-c", help="ISO3 code (or a country name), e.g. THA.")
]
YearsOpt = Annotated[str | None, typer.Option("--years", help="Inclusive range of years, e.g. 2015-2020.")]
ThresholdOpt = Annotated[
    int,
    typer.Option(
        "--threshold", help="Disclosure threshold: counts below it are withheld (UNODC 5, CTDC 10/11)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def register(app: typer.Typer) -> None:
    """Add ``flows`` and ``trend`` to the ``evidence`` app."""
    app.command("flows")(flows_command)
    app.command("trend")(trend_command)


# ------------------------------------------------------------------------------------------------- shared


def _load(data: Path | None):
    """Load DATA (through the harmonised-table cache), or the demo data when it is omitted; warn loudly whenever
    the data are the toolkit's demo."""
    from evidence.sources.cache import load_cached as load

    if data is None:
        from evidence.sources.demo import demo_path

        data = demo_path()
    loaded = load(data)
    if loaded.kind not in ("case", "indicator"):
        from evidence.core.errors import InputError

        raise InputError(
            f"this is a {loaded.kind} table; flows and trends need victim records or UNODC-style indicators",
            path=data,
        )
    if loaded.provenance.demo:
        err_console.print(f"[bold yellow]WARNING — {DEMO_WARNING}[/]", highlight=False)
    return loaded


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


def _cell(value: int | None, reason: str | None, rule) -> int | str | None:
    """A published count as a number, a withheld one as its label ("<5" or "x")."""
    from evidence.presentation.disclosure import COMPLEMENT_LABEL

    if reason == "small":
        return rule.label
    if reason == "complement":
        return COMPLEMENT_LABEL
    return value


def _columns_of(table, column: str, rule) -> list[int | str | None]:
    return [
        _cell(v, r, rule)
        for v, r in zip(table.frame[column].to_list(), table.reasons[column].to_list(), strict=True)
    ]


def _fmt(value: int | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _fmt_bounds(low: int | str | None, high: int | str | None) -> str:
    if low == high:
        return _fmt(low)
    return f"{_fmt(low)}–{_fmt(high)}"


def _fmt_any(value: int | str | list | None) -> str:
    return _fmt_bounds(*value) if isinstance(value, list) else _fmt(value)


def _json_bounds(low: int | str | None, high: int | str | None) -> int | str | list | None:
    return low if low == high else [low, high]


def _echo_json(payload: dict[str, Any]) -> None:
    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))


# -------------------------------------------------------------------------------------------------- flows


def flows_command(
    data: DataArg = None,
    country: CountryOpt = None,
    role: Annotated[str, typer.Option("--role", help="origin, destination or both.")] = "both",
    years: YearsOpt = None,
    min_victims: Annotated[
        int,
        typer.Option("--min-victims", help="Report a flow only with at least this many victims (UNODC: 5)."),
    ] = 5,
    top: Annotated[
        int, typer.Option("--top", help="Show the N largest flows; the rest are summed as 'Other flows'.")
    ] = 10,
    regional_level: Annotated[
        str,
        typer.Option("--regional-level", help="Intraregional means same M49 'region' or same 'subregion'."),
    ] = "region",
    threshold: ThresholdOpt = 5,
    as_json: JsonOpt = False,
) -> None:
    """Origin → destination flows of victims for a country, after disclosure control."""
    import polars as pl

    from evidence.analyses.common import check_country, check_role, check_years
    from evidence.analyses.routes import flow_coverage, flows
    from evidence.core.errors import ParameterError
    from evidence.presentation.disclosure import suppress_table

    rule = _rule(threshold)
    country, role = check_country(country), check_role(role)
    if top < 1:
        raise ParameterError(f"--top must be at least 1, not {top}")
    if min_victims < 0:
        raise ParameterError(f"--min-victims must be at least 0, not {min_victims}")
    if regional_level not in ("region", "subregion"):
        raise ParameterError(f"--regional-level must be region or subregion, not {regional_level!r}")
    span = check_years(years)
    loaded = _load(data)
    censored = loaded.kind == "indicator"
    selection = {"country": country, "role": role, "years": span}
    all_flows = flows(loaded, regional_level=regional_level, **selection)  # type: ignore[arg-type]
    coverage = flow_coverage(loaded, **selection)

    reported = all_flows.filter(pl.col("victims_low") >= min_victims)
    shown = reported.head(top).with_columns(
        corridor=pl.concat_str("origin_iso3", pl.lit(">"), "destination_iso3")
    )
    rest = all_flows.join(
        shown.select("origin_iso3", "destination_iso3"), on=["origin_iso3", "destination_iso3"], how="anti"
    )
    rows = shown.select("corridor", "victims_low", "victims_high")
    if rest.height:
        # Flows not shown are published as one sum, so that the total does not give a hidden flow back.
        rows = pl.concat(
            [
                rows,
                rest.select(
                    pl.lit(f"Other flows ({rest.height})").alias("corridor"),
                    pl.col("victims_low").sum(),
                    pl.col("victims_high").sum(),
                ),
            ]
        )
    # Unknowns are rows of the same protected table: its total is then every victim of the selection (the
    # number `evidence trend` publishes too), and no withheld cell can be recomputed from either output.
    unknown_labels = {"origin": "Unknown origin", "destination": "Unknown destination"}
    rows = pl.concat(
        [
            rows,
            pl.DataFrame(
                {
                    "corridor": list(unknown_labels.values()),
                    "victims_low": [coverage.unknown_origin[0], coverage.unknown_destination[0]],
                    "victims_high": [coverage.unknown_origin[1], coverage.unknown_destination[1]],
                },
                schema=rows.schema,
            ),
        ]
    )
    bounds = ("victims_low", "victims_high") if censored else ("victims_low",)
    protected = {b: suppress_table(rows, "corridor", [b], rule) for b in bounds}
    low = _columns_of(protected["victims_low"], "victims_low", rule)
    high = _columns_of(protected["victims_high"], "victims_high", rule) if censored else low
    n_flow_rows = rows.height - len(unknown_labels)
    published = all(isinstance(x, int) for x in low[n_flow_rows:] + high[n_flow_rows:])
    # shares are of victims with a known flow; publishable only when every unknown and the total are published
    known_low = low[-1] - low[n_flow_rows] - low[n_flow_rows + 1] if published else None
    known_high = high[-1] - high[n_flow_rows] - high[n_flow_rows + 1] if published else None

    def share(lo: Any, hi: Any) -> float | None:
        if not (
            isinstance(lo, int) and isinstance(hi, int) and known_low is not None and known_low + known_high
        ):
            return None
        return round((lo + hi) / (known_low + known_high), 4)

    records = []
    attrs = shown.select("origin_iso3", "destination_iso3", pl.col("flow_class").cast(pl.String)).rows(
        named=True
    )
    for i in range(n_flow_rows):
        if i < shown.height:
            entry: dict[str, Any] = {"rank": i + 1, **attrs[i]}
        else:
            entry = {"rank": None, "label": rows["corridor"][i], "n_flows": rest.height}
        entry["victims"] = _json_bounds(low[i], high[i])
        entry["share"] = share(low[i], high[i])
        records.append(entry)
    unknown_out = {
        key: _json_bounds(low[n_flow_rows + k], high[n_flow_rows + k]) for k, key in enumerate(unknown_labels)
    }
    notes = [
        "origin = citizenship; destination = country of exploitation/detection "
        + ("(reporting country)" if censored else "(CTDC: where first assisted, a proxy)"),
        f"intraregional = same UN M49 {regional_level}; domestic = same country",
        f"flows with at least {min_victims} victims are listed (the largest {top}); all others are summed",
        "shares are of the victims with a known origin and destination; the total includes the unknowns",
    ]
    if censored:
        notes.append("UNODC <5 cells are censored: victims are [low, high] bounds where any cell is <5")
    elif loaded.data.select(pl.col("origin_iso3", "destination_iso3").is_null().all()).row(0) == (True, True):
        notes.append(
            "this file records no countries (the Victim–Perpetrator layout has regions only): no flow between "
            "countries can be placed; try `evidence trend FILE --by origin_region`"
        )
    payload = {
        "command": "flows",
        "data": _data_summary(loaded),
        "parameters": {
            "country": selection["country"],
            "role": role,
            "years": list(span) if span else None,
            "min_victims": min_victims,
            "top": top,
            "regional_level": regional_level,
            "threshold": threshold,
        },
        "disclosure": rule.describe(),
        "flows": records,
        "total": _json_bounds(low[-1], high[-1]),
        "n_flows": all_flows.height,
        "n_flows_reported": reported.height,
        "unknown": unknown_out,
        "notes": notes,
    }
    if as_json:
        _echo_json(payload)
        return
    _print_flows(payload)


def _print_flows(payload: dict[str, Any]) -> None:
    params = payload["parameters"]
    title = "Flows" + (f" — {params['country']} as {params['role']}" if params["country"] else "")
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
        share = f"{r['share']:.1%}" if r["share"] is not None else "–"
        if r["rank"] is None:
            table.add_row("", r["label"], "", "", _fmt_any(r["victims"]), share)
        else:
            table.add_row(
                str(r["rank"]),
                r["origin_iso3"],
                r["destination_iso3"],
                r["flow_class"],
                _fmt_any(r["victims"]),
                share,
            )
    for side, value in payload["unknown"].items():
        table.add_row("", f"unknown {side}", "", "", _fmt_any(value), "")
    table.add_row("", "[bold]Total[/]", "", "", _fmt_any(payload["total"]), "")
    console.print(table)
    console.print(f"[dim]{escape(payload['disclosure'])}[/]")
    for note in payload["notes"]:
        console.print(f"[dim]· {escape(note)}[/]", highlight=False)
    if payload["data"].get("demo"):
        console.print(f"[bold yellow]{DEMO_WARNING}[/]")


# -------------------------------------------------------------------------------------------------- trend


def trend_command(
    data: DataArg = None,
    country: CountryOpt = None,
    role: Annotated[
        str, typer.Option("--role", help="destination (exploited/detected in), origin (citizens of) or both.")
    ] = "destination",
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Dimension: form, gender/sex, age_band/age, majority_status, data_source_type, corridor, citizenship…",
        ),
    ] = None,
    years: YearsOpt = None,
    threshold: ThresholdOpt = 5,
    as_json: JsonOpt = False,
) -> None:
    """Yearly counts, the annual rate ratio (Poisson/negative-binomial GLM), a break search and incomplete years."""
    import polars as pl

    from evidence.analyses.common import check_country, check_role, check_years
    from evidence.analyses.trends import (
        FLAG_DIMENSIONS,
        find_break,
        incomplete_years,
        rate_ratio,
        undated_counts,
        yearly_counts,
    )
    from evidence.core.errors import ParameterError
    from evidence.presentation.disclosure import suppress_counts, suppress_table

    rule = _rule(threshold)
    country, role = check_country(country), check_role(role)
    span = check_years(years)
    loaded = _load(data)
    censored = loaded.kind == "indicator"
    counts = yearly_counts(loaded, by=by, country=country, role=role, years=span)
    if not counts.height:
        raise ParameterError("no victims in this selection (check --country, --role and --years)")
    total_series = yearly_counts(loaded, country=country, role=role, years=span) if by else counts
    # Records without a single year (a band, or none) are a row of the same protected table, so that its total
    # is every victim of the selection, as in `evidence flows`; with --years both leave them out.
    undated = undated_counts(loaded, by=by, country=country, role=role) if span is None else counts.clear()
    rows = pl.concat(
        [
            counts.sort("year").with_columns(pl.col("year").cast(pl.String)),
            undated.with_columns(year=pl.lit(UNDATED)),
        ],
        how="diagonal_relaxed",
    )
    bounds = ("count_low", "count_high") if censored else ("count",)
    if by:
        categories = sorted(rows[by].unique().to_list())
        wide = {
            b: rows.pivot(on=by, index="year", values=b, sort_columns=True).with_columns(
                pl.col(categories).fill_null(0) if not censored else pl.col(categories)
            )
            for b in bounds
        }
    else:
        categories = ["count"]
        wide = {b: rows.select("year", pl.col(b).alias("count")) for b in bounds}
    protected = {}
    for b, frame in wide.items():
        if frame.select(pl.col(categories).null_count()).sum_horizontal().item():
            # an indicator table: a category not reported in a year is missing, not zero; no margins to protect
            protected[b] = suppress_counts(frame, categories, rule)
        else:
            protected[b] = suppress_table(frame, "year", categories, rule)
    low = protected[bounds[0]]
    high = protected[bounds[-1]]
    columns = list(low.count_columns)
    years_col = ["Total" if v is None else int(v) if v.isdigit() else v for v in low.frame["year"].to_list()]
    cells = {c: (_columns_of(low, c, rule), _columns_of(high, c, rule)) for c in columns}
    table_rows = [
        {"year": year, **{c: _json_bounds(cells[c][0][i], cells[c][1][i]) for c in columns}}
        for i, year in enumerate(years_col)
    ]

    flags = incomplete_years(
        total_series, late_registration=loaded.kind == "case", release_end=loaded.data["year"].max()
    )
    # probably incomplete years would pull the trend down: models use the other years
    incomplete = [f.year for f in flags]
    series_out = []
    for category in categories:
        column_reasons = low.reasons[category].to_list() + high.reasons[category].to_list()
        entry: dict[str, Any] = {"category": category if by else "all"}
        if not censored and any(r is not None for r in column_reasons):
            entry["note"] = "not modelled: some yearly counts are withheld by disclosure control"
            series_out.append(entry)
            continue
        series = counts.filter(pl.col(by) == category).drop(by) if by else counts
        series = series.filter(~pl.col("year").is_in(incomplete))
        try:
            entry["rate_ratio"] = rate_ratio(series).to_dict()
        except ParameterError as exc:
            entry["note"] = f"not modelled: {exc}"
            series_out.append(entry)
            continue
        try:
            entry["break"] = find_break(series).to_dict()
        except ParameterError as exc:
            entry["break"] = None
            entry["break_note"] = str(exc)
        series_out.append(entry)
    payload = {
        "command": "trend",
        "data": _data_summary(loaded),
        "parameters": {
            "country": country,
            "role": role,
            "by": by,
            "years": list(span) if span else None,
            "threshold": threshold,
        },
        "disclosure": rule.describe(),
        "caveat": DETECTION_CAVEAT,
        "yearly_counts": table_rows,
        "series": series_out,
        "incomplete_years": [f.to_dict() for f in flags],
        "models": "rate ratios and breaks are fitted on the years not flagged as probably incomplete",
    }
    if undated.height:
        payload["undated"] = (
            f"{UNDATED}: records without a single year of registration (a band such as 2014-2018, or none); "
            "in the totals, not in the models"
        )
    if by in FLAG_DIMENSIONS and not censored:
        payload["note"] = (
            f"a victim can have several {by} categories: the Total column counts mentions, not victims"
        )
    if censored:
        payload["censoring"] = (
            "UNODC <5 cells are censored: counts are [low, high] bounds where any cell is <5; models use the "
            "interval midpoint and are refitted on both bounds (low_bound, high_bound)"
        )
    if as_json:
        _echo_json(payload)
        return
    _print_trend(payload, columns)


def _print_trend(payload: dict[str, Any], columns: list[str]) -> None:
    params = payload["parameters"]
    title = "Victims per year" + (f" — {params['country']} ({params['role']})" if params["country"] else "")
    if params["by"]:
        title += f" by {params['by']}"
    table = Table(title=title)
    table.add_column("year")
    for c in columns:
        table.add_column(c, justify="right")
    for row in payload["yearly_counts"]:
        cells = [_fmt_any(row[c]) for c in columns]
        table.add_row(str(row["year"]), *cells)
    console.print(table)
    console.print(f"[dim]{escape(payload['disclosure'])}[/]")
    for s in payload["series"]:
        name = s["category"]
        if "rate_ratio" not in s:
            console.print(f"[bold]{escape(name)}[/]: {escape(s['note'])}")
            continue
        rr = s["rate_ratio"]
        console.print(
            f"[bold]{escape(name)}[/]: annual rate ratio {rr['rate_ratio']:.3f} (95% CI {rr['ci_low']:.3f}–{rr['ci_high']:.3f}), "
            f"{rr['model'].replace('_', ' ')}, dispersion {rr['dispersion'] if rr['dispersion'] is not None else 'n/a'}, "
            f"{rr['first_year']}–{rr['last_year']}",
            highlight=False,
        )
        for bound in ("low_bound", "high_bound"):
            if bound in rr:
                b = rr[bound]
                console.print(
                    f"    on {bound.replace('_', ' ')}s: {b['rate_ratio']:.3f} ({b['ci_low']:.3f}–{b['ci_high']:.3f})",
                    highlight=False,
                )
        brk = s.get("break")
        if brk:
            console.print(
                f"    break at {brk['break_year']}: {brk['rate_ratio_before']:.3f}/yr before, "
                f"{brk['rate_ratio_after']:.3f}/yr after, LR p = {brk['p_value']:.3g} "
                f"(adjusted for the search {brk['p_value_adjusted']:.3g})",
                highlight=False,
            )
    for flag in payload["incomplete_years"]:
        console.print(
            f"[yellow]{flag['year']} probably incomplete:[/] {escape(flag['reason'])}", highlight=False
        )
    if payload["incomplete_years"]:
        console.print(f"[dim]{escape(payload['models'])}[/]")
    for key in ("undated", "note"):
        if key in payload:
            console.print(f"[dim]{escape(payload[key])}[/]")
    console.print(f"[dim]{escape(payload['caveat'])}[/]")
    if "censoring" in payload:
        console.print(f"[dim]{escape(payload['censoring'])}[/]")
    if payload["data"].get("demo"):
        console.print(f"[bold yellow]{DEMO_WARNING}[/]")
