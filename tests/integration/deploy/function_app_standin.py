"""A stand-in for the Function app's callback endpoint on 127.0.0.1: it checks the function key the host would check,
then runs the REAL endpoint code (functions/workflows/callback_endpoint.py) with a real DurableOrchestrationClient
bound to the Durable RPC fake. It can be told to fail the first requests, before or after doing the work."""
from __future__ import annotations

import json
from typing import Literal

from aiohttp import web
from azure.durable_functions import DurableOrchestrationClient

from functions.workflows import callback_endpoint
from tests.fakes.durable_rpc_fake import DurableRpcFake
from tests.support.servers import free_port

FailMode = Literal["none", "refuse", "lose_answer"]


class FunctionAppStandIn:
    def __init__(self, rpc: DurableRpcFake, key: str, *, fail_first: int = 0, mode: FailMode = "none") -> None:
        self.rpc, self.key, self.fail_first, self.mode = rpc, key, fail_first, mode
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.requests: list[dict[str, str]] = []
        self._runner: web.AppRunner | None = None

    def _client(self) -> DurableOrchestrationClient:
        return DurableOrchestrationClient(json.dumps({"taskHubName": "archer", "creationUrls": {},
                                                      "managementUrls": {}, "rpcBaseUrl": self.rpc.base_url}))

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append({"path": request.path, "idempotency_key": request.headers.get("Idempotency-Key", "")})
        if request.headers.get("x-functions-key") != self.key:
            return web.Response(status=401)
        failing = len(self.requests) <= self.fail_first
        if failing and self.mode == "refuse":
            return web.Response(status=503, text="cold start")
        cid = request.match_info["callback_id"]
        handler = callback_endpoint.cancel_callback if request.path.endswith("/cancel") \
            else callback_endpoint.start_callback
        answer = await handler(self._client(), cid, await request.read())
        if failing and self.mode == "lose_answer":
            return web.Response(status=502, text="gateway lost the answer")
        return web.json_response(answer.body, status=answer.status)

    async def start(self) -> FunctionAppStandIn:
        app = web.Application()
        app.router.add_post("/api/workflows/callbacks/{callback_id}", self._handle)
        app.router.add_post("/api/workflows/callbacks/{callback_id}/cancel", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
