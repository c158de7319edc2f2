"""The coach: a conversation about one's own tasks, plan and focus history, kept per person and company and
readable by that person alone (the policies of ai_coach_messages); also the weekly summary's numbers.

Its context is what the person's own transaction reads: their open tasks in the company, their planned blocks
of the coming week and their focus sessions of the last two weeks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from db.models import AiCoachMessage, FocusSession, Task, TaskStatus, TimeBlock
from domain.lookups import require_company
from domain.validation import Checks

MAX_MESSAGE = 4000


@dataclass(frozen=True, slots=True)
class CoachContext:
    open_tasks: list[dict[str, object]]
    overdue: int
    planned_minutes_next_7_days: int
    focus_sessions_14_days: int
    focus_minutes_14_days: int

    def as_prompt(self) -> dict[str, object]:
        return {
            "open_tasks": self.open_tasks, "overdue_tasks": self.overdue,
            "planned_minutes_next_7_days": self.planned_minutes_next_7_days,
            "focus_sessions_last_14_days": self.focus_sessions_14_days,
            "focus_minutes_last_14_days": self.focus_minutes_14_days,
        }  # fmt: skip


def check_message(message: str) -> None:
    checks = Checks()
    checks.text("message", message, max_length=MAX_MESSAGE)
    checks.raise_if_any()


async def context_of(session: AsyncSession, company_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> CoachContext:
    await require_company(session, company_id)
    mine = or_(col(Task.assignee_id) == user_id, col(Task.created_by) == user_id)
    tasks = (
        await session.execute(
            select(Task.title, Task.due_at, Task.priority, Task.estimated_minutes)
            .where(col(Task.company_id) == company_id, col(Task.status) != TaskStatus.DONE.value, mine)
            .order_by(col(Task.due_at).asc().nulls_last())
            .limit(30)
        )
    ).all()
    planned = await session.scalar(
        select(func.coalesce(func.sum(func.extract("epoch", col(TimeBlock.ends_at) - col(TimeBlock.starts_at))), 0))
        .where(col(TimeBlock.user_id) == user_id, col(TimeBlock.company_id) == company_id)
        .where(col(TimeBlock.starts_at) >= now, col(TimeBlock.starts_at) < now + timedelta(days=7))
    )
    focus = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(FocusSession.planned_minutes), 0)).where(
                col(FocusSession.user_id) == user_id,
                col(FocusSession.company_id) == company_id,
                col(FocusSession.started_at) >= now - timedelta(days=14),
                col(FocusSession.state) == "completed",
            )
        )
    ).one()
    return CoachContext(
        open_tasks=[
            {
                "title": t.title,
                "due_at": t.due_at.isoformat() if t.due_at else None,
                "priority": t.priority,
                "estimated_minutes": t.estimated_minutes,
            }
            for t in tasks
        ],
        overdue=sum(1 for t in tasks if t.due_at is not None and t.due_at < now),
        planned_minutes_next_7_days=int(float(planned or 0) // 60),
        focus_sessions_14_days=int(focus[0]),
        focus_minutes_14_days=int(focus[1]),
    )


async def history(session: AsyncSession, company_id: uuid.UUID, user_id: uuid.UUID) -> list[AiCoachMessage]:
    rows = await session.execute(
        select(AiCoachMessage)
        .where(col(AiCoachMessage.company_id) == company_id, col(AiCoachMessage.user_id) == user_id)
        .order_by(col(AiCoachMessage.created_at), col(AiCoachMessage.role).desc())
        .limit(200)
    )
    return list(rows.scalars())


async def add_message(
    session: AsyncSession, *, company_id: uuid.UUID, user_id: uuid.UUID, role: str, content: str,
    source: str | None = None, at: datetime,
) -> None:  # fmt: skip
    session.add(
        AiCoachMessage(
            company_id=company_id, user_id=user_id, role=role, content=content[:20000], source=source, created_at=at
        )
    )
    await session.flush()


async def clear(session: AsyncSession, company_id: uuid.UUID, user_id: uuid.UUID) -> int:
    await require_company(session, company_id)
    result = await session.execute(
        delete(AiCoachMessage).where(
            col(AiCoachMessage.company_id) == company_id, col(AiCoachMessage.user_id) == user_id
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def heuristic_reply(context: CoachContext) -> str:
    """A short, honest answer from the numbers alone, for when no model answers."""
    parts = [f"You have {len(context.open_tasks)} open tasks here"]
    parts[0] += f", {context.overdue} of them overdue." if context.overdue else "."
    if context.open_tasks:
        parts.append(f'Start with "{context.open_tasks[0]["title"]}": it is the first one due.')
    parts.append(
        f"About {context.planned_minutes_next_7_days // 60} hours are planned for the coming week, and you "
        f"completed {context.focus_sessions_14_days} focus sessions ({context.focus_minutes_14_days} minutes) "
        "in the last two weeks."
    )
    if context.focus_sessions_14_days < 5:
        parts.append("A short focus session each morning would help you keep a rhythm.")
    return " ".join(parts)


def weekly_summary(context: CoachContext, done_last_7_days: int) -> str:
    return (
        f"This week you completed {done_last_7_days} tasks and {context.focus_sessions_14_days} focus sessions in "
        f"the last two weeks ({context.focus_minutes_14_days} focused minutes). {len(context.open_tasks)} tasks are "
        f"open, {context.overdue} overdue, and {context.planned_minutes_next_7_days // 60} hours are planned for "
        "the coming week."
    )


async def done_since(session: AsyncSession, company_id: uuid.UUID, user_id: uuid.UUID, since: datetime) -> int:
    mine = or_(col(Task.assignee_id) == user_id, col(Task.created_by) == user_id)
    count = await session.scalar(
        select(func.count()).where(col(Task.company_id) == company_id, col(Task.completed_at) >= since, mine)
    )
    return int(count or 0)
