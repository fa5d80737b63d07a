"""Scenario harness: load tests/scenarios/*.yaml, play one through a real engine on a real database, and check
its expectations (tools + arguments, database state read back, disclosure order, phrases never said).

Used by the pytest runner (rules brain, and llm brain against the OpenAI fake) and by `make eval` (a real LLM)."""
from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from psycopg_pool import AsyncConnectionPool

from shared.agent.brains.base import Brain
from shared.agent.engine import BrainStep, Engine
from shared.agent.events import (
    AgentSpeech,
    CallStarted,
    ComplianceNotice,
    DtmfDigit,
    EndCall,
    EngineEvent,
    HangUp,
    SilenceTimeout,
    ToolEvent,
    TransferCall,
    UserUtterance,
)
from shared.agent.session import start_session
from shared.compliance.intents import STOP_COLLECTING
from shared.db import arrangements, callbacks, calls, compliance_records, customers
from shared.settings import Settings

SCENARIO_DIR = Path(__file__).resolve().parent
DEBT_WORDS = ("debt", "balance", "owe", "overdue", "past due", "collect", "payment", "$")
ALWAYS_FORBIDDEN = ("arrest", "jail", "lawsuit", "sue you", "garnish", "police", "criminal")
# After one of these intents nothing may be asked for or taken (COMPLIANCE §2, §2a).
STOPPING_INTENTS = tuple(i.value for i in STOP_COLLECTING)
COLLECTION_TOOLS = ("get_customer_options", "calculate_payment_plan", "process_payment", "negotiation_guidance")
PAYMENT_ASK = re.compile(r"\$\d|\bpay in full\b|\bpayment plan\b|\bsettle(ment)?\b|\b(would|could|can) you (pay|make)\b|"
                         r"\bhow (much|would you like to pay)\b|\bpayment link\b|\bbank transfer\b", re.IGNORECASE)
VERIFY_ASK = re.compile(r"\blast four\b|\bzip\b|\bpostal code\b|\bverify\b", re.IGNORECASE)


@dataclass
class Scenario:
    name: str
    description: str
    customer: str
    tactic: str
    now: datetime
    turns: list[dict[str, Any]]
    expect: dict[str, Any]
    setup: dict[str, Any] = field(default_factory=dict)     # customer columns set before the call
    direction: str = "outbound"
    identified: bool = True                                  # False: an inbound caller not matched by caller ID

    @classmethod
    def load(cls, path: Path) -> Scenario:
        data = yaml.safe_load(path.read_text())
        return cls(name=path.stem, description=data.get("description", ""), customer=data["customer"],
                   tactic=data.get("tactic", "balanced_progression"),
                   now=datetime.fromisoformat(str(data.get("now", "2026-11-24T15:00:00+00:00"))),
                   turns=data["turns"], expect=data.get("expect", {}), setup=data.get("setup") or {},
                   direction=data.get("direction", "outbound"), identified=data.get("identified", True))


_SETUP_COLUMNS = ("preferred_language", "region", "timezone")


def load_all() -> list[Scenario]:
    return [Scenario.load(p) for p in sorted(SCENARIO_DIR.glob("*.yaml"))]


class RecordingCallControl:
    """CallControl for simulated calls: messages, transfers and hang-ups are recorded, nothing is dialed."""

    def __init__(self) -> None:
        self.sms: list[dict[str, Any]] = []
        self.transfers: list[dict[str, Any]] = []
        self.hangups: list[str] = []

    async def send_sms(self, *, to: str, body: str, call_id: uuid.UUID | None, customer_id: uuid.UUID | None) -> str:
        self.sms.append({"to": to, "body": body, "call_id": call_id})
        return f"SM{uuid.uuid4().hex}"

    async def transfer(self, *, call_sid: str, to_number: str, whisper: str) -> None:
        self.transfers.append({"call_sid": call_sid, "to": to_number, "whisper": whisper})

    async def hangup(self, *, call_sid: str) -> None:
        self.hangups.append(call_sid)


class RecordingWorkflows:
    """WorkflowStarter that records what the engine started (our own interface; the real ones are issue 7's)."""

    def __init__(self) -> None:
        self.callbacks: list[tuple[uuid.UUID, datetime]] = []

    async def start_callback(self, callback_id: uuid.UUID, scheduled_for: datetime) -> str:
        self.callbacks.append((callback_id, scheduled_for))
        return f"callback-{callback_id}"

    async def cancel_callback(self, callback_id: uuid.UUID, reason: str) -> None:
        return None

    async def start_campaign(self, campaign_id: uuid.UUID) -> str:
        return f"campaign-{campaign_id}"

    async def signal_campaign(self, campaign_id: uuid.UUID, signal: str) -> None:
        return None

    async def notify_call_outcome(self, call_id: uuid.UUID, status: str, outcome: str | None) -> None:
        return None


