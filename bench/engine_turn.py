"""Conversation-engine time per turn with the rules brain (no vendor latency): input → first guarded sentence, and
the whole turn, over the full-payment scenario run N times sequentially and with C calls at once on a real
PostgreSQL. Prints p50/p95/max. Run: .venv/bin/python bench/engine_turn.py"""
from __future__ import annotations

import asyncio
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from psycopg_pool import AsyncConnectionPool

from shared.agent.brains.rules import RulesBrain
from shared.db import migrate
from shared.settings import load_settings
from tests.fakes.twilio_fake import TwilioFake
from tests.scenarios.conftest import FROM_NUMBER, TRANSFER_NUMBER, reseed
from tests.scenarios.harness import SCENARIO_DIR, Scenario, run_scenario
from tests.support.servers import PostgresServer

SEQUENTIAL = 20
CONCURRENT = 20


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def report(label: str, values: list[float]) -> None:
    print(f"  {label:<34} n={len(values):>4}  p50={statistics.median(values):7.2f} ms  "
          f"p95={pct(values, 95):7.2f} ms  max={max(values):7.2f} ms")


async def bench(url: str, twilio: TwilioFake) -> None:
    settings = load_settings(database_url=url, agent_brain="rules", human_transfer_number=TRANSFER_NUMBER,
                             twilio_account_sid=twilio.account_sid, twilio_auth_token=twilio.auth_token,
                             twilio_api_base=twilio.base_url, twilio_from_number=FROM_NUMBER)
    sc = Scenario.load(SCENARIO_DIR / "full_payment_sms.yaml")
    pool = AsyncConnectionPool(url, min_size=4, max_size=20, open=False)
    await pool.open(wait=True)
    try:
        await reseed(pool)
        first, total, tool_turns = [], [], []
        for _ in range(SEQUENTIAL):
            r = await run_scenario(pool, sc, settings=settings, brain=RulesBrain())
            for t in r.engine.timings:
                if t.first_speech_ms is not None:
                    first.append(t.first_speech_ms)
                total.append(t.total_ms)
            tool_turns += [t.total_ms for t in r.engine.timings if t.turn in (2, 3)]
        print(f"engine, rules brain, {SEQUENTIAL} sequential calls (full payment by SMS):")
        report("input → first sentence", first)
        report("whole turn", total)
        report("turns with DB tools (verify, pay)", tool_turns)
        runs = await asyncio.gather(*(run_scenario(pool, sc, settings=settings, brain=RulesBrain())
                                      for _ in range(CONCURRENT)))
        first_c = [t.first_speech_ms for r in runs for t in r.engine.timings if t.first_speech_ms is not None]
        print(f"engine, rules brain, {CONCURRENT} concurrent calls:")
        report("input → first sentence", first_c)
    finally:
        await pool.close()


def main() -> None:
    server = PostgresServer()
    url = server.create_database("archer_bench")
    twilio = TwilioFake().start()
    try:
        migrate.upgrade(url)
        asyncio.run(bench(url, twilio))
    finally:
        twilio.stop()
        server.drop_database(url)
        server.stop()


if __name__ == "__main__":
    main()
