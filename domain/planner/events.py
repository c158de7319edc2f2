"""Which calendar events make a person busy.

The engine only sees busy intervals; this helper turns raw event records from all of a person's
companies into them, with the rules people expect from their calendar apps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.planner.availability import clip, merge
from domain.planner.localtime import day_start
from domain.planner.model import Interval, require_aware


class Transparency(StrEnum):
    BUSY = "busy"
    FREE = "free"


class Response(StrEnum):
    ACCEPTED = "accepted"
    TENTATIVE = "tentative"
    DECLINED = "declined"
    NEEDS_ACTION = "needs_action"


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One event occurrence. All-day events use dates, with an exclusive end date as in iCalendar."""

    start: datetime | date
    end: datetime | date
    transparency: Transparency = Transparency.BUSY
    response: Response | None = None
    affects_availability: bool = True
    cancelled: bool = False

    def __post_init__(self) -> None:
        if self.all_day != (type(self.end) is date):
            raise ValueError("start and end must both be dates or both be datetimes")
        if isinstance(self.start, datetime) and isinstance(self.end, datetime):
            require_aware(self.start, "start")
            require_aware(self.end, "end")

    @property
    def all_day(self) -> bool:
        return type(self.start) is date


def makes_busy(event: EventRecord) -> bool:
    """Tentative and unanswered invitations block time; declined ones and "free" events do not."""
    if event.cancelled or not event.affects_availability:
        return False
    if event.transparency is Transparency.FREE:
        return False
    return event.response is not Response.DECLINED


def event_span(event: EventRecord, zone: ZoneInfo) -> Interval | None:
    """The instants an event covers; all-day events cover whole local days in the person's zone."""
    if isinstance(event.start, datetime) and isinstance(event.end, datetime):
        start, end = event.start.astimezone(UTC), event.end.astimezone(UTC)
    else:
        start, end = day_start(event.start, zone).astimezone(UTC), day_start(event.end, zone).astimezone(UTC)
    return Interval(start, end) if start < end else None


def busy_intervals(
    events: Iterable[EventRecord], zone: ZoneInfo, start: datetime, end: datetime
) -> tuple[Interval, ...]:
    """Merged busy time within [start, end) from the events of every calendar of a person."""
    spans = []
    for event in events:
        if not makes_busy(event):
            continue
        span = event_span(event, zone)
        if span is not None:
            spans.append(span)
    return tuple(merge(clip(spans, start, end)))
