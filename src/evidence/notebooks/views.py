"""What the packaged notebooks show, built and disclosure-controlled here so that notebooks stay thin.

Every count in a view passes :mod:`evidence.presentation.disclosure`. Wherever a total, or a number that
complements the categories (victims not recorded, victims not on a route), is published beside them, the
table is protected *with* it (:func:`~evidence.presentation.disclosure.suppress_table`: secondary
suppression and an audit), so that no withheld count can be recomputed; numbers shown in two places (key
figures and the route table, yearly counts and the table by a dimension) are read from one protected table.
A share or interval of a withheld count, or of a withheld denominator, is withheld too. A selection too
small to protect gives None, which :func:`show_table` shows as :data:`TOO_FEW`.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from evidence.analyses.routes import FlowCoverage
from evidence.analyses.trends import UNKNOWN
from evidence.presentation.disclosure import (
    COMPLEMENT_LABEL,
    DisclosedTable,
    DisclosureError,
    DisclosureRule,
    suppress_counts,
    suppress_table,
)
from evidence.sources.countries import name_of
from evidence.sources.loaded import LoadedTable

#: What a notebook shows instead of a table that no suppression can protect (a tiny selection).
TOO_FEW = "Too few victims to show this table without disclosing small counts."


def protected_table(
    df: pl.DataFrame,
    key: str | Sequence[str],
    value_columns: Sequence[str],
    rule: DisclosureRule,
    *,
    total_label: str = "Total",
) -> DisclosedTable | None:
    """:func:`~evidence.presentation.disclosure.suppress_table` (totals, secondary suppression, audit), or
    None for a table too small to protect (shown as :data:`TOO_FEW` by :func:`show_table`)."""
    try:
        return suppress_table(df, key, list(value_columns), rule, total_label=total_label)
    except DisclosureError:
        return None


def _published(table: DisclosedTable, column: str) -> list[int | None]:
    """A count column's values, None where withheld."""
    return table.frame[column].to_list()


def shares_view(
    shares: pl.DataFrame,
    rule: DisclosureRule,
    *,
    label: str = "category",
    order: Sequence[str] | None = None,
) -> pl.DataFrame | None:
    """A shares table (columns category, count, n_known, n_unknown, share, ci_low, ci_high, as
    :func:`evidence.analyses.profiles.group_shares` returns) for display: the categories, "Not recorded" and
    the total of the selection, with secondary suppression so that no withheld count can be recomputed from
    the total or the other rows; None when the selection is too small to protect.

    Categories that partition the known records (single-valued fields) form one table with the total; those
    that overlap (flag groups: one victim, several forms) get primary suppression, and the known/unknown
    split its own protected table. A share and its interval are shown only where both the count and the
    number of victims with the field recorded are published. ``order`` sorts the categories (e.g. age bands
    by age); by default they keep the given order.
    """
    if order is not None:
        rank = {c: i for i, c in enumerate(order)}
        shares = shares.sort(
            pl.col("category").replace_strict(rank, default=len(rank), return_dtype=pl.Int64)
        )
    n_known = int(shares["n_known"][0]) if shares.height else 0
    n_unknown = int(shares["n_unknown"][0]) if shares.height else 0
    not_recorded = pl.DataFrame({"category": ["Not recorded"], "count": [n_unknown]})
    total_label = "All victims in the selection"
    if int(shares["count"].sum()) == n_known:  # the categories partition the known records
        table = protected_table(
            pl.concat([shares.select("category", "count"), not_recorded]),
            "category",
            ["count"],
            rule,
            total_label=total_label,
        )
        if table is None:
            return None
        counts = _published(table, "count")
        category_counts = counts[: shares.height]
        if all(c is not None for c in category_counts):
            known: int | None = sum(category_counts)
        elif counts[-1] is not None and counts[-2] is not None:
            known = counts[-1] - counts[-2]
        else:
            known = None
        shown = table.display()
    else:
        categories = suppress_counts(shares.select("category", "count"), "count", rule)
        split = protected_table(
            pl.concat(
                [pl.DataFrame({"category": ["Recorded (at least one)"], "count": [n_known]}), not_recorded]
            ),
            "category",
            ["count"],
            rule,
            total_label=total_label,
        )
        if split is None:
            return None
        known = _published(split, "count")[0]
        category_counts = _published(categories, "count")
        shown = pl.concat([categories.display(), split.display()])
    share_text, interval_text = [], []
    for i, count in enumerate(category_counts):
        ok = count is not None and known
        share_text.append(f"{count / known * 100:.1f}%" if ok else "")
        low, high = shares["ci_low"][i], shares["ci_high"][i]
        interval_text.append(f"{low * 100:.1f}% – {high * 100:.1f}%" if ok and low is not None else "")
    padding = [""] * (shown.height - len(share_text))
    return shown.rename({"category": label, "count": "Victims"}).with_columns(
        pl.Series("Share of those recorded", share_text + padding),
        pl.Series("95% interval", interval_text + padding),
    )


