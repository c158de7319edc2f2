"""Domain events, written to the outbox in the same transaction as the change they report.

A committed change always has its events; a rolled-back one never does. The relay hands them to the workers
after commit.
"""

from __future__ import annotations

import enum
import json
import re
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import asyncpg as postgresql_asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from base.clock import utcnow
from base.tracing import current_carrier
from db.models import OutboxEvent
from db.tenant import caller_of


class EventType(enum.StrEnum):
    TASK_CREATED = "task.created"
    TASK_UPDATED = "task.updated"
    TASK_COMPLETED = "task.completed"
    TASK_DELETED = "task.deleted"
    PROJECT_CREATED = "project.created"
    PROJECT_UPDATED = "project.updated"
    PROJECT_DELETED = "project.deleted"
    MEMBERSHIP_ADDED = "membership.added"
    MEMBERSHIP_CHANGED = "membership.changed"
    MEMBERSHIP_REMOVED = "membership.removed"
    COMPANY_UPDATED = "company.updated"
    TIMER_STARTED = "timer.started"
    TIMER_STOPPED = "timer.stopped"
    WEBHOOK_ENDPOINT_DISABLED = "webhook.endpoint_disabled"
    EVENT_CREATED = "event.created"
    EVENT_UPDATED = "event.updated"
    EVENT_DELETED = "event.deleted"
    FOCUS_SESSION_STARTED = "focus_session.started"
    FOCUS_SESSION_PAUSED = "focus_session.paused"
    FOCUS_SESSION_RESUMED = "focus_session.resumed"
    FOCUS_SESSION_COMPLETED = "focus_session.completed"
    FOCUS_SESSION_RATED = "focus_session.rated"
    FOCUS_SESSION_ABANDONED = "focus_session.abandoned"
    SCHEDULE_UPDATED = "schedule.updated"
    CALENDAR_CONNECTION_UPDATED = "calendar_connection.updated"


class InternalEventType(enum.StrEnum):
    """Events for Rhythm's own jobs alone: they concern one person, so neither webhooks nor live subscriptions
    hear of them."""

    DATA_EXPORT_REQUESTED = "data_export.requested"
    CALENDAR_GRANT_REVOKED = "calendar_grant.revoked"


INTERNAL_EVENT_TYPES = frozenset(event_type.value for event_type in InternalEventType)


def snapshot(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """A JSON-ready copy of some of a row's fields."""

    def plain(value: Any) -> Any:
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, list | tuple):
            return [plain(item) for item in value]
        return value

    return {name: plain(getattr(row, name)) for name in fields}


# One compiled INSERT for every event: building an OutboxEvent (SQLModel runs its field defaults through pydantic)
# and flushing it through the unit of work cost more CPU than the statement itself. No RETURNING, as the ORM
# sends it: RLS would check the row against the SELECT policies too.
_OUTBOX = OutboxEvent.__table__  # type: ignore[attr-defined]
_INSERT = insert(_OUTBOX)
_ROW_COLUMNS = (
    "id", "company_id", "type", "subject_id", "actor_user_id", "payload", "created_at", "dispatches", "trace_context",
)  # fmt: skip
# The same INSERT as driver SQL ($1, $2 ... in `_ROW_COLUMNS` order), for a transaction run straight through asyncpg.
OUTBOX_INSERT_SQL = str(_INSERT.compile(dialect=postgresql_asyncpg.dialect(), column_keys=list(_ROW_COLUMNS)))  # type: ignore[no-untyped-call]
_JSON_COLUMNS = frozenset({"payload", "trace_context"})


def _row(
    event_type: EventType | InternalEventType,
    company_id: uuid.UUID,
    subject_id: uuid.UUID | None,
    actor_user_id: uuid.UUID | None,
    data: dict[str, Any],
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "company_id": company_id,
        "type": event_type.value,
        "subject_id": subject_id,
        "actor_user_id": actor_user_id,
        "payload": data,
        "created_at": utcnow(),
        "dispatches": 0,
        "trace_context": current_carrier(),
    }


async def record(
    session: AsyncSession,
    event_type: EventType | InternalEventType,
    *,
    company_id: uuid.UUID,
    subject_id: uuid.UUID | None,
    data: dict[str, Any],
) -> uuid.UUID:
    """Write an event to the outbox; its id. Changes still pending in the session are written first, so the
    event follows what it reports, as a flush of both would order them."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    row = _row(event_type, company_id, subject_id, caller_of(session).user_id, data)
    # On the session's connection: the statement has no ORM entity, and the session's own execute path (its
    # event hooks, its ORM result setup) costs more than the INSERT's compile-cache lookup.
    connection = await session.connection()
    await connection.execute(_INSERT, row)
    return row["id"]  # type: ignore[no-any-return]


def outbox_insert_from(
    source: str, *, company_id: str, event_type: str, subject_id: str, payload: str, first: int
) -> str:
    """An INSERT of an event for each row of `source` (a WITH query of the same statement) whose company, type,
    subject and payload are SQL over that row: the event written by the statement that makes the change, in one
    round trip. Its id, actor, time and trace context are the parameters `$first` to `$first + 3`, in the order
    `outbox_parameters` gives them."""
    return (
        f"INSERT INTO outbox ({', '.join(_ROW_COLUMNS)})"
        f" SELECT ${first}::UUID, {company_id}, {event_type}, {subject_id}, ${first + 1}::UUID, {payload},"
        f" ${first + 2}::TIMESTAMPTZ, 0, ${first + 3}::JSONB FROM {source}"
    )


def outbox_insert_after(shift: int) -> str:
    """OUTBOX_INSERT_SQL with its parameters numbered after `shift` others: the event's INSERT after another
    statement's in one WITH."""
    return re.sub(r"\$(\d+)", lambda number: f"${int(number[1]) + shift}", OUTBOX_INSERT_SQL)


def outbox_parameters(actor_user_id: uuid.UUID | None) -> tuple[uuid.UUID, uuid.UUID | None, datetime, str]:
    """The parameters of `outbox_insert_from`: a new event's id, its actor, its time and trace context, as `_row`
    makes them (the trace context as text, JSON null when there is none)."""
    return uuid.uuid4(), actor_user_id, utcnow(), json.dumps(current_carrier())


def outbox_values(
    event_type: EventType | InternalEventType,
    *,
    company_id: uuid.UUID,
    subject_id: uuid.UUID | None,
    actor_user_id: uuid.UUID | None,
    data: dict[str, Any],
) -> list[object]:
    """The parameters of OUTBOX_INSERT_SQL for the event `record` writes (its id first), for a statement that
    writes the event together with the change it reports. The JSON columns go as text, as SQLAlchemy's codecs on
    the pool's connections take them, and None as JSON null, as SQLAlchemy writes it (`none_as_null` is off)."""
    row = _row(event_type, company_id, subject_id, actor_user_id, data)
    return [json.dumps(row[name]) if name in _JSON_COLUMNS else row[name] for name in _ROW_COLUMNS]
