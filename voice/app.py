"""The voice service's ASGI app: WS /twilio/media, WS /sim, WS /live, GET /healthz (Starlette, no global state).

`create_app()` takes its collaborators (engine factory, call control, token verifier) so tests and the dev host can
compose it; everything heavy (DB pool, Cartesia client, Redis) is opened lazily on first use.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from shared.agent.events import CallStarted, ConversationEngine
from shared.agent.persistence import ProcessLease
from shared.db.calls import TurnMetrics, claim_stream, finish_call, get_call, record_turn_metrics
from shared.events.bus import EventBus, make_bus
from shared.ratelimit import DoorLimits, Limiter, source_address
from shared.settings import Settings, get_settings
from shared.telephony.call_control import CallControl
from voice import twilio_serializer as wire
from voice.call import CallPipeline, VoiceConfig
from voice.call.reader import close_for, pump_media, read_start
from voice.guide import guide_endpoint
from voice.records import WriteBehind
from voice.sim import run_sim
from voice.twilio_link import TwilioLink
from voice.ws_frames import FORBIDDEN, RATE_LIMITED, Disconnected, FrameError, receive_frame

log = logging.getLogger(__name__)

EngineFactory = Callable[[CallStarted, "VoiceServices"], Awaitable[ConversationEngine]]
TokenVerifier = Callable[[str], Awaitable[object]]       # raises when the token is not acceptable
START_TIMEOUT_S = 10.0
LEASE_RETRY_S = 5.0
DEFAULT_TACTIC = "balanced_progression"


async def default_engine_factory(started: CallStarted, services: VoiceServices) -> ConversationEngine:
    """The real engine (shared/agent), on this process's pool and collaborators."""
    from shared.agent.session import start_session  # type: ignore[import-not-found]

    workflows = services.workflows
    if workflows is None and services.workflows_provider is not None:
        workflows = services.workflows_provider()
    pool = await services.get_pool()
    call_control = services.get_call_control()
    assert call_control is not None                      # built once the pool exists
    engine: ConversationEngine = await start_session(
        pool, started, settings=services.settings, call_control=call_control, workflows=workflows)
    return engine