def sources_view(tables: Iterable[LoadedTable], rule: DisclosureRule) -> DisclosedTable | None:
    """One row per loaded file: source and release, what the records are, and rows kept and rejected
    with rows read as their total (protected together: read minus kept would give a withheld rejected count
    back); None when the counts are too few to protect."""
    rows = []
    for t in tables:
        p = t.provenance
        rows.append(
            {
                "source": p.label,  # the source's name and release, never a layout id
                "records": "synthetic demo" if p.demo else ("synthetic" if p.synthetic else "real"),
                "kept": t.rows_kept,
                "rejected": t.rows_rejected,
            }
        )
    if not rows:
        return None
    frame = pl.DataFrame(rows)
    keys = ["source", "records"]
    if frame.select(keys).is_duplicated().any():  # the same release loaded twice (two files)
        frame = frame.with_columns(
            pl.col("source") + " (file " + (pl.int_range(pl.len()) + 1).cast(pl.String) + ")"
        )
    table = protected_table(frame, keys, ["kept", "rejected"], rule, total_label="read")
    if table is None:
        return None
    # protected with its totals row (rows over all files), which is then left out: it adds nothing to read
    return dataclasses.replace(
        table,
        frame=table.frame.head(-1),
        reasons=table.reasons.head(-1),
        has_total_row=False,
    )


#: Readable headers of :func:`sources_view`.
SOURCE_LABELS = {
    "source": "Source and release",
    "records": "Records",
    "kept": "Rows kept",
    "rejected": "Rows rejected",
    "read": "Rows read",
}


def counts_with_total(
    df: pl.DataFrame,
    key: str | Sequence[str],
    count: str,
    rule: DisclosureRule,
    *,
    total_label: str = "Total",
) -> DisclosedTable | None:
    """A one-way table of counts published with its total (e.g. victims per year): secondary suppression
    keeps a withheld count from being recomputed from the total; None when too small to protect."""
    return protected_table(df, key, [count], rule, total_label=total_label)


#: The route table's columns: the route classes (a known route whose region is unknown is its own class,
#: shown only when there is one), then the victims whose route is unknown.
ROUTE_CLASS_LABELS = {
    "domestic": "Domestic",
    "intraregional": "Intraregional",
    "transregional": "Transregional",
    "unknown": "Region unknown",
}
NO_ROUTE = "Route unknown"
_NO_ROUTE_KEY = "__no_route"


@dataclass(frozen=True)
class RouteView:
    """The largest corridors, the other routes and the victims not on any route, as one protected table.

    Rows: the ``top_n`` corridors, "All other routes", "Origin unknown", "Destination unknown"; columns: the
    route classes and :data:`NO_ROUTE`, with totals (each corridor's victims, each class's victims, all
    victims of the selection). Everything a notebook says about routes (key figures, corridors, classes,
    charts) is read from this one table, so no number shown in one place can undo a suppression in another.
    """

    table: DisclosedTable
    corridors: pl.DataFrame  # route (label), origin_iso3, destination_iso3 of the corridor rows

    def _total_of(self, route: str) -> int | None:
        body = self.table.frame
        column = self.table.total_label
        return body.filter(pl.col("route") == route)[column].item()

    def total_row(self) -> dict[str, int | None]:
        """The totals row: victims per class, route unknown, and all victims (None where withheld)."""
        return {c: self.table.frame[c][-1] for c in self.table.count_columns}

    def known_routes(self) -> int | None:
        """Victims on a known route, where it is published or follows from published totals."""
        totals = self.total_row()
        classes = [totals[c] for c in ROUTE_CLASS_LABELS.values() if c in totals]
        if all(v is not None for v in classes):
            return sum(classes)  # type: ignore[arg-type]
        grand, unknown = totals[self.table.total_label], totals.get(NO_ROUTE, 0)
        if grand is not None and unknown is not None:
            return grand - unknown
        return None

    def key_figures(self) -> pl.DataFrame:
        """Measure and victims (as text: a count, the rule's label or ``x``) read from the table."""
        shown = self.table.display()
        total = self.table.total_label
        known = self.known_routes()
        known_text = f"{known:,}" if known is not None else COMPLEMENT_LABEL
        if known is not None and self.table.rule.is_small(known):
            known_text = self.table.rule.label

        def row(route: str) -> str:
            values = shown.filter(pl.col("route") == route)[total]
            return values.item() if values.len() else "0"

        return pl.DataFrame(
            {
                "Measure": [
                    "Identified victims in the selection",
                    "on a known route (origin and destination known)",
                    "origin (citizenship) unknown",
                    "destination unknown",
                ],
                "Victims": [shown[total][-1], known_text, row(ORIGIN_UNKNOWN), row(DESTINATION_UNKNOWN)],
            }
        )

    def chart_data(self) -> pl.DataFrame:
        """The published corridors (origin_iso3, destination_iso3, victims, share of known routes) for the
        corridor chart and the flow map; withheld corridors are left out."""
        known = self.known_routes()
        totals = self.table.frame.select("route", pl.col(self.table.total_label).alias("victims"))
        frame = self.corridors.join(totals, on="route", how="left").filter(pl.col("victims").is_not_null())
        share = pl.col("victims") / known if known else pl.lit(None, pl.Float64)
        return frame.select("origin_iso3", "destination_iso3", "victims", share.alias("share"))


OTHER_ROUTES = "All other routes"
ORIGIN_UNKNOWN = "Origin (citizenship) unknown"
DESTINATION_UNKNOWN = "Destination unknown"


