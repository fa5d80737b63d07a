"""Fixtures for the scenario runner: the OpenAI fake, settings for both brains, a freshly seeded database."""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from psycopg_pool import AsyncConnectionPool

from shared.db.seed import seed
from shared.settings import Settings, load_settings
from tests.conftest import APP_TABLES
from tests.fakes.openai_fake import OpenAIFake
from tests.fakes.twilio_fake import TwilioFake

TRANSFER_NUMBER = "+18005550199"
FROM_NUMBER = "+18005550198"


@pytest.fixture(scope="session")
def twilio_fake() -> Iterator[TwilioFake]:
    fake = TwilioFake().start()
    yield fake
    fake.stop()


def _twilio(fake: TwilioFake) -> dict[str, str]:
    return {"twilio_account_sid": fake.account_sid, "twilio_auth_token": fake.auth_token,
            "twilio_api_base": fake.base_url, "twilio_from_number": FROM_NUMBER}


@pytest.fixture(scope="session")
def openai_fake() -> Iterator[OpenAIFake]:
    fake = OpenAIFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def rules_settings(database_url: str, twilio_fake: TwilioFake) -> Settings:
    return load_settings(database_url=database_url, agent_brain="rules", human_transfer_number=TRANSFER_NUMBER,
                         **_twilio(twilio_fake))


@pytest.fixture
def llm_settings(database_url: str, openai_fake: OpenAIFake, twilio_fake: TwilioFake) -> Settings:
    openai_fake.reset()
    return load_settings(database_url=database_url, agent_brain="llm", human_transfer_number=TRANSFER_NUMBER,
                         **_twilio(twilio_fake),
                         openai_base_url=openai_fake.base_url, openai_api_key="sk-test-not-a-real-key",
                         llm_timeout_s=1.0)


async def reseed(pool: AsyncConnectionPool) -> None:
    async with pool.connection() as conn:
        await conn.set_autocommit(True)
        await conn.execute(f"TRUNCATE {', '.join(APP_TABLES)} RESTART IDENTITY CASCADE")
        await seed(conn)


@pytest.fixture
async def fresh_db(pool: AsyncConnectionPool) -> AsyncIterator[AsyncConnectionPool]:
    await reseed(pool)
    yield pool
    async with pool.connection() as conn:
        await conn.set_autocommit(True)
        await conn.execute(f"TRUNCATE {', '.join(APP_TABLES)} RESTART IDENTITY CASCADE")
