"""A plan request read from plain language, as a piece of work the scheduling engine can place in a preview:
its duration, split into chunks of at least half an hour, before its deadline, inside the preferred hours of
each day (in the person's zone) when the request names them."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.ai.schemas import PlanRequest
from domain.planner import Deadline, DeadlineKind, Interval, WorkKind
from domain.planner import Task as EngineTask
from domain.planner.localtime import day_start


def requested_work(request: PlanRequest, zone: ZoneInfo, now: datetime, horizon_end: datetime) -> EngineTask:
    start = max(request.earliest_start or now, now)
    end = min(request.deadline or horizon_end, horizon_end)
    return EngineTask(
        id=str(uuid.uuid4()),
        duration_minutes=request.duration_minutes,
        priority=2,
        effort=3,
        kind=WorkKind.DEEP,
        splittable=request.duration_minutes > 60,
        min_chunk_minutes=min(30, request.duration_minutes),
        start_after=start,
        deadline=None if request.deadline is None else Deadline(request.deadline, DeadlineKind.SOFT),
        windows=_daily_windows(request, zone, start, end),
    )


def _daily_windows(request: PlanRequest, zone: ZoneInfo, start: datetime, end: datetime) -> tuple[Interval, ...]:
    first, last = request.preferred_start_minute, request.preferred_end_minute
    if first is None or last is None or last <= first:
        return ()
    windows = []
    day = start.astimezone(zone).date()
    while (opens := day_start(day, zone)) < end:
        window_start = max(opens + timedelta(minutes=first), start)
        window_end = min(opens + timedelta(minutes=last), end)
        if window_end > window_start:
            windows.append(Interval(window_start, window_end))
        day += timedelta(days=1)
    return tuple(windows)


def minute_of(value: str) -> int:
    """Minutes after midnight of an HH:MM text."""
    parsed = time.fromisoformat(value)
    return parsed.hour * 60 + parsed.minute
