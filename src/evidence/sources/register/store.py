"""The register: an organisation's case records over time, pseudonymised, in one DuckDB file.

Tables
    ``meta``: what the file is (format version), the key's check value (never the key), the register's country.
    ``imports``: one row per import: when, the export's date and sha256, the mapping's sha256, rows in, new,
    updated, unchanged, rejected, marked missing, and rows holding nothing left out (null in a register's
    imports made before that was kept).
    ``records``: one row per *version* of a record: ``record_key`` (HMAC-SHA256 of the case id), the canonical
    case fields, ``valid_from``/``valid_to`` (export dates; ``valid_to`` null for the current version) and
    ``present`` (false from the first full export that no longer holds the record). Nothing is deleted but
    by an erasure (a person's withdrawn consent), which removes every row of theirs.
    ``id_folds``: each record's ``fold_key``, the keyed hash of its case id without letter case and surrounding
    punctuation, to point out an id that changed only so (``MSS-000005`` -> ``mss-000005``) between exports.
    ``ctdc_exports``: one row per k-anonymised CTDC export written: when, as of which date, k, the share that
    may be left out, the file's name and sha256, records in and written (two different releases of the same
    records can be differenced into the people one of them left out).
    ``erasures``: one row per erasure (:mod:`.erasure`): its date, reason code, ids given, persons, record
    versions and rows erased. No identifier.
    ``erased_ids``: the keyed hash, in a domain of its own (never a ``record_key``), of each erased person's
    folded case id and the erasure that named it: what keeps them out of later imports.
    ``linked_ids``: case ids linked as one person's (:mod:`.linking`): each id's ``record_key``, the person's key,
    the hash an erasure of the id would keep, the link's number and date. Records as of a date count once per
    person.
    ``person_hashes``: each record's keyed hash, in a domain of its own, of the identifying fields that tell a
    person (``same_person``, kept in ``meta``; never the fields): a record sharing it with another, not linked,
    is pointed out.

An import is one transaction: a crash or a kill leaves the register as it was. DuckDB locks the file, so a
second process meets a clear "in use" error (or waits, when asked to). The register's file and folder are
owner-only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import hmac
import itertools
import json
import os
import re
import stat
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import polars as pl

from evidence.core.atomic import atomic_path
from evidence.core.config import data_dir
from evidence.core.errors import InputError
from evidence.sources.case_mapping import CaseRecordsMapping, fold, mapping_path, read_mapping
from evidence.sources.case_schema import CASE_SCHEMA, conform
from evidence.sources.loaded import LoadedTable, empty_issues, issues_frame
from evidence.sources.provenance import OWN_RECORDS, Provenance, sha256_file
from evidence.sources.register.keys import RegisterKey, RegisterKeyError, load_key, make_private_folder

if TYPE_CHECKING:
    import duckdb
    from polars._typing import PolarsDataType

FORMAT_VERSION = "1"
APPLICATION = "evidence-register"
DEFAULT_FILE_NAME = "register.duckdb"
#: The layout name under which the register is a case-records source.
LAYOUT = "register"
RECORD_KEY = "record_key"
#: The table of case ids linked as one person's (:mod:`.linking`).
LINKED_IDS = "linked_ids"
#: The table of the keyed hashes of records' identifying fields (``same_person``).
PERSON_HASHES = "person_hashes"
#: The meta key of the identifying columns whose values, together, tell a person (JSON list, as in an export).
SAME_PERSON = "same_person"
_DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file

#: Fields of the canonical case table that a register keeps (the Victim–Perpetrator-only ones are never
#: filled from an organisation's records).
CASE_FIELDS = [c for c in CASE_SCHEMA if c != "source_row" and not c.startswith("perpetrator_")]
_VERSION_COLUMNS = {
    RECORD_KEY: "VARCHAR",
    "valid_from": "DATE",
    "valid_to": "DATE",
    "import_id": "INTEGER",
    "present": "BOOLEAN",
}


#: How a brief names the register's records beside their title: the data are the organisation's own.
OWN_RECORDS_NAME = "the organisation's own case records"


class RegisterError(InputError):
    """The register cannot be used: missing, damaged, not a register, or of another format."""


class RegisterBusyError(RegisterError):
    """Another process holds the register (an import is running)."""


def default_register_path() -> Path:
    """Where the register lives unless ``--register`` says otherwise: in the user data folder."""
    return data_dir() / DEFAULT_FILE_NAME


def is_register_file(head: bytes) -> bool:
    """Whether a file's first bytes are a DuckDB database's."""
    return head[8:12] == _DUCKDB_MAGIC


def _sql_type(dtype: PolarsDataType) -> str:
    if dtype == pl.Boolean:
        return "BOOLEAN"
    if dtype.is_integer():
        return "INTEGER"
    return "VARCHAR"


@contextlib.contextmanager
def _owner_only() -> Iterator[None]:
    """Files made in this block (the database, its write-ahead log) are readable by their owner only."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


#: The in-memory DuckDB database of this process that each connection attaches the register to (and the process
#: it was made in): a database of DuckDB's own is made once, not at every connection.
_HOST: tuple[int, duckdb.DuckDBPyConnection] | None = None
#: The name an erasure attaches its scratch file under, after the register's own (:mod:`.erasure`): detached
#: with the register's connection, whatever happened.
ERASING_SUFFIX = "_erasing"
_HOST_LOCK = threading.Lock()
_ALIASES = itertools.count(1)


def _host() -> duckdb.DuckDBPyConnection:
    """This process's in-memory DuckDB database (a forked child makes its own: its parent's threads are not
    in it)."""
    import duckdb

    global _HOST
    with _HOST_LOCK:
        if _HOST is None or _HOST[0] != os.getpid():
            _HOST = (os.getpid(), duckdb.connect(":memory:"))
        return _HOST[1]


