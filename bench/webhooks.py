"""Benchmark: Twilio voice webhook latency in-process (signature check + database + TwiML; target p99 <= 25 ms)
and the Function app's cold import time (fresh interpreters).

Uses DATABASE_URL's server when set, else a loopback or embedded PostgreSQL (a throwaway database either way).
"""
from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REQUESTS = int(os.environ.get("BENCH_WEBHOOK_REQUESTS", "400"))
WARMUP = 30
IMPORT_RUNS = 3
PUBLIC_BASE = "https://archer-bench.example.net"
TOKEN = "bench-auth-token-obviously-fake"


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def cold_import_seconds() -> list[float]:
    """`import function_app` in fresh interpreters (what a Functions worker pays on a cold start)."""
    code = "import time; t = time.perf_counter(); import function_app; print(time.perf_counter() - t)"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    runs = []
    for _ in range(IMPORT_RUNS):
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                             check=True)
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return runs


async def webhook_latencies(database_url: str) -> tuple[list[float], list[float]]:
    import httpx
    from twilio.request_validator import RequestValidator

    from functions.app import create_app
    from shared.db.pool import open_pool
    from shared.db.seed import seed
    from shared.settings import get_settings
    from shared.telephony.twiml import answer_twiml, recording_notice_text

    os.environ.update({"DATABASE_URL": database_url, "PUBLIC_BASE_URL": PUBLIC_BASE,
                       "VOICE_WS_URL": "wss://voice-bench.example.net", "TWILIO_AUTH_TOKEN": TOKEN,
                       "TWILIO_ACCOUNT_SID": "AC" + "0" * 28 + "be4c", "LOG_LEVEL": "WARNING"})
    get_settings.cache_clear()
    app = create_app()
    app.state.pool = await open_pool(database_url, min_size=2, max_size=4)
    async with app.state.pool.connection() as conn:
        await seed(conn)
    validator = RequestValidator(TOKEN)
    url = f"{PUBLIC_BASE}/api/twilio/voice"
    webhook: list[float] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC_BASE) as client:
        for i in range(WARMUP + REQUESTS):
            params = {"CallSid": "CA" + uuid.uuid4().hex, "From": "+12125550101", "To": "+12125550199",
                      "Direction": "inbound", "CallStatus": "ringing", "AccountSid": "AC" + "0" * 28 + "be4c"}
            headers = {"X-Twilio-Signature": validator.compute_signature(url, params)}
            start = time.perf_counter()
            response = await client.post("/api/twilio/voice", data=params, headers=headers)
            elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 200 and b"<Stream" in response.content, response.text
            if i >= WARMUP:
                webhook.append(elapsed)
    await app.state.pool.close()
    notice = recording_notice_text(bank_name="Northwind Bank", callback_number="+18005550100")
    render: list[float] = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        answer_twiml(call_id=uuid.uuid4(), stream_token="t" * 80, voice_ws_url="wss://v", notice=notice,
                     recording_callback_url=f"{PUBLIC_BASE}/api/twilio/recording", direction="inbound")
        render.append((time.perf_counter() - start) * 1000)
    return webhook, render


def main() -> None:
    from tests.support.servers import PostgresServer

    imports = cold_import_seconds()
    server = PostgresServer()
    url = server.create_database("archer_bench")
    try:
        from shared.db import migrate

        migrate.upgrade(url)
        webhook, render = asyncio.run(webhook_latencies(url))
    finally:
        server.drop_database(url)
        server.stop()
    p99 = _percentile(webhook, 99)
    print(f"voice webhook in-process (signature + DB + TwiML), {len(webhook)} requests: "
          f"p50 {statistics.median(webhook):.2f} ms, p99 {p99:.2f} ms "
          f"(target p99 <= 25 ms: {'met' if p99 <= 25 else 'NOT met'})")
    print(f"TwiML render only: p50 {statistics.median(render) * 1000:.0f} us, p99 {_percentile(render, 99) * 1000:.0f} us")
    print(f"function_app cold import ({IMPORT_RUNS} fresh interpreters): min {min(imports) * 1000:.0f} ms, "
          f"median {statistics.median(imports) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
