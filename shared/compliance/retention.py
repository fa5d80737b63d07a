"""The audited retention purge: call records, dial attempts, compliance events and messages older than
RETENTION_DAYS (at least 3 years, Reg F 1006.100) are deleted in one transaction that is itself recorded.

Run as a job (`python -m shared.compliance.retention [--dry-run]`) under the migration/owner role: the application
role cannot delete from the append-only tables, and the database refuses even the owner unless the transaction
sets archer.retention_purge."""
from __future__ import annotations

import argparse
import asyncio
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg import AsyncConnection

from shared.db.audit import write_audit
from shared.db.compliance_records import record_event
from shared.settings import get_settings

log = logging.getLogger(__name__)
MIN_RETENTION_DAYS = 1095


@dataclass(frozen=True)
class PurgeResult:
    cutoff: datetime
    compliance_events: int
    calls: int
    contact_attempts: int
    messages: int
    dry_run: bool


# Order matters: events first (they point at calls), then calls no remaining event points at (their transcript,
# tool executions and turn metrics cascade), then attempts no remaining call points at.
_STEPS = (
    ("compliance_events", "DELETE FROM compliance_events WHERE occurred_at < %(cutoff)s"),
    ("calls", """DELETE FROM calls k WHERE k.started_at < %(cutoff)s AND (k.ended_at IS NULL OR k.ended_at < %(cutoff)s)
                 AND NOT EXISTS (SELECT 1 FROM compliance_events e WHERE e.call_id = k.id)"""),
    ("contact_attempts", """DELETE FROM contact_attempts ca WHERE ca.decided_at < %(cutoff)s
                            AND NOT EXISTS (SELECT 1 FROM calls k WHERE k.contact_attempt_id = ca.id)"""),
    ("messages", "DELETE FROM messages WHERE created_at < %(cutoff)s"),
)


async def purge_expired(conn: AsyncConnection, *, now: datetime, retention_days: int | None = None,
                        actor: str = "retention_job", dry_run: bool = False) -> PurgeResult:
    """Delete what is past retention (with dry_run: count it in a rolled-back transaction); audited either way."""
    days = retention_days if retention_days is not None else get_settings().retention_days
    if days < MIN_RETENTION_DAYS:
        raise ValueError(f"retention below {MIN_RETENTION_DAYS} days is refused (Reg F 1006.100)")
    cutoff = now - timedelta(days=days)
    counts: dict[str, int] = {}
    async with conn.transaction():
        await conn.execute("SET LOCAL archer.retention_purge = 'on'")
        for table, sql in _STEPS:
            cur = await conn.execute(sql, {"cutoff": cutoff})
            counts[table] = cur.rowcount
        result = PurgeResult(cutoff=cutoff, dry_run=dry_run, **counts)
        summary = {**asdict(result), "cutoff": cutoff.isoformat(), "retention_days": days}
        if dry_run:
            raise psycopg.Rollback()
        await write_audit(conn, actor=actor, actor_role="system", action="retention.purge",
                          resource_type="compliance_record", resource_id=None, after=summary)
        await record_event(conn, category="retention", code="purge", details=summary, occurred_at=now)
    if dry_run:
        await write_audit(conn, actor=actor, actor_role="system", action="retention.preview",
                          resource_type="compliance_record", resource_id=None, after=summary)
    log.info("retention %s: %s", "preview" if dry_run else "purge", summary)
    return result


async def _main(dry_run: bool) -> None:
    from shared.db.pool import open_pool

    pool = await open_pool()
    try:
        async with pool.connection() as conn:
            result = await purge_expired(conn, now=datetime.now(UTC), dry_run=dry_run)
    finally:
        await pool.close()
    print(("would delete" if dry_run else "deleted") + f" before {result.cutoff:%Y-%m-%d}: "
          f"{result.compliance_events} events, {result.calls} calls, {result.contact_attempts} attempts, "
          f"{result.messages} messages")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Purge compliance records past RETENTION_DAYS (audited).")
    parser.add_argument("--dry-run", action="store_true", help="count only; nothing is deleted")
    asyncio.run(_main(parser.parse_args().dry_run))
