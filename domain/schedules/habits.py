"""Habits and recurring tasks: an RRULE names the days, a wall-clock window in the habit's zone bounds each
occurrence, and plans place `times_per_period` occurrences per day or week. Only the person whose habit it is
writes it (the policies say so); members of its company read it, as they read its blocks."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from dateutil.rrule import rrule, rrulestr
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Habit
from domain.changes import UNCHANGED, Change, Unchanged
from domain.db_errors import delete_visible, refusals
from domain.errors import Forbidden
from domain.lookups import get_one, require_company
from domain.planner.localtime import wall_clock
from domain.validation import Checks

REFUSED = Forbidden("Only the person whose habit it is may change it.")
FIELDS = {"habits_person_fkey": "companyId"}
PERIODS = ("day", "week")
KINDS = ("deep", "shallow")
# A habit's days are whole days: finer rules would ask for occurrences inside one window.
DAY_OR_COARSER = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_FREQ = re.compile(r"(?:^|;)FREQ=([A-Z]+)", re.IGNORECASE)
_FORBIDDEN_PARTS = re.compile(r"(^|[;\s])(DTSTART|EXDATE|RDATE)\b|[\r\n]", re.IGNORECASE)


@dataclass(slots=True)
class HabitChanges:
    title: Change[str] = UNCHANGED
    rrule: Change[str] = UNCHANGED
    time_zone: Change[str] = UNCHANGED
    starts_on: Change[date] = UNCHANGED
    window_start: Change[time] = UNCHANGED
    window_end: Change[time] = UNCHANGED
    ideal_time: Change[time | None] = UNCHANGED
    duration_minutes: Change[int] = UNCHANGED
    times_per_period: Change[int] = UNCHANGED
    period: Change[str] = UNCHANGED
    priority: Change[int] = UNCHANGED
    work_kind: Change[str] = UNCHANGED
    active: Change[bool] = UNCHANGED

    def given(self) -> dict[str, object]:
        return {f.name: v for f in fields(self) if not isinstance(v := getattr(self, f.name), Unchanged)}


def rule_problem(rule: str) -> str | None:
    """Why an RRULE is not usable for a habit, or None. The rule is the part after `RRULE:` (which may be given)."""
    body = rule.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    if not body or _FORBIDDEN_PARTS.search(body):
        return "Give one RRULE such as FREQ=WEEKLY;BYDAY=MO,WE,FR (no DTSTART, EXDATE or RDATE)."
    try:
        parsed = rrulestr(body, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError, KeyError):
        return "Is not a valid RFC 5545 RRULE."
    if not isinstance(parsed, rrule):
        return "Give exactly one RRULE."
    freq = _FREQ.search(body)
    if freq is None or freq.group(1).upper() not in DAY_OR_COARSER:
        return "The rule names days: use FREQ=DAILY, WEEKLY, MONTHLY or YEARLY."
    return None


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def check_habit(habit: Habit) -> None:
    """The whole habit after the changes, every invalid field named at once."""
    checks = Checks()
    checks.text("title", habit.title, max_length=500)
    if len(habit.rrule) > 1000:
        checks.fail("rrule", "Must be at most 1000 characters.")
    elif (problem := rule_problem(habit.rrule)) is not None:
        checks.fail("rrule", problem)
    checks.time_zone("timeZone", habit.time_zone)
    if habit.window_end <= habit.window_start:
        checks.fail("windowEnd", "The window must end after it starts.")
    elif habit.ideal_time is not None and not habit.window_start <= habit.ideal_time < habit.window_end:
        checks.fail("idealTime", "Must lie inside the window.")
    checks.between("durationMinutes", habit.duration_minutes, 5, 1440)
    window = _minutes(habit.window_end) - _minutes(habit.window_start)
    if "windowEnd" not in checks.errors and "durationMinutes" not in checks.errors and habit.duration_minutes > window:
        checks.fail("durationMinutes", "Must fit inside the window.")
    checks.between("timesPerPeriod", habit.times_per_period, 1, 31)
    if habit.period not in PERIODS:
        checks.fail("period", "Must be day or week.")
    checks.between("priority", habit.priority, 1, 4)
    if habit.work_kind not in KINDS:
        checks.fail("workKind", "Must be deep or shallow.")
    checks.raise_if_any()


def _apply(habit: Habit, changes: HabitChanges) -> None:
    for name, value in changes.given().items():
        if name in ("title", "rrule") and isinstance(value, str):
            value = value.strip()
            if name == "rrule" and value.upper().startswith("RRULE:"):
                value = value[len("RRULE:") :]
        if isinstance(value, time):
            value = value.replace(second=0, microsecond=0)
        setattr(habit, name, value)


def today_in(zone: str, now: datetime) -> date:
    try:
        return wall_clock(now, ZoneInfo(zone)).date()
    except (ValueError, KeyError):
        return now.astimezone(UTC).date()


async def create_habit(
    session: AsyncSession, *, company_id: uuid.UUID, user_id: uuid.UUID, changes: HabitChanges
) -> Habit:
    await require_company(session, company_id)
    now = datetime.now(UTC)
    habit = Habit(
        company_id=company_id, user_id=user_id, title="", rrule="FREQ=DAILY", time_zone="UTC",
        starts_on=now.date(), window_start=time(9), window_end=time(10), duration_minutes=30,
    )  # fmt: skip
    _apply(habit, changes)
    if isinstance(changes.starts_on, Unchanged):
        # The rule counts from the day it was made, in the habit's own zone.
        habit.starts_on = today_in(habit.time_zone, now)
    check_habit(habit)
    async with refusals(fields=FIELDS, refused=Forbidden("You may not add habits to this company.")):
        session.add(habit)
        await session.flush()
    return habit


async def get_habit(session: AsyncSession, habit_id: uuid.UUID) -> Habit:
    return await get_one(session, Habit, habit_id, what="Habit")


async def update_habit(session: AsyncSession, habit_id: uuid.UUID, changes: HabitChanges) -> Habit:
    habit = await get_habit(session, habit_id)
    _apply(habit, changes)
    check_habit(habit)
    habit.updated_at = datetime.now(UTC)
    async with refusals(refused=REFUSED):
        await session.flush()
    return habit


async def delete_habit(session: AsyncSession, habit_id: uuid.UUID) -> None:
    # Its blocks go with it (the foreign key cascades).
    await delete_visible(session, Habit, habit_id, what="Habit", refused=REFUSED)


async def habits_of(session: AsyncSession, user_id: uuid.UUID, *, active_only: bool = False) -> list[Habit]:
    """The person's habits in every company the caller may see, in the order they were made."""
    statement = sa.select(Habit).where(col(Habit.user_id) == user_id)
    if active_only:
        statement = statement.where(col(Habit.active))
    return list((await session.execute(statement.order_by(col(Habit.created_at), col(Habit.id)))).scalars())
