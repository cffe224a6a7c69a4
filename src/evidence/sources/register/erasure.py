"""Erasure: every row of a person removed from the register, on their request (consent withdrawn).

The steward names people by their case ids as the case-management system writes them; each is pseudonymised
with the register's key as imports do (folded: an id differing only in letter case or surrounding punctuation
is the same person's, as imports point out). Every version of their records and their fold hashes are removed
in one step, and the bytes with them: DuckDB leaves deleted rows in the file's free blocks, so the register is
written anew without them beside the old one and takes its name (killed before, the register is as it was).

What is kept: a log row (date, reason code, ids given, persons, record versions and rows erased: no
identifier) and, for each id given, a keyed hash in a domain of its own (:func:`~.store.erased_key`) so that a
later export still holding the person rejects their rows ("erased on DATE") instead of bringing them back.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evidence.core.errors import ParameterError
from evidence.sources.register.keys import load_key
from evidence.sources.register.store import (
    _FOLD_DOMAIN,
    ERASING_SUFFIX,
    LINKED_IDS,
    PERSON_HASHES,
    RECORD_KEY,
    _check_key,
    _checked,
    _create_later_tables,
    _owner_only,
    _remove_unfinished_exports,
    _tables,
    connect,
    erased_key,
    erasure_scratch,
    fold_case_id,
    remove_erasure_scratch,
)

if TYPE_CHECKING:
    import duckdb

#: Reasons an erasure may give (a code, never free text: the log must hold nothing identifying).
REASONS = ("consent-withdrawn", "objection", "unlawful-processing", "legal-obligation", "entered-in-error")
#: The tables holding rows of a person, by ``record_key``.
PERSON_TABLES = ("records", "id_folds", LINKED_IDS, PERSON_HASHES)


@dataclasses.dataclass(frozen=True)
class ErasureResult:
    """What an erasure did (or, ``dry_run``, would do)."""

    erasure_id: int | None  # None for a dry run
    erased_on: dt.date
    reason: str | None
    ids_given: int  # distinct persons named (ids folded)
    persons_erased: int  # of them, those the register held
    record_versions_erased: int
    rows_erased: dict[str, int]  # table -> rows
    not_found: tuple[int, ...]  # positions (0-based) in the ids given of persons the register does not hold
    dry_run: bool = False

    def summary(self) -> dict[str, Any]:
        """The facts as plain data (the CLI's ``--json``)."""
        facts = dataclasses.asdict(self)
        facts["erased_on"] = self.erased_on.isoformat()
        facts["not_found"] = list(self.not_found)
        return facts


def erase(
    register: str | Path,
    case_ids: Sequence[str],
    *,
    key_path: str | Path | None = None,
    reason: str | None = None,
    dry_run: bool = False,
    wait: float = 0.0,
) -> ErasureResult:
    """Remove every row of the people with these case ids from the register, and keep them out of later
    imports. An id the register does not hold is still kept out of later imports (its person asked)."""
    register = Path(register)
    if reason is not None and reason not in REASONS:
        raise ParameterError(
            f"--reason {reason!r}: one of {', '.join(REASONS)} (a code: the log holds no text)"
        )
    given = [" ".join(str(i).split()) for i in case_ids]  # as an import reads a cell
    if not any(given):
        raise ParameterError("no case id given: name the people to erase, or give --ids-file FILE")
    key = load_key(key_path, create=False)
    persons: dict[str, list[int]] = {}  # folded id -> positions given
    for position, case_id in enumerate(given):
        if case_id:
            persons.setdefault(fold_case_id(case_id), []).append(position)
    exact = {
        position: key.pseudonym(given[position]) for positions in persons.values() for position in positions
    }
    folded = {fold: key.pseudonym(_FOLD_DOMAIN + fold) for fold in persons}
    connection = connect(register, read_only=False, wait=wait)
    try:
        in_register, meta = _checked(connection, register)
        _check_key(meta, key, register)
        tables = [t for t in PERSON_TABLES if t in in_register]
        matched: dict[str, set[str]] = {}  # folded id -> the record keys the register holds a row of
        also_blocked: set[str] = set()  # the erasure hashes of the other ids linked to a person erased
        for fold, positions in persons.items():
            keys = {exact[p] for p in positions}
            if "id_folds" in tables:  # ids that fold alike: one person's
                keys |= {
                    row[0]
                    for row in connection.execute(
                        f"SELECT {RECORD_KEY} FROM id_folds WHERE fold_key = ?", [folded[fold]]
                    ).fetchall()
                }
            # a person whose every row was rejected has no record but a fold hash: theirs all the same
            held = connection.execute(
                " UNION ".join(
                    f"SELECT {RECORD_KEY} FROM {t} WHERE {RECORD_KEY} IN (SELECT unnest($keys))"
                    for t in tables
                ),
                {"keys": sorted(keys)},
            ).fetchall()
            matched[fold] = {row[0] for row in held}
            if LINKED_IDS in tables and matched[fold]:  # every id linked as the same person's goes too
                linked = connection.execute(
                    f"""SELECT {RECORD_KEY}, erased_key FROM {LINKED_IDS} WHERE person_key IN (
                        SELECT person_key FROM {LINKED_IDS} WHERE {RECORD_KEY} IN (SELECT unnest($keys)))""",
                    {"keys": sorted(matched[fold])},
                ).fetchall()
                matched[fold] |= {row[0] for row in linked}
                also_blocked.update(row[1] for row in linked)
        erased_keys = sorted(set().union(*matched.values()))
        rows = {
            table: connection.execute(
                f"SELECT count(*) FROM {table} WHERE {RECORD_KEY} IN (SELECT unnest(?))", [erased_keys]
            ).fetchall()[0][0]
            if table in tables
            else 0
            for table in PERSON_TABLES
        }
        # the tables every register has, and a person's links and identity hashes where they had any
        rows = {t: n for t, n in rows.items() if t in ("records", "id_folds") or n}
        not_found = tuple(sorted(persons[fold][0] for fold, keys in matched.items() if not keys))
        today = dt.date.today()
        result = ErasureResult(
            erasure_id=None,
            erased_on=today,
            reason=reason,
            ids_given=len(persons),
            persons_erased=sum(1 for keys in matched.values() if keys),
            record_versions_erased=rows["records"],
            rows_erased=rows,
            not_found=not_found,
            dry_run=dry_run,
        )
        if dry_run:
            return result
        connection.execute("CHECKPOINT")  # nothing of the register left in a write-ahead log beside it
        with _owner_only():  # the scratch file and its write-ahead log hold the records too
            erasure_id = _write_anew(
                connection,
                register,
                erased_keys,
                sorted({erased_key(key, fold) for fold in persons} | also_blocked),
                [today, reason, len(persons), result.persons_erased, rows["records"], sum(rows.values())],
            )
    finally:
        connection.close()
    return dataclasses.replace(result, erasure_id=erasure_id)


def _write_anew(
    connection: duckdb.DuckDBPyConnection,
    register: Path,
    erased_keys: list[str],
    blocked: list[str],
    log: list[Any],
) -> int:
    """Write the register without the erased rows to its scratch file, record the erasure there, and give it
    the register's name; the register's own connection (its lock) is held throughout."""
    scratch = erasure_scratch(register)
    name = connection.execute("SELECT current_database()").fetchall()[0][0]
    # named after the register's own name in this process (detached with it, whatever happens here)
    erasing = f'"{_quoted(name, chr(34))}{ERASING_SUFFIX}"'
    connection.execute(f"ATTACH '{_quoted(str(scratch))}' AS {erasing}")
    try:
        connection.execute("BEGIN TRANSACTION")
        for table in sorted(_tables(connection)):
            keep = f" WHERE {RECORD_KEY} NOT IN (SELECT unnest($keys))" if table in PERSON_TABLES else ""
            connection.execute(
                f'CREATE TABLE {erasing}."{table}" AS SELECT * FROM "{_quoted(name, chr(34))}"."{table}"{keep}',
                {"keys": erased_keys} if keep else None,
            )
        connection.execute(f"USE {erasing}")
        _create_later_tables(connection)  # a register made before erasures were kept
        _remove_unfinished_exports(connection)  # a CTDC export killed before its rename may hold them too
        erasure_id = connection.execute("SELECT coalesce(max(erasure_id), 0) + 1 FROM erasures").fetchall()[
            0
        ][0]
        connection.execute("INSERT INTO erasures VALUES (?, ?, ?, ?, ?, ?, ?)", [erasure_id, *log])
        connection.executemany(
            "INSERT INTO erased_ids SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM erased_ids WHERE erased_key = ?)",
            [[b, erasure_id, b] for b in blocked],
        )
        connection.execute("COMMIT")
        connection.execute(f'USE "{_quoted(name, chr(34))}"')
        connection.execute(f"DETACH {erasing}")
    except BaseException:
        with contextlib.suppress(Exception):
            connection.execute("ROLLBACK")
        with contextlib.suppress(Exception):
            connection.execute(f'USE "{_quoted(name, chr(34))}"')
            connection.execute(f"DETACH {erasing}")
        remove_erasure_scratch(register)
        raise
    with open(scratch, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(
        scratch, register
    )  # the old file, its erased bytes with it, is gone when its connection closes
    with contextlib.suppress(OSError):  # the rename itself to disk
        folder = os.open(register.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    return int(erasure_id)


def _quoted(text: str, quote: str = "'") -> str:
    return text.replace(quote, quote * 2)
