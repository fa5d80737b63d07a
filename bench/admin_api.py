"""Admin API at scale: seeds 1 M calls (SQL generate_series) with transcript entries, tool executions,
compliance events and turn metrics into a temporary database, then prints p50/p95 of the admin queries
served through the real FastAPI app (auth, SQL, serialization): call list (filtered, paginated), transcript
text search, call detail, dashboard. Target: p95 ≤ 50 ms each.

Knobs (environment): BENCH_CALLS (default 1000000), BENCH_ENTRIES_PER_CALL (default 20),
BENCH_CUSTOMERS (default 100000), BENCH_REQUESTS (default 200 per scenario); BENCH_KEEP=1 keeps the database,
BENCH_DATABASE_URL=<kept url> measures again without seeding.
"""
from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import psycopg

CALLS = int(os.environ.get("BENCH_CALLS", "1000000"))
ENTRIES_PER_CALL = int(os.environ.get("BENCH_ENTRIES_PER_CALL", "20"))
CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "100000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
DAYS = 365

PHRASES = [
    "Hello, this is Archer calling on behalf of Northwind Bank.",
    "This is an attempt to collect a debt and any information obtained will be used for that purpose.",
    "Can you please confirm the last four digits of your account?",
    "And the postal code on file, please?",
    "Thank you, you are verified.",
    "Your balance is past due and I would like to help you find a way to resolve it.",
    "I can't pay all of that right now.",
    "Would a payment plan over six months work for you?",
    "I could do something smaller each month.",
    "I get paid on Friday, can you call me back then?",
    "We can set up a plan with a smaller monthly payment.",
    "I will send a secure payment link by text message.",
    "That works for me, thank you.",
    "Is there anything else I can help you with today?",
    "I already paid this last week.",
    "Please hold while I check the account.",
    "I lost my job and money is tight.",
    "We have a hardship option that defers payments for thirty days.",
    "Who is this again?",
    "Goodbye.",
]
RARE = ["My attorney handles this now.", "I filed for bankruptcy in March.", "I dispute this debt entirely."]


def log(msg: str) -> None:
    print(msg, flush=True)


