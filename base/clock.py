"""The one clock: aware UTC datetimes, so no naive time reaches the database or the engine."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
