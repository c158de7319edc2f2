"""Creating, changing, completing and deleting tasks."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import asyncpg as postgresql_asyncpg
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from base.clock import utcnow
from db.models import Task, TaskPriority, TaskStatus
from domain.changes import UNCHANGED, Change, Unchanged
from domain.db_errors import delete_visible, refusals
from domain.errors import Forbidden
from domain.events.service import (
    OUTBOX_INSERT_SQL,
    EventType,
    outbox_insert_from,
    outbox_parameters,
    outbox_values,
    record,
    snapshot,
)
from domain.lookups import get_one, require_company
from domain.sql_json import snapshot_sql
from domain.tasks.queries import TaskRow
from domain.validation import Checks

# Constraint names that point a database refusal at the input field it concerns.
TASK_FIELDS = {
    "tasks_project_fkey": "projectId",
    "tasks_assignee_fkey": "assigneeId",
}
REFUSED = Forbidden("You may not change tasks in this company.")


@dataclass(slots=True)
class TaskChanges:
    title: Change[str] = UNCHANGED
    description: Change[str] = UNCHANGED
    status: Change[TaskStatus] = UNCHANGED
    priority: Change[TaskPriority] = UNCHANGED
    effort: Change[int | None] = UNCHANGED
    estimated_minutes: Change[int | None] = UNCHANGED
    due_at: Change[datetime | None] = UNCHANGED
    start_after: Change[datetime | None] = UNCHANGED
    assignee_id: Change[uuid.UUID | None] = UNCHANGED
    project_id: Change[uuid.UUID | None] = UNCHANGED
    tags: Change[list[str]] = UNCHANGED

    def given(self) -> dict[str, object]:
        return {f.name: v for f in fields(self) if not isinstance(v := getattr(self, f.name), Unchanged)}


def _given(value: object) -> object | None:
    return None if isinstance(value, Unchanged) else value


def check_task(changes: TaskChanges) -> None:
    checks = Checks()
    title, description = _given(changes.title), _given(changes.description)
    checks.text("title", title if isinstance(title, str) else None, max_length=500)
    checks.text("description", description if isinstance(description, str) else None, max_length=20_000, required=False)
    effort, minutes = _given(changes.effort), _given(changes.estimated_minutes)
    checks.between("effort", effort if isinstance(effort, int) else None, 1, 5)
    checks.between("estimatedMinutes", minutes if isinstance(minutes, int) else None, 1, 100_000)
    tags = _given(changes.tags)
    checks.tags("tags", tags if isinstance(tags, list) else None)
    checks.raise_if_any()


def _normalised(changes: TaskChanges) -> dict[str, object]:
    """The given changes as the columns store them: a trimmed title, sorted distinct tags, enum values."""
    values: dict[str, object] = {}
    for name, value in changes.given().items():
        if name == "title" and isinstance(value, str):
            value = value.strip()
        if name == "tags" and isinstance(value, list):
            value = sorted({tag.strip() for tag in value})
        if name in ("status", "priority") and value is not None:
            value = value.value  # type: ignore[attr-defined]
        values[name] = value
    return values


# A new task's columns before the given changes, as the model's defaults have them.
_NEW_TASK: dict[str, object] = {
    "project_id": None,
    "description": "",
    "status": TaskStatus.TODO.value,
    "priority": TaskPriority.MEDIUM.value,
    "effort": None,
    "estimated_minutes": None,
    "due_at": None,
    "start_after": None,
    "assignee_id": None,
    "tags": [],
}
# Every column, the key made here: no RETURNING, which RLS would check against the SELECT policies too.
_INSERT_TASK = sa.insert(Task.__table__)  # type: ignore[attr-defined]
_DIALECT = postgresql_asyncpg.dialect()  # type: ignore[no-untyped-call]


def _new_task(company_id: uuid.UUID, created_by: uuid.UUID | None, changes: TaskChanges) -> TaskRow:
    """The checked new task with every column, as one INSERT writes it."""
    if isinstance(changes.title, Unchanged):
        changes.title = ""
    check_task(changes)
    now = utcnow()
    values = {**_NEW_TASK, "title": "", **_normalised(changes)}
    return TaskRow(
        id=uuid.uuid4(),
        company_id=company_id,
        project_id=values["project_id"],  # type: ignore[arg-type]
        title=values["title"],  # type: ignore[arg-type]
        description=values["description"],  # type: ignore[arg-type]
        status=values["status"],  # type: ignore[arg-type]
        priority=values["priority"],  # type: ignore[arg-type]
        effort=values["effort"],  # type: ignore[arg-type]
        estimated_minutes=values["estimated_minutes"],  # type: ignore[arg-type]
        due_at=values["due_at"],  # type: ignore[arg-type]
        start_after=values["start_after"],  # type: ignore[arg-type]
        assignee_id=values["assignee_id"],  # type: ignore[arg-type]
        tags=values["tags"],  # type: ignore[arg-type]
        # Completion time follows the status, which the table requires.
        completed_at=now if values["status"] == TaskStatus.DONE.value else None,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )


async def create_task(
    session: AsyncSession, *, company_id: uuid.UUID, created_by: uuid.UUID | None, changes: TaskChanges
) -> TaskRow:
    """One INSERT of every column (a Core statement: building a model instance and flushing it through the unit
    of work cost more CPU than the statement), then the event."""
    task = _new_task(company_id, created_by, changes)
    await require_company(session, company_id)
    if session.new or session.dirty or session.deleted:
        await session.flush()  # what the operation added before goes first, as one flush would order it
    connection = await session.connection()
    async with refusals(fields=TASK_FIELDS, refused=Forbidden("You may not create tasks in this company.")):
        await connection.execute(_INSERT_TASK, task._asdict())
    await _record(session, EventType.TASK_CREATED, task)
    return task


def _insert_from(insert_sql: str, source: str, shift: int) -> str:
    """A compiled `INSERT ... VALUES (...)` as `INSERT ... SELECT ... FROM source`, its parameters numbered after
    `shift` others: a row for each row of `source`, none when it has none."""
    head, _, values = insert_sql.partition(" VALUES (")
    assert values.endswith(")"), insert_sql
    numbered = re.sub(r"\$(\d+)", lambda number: f"${int(number.group(1)) + shift}", values[:-1])
    return f"{head} SELECT {numbered} FROM {source}"


# The task and its event in one statement, for a transaction run straight through the driver: both only when the
# caller sees the company (its row as the policies show it); a WITH's INSERT runs whether read or not, and none
# RETURNs (which the tasks' read policies would check too). The parameters are the task's columns in TaskRow's
# order ($2 its company), then the event's.
_INSERT_TASK_SQL = str(_INSERT_TASK.compile(dialect=_DIALECT, column_keys=list(TaskRow._fields)))
_CREATE_SQL = (
    "WITH visible AS (SELECT FROM companies WHERE id = $2::UUID),"
    f" task AS ({_insert_from(_INSERT_TASK_SQL, 'visible', 0)})"
    f" {_insert_from(OUTBOX_INSERT_SQL, 'visible', len(TaskRow._fields))}"
)


async def create_task_on(
    connection: asyncpg.Connection, *, company_id: uuid.UUID, created_by: uuid.UUID | None, changes: TaskChanges
) -> TaskRow | None:
    """`create_task` in a transaction run straight through the driver (db.tenant.write_as): the same row and
    event, in one statement. None when the caller does not see the company (`create_task` tells why); a refused
    row raises the driver's error, unworded."""
    task = _new_task(company_id, created_by, changes)
    event = outbox_values(
        EventType.TASK_CREATED,
        company_id=company_id,
        subject_id=task.id,
        actor_user_id=created_by,
        data=_event_data(task),
    )
    status = await connection.execute(_CREATE_SQL, *task, *event)
    return task if status == "INSERT 0 1" else None


