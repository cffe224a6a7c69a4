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

* **no list-capture data for a notebook that loads tables**: a list-capture CSV (a 0/1 column per list) given
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
    column per list, with or without a count column) given to a notebook that loads its data as tables (its
    code never calls :data:`READS_LIST_CAPTURE`): no table loader reads it, and the kernel would fail on it.
    The error names the file and the notebook and command that read it. Only the head of each text file is
    read (a workbook is no list-capture data)."""
    if READS_LIST_CAPTURE in spec.text:
        return
    from evidence.sources.list_capture import sniff
    from evidence.sources.registry import FileHead

    for file in files:
        path = Path(file)
        if not path.is_file() or path.stat().st_size == 0:
            continue  # missing or empty: the loaders say so
        head = FileHead(path)
        if head.is_xlsx or (layout := sniff(head)) is None:
            continue
        counted = " and a count column" if layout == "histories" else ""
        raise ParameterError(
            f"{spec.name}: {path} is list-capture data (a 0/1 column per list{counted}), which this notebook "
            f"does not read: estimate the hidden population from it with "
            f"`evidence run {LIST_CAPTURE_NOTEBOOK} --data {path}` (a brief of the estimate), or "
            f"`evidence estimate --data {path}` (the estimate in the terminal)"
        )


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
    from evidence.analyses.coverage import coverage
    from evidence.notebooks.runtime import load_tables

    country = settled.get(declared.country)
    if not country:
        return settled
    role = str(settled.get(declared.role) or "both") if declared.role else "both"
    tables = load_tables(files)
    first = settled.get(declared.year_from) if declared.year_from else None
    last = settled.get(declared.year_to) if declared.year_to else None
    if declared.year_from and declared.year_to and (first is None or last is None):
        span = coverage(tables, country, role).span
        if span is not None:
            first = span[0] if first is None else first
            last = span[1] if last is None else last
            settled[declared.year_from], settled[declared.year_to] = first, last
            problems = [v for check in spec.checks if (v := check.violation(settled)) is not None]
            if problems:
                raise ParameterError(f"{'; '.join(problems)} (the years the data hold: {span[0]}-{span[1]})")
    years = (int(first), int(last)) if first is not None and last is not None else None
    found = coverage(tables, country, role, years)
    if found.empty and not allow_empty:
        hint = "choose years the data hold, other data, or --allow-empty to run it anyway"
        raise EmptySelectionError(f"{spec.name}: {found.explain()} ({hint})")
    return settled
