"""Caller intents that carry a legal duty (stop calling, attorney, bankruptcy, dispute, wrong party, hardship, robot,
human): deterministic detection on the transcript and the recorded action for each (COMPLIANCE §2)."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from psycopg import AsyncConnection

from shared.compliance.guard import normalize
from shared.db import compliance_records, customers
from shared.pii import mask_text


class Intent(StrEnum):
    STOP_CALLING = "stop_calling"
    ATTORNEY = "attorney"
    BANKRUPTCY = "bankruptcy"
    DISPUTE = "dispute"
    WRONG_PARTY = "wrong_party"
    HARDSHIP = "hardship"
    ROBOT_QUESTION = "robot_question"
    HUMAN_REQUEST = "human_request"


@dataclass(frozen=True)
class IntentMatch:
    intent: Intent
    evidence: str          # the words that matched, as the caller said them (normalized)


REQUIRED_ACTION: dict[Intent, str] = {
    Intent.STOP_CALLING: ("Record the revocation (cease flag + consent revoked), confirm no more calls, "
                          "end the call politely."),
    Intent.ATTORNEY: "Record the attorney representation (with details if given), stop collecting, end the call.",
    Intent.BANKRUPTCY: "Record the bankruptcy, stop collecting (automatic stay), route the account to a human.",
    Intent.DISPUTE: "Record the dispute, stop asking for payment on the disputed amount, offer a human.",
    Intent.WRONG_PARTY: "Apologize, disclose nothing, end the call, flag the number (internal do-not-call).",
    Intent.HARDSHIP: "Record the hardship and offer the empathetic options (deferral, smaller plan).",
    Intent.ROBOT_QUESTION: "Answer truthfully: the caller is speaking with an automated AI agent.",
    Intent.HUMAN_REQUEST: "Offer a transfer to a human agent (or a callback when none is available).",
}

# The action code recorded (compliance_events category 'action') and the customer flags stamped, per intent.
ACTION_CODE: dict[Intent, str] = {
    Intent.STOP_CALLING: "cease_recorded", Intent.ATTORNEY: "attorney_recorded",
    Intent.BANKRUPTCY: "bankruptcy_recorded", Intent.DISPUTE: "dispute_recorded",
    Intent.WRONG_PARTY: "number_flagged", Intent.HARDSHIP: "hardship_recorded",
    Intent.ROBOT_QUESTION: "ai_disclosed", Intent.HUMAN_REQUEST: "human_offered",
}
FLAGS: dict[Intent, tuple[str, ...]] = {
    Intent.STOP_CALLING: ("cease", "consent_revoked"), Intent.ATTORNEY: ("attorney",),
    Intent.BANKRUPTCY: ("bankruptcy",), Intent.DISPUTE: ("dispute",), Intent.HARDSHIP: ("hardship",),
}


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts))


_CALL = r"(call|calling|ring|ringing|phone|phoning|contact|contacting|bother|bothering|harass|harassing|hassle|hassling)"
_PATTERNS: dict[Intent, re.Pattern[str]] = {
    Intent.STOP_CALLING: _rx(
        rf"\b(stop|quit|cease|no more|enough) {_CALL}\w*( me| us| here| this number)?\b",
        rf"\b(dont|do not|never|never ever) {_CALL}( me| us| here| this number)?( again| anymore| ever)?\b",
        r"\b(take|remove|delete|erase|scrub) (me|my number|this number|my name)( off| from)\b",
        r"\b(put|add) (me|my number|this number) (on|to) (your |the )?(do not call|dnc|no call)",
        r"\b(do not call|dnc) list\b",
        r"\blose (my|this) number\b",
        r"\bno more (calls|phone calls)\b",
        r"\b(leave me alone|unsubscribe|opt ?out|revoke (my )?consent)\b",
        r"\bi (dont|do not) want (any more|more|your) (calls|phone calls)\b",
        r"^\s*stop( calling| it)?[.! ]*$",
    ),
    Intent.ATTORNEY: _rx(
        r"\b(my|our) (lawyers?|attorneys?|counsel|solicitors?|law firm|legal (representative|counsel|aid))\b",
        r"\brepresented by (a |an |my )?(lawyer|attorney|counsel|law firm)\b",
        r"\bi (have|got|hired|retained|am using|use) (a |an )?(lawyer|attorney|counsel|law firm)\b",
        r"\b(lawyer|attorney)(s)? (is|are) (handling|dealing with|representing)\b",
        r"\b(talk|speak|go through|deal|deal with|contact|call|get in touch with) (to |with )?(a |an |"
        r"my )?(lawyer|attorney)\b",
        r"\blawyer(ed|ing)? up\b",
        r"\bi (am|m) represented\b",
    ),
    Intent.BANKRUPTCY: _rx(
        r"\bbankrupt(cy|cies)?\b",
        r"\bchapter (7|11|13|seven|eleven|thirteen)\b",
        r"\b(automatic stay|bankruptcy (court|trustee|lawyer|attorney)|filed for protection)\b",
        r"\b(filed|filing|file) (for )?(ch(apter)? ?(7|11|13)|insolvency|a consumer proposal)\b",
        r"\binsolven(t|cy)\b",
    ),
    Intent.DISPUTE: _rx(
        r"\b(i|we) (dont|do not|didnt|did not|never) (owe|borrow|open|opened|sign|signed|take out|took out)\b",
        r"\b(thats|that is|this is|its|it is) not (my|our) (debt|account|loan|card|bill|balance)\b",
        r"\bnot (my|our) (debt|loan|account)\b",
        r"\b(i|we) dispute\b|\bdisput(e|ing) (this|that|the|it)\b",
        r"\b(already|fully) paid\b|\bpaid (it|that|this)( off| in full)?\b",
        r"\b(wrong|incorrect|inaccurate) (amount|balance|figure)\b|\b(amount|balance) is (wrong|incorrect|not right)\b",
        r"\b(this|that|it) (is|s) (a mistake|an error|wrong|incorrect)\b|\bthats (a mistake|wrong)\b",
        r"\b(identity theft|stolen identity|someone stole my identity|fraudulent (account|charges?))\b",
        r"\b(prove it|validation notice|validate (the|this) debt|verify (the|this) debt|send me proof)\b",
    ),
    Intent.WRONG_PARTY: _rx(
        r"\bwrong (number|person|guy|lady|man|woman|house|people)\b",
        r"\b(no one|nobody|no body|noone|there is no one|theres no one|theres nobody) (here )?(by|with|called|"
        r"named) that name\b",
        r"\b(no|nobody|theres no|there is no) [a-z]+ (here|lives here|at this number)\b",
        r"\b(he|she|they|[a-z]+) (doesnt|does not|dont|do not|no longer) (live|lives|work|works) (here|at this number)\b",
        r"\b(got|have|called|dialed|dialled|reached) (the|a) wrong\b",
        r"\b(dont|do not) know (who that is|anyone|any|him|her|who youre|who you are)\b",
        r"\bnever heard of (him|her|them|that person)\b",
        r"\b(thats|that is|its|it is) not me\b|\b(i am|im) not (him|her|that person|the person)\b",
        r"\bnot (his|her) (number|phone)\b",
    ),
    Intent.HARDSHIP: _rx(
        r"\b(lost|lose|losing) (my|our) (job|jobs|work|income|house|home|husband|wife|partner)\b",
        r"\b(unemployed|laid off|let go|furlough(ed)?|out of work|between jobs|got fired|was fired)\b",
        r"\b(cant|can not|cannot|couldnt|unable to) (afford|pay|make (the |my )?payments?)\b",
        r"\b(medical (bills|emergency|issues|problems)|in the hospital|hospitali[sz]ed|surgery|cancer|chemo|disabled|"
        r"disability|sick|illness|injur(y|ed))\b",
        r"\b(divorce|separated|passed away|died|death in the family|funeral|bereavement)\b",
        r"\b(struggling|hardship|tight on money|no money|broke|fixed income|barely getting by|living paycheck)\b",
        r"\b(cut|reduced) (my |our )?(hours|pay|salary)\b",
    ),
    Intent.ROBOT_QUESTION: _rx(
        r"\b(are|r) (you|u) (a |an )?(robot|bot|machine|computer|ai|artificial|automated|recording|real|human|person|"
        r"real person|live person|actual person)\b",
        r"\b(am i|is this|im) (talking|speaking|chatting) (to|with) (a |an )?(robot|bot|machine|computer|ai|"
        r"real person|human|person|recording)\b",
        r"\bis this (a |an )?(robot|bot|machine|recording|automated|computer|ai|real person)\b",
        r"\b(this is|youre|you are) (a |an )?(robot|bot|machine|computer)\b",
    ),
    Intent.HUMAN_REQUEST: _rx(
        r"\b(talk|speak|speaking|talking) (to|with) (a |an |the |your |some )?(real |actual |live )?(human|person|"
        r"representative|rep|agent|manager|supervisor|operator|somebody|someone|people)\b",
        r"\b(transfer|connect|put) me (through|to|over)\b",
        r"\b(get|give) me (a |an |the |your )?(real |actual |live )?(human|person|representative|manager|"
        r"supervisor|operator)\b",
        r"\b(i want|i need|id like|let me have) (a |an |the )?(real |actual |live )?(human|person|representative|manager|"
        r"supervisor|operator)\b",
        r"^\s*(operator|representative|agent|human)[.! ]*$",
    ),
}


def detect_intents(utterance: str) -> list[IntentMatch]:
    """Every duty-bearing intent in one caller turn, in declaration order (an utterance can carry several)."""
    text = normalize(utterance)
    matches = [IntentMatch(intent, m.group(0).strip()) for intent, pattern in _PATTERNS.items()
               if (m := pattern.search(text))]
    name_match = _not_the_named_person(utterance)
    if name_match and not any(m.intent is Intent.WRONG_PARTY for m in matches):
        matches.append(IntentMatch(Intent.WRONG_PARTY, name_match))
    return matches


_NOT_NAME = re.compile(r"\b(?:[Tt]his|[Ii]t|[Tt]hat)(?: is|['’]s|\s+isn['’]t)(?: not)?\s+([A-Z][a-z]+)\b"
                       r"|\b[Ii](?:['’]m| am) not\s+([A-Z][a-z]+)\b")
_NOT_NAME_OK = {"I", "A", "The", "Okay", "Ok", "Good", "True", "Right", "Fine", "Me", "My", "Not"}


def _not_the_named_person(utterance: str) -> str | None:
    """'this isn't John', "I'm not Maria": a capitalized name right after a denial (STT capitalizes names)."""
    for m in _NOT_NAME.finditer(utterance):
        name = m.group(1) or m.group(2)
        denial = "isn" in m.group(0) or " not " in f"{m.group(0)} "
        if denial and name not in _NOT_NAME_OK:
            return normalize(m.group(0))
    return None