@dataclass
class VoiceServices:
    settings: Settings
    engine_factory: EngineFactory = default_engine_factory
    config: VoiceConfig = field(default_factory=VoiceConfig)
    call_control: CallControl | None = None
    workflows: Any = None
    workflows_provider: Callable[[], Any] | None = None     # e.g. the dev host's local driver, found late
    verify_token: TokenVerifier | None = None
    bus: EventBus | None = None
    pool: Any = None
    cartesia: Any = None
    draining: bool = False
    calls: dict[uuid.UUID, CallPipeline] = field(default_factory=dict)
    writes: WriteBehind | None = None
    limits: DoorLimits = field(default_factory=DoorLimits)
    limiter: Limiter | None = None
    instance_id: str = field(default_factory=lambda: f"voice-{uuid.uuid4().hex[:16]}")
    lease: ProcessLease | None = None
    _lease_retry: asyncio.Task[None] | None = None
    _pool_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _owns: set[str] = field(default_factory=set)
    _idle: asyncio.Event = field(default_factory=asyncio.Event)

    async def get_pool(self) -> Any:
        async with self._pool_lock:
            if self.pool is None:
                from shared.db.pool import open_pool

                self.pool = await open_pool(self.settings.database_url, wait=False)
                self._owns.add("pool")
            return self.pool

    def get_bus(self) -> EventBus:
        if self.bus is None:
            self.bus = make_bus(self.settings.redis_url)
            self._owns.add("bus")
        return self.bus

    def get_limiter(self) -> Limiter:
        if self.limiter is None:
            self.limiter = Limiter(self.settings.redis_url)
            self._owns.add("limiter")
        return self.limiter

    async def start(self) -> None:
        """Hold this process's lease and finalize the calls of processes that died (their lease is free). A database
        that is down at start does not stop the service: the lease is retried in the background."""
        if self.pool is None and not self.settings.database_url:
            return
        if not await self._take_lease():
            self._lease_retry = asyncio.create_task(self._retry_lease(), name="voice-lease")

    async def _take_lease(self) -> bool:
        try:
            pool = await self.get_pool()
            lease = ProcessLease(self.settings.database_url or pool.conninfo, self.instance_id)
            await lease.open()
            self.lease = lease
            finalized = await lease.finalize_orphans(pool)
        except Exception as exc:
            log.warning("crash recovery not done yet", extra={"error": type(exc).__name__})
            return self.lease is not None
        if finalized:
            log.info("finalized calls of a process that died", extra={"calls": [str(c) for c in finalized]})
        return True

    async def _retry_lease(self) -> None:
        while True:                                  # until the database lets this process hold its lease
            await asyncio.sleep(LEASE_RETRY_S)
            if await self._take_lease():
                return

    def get_cartesia(self) -> Any:
        if self.cartesia is None:
            from shared.speech.cartesia_client import cartesia_client

            self.cartesia = cartesia_client(self.settings)
        return self.cartesia

    def get_call_control(self) -> CallControl | None:
        if self.call_control is None and self.pool is not None:
            if self.settings.twilio_account_sid or self.settings.is_production:
                from shared.telephony.twilio_call_control import TwilioCallControl

                self.call_control = TwilioCallControl(self.pool, self.settings)
            else:
                from shared.telephony.offline_call_control import OfflineCallControl

                self.call_control = OfflineCallControl(self.pool)
        return self.call_control

    def get_writes(self) -> WriteBehind:
        if self.writes is None:
            self.writes = WriteBehind(self.get_pool)
        return self.writes

    def record_metrics(self, metrics: TurnMetrics) -> None:
        self.get_writes().submit("turn_metrics", lambda conn: record_turn_metrics(conn, metrics))

    def finish_call_later(self, call_id: uuid.UUID) -> None:
        ended_at = datetime.now(UTC)
        self.get_writes().submit("finish_call", lambda conn: finish_call(conn, call_id, ended_at=ended_at))

    def call_opened(self, call_id: uuid.UUID, pipeline: CallPipeline) -> None:
        self.calls[call_id] = pipeline
        self._idle.clear()

    def call_closed(self, call_id: uuid.UUID) -> None:
        self.calls.pop(call_id, None)
        if not self.calls:
            self._idle.set()

    async def drain(self) -> None:
        """Refuse new calls; return once the live ones have finished."""
        self.draining = True
        if self.calls:
            await self._idle.wait()

    async def aclose(self) -> None:
        if self.writes is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await self.writes.flush()
            await self.writes.close()
        clients = getattr(self.call_control, "clients", None)
        if clients is not None and hasattr(clients, "aclose"):
            with contextlib.suppress(Exception):
                await clients.aclose()
        if "bus" in self._owns and self.bus is not None:
            await self.bus.close()
        if "limiter" in self._owns and self.limiter is not None:
            await self.limiter.close()
        if self._lease_retry is not None:
            self._lease_retry.cancel()
            await asyncio.gather(self._lease_retry, return_exceptions=True)
        if self.lease is not None:
            await self.lease.close()
        if "pool" in self._owns and self.pool is not None:
            await self.pool.close()


def services_of(scope_holder: Request | WebSocket) -> VoiceServices:
    svc: VoiceServices = scope_holder.app.state.services
    return svc


# ---- /healthz ---------------------------------------------------------------------------------------------------
async def healthz(request: Request) -> JSONResponse:
    svc = services_of(request)
    body = {"status": "draining" if svc.draining else "ok", "active_calls": len(svc.calls)}
    return JSONResponse(body, status_code=503 if svc.draining else 200)


# ---- /twilio/media ----------------------------------------------------------------------------------------------
def _handshake_url(ws: WebSocket, settings: Settings) -> str:
    if settings.voice_ws_url:
        return f"{settings.voice_ws_url}{ws.url.path}"
    host = ws.headers.get("x-forwarded-host") or ws.headers.get("host", "")
    proto = "wss" if ws.headers.get("x-forwarded-proto") in {"https", "wss"} else ws.url.scheme
    return f"{proto}://{host}{ws.url.path}"


