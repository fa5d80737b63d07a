"""What the `llm` brain sends for a scripted 12-turn call, before (the prompt builder this branch started from, taken
from git) and after: tokens per request, the prefix each request shares with the one before it (what OpenAI's prompt
cache can reuse: from 1,024 tokens, in 128-token steps), and growth per caller turn.

Each side plays the same caller lines through its own engine, real openai SDK and OpenAI fake (scripted with that
side's rules brain, as the scenario tests do), on a fresh database; the requests the fake received are measured here.
Tokens: tiktoken's o200k_base when its encoding can be loaded, else the documented approximation in
tests/fakes/openai_fake.py (`count_tokens`, within ~10% on English prompt text).
Run: .venv/bin/python bench/llm_prompt.py [--before-ref <git ref>]"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.openai_fake import _common_prefix, count_tokens, render_prompt  # noqa: E402

CALLER = ["Yes, this is Maria.", "4821 and 10001.", "Sorry, what is this about?", "I can only pay five hundred dollars.",
          "Hmm. What about six hundred?", "Could I do a payment plan instead?", "Six months.",
          "What would that be each month again?", "Okay, yes, let's do that.", "Text me the link please.",
          "Will I get a confirmation?", "No, that's all, thanks."]

# Runs inside a tree (this one, or the one extracted from git) with that tree's own code, fake and migrations.
CHILD = r'''
import asyncio, json, sys
from datetime import datetime
from psycopg_pool import AsyncConnectionPool
from shared.agent.brains.llm import LlmBrain, make_client
from shared.agent.brains.rules import RulesBrain
from shared.db import migrate
from shared.settings import load_settings
from tests.fakes.openai_fake import OpenAIFake, Reply
from tests.fakes.twilio_fake import TwilioFake
from tests.scenarios.conftest import FROM_NUMBER, TRANSFER_NUMBER, reseed
from tests.scenarios.harness import Scenario, run_scenario
from tests.support.servers import PostgresServer

async def main(url, caller, out):
    twilio, fake = TwilioFake().start(), OpenAIFake().start()
    common = dict(database_url=url, human_transfer_number=TRANSFER_NUMBER, twilio_account_sid=twilio.account_sid,
                  twilio_auth_token=twilio.auth_token, twilio_api_base=twilio.base_url, twilio_from_number=FROM_NUMBER)
    rules = load_settings(agent_brain="rules", **common)
    llm = load_settings(agent_brain="llm", openai_base_url=fake.base_url, openai_api_key="sk-bench",
                        llm_timeout_s=2.0, **common)
    sc = Scenario("bench_12_turns", "", "+12125550101", "balanced_progression",
                  datetime.fromisoformat("2026-11-24T15:00:00+00:00"), [{"say": c} for c in caller], {})
    pool = AsyncConnectionPool(url, min_size=1, max_size=4, open=False)
    await pool.open(wait=True)
    try:
        await reseed(pool)
        steps = (await run_scenario(pool, sc, settings=rules, brain=RulesBrain())).steps
        await reseed(pool)
        fake.push(*[Reply(text=s.text, tool_calls=[(c["name"], json.dumps(c["arguments"])) for c in s.tool_calls])
                    for s in steps])
        client, model = make_client(llm)
        result = await run_scenario(pool, sc, settings=llm, brain=LlmBrain(llm, client=client, model=model))
        turns = [sum(1 for m in r["messages"] if m["role"] == "user") for r in fake.requests if r.get("stream")]
        json.dump({"requests": [r for r in fake.requests if r.get("stream")], "user_turns": turns,
                   "fell_back": result.engine.fell_back}, open(out, "w"))
    finally:
        await pool.close()
        fake.stop()
        twilio.stop()

server = PostgresServer()
url = server.create_database("archer_bench_prompt")
try:
    migrate.upgrade(url)
    asyncio.run(main(url, json.loads(sys.argv[1]), sys.argv[2]))
finally:
    server.drop_database(url)
'''


def run_tree(tree: Path) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = out.name
    env = {**os.environ, "PYTHONPATH": str(tree), "LOG_LEVEL": "WARNING"}
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(CALLER), path], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"bench run in {tree} failed:\n{proc.stderr[-3000:]}")
    data = json.loads(Path(path).read_text())
    Path(path).unlink()
    return data


def cached(prefix_tokens: int) -> int:
    return 0 if prefix_tokens < 1024 else 1024 + (prefix_tokens - 1024) // 128 * 128


def report(label: str, data: dict) -> dict[str, float]:
    prompts = [render_prompt(r) for r in data["requests"]]
    tokens = [count_tokens(p) for p in prompts]
    shared = [0] + [count_tokens(prompts[i][:_common_prefix(prompts[i], prompts[i - 1])])
                    for i in range(1, len(prompts))]
    turns = data["user_turns"]
    print(f"\n{label}: {len(prompts)} requests for {len(CALLER)} caller turns"
          f"{' (fell back to rules!)' if data['fell_back'] else ''}")
    print(f"  {'req':>3} {'turn':>4} {'tokens':>7} {'shared prefix':>13} {'cacheable':>9}  sent after")
    for i, (tok, pre) in enumerate(zip(tokens, shared, strict=True)):
        msgs = data["requests"][i]["messages"]
        last = msgs[-2] if len(msgs) > 2 and msgs[-1]["role"] == "system" else msgs[-1]   # skip the facts message
        kind = "tool result" if last["role"] == "tool" else "caller turn" if last["role"] == "user" else last["role"]
        print(f"  {i + 1:>3} {turns[i]:>4} {tok:>7} {pre:>13} {cached(pre):>9}  {kind}")
    follow = [cached(p) for p in shared[1:]]
    first_of_turn = {}
    for i, t in enumerate(turns):
        first_of_turn.setdefault(t, tokens[i])
    per_turn = sorted(first_of_turn.items())
    growth = [(b - a) / (tb - ta) for (ta, a), (tb, b) in itertools.pairwise(per_turn) if tb > ta]
    summary = {"requests": len(tokens), "mean_tokens": sum(tokens) / len(tokens),
               "growth_per_turn": sum(growth) / len(growth) if growth else 0.0,
               "followups_below_1024": sum(1 for c in follow if c < 1024),
               "cached_share": sum(follow) / max(1, sum(tokens[1:])),
               "uncached_mean": sum(t - c for t, c in zip(tokens[1:], follow, strict=True)) / max(1, len(follow))}
    print(f"  mean {summary['mean_tokens']:.0f} tokens/request, growth {summary['growth_per_turn']:.0f} tokens per "
          f"caller turn; follow-up requests caching nothing (shared prefix < 1,024): "
          f"{summary['followups_below_1024']} of {len(follow)}; share of follow-up prompt tokens cacheable: "
          f"{summary['cached_share']:.0%}; uncached tokens per follow-up: {summary['uncached_mean']:.0f}")
    return summary


def extract(ref: str) -> Path:
    raw = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True).stdout
    target = Path(tempfile.mkdtemp(prefix="archer-before-"))
    with tarfile.open(fileobj=BytesIO(raw)) as tar:
        tar.extractall(target, filter="data")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before-ref", default="fdfe161",
                        help="git ref of the prompt builder to compare against (default: the issue's starting point)")
    args = parser.parse_args()
    encoding = "tiktoken o200k_base" if _has_tiktoken() else "approximation (tests/fakes/openai_fake.count_tokens)"
    print(f"LLM prompt per request, scripted {len(CALLER)}-turn call (balanced_progression); tokens: {encoding}")
    before_tree = extract(args.before_ref)
    try:
        before = report(f"BEFORE ({args.before_ref}: facts and state first, then rules; full tool results)",
                        run_tree(before_tree))
    finally:
        subprocess.run(["rm", "-rf", str(before_tree)], check=False)
    after = report("AFTER (fixed text + tools first, history, facts and state last; results shaped for speech)",
                   run_tree(ROOT))
    print(f"\nfollow-ups caching nothing: {before['followups_below_1024']} → {after['followups_below_1024']}; "
          f"growth per caller turn: {before['growth_per_turn']:.0f} → {after['growth_per_turn']:.0f} tokens; "
          f"cacheable share of follow-up tokens: {before['cached_share']:.0%} → {after['cached_share']:.0%}; "
          f"uncached tokens per follow-up: {before['uncached_mean']:.0f} → {after['uncached_mean']:.0f}")


def _has_tiktoken() -> bool:
    from tests.fakes.openai_fake import _encoding

    return _encoding() is not None


if __name__ == "__main__":
    main()
