"""Stream tokens: round trip, expiry, tampering, wrong secret, garbage."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.telephony.stream_token import (
    StreamTokenError,
    StreamTokenExpiredError,
    StreamTokenMalformedError,
    StreamTokenSignatureError,
    issue_stream_token,
    verify_stream_token,
)

SECRET = "test-auth-token-obviously-fake"
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
CALL = uuid.UUID("12345678-1234-5678-1234-567812345678")


def test_round_trip_names_the_call() -> None:
    token = issue_stream_token(CALL, secret=SECRET, now=NOW)
    assert verify_stream_token(token, secret=SECRET, now=NOW + timedelta(seconds=119)) == CALL


def test_expired_after_ttl() -> None:
    token = issue_stream_token(CALL, secret=SECRET, now=NOW, ttl_s=30)
    with pytest.raises(StreamTokenExpiredError):
        verify_stream_token(token, secret=SECRET, now=NOW + timedelta(seconds=30))


def test_other_call_id_with_same_signature_is_rejected() -> None:
    token = issue_stream_token(CALL, secret=SECRET, now=NOW)
    version, _, expiry, mac = token.split(".")
    forged = ".".join([version, uuid.uuid4().hex, expiry, mac])
    with pytest.raises(StreamTokenSignatureError):
        verify_stream_token(forged, secret=SECRET, now=NOW)


def test_extended_expiry_is_rejected() -> None:
    version, call, expiry, mac = issue_stream_token(CALL, secret=SECRET, now=NOW).split(".")
    with pytest.raises(StreamTokenSignatureError):
        verify_stream_token(".".join([version, call, str(int(expiry) + 3600), mac]), secret=SECRET, now=NOW)


def test_wrong_secret_is_rejected() -> None:
    token = issue_stream_token(CALL, secret=SECRET, now=NOW)
    with pytest.raises(StreamTokenSignatureError):
        verify_stream_token(token, secret="another-fake-token", now=NOW)


@pytest.mark.parametrize("garbage", ["", "v1", "v2.a.b.c", "v1.nothex.123.mac", "v1." + CALL.hex + ".soon.mac"])
def test_garbage_is_malformed(garbage: str) -> None:
    with pytest.raises(StreamTokenMalformedError) as info:
        verify_stream_token(garbage, secret=SECRET, now=NOW)
    assert isinstance(info.value, StreamTokenError) and info.value.reason == "malformed"


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        issue_stream_token(CALL, secret=SECRET, now=datetime(2026, 11, 24))
