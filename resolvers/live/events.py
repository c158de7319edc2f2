"""Each message, re-read in a context (the subscriber's, or a group's reader): the event it may see, or None."""

from __future__ import annotations

from domain.live.access import readable_companies, visible_membership
from domain.live.messages import LiveMessage
from domain.notifications import queries
from resolvers.companies.types import Membership
from resolvers.context import Context
from resolvers.ids import global_id
from resolvers.live.types import (
    MembershipEvent,
    MembershipEventType,
    NotificationEvent,
    NotificationEventType,
    ScheduleEvent,
    ScheduleEventType,
    TaskEvent,
    TaskEventType,
)
from resolvers.notifications.types import Notification
from resolvers.tasks.types import Task


async def task_event(context: Context, message: LiveMessage) -> TaskEvent | None:
    kind = next((kind for kind in TaskEventType if kind.value == message.action), None)
    if kind is None or message.subject_id is None:
        return None
    task_id = global_id("Task", message.subject_id)
    if kind is TaskEventType.DELETED:
        # The row is gone; the policies' own answer says whether the subscriber could read it.
        if not await _may_read(context, "tasks", message):
            return None
        return TaskEvent(type=kind, task_id=task_id, task=None)
    # Null when the subscriber may not see it (another company, no longer a member) or it is gone since.
    row = await context.get_loaders().task.load(message.subject_id)
    return None if row is None else TaskEvent(type=kind, task_id=task_id, task=Task.from_model(row))


async def membership_event(context: Context, message: LiveMessage) -> MembershipEvent | None:
    kind = next((kind for kind in MembershipEventType if kind.value == message.action), None)
    user_id = message.subject_id
    if kind is None or user_id is None:
        return None
    membership: Membership | None = None
    if kind is MembershipEventType.REMOVED:
        # The person removed learns it too, although the company is no longer theirs to read.
        if user_id != context.caller.user_id and not await _may_read(context, "members", message):
            return None
    else:
        transaction = context.transaction
        async with transaction.exclusive_session() as session:
            row = await visible_membership(session, message.company_id, user_id)
        if row is None:
            return None
        membership = Membership.from_model(row)
    return MembershipEvent(
        type=kind,
        company_id=global_id("Company", message.company_id),
        user_id=global_id("User", user_id),
        membership=membership,
    )


async def notification_event(context: Context, message: LiveMessage) -> NotificationEvent | None:
    kind = next((kind for kind in NotificationEventType if kind.value == message.action), None)
    viewer = context.caller.user_id
    if kind is None or message.subject_id is None or viewer is None:
        return None
    transaction = context.transaction
    async with transaction.exclusive_session() as session:
        # The subscriber's own only, under the policies too: a message naming another's notification shows nothing.
        row = await queries.notification_of(session, viewer, message.subject_id)
        if row is None:
            return None
        unread = await queries.unread_count(session, viewer)
    return NotificationEvent(type=kind, notification=Notification.from_model(row), unread_count=unread)


async def schedule_event(context: Context, message: LiveMessage) -> ScheduleEvent | None:
    kind = next((kind for kind in ScheduleEventType if kind.value == message.action), None)
    viewer = context.caller.user_id
    # The subscriber's own schedule only, in a company whose blocks they may still read.
    if kind is None or viewer is None or message.subject_id != viewer:
        return None
    if not await _may_read(context, "schedules", message):
        return None
    return ScheduleEvent(
        type=kind,
        company_id=global_id("Company", message.company_id),
        user_id=viewer,
        company_uuid=message.company_id,
    )


async def _may_read(context: Context, resource: str, message: LiveMessage) -> bool:
    transaction = context.transaction
    async with transaction.exclusive_session() as session:
        return message.company_id in await readable_companies(session, resource)
