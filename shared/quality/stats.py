"""Percentiles and the per-figure summary the report shows: count, P50/P90/P95/P99, mean, or "not enough data".

Percentiles interpolate linearly between closest ranks (numpy's default, PostgreSQL's percentile_cont).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

PERCENTILES = (50, 90, 95, 99)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) of a non-empty sequence."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Summary:
    """One latency figure. `enough` is False when n is below the minimum; the percentiles are then None."""
    n: int
    enough: bool
    min_samples: int
    p50: float | None = None
    p90: float | None = None
    p95: float | None = None
    p99: float | None = None
    mean: float | None = None

    def stat(self, name: str) -> float | None:
        return getattr(self, name, None) if self.enough else None


def summarize(values: Sequence[float], min_samples: int) -> Summary:
    """The figure's summary, or a "not enough data" one below `min_samples` values."""
    n = len(values)
    if n == 0 or n < min_samples:
        return Summary(n=n, enough=False, min_samples=min_samples)
    return Summary(n=n, enough=True, min_samples=min_samples,
                   p50=round(percentile(values, 50), 2), p90=round(percentile(values, 90), 2),
                   p95=round(percentile(values, 95), 2), p99=round(percentile(values, 99), 2),
                   mean=round(sum(values) / n, 2))
