"""Fixed disclosure texts (identification, recording notice, mini-Miranda, third-party, voicemail) per bank, and the
record of each one played (COMPLIANCE §2, §3). The texts live in policy/disclosures.toml, reviewed by counsel."""
from __future__ import annotations

import functools
import re
import tomllib
import uuid
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import phonenumbers
from psycopg import AsyncConnection
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from shared.compliance.guard import GuardContext, find_violations
from shared.db import compliance_records

POLICY_FILE = Path(__file__).parent / "policy" / "disclosures.toml"
MINI_MIRANDA = "This is an attempt to collect a debt and any information obtained will be used for that purpose."


class DisclosureKind(StrEnum):
    AI_IDENTIFICATION = "ai_identification"
    RECORDING_NOTICE = "recording_notice"
    MINI_MIRANDA_FIRST = "mini_miranda_first"
    MINI_MIRANDA_SUBSEQUENT = "mini_miranda_subsequent"
    THIRD_PARTY_LOCATION = "third_party_location"
    VOICEMAIL = "voicemail"


class DisclosureError(ValueError):
    """The disclosure policy file is malformed or a text breaks the rules it exists to satisfy."""


# Words that would tell a third party or a voicemail listener that this is about a debt.
_COLLECTION_HINT = re.compile(r"\b(collect\w*|debts?|recover(y|ies)?|arrears|delinquen\w*|credit control)\b", re.I)
_UNVERIFIED = GuardContext(verified=False)


class DisclosureTexts(BaseModel):
    """One bank's texts; every placeholder is filled at speaking time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ai_identification: str
    recording_notice: str
    mini_miranda_first: str
    mini_miranda_subsequent: str
    third_party_location: str
    voicemail: str
    contact_name: str
    voicemail_business_name: str = ""

    @field_validator("mini_miranda_first")
    @classmethod
    def _exact_mini_miranda(cls, v: str) -> str:
        if v.strip() != MINI_MIRANDA:
            raise ValueError("mini_miranda_first must be the exact Reg F wording")
        return v

    @model_validator(mode="after")
    def _rules(self) -> DisclosureTexts:
        if "{agent_name}" not in self.ai_identification or "{bank_name}" not in self.ai_identification:
            raise ValueError("ai_identification must name the agent and the bank")
        if not re.search(r"\b(AI|automated|artificial)\b", self.ai_identification):
            raise ValueError("ai_identification must say the caller is an automated AI agent")
        if "{callback_number}" not in self.ai_identification or "{callback_number}" not in self.voicemail:
            raise ValueError("ai_identification and voicemail must give the callback number")
        if "{contact_name}" not in self.voicemail:
            raise ValueError("voicemail must name a natural person to contact")
        if "debt collector" not in self.mini_miranda_subsequent:
            raise ValueError("mini_miranda_subsequent must say the call is from a debt collector")
        for name in ("third_party_location", "voicemail", "ai_identification", "recording_notice"):
            text = getattr(self, name)
            if _COLLECTION_HINT.search(text) or find_violations(text, _UNVERIFIED):
                raise ValueError(f"{name} may be heard by a third party: it must not suggest a debt")
        if _COLLECTION_HINT.search(self.voicemail_business_name):
            raise ValueError("voicemail_business_name must not suggest debt collection")
        return self


class DisclosureConfig(BaseModel):
    """The checked-in policy: default texts, per-bank overrides, and who approved them when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    approved_by: str
    effective_date: date
    default: DisclosureTexts
    banks: dict[str, dict[str, str]] = {}

    @model_validator(mode="after")
    def _overrides_are_valid(self) -> DisclosureConfig:
        for bank in self.banks:
            self.texts_for(bank)
        return self

    def texts_for(self, bank_name: str) -> DisclosureTexts:
        override = self.banks.get(bank_name)
        if not override:
            return self.default
        return DisclosureTexts.model_validate({**self.default.model_dump(), **override})


def load_disclosure_config(path: Path = POLICY_FILE) -> DisclosureConfig:
    """Parse and validate a disclosure policy file; DisclosureError names what is wrong."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        return DisclosureConfig.model_validate(data)
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise DisclosureError(f"{path.name}: {exc}") from None


@functools.cache
def disclosure_config() -> DisclosureConfig:
    return load_disclosure_config()


def spoken_number(e164: str) -> str:
    """'+18005550100' → '1-800-555-0100': how a callback number is read out."""
    try:
        parsed = phonenumbers.parse(e164, "US")
    except phonenumbers.NumberParseException:
        return e164
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = re.sub(r"\D", "", national)
    if parsed.country_code == 1 and len(digits) == 10:
        return f"1-{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return national


def disclosure_text(kind: DisclosureKind, *, bank_name: str, agent_name: str, callback_number: str,
                    config: DisclosureConfig | None = None) -> str:
    """The fixed text of one disclosure for this bank, placeholders filled."""
    texts = (config or disclosure_config()).texts_for(bank_name)
    business = texts.voicemail_business_name or bank_name
    if kind is DisclosureKind.VOICEMAIL and _COLLECTION_HINT.search(business):
        raise DisclosureError("the voicemail business name must not suggest debt collection")
    template: str = getattr(texts, kind.value)
    return template.format(bank_name=bank_name, agent_name=agent_name, callback_number=spoken_number(callback_number),
                           contact_name=texts.contact_name, voicemail_business_name=business)


async def record_disclosure(conn: AsyncConnection, *, kind: DisclosureKind, call_id: uuid.UUID,
                            customer_id: uuid.UUID | None) -> None:
    """Log that a disclosure was played now (compliance_events category 'disclosure', code = kind)."""
    await compliance_records.record_event(conn, category="disclosure", code=kind.value, customer_id=customer_id,
                                          call_id=call_id, details={"policy_version": disclosure_config().version})


async def is_first_conversation(conn: AsyncConnection, customer_id: uuid.UUID) -> bool:
    """True until this consumer has once been given the mini-Miranda (first or subsequent form)."""
    cur = await conn.execute(
        """SELECT 1 FROM compliance_events WHERE customer_id = %s AND category = 'disclosure'
             AND code IN ('mini_miranda_first', 'mini_miranda_subsequent') LIMIT 1""", (customer_id,))
    return await cur.fetchone() is None
