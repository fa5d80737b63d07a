"""Async answering-machine detection results: a machine gets only the limited-content voicemail (fixed text),
then the call hangs up; a fax is hung up on; a human (or `unknown`) just continues.

The result is claimed under the call's row lock, so a retried callback never leaves a second message.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

from psycopg import AsyncConnection

from shared.db import compliance_records
from shared.db.calls import update_call
from shared.settings import Settings
from shared.telephony import twiml
from shared.telephony.call_status import ANSWERED_BY_VALUES, MACHINE_ANSWERS, conversation_start, is_terminal, lock_call
from shared.telephony.errors import TelephonyError

log = logging.getLogger(__name__)


class LiveCallControl(Protocol):
    async def redirect(self, *, call_sid: str, twiml: str, operation: str = ...) -> None: ...

    async def hangup(self, *, call_sid: str) -> None: ...


@dataclass(frozen=True)
class AmdResult:
    action: str  # voicemail | hangup | continue | duplicate | ignored


async def handle_amd(conn: AsyncConnection, *, call_sid: str, answered_by: str, control: LiveCallControl,
                     settings: Settings) -> AmdResult:
    """Record what answered and act on it, once per call."""
    if answered_by not in ANSWERED_BY_VALUES:
        log.warning("amd_unknown_value", extra={"call_sid": call_sid})
        return AmdResult("ignored")
    call = await lock_call(conn, call_sid=call_sid)
    if call is None:
        log.warning("amd_unknown_call", extra={"call_sid": call_sid})
        return AmdResult("ignored")
    if call.answered_by is not None:
        return AmdResult("duplicate")
    changes: dict[str, object] = {"answered_by": answered_by}
    if conversation_start(call.answered_at, answered_by) is None and call.conversation_at is not None:
        changes["conversation_at"] = None  # nobody spoke with a machine
    elif call.conversation_at is None and call.answered_at is not None:
        changes["conversation_at"] = conversation_start(call.answered_at, answered_by)
    action = "continue"
    if answered_by in MACHINE_ANSWERS and not is_terminal(call.status):
        action = "hangup" if answered_by == "fax" else "voicemail"
    if answered_by in MACHINE_ANSWERS and answered_by != "fax" and call.outcome is None:
        changes["outcome"] = "voicemail"
    await update_call(conn, call.id, **changes)
    if action == "voicemail":
        await _leave_voicemail(conn, call.id, call.customer_id, call_sid, control, settings)
    elif action == "hangup":
        await _safely(control.hangup(call_sid=call_sid), call_sid)
    log.info("amd_result", extra={"call_id": str(call.id), "answered_by": answered_by, "action": action})
    return AmdResult(action)


async def _leave_voicemail(conn: AsyncConnection, call_id: uuid.UUID, customer_id: uuid.UUID | None, call_sid: str,
                           control: LiveCallControl, settings: Settings) -> None:
    from shared.compliance.disclosures import DisclosureKind, record_disclosure

    text = twiml.voicemail_text(bank_name=settings.bank_name, callback_number=settings.callback_number)
    if await _safely(control.redirect(call_sid=call_sid, twiml=twiml.voicemail_twiml(text),
                                      operation="calls.voicemail"), call_sid):
        await record_disclosure(conn, kind=DisclosureKind.VOICEMAIL, call_id=call_id, customer_id=customer_id)
    else:
        await compliance_records.record_event(conn, category="action", code="voicemail_not_left",
                                              call_id=call_id, customer_id=customer_id)


async def _safely(action: Awaitable[None], call_sid: str) -> bool:
    """Run a live-call change; a call that already ended is not an error worth a Twilio retry."""
    try:
        await action
    except TelephonyError as exc:
        log.warning("live_call_change_failed", extra={"call_sid": call_sid, "code": exc.error_code})
        return False
    return True
