"""The shape every AI operation takes: read as the caller and reserve (one transaction, committed), ask the model
with no transaction open, then write the result with its usage (another transaction)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AiFeature
from db.tenant import tenant_session
from domain.ai import heuristic, prompts, service
from domain.ai.calls import Answer, Call, ask_json, reserve, settle_and_record
from domain.ai.schemas import ModelPlan, ModelTasks, PlanRequest, ProposedTask, response_format
from domain.validation import Checks
from resolvers.context import Info
from resolvers.mutation import person

T = TypeVar("T")
MAX_TEXT = 4000


@dataclass
class Prepared:
    call: Call
    now: datetime
    projects: dict[str, str]


def check_text(text: str) -> None:
    checks = Checks()
    checks.text("text", text, max_length=MAX_TEXT)
    checks.raise_if_any()


async def prepare(info: Info, company_id: uuid.UUID, feature: AiFeature, text: str) -> Prepared:
    """Read the person's zone and the company's projects as the caller, and reserve; committed on return."""
    user_id = person(info)
    check_text(text)
    services = info.context.services
    async with tenant_session(services.sessions, info.context.caller) as session:
        now = await service.now_of(session, user_id)
        projects = await service.projects_of(session, company_id)
        messages = (
            prompts.parse_tasks_messages(text, now, projects)
            if feature == AiFeature.PARSE_TASKS
            else prompts.plan_messages(text, now)
        )
        call = Call(feature=feature, company_id=company_id, user_id=user_id, messages=messages)
        await reserve(session, services.ai, call, now)
    return Prepared(call, now, projects)


async def tasks_from_text(info: Info, prepared: Prepared, text: str) -> Answer[list[ProposedTask]]:
    return await ask_json(
        info.context.services.ai,
        prepared.call,
        ModelTasks,
        response_format(ModelTasks, "tasks"),
        lambda answer: service.from_model(answer, prepared.now, prepared.projects),
        lambda: heuristic.parse_tasks(text, prepared.now, prepared.projects),
    )


async def plan_from_text(info: Info, prepared: Prepared, text: str) -> Answer[PlanRequest]:
    return await ask_json(
        info.context.services.ai,
        prepared.call,
        ModelPlan,
        response_format(ModelPlan, "plan"),
        lambda answer: service.plan_from_model(answer, prepared.now),
        lambda: heuristic.parse_plan(text, prepared.now),
    )


async def finish(
    info: Info, prepared: Prepared, work: Callable[[AsyncSession], Awaitable[T]] | None = None
) -> T | None:
    """Write the result (if any) with the usage record in one transaction; if writing the result fails, the
    usage is still recorded and the budget settled, in a transaction of its own."""
    sessions = info.context.services.sessions
    caller = info.context.caller
    if work is not None:
        try:
            async with tenant_session(sessions, caller) as session:
                result = await work(session)
                await settle_and_record(session, prepared.call)
                return result
        except BaseException:
            async with tenant_session(sessions, caller) as session:
                await settle_and_record(session, prepared.call)
            raise
    async with tenant_session(sessions, caller) as session:
        await settle_and_record(session, prepared.call)
    return None
