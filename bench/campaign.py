"""How long the campaign orchestration logic takes to plan and track a 100 000-target campaign.

Drives the real orchestrator through the real azure.durable_functions replay (tests/support/durable_replay.py),
activities and target sub-orchestrations answered instantly by the stand-in host; prints time and history size
per continue-as-new generation. BENCH_TARGETS overrides the target count (default 100000).
"""
from __future__ import annotations

import os
import sys
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo's tests/, not a wheel's stray one
warnings.simplefilter("ignore")

from functions.workflows import names  # noqa: E402
from functions.workflows.orchestrators import PAGE_SIZE, campaign_orchestrator  # noqa: E402
from tests.support.durable_replay import ReplayHost  # noqa: E402

CAMPAIGN = {"status": "running", "max_concurrency": 50, "calls_per_minute": 6000, "max_attempts": 3,
            "retry_delay_minutes": 240, "tactic_id": 1}
CALL_SECONDS = 45


def run(total: int) -> None:
    host = ReplayHost(campaign_orchestrator, "campaign-bench", {"campaign_id": "bench"},
                      datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    host.start()
    next_id, dispatched, started = 1, 0, time.perf_counter()
    sizes: list[int] = []
    gen_times: list[float] = []
    while not host.done:
        t0 = time.perf_counter()
        host.continued_with = None
        if host.new_events:
            host.run()
        host.complete(host.activity(names.ACT_CAMPAIGN_LOAD), CAMPAIGN)
        host.run()
        count = min(PAGE_SIZE, total - next_id + 1)
        page = [{"id": i, "customer_id": f"c{i}", "attempts": 0, "next_attempt_at": None}
                for i in range(next_id, next_id + count)]
        next_id += count
        host.complete(host.activity(names.ACT_CAMPAIGN_PAGE), {"targets": page, "remaining": count,
                                                               "next_due_at": None})
        host.run()
        while not host.continued_with and not host.done:
            if host.subs():  # a batch of calls ends CALL_SECONDS later and arrives in one episode, as on the host
                host.now += timedelta(seconds=CALL_SECONDS)
            for sub in host.subs():
                host.complete(sub, {"target_id": sub.input["target_id"], "status": "done"})
            if host.timers():
                host.fire_next_timer()
            if host.activities(names.ACT_CAMPAIGN_STATUS):
                host.complete(host.activity(names.ACT_CAMPAIGN_STATUS), None)
            host.run()
        dispatched += count
        sizes.append(host.generations[-1])
        gen_times.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    print(f"targets: {dispatched} in {len(sizes)} generations of <= {PAGE_SIZE} (cap {CAMPAIGN['max_concurrency']}, "
          f"{CAMPAIGN['calls_per_minute']}/min, calls last {CALL_SECONDS} s)")
    print(f"orchestration logic (replay incl.): {elapsed:.1f} s total, "
          f"{1000 * elapsed / max(dispatched, 1):.2f} ms per target, episodes {host.episodes}")
    print(f"history events per generation: min {min(sizes)}, max {max(sizes)}, last {sizes[-1]} "
          f"(bounded: does not grow with the campaign)")
    print(f"time per generation: mean {1000 * sum(gen_times) / len(gen_times):.0f} ms, "
          f"max {1000 * max(gen_times):.0f} ms")
    print(f"output: {host.output}")


if __name__ == "__main__":
    run(int(os.environ.get("BENCH_TARGETS", "100000")))