def twilio_signature_ok(ws: WebSocket, settings: Settings) -> bool:
    token = settings.secret("twilio_auth_token")
    if not token:
        return not settings.is_production        # local dev without Twilio: nothing to check against
    from twilio.request_validator import RequestValidator

    signature = ws.headers.get("x-twilio-signature", "")
    return bool(signature) and RequestValidator(token).validate(_handshake_url(ws, settings), {}, signature)


def _source(ws: WebSocket | Request) -> str:
    """The caller's address behind the ingress (shared/ratelimit.py: the right-most external X-Forwarded-For)."""
    return source_address(ws.client.host if ws.client else None, ws.headers.get("x-forwarded-for"))


async def _read_start(ws: WebSocket) -> wire.Start:
    """The stream's `start`; a binary frame, a malformed frame or media before `start` is a protocol error."""
    return await read_start(ws, timeout_s=START_TIMEOUT_S)


def _stream_call_id(start: wire.Start, settings: Settings) -> uuid.UUID:
    """The call the stream belongs to: from the signed token (the call_id parameter alone is never trusted)."""
    secret = settings.secret("twilio_auth_token")
    token = start.custom_parameters.get("token", "")
    if secret:
        from shared.telephony.stream_token import verify_stream_token

        return verify_stream_token(token, secret=secret, now=datetime.now(UTC))
    if settings.is_production:
        raise PermissionError("stream tokens cannot be checked without TWILIO_AUTH_TOKEN")
    return uuid.UUID(start.custom_parameters["call_id"])


class StreamAlreadyClaimed(Exception):
    """The call already has (or had) a media stream: the token was used once."""


async def _call_started(svc: VoiceServices, call_id: uuid.UUID, start: wire.Start) -> CallStarted:
    """Claim the call's one stream (single use: a replayed token or webhook finds it taken) and describe it."""
    from shared.db.tactics import get_tactic

    pool = await svc.get_pool()
    async with pool.connection() as conn:
        if not await claim_stream(conn, call_id, svc.instance_id):
            raise StreamAlreadyClaimed()
        call = await get_call(conn, call_id)
        tactic = DEFAULT_TACTIC
        if call.tactic_id is not None:
            tactic = (await get_tactic(conn, call.tactic_id)).name
    return CallStarted(call_id=call.id, customer_id=call.customer_id, tactic_name=tactic,
                       direction="inbound" if call.direction == "inbound" else "outbound")


async def _deny(ws: WebSocket, status: int, retry_after_s: int | None = None) -> None:
    """Refuse a handshake with an HTTP answer (429 + Retry-After where the server allows it, else a 403)."""
    from starlette.responses import Response

    headers = {"Retry-After": str(retry_after_s)} if retry_after_s else None
    try:
        await ws.send_denial_response(Response(status_code=status, headers=headers))
    except RuntimeError:                           # the server lacks the denial-response extension
        await ws.close(code=1013 if status == 429 else 1008)


