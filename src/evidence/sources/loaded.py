"""The result of every loader: the canonical table, what was rejected and why, and provenance."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType  # what polars' own signatures take: a type or an instance

from evidence.core.text import overview_html, overview_text
from evidence.sources.provenance import OWN_RECORDS, Provenance

#: Schema of a rejects (and flags) table: one row per problem; a row of the file may have several problems.
ISSUES_SCHEMA: dict[str, PolarsDataType] = {
    "row": pl.Int64,  # 1-based line number in the file (header lines count), or the sheet row in a workbook
    "column": pl.String,
    "value": pl.String,
    "reason": pl.String,
}


def empty_issues() -> pl.DataFrame:
    """An empty rejects/flags table (a new frame each time, cleared from one made once: building one from the
    schema took 30 µs, and a loader asks for several)."""
    return _EMPTY_ISSUES.clear()


_EMPTY_ISSUES = pl.DataFrame(schema=ISSUES_SCHEMA)


def issues_frame(records: list[dict[str, Any]] | pl.DataFrame) -> pl.DataFrame:
    """Build a rejects/flags table from records (dicts with row, column, value, reason)."""
    if isinstance(records, pl.DataFrame):
        return records.select(
            [
                pl.col(c).cast(t) if c in records.columns else pl.lit(None, t).alias(c)
                for c, t in ISSUES_SCHEMA.items()
            ]
        )
    if not records:
        return empty_issues()
    return pl.DataFrame(records, schema=ISSUES_SCHEMA)


#: A row check: (the publisher's column label, the frame's column whose value is reported, condition, reason);
#: the reason is a text, or an expression when it differs from row to row.
Check = tuple[str, str, pl.Expr, str | pl.Expr]


def issues_where(frame: pl.DataFrame, checks: Sequence[Check]) -> pl.DataFrame:
    """One issue per check for each row of ``frame`` (with its ``source_row``) where the check's condition holds.

    The frame is narrowed to the columns the checks read (a check filters the frame it is given, every column of
    it; a check names its columns, ``pl.col(name)``, never a pattern), and only the checks that hold on some row
    are filtered for, told in one pass (most hold nowhere); the table is the one every check filtered for in turn
    would give."""
    if not checks:
        return empty_issues()
    used = {"source_row"}
    for _, column, condition, reason in checks:
        used.add(column)
        used.update(condition.meta.root_names())
        if isinstance(reason, pl.Expr):
            used.update(reason.meta.root_names())
    # (the columns taken by name, not selected by as many expressions to plan: a GSI file's 146, half a millisecond)
    kept = [c for c in frame.columns if c in used]
    narrow = frame[kept] if kept else frame.select(kept)
    # Each condition evaluated once, as a column (a condition true on every row broadcast as ``filter`` reads it):
    # whether it holds anywhere is then the column's own ``any``, and the rows where it holds are filtered by it.
    # (Asked as one aggregation per check, then filtered by the condition again, planning the checks cost more
    # than evaluating them on a file of a few rows: 74 checks, 2.3 ms against 1.5, twice for each GSI file.)
    names = [f"\0check{i}" for i in range(len(checks))]
    masks = narrow.with_columns(
        condition.alias(name) for name, (_, _, condition, _) in zip(names, checks, strict=True)
    )[names]
    parts = []
    for (label, column, _, reason), mask in zip(checks, masks.get_columns(), strict=True):
        if mask.dtype == pl.Null or mask.has_nulls():  # missing: the condition does not hold
            mask = mask.fill_null(False)
        if mask.any():
            parts.append(
                narrow.filter(mask).select(
                    pl.col("source_row").cast(pl.Int64).alias("row"),
                    pl.lit(label, pl.String).alias("column"),
                    pl.col(column).cast(pl.String).alias("value"),
                    (reason if isinstance(reason, pl.Expr) else pl.lit(reason, pl.String)).alias("reason"),
                )
            )
    return pl.concat(parts).sort("row", maintain_order=True) if parts else empty_issues()


class AccountingError(AssertionError):
    """rows_in != rows_kept + rows_rejected: a loader lost or invented rows. Always a bug."""


@dataclasses.dataclass
class LoadedTable:
    """A canonical table with its rejects, flags and provenance.

    ``rows_in`` counts data rows in the file; every one of them is either kept (in ``data``) or rejected
    (``rejects`` names it, with reasons). ``flags`` names kept rows that carry a problem worth reviewing.

    ``rows_left_out`` counts the rows of the file below its header that hold nothing (a blank line, a row of
    delimiters only, an empty sheet row: what a spreadsheet leaves of cleared or formatted rows), wherever they
    stand, and the note lines below the table (``Source: ...``, :func:`~evidence.sources.delimited.notes_below`;
    in the GSI, a text line or a regional total below its countries; in UNODC's data, a breakdown's own total
    written as one of its categories): no record, so neither kept nor
    rejected nor in ``rows_in``, but counted, and named by line or row in the provenance notes. Every row below
    the header is thus in ``rows_in`` (kept + rejected) or in ``rows_left_out``. ``rows_in`` stays a count of
    records: an export of empty rows only holds none (``rows_in`` 0), as the register's checks rely on."""

    data: pl.DataFrame
    provenance: Provenance
    rows_in: int
    rejects: pl.DataFrame = dataclasses.field(default_factory=empty_issues)
    flags: pl.DataFrame = dataclasses.field(default_factory=empty_issues)
    kind: str = "case"  # which canonical table: "case", "indicator", "tier", "gsi", "list_capture"
    rows_left_out: int = 0  # rows holding nothing and note lines (no record), named in the notes

    def __post_init__(self) -> None:
        self.check_accounting()

    @property
    def protection(self) -> str:
        """How this table's counts are protected when published: what its provenance states, else
        ``cell_key`` for victim-level records of real people, and ``suppression`` for everything else (public
        aggregates such as UNODC's, synthetic records). A release of real records its publisher already
        protected (``provenance.published_protection``: CTDC's k-anonymised dataset) is still records of real
        people: the toolkit publishes new tables of any selection from it, and two overlapping ones subtract
        to a withheld count (USA, unknown sex, 2018: 86 - 83 = 3), so it gets the cell key too; its
        publisher's protection is only stated in the brief. See :data:`~evidence.sources.provenance.PROTECTIONS`.

        Synthetic records are not perturbed when the toolkit knows them to be: a publisher's synthetic layout
        (CTDC's Global Synthetic dataset) or the toolkit's own demo data. An organisation's records
        (``case_records``) keep the cell key even when their mapping says ``synthetic: true``: that line marks
        the brief as invented data, but one wrong flag on real records would otherwise switch off the
        protection between outputs, and the flag proves nothing about where the records came from."""
        if self.provenance.protection:
            return self.provenance.protection
        if self.kind != "case":
            return "suppression"
        trusted_synthetic = self.provenance.synthetic and self.provenance.source != OWN_RECORDS
        return "suppression" if trusted_synthetic else "cell_key"

    @property
    def rows_kept(self) -> int:
        """Data rows in the canonical table."""
        return self.data.height

    @property
    def rows_rejected(self) -> int:
        """Distinct data rows rejected (a row with several problems counts once)."""
        return self.rejects["row"].n_unique() if self.rejects.height else 0

    def check_accounting(self) -> None:
        """Every data row is kept or rejected, never both (a row lost and another counted twice would balance)."""
        if self.rows_left_out < 0 or self.rows_in != self.rows_kept + self.rows_rejected:
            raise AccountingError(
                f"{self.provenance.path}: rows_in={self.rows_in} but rows_kept={self.rows_kept} "
                f"+ rows_rejected={self.rows_rejected} (rows_left_out={self.rows_left_out})"
            )
        if self.rejects.height and "source_row" in self.data.columns:
            both = self.data.filter(pl.col("source_row").is_in(self.rejects["row"].implode()))
            if both.height:
                raise AccountingError(
                    f"{self.provenance.path}: rows both kept and rejected: {both['source_row'].head(10).to_list()}"
                )

    @property
    def citation(self) -> str:
        """How to cite the source (with the access date where the publisher asks for one)."""
        return self.provenance.citation_text()

    def _overview(self) -> tuple[str, list[tuple[str, list[str]]]]:
        """A title and (label, text) lines: what the table is and its row accounting, never its records (the
        reasons of rejects and flags are the loaders' fixed texts; the values they name are not shown)."""
        p = self.provenance
        title = f"{self.kind} table from {p.label} ({p.layout} layout{', SYNTHETIC' if p.synthetic or p.demo else ''})"
        rows = f"{self.rows_kept:,} of {self.rows_in:,} kept, {self.rows_rejected:,} rejected"
        if self.flags.height:
            rows += f", {self.flags['row'].n_unique():,} kept but flagged"
        if self.rows_left_out:
            rows += f", {self.rows_left_out:,} holding nothing left out"
        lines = [("rows", [rows])]
        for label, issues in (("rejected", self.rejects), ("flagged", self.flags)):
            if issues.height:
                lines.append((label, _reasons_text(issues)))
        lines.append(("published", [f"counts protected by {self.protection} (.protection)"]))
        lines.append(
            (
                "see",
                [
                    ".data (raw, not disclosure-controlled), .rejects, .flags, .summary(), .provenance, .citation"
                ],
            )
        )
        return title, lines

    def __repr__(self) -> str:
        """What a notebook shows of a loaded table left as a cell's value: what it is, its row accounting and
        why rows were rejected or flagged, not its records (the dataclass's own repr printed the frame)."""
        return overview_text("LoadedTable", *self._overview())

    def _repr_html_(self) -> str:
        """The same overview as :meth:`__repr__`, as a small HTML table for JupyterLab."""
        return overview_html("LoadedTable", *self._overview())

    def summary(self) -> dict[str, Any]:
        """The facts a user or a script wants first (the CLI's ``--json``)."""
        p = self.provenance
        return {
            "source": p.source,
            "layout": p.layout,
            "release": p.release,
            "kind": self.kind,
            "path": p.path,
            "sha256": p.sha256,
            "synthetic": p.synthetic,
            "demo": p.demo,
            "rows_in": self.rows_in,
            "rows_kept": self.rows_kept,
            "rows_rejected": self.rows_rejected,
            "rows_left_out": self.rows_left_out,
            "rows_flagged": self.flags["row"].n_unique() if self.flags.height else 0,
            "reject_reasons": _reason_counts(self.rejects),
            "flag_reasons": _reason_counts(self.flags),
            "url": p.url,
            "licence": p.licence,
            "citation": p.citation_text(),
            "notes": list(p.notes),
        }


