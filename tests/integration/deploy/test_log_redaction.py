"""A phone call at DEBUG through the real voice service: neither our JSON log nor the OpenTelemetry log export carries
what the caller said, a key or token, or an unmasked phone number (third-party DEBUG chatter included)."""
from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from shared.telemetry.logging import JsonFormatter, JsonHandler, configure_logging, install_redaction, redact
from shared.telemetry.otel import redacting_log_processor
from tests.integration.voice.harness import TWILIO_TOKEN, voice_stack

CALLER_WORDS = "purple elephant umbrella"
CARTESIA_KEY = "test-cartesia-key-not-real"
PHONE_DIGITS = "2125550101"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLWJ5dGVz"


@pytest.fixture
def sinks() -> Iterator[tuple[io.StringIO, object]]:
    from opentelemetry.instrumentation.logging.handler import LoggingHandler
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor

    root = logging.getLogger()
    saved_level = root.level
    saved_levels = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
    stream = io.StringIO()
    ours = JsonHandler(stream)
    ours.setFormatter(JsonFormatter())
    ours.setLevel(logging.DEBUG)
    root.addHandler(ours)
    configure_logging("DEBUG")
    # The exporter's pipeline as configure_telemetry builds it: redaction processor first, then the exporter.
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider()
    provider.add_log_record_processor(redacting_log_processor())
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    otel = LoggingHandler(logger_provider=provider)
    root.addHandler(otel)
    install_redaction()
    try:
        yield stream, exporter
    finally:
        root.removeHandler(ours)
        root.removeHandler(otel)
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)


def _exported_text(exporter: object) -> str:
    parts = []
    for item in exporter.get_finished_logs():  # type: ignore[attr-defined]
        record = getattr(item, "log_record", item)
        parts.append(str(record.body))
        parts.append(json.dumps(dict(record.attributes or {}), default=str))
    return "\n".join(parts)


async def test_debug_call_logs_and_otel_export_carry_no_words_keys_or_phones(conn, pool, sinks) -> None:
    stream, exporter = sinks
    log = logging.getLogger("voice.call")
    async with voice_stack(pool) as stack:
        _, caller = await stack.new_call(conn)
        await caller.wait_agent_done()
        await caller.say(CALLER_WORDS)
        await caller.wait_agent_done()
        # What careless code could log on a call: the words, the caller's number, a token in a URL, a key.
        log.debug("heard from +1 %s", PHONE_DIGITS, extra={"text": CALLER_WORDS, "transcript": CALLER_WORDS})
        log.info('127.0.0.1 - "WebSocket /sim?token=%s" [accepted]', JWT)
        log.debug("cartesia headers", extra={"headers": {"Authorization": f"Bearer {CARTESIA_KEY}"}})
        try:
            raise RuntimeError(f"upstream refused api_key={CARTESIA_KEY} for +1{PHONE_DIGITS}")
        except RuntimeError:
            log.exception("tool failed")
        await caller.say("bye now")
        await asyncio.wait_for(caller.closed.wait(), timeout=10)
    ours, exported = stream.getvalue(), _exported_text(exporter)
    assert ours.count("\n") > 10 and '"level": "DEBUG"' in ours           # DEBUG really was on
    assert "tool failed" in exported and "heard" in exported
    for sink in (ours, exported):
        for secret in (CALLER_WORDS, "purple", CARTESIA_KEY, TWILIO_TOKEN, JWT, PHONE_DIGITS):
            assert secret not in sink
    assert "+1******0101" in ours


def test_redaction_rules() -> None:
    assert redact("GET /sim?token=abc&x=1 HTTP/1.1") == "GET /sim?[redacted] HTTP/1.1"
    assert redact("Authorization: Bearer abcdef123456") == "Authorization: Bearer [redacted]"
    assert redact("x-functions-key=s3cr3tvalue done") == "x-functions-key=[redacted] done"
    assert redact("key sk_car_abcdefghijkl used") == "key [redacted] used"
    assert redact("call +12125550101 now") == "call +1******0101 now"
    assert redact("close code=1008 after 3 s") == "close code=1008 after 3 s"    # ordinary figures survive
