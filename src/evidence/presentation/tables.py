"""Disclosed tables for notebooks and briefs: HTML and Markdown with ``<5`` labels and a source note.

Only a :class:`~evidence.presentation.disclosure.DisclosedTable` can be formatted, so nothing reaches a page
without passing disclosure control. Counts get thousands separators; suppressed counts show the rule's label
(``<5``) and complementary suppressions ``x``; shares (``shares="column"`` or ``"row"``) are computed
by :func:`~evidence.presentation.disclosure.disclosed_share` and shown as ``12.3%``, or ``–`` where they
cannot be published. Every table ends with a note that explains the labels it uses and names the source.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Literal

import polars as pl

from evidence.core.errors import ParameterError
from evidence.presentation.disclosure import (
    COMPLEMENT_LABEL,
    PERTURBATION_NOTE,
    SHARE_SUPPRESSED_LABEL,
    DisclosedTable,
    disclosed_share,
)

__all__ = ["display_frame", "format_share", "table_html", "table_markdown", "table_notes"]

Shares = Literal["column", "row"] | None


def format_share(value: float | None, decimals: int = 1) -> str:
    """A share (0..1) as a percentage, ``"12.3%"``; ``"–"`` when it cannot be published."""
    if value is None:
        return SHARE_SUPPRESSED_LABEL
    return f"{value * 100:,.{decimals}f}%"


def display_frame(
    table: DisclosedTable, *, shares: Shares = None, decimals: int = 1, thousands_separator: str = ","
) -> pl.DataFrame:
    """The table as strings: counts (``"1,234"``, ``"<5"``, ``"x"``) or, with ``shares``, percentages."""
    if shares is None:
        return table.display(thousands_separator=thousands_separator)
    share_frame = disclosed_share(table, shares)
    shown = table.display()
    return shown.with_columns(
        pl.Series(c, [format_share(v, decimals) for v in share_frame[c].to_list()], dtype=pl.String)
        for c in table.count_columns
    )


def table_notes(table: DisclosedTable, source: str, *, shares: Shares = None) -> list[str]:
    """The lines under a table: which labels mean what (only those used), how shares were computed, source."""
    if not source or not source.strip():
        raise ParameterError("every table names its source (e.g. source='CTDC global dataset, 2023')")
    notes = []
    reasons = {r for c in table.count_columns for r in table.reasons[c].drop_nulls().to_list()}
    if "small" in reasons:
        notes.append(
            f"{table.rule.label}: fewer than {table.rule.threshold}, not shown to protect individuals."
        )
    if "complement" in reasons:
        notes.append(
            f"{COMPLEMENT_LABEL}: withheld so that a small count cannot be recomputed from the totals."
        )
    if table.perturbed:
        notes.append(PERTURBATION_NOTE)
    if shares is not None:
        notes.append(
            f"Shares of the {shares} total; {SHARE_SUPPRESSED_LABEL} where the count or the total is "
            "withheld."
        )
    notes.append(source if source.lower().startswith("source") else f"Source: {source}")
    return notes


def _headers(table: DisclosedTable, labels: Mapping[str, str] | None) -> list[str]:
    labels = labels or {}
    return [labels.get(c, c) for c in table.key_columns + list(table.count_columns)]


def table_html(
    table: DisclosedTable,
    *,
    source: str,
    caption: str | None = None,
    shares: Shares = None,
    decimals: int = 1,
    labels: Mapping[str, str] | None = None,
) -> str:
    """An HTML ``<table>`` (caption, header, body, totals row, notes in ``<tfoot>``), escaped and self-styled.

    ``labels`` renames columns for the header (e.g. ``{"F": "Female"}``).
    """
    shown = display_frame(table, shares=shares, decimals=decimals)
    headers = _headers(table, labels)
    n_keys = len(table.key_columns)
    right = ' style="text-align:right"'
    parts = ['<table class="evidence-table" style="border-collapse:collapse">']
    if caption:
        parts.append(f'<caption style="text-align:left;font-weight:bold">{html.escape(caption)}</caption>')
    head = "".join(
        f'<th scope="col"{right if i >= n_keys else ""}>{html.escape(h)}</th>' for i, h in enumerate(headers)
    )
    parts.append(f"<thead><tr>{head}</tr></thead>")
    parts.append("<tbody>")
    for index, row in enumerate(shown.iter_rows()):
        is_total = table.has_total_row and index == shown.height - 1
        cells = []
        for i, value in enumerate(row):
            text = html.escape(value or "")
            if i < n_keys:
                cells.append(f'<th scope="row" style="text-align:left">{text}</th>')
            else:
                cells.append(f"<td{right}>{text}</td>")
        style = ' class="total" style="font-weight:bold;border-top:1px solid #888"' if is_total else ""
        parts.append(f"<tr{style}>{''.join(cells)}</tr>")
    parts.append("</tbody>")
    notes = "<br>".join(html.escape(n) for n in table_notes(table, source, shares=shares))
    note_style = "font-size:smaller;text-align:left"
    parts.append(f'<tfoot><tr><td colspan="{len(headers)}" style="{note_style}">{notes}</td></tr></tfoot>')
    parts.append("</table>")
    return "\n".join(parts)


def _markdown_cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|")


def table_markdown(
    table: DisclosedTable,
    *,
    source: str,
    caption: str | None = None,
    shares: Shares = None,
    decimals: int = 1,
    labels: Mapping[str, str] | None = None,
) -> str:
    """A pipe table (numbers right-aligned, totals row in bold) followed by its notes, for Markdown/Quarto."""
    shown = display_frame(table, shares=shares, decimals=decimals)
    headers = _headers(table, labels)
    n_keys = len(table.key_columns)
    lines = []
    if caption:
        lines += [f"**{_markdown_cell(caption)}**", ""]
    lines.append("| " + " | ".join(_markdown_cell(h) for h in headers) + " |")
    lines.append("|" + "|".join(":---" if i < n_keys else "---:" for i in range(len(headers))) + "|")
    for index, row in enumerate(shown.iter_rows()):
        cells = [_markdown_cell(v) for v in row]
        if table.has_total_row and index == shown.height - 1:
            cells = [f"**{c}**" if c else c for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines += [f"{note}  " for note in table_notes(table, source, shares=shares)]
    return "\n".join(lines).rstrip() + "\n"
