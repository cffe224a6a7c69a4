"""One loading mechanism for every source: each loader recognises its layouts from the file's head.

A loader module registers itself with :func:`register`; :func:`load` sniffs a file and hands it to the loader
that recognises it. Adding a source means writing one module, not changing this one.
"""

from __future__ import annotations

import dataclasses
import zipfile
from collections.abc import Callable
from functools import cached_property
from pathlib import Path

from evidence.core.errors import InputError, UnknownFormatError
from evidence.sources.loaded import LoadedTable
from evidence.sources.provenance import Provenance

_HEAD_BYTES = 64 * 1024


@dataclasses.dataclass
class FileHead:
    """What sniffers look at: the first bytes of a text file, or the sheet names of a workbook."""

    path: Path

    @cached_property
    def raw(self) -> bytes:
        with open(self.path, "rb") as fh:
            return fh.read(_HEAD_BYTES)

    @property
    def is_xlsx(self) -> bool:
        return self.raw[:4] == b"PK\x03\x04" and zipfile.is_zipfile(self.path)

    @cached_property
    def text(self) -> str:
        """Decoded head (UTF-8, BOM removed; Latin-1 as a fallback so sniffing never fails on encoding)."""
        raw = self.raw
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start >= len(raw) - 4:  # a multi-byte character cut by the head's end
                return raw[: exc.start].decode("utf-8")
            return raw.decode("latin-1")

    @cached_property
    def first_line(self) -> str:
        return self.text.splitlines()[0] if self.text else ""

    @cached_property
    def sheet_names(self) -> list[str]:
        if not self.is_xlsx:
            return []
        import fastexcel

        try:
            return list(fastexcel.read_excel(str(self.path)).sheet_names)
        except Exception as exc:  # a damaged workbook
            raise InputError(f"cannot read the workbook: {exc}", path=self.path) from exc


@dataclasses.dataclass(frozen=True)
class Loader:
    """A source's loader: ``sniff`` returns a layout name (or None); ``load`` reads that layout.

    ``version`` changes whenever the loader's output for the same file changes (it keys cached tables).
    """

    source: str
    sniff: Callable[[FileHead], str | None]
    load: Callable[[Path, str], LoadedTable]
    description: str = ""
    version: str = "1"
    #: Sniffed first when higher: a file a user has annotated (a mapping beside it) is read as they say,
    #: whichever loader modules happen to be imported first.
    priority: int = 0


_LOADERS: dict[str, Loader] = {}


def register(loader: Loader) -> Loader:
    """Make ``loader`` known to :func:`detect` and :func:`load` (a loader module calls this on import)."""
    _LOADERS[loader.source] = loader
    return loader


def loaders() -> dict[str, Loader]:
    """Every registered loader, by source name (importing the loader modules on first use)."""
    _import_builtin_loaders()
    return dict(_LOADERS)


def _import_builtin_loaders() -> None:
    import importlib

    for module in ("case_records", "ctdc", "unodc", "tip", "walkfree"):
        try:
            importlib.import_module(f"evidence.sources.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"evidence.sources.{module}":
                raise


def check_readable(path: str | Path) -> Path:
    """The path, if it is a non-empty file; else one clear error naming it."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", path=path)
    if path.is_dir():
        raise InputError("is a directory, not a data file", path=path)
    if path.stat().st_size == 0:
        raise InputError("the file is empty", path=path)
    return path


def detect(path: str | Path) -> tuple[Loader, str]:
    """Which loader and layout a file is, or a clear error saying what it is not."""
    path = check_readable(path)
    head = FileHead(path)
    for loader in sorted(loaders().values(), key=lambda item: -item.priority):
        layout = loader.sniff(head)
        if layout:
            return loader, layout
    what = (
        f"a workbook with sheets {head.sheet_names}" if head.is_xlsx else f"header {head.first_line[:120]!r}"
    )
    raise UnknownFormatError(
        f"not a layout any loader knows ({what})",
        path=path,
        hint="known sources: " + ", ".join(sorted(_LOADERS)),
    )


def load(path: str | Path) -> LoadedTable:
    """Load any supported file onto its canonical table (sniffing the source and layout from its head).

    A sidecar ``<file>.provenance.json`` beside the file, when present, completes the provenance (release,
    URL, licence, citation, synthetic/demo labels): that is how the demo data and users' own files say what
    they are.
    """
    path = Path(path)
    if path.suffix == ".parquet":
        from evidence.sources.store import read_parquet

        return read_parquet(path)
    loader, layout = detect(path)
    return apply_sidecar(loader.load(path, layout), path)


def apply_sidecar(loaded: LoadedTable, path: str | Path) -> LoadedTable:
    """Complete ``loaded``'s provenance from the sidecar beside ``path``, when there is one."""
    sidecar = sidecar_path(path)
    if sidecar.exists():
        loaded.provenance = _merge_sidecar(loaded.provenance, sidecar)
    return loaded


def sidecar_path(path: str | Path) -> Path:
    """Where the optional provenance sidecar of a data file lives."""
    path = Path(path)
    return path.with_name(path.name + ".provenance.json")


def _merge_sidecar(provenance: Provenance, sidecar: Path) -> Provenance:
    import json

    try:
        extra = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the provenance sidecar: {exc}", path=sidecar) from exc
    allowed = {
        "release",
        "url",
        "licence",
        "citation",
        "title",
        "synthetic",
        "demo",
        "notes",
        "name",
        "producer",
        "terms",
        "date_published",
        "protection",
    }
    unknown = set(extra) - allowed
    if unknown:
        raise InputError(f"unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}", path=sidecar)
    if "notes" in extra:
        extra["notes"] = tuple(provenance.notes) + tuple(extra["notes"])
    if "terms" in extra:
        extra["terms"] = tuple(extra["terms"])
    if "release" in extra:  # its label, date and citation follow, from the source's metadata
        from evidence.sources.metadata import restate_release

        provenance = restate_release(provenance, str(extra.pop("release")))
    if "title" in extra:  # the file is another dataset than the publisher's: its metadata no longer applies
        extra = {"name": extra["title"], "producer": "", "terms": (), "date_published": "", **extra}
    try:
        return dataclasses.replace(provenance, **extra)
    except ValueError as exc:  # e.g. a protection the toolkit does not know
        raise InputError(str(exc), path=sidecar) from exc
