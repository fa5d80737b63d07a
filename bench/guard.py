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
    samples: list[float] = []
    for _ in range(ROUNDS):
        for case in cases:
            t0 = time.perf_counter_ns()
            guard.check(case.sentence, case.ctx)
            samples.append((time.perf_counter_ns() - t0) / 1e6)
    samples.sort()
    p50 = statistics.median(samples)
    p99 = samples[int(len(samples) * 0.99) - 1]
    false_positives = [c.sentence for c in ordinary if not guard.check(c.sentence, c.ctx).allowed]
    missed = [c.sentence for c in prohibited if guard.check(c.sentence, c.ctx).allowed]
    print(f"guard latency over {len(samples)} checks ({len(cases)} sentences x {ROUNDS}): "
          f"p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {samples[-1]:.3f} ms (target p99 < 1 ms) "
          f"-> {'OK' if p99 < 1 else 'SLOW'}")
    print(f"false-positive rate on {len(ordinary)} ordinary sentences: {len(false_positives) / len(ordinary):.1%} "
          f"({len(false_positives)} blocked; target 0)")
    print(f"prohibited sentences blocked: {len(prohibited) - len(missed)}/{len(prohibited)}")
    for sentence in false_positives + missed:
        print(f"  ! {sentence}")


if __name__ == "__main__":
    main()
