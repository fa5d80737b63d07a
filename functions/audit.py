"""The admin audit trail: every mutating admin request writes who did what, with before/after, to audit_log —
in the same transaction as the change, so an audited change and its record commit or roll back together."""
from __future__ import annotations

import uuid
from typing import Any

from fastapi import Depends, Request
from psycopg import AsyncConnection
from pydantic import BaseModel, TypeAdapter

from functions.auth import Principal, authenticate
from shared.db.audit import write_audit

_ANY: TypeAdapter[Any] = TypeAdapter(Any)


def snapshot(value: Any) -> Any:
    """A JSON-safe copy of a model, dataclass or dict (Decimal as text, datetimes ISO)."""
    if value is None:
        return None
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return _ANY.dump_python(value, mode="json")


class AuditTrail:
    """Bound to one request: its principal and request id."""

    def __init__(self, principal: Principal | None, request_id: str) -> None:
        self.principal = principal
        self.request_id = request_id

    async def record(self, conn: AsyncConnection, *, action: str, resource_type: str, resource_id: object | None,
                     before: Any = None, after: Any = None) -> None:
        actor = self.principal.subject if self.principal else "anonymous"
        role = self.principal.role.value if self.principal else None
        await write_audit(conn, actor=actor, actor_role=role, action=action, resource_type=resource_type,
                          resource_id=None if resource_id is None else str(resource_id), before=snapshot(before),
                          after=snapshot(after), request_id=self.request_id)


def audit_trail(request: Request, principal: Principal = Depends(authenticate)) -> AuditTrail:
    """A dependency: the request's audit trail (the principal is the one the role check authenticated)."""
    request_id = request.headers.get("x-request-id", "")[:100] or uuid.uuid4().hex
    return AuditTrail(principal, request_id)