def route_view(
    flow_table: pl.DataFrame,
    unknown_origin: int,
    unknown_destination: int,
    rule: DisclosureRule,
    *,
    top_n: int = 10,
    value: str = "victims",
) -> RouteView | None:
    """Build the :class:`RouteView` of a flow table (:func:`evidence.analyses.routes.flows`) and the victims
    of the selection not on a route (from :class:`evidence.analyses.routes.FlowCoverage`); None when the
    selection is too small to protect. ``value`` is ``victims`` (exact counts: case data) or one bound of
    censored counts (``victims_low``, ``victims_high``: see :func:`interval_display`); the corridors are
    the largest by point value either way, so the two bounds' views have the same rows."""
    from evidence.analyses import routes

    keys = ["origin_iso3", "destination_iso3"]
    flows = flow_table.with_columns(pl.col("flow_class").cast(pl.String))
    top = (
        routes.top_corridors(flow_table, top_n).with_columns(pl.col("flow_class").cast(pl.String))
        if flows.height
        else flows
    )
    labels = [
        f"{name_of(o) or o} → {name_of(d) or d}"
        for o, d in zip(top["origin_iso3"].to_list(), top["destination_iso3"].to_list(), strict=True)
    ]
    corridors = top.select(pl.Series("route", labels, dtype=pl.String), *keys)
    rest = flows.join(top.select(keys), on=keys, how="anti")
    long = pl.concat(
        [
            top.select(
                pl.Series("route", labels, dtype=pl.String), "flow_class", pl.col(value).cast(pl.Int64)
            ),
            rest.group_by("flow_class")
            .agg(pl.col(value).sum().cast(pl.Int64))
            .select(pl.lit(OTHER_ROUTES).alias("route"), "flow_class", value),
            pl.DataFrame(
                {
                    "route": [ORIGIN_UNKNOWN, DESTINATION_UNKNOWN],
                    "flow_class": [_NO_ROUTE_KEY, _NO_ROUTE_KEY],
                    value: [unknown_origin, unknown_destination],
                },
                schema={"route": pl.String, "flow_class": pl.String, value: pl.Int64},
            ),
        ]
    )
    classes = {
        k: v for k, v in ROUTE_CLASS_LABELS.items() if k != "unknown" or (flows["flow_class"] == k).any()
    }
    columns = {**classes, _NO_ROUTE_KEY: NO_ROUTE}
    order = list(dict.fromkeys(long["route"].to_list()))
    wide = (
        long.group_by("route", "flow_class")
        .agg(pl.col(value).sum())
        .pivot(on="flow_class", index="route", values=value)
    )
    wide = wide.with_columns(pl.lit(0, pl.Int64).alias(c) for c in columns if c not in wide.columns)
    wide = (
        pl.DataFrame({"route": order})
        .join(wide, on="route", how="left")
        .select(
            "route",
            *[pl.col(c).fill_null(0).cast(pl.Int64).alias(label) for c, label in columns.items()],
        )
    )
    table = protected_table(wide, "route", list(columns.values()), rule, total_label="All victims")
    return None if table is None else RouteView(table, corridors)


def interval_display(low: DisclosedTable, high: DisclosedTable) -> pl.DataFrame:
    """Two protected tables of the same rows and columns, holding the low and the high bounds of censored
    counts (UNODC), shown as one: the count where the bounds agree, else ``"low–high"``.

    A cell withheld in either bound's table is withheld in both (an exact cell's bounds are equal, so a
    published high bound would give a withheld low bound back), shown ``x``; the one exception is a low bound
    withheld only for being small beside a published high bound (a censored sum), shown ``"<5–12"``."""
    rule = low.rule
    low_shown, high_shown = low.display(), high.display()
    columns = {}
    for column in low.key_columns:
        columns[column] = low_shown[column].to_list()
    for column in low.count_columns:
        cells = []
        for lo, hi, lo_text, hi_text in zip(
            low.frame[column].to_list(),
            high.frame[column].to_list(),
            low_shown[column].to_list(),
            high_shown[column].to_list(),
            strict=True,
        ):
            if lo is not None and hi is not None:
                cells.append(lo_text if lo == hi else f"{lo_text}–{hi_text}")
            elif hi_text == rule.label:
                cells.append(rule.label)
            elif lo_text == rule.label and hi is not None:
                cells.append(f"{rule.label}–{hi_text}")
            else:
                cells.append(COMPLEMENT_LABEL)
        columns[column] = cells
    return pl.DataFrame(columns)


def interval_counts_view(
    df: pl.DataFrame, keys: list[str], rule: DisclosureRule, *, prefix: str = "victims"
) -> pl.DataFrame:
    """Counts kept as bounds (``<prefix>_low``, ``<prefix>_high``: UNODC's censored cells) shown as one
    column: the count where both bounds agree, else ``"low–high"``; each bound disclosed on its own."""
    low, high = f"{prefix}_low", f"{prefix}_high"
    shown = suppress_counts(df.select(*keys, low, high), [low, high], rule).display()
    return shown.select(
        *keys,
        pl.when(pl.col(low) == pl.col(high))
        .then(pl.col(low))
        .otherwise(pl.col(low) + "–" + pl.col(high))
        .alias(prefix),
    )


def source_line(tables: Iterable[LoadedTable]) -> str:
    """The sources of a chart in one line, as readers name them (``"CTDC Global Synthetic Dataset, release
    2024; UNODC GLOTIP, release 30 May 2023"``), with synthetic data named as such."""
    parts = []
    for t in tables:
        p = t.provenance
        label = p.label
        if p.demo:
            label += " (synthetic demo data, not real records)"
        elif p.synthetic:
            label += " (synthetic records)"
        parts.append(label)
    return "; ".join(dict.fromkeys(parts)) or "unknown"


