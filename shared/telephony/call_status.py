"""The call-status state machine fed by Twilio's status callbacks (and the voice/AMD webhooks): it never
regresses, tolerates duplicates and out-of-order delivery, and keeps the timestamps the 7-day rule reads.

`conversation_at` (Reg F 1006.14(b)(2)(ii), "a telephone conversation about the debt") is set to the moment the
call was answered, unless answering-machine detection has said a machine or a fax answered (it is cleared then).
It is deliberately conservative: a live person who turns out to be a third party, or an AMD result of `unknown`,
counts as a conversation, which can only delay the next call, never bring it forward.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import class_row

from shared.db.calls import Call, update_call

PROGRESS_RANK = {"queued": 0, "initiated": 1, "ringing": 2, "in-progress": 3}
TERMINAL = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
MACHINE_ANSWERS = frozenset({"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"})
ANSWERED_BY_VALUES = MACHINE_ANSWERS | {"human", "unknown"}
_TERMINAL_OUTCOME = {"busy": "busy", "no-answer": "no_answer", "failed": "failed", "canceled": "no_answer"}


class UnknownStatusError(ValueError):
    """A CallStatus Twilio does not document."""


@dataclass(frozen=True)
class StatusEvent:
    status: str
    timestamp: datetime
    sequence: int | None = None
    duration_s: int | None = None
    answered_by: str | None = None


@dataclass(frozen=True)
class Transition:
    changes: dict[str, Any]
    became_terminal: bool


def is_terminal(status: str) -> bool:
    return status in TERMINAL


def _advances(current: str, new: str) -> bool:
    if current in TERMINAL:
        return False
    return new in TERMINAL or PROGRESS_RANK[new] > PROGRESS_RANK.get(current, -1)


def conversation_start(answered_at: datetime | None, answered_by: str | None) -> datetime | None:
    """When the telephone conversation began, per the rule in this module's docstring."""
    if answered_at is None or answered_by in MACHINE_ANSWERS:
        return None
    return answered_at


def _answered_at(call: Call, event: StatusEvent) -> datetime | None:
    if call.answered_at is not None:
        return call.answered_at
    if event.status == "in-progress":
        return event.timestamp
    if event.status == "completed" and event.duration_s:
        # The in-progress callback was lost or is late: Twilio's duration runs from the answer.
        return event.timestamp - timedelta(seconds=event.duration_s)
    return None


def _default_outcome(status: str, answered_at: datetime | None, answered_by: str | None) -> str:
    if status != "completed":
        return _TERMINAL_OUTCOME[status]
    if answered_by in MACHINE_ANSWERS:
        return "voicemail"
    return "completed_no_arrangement" if answered_at is not None else "no_answer"


def next_state(call: Call, event: StatusEvent) -> Transition:
    """The column changes one status event makes to a call (empty when it adds nothing)."""
    if event.status not in PROGRESS_RANK and event.status not in TERMINAL:
        raise UnknownStatusError(f"unknown call status {event.status!r}")
    changes: dict[str, Any] = {}
    became_terminal = _advances(call.status, event.status) and event.status in TERMINAL
    if _advances(call.status, event.status):
        changes["status"] = event.status
    answered_by = call.answered_by or (event.answered_by if event.answered_by in ANSWERED_BY_VALUES else None)
    if answered_by != call.answered_by:
        changes["answered_by"] = answered_by
    answered_at = _answered_at(call, event)
    if answered_at != call.answered_at:
        changes["answered_at"] = max(answered_at, call.started_at) if answered_at else None
    conversation = conversation_start(changes.get("answered_at", call.answered_at), answered_by)
    if conversation != call.conversation_at and (call.conversation_at is None or conversation is None):
        changes["conversation_at"] = conversation
    if became_terminal:
        changes["ended_at"] = max(event.timestamp, call.started_at)
        if call.outcome is None:
            changes["outcome"] = _default_outcome(event.status, answered_at, answered_by)
    if event.duration_s is not None and call.duration_s is None and (became_terminal or call.status in TERMINAL):
        changes["duration_s"] = event.duration_s
    if event.sequence is not None and (call.last_status_seq is None or event.sequence > call.last_status_seq):
        changes["last_status_seq"] = event.sequence
    return Transition(changes, became_terminal)


async def lock_call(conn: AsyncConnection, *, call_id: uuid.UUID | None = None,
                    call_sid: str | None = None) -> Call | None:
    """The call row, locked for this transaction (concurrent retries of one callback queue up here)."""
    column, value = ("id", call_id) if call_id is not None else ("call_sid", call_sid)
    if value is None:
        return None
    async with conn.cursor(row_factory=class_row(Call)) as cur:
        await cur.execute(f"SELECT * FROM calls WHERE {column} = %s FOR UPDATE", (value,))
        return await cur.fetchone()


async def apply_changes(conn: AsyncConnection, call: Call, changes: dict[str, Any]) -> Call:
    """Write `changes` to the call (a no-op returning `call` when there are none)."""
    if not changes:
        return call
    return await update_call(conn, call.id, **changes)


async def apply_status(conn: AsyncConnection, call: Call, event: StatusEvent) -> tuple[Call, Transition]:
    """Apply one status event to a call already locked with `lock_call`."""
    transition = next_state(call, event)
    return await apply_changes(conn, call, transition.changes), transition
