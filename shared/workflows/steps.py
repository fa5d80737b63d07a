"""The work each durable activity does, host-free: read and write the database, ask the gate, dial.

Activities (functions/workflows/activities.py in Azure, the local driver under `make dev`) pass a connection,
the activity's JSON input, the current time and a Dialing; every step returns JSON-ready data.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from shared.db import callbacks, campaigns
from shared.workflows.dialing import Dialing, GateResult

Json = dict[str, Any]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _gate_json(gate: GateResult) -> Json:
    return {"allowed": gate.allowed, "reason_code": gate.reason_code, "next_allowed_at": _iso(gate.next_allowed_at)}


# ---------------------------------------------------------------- callbacks

async def callback_gate(conn: AsyncConnection, params: Json, *, now: datetime, dialing: Dialing) -> Json:
    """Preview the gate for a requested callback; a callback no longer scheduled (cancelled in the DB) stops."""
    callback = await callbacks.get_callback(conn, uuid.UUID(params["callback_id"]))
    if callback.status not in ("scheduled", "dialing"):
        return {"active": False, "allowed": False, "reason_code": f"callback_{callback.status}"}
    gate = await dialing.gate(conn, callback.customer_id, now=now, purpose="requested_callback",
                              source="callback", callback_id=callback.id)
    return {"active": True, **_gate_json(gate)}


async def callback_dial(conn: AsyncConnection, params: Json, *, now: datetime, dialing: Dialing) -> Json:
    callback = await callbacks.get_callback(conn, uuid.UUID(params["callback_id"]))
    result = await dialing.dial(conn, callback.customer_id, now=now, purpose="requested_callback",
                                source="callback", callback_id=callback.id)
    if result.dialed:
        await callbacks.set_callback_status(conn, callback.id, "dialing", count_attempt=True)
    return {"dialed": result.dialed, "call_id": str(result.call_id) if result.call_id else None,
            "reason_code": result.reason_code, "next_allowed_at": _iso(result.next_allowed_at)}


async def callback_finish(conn: AsyncConnection, params: Json) -> None:
    await callbacks.set_callback_status(conn, uuid.UUID(params["callback_id"]), params["status"],
                                        outcome=params.get("outcome"))


# ---------------------------------------------------------------- campaigns

async def campaign_load(conn: AsyncConnection, params: Json) -> Json:
    """The campaign's pacing settings; the first generation marks a draft campaign running."""
    campaign_id = uuid.UUID(params["campaign_id"])
    campaign = await campaigns.get_campaign(conn, campaign_id)
    status = campaign.status
    if params.get("first") and status == "draft":
        await campaigns.set_campaign_status(conn, campaign_id, "running")
        status = "running"
    return {"status": status, "max_concurrency": campaign.max_concurrency,
            "calls_per_minute": campaign.calls_per_minute, "max_attempts": campaign.max_attempts,
            "retry_delay_minutes": campaign.retry_delay_minutes, "tactic_id": campaign.tactic_id}


async def campaign_page(conn: AsyncConnection, params: Json) -> Json:
    """The next page of due targets after the cursor (keyset), plus what is left for a later pass."""
    campaign_id = uuid.UUID(params["campaign_id"])
    now = datetime.fromisoformat(params["now"])
    cur = await conn.execute(
        """SELECT id, customer_id, attempts, next_attempt_at FROM campaign_targets
           WHERE campaign_id = %s AND id > %s
             AND (status = 'pending' OR (status = 'retry_wait' AND next_attempt_at <= %s))
           ORDER BY id LIMIT %s""", (campaign_id, params["after_id"], now, params["limit"]))
    targets = [{"id": tid, "customer_id": str(cust), "attempts": attempts, "next_attempt_at": _iso(due)}
               for tid, cust, attempts, due in await cur.fetchall()]
    if targets:  # what is left only matters once a pass runs dry; skip the count on the hot path
        return {"targets": targets, "remaining": None, "next_due_at": None}
    cur = await conn.execute(
        """SELECT count(*) FILTER (WHERE status IN ('pending','retry_wait','in_progress')),
                  min(next_attempt_at) FILTER (WHERE status = 'retry_wait')
           FROM campaign_targets WHERE campaign_id = %s""", (campaign_id,))
    row = await cur.fetchone()
    assert row is not None
    return {"targets": targets, "remaining": int(row[0]), "next_due_at": _iso(row[1])}


async def campaign_status(conn: AsyncConnection, params: Json) -> None:
    """Pause/resume/cancel/complete; a cancelled campaign's undialed targets are cancelled with it."""
    campaign_id = uuid.UUID(params["campaign_id"])
    await campaigns.set_campaign_status(conn, campaign_id, params["status"])
    if params["status"] == "cancelled":
        await conn.execute(
            """UPDATE campaign_targets SET status = 'cancelled', disposition = 'campaign_cancelled'
               WHERE campaign_id = %s AND status IN ('pending','retry_wait')""", (campaign_id,))


async def target_gate(conn: AsyncConnection, params: Json, *, now: datetime, dialing: Dialing) -> Json:
    gate = await dialing.gate(conn, uuid.UUID(params["customer_id"]), now=now, purpose="collection",
                              source="campaign")
    return _gate_json(gate)


async def target_dial(conn: AsyncConnection, params: Json, *, now: datetime, dialing: Dialing) -> Json:
    """Mark the attempt first (idempotent under activity retries) so the status webhook can route the outcome."""
    target_id, attempt = params["target_id"], params["attempt"]
    await conn.execute("UPDATE campaign_targets SET status = 'in_progress', attempts = GREATEST(attempts, %s) "
                       "WHERE id = %s", (attempt, target_id))
    result = await dialing.dial(conn, uuid.UUID(params["customer_id"]), now=now, purpose="collection",
                                source="campaign", campaign_id=uuid.UUID(params["campaign_id"]),
                                tactic_id=params.get("tactic_id"))
    if result.dialed:
        await conn.execute("UPDATE campaign_targets SET last_call_id = %s WHERE id = %s",
                           (result.call_id, target_id))
    else:
        await conn.execute("UPDATE campaign_targets SET attempts = %s WHERE id = %s", (attempt - 1, target_id))
    return {"dialed": result.dialed, "call_id": str(result.call_id) if result.call_id else None,
            "reason_code": result.reason_code, "next_allowed_at": _iso(result.next_allowed_at)}


async def target_record(conn: AsyncConnection, params: Json) -> None:
    await conn.execute(
        """UPDATE campaign_targets SET status = %s, disposition = %s, next_attempt_at = %s WHERE id = %s""",
        (params["status"], params["disposition"],
         datetime.fromisoformat(params["next_attempt_at"]) if params.get("next_attempt_at") else None,
         params["target_id"]))
