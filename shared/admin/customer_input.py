"""A customer as an admin enters it (form or CSV row): validated, phone normalized to E.164.

The same model validates POST /customers, PATCH (after merging) and every row of a CSV import.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from shared.phone import InvalidPhoneError, to_e164

INT4_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1
_NO_NUL = r"^[^\x00]*$"


class CustomerInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    country: Literal["US", "CA"] = "US"
    first_name: str = Field(min_length=1, max_length=100, pattern=_NO_NUL, examples=["Avery"])
    last_name: str = Field(min_length=1, max_length=100, pattern=_NO_NUL, examples=["Quinn"])
    phone: str = Field(min_length=3, max_length=40, description="any common format; stored as E.164",
                       examples=["+1 (212) 555-0142"])
    phone_type: Literal["mobile", "landline", "voip", "unknown"] = "unknown"
    account_last_4: str = Field(pattern=r"^[0-9]{4}$", examples=["4821"])
    postal_code: str = Field(min_length=3, max_length=12, pattern=r"^[A-Za-z0-9 -]+$", examples=["10001"])
    balance: Decimal = Field(ge=0, le=Decimal("9999999999.99"), decimal_places=2, examples=["1250.00"])
    days_overdue: int = Field(ge=0, le=36500, examples=[45])
    timezone: str | None = Field(default=None, max_length=64, examples=["America/New_York"])
    region: str | None = Field(default=None, pattern=r"^[A-Z]{2}$", examples=["NY"])
    external_ref: str | None = Field(default=None, min_length=1, max_length=100, pattern=_NO_NUL)
    consent_source: str | None = Field(default=None, min_length=1, max_length=200, pattern=_NO_NUL)
    policy_id: int | None = Field(default=None, ge=1, le=BIGINT_MAX)
    lawsuit_permitted: bool = False
    garnishment_permitted: bool = False
    time_barred: bool = False

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not an IANA time zone") from None
        return v

    @field_validator("phone")
    @classmethod
    def _phone_e164(cls, v: str, info: ValidationInfo) -> str:
        # `country` is declared first, so it is already validated here and sets the default dialing region.
        try:
            return to_e164(v, str(info.data.get("country", "US")))
        except InvalidPhoneError as exc:
            raise ValueError(str(exc)) from None
