"""Differential check of the media fast path (voice/ws_protocol.py): any sequence of client frames (text of every
length class, invalid UTF-8, fragments, binary, pings, unmasked or oversized frames), cut into any TCP chunks and fed
as `SinkWebSocketProtocol.data_received` feeds them (fast path only while the parser holds no partial frame and no
fragmented message), yields exactly the messages, in order, and the same protocol error, as the websockets parser
alone. Generated cases are bounded (max_examples) to keep `make test` fast."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.server import ServerProtocol

from tests.unit.voice.test_ws_fast_path import client
from voice.ws_protocol import text_frames

MAX_SIZE = 200                    # small, so frames over it (the parser refuses them) are generated too


def server() -> ServerProtocol:
    """A server past its opening handshake (its parser reads frames from here on)."""
    proto = ServerProtocol(max_size=MAX_SIZE)
    handshake = client()
    handshake.state = State.CONNECTING
    handshake.send_request(handshake.connect())
    proto.receive_data(b"".join(handshake.data_to_send()))
    proto.send_response(proto.accept(proto.events_received()[0]))
    proto.data_to_send()
    assert proto.state is State.OPEN
    return proto


def messages(proto: ServerProtocol) -> list[tuple[str, bytes]]:
    return [(e.opcode.name, bytes(e.data)) for e in proto.events_received()
            if e.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT, Opcode.PING)]


def parser_alone(chunks: list[bytes]) -> tuple[list[tuple[str, bytes]], str | None]:
    proto = server()
    out: list[tuple[str, bytes]] = []
    for chunk in chunks:
        proto.receive_data(chunk)
        out += messages(proto)
    return out, type(proto.parser_exc).__name__ if proto.parser_exc else None


def with_fast_path(chunks: list[bytes]) -> tuple[list[tuple[str, bytes]], str | None]:
    proto = server()
    out: list[tuple[str, bytes]] = []
    for chunk in chunks:
        taken = 0
        if proto.state is State.OPEN and not proto.reader.buffer and proto.cur_size is None:
            texts, taken = text_frames(chunk, proto.max_size)
            out += [("TEXT", t.encode()) for t in texts]
        if taken < len(chunk):
            proto.receive_data(chunk[taken:])
            out += messages(proto)
    return out, type(proto.parser_exc).__name__ if proto.parser_exc else None


payloads = st.one_of(
    st.text(max_size=40).map(str.encode),
    st.sampled_from([125, 126, 127, 199, 200, 201, 65535, 65536]).map(lambda n: b"a" * n),   # the header's length classes
    st.binary(max_size=12),                                                          # often invalid UTF-8
)
frames = st.one_of(
    st.builds(lambda p: ("masked", Frame(Opcode.TEXT, p)), payloads),
    st.builds(lambda p: ("masked", Frame(Opcode.TEXT, p, fin=False)), payloads),
    st.builds(lambda p: ("masked", Frame(Opcode.CONT, p)), payloads),
    st.builds(lambda p: ("masked", Frame(Opcode.BINARY, p)), st.binary(max_size=20)),
    st.builds(lambda p: ("masked", Frame(Opcode.PING, p)), st.binary(max_size=20)),
    st.builds(lambda p: ("unmasked", p), st.text(max_size=20).map(str.encode)),
)


def encode(kind: str, frame: Frame | bytes) -> bytes:
    if kind == "unmasked":
        assert isinstance(frame, bytes)
        return bytes([0x81, len(frame)]) + frame
    proto = client()
    assert isinstance(frame, Frame)
    proto.send_frame(frame)
    return b"".join(proto.data_to_send())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(frames, max_size=8), st.lists(st.integers(min_value=1, max_value=300), max_size=12))
def test_the_fast_path_changes_nothing_the_parser_would_deliver(sequence, cuts):
    data = b"".join(encode(kind, frame) for kind, frame in sequence)
    chunks, pos = [], 0
    for cut in cuts:
        if pos >= len(data):
            break
        chunks.append(data[pos:pos + cut])
        pos += cut
    if pos < len(data):
        chunks.append(data[pos:])
    assert with_fast_path(chunks) == parser_alone(chunks)
