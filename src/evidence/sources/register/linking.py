"""Links: two case ids of one person (a second case file opened for someone already registered), counted once.

The register follows records by their case id, and sees only keyed hashes of the ids and banded fields many
people share: a person registered again under a new id (``MSS-000017``, then ``MSS-000412``) is two records
to it, and would count twice in every figure. The case-management system is where the two files are merged;
until then, the steward says that the ids are one person's (``evidence register link ID ID``) and the register
counts them once, as of every date: :func:`~.store.records_as_of` keeps one record per person (the one
registered first), and says that linked records were counted once.

What is kept: per id linked, its ``record_key``, the person's key (the smallest ``record_key`` of the ids
linked together: links chain, ``A``-``B`` then ``B``-``C`` is one person), the hash an erasure of the id would
keep (so that erasing one id of the person erases every id of theirs, and keeps each out of later imports), and
the link's number and date. No id.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evidence.core.errors import ParameterError
from evidence.sources.register.keys import load_key
from evidence.sources.register.store import (
    LINKED_IDS,
    RECORD_KEY,
    _check_key,
    _checked,
    _create_later_tables,
    connect,
    erased_key,
)


@dataclasses.dataclass(frozen=True)
class LinkResult:
    """What a link did (or, ``dry_run``, would do)."""

    link_id: int | None  # None for a dry run, or when the ids were linked already
    linked_on: dt.date
    ids_given: int  # distinct ids named
    records_linked: int  # the records of the person now (the ids given and any linked to them before)
    already_linked: bool  # every id given was already the same person's: nothing changed
    dry_run: bool = False

    def summary(self) -> dict[str, Any]:
        """The facts as plain data (the CLI's ``--json``)."""
        facts = dataclasses.asdict(self)
        facts["linked_on"] = self.linked_on.isoformat()
        return facts


def link(
    register: str | Path,
    case_ids: Sequence[str],
    *,
    key_path: str | Path | None = None,
    dry_run: bool = False,
    wait: float = 0.0,
) -> LinkResult:
    """Record that these case ids (at least two, each a record of the register) are one person's.

    An id the register holds no record of is refused, named by its place among the ids given (``argument
    2``), never repeated: linking it would count nobody once, and a typo must not link the wrong person. Ids
    are pseudonymised as imports do (the register's key is needed; another key is refused).
    """
    register = Path(register)
    given = [" ".join(str(i).split()) for i in case_ids]  # as an import reads a cell
    distinct = list(dict.fromkeys(i for i in given if i))
    if len(distinct) < 2:
        raise ParameterError(
            "give at least two different case ids: the ids, as the case-management system writes them, under "
            "which one person was registered"
        )
    key = load_key(key_path, create=False)
    keys = {case_id: key.pseudonym(case_id) for case_id in distinct}
    connection = connect(register, read_only=False, wait=wait)
    try:
        _, meta = _checked(connection, register)
        _check_key(meta, key, register)
        held = {
            row[0]
            for row in connection.execute(
                f"SELECT DISTINCT {RECORD_KEY} FROM records WHERE {RECORD_KEY} IN (SELECT unnest(?))",
                [sorted(keys.values())],
            ).fetchall()
        }
        missing = [n for n, case_id in enumerate(given, start=1) if case_id and keys[case_id] not in held]
        if missing:
            raise ParameterError(
                "no record of the id given as "
                + ", ".join(f"argument {n}" for n in missing)
                + " in the register: nothing was linked (check each id is written as in the case-management "
                "system, and that an export holding it was imported)"
            )
        connection.execute("BEGIN TRANSACTION")
        _create_later_tables(connection)
        found = dict(
            connection.execute(
                f"SELECT {RECORD_KEY}, person_key FROM {LINKED_IDS} WHERE {RECORD_KEY} IN (SELECT unnest(?))",
                [sorted(keys.values())],
            ).fetchall()
        )
        already = len(found) == len(keys) and len(set(found.values())) == 1
        persons = {found.get(r, r) for r in keys.values()}
        group = set(keys.values()) | {
            row[0]
            for row in connection.execute(
                f"SELECT {RECORD_KEY} FROM {LINKED_IDS} WHERE person_key IN (SELECT unnest(?))",
                [sorted(persons)],
            ).fetchall()
        }
        today = dt.date.today()
        result = LinkResult(
            link_id=None,
            linked_on=today,
            ids_given=len(distinct),
            records_linked=len(group),
            already_linked=already,
            dry_run=dry_run,
        )
        if dry_run or already:
            connection.execute("ROLLBACK")
            return result
        link_id = connection.execute(f"SELECT coalesce(max(link_id), 0) + 1 FROM {LINKED_IDS}").fetchall()[0][
            0
        ]
        person = min(group)  # a record_key: the person's key reveals no more than the records' own
        connection.execute(
            f"UPDATE {LINKED_IDS} SET person_key = ? WHERE {RECORD_KEY} IN (SELECT unnest(?))",
            [person, sorted(group)],
        )
        new = [
            [record, person, erased_key(key, case_id), link_id, today]
            for case_id, record in keys.items()
            if record not in found
        ]
        if new:  # none when every id given was linked before, to people now one
            connection.executemany(f"INSERT INTO {LINKED_IDS} VALUES (?, ?, ?, ?, ?)", new)
        connection.execute("COMMIT")
        connection.execute("CHECKPOINT")  # into the main file, as after an import
    except BaseException:
        with contextlib.suppress(Exception):
            connection.execute("ROLLBACK")
        raise
    finally:
        connection.close()
    return dataclasses.replace(result, link_id=int(link_id))
