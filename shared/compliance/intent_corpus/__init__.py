"""The labelled caller-intent corpus (train and held-out splits) and the per-intent precision/recall over it.

Each line of `train.txt` / `heldout.txt` is `intent[,intent] | utterance` (no intent = an ordinary collection-call
utterance). The held-out split was written before the detector was tuned and is never tuned on."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from shared.compliance.intents import Intent, detect_intents

Split = Literal["train", "heldout"]
_DIR = Path(__file__).parent
# Recall targets on the held-out split (issue #14): the safety and legal intents.
RECALL_TARGETS = {Intent.STOP_CALLING: 0.95, Intent.ATTORNEY: 0.95, Intent.BANKRUPTCY: 0.95, Intent.DISPUTE: 0.95,
                  Intent.FRAUD: 0.95, Intent.DISTRESS: 0.95, Intent.EMERGENCY: 0.95}
OVERALL_PRECISION_TARGET = 0.98


@dataclass(frozen=True)
class Example:
    text: str
    intents: frozenset[Intent]


@dataclass(frozen=True)
class Score:
    intent: Intent | None            # None = every intent pooled
    support: int
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def load(split: Split) -> list[Example]:
    out: list[Example] = []
    for line in (_DIR / f"{split}.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        labels, _, text = line.partition(" | ")
        intents = frozenset(Intent(x.strip()) for x in labels.split(",") if x.strip())
        out.append(Example(text.strip(), intents))
    return out


def evaluate(examples: Iterable[Example],
             detect: Callable[[str], Iterable[Intent]] | None = None) -> tuple[dict[Intent, Score], Score,
                                                                               list[tuple[Example, frozenset[Intent]]]]:
    """Per-intent scores, the pooled score (micro average) and the misclassified examples."""
    run = detect or (lambda text: [m.intent for m in detect_intents(text)])
    counts = {i: [0, 0, 0, 0] for i in Intent}            # support, tp, fp, fn
    errors: list[tuple[Example, frozenset[Intent]]] = []
    for ex in examples:
        got = frozenset(run(ex.text))
        if got != ex.intents:
            errors.append((ex, got))
        for i in Intent:
            c = counts[i]
            c[0] += i in ex.intents
            c[1] += i in ex.intents and i in got
            c[2] += i not in ex.intents and i in got
            c[3] += i in ex.intents and i not in got
    per = {i: Score(i, *c) for i, c in counts.items()}
    pooled = Score(None, *(sum(s[k] for s in counts.values()) for k in range(4)))
    return per, pooled, errors