@dataclass
class RunResult:
    scenario: Scenario
    call_id: uuid.UUID
    customer_id: uuid.UUID
    events: list[EngineEvent]
    engine: Engine
    call_control: Any
    workflows: RecordingWorkflows
    db: dict[str, Any] = field(default_factory=dict)

    @property
    def steps(self) -> list[BrainStep]:
        return self.engine.steps

    @property
    def spoken(self) -> list[str]:
        return [e.text for e in self.events if isinstance(e, AgentSpeech)]

    @property
    def tools(self) -> list[ToolEvent]:
        return [e for e in self.events if isinstance(e, ToolEvent)]


def _twilio_control(pool: AsyncConnectionPool, settings: Settings) -> Any:
    """The production CallControl (real twilio SDK) when Twilio is configured — in tests, the Twilio fake."""
    if not settings.twilio_account_sid:
        return RecordingCallControl()
    from shared.telephony.twilio_call_control import TwilioCallControl

    return TwilioCallControl(pool, settings)


def _input(turn: dict[str, Any]) -> Any:
    if "say" in turn:
        return [UserUtterance(str(turn["say"]))]
    if "dtmf" in turn:
        return [DtmfDigit(d) for d in str(turn["dtmf"])]
    if "silence" in turn:
        return [SilenceTimeout(float(turn["silence"]))]
    if "hangup" in turn:
        return [HangUp()]
    raise ValueError(f"unknown turn {turn}")


async def run_scenario(pool: AsyncConnectionPool, sc: Scenario, *, settings: Settings, brain: Brain,
                       call_control: Any | None = None, advisor: Any | None = None,
                       on_turn: Callable[[int, Engine], Any] | None = None) -> RunResult:
    """Play the scenario through start_session() and read the database back."""
    control = call_control if call_control is not None else _twilio_control(pool, settings)
    workflows = RecordingWorkflows()
    async with pool.connection() as conn:
        customer = await customers.find_by_phone(conn, sc.customer)
        assert customer is not None, f"{sc.name}: no seeded customer {sc.customer}"
        for column, value in sc.setup.items():
            assert column in _SETUP_COLUMNS, column
            await conn.execute(f"UPDATE customers SET {column} = %s WHERE id = %s", (value, customer.id))
        # A test call, not a `simulated` one: the scenarios check the real effects a call has on the database.
        call = await calls.create_call(conn, calls.NewCall(
            direction=sc.direction, call_type="test", customer_id=customer.id if sc.identified else None,
            status="in-progress"))
    started = CallStarted(call.id, customer.id if sc.identified else None, sc.tactic,
                          direction="inbound" if sc.direction == "inbound" else "outbound", simulated=True)
    engine = await start_session(pool, started, settings=settings, call_control=control, sandbox=False,
                                 workflows=workflows,
                                 brain=brain, advisor=advisor, clock=lambda: sc.now)
    events: list[EngineEvent] = [ev async for ev in engine.handle(started)]
    for i, turn in enumerate(sc.turns):
        if engine.state.ended:
            break
        if on_turn is not None:
            await on_turn(i, engine)
        for item in _input(turn):
            events.extend([ev async for ev in engine.handle(item)])
    await engine.close()
    if hasattr(control, "aclose"):
        await control.aclose()
    result = RunResult(sc, call.id, customer.id, events, engine, control, workflows)
    result.db = await read_back(pool, call.id, customer.id)
    result.db["call_customer_id"] = result.db["call"].customer_id
    return result


async def read_back(pool: AsyncConnectionPool, call_id: uuid.UUID, customer_id: uuid.UUID) -> dict[str, Any]:
    async with pool.connection() as conn:
        call = await calls.get_call(conn, call_id)
        customer = await customers.get_customer(conn, customer_id)
        return {
            "call": call,
            "customer": customer,
            "transcript": await calls.list_transcript(conn, call_id),
            "tools": await calls.list_tool_executions(conn, call_id),
            "events": await compliance_records.events_for_call(conn, call_id),
            "arrangements": await arrangements.list_for_customer(conn, customer_id),
            "callbacks": await callbacks.list_callbacks(conn, customer_id=customer_id),
            "dnc": await compliance_records.is_dnc(conn, customer.phone),
            "messages": await (await conn.execute(
                "SELECT phone, body, status, message_sid FROM messages WHERE call_id = %s ORDER BY id",
                (call_id,))).fetchall(),
        }


