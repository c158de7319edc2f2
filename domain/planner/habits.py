"""Habits: recurring work with a daily window, an ideal time, and a number of times per period.

A habit becomes ordinary tasks, one per occurrence, each confined to that day's window (a hard
limit) with a soft deadline at the ideal time's end, so the engine places it at or before the ideal
time when it can, later in the window when it must, and never outside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from domain.planner.localtime import local_days, localize, window_on
from domain.planner.model import Deadline, DeadlineKind, Interval, Task, TimeWindow, WorkKind
from domain.planner.recurrence import RecurringEvent, expand, local_until


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"


@dataclass(frozen=True, slots=True)
class Habit:
    id: str
    duration_minutes: int
    window: TimeWindow
    ideal: time | None = None
    times_per_period: int = 1
    period: Period = Period.DAY
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday is 0
    priority: int = 3
    kind: WorkKind = WorkKind.SHALLOW
    # The dates it may happen on (such as an RRULE's, from `rule_days`), in place of `weekdays` when given.
    days: frozenset[date] | None = None

    def __post_init__(self) -> None:
        if self.times_per_period < 1:
            raise ValueError("times_per_period must be at least 1")
        if self.ideal is not None and not self.window.start <= self.ideal:
            raise ValueError("the ideal time must lie inside the window")


@dataclass(frozen=True, slots=True)
class HabitOccurrence:
    habit_id: str
    day: date
    index: int  # 0-based, within the day
    window: Interval
    ideal: datetime | None


def _chosen_days(habit: Habit, days: list[date]) -> list[tuple[date, int]]:
    """Which days get an occurrence, and how many: daily habits every eligible day, weekly ones
    spread evenly over each week's eligible days."""
    if habit.days is not None:
        eligible = [d for d in days if d in habit.days]
    else:
        eligible = [d for d in days if d.weekday() in habit.weekdays]
    if habit.period is Period.DAY:
        return [(d, habit.times_per_period) for d in eligible]
    weeks: dict[tuple[int, int], list[date]] = {}
    for d in eligible:
        weeks.setdefault(d.isocalendar()[:2], []).append(d)
    chosen = []
    for week_days in weeks.values():
        count = min(habit.times_per_period, len(week_days))
        step = len(week_days) / count
        chosen += [(week_days[int(i * step)], 1) for i in range(count)]
    return chosen


def rule_days(rule: str, first_day: date, zone: ZoneInfo, start: datetime, end: datetime) -> frozenset[date]:
    """The local dates an RRULE starting on `first_day` names within [start, end), a day of margin each side."""
    event = RecurringEvent(start=first_day, duration=timedelta(days=1), rrule=rule)
    lo, hi = start - timedelta(days=1), end + timedelta(days=1)
    days = {o.start for o in expand(event, lo, hi, zone)}
    # DTSTART is an occurrence of an event even when the rule skips it; the first day of a habit is not.
    first = datetime.combine(first_day, time(0))
    body = rule.split(":", 1)[1] if rule.upper().startswith("RRULE:") else rule
    if first not in rrulestr(local_until(body, zone, True), dtstart=first):
        days.discard(first_day)
    return frozenset(days)


def expand_habit(habit: Habit, zone: ZoneInfo, start: datetime, end: datetime) -> list[HabitOccurrence]:
    """Occurrences whose window lies within [start, end), in the person's zone."""
    days = [d for d in local_days(start, end, zone)]
    found = []
    for day, count in _chosen_days(habit, days):
        window = window_on(day, habit.window, zone)
        if window is None or window.start < start or window.end > end:
            continue
        ideal = localize(datetime.combine(day, habit.ideal), zone) if habit.ideal is not None else None
        found += [HabitOccurrence(habit.id, day, i, window, ideal) for i in range(count)]
    return found


def habit_tasks(habit: Habit, zone: ZoneInfo, start: datetime, end: datetime) -> tuple[Task, ...]:
    """The habit's occurrences as tasks the engine can place."""
    tasks = []
    for occurrence in expand_habit(habit, zone, start, end):
        deadline = None
        if occurrence.ideal is not None:
            ideal_end = occurrence.ideal + timedelta(minutes=habit.duration_minutes)
            deadline = Deadline(min(ideal_end, occurrence.window.end), DeadlineKind.SOFT)
        tasks.append(
            Task(
                id=f"{habit.id}@{occurrence.day.isoformat()}#{occurrence.index}",
                duration_minutes=habit.duration_minutes,
                priority=habit.priority,
                kind=habit.kind,
                deadline=deadline,
                windows=(occurrence.window,),
            )
        )
    return tuple(tasks)
