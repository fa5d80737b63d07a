"""Migrations run both ways on an empty database."""
import psycopg

from shared.db import migrate
from tests.support.servers import PostgresServer


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {r[0] for r in rows}


def test_empty_to_head_to_base_to_head(pg_server: PostgresServer) -> None:
    url = pg_server.create_database("archer_migrations")
    try:
        assert migrate.current_revision(url) is None
        migrate.upgrade(url)
        assert migrate.current_revision(url) == migrate.head_revision()
        at_head = _tables(url)
        assert {"customers", "calls", "call_transcript_entries", "contact_attempts", "compliance_events",
                "dnc_entries", "turn_metrics", "audit_log", "campaign_targets"} <= at_head

        migrate.downgrade(url, "base")
        assert migrate.current_revision(url) is None
        assert _tables(url) <= {"alembic_version"}

        migrate.upgrade(url)
        assert _tables(url) == at_head
    finally:
        pg_server.drop_database(url)