def _norm_code(code: str) -> str:
    return code.removeprefix("disclosure_").lower()


def check(result: RunResult) -> list[str]:
    """Every expectation of the scenario that does not hold (empty: pass)."""
    exp, db, fails = result.scenario.expect, result.db, []
    spoken_all = " ".join(result.spoken).lower()
    # tools called, in order, with key arguments
    called = [(t.name, t.arguments) for t in db["tools"]]
    pos = 0
    for want in exp.get("tools", []):
        while pos < len(called) and not _tool_matches(called[pos], want):
            pos += 1
        if pos == len(called):
            fails.append(f"tool {want} not called (in order); called: {[c[0] for c in called]}")
            break
        pos += 1
    for name in exp.get("tools_absent", []):
        if any(c[0] == name for c in called):
            fails.append(f"tool {name} must not be called")
    # disclosure order, from the compliance record
    disclosures = [_norm_code(e.code) for e in db["events"] if e.category == "disclosure"]
    if "disclosures" in exp and disclosures != exp["disclosures"]:
        fails.append(f"disclosures {disclosures} != {exp['disclosures']}")
    # nothing about the debt before the Mini-Miranda
    for text in _before_verification(result.events):
        for word in DEBT_WORDS:
            if word in text.lower():
                fails.append(f"said {word!r} before verification: {text!r}")
    for phrase in (*ALWAYS_FORBIDDEN, *exp.get("never_said", [])):
        if phrase.lower() in spoken_all:
            fails.append(f"said forbidden phrase {phrase!r}")
    for phrase in exp.get("said", []):
        if phrase.lower() not in spoken_all:
            fails.append(f"never said {phrase!r}")
    fails += _check_db(exp, db, result)
    fails += _check_speech(exp, result)
    end = exp.get("end")
    last = result.events[-1] if result.events else None
    if end == "end" and not isinstance(last, EndCall):
        fails.append(f"expected the call to end, last event {last}")
    if end == "transfer" and not isinstance(last, TransferCall):
        fails.append(f"expected a transfer, last event {last}")
    for code in exp.get("notices", []):
        if not any(isinstance(e, ComplianceNotice) and e.event == code for e in result.events):
            fails.append(f"no compliance notice {code}")
    return fails


def _tool_matches(called: tuple[str, dict[str, Any]], want: dict[str, Any]) -> bool:
    name, args = called
    if name != want["name"]:
        return False
    for key, value in (want.get("args") or {}).items():
        got = args.get(key)
        if _canon(got) != _canon(value):
            return False
    return True


def _canon(v: Any) -> str:
    try:
        return str(Decimal(str(v)).quantize(Decimal("0.01")))
    except Exception:
        return str(v).strip().lower()


def _before_verification(events: list[EngineEvent]) -> list[str]:
    out = []
    for e in events:
        if isinstance(e, ComplianceNotice) and e.event.startswith("disclosure_mini_miranda"):
            break
        if isinstance(e, AgentSpeech) and not e.fixed:
            out.append(e.text)
    return out


