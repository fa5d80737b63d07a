"""`make demo`: one simulated collection call in the terminal — transcript, tool calls, compliance events and a
per-turn latency table — on the local stack (DATABASE_URL, else the embedded PostgreSQL under `make dev`'s .local/).

Uses the llm brain when an LLM is configured, else the rules brain. SMS goes through Twilio only when configured."""
from __future__ import annotations

import asyncio
import importlib
import sys
import uuid
from datetime import datetime
from typing import Any

from psycopg_pool import AsyncConnectionPool

from shared.agent.events import (
    AgentSpeech,
    CallStarted,
    ComplianceNotice,
    EndCall,
    EngineEvent,
    ToolEvent,
    TransferCall,
    UserUtterance,
)
from shared.agent.session import start_session
from shared.db import calls, compliance_records, customers
from shared.db.migrate import upgrade
from shared.db.seed import seed
from shared.settings import Settings, SettingsError, get_settings

DEMO_PHONE = "+16175550103"          # Aisha Rahman, seeded, $890.00, 31 days past due
DEMO_TACTIC = "empathetic_gradual"
CALLER_LINES = (
    "Yes, this is Aisha.",
    "My account ends in one nine four six and my zip is zero two one zero eight.",
    "Money is tight. Could I do six months with one hundred dollars down?",
    "Yes, please text me the link.",
    "No, that's all. Thank you.",
)


# `make demo SITUATION=<name>`: the safety situations of COMPLIANCE §2a, so a reader can judge the tone.
# name: (customer phone, tactic, caller lines)
SITUATIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "distress": ("+12125550101", "balanced_progression", (
        "Yes, this is Maria.", "4821 and 10001",
        "Honestly my life isn't worth living anymore. I don't care about any of this.", "No. I don't know.")),
    "emergency": ("+16025550108", "aggressive_anchor", (
        "Yes this is Carlos.", "2219 and my zip is 85004", "Oh my god my husband just collapsed, I have to call 911!")),
    "fraud": ("+14045550110", "stern", (
        "This is Marcus.", "three three nine eight, three zero three zero three",
        "That's not mine, somebody opened it in my name. I filed a police report.", "No, that's fine.")),
    "already_paid": ("+16155550118", "balanced_progression", (
        "Yes, this is Nathan.", "9926 37203", "I already paid this last month, check your records.",
        "No, that's it.")),
    "validation": ("+13055550107", "aggressive_anchor", (
        "Yes.", "9081 and 33130", "I want a validation letter before I pay anything.")),
    "third_party": ("+17025550113", "stern", (
        "Who is this and why are you calling?", "I'm her roommate, she's not here.", "Maybe tomorrow evening.")),
    "spanish": ("+16025550108", "balanced_progression", ("no hablo mucho inglés", "llámeme otro día")),
    "cease": ("+12065550105", "aggressive_anchor", (
        "yes", "3307 98101", "I don't want you people calling me anymore.")),
}


