from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import asyncpg
import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from db.models import TaskPriority, TaskStatus
from db.tenant import Caller
from domain.changes import UNCHANGED, Change
from domain.errors import ValidationFailed as InvalidInput
from domain.tasks import service, subtasks
from domain.tasks.queries import TaskRow
from domain.tasks.service import TaskChanges
from resolvers.context import Info
from resolvers.deleted import Deleted
from resolvers.errors import ErrorType
from resolvers.ids import uuid_of
from resolvers.mutation import run, signed_in
from resolvers.tasks.types import Subtask, Task

UNSET: Any = strawberry.UNSET


@strawberry.input(description="A new task.")
class CreateTaskInput:
    company_id: relay.GlobalID = strawberry.field(description="The company the task belongs to.")
    title: str = strawberry.field(description="What is to be done (1-500 characters).")
    description: str = strawberry.field(default="", description="Details.")
    project_id: relay.GlobalID | None = strawberry.field(default=None, description="A project of the same company.")
    status: TaskStatus = strawberry.field(default=TaskStatus.TODO, description="Where the task stands.")
    priority: TaskPriority = strawberry.field(default=TaskPriority.MEDIUM, description="How much it matters.")
    effort: int | None = strawberry.field(default=None, description="Effort from 1 to 5.")
    estimated_minutes: int | None = strawberry.field(default=None, description="The estimate, in minutes.")
    due_at: datetime | None = strawberry.field(default=None, description="When it is due.")
    start_after: datetime | None = strawberry.field(default=None, description="Not before this instant.")
    assignee_id: relay.GlobalID | None = strawberry.field(default=None, description="A member of the company.")
    tags: list[str] = strawberry.field(default_factory=list, description="Free-form labels.")


@strawberry.input(description="Changes to a task. Omitted fields stay as they are; null clears a field.")
class UpdateTaskInput:
    id: relay.GlobalID = strawberry.field(description="The task.")
    title: str | None = strawberry.field(default=UNSET, description="What is to be done.")
    description: str | None = strawberry.field(default=UNSET, description="Details.")
    project_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Move to a project, or null.")
    status: TaskStatus | None = strawberry.field(default=UNSET, description="Where the task stands.")
    priority: TaskPriority | None = strawberry.field(default=UNSET, description="How much it matters.")
    effort: int | None = strawberry.field(default=UNSET, description="Effort from 1 to 5, or null.")
    estimated_minutes: int | None = strawberry.field(default=UNSET, description="The estimate, or null.")
    due_at: datetime | None = strawberry.field(default=UNSET, description="When it is due, or null.")
    start_after: datetime | None = strawberry.field(default=UNSET, description="Not before, or null.")
    assignee_id: relay.GlobalID | None = strawberry.field(default=UNSET, description="Assign, or null to unassign.")
    tags: list[str] | None = strawberry.field(default=UNSET, description="Replace the tags.")


@strawberry.input(description="Names one task.")
class TaskIdInput:
    id: relay.GlobalID = strawberry.field(description="The task.")


@strawberry.input(description="A new checklist item.")
class AddSubtaskInput:
    task_id: relay.GlobalID = strawberry.field(description="The task.")
    title: str = strawberry.field(description="What is to be done.")
    position: int | None = strawberry.field(default=None, description="Where to insert it; the end by default.")


@strawberry.input(description="Changes to a checklist item; omitted fields stay as they are.")
class UpdateSubtaskInput:
    id: relay.GlobalID = strawberry.field(description="The item.")
    title: str | None = strawberry.field(default=None, description="What is to be done.")
    done: bool | None = strawberry.field(default=None, description="Tick or untick it.")
    position: int | None = strawberry.field(default=None, description="Move it to this place.")


@strawberry.input(description="Names one checklist item.")
class SubtaskIdInput:
    id: relay.GlobalID = strawberry.field(description="The item.")


TaskResult = Annotated[Task | ErrorType, strawberry.union("TaskResult", description="Task, or a typed error.")]
SubtaskResult = Annotated[
    Subtask | ErrorType, strawberry.union("SubtaskResult", description="Subtask, or a typed error.")
]
DeleteResult = Annotated[
    Deleted | ErrorType, strawberry.union("DeleteResult", description="Deleted, or a typed error.")
]

T = TypeVar("T")


def _changes(input: CreateTaskInput | UpdateTaskInput) -> TaskChanges:
    """Domain changes from an input: UNSET leaves a field alone, None clears it (where it may be cleared)."""
    nulls: dict[str, str] = {}

    def required(value: T | None, field: str) -> Change[T]:
        if value is None:
            nulls[field] = "Cannot be null."
            return UNCHANGED
        return _given(value)

    changes = TaskChanges(
        title=required(input.title, "title"),
        description=required(input.description, "description"),
        status=required(input.status, "status"),
        priority=required(input.priority, "priority"),
        tags=required(input.tags, "tags"),
        effort=_given(input.effort),
        estimated_minutes=_given(input.estimated_minutes),
        due_at=_given(input.due_at),
        start_after=_given(input.start_after),
        project_id=_reference(input.project_id, "Project"),
        assignee_id=_reference(input.assignee_id, "User"),
    )
    if nulls:
        raise InvalidInput(nulls)
    return changes


def _given(value: T) -> Change[T]:
    return UNCHANGED if value is UNSET else value


def _reference(value: relay.GlobalID | None, type_name: str) -> Change[uuid.UUID | None]:
    if value is UNSET:
        return UNCHANGED
    return None if value is None else uuid_of(value, type_name)


