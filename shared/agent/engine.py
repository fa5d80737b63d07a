"""The conversation engine for one call: takes caller events, runs the brain and tools, guards every sentence,
plays fixed disclosures, enforces caller intents whatever the brain does, and persists everything write-behind.

Transport-agnostic: the voice pipeline, the /sim websocket and the tests drive it through `handle()`."""
from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from shared.agent import compliance_port as cp
from shared.agent.brains.base import (
    Brain,
    BrainMetrics,
    BrainUnavailable,
    Conversation,
    Filler,
    TextDelta,
    ToolCallRequest,
    ToolOutcome,
    TurnInput,
)
from shared.agent.brains.rules import RulesBrain
from shared.agent.events import (
    AgentSpeech,
    CallStarted,
    ComplianceNotice,
    DtmfDigit,
    EndCall,
    EngineEvent,
    EngineInput,
    HangUp,
    Interrupted,
    SilenceTimeout,
    ToolEvent,
    TransferCall,
    TurnEnd,
    UserUtterance,
)
from shared.agent.flows import COLLECTION_TOOLS, Flows
from shared.agent.persistence import WriteBehind
from shared.agent.sentences import SentenceBuffer
from shared.agent.state import CallState
from shared.agent.tools import TOOLS, ToolRefused
from shared.agent.tools.context import NegotiationAdvisor, ToolContext
from shared.agent.tools.registry import model_view
from shared.compliance.disclosures import spoken_number
from shared.compliance.guard import GuardContext, SpeechGuard
from shared.db import calls, compliance_records, turn_usage
from shared.db.customers import Customer
from shared.db.errors import DomainError
from shared.db.policies import CollectionPolicy
from shared.db.tactics import Tactic
from shared.pii import mask_mapping, mask_text
from shared.settings import Settings
from shared.telephony.call_control import CallControl
from shared.workflows.starter import WorkflowStarter

log = logging.getLogger(__name__)

MAX_STEPS_PER_TURN = 6
TOOL_DURABLE_WAIT_S = 2.0      # how long a tool result waits for its records to be stored before it is spoken
FILLER_LINE = "One moment while I check that for you."
BRIDGE_LINE = "Sorry about that, I'm having a little trouble on my end. Let me continue."
_DB_ERRORS = (psycopg.Error, PoolTimeout, DomainError, OSError)
_STOPPING_TOOLS = frozenset({"record_dispute", "record_cease_request", "record_attorney", "record_bankruptcy",
                             "record_wrong_party"})


@dataclass
class TurnTiming:
    turn: int
    kind: str
    first_speech_ms: float | None = None
    llm_ttft_ms: float | None = None
    total_ms: float = 0.0
    brain: str = ""
    llm_requests: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0

    def add(self, m: BrainMetrics) -> None:
        """A brain step's own report (first token, usage): summed over the steps of the turn."""
        if self.llm_ttft_ms is None and m.ttft_ms is not None:
            self.llm_ttft_ms = m.ttft_ms
        self.llm_requests += m.requests
        self.prompt_tokens += m.prompt_tokens
        self.cached_tokens += m.cached_tokens
        self.completion_tokens += m.completion_tokens


@dataclass
class BrainStep:
    """What the brain produced in one step (the harness replays these through the LLM fake)."""

    brain: str
    text: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


