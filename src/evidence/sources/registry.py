"""One loading mechanism for every source: each loader recognises its layouts from the file's head.

A loader module registers itself with :func:`register`; :func:`load` sniffs a file and hands it to the loader
that recognises it. Adding a source means writing one module, not changing this one.
"""

from __future__ import annotations

import dataclasses
import re
import zipfile
from collections.abc import Callable
from functools import cached_property
from pathlib import Path

from evidence.core.errors import InputError, UnknownFormatError
from evidence.sources.dates import ACCEPTED, iso_date
from evidence.sources.delimited import (
    MAX_COLUMNS,
    MAX_HEADER_BYTES,
    check_width,
    decoded_head,
    split_line,
    text_encoding,
)
from evidence.sources.loaded import LoadedTable
from evidence.sources.provenance import DEMO_MARKER, DEMO_SHA256, Provenance, as_demo
from evidence.sources.workbook import (
    DAMAGED,
    DAMAGED_ERRORS,
    DAMAGED_HINT,
    WorkbookHead,
    header_key,
    key_in_text,
    table_head,
    workbook_head,
)

_HEAD_BYTES = 64 * 1024


@dataclasses.dataclass
class FileHead:
    """What sniffers look at: the first bytes and header line of a text file, or the top rows of a workbook."""

    path: Path

    @cached_property
    def raw(self) -> bytes:
        with open(self.path, "rb") as fh:
            return fh.read(_HEAD_BYTES)

    @cached_property
    def is_xlsx(self) -> bool:
        """Whether the file is an Excel workbook (a zip holding ``xl/workbook.xml``).

        A file that starts as a zip but is not a whole one (a download cut short) is an error, not text.
        """
        if not self.raw.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            return False
        try:
            with zipfile.ZipFile(self.path) as archive:
                names = set(archive.namelist())
        except DAMAGED_ERRORS as exc:  # e.g. NotImplementedError: a directory entry of a later zip version
            raise InputError(
                f"{DAMAGED} (not a whole zip archive: {exc})", path=self.path, hint=DAMAGED_HINT
            ) from None
        return "xl/workbook.xml" in names or any(n.lower() == "xl/workbook.xml" for n in names)

    @cached_property
    def encoding(self) -> str:
        """``utf-8``, ``utf-16-le`` or ``utf-16-be`` (see :func:`evidence.sources.delimited.text_encoding`)."""
        return text_encoding(self.raw)

    @cached_property
    def text(self) -> str:
        """Decoded head (BOM removed; UTF-16 decoded; Latin-1 as a fallback so sniffing never fails on encoding)."""
        return decoded_head(self.raw)

    @cached_property
    def first_line(self) -> str:
        """The whole header line, however long (a wide header does not fit in the head).

        Lines end at LF (a CR before it dropped), as CSV parsers read them; at CR only in a file without LF.
        """
        text = self.text.lstrip("\ufeff")
        if "\n" in text or len(self.raw) < _HEAD_BYTES or self.encoding != "utf-8":
            return _first_line(text)
        with open(self.path, "rb") as fh:  # a header longer than the head: read on to its end
            data = fh.read(MAX_HEADER_BYTES).removeprefix(b"\xef\xbb\xbf")
        return _first_line(data.decode("utf-8", "replace"))

    @cached_property
    def workbook(self) -> WorkbookHead:
        """The top rows of every sheet (an empty head for a file that is not a workbook)."""
        return workbook_head(self.path) if self.is_xlsx else WorkbookHead(())

    @property
    def sheet_names(self) -> list[str]:
        return self.workbook.sheet_names

    @cached_property
    def tabular(self) -> bool:
        """Whether the file may hold a table: a workbook, or text that is not plainly something else (an old
        .xls, an archive, a PDF, a web page: see :func:`describe_unreadable`)."""
        return self.is_xlsx or describe_unreadable(self) is None


def _first_line(text: str) -> str:
    if "\n" in text:
        return text.split("\n", 1)[0].removesuffix("\r")
    return text.split("\r", 1)[0]


