"""The admin API's per-principal request limit: one door of the shared limiter (shared/ratelimit.py)."""
from __future__ import annotations

from shared.ratelimit import RateLimiter, Verdict

__all__ = ["RateLimiter", "Verdict"]
