"""Rhythm's blocks written out to the receiving calendar, each write followed by its own short transaction.

Each planned block of the person (in every company) within the horizon is one provider event with an id chosen
from the block's id (a retried insert meets 409 and finds its own event), private extended properties naming the
block and its company, and If-Match with the last ETag on every change, so Rhythm never overwrites an edit it has
not read. What the provider answers instead (412, 410) is read as the person's change (domain/calendar_sync/blocks.py).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import col

from db.models import TimeBlock
from db.models.calendar_sync import CalendarBlockLink, ExternalCalendar
from db.tenant import tenant_session
from domain.calendar_sync import blocks, mirror
from domain.calendar_sync.connections import person
from domain.calendar_sync.errors import Gone, NotFound, PreconditionFailed
from domain.calendar_sync.google import GoogleCalendar
from domain.calendar_sync.google_events import BlockEvent
from domain.calendar_sync.writers import BlockWriter, GoogleWriter, Wanted
from workers.calendar_sync.context import SyncContext


async def _save_link(
    ctx: SyncContext, external: ExternalCalendar, wanted: Wanted, event_id: str, etag: str | None
) -> None:
    async with tenant_session(ctx.sessions, person(external.user_id)) as session:
        link = await blocks.link_of(session, external, event_id)
        if link is None:
            link = CalendarBlockLink(
                company_id=external.company_id, user_id=external.user_id, external_calendar_id=external.id,
                time_block_id=wanted.block_id, block_company_id=wanted.company_id, provider_event_id=event_id,
                task_id=wanted.task_id, habit_id=wanted.habit_id, starts_at=wanted.starts_at, ends_at=wanted.ends_at,
            )  # fmt: skip
            session.add(link)
            # A sync that read the event before its link existed (a worker killed between the provider's answer
            # and this commit; Graph's delta carries no extended properties) mirrored it as the person's own.
            if await mirror.forget(session, external, event_id):
                await mirror.announce(session, external)
        link.etag, link.starts_at, link.ends_at = etag, wanted.starts_at, wanted.ends_at
        link.updated_at = datetime.now(UTC)


async def _forget(ctx: SyncContext, external: ExternalCalendar, link_id: uuid.UUID) -> None:
    async with tenant_session(ctx.sessions, person(external.user_id)) as session:
        await session.execute(sa.delete(CalendarBlockLink).where(col(CalendarBlockLink.id) == link_id))


async def _take_current(ctx: SyncContext, external: ExternalCalendar, current: BlockEvent) -> None:
    """After a 412 or a 410: what the provider has now, read as any inbound change (the person's edit wins)."""
    async with tenant_session(ctx.sessions, person(external.user_id)) as session:
        await blocks.take_inbound(session, external, [current])


def _moved(event: BlockEvent, starts_at: datetime, ends_at: datetime) -> bool:
    return not event.cancelled and (event.starts_at, event.ends_at) != (starts_at, ends_at)


async def _create(ctx: SyncContext, writer: BlockWriter, external: ExternalCalendar, wanted: Wanted) -> None:
    event = await writer.create(external.external_id, wanted)
    if not event.cancelled and not _moved(event, wanted.starts_at, wanted.ends_at):
        await _save_link(ctx, external, wanted, event.provider_event_id, event.etag)
        return
    # A retried create met the event it made, changed since: a block keeps its times (a plan makes new blocks
    # rather than moving old ones), so other times, or a deletion, are the person's.
    await _save_link(ctx, external, wanted, event.provider_event_id, None)
    await _take_current(ctx, external, event)


async def _update(
    ctx: SyncContext, writer: BlockWriter, external: ExternalCalendar, wanted: Wanted, link: CalendarBlockLink
) -> None:
    try:
        event = await writer.update(external.external_id, link.provider_event_id, wanted, etag=link.etag)
    except PreconditionFailed:
        await _take_current(ctx, external, await writer.get(external.external_id, link.provider_event_id))
        return
    except (Gone, NotFound):
        await _take_current(
            ctx, external, BlockEvent(link.provider_event_id, link.time_block_id, None, True, None, None)
        )
        return
    await _save_link(ctx, external, wanted, event.provider_event_id, event.etag)


async def _remove(ctx: SyncContext, writer: BlockWriter, external: ExternalCalendar, link: CalendarBlockLink) -> None:
    calendar_id = external.external_id
    try:
        await writer.delete(calendar_id, link.provider_event_id, etag=link.etag)
    except PreconditionFailed:
        # Changed since Rhythm last read it: read it again, then decide. Moved or resized, it is the person's
        # edit, which wins (the block comes back pinned there); anything else leaves the plan's decision standing.
        try:
            current = await writer.get(calendar_id, link.provider_event_id)
        except (Gone, NotFound):
            current = None
        if current is not None and _moved(current, link.starts_at, link.ends_at):
            await _take_current(ctx, external, current)
            return
        if current is not None and not current.cancelled:
            try:
                await writer.delete(calendar_id, link.provider_event_id, etag=current.etag)
            except PreconditionFailed:
                return  # Changed once more: the next sync reads it and decides again.
            except (Gone, NotFound):
                pass
    except (Gone, NotFound):
        pass
    await _forget(ctx, external, link.id)


async def push_blocks(ctx: SyncContext, writer: BlockWriter, external: ExternalCalendar) -> int:
    """Make the receiving calendar hold the person's planned blocks; how many writes it took."""
    async with tenant_session(ctx.sessions, person(external.user_id)) as session:
        wanted = await blocks.wanted_blocks(session, external, ctx.block_horizon)
        links = list(
            (
                await session.execute(
                    sa.select(CalendarBlockLink).where(col(CalendarBlockLink.external_calendar_id) == external.id)
                )
            ).scalars()
        )
        # Blocks that left the horizon but stand (past, started, done) keep their events as a record.
        standing = set(
            (
                await session.execute(
                    sa.select(col(TimeBlock.id)).where(
                        col(TimeBlock.id).in_([link.time_block_id for link in links]),
                        col(TimeBlock.state) != "missed",
                    )
                )
            ).scalars()
        )
    by_block = {link.time_block_id: link for link in links}
    writes = 0
    for link in links:
        if link.time_block_id not in wanted and link.time_block_id not in standing:
            await _remove(ctx, writer, external, link)
            writes += 1
    for block_id, block in sorted(wanted.items(), key=lambda item: item[1].starts_at):
        known = by_block.get(block_id)
        if known is None:
            await _create(ctx, writer, external, block)
            writes += 1
        elif (known.starts_at, known.ends_at) != (block.starts_at, block.ends_at):
            await _update(ctx, writer, external, block, known)
            writes += 1
    return writes


async def push_google(ctx: SyncContext, google: GoogleCalendar, external: ExternalCalendar) -> int:
    return await push_blocks(ctx, GoogleWriter(google), external)
