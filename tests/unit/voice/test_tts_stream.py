"""The TTS stream's own reader: raw responses parsed once, routed to the turn by context id and flush id, late chunks
of a cancelled context dropped, and a socket the SDK reopened on send read again."""
from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from websockets.exceptions import ConnectionClosedOK
from websockets.frames import Close

from shared.speech.tts import TtsStream


class FakeConnection:
    """The SDK's AsyncTTSResourceConnection as TtsStream uses it: `send` (requests) and `recv_bytes` (raw)."""

    def __init__(self) -> None:
        self.sent: list[Any] = []
        self.inbox: asyncio.Queue[bytes | None] = asyncio.Queue()

    async def send(self, event: Any) -> None:
        self.sent.append(event)

    async def recv_bytes(self) -> bytes:
        raw = await self.inbox.get()
        if raw is None:
            raise ConnectionClosedOK(Close(1000, ""), Close(1000, ""))
        return raw

    async def close(self) -> None:
        self.inbox.put_nowait(None)

    def respond(self, **message: Any) -> None:
        self.inbox.put_nowait(json.dumps(message).encode())


class FakeClient:
    def __init__(self) -> None:
        self.connections: list[FakeConnection] = []
        self.tts = self

    def websocket_connect(self) -> FakeClient:
        return self

    async def enter(self) -> FakeConnection:
        self.connections.append(FakeConnection())
        return self.connections[-1]


def chunk(ctx: str, audio: bytes, flush_id: int) -> dict[str, Any]:
    return {"type": "chunk", "context_id": ctx, "data": base64.b64encode(audio).decode(), "done": False,
            "status_code": 206, "step_time": 1.0, "flush_id": flush_id}


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_chunks_reach_their_sentence_and_a_cancelled_contexts_late_chunks_are_dropped() -> None:
    client = FakeClient()
    stream = TtsStream(client, model_id="sonic-test", voice_id="v1")  # type: ignore[arg-type]
    await stream.start()
    conn = client.connections[0]
    audio: list[tuple[int, bytes]] = []
    done: list[int] = []
    turn = stream.turn(lambda i, a: audio.append((i, a)), done.append)
    await turn.push("First sentence.")
    await turn.push("Second one.")
    ctx = turn.context_id
    assert ctx is not None
    assert [(r.transcript, r.context_id, r.flush, r.continue_) for r in conn.sent] == [
        ("First sentence.", ctx, True, True), ("Second one.", ctx, True, True)]
    conn.respond(**chunk(ctx, b"\x01" * 800, 1))
    conn.respond(**chunk(ctx, b"\x02" * 400, 2))
    conn.respond(type="flush_done", context_id=ctx, flush_id=1, done=False, status_code=206)
    conn.respond(**chunk("someone-elses", b"\x03" * 800, 1))
    await settle()
    assert audio == [(0, b"\x01" * 800), (1, b"\x02" * 400)] and done == [0]
    await turn.cancel()
    assert conn.sent[-1].context_id == ctx and conn.sent[-1].cancel is True
    assert json.loads(conn.sent[0].to_json())["voice"] == {"mode": "id", "id": "v1"}
    conn.respond(**chunk(ctx, b"\x04" * 800, 2))                      # in flight when the cancel went out
    await settle()
    assert len(audio) == 2
    await turn.aclose()
    await stream.close()


async def test_a_finished_context_marks_every_sentence_done_and_the_turn_completes() -> None:
    client = FakeClient()
    stream = TtsStream(client, model_id="sonic-test", voice_id="v1")  # type: ignore[arg-type]
    await stream.start()
    conn = client.connections[0]
    done: list[int] = []
    turn = stream.turn(lambda i, a: None, done.append)
    await turn.push("Only sentence.")
    await turn.finish()
    assert conn.sent[-1].continue_ is False and conn.sent[-1].transcript == ""
    conn.respond(type="done", context_id=turn.context_id, done=True, status_code=200)
    await asyncio.wait_for(turn.wait(), 1)
    assert done == [0]
    await turn.aclose()
    await stream.close()


async def test_a_socket_that_closed_under_the_reader_is_read_again_after_the_next_send() -> None:
    client = FakeClient()
    stream = TtsStream(client, model_id="sonic-test", voice_id="v1")  # type: ignore[arg-type]
    await stream.start()
    conn = client.connections[0]
    conn.inbox.put_nowait(None)                                       # the socket dropped: the reader ends
    await settle()
    got: list[bytes] = []
    turn = stream.turn(lambda i, a: got.append(a), lambda i: None)
    await turn.push("Hello.")                                         # (the SDK reopens it inside send)
    conn.respond(**chunk(turn.context_id or "", b"\x05" * 160, 1))
    await settle()
    assert got == [b"\x05" * 160]
    await turn.aclose()
    await stream.close()