#: What a file that no loader reads is, told from its first bytes: (signature, description).
_NOT_A_TABLE = (
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls) or another old Office file; save it as .xlsx"),
    (b"\x1f\x8b", "a gzip-compressed file; decompress it first"),
    (b"%PDF", "a PDF document, not a data table"),
    (b"PK\x03\x04", "a zip archive that is not an Excel workbook (no xl/workbook.xml); unpack it first"),
    (b"Rar!", "a RAR archive; unpack it first"),
    (b"7z\xbc\xaf", "a 7-Zip archive; unpack it first"),
)


#: Data files a release's zip may hold (the files a loader reads once unpacked).
_DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")


def _zip_members(path: Path) -> str | None:
    """What a zip archive (not a workbook) holds, and which of its files to load once unpacked: a release
    downloaded as a zip (its CSV beside a codebook). None when it cannot be listed (described generically)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [
                info.filename
                for info in archive.infolist()
                if not info.is_dir() and not info.filename.startswith("__MACOSX/")
            ]
    except DAMAGED_ERRORS:
        return None
    if not names:
        return "an empty zip archive"
    shown = ", ".join(repr(n) for n in names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    data = [n for n in names if n.lower().endswith(_DATA_SUFFIXES)]
    load = f" and load {data[0]!r}" if len(data) == 1 else (" and load the data file to read" if data else "")
    return f"a zip archive holding {shown}, not an Excel workbook (no xl/workbook.xml): unpack it{load}"


def describe_unreadable(head: FileHead) -> str | None:
    """What a file is when it is plainly not a data table (an old .xls, an archive, a PDF, a web page), else None."""
    raw = head.raw
    if (
        raw.startswith(b"PK\x03\x04")
        and b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in raw[:200]
    ):
        return "an OpenDocument spreadsheet (.ods); save it as .xlsx"
    if raw.startswith(b"PK\x03\x04") and (held := _zip_members(head.path)) is not None:
        return held
    for signature, description in _NOT_A_TABLE:
        if raw.startswith(signature):
            return description
    start = head.text.lstrip("\ufeff \t\r\n")[:200].lower()
    if start.startswith(("<!doctype html", "<html")) or ("<html" in start and start.startswith("<")):
        return "a web page (HTML), not data: an error or login page saved in place of the download?"
    if head.encoding == "utf-8" and b"\x00" in raw:
        return "binary data, not a text table"
    return None


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
    #: For a file no loader recognised: what this source would need that the file lacks, when the file comes
    #: close to one of its layouts (e.g. a table derived from a release); None when it does not.
    diagnose: Callable[[FileHead], str | None] | None = None


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
        importlib.import_module(f"evidence.sources.{module}")


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
    if not head.is_xlsx:
        _check_header_width(head)
    for loader in sorted(loaders().values(), key=lambda item: -item.priority):
        layout = loader.sniff(head)
        if layout:
            return loader, layout
    hint = "known sources: " + ", ".join(sorted(_LOADERS))
    if not head.is_xlsx:
        unreadable = describe_unreadable(head)
        if unreadable:
            raise UnknownFormatError(unreadable, path=path, hint=hint)
        if not head.text.strip():
            raise UnknownFormatError("the file holds only blank lines", path=path)
    from evidence.sources import list_capture  # not registered: it imports this module

    if (layout := list_capture.sniff(head)) is not None and (table := list_capture.sniffed_table(head)):
        raise UnknownFormatError(
            f"list-capture data (a 0/1 column per list{' and a count column' if layout == 'histories' else ''}: "
            f"{table[0]}), which no data loader reads",
            path=path,
            hint=f"estimate the hidden population from it with `evidence estimate --data {path}`, or in "
            f"Python with `evidence.analyses.estimation.estimate_population({str(path)!r})`",
        )
    near_misses = [
        reason for loader in _LOADERS.values() if loader.diagnose and (reason := loader.diagnose(head))
    ]
    if near_misses:
        raise UnknownFormatError("; ".join(near_misses), path=path)
    what = (
        f"a workbook with sheets {head.sheet_names}" if head.is_xlsx else f"header {head.first_line[:120]!r}"
    )
    mapping = path.with_name(path.name + ".mapping.yaml")
    raise UnknownFormatError(
        f"not a layout any loader knows ({what})",
        path=path,
        hint=f"{hint}; your organisation's own case records? write {mapping.name} beside the file to say what "
        "its columns mean (docs/case-records.md)",
    )


def _check_header_width(head: FileHead) -> None:
    """A header wider than any spreadsheet refused before any loader reads its labels (a million of them
    would take every sniffer seconds), with the error a loader gives for it."""
    line = head.first_line
    if len(line) <= MAX_COLUMNS:  # fewer characters than columns allowed: cannot be too wide
        return
    for delimiter in (",", ";", "\t", "|"):
        if line.count(delimiter) >= MAX_COLUMNS:  # a delimiter inside quotes counted too: split to be sure
            check_width(len(split_line(line, delimiter)), head.path)


def load(path: str | Path) -> LoadedTable:
    """Load any supported file onto its canonical table (sniffing the source and layout from its head).

    A sidecar ``<file>.provenance.json`` beside the file, when present, completes the provenance (release,
    URL, licence, citation, synthetic/demo labels): that is how the demo data and users' own files say what
    they are.
    """
    path = Path(path)
    if is_parquet(path):
        from evidence.sources.store import read_parquet

        return read_parquet(path)
    loader, layout = detect(path)
    return apply_sidecar(loader.load(path, layout), path)


def is_parquet(path: Path) -> bool:
    """Whether ``path`` is a canonical table saved as Parquet: by its suffix (in any case: ``T.Parquet``), or by
    Parquet's magic number for a file named otherwise."""
    if path.suffix.lower() == ".parquet":
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PAR1"
    except OSError:  # not there, or a folder: the loaders' own check names it
        return False


