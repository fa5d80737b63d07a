"""One local Cartesia endpoint (like api.cartesia.ai): `/stt/turns/websocket` and `/tts/websocket` on one port.

Point the SDK at it with `websocket_base_url=fake.ws_url` (CARTESIA_BASE_URL=fake.http_url in settings).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from tests.fakes.cartesia_stt import CartesiaSttFake, SttFakeConfig
from tests.fakes.cartesia_tts import CartesiaTtsFake, TtsFakeConfig
from tests.fakes.ws_server import LoopbackWsServer


class CartesiaFake(LoopbackWsServer):
    def __init__(self, stt: SttFakeConfig | None = None, tts: TtsFakeConfig | None = None) -> None:
        super().__init__()
        self.stt = CartesiaSttFake(stt)
        self.tts = CartesiaTtsFake(tts)

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _check(self, ws: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        if path == "/stt/turns/websocket":
            return self.stt._check(ws, request)
        if path == "/tts/websocket":
            return self.tts._check(ws, request)
        return Response(404, "not found", Headers(), b"not found")

    async def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        if urlsplit(ws.request.path).path == "/stt/turns/websocket":
            await self.stt._handle(ws)
        else:
            await self.tts._handle(ws)

    @property
    def open_connections(self) -> int:
        return self.stt.stats.open_connections + self.tts.stats.open_connections
