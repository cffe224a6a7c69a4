"""A k-anonymised export of the register in CTDC's k-anonymised Global Dataset layout, for contributing data.

Every combination of the quasi-identifiers (:data:`QUASI_IDENTIFIERS`: year of registration, data source,
gender, age band with majority status, citizenship, country of exploitation, and the form of exploitation)
occurs at least ``k`` times in the file, over the values as written: a blank cell is a value of its own, that
matches only blanks (as CTDC's k-anonymity treats a suppressed cell).

By default k is reached by local suppression, as CTDC does and sdcMicro's ``localSuppression``: only the
rare values are blanked, in the records whose set would otherwise hold fewer than k, and the common ones
(Thailand, Myanmar, Cambodia...) are kept (:func:`_locally_suppressed`). The greedy rule, deterministic: in
each round every record in a set smaller than k loses one value, the one whose blanking joins the largest set
(its own, with the records alike in every other column that are blank in this one), ties going to the rarer
value (fewest records holding it), then to the column with the most distinct values, then to the earlier
column; records alike lose the same value, so stay together, and a set of k or more is never touched. Records
still in sets smaller than k (nothing left to blank) are left out. A whole column is generalised first only
when local suppression alone would leave out more than ``max_suppressed`` of the records, and only to a level
that keeps a value (an age band to minor/adult; with ``generalised_columns`` a year to its band, a country to
its area), the quasi-identifier with the most distinct values first (Datafly). On request
(``suppression="global"``, the command's ``--global-recoding``) k is reached as the toolkit did before: the
quasi-identifier with the most distinct values is generalised one level at a time, up to withholding it whole,
until at most ``max_suppressed`` of the records fall in sets smaller than k; those records are left out. The
counts per column of the values locally suppressed are in the report and the sidecar, never per record. The
rows are in the order of their own content (never that of the records, which would line them up with another
file of the same people).

The file is the layout's own, exactly: ``;``, the first column a terms sentence, 0/1 flags, every
``yearOfRegistration`` a year or empty and every ``citizenship`` and ``CountryOfExploitation`` an ISO 3166-1
alpha-2 code or empty (a withheld year or country is written empty, as CTDC leaves a suppressed country), and
the toolkit's CTDC loader reads it back. An empty cell is then either withheld or not recorded: the report and
the provenance sidecar written beside the file (``<file>.provenance.json``) say, for each quasi-identifier, at
which level it was written and for how many recorded values (counts per column and level, never per record).
On request (``generalised_columns``, off by default: a non-standard file) years may also be generalised into
3-year bands and countries into their UN M49 sub-region, then region (:data:`GENERALISED_QUASI_IDENTIFIERS`):
those values go into extra columns named as such after the layout's 63 (:data:`GENERALISED_COLUMNS`), never
into the year or ISO2 columns, which are then empty.

The other columns (means of control, labour sectors, types of sexual exploitation, recruiter relations) are
not quasi-identifiers and are written as recorded, except where they imply one (:data:`IMPLIED`): a labour
sector says the person was in forced labour and a type of sexual exploitation that they were sexually
exploited, so these are written only where the form they imply is written for the record: they are withheld
with the form of exploitation, and left out where the form is not recorded (a sector beside an unknown form
would single the record out among those whose form is unknown). Majority status, implied by the age band, is
withheld with it. The flags of the form of exploitation (``isForcedLabour``...) are written as a function of the
form (:func:`_flags_follow_the_form`): a 0 beside an empty flag of the same form would tell records of one set
apart. A flag of the case table that merges several of the layout's (``means_abuse``:
psychological, physical or sexual; ``means_debt_bondage_earnings``) cannot be written faithfully and is left
empty, which the report says.

Each file is k-anonymous alone, but two releases of the same records (another k, another as-of date) can be
subtracted into sets smaller than k. :func:`export_register` therefore records every export in the register
and refuses one that differs from an earlier export unless told (``allow_another_release``), naming the earlier
export and the risk. Allowed, another release keeps the generalisation of the latest one and leaves out every
set whose count differs from an earlier release's by fewer than k (the register keeps each release's levels and
set counts), so that no two files can be subtracted into a set smaller than k. A register's earlier exports
written before the file kept the layout (sub-regions, regions and bands in the layout's own columns, levels the
layout cannot hold) are kept to as far as the layout allows: such a level is withheld now, and the earlier
release's sets are compared rolled up to it (:func:`_rolled_up`). Every earlier release whose levels roll up so
is compared, not only those of the same levels (:func:`_rolls_up`): with the generalised columns on, off, then
on again, the first release's sub-regions (an extra column) are read beside the third's empty citizenship.

With local suppression the sets of two releases do not line up by themselves: a value one file writes may be
blank in the other, behind which whoever holds both knows it may be. The register keeps, beside each
release's levels, the values it blanked (:func:`recorded_levels`; never published), and a later release
(1) blanks first, in every record, the values the earlier one wrote nowhere (:func:`_never_written`), or, if
that writes more records, every value it blanked (an earlier blank then hides only values this one writes
nowhere), and (2) is checked against each earlier release set by set and, conservatively,
group by group: the sets of the two files that may hold the same people (a value of one behind a blank of the
other, as if the blanked values were known) are added up, and a group whose sum moved by fewer than k is left
out whole (:func:`_withhold_differences`, :func:`_overlapping`). Registers whose exports recorded levels alone
read as before (nothing blanked).

Counts compare, rows too: one person erased from a set of 5 and 6 alike registered moves its count by 5, yet the
two files subtracted row by row give the erased person's own row (a flag outside the quasi-identifiers, say
threats, that no one else had); so does a correction of one person's such field beside k newcomers. The register
therefore keeps, for each release, the full rows it wrote, per set (:func:`row_counts`: each row's other
columns as written -> how many times; the file's own content, no record key), and a later release leaves out
a set (or group, as above) whose rows gone (written before, not now, row by row) or rows new number 1 to k - 1.
An earlier release recorded before the register kept its rows is compared by counts only, and the report says
so (:attr:`ExportReport.compared_by_counts_only`). Whoever holds both files may still project them onto fewer
columns before subtracting; what is checked is the full rows, as written.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from evidence.core.atomic import write_text
from evidence.core.errors import ParameterError
from evidence.core.text import counted, spreadsheet_text
from evidence.sources.countries import country_table
from evidence.sources.ctdc import K_ANON_CONCAT_GROUPS, K_ANON_FLAGS, ORGANISATION_EXPORT_TERMS

if TYPE_CHECKING:
    import numpy as np

TERMS = ORGANISATION_EXPORT_TERMS
WITHHELD = "withheld"
#: The quasi-identifiers (columns of the layout) and their generalisation levels, finest first, as the layout
#: holds them: a year or a country is written as recorded or withheld (empty, as CTDC leaves a suppressed one).
QUASI_IDENTIFIERS: dict[str, tuple[str, ...]] = {
    "yearOfRegistration": ("year", WITHHELD),
    "Datasource": ("as recorded", WITHHELD),
    "gender": ("as recorded", WITHHELD),
    "ageBroad": ("age band", "minor or adult", WITHHELD),
    "citizenship": ("country", WITHHELD),
    "CountryOfExploitation": ("country", WITHHELD),
    "typeOfExploitConcatenated": ("as recorded", WITHHELD),
}
#: The levels with the generalised columns (``generalised_columns``: a non-standard file): years also in 3-year
#: bands, countries also in their UN M49 sub-region, then region. These are the level names an export of the
#: register recorded before the file kept the layout (it wrote such values into the layout's own columns).
GENERALISED_QUASI_IDENTIFIERS: dict[str, tuple[str, ...]] = {
    **QUASI_IDENTIFIERS,
    "yearOfRegistration": ("year", "3-year band", WITHHELD),
    "citizenship": ("country", "UN M49 sub-region", "UN M49 region", WITHHELD),
    "CountryOfExploitation": ("country", "UN M49 sub-region", "UN M49 region", WITHHELD),
}
#: The extra columns of the generalised values, after the layout's 63 (only with ``generalised_columns``):
#: a band where the year is generalised to its band; the sub-region where a country is generalised to its
#: sub-region (and its region beside it), the region where it is generalised to its region. The year and ISO2
#: columns are then empty: they hold nothing outside the layout.
GENERALISED_COLUMNS: dict[str, tuple[str, ...]] = {
    "yearOfRegistration": ("yearOfRegistrationBand",),
    "citizenship": ("citizenshipUNM49Subregion", "citizenshipUNM49Region"),
    "CountryOfExploitation": ("CountryOfExploitationUNM49Subregion", "CountryOfExploitationUNM49Region"),
}
#: What a recorded value of a quasi-identifier is called in the report ("268 recorded countries").
_NOUNS = {"yearOfRegistration": "year", "ageBroad": "age band", "citizenship": "country"}
_NOUNS["CountryOfExploitation"] = "country"
#: The plurals of :data:`_NOUNS`' nouns that are not the noun and "s".
_PLURALS = {"country": "countries"}
NOT_RECORDED = "not recorded"
#: How k is reached after generalisation: ``local`` (the default, as CTDC and sdcMicro's ``localSuppression``)
#: blanks the rare values of the records in sets smaller than k, cell by cell; ``global`` withholds a whole
#: column (the toolkit's way before, kept to make its earlier releases again, and on request).
LOCAL, GLOBAL = "local", "global"
SUPPRESSIONS = (LOCAL, GLOBAL)
#: The count, in :attr:`ExportReport.generalised`, of a column's recorded values written empty by local
#: suppression (in the rows written).
LOCALLY_SUPPRESSED = "locally suppressed"
#: The key, beside the levels an export records in the register, of the values it suppressed locally (as JSON:
#: set column -> the values): a later release compares its sets with that one's with those values blanked too.
SUPPRESSED_VALUES = "locally suppressed values"
_COUNTRIES = ("citizenship", "CountryOfExploitation")
_EXPLOITATION_FLAGS = [c for c in K_ANON_FLAGS if c.startswith("is") and c != "isAbduction"]
_LABOUR = [*(c for c in K_ANON_FLAGS if c.startswith("typeOfLabour")), "typeOfLabourConcatenated"]
_SEX = [*(c for c in K_ANON_FLAGS if c.startswith("typeOfSex")), "typeOfSexConcatenated"]
#: Columns whose value implies a quasi-identifier's -> (the quasi-identifier, the columns of the value they
#: imply, any of which must be written as 1 for them to be written).
IMPLIED: dict[str, tuple[str, tuple[str, ...]]] = {
    **{c: ("typeOfExploitConcatenated", ("isForcedLabour", "isSexAndLabour")) for c in _LABOUR},
    **{c: ("typeOfExploitConcatenated", ("isSexualExploit", "isSexAndLabour")) for c in _SEX},
}
_DATA_SOURCES = {"Case management": "Case Management", "Hotline": "Hotline"}


def _columns() -> list[str]:
    """The layout's header after the terms cell, in the published order."""
    groups = {g.text_column: g for g in K_ANON_CONCAT_GROUPS}
    order = ["yearOfRegistration", "Datasource", "gender", "ageBroad", "majorityStatus"]
    order += ["majorityStatusAtExploit", "majorityEntry", "citizenship"]
    for text in ("meansOfControlConcatenated", "typeOfExploitConcatenated"):
        order += [*groups[text].flags, text]
    order += [*groups["typeOfLabourConcatenated"].flags, "typeOfLabourConcatenated"]
    order += [*groups["typeOfSexConcatenated"].flags, "typeOfSexConcatenated"]
    order += ["isAbduction", "RecruiterRelationship", "CountryOfExploitation"]
    order += list(groups["RecruiterRelationship"].flags)
    return order


