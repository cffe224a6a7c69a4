"""The data-aware check of a run, before any kernel starts: default years and empty selections.

A notebook that declares which of its parameters select victims (``# selection: country=country, role=role,
years=year_from:year_to, data=data``; see :mod:`evidence.notebooks.catalog`) gets, from every ``evidence run``,
``brief`` and ``batch``:

* **default years from the data**: a first or last year left empty (``None``) becomes the first or last year
  the data hold victims of the country in its role (:attr:`evidence.analyses.coverage.Coverage.span`), so that
  the run's folder, record and brief name the years it covers;
* **no empty runs**: a selection with no victims in any of the data files (or, when only context data such as the
  GSI or TIP tiers are given, nothing for the country) is refused with :class:`EmptySelectionError` (exit code 2),
  naming the years the data do hold for the country and role; ``allow_empty`` runs it anyway.

* **no notebook of victims without victim data**: a notebook that analyses victim records or UNODC's country
  data only (it opens its selections with :data:`OPENS_VICTIM_SELECTIONS`: ``routes``, ``trends``) given context
  data alone (GSI estimates, TIP tiers) is refused naming each file and what it holds
  (:func:`refuse_without_victims`), as ``evidence flows`` refuses such a file, instead of failing in the kernel.

* **no list-capture data for a notebook that loads tables**: a list-capture CSV or workbook (a 0/1 column per list) given
  to a notebook that does not read such data (:func:`refuse_list_capture`) is refused naming the file and the
  notebook that does (``hidden_population``), instead of failing in the kernel.

The data files are the ones the kernel will load (the same that the run's cache key hashes), read once per
process (:func:`evidence.notebooks.runtime.load_tables`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evidence.core.errors import ParameterError
from evidence.notebooks.catalog import NotebookSpec


class EmptySelectionError(ParameterError):
    """A run whose selection holds no victims in its data (refused before a kernel starts)."""


#: The call by which a notebook reads list-capture data (:func:`evidence.sources.list_capture.load_list_capture`);
#: a notebook whose code has none loads its data files with the table loaders.
READS_LIST_CAPTURE = "load_list_capture"
#: The packaged notebook that estimates the hidden population from list-capture data.
LIST_CAPTURE_NOTEBOOK = "hidden_population"


def refuse_list_capture(spec: NotebookSpec, files: Sequence[str | Path]) -> None:
    """Refuse, before any kernel starts, a list-capture file (:func:`evidence.sources.list_capture.sniff`: a 0/1
    column per list, with or without a count column, in a text file or a workbook's one sheet) given to a
    notebook that loads its data as tables (its code never calls :data:`READS_LIST_CAPTURE`): no table loader
    reads it, and the kernel would fail on it. The error names the file, where its table is, and the notebook
    and command that read it. Only the head of each file is read, and a workbook's only when no loader has
    read the file before (:func:`evidence.sources.cache.remembered_source`): peeking the GSI workbook's sheets
    cost every run a sixth of a second."""
    if READS_LIST_CAPTURE in spec.text:
        return
    from evidence.sources.cache import remembered_source
    from evidence.sources.list_capture import sniff, sniffed_table
    from evidence.sources.registry import FileHead

    for file in files:
        path = Path(file)
        if not path.is_file() or path.stat().st_size == 0:
            continue  # missing or empty: the loaders say so
        head = FileHead(path)
        if head.is_xlsx and remembered_source(path) is not None:
            continue  # a loader reads it (as detection does, loaders first): no list-capture data
        if (layout := sniff(head)) is None or (table := sniffed_table(head)) is None:
            continue
        counted = " and a count column" if layout == "histories" else ""
        raise ParameterError(
            f"{spec.name}: {path} is list-capture data (a 0/1 column per list{counted}: {table[0]}), which this "
            f"notebook does not read: estimate the hidden population from it with "
            f"`evidence run {LIST_CAPTURE_NOTEBOOK} --data {path}` (a brief of the estimate), or "
            f"`evidence estimate --data {path}` (the estimate in the terminal)"
        )


#: The call by which a notebook opens its selections of victims (:func:`evidence.notebooks.views.open_selections`):
#: a notebook that makes it analyses victim records or UNODC's country data, and fails in its kernel without them.
OPENS_VICTIM_SELECTIONS = "open_selections("
#: The kinds of table that count victims (the others, GSI estimates and TIP tiers, give context).
VICTIM_KINDS = ("case", "indicator")


def refuse_without_victims(spec: NotebookSpec, files: Sequence[str | Path], tables: Sequence[Any]) -> None:
    """Refuse, before any kernel starts, a run of a notebook that analyses victims only (its code calls
    :data:`OPENS_VICTIM_SELECTIONS`) whose data hold no victim records and no UNODC country data: its kernel
    would fail on them ("routes needs case data ...", exit 1 and a failed run), where ``evidence flows`` refuses
    the same file before anything runs (exit 2). The error names each file and what it holds. ``--allow-empty``
    does not help such a run and changes nothing."""
    if OPENS_VICTIM_SELECTIONS not in spec.text or not tables:
        return
    if any(table.kind in VICTIM_KINDS for table in tables):
        return
    held = "; ".join(
        f"{file}: {table.provenance.label} ({KIND_WORDS.get(table.kind, table.kind)})"
        for file, table in zip(files, tables, strict=True)
    )
    raise ParameterError(
        f"{spec.name} needs case data (CTDC) or UNODC country data, and the data given hold neither: {held} "
        f"(give such a file with --data, or in the notebook's `data` parameter)"
    )


#: What a table of each kind holds, in words.
KIND_WORDS = {"gsi": "GSI estimates, no victims", "tier": "TIP tiers, no victims"}


def settle_selection(
    spec: NotebookSpec,
    parameters: Mapping[str, Any],
    files: Sequence[str | Path],
    *,
    allow_empty: bool = False,
) -> dict[str, Any]:
    """``parameters`` with empty years filled from the data; raises :class:`EmptySelectionError` for a
    selection with no victims unless ``allow_empty`` (see the module docstring). A notebook without a
    ``# selection:`` line gets its parameters back unchanged."""
    declared = spec.selection
    settled = dict(parameters)
    if declared is None:
        return settled
    from evidence.analyses.coverage import coverage, years_text
    from evidence.notebooks.runtime import load_tables

    country = settled.get(declared.country)
    if not country:
        return settled
    role = str(settled.get(declared.role) or "both") if declared.role else "both"
    tables = load_tables(files)
    refuse_without_victims(spec, files, tables)
    first = settled.get(declared.year_from) if declared.year_from else None
    last = settled.get(declared.year_to) if declared.year_to else None
    if declared.year_from and declared.year_to and (first is None or last is None):
        held = coverage(tables, country, role)
        span = held.span
        if span is not None:
            given_from, given_to = first, last
            first = span[0] if first is None else first
            last = span[1] if last is None else last
            settled[declared.year_from], settled[declared.year_to] = first, last
            problems = [v for check in spec.checks if (v := check.violation(settled)) is not None]
            if problems:
                # the year not given is one the data chose: say so, the user never wrote it
                filled = [
                    f"{name} not given: {settled[name]}, the {edge} year the data hold"
                    for name, edge in ((declared.year_from, "first"), (declared.year_to, "last"))
                    if parameters.get(name) is None
                ]
                held_years = years_text(range(span[0], span[1] + 1))
                why = f"({'; '.join([*filled, f'the years the data hold: {held_years}'])})"
                # one year given beyond the data's: a selection with no victims (a batch lists it as empty and
                # goes on), not a bad parameter (which stopped a whole weekly batch); --allow-empty runs that
                # one year
                beyond = (
                    f"in {given_from} or later"
                    if given_from is not None and given_from > span[1]
                    else f"in {given_to} or earlier"
                    if given_to is not None and given_to < span[0]
                    else None
                )
                if beyond is None:
                    raise ParameterError(f"{'; '.join(problems)} {why}")
                if not allow_empty:
                    raise EmptySelectionError(
                        f"{spec.name}: the data hold no victims of {held.place()} {beyond} {why} ({EMPTY_HINT})"
                    )
                first = last = given_from if given_from is not None else given_to
                settled[declared.year_from], settled[declared.year_to] = first, last
                if problems := [v for check in spec.checks if (v := check.violation(settled)) is not None]:
                    raise ParameterError("; ".join(problems))
    years = (int(first), int(last)) if first is not None and last is not None else None
    found = coverage(tables, country, role, years)
    if found.empty and not allow_empty:
        raise EmptySelectionError(f"{spec.name}: {found.explain()} ({empty_hint(found)})")
    return settled


#: What a refused empty selection suggests (``evidence run``, ``brief``, ``batch`` and ``flows``).
EMPTY_HINT = "choose years the data hold, other data, or --allow-empty to run it anyway"
#: The same, for a command that has nothing to show for an empty selection (``evidence trend``).
EMPTY_HINT_NO_OPTION = "choose years the data hold, or other data"


def empty_hint(found: Any, allow_empty_option: bool = True) -> str:
    """What a refused empty selection suggests: other years only where the data hold some for the country and
    role (a file of UN regions only, or one without the country, holds none: other data can help, not years)."""
    if found.span is not None or not found.victim_sources:
        return EMPTY_HINT if allow_empty_option else EMPTY_HINT_NO_OPTION
    return (
        "choose other data, or --allow-empty to run it anyway" if allow_empty_option else "choose other data"
    )


def selection_with_victims(
    command: str,
    tables: Sequence[Any],
    country: str | None,
    role: str,
    years: str | tuple[int, int] | None,
    *,
    allow_empty: bool = False,
    allow_empty_option: bool = True,
) -> list[Any]:
    """The ``tables`` (case or UNODC indicator tables) of a terminal analysis (``evidence flows``, ``trend``)
    that hold victims in its selection, checked as :func:`settle_selection` checks a run's: when none does, the
    selection is refused with :class:`EmptySelectionError` (exit code 2) in the brief's words, naming the years
    the data do hold; ``allow_empty`` keeps every table (the command shows what it finds: zeros).
    ``allow_empty_option`` says whether the command has ``--allow-empty`` to suggest.

    Without a country the selection is every victim of the years: the years each table holds victims for are
    the years of its records (case) or of its detected victims (UNODC); without years as well nothing is
    refused."""
    from evidence.analyses.coverage import coverage, years_text
    from evidence.analyses.selection import check_country, check_role, check_years

    iso3, role, span = check_country(country), check_role(role), check_years(years)
    if allow_empty or not tables or (iso3 is None and span is None):
        return list(tables)
    hint = EMPTY_HINT if allow_empty_option else EMPTY_HINT_NO_OPTION
    if iso3 is not None:
        found = coverage(tables, iso3, role, span)
        inside = {id(s.table) for s in found.sources if s.in_selection}
        if found.empty:
            raise EmptySelectionError(
                f"{command}: {found.explain()} ({empty_hint(found, allow_empty_option)})"
            )
        return [t for t in tables if id(t) in inside]
    assert span is not None
    held = {id(t): _victim_years(t, role) for t in tables}
    bands = {id(t): _bands(t, role, span) for t in tables}
    kept = [t for t in tables if any(span[0] <= y <= span[1] for y in held[id(t)]) or bands[id(t)].held]
    if not kept:
        when = years_text(range(span[0], span[1] + 1))
        sources = "; ".join(f"{t.provenance.label}: {years_text(held[id(t)])}" for t in tables)
        cut = sorted({band for t in tables for band in bands[id(t)].cut})
        said = (
            f". Records dated only by a band of years that {when} cuts (they may all be of the band's other "
            f"years, so they are left out): {', '.join(cut)}; years that hold a band whole count them"
            if cut
            else ""
        )
        raise EmptySelectionError(
            f"{command}: the data hold no victims in {when}. Years they hold: {sources}{said} ({hint})"
        )
    return kept


def _bands(table: Any, role: str, span: tuple[int, int]) -> Any:
    """The bands of years dating a case table's records that ``span`` holds whole or cuts (CTDC's
    Victim–Perpetrator layout: 2014-2018), as :meth:`~evidence.analyses.selection.Selection.bands` reads them:
    records of the selection's years though of no single year, or left out; none for UNODC's data."""
    from evidence.analyses.selection import Bands, Selection, check_role

    if table.kind != "case":
        return Bands((), ())
    return Selection(table, role=check_role(role), years=span).bands()


def _victim_years(table: Any, role: str) -> tuple[int, ...]:
    """The years a case table has records for, or a UNODC indicator table detected victims (any country)."""
    import polars as pl

    from evidence.analyses.selection import Selection, check_role

    if table.kind == "case":
        years = table.data["year"].drop_nulls().unique() if "year" in table.data.columns else []
        return tuple(sorted(int(y) for y in years))
    from evidence.analyses import trends

    counts = trends.yearly_counts(Selection(table, role=check_role(role)))
    return tuple(sorted(int(y) for y in counts.filter(pl.col("count_high") > 0)["year"].to_list()))
