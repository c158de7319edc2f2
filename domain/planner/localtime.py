"""Wall-clock to instant conversion with one policy for DST edges, shared by the whole engine.

A local time that does not exist (spring forward gap) moves forward by the length of the gap, and an
ambiguous one (autumn fold) means its first occurrence, as RFC 5545 (section 3.3.5) prescribes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.planner.model import Interval, TimeWindow


def localize(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant of a naive wall-clock time in `zone`, normalised to that zone's real offset."""
    if wall.tzinfo is not None:
        raise ValueError("localize expects a naive wall-clock datetime")
    # fold=0 picks the first of two ambiguous instants, and inside a gap it applies the offset from
    # before the transition, which lands exactly "gap length later" once normalised.
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


def wall_clock(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive wall-clock reading of an instant in `zone`."""
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    return localize(datetime.combine(day, time(0)), zone)


def window_on(day: date, window: TimeWindow, zone: ZoneInfo) -> Interval | None:
    """The instants (in UTC) a wall-clock window covers on `day`; None when DST swallows it."""
    start = localize(datetime.combine(day, window.start), zone)
    if window.end == time(0):
        end = day_start(day + timedelta(days=1), zone)
    else:
        end = localize(datetime.combine(day, window.end), zone)
    start, end = start.astimezone(UTC), end.astimezone(UTC)  # UTC: safe to compare and subtract
    if end <= start:
        return None
    return Interval(start, end)


def local_days(start: datetime, end: datetime, zone: ZoneInfo) -> Iterator[date]:
    """Every local date that can touch [start, end), with one day of margin on both sides."""
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    while day <= last:
        yield day
        day += timedelta(days=1)