async def twilio_media(ws: WebSocket) -> None:
    svc = services_of(ws)
    if svc.draining:
        await ws.close(code=1013)                 # before accept: the handshake is refused
        return
    verdict = await svc.get_limiter().hit("media_handshake", _source(ws),
                                          limit=svc.limits.media_handshakes_per_source_per_minute)
    if not verdict.allowed:
        log.warning("media stream handshake refused: rate limited")
        await _deny(ws, 429, verdict.retry_after_s)
        return
    if not twilio_signature_ok(ws, svc.settings):
        log.warning("media stream handshake with a bad signature refused")
        await ws.close(code=1008)
        return
    await ws.accept()
    try:
        start = await _read_start(ws)
    except wire.ProtocolError as exc:
        await close_for(ws, exc)
        return
    except Exception as exc:
        log.warning("media stream rejected: %s", type(exc).__name__)
        with contextlib.suppress(Exception):
            await ws.close(code=1008)
        return
    try:
        call_id = _stream_call_id(start, svc.settings)
        started = await _call_started(svc, call_id, start)
        engine = await svc.engine_factory(started, svc)
    except Exception as exc:
        log.warning("media stream rejected: %s", type(exc).__name__)
        with contextlib.suppress(Exception):
            await ws.close(code=1008)
        return
    link = TwilioLink(ws, stream_sid=start.stream_sid, call_sid=start.call_sid,
                      call_control=svc.get_call_control(), transfer_number=svc.settings.human_transfer_number)
    pipeline = CallPipeline(started=started, engine=engine, cartesia=svc.get_cartesia(), link=link,
                            bus=svc.get_bus(), record_metrics=svc.record_metrics,
                            settings_models=(svc.settings.cartesia_stt_model, svc.settings.cartesia_tts_model),
                            voice_id=svc.settings.cartesia_voice_id, config=svc.config)
    svc.call_opened(call_id, pipeline)
    reader = asyncio.create_task(pump_media(ws, pipeline, call_id=call_id), name=f"media-reader:{str(call_id)[:8]}")
    try:
        from shared.telemetry.tracing import call_span

        with call_span(start.custom_parameters, str(call_id)):
            reason = await pipeline.run()
        log.info("call ended", extra={"call_id": str(call_id), "reason": reason})
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        await link.close()
        svc.finish_call_later(call_id)
        svc.call_closed(call_id)


# ---- /sim and /live ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WsPrincipal:
    subject: str
    role: str | None


# Archer's roles as tokens carry them: the documented names and the Entra app-role values, exactly.
_ROLE_NAMES = {"viewer": "viewer", "supervisor": "supervisor", "admin": "admin",
               "Archer.Viewer": "viewer", "Archer.Supervisor": "supervisor", "Archer.Admin": "admin"}
_RANK = {"viewer": 0, "supervisor": 1, "admin": 2}


def role_of(claims: object) -> str | None:
    """The highest Archer role among the token's `roles` (a list of strings; anything else carries none)."""
    raw = claims.get("roles") if isinstance(claims, dict) else getattr(claims, "roles", None)
    if not isinstance(raw, list):
        return None
    found = [_ROLE_NAMES[r] for r in raw if isinstance(r, str) and r in _ROLE_NAMES]
    return max(found, key=_RANK.__getitem__) if found else None


async def _principal(ws: WebSocket, svc: VoiceServices) -> WsPrincipal | None:
    """Admin-API tokens: `?token=` (browsers cannot set websocket headers) or an Authorization bearer."""
    if svc.verify_token is None:
        return None if svc.settings.is_production else WsPrincipal(f"anonymous:{_source(ws)}", "admin")
    token = ws.query_params.get("token") or ws.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not token:
        return None
    try:
        claims = await svc.verify_token(token)
    except Exception:
        return None
    subject = claims.get("sub") if isinstance(claims, dict) else getattr(claims, "subject", None)
    return WsPrincipal(str(subject or "unknown")[:200], role_of(claims))


async def _refuse_after_accept(ws: WebSocket, code: int, reason: str) -> None:
    """Browsers cannot read a refused handshake's status: accept, then close with a code and a reason."""
    await ws.accept()
    await ws.close(code=code, reason=reason[:120])


async def sim(ws: WebSocket) -> None:
    svc = services_of(ws)
    if svc.draining:
        await ws.close(code=1013)
        return
    principal = await _principal(ws, svc)
    if principal is None:
        await ws.close(code=1008)
        return
    if principal.role not in ("supervisor", "admin"):
        log.warning("simulated call refused: the supervisor role is required", extra={"role": principal.role})
        await _refuse_after_accept(ws, FORBIDDEN, "simulated calls need the supervisor role")
        return
    limiter, limits = svc.get_limiter(), svc.limits
    verdict = await limiter.hit("sim_start", principal.subject, limit=limits.sim_starts_per_minute)
    lease, wait_s = (None, verdict.retry_after_s)
    if verdict.allowed:
        lease, wait_s = await limiter.acquire("sim", principal.subject, limit=limits.sim_sessions_per_principal,
                                              lease_s=limits.lease_s)
    if lease is None:
        log.warning("simulated call refused: rate limited")
        await _refuse_after_accept(ws, RATE_LIMITED, f"too many simulated calls; retry after {wait_s} s")
        return
    async with limiter.holding(lease, lease_s=limits.lease_s):
        await ws.accept()
        await run_sim(ws, svc)


