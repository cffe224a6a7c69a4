"""Small, disclosure-controlled views that the notebooks show: the sources table, shares with intervals.

Every count in a view passes :mod:`evidence.presentation.disclosure`; a share or interval of a withheld
count is withheld too (it would give the count back with its denominator).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

import polars as pl

from evidence.presentation.disclosure import DisclosureRule, suppress_counts
from evidence.sources.loaded import LoadedTable


def percent(values: pl.Series | pl.Expr, digits: int = 1) -> pl.Expr:
    """A share (0..1) as text such as ``"27.5%"``; empty where null."""
    expr = values if isinstance(values, pl.Expr) else pl.lit(values)
    scaled = (expr * 100).round(digits)
    text = scaled.cast(pl.Int64).cast(pl.String) if digits == 0 else scaled.cast(pl.String)
    return pl.when(expr.is_not_null()).then(text + "%").otherwise(pl.lit(""))


def withheld_share(share: pl.Series, suppressed: pl.Series, digits: int = 1) -> pl.Series:
    """Shares as percentages, empty where the count they belong to is withheld."""
    frame = pl.DataFrame({"share": share, "suppressed": suppressed.fill_null(False)})
    return frame.select(
        pl.when(pl.col("suppressed"))
        .then(pl.lit(""))
        .otherwise(percent(pl.col("share"), digits))
        .alias("share")
    )["share"]


def shares_view(shares: pl.DataFrame, rule: DisclosureRule, *, label: str = "category") -> pl.DataFrame:
    """A shares table (columns category, count, n_known, share, ci_low, ci_high) for display.

    ``n_known`` (the denominator) is disclosed too; a share and its interval are shown only where its count
    is published."""
    counts = [c for c in ("count", "n_known", "n_unknown") if c in shares.columns]
    disclosed = suppress_counts(shares.select("category", *counts), counts, rule)
    hidden = disclosed.frame["count_suppressed"] | disclosed.frame["n_known_suppressed"]
    interval = pl.DataFrame({"low": shares["ci_low"], "high": shares["ci_high"], "hidden": hidden}).select(
        pl.when(pl.col("hidden") | pl.col("low").is_null())
        .then(pl.lit(""))
        .otherwise(percent(pl.col("low")) + " – " + percent(pl.col("high")))
        .alias("interval")
    )["interval"]
    return (
        disclosed.display()
        .rename({"category": label})
        .with_columns(share=withheld_share(shares["share"], hidden), **{"95% interval": interval})
    )


def sources_view(tables: Iterable[LoadedTable], rule: DisclosureRule) -> pl.DataFrame:
    """One row per loaded file: source, release, synthetic label, row accounting (disclosed), citation."""
    rows = []
    for t in tables:
        p = t.provenance
        rows.append(
            {
                "source": p.source,
                "release": p.release,
                "layout": p.layout,
                "records": "synthetic demo" if p.demo else ("synthetic" if p.synthetic else "real"),
                "rows_read": t.rows_in,
                "rows_kept": t.rows_kept,
                "rows_rejected": t.rows_rejected,
                "citation": p.citation_text(),
            }
        )
    if not rows:
        return pl.DataFrame()
    frame = pl.DataFrame(rows)
    return suppress_counts(frame, ["rows_read", "rows_kept", "rows_rejected"], rule).display()


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


def interval_table_view(
    low: pl.DataFrame, high: pl.DataFrame, keys: list[str], rule: DisclosureRule
) -> pl.DataFrame:
    """Two tables of the same rows and columns, holding the low and the high bounds of counts, shown as one:
    the count where the bounds agree, else ``"low–high"``; every bound disclosed."""
    counts = [c for c in low.columns if c not in keys]
    shown_low = suppress_counts(low, counts, rule).display()
    shown_high = suppress_counts(high.select(low.columns), counts, rule).display()
    return shown_low.select(
        *keys,
        *[
            pl.when(pl.col(c) == shown_high[c])
            .then(pl.col(c))
            .otherwise(pl.col(c) + "–" + shown_high[c])
            .alias(c)
            for c in counts
        ],
    )


def source_line(tables: Iterable[LoadedTable]) -> str:
    """The sources of a chart in one line, e.g. ``"CTDC 2024; UNODC GLOTIP 2023-05-30"``, with synthetic data
    named as such."""
    parts = []
    for t in tables:
        p = t.provenance
        label = f"{p.source.replace('_', ' ').upper()} {p.release}"
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


def show_table(frame: pl.DataFrame, *, caption: str | None = None, note: str | None = None) -> None:
    """Show an already-disclosed table as HTML and as a Markdown pipe table (renderers pick what they read:
    JupyterLab and nbconvert the HTML, Quarto and pandoc either), without polars' dtype and shape lines."""
    from IPython.display import display

    texts = frame.select(pl.all().cast(pl.String).fill_null(""))
    numeric = [
        bool(texts.height) and all(_NUMERIC_TEXT.match(v) for v in texts[c].to_list() if v)
        for c in texts.columns
    ]
    display(
        {
            "text/html": _table_html(texts, numeric, caption, note),
            "text/markdown": _table_markdown(texts, numeric, caption, note),
            "text/plain": str(frame),
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
