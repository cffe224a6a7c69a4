"""Errors that reach users: each names the file, and where known the row and column."""

from __future__ import annotations

from pathlib import Path


class EvidenceError(Exception):
    """Base class of every error the toolkit reports to a user (the CLI prints these without a traceback)."""


class InputError(EvidenceError):
    """Bad input: names the file and, where known, the row (1-based line in the file) and the column."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.row = row
        self.column = column
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.path:
            where.append(self.path)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class UnknownFormatError(InputError):
    """The file is readable but is not any layout the loaders know."""


class ParameterError(EvidenceError):
    """A parameter given by a user (CLI option, notebook parameter, plan entry) is invalid."""


class DownloadError(EvidenceError):
    """A release could not be downloaded or did not match its checksum."""