#: The note of a load that found no data row: an empty table is easy to take for "nothing to report".
NOTE_NO_ROWS = "no data rows: the file holds a header but nothing below it (an empty export or filter?)"


#: The note of a table whose publisher asks that a citation give the access date, when none is recorded: the
#: citation then gives none (an access date is a claim of fact: never the day the file was loaded).
NOTE_ACCESS_DATE = (
    "{producer} asks that a citation give the date the data were accessed; none is recorded for this file, so its "
    'citation gives none: record it in {sidecar} ({{"accessed": "YYYY-MM-DD"}}; evidence data fetch writes it)'
)


def _access_date_note(provenance: Provenance, path: Path) -> str | None:
    """:data:`NOTE_ACCESS_DATE` for a table of a dataset whose citation asks for an access date it lacks."""
    from evidence.sources.metadata import dataset

    if provenance.accessed or provenance.demo:
        return None
    try:
        described = dataset(provenance.source, provenance.layout)
    except KeyError:
        return None
    if not described.access_date_required or provenance.title != described.title:  # a sidecar's own dataset
        return None
    return NOTE_ACCESS_DATE.format(producer=described.producer, sidecar=sidecar_path(path).name)


def apply_sidecar(loaded: LoadedTable, path: str | Path) -> LoadedTable:
    """Complete ``loaded``'s provenance from the sidecar beside ``path``, when there is one; then label it the
    toolkit's demo data when its content says so (:func:`demo_signature`), whatever the sidecar says.

    Every loader's result passes here, so what holds for all of them is noted here: a file with no data row
    (a header only) gets :data:`NOTE_NO_ROWS`, whatever its source."""
    if loaded.rows_in == 0 and NOTE_NO_ROWS not in loaded.provenance.notes:
        loaded.provenance = dataclasses.replace(
            loaded.provenance, notes=(*loaded.provenance.notes, NOTE_NO_ROWS)
        )
    sidecar = sidecar_path(path)
    protection = loaded.protection
    if sidecar.exists():
        loaded.provenance = _merge_sidecar(loaded.provenance, sidecar)
    if not loaded.provenance.demo:
        found = demo_signature(path, loaded.provenance.sha256)
        if found:
            loaded.provenance = as_demo(loaded.provenance, *found)
    note = _access_date_note(loaded.provenance, Path(path))
    if note and note not in loaded.provenance.notes:
        loaded.provenance = dataclasses.replace(loaded.provenance, notes=(*loaded.provenance.notes, note))
    if (
        protection == "cell_key"
        and loaded.protection != "cell_key"
        and not demo_signature(path, loaded.provenance.sha256)
    ):
        # a sidecar is a text file anyone can write beside a file; the records' content is what the loader read
        raise InputError(
            "the provenance sidecar would switch off the cell-key protection of victim records the loader reads "
            "as records of real people (its 'protection' or 'synthetic' key): a sidecar cannot weaken the "
            "protection of published counts; remove that key (a publisher's synthetic release is told by its "
            "layout, the toolkit's demo data by its content)",
            path=sidecar,
        )
    return loaded


