"""/api/v1/policy: the default collection policy negotiations stay within (admins change it; audited)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from functions.api.common import DB, ITEM_ERRORS, WRITE_ERRORS, Admin, Audit, Viewer
from shared.db import policies as repo
from shared.db.errors import NotFoundError

router = APIRouter(prefix="/api/v1/policy", tags=["policy"])



class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    settlement_floor_pct: Decimal = Field(gt=0, le=100, max_digits=5, decimal_places=2, examples=["70.00"])
    settlement_anchor_pct: Decimal = Field(gt=0, le=100, max_digits=5, decimal_places=2, examples=["100.00"])
    negotiation_step_pct: Decimal = Field(default=Decimal("5"), gt=0, le=50, max_digits=5, decimal_places=2)
    plan_lengths: list[int] = Field(min_length=1, max_length=24, examples=[[3, 6, 12]])
    max_plan_months: int = Field(ge=1, le=60, examples=[12])
    min_instalment: Decimal = Field(ge=0, le=Decimal("9999999999.99"), decimal_places=2, examples=["25.00"])
    hardship_deferral_days: int = Field(default=0, ge=0, le=180)
    hardship_min_days_overdue: int = Field(default=0, ge=0, le=36500)
    approved_by: str | None = Field(default=None, max_length=200, pattern=r"^[^\x00]*$",
                                    examples=["Compliance Counsel"])

    @model_validator(mode="after")
    def _consistent(self) -> PolicyIn:
        if self.settlement_anchor_pct < self.settlement_floor_pct:
            raise ValueError("settlement_anchor_pct must be at least settlement_floor_pct")
        if any(n < 1 or n > self.max_plan_months for n in self.plan_lengths):
            raise ValueError("every plan length must be between 1 and max_plan_months")
        return self


class PolicyOut(BaseModel):
    id: int
    name: str
    is_default: bool
    settlement_floor_pct: Decimal
    settlement_anchor_pct: Decimal
    negotiation_step_pct: Decimal
    plan_lengths: list[int]
    max_plan_months: int
    min_instalment: Decimal
    hardship_deferral_days: int
    hardship_min_days_overdue: int
    approved_by: str | None
    effective_from: date
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, p: repo.CollectionPolicy) -> PolicyOut:
        return cls(**{n: getattr(p, n) for n in cls.model_fields})


async def _default(conn: DB) -> repo.CollectionPolicy | None:
    try:
        return await repo.policy_for_customer(conn, None)
    except NotFoundError:
        return None


@router.get("", response_model=PolicyOut, responses=ITEM_ERRORS)
async def read(principal: Viewer, conn: DB) -> PolicyOut:
    """The default collection policy."""
    policy = await _default(conn)
    if policy is None:
        raise NotFoundError("no collection policy configured")
    return PolicyOut.of(policy)


@router.put("", response_model=PolicyOut, responses=WRITE_ERRORS,
            openapi_extra={"requestBody": {"content": {"application/json": {"example": {
                "settlement_floor_pct": "70.00", "settlement_anchor_pct": "100.00", "negotiation_step_pct": "5.00",
                "plan_lengths": [3, 6, 12], "max_plan_months": 12, "min_instalment": "25.00",
                "hardship_deferral_days": 30, "hardship_min_days_overdue": 30,
                "approved_by": "Compliance Counsel"}}}}})
async def replace(body: PolicyIn, principal: Admin, audit: Audit, conn: DB) -> PolicyOut:
    """Replace the default policy's terms (created as `standard_consumer` when none exists)."""
    before = await _default(conn)
    after = await repo.upsert_policy(conn, name=before.name if before else "standard_consumer", is_default=True,
                                     **body.model_dump())
    await audit.record(conn, action="update", resource_type="collection_policy", resource_id=after.id,
                       before=before, after=after)
    return PolicyOut.of(after)