class DemoCallControl:
    """Simulated call: the SMS is recorded in `messages` (status 'simulated'), transfers/hang-ups only printed."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self._pool = pool

    async def send_sms(self, *, to: str, body: str, call_id: uuid.UUID | None, customer_id: uuid.UUID | None) -> str:
        sid = f"SM{uuid.uuid4().hex}"
        async with self._pool.connection() as conn:
            await conn.execute("INSERT INTO messages (message_sid, customer_id, call_id, direction, phone, body, status)"
                               " VALUES (%s, %s, %s, 'outbound', %s, %s, 'simulated')",
                               (sid, customer_id, call_id, to, body))
        print(f"    [sms] {body}")
        return sid

    async def transfer(self, *, call_sid: str, to_number: str, whisper: str) -> None:
        print(f"    [transfer] to the human line ({whisper})")

    async def hangup(self, *, call_sid: str) -> None:
        print("    [hangup]")


class DemoWorkflows:
    """Prints what would be started; the local driver (make dev) or Durable Functions run it for real."""

    async def start_callback(self, callback_id: uuid.UUID, scheduled_for: datetime) -> str:
        print(f"    [workflow] callback {callback_id} at {scheduled_for.isoformat()}")
        return f"callback-{callback_id}"

    async def cancel_callback(self, callback_id: uuid.UUID, reason: str) -> None:
        return None

    async def start_campaign(self, campaign_id: uuid.UUID) -> str:
        return f"campaign-{campaign_id}"

    async def signal_campaign(self, campaign_id: uuid.UUID, signal: str) -> None:
        return None

    async def notify_call_outcome(self, call_id: uuid.UUID, status: str, outcome: str | None) -> None:
        return None


def _print_event(ev: EngineEvent) -> None:
    if isinstance(ev, AgentSpeech):
        print(f"  Agent : {ev.text}{'   (fixed text)' if ev.fixed else ''}")
    elif isinstance(ev, ToolEvent):
        status = "ok" if ev.success else "refused"
        result = {k: v for k, v in ev.result.items() if k not in ("schedule", "plans")}
        print(f"    [tool] {ev.name}({ev.arguments}) -> {status} {result}")
    elif isinstance(ev, ComplianceNotice):
        print(f"    [compliance] {ev.event}")
    elif isinstance(ev, TransferCall | EndCall):
        print(f"    [{type(ev).__name__}] {ev.reason}")


async def run_demo(settings: Settings, database_url: str, situation: str | None = None) -> int:
    phone, tactic, lines = SITUATIONS[situation] if situation else (DEMO_PHONE, DEMO_TACTIC, CALLER_LINES)
    upgrade(database_url)
    pool = AsyncConnectionPool(database_url, min_size=1, max_size=4, open=False)
    await pool.open(wait=True)
    try:
        async with pool.connection() as conn:
            await seed(conn)
            customer = await customers.find_by_phone(conn, phone)
            assert customer is not None
            call = await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="simulated",
                                                               customer_id=customer.id, status="in-progress"))
        started = CallStarted(call.id, customer.id, tactic, simulated=True)
        engine = await start_session(pool, started, settings=settings, call_control=DemoCallControl(pool),
                                     workflows=DemoWorkflows())
        print(f"Archer demo{f' ({situation})' if situation else ''} — simulated call {call.id} to "
              f"{customer.first_name} ({tactic}, {engine.brain.name} brain)\n")
        async for ev in engine.handle(started):
            _print_event(ev)
        for line in lines:
            if engine.state.ended:
                break
            print(f"  Caller: {line}")
            async for ev in engine.handle(UserUtterance(line)):
                _print_event(ev)
        await engine.close()
        await _print_record(pool, engine, call.id)
    finally:
        await pool.close()
    return 0


async def _print_record(pool: AsyncConnectionPool, engine: Any, call_id: uuid.UUID) -> None:
    async with pool.connection() as conn:
        stored = await calls.get_call(conn, call_id)
        events = await compliance_records.events_for_call(conn, call_id)
        tools = await calls.list_tool_executions(conn, call_id)
    print(f"\nOutcome: {stored.outcome} · verified: {stored.verified} · transcript entries: "
          f"{len(engine.transcript)} · tool executions stored: {len(tools)}")
    print("\nCompliance events (from the database):")
    for e in events:
        print(f"  {e.occurred_at:%H:%M:%S.%f}  {e.category:<12} {e.code}")
    print("\nPer-turn latency (engine time, ms):")
    print(f"  {'turn':>4}  {'input':<14} {'brain':<6} {'first speech':>12} {'llm ttft':>9} {'total':>8}")
    for t in engine.timings:
        first = f"{t.first_speech_ms:.1f}" if t.first_speech_ms is not None else "-"
        ttft = f"{t.llm_ttft_ms:.1f}" if t.llm_ttft_ms is not None else "-"
        print(f"  {t.turn:>4}  {t.kind:<14} {t.brain:<6} {first:>12} {ttft:>9} {t.total_ms:>8.1f}")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    situation = args[args.index("--situation") + 1] if "--situation" in args[:-1] else None
    if situation is not None and situation not in SITUATIONS:
        print(f"archer demo: unknown situation {situation!r}; one of {', '.join(SITUATIONS)}", file=sys.stderr)
        return 2
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"archer demo: {exc}", file=sys.stderr)
        return 2
    url = settings.database_url
    if url:
        return asyncio.run(run_demo(settings, url, situation))
    # No DATABASE_URL: the embedded PostgreSQL of `make dev` (dev-only; shared/ never imports devhost otherwise).
    embedded = importlib.import_module("devhost.embedded_pg")
    server, url = embedded.start_embedded_postgres()
    try:
        return asyncio.run(run_demo(settings, url, situation))
    finally:
        server.cleanup()


if __name__ == "__main__":
    sys.exit(main())
