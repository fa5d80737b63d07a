"""One call, one trace: the webhook's span context rides in the TwiML <Parameter name="traceparent"> and the voice
session's span continues it."""
from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.telemetry.tracing import call_span
from shared.telephony.twiml import answer_twiml


def _answer() -> str:
    return answer_twiml(call_id=uuid.uuid4(), stream_token="tok", voice_ws_url="wss://voice.test",
                        recording_callback_url="https://api.test/api/twilio/recording", notice="This call is recorded.",
                        direction="outbound")


def _parameters(twiml: str) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in ET.fromstring(twiml).iter("Parameter")}


def test_the_voice_session_continues_the_webhook_trace() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("POST /api/twilio/voice") as webhook:
        params = _parameters(_answer())
    trace_id = webhook.get_span_context().trace_id
    assert params["traceparent"].split("-")[1] == f"{trace_id:032x}"
    with call_span(params, "call-1", tracer=tracer) as session:
        pass
    assert session.get_span_context().trace_id == trace_id
    assert session.parent is not None and session.parent.span_id == webhook.get_span_context().span_id


def test_no_trace_means_no_parameter_and_a_fresh_trace() -> None:
    params = _parameters(_answer())
    assert "traceparent" not in params
    provider = TracerProvider()
    with call_span(params, "call-2", tracer=provider.get_tracer("test")) as session:
        assert session.parent is None