def show_chart(chart: object, name: str) -> None:
    """Save a chart as SVG in the run's ``figures`` folder (``figures/<name>.svg``) and show that SVG inline
    (no JavaScript, no network: the executed notebook and any brief made from it display it offline)."""
    from IPython.display import SVG, display

    from evidence.notebooks.runtime import output_dir
    from evidence.presentation.charts import save_chart

    path = save_chart(chart, output_dir("figures") / f"{name}.svg")
    display(SVG(filename=str(path)))


_NUMERIC_TEXT = re.compile(r"^[<>~x–\-+]?[\d,.\s%–<-]*$")


def show_table(
    table: DisclosedTable | pl.DataFrame | None,
    *,
    caption: str | None = None,
    note: str | None = None,
    source: str | None = None,
    labels: Mapping[str, str] | None = None,
    shares: Literal["column", "row"] | None = None,
) -> None:
    """Show a table as HTML and as a Markdown pipe table (renderers pick what they read: JupyterLab and
    nbconvert the HTML, Quarto and pandoc either), without polars' dtype and shape lines or row limit.

    A :class:`DisclosedTable` is formatted by :mod:`evidence.presentation.tables` (totals row, notes on the
    labels it uses, ``source``); a frame must already be disclosed (strings); None (a selection too small to
    protect, see :func:`protected_table`) shows :data:`TOO_FEW`. ``labels`` renames columns for the header;
    ``shares`` shows a table with totals as shares of its column or row totals instead of counts.
    """
    from IPython.display import Markdown, display

    if table is None:
        display(Markdown(TOO_FEW))
        return
    if isinstance(table, DisclosedTable):
        from evidence.presentation.tables import table_html, table_markdown

        text = source or "the data files listed under Data and sources"
        html_text = table_html(table, source=text, caption=caption, labels=labels, shares=shares)
        markdown = table_markdown(table, source=text, caption=caption, labels=labels, shares=shares)
        if note:
            html_text += f'\n<p style="font-size:smaller">{html.escape(note)}</p>'
            markdown += f"\n*{note}*\n"
        display({"text/html": html_text, "text/markdown": markdown, "text/plain": caption or ""}, raw=True)
        return
    frame = table.rename({c: v for c, v in (labels or {}).items() if c in table.columns})
    texts = frame.select(pl.all().cast(pl.String).fill_null(""))
    numeric = [
        bool(texts.height) and all(_NUMERIC_TEXT.match(v) for v in texts[c].to_list() if v)
        for c in texts.columns
    ]
    display(
        {
            "text/html": _table_html(texts, numeric, caption, note),
            "text/markdown": _table_markdown(texts, numeric, caption, note),
            "text/plain": caption or "",
        },
        raw=True,
    )


def _table_html(texts: pl.DataFrame, numeric: list[bool], caption: str | None, note: str | None) -> str:
    right = ' style="text-align:right"'
    head = "".join(
        f"<th{right if n else ''}>{html.escape(c.replace('_', ' '))}</th>"
        for c, n in zip(texts.columns, numeric, strict=True)
    )
    rows = "".join(
        "<tr>"
        + "".join(f"<td{right if n else ''}>{html.escape(v)}</td>" for v, n in zip(row, numeric, strict=True))
        + "</tr>"
        for row in texts.iter_rows()
    )
    parts = ['<table class="evidence-table" style="border-collapse:collapse">']
    if caption:
        parts.append(f'<caption style="text-align:left;font-weight:bold">{html.escape(caption)}</caption>')
    parts.append(f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody>")
    if note:
        parts.append(
            f'<tfoot><tr><td colspan="{len(texts.columns)}" style="font-size:smaller;text-align:left">'
            f"{html.escape(note)}</td></tr></tfoot>"
        )
    parts.append("</table>")
    return "".join(parts)


def _table_markdown(texts: pl.DataFrame, numeric: list[bool], caption: str | None, note: str | None) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(c.replace("_", " ")) for c in texts.columns) + " |"]
    lines.append("|" + "|".join("---:" if n else ":---" for n in numeric) + "|")
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in texts.iter_rows()]
    if caption:
        lines = [f"**{cell(caption)}**", "", *lines]
    if note:
        lines += ["", f"*{cell(note)}*"]
    return "\n".join(lines)


def yearly_table(
    yearly: pl.DataFrame, incomplete_years: Iterable[int], rule: DisclosureRule, *, count: str = "count"
) -> DisclosedTable | None:
    """Victims per year with their total (secondary suppression: the total is published in the same brief,
    so a withheld year could otherwise be recomputed) and a note on the years that are probably incomplete;
    None when too few victims to protect."""
    frame = yearly.select(
        pl.col("year").cast(pl.Int64),
        _year_notes(pl.col("year"), incomplete_years),
        pl.col(count).cast(pl.Int64).alias("victims"),
    )
    if not frame.height:
        return None
    return counts_with_total(frame, ["year", "note"], "victims", rule)


def selected_cases(cases: LoadedTable, *, country: str, role: str, years: tuple[int, int]) -> pl.DataFrame:
    """The case records of a country (as ``role``: origin, destination or both) in the years given."""
    at_origin = pl.col("origin_iso3") == country
    at_destination = pl.col("destination_iso3") == country
    selector = {"origin": at_origin, "destination": at_destination, "both": at_origin | at_destination}[role]
    return cases.data.filter(selector.fill_null(False) & pl.col("year").is_between(*years))


