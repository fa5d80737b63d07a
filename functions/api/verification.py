"""/api/v1/customers/{id}/verification-lock: a customer's right-party verification lockout, and lifting it
(supervisors; audited and recorded as a compliance event)."""
from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from functions.api.common import DB, ITEM_ERRORS, Audit, Supervisor, Viewer
from functions.deps import now
from functions.problems import ProblemError, problem_responses
from shared.agent import verification_lockout as lockout
from shared.db import customers

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])


class VerificationLock(BaseModel):
    """Failed verifications counted across calls; `locked` until a supervisor clears it."""

    customer_id: uuid.UUID
    locked: bool
    failures: int
    max_failures: int = lockout.MAX_FAILURES
    locked_at: datetime | None = None
    cleared_at: datetime | None = None
    cleared_by: str | None = None


def _out(customer_id: uuid.UUID, row: lockout.Lockout | None) -> VerificationLock:
    if row is None:
        return VerificationLock(customer_id=customer_id, locked=False, failures=0)
    return VerificationLock(customer_id=customer_id, locked=row.locked, failures=row.failures,
                            locked_at=row.locked_at, cleared_at=row.cleared_at, cleared_by=row.cleared_by)


@router.get("/{customer_id}/verification-lock", response_model=VerificationLock, responses=ITEM_ERRORS)
async def get_verification_lock(customer_id: uuid.UUID, conn: DB, _: Viewer) -> VerificationLock:
    """The customer's verification lockout state."""
    await customers.get_customer(conn, customer_id)            # 404 for an unknown customer
    return _out(customer_id, await lockout.get_lockout(conn, customer_id))


@router.delete("/{customer_id}/verification-lock", response_model=VerificationLock,
               responses={**ITEM_ERRORS, **problem_responses(409)})
async def clear_verification_lock(customer_id: uuid.UUID, request: Request, conn: DB, principal: Supervisor,
                                  audit: Audit) -> VerificationLock:
    """Lift a verification lockout (after the customer has been identified another way)."""
    await customers.get_customer(conn, customer_id)
    if not await lockout.clear(conn, customer_id, cleared_by=principal.subject, now=now(request)):
        raise ProblemError(409, "verification is not locked for this customer")
    await audit.record(conn, action="customer.verification_lock.clear", resource_type="customer",
                       resource_id=customer_id)
    return _out(customer_id, await lockout.get_lockout(conn, customer_id))
