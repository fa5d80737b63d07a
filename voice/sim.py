"""WS /sim: the engine without a phone, in ARCHITECTURE §5's text protocol; creates a `simulated` call row.

Client → server: user / dtmf / hangup; server → client: agent (per chunk), tool, compliance, turn_end, end.
The call runs in the simulation sandbox (shared/agent/sandbox.py, chosen by start_session). When the pre-dial gate
would refuse a real call to this customer now, the first message says so (`compliance`, `predial_would_block`).
Frames that are not small JSON objects close this one socket with a code (voice/ws_frames.py).
"""
from __future__ import annotations

import contextlib
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
from voice.call.observation import Observation
from voice.ws_frames import Disconnected, FrameError, receive_frame

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
                                               status="in-progress", tactic_id=t.id, tactic_version=t.version,
                                               handled_by=svc.instance_id))
    return CallStarted(call_id=call.id, customer_id=customer_id, tactic_name=t.name, simulated=True,
                       account_overrides=overrides or {})


async def _gate_notice(svc: VoiceServices, customer_id: uuid.UUID | None) -> dict[str, Any] | None:
    """What the pre-dial gate would answer for a real call now (nothing is recorded): a `compliance` message."""
    if customer_id is None:
        return None
    from datetime import UTC, datetime

    from shared.compliance.predial import check_batch

    try:
        pool = await svc.get_pool()
        async with pool.connection() as conn:
            decisions = await check_batch(conn, [customer_id], now=datetime.now(UTC), purpose="collection",
                                          source="test", record=False)
    except Exception as exc:   # the notice is advisory: a simulation still runs
        log.warning("simulated call: pre-dial preview failed", extra={"error": type(exc).__name__})
        return None
    decision = decisions.get(customer_id)
    if decision is None or decision.allowed:
        return None
    return {"type": "compliance", "event": "predial_would_block", "reason": decision.reason_code,
            "next_allowed_at": decision.next_allowed_at.isoformat() if decision.next_allowed_at else None,
            "detail": "a real call to this customer would be refused now; this simulation changes nothing"}


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
    call_id = started.call_id
    # The same observation room as phone calls: live events, and turn_metrics with the engine's own timings.
    observation = Observation(call_id, svc.get_bus(), svc.record_metrics)

    async def send(message: dict[str, Any]) -> None:
        """A client that left mid-turn is noticed by the next receive; the engine still finishes its turn."""
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await ws.send_json(message)

    async def step(event: EngineInput) -> str | None:
        """Run one engine input; returns the end reason when the engine ended the call."""
        ended = None
        watch = observation.begin_turn()
        with observation.timing(watch):
            async for out in engine.handle(event):
                observation.engine_event(watch, out)
                if isinstance(out, AgentSpeech):
                    await send({"type": "agent", "text": out.text})
                elif isinstance(out, ToolEvent):
                    await send({"type": "tool", "name": out.name, "arguments": out.arguments,
                                "result": out.result})
                elif isinstance(out, ComplianceNotice):
                    await send({"type": "compliance", "event": out.event})
                elif isinstance(out, TurnEnd):
                    await send({"type": "turn_end"})
                elif isinstance(out, EndCall):
                    ended = out.reason
                elif isinstance(out, TransferCall):
                    ended = "transferred"
        if watch.spoke or watch.tools:
            observation.finish_turn(watch)
        return ended

    observation.call_started(direction="outbound", tactic=started.tactic_name, simulated=True)
    svc.call_opened(call_id, None)  # type: ignore[arg-type]
    reason: str | None = None
    close_code, close_reason = 1000, ""
    try:
        notice = await _gate_notice(svc, started.customer_id)
        if notice is not None:
            await ws.send_json(notice)
        reason = await _guarded(step, started)
        while reason is None:
            try:
                msg = await receive_frame(ws)
            except WebSocketDisconnect:
                msg = Disconnected()
            except FrameError as exc:
                log.warning("simulated call: protocol error, closing", extra={"call_id": str(call_id),
                                                                              "code": exc.code, "reason": exc.reason})
                await _guarded(step, HangUp("protocol_error"))
                reason, close_code, close_reason = "protocol_error", exc.code, exc.reason
                break
            if isinstance(msg, Disconnected):
                await _guarded(step, HangUp("caller_hangup"))
                reason = "caller_hangup"
                break
            kind = msg.get("type")
            if kind == "user" and isinstance(msg.get("text"), str) and msg["text"].strip():
                reason = await _guarded(step, UserUtterance(msg["text"].strip()[:MAX_TEXT]))
            elif kind == "dtmf" and str(msg.get("digit", "")) in set("0123456789*#") and len(str(msg["digit"])) == 1:
                reason = await _guarded(step, DtmfDigit(str(msg["digit"])))
            elif kind == "hangup":
                await _guarded(step, HangUp("caller_hangup"))
                reason = "caller_hangup"
            else:
                await ws.send_json({"type": "error", "detail": "expected user, dtmf or hangup"})
        with contextlib.suppress(Exception):
            await ws.send_json({"type": "end", "reason": reason, "call_id": str(call_id)})
            await ws.close(code=close_code, reason=close_reason)
    finally:
        with contextlib.suppress(Exception):
            await engine.close()
        svc.finish_call_later(call_id)
        observation.call_ended(reason)
        svc.call_closed(call_id)
