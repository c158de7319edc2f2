"""Where each piece of a person's work may go when their hours differ by company or habits reach outside them.

The engine knows one set of working hours. When a person keeps other hours for a company, or has habits, the plan
opens the whole day to the engine and confines every task to its own windows instead: the hours of the task's
company (else the person's own) minus their breaks, and each habit occurrence to that day's habit window. Habit
occurrences are expanded from the start of the current ISO week, so the days a weekly habit gets stay the same
whenever the plan runs within the week.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from db.models import Habit, MembershipWorkHours, TimeBlock
from domain.planner import Interval, PersonProfile, Task, TimeWindow, WorkKind
from domain.planner.availability import subtract, working_intervals
from domain.planner.habits import Habit as EngineHabit
from domain.planner.habits import Period, habit_tasks, rule_days
from domain.planner.localtime import day_start, wall_clock

ALL_DAY = (TimeWindow(time(0), time(0)),)
OPEN_WEEK = (ALL_DAY, ALL_DAY, ALL_DAY, ALL_DAY, ALL_DAY, ALL_DAY, ALL_DAY)
NO_BREAKS: tuple[tuple[TimeWindow, ...], ...] = ((), (), (), (), (), (), ())


def opened(person: PersonProfile) -> PersonProfile:
    """The person with the whole day open: tasks carry their own windows."""
    return PersonProfile(
        timezone=person.timezone,
        working_hours=OPEN_WEEK,
        breaks=NO_BREAKS,  # type: ignore[arg-type]
        peak_hours=person.peak_hours,
        buffer_minutes=person.buffer_minutes,
    )


def _week(start: time, end: time, days: Iterable[int]) -> tuple[tuple[TimeWindow, ...], ...]:
    hours = (TimeWindow(start, end),)
    chosen = set(days)
    return tuple(hours if day in chosen else () for day in range(1, 8))


def company_windows(
    person: PersonProfile, hours: MembershipWorkHours | None, start: datetime, end: datetime
) -> tuple[Interval, ...]:
    """The person's working time for one company over [start, end): that company's hours in its zone (else the
    person's own), minus the person's breaks in the person's zone."""
    if hours is None:
        return tuple(working_intervals(person, start, end))
    company = PersonProfile(
        timezone=hours.time_zone,
        working_hours=_week(hours.work_day_start, hours.work_day_end, hours.work_days),  # type: ignore[arg-type]
    )
    breaks = PersonProfile(timezone=person.timezone, working_hours=person.breaks)
    return tuple(subtract(working_intervals(company, start, end), working_intervals(breaks, start, end)))


def nowhere(end: datetime) -> tuple[Interval, ...]:
    """A window past the horizon: the task has no room (an empty tuple would mean "anywhere")."""
    return (Interval(end, end + timedelta(minutes=1)),)


def _engine_habit(habit: Habit, zone: ZoneInfo, start: datetime, end: datetime) -> EngineHabit:
    return EngineHabit(
        id=str(habit.id),
        duration_minutes=habit.duration_minutes,
        window=TimeWindow(habit.window_start, habit.window_end),
        ideal=habit.ideal_time,
        times_per_period=habit.times_per_period,
        period=Period(habit.period),
        priority=5 - habit.priority,
        kind=WorkKind(habit.work_kind),
        days=rule_days(habit.rrule, habit.starts_on, zone, start, end),
    )


def habit_occurrences(habit: Habit, now: datetime, horizon_end: datetime) -> list[Task]:
    """The habit's occurrences as engine tasks, from the start of this week (in the habit's zone) to the horizon;
    those whose window has passed are left out."""
    zone = ZoneInfo(habit.time_zone)
    today = wall_clock(now, zone).date()
    start = day_start(today - timedelta(days=today.weekday()), zone)
    last = wall_clock(horizon_end, zone).date()
    end = day_start(last + timedelta(days=7 - last.weekday()), zone)
    tasks = habit_tasks(_engine_habit(habit, zone, start, end), zone, start, end)
    return [t for t in tasks if t.windows[0].end > now and t.windows[0].start < horizon_end]


def habit_block_ids(blocks: Sequence[TimeBlock], zones: dict[uuid.UUID, ZoneInfo]) -> dict[uuid.UUID, str]:
    """The engine id of each habit block: its habit, its local day, and its rank that day."""
    by_day: dict[tuple[uuid.UUID, str], list[TimeBlock]] = defaultdict(list)
    for block in blocks:
        if block.habit_id is None:
            continue
        zone = zones.get(block.habit_id, ZoneInfo("UTC"))
        by_day[(block.habit_id, wall_clock(block.starts_at, zone).date().isoformat())].append(block)
    found = {}
    for (habit_id, day), rows in by_day.items():
        for index, row in enumerate(sorted(rows, key=lambda b: (b.starts_at, b.id))):
            found[row.id] = f"{habit_id}@{day}#{index}"
    return found
