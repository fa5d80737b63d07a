"""`python -m voice`: serve the voice service (assembled in voice/services.py) with uvicorn; SIGTERM drains (live
calls finish, new ones refused).

PORT (default 8080) and HOST (default 0.0.0.0) pick the socket; a second SIGTERM/SIGINT exits at once. A bad setting
stops start-up with one line on stderr and exit status 2.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from typing import Any

import uvicorn

from shared.settings import SettingsError

log = logging.getLogger("archer.voice")
DRAIN_TIMEOUT_S = 600.0                 # Container Apps allows up to 10 minutes between SIGTERM and SIGKILL


class DrainingServer(uvicorn.Server):
    """uvicorn closes open websockets on shutdown; we first let the calls on them end."""

    def __init__(self, config: uvicorn.Config, app: Any) -> None:
        super().__init__(config)
        self._app = app
        self._draining: asyncio.Task[None] | None = None

    def handle_exit(self, sig: int, frame: Any) -> None:
        if self._draining is not None or sig not in (signal.SIGTERM, signal.SIGINT):
            super().handle_exit(sig, frame)             # second signal: stop now
            return
        self._draining = asyncio.get_event_loop().create_task(self._drain())

    async def _drain(self) -> None:
        services = self._app.state.services
        log.info("draining: refusing new calls", extra={"active_calls": len(services.calls)})
        try:
            async with asyncio.timeout(DRAIN_TIMEOUT_S):
                await services.drain()
        except TimeoutError:
            log.warning("drain timed out; closing the remaining calls")
        self.should_exit = True


def main() -> int:
    try:
        from voice.services import build_voice_app
        from voice.ws_protocol import SinkWebSocketProtocol

        app = build_voice_app()
    except SettingsError as exc:
        print(f"archer-voice: {exc}", file=sys.stderr)
        return 2
    # proxy_headers=False: uvicorn would take the LEFT-most X-Forwarded-For entry from a trusted proxy (the caller's
    # own, forgeable claim); the app reads the header itself (voice/app.py _source, shared/ratelimit.py).
    # log_config=None: uvicorn's loggers propagate to our JSON handler (query strings redacted) instead of its own.
    config = uvicorn.Config(app, host=os.environ.get("HOST", "0.0.0.0"), port=int(os.environ.get("PORT", "8080")),  # noqa: S104
                            ws=SinkWebSocketProtocol, lifespan="on", proxy_headers=False,
                            timeout_graceful_shutdown=10, log_config=None)
    DrainingServer(config, app).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
