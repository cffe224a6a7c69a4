"""What a notebook calls to take part in a run: which data to load, where outputs go, what it loaded.

A run's kernel works in the run's own (temporary) folder, and the runner sets ``EVIDENCE_RUN_DIR`` to it. The
notebook writes its figures under :func:`output_dir` and calls :func:`record_provenance` for every table it
loads; the runner collects ``provenance.json`` into the run's record. Opened interactively (JupyterLab), the
same calls work: outputs go to a temporary folder and provenance is returned, not written.
"""

from __future__ import annotations

import atexit
import copy
import json
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evidence.core.atomic import write_text
from evidence.core.config import configured_data_paths
from evidence.core.errors import InputError, ParameterError

if TYPE_CHECKING:
    from evidence.sources.loaded import LoadedTable

# No table library at import: a warm kernel imports this module to be reset between runs, and polars (for one)
# changes the environment when it loads; a kernel must have loaded only what the notebook loads.

#: Environment variable naming the run folder a kernel executes in (set by :mod:`evidence.runs`).
RUN_DIR_ENV = "EVIDENCE_RUN_DIR"
#: File in the run folder where a notebook's loaded tables' provenance is collected.
PROVENANCE_FILE = "provenance.json"
#: Parameters as a run resolved them (:func:`record_resolved`), shown in its brief instead of those given.
RESOLVED_FILE = "resolved.json"
#: Media type of a chart the kernel leaves to its runner to draw (see :func:`charts_drawn_by_runner`): the
#: output holds ``{"path": <the SVG file to write>, "spec": <the Vega-Lite spec>}`` until the runner replaces it
#: with the SVG it drew.
RUNNER_CHART_MIME = "application/vnd.evidence.chart+json"

#: Modules a notebook that draws charts imports (one of them, at least).
CHART_MODULES = frozenset({"evidence.presentation.charts", "evidence.notebooks.views", "vl_convert"})

#: Whether this kernel's run has its charts drawn by the runner (set by :func:`begin_run`).
_CHARTS_BY_RUNNER = False


def charts_drawn_by_runner() -> bool:
    """Whether the charts of the run this kernel executes are drawn by its runner (a warm run of ``evidence``:
    chart workers draw them beside the kernel, which goes on with the next cells) rather than here (plain
    Papermill, JupyterLab, a cold run)."""
    return _CHARTS_BY_RUNNER


def run_dir() -> Path | None:
    """The run folder when executing under ``evidence run``/``batch``; None when interactive."""
    value = os.environ.get(RUN_DIR_ENV)
    return Path(value) if value else None


