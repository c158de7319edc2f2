"""Due-soon and overdue reminders: each assignee once per task, kind and due time.

The scan runs for no company (a SECURITY DEFINER function lists what is pending across all of them, leaving out
what the job ledger says was handled); each company's share is then handled as that company's worker, which
claims each reminder's ledger key in the same transaction as the notification, so a second scan, a concurrent
one or a redelivered job notifies nobody twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Company, NotificationType, Task, TaskStatus, User
from domain.job_ledger import first_run
from domain.notifications import wording
from domain.notifications.service import Draft, Notified, notify

# An overdue task is announced for this long after its due time; an older backlog is left alone.
OVERDUE_FOR = timedelta(days=7)
OPEN = (TaskStatus.TODO.value, TaskStatus.IN_PROGRESS.value)
KINDS = {"due_soon": NotificationType.TASK_DUE_SOON, "overdue": NotificationType.TASK_OVERDUE}


@dataclass(frozen=True, slots=True)
class Pending:
    job_key: str
    kind: NotificationType
    company_id: uuid.UUID
    task_id: uuid.UUID
    user_id: uuid.UUID
    due_at: datetime


_PENDING = sa.text(
    "SELECT job_key, kind, company_id, task_id, user_id, due_at"
    " FROM rhythm.pending_task_reminders(:now, :overdue_for, :limit)"
)


async def pending(session: AsyncSession, *, now: datetime, limit: int) -> list[Pending]:
    """Reminders not sent yet, across companies, soonest due first (any caller: the function decides)."""
    rows = await session.execute(_PENDING, {"now": now, "overdue_for": OVERDUE_FOR, "limit": limit})
    return [
        Pending(
            job_key=row.job_key,
            kind=KINDS[row.kind],
            company_id=row.company_id,
            task_id=row.task_id,
            user_id=row.user_id,
            due_at=row.due_at,
        )
        for row in rows
    ]


def _still_due(task: Task | None, reminder: Pending) -> bool:
    # The task may have changed since the scan: then this reminder is spent, and the next scan sees the new state.
    return (
        task is not None
        and task.status in OPEN
        and task.assignee_id == reminder.user_id
        and task.due_at == reminder.due_at
    )


async def _tasks(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, Task]:
    rows = (await session.execute(sa.select(Task).where(col(Task.id).in_(ids)))).scalars()
    return {row.id: row for row in rows}


async def _users(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, User]:
    rows = (await session.execute(sa.select(User).where(col(User.id).in_(ids)))).scalars()
    return {row.id: row for row in rows}


async def remind_in_company(session: AsyncSession, company_id: uuid.UUID, reminders: Sequence[Pending]) -> Notified:
    """Handle one company's pending reminders, as its worker; what to announce and email after commit."""
    tasks = await _tasks(session, {reminder.task_id for reminder in reminders})
    users = await _users(session, {reminder.user_id for reminder in reminders})
    company = await session.get(Company, company_id)
    company_name = "your company" if company is None else company.name
    drafts: list[Draft] = []
    for reminder in reminders:
        if not await first_run(session, reminder.job_key, company_id):
            continue
        task = tasks.get(reminder.task_id)
        if task is None or not _still_due(task, reminder):
            continue
        time_zone = users[reminder.user_id].time_zone if reminder.user_id in users else "UTC"
        drafts.append(
            Draft(
                user_id=reminder.user_id,
                type=reminder.kind,
                title=wording.reminder(reminder.kind, task.title),
                body=wording.due_line(reminder.kind, reminder.due_at, time_zone, company_name),
                subject_id=task.id,
                dedupe_key=reminder.job_key,
            )
        )
    return await notify(session, company_id, drafts)
