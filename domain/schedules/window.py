"""The instants a window of the calendar may start or end at: well inside what Python's dates and the recurrence
expander can shift by days and weeks, so a window at the edge of the calendar is refused, not a crash."""

from __future__ import annotations

from datetime import UTC, datetime

EARLIEST, LATEST = datetime(1900, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC)
OUT_OF_RANGE = "Must lie between the years 1900 and 9000."


def within_years(moment: datetime) -> bool:
    """Whether `moment` lies between EARLIEST and LATEST (one without an offset read as UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return EARLIEST <= aware < LATEST
