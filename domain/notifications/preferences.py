"""Each person's notification preferences; a person without a row has the defaults."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import NotificationPreferences, NotificationType
from db.models.notifications import DEFAULT_DUE_SOON_HOURS
from domain.validation import Checks

MAX_DUE_SOON_HOURS = 336


@dataclass(frozen=True, slots=True)
class Preferences:
    email_enabled: bool = True
    muted_types: frozenset[NotificationType] = frozenset()
    due_soon_hours: int = DEFAULT_DUE_SOON_HOURS

    def wants(self, notification_type: NotificationType) -> bool:
        return notification_type not in self.muted_types

    def wants_email(self, notification_type: NotificationType) -> bool:
        return self.email_enabled and self.wants(notification_type)


DEFAULTS = Preferences()


def _of(row: NotificationPreferences) -> Preferences:
    known = {member.value for member in NotificationType}
    # A type retired from the code may linger in a row; it mutes nothing.
    muted = frozenset(NotificationType(value) for value in row.muted_types if value in known)
    return Preferences(email_enabled=row.email_enabled, muted_types=muted, due_soon_hours=row.due_soon_hours)


async def preferences_of(session: AsyncSession, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Preferences]:
    """The preferences of each person, defaults where they set none (or the caller may not read theirs)."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    statement = sa.select(NotificationPreferences).where(col(NotificationPreferences.user_id).in_(wanted))
    rows = {row.user_id: _of(row) for row in (await session.execute(statement)).scalars()}
    return {user_id: rows.get(user_id, DEFAULTS) for user_id in wanted}


@dataclass(slots=True)
class PreferenceChanges:
    """None leaves a preference as it is."""

    email_enabled: bool | None = None
    muted_types: list[NotificationType] | None = field(default=None)
    due_soon_hours: int | None = None


def _check(changes: PreferenceChanges) -> None:
    checks = Checks()
    checks.between("dueSoonWindowHours", changes.due_soon_hours, 1, MAX_DUE_SOON_HOURS)
    checks.raise_if_any()


async def update_preferences(session: AsyncSession, user_id: uuid.UUID, changes: PreferenceChanges) -> Preferences:
    """Change the person's preferences; one statement, so two first changes at once cannot collide."""
    _check(changes)
    given: dict[str, object] = {"updated_at": datetime.now(UTC)}
    if changes.email_enabled is not None:
        given["email_enabled"] = changes.email_enabled
    if changes.muted_types is not None:
        given["muted_types"] = sorted({value.value for value in changes.muted_types})
    if changes.due_soon_hours is not None:
        given["due_soon_hours"] = changes.due_soon_hours
    statement = (
        insert(NotificationPreferences)
        .values(user_id=user_id, **given)
        .on_conflict_do_update(index_elements=["user_id"], set_=given)
        .returning(NotificationPreferences)
    )
    row = (await session.execute(statement.execution_options(populate_existing=True))).scalars().one()
    return _of(row)
