"""Fixtures for the telephony tests: the Twilio fake and settings pointing the real SDK at it."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared.settings import Settings, load_settings
from tests.fakes.twilio_fake import TwilioFake

FROM_NUMBER = "+12125550199"
TRANSFER_NUMBER = "+12125550198"
PUBLIC_BASE = "https://archer-test.example.net"
VOICE_WS = "wss://voice-test.example.net"


@pytest.fixture
def twilio_fake() -> Iterator[TwilioFake]:
    with TwilioFake() as fake:
        yield fake


@pytest.fixture
def twilio_settings(twilio_fake: TwilioFake, database_url: str) -> Settings:
    return load_settings(database_url=database_url, twilio_account_sid=twilio_fake.account_sid,
                         twilio_auth_token=twilio_fake.auth_token, twilio_api_base=twilio_fake.base_url,
                         twilio_from_number=FROM_NUMBER, human_transfer_number=TRANSFER_NUMBER,
                         public_base_url=PUBLIC_BASE, voice_ws_url=VOICE_WS)
