"""A TCP proxy in front of PostgreSQL that a test can cut (every connection dropped, new ones refused) and restore:
a database blip as the engine sees it."""
from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit, urlunsplit

import psycopg


class PgProxy:
    def __init__(self, database_url: str) -> None:
        params = psycopg.conninfo.conninfo_to_dict(database_url)
        self._target_host = str(params.get("host") or "127.0.0.1")
        self._target_port = int(params.get("port") or 5432)
        self._url = database_url
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.down = False
        self.port = 0
        self.refused = 0

    async def start(self) -> PgProxy:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        parts = urlsplit(self._url)
        netloc = parts.netloc.rsplit("@", 1)
        auth = f"{netloc[0]}@" if len(netloc) == 2 else ""
        return urlunsplit((parts.scheme, f"{auth}127.0.0.1:{self.port}", parts.path, parts.query, ""))

    def cut(self) -> None:
        """Drop every open connection and refuse new ones until `restore()`."""
        self.down = True
        for w in list(self._writers):
            w.transport.abort()
        self._writers.clear()

    def restore(self) -> None:
        self.down = False

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            self.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(self._target_host, self._target_port)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update({writer, up_writer})

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers.discard(writer)
        self._writers.discard(up_writer)
