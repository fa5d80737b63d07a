"""Which kind of reply a turn was, from what the turn did: tool-based, multi-turn or simple.

- tool: at least one tool ran between the caller's speech end (without one: the caller's line) and the next turn;
- multi_turn: no tool, but the agent's answer spanned two or more sentences (a composed, context-dependent reply);
- simple: no tool and a one-sentence answer (acknowledgements, short questions);
- unclassified: the turn answers no caller speech (the greeting) or no agent text was recorded for it.
"""
from __future__ import annotations

import re
from typing import Literal

ReplyKind = Literal["simple", "multi_turn", "tool", "unclassified"]
KINDS: tuple[ReplyKind, ...] = ("simple", "multi_turn", "tool")
LABELS: dict[str, str] = {"simple": "Simple replies", "multi_turn": "Multi-turn replies",
                          "tool": "Tool-based replies", "unclassified": "Unclassified turns"}
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")


def sentence_count(text: str) -> int:
    """Sentences in `text` (a trailing fragment without a full stop counts as one)."""
    stripped = text.strip()
    if not stripped:
        return 0
    ends = len(_SENTENCE_END.findall(stripped))
    return ends + (0 if _SENTENCE_END.search(stripped[-1] + " ") else 1)


def classify(*, has_speech_end: bool, tools: int, agent_text: str | None) -> ReplyKind:
    if not has_speech_end:
        return "unclassified"
    if tools > 0:
        return "tool"
    sentences = sentence_count(agent_text or "")
    if sentences == 0:
        return "unclassified"
    return "multi_turn" if sentences >= 2 else "simple"
