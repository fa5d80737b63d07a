from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from tests.integration.guide.support import verify
from tests.integration.voice.harness import VoiceStack, voice_stack
from voice.guide import GuideConfig


@contextlib.asynccontextmanager
async def guide_stack(pool: Any, *, pace: float = 0.002, **kwargs: Any) -> AsyncIterator[VoiceStack]:
    """The voice service with WS /guide on a real server (Cartesia fake behind it), narration paced fast."""
    async with voice_stack(pool, verify_token=verify, **kwargs) as stack:
        stack.services.guide_config = GuideConfig(pace=pace)  # type: ignore[attr-defined]
        yield stack


# The admin API's fixtures (fake identity provider, the FastAPI app, tokens, an httpx client over ASGI).
from tests.integration.api.conftest import api_app, api_env, client, idp, tokens  # noqa: E402,F401
