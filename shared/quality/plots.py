"""The report's plots as inline SVG: CDF + histogram per component, a stacked per-turn timeline per sample call.

matplotlib is a development dependency only (requirements-dev.txt): it is imported lazily, with the Agg backend,
so the Function app never loads it; `available()` tells a caller whether plots can be drawn here.
"""
from __future__ import annotations

import importlib.util
import io
from collections.abc import Sequence
from typing import Any

from shared.quality.model import SampleCall

COLOURS = {"stt": "#4c78a8", "llm": "#f58518", "tts": "#54a24b", "overhead": "#e45756", "recorded": "#222222"}


def available() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "figure.dpi": 96})
    return plt


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    _pyplot().close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]   # drop the XML prolog and doctype: inlined in HTML


def distribution_svg(title: str, values: Sequence[float], marks: dict[str, float] | None = None) -> str:
    """A histogram and an empirical CDF of `values` (ms) side by side; vertical lines at `marks` (e.g. P50/P95)."""
    plt = _pyplot()
    fig, (hist, cdf) = plt.subplots(1, 2, figsize=(8.2, 2.6))
    ordered = sorted(values)
    hist.hist(ordered, bins=min(30, max(5, len(ordered) // 3)), color=COLOURS["stt"], edgecolor="white")
    hist.set_xlabel("ms")
    hist.set_ylabel("turns")
    n = len(ordered)
    cdf.step(ordered, [(i + 1) / n for i in range(n)], where="post", color=COLOURS["llm"])
    cdf.set_xlabel("ms")
    cdf.set_ylabel("fraction ≤ x")
    cdf.set_ylim(0, 1.02)
    for name, x in (marks or {}).items():
        for ax in (hist, cdf):
            ax.axvline(x, color="#888888", linestyle="--", linewidth=0.8)
        cdf.annotate(name, (x, 0.05), rotation=90, fontsize=7, color="#555555")
    fig.suptitle(f"{title} (n={n})", fontsize=10)
    return _svg(fig)


def timeline_svg(call: SampleCall) -> str:
    """One horizontal stacked bar per turn: STT, LLM first token, TTS first byte, Archer overhead (ms)."""
    plt = _pyplot()
    turns = call.turns
    fig, ax = plt.subplots(figsize=(8.2, 0.45 * len(turns) + 1.1))
    labels = [f"turn {t.turn} · {t.kind}" for t in turns]
    left = [0.0] * len(turns)
    for key, name, attr in (("stt", "STT", "stt_ms"), ("llm", "LLM first token", "llm_ttft_ms"),
                            ("tts", "TTS first byte", "tts_ttfb_ms"), ("overhead", "Archer overhead", "overhead_ms")):
        widths = [getattr(t, attr) for t in turns]
        ax.barh(labels, widths, left=left, color=COLOURS[key], label=name)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    recorded = [(i, t.recorded_gap_ms) for i, t in enumerate(turns) if t.recorded_gap_ms is not None]
    if recorded:
        ax.scatter([g for _, g in recorded], [labels[i] for i, _ in recorded], marker="|", s=200,
                   color=COLOURS["recorded"], label="heard on the recording", zorder=3)
    ax.invert_yaxis()
    ax.set_xlabel("ms after the caller stopped speaking")
    ax.legend(loc="lower right", fontsize=7, ncol=5, frameon=False, bbox_to_anchor=(1, 1.0))
    return _svg(fig)
