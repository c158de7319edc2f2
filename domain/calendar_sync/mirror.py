"""Writing a synced calendar's changes into its Rhythm mirror, as the person (the policies of calendar_events let
only the owner write). A provider event is one row, found again by its id in `external_uid`, so a repeated page
(a retried job, a resync) changes nothing and the rows keep their ids."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import CalendarEvent
from db.models.calendar_sync import ExternalCalendar
from domain.calendar_sync.google_events import BlockEvent, Change, Mirrored, Removal
from domain.events.service import EventType, record

UPSERT_KEY = "calendar_events_calendar_id_external_uid_key"


@dataclass(slots=True)
class Applied:
    written: int = 0
    removed: int = 0
    blocks: list[BlockEvent] = field(default_factory=list)
    # Overrides whose series is not mirrored yet (a later page may bring it).
    waiting: list[Mirrored] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed)


async def _series_ids(session: AsyncSession, calendar_id: uuid.UUID, uids: set[str]) -> dict[str, uuid.UUID]:
    if not uids:
        return {}
    found = await session.execute(
        sa.select(col(CalendarEvent.external_uid), col(CalendarEvent.id)).where(
            col(CalendarEvent.calendar_id) == calendar_id, col(CalendarEvent.external_uid).in_(sorted(uids))
        )
    )
    return {str(uid): row_id for uid, row_id in found.all()}


async def _upsert(
    session: AsyncSession, external: ExternalCalendar, change: Mirrored, series_id: uuid.UUID | None
) -> None:
    now = datetime.now(UTC)
    values = {**change.fields, "recurring_event_id": series_id, "updated_at": now}
    statement = insert(CalendarEvent).values(
        id=uuid.uuid4(), company_id=external.company_id, calendar_id=external.calendar_id,
        user_id=external.user_id, external_uid=change.external_uid, created_at=now, **values,
    )  # fmt: skip
    statement = statement.on_conflict_do_update(
        constraint=UPSERT_KEY, set_={name: statement.excluded[name] for name in values}
    )
    await session.execute(statement)


async def apply(session: AsyncSession, external: ExternalCalendar, changes: list[Change]) -> Applied:
    """Series and single events first, so the overrides of this page find their series."""
    applied = Applied()
    overrides: list[Mirrored] = []
    for change in changes:
        if isinstance(change, BlockEvent):
            applied.blocks.append(change)
        elif isinstance(change, Removal):
            applied.removed += await forget(session, external, change.external_uid)
        elif change.series_uid is not None:
            overrides.append(change)
        else:
            await _upsert(session, external, change, None)
            applied.written += 1
    series = await _series_ids(session, external.calendar_id, {o.series_uid for o in overrides if o.series_uid})
    for override in overrides:
        series_id = series.get(override.series_uid or "")
        if series_id is None:
            applied.waiting.append(override)
            continue
        await _upsert(session, external, override, series_id)
        applied.written += 1
    return applied


async def remove_unseen(session: AsyncSession, external: ExternalCalendar, seen: set[str]) -> int:
    """After a full read: whatever the mirror holds that the provider no longer listed goes."""
    gone = await session.execute(
        sa.delete(CalendarEvent).where(
            col(CalendarEvent.calendar_id) == external.calendar_id,
            col(CalendarEvent.external_uid).is_not(None),
            col(CalendarEvent.external_uid) != sa.all_(sa.cast(sorted(seen), postgresql.ARRAY(sa.Text))),
        )
    )
    return int(getattr(gone, "rowcount", 0) or 0)


async def forget(session: AsyncSession, external: ExternalCalendar, external_uid: str) -> int:
    """The mirror row of one provider event, gone (an event found to be Rhythm's own block)."""
    gone = await session.execute(
        sa.delete(CalendarEvent).where(
            col(CalendarEvent.calendar_id) == external.calendar_id, col(CalendarEvent.external_uid) == external_uid
        )
    )
    return int(getattr(gone, "rowcount", 0) or 0)


async def wipe(session: AsyncSession, external: ExternalCalendar) -> None:
    await session.execute(sa.delete(CalendarEvent).where(col(CalendarEvent.calendar_id) == external.calendar_id))


async def announce(session: AsyncSession, external: ExternalCalendar) -> None:
    """One `event.updated` for a sync that changed the mirror: the replanner learns the person's busy time moved
    (ids only: the company's webhooks may receive it)."""
    await record(
        session, EventType.EVENT_UPDATED, company_id=external.company_id, subject_id=external.calendar_id,
        data={"event": {"calendar_id": str(external.calendar_id), "user_id": str(external.user_id), "sync": True}},
    )  # fmt: skip
