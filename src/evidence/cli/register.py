"""``evidence register``: the organisation's register of case records (``docs/case-records.md``).

Heavy libraries (DuckDB, polars) are imported inside the commands, so ``evidence --help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from evidence.cli.options import (
    DEFAULT_DISCLOSURE_THRESHOLD,
    DisclosureThresholdOpt,
    JsonOpt,
    disclosure_json,
    echo_json,
    escape,
    file_to_write,
    make_console,
)
from evidence.core.text import counted

console = make_console()
register_app = typer.Typer(
    help="The organisation's own case records over time: pseudonymised, with history, figures as of any date.",
    no_args_is_help=True,
)

RegisterOpt = Annotated[
    Path | None,
    typer.Option(
        "--register",
        help="The register file (default: register.duckdb in the user data folder).",
        metavar="PATH",
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="The date (YYYY-MM-DD) the records stood on (default: the latest export).",
        metavar="DATE",
    ),
]

KeyFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        help="The pseudonymisation key file (default: EVIDENCE_REGISTER_KEY, else register.key in the user "
        "configuration folder; the first import makes it).",
        metavar="FILE",
    ),
]
WaitOpt = Annotated[
    float,
    typer.Option(
        "--wait", min=0, help="Seconds to wait while an import holds the register.", metavar="SECONDS"
    ),
]


def register(app: typer.Typer) -> None:
    """Add the ``register`` commands to the ``evidence`` app."""
    app.add_typer(register_app, name="register")


def _path(register_path: Path | None) -> Path:
    from evidence.sources.register import default_register_path

    return register_path or default_register_path()


def _date(text: str | None, option: str) -> dt.date | None:
    from evidence.core.errors import ParameterError

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ParameterError(f"{option} {text!r}: expected a date such as 2023-06-30") from None


def _output_file(out: Path) -> Path:
    """``OUT`` of a command that writes a file, refused at once when it is a folder (:func:`file_to_write`)."""
    return file_to_write(out, str(out), "out.csv")


class _Wait:
    """One ``--wait`` for all the reads of a command: each read waits for what is left of it (three reads each
    given the whole of it could wait three times as long as asked)."""

    def __init__(self, seconds: float) -> None:
        self._until = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self._until - time.monotonic())


def _as_of(register_path: Path, as_of: str | None, wait: _Wait):
    """The records as of the date asked (default: the latest export), and that date (with its note when it is
    after the last export)."""
    from evidence.sources.register import records_as_of, resolve_as_of

    stood = resolve_as_of(register_path, _date(as_of, "--as-of"), wait=wait.left())
    return records_as_of(register_path, stood.date, wait=wait.left()), stood


def _say_as_of(stood) -> None:
    if (note := stood.note()) is not None:
        console.print(f"[bold yellow]Note:[/] figures {escape(note)}", soft_wrap=True)


def _erasure_note(loaded) -> str | None:
    """The note that people were erased from the register, when they were (figures before may differ)."""
    from evidence.sources.register.store import ERASURE_NOTE

    return next((n for n in loaded.provenance.notes if n.startswith(ERASURE_NOTE)), None)


def _say_erasures(loaded) -> None:
    if (note := _erasure_note(loaded)) is not None:
        console.print(f"[bold yellow]Note:[/] {escape(note)}", soft_wrap=True)
    for note in _identity_notes(loaded):
        console.print(f"[bold yellow]Note:[/] {escape(note)}", soft_wrap=True)


def _identity_notes(loaded) -> list[str]:
    """The notes that records linked as one person's count once, and that some records alike in the fields
    that tell a person are not linked (one person may count twice), when so as of the date."""
    from evidence.sources.register.store import LINK_NOTE, SAME_PERSON_NOTE

    return [n for n in loaded.provenance.notes if n == LINK_NOTE or n.startswith(SAME_PERSON_NOTE)]


def _echo_json(schema: str, data: Any) -> None:
    echo_json(f"register.{schema}", data, default=str)


@register_app.command("import")
def import_command(
    export: Annotated[Path, typer.Argument(help="An export of the case-management system (CSV or xlsx).")],
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping", help="Its mapping file (default: EXPORT.mapping.yaml beside it).", metavar="FILE"
        ),
    ] = None,
    register_path: RegisterOpt = None,
    key_file: KeyFileOpt = None,
    exported_on: Annotated[
        str | None,
        typer.Option(
            "--exported-on",
            help="The date the export was made (default: a date in its file name, year first, such as "
            "cases_2023-06-30.csv; else its modification time).",
            metavar="DATE",
        ),
    ] = None,
    partial: Annotated[
        bool,
        typer.Option("--partial", help="The export holds only some records: none is marked missing."),
    ] = False,
    allow_dropped_fields: Annotated[
        bool,
        typer.Option(
            "--allow-dropped-fields",
            help="Import an export that holds no value of a field the records hold (its column dropped; a "
            "partial export: the records it holds): the field becomes unknown for every such record from the "
            "export's date on.",
        ),
    ] = False,
    allow_many_missing: Annotated[
        bool,
        typer.Option(
            "--allow-many-missing",
            help="Import a full export that lacks most of the records (they are gone from the case-management "
            "system): they are marked missing.",
        ),
    ] = False,
    same_person: Annotated[
        list[str] | None,
        typer.Option(
            "--same-person",
            help="An identifying column (listed under identifying in the mapping) that, with the others given, "
            "tells a person, such as 'Full name' and 'Date of birth' (repeat the option; kept for later "
            "imports). Only a keyed hash of their values is kept: a record sharing it with another under "
            "another case id is pointed out, and its figures say a person may count twice.",
            metavar="COLUMN",
        ),
    ] = None,
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            min=0,
            help="Seconds to wait while another import holds the register.",
            metavar="SECONDS",
        ),
    ] = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Import an export: new records added, changed ones updated (history kept), absent ones marked missing."""
    import polars as pl

    from evidence.sources.register import import_export
    from evidence.sources.register.store import ID_ONLY_REASON, SAME_PERSON_FLAG

    if partial and allow_many_missing:
        from evidence.core.errors import ParameterError

        raise ParameterError(
            "--allow-many-missing is for a full export, whose absent records are marked missing; --partial marks "
            "none: give one of them"
        )
    if export.is_dir():  # the store would say "no such export file" of a folder that exists
        from evidence.core.errors import InputError

        raise InputError(
            "is a folder, not an export file (give the CSV or xlsx file the case-management system wrote)",
            path=export,
        )
    result = import_export(
        _path(register_path),
        export,
        mapping,
        key_path=key_file,
        exported_on=_date(exported_on, "--exported-on"),
        full_export=not partial,
        wait=wait,
        allow_dropped_fields=allow_dropped_fields,
        allow_many_missing=allow_many_missing,
        cell_key_check=_cell_key_check(required=False),
        same_person=same_person or None,
    )
    if as_json:
        summary = result.summary()
        summary["register"] = str(_path(register_path))
        summary["rejected_rows"] = result.rejects.select("row", "column", "reason").to_dicts()
        summary["flagged_rows"] = result.flags.select("row", "column", "reason").to_dicts()
        _echo_json("import", summary)
        return
    console.print(
        f"Imported {escape(result.file_name)} (exported on {result.exported_on}, {result.exported_on_told}) "
        f"into {escape(str(_path(register_path)))} as import {result.import_id}.",
        soft_wrap=True,
    )
    if result.note:
        console.print(result.note)
    if result.key_warning:
        console.print(f"[bold red]Warning:[/] {escape(result.key_warning)}", soft_wrap=True)
    left_out = (
        f" ({result.rows_left_out} more left out, holding nothing or a note: no record)"
        if result.rows_left_out
        else ""
    )
    console.print(
        f"rows in {result.rows_in}{left_out}: new {result.rows_new}, updated {result.rows_updated}, "
        f"unchanged {result.rows_unchanged}, rejected {result.rows_rejected}; "
        f"marked missing {result.rows_marked_missing}"
    )
    if result.rejects.height:
        shown, every = 20, result.rejects.height
        table = Table(
            "row",
            "column",
            "reason",
            title=f"Rejected rows of {escape(result.file_name)}"
            + (f" (the first {shown} of {every})" if every > shown else ""),
        )
        for row in result.rejects.head(shown).iter_rows(named=True):
            table.add_row(str(row["row"]), escape(str(row["column"] or "")), escape(str(row["reason"])))
        console.print(table)
        if every > shown:  # never a rejected row named nowhere
            console.print(
                f"{every - shown} more not shown: --json lists every rejected row, with its row, column and reason",
                soft_wrap=True,
            )
    id_only = result.flags.filter(pl.col("reason") == ID_ONLY_REASON)
    alike = result.flags.filter(pl.col("reason").str.contains(SAME_PERSON_FLAG, literal=True))
    retyped = result.flags.filter(
        (pl.col("reason") != ID_ONLY_REASON) & ~pl.col("reason").str.contains(SAME_PERSON_FLAG, literal=True)
    )
    if alike.height:
        console.print(
            f"[bold yellow]Check:[/] {alike.height} row(s) whose identifying fields ({escape(alike['reason'][0].split(' the same as')[0])}) "
            f"are those of another record under another case id ({_rows_named(alike)}): the same person registered "
            "again? If so, link the ids (evidence register link ID ID) so that they count once, and merge the case "
            "files; until then their figures say a person may count twice.",
            soft_wrap=True,
        )
    if retyped.height:
        console.print(
            f"[bold yellow]Check:[/] {retyped.height} new record(s) whose case id differs from that of a "
            f"record marked missing only in letter case or surrounding punctuation ({_rows_named(retyped)}): "
            "if each is the same person, correct the id in the case-management system; the register keeps "
            "them apart.",
            soft_wrap=True,
        )
    if id_only.height:
        console.print(
            f"[bold yellow]Check:[/] {id_only.height} record(s) holding nothing but a case id, every other "
            f"column the mapping reads empty ({_rows_named(id_only)}): a total or note line below the records? "
            "They are kept as records of which nothing is known; if a line is no case, delete it from the "
            "export and import it again.",
            soft_wrap=True,
        )


