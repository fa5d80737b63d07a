"""/api/v1/callbacks: scheduled callbacks, and cancelling one (its durable timer is cancelled too)."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from functions.api.common import DB, READ_ERRORS, Audit, Starter, Supervisor, Viewer
from functions.problems import ProblemError, problem_responses
from shared.admin.errors import ConflictError
from shared.db import callbacks as repo

router = APIRouter(prefix="/api/v1/callbacks", tags=["callbacks"])
CallbackStatus = Literal["scheduled", "dialing", "completed", "cancelled", "failed", "expired"]


class CallbackOut(BaseModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    requested_on_call_id: uuid.UUID | None
    scheduled_for: datetime
    requested_at: datetime = Field(description="when the consumer asked (the pre-dial exemption counts from its day)")
    reason: str
    requested_by: str
    status: CallbackStatus
    instance_id: str | None
    attempts: int
    outcome: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: repo.Callback) -> CallbackOut:
        return cls(**{n: getattr(c, n) for n in cls.model_fields})


class CancelCallback(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="cancelled by an operator", min_length=1, max_length=500, pattern=r"^[^\x00]*$")


@router.get("", response_model=list[CallbackOut], responses=READ_ERRORS)
async def list_all(principal: Viewer, conn: DB, status: CallbackStatus | None = None,
                   customer_id: uuid.UUID | None = None,
                   limit: int = Query(default=100, ge=1, le=500)) -> list[CallbackOut]:
    """Callbacks, soonest first."""
    rows = await repo.list_callbacks(conn, status=status, customer_id=customer_id, limit=limit)
    return [CallbackOut.of(c) for c in rows]


@router.post("/{callback_id}/cancel", response_model=CallbackOut,
             responses=problem_responses(401, 403, 404, 409, 422, 429, 503))
async def cancel(callback_id: uuid.UUID, principal: Supervisor, starter: Starter, audit: Audit, conn: DB,
                 body: CancelCallback | None = None) -> CallbackOut:
    """Cancel a scheduled callback: its workflow gets the cancel event and the row becomes `cancelled`."""
    reason = (body or CancelCallback()).reason
    cur = await conn.execute("SELECT status FROM callbacks WHERE id = %s FOR UPDATE", (callback_id,))
    row = await cur.fetchone()
    before = await repo.get_callback(conn, callback_id)
    if row is None or row[0] not in ("scheduled", "dialing"):
        raise ConflictError(f"cannot cancel a callback that is {before.status}")
    try:
        await starter.cancel_callback(callback_id, reason)
    except Exception as exc:  # the workflow host failed: the row stays as it was
        raise ProblemError(503, f"the workflow host did not accept the cancel ({type(exc).__name__})",
                           title="Workflows unavailable") from exc
    await repo.set_callback_status(conn, callback_id, "cancelled", outcome=f"cancelled: {reason}"[:200])
    after = await repo.get_callback(conn, callback_id)
    await audit.record(conn, action="cancel", resource_type="callback", resource_id=callback_id, before=before,
                       after=after)
    return CallbackOut.of(after)
