"""Recording media from Twilio: an authenticated fetch (HTTP basic auth with the account SID and auth token) of a
recording's WAV, whole (for analysis) or streamed (for the admin UI's player, which never sees Twilio's URL).

TWILIO_API_BASE rebases the request as for the REST client (the local fake). A redirect to another host (Twilio
hands media out from its storage) is followed without the credentials.
"""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from shared.settings import Settings
from shared.telephony.errors import TelephonyError
from shared.telephony.twilio_client import _basic_auth, _credentials, rebase_url

MEDIA_SUFFIX = ".wav"
MEDIA_TYPE = "audio/wav"
TIMEOUT = aiohttp.ClientTimeout(total=120, sock_connect=10)
MAX_BYTES = 200 * 1024 * 1024


class RecordingUnavailableError(TelephonyError):
    """Twilio would not hand out the recording (unknown, deleted, or the credentials were refused)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__("twilio.recording", message)
        self.status = status


def media_url(recording_url: str, settings: Settings, *, channels: int | None = None) -> str:
    """The WAV media URL of a recording resource URL (RecordingUrl from the callback), rebased for a fake;
    `channels=2` asks for the per-leg file (Twilio's RequestedChannels) rather than a downmix."""
    base = recording_url[:-len(".json")] if recording_url.endswith(".json") else recording_url
    if not base.endswith((".wav", ".mp3")):
        base += MEDIA_SUFFIX
    if channels is not None:
        base += f"?RequestedChannels={channels}"
    return rebase_url(base, settings.twilio_api_base)


@dataclass
class MediaStream:
    content_type: str
    content_length: int | None
    chunks: AsyncIterator[bytes]


@contextlib.asynccontextmanager
async def open_recording(settings: Settings, recording_url: str, *,
                         channels: int | None = None) -> AsyncIterator[MediaStream]:
    """The recording's media as a stream of chunks; RecordingUnavailableError when Twilio refuses it."""
    sid, token = _credentials(settings)
    url = media_url(recording_url, settings, channels=channels)
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        response = await session.get(url, headers={"Authorization": _basic_auth(sid, token)}, allow_redirects=False)
        try:
            if response.status in (301, 302, 303, 307, 308) and response.headers.get("Location"):
                target = response.headers["Location"]
                same_origin = urlsplit(target).netloc in ("", urlsplit(url).netloc)
                headers = {"Authorization": _basic_auth(sid, token)} if same_origin else {}
                response.release()
                response = await session.get(target, headers=headers)
            if response.status != 200:
                raise RecordingUnavailableError(response.status, f"Twilio answered {response.status} for the "
                                                                 "recording media")
            yield MediaStream(response.headers.get("Content-Type", MEDIA_TYPE), response.content_length,
                              response.content.iter_chunked(64 * 1024))
        finally:
            response.release()


async def fetch_recording(settings: Settings, recording_url: str, *, channels: int | None = 2) -> bytes:
    """The whole recording (bounded by MAX_BYTES), by default as its two channels."""
    out = bytearray()
    async with open_recording(settings, recording_url, channels=channels) as media:
        async for chunk in media.chunks:
            out += chunk
            if len(out) > MAX_BYTES:
                raise RecordingUnavailableError(413, "the recording is larger than the analysis accepts")
    return bytes(out)
