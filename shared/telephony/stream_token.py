"""Short-lived signed tokens naming a call: put in the TwiML <Parameter name="token"> by the voice webhook,
checked by the voice service before it trusts a media stream's `call_id`.

Format `v1.<call uuid hex>.<expiry unix seconds>.<base64url HMAC-SHA256>`. The HMAC key is derived from
TWILIO_AUTH_TOKEN (pass it as `secret`): both the Function app and the voice service already hold it.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import datetime

VERSION = "v1"
DEFAULT_TTL_S = 120
_KEY_LABEL = b"archer/stream-token/v1"


class StreamTokenError(Exception):
    """The token cannot be trusted; `reason` is one of malformed, bad_signature, expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"stream token rejected: {reason}")
        self.reason = reason


class StreamTokenMalformedError(StreamTokenError):
    def __init__(self) -> None:
        super().__init__("malformed")


class StreamTokenSignatureError(StreamTokenError):
    def __init__(self) -> None:
        super().__init__("bad_signature")


class StreamTokenExpiredError(StreamTokenError):
    def __init__(self) -> None:
        super().__init__("expired")


def _key(secret: str) -> bytes:
    # A derived key, so a token leak never exposes anything usable to sign Twilio webhooks.
    if not secret:
        raise ValueError("a non-empty secret is required for stream tokens")
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def _mac(secret: str, payload: str) -> str:
    digest = hmac.new(_key(secret), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def issue_stream_token(call_id: uuid.UUID, *, secret: str, now: datetime, ttl_s: int = DEFAULT_TTL_S) -> str:
    """A token for `call_id`, valid until now + ttl_s (`now` must be timezone-aware)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    payload = f"{VERSION}.{call_id.hex}.{int(now.timestamp()) + ttl_s}"
    return f"{payload}.{_mac(secret, payload)}"


def verify_stream_token(token: str, *, secret: str, now: datetime) -> uuid.UUID:
    """The call id the token names; raises a StreamTokenError subclass when it cannot be trusted."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 4 or parts[0] != VERSION:
        raise StreamTokenMalformedError()
    version, call_hex, expiry, mac = parts
    try:
        call_id = uuid.UUID(hex=call_hex)
        expires_at = int(expiry)
    except ValueError:
        raise StreamTokenMalformedError() from None
    if not hmac.compare_digest(mac, _mac(secret, f"{version}.{call_hex}.{expiry}")):
        raise StreamTokenSignatureError()
    if now.timestamp() >= expires_at:
        raise StreamTokenExpiredError()
    return call_id
