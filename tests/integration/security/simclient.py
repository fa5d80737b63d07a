"""A /sim client for tests: say lines, collect what the agent answers (until turn_end or end)."""
from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection


async def until_turn_end(ws: ClientConnection, timeout: float = 15.0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while True:
            msg = json.loads(await ws.recv())
            out.append(msg)
            if msg["type"] in ("turn_end", "end"):
                return out


async def converse(ws: ClientConnection, lines: list[str]) -> list[dict[str, Any]]:
    """The greeting, then each line and its answer; stops early when the call ends."""
    seen = await until_turn_end(ws)
    for line in lines:
        if seen[-1]["type"] == "end":
            break
        await ws.send(json.dumps({"type": "user", "text": line}))
        seen += await until_turn_end(ws)
    if seen[-1]["type"] != "end":
        await ws.send(json.dumps({"type": "hangup"}))
        async with asyncio.timeout(15):
            while seen[-1]["type"] != "end":
                seen.append(json.loads(await ws.recv()))
    return seen


def tools(seen: list[dict[str, Any]]) -> list[str]:
    return [m["name"] for m in seen if m["type"] == "tool"]
