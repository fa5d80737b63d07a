"""Output guard latency and accuracy: per-sentence p50/p99 of OutputGuard.check over the prohibited and ordinary
sets (target p99 < 1 ms) and the false-positive rate on the ordinary set (target 0). Run: .venv/bin/python bench/guard.py"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.compliance.guard import OutputGuard
from tests.unit.compliance.guard_cases import load

ROUNDS = 200


def main() -> None:
    guard = OutputGuard()
    prohibited, ordinary = load("prohibited.txt"), load("ordinary.txt")
    cases = prohibited + ordinary
    for case in cases:   # warm-up: compiled patterns, caches
        guard.check(case.sentence, case.ctx)
    per_sentence: list[list[float]] = [[] for _ in cases]
    for _ in range(ROUNDS):
        for i, case in enumerate(cases):
            t0 = time.perf_counter_ns()
            guard.check(case.sentence, case.ctx)
            per_sentence[i].append((time.perf_counter_ns() - t0) / 1e6)
    samples = sorted(x for runs in per_sentence for x in runs)
    # A sentence's latency is the median of its runs (a run the OS preempted says nothing about the guard);
    # the raw distribution over every run is printed too.
    typical = sorted(statistics.median(runs) for runs in per_sentence)
    p50, p99 = statistics.median(typical), typical[max(0, int(len(typical) * 0.99) - 1)]
    raw_p99 = samples[int(len(samples) * 0.99) - 1]
    false_positives = [c.sentence for c in ordinary if not guard.check(c.sentence, c.ctx).allowed]
    missed = [c.sentence for c in prohibited if guard.check(c.sentence, c.ctx).allowed]
    print(f"guard per-sentence latency ({len(cases)} sentences, median of {ROUNDS} runs each): "
          f"p50 {p50:.3f} ms, p99 {p99:.3f} ms, slowest {typical[-1]:.3f} ms (target p99 < 1 ms) "
          f"-> {'OK' if p99 < 1 else 'SLOW'}")
    print(f"  raw, all {len(samples)} runs: p50 {statistics.median(samples):.3f} ms, p99 {raw_p99:.3f} ms, "
          f"max {samples[-1]:.3f} ms (includes OS preemption on a busy machine)")
    print(f"false-positive rate on {len(ordinary)} ordinary sentences: {len(false_positives) / len(ordinary):.1%} "
          f"({len(false_positives)} blocked; target 0)")
    print(f"prohibited sentences blocked: {len(prohibited) - len(missed)}/{len(prohibited)}")
    for sentence in false_positives + missed:
        print(f"  ! {sentence}")


if __name__ == "__main__":
    main()