class _Connection:
    """A connection to one register: a cursor of this process's in-memory DuckDB database, on which the register's
    file is attached (under a name of its own) and made the database its statements read and write. Closed, the
    file is detached: its lock released, its write-ahead log written into it, as when a database of its own closes.

    Opening a DuckDB database of its own cost ~16 ms of CPU (DuckDB builds its catalog of functions anew for each),
    at every one of the register's connections, a few for each command; attaching the file to a database made
    once costs ~2 ms. DuckDB opens the file alike either way (the same locks, the same errors).
    """

    def __init__(self, cursor: duckdb.DuckDBPyConnection, alias: str) -> None:
        self._cursor = cursor
        self._alias = alias
        self._closed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._cursor.close()  # its transaction, if one is open, rolled back
        finally:
            detaching = _host().cursor()
            try:  # the register, and the one file attached beside it under its name (an erasure's scratch file:
                # named so, not looked for in the catalog, which cost as much as the rest of the connection)
                for name in (f"{self._alias}{ERASING_SUFFIX}", self._alias):
                    detaching.execute(f'DETACH DATABASE IF EXISTS "{name}"')
            finally:
                detaching.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _attach(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """The register's file opened by DuckDB (attached to this process's in-memory database), for reading only
    or for writing; DuckDB's own error when it cannot be (locked, damaged, not writable). Another file the
    connection attaches is named after it (``<its name>_...``): detached with it."""
    import duckdb

    cursor = _host().cursor()
    alias = f"register_{next(_ALIASES)}"
    try:
        quoted = str(path).replace("'", "''")
        cursor.execute(f"ATTACH '{quoted}' AS {alias}" + (" (READ_ONLY)" if read_only else ""))
        cursor.execute(f"USE {alias}")
    except duckdb.Error as exc:
        cursor.close()
        if "Unique file handle conflict" not in str(exc):
            raise
        # this process holds the file open for writing through a DuckDB database of its own (a script's
        # duckdb.connect): opened as before, DuckDB shares that database, or refuses it with another setting
        # (read-only or not), which connect() says as such
        return duckdb.connect(str(path), read_only=read_only)
    except BaseException:
        cursor.close()
        raise
    return _Connection(cursor, alias)  # type: ignore[return-value]  # a connection in all it is used for


def connect(
    path: str | Path, *, read_only: bool, create: bool = False, wait: float = 0.0
) -> duckdb.DuckDBPyConnection:
    """An open connection to the register at ``path``; a clear error when it is missing, damaged or busy.

    ``wait`` is how many seconds to keep trying while another process holds the register.
    """
    import duckdb

    path = Path(path)
    if not path.exists():
        if not create:
            raise RegisterError(
                "no register here", path=path, hint="make one with: evidence register import EXPORT"
            )
        make_private_folder(path.parent, "the register")
    else:
        if path.is_dir():
            raise RegisterError("is a folder, not a register file", path=path)
        with open(path, "rb") as handle:
            if not is_register_file(handle.read(16)):
                raise RegisterError("not a register: the file is not a DuckDB database (damaged?)", path=path)
    deadline = time.monotonic() + wait
    while True:
        try:
            with _owner_only():
                connection = _attach(path, read_only=read_only)
            break
        except duckdb.IOException as exc:
            if not read_only and (refused := _unwritable(path, exc)):
                # not damaged: a register on a read-only disk, or another user's (reading it works)
                raise RegisterError(
                    f"cannot write to the register ({refused})",
                    path=path,
                    hint="importing and recording exports change it; status, figures, lists and snapshot only "
                    "read it",
                ) from None
            if "lock" not in str(exc).lower():
                raise _damaged(path, exc) from None
            if time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            holder = re.search(r"\(PID (\d+)\)", str(exc))
            raise RegisterBusyError(
                "the register is in use by another process"
                + (f" (PID {holder.group(1)})" if holder else "")
                + ": an import may be running",
                path=path,
                # the register commands take --wait; a brief or a batch reading the register as data does not
                hint="try again when it ends"
                + (
                    " (the register commands take --wait SECONDS)"
                    if read_only
                    else ", or pass --wait SECONDS"
                ),
            ) from None
        except duckdb.Error as exc:
            if _open_otherwise(exc):
                raise _open_in_this_process(path, read_only=read_only) from None
            raise _damaged(path, exc) from None
    if not read_only:  # held for writing: no erasure is running, so one found beside was killed midway
        remove_erasure_scratch(path)
    if stat.S_IMODE(path.stat().st_mode) != 0o600:
        try:
            path.chmod(0o600)
        except OSError:
            if not read_only:
                connection.close()
                raise
            # reading a register where it cannot be changed (a backup on a read-only disk): as it is
    return connection


def erasure_scratch(register: Path) -> Path:
    """Where an erasure writes the register anew before that file takes the register's name."""
    return register.with_name(f".{register.name}.erasing")


def remove_erasure_scratch(register: Path) -> None:
    """Remove what an erasure killed before it finished left beside the register (the records but the
    erased ones: not to be left lying about)."""
    scratch = erasure_scratch(register)
    for leftover in (scratch, scratch.with_name(scratch.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()


def _unwritable(path: Path, exc: Exception) -> str | None:
    """Why the register at ``path`` cannot be opened for writing, when that is why DuckDB refused it (a
    read-only file system, no permission), else None."""
    text = str(exc)
    for reason in ("Read-only file system", "Permission denied"):
        if reason in text:
            return reason
    return None


#: What DuckDB says when this process already holds the file open with another setting (read-only or not):
#: through a connection of its own (``duckdb.connect(path)``), or the register's own still open.
_OPEN_OTHERWISE = ("Unique file handle conflict", "different configuration than existing connections")


def _open_otherwise(exc: Exception) -> bool:
    """Whether DuckDB refused the file because this process holds it open otherwise (not damaged)."""
    return any(text in str(exc) for text in _OPEN_OTHERWISE)


def _open_in_this_process(path: Path, *, read_only: bool) -> RegisterError:
    return RegisterError(
        "the register file is already open in this process, through another DuckDB connection with another "
        f"setting (this use {'only reads' if read_only else 'writes'} it; DuckDB opens a file one way at a time "
        "in a process), e.g. a duckdb.connect of the file in this notebook or script",
        path=path,
        hint="close the other connection to the file (connection.close()), then try again; the file is not "
        "damaged",
    )


def _damaged(path: Path, exc: Exception) -> RegisterError:
    first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return RegisterError(
        f"cannot open the register: the file is damaged or not a register ({first_line})",
        path=path,
        hint="restore it from a backup; the exports can also be imported again into a new register",
    )


def _frame(
    connection: duckdb.DuckDBPyConnection,
    query: str,
    parameters: list[Any] | dict[str, Any] | None = None,
) -> pl.DataFrame:
    """A query's result as a polars frame, through Arrow without a copy."""
    relation = connection.sql(query, params=parameters or None)
    arrow = getattr(relation, "to_arrow_table", None) or relation.arrow  # the name differs across versions
    return pl.from_arrow(arrow())  # type: ignore[return-value]


def _tables(connection: duckdb.DuckDBPyConnection) -> set[str]:
    """The register's tables (not another database's attached beside it, nor a temporary table)."""
    return {
        row[0]
        for row in connection.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
    }


def _meta(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(connection.execute("SELECT key, value FROM meta").fetchall())


def _has_rows(connection: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(connection.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchall()[0][0])


def _check_format(
    connection: duckdb.DuckDBPyConnection,
    path: Path,
    tables: set[str] | None = None,
    meta: dict[str, str] | None = None,
) -> dict[str, str]:
    """The register's meta facts, once its tables (``tables``, when the caller read them) say it is a register of
    this format (``meta``: the facts, when the caller read them)."""
    tables = _tables(connection) if tables is None else tables
    if not tables:  # made by a first import that was refused or stopped before it committed
        raise RegisterError(
            "the register holds nothing yet: its first import did not finish (it was refused, or stopped)",
            path=path,
            hint="import the first export again (evidence register import EXPORT)",
        )
    if not {"meta", "imports", "records"} <= tables:
        raise RegisterError("not a register: a DuckDB database without the register's tables", path=path)
    meta = _meta(connection) if meta is None else meta
    if meta.get("application") != APPLICATION:
        raise RegisterError("not a register made by evidence", path=path)
    if meta.get("format_version") != FORMAT_VERSION:
        raise RegisterError(
            f"register format {meta.get('format_version')!r}; this toolkit reads format {FORMAT_VERSION}",
            path=path,
        )
    return meta


def _checked(connection: duckdb.DuckDBPyConnection, path: Path) -> tuple[set[str], dict[str, str]]:
    """The register's tables and its meta facts, checked as :func:`_check_format` checks them: read in one
    statement where the file holds a meta table of the register's (two before); else as that check reads them,
    to say what the file is. Outside a transaction (a failed statement would end it)."""
    import duckdb

    try:
        rows = connection.execute(
            "SELECT table_name, NULL, NULL FROM duckdb_tables() WHERE database_name = current_database() "
            "UNION ALL SELECT NULL, key, value FROM meta"
        ).fetchall()
    except duckdb.Error:  # no meta table, or not the register's
        tables = _tables(connection)
        return tables, _check_format(connection, path, tables)
    tables = {table for table, _, _ in rows if table is not None}
    meta = {key: value for table, key, value in rows if table is None}
    return tables, _check_format(connection, path, tables, meta)


def _create_schema(connection: duckdb.DuckDBPyConnection, key: RegisterKey, country: str | None) -> None:
    connection.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
    meta = {
        "application": APPLICATION,
        "format_version": FORMAT_VERSION,
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "key_check": key.check_value(),
        "country": country or "",
    }
    connection.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
    connection.execute(
        """CREATE TABLE imports (
            import_id INTEGER, imported_at TIMESTAMP, exported_on DATE, exported_on_from VARCHAR,
            file_name VARCHAR, file_sha256 VARCHAR, mapping_sha256 VARCHAR, full_export BOOLEAN,
            rows_in INTEGER, rows_new INTEGER, rows_updated INTEGER, rows_unchanged INTEGER,
            rows_rejected INTEGER, rows_marked_missing INTEGER, note VARCHAR, provenance VARCHAR,
            rows_left_out INTEGER)"""
    )
    columns = {**_VERSION_COLUMNS}
    columns.update({c: _sql_type(CASE_SCHEMA[c]) for c in CASE_FIELDS})
    connection.execute("CREATE TABLE records (" + ", ".join(f'"{c}" {t}' for c, t in columns.items()) + ")")
    _create_later_tables(connection)


#: The tables and columns added after format 1 was first written, each with the statement that makes it: (the
#: table, the column or None for the table itself, the statement).
_LATER_TABLES: tuple[tuple[str, str | None, str], ...] = (
    ("imports", "rows_left_out", "ALTER TABLE imports ADD COLUMN IF NOT EXISTS rows_left_out INTEGER"),
    ("id_folds", None, "CREATE TABLE IF NOT EXISTS id_folds (record_key VARCHAR, fold_key VARCHAR)"),
    (
        "ctdc_exports",
        None,
        """CREATE TABLE IF NOT EXISTS ctdc_exports (
            export_id INTEGER, exported_at TIMESTAMP, as_of DATE, k INTEGER, max_suppressed DOUBLE,
            file_name VARCHAR, file_sha256 VARCHAR, rows_in INTEGER, rows_written INTEGER,
            allowed_another_release BOOLEAN)""",
    ),
    # the written file beside the export's name until it takes it: left there by a kill in between
    ("ctdc_exports", "part_file", "ALTER TABLE ctdc_exports ADD COLUMN IF NOT EXISTS part_file VARCHAR"),
    # what a later release must not be differenced against: the generalisation of each export (its levels, and
    # the first year of its year bands) and the count of each set of quasi-identifiers it published (each at
    # least k, as in the file itself); null and none for exports recorded before they were kept
    ("ctdc_exports", "levels", "ALTER TABLE ctdc_exports ADD COLUMN IF NOT EXISTS levels VARCHAR"),
    ("ctdc_exports", "first_year", "ALTER TABLE ctdc_exports ADD COLUMN IF NOT EXISTS first_year INTEGER"),
    # each set's full rows as written (JSON: set -> row -> count; the file's own content, no record key), for
    # a later release to be checked row by row; null for exports recorded before they were kept
    ("ctdc_exports", "full_rows", "ALTER TABLE ctdc_exports ADD COLUMN IF NOT EXISTS full_rows VARCHAR"),
    (
        "ctdc_export_sets",
        None,
        "CREATE TABLE IF NOT EXISTS ctdc_export_sets (export_id INTEGER, quasi_identifiers VARCHAR, records INTEGER)",
    ),
    (
        "erasures",
        None,
        """CREATE TABLE IF NOT EXISTS erasures (
            erasure_id INTEGER, erased_on DATE, reason VARCHAR, ids_given INTEGER, persons_erased INTEGER,
            record_versions_erased INTEGER, rows_erased INTEGER)""",
    ),
    ("erased_ids", None, "CREATE TABLE IF NOT EXISTS erased_ids (erased_key VARCHAR, erasure_id INTEGER)"),
    # the keyed hash of each record's identifying fields named by same_person (never the fields): a record sharing
    # it with another, unlinked, is pointed out and said beside its figures
    (
        PERSON_HASHES,
        None,
        f"CREATE TABLE IF NOT EXISTS {PERSON_HASHES} (record_key VARCHAR, person_hash VARCHAR)",
    ),
    # ids of one person (evidence register link): each id's record_key, the person's key (the smallest record_key
    # of the ids linked together), the hash an erasure of the id keeps, and the link
    (
        LINKED_IDS,
        None,
        f"""CREATE TABLE IF NOT EXISTS {LINKED_IDS} (record_key VARCHAR, person_key VARCHAR, erased_key VARCHAR,
            link_id INTEGER, linked_on DATE)""",
    ),
)


@dataclasses.dataclass(frozen=True)
class _Catalog:
    """What the register's catalog says, read in one statement (:func:`_catalog`)."""

    tables: set[str]  # as :func:`_tables` gives them
    held: set[tuple[str, str | None]]  # (table, column) and (table, None) of the main schema's tables
    records: list[
        str
    ]  # the columns of ``records`` in the table's order, as :func:`_record_columns` gives them


def _catalog(connection: duckdb.DuckDBPyConnection) -> _Catalog:
    """The register's tables, their columns, and those of its records, in one look at the catalog: an import
    needs all three (each a statement of its own, ~1-2 ms)."""
    rows = connection.execute(
        "SELECT table_name, schema_name, column_name, column_index FROM duckdb_columns() "
        "WHERE database_name = current_database() UNION ALL SELECT table_name, schema_name, NULL, NULL "
        "FROM duckdb_tables() WHERE database_name = current_database()"
    ).fetchall()
    records = sorted(
        (index, column)
        for table, schema, column, index in rows
        if table == "records" and schema == "main" and column is not None
    )
    return _Catalog(
        tables={table for table, _, column, _ in rows if column is None},
        held={(table, column) for table, schema, column, _ in rows if schema == "main"},
        records=[column for _, column in records if column not in _VERSION_COLUMNS],
    )


def _create_later_tables(
    connection: duckdb.DuckDBPyConnection, held: set[tuple[str, str | None]] | None = None
) -> None:
    """The tables added after format 1 was first written (a register made before has none of them until its
    next import or export: they are made then, in the same transaction; so are later columns, null in the rows
    written before them: not known). ``held``: the register's tables and columns (:attr:`_Catalog.held`), when
    the caller read them.

    Only the statements of those the register lacks are run: each is ``IF NOT EXISTS``, a no-op for one it holds,
    but a dozen statements cost ~3 ms at every import, export, link and erasure; one look at the catalog ~0.5 ms.
    """
    if held is None:
        held = {
            (table, column)
            for table, column in connection.execute(
                "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() "
                "AND schema_name = 'main' UNION ALL SELECT table_name, NULL FROM duckdb_tables() "
                "WHERE database_name = current_database() AND schema_name = 'main'"
            ).fetchall()
        }
    for table, column, statement in _LATER_TABLES:
        if (table, column) not in held:
            connection.execute(statement)


def _check_key(meta: Mapping[str, str], key: RegisterKey, path: Path) -> None:
    if meta.get("key_check") != key.check_value():
        raise RegisterKeyError(
            f"the key from {key.origin} is not the key {path} was made with; importing with it would give "
            "the same people new pseudonyms, so nothing was imported (use the register's own key file, or "
            "its EVIDENCE_REGISTER_KEY)"
        )


# --- importing -----------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ImportResult:
    """What one import did (the same facts its row in ``imports`` keeps)."""

    import_id: int
    file_name: str
    file_sha256: str
    exported_on: dt.date
    exported_on_from: str
    full_export: bool
    rows_in: int
    rows_new: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int
    rows_marked_missing: int
    note: str
    rejects: pl.DataFrame = dataclasses.field(repr=False, default_factory=empty_issues)
    #: rows kept but pointed out: a new record whose case id differs from a missing record's only in letter
    #: case or surrounding punctuation (not merged: whether they are one person is the organisation's call)
    flags: pl.DataFrame = dataclasses.field(repr=False, default_factory=empty_issues)
    #: the register's key is evidently not random (:attr:`~evidence.sources.register.keys.RegisterKey.weakness`)
    key_warning: str | None = None
    #: rows holding nothing (blank lines, rows of delimiters only, empty sheet rows) and note lines below the table:
    #: no record, not in ``rows_in``; said beside it, so that the rows of the file add up
    rows_left_out: int = 0

    @property
    def exported_on_told(self) -> str:
        """How its date was told, as a sentence says it (:func:`date_told`)."""
        return date_told(self.exported_on_from)

    def summary(self) -> dict[str, Any]:
        """The facts as plain data (the CLI's ``--json``); rejected rows as line, column, reason."""
        facts = {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in ("rejects", "flags")
        }
        facts["exported_on"] = self.exported_on.isoformat()
        return facts


_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})[-_.]?(\d{2})[-_.]?(\d{2})(?!\d)")


def export_date(path: Path, given: dt.date | None = None) -> tuple[dt.date, str]:
    """The date an export was made, and how it was told: given, a date in the file name, or the file's time.

    A name holding several different dates (``cases_2016-01-01_2023-06-30.csv``, the period it covers) tells
    none of them: which one the export was made on cannot be told, and taking the first dated every such
    export alike (refused: give the date).
    """
    if given is not None:
        return given, "given"
    dates: set[dt.date] = set()
    for match in _DATE_IN_NAME.finditer(path.name):
        with contextlib.suppress(ValueError):  # digits that are no date (``2016_2024``): no date
            dates.add(dt.date(*(int(g) for g in match.groups())))
    if len(dates) > 1:
        raise InputError(
            f"the file name holds several dates ({', '.join(d.isoformat() for d in sorted(dates))}): which one "
            "the export was made on cannot be told, so nothing was imported",
            path=path,
            hint="give the date it was made with --exported-on DATE",
        )
    if dates:
        return dates.pop(), "the file name"
    _refuse_a_date_not_read(path)
    return dt.date.fromtimestamp(path.stat().st_mtime), "the file's modification time"


#: A date written year first with separators (``2023-02-30``, ``2023_13_01``), read or not.
_YEAR_FIRST_WRITTEN = re.compile(r"(?<!\d)\d{4}([-_.])\d{1,2}\1\d{1,2}(?!\d)")
#: A date written day or month first (``31-03-2023``, ``03.31.2023``), which the register does not read.
_YEAR_LAST = re.compile(r"(?<!\d)\d{1,2}([-_.])\d{1,2}\1\d{4}(?!\d)")


def _refuse_a_date_not_read(path: Path) -> None:
    """Refuse a file name holding a date the register cannot read (no such day; the day or month first): the
    analyst meant it, and the file's modification time in its place (a copied file's: today) would date the
    export wrongly for good, and refuse every real export after it as older."""
    for pattern, what in (
        (_YEAR_FIRST_WRITTEN, "which is no date"),
        (
            _YEAR_LAST,
            "a date not written year first (which number is the day and which the month cannot be told)",
        ),
    ):
        if (match := pattern.search(path.name)) is not None:
            raise InputError(
                f"the file name holds {match.group()!r}, {what}: the export's date cannot be read from it, so "
                "nothing was imported",
                path=path,
                hint="give the date it was made with --exported-on DATE (or name the file with it, YYYY-MM-DD)",
            )


def date_told(told: str) -> str:
    """How an export's date was told (:func:`export_date`), as a sentence says it: ``as given`` (with
    ``--exported-on``), ``from the file name``, ``from the file's modification time``."""
    return "as given" if told == "given" else f"from {told}"


def _register_rows(
    loaded: LoadedTable, seen: Mapping[str, int], column: str = "case_id"
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows the register takes, and the rows it rejects besides the loader's (no id, a shared id), naming
    the export's ``column`` of case ids as the loader names the columns of its rejects.

    ``seen`` counts the rows of the export holding each record, among *all* rows read: a row whose id is also
    on a row the loader rejected is rejected too (the rejected row may be the corrected one).
    """
    data = loaded.data
    no_id = data.filter(pl.col(RECORD_KEY).is_null())
    many = sorted(k for k, n in seen.items() if n > 1)
    is_shared = pl.col(RECORD_KEY).is_in(many)
    shared = data.filter(is_shared)
    rejects = [
        no_id.select(
            row="source_row",
            column=pl.lit(column),
            value=pl.lit(None, pl.String),
            reason=pl.lit("no case id: the register follows records by their id"),
        ),
        shared.select(
            row="source_row",
            column=pl.lit(column),
            value=pl.lit(None, pl.String),
            reason=pl.lit(
                "case id shared with another row of this export (kept or rejected): which one is right "
                "cannot be told"
            ),
        ),
    ]
    kept = data.filter(pl.col(RECORD_KEY).is_not_null() & ~is_shared)
    return kept, pl.concat([loaded.rejects, *(issues_frame(r) for r in rejects)]).sort("row")


#: The reason a row holding nothing but its case id is pointed out (the CLI groups flags by it).
ID_ONLY_REASON = (
    "holds nothing but its case id (every other column the mapping reads is empty): a total or note line "
    "below the records? Kept as a record of which nothing is known; if it is no case, delete the line"
)


def _id_only_rows(rows: pl.DataFrame, mapping: CaseRecordsMapping) -> pl.DataFrame:
    """The rows the register takes that hold no field but their case id (the mapping's ``fixed`` values aside),
    as flags: a total or note line below the records ("Total: 332 cases") would otherwise become a record of
    which nothing is known, new in each export whose total changed. Kept: a case just opened may hold only its
    id."""
    derived = {"origin": "origin_", "destination": "destination_", "transit": "transit_"}
    fixed: set[str] = set()
    for field in mapping.fixed:
        prefix = derived.get(field)
        fixed.update(c for c in rows.columns if c == field or (prefix is not None and c.startswith(prefix)))
        if field == "age_band":
            fixed.add("majority_status")
    read = [c for c in rows.columns if c not in {RECORD_KEY, "source_row", *fixed}]
    if not rows.height or not read:
        return empty_issues()
    empty = rows.filter(pl.all_horizontal(pl.col(c).is_null() for c in read))
    return issues_frame(
        empty.select(
            row=pl.col("source_row").cast(pl.Int64),
            column=pl.lit(mapping.columns["case_id"]),
            value=pl.lit(None, pl.String),
            reason=pl.lit(ID_ONLY_REASON),
        )
    )


def _check_usable(export: Path, rows_in: int, rows: pl.DataFrame, rejects: pl.DataFrame) -> None:
    """Refuse an export that holds no record the register can take, before the register is opened: one with no
    rows (a failed export, its header only) would mark every record missing as a full export, and one whose
    every row is rejected (a column renamed to another, its codes or date format changed) would be recorded
    as the latest export though nothing of it was read, moving "as of" past it."""
    if rows_in == 0:
        raise InputError(
            "the export holds no records (its header only?): nothing was imported; as a full export it would "
            "have marked every record of the register missing",
            path=export,
        )
    if rows.height == 0 and rejects.height:
        by_column = rejects.group_by("column").len().sort(["len", "column"], descending=[True, False])
        columns = ", ".join(f"{c!r} {n}" for c, n in by_column.iter_rows())
        first = rejects.row(0, named=True)
        raise InputError(
            f"every row of the export was rejected ({rows_in} rows; rejected for {columns}; e.g. row "
            f"{first['row']}, column {first['column']!r}: {first['reason']}): nothing was imported. Check the "
            "export against its mapping: did a column, its codes or its date format change?",
            path=export,
        )


#: How many of the distinct values of a free-text column a refusal lists.
_VALUES_LISTED = 30


def _check_referral_coded(export: Path, mapping: CaseRecordsMapping, data: pl.DataFrame) -> None:
    """Refuse referral sources read as free text: kept as written, they reach the register and, as column
    names, the lists export (an officer's or a shelter worker's name, written in the column, would be in a
    file meant for estimation). A code list (``values.referral_source``) keeps only the agencies listed; an
    unlisted value then rejects its row. The refusal lists the export's distinct values to code."""
    column = mapping.columns.get("referral_source")
    if column is None or mapping.values.get("referral_source") or "referral_source" not in data.columns:
        return
    counts = (
        data.select(pl.col("referral_source").str.split(";").list.eval(pl.element().str.strip_chars()))
        .explode("referral_source")
        .filter(pl.col("referral_source").is_not_null() & (pl.col("referral_source") != ""))
        .group_by("referral_source")
        .len()
        .sort(["len", "referral_source"], descending=[True, False])
    )
    if not counts.height:
        return
    values = counts.get_column("referral_source").to_list()
    listed = ", ".join(repr(v) for v in values[:_VALUES_LISTED])
    more = f" and {len(values) - _VALUES_LISTED} more" if len(values) > _VALUES_LISTED else ""
    raise InputError(
        f"the mapping gives no code list for referral_source (column {column!r}): its text would be kept as "
        "written, in the register and as the lists export's column names, where a person's name written in "
        f"the column would be published. Nothing was imported. The export's {len(values)} distinct value(s), "
        f"most rows first: {listed}{more}",
        path=mapping.path or export,
        column=column,
        hint="list the agencies under values: referral_source: {CODE: Agency name, ...} in the mapping (a value "
        "not listed then rejects its row); or stop naming referral_source under columns",
    )


def _check_date_against_records(
    export: Path, rows: pl.DataFrame, made_on: dt.date, made_on_from: str
) -> None:
    """Refuse an export holding records registered in a year after the export's date: the date is wrong (a
    typo in the file name or ``--exported-on``, a modification time), and figures as of it would leave those
    records out."""
    if "year" not in rows.columns:
        return
    later = rows.filter(pl.col("year") > made_on.year)
    if not later.height:
        return
    lines = later.get_column("source_row").sort().head(5).to_list()
    raise InputError(
        f"{later.height} record(s) of the export are registered after the year of its date, {made_on} "
        f"({date_told(made_on_from)}): the latest in {later.select(pl.col('year').max()).item()}, e.g. row(s) "
        + ", ".join(map(str, lines))
        + (", ..." if later.height > len(lines) else "")
        + ". The export cannot have been made before them: nothing was imported",
        path=export,
        hint="give the date it was made with --exported-on DATE",
    )


def import_export(
    register: str | Path,
    export: str | Path,
    mapping: str | Path | Mapping[str, Any] | CaseRecordsMapping | None = None,
    *,
    key_path: str | Path | None = None,
    exported_on: dt.date | None = None,
    full_export: bool = True,
    wait: float = 0.0,
    allow_dropped_fields: bool = False,
    allow_many_missing: bool = False,
    cell_key_check: str | None = None,
    same_person: Sequence[str] | None = None,
) -> ImportResult:
    """Import one export of the case-management system into the register (made on first use).

    Records are followed by their case id, stored only as its keyed hash. A record not seen before is *new*;
    one whose fields differ from its current version is *updated* (the old version kept, closed at this
    export's date); the same is *unchanged*. With ``full_export``, a record of the register that the export
    lacks is *marked missing* (kept, never deleted). Importing a file already imported through the same
    mapping changes nothing (and is recorded); through a corrected mapping it is read again. Exports are
    imported in the order they were made: one dated before the latest is refused. An export holding no
    value of a field the register's records hold (a partial export: the records it holds) is refused unless
    ``allow_dropped_fields`` (the mapping stopped naming its column, or the export lost it): it would make the
    field unknown for every such record from its date on. So is a full export lacking most of the records present, unless ``allow_many_missing`` (an
    export of some records taken for a full one, or case ids that changed form, would mark them missing).
    ``cell_key_check``: the check value of the cell-key secret in use (:func:`cell_key_check`), kept from the
    first import given one, so that figures made later beside another secret can say so.
    ``same_person``: the export's identifying columns (listed under the mapping's ``identifying``) whose values
    together tell a person, such as full name and date of birth; kept in the register for later imports. Their
    values are never stored: only a keyed hash of them, so that a record sharing it with another record not
    linked to it (:mod:`.linking`), a person registered again under a new case id, is pointed out.
    """
    register, export = Path(register), Path(export)
    if export.is_dir():
        raise InputError(
            "a folder, not an export file", path=export, hint="name the export (CSV or XLSX) in it"
        )
    if not export.is_file():
        raise InputError("no such export file", path=export)
    if mapping is None:
        mapping = mapping_path(export)
        if not mapping.exists():
            raise InputError(
                f"no mapping file {mapping.name} beside the export", path=export, hint="pass --mapping FILE"
            )
    if isinstance(mapping, Mapping):  # its digest, as a mapping file's sha256, tells a corrected one apart
        digest = hashlib.sha256(json.dumps(mapping, sort_keys=True, default=str).encode("utf-8")).hexdigest()
        mapping = dataclasses.replace(read_mapping(mapping), sha256=digest)
    elif not isinstance(mapping, CaseRecordsMapping):
        mapping = read_mapping(mapping)
    if "case_id" not in mapping.columns:
        raise InputError(
            "the mapping names no case_id column: the register follows records from one export to the next "
            "by their id",
            path=mapping.path or "the mapping",
        )
    new_register = not register.exists() or register.stat().st_size == 0
    key = load_key(key_path, create=new_register)
    made_on, made_on_from = export_date(export, exported_on)

    from evidence.sources.case_records import load_case_records

    seen: dict[str, int] = {}  # every record the export holds -> its rows, kept or rejected
    folds: dict[str, str] = {}  # every record the export holds -> the keyed hash of its folded id
    erasable: dict[str, str] = {}  # every record the export holds -> its hash as an erased person's would be

    def pseudonymise(case_id: str) -> str:
        pseudonym = key.pseudonym(case_id)
        seen[pseudonym] = seen.get(pseudonym, 0) + 1
        if pseudonym not in folds:
            folds[pseudonym] = key.pseudonym(_FOLD_DOMAIN + fold_case_id(case_id))
            erasable[pseudonym] = erased_key(key, case_id)
        return pseudonym

    loaded = load_case_records(export, mapping, pseudonymise=pseudonymise)
    _check_referral_coded(export, mapping, loaded.data)
    rows, rejects = _register_rows(loaded, seen, mapping.columns["case_id"])
    _check_usable(export, loaded.rows_in, rows, rejects)
    _check_date_against_records(export, rows, made_on, made_on_from)
    same_person_given = _check_same_person(same_person, mapping, export)
    file_sha256 = sha256_file(export)

    connection = connect(register, read_only=False, create=True, wait=wait)
    try:
        connection.execute("BEGIN TRANSACTION")
        catalog = _catalog(connection)  # the tables, the later ones' columns, the records' columns: one look
        if not catalog.tables:  # a new register (or one whose first import never committed)
            _create_schema(connection, key, mapping.reporting_country)
            catalog = _catalog(connection)  # read again: the check reads it
        meta = _check_format(connection, register, catalog.tables)
        _check_key(meta, key, register)
        _create_later_tables(connection, catalog.held)  # none touches the records: their columns stand
        _remove_unfinished_exports(connection)
        if erased := _erased_on(connection, erasable):  # never brought back by an export still holding them
            rows, rejects = _reject_erased(rows, rejects, erased, mapping.columns["case_id"])
            folds = {k: v for k, v in folds.items() if k not in erased}
            _check_usable(export, loaded.rows_in, rows, rejects)
        if cell_key_check and CELL_KEY_CHECK not in meta:  # the first secret the register's figures used
            connection.execute("INSERT INTO meta VALUES (?, ?)", [CELL_KEY_CHECK, cell_key_check])
        if not meta.get("country") and mapping.reporting_country:
            connection.execute("UPDATE meta SET value = ? WHERE key = 'country'", [mapping.reporting_country])
        elif mapping.reporting_country and mapping.reporting_country != meta["country"]:
            # one register, one country: its "nationals abroad" would silently stay the other country's
            raise InputError(
                f"the mapping says reporting_country {mapping.reporting_country}, but the register's country is "
                f"{meta['country']} (from its first import that named one): is the mapping another office's, or "
                "the register another country's? Nothing was imported",
                path=mapping.path or export,
                hint=f"correct reporting_country in the mapping (or leave it out to keep {meta['country']}); an "
                "organisation working in two countries keeps a register for each (--register PATH)",
            )
        matched_on = _same_person_columns(connection, meta, same_person_given)
        hashes = _person_hashes(export, mapping, matched_on, key, rows) if matched_on else None
        id_only = _id_only_rows(rows, mapping)
        result = _apply(
            connection,
            rows,
            rejects,
            made_on=made_on,
            made_on_from=made_on_from,
            full_export=full_export,
            allow_dropped_fields=allow_dropped_fields,
            allow_many_missing=allow_many_missing,
            file_name=export.name,
            export=export,
            file_sha256=file_sha256,
            mapping=mapping,
            provenance=loaded.provenance,
            rows_in=loaded.rows_in,
            rows_left_out=loaded.rows_left_out,
            register=register,
            seen=seen,
            folds=folds,
            columns=catalog.records,
        )
        if hashes is not None and not result.note:  # a file imported before changes nothing
            same = _same_person_rows(connection, hashes, mapping.columns["case_id"], matched_on)
            if same.height:
                result = dataclasses.replace(result, flags=pl.concat([result.flags, same]).sort("row"))
        connection.execute("COMMIT")
        connection.execute("CHECKPOINT")  # into the main file, so its sha256 says what it holds
        if id_only.height:
            result = dataclasses.replace(result, flags=pl.concat([result.flags, id_only]).sort("row"))
    except BaseException:
        with contextlib.suppress(Exception):
            connection.execute("ROLLBACK")
        raise
    finally:
        connection.close()
    return dataclasses.replace(result, key_warning=key.weakness)


#: How the reason of a row pointed out for its ``same_person`` fields goes on, after the columns' names.
SAME_PERSON_FLAG = (
    " the same as another record's, under another case id: the same person registered again? If so, link the "
    "two ids (evidence register link ID ID) so that they count once; if not, two people alike in these fields"
)
_PERSON_DOMAIN = "evidence register same person\x00"  # a person hash is never a record_key nor a fold's


def _check_same_person(
    given: Sequence[str] | None, mapping: CaseRecordsMapping, export: Path
) -> list[str] | None:
    """The identifying columns given to tell a person (None: not given), each listed under the mapping's
    ``identifying`` (else refused, before the register is opened)."""
    if given is None:
        return None
    columns = list(dict.fromkeys(" ".join(c.split()) for c in given if c.strip()))
    listed = {fold(c) for c in mapping.identifying}
    unlisted = [c for c in columns if fold(c) not in listed]
    if unlisted:
        raise InputError(
            "--same-person names "
            + ", ".join(repr(c) for c in unlisted)
            + ", not listed under identifying in the mapping: only identifying columns (names, dates of birth) "
            "tell a person. Nothing was imported",
            path=mapping.path or export,
            hint="list the column under identifying: [...] in the mapping",
        )
    return columns or None


def _same_person_columns(
    connection: duckdb.DuckDBPyConnection, meta: Mapping[str, str], given: list[str] | None
) -> list[str]:
    """The identifying columns that tell a person: given (kept for later imports), else those kept."""
    if given is None:
        return json.loads(meta.get(SAME_PERSON) or "[]")
    value = json.dumps(given, ensure_ascii=False)
    if SAME_PERSON in meta:
        connection.execute("UPDATE meta SET value = ? WHERE key = ?", [value, SAME_PERSON])
    else:
        connection.execute("INSERT INTO meta VALUES (?, ?)", [SAME_PERSON, value])
    return given


def _person_hashes(
    export: Path, mapping: CaseRecordsMapping, columns: list[str], key: RegisterKey, rows: pl.DataFrame
) -> pl.DataFrame:
    """The keyed hash of each taken row's identifying ``columns`` (each folded: letter case and spacing aside),
    by ``record_key`` and ``source_row``; no hash for a row missing one of them. The values go no further."""
    from evidence.sources import case_records
    from evidence.sources.registry import FileHead

    fields = {f"same_person_{i}": c for i, c in enumerate(columns)}
    reading = dataclasses.replace(mapping, columns=fields, flags={}, assistance={}, fixed={})
    try:
        raw = (
            case_records._read_workbook(export, reading)
            if FileHead(export).is_xlsx
            else case_records._read_csv(export, reading)
        )
    except InputError as exc:  # a column the export lacks: named as the option names it
        message = re.sub(r"^(line \d+: )?columns\.same_person_\d+ ", "", exc.message)
        raise InputError(
            f"same_person (--same-person) {message}: nothing was imported",
            path=export,
            hint="renamed? give them as this export names them (--same-person COLUMN, once for each); "
            + (exc.hint or ""),
        ) from None
    values = raw.frame.select(
        "source_row",
        person=pl.concat_list(
            pl.col(c).str.replace_all(r"\s+", " ").str.strip_chars().str.to_lowercase() for c in columns
        ),
    )
    wanted = set(rows.get_column("source_row").to_list())
    found = []
    for row, cells in values.iter_rows():
        if row in wanted and all(c and fold(c) not in mapping.missing for c in cells):
            found.append((row, key.pseudonym(_PERSON_DOMAIN + "\x1f".join(cells))))
    hashed = pl.DataFrame(found, schema={"source_row": pl.Int64, "person_hash": pl.String}, orient="row")
    return rows.select(RECORD_KEY, pl.col("source_row").cast(pl.Int64)).join(hashed, on="source_row")


def _same_person_rows(
    connection: duckdb.DuckDBPyConnection, hashes: pl.DataFrame, column: str, matched_on: list[str]
) -> pl.DataFrame:
    """Record the export's person hashes; its rows whose hash is another present record's, the two not linked, as
    flags: the same person under two case ids (or two people alike in these fields)."""
    connection.register("hash_arrow", hashes.select(RECORD_KEY, "person_hash").to_arrow())
    connection.execute(
        # in the order of the hashes, not that in which DuckDB's threads finished: two registers made alike are alike
        f"""INSERT INTO {PERSON_HASHES} SELECT DISTINCT h.{RECORD_KEY}, h.person_hash FROM hash_arrow h
        ANTI JOIN {PERSON_HASHES} p ON p.{RECORD_KEY} = h.{RECORD_KEY} AND p.person_hash = h.person_hash
        ORDER BY 1, 2"""
    )
    connection.unregister("hash_arrow")
    shared = set(_unlinked_alike(connection, "valid_to IS NULL", []))
    found = hashes.filter(pl.col(RECORD_KEY).is_in(sorted(shared))).get_column("source_row").sort()
    return issues_frame(
        pl.DataFrame({"row": found}).select(
            pl.col("row").cast(pl.Int64),
            column=pl.lit(column),
            value=pl.lit(None, pl.String),
            reason=pl.lit(f"{', '.join(matched_on)}{SAME_PERSON_FLAG}"),
        )
    )


def _unlinked_alike(
    connection: duckdb.DuckDBPyConnection,
    where: str,
    parameters: list[Any],
    tables: set[str] | None = None,
    hashed: bool | None = None,
) -> list[str]:
    """The records present (as ``where`` selects versions) whose person hash is another present record's, the
    two not linked as one person (``tables``: the register's, when known; ``hashed``: whether it holds a hash
    of a person, when known)."""
    if hashed is None:
        hashed = PERSON_HASHES in (tables if tables is not None else _tables(connection)) and _has_rows(
            connection, PERSON_HASHES
        )
    if not hashed:  # none without a hash of a person
        return []
    rows = connection.execute(
        f"""WITH present_records AS (
            SELECT DISTINCT r.{RECORD_KEY}, coalesce(l.person_key, r.{RECORD_KEY}) AS person
            FROM records r LEFT JOIN {LINKED_IDS} l USING ({RECORD_KEY}) WHERE {where} AND present),
        hashed AS (SELECT p.{RECORD_KEY}, p.person, h.person_hash FROM present_records p
            JOIN {PERSON_HASHES} h USING ({RECORD_KEY}))
        SELECT DISTINCT a.{RECORD_KEY} FROM hashed a JOIN hashed b
            ON a.person_hash = b.person_hash AND a.person <> b.person
        ORDER BY 1""",
        parameters,
    ).fetchall()
    return [row[0] for row in rows]


def _apply(
    connection: duckdb.DuckDBPyConnection,
    rows: pl.DataFrame,
    rejects: pl.DataFrame,
    *,
    made_on: dt.date,
    made_on_from: str,
    full_export: bool,
    file_name: str,
    export: Path | None = None,
    file_sha256: str,
    mapping: CaseRecordsMapping,
    allow_dropped_fields: bool = False,
    allow_many_missing: bool = False,
    provenance: Provenance,
    rows_in: int,
    rows_left_out: int = 0,
    register: Path,
    seen: Mapping[str, int],
    folds: Mapping[str, str],
    columns: list[str] | None = None,
) -> ImportResult:
    """Write an export's rows into the register (inside the caller's transaction) and record the import.
    ``columns``: the records' columns (:func:`_record_columns`), when the caller read them."""
    # in one statement: this import's number; the imports of the same file, oldest first, each with whether it
    # was read through the same mapping, the same way (full or partial); the latest export imported (re-imports
    # of a known file do not count)
    import_id, same_ids, same_ways, latest = connection.execute(
        "SELECT (SELECT coalesce(max(import_id), 0) + 1 FROM imports), "
        "list(import_id ORDER BY import_id), list(mapping_sha256 = ? AND full_export = ? ORDER BY import_id), "
        f"(SELECT max(exported_on) FROM imports WHERE {_REAL_IMPORTS}) FROM imports WHERE file_sha256 = ?",
        [mapping.sha256, full_export, file_sha256],
    ).fetchall()[0]
    # the export as the analyst named it (its folder too), in every refusal of it: not the register, nor its bare name
    named: str | Path = export if export is not None else file_name
    rows_rejected = rejects["row"].n_unique() if rejects.height else 0
    # the same file read through the same mapping, the same way (full or partial), changes nothing; through a
    # corrected mapping (a code it lacked added) it is read again, its rows rejected before taken now
    same_file = list(zip(same_ids or [], same_ways or [], strict=True))
    earlier = [import_id for import_id, same in same_file if same]
    read_otherwise = [import_id for import_id, same in same_file if not same]
    counts = {"new": 0, "updated": 0, "unchanged": rows.height, "missing": 0}
    flags = empty_issues()  # the later tables: made by the caller, in this transaction
    if earlier:
        note = f"already imported as import {earlier[0]}: nothing changed"
        erased = (
            rejects.filter(pl.col("reason").str.starts_with("erased on"))["row"].n_unique()
            if rejects.height
            else 0
        )
        if erased:  # else the rejected rows of a file that changed nothing read as a contradiction
            # the same file through the same mapping: only an erasure since its first reading rejects more now
            (before,) = connection.execute(
                "SELECT rows_rejected FROM imports WHERE import_id = ?", [earlier[0]]
            ).fetchall()[0]
            since = rows_rejected - before if before is not None else erased
            note += (
                f" ({since:,} of its rows, of people erased since, rejected now)"
                if since > 0
                else f" ({erased:,} of its rows, of people erased, rejected as when it was first read)"
            )
    else:
        if made_on > dt.date.today() + dt.timedelta(days=1):  # a day's grace for time zones
            # exports go in in date order: one dated in the future would refuse every real export after it,
            # and an import cannot be undone (a file imported before changes nothing, whatever its date)
            raise InputError(
                f"the export's date {made_on.isoformat()} ({date_told(made_on_from)}) is in the future: "
                "nothing was imported",
                path=named,
                hint="give the date it was made with --exported-on DATE",
            )
        if latest is not None and made_on < latest:
            raise InputError(
                f"this export was made on {made_on} ({date_told(made_on_from)}), before the latest export already "
                f"imported ({latest}): import exports in the order they were made, oldest first"
                + (
                    f" (this file was imported as import {read_otherwise[0]} through another mapping or as "
                    "another kind of export, full or partial; read again, it would go in as of its date, "
                    "before the latest)"
                    if read_otherwise
                    else ""
                ),
                path=named,
                hint="if its date is wrong, give the right one with --exported-on DATE",
            )
        if not allow_dropped_fields:
            _check_no_field_dropped(connection, rows, made_on, str(named), full=full_export, columns=columns)
        counts = _merge(
            connection,
            rows,
            seen,
            made_on,
            import_id,
            full_export,
            file_name=str(named),
            allow_many_missing=allow_many_missing,
            columns=columns,
        )
        flags = _refolded_ids(connection, rows, folds, mapping.columns["case_id"], import_id)
        note = ""
    connection.execute(
        """INSERT INTO imports (import_id, imported_at, exported_on, exported_on_from, file_name, file_sha256,
            mapping_sha256, full_export, rows_in, rows_new, rows_updated, rows_unchanged, rows_rejected,
            rows_marked_missing, note, provenance, rows_left_out)
        VALUES (?, now()::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            import_id,
            made_on,
            made_on_from,
            file_name,
            file_sha256,
            mapping.sha256,
            full_export,
            rows_in,
            counts["new"],
            counts["updated"],
            counts["unchanged"],
            rows_rejected,
            counts["missing"],
            note,
            json.dumps(provenance.to_dict(), ensure_ascii=False),
            rows_left_out,
        ],
    )
    return ImportResult(
        import_id=import_id,
        file_name=file_name,
        file_sha256=file_sha256,
        exported_on=made_on,
        exported_on_from=made_on_from,
        full_export=full_export,
        rows_in=rows_in,
        rows_new=counts["new"],
        rows_updated=counts["updated"],
        rows_unchanged=counts["unchanged"],
        rows_rejected=rows_rejected,
        rows_marked_missing=counts["missing"],
        note=note,
        rejects=rejects,
        flags=flags,
        rows_left_out=rows_left_out,
    )


def _check_no_field_dropped(
    connection: duckdb.DuckDBPyConnection,
    rows: pl.DataFrame,
    made_on: dt.date,
    file_name: str,
    *,
    full: bool = True,
    columns: list[str] | None = None,
) -> None:
    """Refuse an export without a value of a field the register's present records hold (a full export), or the
    records it holds hold (a partial one): the mapping no longer names its column, or the export lost it.
    Imported, the field would become unknown for every such record from the export's date on (each one
    "updated"), and the figures of later dates would lose it."""
    if not rows.height:
        return
    empty = [
        c
        for c in (_record_columns(connection) if columns is None else columns)
        if c not in rows.columns or rows[c].null_count() == rows.height
    ]
    if not empty:
        return
    counted = ", ".join(f'count("{c}")' for c in empty)
    if full:
        held = connection.execute(
            f"SELECT {counted} FROM records WHERE valid_to IS NULL AND present"
        ).fetchall()[0]
    else:  # the records of a partial export only: the others keep their fields
        connection.register("held_keys", rows.select(RECORD_KEY).to_arrow())
        try:
            held = connection.execute(
                f"SELECT {counted} FROM records WHERE valid_to IS NULL AND present "
                f"AND {RECORD_KEY} IN (SELECT {RECORD_KEY} FROM held_keys)"
            ).fetchall()[0]
        finally:
            connection.unregister("held_keys")
    # a few values blanked (a correction of a few records) are no column dropped
    dropped = [(c, n) for c, n in zip(empty, held, strict=True) if n >= FEW_RECORDS]
    if not dropped:
        return
    whose = "records" if full else "of its records"
    raise InputError(
        "the export holds no value of "
        + ", ".join(f"{c} (held by {n} {whose})" for c, n in dropped)
        + f": imported, these would become unknown for every record {'' if full else 'it holds '}from {made_on} "
        "on. Did the mapping stop naming a column, or the export lose one? Nothing was imported",
        path=file_name,
        hint="if the export no longer holds them, import it with --allow-dropped-fields",
    )


_FOLD_DOMAIN = "evidence register folded case id\x00"  # a folded id's hash is never a record_key
#: An erased person's hash is of another domain again: a snapshot or an old copy holding their record_key (or
#: the fold table's hash) cannot be joined to the erasure list to tell who asked to be erased.
_ERASED_DOMAIN = "evidence register erased case id\x00"


def erased_key(key: RegisterKey, case_id: str) -> str:
    """The hash that the register keeps of an erased person's case id (folded: ``MSS-000005`` and
    ``mss-000005.`` are one person's, as an import points them out)."""
    return key.pseudonym(_ERASED_DOMAIN + fold_case_id(case_id))


def _erased_on(connection: duckdb.DuckDBPyConnection, erasable: Mapping[str, str]) -> dict[str, dt.date]:
    """The records of an export whose person was erased (pseudonym -> the date of the first erasure)."""
    if not erasable or not connection.execute("SELECT count(*) FROM erased_ids").fetchall()[0][0]:
        return {}
    connection.register(
        "erasable_arrow",
        pl.DataFrame(
            {RECORD_KEY: list(erasable), "erased_key": list(erasable.values())},
            schema={RECORD_KEY: pl.String, "erased_key": pl.String},
        ).to_arrow(),
    )
    try:
        found = connection.execute(
            f"""SELECT a.{RECORD_KEY}, min(e.erased_on) FROM erasable_arrow a
            JOIN erased_ids i USING (erased_key) JOIN erasures e USING (erasure_id) GROUP BY a.{RECORD_KEY}"""
        ).fetchall()
    finally:
        connection.unregister("erasable_arrow")
    return dict(found)


def _reject_erased(
    rows: pl.DataFrame, rejects: pl.DataFrame, erased: Mapping[str, dt.date], column: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows without those of erased people, and the rejects with them (counted, so the rows add up)."""
    dates = pl.DataFrame(
        {RECORD_KEY: list(erased), "erased_on": [d.isoformat() for d in erased.values()]},
        schema={RECORD_KEY: pl.String, "erased_on": pl.String},
    )
    gone = rows.select(RECORD_KEY, "source_row").join(dates, on=RECORD_KEY)
    refused = gone.select(
        row="source_row",
        column=pl.lit(column),
        value=pl.lit(None, pl.String),
        reason=pl.format(
            "erased on {}: the person's data were removed from the register (evidence register erase), so "
            "it is not imported again",
            "erased_on",
        ),
    )
    kept = rows.filter(~pl.col(RECORD_KEY).is_in(list(erased)))
    return kept, pl.concat([rejects, issues_frame(refused)]).sort("row")


_SURROUNDING = re.compile(r"^[\W_]+|[\W_]+$")


def fold_case_id(case_id: str) -> str:
    """A case id without letter case, surrounding punctuation and repeated spaces (``" mss-000005."`` ->
    ``"mss-000005"``): two ids that fold alike differ only so."""
    return _SURROUNDING.sub("", " ".join(case_id.split())).casefold()


def _refolded_ids(
    connection: duckdb.DuckDBPyConnection,
    rows: pl.DataFrame,
    folds: Mapping[str, str],
    column: str,
    import_id: int,
) -> pl.DataFrame:
    """Record the export's folded-id hashes; the rows of new records whose id folds like a record marked
    missing (now or before), as flags: probably the same person, their id retyped. Not merged."""
    connection.register(
        "fold_arrow",
        pl.DataFrame(
            {RECORD_KEY: list(folds), "fold_key": list(folds.values())},
            schema={RECORD_KEY: pl.String, "fold_key": pl.String},
        ).to_arrow(),
    )
    connection.execute(
        f"""INSERT INTO id_folds SELECT f.{RECORD_KEY}, f.fold_key FROM fold_arrow f
        ANTI JOIN id_folds USING ({RECORD_KEY})"""
    )
    connection.unregister("fold_arrow")
    if not rows.height:
        return empty_issues()
    connection.register("new_arrow", rows.select(RECORD_KEY, "source_row").to_arrow())
    found = _frame(
        connection,
        f"""SELECT DISTINCT n.source_row FROM new_arrow n
        JOIN id_folds f ON f.{RECORD_KEY} = n.{RECORD_KEY}
        JOIN id_folds g ON g.fold_key = f.fold_key AND g.{RECORD_KEY} <> n.{RECORD_KEY}
        JOIN records m ON m.{RECORD_KEY} = g.{RECORD_KEY} AND m.valid_to IS NULL AND NOT m.present
        WHERE NOT EXISTS (  -- new in this import: no version before it
            SELECT 1 FROM records o WHERE o.{RECORD_KEY} = n.{RECORD_KEY} AND o.import_id < $import_id)
        ORDER BY n.source_row""",
        {"import_id": import_id},
    )
    connection.unregister("new_arrow")
    return issues_frame(
        found.select(
            row=pl.col("source_row").cast(pl.Int64),
            column=pl.lit(column),
            value=pl.lit(None, pl.String),
            reason=pl.lit(
                "new record whose case id differs from that of a record marked missing only in letter case "
                "or surrounding punctuation: if they are one person, correct the id in the case-management "
                "system (the register does not merge them)"
            ),
        )
    )


def _columns(connection: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [row[0] for row in connection.execute(f'DESCRIBE "{table}"').fetchall()]


def _record_columns(connection: duckdb.DuckDBPyConnection) -> list[str]:
    names = [row[0] for row in connection.execute("DESCRIBE records").fetchall()]
    return [c for c in names if c not in _VERSION_COLUMNS]


#: The share of the records present that a full export may lack before it is refused (unless allowed).
MANY_MISSING = 0.5
#: Fewest records marked missing that can be "many" (a small register's few changes are not).
FEW_RECORDS = 10
#: The column of :func:`_merge`'s table of the export's rows saying what each is to its record: new, updated or
#: unchanged (a name no column of the records takes).
_CHANGE = "__change"


def _check_not_many_missing(counts: Mapping[str, int], made_on: dt.date, file_name: str) -> None:
    """Refuse a full export that would mark most of the records present missing (see :func:`_merge`), from
    :func:`_merge`'s counts: the export's rows new, the records missing and those present before it."""
    missing, present = counts.get("missing", 0), counts.get("present", 0)
    if missing < FEW_RECORDS or missing <= MANY_MISSING * present:
        return
    new = counts.get("new", 0)
    raise InputError(
        f"this full export lacks {missing} of the {present} records of the register ({missing / present:.0%}), "
        f"and {new} of its records are new: imported, the {missing} would be marked missing from {made_on} on "
        "and left out of every figure as of it. Is it an export of some records only (a filter left on), did "
        "the case ids change form (every record would look new), or is it another office's export (its own "
        "case-management system numbers cases its own way: two offices' case 1 are two people, not one "
        "record)? Nothing was imported",
        path=file_name,
        hint="import an export of some records with --partial; if the records really are gone from the "
        "case-management system, import it with --allow-many-missing; offices with a case-management system "
        "of their own keep a register for each (--register PATH)",
    )


def _merge(
    connection: duckdb.DuckDBPyConnection,
    rows: pl.DataFrame,
    seen: Mapping[str, int],
    made_on: dt.date,
    import_id: int,
    full: bool,
    file_name: str = "",
    allow_many_missing: bool = True,
    columns: list[str] | None = None,
) -> dict[str, int]:
    """Compare the export with the current versions and write the differences (inside the caller's transaction).

    Unless ``allow_many_missing``, a full export that lacks more than :data:`MANY_MISSING` of the records
    present (at least :data:`FEW_RECORDS` of them) is refused before anything is written: an export of some
    records taken for a full one (a filter left on), or case ids that changed form, would mark them missing.

    ``seen`` holds every record of the export, rejected rows' too: a record whose row was rejected this time is
    still in the export, so it is left as it was, never marked missing. ``columns``: the records' columns as the
    table stands (:func:`_record_columns`), when the caller read them.
    """
    fields = [c for c in rows.columns if c not in ("source_row", RECORD_KEY)]
    schema = rows.schema  # once: polars builds it anew at each asking (~0.5 ms, for each of the fields)
    columns = _record_columns(connection) if columns is None else columns
    known = set(columns)
    for column in fields:
        if column not in known:  # e.g. a kind of assistance a newer mapping names
            connection.execute(f'ALTER TABLE records ADD COLUMN "{column}" {_sql_type(schema[column])}')
    if not known.issuperset(fields):  # the table as it is now (a column added goes last)
        columns = _record_columns(connection)
    staged = rows.select(
        pl.col(RECORD_KEY),
        *[(pl.col(c).cast(pl.String) if isinstance(schema[c], pl.Enum) else pl.col(c)) for c in fields],
    ).to_arrow()
    connection.register("export_rows", staged)
    typed = ", ".join(
        f'CAST("{c}" AS {_sql_type(CASE_SCHEMA.get(c) or schema[c])}) AS "{c}"'
        if c in fields
        else f'NULL AS "{c}"'
        for c in columns
    )
    same = " AND ".join(f'i."{c}" IS NOT DISTINCT FROM c."{c}"' for c in columns) or "TRUE"
    # each row of the export as the records' columns, beside what it is to its record's current version (one
    # statement, one table: the comparison needs the current versions, not a copy of them)
    connection.execute(
        f"""CREATE TEMP TABLE incoming AS
        SELECT i.*, CASE WHEN c.{RECORD_KEY} IS NULL THEN 'new'
                         WHEN NOT c.present OR NOT ({same}) THEN 'updated'
                         ELSE 'unchanged' END AS {_CHANGE}
        FROM (SELECT {RECORD_KEY}, {typed} FROM export_rows) i
        LEFT JOIN (SELECT * FROM records WHERE valid_to IS NULL) c USING ({RECORD_KEY})"""
    )
    connection.unregister("export_rows")
    # the current versions of the records present that the export lacks, as they stand before the writes below
    # (the version marking each missing copies them); none for a partial export
    if full:
        connection.register(
            "seen_arrow", pl.DataFrame({RECORD_KEY: sorted(seen)}, schema={RECORD_KEY: pl.String}).to_arrow()
        )
        connection.execute(
            f"""CREATE TEMP TABLE gone AS SELECT c.* FROM records c ANTI JOIN seen_arrow s USING ({RECORD_KEY})
            WHERE c.valid_to IS NULL AND c.present"""
        )
        connection.unregister("seen_arrow")
    else:
        connection.execute("CREATE TEMP TABLE gone AS SELECT * FROM records WHERE FALSE")
    quoted = ", ".join(f'"{c}"' for c in columns)
    # counted first (the writes below change neither table): a write of no row is left out, as costly as one of
    # a few (DuckDB binds every column of the records each time) and a no-op; a first import closes nothing. In
    # the same statement, for the check of a full export, the records present before it
    check = full and not allow_many_missing
    counts = dict(
        connection.execute(
            f"SELECT {_CHANGE}, count(*) FROM incoming GROUP BY {_CHANGE} "
            "UNION ALL SELECT 'missing', count(*) FROM gone"
            + (
                " UNION ALL SELECT 'present', count(*) FROM records WHERE valid_to IS NULL AND present"
                if check
                else ""
            )
        ).fetchall()
    )
    if check:
        _check_not_many_missing(counts, made_on, file_name)
    missing = counts.get("missing", 0)
    if counts.get("updated", 0) or missing:
        connection.execute(
            f"""UPDATE records SET valid_to = $made_on
            WHERE valid_to IS NULL AND {RECORD_KEY} IN (
                SELECT {RECORD_KEY} FROM incoming WHERE {_CHANGE} = 'updated'
                UNION ALL SELECT {RECORD_KEY} FROM gone)""",
            {"made_on": made_on},
        )
    if counts.get("new", 0) or counts.get("updated", 0):
        connection.execute(
            f"""INSERT INTO records ({RECORD_KEY}, valid_from, valid_to, import_id, present, {quoted})
            SELECT {RECORD_KEY}, $made_on, NULL, $import_id, TRUE, {quoted}
            FROM incoming WHERE {_CHANGE} IN ('new', 'updated')""",
            {"made_on": made_on, "import_id": import_id},
        )
    if missing:
        connection.execute(
            f"""INSERT INTO records ({RECORD_KEY}, valid_from, valid_to, import_id, present, {quoted})
            SELECT {RECORD_KEY}, $made_on, NULL, $import_id, FALSE, {quoted} FROM gone""",
            {"made_on": made_on, "import_id": import_id},
        )
    connection.execute("DROP TABLE incoming; DROP TABLE gone")  # one round trip
    return {
        "new": counts.get("new", 0),
        "updated": counts.get("updated", 0),
        "unchanged": counts.get("unchanged", 0),
        "missing": missing,
    }


# --- reading -------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def reading(
    path: str | Path, *, wait: float = 0.0
) -> Iterator[tuple[duckdb.DuckDBPyConnection, dict[str, str]]]:
    """A read-only connection to a checked register, and its meta facts."""
    with _reading(path, wait=wait) as (connection, meta, _):
        yield connection, meta


@contextlib.contextmanager
def _reading(
    path: str | Path, *, wait: float = 0.0
) -> Iterator[tuple[duckdb.DuckDBPyConnection, dict[str, str], set[str]]]:
    """:func:`reading`, and the register's tables (read once: the format's check needs them too)."""
    path = Path(path)
    connection = connect(path, read_only=True, wait=wait)
    try:
        tables, meta = _checked(connection, path)
        yield connection, meta, tables
    finally:
        connection.close()


def _as_of_filter(as_of: dt.date | None) -> tuple[str, list[Any]]:
    if as_of is None:
        return "valid_to IS NULL", []
    return "valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)", [as_of, as_of]


#: The imports that brought an export in (a re-import of a known file, noted "already imported", did not).
_REAL_IMPORTS = "note = ''"


def export_dates(path: str | Path, *, wait: float = 0.0) -> list[dt.date]:
    """The dates of the exports imported into the register, oldest first (re-imports of a file not counted)."""
    with reading(path, wait=wait) as (connection, _):
        return _export_dates(connection)


def _export_dates(connection: duckdb.DuckDBPyConnection) -> list[dt.date]:
    rows = connection.execute(
        f"SELECT DISTINCT exported_on FROM imports WHERE {_REAL_IMPORTS} ORDER BY exported_on"
    ).fetchall()
    return [row[0] for row in rows]


@dataclasses.dataclass(frozen=True)
class AsOf:
    """The date a table of the register stands on, and what a reader must be told about it."""

    date: dt.date | None  # None: the register holds no export
    asked: dt.date | None  # the date asked for (None: the default, the latest export)
    latest_export: dt.date | None
    #: the date of the export the records come from: the latest on or before the date asked
    export: dt.date | None = None

    @property
    def after_last_export(self) -> bool:
        return self.asked is not None and self.latest_export is not None and self.asked > self.latest_export

    def note(self) -> str | None:
        """A sentence for the reader when the date asked for is after the register's last export, or between two
        exports (a month whose export is missing): the records are those of an earlier export."""
        if self.after_last_export:
            return (
                f"as of the last export, {self.latest_export}: the register holds no export after it, so the "
                f"records as of {self.asked} are not known"
            )
        if self.asked is not None and self.export is not None and self.export < self.asked:
            return (
                f"as of the export of {self.export}, the latest made on or before {self.asked}: the register holds "
                f"no export between them, so the records as of {self.asked} are those it held"
            )
        return None


def resolve_as_of(path: str | Path, as_of: dt.date | None = None, *, wait: float = 0.0) -> AsOf:
    """The date the records stand on for ``as_of``: the latest export by default; ``as_of`` itself when it is
    within the exports; the last export when it is after it. A date before the first export is refused (no
    record is known by then)."""
    with reading(path, wait=wait) as (connection, _):
        return _resolve_as_of(connection, Path(path), as_of)


def _resolve_as_of(
    connection: duckdb.DuckDBPyConnection,
    path: Path,
    as_of: dt.date | None,
    dates: list[dt.date] | None = None,
) -> AsOf:
    dates = _export_dates(connection) if dates is None else dates  # the caller's, when it read them
    if not dates:
        if as_of is not None:
            raise RegisterError(f"no records as of {as_of}: no export has been imported yet", path=path)
        return AsOf(None, None, None)
    first, last = dates[0], dates[-1]
    if as_of is None:
        return AsOf(last, None, last, last)
    if as_of < first:
        raise RegisterError(
            f"no records as of {as_of}: the register's first export was made on {first}, so nothing is known "
            "of the records before it",
            path=path,
            hint=f"give --as-of {first} or a later date",
        )
    return AsOf(min(as_of, last), as_of, last, max(d for d in dates if d <= as_of))


def records_as_of(path: str | Path, as_of: dt.date | None = None, *, wait: float = 0.0) -> LoadedTable:
    """The register's records as they stood on ``as_of`` (default: as of its latest export), as a case table.

    One row per record present in the latest export made on or before that date: the canonical case columns,
    the extra columns of the organisation's records, and ``record_key`` (the keyed hash of the case id: a
    stable per-record key, e.g. for cell-key perturbation). Records marked missing by then are left out and
    counted in the provenance notes. A date before the first export is refused (:class:`RegisterError`); one
    after the last export gives the records as of the last export, and the provenance (its release, a note)
    says so; so does one between two exports (the export the records are from). Case ids linked as one
    person's (:mod:`.linking`) give one record, the one registered first, and a note says so; records alike in
    the ``same_person`` fields but not linked give a note that a person may count twice.
    """
    path = Path(path)
    with _reading(path, wait=wait) as (connection, meta, tables):
        read = _records_read(connection, meta, tables, path, as_of)
    return _records_table(path, read)


def _real_imports(connection: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """The real imports (:data:`_REAL_IMPORTS`), oldest first: each one's export date and provenance."""
    return connection.execute(
        f"SELECT exported_on, provenance FROM imports WHERE {_REAL_IMPORTS} ORDER BY exported_on, import_id"
    ).fetchall()


def _stood_and_read(
    connection: duckdb.DuckDBPyConnection,
    meta: dict[str, str],
    tables: set[str],
    path: Path,
    as_of: dt.date | None,
) -> tuple[AsOf, _RecordsRead | None]:
    """The date the records stand on for ``as_of`` (:func:`resolve_as_of`) and the records as of it
    (:func:`_records_read`; None when the register holds no export), from one reading of the imports (each
    read them before, the dates and then the dates with the provenance)."""
    imported = _real_imports(connection)
    stood = _resolve_as_of(connection, path, as_of, sorted({day for day, _ in imported}))
    if stood.date is None:
        return stood, None
    return stood, _records_read(connection, meta, tables, path, stood.date, imported)


@dataclasses.dataclass(frozen=True)
class _RecordsRead:
    """What :func:`records_as_of` reads of the register (in one reading), before it makes the case table."""

    stood: AsOf
    frame: pl.DataFrame
    present: int
    missing: int
    last: list[tuple[Any, ...]]
    erased_on: list[dt.date]
    alike: list[str]
    matched_on: list[str]
    meta: dict[str, str]


def _records_read(
    connection: duckdb.DuckDBPyConnection,
    meta: dict[str, str],
    tables: set[str],
    path: Path,
    as_of: dt.date | None,
    imported: list[tuple[Any, ...]] | None = None,
) -> _RecordsRead:
    """:func:`records_as_of`'s reading of a register open for reading (its meta facts and tables read);
    ``imported``: :func:`_real_imports`, when the caller read them."""
    # the real imports, oldest first: the export dates, and the provenance of the latest on the date (one
    # reading of the imports for both)
    imported = _real_imports(connection) if imported is None else imported
    stood = _resolve_as_of(connection, path, as_of, sorted({day for day, _ in imported}))
    where, parameters = _as_of_filter(stood.date)
    # the record's columns as the table holds them, the key first: named by what they are not (describing the
    # table to name them cost a statement)
    record = f"records.{RECORD_KEY}, records.* EXCLUDE ({', '.join(_VERSION_COLUMNS)})"
    # without a link each record is its own person: one version of it stands on any date, so the window
    # below would keep every row (and cost half the query)
    # in the same statement: whether any record holds a hash of a person, and the dates of the erasures (as
    # :func:`_erasure_dates` reads them), each a statement of its own before
    present, missing, linked, hashed, erased_on = connection.execute(
        "SELECT *, "
        + (f"EXISTS (SELECT 1 FROM {LINKED_IDS}), " if LINKED_IDS in tables else "FALSE, ")
        + (f"EXISTS (SELECT 1 FROM {PERSON_HASHES}), " if PERSON_HASHES in tables else "FALSE, ")
        + (
            "(SELECT list(erased_on ORDER BY erased_on) FROM (SELECT DISTINCT erased_on FROM erasures))"
            if "erasures" in tables
            else "NULL"
        )
        + " FROM (SELECT count(*) FILTER (WHERE present), count(*) FILTER (WHERE NOT present) FROM records "
        f"WHERE {where})",
        parameters,
    ).fetchall()[0]
    frame = _frame(
        connection,
        f"SELECT {record} FROM records "
        + (f"LEFT JOIN {LINKED_IDS} USING ({RECORD_KEY}) " if linked else "")
        + f"WHERE {where} AND present "
        + (
            # one record per person: the one registered first (then the smallest key, as good as any)
            f"QUALIFY row_number() OVER (PARTITION BY coalesce(person_key, {RECORD_KEY}) "
            f'ORDER BY "year" NULLS LAST, {RECORD_KEY}) = 1 '
            if linked
            else ""
        )
        + f"ORDER BY {RECORD_KEY}",
        parameters,
    )
    # the latest real import on the date (by its date, then its number)
    last = [row for row in imported if not stood.date or row[0] <= stood.date][-1:]
    erased_on = list(erased_on or [])  # none: no erasure, or none yet
    alike = _unlinked_alike(connection, where, parameters, tables, hashed)
    matched_on = json.loads(meta.get(SAME_PERSON) or "[]")
    return _RecordsRead(stood, frame, present, missing, last, erased_on, alike, matched_on, meta)


def _records_table(path: Path, read: _RecordsRead) -> LoadedTable:
    """The case table of the records :func:`_records_read` read (once the register is closed: its sha256 is
    the file's as it stands then)."""
    stood, frame, present, missing, last = read.stood, read.frame, read.present, read.missing, read.last
    erased_on, alike, matched_on, meta = read.erased_on, read.alike, read.matched_on, read.meta
    frame = frame.with_row_index("source_row", offset=1).with_columns(pl.col("source_row").cast(pl.Int64))
    table = conform(frame)
    extras = [c for c in frame.columns if c not in CASE_SCHEMA and c != RECORD_KEY]
    data = pl.concat([table, frame.select(*extras, RECORD_KEY)], how="horizontal")
    given = json.loads(last[0][1]) if last else {}
    notes = [
        f"register as of {stood.date or 'no export yet'}: {data.height} records"
        + (f"; {missing} marked missing from a full export by then, not counted" if missing else ""),
        "record_key is a keyed hash (HMAC-SHA256) of the case id; the ids are not in the register",
    ]
    if (after := stood.note()) is not None:
        notes.append(after)
    if present > data.height:  # no count: beside figures of two dates, it would be a small cell
        notes.append(LINK_NOTE)
    if alike:
        notes.append(same_person_note(matched_on))
    if erased_on:
        notes.append(erasure_note(erased_on))
    if meta.get("country"):
        notes.append(f"register country: {meta['country']}")
    # the name readers see (a brief's list of its data, each table's source): whose records these are
    title = given.get("title", "")
    name = f"{title} ({OWN_RECORDS_NAME})" if title else OWN_RECORDS_NAME.capitalize()
    provenance = Provenance(
        source=OWN_RECORDS,
        layout=LAYOUT,
        release=str(stood.date) if stood.date else "unknown",
        path=str(path),
        sha256=sha256_file(path),
        url=given.get("url", ""),
        licence=given.get("licence", ""),
        citation=given.get("citation", ""),
        title=title or "Case records register",
        name=name,
        synthetic=bool(given.get("synthetic", False)),
        notes=tuple(notes),
    )
    return LoadedTable(data=data, provenance=provenance, rows_in=data.height)


#: The note saying that records linked as one person's (:mod:`.linking`) count once.
LINK_NOTE = (
    "records linked as the same person's, registered under several case ids (evidence register link), count "
    "once: under the record registered first; evidence register status says how many ids are linked"
)

#: How the note on records alike in the fields that tell a person begins.
SAME_PERSON_NOTE = "possibly one person counted twice"


def same_person_note(columns: Sequence[str]) -> str:
    """What a reader of the records or figures must know when records share the identifying fields that tell a
    person (``same_person``) without being linked: some person may count twice. No count (a small cell)."""
    return (
        f"{SAME_PERSON_NOTE}: some records share {', '.join(columns)} with another record under another case "
        "id and are not linked as one person's (a person registered again, or two people alike in these fields): "
        "evidence register status says how many; evidence register link makes one person's ids count once"
    )


#: How the note on erasures begins (a command that shows figures says it beside them).
ERASURE_NOTE = "records were erased from the register"


def _erasure_dates(connection: duckdb.DuckDBPyConnection, tables: set[str] | None = None) -> list[dt.date]:
    if "erasures" not in (tables if tables is not None else _tables(connection)):
        return []
    rows = connection.execute("SELECT DISTINCT erased_on FROM erasures ORDER BY erased_on").fetchall()
    return [row[0] for row in rows]


def erasure_note(dates: list[dt.date]) -> str:
    """What a reader of the register's records or figures must know once people were erased. No count: the
    number erased beside figures as of dates before and after would be a small cell."""
    return (
        f"{ERASURE_NOTE} on {', '.join(d.isoformat() for d in dates)} at the request of the people concerned: "
        "the records as of any date, and every figure, are those that remain, so figures as of a date before "
        "an erasure may differ from figures made then (evidence register status lists the erasures)"
    )


# --- k-anonymised exports: every release recorded --------------------------------------------------------------


def ctdc_exports(path: str | Path, *, wait: float = 0.0) -> list[dict[str, Any]]:
    """Every k-anonymised CTDC export written from the register, oldest first (empty for a register made before
    exports were recorded)."""
    with _reading(path, wait=wait) as (connection, _, tables):
        return _ctdc_exports(connection, tables)


def _ctdc_exports(
    connection: duckdb.DuckDBPyConnection,
    tables: set[str] | None = None,
    held: set[str] | None = None,
) -> list[dict[str, Any]]:
    """:func:`ctdc_exports` of a register open (``tables``: its tables, ``held``: the columns of its
    ``ctdc_exports``, when the caller read them)."""
    if "ctdc_exports" not in (tables if tables is not None else _tables(connection)):
        return []
    if held is None:  # described once, not for each internal column
        held = set(_columns(connection, "ctdc_exports"))
    hidden = [c for c in _INTERNAL_EXPORT_COLUMNS if c in held]
    internal = f" EXCLUDE ({', '.join(hidden)})" if hidden else ""
    frame = _frame(connection, f"SELECT *{internal} FROM ctdc_exports ORDER BY export_id")
    return [
        {k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v) for k, v in row.items()}
        for row in frame.to_dicts()
    ]


#: Columns of ``ctdc_exports`` the register keeps for itself (not listed by :func:`ctdc_exports` or status).
_INTERNAL_EXPORT_COLUMNS = ("part_file", "levels", "first_year", "full_rows")


def ctdc_release_sets(path: str | Path, *, wait: float = 0.0) -> list[dict[str, Any]]:
    """Every CTDC export recorded with its generalisation, oldest first: its ``export_id``, ``k``,
    ``file_sha256``, ``levels`` (quasi-identifier -> level), ``first_year`` and ``sets`` (each published set of
    quasi-identifiers, as JSON of their values, -> its count) and ``rows`` (each set -> its full rows as written,
    as JSON -> their count; None for an export recorded before they were kept). Exports recorded before the sets
    were kept are left out: what they published is not known to the register."""
    with _reading(path, wait=wait) as (connection, _, tables):
        return _ctdc_release_sets(connection, tables)


def _ctdc_release_sets(
    connection: duckdb.DuckDBPyConnection, tables: set[str], held: set[str] | None = None
) -> list[dict[str, Any]]:
    """:func:`ctdc_release_sets` of a register open for reading (its tables read; ``held``: the columns of its
    ``ctdc_exports``, when the caller read them)."""
    if "ctdc_export_sets" not in tables:
        return []
    rows_kept = "full_rows" in (set(_columns(connection, "ctdc_exports")) if held is None else held)
    exports = connection.execute(
        "SELECT export_id, k, file_sha256, levels, first_year, "
        + ("full_rows" if rows_kept else "NULL")
        + " FROM ctdc_exports WHERE levels IS NOT NULL ORDER BY export_id"
    ).fetchall()
    sets: dict[int, dict[str, int]] = {}
    for export_id, quasi, records in connection.execute(
        "SELECT export_id, quasi_identifiers, records FROM ctdc_export_sets"
    ).fetchall():
        sets.setdefault(export_id, {})[quasi] = records
    return [
        {
            "export_id": export_id,
            "k": k,
            "file_sha256": sha,
            "levels": json.loads(levels),
            "first_year": first_year,
            "sets": sets.get(export_id, {}),
            "rows": json.loads(full_rows) if full_rows is not None else None,
        }
        for export_id, k, sha, levels, first_year, full_rows in exports
    ]


def export_reading(
    path: str | Path, as_of: dt.date | None = None, *, wait: float = 0.0
) -> tuple[AsOf, LoadedTable | None, list[dict[str, Any]], list[dict[str, Any]]]:
    """What an export of the register reads before it is made, in one reading (a register changed meanwhile by
    another process cannot give parts of two states): the date the records stand on (:func:`resolve_as_of`),
    the records as of that date (:func:`records_as_of`; None when the register holds no export), the exports
    recorded (:func:`ctdc_exports`) and their sets (:func:`ctdc_release_sets`). Each as those functions give it:
    a reading costs more than most of what is read in it."""
    path = Path(path)
    with _reading(path, wait=wait) as (connection, meta, tables):
        stood, read = _stood_and_read(connection, meta, tables, path, as_of)
        if read is None:
            return stood, None, [], []
        # the exports' columns described once for both readings of them
        held = set(_columns(connection, "ctdc_exports")) if "ctdc_exports" in tables else set()
        every = _ctdc_exports(connection, tables, held)
        known = _ctdc_release_sets(connection, tables, held)
    return stood, _records_table(path, read), every, known


@dataclasses.dataclass(frozen=True)
class RecordsReading:
    """What a command showing the records as of a date reads of the register (``evidence register figures``),
    in one reading: each as the function named gives it."""

    stood: AsOf  # :func:`resolve_as_of`
    records: LoadedTable  # :func:`records_as_of` of the date the records stand on
    country: str | None  # :func:`register_country`
    cell_key_check: str | None  # :func:`register_cell_key_check`


def records_reading(path: str | Path, as_of: dt.date | None = None, *, wait: float = 0.0) -> RecordsReading:
    """The date the records stand on for ``as_of``, the records as of that date and the register's country and
    check of its cell-key secret, in one reading (:class:`RecordsReading`): a reading of the register costs more
    than most of what is read in it (each of the four functions opened it on its own), and a register changed
    by an import meanwhile cannot give parts of two states."""
    path = Path(path)
    with _reading(path, wait=wait) as (connection, meta, tables):
        stood, read = _stood_and_read(connection, meta, tables, path, as_of)
        if read is None:  # no export yet: the records of none, as records_as_of gives them
            read = _records_read(connection, meta, tables, path, None, [])
    return RecordsReading(stood, _records_table(path, read), _country(meta), meta.get(CELL_KEY_CHECK))


def record_ctdc_export(
    path: str | Path,
    *,
    as_of: dt.date,
    k: int,
    max_suppressed: float,
    out: Path,
    text: str,
    rows_in: int,
    rows_written: int,
    allowed_another_release: bool,
    wait: float = 0.0,
    decide: Callable[[list[dict[str, Any]]], bool] | None = None,
    levels: Mapping[str, str] | None = None,
    first_year: int | None = None,
    sets: Mapping[str, int] | None = None,
    rows: Mapping[str, Mapping[str, int]] | None = None,
) -> int:
    """Record an export in the register and write its ``text`` to ``out`` (atomically, owner-only) in one step:
    the text is written beside ``out``, the export's row committed, and only then does the file take its name.
    Killed at any point, no file stands at ``out`` that the register does not know of (at worst a release is
    recorded whose file never took its name: a later export is refused for it, the safe side). The export's
    number.

    ``decide``, given the exports recorded so far (read inside this step's transaction, so that another
    process cannot record one in between), says whether this one is another release (the record's
    ``allowed_another_release``), or raises to refuse it; without it, ``allowed_another_release`` is recorded.
    ``levels``, ``first_year``, ``sets`` and ``rows`` (:func:`ctdc_release_sets`) are kept for later releases to
    be checked against.
    """
    path = Path(path)
    connection = connect(path, read_only=False, wait=wait)
    committed = False
    try:
        _checked(connection, path)
        connection.execute("BEGIN TRANSACTION")
        _create_later_tables(connection)
        _remove_unfinished_exports(connection)
        if decide is not None:  # the table is there, with every internal column: made above if it was not
            allowed_another_release = decide(
                _ctdc_exports(connection, {"ctdc_exports"}, set(_INTERNAL_EXPORT_COLUMNS))
            )
        export_id = connection.execute("SELECT coalesce(max(export_id), 0) + 1 FROM ctdc_exports").fetchall()[
            0
        ][0]
        connection.execute(
            """INSERT INTO ctdc_exports (export_id, exported_at, as_of, k, max_suppressed, file_name, file_sha256,
                rows_in, rows_written, allowed_another_release)
            VALUES (?, now()::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                export_id,
                as_of,
                k,
                max_suppressed,
                out.name,
                hashlib.sha256(text.encode("utf-8")).hexdigest(),
                rows_in,
                rows_written,
                allowed_another_release,
            ],
        )
        if levels is not None:
            connection.execute(
                "UPDATE ctdc_exports SET levels = ?, first_year = ? WHERE export_id = ?",
                [json.dumps(dict(levels)), first_year, export_id],
            )
            if rows is not None:
                connection.execute(
                    "UPDATE ctdc_exports SET full_rows = ? WHERE export_id = ?",
                    [json.dumps({q: dict(r) for q, r in rows.items()}), export_id],
                )
            # in one statement (not one for each set), ordered by quasi-identifiers (not as polars' grouping made them)
            if sets:
                connection.register(
                    "sets_arrow",
                    pl.DataFrame(
                        {"quasi_identifiers": list(sets), "records": list(sets.values())},
                        schema={"quasi_identifiers": pl.String, "records": pl.Int32},
                    ).to_arrow(),
                )
                try:
                    connection.execute(
                        "INSERT INTO ctdc_export_sets SELECT ?, quasi_identifiers, records FROM sets_arrow "
                        "ORDER BY quasi_identifiers",
                        [export_id],
                    )
                finally:
                    connection.unregister("sets_arrow")
        with atomic_path(out, mode=0o600) as part:  # owner-only: shared deliberately, not by accident
            part.write_text(text, encoding="utf-8")
            connection.execute(
                "UPDATE ctdc_exports SET part_file = ? WHERE export_id = ?", [str(part), export_id]
            )
            connection.execute("COMMIT")  # recorded before the file takes its name
            committed = True
        connection.execute("UPDATE ctdc_exports SET part_file = NULL WHERE export_id = ?", [export_id])
    except BaseException:
        if not committed:
            with contextlib.suppress(Exception):
                connection.execute("ROLLBACK")
        raise
    finally:
        connection.close()
    return int(export_id)


def _remove_unfinished_exports(connection: duckdb.DuckDBPyConnection) -> None:
    """Remove the written file of an export killed after its record and before its rename (owner-only, a
    release of the records left beside its name for good). The caller holds the register for writing, so no
    export is being written. Writing the same export again gives the same file, no new release."""
    unfinished = connection.execute(
        "SELECT export_id, part_file FROM ctdc_exports WHERE part_file IS NOT NULL"
    ).fetchall()
    for export_id, part_file in unfinished:
        with contextlib.suppress(FileNotFoundError):
            Path(part_file).unlink()
        connection.execute("UPDATE ctdc_exports SET part_file = NULL WHERE export_id = ?", [export_id])


#: The meta key of the check value of the cell-key secret the register's imports were made beside.
CELL_KEY_CHECK = "cell_key_check"


def cell_key_check(secret: bytes) -> str:
    """A check value of a cell-key secret (HMAC-SHA256 of a fixed text, 128 bits): tells two secrets apart
    without holding either (the secret is 32 random bytes, so it cannot be guessed from its check)."""
    return hmac.new(secret, b"evidence register: cell key check", hashlib.sha256).hexdigest()[:32]


def register_cell_key_check(path: str | Path, *, wait: float = 0.0) -> str | None:
    """The check value of the cell-key secret the register's imports were made beside, if one was kept (a
    register imported into before this was kept has none)."""
    with reading(path, wait=wait) as (_, meta):
        return meta.get(CELL_KEY_CHECK)


def register_country(path: str | Path, *, wait: float = 0.0) -> str | None:
    """The register's country (ISO3, from the mapping's ``reporting_country``), when known."""
    with reading(path, wait=wait) as (_, meta):
        return _country(meta)


def _country(meta: Mapping[str, str]) -> str | None:
    return meta.get("country") or None


#: An interval between two exports this many times the usual one (the median, of a week or more) is a gap.
GAP_FACTOR = 1.5


def export_gaps(dates: Sequence[dt.date]) -> list[dict[str, Any]]:
    """The intervals between consecutive exports much longer than the usual one (a month whose export is
    missing, in a register imported monthly): ``after``, ``before`` (ISO dates) and ``days``. None before three
    exports (no usual interval yet), nor where exports come less than a week apart as a rule."""
    if len(dates) < 3:
        return []
    days = [(b - a).days for a, b in itertools.pairwise(dates)]
    usual = sorted(days)[(len(days) - 1) // 2]  # the lower median: of two intervals, the shorter
    if usual < 7:
        return []
    return [
        {"after": a.isoformat(), "before": b.isoformat(), "days": n}
        for a, b, n in zip(dates, dates[1:], days, strict=False)
        if n > GAP_FACTOR * usual
    ]


def status(path: str | Path, *, wait: float = 0.0) -> dict[str, Any]:
    """What the register holds: its facts, the number of records and versions, and every import."""
    path = Path(path)
    with _reading(path, wait=wait) as (connection, meta, tables):
        present, missing, versions = connection.execute(
            "SELECT count(*) FILTER (WHERE valid_to IS NULL AND present), "
            "count(*) FILTER (WHERE valid_to IS NULL AND NOT present), count(*) FROM records"
        ).fetchall()[0]
        # every column but the mapping's sha256 and the provenance, in the table's order (rows_left_out last)
        imports = _frame(
            connection, "SELECT * EXCLUDE (mapping_sha256, provenance) FROM imports ORDER BY import_id"
        )
        if "rows_left_out" not in imports.columns:  # null: an import into a register made before it was kept
            imports = imports.with_columns(rows_left_out=pl.lit(None, pl.Int32))
        exports = _ctdc_exports(connection, tables)
        alike = len(_unlinked_alike(connection, "valid_to IS NULL", [], tables))
        # the dates of the real imports (:func:`export_dates`), of the imports read above
        gaps = export_gaps(
            imports.filter(pl.col("note") == "").get_column("exported_on").unique().sort().to_list()
        )
        ids_linked, persons_linked = (
            connection.execute(f"SELECT count(*), count(DISTINCT person_key) FROM {LINKED_IDS}").fetchall()[0]
            if LINKED_IDS in tables
            else (0, 0)
        )
        erasures = (
            _frame(connection, "SELECT * FROM erasures ORDER BY erasure_id").to_dicts()
            if "erasures" in tables
            else []
        )
    return {
        "register": str(path),
        "format_version": meta.get("format_version"),
        "created": meta.get("created"),
        "country": meta.get("country") or None,
        "records": present,
        "records_marked_missing": missing,
        "versions": versions,
        "imports": [
            {k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v) for k, v in row.items()}
            for row in imports.to_dicts()
        ],
        "ctdc_exports": exports,
        # case ids linked as one person's (evidence register link): each person counts once
        "ids_linked": ids_linked,
        "persons_linked": persons_linked,
        # records present sharing the same_person fields with another present record, not linked to it
        "same_person_columns": json.loads(meta.get(SAME_PERSON) or "[]"),
        "records_alike_unlinked": alike,
        "export_gaps": gaps,
        "erasures": [
            {k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v) for k, v in row.items()}
            for row in erasures
        ],
    }
