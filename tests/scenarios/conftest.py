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


# What a scenario can write, children first. DELETE is far cheaper than TRUNCATE on tables this small; the
# append-only tables accept it only inside a transaction that sets archer.retention_purge (as a purge would).
_CALL_DATA = ("audit_log", "messages", "compliance_events", "campaign_targets", "payment_arrangements",
              "turn_metrics", "tool_executions", "call_transcript_entries", "calls", "callbacks", "contact_attempts",
              "campaigns", "dnc_entries")
_FLAGS = ("consent_revoked_at", "cease_requested_at", "attorney_at", "bankruptcy_at", "disputed_at",
          "dispute_resolved_at", "hardship_at", "sensitive_hold_at", "sensitive_hold_reason", "dispute_type",
          "validation_requested_at", "validation_sent_at", "preferred_language")


async def reseed(pool: AsyncConnectionPool) -> None:
    """The demo seed and nothing else: call data removed, customer flags back to the seeded state."""
    async with pool.connection() as conn:
        await conn.set_autocommit(True)
        cur = await conn.execute("SELECT count(*) FROM customers WHERE external_ref IS NULL OR external_ref NOT LIKE "
                                 "'DEMO-%%'")
        row = await cur.fetchone()
        if row is not None and row[0]:             # someone else's rows: start from empty tables
            await conn.execute(f"TRUNCATE {', '.join(APP_TABLES)} RESTART IDENTITY CASCADE")
        else:
            async with conn.transaction():
                await conn.execute("SET LOCAL archer.retention_purge = 'on'")
                for table in _CALL_DATA:
                    await conn.execute(f"DELETE FROM {table}")
                await conn.execute(f"UPDATE customers SET {', '.join(f'{f} = NULL' for f in _FLAGS)}, "
                                   "attorney_details = NULL, inconvenient_times = '[]'::jsonb")
        await seed(conn)


@pytest.fixture(scope="module")
async def _empty_tables_after_module(pool: AsyncConnectionPool) -> AsyncIterator[None]:
    """Tests elsewhere expect empty tables: truncate once after this module (not after every scenario)."""
    yield
    async with pool.connection() as conn:
        await conn.set_autocommit(True)
        await conn.execute(f"TRUNCATE {', '.join(APP_TABLES)} RESTART IDENTITY CASCADE")


@pytest.fixture
async def fresh_db(pool: AsyncConnectionPool, _empty_tables_after_module: None) -> AsyncConnectionPool:
    """The pool, on a database holding exactly the demo seed."""
    await reseed(pool)
    return pool
