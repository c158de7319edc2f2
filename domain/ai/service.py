"""What the AI features read and write as the caller: their context before a call, their results after it."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from base.clock import utcnow
from db.models import AiBudgetMonth, AiCompanySettings, Project, TaskPriority, User
from domain.ai.budget import month_of
from domain.ai.schemas import ModelPlan, ModelTasks, PlanRequest, ProposedTask
from domain.changes import UNCHANGED
from domain.db_errors import refusals
from domain.errors import Forbidden
from domain.lookups import require_company
from domain.schedules.task_fields import SchedulingChanges, set_scheduling
from domain.tasks.queries import TaskRow
from domain.tasks.service import TaskChanges, create_task
from domain.validation import Checks


async def now_of(session: AsyncSession, user_id: uuid.UUID) -> datetime:
    """Now in the person's zone (UTC when their zone is unknown)."""
    zone_name = (await session.execute(select(User.time_zone).where(col(User.id) == user_id))).scalar_one_or_none()
    try:
        zone = ZoneInfo(zone_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return utcnow().astimezone(zone)


async def projects_of(session: AsyncSession, company_id: uuid.UUID) -> dict[str, str]:
    """The company's projects the caller sees (ids as text, names), for guesses; NotFound if the company is not."""
    await require_company(session, company_id)
    rows = await session.execute(
        select(Project.id, Project.name)
        .where(col(Project.company_id) == company_id)
        .order_by(col(Project.name))
        .limit(200)
    )
    return {str(pid): name for pid, name in rows}


def from_model(answer: ModelTasks, zone: datetime, projects: dict[str, str]) -> list[ProposedTask]:
    """The model's tasks, checked like input: known projects only, earlier tasks only as dependencies."""
    proposed: list[ProposedTask] = []
    for index, task in enumerate(answer.tasks):
        due = datetime.fromisoformat(task.due_at).astimezone(zone.tzinfo) if task.due_at else None
        proposed.append(
            ProposedTask(
                title=task.title.strip(),
                due_at=due,
                duration_minutes=task.duration_minutes,
                priority=TaskPriority[task.priority],
                project_id=task.project_id if task.project_id in projects else None,
                depends_on=sorted({d for d in task.depends_on if 0 <= d < index}),
            )
        )
    return proposed


async def create_proposed(
    session: AsyncSession, *, company_id: uuid.UUID, created_by: uuid.UUID, proposed: list[ProposedTask]
) -> list[TaskRow]:
    """The tasks, each through createTask's validation and policies, with durations and dependencies."""
    created: list[TaskRow] = []
    for item in proposed:
        changes = TaskChanges(
            title=item.title,
            priority=item.priority,
            due_at=item.due_at,
            estimated_minutes=item.duration_minutes,
            project_id=uuid.UUID(item.project_id) if item.project_id else UNCHANGED,
        )
        task = await create_task(session, company_id=company_id, created_by=created_by, changes=changes)
        depends_on = [created[index].id for index in item.depends_on if index < len(created)]
        if item.duration_minutes is not None or depends_on:
            await set_scheduling(
                session,
                task.id,
                SchedulingChanges(
                    duration_minutes=item.duration_minutes if item.duration_minutes is not None else UNCHANGED,
                    depends_on=depends_on,
                ),
            )
        created.append(task)
    return created


async def set_budget(
    session: AsyncSession,
    *,
    company_id: uuid.UUID,
    updated_by: uuid.UUID,
    monthly_token_limit: int | None,
    monthly_cost_limit_usd: Decimal | None,
    classify_tasks: bool,
) -> AiCompanySettings:
    """Owners only (the policies decide); null limits mean no limit."""
    checks = Checks()
    checks.between("monthlyTokenLimit", monthly_token_limit, 0, 10**15)
    if monthly_cost_limit_usd is not None and not Decimal(0) <= monthly_cost_limit_usd <= Decimal(10**8):
        checks.fail("monthlyCostLimitUsd", "Must be between 0 and 100000000.")
    checks.raise_if_any()
    await require_company(session, company_id)
    row = await session.get(AiCompanySettings, company_id) or AiCompanySettings(company_id=company_id)
    row.monthly_token_limit = monthly_token_limit
    row.monthly_cost_limit_usd = monthly_cost_limit_usd
    if classify_tasks and not row.classify_tasks:
        row.classify_tasks_since = utcnow()
    row.classify_tasks = classify_tasks
    row.updated_by = updated_by
    row.updated_at = utcnow()
    async with refusals(refused=Forbidden("Only the company's owners may set its AI budget.")):
        session.add(row)
        await session.flush()
    return row


PREFERRED_HOURS = {"morning": (8 * 60, 12 * 60), "afternoon": (12 * 60, 17 * 60), "evening": (17 * 60, 21 * 60)}


def plan_from_model(answer: ModelPlan, now: datetime) -> PlanRequest:
    hours = PREFERRED_HOURS.get(answer.preferred_hours)
    deadline = datetime.fromisoformat(answer.deadline) if answer.deadline else None
    if deadline is not None and deadline.tzinfo is None:
        raise ValueError("a deadline needs its UTC offset")
    deadline = deadline.astimezone(now.tzinfo) if deadline is not None else None
    return PlanRequest(
        title=answer.title.strip(),
        duration_minutes=answer.duration_minutes,
        deadline=deadline,
        earliest_start=now,
        preferred_start_minute=hours[0] if hours else None,
        preferred_end_minute=hours[1] if hours else None,
    )


async def budget_of(
    session: AsyncSession, company_id: uuid.UUID, now: datetime
) -> tuple[AiCompanySettings | None, AiBudgetMonth | None]:
    """The company's AI settings and this month's spending (None where nothing was set or spent yet)."""
    await require_company(session, company_id)
    settings = await session.get(AiCompanySettings, company_id)
    month = await session.get(AiBudgetMonth, (company_id, month_of(now)))
    return settings, month
