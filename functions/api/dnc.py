"""/api/v1/compliance/dnc: the internal do-not-call list (admins add and remove; each change is also a
compliance event on the affected customer)."""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from functions.api.common import DB, READ_ERRORS, WRITE_ERRORS, Admin, Audit, Viewer, phone_for
from functions.auth import Principal
from shared.admin.customer_input import BIGINT_MAX
from shared.db import compliance_records as repo
from shared.db.customers import find_by_phone
from shared.phone import to_e164

router = APIRouter(prefix="/api/v1/compliance/dnc", tags=["compliance"])


class DncIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=3, max_length=40, examples=["+13125550104"])
    reason: str = Field(default="", max_length=500, pattern=r"^[^\x00]*$", examples=["asked not to be called"])


class DncOut(BaseModel):
    id: int
    phone: str
    reason: str
    source: str
    created_by: str | None
    created_at: datetime

    @classmethod
    def of(cls, e: repo.DncEntry, principal: Principal) -> DncOut:
        return cls(id=e.id, phone=phone_for(principal, e.phone) or "", reason=e.reason, source=e.source,
                   created_by=e.created_by, created_at=e.created_at)


@router.get("", response_model=list[DncOut], responses=READ_ERRORS)
async def list_all(principal: Viewer, conn: DB, limit: int = Query(default=500, ge=1, le=5000)) -> list[DncOut]:
    return [DncOut.of(e, principal) for e in await repo.list_dnc(conn, limit=limit)]


@router.post("", status_code=201, response_model=DncOut, responses=WRITE_ERRORS)
async def add(body: DncIn, principal: Admin, audit: Audit, conn: DB) -> DncOut:
    """Suppress a number (any common format; stored as E.164). Adding a listed number returns its entry."""
    phone = to_e164(body.phone)
    entry = await repo.add_dnc(conn, phone, source="admin", reason=body.reason, created_by=principal.subject)
    customer = await find_by_phone(conn, phone)
    await repo.record_event(conn, category="dnc", code="dnc_added", customer_id=customer.id if customer else None,
                            details={"source": "admin", "entry_id": entry.id})
    await audit.record(conn, action="create", resource_type="dnc_entry", resource_id=entry.id, after=entry)
    return DncOut.of(entry, principal)


@router.delete("/{entry_id}", status_code=204, response_class=Response, responses=WRITE_ERRORS)
async def remove(principal: Admin, audit: Audit, conn: DB, entry_id: int = Path(ge=1, le=BIGINT_MAX)) -> Response:
    entry = await repo.remove_dnc(conn, entry_id)
    customer = await find_by_phone(conn, entry.phone)
    await repo.record_event(conn, category="dnc", code="dnc_removed", customer_id=customer.id if customer else None,
                            details={"source": "admin", "entry_id": entry.id})
    await audit.record(conn, action="delete", resource_type="dnc_entry", resource_id=entry_id, before=entry)
    return Response(status_code=204)