def seed(url: str) -> None:
    phrases = "ARRAY[" + ",".join("'" + p.replace("'", "''") + "'" for p in PHRASES) + "]"
    rare = "ARRAY[" + ",".join("'" + p.replace("'", "''") + "'" for p in RARE) + "]"
    steps = [
        ("customers", f"""
            INSERT INTO customers (first_name, last_name, phone, account_last_4, postal_code, balance, days_overdue,
                                   timezone, region, consent_source)
            SELECT 'First' || i, 'Last' || i, '+1' || (2000000000 + i)::text, lpad((i % 10000)::text, 4, '0'),
                   lpad((10000 + i % 89999)::text, 5, '0'), (i % 5000) + 0.5, i % 200, 'America/New_York', 'NY',
                   'bench'
            FROM generate_series(1, {CUSTOMERS}) i"""),
        ("customer map", """
            CREATE TEMP TABLE cmap AS SELECT row_number() OVER (ORDER BY id) - 1 AS rn, id FROM customers;
            CREATE UNIQUE INDEX ON cmap (rn); ANALYZE cmap"""),
        ("drop child indexes for the bulk load", """
            DROP INDEX transcript_search;
            ALTER TABLE call_transcript_entries DROP CONSTRAINT transcript_call_seq;
            ALTER TABLE calls DROP CONSTRAINT calls_call_sid_key"""),
        (f"{CALLS} calls", f"""
            INSERT INTO calls (customer_id, direction, call_type, status, outcome, tactic_id, tactic_version,
                               to_number, verified, started_at, answered_at, conversation_at, ended_at,
                               duration_s, recording_url)
            SELECT c.id, 'outbound', CASE WHEN i % 10 = 0 THEN 'manual' ELSE 'campaign' END,
                   CASE WHEN i % 10 < 7 THEN 'completed' WHEN i % 10 = 7 THEN 'no-answer'
                        WHEN i % 10 = 8 THEN 'busy' ELSE 'failed' END,
                   CASE WHEN i % 10 >= 7 THEN NULL
                        ELSE (ARRAY['payment_arranged','promise_to_pay','refused','callback_scheduled',
                                    'wrong_party','voicemail','hung_up','disputed','completed_no_arrangement',
                                    'hardship'])[1 + (i / 10) % 10] END,
                   t.id, 1, '+1' || (2000000000 + i % {CUSTOMERS})::text, i % 10 < 5,
                   s.started, CASE WHEN i % 10 < 7 THEN s.started + interval '5 seconds' END,
                   CASE WHEN i % 10 < 7 THEN s.started + interval '6 seconds' END,
                   s.started + interval '1 second' * (20 + i % 400),
                   20 + i % 400, CASE WHEN i % 10 < 7 THEN 'https://api.twilio.example/rec/' || i END
            FROM generate_series(1, {CALLS}) i
            CROSS JOIN LATERAL (SELECT now() - interval '{DAYS} days' * (i::float / {CALLS}) AS started) s
            JOIN cmap c ON c.rn = i % {CUSTOMERS}
            JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM behavioral_tactics) t ON t.rn = i % 4"""),
        ("call_sid unique index", "ALTER TABLE calls ADD CONSTRAINT calls_call_sid_key UNIQUE (call_sid)"),
        (f"{ENTRIES_PER_CALL} transcript entries per answered call", f"""
            INSERT INTO call_transcript_entries (call_id, seq, speaker, text, spoken_at)
            SELECT c.id, s, CASE WHEN s % 2 = 0 THEN 'agent' ELSE 'caller' END,
                   CASE WHEN s = 7 AND hashtext(c.id::text) % 997 = 0
                        THEN ({rare})[1 + abs(hashtext(c.id::text)) % {len(RARE)}]
                        ELSE ({phrases})[1 + (s + abs(hashtext(c.id::text))) % {len(PHRASES)}] END,
                   c.started_at + interval '3 seconds' * s
            FROM calls c CROSS JOIN generate_series(0, {ENTRIES_PER_CALL} - 1) s
            WHERE c.answered_at IS NOT NULL"""),
        ("transcript (call_id, seq) unique index",
         "ALTER TABLE call_transcript_entries ADD CONSTRAINT transcript_call_seq UNIQUE (call_id, seq)"),
        ("transcript GIN index", "CREATE INDEX transcript_search ON call_transcript_entries USING gin (text_search)"),
        ("tool executions, compliance events (last 30 days)", """
            INSERT INTO tool_executions (call_id, seq, name, arguments, result, success, duration_ms, executed_at)
            SELECT c.id, s, (ARRAY['verify_account','get_customer_options','calculate_payment_plan'])[s + 1],
                   '{"account_last_4": "**21"}'::jsonb, '{"ok": true}'::jsonb, true, 3.5,
                   c.started_at + interval '10 seconds' * s
            FROM calls c CROSS JOIN generate_series(0, 2) s
            WHERE c.started_at > now() - interval '30 days' AND c.answered_at IS NOT NULL;
            INSERT INTO compliance_events (customer_id, call_id, category, code, occurred_at)
            SELECT c.customer_id, c.id, 'disclosure', 'mini_miranda', c.started_at + interval '4 seconds'
            FROM calls c WHERE c.started_at > now() - interval '30 days' AND c.answered_at IS NOT NULL"""),
        ("turn metrics (last 2 days, 10 turns per answered call)", """
            INSERT INTO turn_metrics (call_id, turn, voice_to_voice_ms, overhead_ms, stt_ms, llm_ttft_ms,
                                      tts_ttfb_ms, recorded_at)
            SELECT c.id, s, 500 + abs(hashtext(c.id::text || s)) % 600, 4 + abs(hashtext(c.id::text || s)) % 12,
                   120, 250, 110, c.started_at + interval '3 seconds' * s
            FROM calls c CROSS JOIN generate_series(0, 9) s
            WHERE c.started_at > now() - interval '2 days' AND c.answered_at IS NOT NULL"""),
        ("payment arrangements", """
            INSERT INTO payment_arrangements (idempotency_key, customer_id, call_id, kind, total_amount,
                                              payment_method, created_at)
            SELECT 'bench-' || c.id, c.customer_id, c.id, 'full', 100 + abs(hashtext(c.id::text)) % 2000,
                   'sms_link', c.started_at + interval '60 seconds'
            FROM calls c WHERE c.outcome IN ('payment_arranged', 'promise_to_pay')"""),
        ("analyze", "ANALYZE"),
    ]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("SET max_parallel_maintenance_workers = 2")
        for label, sql in steps:
            started = time.perf_counter()
            conn.execute(sql)
            log(f"  seeded {label} in {time.perf_counter() - started:.1f} s")
        for table in ("calls", "call_transcript_entries"):
            n = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
            size = conn.execute(f"SELECT pg_size_pretty(pg_total_relation_size('{table}'))").fetchone()[0]  # type: ignore[index]
            log(f"  {table}: {n:,} rows, {size}")


async def measure(label: str, fn: Callable[[int], Awaitable[httpx.Response]]) -> tuple[str, float, float, float]:
    times: list[float] = []
    for i in range(REQUESTS):
        started = time.perf_counter()
        r = await fn(i)
        times.append((time.perf_counter() - started) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"{label}: HTTP {r.status_code} {r.text[:300]}")
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    return label, statistics.median(times), p95, times[-1]


