"""WS /sim: the engine without a phone, in ARCHITECTURE §5's text protocol; creates a `simulated` call row.

Client → server: user / dtmf / hangup; server → client: agent (per chunk), tool, compliance, turn_end, end.
"""
from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from shared.agent.events import (
    AgentSpeech,
    CallStarted,
    ComplianceNotice,
    DtmfDigit,
    EndCall,
    EngineInput,
    HangUp,
    ToolEvent,
    TransferCall,
    TurnEnd,
    UserUtterance,
)
from shared.db.calls import NewCall, create_call
from shared.events.live import LiveEvent

if TYPE_CHECKING:
    from voice.app import VoiceServices

log = logging.getLogger(__name__)
MAX_TEXT = 2000


def _account_overrides(params: Mapping[str, str]) -> dict[str, Any]:
    """The sandbox's what-if figures from `?balance=` and `?days_overdue=` (ValueError names a bad one)."""
    out: dict[str, Any] = {}
    if params.get("balance"):
        try:
            balance = Decimal(params["balance"]).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise ValueError("balance must be an amount such as 1250.00") from None
        if not Decimal(0) <= balance <= Decimal("9999999999.99"):
            raise ValueError("balance must be between 0 and 9999999999.99")
        out["balance"] = balance
    if params.get("days_overdue"):
        if not params["days_overdue"].isdigit() or int(params["days_overdue"]) > 36500:
            raise ValueError("days_overdue must be a whole number of days (0 to 36500)")
        out["days_overdue"] = int(params["days_overdue"])
    return out


async def _create_sim_call(svc: VoiceServices, customer_id: uuid.UUID | None, tactic: str,
                           overrides: dict[str, Any] | None = None) -> CallStarted:
    from shared.db.tactics import get_tactic_by_name

    pool = await svc.get_pool()
    async with pool.connection() as conn:
        t = await get_tactic_by_name(conn, tactic)
        call = await create_call(conn, NewCall(direction="outbound", call_type="simulated", customer_id=customer_id,
                                               status="in-progress", tactic_id=t.id, tactic_version=t.version))
    return CallStarted(call_id=call.id, customer_id=customer_id, tactic_name=t.name, simulated=True,
                       account_overrides=overrides or {})


async def _guarded(step: Any, event: EngineInput) -> str | None:
    """An engine failure ends the simulated call with reason `error` instead of dropping the socket."""
    try:
        result: str | None = await step(event)
    except WebSocketDisconnect:
        raise
    except Exception:
        log.exception("simulated call failed")
        return "error"
    return result


async def run_sim(ws: WebSocket, svc: VoiceServices) -> None:
    try:
        raw_customer = ws.query_params.get("customer_id")
        customer_id = uuid.UUID(raw_customer) if raw_customer else None
        overrides = _account_overrides(ws.query_params)
        started = await _create_sim_call(svc, customer_id, ws.query_params.get("tactic") or "balanced_progression",
                                         overrides)
        engine = await svc.engine_factory(started, svc)
    except Exception as exc:
        log.warning("simulated call refused", extra={"error": type(exc).__name__})
        detail = str(exc) if isinstance(exc, ValueError) and str(exc).startswith(("balance", "days_overdue")) \
            else type(exc).__name__
        await ws.send_json({"type": "end", "reason": "error", "call_id": None, "detail": detail})
        await ws.close(code=1011)
        return
    bus = svc.get_bus()
    call_id = started.call_id

    def publish(kind: str, data: dict[str, Any]) -> None:
        with contextlib.suppress(Exception):
            bus.publish(LiveEvent(type=kind, call_id=call_id, data=data))  # type: ignore[arg-type]

    async def step(event: EngineInput) -> str | None:
        """Run one engine input; returns the end reason when the engine ended the call."""
        ended = None
        async for out in engine.handle(event):
            if isinstance(out, AgentSpeech):
                publish("transcript", {"speaker": "agent", "text": out.text, "fixed": out.fixed})
                await ws.send_json({"type": "agent", "text": out.text})
            elif isinstance(out, ToolEvent):
                publish("tool_executed", {"name": out.name, "arguments": out.arguments, "result": out.result,
                                          "success": out.success})
                await ws.send_json({"type": "tool", "name": out.name, "arguments": out.arguments,
                                    "result": out.result})
            elif isinstance(out, ComplianceNotice):
                publish("compliance_event", {"event": out.event, "details": out.details})
                await ws.send_json({"type": "compliance", "event": out.event})
            elif isinstance(out, TurnEnd):
                await ws.send_json({"type": "turn_end"})
            elif isinstance(out, EndCall):
                ended = out.reason
            elif isinstance(out, TransferCall):
                ended = "transferred"
        return ended

    publish("call_started", {"direction": "outbound", "tactic": started.tactic_name, "simulated": True})
    svc.call_opened(call_id, None)  # type: ignore[arg-type]
    reason: str | None = None
    try:
        reason = await _guarded(step, started)
        while reason is None:
            try:
                msg = json.loads(await ws.receive_text())
            except WebSocketDisconnect:
                await step(HangUp("caller_hangup"))
                reason = "caller_hangup"
                break
            except ValueError:
                await ws.send_json({"type": "error", "detail": "messages are JSON objects"})
                continue
            kind = msg.get("type") if isinstance(msg, dict) else None
            if kind == "user" and isinstance(msg.get("text"), str) and msg["text"].strip():
                reason = await _guarded(step, UserUtterance(msg["text"].strip()[:MAX_TEXT]))
            elif kind == "dtmf" and str(msg.get("digit", "")) in set("0123456789*#") and len(str(msg["digit"])) == 1:
                reason = await _guarded(step, DtmfDigit(str(msg["digit"])))
            elif kind == "hangup":
                await step(HangUp("caller_hangup"))
                reason = "caller_hangup"
            else:
                await ws.send_json({"type": "error", "detail": "expected user, dtmf or hangup"})
        with contextlib.suppress(Exception):
            await ws.send_json({"type": "end", "reason": reason, "call_id": str(call_id)})
            await ws.close()
    finally:
        with contextlib.suppress(Exception):
            await engine.close()
        svc.finish_call_later(call_id)
        publish("call_ended", {"reason": reason})
        svc.call_closed(call_id)
