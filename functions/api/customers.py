"""/api/v1/customers: list, read, create, update, delete, CSV import (all-or-nothing) and CSV export."""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from functions.api.common import (
    DB,
    ITEM_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    Admin,
    Audit,
    Page,
    Viewer,
    account_for,
    phone_for,
)
from functions.auth import Principal
from functions.deps import get_pool
from functions.problems import ProblemError, problem_responses
from shared.admin import customer_csv
from shared.admin.call_search import BadCursorError, decode_cursor, encode_cursor
from shared.admin.customer_flags import CustomerFlag, flags_for
from shared.admin.customer_input import BIGINT_MAX, CustomerInput
from shared.admin.customer_records import add_customer, delete_customer, update_customer
from shared.db.customers import Customer, get_customer, list_customers

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])


class FlagOut(BaseModel):
    """One compliance or handling flag: what, since when, from where (a call, an SMS, the DNC list, the record)."""

    code: Literal["dnc", "cease", "attorney", "bankruptcy", "dispute", "consent_revoked", "hardship",
                  "sensitive_handling", "language", "time_barred"]
    since: datetime | None
    source: str = Field(examples=["said on a call"])
    blocking: bool = Field(description="true when it stops collection calls")
    detail: str | None = Field(default=None, examples=["es"])
    call_id: uuid.UUID | None = None


class CustomerOut(BaseModel):
    """A customer as the API returns it (phone and account masked for viewers)."""

    id: uuid.UUID
    external_ref: str | None
    first_name: str
    last_name: str
    phone: str = Field(examples=["+12125550142"])
    phone_type: str
    account_last_4: str
    postal_code: str
    balance: Decimal = Field(examples=["1250.00"])
    days_overdue: int
    timezone: str | None
    country: str
    region: str | None
    policy_id: int | None
    consent_source: str | None
    consent_recorded_at: datetime | None
    consent_revoked_at: datetime | None
    cease_requested_at: datetime | None
    attorney_at: datetime | None
    bankruptcy_at: datetime | None
    disputed_at: datetime | None
    dispute_resolved_at: datetime | None
    hardship_at: datetime | None
    lawsuit_permitted: bool
    garnishment_permitted: bool
    time_barred: bool
    created_at: datetime
    updated_at: datetime
    flags: list[FlagOut] = Field(default_factory=list, description="DNC, cease, attorney, bankruptcy, dispute, "
                                 "sensitive handling, language ... with dates and sources")

    @classmethod
    def of(cls, c: Customer, principal: Principal, flags: list[CustomerFlag] | None = None) -> CustomerOut:
        data = {name: getattr(c, name) for name in cls.model_fields if name != "flags"}
        data["flags"] = [FlagOut(**vars(f)) for f in flags or []]
        data["phone"] = phone_for(principal, c.phone)
        data["account_last_4"] = account_for(principal, c.account_last_4)
        return cls(**data)


class CustomerPatch(BaseModel):
    """Fields to change; omitted fields keep their value. The result is validated as a whole."""

    model_config = ConfigDict(extra="forbid")

    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    phone: str | None = Field(default=None, min_length=3, max_length=40)
    phone_type: str | None = Field(default=None, max_length=20)
    account_last_4: str | None = Field(default=None, max_length=4)
    postal_code: str | None = Field(default=None, max_length=12)
    balance: Decimal | None = Field(default=None, ge=0, le=Decimal("9999999999.99"), decimal_places=2)
    days_overdue: int | None = Field(default=None, ge=0, le=36500)
    timezone: str | None = Field(default=None, max_length=64)
    country: str | None = Field(default=None, max_length=2)
    region: str | None = Field(default=None, max_length=2)
    external_ref: str | None = Field(default=None, max_length=100)
    consent_source: str | None = Field(default=None, max_length=200)
    policy_id: int | None = Field(default=None, ge=1, le=BIGINT_MAX)
    lawsuit_permitted: bool | None = None
    garnishment_permitted: bool | None = None
    time_barred: bool | None = None


class ImportResult(BaseModel):
    imported: int = Field(examples=[10000])


