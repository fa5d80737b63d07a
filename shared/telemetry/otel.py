"""OpenTelemetry for both deployables: Azure Monitor export (`configure_azure_monitor`) under a named service,
the instrumentations each one needs, and the same redaction on exported logs as on every other sink.

Nothing happens without APPLICATIONINSIGHTS_CONNECTION_STRING (local runs and tests stay offline).
"""
from __future__ import annotations

import logging
import os
from typing import Any

from shared.settings import Settings
from shared.telemetry.logging import install_redaction, redact, redact_field

log = logging.getLogger("archer.telemetry")
_configured: set[str] = set()

# Instrumentors beyond the distro's defaults (which cover fastapi, requests, urllib, psycopg2, azure sdk).
INSTRUMENTORS = {
    "starlette": "opentelemetry.instrumentation.starlette:StarletteInstrumentor",
    "psycopg": "opentelemetry.instrumentation.psycopg:PsycopgInstrumentor",
    "aiohttp": "opentelemetry.instrumentation.aiohttp_client:AioHttpClientInstrumentor",
    "redis": "opentelemetry.instrumentation.redis:RedisInstrumentor",
}


def redacting_log_processor() -> Any:
    """A LogRecordProcessor that redacts body and attributes before the exporter batches them."""
    from opentelemetry.sdk._logs import LogRecordProcessor

    class RedactingLogRecordProcessor(LogRecordProcessor):
        def on_emit(self, log_record: Any) -> None:
            record = getattr(log_record, "log_record", log_record)
            if isinstance(record.body, str):
                record.body = redact(record.body)
            attributes = record.attributes
            if attributes:
                for key in list(attributes):
                    value = attributes[key]
                    if isinstance(value, str) or key.split(".")[-1] in {"text", "transcript"}:
                        attributes[key] = redact_field(key.split(".")[-1], value) if isinstance(value, str) \
                            else "[redacted]"

        emit = on_emit  # older SDKs call emit()

        def shutdown(self) -> None:
            return None

        def force_flush(self, timeout_millis: int = 30000) -> bool:
            return True

    return RedactingLogRecordProcessor()


def _instrument(names: tuple[str, ...]) -> list[str]:
    import importlib

    done = []
    for name in names:
        module_name, _, cls = INSTRUMENTORS[name].partition(":")
        try:
            instrumentor = getattr(importlib.import_module(module_name), cls)()
            if not instrumentor.is_instrumented_by_opentelemetry:
                instrumentor.instrument()
            done.append(name)
        except Exception as exc:  # an instrumentation must never stop the service
            log.warning("instrumentation unavailable", extra={"instrumentation": name, "error": type(exc).__name__})
    return done


def configure_telemetry(service_name: str, settings: Settings, *, instrument: tuple[str, ...] = ()) -> bool:
    """Export traces, metrics and logs to Application Insights as `OTEL_SERVICE_NAME` (default `service_name`).

    Call before the web app object is built (the Starlette/FastAPI instrumentors patch the classes). Idempotent."""
    if service_name in _configured:
        return True
    connection = settings.secret("applicationinsights_connection_string")
    if not connection:
        return False
    from azure.monitor.opentelemetry import configure_azure_monitor
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource

    os.environ.setdefault("OTEL_SERVICE_NAME", service_name)
    options: dict[str, Any] = {
        "connection_string": connection,
        "resource": Resource.create({SERVICE_NAME: os.environ["OTEL_SERVICE_NAME"]}),
        "log_record_processors": [redacting_log_processor()],
        "logger_name": "",
    }
    if "Authorization=AAD" in os.environ.get("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", ""):
        from azure.identity import ManagedIdentityCredential

        options["credential"] = ManagedIdentityCredential(client_id=os.environ.get("AZURE_CLIENT_ID"))
    configure_azure_monitor(**options)
    install_redaction()                       # the exporter's LoggingHandler joined the root logger
    _configured.add(service_name)
    log.info("telemetry configured", extra={"service": os.environ["OTEL_SERVICE_NAME"],
                                            "instrumented": _instrument(instrument)})
    return True
