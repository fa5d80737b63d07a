"""Caller-intent detection on the labelled corpus: per-intent precision and recall on the held-out split
(and the train split for comparison), against the targets of issue #14. Prints figures; exits 1 if a target fails."""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.compliance import intent_corpus as corpus
from shared.compliance.intents import detect_intents


def table(split: corpus.Split, *, show_errors: bool) -> bool:
    examples = corpus.load(split)
    t0 = time.perf_counter()
    per, pooled, errors = corpus.evaluate(examples)
    per_utterance_us = (time.perf_counter() - t0) / len(examples) * 1e6
    negatives = sum(1 for e in examples if not e.intents)
    print(f"\n== {split}: {len(examples)} utterances ({negatives} ordinary), {per_utterance_us:.0f} µs per utterance")
    print(f"{'intent':<20}{'support':>8}{'precision':>11}{'recall':>8}  target")
    ok = True
    for intent, s in per.items():
        target = corpus.RECALL_TARGETS.get(intent)
        mark = ""
        if target is not None:
            hit = s.recall >= target
            ok &= hit
            mark = f"recall ≥ {target:.2f} {'ok' if hit else 'MISSED'}"
        print(f"{intent.value:<20}{s.support:>8}{s.precision:>11.3f}{s.recall:>8.3f}  {mark}")
    hit = pooled.precision >= corpus.OVERALL_PRECISION_TARGET
    ok &= hit
    print(f"{'overall (micro)':<20}{pooled.support:>8}{pooled.precision:>11.3f}{pooled.recall:>8.3f}  "
          f"precision ≥ {corpus.OVERALL_PRECISION_TARGET:.2f} {'ok' if hit else 'MISSED'}")
    if show_errors and errors:
        print(f"-- {len(errors)} utterances not labelled exactly:")
        for ex, got in errors:
            want = ",".join(sorted(i.value for i in ex.intents)) or "-"
            print(f"   want {want:<28} got {','.join(sorted(i.value for i in got)) or '-':<28} {ex.text}")
    return ok


def main() -> int:
    show = "--errors" in sys.argv
    table("train", show_errors=show)
    ok = table("heldout", show_errors=show)
    assert detect_intents("") == []
    print("\nheld-out targets:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
