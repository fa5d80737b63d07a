"""Domain errors raised by the repositories; adapters map them to HTTP codes or spoken fallbacks once."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg.errors


class DomainError(Exception):
    """Base for errors the caller can act on."""


class NotFoundError(DomainError):
    """The row asked for does not exist."""


class DuplicateError(DomainError):
    """A unique key (phone, call SID, name...) is already taken."""

    def __init__(self, entity: str, field: str) -> None:
        super().__init__(f"a {entity} with this {field} already exists")
        self.entity = entity
        self.field = field


class ConstraintError(DomainError):
    """The database refused a value (a CHECK or foreign key)."""


# Unique constraint name → (entity, field) for a readable DuplicateError.
_UNIQUE_NAMES: dict[str, tuple[str, str]] = {
    "customers_phone_key": ("customer", "phone number"),
    "customers_external_ref_key": ("customer", "external reference"),
    "calls_call_sid_key": ("call", "call SID"),
    "behavioral_tactics_name_key": ("tactic", "name"),
    "collection_policies_name_key": ("collection policy", "name"),
    "dnc_entries_phone_key": ("do-not-call entry", "phone number"),
    "payment_arrangements_idempotency_key": ("payment arrangement", "idempotency key"),
    "campaign_targets_unique": ("campaign target", "customer"),
    "callbacks_instance_id_key": ("callback", "workflow instance id"),
}


@contextmanager
def domain_errors() -> Iterator[None]:
    """Translate integrity errors from psycopg into domain errors."""
    try:
        yield
    except psycopg.errors.UniqueViolation as exc:
        name = exc.diag.constraint_name or ""
        entity, field = _UNIQUE_NAMES.get(name, ("record", name or "key"))
        raise DuplicateError(entity, field) from exc
    except (psycopg.errors.CheckViolation, psycopg.errors.NotNullViolation,
            psycopg.errors.ForeignKeyViolation, psycopg.errors.InvalidTextRepresentation) as exc:
        detail = exc.diag.constraint_name or exc.diag.column_name or exc.diag.message_primary or "value"
        raise ConstraintError(f"refused by the database: {detail}") from exc