def profile_view(
    selected: pl.DataFrame, group: str, rule: DisclosureRule, *, label: str = "Category"
) -> pl.DataFrame | None:
    """:func:`shares_view` of a group (``form``, ``gender``, ``age_band``, ...) of the selected records;
    categories of an ordered (Enum) column, such as age bands, keep their order, others go largest first.
    Raises :class:`~evidence.core.errors.EvidenceError` when the data record nothing of the group."""
    from evidence.analyses import profiles

    shares = profiles.group_shares(selected, group)
    return shares_view(shares, rule, label=label, order=category_order(selected, group))


def trend_sentence(yearly: pl.DataFrame, incomplete_years: Iterable[int]) -> str:
    """One paragraph on the annual rate ratio of the complete years (count model), or why there is none.

    ``yearly`` as :func:`evidence.analyses.trends.yearly_counts` returns it (censored years as bounds)."""
    from evidence.analyses import trends
    from evidence.core.errors import EvidenceError

    complete = yearly.filter(~pl.col("year").is_in(list(incomplete_years)))
    # a trend through one or two years with victims (the rest zeros) is an artefact, not a finding
    if complete.height < 3 or (complete["count_high"].fill_null(0) > 0).sum() < 3:
        return "Too few complete years with identified victims to estimate a trend."
    try:
        rr = trends.rate_ratio(complete)
    except EvidenceError as exc:
        return f"No trend could be estimated from these years ({exc})."
    change = "more" if rr.rate_ratio >= 1 else "fewer"
    text = (
        f"From {rr.first_year} to {rr.last_year}, the number of identified victims changed by a factor of "
        f"**{rr.rate_ratio:.2f} a year** (95% interval {rr.ci_low:.2f}–{rr.ci_high:.2f}; "
        f"{rr.model.replace('_', ' ')} model, {rr.n_years} complete years): about {abs(rr.rate_ratio - 1):.0%} "
        f"{change} identified victims each year."
    )
    if rr.overdispersed:
        text += " The counts vary more than a Poisson model allows, so a negative binomial model was used."
    if rr.low_bound and rr.high_bound:
        text += (
            f" Censored years enter at their midpoint; on the low bounds the ratio is "
            f"{rr.low_bound.rate_ratio:.2f}, on the high bounds {rr.high_bound.rate_ratio:.2f}."
        )
    return text


def break_sentence(yearly: pl.DataFrame, incomplete_years: Iterable[int]) -> str:
    """One paragraph on the most likely break in the trend of the complete years, or why there is none."""
    from evidence.analyses import trends
    from evidence.core.errors import EvidenceError

    complete = yearly.filter(~pl.col("year").is_in(list(incomplete_years)))
    if complete.height < 6:
        return "Too few complete years to search for a break (six or more needed)."
    try:
        found = trends.find_break(complete)
    except EvidenceError as exc:  # e.g. every candidate leaves a segment without a finite trend
        return f"No break could be estimated from this series: {exc}."
    text = (
        f"Most likely break: **{found.break_year}** (adjusted p = {found.p_value_adjusted:.3g}). "
        f"Before it the rate ratio was {found.rate_ratio_before:.2f} a year "
        f"({found.ci_before[0]:.2f}–{found.ci_before[1]:.2f}), after it {found.rate_ratio_after:.2f} "
        f"({found.ci_after[0]:.2f}–{found.ci_after[1]:.2f})."
    )
    if found.p_value_adjusted >= 0.05:
        text += " The evidence for a break is weak: a single trend fits about as well."
    return text


def category_order(data: pl.DataFrame, column: str) -> list[str] | None:
    """The categories of an ordered (Enum) column, such as age bands, in their order; None for others."""
    dtype = data.schema.get(column)
    return list(dtype.categories) if isinstance(dtype, pl.Enum) else None


def _ordered(categories: Sequence[str], order: Sequence[str] | None) -> list[str]:
    """Categories in ``order`` (others alphabetically after them), ``Unknown`` last."""
    rank = {c: i for i, c in enumerate(order or ())}
    known = sorted((c for c in categories if c != UNKNOWN), key=lambda c: (rank.get(c, len(rank)), c))
    return known + [c for c in categories if c == UNKNOWN]


def by_year_table(
    by_year: pl.DataFrame, by: str, rule: DisclosureRule, *, order: Sequence[str] | None = None
) -> DisclosedTable:
    """Victims per year (rows) and category of ``by`` (columns) from a long table (year, ``by``, count), with
    primary suppression: for overlapping categories (one victim, several forms) no total is published."""
    wide = (
        by_year.with_columns(pl.col(by).cast(pl.String))
        .pivot(on=by, index="year", values="count", sort_columns=True)
        .sort("year")
        .fill_null(0)
    )
    return suppress_counts(wide.select("year", *_ordered(wide.columns[1:], order)), wide.columns[1:], rule)


def interval_key_figures(low: RouteView, high: RouteView) -> pl.DataFrame:
    """:meth:`RouteView.key_figures` of the low and the high bounds as one table (``"low–high"`` where they
    differ; ``x`` where either is withheld for another reason than being small)."""
    lo, hi = low.key_figures(), high.key_figures()
    label = low.table.rule.label

    def both(a: str, b: str) -> str:
        if a == b:
            return a
        if COMPLEMENT_LABEL in (a, b):
            return COMPLEMENT_LABEL
        return f"{a}–{b}"

    return lo.with_columns(
        pl.Series("Victims", [both(a, b) for a, b in zip(lo["Victims"], hi["Victims"], strict=True)])
    ).with_columns(pl.col("Victims").replace(f"{label}–{label}", label))


