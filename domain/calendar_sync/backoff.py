"""Waiting after a throttled or failed call: Retry-After when the provider names it, else truncated exponential
backoff with full jitter (delay = random(0, min(cap, base * 2^attempt)))."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

BASE_SECONDS = 1.0
CAP_SECONDS = 60.0


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def delay_seconds(
    attempt: int, retry_after: float | None, *, base: float = BASE_SECONDS, cap: float = CAP_SECONDS,
    rng: random.Random | None = None,
) -> float:  # fmt: skip
    if retry_after is not None:
        return min(retry_after, cap * 10)
    ceiling = min(cap, base * 2 ** max(0, attempt))
    return (rng or random).uniform(0, ceiling)
