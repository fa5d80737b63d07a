"""Errors of the admin use cases that are not about a single row's constraints."""
from __future__ import annotations

from shared.db.errors import DomainError


class ConflictError(DomainError):
    """The resource is in a state that does not allow the action (e.g. pausing a draft campaign)."""


class RowErrors(DomainError):
    """A batch (CSV import) was refused; `errors` lists (row number, field, message) for every bad row."""

    def __init__(self, errors: list[tuple[int, str, str]], rows_seen: int) -> None:
        super().__init__(f"{len({e[0] for e in errors})} of {rows_seen} rows are invalid; nothing was imported")
        self.errors = errors
        self.rows_seen = rows_seen
