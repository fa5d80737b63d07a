"""The text sink's fast path (voice/ws_protocol.py `text_frames`): whole masked text frames at the head of what
arrived are taken; anything else stops it there and is left to the websockets parser, byte for byte."""
from __future__ import annotations

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.uri import parse_uri

from voice.ws_protocol import text_frames


def client() -> ClientProtocol:
    proto = ClientProtocol(parse_uri("ws://127.0.0.1/twilio/media"))
    proto.state = State.OPEN
    return proto


def wire(*frames: Frame) -> list[bytes]:
    """Each frame as a client puts it on the wire (masked with a fresh key)."""
    proto = client()
    out = []
    for frame in frames:
        proto.send_frame(frame)
        out.append(b"".join(proto.data_to_send()))
    return out


MEDIA = '{"event":"media","media":{"payload":"' + "f" * 216 + '"}}'     # a 126-length frame, as Twilio's are


def test_consecutive_text_frames_short_and_extended_are_taken_whole_and_unmasked():
    frames = wire(Frame(Opcode.TEXT, MEDIA.encode()), Frame(Opcode.TEXT, b'{"event":"stop"}'),
                  Frame(Opcode.TEXT, "é ✓".encode()))
    texts, taken = text_frames(b"".join(frames), 2**20)
    assert texts == [MEDIA, '{"event":"stop"}', "é ✓"] and taken == sum(map(len, frames))


def test_a_partial_frame_is_left_whole_for_the_parser():
    first, second = wire(Frame(Opcode.TEXT, MEDIA.encode()), Frame(Opcode.TEXT, MEDIA.encode()))
    for cut in (1, 3, 7, len(second) - 1):
        texts, taken = text_frames(first + second[:cut], 2**20)
        assert texts == [MEDIA] and taken == len(first)


def test_control_frames_fragments_binary_and_bad_utf8_stop_the_fast_path_where_they_start():
    media, = wire(Frame(Opcode.TEXT, MEDIA.encode()))
    for other in (Frame(Opcode.PING, b"hi"), Frame(Opcode.TEXT, b"half", fin=False), Frame(Opcode.BINARY, b"\x01"),
                  Frame(Opcode.CLOSE, b"\x03\xe8"), Frame(Opcode.TEXT, b"\xff\xfe")):
        rest, = wire(other)
        texts, taken = text_frames(media + rest + media, 2**20)
        assert texts == [MEDIA] and taken == len(media), other


def test_unmasked_or_oversized_frames_are_left_to_the_parser_which_refuses_them():
    media, = wire(Frame(Opcode.TEXT, MEDIA.encode()))
    unmasked = bytes([0x81, 0x02]) + b"{}"
    assert text_frames(unmasked, 2**20) == ([], 0)
    assert text_frames(media, 100) == ([], 0)                          # over the server's max_size


def test_the_rest_parses_as_the_same_messages_through_the_websockets_parser():
    from websockets.server import ServerProtocol

    server = ServerProtocol()
    handshake = client()
    handshake.state = State.CONNECTING
    request = handshake.connect()
    handshake.send_request(request)
    server.receive_data(b"".join(handshake.data_to_send()))
    server.send_response(server.accept(server.events_received()[0]))
    chunks = wire(Frame(Opcode.TEXT, MEDIA.encode()), Frame(Opcode.PING, b"hi"), Frame(Opcode.TEXT, b"after"))
    data = b"".join(chunks)
    texts, taken = text_frames(data, 2**20)
    server.receive_data(data[taken:])                                   # at a frame boundary, as if it parsed all
    events = server.events_received()
    assert texts == [MEDIA]
    assert [(e.opcode, bytes(e.data)) for e in events] == [(Opcode.PING, b"hi"), (Opcode.TEXT, b"after")]
    assert server.parser_exc is None