#: How many reasons a loaded table's overview names (the rest are counted; ``.summary()`` has them all).
SHOWN_REASONS = 3
#: Longest reason shown in an overview (the loaders' reasons run to a sentence or two).
REASON_CHARS = 120


def _reasons_text(issues: pl.DataFrame) -> list[str]:
    """The most frequent reasons with their counts of rows, shortened: ["2 rows: category missing", …]."""
    counts = _reason_counts(issues)
    shown = [
        f"{n:,} row{'s' if n != 1 else ''}: {r if len(r) <= REASON_CHARS else r[: REASON_CHARS - 1].rstrip() + '…'}"
        for r, n in list(counts.items())[:SHOWN_REASONS]
    ]
    if len(counts) > SHOWN_REASONS:
        shown.append(
            f"and {len(counts) - SHOWN_REASONS} other reason{'s' if len(counts) - SHOWN_REASONS > 1 else ''}"
        )
    return shown


def _reason_counts(issues: pl.DataFrame) -> dict[str, int]:
    if not issues.height:
        return {}
    counts = (
        issues.group_by("reason")
        .agg(pl.col("row").n_unique().alias("n"))
        .sort(["n", "reason"], descending=[True, False])
    )
    return dict(zip(counts["reason"].to_list(), counts["n"].to_list(), strict=True))
