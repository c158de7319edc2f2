"""Focus sessions. A person has at most one running or paused session, across all their companies (a unique index
says so). Completing one on a task records a finished time entry of the focused time, so it counts in time tracking;
no timer is left running, and a timer already running when a session on a task starts would count the same time
twice, so it is a Conflict unless the caller asks to stop it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Company, FocusKind, FocusSession, FocusState, TimeEntry
from domain.db_errors import refusals
from domain.errors import Conflict, Forbidden, NotFound
from domain.events.service import EventType, record, snapshot
from domain.lookups import get_one, require_company
from domain.tasks.service import get_task
from domain.time_tracking.service import running_timer, stop_timer
from domain.validation import Checks

DEFAULT_MINUTES = {FocusKind.POMODORO: 25, FocusKind.DEEP_WORK: 90}
OPEN = (FocusState.RUNNING.value, FocusState.PAUSED.value)
ALREADY_OPEN = "A focus session is already running: complete or abandon it first."
# Ratings and notes are the person's own: events (which webhooks of the company receive) leave them out.
EVENT_FIELDS = (
    "id", "company_id", "user_id", "task_id", "kind", "state", "planned_minutes", "started_at", "ended_at",
    "time_entry_id",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class NewSession:
    kind: FocusKind
    planned_minutes: int | None = None
    company_id: uuid.UUID | None = None
    task_id: uuid.UUID | None = None
    note: str = ""
    stop_running_timer: bool = False


@dataclass(frozen=True, slots=True)
class Ratings:
    focus: int | None = None
    productivity: int | None = None
    note: str | None = None

    def check(self) -> None:
        checks = Checks()
        checks.between("focusRating", self.focus, 1, 5)
        checks.between("productivityRating", self.productivity, 1, 5)
        checks.text("note", self.note, max_length=2000, required=False)
        checks.raise_if_any()


def paused_seconds(row: FocusSession, now: datetime) -> int:
    """All paused time: the finished pauses and, while paused, the current one."""
    current = 0 if row.paused_at is None else int((now - row.paused_at).total_seconds())
    return row.paused_seconds + max(0, current)


def focused_time(row: FocusSession, now: datetime) -> timedelta:
    end = row.ended_at or now
    return max(timedelta(0), end - row.started_at - timedelta(seconds=paused_seconds(row, end)))


async def open_session(session: AsyncSession, user_id: uuid.UUID) -> FocusSession | None:
    statement = sa.select(FocusSession).where(col(FocusSession.user_id) == user_id, col(FocusSession.state).in_(OPEN))
    return (await session.execute(statement)).scalars().first()


async def _required_open(session: AsyncSession, user_id: uuid.UUID) -> FocusSession:
    row = await open_session(session, user_id)
    if row is None:
        raise NotFound("No focus session is running.")
    return row


async def _company_for(session: AsyncSession, user_id: uuid.UUID, new: NewSession) -> uuid.UUID:
    if new.task_id is not None:
        return (await get_task(session, new.task_id)).company_id
    if new.company_id is not None:
        return (await require_company(session, new.company_id)).id
    personal = sa.select(col(Company.id)).where(col(Company.is_personal), col(Company.created_by) == user_id)
    found = (await session.execute(personal)).scalars().first()
    if found is None:
        raise NotFound("No such Company.")
    return found


async def start(session: AsyncSession, user_id: uuid.UUID, new: NewSession, now: datetime) -> FocusSession:
    """Start a session on a task (in its company), in a company, or in the person's personal company."""
    checks = Checks()
    minutes = new.planned_minutes or DEFAULT_MINUTES.get(new.kind)
    if minutes is None:
        checks.fail("plannedMinutes", "Give the length of a custom session.")
    checks.between("plannedMinutes", new.planned_minutes, 1, 480)
    checks.text("note", new.note, max_length=2000, required=False)
    checks.raise_if_any()
    assert minutes is not None
    company_id = await _company_for(session, user_id, new)
    if await open_session(session, user_id) is not None:
        raise Conflict(ALREADY_OPEN)
    if new.task_id is not None and await running_timer(session, user_id) is not None:
        if not new.stop_running_timer:
            raise Conflict("A timer is running: stop it first, or start with stopRunningTimer.")
        await stop_timer(session, user_id)
    row = FocusSession(
        company_id=company_id, user_id=user_id, task_id=new.task_id, kind=new.kind.value,
        planned_minutes=minutes, started_at=now, note=new.note,
    )  # fmt: skip
    try:
        # The unique index settles a race between two starts.
        async with refusals(refused=Forbidden("You may not focus in this company.")):
            session.add(row)
            await session.flush()
    except Conflict:
        raise Conflict(ALREADY_OPEN) from None
    await _record(session, EventType.FOCUS_SESSION_STARTED, row)
    return row