def output_dir(*parts: str) -> Path:
    """A folder for a notebook's output files (created): inside the run folder; opened interactively, a
    temporary folder of this kernel (so JupyterLab sessions do not litter the notebooks folder), owner-only and
    removed when the kernel ends.

    Parallel runs never share it, so figures of one run cannot overwrite another's.
    """
    base = run_dir() or _interactive_outputs()
    folder = base.joinpath(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


#: This process's folder of interactive outputs, and the process that made it (see :func:`output_dir`).
_INTERACTIVE_OUTPUTS: tuple[int, Path] | None = None


def _interactive_outputs() -> Path:
    # made by mkdtemp, not under a name of the process id: that name another user of the machine could make
    # first (or as a link to a folder of theirs) and read the figures written into it; mkdtemp's is new and
    # owner-only. Removed at exit, by the process that made it only (a forked child leaves it to its parent).
    global _INTERACTIVE_OUTPUTS
    if (
        _INTERACTIVE_OUTPUTS is None
        or _INTERACTIVE_OUTPUTS[0] != os.getpid()
        or not _INTERACTIVE_OUTPUTS[1].is_dir()
    ):
        folder = Path(tempfile.mkdtemp(prefix=f"evidence-notebook-{os.getpid()}-"))
        atexit.register(_remove_interactive_outputs, os.getpid(), folder)
        _INTERACTIVE_OUTPUTS = (os.getpid(), folder)
    return _INTERACTIVE_OUTPUTS[1]


def _remove_interactive_outputs(made_by: int, folder: Path) -> None:
    if os.getpid() == made_by:
        shutil.rmtree(folder, ignore_errors=True)


def data_files(data: Sequence[str | Path] = ()) -> list[Path]:
    """The data files a notebook loads: those given, else ``EVIDENCE_DATA``, else the synthetic demo files (the
    case records, and the UNODC-, GSI- and TIP-layout files of :mod:`evidence.sources.demo_context`).

    The runner calls this too (before the kernel starts), so a run's cache key hashes the same files the
    notebook loads.
    """
    given = [Path(p).expanduser() for p in data]
    paths = given or configured_data_paths()
    if not paths:
        from evidence.sources.demo import demo_path
        from evidence.sources.demo_context import demo_context_paths

        return [demo_path(), *demo_context_paths()]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        # a file named in the environment, not on the command line: say where to mend it (every run of a batch
        # says it)
        raise InputError(
            "no such data file" if given else "no such data file (named in EVIDENCE_DATA)", path=missing[0]
        )
    return [p.resolve() for p in paths]


def one_data_file(data: Sequence[str | Path]) -> Path | None:
    """The one data file a notebook that reads a single file was given (the ``data`` parameter that ``--data``
    fills, as for every notebook); None when none was given; more than one is an error naming them."""
    if not data:
        return None
    if len(data) > 1:
        raise ParameterError(
            f"this notebook reads one data file; {len(data)} were given: {', '.join(map(str, data))}"
        )
    path = Path(data[0]).expanduser()
    if not path.is_file():
        raise InputError("no such data file", path=path)
    return path.resolve()


def load_data(data: Sequence[str | Path] = ()) -> list[LoadedTable]:
    """Load :func:`data_files` and record their provenance for the run.

    Tables come from the harmonised-table cache when the file is unchanged: every brief reads the same
    releases (the UNODC workbook takes about a second to harmonise, its cached table a hundredth of that). A
    warm kernel keeps the tables it has loaded in memory, so the runs after the first read no file at all.
    """
    loaded = load_tables(data_files(data))
    record_provenance(*loaded)
    return loaded


def load_tables(paths: Sequence[str | Path]) -> list[LoadedTable]:
    """Load files (remembered in this process, from the harmonised-table cache) without recording anything:
    what the runner reads before a kernel starts (:mod:`evidence.runs.selection_check`)."""
    return [_load_remembered(Path(p)) for p in paths]


#: Tables loaded in this process, by (path, size, mtime, inode, ctime): a warm kernel loads each data file once.
#: The inode and change time tell a file rewritten with the same size and modification time (``cp -p``, a clock
#: set back), as the runs' hash cache does (runs/cache.py).
_TABLES: dict[tuple[str, int, int, int, int], LoadedTable] = {}
_TABLES_KEPT = 8


def _load_remembered(path: Path) -> LoadedTable:
    from evidence.sources.cache import load_cached

    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_ctime_ns)
    table = _TABLES.get(key)
    if table is None:
        table = load_cached(path)
        if len(_TABLES) >= _TABLES_KEPT:
            _TABLES.pop(next(iter(_TABLES)))
        _TABLES[key] = table
    # a copy: a notebook that sets an attribute of its table must not change the next run's
    return copy.copy(table)


def provenance_entry(table: LoadedTable) -> dict[str, Any]:
    """What a run records about one loaded table: its provenance and its row accounting."""
    entry = table.provenance.to_dict()
    entry.update(
        protection=table.protection,  # the protection applied (the default of its kind when none is stated)
        kind=table.kind,
        rows_in=table.rows_in,
        rows_kept=table.rows_kept,
        rows_rejected=table.rows_rejected,
    )
    return entry


def record_provenance(*tables: LoadedTable) -> list[dict[str, Any]]:
    """Add the tables' provenance to the run's ``provenance.json`` (when in a run); return all entries.

    Calling it again with the same file (same path and sha256) replaces that file's entry, so re-executing a
    cell never duplicates sources.
    """
    return record_entries([provenance_entry(t) for t in tables])


