"""AI operations: plain language to tasks (a preview, or created at once) and to a plan, and the budget."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AiFeature
from domain.ai import service
from domain.ai.calls import Answer
from domain.ai.schemas import PlanRequest as PlanRequestModel
from domain.ai.schemas import ProposedTask as ProposedTaskModel
from domain.errors import DomainError
from resolvers.ai import flow
from resolvers.ai.types import AiSettings, AiTextInput, ParsedTasks, PlanRequest, ProposedTask, SetAiBudgetInput
from resolvers.context import Info
from resolvers.errors import ErrorType, as_error
from resolvers.ids import global_id, uuid_of
from resolvers.mutation import as_person, person
from resolvers.tasks.types import Task

ParsedTasksResult = Annotated[
    ParsedTasks | ErrorType, strawberry.union("ParsedTasksResult", description="ParsedTasks, or a typed error.")
]
PlanRequestResult = Annotated[
    PlanRequest | ErrorType, strawberry.union("PlanRequestResult", description="PlanRequest, or a typed error.")
]
AiSettingsResult = Annotated[
    AiSettings | ErrorType, strawberry.union("AiSettingsResult", description="AiSettings, or a typed error.")
]


@strawberry.type(description="Tasks made from plain language, and who read the text.")
class CreatedTasks:
    tasks: list[Task] = strawberry.field(description="The tasks created, in the order of the text.")
    parsed: ParsedTasks = strawberry.field(description="What was read from the text.")


CreatedTasksResult = Annotated[
    CreatedTasks | ErrorType, strawberry.union("CreatedTasksResult", description="CreatedTasks, or a typed error.")
]


def proposed_type(task: ProposedTaskModel) -> ProposedTask:
    return ProposedTask(
        title=task.title,
        due_at=task.due_at,
        duration_minutes=task.duration_minutes,
        priority=task.priority,
        project_id=global_id("Project", uuid.UUID(task.project_id)) if task.project_id else None,
        depends_on=task.depends_on,
    )


def _hhmm(minute: int | None) -> str | None:
    return None if minute is None else f"{minute // 60:02d}:{minute % 60:02d}"


def plan_type(plan: PlanRequestModel, answer: Answer[PlanRequestModel]) -> PlanRequest:
    return PlanRequest(
        title=plan.title,
        duration_minutes=plan.duration_minutes,
        deadline=plan.deadline,
        earliest_start=plan.earliest_start,
        preferred_start=_hhmm(plan.preferred_start_minute),
        preferred_end=_hhmm(plan.preferred_end_minute),
        source=answer.source,
        reason=answer.reason,
    )


@strawberry.type
class AiMutations:
    @strawberry.mutation(
        description="Read tasks from plain language (titles, due times in the person's zone, durations, priorities, "
        "a project guess, dependencies from 'then'): a preview, nothing is created. The model answers where one is "
        "configured and the company's budget allows; the heuristic otherwise, and says why."
    )
    async def parse_tasks(self, info: Info, input: AiTextInput) -> ParsedTasksResult:
        try:
            prepared = await flow.prepare(info, uuid_of(input.company_id, "Company"), AiFeature.PARSE_TASKS, input.text)
        except DomainError as error:
            return as_error(error)
        answer = await flow.tasks_from_text(info, prepared, input.text)
        await flow.finish(info, prepared)
        return ParsedTasks(tasks=[proposed_type(t) for t in answer.value], source=answer.source, reason=answer.reason)

    @strawberry.mutation(
        description="Read tasks from plain language as parseTasks does, and create them in one transaction, each "
        "through createTask's validation and policies (with durations and dependencies as scheduling fields)."
    )
    async def create_tasks_from_text(self, info: Info, input: AiTextInput) -> CreatedTasksResult:
        company_id = uuid_of(input.company_id, "Company")
        try:
            prepared = await flow.prepare(info, company_id, AiFeature.PARSE_TASKS, input.text)
        except DomainError as error:
            return as_error(error)
        answer = await flow.tasks_from_text(info, prepared, input.text)
        user_id = person(info)

        async def create(session: AsyncSession) -> list[Task]:
            created = await service.create_proposed(
                session, company_id=company_id, created_by=user_id, proposed=answer.value
            )
            return [Task.from_model(task) for task in created]

        try:
            tasks = await flow.finish(info, prepared, create)
        except DomainError as error:
            return as_error(error)
        parsed = ParsedTasks(tasks=[proposed_type(t) for t in answer.value], source=answer.source, reason=answer.reason)
        return CreatedTasks(tasks=tasks or [], parsed=parsed)

    @strawberry.mutation(
        description="Read a request for time from plain language ('find 3 hours for the report before Friday, "
        "mornings only'): duration, deadline, preferred hours, for the scheduling engine."
    )
    async def plan_from_text(self, info: Info, input: AiTextInput) -> PlanRequestResult:
        try:
            prepared = await flow.prepare(info, uuid_of(input.company_id, "Company"), AiFeature.PLAN, input.text)
        except DomainError as error:
            return as_error(error)
        answer = await flow.plan_from_text(info, prepared, input.text)
        await flow.finish(info, prepared)
        return plan_type(answer.value, answer)

    @strawberry.mutation(
        description="Set a company's monthly AI budget (tokens and/or US dollars; null: no limit) and whether new "
        "tasks are classified. Owners only."
    )
    async def set_ai_budget(self, info: Info, input: SetAiBudgetInput) -> AiSettingsResult:
        async def work(session: AsyncSession) -> AiSettings:
            row = await service.set_budget(
                session,
                company_id=uuid_of(input.company_id, "Company"),
                updated_by=person(info),
                monthly_token_limit=input.monthly_token_limit,
                monthly_cost_limit_usd=input.monthly_cost_limit_usd,
                classify_tasks=input.classify_tasks,
            )
            return AiSettings(
                monthly_token_limit=row.monthly_token_limit,
                monthly_cost_limit_usd=row.monthly_cost_limit_usd,
                classify_tasks=row.classify_tasks,
            )

        return await as_person(info, work)
