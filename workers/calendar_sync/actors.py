"""Calendar sync actors: `calendar_sync.sync` (one connection), `calendar_sync.notified` (a provider's push),
`calendar_sync.person` (every connection of a person whose plan changed) and `calendar_sync.due` (the periodic
fallback scan), fed by the outbox reactions below and by the push routes, which only enqueue.

Limits: a throttled sync comes back after Retry-After (or a jittered backoff) a few times before it raises;
other provider failures raise at once; either way Dramatiq's retries then take over, and a sync that keeps failing
ends in the dead-letter queue of the connection's company with its reason. The periodic chain keeps one live
message per connection: each sync schedules the next at the connection's `next_sync_at`, and a message whose due
time is no longer the connection's (a later sync moved it) does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime

import dramatiq
import httpx
import sqlalchemy as sa
import structlog
from sqlmodel import col

from db.models import OutboxEvent
from db.models.calendar_sync import CalendarConnection, CalendarPushChannel
from db.tenant import ANONYMOUS, Caller, tenant_session
from domain.calendar_sync.backoff import delay_seconds
from domain.calendar_sync.errors import Throttled
from domain.events.service import EventType
from workers import runtime
from workers.calendar_sync import disconnect as disconnecting
from workers.calendar_sync.context import SyncContext, context_of
from workers.calendar_sync.sync_runs import Outcome, load, sync_connection
from workers.events import reacts
from workers.loop_runs import loop_pass

log = structlog.get_logger("rhythm.calendar_sync")

#: A throttled sync is put back this many times (after Retry-After or backoff) before it raises to Dramatiq.
THROTTLED_RETURNS = 5
#: A sync that found the connection busy (another sync running) comes back this soon, so what arrived meanwhile
#: is read.
BUSY_DELAY_MS = 5_000
DUE_BATCH = 500
CAUSE = "calendar"

_http: httpx.AsyncClient | None = None


def context() -> SyncContext:
    """The process's sync context, made on the actors' event loop when first used."""
    global _http
    settings = runtime.settings()
    if _http is None:
        _http = httpx.AsyncClient(timeout=settings.calendar_http_timeout_seconds)
    return context_of(settings, runtime.sessions(), _http)


def _send_sync(connection_id: str, user_id: str, company_id: str, *, delay_ms: int = 0, **kwargs: object) -> None:
    sync.send_with_options(args=(connection_id, user_id, company_id), kwargs=kwargs, delay=delay_ms or None)


@dramatiq.actor(
    actor_name="calendar_sync.sync",
    queue_name="calendar_sync",
    max_retries=8,
    min_backoff=5_000,
    max_backoff=600_000,
    time_limit=600_000,
)
async def sync(connection_id: str, user_id: str, company_id: str, attempt: int = 0, due_at: str | None = None) -> None:
    if not runtime.settings().calendar_sync_jobs:
        return
    ctx = context()
    connection_uuid, user_uuid = uuid.UUID(connection_id), uuid.UUID(user_id)
    if due_at is not None:
        connection = await load(ctx, connection_uuid, user_uuid)
        if connection is None or connection.next_sync_at is None or connection.next_sync_at.isoformat() != due_at:
            return  # A later sync rescheduled this connection; its own message carries the chain on.
    try:
        outcome = await sync_connection(ctx, connection_uuid, user_uuid)
    except Throttled as error:
        if attempt >= THROTTLED_RETURNS:
            raise
        wait = delay_seconds(attempt, error.retry_after, cap=600)
        await asyncio.to_thread(
            _send_sync, connection_id, user_id, company_id, delay_ms=int(wait * 1000), attempt=attempt + 1
        )
        return
    finally:
        # Whatever happened, the chain goes on from the connection's next_sync_at (a failure moved it on).
        await _schedule_next(ctx, connection_uuid, user_uuid, company_id)
    if outcome is Outcome.BUSY:
        await asyncio.to_thread(_send_sync, connection_id, user_id, company_id, delay_ms=BUSY_DELAY_MS)


async def _schedule_next(ctx: SyncContext, connection_id: uuid.UUID, user_id: uuid.UUID, company_id: str) -> None:
    connection = await load(ctx, connection_id, user_id)
    if connection is None or connection.next_sync_at is None or connection.state == "needs_reauthorization":
        return
    delay = max(0, int((connection.next_sync_at - datetime.now(UTC)).total_seconds() * 1000))
    due = connection.next_sync_at.isoformat()
    await asyncio.to_thread(_send_sync, str(connection_id), str(user_id), company_id, delay_ms=delay, due_at=due)


@dramatiq.actor(
    actor_name="calendar_sync.disconnect",
    queue_name="calendar_sync",
    max_retries=8,
    min_backoff=5_000,
    max_backoff=600_000,
    time_limit=600_000,
)
async def disconnect(connection_id: str, user_id: str, company_id: str) -> None:
    if not runtime.settings().calendar_sync_jobs:
        return
    if not await disconnecting.disconnect(context(), uuid.UUID(connection_id), uuid.UUID(user_id)):
        # A sync holds the connection: come back once it is done.
        await asyncio.to_thread(
            disconnect.send_with_options, args=(connection_id, user_id, company_id), delay=BUSY_DELAY_MS
        )


@dramatiq.actor(actor_name="calendar_sync.notified", queue_name="calendar_sync", max_retries=3, time_limit=60_000)
async def notified(channel_id: str, token: str) -> None:
    """A push notification: the channel and its token name the connection (the database checks the token)."""
    try:
        channel = uuid.UUID(channel_id)
    except ValueError:
        return
    async with tenant_session(runtime.sessions(), ANONYMOUS) as session:
        found = await session.execute(
            sa.text("SELECT connection_id, user_id, company_id FROM rhythm.calendar_channel_target(:channel, :token)"),
            {"channel": channel, "token": token},
        )
        targets = found.all()
    for connection_id, user_id, company_id in targets:
        await asyncio.to_thread(_send_sync, str(connection_id), str(user_id), str(company_id))


@dramatiq.actor(actor_name="calendar_sync.graph_notified", queue_name="calendar_sync", max_retries=3, time_limit=60_000)
async def graph_notified(subscription_id: str, client_state: str, lifecycle: str = "") -> None:
    """A Graph change or lifecycle notification: the subscription and its clientState name the connection. A
    subscription Graph removed, or wants reauthorized, is forgotten, so the sync makes a new one; `missed` and
    every change mean: sync."""
    async with tenant_session(runtime.sessions(), ANONYMOUS) as session:
        found = await session.execute(
            sa.text(
                "SELECT connection_id, user_id, company_id, channel_id"
                " FROM rhythm.calendar_subscription_target(:subscription, :state)"
            ),
            {"subscription": subscription_id, "state": client_state},
        )
        targets = found.all()
    for connection_id, user_id, company_id, channel_id in targets:
        if lifecycle in ("subscriptionRemoved", "reauthorizationRequired"):
            async with tenant_session(runtime.sessions(), Caller(user_id=user_id)) as session:
                await session.execute(sa.delete(CalendarPushChannel).where(col(CalendarPushChannel.id) == channel_id))
        await asyncio.to_thread(_send_sync, str(connection_id), str(user_id), str(company_id))


@dramatiq.actor(actor_name="calendar_sync.person", queue_name="calendar_sync", max_retries=5, time_limit=60_000)
async def sync_person(user_id: str) -> None:
    """Every connection of a person whose blocks changed: their plan goes to each receiving calendar."""
    async with tenant_session(runtime.sessions(), Caller(user_id=uuid.UUID(user_id))) as session:
        rows = await session.execute(
            sa.select(col(CalendarConnection.id), col(CalendarConnection.company_id)).where(
                col(CalendarConnection.user_id) == uuid.UUID(user_id)
            )
        )
        connections = rows.all()
    for connection_id, company_id in connections:
        await asyncio.to_thread(_send_sync, str(connection_id), user_id, str(company_id))


@dramatiq.actor(actor_name="calendar_sync.due", queue_name="calendar_sync", max_retries=0, time_limit=60_000)
async def due() -> None:
    """The fallback scan: every connection whose next sync is due (the periodic chain lost, push silent)."""
    async with tenant_session(runtime.sessions(), ANONYMOUS) as session:
        found = await session.execute(
            sa.text("SELECT connection_id, user_id, company_id FROM rhythm.due_calendar_connections(:now, :limit)"),
            {"now": datetime.now(UTC), "limit": DUE_BATCH},
        )
        targets = found.all()
    for connection_id, user_id, company_id in targets:
        await asyncio.to_thread(_send_sync, str(connection_id), str(user_id), str(company_id))


async def run_due_scans(stop: asyncio.Event) -> None:
    """Enqueue `calendar_sync.due` now and every sync period until `stop` is set (several processes may: the
    advisory lock keeps each connection's syncs one at a time)."""
    period = runtime.settings().calendar_sync_period_seconds
    while not stop.is_set():
        try:
            with loop_pass("calendar_sync_scan"):
                await asyncio.to_thread(due.send)
        except Exception:
            log.exception("calendar_due_enqueue_failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), period)


@reacts
async def calendar_changes(event: OutboxEvent) -> None:
    """A plan applied or a block pinned (not by a sync itself) goes out to the person's calendars; a connection
    made, reconnected or asked to sync is read. A repeated event only repeats an idempotent sync."""
    if not runtime.settings().calendar_sync_jobs:
        return
    payload = event.payload or {}
    if event.type == EventType.SCHEDULE_UPDATED.value:
        schedule = payload.get("schedule") or {}
        if schedule.get("cause") != CAUSE and schedule.get("user_id"):
            await asyncio.to_thread(sync_person.send, str(schedule["user_id"]))
    elif event.type == EventType.CALENDAR_CONNECTION_UPDATED.value:
        connection = payload.get("calendar_connection") or {}
        if connection.get("disconnect"):
            await asyncio.to_thread(
                disconnect.send, str(connection["id"]), str(connection["user_id"]), str(event.company_id)
            )
        elif connection.get("state") != "needs_reauthorization" and connection.get("requested"):
            await asyncio.to_thread(
                _send_sync, str(connection["id"]), str(connection["user_id"]), str(event.company_id)
            )
