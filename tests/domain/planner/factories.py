"""Factories for scheduling tests: a standard working week in Berlin, and problems built on it."""
# Imported as tests.domain.planner.factories, like tests.factories elsewhere.

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.planner.model import Deadline, Interval, PersonProfile, Problem, Task, TimeWindow, WorkKind, week

BERLIN = ZoneInfo("Europe/Berlin")
# Monday 2 June 2025, 08:00 in Berlin: a week without DST changes or public holidays in the way.
MONDAY = datetime(2025, 6, 2, 8, 0, tzinfo=BERLIN)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in the standard week: day 0 is Monday."""
    return datetime.combine(MONDAY.date() + timedelta(days=day), time(hour, minute), tzinfo=BERLIN)


def span(day: int, start: tuple[int, int], end: tuple[int, int]) -> Interval:
    return Interval(at(day, *start), at(day, *end))


def standard_person(*, buffer_minutes: int = 0, peak: tuple[int, int] = (9, 12)) -> PersonProfile:
    """9:00-17:00 Monday to Friday, lunch 12:00-13:00, peak hours in the morning."""
    return PersonProfile(
        timezone="Europe/Berlin",
        working_hours=week((TimeWindow(time(9), time(17)),)),
        breaks=week((TimeWindow(time(12), time(13)),)),
        peak_hours=(TimeWindow(time(peak[0]), time(peak[1])),),
        buffer_minutes=buffer_minutes,
    )


def make_problem(
    *, tasks: tuple[Task, ...] = (), days: int = 5, person: PersonProfile | None = None, **fields: Any
) -> Problem:
    now = fields.pop("now", MONDAY)
    return Problem(
        person=person or standard_person(),
        now=now,
        horizon_end=fields.pop("horizon_end", now + timedelta(days=days)),
        tasks=tasks,
        **fields,
    )


def overloaded_week() -> Problem:
    """About 1.4 weeks of work in one week: which work is left out decides the objective."""
    tasks = tuple(
        Task(
            f"t{i}",
            (45, 60, 90, 120, 105)[i % 5],
            priority=1 + i % 4,
            effort=1 + i % 5,
            kind=WorkKind.DEEP if i % 3 == 0 else WorkKind.SHALLOW,
            splittable=i % 5 in (2, 3, 4),
            min_chunk_minutes=(30, 60)[i % 2],
            max_chunk_minutes=(None, 90)[i % 2],
            deadline=Deadline(at(i % 5, 16)) if i % 4 == 1 else None,
            depends_on=(f"t{i - 7}",) if i % 9 == 8 else (),
        )
        for i in range(36)
    )
    busy = tuple(span(day, (10, 0), (10, 30)) for day in range(5))
    return make_problem(tasks=tasks, busy=busy, person=standard_person(buffer_minutes=10))
