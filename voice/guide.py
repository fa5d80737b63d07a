"""WS /guide: the Archer guide's socket (protocol: the guide contract, text frames + binary PCM audio).

Authenticated like /live (`_principal`: any signed-in role); sessions per principal and messages per minute are
rate limited through shared/ratelimit.py. Text mode always works (no Cartesia, no LLM: the rules brain). Voice mode
when Cartesia is configured and the client asks for it: microphone PCM s16le 16 kHz → Cartesia STT (SttStream),
answers → Cartesia TTS (TtsStream) as PCM s16le 24 kHz binary frames, barge-in on `interrupt` / `ptt down`, and a
`metrics` message per voice turn (end of speech → first audio byte sent; end of speech = `ptt up`, or the STT's
turn end in hands-free mode).

Extensions to the guide contract (README, "Archer guide"):
- `{"type":"client_metrics","turn":N,"eos_to_first_audio_ms":x}` (client → server): the browser's own end of speech
  (its VAD's last voiced frame) → first played sample of turn N's answer, which includes the STT's endpointing. x is
  0–60000 and N a turn Archer spoke (an `error` otherwise); it is logged ("guide turn figures") beside the server's
  figures for that turn and recorded as the `archer.guide.client_eos_to_first_audio` histogram.
- `hello` may carry `"tour":{"name":"quick_tour","step":i,"state":"running"|"paused"}` when the browser reconnects
  with a tour on; validated (known flow, step in range), the tour runs on from step i or stays paused there (an
  `error` otherwise). `tour` messages carry the flow's `"name"`.
- The quick tour's live-call step (`TourStep.live_call`) launches a simulated call for a supervisor or admin: a `tool`
  message (launch_test_call), then `navigate` to `/test-call?customer=…&tactic=…&autostart=1`; a viewer hears
  `narration_unlaunched` and nothing is launched. `narration_ms` is the variant spoken.

Bad input never ends the session: a clear `error` message, logged without PII. Only a frame that is not a small JSON
object (or too large) closes the socket, with the code voice/ws_frames.py gives it.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from shared.guide.agent import GuideAgent, GuideTurn
from shared.guide.catalog import load_catalog
from shared.guide.guard import safe_say
from shared.guide.tools import SUPERVISOR_ROLES, Caller, LaunchTestCall, launch_test_call
from shared.guide.tour import DEMO_FLOWS, TourStep
from voice.ws_frames import Disconnected, FrameError, parse_frame

if TYPE_CHECKING:
    from voice.app import VoiceServices, WsPrincipal

log = logging.getLogger(__name__)

HELLO_TIMEOUT_S = 15.0
MAX_TEXT_CHARS = 500
MAX_AUDIO_FRAME_BYTES = 32_000            # 1 s of 16 kHz s16le in one frame at most
MIC_RATE = 16_000
OUT_RATE = 24_000
OUT_FORMAT = {"container": "raw", "encoding": "pcm_s16le", "sample_rate": OUT_RATE}
BYTES_PER_S_OUT = OUT_RATE * 2
SESSIONS_PER_PRINCIPAL = 5
MESSAGES_PER_MINUTE = 120
MAX_CLIENT_EOS_MS = 60_000
KEPT_TURN_FIGURES = 20
GREETING = ("Hi, I'm Archer, your guide to this console. Ask me about your calls, say where you want to go, "
            "or ask for the quick tour.")


@dataclass
class GuideConfig:
    """Tests and the bench shrink the text-mode narration pace (1.0 = 150 words per minute)."""
    pace: float = 1.0
    stt_model: str | None = None                # default: the settings' cartesia_stt_model
    sessions_per_principal: int = SESSIONS_PER_PRINCIPAL
    messages_per_minute: int = MESSAGES_PER_MINUTE


def config_of(svc: Any) -> GuideConfig:
    """The guide's settings for this service (tests and the bench set `services.guide_config`)."""
    cfg = getattr(svc, "guide_config", None)
    return cfg if isinstance(cfg, GuideConfig) else GuideConfig()


async def guide_endpoint(ws: WebSocket) -> None:
    from voice.app import admitted, services_of

    svc = services_of(ws)
    cfg = config_of(svc)
    async with admitted(ws, svc, "guide", limit=cfg.sessions_per_principal,
                        refused="too many guide sessions") as principal:
        if principal is None:
            return
        session = GuideSession(ws, svc, principal, cfg)
        try:
            await session.run()
        finally:
            await session.aclose()


