"""Builds the Cartesia SDK client from settings: the real API, or a local fake through `websocket_base_url`.

The SDK does not read CARTESIA_API_KEY itself, and `base_url` alone would make websockets use wss.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from shared.settings import Settings

if TYPE_CHECKING:
    from cartesia import AsyncCartesia


def cartesia_client(settings: Settings) -> AsyncCartesia:
    from cartesia import AsyncCartesia

    return AsyncCartesia(api_key=settings.secret("cartesia_api_key") or "local-fake-key",
                         base_url=settings.cartesia_base_url, websocket_base_url=settings.cartesia_ws_url)
