"""One local Cartesia endpoint (like api.cartesia.ai): `/stt/turns/websocket` and `/tts/websocket` on one port.

Point the SDK at it with `websocket_base_url=fake.ws_url` (CARTESIA_BASE_URL=fake.http_url in settings).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from tests.fakes.cartesia_stt import CartesiaSttFake, SttFakeConfig
from tests.fakes.cartesia_tts import CartesiaTtsFake, TtsFakeConfig
from tests.support.servers import free_port


class CartesiaFake:
    def __init__(self, stt: SttFakeConfig | None = None, tts: TtsFakeConfig | None = None) -> None:
        self.stt = CartesiaSttFake(stt)
        self.tts = CartesiaTtsFake(tts)
        self.port = free_port()
        self._server: Server | None = None

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> CartesiaFake:
        self._server = await serve(self._handle, "127.0.0.1", self.port, process_request=self._check,
                                   max_size=2**20, compression=None)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

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
