"""Seeded random scheduling instances in three tiers.

S: 1 person x 5 working days, 10-25 tasks.  M: 1 person x 20 working days, about 50 tasks.
L: 18 people x 20 working days, about 1,000 tasks in all, load 0.8 to 1.2.
Every person gets an IANA zone, working hours, lunch, a buffer, peak hours, meetings from several
calendars (some tentative, declined or "free") and a daily stand-up from an RRULE. The first day is
Monday 3 March 2025, so the M and L horizons cross both the US and the EU DST change.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.planner.events import EventRecord, Response, Transparency, busy_intervals
from domain.planner.instance import compile_problem
from domain.planner.localtime import localize
from domain.planner.model import (
    Deadline,
    DeadlineKind,
    Interval,
    PersonProfile,
    Problem,
    Task,
    TimeWindow,
    WorkKind,
    week,
)
from domain.planner.recurrence import RecurringEvent, expand

FIRST_DAY = date(2025, 3, 3)
ZONES = (
    "America/New_York",
    "Europe/Berlin",
    "Europe/London",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Australia/Sydney",
)
DURATIONS = (30, 45, 60, 90, 120, 180, 240)


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    people: int
    working_days: int
    tasks: tuple[int, int]
    load: tuple[float, float]


TIERS = {
    "S": Tier("S", 1, 5, (10, 25), (0.5, 1.0)),
    "M": Tier("M", 1, 20, (45, 55), (0.8, 1.0)),
    "L": Tier("L", 18, 20, (50, 61), (0.8, 1.2)),
}


def _hm(hour: float) -> time:
    return time(int(hour), round((hour % 1) * 60))


def _person(rng: random.Random) -> PersonProfile:
    start = rng.choice((8.0, 8.5, 9.0, 9.0, 10.0))
    lunch = rng.choice((12.0, 12.5, 13.0))
    peak = rng.choice(((start, start + 3), (14.0, 16.5), (start + 1, start + 3.5)))
    return PersonProfile(
        timezone=rng.choice(ZONES),
        working_hours=week((TimeWindow(_hm(start), _hm(start + 8.5)),)),
        breaks=week((TimeWindow(_hm(lunch), _hm(lunch + 1)),)),
        peak_hours=(TimeWindow(_hm(peak[0]), _hm(peak[1])),),
        buffer_minutes=rng.choice((0, 0, 5, 10, 15)),
    )


def _working_dates(days: int) -> list[date]:
    dates: list[date] = []
    day = FIRST_DAY
    while len(dates) < days:
        if day.weekday() < 5:
            dates.append(day)
        day += timedelta(days=1)
    return dates


def _meetings(rng: random.Random, person: PersonProfile, dates: list[date]) -> list[EventRecord]:
    zone, events = person.zone, []
    work = person.working_hours[0][0]
    first, last = work.start.hour * 4 + work.start.minute // 15, work.end.hour * 4 + work.end.minute // 15
    for day in dates:
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
            quarter = rng.randrange(first, last - 2)
            start = localize(datetime.combine(day, time(quarter // 4, quarter % 4 * 15)), zone)
            length = rng.choice((25, 30, 30, 45, 60, 60, 90))
            response = rng.choice((None, Response.ACCEPTED, Response.ACCEPTED, Response.TENTATIVE, Response.DECLINED))
            transparency = Transparency.FREE if rng.random() < 0.05 else Transparency.BUSY
            events.append(
                EventRecord(
                    start,
                    start + timedelta(minutes=length),
                    transparency,
                    response,
                    affects_availability=rng.random() > 0.05,
                )
            )
    if rng.random() < 0.3:  # a day off somewhere, as an all-day busy event
        off = rng.choice(dates)
        events.append(EventRecord(off, off + timedelta(days=1)))
    return events


def _standup(rng: random.Random, person: PersonProfile, start: datetime, end: datetime) -> list[Interval]:
    work = person.working_hours[0][0]
    at = datetime.combine(FIRST_DAY, time(work.start.hour, 30 if rng.random() < 0.5 else 45))
    event = RecurringEvent(
        start=at.replace(tzinfo=person.zone), duration=timedelta(minutes=15), rrule="FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"
    )
    return [
        Interval(o.start, o.end)
        for o in expand(event, start, end)
        if isinstance(o.start, datetime) and isinstance(o.end, datetime)
    ]


def _deadline(rng: random.Random, zone: ZoneInfo, dates: list[date]) -> Deadline | None:
    roll = rng.random()
    if roll < 0.4:
        return None
    day = dates[min(len(dates) - 1, int(len(dates) * rng.uniform(0.15, 1.1)))]
    at = localize(datetime.combine(day, time(rng.choice((12, 15, 17)))), zone)
    return Deadline(at, DeadlineKind.HARD if roll > 0.85 else DeadlineKind.SOFT)


def _tasks(
    rng: random.Random, person: PersonProfile, dates: list[date], count: int, budget_minutes: float, prefix: str
) -> tuple[Task, ...]:
    raw = [rng.choice(DURATIONS) for _ in range(count)]
    scale = budget_minutes / sum(raw)
    tasks: list[Task] = []
    for i, minutes in enumerate(raw):
        duration = max(15, min(480, round(minutes * scale / 15) * 15))
        # Nobody blocks more than three hours in one piece; longer work is always splittable.
        splittable = duration > 180 or (duration > 60 and rng.random() < 0.6)
        start_after = None
        if rng.random() < 0.15:
            start_after = localize(datetime.combine(rng.choice(dates[: len(dates) // 2 + 1]), time(12)), person.zone)
        deps = (f"{prefix}{rng.randrange(i)}",) if i and rng.random() < 0.15 else ()
        tasks.append(
            Task(
                id=f"{prefix}{i}",
                duration_minutes=duration,
                priority=rng.choices((1, 2, 3, 4), weights=(1, 3, 4, 2))[0],
                effort=rng.randint(1, 5),
                kind=WorkKind.DEEP if rng.random() < 0.4 else WorkKind.SHALLOW,
                splittable=splittable,
                min_chunk_minutes=rng.choice((30, 60)) if splittable else 30,
                max_chunk_minutes=rng.choice((90, 120, None)) if splittable else None,
                start_after=start_after,
                deadline=_deadline(rng, person.zone, dates),
                depends_on=deps,
            )
        )
    return tuple(tasks)


def person_problem(rng: random.Random, tier: Tier, prefix: str = "t") -> Problem:
    person = _person(rng)
    dates = _working_dates(tier.working_days)
    now = localize(datetime.combine(dates[0], time(7)), person.zone)
    end = localize(datetime.combine(dates[-1] + timedelta(days=1), time(0)), person.zone)
    events = _meetings(rng, person, dates)
    busy = busy_intervals(events, person.zone, now, end) + tuple(_standup(rng, person, now, end))
    shell = Problem(person=person, now=now, horizon_end=end, tasks=(), busy=busy)
    capacity = compile_problem(shell).static_free.count(1) * shell.slot_minutes
    load = rng.uniform(*tier.load)
    count = rng.randint(*tier.tasks)
    # Load is work over free time; every block also costs a buffer, so that comes off the free time.
    budget = load * (capacity - count * person.buffer_minutes)
    tasks = _tasks(rng, person, dates, count, budget, prefix)
    return Problem(person=person, now=now, horizon_end=end, tasks=tasks, busy=busy)


def generate(tier_name: str, seed: int) -> list[Problem]:
    """One problem per person of the tier, the same for the same seed."""
    tier = TIERS[tier_name]
    rng = random.Random(f"{tier_name}-{seed}")
    return [person_problem(rng, tier, prefix=f"p{p}-t") for p in range(tier.people)]
