"""A local stand-in for the Durable extension's out-of-proc HTTP endpoint (rpcBaseUrl: /durabletask/...).

Serves what DurableOrchestrationClient calls for start_new, get_status and raise_event, so the client starter is
tested through the real azure-functions-durable client code and aiohttp.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.servers import free_port


@dataclass
class FakeInstance:
    name: str
    input: Any
    status: str = "Running"
    events: list[tuple[str, Any]] = field(default_factory=list)


class DurableRpcFake:
    def __init__(self) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/durabletask/"
        self.instances: dict[str, FakeInstance] = {}
        self.starts: list[str] = []
        self._runner: web.AppRunner | None = None

    async def start(self) -> DurableRpcFake:
        app = web.Application()
        app.router.add_post("/durabletask/orchestrators/{name}/{iid}", self._start_new)
        app.router.add_get("/durabletask/instances/{iid}", self._status)
        app.router.add_post("/durabletask/instances/{iid}/raiseEvent/{event}", self._raise)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _start_new(self, request: web.Request) -> web.Response:
        iid, body = request.match_info["iid"], await request.text()
        data = json.loads(body) if body else None  # posted as json.dumps(input): decode what the host decodes
        self.instances[iid] = FakeInstance(request.match_info["name"], json.loads(data) if isinstance(data, str) else data)
        self.starts.append(iid)
        return web.json_response({"id": iid, "statusQueryGetUri": f"{self.base_url}instances/{iid}"}, status=202)

    async def _status(self, request: web.Request) -> web.Response:
        instance = self.instances.get(request.match_info["iid"])
        if instance is None:
            return web.Response(status=404)
        return web.json_response({"name": instance.name, "instanceId": request.match_info["iid"],
                                  "runtimeStatus": instance.status, "createdTime": "2026-11-24T15:00:00Z",
                                  "lastUpdatedTime": "2026-11-24T15:00:00Z"},
                                 status=202 if instance.status == "Running" else 200)

    async def _raise(self, request: web.Request) -> web.Response:
        instance = self.instances.get(request.match_info["iid"])
        if instance is None:
            return web.Response(status=404)
        if instance.status != "Running":
            return web.Response(status=410)
        # The client posts json.dumps(data) as its JSON body: record the data the orchestrator will decode.
        body = json.loads(await request.text())
        instance.events.append((request.match_info["event"], json.loads(body) if isinstance(body, str) else body))
        return web.Response(status=202)
