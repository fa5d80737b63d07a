"""The engine's view of the compliance part: caller intents, fixed disclosures and their record.

Delegates to shared.compliance when it is installed; until then, a minimal built-in rule set keeps the engine whole.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from enum import StrEnum

from psycopg import AsyncConnection

from shared.db import compliance_records, customers


class Intent(StrEnum):
    STOP_CALLING = "stop_calling"
    ATTORNEY = "attorney"
    BANKRUPTCY = "bankruptcy"
    DISPUTE = "dispute"
    WRONG_PARTY = "wrong_party"
    HARDSHIP = "hardship"
    ROBOT_QUESTION = "robot_question"
    HUMAN_REQUEST = "human_request"


class Disclosure(StrEnum):
    AI_IDENTIFICATION = "ai_identification"
    RECORDING_NOTICE = "recording_notice"
    MINI_MIRANDA_FIRST = "mini_miranda_first"
    MINI_MIRANDA_SUBSEQUENT = "mini_miranda_subsequent"
    THIRD_PARTY_LOCATION = "third_party_location"
    VOICEMAIL = "voicemail"


@dataclass(frozen=True)
class IntentMatch:
    intent: Intent
    evidence: str


_INTENT_PATTERNS: list[tuple[Intent, re.Pattern[str]]] = [
    (Intent.STOP_CALLING, re.compile(
        r"\b(stop|quit) (calling|contacting|phoning)|\b(don'?t|do not|never) (call|contact|phone) me|remove my number|"
        r"take me off (your|the) (list|calls)|lose my number|cease (all )?(contact|communication)")),
    (Intent.ATTORNEY, re.compile(
        r"\b(my|an|a|our) (attorney|lawyer|legal counsel)\b|\brepresented by (an? )?(attorney|lawyer|counsel)|"
        r"\btalk to my (attorney|lawyer)")),
    (Intent.BANKRUPTCY, re.compile(r"\bbankrupt(cy)?\b|\bchapter (7|11|13|seven|eleven|thirteen)\b")),
    (Intent.DISPUTE, re.compile(
        r"\bdispute\b|\bnot my (debt|account)\b|\b(don'?t|do not) owe\b|\bnever (opened|had) (this|that|an?) "
        r"(account|card|loan)|\b(this|that) (debt|balance|amount) is (wrong|incorrect|not mine)")),
    (Intent.WRONG_PARTY, re.compile(
        r"\bwrong number\b|\bno (one|body) (here )?(by|named|called) that\b|\bno one by that name\b|"
        r"\bnever heard of (him|her|them)\b|\b(doesn'?t|does not) live here\b")),
    (Intent.HARDSHIP, re.compile(
        r"\blost my job\b|\blaid off\b|\bunemployed\b|\bout of work\b|\bhardship\b|\bmedical (bills?|emergency)\b|"
        r"\bin (the )?hospital\b|\bstruggling\b|\bcan'?t afford\b|\bmoney is (really )?tight\b")),
    (Intent.ROBOT_QUESTION, re.compile(
        r"\b(are you|am i (talking|speaking) (to|with)|is this) (a |an )?(robot|machine|bot|computer|ai|"
        r"real person|human|recording)\b")),
    (Intent.HUMAN_REQUEST, re.compile(
        r"\b(speak|talk) (to|with) (a |an |some |someone|somebody|a real )?(real )?(person|human|agent|"
        r"representative|someone|somebody|manager|supervisor)|\b(put|transfer|connect) me (through|to)|"
        r"\b(live|real) (person|agent|human)\b|\boperator\b")),
]


def detect_intents(text: str) -> list[IntentMatch]:
    """Every caller intent of COMPLIANCE §2 in one utterance; a robot question is never a human request."""
    low = text.lower().replace("’", "'")
    try:
        from shared.compliance import intents as upstream  # the compliance part's detector, when present
    except ImportError:
        upstream = None
    if upstream is not None:
        return [IntentMatch(Intent(str(m.intent)), m.evidence) for m in upstream.detect_intents(text)]
    found = [IntentMatch(intent, m.group(0)) for intent, rx in _INTENT_PATTERNS if (m := rx.search(low))]
    if any(f.intent is Intent.ROBOT_QUESTION for f in found):
        found = [f for f in found if f.intent is not Intent.HUMAN_REQUEST]
    return found


# Which customer flag each intent stamps (the pre-dial gate reads them).
_INTENT_FLAGS: dict[Intent, tuple[str, ...]] = {
    Intent.STOP_CALLING: ("cease", "consent_revoked"), Intent.ATTORNEY: ("attorney",),
    Intent.BANKRUPTCY: ("bankruptcy",), Intent.DISPUTE: ("dispute",), Intent.HARDSHIP: ("hardship",),
}


async def apply_intent(conn: AsyncConnection, *, intent: Intent, customer_id: uuid.UUID | None, call_id: uuid.UUID,
                       evidence: str, details: dict[str, str] | None = None, phone: str | None = None) -> None:
    """Record the intent and its required action (customer flags, suppression) in the compliance record."""
    try:
        from shared.compliance import intents as upstream
    except ImportError:
        upstream = None
    if upstream is not None and customer_id is not None:
        await upstream.apply_intent(conn, intent=upstream.Intent(intent.value), customer_id=customer_id,
                                    call_id=call_id, evidence=evidence, details=details)
        return
    await compliance_records.record_event(conn, category="intent", code=f"intent_{intent.value}",
                                          customer_id=customer_id, call_id=call_id,
                                          details={"evidence": evidence[:200], **(details or {})})
    if customer_id is not None:
        for flag in _INTENT_FLAGS.get(intent, ()):
            await customers.set_flag(conn, customer_id, flag, details if flag == "attorney" else None)
    if intent is Intent.WRONG_PARTY and phone:
        await compliance_records.add_dnc(conn, phone, source="consumer_request", reason="wrong number",
                                         created_by="agent")


_DISCLOSURE_TEXT = {
    Disclosure.AI_IDENTIFICATION: "Hello, this is {agent_name}, an automated AI assistant calling from {bank_name}.",
    Disclosure.RECORDING_NOTICE: "This call is recorded for quality and compliance purposes.",
    Disclosure.MINI_MIRANDA_FIRST: ("This is an attempt to collect a debt and any information obtained will be used "
                                    "for that purpose."),
    Disclosure.MINI_MIRANDA_SUBSEQUENT: "This is a communication from a debt collector.",
    Disclosure.THIRD_PARTY_LOCATION: ("This is {agent_name} with {bank_name}, calling to confirm location "
                                      "information. Could you please ask them to call us back at {callback_number}?"),
    Disclosure.VOICEMAIL: ("Hello, this is {agent_name} from {bank_name}. Please call us back at {callback_number}. "
                           "Thank you."),
}


def disclosure_text(kind: Disclosure, *, bank_name: str, agent_name: str, callback_number: str) -> str:
    """The fixed, signed-off wording of a disclosure (never generated)."""
    try:
        from shared.compliance import disclosures as upstream
    except ImportError:
        upstream = None
    if upstream is not None:
        return str(upstream.disclosure_text(upstream.DisclosureKind[kind.name], bank_name=bank_name,
                                            agent_name=agent_name, callback_number=callback_number))
    return _DISCLOSURE_TEXT[kind].format(agent_name=agent_name, bank_name=bank_name,
                                         callback_number=_spoken_phone(callback_number))


def _spoken_phone(e164: str) -> str:
    digits = re.sub(r"\D", "", e164)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}" if len(digits) == 10 else e164


async def record_disclosure(conn: AsyncConnection, *, kind: Disclosure, call_id: uuid.UUID,
                            customer_id: uuid.UUID | None) -> None:
    try:
        from shared.compliance import disclosures as upstream
    except ImportError:
        upstream = None
    if upstream is not None:
        await upstream.record_disclosure(conn, kind=upstream.DisclosureKind[kind.name], call_id=call_id,
                                         customer_id=customer_id)
        return
    await compliance_records.record_event(conn, category="disclosure", code=kind.value, customer_id=customer_id,
                                          call_id=call_id)


async def is_first_conversation(conn: AsyncConnection, customer_id: uuid.UUID, call_id: uuid.UUID) -> bool:
    """True when no earlier call with this customer reached a verified conversation."""
    try:
        from shared.compliance import disclosures as upstream
    except ImportError:
        upstream = None
    if upstream is not None:
        return bool(await upstream.is_first_conversation(conn, customer_id))
    cur = await conn.execute("SELECT 1 FROM calls WHERE customer_id = %s AND id <> %s AND conversation_at IS NOT NULL "
                             "LIMIT 1", (customer_id, call_id))
    return await cur.fetchone() is None