@router.get("", response_model=Page[CustomerOut], responses=READ_ERRORS)
async def list_all(principal: Viewer, conn: DB,
                   search: str | None = Query(default=None, max_length=100,
                                              description="name; for roles that see numbers unmasked also a phone "
                                                          "number in any format or the account's last four"),
                   limit: int = Query(default=50, ge=1, le=200),
                   cursor: str | None = Query(default=None, max_length=200)) -> Page[CustomerOut]:
    """Customers, newest first (keyset pagination)."""
    try:
        after = decode_cursor(cursor) if cursor else None
    except BadCursorError as exc:
        raise ProblemError(422, str(exc)) from None
    rows = await list_customers(conn, limit=limit + 1, after=after, search=search, by_numbers=not principal.masks_pii)
    more = len(rows) > limit
    rows = rows[:limit]
    flags = await flags_for(conn, [c.id for c in rows])
    return Page(items=[CustomerOut.of(c, principal, flags.get(c.id)) for c in rows],
                next_cursor=encode_cursor(rows[-1].created_at, rows[-1].id) if more and rows else None)


@router.get("/export.csv", response_class=StreamingResponse, responses={
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "the customers as CSV"},
    **READ_ERRORS})
async def export_csv(principal: Viewer, request: Request) -> StreamingResponse:
    """All customers as CSV, in the import's columns (an admin's export imports back unchanged)."""
    pool = await get_pool(request.app)

    async def body() -> AsyncIterator[str]:
        async with pool.connection() as conn:
            async for chunk in customer_csv.export_customers(conn, masked=principal.masks_pii):
                yield chunk

    return StreamingResponse(body(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="customers.csv"'})


_IMPORT_BODY: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"text/csv": {
        "schema": {"type": "string"},
        "example": "first_name,last_name,phone,account_last_4,postal_code,balance,days_overdue\n"
                   "Avery,Quinn,+12125550142,4821,10001,1250.00,45\n"}}}}


@router.post("/import", status_code=201, response_model=ImportResult, openapi_extra=_IMPORT_BODY,
             responses=problem_responses(401, 403, 409, 413, 415, 422, 429))
async def import_csv(principal: Admin, audit: Audit, conn: DB, request: Request) -> ImportResult:
    """Import a CSV (UTF-8, header row; columns as the export). Every row is validated first; one bad row
    imports nothing and the problem's `errors` lists each bad row as loc ["row", n, column]."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("text/csv", "application/csv", "text/plain"):
        raise ProblemError(415, "send the file as text/csv")
    rows = await customer_csv.parse_customers(request.stream())
    imported = await customer_csv.import_customers(conn, rows)
    await audit.record(conn, action="import", resource_type="customer", resource_id=None,
                       after={"imported": imported})
    return ImportResult(imported=imported)


@router.post("", status_code=201, response_model=CustomerOut, responses=WRITE_ERRORS,
             openapi_extra={"requestBody": {"content": {"application/json": {"example": {
                 "first_name": "Avery", "last_name": "Quinn", "phone": "(212) 555-0142", "account_last_4": "4821",
                 "postal_code": "10001", "balance": "1250.00", "days_overdue": 45, "region": "NY"}}}}})
async def create(body: CustomerInput, principal: Admin, audit: Audit, conn: DB) -> CustomerOut:
    """Create a customer; the phone number is stored as E.164."""
    customer = await add_customer(conn, body)
    await audit.record(conn, action="create", resource_type="customer", resource_id=customer.id, after=customer)
    return CustomerOut.of(customer, principal)


@router.get("/{customer_id}", response_model=CustomerOut, responses=ITEM_ERRORS)
async def read(customer_id: uuid.UUID, principal: Viewer, conn: DB) -> CustomerOut:
    customer = await get_customer(conn, customer_id)
    return CustomerOut.of(customer, principal, (await flags_for(conn, [customer.id])).get(customer.id))


@router.patch("/{customer_id}", response_model=CustomerOut, responses=WRITE_ERRORS)
async def update(customer_id: uuid.UUID, body: CustomerPatch, principal: Admin, audit: Audit,
                 conn: DB) -> CustomerOut:
    before = await get_customer(conn, customer_id)
    after = await update_customer(conn, customer_id, body.model_dump(exclude_unset=True))
    await audit.record(conn, action="update", resource_type="customer", resource_id=customer_id, before=before,
                       after=after)
    return CustomerOut.of(after, principal, (await flags_for(conn, [after.id])).get(after.id))


@router.delete("/{customer_id}", status_code=204, response_class=Response, responses=WRITE_ERRORS)
async def delete(customer_id: uuid.UUID, principal: Admin, audit: Audit, conn: DB) -> Response:
    """Delete a customer who has no compliance record (else 409)."""
    before = await delete_customer(conn, customer_id)
    await audit.record(conn, action="delete", resource_type="customer", resource_id=customer_id, before=before)
    return Response(status_code=204)