# ---- the session ------------------------------------------------------------------------------------------------
@dataclass
class VoiceTurnClock:
    eos_at: float | None = None               # end of speech (ptt up, or the STT's turn end when hands-free)
    stt_final_at: float | None = None
    brain_ms: float = 0.0
    brain: str = "rules"
    tts_first_push_at: float | None = None
    tts_first_byte_at: float | None = None
    first_audio_sent_at: float | None = None


@dataclass
class TourState:
    name: str
    steps: tuple[TourStep, ...]
    index: int = 0
    state: str = "running"                    # running | paused | done | stopped
    task: asyncio.Task[None] | None = None
    launch: bool = False                      # the user may launch the live simulated call (supervisor, admin)
    launched: dict[int, str] = field(default_factory=dict)   # step → the test-call page of the call it started


@dataclass
class GuideSession:
    ws: WebSocket
    svc: VoiceServices
    principal: WsPrincipal
    cfg: GuideConfig
    page_path: str = "/"
    voice: bool = False
    turn: int = 0
    agent: GuideAgent | None = None
    speech: Any = None                        # GuideSpeech in voice mode
    answering: asyncio.Task[None] | None = None
    tour: TourState | None = None
    figures: dict[int, dict[str, Any]] = field(default_factory=dict)   # the server's metrics of recent turns
    _send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _closed: bool = False

    @property
    def role(self) -> str:
        return self.principal.role or "viewer"

    def caller(self) -> Caller:
        return Caller(role=self.role, page_path=self.page_path)

    # ---- sending ----
    async def send(self, message: dict[str, Any]) -> None:
        if self._closed:
            return
        async with self._send_lock:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                await self.ws.send_json(message)

    async def send_audio(self, data: bytes) -> None:
        if self._closed or not data:
            return
        async with self._send_lock:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                await self.ws.send_bytes(data)

    async def error(self, message: str) -> None:
        await self.send({"type": "error", "message": message})

    async def state(self, state: str) -> None:
        await self.send({"type": "state", "state": state})

    # ---- the loop ----
    async def run(self) -> None:
        hello = await self._hello()
        if hello is None:
            return
        settings = self.svc.settings
        self.agent = GuideAgent(self.svc.get_pool, settings)
        self.page_path = _path(hello.get("page")) or "/"
        reason = None
        if hello.get("voice") is True:
            if settings.secret("cartesia_api_key"):
                try:
                    from voice.guide_speech import GuideSpeech

                    self.speech = GuideSpeech(self, self.svc.get_cartesia(), settings, self.cfg)
                    await self.speech.start()
                    self.voice = True
                except Exception as exc:
                    log.warning("guide voice unavailable", extra={"error": type(exc).__name__})
                    self.speech = None
                    reason = "the speech service is unavailable; text chat works"
            else:
                reason = "voice is not configured (no Cartesia key); text chat works"
        ready: dict[str, Any] = {"type": "ready", "voice": self.voice, "role": self.role}
        if reason:
            ready["reason"] = reason
        await self.send(ready)
        await self.state("idle")
        resumed = await self._resume_tour(hello.get("tour"))
        if hello.get("greet") is True and not resumed:
            self._start_answer(self._say_lines([GREETING]))
        await self._loop()

    async def _resume_tour(self, raw: Any) -> bool:
        """A reconnect: the hello's `tour` says where the browser was; a valid one resumes or stays paused there."""
        if raw is None:
            return False
        problem = _tour_problem(raw)
        if problem is not None:
            log.warning("guide: bad tour in hello", extra={"problem": problem})
            await self.error(f"the tour in hello was ignored: {problem}")
            return False
        steps = DEMO_FLOWS[raw["name"]]
        self.tour = TourState(name=raw["name"], steps=steps, index=raw["step"], state="paused",
                              launch=self.role in SUPERVISOR_ROLES)
        if steps[raw["step"]].live_call is not None and self.tour.launch and _is_test_call(self.page_path):
            self.tour.launched[raw["step"]] = _without_autostart(self.page_path)   # that call is already on the page
        if raw["state"] == "running":
            self._run_tour()
        else:
            step = steps[raw["step"]]
            page = load_catalog().page(step.page)
            if page is not None:
                self.page_path = page.path
            await self.send(self._tour_message(self.tour))
        return True

    async def _hello(self) -> dict[str, Any] | None:
        try:
            async with asyncio.timeout(HELLO_TIMEOUT_S):
                while True:
                    frame = await self._receive()
                    if frame is None:
                        return None
                    if isinstance(frame, bytes):
                        await self.error("send a hello message first")
                        continue
                    if frame.get("type") == "hello":
                        return frame
                    await self.error("the first message must be {\"type\": \"hello\"}")
        except TimeoutError:
            with contextlib.suppress(Exception):
                await self.ws.close(code=1008, reason="no hello")
            return None

    async def _receive(self) -> dict[str, Any] | bytes | None:
        """The next frame: a JSON object, audio bytes, or None when the socket is gone (closed on a bad frame)."""
        try:
            message = await self.ws.receive()
        except (WebSocketDisconnect, RuntimeError):
            return None
        if message["type"] == "websocket.receive" and message.get("bytes") is not None:
            return bytes(message["bytes"])
        try:
            body = parse_frame(message)
        except FrameError as exc:
            log.warning("guide: protocol error, closing", extra={"code": exc.code, "reason": exc.reason})
            with contextlib.suppress(Exception):
                await self.ws.close(code=exc.code, reason=exc.reason)
            return None
        return None if isinstance(body, Disconnected) else body

    async def _loop(self) -> None:
        limiter = self.svc.get_limiter()
        while True:
            frame = await self._receive()
            if frame is None:
                return
            if isinstance(frame, bytes):
                await self._audio(frame)
                continue
            verdict = await limiter.hit("guide_msg", self.principal.subject, limit=self.cfg.messages_per_minute)
            if not verdict.allowed:
                await self.error(f"too many messages; wait {verdict.retry_after_s} s")
                continue
            try:
                await self._dispatch(frame)
            except Exception as exc:       # one bad message never ends the session
                log.warning("guide message failed", extra={"kind": str(frame.get("type"))[:20],
                                                           "error": type(exc).__name__})
                await self.error("that message could not be handled")

    async def _dispatch(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "text":
            text = frame.get("text")
            if not isinstance(text, str) or not text.strip():
                await self.error("text messages need a non-empty \"text\"")
                return
            if len(text) > MAX_TEXT_CHARS:
                await self.error(f"questions are limited to {MAX_TEXT_CHARS} characters")
                return
            await self.ask(text.strip())
        elif kind == "page":
            path = _path(frame.get("path"))
            if path is None:
                await self.error("page messages need a \"path\" such as /calls")
                return
            self.page_path = path
        elif kind == "tour":
            action = frame.get("action")
            if action not in ("start", "pause", "resume", "stop"):
                await self.error("tour actions are start, pause, resume and stop")
                return
            await self.tour_action(str(action))
        elif kind == "interrupt":
            await self.interrupt()
        elif kind == "ptt":
            state = frame.get("state")
            if state not in ("down", "up"):
                await self.error("ptt state is down or up")
                return
            if not self.voice or self.speech is None:
                await self.error("push-to-talk needs voice mode")
                return
            if state == "down":
                await self.interrupt()
                await self.speech.ptt_down()
            else:
                await self.speech.ptt_up()
        elif kind == "client_metrics":
            await self.client_metrics(frame)
        elif kind == "hello":
            await self.error("hello was already received")
        else:
            await self.error("unknown message type; expected text, ptt, interrupt, page, tour or client_metrics")

    async def _audio(self, data: bytes) -> None:
        if not self.voice or self.speech is None:
            await self.error("audio is accepted only in voice mode")
            return
        if len(data) > MAX_AUDIO_FRAME_BYTES:
            await self.error(f"audio frames are limited to {MAX_AUDIO_FRAME_BYTES} bytes")
            return
        if len(data) % 2:
            await self.error("audio must be PCM signed 16-bit little-endian: a whole number of samples")
            return
        await self.speech.audio(data)

    # ---- figures ----
    def remember_figures(self, message: dict[str, Any]) -> None:
        """The server's `metrics` for a turn, kept so the browser's own figure is logged beside them."""
        self.figures[int(message["turn"])] = message
        while len(self.figures) > KEPT_TURN_FIGURES:
            del self.figures[min(self.figures)]

    async def client_metrics(self, frame: dict[str, Any]) -> None:
        """The browser's end of speech (its VAD's last voiced frame) → first played sample, for one voice turn."""
        turn, value = frame.get("turn"), frame.get("eos_to_first_audio_ms")
        if isinstance(turn, bool) or not isinstance(turn, int) or not 1 <= turn <= self.turn:
            await self.error("client_metrics needs the \"turn\" of an answer Archer spoke")
            return
        if (isinstance(value, bool) or not isinstance(value, int | float) or value != value
                or not 0 <= value <= MAX_CLIENT_EOS_MS):
            await self.error(f"eos_to_first_audio_ms must be a number of milliseconds from 0 to {MAX_CLIENT_EOS_MS}")
            return
        from voice.guide_speech import record_client_histogram

        server = self.figures.get(turn, {})
        record_client_histogram(float(value))
        log.info("guide turn figures", extra={
            "turn": turn, "client_eos_to_first_audio_ms": round(float(value), 1),
            **{f"server_{k}": server.get(k) for k in ("eos_to_first_audio_ms", "stt_final_ms", "brain_ms",
                                                      "tts_first_byte_ms", "overhead_ms")}})

    # ---- answers ----
    async def ask(self, text: str, clock: VoiceTurnClock | None = None) -> None:
        """A question: pauses a running tour, cuts Archer off, answers in the background."""
        if self.tour is not None and self.tour.state == "running":
            await self._pause_tour()
        await self._cancel_answer()
        self._start_answer(self._answer(text, clock))

    def _start_answer(self, coro: Any) -> None:
        self.answering = asyncio.create_task(coro, name="guide-answer")

    async def _cancel_answer(self) -> None:
        task, self.answering = self.answering, None
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if self.speech is not None:
            await self.speech.cancel_output()

    async def _answer(self, text: str, clock: VoiceTurnClock | None) -> None:
        assert self.agent is not None
        await self.state("thinking")
        started = time.monotonic()
        result: GuideTurn = await self.agent.answer(text, self.caller())
        if clock is not None:
            clock.brain_ms = round((time.monotonic() - started) * 1000, 1)
            clock.brain = result.brain
        if result.tool is not None:
            await self.send(result.tool)
        for action in result.actions:
            await self.send(action)
            if action.get("action") == "navigate":
                self.page_path = _path(action.get("path")) or self.page_path
        await self._speak(result.say, clock)
        if result.tour:
            await self.start_tour(result.tour)

    async def _say_lines(self, lines: list[str]) -> None:
        await self._speak([safe_say(line) for line in lines], None)

    async def _speak(self, lines: list[str], clock: VoiceTurnClock | None) -> None:
        """Say each sentence (one `say` each); in voice mode stream its audio and wait until it has played."""
        if not lines:
            await self.state("idle")
            return
        self.turn += 1
        turn = self.turn
        if self.speech is None:
            for line in lines:
                await self.send({"type": "say", "turn": turn, "text": line})
            await self.state("idle")
            return
        await self.state("speaking")
        await self.speech.speak(turn, lines, clock)
        await self.state("idle")

    async def interrupt(self) -> None:
        """Barge-in: stop speaking now; a running tour pauses."""
        if self.tour is not None and self.tour.state == "running":
            await self._pause_tour()
        await self._cancel_answer()
        await self.state("listening" if self.voice else "idle")

    # ---- the tour ----
    async def start_tour(self, name: str) -> None:
        await self._stop_tour_task()
        self.tour = TourState(name=name, steps=DEMO_FLOWS[name], launch=self.role in SUPERVISOR_ROLES)
        self._run_tour()

    def _run_tour(self) -> None:
        assert self.tour is not None
        self.tour.state = "running"
        self.tour.task = asyncio.create_task(self._tour_steps(self.tour), name="guide-tour")

    async def _tour_steps(self, tour: TourState) -> None:
        catalog = load_catalog()
        while tour.index < len(tour.steps):
            step = tour.steps[tour.index]
            page = catalog.page(step.page)
            assert page is not None
            path, launched = page.path, False
            if step.live_call is not None and tour.launch:
                if tour.index in tour.launched:          # resumed: back to the call it started, not a second one
                    path, launched = tour.launched[tour.index], True
                elif (live := await self._launch_live_call(step.live_call)) is not None:
                    path, launched = live, True
                    tour.launched[tour.index] = _without_autostart(live)
            narration = step.narration_for(launched)
            await self.send({"type": "tour", "name": tour.name, "state": "running", "step": tour.index,
                             "of": len(tour.steps), "title": step.title, "page": step.page,
                             "element": step.element, "narration_ms": step.narration_ms_for(launched)})
            await self.send({"type": "action", "action": "navigate", "path": path})
            self.page_path = path
            if step.element:
                await self.send({"type": "action", "action": "highlight", "element": step.element})
            else:
                await self.send({"type": "action", "action": "clear_highlight"})
            if self.speech is None:
                self.turn += 1
                await self.send({"type": "say", "turn": self.turn, "text": narration})
                await asyncio.sleep(step.narration_ms_for(launched) / 1000 * self.cfg.pace)
            else:
                await self.state("speaking")
                self.turn += 1
                await self.speech.speak(self.turn, [narration], None, wait_playout=True)
            tour.index += 1
        tour.state = "done"
        await self.send({"type": "action", "action": "clear_highlight"})
        await self.state("idle")
        await self.send({"type": "tour", "name": tour.name, "state": "done", "step": len(tour.steps) - 1,
                         "of": len(tour.steps),
                         "title": tour.steps[-1].title, "page": tour.steps[-1].page, "element": None,
                         "narration_ms": 0})

    async def _launch_live_call(self, live_call: tuple[str, str]) -> str | None:
        """The tour's live simulated call (supervisor, admin): launch_test_call with the step's seeded customer and
        tactic → the /test-call page that starts it (autostart). None when it cannot (the step is narrated only)."""
        customer, tactic = live_call
        args = LaunchTestCall(customer=customer, tactic=tactic)
        try:
            pool = await self.svc.get_pool()
            async with pool.connection() as conn:
                outcome = await launch_test_call(args, self.caller(), conn)
        except Exception as exc:
            log.warning("guide tour: live simulated call not launched", extra={"error": type(exc).__name__})
            return None
        path = outcome.result.get("path")
        if not isinstance(path, str):
            return None
        await self.send({"type": "tool", "name": "launch_test_call",
                         "arguments": {"customer": customer, "tactic": tactic}, "result": outcome.result})
        return path

    def _tour_message(self, tour: TourState) -> dict[str, Any]:
        i = min(tour.index, len(tour.steps) - 1)
        step = tour.steps[i]
        launched = i in tour.launched
        return {"type": "tour", "name": tour.name, "state": tour.state, "step": i, "of": len(tour.steps),
                "title": step.title, "page": step.page, "element": step.element,
                "narration_ms": step.narration_ms_for(launched)}

    async def _stop_tour_task(self) -> None:
        tour = self.tour
        if tour is not None and tour.task is not None and not tour.task.done():
            tour.task.cancel()
            await asyncio.gather(tour.task, return_exceptions=True)
        if self.speech is not None:
            await self.speech.cancel_output()

    async def _pause_tour(self) -> None:
        assert self.tour is not None
        await self._stop_tour_task()
        self.tour.state = "paused"
        await self.send(self._tour_message(self.tour))
        await self.state("idle")

    async def tour_action(self, action: str) -> None:
        tour = self.tour
        if action == "start":
            await self._cancel_answer()
            await self.start_tour("quick_tour")
        elif tour is None or tour.state in ("done", "stopped"):
            await self.error("no tour is running; send {\"type\":\"tour\",\"action\":\"start\"}")
        elif action == "pause":
            if tour.state == "running":
                await self._pause_tour()
            else:
                await self.send(self._tour_message(tour))
        elif action == "resume":
            if tour.state == "paused":
                await self._cancel_answer()
                self._run_tour()           # the current step's narration starts again
            else:
                await self.send(self._tour_message(tour))
        else:                              # stop
            await self._stop_tour_task()
            tour.state = "stopped"
            await self.send({"type": "action", "action": "clear_highlight"})
            await self.send(self._tour_message(tour))
            await self.state("idle")

    async def aclose(self) -> None:
        await self._cancel_answer()
        await self._stop_tour_task()
        self._closed = True
        if self.speech is not None:
            await self.speech.aclose()


def _tour_problem(raw: Any) -> str | None:
    """Why a hello's `tour` ({"name", "step", "state"}) cannot be resumed, or None when it can."""
    if not isinstance(raw, dict):
        return "tour must be an object with name, step and state"
    name, step, state = raw.get("name"), raw.get("step"), raw.get("state")
    if not isinstance(name, str) or name not in DEMO_FLOWS:
        return f"unknown tour; known: {', '.join(sorted(DEMO_FLOWS))}"
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step < len(DEMO_FLOWS[name]):
        return f"step must be a whole number from 0 to {len(DEMO_FLOWS[name]) - 1}"
    if state not in ("running", "paused"):
        return "state must be running or paused"
    return None


def _is_test_call(path: str) -> bool:
    return path.startswith("/test-call?") and "customer=" in path


def _without_autostart(path: str) -> str:
    """The test-call page of a call already started (the page drops autostart once it has started it)."""
    base, _, query = path.partition("?")
    kept = [p for p in query.split("&") if p and not p.startswith("autostart=")]
    return base + ("?" + "&".join(kept) if kept else "")


def _path(raw: Any) -> str | None:
    if not isinstance(raw, str) or not raw.startswith("/") or len(raw) > 300:
        return None
    return raw
