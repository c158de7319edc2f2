"""Making notifications: for members of the company only, never of a muted type, and once per dedupe key.

Callers run as a worker of the company (scope `notifications:write`) inside their own transaction; what this
returns is what to do once that transaction commits: tell each recipient of a new notification live, and send
email (nothing is sent or published from inside it).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Membership, MembershipRole, Notification, NotificationType
from domain.notifications.preferences import preferences_of

TITLE_LENGTH = 300
BODY_LENGTH = 2000


def clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


@dataclass(frozen=True, slots=True)
class Draft:
    """A notification to make, unless its recipient already has one with the same key."""

    user_id: uuid.UUID
    type: NotificationType
    title: str
    dedupe_key: str
    body: str = ""
    subject_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class ToEmail:
    """A notification whose recipient wants it by email, not emailed yet."""

    notification_id: uuid.UUID
    company_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class Made:
    """A notification this transaction made (not one an earlier run made already), for its recipient's live feed."""

    notification_id: uuid.UUID
    company_id: uuid.UUID
    user_id: uuid.UUID


@dataclass(slots=True)
class Notified:
    """What is left to do once the transaction that made notifications has committed; nothing if it rolls back."""

    made: list[Made] = field(default_factory=list)
    to_email: list[ToEmail] = field(default_factory=list)

    def add(self, other: Notified) -> None:
        self.made += other.made
        self.to_email += other.to_email


async def _members(session: AsyncSession, company_id: uuid.UUID, user_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    statement = sa.select(col(Membership.user_id)).where(
        col(Membership.company_id) == company_id, col(Membership.user_id).in_(user_ids)
    )
    return set((await session.execute(statement)).scalars())


async def notify(
    session: AsyncSession, company_id: uuid.UUID, drafts: Sequence[Draft], *, event_id: uuid.UUID | None = None
) -> Notified:
    """Make the drafts' notifications: those made now, and those to email, including ones a previous, interrupted
    run made."""
    recipients = {draft.user_id for draft in drafts}
    if not recipients:
        return Notified()
    members = await _members(session, company_id, recipients)
    preferences = await preferences_of(session, members)
    kept = [draft for draft in drafts if draft.user_id in members and preferences[draft.user_id].wants(draft.type)]
    if not kept:
        return Notified()
    rows = [
        {
            "id": uuid.uuid4(),
            "company_id": company_id,
            "user_id": draft.user_id,
            "type": draft.type.value,
            "title": clip(draft.title, TITLE_LENGTH),
            "body": clip(draft.body, BODY_LENGTH),
            "subject_id": draft.subject_id,
            "event_id": event_id,
            "dedupe_key": draft.dedupe_key,
        }
        for draft in kept
    ]
    statement = (
        insert(Notification)
        .values(rows)
        .on_conflict_do_nothing(constraint="notifications_once_key")
        .returning(col(Notification.id), col(Notification.user_id))
    )
    # Only the rows inserted now come back: a repeat makes, and announces, nothing.
    inserted = await session.execute(statement)
    made = [Made(notification_id=row.id, company_id=company_id, user_id=row.user_id) for row in inserted]
    emailed = [draft for draft in kept if preferences[draft.user_id].wants_email(draft.type)]
    return Notified(made=made, to_email=await _not_yet_emailed(session, company_id, emailed))


async def _not_yet_emailed(session: AsyncSession, company_id: uuid.UUID, drafts: Sequence[Draft]) -> list[ToEmail]:
    if not drafts:
        return []
    keys = sa.tuple_(col(Notification.user_id), col(Notification.dedupe_key))
    statement = sa.select(col(Notification.id)).where(
        col(Notification.company_id) == company_id,
        keys.in_([(draft.user_id, draft.dedupe_key) for draft in drafts]),
        col(Notification.emailed_at).is_(None),
    )
    ids = (await session.execute(statement)).scalars()
    return [ToEmail(notification_id=notification_id, company_id=company_id) for notification_id in ids]


async def admins_of(session: AsyncSession, company_id: uuid.UUID) -> list[uuid.UUID]:
    statement = sa.select(col(Membership.user_id)).where(
        col(Membership.company_id) == company_id,
        col(Membership.role).in_([MembershipRole.OWNER.value, MembershipRole.ADMIN.value]),
    )
    return sorted((await session.execute(statement)).scalars())


async def notify_company_admins(
    session: AsyncSession,
    company_id: uuid.UUID,
    *,
    type: NotificationType,
    title: str,
    dedupe_key: str,
    body: str = "",
    subject_id: uuid.UUID | None = None,
    event_id: uuid.UUID | None = None,
) -> Notified:
    """Notify the company's owners and admins (for example of a webhook endpoint that was disabled).

    Run as a worker of the company. `dedupe_key` makes a repeat harmless: callers that may run twice for the
    same happening pass the same key. Announce and email what is returned after the transaction commits.
    """
    drafts = [
        Draft(user_id=user_id, type=type, title=title, body=body, subject_id=subject_id, dedupe_key=dedupe_key)
        for user_id in await admins_of(session, company_id)
    ]
    return await notify(session, company_id, drafts, event_id=event_id)
