"""One call, one trace: the Twilio webhook's trace context travels in the TwiML <Parameter name="traceparent"> and
the voice session continues it (W3C Trace Context, opentelemetry-api only: a no-op until an exporter is configured).
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

TRACEPARENT = "traceparent"


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span, or None when nothing is being traced."""
    from opentelemetry import propagate

    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get(TRACEPARENT)


@contextlib.contextmanager
def call_span(parameters: Mapping[str, str], call_id: str, *, tracer: Any = None) -> Iterator[Any]:
    """A span for one voice session, a child of the webhook's trace when the stream carried its traceparent."""
    from opentelemetry import propagate, trace

    parent = propagate.extract({TRACEPARENT: parameters[TRACEPARENT]}) if parameters.get(TRACEPARENT) else None
    tracer = tracer or trace.get_tracer("archer.voice")
    with tracer.start_as_current_span("voice call", context=parent, kind=trace.SpanKind.SERVER,
                                      attributes={"archer.call_id": call_id}) as span:
        yield span
