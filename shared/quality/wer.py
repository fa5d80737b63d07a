"""Transcription word error rate from reviewers' corrections (jiwer): reference = what was said, hypothesis = STT."""
from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@functools.cache
def _normalise() -> Any:
    import jiwer  # imported on first use: the API's cold start does not pay for it

    no_punctuation = jiwer.RemovePunctuation()  # type: ignore[no-untyped-call]
    return jiwer.Compose([jiwer.ToLowerCase(), no_punctuation, jiwer.RemoveMultipleSpaces(), jiwer.Strip(),
                          jiwer.ReduceToListOfListOfWords()])


@dataclass(frozen=True)
class WordErrors:
    reference_words: int
    substitutions: int
    deletions: int
    insertions: int

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def wer(self) -> float | None:
        return self.errors / self.reference_words if self.reference_words else None


def word_errors(pairs: Sequence[tuple[str, str]]) -> WordErrors:
    """Corpus-level word errors over (reference, hypothesis) pairs; empty references are skipped."""
    kept = [(ref, hyp) for ref, hyp in pairs if ref.strip()]
    if not kept:
        return WordErrors(0, 0, 0, 0)
    import jiwer

    out = jiwer.process_words([r for r, _ in kept], [h if h.strip() else "<empty>" for _, h in kept],
                              reference_transform=_normalise(), hypothesis_transform=_normalise())
    words = out.hits + out.substitutions + out.deletions
    return WordErrors(words, out.substitutions, out.deletions, out.insertions)