def record_entries(entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add provenance entries (:func:`provenance_entry`, possibly with more facts, such as whether a brief
    cited the table) to the run's ``provenance.json``, replacing the entries of the same files; return all."""
    entries = list(entries)
    folder = run_dir()
    if folder is None:
        return entries
    target = folder / PROVENANCE_FILE
    existing = read_provenance(folder)
    keys = {(e["path"], e["sha256"]) for e in entries}
    merged = [e for e in existing if (e.get("path"), e.get("sha256")) not in keys] + entries
    write_text(target, json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
    return merged


def record_resolved(**values: Any) -> dict[str, Any]:
    """Parameters as the run resolved them, for readers of its brief (the run record keeps the values given):
    ``bootstrap_runs=0`` means "as many as needed", and the brief should say how many were made
    (``record_resolved(bootstrap_runs="auto (11 runs)")``). Written to the run's ``resolved.json`` (when in a
    run); returns everything recorded so far."""
    folder = run_dir()
    if folder is None:
        return dict(values)
    merged = {**read_resolved(folder), **values}
    write_text(folder / RESOLVED_FILE, json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
    return merged


def read_resolved(folder: str | Path) -> dict[str, Any]:
    """The parameters a notebook resolved in ``folder`` (:func:`record_resolved`; empty when none)."""
    target = Path(folder) / RESOLVED_FILE
    if not target.is_file():
        return {}
    try:
        values = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the resolved parameters: {exc}", path=target) from exc
    return dict(values) if isinstance(values, dict) else {}


def read_provenance(folder: str | Path) -> list[dict[str, Any]]:
    """The provenance entries a notebook recorded in ``folder`` (empty when it recorded none)."""
    target = Path(folder) / PROVENANCE_FILE
    if not target.is_file():
        return []
    try:
        return list(json.loads(target.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the recorded provenance: {exc}", path=target) from exc


def synthetic_notice(tables: Iterable[LoadedTable]) -> str | None:
    """A Markdown notice when any of ``tables`` (those a notebook *uses*: a loaded file that contributes
    nothing is no reason for a warning) is synthetic: one bold sentence for the toolkit's demo data (a brief
    adds its own banner), a callout naming each publisher's synthetic release; None when all are real."""
    from evidence.presentation.markup import data_label
    from evidence.sources.provenance import demo_release_words

    tables = list(tables)
    demo = [t for t in tables if t.provenance.demo]
    synthetic = [t for t in tables if t.provenance.synthetic and not t.provenance.demo]
    if demo:
        # one short line: a brief made from the run adds its own banner, so the notebook does not repeat it
        return (
            f"**Synthetic demo data ({data_label(demo_release_words(demo[0].provenance.release))}), not real "
            "records:** the numbers "
            "below show how the analysis works and say nothing about real victims or routes. Do not cite them."
        )
    if synthetic:
        from evidence.sources.provenance import OWN_RECORDS

        sentences = []
        published = [t for t in synthetic if t.provenance.source != OWN_RECORDS]
        own = [t for t in synthetic if t.provenance.source == OWN_RECORDS]
        if published:
            labels = sorted({t.provenance.label for t in published})
            names = "; ".join(data_label(label) for label in labels)  # a title "extract 2 of 3" counts nobody
            one = len(labels) == 1
            which = "file used here is the publisher's" if one else "files used here are their publishers'"
            sentences.append(
                f"The {which} synthetic release ({names}): {'its' if one else 'their'} records are generated to "
                "preserve aggregate patterns, not real individual cases. Small counts in particular are not "
                "reliable."
            )
        if own:
            # an organisation's records marked synthetic by their mapping: invented (test data, a training
            # export), not a publisher's release made to keep a real dataset's patterns
            names = "; ".join(data_label(label) for label in sorted({t.provenance.label for t in own}))
            sentences.append(
                f"The case records used here ({names}) are marked synthetic by their mapping: invented records, "
                "not real cases. Their numbers say nothing about real victims."
            )
        return "::: {.callout-warning}\n## Synthetic records\n\n" + " ".join(sentences) + "\n:::"
    return None


# ------------------------------------------------------------------------------------ warm kernels (runs)
# A run's kernel may be a warm one (evidence.runs.warm): started once, pre-loaded, and reset between runs by
# these calls, so that a run executes as it would in a fresh kernel.


class _Baseline:
    """What a fresh kernel has, taken after the warm-up: restored before and after every run."""

    def __init__(self, launched: dict[str, str] | None = None) -> None:
        # what the kernel set in its own environment when it started (not what it was started with)
        self.own = {k: v for k, v in os.environ.items() if launched is not None and launched.get(k) != v}
        self.path = list(sys.path)
        self.filters = list(warnings.filters)
        self.theme = _altair_theme()


_BASELINE: _Baseline | None = None


def _altair_theme() -> str | None:
    alt = sys.modules.get("altair")
    return getattr(getattr(alt, "theme", None), "active", None) if alt is not None else None


def warm_up(
    modules: Sequence[str] = (),
    launched: dict[str, str] | None = None,
    *,
    charts: bool | None = None,
) -> None:
    """Import ``modules`` (those the notebook imports, and those its earlier runs loaded; one that fails to
    import is left for the notebook to report) and, for a notebook with charts, start the chart renderer (its
    first chart costs most). ``launched`` is the environment the kernel was started with; ``charts`` (default:
    whether the chart modules are among ``modules``) says whether to start the renderer.

    The garbage collector rests meanwhile (importing ~1,500 modules makes it walk their objects again and
    again, for little garbage: ~4% of the work); afterwards the objects made so far are frozen out of it, so
    that the collections of the runs to come (every reset between runs makes one) do not walk the libraries'
    objects again. They are frozen without a collection first: it would walk the ~150,000 objects of the
    imports (a tenth of a second of the start-up a cold run waits for) to free ~2,000 (a few hundred kB,
    kept instead).
    """
    import gc
    import importlib

    global _BASELINE, _STARTED_WITH
    if _STARTED_WITH is None:
        _STARTED_WITH = frozenset(sys.modules)
    if charts is None:
        charts = bool(CHART_MODULES & set(modules))
    collecting = gc.isenabled()
    gc.disable()
    try:
        for module in modules:
            if module in sys.modules:
                continue
            parent, _, leaf = module.rpartition(".")
            if parent and parent in sys.modules and hasattr(sys.modules[parent], leaf):
                continue  # a name the package has already (a function, a class, a loaded submodule)
            try:
                importlib.import_module(module)
            except BaseException:  # noqa: BLE001, S112 - the notebook's own import raises it where a reader sees it
                continue
        if charts:
            from evidence.presentation.chart_files import warm_renderer

            warm_renderer()
        if "polars" in sys.modules:
            # polars sizes its thread pool when first used, from the environment the kernel was started with
            # (a run's own environment replaces it): sized now, while that environment holds
            sys.modules["polars"].thread_pool_size()
        gc.freeze()
    finally:
        if collecting:
            gc.enable()
    _BASELINE = _Baseline(launched)


#: The modules this kernel had before :func:`warm_up`: the kernel's own (IPython, ipykernel, ...).
_STARTED_WITH: frozenset[str] | None = None
#: How many modules the last :func:`record_modules` saw (it writes only when that grew).
_RECORDED = 0


def record_modules(target: str | Path) -> None:
    """Add the modules this kernel imported beyond its own (for the runs it executed and its warm-up) to the
    JSON list at ``target``: what a kernel started for the same notebook pre-loads next time. Only the
    innermost names are kept (importing ``a.b.c`` imports ``a`` and ``a.b``), in the order they were first
    imported; a list that cannot be written is no error."""
    global _RECORDED
    if _STARTED_WITH is None or len(sys.modules) == _RECORDED:
        return
    loaded = [name for name in list(sys.modules) if name not in _STARTED_WITH and not name.startswith("__")]
    target = Path(target)
    try:
        earlier = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        earlier = []
    names = list(dict.fromkeys([*(n for n in earlier if isinstance(n, str)), *loaded]))
    prefixes = {name.rpartition(".")[0] for name in names}
    innermost = [name for name in names if name not in prefixes]
    if innermost != earlier:
        try:
            write_text(target, json.dumps(innermost) + "\n")
        except OSError:
            return
    _RECORDED = len(sys.modules)


def begin_run(folder: str, env: dict[str, str], charts_by_runner: bool = False) -> None:
    """Reset this kernel for a new run: a new session (empty namespace, execution count 1), the environment
    ``env`` (with what the kernel sets for itself: ``MPLBACKEND``, ``PAGER``, ``JPY_PARENT_PID``, ...), the
    working directory ``folder``, and the import path, warning filters (with their "already shown" registries)
    and chart theme of a fresh kernel. ``charts_by_runner``: the runner draws the run's charts
    (:func:`charts_drawn_by_runner`)."""
    global _BASELINE, _CHARTS_BY_RUNNER
    if _BASELINE is None:
        _BASELINE = _Baseline()
    _CHARTS_BY_RUNNER = charts_by_runner
    _reset_namespace()
    os.environ.clear()
    os.environ.update({**env, **_BASELINE.own})
    sys.path[:] = _BASELINE.path
    warnings.resetwarnings()  # also forgets which warnings were shown once already
    warnings.filters[:] = _BASELINE.filters  # type: ignore[index]  # a list at run time
    if _BASELINE.theme is not None and _altair_theme() != _BASELINE.theme:
        sys.modules["altair"].theme.enable(_BASELINE.theme)
    os.chdir(folder)


def end_run(home: str, modules_file: str | None = None) -> None:
    """After a run: drop its namespace (memory, open files) and leave its folder, which is then moved; with
    ``modules_file``, :func:`record_modules` there."""
    global _CHARTS_BY_RUNNER
    _CHARTS_BY_RUNNER = False
    _reset_namespace()
    os.chdir(home)
    if modules_file:
        record_modules(modules_file)


def _reset_namespace() -> None:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - a kernel always has IPython
        return
    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=True)