def region_table(
    flow_table: pl.DataFrame, level: str, rule: DisclosureRule, route: RouteView, *, value: str = "victims"
) -> DisclosedTable | None:
    """Victims by region of origin (rows) and of destination (columns) with totals, protected; None when
    too small to protect, or when a withheld cell could be recomputed from the route table shown beside it
    (a region pair whose every flow is a corridor published there, or the only withheld cell of a group of
    region pairs whose sum is a published class of route: domestic and intraregional on the diagonal,
    transregional off it)."""
    from evidence.analyses import routes

    matrix = routes.region_flow_matrix(flow_table, level, value=value)  # type: ignore[arg-type]
    if not matrix.height:
        return None
    row_key = matrix.columns[0]
    table = protected_table(matrix.fill_null(0), row_key, matrix.columns[1:], rule)
    if table is None:
        return None
    origin, destination = f"origin_{level}", f"destination_{level}"
    published = set(map(tuple, route.chart_data().select("origin_iso3", "destination_iso3").rows()))
    flows = flow_table.with_columns(pl.col(origin, destination).fill_null("Unknown"))
    totals = route.total_row()
    classes = ROUTE_CLASS_LABELS
    diagonal_known = (
        totals.get(classes["domestic"]) is not None and totals.get(classes["intraregional"]) is not None
    )
    off_known = totals.get(classes["transregional"]) is not None
    withheld_diagonal, withheld_off = 0, 0
    body = table.body
    for row in body.iter_rows(named=True):
        for column in table.value_columns:
            if not row[column + "_suppressed"]:
                continue
            pair = flows.filter((pl.col(origin) == row[row_key]) & (pl.col(destination) == column))
            if set(map(tuple, pair.select("origin_iso3", "destination_iso3").rows())) <= published:
                return None  # every flow of this region pair is a corridor published in the route table
            if "Unknown" in (row[row_key], column):
                return None  # mixes classes (a domestic flow of unknown region): not checked, not shown
            if row[row_key] == column:
                withheld_diagonal += 1
            else:
                withheld_off += 1
    if (diagonal_known and withheld_diagonal == 1) or (off_known and withheld_off == 1):
        return None
    return table


@dataclass(frozen=True)
class RouteBounds:
    """The :class:`RouteView` of exact counts (case data: ``low`` is ``high``) or of the low and the high
    bounds of censored counts (UNODC), with what a notebook shows from them."""

    low: RouteView
    high: RouteView

    @property
    def exact(self) -> bool:
        return self.low is self.high

    def key_figures(self) -> pl.DataFrame:
        """Victims of the selection, on a known route, with an unknown origin or destination."""
        return self.low.key_figures() if self.exact else interval_key_figures(self.low, self.high)

    def table(self) -> DisclosedTable | pl.DataFrame:
        """The route table: a :class:`DisclosedTable` of exact counts, else the ranges as text."""
        return self.low.table if self.exact else interval_display(self.low.table, self.high.table)

    def chart_data(self) -> pl.DataFrame:
        """Published corridors for charts: exact counts, or the low bounds of corridors published in both."""
        low = self.low.chart_data()
        if self.exact:
            return low
        keys = ["origin_iso3", "destination_iso3"]
        return low.join(self.high.chart_data().select(keys), on=keys, how="semi")

    def region_table(self, flow_table: pl.DataFrame, level: str) -> DisclosedTable | pl.DataFrame | None:
        """:func:`region_table` of exact counts, else of both bounds shown as ranges (None if either is)."""
        if self.exact:
            return region_table(flow_table, level, self.low.table.rule, self.low)
        rule = self.low.table.rule
        low = region_table(flow_table, level, rule, self.low, value="victims_low")
        high = region_table(flow_table, level, rule, self.high, value="victims_high")
        if low is None or high is None:
            return None
        return interval_display(low, high)


def route_bounds(
    flow_table: pl.DataFrame, coverage: FlowCoverage, rule: DisclosureRule, *, top_n: int = 10, exact: bool
) -> RouteBounds | None:
    """The :class:`RouteBounds` of a flow table and its coverage (:mod:`evidence.analyses.routes`): exact
    counts for case data, else bounds; None when the selection is too small to protect."""
    if exact:
        view = route_view(
            flow_table, coverage.unknown_origin[0], coverage.unknown_destination[0], rule, top_n=top_n
        )
        return None if view is None else RouteBounds(view, view)
    low = route_view(
        flow_table,
        coverage.unknown_origin[0],
        coverage.unknown_destination[0],
        rule,
        top_n=top_n,
        value="victims_low",
    )
    high = route_view(
        flow_table,
        coverage.unknown_origin[1],
        coverage.unknown_destination[1],
        rule,
        top_n=top_n,
        value="victims_high",
    )
    return None if low is None or high is None else RouteBounds(low, high)