async def get_task(session: AsyncSession, task_id: uuid.UUID) -> Task:
    return await get_one(session, Task, task_id, what="Task")


# The task's status as the UPDATE found it: a subquery of RETURNING reads the statement's snapshot, which does
# not hold the statement's own change.
_TASKS = Task.__table__  # type: ignore[attr-defined]
_EARLIER = _TASKS.alias("earlier")


@lru_cache(maxsize=512)
def _update_sql(columns: tuple[str, ...], done: bool | None) -> tuple[str, tuple[str, ...]]:
    """The UPDATE ... RETURNING that sets `columns` (and the completion time when the status is given: `done`),
    compiled once per set of columns: its SQL and the names of its parameters in order. Building and compiling
    the statement on every request cost more CPU than sending it."""
    values: dict[str, object] = {name: sa.bindparam(name, type_=_TASKS.c[name].type) for name in columns}
    now = sa.bindparam("now", type_=_TASKS.c.updated_at.type)
    if done is not None:
        # Completion time follows the status, which the table requires; a done task keeps its time.
        values["completed_at"] = sa.func.coalesce(_TASKS.c.completed_at, now) if done else sa.null()
    values["updated_at"] = now
    task_id = sa.bindparam("task_id", type_=_TASKS.c.id.type)
    # Only a change to done asks what the status was (it decides `task.completed`); any other change leaves
    # the status as it found it, or sets one that is not done, and reading the row twice would cost a second
    # scan and a second policy check.
    earlier = (
        sa.select(_EARLIER.c.status).where(_EARLIER.c.id == task_id).scalar_subquery().label("earlier_status")
        if done
        else _TASKS.c.status.label("earlier_status")
    )
    statement = (
        sa.update(_TASKS)
        .where(_TASKS.c.id == task_id)
        .values(values)
        .returning(*(_TASKS.c[name] for name in TaskRow._fields), earlier)
    )
    compiled = statement.compile(dialect=_DIALECT)
    return str(compiled), tuple(compiled.positiontup or ())


