"""A cache of harmonised tables, so a workbook read on every brief is parsed once per release.

An entry is the loaded table (data, rejects, flags, provenance) stored as Parquet by
:mod:`evidence.sources.store`, in ``cache_dir()/"tables"``. Its key is the file's sha256, the loader's source,
layout and version, the sha256 of the provenance sidecar when there is one, and a digest of the source's
metadata (:mod:`evidence.sources.metadata`: licence, citation, URLs, known releases, which every table's
provenance is made from): a changed file, a new loader version, an edited sidecar or edited source metadata is a
miss, never a stale table. A hit costs hashing the file and reading the Parquet file: no workbook is opened;
within a process, an entry once read is kept (:data:`_KEPT`), and the file is only hashed: the same key again
gives the same frame, so what is built once per frame (:func:`evidence.analyses.selection.kept_once`: the
records' keys, selections) is built once per process too. Any loader registered with
:mod:`evidence.sources.registry` can be cached; bump its ``Loader.version`` when its output changes.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from pathlib import Path

import polars as pl

from evidence.core.atomic import write_text
from evidence.core.config import cache_dir
from evidence.core.errors import InputError
from evidence.sources import registry
from evidence.sources.case_records import mapping_path
from evidence.sources.loaded import LoadedTable
from evidence.sources.provenance import sha256_file
from evidence.sources.registry import detect, load, loaders, sidecar_path
from evidence.sources.store import read_parquet, write_parquet

_SUFFIX = ".parquet"


def tables_dir() -> Path:
    """Where cached tables live."""
    return cache_dir() / "tables"


def cache_key(path: str | Path) -> str:
    """The cache key of a data file: ``<source>-<layout>-v<loader version>-<digest>``.

    The digest covers the file's bytes and, when present, its provenance sidecar's and case-records mapping's
    bytes. Which loader and layout the file is depends only on these, so detection (which may read the workbook)
    is remembered per digest and done once. The key's last part also covers the source's metadata as this
    process reads it (:func:`_metadata_digest`), so a table whose provenance was made from other metadata is a
    miss, and the country reference (:func:`_reference_digest`).
    """
    path = Path(path)
    digest = _content_digest(path)
    source, layout = _detected(path, digest)
    version = loaders()[source].version
    return f"{source}-{layout}-v{version}-{digest}{_metadata_digest(source)}{_reference_digest()}"


def _reference_digest() -> str:
    """Part of the key for the country reference the loaders map names and codes with (an edited alias
    maps a name to another country: a cached table mapped with the old one is a miss)."""
    from evidence.sources.countries import reference_digest

    return reference_digest()[:8]


def _metadata_digest(source: str) -> str:
    """A digest of every metadata record of ``source`` (all its datasets, as parsed: what the provenance of its
    tables is made from). Hashing the parsed records rather than the YAML files keeps the key true to the
    metadata the loader of this process uses (it reads the files once per process)."""
    from evidence.sources.metadata import datasets

    described = [d for _, d in sorted(datasets().items()) if d.source == source]
    return hashlib.sha256(repr(described).encode()).hexdigest()[:12]


def _content_digest(path: Path) -> str:
    if not path.is_file():
        detect(path)  # raises the registry's clear error (no such file, a directory, ...)
    digest = hashlib.sha256(sha256_file(path).encode())
    # the provenance sidecar and a case-records mapping both change the loaded table
    for sidecar in (sidecar_path(path), mapping_path(path)):
        if sidecar.exists():
            digest.update(sha256_file(sidecar).encode())
    if sidecar_path(path).exists():  # and how the toolkit reads it: the same sidecar read anew is a miss
        digest.update(registry.SIDECAR_READING.encode())
    return digest.hexdigest()[:32]


def _detected(path: Path, digest: str) -> tuple[str, str]:
    known = _remembered(digest)
    if known is not None:
        return known
    loader, layout = detect(path)
    write_text(_detected_memo(digest), json.dumps({"source": loader.source, "layout": layout}))
    return loader.source, layout


def _detected_memo(digest: str) -> Path:
    return tables_dir() / f"{digest}.detected.json"


def _remembered(digest: str) -> tuple[str, str] | None:
    """The source and layout detected for the content ``digest`` before, or None (not detected yet, a damaged
    memo, or a source no longer registered)."""
    try:
        known = json.loads(_detected_memo(digest).read_text(encoding="utf-8"))
        if known["source"] in loaders():
            return known["source"], known["layout"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def remembered_source(path: str | Path) -> str | None:
    """The source whose loader read ``path``'s content before (its detection is remembered per content, as
    :func:`cache_key` remembers it), or None when none has yet: that a loader reads a file, told without
    opening it (a workbook's sheets take a tenth of a second or more to peek)."""
    path = Path(path)
    if not path.is_file():
        return None  # the loaders say what it is
    known = _remembered(_content_digest(path))
    return known[0] if known is not None else None


def cache_path(path: str | Path) -> Path:
    """The cache file that holds (or would hold) the harmonised table of ``path``."""
    return tables_dir() / (cache_key(path) + _SUFFIX)


def load_cached(path: str | Path, *, refresh: bool = False, shared: bool = False) -> LoadedTable:
    """Load ``path`` like :func:`evidence.sources.registry.load`, from the cache when the key matches.

    A miss (or ``refresh=True``) loads the file and stores the result; an unreadable cache entry is treated as
    a miss and replaced. The returned provenance names ``path`` even when the cached table was built from a
    copy of the same file elsewhere. An entry once read is kept in the process (:data:`_KEPT`); each call gets
    a table of its own, whose frames are copies (a frame of its own: what is built once per frame, see
    :func:`evidence.analyses.selection.kept_once`, is built anew), or with ``shared=True`` the kept frames
    themselves, so that what was built of them before is not built again (the CLI's analysis commands, run one
    after another in one process on the same file).
    """
    path = Path(path)
    if path.suffix == _SUFFIX:  # already a canonical table
        return load(path)
    entry = cache_path(path)
    if entry.exists() and not refresh:
        loaded = _read_entry(entry, shared=shared)
        if loaded is not None:
            loaded.provenance = dataclasses.replace(loaded.provenance, path=str(path))
            return loaded
    loaded = load(path)
    write_parquet(loaded, entry)
    return loaded


#: The entries read in this process (at most :data:`_KEPT_MAX`, the latest read last), by the entry's path and
#: what its file was when read (size, modification time, inode): the entry's name is the key of the data file's
#: content as it is now (:func:`cache_key`: its bytes, sidecars, loader version, metadata, country reference),
#: so a kept table is never one of another content; an entry rewritten (rebuilt, damaged, refreshed) is read
#: again. The CLI's analysis commands, run one after another in one process (a test, a script), read the
#: same file's table each time: once now, and (``shared``) the selections of its frame are built once.
_KEPT: dict[tuple[str, int, int, int], LoadedTable] = {}
_KEPT_MAX = 4


def _read_entry(entry: Path, *, shared: bool) -> LoadedTable | None:
    """The table of a cache entry (None if it is unreadable): kept once read, each caller given its own copy
    (its attributes its own; its frames copies, which cost nothing, or ``shared`` the kept ones, which nobody
    changes in place: polars returns new frames)."""
    try:
        stat = entry.stat()
    except OSError:
        return None
    key = (str(entry), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    kept = _KEPT.pop(key, None)
    if kept is None:
        try:
            kept = read_parquet(entry)
        except (InputError, OSError, ValueError, KeyError, pl.exceptions.PolarsError):
            return None  # damaged entry (disk full, killed writer of an older version): rebuild it
        while len(_KEPT) >= _KEPT_MAX:
            del _KEPT[next(iter(_KEPT))]
    _KEPT[key] = kept  # the latest read last: the first to go is the least recently read
    table = copy.copy(kept)
    if not shared:  # frames of its own (a clone shares the columns: it costs nothing)
        table.data, table.rejects, table.flags = kept.data.clone(), kept.rejects.clone(), kept.flags.clone()
    return table


def is_cached(path: str | Path) -> bool:
    """True when a cache entry for the file as it is now exists."""
    return cache_path(path).exists()


def clear_cache() -> int:
    """Remove every cached table (and remembered detection); returns how many tables were removed."""
    removed = 0
    _KEPT.clear()
    for entry in tables_dir().glob("*" + _SUFFIX):
        entry.unlink(missing_ok=True)
        removed += 1
    for memo in tables_dir().glob("*.detected.json"):
        memo.unlink(missing_ok=True)
    return removed
