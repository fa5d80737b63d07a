"""uvicorn's sans-I/O websocket protocol with one addition: a route may take its text messages synchronously.

Twilio sends every call's audio as 50 text messages a second. Through plain ASGI each one is queued, reading is
paused and resumed around it, and the route's reader task is woken to take it: a queue, two transport calls and a
task switch per 20 ms frame. A route that handles a message without awaiting anything (the media reader: parse,
VAD, queue for STT) can instead attach a *text sink* through the `archer.text_sink` scope extension: complete text
messages are then handed to it straight from `data_received`, in order, on the event loop's I/O callback.

`attach(sink)` returns `post(message)`, which puts an ASGI-style message on the connection's ordinary receive queue,
so the route keeps one `receive()` loop for everything else (disconnects, binary or fragmented frames) and for its
own end-of-stream signal. Messages queued before the sink was attached are still in that queue (uvicorn stops
reading while its queue is not empty), so they are received, in order, before any message reaches the sink.
Without the extension (another server, the dev host) routes fall back to plain `receive()`.

While a sink is attached, `data_received` first takes the complete, unfragmented, masked text frames at the head of
the bytes that arrived itself (`text_frames`: a header, the C unmasking and a decode per frame) and hands the rest, if
any (a control frame, a fragment, a partial or malformed frame), to the websockets parser, which is then at a frame
boundary exactly as if it had parsed the frames itself. A media frame thus skips the parser's generator machinery,
its event list and uvicorn's dispatch on the frame's type.

The outbound twin, `archer.text_send`, writes a text message to the transport at once when the socket is open and
writable and returns True; otherwise (flow control paused, closing, closed) it returns False and the route sends
through ASGI as usual, which waits or raises as uvicorn does. The agent's audio (a message every 80 ms per call)
thus skips Starlette's and uvicorn's per-message coroutine layers.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.speedups import apply_mask

TEXT_SINK = "archer.text_sink"
TEXT_SEND = "archer.text_send"

TextSink = Callable[[str], None]
Attach = Callable[[TextSink | None], Callable[[dict[str, Any]], None]]
SendNow = Callable[[str], bool]


def text_frames(data: bytes, max_size: int | None) -> tuple[list[str], int]:
    """The whole masked text frames (FIN, no RSV bits, payload under 64 KiB and `max_size`) at the head of `data`,
    decoded, and how many bytes they took; stops at the first anything else (left to the websockets parser)."""
    texts: list[str] = []
    pos, end = 0, len(data)
    limit = 0xFFFF if max_size is None else min(0xFFFF, max_size)
    while end - pos >= 6:
        if data[pos] != 0x81:                   # FIN + text, no RSV bits
            break
        second = data[pos + 1]
        if not second & 0x80:                   # a client's frame is always masked; the parser says why not
            break
        length = second & 0x7F
        head = pos + 2
        if length == 126:
            if end - pos < 8:
                break
            length = (data[head] << 8) | data[head + 1]
            head += 2
        elif length == 127:
            break
        if length > limit or end - head - 4 < length:
            break
        start = head + 4
        try:
            texts.append(apply_mask(data[start:start + length], data[head:start]).decode())
        except UnicodeDecodeError:
            break                               # the parser closes with 1007
        pos = start + length
    return texts, pos


class SinkWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn `ws=` protocol class: websockets-sansio plus the `archer.text_sink` extension."""

    text_sink: TextSink | None = None

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][TEXT_SINK] = self._attach  # type: ignore[index]
            scope["extensions"][TEXT_SEND] = self._send_text_now  # type: ignore[index]

    def _attach(self, sink: TextSink | None) -> Callable[[dict[str, Any]], None]:
        self.text_sink = sink
        return self.queue.put_nowait  # type: ignore[return-value]

    def data_received(self, data: bytes) -> None:
        sink = self.text_sink
        conn = self.conn
        if (sink is None or self.close_sent or conn.state is not State.OPEN or conn.reader.buffer
                or conn.cur_size is not None or conn.extensions):
            super().data_received(data)
            return
        texts, taken = text_frames(data, conn.max_size)
        for i, text in enumerate(texts):
            try:
                sink(text)
            except Exception:                   # as handle_text: the route reads the queue from here on
                self.logger.exception("text sink failed; falling back to the receive queue")
                self.text_sink = None
                for rest in texts[i:]:
                    self.queue.put_nowait({"type": "websocket.receive", "text": rest})
                break
            if self.text_sink is not sink or self.close_sent:
                for rest in texts[i + 1:]:       # detached (the call ended) or closing: as the parser would
                    self.handle_text(Frame(Opcode.TEXT, rest.encode()))
                break
        if taken < len(data):
            super().data_received(data[taken:])

    def _send_text_now(self, text: str) -> bool:
        """One text message written now; False when it cannot be (the caller then sends through ASGI)."""
        if (self.close_sent or self.disconnected or not self.handshake_complete or self.initial_response is not None
                or not self.writable.is_set() or self.transport.is_closing()):
            return False
        try:
            self.conn.send_text(text.encode())
        except InvalidState:
            return False
        self.transport.write(b"".join(self.conn.data_to_send()))
        return True

    def handle_text(self, event: Frame) -> None:
        sink = self.text_sink
        if sink is None or not event.fin or self.close_sent:
            super().handle_text(event)          # queued (or, once the app closed, dropped) as uvicorn does
            return
        try:
            text = bytes(event.data).decode()
        except UnicodeDecodeError:
            super().handle_text(event)          # uvicorn closes with 1007
            return
        try:
            sink(text)
        except Exception:                       # a sink must not raise; if one does, the route reads the queue
            self.logger.exception("text sink failed; falling back to the receive queue")
            self.text_sink = None
            self.queue.put_nowait({"type": "websocket.receive", "text": text})
