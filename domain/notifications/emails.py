"""The email that may follow a notification: what it says, to whom, and whether it is still wanted."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Notification, NotificationType, User
from domain.notifications.preferences import preferences_of

FOOTER = (
    "You get this email because of your Rhythm notification preferences; you can turn email off, or mute this kind"
    " of notification, there."
)


@dataclass(frozen=True, slots=True)
class Outgoing:
    notification_id: uuid.UUID
    notification_type: NotificationType
    to_address: str
    to_name: str
    subject: str
    text: str


async def outgoing(session: AsyncSession, notification_id: uuid.UUID) -> Outgoing | None:
    """The email for a notification, as a worker of its company; None when it was sent or is not wanted."""
    notification = await session.get(Notification, notification_id)
    if notification is None or notification.emailed_at is not None:
        return None
    kind = NotificationType(notification.type)
    preferences = await preferences_of(session, [notification.user_id])
    if not preferences[notification.user_id].wants_email(kind):
        return None
    recipient = await session.get(User, notification.user_id)
    if recipient is None:
        return None
    text = "\n\n".join(part for part in (notification.title, notification.body, "--", FOOTER) if part)
    return Outgoing(
        notification_id=notification.id,
        notification_type=kind,
        to_address=recipient.email,
        to_name=recipient.display_name,
        subject=notification.title,
        text=text + "\n",
    )


async def mark_emailed(session: AsyncSession, notification_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        sa.update(Notification)
        .where(col(Notification.id) == notification_id, col(Notification.emailed_at).is_(None))
        .values(emailed_at=now)
    )