@lru_cache(maxsize=512)
def _update_with_event_sql(columns: tuple[str, ...], done: bool | None) -> tuple[str, tuple[str, ...]]:
    """`_update_sql`'s UPDATE and the event it makes in one statement: the UPDATE's rows as it returns them, the
    event written from the row it changed (none when it changed none). Its SQL and the names of the UPDATE's
    parameters in order; the event's follow them (`outbox_parameters`, then the changed fields' names as a JSON
    list)."""
    update, names = _update_sql(columns, done)
    first = len(names) + 1
    # As `_updated` decides it: completed when the status became done by this UPDATE.
    done_value = f"'{TaskStatus.DONE.value}'"
    completed = f"updated.status = {done_value} AND updated.earlier_status IS DISTINCT FROM {done_value}"
    event_type = (
        f"CASE WHEN {completed} THEN '{EventType.TASK_COMPLETED.value}' ELSE '{EventType.TASK_UPDATED.value}' END"
    )
    payload = f"jsonb_build_object('task', {snapshot_sql(_TASKS, 'updated', SNAPSHOT)}, 'changed', ${first + 4}::JSONB)"
    event = outbox_insert_from(
        "updated",
        company_id="updated.company_id",
        event_type=event_type,
        subject_id="updated.id",
        payload=payload,
        first=first,
    )
    return f"WITH updated AS ({update}), event AS ({event}) SELECT * FROM updated", names


def _update_statement(task_id: uuid.UUID, changes: TaskChanges) -> tuple[str, tuple[object, ...]]:
    """The checked changes as the UPDATE ... RETURNING's SQL and its values in order."""
    columns, done, values = _update_parts(task_id, changes)
    sql, names = _update_sql(columns, done)
    return sql, tuple(values[name] for name in names)


def _update_parts(task_id: uuid.UUID, changes: TaskChanges) -> tuple[tuple[str, ...], bool | None, dict[str, Any]]:
    """The checked changes: the columns they set, whether the status they set is done (None: no status), and the
    statement's values by parameter name."""
    check_task(changes)
    values = _normalised(changes)
    done = None if "status" not in values else values["status"] == TaskStatus.DONE.value
    columns = tuple(values)
    values["now"] = utcnow()
    values["task_id"] = task_id
    return columns, done, values


