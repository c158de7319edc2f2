"""Account jobs: `accounts.build_export` (a person's data export, built as that person, then an in-app notification
with its download link) and `accounts.revoke_calendar_grant` (an erased person's calendar grant revoked at the
provider), both fed by outbox reactions to Rhythm's internal events."""

from __future__ import annotations

import asyncio
import base64
import uuid

import dramatiq
import structlog

from db.models import NotificationType, OutboxEvent
from db.tenant import Caller
from domain.accounts import exports
from domain.accounts.config import account_config_of
from domain.calendar_sync.secrets import TokenKeyError
from domain.events.outbox import load_event
from domain.events.service import InternalEventType
from domain.notifications.service import Draft, notify
from workers import runtime
from workers.calendar_sync.actors import context as calendar_context
from workers.calendar_sync.disconnect import revoke_grant
from workers.events import reacts
from workers.notifications.actors import announce

log = structlog.get_logger("rhythm.accounts")


@reacts
async def account_events(event: OutboxEvent) -> None:
    payload = event.payload or {}
    if event.type == InternalEventType.DATA_EXPORT_REQUESTED.value:
        export = payload.get("data_export") or {}
        await asyncio.to_thread(build_export.send, str(export["id"]), str(export["user_id"]), str(event.company_id))
    elif event.type == InternalEventType.CALENDAR_GRANT_REVOKED.value:
        await asyncio.to_thread(revoke_calendar_grant.send, str(event.id), str(event.company_id))


@dramatiq.actor(
    actor_name="accounts.build_export",
    queue_name="accounts",
    max_retries=5,
    min_backoff=5_000,
    max_backoff=300_000,
    time_limit=600_000,
)
async def build_export(export_id: str, user_id: str, company_id: str) -> None:
    config = account_config_of(runtime.settings())
    person = uuid.UUID(user_id)
    # As the person, with no company narrowing: the policies decide what goes in.
    async with runtime.acting_as(Caller(user_id=person)) as session:
        built = await exports.build(session, uuid.UUID(export_id), config.export_ttl)
    if built is None or built.export.expires_at is None:
        return
    export, expires_at = built.export, built.export.expires_at
    link = config.download_url(export.id, person, expires_at)
    draft = Draft(
        user_id=person,
        type=NotificationType.DATA_EXPORT_READY,
        title="Your data export is ready",
        body=f"Download it once, before {expires_at:%Y-%m-%d %H:%M} UTC: {link}",
        dedupe_key=f"data_export_ready:{export.id}",
        subject_id=export.id,
    )
    # The personal company, where only the person is: its worker makes the notification (a repeat makes none).
    async with runtime.acting_for(uuid.UUID(company_id)) as session:
        notified = await notify(session, uuid.UUID(company_id), [draft])
    await announce(notified)
    log.info("data_export_ready", export_id=export_id, size_bytes=export.size_bytes, built_now=built.made_now)


@dramatiq.actor(
    actor_name="accounts.revoke_calendar_grant",
    queue_name="accounts",
    max_retries=8,
    min_backoff=5_000,
    max_backoff=600_000,
    time_limit=120_000,
)
async def revoke_calendar_grant(event_id: str, company_id: str) -> None:
    async with runtime.acting_for(uuid.UUID(company_id)) as session:
        event = await load_event(session, uuid.UUID(event_id))
    grant = ((event.payload or {}) if event is not None else {}).get("calendar_grant") or {}
    if not grant.get("refresh_token"):
        return
    try:
        await revoke_grant(calendar_context(), str(grant["provider"]), base64.b64decode(grant["refresh_token"]))
    except TokenKeyError:
        # No configured key reads it: Rhythm cannot use the grant either, and nothing is left to revoke with.
        log.warning("calendar_grant_unreadable", event_id=event_id)