async def created_task(session: AsyncSession, caller: Caller, input: CreateTaskInput) -> TaskRow:
    return await service.create_task(
        session,
        company_id=uuid_of(input.company_id, "Company"),
        created_by=caller.user_id,
        changes=_changes(input),
    )


async def updated_task(session: AsyncSession, caller: Caller, input: UpdateTaskInput) -> TaskRow:
    changes = _changes(input)
    return await service.update_task(session, uuid_of(input.id, "Task"), changes)


async def completed_task(session: AsyncSession, caller: Caller, input: TaskIdInput) -> TaskRow:
    return await service.set_done(session, uuid_of(input.id, "Task"), done=True)


async def reopened_task(session: AsyncSession, caller: Caller, input: TaskIdInput) -> TaskRow:
    return await service.set_done(session, uuid_of(input.id, "Task"), done=False)


# The same writes on a connection straight through the driver, in a transaction of their own as the caller
# (db.tenant.write_as), for compiled mutations; None where the write above would raise a typed error it words.
async def created_task_on(connection: asyncpg.Connection, caller: Caller, input: CreateTaskInput) -> TaskRow | None:
    company_id = uuid_of(input.company_id, "Company")
    return await service.create_task_on(
        connection, company_id=company_id, created_by=caller.user_id, changes=_changes(input)
    )


async def updated_task_on(connection: asyncpg.Connection, caller: Caller, input: UpdateTaskInput) -> TaskRow | None:
    changes = _changes(input)
    return await service.update_task_on(connection, caller.user_id, uuid_of(input.id, "Task"), changes)


async def completed_task_on(connection: asyncpg.Connection, caller: Caller, input: TaskIdInput) -> TaskRow | None:
    task_id = uuid_of(input.id, "Task")
    return await service.update_task_on(connection, caller.user_id, task_id, service.done_changes(True))


async def reopened_task_on(connection: asyncpg.Connection, caller: Caller, input: TaskIdInput) -> TaskRow | None:
    task_id = uuid_of(input.id, "Task")
    return await service.update_task_on(connection, caller.user_id, task_id, service.done_changes(False))


TaskWrite = Callable[[AsyncSession, Caller, Any], Awaitable[TaskRow]]
TaskWriteOn = Callable[[asyncpg.Connection, Caller, Any], Awaitable[TaskRow | None]]

# The mutations that answer with the task they wrote, by field name: the resolvers below run them, and so do
# compiled mutations (resolvers/compiled/mutations.py), which render the task without the executor.
TASK_WRITES: dict[str, TaskWrite] = {
    "createTask": created_task,
    "updateTask": updated_task,
    "completeTask": completed_task,
    "reopenTask": reopened_task,
}
TASK_WRITES_ON: dict[str, TaskWriteOn] = {
    "createTask": created_task_on,
    "updateTask": updated_task_on,
    "completeTask": completed_task_on,
    "reopenTask": reopened_task_on,
}


@strawberry.type
class TaskMutations:
    @strawberry.mutation(description="Make a task.")
    async def create_task(self, info: Info, input: CreateTaskInput) -> TaskResult:
        return await _task_write(info, created_task, input)

    @strawberry.mutation(description="Change a task.")
    async def update_task(self, info: Info, input: UpdateTaskInput) -> TaskResult:
        return await _task_write(info, updated_task, input)

    @strawberry.mutation(description="Mark a task done.")
    async def complete_task(self, info: Info, input: TaskIdInput) -> TaskResult:
        return await _task_write(info, completed_task, input)

    @strawberry.mutation(description="Reopen a done task (back to TODO).")
    async def reopen_task(self, info: Info, input: TaskIdInput) -> TaskResult:
        return await _task_write(info, reopened_task, input)

    @strawberry.mutation(description="Delete a task with its checklist.")
    async def delete_task(self, info: Info, input: TaskIdInput) -> DeleteResult:
        async def work(session: AsyncSession) -> Deleted:
            await service.delete_task(session, uuid_of(input.id, "Task"))
            return Deleted(id=input.id)

        signed_in(info)
        return await run(info, work)

    @strawberry.mutation(description="Add an item to a task's checklist.")
    async def add_subtask(self, info: Info, input: AddSubtaskInput) -> SubtaskResult:
        async def work(session: AsyncSession) -> Subtask:
            row = await subtasks.add_subtask(
                session, task_id=uuid_of(input.task_id, "Task"), title=input.title, position=input.position
            )
            return Subtask.from_model(row)

        signed_in(info)
        return await run(info, work)

    @strawberry.mutation(description="Change, tick or move a checklist item.")
    async def update_subtask(self, info: Info, input: UpdateSubtaskInput) -> SubtaskResult:
        async def work(session: AsyncSession) -> Subtask:
            row = await subtasks.update_subtask(
                session, uuid_of(input.id, "Subtask"), title=input.title, done=input.done, position=input.position
            )
            return Subtask.from_model(row)

        signed_in(info)
        return await run(info, work)

    @strawberry.mutation(description="Delete a checklist item.")
    async def delete_subtask(self, info: Info, input: SubtaskIdInput) -> DeleteResult:
        async def work(session: AsyncSession) -> Deleted:
            await subtasks.delete_subtask(session, uuid_of(input.id, "Subtask"))
            return Deleted(id=input.id)

        signed_in(info)
        return await run(info, work)


async def _task_write(info: Info, write: TaskWrite, input: Any) -> Task | ErrorType:
    async def work(session: AsyncSession) -> Task:
        return Task.from_model(await write(session, info.context.caller, input))

    signed_in(info)
    return await run(info, work)
