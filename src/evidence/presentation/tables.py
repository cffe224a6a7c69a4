"""Tables for notebooks and briefs: one writer for HTML and Markdown, with ``<5`` labels, notes and kinds.

A table is shown from a :class:`TableData`: its cells as the strings a reader sees, its caption, its notes,
and per column what the numbers in it are (``kind``: counts of people, shares, countries, ... see
:data:`~evidence.presentation.disclosure.NUMBER_KINDS`). :func:`table_data` makes one from a
:class:`~evidence.presentation.disclosure.DisclosedTable` (counts with thousands separators, the rule's label
``<5`` for small counts, ``x`` for complementary suppressions, shares with ``shares="column"`` or ``"row"``
as ``12.3%`` or ``–`` where they cannot be published, and a note under the table that explains the labels
used and names the source) or from a frame whose values are already disclosed.

The same object writes HTML (:meth:`TableData.to_html`: every text escaped, each cell marked with
``data-kind`` for the disclosure scanner), a Markdown pipe table (:meth:`TableData.to_markdown`: every text
escaped) and JSON (:meth:`TableData.to_json`), and :meth:`TableData.bundle` puts all three in one notebook
display bundle (JSON under :data:`TABLE_MIME`), so that a brief is built from the table's data, not from
its HTML.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import polars as pl

from evidence.core.errors import InputError, ParameterError
from evidence.presentation.disclosure import (
    COLUMN_KIND_ATTRIBUTE,
    COMPLEMENT_LABEL,
    KIND_ATTRIBUTE,
    LABEL,
    PEOPLE,
    PERTURBATION_NOTE,
    SHARE_SUPPRESSED_LABEL,
    DisclosedTable,
    check_kind,
    disclosed_share,
)
from evidence.presentation.markup import escape_html, escape_markdown

__all__ = [
    "PAGE_CHARS",
    "TABLE_MIME",
    "Column",
    "TableData",
    "display_frame",
    "format_share",
    "is_source_note",
    "source_note",
    "table_data",
    "table_html",
    "table_markdown",
    "table_notes",
]

Shares = Literal["column", "row"] | None

#: The MIME type under which a notebook's display bundle carries a table's data (read by the brief builder).
TABLE_MIME = "application/vnd.evidence.table+json"
_FORMAT_VERSION = 1
# a cell that holds a number, a range ("up to 12" too: disclosure.range_text), a bound ("≤ 0.0125": a q-value of
# the emerging corridors), a label such as "<5" or "x", a
# share: right-aligned
_NUMERIC_TEXT = re.compile(r"^(?:up to (?=\d)|[≤≥] (?=\d))?[<>~x–\-+]?[\d,.\s%–<-]*$")
# ... possibly with the year it is for in brackets ("134 (2021)", "<5 (2020)"); and what such a column shows
# where it has no number
_BRACKET_NOTE = re.compile(r"\s*\([^()]*\)$")
# ("not estimable (separation)": a model's term without a finite estimate; "n/c": a ratio not compared, in the
# column of detected victims per 1,000 estimated beside the neighbours, which it left-aligned)
_NO_NUMBER = frozenset({"n/a", "n/c", "no total", "not estimable"})

#: Characters of table text on a line of the PDF page (the brief's Typst template: A4, its margins, tables set
#: at 0.85em), and what a cell's inset takes: brief.lua's estimates, which size a PDF table's columns.
PAGE_CHARS = 90
_CELL_CHARS = 2


def _notes_words(cell: str) -> list[str]:
    """The words of the note in brackets that ends a cell ("2021 (may count a person twice: ...)"), if any."""
    found = _BRACKET_NOTE.search(cell)
    return found.group(0).split() if found else []


def _numeric_column(values: Iterable[str]) -> bool:
    """Whether a column of cells holds numbers (right-aligned in every format): every cell that is not empty
    is a number, a range or a label such as ``<5``, ``n/a`` or ``not estimable``, with or without a note in
    brackets."""
    bare = (_BRACKET_NOTE.sub("", v) for v in values if v)  # without its note in brackets
    return all(v in _NO_NUMBER or _NUMERIC_TEXT.match(v) is not None for v in bare)


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
    if shares is not None:
        # its withheld cells read "–", never <5 or x: the note on shares says what a dash withholds (a count of
        # people, which a reader of shares could take for a share under 5%), not legends of labels not shown
        why = []
        if "small" in reasons:
            threshold = table.rule.threshold
            after = " before or after perturbation" if table.perturbed else ""
            why.append(f"a count of fewer than {threshold} people{after} (not a share under {threshold}%)")
        if "complement" in reasons:
            why.append(
                f"{'one' if why else 'a count'} withheld so that no small count can be recomputed from a total"
            )
        notes.append(
            f"Shares of the {shares} total; {SHARE_SUPPRESSED_LABEL} where the count or the total is withheld"
            + (f": {', or '.join(why)}." if why else ".")
        )
    else:
        if "small" in reasons:
            notes.append(small_note(table.rule.label, table.rule.threshold, perturbed=table.perturbed))
        if "complement" in reasons:
            notes.append(complement_note(table.frame))
    if table.perturbed:
        notes.append(PERTURBATION_NOTE)
    notes.append(source_note(source))
    return notes


def small_note(
    label: str, threshold: int, *, perturbed: bool = False, ranges: bool = False, shares: bool = False
) -> str:
    """What a small cell's label (``<5``) means under a table; of a perturbed table, a count small before or
    after its perturbation (a 5 moved to 4 is ``<5`` too). Of a table of ranges (``ranges``: UNODC's censored
    counts, low–high), a range whose low end is small too: its whole range is withheld, high end and all (8–17
    is ``<11`` at a threshold of 11: :func:`evidence.notebooks.builders.published_pair`), so "fewer than 11"
    alone would be false of it. Said of every table of ranges, never only of one whose withheld range reaches
    the threshold: words chosen by the hidden values would tell them. ``shares``: the label stands in a column of
    shares (``37%``, ``<11``), where a reader would take it for a share under 11%: the note says it is a count
    of people."""
    after = " before or after perturbation" if perturbed else ""
    if ranges:
        after += (
            f", or a range of counts whose low end is below {threshold} (the whole range withheld, its high end "
            "too)"
        )
    if shares:
        return (
            f"{label}: fewer than {threshold} people{after}, not shown to protect individuals; in a column of "
            f"shares it is the count of people behind the share that is fewer than {threshold}, not the share "
            f"(not under {threshold}%), and the share is withheld with it."
        )
    return f"{label}: fewer than {threshold}{after}, not shown to protect individuals."


def source_note(source: str) -> str:
    """The line under a table (or a chart) that names its sources: ``"Source: UNODC GLOTIP, release 30 May
    2023"``, or ``source`` as it is when it says "Source..." itself. The table writer marks it as a label
    (:meth:`TableData.to_html`): a source's title or release ("CTDC extract 2 of 3", "release 3 March 2024")
    counts nobody, as a caption does not."""
    return source if source.lower().startswith("source") else f"Source: {source}"


def is_source_note(note: str) -> bool:
    """Whether a note under a table is its source line (:func:`source_note`): "Source: ..." or "Sources: ..."."""
    return _SOURCE_NOTE.match(note) is not None


_SOURCE_NOTE = re.compile(r"sources?:\s", re.IGNORECASE)


#: What ``x`` means under a table: a cell withheld though not small itself (its difference from a total, or from
#: the "Recorded" line, would be a small count).
COMPLEMENT_NOTE = (
    f"{COMPLEMENT_LABEL}: withheld, though not itself small, so that no small count can be recomputed by "
    "subtracting it from a total published beside it."
)
#: :data:`COMPLEMENT_NOTE` of a table with a "Recorded" line or column (the case data's profiles), a margin that
#: is a total under another name.
COMPLEMENT_NOTE_RECORDED = (
    f"{COMPLEMENT_LABEL}: withheld, though not itself small, so that no small count can be recomputed by "
    "subtracting it from a total or a margin (such as Recorded) published beside it."
)


def complement_note(frame: pl.DataFrame) -> str:
    """The legend of ``x`` under ``frame``: it names a Recorded margin only where the table has one (a UNODC
    table of routes has none)."""
    recorded = "Recorded" in frame.columns or any(
        "Recorded" in frame[c].cast(pl.String).to_list() for c in frame.columns[:1]
    )
    return COMPLEMENT_NOTE_RECORDED if recorded else COMPLEMENT_NOTE


_SMALL_LABEL = re.compile(r"(?:^|[\s–(-])<(\d+)(?:$|[\s–)-])")


def withheld_notes(
    shown: pl.DataFrame, *, perturbed: bool = False, ranges: bool = False, shares: bool = False
) -> list[str]:
    """What the labels of withheld cells mean, for a table of already disclosed text (``<5``, ``x``), only for
    the labels it uses: the same notes a :class:`DisclosedTable` gets from :func:`table_notes` (``perturbed``: a
    table of perturbed counts, whose small counts are small before or after perturbation; ``ranges``: a table of
    ranges, whose small label may stand for a range with a small low end, :func:`small_note`). A small label in
    a column of shares (``37%``, or any column with ``shares``: a table of shares whose column may show none)
    is said to be a count of people, not a share under the threshold in percent."""
    thresholds: set[int] = set()
    among_shares: set[int] = set()  # the thresholds of labels that stand in a column of shares
    complement = False
    for column in shown.columns:
        cells = [str(cell) for cell in shown[column].drop_nulls().to_list()]
        found = {int(m) for text in cells for m in _SMALL_LABEL.findall(text)}
        thresholds |= found
        among_shares |= found if shares or _share_column(cells) else set()
        complement = complement or any(
            text == COMPLEMENT_LABEL or text.startswith(f"{COMPLEMENT_LABEL} (") for text in cells
        )
    notes = [
        small_note(f"<{t}", t, perturbed=perturbed, ranges=ranges, shares=t in among_shares)
        for t in sorted(thresholds)
    ]
    if complement:
        notes.append(complement_note(shown))
    return notes


# a share as a table shows it ("37%", "12.5%"), and what else a column of shares holds: a withheld cell's label,
# "–" (a share not shown), nothing
_SHARE_TEXT = re.compile(r"^\d[\d,]*(?:\.\d+)?%$")
_NOT_A_SHARE = re.compile(r"^(?:<\d+|x|–|)$")


def _share_column(cells: Sequence[str]) -> bool:
    """Whether a column's cells are shares (``37%``) but for its withheld cells' labels and dashes: a column in
    which ``<11`` reads as a share under 11%, not as the count of people it is."""
    shares = [c for c in cells if not _NOT_A_SHARE.match(c.strip())]
    return bool(shares) and all(_SHARE_TEXT.match(c.strip()) for c in shares)


def _explained(label: str, note: str | None, *, legend: bool = False) -> bool:
    """Whether the caller's note names a withheld cell's label (``x: ...``, "shown as <5"), as a word of its own:
    not any note holding the letter x ("exploitation"), nor ``<50`` for ``<5``. ``legend``: only a legend of it
    (``<5: ...``) explains it, as of a table of ranges, whose note on the publisher's own cells ("cells the
    publisher gives as <5") names ``<5`` without saying what this table's ``<5`` is."""
    if legend:
        return bool(note) and re.search(rf"(?<!\w){re.escape(label)}:", note or "") is not None
    return bool(note) and re.search(rf"(?<!\w){re.escape(label)}(?!\w)", note or "") is not None


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of a :class:`TableData`: its name in the data, its header, what its numbers are (a kind
    of :data:`~evidence.presentation.disclosure.NUMBER_KINDS`, or None when not declared: the disclosure
    scanner then reads it with its heuristics) and whether it is right-aligned."""

    name: str
    header: str
    kind: str | None = None
    numeric: bool = False


@dataclasses.dataclass(frozen=True)
class TableData:
    """A table as a reader sees it (every cell a string) with what it needs to be written anywhere.

    ``row_headers`` is how many leading columns name the row (written as row headers); ``total_row`` says
    the last row is a totals row (bold); ``cell_kinds``, when given, says per cell what its numbers are (a
    table of mixed rows, e.g. item/value), None in a cell leaving it to its column's kind.
    """

    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str | None = None
    notes: tuple[str, ...] = ()
    row_headers: int = 0
    total_row: bool = False
    cell_kinds: tuple[tuple[str | None, ...], ...] | None = None

    def __post_init__(self) -> None:
        width = len(self.columns)
        for i, row in enumerate(self.rows):
            if len(row) != width:
                raise ParameterError(f"table row {i + 1} has {len(row)} cells for {width} columns")
        for column in self.columns:
            if column.kind is not None:
                check_kind(column.kind)
        if self.cell_kinds is not None:
            if len(self.cell_kinds) != len(self.rows) or any(len(r) != width for r in self.cell_kinds):
                raise ParameterError("cell_kinds must have the table's rows and columns")
            for kind in {k for row in self.cell_kinds for k in row if k is not None}:
                check_kind(kind)

    def kind_of(self, row: int, column: int) -> str | None:
        """What the numbers of one cell are: its own kind, else its column's."""
        own = self.cell_kinds[row][column] if self.cell_kinds is not None else None
        return own if own is not None else self.columns[column].kind

    @classmethod
    def from_cells(
        cls,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        caption: str | None = None,
        notes: Sequence[str] = (),
        kinds: Mapping[str, str] | None = None,
    ) -> TableData:
        """A table of text cells (short rows padded with empty cells); a column is right-aligned when all
        its cells hold numbers or labels such as ``<5``; ``kinds`` by header."""
        width = max([len(headers), *(len(r) for r in rows)])
        headers = [*headers, *[""] * (width - len(headers))]
        body = tuple((*r, *[""] * (width - len(r))) for r in rows)
        kinds = kinds or {}
        columns = tuple(
            Column(
                name=h,
                header=h,
                kind=kinds.get(h),
                numeric=bool(body) and _numeric_column(r[i] for r in body),
            )
            for i, h in enumerate(headers)
        )
        return cls(columns=columns, rows=body, caption=caption, notes=tuple(notes))

    # ----------------------------------------------------------------------------------------- writers

    def to_html(self) -> str:
        """An HTML ``<table>`` (caption, header, body, notes in ``<tfoot>``), escaped and self-styled; every
        cell of a column with a kind carries ``data-kind``. The caption and the header cells are labels
        (``data-kind="label"``: the disclosure scan reads the cells' numbers, not the names of their columns),
        a header cell saying what its column's numbers are in ``data-column-kind``."""

        def attributes(column: Column, scope: str) -> str:
            if scope == "col":
                # a header names its column (a category such as "Q6.1_10s_2019" included): a label, never
                # read as a count; what the column's numbers are rides along for readers of the HTML
                own = (
                    f' {COLUMN_KIND_ATTRIBUTE}="{escape_html(column.kind)}"'
                    if column.kind is not None
                    else ""
                )
                kind = f' {KIND_ATTRIBUTE}="{LABEL}"{own}'
            else:
                kind = f' {KIND_ATTRIBUTE}="{escape_html(column.kind)}"' if column.kind is not None else ""
            align = "right" if column.numeric else "left"
            return f' scope="{scope}"{kind} style="text-align:{align}"'

        parts = ['<table class="evidence-table" style="border-collapse:collapse">']
        if self.caption:
            parts.append(
                f'<caption {KIND_ATTRIBUTE}="{LABEL}" style="text-align:left;font-weight:bold">'
                f"{escape_html(self.caption)}</caption>"
            )
        head = "".join(f"<th{attributes(c, 'col')}>{escape_html(c.header)}</th>" for c in self.columns)
        parts.append(f"<thead><tr>{head}</tr></thead>")
        parts.append("<tbody>")
        for index, row in enumerate(self.rows):
            cells = []
            for i, (column, value) in enumerate(zip(self.columns, row, strict=True)):
                text = escape_html(value)
                if i < self.row_headers:
                    cells.append(f"<th{attributes(column, 'row')}>{text}</th>")
                else:
                    cell_kind = self.kind_of(index, i)
                    kind = f' {KIND_ATTRIBUTE}="{escape_html(cell_kind)}"' if cell_kind else ""
                    align = ' style="text-align:right"' if column.numeric else ""
                    cells.append(f"<td{kind}{align}>{text}</td>")
            is_total = self.total_row and index == len(self.rows) - 1
            style = ' class="total" style="font-weight:bold;border-top:1px solid #888"' if is_total else ""
            parts.append(f"<tr{style}>{''.join(cells)}</tr>")
        parts.append("</tbody>")
        if self.notes:
            # the source line names sources (titles and releases such as "extract 2 of 3"), a label like the
            # caption: the disclosure scan reads the other notes, never the names of the sources
            notes = "<br>".join(
                f'<span {KIND_ATTRIBUTE}="{LABEL}">{escape_html(n)}</span>'
                if is_source_note(n)
                else escape_html(n)
                for n in self.notes
            )
            parts.append(
                f'<tfoot><tr><td colspan="{len(self.columns)}" style="font-size:smaller;text-align:left">'
                f"{notes}</td></tr></tfoot>"
            )
        parts.append("</table>")
        return "\n".join(parts)

    def _column_chars(self, column: int) -> int:
        """The characters a column needs on the page: the longest cell of a column of numbers (a number or a
        range does not wrap), else its longest word, as the longest word of its header (text wraps within its
        column, as brief.lua sets it: a long note beside two numbers needs no second table), with the cell's
        inset."""
        header = max((len(word) for word in self.columns[column].header.split()), default=0)
        if self.columns[column].numeric:
            # a note in brackets after the number wraps under it (brief.lua, brief.css): its longest word counts
            cells = max(
                (
                    max(
                        [
                            len(_BRACKET_NOTE.sub("", row[column])),
                            *(len(w) for w in _notes_words(row[column])),
                        ]
                    )
                    for row in self.rows
                ),
                default=0,
            )
        else:
            cells = max((len(word) for row in self.rows for word in row[column].split()), default=0)
        return max(header, cells, 1) + _CELL_CHARS

    def column_groups(self, page_chars: int = PAGE_CHARS) -> tuple[TableData, ...]:
        """The table as it fits a page ``page_chars`` characters wide: itself when it fits; else its columns in
        consecutive groups, each a table that fits, with the columns that name the rows (its row headers, else
        its first column) repeated in each, its rows (totals row included) whole, the groups as even as they
        can be; the caption says which part each is ("part 1 of 3"), the notes stand under the last.

        The one rule for every table too wide for the page (a table by year with a column per citizenship, 20
        or 36 columns): its columns were squeezed until the text overlapped in the PDF.
        """
        width = len(self.columns)
        needs = [self._column_chars(i) for i in range(width)]
        if sum(needs) <= page_chars or width < 3:
            return (self,)
        named = max(self.row_headers, 1)
        rest = list(range(named, width))
        room = max(page_chars - sum(needs[:named]), 1)

        def split(limit: float) -> list[list[int]]:
            groups: list[list[int]] = [[]]
            used = 0
            for i in rest:
                if groups[-1] and used + needs[i] > limit:
                    groups.append([])
                    used = 0
                groups[-1].append(i)
                used += needs[i]
            return groups

        groups = split(room)
        # as even as they can be: the narrowest limit that needs no more groups than the page does
        total = sum(needs[i] for i in rest)
        for limit in range(max(total // len(groups), 1), room + 1):
            if len(even := split(limit)) <= len(groups):
                groups = even
                break
        if len(groups) == 1:
            return (self,)
        parts = []
        for number, group in enumerate(groups, 1):
            keep = [*range(named), *group]
            caption = f"{self.caption or 'Table'} (part {number} of {len(groups)})"
            parts.append(
                TableData(
                    columns=tuple(self.columns[i] for i in keep),
                    rows=tuple(tuple(row[i] for i in keep) for row in self.rows),
                    caption=caption,
                    notes=self.notes if number == len(groups) else (),
                    row_headers=named,
                    total_row=self.total_row,
                    cell_kinds=None
                    if self.cell_kinds is None
                    else tuple(tuple(row[i] for i in keep) for row in self.cell_kinds),
                )
            )
        return tuple(parts)

    def to_markdown(self) -> str:
        """A pipe table (numbers right-aligned, totals row in bold) with its caption as a bold line above
        and its notes below; every text escaped. A table too wide for the page is written twice, in Quarto's
        conditional content (which both renderers honour): whole for HTML (where it scrolls in its box), and
        as the tables of its column groups (:meth:`column_groups`), one under the other, for every other
        format (the PDF's page)."""
        parts = self.column_groups()
        if len(parts) == 1:
            return self._pipe_table()
        return "\n".join(
            [
                '::: {.content-visible when-format="html"}',
                self._pipe_table(),
                ":::",
                "",
                '::: {.content-visible unless-format="html"}',
                "\n".join(part._pipe_table() for part in parts),
                ":::",
                "",
            ]
        )

    def _pipe_table(self) -> str:
        lines = []
        if self.caption:
            lines += [f"**{escape_markdown(self.caption)}**", ""]
        lines.append("| " + " | ".join(escape_markdown(c.header) for c in self.columns) + " |")
        lines.append("|" + "|".join("---:" if c.numeric else ":---" for c in self.columns) + "|")
        for index, row in enumerate(self.rows):
            cells = [escape_markdown(v) for v in row]
            if self.total_row and index == len(self.rows) - 1:
                cells = [f"**{c}**" if c else c for c in cells]
            lines.append("| " + " | ".join(cells) + " |")
        if self.notes:
            lines.append("")
            lines += [f"{escape_markdown(note)}  " for note in self.notes]
        return "\n".join(lines).rstrip() + "\n"

    def to_json(self) -> dict[str, Any]:
        """The table as JSON-ready data (what :meth:`from_json` reads back)."""
        return {
            "version": _FORMAT_VERSION,
            "caption": self.caption,
            "columns": [dataclasses.asdict(c) for c in self.columns],
            "rows": [list(r) for r in self.rows],
            "notes": list(self.notes),
            "row_headers": self.row_headers,
            "total_row": self.total_row,
            "cell_kinds": None if self.cell_kinds is None else [list(r) for r in self.cell_kinds],
        }

    @classmethod
    def from_json(cls, data: Any) -> TableData:
        """Read :meth:`to_json`'s data (e.g. from an executed notebook); :class:`InputError` if malformed."""
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError as exc:
                raise InputError(f"a table's data are not JSON: {exc}") from exc
        try:
            if not isinstance(data, dict) or data.get("version") != _FORMAT_VERSION:
                raise TypeError(f"not version {_FORMAT_VERSION} table data")
            columns = tuple(
                Column(
                    name=_string(c["name"]),
                    header=_string(c["header"]),
                    kind=None if c.get("kind") is None else _string(c["kind"]),
                    numeric=bool(c.get("numeric", False)),
                )
                for c in data["columns"]
            )
            rows = tuple(tuple(_string(v) for v in row) for row in data["rows"])
            caption = data.get("caption")
            cell_kinds = data.get("cell_kinds")
            return cls(
                columns=columns,
                rows=rows,
                caption=None if caption is None else _string(caption),
                notes=tuple(_string(n) for n in data.get("notes") or ()),
                row_headers=int(data.get("row_headers") or 0),
                total_row=bool(data.get("total_row")),
                cell_kinds=None
                if cell_kinds is None
                else tuple(tuple(None if k is None else _string(k) for k in r) for r in cell_kinds),
            )
        except (KeyError, TypeError, ValueError, ParameterError) as exc:
            raise InputError(f"malformed table data ({exc})") from exc

    def bundle(self) -> dict[str, Any]:
        """A notebook display bundle: HTML and Markdown for readers and renderers, the data for briefs."""
        return {
            TABLE_MIME: self.to_json(),
            "text/html": self.to_html(),
            "text/markdown": self.to_markdown(),
            "text/plain": self.caption or "",
        }


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def _names_rows(shown: pl.DataFrame, numeric: Mapping[str, bool], kinds: Mapping[str, Any]) -> str | None:
    """The column of a frame that names its rows, as a :class:`DisclosedTable`'s key column does: its first, when
    it is text (not a column of numbers) beside other columns and the caller gave it no kind. A label: the
    disclosure scan reads the count columns, never "3 or more lists" or "<1 year" as a count (the scan itself
    reads the first cell of a row of several as its name)."""
    if shown.width < 2:
        return None
    first = shown.columns[0]
    return None if numeric[first] or first in kinds else first


def table_data(
    table: DisclosedTable | pl.DataFrame,
    *,
    source: str | None = None,
    caption: str | None = None,
    note: str | None = None,
    shares: Shares = None,
    decimals: int = 1,
    labels: Mapping[str, str] | None = None,
    kinds: Mapping[str, str | Sequence[str | None]] | None = None,
    perturbed: bool = False,
    ranges: bool = False,
) -> TableData:
    """A :class:`TableData` of a disclosed table or of a frame of already disclosed values.

    A :class:`DisclosedTable` is formatted with its labels and notes (``source`` is required); its key
    columns are labels and its count columns counts of people (shares with ``shares``), unless ``kinds``
    says otherwise (e.g. ``{"year": "years"}``). A frame's values are shown as text (nulls empty), its
    headers with spaces for underscores; its columns have only the kinds ``kinds`` gives them. ``labels``
    renames columns for the header; ``note`` is added under the table. A kind given as a list says what each
    row's cell of that column is (``{"value": ["lists", "people", ...]}``, for a table of mixed rows).
    ``perturbed``: the counts of the frame were perturbed by the cell key method (a frame made from a perturbed
    :class:`DisclosedTable` has lost its flag), which :data:`PERTURBATION_NOTE` says under it, as under every
    perturbed :class:`DisclosedTable`. ``ranges``: the frame shows ranges of censored counts (UNODC's, low–high),
    whose small label the note under it says may stand for a range with a small low end (:func:`small_note`).
    ``shares`` of a frame: it is a table of shares (the heat table of means of control by form), whose small
    label the note under it says is a count of people, not a share (as of any column that shows shares).
    """
    given = dict(kinds or {})
    column_kinds = {c: k for c, k in given.items() if isinstance(k, str)}
    per_row = {c: list(k) for c, k in given.items() if not isinstance(k, str)}
    labels = labels or {}
    if isinstance(table, DisclosedTable):
        if source is None:
            raise ParameterError("every table names its source (e.g. source='CTDC global dataset, 2023')")
        shown = display_frame(table, shares=shares, decimals=decimals)
        counts = set(table.count_columns)
        columns = tuple(
            Column(
                name=c,
                header=labels.get(c, c),
                kind=column_kinds.get(c, ("statistic" if shares else PEOPLE) if c in counts else "label"),
                numeric=c in counts,
            )
            for c in shown.columns
        )
        notes = table_notes(table, source, shares=shares)
        if perturbed and not table.perturbed:
            notes.insert(len(notes) - 1, PERTURBATION_NOTE)  # before the source line, as table_notes puts it
        row_headers, total_row = len(table.key_columns), table.has_total_row
    elif isinstance(table, pl.DataFrame):
        shown = table.select(pl.all().cast(pl.String).fill_null(""))
        # a year names its row, as in a DisclosedTable (where it is a key): left-aligned like any label,
        # whether or not the frame has a totals row (which made it text, and aligned it left, before)
        numeric = {c: bool(shown.height) and c != "year" and _numeric_column(shown[c]) for c in shown.columns}
        names_rows = _names_rows(shown, numeric, given)
        columns = tuple(
            Column(
                name=c,
                header=labels.get(c, c.replace("_", " ")),
                kind=column_kinds.get(c, LABEL if c == names_rows else None),
                numeric=numeric[c],
            )
            for c in shown.columns
        )
        # the labels a table shows are explained under it, unless the caller's note does so already: the labels
        # of its counts, not what a column of labels says ("<1 year" is no count withheld)
        count_cells = shown.select(c.name for c in columns if c.kind != LABEL)
        notes = [
            complement_note(shown) if n == COMPLEMENT_NOTE else n  # its Recorded line is a label: not a count
            for n in withheld_notes(
                count_cells, perturbed=perturbed, ranges=ranges, shares=shares is not None
            )
            if not _explained(n.split(":")[0], note, legend=ranges and n.startswith("<"))
        ]
        notes += [PERTURBATION_NOTE] if perturbed else []
        notes += [source_note(source)] if source else []
        row_headers, total_row = 0, False
    else:
        raise ParameterError(f"cannot show a {type(table).__name__} as a table")
    unknown = set(given) - set(shown.columns)
    if unknown:
        raise ParameterError(f"kinds given for columns the table does not have: {', '.join(sorted(unknown))}")
    for column, row_kinds in per_row.items():
        if len(row_kinds) != shown.height:
            raise ParameterError(f"{len(row_kinds)} kinds given for the {shown.height} rows of {column!r}")
    cell_kinds = (
        tuple(
            tuple(per_row[c][i] if c in per_row else None for c in shown.columns) for i in range(shown.height)
        )
        if per_row
        else None
    )
    if note:
        notes.append(note)
    return TableData(
        columns=columns,
        rows=tuple(tuple(r) for r in shown.iter_rows()),
        caption=caption,
        notes=tuple(notes),
        row_headers=row_headers,
        total_row=total_row,
        cell_kinds=cell_kinds,
    )


def table_html(
    table: DisclosedTable,
    *,
    source: str,
    caption: str | None = None,
    shares: Shares = None,
    decimals: int = 1,
    labels: Mapping[str, str] | None = None,
    kinds: Mapping[str, str] | None = None,
) -> str:
    """An HTML ``<table>`` of a disclosed table (see :func:`table_data` and :meth:`TableData.to_html`)."""
    return table_data(
        table, source=source, caption=caption, shares=shares, decimals=decimals, labels=labels, kinds=kinds
    ).to_html()


def table_markdown(
    table: DisclosedTable,
    *,
    source: str,
    caption: str | None = None,
    shares: Shares = None,
    decimals: int = 1,
    labels: Mapping[str, str] | None = None,
    kinds: Mapping[str, str] | None = None,
) -> str:
    """A Markdown pipe table of a disclosed table (see :func:`table_data`, :meth:`TableData.to_markdown`)."""
    return table_data(
        table, source=source, caption=caption, shares=shares, decimals=decimals, labels=labels, kinds=kinds
    ).to_markdown()