def _updated(row: Sequence[Any]) -> tuple[TaskRow, EventType]:
    """The task an UPDATE returned, and the event it makes: completed when the status became DONE by it."""
    task = TaskRow._make(row[: len(TaskRow._fields)])
    completed = task.status == TaskStatus.DONE and row[-1] != TaskStatus.DONE
    return task, EventType.TASK_COMPLETED if completed else EventType.TASK_UPDATED


async def update_task(session: AsyncSession, task_id: uuid.UUID, changes: TaskChanges) -> TaskRow:
    """One UPDATE ... RETURNING: the task as changed and the status it had. No row back: NotFound when the
    caller cannot see the task, REFUSED when a policy keeps it as it is."""
    sql, parameters = _update_statement(task_id, changes)
    connection = await session.connection()
    async with refusals(fields=TASK_FIELDS, refused=REFUSED):
        row = (await connection.exec_driver_sql(sql, parameters)).first()
    if row is None:
        await get_task(session, task_id)
        raise REFUSED
    task, event_type = _updated(row)
    _refresh_loaded(session, task)
    await _record(session, event_type, task, changed=changes.given())
    return task


async def update_task_on(
    connection: asyncpg.Connection, actor_user_id: uuid.UUID | None, task_id: uuid.UUID, changes: TaskChanges
) -> TaskRow | None:
    """`update_task` in a transaction run straight through the driver (db.tenant.write_as): the same UPDATE and
    event, in one statement (the event's payload written by PostgreSQL as `snapshot` writes it). None when no row
    changed (the caller cannot see the task, or a policy refused the change): which of the two, `update_task`
    tells. A refused value (a project or assignee of another company) raises the driver's error, unworded."""
    columns, done, values = _update_parts(task_id, changes)
    sql, names = _update_with_event_sql(columns, done)
    event = (*outbox_parameters(actor_user_id), json.dumps(sorted(changes.given())))
    row = await connection.fetchrow(sql, *(values[name] for name in names), *event)
    return None if row is None else _updated(row)[0]


def _refresh_loaded(session: AsyncSession, task: TaskRow) -> None:
    """Bring an instance of the task that this session already holds up to date, as the ORM's own UPDATE
    would (a task created or read earlier in the same operation)."""
    loaded = session.identity_map.get(session.sync_session.identity_key(Task, task.id))
    if loaded is None:
        return
    for name, value in task._asdict().items():
        set_committed_value(loaded, name, value)


def done_changes(done: bool) -> TaskChanges:
    """Mark a task done, or reopen it (back to TODO)."""
    return TaskChanges(status=TaskStatus.DONE if done else TaskStatus.TODO)


async def set_done(session: AsyncSession, task_id: uuid.UUID, *, done: bool) -> TaskRow:
    return await update_task(session, task_id, done_changes(done))


async def delete_task(session: AsyncSession, task_id: uuid.UUID) -> None:
    task = await get_task(session, task_id)
    await _record(session, EventType.TASK_DELETED, task)
    await delete_visible(session, Task, task_id, what="Task", refused=REFUSED)


SNAPSHOT = (
    "id", "company_id", "project_id", "title", "status", "priority", "effort", "estimated_minutes", "due_at",
    "start_after", "assignee_id", "tags", "completed_at", "updated_at",
)  # fmt: skip


async def _record(
    session: AsyncSession, event_type: EventType, task: Task | TaskRow, changed: dict[str, object] | None = None
) -> None:
    data = _event_data(task, changed)
    await record(session, event_type, company_id=task.company_id, subject_id=task.id, data=data)


def _event_data(task: Task | TaskRow, changed: dict[str, object] | None = None) -> dict[str, object]:
    data: dict[str, object] = {"task": snapshot(task, SNAPSHOT)}
    if changed is not None:
        data["changed"] = sorted(changed)
    return data


# For the areas that change a task's satellite rows (its scheduling fields) and report it as a task change.
record_task_event = _record