def demo_signature(path: str | Path, sha256: str | None = None) -> tuple[str, str] | None:
    """(release, how it was told) when the file is the toolkit's demo data, told from its content: a
    :data:`~evidence.sources.provenance.DEMO_MARKER` column in the top rows of any sheet (its first value names
    the release), or the checksum of a demo file the toolkit generated (``sha256``, when the caller has it).
    None for any other file. Never the sidecar: a copy leaves it behind."""
    key = header_key(DEMO_MARKER)
    try:
        head = table_head(path)
    except (InputError, OSError, ValueError):
        head = WorkbookHead(())
    for sheet in head.sheets:
        # A first look at the sheet's cells run together, told exactly: header_key folds and drops characters one
        # by one (str.casefold has no context), so the key of the cells joined is their keys joined, and holds
        # the marker's key wherever a cell is keyed as it. Most sheets hold no marker: keyed once, not cell by
        # cell (a CTDC file's ~2,500 top cells, asked twice per load).
        # (looked for in the folded text by :func:`key_in_text`, as keyed: the same answer, without keying it all;
        # the text made once per sheet read: SheetHead.folded)
        if not key_in_text(key).search(sheet.folded):
            continue
        for index, row in enumerate(sheet.rows):
            if key not in (keys := [header_key(cell) for cell in row]):
                continue
            column = keys.index(key)
            below = [str(r[column]).strip() for r in sheet.rows[index + 1 :] if column < len(r) and r[column]]
            release = below[0] if below and re.fullmatch(r"demo-\d+", below[0]) else "demo"
            return release, f"the toolkit's synthetic demo data: the file carries its {DEMO_MARKER!r} column"
    if sha256 and sha256 in DEMO_SHA256:
        return DEMO_SHA256[
            sha256
        ], "the toolkit's synthetic demo data: the checksum of a demo file it generated"
    return None


def sidecar_path(path: str | Path) -> Path:
    """Where the optional provenance sidecar of a data file lives."""
    path = Path(path)
    return path.with_name(path.name + ".provenance.json")


#: How a sidecar is read, part of a cached table's key (:func:`evidence.sources.cache.cache_key`): change it when the
#: same sidecar gives another provenance (2: its dates read at the precision written, dates 06/07/2025 refused).
SIDECAR_READING = "2"
#: A sidecar's keys that hold dates: read at the precision written (:func:`~evidence.sources.dates.iso_date`).
_SIDECAR_DATES = ("release", "date_published", "accessed")


def _sidecar_date(value: object, key: str, sidecar: Path) -> object:
    """A sidecar's date as ISO at the precision written (``June 2025``: ``2025-06``; ``7 June 2025``:
    ``2025-06-07``), so labels, citations and access clauses carry it as the metadata's dates are; a release that
    is no date (``v2024``, ``1999-2015``) as written. :class:`InputError` naming the sidecar and key for a date
    that reads two ways (``06/07/2025``) or does not exist, and for a date published or accessed that is no
    date: a citation would state it as the day the data were published or obtained."""
    if not isinstance(value, str) or not value.strip():
        return value  # "" is "not known"; a number or list is the dataclass's to refuse, as before
    try:
        read = iso_date(value)
    except ValueError as exc:
        raise InputError(f"{key!r}: {exc}", path=sidecar) from None
    if read is None and key != "release":
        raise InputError(f"{key!r}: {value!r} is not a date (accepted: {ACCEPTED})", path=sidecar)
    return value if read is None else read


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
        "published_protection",
        "accessed",
    }
    unknown = set(extra) - allowed
    if unknown:
        raise InputError(f"unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}", path=sidecar)
    for key in _SIDECAR_DATES:
        if key in extra:
            extra[key] = _sidecar_date(extra[key], key, sidecar)
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