@functools.cache
def _faithful_sources() -> tuple[dict[str, str], list[str]]:
    """Canonical flag -> the one column of the layout that says exactly it; and the flags with no such column
    (made once; read only)."""
    sources: dict[str, list[str]] = {}
    for column, targets in K_ANON_FLAGS.items():
        if len(targets) == 1:
            sources.setdefault(targets[0], []).append(column)
    faithful = {flag: columns[0] for flag, columns in sources.items() if len(columns) == 1}
    merged = sorted(flag for flag, columns in sources.items() if len(columns) > 1)
    return faithful, merged


def _label(column: str) -> str:
    for prefix in ("meansOfControl", "typeOfLabour", "typeOfSex", "recruiterRelation", "is"):
        column = column.removeprefix(prefix)
    words = re.findall(r"[A-Z][a-z]*", column)
    return " ".join(words).capitalize()


@dataclasses.dataclass(frozen=True)
class ExportReport:
    """What the export did: levels of generalisation, records left out, the smallest set."""

    k: int
    rows_in: int
    rows_written: int
    rows_suppressed: int
    levels: dict[str, str]  # quasi-identifier -> the level used
    smallest_set: int  # the size of the smallest set of records sharing all quasi-identifiers (>= k)
    not_written: tuple[str, ...]  # case-table flags the layout cannot hold faithfully
    #: records written whose labour sector or type of sexual exploitation was left out because the form of
    #: exploitation it implies is not written for them (withheld, or not recorded)
    implied_withheld: int = 0
    #: records left out because their set's count, or its rows gone or new row by row, differ from those of an
    #: earlier release by fewer than k
    #: (the two files subtracted would leave so few people)
    rows_withheld_for_differencing: int = 0
    #: the earlier export whose generalisation this one kept (None: its own, chosen for these records)
    generalisation_of: int | None = None
    #: quasi-identifier -> {its level: the recorded values written at it, "not recorded": the rows without
    #: one}: counts per column and level, each column's adding up to the rows written (never per record)
    generalised: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    #: whether the generalised values beyond the layout (bands, sub-regions, regions) were written in their
    #: extra columns (:data:`GENERALISED_COLUMNS`)
    generalised_columns: bool = False
    #: records left out because nothing of them could be written: a line of empty cells, which a reader takes
    #: for a blank line, not a case (the rest of their set, if then smaller than k, is in ``rows_suppressed``)
    rows_blank: int = 0
    #: how k was reached after generalisation (:data:`SUPPRESSIONS`): ``local``, the rare values blanked in the
    #: records whose set would otherwise be smaller than k (counted per column in ``generalised`` as
    #: :data:`LOCALLY_SUPPRESSED`), or ``global``, whole columns withheld
    suppression: str = LOCAL
    #: the earlier exports this one was compared with by set counts only, not row by row: recorded before the
    #: register kept each release's full rows
    compared_by_counts_only: tuple[int, ...] = ()

    @property
    def hierarchy(self) -> dict[str, tuple[str, ...]]:
        """The levels each quasi-identifier could be written at in this export."""
        return GENERALISED_QUASI_IDENTIFIERS if self.generalised_columns else QUASI_IDENTIFIERS

    def level_lines(self) -> list[str]:
        """How each quasi-identifier was written, with the count of recorded values so written."""
        out = []
        for column, level in self.levels.items():
            counts = self.generalised.get(column, {})
            n, missing = counts.get(level, 0), counts.get(NOT_RECORDED, 0)
            singular = _NOUNS.get(column, "value")
            noun = counted(n, f"recorded {singular}", f"recorded {_PLURALS.get(singular, singular + 's')}")
            rare = counts.get(LOCALLY_SUPPRESSED, 0)
            locally = (
                f"; {counted(rare, 'rare one')} written empty"
                + (", as CTDC leaves a suppressed country" if column in _COUNTRIES else "")
                + " (locally suppressed: where the record's set would otherwise hold fewer than k)"
                if rare
                else ""
            )
            if level == self.hierarchy[column][0]:
                out.append(f"{column}: {level}" + (f": {noun} written{locally}" if rare else ""))
                continue
            if level == WITHHELD:
                how = "written empty" + (
                    ", as CTDC leaves a suppressed country" if column in _COUNTRIES else ""
                )
            elif column in GENERALISED_COLUMNS:
                extra = GENERALISED_COLUMNS[column]
                into = extra[0] if level != "UN M49 region" else extra[-1]
                how = f"written in {into}" + (
                    f" (their region in {extra[1]})" if len(extra) > 1 and into == extra[0] else ""
                )
                how += f", {column} left empty"
            else:  # the age band as minor or adult
                how = f"written as majority status only, {column} left empty"
            said = f"{column}: {level}: {noun} {how}"
            said += f" ({missing} not recorded, empty too)" if missing and "empty" in how else ""
            out.append(said + locally)
        return out

    def _implied_withheld_line(self) -> str:
        return (
            f"labour sector or type of sexual exploitation left out for {counted(self.implied_withheld, 'record')}: "
            "written only where the form of exploitation it implies is written"
        )

    def lines(self) -> list[str]:
        """The report as lines of text."""
        out = [
            f"k = {self.k}: every combination of the quasi-identifiers occurs at least {self.k} times "
            f"(smallest set: {self.smallest_set})"
            if self.rows_written
            else f"k = {self.k}: no record could be written",
            (
                f"records: {self.rows_in} in, {self.rows_written} written, {self.rows_suppressed} left out "
                "(in sets smaller than k after generalisation"
                + (" and local suppression)" if self.suppression == LOCAL else ")")
            ),
        ]
        if self.generalisation_of is not None:
            out.append(
                f"generalised as export {self.generalisation_of} of the register was, so that the sets of the two "
                "releases line up"
            )
        out += self.level_lines()
        if self.compared_by_counts_only:
            out.append(
                "compared with export "
                + ", ".join(map(str, self.compared_by_counts_only))
                + " by set counts only, not row by row (recorded before the register kept each release's rows)"
            )
        if self.rows_withheld_for_differencing:
            out.append(
                f"{counted(self.rows_withheld_for_differencing, 'record')} left out in sets whose count, or whose rows gone or "
                "new row by row, differ from those of an earlier release by fewer than k (subtracted, the two files "
                "would leave so few people)"
            )
        if self.rows_blank:
            out.append(
                f"{counted(self.rows_blank, 'record')} left out of which nothing could be written (every cell empty: a "
                "reader takes such a line for a blank one, not a case)"
            )
        if self.implied_withheld:
            out.append(self._implied_withheld_line())
        if self.not_written:
            out.append(
                "not written (the layout has no single column for them): " + ", ".join(self.not_written)
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """The report as ``export-ctdc --json`` documents it (docs/scheduling.md, a closed object)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in _NOT_IN_THE_JSON}

    def sidecar(self) -> dict[str, Any]:
        """The provenance sidecar of the file (``<file>.provenance.json``, which the toolkit's loader applies): its
        k, and how each quasi-identifier was written (counts per column and level, never per record)."""
        notes = [
            (
                f"k-anonymised by the organisation (evidence register export-ctdc), k = {self.k}: {self.rows_in} "
                f"records in, {self.rows_written} written, "
                f"{self.rows_in - self.rows_written} left out (in sets smaller than k, whose count or rows differ from "
                "an earlier release's by fewer than k, or of which nothing could be written)"
            ),
            (
                "the layout kept: every yearOfRegistration a year or empty, every citizenship and "
                "CountryOfExploitation an ISO 3166-1 alpha-2 code or empty; an empty cell is withheld or not "
                "recorded, as counted here"
            )
            + (
                "; the generalised values beyond the layout are in the extra columns "
                + ", ".join(c for cs in GENERALISED_COLUMNS.values() for c in cs)
                if self.generalised_columns
                else ""
            ),
        ]
        for column, level in self.levels.items():
            counts = self.generalised.get(column, {})
            notes.append(
                f"{column}: {level} for {counts.get(level, 0)} recorded values, "
                + (
                    f"{counts[LOCALLY_SUPPRESSED]} rare recorded values locally suppressed (written empty), "
                    if counts.get(LOCALLY_SUPPRESSED)
                    else ""
                )
                + f"{counts.get(NOT_RECORDED, 0)} not recorded"
            )
        if self.implied_withheld:
            notes.append(self._implied_withheld_line())
        if self.not_written:
            notes.append(
                "left empty (the layout has no single column for them): " + ", ".join(self.not_written)
            )
        return {
            "published_protection": (
                f"k-anonymised by the organisation before export, k = {self.k}: every set of rows alike in the "
                "quasi-identifiers holds at least k rows"
            ),
            "notes": notes,
        }


#: Fields of :class:`ExportReport` the command's JSON does not hold (docs/scheduling.md documents its keys).
_NOT_IN_THE_JSON: tuple[str, ...] = ()


def _layout_frame(data: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """The records in the layout's columns (all text), finest level; and the flags not written."""
    faithful, merged = _faithful_sources()
    present = frozenset(c for c in faithful if c in data.columns)
    staged = data.select(**_layout_expressions(present)[0])
    return _flags_follow_the_form(staged.select(_layout_columns(present))), merged


@functools.cache
def _layout_columns(present: frozenset[str]) -> tuple[pl.Expr, ...]:
    """The layout's columns, in order and as text, from the columns :func:`_layout_expressions` made of a case
    table holding the flags ``present``: each of those, the concatenated texts made from them (empty when none
    of their flags is 1), and every other column empty. One pass (made once for each such set: expressions are
    immutable)."""
    staged, text_exprs = _layout_expressions(present)
    out = []
    for column in _columns():
        if column in text_exprs:
            out.append(text_exprs[column].replace("", None).cast(pl.String).alias(column))
        elif column in staged:
            out.append(pl.col(column).cast(pl.String))
        else:
            out.append(pl.lit(None, pl.String).alias(column))
    return tuple(out)


def _flags_follow_the_form(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the flags of the form of exploitation a function of the form (a quasi-identifier: they
    must tell no record apart in its set): 1 where the form names it; else empty where the form is empty (every
    flag 'no' or empty is not recorded, as the codebook's denominator rule reads it); else 0 where every record
    whose form is recorded holds a 0 or 1 in that flag, and empty in the whole column otherwise (an 'other' flag
    a mapping does not name, set only by an extra flag; records imported under different mappings). Flags as the
    toolkit's loaders give them (the denominator rule applied) are written as they were."""
    return frame.with_columns(_flags_of_the_form(tuple(c for c in _EXPLOITATION_FLAGS if c in frame.columns)))


@functools.cache
def _flags_of_the_form(flags: tuple[str, ...]) -> tuple[pl.Expr, ...]:
    """:func:`_flags_follow_the_form`'s expressions of ``flags``, in one pass over the frame (whether every record
    whose form is recorded holds a 0 or 1 in a flag is a scalar of the same pass, not a filtered frame of its
    own), made once for each set of flags (expressions are immutable)."""
    form = pl.col("typeOfExploitConcatenated").is_not_null()
    return tuple(
        pl.when(pl.col(c) == "1")
        .then(pl.lit("1"))
        .when(form & (pl.col(c).is_not_null() | ~form).all())
        .then(pl.lit("0"))
        .otherwise(pl.lit(None, pl.String))
        .alias(c)
        for c in flags
    )


@functools.cache
def _layout_expressions(present: frozenset[str]) -> tuple[dict[str, pl.Expr], dict[str, pl.Expr]]:
    """The expressions of the layout's columns from a case table holding the flags ``present`` (of those with a
    faithful column): the columns made from the table's, and the concatenated texts made from those. Made once
    for each such set (expressions are immutable), not at every export or anonymisation."""
    iso2 = dict(zip(country_table()["iso3"].to_list(), country_table()["iso2"].to_list(), strict=True))
    faithful, _ = _faithful_sources()

    def flag(canonical: str) -> pl.Expr:
        if canonical not in present:
            return pl.lit(None, pl.String)
        return pl.col(canonical).cast(pl.Int8).cast(pl.String)

    out: dict[str, pl.Expr] = {
        "yearOfRegistration": pl.col("year").cast(pl.String),
        "Datasource": pl.col("data_source_type").cast(pl.String).replace_strict(_DATA_SOURCES, default=None),
        "gender": pl.col("gender").cast(pl.String),
        "ageBroad": pl.col("age_band").cast(pl.String).str.replace("-", "--"),
        "majorityStatus": pl.col("majority_status").cast(pl.String),
        "citizenship": pl.col("origin_iso3").replace_strict(iso2, default=None),
        "CountryOfExploitation": pl.col("destination_iso3").replace_strict(iso2, default=None),
    }
    by_column = {column: canonical for canonical, column in faithful.items()}
    for column in _columns():
        if column in out or column in ("majorityStatusAtExploit", "majorityEntry"):
            continue
        if column in by_column:
            out[column] = flag(by_column[column])
    for group in K_ANON_CONCAT_GROUPS:
        named = [c for c in group.flags if c in out]
        labels = [pl.when(pl.col(c) == "1").then(pl.lit(_label(c))) for c in named]
        out[group.text_column] = (
            pl.concat_str(labels, separator=";", ignore_nulls=True) if labels else pl.lit("")
        )
    texts = {g.text_column for g in K_ANON_CONCAT_GROUPS}
    return (
        {k: v for k, v in out.items() if k not in texts},
        {g.text_column: out[g.text_column] for g in K_ANON_CONCAT_GROUPS},
    )


@functools.cache
def _area(level: int) -> dict[str, str | None]:
    """ISO2 -> UN M49 sub-region (level 1) or region (level 2); made once (the country table does not change
    while the toolkit runs), not at each generalisation of each export. Read only."""
    table = country_table().filter(pl.col("iso2").is_not_null())
    column = "subregion" if level == 1 else "region"
    return dict(zip(table["iso2"].to_list(), table[column].to_list(), strict=True))


def _generalise(frame: pl.DataFrame, column: str, level: str, first_year: int) -> pl.DataFrame:
    """``frame`` with one quasi-identifier at a level (by name, of :data:`GENERALISED_QUASI_IDENTIFIERS`; the
    finest: as written). The values are those the sets are made of: a band or an area is moved into its extra
    column, out of the layout's own, only as the file is written (:func:`_rendered`)."""
    if level == GENERALISED_QUASI_IDENTIFIERS[column][0]:
        return frame
    withheld = level == WITHHELD
    if column == "yearOfRegistration" and not withheld:
        start = ((pl.col(column).cast(pl.Int32) - first_year) // 3) * 3 + first_year
        return frame.with_columns(pl.format("{}-{}", start, start + 2).alias(column))
    if column == "ageBroad" and not withheld:
        return frame.with_columns(pl.lit(None, pl.String).alias(column))
    if column in ("citizenship", "CountryOfExploitation") and not withheld:
        area = 1 if level == "UN M49 sub-region" else 2
        return frame.with_columns(pl.col(column).replace_strict(_area(area), default=None))
    if column == "ageBroad":
        return frame.with_columns(
            pl.lit(None, pl.String).alias("ageBroad"), pl.lit(None, pl.String).alias("majorityStatus")
        )
    if column == "typeOfExploitConcatenated":
        return frame.with_columns(pl.lit(None, pl.String).alias(c) for c in [*_EXPLOITATION_FLAGS, column])
    return frame.with_columns(pl.lit(None, pl.String).alias(column))


@functools.cache
def _region_of_subregion() -> dict[str, str]:
    """UN M49 sub-region -> its region; made once (as :func:`_area`), not at each rendering of the rows (each
    round of a generalisation renders them, to tell a blank row). Read only."""
    return dict(
        country_table()
        .filter(pl.col("subregion").is_not_null())
        .select("subregion", "region")
        .unique()
        .iter_rows()
    )


def _rendered(kept: pl.DataFrame, levels: Mapping[str, str], generalised_columns: bool) -> pl.DataFrame:
    """The rows as the file holds them: the layout's 63 columns, a band or area moved out of the year or ISO2
    column into its extra column (:data:`GENERALISED_COLUMNS`, after the layout's, only with
    ``generalised_columns``). Without them no value of the layout's columns lies outside it (the levels of
    :data:`QUASI_IDENTIFIERS` write none)."""
    if not generalised_columns:
        return kept.select(_columns())
    sub_to_region = _region_of_subregion()
    moved: list[pl.Expr] = []
    for column, extra in GENERALISED_COLUMNS.items():
        level = levels.get(column, WITHHELD)
        value = pl.col(column)
        none = pl.lit(None, pl.String)
        if column == "yearOfRegistration":
            moved.append((value if level == "3-year band" else none).alias(extra[0]))
        else:
            moved.append((value if level == "UN M49 sub-region" else none).alias(extra[0]))
            region = {
                "UN M49 sub-region": value.replace_strict(sub_to_region, default=None),
                "UN M49 region": value,
            }
            moved.append(region.get(level, none).alias(extra[1]))
    out = kept.with_columns(moved)
    out = out.with_columns(
        pl.lit(None, pl.String).alias(column)
        for column in GENERALISED_COLUMNS
        if levels.get(column) not in (GENERALISED_QUASI_IDENTIFIERS[column][0], WITHHELD)
    )
    return out.select([*_columns(), *(c for cs in GENERALISED_COLUMNS.values() for c in cs)])


def _owned(column: str) -> list[str]:
    """The columns of the layout that :func:`_generalise` of a quasi-identifier reads and writes, at any level:
    its own, and majority status with the age band, the exploitation flags with the form of exploitation. No
    two quasi-identifiers share one."""
    if column == "ageBroad":
        return [column, "majorityStatus"]
    if column == "typeOfExploitConcatenated":
        return [*_EXPLOITATION_FLAGS, column]
    return [column]


@functools.cache
def _implied_conditions() -> tuple[dict[str, pl.Expr], pl.Expr, tuple[pl.Expr, ...]]:
    """Each implied column -> whether the value it implies is written as 1; whether a row loses a filled
    implied value; and each implied column emptied where its condition fails (expressions made once: they are
    immutable; made at each call they cost more than applying them to a few hundred records)."""
    implied_by: dict[tuple[str, ...], list[str]] = {}  # the columns implying a value -> the columns implied
    for column, (_, implying) in IMPLIED.items():
        implied_by.setdefault(implying, []).append(column)
    written = {
        implying: pl.any_horizontal([pl.col(c).fill_null("") == "1" for c in implying])
        for implying in implied_by
    }
    conditions = {column: written[implying] for column, (_, implying) in IMPLIED.items()}
    # a filled column whose condition fails, tested a condition at a time (two, not one for each of the columns)
    lost = pl.any_horizontal(
        [
            pl.any_horizontal(pl.col(c).is_not_null() for c in columns) & ~written[implying]
            for implying, columns in implied_by.items()
        ]
    )
    # every condition reads the quasi-identifier's columns, never an implied one: all apply at once
    emptied = tuple(
        pl.when(condition).then(pl.col(column)).otherwise(None).alias(column)
        for column, condition in conditions.items()
    )
    return conditions, lost, emptied


def _withhold_implied(frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """``frame`` with every implied column emptied where the value it implies is not written as 1; and how
    many records lost a filled value so."""
    _, lost, emptied = _implied_conditions()
    if not frame.height:
        return frame.with_columns(emptied), 0
    # in one pass: every expression reads the frame as given
    out = frame.with_columns(*emptied, lost.alias("__lost"))
    return out.drop("__lost"), int(out.get_column("__lost").sum())


def _set_sizes(frame: pl.DataFrame) -> pl.Series:
    keys = [*QUASI_IDENTIFIERS, "majorityStatus"]
    return frame.select(pl.len().over(keys)).to_series()


def smallest_set(frame: pl.DataFrame, columns: list[str]) -> int:
    """The size of the smallest set of rows sharing the values (nulls included) of ``columns``."""
    smallest = frame.group_by(columns).len().get_column("len").min() if frame.height else 0
    return int(smallest) if isinstance(smallest, int) else 0


#: The columns whose values make a record's set (the quasi-identifiers, and majority status with the age band).
SET_COLUMNS = [*QUASI_IDENTIFIERS, "majorityStatus"]


#: An earlier release as a later one is checked against it: its k, its set counts, the values it suppressed
#: locally, and (optionally) its full rows (:func:`row_counts`; None for one recorded before the register kept
#: them: compared by counts only).
Earlier = (
    tuple[int, Mapping[str, int], Mapping[str, set[str]]]
    | tuple[int, Mapping[str, int], Mapping[str, set[str]], Mapping[str, Mapping[str, int]] | None]
)


def first_year_of(data: pl.DataFrame) -> int:
    """The first year of the year bands of an export of ``data`` (its earliest year of registration)."""
    earliest = data.get_column("year").min() if "year" in data.columns else None
    return earliest if isinstance(earliest, int) else 0


def set_counts(kept: pl.DataFrame) -> dict[str, int]:
    """Each set of quasi-identifiers written (its values as JSON, nulls included) -> its count."""
    if not kept.height:
        return {}
    counts = kept.group_by(SET_COLUMNS).len()
    return {
        json.dumps([row[c] for c in SET_COLUMNS]): int(row["len"]) for row in counts.iter_rows(named=True)
    }


#: The columns of a row written beside its set's (:data:`SET_COLUMNS`): what tells the rows of one set apart.
_ROW_COLUMNS = [c for c in _columns() if c not in SET_COLUMNS]


def _keys(frame: pl.DataFrame, columns: Sequence[str]) -> list[str]:
    selected = frame.select(columns)
    rows = selected.iter_rows()
    if any(t.is_float() for t in selected.dtypes):  # 0.0 and -0.0 are one key of a dict, two texts
        return [json.dumps(list(row)) for row in rows]
    # each distinct row made text once (the rows of a set are alike; a column holds one type: no two rows
    # equal as tuples are written differently)
    text: dict[tuple[Any, ...], str] = {}
    return [text[row] if row in text else text.setdefault(row, json.dumps(list(row))) for row in rows]


def _full_rows(frame: pl.DataFrame) -> list[str]:
    """Each row of ``frame`` (records at their levels, not yet rid of the implied values) as the file writes it
    beside its set: the values of :data:`_ROW_COLUMNS` after :func:`_withhold_implied`, as JSON."""
    return _keys(_withhold_implied(frame)[0], _ROW_COLUMNS) if frame.height else []


def row_counts(kept: pl.DataFrame) -> dict[str, dict[str, int]]:
    """Each set written (as :func:`set_counts` keys it) -> each full row of it as written (its other columns, as
    JSON: the file's own content, no record key) -> how many times it is written."""
    out: dict[str, dict[str, int]] = {}
    for key, row in zip(_keys(kept, SET_COLUMNS), _full_rows(kept), strict=True):
        rows = out.setdefault(key, {})
        rows[row] = rows.get(row, 0) + 1
    return out


def _rows_moved(here: Mapping[str, int], there: Mapping[str, int]) -> tuple[int, int]:
    """The rows gone (there, not here) and the rows new (here, not there) of two multisets of full rows."""
    gone = sum(max(0, n - here.get(row, 0)) for row, n in there.items())
    new = sum(max(0, n - there.get(row, 0)) for row, n in here.items())
    return gone, new


def _summed(parts: Sequence[Mapping[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in parts:
        for row, n in part.items():
            out[row] = out.get(row, 0) + n
    return out


def _locally_suppressed(
    frame: pl.DataFrame, k: int, columns: Sequence[str], first: Mapping[str, set[str]] | None = None
) -> tuple[pl.DataFrame, dict[str, set[str]]]:
    """``frame`` with the fewest rare quasi-identifier values blanked (greedily) so that every set over the
    quasi-identifiers as written holds at least ``k`` rows, or the rows still short of it have nothing left to
    blank; and the values blanked, by set column (:data:`SET_COLUMNS`).

    A blank is a value of its own: it matches only blanks (as CTDC's k-anonymity treats a suppressed cell). In
    each round, every row in a set smaller than k loses one value: the rarest of its values in the frame (the
    fewest rows with that value in that column), ties going to the column with the most distinct values, then
    to the earlier one in :data:`QUASI_IDENTIFIERS` (sdcMicro's order of importance). Rows alike in every set
    column lose the same one, so they stay together; a set of k or more is never touched, and only gains rows.
    Blanking a quasi-identifier empties the columns it owns (:func:`_owned`): the age band with majority status,
    the form of exploitation with its flags. Each row tracks it in ``__suppressed_<column>``.

    ``first`` (set column -> values: those an earlier release blanked) are blanked first in every row that holds
    them, so that this release's sets line up with that one's: a blank of that release may hide only those
    values, which this one writes nowhere."""
    import numpy as np

    values: dict[str, set[str]] = {c: set() for c in SET_COLUMNS}
    if not frame.height:
        return frame, values
    for column in columns:
        among = sorted((first or {}).get(column, ()))
        if not among:
            continue
        mask = frame.get_column(column).is_in(among).fill_null(False)
        if not mask.any():
            continue
        keys_of = ["ageBroad", "majorityStatus"] if column == "ageBroad" else [column]
        for key in keys_of:
            values[key].update(v for v in frame.get_column(key).filter(mask).to_list() if v is not None)
        frame = frame.with_columns(
            *(pl.when(mask).then(None).otherwise(pl.col(c)).alias(c) for c in _owned(column)),
            (pl.col(f"__suppressed_{column}") | mask).alias(f"__suppressed_{column}"),
        )
    # a quasi-identifier's value as a set reads it: the age band with majority status (the band may be withheld)
    keys = {c: ["ageBroad", "majorityStatus"] if c == "ageBroad" else [c] for c in columns}
    # in one pass (a null counted as a value, as n_unique of its frame counts it; a value of several columns as a
    # struct of them, which is never null itself)
    distinct = dict(
        zip(
            columns,
            frame.select(
                (pl.col(keys[c][0]) if len(keys[c]) == 1 else pl.struct(keys[c])).n_unique().alias(c)
                for c in columns
            ).row(0),
            strict=True,
        )
    )
    order = sorted(columns, key=lambda c: (-distinct[c], list(QUASI_IDENTIFIERS).index(c)))
    # the rounds count rows alike over the set columns as integer codes (0: blank; a code for each value, as
    # polars ranks them), blanked in the codes as a round blanks them in the records: a round is then a few numpy
    # passes, not a query of the frame with a window for each count (15 windows, most of an export's cost); the
    # frame is written once, at the end, each column blanked where any round blanked it
    codes = frame.select(pl.col(c).rank("dense").fill_null(0).cast(pl.Int64) for c in SET_COLUMNS).to_numpy(
        writable=True
    )
    spans = [int(codes[:, i].max()) + 1 for i in range(len(SET_COLUMNS))]
    held = {c: [SET_COLUMNS.index(key) for key in keys[c]] for c in order}
    others = {c: [i for i in range(len(SET_COLUMNS)) if i not in held[c]] for c in order}
    rounds_blanked = {c: np.zeros(frame.height, dtype=bool) for c in order}
    for _ in range(
        len(order) + 1
    ):  # each round blanks a value of every row still short: at most one per column
        # what a round reads of each row: its set's size; the size its set would have with each column blanked:
        # its own, and the rows alike in every other set column whose value of this one is blank already; how many
        # rows hold the value (the rarer first); whether it holds one to blank
        size = _alike(codes, spans, range(len(SET_COLUMNS)))
        small = size < k
        if not small.any():
            break
        blank = np.column_stack([(codes[:, held[c]] == 0).all(axis=1) for c in order])
        joined = np.column_stack(
            [size + _alike(codes, spans, others[c], blank[:, j]) for j, c in enumerate(order)]
        )
        rarity = np.column_stack([_alike(codes, spans, held[c]) for c in order])
        able = ~blank
        # then the order of the columns
        score = np.where(able, -joined.astype(float) * (frame.height + 1) + rarity, np.inf)
        choice = score.argmin(axis=1)  # the first of the best: ties go to the column earlier in ``order``
        blankable = small & able.any(axis=1)
        if not blankable.any():
            break
        for j, column in enumerate(order):
            mask = blankable & (choice == j)
            if mask.any():
                codes[np.ix_(mask, held[column])] = 0
                rounds_blanked[column] |= mask
    # a value is blanked once (a blank has nothing left to blank): the rounds' blanks written at once give the
    # frame the rounds would have written one after the other, and the values blanked as they held them
    updates: list[pl.Expr] = []
    for column in order:
        if not rounds_blanked[column].any():
            continue
        mask = pl.Series(rounds_blanked[column])
        for key in keys[column]:
            values[key].update(v for v in frame.get_column(key).filter(mask).to_list() if v is not None)
        updates += [pl.when(mask).then(None).otherwise(pl.col(c)).alias(c) for c in _owned(column)]
        updates.append((pl.col(f"__suppressed_{column}") | mask).alias(f"__suppressed_{column}"))
    if updates:
        frame = frame.with_columns(updates)
    return frame, {c: v for c, v in values.items() if v}


def _alike(
    codes: np.ndarray, spans: Sequence[int], columns: Iterable[int], among: np.ndarray | None = None
) -> np.ndarray:
    """How many rows are alike each row in ``columns`` of ``codes`` (integer codes, each column's below its span):
    as ``pl.len().over(columns)``; of them, only those ``among`` (a mask), as ``among.sum().over(columns)``."""
    import numpy as np

    # each row's key: its codes in mixed radix, numbered anew (in order) where it would grow past a bound: then
    # counted by bincount, no sort (a key below the bound indexes the counts)
    bound = max(1 << 16, 4 * len(codes))
    key = np.zeros(len(codes), dtype=np.int64)
    reach = 1
    for i in columns:
        if reach * spans[i] > bound:
            _, key = np.unique(key, return_inverse=True)
            key, reach = key.reshape(-1), int(key.max()) + 1
        key = key * spans[i] + codes[:, i]
        reach *= spans[i]
    if reach > bound:
        _, key = np.unique(key, return_inverse=True)
        key, reach = key.reshape(-1), int(key.max()) + 1
    return np.bincount(key if among is None else key[among], minlength=reach)[key]


def _overlapping(
    here: Mapping[str, int],
    there: Mapping[str, int],
    blanked_here: Mapping[str, set[str]],
    blanked_there: Mapping[str, set[str]],
) -> list[tuple[list[str], int, int]]:
    """:func:`_overlapping_groups` without the earlier release's sets of each group."""
    return [
        (mine, count, before)
        for mine, _, count, before in _overlapping_groups(here, there, blanked_here, blanked_there)
    ]


def _overlapping_groups(
    here: Mapping[str, int],
    there: Mapping[str, int],
    blanked_here: Mapping[str, set[str]],
    blanked_there: Mapping[str, set[str]],
) -> list[tuple[list[str], list[str], int, int]]:
    """The sets of two releases (keys of :func:`set_counts` -> counts) in the finest groups whoever holds both
    files can add up and subtract: two sets, one of each, may hold the same people where every set column has
    the same value in both, or is blank in one (a locally suppressed value may be behind it: one of the values
    that release blanked, ``blanked_*``) and blank or such a value in the other; the groups are the connected
    sets of that relation. Each group: its sets of this release, its sets of the other, its count here, its count
    there. Without any
    value blanked locally, every group is one set (of either release, or of both)."""
    parent: dict[tuple[int, str], tuple[int, str]] = {}

    def find(node: tuple[int, str]) -> tuple[int, str]:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    rows = {(0, q): json.loads(q) for q in here} | {(1, q): json.loads(q) for q in there}
    sides = (blanked_here, blanked_there)
    for node in rows:
        find(node)

    def hidden(value: Any, side: int, column: str) -> bool:
        return value is None or value in sides[side].get(column, ())

    for a in (n for n in rows if n[0] == 0):
        for b in (n for n in rows if n[0] == 1):
            if all(
                x == y or (x is None and hidden(y, 0, c)) or (y is None and hidden(x, 1, c))
                for c, x, y in zip(SET_COLUMNS, rows[a], rows[b], strict=True)
            ):
                parent[find(a)] = find(b)
    groups: dict[tuple[int, str], tuple[list[str], list[str], list[int]]] = {}
    for node in rows:
        mine, theirs, counts = groups.setdefault(find(node), ([], [], [0, 0]))
        (mine if node[0] == 0 else theirs).append(node[1])
        counts[node[0]] += (here if node[0] == 0 else there)[node[1]]
    return [(mine, theirs, counts[0], counts[1]) for mine, theirs, counts in groups.values()]


def _moved(
    count: int,
    before: int,
    least: int,
    rows: tuple[Mapping[str, Mapping[str, int]], Mapping[str, Mapping[str, int]] | None],
    here: Sequence[str],
    there: Sequence[str],
) -> bool:
    """Whether sets of this release (``here``, ``count`` people) and of an earlier one (``there``, ``before``)
    subtracted leave 1 to ``least`` - 1 people: by count, or, where the earlier release's full rows are kept
    (``rows``: this one's and that one's, by set), by the rows gone or new."""
    if 0 < abs(count - before) < least:
        return True
    mine, theirs = rows
    if theirs is None:  # a release recorded before the register kept its rows: counts only
        return False
    gone, new = _rows_moved(_summed([mine[q] for q in here]), _summed([theirs.get(q, {}) for q in there]))
    return 0 < gone < least or 0 < new < least


def _withhold_differences(
    frame: pl.DataFrame,
    earlier: Sequence[Earlier],
    k: int,
    suppressed: Mapping[str, set[str]] | None = None,
) -> tuple[pl.DataFrame, int]:
    """``frame`` without the sets whose count differs from that of the same set in an earlier release (each
    ``(its k, its sets, the values it suppressed locally)``, a set it lacks counting 0) by more than 0 and fewer
    than k (or that release's k, if larger); and how many records were so left out. Left out, the set's count is
    0 here: its difference with each earlier release is then that release's own count, which is 0 or at least
    its k.

    Where either release suppressed values locally (this one's: ``suppressed``), a value written in one may be
    blank in the other, and the sets of the two files do not line up: whoever holds both adds up the sets that
    may hold the same people (:func:`_overlapping`: the groups of sets, of either file, linked by a value the
    other blanked) and subtracts those sums. Every such group is checked too, as if the blanked values were
    known, and one that differs by fewer than k is left out whole (every set of this release in it); as
    leaving out a set changes the groups, this is repeated until nothing changes. A group left out has the
    count 0 here, and the earlier release's count is a sum of its sets, each at least its k.

    Counts compare, rows too: where the earlier release's full rows are known (the fourth item, as
    :func:`row_counts` gives them; None for a release recorded before the register kept them), a set (or group)
    is left out too whose rows gone (written there, not here, row by row over the columns beside the set's) or
    rows new number 1 to k - 1: one person erased and k registered moves the count by k, but the two files
    subtracted row by row give the erased person's own row. Left out, its rows gone are the earlier release's
    own, at least its k, and none is new."""
    if not earlier or not frame.height:
        return frame, 0
    mine = suppressed or {}
    n = frame.height
    keys = pl.Series(_keys(frame, SET_COLUMNS))
    full = _full_rows(frame) if any(len(e) > 3 and e[3] is not None for e in earlier) else [""] * n
    while frame.height:
        here = set_counts(frame)
        here_rows: dict[str, dict[str, int]] = {}
        for key, row in zip(keys, full, strict=True):
            rows = here_rows.setdefault(key, {})
            rows[row] = rows.get(row, 0) + 1
        unsafe: set[str] = set()
        for entry in earlier:
            their_k, sets, theirs = entry[:3]
            their_rows = entry[3] if len(entry) > 3 else None
            least = max(k, their_k)
            both = (here_rows, their_rows)
            unsafe |= {q for q, c in here.items() if _moved(c, sets.get(q, 0), least, both, [q], [q])}
            if not any(mine.values()) and not any(theirs.values()):
                continue
            for sets_here, sets_there, count, before in _overlapping_groups(here, sets, mine, theirs):
                if sets_here and _moved(count, before, least, both, sets_here, sets_there):
                    unsafe.update(sets_here)
        if not unsafe:
            break
        withheld = keys.is_in(list(unsafe))
        full = [row for row, out in zip(full, withheld, strict=True) if not out]
        frame, keys = frame.filter(~withheld), keys.filter(~withheld)
    return frame, n - frame.height


def in_hierarchy(levels: Mapping[str, str], hierarchy: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Levels (of an earlier export) as this export can write them: a level the hierarchy lacks (a band, a
    sub-region or region, recorded by an export written before the file kept the layout, or with the generalised
    columns) is withheld."""
    return {c: levels[c] if levels[c] in hierarchy[c] else WITHHELD for c in hierarchy}


def _rolled_up(
    sets: Mapping[str, int],
    levels: Mapping[str, str],
    hierarchy: Mapping[str, tuple[str, ...]],
    target: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """An earlier release's set counts (:func:`set_counts`, at ``levels``) as sets of this export's hierarchy: a
    value at a level the hierarchy lacks, or of a column this export withholds (``target``, its levels), is
    withheld (null), and the sets that then coincide are added up. That is how whoever holds both files compares
    them: the earlier file's sub-regions against this one's empty cells."""
    gone_columns = [
        c
        for c in hierarchy
        if levels.get(c) not in hierarchy[c] or (target is not None and target[c] == WITHHELD)
    ]
    gone = [SET_COLUMNS.index(c) for c in gone_columns]
    if "ageBroad" in gone_columns and target is not None and target["ageBroad"] == WITHHELD:
        gone.append(SET_COLUMNS.index("majorityStatus"))  # withheld with the age band
    if not gone:
        return dict(sets)
    out: dict[str, int] = {}
    for key, count in sets.items():
        values = json.loads(key)
        for i in gone:
            values[i] = None
        rolled = json.dumps(values)
        out[rolled] = out.get(rolled, 0) + count
    return out


def _rolled_up_rows(
    rows: Mapping[str, Mapping[str, int]] | None,
    levels: Mapping[str, str],
    hierarchy: Mapping[str, tuple[str, ...]],
    target: Mapping[str, str],
) -> dict[str, dict[str, int]] | None:
    """An earlier release's full rows (:func:`row_counts`) with its sets rolled up as :func:`_rolled_up` rolls
    their counts (the rows of sets that then coincide added up); None stays None (rows not kept)."""
    if rows is None:
        return None
    out: dict[str, dict[str, int]] = {}
    for key, counts in rows.items():
        (rolled,) = _rolled_up({key: 1}, levels, hierarchy, target)
        into = out.setdefault(rolled, {})
        for row, n in counts.items():
            into[row] = into.get(row, 0) + n
    return out


def _rolls_up(
    levels: Mapping[str, str], first_year: int, target: Mapping[str, str], target_first: int
) -> bool:
    """Whether a release at ``levels`` (in this export's hierarchy) can be compared with one at ``target``: each
    column at the same level, or withheld in the target; years in bands from the same first year."""
    if any(levels[c] != target[c] and target[c] != WITHHELD for c in target):
        return False
    return target["yearOfRegistration"] != "3-year band" or first_year == target_first


def _without_blank_rows(
    frame: pl.DataFrame, k: int, levels: Mapping[str, str], generalised_columns: bool
) -> tuple[pl.DataFrame, int, int]:
    """``frame`` without the rows of which nothing would be written (every column empty, once the implied columns
    follow their form and a band or area is moved to its extra column, which counts: the toolkit's CTDC loader
    reads the generalised columns, :data:`~evidence.sources.ctdc.K_ANON_GENERALISED`): to whoever
    reads the file such a line is blank, or a note beside the records, no case (CTDC's loader, the toolkit's
    too, leaves it out or rejects it), so the file would hold fewer cases than it says. With them, the rest of
    their set is left out where fewer than k remain. Returns the frame, how many blank rows were left out, and
    how many more left out with them."""
    if not frame.height:
        return frame, 0, 0
    # the generalised columns count (the toolkit's CTDC loader reads a band or an area in them). The implied
    # columns need not be emptied first (:func:`_withhold_implied`) to tell a blank row: a row whose every other
    # column is empty has no form of exploitation written, so each of its implied columns is emptied too, and a
    # row with another column filled is not blank either way; nor does :func:`_rendered` read an implied column
    # (without the extra columns, the rows as written are the layout's columns of the frame: read there)
    shown = _rendered(frame, levels, generalised_columns) if generalised_columns else frame
    # a column empty in every row is empty in each (most of the layout's are: the records hold no such field):
    # left out of the test, which then reads the few columns filled, not the layout's 63 (each round asks)
    height = shown.height
    filled = [
        c
        for c in (shown.columns if generalised_columns else _columns())
        if c not in IMPLIED and shown.get_column(c).null_count() < height
    ]
    blank = (
        shown.select(pl.all_horizontal(pl.col(c).is_null() for c in filled)).to_series()
        if filled
        else pl.Series(values=[True] * height, dtype=pl.Boolean)
    )
    n_blank = int(blank.sum())
    if not n_blank:
        return frame, 0, 0
    rest = frame.filter(~blank)
    small = _set_sizes(rest) < k if rest.height else pl.Series([], dtype=pl.Boolean)
    return rest.filter(~small), n_blank, int(small.sum())


def anonymise(
    data: pl.DataFrame,
    *,
    k: int = 11,
    max_suppressed: float = 0.05,
    levels: Mapping[str, str] | None = None,
    first_year: int | None = None,
    earlier: Sequence[Earlier] = (),
    generalised_columns: bool = False,
    suppression: str = LOCAL,
) -> tuple[pl.DataFrame, ExportReport]:
    """The records in the layout with every quasi-identifier combination occurring at least ``k`` times.

    ``levels`` (quasi-identifier -> the name of a level) and ``first_year`` fix the generalisation (an earlier
    release's, so that the sets of the two line up) instead of choosing it (a level this export cannot write is
    withheld: :func:`in_hierarchy`); records in sets smaller than k are then left out however many. ``earlier``
    (each earlier release's k, :func:`set_counts` at these levels, and the values it blanked: :func:`suppressed_values`):
    a set (or a group of sets that may hold the same people) whose count differs from that of
    one of them by fewer than k is left out too (:func:`_withhold_differences`). ``generalised_columns``: years
    may be banded and countries put in their UN M49 sub-region or region (:data:`GENERALISED_QUASI_IDENTIFIERS`).
    ``suppression`` (:data:`SUPPRESSIONS`): ``local`` blanks rare values record by record
    (:func:`_locally_suppressed`) and generalises a whole column only as far as keeps a value (never withholds
    it) and only while local suppression would leave out more than ``max_suppressed``; ``global`` generalises
    and withholds whole columns (Datafly), as the toolkit did before.

    The frame returned holds the sets' values (a band or an area in the year or country column, with
    ``generalised_columns``); :func:`_rendered` gives the rows as the file holds them.
    """
    kept, report, _ = _anonymised(
        data,
        k=k,
        max_suppressed=max_suppressed,
        levels=levels,
        first_year=first_year,
        earlier=earlier,
        generalised_columns=generalised_columns,
        suppression=suppression,
    )
    return kept, report


def _anonymised(
    data: pl.DataFrame,
    *,
    k: int,
    max_suppressed: float,
    levels: Mapping[str, str] | None,
    first_year: int | None,
    earlier: Sequence[Earlier],
    generalised_columns: bool,
    suppression: str,
    blank_first: Mapping[str, set[str]] | None = None,
    layout: tuple[pl.DataFrame, list[str]] | None = None,
) -> tuple[pl.DataFrame, ExportReport, dict[str, set[str]]]:
    """:func:`anonymise`, and the values it suppressed locally (set column -> values; never published: the
    register keeps them for a later release to be checked against this one). ``layout``: :func:`_layout_frame`
    of ``data``, when the caller made it (once for the several ways it anonymises the same records)."""
    if suppression not in SUPPRESSIONS:
        raise ParameterError(f"suppression is one of {', '.join(SUPPRESSIONS)}, got {suppression!r}")
    if k < 2:
        raise ParameterError(f"k must be at least 2, got {k}")
    if not 0 <= max_suppressed < 1:
        raise ParameterError(f"max_suppressed is a share of the records (0 to below 1), got {max_suppressed}")
    hierarchy = GENERALISED_QUASI_IDENTIFIERS if generalised_columns else QUASI_IDENTIFIERS
    finest, merged = layout if layout is not None else _layout_frame(data)
    # whether each record's value of each quasi-identifier is recorded: carried beside the rows to count, per
    # column and level, the recorded values written (an empty cell is then told withheld or not recorded)
    recorded = {c: f"__recorded_{c}" for c in hierarchy}
    blanked = {c: f"__suppressed_{c}" for c in hierarchy}
    finest = finest.with_columns(  # in one pass: the columns follow in this order
        *(pl.col(c).is_not_null().alias(name) for c, name in recorded.items()),
        *(pl.lit(False).alias(name) for name in blanked.values()),
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("__row"),
    )
    local = suppression == LOCAL
    # local suppression withholds values record by record: a whole column is generalised only to a level that
    # keeps a value (the last but one, withheld being the last)
    top = {c: len(hierarchy[c]) - (2 if local else 1) for c in hierarchy}
    if first_year is None:
        first_year = first_year_of(data)
    fixed = levels is not None
    chosen = (
        {c: hierarchy[c].index(level) for c, level in in_hierarchy(levels, hierarchy).items()}
        if levels is not None
        else dict.fromkeys(hierarchy, 0)
    )
    # each quasi-identifier's columns at a level, made once: a generalisation reads and writes only the columns
    # its quasi-identifier owns (:func:`_owned`), so the frame at the levels chosen is the finest one with each
    # quasi-identifier's owned columns taken from its own generalisation of the finest, as generalising them one
    # after the other gives it; raising one level then makes one generalisation, not one for each of them
    made: dict[tuple[str, int], pl.DataFrame] = {}

    def generalised(column: str, level: int) -> pl.DataFrame:
        if (column, level) not in made:
            made[column, level] = _generalise(finest, column, hierarchy[column][level], first_year).select(
                _owned(column)
            )
        return made[column, level]

    # the records written as the loop last told them, when it did for the frame and levels it ends on (the same
    # call again after it would give the same)
    told: tuple[pl.DataFrame, int, int] | None = None
    while True:
        told = None
        raised = [generalised(column, level) for column, level in chosen.items() if level]
        frame = (
            finest.with_columns(*(c for part in raised for c in part.iter_columns())) if raised else finest
        )
        unsuppressed = frame
        if local:
            frame, _ = _locally_suppressed(frame, k, list(hierarchy), blank_first)
        small = _set_sizes(frame) < k
        raisable = [c for c, level in chosen.items() if level < top[c]]
        if fixed or not raisable:
            break
        left_out = int(small.sum())
        if local and left_out <= max_suppressed * frame.height:
            # local suppression may blank a record whole: it is left out too (nothing of it can be written)
            at = {c: hierarchy[c][level] for c, level in chosen.items()}
            told = _without_blank_rows(frame.filter(~small), k, at, generalised_columns)
            left_out += told[1] + told[2]
        if left_out <= max_suppressed * frame.height:
            break
        # Datafly's choice: generalise the quasi-identifier with the most distinct values
        widest = max(raisable, key=lambda c: (frame.get_column(c).n_unique(), -list(hierarchy).index(c)))
        chosen[widest] += 1
    at = {c: hierarchy[c][level] for c, level in chosen.items()}
    held, blank, collateral = told or _without_blank_rows(frame.filter(~small), k, at, generalised_columns)
    # the values blanked in the records written (those of records left out are not in the file: a blank of the
    # file hides none of them), as the records held them at the levels chosen
    suppressed: dict[str, set[str]] = {}
    for column, flag in blanked.items():
        rows = held.get_column("__row").filter(held.get_column(flag))
        if not rows.len():
            continue
        before = unsuppressed.filter(pl.col("__row").is_in(rows.implode()))
        for key in ["ageBroad", "majorityStatus"] if column == "ageBroad" else [column]:
            found = set(before.get_column(key).drop_nulls().to_list())
            if found:
                suppressed.setdefault(key, set()).update(found)
    held, withheld = _withhold_differences(held, earlier, k, suppressed)
    kept, implied_withheld = _withhold_implied(held)
    counts = {}
    for column, name in recorded.items():
        n = int(kept.get_column(name).sum())
        rare = int((kept.get_column(name) & kept.get_column(blanked[column])).sum())
        counts[column] = {
            level: count
            for level, count in (
                (at[column], n - rare),
                (LOCALLY_SUPPRESSED, rare),
                (NOT_RECORDED, kept.height - n),
            )
            if count
        }
    kept = kept.drop([*recorded.values(), *blanked.values(), "__row"])
    # in the order of the file's own content, never the records' (the register's is that of their pseudonyms:
    # rows in it would line up with a snapshot's, or with another release's, person by person)
    kept = kept.sort(kept.columns, nulls_last=False)
    report = ExportReport(
        k=k,
        rows_in=data.height,
        rows_written=kept.height,
        rows_suppressed=int(small.sum()) + collateral,
        levels=at,
        smallest_set=smallest_set(kept, SET_COLUMNS),
        not_written=tuple(merged),
        implied_withheld=implied_withheld,
        rows_withheld_for_differencing=withheld,
        generalised=counts,
        generalised_columns=generalised_columns,
        rows_blank=blank,
        suppression=suppression,
    )
    return kept, report, suppressed


def _text(kept: pl.DataFrame) -> str:
    """The export's CSV text. Its values come from code lists (no free text of the records), but a spreadsheet
    opens it: no cell is left to start a formula all the same (:func:`~evidence.core.text.spreadsheet_text`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow([TERMS, *map(spreadsheet_text, kept.columns)])
    # column by column, each distinct value made a cell once (a column holds a few codes over all its rows;
    # row by row, every cell went through spreadsheet_text)
    cells = [[""] * kept.height]
    for series in kept.iter_columns():
        values = series.to_list()
        if series.dtype.is_float():  # 0.0 and -0.0 are one key of a dict, two texts
            cells.append(["" if v is None else spreadsheet_text(str(v)) for v in values])
            continue
        text = {v: "" if v is None else spreadsheet_text(str(v)) for v in set(values)}
        cells.append([text[v] for v in values])
    writer.writerows(zip(*cells, strict=True))
    return buffer.getvalue()


def write_ctdc_export(
    data: pl.DataFrame,
    out: str | Path,
    *,
    k: int = 11,
    max_suppressed: float = 0.05,
    generalised_columns: bool = False,
    suppression: str = LOCAL,
) -> ExportReport:
    """Write the k-anonymised export of a case table to ``out`` (atomically), and its provenance sidecar beside
    it (:func:`write_sidecar`).

    This writes one release and knows of no other: to export the register, use :func:`export_register`, which
    records every release and refuses a second, different one unless told (two releases can be differenced).
    """
    kept, report = anonymise(
        data,
        k=k,
        max_suppressed=max_suppressed,
        generalised_columns=generalised_columns,
        suppression=suppression,
    )
    write_text(
        out, _text(_rendered(kept, report.levels, generalised_columns)), mode=0o600
    )  # shared deliberately
    write_sidecar(out, report)
    return report


def sidecar_of(out: str | Path) -> Path:
    """Where the provenance sidecar of an export written to ``out`` goes (where the toolkit's loader reads it)."""
    from evidence.sources.registry import sidecar_path

    return sidecar_path(out)


def write_sidecar(out: str | Path, report: ExportReport) -> Path:
    """Write the provenance sidecar of the export at ``out`` (atomically, owner-only as the file): its k and how
    each quasi-identifier was written, counted per column and level (:meth:`ExportReport.sidecar`). The toolkit's
    loader applies it as the file is read; a person reads it beside the file."""
    path = sidecar_of(out)
    write_text(path, json.dumps(report.sidecar(), indent=2, ensure_ascii=False) + "\n", mode=0o600)
    return path


class AnotherReleaseError(ParameterError):
    """The register has already been exported differently: a new release could be differenced with it."""


@dataclasses.dataclass(frozen=True)
class RegisterExport:
    """What :func:`export_register` did: the report, the date the records stood on, this export's number in
    the register, and the earlier exports of other content (each a row of the register's ``ctdc_exports``)."""

    report: ExportReport
    as_of: str
    as_of_note: str | None
    export_id: int
    other_releases: tuple[dict[str, Any], ...]
    #: that people were erased from the register (:func:`~.store.erasure_note`), None if none were
    erasure_note: str | None = None
    #: that linked case ids count once, or that some records alike in the fields that tell a person are not
    #: linked (one person may be written twice): :data:`~.store.LINK_NOTE`, :func:`~.store.same_person_note`
    identity_notes: tuple[str, ...] = ()
    #: the provenance sidecar written beside the file (:func:`write_sidecar`)
    sidecar: Path | None = None

    def warning(self) -> str | None:
        """The multiple-release risk in words, naming the earlier exports, when there are any."""
        return another_release_warning(self.other_releases, self.as_of, self.report.k)


def _described(export: dict[str, Any]) -> str:
    return (
        f"export {export['export_id']} ({export['file_name']!r}, written {str(export['exported_at'])[:10]}, "
        f"as of {export['as_of']}, k = {export['k']}, max-suppressed {export['max_suppressed']:g})"
    )


def another_release_warning(others: tuple[dict[str, Any], ...], as_of: str, k: int) -> str | None:
    """Why a release differing from earlier ones of the same register is a risk, naming them (None if none)."""
    if not others:
        return None
    latest = others[-1]
    differs = [
        what
        for what, same in (
            (f"k ({latest['k']} then, {k} now)", latest["k"] == k),
            (f"as-of date ({latest['as_of']} then, {as_of} now)", latest["as_of"] == as_of),
        )
        if not same
    ] or ["content (the records as of that date changed, or the share left out)"]
    more = f" and {len(others) - 1} other release(s)" if len(others) > 1 else ""
    return (
        f"this register was already exported differently: {_described(latest)}{more}; this release differs in "
        + " and ".join(differs)
        + ". Two k-anonymised releases of the same records can be subtracted from each other: the records one "
        "left out or generalised differently fall out in sets smaller than k, often of 1 or 2 people, however "
        "large k is in each file (a multiple-release or differencing attack). Share one release per period, with the same k and "
        "generalisation as before, and consider any earlier release as known to whoever receives this one"
    )


def _made_again(register: Path, wait: float):
    """A function of a recorded export to its sets as :func:`~.store.ctdc_release_sets` gives them, made again
    from the records as of its date with its k and share left out at most: None when that gives another file
    than the one recorded (its sha256: records erased or corrected since, or an export made by other code).
    It is made again as the file is written now, then with the generalised columns, then as the toolkit wrote it
    before the file kept the layout (bands and areas in the layout's own columns)."""
    from evidence.sources.register.store import records_as_of

    def again(export: dict[str, Any]) -> dict[str, Any] | None:
        if export.get("file_sha256") is None or export.get("as_of") is None:
            return None
        data = records_as_of(register, dt.date.fromisoformat(str(export["as_of"])), wait=wait).data
        layout = _layout_frame(data)  # the same records each way: laid out once
        for suppression, generalised_columns in ((s, g) for s in SUPPRESSIONS for g in (False, True)):
            kept, report, suppressed = _anonymised(
                data,
                layout=layout,
                k=export["k"],
                max_suppressed=export["max_suppressed"],
                levels=None,
                first_year=None,
                earlier=(),
                generalised_columns=generalised_columns,
                suppression=suppression,
            )
            texts = [_text(_rendered(kept, report.levels, generalised_columns))]
            if generalised_columns:
                texts.append(_text(kept))  # as written before the file kept the layout
            if any(_sha256(text) == export["file_sha256"] for text in texts):
                return {
                    "export_id": export["export_id"],
                    "k": export["k"],
                    "file_sha256": export["file_sha256"],
                    "levels": recorded_levels(report, suppressed),
                    "first_year": first_year_of(data),
                    "sets": set_counts(kept),
                    "rows": row_counts(kept),
                }
        return None

    return again


def _never_written(
    releases: Sequence[Earlier],
) -> dict[str, set[str]]:
    """Set column -> the values some release (``(k, sets, values blanked)``) blanked and wrote in none of its
    sets: a later release blanks them in every record, as that one did."""
    out: dict[str, set[str]] = {}
    for release in releases:
        sets, blanked = release[1], release[2]
        rows = [json.loads(key) for key in sets]
        for column, values in blanked.items():
            i = SET_COLUMNS.index(column)
            written = {row[i] for row in rows}
            out.setdefault(column, set()).update(v for v in values if v not in written)
    return out


def recorded_levels(report: ExportReport, suppressed: Mapping[str, set[str]]) -> dict[str, str]:
    """The levels an export records in the register: its quasi-identifiers' (:attr:`ExportReport.levels`) and,
    when it suppressed values locally, those values (:data:`SUPPRESSED_VALUES`, as JSON), for a later release
    to compare its sets with this one's with them blanked in both (:func:`_withhold_differences`). Registers
    whose exports recorded levels alone read as before: no value suppressed."""
    out = dict(report.levels)
    if any(suppressed.values()):
        out[SUPPRESSED_VALUES] = json.dumps({c: sorted(v) for c, v in suppressed.items() if v})
    return out


def suppressed_values(levels: Mapping[str, str]) -> dict[str, set[str]]:
    """The values an export suppressed locally, from the levels it recorded (:func:`recorded_levels`)."""
    text = levels.get(SUPPRESSED_VALUES)
    return {c: set(v) for c, v in json.loads(text).items()} if text else {}


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def another_release(
    data: pl.DataFrame,
    known: Sequence[Mapping[str, Any]],
    *,
    k: int,
    max_suppressed: float,
    generalised_columns: bool,
    suppression: str,
    layout: tuple[pl.DataFrame, list[str]] | None = None,
) -> tuple[pl.DataFrame, ExportReport, dict[str, set[str]], int]:
    """Another release of ``data`` after the earlier ones (``known``, oldest first, as
    :func:`~.store.ctdc_release_sets` gives them: ``export_id``, ``k``, ``levels``, ``first_year``, ``sets``):
    the records kept, the report, the values suppressed locally and the first year of the year bands (the
    latest's). ``layout``: :func:`_layout_frame` of ``data``, when the caller made it."""
    # another release, allowed: it keeps the generalisation of the latest one (their sets line up) and leaves
    # out every set whose count differs from that of an earlier release of that generalisation by fewer than
    # k. Subtracted, the two files would leave so few people, with all their rows say of them. A level this
    # export cannot write (an earlier file's sub-region, in the layout's own column) is withheld, and the
    # earlier sets are compared rolled up to it, as whoever holds both files compares them
    hierarchy = GENERALISED_QUASI_IDENTIFIERS if generalised_columns else QUASI_IDENTIFIERS
    local = suppression == LOCAL
    latest = known[-1]
    first_year = latest["first_year"]
    target = in_hierarchy(latest["levels"], hierarchy)
    # every earlier release whose levels roll up to these (equal, or withheld here: an earlier file's
    # sub-regions, in an extra column, read beside this one's empty citizenship), compared rolled up
    compared = [
        e
        for e in known
        if _rolls_up(in_hierarchy(e["levels"], hierarchy), e["first_year"], target, first_year)
    ]
    alike: list[Earlier] = [
        (
            e["k"],
            _rolled_up(e["sets"], e["levels"], hierarchy, target),
            suppressed_values(e["levels"]),
            _rolled_up_rows(e.get("rows"), e["levels"], hierarchy, target),
        )
        for e in compared
    ]
    # the values an earlier release blanked are blanked first in every record, so that its blanks hide no
    # value this release writes: those it wrote nowhere (blanked wherever held), or, if that writes more,
    # every value it blanked anywhere; each is checked against the earlier releases in full, and the one
    # writing more records is kept (the lighter blanking where they tie)
    choices = [_never_written(alike)]
    if local:
        every = {c: {v for e in alike for v in e[2].get(c, ())} for c in SET_COLUMNS}
        # the same values to blank first (a column with none is left as it is): the same release, made once
        if {c: v for c, v in every.items() if v} != {c: v for c, v in choices[0].items() if v}:
            choices.append(every)
    if layout is None:  # the same records for each choice: laid out once
        layout = _layout_frame(data)
    made = [
        _anonymised(
            data,
            layout=layout,
            k=k,
            max_suppressed=max_suppressed,
            levels=target,
            first_year=first_year,
            earlier=alike,
            generalised_columns=generalised_columns,
            suppression=suppression,
            blank_first=blank_first,
        )
        for blank_first in choices
    ]
    best = max(range(len(made)), key=lambda i: (made[i][1].rows_written, -i))
    kept, report, suppressed = made[best]
    report = dataclasses.replace(
        report,
        generalisation_of=latest["export_id"],
        compared_by_counts_only=tuple(e["export_id"] for e in compared if e.get("rows") is None),
    )
    return kept, report, suppressed, first_year


def export_register(
    register: str | Path,
    out: str | Path,
    *,
    k: int = 11,
    max_suppressed: float = 0.05,
    as_of: dt.date | None = None,
    allow_another_release: bool = False,
    wait: float = 0.0,
    generalised_columns: bool = False,
    suppression: str = LOCAL,
) -> RegisterExport:
    """Write the k-anonymised export of the register as of a date (default: its latest export) to ``out``, and
    record it in the register (when, as of, k, the share left out at most, file name and sha256, records); then
    its provenance sidecar beside it (:func:`write_sidecar`). ``generalised_columns``: bands of years and UN M49
    areas are written too, in extra columns after the layout's (:data:`GENERALISED_COLUMNS`; a non-standard file).

    When an earlier export of the register differs from this one (another k, another as-of date, other
    content), the two could be differenced into the people either left out: the export is refused
    (:class:`AnotherReleaseError`, naming the earlier export and the risk, nothing written) unless
    ``allow_another_release``; then it is written and :meth:`RegisterExport.warning` says the risk. The same
    file again is no new release.
    """
    from evidence.sources.register.store import (
        ERASURE_NOTE,
        LINK_NOTE,
        SAME_PERSON_NOTE,
        export_reading,
        record_ctdc_export,
    )

    register, out = Path(register), Path(out)
    # the date, the records as of it, and the exports recorded with their sets: one reading of the register
    stood, loaded, every, known = export_reading(register, as_of, wait=wait)
    if stood.date is None or loaded is None:
        raise ParameterError(f"{register}: the register holds no export yet: nothing to export")
    layout = _layout_frame(loaded.data)  # laid out once, for another release too
    kept, report, suppressed = _anonymised(
        loaded.data,
        layout=layout,
        k=k,
        max_suppressed=max_suppressed,
        levels=None,
        first_year=None,
        earlier=(),
        generalised_columns=generalised_columns,
        suppression=suppression,
    )

    def text_of(kept: pl.DataFrame, report: ExportReport) -> str:
        return _text(_rendered(kept, report.levels, generalised_columns))

    first_year = first_year_of(loaded.data)
    recorded = {e["export_id"] for e in every}
    if (
        allow_another_release
    ):  # an export recorded before the register kept its sets: made again, if it can be
        have = {e["export_id"] for e in known}
        again = _made_again(
            register, wait
        )  # only those whose sets are not kept (each costs a reading and more)
        made = [again(e) for e in every if e["export_id"] not in have]
        known = sorted([*known, *(e for e in made if e)], key=lambda e: e["export_id"])
    text: str | None = None  # the file's text, once made (made once: the same release again is this one)
    if allow_another_release and known:
        text = text_of(kept, report)
        if _sha256(text) not in {e["file_sha256"] for e in known}:
            kept, report, suppressed, first_year = another_release(
                loaded.data,
                known,
                k=k,
                max_suppressed=max_suppressed,
                generalised_columns=generalised_columns,
                suppression=suppression,
                layout=layout,
            )
            text = None
    if not report.rows_written and report.rows_withheld_for_differencing:
        # not too few records: every set moved by a person or a few since the earlier release
        raise ParameterError(
            f"{register}: no record can be written as of {stood.date}: generalised as export "
            f"{report.generalisation_of} was, every set of the records differs from the same set of an earlier "
            f"release (in count, or row by row) by fewer than k (k = {k}; {counted(report.rows_withheld_for_differencing, 'record')} left out so), and "
            "the two files subtracted would leave so few people. Nothing was written or recorded: one release "
            "per period remains the way to share (or a release as of a date whose sets moved less)"
            + (
                "; locally suppressed files line up less well than globally recoded ones (--global-recoding, "
                "for a series of releases from the first)"
                if suppression == LOCAL
                else ""
            )
        )
    if not report.rows_written:
        # a file of the header alone tells CTDC nothing, and recorded as a release it would make the first real
        # export "another release", refused
        raise ParameterError(
            f"{register}: with k = {k}, no record can be written: the {report.rows_in} records as of "
            + (
                f"{stood.date} fall in sets smaller than k however far they are generalised: nothing was written "
                "or recorded (a smaller --k, or an export once more records are held)"
                if report.generalisation_of is None
                else f"{stood.date} fall in sets smaller than k generalised as export {report.generalisation_of} "
                f"was ({suppression} suppression): nothing was written or recorded (a release reaching k as that "
                "one did: --global-recoding as it was, or not)"
            )
        )
    if text is None:
        text = text_of(kept, report)
    digest = _sha256(text)
    others: tuple[dict[str, Any], ...] = ()

    def decide(earlier: list[dict[str, Any]]) -> bool:
        """Whether this export is another release (refused unless allowed), from the exports recorded."""
        nonlocal others
        # the same file again releases nothing new; any other one can be differenced with the earlier ones
        releases = {e["file_sha256"]: e for e in reversed(earlier)}  # each release once, as first written
        others = () if digest in releases else tuple(sorted(releases.values(), key=lambda e: e["export_id"]))
        if others and not allow_another_release:
            warning = another_release_warning(others, stood.date.isoformat(), k)  # type: ignore[union-attr]
            raise AnotherReleaseError(
                f"{warning}. Nothing was written. To write it all the same, after weighing that risk "
                "(docs/case-records.md, 'Several releases'), pass --allow-another-release: the release then keeps the "
                "earlier generalisation and leaves out every set whose count or rows differ from an earlier release's by "
                "fewer than k"
            )
        if any(e["export_id"] not in recorded for e in earlier):  # its sets were not checked against this one
            raise ParameterError(
                f"{register}: another export of the register was recorded while this one was made: nothing was "
                "written; export again"
            )
        return bool(others)

    # refused before the register is opened for writing: by the exports recorded as the records were read (in
    # that reading, not in another: one costs more than the rest of a small export's reading); an export recorded
    # since is met by the same decision in the transaction that records this one
    decide(every)
    export_id = record_ctdc_export(
        register,
        as_of=stood.date,
        k=k,
        max_suppressed=max_suppressed,
        out=out,
        text=text,
        rows_in=report.rows_in,
        rows_written=report.rows_written,
        allowed_another_release=bool(others),
        wait=wait,
        decide=decide,  # again, in the transaction that records it: another process may have exported since
        levels=recorded_levels(report, suppressed),
        first_year=first_year,
        sets=set_counts(kept),
        rows=row_counts(kept),
    )
    sidecar = write_sidecar(out, report)
    return RegisterExport(
        report=report,
        as_of=stood.date.isoformat(),
        as_of_note=stood.note(),
        export_id=export_id,
        other_releases=others,
        erasure_note=next((n for n in loaded.provenance.notes if n.startswith(ERASURE_NOTE)), None),
        sidecar=sidecar,
        identity_notes=tuple(
            n for n in loaded.provenance.notes if n == LINK_NOTE or n.startswith(SAME_PERSON_NOTE)
        ),
    )
