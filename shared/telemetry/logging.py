"""Structured JSON logging with redaction on every sink: phone numbers masked, secrets, bearer tokens, query strings
and transcript text removed before any handler (the host's, ours, the OpenTelemetry exporter's) sees a record.

`configure_logging()` ADDS our JSON handler beside whatever the host installed (the Functions worker's handler must
keep receiving records) and is idempotent. Pass context with `log.info("msg", extra={"call_id": ...})`.
"""
from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import IO, Any

from shared.pii import mask_mapping, mask_text

_RESERVED = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}
REDACTED = "[redacted]"

# Third-party loggers that print caller words (cartesia SDK), credentials (websockets client request headers) or
# whole payloads at DEBUG: held at INFO whatever the root level, and their DEBUG records dropped by the filter.
NOISY_LOGGERS = ("cartesia", "websockets", "httpcore", "httpx", "openai", "hpack", "aiohttp", "twilio", "urllib3",
                 "redis", "psycopg", "asyncio")
QUIET_LOGGERS = {"azure": "WARNING", "azure.monitor.opentelemetry.exporter": "WARNING"}
# Extra fields that would carry what a caller or the agent said: never logged, at any level.
TRANSCRIPT_FIELDS = frozenset({"text", "transcript", "utterance", "heard", "words", "caller_text", "agent_text",
                               "content", "body", "speech", "partial"})
_SECRET_FIELD = re.compile(r"(?i)(key|token|secret|password|authorization|signature|credential)")

_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_API_KEY = re.compile(r"\b(sk|pk|rk)[-_][A-Za-z0-9_-]{8,}")
_KEY_VALUE = re.compile(
    r"(?i)\b([\w-]*(?:api[_-]?key|token|secret|password|passwd|signature|functions-key|authorization))"
    r"(\"?'?\s*[:=]\s*[\"']?)(?!(?:bearer|basic) )([^\s\"'&,;})\]]+)")
_QUERY = re.compile(r"(?<=[\w/])\?[^\s\"'<>]+")


def redact(text: str) -> str:
    """Mask phone numbers; remove bearer tokens, JWTs, API keys, key=value secrets and URL query strings."""
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _JWT.sub(REDACTED, text)
    text = _API_KEY.sub(REDACTED, text)
    text = _QUERY.sub(f"?{REDACTED}", text)
    text = _KEY_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return mask_text(text)


def redact_field(key: str, value: Any) -> Any:
    """One `extra` field, made safe to log."""
    if key.lower() in TRANSCRIPT_FIELDS:
        return f"{REDACTED} ({len(value)} chars)" if isinstance(value, str) else REDACTED
    if _SECRET_FIELD.search(key) and value is not None and not isinstance(value, bool | int | float):
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: redact_field(str(k), v) for k, v in mask_mapping(value).items()}
    return value


class RedactingFilter(logging.Filter):
    """Rewrites a record in place (message, args, exception text, extra fields) and drops third-party DEBUG chatter.

    Installed on every root handler, so the rewrite reaches the host's handler and the OpenTelemetry exporter too."""

    def filter(self, record: logging.LogRecord) -> bool:
        level = record.levelno if isinstance(record.levelno, int) else logging.INFO
        if level < logging.INFO and str(record.name).split(".", 1)[0] in NOISY_LOGGERS:
            return False
        if getattr(record, "_archer_redacted", False):
            return True
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        for key, value in list(record.__dict__.items()):
            if key not in _RESERVED and not key.startswith("_"):
                setattr(record, key, redact_field(key, value))
        record._archer_redacted = True
        return True


_FILTER = RedactingFilter()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg and any `extra` fields, redacted."""

    def format(self, record: logging.LogRecord) -> str:
        _FILTER.filter(record)
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                payload[key] = value
        if record.exc_text:
            payload["exc"] = record.exc_text
        return json.dumps(payload, default=str)


class JsonHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Archer's own sink (stderr, JSON lines); recognised by type so configure_logging stays idempotent."""


def install_redaction(logger: logging.Logger | None = None) -> None:
    """Put the redacting filter on every handler of `logger` (root by default), the host's included."""
    for handler in (logger or logging.getLogger()).handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)


def configure_logging(level: str = "INFO", stream: IO[str] | None = None) -> logging.Handler:
    """Add the JSON handler to the root logger beside the host's handlers (idempotent); return it."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, JsonHandler)), None)
    if handler is None:
        handler = JsonHandler(stream or sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level)
    install_redaction(root)
    floor = max(logging.INFO, root.level)
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(floor)
    for name, quiet in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(quiet)
    return handler
