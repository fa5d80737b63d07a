"""Twilio webhook authenticity: the public URL Twilio signed, and the X-Twilio-Signature check over it.

Behind Azure's front ends the URL the app sees is not the one Twilio called, so it is rebuilt from
PUBLIC_BASE_URL, else from X-Forwarded-Proto/-Host, else taken as received.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from twilio.request_validator import RequestValidator


class _Params:
    """The form pairs in the multi-dict shape RequestValidator understands (repeated keys kept)."""

    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self._pairs = pairs

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(k for k, _ in self._pairs)

    def getlist(self, name: str) -> list[str]:
        return [v for k, v in self._pairs if k == name]


def public_url(*, public_base_url: str | None, path: str, query: str, headers: Mapping[str, str],
               received_url: str) -> str:
    """The URL Twilio requested: base (configured or forwarded) + path + query string as sent."""
    suffix = path + (f"?{query}" if query else "")
    if public_base_url:
        base = urlsplit(public_base_url)
        return f"{base.scheme}://{base.netloc}{suffix}"
    proto = _first(headers.get("x-forwarded-proto"))
    host = _first(headers.get("x-forwarded-host"))
    if proto or host:
        received = urlsplit(received_url)
        return f"{proto or received.scheme}://{host or received.netloc}{suffix}"
    return received_url


def _first(value: str | None) -> str | None:
    # Proxies append: "https, http" — the left-most value is what the client used.
    return value.split(",")[0].strip() or None if value else None


def is_valid_signature(*, auth_token: str | None, url: str, params: Sequence[tuple[str, str]],
                       signature: str | None) -> bool:
    """True when `signature` is Twilio's HMAC of `url` + params under `auth_token`; False if anything is missing."""
    if not auth_token or not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, _Params(params), signature))