def emerging_view(emerging: pl.DataFrame) -> pl.DataFrame:
    """Growing and new corridors (:func:`evidence.analyses.routes.emerging_routes`) for display: corridor by
    country name, why, the later period, the rate ratio with its interval and the q-value (no counts)."""

    def name(code: str | None) -> str:
        return (name_of(code) or code) if code else "unknown"

    def number(value: float | None, digits: int) -> str:
        return "" if value is None else f"{value:.{digits}f}"

    return pl.DataFrame(
        {
            "Route (origin → destination)": [
                f"{name(o)} → {name(d)}"
                for o, d in zip(emerging["origin_iso3"], emerging["destination_iso3"], strict=True)
            ],
            "Why": emerging["reason"].to_list(),
            "Later period": emerging["later_period"].to_list(),
            "Annual rate ratio": [number(v, 2) for v in emerging["rate_ratio"]],
            "95% interval": [
                "" if lo is None or hi is None else f"{lo:.2f} – {hi:.2f}"
                for lo, hi in zip(emerging["ci_low"], emerging["ci_high"], strict=True)
            ],
            "q-value": [
                "" if v is None else ("<0.0001" if v < 0.0001 else f"{v:.4f}") for v in emerging["q_value"]
            ],
        },
        schema={
            c: pl.String
            for c in [
                "Route (origin → destination)",
                "Why",
                "Later period",
                "Annual rate ratio",
                "95% interval",
                "q-value",
            ]
        },
    )


def _year_notes(years: pl.Expr, incomplete_years: Iterable[int]) -> pl.Expr:
    flagged = set(incomplete_years)
    return years.map_elements(
        lambda y: "probably incomplete" if y in flagged else "", return_dtype=pl.String
    ).alias("note")


def yearly_tables(
    yearly: pl.DataFrame,
    by_year: pl.DataFrame | None,
    by: str | None,
    incomplete_years: Iterable[int],
    rule: DisclosureRule,
    *,
    order: Sequence[str] | None = None,
) -> tuple[DisclosedTable | None, DisclosedTable | None]:
    """Victims per year (with a note on the probably incomplete years) and, given counts by year and a
    dimension (``by_year``: year, ``by``, count, as :func:`evidence.analyses.trends.yearly_counts` returns),
    victims per year and category; exact counts (case data).

    Where the categories add up to the year's victims (a single-valued field, ``Unknown`` included), both come
    from one protected two-way table, whose total column *is* the yearly count: published side by side, the
    two tables can then never give a withheld cell back. Overlapping categories (one victim, several forms)
    get primary suppression, without totals. Either table is None when too small to protect. ``order`` sorts
    the categories (see :func:`category_order`); by default alphabetically, ``Unknown`` last."""
    flagged = list(incomplete_years)
    if by_year is None or by is None or not by_year.height:
        return yearly_table(yearly, flagged, rule), None
    by_year = by_year.with_columns(pl.col(by).cast(pl.String))
    sums = by_year.group_by("year").agg(pl.col("count").sum().alias("sum"))
    joined = yearly.select("year", "count").join(sums, on="year", how="left").fill_null(0)
    if not (joined["count"] == joined["sum"]).all():
        return yearly_table(yearly, flagged, rule), by_year_table(by_year, by, rule, order=order)
    wide = (
        by_year.pivot(on=by, index="year", values="count", sort_columns=True)
        .join(yearly.select("year"), on="year", how="right")
        .fill_null(0)
        .sort("year")
    )
    categories = _ordered([c for c in wide.columns if c != "year"], order)
    wide = wide.select(pl.col("year").cast(pl.Int64), *[pl.col(c).cast(pl.Int64) for c in categories])
    table = protected_table(wide, "year", categories, rule, total_label="All victims")
    if table is None:
        return None, None
    total = table.total_label
    per_year = DisclosedTable(
        frame=table.frame.select(
            "year",
            _year_notes(pl.col("year"), flagged),
            pl.col(total).alias("victims"),
            pl.col(total + "_suppressed").alias("victims_suppressed"),
        ).with_columns(
            pl.when(pl.col("year").is_null()).then(pl.lit("")).otherwise(pl.col("note")).alias("note")
        ),
        count_columns=("victims",),
        rule=rule,
        n_primary=int((table.reasons[total] == "small").sum()),
        n_secondary=int((table.reasons[total] == "complement").sum()),
        has_total_row=True,
        reasons=table.reasons.select(pl.col(total).alias("victims")),
    )
    return per_year, table


def interval_dimension_table(
    by_year: pl.DataFrame, by: str, rule: DisclosureRule, *, order: Sequence[str] | None = None
) -> pl.DataFrame | None:
    """Victims per year and category of censored counts (UNODC: year, ``by``, count_low, count_high), each
    bound protected with its totals and shown as one (:func:`interval_display`); None when too small."""
    tables = []
    for bound in ("count_low", "count_high"):
        wide = (
            by_year.with_columns(pl.col(by).cast(pl.String))
            .pivot(on=by, index="year", values=bound, sort_columns=True)
            .fill_null(0)
            .sort("year")
        )
        categories = _ordered(wide.columns[1:], order)
        table = protected_table(
            wide.select(pl.col("year").cast(pl.Int64), *[pl.col(c).cast(pl.Int64) for c in categories]),
            "year",
            categories,
            rule,
        )
        if table is None:
            return None
        tables.append(table)
    return interval_display(*tables)


# --------------------------------------------------------------------------------- the trends notebook's sections


@dataclass(frozen=True)
class YearlySection:
    """What the trends notebook shows for one source, kept for its later sections."""

    yearly: pl.DataFrame  # yearly counts (with bounds for censored UNODC cells)
    flagged: list[int]  # years flagged as probably incomplete
    by_dimension: DisclosedTable | None  # the table by year and dimension, protected with the yearly counts


