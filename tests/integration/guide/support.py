"""A guide client for tests: the browser's side of WS /guide (JSON frames, binary audio kept apart)."""
from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

ROLES = {"viewer-token": "viewer", "supervisor-token": "supervisor", "admin-token": "admin"}


async def verify(token: str) -> object:
    if token not in ROLES:
        raise PermissionError("bad token")
    return {"sub": f"guide-{ROLES[token]}", "roles": [ROLES[token]]}


class GuideClient:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.messages: list[dict[str, Any]] = []
        self.audio: list[tuple[float, bytes]] = []

    async def send(self, body: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(body))

    async def next(self, timeout: float = 10.0) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                raw = await self.ws.recv()
                if isinstance(raw, bytes):
                    self.audio.append((asyncio.get_running_loop().time(), raw))
                    continue
                msg: dict[str, Any] = json.loads(raw)
                self.messages.append(msg)
                return msg

    async def until(self, pred: Any, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Messages up to and including the first one matching `pred`."""
        seen: list[dict[str, Any]] = []
        async with asyncio.timeout(timeout):
            while True:
                m = await self.next(timeout)
                seen.append(m)
                if pred(m):
                    return seen

    async def ask(self, text: str, timeout: float = 10.0) -> list[dict[str, Any]]:
        """A typed question → every message up to the idle state after the answer."""
        await self.send({"type": "text", "text": text})
        seen = await self.until(lambda m: m.get("type") == "say" or m.get("type") == "error", timeout)
        seen += await self.until(lambda m: m == {"type": "state", "state": "idle"}, timeout)
        return seen


def said(messages: list[dict[str, Any]]) -> str:
    return " ".join(m["text"] for m in messages if m.get("type") == "say")


async def open_guide(base: str, token: str = "admin-token", *, voice: bool = False, greet: bool = False,
                     page: str = "/", tour: Any = None) -> tuple[Any, GuideClient, dict[str, Any]]:
    cm = connect(f"{base}/guide?token={token}", max_size=2**22)
    ws = await cm.__aenter__()
    client = GuideClient(ws)
    hello: dict[str, Any] = {"type": "hello", "page": page, "voice": voice, "greet": greet}
    if tour is not None:
        hello["tour"] = tour
    await client.send(hello)
    ready = await client.next()
    assert ready["type"] == "ready", ready
    assert await client.next() == {"type": "state", "state": "idle"}
    return cm, client, ready


def spoken_pcm16k(text: str) -> bytes:
    """A real spoken clip (espeak-ng → sox): PCM s16le mono 16 kHz, as the browser's AudioWorklet sends it."""
    import subprocess

    wav = subprocess.run(["espeak-ng", "-s", "170", "--stdout", text], check=True, capture_output=True).stdout
    pcm = subprocess.run(["sox", "-t", "wav", "-", "-t", "raw", "-r", "16000", "-e", "signed", "-b", "16", "-c",
                          "1", "-L", "-"], input=wav, check=True, capture_output=True).stdout
    return pcm[: len(pcm) - len(pcm) % 2]


SILENCE_20MS = bytes(640)


async def stream_pcm(client: GuideClient, pcm: bytes, *, speed: float = 4.0, trailing_silence_ms: int = 0) -> None:
    """Send the clip as 20 ms frames (640 bytes), `speed` times faster than real time, then optional silence."""
    frames = [pcm[i:i + 640] for i in range(0, len(pcm), 640)] + [SILENCE_20MS] * (trailing_silence_ms // 20)
    for frame in frames:
        await client.ws.send(frame)
        await asyncio.sleep(0.02 / speed)