async def _save(session: AsyncSession, row: FocusSession, event_type: EventType, now: datetime) -> FocusSession:
    row.updated_at = now
    async with refusals():
        await session.flush()
    await _record(session, event_type, row)
    return row


async def pause(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> FocusSession:
    row = await _required_open(session, user_id)
    if row.state == FocusState.PAUSED.value:
        raise Conflict("The focus session is already paused.")
    row.state, row.paused_at = FocusState.PAUSED.value, max(now, row.started_at)
    return await _save(session, row, EventType.FOCUS_SESSION_PAUSED, now)


def _end_pause(row: FocusSession, now: datetime) -> None:
    row.paused_seconds = paused_seconds(row, now)
    row.paused_at = None


async def resume(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> FocusSession:
    row = await _required_open(session, user_id)
    if row.state != FocusState.PAUSED.value:
        raise Conflict("The focus session is not paused.")
    _end_pause(row, now)
    row.state = FocusState.RUNNING.value
    return await _save(session, row, EventType.FOCUS_SESSION_RESUMED, now)


async def complete(session: AsyncSession, user_id: uuid.UUID, ratings: Ratings, now: datetime) -> FocusSession:
    """End the open session with optional ratings; on a task, record the focused time as a finished entry."""
    ratings.check()
    row = await _required_open(session, user_id)
    end = max(now, row.started_at)
    _end_pause(row, end)
    row.state, row.ended_at = FocusState.COMPLETED.value, end
    row.focus_rating, row.productivity_rating = ratings.focus, ratings.productivity
    if ratings.note is not None:
        row.note = ratings.note
    focused = focused_time(row, end)
    if row.task_id is not None and focused > timedelta(0):
        entry = TimeEntry(
            company_id=row.company_id, user_id=user_id, task_id=row.task_id, started_at=end - focused,
            ended_at=end, note=row.note or f"Focus session ({FocusKind(row.kind).value.replace('_', ' ')})",
        )  # fmt: skip
        async with refusals(refused=Forbidden("You may not track time in this company.")):
            session.add(entry)
            await session.flush()
        row.time_entry_id = entry.id
    return await _save(session, row, EventType.FOCUS_SESSION_COMPLETED, now)


async def abandon(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> FocusSession:
    row = await _required_open(session, user_id)
    end = max(now, row.started_at)
    _end_pause(row, end)
    row.state, row.ended_at = FocusState.ABANDONED.value, end
    return await _save(session, row, EventType.FOCUS_SESSION_ABANDONED, now)


async def rate(session: AsyncSession, session_id: uuid.UUID, ratings: Ratings, now: datetime) -> FocusSession:
    """Rate (or re-rate) a completed session; omitted ratings stay as they are."""
    ratings.check()
    row = await get_one(session, FocusSession, session_id, what="FocusSession")
    if row.state != FocusState.COMPLETED.value:
        raise Conflict("Only a completed focus session is rated.")
    if ratings.focus is not None:
        row.focus_rating = ratings.focus
    if ratings.productivity is not None:
        row.productivity_rating = ratings.productivity
    if ratings.note is not None:
        row.note = ratings.note
    return await _save(session, row, EventType.FOCUS_SESSION_RATED, now)


async def _record(session: AsyncSession, event_type: EventType, row: FocusSession) -> None:
    data = {"focus_session": snapshot(row, EVENT_FIELDS)}
    await record(session, event_type, company_id=row.company_id, subject_id=row.id, data=data)