def show_yearly_section(
    table: LoadedTable,
    *,
    country: str,
    role: str,
    years: tuple[int, int],
    dimension: str | None,
    rule: DisclosureRule,
    place: str,
) -> YearlySection | None:
    """Show one source's identified victims per year (table, incomplete years, chart, trend sentence).

    Returns what later sections need, or None when the selection holds no victims.
    """
    from IPython.display import Markdown, display

    from evidence.analyses import trends
    from evidence.core.errors import EvidenceError
    from evidence.presentation import charts
    from evidence.presentation.disclosure import suppress_counts

    p = table.provenance
    table_source = source_line([table])
    display(Markdown(f"### {p.source.replace('_', ' ').upper()} {p.release}"))
    yearly = trends.yearly_counts(table, country=country, role=role, years=years)
    if not yearly.height or not (yearly["count_high"].sum() or 0):
        display(Markdown("No identified victims in this selection."))
        return None
    incomplete = trends.incomplete_years(
        yearly, late_registration=table.kind == "case", release_end=table.data["year"].max()
    )
    flagged = [y.year for y in incomplete]
    labels = {"year": "Year", "note": "Note", "victims": "Identified victims", "count": "Identified victims"}
    by_dimension = None
    if table.kind == "case":
        try:
            counts_by = (
                trends.yearly_counts(table, by=dimension, country=country, role=role, years=years)
                if dimension
                else None
            )
        except EvidenceError as exc:
            display(Markdown(f"Not available by {dimension} in these data: {exc}"))
            counts_by = None
        per_year, by_dimension = yearly_tables(
            yearly, counts_by, dimension, flagged, rule, order=category_order(table.data, dimension or "")
        )
        show_table(per_year, caption="Identified victims per year", labels=labels, source=table_source)
        chart_data = None if per_year is None else per_year.body
        value, low, high = "victims", None, None
    else:
        show_table(
            interval_counts_view(yearly, ["year"], rule, prefix="count"),
            caption="Identified victims per year",
            labels=labels,
            note="A range where censored cells (<5) make the exact count unknown.",
        )
        chart_data = suppress_counts(
            yearly.select("year", "count_low", "count_high"), ["count_low", "count_high"], rule
        )
        value, low, high = "count_low", "count_low", "count_high"
    for year in incomplete:
        display(Markdown(f"- **{year.year}** is probably incomplete: {year.reason}."))
    if chart_data is not None:
        show_chart(
            charts.trend_chart(
                chart_data,
                "year",
                value,
                low,
                high,
                title=f"Identified victims per year, {place}",
                y_title="Identified victims",
                subtitle=None
                if low is None
                else "Line: lower bound; band: the range that censored cells (<5) allow.",
                source=table_source,
                rule=rule,
            ),
            f"trend_{p.source}",
        )
    display(Markdown(trend_sentence(yearly, flagged)))
    return YearlySection(yearly, flagged, by_dimension)


def show_dimension_section(
    table: LoadedTable,
    section: YearlySection | None,
    *,
    country: str,
    role: str,
    years: tuple[int, int],
    dimension: str,
    rule: DisclosureRule,
    place: str,
) -> None:
    """Show one source's identified victims per year by ``dimension`` (protected table, shares, chart)."""
    from IPython.display import Markdown, display

    from evidence.analyses import trends
    from evidence.core.errors import EvidenceError
    from evidence.presentation import charts

    p = table.provenance
    table_source = source_line([table])
    label = dimension.replace("_", " ")
    display(Markdown(f"### {p.source.replace('_', ' ').upper()} {p.release}: by {label}"))
    caption = f"Identified victims per year by {label}"
    if table.kind != "case":
        try:
            counts_by = trends.yearly_counts(table, by=dimension, country=country, role=role, years=years)
        except EvidenceError as exc:
            display(Markdown(f"Not available in these data: {exc}"))
            return
        if counts_by.height:
            show_table(
                interval_dimension_table(counts_by, dimension, rule),
                caption=caption,
                labels={"year": "Year"},
                note="A range where censored cells (<5) make the exact count unknown.",
            )
        return
    shown = section.by_dimension if section else None
    if shown is None:
        display(Markdown("No table by this dimension for this selection."))
        return
    show_table(shown, caption=caption, labels={"year": "Year"}, source=table_source)
    if shown.has_total_row:
        show_table(
            shown,
            caption=f"{caption}: shares of the year",
            labels={"year": "Year"},
            source=table_source,
            shares="row",
        )
    show_chart(
        charts.stacked_share_chart(
            shown.to_long(dimension, "count"),
            "year",
            dimension,
            "count",
            title=f"Identified victims by {label}, {place}",
            source=table_source,
            rule=rule,
        ),
        f"shares_{p.source}_{dimension}",
    )


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
) -> None:
    """Show the largest published routes as a bar chart and as a flow map (``corridors…``, ``flow_map…``).

    ``published_routes`` is the route table's chart data (origin_iso3, destination_iso3, victims, share), already
    through disclosure control.
    """
    from evidence.presentation import charts

    suffix = f"_{tag}" if tag else ""
    bar_options = {"top": top} if top is not None else {}
    show_chart(
        charts.corridor_bar_chart(
            published_routes,
            "origin_iso3",
            "destination_iso3",
            "victims",
            share="share",
            title=title,
            subtitle=subtitle,
            source=source,
            rule=rule,
            **bar_options,
        ),
        f"corridors{suffix}",
    )
    show_chart(
        charts.flow_map(
            published_routes.drop("share"),
            "origin_iso3",
            "destination_iso3",
            "victims",
            title=map_title,
            subtitle=subtitle,
            source=source,
            rule=rule,
        ),
        f"flow_map{suffix}",
    )
