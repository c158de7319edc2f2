"""RFC 5545 recurrence, expanded inside a horizon and correct across DST changes.

Rules are expanded on the event's wall clock (naive local times), then each occurrence is placed in
the event's zone with the engine's DST policy: the clock time stays the same across a change, a time
that falls into a spring-forward gap moves forward by the gap, and an ambiguous time in the autumn
fold means its first occurrence. UNTIL without "Z" is read in the event's zone; with "Z" it is UTC.
EXDATE and RECURRENCE-ID match occurrences by their wall-clock start, the way calendar apps write them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rruleset, rrulestr

from domain.planner.localtime import day_start, localize, wall_clock

When = datetime | date
_UNTIL = re.compile(r"UNTIL=(\d{8})(T\d{6})?(Z?)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Override:
    """A RECURRENCE-ID instance: the occurrence that started at `recurrence_id` moves or is cancelled."""

    recurrence_id: When
    start: When | None = None
    end: When | None = None
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class RecurringEvent:
    """A recurring event; `start` is DTSTART, an aware datetime in the event's zone or a date (all day)."""

    start: When
    duration: timedelta
    rrule: str = ""
    rdates: tuple[When, ...] = ()
    exdates: tuple[When, ...] = ()
    overrides: tuple[Override, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.start, datetime) and not isinstance(self.start.tzinfo, ZoneInfo):
            raise ValueError("a timed recurring event needs a ZoneInfo start (its IANA zone)")
        if self.duration < timedelta(0):
            raise ValueError("duration must not be negative")

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)


@dataclass(frozen=True, slots=True)
class Occurrence:
    start: When
    end: When
    recurrence_id: When
    overridden: bool = False


def _zone(event: RecurringEvent) -> ZoneInfo:
    zone = event.start.tzinfo if isinstance(event.start, datetime) else None
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo("UTC")


def _wall(value: When, zone: ZoneInfo) -> datetime:
    """Any DTSTART-like value as a naive wall-clock datetime in the event's zone."""
    if isinstance(value, datetime):
        return wall_clock(value, zone) if value.tzinfo is not None else value
    return datetime.combine(value, time(0))


def local_until(rule: str, zone: ZoneInfo, all_day: bool) -> str:
    """Rewrites UNTIL as a floating wall-clock value, which is what a naive DTSTART requires."""

    def rewrite(match: re.Match[str]) -> str:
        day, clock, utc = match.group(1), match.group(2), match.group(3)
        if not clock:
            until = datetime.strptime(day, "%Y%m%d") + (timedelta(0) if all_day else timedelta(days=1, seconds=-1))
        else:
            until = datetime.strptime(day + clock, "%Y%m%dT%H%M%S")
            if utc:
                until = wall_clock(until.replace(tzinfo=UTC), zone)
        return "UNTIL=" + until.strftime("%Y%m%dT%H%M%S")

    return _UNTIL.sub(rewrite, rule)


def _rule_set(event: RecurringEvent, zone: ZoneInfo) -> rruleset:
    first = _wall(event.start, zone)
    rules = rruleset()
    rules.rdate(first)
    for line in re.split(r"[\r\n]+", event.rrule.strip()):
        body = line.split(":", 1)[1] if line.upper().startswith("RRULE:") else line
        if body and not line.upper().startswith("DTSTART"):
            parsed = rrulestr(local_until(body, zone, event.all_day), dtstart=first)
            if not isinstance(parsed, rrule):
                raise ValueError(f"expected a single RRULE, got {body!r}")
            rules.rrule(parsed)
    for extra in event.rdates:
        rules.rdate(_wall(extra, zone))
    for skipped in event.exdates:
        rules.exdate(_wall(skipped, zone))
    return rules


def _instant_span(start: When, end: When, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """All-day values become the local midnights of `zone`."""

    def instant(value: When) -> datetime:
        return value if isinstance(value, datetime) else day_start(value, zone)

    return instant(start), instant(end)


def _overlaps(start: When, end: When, lo: datetime, hi: datetime, zone: ZoneInfo) -> bool:
    a, b = _instant_span(start, end, zone)
    return (a < hi and lo < b) if a < b else lo <= a < hi


def _occurrence(event: RecurringEvent, wall: datetime, zone: ZoneInfo) -> Occurrence:
    if event.all_day:
        day = wall.date()
        return Occurrence(day, day + timedelta(days=max(1, event.duration.days)), day)
    start = localize(wall, zone)
    end = (start.astimezone(UTC) + event.duration).astimezone(zone)  # elapsed time, not wall time
    return Occurrence(start, end, start)


def expand(
    event: RecurringEvent, horizon_start: datetime, horizon_end: datetime, all_day_zone: ZoneInfo | None = None
) -> list[Occurrence]:
    """Occurrences overlapping [horizon_start, horizon_end), in time order, overrides applied.

    All-day occurrences are dates; they are matched against the horizon in `all_day_zone` (the
    person's zone; UTC when not given).
    """
    zone = _zone(event)
    day_zone = all_day_zone or ZoneInfo("UTC")
    rules = _rule_set(event, zone)
    moved = {_wall(o.recurrence_id, zone): o for o in event.overrides}
    margin = event.duration + timedelta(days=2)
    lo = _wall(horizon_start - margin, zone if not event.all_day else day_zone)
    hi = _wall(horizon_end + timedelta(days=2), zone if not event.all_day else day_zone)
    found: list[Occurrence] = []
    for wall in rules.between(lo, hi, inc=True):
        if wall in moved:
            continue
        occurrence = _occurrence(event, wall, zone)
        if _overlaps(occurrence.start, occurrence.end, horizon_start, horizon_end, day_zone):
            found.append(occurrence)
    found += _overridden(event, rules, moved.items(), horizon_start, horizon_end, day_zone)
    return sorted(found, key=lambda o: _instant_span(o.start, o.end, day_zone))


def _overridden(
    event: RecurringEvent,
    rules: rruleset,
    moved: Iterable[tuple[datetime, Override]],
    horizon_start: datetime,
    horizon_end: datetime,
    day_zone: ZoneInfo,
) -> list[Occurrence]:
    """Replacement instances, wherever they moved to; stale ones (no such occurrence) are ignored."""
    zone = _zone(event)
    found = []
    for wall, override in moved:
        if override.cancelled or wall not in rules:
            continue
        original = _occurrence(event, wall, zone)
        start = override.start if override.start is not None else original.start
        end = override.end if override.end is not None else original.end
        if _overlaps(start, end, horizon_start, horizon_end, day_zone):
            found.append(Occurrence(start, end, original.recurrence_id, overridden=True))
    return found
