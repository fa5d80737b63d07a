"""Inbound SMS: opt-out keywords revoke consent to be called (recorded, number suppressed), HELP gets the
fixed help text, anything else goes on the customer's timeline. Retries (same MessageSid) change nothing.

TCPA revocation (2025 rule): a single-word STOP/QUIT/END/REVOKE/OPT OUT/CANCEL/UNSUBSCRIBE reply, or a
reasonable plain-words request ("stop calling me"), is honoured at once.
"""
from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from typing import Literal

from psycopg import AsyncConnection

from shared.db import compliance_records
from shared.db import customers as customers_repo
from shared.phone import InvalidPhoneError, to_e164
from shared.pii import mask_phone
from shared.telephony.messages import record_message

log = logging.getLogger(__name__)

STOP_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})
_STOP_PHRASES = re.compile(r"\b(stop (calling|texting|contacting)|do not (call|contact)|don'?t (call|contact)|"
                           r"opt[- ]?out|unsubscribe)\b", re.I)
SmsKind = Literal["stop", "help", "other"]


@dataclass(frozen=True)
class InboundSms:
    message_sid: str
    from_number: str
    to_number: str
    body: str


@dataclass(frozen=True)
class SmsOutcome:
    kind: SmsKind
    reply: str | None
    customer_id: uuid.UUID | None
    duplicate: bool


def classify(body: str) -> SmsKind:
    """stop, help or other: a keyword is the whole message, ignoring case, spaces and punctuation."""
    word = re.sub(r"[^A-Za-z]", "", body).upper()
    if word in STOP_KEYWORDS:
        return "stop"
    if word in HELP_KEYWORDS:
        return "help"
    return "stop" if _STOP_PHRASES.search(body) else "other"


def help_text(*, bank_name: str, callback_number: str) -> str:
    # Whoever holds the phone may read this: it names the bank, never a debt.
    return f"{bank_name}: for help, call us at {callback_number}. Reply STOP to opt out of calls and texts."


async def handle_inbound_sms(conn: AsyncConnection, sms: InboundSms, *, bank_name: str,
                             callback_number: str) -> SmsOutcome:
    """Apply one inbound SMS. STOP gets no reply of ours: Twilio's opt-out handling confirms it."""
    kind = classify(sms.body)
    reply = help_text(bank_name=bank_name, callback_number=callback_number) if kind == "help" else None
    try:
        phone: str | None = to_e164(sms.from_number)
    except InvalidPhoneError:
        phone = None  # short codes and alphanumeric senders cannot be customers or be dialled
    customer = await customers_repo.find_by_phone(conn, phone) if phone else None
    customer_id = customer.id if customer else None
    if phone is None:
        log.info("sms_from_non_number", extra={"message_sid": sms.message_sid})
        return SmsOutcome(kind, reply, None, duplicate=False)
    stored = await record_message(conn, direction="inbound", phone=phone, body=sms.body, status="received",
                                  message_sid=sms.message_sid, customer_id=customer_id)
    if stored is None:
        return SmsOutcome(kind, reply, customer_id, duplicate=True)
    if kind == "stop":
        await _revoke(conn, phone, customer_id, sms)
    else:
        await compliance_records.record_event(conn, category="sms", code=f"inbound_{kind}", customer_id=customer_id,
                                              details={"message_sid": sms.message_sid})
    log.info("sms_received", extra={"from": mask_phone(phone), "kind": kind, "customer_known": customer is not None})
    return SmsOutcome(kind, reply, customer_id, duplicate=False)


async def _revoke(conn: AsyncConnection, phone: str, customer_id: uuid.UUID | None, sms: InboundSms) -> None:
    if customer_id is not None:
        await customers_repo.set_flag(conn, customer_id, "consent_revoked")
    await compliance_records.add_dnc(conn, phone, source="sms_stop", reason="SMS opt-out", created_by="twilio_sms")
    await compliance_records.record_event(conn, category="consent", code="consent_revoked", customer_id=customer_id,
                                          details={"via": "sms", "message_sid": sms.message_sid})