async def apply_intent(conn: AsyncConnection, *, intent: Intent, customer_id: uuid.UUID | None,
                       call_id: uuid.UUID | None, evidence: str, details: dict[str, Any] | None = None) -> None:
    """Record the intent and its action as compliance events and stamp the customer's flags; once per call+intent."""
    async with conn.transaction():
        if call_id is not None:
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"intent:{call_id}:{intent.value}",))
            cur = await conn.execute(
                "SELECT 1 FROM compliance_events WHERE call_id = %s AND category = 'intent' AND code = %s LIMIT 1",
                (call_id, intent.value))
            if await cur.fetchone() is not None:
                return
        safe_details = {k: mask_text(v) if isinstance(v, str) else v for k, v in (details or {}).items()}
        await compliance_records.record_event(conn, category="intent", code=intent.value, customer_id=customer_id,
                                              call_id=call_id, details={"evidence": mask_text(evidence), **safe_details})
        action_details: dict[str, Any] = {"required_action": REQUIRED_ACTION[intent]}
        if customer_id is not None:
            for flag in FLAGS.get(intent, ()):
                await customers.set_flag(conn, customer_id, flag, details if flag == "attorney" else None)
            action_details["flags"] = list(FLAGS.get(intent, ()))
            if intent is Intent.WRONG_PARTY:
                action_details["dnc"] = await _flag_number(conn, customer_id)
        await compliance_records.record_event(conn, category="action", code=ACTION_CODE[intent],
                                              customer_id=customer_id, call_id=call_id, details=action_details)


async def _flag_number(conn: AsyncConnection, customer_id: uuid.UUID) -> bool:
    """A wrong-party answer means this number is not the consumer's: suppress it (internal do-not-call)."""
    cur = await conn.execute("SELECT phone FROM customers WHERE id = %s", (customer_id,))
    row = await cur.fetchone()
    if row is None:
        return False
    await compliance_records.add_dnc(conn, row[0], source="consumer_request", reason="wrong_party")
    return True
