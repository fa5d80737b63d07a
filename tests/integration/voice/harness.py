"""Builds the voice stack for a test: Cartesia fake, the voice app on a real uvicorn server, Twilio callers."""
from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from twilio.request_validator import RequestValidator

from shared.db.calls import NewCall, create_call
from shared.settings import Settings, load_settings
from shared.telephony.stream_token import issue_stream_token
from tests.fakes.cartesia import CartesiaFake
from tests.fakes.cartesia_stt import SttFakeConfig
from tests.fakes.cartesia_tts import TtsFakeConfig
from tests.fakes.scripted_engine import Script, ScriptedEngine, default_script
from tests.fakes.twilio_caller import TwilioCaller
from tests.support.servers import free_port
from voice.app import VoiceServices, create_app
from voice.call import VoiceConfig
from voice.ws_protocol import SinkWebSocketProtocol

TWILIO_TOKEN = "test-twilio-auth-token-not-real"
FAST = VoiceConfig(silence_prompt_s=5.0, barge_resume_ms=300, barge_confirm_ms=500, tts_stall_timeout_s=0.4,
                   hangup_grace_s=2.0)


@dataclass
class VoiceStack:
    cartesia: CartesiaFake
    services: VoiceServices
    settings: Settings
    port: int
    engines: list[ScriptedEngine] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def new_call(self, conn: Any, *, customer_id: uuid.UUID | None = None) -> tuple[uuid.UUID, TwilioCaller]:
        call = await create_call(conn, NewCall(direction="outbound", call_type="test", status="in-progress",
                                               customer_id=customer_id))
        url = f"{self.base}/twilio/media"
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, {})
        token = issue_stream_token(call.id, secret=TWILIO_TOKEN, now=datetime.now(UTC))
        caller = TwilioCaller(url, custom_parameters={"call_id": str(call.id), "token": token}, signature=signature)
        await caller.connect()
        return call.id, caller


def stack_settings(cartesia: CartesiaFake, port: int, database_url: str | None, *, twilio_token: str = TWILIO_TOKEN,
                   **extra: Any) -> Settings:
    return load_settings(archer_env="test", database_url=database_url, cartesia_base_url=cartesia.http_url,
                         cartesia_api_key="test-cartesia-key-not-real", twilio_auth_token=twilio_token,
                         voice_ws_url=f"ws://127.0.0.1:{port}", **extra)


@contextlib.asynccontextmanager
async def voice_stack(pool: Any, *, script: Script = default_script, stt: SttFakeConfig | None = None,
                      tts: TtsFakeConfig | None = None, config: VoiceConfig = FAST, ttft_s: float = 0.0,
                      engine_factory: Any = "scripted", twilio_token: str = TWILIO_TOKEN,
                      settings_extra: dict[str, Any] | None = None, **app_kwargs: Any) -> AsyncIterator[VoiceStack]:
    cartesia = await CartesiaFake(stt or SttFakeConfig(start_latency_ms=20, end_latency_ms=60),
                                  tts or TtsFakeConfig(first_byte_ms=20, wpm=400, tempo=2.0)).start()
    port = free_port()
    settings = stack_settings(cartesia, port, None, twilio_token=twilio_token, **(settings_extra or {}))
    engines: list[ScriptedEngine] = []

    async def scripted_factory(started: Any, services: Any) -> ScriptedEngine:
        engine = ScriptedEngine(script=script, ttft_s=ttft_s)
        engines.append(engine)
        return engine

    app = create_app(settings=settings, engine_factory=scripted_factory if engine_factory == "scripted" else None,
                     config=config,
                     pool=pool, **app_kwargs)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning",
                                           ws=SinkWebSocketProtocol))  # as `python -m voice` serves
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # the test runner owns signals
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    stack = VoiceStack(cartesia=cartesia, services=app.state.services, settings=settings, port=port, engines=engines)
    try:
        yield stack
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)
        await cartesia.stop()


async def wait_until(predicate: Any, timeout: float = 5.0, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)
