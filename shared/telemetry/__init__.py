"""Logging and metrics: structured JSON logs without PII; OpenTelemetry export when configured."""
