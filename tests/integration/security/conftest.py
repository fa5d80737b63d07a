"""A voice service on a real uvicorn socket (no Cartesia: the doors and /sim need none) and principals' tokens."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from psycopg import AsyncConnection

from shared.settings import Settings, load_settings
from tests.support.servers import free_port
from voice.app import VoiceServices, create_app

TWILIO_TOKEN = "test-twilio-auth-token-not-real"
ROLES = {"viewer-token": ("viewer-1", ["viewer"]), "supervisor-token": ("supervisor-1", ["supervisor"]),
         "other-supervisor-token": ("supervisor-2", ["Archer.Supervisor"]), "admin-token": ("admin-1", ["admin"])}


async def verify(token: str) -> object:
    """Stands in for the admin API's token check: a known token names a subject and its roles."""
    if token not in ROLES:
        raise PermissionError("bad token")
    sub, roles = ROLES[token]
    return {"sub": sub, "roles": roles}


@dataclass
class Stack:
    services: VoiceServices
    port: int

    @property
    def base(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


def security_settings(port: int, **extra: Any) -> Settings:
    return load_settings(archer_env="test", agent_brain="rules", twilio_auth_token=TWILIO_TOKEN,
                         voice_ws_url=f"ws://127.0.0.1:{port}", **extra)


@contextlib.asynccontextmanager
async def voice_service(pool: Any, *, settings_extra: dict[str, Any] | None = None,
                        **app_kwargs: Any) -> AsyncIterator[Stack]:
    port = free_port()
    app_kwargs.setdefault("verify_token", verify)
    app = create_app(settings=security_settings(port, **(settings_extra or {})), pool=pool, **app_kwargs)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning",
                                           ws="websockets-sansio"))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield Stack(app.state.services, port)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)


@pytest.fixture
async def demo(seeded: AsyncConnection) -> AsyncConnection:
    """The demo seed (tactics, policy, customers such as Maria +12125550101 / 4821 / 10001)."""
    return seeded


# The admin API (fake identity provider, app on this run's database) for the doors it guards.
from tests.integration.api.conftest import api_app, api_env, client, idp, tokens  # noqa: E402

__all__ = ["api_app", "api_env", "client", "idp", "tokens"]
