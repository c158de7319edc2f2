"""The one clock: aware UTC datetimes, so no naive time reaches the database or the engine.

Tests may set the time (`set_time`) to reach the edges of a time window, such as a TOTP code's 30-second step,
without waiting for it; `reset` goes back to the wall clock. Nothing in production sets it.
"""

from __future__ import annotations

from datetime import UTC, datetime

_fixed: datetime | None = None


def utcnow() -> datetime:
    return _fixed if _fixed is not None else datetime.now(UTC)


def set_time(moment: datetime) -> None:
    """Make `utcnow()` answer `moment` until `reset()` (tests only)."""
    global _fixed
    if moment.tzinfo is None:
        raise ValueError("The clock keeps aware datetimes only.")
    _fixed = moment.astimezone(UTC)


def reset() -> None:
    global _fixed
    _fixed = None
