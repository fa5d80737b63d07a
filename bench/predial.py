"""Campaign-sized pre-dial check: seeds 100 000 customers (SQL generate_series) in a throwaway database and times
one check_batch call (target < 10 s). Run: .venv/bin/python bench/predial.py [--customers N]"""
from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg

from shared.compliance import predial
from shared.db import migrate
from tests.support.servers import PostgresServer

SEED = (
    """INSERT INTO customers (first_name, last_name, phone, account_last_4, postal_code, balance, days_overdue,
                              timezone, country, region, consent_source, consent_recorded_at, cease_requested_at)
       SELECT 'Bench', 'Customer' || g, '+1' || (200 + g %% 700)::text || lpad((g / 700)::text, 7, '0'),
              lpad((g %% 10000)::text, 4, '0'), lpad((10000 + g %% 89999)::text, 5, '0'), 100 + g %% 5000, g %% 180,
              CASE WHEN g %% 10 = 0 THEN NULL ELSE (ARRAY['America/New_York', 'America/Chicago', 'America/Denver',
                   'America/Los_Angeles'])[1 + g %% 4] END,
              'US', CASE WHEN g %% 10 = 1 THEN NULL  -- 10 %%: no state on record, derived from ZIP + area code
                         ELSE (ARRAY['NY', 'MA', 'WA', 'TX', 'CA', 'FL', 'IN', 'OH'])[1 + g %% 8] END,
              CASE WHEN g %% 50 = 0 THEN NULL ELSE 'account_application' END, now(),
              CASE WHEN g %% 97 = 0 THEN now() END
       FROM generate_series(1, %(n)s) AS g""",
    # About 30 % of customers were dialled on each of the last three days; 1 % of numbers are suppressed.
    """INSERT INTO contact_attempts (customer_id, phone, purpose, source, decision, reason_code, decided_at)
       SELECT c.id, c.phone, 'collection', 'campaign', 'allow', 'allowed', %(now)s - make_interval(days => k)
       FROM customers c CROSS JOIN generate_series(1, 3) AS k WHERE random() < 0.3""",
    "INSERT INTO dnc_entries (phone, source) SELECT phone, 'import' FROM customers WHERE random() < 0.01",
)


async def run(url: str, n: int) -> None:
    now = datetime(2026, 6, 10, 15, 0, tzinfo=ZoneInfo("America/New_York"))
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        t0 = time.perf_counter()
        for statement in SEED:
            await conn.execute(statement, {"n": n, "now": now})
        await conn.execute("ANALYZE")
        print(f"seeded {n} customers in {time.perf_counter() - t0:.1f} s")
        cur = await conn.execute("SELECT id FROM customers")
        ids = [r[0] for r in await cur.fetchall()]
        t0 = time.perf_counter()
        decisions = await predial.check_batch(conn, ids, now=now, purpose="collection", source="campaign")
        elapsed = time.perf_counter() - t0
    reasons = Counter(d.reason_code for d in decisions.values())
    print(f"check_batch: {len(decisions)} customers decided and recorded in {elapsed:.2f} s "
          f"({len(decisions) / elapsed:,.0f}/s; target < 10 s for 100 000) -> {'OK' if elapsed < 10 else 'SLOW'}")
    print("reasons: " + ", ".join(f"{k}={v}" for k, v in reasons.most_common()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    server = PostgresServer()
    url = server.create_database("archer_bench_predial")
    try:
        migrate.upgrade(url)
        asyncio.run(run(url, args.customers))
    finally:
        server.drop_database(url)
        server.stop()


if __name__ == "__main__":
    main()
