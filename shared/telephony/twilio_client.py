"""The twilio SDK client Archer uses: real `twilio.rest.Client`, async HTTP (aiohttp), optional host override.

TWILIO_API_BASE is honoured through the SDK's documented extension point, a custom HTTP client: every request
URL the SDK builds (https://api.twilio.com/...) is rebased onto that origin before it is sent.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from shared.settings import Settings
from shared.telephony.errors import TelephonyError

if TYPE_CHECKING:
    from twilio.rest import Client

REQUEST_TIMEOUT_S = 10.0


class TwilioNotConfiguredError(TelephonyError):
    """TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN are not set, so nothing can be sent to Twilio."""

    def __init__(self, message: str) -> None:
        super().__init__("twilio.client", message)


def rebase_url(url: str, api_base: str | None) -> str:
    """`url` with its scheme and host replaced by `api_base` (whose path, if any, prefixes the original path)."""
    if not api_base:
        return url
    base = urlsplit(api_base)
    parts = urlsplit(url)
    path = base.path.rstrip("/") + parts.path
    return urlunsplit((base.scheme, base.netloc, path, parts.query, parts.fragment))


def _rebasing_async_client(api_base: str | None, timeout: float) -> Any:
    # Imported here: twilio + aiohttp cost ~100 ms of import time the webhooks do not need.
    from twilio.http.async_http_client import AsyncTwilioHttpClient

    class RebasingAsyncHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
        async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            auth = kwargs.pop("auth", None)
            if auth is not None:
                # aiohttp deprecates BasicAuth objects; send the same Authorization header directly.
                kwargs["headers"] = {**(kwargs.get("headers") or {}), "Authorization": _basic_auth(*auth)}
            return await super().request(method, rebase_url(url, api_base), *args, **kwargs)

    return RebasingAsyncHttpClient(timeout=timeout)


def _basic_auth(username: str, password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def _rebasing_sync_client(api_base: str | None, timeout: float) -> Any:
    from twilio.http.http_client import TwilioHttpClient

    class RebasingHttpClient(TwilioHttpClient):  # type: ignore[misc]
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            return super().request(method, rebase_url(url, api_base), *args, **kwargs)

    return RebasingHttpClient(timeout=timeout)


def _credentials(settings: Settings) -> tuple[str, str]:
    sid = settings.twilio_account_sid
    token = settings.secret("twilio_auth_token")
    if not sid or not token:
        raise TwilioNotConfiguredError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are required to reach Twilio")
    return sid, token


def build_async_client(settings: Settings, *, timeout: float = REQUEST_TIMEOUT_S) -> Client:
    """A Client whose `*_async` methods use aiohttp. Call inside the running loop that will use it (aiohttp's
    session binds to it); close with `await close_client(client)`."""
    from twilio.rest import Client

    sid, token = _credentials(settings)
    http = _rebasing_async_client(settings.twilio_api_base, timeout)
    return Client(sid, token, http_client=http)


def build_sync_client(settings: Settings, *, timeout: float = REQUEST_TIMEOUT_S) -> Client:
    """A blocking Client (requests) for scripts and sync hosts; never use it on a live call's event loop."""
    from twilio.rest import Client

    sid, token = _credentials(settings)
    return Client(sid, token, http_client=_rebasing_sync_client(settings.twilio_api_base, timeout))


async def close_client(client: Client) -> None:
    """Close the aiohttp session behind an async client (no-op for a sync one)."""
    close = getattr(client.http_client, "close", None)
    if close is not None and getattr(client.http_client, "is_async", False):
        await close()


class TwilioClients:
    """One async Client per event loop, built on first use (aiohttp sessions cannot cross loops)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._clients: dict[int, tuple[Any, Client]] = {}

    def get(self) -> Client:
        """The client for the running loop (must be called from async code)."""
        import asyncio

        loop = asyncio.get_running_loop()
        entry = self._clients.get(id(loop))
        if entry is None or entry[0] is not loop:
            entry = (loop, build_async_client(self._settings))
            self._clients[id(loop)] = entry
        return entry[1]

    async def aclose(self) -> None:
        """Close the running loop's client."""
        import asyncio

        entry = self._clients.pop(id(asyncio.get_running_loop()), None)
        if entry is not None:
            await close_client(entry[1])
