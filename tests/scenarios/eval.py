"""`make eval`: every scenario against a real LLM (OPENAI_API_KEY, or the Azure OpenAI settings), with a pass table.

Without a key it says so and exits 0. Uses a fresh database (DATABASE_URL's server, a loopback one, or the embedded
PostgreSQL) and the Twilio fake for SMS, so nothing real is texted or dialed."""
from __future__ import annotations

import asyncio
import os
import sys
import time

from psycopg_pool import AsyncConnectionPool

from shared.agent.brains.llm import LlmAdvisor, LlmBrain, make_client
from shared.db import migrate
from shared.settings import Settings, SettingsError, load_settings
from tests.fakes.twilio_fake import TwilioFake
from tests.scenarios.conftest import FROM_NUMBER, TRANSFER_NUMBER, reseed
from tests.scenarios.harness import check, load_all, run_scenario
from tests.support.servers import PostgresServer


def llm_configured() -> bool:
    return bool(os.environ.get("OPENAI_API_KEY") or os.environ.get("AZURE_OPENAI_ENDPOINT"))


async def evaluate(settings: Settings, database_url: str) -> int:
    pool = AsyncConnectionPool(database_url, min_size=1, max_size=4, open=False)
    await pool.open(wait=True)
    rows: list[tuple[str, bool, float, str, str]] = []
    try:
        for sc in load_all():
            await reseed(pool)
            client, model = make_client(settings)
            started = time.perf_counter()
            tokens = "-"
            try:
                result = await run_scenario(pool, sc, settings=settings,
                                            brain=LlmBrain(settings, client=client, model=model),
                                            advisor=LlmAdvisor(client, model, settings.llm_timeout_s))
                fails = check(result)
                if result.engine.fell_back:
                    fails.append("fell back to the rules brain")
                prompt = sum(t.prompt_tokens for t in result.engine.timings)
                cached = sum(t.cached_tokens for t in result.engine.timings)
                tokens = f"{prompt}/{cached / prompt:.0%}" if prompt else "-"
            except Exception as exc:  # one broken scenario must not hide the others' results
                fails = [f"error: {type(exc).__name__}: {exc}"]
            rows.append((sc.name, not fails, time.perf_counter() - started, tokens, fails[0] if fails else ""))
    finally:
        await pool.close()
    width = max(len(r[0]) for r in rows)
    print(f"\n{'scenario':<{width}}  result  seconds  prompt tokens/cached  first problem")
    for name, ok, secs, tokens, why in rows:
        print(f"{name:<{width}}  {'PASS' if ok else 'FAIL':<6}  {secs:7.1f}  {tokens:>20}  {why[:100]}")
    passed = sum(1 for r in rows if r[1])
    print(f"\n{passed}/{len(rows)} scenarios passed with {settings.azure_openai_deployment or settings.openai_model}")
    return 0 if passed == len(rows) else 1


def main() -> int:
    if not llm_configured():
        print("make eval: no LLM configured — set OPENAI_API_KEY (optionally OPENAI_BASE_URL / OPENAI_MODEL) or "
              "AZURE_OPENAI_ENDPOINT + AZURE_OPENAI_DEPLOYMENT to run every scenario against a real model. "
              "Skipping (the scenarios run in `make test` with the rules brain and the OpenAI fake).")
        return 0
    server = PostgresServer()
    url = server.create_database("archer_eval")
    twilio = TwilioFake().start()
    try:
        migrate.upgrade(url)
        settings = load_settings(database_url=url, agent_brain="llm", human_transfer_number=TRANSFER_NUMBER,
                                 twilio_account_sid=twilio.account_sid, twilio_auth_token=twilio.auth_token,
                                 twilio_api_base=twilio.base_url, twilio_from_number=FROM_NUMBER)
        return asyncio.run(evaluate(settings, url))
    except SettingsError as exc:
        print(f"make eval: {exc}", file=sys.stderr)
        return 2
    finally:
        twilio.stop()
        server.drop_database(url)
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
