"""Suite-wide fixtures: one real, migrated PostgreSQL database per run; a real Redis; clean tables per test."""
from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from shared.settings import get_settings
from tests.support.servers import PostgresServer, RedisServer

# Tables emptied between tests (children first is not needed: TRUNCATE ... CASCADE).
APP_TABLES = ("audit_log", "messages", "dnc_entries", "compliance_events", "campaign_targets", "payment_arrangements",
              "turn_metrics", "tool_executions", "call_transcript_entries", "calls", "callbacks", "contact_attempts",
              "campaigns", "tactic_versions", "behavioral_tactics", "customers", "collection_policies",
              "call_daily_stats", "call_daily_stats_state",
              "recording_turn_gaps", "recording_analyses", "call_ratings", "transcript_corrections", "simulated_effects",
              "verification_lockouts", "identification_failures")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def database_url(pg_server: PostgresServer) -> Iterator[str]:
    """This run's own database, migrated to head; DATABASE_URL points at it for code that reads settings."""
    from shared.db import migrate

    url = pg_server.create_database()
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("ARCHER_ENV", "test")
    get_settings.cache_clear()
    migrate.upgrade(url)
    yield url
    if previous is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = previous
    get_settings.cache_clear()
    pg_server.drop_database(url)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    server = RedisServer()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
async def pool(database_url: str) -> AsyncIterator[AsyncConnectionPool]:
    p = AsyncConnectionPool(database_url, min_size=1, max_size=8, open=False)
    await p.open(wait=True)
    yield p
    await p.close()


@pytest.fixture
async def conn(pool: AsyncConnectionPool) -> AsyncIterator[AsyncConnection]:
    """A connection on empty tables; whatever the test wrote is truncated afterwards."""
    async with pool.connection() as c:
        await c.set_autocommit(True)
        yield c
        await c.execute(f"TRUNCATE {', '.join(APP_TABLES)} RESTART IDENTITY CASCADE")


@pytest.fixture
async def seeded(conn: AsyncConnection) -> AsyncConnection:
    """`conn` with the demo seed loaded (tactics, policy, customers, DNC)."""
    from shared.db.seed import seed

    await seed(conn)
    return conn