async def run_queries(url: str) -> list[tuple[str, float, float, float]]:
    os.environ.update({"DATABASE_URL": url, "AUTH_MODE": "dev", "ARCHER_ENV": "local", "LOG_LEVEL": "WARNING",
                       "API_RATE_LIMIT_PER_MINUTE": "1000000"})
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("KEY_VAULT_URL", None)
    from functions.app import create_app
    from functions.auth import Role, get_verifier
    from functions.deps import close_pool
    from shared.admin.call_stats import refresh_rollups
    from shared.settings import get_settings

    get_settings.cache_clear()
    app = create_app()
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT id FROM calls ORDER BY random() LIMIT 500").fetchall()
        call_ids = [str(r[0]) for r in rows]
        tactic_ids = [r[0] for r in conn.execute("SELECT id FROM behavioral_tactics").fetchall()]
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as aconn:
        started = time.perf_counter()
        await refresh_rollups(aconn)
        log(f"  first daily roll-up over the whole history: {time.perf_counter() - started:.1f} s "
            "(once; afterwards one day per day)")
    rng = random.Random(8)
    results = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        class _Req:
            app = None

        fake = _Req()
        fake.app = app  # type: ignore[assignment]
        token = get_verifier(fake).dev.mint(Role.viewer, "bench")  # type: ignore[arg-type,union-attr]
        h = {"Authorization": f"Bearer {token}"}
        await client.get("/api/v1/dashboard", headers=h)  # warm the pool
        cursors: dict[int, str | None] = {}

        async def list_paged(i: int) -> httpx.Response:
            # five pages deep per walk: status + outcome filter, 50 per page
            cur = cursors.get(i // 5 * 5) if i % 5 else None
            params = {"status": "completed", "outcome": "promise_to_pay", "limit": 50}
            if cur:
                params["cursor"] = cur
            r = await client.get("/api/v1/calls", params=params, headers=h)
            cursors[i // 5 * 5] = r.json().get("next_cursor")
            return r

        async def list_tactic_range(i: int) -> httpx.Response:
            days = rng.randint(1, 300)
            return await client.get("/api/v1/calls", headers=h, params={
                "tactic_id": rng.choice(tactic_ids), "limit": 50,
                "from": f"{time.strftime('%Y-%m-%d', time.gmtime(time.time() - days * 86400))}T00:00:00Z",
                "to": f"{time.strftime('%Y-%m-%d', time.gmtime(time.time() - (days - 7) * 86400))}T00:00:00Z"})

        async def search_common(i: int) -> httpx.Response:
            return await client.get("/api/v1/calls", params={"q": rng.choice(["payment plan", "hardship",
                                                                               "secure link", "paid"])}, headers=h)

        async def search_rare(i: int) -> httpx.Response:
            return await client.get("/api/v1/calls", params={"q": rng.choice(["bankruptcy", "attorney",
                                                                               "dispute"])}, headers=h)

        async def detail(i: int) -> httpx.Response:
            return await client.get(f"/api/v1/calls/{rng.choice(call_ids)}", headers=h)

        async def dashboard(i: int) -> httpx.Response:
            return await client.get("/api/v1/dashboard", headers=h)

        async def performance(i: int) -> httpx.Response:
            return await client.get(f"/api/v1/tactics/{rng.choice(tactic_ids)}/performance",
                                    params={"period": "week", "days": 90}, headers=h)

        for label, fn in (("call list: status+outcome, 5 pages deep", list_paged),
                          ("call list: tactic + 7-day range", list_tactic_range),
                          ("text search: common words", search_common),
                          ("text search: rare words", search_rare),
                          ("call detail", detail), ("dashboard", dashboard),
                          ("tactic performance (90 days, weekly)", performance)):
            results.append(await measure(label, fn))
    await close_pool(app)
    return results


def report(results: list[tuple[str, float, float, float]]) -> None:
    log(f"\n{'scenario':45s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s}  (n={REQUESTS}, target p95 ≤ 50 ms)")
    for label, p50, p95, worst in results:
        flag = "" if p95 <= 50 else "  OVER"
        log(f"{label:45s} {p50:8.1f} {p95:8.1f} {worst:8.1f}{flag}")


def main() -> None:
    reuse = os.environ.get("BENCH_DATABASE_URL")
    if reuse:  # a database kept by an earlier run (BENCH_KEEP=1): measure only
        report(asyncio.run(run_queries(reuse)))
        return
    from shared.db import migrate
    from shared.db.seed import seed as demo_seed
    from tests.support.servers import PostgresServer

    server = PostgresServer()
    url = server.create_database("archer_bench")
    try:
        log(f"admin API bench: {CALLS:,} calls, {ENTRIES_PER_CALL} transcript entries per answered call, "
            f"{CUSTOMERS:,} customers ({server.kind} PostgreSQL)")
        os.environ["DATABASE_URL"] = url
        migrate.upgrade(url)

        async def _demo() -> None:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                await demo_seed(conn)

        asyncio.run(_demo())
        started = time.perf_counter()
        seed(url)
        log(f"  seeding took {time.perf_counter() - started:.0f} s")
        report(asyncio.run(run_queries(url)))
    finally:
        if os.environ.get("BENCH_KEEP"):
            log(f"kept {url}")
        else:
            server.drop_database(url)
            server.stop()


if __name__ == "__main__":
    main()
