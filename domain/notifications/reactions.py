"""Which committed events notify whom. Nobody is notified of their own action.

- a task created with an assignee, or whose assignee changed: the assignee (an update naming the assignee the
  task already had is not a change);
- a task completed by someone other than its creator: the creator;
- a person added to a company: that person;
- a webhook endpoint disabled for failing: the company's owners and admins.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Company, Notification, NotificationType, OutboxEvent, Task, User
from domain.events.service import EventType
from domain.notifications import wording
from domain.notifications.service import Draft, admins_of

Handler = Callable[[AsyncSession, OutboxEvent], Awaitable[list[Draft]]]


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _key(event: OutboxEvent, notification_type: NotificationType) -> str:
    return f"event:{event.id}:{notification_type.value}"


def endpoint_disabled_key(endpoint_id: uuid.UUID | str, disabled_at: datetime | str | None) -> str:
    """The key for "this endpoint was disabled at this time": a direct call and the event reaction share it."""
    moment = disabled_at.isoformat() if isinstance(disabled_at, datetime) else disabled_at
    return f"webhook_endpoint_disabled:{endpoint_id}:{moment}"


async def _actor_name(session: AsyncSession, event: OutboxEvent) -> str | None:
    """Who did it; None for an API key or a job, or someone the company's worker no longer sees."""
    if event.actor_user_id is None:
        return None
    actor = await session.get(User, event.actor_user_id)
    return None if actor is None else actor.display_name


async def _company_name(session: AsyncSession, company_id: uuid.UUID) -> str:
    company = await session.get(Company, company_id)
    return "your company" if company is None else company.name


async def _told_already(session: AsyncSession, event: OutboxEvent, assignee: uuid.UUID) -> bool:
    """True when the last assignment notification about the task went to this assignee: an update that names the
    assignee it already had (a form saved whole) is no news. Another event's, so a redelivery still completes."""
    statement = (
        sa.select(col(Notification.user_id))
        .where(
            col(Notification.company_id) == event.company_id,
            col(Notification.subject_id) == event.subject_id,
            col(Notification.type) == NotificationType.TASK_ASSIGNED.value,
            col(Notification.event_id).is_distinct_from(event.id),
        )
        .order_by(col(Notification.created_at).desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar() == assignee


async def _assignment(session: AsyncSession, event: OutboxEvent) -> list[Draft]:
    task: dict[str, Any] = event.payload.get("task", {})
    changed = event.payload.get("changed")
    assignee = _uuid(task.get("assignee_id"))
    if assignee is None or assignee == event.actor_user_id:
        return []
    if event.type != EventType.TASK_CREATED and (
        "assignee_id" not in (changed or []) or await _told_already(session, event, assignee)
    ):
        return []
    body = f"In {await _company_name(session, event.company_id)}."
    recipient = await session.get(User, assignee)
    if (due_at := task.get("due_at")) and recipient is not None:
        body += f" Due {wording.when(datetime.fromisoformat(due_at), recipient.time_zone)}."
    title = wording.assigned(await _actor_name(session, event), str(task.get("title", "")))
    kind = NotificationType.TASK_ASSIGNED
    key = _key(event, kind)
    return [Draft(user_id=assignee, type=kind, title=title, body=body, subject_id=event.subject_id, dedupe_key=key)]


async def _completion(session: AsyncSession, event: OutboxEvent) -> list[Draft]:
    drafts = await _assignment(session, event)
    task = None if event.subject_id is None else await session.get(Task, event.subject_id)
    if task is None or task.created_by is None or task.created_by == event.actor_user_id:
        return drafts
    kind = NotificationType.TASK_COMPLETED
    title = wording.completed(await _actor_name(session, event), task.title)
    body = f"In {await _company_name(session, event.company_id)}."
    completion = Draft(
        user_id=task.created_by, type=kind, title=title, body=body, subject_id=task.id, dedupe_key=_key(event, kind)
    )
    return [*drafts, completion]


async def _membership(session: AsyncSession, event: OutboxEvent) -> list[Draft]:
    membership: dict[str, Any] = event.payload.get("membership", {})
    member = _uuid(membership.get("user_id"))
    if member is None or member == event.actor_user_id:
        return []
    kind = NotificationType.MEMBER_ADDED
    title = wording.added(await _actor_name(session, event), await _company_name(session, event.company_id))
    body = f"Your role: {membership.get('role', 'member')}."
    key = _key(event, kind)
    return [Draft(user_id=member, type=kind, title=title, body=body, subject_id=event.company_id, dedupe_key=key)]


async def _endpoint_disabled(session: AsyncSession, event: OutboxEvent) -> list[Draft]:
    endpoint: dict[str, Any] = event.payload.get("webhook_endpoint", {})
    endpoint_id = _uuid(endpoint.get("id")) or event.subject_id
    if endpoint_id is None:
        return []
    kind = NotificationType.WEBHOOK_ENDPOINT_DISABLED
    title = f"A webhook endpoint of {await _company_name(session, event.company_id)} was disabled"
    body = f"{endpoint.get('url', '')}: {endpoint.get('disabled_reason') or 'disabled'} Enable it again once it works."
    key = endpoint_disabled_key(endpoint_id, endpoint.get("disabled_at"))
    return [
        Draft(user_id=admin, type=kind, title=title, body=body, subject_id=endpoint_id, dedupe_key=key)
        for admin in await admins_of(session, event.company_id)
    ]


HANDLERS: dict[str, Handler] = {
    EventType.TASK_CREATED.value: _assignment,
    EventType.TASK_UPDATED.value: _assignment,
    EventType.TASK_COMPLETED.value: _completion,
    EventType.MEMBERSHIP_ADDED.value: _membership,
    EventType.WEBHOOK_ENDPOINT_DISABLED.value: _endpoint_disabled,
}


async def drafts_for(session: AsyncSession, event: OutboxEvent) -> list[Draft]:
    """The notifications `event` calls for, read as a worker of its company."""
    handler = HANDLERS.get(event.type)
    return [] if handler is None else await handler(session, event)