async def live(ws: WebSocket) -> None:
    svc = services_of(ws)
    async with admitted(ws, svc, "live", limit=svc.limits.live_connections_per_principal,
                        refused="too many live connections") as principal:
        if principal is not None:
            await _serve_live(ws, svc)


@contextlib.asynccontextmanager
async def admitted(ws: WebSocket, svc: VoiceServices, door: str, *, limit: int,
                   refused: str) -> AsyncIterator[WsPrincipal | None]:
    """An admin socket's door (/live, /guide): a verified token (else close 1008) and one of `limit` session leases
    per principal (else close 4429 saying when to retry). Yields the principal with the socket accepted and the
    lease held for the body, or None when refused (the socket is already closed)."""
    principal = await _principal(ws, svc)
    if principal is None:
        await ws.close(code=1008)
        yield None
        return
    limiter = svc.get_limiter()
    lease, wait_s = await limiter.acquire(door, principal.subject, limit=limit, lease_s=svc.limits.lease_s)
    if lease is None:
        log.warning("%s connection refused: rate limited", door)
        await _refuse_after_accept(ws, RATE_LIMITED, f"{refused}; retry after {wait_s} s")
        yield None
        return
    async with limiter.holding(lease, lease_s=svc.limits.lease_s):
        await ws.accept()
        yield principal


async def _serve_live(ws: WebSocket, svc: VoiceServices) -> None:
    only_call = ws.query_params.get("call_id")
    events = svc.get_bus().subscribe()

    async def pump() -> None:
        async for event in events:
            if only_call is None or event.type == "gap" or str(event.call_id) == only_call:
                await ws.send_text(event.to_json())

    pumper = asyncio.create_task(pump(), name="live-pump")
    close_code, close_reason = 1000, ""
    try:
        while True:                              # the client only ever closes; small JSON pings are ignored
            try:
                if isinstance(await receive_frame(ws), Disconnected):
                    return
            except FrameError as exc:
                log.warning("live connection: protocol error, closing", extra={"code": exc.code,
                                                                              "reason": exc.reason})
                close_code, close_reason = exc.code, exc.reason
                break
            except WebSocketDisconnect:
                return
    finally:
        pumper.cancel()
        await asyncio.gather(pumper, return_exceptions=True)
        with contextlib.suppress(Exception):
            await events.aclose()  # type: ignore[attr-defined]
        if close_code != 1000:
            with contextlib.suppress(Exception):
                await ws.close(code=close_code, reason=close_reason)


# ---- the app ----------------------------------------------------------------------------------------------------
def create_app(*, settings: Settings | None = None, engine_factory: EngineFactory | None = None,
               call_control: CallControl | None = None, verify_token: TokenVerifier | None = None,
               config: VoiceConfig | None = None, bus: EventBus | None = None, pool: Any = None,
               workflows: Any = None) -> Starlette:
    settings = settings or get_settings()
    if verify_token is None:
        from voice.auth import default_token_verifier

        verify_token = default_token_verifier(settings)
    services = VoiceServices(settings=settings, engine_factory=engine_factory or default_engine_factory,
                             config=config or VoiceConfig(), call_control=call_control, verify_token=verify_token,
                             bus=bus, pool=pool, workflows=workflows)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        _configure_telemetry(services.settings)
        await services.start()
        yield
        await services.drain()
        await services.aclose()

    app = Starlette(routes=[Route("/healthz", healthz), WebSocketRoute("/twilio/media", twilio_media),
                            WebSocketRoute("/sim", sim), WebSocketRoute("/live", live),
                            WebSocketRoute("/guide", guide_endpoint)], lifespan=lifespan)
    app.state.services = services
    return app


def _configure_telemetry(settings: Settings) -> None:
    """Azure Monitor as archer-voice (idempotent: voice/services.py normally configured it before the app existed)."""
    from shared.telemetry.otel import configure_telemetry

    configure_telemetry("archer-voice", settings)