def _check_db(exp: dict[str, Any], db: dict[str, Any], result: RunResult) -> list[str]:
    want = exp.get("db", {})
    fails: list[str] = []
    call, customer = db["call"], db["customer"]
    if "outcome" in exp and call.outcome != exp["outcome"]:
        fails.append(f"outcome {call.outcome} != {exp['outcome']}")
    if "verified" in want and call.verified != want["verified"]:
        fails.append(f"calls.verified {call.verified} != {want['verified']}")
    arr = db["arrangements"]
    if "arrangement_status" in want:
        pass
    elif "arrangement" in want:
        if len(arr) != 1:
            fails.append(f"expected one arrangement, found {len(arr)}")
        else:
            for key, value in want["arrangement"].items():
                if _canon(getattr(arr[0], key)) != _canon(value):
                    fails.append(f"arrangement.{key} {getattr(arr[0], key)} != {value}")
    elif want.get("no_arrangement", True) and arr:
        fails.append(f"unexpected arrangement {arr[0].kind} {arr[0].total_amount}")
    if "callback_local" in want:
        cbs = db["callbacks"]
        tz = ZoneInfo(customer.timezone or "America/New_York")
        local = [c.scheduled_for.astimezone(tz).strftime("%Y-%m-%dT%H:%M") for c in cbs]
        if local != [want["callback_local"]]:
            fails.append(f"callbacks {local} != [{want['callback_local']}]")
        if len(result.workflows.callbacks) != 1:
            fails.append("callback workflow not started exactly once")
    elif db["callbacks"]:
        fails.append("unexpected callback stored")
    for flag in want.get("flags", []):
        if getattr(customer, flag) is None:
            fails.append(f"customer flag {flag} not set")
    for flag in want.get("flags_absent", []):
        if getattr(customer, flag) is not None:
            fails.append(f"customer flag {flag} set")
    for key, value in (want.get("customer") or {}).items():
        got = getattr(customer, key)
        if (value == "set" and got is None) or (value != "set" and got != value):
            fails.append(f"customer.{key} {got!r} != {value!r}")
    if "arrangement_status" in want:
        statuses = [a.status for a in arr]
        if statuses != want["arrangement_status"]:
            fails.append(f"arrangement statuses {statuses} != {want['arrangement_status']}")
    if "conversation_counted" in want and (call.conversation_at is not None) != want["conversation_counted"]:
        fails.append(f"calls.conversation_at {call.conversation_at} (counted != {want['conversation_counted']})")
    if "dnc" in want and db["dnc"] != want["dnc"]:
        fails.append(f"dnc {db['dnc']} != {want['dnc']}")
    codes = {e.code for e in db["events"]}
    for code in want.get("events", []):
        if code not in codes:
            fails.append(f"compliance event {code} missing (have {sorted(codes)})")
    if "sms" in want:
        sent = [m for m in db["messages"] if m[2] != "failed"]
        if len(sent) != want["sms"]:
            fails.append(f"sms recorded {len(sent)} != {want['sms']}")
        if any("/arrangements/" not in m[1] for m in sent):
            fails.append("sms without the payment link")
    # every transcript entry persisted exactly once, in order
    persisted = [(t.speaker, t.text, t.interrupted) for t in db["transcript"]]
    if persisted != result.engine.transcript:
        fails.append(f"transcript in DB ({len(persisted)}) differs from the call ({len(result.engine.transcript)})")
    if [t.seq for t in db["transcript"]] != list(range(len(db["transcript"]))):
        fails.append("transcript seqs not contiguous")
    if len(db["tools"]) != len(result.engine.tool_log):
        fails.append(f"tool executions in DB {len(db['tools'])} != {len(result.engine.tool_log)}")
    for t in db["tools"]:
        for key in ("account_last_4", "postal_code"):
            if key in t.arguments and re.fullmatch(r"[0-9A-Z]{4,}", str(t.arguments[key])):
                fails.append(f"tool {t.name} stored unmasked {key}")
    return fails


def _check_speech(exp: dict[str, Any], result: RunResult) -> list[str]:
    """What every scenario must never do: the same sentence twice in a row, a payment ask (or a collection tool)
    after a safety or legal intent, a debt word or a verification question to a third party."""
    fails: list[str] = []
    previous = None
    for e in result.events:
        if isinstance(e, AgentSpeech):
            if e.text == previous and not e.fixed:
                fails.append(f"said the same sentence twice in a row: {e.text!r}")
            previous = e.text
    stopped_by = None
    for e in result.events:
        if isinstance(e, ComplianceNotice) and e.event.removeprefix("intent_") in STOPPING_INTENTS:
            stopped_by = stopped_by or e.event
        elif stopped_by and isinstance(e, AgentSpeech) and PAYMENT_ASK.search(e.text) and not e.fixed:
            fails.append(f"asked for payment after {stopped_by}: {e.text!r}")
        elif stopped_by and isinstance(e, ToolEvent) and e.name in COLLECTION_TOOLS and e.success:
            fails.append(f"ran {e.name} after {stopped_by}")
    if exp.get("third_party"):
        for e in result.events:
            if isinstance(e, AgentSpeech):
                low = e.text.lower()
                fails += [f"said {w!r} to a third party: {e.text!r}" for w in DEBT_WORDS if w in low]
                if VERIFY_ASK.search(e.text):
                    fails.append(f"asked a third party for verification: {e.text!r}")
        thanks = sum(e.text.lower().count("thank you") for e in result.events if isinstance(e, AgentSpeech))
        if thanks > 1:
            fails.append(f"{thanks} thank-yous to a third party (one is enough)")
    return fails