def _rows_named(flags: Any) -> str:
    """``row 12`` or ``rows 12, 40, ...`` (the first 20)."""
    rows = [str(r) for r in flags["row"].head(20).to_list()]
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(rows) + (", ..." if flags.height > 20 else "")


def _ids(case_ids: list[str], ids_file: Path | None) -> tuple[list[str], list[str]]:
    """The case ids given (arguments, then the file's lines), and where each was given, to name an id the
    register does not hold without repeating it."""
    from evidence.core.errors import InputError

    ids = list(case_ids)
    where = [f"argument {n}" for n in range(1, len(ids) + 1)]
    if ids_file is not None:
        try:
            lines = ids_file.read_text(encoding="utf-8-sig").splitlines()
        except OSError as exc:
            raise InputError(
                f"cannot read the file of case ids: {exc.strerror or exc}", path=ids_file
            ) from None
        except UnicodeDecodeError:  # its bytes are not repeated: they may be part of an id
            raise InputError(
                "cannot read the file of case ids: not UTF-8 text (save it as UTF-8 text, one case id a line)",
                path=ids_file,
            ) from None
        for number, line in enumerate(lines, start=1):
            if line.strip():
                ids.append(line)
                where.append(f"line {number} of {ids_file}")
    return ids, where


@register_app.command("erase")
def erase_command(
    case_ids: Annotated[
        list[str] | None,
        typer.Argument(
            help="Case ids as the case-management system writes them (not pseudonyms).", show_default=False
        ),
    ] = None,
    ids_file: Annotated[
        Path | None,
        typer.Option("--ids-file", help="A text file of case ids, one a line.", metavar="FILE"),
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            help="Why, as a code for the erasure log: consent-withdrawn, objection, unlawful-processing, "
            "legal-obligation or entered-in-error.",
            metavar="CODE",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be erased; change nothing.")
    ] = False,
    register_path: RegisterOpt = None,
    key_file: KeyFileOpt = None,
    wait: WaitOpt = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Erase people from the register on their request: every version of their records removed, and their
    rows of later exports rejected ("erased on DATE"). The log keeps the date, reason and counts, no id."""
    from evidence.sources.register.erasure import erase

    ids, where = _ids(case_ids or [], ids_file)
    path = _path(register_path)
    result = erase(path, ids, key_path=key_file, reason=reason, dry_run=dry_run, wait=wait)
    not_found = [where[i] for i in result.not_found]
    if as_json:
        summary = result.summary()
        summary["register"] = str(path)
        summary["not_found"] = not_found
        _echo_json("erase", summary)
        return
    done = "would erase" if dry_run else "erased"
    console.print(
        f"{'Dry run: ' if dry_run else ''}{result.ids_given} person(s) named; {done} "
        f"{result.persons_erased}: {result.record_versions_erased} record version(s), "
        f"{sum(result.rows_erased.values())} row(s) in all, from {escape(str(path))}"
        + ("" if dry_run else f" (erasure {result.erasure_id}, {result.erased_on})")
        + ".",
        soft_wrap=True,
    )
    if not_found:
        console.print(
            f"[bold yellow]Note:[/] not in the register: the id(s) given as {escape(', '.join(not_found))}. "
            "Nothing to erase for them; "
            + ("later imports would keep them out." if dry_run else "later imports keep them out.")
            + " Check each id is written as in the case-management system.",
            soft_wrap=True,
        )
    if not dry_run and result.persons_erased:
        console.print(
            "Files written from the register before now (CTDC exports, lists, snapshots) still hold them: "
            "evidence register status lists the CTDC exports; delete or ask back the others.",
            soft_wrap=True,
        )


@register_app.command("link")
def link_command(
    case_ids: Annotated[
        list[str],
        typer.Argument(
            help="Two or more case ids of one person, as the case-management system writes them (not "
            "pseudonyms).",
            show_default=False,
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be linked; change nothing.")
    ] = False,
    register_path: RegisterOpt = None,
    key_file: KeyFileOpt = None,
    wait: WaitOpt = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Link case ids of one person (registered again under a new id): records, figures, lists and exports
    count them once, as of every date, under the record registered first. Merge the case files in the
    case-management system too."""
    from evidence.sources.register.linking import link

    path = _path(register_path)
    result = link(path, case_ids, key_path=key_file, dry_run=dry_run, wait=wait)
    if as_json:
        summary = result.summary()
        summary["register"] = str(path)
        _echo_json("link", summary)
        return
    if result.already_linked:
        console.print(
            f"Already linked: the {result.ids_given} ids are one person's in {escape(str(path))}; nothing changed.",
            soft_wrap=True,
        )
        return
    console.print(
        f"{'Dry run: would link' if dry_run else 'Linked'} {result.ids_given} case ids as one person "
        f"({result.records_linked} case ids of theirs linked in all, counted once) in {escape(str(path))}"
        + ("" if dry_run else f" (link {result.link_id}, {result.linked_on})")
        + ".",
        soft_wrap=True,
    )
    if not dry_run:
        console.print(
            "Figures, lists, snapshots and CTDC exports made from now on count them once, as of every date; "
            "files written before still count them twice (a CTDC export differs from the one before: another "
            "release).",
            soft_wrap=True,
        )


@register_app.command("key")
def key_command() -> None:
    """Print a new random key (64 hex characters) for EVIDENCE_REGISTER_KEY. A key chosen by a person is
    refused. Only for a new register: one made with another key cannot be opened with this one."""
    from evidence.sources.register.keys import new_key_text

    typer.echo(new_key_text())


@register_app.command("status")
def status_command(register_path: RegisterOpt = None, wait: WaitOpt = 0.0, as_json: JsonOpt = False) -> None:
    """What the register holds: records, records marked missing, versions, and every import."""
    from evidence.sources.register import status

    facts = status(_path(register_path), wait=wait)
    if as_json:
        _echo_json("status", facts)
        return
    console.print(
        f"{escape(facts['register'])}: {counted(facts['records'], 'record')}, {facts['records_marked_missing']} "
        f"marked missing, {counted(facts['versions'], 'version')}; country {facts['country'] or 'not set'}"
        + (
            f"; {counted(facts['ids_linked'], 'case id')} linked as {counted(facts['persons_linked'], 'person')}, "
            "each counted once"
            if facts["ids_linked"]
            else ""
        ),
        soft_wrap=True,
    )
    for gap in facts["export_gaps"]:  # a month's export missing: its figures are those of the export before
        console.print(
            f"[bold yellow]Note:[/] no export between {gap['after']} and {gap['before']} ({gap['days']} days, "
            "longer than the usual interval): figures as of a date between them are those of the export of "
            f"{gap['after']}. An export found later cannot be imported before a later one.",
            soft_wrap=True,
        )
    if facts["records_alike_unlinked"]:
        console.print(
            f"[bold yellow]Check:[/] {facts['records_alike_unlinked']} records share "
            f"{escape(', '.join(facts['same_person_columns']))} with another record under another case id, not "
            "linked: possibly people registered again, counted twice (evidence register link ID ID counts one "
            "person's ids once).",
            soft_wrap=True,
        )
    table = Table(
        "#",
        "imported",
        "exported on",
        "file",
        "sha256",
        "in",
        "new",
        "updated",
        "unchanged",
        "rejected",
        "missing",
    )
    for entry in facts["imports"]:
        table.add_row(
            str(entry["import_id"]),
            (entry["imported_at"] or "")[:19].replace("T", " "),
            entry["exported_on"],
            escape(entry["file_name"]),
            entry["file_sha256"][:12],
            # rows holding nothing beside the rows read, so that the file's rows add up
            str(entry["rows_in"]) + (f" (+{entry['rows_left_out']} blank)" if entry["rows_left_out"] else ""),
            *(str(entry[k]) for k in ("rows_new", "rows_updated", "rows_unchanged", "rows_rejected")),
            str(entry["rows_marked_missing"]),
        )
    console.print(table)
    for entry in facts["imports"]:  # what the numbers do not say: a file imported again changed nothing
        if entry.get("note"):
            console.print(
                f"import {entry['import_id']}: {escape(entry['note'])}", soft_wrap=True, highlight=False
            )
    if facts["ctdc_exports"]:
        exports = Table(
            "#", "written", "as of", "k", "file", "records written", title="k-anonymised CTDC exports"
        )
        for entry in facts["ctdc_exports"]:
            exports.add_row(
                str(entry["export_id"]),
                (entry["exported_at"] or "")[:19].replace("T", " "),
                str(entry["as_of"]),
                str(entry["k"]),
                escape(entry["file_name"]),
                f"{entry['rows_written']} of {entry['rows_in']}",
            )
        console.print(exports)
    if facts["erasures"]:
        erasures = Table("#", "erased on", "reason", "persons", "record versions", "rows", title="Erasures")
        for entry in facts["erasures"]:
            erasures.add_row(
                str(entry["erasure_id"]),
                str(entry["erased_on"]),
                entry["reason"] or "",
                f"{entry['persons_erased']} of {entry['ids_given']} named",
                str(entry["record_versions_erased"]),
                str(entry["rows_erased"]),
            )
        console.print(erasures)


@register_app.command("figures")
def figures_command(
    as_of: AsOfOpt = None,
    year_from: Annotated[
        int | None,
        typer.Option("--from", help="First year of the period (default: the earliest).", metavar="YEAR"),
    ] = None,
    disclosure_threshold: DisclosureThresholdOpt = DEFAULT_DISCLOSURE_THRESHOLD,
    country: Annotated[
        str | None,
        typer.Option(
            "--country",
            "-c",
            help="The organisation's country: an ISO3 code (THA) or a name (Thailand). Default: the "
            "register's.",
            metavar="ISO3",
        ),
    ] = None,
    register_path: RegisterOpt = None,
    wait: WaitOpt = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """The key figures: victims assisted in the period by sex, age, nationality, form, assistance; nationals
    trafficked abroad (returned or not) by country, and by return assistance. Every number passes disclosure
    control."""
    from evidence.analyses.selection import check_country, record_keys
    from evidence.core.text import age_band_text
    from evidence.presentation.disclosure import DisclosureRule
    from evidence.presentation.key_figures import key_figures
    from evidence.sources.register import RegisterError
    from evidence.sources.register.store import records_reading

    # a name or a code in any case, as every command takes a country; an unknown one is refused (it counted
    # no nationals abroad, a 0 that looked like a figure)
    country = check_country(country)
    path = _path(register_path)
    # the date, the records, the register's country and its secret's check: one reading (four cost 4 opens)
    reading = records_reading(path, _date(as_of, "--as-of"), wait=wait)
    loaded, stood = reading.records, reading.stood
    if stood.date is None:
        raise RegisterError("the register holds no export yet: no figures", path=path)
    year_from, period_note = _period_held(loaded.data, year_from, stood.date)
    figures = key_figures(
        loaded.data,
        as_of=stood.date,
        year_from=year_from,
        country=(country or reading.country),
        rule=DisclosureRule(threshold=disclosure_threshold),
        # real records: perturbed by the cell key method, as every other output of them
        record_keys=record_keys(loaded) if loaded.protection == "cell_key" else None,
    )
    other_secret = _other_secret_warning(reading.cell_key_check) if figures.perturbed else None
    if as_json:
        facts = figures.to_dict()
        if other_secret is not None:
            facts["notes"] = [*facts["notes"], other_secret]
        facts["as_of_note"] = stood.note()  # always there (null without a note), as in export-ctdc's JSON
        # the protection is the ``disclosure`` object of every answer
        facts["years_note"] = period_note
        # among the notes: figures as of a date before an erasure may differ from those made then
        if (erased := _erasure_note(loaded)) is not None:
            facts["notes"] = [*facts["notes"], erased]
        facts["notes"] = [*facts["notes"], *_identity_notes(loaded)]
        facts["disclosure"] = disclosure_json(
            disclosure_threshold, facts.pop("protection"), facts["disclosure"]
        )
        _echo_json("figures", facts)
        return
    _say_as_of(stood)
    if period_note is not None:
        console.print(f"[bold yellow]Note:[/] {escape(period_note)}", soft_wrap=True)
    console.print(
        f"[bold]Victims of trafficking assisted {figures.year_from}–{figures.year_to}, as of {figures.as_of}: "
        f"{figures.total_shown()}[/]"
    )
    for name, table in figures.tables.items():
        shown = table.display()
        # the title on its own line: as a table title it would wrap to the narrow table's width
        console.print(f"[bold]{escape(figures.titles[name])}[/]", soft_wrap=True)
        out = Table("", "victims")
        for category, text in zip(shown["category"].to_list(), shown["victims"].to_list(), strict=True):
            label = category or "Total"
            if (
                name == "age_band"
            ):  # "9–17 years", as briefs write an age band (the JSON keeps the data's code)
                label = age_band_text(label) or label
            out.add_row(escape(label), text)
        console.print(out)
    for note in figures.notes:
        console.print(f"Note: {escape(note)}")
    if other_secret is not None:
        console.print(f"[bold red]Warning:[/] {escape(other_secret)}", soft_wrap=True)
    _say_erasures(loaded)
    console.print(figures.describe())


def _cell_key_check(*, required: bool = True) -> str | None:
    """The check value of the cell-key secret this machine perturbs counts with (made on first use); not
    ``required`` (an import, which perturbs nothing), None when the secret cannot be had."""
    from evidence.analyses.selection import CELL_KEY_SECRET_ENV
    from evidence.core.errors import InputError
    from evidence.core.secret_key import secret_key
    from evidence.sources.register.store import cell_key_check

    try:
        return cell_key_check(secret_key("cell_key", CELL_KEY_SECRET_ENV))
    except (InputError, OSError):
        if required:
            raise
        return None


def other_secret_warnings(paths: Iterable[str | Path]) -> list[str]:
    """The warning of :func:`_other_secret_warning` for each of ``paths`` (a run's data files) that is a
    register, named: a brief or run made from a register under another secret is perturbed otherwise than its
    figures, and the two can be averaged (``evidence brief``, ``run``, ``batch`` say so before running)."""
    from evidence.sources.register.store import is_register_file, register_cell_key_check

    warnings = []
    for path in map(Path, paths):
        try:
            with path.open("rb") as fh:
                head = fh.read(16)
        except OSError:
            continue  # the run itself names a file it cannot read
        if (
            is_register_file(head)
            and (warning := _other_secret_warning(register_cell_key_check(path))) is not None
        ):
            warnings.append(f"{path.name}: {warning}")
    return warnings


def _other_secret_warning(kept: str | None) -> str | None:
    """A warning when the cell-key secret in use is not the one the register's imports were made beside (``kept``:
    the check of that secret the register holds, None when it holds none)."""
    from evidence.analyses.selection import CELL_KEY_SECRET_ENV
    from evidence.core.secret_key import key_dir

    if kept is None or kept == _cell_key_check():
        return None
    return (
        "the cell-key secret in use is not the one this register's imports were made beside (another machine, "
        f"or a lost secret: {CELL_KEY_SECRET_ENV}, else cell_key.key in {key_dir()}): these figures are "
        "perturbed otherwise than figures made there, and two sets of figures of the same records, both "
        "published, can be averaged towards the exact counts. Use the same secret wherever the register's "
        "figures are made"
    )


def _period_held(data: Any, year_from: int | None, as_of: dt.date) -> tuple[int | None, str | None]:
    """``--from`` within the years the records hold, as every command reads years outside its data: a first
    year before the earliest record's becomes that year (the figures would otherwise be headed 1800–2023), with
    a note; one after the last record's (up to the as-of year) holds no victims and is refused, naming the years
    held. A year after the as-of date's is refused by the figures themselves."""
    from evidence.analyses.coverage import years_text
    from evidence.core.errors import ParameterError

    if year_from is None or "year" not in data.columns:
        return year_from, None
    years = data.get_column("year").drop_nulls()
    if years.is_empty():
        return year_from, None
    earliest, latest = int(years.min()), int(years.max())
    held = years_text(range(earliest, latest + 1))
    if year_from < earliest:
        return (
            earliest,
            f"the register holds records from {earliest} on: figures from {earliest}, not {year_from}",
        )
    if latest < year_from <= as_of.year:
        raise ParameterError(
            f"--from {year_from}: the register holds no victims from {year_from} on (records as of {as_of}); "
            f"the years it holds: {held}"
        )
    return year_from, None


@register_app.command("export-ctdc")
def export_ctdc_command(
    out: Annotated[Path, typer.Argument(help="The CSV to write (CTDC k-anonymised Global Dataset layout).")],
    k: Annotated[
        int,
        typer.Option("--k", metavar="N", help="Every quasi-identifier combination occurs at least k times."),
    ] = 11,
    max_suppressed: Annotated[
        float,
        typer.Option(
            "--max-suppressed",
            help="Generalise until at most this share of records must be left out (0 to below 1): after "
            "local suppression (by default), or after withholding whole columns (--global-recoding).",
            metavar="SHARE",
        ),
    ] = 0.05,
    as_of: AsOfOpt = None,
    allow_another_release: Annotated[
        bool,
        typer.Option(
            "--allow-another-release",
            help="Write it even though an earlier export of this register differs from it (another k or "
            "as-of date): two releases can be subtracted into the people one left out. It keeps the earlier "
            "generalisation and leaves out every set whose count, or whose rows gone or new row by row, differ "
            "from an earlier release's by fewer than k.",
        ),
    ] = False,
    generalised_columns: Annotated[
        bool,
        typer.Option(
            "--generalised-columns",
            help="Also generalise years into 3-year bands and countries into their UN M49 sub-region, then "
            "region, written in extra columns after the layout's 63 (yearOfRegistrationBand, "
            "citizenshipUNM49Subregion, citizenshipUNM49Region, CountryOfExploitationUNM49Subregion, "
            "CountryOfExploitationUNM49Region): a non-standard file. Without it the file is CTDC's layout "
            "exactly, a withheld year or country written empty.",
        ),
    ] = False,
    global_recoding: Annotated[
        bool,
        typer.Option(
            "--global-recoding",
            help="Reach k by generalising or withholding whole columns (every year, every country at once), "
            "as the toolkit did before. By default only the rare values are blanked, in the records whose "
            "set would otherwise hold fewer than k (local suppression, as CTDC does): common countries and "
            "years are kept.",
        ),
    ] = False,
    register_path: RegisterOpt = None,
    wait: WaitOpt = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Write a k-anonymised file in CTDC's layout (every year a year or empty, every country an ISO2 code or
    empty), with a report of what was generalised and left out, and its provenance sidecar beside it
    (OUT.provenance.json: k, and per column how many recorded values were written at which level). Every
    export is recorded in the register; one that differs from an earlier export is refused unless
    --allow-another-release."""
    from evidence.core.errors import ParameterError
    from evidence.sources.register.ctdc_export import export_register

    # checked before the register is opened, in the options' own words
    if k < 2:
        raise ParameterError(f"--k must be at least 2, not {k}")
    if not 0 <= max_suppressed < 1:
        raise ParameterError(
            f"--max-suppressed is a share of the records (0 to below 1), not {max_suppressed:g}"
        )
    _output_file(out)
    done = export_register(
        _path(register_path),
        out,
        k=k,
        max_suppressed=max_suppressed,
        as_of=_date(as_of, "--as-of"),
        allow_another_release=allow_another_release,
        wait=wait,
        generalised_columns=generalised_columns,
        suppression="global" if global_recoding else "local",
    )
    warning = done.warning()
    if as_json:
        _echo_json(
            "export-ctdc",
            {
                "out": str(out),
                "as_of": done.as_of,
                "as_of_note": done.as_of_note,
                "export_id": done.export_id,
                "another_release_warning": warning,
                **done.report.to_dict(),
            },
        )
        return
    if warning:
        console.print(f"[bold red]Warning:[/] {escape(warning)}", soft_wrap=True)
    if done.as_of_note:
        console.print(f"[bold yellow]Note:[/] records {escape(done.as_of_note)}", soft_wrap=True)
    if done.erasure_note:
        console.print(f"[bold yellow]Note:[/] {escape(done.erasure_note)}", soft_wrap=True)
    for note in done.identity_notes:
        console.print(f"[bold yellow]Note:[/] {escape(note)}", soft_wrap=True)
    console.print(
        f"Wrote {escape(str(out))} (records as of {done.as_of}; recorded as export {done.export_id} of the "
        "register)",
        soft_wrap=True,
    )
    for line in done.report.lines():
        console.print(escape(line), soft_wrap=True)
    layout = (
        "CTDC's layout with extra columns after its 63 (non-standard)"
        if generalised_columns
        else "CTDC's layout exactly: every year a year or empty, every country an ISO2 code or empty"
    )
    console.print(
        f"The file holds {layout}. How each column was generalised (counts per column and level): "
        f"{escape(str(done.sidecar))}",
        soft_wrap=True,
    )


@register_app.command("lists")
def lists_command(
    out: Annotated[Path, typer.Argument(help="The list-capture CSV to write (read by evidence estimate).")],
    by: Annotated[
        str, typer.Option("--by", metavar="COLUMN", help="The column naming each person's agencies.")
    ] = "referral_source",
    as_of: AsOfOpt = None,
    register_path: RegisterOpt = None,
    wait: WaitOpt = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Write the agencies' overlap as list-capture data (a 0/1 column per agency and a count)."""
    from evidence.sources.register.lists import write_lists

    _output_file(out)
    loaded, stood = _as_of(_path(register_path), as_of, _Wait(wait))
    report = write_lists(loaded.data, out, by=by)
    if as_json:
        _echo_json(
            "lists",
            {
                "out": str(out),
                "lists": list(report.lists),
                "histories": report.histories,
                "as_of": str(stood.date),
                "as_of_note": stood.note(),  # always there (null without a note), as in figures and export-ctdc
            },
        )
        return
    _say_as_of(stood)
    _say_erasures(loaded)
    console.print(
        f"Wrote {escape(str(out))}: {len(report.lists)} lists ({escape(', '.join(report.lists))}), "
        f"{report.histories} capture histories. Estimate with: evidence estimate --data {escape(str(out))}",
        soft_wrap=True,
    )
    if report.people_unrecorded:
        console.print("Records without a recorded agency are on no list and left out.")


@register_app.command("snapshot")
def snapshot_command(
    out: Annotated[
        Path, typer.Argument(help="The .parquet to write: a data file for briefs, runs and batches.")
    ],
    as_of: AsOfOpt = None,
    register_path: RegisterOpt = None,
    wait: WaitOpt = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Write the records as they stood on a date as a canonical table (pseudonymised, owner-only)."""

    from evidence.core.errors import ParameterError
    from evidence.sources.store import write_parquet

    if out.suffix.lower() != ".parquet":
        raise ParameterError(f"{out}: the snapshot is a .parquet file; name it {out.with_suffix('.parquet')}")
    _output_file(out)
    loaded, stood = _as_of(_path(register_path), as_of, _Wait(wait))
    if as_json:
        write_parquet(loaded, out, mode=0o600)
        _echo_json(
            "snapshot",
            {
                "out": str(out),
                "records": loaded.rows_kept,
                "as_of": str(stood.date),
                "as_of_note": stood.note(),  # as in lists, figures and export-ctdc
            },
        )
        return
    _say_as_of(stood)
    write_parquet(loaded, out, mode=0o600)
    console.print(
        f"Wrote {escape(str(out))}: {counted(loaded.rows_kept, 'record')} as of {loaded.provenance.release}",
        soft_wrap=True,
    )
