"""A websockets server on 127.0.0.1 and a free port: the scaffolding every websocket protocol fake shares.

Subclasses provide `_handle` (one connection) and `_check` (the handshake: path, auth, query).
"""
from __future__ import annotations

from typing import Self

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from tests.support.servers import free_port


class LoopbackWsServer:
    def __init__(self) -> None:
        self.port = free_port()
        self._server: Server | None = None

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def start(self) -> Self:
        self._server = await serve(self._handle, "127.0.0.1", self.port, process_request=self._check,
                                   max_size=2**20, compression=None)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, ws: ServerConnection) -> None:
        raise NotImplementedError

    def _check(self, ws: ServerConnection, request: Request) -> Response | None:
        raise NotImplementedError