class Engine:
    """One call. `handle()` yields the events for one input; call `close()` when the call is over."""

    def __init__(self, *, started: CallStarted, pool: AsyncConnectionPool, settings: Settings,
                 call_control: CallControl, workflows: WorkflowStarter, brain: Brain, customer: Customer | None,
                 policy: CollectionPolicy | None, tactic: Tactic | None, call_sid: str | None,
                 clock: Callable[[], datetime], advisor: NegotiationAdvisor | None = None,
                 filler_after_s: float = 0.3) -> None:
        self.started = started
        self.call_id = started.call_id
        self.settings = settings
        self.customer = customer
        self.tactic = tactic
        self.state = CallState()
        self.conversation = Conversation()
        self.rules = brain if isinstance(brain, RulesBrain) else RulesBrain()
        self.brain: Brain = brain
        self.fell_back = False
        self.persist = WriteBehind(pool, started.call_id)
        self._pool = pool
        self._guard = SpeechGuard()
        self._clock = clock
        self.clock = clock
        self._filler_after_s = filler_after_s
        self.ctx = ToolContext(call_id=started.call_id, call_sid=call_sid, simulated=started.simulated,
                               customer=customer, policy=policy, state=self.state, settings=settings,
                               call_control=call_control, workflows=workflows, clock=clock,
                               db=self._connection, advisor=advisor)
        self._tseq = 0
        self._toolseq = 0
        self._pending_agent: list[str] = []
        self._pending_agent_at: datetime | None = None  # when the pending turn's first sentence was spoken
        self._dtmf = ""
        self.identify_misses = 0
        self._hold_turn = False                   # a fixed step asked the caller something: the brain waits
        self._timing: TurnTiming | None = None    # the turn being handled (brain metrics land here)
        # The transport's telemetry hook: brain timings as they happen (the voice pipeline's TurnClock).
        self.metric_listener: Callable[[str, float], None] | None = None
        self.last_verify_args: dict[str, Any] = {}  # the factors of the last verify_account (never logged)
        self._closed = False
        self.transcript: list[tuple[str, str, bool]] = []
        self.tool_log: list[ToolEvent] = []
        self.notices: list[ComplianceNotice] = []
        self.timings: list[TurnTiming] = []
        self.steps: list[BrainStep] = []
        if customer is not None:
            self.state.remember_amounts(customer.balance)
            if policy is not None:
                self.state.remember_amounts(policy.min_instalment)
        self.flows = Flows(self)

    @property
    def language(self) -> str:
        """The language the agent speaks now ('en', 'es'): the customer's preferred one, or the caller's."""
        return self.flows.language

    def _connection(self) -> Any:
        return self._pool.connection(timeout=3.0)

    # ---- the contract ---------------------------------------------------------------------------------------
    async def handle(self, event: EngineInput) -> AsyncIterator[EngineEvent]:
        if isinstance(event, Interrupted):
            self._commit_agent(heard=event.heard_text)
            return
        self._commit_agent()
        if self.state.ended and not isinstance(event, HangUp):
            return
        timing = TurnTiming(turn=self.state.turn, kind=type(event).__name__, brain=self.brain.name)
        self._timing = timing
        t0 = time.perf_counter()
        source: AsyncIterator[EngineEvent]
        if isinstance(event, CallStarted):
            source = self._greet()
        elif isinstance(event, UserUtterance):
            source = self._user_turn(event.text)
        elif isinstance(event, DtmfDigit):
            source = self._dtmf_digit(event.digit)
        elif isinstance(event, SilenceTimeout):
            source = self._silence()
        else:
            self.finish("hung_up", event.reason)
            return
        async for out in source:
            if isinstance(out, AgentSpeech) and timing.first_speech_ms is None:
                timing.first_speech_ms = (time.perf_counter() - t0) * 1000
            yield out
        timing.total_ms = (time.perf_counter() - t0) * 1000
        self.timings.append(timing)             # latency rows are the transport's; token usage is written here
        if timing.llm_requests:
            self.persist.submit(f"usage {timing.turn}", lambda conn: turn_usage.record(
                conn, self.call_id, timing.turn, requests=timing.llm_requests, prompt_tokens=timing.prompt_tokens,
                cached_tokens=timing.cached_tokens, completion_tokens=timing.completion_tokens))
        self.state.turn += 1
        if self.state.ended:
            self._persist_outcome()
            if self.state.end_reason == "transferred":
                yield TransferCall(self.state.end_reason or "transferred", self.settings.human_transfer_number)
            else:
                yield EndCall(self.state.end_reason or "completed")
        else:
            yield TurnEnd()

    async def close(self) -> None:
        """Flush every pending write and release the brain; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._commit_agent()
        if not self.state.ended:
            self.finish("hung_up", "closed")
        self._persist_outcome(final=True)
        await self.persist.close()
        for brain in {id(self.brain): self.brain, id(self.rules): self.rules}.values():
            await brain.aclose()

    # ---- speech ---------------------------------------------------------------------------------------------
    def _facts(self) -> GuardContext:
        c, st = self.customer, self.state
        return GuardContext(verified=st.verified, known_amounts=frozenset(st.known_amounts),
                            lawsuit_permitted=bool(c and c.lawsuit_permitted),
                            garnishment_permitted=bool(c and c.garnishment_permitted),
                            time_barred=bool(c and c.time_barred),
                            offers=frozenset([*st.caller_offers, *st.engine_offers]),
                            tool_figure=st.engine_offers[-1] if st.engine_offers else None)

    def _speak(self, text: str, *, fixed: bool = False) -> list[EngineEvent]:
        checked = self._guard.check(text, self._facts(), fixed=fixed)
        out: list[EngineEvent] = []
        if checked.blocked:
            notice = ComplianceNotice("guard_block", {"violations": list(checked.violations)})
            out.append(notice)
            self.notices.append(notice)
            self.record_event("guard_block", checked.violations[0],
                               {"violations": list(checked.violations), "original": mask_text(text)[:300]})
        if not self._pending_agent:
            self._pending_agent_at = datetime.now(UTC)
        self._pending_agent.append(checked.text)
        self.state.note_spoken(checked.text)
        out.append(AgentSpeech(checked.text, fixed=fixed, language=self.flows.language))
        return out

    def disclose(self, kind: cp.Disclosure) -> list[EngineEvent]:
        """A fixed disclosure, spoken verbatim (in the call's language) and recorded."""
        text = self.flows.disclosure_text(kind) or cp.disclosure_text(
            kind, bank_name=self.settings.bank_name, agent_name=self.settings.agent_name,
            callback_number=self.settings.callback_number)
        self.state.disclosures.append(kind.value)
        customer_id = self.customer.id if self.customer else None
        self.persist.submit(f"disclosure {kind.value}", lambda conn: cp.record_disclosure(
            conn, kind=kind, call_id=self.call_id, customer_id=customer_id))
        notice = ComplianceNotice(f"disclosure_{kind.value}")
        self.notices.append(notice)
        self.conversation.assistant(text)
        return [*self._speak(text, fixed=True), notice]

    def _commit_agent(self, heard: str | None = None) -> None:
        """The agent's last turn as actually spoken: all of it, or what the caller heard before barging in."""
        if not self._pending_agent:
            return
        full = " ".join(self._pending_agent)
        self._pending_agent = []
        spoken_at, self._pending_agent_at = self._pending_agent_at, None
        interrupted = heard is not None
        # Stamped with when the agent spoke, not when the turn is committed (the caller's next reply).
        self._add_transcript("agent", (heard or "") if interrupted else full, interrupted=interrupted,
                             spoken_at=spoken_at)
        if interrupted:
            self.conversation.interrupted(heard or "")   # the model's history keeps only what was heard

    def _add_transcript(self, speaker: str, text: str, *, interrupted: bool = False,
                        spoken_at: datetime | None = None) -> None:
        seq = self._tseq
        self._tseq += 1
        spoken_at = spoken_at or datetime.now(UTC)
        self.transcript.append((speaker, text, interrupted))
        self.persist.submit(f"transcript {seq}", lambda conn: calls.add_transcript_entry(
            conn, self.call_id, seq, speaker, text, interrupted=interrupted, spoken_at=spoken_at))

    def record_event(self, category: str, code: str, details: dict[str, Any] | None = None) -> None:
        customer_id = self.customer.id if self.customer else None
        occurred = datetime.now(UTC)
        self.persist.submit(f"compliance {code}", lambda conn: compliance_records.record_event(
            conn, category=category, code=code, customer_id=customer_id, call_id=self.call_id,
            details=details or {}, occurred_at=occurred))

    # ---- inputs ---------------------------------------------------------------------------------------------
    async def _greet(self) -> AsyncIterator[EngineEvent]:
        for ev in self.disclose(cp.Disclosure.AI_IDENTIFICATION):
            yield ev
        if not self.started.recording_notice_played:
            for ev in self.disclose(cp.Disclosure.RECORDING_NOTICE):
                yield ev
        spanish = self.flows.language == "es"
        if self.customer is None:
            self.state.phase = "verify"
            line = ("To find your account, please tell me the last four digits of your account number and your ZIP "
                    "or postal code. You can also key in your full account number, then press the pound key."
                    if not spanish else "Para encontrar su cuenta, dígame los últimos cuatro dígitos de su número de "
                    "cuenta y su código postal.")
        elif spanish:
            line = f"¿Puedo hablar con {self.customer.first_name} {self.customer.last_name}, por favor?"
        else:
            line = f"May I please speak with {self.customer.first_name} {self.customer.last_name}?"
        self.conversation.assistant(line)
        for ev in self._speak(line):
            yield ev

    async def _dtmf_digit(self, digit: str) -> AsyncIterator[EngineEvent]:
        if digit == "*":
            self._dtmf = ""
        elif digit != "#":
            self._dtmf += digit
        if digit == "#" or len(self._dtmf) >= 16:      # "#" ends an entry; 16 digits is the longest account number
            digits, self._dtmf = self._dtmf, ""
            async for ev in self._user_turn(digits):
                yield ev

    async def _silence(self) -> AsyncIterator[EngineEvent]:
        self.state.silences += 1
        if self.state.silences >= 2:
            for ev in self._speak("I'm not hearing anything, so I'll end the call for now. Goodbye."):
                yield ev
            self.finish("completed_no_arrangement" if self.state.verified else "hung_up", "silence")
            return
        for ev in self._speak("Are you still there?"):
            yield ev

    async def _user_turn(self, text: str) -> AsyncIterator[EngineEvent]:
        self.state.silences = 0
        self._add_transcript("caller", text)
        self.conversation.user(text)
        self.state.hear_caller(text)            # the caller's offers and yes/no, for the tools (never the model's)
        matches = cp.detect_intents(text)
        for m in matches:
            notice = ComplianceNotice(f"intent_{m.intent.value}", {"evidence": mask_text(m.evidence)})
            self.notices.append(notice)
            yield notice
        async for ev in self.flows.handle(text, matches):
            yield ev

    # ---- what the scripted flows (shared.agent.flows) act through ---------------------------------------------
    def say(self, line: str, *, fixed: bool = False) -> list[EngineEvent]:
        """Speak a line the engine or a flow chose, sentence by sentence (the model sees it in the history)."""
        self.conversation.assistant(line)
        buffer = SentenceBuffer()
        sentences = [*buffer.feed(line), *filter(None, [buffer.flush()])]
        return [ev for sentence in sentences for ev in self._speak(sentence, fixed=fixed)]

    def reprompt(self) -> str:
        if self.state.phase == "identify" and self.customer is not None:
            return f"Am I speaking with {self.customer.first_name} {self.customer.last_name}?"
        if not self.state.verified:
            return "Could you tell me the last four digits of your account number and your ZIP or postal code?"
        return "How would you like to proceed?"

    async def to_human(self, reason: str, line: str) -> AsyncIterator[EngineEvent]:
        if self.settings.human_transfer_number:
            for ev in self.say(line):
                yield ev
            async for ev in self.run_tool("transfer_to_agent", {"reason": reason}):
                yield ev
            return
        for ev in self.say("A specialist will follow up with you. Goodbye."):
            yield ev
        async for ev in self.run_tool("end_call", {"reason": reason}):
            yield ev

    async def write_now(self, label: str, write: Callable[[AsyncConnection], Awaitable[Any]]) -> None:
        """A write the rest of this call depends on (a tool reads it back): done now, queued write-behind only if the
        database is briefly unavailable."""
        try:
            async with self._connection() as conn:
                await write(conn)
        except _DB_ERRORS as exc:
            log.warning("%s not written now (%s); queued", label, type(exc).__name__)
            self.persist.submit(label, write)

    async def apply_intent(self, intent: cp.Intent, evidence: str, details: dict[str, Any] | None = None) -> None:
        """Record an intent and its action now (queued write-behind if the database is briefly unavailable)."""
        customer = self.customer
        try:
            async with self._connection() as conn:
                await cp.apply_intent(conn, intent=intent, customer_id=customer.id if customer else None,
                                      call_id=self.call_id, evidence=evidence, details=details)
        except _DB_ERRORS as exc:
            log.warning("intent %s not recorded now (%s); queued", intent.value, type(exc).__name__)
            self.persist.submit(f"intent {intent.value}", lambda conn: cp.apply_intent(
                conn, intent=intent, customer_id=customer.id if customer else None, call_id=self.call_id,
                evidence=evidence, details=details))
        self.state.intents.append(intent.value)

    # ---- brains and tools -----------------------------------------------------------------------------------
    async def run_tool(self, name: str, args: dict[str, Any], *, before_verification: bool = False
                       ) -> AsyncIterator[EngineEvent]:
        """A tool the engine runs itself (compliance actions); the model sees it in the history."""
        call_id = f"engine_{self._toolseq}"
        self.conversation.assistant("", [{"id": call_id, "type": "function",
                                          "function": {"name": name, "arguments": json.dumps(args)}}])
        outcome = await self._execute(ToolCallRequest(call_id, name, args), before_verification=before_verification)
        self.conversation.tool(call_id, json.dumps(model_view(name, outcome.result), default=str))
        ev = ToolEvent(name, outcome.arguments, outcome.result, outcome.success)
        self.tool_log.append(ev)
        yield ev

    async def brain_turn(self, user_text: str | None,
                          preset: list[tuple[str, dict[str, Any]]] | None = None) -> AsyncIterator[EngineEvent]:
        outcomes: list[ToolOutcome] = []
        for name, args in preset or []:
            async for ev in self.run_tool(name, args):
                assert isinstance(ev, ToolEvent)
                outcomes.append(ToolOutcome(name, ev.arguments, ev.result, ev.success))
                yield ev
            async for ev in self._after_tool(outcomes[-1]):
                yield ev
            if self.state.ended or self._hold_turn:
                self._hold_turn = False
                return
        steps = 0
        while steps < MAX_STEPS_PER_TURN and not self.state.ended:
            steps += 1
            turn = self._turn_input(user_text if steps == 1 and not outcomes else None, outcomes)
            buffer = SentenceBuffer()
            spoken: list[str] = []                # what the brain produced (replayed by the harness)
            said: list[str] = []                  # what the caller heard after the guard (the model's history)
            calls_requested: list[ToolCallRequest] = []
            try:
                async for out in self.brain.step(turn):
                    if isinstance(out, Filler):       # spoken while the model is slow; not part of its history
                        for ev in self._speak(out.text):
                            yield ev
                    elif isinstance(out, BrainMetrics):
                        if self._timing is not None:
                            self._timing.add(out)
                    elif isinstance(out, TextDelta):
                        spoken.append(out.text)
                        for sentence in buffer.feed(out.text):
                            for ev in self._speak(sentence):
                                said.extend([ev.text] if isinstance(ev, AgentSpeech) else [])
                                yield ev
                    else:
                        calls_requested.append(out)
            except Exception as exc:  # BrainUnavailable, or any bug in a brain: the call must go on
                if self.brain is self.rules:
                    log.exception("rules brain failed", extra={"call_id": str(self.call_id)})
                    for ev in self._speak("I'm sorry, could you say that again?"):
                        yield ev
                    return
                log.warning("brain %s unavailable (%s): falling back to rules", self.brain.name,
                            type(exc).__name__ if not isinstance(exc, BrainUnavailable) else exc,
                            extra={"call_id": str(self.call_id)})
                self.brain = self.rules
                self.fell_back = True
                self.record_event("action", "llm_fallback", {"reason": str(exc)[:200]})
                yield ComplianceNotice("llm_fallback")
                for ev in self._speak(BRIDGE_LINE):
                    yield ev
                steps -= 1
                continue
            rest = buffer.flush()
            if rest:
                for ev in self._speak(rest):
                    said.extend([ev.text] if isinstance(ev, AgentSpeech) else [])
                    yield ev
            self.steps.append(BrainStep(self.brain.name, "".join(spoken), [
                {"id": c.call_id, "name": c.name, "arguments": c.arguments if c.arguments is not None else c.raw_arguments}
                for c in calls_requested]))
            self.conversation.assistant(" ".join(said), [
                {"id": c.call_id, "type": "function", "function": {"name": c.name, "arguments": c.raw_arguments or
                                                                   json.dumps(c.arguments or {})}}
                for c in calls_requested] or None)
            if not calls_requested:
                return
            for call in calls_requested:
                async for ev in self._tool_with_filler(call, outcomes):
                    yield ev
                async for ev in self._after_tool(outcomes[-1]):
                    yield ev
                if self.state.ended or self._hold_turn:
                    self._hold_turn = False
                    return
        if steps >= MAX_STEPS_PER_TURN:
            for ev in self._speak("How would you like to proceed?"):
                yield ev

    def _turn_input(self, user_text: str | None, outcomes: list[ToolOutcome]) -> TurnInput:
        return TurnInput(user_text=user_text, tool_results=list(outcomes), state=self.state, customer=self.customer,
                         policy=self.ctx.policy, tactic=self.tactic, conversation=self.conversation,
                         agent_name=self.settings.agent_name, bank_name=self.settings.bank_name,
                         callback_number=self.settings.callback_number, now_iso=self._clock().isoformat(),
                         on_metric=self._on_brain_metric)

    def _on_brain_metric(self, name: str, value: float) -> None:
        """The telemetry hook brains report their own timings through (the first token of this turn counts)."""
        if name == "llm_ttft_ms" and self._timing is not None and self._timing.llm_ttft_ms is None:
            self._timing.llm_ttft_ms = value
        if self.metric_listener is not None:
            self.metric_listener(name, value)

    async def _tool_with_filler(self, call: ToolCallRequest, outcomes: list[ToolOutcome]) -> AsyncIterator[EngineEvent]:
        spec = TOOLS.get(call.name)
        task = asyncio.ensure_future(self._execute(call))
        if spec is not None and spec.speaks_filler:
            done, _ = await asyncio.wait({task}, timeout=self._filler_after_s)
            if not done:
                for ev in self._speak(FILLER_LINE):
                    yield ev
        outcome = await task
        outcomes.append(outcome)
        self.conversation.tool(call.call_id, json.dumps(model_view(call.name, outcome.result), default=str))
        ev = ToolEvent(call.name, outcome.arguments, outcome.result, outcome.success)
        self.tool_log.append(ev)
        yield ev

    async def _after_tool(self, outcome: ToolOutcome) -> AsyncIterator[EngineEvent]:
        """Fixed steps that follow some tool results, whatever the brain: Mini-Miranda after verification, the
        polite end after the last failed attempt."""
        if outcome.name != "verify_account":
            return
        if self.customer is None and self.ctx.customer is not None:
            # An inbound caller from an unknown number, now identified and verified: the call is theirs.
            self.customer = self.ctx.customer
            self.state.remember_amounts(self.customer.balance)
            if self.ctx.policy is not None:
                self.state.remember_amounts(self.ctx.policy.min_instalment)
        if outcome.result.get("needs_name"):
            self.flows.awaiting = "inbound_name"
            self._hold_turn = True
            for ev in self.say("Thank you. And could you tell me your full name as it appears on the account?"):
                yield ev
            return
        if outcome.result.get("verified") and cp.Disclosure.MINI_MIRANDA_FIRST.value not in self.state.disclosures \
                and cp.Disclosure.MINI_MIRANDA_SUBSEQUENT.value not in self.state.disclosures:
            first = True
            if self.customer is not None:
                try:
                    async with self._connection() as conn:
                        first = await cp.is_first_conversation(conn, self.customer.id)
                except _DB_ERRORS:
                    first = True          # the full notice is never wrong
            kind = cp.Disclosure.MINI_MIRANDA_FIRST if first else cp.Disclosure.MINI_MIRANDA_SUBSEQUENT
            for ev in self.disclose(kind):
                yield ev
            now = self._clock()
            self.persist.submit("call verified", lambda conn: calls.update_call(
                conn, self.call_id, verified=True, conversation_at=now))
        elif outcome.result.get("end_call") or (not outcome.success and "exhausted" in str(outcome.result)):
            for ev in self.say("I'm sorry, I wasn't able to verify the account details, so I can't continue this "
                                f"call. Please call us back at {spoken_number(self.settings.callback_number)}. Goodbye."):
                yield ev
            self.finish("verification_failed", "verification_failed")

    async def _execute(self, call: ToolCallRequest, *, before_verification: bool = False) -> ToolOutcome:
        """Run one tool. `before_verification`: a fixed flow runs a tool that is safe before verification here
        (a callback the person on the customer's own line asked for); brains never get this."""
        spec = TOOLS.get(call.name)
        t0 = time.perf_counter()
        args = call.arguments
        error: str | None = None
        result: dict[str, Any]
        if spec is None:
            result, error = {"ok": False, "error": f"unknown tool {call.name!r}"}, "unknown_tool"
        elif args is None:
            result, error = {"ok": False, "error": "arguments were not valid JSON"}, "invalid_arguments"
        elif spec.requires_verification and not self.state.verified and not before_verification:
            result, error = {"ok": False, "error": "the caller is not verified yet; verify first"}, "not_verified"
        elif call.name in COLLECTION_TOOLS and self.flows.collection_stopped:
            result, error = {"ok": False, "error": "collection has stopped on this call (a safety or legal intent); "
                                                   "do not ask for or take any payment"}, "collection_stopped"
        else:
            if call.name == "verify_account":
                self.last_verify_args = dict(args)
            try:
                result = await spec.fn(self.ctx, **spec.parse_args(args))
            except ToolRefused as exc:
                result, error = {"ok": False, "error": exc.reason, **exc.details}, "refused"
            except _DB_ERRORS as exc:
                log.warning("tool %s failed: %s", call.name, type(exc).__name__, extra={"call_id": str(self.call_id)})
                result, error = {"ok": False, "error": "temporarily unavailable, try again shortly"}, "unavailable"
            except Exception:  # a bug must not end the call: the model is told, the log has the trace
                log.exception("tool %s crashed", call.name, extra={"call_id": str(self.call_id)})
                result, error = {"ok": False, "error": "internal error; do not retry this tool"}, "internal_error"
        if error is None and call.name in _STOPPING_TOOLS:
            self.flows.collection_stopped = True     # the brain recorded a legal intent itself
        result = json.loads(json.dumps(result, default=str))
        duration = (time.perf_counter() - t0) * 1000
        masked = mask_mapping(args if args is not None else {"raw": call.raw_arguments[:200]})
        seq = self._toolseq
        self._toolseq += 1
        success = error is None
        executed_at = datetime.now(UTC)
        self.persist.submit(f"tool {seq}", lambda conn: calls.add_tool_execution(
            conn, self.call_id, seq, call.name, masked, result, success=success, duration_ms=duration, error=error,
            executed_at=executed_at))
        await self.persist.drain(TOOL_DURABLE_WAIT_S)     # durable before the result is spoken (crash-safe)
        return ToolOutcome(call.name, masked, result, success)

    # ---- the end --------------------------------------------------------------------------------------------
    def finish(self, outcome: str, reason: str) -> None:
        self.state.ended = True
        self.state.phase = "ended"
        self.state.end_reason = self.state.end_reason or reason
        if self.state.outcome is None:
            self.state.outcome = outcome

    def _persist_outcome(self, *, final: bool = False) -> None:
        fields: dict[str, Any] = {"outcome": self.state.outcome} if self.state.outcome else {}
        if final and self.started.simulated:
            fields.update(status="completed", ended_at=datetime.now(UTC))
        if fields:
            self.persist.submit("call outcome", lambda conn: _update_call_fields(conn, self.call_id, fields))


async def _update_call_fields(conn: AsyncConnection, call_id: uuid.UUID, fields: dict[str, Any]) -> None:
    await calls.update_call(conn, call_id, **fields)
